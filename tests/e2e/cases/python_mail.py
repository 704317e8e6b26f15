#!/usr/bin/env python3
"""Python's own mail clients: imaplib/poplib/smtplib .starttls()/.stls()
and IMAP4_SSL/POP3_SSL/SMTP_SSL, each with an SSLContext limited by
minimum_version/maximum_version to one TLS version (TLS 1.0/1.1 need
DEFAULT@SECLEVEL=0 ciphers under OpenSSL 3). finish=alert, policy tls12.
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

c = H.Case()
srv = c.server(H.mail_listeners("alert")).start()
HOST = "127.0.0.1"
T = 10


def quietly(fn):
    """Close after a failed handshake without masking its error."""
    try:
        fn()
    except OSError:
        pass


def imap_starttls(port, ctx):
    m = imaplib.IMAP4(HOST, port, timeout=T)
    try:
        m.starttls(ssl_context=ctx)
    finally:
        quietly(m.shutdown)


def pop3_stls(port, ctx):
    m = poplib.POP3(HOST, port, timeout=T)
    try:
        m.stls(context=ctx)
    finally:
        quietly(m.close)


def smtp_starttls(port, ctx):
    m = smtplib.SMTP(HOST, port, timeout=T)
    try:
        m.starttls(context=ctx)
    finally:
        quietly(m.close)


def imaps(port, ctx):
    imaplib.IMAP4_SSL(HOST, port, ssl_context=ctx, timeout=T).shutdown()


def pop3s(port, ctx):
    poplib.POP3_SSL(HOST, port, context=ctx, timeout=T).close()


def smtps(port, ctx):
    smtplib.SMTP_SSL(HOST, port, context=ctx, timeout=T).close()


CLIENTS = {"imap": imap_starttls, "pop3": pop3_stls, "smtp": smtp_starttls,
           "imaps": imaps, "pop3s": pop3s, "smtps": smtps}

for name, proto, starttls in H.MAIL:
    for flag, ver in H.VERSION_FLAGS:
        what = "%s %s" % (name, H.VERSION_NAMES[ver])
        ctx = H.py_client_context(ver, ver)
        srv.conns += 1
        err = None
        try:
            CLIENTS[name](srv.port(name), ctx)
        except (ssl.SSLError, OSError, imaplib.IMAP4.error,
                poplib.error_proto, smtplib.SMTPException) as e:
            err = "%s: %s" % (type(e).__name__, e)
        c.check(err is not None and "SSL" in err,
                "%s: the handshake fails with an SSL error" % what, err)
        want = ("TLSV1_ALERT_PROTOCOL_VERSION" if ver < H.TLS12
                else "SSLV3_ALERT_HANDSHAKE_FAILURE")
        c.check(err is not None and want in err, "%s: error names %s" % (
            what, want), err)
        rec = srv.wait_record()
        c.field(rec, "protocol", proto, what)
        c.field(rec, "plaintext.starttls_requested", starttls, what)
        c.field(rec, "end", "hello_captured", what)
        H.check_version_record(c, rec, ver, what)

srv.stop()
c.done()
