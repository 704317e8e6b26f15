#!/usr/bin/env python3
"""capture.py - regenerate the golden vectors in this directory.

Listens on 127.0.0.1, lets one real client connect, saves the bytes of its
first TLS handshake message exactly as sent (all records, record headers
included) and closes. Usage:

    capture.py clienthello OUT.bin -- CLIENT COMMAND (use {port} for the port)
    capture.py serverhello OUT.bin HELLO.bin -- s_server args...

The second form starts nothing itself: it connects to 127.0.0.1:{port} of an
already running server (e.g. `openssl s_server`), sends HELLO.bin and saves
what the server answers in the first second. Loopback only.
"""
import socket
import subprocess
import sys
import time


def read_hello(conn):
    data = b""
    conn.settimeout(5)
    need = None
    while True:
        if data[:1] == b"\x16" and len(data) >= 9 and need is None:
            pass
        # walk records until the handshake message is complete
        off, hs = 0, b""
        while off + 5 <= len(data):
            ln = int.from_bytes(data[off + 3:off + 5], "big")
            if off + 5 + ln > len(data):
                break
            hs += data[off + 5:off + 5 + ln]
            off += 5 + ln
            if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
                return data[:off]
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk


def clienthello(out, cmd):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    cmd = [c.replace("{port}", str(port)) for c in cmd]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    srv.settimeout(10)
    conn, _ = srv.accept()
    data = read_hello(conn)
    conn.close()
    srv.close()
    try:
        p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
    with open(out, "wb") as f:
        f.write(data)
    print(out, len(data))


def serverhello(out, hello, port):
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(open(hello, "rb").read())
    s.settimeout(1)
    data = b""
    end = time.time() + 1
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    s.close()
    with open(out, "wb") as f:
        f.write(data)
    print(out, len(data))


if __name__ == "__main__":
    if sys.argv[1] == "clienthello":
        clienthello(sys.argv[2], sys.argv[sys.argv.index("--") + 1:])
    else:
        serverhello(sys.argv[2], sys.argv[3], sys.argv[4])
