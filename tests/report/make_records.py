#!/usr/bin/env python3
"""make_records.py - regenerate the report test inputs (not run by ctest).

    TLSREADY=build/tlsready python3 tests/report/make_records.py

Runs tlsready on loopback, sends real and hand-built ClientHellos (hostile
SNI, IMAP ID and EHLO text: markup, quotes, control bytes, invalid UTF-8,
spreadsheet formulas), then rewrites peer addresses, times and story links
so the attempts read like several clients over two days, and appends the
bad lines the report must survive. Writes records.jsonl (current file) and
records.jsonl.1.gz (a rotated, gzip'd file with a 1 MiB+ line).
"""
import gzip
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import harness  # noqa: E402

HOSTILE = b"<script>alert(1)</script>\"'&"


def ext(t, data):
    return struct.pack(">HH", t, len(data)) + data


def build_hello(sni=None, legacy=0x0303, versions=None, suites=None,
                scsv=False):
    suites = list(suites or [0xc02f, 0xc030, 0x009c, 0x002f, 0x000a])
    if scsv:
        suites.append(0x5600)
    body = struct.pack(">H", legacy) + bytes(range(32)) + b"\x00"
    body += struct.pack(">H", 2 * len(suites)) + b"".join(
        struct.pack(">H", s) for s in suites) + b"\x01\x00"
    exts = b""
    if sni is not None:
        name = b"\x00" + struct.pack(">H", len(sni)) + sni
        exts += ext(0, struct.pack(">H", len(name)) + name)
    exts += ext(0x000a, b"\x00\x04\x00\x1d\x00\x17")
    exts += ext(0x000b, b"\x01\x00")
    exts += ext(0x000d, b"\x00\x04\x04\x01\x04\x03")
    if versions:
        v = b"".join(struct.pack(">H", x) for x in versions)
        exts += ext(0x002b, bytes([len(v)]) + v)
    body += struct.pack(">H", len(exts)) + exts
    msg = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return harness.frame(msg, 0x0301)


def imap(port, id_fields, hello, login=False):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    harness.recv_until(s, lambda d: b"\r\n" in d)
    if id_fields is not None:
        s.sendall(b"a1 ID (" + b" ".join(
            b'"' + x.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
            for x in id_fields) + b")\r\n")
        harness.recv_until(s, lambda d: b"a1 " in d)
    if login:
        s.sendall(b"a2 LOGIN user secret\r\n")
        time.sleep(0.2)
        s.close()
        return
    s.sendall(b"a2 STARTTLS\r\n")
    harness.recv_until(s, lambda d: b"a2 " in d)
    s.sendall(hello)
    harness.recv_all(s, 3)
    s.close()


def smtp(port, ehlo, hello):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    harness.recv_until(s, lambda d: b"\r\n" in d)
    s.sendall(b"EHLO " + ehlo + b"\r\n")
    harness.recv_until(s, lambda d: b"250 " in d)
    s.sendall(b"STARTTLS\r\n")
    harness.recv_until(s, lambda d: b"220 " in d)
    s.sendall(hello)
    harness.recv_all(s, 3)
    s.close()


def tls(port, hello):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(hello)
    harness.recv_all(s, 3)
    s.close()


def main():
    binary = os.environ["TLSREADY"]
    tmp = tempfile.mkdtemp(prefix="mkrec-")
    ports = {n: harness.free_port() for n in ("imap", "smtp", "imaps")}
    cfg = os.path.join(tmp, "t.ini")
    rec = os.path.join(tmp, "rec.jsonl")
    with open(cfg, "w") as f:
        f.write("[global]\nrecords = %s\ndashboard = off\n"
                "[listener imap]\nmode = test\nprotocol = imap\n"
                "listen = 127.0.0.1:%d\n"
                "[listener submission]\nmode = test\nprotocol = smtp\n"
                "listen = 127.0.0.1:%d\n"
                "[listener imaps]\nmode = test\nprotocol = imap\n"
                "starttls = no\nlisten = 127.0.0.1:%d\n"
                % (rec, ports["imap"], ports["smtp"], ports["imaps"]))
    p = subprocess.Popen([binary, "-c", cfg, "-q"],
                         stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    # 1. hostile IMAP ID and SNI, a modern hello
    imap(ports["imap"], [b"name", HOSTILE, b"version", b"1.0\x07\x1b[31m"],
         build_hello(HOSTILE, versions=[0x0304, 0x0303],
                     suites=[0x1301, 0xc02f]))
    # 2. EHLO with a spreadsheet formula and escape bytes, TLS 1.0 only
    smtp(ports["smtp"], b"=cmd|'/C calc'!A0\x1b[2J",
         build_hello(b"mail.example.test", legacy=0x0301))
    # 3. invalid UTF-8 and control bytes in SNI, TLS 1.1
    tls(ports["imaps"], build_hello(b"\xff\xfe\xc3(\x00\x01-bad\xe2\x80\xaeevil",
                                    legacy=0x0302))
    # 4-6. a fallback story: TLS 1.2, then 1.1 without SCSV, then 1.0 with
    for legacy, scsv in ((0x0303, False), (0x0302, False), (0x0301, True)):
        tls(ports["imaps"], build_hello(b"imap.example.test", legacy=legacy,
                                        scsv=scsv))
    # 7. plaintext login without STARTTLS
    imap(ports["imap"], [b"name", b"Outlook", b"version", b"16.0"], None,
         login=True)
    # 8. a real client: openssl s_client TLS 1.2 and 1.3
    for extra in ([], ["-tls1_2"]):
        subprocess.run(["openssl", "s_client", "-connect",
                        "127.0.0.1:%d" % ports["imaps"], "-servername",
                        "imap.example.org"] + extra,
                       input=b"", stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=10)
    time.sleep(0.5)
    p.terminate()
    p.wait(timeout=10)
    recs = [json.loads(l) for l in open(rec, "rb")]
    assert len(recs) == 9, len(recs)
    # Who each attempt "is", and when (two days, fixed times).
    plan = [
        ("192.0.2.10", "2026-11-25T09:00:01.000Z", None),
        ("192.0.2.20", "2026-11-25T09:30:00.250Z", None),
        ("2001:db8::30", "2026-11-25T10:15:00.000Z", None),
        ("198.51.100.7", "2026-11-26T08:00:00.000Z", (7, 1)),
        ("198.51.100.7", "2026-11-26T08:00:01.500Z", (7, 2)),
        ("198.51.100.7", "2026-11-26T08:00:03.000Z", (7, 3)),
        ("192.0.2.40", "2026-11-26T11:11:11.111Z", None),
        ("203.0.113.5", "2026-11-26T12:00:00.000Z", None),
        ("203.0.113.5", "2026-11-26T21:05:00.000+09:00", None),
    ]
    for i, (r, (addr, t, story)) in enumerate(zip(recs, plan)):
        r["id"] = 100 + i
        r["peer"]["addr"] = addr
        r["peer"]["port"] = 40000 + i
        r["time"] = t
        r.pop("story", None)
        if story:
            r["story"] = {"id": story[0], "seq": story[1]}
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":"))
             for r in recs]
    rotated = lines[:6]
    current = lines[6:]
    bad_current = [
        "this is not json <script>alert(2)</script>",
        "[1, 2, 3]",
        json.dumps({"schema": 2, "id": 1}),
        json.dumps({"schema": 1, "id": 5, "time": "yesterday",
                    "listener": "x", "peer": {"addr": "1.2.3.4"},
                    "verdict": {"result": "pass"}}),
        '{"schema":1,"schema":1}',
        "",
        '{"truncated": ',
    ]
    with open(os.path.join(HERE, "records.jsonl"), "w",
              encoding="utf-8") as f:
        f.write("\n".join(current[:2] + bad_current[:4] + current[2:] +
                          bad_current[4:]) + "\n")
    body = ("\n".join(rotated[:3]) + "\n" + "{\"pad\":\"" + "a" * (1 << 20) +
            "\"}\n" + rotated[3] + "\r\n" + "\n".join(rotated[4:]) + "\n")
    with open(os.path.join(HERE, "records.jsonl.1.gz"), "wb") as f:
        with gzip.GzipFile(fileobj=f, mode="wb", mtime=0,
                           filename="") as g:
            g.write(body.encode("utf-8"))
    print("wrote", len(current), "+", len(rotated), "records")


if __name__ == "__main__":
    main()
