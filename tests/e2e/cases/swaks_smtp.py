#!/usr/bin/env python3
"""swaks --tls (SMTP STARTTLS) and --tls-on-connect (SMTPS) with
--tls-protocol limiting the version (tlsv1, tlsv1_1, tlsv1_2, tlsv1_3).
finish=alert, policy tls12: swaks reports "TLS startup failed" with the
alert; the record shows the EHLO name swaks sent and the version judged.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("swaks")
srv = c.server(H.mail_listeners("alert", names=("smtp", "smtps"))).start()
VERS = (("tlsv1", H.TLS10), ("tlsv1_1", H.TLS11), ("tlsv1_2", H.TLS12),
        ("tlsv1_3", H.TLS13))

for name in ("smtp", "smtps"):
    starttls = name == "smtp"
    for tag, ver in VERS:
        what = "%s %s" % (name, tag)
        argv = ["swaks", "--server", "127.0.0.1", "--port",
                str(srv.port(name)), "--to", "user@example.test",
                "--from", "sender@example.test", "--helo",
                "swaks.example.test", "--quit-after", "TLS",
                "--timeout", "10", "--tls-protocol", tag]
        argv.append("--tls" if starttls else "--tls-on-connect")
        if ver < H.TLS12:
            argv += ["--tls-cipher", "DEFAULT@SECLEVEL=0"]
        res = srv.client(argv, timeout=20)
        c.check(not res.timed_out and res.rc != 0,
                "%s: swaks fails at TLS" % what, res)
        c.out_has(res, "alert protocol version" if ver < H.TLS12
                  else "alert handshake failure", what)
        rec = srv.wait_record()
        c.field(rec, "protocol", "smtp", what)
        c.field(rec, "plaintext.starttls_requested", starttls, what)
        if starttls:
            c.field(rec, "plaintext.ehlo", "swaks.example.test", what)
        c.field(rec, "end", "hello_captured", what)
        H.check_version_record(c, rec, ver, what)

srv.stop()
c.done()
