/*
 * test_fingerprint.c - JA3/JA4 on known vectors and edge cases.
 *
 * The main vector is the ClientHello behind FoxIO's published example
 * (technical_details/JA4.md and the rust unit test): its fields give
 * "t13d1516h2_8daaf6152771_e5627efa2ab1". The other cases vary one thing
 * at a time: GREASE everywhere (must not change anything), no signature
 * algorithms (no trailing '_'), no ciphers/extensions (zero hashes), the
 * 99 cap, ALPN first/last character rules, the version rules, and an
 * SSLv2-compatible hello. Every hello is built here with a bbuf and parsed
 * from a fenced copy.
 */
#include <string.h>

#include "clienthello.h"
#include "fingerprint.h"
#include "tl.h"

struct hb {
    struct bbuf b;
};

/* ext appends one extension: type, 16-bit length, body. */
static void
ext(struct bbuf *e, uint16_t type, const void *body, size_t n)
{
    bbuf_put_u16(e, type);
    bbuf_put_u16(e, (uint16_t)n);
    bbuf_put(e, body, n);
}

struct hello_spec {
    uint16_t version;
    const uint16_t *suites;
    size_t num_suites;
    const uint16_t *exts;       /* types, in order; bodies chosen below */
    size_t num_exts;
    const uint16_t *sigalgs;
    size_t num_sigalgs;
    const uint16_t *versions;   /* supported_versions content */
    size_t num_versions;
    const char *alpn;           /* first ALPN name (bytes, NUL-ended) */
    size_t alpn_len;
    uint16_t grease;            /* when set, add GREASE to every list */
};

/* ext_body writes a valid body for extension `type` into `out`. */
static void
ext_body(struct bbuf *out, uint16_t type, const struct hello_spec *s)
{
    static const uint8_t key[32];
    size_t i;

    switch (type) {
    case 0x0000:
        bbuf_put_u16(out, 14);
        bbuf_put_u8(out, 0);
        bbuf_put_u16(out, 11);
        bbuf_put_str(out, "example.com");
        break;
    case 0x000a:
        bbuf_put_u16(out, (uint16_t)(s->grease ? 8 : 6));
        if (s->grease) {
            bbuf_put_u16(out, s->grease);
        }
        bbuf_put_u16(out, 0x001d);
        bbuf_put_u16(out, 0x0017);
        bbuf_put_u16(out, 0x0018);
        break;
    case 0x000b:
        bbuf_put_u8(out, 1);
        bbuf_put_u8(out, 0);
        break;
    case 0x000d:
        bbuf_put_u16(out, (uint16_t)(2 * s->num_sigalgs +
                                     (s->grease ? 2 : 0)));
        if (s->grease) {
            bbuf_put_u16(out, s->grease);
        }
        for (i = 0; i < s->num_sigalgs; i++) {
            bbuf_put_u16(out, s->sigalgs[i]);
        }
        break;
    case 0x0010:
        bbuf_put_u16(out, (uint16_t)(1 + s->alpn_len + 9));
        bbuf_put_u8(out, (uint8_t)s->alpn_len);
        bbuf_put(out, s->alpn, s->alpn_len);
        bbuf_put_u8(out, 8);
        bbuf_put_str(out, "http/1.1");
        break;
    case 0x001b:
        bbuf_put_u8(out, 2);
        bbuf_put_u16(out, 2);
        break;
    case 0x002b:
        bbuf_put_u8(out, (uint8_t)(2 * s->num_versions +
                                   (s->grease ? 2 : 0)));
        if (s->grease) {
            bbuf_put_u16(out, s->grease);
        }
        for (i = 0; i < s->num_versions; i++) {
            bbuf_put_u16(out, s->versions[i]);
        }
        break;
    case 0x002d:
        bbuf_put_u8(out, 1);
        bbuf_put_u8(out, 1);
        break;
    case 0x0033:
        bbuf_put_u16(out, (uint16_t)(36 + (s->grease ? 5 : 0)));
        if (s->grease) {
            bbuf_put_u16(out, s->grease);
            bbuf_put_u16(out, 1);
            bbuf_put_u8(out, 0);
        }
        bbuf_put_u16(out, 0x001d);
        bbuf_put_u16(out, 32);
        bbuf_put(out, key, sizeof(key));
        break;
    case 0x0005:
        bbuf_put_u8(out, 1);
        bbuf_put_u16(out, 0);
        bbuf_put_u16(out, 0);
        break;
    case 0x4469:
        bbuf_put_u16(out, 3);
        bbuf_put_u8(out, 2);
        bbuf_put_str(out, "h2");
        break;
    case 0xff01:
        bbuf_put_u8(out, 0);
        break;
    case 0x0015:
        bbuf_put(out, key, 4);
        break;
    default:
        break;                  /* empty body (EMS, tickets, SCT, ...) */
    }
}

/* build writes a ClientHello body (no handshake header) into `out`. */
static void
build(struct bbuf *out, const struct hello_spec *s)
{
    static const uint8_t random[32];
    struct bbuf exts;
    struct bbuf body;
    size_t i;

    bbuf_init(&exts, 65536);
    bbuf_init(&body, 65536);
    if (s->grease) {
        ext(&exts, s->grease, NULL, 0);
    }
    for (i = 0; i < s->num_exts; i++) {
        bbuf_reset(&body);
        ext_body(&body, s->exts[i], s);
        ext(&exts, s->exts[i], body.data, body.len);
    }
    if (s->grease) {
        ext(&exts, (uint16_t)(s->grease ^ 0x1010), "\0", 1);
    }
    bbuf_put_u16(out, s->version);
    bbuf_put(out, random, sizeof(random));
    bbuf_put_u8(out, 0);                        /* session id */
    bbuf_put_u16(out, (uint16_t)(2 * s->num_suites + (s->grease ? 2 : 0)));
    if (s->grease) {
        bbuf_put_u16(out, s->grease);
    }
    for (i = 0; i < s->num_suites; i++) {
        bbuf_put_u16(out, s->suites[i]);
    }
    bbuf_put_u8(out, 1);
    bbuf_put_u8(out, 0);                        /* null compression */
    if (s->num_exts > 0 || s->grease) {
        bbuf_put_u16(out, (uint16_t)exts.len);
        bbuf_put(out, exts.data, exts.len);
    }
    bbuf_cleanup(&exts);
    bbuf_cleanup(&body);
}

static const uint16_t foxio_suites[] = {
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
    0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
};
static const uint16_t foxio_exts[] = {
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
    0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
};
static const uint16_t foxio_exts_nosig[] = {
    0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d,
    0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
};
static const uint16_t foxio_sigalgs[] = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
};
static const uint16_t v13[] = { 0x0304, 0x0303 };

static struct hello_spec
foxio_spec(void)
{
    struct hello_spec s;

    memset(&s, 0, sizeof(s));
    s.version = 0x0303;
    s.suites = foxio_suites;
    s.num_suites = ARRAY_LEN(foxio_suites);
    s.exts = foxio_exts;
    s.num_exts = ARRAY_LEN(foxio_exts);
    s.sigalgs = foxio_sigalgs;
    s.num_sigalgs = ARRAY_LEN(foxio_sigalgs);
    s.versions = v13;
    s.num_versions = ARRAY_LEN(v13);
    s.alpn = "h2";
    s.alpn_len = 2;
    return s;
}

/*
 * fingerprint_of builds, parses (from a fenced copy) and fingerprints;
 * returns the parse status. `fp` must be initialised.
 */
static enum ch_status
fingerprint_of(struct fingerprint *fp, const struct hello_spec *s)
{
    struct clienthello ch;
    struct bbuf b;
    uint8_t *f;
    enum ch_status st;

    bbuf_init(&b, 1 << 20);
    build(&b, s);
    f = tl_fenced(b.data, b.len);
    st = clienthello_parse(&ch, f, b.len);
    CHECK(fp_compute(fp, &ch));
    tl_fenced_free(f, b.len);
    bbuf_cleanup(&b);
    return st;
}

static void
test_foxio_example(struct fingerprint *fp)
{
    struct hello_spec s = foxio_spec();

    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strcmp(fp->ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1") == 0);
    CHECK(strcmp(fp_ja4_r_cstr(fp),
                 "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,"
                 "c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,"
                 "0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,"
                 "0401,0503,0805,0501,0806,0601") == 0);
    CHECK(strcmp(fp_ja3_cstr(fp),
                 "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-"
                 "49171-49172-156-157-47-53,27-0-51-16-17513-23-45-13-5-35-"
                 "18-43-65281-11-10-21,29-23-24,0") == 0);
    CHECK(strlen(fp->ja3_md5) == 32);
}

static void
test_grease_ignored(struct fingerprint *fp)
{
    struct hello_spec s = foxio_spec();
    char ja4[FP_JA4_LEN + 1];
    char md5[FP_MD5_HEX_LEN + 1];

    CHECK(fingerprint_of(fp, &s) == CH_OK);
    memcpy(ja4, fp->ja4, sizeof(ja4));
    memcpy(md5, fp->ja3_md5, sizeof(md5));
    s.grease = 0x3a3a;
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strcmp(fp->ja4, ja4) == 0);
    CHECK(strcmp(fp->ja3_md5, md5) == 0);
}

static void
test_no_sigalgs(struct fingerprint *fp)
{
    struct hello_spec s = foxio_spec();
    const char *r;

    s.exts = foxio_exts_nosig;
    s.num_exts = ARRAY_LEN(foxio_exts_nosig);
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    /* sha256("0005,000a,...,ff01") without a trailing '_' */
    CHECK(strcmp(fp->ja4, "t13d1515h2_8daaf6152771_bebfbbe173b2") == 0);
    r = fp_ja4_r_cstr(fp);
    CHECK(r[strlen(r) - 1] == '1');     /* ends with "ff01", no '_' */
}

static void
test_empty_lists(struct fingerprint *fp)
{
    struct hello_spec s;

    memset(&s, 0, sizeof(s));
    s.version = 0x0301;
    /* No suites is malformed, but the fingerprint still comes out. */
    CHECK(fingerprint_of(fp, &s) != CH_OK);
    CHECK(strcmp(fp->ja4, "t10i000000_000000000000_000000000000") == 0);
    CHECK(strcmp(fp_ja4_r_cstr(fp), "t10i000000__") == 0);
    CHECK(strcmp(fp_ja3_cstr(fp), "769,,,,") == 0);
}

static void
test_cap_99(struct fingerprint *fp)
{
    struct hello_spec s = foxio_spec();
    uint16_t many[120];
    size_t i;

    for (i = 0; i < ARRAY_LEN(many); i++) {
        many[i] = (uint16_t)(0x0100 + i);
    }
    s.suites = many;
    s.num_suites = ARRAY_LEN(many);
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t13d9916h2_", 11) == 0);
}

static void
test_alpn_rules(struct fingerprint *fp)
{
    struct hello_spec s = foxio_spec();

    s.alpn = "a";
    s.alpn_len = 1;
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t13d1516aa_", 11) == 0);
    s.alpn = "\xba\xad";
    s.alpn_len = 2;
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t13d1516bd_", 11) == 0);
    s.alpn = "http/1.1";
    s.alpn_len = 8;
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t13d1516h1_", 11) == 0);
    s.alpn = "x/";                      /* last byte not alphanumeric */
    s.alpn_len = 2;
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t13d15167f_", 11) == 0);    /* hex "782f" */
}

static void
test_versions(struct fingerprint *fp)
{
    static const uint16_t draft[] = { 0x7f1c, 0x0303 };
    static const uint16_t only12[] = { 0x0303 };
    static const uint16_t exts[] = { 0x000a, 0x000b };
    struct hello_spec s = foxio_spec();

    s.versions = draft;
    s.num_versions = ARRAY_LEN(draft);
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t00d", 4) == 0);    /* drafts are not "13" */
    s.versions = only12;
    s.num_versions = ARRAY_LEN(only12);
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "t12d", 4) == 0);
    /* Without supported_versions: legacy_version, here SSL 3.0. */
    s = foxio_spec();
    s.version = 0x0300;
    s.exts = exts;
    s.num_exts = ARRAY_LEN(exts);
    CHECK(fingerprint_of(fp, &s) == CH_OK);
    CHECK(strncmp(fp->ja4, "ts3i1502", 8) == 0);
}

static void
test_sslv2(struct fingerprint *fp)
{
    /*
     * SSLv2-compatible CLIENT-HELLO (RFC 5246 E.2): msg_type 1, version
     * 0x0301, cipher_spec_length 9, session_id_length 0, challenge 16;
     * specs 0x010080 (SSLv2 only), 0x000005, 0x00002f.
     */
    static const uint8_t msg[] = {
        0x01, 0x03, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10,
        0x01, 0x00, 0x80, 0x00, 0x00, 0x05, 0x00, 0x00, 0x2f,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    };
    struct clienthello ch;
    uint8_t *f = tl_fenced(msg, sizeof(msg));

    CHECK(clienthello_parse_sslv2(&ch, f, sizeof(msg)) == CH_OK);
    CHECK(fp_compute(fp, &ch));
    CHECK(strcmp(fp_ja3_cstr(fp), "769,5-47,,,") == 0);
    CHECK(strncmp(fp->ja4, "t10i020000_", 11) == 0);
    CHECK(strcmp(fp_ja4_r_cstr(fp), "t10i020000_0005,002f_") == 0);
    CHECK(strcmp(fp->ja4 + 24, "000000000000") == 0);
    tl_fenced_free(f, sizeof(msg));
}

static void
test_overflow(void)
{
    struct fingerprint fp;
    struct hello_spec s = foxio_spec();
    struct clienthello ch;
    struct bbuf b;

    fp_init(&fp, 16);                   /* far too small */
    bbuf_init(&b, 1 << 20);
    build(&b, &s);
    CHECK(clienthello_parse(&ch, b.data, b.len) == CH_OK);
    CHECK(!fp_compute(&fp, &ch));
    CHECK(!fp.ok && fp.ja4[0] == '\0' && fp.ja3_md5[0] == '\0');
    bbuf_cleanup(&b);
    fp_cleanup(&fp);
    fp_cleanup(&fp);                    /* idempotent */
}

/*
 * The digest memo gives the same answers as no memo, whatever the order:
 * 200 hellos from 40 different suite lists (more lists than memo slots,
 * so entries are replaced and slots collide), each fingerprinted by a
 * memo-less fingerprint and by one with the memo; the second round must
 * hit.
 */
static void
test_memo(void)
{
    struct fingerprint plain;
    struct fingerprint memo;
    struct hello_spec s = foxio_spec();
    uint16_t suites[64];
    unsigned long long hits = 0;
    unsigned long long misses = 0;

    fp_init(&plain, FP_DEFAULT_MAX_TEXT);
    fp_init(&memo, FP_DEFAULT_MAX_TEXT);
    CHECK(fp_memo_enable(&memo));
    CHECK(fp_memo_enable(&memo));       /* twice is fine */
    for (unsigned i = 0; i < 200; i++) {
        unsigned variant = (i * 7) % 40;
        struct clienthello ch;
        struct bbuf b;

        /*
         * Ten suites each, all lists of one length (so the strings differ
         * only in content) and more lists than slots: two of them must
         * share a slot, and only a byte-for-byte compare tells them apart.
         */
        s.num_suites = 10;
        for (size_t k = 0; k < s.num_suites; k++) {
            suites[k] = (uint16_t)(0xc000 + k + 11 * variant);
        }
        s.suites = suites;
        bbuf_init(&b, 1 << 16);
        build(&b, &s);
        CHECK(clienthello_parse(&ch, b.data, b.len) == CH_OK);
        CHECK(fp_compute(&plain, &ch));
        CHECK(fp_compute(&memo, &ch));
        CHECK(strcmp(plain.ja4, memo.ja4) == 0);
        CHECK(strcmp(plain.ja3_md5, memo.ja3_md5) == 0);
        CHECK(strcmp(fp_ja3_cstr(&plain), fp_ja3_cstr(&memo)) == 0);
        CHECK(strcmp(fp_ja4_r_cstr(&plain), fp_ja4_r_cstr(&memo)) == 0);
        bbuf_cleanup(&b);
    }
    fp_memo_stats(&memo, &hits, &misses);
    CHECK(hits > 0 && misses > 0);
    fp_memo_stats(&plain, &hits, &misses);
    CHECK(hits == 0 && misses == 0);
    fp_cleanup(&plain);
    fp_cleanup(&memo);
    fp_cleanup(&memo);                  /* idempotent with a memo too */
}

static void
known_answers(struct fingerprint *fp)
{
    test_foxio_example(fp);
    test_grease_ignored(fp);
    test_no_sigalgs(fp);
    test_empty_lists(fp);
    test_cap_99(fp);
    test_alpn_rules(fp);
    test_versions(fp);
    test_sslv2(fp);
}

int
main(void)
{
    struct fingerprint fp;

    fp_init(&fp, FP_DEFAULT_MAX_TEXT);
    known_answers(&fp);
    fp_cleanup(&fp);
    /* Every known answer again through a memo, twice: the second round
     * is answered from it. */
    fp_init(&fp, FP_DEFAULT_MAX_TEXT);
    CHECK(fp_memo_enable(&fp));
    known_answers(&fp);
    known_answers(&fp);
    fp_cleanup(&fp);
    test_memo();
    test_overflow();
    return tl_done("test_fingerprint");
}
