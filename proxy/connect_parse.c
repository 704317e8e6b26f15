/*
 * connect_parse.c - HTTP CONNECT and SOCKS5 request parsing; see
 * connect_parse.h. Every byte is read through the cursor.
 */
#include "connect_parse.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* ---- shared ---- */

static bool
is_alnum(uint8_t b)
{
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
           (b >= '0' && b <= '9');
}

bool
cp_host_valid(const struct bcur *host)
{
    size_t n = bcur_left(host);

    if (n == 0 || n > 253) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if (!bcur_byte_at(host, i, &b)) {
            return false;
        }
        if (!is_alnum(b) && b != '-' && b != '.' && b != '_') {
            return false;
        }
    }
    return true;
}

/* ipv6_chars: hex digits, ':' and '.' (an embedded IPv4), '%' not allowed */
static bool
ipv6_chars(const struct bcur *host)
{
    size_t n = bcur_left(host);

    if (n < 2 || n > 45) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if (!bcur_byte_at(host, i, &b)) {
            return false;
        }
        if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') ||
              (b >= 'A' && b <= 'F') || b == ':' || b == '.')) {
            return false;
        }
    }
    return true;
}

/* parse_port: 1..5 decimal digits, value 1..65535. */
static bool
parse_port(const struct bcur *c, uint16_t *out)
{
    size_t n = bcur_left(c);
    uint32_t v = 0;

    if (n == 0 || n > 5) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if (!bcur_byte_at(c, i, &b) || b < '0' || b > '9') {
            return false;
        }
        v = v * 10 + (uint32_t)(b - '0');
    }
    if (v == 0 || v > 65535) {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

/* ---- HTTP CONNECT ---- */

const char *
hc_status_str(enum hc_status st)
{
    switch (st) {
    case HC_NEED_MORE:
        return "need_more";
    case HC_OK:
        return "ok";
    case HC_BAD_REQUEST:
        return "bad_request";
    case HC_NOT_CONNECT:
        return "not_connect";
    case HC_TOO_BIG:
        return "too_big";
    case HC_BAD_VERSION:
        return "bad_version";
    }
    return "unknown";
}

int
hc_status_code(enum hc_status st)
{
    switch (st) {
    case HC_OK:
        return 200;
    case HC_NOT_CONNECT:
        return 405;
    case HC_TOO_BIG:
        return 431;
    case HC_BAD_VERSION:
        return 505;
    case HC_NEED_MORE:
    case HC_BAD_REQUEST:
        break;
    }
    return 400;
}

static void
strip_cr(struct bcur *line)
{
    uint8_t b;

    if (bcur_left(line) > 0 && bcur_byte_at(line, bcur_left(line) - 1, &b) &&
        b == '\r') {
        line->len--;
    }
}

/* tchar (RFC 9110 §5.6.2) */
static bool
is_tchar(uint8_t b)
{
    return is_alnum(b) || (b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL);
}

static bool
all_tchar(const struct bcur *c)
{
    if (bcur_left(c) == 0) {
        return false;
    }
    for (size_t i = 0; i < bcur_left(c); i++) {
        uint8_t b;
        if (!bcur_byte_at(c, i, &b) || !is_tchar(b)) {
            return false;
        }
    }
    return true;
}

static void
trim_ows(struct bcur *c)
{
    uint8_t b;

    while (bcur_peek_u8(c, &b) && (b == ' ' || b == '\t')) {
        if (!bcur_skip(c, 1)) {
            return;
        }
    }
    while (bcur_left(c) > 0 && bcur_byte_at(c, bcur_left(c) - 1, &b) &&
           (b == ' ' || b == '\t')) {
        c->len--;
    }
}

/*
 * authority-form = uri-host ":" port   (RFC 9112 §3.2.3)
 * uri-host = IP-literal / IPv4address / reg-name (RFC 3986 §3.2.2)
 */
static bool
parse_authority(struct hc_request *out, const struct bcur *target)
{
    struct bcur t = *target, host, port;
    uint8_t b;
    size_t pos;

    if (bcur_peek_u8(&t, &b) && b == '[') {
        if (!bcur_skip(&t, 1) || !bcur_get_until(&t, &host, ']',
                                                 bcur_left(&t))) {
            return false;
        }
        if (!ipv6_chars(&host) || !bcur_get_u8(&t, &b) || b != ':') {
            return false;
        }
        out->host_is_ipv6 = true;
        port = t;
    } else {
        /* The last ':' separates the port; a reg-name has none. */
        if (!bcur_find(&t, ':', &pos)) {
            return false;
        }
        if (!bcur_get_bytes(&t, &host, pos) || !bcur_skip(&t, 1)) {
            return false;
        }
        if (!cp_host_valid(&host)) {
            return false;
        }
        port = t;
    }
    out->host = host;
    return parse_port(&port, &out->port);
}

enum hc_status
hc_parse(struct hc_request *out, const uint8_t *buf, size_t len, size_t max)
{
    struct bcur in, line, method, target, version;
    bool capped = len >= max;
    size_t pos;

    memset(out, 0, sizeof(*out));
    bcur_init(&in, buf, capped ? max : len);

    if (!bcur_get_until(&in, &line, '\n', bcur_left(&in))) {
        /* Decide early on a method that can never be CONNECT. */
        struct bcur head = in;
        if (bcur_find(&head, ' ', &pos)) {
            head.len = pos;
            if (!all_tchar(&head)) {
                return HC_BAD_REQUEST;
            }
            if (!bcur_eq(&head, "CONNECT")) {
                return HC_NOT_CONNECT;
            }
        }
        return capped ? HC_TOO_BIG : HC_NEED_MORE;
    }
    strip_cr(&line);
    /* request-line = method SP request-target SP HTTP-version */
    if (!bcur_get_until(&line, &method, ' ', bcur_left(&line))) {
        return HC_BAD_REQUEST;
    }
    /* The method decides first, exactly as on the early path above. */
    if (!all_tchar(&method)) {
        return HC_BAD_REQUEST;
    }
    if (!bcur_eq(&method, "CONNECT")) {  /* methods are case-sensitive */
        return HC_NOT_CONNECT;
    }
    if (!bcur_get_until(&line, &target, ' ', bcur_left(&line))) {
        return HC_BAD_REQUEST;
    }
    version = line;
    if (!bcur_eq(&version, "HTTP/1.1") && !bcur_eq(&version, "HTTP/1.0")) {
        struct bcur v = version;
        v.len = v.len < 5 ? v.len : 5;
        return bcur_eq(&v, "HTTP/") ? HC_BAD_VERSION : HC_BAD_REQUEST;
    }
    if (!parse_authority(out, &target)) {
        return HC_BAD_REQUEST;
    }
    /* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5) */
    for (;;) {
        struct bcur name, value;
        uint8_t b;
        if (!bcur_get_until(&in, &line, '\n', bcur_left(&in))) {
            return capped ? HC_TOO_BIG : HC_NEED_MORE;
        }
        strip_cr(&line);
        if (bcur_left(&line) == 0) {
            break;
        }
        if (bcur_peek_u8(&line, &b) && (b == ' ' || b == '\t')) {
            return HC_BAD_REQUEST; /* obs-fold (RFC 9112 §5.2) */
        }
        if (!bcur_get_until(&line, &name, ':', bcur_left(&line)) ||
            !all_tchar(&name)) {
            return HC_BAD_REQUEST;
        }
        value = line;
        trim_ows(&value);
        for (size_t i = 0; i < bcur_left(&value); i++) {
            if (!bcur_byte_at(&value, i, &b) || b == 0 || b == '\r') {
                return HC_BAD_REQUEST;
            }
        }
        out->num_headers++;
        if (bcur_eq_icase(&name, "User-Agent") && !out->has_user_agent) {
            out->has_user_agent = true;
            out->user_agent = value;
            if (out->user_agent.len > CP_UA_MAX) {
                out->user_agent.len = CP_UA_MAX;
            }
        }
    }
    out->head_len = bcur_offset(&in);
    return HC_OK;
}

void
hc_reply(struct bbuf *out, int code)
{
    const char *reason;

    switch (code) {
    case 200:
        (void)bbuf_put_str(out, "HTTP/1.1 200 Connection established\r\n"
                                "\r\n");
        return;
    case 403:
        reason = "Forbidden";
        break;
    case 405:
        reason = "Method Not Allowed";
        break;
    case 431:
        reason = "Request Header Fields Too Large";
        break;
    case 502:
        reason = "Bad Gateway";
        break;
    case 504:
        reason = "Gateway Timeout";
        break;
    case 505:
        reason = "HTTP Version Not Supported";
        break;
    default:
        code = 400;
        reason = "Bad Request";
        break;
    }
    (void)bbuf_printf(out, "HTTP/1.1 %d %s\r\n%sContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n", code, reason,
                      code == 405 ? "Allow: CONNECT\r\n" : "");
}

/* ---- SOCKS5 ---- */

const char *
s5_action_str(enum s5_action a)
{
    switch (a) {
    case S5_NEED_MORE:
        return "need_more";
    case S5_REPLY:
        return "reply";
    case S5_CONNECT:
        return "connect";
    case S5_FAIL:
        return "fail";
    }
    return "unknown";
}

const char *
s5_step_str(enum s5_step s)
{
    switch (s) {
    case S5_GREETING:
        return "greeting";
    case S5_AUTH:
        return "auth";
    case S5_REQUEST:
        return "request";
    case S5_DONE:
        return "done";
    case S5_FAILED:
        return "failed";
    }
    return "unknown";
}

void
s5_init(struct s5_state *s)
{
    memset(s, 0, sizeof(*s));
    s->step = S5_GREETING;
}

void
s5_reply(struct bbuf *out, uint8_t rep)
{
    static const uint8_t zero_bound[6] = {0, 0, 0, 0, 0, 0};

    (void)bbuf_put_u8(out, 5);
    (void)bbuf_put_u8(out, rep);
    (void)bbuf_put_u8(out, 0);
    (void)bbuf_put_u8(out, 1);
    (void)bbuf_put(out, zero_bound, sizeof(zero_bound));
}

static enum s5_action
s5_fail(struct s5_state *s, const char *why)
{
    s->step = S5_FAILED;
    s->error = why;
    return S5_FAIL;
}

/*
 * RFC 1928 §3:  +----+----------+----------+
 *               |VER | NMETHODS | METHODS  |
 *               | 1  |    1     | 1 to 255 |
 */
static enum s5_action
s5_greeting(struct s5_state *s, struct bcur *in, struct bbuf *reply)
{
    uint8_t ver;
    struct bcur methods;
    bool none = false, userpass = false;

    if (!bcur_get_u8(in, &ver)) {
        return S5_NEED_MORE;
    }
    if (ver != 5) {
        return s5_fail(s, "not_socks5"); /* no reply: not our protocol */
    }
    if (!bcur_get_vec8(in, &methods)) {
        return S5_NEED_MORE;
    }
    if (bcur_left(&methods) == 0) {
        return s5_fail(s, "no_methods");
    }
    while (bcur_left(&methods) > 0) {
        uint8_t m;
        if (!bcur_get_u8(&methods, &m)) {
            break;
        }
        none = none || m == 0x00;
        userpass = userpass || m == 0x02;
    }
    (void)bbuf_put_u8(reply, 5);
    if (none) {
        s->method = 0x00;
        s->step = S5_REQUEST;
    } else if (userpass) {
        s->method = 0x02;
        s->step = S5_AUTH;
    } else {
        (void)bbuf_put_u8(reply, 0xff); /* NO ACCEPTABLE METHODS */
        return s5_fail(s, "no_acceptable_method");
    }
    (void)bbuf_put_u8(reply, s->method);
    return S5_REPLY;
}

/*
 * RFC 1929 §2: VER(1)=1 ULEN(1) UNAME(1..255) PLEN(1) PASSWD(1..255).
 * Any credentials are accepted (access is controlled by allow_clients);
 * neither the name nor the password is kept.
 */
static enum s5_action
s5_auth(struct s5_state *s, struct bcur *in, struct bbuf *reply)
{
    uint8_t ver;
    struct bcur uname, passwd;

    if (!bcur_get_u8(in, &ver)) {
        return S5_NEED_MORE;
    }
    if (ver != 1) {
        (void)bbuf_put_u8(reply, 1);
        (void)bbuf_put_u8(reply, 1);
        return s5_fail(s, "bad_auth_version");
    }
    if (!bcur_get_vec8(in, &uname) || !bcur_get_vec8(in, &passwd)) {
        return S5_NEED_MORE;
    }
    (void)bbuf_put_u8(reply, 1);
    (void)bbuf_put_u8(reply, 0);
    s->step = S5_REQUEST;
    return S5_REPLY;
}

/*
 * RFC 1928 §4:
 *   +----+-----+-------+------+----------+----------+
 *   |VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
 *   | 1  |  1  | X'00' |  1   | Variable |    2     |
 */
static enum s5_action
s5_request(struct s5_state *s, struct bcur *in, struct bbuf *reply)
{
    uint8_t ver, rsv;
    struct bcur addr, name;

    if (!bcur_get_u8(in, &ver) || !bcur_get_u8(in, &s->cmd) ||
        !bcur_get_u8(in, &rsv) || !bcur_get_u8(in, &s->atyp)) {
        return S5_NEED_MORE;
    }
    if (ver != 5) {
        s5_reply(reply, S5_REP_GENERAL_FAILURE);
        return s5_fail(s, "bad_request_version");
    }
    switch (s->atyp) {
    case 1:
        if (!bcur_get_bytes(in, &addr, 4)) {
            return S5_NEED_MORE;
        }
        memcpy(s->addr, bcur_data(&addr), 4);
        break;
    case 4:
        if (!bcur_get_bytes(in, &addr, 16)) {
            return S5_NEED_MORE;
        }
        memcpy(s->addr, bcur_data(&addr), 16);
        break;
    case 3:
        if (!bcur_get_vec8(in, &name)) {
            return S5_NEED_MORE;
        }
        s->host_len = bcur_left(&name);
        if (s->host_len > 0) {
            memcpy(s->host, bcur_data(&name), s->host_len);
        }
        break;
    default:
        s5_reply(reply, S5_REP_ATYP_NOT_SUPPORTED);
        return s5_fail(s, "address_type_not_supported");
    }
    if (!bcur_get_u16(in, &s->port)) {
        return S5_NEED_MORE;
    }
    if (s->cmd != 1) {
        /* BIND (2) and UDP ASSOCIATE (3) are never offered. */
        s5_reply(reply, S5_REP_CMD_NOT_SUPPORTED);
        return s5_fail(s, "command_not_supported");
    }
    if (s->atyp == 3) {
        struct bcur h;
        bcur_init(&h, s->host, s->host_len);
        if (!cp_host_valid(&h)) {
            s5_reply(reply, S5_REP_GENERAL_FAILURE);
            return s5_fail(s, "bad_domain");
        }
    }
    if (s->port == 0) {
        s5_reply(reply, S5_REP_GENERAL_FAILURE);
        return s5_fail(s, "bad_port");
    }
    s->step = S5_DONE;
    return S5_CONNECT;
}

enum s5_action
s5_feed(struct s5_state *s, const uint8_t *in_buf, size_t len,
        size_t *consumed, struct bbuf *reply)
{
    struct bcur in;
    enum s5_action a;
    struct s5_state save = *s;

    *consumed = 0;
    bcur_init(&in, in_buf, len);
    switch (s->step) {
    case S5_GREETING:
        a = s5_greeting(s, &in, reply);
        break;
    case S5_AUTH:
        a = s5_auth(s, &in, reply);
        break;
    case S5_REQUEST:
        a = s5_request(s, &in, reply);
        break;
    case S5_DONE:
        return S5_CONNECT;
    case S5_FAILED:
    default:
        return S5_FAIL;
    }
    if (a == S5_NEED_MORE) {
        *s = save;  /* all or nothing: feed the whole message again */
        return a;
    }
    *consumed = bcur_offset(&in);
    return a;
}

bool
s5_host_text(const struct s5_state *s, char *buf, size_t cap)
{
    if (cap < 256) {
        return false;
    }
    buf[0] = '\0';
    switch (s->atyp) {
    case 1:
        return inet_ntop(AF_INET, s->addr, buf, (socklen_t)cap) != NULL;
    case 4:
        return inet_ntop(AF_INET6, s->addr, buf, (socklen_t)cap) != NULL;
    case 3:
        if (s->host_len == 0 || s->host_len >= cap) {
            return false;
        }
        memcpy(buf, s->host, s->host_len);
        buf[s->host_len] = '\0';
        return true;
    default:
        return false;
    }
}
