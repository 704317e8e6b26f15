/*
 * fuzz_httpconnect.c - any bytes as an HTTP CONNECT request head
 * (proxy/connect_parse.c). Properties: views lie inside the input; the
 * head length is within the input and the cap; growing prefixes give
 * NEED_MORE (or an early error) until the full-input result, and a result
 * other than NEED_MORE never changes for a longer prefix; every status
 * maps to a reply that the builder can write.
 * Suggested -max_len: 9000.
 */
#include <stdlib.h>
#include <string.h>

#include "connect_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HC_MAX 8192

static bool
inside(const struct bcur *v, const uint8_t *b, size_t len)
{
    if (v->len == 0) {
        return true;
    }
    return v->ptr >= b && v->ptr <= b + len &&
           v->len <= (size_t)(b + len - v->ptr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hc_request req;
    enum hc_status full, st;
    struct bbuf out;

    full = hc_parse(&req, data, size, FUZZ_HC_MAX);
    if (full == HC_OK) {
        if (!inside(&req.host, data, size) ||
            !inside(&req.user_agent, data, size) ||
            req.head_len > size || req.head_len > FUZZ_HC_MAX ||
            req.port == 0 || req.host.len == 0 ||
            req.user_agent.len > CP_UA_MAX) {
            abort();
        }
    }
    /* Prefixes: once decided, the answer stays. */
    if (size <= 2048) {
        enum hc_status first = HC_NEED_MORE;
        for (size_t k = 0; k <= size; k++) {
            st = hc_parse(&req, data, k, FUZZ_HC_MAX);
            if (first != HC_NEED_MORE && st != first) {
                abort();
            }
            if (first == HC_NEED_MORE && st != HC_NEED_MORE) {
                first = st;
            }
        }
        if (first != full) {
            abort();
        }
    }
    bbuf_init(&out, 1024);
    hc_reply(&out, hc_status_code(full));
    if (out.overflow || out.len < 12) {
        abort();
    }
    bbuf_cleanup(&out);
    return 0;
}
