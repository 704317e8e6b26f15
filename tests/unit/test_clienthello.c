/*
 * test_clienthello.c - ClientHello decoding: golden vectors captured from
 * real local clients (tests/vectors/capture.py), every prefix and every
 * byte mutation of them through fenced buffers, each error status with its
 * offset, extension decoders, GREASE, SCSVs, and the derived versions
 * (supported_versions, legacy fallback, SSL 3.0, SSLv2, TLS 1.3 drafts).
 */
#include <string.h>

#include "clienthello.h"
#include "parse_util.h"
#include "tl.h"
#include "tlsrec.h"

/* views_inside checks every view of `ch` against [base, base + len). */
static bool
views_inside(const struct clienthello *ch, const uint8_t *base, size_t len)
{
    const struct bcur *v[] = {
        &ch->random, &ch->session_id, &ch->cipher_suites,
        &ch->sslv2_cipher_specs, &ch->compression, &ch->sni, &ch->alpn,
        &ch->groups, &ch->point_formats, &ch->sigalgs, &ch->sigalgs_cert,
        &ch->supported_versions, &ch->psk_modes, &ch->compress_certificate,
    };
    bool ok = true;

    for (size_t i = 0; i < ARRAY_LEN(v); i++) {
        ok = ok && pu_inside(v[i], base, len);
    }
    for (size_t i = 0; i < ch->num_extensions; i++) {
        ok = ok && pu_inside(&ch->extensions[i].data, base, len);
    }
    return ok && ch->num_extensions <= CH_MAX_EXTENSIONS &&
           ch->num_versions <= CH_MAX_VERSIONS &&
           ch->num_key_shares <= CH_MAX_KEY_SHARES &&
           (ch->status == CH_OK || ch->error_offset <= len);
}

static uint8_t *last_f;
static size_t last_len;

/*
 * parse runs clienthello_parse on a fenced copy and checks the views. The
 * copy stays alive until the next call, so the caller may read the views.
 */
static enum ch_status
parse(struct clienthello *ch, const uint8_t *body, size_t len)
{
    uint8_t *f = tl_fenced(body, len);
    enum ch_status st = clienthello_parse(ch, f, len);

    CHECK(st == ch->status);
    CHECK(views_inside(ch, f, len));
    if (last_f != NULL) {
        tl_fenced_free(last_f, last_len);
    }
    last_f = f;
    last_len = len;
    return st;
}

static void
test_tokens(void)
{
    static const char *const tok[] = {
        "ok", "truncated", "session_id_len", "ciphers_len", "compression",
        "ext_truncated", "ext_duplicate", "ext_too_many", "ext_malformed",
        "trailing", "not_clienthello", "sslv2_malformed",
    };

    for (size_t i = 0; i < ARRAY_LEN(tok); i++) {
        CHECK(strcmp(ch_status_str((enum ch_status)i), tok[i]) == 0);
    }
    CHECK(strcmp(ch_status_str((enum ch_status)77), "unknown") == 0);
}

static void
test_grease_rank(void)
{
    CHECK(tls_is_grease(0x0a0a) && tls_is_grease(0xfafa) &&
          tls_is_grease(0x3a3a));
    CHECK(!tls_is_grease(0x0a1a) && !tls_is_grease(0x0303) &&
          !tls_is_grease(0x0b0b) && tls_is_grease(0xaaaa));
    CHECK(tls_version_rank(0x0002) < tls_version_rank(0x0300));
    CHECK(tls_version_rank(0x0300) < tls_version_rank(0x0301));
    CHECK(tls_version_rank(0x0303) < tls_version_rank(0x0304));
    CHECK(tls_version_rank(0x7f1c) == tls_version_rank(0x0304));
    CHECK(tls_version_rank(0x7f12) == 0x0304);
    CHECK(tls_version_rank(0x0305) > tls_version_rank(0x7f1c));
    CHECK(tls_version_rank(0x0a0a) == 0 && tls_version_rank(0xfefd) == 0);
}

struct golden {
    const char *file;
    uint16_t legacy;
    size_t ciphers;
    const char *sni;
    const char *alpn_hex;       /* ProtocolNameList content, or NULL */
    size_t exts;
    uint16_t versions[4];
    size_t nversions;
    bool renego_scsv;
    bool key_share;
};

static const struct golden goldens[] = {
    {"openssl_tls1.bin", 0x0301, 9, "mail.example.org", NULL, 6,
     {0x0301}, 1, true, false},
    {"openssl_tls12.bin", 0x0303, 28, "mail.example.org",
     "04696d6170 04736d7470", 8, {0x0303, 0x0302, 0x0301}, 3, true, false},
    {"openssl_tls13.bin", 0x0303, 4, "mail.example.org",
     "026832 08687474702f312e31", 11, {0x0304}, 1, true, true},
    {"gnutls.bin", 0x0303, 29, "mail.example.org", NULL, 13,
     {0x0304, 0x0303, 0x0302, 0x0301}, 4, false, true},
    {"curl.bin", 0x0303, 31, "localhost", "026832 08687474702f312e31", 12,
     {0x0304, 0x0303, 0x0302, 0x0301}, 4, true, true},
    {"python.bin", 0x0303, 18, "imap.example.net", "04696d6170", 12,
     {0x0304, 0x0303}, 2, true, true},
};

/* after_compression: the offset where a no-extensions hello would end. */
static size_t
after_compression(const uint8_t *body, size_t len)
{
    struct bcur c, v;

    bcur_init(&c, body, len);
    if (!bcur_skip(&c, 34) || !bcur_get_vec8(&c, &v) ||
        !bcur_get_vec16(&c, &v) || !bcur_get_vec8(&c, &v)) {
        return 0;
    }
    return bcur_offset(&c);
}

static void
test_golden(void)
{
    for (size_t i = 0; i < ARRAY_LEN(goldens); i++) {
        const struct golden *g = &goldens[i];
        char rel[128];
        size_t len = 0, blen, stop;
        uint8_t *in, *body;
        struct clienthello ch;
        struct tlsrec_hello h;
        uint8_t buf[16384];
        uint16_t suites[64];

        snprintf(rel, sizeof(rel), "clienthello/%s", g->file);
        in = pu_load(rel, &len);
        CHECK(in != NULL && len > 9);
        if (in == NULL || len <= 9) {
            continue;
        }
        CHECK(tlsrec_scan_hello(&h, buf, sizeof(buf), in, len, 16384) ==
              TLSREC_OK);
        CHECK(clienthello_parse_hello(&ch, &h) == CH_OK);
        CHECK(ch.record_version == 0x0301 && ch.num_records == 1);
        CHECK(!ch.sslv2);

        body = in + 9;
        blen = len - 9;
        CHECK(parse(&ch, body, blen) == CH_OK);
        CHECK(ch.legacy_version == g->legacy);
        CHECK(bcur_left(&ch.cipher_suites) == 2 * g->ciphers);
        CHECK(clienthello_suites(&ch, suites, 64) == g->ciphers);
        CHECK(clienthello_suites(&ch, NULL, 0) == g->ciphers);
        CHECK(ch.has_sni && bcur_eq(&ch.sni, g->sni));
        CHECK(ch.has_alpn == (g->alpn_hex != NULL));
        if (g->alpn_hex != NULL) {
            size_t al = 0;
            uint8_t *a = tl_unhex(g->alpn_hex, &al);

            CHECK(bcur_left(&ch.alpn) == al &&
                  memcmp(bcur_data(&ch.alpn), a, al) == 0);
            free(a);
        }
        CHECK(ch.has_extensions_block && ch.num_extensions == g->exts);
        CHECK(ch.num_versions == g->nversions);
        for (size_t k = 0; k < g->nversions && k < ch.num_versions; k++) {
            CHECK(ch.versions[k] == g->versions[k]);
        }
        CHECK(ch.highest_version == g->versions[0]);
        CHECK(ch.renego_scsv == g->renego_scsv);
        CHECK(!ch.fallback_scsv && !ch.grease_seen);
        CHECK(ch.has_key_share == g->key_share);
        CHECK(ch.has_groups && ch.has_point_formats);
        CHECK(ch.has_extended_master_secret && ch.has_encrypt_then_mac);
        if (g->key_share) {
            CHECK(ch.num_key_shares >= 1);
            CHECK(ch.has_supported_versions && ch.has_psk_modes);
        }

        /* Every prefix: an error (or the no-extensions cut), in bounds. */
        stop = after_compression(body, blen);
        CHECK(stop > 0);
        for (size_t k = 0; k < blen; k++) {
            enum ch_status st = parse(&ch, body, k);

            CHECK(st != CH_OK || k == stop);
        }
        /* Every byte to 0x00 and to 0xff: never out of bounds. */
        for (size_t pos = 0; pos < blen; pos++) {
            uint8_t save = body[pos];

            body[pos] = 0x00;
            (void)parse(&ch, body, blen);
            body[pos] = 0xff;
            (void)parse(&ch, body, blen);
            body[pos] = save;
        }
        free(in);
    }

    /* Details only one vector has. */
    {
        size_t len = 0;
        uint8_t *in = pu_load("clienthello/gnutls.bin", &len);
        struct clienthello ch;

        if (in != NULL) {
            CHECK(parse(&ch, in + 9, len - 9) == CH_OK);
            CHECK(ch.has_status_request && ch.has_renegotiation_info);
            CHECK(ch.has_record_size_limit && ch.has_session_ticket);
            CHECK(ch.key_share_groups[0] == 0x0017);
            CHECK(ch.extensions[0].type == 5);
            CHECK(ch.extensions[12].type == 28);
            free(in);
        }
        in = pu_load("clienthello/curl.bin", &len);
        if (in != NULL) {
            CHECK(parse(&ch, in + 9, len - 9) == CH_OK);
            CHECK(ch.has_padding && ch.padding_len > 0);
            CHECK(ch.has_sigalgs_cert == false && ch.has_sigalgs);
            CHECK(ch.key_share_groups[0] == 0x001d);
            CHECK(bcur_left(&ch.session_id) == 32);
            free(in);
        }
    }
}

/* build: a hello body from suites and a list of extensions. */
static enum ch_status
build_parse(struct clienthello *ch, struct bbuf *body, uint16_t legacy,
            const char *suites, const struct bbuf *exts)
{
    bbuf_reset(body);
    pu_hello(body, legacy, suites, exts);
    return parse(ch, body->data, body->len);
}

static void
test_versions(void)
{
    struct bbuf body, e;
    struct clienthello ch;

    bbuf_init(&body, 1 << 17);
    bbuf_init(&e, 1 << 17);

    /* A TLS 1.0-only hello without extensions. */
    CHECK(build_parse(&ch, &body, 0x0301, "002f 0035", NULL) == CH_OK);
    CHECK(!ch.has_extensions_block && ch.num_extensions == 0);
    CHECK(ch.num_versions == 1 && ch.versions[0] == 0x0301);
    CHECK(ch.highest_version == 0x0301);

    /* TLS 1.1 legacy: 1.1 and 1.0. SSL 3.0 legacy: SSL 3.0 only. */
    CHECK(build_parse(&ch, &body, 0x0302, "002f", NULL) == CH_OK);
    CHECK(ch.num_versions == 2 && ch.versions[0] == 0x0302 &&
          ch.versions[1] == 0x0301);
    CHECK(build_parse(&ch, &body, 0x0300, "000a", NULL) == CH_OK);
    CHECK(ch.num_versions == 1 && ch.versions[0] == 0x0300);
    CHECK(ch.highest_version == 0x0300);
    /* Nonsense legacy: nothing derived. */
    CHECK(build_parse(&ch, &body, 0x0200, "000a", NULL) == CH_OK);
    CHECK(ch.num_versions == 0 && ch.highest_version == 0);
    /* A future legacy value lists itself above 1.3..1.0. */
    CHECK(build_parse(&ch, &body, 0x0305, "1301", NULL) == CH_OK);
    CHECK(ch.num_versions == 5 && ch.versions[0] == 0x0305 &&
          ch.versions[1] == 0x0304);

    /* legacy_version 0x0303 but supported_versions only [0x0304]. */
    bbuf_reset(&e);
    pu_ext(&e, 43, "02 0304");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.num_versions == 1 && ch.versions[0] == 0x0304);
    CHECK(ch.highest_version == 0x0304);

    /* GREASE dropped, duplicates removed, sorted highest first. */
    bbuf_reset(&e);
    pu_ext(&e, 43, "0c 0301 2a2a 0303 0304 0303 0302");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.grease_seen);
    CHECK(ch.num_versions == 4 && ch.versions[0] == 0x0304 &&
          ch.versions[1] == 0x0303 && ch.versions[2] == 0x0302 &&
          ch.versions[3] == 0x0301);

    /* TLS 1.3 drafts rank as 1.3, after the final version. */
    bbuf_reset(&e);
    pu_ext(&e, 43, "08 7f17 0303 7f1c 0304");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.num_versions == 4 && ch.versions[0] == 0x0304 &&
          ch.versions[1] == 0x7f1c && ch.versions[2] == 0x7f17 &&
          ch.versions[3] == 0x0303);
    CHECK(ch.highest_version == 0x0304);
    bbuf_reset(&e);
    pu_ext(&e, 43, "06 0302 7f1c 0303");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.highest_version == 0x7f1c && ch.versions[1] == 0x0303);
    /* Only unknown values: listed, but no highest. */
    bbuf_reset(&e);
    pu_ext(&e, 43, "04 fefd fefc");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.num_versions == 2 && ch.highest_version == 0);
    /* More than CH_MAX_VERSIONS: the highest are kept. */
    bbuf_reset(&e);
    pu_ext(&e, 43, "28 0100 0101 0102 0103 0104 0105 0106 0107 0108 0109"
                   "010a 010b 010c 010d 010e 010f 0110 0301 0304 0302");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.num_versions == CH_MAX_VERSIONS && ch.versions[0] == 0x0304 &&
          ch.versions[2] == 0x0301);

    /* A malformed hello still reports what its legacy_version claimed. */
    bbuf_reset(&body);
    pu_hello(&body, 0x0302, "002f", NULL);
    CHECK(parse(&ch, body.data, 40) == CH_ERR_TRUNCATED);
    CHECK(ch.legacy_version == 0x0302 && ch.highest_version == 0x0302);
    CHECK(parse(&ch, body.data, 1) == CH_ERR_TRUNCATED);
    CHECK(ch.num_versions == 0 && ch.error_offset == 0);

    bbuf_cleanup(&e);
    bbuf_cleanup(&body);
}

static void
test_flags_and_exts(void)
{
    struct bbuf body, e;
    struct clienthello ch;
    uint16_t s[8];

    bbuf_init(&body, 1 << 17);
    bbuf_init(&e, 1 << 17);

    /* SCSVs and GREASE in the suites. */
    CHECK(build_parse(&ch, &body, 0x0302, "5600 002f 00ff", NULL) == CH_OK);
    CHECK(ch.fallback_scsv && ch.renego_scsv && !ch.grease_seen);
    CHECK(clienthello_suites(&ch, s, 2) == 3 && s[0] == 0x5600 &&
          s[1] == 0x002f);
    CHECK(build_parse(&ch, &body, 0x0303, "dada 1301", NULL) == CH_OK);
    CHECK(ch.grease_seen && !ch.fallback_scsv);

    /* GREASE in each place it can hide. */
    {
        static const struct {
            uint16_t type;
            const char *hex;
        } g[] = {
            {0x1a1a, ""},
            {10, "0004 4a4a 001d"},
            {13, "0004 5a5a 0403"},
            {50, "0004 0403 6a6a"},
            {51, "000a 7a7a 0001 00 001d 0001 00"},
            {16, "0003 02 8a8a"},
            {27, "04 0002 9a9a"},
        };

        for (size_t i = 0; i < ARRAY_LEN(g); i++) {
            bbuf_reset(&e);
            pu_ext(&e, g[i].type, g[i].hex);
            CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
            CHECK(ch.grease_seen);
        }
    }

    /* Everything we decode, in one hello, in order. */
    bbuf_reset(&e);
    pu_ext(&e, 0x0a0a, "");
    pu_ext(&e, 0, "0012 01 0003 616263 00 0005 612e6f7267 00 0001 62");
    pu_ext(&e, 5, "01 0000 0000");
    pu_ext(&e, 10, "0006 001d 0017 0018");
    pu_ext(&e, 11, "02 00 01");
    pu_ext(&e, 13, "0004 0403 0804");
    pu_ext(&e, 16, "000c 02 6832 08 687474702f312e31");
    pu_ext(&e, 21, "000000");
    pu_ext(&e, 22, "");
    pu_ext(&e, 23, "");
    pu_ext(&e, 27, "02 0002");
    pu_ext(&e, 28, "4001");
    pu_ext(&e, 35, "aabbcc");
    pu_ext(&e, 42, "");
    pu_ext(&e, 43, "04 0304 0303");
    pu_ext(&e, 45, "01 01");
    pu_ext(&e, 50, "0002 0804");
    pu_ext(&e, 51, "000b 001d 0002 aabb 0017 0001 cc");
    pu_ext(&e, 0xff01, "00");
    pu_ext(&e, 0xfe0d, "00 0001 0001 01 0000 0000");
    pu_ext(&e, 0x4469, "");    /* unknown: listed only */
    pu_ext(&e, 41, "000b 0005 0102030405 00000000"
                   "0021 20 0000000000000000000000000000000000000000000000"
                   "000000000000000000");
    CHECK(build_parse(&ch, &body, 0x0303, "1301 1302", &e) == CH_OK);
    if (ch.status != CH_OK) {
        fprintf(stderr, "  everything: %s at %zu (len %zu)\n",
                ch_status_str(ch.status), ch.error_offset, body.len);
    }
    CHECK(ch.num_extensions == 22);
    CHECK(ch.extensions[0].type == 0x0a0a && ch.extensions[21].type == 41);
    CHECK(ch.grease_seen);
    CHECK(ch.has_sni && bcur_eq(&ch.sni, "a.org"));
    CHECK(ch.has_status_request);
    CHECK(ch.has_groups && bcur_left(&ch.groups) == 6);
    CHECK(ch.has_point_formats && bcur_left(&ch.point_formats) == 2);
    CHECK(ch.has_sigalgs && bcur_left(&ch.sigalgs) == 4);
    CHECK(ch.has_alpn && bcur_left(&ch.alpn) == 12);
    CHECK(ch.has_padding && ch.padding_len == 3);
    CHECK(ch.has_encrypt_then_mac && ch.has_extended_master_secret);
    CHECK(ch.has_compress_certificate &&
          bcur_left(&ch.compress_certificate) == 2);
    CHECK(ch.has_record_size_limit && ch.record_size_limit == 0x4001);
    CHECK(ch.has_session_ticket && ch.session_ticket_len == 3);
    CHECK(ch.has_early_data);
    CHECK(ch.has_supported_versions && ch.highest_version == 0x0304);
    CHECK(ch.has_psk_modes && bcur_left(&ch.psk_modes) == 1);
    CHECK(ch.has_sigalgs_cert && bcur_left(&ch.sigalgs_cert) == 2);
    CHECK(ch.has_key_share && ch.num_key_shares == 2 &&
          ch.key_share_groups[0] == 0x001d &&
          ch.key_share_groups[1] == 0x0017);
    CHECK(ch.has_renegotiation_info && ch.has_ech);
    CHECK(ch.has_pre_shared_key && !ch.psk_not_last);

    /* pre_shared_key not last: flagged, not an error. */
    pu_ext(&e, 0x1234, "");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.psk_not_last);

    /* More key shares than kept. */
    bbuf_reset(&e);
    pu_ext(&e, 51, "0055 0001 0001 00 0002 0001 00 0003 0001 00 0004 0001 00"
                   "0005 0001 00 0006 0001 00 0007 0001 00 0008 0001 00"
                   "0009 0001 00 000a 0001 00 000b 0001 00 000c 0001 00"
                   "000d 0001 00 000e 0001 00 000f 0001 00 0010 0001 00"
                   "0011 0001 00");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.num_key_shares == CH_MAX_KEY_SHARES && ch.key_shares_truncated);
    /* An empty key_share list is legal (HRR will follow). */
    bbuf_reset(&e);
    pu_ext(&e, 51, "0000");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(ch.has_key_share && ch.num_key_shares == 0);
    /* SNI with only a non-host_name entry. */
    bbuf_reset(&e);
    pu_ext(&e, 0, "0004 05 0001 61");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_OK);
    CHECK(!ch.has_sni && ch.num_extensions == 1);

    bbuf_cleanup(&e);
    bbuf_cleanup(&body);
}

/* expect_ext_error: one extension body that must fail, at `off` into it. */
static void
expect_ext_error(uint16_t type, const char *hex, enum ch_status want,
                 size_t off_in_ext)
{
    struct bbuf body, e;
    struct clienthello ch;
    size_t ext_start;

    bbuf_init(&body, 1 << 17);
    bbuf_init(&e, 1 << 17);
    pu_ext(&e, 0xabcd, "");          /* listed before the failure */
    pu_ext(&e, type, hex);
    pu_hello(&body, 0x0303, "1301", &e);
    ext_start = body.len - e.len + 4 + 4;   /* the second extension's body */
    CHECK(parse(&ch, body.data, body.len) == want);
    CHECK(ch.num_extensions == 2 && ch.extensions[0].type == 0xabcd);
    CHECK(ch.error_offset == ext_start + off_in_ext);
    if (ch.status != want || ch.error_offset != ext_start + off_in_ext) {
        fprintf(stderr, "  ext %u %s: %s at %zu, want %zu\n", type, hex,
                ch_status_str(ch.status), ch.error_offset,
                ext_start + off_in_ext);
    }
    bbuf_cleanup(&e);
    bbuf_cleanup(&body);
}

static void
test_errors(void)
{
    struct bbuf body, e;
    struct clienthello ch;

    bbuf_init(&body, 1 << 17);
    bbuf_init(&e, 1 << 17);

    /* Fixed fields. */
    bbuf_reset(&body);
    pu_hex(&body, "0303");
    for (int i = 0; i < 32; i++) {
        bbuf_put_u8(&body, 0);
    }
    pu_hex(&body, "21");         /* session id 33 bytes */
    for (int i = 0; i < 33; i++) {
        bbuf_put_u8(&body, 1);
    }
    pu_hex(&body, "0002 1301 0100");
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_SESSION_ID_LEN);
    CHECK(ch.error_offset == 35 && bcur_left(&ch.session_id) == 33);
    CHECK(ch.legacy_version == 0x0303 && bcur_left(&ch.random) == 32);

    CHECK(build_parse(&ch, &body, 0x0303, "13", NULL) == CH_ERR_CIPHERS_LEN);
    CHECK(ch.error_offset == 37);
    CHECK(build_parse(&ch, &body, 0x0303, "", NULL) == CH_ERR_CIPHERS_LEN);
    bbuf_reset(&body);
    pu_hex(&body, "0303");
    for (int i = 0; i < 32; i++) {
        bbuf_put_u8(&body, 0);
    }
    pu_hex(&body, "00 0002 1301 00");
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_COMPRESSION);
    CHECK(bcur_left(&ch.cipher_suites) == 2);

    /* Extensions block framing. */
    bbuf_reset(&body);
    pu_hello(&body, 0x0303, "1301", NULL);
    pu_hex(&body, "00");        /* half a block length */
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_TRUNCATED);
    CHECK(ch.error_offset == body.len - 1);
    body.len--;
    pu_hex(&body, "0005 0017 0000");     /* block claims 5, holds 4 */
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_TRUNCATED);
    body.len -= 6;
    pu_hex(&body, "0004 0017 0000 ff");  /* one byte after the block */
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_TRAILING);
    CHECK(ch.error_offset == body.len - 1 && ch.has_extended_master_secret);
    body.len -= 7;
    pu_hex(&body, "0006 0017 0000 0016");  /* ext header cut */
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_EXT_TRUNCATED);
    CHECK(ch.error_offset == body.len - 2 && ch.num_extensions == 1);
    body.len -= 8;
    pu_hex(&body, "0008 0017 0000 0016 0001");  /* ext body cut */
    CHECK(parse(&ch, body.data, body.len) == CH_ERR_EXT_TRUNCATED);

    /* Duplicate extension: fields decoded so far are kept. */
    bbuf_reset(&e);
    pu_ext(&e, 0, "0006 00 0003 616263");
    pu_ext(&e, 10, "0002 001d");
    pu_ext(&e, 0, "0006 00 0003 78797a");
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) ==
          CH_ERR_EXT_DUPLICATE);
    CHECK(ch.has_sni && bcur_eq(&ch.sni, "abc") && ch.has_groups);
    CHECK(ch.num_extensions == 2);
    CHECK(ch.error_offset == body.len - 12);

    /* Too many extensions. */
    bbuf_reset(&e);
    for (unsigned i = 0; i <= CH_MAX_EXTENSIONS; i++) {
        pu_ext(&e, (uint16_t)(0x1000 + i), "");
    }
    CHECK(build_parse(&ch, &body, 0x0303, "1301", &e) == CH_ERR_EXT_TOO_MANY);
    CHECK(ch.num_extensions == CH_MAX_EXTENSIONS && ch.extensions_truncated);
    CHECK(ch.error_offset == body.len - 4);

    /* Each decoder: odd lengths, trailing bytes, empty lists, lying
     * inner lengths -> ext_malformed, at the failing field. */
    expect_ext_error(0, "0005 00 0003 6162", CH_ERR_EXT_MALFORMED, 3);
    expect_ext_error(0, "0006 00 0003 616263 00", CH_ERR_EXT_MALFORMED, 8);
    expect_ext_error(0, "0000", CH_ERR_EXT_MALFORMED, 2);
    expect_ext_error(0, "0003 00 0000", CH_ERR_EXT_MALFORMED, 5);
    expect_ext_error(5, "01 0000", CH_ERR_EXT_MALFORMED, 3);
    expect_ext_error(10, "0003 001d 00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(10, "0002 001d 00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(10, "0000", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(11, "00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(11, "02 00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(13, "0001 04", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(16, "0003 02 6832 00", CH_ERR_EXT_MALFORMED, 5);
    expect_ext_error(16, "0004 02 6832 00", CH_ERR_EXT_MALFORMED, 6);
    expect_ext_error(16, "0003 03 6832", CH_ERR_EXT_MALFORMED, 2);
    expect_ext_error(22, "00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(23, "00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(27, "03 000200", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(28, "40", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(28, "400000", CH_ERR_EXT_MALFORMED, 2);
    expect_ext_error(41, "0000 0000", CH_ERR_EXT_MALFORMED, 2);
    expect_ext_error(41, "000b 0005 0102030405 00000000 0003 02 0000",
                     CH_ERR_EXT_MALFORMED, 18);
    expect_ext_error(42, "00000000", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(43, "03 030403", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(43, "00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(45, "00", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(50, "0003 040308", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(51, "0004 001d 0000", CH_ERR_EXT_MALFORMED, 6);
    expect_ext_error(51, "0005 001d 0002 aa", CH_ERR_EXT_MALFORMED, 4);
    expect_ext_error(0xff01, "01", CH_ERR_EXT_MALFORMED, 0);
    expect_ext_error(0xff01, "00 00", CH_ERR_EXT_MALFORMED, 1);

    bbuf_cleanup(&e);
    bbuf_cleanup(&body);
}

static void
test_sslv2(void)
{
    static const char v2[] =
        "01 0303 0015 0010 0020"
        "010080 000039 0a0a0a 000035 070080 00002f 005600"
        "00112233445566778899aabbccddeeff"
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    size_t len = 0;
    uint8_t *msg = tl_unhex(v2, &len);
    uint8_t *f = tl_fenced(msg, len);
    struct clienthello ch;
    uint16_t s[8];

    CHECK(clienthello_parse_sslv2(&ch, f, len) == CH_OK);
    CHECK(ch.sslv2 && ch.record_version == 0x0002);
    CHECK(ch.legacy_version == 0x0303);
    CHECK(bcur_left(&ch.sslv2_cipher_specs) == 21);
    CHECK(bcur_left(&ch.cipher_suites) == 0);
    CHECK(bcur_left(&ch.session_id) == 16 && bcur_left(&ch.random) == 32);
    CHECK(ch.fallback_scsv && !ch.renego_scsv);
    CHECK(!ch.grease_seen);     /* 0x0a0a0a is not a TLS suite spec */
    CHECK(clienthello_suites(&ch, s, 8) == 4);
    CHECK(s[0] == 0x0039 && s[1] == 0x0035 && s[2] == 0x002f &&
          s[3] == 0x5600);
    CHECK(ch.num_versions == 4 && ch.versions[0] == 0x0303 &&
          ch.versions[3] == 0x0002 && ch.highest_version == 0x0303);
    CHECK(views_inside(&ch, f, len));
    for (size_t k = 0; k < len; k++) {
        CHECK(clienthello_parse_sslv2(&ch, f + len - k, k) != CH_OK);
        CHECK(views_inside(&ch, f + len - k, k));
    }
    tl_fenced_free(f, len);
    free(msg);

    /* SSL 2.0 only client, and broken fields. */
    {
        static const struct {
            const char *hex;
            enum ch_status st;
        } t[] = {
            {"01 0002 0003 0000 0010 010080"
             "00112233445566778899aabbccddeeff", CH_OK},
            {"02 0002", CH_ERR_NOT_CLIENTHELLO},
            {"01 0002 0004 0000 0010", CH_ERR_SSLV2_MALFORMED},
            {"01 0002 0003 0001 0010", CH_ERR_SSLV2_MALFORMED},
            {"01 0002 0003 0000 0008", CH_ERR_SSLV2_MALFORMED},
            {"01 0002 0003 0000 0010 010080"
             "00112233445566778899aabbccddeeff 00", CH_ERR_TRAILING},
        };

        for (size_t i = 0; i < ARRAY_LEN(t); i++) {
            msg = tl_unhex(t[i].hex, &len);
            f = tl_fenced(msg, len);
            CHECK(clienthello_parse_sslv2(&ch, f, len) == t[i].st);
            CHECK(views_inside(&ch, f, len));
            if (t[i].st == CH_OK) {
                CHECK(ch.num_versions == 1 && ch.versions[0] == 0x0002);
                CHECK(ch.highest_version == 0x0002);
                CHECK(clienthello_suites(&ch, s, 8) == 0);
            }
            tl_fenced_free(f, len);
            free(msg);
        }
    }
}

int
main(void)
{
    test_tokens();
    test_grease_rank();
    test_golden();
    test_versions();
    test_flags_and_exts();
    test_errors();
    test_sslv2();
    return tl_done("test_clienthello");
}
