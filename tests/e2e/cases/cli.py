#!/usr/bin/env python3
"""The command line around test mode:
- --check-config prints the effective config, exits 0 and starts nothing;
  its output loads again and prints the same (a fixed point);
- a bad config exits 2 with FILE:LINE and starts nothing;
- --lang ja gives Japanese verdict text in records, --lang xx exits 2;
- --version and --help exit 0.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "smtps"),
                                timeout_hello=5))
for keys, port in zip(srv.listeners.values(),
                      H.free_ports(len(srv.listeners))):
    keys["listen"] = "127.0.0.1:%d" % port
srv.write_config()

r = c.run([c.bin, "--check-config", "-c", srv.cfg_path], timeout=10)
c.eq(r.rc, 0, "--check-config exit code")
c.out_has(r, "[listener imap]", "--check-config")
c.out_has(r, "timeout_hello", "--check-config")
c.check(not H.listening(srv.port("imap")), "--check-config starts no "
        "listener")
dump = c.path("dump.ini")
with open(dump, "w") as f:
    f.write(r.out)
r2 = c.run([c.bin, "--check-config", "-c", dump], timeout=10)
c.eq(r2.rc, 0, "--check-config of its own output")
def body(text):
    """The dump without its comment lines (the first names the file)."""
    return [ln for ln in text.splitlines() if not ln.startswith(";")]


c.check(body(r2.out) == body(r.out), "--check-config output is a fixed "
        "point (comments aside)", (r.out[:300], r2.out[:300]))

bad = c.path("bad.ini")
with open(bad, "w") as f:
    f.write("[global]\ndashboard = off\n\n[listener x]\nprotocol = imap\n"
            "listen = 127.0.0.1:%d\nfinish = explode\n" % H.free_port())
r = c.run([c.bin, "-c", bad, "-r", c.path("never.jsonl")], timeout=10)
c.eq(r.rc, 2, "bad config: exit code")
c.out_has(r, "bad.ini:7", "bad config names FILE:LINE")
c.check(not os.path.exists(c.path("never.jsonl")),
        "bad config: no records file created")

r = c.run([c.bin, "--lang", "xx", "-c", srv.cfg_path], timeout=10)
c.eq(r.rc, 2, "--lang xx: exit code")
r = c.run([c.bin, "--version"], timeout=10)
c.eq(r.rc, 0, "--version exit code")
c.out_has(r, "tlsready", "--version")
r = c.run([c.bin, "--help"], timeout=10)
c.eq(r.rc, 0, "--help exit code")
c.out_has(r, "--records", "--help")

# --lang ja: Japanese verdict text in the records (and the console).
ja = c.server(H.mail_listeners("alert", names=("imaps",)), lang="ja",
              tag="ja").start()
H.raw_attempt(ja, "imaps", H.make_hello(H.TLS10, H.TLS10))
rec = ja.wait_record()
txt = H.get(rec, "verdict.text") or ""
c.check(any(ord(ch) > 0x3000 for ch in txt), "--lang ja: verdict text is "
        "Japanese", txt)
c.field(rec, "verdict.summary", "version_below_minimum", "--lang ja")
ja.stop()
c.check(any(ord(ch) > 0x3000 for ch in ja.stdout()), "--lang ja: console "
        "line is Japanese", ja.stdout()[-300:])
c.done()
