/*
 * test_names.c - the name tables: sorted (binary search relies on it),
 * known names for the values mail clients send, hex for unknown values,
 * GREASE, and the suite properties the verdict engine reads.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "names.h"
#include "tl.h"

static bool
streq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static void
test_sorted(void)
{
    size_t i;
    size_t n = names_num_suites();

    CHECK(names_tables_sorted());
    CHECK(n > 350);
    /* Every row is found by binary search, names are unique. */
    for (i = 0; i < n; i++) {
        const struct names_suite *s = names_suite_at(i);

        CHECK(s != NULL && names_suite_info(s->id) == s);
        CHECK(s != NULL && s->name != NULL && s->name[0] != '\0');
        CHECK(s != NULL && s->min_version <= s->max_version);
    }
    CHECK(names_suite_at(n) == NULL);
}

static void
test_suites(void)
{
    struct name_buf nb;
    const struct names_suite *s;

    CHECK(streq(names_suite(0x1301, &nb), "TLS_AES_128_GCM_SHA256"));
    CHECK(streq(names_suite(0xc02f, &nb),
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    CHECK(streq(names_suite(0x00ff, &nb),
                "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"));
    CHECK(streq(names_suite(0x5600, &nb), "TLS_FALLBACK_SCSV"));
    CHECK(streq(names_suite(0x0a0a, &nb), "GREASE"));
    CHECK(streq(names_suite(0xfafa, &nb), "GREASE"));
    CHECK(streq(names_suite(0x1234, &nb), "0x1234"));
    CHECK(streq(names_suite(0xc0b5, &nb), "TLS_SHA384_SHA384"));
    CHECK(streq(names_suite(0xd005, &nb),
                "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"));
    CHECK(streq(names_suite(0xd004, &nb), "0xd004"));
    CHECK(streq(names_suite(0x0064, &nb),
                "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"));

    s = names_suite_info(0x000a);
    CHECK(s != NULL && s->cipher == NAMES_CIPHER_3DES &&
          s->kx == NAMES_KX_RSA && (s->flags & NAMES_SF_DEPRECATED) != 0 &&
          (s->flags & NAMES_SF_IANA) != 0);
    s = names_suite_info(0x0005);
    CHECK(s != NULL && s->cipher == NAMES_CIPHER_RC4 &&
          s->mac == NAMES_MAC_SHA1 && (s->flags & NAMES_SF_DEPRECATED));
    s = names_suite_info(0x0003);
    CHECK(s != NULL && (s->flags & NAMES_SF_EXPORT) &&
          s->max_version == 0x0301);
    s = names_suite_info(0x0034);
    CHECK(s != NULL && s->kx == NAMES_KX_DH_ANON && (s->flags & NAMES_SF_ANON));
    s = names_suite_info(0x0002);
    CHECK(s != NULL && s->cipher == NAMES_CIPHER_NULL &&
          (s->flags & NAMES_SF_DEPRECATED));
    s = names_suite_info(0xc02b);
    CHECK(s != NULL && s->kx == NAMES_KX_ECDHE &&
          s->cipher == NAMES_CIPHER_AES_GCM && (s->flags & NAMES_SF_FS) &&
          (s->flags & NAMES_SF_AEAD) && !(s->flags & NAMES_SF_DEPRECATED) &&
          s->min_version == 0x0303 && s->max_version == 0x0303);
    s = names_suite_info(0x1303);
    CHECK(s != NULL && s->kx == NAMES_KX_TLS13 &&
          s->cipher == NAMES_CIPHER_CHACHA20 && (s->flags & NAMES_SF_TLS13));
    s = names_suite_info(0x002f);
    CHECK(s != NULL && s->cipher == NAMES_CIPHER_AES_CBC &&
          s->min_version == 0x0300 && !(s->flags & NAMES_SF_DEPRECATED));
    s = names_suite_info(0xc013);
    CHECK(s != NULL && s->min_version == 0x0301);
    s = names_suite_info(0x003c);
    CHECK(s != NULL && s->mac == NAMES_MAC_SHA256 && s->min_version == 0x0303);
    s = names_suite_info(0x00ff);
    CHECK(s != NULL && (s->flags & NAMES_SF_SCSV) && s->kx == NAMES_KX_SCSV);
    CHECK(names_suite_info(0x2a2a) == NULL);

    CHECK(names_suite_usable_at(0x1301, 0x0304));
    CHECK(!names_suite_usable_at(0x1301, 0x0303));
    CHECK(names_suite_usable_at(0xc02f, 0x0303));
    CHECK(!names_suite_usable_at(0xc02f, 0x0304));
    CHECK(!names_suite_usable_at(0xc02f, 0x0301));
    CHECK(names_suite_usable_at(0x000a, 0x0301));
    CHECK(!names_suite_usable_at(0x5600, 0x0303));
    CHECK(!names_suite_usable_at(0x4242, 0x0303));

    CHECK(streq(names_kx_str(NAMES_KX_ECDHE), "ecdhe"));
    CHECK(streq(names_cipher_str(NAMES_CIPHER_3DES), "3des"));
    CHECK(streq(names_cipher_str(NAMES_CIPHER_SCSV), "scsv"));
    CHECK(streq(names_mac_str(NAMES_MAC_GOST), "gost"));
    CHECK(streq(names_kx_str((enum names_kx)200), "unknown"));
}

static void
test_others(void)
{
    struct name_buf nb;

    CHECK(streq(names_sslv2_spec(0x010080, &nb), "SSL2_RC4_128_WITH_MD5"));
    CHECK(streq(names_sslv2_spec(0x0700c0, &nb),
                "SSL2_DES_192_EDE3_CBC_WITH_MD5"));
    CHECK(streq(names_sslv2_spec(0x00000a, &nb),
                "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
    CHECK(streq(names_sslv2_spec(0xabcdef, &nb), "0xabcdef"));

    CHECK(streq(names_ext(0, &nb), "server_name"));
    CHECK(streq(names_ext(16, &nb), "application_layer_protocol_negotiation"));
    CHECK(streq(names_ext(0xff01, &nb), "renegotiation_info"));
    CHECK(streq(names_ext(0xfe0d, &nb), "encrypted_client_hello"));
    CHECK(streq(names_ext(0x3a3a, &nb), "GREASE"));
    CHECK(streq(names_ext(0x7777, &nb), "0x7777"));

    CHECK(streq(names_group(0x001d, &nb), "x25519"));
    CHECK(streq(names_group(0x11ec, &nb), "X25519MLKEM768"));
    CHECK(streq(names_group(0x6399, &nb), "X25519Kyber768Draft00"));
    CHECK(streq(names_group(0x0100, &nb), "ffdhe2048"));
    CHECK(streq(names_group(0x0104, &nb), "ffdhe8192"));
    CHECK(streq(names_group(0xeaea, &nb), "GREASE"));
    CHECK(streq(names_group(0x0105, &nb), "0x0105"));

    CHECK(streq(names_sigalg(0x0804, &nb), "rsa_pss_rsae_sha256"));
    CHECK(streq(names_sigalg(0x0201, &nb), "rsa_pkcs1_sha1"));
    CHECK(streq(names_sigalg(0x0402, &nb), "dsa_sha256"));
    CHECK(streq(names_sigalg(0x0101, &nb), "rsa_md5"));
    CHECK(streq(names_sigalg(0x0303, &nb), "ecdsa_sha224"));
    CHECK(streq(names_sigalg(0xeeee, &nb), "0xeeee"));
    CHECK(streq(names_sigalg(0x0a0a, &nb), "GREASE"));

    CHECK(streq(names_version(0x0303, &nb), "TLS 1.2"));
    CHECK(streq(names_version(0x0300, &nb), "SSL 3.0"));
    CHECK(streq(names_version(0x0002, &nb), "SSL 2.0"));
    CHECK(streq(names_version(0x7f1c, &nb), "TLS 1.3 draft 28"));
    CHECK(streq(names_version(0x7f10, &nb), "TLS 1.3 draft 16"));
    CHECK(streq(names_version(0x7f1d, &nb), "0x7f1d"));
    CHECK(streq(names_version(0x7f00, &nb), "0x7f00"));
    CHECK(streq(names_version(0x1a1a, &nb), "GREASE"));
    CHECK(streq(names_version(0xfefd, &nb), "DTLS 1.2"));
    CHECK(names_version_known(0x0304));
    CHECK(names_version_known(0x7f17));
    CHECK(!names_version_known(0x0305));

    CHECK(streq(names_alert(70, &nb), "protocol_version"));
    CHECK(streq(names_alert(40, &nb), "handshake_failure"));
    CHECK(streq(names_alert(86, &nb), "inappropriate_fallback"));
    CHECK(streq(names_alert(255, &nb), "0xff"));
    CHECK(streq(names_alert_level(2, &nb), "fatal"));
    CHECK(streq(names_alert_level(9, &nb), "0x09"));
    CHECK(streq(names_point_format(0, &nb), "uncompressed"));
    CHECK(streq(names_psk_mode(1, &nb), "psk_dhe_ke"));
    CHECK(streq(names_compression(1, &nb), "DEFLATE"));
    CHECK(streq(names_cert_compression(2, &nb), "brotli"));
    CHECK(streq(names_cert_compression(9, &nb), "0x0009"));

    CHECK(names_is_grease(0x0a0a) && names_is_grease(0xfafa));
    CHECK(!names_is_grease(0x0a1a) && !names_is_grease(0xeeee));
}

/*
 * hello_json writes these names into records without escaping them
 * (hj_id_name): every 16-bit value of every namer it uses must give a
 * name of printable ASCII with nothing JSON or HTML would escape, and
 * short enough for its stack buffer. Checked exhaustively.
 */
static void
test_names_json_plain(void)
{
    typedef const char *(*namer16)(uint16_t, struct name_buf *);
    static const namer16 namers[] = {names_suite, names_ext, names_group,
                                     names_sigalg, names_version,
                                     names_cert_compression};
    size_t bad = 0;

    for (size_t k = 0; k < sizeof(namers) / sizeof(namers[0]); k++) {
        for (unsigned v = 0; v <= 0xffff; v++) {
            struct name_buf nb;
            const char *name = namers[k]((uint16_t)v, &nb);
            size_t n = 0;

            if (name == NULL || !json_plain_cstr(name, &n) || n == 0 ||
                n > 120) {
                if (bad++ < 5) {
                    fprintf(stderr, "namer %zu, value 0x%04x: %s\n", k, v,
                            name != NULL ? name : "(null)");
                }
            }
        }
    }
    CHECK(bad == 0);
}

int
main(void)
{
    test_names_json_plain();
    test_sorted();
    test_suites();
    test_others();
    return tl_done("test_names");
}
