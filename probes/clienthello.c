/*
 * clienthello.c - ClientHello decoding (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2,
 * RFC 5246 Appendix E.2) in a single pass over the handshake body, without
 * allocation. Every length-prefixed block is a child cursor and must be
 * consumed exactly; the result holds views into the caller's bytes.
 */
#include <stddef.h>
#include <string.h>

#include "clienthello.h"

/* Extension types (IANA "TLS ExtensionType Values"). */
enum {
    EXT_SERVER_NAME = 0,            /* RFC 6066 */
    EXT_STATUS_REQUEST = 5,         /* RFC 6066 */
    EXT_SUPPORTED_GROUPS = 10,      /* RFC 8422, RFC 7919 */
    EXT_EC_POINT_FORMATS = 11,      /* RFC 8422 */
    EXT_SIGNATURE_ALGORITHMS = 13,  /* RFC 8446 */
    EXT_ALPN = 16,                  /* RFC 7301 */
    EXT_PADDING = 21,               /* RFC 7685 */
    EXT_ENCRYPT_THEN_MAC = 22,      /* RFC 7366 */
    EXT_EXTENDED_MASTER_SECRET = 23, /* RFC 7627 */
    EXT_COMPRESS_CERTIFICATE = 27,  /* RFC 8879 */
    EXT_RECORD_SIZE_LIMIT = 28,     /* RFC 8449 */
    EXT_SESSION_TICKET = 35,        /* RFC 5077 */
    EXT_PRE_SHARED_KEY = 41,        /* RFC 8446 */
    EXT_EARLY_DATA = 42,            /* RFC 8446 */
    EXT_SUPPORTED_VERSIONS = 43,    /* RFC 8446 */
    EXT_PSK_KEY_EXCHANGE_MODES = 45, /* RFC 8446 */
    EXT_SIGNATURE_ALGORITHMS_CERT = 50, /* RFC 8446 */
    EXT_KEY_SHARE = 51,             /* RFC 8446 */
    EXT_ECH = 0xfe0d,               /* draft-ietf-tls-esni */
    EXT_RENEGOTIATION_INFO = 0xff01, /* RFC 5746 */
};

#define SUITE_FALLBACK_SCSV 0x5600      /* RFC 7507 */
#define SUITE_RENEGO_SCSV 0x00ff        /* RFC 5746 */
#define RANDOM_LEN 32
#define MAX_SESSION_ID 32

const char *
ch_status_str(enum ch_status st)
{
    switch (st) {
    case CH_OK:
        return "ok";
    case CH_ERR_TRUNCATED:
        return "truncated";
    case CH_ERR_SESSION_ID_LEN:
        return "session_id_len";
    case CH_ERR_CIPHERS_LEN:
        return "ciphers_len";
    case CH_ERR_COMPRESSION:
        return "compression";
    case CH_ERR_EXT_TRUNCATED:
        return "ext_truncated";
    case CH_ERR_EXT_DUPLICATE:
        return "ext_duplicate";
    case CH_ERR_EXT_TOO_MANY:
        return "ext_too_many";
    case CH_ERR_EXT_MALFORMED:
        return "ext_malformed";
    case CH_ERR_TRAILING:
        return "trailing";
    case CH_ERR_NOT_CLIENTHELLO:
        return "not_clienthello";
    case CH_ERR_SSLV2_MALFORMED:
        return "sslv2_malformed";
    }
    return "unknown";
}

bool
tls_is_grease(uint16_t v)
{
    /* RFC 8701 §2: 0x0A0A, 0x1A1A, ..., 0xFAFA. */
    return (v & 0x0f0fu) == 0x0a0au && (v >> 8) == (v & 0xffu);
}

uint16_t
tls_version_rank(uint16_t v)
{
    if (v == TLSV_SSL2) {
        return TLSV_SSL2;
    }
    if ((v >> 8) == 0x03) {
        return v;
    }
    if ((v >> 8) == 0x7f) {
        return TLSV_TLS13;      /* draft-ietf-tls-tls13-NN is 0x7fNN */
    }
    return 0;
}

/* Sort key: rank, then a final version before a draft of it, then value. */
static uint32_t
version_key(uint16_t v)
{
    uint16_t r = tls_version_rank(v);

    return (uint32_t)r << 17 | (uint32_t)(r == v) << 16 | v;
}

/*
 * version_add inserts `v` into the sorted, duplicate-free versions array,
 * keeping the CH_MAX_VERSIONS highest when it is full. GREASE is skipped.
 */
static void
version_add(struct clienthello *ch, uint16_t v)
{
    uint32_t key = version_key(v);
    size_t i, n = ch->num_versions;

    if (tls_is_grease(v)) {
        return;
    }
    for (i = 0; i < n; i++) {
        if (ch->versions[i] == v) {
            return;
        }
        if (version_key(ch->versions[i]) < key) {
            break;
        }
    }
    if (i == CH_MAX_VERSIONS) {
        return;
    }
    if (n == CH_MAX_VERSIONS) {
        n--;                    /* drop the lowest */
    }
    memmove(&ch->versions[i + 1], &ch->versions[i],
            (n - i) * sizeof(ch->versions[0]));
    ch->versions[i] = v;
    ch->num_versions = n + 1;
}

/* versions_from_legacy: TLS 1.0 (or SSL 3.0 alone) up to `v`. */
static void
versions_from_legacy(struct clienthello *ch, uint16_t v)
{
    unsigned minor = v & 0xffu;

    if ((v >> 8) != 0x03) {
        return;
    }
    if (minor == 0) {
        version_add(ch, TLSV_SSL3);
        return;
    }
    if (minor > 4) {
        version_add(ch, v);
        minor = 4;
    }
    for (unsigned m = minor; m >= 1; m--) {
        version_add(ch, (uint16_t)(0x0300u | m));
    }
}

static void
derive_versions(struct clienthello *ch, bool have_legacy)
{
    ch->num_versions = 0;
    if (ch->has_supported_versions) {
        struct bcur c = ch->supported_versions;
        uint16_t v;

        while (bcur_get_u16(&c, &v)) {
            version_add(ch, v);
        }
    } else if (have_legacy) {
        versions_from_legacy(ch, ch->legacy_version);
    }
    if (ch->sslv2) {
        version_add(ch, TLSV_SSL2);
    }
    ch->highest_version = 0;
    if (ch->num_versions > 0 && tls_version_rank(ch->versions[0]) != 0) {
        ch->highest_version = ch->versions[0];
    }
}

/*
 * ch_reset zeroes everything but the extensions array (2 KiB): entries at
 * and past num_extensions are unspecified, so there is no need to clear
 * them on every parse.
 */
static void
ch_reset(struct clienthello *ch)
{
    size_t head = offsetof(struct clienthello, extensions);
    size_t tail = offsetof(struct clienthello, extensions_truncated);

    memset(ch, 0, head);
    memset((char *)ch + tail, 0, sizeof(*ch) - tail);
}

static enum ch_status
ch_fail(struct clienthello *ch, enum ch_status st, const struct bcur *at)
{
    ch->status = st;
    ch->error_offset = bcur_offset(at);
    return st;
}

static void
note_suite(struct clienthello *ch, uint16_t s)
{
    if ((s & 0x0f0fu) != 0x0a0au && s != SUITE_FALLBACK_SCSV &&
        s != SUITE_RENEGO_SCSV) {
        return;                 /* the common case, decided in one test */
    }
    if (tls_is_grease(s)) {
        ch->grease_seen = true;
    } else if (s == SUITE_FALLBACK_SCSV) {
        ch->fallback_scsv = true;
    } else if (s == SUITE_RENEGO_SCSV) {
        ch->renego_scsv = true;
    }
}

/*
 * u16_list checks a list of 16-bit values: even, non-empty (every list
 * using it is <2..2^N-2>), and flags GREASE.
 */
static bool
u16_list(struct clienthello *ch, struct bcur *list)
{
    struct bcur c = *list;
    uint16_t v[64];
    size_t n;

    if (bcur_left(list) == 0 || bcur_left(list) % 2 != 0) {
        return false;
    }
    /* Bulk reads: this runs over every list in the hello. */
    while ((n = bcur_get_u16s(&c, v, ARRAY_LEN(v))) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (tls_is_grease(v[i])) {
                ch->grease_seen = true;
            }
        }
    }
    return true;
}

/* vec16 list of u16 filling the whole body: groups, sigalgs. */
static bool
dec_u16_vec16(struct clienthello *ch, struct bcur *body, struct bcur *out)
{
    struct bcur start = *body, list;

    if (!bcur_get_vec16(body, &list) || bcur_left(body) != 0 ||
        !u16_list(ch, &list)) {
        *body = start;          /* report the length prefix */
        return false;
    }
    *out = list;
    return true;
}

/* vec8 list of u16 filling the whole body: versions, cert compression. */
static bool
dec_u16_vec8(struct clienthello *ch, struct bcur *body, struct bcur *out)
{
    struct bcur start = *body, list;

    if (!bcur_get_vec8(body, &list) || bcur_left(body) != 0 ||
        !u16_list(ch, &list)) {
        *body = start;
        return false;
    }
    *out = list;
    return true;
}

/* vec8 list of u8 filling the whole body, non-empty: point formats. */
static bool
dec_u8_vec8(struct bcur *body, struct bcur *out)
{
    struct bcur start = *body, list;

    if (!bcur_get_vec8(body, &list) || bcur_left(body) != 0 ||
        bcur_left(&list) == 0) {
        *body = start;
        return false;
    }
    *out = list;
    return true;
}

/*
 * RFC 6066 §3:
 *   struct { NameType name_type; select (name_type) {
 *       case host_name: HostName; } name; } ServerName;
 *   opaque HostName<1..2^16-1>;
 *   struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 */
static bool
dec_sni(struct clienthello *ch, struct bcur *body)
{
    struct bcur list, name;
    uint8_t name_type;

    if (!bcur_get_vec16(body, &list) || bcur_left(body) != 0 ||
        bcur_left(&list) == 0) {
        return false;
    }
    while (bcur_left(&list) > 0) {
        if (!bcur_get_u8(&list, &name_type) ||
            !bcur_get_vec16(&list, &name) || bcur_left(&name) == 0) {
            *body = list;
            return false;
        }
        if (name_type == 0 && !ch->has_sni) {
            ch->has_sni = true;
            ch->sni = name;     /* as sent; escaped when written out */
        }
    }
    return true;
}

/*
 * RFC 7301 §3.1:
 *   opaque ProtocolName<1..2^8-1>;
 *   struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
 */
static bool
dec_alpn(struct clienthello *ch, struct bcur *body)
{
    struct bcur list, it, name;

    if (!bcur_get_vec16(body, &list) || bcur_left(body) != 0 ||
        bcur_left(&list) == 0) {
        return false;
    }
    it = list;
    while (bcur_left(&it) > 0) {
        uint16_t v;

        if (!bcur_get_vec8(&it, &name) || bcur_left(&name) == 0) {
            *body = it;
            return false;
        }
        /* RFC 8701 §2 also reserves 2-byte GREASE protocol names. */
        if (bcur_left(&name) == 2 && bcur_peek_u16(&name, &v) &&
            tls_is_grease(v)) {
            ch->grease_seen = true;
        }
    }
    ch->has_alpn = true;
    ch->alpn = list;
    return true;
}

/*
 * RFC 6066 §8:
 *   struct { CertificateStatusType status_type; select (status_type) {
 *       case ocsp: OCSPStatusRequest; } request; } CertificateStatusRequest;
 *   struct { ResponderID responder_id_list<0..2^16-1>;
 *            Extensions request_extensions; } OCSPStatusRequest;
 * Other status types are opaque to us.
 */
static bool
dec_status_request(struct bcur *body)
{
    struct bcur ids, exts;
    uint8_t type;

    if (!bcur_get_u8(body, &type)) {
        return false;
    }
    if (type != 1) {
        return bcur_skip(body, bcur_left(body));
    }
    return bcur_get_vec16(body, &ids) && bcur_get_vec16(body, &exts) &&
           bcur_left(body) == 0;
}

/*
 * RFC 8446 §4.2.8:
 *   struct { NamedGroup group; opaque key_exchange<1..2^16-1>; }
 *       KeyShareEntry;
 *   struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;
 */
static bool
dec_key_share(struct clienthello *ch, struct bcur *body)
{
    struct bcur list, key;
    uint16_t group;

    if (!bcur_get_vec16(body, &list) || bcur_left(body) != 0) {
        return false;
    }
    ch->has_key_share = true;
    while (bcur_left(&list) > 0) {
        if (!bcur_get_u16(&list, &group) || !bcur_get_vec16(&list, &key) ||
            bcur_left(&key) == 0) {
            *body = list;
            return false;
        }
        if (tls_is_grease(group)) {
            ch->grease_seen = true;
        }
        if (ch->num_key_shares < CH_MAX_KEY_SHARES) {
            ch->key_share_groups[ch->num_key_shares++] = group;
        } else {
            ch->key_shares_truncated = true;
        }
    }
    return true;
}

/*
 * RFC 8446 §4.2.11:
 *   struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; }
 *       PskIdentity;
 *   opaque PskBinderEntry<32..255>;
 *   struct { PskIdentity identities<7..2^16-1>;
 *            PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
 */
static bool
dec_psk(struct bcur *body)
{
    struct bcur ids, binders, item;
    uint32_t age;

    if (!bcur_get_vec16(body, &ids) || bcur_left(&ids) == 0 ||
        !bcur_get_vec16(body, &binders) || bcur_left(&binders) == 0 ||
        bcur_left(body) != 0) {
        return false;
    }
    while (bcur_left(&ids) > 0) {
        if (!bcur_get_vec16(&ids, &item) || bcur_left(&item) == 0 ||
            !bcur_get_u32(&ids, &age)) {
            *body = ids;
            return false;
        }
    }
    while (bcur_left(&binders) > 0) {
        if (!bcur_get_vec8(&binders, &item) || bcur_left(&item) < 32) {
            *body = binders;
            return false;
        }
    }
    return true;
}

/*
 * decode_ext decodes one extension body we know; unknown types are only
 * listed. False means the inner layout is wrong; `body` is then left near
 * the failing field so the error offset points at it.
 */
static bool
decode_ext(struct clienthello *ch, uint16_t type, struct bcur *body)
{
    struct bcur list;
    uint16_t v;

    switch (type) {
    case EXT_SERVER_NAME:
        return dec_sni(ch, body);
    case EXT_STATUS_REQUEST:
        ch->has_status_request = true;
        return dec_status_request(body);
    case EXT_SUPPORTED_GROUPS:
        ch->has_groups = dec_u16_vec16(ch, body, &ch->groups);
        return ch->has_groups;
    case EXT_EC_POINT_FORMATS:
        ch->has_point_formats = dec_u8_vec8(body, &ch->point_formats);
        return ch->has_point_formats;
    case EXT_SIGNATURE_ALGORITHMS:
        ch->has_sigalgs = dec_u16_vec16(ch, body, &ch->sigalgs);
        return ch->has_sigalgs;
    case EXT_SIGNATURE_ALGORITHMS_CERT:
        ch->has_sigalgs_cert = dec_u16_vec16(ch, body, &ch->sigalgs_cert);
        return ch->has_sigalgs_cert;
    case EXT_ALPN:
        return dec_alpn(ch, body);
    case EXT_PADDING:
        ch->has_padding = true;
        ch->padding_len = bcur_left(body);
        return bcur_skip(body, bcur_left(body));
    case EXT_ENCRYPT_THEN_MAC:
        ch->has_encrypt_then_mac = true;
        return bcur_left(body) == 0;
    case EXT_EXTENDED_MASTER_SECRET:
        ch->has_extended_master_secret = true;
        return bcur_left(body) == 0;
    case EXT_COMPRESS_CERTIFICATE:
        /* RFC 8879 §3: algorithms<2..2^8-2>. */
        ch->has_compress_certificate =
            dec_u16_vec8(ch, body, &ch->compress_certificate);
        return ch->has_compress_certificate;
    case EXT_RECORD_SIZE_LIMIT:
        /* RFC 8449 §4: uint16 RecordSizeLimit. */
        if (!bcur_get_u16(body, &v) || bcur_left(body) != 0) {
            return false;
        }
        ch->has_record_size_limit = true;
        ch->record_size_limit = v;
        return true;
    case EXT_SESSION_TICKET:
        ch->has_session_ticket = true;
        ch->session_ticket_len = bcur_left(body);
        return bcur_skip(body, bcur_left(body));
    case EXT_PRE_SHARED_KEY:
        ch->has_pre_shared_key = true;
        return dec_psk(body);
    case EXT_EARLY_DATA:
        ch->has_early_data = true;
        return bcur_left(body) == 0;
    case EXT_SUPPORTED_VERSIONS:
        /* RFC 8446 §4.2.1: ProtocolVersion versions<2..254>. */
        ch->has_supported_versions =
            dec_u16_vec8(ch, body, &ch->supported_versions);
        return ch->has_supported_versions;
    case EXT_PSK_KEY_EXCHANGE_MODES:
        /* RFC 8446 §4.2.9: PskKeyExchangeMode ke_modes<1..255>. */
        ch->has_psk_modes = dec_u8_vec8(body, &ch->psk_modes);
        return ch->has_psk_modes;
    case EXT_KEY_SHARE:
        return dec_key_share(ch, body);
    case EXT_RENEGOTIATION_INFO:
        /* RFC 5746 §3.2: opaque renegotiated_connection<0..255>. */
        ch->has_renegotiation_info = true;
        return bcur_get_vec8(body, &list) && bcur_left(body) == 0;
    case EXT_ECH:
        ch->has_ech = true;     /* outer ECH: opaque to a passive reader */
        return true;
    default:
        return true;
    }
}

/*
 * RFC 8446 §4.2:
 *   struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }
 *       Extension;
 */
/*
 * ext_seen reports whether `type` was already listed. Types below 64 (most
 * of them) use a bit set; the rest are compared with the list.
 */
static bool
ext_seen(const struct clienthello *ch, uint16_t type, uint64_t *low)
{
    if (type < 64) {
        uint64_t bit = (uint64_t)1 << type;
        bool seen = (*low & bit) != 0;

        *low |= bit;
        return seen;
    }
    for (size_t i = 0; i < ch->num_extensions; i++) {
        if (ch->extensions[i].type == type) {
            return true;
        }
    }
    return false;
}

static enum ch_status
parse_extensions(struct clienthello *ch, struct bcur *exts)
{
    uint64_t seen_low = 0;

    while (bcur_left(exts) > 0) {
        struct bcur start = *exts, body;
        uint16_t type;

        if (!bcur_get_u16(exts, &type) || !bcur_get_vec16(exts, &body)) {
            return ch_fail(ch, CH_ERR_EXT_TRUNCATED, &start);
        }
        if (ch->num_extensions == CH_MAX_EXTENSIONS) {
            ch->extensions_truncated = true;
            return ch_fail(ch, CH_ERR_EXT_TOO_MANY, &start);
        }
        if (ext_seen(ch, type, &seen_low)) {
            return ch_fail(ch, CH_ERR_EXT_DUPLICATE, &start);
        }
        if (ch->has_pre_shared_key) {
            ch->psk_not_last = true;
        }
        ch->extensions[ch->num_extensions].type = type;
        ch->extensions[ch->num_extensions].data = body;
        ch->num_extensions++;
        if (tls_is_grease(type)) {
            ch->grease_seen = true;
        }
        if (!decode_ext(ch, type, &body)) {
            return ch_fail(ch, CH_ERR_EXT_MALFORMED, &body);
        }
    }
    return CH_OK;
}

/*
 * RFC 8446 §4.1.2 (RFC 5246 §7.4.1.2 is the same with extensions optional):
 *
 *   struct {
 *       ProtocolVersion legacy_version = 0x0303;
 *       Random random;
 *       opaque legacy_session_id<0..32>;
 *       CipherSuite cipher_suites<2..2^16-2>;
 *       opaque legacy_compression_methods<1..2^8-1>;
 *       Extension extensions<8..2^16-1>;
 *   } ClientHello;
 */
static enum ch_status
parse_body(struct clienthello *ch, struct bcur *in, bool *have_legacy)
{
    struct bcur random, sid, suites, comp, exts;
    uint16_t s[64];

    if (!bcur_get_u16(in, &ch->legacy_version)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    *have_legacy = true;
    if (!bcur_get_bytes(in, &random, RANDOM_LEN)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->random = random;
    if (!bcur_get_vec8(in, &sid)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->session_id = sid;
    if (bcur_left(&sid) > MAX_SESSION_ID) {
        return ch_fail(ch, CH_ERR_SESSION_ID_LEN, &sid);
    }
    if (!bcur_get_vec16(in, &suites)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->cipher_suites = suites;
    if (bcur_left(&suites) == 0 || bcur_left(&suites) % 2 != 0) {
        return ch_fail(ch, CH_ERR_CIPHERS_LEN, &suites);
    }
    for (size_t n; (n = bcur_get_u16s(&suites, s, ARRAY_LEN(s))) > 0;) {
        for (size_t i = 0; i < n; i++) {
            note_suite(ch, s[i]);
        }
    }
    if (!bcur_get_vec8(in, &comp)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->compression = comp;
    if (bcur_left(&comp) == 0) {
        return ch_fail(ch, CH_ERR_COMPRESSION, &comp);
    }
    if (bcur_left(in) == 0) {
        return CH_OK;           /* no extensions block: legal before 1.3 */
    }
    if (!bcur_get_vec16(in, &exts)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->has_extensions_block = true;
    if (parse_extensions(ch, &exts) != CH_OK) {
        return ch->status;
    }
    if (bcur_left(in) != 0) {
        return ch_fail(ch, CH_ERR_TRAILING, in);
    }
    return CH_OK;
}

enum ch_status
clienthello_parse(struct clienthello *out, const uint8_t *body, size_t len)
{
    struct bcur in;
    bool have_legacy = false;

    ch_reset(out);
    bcur_init(&in, body, len);
    out->status = parse_body(out, &in, &have_legacy);
    derive_versions(out, have_legacy);
    return out->status;
}

/*
 * RFC 5246 Appendix E.2 (see tlsrec.c for the struct); `msg` starts at
 * msg_type, after the 2-byte record header.
 */
static enum ch_status
parse_sslv2(struct clienthello *ch, struct bcur *in, bool *have_legacy)
{
    uint16_t spec_len, sid_len, chal_len;
    struct bcur specs, sid, chal, it;
    uint8_t msg_type;

    if (!bcur_get_u8(in, &msg_type)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    if (msg_type != 1) {
        return ch_fail(ch, CH_ERR_NOT_CLIENTHELLO, in);
    }
    if (!bcur_get_u16(in, &ch->legacy_version)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    *have_legacy = true;
    if (!bcur_get_u16(in, &spec_len) || !bcur_get_u16(in, &sid_len) ||
        !bcur_get_u16(in, &chal_len)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    if (spec_len == 0 || spec_len % 3 != 0 || (sid_len != 0 && sid_len != 16) ||
        chal_len < 16 || chal_len > 32) {
        return ch_fail(ch, CH_ERR_SSLV2_MALFORMED, in);
    }
    if (!bcur_get_bytes(in, &specs, spec_len)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->sslv2_cipher_specs = specs;
    for (it = specs; bcur_left(&it) >= 3;) {
        uint8_t first;
        uint16_t suite;

        if (!bcur_get_u8(&it, &first) || !bcur_get_u16(&it, &suite)) {
            break;
        }
        if (first == 0) {
            note_suite(ch, suite);
        }
    }
    if (!bcur_get_bytes(in, &sid, sid_len)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->session_id = sid;
    if (!bcur_get_bytes(in, &chal, chal_len)) {
        return ch_fail(ch, CH_ERR_TRUNCATED, in);
    }
    ch->random = chal;
    if (bcur_left(in) != 0) {
        return ch_fail(ch, CH_ERR_TRAILING, in);
    }
    return CH_OK;
}

enum ch_status
clienthello_parse_sslv2(struct clienthello *out, const uint8_t *msg,
                        size_t len)
{
    struct bcur in;
    bool have_legacy = false;

    ch_reset(out);
    out->sslv2 = true;
    out->record_version = TLSV_SSL2;
    out->num_records = 1;
    bcur_init(&in, msg, len);
    out->status = parse_sslv2(out, &in, &have_legacy);
    derive_versions(out, have_legacy);
    return out->status;
}

enum ch_status
clienthello_parse_hello(struct clienthello *out,
                        const struct tlsrec_hello *rec)
{
    enum ch_status st;

    if (rec->sslv2) {
        st = clienthello_parse_sslv2(out, rec->body, rec->hs_len);
    } else if (rec->hs_type != 1) {
        ch_reset(out);
        out->status = CH_ERR_NOT_CLIENTHELLO;
        st = out->status;
    } else {
        st = clienthello_parse(out, rec->body, rec->hs_len);
    }
    out->sslv2 = rec->sslv2;
    out->record_version = rec->record_version;
    out->num_records = rec->num_records;
    return st;
}

size_t
clienthello_suites(const struct clienthello *ch, uint16_t *out, size_t max)
{
    struct bcur c;
    size_t n = 0;
    uint16_t s;

    if (ch->sslv2) {
        uint8_t first;

        for (c = ch->sslv2_cipher_specs;
             bcur_get_u8(&c, &first) && bcur_get_u16(&c, &s);) {
            if (first != 0) {
                continue;
            }
            if (n < max) {
                out[n] = s;
            }
            n++;
        }
        return n;
    }
    for (c = ch->cipher_suites; bcur_get_u16(&c, &s);) {
        if (n < max) {
            out[n] = s;
        }
        n++;
    }
    return n;
}
