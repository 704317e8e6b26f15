#!/usr/bin/env python3
"""`tlsready decode --policy`: a captured hello judged afterwards under
one or several policies (issue 4), the same way a record is judged.

Hellos come from Python's ssl without a socket (H.make_hello): TLS 1.0
only, TLS 1.2 only, TLS 1.2 with only AES-CBC-SHA suites, TLS 1.3 only.
Checked: one --policy adds the record's "verdict" object; several give
"verdicts" keyed by policy in the order given; the rest of the object is
unchanged, and without --policy there is no verdict at all; pass/fail and
the summary code per policy; -c brings user [policy] sections and
fingerprint files; --lang ja; --text prints verdict, reasons, client and
advice; an unknown policy, a bad --lang, and -c/--lang without --policy
exit 2 with a clear message; a FAIL verdict does not change the exit
status. A live record and `decode --hex <its raw_hex> --policy <its
listener's policy>` carry the same verdict object. With SHARED_CORPUS,
every hello in a capture (--pcap) gets a verdict.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()

H10 = H.make_hello(H.TLS10, H.TLS10)
H12 = H.make_hello(H.TLS12, H.TLS12)
H12CBC = H.make_hello(H.TLS12, H.TLS12, ciphers="AES128-SHA:AES256-SHA")
H13 = H.make_hello(H.TLS13, H.TLS13)


def decode(args, data=None, env=None):
    argv = [c.bin, "decode"] + list(args)
    if data is not None:
        argv += ["--hex", data.hex()]
    return c.run(argv, timeout=20, env=env)


def one(args, data, what, rc=0):
    res = decode(args, data)
    c.eq(res.rc, rc, "%s: exit status" % what)
    try:
        return json.loads(res.out)
    except ValueError:
        c.check(False, "%s: output is one JSON object" % what, res)
        return {}


BELOW = ("fail", "version_below_minimum")
PASS = ("pass", None)
NO_SUITE = ("fail", "no_acceptable_suite")
WANT = {
    "TLS 1.0 only": (H10, {"tls12": BELOW, "office365": BELOW,
                           "tls13": BELOW}),
    "TLS 1.2 only": (H12, {"tls12": PASS, "office365": PASS,
                           "tls13": BELOW}),
    "TLS 1.2 CBC-SHA": (H12CBC, {"tls12": PASS, "office365": NO_SUITE,
                                 "tls13": BELOW}),
    "TLS 1.3 only": (H13, {"tls12": PASS, "office365": PASS,
                           "tls13": PASS}),
}

families = {}
for label, (data, want) in WANT.items():
    plain = one([], data, label + " no policy")
    c.check("verdict" not in plain and "verdicts" not in plain,
            "%s: no verdict without --policy" % label, list(plain))
    for pol, (result, summary) in want.items():
        what = "%s / %s" % (label, pol)
        obj = one(["--policy", pol], data, what)
        c.field(obj, "verdict.policy", pol, what)
        c.field(obj, "verdict.result", result, what)
        c.field(obj, "verdict.summary", summary, what)
        # Identification does not depend on the policy.
        fam = H.get(obj, "verdict.client.family")
        c.check(fam is not None and fam == families.setdefault(label, fam),
                "%s: client family %r as under the other policies" % (
                    what, fam))
        rest = {k: v for k, v in obj.items() if k != "verdict"}
        c.check(rest == plain, "%s: the rest equals plain decode" % what)
    what = label + " / all three"
    obj = one(["--policy", "tls12", "--policy", "tls13", "--policy",
               "office365"], data, what)
    c.check("verdict" not in obj, "%s: no single verdict" % what)
    c.eq(list((obj.get("verdicts") or {}).keys()),
         ["tls12", "tls13", "office365"], "%s: verdicts in order" % what)
    for pol, (result, summary) in want.items():
        c.field(obj, "verdicts.%s.result" % pol, result, what)
        c.field(obj, "verdicts.%s.summary" % pol, summary, what)
        c.field(obj, "verdicts.%s.policy" % pol, pol, what)

c.eq(families.get("TLS 1.0 only"), "OpenSSL",
     "TLS 1.0 Python hello: family from the shipped table")
res = decode(["--text", "--policy", "tls12"], H10)
c.out_has(res, "client: OpenSSL", "--text client line")

# The same name twice is judged once.
obj = one(["--policy", "tls13", "--policy", "tls13"], H12, "duplicate")
c.field(obj, "verdict.result", "fail", "duplicate --policy")
c.check("verdicts" not in obj, "duplicate --policy: one verdict")

# Advice comes with it (an old OpenSSL client under tls12).
obj = one(["--policy", "tls12"], H10, "advice")
c.check(len(H.get(obj, "verdict.advice", [])) > 0 and all(
    a.get("id") and a.get("title") and a.get("text")
    for a in H.get(obj, "verdict.advice")),
    "TLS 1.0: advice with id, title and text", H.get(obj, "verdict"))

# Errors: exit 2 and a message that helps.
res = decode(["--policy", "nope"], H12)
c.eq(res.rc, 2, "unknown policy: exit status")
c.out_has(res, "no policy called 'nope'", "unknown policy")
c.out_has(res, "tls12, office365, tls13", "unknown policy lists them")
c.eq(res.out, "", "unknown policy: nothing on stdout")
for args, what in ((["--policy", "tls12", "--lang", "fr"], "bad --lang"),
                   (["--lang", "ja"], "--lang without --policy"),
                   (["-c", "/nonexistent"], "-c without --policy"),
                   (["--policy"], "--policy without a value"),
                   (["--policy", "tls12", "-c", c.path("missing.conf")],
                    "missing config")):
    res = decode(args, H12)
    c.eq(res.rc, 2, "%s: exit status" % what)
    c.check(res.err.strip() != "", "%s: says why on stderr" % what, res)

# -c: user policies and fingerprint files apply.
ja4 = one([], H10, "ja4").get("ja4")
with open(c.path("fp.json"), "w") as f:
    json.dump({"format": "tlsready-fingerprints", "version": 1, "rows": [
        {"ja4": ja4, "family": "Helpdesk Test Stack",
         "client": "decode e2e client", "confidence": "high",
         "source": "judge_decode.py"}]}, f)
with open(c.path("user.conf"), "w") as f:
    f.write("[global]\nfingerprints = %s\n\n[policy legacy10]\n"
            "min_version = tls1.0\ndescription = allows TLS 1.0\n"
            % c.path("fp.json"))
cfg = ["-c", c.path("user.conf")]
obj = one(cfg + ["--policy", "legacy10"], H10, "-c legacy10")
c.field(obj, "verdict.policy", "legacy10", "-c user policy")
c.field(obj, "verdict.result", "pass", "-c user policy: TLS 1.0 passes")
c.field(obj, "verdict.client.family", "Helpdesk Test Stack",
        "-c user fingerprint row")
res = decode(cfg + ["--policy", "nope"], H10)
c.out_has(res, "legacy10", "unknown policy lists the user's policies")

# --lang ja: Japanese texts; the exit status is the parse's, not the
# verdict's.
obj = one(["--policy", "tls12", "--lang", "ja"], H10, "ja")
c.field_has(obj, "verdict.text", "ポリシーの最低要件を下回って", "--lang ja")
res = decode(["--policy", "tls12"], H10, env={"LANG": "ja_JP.UTF-8",
                                              "LC_ALL": "", "LC_MESSAGES": ""})
c.check("ポリシーの最低要件を下回って" in res.out, "LANG=ja_JP.UTF-8: "
        "Japanese texts", res)

# --text: verdict per policy, reason texts with facts, client, advice.
res = decode(["--text", "--policy", "tls12", "--policy", "tls13"], H12)
c.eq(res.rc, 0, "--text: exit status")
c.out_has(res, "verdict [tls12]: PASS", "--text")
c.out_has(res, "verdict [tls13]: FAIL (version_below_minimum)", "--text")
c.out_has(res, "Highest version offered: TLS 1.2; policy \"tls13\" requires "
          "at least TLS 1.3.", "--text reason with facts")
c.out_has(res, "client: ", "--text")
res = decode(["--text", "--policy", "tls12"], H10)
c.out_has(res, "  advice ", "--text advice")
res = decode(["--text"], H12)
c.out_lacks(res, "verdict [", "--text without --policy")

# stdin works the same.
res = c.run([c.bin, "decode", "--policy", "tls13"], input=H13, timeout=20)
c.check(res.rc == 0 and json.loads(res.out)["verdict"]["result"] == "pass",
        "stdin: TLS 1.3 hello passes tls13", res)

# A live record and decode of its raw_hex agree on the verdict.
srv = c.server({"imaps": {"protocol": "imap", "starttls": False,
                          "finish": "alert", "policy": "office365"}},
               globals_={"story_window": 0}).start()
for label, data in (("TLS 1.0", H10), ("TLS 1.2 CBC-SHA", H12CBC),
                    ("TLS 1.3", H13)):
    port, _, _, _ = H.raw_attempt(srv, "imaps", data)
    rec = H.record_for_port(srv, port)
    obj = one(["--policy", "office365"], bytes.fromhex(
        H.get(rec, "hello.raw_hex") or ""), "live " + label)
    c.eq(obj.get("verdict"), rec.get("verdict"),
         "live %s: decode --policy verdict == record verdict" % label)
srv.stop()

# Every hello in a capture gets a verdict.
corpus = os.environ.get("SHARED_CORPUS")
pcap = os.path.join(corpus or "", "loopback-real-clients", "pcap",
                    "orig_replay.pcap")
if corpus and os.path.exists(pcap):
    plain = decode(["--pcap", pcap])
    judged = decode(["--pcap", pcap, "--policy", "tls12", "--policy",
                     "tls13"])
    pl = [json.loads(x) for x in plain.out.splitlines()]
    jl = [json.loads(x) for x in judged.out.splitlines()]
    c.eq(judged.rc, plain.rc, "pcap: same exit status with --policy")
    c.check(len(jl) == len(pl) and len(pl) > 10,
            "pcap: one line per hello (%d)" % len(pl))
    c.check(all(H.get(o, "verdicts.tls12.result") in H.VERDICTS and
                H.get(o, "verdicts.tls13.result") in H.VERDICTS
                for o in jl if o.get("message") == "client_hello"),
            "pcap: every hello has both verdicts")
    c.check(all({k: v for k, v in a.items() if k != "verdicts"} == b
                for a, b in zip(jl, pl)), "pcap: the rest is unchanged")
else:
    c.note("SHARED_CORPUS absent: capture check skipped")
c.done()
