/*
 * clienthello.h - the decoded ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2,
 * SSLv2-compatible form in RFC 5246 Appendix E.2).
 *
 * The struct holds views (struct bcur) into the reassembled handshake body
 * the caller passed in; it owns nothing, and its lifetime ends when that
 * buffer changes. A malformed hello is an observation, not a drop: the
 * parser fills every field it decoded before the failure and reports the
 * error token and offset.
 */
#ifndef TLSREADY_CLIENTHELLO_H
#define TLSREADY_CLIENTHELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "compiler.h"
#include "tlsrec.h"

/* Caps; they are part of the documented record format (doc/records.md). */
#define CH_MAX_EXTENSIONS 64
#define CH_MAX_VERSIONS 16
#define CH_MAX_KEY_SHARES 16

/* Versions as on the wire. */
#define TLSV_SSL2 0x0002
#define TLSV_SSL3 0x0300
#define TLSV_TLS10 0x0301
#define TLSV_TLS11 0x0302
#define TLSV_TLS12 0x0303
#define TLSV_TLS13 0x0304

enum ch_status {
    CH_OK = 0,
    CH_ERR_TRUNCATED,        /* a field runs past the end */
    CH_ERR_SESSION_ID_LEN,   /* legacy_session_id longer than 32 */
    CH_ERR_CIPHERS_LEN,      /* odd or zero cipher_suites length */
    CH_ERR_COMPRESSION,      /* empty compression list */
    CH_ERR_EXT_TRUNCATED,    /* an extension runs past the block */
    CH_ERR_EXT_DUPLICATE,    /* the same extension type twice */
    CH_ERR_EXT_TOO_MANY,     /* more than CH_MAX_EXTENSIONS */
    CH_ERR_EXT_MALFORMED,    /* an extension's inner layout is wrong */
    CH_ERR_TRAILING,         /* bytes after the extensions block */
    CH_ERR_NOT_CLIENTHELLO,  /* handshake type is not client_hello */
    CH_ERR_SSLV2_MALFORMED,  /* SSLv2-compatible hello lengths wrong */
};

/* ch_status_str returns a stable lowercase token used as `parse_error`. */
const char *ch_status_str(enum ch_status st);

struct ch_ext {
    uint16_t type;
    struct bcur data;
};

struct clienthello {
    /*
     * How it arrived: filled by clienthello_parse_hello(), or by the caller
     * from struct tlsrec_hello after clienthello_parse() (which zeroes them).
     */
    bool sslv2;
    uint16_t record_version;
    size_t num_records;

    /* Fixed fields. */
    uint16_t legacy_version;        /* client_version */
    struct bcur random;             /* 32 bytes (SSLv2: the challenge) */
    struct bcur session_id;
    struct bcur cipher_suites;      /* 2 bytes each, wire order */
    struct bcur sslv2_cipher_specs; /* SSLv2 only: 3 bytes each */
    struct bcur compression;        /* 1 byte each */

    /* Extensions, in wire order. */
    bool has_extensions_block;
    size_t num_extensions;
    /* Entries from num_extensions on are unspecified (not cleared). */
    struct ch_ext extensions[CH_MAX_EXTENSIONS];
    bool extensions_truncated;      /* more than CH_MAX_EXTENSIONS present */

    /* Decoded extensions (views of their lists, without length prefixes). */
    bool has_sni;
    struct bcur sni;                /* first host_name entry */
    bool has_alpn;
    struct bcur alpn;               /* ProtocolNameList: vec8 entries */
    bool has_groups;
    struct bcur groups;             /* 2 bytes each */
    bool has_point_formats;
    struct bcur point_formats;      /* 1 byte each */
    bool has_sigalgs;
    struct bcur sigalgs;            /* 2 bytes each */
    bool has_sigalgs_cert;
    struct bcur sigalgs_cert;       /* 2 bytes each */
    bool has_supported_versions;
    struct bcur supported_versions; /* 2 bytes each */
    bool has_key_share;
    size_t num_key_shares;          /* kept, at most CH_MAX_KEY_SHARES */
    uint16_t key_share_groups[CH_MAX_KEY_SHARES];
    bool key_shares_truncated;      /* more entries than the array holds */
    bool has_psk_modes;
    struct bcur psk_modes;          /* 1 byte each */
    bool has_renegotiation_info;
    bool has_session_ticket;
    size_t session_ticket_len;
    bool has_status_request;
    bool has_extended_master_secret;
    bool has_encrypt_then_mac;
    bool has_padding;
    size_t padding_len;
    bool has_record_size_limit;
    uint16_t record_size_limit;
    bool has_compress_certificate;
    struct bcur compress_certificate; /* 2 bytes each */
    bool has_ech;                   /* encrypted_client_hello (0xfe0d) */
    bool has_pre_shared_key;
    bool psk_not_last;              /* RFC 8446 §4.2.11: MUST be last */
    bool has_early_data;

    /* Flags derived from the cipher list and extensions. */
    bool grease_seen;               /* any RFC 8701 value anywhere */
    bool fallback_scsv;             /* 0x5600, RFC 7507 */
    bool renego_scsv;               /* 0x00ff, RFC 5746 */

    /*
     * Versions offered: from supported_versions without GREASE when that
     * extension is present, else every version from TLS 1.0 (SSL 3.0 for a
     * 0x0300 hello) up to legacy_version (a legacy_version above 0x0304 is
     * listed itself, then 0x0304..0x0301). An SSLv2-compatible hello adds
     * 0x0002 to what its version field gives. Sorted by tls_version_rank,
     * highest first, duplicates removed; TLS 1.3 drafts (0x7fXX) rank as
     * TLS 1.3 and follow 0x0304. highest_version is the first entry with a
     * non-zero rank. Derived on every exit once legacy_version was read, so
     * a malformed hello still shows what it claimed.
     */
    size_t num_versions;
    uint16_t versions[CH_MAX_VERSIONS];
    uint16_t highest_version;       /* 0 when nothing could be derived */

    /* Parse outcome. */
    enum ch_status status;
    size_t error_offset;            /* offset into the handshake body */
};

/*
 * clienthello_parse decodes a ClientHello handshake body (after the 4-byte
 * handshake header) of `len` bytes. Views point into `body`. It returns
 * CH_OK or the first error, with every field decoded before it filled in.
 */
MUST_CHECK enum ch_status clienthello_parse(struct clienthello *out,
                                            const uint8_t *body, size_t len);

/*
 * clienthello_parse_sslv2 decodes an SSLv2-compatible CLIENT-HELLO message
 * (starting at msg_type 1, as tlsrec_scan_hello leaves it in its buffer).
 * It fills legacy_version (the hello's version field), sslv2_cipher_specs,
 * session_id, random (the challenge) and the derived versions; the TLS
 * view cipher_suites stays empty: use clienthello_suites().
 */
MUST_CHECK enum ch_status clienthello_parse_sslv2(struct clienthello *out,
                                                  const uint8_t *msg,
                                                  size_t len);

/*
 * clienthello_parse_hello parses what tlsrec_scan_hello returned OK for:
 * the SSLv2 form or a client_hello body (any other handshake type gives
 * CH_ERR_NOT_CLIENTHELLO), then fills sslv2, record_version and
 * num_records from `rec`.
 */
MUST_CHECK enum ch_status clienthello_parse_hello(
    struct clienthello *out, const struct tlsrec_hello *rec);

/*
 * clienthello_suites writes the hello's 16-bit cipher suites in wire order
 * into `out` (at most `max`; `out` may be NULL when max is 0) and returns
 * how many there are in total, like snprintf. For the TLS form that is
 * cipher_suites; for the SSLv2 form, every 3-byte spec whose first byte is
 * 0x00 (RFC 5246 E.2: a TLS suite {0x00, hi, lo}); pure SSLv2 specs are
 * skipped.
 */
size_t clienthello_suites(const struct clienthello *ch, uint16_t *out,
                          size_t max);

/*
 * tls_version_rank orders protocol versions for "highest offered":
 * SSL 2.0 (0x0002) < SSL 3.0 < TLS 1.0 < ... < TLS 1.3 (0x0304). A TLS 1.3
 * draft (0x7f00-0x7fff, draft-ietf-tls-tls13) ranks as 0x0304, not above
 * it. Other 0x03XX values rank as themselves (future versions). Anything
 * else (GREASE, DTLS 0xfeXX, garbage) ranks 0, i.e. below every version.
 * The result is comparable only with other ranks; to print it, use the
 * original value.
 */
uint16_t tls_version_rank(uint16_t v);

/* tls_is_grease is true for RFC 8701 GREASE values (0x?a?a, both equal). */
bool tls_is_grease(uint16_t v);

#endif /* TLSREADY_CLIENTHELLO_H */
