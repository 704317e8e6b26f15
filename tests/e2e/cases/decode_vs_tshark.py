#!/usr/bin/env python3
"""decode vs tshark: real clients' ClientHellos, field by field.

A tiny TCP listener on 127.0.0.1 captures the first ClientHello of each
connection (however many records it spans) and answers with a fatal
handshake_failure alert. Clients: openssl s_client (-tls1 .. -tls1_3,
-no_tls1_3, SNI + ALPN), gnutls-cli with several priority strings, curl,
Python ssl, NSS tstclnt and Java (single-file source) when installed.

Each hello is written into a pcap built here (Ethernet/IPv4/TCP with a
three-way handshake) and dissected by tshark; `tlsready decode --file`
must agree exactly on record/handshake version, cipher suites, extension
types, SNI, ALPN, groups, point formats, key share groups,
supported_versions, signature algorithms, compression methods and JA3
(string and MD5). `decode --pcap` on the same pcap must print the same
object as `decode --file` (plus the flow members). tshark 4.0 has no JA4.

Exit 77 when tshark or TLSREADY is missing; clients that are not
installed are skipped, and at least 8 hellos must be compared.
"""
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

TLSREADY = os.environ.get("TLSREADY", "")
passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


# ---- capture listener ----------------------------------------------------

def read_hello(conn):
    """Read one whole ClientHello (TLS records) from conn; return bytes."""
    buf = b""
    conn.settimeout(10)

    def need(n):
        nonlocal buf
        while len(buf) < n:
            chunk = conn.recv(65536)
            if not chunk:
                raise EOFError
            buf += chunk

    need(5)
    pos = 0
    hs = b""
    while True:
        need(pos + 5)
        if buf[pos] != 22:
            return buf[:pos + 5]
        rlen = struct.unpack(">H", buf[pos + 3:pos + 5])[0]
        need(pos + 5 + rlen)
        hs += buf[pos + 5:pos + 5 + rlen]
        pos += 5 + rlen
        if len(hs) >= 4:
            hlen = int.from_bytes(hs[1:4], "big")
            if len(hs) >= 4 + hlen:
                return buf[:pos]


class Listener:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hellos = []
        self.lock = threading.Lock()
        self.stop = False
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                data = read_hello(conn)
                with self.lock:
                    self.hellos.append(data)
                # fatal handshake_failure, like a server that refuses
                conn.sendall(b"\x15\x03\x03\x00\x02\x02\x28")
                conn.shutdown(socket.SHUT_WR)
                conn.settimeout(1)
                while conn.recv(4096):
                    pass
            except (OSError, EOFError):
                pass
            finally:
                conn.close()

    def take(self):
        with self.lock:
            h, self.hellos = self.hellos, []
        return h


# ---- pcap writer -----------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64,
                     6, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def write_pcap(path, hellos):
    """One TCP connection per hello, hello split into <=1400-byte segments."""
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    t = 1700000000
    for i, h in enumerate(hellos):
        cport = 40000 + i
        c, s = "10.0.0.1", "10.0.0.2"
        pkts = [frame(c, s, cport, 443, 1000, 0, 0x02, b""),
                frame(s, c, 443, cport, 5000, 1001, 0x12, b""),
                frame(c, s, cport, 443, 1001, 5001, 0x10, b"")]
        seq = 1001
        for off in range(0, len(h), 1400):
            seg = h[off:off + 1400]
            pkts.append(frame(c, s, cport, 443, seq, 5001, 0x18, seg))
            seq += len(seg)
        for p in pkts:
            t += 1
            out.append(struct.pack("<IIII", t, 0, len(p), len(p)) + p)
    with open(path, "wb") as f:
        f.write(b"".join(out))


# ---- clients ----------------------------------------------------------------

JAVA_SRC = r"""
import javax.net.ssl.*;
import java.util.*;
public class Hello {
    public static void main(String[] a) throws Exception {
        SSLSocketFactory f = (SSLSocketFactory) SSLSocketFactory.getDefault();
        SSLSocket s = (SSLSocket) f.createSocket("127.0.0.1",
                                                Integer.parseInt(a[0]));
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("java.example.com")));
        p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        s.setSSLParameters(p);
        try { s.startHandshake(); } catch (Exception e) { }
        s.close();
    }
}
"""

PY_CLIENT = r"""
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["imap", "h2"])
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
try:
    ctx.wrap_socket(s, server_hostname="py.example.com")
except Exception:
    pass
"""


def clients(port, tmp):
    p = str(port)
    osc = ["openssl", "s_client", "-connect", "127.0.0.1:" + p,
           "-servername", "mail.example.com", "-alpn", "imap,h2,http/1.1"]
    sec0 = ["-cipher", "DEFAULT:@SECLEVEL=0"]
    yield "openssl -tls1", osc + ["-tls1"] + sec0
    yield "openssl -tls1_1", osc + ["-tls1_1"] + sec0
    yield "openssl -tls1_2", osc + ["-tls1_2"]
    yield "openssl -tls1_3", osc + ["-tls1_3"]
    yield "openssl -no_tls1_3", osc + ["-no_tls1_3"]
    yield "openssl default no SNI", ["openssl", "s_client", "-connect",
                                     "127.0.0.1:" + p, "-noservername"]
    g = ["gnutls-cli", "--insecure", "--port", p,
         "--sni-hostname", "gnutls.example.com", "--alpn", "h2", "127.0.0.1"]
    for prio in ("NORMAL", "NORMAL:-VERS-TLS1.3", "SECURE256",
                 "NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1",
                 "PERFORMANCE:%NO_EXTENSIONS"):
        yield "gnutls " + prio, g[:1] + ["--priority", prio] + g[1:]
    yield "curl", ["curl", "-sk", "--max-time", "5",
                   "https://127.0.0.1:%s/" % p]
    yield "curl --tlsv1.2 --tls-max 1.2", [
        "curl", "-sk", "--max-time", "5", "--tlsv1.2", "--tls-max", "1.2",
        "https://localhost:%s/" % p]
    pyf = os.path.join(tmp, "client.py")
    with open(pyf, "w") as f:
        f.write(PY_CLIENT)
    yield "python ssl", [sys.executable, pyf, p]
    if shutil.which("certutil") is not None:
        db = os.path.join(tmp, "nssdb")
        os.mkdir(db)
        subprocess.run(["certutil", "-N", "-d", "sql:" + db,
                        "--empty-password"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        yield "tstclnt", ["tstclnt", "-d", "sql:" + db, "-h", "127.0.0.1",
                          "-p", p, "-a", "nss.example.com", "-o"]
    jd = os.path.join(tmp, "Hello.java")
    with open(jd, "w") as f:
        f.write(JAVA_SRC)
    yield "java", ["java", jd, p]


# ---- comparison ---------------------------------------------------------------

TSHARK_FIELDS = [
    "tls.record.version", "tls.handshake.version", "tls.handshake.ciphersuite",
    "tls.handshake.extension.type", "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_alpn_str",
    "tls.handshake.extensions_supported_group",
    "tls.handshake.extensions_ec_point_format",
    "tls.handshake.extensions_key_share_group",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.sig_hash_alg", "tls.handshake.comp_method",
    "tls.handshake.ja3_full", "tls.handshake.ja3", "tcp.srcport",
]


def ints(s):
    return [int(x, 0) for x in s.split(",") if x != ""]


def ours_ints(d, key):
    return [int(x["id"], 16) for x in d.get(key, [])]


def compare(name, d, t):
    tag = name + ":"
    # tshark shows the first record's version for a multi-record hello
    check(int(d["record_version"], 16) == ints(t[0])[0], tag + " record ver")
    check(int(d["client_version"], 16) == ints(t[1])[0], tag + " version")
    check(ours_ints(d, "cipher_suites") == ints(t[2]), tag + " suites")
    check(ours_ints(d, "extensions") == ints(t[3]), tag + " extensions")
    check((d.get("sni") or "") == t[4], tag + " sni")
    check(",".join(d.get("alpn", [])) == t[5], tag + " alpn")
    check(ours_ints(d, "groups") == ints(t[6]), tag + " groups")
    pf = {"uncompressed": 0, "ansiX962_compressed_prime": 1,
          "ansiX962_compressed_char2": 2}
    check([pf.get(x, -1) for x in d.get("point_formats", [])] == ints(t[7]),
          tag + " point formats")
    check(ours_ints(d, "key_share_groups") == ints(t[8]), tag + " key share")
    check(ours_ints(d, "supported_versions") == ints(t[9]),
          tag + " supported_versions")
    # tshark lists signature_algorithms and signature_algorithms_cert
    # (and delegated_credentials) in extension order
    sig = []
    for e in d["extensions"]:
        if e["id"] == "0x000d":
            sig += ours_ints(d, "sigalgs")
        elif e["id"] == "0x0032":
            sig += ours_ints(d, "sigalgs_cert")
    check(sig == ints(t[10]), tag + " sigalgs %s" % t[10])
    cm = {"null": 0, "DEFLATE": 1, "LZS": 64}
    check([cm[x] for x in d["compression"]] == ints(t[11]),
          tag + " compression")
    check(d["ja3"] == t[12], tag + " ja3 %s vs %s" % (d["ja3"], t[12]))
    check(d["ja3_md5"] == t[13], tag + " ja3 md5")


def main():
    if not TLSREADY or not os.path.exists(TLSREADY):
        print("TLSREADY not set; skipping")
        return 77
    if shutil.which("tshark") is None:
        print("tshark not installed; skipping")
        return 77
    tmp = tempfile.mkdtemp(prefix="tlsready-e2e-")
    lst = Listener()
    names = []
    hellos = []
    try:
        for name, cmd in clients(lst.port, tmp):
            if shutil.which(cmd[0]) is None:
                print("skip %s: %s not installed" % (name, cmd[0]))
                continue
            try:
                subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
            except subprocess.TimeoutExpired:
                pass
            got = lst.take()
            if not got:
                print("skip %s: no ClientHello arrived" % name)
                continue
            names.append(name)
            hellos.append(got[0])
        lst.stop = True
        check(len(hellos) >= 8, "at least 8 clients captured (%d)"
              % len(hellos))

        pcap = os.path.join(tmp, "hellos.pcap")
        write_pcap(pcap, hellos)
        p = subprocess.run(
            ["tshark", "-r", pcap, "-Y", "tls.handshake.type == 1", "-T",
             "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E",
             "aggregator=,"] + sum([["-e", f] for f in TSHARK_FIELDS], []),
            capture_output=True, text=True, timeout=120)
        rows = {}
        for line in p.stdout.splitlines():
            t = line.split("\t")
            rows[int(t[-1])] = t
        p = subprocess.run([TLSREADY, "decode", "--pcap", pcap],
                           capture_output=True, text=True, timeout=120)
        from_pcap = {d["srcport"]: d for d in
                     (json.loads(x) for x in p.stdout.splitlines())}
        for i, (name, h) in enumerate(zip(names, hellos)):
            f = os.path.join(tmp, "hello%d.bin" % i)
            with open(f, "wb") as fh:
                fh.write(h)
            p = subprocess.run([TLSREADY, "decode", "--file", f],
                               capture_output=True, text=True, timeout=60)
            lines = p.stdout.splitlines()
            check(p.returncode == 0 and len(lines) == 1,
                  name + " decode exit %d" % p.returncode)
            if len(lines) != 1:
                continue
            d = json.loads(lines[0])
            t = rows.get(40000 + i)
            check(t is not None, name + " tshark saw the hello")
            if t is not None:
                compare(name, d, t)
            q = from_pcap.get(40000 + i)
            check(q is not None, name + " decode --pcap found it")
            if q is not None:
                for k in ("source", "stream", "first_packet", "src",
                          "srcport", "dst", "dstport", "stream_offset"):
                    q.pop(k, None)
                check(q == d, name + " --pcap object == --file object")
            # text mode renders without failing
            p = subprocess.run([TLSREADY, "decode", "--text", "--file", f],
                               capture_output=True, text=True, timeout=60)
            check(p.returncode == 0 and "JA4" in p.stdout, name + " --text")
            print("ok %-40s %s" % (name, d["ja4"]))
    finally:
        lst.stop = True
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
