"""relay_servers.py - real upstream servers for the relay/proxy e2e cases
(tests/e2e/cases/relay_*.py, proxy_*.py). Python stdlib only.

- make_cert(case): a throw-away self-signed certificate (openssl req).
- OpensslServer: `openssl s_server` on a free loopback port (optionally
  -www), with a minimum protocol version.
- MailServer: a small IMAP/POP3/SMTP server in a thread with STARTTLS
  (RFC 3501/2595/3207) on Python's ssl module: greeting, capabilities with
  STARTTLS, the positive (or a refusing) STARTTLS answer, a TLS handshake
  with a configurable minimum version, then LOGOUT/QUIT after TLS. It can
  also speak implicit TLS, or refuse the client with a rejection line.
- DropServer: accepts, reads the first bytes, then closes (a server that
  gives up mid-handshake).
"""

import os
import socket
import ssl
import subprocess
import threading
import time

import harness as H


def make_cert(case):
    cert, key = case.path("cert.pem"), case.path("key.pem")
    if not os.path.exists(cert):
        r = case.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                      "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                      "-subj", "/CN=mail.example.test"], timeout=60)
        if r.rc != 0:
            case.skip("openssl req failed: %s" % r.err[-300:])
    return cert, key


def wait_listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if H.listening(port):
            return True
        time.sleep(0.02)
    return False


class OpensslServer:
    """openssl s_server on 127.0.0.1:<free port>."""

    def __init__(self, case, min_proto="TLSv1.2", www=False, extra=()):
        cert, key = make_cert(case)
        self.port = H.free_port()
        argv = ["openssl", "s_server", "-accept", "127.0.0.1:%d" % self.port,
                "-cert", cert, "-key", key, "-min_protocol", min_proto]
        if min_proto in ("TLSv1", "TLSv1.1"):
            argv += ["-cipher", "DEFAULT@SECLEVEL=0"]
        argv += ["-www"] if www else ["-quiet"]
        argv += list(extra)
        self.log = open(case.path("s_server-%d.log" % self.port), "wb")
        self.proc = case.spawn(argv, stdin=subprocess.PIPE, stdout=self.log,
                               stderr=subprocess.STDOUT)
        if not wait_listening(self.port):
            case.check(False, "openssl s_server listens on %d" % self.port)
            case.exit(1)


def server_context(cert, key, min_version=ssl.TLSVersion.TLSv1_2):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if min_version < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("DEFAULT@SECLEVEL=0")
    ctx.minimum_version = min_version
    return ctx


class MailServer:
    """A scripted mail server; one thread per connection.

    proto: "imap", "pop3" or "smtp"; implicit: TLS from the first byte;
    refuse_starttls: answer STARTTLS negatively; reject: a line sent
    instead of the greeting (then close), e.g. b"421 4.7.66 TLS 1.0 and
    1.1 are not supported"; min_version: the TLS floor.
    """

    def __init__(self, case, proto, implicit=False, refuse_starttls=False,
                 reject=None, min_version=ssl.TLSVersion.TLSv1_2,
                 offer_starttls=True):
        cert, key = make_cert(case)
        self.case, self.proto, self.implicit = case, proto, implicit
        self.refuse, self.reject = refuse_starttls, reject
        self.offer = offer_starttls
        self.ctx = server_context(cert, key, min_version)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.events = []          # (kind, detail) for the case to check
        self.lock = threading.Lock()
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()

    def note(self, kind, detail=None):
        with self.lock:
            self.events.append((kind, detail))

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,),
                             daemon=True).start()

    def _lines(self, f):
        while True:
            ln = f.readline(8192)
            if not ln:
                return
            yield ln.rstrip(b"\r\n")

    def _serve(self, c):
        c.settimeout(15)
        try:
            if self.implicit:
                c = self._tls(c)
                if c is None:
                    return
                self._after_tls(c)
                return
            if self.reject is not None:
                c.sendall(self.reject + b"\r\n")
                self.note("rejected")
                return
            self._plain(c)
        except (OSError, ssl.SSLError) as e:
            self.note("error", repr(e))
        finally:
            try:
                c.close()
            except OSError:
                pass

    def _tls(self, c):
        try:
            t = self.ctx.wrap_socket(c, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.note("tls_failed", repr(e))
            return None
        self.note("tls", t.version())
        return t

    def _plain(self, c):
        p = self.proto
        greet = {"imap": b"* OK [CAPABILITY IMAP4rev1 %sAUTH=PLAIN] ready",
                 "pop3": b"+OK POP3 ready",
                 "smtp": b"220 mail.example.test ESMTP ready"}[p]
        if p == "imap":
            greet = greet % (b"STARTTLS " if self.offer else b"")
        c.sendall(greet + b"\r\n")
        f = c.makefile("rb")
        for ln in self._lines(f):
            self.note("cmd", ln)
            words = ln.split(b" ")
            if p == "imap":
                tag = words[0]
                verb = words[1].upper() if len(words) > 1 else b""
                if verb == b"CAPABILITY":
                    c.sendall(b"* CAPABILITY IMAP4rev1 %sAUTH=PLAIN\r\n"
                              b"%s OK done\r\n" % (
                                  b"STARTTLS " if self.offer else b"", tag))
                elif verb == b"STARTTLS":
                    if self.refuse:
                        c.sendall(tag + b" NO STARTTLS unavailable\r\n")
                        continue
                    c.sendall(tag + b" OK Begin TLS negotiation now\r\n")
                    return self._starttls(c)
                elif verb == b"LOGOUT":
                    c.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                    return
                elif verb == b"ID":
                    # RFC 2971 §3.2: the server answers with its own ID.
                    c.sendall(b'* ID ("name" "relay-test-server")\r\n' +
                              tag + b" OK ID completed\r\n")
                else:
                    c.sendall(tag + b" BAD unknown\r\n")
            elif p == "pop3":
                verb = words[0].upper()
                if verb == b"CAPA":
                    c.sendall(b"+OK\r\nUSER\r\n%s.\r\n" % (
                        b"STLS\r\n" if self.offer else b""))
                elif verb == b"STLS":
                    if self.refuse:
                        c.sendall(b"-ERR not now\r\n")
                        continue
                    c.sendall(b"+OK Begin TLS negotiation\r\n")
                    return self._starttls(c)
                elif verb == b"QUIT":
                    c.sendall(b"+OK bye\r\n")
                    return
                else:
                    c.sendall(b"-ERR unknown\r\n")
            else:
                verb = words[0].upper()
                if verb in (b"EHLO", b"HELO"):
                    c.sendall(b"250-mail.example.test\r\n%s250 8BITMIME\r\n"
                              % (b"250-STARTTLS\r\n" if self.offer else b""))
                elif verb == b"STARTTLS":
                    if self.refuse:
                        c.sendall(b"454 4.7.0 TLS not available\r\n")
                        continue
                    c.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                    return self._starttls(c)
                elif verb == b"QUIT":
                    c.sendall(b"221 2.0.0 bye\r\n")
                    return
                else:
                    c.sendall(b"502 5.5.2 unknown\r\n")

    def _starttls(self, c):
        t = self._tls(c)
        if t is not None:
            self._after_tls(t)

    def _after_tls(self, t):
        p = self.proto
        f = t.makefile("rb")
        if self.implicit:
            t.sendall({"imap": b"* OK ready\r\n", "pop3": b"+OK ready\r\n",
                       "smtp": b"220 ready\r\n"}[p])
        for ln in self._lines(f):
            self.note("tls_cmd", ln)
            w = ln.split(b" ")
            if p == "imap":
                tag = w[0]
                verb = w[1].upper() if len(w) > 1 else b""
                if verb == b"LOGOUT":
                    t.sendall(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                    break
                if verb == b"CAPABILITY":
                    t.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag
                              + b" OK done\r\n")
                else:
                    t.sendall(tag + b" OK done\r\n")
            elif p == "pop3":
                if w[0].upper() == b"QUIT":
                    t.sendall(b"+OK bye\r\n")
                    break
                if w[0].upper() == b"CAPA":
                    t.sendall(b"+OK\r\nUSER\r\n.\r\n")
                else:
                    t.sendall(b"+OK\r\n")
            else:
                if w[0].upper() == b"QUIT":
                    t.sendall(b"221 bye\r\n")
                    break
                if w[0].upper() in (b"EHLO", b"HELO"):
                    t.sendall(b"250-mail.example.test\r\n250 AUTH PLAIN\r\n")
                else:
                    t.sendall(b"250 ok\r\n")
        try:
            t.unwrap()
        except (ssl.SSLError, OSError):
            pass


class DropServer:
    """Accepts, reads up to `read` bytes, then closes (FIN)."""

    def __init__(self, read=1):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.read = read
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                c.settimeout(5)
                c.recv(self.read)
            except OSError:
                pass
            c.close()


def relay_listener(upstream_port, protocol, starttls, **extra):
    keys = {"mode": "relay", "protocol": protocol,
            "upstream": "127.0.0.1:%d" % upstream_port, "policy": "tls12"}
    if protocol in ("imap", "pop3", "smtp"):
        keys["starttls"] = starttls
    keys.update(extra)
    return keys
