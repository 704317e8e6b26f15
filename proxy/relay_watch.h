/*
 * relay_watch.h - what the relay reads while it passes bytes through: the
 * plaintext mail dialog between a real client and a real server (STARTTLS
 * asked, STARTTLS answered, what the server advertised or refused) and the
 * TLS record stream after the hellos (alerts, ChangeCipherSpec, the first
 * encrypted record). Pure code: no I/O, no allocation; the relay feeds
 * complete lines or raw bytes and acts on the returned events. Nothing here
 * ever changes a byte: the watcher only looks.
 */
#ifndef TLSREADY_RELAY_WATCH_H
#define TLSREADY_RELAY_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "compiler.h"
#include "mailproto.h"

/* Longest IMAP tag we remember for the STARTTLS answer (RFC 3501 tag). */
#define RW_TAG_MAX 64
/* Bounded copy of the server's first refusal line (record field). */
#define RW_REJECT_MAX 256
/* Bounded copy of the SMTP EHLO/HELO argument (RFC 5321 domain). */
#define RW_EHLO_MAX 255
/* Alerts remembered per direction by the record walker. */
#define RW_MAX_ALERTS 4

enum rw_event {
    RW_NONE = 0,
    RW_CLIENT_STARTTLS,    /* this client line asked for STARTTLS/STLS */
    RW_SERVER_TLS_GO,      /* this server line accepted it: TLS follows */
    RW_SERVER_TLS_REFUSED, /* this server line refused it: still plaintext */
    RW_CLIENT_ID,          /* this client line is IMAP ID (RFC 2971): its
                              arguments are in rw_mail.id_args */
};

/* rw_event_str returns a stable token, e.g. "server_tls_go". */
const char *rw_event_str(enum rw_event e);

/*
 * struct rw_mail follows one IMAP/POP3/SMTP dialog in both directions.
 * Zero it and set `proto` (or use rw_mail_init). Facts are bounded copies;
 * login commands are known by their verb only (a static token), never by
 * an argument.
 */
struct rw_mail {
    enum mp_proto proto;
    /* Dialog state. */
    size_t client_cmds;     /* command lines (SMTP DATA content excluded) */
    bool client_in_data;    /* SMTP: between DATA and the "." line */
    bool starttls_pending;  /* asked, not answered yet */
    size_t starttls_at;     /* client_cmds when STARTTLS was sent */
    size_t server_replies;  /* final replies/status lines after greeting */
    bool greeting_seen;
    uint8_t tag[RW_TAG_MAX];/* IMAP: the STARTTLS command's tag */
    size_t tag_len;
    /* Facts for the record. */
    bool starttls_offered;   /* CAPABILITY / CAPA / EHLO listed it */
    bool starttls_requested;
    bool starttls_accepted;
    bool starttls_refused;
    const char *login_verb;  /* first plaintext login/mail verb, static */
    uint8_t ehlo[RW_EHLO_MAX];
    size_t ehlo_len;
    uint8_t reject[RW_REJECT_MAX]; /* first refusal line, as sent */
    size_t reject_len;
    /* RW_CLIENT_ID: the ID command's arguments, a view into the line just
     * given (valid until that line's buffer changes). */
    struct bcur id_args;
};

/* rw_mail_init zeroes `m` for protocol `p`. */
void rw_mail_init(struct rw_mail *m, enum mp_proto p);

/*
 * rw_mail_client_line looks at one complete client line (terminator
 * removed). RW_CLIENT_STARTTLS when it is STARTTLS (IMAP, SMTP) or STLS
 * (POP3); everything after that line is the client's TLS (or pipelined
 * bytes).
 */
enum rw_event rw_mail_client_line(struct rw_mail *m, const struct bcur *line);

/*
 * rw_mail_server_line looks at one complete server line. While STARTTLS is
 * pending it returns RW_SERVER_TLS_GO for the positive answer (IMAP tagged
 * OK with the STARTTLS tag, POP3 +OK, SMTP 220 for the STARTTLS command)
 * and RW_SERVER_TLS_REFUSED for a negative one.
 */
enum rw_event rw_mail_server_line(struct rw_mail *m, const struct bcur *line);

/*
 * struct rw_tls walks one direction's TLS records incrementally, with no
 * buffer: it keeps the 5-byte header being read and how much of the body
 * is left. Feed it every byte of the direction, in order, from a record
 * boundary on.
 */
struct rw_alert {
    uint8_t level;
    uint8_t description;
    bool encrypted;          /* after ChangeCipherSpec: content unknown */
};

struct rw_tls {
    uint8_t hdr[5];
    size_t hdr_len;
    uint8_t type;            /* current record's content type */
    size_t body_left;
    uint8_t alert[2];        /* first two body bytes of an alert record */
    size_t alert_len;
    size_t alert_body;       /* body length of the current alert record */
    size_t records;          /* whole records seen */
    bool ccs;                /* ChangeCipherSpec seen */
    bool appdata;            /* application_data seen */
    bool fatal;              /* a plaintext fatal alert seen */
    bool malformed;          /* not a record stream any more: stop */
    size_t num_alerts;       /* all alerts (may exceed the array) */
    struct rw_alert alerts[RW_MAX_ALERTS];
};

/* rw_tls_feed walks `n` more bytes; it stops at the first malformed header. */
void rw_tls_feed(struct rw_tls *w, const uint8_t *p, size_t n);

/*
 * rw_tls_done is true when this direction has nothing more to tell before
 * encryption: ChangeCipherSpec, application data, a fatal alert, or a
 * broken stream.
 */
bool rw_tls_done(const struct rw_tls *w);

#endif /* TLSREADY_RELAY_WATCH_H */
