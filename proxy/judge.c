/* judge.c - see judge.h. */
#include "judge.h"

#include <stdlib.h>
#include <string.h>

#include "verdict.h"

struct judge {
    unsigned story_window;
};

struct judge *
judge_new(const struct tr_config *cfg, struct config_error *err)
{
    struct judge *j = calloc(1, sizeof(*j));

    (void)err;
    if (j == NULL) {
        return NULL;
    }
    j->story_window = cfg->global.story_window;
    return j;
}

void
judge_free(struct judge *j)
{
    free(j);
}

void
judge_attempt(struct judge *j, struct attempt *a, const struct policy *p)
{
    if (p == NULL) {
        p = policy_default();
    }
    verdict_judge(a, p);
}

static bool
starts_ja(const char *v)
{
    return v != NULL && strncmp(v, "ja", 2) == 0;
}

const char *
judge_lang(const char *opt, enum config_lang cfg)
{
    const char *v;

    if (opt != NULL) {
        return strcmp(opt, "ja") == 0 ? "ja" : "en";
    }
    if (cfg == LANG_JA) {
        return "ja";
    }
    if (cfg == LANG_EN) {
        return "en";
    }
    /* POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG. */
    v = getenv("LC_ALL");
    if (v == NULL || v[0] == '\0') {
        v = getenv("LC_MESSAGES");
    }
    if (v == NULL || v[0] == '\0') {
        v = getenv("LANG");
    }
    return starts_ja(v) ? "ja" : "en";
}
