#!/usr/bin/env python3
"""-r - writes the records to standard output (doc/config.md "records":
"- = standard output"). That stream must stay JSON Lines, so it can be
piped into jq or a collector: every stdout line must be a record, and the
console's human lines (one per attempt) must not be mixed into it.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imaps",)),
               args=[], quiet=True)
srv.records_path = "-"
srv.start()
hello = H.make_hello(sni="stdout.example.test")
for i in range(3):
    H.raw_attempt(srv, "imaps", hello)
srv.proc.send_signal(H.signal.SIGTERM)
rc = srv.proc.wait(timeout=15)
c.eq(rc, 0, "tlsready -r - exits 0")
out = srv.stdout().splitlines()
bad = []
recs = []
for ln in out:
    try:
        recs.append(json.loads(ln))
    except ValueError:
        bad.append(ln)
c.eq(len(recs), 3, "-r - (console off): 3 records on stdout")
c.check(not bad, "-r - (console off): stdout is pure JSON Lines", bad[:3])

# The same with the console left on (the default): still pure JSON Lines.
srv2 = c.server(H.mail_listeners("alert", names=("imaps",)), tag="srv2")
srv2.records_path = "-"
srv2.start()
for i in range(3):
    H.raw_attempt(srv2, "imaps", hello)
srv2.proc.send_signal(H.signal.SIGTERM)
rc = srv2.proc.wait(timeout=15)
c.eq(rc, 0, "tlsready -r - exits 0 (console on)")
out = srv2.stdout().splitlines()
bad = []
recs = []
for ln in out:
    try:
        recs.append(json.loads(ln))
    except ValueError:
        bad.append(ln)
c.eq(len(recs), 3, "-r - (console on): 3 records on stdout")
c.check(not bad, "-r - (console on): no console lines mixed into the "
        "records stream", bad[:3])
c.done()
