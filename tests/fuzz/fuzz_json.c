/*
 * fuzz_json.c - any bytes as a JSON string value: the output must be one
 * line, within its bound, and round-trip-safe (no raw control characters,
 * balanced quotes). Parsing with a real JSON parser happens in the e2e tests.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bbuf b;
    struct jw w;

    bbuf_init(&b, 8 * size + 64);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kv_strn(&w, "v", data, size);
    jw_obj_end(&w);
    if (!jw_ok(&w)) {
        abort();
    }
    for (size_t i = 0; i < b.len; i++) {
        if (b.data[i] < 0x20) {
            abort(); /* a raw control character escaped the writer */
        }
    }
    if (json_utf8_clean(data, size) && !b.overflow) {
        /* clean input: every byte but the escaped ones comes through */
        if (b.len < size) {
            abort();
        }
    }
    bbuf_cleanup(&b);
    return 0;
}
