/*
 * test_identify.c - the shipped fingerprint table loads and every row is
 * well formed and cites a source; lookups by JA4 (exact and SNI-flipped),
 * JA3, IMAP ID and User-Agent work; unknown stays unknown; the loader's
 * errors name the file and line. With SHARED_CORPUS, real hellos go
 * through the parser, fingerprint.c and the lookup end to end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "clienthello.h"
#include "fingerprint.h"
#include "fpdb.h"
#include "identify.h"
#include "tl.h"
#include "tlsrec.h"

static struct fpdb db;

static void
test_table(void)
{
    struct config_error err;
    size_t schannel = 0, with_ja4 = 0;

    memset(&err, 0, sizeof(err));
    CHECK(fpdb_load_file(&db, fpdb_default_path(), &err) == 0);
    if (db.num_rows == 0) {
        fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.msg);
    }
    CHECK(db.num_rows > 100);
    for (size_t i = 0; i < db.num_rows; i++) {
        const struct fp_row *r = &db.rows[i];
        CHECK(fpdb_row_check(r) == NULL);
        CHECK(strlen(r->source) > 20);
        CHECK(r->origin[0] != '\0');
        if (strcmp(r->family, "Windows SChannel") == 0) {
            schannel++;
        }
        if (r->ja4[0] != '\0') {
            with_ja4++;
            /* Keys are unique. */
            CHECK(fpdb_find_ja4(&db, r->ja4) == r);
        }
    }
    CHECK(schannel >= 10);
    CHECK(with_ja4 > 100);
}

static void
set_hint(uint8_t *dst, size_t *len, const char *s)
{
    attempt_set_hint(dst, len, (const uint8_t *)s, strlen(s));
}

static void
test_lookups(void)
{
    struct attempt a;
    char flipped[FP_JA4_MAX];

    /* IE 8-10 on Windows 7: Schannel, TLS 1.0 only. */
    memset(&a, 0, sizeof(a));
    identify_client(&a, &db, "t10d120500_d94e65cdb899_c35b4a14be45", NULL);
    CHECK(a.verdict.client_family != NULL &&
          strcmp(a.verdict.client_family, "Windows SChannel") == 0);
    CHECK(a.verdict.client_os != NULL &&
          strstr(a.verdict.client_os, "Windows 7") != NULL);
    CHECK(strcmp(a.verdict.client_source, "ja4") == 0);
    CHECK(strcmp(a.verdict.client_confidence, "high") == 0);

    /* SNI flip: d <-> i and the extension count. */
    CHECK(ja4_sni_flip("t10d120500_d94e65cdb899_c35b4a14be45", flipped));
    CHECK(strcmp(flipped, "t10i120400_d94e65cdb899_c35b4a14be45") == 0);
    CHECK(ja4_sni_flip(flipped, flipped));
    CHECK(strcmp(flipped, "t10d120500_d94e65cdb899_c35b4a14be45") == 0);
    CHECK(!ja4_sni_flip("t10d120000_d94e65cdb899_c35b4a14be45", flipped));
    CHECK(!ja4_sni_flip("garbage", flipped));
    {
        struct fpdb small = {0};
        struct fp_row r;
        memset(&r, 0, sizeof(r));
        snprintf(r.ja4, sizeof(r.ja4), "t12d1909s3_f609cb3cb89c_6ed2096ec1d1");
        snprintf(r.family, sizeof(r.family), "Windows SChannel");
        snprintf(r.client, sizeof(r.client), "IE 11 Win Phone 8.1");
        snprintf(r.confidence, sizeof(r.confidence), "high");
        snprintf(r.source, sizeof(r.source), "test row");
        CHECK(fpdb_put(&small, &r) == 0);
        memset(&a, 0, sizeof(a));
        identify_client(&a, &small, "t12i1908s3_f609cb3cb89c_6ed2096ec1d1",
                        NULL);
        CHECK(a.verdict.client_family != NULL);
        CHECK(a.verdict.client_source != NULL &&
              strcmp(a.verdict.client_source, "ja4_sni_flipped") == 0);
        /* A later row with the same key replaces the earlier one. */
        snprintf(r.client, sizeof(r.client), "override");
        CHECK(fpdb_put(&small, &r) == 0);
        CHECK(small.num_rows == 1);
        CHECK(strcmp(small.rows[0].client, "override") == 0);
        fpdb_cleanup(&small);
        fpdb_cleanup(&small);
    }

    /* JA3 only (FingerprinTLS row): Outlook 2007 on Windows 8.1. */
    memset(&a, 0, sizeof(a));
    identify_client(&a, &db, "t99x000000_000000000000_000000000000",
                    "53eb89fe6147474039c1162e4d9d3dc0");
    CHECK(a.verdict.client_family != NULL &&
          strcmp(a.verdict.client_family, "Windows SChannel") == 0);
    CHECK(a.verdict.client_source != NULL &&
          strcmp(a.verdict.client_source, "ja3") == 0);
    CHECK(a.verdict.client_detail != NULL &&
          strstr(a.verdict.client_detail, "Outlook 2007") != NULL);

    /* Unknown stays unknown. */
    memset(&a, 0, sizeof(a));
    identify_client(&a, &db, "t13d9999h2_000000000001_000000000002",
                    "00000000000000000000000000000000");
    CHECK(a.verdict.client_family == NULL);
    CHECK(a.verdict.client_detail == NULL);
    CHECK(a.verdict.client_source == NULL);
    identify_client(&a, NULL, NULL, NULL);
    CHECK(a.verdict.client_family == NULL);

    /* Outlook's User-Agent (CONNECT proxy): Windows NT 6.1 = Windows 7. */
    memset(&a, 0, sizeof(a));
    set_hint(a.user_agent, &a.user_agent_len,
             "Microsoft Office/16.0 (Windows NT 6.1; Microsoft Outlook "
             "16.0.4266; Pro)");
    identify_client(&a, &db, NULL, NULL);
    CHECK(a.verdict.client_family != NULL &&
          strcmp(a.verdict.client_family, "Windows SChannel") == 0);
    CHECK(a.verdict.client_detail != NULL &&
          strstr(a.verdict.client_detail, "Outlook 2016") != NULL);
    CHECK(a.verdict.client_os != NULL &&
          strstr(a.verdict.client_os, "Windows 7") != NULL);
    CHECK(strcmp(a.verdict.client_source, "user_agent") == 0);

    /* ... combined with the Schannel fingerprint. */
    identify_client(&a, &db, "t10d120500_d94e65cdb899_c35b4a14be45", NULL);
    CHECK(strcmp(a.verdict.client_source, "ja4+user_agent") == 0);
    CHECK(strstr(a.verdict.client_detail, "Outlook") != NULL);
    CHECK(strcmp(a.verdict.client_os, "Windows 7 / Server 2008 R2") == 0);

    /* Outlook 2010 on XP. */
    memset(&a, 0, sizeof(a));
    set_hint(a.user_agent, &a.user_agent_len,
             "Microsoft Office/14.0 (Windows NT 5.1; Microsoft Outlook "
             "14.0.7015; Pro)");
    identify_client(&a, &db, NULL, NULL);
    CHECK(strstr(a.verdict.client_detail, "Outlook 2010") != NULL);
    CHECK(strcmp(a.verdict.client_os, "Windows XP") == 0);
    CHECK(identify_windows_nt(6, 3) != NULL &&
          strstr(identify_windows_nt(6, 3), "8.1") != NULL);
    CHECK(identify_windows_nt(10, 0) != NULL);
    CHECK(identify_windows_nt(4, 0) == NULL);

    /* IMAP ID: Thunderbird and iOS Mail. */
    memset(&a, 0, sizeof(a));
    set_hint(a.id_name, &a.id_name_len, "Thunderbird");
    set_hint(a.id_version, &a.id_version_len, "52.4.0");
    identify_client(&a, &db, NULL, NULL);
    CHECK(strcmp(a.verdict.client_family, "Mozilla NSS") == 0);
    CHECK(strcmp(a.verdict.client_detail, "Thunderbird 31 to 77") == 0);
    CHECK(strcmp(a.verdict.client_source, "imap_id") == 0);
    set_hint(a.id_version, &a.id_version_len, "24.8.1");
    identify_client(&a, &db, NULL, NULL);
    CHECK(strcmp(a.verdict.client_detail, "Thunderbird 30 or earlier") == 0);

    memset(&a, 0, sizeof(a));
    set_hint(a.id_name, &a.id_name_len, "iPhone Mail");
    set_hint(a.id_os, &a.id_os_len, "iOS");
    set_hint(a.id_os_version, &a.id_os_version_len, "9.3.5 (13G36)");
    identify_client(&a, &db, NULL, NULL);
    CHECK(strcmp(a.verdict.client_family, "Apple TLS stack") == 0);
    CHECK(strcmp(a.verdict.client_os, "iOS 9 or earlier") == 0);
    set_hint(a.id_os_version, &a.id_os_version_len, "17.1.2 (21B101)");
    identify_client(&a, &db, NULL, NULL);
    CHECK(strcmp(a.verdict.client_os, "iOS 10 or later") == 0);

    /* A name we do not know: not invented. */
    memset(&a, 0, sizeof(a));
    set_hint(a.id_name, &a.id_name_len, "SomeMailer");
    set_hint(a.ehlo_name, &a.ehlo_name_len, "[192.0.2.1]");
    identify_client(&a, &db, NULL, NULL);
    CHECK(a.verdict.client_family == NULL);
}

static int
load_text(const char *text, struct config_error *err)
{
    struct fpdb t = {0};
    int rc;

    memset(err, 0, sizeof(*err));
    rc = fpdb_load_buffer(&t, "user.json", text, strlen(text), err);
    fpdb_cleanup(&t);
    return rc;
}

static void
test_loader_errors(void)
{
    struct config_error err;
    struct fpdb t = {0};
    const char *good =
        "{\"format\": \"tlsready-fingerprints\", \"version\": 1,\n"
        " \"rows\": [\n"
        "  {\"ja4\": \"t10d120500_d94e65cdb899_c35b4a14be45\",\n"
        "   \"family\": \"Windows SChannel\", \"client\": \"my Outlook\",\n"
        "   \"confidence\": \"high\", \"source\": \"our helpdesk capture\"},\n"
        "  {\"imap_id_name\": \"MyMailer\", \"family\": \"OpenSSL\",\n"
        "   \"client\": \"MyMailer\", \"confidence\": \"medium\",\n"
        "   \"source\": \"vendor says so\"}\n"
        " ]}\n";

    CHECK(load_text(good, &err) == 0);

    CHECK(load_text("{\"format\": \"tlsready-fingerprints\",\n\"version\": 1,"
                    "\n\"rows\": [\n{\"ja4\": }]}",
                    &err) == -1);
    CHECK(err.line == 4);
    CHECK(strstr(err.msg, "syntax") != NULL);
    CHECK(strcmp(err.file, "user.json") == 0);

    CHECK(load_text("{\"format\": \"x\", \"version\": 1, \"rows\": []}",
                    &err) == -1);
    CHECK(strstr(err.msg, "not a fingerprint file") != NULL);
    CHECK(load_text("{\"format\": \"tlsready-fingerprints\", \"version\": 9,"
                    " \"rows\": []}",
                    &err) == -1);

    CHECK(load_text("{\"format\": \"tlsready-fingerprints\", \"version\": 1,"
                    "\n\"rows\": [\n{\"ja4\": \"t10d120500_d94e65cdb899_"
                    "c35b4a14be45\",\n \"famly\": \"x\"}]}",
                    &err) == -1);
    CHECK(strstr(err.msg, "unknown field famly") != NULL);
    CHECK(err.line == 4);

    CHECK(load_text("{\"format\": \"tlsready-fingerprints\", \"version\": 1,"
                    "\n\"rows\": [\n{\"ja4\": \"t10d120500_d94e65cdb899_"
                    "c35b4a14be45\", \"family\": \"x\", \"client\": \"y\", "
                    "\"confidence\": \"high\"}]}",
                    &err) == -1);
    CHECK(strstr(err.msg, "source") != NULL);
    CHECK(err.line == 3);

    CHECK(load_text("{\"format\": \"tlsready-fingerprints\", \"version\": 1,"
                    "\"rows\": [{\"ja4\": \"nope\", \"family\": \"x\", "
                    "\"client\": \"y\", \"confidence\": \"high\", "
                    "\"source\": \"z\"}]}",
                    &err) == -1);
    CHECK(strstr(err.msg, "ja4") != NULL);
    CHECK(load_text("{\"format\": \"tlsready-fingerprints\", \"version\": 1,"
                    "\"rows\": [{\"ja3\": 5}]}",
                    &err) == -1);
    CHECK(strstr(err.msg, "string") != NULL);

    /* A user file overrides the shipped row by key; a bad file changes
     * nothing. */
    CHECK(fpdb_load_file(&t, fpdb_default_path(), &err) == 0);
    size_t before = t.num_rows;
    CHECK(fpdb_load_buffer(&t, "user.json", good, strlen(good), &err) == 0);
    CHECK(t.num_rows == before + 1);
    CHECK(strcmp(fpdb_find_ja4(&t, "t10d120500_d94e65cdb899_c35b4a14be45")
                     ->client,
                 "my Outlook") == 0);
    CHECK(fpdb_load_buffer(&t, "bad.json", "{", 1, &err) == -1);
    CHECK(t.num_rows == before + 1);
    CHECK(fpdb_load_file(&t, "/nonexistent/fp.json", &err) == -1);
    CHECK(strstr(err.msg, "cannot open") != NULL);
    CHECK(fpdb_load_file(&t, "/", &err) == -1);
    CHECK(t.num_rows == before + 1);
    fpdb_cleanup(&t);
}

/* End to end: bytes -> parser -> fingerprint.c -> table. */
static uint8_t scratch[65536];

struct e2e_case {
    const char *file;
    const char *family;
    const char *os_part;
};

static void
test_corpus(void)
{
    static const struct e2e_case cases[] = {
        {"orig_replay.14.bin", "Windows SChannel", "Windows 7"},
        {"tsall_http.94.bin", "Windows SChannel", "Windows 7"},
        {"orig_replay.13.bin", "Windows SChannel", "Vista"},
        {"orig_replay.16.bin", "Windows SChannel", "XP"},
        {"orig_replay.12.bin", "Windows SChannel", "XP"},
        {"orig_replay.19.bin", "Windows SChannel", "Windows 7"},
        {"orig_replay.49.bin", "Apple TLS stack", NULL},
        {"orig_replay.50.bin", "Mozilla NSS", NULL},
        {"tb_imap.0.bin", "Mozilla NSS", "Debian"},
        {"ossl_tls1_0.0.bin", "OpenSSL", "Debian"},
        {"gnutls_imap.0.bin", "GnuTLS", NULL},
        {"java_tls12.0.bin", "Java JSSE", NULL},
        {"orig_replay.48.bin", "Android platform TLS / Java JSSE", NULL},
    };
    const char *dir = getenv("SHARED_CORPUS");
    struct fingerprint fp;

    if (dir == NULL || dir[0] == '\0') {
        printf("test_identify: SHARED_CORPUS unset, corpus cases skipped\n");
        return;
    }
    fp_init(&fp, FP_DEFAULT_MAX_TEXT);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[1024];
        uint8_t *raw;
        size_t len;
        struct tlsrec_hello rec;
        struct attempt a;
        enum ch_status cs;

        snprintf(path, sizeof(path), "%s/loopback-real-clients/hello/%s",
                 dir, cases[i].file);
        raw = tl_read_file(path, &len);
        CHECK(raw != NULL);
        if (raw == NULL) {
            continue;
        }
        memset(&a, 0, sizeof(a));
        CHECK(tlsrec_scan_hello(&rec, scratch, sizeof(scratch), raw, len,
                                sizeof(scratch)) == TLSREC_OK);
        cs = clienthello_parse_hello(&a.ch, &rec);
        CHECK(cs == CH_OK);
        CHECK(fp_compute(&fp, &a.ch));
        identify_client(&a, &db, fp.ja4, fp.ja3_md5);
        if (a.verdict.client_family == NULL ||
            strcmp(a.verdict.client_family, cases[i].family) != 0 ||
            (cases[i].os_part != NULL &&
             (a.verdict.client_os == NULL ||
              strstr(a.verdict.client_os, cases[i].os_part) == NULL))) {
            fprintf(stderr, "%s (%s): family %s os %s\n", cases[i].file,
                    fp.ja4,
                    a.verdict.client_family ? a.verdict.client_family : "-",
                    a.verdict.client_os ? a.verdict.client_os : "-");
            CHECK(!"corpus identification");
        }
        free(raw);
    }
    fp_cleanup(&fp);
}

int
main(void)
{
    test_table();
    test_lookups();
    test_loader_errors();
    test_corpus();
    fpdb_cleanup(&db);
    return tl_done("test_identify");
}
