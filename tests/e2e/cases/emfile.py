#!/usr/bin/env python3
"""emfile.py - out of file descriptors, tlsready neither spins nor loses
connections: with RLIMIT_NOFILE at 40 and 80 clients connected at once,
the process uses (almost) no CPU while saturated, and once the clients go
away every one of the 80 connections has its record."""
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import harness as H  # noqa: E402

passed = failed = 0


def check(cond, what):
    global passed, failed
    print(("ok    " if cond else "FAIL  ") + what)
    if cond:
        passed += 1
    else:
        failed += 1


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main():
    binary = os.environ.get("TLSREADY")
    if not binary or not os.access(binary, os.X_OK):
        print("TLSREADY not set: skipped")
        return 77
    port = H.free_port()
    with tempfile.TemporaryDirectory() as tmp:
        records = os.path.join(tmp, "r.jsonl")
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write(f"""[global]
records = {records}
dashboard = off
max_connections = 1000
max_per_address = 1000

[listener imap]
protocol = imap
starttls = yes
listen = 127.0.0.1:{port}
timeout_plaintext = 3
""")

        def limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))

        p = subprocess.Popen([binary, "-c", conf, "-q"],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, preexec_fn=limit)
        try:
            end = time.time() + 10
            while not H.listening(port) and time.time() < end:
                time.sleep(0.05)
            socks = [socket.create_connection(("127.0.0.1", port), 5)
                     for _ in range(80)]
            time.sleep(1.0)
            t0 = cpu_ticks(p.pid)
            time.sleep(1.0)
            used = cpu_ticks(p.pid) - t0
            clk = os.sysconf("SC_CLK_TCK")
            check(used <= clk // 5,
                  f"saturated listener idles ({used} ticks in 1 s)")
            for s in socks:
                s.close()
            deadline = time.time() + 15
            n = 0
            while time.time() < deadline:
                with open(records) as f:
                    n = sum(1 for _ in f)
                if n >= 80:
                    break
                time.sleep(0.2)
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                err = p.communicate(timeout=20)[1].decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                p.kill()
                err = p.communicate()[1].decode("utf-8", "replace")
        check(p.returncode == 0, f"exit status 0 (got {p.returncode})")
        with open(records) as f:
            recs = [json.loads(line) for line in f]
        check(len(recs) == 80, f"80 records for 80 connections (got "
                               f"{len(recs)})")
        check("Too many open files" in err, "the EMFILE pause is logged")
        check(err.count("accept:") <= 3, "logged once per burst, not per "
                                         "wake-up")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
