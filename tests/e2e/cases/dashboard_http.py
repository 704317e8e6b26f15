#!/usr/bin/env python3
"""dashboard_http.py - the dashboard over plain HTTP: pages, API, metrics,
limits and escaping (tests/e2e/harness.py starts tlsready with
`dashboard = 127.0.0.1:PORT`).

Checks: GET / /app.js /api/records /api/attempt/ID /api/stats /metrics;
security headers (CSP script-src 'self', nosniff); the page has no inline
script; /metrics parsed strictly (every line a comment or
name{labels} value, label values escaped); an event stream delivers a
record; an oversized header is refused (400/431 or closed); POST answers
405; bad query parameters answer 400; the listener is loopback.
"""
import http.client
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness  # noqa: E402

METRIC_LINE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
    r'(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*")*)?\})?'
    r' (-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|NaN|[+-]Inf)$')


def parse_metrics(text):
    """Strict: returns (samples, errors). samples: [(name, labels, value)]."""
    samples, errors, typed = [], [], {}
    if not text.endswith("\n"):
        errors.append("no final newline")
    for ln in text.split("\n")[:-1]:
        if ln.startswith("# HELP ") or ln.startswith("# TYPE "):
            parts = ln.split(" ", 3)
            if len(parts) < 4:
                errors.append("short comment: %r" % ln)
            elif parts[1] == "TYPE":
                typed[parts[2]] = parts[3]
            continue
        if ln.startswith("#"):
            continue
        m = METRIC_LINE.match(ln)
        if not m:
            errors.append("bad line: %r" % ln)
            continue
        labels = {}
        if m.group(2):
            for k, v in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|'
                                   r'\\.)*)"', m.group(2)):
                labels[k] = v
        if m.group(1) not in typed:
            errors.append("sample before its TYPE: %r" % ln)
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples, errors


def get(port, path, method="GET", headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def main():
    case = harness.Case()
    dport = harness.free_port()
    srv = case.server({"imap": {"protocol": "imap"},
                       "imaps": {"protocol": "imap", "starttls": False}},
                      globals_={"dashboard": "127.0.0.1:%d" % dport},
                      quiet=True)
    srv.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not harness.listening(dport):
        time.sleep(0.05)
    if not case.check(harness.listening(dport), "dashboard listens on "
                      "127.0.0.1:%d" % dport, srv.stderr()):
        case.done()
    # Only loopback: nothing on the wildcard address for this port.
    with open("/proc/net/tcp") as f:
        wild = [ln for ln in f if ":%04X " % dport in ln and
                ln.split()[1].startswith("00000000:")]
    case.check(not wild, "dashboard is not bound to 0.0.0.0")

    st, h, body = get(dport, "/")
    case.eq(st, 200, "GET / status")
    csp = h.get("content-security-policy", "")
    case.check("script-src 'self'" in csp and "default-src 'self'" in csp,
               "GET /: CSP default-src/script-src 'self'", csp)
    case.eq(h.get("x-content-type-options"), "nosniff", "GET /: nosniff")
    page = body.decode("utf-8")
    case.check(re.search(r"<script(?![^>]*\bsrc=)", page) is None and
               "on" + "click=" not in page.lower(),
               "page has no inline script or handler attributes")
    st, h, js = get(dport, "/app.js")
    case.check(st == 200 and "javascript" in h.get("content-type", ""),
               "GET /app.js serves JavaScript", h)
    case.check(b"innerHTML" not in js.replace(b"never innerHTML", b"")
               and b"eval(" not in js and b"insertAdjacentHTML" not in js,
               "app.js never uses innerHTML/eval")

    # Events: subscribe, then make an attempt with hostile text.
    sse = socket.create_connection(("127.0.0.1", dport), timeout=10)
    sse.sendall(b"GET /api/events HTTP/1.1\r\nHost: x\r\n"
                b"Accept: text/event-stream\r\n\r\n")
    head = harness.recv_until(sse, lambda d: b"\r\n\r\n" in d)
    case.check(b"200" in head.split(b"\r\n")[0] and
               b"text/event-stream" in head, "GET /api/events streams",
               head[:300])
    s = srv.connect("imap")
    harness.greet(s, "imap")
    hostile = b'<script>alert(1)</script>"\\'
    s.sendall(b'a1 ID ("name" "' + hostile.replace(b"\\", b"\\\\")
              .replace(b'"', b'\\"') + b'" "version" "1")\r\n')
    harness.recv_until(s, lambda d: b"a1 " in d)
    s.sendall(b"a2 LOGOUT\r\n")
    harness.recv_all(s, 3)
    s.close()
    rec = srv.wait_record(count=1)
    ev = harness.recv_until(sse, lambda d: b"event: record" in d and
                            d.rstrip(b"\r\n").endswith(b"}") or
                            b"}\n\n" in d, timeout=5)
    m = re.search(rb"data: (\{.*\})\n\n", ev)
    case.check(m is not None, "an event-stream record arrives", ev[-300:])
    if m:
        evrec = json.loads(m.group(1))
        case.eq(evrec.get("id"), rec.get("id"), "event record id")
        case.check(b"<script>" not in m.group(1),
                   "event data carries no raw '<'")
    sse.close()

    st, h, body = get(dport, "/api/records?limit=10")
    case.check(st == 200 and "application/json" in h.get("content-type", ""),
               "GET /api/records", (st, h))
    doc = json.loads(body)
    case.check(len(doc["records"]) == 1 and
               doc["records"][0]["plaintext"]["imap_id"]["name"] ==
               hostile.decode(), "API returns the record, text intact",
               doc)
    case.check(b"<script>" not in body, "API body has no raw '<'")
    st, _, body = get(dport, "/api/records?verdict=pass")
    case.check(st == 200 and json.loads(body)["records"] == [],
               "verdict filter excludes non-matching")
    st, _, body = get(dport, "/api/records?listener=imaps")
    case.check(st == 200 and json.loads(body)["records"] == [],
               "listener filter excludes non-matching")
    st, _, body = get(dport, "/api/records?since_id=%d" % rec["id"])
    case.check(st == 200 and json.loads(body)["records"] == [],
               "since_id excludes older records")
    for bad in ("limit=abc", "limit=0", "verdict=maybe", "since_id=-1",
                "limit=99999999999999999999999"):
        st, _, _ = get(dport, "/api/records?" + bad)
        case.eq(st, 400, "/api/records?%s status" % bad)
    st, _, body = get(dport, "/api/attempt/%d" % rec["id"])
    case.check(st == 200 and json.loads(body)["id"] == rec["id"],
               "GET /api/attempt/ID")
    st, _, _ = get(dport, "/api/attempt/999999")
    case.eq(st, 404, "unknown attempt")
    st, _, _ = get(dport, "/nope")
    case.eq(st, 404, "unknown path")
    st, _, body = get(dport, "/api/stats")
    case.check(st == 200 and json.loads(body)["attempts"] >= 1,
               "GET /api/stats", body[:200])

    st, h, body = get(dport, "/metrics")
    case.check(st == 200 and h.get("content-type", "").startswith(
        "text/plain; version=0.0.4"), "GET /metrics content type", h)
    samples, errors = parse_metrics(body.decode("utf-8"))
    case.check(not errors, "metrics parse strictly", errors[:5])
    names = {n for n, _, _ in samples}
    for want in ("tlsready_attempts_total", "tlsready_open_connections",
                 "tlsready_records_written_total", "tlsready_build_info"):
        case.check(want in names, "metric %s present" % want, sorted(names))
    att = [(lb, v) for n, lb, v in samples if n == "tlsready_attempts_total"]
    case.check(any(lb.get("listener") == "imap" and
                   lb.get("verdict") == rec["verdict"]["result"] and
                   set(lb) == {"listener", "protocol", "verdict",
                               "highest_version"} for lb, v in att),
               "attempts_total labelled listener/protocol/verdict/"
               "highest_version", att)
    case.check(sum(v for _, v in att) == 1, "attempts_total sums to 1")

    # Limits and methods.
    st, h, _ = get(dport, "/", method="POST", body=b"x=1",
                   headers={"Content-Type": "application/x-www-form-"
                            "urlencoded"})
    case.eq(st, 405, "POST / status")
    case.check("GET" in h.get("allow", ""), "405 says Allow: GET, HEAD", h)
    st, _, _ = get(dport, "/api/records", method="DELETE")
    case.eq(st, 405, "DELETE status")
    st, h, body = get(dport, "/", method="HEAD")
    case.check(st == 200 and body == b"", "HEAD / has no body")
    big = socket.create_connection(("127.0.0.1", dport), timeout=10)
    try:
        big.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " +
                    b"a" * 65536 + b"\r\n\r\n")
    except OSError:
        pass
    resp, _how = harness.recv_all(big, 5)
    big.close()
    first = resp.split(b"\r\n", 1)[0]
    case.check(resp == b"" or b" 400 " in first or b" 431 " in first or
               b" 413 " in first, "oversized header refused (400/431/close)",
               first)
    st, _, _ = get(dport, "/")
    case.eq(st, 200, "dashboard still answers after the oversized header")
    srv.stop()
    case.done()


if __name__ == "__main__":
    main()
