#!/usr/bin/env python3
"""Relay mode in front of a real TLS server (openssl s_server):
- a TLS 1.0 client against a TLS 1.2-minimum server gets the server's own
  protocol_version alert through the relay; the record shows the alert
  from the server, the TLS 1.0 hello, and the verdict fail/server_rejected;
- a TLS 1.2 client completes: record shows the negotiated TLS 1.2 and the
  suite, handshake_finished, and bytes both ways;
- with TLS 1.0 allowed upstream, the TLS 1.0 client completes and the
  record shows negotiated TLS 1.0 with its suite;
- an unreachable upstream: end upstream_failed with connect_refused, and
  an IMAP STARTTLS client is told "* BYE [UNAVAILABLE]";
- a server that closes mid-handshake: tls_error says so, closed_first is
  the server.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402
import relay_servers as RS  # noqa: E402

c = H.Case()
c.need("openssl")
strict = RS.OpensslServer(c, "TLSv1.2")
loose = RS.OpensslServer(c, "TLSv1")
drop = RS.DropServer(read=1)
dead_port = H.free_port()

L = {
    "strict": RS.relay_listener(strict.port, "imap", False),
    "loose": RS.relay_listener(loose.port, "tls", False),
    "dead": RS.relay_listener(dead_port, "imap", True),
    "deadtls": RS.relay_listener(dead_port, "imap", False),
    "drop": RS.relay_listener(drop.port, "tls", False),
}
srv = c.server(L).start()
n = 0


def client(name, version, what):
    global n
    r = srv.client(H.openssl_argv(srv.port(name), version=version),
                   input=b"Q\n", timeout=20)
    n += 1
    rec = srv.wait_record(count=n)
    c.note("%s: rc=%s end=%s" % (what, r.rc, rec.get("end")))
    return r, rec


# 1. TLS 1.0 client, TLS 1.2-only server: the server's alert, recorded.
r, rec = client("strict", "tls1", "tls1.0 vs strict")
c.check(r.rc != 0, "tls1.0 vs strict: client fails", r)
c.out_has(r, "alert protocol version", "tls1.0 vs strict")
c.field(rec, "mode", "relay")
c.field(rec, "end", "relayed", "tls1.0 vs strict")
c.field(rec, "server.alerts.0.from", "server", "tls1.0 vs strict")
c.field(rec, "server.alerts.0.code", 70, "tls1.0 vs strict")
c.field(rec, "server.alerts.0.description", "protocol_version")
H.check_version_record(c, rec, H.TLS10, "tls1.0 vs strict")
c.reason(rec, "server_rejected", "tls1.0 vs strict")
c.field(rec, "relay.handshake_finished", False, "tls1.0 vs strict")
c.field(rec, "relay.upstream", "127.0.0.1:%d" % strict.port)
c.check(rec.get("bytes_in", 0) > 0 and rec.get("bytes_out", 0) == 7,
        "tls1.0 vs strict: bytes_in > 0 and bytes_out == 7 (the alert)",
        (rec.get("bytes_in"), rec.get("bytes_out")))

# 2. TLS 1.2 client completes.
r, rec = client("strict", "tls1_2", "tls1.2 vs strict")
c.check(r.rc == 0, "tls1.2 vs strict: client succeeds", r)
c.field(rec, "server.version.id", "0x0303", "tls1.2 vs strict")
c.check(H.get(rec, "server.suite.name", "").startswith("TLS_"),
        "tls1.2 vs strict: a suite name", H.get(rec, "server.suite"))
c.field(rec, "relay.handshake_finished", True, "tls1.2 vs strict")
c.field(rec, "verdict.result", "pass", "tls1.2 vs strict")
c.check(rec.get("bytes_out", 0) > 500, "tls1.2 vs strict: server flight "
        "relayed", rec.get("bytes_out"))

# 3. TLS 1.3 client (default) completes; negotiated 1.3.
r, rec = client("strict", None, "default vs strict")
c.field(rec, "server.version.id", "0x0304", "default vs strict")
c.field(rec, "relay.handshake_finished", True, "default vs strict")

# 4. TLS 1.0 allowed upstream: negotiated TLS 1.0.
r, rec = client("loose", "tls1", "tls1.0 vs loose")
c.check(r.rc == 0, "tls1.0 vs loose: client succeeds", r)
c.field(rec, "server.version.id", "0x0301", "tls1.0 vs loose")
c.check(H.get(rec, "server.suite.id") not in (None, "0x0000"),
        "tls1.0 vs loose: suite recorded", H.get(rec, "server.suite"))
c.field(rec, "relay.handshake_finished", True, "tls1.0 vs loose")
c.field(rec, "verdict.result", "fail", "tls1.0 vs loose (policy tls12)")

# 5. Unreachable upstream, IMAP STARTTLS listener: "* BYE" then close.
s = srv.connect("dead")
n += 1
data, how = H.recv_all(s, timeout=5)
s.close()
rec = srv.wait_record(count=n)
c.check(data.startswith(b"* BYE [UNAVAILABLE]"), "dead upstream: client "
        "reads * BYE [UNAVAILABLE]", data)
c.eq(how, "eof", "dead upstream: then a clean close")
c.field(rec, "end", "upstream_failed", "dead upstream")
c.field(rec, "relay.upstream_error", "connect_refused", "dead upstream")
c.reason(rec, "upstream_failed", "dead upstream")

# 6. Unreachable upstream, implicit TLS: just closed, no bytes.
s = srv.connect("deadtls")
n += 1
data, how = H.recv_all(s, timeout=5)
s.close()
rec = srv.wait_record(count=n)
c.eq(data, b"", "dead upstream (imaps): no bytes")
c.field(rec, "end", "upstream_failed", "dead upstream (imaps)")

# 7. A server that closes after the first byte of the hello.
r, rec = client("drop", "tls1_2", "drop")
c.check(r.rc != 0, "drop: client fails", r)
c.field(rec, "relay.closed_first", "server", "drop")
c.field(rec, "server.tls_error", "server_closed_during_handshake", "drop")
c.check(rec.get("hello") is not None, "drop: the hello is still recorded")

srv.stop()
c.done()
