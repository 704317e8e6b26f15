#!/usr/bin/env python3
"""curl imap:// pop3:// smtp:// --ssl-reqd (STARTTLS) and imaps:// pop3s://
smtps:// (implicit TLS), each with --tlsvX --tls-max X for X = 1.0 .. 1.3.

OpenSSL 3 offers TLS 1.0/1.1 only at security level 0, hence --ciphers
DEFAULT@SECLEVEL=0 for those. finish=alert, policy tls12.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("curl")
srv = c.server(H.mail_listeners("alert")).start()
VERS = (("1.0", H.TLS10), ("1.1", H.TLS11), ("1.2", H.TLS12),
        ("1.3", H.TLS13))

for name, proto, starttls in H.MAIL:
    scheme = proto if starttls else proto + "s"
    for tag, ver in VERS:
        what = "%s:// %s" % (scheme, tag)
        argv = ["curl", "-sS", "-k", "-m", "10", "--tlsv" + tag,
                "--tls-max", tag]
        if ver < H.TLS12:
            argv += ["--ciphers", "DEFAULT@SECLEVEL=0"]
        if starttls:
            argv.append("--ssl-reqd")
        argv.append("%s://127.0.0.1:%d/" % (scheme, srv.port(name)))
        res = srv.client(argv, timeout=15)
        c.eq(res.rc, 35, "%s: curl exit code (35 = TLS connect error)" % what)
        c.out_has(res, "alert protocol version" if ver < H.TLS12
                  else "alert handshake failure", what)
        rec = srv.wait_record()
        c.field(rec, "protocol", proto, what)
        c.field(rec, "implicit_tls", not starttls, what)
        c.field(rec, "plaintext.starttls_requested", starttls, what)
        c.field(rec, "end", "hello_captured", what)
        H.check_version_record(c, rec, ver, what)

srv.stop()
c.done()
