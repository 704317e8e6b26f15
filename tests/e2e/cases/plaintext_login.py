#!/usr/bin/env python3
"""A client that logs in without TLS (an account set to "no encryption").

IMAP LOGIN and AUTHENTICATE PLAIN, POP3 USER/PASS, SMTP AUTH PLAIN and
AUTH LOGIN, each on its own connection, then LOGOUT/QUIT. The record must
say plaintext_login attempted, with the command verb, and judge fail; the
password, its base64 forms and the SASL blobs must appear NOWHERE: not in
the records, not on the console, not in tlsready's diagnostics (run with
-v so debug logging is covered too).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "pop3", "smtp")),
               args=["-v"]).start()

USER = "user"
secrets = []


def secret(tag):
    pw = "hunter2-%s-Zq7" % tag
    secrets.append(pw.encode())
    return pw


def sasl_plain(pw):
    blob = H.b64("\0%s\0%s" % (USER, pw))
    secrets.append(blob.encode())
    return blob


def b64_secret(s):
    blob = H.b64(s)
    secrets.append(blob.encode())
    return blob


def imap_login(sock):
    H.greet(sock, "imap")
    H.command(sock, "imap", "a LOGIN %s %s" % (USER, secret("imaplogin")))
    H.command(sock, "imap", "z LOGOUT")
    return "LOGIN"


def imap_authenticate(sock):
    H.greet(sock, "imap")
    sock.sendall(b"a AUTHENTICATE PLAIN\r\n")
    H.recv_until(sock, lambda d: d.endswith(b"\r\n"), timeout=5)
    # Send the blob whatever the reply was: a client that ignores a
    # refusal is exactly the one whose secret must not be recorded.
    sock.sendall(sasl_plain(secret("imapauth")).encode() + b"\r\n")
    H.recv_until(sock, lambda d: d.endswith(b"\r\n"), timeout=5)
    H.command(sock, "imap", "z LOGOUT")
    return "AUTHENTICATE PLAIN"


def pop3_userpass(sock):
    H.greet(sock, "pop3")
    H.command(sock, "pop3", "USER %s" % USER)
    H.command(sock, "pop3", "PASS %s" % secret("pop3pass"))
    H.command(sock, "pop3", "QUIT")
    return "USER"


def smtp_plain(sock):
    H.greet(sock, "smtp")
    H.command(sock, "smtp", "EHLO client.example.test")
    H.command(sock, "smtp", "AUTH PLAIN %s" % sasl_plain(
        secret("smtpplain")))
    H.command(sock, "smtp", "QUIT")
    return "AUTH PLAIN"


def smtp_login(sock):
    H.greet(sock, "smtp")
    H.command(sock, "smtp", "EHLO client.example.test")
    H.command(sock, "smtp", "AUTH LOGIN")
    H.command(sock, "smtp", b64_secret(USER + "-smtplogin"))
    H.command(sock, "smtp", b64_secret(secret("smtplogin")))
    H.command(sock, "smtp", "QUIT")
    return "AUTH LOGIN"


RUNS = (("imap", imap_login), ("imap", imap_authenticate),
        ("pop3", pop3_userpass), ("smtp", smtp_plain), ("smtp", smtp_login))

for name, fn in RUNS:
    what = "%s %s" % (name, fn.__name__)
    s = srv.connect(name)
    port = s.getsockname()[1]
    try:
        verb = fn(s)
        data, how = H.recv_all(s, timeout=5)
    finally:
        s.close()
    c.check(how == "eof", "%s: server closes after LOGOUT/QUIT" % what, how)
    rec = H.record_for_port(srv, port)
    c.field(rec, "plaintext.plaintext_login.attempted", True, what)
    c.field(rec, "plaintext.plaintext_login.command", verb, what)
    c.field(rec, "plaintext.starttls_requested", False, what)
    c.field(rec, "end", "client_quit", what)
    c.field(rec, "verdict.result", "fail", what)
    c.reason(rec, "plaintext_login", what)

srv.stop()
blob = srv.all_output_bytes()
c.check(len(blob) > 0, "records/console/diagnostics were written")
for sec in secrets:
    c.check(sec not in blob, "secret %r appears nowhere in tlsready's "
            "output" % sec.decode())
# Also the bare password and the user+password pair in any case form.
low = blob.lower()
c.check(b"hunter2" not in low, "no 'hunter2' in any output")
c.done()
