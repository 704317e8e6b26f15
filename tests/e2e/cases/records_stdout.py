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
hello = H.make_hello(sni="stdout.example.test")


def check_stdout(srv, what, clean_msg):
    """Three attempts with -r -, then SIGTERM: stdout must hold exactly
    the three records and nothing else."""
    srv.records_path = "-"
    srv.start()
    for _ in range(3):
        H.raw_attempt(srv, "imaps", hello)
    srv.proc.send_signal(H.signal.SIGTERM)
    rc = srv.proc.wait(timeout=15)
    c.eq(rc, 0, "tlsready -r - exits 0%s" % what)
    bad = []
    recs = []
    for ln in srv.stdout().splitlines():
        try:
            recs.append(json.loads(ln))
        except ValueError:
            bad.append(ln)
    c.eq(len(recs), 3, "-r -%s: 3 records on stdout" % what)
    c.check(not bad, "-r -%s: %s" % (what, clean_msg), bad[:3])


check_stdout(c.server(H.mail_listeners("alert", names=("imaps",)),
                      args=[], quiet=True),
             " (console off)", "stdout is pure JSON Lines")
# The same with the console left on (the default): still pure JSON Lines.
check_stdout(c.server(H.mail_listeners("alert", names=("imaps",)),
                      tag="srv2"),
             " (console on)",
             "no console lines mixed into the records stream")
c.done()
