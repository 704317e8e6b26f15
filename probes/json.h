/*
 * json.h - a streaming JSON writer into a bounded bbuf. It is the only way
 * records, API answers and `decode` output are produced, so escaping lives
 * in one place: every string is escaped, peer-supplied bytes that are not
 * valid UTF-8 are replaced by U+FFFD (callers add a hex field when they need
 * the exact bytes), and '<', '>', '&', U+2028 and U+2029 are written as
 * \u escapes so a record can be embedded in HTML or JavaScript unchanged.
 * The output never contains a raw newline: one value is one line.
 */
#ifndef TLSREADY_JSON_H
#define TLSREADY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define JW_MAX_DEPTH 16

struct jw {
    struct bbuf *b;
    int depth;
    bool need_comma[JW_MAX_DEPTH + 1];
    bool after_key;
    bool error; /* nesting misuse; output is then invalid */
};

/* jw_init starts writing into `b` (which the caller owns). */
void jw_init(struct jw *w, struct bbuf *b);

/* jw_ok is true when nothing overflowed or was misused. */
bool jw_ok(const struct jw *w);

void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);

/*
 * jw_key writes an object key (NUL-terminated). Plain ASCII keys, our own
 * names, are copied as they are; anything else (a peer-supplied field
 * name such as an IMAP ID key) is escaped like a string value.
 */
void jw_key(struct jw *w, const char *k);

/* Values. jw_str takes NUL-terminated text; jw_strn takes bytes. */
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const uint8_t *p, size_t n);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* jw_hex writes bytes as a lowercase hex string. */
void jw_hex(struct jw *w, const uint8_t *p, size_t n);
/* jw_hex16 writes a 16-bit code point as "0x%04x" (e.g. "0x0303"). */
void jw_hex16(struct jw *w, uint16_t v);
/* jw_raw appends an already-serialised JSON value (trusted, one line). */
void jw_raw(struct jw *w, const char *json, size_t n);

/* Key + value shorthands. */
void jw_kv_str(struct jw *w, const char *k, const char *s);
void jw_kv_strn(struct jw *w, const char *k, const uint8_t *p, size_t n);
void jw_kv_int(struct jw *w, const char *k, long long v);
void jw_kv_uint(struct jw *w, const char *k, unsigned long long v);
void jw_kv_bool(struct jw *w, const char *k, bool v);
void jw_kv_null(struct jw *w, const char *k);
void jw_kv_hex16(struct jw *w, const char *k, uint16_t v);

/*
 * json_utf8_clean is true when the bytes are valid UTF-8 with no control
 * characters, i.e. jw_strn would reproduce them exactly.
 */
bool json_utf8_clean(const uint8_t *p, size_t n);

/*
 * json_plain_cstr measures the NUL-terminated `s` into *len and says
 * whether every byte is one the writer copies unescaped (printable ASCII
 * other than " \\ < > & '), in one pass.
 */
bool json_plain_cstr(const char *s, size_t *len);

/*
 * json_put_escaped appends `n` bytes to `b` as the inside of a JSON string
 * (no quotes), with the escaping rules above.
 */
bool json_put_escaped(struct bbuf *b, const uint8_t *p, size_t n);

#endif /* TLSREADY_JSON_H */
