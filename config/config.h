/*
 * config.h - the configuration: globals, listeners and user policies, read
 * from an INI file (libinih) or built from the defaults. Everything is
 * validated at load time; a config that loads is one the listener code can
 * use without re-checking: every enum is valid, every listen address is a
 * parsed numeric sockaddr, every limit is an effective value (protocol
 * defaults already applied) and every listener points at its policy.
 * Errors carry FILE:LINE so the caller can print them and exit 2.
 * See doc/config.md for the file format and every key.
 */
#ifndef TLSREADY_CONFIG_H
#define TLSREADY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "compiler.h"
#include "policy.h"

#define CONFIG_NAME_MAX 32      /* listener name: [A-Za-z0-9._-]{1,31} */
#define CONFIG_PATH_MAX 256     /* file paths in the config */
#define CONFIG_HOST_MAX 254     /* DNS name (253) + NUL */
#define CONFIG_MAX_LISTENERS 64
#define CONFIG_MAX_ALLOW 64     /* entries in each allow_* list */
#define CONFIG_MAX_FP_FILES 8   /* `fingerprints` entries */
#define CONFIG_MAX_FILE_SIZE (1024 * 1024)
#define CONFIG_ERR_MSG_MAX 256

/*
 * struct config_error is filled by the functions that can fail. `line` is
 * 1-based; 0 means the error is not tied to a line (the file cannot be
 * opened, or a command-line option such as --bind is at fault).
 */
struct config_error {
    char file[CONFIG_PATH_MAX];
    int line;
    char msg[CONFIG_ERR_MSG_MAX];
};

/* config_error_print writes "FILE:LINE: msg\n" (or "FILE: msg\n"). */
void config_error_print(const struct config_error *err, FILE *f);

enum listener_mode {
    LMODE_TEST = 0,     /* play the server, capture the ClientHello */
    LMODE_RELAY,        /* forward to `upstream`, watch the handshake */
    LMODE_HTTP_CONNECT, /* HTTP CONNECT proxy, destination from request */
    LMODE_SOCKS5,       /* SOCKS5 proxy (RFC 1928), destination from request */
};

enum listener_proto {
    LPROTO_AUTO = 0, /* proxy modes only: decided by the destination port */
    LPROTO_IMAP,
    LPROTO_POP3,
    LPROTO_SMTP,
    LPROTO_TLS,      /* implicit TLS, application protocol unknown */
    LPROTO_HTTPS,    /* implicit TLS, HTTP expected */
};

/*
 * How a test-mode attempt ends once the ClientHello is captured
 * (KNOWLEDGE.md §8.3 personas).
 */
enum listener_finish {
    LFINISH_ALERT = 0, /* fatal protocol_version alert like a TLS 1.2-only
                          OpenSSL server, then FIN (tls-alert persona) */
    LFINISH_HANDSHAKE, /* real mbedTLS handshake, TLS 1.2 floor */
    LFINISH_OFFICE365, /* complete the handshake, then the documented
                          Office 365 text (app-reject persona); mail only */
    LFINISH_CLOSE,     /* drain and close without an alert */
    LFINISH_RESET,     /* TCP reset, no alert (Schannel-like worst case) */
};

enum config_console {
    CONSOLE_AUTO = 0, /* colour when stdout is a terminal */
    CONSOLE_COLOR,
    CONSOLE_PLAIN,
    CONSOLE_OFF,
};

enum config_lang { LANG_AUTO = 0, LANG_EN, LANG_JA };

/* One allow_clients entry: an address and prefix length (CIDR). */
struct config_cidr {
    int family;          /* AF_INET or AF_INET6 */
    uint8_t addr[16];    /* network byte order; IPv4 uses the first 4 */
    uint8_t prefix;      /* 0..32 or 0..128 */
};

/*
 * struct listener_conf is one [listener NAME] section after validation.
 * All limits hold effective values (the protocol defaults are applied).
 */
struct listener_conf {
    char name[CONFIG_NAME_MAX];
    int line;                        /* line of the [listener] header; 0 for
                                        the built-in defaults */
    enum listener_mode mode;
    enum listener_proto protocol;    /* LPROTO_AUTO only in proxy modes */
    bool starttls;                   /* plaintext stage first (imap/pop3/
                                        smtp); false for tls/https/auto */
    enum listener_finish finish;     /* test mode only; else ALERT, unused */

    /* Where to listen: numeric address (no DNS), port may be 0 (tests). */
    struct sockaddr_storage listen_addr;
    socklen_t listen_addr_len;
    char listen_text[80];            /* "127.0.0.1:1143", "[::1]:1143" */

    /* Policy: name as written and the resolved policy (never NULL). */
    char policy_name[POLICY_NAME_MAX];
    const struct policy *policy;     /* points into tr_config or built-ins */

    /* Relay only: upstream host (name or address, resolved later) + port. */
    char upstream_host[CONFIG_HOST_MAX];
    uint16_t upstream_port;

    /* Proxy modes only. Empty allow_ports never happens (defaults). */
    size_t num_allow_ports;
    uint16_t allow_ports[CONFIG_MAX_ALLOW];
    size_t num_allow_hosts;          /* 0: any host */
    char allow_hosts[CONFIG_MAX_ALLOW][CONFIG_HOST_MAX]; /* "a.b" or "*.b" */

    /* Who may connect. 0 entries: anyone (only allowed when safe). */
    size_t num_allow_clients;
    struct config_cidr allow_clients[CONFIG_MAX_ALLOW];

    char hostname[CONFIG_HOST_MAX];  /* name in greetings (test mode) */

    /* Limits. Byte counts and command counts. */
    size_t max_line;      /* plaintext line incl. CRLF (0: no plaintext) */
    unsigned max_commands;/* plaintext commands before TLS */
    size_t max_preread;   /* bytes accepted before the ClientHello */
    size_t max_hello;     /* ClientHello size captured, <= 65536 */

    /* Timeouts in seconds. */
    unsigned timeout_plaintext;
    unsigned timeout_hello;
    unsigned timeout_idle;     /* relay/proxy: after the handshake */
    unsigned timeout_connect;  /* relay/proxy: upstream connect */
};

/* [global] */
struct config_global {
    char records[CONFIG_PATH_MAX];   /* "-" = stdout */
    char bind[64];                   /* numeric address for port-only
                                        listen values */
    enum config_console console;
    enum config_lang lang;
    char policy_name[POLICY_NAME_MAX];   /* default listener policy */
    unsigned max_connections;
    unsigned max_per_address;
    unsigned story_window;           /* seconds; 0 = do not link attempts */
    bool dashboard_enabled;
    struct sockaddr_storage dashboard_addr;
    socklen_t dashboard_addr_len;
    char dashboard_text[80];
    size_t num_fingerprints;
    char fingerprints[CONFIG_MAX_FP_FILES][CONFIG_PATH_MAX];
    char handshake_cert[CONFIG_PATH_MAX]; /* "" = throw-away cert */
    char handshake_key[CONFIG_PATH_MAX];
};

/*
 * struct tr_config is the whole configuration. It is one heap block with no
 * internal allocations, so pointers into it (listener policy pointers) stay
 * valid until config_free().
 */
struct tr_config {
    char path[CONFIG_PATH_MAX];      /* "" for the built-in defaults */
    struct config_global global;
    size_t num_listeners;
    struct listener_conf listeners[CONFIG_MAX_LISTENERS];
    size_t num_policies;             /* user [policy] sections */
    struct policy policies[POLICY_MAX_USER];
};

/*
 * config_default returns the built-in configuration: seven test-mode
 * listeners on 127.0.0.1 (imap/STARTTLS 1143, imaps 1993, pop3/STLS 1110,
 * pop3s 1995, submission/STARTTLS 1587, smtps 1465, https 1443), finish
 * alert, policy tls12, dashboard 127.0.0.1:8025. NULL only when out of
 * memory. Free with config_free().
 */
MUST_CHECK struct tr_config *config_default(void);

/*
 * config_load reads and validates the INI file at `path`. On success it
 * returns a new config (free with config_free()); on any error it returns
 * NULL and fills `err` with the first error (file, line, message).
 */
MUST_CHECK struct tr_config *config_load(const char *path,
                                         struct config_error *err);

/*
 * config_load_mem is config_load over `len` bytes in memory; `name` is the
 * file name used in errors. The bytes need not be NUL-terminated.
 */
MUST_CHECK struct tr_config *config_load_mem(const char *name,
                                             const uint8_t *data, size_t len,
                                             struct config_error *err);

/* config_free frees `c`; NULL is allowed. */
void config_free(struct tr_config *c);

/*
 * config_apply_bind implements --bind ADDR: every listener moves to the
 * numeric address `addr` and keeps its port (the dashboard stays where it
 * is). A non-loopback address is allowed (an explicit choice), but a relay
 * or proxy listener without allow_clients is refused there (never an open
 * proxy), as are two listeners that end up on the same address. Returns 0,
 * or -1 with `err` filled and `c` unchanged.
 */
MUST_CHECK int config_apply_bind(struct tr_config *c, const char *addr,
                                 struct config_error *err);

/*
 * config_policy returns the policy called `name`: a user [policy] section
 * first, then a built-in. NULL when neither exists.
 */
const struct policy *config_policy(const struct tr_config *c,
                                   const char *name);

/*
 * config_dump prints the effective configuration as a loadable INI file
 * (for --check-config); loading the output gives the same config.
 */
void config_dump(const struct tr_config *c, FILE *f);

/*
 * config_addr_is_loopback is true for 127.0.0.0/8, ::1 and IPv4-mapped
 * loopback. The wildcard addresses are not loopback.
 */
bool config_addr_is_loopback(const struct sockaddr_storage *ss);

/*
 * config_client_allowed is true when `peer` may use listener `l`: its
 * allow_clients list is empty or one entry matches (IPv4-mapped IPv6 peers
 * match IPv4 entries).
 */
bool config_client_allowed(const struct listener_conf *l,
                           const struct sockaddr_storage *peer);

/*
 * config_host_allowed is true when a proxy destination `host` (as sent by
 * the client, `len` bytes, not NUL-terminated) matches allow_hosts (case
 * insensitive; "*.example.com" matches any subdomain), or the list is empty.
 */
bool config_host_allowed(const struct listener_conf *l, const uint8_t *host,
                         size_t len);

/* config_listen_port returns the port of the listener's listen address. */
uint16_t config_listen_port(const struct listener_conf *l);

/* config_port_allowed is true when `port` is in allow_ports. */
bool config_port_allowed(const struct listener_conf *l, uint16_t port);

/* Stable lowercase tokens, as written in the config and in records. */
const char *config_mode_str(enum listener_mode m);
const char *config_proto_str(enum listener_proto p);
const char *config_finish_str(enum listener_finish f);
const char *config_console_str(enum config_console c);
const char *config_lang_str(enum config_lang l);

#endif /* TLSREADY_CONFIG_H */
