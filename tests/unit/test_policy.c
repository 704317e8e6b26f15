/*
 * test_policy.c - the built-in policies match KNOWLEDGE.md (R1, §7.3), the
 * suite-name and version lookups work both ways, and `tlsready policies`
 * runs with and without a config file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "names.h"
#include "policy.h"
#include "tl.h"

static bool
has_suite(const struct policy *p, uint16_t id)
{
    for (size_t i = 0; i < p->num_suites; i++) {
        if (p->suites[i] == id) {
            return true;
        }
    }
    return false;
}

static void
test_builtins(void)
{
    size_t n = 0;
    const struct policy *all = policy_builtins(&n);
    const struct policy *p;
    /* KNOWLEDGE §7.3: the Office 365 TLS 1.2 table, strongest first */
    static const uint16_t o365_12[] = {0xc030, 0xc02f, 0xc028, 0xc027,
                                       0xc014, 0xc013, 0x009d, 0x009c};

    CHECK(n == 3);
    for (size_t i = 0; i < n; i++) {
        CHECK(all[i].builtin);
        CHECK(all[i].description[0] != '\0');
        CHECK(all[i].source[0] != '\0');
        CHECK(policy_builtin(all[i].name) == &all[i]);
        for (size_t k = 0; k < all[i].num_suites; k++) {
            CHECK(policy_suite_name(all[i].suites[k]) != NULL);
            CHECK(policy_suite_categories(all[i].suites[k]) == 0);
        }
    }
    CHECK(policy_builtin("nope") == NULL);
    CHECK(policy_builtin(NULL) == NULL);

    p = policy_default();
    CHECK(strcmp(p->name, "tls12") == 0);
    CHECK(p->min_version == 0x0303 && p->max_version == 0);
    CHECK(p->num_suites == 0);
    CHECK(p->refuse_3des && p->refuse_rc4 && p->refuse_export &&
          p->refuse_null);
    CHECK(strstr(p->description, "2018-10-31") != NULL);
    CHECK(strstr(p->source, "R1") != NULL);

    p = policy_builtin("office365");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(p->min_version == 0x0303 && p->max_version == 0);
        CHECK(p->num_suites == 10);
        for (size_t i = 0; i < ARRAY_LEN(o365_12); i++) {
            CHECK(p->suites[i] == o365_12[i]);
        }
        CHECK(has_suite(p, 0x1301) && has_suite(p, 0x1302));
        CHECK(!has_suite(p, 0x000a)); /* 3DES gone since 2019-02-28 */
        CHECK(strstr(p->description, "uncertain") != NULL);
        CHECK(p->refuse_3des && p->refuse_rc4 && p->refuse_export &&
              p->refuse_null);
    }

    p = policy_builtin("tls13");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(p->min_version == 0x0304 && p->max_version == 0x0304);
        CHECK(p->num_suites == 3);
        CHECK(has_suite(p, 0x1301) && has_suite(p, 0x1302) &&
              has_suite(p, 0x1303));
    }
}

static void
test_names(void)
{
    uint16_t id = 0;

    CHECK(policy_suite_by_name("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", &id));
    CHECK(id == 0xc030);
    CHECK(policy_suite_by_name("tls_aes_256_gcm_sha384", &id));
    CHECK(id == 0x1302);
    CHECK(!policy_suite_by_name("TLS_NOPE", &id));
    CHECK(!policy_suite_by_name("", &id));
    CHECK(strcmp(policy_suite_name(0x009c), "TLS_RSA_WITH_AES_128_GCM_SHA256")
          == 0);
    CHECK(policy_suite_categories(0x000a) == POLICY_CAT_3DES);
    CHECK(policy_suite_categories(0x0003) ==
          (POLICY_CAT_EXPORT | POLICY_CAT_RC4));
    CHECK(policy_suite_categories(0x5600) == POLICY_CAT_SCSV);
    CHECK(policy_suite_categories(0xc02f) == 0);

    /* every local-table name agrees with the registry in names.c */
    for (uint32_t v = 0; v <= 0xffff; v++) {
        const struct names_suite *ns = names_suite_info((uint16_t)v);
        const char *mine = policy_suite_name((uint16_t)v);
        if (ns != NULL && mine != NULL && ns->name != NULL) {
            CHECK(strcmp(ns->name, mine) == 0);
        }
    }
    /* names beyond the local table come from names.c */
    {
        const struct names_suite *ns = names_suite_info(0xc09c);
        if (ns != NULL && ns->name != NULL) {
            CHECK(policy_suite_by_name(ns->name, &id) && id == 0xc09c);
            CHECK(strcmp(policy_suite_name(0xc09c), ns->name) == 0);
        }
        ns = names_suite_info(0x0019); /* DH_anon_EXPORT_WITH_DES40 */
        if (ns != NULL) {
            CHECK(policy_suite_categories(0x0019) & POLICY_CAT_EXPORT);
            CHECK(policy_suite_categories(0x0019) & POLICY_CAT_NULL);
        }
    }

    CHECK(policy_version_parse("tls1.2", &id) && id == 0x0303);
    CHECK(policy_version_parse("TLSv1.3", &id) && id == 0x0304);
    CHECK(policy_version_parse("1.0", &id) && id == 0x0301);
    CHECK(policy_version_parse("ssl3", &id) && id == 0x0300);
    CHECK(policy_version_parse("0x0302", &id) && id == 0x0302);
    CHECK(!policy_version_parse("0x0305", &id));
    CHECK(!policy_version_parse("0x303", &id));
    CHECK(!policy_version_parse("0x03g3", &id));
    CHECK(!policy_version_parse("", &id));
    CHECK(!policy_version_parse("1.4", &id));
    CHECK(strcmp(policy_version_token(0x0303), "tls1.2") == 0);
    CHECK(strcmp(policy_version_label(0x0304), "TLS 1.3") == 0);
    CHECK(policy_version_token(0x7f17) == NULL);
}

/* run_cmd runs policies_main with stdout to a file; returns exit code. */
static int
run_cmd(int argc, char **argv, char **out)
{
    char path[] = "/tmp/tlsready-pol-XXXXXX";
    int fd = mkstemp(path);
    int saved, rc;
    size_t len = 0;

    CHECK(fd >= 0);
    fflush(stdout);
    saved = dup(1);
    dup2(fd, 1);
    rc = policies_main(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    *out = (char *)tl_read_file(path, &len);
    if (*out != NULL) {
        char *z = realloc(*out, len + 1);
        if (z != NULL) {
            z[len] = '\0';
            *out = z;
        }
    }
    unlink(path);
    return rc;
}

static void
test_cmd(void)
{
    char *out = NULL;
    char conf[] = "/tmp/tlsready-polc-XXXXXX";
    int fd;
    FILE *f;

    {
        char *argv[] = {"policies", NULL};
        CHECK(run_cmd(1, argv, &out) == 0);
        CHECK(out != NULL && strstr(out, "office365 (built-in)") != NULL);
        CHECK(out != NULL &&
              strstr(out, "0xc030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
        free(out);
    }
    {
        char *argv[] = {"policies", "--json", NULL};
        CHECK(run_cmd(2, argv, &out) == 0);
        CHECK(out != NULL && strncmp(out, "{\"policies\":[{", 14) == 0);
        CHECK(out != NULL && strstr(out, "\"name\":\"tls13\"") != NULL);
        CHECK(out != NULL &&
              strstr(out, "{\"id\":\"0x1303\",\"name\":"
                          "\"TLS_CHACHA20_POLY1305_SHA256\"}") != NULL);
        free(out);
    }
    fd = mkstemp(conf);
    CHECK(fd >= 0);
    f = fdopen(fd, "w");
    fputs("[policy tls12]\ndescription = <b>mine</b>\nmin_version = 1.1\n"
          "[policy lab]\nsuites = 0xc02f, 0x7e7e\nrefuse = null\n",
          f);
    fclose(f);
    {
        char *argv[] = {"policies", "-c", conf, "--json", NULL};
        CHECK(run_cmd(4, argv, &out) == 0);
        CHECK(out != NULL && strstr(out, "\"shadowed\":true") != NULL);
        CHECK(out != NULL && strstr(out, "<b>") == NULL); /* escaped */
        CHECK(out != NULL && strstr(out, "{\"id\":\"0x7e7e\",\"name\":null}"));
        free(out);
    }
    {
        char *argv[] = {"policies", "-c", conf, NULL};
        CHECK(run_cmd(3, argv, &out) == 0);
        CHECK(out != NULL && strstr(out, "lab (config)") != NULL);
        CHECK(out != NULL &&
              strstr(out, "tls12 (built-in, replaced by the config)"));
        CHECK(out != NULL && strstr(out, "TLS 1.1 and later") != NULL);
        free(out);
    }
    unlink(conf);
    {
        char *argv[] = {"policies", "-c", "/nonexistent.conf", NULL};
        CHECK(run_cmd(3, argv, &out) == 2);
        free(out);
    }
    {
        char *argv[] = {"policies", "--bogus", NULL};
        CHECK(run_cmd(2, argv, &out) == 2);
        free(out);
    }
}

int
main(void)
{
    test_builtins();
    test_names();
    test_cmd();
    return tl_done("test_policy");
}
