/*
 * mailproto.c - the plaintext stage of a fake IMAP, POP3 or SMTP server, up
 * to STARTTLS (RFC 9051/3501 + RFC 2595/8314, RFC 1939/2449/2595, RFC
 * 5321/3207). It exists so that tlsready can watch what a mail client does
 * before TLS (does it ask for STARTTLS? does it try to log in in the
 * clear?) and then capture its ClientHello. It behaves like a server that
 * requires TLS: it advertises STARTTLS, refuses every login before TLS with
 * the reply the RFCs name for that case, and never acts on bytes that were
 * pipelined after STARTTLS (the CVE-2011-0411 class of bug, see nginx
 * ngx_mail_smtp_starttls and OpenSMTPD's "Pipelining not supported").
 *
 * Every client byte is read through struct bcur; nothing here indexes wire
 * bytes or calls str*() on them. Replies are built in the caller's bbuf.
 * Facts keep verbs and a few bounded strings, never login arguments.
 */
#include "mailproto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of output one command may produce beyond the echoed IMAP tag. */
#define MP_REPLY_SLACK 2048
/* Synchronising literals we answer with "+" in one ID command. */
#define MP_ID_LITERALS_MAX ((size_t)2 * MP_ID_PAIRS_MAX)
/* Digits of an IMAP literal length: number = 1*DIGIT, a 32-bit value. */
#define MP_LITERAL_DIGITS_MAX 10

struct mailproto {
    enum mp_proto proto;
    size_t max_line;
    size_t max_commands;
    bool starttls_offered;
    char host[MP_HOSTNAME_MAX + 1];
    bool done;             /* the stage has ended */
    enum mp_action final;  /* what ended it */
    bool auth_cont;        /* after AUTH/AUTHENTICATE: SASL lines may come */
    bool secret_risk;      /* a login was attempted: hide unknown verbs */
    size_t lit_acked;      /* literals of the pending command already
                              answered with "+" (an index, counting
                              non-synchronising ones too) */
    struct bbuf id_arena;  /* unescaped IMAP ID fields and values */
    struct mp_facts facts;
};

enum frame {
    FR_LINE,
    FR_NEED_MORE,
    FR_TOO_LONG,
};

static const uint8_t empty_bytes[1] = {0};

/* ---- small cursor helpers (all reads go through bytes.c) ---- */

/* view_prefix returns the first `n` bytes of `c` (n <= bcur_left(c)). */
static struct bcur
view_prefix(const struct bcur *c, size_t n)
{
    struct bcur tmp = *c;
    struct bcur out;
    bool ok;

    memset(&out, 0, sizeof(out));
    ok = bcur_get_bytes(&tmp, &out, n);
    if (!ok) {
        memset(&out, 0, sizeof(out));
    }
    return out;
}

/* view_last reads the last byte of `c`. */
static bool
view_last(const struct bcur *c, uint8_t *b)
{
    size_t n = bcur_left(c);

    return n > 0 && bcur_byte_at(c, n - 1, b);
}

/* view_drop_last shortens `c` by its last byte when it equals `b`. */
static bool
view_drop_last(struct bcur *c, uint8_t b)
{
    uint8_t last;

    if (!view_last(c, &last) || last != b) {
        return false;
    }
    *c = view_prefix(c, bcur_left(c) - 1);
    return true;
}

/* view_trim_ws drops trailing SP/HTAB (SMTP and POP3 are lenient). */
static void
view_trim_ws(struct bcur *c)
{
    while (view_drop_last(c, ' ') || view_drop_last(c, '\t')) {
    }
}

/* view_skip_sp drops leading SP. */
static void
view_skip_sp(struct bcur *c)
{
    uint8_t b;

    while (bcur_peek_u8(c, &b) && b == ' ') {
        if (!bcur_skip(c, 1)) {
            return;
        }
    }
}

/*
 * split_word sets *word to the bytes before the first SP of `c` (or all of
 * them) and advances `c` past the word and that one SP. It returns true
 * when an SP followed the word.
 */
static bool
split_word(struct bcur *c, struct bcur *word)
{
    size_t pos;
    bool ok;

    if (bcur_find(c, ' ', &pos)) {
        ok = bcur_get_bytes(c, word, pos) && bcur_skip(c, 1);
        return ok;
    }
    ok = bcur_get_bytes(c, word, bcur_left(c));
    (void)ok; /* cannot fail: taking everything that is left */
    return false;
}

/*
 * split_command splits a POP3/SMTP command line (no CRLF) into its verb
 * and the rest, leniently: trailing SP/HTAB dropped, SPs after the verb
 * skipped. It returns true when arguments follow the verb.
 */
static bool
split_command(const struct bcur *cmd, struct bcur *verb, struct bcur *rest)
{
    bool has_args;

    *rest = *cmd;
    view_trim_ws(rest);
    has_args = split_word(rest, verb);
    view_skip_sp(rest);
    return has_args && bcur_left(rest) > 0;
}

/* eq_any is true when `v` equals one of `list` ignoring ASCII case. */
static bool
eq_any(const struct bcur *v, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (bcur_eq_icase(v, list[i])) {
            return true;
        }
    }
    return false;
}

static uint8_t
ascii_upper(uint8_t b)
{
    return (b >= 'a' && b <= 'z') ? (uint8_t)(b - 'a' + 'A') : b;
}

static bool
put_view(struct bbuf *out, const struct bcur *v)
{
    return bbuf_put(out, bcur_data(v), bcur_left(v));
}

/* ---- framing ---- */

/*
 * frame_line finds one line of at most `max` octets including its LF in
 * `in`. *line excludes the LF and one CR before it; *total counts both.
 */
static enum frame
frame_line(const struct bcur *in, size_t max, struct bcur *line,
           size_t *total)
{
    struct bcur c = *in;
    struct bcur raw;

    if (!bcur_get_until(&c, &raw, '\n', max)) {
        return bcur_left(in) >= max ? FR_TOO_LONG : FR_NEED_MORE;
    }
    *total = bcur_left(in) - bcur_left(&c);
    (void)view_drop_last(&raw, '\r');
    *line = raw;
    return FR_LINE;
}

/*
 * literal_marker recognises an IMAP literal announced at the end of a line.
 * RFC 9051 §9 (and RFC 7888 for the "+" form):
 *
 *   literal         = "{" number64 ["+"] "}" CRLF *CHAR8
 *   CHAR8           = %x01-ff      ; any OCTET except NUL, %x00
 *
 * RFC 3501 §7.5: the client waits for a "+" continuation before sending a
 * synchronising literal; the server may instead reject the command with a
 * tagged NO or BAD, and the client then does not send the data.
 */
static bool
literal_marker(const struct bcur *line, size_t *n, bool *nonsync)
{
    struct bcur c = *line;
    size_t left;
    size_t digits = 0;
    size_t pos;
    uint64_t v = 0;
    uint8_t b;

    if (!view_drop_last(&c, '}')) {
        return false;
    }
    *nonsync = view_drop_last(&c, '+');
    left = bcur_left(&c);
    while (digits < left && bcur_byte_at(&c, left - 1 - digits, &b) &&
           b >= '0' && b <= '9') {
        digits++;
    }
    if (digits == 0 || digits > MP_LITERAL_DIGITS_MAX || digits == left) {
        return false;
    }
    pos = left - 1 - digits;
    if (!bcur_byte_at(&c, pos, &b) || b != '{') {
        return false;
    }
    for (size_t i = 0; i < digits; i++) {
        if (!bcur_byte_at(&c, pos + 1 + i, &b)) {
            return false;
        }
        v = v * 10 + (uint64_t)(b - '0');
    }
    *n = v > UINT32_MAX ? SIZE_MAX : (size_t)v;
    return true;
}

/*
 * IMAP tags, RFC 9051 §9:
 *
 *   tag             = 1*<any ASTRING-CHAR except "+">
 *   ASTRING-CHAR    = ATOM-CHAR / resp-specials
 *   ATOM-CHAR       = <any CHAR except atom-specials>
 *   atom-specials   = "(" / ")" / "{" / SP / CTL / list-wildcards /
 *                     quoted-specials / resp-specials
 *   list-wildcards  = "%" / "*"
 *   quoted-specials = DQUOTE / "\"
 *   resp-specials   = "]"
 *
 * So a tag is 0x21-0x7e minus ( ) { % * " \ +; "]" is allowed. A valid tag
 * can be echoed back: it holds no CR, LF or other control byte.
 */
static bool
imap_tag_char(uint8_t b)
{
    if (b < 0x21 || b > 0x7e) {
        return false;
    }
    return b != '(' && b != ')' && b != '{' && b != '%' && b != '*' &&
           b != '"' && b != '\\' && b != '+';
}

static bool
imap_tag_valid(const struct bcur *tag)
{
    struct bcur c = *tag;
    uint8_t b;

    if (bcur_left(&c) == 0) {
        return false;
    }
    while (bcur_get_u8(&c, &b)) {
        if (!imap_tag_char(b)) {
            return false;
        }
    }
    return true;
}

/*
 * imap_frame finds one whole IMAP command: a line, or a line ending in a
 * literal marker followed by the literal's octets and more of the command.
 * The limit `max_line` covers the whole command. A synchronising literal is
 * answered with "+" only inside an ID command (the one command we parse
 * that may carry strings) and only if it fits; otherwise the command ends
 * there (*refused) and is answered with a tagged NO/BAD, so a conforming
 * client never sends the literal. LOGIN literals are never invited.
 * Non-synchronising literals (RFC 7888, not advertised) are skipped as
 * opaque data so that they are never parsed as commands.
 */
static enum frame
imap_frame(struct mailproto *m, struct bbuf *out, const struct bcur *in,
           struct bcur *cmd, size_t *total, bool *refused)
{
    struct bcur c = *in;
    size_t used = 0;
    size_t lit_index = 0;
    bool first = true;
    bool id_cmd = false;

    *refused = false;
    for (;;) {
        struct bcur raw, line, tag, verb;
        size_t room = m->max_line - used;
        size_t n = 0;
        bool nonsync = false;

        if (room == 0 || !bcur_get_until(&c, &raw, '\n', room)) {
            return bcur_left(&c) >= room ? FR_TOO_LONG : FR_NEED_MORE;
        }
        used = bcur_left(in) - bcur_left(&c);
        line = raw;
        (void)view_drop_last(&line, '\r');
        if (first) {
            struct bcur words = line;
            first = false;
            if (split_word(&words, &tag) && imap_tag_valid(&tag)) {
                (void)split_word(&words, &verb);
                id_cmd = bcur_eq_icase(&verb, "ID");
            }
        }
        if (!literal_marker(&line, &n, &nonsync)) {
            break;
        }
        if (!nonsync && lit_index >= m->lit_acked) {
            if (!id_cmd || n > MP_ID_VALUE_MAX ||
                n >= m->max_line - used ||
                lit_index >= MP_ID_LITERALS_MAX) {
                *refused = true;
                break;
            }
            bbuf_put_str(out, "+ Ready for literal data\r\n");
            m->lit_acked = lit_index + 1;
        }
        if (n >= m->max_line - used) {
            return FR_TOO_LONG;
        }
        if (bcur_left(&c) < n) {
            return FR_NEED_MORE;
        }
        if (!bcur_skip(&c, n)) {
            return FR_NEED_MORE;
        }
        used += n;
        lit_index++;
    }
    *total = used;
    *cmd = view_prefix(in, used);
    (void)view_drop_last(cmd, '\n');
    (void)view_drop_last(cmd, '\r');
    return FR_LINE;
}

/* ---- facts ---- */

/*
 * record_verb appends a verb to facts.verbs: uppercased, bytes outside
 * 0x21-0x7e replaced by '?', cut at MP_VERB_MAX. After a login attempt an
 * unrecognised verb is kept as "?" only: a client that ignored our refusal
 * may be sending its password as a line of its own.
 */
static void
record_verb(struct mailproto *m, const struct bcur *verb, bool known)
{
    struct mp_facts *f = &m->facts;
    struct bcur c = *verb;
    char *dst;
    size_t n = 0;
    uint8_t b;

    if (f->num_verbs >= MP_VERBS_MAX) {
        f->verbs_truncated = true;
        return;
    }
    dst = f->verbs[f->num_verbs++];
    if (!known && m->secret_risk) {
        dst[0] = '?';
        dst[1] = '\0';
        return;
    }
    while (n < MP_VERB_MAX && bcur_get_u8(&c, &b)) {
        b = ascii_upper(b);
        dst[n++] = (b >= 0x21 && b <= 0x7e) ? (char)b : '?';
    }
    dst[n] = '\0';
}

/*
 * SASL mechanism names from the IANA "SASL Mechanisms" registry (RFC 4422
 * §3.1: sasl-mech = 1*20mech-char) plus the common unregistered XOAUTH2.
 * Only these are written to the facts; anything else is "OTHER", because a
 * confused client's "mechanism" could be a secret.
 */
static const char *const sasl_mechs[] = {
    "PLAIN",          "LOGIN",          "CRAM-MD5",
    "DIGEST-MD5",     "NTLM",           "GSSAPI",
    "GSS-SPNEGO",     "EXTERNAL",       "ANONYMOUS",
    "OAUTHBEARER",    "XOAUTH2",        "XOAUTH",
    "SCRAM-SHA-1",    "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256",
    "SCRAM-SHA-256-PLUS", "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS",
    "OTP",            "SKEY",           "SRP",
    "KERBEROS_V4",    "KERBEROS_V5",    "GS2-KRB5",
    "GS2-KRB5-PLUS",  "SECURID",        "SAML20",
    "OPENID20",       "EAP-AES128",     "EAP-AES128-PLUS",
};

static void
login_text(char *dst, const char *verb, const struct bcur *mech)
{
    const char *name = "OTHER";

    if (mech == NULL) {
        snprintf(dst, MP_LOGIN_CMD_MAX + 1, "%s", verb);
        return;
    }
    for (size_t i = 0; i < ARRAY_LEN(sasl_mechs); i++) {
        if (bcur_eq_icase(mech, sasl_mechs[i])) {
            name = sasl_mechs[i];
            break;
        }
    }
    snprintf(dst, MP_LOGIN_CMD_MAX + 1, "%s %s", verb, name);
}

/* record_login notes a login command (never its arguments). */
static void
record_login(struct mailproto *m, const char *verb, const struct bcur *mech)
{
    struct mp_facts *f = &m->facts;

    f->plaintext_login_attempted = true;
    f->num_login_attempts++;
    m->secret_risk = true;
    if (f->login_command[0] == '\0' ||
        strcmp(f->login_command, "mail_before_tls") == 0) {
        login_text(f->login_command, verb, mech);
    }
}

/* record_mail notes SMTP mail commands sent before TLS. */
static void
record_mail(struct mailproto *m)
{
    struct mp_facts *f = &m->facts;

    f->mail_before_tls = true;
    if (f->login_command[0] == '\0') {
        f->plaintext_login_attempted = true;
        login_text(f->login_command, "mail_before_tls", NULL);
    }
}

/* ---- SASL continuation lines ---- */

/*
 * sasl_line is true for a line that can only be SASL data: base64 (RFC
 * 4648 alphabet), the cancel line "*", or empty. RFC 4954 §4 (SMTP), RFC
 * 5034 §4 (POP3) and RFC 9051 §6.2.2 (IMAP) let a client answer a server
 * challenge with such a line. We refuse AUTH at once, so a well-behaved
 * client sends none, but one that pipelines its answers does: those lines
 * are dropped unseen. A line equal to a command verb is still a command.
 */
static bool
sasl_line(const struct mailproto *m, const struct bcur *line)
{
    static const char *const smtp_bare[] = {"QUIT", "NOOP", "RSET", "DATA",
                                            "STARTTLS", "HELP", "EHLO",
                                            "HELO", "AUTH"};
    static const char *const pop3_bare[] = {"QUIT", "NOOP", "CAPA", "STLS",
                                            "STAT", "LIST", "RSET", "UIDL",
                                            "LAST", "AUTH"};
    struct bcur c = *line;
    uint8_t b;

    if (bcur_eq(line, "*")) {
        return true;
    }
    while (bcur_get_u8(&c, &b)) {
        bool b64 = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
                   (b >= '0' && b <= '9') || b == '+' || b == '/' ||
                   b == '=';
        if (!b64) {
            return false;
        }
    }
    if (m->proto == MP_SMTP) {
        return !eq_any(line, smtp_bare, ARRAY_LEN(smtp_bare));
    }
    if (m->proto == MP_POP3) {
        return !eq_any(line, pop3_bare, ARRAY_LEN(pop3_bare));
    }
    return true; /* IMAP: a command has a tag, a SP and a verb */
}

static void
reply_sasl_dropped(const struct mailproto *m, struct bbuf *out)
{
    switch (m->proto) {
    case MP_IMAP:
        bbuf_put_str(out, "* BAD Unexpected authentication data ignored\r\n");
        break;
    case MP_POP3:
        bbuf_put_str(out, "-ERR Unexpected authentication data ignored\r\n");
        break;
    case MP_SMTP:
        /* RFC 4954 §4: a cancelled exchange gets 501. */
        bbuf_put_str(out,
                     "501 5.5.2 Unexpected authentication data ignored\r\n");
        break;
    }
}

/* ---- IMAP ---- */

static void
imap_tagged(struct bbuf *out, const struct bcur *tag, const char *text)
{
    put_view(out, tag);
    bbuf_put_u8(out, ' ');
    bbuf_put_str(out, text);
    bbuf_put_str(out, "\r\n");
}

static const char *
imap_caps(const struct mailproto *m)
{
    /*
     * RFC 9051 §6.2.1/§7.2.2 and RFC 3501 §6.2.1: LOGINDISABLED tells the
     * client that LOGIN is refused until TLS; no AUTH= mechanism is offered
     * before TLS, as a server that requires TLS does. ID: RFC 2971.
     */
    return m->starttls_offered ? "IMAP4rev1 STARTTLS LOGINDISABLED ID"
                               : "IMAP4rev1 LOGINDISABLED ID";
}

/* id_put appends one byte of a field/value, up to `cap` stored bytes. */
static void
id_put(struct bbuf *arena, uint8_t b, size_t *len, size_t cap, bool *trunc)
{
    if (*len >= cap) {
        *trunc = true;
        return;
    }
    if (!bbuf_put_u8(arena, b)) {
        *trunc = true;
        return;
    }
    (*len)++;
}

/*
 * imap_string parses one string (RFC 9051 §9) and stores up to `cap`
 * unescaped bytes in the ID arena:
 *
 *   string          = quoted / literal
 *   quoted          = DQUOTE *QUOTED-CHAR DQUOTE
 *   QUOTED-CHAR     = <any TEXT-CHAR except quoted-specials> /
 *                     "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
 *   TEXT-CHAR       = <any CHAR except CR and LF>
 *   literal         = "{" number64 ["+"] "}" CRLF *CHAR8
 *
 * 8-bit bytes are accepted as they are (the JSON writer replaces invalid
 * UTF-8); NUL, CR and LF inside a quoted string, and NUL in a literal, are
 * syntax errors.
 */
static bool
imap_string(struct bbuf *arena, struct bcur *c, size_t cap, size_t *len,
            bool *trunc)
{
    uint8_t b;
    size_t n = 0;
    size_t digits = 0;

    *len = 0;
    if (!bcur_get_u8(c, &b)) {
        return false;
    }
    if (b == '"') {
        for (;;) {
            if (!bcur_get_u8(c, &b)) {
                return false;
            }
            if (b == '"') {
                return true;
            }
            if (b == '\\') {
                if (!bcur_get_u8(c, &b) || (b != '"' && b != '\\')) {
                    return false;
                }
            } else if (b == 0 || b == '\r' || b == '\n') {
                return false;
            }
            id_put(arena, b, len, cap, trunc);
        }
    }
    if (b != '{') {
        return false;
    }
    while (bcur_peek_u8(c, &b) && b >= '0' && b <= '9') {
        if (++digits > MP_LITERAL_DIGITS_MAX || !bcur_skip(c, 1)) {
            return false;
        }
        n = n * 10 + (size_t)(b - '0');
    }
    if (digits == 0) {
        return false;
    }
    if (bcur_peek_u8(c, &b) && b == '+' && !bcur_skip(c, 1)) {
        return false;
    }
    if (!bcur_get_u8(c, &b) || b != '}' || !bcur_get_u8(c, &b)) {
        return false;
    }
    if (b == '\r' && (!bcur_get_u8(c, &b))) {
        return false;
    }
    if (b != '\n' || bcur_left(c) < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!bcur_get_u8(c, &b) || b == 0) {
            return false;
        }
        id_put(arena, b, len, cap, trunc);
    }
    return true;
}

/* imap_nil consumes "NIL" (any case) when it is the next atom. */
static bool
imap_nil(struct bcur *c)
{
    struct bcur three;
    uint8_t after;

    if (bcur_left(c) < 3) {
        return false;
    }
    three = view_prefix(c, 3);
    if (!bcur_eq_icase(&three, "NIL")) {
        return false;
    }
    if (bcur_byte_at(c, 3, &after) && after != ' ' && after != ')') {
        return false;
    }
    return bcur_skip(c, 3);
}

/*
 * imap_parse_id reads the arguments of ID, RFC 2971 §4 (the "#" list is
 * space-separated in practice and in the RFC's own examples):
 *
 *   id ::= "ID" SPACE id_params_list
 *   id_params_list ::= "(" #(string SPACE nstring) ")" / nil
 *
 * and §3.3: "Field strings MUST NOT be longer than 30 octets. Value
 * strings MUST NOT be longer than 1024 octets. Implementations MUST NOT
 * send more than 30 field-value pairs." Longer input is kept cut short and
 * flagged. Pairs read before a syntax error are kept.
 */
static bool
imap_parse_id(struct bbuf *arena, struct mp_facts *f, struct bcur *args)
{
    size_t key_off[MP_ID_PAIRS_MAX] = {0};
    size_t val_off[MP_ID_PAIRS_MAX] = {0};
    struct bcur c = *args;
    bool ok = false;
    uint8_t b;

    f->imap_id_sent = true;
    f->imap_id_nil = false;
    f->imap_id_malformed = false;
    f->imap_id_truncated = false;
    f->num_imap_id = 0;
    memset(f->imap_id, 0, sizeof(f->imap_id));
    bbuf_reset(arena);

    if (imap_nil(&c)) {
        f->imap_id_nil = true;
        ok = bcur_left(&c) == 0;
        goto out;
    }
    if (!bcur_get_u8(&c, &b) || b != '(') {
        goto out;
    }
    if (bcur_peek_u8(&c, &b) && b == ')') {
        ok = bcur_skip(&c, 1) && bcur_left(&c) == 0;
        goto out;
    }
    for (;;) {
        struct mp_id_pair tmp;
        size_t koff = arena->len;
        size_t voff;
        bool store = f->num_imap_id < MP_ID_PAIRS_MAX;
        bool kt = false, vt = false;

        memset(&tmp, 0, sizeof(tmp));
        if (!imap_string(arena, &c, store ? MP_ID_KEY_MAX : 0, &tmp.key_len,
                         store ? &kt : &f->imap_id_truncated) ||
            !bcur_get_u8(&c, &b) || b != ' ') {
            goto out;
        }
        voff = arena->len;
        if (imap_nil(&c)) {
            tmp.value_nil = true;
        } else if (!imap_string(arena, &c, store ? MP_ID_VALUE_MAX : 0,
                                &tmp.value_len,
                                store ? &vt : &f->imap_id_truncated)) {
            goto out;
        }
        if (store) {
            tmp.key_truncated = kt;
            tmp.value_truncated = vt;
            f->imap_id_truncated |= kt || vt;
            key_off[f->num_imap_id] = koff;
            val_off[f->num_imap_id] = voff;
            f->imap_id[f->num_imap_id++] = tmp;
        } else {
            f->imap_id_truncated = true;
        }
        if (!bcur_get_u8(&c, &b)) {
            goto out;
        }
        if (b == ')') {
            ok = bcur_left(&c) == 0;
            goto out;
        }
        if (b != ' ') {
            goto out;
        }
    }
out:
    for (size_t i = 0; i < f->num_imap_id; i++) {
        struct mp_id_pair *p = &f->imap_id[i];
        const uint8_t *base =
            arena->data != NULL ? arena->data : empty_bytes;
        p->key = p->key_len > 0 ? base + key_off[i] : empty_bytes;
        if (p->value_nil) {
            p->value = NULL;
        } else {
            p->value = p->value_len > 0 ? base + val_off[i] : empty_bytes;
        }
    }
    f->imap_id_malformed = !ok;
    return ok;
}

/*
 * imap_command handles one command (RFC 9051 §9):
 *
 *   command         = tag SP (command-any / command-auth /
 *                     command-nonauth / command-select) CRLF
 *   command-any     = "CAPABILITY" / "LOGOUT" / "NOOP" / x-command
 *                     (+ "ID" from RFC 2971)
 *   command-nonauth = login / authenticate / "STARTTLS"
 *   login           = "LOGIN" SP userid SP password
 *   authenticate    = "AUTHENTICATE" SP auth-type [SP initial-resp]
 *                     *(CRLF base64)
 *
 * The arguments of LOGIN and AUTHENTICATE are never looked at.
 */
static enum mp_action
imap_command(struct mailproto *m, struct bbuf *out, const struct bcur *cmd,
             bool refused)
{
    static const char *const known[] = {"CAPABILITY", "NOOP", "LOGOUT",
                                        "STARTTLS", "LOGIN",
                                        "AUTHENTICATE", "ID"};
    struct mp_facts *f = &m->facts;
    struct bcur c = *cmd;
    struct bcur tag, verb, mech;
    bool has_args;

    if (!split_word(&c, &tag) || !imap_tag_valid(&tag)) {
        /* No usable tag: the reply is untagged (RFC 9051 §7.1.3). */
        if (imap_tag_valid(&tag)) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, "BAD Missing command");
            return MP_CONTINUE;
        }
        f->num_bad_syntax++;
        bbuf_put_str(out, "* BAD Missing or invalid tag\r\n");
        return MP_CONTINUE;
    }
    has_args = split_word(&c, &verb);
    if (bcur_left(&verb) == 0) {
        f->num_bad_syntax++;
        imap_tagged(out, &tag, "BAD Missing command");
        return MP_CONTINUE;
    }
    record_verb(m, &verb, eq_any(&verb, known, ARRAY_LEN(known)));

    if (bcur_eq_icase(&verb, "LOGIN")) {
        if (!has_args) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, "BAD Missing arguments");
            return MP_CONTINUE;
        }
        /*
         * RFC 9051 §6.2.3 / RFC 3501 §6.2.3: LOGIN is refused while
         * LOGINDISABLED is advertised; the tagged NO carries the RFC 5530
         * code PRIVACYREQUIRED ("the operation is not permitted due to a
         * lack of privacy"), as Dovecot does.
         */
        record_login(m, "LOGIN", NULL);
        imap_tagged(out, &tag, m->starttls_offered
                                   ? "NO [PRIVACYREQUIRED] LOGIN is disabled"
                                     " until TLS is active, use STARTTLS"
                                   : "NO [PRIVACYREQUIRED] Plaintext login"
                                     " is disabled on this port");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "AUTHENTICATE")) {
        if (!has_args) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, "BAD Missing mechanism");
            return MP_CONTINUE;
        }
        (void)split_word(&c, &mech);
        if (bcur_left(&mech) == 0) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, "BAD Missing mechanism");
            return MP_CONTINUE;
        }
        /* RFC 9051 §6.2.2: an unsupported mechanism gets a tagged NO. */
        record_login(m, "AUTHENTICATE", &mech);
        m->auth_cont = true;
        imap_tagged(out, &tag, m->starttls_offered
                                   ? "NO [PRIVACYREQUIRED] Authentication is"
                                     " disabled until TLS is active, use"
                                     " STARTTLS"
                                   : "NO [PRIVACYREQUIRED] Plaintext"
                                     " authentication is disabled on this"
                                     " port");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "ID")) {
        if (!has_args) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, "BAD Missing ID arguments");
            return MP_CONTINUE;
        }
        /* Parse even a refused command: pairs before the literal count. */
        if (!imap_parse_id(&m->id_arena, f, &c) || refused) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, refused ? "BAD Literal not accepted"
                                           : "BAD Invalid ID arguments");
            return MP_CONTINUE;
        }
        /* RFC 2971 §3.2: the server answers with its own ID. */
        bbuf_put_str(out, "* ID (\"name\" \"tlsready\")\r\n");
        imap_tagged(out, &tag, "OK ID completed");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "CAPABILITY") || bcur_eq_icase(&verb, "NOOP") ||
        bcur_eq_icase(&verb, "LOGOUT") || bcur_eq_icase(&verb, "STARTTLS")) {
        if (bcur_eq_icase(&verb, "STARTTLS")) {
            f->starttls_requested = true;
        }
        if (has_args) {
            f->num_bad_syntax++;
            imap_tagged(out, &tag, "BAD Unexpected arguments");
            return MP_CONTINUE;
        }
    }
    if (bcur_eq_icase(&verb, "CAPABILITY")) {
        bbuf_put_str(out, "* CAPABILITY ");
        bbuf_put_str(out, imap_caps(m));
        bbuf_put_str(out, "\r\n");
        imap_tagged(out, &tag, "OK CAPABILITY completed");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "NOOP")) {
        imap_tagged(out, &tag, "OK NOOP completed");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "LOGOUT")) {
        /* RFC 9051 §6.1.3: untagged BYE, then the tagged OK. */
        bbuf_printf(out, "* BYE %s tlsready logging out\r\n", m->host);
        imap_tagged(out, &tag, "OK LOGOUT completed");
        return MP_CLOSE;
    }
    if (bcur_eq_icase(&verb, "STARTTLS")) {
        if (!m->starttls_offered) {
            imap_tagged(out, &tag, "BAD STARTTLS is not available here");
            return MP_CONTINUE;
        }
        /*
         * RFC 9051 §6.2.1: "OK Begin TLS negotiation now"; the client
         * starts the handshake right after the CRLF.
         */
        f->starttls_accepted = true;
        imap_tagged(out, &tag, "OK Begin TLS negotiation now");
        return MP_START_TLS;
    }
    f->num_unknown++;
    imap_tagged(out, &tag, "BAD Unknown command or not valid before TLS");
    return MP_CONTINUE;
}

/* ---- POP3 ---- */

/*
 * pop3_command handles one command (RFC 1939 §3, RFC 2449 §4):
 *
 *   Commands consist of a case-insensitive keyword, possibly followed by
 *   one or more arguments, separated by a single space, ending in CRLF.
 *
 * We stay in the AUTHORIZATION state: USER/PASS/APOP/AUTH are refused
 * (RFC 2595 §4: STLS is only valid in AUTHORIZATION, and a server may
 * refuse plaintext login until it), NOOP and the TRANSACTION commands get
 * -ERR because they are not valid in this state (RFC 1939 §5).
 */
static enum mp_action
pop3_command(struct mailproto *m, struct bbuf *out, const struct bcur *cmd)
{
    static const char *const known[] = {"CAPA", "STLS", "USER", "PASS",
                                        "APOP", "AUTH", "QUIT"};
    static const char *const transaction[] = {"NOOP", "STAT", "LIST",
                                              "RETR", "DELE", "RSET",
                                              "TOP",  "UIDL", "LAST"};
    struct mp_facts *f = &m->facts;
    struct bcur c;
    struct bcur verb, mech;
    bool has_args;
    bool is_transaction;

    has_args = split_command(cmd, &verb, &c);
    if (bcur_left(&verb) == 0) {
        f->num_bad_syntax++;
        bbuf_put_str(out, "-ERR Missing command\r\n");
        return MP_CONTINUE;
    }
    is_transaction = eq_any(&verb, transaction, ARRAY_LEN(transaction));
    record_verb(m, &verb,
                is_transaction || eq_any(&verb, known, ARRAY_LEN(known)));

    if (bcur_eq_icase(&verb, "USER") || bcur_eq_icase(&verb, "PASS") ||
        bcur_eq_icase(&verb, "APOP")) {
        const char *v = bcur_eq_icase(&verb, "USER")   ? "USER"
                        : bcur_eq_icase(&verb, "PASS") ? "PASS"
                                                       : "APOP";
        record_login(m, v, NULL);
        bbuf_put_str(out, m->starttls_offered
                              ? "-ERR Plaintext authentication is disabled:"
                                " TLS is required, use STLS first\r\n"
                              : "-ERR Plaintext authentication is disabled"
                                " on this port\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "AUTH")) {
        if (!has_args) {
            /* RFC 5034 §4: AUTH needs a mechanism; no list before TLS. */
            f->num_bad_syntax++;
            bbuf_put_str(out, "-ERR No authentication mechanisms are"
                              " offered before TLS\r\n");
            return MP_CONTINUE;
        }
        (void)split_word(&c, &mech);
        record_login(m, "AUTH", &mech);
        m->auth_cont = true;
        bbuf_put_str(out, m->starttls_offered
                              ? "-ERR Authentication is disabled: TLS is"
                                " required, use STLS first\r\n"
                              : "-ERR Plaintext authentication is disabled"
                                " on this port\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "STLS")) {
        f->starttls_requested = true;
    }
    if (has_args && (bcur_eq_icase(&verb, "CAPA") ||
                     bcur_eq_icase(&verb, "STLS"))) {
        f->num_bad_syntax++;
        bbuf_put_str(out, "-ERR Unexpected arguments\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "CAPA")) {
        /*
         * RFC 2449 §5: a multi-line list ended by ".". STLS: RFC 2595 §4.
         * No USER or SASL capability: there is no login before TLS.
         */
        bbuf_put_str(out, "+OK Capability list follows\r\n");
        if (m->starttls_offered) {
            bbuf_put_str(out, "STLS\r\n");
        }
        bbuf_put_str(out, "IMPLEMENTATION tlsready\r\n.\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "STLS")) {
        if (!m->starttls_offered) {
            bbuf_put_str(out, "-ERR STLS is not available here\r\n");
            return MP_CONTINUE;
        }
        f->starttls_accepted = true;
        bbuf_put_str(out, "+OK Begin TLS negotiation\r\n");
        return MP_START_TLS;
    }
    if (bcur_eq_icase(&verb, "QUIT")) {
        /* RFC 1939 §4: QUIT in AUTHORIZATION just closes. */
        bbuf_printf(out, "+OK %s tlsready signing off\r\n", m->host);
        return MP_CLOSE;
    }
    if (is_transaction) {
        bbuf_put_str(out, "-ERR Not valid in the AUTHORIZATION state\r\n");
        return MP_CONTINUE;
    }
    f->num_unknown++;
    bbuf_put_str(out, "-ERR Unknown command\r\n");
    return MP_CONTINUE;
}

/* ---- SMTP ---- */

/*
 * smtp_ehlo answers EHLO (RFC 5321 §4.1.1.1):
 *
 *   ehlo           = "EHLO" SP ( Domain / address-literal ) CRLF
 *   ehlo-ok-rsp    = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
 *                  / ( "250-" Domain [ SP ehlo-greet ] CRLF
 *                      *( "250-" ehlo-line CRLF )
 *                      "250" SP ehlo-line CRLF )
 *
 * STARTTLS per RFC 3207 §2; 8BITMIME (RFC 6152) and ENHANCEDSTATUSCODES
 * (RFC 2034, since our replies carry them). Not PIPELINING: commands after
 * STARTTLS must not be in flight. Not AUTH: no login before TLS.
 */
static void
smtp_ehlo(const struct mailproto *m, struct bbuf *out)
{
    bbuf_printf(out, "250-%s\r\n", m->host);
    if (m->starttls_offered) {
        bbuf_put_str(out, "250-STARTTLS\r\n");
    }
    bbuf_put_str(out, "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
}

static void
smtp_hello_name(struct mailproto *m, const struct bcur *name,
                enum mp_hello kind)
{
    struct mp_facts *f = &m->facts;
    struct bcur c = *name;
    uint8_t b;

    f->hello = kind;
    f->hello_name_len = 0;
    f->hello_name_truncated = bcur_left(&c) > MP_HELLO_NAME_MAX;
    while (f->hello_name_len < MP_HELLO_NAME_MAX && bcur_get_u8(&c, &b)) {
        f->hello_name[f->hello_name_len++] = b;
    }
}

/*
 * smtp_command handles one command (RFC 5321 §4.1.1; verbs are
 * case-insensitive). RFC 3207 §4: a server that requires TLS "SHOULD
 * reply to every command other than NOOP, EHLO, STARTTLS, or QUIT with
 * the reply code 530 ... Must issue a STARTTLS command first". HELO and
 * RSET are harmless and answered too.
 */
static enum mp_action
smtp_command(struct mailproto *m, struct bbuf *out, const struct bcur *cmd)
{
    static const char *const known[] = {"EHLO", "HELO", "STARTTLS", "RSET",
                                        "NOOP", "QUIT", "AUTH"};
    static const char *const mail[] = {"MAIL", "RCPT", "DATA", "BDAT"};
    static const char *const refused[] = {"VRFY", "EXPN", "HELP", "ETRN",
                                          "TURN", "BURL"};
    struct mp_facts *f = &m->facts;
    struct bcur c;
    struct bcur verb, mech;
    bool has_args, is_mail, is_refused;

    has_args = split_command(cmd, &verb, &c);
    if (bcur_left(&verb) == 0) {
        f->num_bad_syntax++;
        bbuf_put_str(out, "500 5.5.2 Syntax error, command missing\r\n");
        return MP_CONTINUE;
    }
    is_mail = eq_any(&verb, mail, ARRAY_LEN(mail));
    is_refused = eq_any(&verb, refused, ARRAY_LEN(refused));
    record_verb(m, &verb, is_mail || is_refused ||
                              eq_any(&verb, known, ARRAY_LEN(known)));

    if (bcur_eq_icase(&verb, "EHLO") || bcur_eq_icase(&verb, "HELO")) {
        bool ehlo = bcur_eq_icase(&verb, "EHLO");
        if (!has_args) {
            f->num_bad_syntax++;
            bbuf_put_str(out, ehlo ? "501 5.5.4 Syntax: EHLO hostname\r\n"
                                   : "501 5.5.4 Syntax: HELO hostname\r\n");
            return MP_CONTINUE;
        }
        smtp_hello_name(m, &c, ehlo ? MP_HELLO_EHLO : MP_HELLO_HELO);
        if (ehlo) {
            smtp_ehlo(m, out);
        } else {
            bbuf_printf(out, "250 %s\r\n", m->host);
        }
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "AUTH")) {
        if (!has_args) {
            f->num_bad_syntax++;
            bbuf_put_str(out, "501 5.5.4 Syntax: AUTH mechanism\r\n");
            return MP_CONTINUE;
        }
        (void)split_word(&c, &mech);
        record_login(m, "AUTH", &mech);
        m->auth_cont = true;
        /*
         * RFC 3207 §4 (530 before STARTTLS); without STARTTLS on offer,
         * RFC 4954 §6: "538 5.7.11 Encryption required for requested
         * authentication mechanism".
         */
        bbuf_put_str(out, m->starttls_offered
                              ? "530 5.7.0 Must issue a STARTTLS command"
                                " first\r\n"
                              : "538 5.7.11 Encryption required for"
                                " requested authentication mechanism\r\n");
        return MP_CONTINUE;
    }
    if (is_mail) {
        record_mail(m);
        bbuf_put_str(out, m->starttls_offered
                              ? "530 5.7.0 Must issue a STARTTLS command"
                                " first\r\n"
                              : "530 5.7.0 Authentication required\r\n");
        return MP_CONTINUE;
    }
    if (is_refused) {
        bbuf_put_str(out, m->starttls_offered
                              ? "530 5.7.0 Must issue a STARTTLS command"
                                " first\r\n"
                              : "502 5.5.1 Command not implemented\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "STARTTLS")) {
        f->starttls_requested = true;
        if (has_args) {
            /* RFC 3207 §4: "501 Syntax error (no parameters allowed)". */
            f->num_bad_syntax++;
            bbuf_put_str(out, "501 5.5.4 Syntax error (no parameters"
                              " allowed)\r\n");
            return MP_CONTINUE;
        }
        if (!m->starttls_offered) {
            bbuf_put_str(out, "502 5.5.1 STARTTLS is not available here\r\n");
            return MP_CONTINUE;
        }
        /* RFC 3207 §4 does not require EHLO first; we note it. */
        f->starttls_before_ehlo = f->hello != MP_HELLO_EHLO;
        f->starttls_accepted = true;
        bbuf_put_str(out, "220 2.0.0 Ready to start TLS\r\n");
        return MP_START_TLS;
    }
    if (bcur_eq_icase(&verb, "RSET")) {
        if (has_args) {
            f->num_bad_syntax++;
            bbuf_put_str(out, "501 5.5.4 Syntax: RSET\r\n");
            return MP_CONTINUE;
        }
        bbuf_put_str(out, "250 2.0.0 OK\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "NOOP")) {
        /* RFC 5321 §4.1.1.9: "NOOP" [ SP String ] CRLF. */
        bbuf_put_str(out, "250 2.0.0 OK\r\n");
        return MP_CONTINUE;
    }
    if (bcur_eq_icase(&verb, "QUIT")) {
        bbuf_printf(out, "221 2.0.0 %s closing connection\r\n", m->host);
        return MP_CLOSE;
    }
    f->num_unknown++;
    bbuf_put_str(out, "500 5.5.1 Command unrecognized\r\n");
    return MP_CONTINUE;
}

/* ---- limits ---- */

static void
reply_limit(struct mailproto *m, struct bbuf *out, enum mp_limit what)
{
    bool line = what == MP_LIMIT_LINE_TOO_LONG;

    m->facts.limit = what;
    switch (m->proto) {
    case MP_IMAP:
        /* RFC 5530 §3: LIMIT, "some limit was reached". */
        bbuf_put_str(out, line ? "* BYE [LIMIT] Command line too long\r\n"
                               : "* BYE [LIMIT] Too many commands before"
                                 " TLS\r\n");
        break;
    case MP_POP3:
        bbuf_put_str(out, line ? "-ERR Command line too long\r\n"
                               : "-ERR Too many commands before TLS\r\n");
        break;
    case MP_SMTP:
        /*
         * RFC 5321 §4.5.3.1.4 names "500 Line too long"; §3.8 asks for a
         * 421 before a server closes on its own.
         */
        if (line) {
            bbuf_put_str(out, "500 5.5.2 Line too long\r\n");
        }
        bbuf_printf(out, "421 4.7.0 %s %s, closing connection\r\n", m->host,
                    line ? "Line too long" : "Too many commands");
        break;
    }
}

/* ---- public API ---- */

static void
copy_hostname(char *dst, const char *src)
{
    size_t n = 0;

    if (src != NULL) {
        for (; src[n] != '\0' && n < MP_HOSTNAME_MAX; n++) {
            char ch = src[n];
            bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
                      ch == '_' || ch == ':' || ch == '[' || ch == ']';
            dst[n] = ok ? ch : '-';
        }
    }
    if (n == 0) {
        memcpy(dst, "localhost", sizeof("localhost"));
        return;
    }
    dst[n] = '\0';
}

struct mailproto *
mailproto_new(enum mp_proto proto, const struct mp_opts *opts)
{
    struct mailproto *m = calloc(1, sizeof(*m));

    if (m == NULL) {
        return NULL;
    }
    m->proto = proto;
    m->max_line = mp_line_max_default(proto);
    m->max_commands = MP_MAX_COMMANDS_DEFAULT;
    if (opts != NULL && opts->max_line > 0) {
        m->max_line = opts->max_line;
    }
    if (opts != NULL && opts->max_commands > 0) {
        m->max_commands = opts->max_commands;
    }
    m->starttls_offered = opts != NULL && opts->starttls_offered;
    copy_hostname(m->host, opts != NULL ? opts->hostname : NULL);
    bbuf_init(&m->id_arena,
              (size_t)MP_ID_PAIRS_MAX * (MP_ID_KEY_MAX + MP_ID_VALUE_MAX));
    m->facts.proto = proto;
    return m;
}

void
mailproto_free(struct mailproto *m)
{
    if (m == NULL) {
        return;
    }
    bbuf_cleanup(&m->id_arena);
    free(m);
}

void
mailproto_greeting(struct mailproto *m, struct bbuf *out)
{
    switch (m->proto) {
    case MP_IMAP:
        /* RFC 9051 §7.1.1: greeting with a CAPABILITY response code. */
        bbuf_printf(out, "* OK [CAPABILITY %s] %s tlsready ready\r\n",
                    imap_caps(m), m->host);
        break;
    case MP_POP3:
        /*
         * RFC 1939 §4. No APOP timestamp ("<...>"): it tells the client
         * APOP is not offered (RFC 1939 §7).
         */
        bbuf_printf(out, "+OK %s tlsready ready\r\n", m->host);
        break;
    case MP_SMTP:
        /* RFC 5321 §4.2: "220" SP Domain SP text; "ESMTP" invites EHLO. */
        bbuf_printf(out, "220 %s ESMTP tlsready\r\n", m->host);
        break;
    }
}

size_t
mailproto_reply_max(const struct mailproto *m)
{
    return m->max_line + MP_REPLY_SLACK;
}

enum mp_action
mailproto_feed(struct mailproto *m, struct bbuf *out, const uint8_t *in,
               size_t len, size_t *consumed)
{
    struct bcur all, c;
    enum mp_action act = MP_CONTINUE;

    *consumed = 0;
    if (m->done) {
        return m->final;
    }
    bcur_init(&all, in, len);
    c = all;
    while (bcur_left(&c) > 0) {
        struct bcur line;
        size_t total = 0;
        bool refused = false;
        enum frame fr;

        if (out->len > 0 && (out->max < out->len ||
                             out->max - out->len < mailproto_reply_max(m))) {
            break; /* let the caller write `out` first */
        }
        if (m->facts.num_commands + m->facts.num_sasl_dropped >=
            m->max_commands) {
            reply_limit(m, out, MP_LIMIT_TOO_MANY_COMMANDS);
            act = MP_LIMIT;
            break;
        }
        if (m->proto == MP_IMAP) {
            fr = imap_frame(m, out, &c, &line, &total, &refused);
        } else {
            fr = frame_line(&c, m->max_line, &line, &total);
        }
        if (fr == FR_NEED_MORE) {
            break;
        }
        if (fr == FR_TOO_LONG) {
            reply_limit(m, out, MP_LIMIT_LINE_TOO_LONG);
            act = MP_LIMIT;
            break;
        }
        if (!bcur_skip(&c, total)) {
            break; /* cannot happen: framing measured these bytes */
        }
        m->lit_acked = 0;
        if (m->auth_cont && sasl_line(m, &line)) {
            m->facts.num_sasl_dropped++;
            reply_sasl_dropped(m, out);
            continue;
        }
        m->auth_cont = false;
        m->facts.num_commands++;
        switch (m->proto) {
        case MP_IMAP:
            act = imap_command(m, out, &line, refused);
            break;
        case MP_POP3:
            act = pop3_command(m, out, &line);
            break;
        case MP_SMTP:
            act = smtp_command(m, out, &line);
            break;
        }
        if (act != MP_CONTINUE) {
            break;
        }
    }
    *consumed = bcur_offset(&c) - bcur_offset(&all);
    if (act != MP_CONTINUE) {
        m->done = true;
        m->final = act;
        if (act == MP_START_TLS) {
            m->facts.bytes_after_starttls = len - *consumed;
        }
    }
    return act;
}

const struct mp_facts *
mailproto_facts(const struct mailproto *m)
{
    return &m->facts;
}

/* bytes_eq_icase compares two stored byte strings ignoring ASCII case. */
static bool
bytes_eq_icase(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    struct bcur ca, cb;
    uint8_t x, y;

    if (an != bn) {
        return false;
    }
    bcur_init(&ca, a, an);
    bcur_init(&cb, b, bn);
    while (bcur_get_u8(&ca, &x) && bcur_get_u8(&cb, &y)) {
        if (ascii_upper(x) != ascii_upper(y)) {
            return false;
        }
    }
    return true;
}

/* id_key_seen is true when an earlier pair has the same field (any case). */
static bool
id_key_seen(const struct mp_facts *f, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (bytes_eq_icase(f->imap_id[j].key, f->imap_id[j].key_len,
                           f->imap_id[i].key, f->imap_id[i].key_len)) {
            return true;
        }
    }
    return false;
}

void
mailproto_facts_json(const struct mp_facts *f, struct jw *w)
{
    jw_key(w, "commands");
    jw_arr_begin(w);
    for (size_t i = 0; i < f->num_verbs && i < MP_VERBS_MAX; i++) {
        jw_str(w, f->verbs[i]);
    }
    jw_arr_end(w);
    jw_kv_bool(w, "commands_truncated", f->verbs_truncated);
    jw_kv_uint(w, "num_commands", f->num_commands);
    jw_kv_uint(w, "unknown_commands", f->num_unknown);
    jw_kv_uint(w, "bad_syntax", f->num_bad_syntax);
    jw_kv_uint(w, "sasl_lines_dropped", f->num_sasl_dropped);
    jw_kv_bool(w, "starttls_requested", f->starttls_requested);
    jw_kv_bool(w, "starttls_accepted", f->starttls_accepted);
    if (f->starttls_accepted) {
        jw_kv_uint(w, "bytes_after_starttls", f->bytes_after_starttls);
    }
    jw_key(w, "plaintext_login");
    jw_obj_begin(w);
    jw_kv_bool(w, "attempted", f->plaintext_login_attempted);
    if (f->plaintext_login_attempted) {
        jw_kv_str(w, "command", f->login_command);
    }
    jw_kv_uint(w, "attempts", f->num_login_attempts);
    jw_obj_end(w);
    jw_kv_str(w, "limit", mp_limit_str(f->limit));
    if (f->proto == MP_SMTP) {
        jw_kv_bool(w, "mail_before_tls", f->mail_before_tls);
        if (f->hello != MP_HELLO_NONE) {
            jw_kv_str(w, "hello", f->hello == MP_HELLO_EHLO ? "EHLO" : "HELO");
            jw_kv_strn(w, "ehlo_name", f->hello_name, f->hello_name_len);
            jw_kv_bool(w, "ehlo_name_truncated", f->hello_name_truncated);
        }
        if (f->starttls_accepted) {
            jw_kv_bool(w, "starttls_before_ehlo", f->starttls_before_ehlo);
        }
    }
    if (f->proto == MP_IMAP && f->imap_id_sent) {
        jw_key(w, "imap_id");
        if (f->imap_id_nil) {
            jw_null(w);
        } else {
            jw_obj_begin(w);
            for (size_t i = 0; i < f->num_imap_id && i < MP_ID_PAIRS_MAX;
                 i++) {
                const struct mp_id_pair *p = &f->imap_id[i];
                char key[MP_ID_KEY_MAX + 1];
                struct bcur kc;
                size_t n = 0;
                uint8_t ch;

                if (id_key_seen(f, i)) {
                    continue; /* JSON keys must be unique: first wins */
                }
                bcur_init(&kc, p->key, p->key_len);
                while (n < MP_ID_KEY_MAX && bcur_get_u8(&kc, &ch)) {
                    key[n++] = ch == 0 ? '?' : (char)ch;
                }
                key[n] = '\0';
                jw_key(w, key);
                if (p->value_nil) {
                    jw_null(w);
                } else {
                    jw_strn(w, p->value, p->value_len);
                }
            }
            jw_obj_end(w);
        }
        jw_kv_bool(w, "imap_id_malformed", f->imap_id_malformed);
        jw_kv_bool(w, "imap_id_truncated", f->imap_id_truncated);
    }
}

void
mailproto_o365_reject(enum mp_proto p, struct bbuf *out, const char *imap_tag)
{
    static const char text[] =
        "TLS 1.0 and 1.1 are not supported. Please upgrade/update your "
        "client to support TLS 1.2. Visit ";
    struct bcur tag;

    switch (p) {
    case MP_SMTP:
        /* Observed (KNOWLEDGE.md §8.3, smtp.office365.com:587). */
        bbuf_printf(out, "421 4.7.66 %shttps://aka.ms/smtp_auth_tls\r\n",
                    text);
        break;
    case MP_POP3:
        /* The text is documented; "-ERR" framing is our model. */
        bbuf_printf(out, "-ERR %shttps://aka.ms/popimap_tls.\r\n", text);
        break;
    case MP_IMAP:
        /* The text is documented; "* BYE" (+ tagged NO) is our model. */
        bbuf_printf(out, "* BYE %shttps://aka.ms/popimap_tls.\r\n", text);
        if (imap_tag != NULL) {
            bcur_init(&tag, (const uint8_t *)imap_tag, strlen(imap_tag));
            if (imap_tag_valid(&tag)) {
                imap_tagged(out, &tag, "NO TLS 1.0 and 1.1 are not supported");
            }
        }
        break;
    }
}

const char *
mp_proto_str(enum mp_proto p)
{
    switch (p) {
    case MP_IMAP:
        return "imap";
    case MP_POP3:
        return "pop3";
    case MP_SMTP:
        return "smtp";
    }
    return "unknown";
}

const char *
mp_action_str(enum mp_action a)
{
    switch (a) {
    case MP_CONTINUE:
        return "continue";
    case MP_START_TLS:
        return "start_tls";
    case MP_CLOSE:
        return "close";
    case MP_LIMIT:
        return "limit";
    }
    return "unknown";
}

const char *
mp_limit_str(enum mp_limit l)
{
    switch (l) {
    case MP_LIMIT_NONE:
        return "none";
    case MP_LIMIT_LINE_TOO_LONG:
        return "line_too_long";
    case MP_LIMIT_TOO_MANY_COMMANDS:
        return "too_many_commands";
    }
    return "unknown";
}

size_t
mp_line_max_default(enum mp_proto p)
{
    switch (p) {
    case MP_IMAP:
        return MP_LINE_MAX_IMAP;
    case MP_POP3:
        return MP_LINE_MAX_POP3;
    case MP_SMTP:
        return MP_LINE_MAX_SMTP;
    }
    return MP_LINE_MAX_SMTP;
}

void
mailproto_id_to_attempt(const struct mp_facts *f, struct attempt *a)
{
    for (size_t i = 0; i < f->num_imap_id && i < MP_ID_PAIRS_MAX; i++) {
        const struct mp_id_pair *kv = &f->imap_id[i];
        struct bcur k;

        if (kv->value_nil || kv->value == NULL) {
            continue;
        }
        bcur_init(&k, kv->key, kv->key_len);
        if (bcur_eq_icase(&k, "name")) {
            attempt_set_hint(a->id_name, &a->id_name_len, kv->value,
                             kv->value_len);
        } else if (bcur_eq_icase(&k, "version")) {
            attempt_set_hint(a->id_version, &a->id_version_len, kv->value,
                             kv->value_len);
        } else if (bcur_eq_icase(&k, "os")) {
            attempt_set_hint(a->id_os, &a->id_os_len, kv->value,
                             kv->value_len);
        } else if (bcur_eq_icase(&k, "os-version")) {
            attempt_set_hint(a->id_os_version, &a->id_os_version_len,
                             kv->value, kv->value_len);
        }
    }
}

bool
mailproto_imap_id_to_attempt(const uint8_t *args, size_t n,
                             struct attempt *a)
{
    struct mp_facts *f = calloc(1, sizeof(*f));
    struct bbuf arena;
    struct bcur c;
    bool ok;

    if (f == NULL) {
        return false;
    }
    bbuf_init(&arena,
              (size_t)MP_ID_PAIRS_MAX * (MP_ID_KEY_MAX + MP_ID_VALUE_MAX));
    bcur_init(&c, args, n);
    ok = imap_parse_id(&arena, f, &c);
    mailproto_id_to_attempt(f, a);
    bbuf_cleanup(&arena);
    free(f);
    return ok;
}
