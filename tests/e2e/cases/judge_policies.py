#!/usr/bin/env python3
"""The verdict per TLS version under the three built-in policies.

Three implicit-TLS listeners (IMAPS, finish=alert) that differ only in
`policy =`: tls12, office365, tls13. openssl s_client connects to each with
-tls1, -tls1_1, -tls1_2 and -tls1_3, plus two suite-restricted clients:
a TLS 1.2 client offering only AES-CBC-SHA suites with RSA key exchange
(0x002f, 0x0035: not in the Office 365 list, but not refused by tls12) and
a TLS 1.3 client offering only TLS_AES_128_CCM_SHA256 (0x1304: not one of
the tls13 policy's three suites). Every record must name the listener's
policy in verdict.policy and carry the expected result and summary code
(doc/verdicts.md): version_below_minimum below the policy minimum,
no_acceptable_suite when the versions fit but no suite does.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")

POLICIES = ("tls12", "office365", "tls13")
listeners = {}
for pol in POLICIES:
    listeners["imaps_" + pol] = {"protocol": "imap", "starttls": False,
                                 "finish": "alert", "policy": pol}
srv = c.server(listeners).start()

CBC_SHA = ["-cipher", "AES128-SHA:AES256-SHA"]
CCM13 = ["-ciphersuites", "TLS_AES_128_CCM_SHA256"]
BELOW = ("fail", "version_below_minimum")
PASS = ("pass", None)
NO_SUITE = ("fail", "no_acceptable_suite")

# (label, s_client version flag, extra args, {policy: (result, summary)})
RUNS = (
    ("tls1", "tls1", [], {"tls12": BELOW, "office365": BELOW,
                          "tls13": BELOW}),
    ("tls1_1", "tls1_1", [], {"tls12": BELOW, "office365": BELOW,
                              "tls13": BELOW}),
    ("tls1_2", "tls1_2", [], {"tls12": PASS, "office365": PASS,
                              "tls13": BELOW}),
    ("tls1_3", "tls1_3", [], {"tls12": PASS, "office365": PASS,
                              "tls13": PASS}),
    ("tls1_2 cbc-sha only", "tls1_2", CBC_SHA,
     {"tls12": PASS, "office365": NO_SUITE, "tls13": BELOW}),
    ("tls1_3 ccm only", "tls1_3", CCM13,
     {"tls12": PASS, "office365": NO_SUITE, "tls13": NO_SUITE}),
)

for pol in POLICIES:
    name = "imaps_" + pol
    for label, flag, extra, want in RUNS:
        what = "%s / %s" % (pol, label)
        res = srv.client(H.openssl_argv(srv.port(name), None, flag, extra),
                         timeout=15)
        c.check(not res.timed_out, "%s: s_client ends" % what, res)
        rec = srv.wait_record()
        result, summary = want[pol]
        c.field(rec, "listener", name, what)
        c.field(rec, "verdict.policy", pol, what)
        c.field(rec, "verdict.result", result, what)
        c.field(rec, "verdict.summary", summary, what)
        if summary is not None:
            c.reason(rec, summary, what)
            # The summary text is the reason's text, never empty.
            c.check(bool(H.get(rec, "verdict.text")),
                    "%s: verdict.text is set" % what, rec.get("verdict"))
        else:
            c.reason(rec, "version_below_minimum", what, present=False)
            c.reason(rec, "no_acceptable_suite", what, present=False)
        # Our own alert in test mode never counts as a server refusal.
        c.reason(rec, "server_rejected", what, present=False)
        if "cbc" in label:
            c.check(H.hello_versions(rec) == [H.TLS12, H.TLS11, H.TLS10],
                    "%s: a TLS 1.2 hello without supported_versions" % what,
                    H.hello_versions(rec))

srv.stop()
c.done()
