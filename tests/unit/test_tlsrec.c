/*
 * test_tlsrec.c - the record layer and the stateless hello de-framer:
 * growing-prefix property on real and crafted inputs, NOT_TLS sniffing,
 * every MALFORMED token, TOO_BIG, SSLv2-compatible framing, and the
 * nginx-tests stream_ssl_preread cases (short length, SSL 3.0 record
 * version, hello split across records, not a handshake, buffer full).
 * Every parser call reads from a tl_fenced buffer.
 */
#include <string.h>

#include "clienthello.h"
#include "parse_util.h"
#include "tl.h"
#include "tlsrec.h"

#define CAP 20000

static uint8_t scratch[CAP];
static uint8_t scratch2[CAP];

/* scan runs tlsrec_scan_hello on a fenced copy of the first `len` bytes. */
static enum tlsrec_status
scan(struct tlsrec_hello *h, const uint8_t *in, size_t len, size_t max)
{
    uint8_t *f = tl_fenced(in, len);
    enum tlsrec_status st = tlsrec_scan_hello(h, scratch, CAP, f, len, max);

    /* body points into scratch, never into the (about to be freed) input */
    if (st == TLSREC_OK) {
        CHECK(h->body >= scratch && h->body + h->hs_len <= scratch + CAP);
        CHECK(h->consumed <= len);
    }
    tl_fenced_free(f, len);
    return st;
}

/*
 * prefix_property checks the header's promise on every prefix of `in`:
 * NEED_MORE up to some k, then one fixed result. It returns the final
 * status and the first k that gave it.
 */
static enum tlsrec_status
prefix_property(const uint8_t *in, size_t len, size_t max, size_t *first)
{
    struct tlsrec_hello ref, h;
    enum tlsrec_status fin, st;
    bool decided = false;

    fin = scan(&ref, in, len, max);
    memcpy(scratch2, scratch, CAP);
    *first = len;
    for (size_t k = 0; k <= len; k++) {
        st = scan(&h, in, k, max);
        if (!decided && st == TLSREC_NEED_MORE) {
            continue;
        }
        if (!decided) {
            decided = true;
            *first = k;
        }
        CHECK(st == fin);
        CHECK(h.error == ref.error);
        CHECK(h.error_offset == ref.error_offset);
        if (st == TLSREC_OK) {
            CHECK(h.consumed == ref.consumed);
            CHECK(h.num_records == ref.num_records);
            CHECK(h.hs_len == ref.hs_len);
            CHECK(memcmp(scratch, scratch2, h.hs_len + (h.sslv2 ? 0 : 4)) ==
                  0);
        }
        if (st != fin) {
            fprintf(stderr, "  prefix %zu of %zu: %s, full: %s\n", k, len,
                    tlsrec_status_str(st), tlsrec_status_str(fin));
            break;
        }
    }
    return fin;
}

static void
test_tokens(void)
{
    CHECK(strcmp(tlsrec_status_str(TLSREC_OK), "ok") == 0);
    CHECK(strcmp(tlsrec_status_str(TLSREC_NEED_MORE), "need_more") == 0);
    CHECK(strcmp(tlsrec_status_str(TLSREC_NOT_TLS), "not_tls") == 0);
    CHECK(strcmp(tlsrec_status_str(TLSREC_TOO_BIG), "too_big") == 0);
    CHECK(strcmp(tlsrec_status_str(TLSREC_MALFORMED), "malformed") == 0);
    CHECK(strcmp(tlsrec_status_str((enum tlsrec_status)99), "unknown") == 0);
}

static void
test_next(void)
{
    static const uint8_t two[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46,
                                  0x17, 0x03, 0x03, 0x00, 0x01, 0xaa};
    uint8_t *f = tl_fenced(two, sizeof(two));
    struct tlsrec r;
    struct bcur c;
    const char *err = NULL;
    size_t at = 0;

    bcur_init(&c, f, sizeof(two));
    CHECK(tlsrec_next(&c, &r) == TLSREC_OK);
    CHECK(r.type == TLSREC_ALERT && r.version == 0x0303);
    CHECK(bcur_left(&r.fragment) == 2);
    CHECK(tlsrec_next(&c, &r) == TLSREC_OK);
    CHECK(r.type == TLSREC_APPLICATION_DATA && bcur_left(&r.fragment) == 1);
    CHECK(bcur_left(&c) == 0);
    CHECK(tlsrec_next(&c, &r) == TLSREC_NEED_MORE);
    tl_fenced_free(f, sizeof(two));

    /* Every strict prefix of one record: NEED_MORE, cursor untouched. */
    for (size_t k = 0; k < 7; k++) {
        f = tl_fenced(two, k);
        bcur_init(&c, f, k);
        CHECK(tlsrec_next(&c, &r) == TLSREC_NEED_MORE);
        CHECK(bcur_left(&c) == k);
        tl_fenced_free(f, k);
    }

    /* Header errors are reported as soon as their byte arrives. */
    {
        static const uint8_t bad_type[] = {0x19};
        static const uint8_t bad_major[] = {0x16, 0x02};
        static const uint8_t too_long[] = {0x16, 0x03, 0x01, 0x41, 0x01};
        static const uint8_t max_ok[] = {0x17, 0x03, 0x03, 0x41, 0x00};

        f = tl_fenced(bad_type, 1);
        bcur_init(&c, f, 1);
        CHECK(tlsrec_next_err(&c, &r, &err, &at) == TLSREC_MALFORMED);
        CHECK(strcmp(err, "bad_content_type") == 0 && at == 0);
        CHECK(bcur_left(&c) == 1);
        tl_fenced_free(f, 1);

        f = tl_fenced(bad_major, 2);
        bcur_init(&c, f, 2);
        CHECK(tlsrec_next_err(&c, &r, &err, &at) == TLSREC_MALFORMED);
        CHECK(strcmp(err, "record_version") == 0 && at == 1);
        tl_fenced_free(f, 2);

        f = tl_fenced(too_long, 5);
        bcur_init(&c, f, 5);
        CHECK(tlsrec_next_err(&c, &r, &err, &at) == TLSREC_MALFORMED);
        CHECK(strcmp(err, "record_too_long") == 0 && at == 3);
        tl_fenced_free(f, 5);

        /* 2^14 + 256 itself is allowed (RFC 8446 §5.2). */
        f = tl_fenced(max_ok, 5);
        bcur_init(&c, f, 5);
        CHECK(tlsrec_next(&c, &r) == TLSREC_NEED_MORE);
        tl_fenced_free(f, 5);
    }
}

static void
test_sniff(void)
{
    static const char *const plain[] = {
        "a1 CAPABILITY\r\n", "EHLO client.example\r\n", "GET / HTTP/1.0\r\n",
        "USER x\r\n", "CAPA\r\n", "\r\n", "STARTTLS\r\n", "QUIT\r\n",
    };
    struct tlsrec_hello h;

    for (size_t i = 0; i < ARRAY_LEN(plain); i++) {
        const uint8_t *p = (const uint8_t *)plain[i];
        size_t first = 0;

        CHECK(!tlsrec_looks_like_tls(p, strlen(plain[i])));
        CHECK(prefix_property(p, strlen(plain[i]), 16384, &first) ==
              TLSREC_NOT_TLS);
        CHECK(first == 1);      /* decided from the very first byte */
        CHECK(scan(&h, p, 1, 16384) == TLSREC_NOT_TLS);
        CHECK(strcmp(h.error, "not_tls") == 0);
    }
    CHECK(tlsrec_looks_like_tls((const uint8_t *)"", 0));
    CHECK(tlsrec_looks_like_tls((const uint8_t *)"\x16", 1));
    CHECK(tlsrec_looks_like_tls((const uint8_t *)"\x16\x03\x01", 3));
    CHECK(tlsrec_looks_like_tls((const uint8_t *)"\x15\x03", 2));
    CHECK(!tlsrec_looks_like_tls((const uint8_t *)"\x15\x20", 2));
    CHECK(tlsrec_looks_like_tls((const uint8_t *)"\x80\x2e", 2));
    CHECK(tlsrec_looks_like_tls((const uint8_t *)"\x80\x2e\x01", 3));
    CHECK(!tlsrec_looks_like_tls((const uint8_t *)"\xc3\xa9t", 3));

    /* UTF-8 text with a high first byte: NOT_TLS on the third byte. */
    {
        size_t first = 0;
        const uint8_t *p = (const uint8_t *)"\xc3\xa9t\xc3\xa9";

        CHECK(prefix_property(p, 5, 16384, &first) == TLSREC_NOT_TLS);
        CHECK(first == 3);
    }
}

/* A small ClientHello body with SNI "mail.example.org". */
static void
small_hello(struct bbuf *body)
{
    struct bbuf e;

    bbuf_init(&e, 4096);
    pu_ext(&e, 0, "0013 00 0010 6d61696c2e6578616d706c652e6f7267");
    pu_ext(&e, 10, "0004 001d 0017");
    pu_hello(body, 0x0303, "c02f c030 009e", &e);
    bbuf_cleanup(&e);
}

static void
test_split_records(void)
{
    struct bbuf body, in;
    struct tlsrec_hello h;
    size_t first = 0;

    bbuf_init(&body, 1 << 16);
    small_hello(&body);

    /* Whole hello in one record; every chunk size down to a few bytes. */
    for (size_t chunk = body.len + 4; chunk >= 2; chunk--) {
        size_t nrec = (body.len + 4 + chunk - 1) / chunk;

        bbuf_init(&in, 1 << 20);
        pu_records(&in, 1, body.data, body.len, chunk, 0x0301);
        if (nrec <= TLSREC_MAX_RECORDS) {
            CHECK(prefix_property(in.data, in.len, 16384, &first) ==
                  TLSREC_OK);
            CHECK(first == in.len);
            CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_OK);
            CHECK(h.num_records == nrec);
            CHECK(h.consumed == in.len);
            CHECK(h.hs_type == 1 && h.hs_len == body.len);
            CHECK(h.record_version == 0x0301 && !h.sslv2);
            CHECK(memcmp(h.body, body.data, body.len) == 0);
        } else {
            CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_MALFORMED);
            CHECK(strcmp(h.error, "too_many_records") == 0);
            CHECK(h.error_offset == TLSREC_MAX_RECORDS * (5 + chunk));
        }
        bbuf_cleanup(&in);
    }

    /* SNI split across two records (nginx-tests "sni split"). */
    bbuf_init(&in, 1 << 16);
    pu_records(&in, 1, body.data, body.len, 4 + 50, 0x0301);
    {
        struct clienthello ch;

        CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_OK);
        CHECK(h.num_records == 2);
        CHECK(clienthello_parse_hello(&ch, &h) == CH_OK);
        CHECK(ch.num_records == 2 && ch.record_version == 0x0301);
        CHECK(ch.has_sni && bcur_eq(&ch.sni, "mail.example.org"));
    }
    /* Data after the hello in the stream is not part of it. */
    bbuf_put(&in, "\x14\x03\x03\x00\x01\x01", 6);
    CHECK(prefix_property(in.data, in.len, 16384, &first) == TLSREC_OK);
    CHECK(first == in.len - 6);
    bbuf_cleanup(&in);

    /* SSL 3.0 record version (nginx-tests "ssl3"). */
    bbuf_init(&in, 1 << 16);
    pu_records(&in, 1, body.data, body.len, 1000, 0x0300);
    CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_OK);
    CHECK(h.record_version == 0x0300);
    bbuf_cleanup(&in);

    /* Any handshake type is de-framed; the ClientHello parser says no. */
    bbuf_init(&in, 1 << 16);
    pu_records(&in, 2, body.data, body.len, 1000, 0x0303);
    CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_OK);
    CHECK(h.hs_type == 2);
    {
        struct clienthello ch;

        CHECK(clienthello_parse_hello(&ch, &h) == CH_ERR_NOT_CLIENTHELLO);
        CHECK(strcmp(ch_status_str(ch.status), "not_clienthello") == 0);
    }
    bbuf_cleanup(&in);

    /* Record longer than the message: wait for the whole record. */
    bbuf_init(&in, 1 << 16);
    bbuf_put(&in, "\x16\x03\x01\x00\x0a\x01\x00\x00\x02\xaa\xbb", 11);
    CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_NEED_MORE);
    bbuf_put(&in, "\x0e\x00\x00\x00", 4); /* server_hello_done-like tail */
    CHECK(prefix_property(in.data, in.len, 16384, &first) == TLSREC_OK);
    CHECK(first == 15);
    CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_OK && h.hs_len == 2);
    bbuf_cleanup(&in);
    bbuf_cleanup(&body);
}

static void
expect_malformed(const char *hex, const char *err, size_t at)
{
    size_t len = 0, first = 0;
    uint8_t *in = tl_unhex(hex, &len);
    struct tlsrec_hello h;

    CHECK(prefix_property(in, len, 16384, &first) == TLSREC_MALFORMED);
    CHECK(scan(&h, in, len, 16384) == TLSREC_MALFORMED);
    CHECK(h.error != NULL && strcmp(h.error, err) == 0);
    CHECK(h.error_offset == at);
    if (h.error == NULL || strcmp(h.error, err) != 0 || h.error_offset != at) {
        fprintf(stderr, "  %s: got %s at %zu\n", hex,
                h.error != NULL ? h.error : "(null)", h.error_offset);
    }
    free(in);
}

static void
test_malformed(void)
{
    /* Zero-length handshake record (RFC 8446 §5.1). */
    expect_malformed("16 0301 0000", "empty_record", 3);
    expect_malformed("16 0301 0002 0100 16 0301 0000", "empty_record", 10);
    /* Record longer than 2^14 + 256. */
    expect_malformed("16 0301 4101", "record_too_long", 3);
    expect_malformed("16 0301 ffff", "record_too_long", 3);
    /* Record version major != 3, first and later records. */
    expect_malformed("16 0201 0010", "record_version", 1);
    expect_malformed("16 0301 0002 0100 16 0003 0001 00", "record_version",
                     8);
    /* Bad content type in a later record. */
    expect_malformed("16 0301 0002 0100 63 0301 0001 00", "bad_content_type",
                     7);
    /* A non-handshake record first, or interleaved (nginx "not a hs"). */
    expect_malformed("15 0301 0002 0228", "not_handshake", 0);
    expect_malformed("17 0303 0001 00", "not_handshake", 0);
    expect_malformed("16 0301 0003 010000 15 0301 0002 0228", "not_handshake",
                     8);
    expect_malformed("16 0301 0003 010000 14 0301 0001 01", "not_handshake",
                     8);
}

static void
test_short_and_big(void)
{
    struct bbuf body, in;
    struct tlsrec_hello h;
    size_t first = 0;

    bbuf_init(&body, 1 << 16);
    small_hello(&body);

    /* Short length (nginx-tests): the record ends inside the message. */
    bbuf_init(&in, 1 << 16);
    pu_records(&in, 1, body.data, body.len, 1000, 0x0301);
    {
        /* claim 3 fewer fragment bytes: the hello never completes */
        uint8_t *p = in.data;
        size_t l = in.len - 3;

        p[4] = (uint8_t)(p[4] - 3);
        CHECK(scan(&h, p, l, 16384) == TLSREC_NEED_MORE);
        /* ... until the next record turns out not to be handshake */
        in.len = l;
        bbuf_put(&in, "\x15\x03\x01\x00\x02\x02\x28", 7);
        CHECK(scan(&h, in.data, in.len, 16384) == TLSREC_MALFORMED);
    }
    bbuf_cleanup(&in);

    /* Buffer full / too big: decided once the handshake header is seen. */
    bbuf_init(&in, 1 << 16);
    pu_records(&in, 1, body.data, body.len, 1000, 0x0301);
    CHECK(prefix_property(in.data, in.len, body.len + 3, &first) ==
          TLSREC_TOO_BIG);
    CHECK(first == 9);
    CHECK(scan(&h, in.data, in.len, body.len + 3) == TLSREC_TOO_BIG);
    CHECK(strcmp(h.error, "hello_too_big") == 0);
    CHECK(scan(&h, in.data, in.len, body.len + 4) == TLSREC_OK);
    {
        uint8_t small[16];
        uint8_t *f = tl_fenced(in.data, in.len);

        CHECK(tlsrec_scan_hello(&h, small, sizeof(small), f, in.len, 16384) ==
              TLSREC_TOO_BIG);
        CHECK(tlsrec_scan_hello(&h, small, 2, f, in.len, 16384) ==
              TLSREC_TOO_BIG);
        tl_fenced_free(f, in.len);
    }
    bbuf_cleanup(&in);

    /* Handshake header split over 1-byte records: TOO_BIG at byte 4. */
    bbuf_init(&in, 1 << 16);
    pu_records(&in, 1, body.data, body.len, 1, 0x0301);
    CHECK(prefix_property(in.data, in.len, 20, &first) == TLSREC_TOO_BIG);
    CHECK(first == 4 * 6);
    bbuf_cleanup(&in);

    /* A 2^24-1 claim over a max-size record: TOO_BIG, not a wait. */
    {
        size_t len = 0;
        uint8_t *p = tl_unhex("16 0303 4000 01 ffffff 0303", &len);

        CHECK(scan(&h, p, len, TLSREC_DEFAULT_MAX_HELLO) == TLSREC_TOO_BIG);
        free(p);
    }
    bbuf_cleanup(&body);
}

static void
test_sslv2(void)
{
    /* RFC 5246 E.2: 2-byte header 0x802e, 7 specs, no session, 16 bytes. */
    static const char v2[] =
        "80 2e 01 0301 0015 0000 0010"
        "000039 000038 000035 000016 000013 00000a 0000ff"
        "5bba51a3 7fef20d4 13c8e5a6 c0e23e11";
    size_t len = 0, first = 0;
    uint8_t *in = tl_unhex(v2, &len);
    struct tlsrec_hello h;
    struct clienthello ch;
    uint16_t suites[16];

    CHECK(len == 48);
    CHECK(tlsrec_looks_like_tls(in, len));
    CHECK(prefix_property(in, len, 16384, &first) == TLSREC_OK);
    CHECK(first == len);
    CHECK(scan(&h, in, len, 16384) == TLSREC_OK);
    CHECK(h.sslv2 && h.record_version == 0x0002 && h.num_records == 1);
    CHECK(h.hs_type == 1 && h.hs_len == 46 && h.consumed == 48);
    CHECK(clienthello_parse_hello(&ch, &h) == CH_OK);
    CHECK(ch.sslv2 && ch.legacy_version == 0x0301);
    CHECK(bcur_left(&ch.cipher_suites) == 0);
    CHECK(bcur_left(&ch.sslv2_cipher_specs) == 21);
    CHECK(bcur_left(&ch.random) == 16);
    CHECK(ch.renego_scsv);
    CHECK(clienthello_suites(&ch, suites, 16) == 7);
    CHECK(suites[0] == 0x0039 && suites[6] == 0x00ff);
    CHECK(ch.num_versions == 2 && ch.versions[0] == 0x0301 &&
          ch.versions[1] == 0x0002 && ch.highest_version == 0x0301);

    /* Broken E.2 fields, each decided at its own byte. */
    {
        static const struct {
            const char *hex;
            const char *err;
        } bad[] = {
            {"80 2e 01 04", "sslv2_version"},
            {"80 2e 01 0301 0014", "sslv2_cipher_spec_length"},
            {"80 2e 01 0301 0000", "sslv2_cipher_spec_length"},
            {"80 2e 01 0301 0015 0005", "sslv2_session_id_length"},
            {"80 2e 01 0301 0015 0000 000f", "sslv2_challenge_length"},
            {"80 2e 01 0301 0015 0000 0021", "sslv2_challenge_length"},
            {"80 2f 01 0301 0015 0000 0010", "sslv2_length"},
            {"80 05 01", "sslv2_length"},
        };

        for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
            size_t l = 0;
            uint8_t *p = tl_unhex(bad[i].hex, &l);

            CHECK(prefix_property(p, l, 16384, &first) == TLSREC_MALFORMED);
            CHECK(first == l);
            if (first != l) {
                fprintf(stderr, "  %s: decided at %zu\n", bad[i].hex, first);
            }
            CHECK(scan(&h, p, l, 16384) == TLSREC_MALFORMED);
            CHECK(strcmp(h.error, bad[i].err) == 0);
            free(p);
        }
    }
    CHECK(scan(&h, in, len, 40) == TLSREC_TOO_BIG);
    free(in);
}

/* Golden vectors: one real record each; every prefix NEED_MORE. */
static void
test_golden(void)
{
    static const char *const names[] = {
        "clienthello/openssl_tls1.bin", "clienthello/openssl_tls12.bin",
        "clienthello/openssl_tls13.bin", "clienthello/gnutls.bin",
        "clienthello/curl.bin", "clienthello/python.bin",
    };

    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        size_t len = 0, first = 0;
        uint8_t *in = pu_load(names[i], &len);
        struct tlsrec_hello h;

        CHECK(in != NULL);
        if (in == NULL) {
            continue;
        }
        CHECK(prefix_property(in, len, 16384, &first) == TLSREC_OK);
        CHECK(first == len);
        CHECK(scan(&h, in, len, 16384) == TLSREC_OK);
        CHECK(h.num_records == 1 && h.consumed == len && h.hs_type == 1);
        CHECK(h.hs_len + 9 == len);

        /* Mutate each header/length byte to 0x00 and 0xff: no crash,
         * still a consistent growing-prefix answer. */
        for (size_t pos = 0; pos < 9; pos++) {
            uint8_t save = in[pos];

            in[pos] = 0x00;
            (void)prefix_property(in, len, 16384, &first);
            in[pos] = 0xff;
            (void)prefix_property(in, len, 16384, &first);
            in[pos] = save;
        }
        free(in);
    }
}

int
main(void)
{
    test_tokens();
    test_next();
    test_sniff();
    test_split_records();
    test_malformed();
    test_short_and_big();
    test_sslv2();
    test_golden();
    return tl_done("test_tlsrec");
}
