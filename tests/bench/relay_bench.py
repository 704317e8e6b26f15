#!/usr/bin/env python3
"""relay_bench.py - tlsready's relay side by side with nginx (stream +
ssl_preread) and HAProxy (tcp mode, req.ssl_ver) in front of the same
upstream, and the upstream alone (doc/benchmarks.md).

It installs nothing: nginx (with /usr/lib/nginx/modules/
ngx_stream_module.so), haproxy, a C compiler and tlsready must be there
(`make bench` installs the packages). A missing proxy is left out of the
table. Everything listens on 127.0.0.1 only.

Measured for each target, with tests/bench/loadgen.c (C, epoll):
  conn   connections per second, each sending a real ClientHello and
         reading a 7-byte answer (the upstream's protocol_version alert),
         CONC at a time; p50/p99 latency; proxy CPU (user+sys from
         /proc/PID/stat) per connection
  tput   1 and 32 streams, bytes flowing both ways at once; MB/s each
         way; proxy CPU per GB moved
  idle   memory per idle relayed connection: VmRSS growth over IDLE
         connections that each sent a hello and got an answer
The machine is shared and noisy: conn and tput run ROUNDS times, the
targets alternating within each round, and the table shows the median
with [min-max]; ratios are of medians. The load generator's own CPU per
connection is shown too (it shares the cores with the proxy).
Usage: relay_bench.py [--seconds S] [--conc N] [--idle N] [--rounds R]
                      [--quick] [--tlsready PATH] [--markdown FILE]
"""
import argparse
import os
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
TICK = os.sysconf("SC_CLK_TCK")
NGX_STREAM = "/usr/lib/nginx/modules/ngx_stream_module.so"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def listening(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            s.close()
            return True
        except OSError:
            time.sleep(0.05)
        finally:
            s.close()
    return False


def cpu_s(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def client_hello():
    """A real TLS 1.2/1.3 ClientHello from Python's OpenSSL (no socket)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="mail.example.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="relay-bench-")
        self.procs = []
        self.targets = []    # (name, pid_fn, {kind: port})
        self.results = {}    # name -> key -> [value per round]

    def spawn(self, argv, env=None, **kw):
        e = dict(os.environ)
        if env:
            e.update(env)
        p = subprocess.Popen(argv, env=e, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    # -- setup --
    def build_loadgen(self):
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if cc is None:
            sys.exit("no C compiler")
        self.lg = self.path("loadgen")
        subprocess.check_call([cc, "-O2", "-Wall", "-o", self.lg,
                               os.path.join(HERE, "loadgen.c")])
        with open(self.path("hello.bin"), "wb") as f:
            f.write(client_hello())

    def upstreams(self):
        self.up = {}
        for mode in ("close", "hold", "stream"):
            port = free_port()
            self.spawn([self.lg, "server", str(port), mode])
            if not listening(port):
                sys.exit("upstream %s did not start" % mode)
            self.up[mode] = port
        self.targets.append(("upstream", None, dict(self.up)))

    def start_nginx(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.access(nginx, os.X_OK):
            print("# nginx not installed: left out")
            return
        ports = {k: free_port() for k in self.up}
        servers = "".join(
            "  server {\n    listen 127.0.0.1:%d;\n    ssl_preread on;\n"
            "    proxy_pass 127.0.0.1:%d;\n    proxy_timeout 600s;\n  }\n"
            % (ports[k], self.up[k]) for k in self.up)
        load = "load_module %s;\n" % NGX_STREAM if os.path.exists(
            NGX_STREAM) else ""
        conf = self.path("nginx.conf")
        with open(conf, "w") as f:
            f.write("""%sworker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid %s;
error_log %s warn;
events { worker_connections 19000; }
stream {
  log_format tls '$remote_addr $ssl_preread_protocol';
  access_log %s tls;
%s}
""" % (load, self.path("nginx.pid"), self.path("nginx-error.log"),
                self.path("nginx-access.log"), servers))
        p = self.spawn([nginx, "-c", conf, "-p", self.tmp],
                       stderr=open(self.path("nginx.stderr"), "wb"))
        if not all(listening(ports[k]) for k in ports):
            print("# nginx did not start: %s" % open(
                self.path("nginx.stderr")).read()[-300:])
            return

        def worker():
            kids = children(p.pid)
            return kids[0] if kids else p.pid
        self.targets.append(("nginx", worker, ports))

    def start_haproxy(self):
        hap = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not os.access(hap, os.X_OK):
            print("# haproxy not installed: left out")
            return
        ports = {k: free_port() for k in self.up}
        fe = ""
        for k in self.up:
            fe += """frontend f_%s
  bind 127.0.0.1:%d
  tcp-request inspect-delay 5s
  tcp-request content capture req.ssl_ver len 8
  tcp-request content accept if { req.ssl_hello_type 1 }
  default_backend b_%s
backend b_%s
  server s1 127.0.0.1:%d
""" % (k, ports[k], k, k, self.up[k])
        conf = self.path("haproxy.cfg")
        with open(conf, "w") as f:
            f.write("""global
  nbthread 1
  maxconn 9000
  log stdout format raw local0
defaults
  mode tcp
  log global
  log-format "%%ci:%%cp %%[capture.req.hdr(0)]"
  timeout connect 5s
  timeout client 600s
  timeout server 600s
%s""" % fe)
        p = self.spawn([hap, "-f", conf, "-db"],
                       stdout=open(self.path("haproxy.log"), "wb"),
                       stderr=subprocess.STDOUT)
        if not all(listening(ports[k]) for k in ports):
            print("# haproxy did not start: %s" % open(
                self.path("haproxy.log")).read()[-300:])
            return
        self.targets.append(("haproxy", lambda: p.pid, ports))

    def start_tlsready(self, name, splice):
        binary = self.args.tlsready
        if not binary or not os.access(binary, os.X_OK):
            print("# tlsready binary not found (--tlsready): left out")
            return
        ports = {k: free_port() for k in self.up}
        conf = self.path("%s.ini" % name)
        with open(conf, "w") as f:
            f.write("[global]\nrecords = %s\nmax_connections = 19000\n"
                    "max_per_address = 19000\ndashboard = off\n"
                    % self.path("%s.jsonl" % name))
            for k in self.up:
                f.write("\n[listener %s]\nmode = relay\nprotocol = tls\n"
                        "listen = 127.0.0.1:%d\nupstream = 127.0.0.1:%d\n"
                        "timeout_idle = 600\n" % (k, ports[k], self.up[k]))
        p = self.spawn([binary, "-c", conf, "-q"],
                       env={"TLSREADY_SPLICE": "1" if splice else "0"},
                       stdout=open(self.path("%s.out" % name), "wb"),
                       stderr=subprocess.STDOUT)
        if not all(listening(ports[k]) for k in ports):
            print("# %s did not start: %s" % (name, open(
                self.path("%s.out" % name)).read()[-300:]))
            return
        self.targets.append((name, lambda: p.pid, ports))

    # -- measurements --
    def loadgen(self, *argv, timeout=600):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run([self.lg] + [str(a) for a in argv],
                             capture_output=True, text=True,
                             timeout=timeout).stdout
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        kv = {"lg_cpu_s": (r1.ru_utime - r0.ru_utime) +
              (r1.ru_stime - r0.ru_stime)}
        for tok in out.split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                kv[k] = float(v)
        return kv

    def note(self, name, key, value):
        if value is None:
            return
        self.results.setdefault(name, {}).setdefault(key, []).append(value)

    def measure_round(self, name, pid_fn, ports):
        a = self.args
        res = {}
        pid = pid_fn() if pid_fn else None
        # conn
        c0 = cpu_s(pid) if pid else 0
        kv = self.loadgen("conn", ports["close"], a.conc, a.seconds,
                          self.path("hello.bin"))
        c1 = cpu_s(pid) if pid else 0
        res["rate"] = kv.get("rate", 0)
        res["p50"] = kv.get("p50_us", 0)
        res["p99"] = kv.get("p99_us", 0)
        res["failed"] = kv.get("failed", 0)
        res["cpu_us_conn"] = ((c1 - c0) * 1e6 / kv["conns"]
                              if pid and kv.get("conns") else None)
        res["lg_us_conn"] = (kv["lg_cpu_s"] * 1e6 / kv["conns"]
                             if kv.get("conns") else None)
        time.sleep(1)
        # throughput
        for streams in (1, 32):
            c0 = cpu_s(pid) if pid else 0
            kv = self.loadgen("tput", ports["stream"], streams, a.seconds)
            c1 = cpu_s(pid) if pid else 0
            up, down = kv.get("up_MBps", 0), kv.get("down_MBps", 0)
            res["up%d" % streams] = up
            res["down%d" % streams] = down
            gb = (up + down) * kv.get("secs", a.seconds) / 1000.0
            res["cpu_s_gb%d" % streams] = (c1 - c0) / gb if pid and gb else \
                None
            time.sleep(1)
        for k, v in res.items():
            self.note(name, k, v)
        self.report(name, res)

    def report(self, name, res):
        if not res:
            return
        print("# %s: %s" % (name, " ".join(
            "%s=%s" % (k, ("%.2f" % v) if isinstance(v, float) else v)
            for k, v in res.items())))
        sys.stdout.flush()

    def measure_idle(self, name, pid_fn, ports):
        a = self.args
        res = {}
        pid = pid_fn() if pid_fn else None
        if pid and a.idle > 0:
            before = rss_kib(pid)
            p = subprocess.Popen([self.lg, "idle", str(ports["hold"]),
                                  str(a.idle), self.path("hello.bin")],
                                 stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            line = p.stdout.readline()
            ready = int(line.split()[1]) if line.startswith("ready") else 0
            time.sleep(1)
            after = rss_kib(pid)
            p.stdin.close()
            p.wait(timeout=60)
            res["idle_ready"] = ready
            res["kib_idle"] = (after - before) / ready if ready else None
            time.sleep(2)   # let the proxy close them
        for k, v in res.items():
            self.note(name, k, v)
        self.report(name, res)

    def table(self):
        names = [t[0] for t in self.targets]
        refs = [n for n in ("nginx", "haproxy") if n in self.results]

        def med(name, key):
            vals = self.results.get(name, {}).get(key)
            return statistics.median(vals) if vals else None

        def best(key, lower=False):
            vals = [med(n, key) for n in refs if med(n, key)]
            if not vals:
                return None
            return min(vals) if lower else max(vals)

        rows = [("conns/s", "rate", False, "%.0f"),
                ("p50 latency us", "p50", True, "%.0f"),
                ("p99 latency us", "p99", True, "%.0f"),
                ("CPU us/conn", "cpu_us_conn", True, "%.1f"),
                ("loadgen CPU us/conn", "lg_us_conn", None, "%.1f"),
                ("1 stream up MB/s", "up1", False, "%.0f"),
                ("1 stream down MB/s", "down1", False, "%.0f"),
                ("CPU s/GB (1 stream)", "cpu_s_gb1", True, "%.2f"),
                ("32 streams up MB/s", "up32", False, "%.0f"),
                ("32 streams down MB/s", "down32", False, "%.0f"),
                ("CPU s/GB (32 streams)", "cpu_s_gb32", True, "%.2f"),
                ("KiB per idle conn", "kib_idle", True, "%.2f")]
        hdr = ["metric"] + names + ["tlsready / best(nginx, haproxy)"]
        lines = ["| " + " | ".join(hdr) + " |",
                 "|" + "---|" * len(hdr)]
        for label, key, lower, fmt in rows:
            cells = [label]
            for n in names:
                vals = self.results.get(n, {}).get(key)
                if not vals:
                    cells.append("-")
                elif len(vals) == 1:
                    cells.append(fmt % vals[0])
                else:
                    cells.append((fmt + " [" + fmt + "-" + fmt + "]") % (
                        statistics.median(vals), min(vals), max(vals)))
            b = best(key, bool(lower))
            t = med("tlsready", key)
            if lower is None:
                cells.append("-")
            elif b and t:
                ratio = (b / t) if lower else (t / b)
                cells.append("%.2fx%s" % (ratio, " (lower is better, "
                                          "shown as best/tlsready)" if lower
                                          else ""))
            else:
                cells.append("-")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--conc", type=int, default=32)
    ap.add_argument("--idle", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3,
                    help="conn/tput rounds, targets alternating (medians)")
    ap.add_argument("--quick", action="store_true",
                    help="2 s per test, 1000 idle connections, 1 round")
    ap.add_argument("--tlsready", default=os.environ.get("TLSREADY"))
    ap.add_argument("--markdown", help="also write the table here")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--no-nosplice", action="store_true",
                    help="skip the tlsready run without splice(2)")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.idle, args.rounds = 2.0, 1000, 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.idle * 2 + 100 > hard:
        args.idle = max(0, (hard - 100) // 2)
    b = Bench(args)
    try:
        b.build_loadgen()
        b.upstreams()
        b.start_nginx()
        b.start_haproxy()
        b.start_tlsready("tlsready", True)
        if not args.no_nosplice:
            b.start_tlsready("tlsready-nosplice", False)
        print("# %d cores; %s s per test; %d at a time; %d idle; %d rounds"
              % (os.cpu_count(), args.seconds, args.conc, args.idle,
                 args.rounds))
        for rnd in range(max(1, args.rounds)):
            print("# round %d" % (rnd + 1))
            k = rnd % len(b.targets)   # rotate: no target always first
            for name, pid_fn, ports in b.targets[k:] + b.targets[:k]:
                b.measure_round(name, pid_fn, ports)
        for name, pid_fn, ports in b.targets:
            b.measure_idle(name, pid_fn, ports)
        t = b.table()
        print(t)
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write(t + "\n")
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
