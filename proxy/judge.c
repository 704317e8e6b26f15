/* judge.c - see judge.h. */
#include "judge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "fpdb.h"
#include "identify.h"
#include "advice.h"
#include "story.h"
#include "verdict.h"

struct judge {
    unsigned story_window;
    struct fpdb db;              /* shipped table + user files */
    struct fingerprint fp;       /* reused for every attempt */
    struct story_tracker *stories; /* NULL when story_window = 0 */
};

struct judge *
judge_new(const struct tr_config *cfg, struct config_error *err)
{
    struct judge *j = calloc(1, sizeof(*j));

    if (j == NULL) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return NULL;
    }
    j->story_window = cfg->global.story_window;
    fp_init(&j->fp, FP_DEFAULT_MAX_TEXT);
    /* Clients repeat (retries, one mail client for many users): keep
     * their digests. The same memory error below would stop us anyway. */
    if (!fp_memo_enable(&j->fp)) {
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        judge_free(j);
        return NULL;
    }
    if (j->story_window > 0) {
        j->stories = story_tracker_new(j->story_window);
        if (j->stories == NULL) {
            snprintf(err->msg, sizeof(err->msg), "out of memory");
            judge_free(j);
            return NULL;
        }
    }
    /* The shipped table, then the user's files: later rows override. */
    if (fpdb_load_file(&j->db, fpdb_default_path(), err) != 0) {
        judge_free(j);
        return NULL;
    }
    for (size_t i = 0; i < cfg->global.num_fingerprints; i++) {
        if (fpdb_load_file(&j->db, cfg->global.fingerprints[i], err) != 0) {
            judge_free(j);
            return NULL;
        }
    }
    return j;
}

void
judge_free(struct judge *j)
{
    if (j == NULL) {
        return;
    }
    fpdb_cleanup(&j->db);
    fp_cleanup(&j->fp);
    story_tracker_free(j->stories);
    free(j);
}

void
judge_attempt(struct judge *j, struct attempt *a, const struct policy *p)
{
    const char *ja4 = NULL;
    const char *ja3 = NULL;

    if (p == NULL) {
        p = policy_default();
    }
    a->fp = NULL;
    if (a->have_hello && fp_compute(&j->fp, &a->ch)) {
        a->fp = &j->fp;
        ja4 = j->fp.ja4;
        ja3 = j->fp.ja3_md5;
    }
    verdict_judge(a, p);
    identify_client(a, &j->db, ja4, ja3);
    advice_apply(a);
    a->story = NULL;
    if (j->stories != NULL) {
        story_tracker_set_minimum(j->stories, p->min_version);
        a->story = story_assign(j->stories, a);
    }
}

const char *
judge_lang(const char *opt, enum config_lang cfg)
{
    if (opt != NULL) {
        return advice_lang_normalise(opt);
    }
    if (cfg == LANG_JA) {
        return "ja";
    }
    if (cfg == LANG_EN) {
        return "en";
    }
    /* POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG. */
    return advice_lang_from_env();
}
