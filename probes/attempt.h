/*
 * attempt.h - everything tlsready learned from one connection attempt, in
 * one plain struct: the session (proxy/) fills it, the verdict engine
 * (probes/verdict.h) judges it, and the record writer serialises it. It
 * lives in probes/ so judging and rendering stay pure and testable without
 * sockets. Strings are bounded copies (peer bytes, NOT NUL-terminated:
 * always use the *_len fields); the ClientHello views point into `raw`.
 */
#ifndef TLSREADY_ATTEMPT_H
#define TLSREADY_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "clienthello.h"

struct fingerprint;
struct story;

#define ATTEMPT_NAME_MAX 64      /* listener name, protocol */
#define ATTEMPT_ADDR_MAX 64      /* textual IP address */
#define ATTEMPT_HINT_MAX 256     /* EHLO name, ID value, User-Agent, target */
#define ATTEMPT_MAX_REASONS 12
#define ATTEMPT_MAX_ADVICE 8
#define ATTEMPT_MAX_ALERTS 4

/* How the attempt ended (stable tokens via attempt_end_str). */
enum attempt_end {
    END_NONE = 0,
    END_HELLO_CAPTURED,        /* got the hello, finished as configured */
    END_HANDSHAKE_DONE,        /* finish=handshake: completed */
    END_HANDSHAKE_FAILED,      /* finish=handshake: failed (see tls_error) */
    END_CLIENT_QUIT,           /* LOGOUT/QUIT before any TLS */
    END_CLIENT_CLOSED,         /* connection closed before a full hello */
    END_PLAINTEXT_ON_TLS_PORT, /* implicit-TLS port, client spoke text */
    END_TLS_ON_PLAIN_PORT,     /* STARTTLS port, client began with TLS */
    END_NOT_TLS,               /* after STARTTLS, bytes were not TLS */
    END_TIMEOUT_PLAINTEXT,     /* no STARTTLS within the timeout */
    END_TIMEOUT_HELLO,         /* no complete hello within the timeout */
    END_TOO_BIG,               /* hello larger than max_hello */
    END_MALFORMED,             /* hello could not be parsed */
    END_LIMIT,                 /* a limit (line, commands, bytes) was hit */
    END_REFUSED,               /* connection limit: refused at accept */
    END_UPSTREAM_FAILED,       /* relay: could not reach the server */
    END_RELAYED,               /* relay: passed through to the end */
    END_SHUTDOWN,              /* tlsready was stopping */
};

enum verdict_kind {
    VERDICT_UNKNOWN = 0,
    VERDICT_PASS,
    VERDICT_WARN,
    VERDICT_FAIL,
};

struct attempt_alert {
    bool from_server;          /* else from the client */
    uint8_t level;
    uint8_t description;
    bool encrypted;            /* after ChangeCipherSpec: content unknown */
};

struct attempt_verdict {
    enum verdict_kind kind;
    size_t num_reasons;
    const char *reasons[ATTEMPT_MAX_REASONS];   /* stable codes */
    const char *summary_code;  /* the reason that decided the verdict */
    /* Client identification. */
    const char *client_family; /* e.g. "Windows SChannel", NULL: unknown */
    const char *client_detail; /* e.g. "Windows 7 default (TLS 1.0 only)" */
    const char *client_os;
    const char *client_source; /* "ja4", "ja3", "imap_id", "ehlo", ... */
    const char *client_confidence; /* "high", "medium", "low" */
    size_t num_advice;
    const char *advice[ATTEMPT_MAX_ADVICE];     /* advice ids */
    const char *policy;        /* policy name used */
};

/*
 * Relay and proxy modes (filled by proxy/relay.c, rendered by record.c
 * put_relay): what happened between the client and the real server.
 */
struct attempt_relay {
    bool active;               /* relay/proxy attempt: render "relay" */
    char upstream[ATTEMPT_HINT_MAX];      /* "host:port" dialled */
    char upstream_addr[ATTEMPT_ADDR_MAX]; /* resolved address, if any */
    uint16_t upstream_port;
    const char *upstream_error;  /* stable token: "connect_refused", ... */
    const char *front_error;     /* proxy request refused: stable token */
    int proxy_status;            /* HTTP status or SOCKS REP sent; -1 none */
    bool starttls_accepted;      /* the server said yes to STARTTLS */
    bool starttls_refused;       /* the server said no */
    uint8_t server_reject[ATTEMPT_HINT_MAX]; /* first refusal line */
    size_t server_reject_len;
    bool handshake_finished;     /* CCS/app data seen in both directions */
    const char *closed_first;    /* "client", "server", "idle_timeout",
                                    "shutdown", "error" */
    bool spliced;                /* bytes moved with splice(2) */
};

struct attempt {
    /* Where and when. */
    uint64_t id;
    struct timespec t_start;
    struct timespec t_end;
    char listener[ATTEMPT_NAME_MAX];
    char mode[16];             /* "test", "relay", "http-connect", "socks5" */
    char protocol[16];         /* "imap", "pop3", "smtp", "tls", "https" */
    bool implicit_tls;         /* TLS from the first byte */
    /*
     * Port/security mismatch: a client that opened a STARTTLS port with a
     * ClientHello (its account says "SSL/TLS" where it should say STARTTLS).
     * Its hello is still captured and judged; this flag adds the reason.
     */
    bool tls_on_starttls_port;
    char peer_addr[ATTEMPT_ADDR_MAX];
    uint16_t peer_port;
    uint16_t local_port;

    /* Plaintext stage (hints are peer bytes, bounded, escaped on output). */
    bool starttls_offered;
    bool starttls_requested;
    bool plaintext_login;      /* tried to log in / send mail in clear */
    char plaintext_login_cmd[48];
    size_t num_commands;
    size_t pipelined_after_starttls; /* bytes sent with STARTTLS */
    bool pipelined_was_tls;    /* ...and they were the hello's start */
    uint8_t ehlo_name[ATTEMPT_HINT_MAX];
    size_t ehlo_name_len;
    uint8_t id_name[ATTEMPT_HINT_MAX];       /* IMAP ID "name" */
    size_t id_name_len;
    uint8_t id_version[ATTEMPT_HINT_MAX];    /* IMAP ID "version" */
    size_t id_version_len;
    uint8_t id_os[ATTEMPT_HINT_MAX];         /* IMAP ID "os" */
    size_t id_os_len;
    uint8_t id_os_version[ATTEMPT_HINT_MAX]; /* IMAP ID "os-version" */
    size_t id_os_version_len;
    uint8_t user_agent[ATTEMPT_HINT_MAX];    /* HTTP CONNECT User-Agent */
    size_t user_agent_len;
    uint8_t target[ATTEMPT_HINT_MAX];        /* CONNECT/SOCKS destination */
    size_t target_len;

    /* ClientHello. `raw` is owned by the session (capture buffer). */
    bool have_hello;           /* a hello was parsed (maybe with errors) */
    const uint8_t *raw;        /* the record bytes as received */
    size_t raw_len;
    size_t tcp_reads;          /* reads it took to get the hello */
    struct clienthello ch;
    const char *capture_error; /* tlsrec token when not OK, else NULL */
    /* JA3/JA4 of `ch`, computed once by the judge; NULL until then. */
    struct fingerprint *fp;

    /* Server side (relay, or our own handshake in test mode). */
    bool have_server_hello;
    uint16_t server_version;   /* negotiated */
    uint16_t server_suite;
    size_t num_alerts;
    struct attempt_alert alerts[ATTEMPT_MAX_ALERTS];
    const char *tls_error;     /* stable token from the handshake engine */

    /* End. */
    enum attempt_end end;
    const char *finish;        /* "alert", "handshake", ... as configured */
    uint64_t bytes_in;
    uint64_t bytes_out;

    /* Relay and proxy modes only (relay.active). */
    struct attempt_relay relay;

    /* Linked retries (filled by the story tracker). */
    uint64_t story_id;
    size_t story_seq;          /* 1 for the first attempt of a story */
    /* The story as of this attempt; valid only while it is recorded. */
    const struct story *story;

    /* Judgement (filled by verdict_judge). */
    struct attempt_verdict verdict;
};

/* attempt_end_str returns a stable token, e.g. "timeout_hello". */
const char *attempt_end_str(enum attempt_end e);

/* verdict_kind_str returns "pass", "warn", "fail" or "unknown". */
const char *verdict_kind_str(enum verdict_kind k);

/* attempt_set_hint copies at most ATTEMPT_HINT_MAX peer bytes into dst. */
void attempt_set_hint(uint8_t *dst, size_t *dst_len, const uint8_t *p,
                      size_t n);

#endif /* TLSREADY_ATTEMPT_H */
