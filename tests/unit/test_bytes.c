/* test_bytes.c - the cursor's all-or-nothing rule and the builder's cap. */
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "tl.h"

static void
test_cursor(void)
{
    static const uint8_t v[] = {0x01, 0x02, 0x03, 0x00, 0x02, 0xaa, 0xbb};
    uint8_t *f = tl_fenced(v, sizeof(v));
    struct bcur c, sub;
    uint16_t u16;
    uint32_t u24;
    uint8_t u8;

    bcur_init(&c, f, sizeof(v));
    CHECK(bcur_get_u8(&c, &u8) && u8 == 1);
    CHECK(bcur_get_u16(&c, &u16) && u16 == 0x0203);
    CHECK(bcur_get_vec16(&c, &sub) && bcur_left(&sub) == 2);
    CHECK(bcur_offset(&sub) == 5);
    CHECK(bcur_left(&c) == 0);
    CHECK(!bcur_get_u8(&c, &u8));

    /* A lying length fails and consumes nothing. */
    bcur_init(&c, f, sizeof(v));
    CHECK(!bcur_get_vec24(&c, &sub));
    CHECK(bcur_left(&c) == sizeof(v));
    CHECK(bcur_get_u24(&c, &u24) && u24 == 0x010203);
    u16 = 7;
    CHECK(!bcur_get_u16(&c, &u16) || u16 == 0x0002);

    /* Every prefix: getters never read past the end. */
    for (size_t k = 0; k <= sizeof(v); k++) {
        uint8_t *p = tl_fenced(v, k);
        bcur_init(&c, p, k);
        while (bcur_get_u8(&c, &u8)) {
        }
        CHECK(bcur_left(&c) == 0);
        tl_fenced_free(p, k);
    }
    tl_fenced_free(f, sizeof(v));
}

static void
test_until(void)
{
    static const char line[] = "a1 NOOP\r\nrest";
    struct bcur c, out;

    bcur_init(&c, (const uint8_t *)line, strlen(line));
    CHECK(!bcur_get_until(&c, &out, '\n', 5));
    CHECK(bcur_left(&c) == strlen(line));
    CHECK(bcur_get_until(&c, &out, '\n', 64));
    CHECK(bcur_left(&out) == 8);
    CHECK(bcur_left(&c) == 4);
}

static void
test_bbuf_and_json(void)
{
    struct bbuf b;
    struct jw w;
    const uint8_t hostile[] = {'a', '"', '<', 0x00, '\n', 0xff, 0xe2, 0x80,
                               0xa8, 'z'};

    bbuf_init(&b, 8);
    CHECK(bbuf_put(&b, "12345678", 8));
    CHECK(!bbuf_put(&b, "9", 1));
    CHECK(b.overflow && b.len == 8);
    bbuf_cleanup(&b);
    bbuf_cleanup(&b);

    bbuf_init(&b, 4096);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kv_strn(&w, "sni", hostile, sizeof(hostile));
    jw_key(&w, "list");
    jw_arr_begin(&w);
    jw_int(&w, -1);
    jw_hex16(&w, 0x0303);
    jw_arr_end(&w);
    jw_obj_end(&w);
    CHECK(jw_ok(&w));
    CHECK(strcmp(bbuf_cstr(&b),
                 "{\"sni\":\"a\\\"\\u003c\\u0000\\n\\ufffd\\u2028z\","
                 "\"list\":[-1,\"0x0303\"]}") == 0);
    CHECK(!json_utf8_clean(hostile, sizeof(hostile)));
    bbuf_cleanup(&b);

    /* A key that is not plain ASCII (a peer's IMAP ID field) is escaped. */
    bbuf_init(&b, 4096);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "x\x04\"<");
    jw_int(&w, 1);
    jw_key(&w, "plain_key");
    jw_int(&w, 2);
    jw_obj_end(&w);
    CHECK(jw_ok(&w));
    CHECK(strcmp(bbuf_cstr(&b),
                 "{\"x\\u0004\\\"\\u003c\":1,\"plain_key\":2}") == 0);
    CHECK(json_utf8_clean((const uint8_t *)"mail.example", 12));
    bbuf_cleanup(&b);

    /*
     * json_plain_cstr against the rule it encodes, one byte at a time:
     * printable ASCII except " \\ < > & ' is copied as it is.
     */
    for (unsigned c = 1; c < 256; c++) {
        char one[3] = {'a', (char)c, '\0'};
        size_t n = 0;
        bool want = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' &&
                    c != '<' && c != '>' && c != '&' && c != '\'';
        CHECK(json_plain_cstr(one, &n) == want && n == 2);
    }
    {
        size_t n = 99;
        CHECK(json_plain_cstr("", &n) && n == 0);
        CHECK(json_plain_cstr("TLS_AES_128_GCM_SHA256", &n) && n == 22);
    }
}

int
main(void)
{
    test_cursor();
    test_until();
    test_bbuf_and_json();
    return tl_done("test_bytes");
}
