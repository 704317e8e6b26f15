#!/usr/bin/env python3
"""STARTTLS with a command injected behind it in the same segment (the
CVE-2011-0411 pattern, RFC 3207 4.2 / RFC 2595 3.1): the injected command
must not be answered, and the record must flag pipelined_after_starttls
with its byte count. A client that sends STARTTLS and its ClientHello in
one segment (does not wait for the reply) is also flagged, and its hello
is still captured.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "pop3",
                                                 "smtp"))).start()
hello = H.make_hello(sni="inject.example.test")
ALERT40 = bytes.fromhex("15030300020228")

CASES = {
    "imap": (b"a STARTTLS\r\n", b"b CAPABILITY\r\n",
             [rb"\* CAPABILITY", rb"(^|\n)b "]),
    "pop3": (b"STLS\r\n", b"CAPA\r\n", [rb"\+OK.*\r\n.*\+OK"]),
    "smtp": (b"STARTTLS\r\n", b"MAIL FROM:<evil@example.test>\r\n",
             [rb"(^|\n)250"]),
}

for name, (stls, injected, bad) in CASES.items():
    what = "%s injected" % name
    s = srv.connect(name)
    port = s.getsockname()[1]
    try:
        H.greet(s, name)
        if name == "smtp":
            H.command(s, "smtp", "EHLO client.example.test")
        s.sendall(stls + injected)
        first, how = H.recv_all(s, timeout=1.0)   # whatever comes in 1 s
        s.sendall(hello)
        after, how = H.recv_all(s, timeout=5)
    finally:
        s.close()
    ok_reply = {"imap": rb"^a OK", "pop3": rb"^\+OK", "smtp": rb"^220"}[name]
    c.check(re.search(ok_reply, first) is not None,
            "%s: STARTTLS accepted" % what, first)
    c.check(all(re.search(b, first, re.S) is None for b in bad),
            "%s: the injected command is not answered" % what, first)
    c.check(first.count(b"\r\n") == 1, "%s: exactly one reply line before "
            "TLS" % what, first)
    c.eq(after, ALERT40, "%s: alert after the hello" % what)
    rec = H.record_for_port(srv, port)
    c.field(rec, "plaintext.starttls_requested", True, what)
    c.field(rec, "plaintext.pipelined_after_starttls", len(injected), what)
    c.field(rec, "plaintext.pipelined_was_tls", False, what)
    c.field(rec, "end", "hello_captured", what)

# STARTTLS + the hello in one segment: flagged, and the hello captured.
for name, (stls, _, _) in CASES.items():
    what = "%s STARTTLS+hello in one segment" % name
    s = srv.connect(name)
    port = s.getsockname()[1]
    try:
        H.greet(s, name)
        if name == "smtp":
            H.command(s, "smtp", "EHLO client.example.test")
        s.sendall(stls + hello)
        data, how = H.recv_all(s, timeout=5)
    finally:
        s.close()
    c.check(data.endswith(ALERT40), "%s: STARTTLS reply then the alert" %
            what, data)
    rec = H.record_for_port(srv, port)
    c.check(H.get(rec, "plaintext.pipelined_after_starttls") == len(hello),
            "%s: pipelined_after_starttls == %d" % (what, len(hello)),
            H.get(rec, "plaintext.pipelined_after_starttls"))
    c.field(rec, "plaintext.pipelined_was_tls", True, what)
    c.field(rec, "end", "hello_captured", what)
    c.check(H.hello_highest(rec) == H.TLS13, "%s: hello captured" % what,
            rec.get("hello"))

srv.stop()
c.done()
