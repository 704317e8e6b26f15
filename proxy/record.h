/*
 * record.h - one attempt as one JSON Lines record (schema documented field
 * by field in doc/records.md). Every peer-supplied string goes through the
 * JSON writer's escaping; the output is always one line of valid JSON.
 */
#ifndef TLSREADY_RECORD_H
#define TLSREADY_RECORD_H

#include <stdbool.h>

#include "attempt.h"
#include "bytes.h"
#include "json.h"

/* The record schema version; bump on any incompatible change. */
#define RECORD_SCHEMA 1
/* A record never grows past this; see record_render. */
#define RECORD_MAX (512 * 1024)

/*
 * record_render writes the record for `a` into `out` (reset first) with
 * human texts in `lang` ("en" or "ja"). When the full record would pass
 * RECORD_MAX (a hostile hello with thousands of suites), it writes a
 * reduced record with "truncated": true instead. Returns false only if
 * even that failed.
 */
bool record_render(struct bbuf *out, const struct attempt *a,
                   const char *lang);

/*
 * record_put_verdict writes the value of a record's "verdict" member (the
 * caller writes the key, or uses it as an array/object element): result,
 * policy, summary and its text, reasons with texts, the client guess and
 * the advice with titles and texts in `lang`. `tlsready decode --policy`
 * uses it so that its verdicts are the records' verdicts.
 */
void record_put_verdict(struct jw *w, const struct attempt *a,
                        const char *lang);

/* record_time_iso writes "2026-11-27T21:40:18.123Z" into buf[32]. */
void record_time_iso(char buf[64], const struct timespec *ts);

#endif /* TLSREADY_RECORD_H */
