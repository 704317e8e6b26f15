/*
 * connect_parse.h - the proxy front doors as pure parsers: an HTTP CONNECT
 * request (RFC 9110 §9.3.6, RFC 9112 §3) and the SOCKS5 dialog (RFC 1928,
 * username/password RFC 1929). No I/O, no allocation: the relay feeds the
 * bytes it has, writes the replies these functions build, and connects to
 * the destination they return. A SOCKS password is read past and never
 * copied, not even its length.
 */
#ifndef TLSREADY_CONNECT_PARSE_H
#define TLSREADY_CONNECT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "compiler.h"

/* RFC 1035: a name is at most 255 octets on the wire (253 as text). */
#define CP_HOST_MAX 255
/* Headers kept from a CONNECT request (the rest are skipped). */
#define CP_UA_MAX 256

/* ---- HTTP CONNECT ---- */

enum hc_status {
    HC_NEED_MORE = 0,  /* a valid prefix; read more */
    HC_OK,             /* complete request; see struct hc_request */
    HC_BAD_REQUEST,    /* 400: not HTTP, bad authority, bad header */
    HC_NOT_CONNECT,    /* 405: a method other than CONNECT */
    HC_TOO_BIG,        /* 431: the head passed the caller's limit */
    HC_BAD_VERSION,    /* 505: not HTTP/1.x */
};

/* hc_status_str returns a stable token, e.g. "bad_request". */
const char *hc_status_str(enum hc_status st);

/* hc_status_code returns the HTTP status to answer with (200 for OK). */
int hc_status_code(enum hc_status st);

struct hc_request {
    struct bcur host;        /* authority host, brackets removed */
    bool host_is_ipv6;       /* it was an IP-literal "[...]" */
    uint16_t port;
    struct bcur user_agent;  /* User-Agent value, trimmed; may be empty */
    bool has_user_agent;
    size_t head_len;         /* bytes of the request head incl. CRLFCRLF */
    size_t num_headers;
};

/*
 * hc_parse reads an HTTP/1.x request head from `buf` (`len` bytes so far).
 * `max` caps the head: once `max` bytes hold no empty line, TOO_BIG.
 * Views in `out` point into `buf`. Only "CONNECT host:port HTTP/1.x" is
 * accepted (authority-form, RFC 9112 §3.2.3); a bare LF ends lines too.
 * Stateless: call again with the longer buffer after NEED_MORE.
 */
MUST_CHECK enum hc_status hc_parse(struct hc_request *out,
                                   const uint8_t *buf, size_t len,
                                   size_t max);

/*
 * hc_reply appends the status line and headers for `code` (200, 400, 403,
 * 405, 431, 502, 504, 505) to `out`, ending with the empty line.
 */
void hc_reply(struct bbuf *out, int code);

/* ---- SOCKS5 ---- */

enum s5_step {
    S5_GREETING = 0,  /* VER NMETHODS METHODS */
    S5_AUTH,          /* RFC 1929 subnegotiation */
    S5_REQUEST,       /* VER CMD RSV ATYP DST.ADDR DST.PORT */
    S5_DONE,          /* destination known */
    S5_FAILED,
};

enum s5_action {
    S5_NEED_MORE = 0, /* read more bytes */
    S5_REPLY,         /* send `reply`, then feed again (more may follow) */
    S5_CONNECT,       /* destination in the state; connect, then s5_reply */
    S5_FAIL,          /* send `reply` (if any), then close */
};

/* s5_action_str / s5_step_str return stable tokens. */
const char *s5_action_str(enum s5_action a);
const char *s5_step_str(enum s5_step s);

/* RFC 1928 §6 reply codes. */
#define S5_REP_SUCCEEDED 0x00
#define S5_REP_GENERAL_FAILURE 0x01
#define S5_REP_NOT_ALLOWED 0x02
#define S5_REP_NET_UNREACHABLE 0x03
#define S5_REP_HOST_UNREACHABLE 0x04
#define S5_REP_REFUSED 0x05
#define S5_REP_TTL_EXPIRED 0x06
#define S5_REP_CMD_NOT_SUPPORTED 0x07
#define S5_REP_ATYP_NOT_SUPPORTED 0x08

struct s5_state {
    enum s5_step step;
    uint8_t method;          /* 0x00 no auth, 0x02 username/password */
    uint8_t atyp;            /* 1 IPv4, 3 domain, 4 IPv6 */
    uint8_t cmd;
    /* Destination: a domain (not NUL-terminated) or the address bytes. */
    uint8_t host[CP_HOST_MAX];
    size_t host_len;
    uint8_t addr[16];
    uint16_t port;
    const char *error;       /* stable token when S5_FAIL */
};

/* s5_init starts a dialog. */
void s5_init(struct s5_state *s);

/*
 * s5_feed reads the next message of the dialog from `in` (`len` bytes).
 * It consumes exactly one message (`*consumed`) and appends its answer to
 * `reply`: the method choice, the RFC 1929 status, or an error reply.
 * After S5_CONNECT, the caller connects and sends s5_reply(SUCCEEDED or an
 * error code).
 */
MUST_CHECK enum s5_action s5_feed(struct s5_state *s, const uint8_t *in,
                                  size_t len, size_t *consumed,
                                  struct bbuf *reply);

/*
 * s5_reply appends a request reply (RFC 1928 §6) with code `rep` and a
 * zero IPv4 bound address.
 */
void s5_reply(struct bbuf *out, uint8_t rep);

/*
 * cp_host_text writes the destination as text ("example.com",
 * "192.0.2.1", "2001:db8::1") into buf (cap >= 256, NUL-terminated). For a
 * domain only [A-Za-z0-9.-_] are allowed; false for anything else.
 */
MUST_CHECK bool s5_host_text(const struct s5_state *s, char *buf,
                             size_t cap);

/*
 * cp_host_valid is true when `host` is a plausible DNS name or IPv4
 * literal (letters, digits, '-', '.', '_'; 1..253 bytes), so it can be
 * passed to a resolver and written in a record as is.
 */
bool cp_host_valid(const struct bcur *host);

#endif /* TLSREADY_CONNECT_PARSE_H */
