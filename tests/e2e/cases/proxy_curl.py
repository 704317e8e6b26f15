#!/usr/bin/env python3
"""The proxy front doors with curl in front of a real HTTPS server
(openssl s_server -www):
- HTTP CONNECT (curl --proxy http://...): the page arrives, the record has
  the target, curl's User-Agent, proxy_status 200, the hello and the
  server's version;
- SOCKS5 with a host name (curl --socks5-hostname), with an IPv4 address,
  and with username/password (RFC 1929): the password appears nowhere;
- never an open proxy: a port outside allow_ports gets 403 / SOCKS 0x02,
  BIND gets 0x07, GET gets 405, a dead destination 502 / SOCKS 0x05.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402
import relay_servers as RS  # noqa: E402

c = H.Case()
c.need("openssl", "curl")
up = RS.OpensslServer(c, "TLSv1.2", www=True)
dead = H.free_port()
ports = "%d, %d" % (up.port, dead)
srv = c.server({
    "hc": {"mode": "http-connect", "allow_ports": ports, "policy": "tls12"},
    "s5": {"mode": "socks5", "allow_ports": ports, "policy": "tls12"},
}).start()
n = 0


def rec_next():
    global n
    n += 1
    return srv.wait_record(count=n)


def curl(args, what):
    r = srv.client(["curl", "-sS", "-k", "-o", "/dev/null", "-w",
                    "%{http_code}", "--max-time", "15"] + args, timeout=30)
    c.note("%s: rc=%s out=%r" % (what, r.rc, r.out))
    return r


url = "https://127.0.0.1:%d/" % up.port
# 1. HTTP CONNECT.
r = curl(["-A", "TestAgent/2.0 (tlsready e2e)", "--proxy",
          "http://127.0.0.1:%d" % srv.port("hc"), url], "connect")
c.eq(r.out, "200", "connect: page through the tunnel")
rec = rec_next()
c.field(rec, "mode", "http-connect", "connect")
c.field(rec, "plaintext.user_agent", "TestAgent/2.0 (tlsready e2e)",
        "connect")
c.field(rec, "plaintext.target", "127.0.0.1:%d" % up.port, "connect")
c.field(rec, "relay.proxy_status", 200, "connect")
c.field(rec, "end", "relayed", "connect")
c.check(H.hello_highest(rec) is not None, "connect: hello recorded")
c.field(rec, "server.version.id", "0x0304", "connect")
c.field(rec, "relay.handshake_finished", True, "connect")

# 2. SOCKS5 with a host name, then an address, then user/password.
r = curl(["--socks5-hostname", "127.0.0.1:%d" % srv.port("s5"),
          "https://localhost:%d/" % up.port], "socks5h")
c.eq(r.out, "200", "socks5h: page")
rec = rec_next()
c.field(rec, "mode", "socks5", "socks5h")
c.field(rec, "plaintext.target", "localhost:%d" % up.port, "socks5h")
c.field(rec, "relay.proxy_status", 0, "socks5h")
c.field(rec, "server.version.id", "0x0304", "socks5h")

r = curl(["--socks5", "127.0.0.1:%d" % srv.port("s5"), url], "socks5")
c.eq(r.out, "200", "socks5 (IPv4): page")
rec = rec_next()
c.field(rec, "plaintext.target", "127.0.0.1:%d" % up.port, "socks5")

secret = "Sekr1t-Pa55-7f3a"
r = curl(["--socks5", "127.0.0.1:%d" % srv.port("s5"), "--proxy-user",
          "alice:" + secret, url], "socks5 auth")
c.eq(r.out, "200", "socks5 user/password: page")
rec = rec_next()
c.field(rec, "relay.proxy_status", 0, "socks5 auth")

# 3. Refused destinations.
r = curl(["--proxy", "http://127.0.0.1:%d" % srv.port("hc"),
          "https://127.0.0.1:9/"], "connect refused port")
c.out_has(r, "403", "connect to port 9")
rec = rec_next()
c.field(rec, "relay.proxy_status", 403, "connect port 9")
c.field(rec, "relay.proxy_error", "port_not_allowed", "connect port 9")
c.field(rec, "end", "refused", "connect port 9")
c.field(rec, "verdict.summary", "proxy_refused", "connect port 9")

r = curl(["--proxy", "http://127.0.0.1:%d" % srv.port("hc"),
          "https://127.0.0.1:%d/" % dead], "connect dead")
c.out_has(r, "502", "connect to a dead port")
rec = rec_next()
c.field(rec, "relay.upstream_error", "connect_refused", "connect dead")
c.field(rec, "end", "upstream_failed", "connect dead")


def socks(req, want_method=0):
    s = srv.connect("s5")
    s.sendall(b"\x05\x01\x00")
    got = H.recv_until(s, lambda d: len(d) >= 2)
    c.eq(got, bytes([5, want_method]), "socks: method reply")
    s.sendall(req)
    rep = H.recv_until(s, lambda d: len(d) >= 10)
    s.close()
    return rep


def s5req(cmd, port, addr=b"\x7f\x00\x00\x01"):
    return b"\x05" + bytes([cmd]) + b"\x00\x01" + addr + struct.pack(">H",
                                                                     port)


rep = socks(s5req(1, 9))
c.eq(rep[:2], b"\x05\x02", "socks port 9: REP 0x02 not allowed")
rec = rec_next()
c.field(rec, "relay.proxy_status", 2, "socks port 9")
c.field(rec, "relay.proxy_error", "port_not_allowed", "socks port 9")
c.field(rec, "verdict.summary", "proxy_refused", "socks port 9")

rep = socks(s5req(2, up.port))
c.eq(rep[:2], b"\x05\x07", "socks BIND: REP 0x07")
rec = rec_next()
c.field(rec, "relay.proxy_error", "command_not_supported", "socks BIND")

rep = socks(s5req(3, up.port))
c.eq(rep[:2], b"\x05\x07", "socks UDP ASSOCIATE: REP 0x07")
rec_next()

rep = socks(s5req(1, dead))
c.eq(rep[:2], b"\x05\x05", "socks dead port: REP 0x05 refused")
rec = rec_next()
c.field(rec, "relay.upstream_error", "connect_refused", "socks dead")

# GET is not CONNECT: 405.
s = srv.connect("hc")
s.sendall(b"GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n")
data, how = H.recv_all(s)
s.close()
c.check(data.startswith(b"HTTP/1.1 405 "), "GET: 405", data)
rec = rec_next()
c.field(rec, "relay.proxy_error", "not_connect", "GET")

# A request head past max_line: 431, not a hang.
s = srv.connect("hc")
s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nX: " % up.port +
          b"a" * 9000 + b"\r\n\r\n")
data, how = H.recv_all(s)
s.close()
c.check(data.startswith(b"HTTP/1.1 431 "), "huge head: 431", data)
rec_next()

recs = srv.stop()
c.check(secret.encode() not in srv.all_output_bytes(), "the SOCKS password "
        "appears in no record and no output")
c.done()
