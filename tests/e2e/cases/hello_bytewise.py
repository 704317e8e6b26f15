#!/usr/bin/env python3
"""A ClientHello sent one byte per send (TCP_NODELAY, a short sleep between
bytes), on an implicit-TLS port and after IMAP STARTTLS: the record must
decode it exactly like the same bytes sent at once (same hello object,
same JA3/JA4), and tcp_reads must show it took many reads.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "imaps"))).start()
hello = H.make_hello(sni="bytewise.example.test")
c.note("hello: %d bytes" % len(hello))
ALERT40 = bytes.fromhex("15030300020228")

for name, proto in (("imaps", None), ("imap", "imap")):
    p1, _, r1, how1 = H.raw_attempt(srv, name, hello, proto=proto)
    one = H.record_for_port(srv, p1)
    p2, _, r2, how2 = H.raw_attempt(srv, name, hello, proto=proto,
                                    nodelay=True, chunk=1, delay=0.002)
    many = H.record_for_port(srv, p2)
    what = "%s bytewise" % name
    c.eq(r1, ALERT40, "%s one-shot: alert bytes" % name)
    c.eq(r2, ALERT40, "%s: alert bytes" % what)
    c.check(how2 == "eof", "%s: clean close after the alert" % what, how2)
    c.field(many, "end", "hello_captured", what)
    c.check(bool(one.get("hello")) and one.get("hello") == many.get("hello"),
            "%s: hello decodes exactly like the one-shot send" % what,
            (one.get("hello"), many.get("hello")))
    c.check(H.hello_ja4(many) is not None and
            H.hello_ja4(many) == H.hello_ja4(one), "%s: same JA4 %r" % (
                what, H.hello_ja4(one)), H.hello_ja4(many))
    c.check(H.hello_ja3(many)[1] is not None and
            H.hello_ja3(many) == H.hello_ja3(one), "%s: same JA3" % what,
            (H.hello_ja3(one), H.hello_ja3(many)))
    reads = many.get("tcp_reads")
    c.check(isinstance(reads, int) and reads > 1,
            "%s: tcp_reads > 1" % what, reads)
    c.check(isinstance(reads, int) and reads >= len(hello) // 4,
            "%s: tcp_reads close to one per byte (%r for %d bytes)" % (
                what, reads, len(hello)), reads)
    c.field(one, "tcp_reads", 1, "%s one-shot" % name)

srv.stop()
c.done()
