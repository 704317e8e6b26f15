#!/usr/bin/env python3
"""gen_fingerprints.py - rebuild config/fingerprints.json from the shared
corpus (facts only: fingerprint strings, client names, where they come from).

Inputs (read-only, never copied into the repository):
  SHARED_CORPUS/loopback-real-clients/expected.json  local captures + the
      testssl.sh replay of recorded real-client hellos (SSL Labs data, GPL-2)
  SHARED_CORPUS/fingerprintls/fingerprints.json      FingerprinTLS (GPL-3):
      JA3 is computed here from its field lists
  --ours FILE  lines "<hello path> <ja4> <ja3_md5> <status>" computed by
      tlsready's own probes/fingerprint.c (they match FoxIO ja4.py / tshark
      for every TLS-format hello; for SSLv2-compatible hellos ours counts the
      TLS suites, FoxIO's does not, so ours is what tlsready will look up).

Usage: gen_fingerprints.py --corpus DIR --ours FILE > config/fingerprints.json
Rows are merged by JA4; bots/crawlers are left out (not mail clients).
"""
import argparse
import hashlib
import json
import re
import sys

DATE = "2026-11-27"
TESTSSL_SRC = ("testssl.sh 3.0.8 client-simulation.txt (SSL Labs client "
               "data) via shared corpus loopback-real-clients, replayed on "
               "loopback " + DATE)
FPTLS_SRC = ("FingerprinTLS fingerprints.json (LeeBrotherston/"
             "tls-fingerprinting @4b6e878, GPL-3) via shared corpus; JA3 "
             "computed from its field lists")
BOTS = ("Baidu", "Bing", "Yahoo", "Googlebot", "Yandex")

# Client-name prefix -> (family, stack)
FAMILIES = [
    (r"^IE |^Edge 1[2-7] ", "Windows SChannel", "Windows SChannel (Internet Explorer / Edge Legacy)"),
    (r"^Edge 101", "Chromium browser", "Chromium (BoringSSL)"),
    (r"^Chrome ", "Chromium browser", "Chrome's TLS stack (NSS, later BoringSSL)"),
    (r"^Opera 1[5-9]|^Opera [6-9]\d", "Chromium browser", "Chromium-based Opera"),
    (r"^Opera 12", "Opera Presto", "Opera Presto TLS"),
    (r"^Firefox |^Tor ", "Mozilla NSS", "NSS (Firefox / Tor Browser)"),
    (r"^Thunderbird", "Mozilla NSS", "NSS (Thunderbird)"),
    (r"^Safari |^Apple ATS|^Apple Mail", "Apple TLS stack", "Apple Secure Transport / Network.framework"),
    (r"^Android ", "Android platform TLS", "Android platform SSLSocket (Conscrypt)"),
    (r"^Java ", "Java JSSE", "Java JSSE"),
    (r"^go ", "Go crypto/tls", "Go crypto/tls"),
    (r"^LibreSSL", "LibreSSL", "LibreSSL"),
    (r"^OpenSSL ", "OpenSSL", "OpenSSL"),
]

LOCAL = {
    "curl": ("OpenSSL", "curl"), "fetchmail": ("OpenSSL", "fetchmail"),
    "gnutls": ("GnuTLS", "gnutls-cli"), "msmtp": ("GnuTLS", "msmtp"),
    "mutt": ("GnuTLS", "mutt"), "neomutt": ("GnuTLS", "neomutt"),
    "java": ("Java JSSE", "Java"), "node": ("OpenSSL", "node"),
    "nss": ("Mozilla NSS", "NSS tstclnt"), "ossl": ("OpenSSL", "openssl s_client"),
    "py": ("OpenSSL", "python ssl"), "snail": ("OpenSSL", "s-nail"),
    "swaks": ("OpenSSL", "swaks"), "tb": ("Mozilla NSS", "Thunderbird"),
}

OS_PATTERNS = [
    (r"Win Phone 8\.0", "Windows Phone 8.0"), (r"Win Phone 8\.1", "Windows Phone 8.1"),
    (r"Win Phone 10", "Windows 10 Mobile"), (r"\bXP\b", "Windows XP"),
    (r"Vista", "Windows Vista"), (r"Win 7", "Windows 7"), (r"Win 8\.1/10", "Windows 8.1 / 10"),
    (r"Win 8\.1", "Windows 8.1"), (r"Win 8\b", "Windows 8"), (r"Win 10", "Windows 10"),
    (r"OS X (10\.\d+)", r"OS X \1"), (r"macOS (\d+[\.\d]*)", r"macOS \1"),
    (r"iOS (\d+)", r"iOS \1"), (r"Fedora 19", "Fedora 19 (Linux)"),
    (r"^Android (\d+(\.\d+)?)", r"Android \1"),
]


def family_of(name):
    for pat, fam, stack in FAMILIES:
        if re.search(pat, name):
            return fam, stack
    return None, None


def os_of(name):
    for pat, rep in OS_PATTERNS:
        m = re.search(pat, name)
        if m:
            return m.expand(rep)
    return ""


def vname(v):
    return {"SSL3": "SSL 3.0", "TLS1.0": "TLS 1.0", "TLS1.1": "TLS 1.1",
            "TLS1.2": "TLS 1.2", "TLS1.3": "TLS 1.3"}.get(v, v)


def versions_of(e):
    sv = [v for v in (e.get("supported_versions") or []) if v != "GREASE"]
    if sv:
        return ", ".join(vname(v) if not v.startswith("0x7f")
                         else "TLS 1.3 draft " + str(int(v[4:], 16))
                         for v in sv)
    return "up to " + vname(e["client_version"]) + " (no supported_versions)"


NOTES = {
    "t10d120500_d94e65cdb899_c35b4a14be45":
        "Windows Vista/7 Schannel with its default protocols: TLS 1.0 only "
        "(TLS 1.1/1.2 are disabled by default on Windows 7, KNOWLEDGE §1 "
        "[S1]). Other Schannel applications that use the system default "
        "(Outlook via WinHTTP/Schannel, Windows Live Mail) are expected to "
        "send a similar hello; inferred, not captured from Outlook itself.",
    "t10i120400_d94e65cdb899_c35b4a14be45":
        "Same hello as t10d120500_d94e65cdb899_c35b4a14be45 without SNI. "
        "Windows Vista/7 Schannel default: TLS 1.0 only (KNOWLEDGE §1 [S1]). "
        "Outlook and other system-default Schannel apps are expected to "
        "look alike (inferred).",
    "t12d240700_9295eb73ea51_71440d09e7ee":
        "IE 11 asks Schannel for TLS 1.2 explicitly; system-default apps on "
        "the same unpatched Windows 7 still offer TLS 1.0 only (KNOWLEDGE "
        "§1.1, mechanism inferred).",
    "t12i240600_9295eb73ea51_71440d09e7ee":
        "IE 11 on Windows 7 without SNI; see the SNI variant.",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--ours", required=True)
    args = ap.parse_args()

    ours = {}
    for line in open(args.ours):
        p = line.split()
        if len(p) >= 3:
            ours[p[0].split("/hello/")[-1]] = (p[1], p[2])

    exp = json.load(open(args.corpus + "/loopback-real-clients/expected.json"))
    rows = {}
    for e in exp:
        f = e["hello_file"][len("hello/"):]
        ja4, ja3 = ours.get(f, (e["ja4_foxio_python"], e["ja3_md5_of_string"]))
        if ja4.split("_")[1] == "000000000000":
            continue  # no cipher list hash: says nothing about the client
        name = e["client"]
        if name.startswith(BOTS):
            continue
        if "testssl" in e["stack"] or "recorded" in e["stack"]:
            fam, stack = family_of(name)
            if fam is None:
                print("unmapped:", name, file=sys.stderr)
                continue
            client = name
            src = TESTSSL_SRC
            os_ = os_of(name)
        else:
            key = name.split("_")[0]
            fam, tool = LOCAL[key]
            stack = e["stack"]
            client = stack + " (" + e["command"].split(" ")[0] + ")"
            src = ("local capture, " + e["command"] + ", " + stack +
                   ", Debian 12, " + DATE +
                   " (shared corpus loopback-real-clients)")
            os_ = "Debian 12 (Linux)"
        r = rows.setdefault(ja4, {"ja4": ja4, "ja3s": [], "families": [],
                                  "stacks": [], "clients": [], "oses": [],
                                  "sources": [], "versions": versions_of(e)})
        for k, v in (("ja3s", ja3), ("families", fam), ("stacks", stack),
                     ("clients", client), ("oses", os_), ("sources", src)):
            if v and v not in r[k]:
                r[k].append(v)

    out = []
    for ja4, r in sorted(rows.items()):
        fam = " / ".join(r["families"])
        row = {
            "ja4": ja4,
            "family": fam,
            "stack": "; ".join(r["stacks"])[:95],
            "client": "; ".join(r["clients"])[:255],
            "versions": r["versions"][:63],
            "os": " / ".join(r["oses"])[:95],
            "confidence": "high" if len(r["families"]) == 1 else "medium",
            "source": " + ".join(r["sources"])[:319],
        }
        if len(r["ja3s"]) == 1:
            row["ja3"] = r["ja3s"][0]
        notes = NOTES.get(ja4, "")
        if len(r["families"]) > 1:
            notes = ("Shared by several stacks: " + fam + ". " + notes).strip()
        if len(r["ja3s"]) > 1:
            notes = (notes + " JA3 varies with extension order/SNI: " +
                     ", ".join(r["ja3s"][:4])).strip()
        if notes:
            row["notes"] = notes[:639]
        out.append(row)

    # FingerprinTLS: mail-relevant rows, JA3 only.
    want = re.compile(r"Outlook|Mail|Thunderbird|ThunderBird|K9|fetchmail|"
                      r"Kmail|MS Office|Windows 10 Native|Windows 8\.x TLS|"
                      r"Microsoft Updater", re.I)
    seen_ja3 = {}
    for line in open(args.corpus + "/fingerprintls/fingerprints.json"):
        line = line.strip()
        if not line:
            continue
        d = json.loads(line)
        desc = d["desc"]
        if not want.search(desc) or "Relay" in desc or "server" in desc:
            continue

        def nums(field):
            vals = []
            for t in (d.get(field) or "").split():
                v = int(t, 16)
                if (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff):
                    continue
                vals.append(str(v))
            return "-".join(vals)
        ja3s = ",".join([str(int(d["tls_version"], 16)), nums("ciphersuite"),
                         nums("extensions"), nums("e_curves"),
                         nums("ec_point_fmt")])
        md5 = hashlib.md5(ja3s.encode()).hexdigest()
        if md5 in seen_ja3:
            seen_ja3[md5]["client"] += "; " + desc
            continue
        if re.search(r"Outlook|Win10 Mail|Windows 8|Windows 10|MS Office|"
                     r"Microsoft Updater", desc):
            fam, stack = "Windows SChannel", "Windows SChannel"
        elif re.search(r"Thunderbird|ThunderBird", desc, re.I):
            fam, stack = "Mozilla NSS", "NSS (Thunderbird)"
        elif re.search(r"iOS", desc):
            fam, stack = "Apple TLS stack", "Apple Secure Transport"
        elif re.search(r"K9", desc):
            fam, stack = "Android platform TLS", "Android SSLSocket"
        elif re.search(r"fetchmail", desc):
            fam, stack = "OpenSSL", "OpenSSL (fetchmail)"
        elif re.search(r"Kmail|Konqueror", desc):
            fam, stack = "OpenSSL", "Qt / OpenSSL (KDE)"
        elif re.search(r"BlackBerry", desc):
            fam, stack = "BlackBerry", "BlackBerry OS (stack not documented)"
        else:
            fam, stack = "unknown", desc
        osm = re.search(r"Win(?:dows)? ?(?:7SP1|8\.x|\d+(?:\.\d+)?)|iOS \d[\.\d]*|"
                        r"OS X|openSUSE[^)]*", desc)
        os_ = osm.group(0) if osm else ""
        os_ = {"Win 8.1": "Windows 8.1", "Win10": "Windows 10",
               "Windows 7SP1": "Windows 7"}.get(os_, os_)
        row = {"ja3": md5, "family": fam, "stack": stack, "client": desc,
               "versions": "client_version " + {"0x0301": "TLS 1.0",
                                                 "0x0302": "TLS 1.1",
                                                 "0x0303": "TLS 1.2"}.get(
                                                     d["tls_version"],
                                                     d["tls_version"]),
               "os": os_, "confidence": "medium", "source": FPTLS_SRC,
               "notes": "JA3 string: " + ja3s[:560]}
        seen_ja3[md5] = row
        out.append(row)

    json.dump({"format": "tlsready-fingerprints", "version": 1,
               "generated": DATE,
               "rows": out}, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
