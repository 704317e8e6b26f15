/*
 * fuzz_fpdb.c - any bytes as a user fingerprint table: the loader either
 * accepts it (every row then passes fpdb_row_check) or refuses it with an
 * error naming the file, and the table it was adding to stays usable.
 */
#include <stdlib.h>
#include <string.h>

#include "fpdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fpdb db;
    struct config_error err;

    memset(&db, 0, sizeof(db));
    memset(&err, 0, sizeof(err));
    if (fpdb_load_buffer(&db, "fuzz.json", (const char *)data, size,
                         &err) == 0) {
        for (size_t i = 0; i < db.num_rows; i++) {
            if (fpdb_row_check(&db.rows[i]) != NULL) {
                abort(); /* an invalid row got in */
            }
            if (db.rows[i].ja4[0] != '\0' &&
                fpdb_find_ja4(&db, db.rows[i].ja4) == NULL) {
                abort(); /* the index lost a row */
            }
        }
    } else if (strcmp(err.file, "fuzz.json") != 0 || err.msg[0] == '\0') {
        abort(); /* a refusal must say where and why */
    }
    fpdb_cleanup(&db);
    return 0;
}
