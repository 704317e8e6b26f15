#!/usr/bin/env python3
"""The language of the verdict texts: --lang, then the config's `lang`,
then the locale (LC_ALL, LC_MESSAGES, LANG; POSIX precedence), else
English (proxy/judge.c judge_lang).

Each tlsready instance gets one openssl s_client -tls1 (FAIL,
version_below_minimum) and one -tls1_2 with the same SNI (PASS; the two
form a minimum_only_on_retry story). In Japanese the console line, the
record's verdict.text, reason texts, advice titles and texts and the story
text are Japanese (the known phrases of probes/verdict.c and
proxy/console.c); in English they are English (ASCII). Either way every
record is valid JSON (checked by the harness on stop) and the raw record
bytes are UTF-8.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")

JA_BELOW = "クライアントが提示した TLS バージョンがポリシーの最低要件を下回って"
JA_PASS = "ポリシーの要件を満たしています"
EN_BELOW = "The client offers only protocol versions below the policy minimum"
EN_PASS = "meets the policy"
JA_RE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


def texts(rec):
    """Every human text a record carries, with where it is."""
    out = [("verdict.text", H.get(rec, "verdict.text"))]
    for r in H.get(rec, "verdict.reasons", []) or []:
        out.append(("reason " + str(r.get("code")), r.get("text")))
    for a in H.get(rec, "verdict.advice", []) or []:
        out.append(("advice title " + str(a.get("id")), a.get("title")))
        out.append(("advice text " + str(a.get("id")), a.get("text")))
    if H.get(rec, "story.summary.text"):
        out.append(("story text", H.get(rec, "story.summary.text")))
    return [(k, v) for k, v in out if v]


def run(tag, want, lang=None, env=None, globals_=None):
    saved = {k: os.environ.get(k) for k in LOCALE_VARS}
    for k in LOCALE_VARS:
        os.environ.pop(k, None)
    os.environ.update(env or {})
    try:
        srv = c.server({"imaps": {"protocol": "imap", "starttls": False,
                                  "finish": "alert", "policy": "tls12"}},
                       lang=lang, globals_=globals_, tag=tag).start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    port = srv.port("imaps")
    for flag in ("tls1", "tls1_2"):
        res = srv.client(H.openssl_argv(port, None, flag), timeout=15)
        c.check(not res.timed_out, "%s: s_client -%s ends" % (tag, flag),
                res)
    recs = srv.wait_records(2)
    srv.stop()
    with open(srv.records_path, "rb") as f:
        raw = f.read()
    try:
        raw.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    c.check(utf8, "%s: records are UTF-8" % tag)
    fail, ok = recs[0], recs[1]
    c.field(fail, "verdict.summary", "version_below_minimum", tag)
    c.field(ok, "verdict.result", "pass", tag)
    c.field(ok, "story.summary.code", "minimum_only_on_retry", tag)
    out = srv.stdout()
    below, passed = (JA_BELOW, JA_PASS) if want == "ja" else \
        (EN_BELOW, EN_PASS)
    c.check(below in out, "%s: console FAIL line says %r" % (tag, below),
            out[-800:])
    c.check(passed in out, "%s: console PASS line says %r" % (tag, passed),
            out[-800:])
    c.field_has(fail, "verdict.text", below, tag)
    for rec in recs:
        items = texts(rec)
        c.check(len(items) >= (1 if rec is ok else 3),
                "%s: record %s has texts" % (tag, rec.get("id")), items)
        for where, text in items:
            if want == "ja":
                c.check(JA_RE.search(text) is not None,
                        "%s: %s is Japanese" % (tag, where), text[:200])
            else:
                c.check(JA_RE.search(text) is None and all(
                    ord(ch) < 0x2100 for ch in text),
                    "%s: %s is English" % (tag, where), text[:200])
    # The same record still parses after a round trip through json.
    c.check(json.loads(json.dumps(fail)) == fail, "%s: record round-trips"
            % tag)


run("opt-ja", "ja", lang="ja", env={"LANG": "C"})
run("env-LANG-ja", "ja", env={"LANG": "ja_JP.UTF-8"})
run("env-LC_MESSAGES-ja", "ja", env={"LANG": "C",
                                     "LC_MESSAGES": "ja_JP.UTF-8"})
run("opt-en-over-env-ja", "en", lang="en", env={"LANG": "ja_JP.UTF-8"})
run("LC_ALL-C-over-LANG-ja", "en", env={"LANG": "ja_JP.UTF-8",
                                        "LC_ALL": "C"})
run("config-ja", "ja", env={"LANG": "C"}, globals_={"lang": "ja"})
run("opt-en-over-config-ja", "en", lang="en", globals_={"lang": "ja"})
run("default-C", "en", env={"LANG": "C"})
c.done()
