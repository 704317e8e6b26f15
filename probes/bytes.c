/*
 * bytes.c - the cursor and the bounded builder. This file holds the only
 * bounds check on untrusted input in the project (bcur_take); every other
 * getter is written in terms of it so that an all-or-nothing rule holds:
 * a getter either consumes exactly what it reports or nothing at all.
 */
#include "bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
bcur_init(struct bcur *c, const uint8_t *buf, size_t len)
{
    c->ptr = buf;
    c->len = buf != NULL ? len : 0;
    c->base = buf;
}

size_t
bcur_left(const struct bcur *c)
{
    return c->len;
}

size_t
bcur_offset(const struct bcur *c)
{
    if (c->base == NULL || c->ptr == NULL) {
        return 0;
    }
    return (size_t)(c->ptr - c->base);
}

const uint8_t *
bcur_data(const struct bcur *c)
{
    return c->ptr;
}

static bool
bcur_take(struct bcur *c, size_t n, const uint8_t **out)
{
    if (n > c->len) {
        return false;
    }
    *out = c->ptr;
    if (n > 0) {
        c->ptr += n;
        c->len -= n;
    }
    return true;
}

bool
bcur_skip(struct bcur *c, size_t n)
{
    const uint8_t *p;

    return bcur_take(c, n, &p);
}

static bool
bcur_get_uN(struct bcur *c, size_t n, uint32_t *out)
{
    const uint8_t *p;
    uint32_t v = 0;

    if (!bcur_take(c, n, &p)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        v = v << 8 | p[i];
    }
    *out = v;
    return true;
}

bool
bcur_get_u8(struct bcur *c, uint8_t *out)
{
    uint32_t v;

    if (!bcur_get_uN(c, 1, &v)) {
        return false;
    }
    *out = (uint8_t)v;
    return true;
}

bool
bcur_get_u16(struct bcur *c, uint16_t *out)
{
    uint32_t v;

    if (!bcur_get_uN(c, 2, &v)) {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

bool
bcur_get_u24(struct bcur *c, uint32_t *out)
{
    return bcur_get_uN(c, 3, out);
}

bool
bcur_get_u32(struct bcur *c, uint32_t *out)
{
    return bcur_get_uN(c, 4, out);
}

bool
bcur_get_bytes(struct bcur *c, struct bcur *out, size_t n)
{
    const uint8_t *p;

    if (!bcur_take(c, n, &p)) {
        return false;
    }
    out->ptr = p;
    out->len = n;
    out->base = c->base;
    return true;
}

bool
bcur_peek_u8(const struct bcur *c, uint8_t *out)
{
    struct bcur tmp = *c;

    return bcur_get_u8(&tmp, out);
}

bool
bcur_peek_u16(const struct bcur *c, uint16_t *out)
{
    struct bcur tmp = *c;

    return bcur_get_u16(&tmp, out);
}

size_t
bcur_get_u16s(struct bcur *c, uint16_t *out, size_t max)
{
    const uint8_t *p;
    size_t n = c->len / 2;

    if (n > max) {
        n = max;
    }
    if (!bcur_take(c, 2 * n, &p)) {
        return 0;               /* unreachable: 2 * n <= len */
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (uint16_t)((unsigned)p[2 * i] << 8 | p[2 * i + 1]);
    }
    return n;
}

bool
bcur_byte_at(const struct bcur *c, size_t i, uint8_t *out)
{
    struct bcur tmp = *c;

    if (!bcur_skip(&tmp, i)) {
        return false;
    }
    return bcur_get_u8(&tmp, out);
}

static bool
bcur_get_vec(struct bcur *c, struct bcur *out, size_t len_bytes)
{
    struct bcur save = *c;
    uint32_t n;

    if (!bcur_get_uN(c, len_bytes, &n)) {
        return false;
    }
    if (!bcur_get_bytes(c, out, n)) {
        *c = save; /* all-or-nothing */
        return false;
    }
    return true;
}

bool
bcur_get_vec8(struct bcur *c, struct bcur *out)
{
    return bcur_get_vec(c, out, 1);
}

bool
bcur_get_vec16(struct bcur *c, struct bcur *out)
{
    return bcur_get_vec(c, out, 2);
}

bool
bcur_get_vec24(struct bcur *c, struct bcur *out)
{
    return bcur_get_vec(c, out, 3);
}

bool
bcur_find(const struct bcur *c, uint8_t delim, size_t *pos)
{
    const uint8_t *hit;

    if (c->len == 0) {
        return false;
    }
    hit = memchr(c->ptr, delim, c->len);
    if (hit == NULL) {
        return false;
    }
    *pos = (size_t)(hit - c->ptr);
    return true;
}

bool
bcur_get_until(struct bcur *c, struct bcur *out, uint8_t delim, size_t max)
{
    struct bcur window = *c;
    struct bcur save = *c;
    size_t pos;

    if (window.len > max) {
        window.len = max;
    }
    if (!bcur_find(&window, delim, &pos)) {
        return false;
    }
    if (!bcur_get_bytes(c, out, pos) || !bcur_skip(c, 1)) {
        *c = save;
        return false;
    }
    return true;
}

static int
ascii_lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
}

bool
bcur_eq_icase(const struct bcur *c, const char *s)
{
    size_t n = strlen(s);
    struct bcur tmp = *c;

    if (tmp.len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        if (!bcur_get_u8(&tmp, &b)) {
            return false;
        }
        if (ascii_lower(b) != ascii_lower((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

bool
bcur_eq(const struct bcur *c, const char *s)
{
    size_t n = strlen(s);

    return c->len == n && (n == 0 || memcmp(c->ptr, s, n) == 0);
}

/* ---- bbuf ---- */

void
bbuf_init(struct bbuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void
bbuf_cleanup(struct bbuf *b)
{
    if (b == NULL) {
        return;
    }
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->overflow = false;
}

void
bbuf_reset(struct bbuf *b)
{
    b->len = 0;
    b->overflow = false;
}

/* bbuf_reserve makes room for `extra` bytes plus a NUL terminator. */
static bool
bbuf_reserve(struct bbuf *b, size_t extra)
{
    size_t need;
    size_t ncap;
    uint8_t *nd;

    if (extra > b->max || b->len > b->max - extra) {
        b->overflow = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap) {
        return true;
    }
    ncap = b->cap != 0 ? b->cap : 256;
    while (ncap < need) {
        ncap *= 2;
    }
    if (ncap > b->max + 1) {
        ncap = b->max + 1;
    }
    nd = realloc(b->data, ncap);
    if (nd == NULL) {
        b->overflow = true;
        return false;
    }
    b->data = nd;
    b->cap = ncap;
    return true;
}

bool
bbuf_put(struct bbuf *b, const void *p, size_t len)
{
    if (len == 0) {
        return true;
    }
    /* Fast path: room already there (cap includes the NUL's byte). */
    if (!(b->cap > b->len + len && b->len + len <= b->max) &&
        !bbuf_reserve(b, len)) {
        return false;
    }
    memcpy(b->data + b->len, p, len);
    b->len += len;
    return true;
}

bool
bbuf_put_u8(struct bbuf *b, uint8_t v)
{
    if (!(b->cap > b->len + 1 && b->len < b->max) && !bbuf_reserve(b, 1)) {
        return false;
    }
    b->data[b->len++] = v;
    return true;
}

uint8_t *
bbuf_grow(struct bbuf *b, size_t n)
{
    uint8_t *p;

    if (!bbuf_reserve(b, n)) {
        return NULL;
    }
    p = b->data + b->len;
    b->len += n;
    return p;
}

bool
bbuf_put_u16(struct bbuf *b, uint16_t v)
{
    uint8_t two[2] = {(uint8_t)(v >> 8), (uint8_t)(v & 0xff)};

    return bbuf_put(b, two, 2);
}

bool
bbuf_put_str(struct bbuf *b, const char *s)
{
    return bbuf_put(b, s, strlen(s));
}

bool
bbuf_printf(struct bbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char small[256];

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->overflow = true;
        return false;
    }
    if ((size_t)n < sizeof(small)) {
        return bbuf_put(b, small, (size_t)n);
    }
    if (!bbuf_reserve(b, (size_t)n)) {
        return false;
    }
    va_start(ap, fmt);
    (void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

const char *
bbuf_cstr(struct bbuf *b)
{
    static const char empty[1] = "";

    if (b->data == NULL) {
        if (!bbuf_reserve(b, 0)) {
            return empty;
        }
    }
    b->data[b->len] = '\0';
    return (const char *)b->data;
}
