#!/usr/bin/env python3
"""Every finish mode, seen from the client (KNOWLEDGE.md 8.2/8.3):
- alert: exactly 15 03 01 00 02 02 46 for a TLS 1.0 hello, 15 03 02 .. 46
  for TLS 1.1, 15 03 03 00 02 02 28 for TLS 1.2/1.3, then a clean FIN;
- close: a clean EOF with no bytes (not a reset);
- reset: the connection is reset (ConnectionResetError), no bytes;
- handshake: openssl s_client -tls1_2 completes (record: handshake_done,
  server version 0x0303 and a suite); a verifying client (Python's default
  context) refuses the throw-away certificate and the record shows its
  alert (unknown_ca/bad_certificate); a TLS 1.0 client is refused;
- office365: a TLS 1.0 SMTP client completes the handshake and reads
  "421 4.7.66 TLS 1.0 and 1.1 are not supported"; a TLS 1.2 client simply
  completes.
"""
import os
import re
import socket
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")
L = {}
for fin in ("alert", "close", "reset", "handshake"):
    L[fin] = {"protocol": "imap", "starttls": False, "finish": fin,
              "policy": "tls12"}
L["handshake_smtp"] = {"protocol": "smtp", "starttls": True,
                       "finish": "handshake", "policy": "tls12"}
L["o365_smtp"] = {"protocol": "smtp", "starttls": True,
                  "finish": "office365", "policy": "tls12"}
L["o365_imaps"] = {"protocol": "imap", "starttls": False,
                   "finish": "office365", "policy": "tls12"}
srv = c.server(L).start()
if "cannot speak TLS 1.0/1.1" in srv.stderr():
    c.note("tlsready says its mbedTLS cannot do TLS 1.0/1.1")

def proto_is(res, ver, what):
    """s_client's session "Protocol  : X" line names the negotiated
    version ("New, X, Cipher is" names the cipher's, not the session's)."""
    m = re.search(r"Protocol\s*:\s*(\S+)", res.text)
    c.check(m is not None and m.group(1) == ver and
            "Cipher is (NONE)" not in res.text,
            "%s: handshake completed at %s" % (what, ver),
            m.group(1) if m else res)


h10 = H.make_hello(H.TLS10, H.TLS10, sni="finish.example.test")
h11 = H.make_hello(H.TLS11, H.TLS11, sni="finish.example.test")
h12 = H.make_hello(H.TLS12, H.TLS12, sni="finish.example.test")
h13 = H.make_hello(sni="finish.example.test")

# ---- alert
for hello, want, label in ((h10, "15030100020246", "TLS 1.0"),
                           (h11, "15030200020246", "TLS 1.1"),
                           (h12, "15030300020228", "TLS 1.2"),
                           (h13, "15030300020228", "TLS 1.3")):
    what = "alert, %s hello" % label
    port, _, data, how = H.raw_attempt(srv, "alert", hello)
    c.eq(H.hexs(data), H.hexs(bytes.fromhex(want)), "%s: bytes received" %
         what)
    c.eq(how, "eof", "%s: then a clean FIN" % what)
    rec = H.record_for_port(srv, port)
    c.field(rec, "finish", "alert", what)
    c.field(rec, "end", "hello_captured", what)
    c.field(rec, "server.alerts.0.code", int(want[-2:], 16), what)

# ---- alert with unread client bytes behind the hello: still the alert
# and a FIN, never a reset (DESIGN.md pitfall: close with unread input).
port, _, data, how = H.raw_attempt(srv, "alert", h10 + b"\x17" * 3000)
c.eq(H.hexs(data), H.hexs(bytes.fromhex("15030100020246")),
     "alert, hello + 3000 more bytes: the alert arrives intact")
c.eq(how, "eof", "alert, hello + 3000 more bytes: clean FIN, no reset")

# ---- close
port, _, data, how = H.raw_attempt(srv, "close", h12)
c.eq((data, how), (b"", "eof"), "close: EOF with no bytes and no reset")
rec = H.record_for_port(srv, port)
c.field(rec, "finish", "close", "close")
c.field(rec, "end", "hello_captured", "close")

# ---- reset
port, _, data, how = H.raw_attempt(srv, "reset", h12)
c.check(how in ("reset", "reset-on-send") and data == b"",
        "reset: ConnectionResetError, no bytes", (data, how))
rec = H.record_for_port(srv, port)
c.field(rec, "finish", "reset", "reset")
c.field(rec, "end", "hello_captured", "reset")
c.check(H.hello_highest(rec) == H.TLS12, "reset: hello captured")

# ---- handshake: a non-verifying client completes
for name, starttls in (("handshake", None), ("handshake_smtp", "smtp")):
    what = "%s, s_client -tls1_2" % name
    res = srv.client(H.openssl_argv(srv.port(name), starttls, "tls1_2",
                                    ["-ign_eof"]), timeout=20)
    c.check(not res.timed_out, "%s: s_client ends" % what, res)
    proto_is(res, "TLSv1.2", what)
    c.out_lacks(res, "Cipher is (NONE)", what)
    rec = srv.wait_record()
    c.field(rec, "end", "handshake_done", what)
    c.check(H.ver_id(H.get(rec, "server.version")) == 0x0303,
            "%s: server.version is 0x0303" % what, H.get(rec, "server"))
    c.check(H.get(rec, "server.suite.id") not in (None, "0x0000", 0),
            "%s: a suite was negotiated" % what, H.get(rec, "server"))
    c.field(rec, "verdict.result", "pass", what)

# A TLS 1.0-only client against the TLS 1.2 floor.
what = "handshake, s_client -tls1"
res = srv.client(H.openssl_argv(srv.port("handshake"), None, "tls1",
                                ["-ign_eof"]), timeout=20)
c.check(res.rc != 0, "%s: fails" % what, res)
c.out_has(res, "alert protocol version", what)
rec = srv.wait_record()
c.field(rec, "end", "handshake_failed", what)
c.field(rec, "verdict.result", "fail", what)
c.reason(rec, "version_below_minimum", what)

# A verifying client refuses the throw-away certificate.
what = "handshake, verifying Python client"
ctx = ssl.create_default_context()
srv.conns += 1
err = None
port = 0
try:
    with socket.create_connection(("127.0.0.1", srv.port("handshake")),
                                  timeout=10) as raw:
        port = raw.getsockname()[1]
        with ctx.wrap_socket(raw, server_hostname="mail.example.test"):
            pass
except ssl.SSLCertVerificationError as e:
    err = e
except (ssl.SSLError, OSError) as e:
    err = e
c.check(isinstance(err, ssl.SSLCertVerificationError),
        "%s: certificate verify failed" % what, repr(err))
rec = H.record_for_port(srv, port)
c.field(rec, "end", "handshake_failed", what)
alerts = H.get(rec, "server.alerts", []) or []
codes = [a.get("code") for a in alerts if a.get("from") == "client"]
c.check(any(x in (42, 46, 48) for x in codes),
        "%s: record has the client's alert (bad_certificate / "
        "certificate_unknown / unknown_ca)" % what, alerts)
c.reason(rec, "handshake_refused_certificate", what)

# ---- office365
what = "office365 SMTP, s_client -starttls smtp -tls1"
res = srv.client(H.openssl_argv(srv.port("o365_smtp"), "smtp", "tls1",
                                ["-ign_eof"]), timeout=20)
proto_is(res, "TLSv1", what)
c.out_has(res, "421 4.7.66 TLS 1.0 and 1.1 are not supported", what)
rec = srv.wait_record()
c.field(rec, "end", "handshake_done", what)
c.check(H.ver_id(H.get(rec, "server.version")) == 0x0301,
        "%s: server.version is 0x0301" % what, H.get(rec, "server"))
c.field(rec, "verdict.result", "fail", what)
c.reason(rec, "version_below_minimum", what)

# A TLS 1.1-only client must get TLS 1.1 (the highest both support), not
# TLS 1.0, which it refuses ("unsupported protocol", alert 70).
what = "office365 IMAPS, s_client -tls1_1"
res = srv.client(H.openssl_argv(srv.port("o365_imaps"), None, "tls1_1",
                                ["-ign_eof"]), timeout=20)
proto_is(res, "TLSv1.1", what)
c.out_has(res, "TLS 1.0 and 1.1 are not supported", what)
rec = srv.wait_record()
c.field(rec, "end", "handshake_done", what)
c.check(H.ver_id(H.get(rec, "server.version")) == 0x0302,
        "%s: server.version is 0x0302" % what, H.get(rec, "server"))

what = "office365 SMTP, s_client -tls1_2"
res = srv.client(H.openssl_argv(srv.port("o365_smtp"), "smtp", "tls1_2",
                                ["-ign_eof"]), timeout=20)
proto_is(res, "TLSv1.2", what)
c.out_lacks(res, "4.7.66", what)
rec = srv.wait_record()
c.field(rec, "end", "handshake_done", what)
c.field(rec, "verdict.result", "pass", what)

srv.stop()
c.done()
