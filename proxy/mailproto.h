/*
 * mailproto.h - the plaintext stage of IMAP, POP3 and SMTP that tlsready's
 * test mode plays as a fake mail server, up to STARTTLS/STLS. Pure code: no
 * I/O and no libevent. The session code writes the greeting, feeds the
 * client's bytes in, writes the reply bytes out and acts on the returned
 * action. What the client did is kept as bounded facts (verbs only, never
 * an argument of a login command) for the record.
 *
 * Feeding contract (the caller keeps the unread bytes, like an evbuffer):
 *
 *     for (;;) {
 *         act = mailproto_feed(m, &out, data, len, &used);
 *         write out; bbuf_reset(&out); drain `used` bytes;
 *         if (act != MP_CONTINUE || used == 0) break;
 *     }
 *
 * mailproto_feed consumes complete command lines only; an incomplete line
 * stays unconsumed and must be presented again, with more bytes after it,
 * on the next call. It also stops early (consumed < the complete lines
 * available) when `out` lacks room for one more reply, so call it again
 * while it makes progress, as above.
 */
#ifndef TLSREADY_MAILPROTO_H
#define TLSREADY_MAILPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attempt.h"
#include "bytes.h"
#include "json.h"

enum mp_proto {
    MP_IMAP,
    MP_POP3,
    MP_SMTP,
};

enum mp_action {
    MP_CONTINUE,  /* send `out`, keep reading */
    MP_START_TLS, /* send `out` (the positive STARTTLS/STLS reply), then TLS
                     begins; bytes after the command line (in[consumed..])
                     were pipelined and must not be acted on */
    MP_CLOSE,     /* send `out` (BYE/+OK/221) then close: LOGOUT/QUIT */
    MP_LIMIT,     /* a limit was hit; `out` holds the protocol's error
                     reply; then close. mailproto_facts()->limit says which */
};

enum mp_limit {
    MP_LIMIT_NONE,
    MP_LIMIT_LINE_TOO_LONG,
    MP_LIMIT_TOO_MANY_COMMANDS,
};

enum mp_hello {
    MP_HELLO_NONE,
    MP_HELLO_EHLO,
    MP_HELLO_HELO,
};

/*
 * Default command-line limits, in octets including the CRLF.
 * SMTP: RFC 5321 §4.5.3.1.4, "The maximum total length of a command line
 * including the command word and the <CRLF> is 512 octets."
 * POP3: RFC 2449 §4 raises RFC 1939's 47 characters to "255 octets,
 * including the terminating CRLF".
 * IMAP: RFC 7162 §4 asks clients to limit lines to 8192 octets; servers
 * should accept at least that much. For IMAP the limit covers a whole
 * command, literals included.
 */
#define MP_LINE_MAX_SMTP 512
#define MP_LINE_MAX_POP3 255
#define MP_LINE_MAX_IMAP 8192
/* Commands (and dropped SASL lines) allowed before MP_LIMIT. */
#define MP_MAX_COMMANDS_DEFAULT 64

/* Facts bounds (part of the record format, see doc/plaintext-stage.md). */
#define MP_VERBS_MAX 32       /* verbs kept in order; later ones counted */
#define MP_VERB_MAX 24        /* octets kept of one verb */
#define MP_LOGIN_CMD_MAX 40   /* "AUTHENTICATE SCRAM-SHA-256-PLUS" fits */
#define MP_HOSTNAME_MAX 253   /* RFC 1035 name in presentation form */
#define MP_HELLO_NAME_MAX 255 /* RFC 5321 §4.5.3.1.2 domain: 255 octets */
/* RFC 2971 §3.3: at most 30 pairs, fields <= 30 octets, values <= 1024. */
#define MP_ID_PAIRS_MAX 30
#define MP_ID_KEY_MAX 30
#define MP_ID_VALUE_MAX 1024

struct mp_opts {
    size_t max_line;     /* 0: the protocol default above */
    size_t max_commands; /* 0: MP_MAX_COMMANDS_DEFAULT */
    const char *hostname; /* our name in replies; NULL: "localhost" */
    bool starttls_offered; /* false = a plaintext-only listener: don't
                              advertise STARTTLS/STLS, refuse it */
};

/*
 * One IMAP ID field/value pair (RFC 2971), unescaped bytes. The pointers
 * are owned by the mailproto object and stay valid until it is freed or the
 * client sends another ID command. Fields never contain NUL.
 */
struct mp_id_pair {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value; /* NULL when value_nil */
    size_t value_len;
    bool value_nil;
    bool key_truncated;   /* longer than MP_ID_KEY_MAX (RFC violation) */
    bool value_truncated; /* longer than MP_ID_VALUE_MAX */
};

/*
 * struct mp_facts is what the plaintext stage saw. Everything is a bounded
 * copy owned by the mailproto object. Nothing here is ever derived from an
 * argument of LOGIN, AUTHENTICATE, USER, PASS, APOP or AUTH (beyond the
 * SASL mechanism name, and only when it is a registered one) nor from a SASL
 * continuation line: not the bytes, not a length, not a hash.
 */
struct mp_facts {
    enum mp_proto proto;
    size_t num_commands;   /* command lines handled (not SASL lines) */
    size_t num_verbs;      /* entries used in verbs[] */
    bool verbs_truncated;  /* more verbs came than MP_VERBS_MAX */
    /* Uppercased; bytes outside 0x21-0x7e become '?'. Unrecognised verbs
     * after a login attempt are kept as "?" (they may be a secret sent by a
     * client that ignored our refusal). */
    char verbs[MP_VERBS_MAX][MP_VERB_MAX + 1];
    size_t num_unknown;    /* unrecognised verbs */
    size_t num_bad_syntax; /* malformed lines (bad tag, missing args, ...) */
    size_t num_sasl_dropped; /* SASL lines dropped unseen after AUTH */
    bool starttls_requested;
    bool starttls_accepted;
    size_t bytes_after_starttls; /* pipelined in the same feed */
    bool plaintext_login_attempted;
    size_t num_login_attempts;
    /* First attempt: "LOGIN", "AUTHENTICATE PLAIN", "USER", "PASS",
     * "APOP", "AUTH LOGIN", or "mail_before_tls" (SMTP MAIL/RCPT/DATA/BDAT
     * before TLS, when no login command came first). A mechanism not in our
     * list of registered names is written as "OTHER". */
    char login_command[MP_LOGIN_CMD_MAX + 1];
    bool mail_before_tls; /* SMTP only */
    enum mp_limit limit;
    /* SMTP EHLO/HELO: the last one seen. */
    enum mp_hello hello;
    uint8_t hello_name[MP_HELLO_NAME_MAX];
    size_t hello_name_len;
    bool hello_name_truncated;
    bool starttls_before_ehlo; /* SMTP STARTTLS with no EHLO before it */
    /* IMAP ID (RFC 2971): the last ID command seen. */
    bool imap_id_sent;
    bool imap_id_nil;        /* "ID NIL" */
    bool imap_id_malformed;  /* syntax error: pairs before it are kept */
    bool imap_id_truncated;  /* > 30 pairs, or a field/value cut short */
    size_t num_imap_id;
    struct mp_id_pair imap_id[MP_ID_PAIRS_MAX];
};

struct mailproto; /* opaque */

/*
 * mailproto_new makes the plaintext stage for `proto` with `opts` (copied;
 * the hostname is copied and sanitised). Returns NULL on allocation
 * failure. Free with mailproto_free().
 */
struct mailproto *mailproto_new(enum mp_proto proto,
                                const struct mp_opts *opts);

/* mailproto_free releases `m`; NULL does nothing. */
void mailproto_free(struct mailproto *m);

/* mailproto_greeting appends the server greeting (one CRLF line) to `out`. */
void mailproto_greeting(struct mailproto *m, struct bbuf *out);

/*
 * mailproto_feed reads client bytes `in[0..len)`, acts on each complete
 * command line (CRLF; a bare LF is accepted) and appends every reply to
 * `out`. *consumed says how many bytes were used: complete lines only.
 * It stops right after the line that ends the stage: on MP_START_TLS and
 * MP_CLOSE, in[*consumed..len) were pipelined after the final command and
 * were not parsed. On MP_LIMIT, *consumed is the start of the line that was
 * refused. MP_CONTINUE with *consumed < len: the rest is an incomplete line
 * (keep it and feed it again with more), or `out` was nearly full (feed
 * again after writing it). Once the stage has ended, further calls return
 * the same action, consume nothing and write nothing.
 */
enum mp_action mailproto_feed(struct mailproto *m, struct bbuf *out,
                              const uint8_t *in, size_t len,
                              size_t *consumed);

/*
 * mailproto_reply_max returns the most output one command can produce
 * (max_line + 2048: an echoed IMAP tag, "+" continuations, the reply).
 * mailproto_feed stops early rather than let `out` have less free space
 * than this, unless `out` is empty; give `out` at least this much room.
 */
size_t mailproto_reply_max(const struct mailproto *m);

/* mailproto_facts returns the facts so far; valid until mailproto_free. */
const struct mp_facts *mailproto_facts(const struct mailproto *m);

/*
 * mailproto_id_to_attempt copies the IMAP ID fields tlsready keeps (name,
 * version, os, os-version; RFC 2971 §3.3, keys matched without case)
 * from `f` into the attempt's hints.
 */
void mailproto_id_to_attempt(const struct mp_facts *f, struct attempt *a);

/*
 * mailproto_imap_id_to_attempt parses `args`, the arguments of an IMAP ID
 * command as one line would carry them (quoted strings, NIL, or literals
 * given inline), with the same parser as the plaintext stage, and copies
 * the kept fields into `a` - what the relay uses, since it watches the
 * client's lines without answering them. Pairs before a syntax error are
 * kept; false when the arguments were malformed (or out of memory).
 */
bool mailproto_imap_id_to_attempt(const uint8_t *args, size_t n,
                                  struct attempt *a);

/*
 * mailproto_facts_json writes the facts as members of a JSON object the
 * caller has opened: "commands", "num_commands", "starttls_requested",
 * "plaintext_login", "limit", ... (doc/plaintext-stage.md lists them). Peer
 * bytes (ID fields, EHLO name, verbs) go through the writer's escaping.
 */
void mailproto_facts_json(const struct mp_facts *f, struct jw *w);

/*
 * mailproto_o365_reject appends what Office 365 documents for a TLS 1.0/1.1
 * client once the handshake has completed (KNOWLEDGE.md §8.3): SMTP
 * "421 4.7.66 ...", POP3 "-ERR ...", IMAP "* BYE ..." plus, when
 * `imap_tag` is a valid IMAP tag, "<tag> NO ..." for the command that is
 * pending. The SMTP text is observed; the POP3/IMAP framing is a model.
 */
void mailproto_o365_reject(enum mp_proto p, struct bbuf *out,
                           const char *imap_tag);

/* mp_proto_str returns "imap", "pop3" or "smtp" ("unknown" otherwise). */
const char *mp_proto_str(enum mp_proto p);

/* mp_action_str returns "continue", "start_tls", "close" or "limit". */
const char *mp_action_str(enum mp_action a);

/* mp_limit_str returns "none", "line_too_long" or "too_many_commands". */
const char *mp_limit_str(enum mp_limit l);

/* mp_line_max_default returns MP_LINE_MAX_<proto>. */
size_t mp_line_max_default(enum mp_proto p);

#endif /* TLSREADY_MAILPROTO_H */
