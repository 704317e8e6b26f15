#!/usr/bin/env python3
"""Retries from one client are linked into one story (probes/story.c).

A client refused at TLS 1.2 that retries at TLS 1.1 and 1.0 is played by
three openssl s_client runs from 127.0.0.1 to the same listener with the
same SNI, one after the other. The records must carry one story.id, seq
1, 2, 3, and a summary whose versions are ["TLS 1.2", "TLS 1.1",
"TLS 1.0"], scsv all false, code fallback_without_scsv (WARN), and whose
attempt_ids are the three records' ids. With -fallback_scsv on the
retries (RFC 7507) the code is fallback_with_scsv (PASS) and scsv is
[false, true, true]. Only-old retries give tls12_never_offered (FAIL), a
first attempt below TLS 1.2 followed by TLS 1.2 gives
minimum_only_on_retry (WARN). A different SNI or another listener starts a
new story, and so does a retry after the window (story_window = 1, then
2.2 s of sleep). Under policy tls13 the story's minimum is TLS 1.3.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")

IMAPS = {"protocol": "imap", "starttls": False, "finish": "alert",
         "policy": "tls12"}
srv = c.server({"imaps": dict(IMAPS), "imaps2": dict(IMAPS)}).start()


def attempt(s, name, flag, sni, scsv=False):
    argv = H.openssl_argv(s.port(name), None, flag)
    argv[argv.index("-servername") + 1] = sni
    if scsv:
        argv.append("-fallback_scsv")
    res = s.client(argv, timeout=15)
    c.check(not res.timed_out, "s_client -%s %s ends" % (flag, sni), res)
    return s.wait_record()


def sequence(s, name, flags, sni, scsv_retries=False):
    return [attempt(s, name, f, sni, scsv_retries and i > 0)
            for i, f in enumerate(flags)]


def check_story(recs, versions, scsv, code, verdict, what):
    ids = [H.get(r, "story.id") for r in recs]
    c.check(ids[0] is not None and all(i == ids[0] for i in ids),
            "%s: one story.id for all %d attempts" % (what, len(recs)), ids)
    c.eq([H.get(r, "story.seq") for r in recs],
         list(range(1, len(recs) + 1)), "%s: story.seq" % what)
    last = recs[-1]
    c.field(last, "story.summary.story_id", ids[0], what)
    c.field(last, "story.summary.versions", versions, what)
    c.field(last, "story.summary.scsv", scsv, what)
    c.field(last, "story.summary.code", code, what)
    c.field(last, "story.summary.verdict", verdict, what)
    c.field(last, "story.summary.attempts", len(recs), what)
    c.field(last, "story.summary.peer", "127.0.0.1", what)
    c.field(last, "story.summary.listener", last.get("listener"), what)
    c.field(last, "story.summary.attempt_ids", [r.get("id") for r in recs],
            what)
    c.check(bool(H.get(last, "story.summary.text")),
            "%s: story text is set" % what, last.get("story"))
    return ids[0]


# 1. Fallback without the SCSV: 1.2 refused, then 1.1, then 1.0.
recs = sequence(srv, "imaps", ("tls1_2", "tls1_1", "tls1"),
                "mail.example.test")
s1 = check_story(recs, ["TLS 1.2", "TLS 1.1", "TLS 1.0"],
                 [False, False, False], "fallback_without_scsv", "warn",
                 "fallback")
c.eq([H.get(r, "verdict.result") for r in recs], ["pass", "fail", "fail"],
     "fallback: per-attempt verdicts")

# 2. Another SNI from the same peer: a story of its own.
other = attempt(srv, "imaps", "tls1", "other.example.test")
c.check(H.get(other, "story.id") not in (None, s1),
        "another SNI: a new story", other.get("story"))
c.field(other, "story.seq", 1, "another SNI")
c.field(other, "story.summary.code", "tls12_never_offered", "another SNI")

# 3. The same client again on another listener, retries with the SCSV.
recs = sequence(srv, "imaps2", ("tls1_2", "tls1_1", "tls1"),
                "mail.example.test", scsv_retries=True)
s3 = check_story(recs, ["TLS 1.2", "TLS 1.1", "TLS 1.0"],
                 [False, True, True], "fallback_with_scsv", "pass",
                 "fallback with SCSV")
c.check(s3 not in (s1, H.get(other, "story.id")),
        "another listener: a new story", s3)
for r in recs[1:]:
    c.field(r, "hello.flags.fallback_scsv", True, "SCSV retry")
    c.reason(r, "fallback_scsv_seen", "SCSV retry")

# 4. Only old versions, however often: tls12_never_offered.
recs = sequence(srv, "imaps", ("tls1_1", "tls1"), "never.example.test")
check_story(recs, ["TLS 1.1", "TLS 1.0"], [False, False],
            "tls12_never_offered", "fail", "never 1.2")

# 5. TLS 1.0 first, TLS 1.2 only on the retry.
recs = sequence(srv, "imaps", ("tls1", "tls1_2"), "retry.example.test")
check_story(recs, ["TLS 1.0", "TLS 1.2"], [False, False],
            "minimum_only_on_retry", "warn", "1.2 on retry")
srv.stop()

# 6. story_window = 1: a retry within it links, one after it does not.
short = c.server({"imaps": dict(IMAPS)}, globals_={"story_window": 1},
                 tag="short").start()
a = attempt(short, "imaps", "tls1_2", "mail.example.test")
b = attempt(short, "imaps", "tls1_1", "mail.example.test")
c.eq(H.get(b, "story.id"), H.get(a, "story.id"),
     "window 1 s: an immediate retry joins the story")
c.field(b, "story.seq", 2, "window 1 s")
time.sleep(2.2)
d = attempt(short, "imaps", "tls1", "mail.example.test")
c.check(H.get(d, "story.id") not in (None, H.get(a, "story.id")),
        "window 1 s: a retry 2.2 s later starts a new story",
        d.get("story"))
c.field(d, "story.seq", 1, "window 1 s, after the window")
c.field(d, "story.summary.versions", ["TLS 1.0"], "window 1 s")
short.stop()

# 7. The story's minimum is the listener policy's: under tls13, TLS 1.3
#    then TLS 1.2 is a fallback, TLS 1.2 alone never reaches the minimum,
#    and no text claims that TLS 1.2 was the requirement.
t13 = c.server({"imaps": dict(IMAPS, policy="tls13")}, tag="tls13").start()
recs = sequence(t13, "imaps", ("tls1_3", "tls1_2"), "mail.example.test")
check_story(recs, ["TLS 1.3", "TLS 1.2"], [False, False],
            "fallback_without_scsv", "warn", "tls13 fallback")
recs = sequence(t13, "imaps", ("tls1_2", "tls1_2"), "old.example.test")
check_story(recs, ["TLS 1.2", "TLS 1.2"], [False, False],
            "tls12_never_offered", "fail", "tls13 never reached")
for r in t13.read_records():
    c.check("TLS 1.2" not in (H.get(r, "story.summary.text") or ""),
            "tls13 story text does not name TLS 1.2 as the minimum",
            H.get(r, "story.summary.text"))
t13.stop()

# 8. story_window = 0: no story at all.
off = c.server({"imaps": dict(IMAPS)}, globals_={"story_window": 0},
               tag="off").start()
e = attempt(off, "imaps", "tls1_2", "mail.example.test")
c.check("story" not in e, "story_window 0: no story member", e.get("story"))
off.stop()
c.done()
