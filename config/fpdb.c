/*
 * fpdb.c - the fingerprint table loader (jansson). The parsed JSON is
 * checked field by field: only known keys, only strings, each within its
 * cap, then fpdb_row_check() for the row as a whole. The file is read into
 * memory once (bounded by FPDB_MAX_FILE_SIZE) so that a bad row can be
 * reported with the line where its key appears: jansson keeps no positions
 * after parsing, so the loader looks the key's text up in the buffer.
 * Loading is all-or-nothing per file: rows go into a scratch table first.
 */
#include "fpdb.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

static void
set_err(struct config_error *err, const char *file, int line, const char *a,
        const char *b, const char *c)
{
    if (err == NULL) {
        return;
    }
    snprintf(err->file, sizeof(err->file), "%s", file);
    err->line = line;
    snprintf(err->msg, sizeof(err->msg), "%s%s%s", a, b != NULL ? b : "",
             c != NULL ? c : "");
}

/* The 1-based line of the first occurrence of `needle`, or 0. */
static int
line_of(const char *buf, size_t len, const char *needle)
{
    size_t m = strlen(needle);
    int line = 1;

    if (m == 0) {
        return 0;
    }
    for (size_t i = 0; i + m <= len; i++) {
        if (buf[i] == '\n') {
            line++;
            continue;
        }
        if (memcmp(buf + i, needle, m) == 0) {
            return line;
        }
    }
    return 0;
}

struct field {
    const char *key;
    size_t off;
    size_t cap;
};

#define FIELD(k)                                                               \
    {#k, offsetof(struct fp_row, k), sizeof(((struct fp_row *)0)->k)}

static const struct field fields[] = {
    FIELD(ja4),    FIELD(ja3),      FIELD(imap_id_name), FIELD(ehlo),
    FIELD(family), FIELD(stack),    FIELD(client),       FIELD(versions),
    FIELD(os),     FIELD(confidence), FIELD(source),     FIELD(notes),
};

static int
row_from_json(json_t *obj, struct fp_row *row, const char **bad_key,
              const char **why)
{
    const char *key;
    json_t *val;

    memset(row, 0, sizeof(*row));
    if (!json_is_object(obj)) {
        *why = "each row must be a JSON object";
        return -1;
    }
    json_object_foreach(obj, key, val)
    {
        const struct field *f = NULL;
        const char *s;
        size_t n;

        for (size_t i = 0; i < ARRAY_LEN(fields); i++) {
            if (strcmp(fields[i].key, key) == 0) {
                f = &fields[i];
                break;
            }
        }
        *bad_key = key;
        if (f == NULL) {
            *why = "unknown field ";
            return -1;
        }
        if (!json_is_string(val)) {
            *why = "value must be a string: ";
            return -1;
        }
        s = json_string_value(val);
        n = json_string_length(val);
        if (n >= f->cap || memchr(s, '\0', n) != NULL) {
            *why = "value too long (or contains NUL): ";
            return -1;
        }
        memcpy((char *)row + f->off, s, n + 1);
    }
    *bad_key = NULL;
    return 0;
}

int
fpdb_load_buffer(struct fpdb *db, const char *name, const char *buf,
                 size_t len, struct config_error *err)
{
    json_error_t jerr;
    json_t *root, *rows, *fmt, *ver;
    struct fpdb scratch = {0};
    int rc = -1;

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        char where[64];
        snprintf(where, sizeof(where), " (column %d)", jerr.column);
        set_err(err, name, jerr.line > 0 ? jerr.line : 0,
                "JSON syntax error: ", jerr.text, where);
        return -1;
    }
    fmt = json_object_get(root, "format");
    ver = json_object_get(root, "version");
    rows = json_object_get(root, "rows");
    if (!json_is_object(root) || !json_is_string(fmt) ||
        strcmp(json_string_value(fmt), FPDB_FORMAT) != 0) {
        set_err(err, name, 1, "not a fingerprint file: expected "
                "{\"format\": \"" FPDB_FORMAT "\", ...}", NULL, NULL);
        goto out;
    }
    if (!json_is_integer(ver) ||
        json_integer_value(ver) != FPDB_FORMAT_VERSION) {
        set_err(err, name, line_of(buf, len, "\"version\""),
                "unsupported \"version\" (this tlsready reads 1)", NULL,
                NULL);
        goto out;
    }
    if (!json_is_array(rows)) {
        set_err(err, name, line_of(buf, len, "\"rows\""),
                "\"rows\" must be an array", NULL, NULL);
        goto out;
    }
    /* Work on a copy so a bad file leaves `db` as it was. */
    for (size_t i = 0; i < db->num_rows; i++) {
        if (fpdb_put(&scratch, &db->rows[i]) != 0) {
            set_err(err, name, 0, "out of memory", NULL, NULL);
            goto out;
        }
    }
    for (size_t i = 0; i < json_array_size(rows); i++) {
        struct fp_row row;
        const char *bad_key = NULL, *why = NULL, *problem;
        char idx[48];

        snprintf(idx, sizeof(idx), "row %zu: ", i + 1);
        if (row_from_json(json_array_get(rows, i), &row, &bad_key, &why) !=
            0) {
            char needle[80];
            snprintf(needle, sizeof(needle), "\"%s\"",
                     bad_key != NULL ? bad_key : "");
            set_err(err, name,
                    bad_key != NULL ? line_of(buf, len, needle) : 0, idx,
                    why, bad_key);
            goto out;
        }
        snprintf(row.origin, sizeof(row.origin), "%s", name);
        problem = fpdb_row_check(&row);
        if (problem != NULL) {
            const char *k = row.ja4[0] ? row.ja4
                            : row.ja3[0] ? row.ja3
                            : row.imap_id_name[0] ? row.imap_id_name
                            : row.ehlo[0] ? row.ehlo
                                          : row.client;
            set_err(err, name, k[0] != '\0' ? line_of(buf, len, k) : 0, idx,
                    problem, NULL);
            goto out;
        }
        if (fpdb_put(&scratch, &row) != 0) {
            set_err(err, name, 0, idx, "too many rows or out of memory",
                    NULL);
            goto out;
        }
    }
    fpdb_cleanup(db);
    *db = scratch;
    memset(&scratch, 0, sizeof(scratch));
    rc = 0;
out:
    fpdb_cleanup(&scratch);
    json_decref(root);
    return rc;
}

int
fpdb_load_file(struct fpdb *db, const char *path, struct config_error *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf;
    size_t len = 0, cap;
    int rc;

    if (f == NULL) {
        set_err(err, path, 0, "cannot open: ", strerror(errno), NULL);
        return -1;
    }
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        set_err(err, path, 0, "not a regular file", NULL, NULL);
        return -1;
    }
    if (st.st_size > FPDB_MAX_FILE_SIZE) {
        fclose(f);
        set_err(err, path, 0, "file larger than 16 MiB", NULL, NULL);
        return -1;
    }
    /* One byte more than the size says, to notice a file that grew. */
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        set_err(err, path, 0, "out of memory", NULL, NULL);
        return -1;
    }
    len = fread(buf, 1, cap, f);
    if (ferror(f)) {
        set_err(err, path, 0, "read error: ", strerror(errno), NULL);
        rc = -1;
    } else if (len == cap) {
        set_err(err, path, 0, "file changed while being read", NULL, NULL);
        rc = -1;
    } else {
        rc = fpdb_load_buffer(db, path, buf, len, err);
    }
    free(buf);
    fclose(f);
    return rc;
}

const char *
fpdb_default_path(void)
{
    static char path[1024];
    const char *dir = getenv("TLSREADY_DATADIR");

    if (dir == NULL || dir[0] == '\0') {
#ifdef TLSREADY_DATADIR
        dir = TLSREADY_DATADIR;
#else
        dir = "config";
#endif
    }
    snprintf(path, sizeof(path), "%s/fingerprints.json", dir);
    return path;
}
