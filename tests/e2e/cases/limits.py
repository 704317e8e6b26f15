#!/usr/bin/env python3
"""Explicit limits:
- max_per_address=2: a 3rd concurrent connection from 127.0.0.1 is refused
  (record end "refused"), the first two keep working;
- max_line: an over-long command line ends the attempt with "limit";
- max_commands: one command too many ends it with "limit".
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
L = H.mail_listeners("alert", names=("imap", "smtp"))
L["shortline"] = dict(L["imap"], max_line=64)
L["fewcmds"] = dict(L["smtp"], max_commands=3)
L["preread"] = dict(L["imap"], max_preread=1024, max_commands=1000)
srv = c.server(L, globals_={"max_per_address": 2}).start()
hello = H.make_hello(sni="limits.example.test")
ALERT40 = bytes.fromhex("15030300020228")

# ---- max_per_address
a = srv.connect("imap")
b = srv.connect("imap")
H.greet(a, "imap")
H.greet(b, "imap")
# Bind first to know our port: the refusal (RST) may beat connect().
x = socket.socket()
x.bind(("127.0.0.1", 0))
xport = x.getsockname()[1]
srv.conns += 1
try:
    x.settimeout(5)
    x.connect(("127.0.0.1", srv.port("imap")))
    data, how = H.recv_all(x, timeout=3)
except ConnectionResetError:
    data, how = b"", "reset"
x.close()
c.check(data == b"" and how in ("reset", "eof"),
        "3rd connection: closed without a greeting", (data, how))
rec = H.record_for_port(srv, xport)
c.field(rec, "end", "refused", "3rd connection")
c.reason(rec, "refused_at_accept", "3rd connection")
# Nothing was learned from a refused connection: unknown, not a failure,
# and certainly not a "malformed hello" (no byte was read).
c.field(rec, "verdict.result", "unknown", "3rd connection")
c.reason(rec, "malformed_hello", "3rd connection", present=False)
c.field(rec, "local_port", srv.port("imap"), "3rd connection")
for s, label in ((a, "1st"), (b, "2nd")):
    H.command(s, "imap", "t STARTTLS")
    s.sendall(hello)
    d, how = H.recv_all(s)
    c.eq(d, ALERT40, "%s connection still served" % label)
    s.close()
# Once they are gone, a new one is admitted again.
time.sleep(0.3)
port, _, d, how = H.raw_attempt(srv, "imap", hello, proto="imap")
c.eq(d, ALERT40, "a connection after the others closed is admitted")

# ---- max_line
s = srv.connect("shortline")
port = s.getsockname()[1]
H.greet(s, "imap")
s.sendall(b"a NOOP " + b"X" * 200 + b"\r\n")
d, how = H.recv_all(s)
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "limit", "max_line=64, 209-byte line")
c.reason(rec, "limit_hit", "max_line")
c.check(how in ("eof", "reset"), "max_line: connection closed", how)

# A line just under the limit is fine.
s = srv.connect("shortline")
port = s.getsockname()[1]
H.greet(s, "imap")
r = H.command(s, "imap", b"a NOOP " + b"X" * 40)
c.check(r.startswith(b"a "), "max_line: a 49-byte line is answered", r)
H.command(s, "imap", "z LOGOUT")
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "client_quit", "max_line, short lines")

# ---- max_commands
s = srv.connect("fewcmds")
port = s.getsockname()[1]
H.greet(s, "smtp")
replies = []
for i in range(5):
    try:
        replies.append(H.command(s, "smtp", "NOOP"))
    except (BrokenPipeError, ConnectionResetError):
        break
d, how = H.recv_all(s, timeout=3)
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "limit", "max_commands=3, 5 NOOPs")
c.reason(rec, "limit_hit", "max_commands")
c.check(H.get(rec, "plaintext.commands", 99) <= 4,
        "max_commands: at most 4 commands counted",
        H.get(rec, "plaintext.commands"))

# ---- max_preread: plaintext bytes before the hello
s = srv.connect("preread")
port = s.getsockname()[1]
H.greet(s, "imap")
try:
    for i in range(150):          # 150 * 8 = 1200 bytes > 1024
        s.sendall(b"a NOOP\r\n")
except (BrokenPipeError, ConnectionResetError):
    pass
d, how = H.recv_all(s, timeout=3)
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "limit", "max_preread=1024, 1200 bytes of NOOPs")
c.check(H.get(rec, "bytes_in", 0) <= 1024 + 16384,
        "max_preread: reading stopped near the limit",
        H.get(rec, "bytes_in"))

srv.stop()
c.done()
