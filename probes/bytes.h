/*
 * bytes.h - bounds-checked reading (struct bcur) and bounded building
 * (struct bbuf) of untrusted bytes. No other module indexes wire bytes:
 * every parser in probes/ and every plaintext protocol stage in proxy/ reads
 * through a cursor, and every output (JSON records, protocol replies) is
 * built in a bbuf that cannot grow past its limit.
 */
#ifndef TLSREADY_BYTES_H
#define TLSREADY_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/*
 * struct bcur is a read-only view: it never owns memory, so the bytes must
 * outlive the cursor and every child cursor taken from it. `base` remembers
 * where the whole message started, so failures can report an offset.
 * A zero-filled bcur is a valid empty view.
 */
struct bcur {
    const uint8_t *ptr;
    size_t len;
    const uint8_t *base;
};

/* bcur_init points `c` at `len` bytes at `buf`; it cannot fail. */
void bcur_init(struct bcur *c, const uint8_t *buf, size_t len);

/* bcur_left returns how many unread bytes remain in `c`. */
size_t bcur_left(const struct bcur *c);

/* bcur_offset returns how far `c` is from the start of its message. */
size_t bcur_offset(const struct bcur *c);

/* bcur_data returns the unread bytes (may be NULL when bcur_left is 0). */
const uint8_t *bcur_data(const struct bcur *c);

/*
 * The getters below return true and advance `c` on success. On failure
 * (not enough bytes) they return false and leave both `c` and `*out` alone.
 * Integers are big-endian, as in TLS.
 */
MUST_CHECK bool bcur_skip(struct bcur *c, size_t n);
MUST_CHECK bool bcur_get_u8(struct bcur *c, uint8_t *out);
MUST_CHECK bool bcur_get_u16(struct bcur *c, uint16_t *out);
MUST_CHECK bool bcur_get_u24(struct bcur *c, uint32_t *out);
MUST_CHECK bool bcur_get_u32(struct bcur *c, uint32_t *out);
MUST_CHECK bool bcur_get_bytes(struct bcur *c, struct bcur *out, size_t n);

/* bcur_peek_u8 / bcur_peek_u16 read without advancing; same failure rule. */
MUST_CHECK bool bcur_peek_u8(const struct bcur *c, uint8_t *out);
MUST_CHECK bool bcur_peek_u16(const struct bcur *c, uint16_t *out);

/*
 * bcur_get_u16s reads up to `max` big-endian 16-bit values into `out` and
 * returns how many it read (min(max, bcur_left(c) / 2)); it advances `c`
 * past them. An odd trailing byte is left unread. For scanning long lists
 * (cipher suites, groups) without one call per value.
 */
size_t bcur_get_u16s(struct bcur *c, uint16_t *out, size_t max);

/*
 * bcur_byte_at reads the byte `i` positions ahead without advancing; it fails
 * when i >= bcur_left(c).
 */
MUST_CHECK bool bcur_byte_at(const struct bcur *c, size_t i, uint8_t *out);

/* bcur_get_vecN reads an N-bit length, then that many bytes into `*out`. */
MUST_CHECK bool bcur_get_vec8(struct bcur *c, struct bcur *out);
MUST_CHECK bool bcur_get_vec16(struct bcur *c, struct bcur *out);
MUST_CHECK bool bcur_get_vec24(struct bcur *c, struct bcur *out);

/*
 * bcur_get_until reads up to (not including) the first `delim` into `*out`
 * and skips the delimiter. It fails, leaving `c` untouched, if `delim` does
 * not occur within the first `max` bytes.
 */
MUST_CHECK bool bcur_get_until(struct bcur *c, struct bcur *out,
                               uint8_t delim, size_t max);

/* bcur_find returns true and sets *pos when `delim` occurs in `c`. */
MUST_CHECK bool bcur_find(const struct bcur *c, uint8_t delim, size_t *pos);

/*
 * bcur_eq_icase is true when the view equals the NUL-terminated ASCII string
 * `s`, ignoring ASCII case (for protocol keywords). bcur_eq is exact.
 */
bool bcur_eq_icase(const struct bcur *c, const char *s);
bool bcur_eq(const struct bcur *c, const char *s);

/*
 * struct bbuf is a growable output buffer with a hard maximum. Appends that
 * would pass `max` fail, set `overflow`, and leave the contents as they
 * were, so a caller can build a whole message and check once at the end.
 * A zero-filled bbuf is valid and empty (max 0: every append fails).
 */
struct bbuf {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
    bool overflow;
};

/* bbuf_init makes an empty buffer that may grow to `max` bytes. */
void bbuf_init(struct bbuf *b, size_t max);

/* bbuf_cleanup frees the storage; safe on a zero-filled or cleaned bbuf. */
void bbuf_cleanup(struct bbuf *b);

/* bbuf_reset empties the buffer and clears `overflow`, keeping storage. */
void bbuf_reset(struct bbuf *b);

/* bbuf_put appends `len` bytes; false (and overflow set) past the limit. */
bool bbuf_put(struct bbuf *b, const void *p, size_t len);
bool bbuf_put_u8(struct bbuf *b, uint8_t v);
bool bbuf_put_u16(struct bbuf *b, uint16_t v);
bool bbuf_put_str(struct bbuf *b, const char *s);
bool bbuf_printf(struct bbuf *b, const char *fmt, ...) PRINTFLIKE(2, 3);

/*
 * bbuf_grow appends `n` uninitialised bytes and returns where they start,
 * for writers that fill them in place; NULL (and overflow set) past the
 * limit. The caller must write all `n` bytes.
 */
uint8_t *bbuf_grow(struct bbuf *b, size_t n);

/* bbuf_cstr NUL-terminates (not counted in len) and returns the text. */
const char *bbuf_cstr(struct bbuf *b);

#endif /* TLSREADY_BYTES_H */
