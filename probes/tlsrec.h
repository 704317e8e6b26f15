/*
 * tlsrec.h - the TLS record layer, read-only (RFC 8446 §5.1, RFC 5246 §6.2)
 * plus the SSLv2-compatible ClientHello framing (RFC 5246 Appendix E.2).
 *
 * Pure: no I/O, no allocation. The scanners are stateless: call them again
 * with the whole buffer so far (a growing prefix) and they give NEED_MORE
 * until the first prefix that holds the whole message, and the same result
 * for every longer prefix. That property is what lets the session feed bytes
 * however the peer sends them (one byte at a time, many records, many reads).
 */
#ifndef TLSREADY_TLSREC_H
#define TLSREADY_TLSREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "compiler.h"

/* RFC 8446 §5.1: TLSPlaintext.length MUST NOT exceed 2^14. */
#define TLSREC_MAX_FRAGMENT 16384
/* RFC 8446 §5.2: TLSCiphertext may carry up to 2^14 + 256. */
#define TLSREC_MAX_CIPHERTEXT (16384 + 256)
/* Default cap on a reassembled ClientHello (configurable by callers). */
#define TLSREC_DEFAULT_MAX_HELLO 16384
/* Cap on records one handshake message may span before we call it abuse. */
#define TLSREC_MAX_RECORDS 64

enum tlsrec_content {
    TLSREC_CHANGE_CIPHER_SPEC = 20,
    TLSREC_ALERT = 21,
    TLSREC_HANDSHAKE = 22,
    TLSREC_APPLICATION_DATA = 23,
    TLSREC_HEARTBEAT = 24,
};

enum tlsrec_status {
    TLSREC_OK = 0,
    TLSREC_NEED_MORE,      /* a valid prefix; feed more bytes */
    TLSREC_NOT_TLS,        /* first bytes are not a TLS/SSLv2 hello */
    TLSREC_TOO_BIG,        /* message larger than the caller's limit */
    TLSREC_MALFORMED,      /* TLS framing, but broken; see error_offset */
};

/* tlsrec_status_str returns a stable lowercase token, e.g. "need_more". */
const char *tlsrec_status_str(enum tlsrec_status st);

/* One record: header fields and a view of its fragment. */
struct tlsrec {
    uint8_t type;
    uint16_t version;
    struct bcur fragment;
};

/*
 * tlsrec_next reads one whole record from `in`. OK advances `in` past it;
 * NEED_MORE and errors leave `in` alone. A record whose length exceeds
 * TLSREC_MAX_CIPHERTEXT or whose content type is not 20..24 is MALFORMED.
 */
MUST_CHECK enum tlsrec_status tlsrec_next(struct bcur *in, struct tlsrec *out);

/*
 * tlsrec_next_err is tlsrec_next with a reason: on MALFORMED, `*err` gets a
 * stable token ("bad_content_type", "record_version", "record_too_long")
 * and `*err_at` the offset of the bad field from the record's start. The
 * header is checked byte by byte as it arrives, so a bad type is MALFORMED
 * after one byte, not NEED_MORE.
 */
MUST_CHECK enum tlsrec_status tlsrec_next_err(struct bcur *in,
                                              struct tlsrec *out,
                                              const char **err,
                                              size_t *err_at);

/*
 * struct tlsrec_hello describes how the first handshake message of a
 * client's byte stream arrived and where its reassembled bytes are.
 */
struct tlsrec_hello {
    bool sslv2;               /* SSLv2-compatible framing (RFC 5246 E.2) */
    uint16_t record_version;  /* first record's version (0x0002 for SSLv2) */
    size_t num_records;       /* records the message spanned */
    size_t consumed;          /* bytes of input that held the message */
    uint8_t hs_type;          /* handshake type (1 = client_hello) */
    size_t hs_len;            /* body length from the handshake header */
    const uint8_t *body;      /* reassembled body, hs_len bytes, in `buf` */
    /*
     * SSLv2 form: hs_type is 1, body is the whole SSLv2 message from
     * msg_type on and hs_len its length (the 2-byte header's value).
     */
    size_t error_offset;      /* input offset of the failure */
    const char *error;        /* stable token describing the failure */
};

/*
 * tlsrec_scan_hello finds the first handshake message in `in` (a client's
 * bytes from the start of TLS), reassembling it into `buf` (capacity `cap`)
 * across any number of handshake records. `max_hello` caps the message
 * (header + body); past it the result is TOO_BIG. For an SSLv2-compatible
 * hello, `buf` receives the SSLv2 message body (after the 2-byte length,
 * starting at msg_type) and `sslv2` is set. The first bytes decide NOT_TLS
 * early, so a plaintext client is recognised after a few bytes: NOT_TLS is
 * returned exactly when tlsrec_looks_like_tls() is false.
 *
 * OK is returned once every record holding the message is complete; any
 * handshake type is returned (the caller maps hs_type != 1 to
 * CH_ERR_NOT_CLIENTHELLO, see clienthello_parse_hello). The buffer holds
 * the 4-byte handshake header followed by the body (`body` = buf + 4).
 * TOO_BIG: 4 + body length > max_hello or > cap (decided as soon as the
 * handshake header is visible). MALFORMED (with `error` and
 * `error_offset`): a record longer than TLSREC_MAX_CIPHERTEXT, an empty
 * handshake record (RFC 8446 §5.1), a content type outside 20..24
 * ("bad_content_type"), a valid non-handshake record before the message
 * is complete ("not_handshake"), record version major != 3, more than
 * TLSREC_MAX_RECORDS records, or a broken SSLv2 header. On NOT_TLS,
 * `error` is "not_tls".
 */
MUST_CHECK enum tlsrec_status tlsrec_scan_hello(struct tlsrec_hello *out,
                                                uint8_t *buf, size_t cap,
                                                const uint8_t *in, size_t len,
                                                size_t max_hello);

/*
 * tlsrec_looks_like_tls is a quick sniff of up to the first 3 bytes: true
 * when they could start a TLS handshake record or an SSLv2 hello.
 */
bool tlsrec_looks_like_tls(const uint8_t *in, size_t len);

#endif /* TLSREADY_TLSREC_H */
