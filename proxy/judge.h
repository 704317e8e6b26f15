/*
 * judge.h - everything that turns a finished attempt into an answer, in one
 * place for the running program: linking retries into stories, the verdict
 * under the listener's policy, who the client probably is, and the advice.
 * The pieces are pure modules in probes/; this wrapper owns their tables.
 */
#ifndef TLSREADY_JUDGE_H
#define TLSREADY_JUDGE_H

#include "attempt.h"
#include "config.h"
#include "policy.h"

struct judge;

/*
 * judge_new loads what the judgement needs for `cfg` (the built-in and the
 * configured fingerprint tables, the story window). NULL with `err` filled
 * when a table file is bad.
 */
struct judge *judge_new(const struct tr_config *cfg, struct config_error *err);

/* judge_free is NULL-safe. */
void judge_free(struct judge *j);

/*
 * judge_attempt fills a->story_*, a->verdict (kind, reasons, client guess,
 * advice) for an attempt that has ended. `p` may be NULL (default policy).
 */
void judge_attempt(struct judge *j, struct attempt *a, const struct policy *p);

/*
 * judge_lang picks the language of texts: the --lang option, else the
 * config's lang, else the locale (LC_ALL, LC_MESSAGES, LANG starting with
 * "ja" means Japanese), else English. Returns "en" or "ja".
 */
const char *judge_lang(const char *opt, enum config_lang cfg);

#endif /* TLSREADY_JUDGE_H */
