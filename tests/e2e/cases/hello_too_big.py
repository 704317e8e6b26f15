#!/usr/bin/env python3
"""ClientHellos larger than max_hello: a ~70 KiB hello (20000 extra cipher
suites and a 30000-byte padding extension, framed in 16 KiB records) on a
listener with max_hello=65536 (the largest allowed) and on an SMTP
STARTTLS listener with the default (16384), and a 20 KiB hello on a
listener with the default. Both end too_big; tlsready keeps running:
a normal client right after is captured, and a hello just under the
limit is accepted.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
L = H.mail_listeners("alert", names=("imaps", "smtp"))
L["small"] = dict(L["imaps"])          # default max_hello (16384)
L["imaps"]["max_hello"] = 65536
srv = c.server(L).start()
base = H.make_hello(minv=H.TLS12, maxv=H.TLS12, sni="big.example.test")
ALERT40 = bytes.fromhex("15030300020228")

huge = H.pad_hello(base, extra_suites=20000, padding=30000)
mid = H.pad_hello(base, extra_suites=4000, padding=12000)
near = H.pad_hello(base, padding=15000)   # ~15.3 KiB: fits 16384
c.note("hello sizes: huge %d, mid %d, near %d" % (len(huge), len(mid),
                                                  len(near)))

for name, proto, data, label in (("imaps", None, huge, "70 KiB"),
                                 ("smtp", "smtp", huge, "70 KiB STARTTLS"),
                                 ("small", None, mid, "20 KiB > default 16384")):
    what = "%s %s" % (name, label)
    port, _, reply, how = H.raw_attempt(srv, name, data, proto=proto)
    rec = H.record_for_port(srv, port)
    c.field(rec, "end", "too_big", what)
    c.reason(rec, "too_big", what)
    c.field(rec, "verdict.result", "unknown", what)
    c.check(srv.proc.poll() is None, "%s: tlsready still running" % what)

    # The same listener still serves a normal client.
    port, _, reply, how = H.raw_attempt(srv, name, base, proto=proto)
    rec = H.record_for_port(srv, port)
    c.field(rec, "end", "hello_captured", "%s, then a normal hello" % name)
    c.eq(reply, ALERT40, "%s, then a normal hello: alert bytes" % name)

what = "small: 15 KiB hello under the default max_hello 16384"
port, _, reply, how = H.raw_attempt(srv, "small", near)
rec = H.record_for_port(srv, port)
c.field(rec, "end", "hello_captured", what)
c.check(H.hello_highest(rec) == H.TLS12, "%s: decoded" % what,
        H.hello_highest(rec))
c.eq(reply, ALERT40, "%s: alert bytes" % what)

srv.stop()
c.done()
