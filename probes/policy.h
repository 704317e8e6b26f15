/*
 * policy.h - what the server side requires of a client: a minimum (and
 * optional maximum) protocol version and the cipher suites it accepts.
 * Built-in policies live in policy.c; users add their own in the config
 * file ([policy NAME] sections, see doc/config.md). Pure data: no I/O.
 */
#ifndef TLSREADY_POLICY_H
#define TLSREADY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define POLICY_NAME_MAX 32
#define POLICY_DESC_MAX 200
#define POLICY_MAX_SUITES 128
#define POLICY_MAX_USER 32

struct policy {
    char name[POLICY_NAME_MAX];
    char description[POLICY_DESC_MAX];
    char source[POLICY_DESC_MAX];  /* where the rule comes from */
    uint16_t min_version;          /* e.g. 0x0303 */
    uint16_t max_version;          /* 0: no maximum */
    /*
     * Accepted suites. Empty means "any suite that is not in a refused
     * category below". TLS 1.3 suites (0x13xx) only count at TLS 1.3 and
     * TLS 1.2-and-earlier suites only below it, so one list serves both.
     */
    size_t num_suites;
    uint16_t suites[POLICY_MAX_SUITES];
    bool refuse_3des;
    bool refuse_rc4;
    bool refuse_export;
    bool refuse_null;              /* NULL encryption or anonymous */
    bool require_sni;
    bool builtin;
};

/* policy_builtin returns the built-in policy called `name`, or NULL. */
const struct policy *policy_builtin(const char *name);

/* policy_builtins returns the built-in table and its length. */
const struct policy *policy_builtins(size_t *num);

/* policy_default is the policy used when none is configured ("tls12"). */
const struct policy *policy_default(void);

/*
 * Suite categories a policy can refuse (see refuse_* above). A suite may be
 * in several (TLS_RSA_EXPORT_WITH_RC4_40_MD5 is EXPORT and RC4).
 */
#define POLICY_CAT_3DES 0x01u
#define POLICY_CAT_RC4 0x02u
#define POLICY_CAT_EXPORT 0x04u
#define POLICY_CAT_NULL 0x08u   /* NULL encryption or anonymous */
#define POLICY_CAT_SCSV 0x10u   /* signalling value, not a real suite */

/*
 * policy_suite_name returns the IANA name of a suite id: first from the
 * small local table in policy.c (the suites the built-in policies and
 * typical configs need), then from the full registry in names.c; NULL when
 * neither knows it.
 */
const char *policy_suite_name(uint16_t id);

/*
 * policy_suite_by_name looks up an IANA suite name (case-insensitive) in
 * the same two tables; true and `*out` set when found.
 */
MUST_CHECK bool policy_suite_by_name(const char *name, uint16_t *out);

/*
 * policy_suite_categories returns the POLICY_CAT_* bits of a suite id
 * (local table, else derived from names.c properties); 0 for unknown
 * suites or suites in no category.
 */
unsigned policy_suite_categories(uint16_t id);

/*
 * policy_version_parse reads a protocol version as written in the config:
 * "tls1.2", "TLSv1.2", "1.2", "ssl3", "0x0303". Only SSL 3.0 .. TLS 1.3
 * (0x0300..0x0304) are accepted. True and `*out` set on success.
 */
MUST_CHECK bool policy_version_parse(const char *text, uint16_t *out);

/*
 * policy_version_token returns the config token for a version ("tls1.2"),
 * or NULL for a value outside 0x0300..0x0304.
 */
const char *policy_version_token(uint16_t v);

/* policy_version_label returns "TLS 1.2" style text, or NULL as above. */
const char *policy_version_label(uint16_t v);

#endif /* TLSREADY_POLICY_H */
