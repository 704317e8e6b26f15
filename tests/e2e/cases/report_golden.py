#!/usr/bin/env python3
"""report_golden.py - `tlsready report` against golden outputs, byte for byte.

Inputs are tests/report/records.jsonl (good, bad and hostile lines) and
tests/report/records.jsonl.1.gz (a rotated, gzip'd file holding a fallback
story and a line longer than 1 MiB); tests/report/make_records.py made
them. Each case runs the binary in tests/report (so file names in the
output are relative) and compares stdout and stderr with
tests/report/golden/NAME.{out,err}. Nothing is normalised: the report
reads no clock and sorts everything.

REPORT_GOLDEN_UPDATE=1 rewrites the golden files instead (review the diff).
Besides the byte comparison, a few properties are checked directly:
no raw markup from records in the HTML, CSV formula cells defused, the JSON
parses, bad lines are named, and --policy re-judges from raw_hex.
"""
import csv
import io
import json
import os
import subprocess
import sys

SRC = os.environ.get("TLSREADY_SRC") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
BIN = os.environ.get("TLSREADY")
DIR = os.path.join(SRC, "tests", "report")
GOLD = os.path.join(DIR, "golden")
UPDATE = os.environ.get("REPORT_GOLDEN_UPDATE") == "1"
FILES = ["records.jsonl.1.gz", "records.jsonl"]

CASES = [
    ("text", ["--lang", "en"]),
    ("text-ja", ["--lang", "ja"]),
    ("json", ["--format", "json", "--lang", "en"]),
    ("csv", ["--format", "csv", "--lang", "en"]),
    ("html", ["--format", "html", "--lang", "en", "--now",
              "2026-11-27T00:00:00Z"]),
    ("policy-tls13", ["--policy", "tls13", "--lang", "en"]),
    ("policy-legacy-json", ["--policy", "legacy-ok", "-c", "policy.ini",
                            "--format", "json",
                           "--lang", "en"]),
    ("filter-since", ["--since", "2026-11-26", "--lang", "en"]),
    ("filter-until-peer", ["--until", "2026-11-25", "--peer", "192.0.2.20",
                           "--lang", "en"]),
]

passed = failed = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok    %s" % what)
    else:
        failed += 1
        print("FAIL  %s%s" % (what, ("\n      -> " + detail[:1500])
                                    if detail else ""))


def run(args):
    p = subprocess.run([BIN, "report"] + args, cwd=DIR, capture_output=True,
                       timeout=60, env=dict(os.environ, LANG="C",
                                            LC_ALL="C"))
    return p.returncode, p.stdout, p.stderr


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "at byte %d: got %r, want %r" % (i, a[i:i + 80],
                                                    b[i:i + 80])
    return "lengths %d vs %d" % (len(a), len(b))


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        print("SKIP: TLSREADY is not set")
        return 77
    rc, out, err = run(["--help"])
    check(rc == 0 and b"report" in out, "report --help works (main.c "
          "dispatches 'report')", (out + err).decode("utf-8", "replace"))
    outputs = {}
    for name, args in CASES:
        rc, out, err = run(args + FILES)
        outputs[name] = out
        check(rc == 0, "%s: exit 0" % name, err.decode("utf-8", "replace"))
        for ext, data in (("out", out), ("err", err)):
            path = os.path.join(GOLD, "%s.%s" % (name, ext))
            if UPDATE:
                os.makedirs(GOLD, exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
                continue
            try:
                with open(path, "rb") as f:
                    want = f.read()
            except OSError:
                want = None
            check(want == data, "%s: %s matches golden/%s.%s" % (
                name, "stdout" if ext == "out" else "stderr", name, ext),
                "missing golden file" if want is None else
                first_diff(data, want))

    # Properties, independent of the golden files.
    html = outputs["html"].decode("utf-8")
    check("<script" not in html.lower(), "html: no <script anywhere")
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in html,
          "html: hostile SNI/IMAP ID shown as escaped text")
    check("script-src" not in html and "default-src 'none'" in html,
          "html: CSP meta forbids scripts (default-src 'none')")
    check("http://" not in html.replace("http://www.w3.org/2000/svg", ""),
          "html: no network references")
    check(html.count("<svg") == 3, "html: three inline SVG charts")
    check("\x1b" not in html and "\x00" not in html and
          "\u202e" not in html, "html: no control or bidi characters")
    rows = list(csv.reader(io.StringIO(outputs["csv"].decode("utf-8"),
                                       newline="")))
    check(len(rows) == 8 and all(len(r) == len(rows[0]) for r in rows),
          "csv: header + 7 clients, equal columns", repr(rows[:2]))
    check(outputs["csv"].count(b"\r\n") == len(rows), "csv: CRLF records")
    cells = [c for r in rows[1:] for c in r]
    check(not any(c[:1] in ("=", "+", "-", "@") for c in cells),
          "csv: no cell starts with = + - @", repr([c for c in cells
                                                    if c[:1] in "=+-@"]))
    check(any(c.startswith("'=cmd") for c in cells),
          "csv: formula EHLO defused with a leading quote")
    check("\x1b" not in outputs["csv"].decode("utf-8"),
          "csv: escape bytes made visible")
    for name in ("json", "policy-legacy-json"):
        try:
            doc = json.loads(outputs[name])
        except ValueError as e:
            doc = None
            check(False, "%s: output parses as JSON" % name, str(e))
        if doc is not None:
            check(doc["report"]["records"] == 9 and
                  doc["report"]["num_bad_lines"] == 7,
                  "%s: 9 records, 7 bad lines" % name)
    doc = json.loads(outputs["json"])
    errs = sorted((b["file"], b["line"], b["error"])
                  for b in doc["report"]["bad_lines"])
    check(errs == sorted([
        ("records.jsonl.1.gz", 4, "line_too_long"),
        ("records.jsonl", 3, "not_json"), ("records.jsonl", 4, "not_object"),
        ("records.jsonl", 5, "wrong_schema"),
        ("records.jsonl", 6, "wrong_schema"),
        ("records.jsonl", 8, "not_json"), ("records.jsonl", 10, "not_json")]),
        "json: every bad line named with file, line and why", repr(errs))
    story = [c for c in doc["clients"] if c.get("story") == 7]
    check(len(story) == 1 and story[0]["num_attempts"] == 3 and
          story[0]["versions_tried"] == ["TLS 1.2", "TLS 1.1", "TLS 1.0"] and
          story[0]["fallback_without_scsv"] is True and
          story[0]["verdict"] == "warn",
          "json: the fallback story is one client, WARN (no SCSV)",
          repr(story))
    pol = json.loads(outputs["policy-legacy-json"])
    check(pol["report"]["policy"] == "legacy-ok" and
          pol["report"]["not_rejudged"] == 0 and
          all(a.get("rejudged") for c in pol["clients"]
              for a in c["attempts"] if a["highest_version"]),
          "--policy legacy-ok: every record with a hello was re-judged")
    old = {c["peer"]: c["verdict"] for c in doc["clients"]}
    new = {c["peer"]: c["verdict"] for c in pol["clients"]}
    check(old["2001:db8::30"] == "fail" and new["2001:db8::30"] != "fail",
          "--policy legacy-ok: the TLS 1.1 client no longer fails",
          repr((old, new)))
    rc, out, err = run(["--policy", "no-such-policy"] + FILES)
    check(rc == 2 and b"no-such-policy" in err, "unknown policy: exit 2")
    rc, out, err = run(["--since", "not-a-date"] + FILES)
    check(rc == 2, "bad --since: exit 2")
    rc, out, err = run(["no-such-file.jsonl"])
    check(rc == 1 and b"no-such-file.jsonl" in err,
          "missing file: exit 1 and named")
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
