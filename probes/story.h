/*
 * story.h - link repeated attempts from one client into a story: a client
 * that is refused at TLS 1.2 often retries at TLS 1.1 and 1.0 (with or
 * without TLS_FALLBACK_SCSV, RFC 7507). Attempts are linked when they come
 * from the same peer address to the same listener within a time window and
 * their hints agree where both have them (SNI, ALPN, EHLO name). The
 * hello itself is NOT compared: a fallback retry has a different one.
 *
 * Pure and bounded: a fixed table of stories (least recently used is
 * evicted), no I/O, and time comes from the attempts (t_start), so tests
 * need no sleeping.
 */
#ifndef TLSREADY_STORY_H
#define TLSREADY_STORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attempt.h"
#include "json.h"

#define STORY_MAX_STEPS 8          /* steps kept per story (first 7 + last) */
#define STORY_DEFAULT_CAPACITY 4096

struct story_step {
    uint64_t attempt_id;
    struct timespec t;
    bool have_hello;
    uint16_t highest_version;      /* 0 without a hello */
    bool fallback_scsv;
    enum verdict_kind kind;
    enum attempt_end end;
};

struct story {
    uint64_t id;                   /* 1, 2, ... per tracker */
    char peer_addr[ATTEMPT_ADDR_MAX];
    char listener[ATTEMPT_NAME_MAX];
    struct timespec first;
    struct timespec last;
    size_t num_attempts;           /* all attempts, may exceed num_steps */
    size_t num_steps;
    struct story_step steps[STORY_MAX_STEPS];
    /* Summary, recomputed on every attempt. */
    enum verdict_kind kind;
    const char *code;              /* stable token, see story_code_text */
};

struct story_tracker;

/*
 * story_tracker_new makes a tracker that links attempts no more than
 * `window_seconds` apart and holds at most STORY_DEFAULT_CAPACITY stories.
 * Returns NULL when memory runs out. Free with story_tracker_free.
 */
struct story_tracker *story_tracker_new(unsigned window_seconds);

/* story_tracker_new_cap is story_tracker_new with a chosen capacity (>0). */
struct story_tracker *story_tracker_new_cap(unsigned window_seconds,
                                            size_t capacity);

/* story_tracker_free releases the tracker; NULL is fine. */
void story_tracker_free(struct story_tracker *t);

/*
 * story_tracker_set_minimum sets the version a story needs to see offered
 * to pass (default TLS 1.2, 0x0303); use the policy's min_version.
 */
void story_tracker_set_minimum(struct story_tracker *t, uint16_t version);

/*
 * story_assign links `a` (already judged: verdict.kind is read) to a story
 * and sets a->story_id and a->story_seq (1 for the first attempt). It
 * returns the story, valid until the next story_assign on this tracker.
 */
const struct story *story_assign(struct story_tracker *t, struct attempt *a);

/*
 * story_get returns the story with `id` if it is still in the table, else
 * NULL (a linear search: for the dashboard, not per attempt).
 */
const struct story *story_get(const struct story_tracker *t, uint64_t id);

/* story_count returns how many stories the table holds now. */
size_t story_count(const struct story_tracker *t);

/*
 * story_code_text returns the one-line explanation of a story code in
 * `lang` ("ja..." or English), or NULL for an unknown code.
 */
const char *story_code_text(const char *code, const char *lang);

/*
 * story_json writes the story as one JSON object: id, peer, listener,
 * attempts, first/last (seconds), versions (highest offered per step, in
 * order), scsv (per step), verdict, code and text in `lang`.
 */
void story_json(const struct story *s, struct jw *w, const char *lang);

#endif /* TLSREADY_STORY_H */
