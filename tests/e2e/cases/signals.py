#!/usr/bin/env python3
"""Signals.
- SIGHUP rotation: rename the records file, send SIGHUP, make another
  attempt: the new file gets the new record, the old file keeps the old.
- SIGTERM with attempts in flight: 5 connections mid-plaintext; SIGTERM;
  new connections are refused at once; 3 of the 5 then finish (STARTTLS +
  hello) and 2 hit timeout_plaintext; every one has a record and tlsready
  exits 0 afterwards.
"""
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "imaps"),
                                timeout_plaintext=3),
               globals_={"max_per_address": 50}).start()
hello = H.make_hello(sni="signals.example.test")

# ---- SIGHUP rotation
p1, _, _, _ = H.raw_attempt(srv, "imaps", hello)
H.record_for_port(srv, p1)
rotated = srv.records_path + ".1"
os.rename(srv.records_path, rotated)
srv.extra_records.append(rotated)
srv.send_signal(signal.SIGHUP)
deadline = time.monotonic() + 5
while not os.path.exists(srv.records_path) and time.monotonic() < deadline:
    time.sleep(0.02)
c.check(os.path.exists(srv.records_path),
        "SIGHUP: records file re-created at its configured path")
p2, _, _, _ = H.raw_attempt(srv, "imaps", hello)
new = srv.wait_records(1)
old = srv.read_records(rotated)
c.check(len(new) == 1 and H.get(new[0], "peer.port") == p2,
        "SIGHUP: new file has exactly the new record",
        [H.get(r, "peer.port") for r in new])
c.check(len(old) == 1 and H.get(old[0], "peer.port") == p1,
        "SIGHUP: old file keeps exactly the old record",
        [H.get(r, "peer.port") for r in old])
c.check(srv.proc.poll() is None, "SIGHUP: tlsready still running")

# ---- SIGTERM with 5 attempts in flight
socks = []
for i in range(5):
    s = srv.connect("imap")
    H.greet(s, "imap")
    s.sendall(b"a CAPABILITY\r\n")
    H.recv_until(s, lambda d: b"a OK" in d)
    s.sendall(b"b NOO")           # mid-command
    socks.append((s, s.getsockname()[1]))
t_term = time.monotonic()
srv.send_signal(signal.SIGTERM)
time.sleep(0.3)
c.check(srv.proc.poll() is None,
        "SIGTERM: tlsready waits for the 5 attempts in flight")
refused = False
try:
    x = socket.create_connection(("127.0.0.1", srv.port("imap")), timeout=3)
    srv.conns += 1   # it was accepted: it must then have a record too
    x.close()
except ConnectionRefusedError:
    refused = True
c.check(refused, "SIGTERM: a new connection is refused")

# Three finish: end the NOOP, STARTTLS, then the hello.
for s, port in socks[:3]:
    s.sendall(b"P\r\n")
    H.recv_until(s, lambda d: b"b " in d)
    s.sendall(b"c STARTTLS\r\n")
    H.recv_until(s, lambda d: b"c OK" in d)
    s.sendall(hello)
for s, port in socks[:3]:
    data, how = H.recv_all(s, timeout=5)
    c.eq(data, bytes.fromhex("15030300020228"),
         "SIGTERM: in-flight attempt %d finishes with the alert" % port)
    s.close()
# Two are left to time out (timeout_plaintext=3).
try:
    rc = srv.proc.wait(timeout=15)
except Exception:
    rc = None
c.eq(rc, 0, "SIGTERM: tlsready exits 0 once the attempts are over")
c.check(time.monotonic() - t_term < 12,
        "SIGTERM: exit within the plaintext timeout plus drain")
for s, port in socks[3:]:
    data, how = H.recv_all(s, timeout=2)
    c.check(how in ("eof", "reset"), "SIGTERM: timed-out attempt %d was "
            "closed" % port, how)
    s.close()
recs = srv.read_records()
byport = {H.get(r, "peer.port"): r for r in recs}
for s, port in socks[:3]:
    c.field(byport.get(port, {}), "end", "hello_captured",
            "SIGTERM finished %d" % port)
for s, port in socks[3:]:
    c.field(byport.get(port, {}), "end", "timeout_plaintext",
            "SIGTERM timed out %d" % port)

srv.stop()
c.done()
