#!/usr/bin/env python3
"""Client behaviours at the edges of the plaintext stage and the hello:
- commands split across segments mid-line, and several in one segment,
  are answered in order;
- the IMAP ID and the SMTP EHLO name are recorded, hostile bytes in them
  (ESC, quotes, backslash, invalid UTF-8) keep the record valid JSON and
  the console free of escapes;
- a client that closes mid-hello: end client_closed, capture_error
  truncated, verdict reason client_vanished;
- a client that sends its hello and closes at once still gets its hello
  recorded;
- a client that resets mid-plaintext: end client_closed.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "smtp", "imaps"),
                                timeout_hello=2)).start()
hello = H.make_hello(sni="edges.example.test")

# -- split and batched commands
s = srv.connect("imap", nodelay=True)
port = s.getsockname()[1]
H.greet(s, "imap")
for part in (b"a CAPA", b"BILITY\r\nb NO", b"OP\r\nc NOOP\r\nd NOOP\r\n"):
    s.sendall(part)
    time.sleep(0.05)
data = H.recv_until(s, lambda d: b"d OK" in d or b"d BAD" in d)
tags = [ln.split(b" ")[0] for ln in data.split(b"\r\n")
        if ln[:1] in b"abcd" and ln]
c.eq(tags, [b"a", b"b", b"c", b"d"], "split/batched IMAP commands answered "
     "in order")
H.command(s, "imap", "z LOGOUT")
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "plaintext.commands", 5, "split/batched")
c.field(rec, "end", "client_quit", "split/batched")

# -- hints with hostile bytes
s = srv.connect("imap")
port = s.getsockname()[1]
H.greet(s, "imap")
r = H.command(s, "imap", b'a ID ("name" "Evil\x1b[2J\\"Mail\\\\" '
              b'"version" "9\xff\xfe.1" "os" "Linux")')
H.command(s, "imap", "b STARTTLS")
s.sendall(hello)
H.recv_all(s)
s.close()
rec = H.record_for_port(srv, port)
name = H.get(rec, "plaintext.imap_id.name")
c.check(isinstance(name, str) and name.startswith("Evil") and "Mail" in name,
        "IMAP ID name recorded (escaped)", name)
c.check(isinstance(H.get(rec, "plaintext.imap_id.version"), str),
        "IMAP ID version with invalid UTF-8 recorded as a JSON string",
        H.get(rec, "plaintext.imap_id"))
c.field(rec, "plaintext.imap_id.os", "Linux", "IMAP ID")

s = srv.connect("smtp")
port = s.getsockname()[1]
H.greet(s, "smtp")
H.command(s, "smtp", b"EHLO host\x1b]0;pwned\x07.example\xc3")
H.command(s, "smtp", "STARTTLS")
s.sendall(hello)
H.recv_all(s)
s.close()
rec = H.record_for_port(srv, port)
ehlo = H.get(rec, "plaintext.ehlo")
c.check(isinstance(ehlo, str) and ehlo.startswith("host"),
        "hostile EHLO name recorded as a JSON string", ehlo)

# -- closes mid-hello
for name, proto in (("imaps", None), ("imap", "imap")):
    s = srv.connect(name)
    port = s.getsockname()[1]
    if proto:
        H.starttls_plain(s, proto)
    s.sendall(hello[:60])
    time.sleep(0.1)
    s.close()
    rec = H.record_for_port(srv, port)
    what = "%s: close mid-hello" % name
    c.field(rec, "end", "client_closed", what)
    c.field(rec, "capture_error", "truncated", what)
    c.reason(rec, "client_vanished", what)
    c.field(rec, "verdict.result", "unknown", what)

# -- hello then close at once (before reading the alert)
s = srv.connect("imaps")
port = s.getsockname()[1]
s.sendall(hello)
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "hello_captured", "hello then close")
c.check(H.hello_highest(rec) == H.TLS13, "hello then close: hello decoded")

# -- reset mid-plaintext
s = srv.connect("smtp")
port = s.getsockname()[1]
H.greet(s, "smtp")
s.sendall(b"EHLO half")
time.sleep(0.1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "client_closed", "reset mid-plaintext")

# -- STARTTLS accepted, then silence: timeout_hello (2 s)
s = srv.connect("smtp")
port = s.getsockname()[1]
H.starttls_plain(s, "smtp")
t0 = time.monotonic()
data, how = H.recv_all(s, timeout=5)
secs = time.monotonic() - t0
s.close()
rec = H.record_for_port(srv, port)
c.field(rec, "end", "timeout_hello", "silent after STARTTLS")
c.reason(rec, "timeout_hello", "silent after STARTTLS")
c.check(how == "eof" and 1.5 < secs < 4, "silent after STARTTLS: closed "
        "after ~2 s (%.1f s, %s)" % (secs, how))

srv.stop()
c.done()
