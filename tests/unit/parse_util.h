/*
 * parse_util.h - helpers shared by the wire-parser unit tests: build
 * handshake messages and records from pieces, split them into records of a
 * given size, load golden vectors, and check that views stay in bounds.
 * Header-only (static inline) so each test stays one file.
 */
#ifndef TLSREADY_PARSE_UTIL_H
#define TLSREADY_PARSE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "tl.h"

/* pu_hex appends hex text (whitespace ignored) to `b`. */
static inline void
pu_hex(struct bbuf *b, const char *hex)
{
    size_t n = 0;
    uint8_t *p = tl_unhex(hex, &n);

    if (p == NULL) {
        fprintf(stderr, "bad hex: %s\n", hex);
        abort();
    }
    bbuf_put(b, p, n);
    free(p);
}

/* pu_ext appends one extension: type, 2-byte length, body given in hex. */
static inline void
pu_ext(struct bbuf *b, uint16_t type, const char *hex)
{
    struct bbuf body;

    bbuf_init(&body, 1 << 16);
    pu_hex(&body, hex);
    bbuf_put_u16(b, type);
    bbuf_put_u16(b, (uint16_t)body.len);
    bbuf_put(b, body.data, body.len);
    bbuf_cleanup(&body);
}

/*
 * pu_hello builds a ClientHello body: legacy_version, a fixed random, an
 * empty session id, the suites (hex, without length), compression null,
 * and the extensions block `exts` (without length) unless it is NULL.
 */
static inline void
pu_hello(struct bbuf *out, uint16_t legacy, const char *suites,
         const struct bbuf *exts)
{
    struct bbuf s;

    bbuf_init(&s, 1 << 16);
    pu_hex(&s, suites);
    bbuf_put_u16(out, legacy);
    for (int i = 0; i < 32; i++) {
        bbuf_put_u8(out, (uint8_t)(0x40 + i));
    }
    bbuf_put_u8(out, 0);
    bbuf_put_u16(out, (uint16_t)s.len);
    bbuf_put(out, s.data, s.len);
    bbuf_put_u8(out, 1);
    bbuf_put_u8(out, 0);
    if (exts != NULL) {
        bbuf_put_u16(out, (uint16_t)exts->len);
        bbuf_put(out, exts->data, exts->len);
    }
    bbuf_cleanup(&s);
}

/*
 * pu_records wraps a handshake message (type + body) in handshake records
 * of at most `chunk` bytes of fragment each, record version `rv`.
 */
static inline void
pu_records(struct bbuf *out, uint8_t hs_type, const uint8_t *body,
           size_t len, size_t chunk, uint16_t rv)
{
    struct bbuf msg;
    size_t off = 0;

    bbuf_init(&msg, 1 << 24);
    bbuf_put_u8(&msg, hs_type);
    bbuf_put_u8(&msg, (uint8_t)(len >> 16));
    bbuf_put_u16(&msg, (uint16_t)len);
    bbuf_put(&msg, body, len);
    while (off < msg.len) {
        size_t n = msg.len - off < chunk ? msg.len - off : chunk;

        bbuf_put_u8(out, 22);
        bbuf_put_u16(out, rv);
        bbuf_put_u16(out, (uint16_t)n);
        bbuf_put(out, msg.data + off, n);
        off += n;
    }
    bbuf_cleanup(&msg);
}

/* pu_load reads tests/vectors/<rel> from the source tree (TLSREADY_SRC). */
static inline uint8_t *
pu_load(const char *rel, size_t *len)
{
    const char *src = getenv("TLSREADY_SRC");
    char path[4096];
    uint8_t *p;

    snprintf(path, sizeof(path), "%s/tests/vectors/%s",
             src != NULL ? src : "..", rel);
    p = tl_read_file(path, len);
    if (p == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
    }
    return p;
}

/* pu_inside is true when view `v` lies within [base, base + len). */
static inline bool
pu_inside(const struct bcur *v, const uint8_t *base, size_t len)
{
    if (v->len == 0) {
        return true;
    }
    return v->ptr >= base && v->ptr <= base + len &&
           v->len <= (size_t)(base + len - v->ptr);
}

#endif /* TLSREADY_PARSE_UTIL_H */
