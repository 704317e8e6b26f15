/*
 * fuzz_config.c - any bytes as a config file. The loader must never crash;
 * it either loads or reports an error whose line is within the input. A
 * config that loads must survive config_dump -> load -> dump unchanged
 * (the --check-config output is itself a valid config).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
dump_text(const struct tr_config *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);

    if (f == NULL) {
        abort();
    }
    config_dump(c, f);
    fclose(f);
    return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_error err;
    struct tr_config *c;
    size_t lines = 1;

    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            lines++;
        }
    }
    c = config_load_mem("fuzz.conf", data, size, &err);
    if (c == NULL) {
        if (err.line < 0 || (size_t)err.line > lines || err.msg[0] == '\0' ||
            strcmp(err.file, "fuzz.conf") != 0) {
            abort();
        }
        return 0;
    }
    {
        size_t n1 = 0, n2 = 0;
        char *d1 = dump_text(c, &n1), *d2;
        struct tr_config *again =
            config_load_mem("fuzz.conf", (const uint8_t *)d1, n1, &err);
        if (again == NULL) {
            fprintf(stderr, "dump does not load: %d: %s\n%s", err.line,
                    err.msg, d1);
            abort();
        }
        d2 = dump_text(again, &n2);
        if (n1 != n2 || memcmp(d1, d2, n1) != 0) {
            fprintf(stderr, "dump is not a fixed point:\n%s\n---\n%s", d1,
                    d2);
            abort();
        }
        free(d1);
        free(d2);
        config_free(again);
    }
    config_free(c);
    return 0;
}
