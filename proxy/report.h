/*
 * report.h - `tlsready report FILE...`: read records files (plain, rotated
 * or gzip'd JSON Lines), keep the facts a support person needs from each
 * record, group attempts into one row per client story, and print the
 * result as text, JSON, CSV or one self-contained HTML page
 * (doc/report.md). The model below is shared by report.c (reading,
 * grouping, text/JSON/CSV) and report_html.c (the page and its charts).
 *
 * Every string in the model came from a records file, i.e. ultimately
 * from a peer: it is kept with its length (it may hold U+0000) and must be
 * escaped by whichever output writes it.
 */
#ifndef TLSREADY_REPORT_H
#define TLSREADY_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "attempt.h"
#include "bytes.h"

/* A line longer than this is a bad line ("line_too_long"). */
#define REPORT_LINE_MAX (1024 * 1024)
/* Bad lines listed in outputs (all are counted, and all go to stderr). */
#define REPORT_MAX_BAD_LISTED 100
/* Attempts whose versions are listed per client (all are counted). */
#define REPORT_MAX_SEQ 12

/* A string from a record: `n` bytes at `p` (NUL-terminated, may hold NUL). */
struct rstr {
    char *p;
    size_t n;
};

/* One record, reduced to what the report shows. */
struct rp_rec {
    size_t file;                /* index into report.files */
    size_t line;                /* 1-based */
    uint64_t id;
    struct rstr time;           /* as written, e.g. 2026-11-27T22:09:56.844Z */
    long long t_ms;             /* milliseconds since the epoch (UTC) */
    struct rstr listener;
    struct rstr protocol;
    struct rstr peer;
    uint64_t peer_port;
    bool has_story;
    uint64_t story_id;
    uint64_t story_seq;
    struct rstr family;         /* "unknown" when the record had none */
    struct rstr detail;
    struct rstr sni;
    struct rstr imap_id;        /* "name version" from IMAP ID */
    struct rstr ehlo;
    struct rstr user_agent;
    bool have_hello;
    uint16_t highest;           /* 0: no hello or nothing known */
    bool fallback_scsv;
    bool rejudged;              /* verdict recomputed (--policy) */
    enum verdict_kind kind;
    struct rstr policy;
    struct rstr summary;        /* reason code that decided, may be empty */
    size_t num_reasons;
    struct rstr reasons[ATTEMPT_MAX_REASONS];
    struct rstr reason_texts[ATTEMPT_MAX_REASONS]; /* record's own texts */
    size_t num_advice;
    struct rstr advice[ATTEMPT_MAX_ADVICE];
};

/* One client: the attempts of a story, or of peer+listener+client. */
struct rp_group {
    size_t *recs;               /* indexes into report.recs, time order */
    size_t num;
    enum verdict_kind kind;     /* see report_group_verdict in report.c */
    size_t by_kind[4];
    bool fallback_without_scsv;
    const struct rp_rec *best;  /* attempt that decided the verdict */
    /* Union over the attempts, first appearance first. */
    size_t num_reasons;
    const struct rstr *reasons[ATTEMPT_MAX_REASONS * 2];
    const struct rstr *reason_texts[ATTEMPT_MAX_REASONS * 2];
    size_t num_advice;
    const struct rstr *advice[ATTEMPT_MAX_ADVICE * 2];
};

struct rp_bad {
    size_t file;
    size_t line;
    const char *why;            /* stable token, see report.c */
    char detail[96];            /* e.g. jansson's message and column */
};

/* The whole report, as the output writers see it. */
struct report {
    const char *lang;           /* "en" or "ja" */
    const char *policy;         /* --policy NAME, or NULL */
    const char *now;            /* --now TEXT, or NULL (no time printed) */
    const char *filter_text;    /* filters in words, or NULL */
    char **files;
    size_t num_files;
    size_t lines;               /* non-empty lines read */
    size_t num_bad;
    struct rp_bad bad[REPORT_MAX_BAD_LISTED];
    size_t filtered_out;
    size_t not_rejudged;        /* --policy, but the record had no raw_hex */
    struct rp_rec *recs;
    size_t num_recs;
    struct rp_group *groups;
    size_t num_groups;
    size_t by_kind[4];
};

/*
 * report_main implements `tlsready report` (its prototype is in cli.h).
 * Exit status: 0 report written (bad lines are reported, not fatal),
 * 1 a file could not be read, 2 usage error.
 */

/*
 * report_label returns the report's own label `key` in `lang` (an English
 * fallback when the key has no translation). Static text.
 */
const char *report_label(const char *key, const char *lang);

/* report_kind_word returns "PASS"/"WARN"/"FAIL"/"UNKNOWN". */
const char *report_kind_word(enum verdict_kind k);

/*
 * report_put_visible appends `n` bytes of a record string to `b` so that
 * no control character, backslash or bidirectional override survives:
 * they become \xNN, \\ or \u{NNNN}. Returns false on overflow.
 */
bool report_put_visible(struct bbuf *b, const char *p, size_t n);

/*
 * report_group_who appends the client label of `g`: family and detail, or
 * when unknown, the client's own words (IMAP ID, User-Agent, EHLO) marked
 * as such. Raw (unescaped) bytes: the caller escapes.
 */
void report_group_who(struct bbuf *b, const struct report *r,
                      const struct rp_group *g);

/* report_group_versions appends "TLS 1.2 > TLS 1.0" (raw ASCII). */
void report_group_versions(struct bbuf *b, const struct report *r,
                           const struct rp_group *g);

/* report_version_name names a wire version ("TLS 1.2"; "-" for 0). */
const char *report_version_name(uint16_t v);

/*
 * report_write_html writes the whole self-contained page for `r` to `f`.
 * Returns 0, or -1 when writing failed.
 */
int report_write_html(const struct report *r, FILE *f);

#endif /* TLSREADY_REPORT_H */
