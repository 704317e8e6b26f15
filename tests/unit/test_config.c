/*
 * test_config.c - the config file: defaults, every key, and one or more
 * bad files per error class with the exact "FILE:LINE: message" the user
 * sees. Configs are written to temporary files and read with config_load,
 * the way the program reads them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tl.h"

static char tmp_path[64];

/* write_tmp puts `text` into a fresh temporary file (tmp_path). */
static void
write_tmp(const char *text)
{
    int fd;
    FILE *f;

    snprintf(tmp_path, sizeof(tmp_path), "/tmp/tlsready-cfg-XXXXXX");
    fd = mkstemp(tmp_path);
    CHECK(fd >= 0);
    f = fdopen(fd, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

static struct tr_config *
load_text(const char *text, struct config_error *err)
{
    struct tr_config *c;

    write_tmp(text);
    c = config_load(tmp_path, err);
    unlink(tmp_path);
    return c;
}

/*
 * expect_err loads `text` and checks that it fails with exactly
 * "TMP:line: msg".
 */
static void
expect_err_at(const char *text, int line, const char *msg, int src_line)
{
    struct config_error err;
    struct tr_config *c = load_text(text, &err);
    char want[1024], got[1024];

    CHECK(c == NULL);
    config_free(c);
    snprintf(want, sizeof(want), "%s:%d: %s", tmp_path, line, msg);
    snprintf(got, sizeof(got), "%s:%d: %s", err.file, err.line, err.msg);
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "test_config.c:%d:\n  want %s\n  got  %s\n", src_line,
                want, got);
        tl_fail(__FILE__, src_line, "error message");
    }
    tl_checks++;
}

#define expect_err(text, line, msg) expect_err_at(text, line, msg, __LINE__)

static struct tr_config *
expect_ok_at(const char *text, int src_line)
{
    struct config_error err;
    struct tr_config *c = load_text(text, &err);

    if (c == NULL) {
        fprintf(stderr, "test_config.c:%d: unexpected error: %s:%d: %s\n",
                src_line, err.file, err.line, err.msg);
        tl_fail(__FILE__, src_line, "config should load");
    }
    tl_checks++;
    return c;
}

#define expect_ok(text) expect_ok_at(text, __LINE__)

static const struct listener_conf *
find_listener(const struct tr_config *c, const char *name)
{
    for (size_t i = 0; c != NULL && i < c->num_listeners; i++) {
        if (strcmp(c->listeners[i].name, name) == 0) {
            return &c->listeners[i];
        }
    }
    return NULL;
}

static uint16_t
port_of(const struct listener_conf *l)
{
    if (l->listen_addr.ss_family == AF_INET6) {
        return ntohs(((const struct sockaddr_in6 *)&l->listen_addr)->sin6_port);
    }
    return ntohs(((const struct sockaddr_in *)&l->listen_addr)->sin_port);
}

static void
test_defaults(void)
{
    struct tr_config *c = config_default();
    static const struct {
        const char *name;
        uint16_t port;
        enum listener_proto proto;
        bool starttls;
    } want[] = {
        {"imap", 1143, LPROTO_IMAP, true},
        {"imaps", 1993, LPROTO_IMAP, false},
        {"pop3", 1110, LPROTO_POP3, true},
        {"pop3s", 1995, LPROTO_POP3, false},
        {"submission", 1587, LPROTO_SMTP, true},
        {"smtps", 1465, LPROTO_SMTP, false},
        {"https", 1443, LPROTO_HTTPS, false},
    };

    CHECK(c != NULL);
    if (c == NULL) {
        return;
    }
    CHECK(c->num_listeners == 7);
    for (size_t i = 0; i < ARRAY_LEN(want); i++) {
        const struct listener_conf *l = find_listener(c, want[i].name);
        CHECK(l != NULL);
        if (l == NULL) {
            continue;
        }
        CHECK(l->mode == LMODE_TEST);
        CHECK(l->protocol == want[i].proto);
        CHECK(l->starttls == want[i].starttls);
        CHECK(port_of(l) == want[i].port);
        CHECK(config_addr_is_loopback(&l->listen_addr));
        CHECK(l->finish == LFINISH_ALERT);
        CHECK(l->policy != NULL && strcmp(l->policy->name, "tls12") == 0);
        CHECK(l->num_allow_clients == 0);
        CHECK(l->max_preread == 65536);
        CHECK(l->max_hello == 16384);
        CHECK(l->timeout_hello == 10);
        CHECK(l->max_line == (want[i].starttls ? (want[i].proto == LPROTO_IMAP
                                                      ? 8192u
                                                  : want[i].proto == LPROTO_POP3
                                                      ? 1024u
                                                      : 12288u)
                                               : 0u));
    }
    CHECK(strcmp(find_listener(c, "imap")->listen_text, "127.0.0.1:1143") ==
          0);
    CHECK(c->global.dashboard_enabled);
    CHECK(strcmp(c->global.dashboard_text, "127.0.0.1:8025") == 0);
    CHECK(config_addr_is_loopback(&c->global.dashboard_addr));
    CHECK(strcmp(c->global.records, "tlsready-records.jsonl") == 0);
    CHECK(c->global.max_connections == 1024);
    CHECK(c->global.max_per_address == 64);
    CHECK(c->global.story_window == 120);
    CHECK(c->global.console == CONSOLE_AUTO);
    CHECK(strcmp(c->global.policy_name, "tls12") == 0);
    config_free(c);
}

static void
test_full_config(void)
{
    struct tr_config *c = expect_ok(
        "; a full config\n"
        "[global]\n"
        "records = /var/tmp/r.jsonl ; trailing comment\n"
        "bind = 127.0.0.2\n"
        "console = plain\n"
        "lang = ja\n"
        "policy = strict\n"
        "max_connections = 200\n"
        "max_per_address = 10\n"
        "story_window = 0\n"
        "dashboard = off\n"
        "fingerprints = /a.json\n"
        "fingerprints = /b.json\n"
        "handshake_cert = /c.pem\n"
        "handshake_key = /k.pem\n"
        "\n"
        "  [listener imap-starttls]   ; indented header\n"
        "    mode = test\n"
        "    protocol = IMAP\n"
        "    listen = 1143\n"
        "    starttls = yes\n"
        "    finish = office365\n"
        "    hostname = mail.example.test\n"
        "    max_line = 4096\n"
        "    max_commands = 5\n"
        "    timeout_plaintext = 7\n"
        "[listener relay1]\n"
        "mode = relay\n"
        "protocol = smtp\n"
        "listen = [::1]:1587\n"
        "upstream = smtp.example.test:587\n"
        "policy = office365\n"
        "timeout_idle = 60\n"
        "timeout_connect = 3\n"
        "[listener px]\n"
        "mode = http-connect\n"
        "listen = 10.1.2.3:3128\n"
        "allow_clients = 10.0.0.0/8, 192.168.1.7\n"
        "allow_clients = fd00::/8\n"
        "allow_ports = 443, 993\n"
        "allow_hosts = *.office365.com, Outlook.Office365.com\n"
        "[listener sx]\n"
        "mode = socks5\n"
        "listen = 127.0.0.1:1080\n"
        "[listener r6]\n"
        "mode = relay\n"
        "protocol = tls\n"
        "listen = 0\n"
        "upstream = [2001:db8::1]:993\n"
        "[policy strict]\n"
        "description = only the best\n"
        "min_version = 1.2\n"
        "max_version = 0x0304\n"
        "suites = TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0xC02F\n"
        "suites = tls_aes_128_gcm_sha256\n"
        "refuse = 3des, RC4\n"
        "require_sni = yes\n");
    const struct listener_conf *l;

    if (c == NULL) {
        return;
    }
    CHECK(c->num_listeners == 5);
    CHECK(strcmp(c->global.records, "/var/tmp/r.jsonl") == 0);
    CHECK(c->global.console == CONSOLE_PLAIN);
    CHECK(c->global.lang == LANG_JA);
    CHECK(!c->global.dashboard_enabled);
    CHECK(c->global.num_fingerprints == 2);
    CHECK(strcmp(c->global.fingerprints[1], "/b.json") == 0);
    CHECK(c->global.story_window == 0);

    l = find_listener(c, "imap-starttls");
    CHECK(l != NULL);
    if (l != NULL) {
        CHECK(strcmp(l->listen_text, "127.0.0.2:1143") == 0);
        CHECK(l->protocol == LPROTO_IMAP && l->starttls);
        CHECK(l->finish == LFINISH_OFFICE365);
        CHECK(l->max_line == 4096 && l->max_commands == 5);
        CHECK(l->timeout_plaintext == 7);
        CHECK(strcmp(l->hostname, "mail.example.test") == 0);
        CHECK(strcmp(l->policy_name, "strict") == 0);
        CHECK(l->policy == &c->policies[0]);
    }
    l = find_listener(c, "relay1");
    CHECK(l != NULL);
    if (l != NULL) {
        CHECK(l->mode == LMODE_RELAY);
        CHECK(l->listen_addr.ss_family == AF_INET6);
        CHECK(strcmp(l->listen_text, "[::1]:1587") == 0);
        CHECK(config_addr_is_loopback(&l->listen_addr));
        CHECK(strcmp(l->upstream_host, "smtp.example.test") == 0);
        CHECK(l->upstream_port == 587);
        CHECK(l->starttls); /* default for mail protocols */
        CHECK(l->max_line == 12288);
        CHECK(strcmp(l->policy->name, "office365") == 0);
        CHECK(l->policy->builtin);
        CHECK(l->timeout_idle == 60 && l->timeout_connect == 3);
    }
    l = find_listener(c, "px");
    CHECK(l != NULL);
    if (l != NULL) {
        struct sockaddr_storage ss;
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

        CHECK(l->protocol == LPROTO_AUTO);
        CHECK(!config_addr_is_loopback(&l->listen_addr));
        CHECK(l->num_allow_clients == 3);
        CHECK(l->num_allow_ports == 2);
        CHECK(config_port_allowed(l, 993));
        CHECK(!config_port_allowed(l, 25));
        CHECK(config_host_allowed(l, (const uint8_t *)"OUTLOOK.office365.com",
                                  21));
        CHECK(config_host_allowed(l, (const uint8_t *)"a.b.office365.com",
                                  17));
        CHECK(!config_host_allowed(l, (const uint8_t *)"office365.com", 12));
        CHECK(!config_host_allowed(l, (const uint8_t *)"evil-office365.com",
                                   18));
        CHECK(!config_host_allowed(l, (const uint8_t *)"outlook.office365.co",
                                   20));
        memset(&ss, 0, sizeof(ss));
        sin->sin_family = AF_INET;
        CHECK(inet_pton(AF_INET, "10.200.3.4", &sin->sin_addr) == 1);
        CHECK(config_client_allowed(l, &ss));
        CHECK(inet_pton(AF_INET, "192.168.1.7", &sin->sin_addr) == 1);
        CHECK(config_client_allowed(l, &ss));
        CHECK(inet_pton(AF_INET, "192.168.1.8", &sin->sin_addr) == 1);
        CHECK(!config_client_allowed(l, &ss));
        memset(&ss, 0, sizeof(ss));
        sin6->sin6_family = AF_INET6;
        CHECK(inet_pton(AF_INET6, "::ffff:10.9.9.9", &sin6->sin6_addr) == 1);
        CHECK(config_client_allowed(l, &ss));
        CHECK(inet_pton(AF_INET6, "fd12::1", &sin6->sin6_addr) == 1);
        CHECK(config_client_allowed(l, &ss));
        CHECK(inet_pton(AF_INET6, "fe80::1", &sin6->sin6_addr) == 1);
        CHECK(!config_client_allowed(l, &ss));
    }
    l = find_listener(c, "sx");
    CHECK(l != NULL);
    if (l != NULL) {
        CHECK(l->mode == LMODE_SOCKS5);
        CHECK(l->num_allow_ports == 8); /* the mail + https defaults */
        CHECK(config_port_allowed(l, 587));
        CHECK(l->num_allow_hosts == 0);
        CHECK(config_host_allowed(l, (const uint8_t *)"x", 1));
        CHECK(l->max_line == 8192);
    }
    l = find_listener(c, "r6");
    CHECK(l != NULL);
    if (l != NULL) {
        CHECK(strcmp(l->upstream_host, "2001:db8::1") == 0);
        CHECK(port_of(l) == 0);
        CHECK(!l->starttls);
        CHECK(l->max_line == 0);
        CHECK(strcmp(l->policy_name, "strict") == 0); /* [global] policy */
    }
    CHECK(c->num_policies == 1);
    CHECK(c->policies[0].num_suites == 3);
    CHECK(c->policies[0].suites[1] == 0xc02f);
    CHECK(c->policies[0].suites[2] == 0x1301);
    CHECK(c->policies[0].min_version == 0x0303);
    CHECK(c->policies[0].max_version == 0x0304);
    CHECK(c->policies[0].refuse_3des && c->policies[0].refuse_rc4);
    CHECK(!c->policies[0].refuse_null);
    CHECK(c->policies[0].require_sni);
    CHECK(!c->policies[0].builtin);
    CHECK(config_policy(c, "strict") == &c->policies[0]);
    CHECK(config_policy(c, "tls13") != NULL);
    CHECK(config_policy(c, "nope") == NULL);
    config_free(c);
}

static void
test_errors(void)
{
    /* syntax and structure */
    expect_err("[global]\nrecords\n", 2,
               "expected 'key = value' or a [section] header");
    expect_err("[global\n", 1, "section header has no closing ']'");
    expect_err("[global] x\n", 1, "unexpected text after ']'");
    expect_err("[frontend x]\n", 1,
               "unknown section [frontend x] (expected [global], "
               "[listener NAME] or [policy NAME])");
    expect_err("records = x\n", 1,
               "'records' is outside any section (start with [global], "
               "[listener NAME] or [policy NAME])");
    expect_err("[global]\n= 3\n", 2, "missing key name before '='");
    expect_err("[global]\n[global]\n", 2,
               "duplicate [global] section (first at line 1)");
    expect_err("[global]\nrecords = a\nrecords = b\n", 3,
               "duplicate key 'records' (first set at line 2)");
    expect_err("[global]\nfoo = 1\n", 2, "unknown key 'foo' in [global]");
    expect_err("[listener a]\nlisten = 1\nfoo = 1\n", 3,
               "unknown key 'foo' in [listener a]");
    expect_err("[policy p]\nsuite = 0x0001\n", 2,
               "unknown key 'suite' in [policy p]");
    expect_err("[global]\nrecords = a\x01\n", 2,
               "control character 0x01 in line");
    expect_err("[global]\nrecords = \xc3\n", 2, "line is not valid UTF-8");
    expect_err("[global]\nrecords = \xc0\xaf\n", 2,
               "line is not valid UTF-8"); /* overlong '/' */
    expect_err("[global]\nrecords = \xed\xa0\x80\n", 2,
               "line is not valid UTF-8"); /* surrogate */
    {
        struct tr_config *c =
            expect_ok("[policy p]\ndescription = r\xc3\xa9sum\xc3\xa9 "
                      "\xe2\x9c\x93 \xf0\x9f\x94\x92\t\n");
        if (c != NULL) {
            CHECK(strcmp(c->policies[0].description,
                         "r\xc3\xa9sum\xc3\xa9 \xe2\x9c\x93 "
                         "\xf0\x9f\x94\x92") == 0);
        }
        config_free(c);
    }
    {
        char big[400];
        memset(big, 'a', sizeof(big));
        memcpy(big, "[global]\nrecords = ", 19);
        big[9 + 197] = '\n'; /* line 2 is exactly 197 characters */
        big[9 + 198] = '\0';
        config_free(expect_ok(big));
        big[9 + 197] = 'a';
        big[9 + 198] = '\n';
        big[9 + 199] = '\0';
        expect_err(big, 2,
                   "line is longer than 197 characters (repeat a list key "
                   "to split long lists)");
    }

    /* names and duplicates */
    expect_err("[listener a b]\n", 1,
               "bad listener name 'a b' (1-31 letters, digits, '-', '_' or "
               "'.')");
    expect_err("[listener a]\nlisten = 1143\nprotocol = imap\n"
               "[listener a]\n",
               4, "duplicate listener 'a' (first at line 1)");
    expect_err("[policy p]\n[policy p]\n", 2,
               "duplicate policy 'p' (first at line 1)");

    /* values */
    expect_err("[global]\nconsole = colour\n", 2,
               "console must be auto, color, plain or off, not 'colour'");
    expect_err("[global]\nmax_connections = 12x\n", 2,
               "max_connections must be a number from 1 to 100000, not "
               "'12x'");
    expect_err("[global]\nmax_connections = 0\n", 2,
               "max_connections must be a number from 1 to 100000, not '0'");
    expect_err("[global]\nbind = localhost\n", 2,
               "bind must be a numeric IPv4 or IPv6 address, not "
               "'localhost' (no host names here)");
    expect_err("[global]\ndashboard = [::1]\n", 2,
               "dashboard: expected [IPV6]:PORT (or 'off'), not '[::1]'");
    expect_err("[listener a]\nprotocol = imap\nlisten = ::1:143\n", 3,
               "listen: an IPv6 address needs brackets: [::1]:PORT, not "
               "'::1:143'");
    expect_err("[listener a]\nprotocol = imap\nlisten = 70000\n", 3,
               "listen: port must be a number from 0 to 65535, not '70000'");
    expect_err("[listener a]\nprotocol = imap\nlisten = mail.local:143\n", 3,
               "listen address must be a numeric IPv4 or [IPv6] address, "
               "not 'mail.local' (no host names here)");
    expect_err("[listener a]\nprotocol = imap\nlisten = 1\nstarttls = maybe\n",
               4, "starttls must be yes or no, not 'maybe'");
    expect_err("[listener a]\nmode = proxy\n", 2,
               "mode must be test, relay, http-connect or socks5, not "
               "'proxy'");
    expect_err("[listener a]\nprotocol = imap\nlisten = 1\nmax_hello = 70000\n",
               4, "max_hello must be a number from 512 to 65536, not "
               "'70000'");
    expect_err("[listener a]\nmode = socks5\nlisten = 1\n"
               "allow_clients = 10.0.0.0/33\n",
               4, "allow_clients: '10.0.0.0/33' is not an address or "
               "ADDRESS/PREFIX");
    expect_err("[listener a]\nmode = socks5\nlisten = 1\n"
               "allow_ports = 443,,993\n",
               4, "allow_ports: empty item in list");
    expect_err("[listener a]\nmode = socks5\nlisten = 1\n"
               "allow_ports = 443,\n",
               4, "allow_ports: empty item in list");
    expect_err("[listener a]\nmode = relay\nprotocol = tls\nlisten = 1\n"
               "upstream = example.com\n",
               5, "upstream: expected HOST:PORT, not 'example.com'");
    expect_err("[policy p]\nmin_version = tls1.4\n", 2,
               "min_version must be ssl3, tls1.0, tls1.1, tls1.2, tls1.3 "
               "(or 1.2, 0x0303), not 'tls1.4'");
    expect_err("[policy p]\nsuites = TLS_NOT_A_SUITE\n", 2,
               "suites: unknown cipher suite 'TLS_NOT_A_SUITE' (use the "
               "IANA name or a hex id like 0xc02f)");
    expect_err("[policy p]\nsuites = 0xc02\n", 2,
               "suites: '0xc02' is not a 4-digit hex id like 0xc02f");
    expect_err("[policy p]\nsuites = TLS_FALLBACK_SCSV\n", 2,
               "suites: 'TLS_FALLBACK_SCSV' is a signalling value, not a "
               "cipher suite");
    expect_err("[policy p]\nsuites = 0xc02f, 0xC02F\n", 2,
               "suites: 0xc02f is listed twice");
    expect_err("[policy p]\nrefuse = des\n", 2,
               "refuse: 'des' is not 3des, rc4, export or null");

    /* whole-file checks */
    expect_err("[listener a]\nprotocol = imap\n", 1,
               "listener 'a' has no 'listen' address");
    expect_err("[listener a]\n", 1, "listener 'a' has no 'listen' address");
    expect_err("[listener a]\nlisten = 1143\n", 1,
               "listener 'a': mode test needs a protocol (imap, pop3, smtp, "
               "tls or https)");
    expect_err("[listener a]\nlisten = 1143\nprotocol = tls\nstarttls = yes\n",
               4, "listener 'a': starttls applies only to protocol imap, "
               "pop3 or smtp");
    expect_err("[listener a]\nlisten = 1143\nprotocol = https\n"
               "finish = office365\n",
               4, "listener 'a': finish = office365 needs protocol imap, "
               "pop3 or smtp (Office 365 documents the rejection text only "
               "for those)");
    expect_err("[listener a]\nmode = relay\nlisten = 1143\nprotocol = imap\n",
               1, "listener 'a': mode relay needs upstream = HOST:PORT");
    expect_err("[listener a]\nlisten = 1143\nprotocol = imap\n"
               "upstream = x:1\n",
               4, "listener 'a': upstream applies only to mode relay");
    expect_err("[listener a]\nupstream = x:1\nmode = socks5\nlisten = 1143\n",
               2, "listener 'a': upstream applies only to mode relay");
    expect_err("[listener a]\nmode = relay\nprotocol = imap\nlisten = 1\n"
               "upstream = x:1\nfinish = reset\n",
               6, "listener 'a': finish applies only to mode test");
    expect_err("[listener a]\nlisten = 1\nprotocol = imap\n"
               "allow_ports = 443\n",
               4, "listener 'a': allow_ports applies only to mode "
               "http-connect or socks5");
    expect_err("[listener a]\nlisten = 1\nprotocol = imap\nstarttls = no\n"
               "max_line = 100\n",
               5, "listener 'a': max_line applies only where there is a "
               "plaintext stage (starttls = yes, or a proxy mode)");
    expect_err("[listener a]\nlisten = 1\nprotocol = smtp\n"
               "timeout_idle = 5\n",
               4, "listener 'a': timeout_idle applies only to relay and "
               "proxy modes");
    expect_err("[listener a]\nlisten = 1\nprotocol = imap\npolicy = nope\n",
               4, "unknown policy 'nope' (not built in and no [policy nope] "
               "section)");
    expect_err("[global]\npolicy = nope\n", 2,
               "unknown policy 'nope' (not built in and no [policy nope] "
               "section)");
    expect_err("[listener a]\nlisten = 1143\nprotocol = imap\n"
               "[listener b]\nlisten = 127.0.0.1:1143\nprotocol = pop3\n",
               5, "listen address 127.0.0.1:1143 of listener 'b' is already "
               "used by listener 'a'");
    expect_err("[listener a]\nlisten = 0.0.0.0:1143\nprotocol = imap\n"
               "[listener b]\nlisten = 127.0.0.1:1143\nprotocol = pop3\n",
               5, "listen address 127.0.0.1:1143 of listener 'b' is already "
               "used by listener 'a' (overlapping wildcard)");
    expect_err("[listener a]\nlisten = 8025\nprotocol = imap\n", 2,
               "listen address 127.0.0.1:8025 of listener 'a' is the "
               "dashboard address");
    expect_err("[listener p]\nmode = http-connect\nlisten = 0.0.0.0:3128\n",
               3, "listener 'p' (http-connect) listens on 0.0.0.0:3128, which "
               "is not loopback: set allow_clients (tlsready is never an "
               "open proxy)");
    expect_err("[global]\nbind = 192.168.1.1\n[listener r]\nmode = relay\n"
               "protocol = tls\nlisten = 993\nupstream = x.test:993\n",
               6, "listener 'r' (relay) listens on 192.168.1.1:993, which is "
               "not loopback: set allow_clients (tlsready is never an open "
               "relay)");
    expect_err("[global]\nmax_connections = 10\nmax_per_address = 20\n", 3,
               "max_per_address (20) is above max_connections (10)");
    expect_err("[global]\nhandshake_cert = /x.pem\n", 2,
               "handshake_cert and handshake_key go together: set both or "
               "neither");
    expect_err("[policy p]\nmin_version = tls1.3\nmax_version = tls1.2\n", 3,
               "policy 'p': max_version is below min_version");
    expect_err("[policy p]\nrefuse = 3des\n"
               "suites = TLS_RSA_WITH_3DES_EDE_CBC_SHA\n",
               3, "policy 'p': suite TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000a) "
               "is in a refused category");
    expect_err("[policy p]\nmin_version = tls1.3\nsuites = 0xc02f\n", 3,
               "policy 'p': requires TLS 1.3 but lists no TLS 1.3 suite "
               "(0x13xx)");

    /* a missing file: no line */
    {
        struct config_error err;
        struct tr_config *c = config_load("/nonexistent/tlsready.conf", &err);
        CHECK(c == NULL);
        CHECK(err.line == 0);
        CHECK(strcmp(err.msg, "cannot open: No such file or directory") == 0);
    }
}

static void
test_order_independence(void)
{
    /* policy defined after use; [global] after listeners */
    struct tr_config *c = expect_ok("[listener a]\nlisten = 1143\n"
                                    "protocol = pop3\npolicy = later\n"
                                    "[global]\nbind = ::1\n"
                                    "[policy later]\nmin_version = tls1.3\n");
    if (c != NULL) {
        CHECK(strcmp(c->listeners[0].listen_text, "[::1]:1143") == 0);
        CHECK(c->listeners[0].policy->min_version == 0x0304);
        config_free(c);
    }
    /* a user policy may replace a built-in of the same name */
    c = expect_ok("[policy tls12]\nmin_version = tls1.1\n");
    if (c != NULL) {
        CHECK(c->num_listeners == 7);
        CHECK(c->listeners[0].policy == &c->policies[0]);
        CHECK(c->listeners[0].policy->min_version == 0x0302);
        config_free(c);
    }
    /* CRLF, BOM, comments, "key: value" */
    c = expect_ok("\xef\xbb\xbf; bom\r\n[global]\r\n# hash comment\r\n"
                  "records: -\r\n");
    if (c != NULL) {
        CHECK(strcmp(c->global.records, "-") == 0);
        config_free(c);
    }
}

static void
test_bind(void)
{
    struct tr_config *c = config_default();
    struct config_error err;

    CHECK(c != NULL);
    if (c == NULL) {
        return;
    }
    CHECK(config_apply_bind(c, "192.168.7.7", &err) == 0);
    for (size_t i = 0; i < c->num_listeners; i++) {
        CHECK(!config_addr_is_loopback(&c->listeners[i].listen_addr));
    }
    CHECK(strcmp(c->listeners[0].listen_text, "192.168.7.7:1143") == 0);
    CHECK(port_of(&c->listeners[6]) == 1443);
    /* the dashboard stays on loopback */
    CHECK(config_addr_is_loopback(&c->global.dashboard_addr));
    CHECK(config_apply_bind(c, "[::1]", &err) == 0);
    CHECK(strcmp(c->listeners[1].listen_text, "[::1]:1993") == 0);
    CHECK(config_apply_bind(c, "example.com", &err) == -1);
    CHECK(strcmp(err.file, "--bind") == 0 && err.line == 0);
    CHECK(strcmp(err.msg, "'example.com' is not a numeric IPv4 or IPv6 "
                          "address") == 0);
    CHECK(strcmp(c->listeners[1].listen_text, "[::1]:1993") == 0);
    config_free(c);

    /* a proxy without allow_clients cannot be moved off loopback */
    c = expect_ok("[listener p]\nmode = socks5\nlisten = 1080\n"
                  "[listener t]\nprotocol = tls\nlisten = 127.0.0.5:1080\n");
    if (c != NULL) {
        CHECK(config_apply_bind(c, "0.0.0.0", &err) == -1);
        CHECK(strcmp(err.msg, "listener 'p' (socks5) listens on "
                              "0.0.0.0:1080, which is not loopback: set "
                              "allow_clients (tlsready is never an open "
                              "proxy)") == 0);
        CHECK(strcmp(c->listeners[0].listen_text, "127.0.0.1:1080") == 0);
        /* two listeners that differ only by address now collide */
        CHECK(config_apply_bind(c, "127.0.0.9", &err) == -1);
        CHECK(strcmp(err.msg, "listen address 127.0.0.9:1080 of listener "
                              "'t' is already used by listener 'p'") == 0);
        CHECK(strcmp(c->listeners[1].listen_text, "127.0.0.5:1080") == 0);
        config_free(c);
    }
}

/* dump → load → dump must be a fixed point. */
static void
test_dump_roundtrip(void)
{
    static const char *const texts[] = {
        "",
        "[global]\ndashboard = off\nfingerprints = /a\n"
        "[listener px]\nmode = http-connect\nlisten = 10.1.2.3:3128\n"
        "allow_clients = 10.0.0.0/8, 10.1.2.3/8, ::1\n"
        "allow_hosts = *.example.com\n"
        "[listener r]\nmode = relay\nprotocol = imap\nstarttls = no\n"
        "listen = [::1]:993\nupstream = [::2]:993\npolicy = p\n"
        "[policy p]\ndescription=;odd\nsuites = 0x1301, 0xfefe, "
        "TLS_RSA_WITH_AES_128_GCM_SHA256\nmax_version = 1.3\n",
    };

    for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
        struct config_error err;
        struct tr_config *a = load_text(texts[i], &err), *b;
        char *d1 = NULL, *d2 = NULL;
        size_t n1 = 0, n2 = 0;
        FILE *f;

        CHECK(a != NULL);
        if (a == NULL) {
            fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
            continue;
        }
        f = open_memstream(&d1, &n1);
        config_dump(a, f);
        fclose(f);
        b = load_text(d1, &err);
        CHECK(b != NULL);
        if (b == NULL) {
            fprintf(stderr, "dump does not load: %d: %s\n%s", err.line,
                    err.msg, d1);
            config_free(a);
            free(d1);
            continue;
        }
        f = open_memstream(&d2, &n2);
        config_dump(b, f);
        fclose(f);
        /* the first line names the file, which differs */
        CHECK(strcmp(strchr(d1, '\n'), strchr(d2, '\n')) == 0);
        if (strcmp(strchr(d1, '\n'), strchr(d2, '\n')) != 0) {
            fprintf(stderr, "first dump:\n%s\nsecond dump:\n%s\n", d1, d2);
        }
        CHECK(a->num_listeners == b->num_listeners);
        config_free(a);
        config_free(b);
        free(d1);
        free(d2);
    }
}

static void
test_load_mem(void)
{
    struct config_error err;
    /* no NUL terminator needed, and a NUL inside is refused */
    static const uint8_t data[] = {'[', 'g', 'l', 'o', 'b', 'a', 'l', ']',
                                   '\n', 'r', 0, '=', '1'};
    struct tr_config *c = config_load_mem("mem", data, sizeof(data), &err);

    CHECK(c == NULL);
    CHECK(err.line == 2);
    CHECK(strcmp(err.msg, "control character 0x00 in line") == 0);
    c = config_load_mem("mem", data, 8, &err);
    CHECK(c != NULL);
    config_free(c);
}

/* the shipped sample must load (it documents every key) */
static void
test_sample(void)
{
    const char *src = getenv("TLSREADY_SRC");
    char path[512];
    struct config_error err;
    struct tr_config *c;

    if (src == NULL) {
        return;
    }
    snprintf(path, sizeof(path), "%s/config/tlsready.conf.sample", src);
    c = config_load(path, &err);
    if (c == NULL) {
        config_error_print(&err, stderr);
    }
    CHECK(c != NULL);
    if (c != NULL) {
        CHECK(c->num_listeners == 6);
        CHECK(c->num_policies == 1);
        CHECK(c->policies[0].num_suites == 7);
    }
    config_free(c);
}

int
main(void)
{
    test_sample();
    test_defaults();
    test_full_config();
    test_errors();
    test_order_independence();
    test_bind();
    test_dump_roundtrip();
    test_load_mem();
    return tl_done("test_config");
}
