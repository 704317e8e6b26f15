/*
 * advice.h - the remediation catalogue: what a support person should do
 * about a judged and identified attempt, in English and Japanese. The
 * catalogue is data compiled into advice.c (one row per item: id,
 * condition, texts, sources, uncertainty); doc/advice.md lists it. Texts
 * follow KNOWLEDGE.md and the seed notice: registry paths, value names,
 * types and data are reproduced exactly. Items resting on facts KNOWLEDGE
 * marks ⚠️ or ❓ have `uncertain` set and say so in their text.
 */
#ifndef TLSREADY_ADVICE_H
#define TLSREADY_ADVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "attempt.h"

struct advice {
    const char *id;        /* stable, e.g. "win7-schannel-tls12-client" */
    const char *title_en;
    const char *title_ja;
    const char *text_en;   /* may span lines ('\n') for registry steps */
    const char *text_ja;
    const char *source;    /* KNOWLEDGE sections and source keys [S5] ... */
    bool uncertain;        /* rests on a ⚠️/❓ fact (said in the text) */
};

/*
 * advice_select writes the ids of the items whose condition holds for `a`
 * (after verdict_judge and identify_client) into ids[0..max), most
 * specific first, and returns how many it wrote.
 */
size_t advice_select(const struct attempt *a, const char **ids, size_t max);

/* advice_apply runs advice_select into a->verdict.advice / num_advice. */
void advice_apply(struct attempt *a);

/* advice_get returns the item called `id`, or NULL. */
const struct advice *advice_get(const char *id);

/* advice_all returns the whole catalogue (for docs, tests, the UI). */
const struct advice *advice_all(size_t *num);

/*
 * advice_text / advice_title return the item's text in `lang` ("ja..." for
 * Japanese, anything else English). Never NULL for a valid item.
 */
const char *advice_text(const struct advice *adv, const char *lang);
const char *advice_title(const struct advice *adv, const char *lang);

/*
 * advice_lang_from_env returns "ja" or "en" from the locale: the first
 * non-empty of LC_ALL, LC_MESSAGES, LANG (POSIX precedence) decides; a
 * value starting with "ja" means Japanese. `--lang` on the command line,
 * when given, should win over this (advice_lang_normalise).
 */
const char *advice_lang_from_env(void);

/* advice_lang_normalise maps "ja", "ja_JP.UTF-8", "JA" ... to "ja"; else
 * "en". */
const char *advice_lang_normalise(const char *lang);

#endif /* TLSREADY_ADVICE_H */
