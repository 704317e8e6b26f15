/*
 * report.c - `tlsready report FILE...` (doc/report.md).
 *
 *   tlsready report [--format text|json|csv|html] [--policy NAME [-c CFG]]
 *                   [--since T] [--until T] [--peer ADDR] [--lang en|ja]
 *                   [--now TEXT] FILE...
 *
 * Files are read through zlib (gzopen/gzread), which reads gzip'd rotated
 * files and plain files alike. Each line is parsed with jansson (strict
 * UTF-8, duplicate keys refused, errors with a column); a line that is not
 * JSON, not an object, not our schema, or longer than REPORT_LINE_MAX is
 * counted and named (FILE:LINE: why) on stderr and in the JSON and HTML
 * outputs, and the rest of the file is still read.
 *
 * The output depends only on the inputs and the options: clients are
 * sorted by first attempt time then by key, attempts by time then file and
 * line, and no clock is read (--now puts a caller-chosen time in the
 * header).
 */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "advice.h"
#include "cli.h"
#include "clienthello.h"
#include "config.h"
#include "json.h"
#include "policy.h"
#include "record.h"
#include "tlsrec.h"
#include "verdict.h"

#define REPORT_OUT_MAX (64u * 1024 * 1024)
#define REPORT_HELLO_MAX (65536 + 4)
#define REPORT_MAX_RECORDS (8u * 1024 * 1024)
#define REPORT_READ_CHUNK 65536

enum report_format { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_HTML };

struct report_opts {
    enum report_format format;
    const char *policy;
    const char *config;
    bool have_since;
    long long since_ms;
    bool have_until;
    long long until_ms;
    const char *peer;
};

/* ---- labels ------------------------------------------------------------ */

static const struct {
    const char *key, *en, *ja;
} labels[] = {
    {"title", "tlsready report", "tlsready レポート"},
    {"files", "files", "ファイル"},
    {"lines", "lines", "行"},
    {"records", "records", "レコード"},
    {"bad_lines", "bad lines", "不正な行"},
    {"filtered", "filtered out", "除外"},
    {"clients", "clients", "クライアント"},
    {"policy", "policy", "ポリシー"},
    {"as_recorded", "as recorded", "記録どおり"},
    {"rejudged", "re-judged under", "再判定ポリシー"},
    {"not_rejudged", "records without raw_hex kept their verdict",
     "raw_hex のないレコードは元の判定のまま"},
    {"by_verdict", "attempts by verdict", "判定別の試行数"},
    {"by_version", "attempts by highest version offered",
     "提示された最高バージョン別の試行数"},
    {"by_family", "attempts by client family over time",
     "クライアント種別ごとの試行数の推移"},
    {"verdict", "verdict", "判定"},
    {"client", "client", "クライアント"},
    {"peer", "peer", "接続元"},
    {"listener", "listener", "リスナー"},
    {"attempts", "attempts", "試行"},
    {"versions", "versions tried", "試したバージョン"},
    {"reason", "reason", "理由"},
    {"reasons", "reasons", "理由"},
    {"advice", "advice", "対処"},
    {"own_words", "client's own words", "クライアントの自己申告"},
    {"first_last", "first/last", "最初/最後"},
    {"none", "none", "なし"},
    {"no_hello", "no hello", "ClientHello なし"},
    {"filters", "filters", "絞り込み"},
    {"generated", "generated", "作成日時"},
    {"fallback_no_scsv",
     "fell back to a lower version without TLS_FALLBACK_SCSV",
     "TLS_FALLBACK_SCSV なしで低いバージョンへフォールバック"},
    {"details", "details", "詳細"},
    {"no_records", "no records", "レコードがありません"},
    {"unknown", "unknown", "不明"},
    {"other", "other", "その他"},
};

const char *
report_label(const char *key, const char *lang)
{
    bool ja = lang != NULL && strcmp(lang, "ja") == 0;

    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (strcmp(labels[i].key, key) == 0) {
            return ja ? labels[i].ja : labels[i].en;
        }
    }
    return key;
}

const char *
report_kind_word(enum verdict_kind k)
{
    switch (k) {
    case VERDICT_PASS:
        return "PASS";
    case VERDICT_WARN:
        return "WARN";
    case VERDICT_FAIL:
        return "FAIL";
    case VERDICT_UNKNOWN:
        break;
    }
    return "UNKNOWN";
}

const char *
report_version_name(uint16_t v)
{
    if (v == 0) {
        return "-";
    }
    return verdict_version_str(v);
}

/* ---- escaping for terminals, CSV and HTML ------------------------------ */

/* utf8_len returns the length of a valid sequence at p[0..n), else 0. */
static size_t
utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c;

    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
        c = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        c = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        c = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = c << 6 | (p[i] & 0x3fu);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return len;
}

/* Bidirectional controls that could reorder what a terminal shows. */
static bool
is_bidi(uint32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

bool
report_put_visible(struct bbuf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        uint32_t c = 0;
        size_t len = utf8_len(p + i, n - i, &c);

        if (len == 0) {
            /* Cannot come from jansson, but never pass it on. */
            if (!bbuf_printf(b, "\\x%02x", p[i])) {
                return false;
            }
            i++;
            continue;
        }
        if (c == '\\') {
            if (!bbuf_put_str(b, "\\\\")) {
                return false;
            }
        } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
            if (!bbuf_printf(b, "\\x%02x", (unsigned)c)) {
                return false;
            }
        } else if (is_bidi(c) || c == 0x2028 || c == 0x2029) {
            if (!bbuf_printf(b, "\\u{%04x}", (unsigned)c)) {
                return false;
            }
        } else if (!bbuf_put(b, p + i, len)) {
            return false;
        }
        i += len;
    }
    return !b->overflow;
}

/* ---- record strings ---------------------------------------------------- */

static bool
rstr_set(struct rstr *r, const char *p, size_t n)
{
    r->p = malloc(n + 1);
    if (r->p == NULL) {
        r->n = 0;
        return false;
    }
    memcpy(r->p, p, n);
    r->p[n] = '\0';
    r->n = n;
    return true;
}

static void
rstr_free(struct rstr *r)
{
    free(r->p);
    r->p = NULL;
    r->n = 0;
}

/* rstr_json copies a JSON string value (absent or not a string: empty). */
static bool
rstr_json(struct rstr *r, json_t *v)
{
    if (!json_is_string(v)) {
        return rstr_set(r, "", 0);
    }
    return rstr_set(r, json_string_value(v), json_string_length(v));
}

static bool
rstr_eq(const struct rstr *a, const struct rstr *b)
{
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0;
}

static json_t *
jpath(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);

    if (b != NULL) {
        v = json_object_get(v, b);
    }
    return v;
}

/* ---- ISO 8601 times ---------------------------------------------------- */

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* digits reads exactly `k` decimal digits at s[*i]. */
static bool
digits(const char *s, size_t n, size_t *i, size_t k, unsigned *out)
{
    unsigned v = 0;

    if (*i + k > n) {
        return false;
    }
    for (size_t j = 0; j < k; j++) {
        char c = s[*i + j];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (unsigned)(c - '0');
    }
    *i += k;
    *out = v;
    return true;
}

/*
 * report_parse_time reads YYYY-MM-DD[(T| )HH:MM[:SS[.fff...]]][Z|+HH:MM|
 * -HH:MM] (no zone: UTC) into milliseconds since the epoch. *date_only is
 * set when only a date was given.
 */
static bool
report_parse_time(const char *s, size_t n, long long *ms, bool *date_only)
{
    unsigned y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
    size_t i = 0;
    long long off = 0;

    if (!digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' ||
        !digits(s, n, &i, 2, &mo) || i >= n || s[i++] != '-' ||
        !digits(s, n, &i, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
        return false;
    }
    *date_only = i == n;
    if (i < n) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') {
            return false;
        }
        i++;
        if (!digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' ||
            !digits(s, n, &i, 2, &mi) || h > 23 || mi > 59) {
            return false;
        }
        if (i < n && s[i] == ':') {
            i++;
            if (!digits(s, n, &i, 2, &sec) || sec > 60) {
                return false;
            }
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                unsigned scale = 100;
                i++;
                if (i >= n || s[i] < '0' || s[i] > '9') {
                    return false;
                }
                while (i < n && s[i] >= '0' && s[i] <= '9') {
                    frac += (unsigned)(s[i] - '0') * scale;
                    scale /= 10;
                    i++;
                }
            }
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            unsigned oh, om;
            int sign = s[i] == '-' ? -1 : 1;
            i++;
            if (!digits(s, n, &i, 2, &oh) || i >= n || s[i++] != ':' ||
                !digits(s, n, &i, 2, &om) || oh > 23 || om > 59) {
                return false;
            }
            off = sign * (long long)(oh * 60 + om) * 60000;
        }
        if (i != n) {
            return false;
        }
    }
    *ms = ((days_from_civil(y, mo, d) * 86400 + (long long)h * 3600 +
            (long long)mi * 60 + sec) *
           1000) +
          frac - off;
    return true;
}

/* ---- reading lines ----------------------------------------------------- */

struct lreader {
    gzFile gz;
    unsigned char buf[REPORT_READ_CHUNK];
    size_t pos;
    size_t len;
    bool eof;
};

/*
 * lreader_next puts the next line (without "\n" and a final "\r") into
 * `line`. Returns 1 with *too_long set when the line passed the cap (its
 * bytes are skipped), 0 at the end, -1 on a read error.
 */
static int
lreader_next(struct lreader *r, struct bbuf *line, bool *too_long)
{
    bool any = false;

    bbuf_reset(line);
    *too_long = false;
    for (;;) {
        if (r->pos == r->len) {
            int got;
            if (r->eof) {
                break;
            }
            got = gzread(r->gz, r->buf, sizeof(r->buf));
            if (got < 0) {
                return -1;
            }
            if (got == 0) {
                r->eof = true;
                break;
            }
            r->pos = 0;
            r->len = (size_t)got;
        }
        any = true;
        {
            const unsigned char *start = r->buf + r->pos;
            size_t avail = r->len - r->pos;
            const unsigned char *nl = memchr(start, '\n', avail);
            size_t take = nl != NULL ? (size_t)(nl - start) : avail;

            if (!*too_long && !bbuf_put(line, start, take)) {
                *too_long = true;
            }
            r->pos += take;
            if (nl != NULL) {
                r->pos++;
                goto done;
            }
        }
    }
    if (!any) {
        return 0;
    }
done:
    if (!*too_long && line->len > 0 && line->data[line->len - 1] == '\r') {
        line->len--;
    }
    return 1;
}

/* ---- records ----------------------------------------------------------- */

struct reader_ctx {
    struct report *r;
    const struct report_opts *o;
    const struct policy *pol;
    size_t cap_recs;
    uint8_t *hello_buf;
    struct bbuf raw;
};

static void
add_bad(struct report *r, size_t file, size_t line, const char *why,
        const char *detail)
{
    fprintf(stderr, "tlsready report: %s:%zu: %s%s%s\n", r->files[file], line,
            why, detail[0] != '\0' ? ": " : "", detail);
    if (r->num_bad < REPORT_MAX_BAD_LISTED) {
        struct rp_bad *b = &r->bad[r->num_bad];
        b->file = file;
        b->line = line;
        b->why = why;
        snprintf(b->detail, sizeof(b->detail), "%s", detail);
    }
    r->num_bad++;
}

static void
rec_free(struct rp_rec *x)
{
    rstr_free(&x->time);
    rstr_free(&x->listener);
    rstr_free(&x->protocol);
    rstr_free(&x->peer);
    rstr_free(&x->family);
    rstr_free(&x->detail);
    rstr_free(&x->sni);
    rstr_free(&x->imap_id);
    rstr_free(&x->ehlo);
    rstr_free(&x->user_agent);
    rstr_free(&x->policy);
    rstr_free(&x->summary);
    for (size_t i = 0; i < x->num_reasons; i++) {
        rstr_free(&x->reasons[i]);
        rstr_free(&x->reason_texts[i]);
    }
    for (size_t i = 0; i < x->num_advice; i++) {
        rstr_free(&x->advice[i]);
    }
}

static enum verdict_kind
kind_from(const char *s)
{
    if (strcmp(s, "pass") == 0) {
        return VERDICT_PASS;
    }
    if (strcmp(s, "warn") == 0) {
        return VERDICT_WARN;
    }
    if (strcmp(s, "fail") == 0) {
        return VERDICT_FAIL;
    }
    return VERDICT_UNKNOWN;
}

static bool
json_uint(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        return false;
    }
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool
unhex(struct bbuf *out, const char *s, size_t n)
{
    bbuf_reset(out);
    if (n % 2 != 0) {
        return false;
    }
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0 || !bbuf_put_u8(out, (uint8_t)(hi << 4 | lo))) {
            return false;
        }
    }
    return true;
}

static enum attempt_end
end_from(const char *s)
{
    for (int e = END_NONE; e <= END_SHUTDOWN; e++) {
        if (strcmp(attempt_end_str((enum attempt_end)e), s) == 0) {
            return (enum attempt_end)e;
        }
    }
    return END_NONE;
}

static void
copy_field(char *dst, size_t cap, json_t *v)
{
    snprintf(dst, cap, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/*
 * rejudge rebuilds what verdict_judge reads from the record (plaintext
 * facts, end, alerts, and the hello re-parsed from hello.raw_hex) and
 * judges it under `pol`. False when the record has a hello but no usable
 * raw_hex: its verdict is then kept.
 */
static bool
rejudge(struct reader_ctx *c, json_t *o, struct attempt *a)
{
    json_t *hello = json_object_get(o, "hello");
    json_t *alerts = jpath(o, "server", "alerts");
    json_t *v;
    struct tlsrec_hello rh;
    size_t i;

    memset(a, 0, sizeof(*a));
    copy_field(a->mode, sizeof(a->mode), json_object_get(o, "mode"));
    copy_field(a->protocol, sizeof(a->protocol),
               json_object_get(o, "protocol"));
    copy_field(a->listener, sizeof(a->listener),
               json_object_get(o, "listener"));
    a->implicit_tls = json_is_true(json_object_get(o, "implicit_tls"));
    a->starttls_requested =
        json_is_true(jpath(o, "plaintext", "starttls_requested"));
    a->starttls_offered =
        json_is_true(jpath(o, "plaintext", "starttls_offered"));
    a->plaintext_login = json_is_true(
        json_object_get(jpath(o, "plaintext", "plaintext_login"),
                        "attempted"));
    a->tls_on_starttls_port =
        json_is_true(jpath(o, "plaintext", "tls_on_starttls_port"));
    v = json_object_get(o, "end");
    a->end = end_from(json_is_string(v) ? json_string_value(v) : "");
    v = json_object_get(o, "capture_error");
    a->capture_error = json_is_string(v) ? json_string_value(v) : NULL;
    json_array_foreach(alerts, i, v)
    {
        struct attempt_alert *al;
        uint64_t code = 0;
        json_t *from = json_object_get(v, "from");

        if (a->num_alerts >= ATTEMPT_MAX_ALERTS) {
            break;
        }
        al = &a->alerts[a->num_alerts++];
        al->from_server = json_is_string(from) &&
                          strcmp(json_string_value(from), "server") == 0;
        al->encrypted = json_is_true(json_object_get(v, "encrypted"));
        if (json_uint(json_object_get(v, "code"), &code) && code < 256) {
            al->description = (uint8_t)code;
        }
        al->level = 2;
    }
    if (hello != NULL) {
        json_t *hex = json_object_get(hello, "raw_hex");
        enum tlsrec_status st;
        enum ch_status cs;

        if (!json_is_string(hex) ||
            !unhex(&c->raw, json_string_value(hex), json_string_length(hex))) {
            return false;
        }
        st = tlsrec_scan_hello(&rh, c->hello_buf, REPORT_HELLO_MAX,
                               c->raw.data, c->raw.len, REPORT_HELLO_MAX);
        if (st != TLSREC_OK || !(rh.sslv2 || rh.hs_type == 1)) {
            return false;
        }
        cs = clienthello_parse_hello(&a->ch, &rh);
        (void)cs; /* a->ch.status carries it */
        a->have_hello = true;
        a->raw = c->raw.data;
        a->raw_len = c->raw.len;
    }
    verdict_judge(a, c->pol);
    return true;
}

/* set_reasons_static copies static codes (from verdict/advice) in. */
static bool
set_codes(struct rstr *dst, size_t *num, const char *const *codes, size_t n,
          size_t cap)
{
    *num = 0;
    for (size_t i = 0; i < n && i < cap; i++) {
        if (!rstr_set(&dst[i], codes[i], strlen(codes[i]))) {
            return false;
        }
        *num = i + 1;
    }
    return true;
}

/*
 * fill_advice computes advice for a record that carried none (or was
 * re-judged): the catalogue's conditions read only the verdict reasons,
 * the client guess, the protocol and the policy (probes/advice.c).
 */
static bool
fill_advice(struct rp_rec *x, struct attempt *a)
{
    const char *ids[ATTEMPT_MAX_ADVICE];
    size_t n;

    if (x->num_advice > 0) {
        return true;
    }
    a->verdict.num_reasons = 0;
    for (size_t i = 0; i < x->num_reasons; i++) {
        a->verdict.reasons[a->verdict.num_reasons++] = x->reasons[i].p;
    }
    if (!(x->family.n == 7 && memcmp(x->family.p, "unknown", 7) == 0)) {
        a->verdict.client_family = x->family.p;
        a->verdict.client_detail = x->detail.p;
    } else {
        a->verdict.client_family = NULL;
        a->verdict.client_detail = NULL;
    }
    a->verdict.client_os = NULL;
    a->verdict.policy = x->policy.p;
    snprintf(a->protocol, sizeof(a->protocol), "%s", x->protocol.p);
    n = advice_select(a, ids, ATTEMPT_MAX_ADVICE);
    return set_codes(x->advice, &x->num_advice, ids, n, ATTEMPT_MAX_ADVICE);
}

/*
 * take_record checks `o` against the schema and appends it. Returns NULL
 * when it fits, else the bad-line token, with `detail` filled.
 */
static const char *
take_record(struct reader_ctx *c, json_t *o, size_t file, size_t line,
            char *detail, size_t dcap, bool *keep)
{
    struct report *r = c->r;
    const struct report_opts *opt = c->o;
    json_t *schema = json_object_get(o, "schema");
    json_t *time = json_object_get(o, "time");
    json_t *verdict = json_object_get(o, "verdict");
    json_t *result = json_object_get(verdict, "result");
    json_t *peer = jpath(o, "peer", "addr");
    json_t *listener = json_object_get(o, "listener");
    json_t *hello = json_object_get(o, "hello");
    json_t *v;
    struct rp_rec *x;
    long long t_ms;
    bool date_only;
    uint64_t id = 0;
    size_t i;
    static struct attempt a; /* large; report is single-threaded */
    bool judged = false;

    *keep = false;
    if (!json_is_integer(schema)) {
        snprintf(detail, dcap, "no integer \"schema\"");
        return "wrong_schema";
    }
    if (json_integer_value(schema) != RECORD_SCHEMA) {
        snprintf(detail, dcap, "schema %lld, this tlsready reads %d",
                 (long long)json_integer_value(schema), RECORD_SCHEMA);
        return "wrong_schema";
    }
    if (!json_uint(json_object_get(o, "id"), &id) || !json_is_string(time) ||
        !json_is_object(verdict) || !json_is_string(result) ||
        !json_is_string(peer) || !json_is_string(listener)) {
        snprintf(detail, dcap, "missing or mistyped id, time, listener, "
                               "peer.addr or verdict.result");
        return "wrong_schema";
    }
    if (strcmp(json_string_value(result), "pass") != 0 &&
        strcmp(json_string_value(result), "warn") != 0 &&
        strcmp(json_string_value(result), "fail") != 0 &&
        strcmp(json_string_value(result), "unknown") != 0) {
        snprintf(detail, dcap, "verdict.result is not pass/warn/fail/unknown");
        return "wrong_schema";
    }
    if (!report_parse_time(json_string_value(time), json_string_length(time),
                           &t_ms, &date_only)) {
        snprintf(detail, dcap, "time is not ISO 8601");
        return "wrong_schema";
    }
    /* Filters. */
    if ((opt->have_since && t_ms < opt->since_ms) ||
        (opt->have_until && t_ms >= opt->until_ms) ||
        (opt->peer != NULL &&
         (json_string_length(peer) != strlen(opt->peer) ||
          memcmp(json_string_value(peer), opt->peer,
                 json_string_length(peer)) != 0))) {
        r->filtered_out++;
        return NULL;
    }
    if (r->num_recs >= REPORT_MAX_RECORDS) {
        snprintf(detail, dcap, "more than %u records", REPORT_MAX_RECORDS);
        return "too_many_records";
    }
    if (r->num_recs == c->cap_recs) {
        size_t ncap = c->cap_recs ? c->cap_recs * 2 : 256;
        struct rp_rec *n = realloc(r->recs, ncap * sizeof(*n));
        if (n == NULL) {
            snprintf(detail, dcap, "out of memory");
            return "out_of_memory";
        }
        r->recs = n;
        c->cap_recs = ncap;
    }
    x = &r->recs[r->num_recs];
    memset(x, 0, sizeof(*x));
    r->num_recs++;
    *keep = true;
    x->file = file;
    x->line = line;
    x->id = id;
    x->t_ms = t_ms;
    (void)json_uint(jpath(o, "peer", "port"), &x->peer_port);
    v = json_object_get(o, "story");
    x->has_story = json_uint(json_object_get(v, "id"), &x->story_id) &&
                   x->story_id != 0;
    (void)json_uint(json_object_get(v, "seq"), &x->story_seq);
    v = json_object_get(json_object_get(verdict, "client"), "family");
    if (!rstr_json(&x->time, time) || !rstr_json(&x->listener, listener) ||
        !rstr_json(&x->protocol, json_object_get(o, "protocol")) ||
        !rstr_json(&x->peer, peer) ||
        !(json_is_string(v) && json_string_length(v) > 0
              ? rstr_json(&x->family, v)
              : rstr_set(&x->family, "unknown", 7)) ||
        !rstr_json(&x->detail,
                   jpath(json_object_get(verdict, "client"), "detail",
                         NULL)) ||
        !rstr_json(&x->sni, json_object_get(hello, "sni")) ||
        !rstr_json(&x->ehlo, jpath(o, "plaintext", "ehlo")) ||
        !rstr_json(&x->user_agent, jpath(o, "plaintext", "user_agent")) ||
        !rstr_json(&x->policy, json_object_get(verdict, "policy")) ||
        !rstr_json(&x->summary, json_object_get(verdict, "summary"))) {
        snprintf(detail, dcap, "out of memory");
        return "out_of_memory";
    }
    {
        json_t *id_obj = jpath(o, "plaintext", "imap_id");
        json_t *nm = json_object_get(id_obj, "name");
        json_t *ver = json_object_get(id_obj, "version");
        struct bbuf t;
        bool ok;

        bbuf_init(&t, 1024);
        if (json_is_string(nm)) {
            bbuf_put(&t, json_string_value(nm), json_string_length(nm));
        }
        if (json_is_string(ver)) {
            if (t.len > 0) {
                bbuf_put_u8(&t, ' ');
            }
            bbuf_put(&t, json_string_value(ver), json_string_length(ver));
        }
        ok = rstr_set(&x->imap_id, t.len > 0 ? (const char *)t.data : "",
                      t.len);
        bbuf_cleanup(&t);
        if (!ok) {
            snprintf(detail, dcap, "out of memory");
            return "out_of_memory";
        }
    }
    x->kind = kind_from(json_string_value(result));
    x->have_hello = json_is_object(hello);
    if (x->have_hello) {
        v = json_object_get(hello, "highest_version");
        if (json_is_string(v) && json_string_length(v) == 6 &&
            json_string_value(v)[0] == '0' &&
            json_string_value(v)[1] == 'x') {
            const char *hs = json_string_value(v);
            unsigned h = 0;
            bool ok = true;
            for (size_t k = 2; k < 6; k++) {
                int d = hexval(hs[k]);
                ok = ok && d >= 0;
                h = h << 4 | (unsigned)(d < 0 ? 0 : d);
            }
            x->highest = ok ? (uint16_t)h : 0;
        }
        x->fallback_scsv =
            json_is_true(jpath(hello, "flags", "fallback_scsv"));
    }
    json_array_foreach(json_object_get(verdict, "reasons"), i, v)
    {
        json_t *code = json_object_get(v, "code");
        if (x->num_reasons >= ATTEMPT_MAX_REASONS || !json_is_string(code)) {
            continue;
        }
        if (!rstr_json(&x->reasons[x->num_reasons], code) ||
            !rstr_json(&x->reason_texts[x->num_reasons],
                       json_object_get(v, "text"))) {
            snprintf(detail, dcap, "out of memory");
            return "out_of_memory";
        }
        x->num_reasons++;
    }
    json_array_foreach(json_object_get(verdict, "advice"), i, v)
    {
        json_t *aid = json_object_get(v, "id");
        if (x->num_advice >= ATTEMPT_MAX_ADVICE || !json_is_string(aid)) {
            continue;
        }
        if (!rstr_json(&x->advice[x->num_advice], aid)) {
            snprintf(detail, dcap, "out of memory");
            return "out_of_memory";
        }
        x->num_advice++;
    }
    if (c->pol != NULL) {
        if (rejudge(c, o, &a)) {
            judged = true;
            x->rejudged = true;
            x->kind = a.verdict.kind;
            for (i = 0; i < x->num_reasons; i++) {
                rstr_free(&x->reasons[i]);
                rstr_free(&x->reason_texts[i]);
            }
            for (i = 0; i < x->num_advice; i++) {
                rstr_free(&x->advice[i]);
            }
            x->num_advice = 0;
            rstr_free(&x->summary);
            rstr_free(&x->policy);
            if (!set_codes(x->reasons, &x->num_reasons, a.verdict.reasons,
                           a.verdict.num_reasons, ATTEMPT_MAX_REASONS) ||
                !rstr_set(&x->summary,
                          a.verdict.summary_code ? a.verdict.summary_code
                                                 : "",
                          a.verdict.summary_code
                              ? strlen(a.verdict.summary_code)
                              : 0) ||
                !rstr_set(&x->policy, c->pol->name, strlen(c->pol->name))) {
                snprintf(detail, dcap, "out of memory");
                return "out_of_memory";
            }
            for (i = 0; i < x->num_reasons; i++) {
                if (!rstr_set(&x->reason_texts[i], "", 0)) {
                    snprintf(detail, dcap, "out of memory");
                    return "out_of_memory";
                }
            }
        } else {
            r->not_rejudged++;
        }
    }
    if (!judged) {
        memset(&a, 0, sizeof(a));
    }
    if (!fill_advice(x, &a)) {
        snprintf(detail, dcap, "out of memory");
        return "out_of_memory";
    }
    return NULL;
}

static int
read_file(struct reader_ctx *c, size_t file)
{
    struct report *r = c->r;
    struct lreader *lr;
    struct bbuf line;
    size_t lineno = 0;
    bool too_long;
    int rc = 0;
    int got;

    lr = calloc(1, sizeof(*lr));
    if (lr == NULL) {
        return -1;
    }
    lr->gz = gzopen(r->files[file], "rb");
    if (lr->gz == NULL) {
        fprintf(stderr, "tlsready report: %s: %s\n", r->files[file],
                errno != 0 ? strerror(errno) : "cannot open");
        free(lr);
        return -1;
    }
    bbuf_init(&line, REPORT_LINE_MAX);
    while ((got = lreader_next(lr, &line, &too_long)) > 0) {
        json_error_t jerr;
        json_t *o;
        char detail[96] = "";
        const char *why = NULL;
        bool keep = false;

        lineno++;
        if (too_long) {
            r->lines++;
            snprintf(detail, sizeof(detail), "longer than %d bytes",
                     REPORT_LINE_MAX);
            add_bad(r, file, lineno, "line_too_long", detail);
            continue;
        }
        if (line.len == 0) {
            continue;
        }
        r->lines++;
        o = json_loadb((const char *)line.data, line.len,
                       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
                           JSON_ALLOW_NUL,
                       &jerr);
        if (o == NULL) {
            snprintf(detail, sizeof(detail), "column %d: %.60s",
                     jerr.column, jerr.text);
            add_bad(r, file, lineno, "not_json", detail);
            continue;
        }
        if (!json_is_object(o)) {
            add_bad(r, file, lineno, "not_object", "");
            json_decref(o);
            continue;
        }
        why = take_record(c, o, file, lineno, detail, sizeof(detail), &keep);
        json_decref(o);
        if (why != NULL) {
            if (keep) {
                /* Half-filled: drop it again. */
                r->num_recs--;
                rec_free(&r->recs[r->num_recs]);
            }
            add_bad(r, file, lineno, why, detail);
        }
    }
    if (got < 0) {
        int zerr = 0;
        const char *msg = gzerror(lr->gz, &zerr);
        fprintf(stderr, "tlsready report: %s: read error after line %zu: "
                        "%s\n", r->files[file], lineno,
                zerr == Z_ERRNO ? strerror(errno) : msg);
        rc = -1;
    }
    gzclose(lr->gz);
    bbuf_cleanup(&line);
    free(lr);
    return rc;
}

/* ---- grouping ---------------------------------------------------------- */

static char **group_keys;      /* per record, for the sort comparators */
static const struct report *sort_report;

static bool
make_key(struct bbuf *b, const struct rp_rec *x)
{
    bbuf_reset(b);
    if (x->has_story) {
        bbuf_printf(b, "s\x1f%llu\x1f", (unsigned long long)x->story_id);
        bbuf_put(b, x->peer.p, x->peer.n);
        bbuf_put_u8(b, 0x1f);
        bbuf_put(b, x->listener.p, x->listener.n);
    } else {
        bbuf_put_str(b, "p\x1f");
        bbuf_put(b, x->peer.p, x->peer.n);
        bbuf_put_u8(b, 0x1f);
        bbuf_put(b, x->listener.p, x->listener.n);
        bbuf_put_u8(b, 0x1f);
        bbuf_put(b, x->family.p, x->family.n);
        bbuf_put_u8(b, 0x1f);
        bbuf_put(b, x->detail.p, x->detail.n);
    }
    return !b->overflow;
}

static int
cmp_time(const struct rp_rec *a, const struct rp_rec *b)
{
    if (a->t_ms != b->t_ms) {
        return a->t_ms < b->t_ms ? -1 : 1;
    }
    if (a->file != b->file) {
        return a->file < b->file ? -1 : 1;
    }
    if (a->line != b->line) {
        return a->line < b->line ? -1 : 1;
    }
    return 0;
}

static int
cmp_by_key(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int c = strcmp(group_keys[a], group_keys[b]);

    if (c != 0) {
        return c;
    }
    return cmp_time(&sort_report->recs[a], &sort_report->recs[b]);
}

static int
cmp_groups(const void *pa, const void *pb)
{
    const struct rp_group *a = pa, *b = pb;
    int c = cmp_time(&sort_report->recs[a->recs[0]],
                     &sort_report->recs[b->recs[0]]);

    if (c != 0) {
        return c;
    }
    return strcmp(group_keys[a->recs[0]], group_keys[b->recs[0]]);
}

static int
kind_weight(enum verdict_kind k)
{
    switch (k) {
    case VERDICT_FAIL:
        return 3;
    case VERDICT_WARN:
        return 2;
    case VERDICT_UNKNOWN:
        return 1;
    case VERDICT_PASS:
        break;
    }
    return 0;
}

/*
 * report_group_verdict: the verdict of the attempt that offered the
 * highest version (the latest of equals). A retry at a lower version came
 * after tlsready refused the first one, so it does not count against the
 * client; but a retry without TLS_FALLBACK_SCSV (RFC 7507) turns a PASS
 * into WARN, as in probes/story.c. Without any hello: the worst verdict.
 */
static void
report_group_verdict(const struct report *r, struct rp_group *g)
{
    int top = -1;

    g->best = NULL;
    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *x = &r->recs[g->recs[i]];
        int rank = verdict_version_rank(x->highest);

        g->by_kind[x->kind < 4 ? x->kind : 0]++;
        if (!x->have_hello) {
            continue;
        }
        if (top >= 0 && rank < top && !x->fallback_scsv) {
            g->fallback_without_scsv = true;
        }
        if (g->best == NULL || rank >= top) {
            g->best = x;
            top = rank > top ? rank : top;
        }
    }
    if (g->best != NULL) {
        g->kind = g->best->kind;
        if (g->kind == VERDICT_PASS && g->fallback_without_scsv) {
            g->kind = VERDICT_WARN;
        }
        return;
    }
    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *x = &r->recs[g->recs[i]];
        if (g->best == NULL || kind_weight(x->kind) > kind_weight(g->kind)) {
            g->best = x;
            g->kind = x->kind;
        }
    }
}

static void
group_unions(const struct report *r, struct rp_group *g)
{
    const size_t rcap = sizeof(g->reasons) / sizeof(g->reasons[0]);
    const size_t acap = sizeof(g->advice) / sizeof(g->advice[0]);

    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *x = &r->recs[g->recs[i]];
        for (size_t k = 0; k < x->num_reasons; k++) {
            bool seen = false;
            for (size_t j = 0; j < g->num_reasons && !seen; j++) {
                seen = rstr_eq(g->reasons[j], &x->reasons[k]);
            }
            if (!seen && g->num_reasons < rcap) {
                g->reason_texts[g->num_reasons] = &x->reason_texts[k];
                g->reasons[g->num_reasons++] = &x->reasons[k];
            }
        }
        for (size_t k = 0; k < x->num_advice; k++) {
            bool seen = false;
            for (size_t j = 0; j < g->num_advice && !seen; j++) {
                seen = rstr_eq(g->advice[j], &x->advice[k]);
            }
            if (!seen && g->num_advice < acap) {
                g->advice[g->num_advice++] = &x->advice[k];
            }
        }
    }
}

static int
build_groups(struct report *r)
{
    size_t *order;
    struct bbuf kb;
    size_t i, ngroups = 0;

    if (r->num_recs == 0) {
        return 0;
    }
    order = calloc(r->num_recs, sizeof(*order));
    group_keys = calloc(r->num_recs, sizeof(*group_keys));
    r->groups = calloc(r->num_recs, sizeof(*r->groups));
    if (order == NULL || group_keys == NULL || r->groups == NULL) {
        free(order);
        return -1;
    }
    bbuf_init(&kb, 4096);
    for (i = 0; i < r->num_recs; i++) {
        order[i] = i;
        if (!make_key(&kb, &r->recs[i])) {
            bbuf_reset(&kb);
            bbuf_printf(&kb, "x\x1f%zu", i);
        }
        group_keys[i] = strdup(bbuf_cstr(&kb));
        if (group_keys[i] == NULL) {
            bbuf_cleanup(&kb);
            free(order);
            return -1;
        }
    }
    bbuf_cleanup(&kb);
    sort_report = r;
    qsort(order, r->num_recs, sizeof(*order), cmp_by_key);
    for (i = 0; i < r->num_recs;) {
        size_t j = i + 1;
        struct rp_group *g = &r->groups[ngroups++];

        while (j < r->num_recs &&
               strcmp(group_keys[order[i]], group_keys[order[j]]) == 0) {
            j++;
        }
        g->recs = calloc(j - i, sizeof(*g->recs));
        if (g->recs == NULL) {
            free(order);
            r->num_groups = ngroups;
            return -1;
        }
        memcpy(g->recs, order + i, (j - i) * sizeof(*order));
        g->num = j - i;
        i = j;
    }
    r->num_groups = ngroups;
    for (i = 0; i < ngroups; i++) {
        report_group_verdict(r, &r->groups[i]);
        group_unions(r, &r->groups[i]);
    }
    qsort(r->groups, ngroups, sizeof(*r->groups), cmp_groups);
    for (i = 0; i < r->num_recs; i++) {
        r->by_kind[r->recs[i].kind < 4 ? r->recs[i].kind : 0]++;
    }
    free(order);
    return 0;
}

/* ---- shared formatting ------------------------------------------------- */

void
report_group_who(struct bbuf *b, const struct report *r,
                 const struct rp_group *g)
{
    const struct rp_rec *x = g->best != NULL ? g->best
                                             : &r->recs[g->recs[0]];
    bool unknown = x->family.n == 7 && memcmp(x->family.p, "unknown", 7) == 0;

    /* Prefer any attempt of the group that was identified. */
    for (size_t i = 0; unknown && i < g->num; i++) {
        const struct rp_rec *y = &r->recs[g->recs[i]];
        if (!(y->family.n == 7 && memcmp(y->family.p, "unknown", 7) == 0)) {
            x = y;
            unknown = false;
        }
    }
    if (!unknown) {
        bbuf_put(b, x->family.p, x->family.n);
        if (x->detail.n > 0) {
            bbuf_put_str(b, " — ");
            bbuf_put(b, x->detail.p, x->detail.n);
        }
        return;
    }
    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *y = &r->recs[g->recs[i]];
        if (y->imap_id.n > 0) {
            bbuf_put_str(b, "ID \"");
            bbuf_put(b, y->imap_id.p, y->imap_id.n);
            bbuf_put_str(b, "\"");
            return;
        }
        if (y->user_agent.n > 0) {
            bbuf_put_str(b, "UA \"");
            bbuf_put(b, y->user_agent.p, y->user_agent.n);
            bbuf_put_str(b, "\"");
            return;
        }
        if (y->ehlo.n > 0) {
            bbuf_put_str(b, "EHLO \"");
            bbuf_put(b, y->ehlo.p, y->ehlo.n);
            bbuf_put_str(b, "\"");
            return;
        }
    }
    bbuf_put_str(b, report_label("unknown", r->lang));
}

void
report_group_versions(struct bbuf *b, const struct report *r,
                      const struct rp_group *g)
{
    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *x = &r->recs[g->recs[i]];
        if (i > 0) {
            bbuf_put_str(b, " > ");
        }
        if (i == REPORT_MAX_SEQ - 1 && g->num > REPORT_MAX_SEQ) {
            bbuf_printf(b, "... (%zu more) > ", g->num - REPORT_MAX_SEQ);
            x = &r->recs[g->recs[g->num - 1]];
            bbuf_put_str(b, x->have_hello ? report_version_name(x->highest)
                                          : "-");
            return;
        }
        bbuf_put_str(b, x->have_hello ? report_version_name(x->highest)
                                      : "-");
    }
}

/* reason_text: our text for a code, else what the record said. */
static const char *
reason_text(const struct report *r, const struct rstr *code,
            const struct rstr *rec_text, size_t *len)
{
    const char *t = verdict_reason_text(code->p, r->lang);

    if (t != NULL) {
        *len = strlen(t);
        return t;
    }
    *len = rec_text != NULL ? rec_text->n : 0;
    return rec_text != NULL ? rec_text->p : "";
}

/* ---- text -------------------------------------------------------------- */

/* disp_width: terminal columns of a visible (escaped) UTF-8 string. */
static size_t
disp_width(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, w = 0;

    while (i < n) {
        uint32_t c = 0;
        size_t len = utf8_len(p + i, n - i, &c);
        if (len == 0) {
            len = 1;
            c = '?';
        }
        if ((c >= 0x0300 && c <= 0x036f) || c == 0x200b) {
            /* combining: no column */
        } else if ((c >= 0x1100 && c <= 0x115f) ||
                   (c >= 0x2e80 && c <= 0xa4cf) ||
                   (c >= 0xac00 && c <= 0xd7a3) ||
                   (c >= 0xf900 && c <= 0xfaff) ||
                   (c >= 0xfe30 && c <= 0xfe4f) ||
                   (c >= 0xff00 && c <= 0xff60) ||
                   (c >= 0xffe0 && c <= 0xffe6) ||
                   (c >= 0x1f300 && c <= 0x1faff) ||
                   (c >= 0x20000 && c <= 0x3fffd)) {
            w += 2;
        } else {
            w += 1;
        }
        i += len;
    }
    return w;
}

/*
 * fit_cell writes the visible form of s into cell (NUL-terminated), cut at
 * `maxw` columns with "..." so that no UTF-8 sequence is split.
 */
static void
fit_cell(struct bbuf *cell, const char *s, size_t n, size_t maxw)
{
    struct bbuf vis;
    const unsigned char *p;
    size_t i = 0, w = 0;

    bbuf_reset(cell);
    bbuf_init(&vis, 1 << 20);
    report_put_visible(&vis, s, n);
    p = vis.data;
    if (disp_width((const char *)p, vis.len) <= maxw) {
        bbuf_put(cell, p, vis.len);
    } else {
        while (i < vis.len) {
            uint32_t c = 0;
            size_t len = utf8_len(p + i, vis.len - i, &c);
            size_t cw;
            if (len == 0) {
                len = 1;
            }
            cw = disp_width((const char *)p + i, len);
            if (w + cw > maxw - 3) {
                break;
            }
            bbuf_put(cell, p + i, len);
            w += cw;
            i += len;
        }
        bbuf_put_str(cell, "...");
    }
    bbuf_cstr(cell);
    bbuf_cleanup(&vis);
}

#define TEXT_COLS 7

static void
put_padded(FILE *f, const char *s, size_t width, bool last)
{
    size_t w = disp_width(s, strlen(s));

    fputs(s, f);
    if (!last) {
        for (; w < width + 2; w++) {
            fputc(' ', f);
        }
    }
}

static void
text_header(const struct report *r, FILE *f)
{
    const char *L = r->lang;

    fprintf(f, "%s: %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s\n",
            report_label("title", L), r->num_files, report_label("files", L),
            r->lines, report_label("lines", L), r->num_recs,
            report_label("records", L), r->num_bad,
            report_label("bad_lines", L), r->filtered_out,
            report_label("filtered", L), r->num_groups,
            report_label("clients", L));
    if (r->now != NULL) {
        struct bbuf b;
        bbuf_init(&b, 4096);
        report_put_visible(&b, r->now, strlen(r->now));
        fprintf(f, "%s: %s\n", report_label("generated", L), bbuf_cstr(&b));
        bbuf_cleanup(&b);
    }
    if (r->filter_text != NULL) {
        fprintf(f, "%s: %s\n", report_label("filters", L), r->filter_text);
    }
    if (r->policy != NULL) {
        fprintf(f, "%s: %s %s", report_label("policy", L),
                report_label("rejudged", L), r->policy);
        if (r->not_rejudged > 0) {
            fprintf(f, " (%zu %s)", r->not_rejudged,
                    report_label("not_rejudged", L));
        }
        fputc('\n', f);
    } else {
        fprintf(f, "%s: %s\n", report_label("policy", L),
                report_label("as_recorded", L));
    }
    fprintf(f, "%s: pass %zu, warn %zu, fail %zu, unknown %zu\n",
            report_label("by_verdict", L), r->by_kind[VERDICT_PASS],
            r->by_kind[VERDICT_WARN], r->by_kind[VERDICT_FAIL],
            r->by_kind[VERDICT_UNKNOWN]);
}

static int
write_text(const struct report *r, FILE *f)
{
    static const size_t maxw[TEXT_COLS] = {7, 40, 39, 16, 8, 44, 40};
    const char *L = r->lang;
    const char *head[TEXT_COLS];
    char ***cells;
    size_t width[TEXT_COLS];
    struct bbuf tmp, cell;
    size_t gi, k;

    text_header(r, f);
    if (r->num_groups == 0) {
        fprintf(f, "\n%s\n", report_label("no_records", L));
        return ferror(f) ? -1 : 0;
    }
    head[0] = report_label("verdict", L);
    head[1] = report_label("client", L);
    head[2] = report_label("peer", L);
    head[3] = report_label("listener", L);
    head[4] = report_label("attempts", L);
    head[5] = report_label("versions", L);
    head[6] = report_label("reason", L);
    cells = calloc(r->num_groups, sizeof(*cells));
    if (cells == NULL) {
        return -1;
    }
    for (k = 0; k < TEXT_COLS; k++) {
        width[k] = disp_width(head[k], strlen(head[k]));
    }
    bbuf_init(&tmp, 1 << 20);
    bbuf_init(&cell, 1 << 20);
    for (gi = 0; gi < r->num_groups; gi++) {
        const struct rp_group *g = &r->groups[gi];
        const struct rp_rec *x = &r->recs[g->recs[0]];
        const struct rstr *why = g->best != NULL && g->best->summary.n > 0
                                     ? &g->best->summary
                                     : (g->num_reasons > 0 ? g->reasons[0]
                                                           : NULL);
        cells[gi] = calloc(TEXT_COLS, sizeof(char *));
        if (cells[gi] == NULL) {
            break;
        }
        for (k = 0; k < TEXT_COLS; k++) {
            bbuf_reset(&tmp);
            switch (k) {
            case 0:
                bbuf_put_str(&tmp, report_kind_word(g->kind));
                break;
            case 1:
                report_group_who(&tmp, r, g);
                break;
            case 2:
                bbuf_put(&tmp, x->peer.p, x->peer.n);
                break;
            case 3:
                bbuf_put(&tmp, x->listener.p, x->listener.n);
                break;
            case 4:
                bbuf_printf(&tmp, "%zu", g->num);
                break;
            case 5:
                report_group_versions(&tmp, r, g);
                break;
            default:
                if (g->kind == VERDICT_WARN && g->fallback_without_scsv &&
                    (why == NULL || g->best->kind == VERDICT_PASS)) {
                    bbuf_put_str(&tmp, "fallback_without_scsv");
                } else if (why != NULL) {
                    bbuf_put(&tmp, why->p, why->n);
                } else {
                    bbuf_put_str(&tmp, "-");
                }
                break;
            }
            fit_cell(&cell, tmp.len > 0 ? (const char *)tmp.data : "",
                     tmp.len, maxw[k]);
            cells[gi][k] = strdup((const char *)cell.data);
            if (cells[gi][k] != NULL) {
                size_t w = disp_width(cells[gi][k], strlen(cells[gi][k]));
                width[k] = w > width[k] ? w : width[k];
            }
        }
    }
    fputc('\n', f);
    for (k = 0; k < TEXT_COLS; k++) {
        put_padded(f, head[k], width[k], k == TEXT_COLS - 1);
    }
    fputc('\n', f);
    for (gi = 0; gi < r->num_groups && cells[gi] != NULL; gi++) {
        for (k = 0; k < TEXT_COLS; k++) {
            put_padded(f, cells[gi][k] != NULL ? cells[gi][k] : "?",
                       width[k], k == TEXT_COLS - 1);
        }
        fputc('\n', f);
    }

    /* Details: the whole texts, nothing cut. */
    fprintf(f, "\n%s\n", report_label("details", L));
    for (gi = 0; gi < r->num_groups; gi++) {
        const struct rp_group *g = &r->groups[gi];
        const struct rp_rec *x = &r->recs[g->recs[0]];
        const struct rp_rec *last = &r->recs[g->recs[g->num - 1]];
        bool hint = false;

        bbuf_reset(&tmp);
        report_group_who(&tmp, r, g);
        bbuf_reset(&cell);
        report_put_visible(&cell, (const char *)tmp.data, tmp.len);
        fprintf(f, "\n%zu. %s  %s\n", gi + 1, report_kind_word(g->kind),
                bbuf_cstr(&cell));
        bbuf_reset(&cell);
        bbuf_printf(&cell, "   %s ", report_label("peer", L));
        report_put_visible(&cell, x->peer.p, x->peer.n);
        bbuf_printf(&cell, ", %s ", report_label("listener", L));
        report_put_visible(&cell, x->listener.p, x->listener.n);
        bbuf_put_str(&cell, " (");
        report_put_visible(&cell, x->protocol.p, x->protocol.n);
        bbuf_printf(&cell, "), %s %zu", report_label("attempts", L), g->num);
        if (x->has_story) {
            bbuf_printf(&cell, ", story %llu",
                        (unsigned long long)x->story_id);
        }
        bbuf_printf(&cell, "\n   %s ", report_label("first_last", L));
        report_put_visible(&cell, x->time.p, x->time.n);
        bbuf_put_str(&cell, " .. ");
        report_put_visible(&cell, last->time.p, last->time.n);
        fprintf(f, "%s\n", bbuf_cstr(&cell));
        bbuf_reset(&cell);
        bbuf_printf(&cell, "   %s:", report_label("own_words", L));
        for (size_t i = 0; i < g->num; i++) {
            const struct rp_rec *y = &r->recs[g->recs[i]];
            static const char *const tag[] = {"SNI", "IMAP ID", "EHLO",
                                              "User-Agent"};
            const struct rstr *val[] = {&y->sni, &y->imap_id, &y->ehlo,
                                        &y->user_agent};
            for (k = 0; k < 4; k++) {
                if (val[k]->n == 0) {
                    continue;
                }
                bbuf_printf(&cell, " %s \"", tag[k]);
                report_put_visible(&cell, val[k]->p, val[k]->n);
                bbuf_put_str(&cell, "\"");
                hint = true;
            }
            if (hint) {
                break;  /* the first attempt that said anything */
            }
        }
        if (hint) {
            fprintf(f, "%s\n", bbuf_cstr(&cell));
        }
        bbuf_reset(&tmp);
        report_group_versions(&tmp, r, g);
        fprintf(f, "   %s: %s\n", report_label("versions", L),
                bbuf_cstr(&tmp));
        if (g->fallback_without_scsv) {
            fprintf(f, "   ! %s\n", report_label("fallback_no_scsv", L));
        }
        fprintf(f, "   %s:%s\n", report_label("reasons", L),
                g->num_reasons == 0 ? " -" : "");
        for (size_t i = 0; i < g->num_reasons; i++) {
            size_t tl;
            const char *t = reason_text(r, g->reasons[i],
                                        g->reason_texts[i], &tl);
            bbuf_reset(&cell);
            report_put_visible(&cell, g->reasons[i]->p, g->reasons[i]->n);
            bbuf_put_str(&cell, ": ");
            report_put_visible(&cell, t, tl);
            fprintf(f, "     - %s\n", bbuf_cstr(&cell));
        }
        fprintf(f, "   %s:%s\n", report_label("advice", L),
                g->num_advice == 0 ? " -" : "");
        for (size_t i = 0; i < g->num_advice; i++) {
            const struct advice *adv = advice_get(g->advice[i]->p);
            bbuf_reset(&cell);
            report_put_visible(&cell, g->advice[i]->p, g->advice[i]->n);
            if (adv == NULL) {
                fprintf(f, "     * %s\n", bbuf_cstr(&cell));
                continue;
            }
            fprintf(f, "     * %s [%s]\n", advice_title(adv, L),
                    bbuf_cstr(&cell));
            /* Catalogue text: ours, multi-line; indent each line. */
            {
                const char *t = advice_text(adv, L);
                while (*t != '\0') {
                    const char *nl = strchr(t, '\n');
                    size_t n = nl != NULL ? (size_t)(nl - t) : strlen(t);
                    fprintf(f, "       %.*s\n", (int)n, t);
                    t += n;
                    if (*t == '\n') {
                        t++;
                    }
                }
            }
        }
    }
    for (gi = 0; gi < r->num_groups && cells[gi] != NULL; gi++) {
        for (k = 0; k < TEXT_COLS; k++) {
            free(cells[gi][k]);
        }
        free(cells[gi]);
    }
    free(cells);
    bbuf_cleanup(&tmp);
    bbuf_cleanup(&cell);
    return ferror(f) ? -1 : 0;
}

/* ---- CSV (RFC 4180) ---------------------------------------------------- */

/*
 * csv_cell writes one field: control characters made visible, a leading
 * = + - @ (or tab/CR) prefixed with ' so spreadsheets do not run it as a
 * formula (OWASP "CSV injection"), and quoted when it holds a comma, quote
 * or line break (RFC 4180 section 2).
 */
static void
csv_cell(FILE *f, const char *s, size_t n, bool last)
{
    struct bbuf v;
    bool quote = false;

    bbuf_init(&v, 4u << 20);
    if (n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                  s[0] == '\t' || s[0] == '\r')) {
        bbuf_put_u8(&v, '\'');
    }
    report_put_visible(&v, s, n);
    for (size_t i = 0; i < v.len; i++) {
        if (v.data[i] == ',' || v.data[i] == '"' || v.data[i] == '\n' ||
            v.data[i] == '\r') {
            quote = true;
        }
    }
    if (quote) {
        fputc('"', f);
        for (size_t i = 0; i < v.len; i++) {
            if (v.data[i] == '"') {
                fputc('"', f);
            }
            fputc(v.data[i], f);
        }
        fputc('"', f);
    } else if (v.len > 0) {
        fwrite(v.data, 1, v.len, f);
    }
    fputs(last ? "\r\n" : ",", f);
    bbuf_cleanup(&v);
}

static void
csv_str(FILE *f, const char *s, bool last)
{
    csv_cell(f, s, strlen(s), last);
}

static int
write_csv(const struct report *r, FILE *f)
{
    static const char *const cols[] = {
        "first_seen", "last_seen", "verdict", "client", "peer", "listener",
        "protocol", "attempts", "pass", "warn", "fail", "unknown",
        "versions_tried", "reasons", "advice", "sni", "imap_id", "ehlo",
        "user_agent", "policy"};
    const size_t ncols = sizeof(cols) / sizeof(cols[0]);
    struct bbuf b;

    for (size_t k = 0; k < ncols; k++) {
        csv_str(f, cols[k], k + 1 == ncols);
    }
    bbuf_init(&b, 4u << 20);
    for (size_t gi = 0; gi < r->num_groups; gi++) {
        const struct rp_group *g = &r->groups[gi];
        const struct rp_rec *x = &r->recs[g->recs[0]];
        const struct rp_rec *last = &r->recs[g->recs[g->num - 1]];
        const struct rp_rec *h = x;
        char num[32];

        /* The hints of the first attempt that has any. */
        for (size_t i = 0; i < g->num; i++) {
            const struct rp_rec *y = &r->recs[g->recs[i]];
            if (y->sni.n + y->imap_id.n + y->ehlo.n + y->user_agent.n > 0) {
                h = y;
                break;
            }
        }
        csv_cell(f, x->time.p, x->time.n, false);
        csv_cell(f, last->time.p, last->time.n, false);
        csv_str(f, verdict_kind_str(g->kind), false);
        bbuf_reset(&b);
        report_group_who(&b, r, g);
        csv_cell(f, (const char *)b.data, b.len, false);
        csv_cell(f, x->peer.p, x->peer.n, false);
        csv_cell(f, x->listener.p, x->listener.n, false);
        csv_cell(f, x->protocol.p, x->protocol.n, false);
        snprintf(num, sizeof(num), "%zu", g->num);
        csv_str(f, num, false);
        for (int k = VERDICT_PASS; k <= VERDICT_FAIL; k++) {
            snprintf(num, sizeof(num), "%zu", g->by_kind[k]);
            csv_str(f, num, false);
        }
        snprintf(num, sizeof(num), "%zu", g->by_kind[VERDICT_UNKNOWN]);
        csv_str(f, num, false);
        bbuf_reset(&b);
        report_group_versions(&b, r, g);
        csv_cell(f, (const char *)b.data, b.len, false);
        bbuf_reset(&b);
        for (size_t i = 0; i < g->num_reasons; i++) {
            if (i > 0) {
                bbuf_put_str(&b, " ");
            }
            bbuf_put(&b, g->reasons[i]->p, g->reasons[i]->n);
        }
        csv_cell(f, b.len ? (const char *)b.data : "", b.len, false);
        bbuf_reset(&b);
        for (size_t i = 0; i < g->num_advice; i++) {
            if (i > 0) {
                bbuf_put_str(&b, " ");
            }
            bbuf_put(&b, g->advice[i]->p, g->advice[i]->n);
        }
        csv_cell(f, b.len ? (const char *)b.data : "", b.len, false);
        csv_cell(f, h->sni.p, h->sni.n, false);
        csv_cell(f, h->imap_id.p, h->imap_id.n, false);
        csv_cell(f, h->ehlo.p, h->ehlo.n, false);
        csv_cell(f, h->user_agent.p, h->user_agent.n, false);
        csv_cell(f, x->policy.p, x->policy.n, true);
    }
    bbuf_cleanup(&b);
    return ferror(f) ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------- */

static void
jw_rstr(struct jw *w, const char *k, const struct rstr *s)
{
    jw_kv_strn(w, k, (const uint8_t *)s->p, s->n);
}

static bool
flush_line(struct bbuf *b, FILE *f, const char *after)
{
    bool ok = !b->overflow && fwrite(b->data, 1, b->len, f) == b->len;

    fputs(after, f);
    bbuf_reset(b);
    return ok;
}

static void
json_by_kind(struct jw *w, const size_t by[4])
{
    jw_obj_begin(w);
    jw_kv_uint(w, "pass", by[VERDICT_PASS]);
    jw_kv_uint(w, "warn", by[VERDICT_WARN]);
    jw_kv_uint(w, "fail", by[VERDICT_FAIL]);
    jw_kv_uint(w, "unknown", by[VERDICT_UNKNOWN]);
    jw_obj_end(w);
}

static void
json_client(struct jw *w, const struct report *r, const struct rp_group *g,
            struct bbuf *tmp)
{
    const struct rp_rec *x = &r->recs[g->recs[0]];
    const struct rp_rec *last = &r->recs[g->recs[g->num - 1]];

    jw_obj_begin(w);
    jw_kv_str(w, "verdict", verdict_kind_str(g->kind));
    bbuf_reset(tmp);
    report_group_who(tmp, r, g);
    jw_kv_strn(w, "client", tmp->data, tmp->len);
    jw_key(w, "family");
    jw_strn(w, (const uint8_t *)(g->best ? g->best : x)->family.p,
            (g->best ? g->best : x)->family.n);
    jw_rstr(w, "peer", &x->peer);
    jw_rstr(w, "listener", &x->listener);
    jw_rstr(w, "protocol", &x->protocol);
    if (x->has_story) {
        jw_kv_uint(w, "story", x->story_id);
    }
    jw_rstr(w, "first", &x->time);
    jw_rstr(w, "last", &last->time);
    jw_kv_uint(w, "num_attempts", g->num);
    jw_key(w, "by_verdict");
    json_by_kind(w, g->by_kind);
    jw_key(w, "versions_tried");
    jw_arr_begin(w);
    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *y = &r->recs[g->recs[i]];
        if (y->have_hello && y->highest != 0) {
            jw_str(w, report_version_name(y->highest));
        } else {
            jw_null(w);
        }
    }
    jw_arr_end(w);
    jw_kv_bool(w, "fallback_without_scsv", g->fallback_without_scsv);
    jw_key(w, "reasons");
    jw_arr_begin(w);
    for (size_t i = 0; i < g->num_reasons; i++) {
        size_t tl;
        const char *t = reason_text(r, g->reasons[i], g->reason_texts[i],
                                    &tl);
        jw_obj_begin(w);
        jw_rstr(w, "code", g->reasons[i]);
        jw_kv_strn(w, "text", (const uint8_t *)t, tl);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "advice");
    jw_arr_begin(w);
    for (size_t i = 0; i < g->num_advice; i++) {
        const struct advice *adv = advice_get(g->advice[i]->p);
        jw_obj_begin(w);
        jw_rstr(w, "id", g->advice[i]);
        if (adv != NULL) {
            jw_kv_str(w, "title", advice_title(adv, r->lang));
            jw_kv_str(w, "text", advice_text(adv, r->lang));
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "attempts");
    jw_arr_begin(w);
    for (size_t i = 0; i < g->num; i++) {
        const struct rp_rec *y = &r->recs[g->recs[i]];
        jw_obj_begin(w);
        jw_kv_str(w, "file", r->files[y->file]);
        jw_kv_uint(w, "line", y->line);
        jw_kv_uint(w, "id", y->id);
        jw_rstr(w, "time", &y->time);
        jw_kv_uint(w, "peer_port", y->peer_port);
        jw_kv_str(w, "verdict", verdict_kind_str(y->kind));
        if (y->summary.n > 0) {
            jw_rstr(w, "summary", &y->summary);
        }
        if (y->have_hello && y->highest != 0) {
            jw_kv_str(w, "highest_version", report_version_name(y->highest));
        } else {
            jw_kv_null(w, "highest_version");
        }
        if (y->have_hello) {
            jw_kv_bool(w, "fallback_scsv", y->fallback_scsv);
        }
        if (y->sni.n > 0) {
            jw_rstr(w, "sni", &y->sni);
        }
        if (y->imap_id.n > 0) {
            jw_rstr(w, "imap_id", &y->imap_id);
        }
        if (y->ehlo.n > 0) {
            jw_rstr(w, "ehlo", &y->ehlo);
        }
        if (y->user_agent.n > 0) {
            jw_rstr(w, "user_agent", &y->user_agent);
        }
        if (y->rejudged) {
            jw_kv_bool(w, "rejudged", true);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

static int
write_json(const struct report *r, FILE *f)
{
    struct bbuf b, tmp;
    struct jw w;
    bool ok = true;

    bbuf_init(&b, REPORT_OUT_MAX);
    bbuf_init(&tmp, 1 << 20);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kv_int(&w, "report_schema", 1);
    jw_kv_str(&w, "lang", r->lang);
    if (r->now != NULL) {
        jw_kv_str(&w, "generated", r->now);
    }
    jw_kv_str(&w, "policy", r->policy != NULL ? r->policy : "as_recorded");
    if (r->filter_text != NULL) {
        jw_kv_str(&w, "filters", r->filter_text);
    }
    jw_key(&w, "files");
    jw_arr_begin(&w);
    for (size_t i = 0; i < r->num_files; i++) {
        jw_str(&w, r->files[i]);
    }
    jw_arr_end(&w);
    jw_kv_uint(&w, "lines", r->lines);
    jw_kv_uint(&w, "records", r->num_recs);
    jw_kv_uint(&w, "filtered_out", r->filtered_out);
    if (r->policy != NULL) {
        jw_kv_uint(&w, "not_rejudged", r->not_rejudged);
    }
    jw_kv_uint(&w, "num_bad_lines", r->num_bad);
    jw_key(&w, "bad_lines");
    jw_arr_begin(&w);
    for (size_t i = 0; i < r->num_bad && i < REPORT_MAX_BAD_LISTED; i++) {
        jw_obj_begin(&w);
        jw_kv_str(&w, "file", r->files[r->bad[i].file]);
        jw_kv_uint(&w, "line", r->bad[i].line);
        jw_kv_str(&w, "error", r->bad[i].why);
        if (r->bad[i].detail[0] != '\0') {
            jw_kv_str(&w, "detail", r->bad[i].detail);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "by_verdict");
    json_by_kind(&w, r->by_kind);
    jw_kv_uint(&w, "num_clients", r->num_groups);
    jw_obj_end(&w);
    fputs("{\"report\":", f);
    ok = jw_ok(&w) && flush_line(&b, f, ",\n\"clients\":[");
    for (size_t gi = 0; gi < r->num_groups && ok; gi++) {
        fputc('\n', f);
        jw_init(&w, &b);
        json_client(&w, r, &r->groups[gi], &tmp);
        ok = jw_ok(&w) &&
             flush_line(&b, f, gi + 1 < r->num_groups ? "," : "");
    }
    fputs("\n]}\n", f);
    bbuf_cleanup(&b);
    bbuf_cleanup(&tmp);
    return ok && !ferror(f) ? 0 : -1;
}

/* ---- main -------------------------------------------------------------- */

static void
report_usage(FILE *f)
{
    fprintf(f,
        "usage: tlsready report [options] FILE...\n"
        "  FILE may be a records file, a rotated one, or gzip'd (.gz)\n"
        "  --format text|json|csv|html   output (default text)\n"
        "  --policy NAME       re-judge every record under policy NAME\n"
        "  -c, --config FILE   where user policies for --policy live\n"
        "  --since TIME        attempts at or after TIME (ISO 8601, UTC "
        "unless a zone is given)\n"
        "  --until TIME        attempts before TIME (a date: to its end)\n"
        "  --peer ADDR         attempts from this client address only\n"
        "  --lang en|ja        language of texts\n"
        "  --now TEXT          print TEXT as the generation time (the report "
        "reads no clock)\n");
}

static void
report_free(struct report *r)
{
    for (size_t i = 0; i < r->num_recs; i++) {
        rec_free(&r->recs[i]);
    }
    free(r->recs);
    for (size_t i = 0; i < r->num_groups; i++) {
        free(r->groups[i].recs);
    }
    free(r->groups);
    if (group_keys != NULL) {
        for (size_t i = 0; i < r->num_recs; i++) {
            free(group_keys[i]);
        }
        free(group_keys);
        group_keys = NULL;
    }
}

static bool
parse_time_opt(const char *s, bool until, long long *ms)
{
    bool date_only = false;

    if (!report_parse_time(s, strlen(s), ms, &date_only)) {
        return false;
    }
    if (until && date_only) {
        *ms += 86400LL * 1000; /* the whole day */
    }
    return true;
}

int
report_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"policy", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"peer", required_argument, NULL, 'a'},
        {"lang", required_argument, NULL, 'l'},
        {"now", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct report_opts o;
    struct report r;
    struct reader_ctx c;
    struct tr_config *cfg = NULL;
    char filt[512] = "";
    const char *lang_opt = NULL;
    int ch, rc = 0, wrc;

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    memset(&c, 0, sizeof(c));
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                o.format = FMT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                o.format = FMT_JSON;
            } else if (strcmp(optarg, "csv") == 0) {
                o.format = FMT_CSV;
            } else if (strcmp(optarg, "html") == 0) {
                o.format = FMT_HTML;
            } else {
                fprintf(stderr, "tlsready report: --format takes text, json, "
                                "csv or html\n");
                return 2;
            }
            break;
        case 'p':
            o.policy = optarg;
            break;
        case 'c':
            o.config = optarg;
            break;
        case 's':
        case 'u':
            if (!parse_time_opt(optarg, ch == 'u',
                                ch == 's' ? &o.since_ms : &o.until_ms)) {
                fprintf(stderr, "tlsready report: --%s: not an ISO 8601 time "
                                "or date: %s\n",
                        ch == 's' ? "since" : "until", optarg);
                return 2;
            }
            if (ch == 's') {
                o.have_since = true;
            } else {
                o.have_until = true;
            }
            snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt),
                     "%s--%s %.60s", filt[0] ? " " : "",
                     ch == 's' ? "since" : "until", optarg);
            break;
        case 'a':
            o.peer = optarg;
            snprintf(filt + strlen(filt), sizeof(filt) - strlen(filt),
                     "%s--peer %.60s", filt[0] ? " " : "", optarg);
            break;
        case 'l':
            if (strcmp(optarg, "en") != 0 && strcmp(optarg, "ja") != 0) {
                fprintf(stderr, "tlsready report: --lang takes en or ja\n");
                return 2;
            }
            lang_opt = optarg;
            break;
        case 'n':
            r.now = optarg;
            break;
        case 'h':
            report_usage(stdout);
            return 0;
        default:
            report_usage(stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        report_usage(stderr);
        return 2;
    }
    r.lang = lang_opt != NULL ? lang_opt : advice_lang_from_env();
    r.filter_text = filt[0] != '\0' ? filt : NULL;
    if (o.config != NULL) {
        struct config_error err;
        memset(&err, 0, sizeof(err));
        cfg = config_load(o.config, &err);
        if (cfg == NULL) {
            config_error_print(&err, stderr);
            return 2;
        }
    }
    if (o.policy != NULL) {
        c.pol = cfg != NULL ? config_policy(cfg, o.policy)
                            : policy_builtin(o.policy);
        if (c.pol == NULL) {
            fprintf(stderr, "tlsready report: no policy called '%s' (see "
                            "`tlsready policies`)\n", o.policy);
            config_free(cfg);
            return 2;
        }
        r.policy = c.pol->name;
    }
    r.files = argv + optind;
    r.num_files = (size_t)(argc - optind);
    c.r = &r;
    c.o = &o;
    c.hello_buf = malloc(REPORT_HELLO_MAX);
    bbuf_init(&c.raw, REPORT_LINE_MAX / 2 + 1);
    if (c.hello_buf == NULL) {
        config_free(cfg);
        return 1;
    }
    for (size_t i = 0; i < r.num_files; i++) {
        if (read_file(&c, i) != 0) {
            rc = 1;
        }
    }
    if (build_groups(&r) != 0) {
        fprintf(stderr, "tlsready report: out of memory\n");
        rc = 1;
    } else {
        switch (o.format) {
        case FMT_JSON:
            wrc = write_json(&r, stdout);
            break;
        case FMT_CSV:
            wrc = write_csv(&r, stdout);
            break;
        case FMT_HTML:
            wrc = report_write_html(&r, stdout);
            break;
        case FMT_TEXT:
        default:
            wrc = write_text(&r, stdout);
            break;
        }
        if (wrc != 0 || fflush(stdout) != 0) {
            fprintf(stderr, "tlsready report: cannot write the output\n");
            rc = 1;
        }
    }
    report_free(&r);
    free(c.hello_buf);
    bbuf_cleanup(&c.raw);
    config_free(cfg);
    return rc;
}
