#!/usr/bin/env python3
"""Java 17 JSSE (SSLSocket.setEnabledProtocols) against the implicit-TLS
listeners. Java 17 disables TLSv1/TLSv1.1 in java.security
(jdk.tls.disabledAlgorithms); the legacy runs use a temporary
-Djava.security.properties override that clears that list, as an admin
re-enabling them for an old server would. finish=alert, policy tls12:
Java reports "Received fatal alert: protocol_version" for TLS 1.0/1.1 and
"handshake_failure" for TLS 1.2/1.3.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

SRC = r"""
import javax.net.ssl.*;
import java.security.cert.X509Certificate;

public class TlsHello {
    public static void main(String[] a) throws Exception {
        TrustManager[] trustAll = { new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String s) {}
            public void checkServerTrusted(X509Certificate[] c, String s) {}
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        } };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, trustAll, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory()
            .createSocket(a[0], Integer.parseInt(a[1]));
        s.setSoTimeout(10000);
        s.setEnabledProtocols(a[2].split(","));
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(java.util.List.of(new SNIHostName(a[3])));
        s.setSSLParameters(p);
        try {
            s.startHandshake();
            System.out.println("HANDSHAKE_OK " + s.getSession().getProtocol());
        } catch (Exception e) {
            System.out.println("HANDSHAKE_ERR " + e);
        }
        s.close();
    }
}
"""

c = H.Case()
c.need("java")
with open(c.path("TlsHello.java"), "w") as f:
    f.write(SRC)
with open(c.path("legacy.security"), "w") as f:
    f.write("jdk.tls.disabledAlgorithms=\n")
cls_dir = c.tmp
if H.shutil.which("javac"):
    r = c.run(["javac", "-d", cls_dir, c.path("TlsHello.java")], timeout=60)
    if r.rc != 0:
        c.skip("javac cannot compile the client: %s" % r.text[-300:])
    launch = ["-cp", cls_dir, "TlsHello"]
else:
    launch = [c.path("TlsHello.java")]   # JEP 330 single-file launch

srv = c.server(H.mail_listeners("alert", names=("imaps", "smtps"))).start()
VERS = (("TLSv1", H.TLS10), ("TLSv1.1", H.TLS11), ("TLSv1.2", H.TLS12),
        ("TLSv1.3", H.TLS13))

for name in ("imaps", "smtps"):
    for tag, ver in VERS:
        if name == "smtps" and ver in (H.TLS11, H.TLS13):
            continue   # keep the JVM start-ups down; imaps covers them
        what = "%s %s" % (name, tag)
        argv = ["java", "-Djdk.tls.client.protocols=" + tag]
        if ver < H.TLS12:
            argv.append("-Djava.security.properties=" +
                        c.path("legacy.security"))
        argv += launch + ["127.0.0.1", str(srv.port(name)), tag,
                          "mail.example.test"]
        res = srv.client(argv, timeout=45)
        c.check(not res.timed_out, "%s: java ends" % what, res)
        c.out_has(res, "Received fatal alert: " + (
            "protocol_version" if ver < H.TLS12 else "handshake_failure"),
            what)
        rec = srv.wait_record()
        c.field(rec, "implicit_tls", True, what)
        c.field(rec, "end", "hello_captured", what)
        c.field_has(rec, "hello.sni", "mail.example.test", what)
        # JSSE always sends supported_versions, even for TLS 1.0 alone.
        H.check_version_record(c, rec, ver, what, exact=[ver])

srv.stop()
c.done()
