/*
 * names.h - human names for TLS code points: cipher suites (the whole IANA
 * "TLS Cipher Suites" registry plus a few pre-registry values still seen
 * from old clients), SSLv2 cipher specs, extensions, supported groups,
 * signature schemes (and legacy TLS 1.2 hash/signature pairs), protocol
 * versions, alerts and a few small enums. Also the per-suite properties the
 * verdict engine needs: key exchange, bulk cipher, MAC, the version range a
 * suite can be negotiated in, and "deprecated" flags.
 *
 * Pure and allocation-free: every table is a sorted const array searched
 * with binary search. Functions that return a name never return NULL: an
 * unknown value is written as hex ("0x1234") into the caller's name_buf,
 * and GREASE values (RFC 8701) are named "GREASE".
 */
#ifndef TLSREADY_NAMES_H
#define TLSREADY_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "0x123456" or a legacy pair like "ecdsa_sha512", plus NUL. */
#define NAMES_BUF_LEN 20

struct name_buf {
    char s[NAMES_BUF_LEN];
};

/* Key exchange (and authentication family) of a cipher suite. */
enum names_kx {
    NAMES_KX_UNKNOWN = 0,
    NAMES_KX_NULL,      /* TLS_NULL_WITH_NULL_NULL */
    NAMES_KX_RSA,       /* RSA key transport (no forward secrecy) */
    NAMES_KX_DH,        /* static DH with a DSS/RSA certificate */
    NAMES_KX_DHE,
    NAMES_KX_ECDH,      /* static ECDH */
    NAMES_KX_ECDHE,
    NAMES_KX_DH_ANON,   /* unauthenticated */
    NAMES_KX_ECDH_ANON, /* unauthenticated */
    NAMES_KX_PSK,
    NAMES_KX_DHE_PSK,
    NAMES_KX_RSA_PSK,
    NAMES_KX_ECDHE_PSK,
    NAMES_KX_KRB5,
    NAMES_KX_SRP,
    NAMES_KX_ECCPWD,
    NAMES_KX_GOST,
    NAMES_KX_FORTEZZA,
    NAMES_KX_TLS13,     /* TLS 1.3 suite: key exchange is negotiated apart */
    NAMES_KX_SCSV,      /* signalling value, not a real suite */
};

/* Bulk cipher of a cipher suite. */
enum names_cipher {
    NAMES_CIPHER_UNKNOWN = 0,
    NAMES_CIPHER_NULL,
    NAMES_CIPHER_RC4,
    NAMES_CIPHER_RC2,
    NAMES_CIPHER_DES,
    NAMES_CIPHER_3DES,
    NAMES_CIPHER_IDEA,
    NAMES_CIPHER_FORTEZZA,
    NAMES_CIPHER_AES_CBC,
    NAMES_CIPHER_AES_GCM,
    NAMES_CIPHER_AES_CCM,
    NAMES_CIPHER_AES_CCM_8,
    NAMES_CIPHER_CAMELLIA_CBC,
    NAMES_CIPHER_CAMELLIA_GCM,
    NAMES_CIPHER_ARIA_CBC,
    NAMES_CIPHER_ARIA_GCM,
    NAMES_CIPHER_SEED,
    NAMES_CIPHER_CHACHA20,
    NAMES_CIPHER_SM4_GCM,
    NAMES_CIPHER_SM4_CCM,
    NAMES_CIPHER_GOST,
    NAMES_CIPHER_AEGIS,
    NAMES_CIPHER_SCSV,
};

/* Record MAC of a cipher suite; AEAD suites authenticate in the cipher. */
enum names_mac {
    NAMES_MAC_UNKNOWN = 0,
    NAMES_MAC_NONE,
    NAMES_MAC_MD5,
    NAMES_MAC_SHA1,
    NAMES_MAC_SHA256,
    NAMES_MAC_SHA384,
    NAMES_MAC_AEAD,
    NAMES_MAC_GOST,
};

/* Cipher suite property flags (struct names_suite.flags). */
#define NAMES_SF_IANA 0x01       /* listed in the IANA registry */
#define NAMES_SF_EXPORT 0x02     /* export-grade (40/56-bit) */
#define NAMES_SF_ANON 0x04       /* no server authentication */
#define NAMES_SF_AEAD 0x08
#define NAMES_SF_FS 0x10         /* ephemeral key exchange */
#define NAMES_SF_SCSV 0x20       /* signalling cipher suite value */
#define NAMES_SF_TLS13 0x40      /* a TLS 1.3 suite (0x13xx and kin) */
/* NULL/RC4/RC2/DES/3DES/IDEA/Fortezza cipher, export, anon or NULL kx. */
#define NAMES_SF_DEPRECATED 0x80

struct names_suite {
    uint16_t id;
    uint8_t kx;             /* enum names_kx */
    uint8_t cipher;         /* enum names_cipher */
    uint8_t mac;            /* enum names_mac */
    uint8_t flags;          /* NAMES_SF_* */
    uint16_t min_version;   /* lowest version that can negotiate it */
    uint16_t max_version;   /* highest version that can negotiate it */
    const char *name;       /* IANA name, e.g. "TLS_AES_128_GCM_SHA256" */
};

/*
 * names_suite_info returns the table row for cipher suite `id`, or NULL
 * when the value is not known (GREASE included: see names_is_grease).
 */
const struct names_suite *names_suite_info(uint16_t id);

/*
 * names_suite returns the suite's name, "GREASE", or "0x%04x" written into
 * `nb`. Never NULL.
 */
const char *names_suite(uint16_t id, struct name_buf *nb);

/* names_suite_usable_at is true when suite `id` can be negotiated at
 * protocol version `version` (0x0300..0x0304); false for SCSV/GREASE and
 * for unknown suites. */
bool names_suite_usable_at(uint16_t id, uint16_t version);

/* Stable lowercase tokens for the enums above, e.g. "ecdhe", "aes_gcm". */
const char *names_kx_str(enum names_kx kx);
const char *names_cipher_str(enum names_cipher c);
const char *names_mac_str(enum names_mac m);

/*
 * names_sslv2_spec returns the name of a 3-byte SSLv2 CIPHER-SPEC
 * (RFC 6101 Appendix E / the SSL 2.0 draft), e.g. "SSL2_RC4_128_WITH_MD5".
 * A spec whose first byte is 0 is a TLS suite in SSLv2 form and gets the
 * TLS suite's name. Unknown: "0x%06x" in `nb`.
 */
const char *names_sslv2_spec(uint32_t spec, struct name_buf *nb);

/* names_ext: IANA ExtensionType name, e.g. "server_name"; never NULL. */
const char *names_ext(uint16_t type, struct name_buf *nb);

/* names_group: IANA TLS Supported Groups name, e.g. "x25519". */
const char *names_group(uint16_t group, struct name_buf *nb);

/*
 * names_sigalg: IANA TLS SignatureScheme name (e.g. "rsa_pss_rsae_sha256"),
 * or for a legacy TLS 1.2 {hash, signature} pair outside that registry a
 * name built as "<sig>_<hash>" (e.g. "dsa_sha256").
 */
const char *names_sigalg(uint16_t scheme, struct name_buf *nb);

/*
 * names_version: "SSL 2.0", "SSL 3.0", "TLS 1.0" ... "TLS 1.3",
 * "TLS 1.3 draft 28", "DTLS 1.2", "GREASE"; else "0x%04x".
 */
const char *names_version(uint16_t version, struct name_buf *nb);

/* names_version_known is true when names_version has a real name. */
bool names_version_known(uint16_t version);

/* names_alert: IANA TLS Alerts description name, e.g. "protocol_version". */
const char *names_alert(uint8_t description, struct name_buf *nb);

/* names_alert_level: "warning", "fatal", else "0x%02x". */
const char *names_alert_level(uint8_t level, struct name_buf *nb);

/* names_point_format: RFC 8422 ECPointFormat, e.g. "uncompressed". */
const char *names_point_format(uint8_t fmt, struct name_buf *nb);

/* names_psk_mode: RFC 8446 PskKeyExchangeMode, "psk_ke" / "psk_dhe_ke". */
const char *names_psk_mode(uint8_t mode, struct name_buf *nb);

/* names_compression: TLS CompressionMethod, "null", "DEFLATE", "LZS". */
const char *names_compression(uint8_t method, struct name_buf *nb);

/* names_cert_compression: RFC 8879 algorithm, "zlib", "brotli", "zstd". */
const char *names_cert_compression(uint16_t alg, struct name_buf *nb);

/* names_is_grease is true for RFC 8701 values (0x?a?a, both bytes equal). */
bool names_is_grease(uint16_t v);

/*
 * names_num_suites / names_suite_at walk the suite table in id order (for
 * tests, docs and the policy code); names_suite_at returns NULL past the
 * end. names_tables_sorted is true when every table is strictly sorted,
 * which binary search relies on (checked by tests/unit/test_names.c).
 */
size_t names_num_suites(void);
const struct names_suite *names_suite_at(size_t i);
bool names_tables_sorted(void);

#endif /* TLSREADY_NAMES_H */
