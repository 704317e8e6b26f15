#!/usr/bin/env python3
"""Port/security mismatches, the commonest misconfiguration:
- garbage (an HTTP request) after STARTTLS -> end not_tls;
- plain text on an implicit-TLS port -> end plaintext_on_tls_port;
- a client on an implicit-TLS port that waits for a greeting (security
  "none"/"STARTTLS" on 993/995/465) -> timeout_hello;
- a ClientHello sent straight to a STARTTLS port -> tls_on_starttls_port
  flag, and the hello is still captured and answered.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", timeout_hello=2)).start()
hello = H.make_hello(minv=H.TLS12, maxv=H.TLS12, sni="wrong.example.test")
ALERT40 = bytes.fromhex("15030300020228")

for name, proto, starttls in H.MAIL:
    if not starttls:
        continue
    what = "%s: HTTP after STARTTLS" % name
    port, tr, data, how = H.raw_attempt(srv, name, b"GET / HTTP/1.0\r\n\r\n",
                                        proto=proto)
    rec = H.record_for_port(srv, port)
    c.field(rec, "end", "not_tls", what)
    c.field(rec, "plaintext.starttls_requested", True, what)
    c.field(rec, "verdict.result", "fail", what)
    c.reason(rec, "not_tls", what)
    c.check(how in ("eof", "reset"), "%s: connection closed" % what, how)

    what = "%s: ClientHello straight to the STARTTLS port" % name
    port, _, data, how = H.raw_attempt(srv, name, hello)
    rec = H.record_for_port(srv, port)
    c.field(rec, "plaintext.tls_on_starttls_port", True, what)
    c.check(H.hello_highest(rec) == H.TLS12, "%s: hello captured (TLS 1.2)"
            % what, rec.get("hello"))
    c.field_in(rec, "end", ("hello_captured", "tls_on_starttls_port"), what)
    c.reason(rec, "tls_on_starttls_port", what)
    c.field(rec, "verdict.result", "fail", what)
    # The greeting went out first; the alert must follow it.
    c.check(data.endswith(ALERT40), "%s: the client gets the alert" % what,
            data[-40:])

for name, proto, starttls in H.MAIL:
    if starttls:
        continue
    line = {"imap": b"a CAPABILITY\r\n", "pop3": b"CAPA\r\n",
            "smtp": b"EHLO client.example.test\r\n"}[proto]
    what = "%s: plain text on the TLS port" % name
    port, _, data, how = H.raw_attempt(srv, name, line)
    rec = H.record_for_port(srv, port)
    c.field(rec, "end", "plaintext_on_tls_port", what)
    c.reason(rec, "plaintext_on_tls_port", what)
    c.field(rec, "verdict.result", "fail", what)

# A client that waits for the server to speak first on an implicit port.
what = "smtps: client waits for a greeting"
s = srv.connect("smtps")
port = s.getsockname()[1]
data, how = H.recv_all(s, timeout=4)
s.close()
rec = H.record_for_port(srv, port)
c.check(how in ("eof", "reset") and data == b"",
        "%s: closed after timeout_hello, nothing sent" % what, (data, how))
c.field(rec, "end", "timeout_hello", what)
c.reason(rec, "timeout_hello", what)

srv.stop()
c.done()
