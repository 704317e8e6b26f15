#!/usr/bin/env python3
"""Slow clients never stall anyone else.
- 4 clients send a command one byte per second: timeout_plaintext=2 ends
  each (record end timeout_plaintext, duration about 2 s);
- a client sending its ClientHello one byte per second on an implicit
  port hits timeout_hello=2;
- meanwhile normal clients (openssl s_client -starttls imap, and raw
  hellos) complete in well under a second each.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")
srv = c.server(H.mail_listeners("alert", names=("imap", "imaps"),
                                timeout_plaintext=2, timeout_hello=2),
               globals_={"max_per_address": 50}).start()
hello = H.make_hello(sni="slow.example.test")


def drip(s, data):
    """One byte per second; between bytes, wait for the server to close.
    Returns how it ended: "eof"/"reset" (the server cut us off) or
    "sent all"."""
    for i in range(len(data)):
        try:
            s.send(data[i:i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return "reset"
        t = time.monotonic() + 1.0
        while time.monotonic() < t:
            s.settimeout(max(0.01, t - time.monotonic()))
            try:
                d = s.recv(4096)
            except TimeoutError:
                continue
            except ConnectionResetError:
                return "reset"
            if not d:
                return "eof"
    return "sent all"


def slow_plain():
    s = srv.connect("imap", nodelay=True)
    port = s.getsockname()[1]
    H.greet(s, "imap")
    t0 = time.monotonic()
    how = "sent all"
    how = drip(s, b"a CAPABILITY\r\n")
    s.close()
    return port, time.monotonic() - t0, how


def slow_hello():
    s = srv.connect("imaps", nodelay=True)
    port = s.getsockname()[1]
    t0 = time.monotonic()
    how = drip(s, hello[:12])
    s.close()
    return port, time.monotonic() - t0, how


th = H.Threads()
for i in range(4):
    th.start("plain%d" % i, slow_plain)
th.start("hello", slow_hello)
time.sleep(0.5)

fast = []
for i in range(3):
    t = time.monotonic()
    res = srv.client(H.openssl_argv(srv.port("imap"), "imap", "tls1_2"),
                     timeout=10)
    fast.append(time.monotonic() - t)
    c.out_has(res, "alert handshake failure", "fast s_client %d" % i)
    t = time.monotonic()
    port, _, d, how = H.raw_attempt(srv, "imaps", hello)
    fast.append(time.monotonic() - t)
    c.eq(d, bytes.fromhex("15030300020228"), "fast raw hello %d" % i)
c.note("fast attempts took %s s" % ", ".join("%.2f" % x for x in fast))
c.check(max(fast) < 1.5, "every fast attempt completes in < 1.5 s while "
        "slow clients are connected", fast)

res = th.join(timeout=20)
for key in sorted(res):
    r = res[key]
    if isinstance(r, Exception):
        c.check(False, "%s: slow client ran" % key, repr(r))
        continue
    port, secs, how = r
    rec = H.record_for_port(srv, port)
    want = "timeout_hello" if key == "hello" else "timeout_plaintext"
    c.field(rec, "end", want, key)
    ms = rec.get("duration_ms")
    c.check(isinstance(ms, int) and 1800 <= ms <= 4000,
            "%s: ended after ~2 s (duration_ms %r)" % (key, ms), ms)
    c.check(how in ("eof", "reset") and secs < 4,
            "%s: the server cut it off after ~2 s (%s after %.1f s)" % (
                key, how, secs), how)

srv.stop()
c.done()
