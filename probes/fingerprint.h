/*
 * fingerprint.h - JA3 and JA4 client fingerprints of a parsed ClientHello.
 *
 * JA3 (Salesforce, github.com/salesforce/ja3): the decimal string
 * "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats"
 * (values joined by '-', GREASE left out of every list, SSLVersion is the
 * legacy client_version) and its MD5 in lowercase hex.
 *
 * JA4 (FoxIO, technical_details/JA4.md, BSD-3): "t" + version + d/i +
 * cipher count + extension count + ALPN first/last character, "_", the
 * first 12 hex digits of SHA-256 over the sorted cipher list, "_", the same
 * over the sorted extension list without SNI and ALPN, followed by "_" and
 * the signature algorithms in wire order when there are any. JA4_r is the
 * same string before hashing. See fingerprint.c for the edge cases and
 * where this follows the reference implementations.
 *
 * SSLv2-compatible hellos: both use the 3-byte specs whose first byte is 0
 * as 16-bit suites (clienthello_suites) and have no extensions.
 *
 * Pure code; the hashes come from crypto.h. Work buffers are caller-owned
 * bbufs that keep their storage between calls, so a warm struct
 * fingerprint computes without allocating.
 */
#ifndef TLSREADY_FINGERPRINT_H
#define TLSREADY_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "clienthello.h"
#include "compiler.h"

#define FP_MD5_HEX_LEN 32
#define FP_JA4_LEN 36
/* Default cap on the JA3 / JA4_r strings (a 16 KiB hello stays below). */
#define FP_DEFAULT_MAX_TEXT (128 * 1024)

struct fp_memo;

struct fingerprint {
    struct bbuf ja3;                    /* JA3 string (not NUL-counted) */
    char ja3_md5[FP_MD5_HEX_LEN + 1];   /* lowercase hex, NUL-terminated */
    char ja4[FP_JA4_LEN + 1];           /* NUL-terminated */
    struct bbuf ja4_r;                  /* JA4_r string */
    struct bbuf scratch;                /* sorting work space */
    struct fp_memo *memo;               /* NULL unless fp_memo_enable */
    bool ok;                            /* last fp_compute succeeded */
};

/* fp_init prepares `fp`; each string may grow to `max_text` bytes. */
void fp_init(struct fingerprint *fp, size_t max_text);

/* fp_cleanup frees the buffers; safe on a zero-filled or cleaned struct. */
void fp_cleanup(struct fingerprint *fp);

/*
 * fp_memo_enable gives a long-lived `fp` a small memo of its digests: the
 * MD5 of a JA3 string and the two SHA-256 of a JA4 are remembered by
 * their exact input (compared byte for byte, never by a hash alone), so
 * a client seen again - a retry, the next user of the same mail client -
 * costs string building but no hashing. The hashes are most of the cost
 * of a fingerprint with mbedTLS's portable SHA-256. Results are the same
 * with and without it. False (and no memo) when out of memory.
 */
MUST_CHECK bool fp_memo_enable(struct fingerprint *fp);

/* fp_memo_stats reports digest lookups answered from the memo and not. */
void fp_memo_stats(const struct fingerprint *fp, unsigned long long *hits,
                   unsigned long long *misses);

/*
 * fp_compute fills JA3 (string + MD5), JA4 and JA4_r for `ch`, which may
 * be a partially parsed (malformed) hello: whatever was decoded is used.
 * It returns false (and clears every field) only when a string would pass
 * `max_text` or a hash fails; `ok` mirrors the result.
 */
MUST_CHECK bool fp_compute(struct fingerprint *fp, const struct clienthello *ch);

/* fp_ja3_cstr / fp_ja4_r_cstr return the strings NUL-terminated. */
const char *fp_ja3_cstr(struct fingerprint *fp);
const char *fp_ja4_r_cstr(struct fingerprint *fp);

/*
 * fp_ja3_string appends the JA3 string of `ch` to `out`; false when `out`
 * overflowed.
 */
MUST_CHECK bool fp_ja3_string(struct bbuf *out, const struct clienthello *ch);

/*
 * fp_ja4_version returns the two-character JA4 version code ("13", "12",
 * "11", "10", "s3", "s2", "00") for `ch`: the highest non-GREASE value of
 * supported_versions when that extension is present, else legacy_version.
 */
const char *fp_ja4_version(const struct clienthello *ch);

/*
 * fp_ja4_alpn writes the two JA4 ALPN characters (no NUL) for `ch`: "00"
 * without ALPN or with an empty first protocol name.
 */
void fp_ja4_alpn(char out[2], const struct clienthello *ch);

#endif /* TLSREADY_FINGERPRINT_H */
