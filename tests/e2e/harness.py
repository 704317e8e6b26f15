"""harness.py - end-to-end test harness for tlsready (Python stdlib only).

One scenario per file in tests/e2e/cases/; each imports this module, starts
tlsready with a temporary config and records file on free loopback ports,
drives real clients (openssl, gnutls-cli, curl, swaks, tstclnt, java,
Python's ssl) or raw sockets at it, and asserts on the JSON Lines records
and on what the client saw. The assertions are phrased like mbedTLS
ssl-opt.sh: a record field must equal / contain something; the client
output must (-c) or must not (-C) contain a string.

Environment (set by CTest, tests/CMakeLists.txt):
    TLSREADY        the binary
    TLSREADY_SRC    the source tree
    TLSREADY_BUILD  the build tree
    SHARED_CORPUS   read-only capture corpus (unused here)

Exit status: 0 all checks passed, 1 a check failed, 77 skipped (a tool is
missing). Every check prints one line; the last line is "N passed, M
failed". Every subprocess runs with a timeout and everything a case
started is killed when it ends, also on failure or on a signal.

Every tlsready instance started here is checked when it stops:
    - it exits 0 after SIGTERM;
    - every line of the records file is JSON with "schema" and a
      verdict.result in {pass, warn, fail, unknown};
    - records == connections the case made (no record lost, none extra);
    - its console output (stdout is a pipe) has no ANSI escapes and one
      line per attempt naming the record's verdict.
"""

import atexit
import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
VERDICTS = ("pass", "warn", "fail", "unknown")

TLS10, TLS11, TLS12, TLS13 = 0x0301, 0x0302, 0x0303, 0x0304
VERSION_NAMES = {0x0300: "SSL 3.0", TLS10: "TLS 1.0", TLS11: "TLS 1.1",
                 TLS12: "TLS 1.2", TLS13: "TLS 1.3"}

_MISSING = object()
_active_cases = []


# ---------------------------------------------------------------- helpers

def free_port():
    """A loopback TCP port nobody listens on right now."""
    return free_ports(1)[0]


def free_ports(n):
    """n distinct free loopback ports: all are held bound until every one
    is chosen, so the kernel cannot hand out the same port twice."""
    held = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def listening(port):
    """True when something listens on 127.0.0.1:port (read from /proc, so
    no connection is made and no record is written)."""
    want = ":%04X" % port
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if len(parts) > 3 and parts[1].endswith(want) and \
                            parts[3] == "0A":
                        return True
        except OSError:
            continue
    return False


def get(obj, path, default=_MISSING):
    """get(rec, "hello.ja3.hash") walks dicts (and list indexes)."""
    cur = obj
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.lstrip("-").isdigit() and \
                -len(cur) <= int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None if default is _MISSING else default
    return cur


def ver_id(v):
    """A protocol version as an int, from 771, "0x0303", "TLS 1.2" or an
    object {"id": ..., "name": ...}. None when it cannot be read."""
    if isinstance(v, dict):
        for k in ("id", "value", "version"):
            if k in v:
                return ver_id(v[k])
        if "name" in v:
            return ver_id(v["name"])
        return None
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"0x[0-9a-fA-F]{1,4}", s):
            return int(s, 16)
        if s.isdigit():
            return int(s)
        for k, name in VERSION_NAMES.items():
            if s.replace("v", " ").replace("  ", " ").upper() == \
                    name.upper() or s.upper() == name.upper().replace(" ", ""):
                return k
    return None


def hello_versions(rec):
    """The versions the record says the hello offers, as ints."""
    h = rec.get("hello") or {}
    for key in ("versions", "offered_versions", "supported_versions"):
        v = h.get(key)
        if isinstance(v, list):
            out = [ver_id(x) for x in v]
            return [x for x in out if x is not None]
    return []


def hello_highest(rec):
    """The highest version the record says the hello offers (int/None)."""
    h = rec.get("hello") or {}
    for key in ("highest_version", "highest", "max_version"):
        if key in h:
            return ver_id(h[key])
    vs = hello_versions(rec)
    return max(vs) if vs else None


def hello_ja4(rec):
    v = get(rec, "hello.ja4")
    if isinstance(v, dict):
        v = v.get("ja4") or v.get("string") or v.get("fingerprint")
    return v


def hello_ja3(rec):
    """JA3 as (string, hash) where present."""
    v = get(rec, "hello.ja3")
    if isinstance(v, dict):
        return (v.get("string") or v.get("full"), v.get("hash") or
                v.get("md5"))
    return (v, get(rec, "hello.ja3_md5") or get(rec, "hello.ja3_hash"))


def reason_codes(rec):
    out = []
    for r in get(rec, "verdict.reasons", []) or []:
        out.append(r.get("code") if isinstance(r, dict) else r)
    return out


def hexs(b):
    return " ".join("%02x" % x for x in b)


# ------------------------------------------------------------- TLS bytes

def tls_records(data):
    """Split bytes into (type, version, payload) TLS records; the rest."""
    out, off = [], 0
    while off + 5 <= len(data):
        ln = struct.unpack(">H", data[off + 3:off + 5])[0]
        if off + 5 + ln > len(data):
            break
        out.append((data[off], struct.unpack(">H", data[off + 1:off + 3])[0],
                    data[off + 5:off + 5 + ln]))
        off += 5 + ln
    return out, data[off:]


def frame(hs_msg, record_version=TLS10, pieces=1, sizes=None):
    """Wrap a handshake message into `pieces` handshake records (or records
    of the given sizes)."""
    if sizes is None:
        n = len(hs_msg)
        step = -(-n // pieces)
        sizes = [step] * pieces
    out, off = b"", 0
    for i, sz in enumerate(sizes):
        chunk = hs_msg[off:off + sz] if i < len(sizes) - 1 else hs_msg[off:]
        off += len(chunk)
        out += struct.pack(">BHH", 22, record_version, len(chunk)) + chunk
    return out


def hello_message(hello_bytes):
    """The handshake message (type+length+body) inside framed records."""
    recs, _ = tls_records(hello_bytes)
    return b"".join(p for t, _, p in recs if t == 22)


def make_hello(minv=None, maxv=None, sni="mail.example.test",
               ciphers=None, alpn=None):
    """A real ClientHello from Python's ssl (OpenSSL) without a socket:
    ssl.MemoryBIO + do_handshake(), the bytes it wants to send. Returns
    the framed record bytes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if minv is not None and minv < TLS12 or ciphers:
        ctx.set_ciphers(ciphers or "DEFAULT@SECLEVEL=0")
    if minv is not None:
        ctx.minimum_version = _py_version(minv)
    if maxv is not None:
        ctx.maximum_version = _py_version(maxv)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outg.read()


def _py_version(v):
    return {TLS10: ssl.TLSVersion.TLSv1, TLS11: ssl.TLSVersion.TLSv1_1,
            TLS12: ssl.TLSVersion.TLSv1_2, TLS13: ssl.TLSVersion.TLSv1_3}[v]


def py_client_context(minv=None, maxv=None, verify=False):
    """An SSLContext limited to [minv, maxv]; legacy versions get
    DEFAULT@SECLEVEL=0 so OpenSSL 3 is willing to offer them."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if minv is not None and minv < TLS12:
        ctx.set_ciphers("DEFAULT@SECLEVEL=0")
    if minv is not None:
        ctx.minimum_version = _py_version(minv)
    if maxv is not None:
        ctx.maximum_version = _py_version(maxv)
    return ctx


def pad_hello(hello_bytes, extra_suites=0, padding=0, record_size=16384):
    """Rebuild a ClientHello with `extra_suites` bogus cipher suites added
    and a padding extension (RFC 7685) of `padding` bytes, framed into
    records of at most record_size bytes."""
    msg = hello_message(hello_bytes)
    body = msg[4:]
    p = 2 + 32
    sid = body[p]
    p += 1 + sid
    cl = struct.unpack(">H", body[p:p + 2])[0]
    suites = body[p + 2:p + 2 + cl]
    head = body[:p]
    p += 2 + cl
    comp_len = body[p]
    comp = body[p:p + 1 + comp_len]
    p += 1 + comp_len
    ext = b""
    if p + 2 <= len(body):
        el = struct.unpack(">H", body[p:p + 2])[0]
        ext = body[p + 2:p + 2 + el]
    # Bogus but well-formed suite values from a private-use-ish range.
    bogus = b"".join(struct.pack(">H", 0x7000 + (i % 0x0f00))
                     for i in range(extra_suites))
    suites = bogus + suites
    if padding:
        ext += struct.pack(">HH", 21, padding) + b"\x00" * padding
    if len(ext) > 0xffff or len(suites) > 0xfffe:
        raise ValueError("hello too large for its length fields")
    nbody = (head + struct.pack(">H", len(suites)) + suites + comp +
             struct.pack(">H", len(ext)) + ext)
    nmsg = b"\x01" + struct.pack(">I", len(nbody))[1:] + nbody
    sizes = []
    left = len(nmsg)
    while left > 0:
        sizes.append(min(record_size, left))
        left -= sizes[-1]
    return frame(nmsg, TLS10, sizes=sizes)


# ---------------------------------------------------------- the results

class Result:
    """What a client command did."""

    def __init__(self, argv, rc, out, err, timed_out, secs):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err
        self.timed_out, self.secs = timed_out, secs

    @property
    def text(self):
        return self.out + "\n" + self.err

    def __repr__(self):
        return "rc=%s%s out=%r" % (self.rc, " TIMEOUT" if self.timed_out
                                   else "", self.text[-300:])


class Case:
    """One scenario: checks, temp dir, process cleanup, summary."""

    def __init__(self, name=None):
        self.name = name or os.path.splitext(
            os.path.basename(sys.argv[0]))[0]
        self.passed = 0
        self.failed = 0
        self.t0 = time.monotonic()
        self.tmp = tempfile.mkdtemp(prefix="tlsready-e2e-%s-" % self.name)
        self.procs = []
        self.servers = []
        self.keep = os.environ.get("E2E_KEEP") == "1"
        self._cleaned = False
        _active_cases.append(self)
        atexit.register(self.cleanup)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, _on_signal)
        self.bin = os.environ.get("TLSREADY")
        if not self.bin:
            build = os.environ.get("TLSREADY_BUILD")
            if build and os.path.exists(os.path.join(build, "tlsready")):
                self.bin = os.path.join(build, "tlsready")
        if not self.bin or not os.access(self.bin, os.X_OK):
            print("SKIP: TLSREADY is not set to an executable (%r)" %
                  self.bin)
            self.exit(SKIP)
        print("# %s: %s (tmp %s)" % (self.name, self.bin, self.tmp))

    # -- checks, ssl-opt.sh style --
    def check(self, cond, what, detail=None):
        if cond:
            self.passed += 1
            print("ok    %s" % what)
        else:
            self.failed += 1
            print("FAIL  %s%s" % (what, "" if detail is None else
                                  "\n      -> %s" % _short(detail)))
        sys.stdout.flush()
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, "%s == %r" % (what, want),
                          "got %r" % (got,))

    def field(self, rec, path, want, what=""):
        """-s: record field `path` must equal `want`."""
        got = get(rec, path)
        return self.check(got == want, "%s%s == %r" % (
            what + ": " if what else "", path, want), "got %r" % (got,))

    def field_in(self, rec, path, wants, what=""):
        got = get(rec, path)
        return self.check(got in wants, "%s%s in %r" % (
            what + ": " if what else "", path, wants), "got %r" % (got,))

    def field_has(self, rec, path, item, what=""):
        """Record field `path` (list or string) must contain `item`."""
        got = get(rec, path)
        ok = got is not None and item in got
        return self.check(ok, "%s%s contains %r" % (
            what + ": " if what else "", path, item), "got %r" % (got,))

    def reason(self, rec, code, what="", present=True):
        codes = reason_codes(rec)
        return self.check((code in codes) == present, "%sverdict reason %s%r"
                          % (what + ": " if what else "",
                             "" if present else "not ", code),
                          "reasons %r" % (codes,))

    def out_has(self, res, s, what=""):
        """-c: the client's output must contain s."""
        text = res.text if isinstance(res, Result) else res
        return self.check(s in text, "%sclient output has %r" % (
            what + ": " if what else "", s), res)

    def out_lacks(self, res, s, what=""):
        """-C: the client's output must not contain s."""
        text = res.text if isinstance(res, Result) else res
        return self.check(s not in text, "%sclient output lacks %r" % (
            what + ": " if what else "", s), res)

    # -- tools --
    def need(self, *tools):
        for t in tools:
            if shutil.which(t) is None:
                self.skip("%s is not installed" % t)

    def skip(self, why):
        print("SKIP: %s" % why)
        self.exit(SKIP)

    def note(self, msg):
        print("# %s" % msg)
        sys.stdout.flush()

    # -- processes --
    def run(self, argv, timeout=20, input=b"", env=None, cwd=None):
        """Run a client to completion (killed at `timeout`)."""
        t = time.monotonic()
        e = dict(os.environ)
        if env:
            e.update(env)
        p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=e, cwd=cwd or self.tmp,
                             start_new_session=True)
        self.procs.append(p)
        timed_out = False
        try:
            out, err = p.communicate(input=input, timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(p)
            out, err = p.communicate()
        self.procs.remove(p)
        return Result(argv, p.returncode, out.decode("utf-8", "replace"),
                      err.decode("utf-8", "replace"), timed_out,
                      time.monotonic() - t)

    def spawn(self, argv, env=None, **kw):
        e = dict(os.environ)
        if env:
            e.update(env)
        p = subprocess.Popen(argv, env=e, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def path(self, name):
        return os.path.join(self.tmp, name)

    def server(self, listeners, **kw):
        srv = Tlsready(self, listeners, **kw)
        self.servers.append(srv)
        return srv

    def cleanup(self):
        if self._cleaned:
            return
        self._cleaned = True
        for srv in self.servers:
            srv.kill()
        for p in list(self.procs):
            _kill_group(p)
        if not self.keep and self.failed == 0:
            shutil.rmtree(self.tmp, ignore_errors=True)
        elif os.path.isdir(self.tmp):
            print("# kept %s" % self.tmp)

    def exit(self, rc):
        self.cleanup()
        sys.stdout.flush()
        os._exit(rc)

    def done(self):
        for srv in self.servers:
            if srv.proc is not None and srv.proc.poll() is None:
                srv.stop()
        secs = time.monotonic() - self.t0
        print("# %s took %.1f s" % (self.name, secs))
        print("%d passed, %d failed" % (self.passed, self.failed))
        self.exit(0 if self.failed == 0 else 1)


def _short(x):
    s = repr(x) if not isinstance(x, str) else x
    return s if len(s) < 1500 else s[:700] + " ... " + s[-700:]


def _kill_group(p):
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            p.kill()
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _on_signal(signum, frame):
    for c in _active_cases:
        print("# interrupted by signal %d" % signum)
        c.failed += 1
        c.exit(1)
    os._exit(1)


# ------------------------------------------------------------- tlsready

class Tlsready:
    """One tlsready process with its own config, records and console.

    listeners: {name: {key: value}} for [listener NAME]; "listen" is
    filled with a free 127.0.0.1 port unless given. Values True/False are
    written yes/no. Use .port(name) after start().
    """

    def __init__(self, case, listeners, globals_=None, args=(),
                 quiet=False, lang=None, tag="srv"):
        self.case = case
        self.tag = tag
        self.listeners = {}
        for name, keys in listeners.items():
            k = {"mode": "test"}
            k.update(keys)
            self.listeners[name] = k
        # The dashboard's default port is fixed: off, so that cases can
        # run in parallel. Cases may still turn it on with a free port.
        self.globals = {"dashboard": "off"}
        self.globals.update(globals_ or {})
        self.args = list(args)
        self.quiet = quiet
        self.lang = lang
        self.proc = None
        self.conns = 0
        self.stopped_rc = None
        self.dir = tempfile.mkdtemp(prefix=tag + "-", dir=case.tmp)
        self.cfg_path = os.path.join(self.dir, "tlsready.ini")
        self.records_path = os.path.join(self.dir, "records.jsonl")
        self.stdout_path = os.path.join(self.dir, "stdout.txt")
        self.stderr_path = os.path.join(self.dir, "stderr.txt")
        self.extra_records = []   # rotated files still to be validated

    def port(self, name=None):
        if name is None:
            name = next(iter(self.listeners))
        return int(self.listeners[name]["listen"].rsplit(":", 1)[1])

    def write_config(self):
        lines = ["[global]", "records = %s" % self.records_path]
        for k, v in self.globals.items():
            lines.append("%s = %s" % (k, _ini(v)))
        for name, keys in self.listeners.items():
            lines.append("")
            lines.append("[listener %s]" % name)
            for k, v in keys.items():
                lines.append("%s = %s" % (k, _ini(v)))
        with open(self.cfg_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self, timeout=10):
        for attempt in range(3):
            todo = [k for k in self.listeners.values()
                    if attempt > 0 or "listen" not in k]
            for keys, port in zip(todo, free_ports(len(todo))):
                keys["listen"] = "127.0.0.1:%d" % port
            self.write_config()
            argv = [self.case.bin, "-c", self.cfg_path, "-r",
                    self.records_path] + self.args
            if self.quiet:
                argv.append("-q")
            if self.lang:
                argv += ["--lang", self.lang]
            env = dict(os.environ)
            env.pop("NO_COLOR", None)
            self.proc = self.case.spawn(
                argv, stdin=subprocess.DEVNULL,
                stdout=open(self.stdout_path, "ab"),
                stderr=open(self.stderr_path, "ab"), env=env)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if all(listening(self.port(n)) for n in self.listeners):
                    return self
                time.sleep(0.02)
            err = self.stderr()
            if self.proc.poll() is None:
                _kill_group(self.proc)
            if "in use" not in err and "cannot listen" not in err:
                break
        self.case.check(False, "%s: tlsready starts and listens" % self.tag,
                        "rc=%s stderr=%s" % (self.proc.returncode,
                                             self.stderr()))
        self.case.exit(1)

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stdout(self):
        try:
            with open(self.stdout_path, encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def all_output_bytes(self):
        """Records (current and rotated), stdout, stderr and config-free
        directory contents, as bytes, for "never written anywhere" checks."""
        out = b""
        for name in sorted(os.listdir(self.dir)):
            if name == os.path.basename(self.cfg_path):
                continue
            with open(os.path.join(self.dir, name), "rb") as f:
                out += f.read()
        return out

    # -- records --
    def read_records(self, path=None, complete_only=False):
        """All records; a line that does not parse is returned as
        {"_bad": line, "_err": why} for the caller's checks.
        complete_only: leave out a last line that has no newline yet.
        tlsready writes whole lines in one write(), but a reader can see
        a write() to a regular file half done (Linux copies it page by
        page), so a poll must not take a half-written line for a bad
        record; the final read after the process exits keeps it."""
        path = path or self.records_path
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return []
        recs = []
        lines = data.split(b"\n")
        if lines and (lines[-1] == b"" or complete_only):
            lines.pop()
        for ln in lines:
            try:
                recs.append(json.loads(ln.decode("utf-8")))
            except (ValueError, UnicodeDecodeError) as e:
                recs.append({"_bad": ln, "_err": str(e)})
        return recs

    def wait_records(self, n, timeout=10, path=None):
        """Poll until the records file has at least n complete lines."""
        deadline = time.monotonic() + timeout
        recs = []
        while time.monotonic() < deadline:
            recs = self.read_records(path, complete_only=True)
            if len(recs) >= n:
                return recs
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.03)
        self.case.check(False, "%s: %d record(s) appear within %ss" % (
            self.tag, n, timeout), "have %d: %r" % (len(recs), recs[-2:]))
        return recs

    def wait_record(self, index=-1, count=None, timeout=10):
        """The record number `count` (1-based; default: one more than the
        connections counted before this call minus one), waiting for it."""
        n = count if count is not None else self.conns
        recs = self.wait_records(n, timeout)
        if len(recs) >= n and n > 0:
            return recs[n - 1]
        return {}

    # -- connections --
    def connect(self, name=None, timeout=10, nodelay=False):
        """A raw TCP connection to a listener (counted)."""
        s = socket.create_connection(("127.0.0.1", self.port(name)),
                                     timeout=timeout)
        if nodelay:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conns += 1
        return s

    def client(self, argv, conns=1, **kw):
        """Run a client command that makes `conns` connections."""
        self.conns += conns
        return self.case.run(argv, **kw)

    # -- stopping and the checks every instance gets --
    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20, expect_conns=True, sig=signal.SIGTERM):
        c = self.case
        if self.proc is None:
            return []
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self.proc)
            rc = "killed after %ss" % timeout
        self.stopped_rc = rc
        c.check(rc == 0, "%s: tlsready exits 0 after SIGTERM" % self.tag,
                "rc=%s stderr=%s" % (rc, self.stderr()[-1500:]))
        recs = []
        for p in self.extra_records + [self.records_path]:
            recs += self.validate_file(p)
        if expect_conns:
            c.eq(len(recs), self.conns, "%s: records written == connections "
                 "made" % self.tag)
        if not self.quiet:
            self.check_console(recs)
        return recs

    def validate_file(self, path):
        c = self.case
        recs = self.read_records(path)
        bad = [r for r in recs if "_bad" in r]
        c.check(not bad, "%s: every line of %s is JSON (%d lines)" % (
            self.tag, os.path.basename(path), len(recs)), bad[:2])
        good = [r for r in recs if "_bad" not in r]
        noschema = [r.get("id") for r in good if "schema" not in r]
        c.check(not noschema, "%s: every record has \"schema\"" % self.tag,
                noschema)
        badv = [(r.get("id"), get(r, "verdict.result")) for r in good
                if get(r, "verdict.result") not in VERDICTS]
        c.check(not badv, "%s: every verdict.result is one of %s" % (
            self.tag, "/".join(VERDICTS)), badv)
        return good

    def check_console(self, recs):
        c = self.case
        out = self.stdout()
        c.check("\x1b" not in out, "%s: console (stdout piped) has no ANSI "
                "escapes" % self.tag, out[:500])
        lines = [ln for ln in out.splitlines()
                 if re.search(r"\b(PASS|FAIL|WARN|UNKNOWN)\b", ln)]
        ok = len(lines) == len(recs)
        if ok:
            for ln, r in zip(sorted(lines, key=_console_port),
                             sorted(recs, key=_rec_port)):
                kind = str(get(r, "verdict.result", "")).upper()
                if kind not in ln:
                    ok = False
                    break
        c.check(ok, "%s: one console line per attempt naming its verdict "
                "(%d lines, %d records)" % (self.tag, len(lines), len(recs)),
                out[-1500:])

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            _kill_group(self.proc)


def _console_port(line):
    m = re.search(r"(?:\d{1,3}(?:\.\d{1,3}){3}|\])[:.](\d+)\s", line)
    return int(m.group(1)) if m else 0


def _rec_port(rec):
    return get(rec, "peer.port", 0) or 0


def _ini(v):
    if v is True:
        return "yes"
    if v is False:
        return "no"
    return str(v)


# -------------------------------------------------- plaintext mail stage

def recv_until(sock, pred, limit=65536, timeout=10):
    """Read until pred(data) is true; returns the data (may be short on
    EOF or timeout)."""
    data = b""
    deadline = time.monotonic() + timeout
    while not pred(data) and len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def _line_done(prefixes):
    def pred(data):
        for ln in data.split(b"\r\n")[:-1]:
            for p in prefixes:
                if ln.startswith(p):
                    return True
        return False
    return pred


def greet(sock, proto):
    """Read the greeting of proto ("imap", "pop3", "smtp")."""
    pre = {"imap": [b"* OK", b"* BYE", b"* PREAUTH"],
           "pop3": [b"+OK", b"-ERR"], "smtp": [b"220 ", b"421 ", b"554 "]}
    return recv_until(sock, _line_done(pre[proto]))


def command(sock, proto, line, tag=b"a"):
    """Send one command line and read its final reply."""
    if isinstance(line, str):
        line = line.encode()
    sock.sendall(line + b"\r\n")
    if proto == "imap":
        t = line.split(b" ", 1)[0]
        return recv_until(sock, _line_done([t + b" "]))
    if proto == "pop3":
        return recv_until(sock, _line_done([b"+OK", b"-ERR", b"+ "]))
    return recv_until(sock, lambda d: re.search(
        rb"(^|\r\n)\d{3} [^\r\n]*\r\n", d) is not None)


def starttls_plain(sock, proto):
    """Walk the plaintext stage up to an accepted STARTTLS. Returns the
    transcript bytes."""
    t = greet(sock, proto)
    if proto == "imap":
        t += command(sock, proto, "a CAPABILITY")
        t += command(sock, proto, "b STARTTLS")
    elif proto == "pop3":
        t += command(sock, proto, "CAPA")
        # CAPA's reply is multi-line; read to the terminating dot.
        if b"\r\n.\r\n" not in t:
            t += recv_until(sock, lambda d: d.endswith(b"\r\n.\r\n"),
                            timeout=5)
        t += command(sock, proto, "STLS")
    else:
        t += command(sock, proto, "EHLO client.example.test")
        t += command(sock, proto, "STARTTLS")
    return t


def recv_all(sock, timeout=5):
    """Read to EOF. Returns (bytes, how) where how is "eof", "reset" or
    "timeout"."""
    data = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk


def openssl_argv(port, starttls=None, version=None, extra=()):
    """openssl s_client towards 127.0.0.1:port. version: "tls1",
    "tls1_1", "tls1_2", "tls1_3" or None (default)."""
    argv = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
            "-servername", "mail.example.test"]
    if starttls:
        argv += ["-starttls", starttls]
    if version:
        argv.append("-" + version)
        if version in ("tls1", "tls1_1"):
            argv += ["-cipher", "DEFAULT@SECLEVEL=0"]
    return argv + list(extra)


def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else
                            s.encode()).decode()


class Threads:
    """Run callables in threads and collect their results/exceptions."""

    def __init__(self):
        self.threads = []
        self.results = {}

    def start(self, key, fn, *args):
        def body():
            try:
                self.results[key] = fn(*args)
            except Exception as e:  # reported by the case
                self.results[key] = e
        t = threading.Thread(target=body, daemon=True)
        t.start()
        self.threads.append(t)

    def join(self, timeout=30):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        return self.results


def shuffle_seed():
    random.seed(int(os.environ.get("E2E_SEED", "1")))


# ------------------------------------------------------- common configs

MAIL = (("imap", "imap", True), ("pop3", "pop3", True),
        ("smtp", "smtp", True), ("imaps", "imap", False),
        ("pop3s", "pop3", False), ("smtps", "smtp", False))


PLAINTEXT_ONLY = ("timeout_plaintext", "max_line", "max_commands")


def mail_listeners(finish="alert", names=None, **extra):
    """Test-mode listeners for IMAP/POP3/SMTP with STARTTLS and their
    implicit-TLS twins, keyed by name (imap, pop3, smtp, imaps, ...)."""
    out = {}
    for name, proto, starttls in MAIL:
        if names is not None and name not in names:
            continue
        keys = {"protocol": proto, "starttls": starttls, "finish": finish,
                "policy": "tls12"}
        # Plaintext-stage keys are refused on implicit-TLS listeners.
        keys.update({k: v for k, v in extra.items()
                     if starttls or k not in PLAINTEXT_ONLY})
        out[name] = keys
    return out


def record_for_port(srv, peer_port, timeout=10):
    """Wait for the record of the connection from local port peer_port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for r in srv.read_records():
            if get(r, "peer.port") == peer_port:
                return r
        time.sleep(0.03)
    srv.case.check(False, "record for peer port %d appears" % peer_port)
    return {}


VERSION_FLAGS = (("tls1", TLS10), ("tls1_1", TLS11), ("tls1_2", TLS12),
                 ("tls1_3", TLS13))


def check_version_record(case, rec, offered, what, exact=True):
    """Assert what a record says about a client limited to `offered`
    (an int, or None for a client's default range): highest version and
    the verdict under the tls12 policy."""
    hi = hello_highest(rec)
    if offered is None:
        case.check(hi is not None and hi >= TLS12, "%s: highest version "
                   ">= TLS 1.2" % what, "got %r (%r)" % (hi, rec.get(
                       "hello")))
        case.field_in(rec, "verdict.result", ("pass", "warn"), what)
        case.reason(rec, "version_below_minimum", what, present=False)
        return
    case.check(hi == offered, "%s: hello highest version is %s" % (
        what, VERSION_NAMES[offered]), "got %r; versions %r" % (
            hi, hello_versions(rec)))
    if exact:
        # Without supported_versions the parser lists every version from
        # TLS 1.0 up to client_version (probes/clienthello.h); with it,
        # exactly the extension's list.
        want = exact if isinstance(exact, list) else (
            [TLS13] if offered == TLS13 else
            [v for v in (TLS12, TLS11, TLS10) if v <= offered])
        vs = hello_versions(rec)
        case.check(vs == want, "%s: hello.versions == %s" % (
            what, [VERSION_NAMES[v] for v in want]), "got %r" % (vs,))
    if offered < TLS12:
        case.field(rec, "verdict.result", "fail", what)
        case.reason(rec, "version_below_minimum", what)
    else:
        case.field(rec, "verdict.result", "pass", what)


def hello_num_records(rec):
    for path in ("hello.num_records", "hello.records", "hello.record.count",
                 "hello.framing.records"):
        v = get(rec, path)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None


def raw_attempt(srv, name, payload, proto=None, nodelay=False, chunk=None,
                delay=0.0, read_timeout=5):
    """Connect to listener `name`; for a STARTTLS listener walk the
    plaintext stage first (proto given); then send payload (in chunks of
    `chunk` bytes with `delay` seconds between them) and read until EOF.
    Returns (peer_port, transcript, reply_bytes, how)."""
    s = srv.connect(name, nodelay=nodelay)
    port = s.getsockname()[1]
    transcript = b""
    try:
        if proto:
            transcript = starttls_plain(s, proto)
        try:
            if chunk:
                for i in range(0, len(payload), chunk):
                    s.send(payload[i:i + chunk])
                    if delay:
                        time.sleep(delay)
            else:
                s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            return port, transcript, b"", "reset-on-send"
        data, how = recv_all(s, timeout=read_timeout)
    finally:
        s.close()
    return port, transcript, data, how
