/*
 * fuzz_mailproto.c - a whole client transcript against one protocol table.
 *
 * Input: byte 0 picks the setup (bits 0-1 protocol, bit 2 STARTTLS offered,
 * bit 3 tiny limits so they are reached, bit 4 a reply buffer that forces
 * the "out is full, feed again" path), byte 1 seeds the chunk sizes, the
 * rest is what the client sends.
 *
 * Properties, not just "no crash":
 *  - feeding the transcript whole and in random chunks gives the same
 *    final action, the same end offset, the same reply bytes and the same
 *    facts JSON (the caller-keeps-the-tail contract of mailproto.h);
 *  - replies never contain a LF without the CR before it, nor a CR without
 *    a LF after it (no reply can be split or injected by client bytes);
 *  - the stage ends only right after a LF (STARTTLS/QUIT lines), and never
 *    consumes more than it was given;
 *  - the facts JSON is valid one-line output and verbs are printable.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "mailproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
    struct bbuf out;
    struct bbuf facts;
    enum mp_action act;
    size_t end;
};

static uint32_t
next_rand(uint32_t *s)
{
    uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static void
run(uint8_t setup, const uint8_t *in, size_t len, uint32_t seed,
    struct outcome *o)
{
    static const enum mp_proto protos[] = {MP_IMAP, MP_POP3, MP_SMTP,
                                           MP_SMTP};
    struct mp_opts opts;
    struct mailproto *m;
    struct bbuf out;
    struct jw w;
    uint8_t *pending;
    size_t plen = 0;
    size_t pos = 0;

    memset(&opts, 0, sizeof(opts));
    opts.hostname = "fuzz.test";
    opts.starttls_offered = (setup & 4) != 0;
    if (setup & 8) {
        opts.max_line = 40;
        opts.max_commands = 6;
    }
    m = mailproto_new(protos[setup & 3], &opts);
    if (m == NULL) {
        abort();
    }
    bbuf_init(&o->out, 1 << 22);
    bbuf_init(&o->facts, 1 << 20);
    bbuf_init(&out, (setup & 16) ? (opts.max_line ? 40 : 8192) + 2048 + 64
                                 : 1 << 20);
    pending = malloc(len + 1);
    if (pending == NULL) {
        abort();
    }
    mailproto_greeting(m, &o->out);
    o->act = MP_CONTINUE;
    o->end = 0;
    while (o->act == MP_CONTINUE && pos < len) {
        size_t step = seed == 0 ? len : 1 + next_rand(&seed) % 97;

        if (step > len - pos) {
            step = len - pos;
        }
        memcpy(pending + plen, in + pos, step);
        plen += step;
        pos += step;
        for (;;) {
            size_t used = 0;
            /* exact-size copy so ASan sees any over-read */
            uint8_t *view = malloc(plen ? plen : 1);

            if (view == NULL) {
                abort();
            }
            memcpy(view, pending, plen);
            o->act = mailproto_feed(m, &out, view, plen, &used);
            free(view);
            if (used > plen || out.overflow) {
                abort();
            }
            bbuf_put(&o->out, out.data, out.len);
            bbuf_reset(&out);
            o->end += used;
            memmove(pending, pending + used, plen - used);
            plen -= used;
            if (o->act != MP_CONTINUE || used == 0 || plen == 0) {
                break;
            }
        }
    }
    /* bytes_after_starttls depends on how the bytes arrived: leave it out
     * of the comparison. */
    {
        struct mp_facts copy = *mailproto_facts(m);
        copy.bytes_after_starttls = 0;
        jw_init(&w, &o->facts);
        jw_obj_begin(&w);
        mailproto_facts_json(&copy, &w);
    }
    jw_obj_end(&w);
    if (!jw_ok(&w)) {
        abort();
    }
    for (size_t i = 0; i < o->facts.len; i++) {
        if (o->facts.data[i] < 0x20) {
            abort();
        }
    }
    {
        const struct mp_facts *f = mailproto_facts(m);
        for (size_t i = 0; i < f->num_verbs; i++) {
            for (const char *p = f->verbs[i]; *p != '\0'; p++) {
                if (*p < 0x21 || *p > 0x7e) {
                    abort();
                }
            }
        }
    }
    free(pending);
    bbuf_cleanup(&out);
    mailproto_free(m);
}

static void
check_crlf(const struct bbuf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\n' && (i == 0 || b->data[i - 1] != '\r')) {
            abort(); /* bare LF in a reply */
        }
        if (b->data[i] == '\r' && (i + 1 >= b->len || b->data[i + 1] != '\n')) {
            abort(); /* bare CR in a reply */
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct outcome whole, chunked;
    uint32_t seed;

    if (size < 2 || size > 65536) {
        return 0;
    }
    seed = 0x9e3779b9u ^ ((uint32_t)data[1] << 8) ^ (uint32_t)size;
    run(data[0], data + 2, size - 2, 0, &whole);
    run(data[0], data + 2, size - 2, seed, &chunked);
    if (whole.act != chunked.act || whole.end != chunked.end ||
        whole.out.len != chunked.out.len ||
        memcmp(whole.out.data, chunked.out.data, whole.out.len) != 0 ||
        whole.facts.len != chunked.facts.len ||
        memcmp(whole.facts.data, chunked.facts.data, whole.facts.len) != 0) {
        abort();
    }
    check_crlf(&whole.out);
    if (whole.end > size - 2) {
        abort();
    }
    if ((whole.act == MP_START_TLS || whole.act == MP_CLOSE) &&
        (whole.end == 0 || data[2 + whole.end - 1] != '\n')) {
        abort(); /* the stage ends right after a command line */
    }
    bbuf_cleanup(&whole.out);
    bbuf_cleanup(&whole.facts);
    bbuf_cleanup(&chunked.out);
    bbuf_cleanup(&chunked.facts);
    return 0;
}
