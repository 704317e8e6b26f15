/*
 * test_mailproto.c - the plaintext stage as a client sees it: whole
 * transcripts per protocol, pipelining around STARTTLS, limits, and the
 * rule that no credential ever reaches the facts. Every input is fed from
 * a fenced buffer, and every transcript is also fed one byte at a time and
 * must give the same replies, action and end offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "mailproto.h"
#include "tl.h"

struct run {
    struct bbuf out;    /* every reply, the greeting first */
    enum mp_action act; /* the last action returned */
    size_t end;         /* bytes consumed in total */
    size_t calls;
};

/*
 * drive plays the session code: it keeps the unconsumed bytes, appends the
 * next `chunk` bytes, and feeds (from a fenced copy) while progress is
 * made, as mailproto.h describes. `out_max` sets the reply buffer size.
 */
static void
drive(struct mailproto *m, const uint8_t *data, size_t len, size_t chunk,
      size_t out_max, struct run *r)
{
    struct bbuf pending, out;
    size_t pos = 0;

    memset(r, 0, sizeof(*r));
    bbuf_init(&r->out, 1 << 20);
    bbuf_init(&pending, 1 << 20);
    bbuf_init(&out, out_max);
    mailproto_greeting(m, &r->out);
    r->act = MP_CONTINUE;
    while (r->act == MP_CONTINUE && (pos < len || pending.len > 0)) {
        size_t step = len - pos < chunk ? len - pos : chunk;
        bool fed_new = step > 0;

        bbuf_put(&pending, data + pos, step);
        pos += step;
        for (;;) {
            size_t used = 0;
            size_t plen = pending.len;
            uint8_t *f = tl_fenced(pending.data, plen);

            r->act = mailproto_feed(m, &out, f, plen, &used);
            r->calls++;
            tl_fenced_free(f, plen);
            CHECK(used <= plen);
            bbuf_put(&r->out, out.data, out.len);
            bbuf_reset(&out);
            r->end += used;
            memmove(pending.data, pending.data + used, plen - used);
            pending.len -= used;
            if (r->act != MP_CONTINUE || used == 0 || pending.len == 0) {
                break;
            }
        }
        if (!fed_new) {
            break;
        }
    }
    bbuf_cleanup(&pending);
    bbuf_cleanup(&out);
}

static struct mailproto *
mk(enum mp_proto p, bool tls)
{
    struct mp_opts o;

    memset(&o, 0, sizeof(o));
    o.hostname = "mx.test";
    o.starttls_offered = tls;
    return mailproto_new(p, &o);
}

/* transcript runs `in` whole, then byte by byte, checks both agree and
 * returns the whole run's output (caller frees) plus action and end. */
static char *
transcript(enum mp_proto p, bool tls, const char *in, size_t len,
           enum mp_action *act, size_t *end, struct mailproto **keep)
{
    struct mailproto *a = mk(p, tls);
    struct mailproto *b = mk(p, tls);
    struct run ra, rb;
    char *text;

    CHECK(a != NULL && b != NULL);
    drive(a, (const uint8_t *)in, len, len > 0 ? len : 1, 1 << 16, &ra);
    drive(b, (const uint8_t *)in, len, 1, 1 << 16, &rb);
    CHECK(ra.act == rb.act);
    CHECK(ra.end == rb.end);
    CHECK(ra.out.len == rb.out.len &&
          memcmp(ra.out.data, rb.out.data, ra.out.len) == 0);
    if (ra.out.len != rb.out.len ||
        memcmp(ra.out.data, rb.out.data, ra.out.len) != 0) {
        fprintf(stderr, "whole:\n%s\nbytewise:\n%s\n", bbuf_cstr(&ra.out),
                bbuf_cstr(&rb.out));
    }
    *act = ra.act;
    *end = ra.end;
    text = strdup(bbuf_cstr(&ra.out));
    bbuf_cleanup(&ra.out);
    bbuf_cleanup(&rb.out);
    if (keep != NULL) {
        *keep = a;
    } else {
        mailproto_free(a);
    }
    mailproto_free(b);
    return text;
}

#define T(p, tls, s, act, end, keep)                                         \
    transcript((p), (tls), (s), sizeof(s) - 1, (act), (end), (keep))

static bool
expect(const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "--- want\n%s--- got\n%s---\n", want, got);
        return false;
    }
    return true;
}

static char *
facts_json(const struct mp_facts *f)
{
    struct bbuf b;
    struct jw w;
    char *s;

    bbuf_init(&b, 1 << 16);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    mailproto_facts_json(f, &w);
    jw_obj_end(&w);
    CHECK(jw_ok(&w));
    s = strdup(bbuf_cstr(&b));
    bbuf_cleanup(&b);
    return s;
}

static void
test_imap(void)
{
    static const char in[] =
        "a1 CAPABILITY\r\n"
        "a2 ID (\"name\" \"Thunder\\\"bird\" \"version\" NIL "
        "\"os\" \"Win\\\\dows\")\r\n"
        "a3 NOOP\r\n"
        "a4 STARTTLS\r\n";
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    const struct mp_facts *f;
    char *out = T(MP_IMAP, true, in, &act, &end, &m);
    char *js;

    CHECK(expect(out,
                 "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED ID] "
                 "mx.test tlsready ready\r\n"
                 "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED ID\r\n"
                 "a1 OK CAPABILITY completed\r\n"
                 "* ID (\"name\" \"tlsready\")\r\n"
                 "a2 OK ID completed\r\n"
                 "a3 OK NOOP completed\r\n"
                 "a4 OK Begin TLS negotiation now\r\n"));
    CHECK(act == MP_START_TLS);
    CHECK(end == sizeof(in) - 1);
    f = mailproto_facts(m);
    CHECK(f->num_commands == 4 && f->num_verbs == 4);
    CHECK(strcmp(f->verbs[0], "CAPABILITY") == 0);
    CHECK(strcmp(f->verbs[1], "ID") == 0);
    CHECK(strcmp(f->verbs[3], "STARTTLS") == 0);
    CHECK(f->starttls_requested && f->starttls_accepted);
    CHECK(!f->plaintext_login_attempted);
    CHECK(f->imap_id_sent && !f->imap_id_malformed && f->num_imap_id == 3);
    CHECK(f->imap_id[0].key_len == 4 &&
          memcmp(f->imap_id[0].key, "name", 4) == 0);
    CHECK(f->imap_id[0].value_len == 12 &&
          memcmp(f->imap_id[0].value, "Thunder\"bird", 12) == 0);
    CHECK(f->imap_id[1].value_nil && f->imap_id[1].value == NULL);
    CHECK(f->imap_id[2].value_len == 8 &&
          memcmp(f->imap_id[2].value, "Win\\dows", 8) == 0);
    js = facts_json(f);
    CHECK(strstr(js, "\"commands\":[\"CAPABILITY\",\"ID\",\"NOOP\","
                     "\"STARTTLS\"]") != NULL);
    CHECK(strstr(js, "\"imap_id\":{\"name\":\"Thunder\\\"bird\","
                     "\"version\":null,\"os\":\"Win\\\\dows\"}") != NULL);
    CHECK(strstr(js, "\"starttls_requested\":true") != NULL);
    CHECK(strstr(js, "\"plaintext_login\":{\"attempted\":false") != NULL);
    CHECK(strstr(js, "\"limit\":\"none\"") != NULL);
    free(js);
    free(out);
    mailproto_free(m);

    /* LOGOUT, garbage, unknown, case-insensitive, bare LF. */
    {
        static const char in2[] = "\r\n* CAPABILITY\r\nx1\r\nb1 capability\n"
                                  "b2 SELECT INBOX\r\nb3 NOOP extra\r\n"
                                  "b4 LoGoUt\r\nb5 NOOP\r\n";
        out = T(MP_IMAP, true, in2, &act, &end, &m);
        CHECK(expect(out,
                     "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED ID] "
                     "mx.test tlsready ready\r\n"
                     "* BAD Missing or invalid tag\r\n"
                     "* BAD Missing or invalid tag\r\n"
                     "x1 BAD Missing command\r\n"
                     "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED ID\r\n"
                     "b1 OK CAPABILITY completed\r\n"
                     "b2 BAD Unknown command or not valid before TLS\r\n"
                     "b3 BAD Unexpected arguments\r\n"
                     "* BYE mx.test tlsready logging out\r\n"
                     "b4 OK LOGOUT completed\r\n"));
        CHECK(act == MP_CLOSE);
        CHECK(end == sizeof(in2) - 1 - strlen("b5 NOOP\r\n"));
        f = mailproto_facts(m);
        CHECK(f->num_unknown == 1 && f->num_bad_syntax == 4);
        CHECK(f->num_verbs == 4 && strcmp(f->verbs[0], "CAPABILITY") == 0 &&
              strcmp(f->verbs[1], "SELECT") == 0 &&
              strcmp(f->verbs[3], "LOGOUT") == 0);
        free(out);
        mailproto_free(m);
    }
}

static void
test_imap_id_forms(void)
{
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    const struct mp_facts *f;
    char *out, *js;

    /* Literals: each synchronising literal is invited with "+". */
    {
        static const char in[] = "a ID ({4}\r\nname {3}\r\nfoo \"v\" {2+}\r\n"
                                 "ab)\r\nb NOOP\r\n";
        out = T(MP_IMAP, true, in, &act, &end, &m);
        CHECK(strstr(out, "+ Ready for literal data\r\n"
                          "+ Ready for literal data\r\n"
                          "* ID (\"name\" \"tlsready\")\r\n"
                          "a OK ID completed\r\nb OK NOOP completed\r\n") !=
              NULL);
        f = mailproto_facts(m);
        CHECK(f->num_imap_id == 2 && !f->imap_id_malformed);
        CHECK(f->imap_id[0].key_len == 4 && f->imap_id[0].value_len == 3 &&
              memcmp(f->imap_id[0].value, "foo", 3) == 0);
        CHECK(f->imap_id[1].value_len == 2 &&
              memcmp(f->imap_id[1].value, "ab", 2) == 0);
        free(out);
        mailproto_free(m);
    }
    /* A non-synchronising literal before a synchronising one: the second
     * "+" is sent once, however the bytes arrive (found by the fuzzer). */
    {
        static const char in[] = "a ID ({4}\r\nname {0+}\r\n \"os\" {2}\r\n"
                                 "ab)\r\n";
        out = T(MP_IMAP, true, in, &act, &end, &m);
        CHECK(strstr(out, "ready\r\n+ Ready for literal data\r\n"
                          "+ Ready for literal data\r\n* ID") != NULL);
        f = mailproto_facts(m);
        CHECK(f->num_imap_id == 2 && f->imap_id[0].value_len == 0 &&
              f->imap_id[1].value_len == 2 && !f->imap_id_malformed);
        free(out);
        mailproto_free(m);
    }
    /* NIL, empty list, malformed, literal too big, LOGIN literal. */
    {
        static const char in[] = "a ID NIL\r\n";
        out = T(MP_IMAP, true, in, &act, &end, &m);
        f = mailproto_facts(m);
        CHECK(f->imap_id_sent && f->imap_id_nil && f->num_imap_id == 0);
        js = facts_json(f);
        CHECK(strstr(js, "\"imap_id\":null") != NULL);
        free(js);
        free(out);
        mailproto_free(m);
    }
    {
        static const char in[] = "a ID ()\r\nb ID (\"k\" \"v\" \"bad)\r\n"
                                 "c ID (\"k\" {5000}\r\nd ID\r\n"
                                 "e ID (\"a\\q\" \"v\")\r\n"
                                 "f ID (\"x\" \"1\" \"X\" \"2\")\r\n";
        out = T(MP_IMAP, true, in, &act, &end, &m);
        CHECK(expect(out,
                     "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED ID] "
                     "mx.test tlsready ready\r\n"
                     "* ID (\"name\" \"tlsready\")\r\na OK ID completed\r\n"
                     "b BAD Invalid ID arguments\r\n"
                     "c BAD Literal not accepted\r\n"
                     "d BAD Missing ID arguments\r\n"
                     "e BAD Invalid ID arguments\r\n"
                     "* ID (\"name\" \"tlsready\")\r\nf OK ID completed\r\n"));
        f = mailproto_facts(m);
        CHECK(f->num_bad_syntax == 4);
        CHECK(f->num_imap_id == 2);
        js = facts_json(f);
        /* duplicate field names: first wins in JSON */
        CHECK(strstr(js, "\"imap_id\":{\"x\":\"1\"}") != NULL);
        free(js);
        free(out);
        mailproto_free(m);
    }
    /* More than 30 pairs and over-long fields are cut and flagged. */
    {
        struct bbuf b;
        struct mailproto *mm = mk(MP_IMAP, true);
        struct run r;

        bbuf_init(&b, 1 << 16);
        bbuf_put_str(&b, "a ID (");
        for (int i = 0; i < 35; i++) {
            bbuf_printf(&b, "%s\"k%d\" \"v\"", i ? " " : "", i);
        }
        bbuf_put_str(&b, " \"");
        for (int i = 0; i < 40; i++) {
            bbuf_put_str(&b, "K");
        }
        bbuf_put_str(&b, "\" \"v\")\r\n");
        drive(mm, b.data, b.len, b.len, 1 << 16, &r);
        f = mailproto_facts(mm);
        CHECK(f->num_imap_id == MP_ID_PAIRS_MAX && f->imap_id_truncated);
        CHECK(!f->imap_id_malformed);
        CHECK(strstr(bbuf_cstr(&r.out), "a OK ID completed") != NULL);
        bbuf_cleanup(&r.out);
        bbuf_cleanup(&b);
        mailproto_free(mm);

        mm = mk(MP_IMAP, true);
        bbuf_init(&b, 1 << 16);
        bbuf_put_str(&b, "a ID (\"");
        for (int i = 0; i < 40; i++) {
            bbuf_put_str(&b, "K");
        }
        bbuf_put_str(&b, "\" \"");
        for (int i = 0; i < 1100; i++) {
            bbuf_put_str(&b, "v");
        }
        bbuf_put_str(&b, "\")\r\n");
        drive(mm, b.data, b.len, b.len, 1 << 16, &r);
        f = mailproto_facts(mm);
        CHECK(f->num_imap_id == 1 && f->imap_id[0].key_truncated &&
              f->imap_id[0].key_len == MP_ID_KEY_MAX &&
              f->imap_id[0].value_truncated &&
              f->imap_id[0].value_len == MP_ID_VALUE_MAX);
        bbuf_cleanup(&r.out);
        bbuf_cleanup(&b);
        mailproto_free(mm);
    }
}

static void
test_pipelined_starttls(void)
{
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    const struct mp_facts *f;
    char *out;

    {
        static const char in[] = "a1 STARTTLS\r\na2 LOGIN joe hunter2\r\n";
        out = T(MP_IMAP, true, in, &act, &end, &m);
        CHECK(act == MP_START_TLS);
        CHECK(end == strlen("a1 STARTTLS\r\n"));
        CHECK(strstr(out, "a2") == NULL);
        f = mailproto_facts(m);
        CHECK(f->num_commands == 1 && !f->plaintext_login_attempted);
        CHECK(f->bytes_after_starttls == strlen("a2 LOGIN joe hunter2\r\n"));
        free(out);
        mailproto_free(m);
    }
    {
        static const char in[] = "EHLO client.example\r\nSTARTTLS\r\n"
                                 "MAIL FROM:<evil@example>\r\n";
        out = T(MP_SMTP, true, in, &act, &end, &m);
        CHECK(expect(out, "220 mx.test ESMTP tlsready\r\n"
                          "250-mx.test\r\n250-STARTTLS\r\n"
                          "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
                          "220 2.0.0 Ready to start TLS\r\n"));
        CHECK(act == MP_START_TLS);
        CHECK(end == strlen("EHLO client.example\r\nSTARTTLS\r\n"));
        f = mailproto_facts(m);
        CHECK(!f->mail_before_tls && f->hello == MP_HELLO_EHLO);
        CHECK(f->hello_name_len == 14 &&
              memcmp(f->hello_name, "client.example", 14) == 0);
        CHECK(!f->starttls_before_ehlo);
        free(out);
        mailproto_free(m);
    }
    {
        static const char in[] = "STLS\r\nUSER joe\r\n";
        out = T(MP_POP3, true, in, &act, &end, &m);
        CHECK(expect(out, "+OK mx.test tlsready ready\r\n"
                          "+OK Begin TLS negotiation\r\n"));
        CHECK(act == MP_START_TLS && end == 6);
        mailproto_free(m);
        free(out);
    }
}

static void
test_smtp(void)
{
    static const char in[] = "ehlo [192.0.2.1]  \r\nNOOP hello\r\nRSET\r\n"
                             "HELO h\r\nVRFY root\r\nXYZZY\r\n\r\nEHLO\r\n"
                             "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                             "STARTTLS now\r\nQUIT\r\nNOOP\r\n";
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    const struct mp_facts *f;
    char *out = T(MP_SMTP, true, in, &act, &end, &m);
    char *js;

    CHECK(expect(out, "220 mx.test ESMTP tlsready\r\n"
                      "250-mx.test\r\n250-STARTTLS\r\n"
                      "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
                      "250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 mx.test\r\n"
                      "530 5.7.0 Must issue a STARTTLS command first\r\n"
                      "500 5.5.1 Command unrecognized\r\n"
                      "500 5.5.2 Syntax error, command missing\r\n"
                      "501 5.5.4 Syntax: EHLO hostname\r\n"
                      "530 5.7.0 Must issue a STARTTLS command first\r\n"
                      "530 5.7.0 Must issue a STARTTLS command first\r\n"
                      "530 5.7.0 Must issue a STARTTLS command first\r\n"
                      "501 5.5.4 Syntax error (no parameters allowed)\r\n"
                      "221 2.0.0 mx.test closing connection\r\n"));
    CHECK(act == MP_CLOSE);
    CHECK(end == sizeof(in) - 1 - strlen("NOOP\r\n"));
    f = mailproto_facts(m);
    CHECK(f->mail_before_tls && f->plaintext_login_attempted);
    CHECK(strcmp(f->login_command, "mail_before_tls") == 0);
    CHECK(f->num_login_attempts == 0);
    CHECK(f->hello == MP_HELLO_HELO && f->hello_name_len == 1);
    CHECK(f->starttls_requested && !f->starttls_accepted);
    CHECK(f->num_unknown == 1 && f->num_bad_syntax == 3);
    CHECK(strcmp(f->verbs[0], "EHLO") == 0 &&
          strcmp(f->verbs[5], "XYZZY") == 0);
    js = facts_json(f);
    CHECK(strstr(js, "\"mail_before_tls\":true") != NULL);
    CHECK(strstr(js, "\"hello\":\"HELO\",\"ehlo_name\":\"h\"") != NULL);
    CHECK(strstr(js, "\"command\":\"mail_before_tls\"") != NULL);
    free(js);
    free(out);
    mailproto_free(m);

    /* STARTTLS before EHLO is accepted and noted. */
    {
        static const char in2[] = "starttls\r\n";
        out = T(MP_SMTP, true, in2, &act, &end, &m);
        CHECK(act == MP_START_TLS);
        CHECK(mailproto_facts(m)->starttls_before_ehlo);
        free(out);
        mailproto_free(m);
    }
    /* Plaintext-only listener: nothing advertised, STARTTLS refused. */
    {
        static const char in3[] = "EHLO x\r\nSTARTTLS\r\nAUTH LOGIN\r\n"
                                  "MAIL FROM:<a@b>\r\n";
        out = T(MP_SMTP, false, in3, &act, &end, &m);
        CHECK(expect(out, "220 mx.test ESMTP tlsready\r\n"
                          "250-mx.test\r\n"
                          "250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n"
                          "502 5.5.1 STARTTLS is not available here\r\n"
                          "538 5.7.11 Encryption required for requested "
                          "authentication mechanism\r\n"
                          "530 5.7.0 Authentication required\r\n"));
        CHECK(act == MP_CONTINUE);
        f = mailproto_facts(m);
        CHECK(f->starttls_requested && !f->starttls_accepted);
        CHECK(strcmp(f->login_command, "AUTH LOGIN") == 0);
        free(out);
        mailproto_free(m);
    }
}

static void
test_pop3(void)
{
    static const char in[] = "capa\r\nNOOP\r\nSTAT\r\nFOO bar\r\n\r\n"
                             "STLS x\r\nAUTH\r\nquit\r\n";
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    char *out = T(MP_POP3, true, in, &act, &end, &m);

    CHECK(expect(out, "+OK mx.test tlsready ready\r\n"
                      "+OK Capability list follows\r\nSTLS\r\n"
                      "IMPLEMENTATION tlsready\r\n.\r\n"
                      "-ERR Not valid in the AUTHORIZATION state\r\n"
                      "-ERR Not valid in the AUTHORIZATION state\r\n"
                      "-ERR Unknown command\r\n"
                      "-ERR Missing command\r\n"
                      "-ERR Unexpected arguments\r\n"
                      "-ERR No authentication mechanisms are offered before "
                      "TLS\r\n"
                      "+OK mx.test tlsready signing off\r\n"));
    CHECK(act == MP_CLOSE && end == sizeof(in) - 1);
    CHECK(mailproto_facts(m)->num_unknown == 1);
    CHECK(mailproto_facts(m)->starttls_requested);
    CHECK(!mailproto_facts(m)->plaintext_login_attempted);
    free(out);
    mailproto_free(m);

    out = T(MP_POP3, false, "CAPA\r\nSTLS\r\n", &act, &end, &m);
    CHECK(expect(out, "+OK mx.test tlsready ready\r\n"
                      "+OK Capability list follows\r\n"
                      "IMPLEMENTATION tlsready\r\n.\r\n"
                      "-ERR STLS is not available here\r\n"));
    free(out);
    mailproto_free(m);
}

/* contains_icase: memmem ignoring ASCII case, for the secret hunt. */
static bool
contains_icase(const void *hay, size_t n, const char *needle)
{
    const unsigned char *h = hay;
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k &&
               (h[i + j] | 0x20) == ((unsigned char)needle[j] | 0x20)) {
            j++;
        }
        if (j == k) {
            return true;
        }
    }
    return false;
}

static void
no_secret(struct mailproto *m, const char *what)
{
    const struct mp_facts *f = mailproto_facts(m);
    /* "hunter2", base64 of "\0joe\0hunter2" and of "hunter2" */
    static const char *const secrets[] = {"hunter2", "aHVudGVyMg",
                                          "AGpvZQBodW50ZXIy", "am9l"};
    char *js = facts_json(f);

    for (size_t s = 0; s < sizeof(secrets) / sizeof(secrets[0]); s++) {
        bool leak = contains_icase(js, strlen(js), secrets[s]) ||
                    contains_icase(f, sizeof(*f), secrets[s]);
        for (size_t i = 0; i < f->num_imap_id; i++) {
            leak = leak ||
                   contains_icase(f->imap_id[i].key, f->imap_id[i].key_len,
                                  secrets[s]);
            if (f->imap_id[i].value != NULL) {
                leak = leak || contains_icase(f->imap_id[i].value,
                                              f->imap_id[i].value_len,
                                              secrets[s]);
            }
        }
        CHECK(!leak);
        if (leak) {
            fprintf(stderr, "%s leaked %s: %s\n", what, secrets[s], js);
        }
    }
    CHECK(f->plaintext_login_attempted);
    free(js);
}

static void
test_secrets(void)
{
    static const struct {
        enum mp_proto p;
        const char *in;
        const char *cmd;
    } cases[] = {
        {MP_IMAP, "a LOGIN joe hunter2\r\n", "LOGIN"},
        {MP_IMAP, "a LOGIN \"joe\" \"hunter2\"\r\n", "LOGIN"},
        /* synchronising literal: refused, so it is never invited ... */
        {MP_IMAP, "a LOGIN {3}\r\n", "LOGIN"},
        /* ... and a client that sends it anyway leaks nothing */
        {MP_IMAP, "a LOGIN {3}\r\njoe {7}\r\nhunter2\r\nb NOOP\r\n",
         "LOGIN"},
        {MP_IMAP, "a LOGIN {3+}\r\njoe {7+}\r\nhunter2\r\nb NOOP\r\n",
         "LOGIN"},
        {MP_IMAP, "a LOGIN joe hunter2 hunter2\r\nhunter2 hunter2\r\n",
         "LOGIN"},
        {MP_IMAP, "a AUTHENTICATE PLAIN\r\nAGpvZQBodW50ZXIy\r\nb NOOP\r\n",
         "AUTHENTICATE PLAIN"},
        {MP_IMAP, "a AUTHENTICATE PLAIN AGpvZQBodW50ZXIy\r\n",
         "AUTHENTICATE PLAIN"},
        {MP_IMAP, "a authenticate hunter2\r\n", "AUTHENTICATE OTHER"},
        {MP_POP3, "USER joe\r\nPASS hunter2\r\nQUIT\r\n", "USER"},
        {MP_POP3, "APOP joe c4c9334bac560ecc979e58001b3e22fb\r\n", "APOP"},
        {MP_POP3, "AUTH PLAIN AGpvZQBodW50ZXIy\r\n", "AUTH PLAIN"},
        {MP_POP3, "AUTH LOGIN\r\nam9l\r\naHVudGVyMg==\r\nhunter2\r\nQUIT\r\n",
         "AUTH LOGIN"},
        {MP_SMTP, "EHLO x\r\nAUTH PLAIN AGpvZQBodW50ZXIy\r\n", "AUTH PLAIN"},
        {MP_SMTP, "AUTH LOGIN\r\nam9l\r\naHVudGVyMg==\r\nhunter2\r\n*\r\n",
         "AUTH LOGIN"},
        {MP_SMTP, "AUTH CRAM-MD5\r\n\r\nam9lIGh1bnRlcjI=\r\nNOOP\r\n",
         "AUTH CRAM-MD5"},
        {MP_SMTP, "AUTH LOGIN\r\nhunter2 x\r\nhunter2\r\n", "AUTH LOGIN"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum mp_action act;
        size_t end;
        struct mailproto *m;
        char *out = transcript(cases[i].p, true, cases[i].in,
                               strlen(cases[i].in), &act, &end, &m);
        const struct mp_facts *f = mailproto_facts(m);

        no_secret(m, cases[i].in);
        CHECK(strcmp(f->login_command, cases[i].cmd) == 0);
        if (strcmp(f->login_command, cases[i].cmd) != 0) {
            fprintf(stderr, "case %zu: %s\n", i, f->login_command);
        }
        free(out);
        mailproto_free(m);
    }

    /* The SASL lines are dropped, each with a reply, and not counted. */
    {
        static const char in[] = "AUTH LOGIN\r\nam9l\r\naHVudGVyMg==\r\n"
                                 "QUIT\r\n";
        enum mp_action act;
        size_t end;
        struct mailproto *m;
        char *out = T(MP_SMTP, true, in, &act, &end, &m);
        const struct mp_facts *f = mailproto_facts(m);

        CHECK(expect(out, "220 mx.test ESMTP tlsready\r\n"
                          "530 5.7.0 Must issue a STARTTLS command first\r\n"
                          "501 5.5.2 Unexpected authentication data "
                          "ignored\r\n"
                          "501 5.5.2 Unexpected authentication data "
                          "ignored\r\n"
                          "221 2.0.0 mx.test closing connection\r\n"));
        CHECK(f->num_sasl_dropped == 2 && f->num_commands == 2);
        CHECK(f->num_verbs == 2 && strcmp(f->verbs[1], "QUIT") == 0);
        free(out);
        mailproto_free(m);
    }
    /* IMAP: the NO carries PRIVACYREQUIRED. */
    {
        enum mp_action act;
        size_t end;
        struct mailproto *m;
        char *out = T(MP_IMAP, true, "t LOGIN a b\r\n", &act, &end, &m);

        CHECK(strstr(out, "t NO [PRIVACYREQUIRED] ") != NULL);
        free(out);
        mailproto_free(m);
    }
}

static void
test_limits(void)
{
    struct mp_opts o;
    struct mailproto *m;
    struct run r;
    uint8_t buf[2048];

    /* SMTP: 512 octets with CRLF is fine, 513 is not. */
    memset(buf, 'A', sizeof(buf));
    memcpy(buf, "NOOP ", 5);
    buf[510] = '\r';
    buf[511] = '\n';
    m = mk(MP_SMTP, true);
    drive(m, buf, 512, 512, 1 << 16, &r);
    CHECK(r.act == MP_CONTINUE && r.end == 512);
    bbuf_cleanup(&r.out);
    mailproto_free(m);

    buf[510] = 'A';
    buf[511] = '\r';
    buf[512] = '\n';
    m = mk(MP_SMTP, true);
    drive(m, buf, 513, 513, 1 << 16, &r);
    CHECK(r.act == MP_LIMIT && r.end == 0);
    CHECK(strstr(bbuf_cstr(&r.out), "500 5.5.2 Line too long\r\n421 4.7.0 ") !=
          NULL);
    CHECK(mailproto_facts(m)->limit == MP_LIMIT_LINE_TOO_LONG);
    bbuf_cleanup(&r.out);
    mailproto_free(m);

    /* No LF at all: the limit fires without waiting for one. */
    memset(buf, 'A', sizeof(buf));
    for (size_t chunk = 1; chunk <= 1024; chunk *= 4) {
        m = mk(MP_POP3, true);
        drive(m, buf, 300, chunk, 1 << 16, &r);
        CHECK(r.act == MP_LIMIT);
        CHECK(strstr(bbuf_cstr(&r.out), "-ERR Command line too long") !=
              NULL);
        bbuf_cleanup(&r.out);
        mailproto_free(m);
    }

    /* IMAP limit is for the whole command, literals included. */
    memset(&o, 0, sizeof(o));
    o.max_line = 64;
    o.starttls_offered = true;
    m = mailproto_new(MP_IMAP, &o);
    {
        /* 17 + 50 octets: over 64 although every line is short */
        static const char in[] = "a ID (\"k\" {50+}\r\n"
                                 "0123456789012345678901234567890123456789"
                                 "0123456789)\r\n";
        drive(m, (const uint8_t *)in, sizeof(in) - 1, 7, 1 << 16, &r);
        CHECK(r.act == MP_LIMIT);
        CHECK(strstr(bbuf_cstr(&r.out),
                     "* BYE [LIMIT] Command line too long") != NULL);
    }
    bbuf_cleanup(&r.out);
    mailproto_free(m);

    /* Too many commands. */
    memset(&o, 0, sizeof(o));
    o.max_commands = 3;
    o.hostname = "mx.test";
    o.starttls_offered = true;
    m = mailproto_new(MP_SMTP, &o);
    {
        static const char in[] = "NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n";
        drive(m, (const uint8_t *)in, sizeof(in) - 1, 1, 1 << 16, &r);
        CHECK(r.act == MP_LIMIT && r.end == 18);
        CHECK(strstr(bbuf_cstr(&r.out),
                     "250 2.0.0 OK\r\n421 4.7.0 mx.test Too many commands, "
                     "closing connection\r\n") != NULL);
        CHECK(mailproto_facts(m)->limit == MP_LIMIT_TOO_MANY_COMMANDS);
    }
    bbuf_cleanup(&r.out);
    /* The stage is over: same action, nothing consumed or written. */
    {
        struct bbuf out;
        size_t used = 99;

        bbuf_init(&out, 1024);
        CHECK(mailproto_feed(m, &out, (const uint8_t *)"NOOP\r\n", 6, &used) ==
              MP_LIMIT);
        CHECK(used == 0 && out.len == 0);
        bbuf_cleanup(&out);
    }
    mailproto_free(m);

    /* Exactly max_commands, then silence: no limit. */
    memset(&o, 0, sizeof(o));
    o.max_commands = 2;
    m = mailproto_new(MP_IMAP, &o);
    drive(m, (const uint8_t *)"a NOOP\r\nb NOOP\r\n", 16, 16, 1 << 16, &r);
    CHECK(r.act == MP_CONTINUE && r.end == 16);
    bbuf_cleanup(&r.out);
    mailproto_free(m);
}

static void
test_hostile_bytes(void)
{
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    const struct mp_facts *f;
    char *out, *js;

    {
        static const char in[] = "a1 NO\0OP\r\nEHLO a\0b\r\nb\r\x01 NOOP\r\n"
                                 "c \xff\xfe\r\nNOOP\rQUIT\r\n";
        out = T(MP_IMAP, true, in, &act, &end, &m);
        CHECK(act == MP_CONTINUE && end == sizeof(in) - 1);
        f = mailproto_facts(m);
        CHECK(strcmp(f->verbs[0], "NO?OP") == 0);
        js = facts_json(f);
        CHECK(strchr(js, '\r') == NULL && strchr(js, '\n') == NULL);
        free(js);
        free(out);
        mailproto_free(m);
    }
    {
        static const char in[] = "EHLO a\0b\r\nNOOP\rQUIT\r\n\0\0\0\r\n"
                                 "\xc3\xa9HLO x\r\n";
        out = T(MP_SMTP, true, in, &act, &end, &m);
        CHECK(act == MP_CONTINUE && end == sizeof(in) - 1);
        f = mailproto_facts(m);
        CHECK(f->hello_name_len == 3 &&
              memcmp(f->hello_name, "a\0b", 3) == 0);
        CHECK(f->num_unknown == 3);
        js = facts_json(f);
        CHECK(strstr(js, "\"ehlo_name\":\"a\\u0000b\"") != NULL);
        free(js);
        free(out);
        mailproto_free(m);
    }
    {
        static const char in[] = "\0\0\0\r\nUSER\0x\r\n\r\r\r\n";
        out = T(MP_POP3, true, in, &act, &end, &m);
        CHECK(act == MP_CONTINUE && end == sizeof(in) - 1);
        free(out);
        mailproto_free(m);
    }
}

static void
test_edges(void)
{
    enum mp_action act;
    size_t end;
    struct mailproto *m;
    const struct mp_facts *f;
    char *out;

    {
        static const char in[] = "a  NOOP\r\nb LOGIN\r\nc AUTHENTICATE\r\n"
                                 "d AUTHENTICATE \r\ne STARTTLS\r\n"
                                 "f ID (\"k\" {2}\r\nf ID (\"k\" {x}\r\n"
                                 "g ID (\"k\")\r\nh ID (\"k\" \"v\"\r\n"
                                 "i ID (\"k\" \"v\") x\r\nj ID (k v)\r\n"
                                 "k ID NIL x\r\nl ID () x\r\n";
        out = T(MP_IMAP, false, in, &act, &end, &m);
        CHECK(expect(out,
                     "* OK [CAPABILITY IMAP4rev1 LOGINDISABLED ID] mx.test "
                     "tlsready ready\r\n"
                     "a BAD Missing command\r\n"
                     "b BAD Missing arguments\r\n"
                     "c BAD Missing mechanism\r\n"
                     "d BAD Missing mechanism\r\n"
                     "e BAD STARTTLS is not available here\r\n"
                     "+ Ready for literal data\r\n"
                     "f BAD Invalid ID arguments\r\n"
                     "g BAD Invalid ID arguments\r\n"
                     "h BAD Invalid ID arguments\r\n"
                     "i BAD Invalid ID arguments\r\n"
                     "j BAD Invalid ID arguments\r\n"
                     "k BAD Invalid ID arguments\r\n"
                     "l BAD Invalid ID arguments\r\n"));
        f = mailproto_facts(m);
        CHECK(f->num_bad_syntax == 11 && !f->plaintext_login_attempted);
        CHECK(f->starttls_requested && !f->starttls_accepted);
        free(out);
        mailproto_free(m);
    }
    /* The verb list keeps 32 entries and says it was cut. */
    {
        struct mp_opts o;
        struct run r;
        struct bbuf b;
        char *js;

        memset(&o, 0, sizeof(o));
        m = mailproto_new(MP_SMTP, &o);
        bbuf_init(&b, 4096);
        for (int i = 0; i < 40; i++) {
            bbuf_put_str(&b, i == 39 ? "AUTH\r\n" : "NOOP\r\n");
        }
        drive(m, b.data, b.len, b.len, 1 << 16, &r);
        f = mailproto_facts(m);
        CHECK(f->num_commands == 40 && f->num_verbs == MP_VERBS_MAX);
        CHECK(f->verbs_truncated && f->num_bad_syntax == 1);
        js = facts_json(f);
        CHECK(strstr(js, "\"commands_truncated\":true") != NULL);
        free(js);
        bbuf_cleanup(&b);
        bbuf_cleanup(&r.out);
        mailproto_free(m);
    }
}

static void
test_small_out(void)
{
    /* A reply buffer too small for everything: the loop still finishes. */
    static const char in[] = "a CAPABILITY\r\nb CAPABILITY\r\nc CAPABILITY\r\n"
                             "d STARTTLS\r\nXX";
    struct mailproto *a = mk(MP_IMAP, true);
    struct mailproto *b = mk(MP_IMAP, true);
    struct run ra, rb;

    drive(a, (const uint8_t *)in, sizeof(in) - 1, sizeof(in) - 1,
          MP_LINE_MAX_IMAP + 2048 + 100, &ra);
    drive(b, (const uint8_t *)in, sizeof(in) - 1, sizeof(in) - 1, 1 << 16,
          &rb);
    CHECK(ra.calls > rb.calls);
    CHECK(ra.act == MP_START_TLS && rb.act == MP_START_TLS);
    CHECK(ra.end == rb.end && ra.end == sizeof(in) - 3);
    CHECK(ra.out.len == rb.out.len &&
          memcmp(ra.out.data, rb.out.data, ra.out.len) == 0);
    bbuf_cleanup(&ra.out);
    bbuf_cleanup(&rb.out);
    mailproto_free(a);
    mailproto_free(b);
}

static void
test_misc(void)
{
    struct bbuf b;
    struct mailproto *m;

    bbuf_init(&b, 4096);
    mailproto_o365_reject(MP_SMTP, &b, NULL);
    CHECK(strcmp(bbuf_cstr(&b),
                 "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please "
                 "upgrade/update your client to support TLS 1.2. Visit "
                 "https://aka.ms/smtp_auth_tls\r\n") == 0);
    bbuf_reset(&b);
    mailproto_o365_reject(MP_POP3, &b, NULL);
    CHECK(strcmp(bbuf_cstr(&b),
                 "-ERR TLS 1.0 and 1.1 are not supported. Please "
                 "upgrade/update your client to support TLS 1.2. Visit "
                 "https://aka.ms/popimap_tls.\r\n") == 0);
    bbuf_reset(&b);
    mailproto_o365_reject(MP_IMAP, &b, "a7");
    CHECK(strncmp(bbuf_cstr(&b), "* BYE TLS 1.0 and 1.1 are not supported.",
                  40) == 0);
    CHECK(strstr(bbuf_cstr(&b), "popimap_tls.\r\na7 NO ") != NULL);
    bbuf_reset(&b);
    mailproto_o365_reject(MP_IMAP, &b, "bad\r\ntag");
    CHECK(strstr(bbuf_cstr(&b), "bad") == NULL);
    bbuf_cleanup(&b);

    CHECK(strcmp(mp_proto_str(MP_POP3), "pop3") == 0);
    CHECK(strcmp(mp_proto_str(MP_IMAP), "imap") == 0);
    CHECK(strcmp(mp_proto_str(MP_SMTP), "smtp") == 0);
    CHECK(strcmp(mp_action_str(MP_START_TLS), "start_tls") == 0);
    CHECK(strcmp(mp_limit_str(MP_LIMIT_TOO_MANY_COMMANDS),
                 "too_many_commands") == 0);
    CHECK(mp_line_max_default(MP_POP3) == 255);
    mailproto_free(NULL);

    /* Hostname: NULL -> localhost; CR/LF cannot reach a reply. */
    {
        struct mp_opts o;

        memset(&o, 0, sizeof(o));
        o.hostname = "evil\r\n250 injected";
        m = mailproto_new(MP_SMTP, &o);
        bbuf_init(&b, 1024);
        mailproto_greeting(m, &b);
        CHECK(strcmp(bbuf_cstr(&b), "220 evil--250-injected ESMTP "
                                    "tlsready\r\n") == 0);
        bbuf_cleanup(&b);
        mailproto_free(m);
        m = mailproto_new(MP_POP3, NULL);
        bbuf_init(&b, 1024);
        mailproto_greeting(m, &b);
        CHECK(strcmp(bbuf_cstr(&b), "+OK localhost tlsready ready\r\n") == 0);
        bbuf_cleanup(&b);
        mailproto_free(m);
    }
}

int
main(void)
{
    test_imap();
    test_imap_id_forms();
    test_pipelined_starttls();
    test_smtp();
    test_pop3();
    test_secrets();
    test_limits();
    test_hostile_bytes();
    test_edges();
    test_small_out();
    test_misc();
    return tl_done("test_mailproto");
}
