#!/usr/bin/env python3
"""dashboard_browser.py - the dashboard in a real browser.

Starts tlsready (IMAP STARTTLS listener + dashboard on free loopback
ports) and runs tests/browser/dashboard.test.js with node: headless
Debian Chromium driven by playwright-core (no browser download). Exits 77
when node, npm, /usr/bin/chromium or openssl is missing, or when
playwright-core cannot be installed into tests/browser/node_modules (it
runs `npm install` there once; PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1). The
screenshot goes to $TLSREADY_BUILD/tests/artifacts/dashboard_browser/.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

SRC = os.environ.get("TLSREADY_SRC") or os.path.abspath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
BROWSER_DIR = os.path.join(SRC, "tests", "browser")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def main():
    case = harness.Case()
    case.need("node", "npm", "openssl")
    if not os.access(CHROMIUM, os.X_OK):
        case.skip("%s is not installed (apt-get install chromium)" %
                  CHROMIUM)
    mod = os.path.join(BROWSER_DIR, "node_modules", "playwright-core")
    if not os.path.isdir(mod):
        env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
        r = case.run(["npm", "install", "--no-audit", "--no-fund",
                      "--ignore-scripts"], timeout=240, env=env,
                     cwd=BROWSER_DIR)
        if r.rc != 0 or not os.path.isdir(mod):
            case.skip("npm install playwright-core failed: %s" %
                      r.text[-500:])
    build = os.environ.get("TLSREADY_BUILD") or case.tmp
    artifacts = os.path.join(build, "tests", "artifacts",
                             "dashboard_browser")
    os.makedirs(artifacts, exist_ok=True)
    dport = harness.free_port()
    srv = case.server({"imap": {"protocol": "imap"}},
                      globals_={"dashboard": "127.0.0.1:%d" % dport},
                      quiet=True)
    srv.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not harness.listening(dport):
        time.sleep(0.05)
    if not case.check(harness.listening(dport), "dashboard listens",
                      srv.stderr()):
        case.done()
    profile = tempfile.mkdtemp(prefix="chromium-", dir=case.tmp)
    env = {"DASH_URL": "http://127.0.0.1:%d/" % dport,
           "IMAP_PORT": str(srv.port("imap")),
           "ARTIFACTS": artifacts, "PROFILE_DIR": profile,
           "CHROMIUM": CHROMIUM}
    srv.conns += 2   # openssl s_client + the hostile raw client
    r = case.run(["node", os.path.join(BROWSER_DIR, "dashboard.test.js")],
                 timeout=120, env=env, cwd=BROWSER_DIR)
    sys.stdout.write(r.out)
    if r.err.strip():
        print("# node stderr: " + r.err.strip()[-1500:])
    last = r.out.strip().splitlines()[-1:] or [""]
    case.check(r.rc == 0, "browser test passes (%s)" % last[0])
    case.check(os.path.exists(os.path.join(artifacts, "dashboard.png")),
               "screenshot saved under %s" % artifacts)
    srv.stop()
    shutil.rmtree(profile, ignore_errors=True)
    case.done()


if __name__ == "__main__":
    main()
