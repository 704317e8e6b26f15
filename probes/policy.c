/*
 * policy.c - the built-in policies, and suite names and categories for
 * the config parser, taken from the IANA tables in names.c. Pure data and
 * lookups: no I/O.
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
    const struct names_suite *ns = names_suite_info(id);

    return ns != NULL ? ns->name : NULL;
}

bool
policy_suite_by_name(const char *name, uint16_t *out)
{
    /* A walk of the registry (a few hundred names), at config load only. */
    for (size_t i = 0; i < names_num_suites(); i++) {
        const struct names_suite *ns = names_suite_at(i);
        if (ns != NULL && ns->name != NULL &&
            strcasecmp(ns->name, name) == 0) {
            *out = ns->id;
            return true;
        }
    }
    return false;
}

unsigned
policy_suite_categories(uint16_t id)
{
    const struct names_suite *ns = names_suite_info(id);
    unsigned cats = 0;

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
