/*
 * fuzz_clienthello.c - any bytes as a ClientHello body (and as an SSLv2
 * CLIENT-HELLO): the parser must not crash, every view must stay inside
 * the input, counts within their caps, derived versions sorted, and the
 * suites iterator consistent. Suggested -max_len: 16384.
 */
#include <stdlib.h>
#include <string.h>

#include "clienthello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
inside(const struct bcur *v, const uint8_t *b, size_t len)
{
    if (v->len == 0) {
        return true;
    }
    return v->ptr >= b && v->ptr <= b + len &&
           v->len <= (size_t)(b + len - v->ptr);
}

static void
check(const struct clienthello *ch, const uint8_t *b, size_t len)
{
    const struct bcur *v[] = {
        &ch->random, &ch->session_id, &ch->cipher_suites,
        &ch->sslv2_cipher_specs, &ch->compression, &ch->sni, &ch->alpn,
        &ch->groups, &ch->point_formats, &ch->sigalgs, &ch->sigalgs_cert,
        &ch->supported_versions, &ch->psk_modes, &ch->compress_certificate,
    };
    uint16_t suites[8];
    size_t n;

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (!inside(v[i], b, len)) {
            abort();
        }
    }
    if (ch->num_extensions > CH_MAX_EXTENSIONS ||
        ch->num_versions > CH_MAX_VERSIONS ||
        ch->num_key_shares > CH_MAX_KEY_SHARES ||
        (ch->status != CH_OK && ch->error_offset > len)) {
        abort();
    }
    for (size_t i = 0; i < ch->num_extensions; i++) {
        if (!inside(&ch->extensions[i].data, b, len)) {
            abort();
        }
    }
    for (size_t i = 1; i < ch->num_versions; i++) {
        if (tls_version_rank(ch->versions[i - 1]) <
                tls_version_rank(ch->versions[i]) ||
            ch->versions[i - 1] == ch->versions[i] ||
            tls_is_grease(ch->versions[i])) {
            abort();
        }
    }
    if (ch->highest_version != 0 &&
        ch->highest_version != ch->versions[0]) {
        abort();
    }
    n = clienthello_suites(ch, suites, 8);
    if (n != clienthello_suites(ch, NULL, 0) ||
        (!ch->sslv2 && n != bcur_left(&ch->cipher_suites) / 2)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct clienthello ch;
    enum ch_status st;

    st = clienthello_parse(&ch, data, size);
    if (st != ch.status) {
        abort();
    }
    check(&ch, data, size);
    if (clienthello_parse_sslv2(&ch, data, size) != ch.status) {
        abort();
    }
    check(&ch, data, size);
    return 0;
}
