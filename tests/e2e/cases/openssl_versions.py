#!/usr/bin/env python3
"""openssl s_client against every mail listener at every TLS version.

IMAP/POP3/SMTP with STARTTLS (-starttls imap|pop3|smtp) and their
implicit-TLS twins, with -tls1, -tls1_1, -tls1_2, -tls1_3 and the default
range. finish=alert, policy tls12: the record must name the protocol, say
whether STARTTLS was asked for, show the highest version offered, and judge
1.0/1.1 fail (version_below_minimum) and 1.2/1.3 pass; the client must see
the alert a TLS-1.2-minimum OpenSSL server sends (KNOWLEDGE.md 8.2):
protocol_version for a 1.0/1.1 client, handshake_failure otherwise.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")
srv = c.server(H.mail_listeners("alert")).start()

for name, proto, starttls in H.MAIL:
    for flag, ver in H.VERSION_FLAGS + ((None, None),):
        what = "%s %s" % (name, flag or "default")
        res = srv.client(H.openssl_argv(srv.port(name),
                                        proto if starttls else None, flag),
                         timeout=15)
        c.check(not res.timed_out, "%s: s_client ends" % what, res)
        c.check(res.rc != 0, "%s: s_client fails (no handshake)" % what,
                res)
        if ver is not None and ver < H.TLS12:
            c.out_has(res, "alert protocol version", what)
        else:
            c.out_has(res, "alert handshake failure", what)
        c.out_lacks(res, "BEGIN CERTIFICATE", what)
        rec = srv.wait_record()
        c.field(rec, "protocol", proto, what)
        c.field(rec, "implicit_tls", not starttls, what)
        c.field(rec, "plaintext.starttls_requested", starttls, what)
        c.field(rec, "end", "hello_captured", what)
        c.field(rec, "finish", "alert", what)
        c.field(rec, "listener", name, what)
        c.field(rec, "server.alerts.0.from", "server", what)
        c.field(rec, "server.alerts.0.code",
                70 if ver is not None and ver < H.TLS12 else 40, what)
        c.field_has(rec, "hello.sni", "mail.example.test", what)
        H.check_version_record(c, rec, ver, what)

srv.stop()
c.done()
