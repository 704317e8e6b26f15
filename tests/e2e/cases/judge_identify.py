#!/usr/bin/env python3
"""Client identification with the local clients the shipped fingerprint
table was built from (config/fingerprints.json, doc/fingerprints.md).

openssl s_client, gnutls-cli, Python's ssl (OpenSSL underneath), NSS
tstclnt and Java 17 JSSE connect to an implicit-TLS listener, each with its
default range and some with a single version. For every record the case
looks the hello's JA4 up in the table the way probes/identify.c does (exact
JA4, then the SNI flag flipped, then JA3 MD5): when a row exists, the
record's verdict.client.family must be that row's family and the family
this client is known as ("OpenSSL", "GnuTLS", "Mozilla NSS", "Java JSSE"),
never "unknown". The default runs must have a row (the table ships them).
A client without a row must stay "unknown" rather than be guessed.
"""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")
src = os.environ.get("TLSREADY_SRC") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
with open(os.path.join(src, "config", "fingerprints.json")) as f:
    ROWS = json.load(f)["rows"]

BY_JA4, BY_JA3 = {}, {}
for r in ROWS:
    if r.get("ja4"):
        BY_JA4[r["ja4"]] = r             # later rows replace earlier ones
    if r.get("ja3") and r["ja3"] not in BY_JA3:
        BY_JA3[r["ja3"]] = r             # first row in table order


def sni_flip(ja4):
    """The JA4 the same client gives with the other SNI choice."""
    if not ja4 or len(ja4) < 10 or ja4[3] not in "di" or \
            not ja4[6:8].isdigit():
        return None
    n = int(ja4[6:8]) + (-1 if ja4[3] == "d" else 1)
    if n < 0 or n > 99:
        return None
    return ja4[:3] + ("i" if ja4[3] == "d" else "d") + ja4[4:6] + \
        "%02d" % n + ja4[8:]


def table_row(rec):
    ja4 = H.hello_ja4(rec)
    if ja4 in BY_JA4:
        return BY_JA4[ja4], "ja4"
    flipped = sni_flip(ja4)
    if flipped in BY_JA4:
        return BY_JA4[flipped], "ja4_sni_flipped"
    ja3 = H.hello_ja3(rec)[1]
    if ja3 in BY_JA3:
        return BY_JA3[ja3], "ja3"
    return None, None


srv = c.server({"imaps": {"protocol": "imap", "starttls": False,
                          "finish": "alert", "policy": "tls12"}}).start()
port = srv.port("imaps")


def judge(rec, family, what, must_have_row):
    row, how = table_row(rec)
    got = H.get(rec, "verdict.client.family")
    if must_have_row:
        c.check(row is not None, "%s: the shipped table has a row for "
                "JA4 %s" % (what, H.hello_ja4(rec)), H.hello_ja4(rec))
    if row is None:
        c.note("%s: no row for %s (%s)" % (what, H.hello_ja4(rec),
                                           H.hello_ja3(rec)[1]))
        c.field(rec, "verdict.client.family", "unknown", what)
        return
    c.eq(row["family"], family, "%s: table row family" % what)
    c.field(rec, "verdict.client.family", family, what)
    c.check(got != "unknown", "%s: family is not unknown" % what, got)
    c.field(rec, "verdict.client.source", how, what)
    c.field(rec, "verdict.client.confidence", row["confidence"], what)
    c.check(bool(H.get(rec, "verdict.client.detail")),
            "%s: client detail is set" % what, rec.get("verdict"))


def tool_runs():
    out = [("s_client default", "OpenSSL", True, H.openssl_argv(port)),
           ("s_client -tls1_2", "OpenSSL", True,
            H.openssl_argv(port, None, "tls1_2")),
           ("s_client -tls1", "OpenSSL", True,
            H.openssl_argv(port, None, "tls1"))]
    if shutil.which("gnutls-cli"):
        g = ["gnutls-cli", "--insecure", "-p", str(port)]
        out += [("gnutls-cli default", "GnuTLS", True, g + ["127.0.0.1"]),
                ("gnutls-cli sni", "GnuTLS", True,
                 g + ["--sni-hostname", "mail.example.test", "127.0.0.1"]),
                ("gnutls-cli TLS1.2", "GnuTLS", True,
                 g + ["--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
                      "127.0.0.1"])]
    else:
        c.note("gnutls-cli not installed: skipped")
    if shutil.which("tstclnt"):
        t = ["tstclnt", "-h", "127.0.0.1", "-p", str(port), "-a",
             "mail.example.test", "-o", "-D"]
        out += [("tstclnt default", "Mozilla NSS", True, t),
                ("tstclnt tls1.0", "Mozilla NSS", True,
                 t + ["-V", "tls1.0:tls1.0"]),
                ("tstclnt tls1.2", "Mozilla NSS", True,
                 t + ["-V", "tls1.2:tls1.2"])]
    else:
        c.note("tstclnt not installed: skipped")
    return out


for what, family, must, argv in tool_runs():
    res = srv.client(argv, timeout=15)
    c.check(not res.timed_out, "%s: client ends" % what, res)
    judge(srv.wait_record(), family, what, must)

# Python's ssl module: OpenSSL underneath, with and without SNI.
for what, sni in (("python ssl sni", "mail.example.test"),
                  ("python ssl no sni", None)):
    s = srv.connect("imaps")
    try:
        H.py_client_context().wrap_socket(s, server_hostname=sni).close()
    except (OSError, H.ssl.SSLError):
        pass
    finally:
        s.close()
    judge(srv.wait_record(), "OpenSSL", what, True)

# Java 17 JSSE: compiled once (JEP 330 launch when javac is missing).
JAVA = r"""
import javax.net.ssl.*;
public class Hello {
    public static void main(String[] a) throws Exception {
        SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault()
            .createSocket(a[0], Integer.parseInt(a[1]));
        s.setSoTimeout(10000);
        if (a.length > 2) {
            s.setEnabledProtocols(a[2].split(","));
        }
        try {
            s.startHandshake();
        } catch (Exception e) {
            System.out.println("HANDSHAKE_ERR " + e);
        }
        s.close();
    }
}
"""
if shutil.which("java"):
    with open(c.path("Hello.java"), "w") as f:
        f.write(JAVA)
    launch = [c.path("Hello.java")]
    if shutil.which("javac"):
        r = c.run(["javac", "-d", c.tmp, c.path("Hello.java")], timeout=60)
        if r.rc == 0:
            launch = ["-cp", c.tmp, "Hello"]
    for what, extra in (("java default", []), ("java TLSv1.2",
                                               ["TLSv1.2"])):
        res = srv.client(["java"] + launch + ["127.0.0.1", str(port)] +
                         extra, timeout=40)
        c.check(not res.timed_out, "%s: java ends" % what, res)
        judge(srv.wait_record(), "Java JSSE", what, True)
else:
    c.note("java not installed: skipped")

srv.stop()
c.done()
