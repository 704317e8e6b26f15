/*
 * json.c - the JSON writer. RFC 8259 §7 defines the string escapes; we
 * escape more than it requires (see json.h) so output is safe to embed.
 */
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void
jw_init(struct jw *w, struct bbuf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
}

bool
jw_ok(const struct jw *w)
{
    return !w->error && !w->b->overflow && w->depth == 0;
}

/* jw_sep writes the comma a value needs, unless it follows a key. */
static void
jw_sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->need_comma[w->depth]) {
        bbuf_put_u8(w->b, ',');
    }
    w->need_comma[w->depth] = true;
}

static void
jw_open(struct jw *w, uint8_t ch)
{
    jw_sep(w);
    bbuf_put_u8(w->b, ch);
    if (w->depth >= JW_MAX_DEPTH) {
        w->error = true;
        return;
    }
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void
jw_close(struct jw *w, uint8_t ch)
{
    bbuf_put_u8(w->b, ch);
    if (w->depth == 0) {
        w->error = true;
        return;
    }
    w->depth--;
}

void
jw_obj_begin(struct jw *w)
{
    jw_open(w, '{');
}

void
jw_obj_end(struct jw *w)
{
    jw_close(w, '}');
}

void
jw_arr_begin(struct jw *w)
{
    jw_open(w, '[');
}

void
jw_arr_end(struct jw *w)
{
    jw_close(w, ']');
}

/*
 * utf8_seq returns the length (1-4) of a valid UTF-8 sequence at p (RFC 3629
 * §4: no overlongs, no surrogates, nothing above U+10FFFF) or 0.
 */
static size_t
utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t b0 = p[0];
    size_t len;
    uint32_t v;

    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
        len = 2;
        v = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        len = 3;
        v = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        len = 4;
        v = b0 & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        v = v << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
        (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
        return 0;
    }
    *cp = v;
    return len;
}

bool
json_utf8_clean(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t l = utf8_seq(p + i, n - i, &cp);
        if (l == 0 || cp < 0x20 || cp == 0x7f) {
            return false;
        }
        i += l;
    }
    return true;
}

/*
 * json_plain_tab[] marks the ASCII bytes copied as they are: 0x20-0x7e
 * except " \\ < > & ' (the last four are escaped so a record pasted into
 * HTML or a shell stays inert). Everything else is escaped or, above 0x7f,
 * checked as UTF-8. Runs of plain bytes are copied with one bbuf_put,
 * which is what keeps records cheap to write; a table instead of eight
 * comparisons per byte because every record byte passes through here.
 */
static const uint8_t json_plain_tab[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x10 */
    1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1,  /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,  /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,  /* 0x70 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x80 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0x90 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xa0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xb0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xc0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xd0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xe0 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* 0xf0 */
};

static bool
json_plain(uint8_t c)
{
    return json_plain_tab[c] != 0;
}

bool
json_plain_cstr(const char *s, size_t *len)
{
    size_t n = 0;
    uint8_t all = 1;
    uint8_t c;

    while ((c = (uint8_t)s[n]) != 0) {
        all &= json_plain_tab[c];
        n++;
    }
    *len = n;
    return all != 0;
}

bool
json_put_escaped(struct bbuf *b, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    size_t i = 0;

    while (i < n) {
        size_t run = i;
        while (run < n && json_plain(p[run])) {
            run++;
        }
        if (run > i) {
            bbuf_put(b, p + i, run - i);
            i = run;
            if (i == n) {
                break;
            }
        }
        uint32_t cp;
        size_t l = utf8_seq(p + i, n - i, &cp);
        char esc[8];

        if (l == 0) {
            bbuf_put(b, "\\ufffd", 6);
            i++;
            continue;
        }
        switch (cp) {
        case '"':
            bbuf_put(b, "\\\"", 2);
            break;
        case '\\':
            bbuf_put(b, "\\\\", 2);
            break;
        case '\n':
            bbuf_put(b, "\\n", 2);
            break;
        case '\r':
            bbuf_put(b, "\\r", 2);
            break;
        case '\t':
            bbuf_put(b, "\\t", 2);
            break;
        default:
            if (cp < 0x20 || cp == 0x7f || cp == '<' || cp == '>' ||
                cp == '&' || cp == '\'' || cp == 0x2028 || cp == 0x2029) {
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = hexd[(cp >> 12) & 0xf];
                esc[3] = hexd[(cp >> 8) & 0xf];
                esc[4] = hexd[(cp >> 4) & 0xf];
                esc[5] = hexd[cp & 0xf];
                bbuf_put(b, esc, 6);
            } else {
                bbuf_put(b, p + i, l);
            }
        }
        i += l;
    }
    return !b->overflow;
}

void
jw_key(struct jw *w, const char *k)
{
    if (w->after_key) {
        w->error = true;
    }
    size_t n;
    uint8_t *o;
    /*
     * Our own keys are plain ASCII and are copied in one piece; a key
     * that is not (an IMAP ID field name is a key in the records) goes
     * through the escaper like any peer string. fuzz_mailproto found a
     * control byte in an ID key when this check was skipped.
     */
    bool plain = json_plain_cstr(k, &n);

    jw_sep(w);
    if (!plain) {
        bbuf_put_u8(w->b, '"');
        json_put_escaped(w->b, (const uint8_t *)k, n);
        bbuf_put(w->b, "\":", 2);
        w->after_key = true;
        return;
    }
    o = bbuf_grow(w->b, n + 3);
    if (o != NULL) {
        o[0] = '"';
        memcpy(o + 1, k, n);
        o[n + 1] = '"';
        o[n + 2] = ':';
    }
    w->after_key = true;
}

void
jw_strn(struct jw *w, const uint8_t *p, size_t n)
{
    jw_sep(w);
    bbuf_put_u8(w->b, '"');
    json_put_escaped(w->b, p, n);
    bbuf_put_u8(w->b, '"');
}

void
jw_str(struct jw *w, const char *s)
{
    if (s == NULL) {
        jw_null(w);
        return;
    }
    jw_strn(w, (const uint8_t *)s, strlen(s));
}

/* json_put_u64 formats without printf: records write many numbers. */
static void
json_put_u64(struct bbuf *b, bool neg, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    if (neg) {
        tmp[--i] = '-';
    }
    bbuf_put(b, tmp + i, sizeof(tmp) - i);
}

void
jw_int(struct jw *w, long long v)
{
    jw_sep(w);
    if (v < 0) {
        json_put_u64(w->b, true, 0ULL - (unsigned long long)v);
    } else {
        json_put_u64(w->b, false, (unsigned long long)v);
    }
}

void
jw_uint(struct jw *w, unsigned long long v)
{
    jw_sep(w);
    json_put_u64(w->b, false, v);
}

void
jw_double(struct jw *w, double v)
{
    jw_sep(w);
    if (!isfinite(v)) {
        bbuf_put_str(w->b, "null");
        return;
    }
    bbuf_printf(w->b, "%.6g", v);
}

void
jw_bool(struct jw *w, bool v)
{
    jw_sep(w);
    bbuf_put_str(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w)
{
    jw_sep(w);
    bbuf_put_str(w->b, "null");
}

void
jw_hex(struct jw *w, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";

    uint8_t *o;

    jw_sep(w);
    if (n > (SIZE_MAX - 2) / 2 || (o = bbuf_grow(w->b, 2 * n + 2)) == NULL) {
        return;
    }
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        *o++ = (uint8_t)hexd[p[i] >> 4];
        *o++ = (uint8_t)hexd[p[i] & 0xf];
    }
    *o = '"';
}

void
jw_hex16(struct jw *w, uint16_t v)
{
    static const char hexd[] = "0123456789abcdef";
    char q[8] = {'"', '0', 'x', hexd[v >> 12], hexd[(v >> 8) & 0xf],
                 hexd[(v >> 4) & 0xf], hexd[v & 0xf], '"'};

    jw_sep(w);
    bbuf_put(w->b, q, sizeof(q));
}

void
jw_raw(struct jw *w, const char *json, size_t n)
{
    jw_sep(w);
    bbuf_put(w->b, json, n);
}

void
jw_kv_str(struct jw *w, const char *k, const char *s)
{
    jw_key(w, k);
    jw_str(w, s);
}

void
jw_kv_strn(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    jw_key(w, k);
    jw_strn(w, p, n);
}

void
jw_kv_int(struct jw *w, const char *k, long long v)
{
    jw_key(w, k);
    jw_int(w, v);
}

void
jw_kv_uint(struct jw *w, const char *k, unsigned long long v)
{
    jw_key(w, k);
    jw_uint(w, v);
}

void
jw_kv_bool(struct jw *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_bool(w, v);
}

void
jw_kv_null(struct jw *w, const char *k)
{
    jw_key(w, k);
    jw_null(w);
}

void
jw_kv_hex16(struct jw *w, const char *k, uint16_t v)
{
    jw_key(w, k);
    jw_hex16(w, v);
}
