/*
 * sink.h - where records go: a JSON Lines file opened O_APPEND, or
 * standard output. Records of one event-loop pass are gathered and written
 * with a single write(2) at the end of the pass (or as soon as 64 KiB are
 * waiting), always in whole lines, so concurrent writers and log rotation
 * never see half a record, and a busy second costs a few writes instead of
 * thousands. SIGHUP calls sink_reopen() so a rotated file is let go.
 */
#ifndef TLSREADY_SINK_H
#define TLSREADY_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct sink;
struct event_base;

/* Records gathered before a write is forced, and the hard cap. */
#define SINK_BATCH 65536
#define SINK_MAX (4 * 1024 * 1024)

/*
 * sink_open opens `path` for appending ("-" means stdout). It returns NULL
 * and sets errno when the file cannot be opened. Without sink_attach every
 * record is written at once.
 */
struct sink *sink_open(const char *path);

/*
 * sink_attach makes the sink gather records and flush them at the end of
 * each pass of `base`'s loop. 0, or -1 when out of memory (then records
 * are written one by one).
 */
int sink_attach(struct sink *s, struct event_base *base);

/*
 * sink_detach flushes and stops batching (frees the event); call it while
 * the event base still exists. Later records are written one by one.
 */
void sink_detach(struct sink *s);

/* sink_reopen flushes, closes and reopens the file (no-op for stdout). */
MUST_CHECK int sink_reopen(struct sink *s);

/*
 * sink_write queues one record line (the newline is added here). Returns
 * 0, or -1 when the record could not be written or queued; failures are
 * counted and logged once per burst, and the process goes on.
 */
int sink_write(struct sink *s, const char *line, size_t len);

/* sink_flush writes what is queued now. 0, or -1 (records counted lost). */
int sink_flush(struct sink *s);

/* sink_written / sink_failed count records written and lost. */
uint64_t sink_written(const struct sink *s);
uint64_t sink_failed(const struct sink *s);

/* sink_path returns the configured path ("-" for stdout). */
const char *sink_path(const struct sink *s);

/* sink_close flushes and frees; NULL-safe. */
void sink_close(struct sink *s);

#endif /* TLSREADY_SINK_H */
