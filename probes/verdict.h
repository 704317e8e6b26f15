/*
 * verdict.h - judge one connection attempt against a policy: PASS, WARN,
 * FAIL or UNKNOWN, with stable reason codes a person can act on. The rules
 * and the table of codes are documented in doc/verdicts.md; the facts they
 * rest on are in KNOWLEDGE.md (R1, R3, §7.3, §8). Pure: no I/O, no
 * allocation; the reason strings are static.
 */
#ifndef TLSREADY_VERDICT_H
#define TLSREADY_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attempt.h"
#include "policy.h"

/* How much a reason weighs. The verdict is the heaviest reason present. */
enum verdict_severity {
    VSEV_INFO = 0,   /* worth knowing; does not change the verdict */
    VSEV_UNKNOWN,    /* we could not learn what the client offers */
    VSEV_WARN,       /* works against the policy, but has a weakness */
    VSEV_FAIL,       /* would not work against a server with this policy */
};

/* Categories of cipher suites the verdict treats as deprecated. */
#define VSUITE_3DES 0x01u
#define VSUITE_RC4 0x02u
#define VSUITE_EXPORT 0x04u   /* 40/56-bit export and single DES */
#define VSUITE_NULL 0x08u     /* NULL encryption (integrity only) */
#define VSUITE_ANON 0x10u     /* anonymous key exchange (no authentication) */
#define VSUITE_SCSV 0x20u     /* signalling value, not a real suite */
#define VSUITE_TLS13 0x40u    /* a TLS 1.3 suite (0x13xx, 0xc0b4/5) */

/*
 * verdict_judge fills a->verdict.kind, reasons, summary_code and policy from
 * what the attempt recorded (plaintext stage, ClientHello views, end
 * reason, alerts). It leaves the client_* and advice fields alone, so call
 * it before identify_client() and advice_select(). `p` may be NULL, which
 * means policy_default(); if that returns NULL, a TLS 1.2 minimum
 * with the deprecated categories refused is used.
 */
void verdict_judge(struct attempt *a, const struct policy *p);

/*
 * verdict_reason_text returns the one-line text for a reason `code` in
 * `lang` ("en" or "ja"; anything else means "en"), or NULL for an unknown
 * code. The text is static.
 */
const char *verdict_reason_text(const char *code, const char *lang);

/* verdict_reason_severity returns the weight of `code` (INFO if unknown). */
enum verdict_severity verdict_reason_severity(const char *code);

/*
 * verdict_reason_codes returns the table of every reason code, in priority
 * order (the first heaviest reason present becomes the summary), and sets
 * *num. For docs, tests and the dashboard legend.
 */
const char *const *verdict_reason_codes(size_t *num);

/*
 * verdict_explain writes into buf (capacity cap, always NUL-terminated when
 * cap > 0) the reason's text with the facts of this attempt filled in,
 * e.g. "highest version offered is TLS 1.0; the policy needs TLS 1.2". It
 * returns the length written (truncated to cap - 1), 0 for unknown codes.
 */
size_t verdict_explain(const struct attempt *a, const struct policy *p,
                       const char *code, const char *lang, char *buf,
                       size_t cap);

/*
 * verdict_has_reason is true when verdict_judge put `code` into a->verdict.
 */
bool verdict_has_reason(const struct attempt *a, const char *code);

/*
 * verdict_version_str names a wire version: "SSL 3.0", "TLS 1.2",
 * "TLS 1.3 draft 23", or "unknown".
 */
const char *verdict_version_str(uint16_t v);

/*
 * verdict_version_rank orders protocol versions: SSL 2.0 = 1 ... TLS 1.3 =
 * 6; anything else (drafts, GREASE, unknown) = 0, so it never meets a
 * policy minimum.
 */
int verdict_version_rank(uint16_t v);

/*
 * verdict_highest_offered returns the highest final protocol version the
 * hello offers (drafts and GREASE ignored), or 0 when none is known.
 */
uint16_t verdict_highest_offered(const struct clienthello *ch);

/*
 * verdict_suite_class returns the VSUITE_* bits of an IANA cipher suite
 * value (0 for an ordinary modern suite). Used until probes/names.h
 * provides the shared classification.
 */
unsigned verdict_suite_class(uint16_t suite);

#endif /* TLSREADY_VERDICT_H */
