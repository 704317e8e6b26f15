/*
 * sink.h - where records go: a JSON Lines file opened O_APPEND (each record
 * is one write(2), so concurrent writers and log rotation never interleave
 * half lines), or standard output. SIGHUP calls sink_reopen() so that a
 * rotated file is let go and a new one created.
 */
#ifndef TLSREADY_SINK_H
#define TLSREADY_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct sink;

/*
 * sink_open opens `path` for appending ("-" means stdout). It returns NULL
 * and sets errno when the file cannot be opened.
 */
struct sink *sink_open(const char *path);

/* sink_reopen closes and reopens the file (no-op for stdout). 0 or -1. */
MUST_CHECK int sink_reopen(struct sink *s);

/*
 * sink_write appends one record line (the newline is added here) with a
 * single write(2). Returns 0, or -1 when the write failed or was short; the
 * failure is counted and logged once per burst, and the process goes on.
 */
int sink_write(struct sink *s, const char *line, size_t len);

/* sink_written / sink_failed count records written and lost. */
uint64_t sink_written(const struct sink *s);
uint64_t sink_failed(const struct sink *s);

/* sink_path returns the configured path ("-" for stdout). */
const char *sink_path(const struct sink *s);

/* sink_close flushes nothing (writes are unbuffered) and frees; NULL-safe. */
void sink_close(struct sink *s);

#endif /* TLSREADY_SINK_H */
