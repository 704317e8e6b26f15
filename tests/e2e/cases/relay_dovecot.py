#!/usr/bin/env python3
"""Relay mode in front of a real Dovecot (IMAP and POP3 with STARTTLS,
ssl_min_protocol TLSv1.2), started here from a temporary config on
unprivileged loopback ports (needs root and the dovecot-imapd and
dovecot-pop3d packages; skipped otherwise):
- imaplib and poplib do STARTTLS and log in through the relay; the record
  shows STARTTLS offered by Dovecot's greeting, accepted, the negotiated
  version, and no plaintext login;
- a TLS 1.0 client through STARTTLS fails the way Dovecot fails it, and
  the record says so (verdict fail);
- a LOGIN before STARTTLS is flagged as a plaintext login (the verb
  only; never the password).
"""
import imaplib
import os
import poplib
import shutil
import ssl
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
import harness as H  # noqa: E402
import relay_servers as RS  # noqa: E402

c = H.Case()
c.need("openssl")
dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
if not os.access(dovecot, os.X_OK):
    c.skip("dovecot is not installed (dovecot-imapd, dovecot-pop3d)")
if not os.path.exists("/usr/lib/dovecot/imap") or \
        not os.path.exists("/usr/lib/dovecot/pop3"):
    c.skip("dovecot-imapd or dovecot-pop3d is missing")
if os.geteuid() != 0:
    c.skip("dovecot needs root to start here")

cert, key = RS.make_cert(c)
d = c.path("dovecot")
for sub in ("run", "state", "home"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
os.chmod(c.tmp, 0o755)
os.chmod(d, 0o755)
os.chmod(os.path.join(d, "run"), 0o755)
os.chmod(os.path.join(d, "home"), 0o1777)
imap_port, pop3_port = H.free_port(), H.free_port()
conf = os.path.join(d, "dovecot.conf")
with open(conf, "w") as f:
    f.write("""protocols = imap pop3
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
passdb {{
  driver = static
  args = password=pw
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
""".format(d=d, cert=cert, key=key, imap=imap_port, pop3=pop3_port))
dv = c.spawn([dovecot, "-c", conf, "-F"], stdout=open(
    os.path.join(d, "fg.log"), "wb"), stderr=__import__("subprocess").STDOUT)
if not (RS.wait_listening(imap_port) and RS.wait_listening(pop3_port)):
    with open(os.path.join(d, "fg.log"), "rb") as f:
        c.note(f.read()[-500:])
    c.skip("dovecot did not start")

srv = c.server({"imap": RS.relay_listener(imap_port, "imap", True),
                "pop3": RS.relay_listener(pop3_port, "pop3", True)}).start()
n = 0


def rec_next():
    global n
    n += 1
    return srv.wait_record(count=n)


ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

# 1. IMAP STARTTLS + LOGIN + SELECT through the relay.
srv.conns += 1
im = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=10)
typ, _ = im.xatom("ID", '("name" "Thunderbird" "version" "115.3.1" '
                        '"os" "Windows" "os-version" "10.0")')
c.eq(typ, "OK", "imaplib: Dovecot answered ID through the relay")
im.starttls(ssl_context=ctx)
typ, _ = im.login("alice", "pw")
c.eq(typ, "OK", "imaplib: LOGIN after STARTTLS")
typ, _ = im.select("INBOX")
c.eq(typ, "OK", "imaplib: SELECT INBOX")
im.logout()
rec = rec_next()
c.field(rec, "plaintext.starttls_offered", True, "imaplib")
c.field(rec, "plaintext.starttls_requested", True, "imaplib")
c.field(rec, "relay.starttls_accepted", True, "imaplib")
c.field(rec, "plaintext.plaintext_login.attempted", False, "imaplib")
c.field(rec, "server.version.id", "0x0304", "imaplib")
c.field(rec, "relay.handshake_finished", True, "imaplib")
c.field(rec, "verdict.result", "pass", "imaplib")
c.field(rec, "plaintext.imap_id.name", "Thunderbird", "imaplib ID")
c.field(rec, "plaintext.imap_id.version", "115.3.1", "imaplib ID")
c.field(rec, "plaintext.imap_id.os-version", "10.0", "imaplib ID")

# 2. POP3 STLS + USER/PASS.
srv.conns += 1
po = poplib.POP3("127.0.0.1", srv.port("pop3"), timeout=10)
po.stls(context=ctx)
po.user("alice")
resp = po.pass_("pw")
c.check(resp.startswith(b"+OK"), "poplib: PASS after STLS", resp)
po.quit()
rec = rec_next()
c.field(rec, "plaintext.starttls_offered", True, "poplib")
c.field(rec, "relay.starttls_accepted", True, "poplib")
c.field(rec, "server.version.id", "0x0304", "poplib")
c.field(rec, "plaintext.plaintext_login.attempted", False, "poplib")

# 3. A TLS 1.0 client: Dovecot refuses it.
r = srv.client(H.openssl_argv(srv.port("imap"), starttls="imap",
                              version="tls1"), input=b"Q\n", timeout=20)
rec = rec_next()
c.check(r.rc != 0, "tls1.0 imap: client fails", r)
c.field(rec, "relay.starttls_accepted", True, "tls1.0 imap")
H.check_version_record(c, rec, H.TLS10, "tls1.0 imap")
al = H.get(rec, "server.alerts", []) or []
c.check(any(a.get("from") == "server" for a in al) or
        H.get(rec, "server.tls_error") == "server_closed_during_handshake",
        "tls1.0 imap: the server's alert or its close is recorded",
        H.get(rec, "server"))
c.field(rec, "relay.handshake_finished", False, "tls1.0 imap")

# 4. LOGIN in plaintext (Dovecot allows it from 127.0.0.1, counting
#    loopback as secure): the relay flags it and keeps no password.
srv.conns += 1
im = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=10)
try:
    im.login("alice", "pw")
except imaplib.IMAP4.error:
    pass
im.logout()
rec = rec_next()
c.field(rec, "plaintext.plaintext_login.attempted", True, "plaintext LOGIN")
c.field(rec, "plaintext.plaintext_login.command", "LOGIN", "plaintext LOGIN")
c.field(rec, "plaintext.starttls_requested", False, "plaintext LOGIN")
c.reason(rec, "plaintext_login", "plaintext LOGIN")
c.check("pw" not in str(H.get(rec, "plaintext")), "plaintext LOGIN: the "
        "password is not in the record")

srv.stop()
c.done()
