/*
 * fuzz_socks5.c - any bytes as a client's side of a SOCKS5 dialog
 * (RFC 1928/1929, proxy/connect_parse.c), fed whole and one byte at a
 * time. Properties: both feedings reach the same step, action and
 * destination; consumed never passes the input; replies stay small; a
 * password is never kept (the state has no room for one); a CONNECT
 * destination can be written as text.
 * Suggested -max_len: 1024.
 */
#include <stdlib.h>
#include <string.h>

#include "connect_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    struct s5_state s;
    enum s5_action last;
    size_t used;
};

/* drive feeds `data` as it would arrive in chunks of `step` bytes. */
static void
drive(struct run *r, const uint8_t *data, size_t size, size_t step)
{
    uint8_t buf[1100];
    size_t have = 0, next = 0;
    struct bbuf reply;

    s5_init(&r->s);
    r->last = S5_NEED_MORE;
    r->used = 0;
    bbuf_init(&reply, 64);
    while (next < size || have > 0) {
        size_t used = 0;
        size_t add = size - next < step ? size - next : step;
        if (have + add > sizeof(buf)) {
            break;
        }
        memcpy(buf + have, data + next, add);
        have += add;
        next += add;
        bbuf_reset(&reply);
        r->last = s5_feed(&r->s, buf, have, &used, &reply);
        if (used > have || reply.len > 10 || reply.overflow) {
            abort();
        }
        r->used += used;
        memmove(buf, buf + used, have - used);
        have -= used;
        if (r->last == S5_FAIL || r->last == S5_CONNECT ||
            (r->last == S5_NEED_MORE && (next >= size || add == 0))) {
            break;
        }
    }
    bbuf_cleanup(&reply);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run whole, bytewise;
    char host[256];

    if (size > 1024) {
        return 0;
    }
    drive(&whole, data, size, size > 0 ? size : 1);
    drive(&bytewise, data, size, 1);
    if (whole.last != bytewise.last || whole.s.step != bytewise.s.step ||
        whole.used != bytewise.used) {
        abort();
    }
    if (whole.last == S5_CONNECT) {
        if (whole.s.port != bytewise.s.port ||
            whole.s.atyp != bytewise.s.atyp ||
            !s5_host_text(&whole.s, host, sizeof(host)) || host[0] == '\0') {
            abort();
        }
    }
    return 0;
}
