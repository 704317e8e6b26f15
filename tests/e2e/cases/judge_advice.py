#!/usr/bin/env python3
"""Advice for real recorded Windows hellos, with the seed's exact registry
values, in English and Japanese.

Replays two ClientHellos from $SHARED_CORPUS/loopback-real-clients/hello
over a raw socket (the bytes as recorded, SNI as recorded) to implicit-TLS
listeners:
  orig_replay.17.bin  IE 9 on Windows 7 (SChannel, TLS 1.0 only)
  orig_replay.12.bin  IE 6 on Windows XP (SSLv2-compatible hello, SSL 3.0)
The records must name "Windows SChannel", fail with version_below_minimum
and carry the advice ids win7-schannel-tls12-client + win7-outlook-winhttp
(Windows 7; over HTTPS the WinHTTP step comes first, seed §2 vs §3) or
xp-vista-unfixable (XP, and no Windows 7 registry steps). The advice texts
must hold the registry paths, value names, types and data exactly as the
seed notice writes them (KNOWLEDGE.md; the seed's "0x00000a00 (10 進数 :
2560)" line verbatim in Japanese). Skips (77) without SHARED_CORPUS.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
corpus = os.environ.get("SHARED_CORPUS")
HELLOS = os.path.join(corpus or "", "loopback-real-clients", "hello")
if not corpus or not os.path.isdir(HELLOS):
    c.skip("SHARED_CORPUS is not set or has no loopback-real-clients")


def hello(n):
    with open(os.path.join(HELLOS, "orig_replay.%d.bin" % n), "rb") as f:
        return f.read()


WIN7, XP = hello(17), hello(12)

SCHANNEL = ("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\"
            "SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client")
WINHTTP = ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\"
           "CurrentVersion\\Internet Settings\\WinHttp")
WINHTTP_WOW = ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\"
               "Windows\\CurrentVersion\\Internet Settings\\WinHttp")
# What each advice text must contain, per language (seed notice §2, §3).
MUST = {
    ("win7-schannel-tls12-client", "en"): [
        SCHANNEL, "Value name: Enabled", "Value name: DisabledByDefault",
        "Value type: REG_DWORD", "Value data: 1", "Value data: 0"],
    ("win7-schannel-tls12-client", "ja"): [
        SCHANNEL, "値の名前: Enabled", "値の名前: DisabledByDefault",
        "値の種類: REG_DWORD", "値のデータ: 1", "値のデータ: 0"],
    ("win7-outlook-winhttp", "en"): [
        "KB3140245", WINHTTP + "\n", WINHTTP_WOW,
        "Value name: DefaultSecureProtocols", "Value type: REG_DWORD",
        "0x00000a00", "2560"],
    ("win7-outlook-winhttp", "ja"): [
        "KB3140245", WINHTTP + "\n", WINHTTP_WOW,
        "値の名前: DefaultSecureProtocols", "値の種類: REG_DWORD",
        "推奨値: 0x00000a00 (10 進数 : 2560)"],
}


def advice(rec):
    return {a.get("id"): a for a in H.get(rec, "verdict.advice", []) or []}


def replay(srv, name, payload, what):
    port, _, reply, how = H.raw_attempt(srv, name, payload)
    # finish=alert: a fatal protocol_version alert (KNOWLEDGE.md §8.2).
    c.check(reply[:1] == b"\x15" and b"\x02\x46" in reply[:7],
            "%s: the client gets a protocol_version alert" % what,
            "%s (%s)" % (H.hexs(reply[:16]), how))
    return H.record_for_port(srv, port)


def check_win7(rec, lang, what, https=False):
    c.field(rec, "verdict.result", "fail", what)
    c.field(rec, "verdict.summary", "version_below_minimum", what)
    c.field(rec, "verdict.client.family", "Windows SChannel", what)
    c.field_has(rec, "verdict.client.os", "Windows 7", what)
    ads = advice(rec)
    ids = list(ads)
    for aid in ("win7-schannel-tls12-client", "win7-outlook-winhttp"):
        c.check(aid in ids, "%s: advice %s" % (what, aid), ids)
    if all(a in ids for a in ("win7-schannel-tls12-client",
                              "win7-outlook-winhttp")):
        first, then = ("win7-outlook-winhttp", "win7-schannel-tls12-client")
        if not https:
            first, then = then, first
        c.check(ids.index(first) < ids.index(then),
                "%s: %s comes before %s" % (what, first, then), ids)
    for (aid, lg), needles in MUST.items():
        if lg != lang or aid not in ads:
            continue
        text = ads[aid].get("text") or ""
        for n in needles:
            c.check(n in text, "%s: %s text has %r" % (what, aid, n),
                    text[:400])
        c.check(bool(ads[aid].get("title")) and bool(ads[aid].get(
            "source")), "%s: %s has a title and a source" % (what, aid),
            ads[aid])


def check_xp(rec, what):
    c.field(rec, "verdict.result", "fail", what)
    c.field(rec, "verdict.summary", "version_below_minimum", what)
    c.field(rec, "verdict.client.family", "Windows SChannel", what)
    c.field_has(rec, "verdict.client.os", "XP", what)
    c.field(rec, "hello.sslv2", True, what)
    c.reason(rec, "sslv2_hello", what)
    ids = list(advice(rec))
    c.check("xp-vista-unfixable" in ids, "%s: advice xp-vista-unfixable"
            % what, ids)
    c.check(not any(i.startswith("win7-") for i in ids),
            "%s: no Windows 7 registry steps for XP" % what, ids)


LISTENERS = {"imaps": {"protocol": "imap", "starttls": False,
                       "finish": "alert", "policy": "tls12"},
             "https": {"protocol": "https", "finish": "alert",
                       "policy": "tls12"}}

for lang in ("en", "ja"):
    srv = c.server(LISTENERS, lang=lang, tag="srv-" + lang).start()
    rec = replay(srv, "imaps", WIN7, "%s IE9/Win7 imaps" % lang)
    check_win7(rec, lang, "%s IE9/Win7 imaps" % lang)
    rec = replay(srv, "https", WIN7, "%s IE9/Win7 https" % lang)
    check_win7(rec, lang, "%s IE9/Win7 https" % lang, https=True)
    rec = replay(srv, "imaps", XP, "%s IE6/XP imaps" % lang)
    check_xp(rec, "%s IE6/XP imaps" % lang)
    srv.stop()

c.done()
