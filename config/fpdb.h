/*
 * fpdb.h - load the client fingerprint table (config/fingerprints.json and
 * the users' own files named by `fingerprints = PATH` in [global]) into a
 * struct fpdb (probes/identify.h) with jansson. Every row is validated at
 * load time; a bad file gives FILE:LINE and a message (JSON syntax errors
 * carry jansson's line and column; a bad row gives the line of its key).
 * File format: doc/fingerprints.md.
 */
#ifndef TLSREADY_FPDB_H
#define TLSREADY_FPDB_H

#include "compiler.h"
#include "config.h"
#include "identify.h"

/* Largest fingerprint file accepted (the shipped one is ~200 KiB). */
#define FPDB_MAX_FILE_SIZE (16 * 1024 * 1024)
#define FPDB_FORMAT "tlsready-fingerprints"
#define FPDB_FORMAT_VERSION 1

/*
 * fpdb_load_file adds every row of the file at `path` to `db`; a row whose
 * key (ja4, else ja3, else imap_id_name, else ehlo) is already present
 * replaces it, so later files override earlier ones. It returns 0, or -1
 * with `err` filled; on error `db` keeps the rows it had before the call.
 */
MUST_CHECK int fpdb_load_file(struct fpdb *db, const char *path,
                              struct config_error *err);

/*
 * fpdb_load_buffer is fpdb_load_file on `len` bytes already in memory;
 * `name` is used in error messages. For tests and the fuzz target.
 */
MUST_CHECK int fpdb_load_buffer(struct fpdb *db, const char *name,
                                const char *buf, size_t len,
                                struct config_error *err);

/*
 * fpdb_default_path returns the shipped table's path: $TLSREADY_DATADIR/
 * fingerprints.json when that environment variable is set, else the
 * compiled-in data directory.
 */
const char *fpdb_default_path(void);

#endif /* TLSREADY_FPDB_H */
