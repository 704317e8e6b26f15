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

#endif /* TLSREADY_POLICY_H */
