#!/usr/bin/env python3
"""NSS (the Thunderbird TLS stack) through tstclnt against the implicit-TLS
listeners (tstclnt has no STARTTLS), -V min:max limiting the version, -o
to accept any certificate, -D without a certificate database.
finish=alert, policy tls12: tstclnt reports SSL_ERROR_PROTOCOL_VERSION_ALERT
for TLS 1.0/1.1; for TLS 1.2/1.3 it maps the handshake_failure alert to
SSL_ERROR_NO_CYPHER_OVERLAP.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("tstclnt")
srv = c.server(H.mail_listeners("alert", names=("imaps", "pop3s",
                                                 "smtps"))).start()
VERS = (("tls1.0", H.TLS10), ("tls1.1", H.TLS11), ("tls1.2", H.TLS12),
        ("tls1.3", H.TLS13))

for name in ("imaps", "pop3s", "smtps"):
    for tag, ver in VERS:
        what = "%s %s" % (name, tag)
        argv = ["tstclnt", "-h", "127.0.0.1", "-p", str(srv.port(name)),
                "-a", "mail.example.test", "-V", "%s:%s" % (tag, tag),
                "-o", "-D"]
        res = srv.client(argv, timeout=15)
        c.check(not res.timed_out and res.rc != 0,
                "%s: tstclnt fails (no handshake)" % what, res)
        if ver < H.TLS12:
            c.out_has(res, "SSL_ERROR_PROTOCOL_VERSION_ALERT", what)
        else:
            # NSS reports a handshake_failure(40) alert received during
            # the first flight as "no common encryption algorithm(s)".
            c.check("SSL_ERROR_NO_CYPHER_OVERLAP" in res.text or
                    "SSL_ERROR_HANDSHAKE_FAILURE_ALERT" in res.text,
                    "%s: client reports the handshake_failure alert" % what,
                    res)
        rec = srv.wait_record()
        c.field(rec, "implicit_tls", True, what)
        c.field(rec, "end", "hello_captured", what)
        c.field_has(rec, "hello.sni", "mail.example.test", what)
        H.check_version_record(c, rec, ver, what)

srv.stop()
c.done()
