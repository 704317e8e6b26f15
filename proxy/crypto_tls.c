/*
 * crypto_tls.c - the optional real handshake of test mode, on mbedTLS, over
 * memory buffers (see crypto_tls.h and doc/handshake.md).
 *
 * Shape: mbedTLS gets a recv callback that reads from our input buffer and
 * a send callback that appends to the caller's bbuf, so one call to
 * crypto_tls_conn_step() never blocks and never touches a socket. Both byte
 * streams also pass through a small record watcher (struct ct_watch) that
 * reads only record headers, plaintext alerts and our own ServerHello: that
 * is where the result's version, suite and alerts come from, the same way
 * on mbedTLS 2.28 and 3.6, without reaching into mbedTLS internals.
 *
 * The handshake ends at mbedtls_ssl_handshake() == 0. We never call
 * mbedtls_ssl_read(): client application data stays undecrypted in our
 * buffer (or is dropped unread after CT_DONE).
 *
 * Version differences handled here (MBEDTLS_VERSION_NUMBER):
 *   - 3.x needs psa_crypto_init() before any TLS/PSA use;
 *   - 3.x has no TLS 1.0/1.1; 3.2+ sets versions with *_tls_version() and
 *     reports them with mbedtls_ssl_get_version_number();
 *   - 3.x key/pair loaders take an RNG; 3.4+ sets a raw certificate serial;
 *   - some error codes were renamed (guarded with #if defined()).
 */
#include "crypto_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/version.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#else
#include <mbedtls/bignum.h>
#endif

#include "crypto.h"

#if MBEDTLS_VERSION_NUMBER >= 0x04000000
#error "mbedTLS 4.x is not supported (PSA-only API); use 2.28 or 3.6"
#endif

#define CT_SLOTS 2              /* one EC and one RSA certificate */
#define CT_DER_MAX 4096         /* a generated certificate is < 1.5 KiB */
#define CT_PEM_MAX 6144
#define CT_WATCH_HEAD 512       /* record bytes kept for the watcher */
#define CT_REC_LIMIT (16384 + 2048) /* RFC 5246 §6.2.3 TLSCiphertext cap */
#define CT_RSA_BITS 2048
#define CT_DAY 86400

/* TLS content types and alert values (RFC 5246 §6.2.1, §7.2; 8446 §6). */
#define CT_REC_CCS 20
#define CT_REC_ALERT 21
#define CT_REC_HANDSHAKE 22
#define CT_HS_SERVER_HELLO 2
#define CT_EXT_SUPPORTED_VERSIONS 43
#define CT_ALERT_WARNING 1
#define CT_ALERT_FATAL 2

struct crypto_tls_server {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt crt[CT_SLOTS];
    mbedtls_pk_context key[CT_SLOTS];
    bool used[CT_SLOTS];
    struct crypto_tls_server_info info;
};

/*
 * A streaming view of one direction's records: it collects the 5-byte
 * header, then keeps the first CT_WATCH_HEAD bytes of the body and hands
 * the finished record to ct_on_record().
 */
struct ct_watch {
    uint8_t hdr[5];
    size_t hdr_len;
    uint8_t type;
    uint16_t version;
    size_t rec_len;
    size_t body_left;
    uint8_t head[CT_WATCH_HEAD];
    size_t head_len;
    bool ccs_seen;      /* this side sent ChangeCipherSpec */
    bool lost;          /* not TLS record framing (e.g. SSLv2 hello) */
};

enum ct_dir { CT_FROM_CLIENT, CT_FROM_US };

struct crypto_tls_conn {
    struct crypto_tls_server *srv;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    enum crypto_tls_step state;
    uint8_t *in;            /* client bytes not yet read by mbedTLS */
    size_t in_off;
    size_t in_len;
    bool in_overflow;
    bool eof;
    struct bbuf *out;       /* set only while mbedTLS may write */
    bool out_overflow;
    struct ct_watch w_client;
    struct ct_watch w_us;
    struct crypto_tls_result res;
};

/* ---- names ------------------------------------------------------------ */

struct ct_alert_row {
    uint8_t desc;
    const char *name;
    const char *token;      /* error token when the client sends it */
};

/* RFC 5246 §7.2, RFC 8446 §6, IANA "TLS Alerts" registry. */
static const struct ct_alert_row ct_alerts[] = {
    {0, "close_notify", "client_closed"},
    {10, "unexpected_message", "client_alert_unexpected_message"},
    {20, "bad_record_mac", "client_alert_bad_record_mac"},
    {21, "decryption_failed", "client_alert_decryption_failed"},
    {22, "record_overflow", "client_alert_record_overflow"},
    {30, "decompression_failure", "client_alert_decompression_failure"},
    {40, "handshake_failure", "client_alert_handshake_failure"},
    {41, "no_certificate", "client_alert_no_certificate"},
    {42, "bad_certificate", "client_alert_bad_certificate"},
    {43, "unsupported_certificate", "client_alert_unsupported_certificate"},
    {44, "certificate_revoked", "client_alert_certificate_revoked"},
    {45, "certificate_expired", "client_alert_certificate_expired"},
    {46, "certificate_unknown", "client_alert_certificate_unknown"},
    {47, "illegal_parameter", "client_alert_illegal_parameter"},
    {48, "unknown_ca", "client_alert_unknown_ca"},
    {49, "access_denied", "client_alert_access_denied"},
    {50, "decode_error", "client_alert_decode_error"},
    {51, "decrypt_error", "client_alert_decrypt_error"},
    {60, "export_restriction", "client_alert_export_restriction"},
    {70, "protocol_version", "client_alert_protocol_version"},
    {71, "insufficient_security", "client_alert_insufficient_security"},
    {80, "internal_error", "client_alert_internal_error"},
    {86, "inappropriate_fallback", "client_alert_inappropriate_fallback"},
    {90, "user_canceled", "client_alert_user_canceled"},
    {100, "no_renegotiation", "client_alert_no_renegotiation"},
    {109, "missing_extension", "client_alert_missing_extension"},
    {110, "unsupported_extension", "client_alert_unsupported_extension"},
    {112, "unrecognized_name", "client_alert_unrecognized_name"},
    {113, "bad_certificate_status_response",
     "client_alert_bad_certificate_status_response"},
    {115, "unknown_psk_identity", "client_alert_unknown_psk_identity"},
    {116, "certificate_required", "client_alert_certificate_required"},
    {120, "no_application_protocol", "client_alert_no_application_protocol"},
};

static const struct ct_alert_row *
ct_alert_row(uint8_t desc)
{
    for (size_t i = 0; i < ARRAY_LEN(ct_alerts); i++) {
        if (ct_alerts[i].desc == desc) {
            return &ct_alerts[i];
        }
    }
    return NULL;
}

const char *
crypto_tls_alert_name(uint8_t desc)
{
    const struct ct_alert_row *r = ct_alert_row(desc);

    return r != NULL ? r->name : "unknown";
}

const char *
crypto_tls_step_str(enum crypto_tls_step st)
{
    switch (st) {
    case CT_WANT_INPUT:
        return "want_input";
    case CT_DONE:
        return "done";
    case CT_FAILED:
        return "failed";
    }
    return "unknown";
}

/* ---- capabilities ----------------------------------------------------- */

bool
crypto_tls_can_legacy(void)
{
#if MBEDTLS_VERSION_NUMBER < 0x03000000 && defined(MBEDTLS_SSL_PROTO_TLS1) && \
    defined(MBEDTLS_SSL_PROTO_TLS1_1)
    return true;
#else
    return false;
#endif
}

uint16_t
crypto_tls_min_version(void)
{
#if MBEDTLS_VERSION_NUMBER < 0x03000000 && defined(MBEDTLS_SSL_PROTO_TLS1)
    return CRYPTO_TLS_V10;
#elif MBEDTLS_VERSION_NUMBER < 0x03000000 && defined(MBEDTLS_SSL_PROTO_TLS1_1)
    return CRYPTO_TLS_V11;
#elif defined(MBEDTLS_SSL_PROTO_TLS1_2)
    return CRYPTO_TLS_V12;
#else
    return CRYPTO_TLS_V13;
#endif
}

uint16_t
crypto_tls_max_version(void)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03020000 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
    return CRYPTO_TLS_V13;
#else
    return CRYPTO_TLS_V12;
#endif
}

/* ---- errors ----------------------------------------------------------- */

static void
ct_strerror(int ret, char *buf, size_t len)
{
    if (len == 0) {
        return;
    }
    mbedtls_strerror(ret, buf, len);
    if (buf[0] == '\0') {
        snprintf(buf, len, "mbedTLS error -0x%04x", (unsigned)-ret);
    }
}

static void
ct_seterr(char *err, size_t errlen, const char *what, int ret)
{
    char text[128];

    if (err == NULL || errlen == 0) {
        return;
    }
    if (ret == 0) {
        snprintf(err, errlen, "%s", what);
        return;
    }
    ct_strerror(ret, text, sizeof(text));
    snprintf(err, errlen, "%s: %s (-0x%04x)", what, text, (unsigned)-ret);
}

/* ---- server context --------------------------------------------------- */

static bool
ct_hostname_ok(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > CRYPTO_TLS_MAX_HOSTNAME) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = h[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
                  ch == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool
ct_time_str(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL) {
        return false;
    }
    return strftime(buf, len, "%Y%m%d%H%M%S", &tm) != 0;
}

static int
ct_set_serial(struct crypto_tls_server *s, mbedtls_x509write_cert *w)
{
    unsigned char serial[16];
    int ret;

    ret = mbedtls_ctr_drbg_random(&s->drbg, serial, sizeof(serial));
    if (ret != 0) {
        return ret;
    }
    /* RFC 5280 §4.1.2.2: positive, at most 20 octets; keep it non-zero. */
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01);
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
    ret = mbedtls_x509write_crt_set_serial_raw(w, serial, sizeof(serial));
#else
    {
        mbedtls_mpi mpi;

        mbedtls_mpi_init(&mpi);
        ret = mbedtls_mpi_read_binary(&mpi, serial, sizeof(serial));
        if (ret == 0) {
            ret = mbedtls_x509write_crt_set_serial(w, &mpi);
        }
        mbedtls_mpi_free(&mpi);
    }
#endif
    return ret;
}

static int
ct_gen_key(struct crypto_tls_server *s, mbedtls_pk_context *key, bool rsa)
{
    int ret;

    ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(
                                    rsa ? MBEDTLS_PK_RSA : MBEDTLS_PK_ECKEY));
    if (ret != 0) {
        return ret;
    }
    if (rsa) {
        return mbedtls_rsa_gen_key(mbedtls_pk_rsa(*key),
                                   mbedtls_ctr_drbg_random, &s->drbg,
                                   CT_RSA_BITS, 65537);
    }
    return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key),
                               mbedtls_ctr_drbg_random, &s->drbg);
}

/*
 * ct_gen_cert makes key + self-signed certificate for slot `i`. The cert is
 * a leaf (CA:FALSE), signed with SHA-256, KU digitalSignature (and
 * keyEncipherment for RSA, which the TLS_RSA_* key exchange needs).
 */
static bool
ct_gen_cert(struct crypto_tls_server *s, int i, bool rsa, const char *host,
            char *err, size_t errlen)
{
    mbedtls_x509write_cert w;
    unsigned char *der = NULL;
    char name[CRYPTO_TLS_MAX_HOSTNAME + 8];
    char nb[16], na[16];
    time_t now = time(NULL);
    unsigned int ku;
    int ret;
    bool ok = false;

    mbedtls_x509write_crt_init(&w);
    ret = ct_gen_key(s, &s->key[i], rsa);
    if (ret != 0) {
        ct_seterr(err, errlen, rsa ? "RSA key generation" : "EC key generation",
                  ret);
        goto out;
    }
    snprintf(name, sizeof(name), "CN=%s", host);
    if (!ct_time_str(now - CT_DAY, nb, sizeof(nb)) ||
        !ct_time_str(now + 30 * (time_t)CT_DAY, na, sizeof(na))) {
        ct_seterr(err, errlen, "cannot format certificate validity", 0);
        goto out;
    }
    ku = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    if (rsa) {
        ku |= MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
    }
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &s->key[i]);
    mbedtls_x509write_crt_set_issuer_key(&w, &s->key[i]);
    if ((ret = mbedtls_x509write_crt_set_subject_name(&w, name)) != 0 ||
        (ret = mbedtls_x509write_crt_set_issuer_name(&w, name)) != 0 ||
        (ret = ct_set_serial(s, &w)) != 0 ||
        (ret = mbedtls_x509write_crt_set_validity(&w, nb, na)) != 0 ||
        (ret = mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1)) != 0 ||
        (ret = mbedtls_x509write_crt_set_key_usage(&w, ku)) != 0) {
        ct_seterr(err, errlen, "certificate fields", ret);
        goto out;
    }
    der = malloc(CT_DER_MAX);
    if (der == NULL) {
        ct_seterr(err, errlen, "out of memory", 0);
        goto out;
    }
    /* mbedtls_x509write_crt_der writes at the END of the buffer. */
    ret = mbedtls_x509write_crt_der(&w, der, CT_DER_MAX,
                                    mbedtls_ctr_drbg_random, &s->drbg);
    if (ret <= 0) {
        ct_seterr(err, errlen, "certificate signing", ret);
        goto out;
    }
    ret = mbedtls_x509_crt_parse_der(&s->crt[i], der + CT_DER_MAX - ret,
                                     (size_t)ret);
    if (ret != 0) {
        ct_seterr(err, errlen, "parsing the generated certificate", ret);
        goto out;
    }
    s->used[i] = true;
    ok = true;
out:
    free(der);
    mbedtls_x509write_crt_free(&w);
    return ok;
}

static bool
ct_load_files(struct crypto_tls_server *s,
              const struct crypto_tls_server_opts *o, char *err, size_t errlen)
{
    char what[300];
    int ret;

    ret = mbedtls_x509_crt_parse_file(&s->crt[0], o->cert_file);
    if (ret != 0) {
        snprintf(what, sizeof(what), "cannot load certificate %s",
                 o->cert_file);
        ct_seterr(err, errlen, what, ret < 0 ? ret : 0);
        return false;
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    ret = mbedtls_pk_parse_keyfile(&s->key[0], o->key_file, NULL,
                                   mbedtls_ctr_drbg_random, &s->drbg);
#else
    ret = mbedtls_pk_parse_keyfile(&s->key[0], o->key_file, NULL);
#endif
    if (ret != 0) {
        snprintf(what, sizeof(what), "cannot load key %s", o->key_file);
        ct_seterr(err, errlen, what, ret);
        return false;
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    ret = mbedtls_pk_check_pair(&s->crt[0].pk, &s->key[0],
                                mbedtls_ctr_drbg_random, &s->drbg);
#else
    ret = mbedtls_pk_check_pair(&s->crt[0].pk, &s->key[0]);
#endif
    if (ret != 0) {
        ct_seterr(err, errlen, "key does not match certificate", ret);
        return false;
    }
    s->used[0] = true;
    s->info.from_file = true;
    return true;
}

static bool
ct_save_certs(const struct crypto_tls_server *s, const char *path, char *err,
              size_t errlen)
{
    unsigned char pem[CT_PEM_MAX];
    FILE *f;
    bool ok = true;

    f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "cannot write %s", path);
        return false;
    }
    for (int i = 0; i < CT_SLOTS && ok; i++) {
        size_t olen = 0;
        int ret;

        if (!s->used[i]) {
            continue;
        }
        ret = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                       "-----END CERTIFICATE-----\n",
                                       s->crt[i].raw.p, s->crt[i].raw.len,
                                       pem, sizeof(pem), &olen);
        /* olen counts the terminating NUL. */
        if (ret != 0 || olen == 0 || fwrite(pem, 1, olen - 1, f) != olen - 1) {
            ct_seterr(err, errlen, "cannot write certificate", ret);
            ok = false;
        }
    }
    if (fclose(f) != 0 && ok) {
        snprintf(err, errlen, "cannot write %s", path);
        ok = false;
    }
    return ok;
}

static void
ct_fmt_x509_time(const mbedtls_x509_time *t, char *buf, size_t len)
{
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", t->year, t->mon,
             t->day, t->hour, t->min, t->sec);
}

static void
ct_fill_info(struct crypto_tls_server *s)
{
    bool first = true;

    for (int i = 0; i < CT_SLOTS; i++) {
        mbedtls_pk_type_t t;
        uint8_t *fp;

        if (!s->used[i]) {
            continue;
        }
        t = mbedtls_pk_get_type(&s->crt[i].pk);
        if (t == MBEDTLS_PK_RSA) {
            s->info.has_rsa = true;
            fp = s->info.sha256_rsa;
        } else {
            s->info.has_ec = true;
            fp = s->info.sha256_ec;
        }
        if (!crypto_sha256(fp, s->crt[i].raw.p, s->crt[i].raw.len)) {
            memset(fp, 0, CRYPTO_SHA256_LEN);
        }
        if (first) {
            int n = mbedtls_x509_dn_gets(s->info.subject,
                                         sizeof(s->info.subject),
                                         &s->crt[i].subject);
            if (n < 0) {
                s->info.subject[0] = '\0';
            }
            ct_fmt_x509_time(&s->crt[i].valid_from, s->info.not_before,
                             sizeof(s->info.not_before));
            ct_fmt_x509_time(&s->crt[i].valid_to, s->info.not_after,
                             sizeof(s->info.not_after));
            first = false;
        }
    }
}

struct crypto_tls_server *
crypto_tls_server_new(const struct crypto_tls_server_opts *o, char *err,
                      size_t errlen)
{
    static const char pers[] = "tlsready handshake";
    struct crypto_tls_server_opts none;
    struct crypto_tls_server *s;
    const char *host;
    int ret;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (o == NULL) {
        memset(&none, 0, sizeof(none));
        o = &none;
    }
    host = o->hostname != NULL ? o->hostname : "localhost";
    if (!ct_hostname_ok(host)) {
        ct_seterr(err, errlen,
                  "hostname must be 1-64 letters, digits, '.', '-' or '_'", 0);
        return NULL;
    }
    if ((o->cert_file == NULL) != (o->key_file == NULL)) {
        ct_seterr(err, errlen, "cert_file and key_file go together", 0);
        return NULL;
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    /* 3.x: TLS 1.3 and USE_PSA builds go through PSA; idempotent. */
    if (psa_crypto_init() != PSA_SUCCESS) {
        ct_seterr(err, errlen, "psa_crypto_init failed", 0);
        return NULL;
    }
#endif
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        ct_seterr(err, errlen, "out of memory", 0);
        return NULL;
    }
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    for (int i = 0; i < CT_SLOTS; i++) {
        mbedtls_x509_crt_init(&s->crt[i]);
        mbedtls_pk_init(&s->key[i]);
    }
    ret = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy,
                                (const unsigned char *)pers, sizeof(pers) - 1);
    if (ret != 0) {
        ct_seterr(err, errlen, "seeding the DRBG", ret);
        goto fail;
    }
    if (o->cert_file != NULL) {
        if (!ct_load_files(s, o, err, errlen)) {
            goto fail;
        }
    } else {
        if (!ct_gen_cert(s, 0, false, host, err, errlen)) {
            goto fail;
        }
        if (!o->no_rsa && !ct_gen_cert(s, 1, true, host, err, errlen)) {
            goto fail;
        }
        if (o->save_cert_path != NULL &&
            !ct_save_certs(s, o->save_cert_path, err, errlen)) {
            goto fail;
        }
    }
    ct_fill_info(s);
    return s;
fail:
    crypto_tls_server_free(s);
    return NULL;
}

void
crypto_tls_server_info(const struct crypto_tls_server *s,
                       struct crypto_tls_server_info *out)
{
    *out = s->info;
}

void
crypto_tls_server_free(struct crypto_tls_server *s)
{
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < CT_SLOTS; i++) {
        mbedtls_x509_crt_free(&s->crt[i]);
        mbedtls_pk_free(&s->key[i]);
    }
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
    free(s);
}

/* ---- record watcher --------------------------------------------------- */

/*
 * RFC 5246 §7.4.1.3 / RFC 8446 §4.1.3, the parts we read from OUR hello:
 *
 *   struct {
 *       ProtocolVersion server_version;     legacy_version in TLS 1.3
 *       Random random;                      32 bytes
 *       SessionID session_id;               <0..32>
 *       CipherSuite cipher_suite;
 *       CompressionMethod compression_method;
 *       Extension extensions<0..2^16-1>;    supported_versions (43) in 1.3
 *   } ServerHello;
 */
static void
ct_parse_server_hello(struct crypto_tls_conn *c, struct bcur *hs)
{
    struct bcur body, sid, exts;
    uint8_t type, comp;
    uint32_t len;
    uint16_t ver, suite;

    if (!bcur_get_u8(hs, &type) || type != CT_HS_SERVER_HELLO ||
        !bcur_get_u24(hs, &len)) {
        return;
    }
    /* The watcher keeps a prefix; the fixed fields are all near the start. */
    if (len < bcur_left(hs)) {
        if (!bcur_get_bytes(hs, &body, len)) {
            return;
        }
    } else {
        body = *hs;
    }
    if (!bcur_get_u16(&body, &ver) || !bcur_skip(&body, 32) ||
        !bcur_get_vec8(&body, &sid) || !bcur_get_u16(&body, &suite) ||
        !bcur_get_u8(&body, &comp)) {
        return;
    }
    c->res.server_hello_sent = true;
    c->res.version = ver;
    c->res.suite = suite;
    c->res.suite_name = mbedtls_ssl_get_ciphersuite_name(suite);
    if (!bcur_get_vec16(&body, &exts)) {
        return;
    }
    while (bcur_left(&exts) > 0) {
        struct bcur ext;
        uint16_t et, sel;

        if (!bcur_get_u16(&exts, &et) || !bcur_get_vec16(&exts, &ext)) {
            return;
        }
        if (et == CT_EXT_SUPPORTED_VERSIONS && bcur_get_u16(&ext, &sel)) {
            c->res.version = sel;
        }
    }
}

/*
 * An alert record is plaintext when it is exactly two bytes (no cipher adds
 * less than 8 bytes), or when its sender has not switched to encryption yet
 * (before its ChangeCipherSpec; in TLS 1.3 every alert after the ServerHello
 * is encrypted and even disguised as application data).
 */
static bool
ct_alert_plain(const struct crypto_tls_conn *c, const struct ct_watch *w)
{
    bool encrypted_phase = w->ccs_seen || (c->res.version == CRYPTO_TLS_V13 &&
                                           c->res.server_hello_sent);

    return w->rec_len == 2 || (!encrypted_phase && w->rec_len % 2 == 0);
}

static void
ct_on_record(struct crypto_tls_conn *c, enum ct_dir dir, struct ct_watch *w)
{
    struct bcur b;
    uint8_t level = 0, desc = 0;
    bool plain;

    bcur_init(&b, w->head, w->head_len);
    if (dir == CT_FROM_CLIENT) {
        c->res.client_records++;
    }
    if (w->type == CT_REC_CCS) {
        w->ccs_seen = true;
        return;
    }
    if (w->type == CT_REC_HANDSHAKE) {
        if (dir == CT_FROM_US && !c->res.server_hello_sent && !w->ccs_seen) {
            ct_parse_server_hello(c, &b);
        }
        return;
    }
    if (w->type != CT_REC_ALERT) {
        return;
    }
    plain = ct_alert_plain(c, w);
    if (plain && (!bcur_get_u8(&b, &level) || !bcur_get_u8(&b, &desc))) {
        plain = false;
    }
    if (dir == CT_FROM_CLIENT) {
        if (c->res.client_alert) {
            return;             /* the first alert is the reason */
        }
        c->res.client_alert = true;
        c->res.client_alert_encrypted = !plain;
        c->res.client_alert_level = plain ? level : 0;
        c->res.client_alert_desc = plain ? desc : 0;
        return;
    }
    if (c->res.alert_sent) {
        return;
    }
    c->res.alert_sent = true;
    c->res.alert_sent_encrypted = !plain;
    c->res.alert_sent_level = plain ? level : 0;
    c->res.alert_sent_desc = plain ? desc : 0;
    c->res.alert_sent_record_version = w->version;
}

static void
ct_watch_header(struct ct_watch *w)
{
    struct bcur h;
    uint16_t len;

    bcur_init(&h, w->hdr, sizeof(w->hdr));
    if (!bcur_get_u8(&h, &w->type) || !bcur_get_u16(&h, &w->version) ||
        !bcur_get_u16(&h, &len)) {
        w->lost = true;
        return;
    }
    /* RFC 5246 §6.2.1: types 20..24; every TLS version has major 3. */
    if (w->type < 20 || w->type > 24 || (w->version >> 8) != 3 ||
        len > CT_REC_LIMIT) {
        w->lost = true;
        return;
    }
    w->rec_len = len;
    w->body_left = len;
    w->head_len = 0;
}

static void
ct_watch_feed(struct crypto_tls_conn *c, enum ct_dir dir, const uint8_t *p,
              size_t n)
{
    struct ct_watch *w = dir == CT_FROM_CLIENT ? &c->w_client : &c->w_us;
    struct bcur in;

    bcur_init(&in, p, n);
    while (bcur_left(&in) > 0 && !w->lost) {
        struct bcur chunk;
        size_t take, keep;

        if (w->hdr_len < sizeof(w->hdr)) {
            take = sizeof(w->hdr) - w->hdr_len;
            if (take > bcur_left(&in)) {
                take = bcur_left(&in);
            }
            if (!bcur_get_bytes(&in, &chunk, take)) {
                return;
            }
            memcpy(w->hdr + w->hdr_len, bcur_data(&chunk), take);
            w->hdr_len += take;
            if (w->hdr_len < sizeof(w->hdr)) {
                return;
            }
            ct_watch_header(w);
            if (w->lost) {
                return;
            }
        } else {
            take = w->body_left < bcur_left(&in) ? w->body_left
                                                 : bcur_left(&in);
            if (!bcur_get_bytes(&in, &chunk, take)) {
                return;
            }
            keep = sizeof(w->head) - w->head_len;
            if (keep > take) {
                keep = take;
            }
            if (keep > 0) {
                memcpy(w->head + w->head_len, bcur_data(&chunk), keep);
                w->head_len += keep;
            }
            w->body_left -= take;
        }
        if (w->body_left == 0) {
            ct_on_record(c, dir, w);
            w->hdr_len = 0;
        }
    }
}

/* ---- memory BIO ------------------------------------------------------- */

static int
ct_send_cb(void *ctx, const unsigned char *buf, size_t len)
{
    struct crypto_tls_conn *c = ctx;

    if (len > INT32_MAX) {
        return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    if (c->out == NULL || !bbuf_put(c->out, buf, len)) {
        c->out_overflow = true;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    c->res.bytes_out += len;
    ct_watch_feed(c, CT_FROM_US, buf, len);
    return (int)len;
}

static int
ct_recv_cb(void *ctx, unsigned char *buf, size_t len)
{
    struct crypto_tls_conn *c = ctx;
    size_t avail = c->in_len - c->in_off;

    if (avail == 0) {
        return c->eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ; /* 0 = EOF */
    }
    if (len > avail) {
        len = avail;
    }
    if (len > INT32_MAX) {
        len = INT32_MAX;
    }
    memcpy(buf, c->in + c->in_off, len);
    c->in_off += len;
    return (int)len;
}

/* ---- connection ------------------------------------------------------- */

static void
ct_clamp(struct crypto_tls_result *r, uint16_t lo, uint16_t hi)
{
    uint16_t smin = crypto_tls_min_version();
    uint16_t smax = crypto_tls_max_version();

    r->min_version = lo < smin ? smin : (lo > smax ? smax : lo);
    r->max_version = hi > smax ? smax : (hi < smin ? smin : hi);
    if (r->min_version > r->max_version) {
        r->max_version = r->min_version;
    }
    r->clamped = r->min_version != lo || r->max_version != hi;
}

static void
ct_conf_versions(mbedtls_ssl_config *conf, uint16_t lo, uint16_t hi)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, (mbedtls_ssl_protocol_version)lo);
    mbedtls_ssl_conf_max_tls_version(conf, (mbedtls_ssl_protocol_version)hi);
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, lo & 0xff);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, hi & 0xff);
#endif
}

struct crypto_tls_conn *
crypto_tls_conn_new(struct crypto_tls_server *s, uint16_t min_version,
                    uint16_t max_version)
{
    struct crypto_tls_conn *c;
    int ret;

    if (s == NULL) {
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->srv = s;
    c->state = CT_WANT_INPUT;
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_ssl_init(&c->ssl);
    ct_clamp(&c->res, min_version, max_version);

    /*
     * One config per connection: mbedTLS 2.28 sets the version range only
     * on the config. It is small; the certificates are shared, not copied.
     */
    ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_SERVER,
                                      MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        goto fail;
    }
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &s->drbg);
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
    ct_conf_versions(&c->conf, c->res.min_version, c->res.max_version);
    for (int i = 0; i < CT_SLOTS; i++) {
        if (!s->used[i]) {
            continue;
        }
        ret = mbedtls_ssl_conf_own_cert(&c->conf, &s->crt[i], &s->key[i]);
        if (ret != 0) {
            goto fail;
        }
    }
    ret = mbedtls_ssl_setup(&c->ssl, &c->conf);
    if (ret != 0) {
        goto fail;
    }
    mbedtls_ssl_set_bio(&c->ssl, c, ct_send_cb, ct_recv_cb, NULL);
    return c;
fail:
    crypto_tls_conn_free(c);
    return NULL;
}

void
crypto_tls_conn_input(struct crypto_tls_conn *c, const uint8_t *p, size_t n)
{
    size_t unread;

    if (c == NULL || n == 0) {
        return;
    }
    c->res.bytes_in += n;
    ct_watch_feed(c, CT_FROM_CLIENT, p, n);
    if (c->state != CT_WANT_INPUT) {
        c->res.ignored_in += n;         /* never read, never decrypted */
        return;
    }
    unread = c->in_len - c->in_off;
    if (c->in_overflow || n > CRYPTO_TLS_MAX_INPUT - unread) {
        c->in_overflow = true;
        return;
    }
    if (c->in == NULL) {
        c->in = malloc(CRYPTO_TLS_MAX_INPUT);
        if (c->in == NULL) {
            c->in_overflow = true;
            return;
        }
    }
    if (c->in_off > 0) {
        memmove(c->in, c->in + c->in_off, unread);
        c->in_off = 0;
        c->in_len = unread;
    }
    memcpy(c->in + c->in_len, p, n);
    c->in_len += n;
}

void
crypto_tls_conn_input_eof(struct crypto_tls_conn *c)
{
    if (c != NULL) {
        c->eof = true;
    }
}

/* What an mbedTLS failure means, and which alert a server sends for it. */
struct ct_err_row {
    int code;
    const char *token;
    uint8_t alert;          /* 0 = send none */
};

static const struct ct_err_row ct_errs[] = {
#if defined(MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
    {MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, "client_closed", 0},
#endif
#if defined(MBEDTLS_ERR_SSL_CONN_EOF)
    {MBEDTLS_ERR_SSL_CONN_EOF, "client_closed", 0},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
    {MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION, "protocol_version", 70},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
    {MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION, "protocol_version", 70},
#endif
#if defined(MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN)
    {MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN, "no_shared_cipher", 40},
#endif
#if defined(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE)
    {MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE, "no_shared_cipher", 40},
#endif
#if defined(MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE)
    {MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE, "handshake_failure", 40},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO)
    {MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO, "bad_client_hello", 50},
#endif
#if defined(MBEDTLS_ERR_SSL_DECODE_ERROR)
    {MBEDTLS_ERR_SSL_DECODE_ERROR, "decode_error", 50},
#endif
#if defined(MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER)
    {MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER, "illegal_parameter", 47},
#endif
#if defined(MBEDTLS_ERR_SSL_INVALID_RECORD)
    {MBEDTLS_ERR_SSL_INVALID_RECORD, "invalid_record", 10},
#endif
#if defined(MBEDTLS_ERR_SSL_INVALID_MAC)
    {MBEDTLS_ERR_SSL_INVALID_MAC, "bad_record_mac", 20},
#endif
#if defined(MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE)
    {MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, "unexpected_message", 10},
#endif
#if defined(MBEDTLS_ERR_SSL_UNEXPECTED_RECORD)
    {MBEDTLS_ERR_SSL_UNEXPECTED_RECORD, "unexpected_message", 10},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_FINISHED)
    {MBEDTLS_ERR_SSL_BAD_HS_FINISHED, "bad_finished", 51},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE)
    {MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE, "bad_client_key_exchange",
     50},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC)
    {MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC, "unexpected_message", 10},
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_INPUT_DATA)
    {MBEDTLS_ERR_SSL_BAD_INPUT_DATA, "internal_error", 80},
#endif
#if defined(MBEDTLS_ERR_SSL_ALLOC_FAILED)
    {MBEDTLS_ERR_SSL_ALLOC_FAILED, "internal_error", 80},
#endif
#if defined(MBEDTLS_ERR_SSL_INTERNAL_ERROR)
    {MBEDTLS_ERR_SSL_INTERNAL_ERROR, "internal_error", 80},
#endif
};

/*
 * The client's fatal alert, when the watcher could not read it (it came
 * encrypted): mbedTLS 2.28 keeps the decrypted handshake-phase alert in
 * public fields. 3.x hides them; there we report "encrypted" only.
 */
static void
ct_client_alert_from_ssl(struct crypto_tls_conn *c)
{
#if MBEDTLS_VERSION_NUMBER < 0x03000000
    struct bcur b;
    uint8_t level, desc;

    if (c->ssl.in_msgtype != CT_REC_ALERT || c->ssl.in_msg == NULL ||
        c->ssl.in_msglen < 2) {
        return;
    }
    bcur_init(&b, c->ssl.in_msg, c->ssl.in_msglen);
    if (bcur_get_u8(&b, &level) && bcur_get_u8(&b, &desc)) {
        c->res.client_alert = true;
        c->res.client_alert_level = level;
        c->res.client_alert_desc = desc;
    }
#else
    c->res.client_alert = true;
    c->res.client_alert_encrypted = true;
#endif
}

static enum crypto_tls_step
ct_fail(struct crypto_tls_conn *c, struct bbuf *out, const char *token,
        uint8_t alert, int ret)
{
    c->state = CT_FAILED;
    c->res.error = token;
    if (ret != 0) {
        ct_strerror(ret, c->res.detail, sizeof(c->res.detail));
    } else {
        snprintf(c->res.detail, sizeof(c->res.detail), "%s", token);
    }
    /* Send our alert unless mbedTLS already did, as a real server would. */
    if (alert != 0 && !c->res.alert_sent && out != NULL && !c->out_overflow) {
        int aret;

        /* On failure nothing reached `out`, so alert_sent stays false. */
        c->out = out;
        aret = mbedtls_ssl_send_alert_message(&c->ssl,
                                              MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                              alert);
        c->out = NULL;
        if (aret != 0 && c->res.detail[0] == '\0') {
            ct_strerror(aret, c->res.detail, sizeof(c->res.detail));
        }
    }
    free(c->in);
    c->in = NULL;
    c->in_off = c->in_len = 0;
    return CT_FAILED;
}

static enum crypto_tls_step
ct_fail_mbedtls(struct crypto_tls_conn *c, struct bbuf *out, int ret)
{
    const struct ct_alert_row *row;

    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        if (!c->res.client_alert || c->res.client_alert_encrypted) {
            ct_client_alert_from_ssl(c);
        }
        row = ct_alert_row(c->res.client_alert_desc);
        if (c->res.client_alert_level == 0) {
            row = NULL;
        }
        if (c->res.server_hello_sent && row != NULL &&
            ((row->desc >= 42 && row->desc <= 46) || row->desc == 48)) {
            c->res.cert_refused = true;
        }
        return ct_fail(c, out,
                       row != NULL ? row->token : "client_alert_encrypted", 0,
                       ret);
    }
    if (c->out_overflow) {
        return ct_fail(c, out, "output_limit", 0, ret);
    }
    for (size_t i = 0; i < ARRAY_LEN(ct_errs); i++) {
        if (ct_errs[i].code == ret) {
            return ct_fail(c, out, ct_errs[i].token, ct_errs[i].alert, ret);
        }
    }
    return ct_fail(c, out, "handshake_error", 40, ret);
}

/* Fills version/suite from mbedTLS itself if the watcher missed them. */
static void
ct_fill_from_ssl(struct crypto_tls_conn *c)
{
    const char *name;

    if (c->res.version == 0) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
        c->res.version = (uint16_t)mbedtls_ssl_get_version_number(&c->ssl);
#elif MBEDTLS_VERSION_NUMBER < 0x03000000
        c->res.version = (uint16_t)(0x0300 | (c->ssl.minor_ver & 0xff));
#endif
    }
    if (c->res.suite == 0) {
        name = mbedtls_ssl_get_ciphersuite(&c->ssl);
        if (name != NULL) {
            int id = mbedtls_ssl_get_ciphersuite_id(name);
            c->res.suite = (uint16_t)id;
            c->res.suite_name = mbedtls_ssl_get_ciphersuite_name(id);
        }
    }
}

enum crypto_tls_step
crypto_tls_conn_step(struct crypto_tls_conn *c, struct bbuf *out)
{
    int ret;

    if (c == NULL) {
        return CT_FAILED;
    }
    if (c->state != CT_WANT_INPUT) {
        return c->state;
    }
    if (c->in_overflow) {
        return ct_fail(c, out, "input_limit", 80, 0);
    }
    if (out == NULL) {
        return ct_fail(c, out, "output_limit", 0, 0);
    }
    c->out = out;
    ret = mbedtls_ssl_handshake(&c->ssl);
    c->out = NULL;
    if (ret == 0) {
        c->state = CT_DONE;
        c->res.done = true;
        ct_fill_from_ssl(c);
        /* Anything still buffered is the client's application data. */
        c->res.ignored_in += c->in_len - c->in_off;
        free(c->in);
        c->in = NULL;
        c->in_off = c->in_len = 0;
        return CT_DONE;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
        return CT_WANT_INPUT;
    }
    return ct_fail_mbedtls(c, out, ret);
}

bool
crypto_tls_conn_write(struct crypto_tls_conn *c, const uint8_t *p, size_t n,
                      struct bbuf *out)
{
    size_t off = 0;

    if (c == NULL || c->state != CT_DONE || out == NULL) {
        return false;
    }
    c->out = out;
    while (off < n) {
        int ret = mbedtls_ssl_write(&c->ssl, p + off, n - off);

        if (ret <= 0) {
            c->out = NULL;
            (void)ct_fail(c, NULL, c->out_overflow ? "output_limit"
                                                   : "write_failed",
                          0, ret);
            return false;
        }
        off += (size_t)ret;
    }
    c->out = NULL;
    return true;
}

bool
crypto_tls_conn_close_notify(struct crypto_tls_conn *c, struct bbuf *out)
{
    size_t before;
    int ret;

    if (c == NULL || out == NULL || c->state == CT_FAILED) {
        return false;
    }
    before = c->res.bytes_out;
    c->out = out;
    if (c->state == CT_DONE) {
        ret = mbedtls_ssl_close_notify(&c->ssl);
    } else {
        /* Before the handshake ends: a plaintext warning close_notify. */
        ret = mbedtls_ssl_send_alert_message(
            &c->ssl, MBEDTLS_SSL_ALERT_LEVEL_WARNING,
            MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY);
    }
    c->out = NULL;
    return ret == 0 && c->res.bytes_out > before;
}

const struct crypto_tls_result *
crypto_tls_conn_result(const struct crypto_tls_conn *c)
{
    return &c->res;
}

void
crypto_tls_conn_free(struct crypto_tls_conn *c)
{
    if (c == NULL) {
        return;
    }
    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->conf);
    free(c->in);
    free(c);
}
