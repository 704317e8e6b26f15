/*
 * test_serverhello.c - ServerHello/HRR decoding, alert names, and the
 * srvscan walker on real `openssl s_server` answers captured with
 * tests/vectors/capture.py (TLS 1.3 with CCS and encrypted records, TLS 1.2
 * pausing after ServerHelloDone, HelloRetryRequest, a fatal alert), plus
 * crafted framing errors. Every parser call reads a tl_fenced buffer.
 */
#include <string.h>

#include "parse_util.h"
#include "serverhello.h"
#include "tl.h"
#include "tlsrec.h"

#define CAP 20000

static uint8_t buf[CAP];
static uint8_t ref_buf[CAP];
static uint8_t *last_f;
static size_t last_len;

/* keep one fenced copy alive until the next call, so views can be read */
static uint8_t *
fence(const uint8_t *p, size_t len)
{
    if (last_f != NULL) {
        tl_fenced_free(last_f, last_len);
    }
    last_f = tl_fenced(p, len);
    last_len = len;
    return last_f;
}

static bool
sh_views_inside(const struct serverhello *sh, const uint8_t *b, size_t len)
{
    bool ok = pu_inside(&sh->random, b, len) &&
              pu_inside(&sh->session_id, b, len) &&
              pu_inside(&sh->alpn, b, len) &&
              sh->num_extensions <= SH_MAX_EXTENSIONS &&
              (sh->status == SH_OK || sh->error_offset <= len);

    for (size_t i = 0; i < sh->num_extensions; i++) {
        ok = ok && pu_inside(&sh->extensions[i].data, b, len);
    }
    return ok;
}

static enum sh_status
sh_parse(struct serverhello *sh, const uint8_t *body, size_t len)
{
    uint8_t *f = fence(body, len);
    enum sh_status st = serverhello_parse(sh, f, len);

    CHECK(st == sh->status);
    CHECK(sh_views_inside(sh, f, len));
    return st;
}

static enum srvscan_status
run(struct srvscan *s, const uint8_t *in, size_t len, size_t max_hello,
    size_t max_scan)
{
    uint8_t *f = fence(in, len);
    enum srvscan_status st;

    st = srvscan_run(s, buf, CAP, f, len, max_hello, max_scan);
    CHECK(s->num_records <= len / 5 + 1 && s->consumed <= len);
    if (s->has_server_hello) {
        CHECK(s->sh_body == buf + 4 && s->sh_len + 4 <= CAP);
    }
    return st;
}

/*
 * prefix_property: over every prefix, the result is NEED_MORE (with facts
 * only growing) until one final result, identical for all longer prefixes.
 */
static enum srvscan_status
prefix_property(const uint8_t *in, size_t len, size_t max_hello,
                size_t max_scan, size_t *first)
{
    struct srvscan ref, s;
    enum srvscan_status fin, st;
    size_t prev_records = 0;
    bool decided = false;

    fin = run(&ref, in, len, max_hello, max_scan);
    memcpy(ref_buf, buf, CAP);
    *first = len;
    for (size_t k = 0; k <= len; k++) {
        st = run(&s, in, k, max_hello, max_scan);
        if (!decided && st == SRVSCAN_NEED_MORE) {
            CHECK(s.num_records >= prev_records);
            prev_records = s.num_records;
            continue;
        }
        if (!decided) {
            decided = true;
            *first = k;
        }
        CHECK(st == fin && s.stop == ref.stop && s.error == ref.error);
        CHECK(s.error_offset == ref.error_offset);
        CHECK(s.num_records == ref.num_records && s.num_alerts ==
              ref.num_alerts && s.has_server_hello == ref.has_server_hello);
        if (s.has_server_hello) {
            CHECK(s.sh_len == ref.sh_len &&
                  memcmp(buf, ref_buf, s.sh_len + 4) == 0);
        }
        if (st != fin) {
            break;
        }
    }
    return fin;
}

static void
test_tokens(void)
{
    CHECK(strcmp(sh_status_str(SH_OK), "ok") == 0);
    CHECK(strcmp(sh_status_str(SH_ERR_EXT_DUPLICATE), "ext_duplicate") == 0);
    CHECK(strcmp(sh_status_str((enum sh_status)50), "unknown") == 0);
    CHECK(strcmp(srvscan_status_str(SRVSCAN_DONE), "done") == 0);
    CHECK(strcmp(srvscan_status_str(SRVSCAN_NEED_MORE), "need_more") == 0);
    CHECK(strcmp(srvscan_stop_str(SRVSCAN_STOP_CHANGE_CIPHER_SPEC),
                 "change_cipher_spec") == 0);
    CHECK(strcmp(srvscan_stop_str(SRVSCAN_STOP_LIMIT), "limit") == 0);
    CHECK(strcmp(tls_alert_level_str(1), "warning") == 0);
    CHECK(strcmp(tls_alert_level_str(2), "fatal") == 0);
    CHECK(strcmp(tls_alert_level_str(3), "unknown") == 0);
    CHECK(strcmp(tls_alert_desc_str(70), "protocol_version") == 0);
    CHECK(strcmp(tls_alert_desc_str(40), "handshake_failure") == 0);
    CHECK(strcmp(tls_alert_desc_str(86), "inappropriate_fallback") == 0);
    CHECK(strcmp(tls_alert_desc_str(0), "close_notify") == 0);
    CHECK(strcmp(tls_alert_desc_str(120), "no_application_protocol") == 0);
    CHECK(strcmp(tls_alert_desc_str(255), "unknown") == 0);
}

static void
test_alert_read(void)
{
    static const uint8_t a[] = {0x02, 0x46, 0x01};
    uint8_t *f = fence(a, sizeof(a));
    struct tls_alert al;
    struct bcur c;

    bcur_init(&c, f, sizeof(a));
    CHECK(tls_alert_read(&c, &al) && al.level == 2 && al.description == 70);
    CHECK(!tls_alert_read(&c, &al) && bcur_left(&c) == 1);
    CHECK(al.level == 2);
}

static void
test_tls13(void)
{
    size_t len = 0, first = 0;
    uint8_t *in = pu_load("serverhello/openssl_s_server_tls13.bin", &len);
    struct srvscan s;
    struct serverhello sh;

    CHECK(in != NULL);
    if (in == NULL) {
        return;
    }
    CHECK(prefix_property(in, len, 16384, 65536, &first) == SRVSCAN_DONE);
    CHECK(first == 127 + 6);    /* ServerHello record, then the CCS */
    CHECK(run(&s, in, len, 16384, 65536) == SRVSCAN_DONE);
    CHECK(s.stop == SRVSCAN_STOP_CHANGE_CIPHER_SPEC && s.ccs_seen);
    CHECK(!s.appdata_seen && s.num_alerts == 0);
    CHECK(s.has_server_hello && s.sh_records == 1 && s.num_records == 2);
    CHECK(s.record_version == 0x0303 && s.consumed == 133);
    memcpy(ref_buf, s.sh_body, s.sh_len);
    CHECK(sh_parse(&sh, ref_buf, s.sh_len) == SH_OK);
    CHECK(sh.legacy_version == 0x0303 && sh.negotiated_version == 0x0304);
    CHECK(sh.has_supported_versions && sh.selected_version == 0x0304);
    CHECK(sh.cipher_suite == 0x1302 && sh.compression == 0);
    CHECK(sh.has_key_share && sh.key_share_group == 0x001d);
    CHECK(!sh.is_hrr && !sh.downgrade_tls12 && !sh.downgrade_tls11);
    CHECK(bcur_left(&sh.session_id) == 32 && bcur_left(&sh.random) == 32);
    CHECK(sh.num_extensions == 2);

    /* Every prefix and mutation of the ServerHello body: in bounds. */
    {
        uint8_t body[512];
        size_t bl = s.sh_len;

        memcpy(body, ref_buf, bl);
        for (size_t k = 0; k < bl; k++) {
            CHECK(sh_parse(&sh, body, k) != SH_OK || k == 38 + 32);
        }
        for (size_t pos = 0; pos < bl; pos++) {
            uint8_t save = body[pos];

            body[pos] = 0x00;
            (void)sh_parse(&sh, body, bl);
            body[pos] = 0xff;
            (void)sh_parse(&sh, body, bl);
            body[pos] = save;
        }
    }

    /* Without the CCS (middlebox mode off): application_data stops it. */
    {
        struct bbuf b;

        bbuf_init(&b, 4096);
        bbuf_put(&b, in, 127);
        bbuf_put(&b, in + 133, len - 133);
        CHECK(prefix_property(b.data, b.len, 16384, 65536, &first) ==
              SRVSCAN_DONE);
        CHECK(run(&s, b.data, b.len, 16384, 65536) == SRVSCAN_DONE);
        CHECK(s.stop == SRVSCAN_STOP_APPLICATION_DATA && s.appdata_seen);
        bbuf_cleanup(&b);
    }
    free(in);
}

static void
test_tls12(void)
{
    size_t len = 0, first = 0;
    uint8_t *in = pu_load("serverhello/openssl_s_server_tls12.bin", &len);
    struct srvscan s;
    struct serverhello sh;

    CHECK(in != NULL);
    if (in == NULL) {
        return;
    }
    /* The server pauses after ServerHelloDone: never DONE on its own. */
    CHECK(prefix_property(in, len, 16384, 65536, &first) ==
          SRVSCAN_NEED_MORE);
    CHECK(run(&s, in, len, 16384, 65536) == SRVSCAN_NEED_MORE);
    CHECK(s.has_server_hello && s.num_records == 4);
    CHECK(s.handshake_records == 4 && s.sh_records == 1);
    CHECK(s.consumed == len && s.stop == SRVSCAN_STOP_NONE);
    memcpy(ref_buf, s.sh_body, s.sh_len);
    CHECK(sh_parse(&sh, ref_buf, s.sh_len) == SH_OK);
    CHECK(sh.negotiated_version == 0x0303 && !sh.has_supported_versions);
    CHECK(sh.cipher_suite == 0xc02c);
    CHECK(sh.downgrade_tls12 && !sh.downgrade_tls11);
    CHECK(sh.has_renegotiation_info && sh.has_extended_master_secret);
    CHECK(sh.has_point_formats);

    /* A scan cap ends it: LIMIT, decided once max_scan bytes are there. */
    CHECK(prefix_property(in, len, 16384, 200, &first) == SRVSCAN_DONE);
    CHECK(first == 200);
    CHECK(run(&s, in, len, 16384, 200) == SRVSCAN_DONE);
    CHECK(s.stop == SRVSCAN_STOP_LIMIT && s.has_server_hello);
    CHECK(s.num_records == 1);

    /* A ServerHello bigger than allowed. */
    CHECK(run(&s, in, len, 40, 65536) == SRVSCAN_TOO_BIG);
    CHECK(strcmp(s.error, "hello_too_big") == 0);

    /* The ServerHello split over 1..n byte records reassembles. */
    for (size_t chunk = 1; chunk <= 69; chunk += 4) {
        struct bbuf b;
        struct srvscan s2;

        bbuf_init(&b, 1 << 16);
        pu_records(&b, 2, in + 9, 61, chunk, 0x0303);
        bbuf_put(&b, "\x14\x03\x03\x00\x01\x01", 6);
        CHECK(prefix_property(b.data, b.len, 16384, 65536, &first) ==
              SRVSCAN_DONE);
        CHECK(run(&s2, b.data, b.len, 16384, 65536) == SRVSCAN_DONE);
        CHECK(s2.has_server_hello && s2.sh_len == 61);
        CHECK(s2.sh_records == (65 + chunk - 1) / chunk);
        CHECK(memcmp(s2.sh_body, in + 9, 61) == 0);
        bbuf_cleanup(&b);
    }
    free(in);
}

static void
test_hrr_and_alert(void)
{
    size_t len = 0, first = 0;
    uint8_t *in = pu_load("serverhello/openssl_s_server_hrr.bin", &len);
    struct srvscan s;
    struct serverhello sh;

    CHECK(in != NULL);
    if (in != NULL) {
        CHECK(prefix_property(in, len, 16384, 65536, &first) ==
              SRVSCAN_DONE);
        CHECK(run(&s, in, len, 16384, 65536) == SRVSCAN_DONE);
        CHECK(s.stop == SRVSCAN_STOP_CHANGE_CIPHER_SPEC);
        memcpy(ref_buf, s.sh_body, s.sh_len);
        CHECK(sh_parse(&sh, ref_buf, s.sh_len) == SH_OK);
        CHECK(sh.is_hrr && sh.negotiated_version == 0x0304);
        CHECK(sh.has_key_share && sh.key_share_group == 0x0017);
        CHECK(sh.cipher_suite == 0x1302);
        free(in);
    }

    in = pu_load("serverhello/openssl_s_server_tls1_alert.bin", &len);
    CHECK(in != NULL);
    if (in != NULL) {
        CHECK(prefix_property(in, len, 16384, 65536, &first) ==
              SRVSCAN_DONE);
        CHECK(first == len);
        CHECK(run(&s, in, len, 16384, 65536) == SRVSCAN_DONE);
        CHECK(s.stop == SRVSCAN_STOP_ALERT && !s.has_server_hello);
        CHECK(s.num_alerts == 1 && s.alerts[0].level == TLS_ALERT_FATAL);
        CHECK(s.alerts[0].description == 80);
        CHECK(s.record_version == 0x0301);
        free(in);
    }
}

static void
expect_scan(const char *hex, enum srvscan_status want, const char *err,
            size_t at)
{
    size_t len = 0, first = 0;
    uint8_t *in = tl_unhex(hex, &len);
    struct srvscan s;

    CHECK(prefix_property(in, len, 16384, 65536, &first) == want);
    CHECK(run(&s, in, len, 16384, 65536) == want);
    CHECK((err == NULL && s.error == NULL) ||
          (err != NULL && s.error != NULL && strcmp(s.error, err) == 0));
    CHECK(err == NULL || s.error_offset == at);
    if (s.error_offset != at && err != NULL) {
        fprintf(stderr, "  %s: %s at %zu\n", hex,
                s.error != NULL ? s.error : "-", s.error_offset);
    }
    free(in);
}

static void
test_scan_errors(void)
{
    struct srvscan s;

    /* Plaintext answers. */
    expect_scan("2d45525220", SRVSCAN_NOT_TLS, "not_tls", 0);   /* -ERR */
    expect_scan("3232302073", SRVSCAN_NOT_TLS, "not_tls", 0);   /* 220 s */
    expect_scan("16 02", SRVSCAN_NOT_TLS, "not_tls", 0);
    /* Framing. */
    expect_scan("16 0303 0000", SRVSCAN_MALFORMED, "empty_record", 0);
    expect_scan("16 0303 4101", SRVSCAN_MALFORMED, "record_too_long", 3);
    expect_scan("15 0303 0000", SRVSCAN_MALFORMED, "bad_alert", 0);
    expect_scan("15 0303 0003 014600", SRVSCAN_MALFORMED, "bad_alert", 0);
    expect_scan("16 0303 0004 01000000", SRVSCAN_MALFORMED,
                "not_server_hello", 5);
    expect_scan("16 0303 0002 0200 15 0303 0002 0228", SRVSCAN_MALFORMED,
                "interleaved_record", 7);
    expect_scan("16 0303 0002 0200 14 0303 0001 01", SRVSCAN_MALFORMED,
                "interleaved_record", 7);
    expect_scan("16 0303 0002 0200 17 0303 0001 01", SRVSCAN_MALFORMED,
                "interleaved_record", 7);
    expect_scan("16 0303 0002 0200 99", SRVSCAN_MALFORMED,
                "bad_content_type", 7);
    /* Warning alerts go on; close_notify and fatal stop. */
    expect_scan("15 0303 0002 015a 15 0303 0002 0100", SRVSCAN_DONE, NULL,
                0);
    expect_scan("15 0303 0002 015a", SRVSCAN_NEED_MORE, NULL, 0);
    expect_scan("15 0303 0004 015a 0228", SRVSCAN_DONE, NULL, 0);
    /* Heartbeat before anything: counted, not a stop. */
    expect_scan("18 0303 0001 00", SRVSCAN_NEED_MORE, NULL, 0);

    {
        size_t len = 0;
        uint8_t *in = tl_unhex("15 0303 0002 015a 15 0303 0002 0170"
                               "15 0303 0002 0246", &len);

        CHECK(run(&s, in, len, 16384, 65536) == SRVSCAN_DONE);
        CHECK(s.num_alerts == 3 && s.alerts[2].description == 70);
        CHECK(s.alerts[1].description == 112);
        free(in);
        in = tl_unhex("16 0303 0004 02000000", &len);
        CHECK(run(&s, in, len, 2, 65536) == SRVSCAN_TOO_BIG);
        uint8_t small[3];
        uint8_t *f = fence(in, len);
        CHECK(srvscan_run(&s, small, sizeof(small), f, len, 16384, 65536) ==
              SRVSCAN_TOO_BIG);
        free(in);
    }
    /* More alerts than kept: all counted. */
    {
        struct bbuf b;

        bbuf_init(&b, 4096);
        for (int i = 0; i < SRVSCAN_MAX_ALERTS + 3; i++) {
            bbuf_put(&b, "\x15\x03\x03\x00\x02\x01\x5a", 7);
        }
        CHECK(run(&s, b.data, b.len, 16384, 65536) == SRVSCAN_NEED_MORE);
        CHECK(s.num_alerts == SRVSCAN_MAX_ALERTS + 3);
        bbuf_cleanup(&b);
    }
}

static void
test_sh_errors(void)
{
    struct bbuf b;
    struct serverhello sh;

    bbuf_init(&b, 4096);
    /* TLS 1.2 style, no extensions block. */
    pu_hex(&b, "0303");
    for (int i = 0; i < 32; i++) {
        bbuf_put_u8(&b, (uint8_t)i);
    }
    pu_hex(&b, "00 c02f 00");
    CHECK(sh_parse(&sh, b.data, b.len) == SH_OK);
    CHECK(!sh.has_extensions_block && sh.negotiated_version == 0x0303);
    CHECK(sh.cipher_suite == 0xc02f);

    /* Downgrade sentinel for TLS 1.1 and below. */
    b.len = 2 + 24;
    pu_hex(&b, "444f574e47524400 00 002f 00");
    CHECK(sh_parse(&sh, b.data, b.len) == SH_OK && sh.downgrade_tls11);

    /* Session id too long. */
    b.len = 34;
    pu_hex(&b, "21");
    for (int i = 0; i < 33; i++) {
        bbuf_put_u8(&b, 0);
    }
    pu_hex(&b, "c02f 00");
    CHECK(sh_parse(&sh, b.data, b.len) == SH_ERR_SESSION_ID_LEN);
    CHECK(sh.error_offset == 35);

    /* Extensions: duplicate, malformed, trailing, truncated. */
    {
        static const struct {
            const char *hex;
            enum sh_status st;
        } t[] = {
            {"0006 002b 0002 0304", SH_OK},
            {"000c 002b 0002 0304 002b 0002 0304", SH_ERR_EXT_DUPLICATE},
            {"0007 002b 0003 030400", SH_ERR_EXT_MALFORMED},
            {"0008 0033 0004 001d 0000", SH_ERR_EXT_MALFORMED},
            {"0009 0010 0005 0004 02 6832", SH_ERR_EXT_MALFORMED},
            {"000c 0010 0008 0006 02 6832 02 6833", SH_ERR_EXT_MALFORMED},
            {"0006 002b 0002 0304 00", SH_ERR_TRAILING},
            {"0007 002b 0002 0304", SH_ERR_TRUNCATED},
            {"0005 002b 0002 03", SH_ERR_EXT_TRUNCATED},
            {"0004 0017 0001", SH_ERR_EXT_TRUNCATED},
            {"0005 0017 0001 00", SH_ERR_EXT_MALFORMED},
            {"0006 0029 0002 0000", SH_OK},
            {"0006 001c 0002 4000", SH_OK},
            {"0009 0010 0005 0003 02 6832", SH_OK},
            {"000b 0010 0007 0005 04 696d6170", SH_OK},
        };

        for (size_t i = 0; i < ARRAY_LEN(t); i++) {
            b.len = 34;
            pu_hex(&b, "00 1301 00");
            pu_hex(&b, t[i].hex);
            CHECK(sh_parse(&sh, b.data, b.len) == t[i].st);
            if (sh.status != t[i].st) {
                fprintf(stderr, "  %s: %s\n", t[i].hex,
                        sh_status_str(sh.status));
            }
        }
        b.len = 34;
        pu_hex(&b, "00 1301 00 000b 0010 0007 0005 04 696d6170");
        CHECK(sh_parse(&sh, b.data, b.len) == SH_OK);
        CHECK(sh.has_alpn && bcur_eq(&sh.alpn, "imap"));
    }
    /* Too many extensions. */
    b.len = 34;
    pu_hex(&b, "00 1301 00");
    bbuf_put_u16(&b, (SH_MAX_EXTENSIONS + 1) * 4);
    for (unsigned i = 0; i <= SH_MAX_EXTENSIONS; i++) {
        bbuf_put_u16(&b, (uint16_t)(0x2000 + i));
        bbuf_put_u16(&b, 0);
    }
    CHECK(sh_parse(&sh, b.data, b.len) == SH_ERR_EXT_TOO_MANY);
    CHECK(sh.num_extensions == SH_MAX_EXTENSIONS);
    bbuf_cleanup(&b);
}

int
main(void)
{
    test_tokens();
    test_alert_read();
    test_tls13();
    test_tls12();
    test_hrr_and_alert();
    test_scan_errors();
    test_sh_errors();
    if (last_f != NULL) {
        tl_fenced_free(last_f, last_len);
    }
    return tl_done("test_serverhello");
}
