/*
 * fingerprint.c - JA3 and JA4 (see fingerprint.h for the definitions).
 *
 * Edge cases, decided against the reference outputs in the shared corpus
 * (FoxIO python ja4.py + tshark 4.0.17, FoxIO rust, Salesforce ja3 and
 * tshark's own ja3) and the FoxIO JA4.md text:
 * - GREASE (RFC 8701) is dropped from every list, signature algorithms
 *   included ("ignore GREASE values anywhere"). Values that merely look
 *   odd (0xeeee, 0xefef in some sigalg lists) are not GREASE and stay.
 * - Counts are of non-GREASE values, capped at 99; the extension count
 *   includes SNI and ALPN, which only the hashed list leaves out.
 * - An empty list hashes to "000000000000". With no signature algorithms
 *   the extension part has no trailing "_" (FoxIO rust, JA4.md).
 * - Version: highest non-GREASE supported_versions value when the
 *   extension is present (0x7fXX drafts give "00"), else legacy_version.
 * - ALPN: first and last byte of the first protocol name when both are
 *   ASCII letters or digits; otherwise the first and last hex digit of
 *   the name's hex form; a one-byte name uses that byte twice; no ALPN or
 *   an empty first name gives "00".
 * - SSLv2-compatible hellos: the specs {0x00, hi, lo} are the cipher list
 *   (as in JA3 databases such as FingerprinTLS). FoxIO's python counts 0
 *   ciphers there only because tshark exposes no suites for SSLv2.
 * - Duplicated values are kept (FoxIO rust; the python set() drops them).
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fingerprint.h"

/* Extensions that JA4 counts but leaves out of the hashed list. */
#define FP_EXT_SNI 0x0000
#define FP_EXT_ALPN 0x0010
/* Sort with insertion sort up to this many values, qsort above. */
#define FP_SMALL_SORT 64
/* Values sorted on the stack; longer lists use the scratch bbuf. */
#define FP_LOCAL_SORT 256

static const char fp_hexdig[] = "0123456789abcdef";

static bool
fp_grease(uint16_t v)
{
    return tls_is_grease(v);
}

void
fp_init(struct fingerprint *fp, size_t max_text)
{
    memset(fp, 0, sizeof(*fp));
    bbuf_init(&fp->ja3, max_text);
    bbuf_init(&fp->ja4_r, max_text);
    /* Sort space: at most one uint16_t per two bytes of text. */
    bbuf_init(&fp->scratch, max_text);
}

void
fp_cleanup(struct fingerprint *fp)
{
    bbuf_cleanup(&fp->ja3);
    bbuf_cleanup(&fp->ja4_r);
    bbuf_cleanup(&fp->scratch);
    free(fp->memo);
    fp->memo = NULL;
    fp->ok = false;
}

/* ---- the digest memo ---------------------------------------------------
 *
 * Direct-mapped: FP_MEMO_SLOTS entries, the slot chosen by a cheap 64-bit
 * hash of (kind, input); a hit needs kind, length and every byte to be
 * equal, so a collision only costs a recomputation. Inputs longer than
 * FP_MEMO_MAX_IN (a JA3 string of a 512-byte hello is about 230 bytes,
 * the JA4 lists under 200) are hashed every time and not kept.
 */
#define FP_MEMO_SLOTS 32
#define FP_MEMO_MAX_IN 512

enum fp_memo_kind { FP_MEMO_NONE = 0, FP_MEMO_MD5_HEX, FP_MEMO_SHA256_12 };

struct fp_memo_entry {
    uint8_t kind;                       /* enum fp_memo_kind; 0 = empty */
    uint16_t len;
    char out[FP_MD5_HEX_LEN];           /* 32 or 12 hex digits */
    uint8_t in[FP_MEMO_MAX_IN];
};

struct fp_memo {
    struct fp_memo_entry slot[FP_MEMO_SLOTS];
    unsigned long long hits;
    unsigned long long misses;
};

bool
fp_memo_enable(struct fingerprint *fp)
{
    if (fp->memo == NULL) {
        fp->memo = calloc(1, sizeof(*fp->memo));
    }
    return fp->memo != NULL;
}

void
fp_memo_stats(const struct fingerprint *fp, unsigned long long *hits,
              unsigned long long *misses)
{
    *hits = fp->memo != NULL ? fp->memo->hits : 0;
    *misses = fp->memo != NULL ? fp->memo->misses : 0;
}

static size_t
fp_memo_index(uint8_t kind, const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n << 8 | kind);
    uint64_t v;

    while (n >= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    v = 0;
    memcpy(&v, p, n);
    h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
    return (size_t)(h % FP_MEMO_SLOTS);
}

/* fp_memo_find copies a remembered digest of `kind` into `out`. */
static bool
fp_memo_find(struct fp_memo *m, uint8_t kind, const uint8_t *p, size_t n,
             char *out, size_t out_len, size_t *idx)
{
    struct fp_memo_entry *e;

    if (m == NULL || n > FP_MEMO_MAX_IN) {
        return false;
    }
    *idx = fp_memo_index(kind, p, n);
    e = &m->slot[*idx];
    if (e->kind == kind && e->len == n && memcmp(e->in, p, n) == 0) {
        memcpy(out, e->out, out_len);
        m->hits++;
        return true;
    }
    m->misses++;
    return false;
}

static void
fp_memo_keep(struct fp_memo *m, size_t idx, uint8_t kind, const uint8_t *p,
             size_t n, const char *out, size_t out_len)
{
    struct fp_memo_entry *e;

    if (m == NULL || n > FP_MEMO_MAX_IN || out_len > sizeof(e->out)) {
        return;
    }
    e = &m->slot[idx];
    e->kind = kind;
    e->len = (uint16_t)n;
    memcpy(e->in, p, n);
    memcpy(e->out, out, out_len);
}

const char *
fp_ja3_cstr(struct fingerprint *fp)
{
    return bbuf_cstr(&fp->ja3);
}

const char *
fp_ja4_r_cstr(struct fingerprint *fp)
{
    return bbuf_cstr(&fp->ja4_r);
}

/*
 * struct fp_w batches the many tiny appends (numbers, separators) in a
 * stack buffer and hands them to the bbuf in blocks: a fingerprint is a
 * few hundred appends, and one bbuf_put each was most of its cost.
 */
struct fp_w {
    struct bbuf *b;
    size_t n;
    char tmp[512];
};

static void
fp_w_init(struct fp_w *w, struct bbuf *b)
{
    w->b = b;
    w->n = 0;
}

static void
fp_w_flush(struct fp_w *w)
{
    if (w->n > 0) {
        bbuf_put(w->b, w->tmp, w->n);
        w->n = 0;
    }
}

static void
fp_w_room(struct fp_w *w, size_t k)
{
    if (w->n + k > sizeof(w->tmp)) {
        fp_w_flush(w);
    }
}

static void
fp_w_ch(struct fp_w *w, char c)
{
    fp_w_room(w, 1);
    w->tmp[w->n++] = c;
}

static void
fp_w_mem(struct fp_w *w, const char *p, size_t k)
{
    fp_w_flush(w);
    bbuf_put(w->b, p, k);
}

/* fp_w_dec appends `v` (< 100000) in decimal without printf. */
static void
fp_w_dec(struct fp_w *w, unsigned v)
{
    char t[5];
    size_t k = 0;

    fp_w_room(w, sizeof(t));
    do {
        t[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && k < sizeof(t));
    while (k > 0) {
        w->tmp[w->n++] = t[--k];
    }
}

/* fp_w_hex16 appends `v` as four lowercase hex digits. */
static void
fp_w_hex16(struct fp_w *w, uint16_t v)
{
    fp_w_room(w, 4);
    w->tmp[w->n++] = fp_hexdig[(v >> 12) & 0xf];
    w->tmp[w->n++] = fp_hexdig[(v >> 8) & 0xf];
    w->tmp[w->n++] = fp_hexdig[(v >> 4) & 0xf];
    w->tmp[w->n++] = fp_hexdig[v & 0xf];
}

/* fp_w_dec16_list appends the non-GREASE 16-bit values of `v`, decimal. */
static void
fp_w_dec16_list(struct fp_w *w, struct bcur v)
{
    uint16_t x;
    bool first = true;

    while (bcur_get_u16(&v, &x)) {
        if (fp_grease(x)) {
            continue;
        }
        if (!first) {
            fp_w_ch(w, '-');
        }
        fp_w_dec(w, x);
        first = false;
    }
}

/*
 * struct fp_suites walks the hello's cipher suites in wire order for both
 * forms: the TLS cipher_suites list, or the SSLv2 specs {0x00, hi, lo}
 * (RFC 5246 E.2), as clienthello_suites() defines them.
 */
struct fp_suite_iter {
    struct bcur c;
    bool sslv2;
};

static void
fp_suite_iter_init(struct fp_suite_iter *it, const struct clienthello *ch)
{
    it->sslv2 = ch->sslv2;
    it->c = ch->sslv2 ? ch->sslv2_cipher_specs : ch->cipher_suites;
}

static bool
fp_suite_next(struct fp_suite_iter *it, uint16_t *out)
{
    uint8_t first;

    if (!it->sslv2) {
        return bcur_get_u16(&it->c, out);
    }
    while (bcur_get_u8(&it->c, &first) && bcur_get_u16(&it->c, out)) {
        if (first == 0) {
            return true;
        }
    }
    return false;
}

bool
fp_ja3_string(struct bbuf *out, const struct clienthello *ch)
{
    struct fp_suite_iter it;
    struct fp_w w;
    size_t i;
    uint16_t s;
    bool first = true;

    fp_w_init(&w, out);
    fp_w_dec(&w, ch->legacy_version);
    fp_w_ch(&w, ',');
    fp_suite_iter_init(&it, ch);
    while (fp_suite_next(&it, &s)) {
        if (fp_grease(s)) {
            continue;
        }
        if (!first) {
            fp_w_ch(&w, '-');
        }
        fp_w_dec(&w, s);
        first = false;
    }
    fp_w_ch(&w, ',');
    first = true;
    for (i = 0; i < ch->num_extensions; i++) {
        uint16_t t = ch->extensions[i].type;

        if (fp_grease(t)) {
            continue;
        }
        if (!first) {
            fp_w_ch(&w, '-');
        }
        fp_w_dec(&w, t);
        first = false;
    }
    fp_w_ch(&w, ',');
    if (ch->has_groups) {
        fp_w_dec16_list(&w, ch->groups);
    }
    fp_w_ch(&w, ',');
    if (ch->has_point_formats) {
        struct bcur pf = ch->point_formats;
        uint8_t f;

        first = true;
        while (bcur_get_u8(&pf, &f)) {
            if (!first) {
                fp_w_ch(&w, '-');
            }
            fp_w_dec(&w, f);
            first = false;
        }
    }
    fp_w_flush(&w);
    return !out->overflow;
}

const char *
fp_ja4_version(const struct clienthello *ch)
{
    uint16_t v = ch->legacy_version;

    if (ch->has_supported_versions) {
        struct bcur c = ch->supported_versions;
        uint16_t x;

        v = 0;
        while (bcur_get_u16(&c, &x)) {
            if (!fp_grease(x) && x > v) {
                v = x;
            }
        }
    }
    switch (v) {
    case 0x0304:
        return "13";
    case 0x0303:
        return "12";
    case 0x0302:
        return "11";
    case 0x0301:
        return "10";
    case 0x0300:
        return "s3";
    case 0x0002:
        return "s2";
    default:
        return "00";
    }
}

static bool
fp_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
           (c >= 'a' && c <= 'z');
}

void
fp_ja4_alpn(char out[2], const struct clienthello *ch)
{
    struct bcur list = ch->alpn;
    struct bcur name;
    uint8_t first;
    uint8_t last;

    out[0] = '0';
    out[1] = '0';
    if (!ch->has_alpn || !bcur_get_vec8(&list, &name) ||
        !bcur_byte_at(&name, 0, &first) ||
        !bcur_byte_at(&name, bcur_left(&name) - 1, &last)) {
        return;
    }
    if (fp_alnum(first) && fp_alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = fp_hexdig[first >> 4];
        out[1] = fp_hexdig[last & 0xf];
    }
}

static int
fp_cmp_u16(const void *a, const void *b)
{
    uint16_t x;
    uint16_t y;

    memcpy(&x, a, sizeof(x));
    memcpy(&y, b, sizeof(y));
    return (x > y) - (x < y);
}

static void
fp_sort_u16(uint16_t *v, size_t n)
{
    size_t i;

    if (n > FP_SMALL_SORT) {
        qsort(v, n, sizeof(*v), fp_cmp_u16);
        return;
    }
    for (i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;

        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/*
 * fp_collect gathers the non-GREASE cipher suites, then the non-GREASE
 * extension types, as one uint16_t array: in `local` when they fit (the
 * usual case), else in `scratch` (malloc'd, so aligned). It returns the
 * array and both counts; NULL when scratch overflowed.
 */
static uint16_t *
fp_collect(struct bbuf *scratch, uint16_t *local, size_t local_max,
           const struct clienthello *ch, size_t *num_suites, size_t *num_exts)
{
    struct fp_suite_iter it;
    uint16_t s;
    size_t i;
    size_t bound = bcur_left(&ch->cipher_suites) / 2 +
                   bcur_left(&ch->sslv2_cipher_specs) / 3 + ch->num_extensions;
    bool use_local = bound <= local_max;
    size_t n = 0;

    bbuf_reset(scratch);
    *num_suites = 0;
    *num_exts = 0;
    fp_suite_iter_init(&it, ch);
    while (fp_suite_next(&it, &s)) {
        if (fp_grease(s)) {
            continue;
        }
        if (use_local) {
            local[n++] = s;
        } else {
            bbuf_put(scratch, &s, sizeof(s));
        }
        (*num_suites)++;
    }
    for (i = 0; i < ch->num_extensions; i++) {
        s = ch->extensions[i].type;
        if (fp_grease(s)) {
            continue;
        }
        if (use_local) {
            local[n++] = s;
        } else {
            bbuf_put(scratch, &s, sizeof(s));
        }
        (*num_exts)++;
    }
    if (use_local) {
        return local;
    }
    if (scratch->overflow) {
        return NULL;
    }
    if (scratch->data == NULL) {
        return local;                   /* nothing collected */
    }
    return (uint16_t *)(void *)scratch->data;
}

/* fp_hash12 writes the first 12 hex digits of SHA-256(p, n), or zeros. */
static bool
fp_hash12(struct fp_memo *m, char out[12], const uint8_t *p, size_t n)
{
    uint8_t d[CRYPTO_SHA256_LEN];
    size_t i;
    size_t idx = 0;

    if (n == 0) {
        memset(out, '0', 12);
        return true;
    }
    if (fp_memo_find(m, FP_MEMO_SHA256_12, p, n, out, 12, &idx)) {
        return true;
    }
    if (!crypto_sha256(d, p, n)) {
        return false;
    }
    for (i = 0; i < 6; i++) {
        out[2 * i] = fp_hexdig[d[i] >> 4];
        out[2 * i + 1] = fp_hexdig[d[i] & 0xf];
    }
    fp_memo_keep(m, idx, FP_MEMO_SHA256_12, p, n, out, 12);
    return true;
}

static void
fp_put_count(char out[2], size_t n)
{
    if (n > 99) {
        n = 99;
    }
    out[0] = (char)('0' + n / 10);
    out[1] = (char)('0' + n % 10);
}

/*
 * fp_ja4 builds JA4_r into fp->ja4_r and hashes its two lists into
 * fp->ja4. The layout of ja4_r is "<a>_<ciphers>_<exts>[_<sigalgs>]".
 */
static bool
fp_ja4(struct fingerprint *fp, const struct clienthello *ch)
{
    struct bbuf *r = &fp->ja4_r;
    struct fp_w w;
    uint16_t local[FP_LOCAL_SORT];
    uint16_t *v;
    size_t ns;
    size_t ne;
    size_t i;
    size_t c_off;
    size_t c_end;
    size_t e_off;
    char a[10];
    bool first;

    v = fp_collect(&fp->scratch, local, ARRAY_LEN(local), ch, &ns, &ne);
    if (v == NULL) {
        return false;
    }
    a[0] = 't';
    memcpy(a + 1, fp_ja4_version(ch), 2);
    a[3] = 'i';
    for (i = 0; i < ne; i++) {
        if (v[ns + i] == FP_EXT_SNI) {
            a[3] = 'd';
        }
    }
    fp_put_count(a + 4, ns);
    fp_put_count(a + 6, ne);
    fp_ja4_alpn(a + 8, ch);

    bbuf_reset(r);
    fp_w_init(&w, r);
    fp_w_mem(&w, a, sizeof(a));
    fp_w_ch(&w, '_');
    fp_w_flush(&w);
    c_off = r->len;
    fp_sort_u16(v, ns);
    for (i = 0; i < ns; i++) {
        if (i > 0) {
            fp_w_ch(&w, ',');
        }
        fp_w_hex16(&w, v[i]);
    }
    fp_w_flush(&w);
    c_end = r->len;
    fp_w_ch(&w, '_');
    fp_w_flush(&w);
    e_off = r->len;
    fp_sort_u16(v + ns, ne);
    first = true;
    for (i = 0; i < ne; i++) {
        uint16_t t = v[ns + i];

        if (t == FP_EXT_SNI || t == FP_EXT_ALPN) {
            continue;
        }
        if (!first) {
            fp_w_ch(&w, ',');
        }
        fp_w_hex16(&w, t);
        first = false;
    }
    if (ch->has_sigalgs) {
        struct bcur c = ch->sigalgs;
        uint16_t x;

        first = true;
        while (bcur_get_u16(&c, &x)) {
            if (fp_grease(x)) {
                continue;
            }
            fp_w_ch(&w, first ? '_' : ',');
            fp_w_hex16(&w, x);
            first = false;
        }
    }
    fp_w_flush(&w);
    if (r->overflow) {
        return false;
    }
    memcpy(fp->ja4, a, sizeof(a));
    fp->ja4[10] = '_';
    fp->ja4[23] = '_';
    fp->ja4[FP_JA4_LEN] = '\0';
    return fp_hash12(fp->memo, fp->ja4 + 11, r->data + c_off,
                     c_end - c_off) &&
           fp_hash12(fp->memo, fp->ja4 + 24, r->data + e_off,
                     r->len - e_off);
}

static bool
fp_ja3(struct fingerprint *fp, const struct clienthello *ch)
{
    uint8_t d[CRYPTO_MD5_LEN];
    size_t i;

    size_t idx = 0;

    bbuf_reset(&fp->ja3);
    if (!fp_ja3_string(&fp->ja3, ch)) {
        return false;
    }
    fp->ja3_md5[FP_MD5_HEX_LEN] = '\0';
    if (fp_memo_find(fp->memo, FP_MEMO_MD5_HEX, fp->ja3.data, fp->ja3.len,
                     fp->ja3_md5, FP_MD5_HEX_LEN, &idx)) {
        return true;
    }
    if (!crypto_md5(d, fp->ja3.data, fp->ja3.len)) {
        return false;
    }
    for (i = 0; i < CRYPTO_MD5_LEN; i++) {
        fp->ja3_md5[2 * i] = fp_hexdig[d[i] >> 4];
        fp->ja3_md5[2 * i + 1] = fp_hexdig[d[i] & 0xf];
    }
    fp_memo_keep(fp->memo, idx, FP_MEMO_MD5_HEX, fp->ja3.data, fp->ja3.len,
                 fp->ja3_md5, FP_MD5_HEX_LEN);
    return true;
}

bool
fp_compute(struct fingerprint *fp, const struct clienthello *ch)
{
    fp->ok = fp_ja3(fp, ch) && fp_ja4(fp, ch);
    if (!fp->ok) {
        bbuf_reset(&fp->ja3);
        bbuf_reset(&fp->ja4_r);
        fp->ja3_md5[0] = '\0';
        fp->ja4[0] = '\0';
    }
    return fp->ok;
}
