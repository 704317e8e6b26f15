#!/usr/bin/env python3
"""A second SIGTERM stops at once (app.c "SIGTERM again: exiting now"),
but attempts cut short must still get a complete record: end "shutdown"
(attempt.h END_SHUTDOWN, "tlsready was stopping") with the verdict reason
"shutdown", not an empty end "none" with no reason. tlsready exits 0 and
the clients see their connections closed.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402

c = H.Case()
srv = c.server(H.mail_listeners("alert", names=("imap", "imaps"))).start()
socks = []
for name in ("imap", "imap", "imaps"):
    s = srv.connect(name)
    if name == "imap":
        H.greet(s, "imap")
    socks.append(s)
# The third one is mid-hello: half a ClientHello on the implicit port.
socks[2].sendall(H.make_hello()[:40])
time.sleep(0.2)
srv.send_signal(signal.SIGTERM)
time.sleep(0.3)
c.check(srv.proc.poll() is None, "first SIGTERM: waits for 3 attempts")
srv.send_signal(signal.SIGTERM)
try:
    rc = srv.proc.wait(timeout=5)
except Exception:
    rc = None
c.eq(rc, 0, "second SIGTERM: tlsready exits 0 at once")
for i, s in enumerate(socks):
    data, how = H.recv_all(s, timeout=2)
    c.check(how in ("eof", "reset"), "attempt %d: connection closed" % i,
            how)
    s.close()
recs = srv.read_records()
c.eq(len(recs), 3, "three records")
for r in recs:
    what = "record %s (%s)" % (r.get("id"), r.get("listener"))
    c.field(r, "end", "shutdown", what)
    c.reason(r, "shutdown", what)
    c.field(r, "verdict.result", "unknown", what)
srv.stop()
c.done()
