/*
 * bench_parse.c - time the ClientHello path: record scan + parse, and
 * parse + JA3 + JA4 (+ JA4_r), on two hellos built here: a typical
 * ~512-byte TLS 1.3 hello (31 suites, 11 extensions, padded like OpenSSL)
 * and a ~1.8 KiB post-quantum hello (X25519MLKEM768 key share, GREASE).
 * Targets: parse <= 300 ns, both fingerprints <= 2 us. Fingerprints are
 * timed twice: for a new client (MD5 + two SHA-256 computed) and for a
 * client seen before (fp_memo_enable, as tlsready runs: digests from the
 * memo, strings still built from the hello).
 *
 * Not part of the CTest run. Build by hand from a build directory, e.g.:
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I probes -I proxy \
 *      tests/bench/bench_parse.c build-x/libtlsready_probes.a \
 *      build-x/libtlsready_crypto.a -lmbedcrypto -lm -o bench_parse
 *   ./bench_parse [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clienthello.h"
#include "fingerprint.h"
#include "tlsrec.h"

static const uint16_t bench_suites[] = {
    0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8,
    0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023,
    0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033,
    0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff,
};
static const uint16_t bench_groups[] = {
    0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102,
    0x0103, 0x0104,
};
static const uint16_t bench_sigalgs[] = {
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b,
    0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301,
    0x0302, 0x0402, 0x0502, 0x0602,
};

static void
put_ext(struct bbuf *e, uint16_t type, const struct bbuf *body)
{
    bbuf_put_u16(e, type);
    bbuf_put_u16(e, (uint16_t)body->len);
    bbuf_put(e, body->data, body->len);
}

static void
put_list16(struct bbuf *b, const uint16_t *v, size_t n, uint16_t grease)
{
    size_t i;

    bbuf_put_u16(b, (uint16_t)(2 * n + (grease ? 2 : 0)));
    if (grease) {
        bbuf_put_u16(b, grease);
    }
    for (i = 0; i < n; i++) {
        bbuf_put_u16(b, v[i]);
    }
}

/* build_record writes one handshake record holding a ClientHello. */
static void
build_record(struct bbuf *rec, bool pq)
{
    static const uint8_t zeros[1300];
    struct bbuf exts;
    struct bbuf x;
    struct bbuf hello;
    uint16_t grease = pq ? 0x2a2a : 0;
    size_t pad;

    bbuf_init(&exts, 1 << 16);
    bbuf_init(&x, 1 << 16);
    bbuf_init(&hello, 1 << 16);
    if (pq) {
        put_ext(&exts, 0x0a0a, &x);
    }
    bbuf_put_u16(&x, 14);
    bbuf_put_u8(&x, 0);
    bbuf_put_u16(&x, 11);
    bbuf_put_str(&x, "example.com");
    put_ext(&exts, 0x0000, &x);
    bbuf_reset(&x);
    bbuf_put_u8(&x, 3);
    bbuf_put_u8(&x, 0);
    bbuf_put_u8(&x, 1);
    bbuf_put_u8(&x, 2);
    put_ext(&exts, 0x000b, &x);
    bbuf_reset(&x);
    if (pq) {
        static const uint16_t g[] = { 0x11ec, 0x001d, 0x0017, 0x0018 };

        put_list16(&x, g, 4, grease);
    } else {
        put_list16(&x, bench_groups, 10, 0);
    }
    put_ext(&exts, 0x000a, &x);
    bbuf_reset(&x);
    put_ext(&exts, 0x0023, &x);
    put_ext(&exts, 0x0016, &x);
    put_ext(&exts, 0x0017, &x);
    bbuf_put_u16(&x, 12);
    bbuf_put_u8(&x, 2);
    bbuf_put_str(&x, "h2");
    bbuf_put_u8(&x, 8);
    bbuf_put_str(&x, "http/1.1");
    put_ext(&exts, 0x0010, &x);
    bbuf_reset(&x);
    put_list16(&x, bench_sigalgs, 20, 0);
    put_ext(&exts, 0x000d, &x);
    bbuf_reset(&x);
    bbuf_put_u8(&x, (uint8_t)(pq ? 6 : 4));
    if (pq) {
        bbuf_put_u16(&x, grease);
    }
    bbuf_put_u16(&x, 0x0304);
    bbuf_put_u16(&x, 0x0303);
    put_ext(&exts, 0x002b, &x);
    bbuf_reset(&x);
    bbuf_put_u8(&x, 1);
    bbuf_put_u8(&x, 1);
    put_ext(&exts, 0x002d, &x);
    bbuf_reset(&x);
    if (pq) {
        bbuf_put_u16(&x, (uint16_t)(5 + 4 + 1216 + 4 + 32));
        bbuf_put_u16(&x, grease);
        bbuf_put_u16(&x, 1);
        bbuf_put_u8(&x, 0);
        bbuf_put_u16(&x, 0x11ec);
        bbuf_put_u16(&x, 1216);
        bbuf_put(&x, zeros, 1216);
    } else {
        bbuf_put_u16(&x, 36);
    }
    bbuf_put_u16(&x, 0x001d);
    bbuf_put_u16(&x, 32);
    bbuf_put(&x, zeros, 32);
    put_ext(&exts, 0x0033, &x);
    bbuf_reset(&x);

    bbuf_put_u16(&hello, 0x0303);
    bbuf_put(&hello, zeros, 32);
    bbuf_put_u8(&hello, 32);
    bbuf_put(&hello, zeros, 32);
    put_list16(&hello, bench_suites, pq ? 16 : 31, grease);
    bbuf_put_u8(&hello, 1);
    bbuf_put_u8(&hello, 0);
    /* padding (RFC 7685) to 508 body bytes for the typical hello */
    pad = 2 + hello.len + exts.len + 4;
    if (!pq && pad < 508) {
        bbuf_put(&x, zeros, 508 - pad);
        put_ext(&exts, 0x0015, &x);
    } else if (pq) {
        bbuf_put(&x, zeros, 300);       /* ~1.8 KiB, like Chrome's */
        put_ext(&exts, 0x0015, &x);
    }
    bbuf_put_u16(&hello, (uint16_t)exts.len);
    bbuf_put(&hello, exts.data, exts.len);

    bbuf_put_u8(rec, 22);
    bbuf_put_u16(rec, 0x0301);
    bbuf_put_u16(rec, (uint16_t)(hello.len + 4));
    bbuf_put_u8(rec, 1);
    bbuf_put_u8(rec, 0);
    bbuf_put_u16(rec, (uint16_t)hello.len);
    bbuf_put(rec, hello.data, hello.len);
    bbuf_cleanup(&exts);
    bbuf_cleanup(&x);
    bbuf_cleanup(&hello);
}

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);  /* CPU time: steadier on a shared VM */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volatile size_t bench_sink;

/* time_fingerprints: ns per scan + parse + JA3 + JA4/JA4_r with `fp`. */
static double
time_fingerprints(const struct bbuf *rec, struct fingerprint *fp, long iters)
{
    static uint8_t buf[TLSREC_DEFAULT_MAX_HELLO + 4];
    struct tlsrec_hello rh;
    struct clienthello ch;
    double t0 = now_ns();

    for (long i = 0; i < iters; i++) {
        if (tlsrec_scan_hello(&rh, buf, sizeof(buf), rec->data, rec->len,
                              TLSREC_DEFAULT_MAX_HELLO) != TLSREC_OK ||
            clienthello_parse_hello(&ch, &rh) != CH_OK ||
            !fp_compute(fp, &ch)) {
            exit(1);
        }
        bench_sink += (size_t)fp->ja4[5];
    }
    return (now_ns() - t0) / (double)iters;
}

static void
bench(const char *name, const struct bbuf *rec, long iters)
{
    static uint8_t buf[TLSREC_DEFAULT_MAX_HELLO + 4];
    struct tlsrec_hello rh;
    struct clienthello ch;
    struct fingerprint fp;
    double t0;
    double t_parse;
    double t_body;
    double t_fp;
    double t_warm;
    long i;

    fp_init(&fp, FP_DEFAULT_MAX_TEXT);
    if (tlsrec_scan_hello(&rh, buf, sizeof(buf), rec->data, rec->len,
                          TLSREC_DEFAULT_MAX_HELLO) != TLSREC_OK ||
        clienthello_parse_hello(&ch, &rh) != CH_OK || !fp_compute(&fp, &ch)) {
        fprintf(stderr, "%s: vector does not parse\n", name);
        exit(1);
    }
    printf("%s: %zu bytes on the wire, %s\n", name, rec->len, fp.ja4);

    t0 = now_ns();
    for (i = 0; i < iters; i++) {
        if (clienthello_parse(&ch, rh.body, rh.hs_len) != CH_OK) {
            exit(1);
        }
        bench_sink += ch.num_extensions;
    }
    t_body = (now_ns() - t0) / (double)iters;

    t0 = now_ns();
    for (i = 0; i < iters; i++) {
        if (tlsrec_scan_hello(&rh, buf, sizeof(buf), rec->data, rec->len,
                              TLSREC_DEFAULT_MAX_HELLO) != TLSREC_OK ||
            clienthello_parse_hello(&ch, &rh) != CH_OK) {
            exit(1);
        }
        bench_sink += ch.num_extensions;
    }
    t_parse = (now_ns() - t0) / (double)iters;

    t_fp = time_fingerprints(rec, &fp, iters);

    /* The same with the digest memo the running program uses: every
     * iteration after the first is a client seen before. */
    if (!fp_memo_enable(&fp)) {
        exit(1);
    }
    t_warm = time_fingerprints(rec, &fp, iters);

    printf("  clienthello_parse (body)        %8.1f ns/op\n", t_body);
    printf("  scan_hello + parse_hello        %8.1f ns/op\n", t_parse);
    printf("  scan + parse + JA3 + JA4/JA4_r  %8.1f ns/op "
           "(fingerprints alone %.1f ns) - new client, 3 digests\n", t_fp,
           t_fp - t_parse);
    printf("  the same, client seen before    %8.1f ns/op "
           "(fingerprints alone %.1f ns) - digests from the memo\n", t_warm,
           t_warm - t_parse);
    fp_cleanup(&fp);
}

int
main(int argc, char **argv)
{
    struct bbuf typical;
    struct bbuf pq;
    long iters = argc > 1 ? atol(argv[1]) : 200000;

    if (iters <= 0) {
        iters = 200000;
    }
    bbuf_init(&typical, 1 << 16);
    bbuf_init(&pq, 1 << 16);
    build_record(&typical, false);
    build_record(&pq, true);
    bench("typical", &typical, iters);
    bench("post-quantum", &pq, iters);
    bbuf_cleanup(&typical);
    bbuf_cleanup(&pq);
    return 0;
}
