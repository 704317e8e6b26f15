/*
 * test_advice.c - every catalogue item is selected by its condition, both
 * languages render, and the Windows 7 items reproduce the seed notice's
 * registry keys, value names, types and data exactly (EN and JA).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "attempt.h"
#include "clienthello.h"
#include "fingerprint.h"
#include "fpdb.h"
#include "identify.h"
#include "policy.h"
#include "tl.h"
#include "tlsrec.h"
#include "verdict.h"

static void
mk(struct attempt *a, const char *proto, const char *reason,
   const char *family, const char *detail, const char *os)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->protocol, sizeof(a->protocol), "%s", proto);
    a->verdict.kind = VERDICT_FAIL;
    a->verdict.policy = "tls12";
    if (reason != NULL) {
        a->verdict.reasons[0] = reason;
        a->verdict.num_reasons = 1;
        a->verdict.summary_code = reason;
    }
    a->verdict.client_family = family;
    a->verdict.client_detail = detail;
    a->verdict.client_os = os;
}

static bool
picked(const struct attempt *a, const char *id)
{
    for (size_t i = 0; i < a->verdict.num_advice; i++) {
        if (strcmp(a->verdict.advice[i], id) == 0) {
            return true;
        }
    }
    return false;
}

static size_t
pos_of(const struct attempt *a, const char *id)
{
    for (size_t i = 0; i < a->verdict.num_advice; i++) {
        if (strcmp(a->verdict.advice[i], id) == 0) {
            return i;
        }
    }
    return 99;
}

static bool seen[64];

static void
note(const struct attempt *a)
{
    size_t n;
    const struct advice *all = advice_all(&n);

    for (size_t i = 0; i < a->verdict.num_advice; i++) {
        for (size_t j = 0; j < n && j < 64; j++) {
            if (strcmp(all[j].id, a->verdict.advice[i]) == 0) {
                seen[j] = true;
            }
        }
    }
}

static void
run(struct attempt *a)
{
    advice_apply(a);
    note(a);
}

static void
test_conditions(void)
{
    struct attempt a;

    /* The seed's case: Outlook on Windows 7, system default. */
    mk(&a, "imap", "version_below_minimum", "Windows SChannel",
       "IE 8-10 Win 7", "Windows Vista / Windows 7");
    run(&a);
    CHECK(picked(&a, "win7-schannel-tls12-client"));
    CHECK(picked(&a, "win7-outlook-winhttp"));
    CHECK(picked(&a, "xp-vista-unfixable")); /* the row is Vista or 7 */
    CHECK(picked(&a, "dotnet"));
    CHECK(picked(&a, "o365-legacy-endpoints"));
    CHECK(!picked(&a, "generic-update"));
    /* POP/IMAP: step B first (seed §3). */
    CHECK(pos_of(&a, "win7-schannel-tls12-client") <
          pos_of(&a, "win7-outlook-winhttp"));

    /* Exchange over HTTPS with Outlook's User-Agent: step A first. */
    mk(&a, "https", "version_below_minimum", "Windows SChannel",
       "Microsoft Outlook 2016 or later (Office 16.0)",
       "Windows 7 / Server 2008 R2");
    run(&a);
    CHECK(pos_of(&a, "win7-outlook-winhttp") <
          pos_of(&a, "win7-schannel-tls12-client"));
    CHECK(!picked(&a, "dotnet"));
    CHECK(!picked(&a, "xp-vista-unfixable"));
    CHECK(!picked(&a, "o365-legacy-endpoints")); /* not POP/IMAP/SMTP */

    /* A passing Windows 7 client gets no Windows 7 advice. */
    mk(&a, "imap", NULL, "Windows SChannel", "IE 11 Win 7", "Windows 7");
    a.verdict.kind = VERDICT_PASS;
    run(&a);
    CHECK(a.verdict.num_advice == 0);

    mk(&a, "smtp", "version_below_minimum", "Windows SChannel", "IE 8 XP",
       "Windows XP");
    run(&a);
    CHECK(picked(&a, "xp-vista-unfixable"));
    CHECK(!picked(&a, "win7-schannel-tls12-client"));

    mk(&a, "https", NULL, "Windows SChannel",
       "Microsoft Outlook 2010 (Office 14.0)", "Windows 7 / Server 2008 R2");
    run(&a);
    CHECK(picked(&a, "outlook-2007-2010-no-modern-auth"));

    mk(&a, "imap", "version_below_minimum", "Mozilla NSS",
       "Thunderbird 30 or earlier", NULL);
    run(&a);
    CHECK(picked(&a, "thunderbird-old"));

    mk(&a, "imap", "version_below_minimum", "Apple TLS stack",
       "Apple Mail for iOS/iPadOS", "iOS 9 or earlier");
    run(&a);
    CHECK(picked(&a, "apple-mail-old"));

    mk(&a, "imap", "version_below_minimum", "Android platform TLS",
       "Android 4.3", "Android 4.3");
    run(&a);
    CHECK(picked(&a, "android-old"));

    mk(&a, "smtp", "version_below_minimum", "Java JSSE", "Java 7u25", NULL);
    run(&a);
    CHECK(picked(&a, "java7"));

    mk(&a, "smtp", "version_below_minimum", "OpenSSL", "OpenSSL 0.9.8y",
       NULL);
    run(&a);
    CHECK(picked(&a, "tls-library-old"));

    mk(&a, "imap", "no_acceptable_suite", NULL, NULL, NULL);
    run(&a);
    CHECK(picked(&a, "office365-3des-rc4"));
    CHECK(!picked(&a, "generic-update"));

    mk(&a, "imap", "plaintext_login", NULL, NULL, NULL);
    run(&a);
    CHECK(picked(&a, "enable-encryption"));
    mk(&a, "pop3", "no_tls_attempted", NULL, NULL, NULL);
    run(&a);
    CHECK(picked(&a, "enable-encryption"));

    mk(&a, "imap", "tls_on_starttls_port", NULL, NULL, NULL);
    run(&a);
    CHECK(picked(&a, "port-security-mismatch"));
    mk(&a, "tls", "plaintext_on_tls_port", NULL, NULL, NULL);
    run(&a);
    CHECK(picked(&a, "port-security-mismatch"));

    mk(&a, "imap", "version_below_minimum", NULL, NULL, NULL);
    run(&a);
    CHECK(picked(&a, "generic-update"));
    CHECK(picked(&a, "o365-legacy-endpoints"));
    /* Not an Office 365 policy: no legacy endpoints. */
    mk(&a, "imap", "version_below_minimum", NULL, NULL, NULL);
    a.verdict.policy = "tls13";
    run(&a);
    CHECK(!picked(&a, "o365-legacy-endpoints"));

    /* Nothing wrong, nothing to say. */
    mk(&a, "imap", NULL, NULL, NULL, NULL);
    a.verdict.kind = VERDICT_PASS;
    run(&a);
    CHECK(a.verdict.num_advice == 0);

    /* Bounded output. */
    {
        const char *ids[2];
        mk(&a, "imap", "version_below_minimum", "Windows SChannel", "x",
           "Windows Vista / Windows 7");
        CHECK(advice_select(&a, ids, 2) == 2);
        CHECK(advice_select(&a, ids, 0) == 0);
    }
}

static void
test_texts(void)
{
    size_t n;
    const struct advice *all = advice_all(&n);
    const struct advice *w, *s, *d;
    const char *ja, *en;

    CHECK(n >= 15);
    for (size_t i = 0; i < n; i++) {
        CHECK(advice_get(all[i].id) != NULL);
        CHECK(strlen(advice_text(&all[i], "en")) > 40);
        CHECK(strlen(advice_text(&all[i], "ja")) > 40);
        CHECK(strstr(advice_text(&all[i], "ja"), "\xe3") != NULL);
        CHECK(strlen(advice_title(&all[i], "en")) > 5);
        CHECK(strlen(advice_title(&all[i], "ja_JP.UTF-8")) > 5);
        CHECK(all[i].source != NULL && strlen(all[i].source) > 5);
        if (!seen[i]) {
            fprintf(stderr, "advice never selected: %s\n", all[i].id);
        }
        CHECK(seen[i]);
    }
    CHECK(advice_get("nope") == NULL);

    w = advice_get("win7-outlook-winhttp");
    s = advice_get("win7-schannel-tls12-client");
    d = advice_get("dotnet");
    CHECK(w != NULL && s != NULL && d != NULL);
    if (w == NULL || s == NULL || d == NULL) {
        return;
    }
    for (int l = 0; l < 2; l++) {
        const char *lang = l == 0 ? "ja" : "en";
        ja = advice_text(w, lang);
        CHECK(strstr(ja, "KB3140245") != NULL);
        CHECK(strstr(ja, "DefaultSecureProtocols") != NULL);
        CHECK(strstr(ja, "0x00000a00") != NULL);
        CHECK(strstr(ja, "2560") != NULL);
        CHECK(strstr(ja, "REG_DWORD") != NULL);
        CHECK(strstr(ja, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\"
                         "CurrentVersion\\Internet Settings\\WinHttp\n") !=
              NULL);
        CHECK(strstr(ja, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\"
                         "Microsoft\\Windows\\CurrentVersion\\Internet "
                         "Settings\\WinHttp\n") != NULL);
        en = advice_text(s, lang);
        CHECK(strstr(en, "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\"
                         "Control\\SecurityProviders\\SCHANNEL\\Protocols\\"
                         "TLS 1.2\\Client\n") != NULL);
        CHECK(strstr(en, "TLS 1.2\\Client") != NULL);
        CHECK(strstr(en, "DisabledByDefault") != NULL);
        CHECK(strstr(en, "Enabled") != NULL);
        en = advice_text(d, lang);
        CHECK(strstr(en, "SchUseStrongCrypto") != NULL);
        CHECK(strstr(en, "SystemDefaultTlsVersions") != NULL);
        CHECK(strstr(en, "Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319")
              != NULL);
        CHECK(strstr(en, "v2.0.50727") != NULL);
    }
    /* The seed's Japanese wording, line by line. */
    ja = advice_text(w, "ja");
    CHECK(strstr(ja, "Windows OS が 32 ビットの場合\n") != NULL);
    CHECK(strstr(ja, "Windows OS が 64 ビットの場合 (双方を追加)\n") != NULL);
    CHECK(strstr(ja, "値の名前: DefaultSecureProtocols\n") != NULL);
    CHECK(strstr(ja, "値の種類: REG_DWORD\n") != NULL);
    CHECK(strstr(ja, "推奨値: 0x00000a00 (10 進数 : 2560)\n") != NULL);
    ja = advice_text(s, "ja");
    CHECK(strstr(ja, "値の名前: Enabled\n値の種類: REG_DWORD\n値のデータ: 1\n")
          != NULL);
    CHECK(strstr(ja, "値の名前: DisabledByDefault\n値の種類: REG_DWORD\n"
                     "値のデータ: 0\n") != NULL);
    CHECK(strstr(ja, "パソコンを再起動してください") != NULL);
    /* English uses the same structure. */
    en = advice_text(s, "en");
    CHECK(strstr(en, "Value name: DisabledByDefault\nValue type: REG_DWORD\n"
                     "Value data: 0\n") != NULL);
    CHECK(strstr(advice_text(w, "en"),
                 "Recommended value: 0x00000a00 (decimal: 2560)") != NULL);

    /* Uncertainty follows KNOWLEDGE's marks. */
    CHECK(advice_get("thunderbird-old")->uncertain);
    CHECK(advice_get("apple-mail-old")->uncertain);
    CHECK(strstr(advice_text(advice_get("thunderbird-old"), "en"),
                 "likely") != NULL);
    CHECK(strstr(advice_text(advice_get("o365-legacy-endpoints"), "en"),
                 "2026-12-31") != NULL);
    CHECK(strstr(advice_text(advice_get("o365-legacy-endpoints"), "ja"),
                 "AllowLegacyTLSClients") != NULL);
}

static void
test_lang(void)
{
    CHECK(strcmp(advice_lang_normalise("ja_JP.UTF-8"), "ja") == 0);
    CHECK(strcmp(advice_lang_normalise("JA"), "ja") == 0);
    CHECK(strcmp(advice_lang_normalise("en_US"), "en") == 0);
    CHECK(strcmp(advice_lang_normalise(NULL), "en") == 0);
    CHECK(strcmp(advice_lang_normalise("j"), "en") == 0);

    setenv("LANG", "ja_JP.UTF-8", 1);
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    CHECK(strcmp(advice_lang_from_env(), "ja") == 0);
    setenv("LC_MESSAGES", "C", 1);
    CHECK(strcmp(advice_lang_from_env(), "en") == 0);
    setenv("LC_ALL", "ja_JP.eucJP", 1);
    CHECK(strcmp(advice_lang_from_env(), "ja") == 0);
    setenv("LC_ALL", "", 1);
    CHECK(strcmp(advice_lang_from_env(), "en") == 0);
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    CHECK(strcmp(advice_lang_from_env(), "en") == 0);
}

/*
 * The whole chain on a real hello: Windows 7 Schannel bytes (IE 8-10's
 * recorded hello, the system default) plus Outlook's User-Agent ->
 * fail, "Outlook on Windows 7 via Schannel", KB3140245 + registry.
 */
static void
test_chain(void)
{
    static uint8_t scratch[65536];
    const char *dir = getenv("SHARED_CORPUS");
    char path[1024];
    struct fpdb db = {0};
    struct config_error err;
    struct fingerprint fp;
    struct tlsrec_hello rec;
    struct attempt a;
    uint8_t *raw;
    size_t len;
    static const char ua[] = "Microsoft Office/16.0 (Windows NT 6.1; "
                             "Microsoft Outlook 16.0.4266; Pro)";

    if (dir == NULL || dir[0] == '\0') {
        printf("test_advice: SHARED_CORPUS unset, chain test skipped\n");
        return;
    }
    snprintf(path, sizeof(path),
             "%s/loopback-real-clients/hello/orig_replay.14.bin", dir);
    raw = tl_read_file(path, &len);
    CHECK(raw != NULL);
    if (raw == NULL) {
        return;
    }
    CHECK(fpdb_load_file(&db, fpdb_default_path(), &err) == 0);
    memset(&a, 0, sizeof(a));
    snprintf(a.mode, sizeof(a.mode), "http-connect");
    snprintf(a.protocol, sizeof(a.protocol), "https");
    attempt_set_hint(a.user_agent, &a.user_agent_len, (const uint8_t *)ua,
                     sizeof(ua) - 1);
    CHECK(tlsrec_scan_hello(&rec, scratch, sizeof(scratch), raw, len,
                            sizeof(scratch)) == TLSREC_OK);
    CHECK(clienthello_parse_hello(&a.ch, &rec) == CH_OK);
    a.have_hello = true;
    a.end = END_HELLO_CAPTURED;
    fp_init(&fp, FP_DEFAULT_MAX_TEXT);
    CHECK(fp_compute(&fp, &a.ch));

    verdict_judge(&a, policy_builtin("office365"));
    identify_client(&a, &db, fp.ja4, fp.ja3_md5);
    advice_apply(&a);

    CHECK(a.verdict.kind == VERDICT_FAIL);
    CHECK(strcmp(a.verdict.summary_code, "version_below_minimum") == 0);
    CHECK(strcmp(a.verdict.client_family, "Windows SChannel") == 0);
    CHECK(strstr(a.verdict.client_detail, "Outlook 2016") != NULL);
    CHECK(strstr(a.verdict.client_os, "Windows 7") != NULL);
    CHECK(strcmp(a.verdict.client_source, "ja4+user_agent") == 0);
    CHECK(a.verdict.num_advice >= 2);
    CHECK(strcmp(a.verdict.advice[0], "win7-outlook-winhttp") == 0);
    CHECK(strcmp(a.verdict.advice[1], "win7-schannel-tls12-client") == 0);
    CHECK(!picked(&a, "dotnet"));
    fp_cleanup(&fp);
    fpdb_cleanup(&db);
    free(raw);
}

int
main(void)
{
    test_chain();
    test_conditions();
    test_texts();
    test_lang();
    return tl_done("test_advice");
}
