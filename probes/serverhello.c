/*
 * serverhello.c - ServerHello / HelloRetryRequest decoding, alerts, and the
 * stateless walk over a server's record stream (RFC 8446 §4.1.3, §4.1.4,
 * §5.1, §6; RFC 5246 §7.2, §7.4.1.3).
 */
#include <string.h>

#include "serverhello.h"
#include "tlsrec.h"

enum {
    EXT_STATUS_REQUEST = 5,
    EXT_EC_POINT_FORMATS = 11,
    EXT_ALPN = 16,
    EXT_ENCRYPT_THEN_MAC = 22,
    EXT_EXTENDED_MASTER_SECRET = 23,
    EXT_RECORD_SIZE_LIMIT = 28,
    EXT_SESSION_TICKET = 35,
    EXT_PRE_SHARED_KEY = 41,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_COOKIE = 44,
    EXT_KEY_SHARE = 51,
    EXT_RENEGOTIATION_INFO = 0xff01,
};

#define RANDOM_LEN 32
#define MAX_SESSION_ID 32
#define HS_HEADER 4
#define REC_HEADER 5
#define HS_SERVER_HELLO 2
#define ALERT_CLOSE_NOTIFY 0

/* RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[RANDOM_LEN] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 §4.1.3: "DOWNGRD" then 01 (TLS 1.2) or 00 (TLS 1.1 and below). */
static const uint8_t downgrade_prefix[7] = {
    0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44,
};

const char *
sh_status_str(enum sh_status st)
{
    switch (st) {
    case SH_OK:
        return "ok";
    case SH_ERR_TRUNCATED:
        return "truncated";
    case SH_ERR_SESSION_ID_LEN:
        return "session_id_len";
    case SH_ERR_EXT_TRUNCATED:
        return "ext_truncated";
    case SH_ERR_EXT_DUPLICATE:
        return "ext_duplicate";
    case SH_ERR_EXT_TOO_MANY:
        return "ext_too_many";
    case SH_ERR_EXT_MALFORMED:
        return "ext_malformed";
    case SH_ERR_TRAILING:
        return "trailing";
    }
    return "unknown";
}

static enum sh_status
sh_fail(struct serverhello *sh, enum sh_status st, const struct bcur *at)
{
    sh->status = st;
    sh->error_offset = bcur_offset(at);
    return st;
}

/* note_random checks the 32 random bytes for HRR and downgrade markers. */
static void
note_random(struct serverhello *sh, const struct bcur *random)
{
    struct bcur tail = *random;
    struct bcur marker;
    uint8_t last;

    if (memcmp(bcur_data(random), hrr_random, RANDOM_LEN) == 0) {
        sh->is_hrr = true;
        return;
    }
    if (!bcur_skip(&tail, RANDOM_LEN - 8) ||
        !bcur_get_bytes(&tail, &marker, sizeof(downgrade_prefix)) ||
        !bcur_get_u8(&tail, &last)) {
        return;                 /* unreachable: 32 bytes are there */
    }
    if (memcmp(bcur_data(&marker), downgrade_prefix,
               sizeof(downgrade_prefix)) != 0) {
        return;
    }
    if (last == 1) {
        sh->downgrade_tls12 = true;
    } else if (last == 0) {
        sh->downgrade_tls11 = true;
    }
}

static bool
decode_ext(struct serverhello *sh, uint16_t type, struct bcur *body)
{
    struct bcur list, name, key;
    uint16_t v;

    switch (type) {
    case EXT_SUPPORTED_VERSIONS:
        /* RFC 8446 §4.2.1: ProtocolVersion selected_version. */
        if (!bcur_get_u16(body, &v) || bcur_left(body) != 0) {
            return false;
        }
        sh->has_supported_versions = true;
        sh->selected_version = v;
        return true;
    case EXT_KEY_SHARE:
        /*
         * RFC 8446 §4.2.8: ServerHello: KeyShareEntry server_share;
         * HelloRetryRequest: NamedGroup selected_group.
         */
        if (!bcur_get_u16(body, &v)) {
            return false;
        }
        sh->has_key_share = true;
        sh->key_share_group = v;
        if (sh->is_hrr) {
            return bcur_left(body) == 0;
        }
        return bcur_get_vec16(body, &key) && bcur_left(&key) > 0 &&
               bcur_left(body) == 0;
    case EXT_ALPN:
        /* RFC 7301 §3.1: the list holds exactly one name. */
        if (!bcur_get_vec16(body, &list) || bcur_left(body) != 0 ||
            !bcur_get_vec8(&list, &name) || bcur_left(&name) == 0 ||
            bcur_left(&list) != 0) {
            return false;
        }
        sh->has_alpn = true;
        sh->alpn = name;
        return true;
    case EXT_PRE_SHARED_KEY:
        /* RFC 8446 §4.2.11: uint16 selected_identity. */
        if (!bcur_get_u16(body, &v) || bcur_left(body) != 0) {
            return false;
        }
        sh->has_pre_shared_key = true;
        sh->psk_identity = v;
        return true;
    case EXT_COOKIE:
        /* RFC 8446 §4.2.2: opaque cookie<1..2^16-1>. */
        sh->has_cookie = true;
        return bcur_get_vec16(body, &list) && bcur_left(&list) > 0 &&
               bcur_left(body) == 0;
    case EXT_RENEGOTIATION_INFO:
        sh->has_renegotiation_info = true;
        return bcur_get_vec8(body, &list) && bcur_left(body) == 0;
    case EXT_EXTENDED_MASTER_SECRET:
        sh->has_extended_master_secret = true;
        return bcur_left(body) == 0;
    case EXT_ENCRYPT_THEN_MAC:
        sh->has_encrypt_then_mac = true;
        return bcur_left(body) == 0;
    case EXT_SESSION_TICKET:
        sh->has_session_ticket = true;
        return bcur_left(body) == 0;
    case EXT_STATUS_REQUEST:
        sh->has_status_request = true;
        return bcur_left(body) == 0;
    case EXT_EC_POINT_FORMATS:
        sh->has_point_formats = true;
        return bcur_get_vec8(body, &list) && bcur_left(&list) > 0 &&
               bcur_left(body) == 0;
    case EXT_RECORD_SIZE_LIMIT:
        if (!bcur_get_u16(body, &v) || bcur_left(body) != 0) {
            return false;
        }
        sh->has_record_size_limit = true;
        sh->record_size_limit = v;
        return true;
    default:
        return true;
    }
}

static enum sh_status
parse_extensions(struct serverhello *sh, struct bcur *exts)
{
    while (bcur_left(exts) > 0) {
        struct bcur start = *exts, body;
        uint16_t type;

        if (!bcur_get_u16(exts, &type) || !bcur_get_vec16(exts, &body)) {
            return sh_fail(sh, SH_ERR_EXT_TRUNCATED, &start);
        }
        if (sh->num_extensions == SH_MAX_EXTENSIONS) {
            return sh_fail(sh, SH_ERR_EXT_TOO_MANY, &start);
        }
        for (size_t i = 0; i < sh->num_extensions; i++) {
            if (sh->extensions[i].type == type) {
                return sh_fail(sh, SH_ERR_EXT_DUPLICATE, &start);
            }
        }
        sh->extensions[sh->num_extensions].type = type;
        sh->extensions[sh->num_extensions].data = body;
        sh->num_extensions++;
        if (!decode_ext(sh, type, &body)) {
            return sh_fail(sh, SH_ERR_EXT_MALFORMED, &body);
        }
    }
    return SH_OK;
}

/*
 * RFC 8446 §4.1.3 (RFC 5246 §7.4.1.3 is the same, extensions optional):
 *
 *   struct {
 *       ProtocolVersion legacy_version = 0x0303;
 *       Random random;
 *       opaque legacy_session_id_echo<0..32>;
 *       CipherSuite cipher_suite;
 *       uint8 legacy_compression_method = 0;
 *       Extension extensions<6..2^16-1>;
 *   } ServerHello;
 */
static enum sh_status
parse_body(struct serverhello *sh, struct bcur *in)
{
    struct bcur random, sid, exts;

    if (!bcur_get_u16(in, &sh->legacy_version)) {
        return sh_fail(sh, SH_ERR_TRUNCATED, in);
    }
    sh->negotiated_version = sh->legacy_version;
    if (!bcur_get_bytes(in, &random, RANDOM_LEN)) {
        return sh_fail(sh, SH_ERR_TRUNCATED, in);
    }
    sh->random = random;
    note_random(sh, &random);
    if (!bcur_get_vec8(in, &sid)) {
        return sh_fail(sh, SH_ERR_TRUNCATED, in);
    }
    sh->session_id = sid;
    if (bcur_left(&sid) > MAX_SESSION_ID) {
        return sh_fail(sh, SH_ERR_SESSION_ID_LEN, &sid);
    }
    if (!bcur_get_u16(in, &sh->cipher_suite) ||
        !bcur_get_u8(in, &sh->compression)) {
        return sh_fail(sh, SH_ERR_TRUNCATED, in);
    }
    if (bcur_left(in) == 0) {
        return SH_OK;
    }
    if (!bcur_get_vec16(in, &exts)) {
        return sh_fail(sh, SH_ERR_TRUNCATED, in);
    }
    sh->has_extensions_block = true;
    if (parse_extensions(sh, &exts) != SH_OK) {
        return sh->status;
    }
    if (bcur_left(in) != 0) {
        return sh_fail(sh, SH_ERR_TRAILING, in);
    }
    return SH_OK;
}

enum sh_status
serverhello_parse(struct serverhello *out, const uint8_t *body, size_t len)
{
    struct bcur in;

    memset(out, 0, sizeof(*out));
    bcur_init(&in, body, len);
    out->status = parse_body(out, &in);
    if (out->has_supported_versions) {
        out->negotiated_version = out->selected_version;
    }
    return out->status;
}

/* RFC 8446 §6: struct { AlertLevel level; AlertDescription description; } */
bool
tls_alert_read(struct bcur *in, struct tls_alert *out)
{
    struct bcur c = *in;
    uint8_t level, desc;

    if (!bcur_get_u8(&c, &level) || !bcur_get_u8(&c, &desc)) {
        return false;
    }
    out->level = level;
    out->description = desc;
    *in = c;
    return true;
}

const char *
tls_alert_level_str(uint8_t level)
{
    switch (level) {
    case TLS_ALERT_WARNING:
        return "warning";
    case TLS_ALERT_FATAL:
        return "fatal";
    default:
        return "unknown";
    }
}

const char *
tls_alert_desc_str(uint8_t description)
{
    /* RFC 8446 §6 plus the RFC 5246 §7.2 and RFC 7507 values. */
    switch (description) {
    case 0:
        return "close_notify";
    case 10:
        return "unexpected_message";
    case 20:
        return "bad_record_mac";
    case 21:
        return "decryption_failed";
    case 22:
        return "record_overflow";
    case 30:
        return "decompression_failure";
    case 40:
        return "handshake_failure";
    case 41:
        return "no_certificate";
    case 42:
        return "bad_certificate";
    case 43:
        return "unsupported_certificate";
    case 44:
        return "certificate_revoked";
    case 45:
        return "certificate_expired";
    case 46:
        return "certificate_unknown";
    case 47:
        return "illegal_parameter";
    case 48:
        return "unknown_ca";
    case 49:
        return "access_denied";
    case 50:
        return "decode_error";
    case 51:
        return "decrypt_error";
    case 60:
        return "export_restriction";
    case 70:
        return "protocol_version";
    case 71:
        return "insufficient_security";
    case 80:
        return "internal_error";
    case 86:
        return "inappropriate_fallback";
    case 90:
        return "user_canceled";
    case 100:
        return "no_renegotiation";
    case 109:
        return "missing_extension";
    case 110:
        return "unsupported_extension";
    case 111:
        return "certificate_unobtainable";
    case 112:
        return "unrecognized_name";
    case 113:
        return "bad_certificate_status_response";
    case 114:
        return "bad_certificate_hash_value";
    case 115:
        return "unknown_psk_identity";
    case 116:
        return "certificate_required";
    case 120:
        return "no_application_protocol";
    default:
        return "unknown";
    }
}

const char *
srvscan_status_str(enum srvscan_status st)
{
    switch (st) {
    case SRVSCAN_NEED_MORE:
        return "need_more";
    case SRVSCAN_DONE:
        return "done";
    case SRVSCAN_NOT_TLS:
        return "not_tls";
    case SRVSCAN_TOO_BIG:
        return "too_big";
    case SRVSCAN_MALFORMED:
        return "malformed";
    }
    return "unknown";
}

const char *
srvscan_stop_str(enum srvscan_stop st)
{
    switch (st) {
    case SRVSCAN_STOP_NONE:
        return "none";
    case SRVSCAN_STOP_CHANGE_CIPHER_SPEC:
        return "change_cipher_spec";
    case SRVSCAN_STOP_APPLICATION_DATA:
        return "application_data";
    case SRVSCAN_STOP_ALERT:
        return "alert";
    case SRVSCAN_STOP_LIMIT:
        return "limit";
    }
    return "unknown";
}

static enum srvscan_status
scan_fail(struct srvscan *out, enum srvscan_status st, const char *err,
          size_t at)
{
    out->error = err;
    out->error_offset = at;
    return st;
}

/*
 * scan_sniff: the first bytes must be a record header with a content type
 * of 20..24 and version major 3, else the server did not start TLS.
 */
static bool
scan_sniff(const struct bcur *in)
{
    uint8_t b0, b1;

    if (!bcur_peek_u8(in, &b0)) {
        return true;
    }
    if (b0 < TLSREC_CHANGE_CIPHER_SPEC || b0 > TLSREC_HEARTBEAT) {
        return false;
    }
    return !bcur_byte_at(in, 1, &b1) || b1 == 3;
}

/* Bookkeeping for the first handshake message, carried across records. */
struct hs_acc {
    size_t have;
    size_t need;
    bool header_known;
    bool done;
};

/*
 * scan_handshake appends a handshake fragment to the ServerHello being
 * reassembled. It returns NEED_MORE when the fragment was used up (or the
 * hello is already complete), or TOO_BIG / MALFORMED.
 */
static enum srvscan_status
scan_handshake(struct srvscan *out, struct hs_acc *acc, uint8_t *buf,
               size_t cap, size_t max_hello, struct bcur frag,
               size_t frag_at)
{
    while (!acc->done && bcur_left(&frag) > 0) {
        size_t take = bcur_left(&frag);
        struct bcur piece;

        if (cap < HS_HEADER || max_hello < HS_HEADER) {
            return scan_fail(out, SRVSCAN_TOO_BIG, "hello_too_big", frag_at);
        }

        if (!acc->header_known && take > HS_HEADER - acc->have) {
            take = HS_HEADER - acc->have;
        } else if (acc->header_known && take > acc->need - acc->have) {
            take = acc->need - acc->have;
        }
        if (!bcur_get_bytes(&frag, &piece, take)) {
            break;              /* unreachable */
        }
        memcpy(buf + acc->have, bcur_data(&piece), take);
        acc->have += take;
        if (!acc->header_known && acc->have == HS_HEADER) {
            struct bcur h;
            uint8_t type;
            uint32_t body_len;

            bcur_init(&h, buf, HS_HEADER);
            if (!bcur_get_u8(&h, &type) || !bcur_get_u24(&h, &body_len)) {
                break;          /* unreachable */
            }
            if (type != HS_SERVER_HELLO) {
                return scan_fail(out, SRVSCAN_MALFORMED, "not_server_hello",
                                 frag_at);
            }
            acc->need = HS_HEADER + (size_t)body_len;
            acc->header_known = true;
            if (acc->need > max_hello || acc->need > cap) {
                return scan_fail(out, SRVSCAN_TOO_BIG, "hello_too_big",
                                 frag_at);
            }
        }
        if (acc->header_known && acc->have == acc->need) {
            acc->done = true;
        }
    }
    return SRVSCAN_NEED_MORE;
}

/* scan_alerts notes each 2-byte alert; true when one ends the stream. */
static bool
scan_alerts(struct srvscan *out, struct bcur frag, bool *odd)
{
    struct tls_alert a;
    bool stop = false;

    while (tls_alert_read(&frag, &a)) {
        if (out->num_alerts < SRVSCAN_MAX_ALERTS) {
            out->alerts[out->num_alerts] = a;
        }
        out->num_alerts++;
        if (a.level == TLS_ALERT_FATAL ||
            a.description == ALERT_CLOSE_NOTIFY) {
            stop = true;
            break;
        }
    }
    *odd = !stop && bcur_left(&frag) != 0;
    return stop;
}

enum srvscan_status
srvscan_run(struct srvscan *out, uint8_t *buf, size_t cap,
            const uint8_t *in, size_t len, size_t max_hello, size_t max_scan)
{
    struct hs_acc acc = {0, 0, false, false};
    struct bcur c;

    memset(out, 0, sizeof(*out));
    if (len > max_scan) {
        len = max_scan;
    }
    bcur_init(&c, in, len);
    if (!scan_sniff(&c)) {
        return scan_fail(out, SRVSCAN_NOT_TLS, "not_tls", 0);
    }
    for (;;) {
        size_t at = bcur_offset(&c);
        struct tlsrec rec;
        enum tlsrec_status st;
        enum srvscan_status sst;
        const char *err = "bad_record";
        size_t err_at = 0;
        bool odd = false;

        st = tlsrec_next_err(&c, &rec, &err, &err_at);
        if (st == TLSREC_NEED_MORE) {
            if (len == max_scan) {
                out->stop = SRVSCAN_STOP_LIMIT;
                return SRVSCAN_DONE;
            }
            return SRVSCAN_NEED_MORE;
        }
        if (st != TLSREC_OK) {
            return scan_fail(out, SRVSCAN_MALFORMED, err, at + err_at);
        }
        if (out->num_records == 0) {
            out->record_version = rec.version;
        }
        out->num_records++;
        out->consumed = bcur_offset(&c);
        switch (rec.type) {
        case TLSREC_HANDSHAKE:
            if (bcur_left(&rec.fragment) == 0) {
                return scan_fail(out, SRVSCAN_MALFORMED, "empty_record", at);
            }
            out->handshake_records++;
            if (acc.done) {
                break;          /* Certificate etc.: counted only */
            }
            out->sh_records++;
            sst = scan_handshake(out, &acc, buf, cap, max_hello,
                                 rec.fragment, at + REC_HEADER);
            if (sst != SRVSCAN_NEED_MORE) {
                return sst;
            }
            if (acc.done) {
                out->has_server_hello = true;
                out->sh_body = buf + HS_HEADER;
                out->sh_len = acc.need - HS_HEADER;
            }
            break;
        case TLSREC_ALERT:
            if (acc.have > 0 && !acc.done) {
                /* RFC 8446 §5.1: no interleaving inside a message. */
                return scan_fail(out, SRVSCAN_MALFORMED, "interleaved_record",
                                 at);
            }
            if (scan_alerts(out, rec.fragment, &odd)) {
                out->stop = SRVSCAN_STOP_ALERT;
                return SRVSCAN_DONE;
            }
            if (odd || bcur_left(&rec.fragment) == 0) {
                return scan_fail(out, SRVSCAN_MALFORMED, "bad_alert", at);
            }
            break;
        case TLSREC_CHANGE_CIPHER_SPEC:
            if (acc.have > 0 && !acc.done) {
                return scan_fail(out, SRVSCAN_MALFORMED, "interleaved_record",
                                 at);
            }
            out->ccs_seen = true;
            out->stop = SRVSCAN_STOP_CHANGE_CIPHER_SPEC;
            return SRVSCAN_DONE;
        case TLSREC_APPLICATION_DATA:
            if (acc.have > 0 && !acc.done) {
                return scan_fail(out, SRVSCAN_MALFORMED, "interleaved_record",
                                 at);
            }
            out->appdata_seen = true;
            out->stop = SRVSCAN_STOP_APPLICATION_DATA;
            return SRVSCAN_DONE;
        default:
            /* Heartbeat (RFC 6520) before encryption: note and go on. */
            break;
        }
    }
}
