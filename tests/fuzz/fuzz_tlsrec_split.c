/*
 * fuzz_tlsrec_split.c - the growing-prefix property of the stateless
 * scanners (tlsrec_scan_hello and srvscan_run). The first input byte picks
 * the max_hello cap and a stride; the rest is the byte stream. Feeding
 * prefixes must give NEED_MORE until a first prefix with a final result,
 * then the same result (status, error, offset, reassembled bytes) for every
 * longer prefix. Any violation, or a view outside its buffer, aborts.
 * Suggested -max_len: 16389 (one full record plus a header).
 */
#include <stdlib.h>
#include <string.h>

#include "serverhello.h"
#include "tlsrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 20000

static uint8_t buf[CAP];
static uint8_t ref[CAP];

static size_t
next_k(size_t k, size_t stride, size_t len)
{
    if (k == len) {
        return len + 1;
    }
    return k + stride > len ? len : k + stride;
}

static void
check_hello(const uint8_t *in, size_t len, size_t max_hello, size_t stride)
{
    struct tlsrec_hello fin, h;
    enum tlsrec_status st_fin, st;
    bool decided = false;

    st_fin = tlsrec_scan_hello(&fin, buf, CAP, in, len, max_hello);
    if (st_fin == TLSREC_OK) {
        size_t n = fin.sslv2 ? fin.hs_len : fin.hs_len + 4;

        if (fin.consumed > len || n > CAP || n > max_hello + 4 ||
            (fin.sslv2 ? fin.body != buf : fin.body != buf + 4)) {
            abort();
        }
        memcpy(ref, buf, n);
    }
    if ((st_fin == TLSREC_NOT_TLS) != !tlsrec_looks_like_tls(in, len)) {
        abort();
    }
    for (size_t k = 0; k <= len; k = next_k(k, stride, len)) {
        st = tlsrec_scan_hello(&h, buf, CAP, in, k, max_hello);
        if (!decided && st == TLSREC_NEED_MORE) {
            continue;
        }
        decided = true;
        if (st != st_fin || h.error != fin.error ||
            h.error_offset != fin.error_offset) {
            abort();
        }
        if (st == TLSREC_OK &&
            (h.consumed != fin.consumed || h.hs_len != fin.hs_len ||
             h.num_records != fin.num_records ||
             memcmp(buf, ref, fin.sslv2 ? h.hs_len : h.hs_len + 4) != 0)) {
            abort();
        }
    }
}

static void
check_server(const uint8_t *in, size_t len, size_t max_hello, size_t stride)
{
    struct srvscan fin, s;
    enum srvscan_status st_fin, st;
    bool decided = false;
    size_t max_scan = len / 2 + 10;

    st_fin = srvscan_run(&fin, buf, CAP, in, len, max_hello, max_scan);
    if (fin.has_server_hello) {
        if (fin.sh_body != buf + 4 || fin.sh_len + 4 > CAP) {
            abort();
        }
        memcpy(ref, buf, fin.sh_len + 4);
    }
    for (size_t k = 0; k <= len; k = next_k(k, stride, len)) {
        st = srvscan_run(&s, buf, CAP, in, k, max_hello, max_scan);
        if (!decided && st == SRVSCAN_NEED_MORE) {
            if (s.num_records > fin.num_records && st_fin != SRVSCAN_DONE) {
                abort();
            }
            continue;
        }
        decided = true;
        if (st != st_fin || s.error != fin.error ||
            s.error_offset != fin.error_offset || s.stop != fin.stop ||
            s.num_alerts != fin.num_alerts ||
            s.num_records != fin.num_records ||
            s.has_server_hello != fin.has_server_hello) {
            abort();
        }
        if (s.has_server_hello && memcmp(buf, ref, s.sh_len + 4) != 0) {
            abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[] = {16384, 64, 300, 4, 1000, 2, 20000, 16388};
    size_t max_hello, stride;
    uint8_t *in;

    if (size < 1) {
        return 0;
    }
    max_hello = caps[data[0] & 7];
    stride = ((size_t)(data[0] >> 3) & 15) + 1;
    /* exact-size copy so sanitizers see any over-read */
    in = malloc(size - 1 > 0 ? size - 1 : 1);
    if (in == NULL) {
        return 0;
    }
    memcpy(in, data + 1, size - 1);
    check_hello(in, size - 1, max_hello, stride);
    check_server(in, size - 1, max_hello, stride);
    free(in);
    return 0;
}
