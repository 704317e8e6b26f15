/*
 * tlsrec.c - the read-only TLS record layer and the stateless ClientHello
 * de-framer (RFC 8446 §5.1, RFC 5246 §6.2, RFC 5246 Appendix E.2).
 *
 * Every decision below depends only on bytes already seen, in a fixed scan
 * order, so calling again with a longer prefix follows the same path to the
 * same decision: that is the growing-prefix property the header promises.
 */
#include <string.h>

#include "tlsrec.h"

/* RFC 5246 E.2: msg_type(1) version(2) and three 2-byte lengths. */
#define SSLV2_FIXED 9
#define SSLV2_MIN_CHALLENGE 16
#define SSLV2_MAX_CHALLENGE 32
#define HS_HEADER 4
#define REC_HEADER 5

const char *
tlsrec_status_str(enum tlsrec_status st)
{
    switch (st) {
    case TLSREC_OK:
        return "ok";
    case TLSREC_NEED_MORE:
        return "need_more";
    case TLSREC_NOT_TLS:
        return "not_tls";
    case TLSREC_TOO_BIG:
        return "too_big";
    case TLSREC_MALFORMED:
        return "malformed";
    }
    return "unknown";
}

static bool
content_type_ok(uint8_t t)
{
    return t >= TLSREC_CHANGE_CIPHER_SPEC && t <= TLSREC_HEARTBEAT;
}

/*
 * rec_header checks as much of the record header at the start of `in` as
 * is there, in wire order, so an error is reported as soon as its byte
 * arrives: type, version major, then the length (RFC 8446 §5.1):
 *
 *   struct {
 *       ContentType type;
 *       ProtocolVersion legacy_record_version;
 *       uint16 length;
 *       opaque fragment[TLSPlaintext.length];
 *   } TLSPlaintext;
 *
 * It returns OK with the header fields when all 5 bytes are present and
 * valid, NEED_MORE for a valid partial header, MALFORMED with `*err` and
 * `*err_at` (offset within the header) otherwise.
 */
static enum tlsrec_status
rec_header(const struct bcur *in, uint8_t *type, uint16_t *version,
           uint16_t *length, const char **err, size_t *err_at)
{
    struct bcur c = *in;
    uint8_t t, major;

    if (!bcur_peek_u8(&c, &t)) {
        return TLSREC_NEED_MORE;
    }
    if (!content_type_ok(t)) {
        *err = "bad_content_type";
        *err_at = 0;
        return TLSREC_MALFORMED;
    }
    if (!bcur_byte_at(&c, 1, &major)) {
        return TLSREC_NEED_MORE;
    }
    if (major != 3) {
        *err = "record_version";
        *err_at = 1;
        return TLSREC_MALFORMED;
    }
    if (bcur_left(&c) < REC_HEADER || !bcur_skip(&c, 1) ||
        !bcur_get_u16(&c, version) || !bcur_get_u16(&c, length)) {
        return TLSREC_NEED_MORE;
    }
    if (*length > TLSREC_MAX_CIPHERTEXT) {
        *err = "record_too_long";
        *err_at = 3;
        return TLSREC_MALFORMED;
    }
    *type = t;
    return TLSREC_OK;
}

enum tlsrec_status
tlsrec_next(struct bcur *in, struct tlsrec *out)
{
    const char *err = NULL;
    size_t err_at = 0;

    return tlsrec_next_err(in, out, &err, &err_at);
}

enum tlsrec_status
tlsrec_next_err(struct bcur *in, struct tlsrec *out, const char **err,
                size_t *err_at)
{
    struct bcur c = *in;
    enum tlsrec_status st;
    uint16_t version = 0, length = 0;
    uint8_t type = 0;
    struct bcur frag;

    st = rec_header(&c, &type, &version, &length, err, err_at);
    if (st != TLSREC_OK) {
        return st;
    }
    if (!bcur_skip(&c, REC_HEADER) || !bcur_get_bytes(&c, &frag, length)) {
        return TLSREC_NEED_MORE;
    }
    out->type = type;
    out->version = version;
    out->fragment = frag;
    *in = c;
    return TLSREC_OK;
}

bool
tlsrec_looks_like_tls(const uint8_t *in, size_t len)
{
    struct bcur c;
    uint8_t b0, b1, b2;

    bcur_init(&c, in, len);
    if (!bcur_peek_u8(&c, &b0)) {
        return true;
    }
    if (b0 == TLSREC_HANDSHAKE) {
        return true;
    }
    if (content_type_ok(b0)) {
        /* An alert or CCS first is still TLS, though not a hello. */
        return !bcur_byte_at(&c, 1, &b1) || b1 == 3;
    }
    if ((b0 & 0x80) != 0) {
        /* SSLv2 2-byte header; the third byte is msg_type 1. */
        return !bcur_byte_at(&c, 2, &b2) || b2 == 1;
    }
    return false;
}

static enum tlsrec_status
hello_fail(struct tlsrec_hello *out, enum tlsrec_status st, const char *err,
           size_t at)
{
    out->error = err;
    out->error_offset = at;
    return st;
}

/*
 * RFC 5246 Appendix E.2:
 *
 *   uint8 V2CipherSpec[3];
 *   struct {
 *       uint16 msg_length;          (high bit set: 2-byte header)
 *       uint8 msg_type;             (1)
 *       Version version;
 *       uint16 cipher_spec_length;  (multiple of 3)
 *       uint16 session_id_length;   (0 or 16)
 *       uint16 challenge_length;    (16..32)
 *       V2CipherSpec cipher_specs[V2ClientHello.cipher_spec_length];
 *       opaque session_id[V2ClientHello.session_id_length];
 *       opaque challenge[V2ClientHello.challenge_length;
 *   } V2ClientHello;
 */
static enum tlsrec_status
scan_sslv2(struct tlsrec_hello *out, uint8_t *buf, size_t cap,
           struct bcur *in, size_t max_hello)
{
    uint16_t hdr, version, spec_len, sid_len, chal_len;
    size_t msg_len;
    struct bcur fixed, msg;
    uint8_t msg_type, major;

    out->sslv2 = true;
    out->record_version = 0x0002;
    out->hs_type = 1;
    if (!bcur_get_u16(in, &hdr)) {
        return TLSREC_NEED_MORE;
    }
    msg_len = hdr & 0x7fffu;
    out->hs_len = msg_len;
    if (msg_len < SSLV2_FIXED + 3 + SSLV2_MIN_CHALLENGE) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_length", 0);
    }
    if (msg_len > max_hello || msg_len > cap) {
        return hello_fail(out, TLSREC_TOO_BIG, "hello_too_big", 0);
    }
    /* msg_type was checked by the sniff; check the rest as it arrives. */
    fixed = *in;
    if (!bcur_get_u8(&fixed, &msg_type) || !bcur_peek_u8(&fixed, &major)) {
        return TLSREC_NEED_MORE;
    }
    if (major != 3 && major != 0) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_version", 3);
    }
    if (!bcur_get_u16(&fixed, &version)) {
        return TLSREC_NEED_MORE;
    }
    if (major == 0 && version != 0x0002) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_version", 3);
    }
    if (!bcur_get_u16(&fixed, &spec_len)) {
        return TLSREC_NEED_MORE;
    }
    if (spec_len == 0 || spec_len % 3 != 0) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_cipher_spec_length",
                          5);
    }
    if (!bcur_get_u16(&fixed, &sid_len)) {
        return TLSREC_NEED_MORE;
    }
    if (sid_len != 0 && sid_len != 16) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_session_id_length",
                          7);
    }
    if (!bcur_get_u16(&fixed, &chal_len)) {
        return TLSREC_NEED_MORE;
    }
    if (chal_len < SSLV2_MIN_CHALLENGE || chal_len > SSLV2_MAX_CHALLENGE) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_challenge_length",
                          9);
    }
    if ((size_t)SSLV2_FIXED + spec_len + sid_len + chal_len != msg_len) {
        return hello_fail(out, TLSREC_MALFORMED, "sslv2_length", 0);
    }
    if (!bcur_get_bytes(in, &msg, msg_len)) {
        return TLSREC_NEED_MORE;
    }
    memcpy(buf, bcur_data(&msg), msg_len);
    out->body = buf;
    out->num_records = 1;
    out->consumed = 2 + msg_len;
    return TLSREC_OK;
}

/*
 * hs_header reads the 4-byte handshake header from the reassembled bytes
 * (RFC 8446 §4: HandshakeType msg_type; uint24 length;).
 */
static void
hs_header(const uint8_t *buf, uint8_t *type, uint32_t *len)
{
    struct bcur c;

    bcur_init(&c, buf, HS_HEADER);
    if (!bcur_get_u8(&c, type) || !bcur_get_u24(&c, len)) {
        *type = 0;              /* unreachable: 4 bytes are there */
        *len = 0;
    }
}

enum tlsrec_status
tlsrec_scan_hello(struct tlsrec_hello *out, uint8_t *buf, size_t cap,
                  const uint8_t *in, size_t len, size_t max_hello)
{
    struct bcur c;
    size_t have = 0;            /* handshake bytes reassembled in buf */
    size_t need = 0;            /* 4 + body length, once known */
    bool header_known = false;
    uint8_t b0;

    memset(out, 0, sizeof(*out));
    if (!tlsrec_looks_like_tls(in, len)) {
        return hello_fail(out, TLSREC_NOT_TLS, "not_tls", 0);
    }
    bcur_init(&c, in, len);
    if (!bcur_peek_u8(&c, &b0)) {
        return TLSREC_NEED_MORE;
    }
    if ((b0 & 0x80) != 0) {
        struct bcur third = c;
        uint8_t b2;

        if (!bcur_byte_at(&third, 2, &b2)) {
            return TLSREC_NEED_MORE;    /* the sniff needs msg_type */
        }
        return scan_sslv2(out, buf, cap, &c, max_hello);
    }

    for (;;) {
        size_t rec_start = bcur_offset(&c);
        const char *err = NULL;
        size_t err_at = 0, take;
        uint16_t version = 0, length = 0;
        uint8_t type = 0;
        struct bcur frag;
        enum tlsrec_status st;

        if (out->num_records == TLSREC_MAX_RECORDS && bcur_left(&c) > 0) {
            return hello_fail(out, TLSREC_MALFORMED, "too_many_records",
                              rec_start);
        }
        st = rec_header(&c, &type, &version, &length, &err, &err_at);
        if (st == TLSREC_MALFORMED) {
            return hello_fail(out, st, err, rec_start + err_at);
        }
        if (st == TLSREC_NEED_MORE) {
            return st;
        }
        if (type != TLSREC_HANDSHAKE) {
            return hello_fail(out, TLSREC_MALFORMED, "not_handshake",
                              rec_start);
        }
        if (length == 0) {
            /* RFC 8446 §5.1: no zero-length Handshake fragments. */
            return hello_fail(out, TLSREC_MALFORMED, "empty_record",
                              rec_start + 3);
        }
        if (out->num_records == 0) {
            out->record_version = version;
        }
        out->num_records++;
        if (!bcur_skip(&c, REC_HEADER)) {
            return TLSREC_NEED_MORE;    /* unreachable: header was there */
        }
        /* Copy what is there of the fragment, but no more than needed. */
        while (length > 0 && bcur_left(&c) > 0 &&
               !(header_known && have == need)) {
            if (cap < HS_HEADER || max_hello < HS_HEADER) {
                /* Decided at the first fragment byte, like any TOO_BIG. */
                return hello_fail(out, TLSREC_TOO_BIG, "hello_too_big",
                                  REC_HEADER);
            }
            take = bcur_left(&c) < length ? bcur_left(&c) : length;
            if (!header_known && take > HS_HEADER - have) {
                take = HS_HEADER - have;
            } else if (header_known && take > need - have) {
                take = need - have;
            }
            if (!bcur_get_bytes(&c, &frag, take)) {
                return TLSREC_NEED_MORE;        /* unreachable */
            }
            memcpy(buf + have, bcur_data(&frag), take);
            have += take;
            length = (uint16_t)(length - take);
            if (!header_known && have == HS_HEADER) {
                uint8_t hs_type;
                uint32_t body_len;

                /* The handshake header is complete: check it at once. */
                hs_header(buf, &hs_type, &body_len);
                out->hs_type = hs_type;
                out->hs_len = body_len;
                need = HS_HEADER + (size_t)body_len;
                header_known = true;
                if (need > max_hello || need > cap) {
                    return hello_fail(out, TLSREC_TOO_BIG, "hello_too_big",
                                      REC_HEADER);
                }
            }
        }
        if (length > bcur_left(&c)) {
            return TLSREC_NEED_MORE;    /* rest of this record to come */
        }
        /* Bytes after the message in its last record are not ours. */
        if (!bcur_skip(&c, length)) {
            return TLSREC_NEED_MORE;    /* unreachable */
        }
        if (header_known && have == need) {
            out->body = buf + HS_HEADER;
            out->consumed = bcur_offset(&c);
            return TLSREC_OK;
        }
    }
}
