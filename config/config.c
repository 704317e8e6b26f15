/*
 * config.c - reads the INI configuration with libinih, validates all of it
 * before anything starts, and fills struct tr_config.
 *
 * Line numbers: Debian's libinih is built without INI_HANDLER_LINENO, so
 * the key handler is not told the line. We parse through
 * ini_parse_stream() with our own reader over the file's bytes; inih asks
 * the reader for exactly one line per call, so the reader's line counter is
 * the line the handler is looking at. The reader also does the checks inih
 * cannot report well: over-long lines (inih would silently split them at
 * ini_max_line), control characters, section headers (so empty sections and
 * bad names are seen, with their line) and lines that are not
 * "key = value". It strips leading blanks, which also switches off inih's
 * "indented line continues the previous value" rule: indentation is free
 * and list keys are repeated instead.
 *
 * Validation that needs the whole file (listeners naming a policy defined
 * later, port-only listen values that depend on [global] bind, duplicate
 * addresses, mode/protocol combinations) runs after parsing and reports the
 * line of the key at fault.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "bytes.h"
#include "config.h"

/* Keys of [listener] sections; index into key_line[]. */
enum lkey {
    LK_MODE,
    LK_PROTOCOL,
    LK_LISTEN,
    LK_STARTTLS,
    LK_FINISH,
    LK_POLICY,
    LK_UPSTREAM,
    LK_ALLOW_PORTS,
    LK_ALLOW_HOSTS,
    LK_ALLOW_CLIENTS,
    LK_HOSTNAME,
    LK_MAX_LINE,
    LK_MAX_COMMANDS,
    LK_MAX_PREREAD,
    LK_MAX_HELLO,
    LK_TIMEOUT_PLAINTEXT,
    LK_TIMEOUT_HELLO,
    LK_TIMEOUT_IDLE,
    LK_TIMEOUT_CONNECT,
    LK_COUNT
};

enum gkey {
    GK_RECORDS,
    GK_BIND,
    GK_CONSOLE,
    GK_LANG,
    GK_POLICY,
    GK_MAX_CONNECTIONS,
    GK_MAX_PER_ADDRESS,
    GK_STORY_WINDOW,
    GK_DASHBOARD,
    GK_FINGERPRINTS,
    GK_HANDSHAKE_CERT,
    GK_HANDSHAKE_KEY,
    GK_COUNT
};

enum pkey {
    PK_MIN_VERSION,
    PK_MAX_VERSION,
    PK_SUITES,
    PK_REFUSE,
    PK_REQUIRE_SNI,
    PK_DESCRIPTION,
    PK_COUNT
};

struct key_def {
    const char *name;
    int id;
    bool list; /* may repeat; each occurrence appends */
};

static const struct key_def listener_keys[] = {
    {"mode", LK_MODE, false},
    {"protocol", LK_PROTOCOL, false},
    {"listen", LK_LISTEN, false},
    {"starttls", LK_STARTTLS, false},
    {"finish", LK_FINISH, false},
    {"policy", LK_POLICY, false},
    {"upstream", LK_UPSTREAM, false},
    {"allow_ports", LK_ALLOW_PORTS, true},
    {"allow_hosts", LK_ALLOW_HOSTS, true},
    {"allow_clients", LK_ALLOW_CLIENTS, true},
    {"hostname", LK_HOSTNAME, false},
    {"max_line", LK_MAX_LINE, false},
    {"max_commands", LK_MAX_COMMANDS, false},
    {"max_preread", LK_MAX_PREREAD, false},
    {"max_hello", LK_MAX_HELLO, false},
    {"timeout_plaintext", LK_TIMEOUT_PLAINTEXT, false},
    {"timeout_hello", LK_TIMEOUT_HELLO, false},
    {"timeout_idle", LK_TIMEOUT_IDLE, false},
    {"timeout_connect", LK_TIMEOUT_CONNECT, false},
};

static const struct key_def global_keys[] = {
    {"records", GK_RECORDS, false},
    {"bind", GK_BIND, false},
    {"console", GK_CONSOLE, false},
    {"lang", GK_LANG, false},
    {"policy", GK_POLICY, false},
    {"max_connections", GK_MAX_CONNECTIONS, false},
    {"max_per_address", GK_MAX_PER_ADDRESS, false},
    {"story_window", GK_STORY_WINDOW, false},
    {"dashboard", GK_DASHBOARD, false},
    {"fingerprints", GK_FINGERPRINTS, true},
    {"handshake_cert", GK_HANDSHAKE_CERT, false},
    {"handshake_key", GK_HANDSHAKE_KEY, false},
};

static const struct key_def policy_keys[] = {
    {"min_version", PK_MIN_VERSION, false},
    {"max_version", PK_MAX_VERSION, false},
    {"suites", PK_SUITES, true},
    {"refuse", PK_REFUSE, true},
    {"require_sni", PK_REQUIRE_SNI, false},
    {"description", PK_DESCRIPTION, false},
};

/* Defaults (doc/config.md explains each). */
#define DEF_RECORDS "tlsready-records.jsonl"
#define DEF_BIND "127.0.0.1"
#define DEF_MAX_CONNECTIONS 1024
#define DEF_MAX_PER_ADDRESS 64
#define DEF_STORY_WINDOW 120
#define DEF_DASHBOARD "127.0.0.1:8025"
#define DEF_HOSTNAME "tlsready.invalid"
#define DEF_MAX_COMMANDS 32
#define DEF_MAX_PREREAD 65536
#define DEF_MAX_HELLO 16384
#define DEF_TIMEOUT_PLAINTEXT 30
#define DEF_TIMEOUT_HELLO 10
#define DEF_TIMEOUT_IDLE 300
#define DEF_TIMEOUT_CONNECT 10

/* Line limits per protocol (plaintext stage, including CRLF). */
#define LINE_IMAP 8192  /* RFC 7162 §4: clients keep lines under 8192 */
#define LINE_POP3 1024  /* RFC 2449 §4: 255; room for SASL responses */
#define LINE_SMTP 12288 /* RFC 4954 §4: AUTH lines up to 12288 octets */
#define LINE_PROXY 8192 /* HTTP request/header line (common server cap) */

static const uint16_t default_allow_ports[] = {25,  110, 143, 443,
                                               465, 587, 993, 995};

/* Per-listener parse bookkeeping: where each key was set, raw listen. */
struct lparse {
    int key_line[LK_COUNT];
    char listen_host[64]; /* "" = port only, use [global] bind */
    uint16_t listen_port;
};

struct pparse {
    int line;
    int key_line[PK_COUNT];
};

enum section_kind { SEC_NONE = 0, SEC_GLOBAL, SEC_LISTENER, SEC_POLICY };

struct cfg_parse {
    struct tr_config *c;
    struct config_error *err;
    const char *file;
    const uint8_t *data;
    size_t len;
    size_t pos;
    int lineno;
    bool failed;

    enum section_kind sec;
    size_t cur;           /* index of the current listener or policy */
    int global_line;      /* line of the first [global], 0 if none */
    int gkey_line[GK_COUNT];
    struct lparse lp[CONFIG_MAX_LISTENERS];
    struct pparse pp[POLICY_MAX_USER];
};

static void cfg_fail(struct cfg_parse *st, int line, const char *fmt, ...)
    PRINTFLIKE(3, 4);

static void
cfg_fail(struct cfg_parse *st, int line, const char *fmt, ...)
{
    va_list ap;

    if (st->failed) {
        return; /* keep the first error */
    }
    st->failed = true;
    snprintf(st->err->file, sizeof(st->err->file), "%s", st->file);
    st->err->line = line;
    va_start(ap, fmt);
    vsnprintf(st->err->msg, sizeof(st->err->msg), fmt, ap);
    va_end(ap);
}

void
config_error_print(const struct config_error *err, FILE *f)
{
    if (err->line > 0) {
        fprintf(f, "%s:%d: %s\n", err->file, err->line, err->msg);
    } else {
        fprintf(f, "%s: %s\n", err->file, err->msg);
    }
}

/* ---- tokens ---------------------------------------------------------- */

static const char *const mode_tokens[] = {"test", "relay", "http-connect",
                                          "socks5"};
static const char *const proto_tokens[] = {"auto", "imap", "pop3",
                                           "smtp", "tls",  "https"};
static const char *const finish_tokens[] = {"alert", "handshake", "office365",
                                            "close", "reset"};
static const char *const console_tokens[] = {"auto", "color", "plain", "off"};
static const char *const lang_tokens[] = {"auto", "en", "ja"};

const char *
config_mode_str(enum listener_mode m)
{
    return (size_t)m < ARRAY_LEN(mode_tokens) ? mode_tokens[m] : "?";
}

const char *
config_proto_str(enum listener_proto p)
{
    return (size_t)p < ARRAY_LEN(proto_tokens) ? proto_tokens[p] : "?";
}

const char *
config_finish_str(enum listener_finish f)
{
    return (size_t)f < ARRAY_LEN(finish_tokens) ? finish_tokens[f] : "?";
}

const char *
config_console_str(enum config_console c)
{
    return (size_t)c < ARRAY_LEN(console_tokens) ? console_tokens[c] : "?";
}

const char *
config_lang_str(enum config_lang l)
{
    return (size_t)l < ARRAY_LEN(lang_tokens) ? lang_tokens[l] : "?";
}

/* token_index finds `v` in `tokens` (case-insensitive); -1 if absent. */
static int
token_index(const char *const *tokens, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(tokens[i], v) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* token_list writes "a, b or c" into `out` for error messages. */
static void
token_list(char *out, size_t out_len, const char *const *tokens, size_t n)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        int k = snprintf(out + used, out_len - used, "%s%s", sep, tokens[i]);
        if (k < 0 || (size_t)k >= out_len - used) {
            return;
        }
        used += (size_t)k;
    }
}

/* ---- small value parsers --------------------------------------------- */

/* parse_uint reads a plain decimal number (no sign, no junk). */
static bool
parse_uint(const char *v, unsigned long long max, unsigned long long *out)
{
    unsigned long long n = 0;

    if (*v == '\0') {
        return false;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        n = n * 10 + (unsigned)(*p - '0');
        if (n > max) {
            return false;
        }
    }
    *out = n;
    return true;
}

static bool
parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    if (token_index(yes, ARRAY_LEN(yes), v) >= 0) {
        *out = true;
        return true;
    }
    if (token_index(no, ARRAY_LEN(no), v) >= 0) {
        *out = false;
        return true;
    }
    return false;
}

static bool
valid_name(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= CONFIG_NAME_MAX) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
              ch == '.')) {
            return false;
        }
    }
    return true;
}

/* valid_hostname: LDH labels with dots (RFC 1123 §2.1), max 253. */
static bool
valid_hostname(const char *s)
{
    size_t n = strlen(s), label = 0;

    if (n == 0 || n > 253) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        char ch = *p;
        if (ch == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
            continue;
        }
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
            return false;
        }
        if (++label > 63) {
            return false;
        }
    }
    return true;
}

/*
 * numeric_addr parses a numeric IPv4/IPv6 address (no DNS: AI_NUMERICHOST)
 * with `port` into `ss`. IPv6 may be given with or without brackets.
 */
static bool
numeric_addr(const char *host, uint16_t port, struct sockaddr_storage *ss,
             socklen_t *ss_len)
{
    struct addrinfo hints, *res = NULL;
    char buf[64];
    size_t n = strlen(host);

    if (n >= sizeof(buf) || n == 0) {
        return false;
    }
    if (host[0] == '[') {
        if (n < 3 || host[n - 1] != ']') {
            return false;
        }
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
    } else {
        memcpy(buf, host, n + 1);
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (getaddrinfo(buf, NULL, &hints, &res) != 0 || res == NULL) {
        return false;
    }
    if (res->ai_addrlen > sizeof(*ss)) {
        freeaddrinfo(res);
        return false;
    }
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *ss_len = (socklen_t)res->ai_addrlen;
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET) {
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    } else if (ss->ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
    } else {
        return false;
    }
    return true;
}

/* addr_text formats "1.2.3.4:port" or "[::1]:port". */
static void
addr_text(const struct sockaddr_storage *ss, socklen_t len, char *out,
          size_t out_len)
{
    char host[64]; /* INET6_ADDRSTRLEN + %scope */
    uint16_t port = 0;

    if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host),
                    NULL, 0, NI_NUMERICHOST) != 0) {
        snprintf(out, out_len, "?");
        return;
    }
    if (ss->ss_family == AF_INET6) {
        port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
        snprintf(out, out_len, "[%s]:%u", host, (unsigned)port);
    } else {
        port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
        snprintf(out, out_len, "%s:%u", host, (unsigned)port);
    }
}

/*
 * split_hostport splits "host:port", "[v6]:port" or (when `port_only_ok`)
 * "port". `host` gets "" for a bare port; brackets are kept for IPv6 so the
 * caller can tell. Returns false with a reason in `why`.
 */
static bool
split_hostport(const char *v, bool port_only_ok, bool port_zero_ok,
               char *host, size_t host_len, uint16_t *port, const char **why)
{
    const char *port_text;
    unsigned long long p;
    size_t hlen;

    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (close == NULL || close[1] != ':') {
            *why = "expected [IPV6]:PORT";
            return false;
        }
        hlen = (size_t)(close + 1 - v);
        port_text = close + 2;
    } else {
        const char *colon = strchr(v, ':');
        if (colon == NULL) {
            if (!port_only_ok) {
                *why = "expected HOST:PORT";
                return false;
            }
            hlen = 0;
            port_text = v;
        } else {
            if (strchr(colon + 1, ':') != NULL) {
                *why = "an IPv6 address needs brackets: [::1]:PORT";
                return false;
            }
            hlen = (size_t)(colon - v);
            port_text = colon + 1;
            if (hlen == 0) {
                *why = "empty host before ':'";
                return false;
            }
        }
    }
    if (!parse_uint(port_text, 65535, &p) || (p == 0 && !port_zero_ok)) {
        *why = port_zero_ok ? "port must be a number from 0 to 65535"
                            : "port must be a number from 1 to 65535";
        return false;
    }
    if (hlen >= host_len) {
        *why = "host is too long";
        return false;
    }
    memcpy(host, v, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)p;
    return true;
}

/* ---- section headers (called from the reader) ------------------------- */

static void
listener_init_defaults(struct listener_conf *l)
{
    memset(l, 0, sizeof(*l));
    l->mode = LMODE_TEST;
    l->protocol = LPROTO_AUTO;
    l->finish = LFINISH_ALERT;
    snprintf(l->hostname, sizeof(l->hostname), "%s", DEF_HOSTNAME);
    l->max_commands = DEF_MAX_COMMANDS;
    l->max_preread = DEF_MAX_PREREAD;
    l->max_hello = DEF_MAX_HELLO;
    l->timeout_plaintext = DEF_TIMEOUT_PLAINTEXT;
    l->timeout_hello = DEF_TIMEOUT_HELLO;
    l->timeout_idle = DEF_TIMEOUT_IDLE;
    l->timeout_connect = DEF_TIMEOUT_CONNECT;
}

/* section_begin handles "[NAME]" (the text between the brackets). */
static void
section_begin(struct cfg_parse *st, const char *hdr)
{
    struct tr_config *c = st->c;
    const char *rest;

    if (strcmp(hdr, "global") == 0) {
        if (st->global_line != 0) {
            cfg_fail(st, st->lineno,
                     "duplicate [global] section (first at line %d)",
                     st->global_line);
            return;
        }
        st->global_line = st->lineno;
        st->sec = SEC_GLOBAL;
        return;
    }
    if (strncmp(hdr, "listener", 8) == 0 && (hdr[8] == ' ' || hdr[8] == '\t')) {
        rest = hdr + 8;
        while (*rest == ' ' || *rest == '\t') {
            rest++;
        }
        if (!valid_name(rest)) {
            cfg_fail(st, st->lineno,
                     "bad listener name '%.40s' (1-%d letters, digits, "
                     "'-', '_' or '.')",
                     rest, CONFIG_NAME_MAX - 1);
            return;
        }
        for (size_t i = 0; i < c->num_listeners; i++) {
            if (strcmp(c->listeners[i].name, rest) == 0) {
                cfg_fail(st, st->lineno,
                         "duplicate listener '%s' (first at line %d)", rest,
                         c->listeners[i].line);
                return;
            }
        }
        if (c->num_listeners >= CONFIG_MAX_LISTENERS) {
            cfg_fail(st, st->lineno, "too many listeners (at most %d)",
                     CONFIG_MAX_LISTENERS);
            return;
        }
        st->cur = c->num_listeners++;
        listener_init_defaults(&c->listeners[st->cur]);
        snprintf(c->listeners[st->cur].name, CONFIG_NAME_MAX, "%s", rest);
        c->listeners[st->cur].line = st->lineno;
        st->sec = SEC_LISTENER;
        return;
    }
    if (strncmp(hdr, "policy", 6) == 0 && (hdr[6] == ' ' || hdr[6] == '\t')) {
        struct policy *p;
        rest = hdr + 6;
        while (*rest == ' ' || *rest == '\t') {
            rest++;
        }
        if (!valid_name(rest) || strlen(rest) >= POLICY_NAME_MAX) {
            cfg_fail(st, st->lineno,
                     "bad policy name '%.40s' (1-%d letters, digits, "
                     "'-', '_' or '.')",
                     rest, POLICY_NAME_MAX - 1);
            return;
        }
        for (size_t i = 0; i < c->num_policies; i++) {
            if (strcmp(c->policies[i].name, rest) == 0) {
                cfg_fail(st, st->lineno,
                         "duplicate policy '%s' (first at line %d)", rest,
                         st->pp[i].line);
                return;
            }
        }
        if (c->num_policies >= POLICY_MAX_USER) {
            cfg_fail(st, st->lineno, "too many policies (at most %d)",
                     POLICY_MAX_USER);
            return;
        }
        st->cur = c->num_policies++;
        p = &c->policies[st->cur];
        memset(p, 0, sizeof(*p));
        snprintf(p->name, sizeof(p->name), "%s", rest);
        p->min_version = 0x0303; /* TLS 1.2 unless the section says */
        snprintf(p->source, sizeof(p->source), "%.150s:%d", st->file,
                 st->lineno);
        st->pp[st->cur].line = st->lineno;
        st->sec = SEC_POLICY;
        return;
    }
    cfg_fail(st, st->lineno,
             "unknown section [%.40s] (expected [global], "
             "[listener NAME] or [policy NAME])",
             hdr);
}

/*
 * header_line checks a line that starts with '[' and calls section_begin.
 * Only "[name]" optionally followed by a comment is accepted.
 */
static void
header_line(struct cfg_parse *st, const char *line)
{
    const char *close = strchr(line, ']');
    char hdr[64];
    size_t n;
    const char *after;

    if (close == NULL) {
        cfg_fail(st, st->lineno, "section header has no closing ']'");
        return;
    }
    after = close + 1;
    while (*after == ' ' || *after == '\t') {
        after++;
    }
    if (*after != '\0' && *after != ';' && *after != '#') {
        cfg_fail(st, st->lineno, "unexpected text after ']'");
        return;
    }
    /* trim inside the brackets */
    line++;
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    n = (size_t)(close - line);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
        n--;
    }
    if (n >= sizeof(hdr)) {
        cfg_fail(st, st->lineno, "section name is too long");
        return;
    }
    memcpy(hdr, line, n);
    hdr[n] = '\0';
    section_begin(st, hdr);
}

/*
 * kv_line checks that a non-header line has a '=' or ':' before any
 * inline comment, the same rule inih applies, so that our message (not
 * inih's bare line number) describes the mistake.
 */
static void
kv_line(struct cfg_parse *st, const char *line)
{
    bool was_space = false;

    for (const char *p = line; *p != '\0'; p++) {
        if (*p == '=' || *p == ':') {
            if (p == line) {
                cfg_fail(st, st->lineno, "missing key name before '%c'",
                         *p);
            }
            return;
        }
        if (*p == ';' && was_space) {
            break;
        }
        was_space = (*p == ' ' || *p == '\t');
    }
    cfg_fail(st, st->lineno,
             "expected 'key = value' or a [section] header");
}

/*
 * utf8_valid is true when `b` is well-formed UTF-8 (RFC 3629 §4: no
 * overlong forms, no surrogates, nothing above U+10FFFF). Config files are
 * text; refusing other bytes keeps error messages and dumps clean.
 */
static bool
utf8_valid(struct bcur b)
{
    uint8_t c0, c;

    while (bcur_get_u8(&b, &c0)) {
        unsigned need, min;
        uint32_t cp;
        if (c0 < 0x80) {
            continue;
        } else if (c0 >= 0xc2 && c0 <= 0xdf) {
            need = 1, min = 0x80, cp = c0 & 0x1fu;
        } else if (c0 >= 0xe0 && c0 <= 0xef) {
            need = 2, min = 0x800, cp = c0 & 0x0fu;
        } else if (c0 >= 0xf0 && c0 <= 0xf4) {
            need = 3, min = 0x10000, cp = c0 & 0x07u;
        } else {
            return false;
        }
        for (unsigned i = 0; i < need; i++) {
            if (!bcur_get_u8(&b, &c) || (c & 0xc0u) != 0x80u) {
                return false;
            }
            cp = cp << 6 | (c & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
    }
    return true;
}

/* ---- the reader inih calls once per line ------------------------------ */

static char *
cfg_reader_cb(char *str, int num, void *stream)
{
    struct cfg_parse *st = stream;
    struct bcur in, line;
    size_t n, max_len;
    uint8_t ch;
    const uint8_t *p;

    if (st->failed || st->pos >= st->len || num < 4) {
        return NULL;
    }
    st->lineno++;
    bcur_init(&in, st->data + st->pos, st->len - st->pos);
    if (!bcur_get_until(&in, &line, '\n', st->len - st->pos)) {
        /* last line without a newline */
        line = in;
        st->pos = st->len;
    } else {
        st->pos = st->len - bcur_left(&in);
    }
    /* UTF-8 BOM on the first line */
    if (st->lineno == 1 && bcur_left(&line) >= 3) {
        struct bcur peek = line, bom;
        if (bcur_get_bytes(&peek, &bom, 3)) {
            uint8_t a = 0, b = 0, c = 0;
            if (bcur_get_u8(&bom, &a) && bcur_get_u8(&bom, &b) &&
                bcur_get_u8(&bom, &c) && a == 0xef && b == 0xbb &&
                c == 0xbf) {
                line = peek;
            }
        }
    }
    /* drop one trailing CR, then measure */
    n = bcur_left(&line);
    {
        struct bcur tail = line;
        uint8_t last = 0;
        if (n > 0 && bcur_skip(&tail, n - 1) && bcur_get_u8(&tail, &last) &&
            last == '\r') {
            n--;
        }
    }
    /* inih needs room for "\r\n\0"; num is its buffer (ini_max_line) */
    max_len = (size_t)num - 3;
    if (n > max_len) {
        cfg_fail(st, st->lineno,
                 "line is longer than %zu characters (repeat a list key "
                 "to split long lists)",
                 max_len);
        return NULL;
    }
    /* copy without leading blanks, refusing control characters */
    {
        struct bcur copy = line, all;
        if (!bcur_get_bytes(&copy, &all, n) || !utf8_valid(all)) {
            cfg_fail(st, st->lineno, "line is not valid UTF-8");
            return NULL;
        }
    }
    {
        size_t out = 0;
        bool lead = true;
        struct bcur body;
        if (!bcur_get_bytes(&line, &body, n)) {
            return NULL;
        }
        while (bcur_get_u8(&body, &ch)) {
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                cfg_fail(st, st->lineno,
                         "control character 0x%02x in line", (unsigned)ch);
                return NULL;
            }
            if (lead && (ch == ' ' || ch == '\t')) {
                continue;
            }
            lead = false;
            str[out++] = (char)ch;
        }
        str[out] = '\0';
        p = (const uint8_t *)str;
        if (p[0] == '[') {
            header_line(st, str);
        } else if (p[0] != '\0' && p[0] != ';' && p[0] != '#') {
            kv_line(st, str);
        }
        if (st->failed) {
            return NULL;
        }
        str[out++] = '\n';
        str[out] = '\0';
    }
    return str;
}

/* ---- list splitting -------------------------------------------------- */

/*
 * next_item copies the next comma-separated item of `*v` (trimmed) into
 * `out`; false at the end. An empty item or an over-long one sets `*bad`.
 */
static bool
next_item(const char **v, char *out, size_t out_len, bool *bad)
{
    const char *s = *v, *e;
    size_t n;

    *bad = false;
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    if (*s == '\0') {
        return false;
    }
    e = strchr(s, ',');
    if (e == NULL) {
        e = s + strlen(s);
    }
    n = (size_t)(e - s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    if (n == 0 || n >= out_len) {
        *bad = true;
        return false;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    *v = *e == ',' ? e + 1 : e;
    if (*e == ',' && (**v == '\0' || strspn(*v, " \t") == strlen(*v))) {
        *bad = true; /* trailing comma */
    }
    return true;
}

static bool
parse_cidr(const char *v, struct config_cidr *out)
{
    char buf[64];
    const char *slash = strchr(v, '/');
    size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);
    unsigned long long prefix;
    unsigned max;

    if (n == 0 || n >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, v, n);
    buf[n] = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        return false;
    }
    if (slash == NULL) {
        prefix = max;
    } else if (!parse_uint(slash + 1, max, &prefix)) {
        return false;
    }
    out->prefix = (uint8_t)prefix;
    /* clear host bits so that matching and dumping are canonical */
    for (unsigned bit = (unsigned)prefix; bit < max; bit++) {
        out->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    }
    return true;
}

/* ---- key handlers ---------------------------------------------------- */

static const struct key_def *
find_key(const struct key_def *defs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(defs[i].name, name) == 0) {
            return &defs[i];
        }
    }
    return NULL;
}

/*
 * claim_key records that `def` was set on this line; a second occurrence
 * of a scalar key is an error.
 */
static bool
claim_key(struct cfg_parse *st, int *lines, const struct key_def *def)
{
    if (lines[def->id] != 0 && !def->list) {
        cfg_fail(st, st->lineno, "duplicate key '%s' (first set at line %d)",
                 def->name, lines[def->id]);
        return false;
    }
    if (lines[def->id] == 0) {
        lines[def->id] = st->lineno;
    }
    return true;
}

static bool
set_uint(struct cfg_parse *st, const char *key, const char *v,
         unsigned long long min, unsigned long long max,
         unsigned long long *out)
{
    if (!parse_uint(v, max, out) || *out < min) {
        cfg_fail(st, st->lineno, "%s must be a number from %llu to %llu, "
                 "not '%.40s'", key, min, max, v);
        return false;
    }
    return true;
}

static bool
set_path(struct cfg_parse *st, const char *key, const char *v, char *out,
         size_t out_len)
{
    if (v[0] == '\0') {
        cfg_fail(st, st->lineno, "%s needs a value", key);
        return false;
    }
    if (strlen(v) >= out_len) {
        cfg_fail(st, st->lineno, "%s is too long (at most %zu characters)",
                 key, out_len - 1);
        return false;
    }
    snprintf(out, out_len, "%s", v);
    return true;
}

static bool
set_token(struct cfg_parse *st, const char *key, const char *v,
          const char *const *tokens, size_t n, int *out)
{
    char list[128];
    int i = token_index(tokens, n, v);

    if (i < 0) {
        token_list(list, sizeof(list), tokens, n);
        cfg_fail(st, st->lineno, "%s must be %s, not '%.40s'", key, list, v);
        return false;
    }
    *out = i;
    return true;
}

static void
global_key(struct cfg_parse *st, const struct key_def *def, const char *v)
{
    struct config_global *g = &st->c->global;
    unsigned long long n;
    int t;

    switch ((enum gkey)def->id) {
    case GK_RECORDS:
        (void)set_path(st, def->name, v, g->records, sizeof(g->records));
        break;
    case GK_BIND: {
        struct sockaddr_storage ss;
        socklen_t len;
        if (!numeric_addr(v, 0, &ss, &len)) {
            cfg_fail(st, st->lineno,
                     "bind must be a numeric IPv4 or IPv6 address, not "
                     "'%.40s' (no host names here)",
                     v);
            break;
        }
        snprintf(g->bind, sizeof(g->bind), "%s", v);
        break;
    }
    case GK_CONSOLE:
        if (set_token(st, def->name, v, console_tokens,
                      ARRAY_LEN(console_tokens), &t)) {
            g->console = (enum config_console)t;
        }
        break;
    case GK_LANG:
        if (set_token(st, def->name, v, lang_tokens, ARRAY_LEN(lang_tokens),
                      &t)) {
            g->lang = (enum config_lang)t;
        }
        break;
    case GK_POLICY:
        if (!valid_name(v) || strlen(v) >= POLICY_NAME_MAX) {
            cfg_fail(st, st->lineno, "bad policy name '%.40s'", v);
            break;
        }
        snprintf(g->policy_name, sizeof(g->policy_name), "%s", v);
        break;
    case GK_MAX_CONNECTIONS:
        if (set_uint(st, def->name, v, 1, 100000, &n)) {
            g->max_connections = (unsigned)n;
        }
        break;
    case GK_MAX_PER_ADDRESS:
        if (set_uint(st, def->name, v, 1, 100000, &n)) {
            g->max_per_address = (unsigned)n;
        }
        break;
    case GK_STORY_WINDOW:
        if (set_uint(st, def->name, v, 0, 86400, &n)) {
            g->story_window = (unsigned)n;
        }
        break;
    case GK_DASHBOARD: {
        char host[64];
        uint16_t port;
        const char *why;
        if (strcasecmp(v, "off") == 0) {
            g->dashboard_enabled = false;
            break;
        }
        if (!split_hostport(v, true, false, host, sizeof(host), &port,
                            &why)) {
            cfg_fail(st, st->lineno, "dashboard: %s (or 'off'), not '%.40s'",
                     why, v);
            break;
        }
        if (!numeric_addr(host[0] != '\0' ? host : "127.0.0.1", port,
                          &g->dashboard_addr, &g->dashboard_addr_len)) {
            cfg_fail(st, st->lineno,
                     "dashboard address must be numeric, not '%.40s'", host);
            break;
        }
        g->dashboard_enabled = true;
        addr_text(&g->dashboard_addr, g->dashboard_addr_len,
                  g->dashboard_text, sizeof(g->dashboard_text));
        break;
    }
    case GK_FINGERPRINTS:
        if (g->num_fingerprints >= CONFIG_MAX_FP_FILES) {
            cfg_fail(st, st->lineno, "too many fingerprints files (at most "
                     "%d)", CONFIG_MAX_FP_FILES);
            break;
        }
        if (set_path(st, def->name, v, g->fingerprints[g->num_fingerprints],
                     CONFIG_PATH_MAX)) {
            g->num_fingerprints++;
        }
        break;
    case GK_HANDSHAKE_CERT:
        (void)set_path(st, def->name, v, g->handshake_cert,
                       sizeof(g->handshake_cert));
        break;
    case GK_HANDSHAKE_KEY:
        (void)set_path(st, def->name, v, g->handshake_key,
                       sizeof(g->handshake_key));
        break;
    case GK_COUNT:
        break;
    }
}

static void
listener_key(struct cfg_parse *st, const struct key_def *def, const char *v)
{
    struct listener_conf *l = &st->c->listeners[st->cur];
    struct lparse *lp = &st->lp[st->cur];
    unsigned long long n;
    char item[CONFIG_HOST_MAX];
    bool bad;
    const char *why;
    int t;

    switch ((enum lkey)def->id) {
    case LK_MODE:
        if (set_token(st, def->name, v, mode_tokens, ARRAY_LEN(mode_tokens),
                      &t)) {
            l->mode = (enum listener_mode)t;
        }
        break;
    case LK_PROTOCOL:
        if (set_token(st, def->name, v, proto_tokens,
                      ARRAY_LEN(proto_tokens), &t)) {
            l->protocol = (enum listener_proto)t;
        }
        break;
    case LK_LISTEN:
        if (!split_hostport(v, true, true, lp->listen_host,
                            sizeof(lp->listen_host), &lp->listen_port,
                            &why)) {
            cfg_fail(st, st->lineno, "listen: %s, not '%.40s'", why, v);
            break;
        }
        if (lp->listen_host[0] != '\0') {
            struct sockaddr_storage ss;
            socklen_t len;
            if (!numeric_addr(lp->listen_host, 0, &ss, &len)) {
                cfg_fail(st, st->lineno,
                         "listen address must be a numeric IPv4 or [IPv6] "
                         "address, not '%.40s' (no host names here)",
                         lp->listen_host);
            }
        }
        break;
    case LK_STARTTLS:
        if (!parse_bool(v, &l->starttls)) {
            cfg_fail(st, st->lineno, "starttls must be yes or no, not "
                     "'%.40s'", v);
        }
        break;
    case LK_FINISH:
        if (set_token(st, def->name, v, finish_tokens,
                      ARRAY_LEN(finish_tokens), &t)) {
            l->finish = (enum listener_finish)t;
        }
        break;
    case LK_POLICY:
        if (!valid_name(v) || strlen(v) >= POLICY_NAME_MAX) {
            cfg_fail(st, st->lineno, "bad policy name '%.40s'", v);
            break;
        }
        snprintf(l->policy_name, sizeof(l->policy_name), "%s", v);
        break;
    case LK_UPSTREAM: {
        char host[CONFIG_HOST_MAX];
        if (!split_hostport(v, false, false, host, sizeof(host),
                            &l->upstream_port, &why)) {
            cfg_fail(st, st->lineno, "upstream: %s, not '%.40s'", why, v);
            break;
        }
        if (host[0] == '[') {
            struct sockaddr_storage ss;
            socklen_t len;
            if (!numeric_addr(host, 0, &ss, &len) ||
                ss.ss_family != AF_INET6) {
                cfg_fail(st, st->lineno, "upstream: bad IPv6 address "
                         "'%.60s'", host);
                break;
            }
            /* keep without brackets: it is what getaddrinfo wants */
            snprintf(l->upstream_host, sizeof(l->upstream_host), "%.*s",
                     (int)(strlen(host) - 2), host + 1);
        } else if (!valid_hostname(host)) {
            cfg_fail(st, st->lineno, "upstream: bad host name '%.60s'", host);
        } else {
            snprintf(l->upstream_host, sizeof(l->upstream_host), "%s", host);
        }
        break;
    }
    case LK_ALLOW_PORTS:
        while (next_item(&v, item, sizeof(item), &bad)) {
            if (!parse_uint(item, 65535, &n) || n == 0) {
                cfg_fail(st, st->lineno, "allow_ports: '%.20s' is not a "
                         "port from 1 to 65535", item);
                return;
            }
            if (l->num_allow_ports >= CONFIG_MAX_ALLOW) {
                cfg_fail(st, st->lineno, "allow_ports: at most %d ports",
                         CONFIG_MAX_ALLOW);
                return;
            }
            l->allow_ports[l->num_allow_ports++] = (uint16_t)n;
            if (bad) {
                break;
            }
        }
        if (bad) {
            cfg_fail(st, st->lineno, "allow_ports: empty item in list");
        }
        break;
    case LK_ALLOW_HOSTS:
        while (next_item(&v, item, sizeof(item), &bad)) {
            const char *h = item;
            if (h[0] == '*' && h[1] == '.') {
                h += 2;
            }
            if (!valid_hostname(h)) {
                cfg_fail(st, st->lineno, "allow_hosts: '%.60s' is not a host "
                         "name or *.domain", item);
                return;
            }
            if (l->num_allow_hosts >= CONFIG_MAX_ALLOW) {
                cfg_fail(st, st->lineno, "allow_hosts: at most %d entries",
                         CONFIG_MAX_ALLOW);
                return;
            }
            for (char *p = item; *p != '\0'; p++) {
                if (*p >= 'A' && *p <= 'Z') {
                    *p = (char)(*p - 'A' + 'a');
                }
            }
            snprintf(l->allow_hosts[l->num_allow_hosts++], CONFIG_HOST_MAX,
                     "%s", item);
            if (bad) {
                break;
            }
        }
        if (bad) {
            cfg_fail(st, st->lineno, "allow_hosts: empty item in list");
        }
        break;
    case LK_ALLOW_CLIENTS:
        while (next_item(&v, item, sizeof(item), &bad)) {
            if (l->num_allow_clients >= CONFIG_MAX_ALLOW) {
                cfg_fail(st, st->lineno, "allow_clients: at most %d entries",
                         CONFIG_MAX_ALLOW);
                return;
            }
            if (!parse_cidr(item,
                            &l->allow_clients[l->num_allow_clients])) {
                cfg_fail(st, st->lineno, "allow_clients: '%.60s' is not an "
                         "address or ADDRESS/PREFIX", item);
                return;
            }
            l->num_allow_clients++;
            if (bad) {
                break;
            }
        }
        if (bad) {
            cfg_fail(st, st->lineno, "allow_clients: empty item in list");
        }
        break;
    case LK_HOSTNAME:
        if (!valid_hostname(v)) {
            cfg_fail(st, st->lineno, "hostname: '%.60s' is not a host name",
                     v);
            break;
        }
        snprintf(l->hostname, sizeof(l->hostname), "%s", v);
        break;
    case LK_MAX_LINE:
        if (set_uint(st, def->name, v, 64, 65536, &n)) {
            l->max_line = (size_t)n;
        }
        break;
    case LK_MAX_COMMANDS:
        if (set_uint(st, def->name, v, 1, 1000, &n)) {
            l->max_commands = (unsigned)n;
        }
        break;
    case LK_MAX_PREREAD:
        if (set_uint(st, def->name, v, 1024, 1048576, &n)) {
            l->max_preread = (size_t)n;
        }
        break;
    case LK_MAX_HELLO:
        if (set_uint(st, def->name, v, 512, 65536, &n)) {
            l->max_hello = (size_t)n;
        }
        break;
    case LK_TIMEOUT_PLAINTEXT:
        if (set_uint(st, def->name, v, 1, 3600, &n)) {
            l->timeout_plaintext = (unsigned)n;
        }
        break;
    case LK_TIMEOUT_HELLO:
        if (set_uint(st, def->name, v, 1, 3600, &n)) {
            l->timeout_hello = (unsigned)n;
        }
        break;
    case LK_TIMEOUT_IDLE:
        if (set_uint(st, def->name, v, 1, 86400, &n)) {
            l->timeout_idle = (unsigned)n;
        }
        break;
    case LK_TIMEOUT_CONNECT:
        if (set_uint(st, def->name, v, 1, 3600, &n)) {
            l->timeout_connect = (unsigned)n;
        }
        break;
    case LK_COUNT:
        break;
    }
}

static void
policy_key(struct cfg_parse *st, const struct key_def *def, const char *v)
{
    struct policy *p = &st->c->policies[st->cur];
    char item[96];
    bool bad;

    switch ((enum pkey)def->id) {
    case PK_MIN_VERSION:
    case PK_MAX_VERSION: {
        uint16_t ver;
        if (!policy_version_parse(v, &ver)) {
            cfg_fail(st, st->lineno, "%s must be ssl3, tls1.0, tls1.1, "
                     "tls1.2, tls1.3 (or 1.2, 0x0303), not '%.40s'",
                     def->name, v);
            break;
        }
        if (def->id == PK_MIN_VERSION) {
            p->min_version = ver;
        } else {
            p->max_version = ver;
        }
        break;
    }
    case PK_SUITES:
        while (next_item(&v, item, sizeof(item), &bad)) {
            uint16_t id;
            unsigned long long hex = 0;
            if (item[0] == '0' && (item[1] == 'x' || item[1] == 'X')) {
                bool ok = strlen(item) == 6;
                for (size_t i = 2; ok && item[i] != '\0'; i++) {
                    char ch = item[i];
                    unsigned d;
                    if (ch >= '0' && ch <= '9') {
                        d = (unsigned)(ch - '0');
                    } else if (ch >= 'a' && ch <= 'f') {
                        d = (unsigned)(ch - 'a' + 10);
                    } else if (ch >= 'A' && ch <= 'F') {
                        d = (unsigned)(ch - 'A' + 10);
                    } else {
                        ok = false;
                        break;
                    }
                    hex = hex << 4 | d;
                }
                if (!ok) {
                    cfg_fail(st, st->lineno, "suites: '%.40s' is not a "
                             "4-digit hex id like 0xc02f", item);
                    return;
                }
                id = (uint16_t)hex;
            } else if (!policy_suite_by_name(item, &id)) {
                cfg_fail(st, st->lineno, "suites: unknown cipher suite "
                         "'%.60s' (use the IANA name or a hex id like "
                         "0xc02f)", item);
                return;
            }
            if (policy_suite_categories(id) & POLICY_CAT_SCSV) {
                cfg_fail(st, st->lineno, "suites: '%.60s' is a signalling "
                         "value, not a cipher suite", item);
                return;
            }
            for (size_t i = 0; i < p->num_suites; i++) {
                if (p->suites[i] == id) {
                    cfg_fail(st, st->lineno, "suites: 0x%04x is listed "
                             "twice", (unsigned)id);
                    return;
                }
            }
            if (p->num_suites >= POLICY_MAX_SUITES) {
                cfg_fail(st, st->lineno, "suites: at most %d suites",
                         POLICY_MAX_SUITES);
                return;
            }
            p->suites[p->num_suites++] = id;
            if (bad) {
                break;
            }
        }
        if (bad) {
            cfg_fail(st, st->lineno, "suites: empty item in list");
        }
        break;
    case PK_REFUSE: {
        static const char *const cats[] = {"3des", "rc4", "export", "null"};
        while (next_item(&v, item, sizeof(item), &bad)) {
            int i = token_index(cats, ARRAY_LEN(cats), item);
            if (i < 0) {
                cfg_fail(st, st->lineno, "refuse: '%.40s' is not 3des, rc4, "
                         "export or null", item);
                return;
            }
            *(i == 0   ? &p->refuse_3des
              : i == 1 ? &p->refuse_rc4
              : i == 2 ? &p->refuse_export
                       : &p->refuse_null) = true;
            if (bad) {
                break;
            }
        }
        if (bad) {
            cfg_fail(st, st->lineno, "refuse: empty item in list");
        }
        break;
    }
    case PK_REQUIRE_SNI:
        if (!parse_bool(v, &p->require_sni)) {
            cfg_fail(st, st->lineno, "require_sni must be yes or no, not "
                     "'%.40s'", v);
        }
        break;
    case PK_DESCRIPTION:
        if (strlen(v) >= sizeof(p->description)) {
            cfg_fail(st, st->lineno, "description is too long (at most %zu "
                     "characters)", sizeof(p->description) - 1);
            break;
        }
        snprintf(p->description, sizeof(p->description), "%s", v);
        break;
    case PK_COUNT:
        break;
    }
}

static int
cfg_handler_cb(void *user, const char *section, const char *name,
               const char *value)
{
    struct cfg_parse *st = user;
    const struct key_def *def = NULL;
    int *lines = NULL;

    (void)section; /* the reader tracks sections, with their lines */
    if (st->failed) {
        return 0;
    }
    switch (st->sec) {
    case SEC_NONE:
        cfg_fail(st, st->lineno, "'%.40s' is outside any section (start "
                 "with [global], [listener NAME] or [policy NAME])", name);
        return 0;
    case SEC_GLOBAL:
        def = find_key(global_keys, ARRAY_LEN(global_keys), name);
        lines = st->gkey_line;
        break;
    case SEC_LISTENER:
        def = find_key(listener_keys, ARRAY_LEN(listener_keys), name);
        lines = st->lp[st->cur].key_line;
        break;
    case SEC_POLICY:
        def = find_key(policy_keys, ARRAY_LEN(policy_keys), name);
        lines = st->pp[st->cur].key_line;
        break;
    }
    if (def == NULL) {
        cfg_fail(st, st->lineno, "unknown key '%.40s' in [%s%s]", name,
                 st->sec == SEC_GLOBAL     ? "global"
                 : st->sec == SEC_LISTENER ? "listener "
                                           : "policy ",
                 st->sec == SEC_GLOBAL     ? ""
                 : st->sec == SEC_LISTENER ? st->c->listeners[st->cur].name
                                           : st->c->policies[st->cur].name);
        return 0;
    }
    if (!claim_key(st, lines, def)) {
        return 0;
    }
    switch (st->sec) {
    case SEC_GLOBAL:
        global_key(st, def, value);
        break;
    case SEC_LISTENER:
        listener_key(st, def, value);
        break;
    case SEC_POLICY:
        policy_key(st, def, value);
        break;
    case SEC_NONE:
        break;
    }
    return st->failed ? 0 : 1;
}

/* ---- whole-file validation ------------------------------------------- */

static bool
is_mail(enum listener_proto p)
{
    return p == LPROTO_IMAP || p == LPROTO_POP3 || p == LPROTO_SMTP;
}

static bool
is_proxy(enum listener_mode m)
{
    return m == LMODE_HTTP_CONNECT || m == LMODE_SOCKS5;
}

static bool
has_plaintext(const struct listener_conf *l)
{
    return is_proxy(l->mode) || (is_mail(l->protocol) && l->starttls);
}

/*
 * lkey_applies says whether a key means anything for this listener. The
 * validation refuses keys that do not, and config_dump writes only keys
 * that do, so a dump always loads again.
 */
static bool
lkey_applies(const struct listener_conf *l, enum lkey k)
{
    switch (k) {
    case LK_STARTTLS:
        return is_mail(l->protocol);
    case LK_FINISH:
    case LK_HOSTNAME:
        return l->mode == LMODE_TEST;
    case LK_UPSTREAM:
        return l->mode == LMODE_RELAY;
    case LK_ALLOW_PORTS:
    case LK_ALLOW_HOSTS:
        return is_proxy(l->mode);
    case LK_TIMEOUT_IDLE:
    case LK_TIMEOUT_CONNECT:
        return l->mode != LMODE_TEST;
    case LK_MAX_LINE:
    case LK_MAX_COMMANDS:
    case LK_TIMEOUT_PLAINTEXT:
        return has_plaintext(l);
    default:
        return true;
    }
}

static const char *
lkey_name(enum lkey k)
{
    for (size_t i = 0; i < ARRAY_LEN(listener_keys); i++) {
        if (listener_keys[i].id == (int)k) {
            return listener_keys[i].name;
        }
    }
    return "?";
}

static const char *
lkey_why(enum lkey k)
{
    switch (k) {
    case LK_STARTTLS:
        return "applies only to protocol imap, pop3 or smtp";
    case LK_FINISH:
    case LK_HOSTNAME:
        return "applies only to mode test";
    case LK_UPSTREAM:
        return "applies only to mode relay";
    case LK_ALLOW_PORTS:
    case LK_ALLOW_HOSTS:
        return "applies only to mode http-connect or socks5";
    case LK_TIMEOUT_IDLE:
    case LK_TIMEOUT_CONNECT:
        return "applies only to relay and proxy modes";
    default:
        return "applies only where there is a plaintext stage (starttls "
               "= yes, or a proxy mode)";
    }
}

static size_t
default_max_line(const struct listener_conf *l)
{
    if (is_proxy(l->mode)) {
        return LINE_PROXY;
    }
    switch (l->protocol) {
    case LPROTO_IMAP:
        return LINE_IMAP;
    case LPROTO_POP3:
        return LINE_POP3;
    case LPROTO_SMTP:
        return LINE_SMTP;
    default:
        return 0;
    }
}

/* line_or returns a key's line, else the section's line. */
static int
line_or(int key_line, int section_line)
{
    return key_line > 0 ? key_line : section_line;
}

static bool
same_addr_or_overlap(const struct sockaddr_storage *a,
                     const struct sockaddr_storage *b)
{
    uint16_t pa, pb;
    bool wa, wb;
    static const uint8_t zero16[16];

    if (a->ss_family == AF_INET) {
        pa = ((const struct sockaddr_in *)a)->sin_port;
        wa = ((const struct sockaddr_in *)a)->sin_addr.s_addr == 0;
    } else {
        pa = ((const struct sockaddr_in6 *)a)->sin6_port;
        wa = memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, zero16,
                    16) == 0;
    }
    if (b->ss_family == AF_INET) {
        pb = ((const struct sockaddr_in *)b)->sin_port;
        wb = ((const struct sockaddr_in *)b)->sin_addr.s_addr == 0;
    } else {
        pb = ((const struct sockaddr_in6 *)b)->sin6_port;
        wb = memcmp(&((const struct sockaddr_in6 *)b)->sin6_addr, zero16,
                    16) == 0;
    }
    if (pa != pb || pa == 0) {
        return false; /* port 0: the kernel picks distinct ports */
    }
    /*
     * A wildcard of one family covers every address of that family; [::]
     * also covers IPv4 unless IPV6_V6ONLY is set, so count it as covering.
     */
    if ((wa && (a->ss_family == AF_INET6 || a->ss_family == b->ss_family)) ||
        (wb && (b->ss_family == AF_INET6 || a->ss_family == b->ss_family))) {
        return true;
    }
    if (a->ss_family != b->ss_family) {
        return false;
    }
    if (a->ss_family == AF_INET) {
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    }
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
}

/*
 * check_addresses finds listeners sharing an address, listeners on the
 * dashboard address, and relay/proxy listeners that would be open to the
 * world. `where` formats the error location for listener i.
 */
static bool
check_addresses(struct cfg_parse *st, const struct tr_config *c,
                const int *listen_line)
{
    for (size_t i = 0; i < c->num_listeners; i++) {
        const struct listener_conf *l = &c->listeners[i];
        if (l->mode != LMODE_TEST && l->num_allow_clients == 0 &&
            !config_addr_is_loopback(&l->listen_addr)) {
            cfg_fail(st, listen_line[i],
                     "listener '%s' (%s) listens on %s, which is not "
                     "loopback: set allow_clients (tlsready is never an "
                     "open %s)",
                     l->name, config_mode_str(l->mode), l->listen_text,
                     l->mode == LMODE_RELAY ? "relay" : "proxy");
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (same_addr_or_overlap(&l->listen_addr,
                                     &c->listeners[j].listen_addr)) {
                cfg_fail(st, listen_line[i],
                         "listen address %s of listener '%s' is already "
                         "used by listener '%s'%s",
                         l->listen_text, l->name, c->listeners[j].name,
                         strcmp(l->listen_text,
                                c->listeners[j].listen_text) != 0
                             ? " (overlapping wildcard)"
                             : "");
                return false;
            }
        }
        if (c->global.dashboard_enabled &&
            same_addr_or_overlap(&l->listen_addr, &c->global.dashboard_addr)) {
            cfg_fail(st, line_or(listen_line[i], st->gkey_line[GK_DASHBOARD]),
                     "listen address %s of listener '%s' is the dashboard "
                     "address", l->listen_text, l->name);
            return false;
        }
    }
    return true;
}

/* The seven built-in listeners (test mode, loopback via [global] bind). */
struct default_listener {
    const char *name;
    enum listener_proto proto;
    bool starttls;
    uint16_t port;
};

static const struct default_listener default_listeners[] = {
    {"imap", LPROTO_IMAP, true, 1143},
    {"imaps", LPROTO_IMAP, false, 1993},
    {"pop3", LPROTO_POP3, true, 1110},
    {"pop3s", LPROTO_POP3, false, 1995},
    {"submission", LPROTO_SMTP, true, 1587},
    {"smtps", LPROTO_SMTP, false, 1465},
    {"https", LPROTO_HTTPS, false, 1443},
};

static void
add_default_listeners(struct cfg_parse *st)
{
    struct tr_config *c = st->c;

    for (size_t i = 0; i < ARRAY_LEN(default_listeners); i++) {
        const struct default_listener *d = &default_listeners[i];
        struct listener_conf *l = &c->listeners[c->num_listeners];
        struct lparse *lp = &st->lp[c->num_listeners];
        listener_init_defaults(l);
        snprintf(l->name, sizeof(l->name), "%s", d->name);
        l->protocol = d->proto;
        l->starttls = d->starttls;
        memset(lp, 0, sizeof(*lp));
        lp->listen_port = d->port;
        lp->key_line[LK_LISTEN] = -1; /* "set", by us */
        if (is_mail(d->proto)) {
            lp->key_line[LK_STARTTLS] = -1;
        }
        c->num_listeners++;
    }
}

static bool
validate_listener(struct cfg_parse *st, size_t i)
{
    struct tr_config *c = st->c;
    struct listener_conf *l = &c->listeners[i];
    struct lparse *lp = &st->lp[i];
    const char *host;

    if (lp->key_line[LK_LISTEN] == 0) {
        cfg_fail(st, l->line, "listener '%s' has no 'listen' address",
                 l->name);
        return false;
    }
    /* mode and protocol */
    if (!is_proxy(l->mode) && l->protocol == LPROTO_AUTO) {
        cfg_fail(st, line_or(lp->key_line[LK_PROTOCOL], l->line),
                 "listener '%s': mode %s needs a protocol (imap, pop3, smtp, "
                 "tls or https)",
                 l->name, config_mode_str(l->mode));
        return false;
    }
    if (is_mail(l->protocol) && lp->key_line[LK_STARTTLS] == 0) {
        l->starttls = true; /* documented default */
    }
    for (int k = 0; k < LK_COUNT; k++) {
        if (lp->key_line[k] > 0 && !lkey_applies(l, (enum lkey)k)) {
            cfg_fail(st, lp->key_line[k], "listener '%s': %s %s", l->name,
                     lkey_name((enum lkey)k), lkey_why((enum lkey)k));
            return false;
        }
    }
    if (l->mode == LMODE_TEST && l->finish == LFINISH_OFFICE365 &&
        !is_mail(l->protocol)) {
        cfg_fail(st, lp->key_line[LK_FINISH],
                 "listener '%s': finish = office365 needs protocol imap, "
                 "pop3 or smtp (Office 365 documents the rejection text "
                 "only for those)",
                 l->name);
        return false;
    }
    if (l->mode == LMODE_RELAY && lp->key_line[LK_UPSTREAM] == 0) {
        cfg_fail(st, l->line, "listener '%s': mode relay needs upstream = "
                 "HOST:PORT", l->name);
        return false;
    }
    /* policy: the listener's, else [global] policy */
    {
        const char *name =
            l->policy_name[0] != '\0' ? l->policy_name : c->global.policy_name;
        int line = l->policy_name[0] != '\0'
                       ? lp->key_line[LK_POLICY]
                       : line_or(st->gkey_line[GK_POLICY], l->line);
        l->policy = config_policy(c, name);
        if (l->policy == NULL) {
            cfg_fail(st, line, "unknown policy '%s' (not built in and no "
                     "[policy %s] section)", name, name);
            return false;
        }
        if (name != l->policy_name) {
            snprintf(l->policy_name, sizeof(l->policy_name), "%s", name);
        }
    }
    /* effective limits */
    if (!has_plaintext(l)) {
        l->max_line = 0;
    } else if (lp->key_line[LK_MAX_LINE] == 0) {
        l->max_line = default_max_line(l);
    }
    if (is_proxy(l->mode) && l->num_allow_ports == 0) {
        l->num_allow_ports = ARRAY_LEN(default_allow_ports);
        memcpy(l->allow_ports, default_allow_ports,
               sizeof(default_allow_ports));
    }
    /* listen address */
    host = lp->listen_host[0] != '\0' ? lp->listen_host : c->global.bind;
    if (!numeric_addr(host, lp->listen_port, &l->listen_addr,
                      &l->listen_addr_len)) {
        cfg_fail(st, line_or(lp->key_line[LK_LISTEN], l->line),
                 "listener '%s': bad listen address '%s'", l->name, host);
        return false;
    }
    addr_text(&l->listen_addr, l->listen_addr_len, l->listen_text,
              sizeof(l->listen_text));
    return true;
}

static bool
validate_policy(struct cfg_parse *st, size_t i)
{
    const struct policy *p = &st->c->policies[i];
    const struct pparse *pp = &st->pp[i];
    bool any13 = false, any12 = false;

    if (p->max_version != 0 && p->max_version < p->min_version) {
        cfg_fail(st, line_or(pp->key_line[PK_MAX_VERSION], pp->line),
                 "policy '%s': max_version is below min_version", p->name);
        return false;
    }
    for (size_t k = 0; k < p->num_suites; k++) {
        unsigned cats = policy_suite_categories(p->suites[k]);
        if ((p->suites[k] >> 8) == 0x13) {
            any13 = true;
        } else {
            any12 = true;
        }
        if ((p->refuse_3des && (cats & POLICY_CAT_3DES)) ||
            (p->refuse_rc4 && (cats & POLICY_CAT_RC4)) ||
            (p->refuse_export && (cats & POLICY_CAT_EXPORT)) ||
            (p->refuse_null && (cats & POLICY_CAT_NULL))) {
            cfg_fail(st, line_or(pp->key_line[PK_SUITES], pp->line),
                     "policy '%s': suite %s (0x%04x) is in a refused "
                     "category", p->name,
                     policy_suite_name(p->suites[k]),
                     (unsigned)p->suites[k]);
            return false;
        }
    }
    if (p->num_suites > 0 && p->min_version >= 0x0304 && !any13) {
        cfg_fail(st, line_or(pp->key_line[PK_SUITES], pp->line),
                 "policy '%s': requires TLS 1.3 but lists no TLS 1.3 suite "
                 "(0x13xx)", p->name);
        return false;
    }
    if (p->num_suites > 0 && p->max_version != 0 &&
        p->max_version < 0x0304 && !any12) {
        cfg_fail(st, line_or(pp->key_line[PK_SUITES], pp->line),
                 "policy '%s': stops below TLS 1.3 but lists only TLS 1.3 "
                 "suites", p->name);
        return false;
    }
    return true;
}

static bool
validate(struct cfg_parse *st)
{
    struct tr_config *c = st->c;
    struct config_global *g = &c->global;
    int listen_line[CONFIG_MAX_LISTENERS];

    for (size_t i = 0; i < c->num_policies; i++) {
        if (!validate_policy(st, i)) {
            return false;
        }
    }
    if (config_policy(c, g->policy_name) == NULL) {
        cfg_fail(st, st->gkey_line[GK_POLICY],
                 "unknown policy '%s' (not built in and no [policy %s] "
                 "section)", g->policy_name, g->policy_name);
        return false;
    }
    if (g->max_per_address > g->max_connections) {
        cfg_fail(st, line_or(st->gkey_line[GK_MAX_PER_ADDRESS],
                             st->gkey_line[GK_MAX_CONNECTIONS]),
                 "max_per_address (%u) is above max_connections (%u)",
                 g->max_per_address, g->max_connections);
        return false;
    }
    if ((g->handshake_cert[0] != '\0') != (g->handshake_key[0] != '\0')) {
        cfg_fail(st, line_or(st->gkey_line[GK_HANDSHAKE_CERT],
                             st->gkey_line[GK_HANDSHAKE_KEY]),
                 "handshake_cert and handshake_key go together: set both "
                 "or neither");
        return false;
    }
    if (c->num_listeners == 0) {
        add_default_listeners(st);
    }
    for (size_t i = 0; i < c->num_listeners; i++) {
        if (!validate_listener(st, i)) {
            return false;
        }
        listen_line[i] = line_or(st->lp[i].key_line[LK_LISTEN],
                                 c->listeners[i].line);
    }
    return check_addresses(st, c, listen_line);
}

static void
global_defaults(struct config_global *g)
{
    memset(g, 0, sizeof(*g));
    snprintf(g->records, sizeof(g->records), "%s", DEF_RECORDS);
    snprintf(g->bind, sizeof(g->bind), "%s", DEF_BIND);
    g->console = CONSOLE_AUTO;
    g->lang = LANG_AUTO;
    snprintf(g->policy_name, sizeof(g->policy_name), "%s",
             policy_default()->name);
    g->max_connections = DEF_MAX_CONNECTIONS;
    g->max_per_address = DEF_MAX_PER_ADDRESS;
    g->story_window = DEF_STORY_WINDOW;
    g->dashboard_enabled =
        numeric_addr("127.0.0.1", 8025, &g->dashboard_addr,
                     &g->dashboard_addr_len);
    addr_text(&g->dashboard_addr, g->dashboard_addr_len, g->dashboard_text,
              sizeof(g->dashboard_text));
}

struct tr_config *
config_load_mem(const char *name, const uint8_t *data, size_t len,
                struct config_error *err)
{
    struct cfg_parse *st;
    struct tr_config *c;
    int r;

    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "%s", name);
    st = calloc(1, sizeof(*st));
    c = calloc(1, sizeof(*c));
    if (st == NULL || c == NULL) {
        free(st);
        free(c);
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return NULL;
    }
    snprintf(c->path, sizeof(c->path), "%s", name);
    global_defaults(&c->global);
    st->c = c;
    st->err = err;
    st->file = name;
    st->data = data;
    st->len = len;

    r = ini_parse_stream(cfg_reader_cb, st, cfg_handler_cb, st);
    if (!st->failed && r != 0) {
        /* inih saw something our reader let through */
        cfg_fail(st, r > 0 ? r : 0, "syntax error");
    } else if (st->failed && r > 0 && r < err->line) {
        /* an earlier line inih alone rejected */
        st->failed = false;
        cfg_fail(st, r, "syntax error");
    }
    if (!st->failed) {
        (void)validate(st);
    }
    if (st->failed) {
        free(st);
        free(c);
        return NULL;
    }
    free(st);
    return c;
}

struct tr_config *
config_load(const char *path, struct config_error *err)
{
    struct tr_config *c;
    struct stat sb;
    uint8_t *buf;
    size_t got = 0;
    int fd;

    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "%s", path);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err->msg, sizeof(err->msg), "cannot open: %s",
                 strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err->msg, sizeof(err->msg), "not a regular file");
        close(fd);
        return NULL;
    }
    buf = malloc(CONFIG_MAX_FILE_SIZE + 1);
    if (buf == NULL) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        close(fd);
        return NULL;
    }
    for (;;) {
        ssize_t n = read(fd, buf + got, CONFIG_MAX_FILE_SIZE + 1 - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            snprintf(err->msg, sizeof(err->msg), "cannot read: %s",
                     strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
        if (got > CONFIG_MAX_FILE_SIZE) {
            snprintf(err->msg, sizeof(err->msg),
                     "file is larger than %d bytes", CONFIG_MAX_FILE_SIZE);
            free(buf);
            close(fd);
            return NULL;
        }
    }
    close(fd);
    c = config_load_mem(path, buf, got, err);
    free(buf);
    return c;
}

struct tr_config *
config_default(void)
{
    struct config_error err;

    return config_load_mem("(built-in defaults)", (const uint8_t *)"", 0,
                           &err);
}

void
config_free(struct tr_config *c)
{
    free(c);
}

const struct policy *
config_policy(const struct tr_config *c, const char *name)
{
    if (c != NULL) {
        for (size_t i = 0; i < c->num_policies; i++) {
            if (strcmp(c->policies[i].name, name) == 0) {
                return &c->policies[i];
            }
        }
    }
    return policy_builtin(name);
}

int
config_apply_bind(struct tr_config *c, const char *addr,
                  struct config_error *err)
{
    struct tr_config *tmp;
    struct cfg_parse st;
    int listen_line[CONFIG_MAX_LISTENERS];
    struct sockaddr_storage ss;
    socklen_t ss_len;

    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "--bind");
    if (!numeric_addr(addr, 0, &ss, &ss_len)) {
        snprintf(err->msg, sizeof(err->msg),
                 "'%.60s' is not a numeric IPv4 or IPv6 address", addr);
        return -1;
    }
    tmp = malloc(sizeof(*tmp));
    if (tmp == NULL) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return -1;
    }
    memcpy(tmp, c, sizeof(*tmp));
    for (size_t i = 0; i < tmp->num_listeners; i++) {
        struct listener_conf *l = &tmp->listeners[i];
        uint16_t port = l->listen_addr.ss_family == AF_INET6
                            ? ((struct sockaddr_in6 *)&l->listen_addr)->sin6_port
                            : ((struct sockaddr_in *)&l->listen_addr)->sin_port;
        (void)numeric_addr(addr, ntohs(port), &l->listen_addr,
                           &l->listen_addr_len);
        addr_text(&l->listen_addr, l->listen_addr_len, l->listen_text,
                  sizeof(l->listen_text));
        listen_line[i] = 0;
    }
    memset(&st, 0, sizeof(st));
    st.err = err;
    st.file = "--bind";
    if (!check_addresses(&st, tmp, listen_line)) {
        free(tmp);
        return -1;
    }
    /* policy pointers into tmp->policies must point into c->policies */
    for (size_t i = 0; i < tmp->num_listeners; i++) {
        c->listeners[i].listen_addr = tmp->listeners[i].listen_addr;
        c->listeners[i].listen_addr_len = tmp->listeners[i].listen_addr_len;
        memcpy(c->listeners[i].listen_text, tmp->listeners[i].listen_text,
               sizeof(c->listeners[i].listen_text));
    }
    snprintf(c->global.bind, sizeof(c->global.bind), "%s", addr);
    free(tmp);
    return 0;
}

/* ---- address helpers -------------------------------------------------- */

bool
config_addr_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        const uint8_t *a = s6->sin6_addr.s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr)) {
            return true;
        }
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            return a[12] == 127;
        }
    }
    return false;
}

static bool
cidr_match(const struct config_cidr *e, int family, const uint8_t *addr)
{
    unsigned full = e->prefix / 8u, rest = e->prefix % 8u;

    if (e->family != family) {
        return false;
    }
    if (memcmp(e->addr, addr, full) != 0) {
        return false;
    }
    if (rest == 0) {
        return true;
    }
    return ((e->addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool
config_client_allowed(const struct listener_conf *l,
                      const struct sockaddr_storage *peer)
{
    uint8_t a4[4], a6[16];
    bool have4 = false, have6 = false;

    if (l->num_allow_clients == 0) {
        return true;
    }
    if (peer->ss_family == AF_INET) {
        memcpy(a4, &((const struct sockaddr_in *)peer)->sin_addr, 4);
        have4 = true;
    } else if (peer->ss_family == AF_INET6) {
        const struct in6_addr *in6 =
            &((const struct sockaddr_in6 *)peer)->sin6_addr;
        memcpy(a6, in6, 16);
        have6 = true;
        if (IN6_IS_ADDR_V4MAPPED(in6)) {
            memcpy(a4, a6 + 12, 4);
            have4 = true;
        }
    }
    for (size_t i = 0; i < l->num_allow_clients; i++) {
        const struct config_cidr *e = &l->allow_clients[i];
        if ((have4 && cidr_match(e, AF_INET, a4)) ||
            (have6 && cidr_match(e, AF_INET6, a6))) {
            return true;
        }
    }
    return false;
}

static uint8_t
lower(uint8_t ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (uint8_t)(ch - 'A' + 'a') : ch;
}

/* host_equal compares peer bytes with our lowercase pattern text. */
static bool
host_equal(struct bcur host, const char *pat)
{
    uint8_t ch;

    for (const char *p = pat; *p != '\0'; p++) {
        if (!bcur_get_u8(&host, &ch) || lower(ch) != (uint8_t)*p) {
            return false;
        }
    }
    return bcur_left(&host) == 0;
}

bool
config_host_allowed(const struct listener_conf *l, const uint8_t *host,
                    size_t len)
{
    struct bcur h;

    if (l->num_allow_hosts == 0) {
        return true;
    }
    bcur_init(&h, host, len);
    for (size_t i = 0; i < l->num_allow_hosts; i++) {
        const char *pat = l->allow_hosts[i];
        if (pat[0] == '*' && pat[1] == '.') {
            /* "*.b.c" matches "x.b.c" and "y.x.b.c", not "b.c" */
            size_t sl = strlen(pat + 1); /* ".b.c" */
            struct bcur t = h;
            if (len > sl && bcur_skip(&t, len - sl) &&
                host_equal(t, pat + 1)) {
                return true;
            }
        } else if (host_equal(h, pat)) {
            return true;
        }
    }
    return false;
}

bool
config_port_allowed(const struct listener_conf *l, uint16_t port)
{
    for (size_t i = 0; i < l->num_allow_ports; i++) {
        if (l->allow_ports[i] == port) {
            return true;
        }
    }
    return false;
}

/* ---- dump ------------------------------------------------------------ */

/* dump_list starts "key = " lines and wraps by repeating the key. */
struct list_out {
    FILE *f;
    const char *key;
    size_t col;
};

static void
list_item(struct list_out *o, const char *item)
{
    size_t n = strlen(item);

    if (o->col == 0 || o->col + n + 2 > 150) {
        if (o->col != 0) {
            fputc('\n', o->f);
        }
        if (strlen(o->key) + 3 + n > (size_t)ini_max_line - 3) {
            fprintf(o->f, "%s=%s", o->key, item); /* see dump_str */
        } else {
            fprintf(o->f, "%s = %s", o->key, item);
        }
        o->col = strlen(o->key) + 3 + n;
    } else {
        fprintf(o->f, ", %s", item);
        o->col += n + 2;
    }
}

static void
list_end(struct list_out *o)
{
    if (o->col != 0) {
        fputc('\n', o->f);
    }
}

static void
cidr_text(const struct config_cidr *e, char *out, size_t out_len)
{
    char a[INET6_ADDRSTRLEN];

    if (inet_ntop(e->family, e->addr, a, sizeof(a)) == NULL) {
        snprintf(out, out_len, "?");
        return;
    }
    snprintf(out, out_len, "%s/%u", a, (unsigned)e->prefix);
}

/*
 * dump_str writes "key = value" so that it reads back as the same value:
 * no blank before a leading ';' (it would start a comment), and no blanks
 * at all when the line would pass the line limit (the original line was at
 * least "key=value" long, so that form always fits).
 */
static void
dump_str(FILE *f, const char *key, const char *value)
{
    size_t len = strlen(key) + 3 + strlen(value);

    if (value[0] == ';' || len > (size_t)ini_max_line - 3) {
        fprintf(f, "%s=%s\n", key, value);
    } else {
        fprintf(f, "%s = %s\n", key, value);
    }
}

static void
dump_policy(const struct policy *p, FILE *f)
{
    struct list_out o = {f, "suites", 0};

    fprintf(f, "\n[policy %s]\n", p->name);
    if (p->description[0] != '\0') {
        dump_str(f, "description", p->description);
    }
    fprintf(f, "min_version = %s\n", policy_version_token(p->min_version));
    if (p->max_version != 0) {
        fprintf(f, "max_version = %s\n", policy_version_token(p->max_version));
    }
    for (size_t i = 0; i < p->num_suites; i++) {
        const char *n = policy_suite_name(p->suites[i]);
        char hex[8];
        if (n == NULL) {
            snprintf(hex, sizeof(hex), "0x%04x", (unsigned)p->suites[i]);
            n = hex;
        }
        list_item(&o, n);
    }
    list_end(&o);
    o = (struct list_out){f, "refuse", 0};
    if (p->refuse_3des) {
        list_item(&o, "3des");
    }
    if (p->refuse_rc4) {
        list_item(&o, "rc4");
    }
    if (p->refuse_export) {
        list_item(&o, "export");
    }
    if (p->refuse_null) {
        list_item(&o, "null");
    }
    list_end(&o);
    fprintf(f, "require_sni = %s\n", p->require_sni ? "yes" : "no");
}

static void
dump_listener(const struct listener_conf *l, FILE *f)
{
    struct list_out o;
    char buf[80];

    fprintf(f, "\n[listener %s]\n", l->name);
    fprintf(f, "mode = %s\n", config_mode_str(l->mode));
    fprintf(f, "protocol = %s\n", config_proto_str(l->protocol));
    fprintf(f, "listen = %s\n", l->listen_text);
    if (lkey_applies(l, LK_STARTTLS)) {
        fprintf(f, "starttls = %s\n", l->starttls ? "yes" : "no");
    }
    if (lkey_applies(l, LK_FINISH)) {
        fprintf(f, "finish = %s\n", config_finish_str(l->finish));
    }
    fprintf(f, "policy = %s\n", l->policy_name);
    if (lkey_applies(l, LK_UPSTREAM)) {
        char up[CONFIG_HOST_MAX + 10];
        if (strchr(l->upstream_host, ':') != NULL) {
            snprintf(up, sizeof(up), "[%s]:%u", l->upstream_host,
                     (unsigned)l->upstream_port);
        } else {
            snprintf(up, sizeof(up), "%s:%u", l->upstream_host,
                     (unsigned)l->upstream_port);
        }
        dump_str(f, "upstream", up);
    }
    if (lkey_applies(l, LK_ALLOW_PORTS)) {
        o = (struct list_out){f, "allow_ports", 0};
        for (size_t i = 0; i < l->num_allow_ports; i++) {
            snprintf(buf, sizeof(buf), "%u", (unsigned)l->allow_ports[i]);
            list_item(&o, buf);
        }
        list_end(&o);
        o = (struct list_out){f, "allow_hosts", 0};
        for (size_t i = 0; i < l->num_allow_hosts; i++) {
            list_item(&o, l->allow_hosts[i]);
        }
        list_end(&o);
    }
    o = (struct list_out){f, "allow_clients", 0};
    for (size_t i = 0; i < l->num_allow_clients; i++) {
        cidr_text(&l->allow_clients[i], buf, sizeof(buf));
        list_item(&o, buf);
    }
    list_end(&o);
    if (lkey_applies(l, LK_HOSTNAME)) {
        dump_str(f, "hostname", l->hostname);
    }
    if (lkey_applies(l, LK_MAX_LINE)) {
        fprintf(f, "max_line = %zu\n", l->max_line);
        fprintf(f, "max_commands = %u\n", l->max_commands);
    }
    fprintf(f, "max_preread = %zu\n", l->max_preread);
    fprintf(f, "max_hello = %zu\n", l->max_hello);
    if (lkey_applies(l, LK_TIMEOUT_PLAINTEXT)) {
        fprintf(f, "timeout_plaintext = %u\n", l->timeout_plaintext);
    }
    fprintf(f, "timeout_hello = %u\n", l->timeout_hello);
    if (lkey_applies(l, LK_TIMEOUT_IDLE)) {
        fprintf(f, "timeout_idle = %u\n", l->timeout_idle);
        fprintf(f, "timeout_connect = %u\n", l->timeout_connect);
    }
}

void
config_dump(const struct tr_config *c, FILE *f)
{
    const struct config_global *g = &c->global;

    fprintf(f, "; effective configuration%s%s\n",
            c->path[0] != '\0' ? " from " : "", c->path);
    fprintf(f, "[global]\n");
    dump_str(f, "records", g->records);
    fprintf(f, "bind = %s\n", g->bind);
    fprintf(f, "console = %s\n", config_console_str(g->console));
    fprintf(f, "lang = %s\n", config_lang_str(g->lang));
    fprintf(f, "policy = %s\n", g->policy_name);
    fprintf(f, "max_connections = %u\n", g->max_connections);
    fprintf(f, "max_per_address = %u\n", g->max_per_address);
    fprintf(f, "story_window = %u\n", g->story_window);
    fprintf(f, "dashboard = %s\n",
            g->dashboard_enabled ? g->dashboard_text : "off");
    for (size_t i = 0; i < g->num_fingerprints; i++) {
        dump_str(f, "fingerprints", g->fingerprints[i]);
    }
    if (g->handshake_cert[0] != '\0') {
        dump_str(f, "handshake_cert", g->handshake_cert);
        dump_str(f, "handshake_key", g->handshake_key);
    }
    for (size_t i = 0; i < c->num_policies; i++) {
        dump_policy(&c->policies[i], f);
    }
    for (size_t i = 0; i < c->num_listeners; i++) {
        dump_listener(&c->listeners[i], f);
    }
}

uint16_t
config_listen_port(const struct listener_conf *l)
{
    if (l->listen_addr.ss_family == AF_INET) {
        return ntohs(((const struct sockaddr_in *)&l->listen_addr)->sin_port);
    }
    if (l->listen_addr.ss_family == AF_INET6) {
        return ntohs(
            ((const struct sockaddr_in6 *)&l->listen_addr)->sin6_port);
    }
    return 0;
}
