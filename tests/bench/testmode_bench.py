#!/usr/bin/env python3
"""Test-mode benchmark: attempts per second, side by side, in one run.

For each path (implicit TLS: connect, hello, alert, record, close; and the
IMAP STARTTLS path: greeting, STARTTLS, hello, alert, record, close) it runs
the same closed-loop load (bench_hellogen: N connections, each starting a new
attempt as soon as the last one ends) against

  * bench_trivial_server - reads the hello and closes: the machine's limit;
  * tlsready             - the real thing, writing a record per attempt;

alternating them for several rounds and taking the median, because a 2-core
VM is noisy. It reports attempts/s, p50/p99 latency, server CPU (user+sys
from /proc/PID/stat) per attempt, the ratio tlsready/trivial, and checks
that tlsready wrote exactly one record per connection it accepted.

    python3 tests/bench/testmode_bench.py --build build [--seconds 5] [--rounds 3]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def wait_port(port, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} never opened")


def load(build, port, hello, path, conns, seconds):
    out = subprocess.run(
        [os.path.join(build, "tests", "bench_hellogen"), str(port), hello,
         path, str(conns), str(seconds)],
        check=True, capture_output=True, text=True, timeout=seconds + 30)
    return json.loads(out.stdout)


def run_trivial(build, path, hello, conns, seconds):
    port = free_port()
    p = subprocess.Popen([os.path.join(build, "tests", "bench_trivial_server"),
                          str(port), path], stdout=subprocess.PIPE)
    try:
        p.stdout.readline()
        wait_port(port)
        c0 = cpu_seconds(p.pid)
        r = load(build, port, hello, path, conns, seconds)
        r["cpu_s"] = cpu_seconds(p.pid) - c0
        return r
    finally:
        p.kill()
        p.wait()


def run_tlsready(build, path, hello, conns, seconds, tmp):
    port = free_port()
    records = os.path.join(tmp, f"records-{path}-{port}.jsonl")
    conf = os.path.join(tmp, f"bench-{port}.conf")
    with open(conf, "w") as f:
        f.write(f"""[global]
records = {records}
dashboard = off
console = off
max_connections = 4096
max_per_address = 4096
story_window = 0

[listener bench]
mode = test
protocol = {'imap' if path == 'imap' else 'tls'}
listen = 127.0.0.1:{port}
""" + ("starttls = yes\n" if path == "imap" else ""))
    p = subprocess.Popen([os.path.join(build, "tlsready"), "-c", conf, "-q"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_port(port)
        # the probe connection above made one record too
        c0 = cpu_seconds(p.pid)
        r = load(build, port, hello, path, conns, seconds)
        r["cpu_s"] = cpu_seconds(p.pid) - c0
    finally:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    with open(records) as f:
        n = 0
        for line in f:
            json.loads(line)
            n += 1
    # records = attempts completed + attempts cut at the end of the run
    # (client_closed) + the readiness probe; never fewer than completed.
    r["records"] = n
    r["records_ok"] = n >= r["attempts"] + 1
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--hello", default=None,
                    help="raw ClientHello record file (default: a 512-byte "
                         "curl hello from tests/vectors)")
    a = ap.parse_args()
    src = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    hello = a.hello or os.path.join(src, "tests", "vectors", "clienthello",
                                    "curl.bin")
    build = os.path.abspath(a.build)
    rows = []
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for path in ("tls", "imap"):
            triv, ours = [], []
            for _ in range(a.rounds):
                triv.append(run_trivial(build, path, hello, a.conns,
                                        a.seconds))
                ours.append(run_tlsready(build, path, hello, a.conns,
                                         a.seconds, tmp))
            ok = ok and all(r["records_ok"] for r in ours)
            for name, rs in (("trivial", triv), ("tlsready", ours)):
                rate = statistics.median(r["rate"] for r in rs)
                rows.append({
                    "path": path, "server": name, "rate": rate,
                    "p50_us": statistics.median(r["p50_us"] for r in rs),
                    "p99_us": statistics.median(r["p99_us"] for r in rs),
                    "cpu_us_per_attempt": statistics.median(
                        1e6 * r["cpu_s"] / max(r["attempts"], 1) for r in rs),
                    "errors": sum(r["errors"] for r in rs),
                })
    print(f"{'path':6} {'server':9} {'attempts/s':>11} {'ratio':>6} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'CPU us/att':>10}")
    base = {}
    for r in rows:
        if r["server"] == "trivial":
            base[r["path"]] = r["rate"]
        ratio = r["rate"] / base[r["path"]]
        r["ratio"] = ratio
        print(f"{r['path']:6} {r['server']:9} {r['rate']:11.0f} {ratio:6.2f} "
              f"{r['p50_us'] / 1000:7.2f} {r['p99_us'] / 1000:7.2f} "
              f"{r['cpu_us_per_attempt']:10.1f}")
    print("records: one per connection" if ok else
          "records: MISSING records")
    print(json.dumps(rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
