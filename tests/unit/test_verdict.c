/*
 * test_verdict.c - every reason code and every verdict kind, with each
 * built-in policy. Two kinds of input: attempts whose derived fields are set
 * directly (versions, suites), and attempts built by parsing real hello
 * bytes from the shared corpus (skipped when SHARED_CORPUS is absent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "clienthello.h"
#include "policy.h"
#include "tl.h"
#include "tlsrec.h"
#include "verdict.h"

static bool seen[64];

static void
note_reasons(const struct attempt *a)
{
    size_t n;
    const char *const *codes = verdict_reason_codes(&n);

    for (size_t i = 0; i < a->verdict.num_reasons; i++) {
        for (size_t j = 0; j < n && j < 64; j++) {
            if (strcmp(codes[j], a->verdict.reasons[i]) == 0) {
                seen[j] = true;
            }
        }
    }
}

static const struct policy *
pol(const char *name)
{
    const struct policy *p = policy_builtin(name);

    CHECK(p != NULL);
    return p;
}

/* A TLS 1.2-style hello: versions derived as the parser would. */
static void
synth(struct attempt *a, uint16_t legacy, const uint16_t *sv, size_t nsv,
      const uint8_t *suites, size_t suites_len)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->mode, sizeof(a->mode), "test");
    snprintf(a->protocol, sizeof(a->protocol), "imap");
    a->have_hello = true;
    a->end = END_HELLO_CAPTURED;
    a->ch.legacy_version = legacy;
    a->ch.status = CH_OK;
    bcur_init(&a->ch.cipher_suites, suites, suites_len);
    if (sv != NULL) {
        a->ch.has_supported_versions = true;
        for (size_t i = 0; i < nsv; i++) {
            a->ch.versions[i] = sv[i];
        }
        a->ch.num_versions = nsv;
    } else {
        size_t k = 0;
        for (uint16_t v = legacy; v >= TLSV_TLS10 && k < CH_MAX_VERSIONS;
             v--) {
            a->ch.versions[k++] = v;
        }
        a->ch.num_versions = k;
    }
    a->ch.highest_version = a->ch.num_versions ? a->ch.versions[0] : 0;
}

static void
judge(struct attempt *a, const struct policy *p)
{
    verdict_judge(a, p);
    note_reasons(a);
}

static bool
kind_is(const struct attempt *a, enum verdict_kind k)
{
    if (a->verdict.kind != k) {
        fprintf(stderr, "  got %s (summary %s)\n",
                verdict_kind_str(a->verdict.kind),
                a->verdict.summary_code ? a->verdict.summary_code : "-");
    }
    return a->verdict.kind == k;
}

/* Suites (wire bytes). */
static const uint8_t s_modern12[] = {0xc0, 0x2f, 0xc0, 0x30, 0x00, 0xff};
static const uint8_t s_3des_only[] = {0x00, 0x0a, 0xc0, 0x12};
static const uint8_t s_rc4_only[] = {0x00, 0x05, 0x00, 0x04};
static const uint8_t s_tls13[] = {0x13, 0x01, 0x13, 0x02, 0x13, 0x03};
static const uint8_t s_mixed13[] = {0x0a, 0x0a, 0x13, 0x01, 0x13, 0x02,
                                    0xc0, 0x2f, 0xc0, 0x13, 0x00, 0x2f};
static const uint8_t s_cbc10[] = {0xc0, 0x14, 0xc0, 0x13, 0x00, 0x35,
                                  0x00, 0x2f, 0x00, 0x0a};
/* AES-GCM only: not negotiable below TLS 1.2. */
static const uint8_t s_gcm_only[] = {0xc0, 0x2f};
static const uint8_t s_scsv_only[] = {0x00, 0xff, 0x56, 0x00};

static void
test_versions(void)
{
    struct attempt a;
    static const uint16_t v13[] = {TLSV_TLS13, TLSV_TLS12, TLSV_TLS11,
                                   TLSV_TLS10};
    static const uint16_t only13[] = {TLSV_TLS13};
    static const uint16_t draft[] = {0x7f17, TLSV_TLS12, TLSV_TLS11};
    char buf[256];

    /* Windows 7 default: TLS 1.0 only (KNOWLEDGE §1). */
    synth(&a, TLSV_TLS10, NULL, 0, s_cbc10, sizeof(s_cbc10));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(strcmp(a.verdict.summary_code, "version_below_minimum") == 0);
    CHECK(strcmp(a.verdict.policy, "tls12") == 0);
    CHECK(verdict_explain(&a, pol("tls12"), "version_below_minimum", "en",
                          buf, sizeof(buf)) > 0);
    CHECK(strstr(buf, "TLS 1.0") != NULL && strstr(buf, "TLS 1.2") != NULL);
    CHECK(verdict_explain(&a, pol("tls12"), "version_below_minimum", "ja",
                          buf, sizeof(buf)) > 0);
    CHECK(strstr(buf, "TLS 1.0") != NULL && strstr(buf, "tls12") != NULL);
    judge(&a, pol("office365"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    judge(&a, pol("tls13"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    /* Small buffers truncate, never overflow. */
    CHECK(verdict_explain(&a, pol("tls12"), "version_below_minimum", "en",
                          buf, 5) == 4);
    CHECK(strlen(buf) == 4);

    /* TLS 1.1 max. */
    synth(&a, TLSV_TLS11, NULL, 0, s_cbc10, sizeof(s_cbc10));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "version_below_minimum"));

    /* Legacy TLS 1.2 hello: passes tls12, fails tls13 (below min). */
    synth(&a, TLSV_TLS12, NULL, 0, s_modern12, sizeof(s_modern12));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_PASS));
    CHECK(a.verdict.summary_code == NULL);
    CHECK(!verdict_has_reason(&a, "offers_legacy_versions"));
    judge(&a, pol("office365"));
    CHECK(kind_is(&a, VERDICT_PASS));
    judge(&a, pol("tls13"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(strcmp(a.verdict.summary_code, "version_below_minimum") == 0);

    /* A modern client offering 1.3..1.0: passes with a legacy warning. */
    synth(&a, TLSV_TLS12, v13, 4, s_mixed13, sizeof(s_mixed13));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_WARN));
    CHECK(strcmp(a.verdict.summary_code, "offers_legacy_versions") == 0);
    judge(&a, pol("office365"));
    CHECK(kind_is(&a, VERDICT_WARN));
    judge(&a, pol("tls13"));
    CHECK(kind_is(&a, VERDICT_WARN));

    /* TLS 1.3 only: pass everywhere. */
    synth(&a, TLSV_TLS12, only13, 1, s_tls13, sizeof(s_tls13));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_PASS));
    judge(&a, pol("tls13"));
    CHECK(kind_is(&a, VERDICT_PASS));
    judge(&a, pol("office365"));
    CHECK(kind_is(&a, VERDICT_PASS));

    /* ... but not against a policy that stops at TLS 1.2. */
    {
        struct policy p = *pol("tls12");
        snprintf(p.name, sizeof(p.name), "legacy-server");
        p.max_version = TLSV_TLS12;
        judge(&a, &p);
        CHECK(kind_is(&a, VERDICT_FAIL));
        CHECK(strcmp(a.verdict.summary_code, "version_above_maximum") == 0);
        CHECK(verdict_explain(&a, &p, "version_above_maximum", "en", buf,
                              sizeof(buf)) > 0);
        CHECK(strstr(buf, "TLS 1.3") != NULL && strstr(buf, "TLS 1.2"));
    }

    /* A TLS 1.3 draft is not TLS 1.3: judged by its TLS 1.2. */
    synth(&a, TLSV_TLS12, draft, 3, s_modern12, sizeof(s_modern12));
    judge(&a, pol("tls13"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_highest_offered(&a.ch) == TLSV_TLS12);
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_WARN));

    /* NULL policy means the default (tls12). */
    synth(&a, TLSV_TLS10, NULL, 0, s_cbc10, sizeof(s_cbc10));
    judge(&a, NULL);
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(a.verdict.policy != NULL);
}

static void
test_suites(void)
{
    struct attempt a;
    static const uint16_t v13[] = {TLSV_TLS13, TLSV_TLS12};

    synth(&a, TLSV_TLS12, NULL, 0, s_3des_only, sizeof(s_3des_only));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(strcmp(a.verdict.summary_code, "no_acceptable_suite") == 0);
    CHECK(verdict_has_reason(&a, "only_deprecated_suites"));

    synth(&a, TLSV_TLS12, NULL, 0, s_rc4_only, sizeof(s_rc4_only));
    judge(&a, pol("office365"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "no_acceptable_suite"));

    /* A policy that still accepts 3DES: passes, but warns. */
    {
        struct policy p = *pol("tls12");
        p.refuse_3des = false;
        synth(&a, TLSV_TLS12, NULL, 0, s_3des_only, sizeof(s_3des_only));
        judge(&a, &p);
        CHECK(kind_is(&a, VERDICT_WARN));
        CHECK(strcmp(a.verdict.summary_code, "only_deprecated_suites") ==
              0);
    }

    /* TLS 1.3 suites do not count when the client stops at TLS 1.2. */
    synth(&a, TLSV_TLS12, NULL, 0, s_tls13, sizeof(s_tls13));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "no_acceptable_suite"));

    /* TLS 1.2 suites do not count under a TLS 1.3-only policy. */
    synth(&a, TLSV_TLS12, v13, 2, s_modern12, sizeof(s_modern12));
    judge(&a, pol("tls13"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "no_acceptable_suite"));

    /* GCM cannot be negotiated at TLS 1.0. */
    {
        struct policy p = *pol("tls12");
        p.min_version = TLSV_TLS10;
        synth(&a, TLSV_TLS10, NULL, 0, s_gcm_only, sizeof(s_gcm_only));
        judge(&a, &p);
        CHECK(kind_is(&a, VERDICT_FAIL));
        CHECK(verdict_has_reason(&a, "no_acceptable_suite"));
    }

    /* Only signalling values: nothing to negotiate. */
    synth(&a, TLSV_TLS12, NULL, 0, s_scsv_only, sizeof(s_scsv_only));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));

    /* office365 list: CBC-SHA ECDHE suites are in it. */
    synth(&a, TLSV_TLS12, NULL, 0, s_cbc10, sizeof(s_cbc10));
    judge(&a, pol("office365"));
    CHECK(kind_is(&a, VERDICT_PASS));

    /* Classification. */
    CHECK(verdict_suite_class(0x000a) & VSUITE_3DES);
    CHECK(verdict_suite_class(0x0005) & VSUITE_RC4);
    CHECK(verdict_suite_class(0x0003) & VSUITE_EXPORT);
    CHECK(verdict_suite_class(0x0009) & VSUITE_EXPORT);
    CHECK(verdict_suite_class(0x0002) & VSUITE_NULL);
    CHECK(verdict_suite_class(0x0034) & VSUITE_ANON);
    CHECK(verdict_suite_class(0x5600) == VSUITE_SCSV);
    CHECK(verdict_suite_class(0x1301) == VSUITE_TLS13);
    CHECK(verdict_suite_class(0xc02f) == 0);
}

static void
test_hello_flags(void)
{
    struct attempt a;
    static const uint16_t v13[] = {TLSV_TLS13, TLSV_TLS12};

    /* SSLv2-compatible hello: TLS 1.0 max is a fail, noted. */
    static const uint8_t specs[] = {0x00, 0x00, 0x2f, 0x07, 0x00, 0xc0,
                                    0x00, 0x00, 0x0a};
    synth(&a, TLSV_TLS10, NULL, 0, NULL, 0);
    a.ch.sslv2 = true;
    a.ch.versions[a.ch.num_versions++] = TLSV_SSL2;
    bcur_init(&a.ch.sslv2_cipher_specs, specs, sizeof(specs));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "sslv2_hello"));
    CHECK(strcmp(a.verdict.summary_code, "version_below_minimum") == 0);

    /* SSLv2 form that reaches TLS 1.2: a warning only. */
    synth(&a, TLSV_TLS12, NULL, 0, NULL, 0);
    a.ch.sslv2 = true;
    bcur_init(&a.ch.sslv2_cipher_specs, specs, sizeof(specs));
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_WARN));
    CHECK(strcmp(a.verdict.summary_code, "sslv2_hello") == 0);

    /* Malformed hello (partially decoded). */
    synth(&a, TLSV_TLS12, NULL, 0, s_modern12, sizeof(s_modern12));
    a.ch.status = CH_ERR_EXT_TRUNCATED;
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(strcmp(a.verdict.summary_code, "malformed_hello") == 0);

    /* Malformed at the record layer: no hello at all. */
    memset(&a, 0, sizeof(a));
    a.end = END_MALFORMED;
    a.capture_error = "bad_content_type";
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "malformed_hello"));

    /* capture_error is not always about the hello. */
    memset(&a, 0, sizeof(a));
    a.end = END_REFUSED;
    a.capture_error = "max_connections";
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_UNKNOWN));
    CHECK(!verdict_has_reason(&a, "malformed_hello"));
    CHECK(strcmp(a.verdict.summary_code, "refused_at_accept") == 0);
    /* A proxy front door's refusal is its own reason, not the limit. */
    memset(&a, 0, sizeof(a));
    a.end = END_REFUSED;
    a.relay.active = true;
    a.relay.front_error = "port_not_allowed";
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_UNKNOWN));
    CHECK(strcmp(a.verdict.summary_code, "proxy_refused") == 0);
    CHECK(!verdict_has_reason(&a, "refused_at_accept"));
    memset(&a, 0, sizeof(a));
    a.end = END_LIMIT;
    a.capture_error = "plaintext_line_too_long";
    judge(&a, pol("tls12"));
    CHECK(!verdict_has_reason(&a, "malformed_hello"));
    CHECK(verdict_has_reason(&a, "limit_hit"));
    /* A relayed attempt whose hello the record layer rejected. */
    memset(&a, 0, sizeof(a));
    snprintf(a.mode, sizeof(a.mode), "relay");
    a.end = END_RELAYED;
    a.capture_error = "malformed";
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "malformed_hello"));

    /* Fallback SCSV: informational. */
    synth(&a, TLSV_TLS12, NULL, 0, s_modern12, sizeof(s_modern12));
    a.ch.fallback_scsv = true;
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_PASS));
    CHECK(verdict_has_reason(&a, "fallback_scsv_seen"));

    /* SNI required by a user policy. */
    {
        struct policy p = *pol("tls12");
        p.require_sni = true;
        synth(&a, TLSV_TLS12, v13, 2, s_mixed13, sizeof(s_mixed13));
        judge(&a, &p);
        CHECK(kind_is(&a, VERDICT_WARN));
        CHECK(strcmp(a.verdict.summary_code, "no_sni") == 0);
        a.ch.has_sni = true;
        judge(&a, &p);
        CHECK(kind_is(&a, VERDICT_PASS));
    }

    /* The client refused our certificate: expected, still a pass. */
    synth(&a, TLSV_TLS12, NULL, 0, s_modern12, sizeof(s_modern12));
    a.end = END_HANDSHAKE_FAILED;
    a.num_alerts = 1;
    a.alerts[0].from_server = false;
    a.alerts[0].level = 2;
    a.alerts[0].description = 48;
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_PASS));
    CHECK(verdict_has_reason(&a, "handshake_refused_certificate"));

    /* Relay: the real server refused. */
    synth(&a, TLSV_TLS10, NULL, 0, s_cbc10, sizeof(s_cbc10));
    snprintf(a.mode, sizeof(a.mode), "relay");
    a.end = END_RELAYED;
    a.num_alerts = 1;
    a.alerts[0].from_server = true;
    a.alerts[0].level = 2;
    a.alerts[0].description = 70;
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(verdict_has_reason(&a, "server_rejected"));
    CHECK(strcmp(a.verdict.summary_code, "version_below_minimum") == 0);
    /* A server alert in test mode is our own doing: not a reason. */
    snprintf(a.mode, sizeof(a.mode), "test");
    judge(&a, pol("tls12"));
    CHECK(!verdict_has_reason(&a, "server_rejected"));

    /* Port mismatch, hello still judged. */
    synth(&a, TLSV_TLS12, NULL, 0, s_modern12, sizeof(s_modern12));
    a.tls_on_starttls_port = true;
    judge(&a, pol("tls12"));
    CHECK(kind_is(&a, VERDICT_FAIL));
    CHECK(strcmp(a.verdict.summary_code, "tls_on_starttls_port") == 0);
}

struct end_case {
    enum attempt_end end;
    bool implicit_tls;
    bool starttls_requested;
    bool plaintext_login;
    enum verdict_kind kind;
    const char *summary;
};

static void
test_ends(void)
{
    static const struct end_case cases[] = {
        {END_CLIENT_QUIT, false, false, false, VERDICT_FAIL,
         "no_tls_attempted"},
        {END_TIMEOUT_PLAINTEXT, false, false, false, VERDICT_FAIL,
         "no_tls_attempted"},
        {END_CLIENT_CLOSED, false, false, false, VERDICT_FAIL,
         "no_tls_attempted"},
        {END_CLIENT_QUIT, false, false, true, VERDICT_FAIL,
         "plaintext_login"},
        {END_PLAINTEXT_ON_TLS_PORT, true, false, false, VERDICT_FAIL,
         "plaintext_on_tls_port"},
        {END_TLS_ON_PLAIN_PORT, false, false, false, VERDICT_FAIL,
         "tls_on_starttls_port"},
        {END_NOT_TLS, false, true, false, VERDICT_FAIL, "not_tls"},
        {END_CLIENT_CLOSED, false, true, false, VERDICT_UNKNOWN,
         "client_vanished"},
        {END_CLIENT_CLOSED, true, false, false, VERDICT_UNKNOWN,
         "client_vanished"},
        {END_TIMEOUT_HELLO, true, false, false, VERDICT_UNKNOWN,
         "timeout_hello"},
        {END_TOO_BIG, true, false, false, VERDICT_UNKNOWN, "too_big"},
        {END_LIMIT, false, false, false, VERDICT_UNKNOWN, "limit_hit"},
        {END_REFUSED, false, false, false, VERDICT_UNKNOWN,
         "refused_at_accept"},
        {END_UPSTREAM_FAILED, false, false, false, VERDICT_UNKNOWN,
         "upstream_failed"},
        {END_SHUTDOWN, false, false, false, VERDICT_UNKNOWN, "shutdown"},
        {END_NONE, false, false, false, VERDICT_UNKNOWN, NULL},
    };
    static const char *const pols[] = {"tls12", "office365", "tls13"};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t j = 0; j < 3; j++) {
            struct attempt a;
            memset(&a, 0, sizeof(a));
            snprintf(a.mode, sizeof(a.mode), "test");
            a.end = cases[i].end;
            a.implicit_tls = cases[i].implicit_tls;
            a.starttls_requested = cases[i].starttls_requested;
            a.plaintext_login = cases[i].plaintext_login;
            judge(&a, pol(pols[j]));
            if (a.verdict.kind != cases[i].kind ||
                (cases[i].summary == NULL) !=
                    (a.verdict.summary_code == NULL) ||
                (cases[i].summary != NULL &&
                 strcmp(cases[i].summary, a.verdict.summary_code) != 0)) {
                fprintf(stderr, "end case %zu (%s) policy %s: %s/%s\n", i,
                        attempt_end_str(cases[i].end), pols[j],
                        verdict_kind_str(a.verdict.kind),
                        a.verdict.summary_code ? a.verdict.summary_code
                                               : "-");
                CHECK(!"end case");
            }
            CHECK(strcmp(a.verdict.policy, pols[j]) == 0);
        }
    }
}

static void
test_texts(void)
{
    size_t n;
    const char *const *codes = verdict_reason_codes(&n);

    CHECK(n >= 23);
    for (size_t i = 0; i < n; i++) {
        const char *en = verdict_reason_text(codes[i], "en");
        const char *ja = verdict_reason_text(codes[i], "ja_JP.UTF-8");
        CHECK(en != NULL && strlen(en) > 20);
        CHECK(ja != NULL && strlen(ja) > 20);
        CHECK(en != ja && strcmp(en, ja) != 0);
        /* Japanese text: at least one multi-byte UTF-8 character. */
        CHECK(ja != NULL && strstr(ja, "\xe3") != NULL);
    }
    CHECK(verdict_reason_text("no_such_code", "en") == NULL);
    CHECK(verdict_reason_severity("version_below_minimum") == VSEV_FAIL);
    CHECK(verdict_reason_severity("fallback_scsv_seen") == VSEV_INFO);
    CHECK(strcmp(verdict_version_str(0x7f17), "TLS 1.3 draft 23") == 0);
    CHECK(strcmp(verdict_version_str(0x0300), "SSL 3.0") == 0);
    CHECK(verdict_version_rank(0x7f17) == 0);
    CHECK(verdict_version_rank(0x0a0a) == 0);
}

/* ---- real hello bytes ---------------------------------------------------- */

static uint8_t scratch[65536];

static bool
load_hello(struct attempt *a, const char *dir, const char *name,
           uint8_t **raw, size_t *raw_len)
{
    char path[1024];
    struct tlsrec_hello rec;
    enum tlsrec_status st;
    enum ch_status cs;

    snprintf(path, sizeof(path), "%s/loopback-real-clients/hello/%s", dir,
             name);
    *raw = tl_read_file(path, raw_len);
    if (*raw == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        CHECK(!"corpus file");
        return false;
    }
    memset(a, 0, sizeof(*a));
    snprintf(a->mode, sizeof(a->mode), "test");
    st = tlsrec_scan_hello(&rec, scratch, sizeof(scratch), *raw, *raw_len,
                           sizeof(scratch));
    CHECK(st == TLSREC_OK);
    if (st != TLSREC_OK) {
        return false;
    }
    cs = clienthello_parse_hello(&a->ch, &rec);
    a->have_hello = true;
    a->raw = *raw;
    a->raw_len = *raw_len;
    a->end = END_HELLO_CAPTURED;
    (void)cs; /* a malformed hello is still judged */
    return true;
}

struct corpus_case {
    const char *file;
    const char *policy;
    enum verdict_kind kind;
    const char *summary;   /* NULL: no summary (pass) */
    const char *also;      /* another reason that must be present */
};

static void
test_corpus(void)
{
    static const struct corpus_case cases[] = {
        /* IE 8-10 on Windows 7: SChannel default, TLS 1.0 only. */
        {"orig_replay.14.bin", "tls12", VERDICT_FAIL,
         "version_below_minimum", NULL},
        {"orig_replay.14.bin", "office365", VERDICT_FAIL,
         "version_below_minimum", NULL},
        /* IE 11 on Windows 7 asks for TLS 1.2 explicitly. */
        {"orig_replay.19.bin", "tls12", VERDICT_PASS, NULL, NULL},
        {"orig_replay.19.bin", "office365", VERDICT_PASS, NULL, NULL},
        {"orig_replay.19.bin", "tls13", VERDICT_FAIL,
         "version_below_minimum", NULL},
        /* IE 6 on XP: SSLv2-compatible hello, SSL 3.0. */
        {"orig_replay.12.bin", "tls12", VERDICT_FAIL,
         "version_below_minimum", "sslv2_hello"},
        /* Java 6u45: SSLv2-compatible, TLS 1.0. */
        {"orig_replay.48.bin", "tls12", VERDICT_FAIL,
         "version_below_minimum", "sslv2_hello"},
        /* Thunderbird 91.9: TLS 1.3 + 1.2 only. */
        {"orig_replay.52.bin", "tls12", VERDICT_PASS, NULL, NULL},
        {"orig_replay.52.bin", "tls13", VERDICT_WARN,
         "offers_legacy_versions", NULL},
        /* Thunderbird 60.6: still offers 1.0/1.1. */
        {"orig_replay.50.bin", "tls12", VERDICT_WARN,
         "offers_legacy_versions", NULL},
        /* openssl s_client defaults and forced versions. */
        {"ossl_tls.0.bin", "tls12", VERDICT_WARN, "offers_legacy_versions",
         NULL},
        {"ossl_tls1_0.0.bin", "office365", VERDICT_FAIL,
         "version_below_minimum", NULL},
        {"ossl_tls1_2.0.bin", "office365", VERDICT_PASS, NULL, NULL},
        {"ossl_tls1_3.0.bin", "tls13", VERDICT_PASS, NULL, NULL},
        {"ossl_tls1_3.0.bin", "office365", VERDICT_PASS, NULL, NULL},
        /* Fallback retries carry the SCSV. */
        {"nss_fallback.0.bin", "tls12", VERDICT_FAIL,
         "version_below_minimum", "fallback_scsv_seen"},
        {"ossl_fallback.0.bin", "tls12", VERDICT_FAIL,
         "version_below_minimum", "fallback_scsv_seen"},
        /* Thunderbird 153 forced to TLS 1.0. */
        {"tb_imap_tls10.0.bin", "tls12", VERDICT_FAIL,
         "version_below_minimum", NULL},
        {"tb_imap.0.bin", "tls12", VERDICT_PASS, NULL, NULL},
    };
    const char *dir = getenv("SHARED_CORPUS");

    if (dir == NULL || dir[0] == '\0') {
        printf("test_verdict: SHARED_CORPUS unset, corpus cases skipped\n");
        return;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct attempt a;
        uint8_t *raw = NULL;
        size_t raw_len = 0;
        const struct corpus_case *c = &cases[i];

        if (!load_hello(&a, dir, c->file, &raw, &raw_len)) {
            free(raw);
            continue;
        }
        judge(&a, pol(c->policy));
        if (a.verdict.kind != c->kind ||
            (c->summary == NULL) != (a.verdict.summary_code == NULL) ||
            (c->summary != NULL &&
             strcmp(c->summary, a.verdict.summary_code) != 0) ||
            (c->also != NULL && !verdict_has_reason(&a, c->also))) {
            fprintf(stderr, "corpus %s / %s: %s/%s\n", c->file, c->policy,
                    verdict_kind_str(a.verdict.kind),
                    a.verdict.summary_code ? a.verdict.summary_code : "-");
            CHECK(!"corpus case");
        }
        free(raw);
    }
}

static void
test_coverage(void)
{
    size_t n;
    const char *const *codes = verdict_reason_codes(&n);

    for (size_t i = 0; i < n && i < 64; i++) {
        if (!seen[i]) {
            fprintf(stderr, "reason never produced: %s\n", codes[i]);
        }
        CHECK(seen[i]);
    }
}

int
main(void)
{
    test_versions();
    test_suites();
    test_hello_flags();
    test_ends();
    test_texts();
    test_corpus();
    test_coverage();
    return tl_done("test_verdict");
}
