#!/usr/bin/env python3
"""IPv6 loopback listeners ([::1]:PORT): openssl s_client with STARTTLS and
implicit TLS connects over ::1; the record's peer address is ::1 and the
hello is captured as over IPv4.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
c.need("openssl")
try:
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.bind(("::1", 0))
    p6 = t.getsockname()[1]
    t.close()
except OSError as e:
    c.skip("no IPv6 loopback here: %s" % e)
L = H.mail_listeners("alert", names=("imap", "smtps"))
held = []
for k in L:
    # IPv6 ports, all held until chosen so that no two are the same.
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.bind(("::1", 0))
    held.append(t)
    L[k]["listen"] = "[::1]:%d" % t.getsockname()[1]
for t in held:
    t.close()
srv = c.server(L).start()
for name, starttls in (("imap", "imap"), ("smtps", None)):
    what = "%s over ::1" % name
    argv = ["openssl", "s_client", "-connect", "[::1]:%d" % srv.port(name),
            "-servername", "v6.example.test", "-tls1_2"]
    if starttls:
        argv += ["-starttls", starttls]
    res = srv.client(argv, timeout=15)
    c.out_has(res, "alert handshake failure", what)
    rec = srv.wait_record()
    c.field(rec, "peer.addr", "::1", what)
    c.field(rec, "local_port", srv.port(name), what)
    c.field(rec, "end", "hello_captured", what)
    c.field(rec, "hello.sni", "v6.example.test", what)
    H.check_version_record(c, rec, H.TLS12, what)
srv.stop()
c.done()
