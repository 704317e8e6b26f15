/*
 * relay_watch.c - the relay's read-only view of a mail dialog and of the
 * TLS record stream. See relay_watch.h. Every byte is read through the
 * cursor; nothing is copied except the bounded facts.
 *
 * The STARTTLS answer is matched the way each protocol defines it:
 *   IMAP  RFC 9051 §6.2.1 / RFC 3501 §6.2.1: "tag OK" to "tag STARTTLS";
 *   POP3  RFC 2595 §4: "+OK" to STLS (status lines are counted, so a
 *         pipelined CAPA's answer is not taken for it);
 *   SMTP  RFC 3207 §4: "220" to STARTTLS (final replies are counted, so
 *         pipelined EHLO/STARTTLS, RFC 2920, pair up correctly).
 */
#include "relay_watch.h"

#include <string.h>

#include "tlsrec.h"

const char *
rw_event_str(enum rw_event e)
{
    switch (e) {
    case RW_NONE:
        return "none";
    case RW_CLIENT_STARTTLS:
        return "client_starttls";
    case RW_SERVER_TLS_GO:
        return "server_tls_go";
    case RW_SERVER_TLS_REFUSED:
        return "server_tls_refused";
    case RW_CLIENT_ID:
        return "client_id";
    }
    return "unknown";
}

void
rw_mail_init(struct rw_mail *m, enum mp_proto p)
{
    memset(m, 0, sizeof(*m));
    m->proto = p;
}

/* next_token skips spaces and takes the next space-delimited word. */
static bool
next_token(struct bcur *line, struct bcur *tok)
{
    size_t pos;
    uint8_t b;

    while (bcur_peek_u8(line, &b) && (b == ' ' || b == '\t')) {
        if (!bcur_skip(line, 1)) {
            return false;
        }
    }
    if (bcur_left(line) == 0) {
        return false;
    }
    if (!bcur_find(line, ' ', &pos)) {
        pos = bcur_left(line);
    }
    return bcur_get_bytes(line, tok, pos);
}

/* strip_cr drops one trailing CR (lines end in CRLF; LF is already gone). */
static void
strip_cr(struct bcur *line)
{
    uint8_t b;

    if (bcur_left(line) > 0 && bcur_byte_at(line, bcur_left(line) - 1, &b) &&
        b == '\r') {
        line->len--;
    }
}

static void
copy_fact(uint8_t *dst, size_t *dst_len, size_t cap, const struct bcur *src)
{
    size_t n = bcur_left(src);

    if (n > cap) {
        n = cap;
    }
    if (n > 0) {
        memcpy(dst, bcur_data(src), n);
    }
    *dst_len = n;
}

static void
note_reject(struct rw_mail *m, const struct bcur *line)
{
    if (m->reject_len == 0) {
        copy_fact(m->reject, &m->reject_len, sizeof(m->reject), line);
    }
}

/* starts_icase: does `c` begin with the ASCII text `s` (any case)? */
static bool
starts_icase(const struct bcur *c, const char *s)
{
    struct bcur head = *c;
    size_t n = strlen(s);

    if (bcur_left(c) < n) {
        return false;
    }
    head.len = n;
    return bcur_eq_icase(&head, s);
}

/* A static token for a plaintext login (or mail) verb; NULL for others. */
static const char *
login_verb(enum mp_proto p, const struct bcur *verb)
{
    static const char *const imap[] = {"LOGIN", "AUTHENTICATE"};
    static const char *const pop3[] = {"USER", "PASS", "APOP", "AUTH"};
    static const char *const smtp[] = {"AUTH", "MAIL", "RCPT", "DATA",
                                       "BDAT"};
    const char *const *t = imap;
    size_t n = ARRAY_LEN(imap);

    if (p == MP_POP3) {
        t = pop3;
        n = ARRAY_LEN(pop3);
    } else if (p == MP_SMTP) {
        t = smtp;
        n = ARRAY_LEN(smtp);
    }
    for (size_t i = 0; i < n; i++) {
        if (bcur_eq_icase(verb, t[i])) {
            return t[i];
        }
    }
    return NULL;
}

static bool
verb_is(const struct bcur *verb, const char *s)
{
    return bcur_eq_icase(verb, s);
}

/* smtp_verb: the first word, or "MAIL"/"RCPT" before their colon. */
static bool
smtp_verb(const struct bcur *line, struct bcur *verb)
{
    struct bcur c = *line;
    size_t pos;

    if (!next_token(&c, verb)) {
        return false;
    }
    if (bcur_find(verb, ':', &pos)) {
        verb->len = pos;
    }
    return true;
}

enum rw_event
rw_mail_client_line(struct rw_mail *m, const struct bcur *line_in)
{
    struct bcur line = *line_in;
    struct bcur tag, verb, arg;
    const char *lv;

    strip_cr(&line);
    if (m->proto == MP_SMTP && m->client_in_data) {
        if (bcur_eq(&line, ".")) {
            m->client_in_data = false;
        }
        return RW_NONE;
    }
    if (bcur_left(&line) == 0) {
        return RW_NONE;
    }
    if (m->proto == MP_IMAP) {
        struct bcur c = line;
        uint8_t b;
        if (!next_token(&c, &tag) || !next_token(&c, &verb)) {
            return RW_NONE; /* a SASL response line or junk */
        }
        m->client_cmds++;
        if (verb_is(&verb, "ID") && !m->starttls_accepted) {
            /* RFC 2971: "ID" SP id_params_list; the parsing is the
             * plaintext stage's (mailproto_imap_id_to_attempt). */
            while (bcur_peek_u8(&c, &b) && b == ' ') {
                if (!bcur_skip(&c, 1)) {
                    break;
                }
            }
            m->id_args = c;
            return RW_CLIENT_ID;
        }
    } else if (m->proto == MP_SMTP) {
        if (!smtp_verb(&line, &verb)) {
            return RW_NONE;
        }
        m->client_cmds++;
    } else {
        struct bcur c = line;
        if (!next_token(&c, &verb)) {
            return RW_NONE;
        }
        m->client_cmds++;
    }
    lv = login_verb(m->proto, &verb);
    if (lv != NULL && m->login_verb == NULL && !m->starttls_accepted) {
        m->login_verb = lv;
    }
    if (m->proto == MP_SMTP) {
        struct bcur c = line;
        if ((verb_is(&verb, "EHLO") || verb_is(&verb, "HELO")) &&
            next_token(&c, &arg) && next_token(&c, &arg)) {
            copy_fact(m->ehlo, &m->ehlo_len, sizeof(m->ehlo), &arg);
        }
        if (verb_is(&verb, "DATA")) {
            m->client_in_data = true;
        }
    }
    if ((m->proto == MP_POP3 && verb_is(&verb, "STLS")) ||
        (m->proto != MP_POP3 && verb_is(&verb, "STARTTLS"))) {
        m->starttls_requested = true;
        m->starttls_pending = true;
        m->starttls_at = m->client_cmds;
        if (m->proto == MP_IMAP) {
            copy_fact(m->tag, &m->tag_len, sizeof(m->tag), &tag);
        }
        return RW_CLIENT_STARTTLS;
    }
    return RW_NONE;
}

/* has_word: is `word` one of the space-separated tokens of `c`? */
static bool
has_word(const struct bcur *c, const char *word)
{
    struct bcur rest = *c, tok;

    while (next_token(&rest, &tok)) {
        size_t pos;
        /* "[CAPABILITY" and "STARTTLS]" inside response codes */
        uint8_t b;
        if (bcur_peek_u8(&tok, &b) && b == '[') {
            if (!bcur_skip(&tok, 1)) {
                return false;
            }
        }
        if (bcur_find(&tok, ']', &pos)) {
            tok.len = pos;
        }
        if (bcur_eq_icase(&tok, word)) {
            return true;
        }
    }
    return false;
}

static enum rw_event
answer(struct rw_mail *m, bool ok, const struct bcur *line)
{
    m->starttls_pending = false;
    if (ok) {
        m->starttls_accepted = true;
        return RW_SERVER_TLS_GO;
    }
    m->starttls_refused = true;
    note_reject(m, line);
    return RW_SERVER_TLS_REFUSED;
}

static enum rw_event
imap_server_line(struct rw_mail *m, const struct bcur *line)
{
    struct bcur c = *line, tag, status;

    if (!next_token(&c, &tag)) {
        return RW_NONE;
    }
    if (bcur_eq(&tag, "*")) {
        struct bcur c2 = c, word;
        if (next_token(&c2, &word) && verb_is(&word, "BYE")) {
            note_reject(m, line);
        }
        if (has_word(&c, "CAPABILITY") && has_word(&c, "STARTTLS")) {
            m->starttls_offered = true;
        }
        m->greeting_seen = true;
        return RW_NONE;
    }
    if (bcur_eq(&tag, "+")) {
        return RW_NONE;
    }
    if (!next_token(&c, &status)) {
        return RW_NONE;
    }
    if (m->starttls_pending && m->tag_len == bcur_left(&tag) &&
        memcmp(m->tag, bcur_data(&tag), m->tag_len) == 0) {
        return answer(m, verb_is(&status, "OK"), line);
    }
    if (verb_is(&status, "NO") || verb_is(&status, "BAD")) {
        note_reject(m, line);
    }
    if (has_word(&c, "CAPABILITY") && has_word(&c, "STARTTLS")) {
        m->starttls_offered = true;
    }
    return RW_NONE;
}

static enum rw_event
pop3_server_line(struct rw_mail *m, const struct bcur *line)
{
    bool ok = starts_icase(line, "+OK");
    bool err = starts_icase(line, "-ERR");
    struct bcur c = *line, word;

    if (!ok && !err) {
        /* CAPA content: one capability per line (RFC 2449 §5). */
        if (next_token(&c, &word) && verb_is(&word, "STLS")) {
            m->starttls_offered = true;
        }
        return RW_NONE;
    }
    if (!m->greeting_seen) {
        m->greeting_seen = true;
        if (err) {
            note_reject(m, line);
        }
        return RW_NONE;
    }
    m->server_replies++;
    if (m->starttls_pending && m->server_replies >= m->starttls_at) {
        return answer(m, ok, line);
    }
    if (err) {
        note_reject(m, line);
    }
    return RW_NONE;
}

static enum rw_event
smtp_server_line(struct rw_mail *m, const struct bcur *line)
{
    struct bcur c = *line, code, kw;
    uint8_t d0 = 0, d1 = 0, d2 = 0, sep = ' ';
    bool final;

    if (!bcur_get_bytes(&c, &code, 3) || !bcur_byte_at(&code, 0, &d0) ||
        !bcur_byte_at(&code, 1, &d1) || !bcur_byte_at(&code, 2, &d2) ||
        d0 < '2' || d0 > '5' || d1 < '0' || d1 > '9' || d2 < '0' ||
        d2 > '9') {
        return RW_NONE;
    }
    if (bcur_left(&c) > 0 && !bcur_get_u8(&c, &sep)) {
        return RW_NONE;
    }
    final = sep != '-';
    if (next_token(&c, &kw) && verb_is(&kw, "STARTTLS") && d0 == '2') {
        m->starttls_offered = true;
    }
    if (d0 == '4' || d0 == '5') {
        note_reject(m, line);
    }
    if (!final) {
        return RW_NONE;
    }
    if (!m->greeting_seen) {
        m->greeting_seen = true;
        return RW_NONE;
    }
    m->server_replies++;
    if (m->starttls_pending && m->server_replies >= m->starttls_at) {
        return answer(m, d0 == '2' && d1 == '2' && d2 == '0', line);
    }
    return RW_NONE;
}

enum rw_event
rw_mail_server_line(struct rw_mail *m, const struct bcur *line_in)
{
    struct bcur line = *line_in;

    strip_cr(&line);
    switch (m->proto) {
    case MP_IMAP:
        return imap_server_line(m, &line);
    case MP_POP3:
        return pop3_server_line(m, &line);
    case MP_SMTP:
        return smtp_server_line(m, &line);
    }
    return RW_NONE;
}

/* ---- TLS records ---- */

static void
rw_tls_alert_done(struct rw_tls *w)
{
    if (w->num_alerts < RW_MAX_ALERTS) {
        struct rw_alert *a = &w->alerts[w->num_alerts];
        /* After CCS the record is encrypted; a plaintext alert is 2 bytes. */
        a->encrypted = w->ccs || w->alert_body != 2;
        a->level = a->encrypted ? 0 : w->alert[0];
        a->description = a->encrypted ? 0 : w->alert[1];
        if (!a->encrypted && a->level == 2) {
            w->fatal = true;
        }
    } else if (!w->ccs && w->alert_body == 2 && w->alert[0] == 2) {
        w->fatal = true;
    }
    w->num_alerts++;
}

/*
 * RFC 8446 §5.1 / RFC 5246 §6.2.1:
 *   struct { ContentType type; ProtocolVersion legacy_record_version;
 *            uint16 length; opaque fragment[length]; } TLSPlaintext;
 */
void
rw_tls_feed(struct rw_tls *w, const uint8_t *p, size_t n)
{
    struct bcur in;

    bcur_init(&in, p, n);
    while (!w->malformed && bcur_left(&in) > 0) {
        if (w->hdr_len < sizeof(w->hdr)) {
            uint8_t b;
            if (!bcur_get_u8(&in, &b)) {
                return;
            }
            w->hdr[w->hdr_len++] = b;
            if (w->hdr_len == 1 && (b < 20 || b > 24)) {
                w->malformed = true;
                return;
            }
            if (w->hdr_len == 2 && b != 3) {
                w->malformed = true;
                return;
            }
            if (w->hdr_len == sizeof(w->hdr)) {
                struct bcur h;
                uint16_t len = 0;
                bcur_init(&h, w->hdr, sizeof(w->hdr));
                if (!bcur_get_u8(&h, &w->type) || !bcur_skip(&h, 2) ||
                    !bcur_get_u16(&h, &len) ||
                    len > TLSREC_MAX_CIPHERTEXT) {
                    w->malformed = true;
                    return;
                }
                w->body_left = len;
                w->alert_len = 0;
                w->alert_body = len;
                if (w->type == 20) {
                    w->ccs = true;
                } else if (w->type == 23) {
                    w->appdata = true;
                }
            }
        } else {
            size_t take = bcur_left(&in) < w->body_left ? bcur_left(&in)
                                                         : w->body_left;
            if (w->type == 21) {
                while (w->alert_len < 2 && take > 0) {
                    uint8_t b;
                    if (!bcur_get_u8(&in, &b)) {
                        return;
                    }
                    w->alert[w->alert_len++] = b;
                    take--;
                    w->body_left--;
                }
            }
            if (!bcur_skip(&in, take)) {
                return;
            }
            w->body_left -= take;
        }
        if (w->hdr_len == sizeof(w->hdr) && w->body_left == 0) {
            if (w->type == 21) {
                rw_tls_alert_done(w);
            }
            w->records++;
            w->hdr_len = 0;
        }
    }
}

bool
rw_tls_done(const struct rw_tls *w)
{
    return w->ccs || w->appdata || w->fatal || w->malformed;
}
