#!/usr/bin/env python3
"""gnutls-cli --starttls-proto=imap|pop3|smtp (and implicit TLS) with
--priority limited to one TLS version at a time (NORMAL:-VERS-ALL:+VERS-X).

finish=alert, policy tls12: TLS 1.0/1.1 fail with version_below_minimum
and see alert 70 (protocol_version); TLS 1.2/1.3 pass and see alert 40
(handshake_failure).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("gnutls-cli")
srv = c.server(H.mail_listeners("alert", names=("imap", "pop3", "smtp",
                                                 "imaps"))).start()
VERS = (("TLS1.0", H.TLS10), ("TLS1.1", H.TLS11), ("TLS1.2", H.TLS12),
        ("TLS1.3", H.TLS13))

for name, proto, starttls in H.MAIL:
    if name not in srv.listeners:
        continue
    for tag, ver in VERS:
        what = "%s %s" % (name, tag)
        argv = ["gnutls-cli", "--insecure", "-p", str(srv.port(name)),
                "--priority", "NORMAL:-VERS-ALL:+VERS-%s" % tag]
        if starttls:
            argv.append("--starttls-proto=%s" % proto)
        argv.append("127.0.0.1")
        res = srv.client(argv, timeout=15)
        c.check(not res.timed_out and res.rc != 0,
                "%s: gnutls-cli fails (no handshake)" % what, res)
        c.out_has(res, "Received alert [%d]" % (70 if ver < H.TLS12
                                                 else 40), what)
        rec = srv.wait_record()
        c.field(rec, "protocol", proto, what)
        c.field(rec, "plaintext.starttls_requested", starttls, what)
        c.field(rec, "end", "hello_captured", what)
        H.check_version_record(c, rec, ver, what)

srv.stop()
c.done()
