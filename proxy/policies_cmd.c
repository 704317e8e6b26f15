/*
 * policies_cmd.c - `tlsready policies [-c FILE] [--json]`: list every
 * policy a listener can name (user [policy] sections from FILE first, then
 * the built-ins) with its version range, accepted suites, refusals and
 * where the rule comes from.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "json.h"
#include "policy.h"

#define POLICIES_JSON_MAX (1024 * 1024)

static void
policies_usage(FILE *f)
{
    fprintf(f, "usage: tlsready policies [-c FILE] [--json]\n");
}

static const char *const refuse_tokens[] = {"3des", "rc4", "export", "null"};

static bool
refuses(const struct policy *p, size_t i)
{
    switch (i) {
    case 0:
        return p->refuse_3des;
    case 1:
        return p->refuse_rc4;
    case 2:
        return p->refuse_export;
    default:
        return p->refuse_null;
    }
}

static void
print_versions(const struct policy *p, FILE *f)
{
    const char *lo = policy_version_label(p->min_version);
    const char *hi = policy_version_label(p->max_version);

    if (p->max_version == 0) {
        fprintf(f, "%s and later", lo != NULL ? lo : "?");
    } else if (p->max_version == p->min_version) {
        fprintf(f, "%s only", lo != NULL ? lo : "?");
    } else {
        fprintf(f, "%s to %s", lo != NULL ? lo : "?", hi != NULL ? hi : "?");
    }
}

static void
print_text(const struct policy *p, bool shadowed, FILE *f)
{
    bool any = false;

    fprintf(f, "%s (%s%s)\n", p->name, p->builtin ? "built-in" : "config",
            shadowed ? ", replaced by the config" : "");
    if (p->description[0] != '\0') {
        fprintf(f, "  %s\n", p->description);
    }
    fprintf(f, "  versions: ");
    print_versions(p, f);
    fprintf(f, "\n  suites:   ");
    if (p->num_suites == 0) {
        fprintf(f, "any suite that is not refused\n");
    } else {
        fprintf(f, "%zu, in this order\n", p->num_suites);
        for (size_t i = 0; i < p->num_suites; i++) {
            const char *n = policy_suite_name(p->suites[i]);
            fprintf(f, "            0x%04x %s\n", (unsigned)p->suites[i],
                    n != NULL ? n : "(name not in the local table)");
        }
    }
    fprintf(f, "  refuses:  ");
    for (size_t i = 0; i < 4; i++) {
        if (refuses(p, i)) {
            fprintf(f, "%s%s", any ? ", " : "", refuse_tokens[i]);
            any = true;
        }
    }
    fprintf(f, "%s\n", any ? "" : "nothing");
    fprintf(f, "  SNI:      %s\n", p->require_sni ? "required" : "not required");
    fprintf(f, "  source:   %s\n\n", p->source);
}

static void
put_json(struct jw *w, const struct policy *p, bool shadowed)
{
    const char *lo = policy_version_label(p->min_version);

    jw_obj_begin(w);
    jw_kv_str(w, "name", p->name);
    jw_kv_bool(w, "builtin", p->builtin);
    jw_kv_bool(w, "shadowed", shadowed);
    jw_kv_str(w, "description", p->description);
    jw_kv_str(w, "source", p->source);
    jw_kv_hex16(w, "min_version", p->min_version);
    jw_kv_str(w, "min_version_name", lo != NULL ? lo : "?");
    if (p->max_version == 0) {
        jw_kv_null(w, "max_version");
    } else {
        jw_kv_hex16(w, "max_version", p->max_version);
    }
    jw_key(w, "suites");
    jw_arr_begin(w);
    for (size_t i = 0; i < p->num_suites; i++) {
        const char *n = policy_suite_name(p->suites[i]);
        jw_obj_begin(w);
        jw_kv_hex16(w, "id", p->suites[i]);
        if (n != NULL) {
            jw_kv_str(w, "name", n);
        } else {
            jw_kv_null(w, "name");
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "refuse");
    jw_arr_begin(w);
    for (size_t i = 0; i < 4; i++) {
        if (refuses(p, i)) {
            jw_str(w, refuse_tokens[i]);
        }
    }
    jw_arr_end(w);
    jw_kv_bool(w, "require_sni", p->require_sni);
    jw_obj_end(w);
}

int
policies_main(int argc, char **argv)
{
    const char *file = NULL;
    bool json = false;
    struct tr_config *c = NULL;
    const struct policy *bi;
    size_t num_bi, num_user;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)
            && i + 1 < argc) {
            file = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            policies_usage(stdout);
            return 0;
        } else {
            policies_usage(stderr);
            return 2;
        }
    }
    if (file != NULL) {
        struct config_error err;
        c = config_load(file, &err);
        if (c == NULL) {
            config_error_print(&err, stderr);
            return 2;
        }
    }
    bi = policy_builtins(&num_bi);
    num_user = c != NULL ? c->num_policies : 0;

    if (json) {
        struct bbuf b;
        struct jw w;
        bbuf_init(&b, POLICIES_JSON_MAX);
        jw_init(&w, &b);
        jw_obj_begin(&w);
        jw_key(&w, "policies");
        jw_arr_begin(&w);
        for (size_t i = 0; i < num_user; i++) {
            put_json(&w, &c->policies[i], false);
        }
        for (size_t i = 0; i < num_bi; i++) {
            put_json(&w, &bi[i], config_policy(c, bi[i].name) != &bi[i]);
        }
        jw_arr_end(&w);
        jw_obj_end(&w);
        if (!jw_ok(&w)) {
            fprintf(stderr, "tlsready policies: JSON output too large\n");
            rc = 1;
        } else {
            fwrite(b.data, 1, b.len, stdout);
            fputc('\n', stdout);
        }
        bbuf_cleanup(&b);
    } else {
        for (size_t i = 0; i < num_user; i++) {
            print_text(&c->policies[i], false, stdout);
        }
        for (size_t i = 0; i < num_bi; i++) {
            print_text(&bi[i], config_policy(c, bi[i].name) != &bi[i],
                       stdout);
        }
        if (c != NULL) {
            printf("default policy for listeners: %s\n",
                   c->global.policy_name);
        } else {
            printf("default policy for listeners: %s\n",
                   policy_default()->name);
        }
    }
    config_free(c);
    return rc;
}
