/*
 * hello_json.c - JSON and text rendering of handshake observations (see
 * hello_json.h for the member names). Every wire value is read through a
 * cursor copy of the parser's views; every string goes through the JSON
 * writer, which escapes it; peer bytes that are not clean UTF-8 also get a
 * lowercase hex member so the exact bytes survive.
 */
#include <string.h>

#include "crypto.h"
#include "hello_json.h"
#include "names.h"

/* ---- small JSON helpers -------------------------------------------- */

/*
 * hj_id_name writes {"id":"0x....","name":"..."} (+ "grease":true). Names
 * come from our own tables (names.c) or are hex for unknown values: plain
 * ASCII with nothing to escape - test_names checks that for every 16-bit
 * value of every namer used here - so the object is assembled on the
 * stack and appended in one piece without a per-byte check: a hello has
 * dozens of these and they were the largest cost of rendering a record.
 * A name too long for the stack buffer takes the escaping writer.
 */
static void
hj_id_name(struct jw *w, uint16_t id, const char *name, bool grease)
{
    static const char hexd[] = "0123456789abcdef";
    char buf[192];
    size_t n = strlen(name);
    size_t o = 0;
    bool plain = n <= 120;

    if (plain) {
        memcpy(buf + o, "{\"id\":\"0x", 9);
        o += 9;
        buf[o++] = hexd[id >> 12];
        buf[o++] = hexd[(id >> 8) & 0xf];
        buf[o++] = hexd[(id >> 4) & 0xf];
        buf[o++] = hexd[id & 0xf];
        memcpy(buf + o, "\",\"name\":\"", 10);
        o += 10;
        memcpy(buf + o, name, n);
        o += n;
        if (grease) {
            memcpy(buf + o, "\",\"grease\":true}", 16);
            o += 16;
        } else {
            memcpy(buf + o, "\"}", 2);
            o += 2;
        }
        jw_raw(w, buf, o);
        return;
    }
    jw_obj_begin(w);
    jw_kv_hex16(w, "id", id);
    jw_kv_str(w, "name", name);
    if (grease) {
        jw_kv_bool(w, "grease", true);
    }
    jw_obj_end(w);
}

static void
hj_kv_version(struct jw *w, const char *key, const char *name_key,
              uint16_t v)
{
    struct name_buf nb;

    jw_kv_hex16(w, key, v);
    jw_kv_str(w, name_key, names_version(v, &nb));
}

typedef const char *(*hj_namer16)(uint16_t v, struct name_buf *nb);

/* hj_list16 writes "key": [{id,name}, ...] for a view of 16-bit values. */
static void
hj_list16(struct jw *w, const char *key, struct bcur v, hj_namer16 namer)
{
    struct name_buf nb;
    uint16_t x;

    jw_key(w, key);
    jw_arr_begin(w);
    while (bcur_get_u16(&v, &x)) {
        hj_id_name(w, x, namer(x, &nb), tls_is_grease(x));
    }
    jw_arr_end(w);
}

typedef const char *(*hj_namer8)(uint8_t v, struct name_buf *nb);

/* hj_names8 writes "key": ["name", ...] for a view of 8-bit values. */
static void
hj_names8(struct jw *w, const char *key, struct bcur v, hj_namer8 namer)
{
    struct name_buf nb;
    uint8_t x;

    jw_key(w, key);
    jw_arr_begin(w);
    while (bcur_get_u8(&v, &x)) {
        jw_str(w, namer(x, &nb));
    }
    jw_arr_end(w);
}

/* hj_peer writes "key": "text" and, if not clean UTF-8, "key_hex". */
static void
hj_peer(struct jw *w, const char *key, const char *hex_key, struct bcur v)
{
    const uint8_t *p = bcur_data(&v);
    size_t n = bcur_left(&v);

    jw_kv_strn(w, key, p, n);
    if (!json_utf8_clean(p, n)) {
        jw_key(w, hex_key);
        jw_hex(w, p, n);
    }
}

/* hj_hex24 writes a 3-byte SSLv2 cipher spec as "0x%06x". */
static void
hj_hex24(struct jw *w, uint32_t v)
{
    static const char dig[] = "0123456789abcdef";
    char hex[9];
    size_t i;

    hex[0] = '0';
    hex[1] = 'x';
    for (i = 0; i < 6; i++) {
        hex[2 + i] = dig[(v >> (20 - 4 * i)) & 0xf];
    }
    hex[8] = '\0';
    jw_str(w, hex);
}

static void
hj_sha256(struct jw *w, const char *key, const uint8_t *p, size_t n)
{
    uint8_t d[CRYPTO_SHA256_LEN];

    if (crypto_sha256(d, p, n)) {
        jw_key(w, key);
        jw_hex(w, d, sizeof(d));
    }
}

/* ---- ClientHello ----------------------------------------------------- */

static void
hj_client_suites(struct jw *w, const struct clienthello *ch)
{
    struct name_buf nb;
    struct bcur c;
    size_t n = 0;
    uint16_t s;

    jw_key(w, "cipher_suites");
    jw_arr_begin(w);
    if (ch->sslv2) {
        uint8_t first;

        /* RFC 5246 E.2: V2CipherSpec {0x00, hi, lo} is a TLS suite. */
        c = ch->sslv2_cipher_specs;
        while (bcur_get_u8(&c, &first) && bcur_get_u16(&c, &s)) {
            if (first == 0) {
                hj_id_name(w, s, names_suite(s, &nb), tls_is_grease(s));
                n++;
            }
        }
    } else {
        c = ch->cipher_suites;
        while (bcur_get_u16(&c, &s)) {
            hj_id_name(w, s, names_suite(s, &nb), tls_is_grease(s));
            n++;
        }
    }
    jw_arr_end(w);
    jw_kv_uint(w, "num_cipher_suites", n);

    if (ch->sslv2) {
        uint32_t spec;

        jw_key(w, "sslv2_cipher_specs");
        jw_arr_begin(w);
        c = ch->sslv2_cipher_specs;
        while (bcur_get_u24(&c, &spec)) {
            jw_obj_begin(w);
            jw_key(w, "id");
            hj_hex24(w, spec);
            jw_kv_str(w, "name", names_sslv2_spec(spec, &nb));
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
}

static void
hj_client_exts(struct jw *w, const struct clienthello *ch)
{
    struct name_buf nb;
    size_t i;

    jw_key(w, "extensions");
    jw_arr_begin(w);
    for (i = 0; i < ch->num_extensions && i < CH_MAX_EXTENSIONS; i++) {
        const struct ch_ext *e = &ch->extensions[i];

        jw_obj_begin(w);
        jw_kv_hex16(w, "id", e->type);
        jw_kv_str(w, "name", names_ext(e->type, &nb));
        jw_kv_uint(w, "len", bcur_left(&e->data));
        if (tls_is_grease(e->type)) {
            jw_kv_bool(w, "grease", true);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (ch->extensions_truncated) {
        jw_kv_bool(w, "extensions_truncated", true);
    }
}

static void
hj_client_alpn(struct jw *w, const struct clienthello *ch)
{
    struct bcur list = ch->alpn;
    struct bcur name;
    bool clean = true;

    jw_key(w, "alpn");
    jw_arr_begin(w);
    while (bcur_get_vec8(&list, &name)) {
        jw_strn(w, bcur_data(&name), bcur_left(&name));
        if (!json_utf8_clean(bcur_data(&name), bcur_left(&name))) {
            clean = false;
        }
    }
    jw_arr_end(w);
    if (clean) {
        return;
    }
    jw_key(w, "alpn_hex");
    jw_arr_begin(w);
    list = ch->alpn;
    while (bcur_get_vec8(&list, &name)) {
        jw_hex(w, bcur_data(&name), bcur_left(&name));
    }
    jw_arr_end(w);
}

static void
hj_client_flags(struct jw *w, const struct clienthello *ch)
{
    jw_key(w, "flags");
    jw_obj_begin(w);
    jw_kv_bool(w, "grease", ch->grease_seen);
    jw_kv_bool(w, "fallback_scsv", ch->fallback_scsv);
    jw_kv_bool(w, "renegotiation_scsv", ch->renego_scsv);
    jw_kv_bool(w, "renegotiation_info", ch->has_renegotiation_info);
    jw_kv_bool(w, "extended_master_secret", ch->has_extended_master_secret);
    jw_kv_bool(w, "encrypt_then_mac", ch->has_encrypt_then_mac);
    jw_kv_bool(w, "status_request", ch->has_status_request);
    jw_kv_bool(w, "session_ticket", ch->has_session_ticket);
    if (ch->has_session_ticket) {
        jw_kv_uint(w, "session_ticket_len", ch->session_ticket_len);
    }
    if (ch->has_padding) {
        jw_kv_uint(w, "padding_len", ch->padding_len);
    }
    if (ch->has_record_size_limit) {
        jw_kv_uint(w, "record_size_limit", ch->record_size_limit);
    }
    if (ch->has_compress_certificate) {
        hj_list16(w, "compress_certificate", ch->compress_certificate,
                  names_cert_compression);
    }
    jw_kv_bool(w, "ech", ch->has_ech);
    jw_kv_bool(w, "pre_shared_key", ch->has_pre_shared_key);
    if (ch->psk_not_last) {
        jw_kv_bool(w, "psk_not_last", true);
    }
    jw_kv_bool(w, "early_data", ch->has_early_data);
    jw_obj_end(w);
}

void
hello_json_put_client_fp(struct jw *w, const struct clienthello *ch,
                         struct fingerprint *fp, const uint8_t *raw,
                         size_t raw_len)
{
    struct fingerprint own;
    struct name_buf nb;
    size_t i;

    hj_kv_version(w, "record_version", "record_version_name",
                  ch->record_version);
    jw_kv_bool(w, "sslv2", ch->sslv2);
    jw_kv_uint(w, "num_records", ch->num_records);
    hj_kv_version(w, "client_version", "client_version_name",
                  ch->legacy_version);

    jw_key(w, "versions");
    jw_arr_begin(w);
    for (i = 0; i < ch->num_versions && i < CH_MAX_VERSIONS; i++) {
        jw_str(w, names_version(ch->versions[i], &nb));
    }
    jw_arr_end(w);
    if (ch->has_supported_versions) {
        hj_list16(w, "supported_versions", ch->supported_versions,
                  names_version);
    }
    if (ch->highest_version != 0) {
        hj_kv_version(w, "highest_version", "highest_version_name",
                      ch->highest_version);
    } else {
        jw_kv_null(w, "highest_version");
    }
    jw_kv_uint(w, "session_id_len", bcur_left(&ch->session_id));

    hj_client_suites(w, ch);
    hj_names8(w, "compression", ch->compression, names_compression);
    hj_client_exts(w, ch);

    if (ch->has_sni) {
        hj_peer(w, "sni", "sni_hex", ch->sni);
    } else {
        jw_kv_null(w, "sni");
    }
    if (ch->has_alpn) {
        hj_client_alpn(w, ch);
    }
    if (ch->has_groups) {
        hj_list16(w, "groups", ch->groups, names_group);
    }
    if (ch->has_point_formats) {
        hj_names8(w, "point_formats", ch->point_formats, names_point_format);
    }
    if (ch->has_sigalgs) {
        hj_list16(w, "sigalgs", ch->sigalgs, names_sigalg);
    }
    if (ch->has_sigalgs_cert) {
        hj_list16(w, "sigalgs_cert", ch->sigalgs_cert, names_sigalg);
    }
    if (ch->has_key_share) {
        jw_key(w, "key_share_groups");
        jw_arr_begin(w);
        for (i = 0; i < ch->num_key_shares && i < CH_MAX_KEY_SHARES; i++) {
            uint16_t g = ch->key_share_groups[i];

            hj_id_name(w, g, names_group(g, &nb), tls_is_grease(g));
        }
        jw_arr_end(w);
        if (ch->key_shares_truncated) {
            jw_kv_bool(w, "key_shares_truncated", true);
        }
    }
    if (ch->has_psk_modes) {
        hj_names8(w, "psk_modes", ch->psk_modes, names_psk_mode);
    }
    hj_client_flags(w, ch);

    if (ch->status != CH_OK) {
        jw_kv_str(w, "parse_error", ch_status_str(ch->status));
        jw_kv_uint(w, "error_offset", ch->error_offset);
    }
    if (raw != NULL) {
        jw_kv_uint(w, "raw_len", raw_len);
        hj_sha256(w, "raw_sha256", raw, raw_len);
    }

    if (fp == NULL || !fp->ok) {
        fp_init(&own, FP_DEFAULT_MAX_TEXT);
        fp = &own;
        if (!fp_compute(fp, ch)) {
            fp_cleanup(&own);
            fp = NULL;
        }
    }
    if (fp != NULL) {
        jw_kv_strn(w, "ja3", fp->ja3.data, fp->ja3.len);
        jw_kv_str(w, "ja3_md5", fp->ja3_md5);
        jw_kv_str(w, "ja4", fp->ja4);
        jw_kv_strn(w, "ja4_r", fp->ja4_r.data, fp->ja4_r.len);
        if (fp == &own) {
            fp_cleanup(&own);
        }
    }
}

void
hello_json_put_client(struct jw *w, const struct clienthello *ch,
                      const uint8_t *raw, size_t raw_len)
{
    hello_json_put_client_fp(w, ch, NULL, raw, raw_len);
}

void
hello_json_put_scan_error(struct jw *w, enum tlsrec_status st,
                          const struct tlsrec_hello *rh, const uint8_t *raw,
                          size_t raw_len)
{
    jw_kv_str(w, "scan_status", tlsrec_status_str(st));
    if (rh != NULL && rh->error != NULL) {
        jw_kv_str(w, "parse_error", rh->error);
        jw_kv_uint(w, "error_offset", rh->error_offset);
    }
    if (raw != NULL) {
        jw_kv_uint(w, "raw_len", raw_len);
        hj_sha256(w, "raw_sha256", raw, raw_len);
    }
}

/* ---- ServerHello, alerts, server scan ------------------------------- */

void
hello_json_put_server(struct jw *w, const struct serverhello *sh)
{
    struct name_buf nb;
    size_t i;

    hj_kv_version(w, "server_version", "server_version_name",
                  sh->legacy_version);
    hj_kv_version(w, "negotiated_version", "negotiated_version_name",
                  sh->negotiated_version);
    jw_kv_bool(w, "hello_retry_request", sh->is_hrr);
    if (sh->downgrade_tls12) {
        jw_kv_str(w, "downgrade_sentinel", "tls12");
    } else if (sh->downgrade_tls11) {
        jw_kv_str(w, "downgrade_sentinel", "tls11");
    }
    jw_key(w, "cipher_suite");
    hj_id_name(w, sh->cipher_suite, names_suite(sh->cipher_suite, &nb),
               tls_is_grease(sh->cipher_suite));
    jw_kv_str(w, "compression", names_compression(sh->compression, &nb));
    jw_kv_uint(w, "session_id_len", bcur_left(&sh->session_id));

    jw_key(w, "extensions");
    jw_arr_begin(w);
    for (i = 0; i < sh->num_extensions && i < SH_MAX_EXTENSIONS; i++) {
        const struct ch_ext *e = &sh->extensions[i];

        jw_obj_begin(w);
        jw_kv_hex16(w, "id", e->type);
        jw_kv_str(w, "name", names_ext(e->type, &nb));
        jw_kv_uint(w, "len", bcur_left(&e->data));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (sh->has_alpn) {
        hj_peer(w, "alpn", "alpn_hex", sh->alpn);
    }
    if (sh->has_key_share) {
        jw_key(w, "key_share_group");
        hj_id_name(w, sh->key_share_group,
                   names_group(sh->key_share_group, &nb), false);
    }
    jw_key(w, "flags");
    jw_obj_begin(w);
    jw_kv_bool(w, "renegotiation_info", sh->has_renegotiation_info);
    jw_kv_bool(w, "extended_master_secret", sh->has_extended_master_secret);
    jw_kv_bool(w, "encrypt_then_mac", sh->has_encrypt_then_mac);
    jw_kv_bool(w, "session_ticket", sh->has_session_ticket);
    jw_kv_bool(w, "status_request", sh->has_status_request);
    jw_kv_bool(w, "pre_shared_key", sh->has_pre_shared_key);
    jw_kv_bool(w, "cookie", sh->has_cookie);
    if (sh->has_record_size_limit) {
        jw_kv_uint(w, "record_size_limit", sh->record_size_limit);
    }
    jw_obj_end(w);
    if (sh->status != SH_OK) {
        jw_kv_str(w, "parse_error", sh_status_str(sh->status));
        jw_kv_uint(w, "error_offset", sh->error_offset);
    }
}

void
hello_json_put_alert(struct jw *w, const struct tls_alert *a)
{
    struct name_buf nb;

    jw_obj_begin(w);
    jw_kv_str(w, "level", names_alert_level(a->level, &nb));
    jw_kv_str(w, "description", names_alert(a->description, &nb));
    jw_kv_uint(w, "code", a->description);
    jw_obj_end(w);
}

void
hello_json_put_srvscan(struct jw *w, enum srvscan_status st,
                       const struct srvscan *ss, const struct serverhello *sh)
{
    size_t i;

    jw_kv_str(w, "scan_status", srvscan_status_str(st));
    jw_kv_str(w, "stop", srvscan_stop_str(ss->stop));
    if (ss->num_records > 0) {
        hj_kv_version(w, "record_version", "record_version_name",
                      ss->record_version);
    }
    jw_kv_uint(w, "num_records", ss->num_records);
    jw_key(w, "alerts");
    jw_arr_begin(w);
    for (i = 0; i < ss->num_alerts && i < SRVSCAN_MAX_ALERTS; i++) {
        hello_json_put_alert(w, &ss->alerts[i]);
    }
    jw_arr_end(w);
    if (ss->num_alerts > SRVSCAN_MAX_ALERTS) {
        jw_kv_uint(w, "num_alerts", ss->num_alerts);
    }
    jw_kv_bool(w, "ccs_seen", ss->ccs_seen);
    jw_kv_bool(w, "appdata_seen", ss->appdata_seen);
    if (ss->error != NULL) {
        jw_kv_str(w, "error", ss->error);
        jw_kv_uint(w, "error_offset", ss->error_offset);
    }
    if (sh != NULL) {
        jw_key(w, "server_hello");
        jw_obj_begin(w);
        hello_json_put_server(w, sh);
        jw_obj_end(w);
    }
}

/* ---- text ------------------------------------------------------------ */

/* hj_text_peer appends peer bytes, printable ASCII as is, else \xNN. */
static void
hj_text_peer(struct bbuf *b, struct bcur v)
{
    static const char dig[] = "0123456789abcdef";
    uint8_t c;

    while (bcur_get_u8(&v, &c)) {
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            bbuf_put_u8(b, c);
        } else {
            char esc[4];

            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = dig[c >> 4];
            esc[3] = dig[c & 0xf];
            bbuf_put(b, esc, sizeof(esc));
        }
    }
}

static void
hj_text_list16(struct bbuf *b, const char *label, struct bcur v,
               hj_namer16 namer)
{
    struct name_buf nb;
    uint16_t x;
    size_t n = bcur_left(&v) / 2;

    bbuf_printf(b, "%-20s %zu\n", label, n);
    while (bcur_get_u16(&v, &x)) {
        bbuf_printf(b, "    0x%04x  %s\n", (unsigned)x, namer(x, &nb));
    }
}

void
hello_text_put_client(struct bbuf *b, const struct clienthello *ch,
                      struct fingerprint *fp)
{
    struct name_buf nb;
    struct name_buf nb2;
    struct bcur c;
    size_t i;
    uint16_t s;

    bbuf_printf(b, "ClientHello%s\n", ch->sslv2 ? " (SSLv2-compatible)" : "");
    bbuf_printf(b, "%-20s 0x%04x %s, %zu record(s)\n", "record version",
                (unsigned)ch->record_version,
                names_version(ch->record_version, &nb), ch->num_records);
    bbuf_printf(b, "%-20s 0x%04x %s\n", "client_version",
                (unsigned)ch->legacy_version,
                names_version(ch->legacy_version, &nb));
    bbuf_printf(b, "%-20s", "versions offered");
    for (i = 0; i < ch->num_versions && i < CH_MAX_VERSIONS; i++) {
        bbuf_printf(b, "%s %s", i > 0 ? "," : "",
                    names_version(ch->versions[i], &nb));
    }
    bbuf_printf(b, "\n%-20s %s\n", "highest version",
                ch->highest_version != 0
                    ? names_version(ch->highest_version, &nb2)
                    : "(none)");

    if (ch->sslv2) {
        bbuf_printf(b, "%-20s %zu (%zu of them TLS suites)\n",
                    "SSLv2 cipher specs",
                    bcur_left(&ch->sslv2_cipher_specs) / 3,
                    clienthello_suites(ch, NULL, 0));
    } else {
        bbuf_printf(b, "%-20s %zu\n", "cipher suites",
                    bcur_left(&ch->cipher_suites) / 2);
    }
    if (ch->sslv2) {
        uint8_t first;

        c = ch->sslv2_cipher_specs;
        while (bcur_get_u8(&c, &first) && bcur_get_u16(&c, &s)) {
            uint32_t spec = (uint32_t)first << 16 | s;

            bbuf_printf(b, "    0x%06lx  %s\n", (unsigned long)spec,
                        names_sslv2_spec(spec, &nb));
        }
    } else {
        c = ch->cipher_suites;
        while (bcur_get_u16(&c, &s)) {
            bbuf_printf(b, "    0x%04x  %s\n", (unsigned)s,
                        names_suite(s, &nb));
        }
    }
    bbuf_printf(b, "%-20s %zu\n", "extensions", ch->num_extensions);
    for (i = 0; i < ch->num_extensions && i < CH_MAX_EXTENSIONS; i++) {
        const struct ch_ext *e = &ch->extensions[i];

        bbuf_printf(b, "    0x%04x  %s (%zu bytes)\n", (unsigned)e->type,
                    names_ext(e->type, &nb), bcur_left(&e->data));
    }
    if (ch->has_sni) {
        bbuf_printf(b, "%-20s ", "SNI");
        hj_text_peer(b, ch->sni);
        bbuf_put_u8(b, '\n');
    }
    if (ch->has_alpn) {
        struct bcur list = ch->alpn;
        struct bcur name;

        bbuf_printf(b, "%-20s", "ALPN");
        while (bcur_get_vec8(&list, &name)) {
            bbuf_put_u8(b, ' ');
            hj_text_peer(b, name);
        }
        bbuf_put_u8(b, '\n');
    }
    if (ch->has_groups) {
        hj_text_list16(b, "supported groups", ch->groups, names_group);
    }
    if (ch->has_sigalgs) {
        hj_text_list16(b, "signature algs", ch->sigalgs, names_sigalg);
    }
    bbuf_printf(b, "%-20s grease=%s fallback_scsv=%s reneg_scsv=%s "
                "reneg_info=%s ems=%s etm=%s\n", "flags",
                ch->grease_seen ? "yes" : "no",
                ch->fallback_scsv ? "yes" : "no",
                ch->renego_scsv ? "yes" : "no",
                ch->has_renegotiation_info ? "yes" : "no",
                ch->has_extended_master_secret ? "yes" : "no",
                ch->has_encrypt_then_mac ? "yes" : "no");
    if (ch->status != CH_OK) {
        bbuf_printf(b, "%-20s %s at offset %zu\n", "PARSE ERROR",
                    ch_status_str(ch->status), ch->error_offset);
    }
    if (fp != NULL && fp->ok) {
        bbuf_printf(b, "%-20s %s\n", "JA3", fp_ja3_cstr(fp));
        bbuf_printf(b, "%-20s %s\n", "JA3 MD5", fp->ja3_md5);
        bbuf_printf(b, "%-20s %s\n", "JA4", fp->ja4);
        bbuf_printf(b, "%-20s %s\n", "JA4_r", fp_ja4_r_cstr(fp));
    }
}

void
hello_text_put_server(struct bbuf *b, const struct serverhello *sh)
{
    struct name_buf nb;
    size_t i;

    bbuf_printf(b, "%s\n", sh->is_hrr ? "HelloRetryRequest" : "ServerHello");
    bbuf_printf(b, "%-20s 0x%04x %s\n", "server_version",
                (unsigned)sh->legacy_version,
                names_version(sh->legacy_version, &nb));
    bbuf_printf(b, "%-20s 0x%04x %s\n", "negotiated version",
                (unsigned)sh->negotiated_version,
                names_version(sh->negotiated_version, &nb));
    bbuf_printf(b, "%-20s 0x%04x %s\n", "cipher suite",
                (unsigned)sh->cipher_suite,
                names_suite(sh->cipher_suite, &nb));
    bbuf_printf(b, "%-20s %zu\n", "extensions", sh->num_extensions);
    for (i = 0; i < sh->num_extensions && i < SH_MAX_EXTENSIONS; i++) {
        const struct ch_ext *e = &sh->extensions[i];

        bbuf_printf(b, "    0x%04x  %s (%zu bytes)\n", (unsigned)e->type,
                    names_ext(e->type, &nb), bcur_left(&e->data));
    }
    if (sh->has_alpn) {
        bbuf_printf(b, "%-20s ", "ALPN");
        hj_text_peer(b, sh->alpn);
        bbuf_put_u8(b, '\n');
    }
    if (sh->status != SH_OK) {
        bbuf_printf(b, "%-20s %s at offset %zu\n", "PARSE ERROR",
                    sh_status_str(sh->status), sh->error_offset);
    }
}
