/*
 * policy.c - the built-in policies and the small suite-name table the
 * config parser needs. Pure data and lookups: no I/O.
 *
 * The built-ins follow /work/shared/KNOWLEDGE.md:
 * - tls12: rule R1, Office 365 deprecated TLS 1.0/1.1 (and 3DES) on
 *   2018-10-31 [S6][S15], enforced from 2020-10-15.
 * - office365: the Exchange Online TLS 1.2 suite table, strongest first
 *   (§7.3, [S15], 2019-2021 revision). The current page says TLS 1.3 is
 *   offered "for some services"; which suites is not documented there, so
 *   the two TLS 1.3 suites below (0x1301, 0x1302) are an assumption and
 *   the policy's source says so.
 * - tls13: TLS 1.3 only, the three suites RFC 8446 §9.1 makes
 *   mandatory-to-implement or recommends.
 */
#include <string.h>
#include <strings.h>

#include "names.h"
#include "policy.h"

/* IANA TLS Cipher Suites registry ids (RFC 8446 B.4, RFC 5246 A.5, ...). */
struct suite_entry {
    uint16_t id;
    unsigned cats;
    const char *name;
};

static const struct suite_entry suite_table[] = {
    /* TLS 1.3, RFC 8446 B.4 */
    {0x1301, 0, "TLS_AES_128_GCM_SHA256"},
    {0x1302, 0, "TLS_AES_256_GCM_SHA384"},
    {0x1303, 0, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, 0, "TLS_AES_128_CCM_SHA256"},
    {0x1305, 0, "TLS_AES_128_CCM_8_SHA256"},
    /* ECDHE_RSA (RFC 5289, RFC 4492, RFC 7905) */
    {0xc030, 0, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xc02f, 0, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc028, 0, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xc027, 0, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc014, 0, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xc013, 0, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xcca8, 0, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xc012, POLICY_CAT_3DES, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc011, POLICY_CAT_RC4, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
    {0xc010, POLICY_CAT_NULL, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
    /* ECDHE_ECDSA */
    {0xc02c, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02b, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc024, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc023, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc00a, 0, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc009, 0, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xcca9, 0, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xc008, POLICY_CAT_3DES, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc007, POLICY_CAT_RC4, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
    {0xc006, POLICY_CAT_NULL, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
    /* DHE_RSA */
    {0x009f, 0, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009e, 0, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x006b, 0, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x0067, 0, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x0039, 0, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x0033, 0, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xccaa, 0, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0x0016, POLICY_CAT_3DES, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    /* RSA key exchange */
    {0x009d, 0, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009c, 0, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x003d, 0, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x003c, 0, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x0035, 0, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x002f, 0, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x000a, POLICY_CAT_3DES, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0005, POLICY_CAT_RC4, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x0004, POLICY_CAT_RC4, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x003b, POLICY_CAT_NULL, "TLS_RSA_WITH_NULL_SHA256"},
    {0x0002, POLICY_CAT_NULL, "TLS_RSA_WITH_NULL_SHA"},
    {0x0001, POLICY_CAT_NULL, "TLS_RSA_WITH_NULL_MD5"},
    /* export grade (RFC 2246 A.5) and anonymous */
    {0x0003, POLICY_CAT_EXPORT | POLICY_CAT_RC4,
     "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
    {0x0006, POLICY_CAT_EXPORT, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
    {0x0008, POLICY_CAT_EXPORT, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0014, POLICY_CAT_EXPORT, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0018, POLICY_CAT_NULL | POLICY_CAT_RC4, "TLS_DH_anon_WITH_RC4_128_MD5"},
    {0x0034, POLICY_CAT_NULL, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
    /* signalling values (RFC 5746 §3.3, RFC 7507 §6) */
    {0x00ff, POLICY_CAT_SCSV, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x5600, POLICY_CAT_SCSV, "TLS_FALLBACK_SCSV"},
};

static const struct policy builtins[] = {
    {
        .name = "tls12",
        .description = "TLS 1.2 minimum: the Office 365 rule of 2018-10-31 "
                       "(TLS 1.0/1.1 and 3DES deprecated); any suite that "
                       "is not 3DES, RC4, export or NULL",
        .source = "KNOWLEDGE R1, §7.1; Microsoft [S6] TLS 1.0/1.1 "
                  "deprecation for Office 365, [S15] encryption reference",
        .min_version = 0x0303,
        .max_version = 0,
        .num_suites = 0,
        .refuse_3des = true,
        .refuse_rc4 = true,
        .refuse_export = true,
        .refuse_null = true,
        .require_sni = false,
        .builtin = true,
    },
    {
        .name = "office365",
        .description = "Exchange Online today: TLS 1.2 minimum and its "
                       "published TLS 1.2 suite list; TLS 1.3 suites "
                       "0x1301/0x1302 assumed (uncertain)",
        .source = "KNOWLEDGE §7.3, [S15] 2019-2021 table; TLS 1.3 only "
                  "'for some services' (suites not documented, §9 Q8)",
        .min_version = 0x0303,
        .max_version = 0,
        .num_suites = 10,
        .suites = {0xc030, 0xc02f, 0xc028, 0xc027, 0xc014, 0xc013, 0x009d,
                   0x009c, 0x1301, 0x1302},
        .refuse_3des = true,
        .refuse_rc4 = true,
        .refuse_export = true,
        .refuse_null = true,
        .require_sni = false,
        .builtin = true,
    },
    {
        .name = "tls13",
        .description = "TLS 1.3 only, with the RFC 8446 suites "
                       "AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305",
        .source = "RFC 8446 §4.2.1, §9.1",
        .min_version = 0x0304,
        .max_version = 0x0304,
        .num_suites = 3,
        .suites = {0x1301, 0x1302, 0x1303},
        .refuse_3des = true,
        .refuse_rc4 = true,
        .refuse_export = true,
        .refuse_null = true,
        .require_sni = false,
        .builtin = true,
    },
};

const struct policy *
policy_builtin(const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ARRAY_LEN(builtins); i++) {
        if (strcmp(builtins[i].name, name) == 0) {
            return &builtins[i];
        }
    }
    return NULL;
}

const struct policy *
policy_builtins(size_t *num)
{
    *num = ARRAY_LEN(builtins);
    return builtins;
}

const struct policy *
policy_default(void)
{
    return &builtins[0];
}

const char *
policy_suite_name(uint16_t id)
{
    const struct names_suite *ns;

    for (size_t i = 0; i < ARRAY_LEN(suite_table); i++) {
        if (suite_table[i].id == id) {
            return suite_table[i].name;
        }
    }
    /* the full IANA registry in names.c */
    ns = names_suite_info(id);
    return ns != NULL ? ns->name : NULL;
}

bool
policy_suite_by_name(const char *name, uint16_t *out)
{
    for (size_t i = 0; i < ARRAY_LEN(suite_table); i++) {
        if (strcasecmp(suite_table[i].name, name) == 0) {
            *out = suite_table[i].id;
            return true;
        }
    }
    /*
     * names.c is indexed by id only; walking all 65536 ids costs about a
     * millisecond and happens only for names outside the local table, at
     * config load time.
     */
    for (uint32_t id = 0; id <= 0xffff; id++) {
        const struct names_suite *ns = names_suite_info((uint16_t)id);
        if (ns != NULL && ns->name != NULL &&
            strcasecmp(ns->name, name) == 0) {
            *out = (uint16_t)id;
            return true;
        }
    }
    return false;
}

unsigned
policy_suite_categories(uint16_t id)
{
    const struct names_suite *ns;
    unsigned cats = 0;

    for (size_t i = 0; i < ARRAY_LEN(suite_table); i++) {
        if (suite_table[i].id == id) {
            return suite_table[i].cats;
        }
    }
    ns = names_suite_info(id);
    if (ns == NULL) {
        return 0;
    }
    if (ns->cipher == NAMES_CIPHER_3DES) {
        cats |= POLICY_CAT_3DES;
    }
    if (ns->cipher == NAMES_CIPHER_RC4) {
        cats |= POLICY_CAT_RC4;
    }
    if (ns->flags & NAMES_SF_EXPORT) {
        cats |= POLICY_CAT_EXPORT;
    }
    if (ns->cipher == NAMES_CIPHER_NULL || (ns->flags & NAMES_SF_ANON) ||
        ns->kx == NAMES_KX_NULL) {
        cats |= POLICY_CAT_NULL;
    }
    if (ns->flags & NAMES_SF_SCSV) {
        cats |= POLICY_CAT_SCSV;
    }
    return cats;
}

struct version_entry {
    uint16_t v;
    const char *token;
    const char *label;
    const char *alias[4];
};

static const struct version_entry versions[] = {
    {0x0300, "ssl3", "SSL 3.0", {"ssl3.0", "sslv3", "3.0", NULL}},
    {0x0301, "tls1.0", "TLS 1.0", {"tls1", "tlsv1", "tlsv1.0", "1.0"}},
    {0x0302, "tls1.1", "TLS 1.1", {"tlsv1.1", "1.1", NULL, NULL}},
    {0x0303, "tls1.2", "TLS 1.2", {"tlsv1.2", "1.2", NULL, NULL}},
    {0x0304, "tls1.3", "TLS 1.3", {"tlsv1.3", "1.3", NULL, NULL}},
};

static bool
hexdigit(char ch, unsigned *out)
{
    if (ch >= '0' && ch <= '9') {
        *out = (unsigned)(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
        *out = (unsigned)(ch - 'a' + 10);
    } else if (ch >= 'A' && ch <= 'F') {
        *out = (unsigned)(ch - 'A' + 10);
    } else {
        return false;
    }
    return true;
}

bool
policy_version_parse(const char *text, uint16_t *out)
{
    for (size_t i = 0; i < ARRAY_LEN(versions); i++) {
        const struct version_entry *e = &versions[i];
        bool hit = strcasecmp(e->token, text) == 0;
        for (size_t k = 0; !hit && k < ARRAY_LEN(e->alias); k++) {
            hit = e->alias[k] != NULL && strcasecmp(e->alias[k], text) == 0;
        }
        if (hit) {
            *out = e->v;
            return true;
        }
    }
    /* "0x0303": exactly four hex digits */
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
        strlen(text) == 6) {
        unsigned v = 0;
        for (size_t i = 2; i < 6; i++) {
            unsigned d;
            if (!hexdigit(text[i], &d)) {
                return false;
            }
            v = v << 4 | d;
        }
        if (v >= 0x0300 && v <= 0x0304) {
            *out = (uint16_t)v;
            return true;
        }
    }
    return false;
}

const char *
policy_version_token(uint16_t v)
{
    for (size_t i = 0; i < ARRAY_LEN(versions); i++) {
        if (versions[i].v == v) {
            return versions[i].token;
        }
    }
    return NULL;
}

const char *
policy_version_label(uint16_t v)
{
    for (size_t i = 0; i < ARRAY_LEN(versions); i++) {
        if (versions[i].v == v) {
            return versions[i].label;
        }
    }
    return NULL;
}
