#!/usr/bin/env python3
"""The relay pipe is byte-exact and bounded:
- RELAY_BYTES_MIB (default 1024) MiB each way at the same time through a
  relay listener, SHA-256 compared on both ends, half-close passed on
  (each side's FIN reaches the other after its last byte), once with
  splice(2) and once with plain copies (TLSREADY_SPLICE=0);
- a slow reader: the server sends 256 MiB while the client reads nothing
  for a while; tlsready's VmRSS stays bounded (the backlog limit), then
  every byte arrives intact.
Time-bounded: each transfer must finish within RELAY_BYTES_TIMEOUT s.
"""
import hashlib
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402
import relay_servers as RS  # noqa: E402

MIB = 1024 * 1024
SIZE = int(os.environ.get("RELAY_BYTES_MIB", "1024")) * MIB
TIMEOUT = float(os.environ.get("RELAY_BYTES_TIMEOUT", "240"))
CHUNK = 1 * MIB
BLOCK = os.urandom(4 * MIB + 13)   # odd length: chunks never line up


def stream_chunks(total, salt):
    """Deterministic data: BLOCK slices, each prefixed by its index."""
    sent, i = 0, 0
    while sent < total:
        off = (i * 7919 + salt) % (len(BLOCK) - CHUNK)
        piece = i.to_bytes(8, "big") + BLOCK[off:off + CHUNK - 8]
        piece = piece[:total - sent]
        yield piece
        sent += len(piece)
        i += 1


class End:
    """One side: sends `total` bytes, then FIN; reads to EOF; hashes."""

    def __init__(self, sock, total, salt, read_delay=0.0):
        self.sock, self.total, self.salt = sock, total, salt
        self.read_delay = read_delay
        self.sent_hash = hashlib.sha256()
        self.recv_hash = hashlib.sha256()
        self.sent = self.recvd = 0
        self.error = None
        self.eof_at = None

    def send(self):
        try:
            for piece in stream_chunks(self.total, self.salt):
                self.sock.sendall(piece)
                self.sent_hash.update(piece)
                self.sent += len(piece)
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error = "send: %r" % e

    def recv(self):
        if self.read_delay:
            time.sleep(self.read_delay)
        buf = bytearray(CHUNK)
        mv = memoryview(buf)
        try:
            while True:
                n = self.sock.recv_into(buf)
                if n == 0:
                    self.eof_at = time.monotonic()
                    return
                self.recv_hash.update(mv[:n])
                self.recvd += n
        except OSError as e:
            self.error = "recv: %r" % e

    def run(self):
        ts = [threading.Thread(target=self.send, daemon=True),
              threading.Thread(target=self.recv, daemon=True)]
        for t in ts:
            t.start()
        return ts


def upstream(total, read_delay=0.0):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    box = {}

    def serve():
        s, _ = ls.accept()
        s.settimeout(TIMEOUT)
        e = End(s, total, salt=2)
        box["end"] = e
        for t in e.run():
            t.join(TIMEOUT)
        s.close()
        ls.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    return ls.getsockname()[1], box, t


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
    except OSError:
        pass
    return None


c = H.Case()
for splice in ("1", "0"):
    what = "splice=%s" % splice
    port, box, st = upstream(SIZE)
    os.environ["TLSREADY_SPLICE"] = splice
    srv = c.server({"pipe": RS.relay_listener(port, "tls", False,
                                              timeout_idle=60)},
                   tag="srv" + splice, quiet=True).start()
    s = srv.connect("pipe")
    s.settimeout(TIMEOUT)
    t0 = time.monotonic()
    cl = End(s, SIZE, salt=1)
    for t in cl.run():
        t.join(TIMEOUT)
    st.join(TIMEOUT)
    secs = time.monotonic() - t0
    s.close()
    sv = box.get("end")
    c.check(sv is not None and cl.error is None and sv.error is None,
            "%s: both ends finished without error" % what,
            (cl.error, sv and sv.error))
    if sv is None:
        c.exit(1)
    c.eq(sv.recvd, SIZE, "%s: server received every byte" % what)
    c.eq(cl.recvd, SIZE, "%s: client received every byte" % what)
    c.check(cl.sent_hash.digest() == sv.recv_hash.digest(),
            "%s: SHA-256 client->server equal" % what)
    c.check(sv.sent_hash.digest() == cl.recv_hash.digest(),
            "%s: SHA-256 server->client equal" % what)
    c.check(secs < TIMEOUT, "%s: %d MiB each way in %.1f s (%.0f MiB/s "
            "each way)" % (what, SIZE // MIB, secs, SIZE / MIB / secs))
    rec = srv.wait_record(count=1)
    c.eq(rec.get("bytes_in"), SIZE, "%s: record bytes_in" % what)
    c.eq(rec.get("bytes_out"), SIZE, "%s: record bytes_out" % what)
    c.field(rec, "relay.spliced", True if splice == "1" else None, what)
    srv.stop()

# Slow reader: the server pushes, the client sleeps, memory stays bounded.
os.environ["TLSREADY_SPLICE"] = "1"
SLOW = 256 * MIB
port, box, st = upstream(SLOW)
srv = c.server({"pipe": RS.relay_listener(port, "tls", False)},
               tag="slow", quiet=True).start()
pid = srv.proc.pid
base = rss_kib(pid)
s = srv.connect("pipe")
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
s.settimeout(TIMEOUT)
s.shutdown(socket.SHUT_WR)   # the client sends nothing
time.sleep(1.5)
peak = 0
for _ in range(10):
    peak = max(peak, rss_kib(pid) or 0)
    time.sleep(0.1)
c.note("slow reader: VmRSS base %s KiB, while stalled %s KiB" % (base,
                                                                 peak))
c.check(base is not None and peak - base < 4096, "slow reader: VmRSS grows "
        "by less than 4 MiB while the client does not read", (base, peak))
cl = End(s, 0, salt=3)
cl.recv()
st.join(TIMEOUT)
sv = box.get("end")
c.eq(cl.recvd, SLOW, "slow reader: every byte arrives afterwards")
c.check(sv is not None and sv.sent_hash.digest() == cl.recv_hash.digest(),
        "slow reader: SHA-256 equal")
s.close()
srv.stop()
c.done()
