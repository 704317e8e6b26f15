#!/usr/bin/env python3
"""Many clients at once, mixed behaviours, no record lost.

240 connections from 12 threads across IMAP/POP3/SMTP STARTTLS and
implicit listeners: full STARTTLS + hello, implicit hello, hello split in
3 records, immediate close, reset mid-plaintext, half a hello then close,
QUIT in plaintext. Every connection must get exactly one record (ids
unique, peer ports match the connections made), the end reason must fit
what the client did, and tlsready exits 0.
"""
import collections
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert"),
               globals_={"max_per_address": 1000}, quiet=True).start()
hello = H.make_hello(sni="many.example.test")
split = H.frame(H.hello_message(hello), H.TLS10, pieces=3)
ALERT40 = bytes.fromhex("15030300020228")
QUIT = {"imap": "z LOGOUT", "pop3": "QUIT", "smtp": "QUIT"}


def send_hello(name, proto, starttls, payload):
    s = srv.connect(name)
    port = s.getsockname()[1]
    if starttls:
        H.starttls_plain(s, proto)
    s.sendall(payload)
    data, how = H.recv_all(s)
    s.close()
    return port, "hello_captured", data.endswith(ALERT40)


def full(name, proto, starttls):
    return send_hello(name, proto, starttls, hello)


def split3(name, proto, starttls):
    return send_hello(name, proto, starttls, split)


def close_now(name, proto, starttls):
    s = srv.connect(name)
    port = s.getsockname()[1]
    s.close()
    return port, "client_closed", True


def reset_plain(name, proto, starttls):
    s = srv.connect(name)
    port = s.getsockname()[1]
    if starttls:
        H.greet(s, proto)
        s.sendall(b"NOOP")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    return port, "client_closed", True


def half_hello(name, proto, starttls):
    s = srv.connect(name)
    port = s.getsockname()[1]
    if starttls:
        H.starttls_plain(s, proto)
    s.sendall(hello[:len(hello) // 2])
    s.shutdown(socket.SHUT_WR)
    H.recv_all(s)
    s.close()
    return port, "client_closed", True


def quit_plain(name, proto, starttls):
    if not starttls:
        return full(name, proto, starttls)
    s = srv.connect(name)
    port = s.getsockname()[1]
    H.greet(s, proto)
    H.command(s, proto, QUIT[proto])
    H.recv_all(s)
    s.close()
    return port, "client_quit", True


KINDS = (full, split3, close_now, reset_plain, half_hello, quit_plain)


def worker(wid):
    out = []
    for i in range(20):
        name, proto, starttls = H.MAIL[(wid + i) % len(H.MAIL)]
        kind = KINDS[(wid * 7 + i) % len(KINDS)]
        try:
            out.append((kind.__name__, name) + kind(name, proto, starttls))
        except OSError as e:
            out.append((kind.__name__, name, None, None, repr(e)))
    return out


th = H.Threads()
for w in range(12):
    th.start(w, worker, w)
res = th.join(timeout=50)
done = [x for w in sorted(res) if isinstance(res[w], list) for x in res[w]]
errs = [x for x in done if x[2] is None]
c.check(len(res) == 12 and all(isinstance(v, list) for v in res.values()),
        "all 12 client threads finished", res.keys())
c.check(not errs, "no client saw an unexpected socket error", errs[:5])
c.eq(len(done), 240, "connections made")
recs = srv.wait_records(srv.conns, timeout=20)
ids = [r.get("id") for r in recs]
c.check(len(set(ids)) == len(ids), "record ids are unique")
# Source ports are reused by the kernel across 240 connections (to other
# listeners, or after TIME_WAIT), so match (listener, peer port, end) as
# multisets: nothing missing, nothing extra, every end as expected.
want = collections.Counter((name, port, end) for _, name, port, end, _
                           in (x for x in done if x[2]))
got = collections.Counter((r.get("listener"), H.get(r, "peer.port"),
                           r.get("end")) for r in recs)
c.check(not (want - got), "every connection has its record with the "
        "expected end", sorted(want - got)[:5])
c.check(not (got - want), "no unexpected or duplicate record",
        sorted(got - want)[:5])
noalert = [x for x in done if x[2] and not x[4]]
c.check(not noalert, "every complete hello got the alert", noalert[:5])
srv.stop()
c.done()
