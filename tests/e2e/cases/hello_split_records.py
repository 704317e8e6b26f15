#!/usr/bin/env python3
"""The ClientHello handshake message re-framed into several TLS records
(RFC 5246 6.2.1 allows a handshake message to span records): 3 equal
records, a 1-byte first record that splits the handshake header, and the
split records sent in one segment or record by record. num_records must
count them and the decoded hello (JA3/JA4) must match the 1-record send.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("smtp", "smtps"))).start()
hello = H.make_hello(sni="split.example.test")
msg = H.hello_message(hello)
ALERT40 = bytes.fromhex("15030300020228")

base_port, _, r, _ = H.raw_attempt(srv, "smtps", hello)
base = H.record_for_port(srv, base_port)
c.eq(r, ALERT40, "1 record: alert bytes")
c.eq(H.hello_num_records(base), 1, "1 record: num_records")

VARIANTS = (
    ("3 records", H.frame(msg, H.TLS10, pieces=3), 3),
    ("1+3+rest records", H.frame(msg, H.TLS10, sizes=[1, 3, len(msg) - 4]),
     3),
    ("5 records", H.frame(msg, H.TLS10, pieces=5), 5),
)
for name, proto in (("smtps", None), ("smtp", "smtp")):
    for label, data, n in VARIANTS:
        what = "%s %s" % (name, label)
        recs, rest = H.tls_records(data)
        c.check(len(recs) == n and rest == b"", "%s: test data has %d "
                "records" % (what, n), len(recs))
        # Send record by record with a pause so they arrive apart too.
        s = srv.connect(name, nodelay=True)
        port = s.getsockname()[1]
        try:
            if proto:
                H.starttls_plain(s, proto)
            off = 0
            for _, _, payload in recs:
                s.sendall(data[off:off + 5 + len(payload)])
                off += 5 + len(payload)
                time.sleep(0.02)
            reply, how = H.recv_all(s)
        finally:
            s.close()
        rec = H.record_for_port(srv, port)
        c.eq(reply, ALERT40, "%s: alert bytes" % what)
        c.field(rec, "end", "hello_captured", what)
        c.eq(H.hello_num_records(rec), n, "%s: num_records" % what)
        c.check(H.hello_ja4(rec) is not None and
                H.hello_ja4(rec) == H.hello_ja4(base),
                "%s: same JA4 as one record" % what, (H.hello_ja4(rec),
                                                      H.hello_ja4(base)))
        c.check(H.hello_ja3(rec) == H.hello_ja3(base),
                "%s: same JA3 as one record" % what)
        c.check(H.hello_highest(rec) == H.hello_highest(base) == H.TLS13,
                "%s: highest version TLS 1.3 like one record" % what,
                H.hello_highest(rec))
    # All records in one segment.
    data = H.frame(msg, H.TLS10, pieces=3)
    port, _, reply, _ = H.raw_attempt(srv, name, data, proto=proto)
    rec = H.record_for_port(srv, port)
    c.eq(H.hello_num_records(rec), 3, "%s 3 records, one send: num_records"
         % name)
    c.check(H.hello_ja4(rec) == H.hello_ja4(base),
            "%s 3 records, one send: same JA4" % name)

srv.stop()
c.done()
