/*
 * identify.h - "what is this client?" from what an attempt recorded: the
 * fingerprint table (JA4 exact, JA4 with the SNI flag normalised, then JA3
 * MD5), the client's own words (IMAP ID, HTTP User-Agent) and, from user
 * rows only, the SMTP EHLO name. Pure lookups over a table that
 * config/fpdb.c loads from config/fingerprints.json (and user files); the
 * table format and how rows are sourced are in doc/fingerprints.md.
 *
 * Identification never invents: without a table row or a self-declared
 * name the client stays unknown (client_family NULL). A ClientHello's shape
 * alone (no supported_versions, client_version 0x0301, no SNI, ...) is NOT
 * used to name a stack, because many stacks share it.
 */
#ifndef TLSREADY_IDENTIFY_H
#define TLSREADY_IDENTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attempt.h"
#include "compiler.h"

/* Field caps; a loader rejects longer values with a clear error. */
#define FP_JA4_MAX 40
#define FP_JA3_MAX 33        /* 32 hex digits + NUL */
#define FP_FAMILY_MAX 48
#define FP_STACK_MAX 96
#define FP_CLIENT_MAX 256
#define FP_VERSIONS_MAX 64
#define FP_OS_MAX 96
#define FP_CONF_MAX 8
#define FP_SOURCE_MAX 320
#define FP_NOTES_MAX 640
#define FP_MATCH_MAX 64      /* imap_id_name / ehlo match text */
#define FPDB_MAX_ROWS 20000  /* a loader refuses to grow past this */

/*
 * One row. Strings are NUL-terminated. Key: ja4 when set, else ja3, else
 * imap_id_name, else ehlo (a later row with the same key replaces the
 * earlier one; that is how user files override the shipped table).
 */
struct fp_row {
    char ja4[FP_JA4_MAX];
    char ja3[FP_JA3_MAX];          /* lowercase MD5 hex of the JA3 string */
    char imap_id_name[FP_MATCH_MAX]; /* case-insensitive exact match */
    char ehlo[FP_MATCH_MAX];       /* case-insensitive exact match */
    char family[FP_FAMILY_MAX];    /* "Windows SChannel", "Mozilla NSS" */
    char stack[FP_STACK_MAX];
    char client[FP_CLIENT_MAX];    /* who was seen sending it */
    char versions[FP_VERSIONS_MAX];/* what it offers, e.g. "TLS 1.0" */
    char os[FP_OS_MAX];
    char confidence[FP_CONF_MAX];  /* "high", "medium", "low" */
    char source[FP_SOURCE_MAX];
    char notes[FP_NOTES_MAX];
    char origin[FP_SOURCE_MAX];    /* file the row came from (loader) */
};

/* The loaded table. A zero-filled struct fpdb is a valid empty table. */
struct fpdb {
    struct fp_row *rows;
    size_t num_rows;
    size_t cap_rows;
    /*
     * Hash indexes (open addressing, row index + 1, 0 = empty) so a lookup
     * per attempt costs one probe instead of a scan of every row. ix_ja3
     * holds the first row in table order for each JA3, as the scan did.
     */
    uint32_t *ix_ja4;
    uint32_t *ix_ja3;
    size_t ix_cap;        /* power of two, >= 2 * cap_rows */
};

/* fpdb_cleanup frees the rows; safe on a zero-filled or cleaned table. */
void fpdb_cleanup(struct fpdb *db);

/*
 * fpdb_put adds a copy of `row`, replacing an existing row with the same
 * key (see struct fp_row). It returns 0, or -1 when memory runs out or the
 * table would pass FPDB_MAX_ROWS (the table is then unchanged).
 */
MUST_CHECK int fpdb_put(struct fpdb *db, const struct fp_row *row);

/* fpdb_find_ja4 / _ja3 return the row with that exact key, or NULL. */
const struct fp_row *fpdb_find_ja4(const struct fpdb *db, const char *ja4);
const struct fp_row *fpdb_find_ja3(const struct fpdb *db, const char *ja3);

/*
 * fpdb_row_check validates one row: a key, family, client, source and a
 * known confidence are present, ja4/ja3 are well formed. It returns NULL
 * when fine, or a static message naming the first problem.
 */
const char *fpdb_row_check(const struct fp_row *row);

/*
 * ja4_sni_flip writes to `out` (FP_JA4_MAX bytes) the JA4 the same client
 * would produce with the other SNI choice: 'd' (a name was sent) <-> 'i'
 * (none), with the extension count adjusted by one, since SNI is counted
 * there and in nothing else. Returns false when `ja4` is not well formed.
 */
bool ja4_sni_flip(const char *ja4, char *out);

/*
 * identify_client fills a->verdict.client_family / client_detail /
 * client_os / client_source / client_confidence. `ja4` and `ja3_md5` are
 * the hello's fingerprints (probes/fingerprint.h; NULL or "" when there was
 * no hello). `db` may be NULL (no table). Every pointer written refers to
 * `db` rows or static strings, so `db` must outlive the attempt's use of
 * them. Unknown stays unknown: the fields are NULL.
 */
void identify_client(struct attempt *a, const struct fpdb *db,
                     const char *ja4, const char *ja3_md5);

/*
 * identify_windows_nt maps a "Windows NT x.y" User-Agent token's version to
 * the product names Microsoft documents for it (6.1 -> "Windows 7 / Server
 * 2008 R2"), or NULL.
 */
const char *identify_windows_nt(unsigned major, unsigned minor);

#endif /* TLSREADY_IDENTIFY_H */
