#!/usr/bin/env python3
"""Relay mode with STARTTLS for IMAP, POP3 and SMTP against a real
(scripted) mail server, driven by openssl s_client -starttls and Python's
imaplib/poplib/smtplib:
- the relay sees STARTTLS asked and accepted, records what the server
  advertised, then the ClientHello and the server's answer;
- every plaintext byte reaches the server unchanged (the server logs the
  commands it got);
- a TLS 1.0 client against a TLS 1.2 server: the server's alert;
- a server that refuses STARTTLS: starttls_refused and the refusal text;
- a server that rejects the client at once ("421 4.7.66 ..."): the text
  is recorded, escaped, bounded.
"""
import imaplib
import os
import poplib
import smtplib
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402
import relay_servers as RS  # noqa: E402

c = H.Case()
c.need("openssl")
M = {}
for proto in ("imap", "pop3", "smtp"):
    M[proto] = RS.MailServer(c, proto)
M["smtp_refuse"] = RS.MailServer(c, "smtp", refuse_starttls=True)
M["imap_refuse"] = RS.MailServer(c, "imap", refuse_starttls=True)
M["smtp_reject"] = RS.MailServer(
    c, "smtp", reject=b"421 4.7.66 TLS 1.0 and 1.1 are not supported. "
    b"Please upgrade/update your client \x1b[31m")
M["imaps"] = RS.MailServer(c, "imap", implicit=True)

L = {}
for name, ms in M.items():
    L[name] = RS.relay_listener(ms.port, ms.proto, not ms.implicit)
srv = c.server(L).start()
n = 0


def rec_next():
    global n
    n += 1
    return srv.wait_record(count=n)


def cmds(ms):
    return [d for k, d in ms.events if k == "cmd"]


# 1. openssl s_client -starttls for each protocol.
for proto in ("imap", "pop3", "smtp"):
    what = "s_client -starttls %s" % proto
    before = len(M[proto].events)
    r = srv.client(H.openssl_argv(srv.port(proto), starttls=proto,
                                  version="tls1_2"),
                   input=b"Q\n", timeout=20)
    rec = rec_next()
    c.check(r.rc == 0, "%s: client succeeds" % what, r)
    c.field(rec, "plaintext.starttls_requested", True, what)
    # s_client -starttls pop3 sends STLS without CAPA: nothing advertised.
    c.field(rec, "plaintext.starttls_offered", proto != "pop3", what)
    c.field(rec, "relay.starttls_accepted", True, what)
    c.field(rec, "implicit_tls", False, what)
    c.field(rec, "server.version.id", "0x0303", what)
    c.field(rec, "relay.handshake_finished", True, what)
    c.field(rec, "verdict.result", "pass", what)
    H.check_version_record(c, rec, H.TLS12, what)
    kinds = [k for k, _ in M[proto].events[before:]]
    c.check("tls" in kinds, "%s: the server did the TLS handshake" % what,
            kinds)

# 2. Python clients (imaplib, poplib, smtplib) with STARTTLS, default TLS.
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
srv.conns += 1
im = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=10)
# IMAP ID (RFC 2971) before STARTTLS, as Thunderbird and Apple Mail send
# it: the relay passes it on and records the client's fields like test
# mode does - a quoted '"' and HTML come back as the text they were.
typ, _ = im.xatom("ID", '("name" "Thunder<b>bird\\"x" "version" "115.3.1" '
                        '"os" "Linux" "vendor" NIL)')
c.eq(typ, "OK", "imaplib: the server answered ID through the relay")
im.starttls(ssl_context=ctx)
im.logout()
rec = rec_next()
c.field(rec, "relay.starttls_accepted", True, "imaplib")
c.field(rec, "server.version.id", "0x0304", "imaplib")
c.field(rec, "plaintext.imap_id.name", 'Thunder<b>bird"x', "imaplib ID")
c.field(rec, "plaintext.imap_id.version", "115.3.1", "imaplib ID")
c.field(rec, "plaintext.imap_id.os", "Linux", "imaplib ID")
c.check(any(b"ID (" in d for k, d in M["imap"].events if k == "cmd"),
        "imaplib: the ID command reached the server unchanged",
        [d for k, d in M["imap"].events if k == "cmd"])
c.check(b"LOGOUT" in b" ".join(d for k, d in M["imap"].events
                                if k == "tls_cmd"),
        "imaplib: LOGOUT reached the server through TLS")

srv.conns += 1
po = poplib.POP3("127.0.0.1", srv.port("pop3"), timeout=10)
po.stls(context=ctx)
po.quit()
rec = rec_next()
c.field(rec, "relay.starttls_accepted", True, "poplib")
c.field(rec, "plaintext.starttls_offered", True, "poplib (CAPA lists STLS)")
c.field(rec, "server.version.id", "0x0304", "poplib")

srv.conns += 1
sm = smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="pc42.example.test",
                  timeout=10)
sm.ehlo()
sm.starttls(context=ctx)
sm.ehlo()
sm.quit()
rec = rec_next()
c.field(rec, "relay.starttls_accepted", True, "smtplib")
c.field(rec, "plaintext.ehlo", "pc42.example.test", "smtplib")
c.field(rec, "server.version.id", "0x0304", "smtplib")
c.check(any(d.lower().startswith(b"ehlo pc42.example.test") for d in
            cmds(M["smtp"])), "smtplib: EHLO reached the server unchanged")

# 3. TLS 1.0 client through STARTTLS to a TLS 1.2 server.
r = srv.client(H.openssl_argv(srv.port("smtp"), starttls="smtp",
                              version="tls1"), input=b"Q\n", timeout=20)
rec = rec_next()
c.check(r.rc != 0, "tls1.0 smtp: client fails", r)
c.field(rec, "relay.starttls_accepted", True, "tls1.0 smtp")
c.field(rec, "server.alerts.0.from", "server", "tls1.0 smtp")
c.field(rec, "server.alerts.0.code", 70, "tls1.0 smtp")
c.reason(rec, "server_rejected", "tls1.0 smtp")
c.field(rec, "verdict.result", "fail", "tls1.0 smtp")

# 4. STARTTLS refused by the server (SMTP 454, IMAP NO).
srv.conns += 1
sm = smtplib.SMTP("127.0.0.1", srv.port("smtp_refuse"), timeout=10)
sm.ehlo()
try:
    sm.starttls(context=ctx)
    c.check(False, "smtp refuse: starttls raises")
except smtplib.SMTPResponseException as e:
    c.eq(e.smtp_code, 454, "smtp refuse: client sees 454")
sm.quit()
rec = rec_next()
c.field(rec, "relay.starttls_accepted", False, "smtp refuse")
c.field(rec, "relay.starttls_refused", True, "smtp refuse")
c.field(rec, "relay.server_reject", "454 4.7.0 TLS not available",
        "smtp refuse")
c.check(rec.get("hello") is None, "smtp refuse: no hello")

srv.conns += 1
im = imaplib.IMAP4("127.0.0.1", srv.port("imap_refuse"), timeout=10)
try:
    im.starttls(ssl_context=ctx)
    c.check(False, "imap refuse: starttls raises")
except imaplib.IMAP4.error:
    c.check(True, "imap refuse: starttls raises")
im.logout()
rec = rec_next()
c.field(rec, "relay.starttls_refused", True, "imap refuse")
c.field_has(rec, "relay.server_reject", "NO STARTTLS unavailable",
            "imap refuse")

# 5. Server rejects at once: bounded, escaped copy of its line.
s = srv.connect("smtp_reject")
data, how = H.recv_all(s, timeout=5)
s.close()
rec = rec_next()
c.check(data.startswith(b"421 4.7.66"), "smtp reject: client reads the "
        "server's own line", data)
c.field_has(rec, "relay.server_reject", "421 4.7.66 TLS 1.0 and 1.1",
            "smtp reject")
c.check("\x1b" in H.get(rec, "relay.server_reject", ""), "smtp reject: "
        "ESC kept as a JSON escape (the file stays one line)")
c.field(rec, "relay.closed_first", "server", "smtp reject")

# 6. Implicit TLS IMAP (imaps) with imaplib.
srv.conns += 1
im = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=ctx,
                       timeout=10)
im.logout()
rec = rec_next()
c.field(rec, "implicit_tls", True, "imaps")
c.field(rec, "server.version.id", "0x0304", "imaps")
c.field(rec, "relay.handshake_finished", True, "imaps")

srv.stop()
c.done()
