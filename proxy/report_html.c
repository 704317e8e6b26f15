/*
 * report_html.c - `tlsready report --format html`: one self-contained page
 * (no script, no network): inline CSS, three inline SVG charts drawn here
 * (attempts by verdict, by highest version offered, by client family over
 * time) and the per-client table with reasons and advice.
 *
 * Every string that came from a records file goes through html_text():
 * control characters and bidirectional overrides are made visible first
 * (report_put_visible), then & < > " ' become character references, so
 * the text is safe in element content and in quoted attributes alike. The
 * page carries a Content-Security-Policy that allows no script at all and
 * only the one stylesheet whose SHA-256 it names (CSP Level 2 hash source).
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "crypto.h"
#include "verdict.h"

#define HTML_MAX (256u * 1024 * 1024)
#define CHART_MAX_BUCKETS 60
#define CHART_TOP_FAMILIES 6

static const char page_css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:1.5em auto;max-width:72em;padding:0 1em;color:#1b1b1b;"
    "background:#fff}\n"
    "h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.15em;"
    "margin:1.6em 0 .5em}\n"
    ".summary{color:#444}.charts{display:flex;flex-wrap:wrap;gap:1.5em}\n"
    ".charts figure{margin:0}.charts figcaption{font-weight:600;"
    "margin-bottom:.3em}\n"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;"
    "vertical-align:top;padding:.35em .5em;border-bottom:1px solid #ddd}\n"
    "th{background:#f4f4f4}td.n{text-align:right}\n"
    ".v{font-weight:700;border-radius:3px;padding:0 .35em;color:#fff}\n"
    ".v-pass{background:#2e7d32}.v-warn{background:#b35c00}"
    ".v-fail{background:#c62828}.v-unknown{background:#616161}\n"
    ".client{margin:1em 0;padding:.6em .9em;border:1px solid #ddd;"
    "border-radius:4px}\n"
    ".client h3{font-size:1em;margin:0 0 .3em}.meta{color:#555}\n"
    ".advice pre{white-space:pre-wrap;background:#f7f7f7;padding:.5em;"
    "margin:.3em 0 .6em;font:13px/1.4 ui-monospace,monospace}\n"
    ".bad{color:#8a1c1c}code{font:13px ui-monospace,monospace}\n"
    "svg text{font:12px system-ui,sans-serif;fill:#1b1b1b}\n";

static const char *const kind_color[4] = {"#616161", "#2e7d32", "#b35c00",
                                          "#c62828"};
static const char *const family_color[CHART_TOP_FAMILIES + 1] = {
    "#1565c0", "#6a1b9a", "#00838f", "#ad1457", "#558b2f", "#ef6c00",
    "#9e9e9e"};

/* html_put escapes trusted static text (our labels). */
static void
html_put(struct bbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            bbuf_put_str(b, "&amp;");
            break;
        case '<':
            bbuf_put_str(b, "&lt;");
            break;
        case '>':
            bbuf_put_str(b, "&gt;");
            break;
        case '"':
            bbuf_put_str(b, "&quot;");
            break;
        case '\'':
            bbuf_put_str(b, "&#39;");
            break;
        default:
            bbuf_put_u8(b, (uint8_t)s[i]);
            break;
        }
    }
}

/* html_text: a string from a record (see the top of this file). */
static void
html_text(struct bbuf *b, const char *s, size_t n)
{
    struct bbuf v;

    bbuf_init(&v, 4u << 20);
    if (report_put_visible(&v, s, n)) {
        html_put(b, (const char *)v.data, v.len);
    } else {
        bbuf_put_str(b, "(too long)");
    }
    bbuf_cleanup(&v);
}

static void
html_label(struct bbuf *b, const struct report *r, const char *key)
{
    const char *t = report_label(key, r->lang);

    html_put(b, t, strlen(t));
}

static void
base64(struct bbuf *b, const uint8_t *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)p[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= p[i + 2];
        }
        bbuf_put_u8(b, (uint8_t)tab[v >> 18 & 63]);
        bbuf_put_u8(b, (uint8_t)tab[v >> 12 & 63]);
        bbuf_put_u8(b, i + 1 < n ? (uint8_t)tab[v >> 6 & 63] : '=');
        bbuf_put_u8(b, i + 2 < n ? (uint8_t)tab[v & 63] : '=');
    }
}

/* ---- charts ------------------------------------------------------------ */

/*
 * svg_hbars draws one horizontal bar per row. Labels are raw record bytes
 * or our own text; both go through html_text.
 */
static void
svg_hbars(struct bbuf *b, const char *title, size_t n,
          const char *const *labels, const size_t *vals,
          const char *const *colors)
{
    const unsigned row = 24, lw = 130, bw = 260;
    size_t max = 1;
    unsigned h = (unsigned)(n > 0 ? n : 1) * row + 8;

    for (size_t i = 0; i < n; i++) {
        max = vals[i] > max ? vals[i] : max;
    }
    bbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
                   "height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\">"
                   "<title>",
                lw + bw + 60, h, lw + bw + 60, h);
    html_put(b, title, strlen(title));
    bbuf_put_str(b, "</title>\n");
    for (size_t i = 0; i < n; i++) {
        unsigned y = (unsigned)i * row + 4;
        unsigned w = (unsigned)((double)bw * (double)vals[i] / (double)max);
        bbuf_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">",
                    lw - 6, y + 15);
        html_text(b, labels[i], strlen(labels[i]));
        bbuf_printf(b, "</text><rect x=\"%u\" y=\"%u\" width=\"%u\" "
                       "height=\"%u\" fill=\"%s\"/>"
                       "<text x=\"%u\" y=\"%u\">%zu</text>\n",
                    lw, y + 2, w, row - 6, colors[i], lw + w + 5, y + 15,
                    vals[i]);
    }
    bbuf_put_str(b, "</svg>");
}

static void
civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
    long long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((long long)yoe + era * 400 + (*m <= 2));
}

static long long
floor_div(long long a, long long b)
{
    long long q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct fam_count {
    const struct rstr *name;
    size_t count;
};

static int
cmp_fam(const void *pa, const void *pb)
{
    const struct fam_count *a = pa, *b = pb;
    size_t n;
    int c;

    if (a->count != b->count) {
        return a->count > b->count ? -1 : 1;
    }
    n = a->name->n < b->name->n ? a->name->n : b->name->n;
    c = memcmp(a->name->p, b->name->p, n);
    if (c != 0) {
        return c;
    }
    return a->name->n < b->name->n ? -1 : a->name->n > b->name->n;
}

/*
 * svg_families draws stacked columns: attempts per time bucket (an hour
 * when everything is within two days, else a day), split by the most
 * common client families; the rest is "other". The newest
 * CHART_MAX_BUCKETS buckets are shown.
 */
static void
svg_families(struct bbuf *b, const struct report *r, const char *title)
{
    struct fam_count *fams = NULL;
    size_t nfam = 0, ntop;
    long long lo = 0, hi = 0, unit, first, nb;
    size_t counts[CHART_MAX_BUCKETS][CHART_TOP_FAMILIES + 1];
    size_t maxcol = 1;
    const unsigned plot_h = 160, left = 40, top = 10, plot_w = 560;
    unsigned colw, svg_w, svg_h;

    memset(counts, 0, sizeof(counts));
    if (r->num_recs == 0) {
        return;
    }
    fams = calloc(r->num_recs, sizeof(*fams));
    if (fams == NULL) {
        return;
    }
    for (size_t i = 0; i < r->num_recs; i++) {
        const struct rp_rec *x = &r->recs[i];
        size_t j;
        if (i == 0 || x->t_ms < lo) {
            lo = x->t_ms;
        }
        if (i == 0 || x->t_ms > hi) {
            hi = x->t_ms;
        }
        for (j = 0; j < nfam; j++) {
            if (fams[j].name->n == x->family.n &&
                memcmp(fams[j].name->p, x->family.p, x->family.n) == 0) {
                break;
            }
        }
        if (j == nfam) {
            fams[nfam].name = &x->family;
            nfam++;
        }
        fams[j].count++;
    }
    qsort(fams, nfam, sizeof(*fams), cmp_fam);
    ntop = nfam < CHART_TOP_FAMILIES ? nfam : CHART_TOP_FAMILIES;
    unit = hi - lo <= 2LL * 86400 * 1000 ? 3600LL * 1000 : 86400LL * 1000;
    first = floor_div(lo, unit);
    nb = floor_div(hi, unit) - first + 1;
    if (nb > CHART_MAX_BUCKETS) {
        first += nb - CHART_MAX_BUCKETS;
        nb = CHART_MAX_BUCKETS;
    }
    for (size_t i = 0; i < r->num_recs; i++) {
        const struct rp_rec *x = &r->recs[i];
        long long k = floor_div(x->t_ms, unit) - first;
        size_t f = ntop;
        if (k < 0) {
            continue;
        }
        for (size_t j = 0; j < ntop; j++) {
            if (fams[j].name->n == x->family.n &&
                memcmp(fams[j].name->p, x->family.p, x->family.n) == 0) {
                f = j;
                break;
            }
        }
        counts[k][f]++;
    }
    for (long long k = 0; k < nb; k++) {
        size_t s = 0;
        for (size_t f = 0; f <= ntop; f++) {
            s += counts[k][f];
        }
        maxcol = s > maxcol ? s : maxcol;
    }
    colw = plot_w / (unsigned)nb;
    if (colw > 60) {
        colw = 60;
    }
    svg_w = left + plot_w + 20;
    svg_h = top + plot_h + 40 + 20 * (unsigned)(ntop + 1);
    bbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" "
                   "height=\"%u\" viewBox=\"0 0 %u %u\" role=\"img\">"
                   "<title>",
                svg_w, svg_h, svg_w, svg_h);
    html_put(b, title, strlen(title));
    bbuf_put_str(b, "</title>\n");
    bbuf_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">%zu</text>"
                   "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">0</text>"
                   "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" "
                   "stroke=\"#999\"/>\n",
                left - 4, top + 10, maxcol, left - 4, top + plot_h,
                left, top + plot_h, left + plot_w, top + plot_h);
    for (long long k = 0; k < nb; k++) {
        unsigned x = left + (unsigned)k * colw;
        unsigned y = top + plot_h;
        for (size_t f = 0; f <= ntop; f++) {
            unsigned h;
            if (counts[k][f] == 0) {
                continue;
            }
            h = (unsigned)((double)plot_h * (double)counts[k][f] /
                           (double)maxcol);
            if (h == 0) {
                h = 1;
            }
            y -= h;
            bbuf_printf(b, "<rect x=\"%u\" y=\"%u\" width=\"%u\" "
                           "height=\"%u\" fill=\"%s\"/>\n",
                        x + 1, y, colw > 2 ? colw - 2 : 1, h,
                        family_color[f]);
        }
        if (k == 0 || k == nb - 1) {
            int yy;
            unsigned mm, dd;
            long long ms = (first + k) * unit;
            long long day = floor_div(ms, 86400LL * 1000);
            civil_from_days(day, &yy, &mm, &dd);
            bbuf_printf(b, "<text x=\"%u\" y=\"%u\"%s>%04d-%02u-%02u",
                        k == 0 ? x : x + colw, top + plot_h + 16,
                        k == 0 ? "" : " text-anchor=\"end\"", yy, mm, dd);
            if (unit < 86400LL * 1000) {
                bbuf_printf(b, " %02lld:00",
                            floor_div(ms, 3600LL * 1000) -
                                day * 24);
            }
            bbuf_put_str(b, "</text>\n");
        }
    }
    for (size_t f = 0; f <= ntop; f++) {
        unsigned y = top + plot_h + 30 + 20 * (unsigned)f;
        if (f == ntop && ntop == nfam) {
            break;
        }
        bbuf_printf(b, "<rect x=\"%u\" y=\"%u\" width=\"12\" height=\"12\" "
                       "fill=\"%s\"/><text x=\"%u\" y=\"%u\">",
                    left, y, family_color[f], left + 18, y + 11);
        if (f < ntop) {
            html_text(b, fams[f].name->p, fams[f].name->n);
            bbuf_printf(b, " (%zu)", fams[f].count);
        } else {
            html_label(b, r, "other");
        }
        bbuf_put_str(b, "</text>\n");
    }
    bbuf_put_str(b, "</svg>");
    free(fams);
}

static void
charts(struct bbuf *b, const struct report *r)
{
    static const char *const kinds[4] = {"pass", "warn", "fail", "unknown"};
    static const enum verdict_kind korder[4] = {VERDICT_PASS, VERDICT_WARN,
                                                VERDICT_FAIL,
                                                VERDICT_UNKNOWN};
    static const uint16_t vers[] = {0x0304, 0x0303, 0x0302, 0x0301, 0x0300,
                                    0x0002};
    const char *labels[8];
    const char *colors[8];
    size_t vals[8];
    const char *t;

    bbuf_put_str(b, "<section class=\"charts\">\n<figure><figcaption>");
    html_label(b, r, "by_verdict");
    bbuf_put_str(b, "</figcaption>");
    for (size_t i = 0; i < 4; i++) {
        labels[i] = kinds[i];
        vals[i] = r->by_kind[korder[i]];
        colors[i] = kind_color[korder[i]];
    }
    t = report_label("by_verdict", r->lang);
    svg_hbars(b, t, 4, labels, vals, colors);
    bbuf_put_str(b, "</figure>\n<figure><figcaption>");
    html_label(b, r, "by_version");
    bbuf_put_str(b, "</figcaption>");
    memset(vals, 0, sizeof(vals));
    for (size_t i = 0; i < 6; i++) {
        labels[i] = report_version_name(vers[i]);
        colors[i] = vers[i] >= 0x0303 ? "#2e7d32" : "#c62828";
    }
    labels[6] = report_label("no_hello", r->lang);
    colors[6] = "#616161";
    for (size_t i = 0; i < r->num_recs; i++) {
        const struct rp_rec *x = &r->recs[i];
        size_t k = 6;
        for (size_t j = 0; x->have_hello && j < 6; j++) {
            if (verdict_version_rank(x->highest) ==
                verdict_version_rank(vers[j])) {
                k = j;
                break;
            }
        }
        vals[k]++;
    }
    t = report_label("by_version", r->lang);
    svg_hbars(b, t, 7, labels, vals, colors);
    bbuf_put_str(b, "</figure>\n<figure><figcaption>");
    html_label(b, r, "by_family");
    bbuf_put_str(b, "</figcaption>");
    svg_families(b, r, report_label("by_family", r->lang));
    bbuf_put_str(b, "</figure>\n</section>\n");
}

/* ---- the page ---------------------------------------------------------- */

static void
verdict_badge(struct bbuf *b, enum verdict_kind k)
{
    bbuf_printf(b, "<span class=\"v v-%s\">%s</span>", verdict_kind_str(k),
                report_kind_word(k));
}

static void
client_table(struct bbuf *b, const struct report *r, struct bbuf *tmp)
{
    static const char *const cols[] = {"verdict", "client", "peer",
                                       "listener", "attempts", "versions",
                                       "reasons"};

    bbuf_put_str(b, "<table class=\"clients\">\n<thead><tr>");
    for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
        bbuf_put_str(b, "<th>");
        html_label(b, r, cols[k]);
        bbuf_put_str(b, "</th>");
    }
    bbuf_put_str(b, "</tr></thead>\n<tbody>\n");
    for (size_t gi = 0; gi < r->num_groups; gi++) {
        const struct rp_group *g = &r->groups[gi];
        const struct rp_rec *x = &r->recs[g->recs[0]];

        bbuf_printf(b, "<tr id=\"row-%zu\"><td>", gi + 1);
        verdict_badge(b, g->kind);
        bbuf_printf(b, "</td><td><a href=\"#client-%zu\">", gi + 1);
        bbuf_reset(tmp);
        report_group_who(tmp, r, g);
        html_text(b, (const char *)tmp->data, tmp->len);
        bbuf_put_str(b, "</a></td><td>");
        html_text(b, x->peer.p, x->peer.n);
        bbuf_put_str(b, "</td><td>");
        html_text(b, x->listener.p, x->listener.n);
        bbuf_printf(b, "</td><td class=\"n\">%zu</td><td>", g->num);
        bbuf_reset(tmp);
        report_group_versions(tmp, r, g);
        html_text(b, (const char *)tmp->data, tmp->len);
        bbuf_put_str(b, "</td><td>");
        for (size_t i = 0; i < g->num_reasons; i++) {
            bbuf_put_str(b, i > 0 ? "<br><code>" : "<code>");
            html_text(b, g->reasons[i]->p, g->reasons[i]->n);
            bbuf_put_str(b, "</code>");
        }
        if (g->fallback_without_scsv) {
            bbuf_put_str(b, g->num_reasons > 0 ? "<br>" : "");
            bbuf_put_str(b, "<code>fallback_without_scsv</code>");
        }
        bbuf_put_str(b, "</td></tr>\n");
    }
    bbuf_put_str(b, "</tbody>\n</table>\n");
}

static void
client_details(struct bbuf *b, const struct report *r, struct bbuf *tmp)
{
    for (size_t gi = 0; gi < r->num_groups; gi++) {
        const struct rp_group *g = &r->groups[gi];
        const struct rp_rec *x = &r->recs[g->recs[0]];
        const struct rp_rec *last = &r->recs[g->recs[g->num - 1]];
        bool hint = false;

        bbuf_printf(b, "<div class=\"client\" id=\"client-%zu\"><h3>%zu. ",
                    gi + 1, gi + 1);
        verdict_badge(b, g->kind);
        bbuf_put_str(b, " ");
        bbuf_reset(tmp);
        report_group_who(tmp, r, g);
        html_text(b, (const char *)tmp->data, tmp->len);
        bbuf_put_str(b, "</h3>\n<div class=\"meta\">");
        html_label(b, r, "peer");
        bbuf_put_str(b, " <code>");
        html_text(b, x->peer.p, x->peer.n);
        bbuf_put_str(b, "</code>, ");
        html_label(b, r, "listener");
        bbuf_put_str(b, " <code>");
        html_text(b, x->listener.p, x->listener.n);
        bbuf_put_str(b, "</code> (");
        html_text(b, x->protocol.p, x->protocol.n);
        bbuf_put_str(b, "), ");
        html_label(b, r, "attempts");
        bbuf_printf(b, " %zu, ", g->num);
        html_text(b, x->time.p, x->time.n);
        bbuf_put_str(b, " &ndash; ");
        html_text(b, last->time.p, last->time.n);
        bbuf_put_str(b, "</div>\n");
        for (size_t i = 0; i < g->num && !hint; i++) {
            const struct rp_rec *y = &r->recs[g->recs[i]];
            static const char *const tag[] = {"SNI", "IMAP ID", "EHLO",
                                              "User-Agent"};
            const struct rstr *val[] = {&y->sni, &y->imap_id, &y->ehlo,
                                        &y->user_agent};
            for (size_t k = 0; k < 4; k++) {
                if (val[k]->n == 0) {
                    continue;
                }
                if (!hint) {
                    bbuf_put_str(b, "<div class=\"meta\">");
                    html_label(b, r, "own_words");
                    bbuf_put_str(b, ":");
                }
                bbuf_printf(b, " %s <code>", tag[k]);
                html_text(b, val[k]->p, val[k]->n);
                bbuf_put_str(b, "</code>");
                hint = true;
            }
            if (hint) {
                bbuf_put_str(b, "</div>\n");
            }
        }
        bbuf_put_str(b, "<div>");
        html_label(b, r, "versions");
        bbuf_put_str(b, ": ");
        bbuf_reset(tmp);
        report_group_versions(tmp, r, g);
        html_text(b, (const char *)tmp->data, tmp->len);
        bbuf_put_str(b, "</div>\n");
        if (g->fallback_without_scsv) {
            bbuf_put_str(b, "<div>");
            html_label(b, r, "fallback_no_scsv");
            bbuf_put_str(b, "</div>\n");
        }
        if (g->num_reasons > 0) {
            bbuf_put_str(b, "<ul class=\"reasons\">\n");
        }
        for (size_t i = 0; i < g->num_reasons; i++) {
            const char *t = verdict_reason_text(g->reasons[i]->p, r->lang);
            bbuf_put_str(b, "<li><code>");
            html_text(b, g->reasons[i]->p, g->reasons[i]->n);
            bbuf_put_str(b, "</code>: ");
            if (t != NULL) {
                html_put(b, t, strlen(t));
            } else {
                html_text(b, g->reason_texts[i]->p, g->reason_texts[i]->n);
            }
            bbuf_put_str(b, "</li>\n");
        }
        if (g->num_reasons > 0) {
            bbuf_put_str(b, "</ul>\n");
        }
        if (g->num_advice > 0) {
            bbuf_put_str(b, "<div class=\"advice\"><strong>");
            html_label(b, r, "advice");
            bbuf_put_str(b, "</strong>\n");
        }
        for (size_t i = 0; i < g->num_advice; i++) {
            const struct advice *adv = advice_get(g->advice[i]->p);
            bbuf_put_str(b, "<div><em>");
            if (adv != NULL) {
                const char *t = advice_title(adv, r->lang);
                html_put(b, t, strlen(t));
            }
            bbuf_put_str(b, "</em> <code>");
            html_text(b, g->advice[i]->p, g->advice[i]->n);
            bbuf_put_str(b, "</code>");
            if (adv != NULL) {
                const char *t = advice_text(adv, r->lang);
                bbuf_put_str(b, "<pre>");
                html_put(b, t, strlen(t));
                bbuf_put_str(b, "</pre>");
            }
            bbuf_put_str(b, "</div>\n");
        }
        if (g->num_advice > 0) {
            bbuf_put_str(b, "</div>\n");
        }
        bbuf_put_str(b, "</div>\n");
    }
}

int
report_write_html(const struct report *r, FILE *f)
{
    struct bbuf b, tmp;
    uint8_t digest[CRYPTO_SHA256_LEN];
    const char *L = r->lang;
    int rc = 0;

    if (!crypto_sha256(digest, page_css, sizeof(page_css) - 1)) {
        return -1;
    }
    bbuf_init(&b, HTML_MAX);
    bbuf_init(&tmp, 4u << 20);
    bbuf_printf(&b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                    "<meta charset=\"utf-8\">\n",
                L);
    bbuf_put_str(&b, "<meta http-equiv=\"Content-Security-Policy\" "
                     "content=\"default-src 'none'; style-src 'sha256-");
    base64(&b, digest, sizeof(digest));
    bbuf_put_str(&b, "'; base-uri 'none'; form-action 'none'\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\">\n<title>");
    html_label(&b, r, "title");
    bbuf_put_str(&b, "</title>\n<style>");
    bbuf_put_str(&b, page_css);
    bbuf_put_str(&b, "</style>\n</head>\n<body>\n<h1>");
    html_label(&b, r, "title");
    bbuf_put_str(&b, "</h1>\n<p class=\"summary\">");
    bbuf_printf(&b, "%zu ", r->num_files);
    html_label(&b, r, "files");
    bbuf_put_str(&b, " (");
    for (size_t i = 0; i < r->num_files; i++) {
        if (i > 0) {
            bbuf_put_str(&b, ", ");
        }
        bbuf_put_str(&b, "<code>");
        html_text(&b, r->files[i], strlen(r->files[i]));
        bbuf_put_str(&b, "</code>");
    }
    bbuf_printf(&b, "), %zu ", r->lines);
    html_label(&b, r, "lines");
    bbuf_printf(&b, ", %zu ", r->num_recs);
    html_label(&b, r, "records");
    bbuf_printf(&b, ", %zu ", r->num_bad);
    html_label(&b, r, "bad_lines");
    bbuf_printf(&b, ", %zu ", r->filtered_out);
    html_label(&b, r, "filtered");
    bbuf_printf(&b, ", %zu ", r->num_groups);
    html_label(&b, r, "clients");
    bbuf_put_str(&b, ".<br>");
    html_label(&b, r, "policy");
    bbuf_put_str(&b, ": ");
    if (r->policy != NULL) {
        html_label(&b, r, "rejudged");
        bbuf_put_str(&b, " <code>");
        html_text(&b, r->policy, strlen(r->policy));
        bbuf_put_str(&b, "</code>");
        if (r->not_rejudged > 0) {
            bbuf_printf(&b, " (%zu ", r->not_rejudged);
            html_label(&b, r, "not_rejudged");
            bbuf_put_str(&b, ")");
        }
    } else {
        html_label(&b, r, "as_recorded");
    }
    if (r->filter_text != NULL) {
        bbuf_put_str(&b, "<br>");
        html_label(&b, r, "filters");
        bbuf_put_str(&b, ": <code>");
        html_text(&b, r->filter_text, strlen(r->filter_text));
        bbuf_put_str(&b, "</code>");
    }
    if (r->now != NULL) {
        bbuf_put_str(&b, "<br>");
        html_label(&b, r, "generated");
        bbuf_put_str(&b, ": ");
        html_text(&b, r->now, strlen(r->now));
    }
    bbuf_put_str(&b, "</p>\n");
    charts(&b, r);
    bbuf_put_str(&b, "<h2>");
    html_label(&b, r, "clients");
    bbuf_put_str(&b, "</h2>\n");
    if (r->num_groups == 0) {
        bbuf_put_str(&b, "<p>");
        html_label(&b, r, "no_records");
        bbuf_put_str(&b, "</p>\n");
    } else {
        client_table(&b, r, &tmp);
        bbuf_put_str(&b, "<h2>");
        html_label(&b, r, "details");
        bbuf_put_str(&b, "</h2>\n");
        client_details(&b, r, &tmp);
    }
    if (r->num_bad > 0) {
        bbuf_put_str(&b, "<h2>");
        html_label(&b, r, "bad_lines");
        bbuf_printf(&b, " (%zu)</h2>\n<ul class=\"bad\">\n", r->num_bad);
        for (size_t i = 0; i < r->num_bad && i < REPORT_MAX_BAD_LISTED;
             i++) {
            const struct rp_bad *x = &r->bad[i];
            bbuf_put_str(&b, "<li><code>");
            html_text(&b, r->files[x->file], strlen(r->files[x->file]));
            bbuf_printf(&b, ":%zu</code>: %s", x->line, x->why);
            if (x->detail[0] != '\0') {
                bbuf_put_str(&b, " (");
                html_text(&b, x->detail, strlen(x->detail));
                bbuf_put_str(&b, ")");
            }
            bbuf_put_str(&b, "</li>\n");
        }
        bbuf_put_str(&b, "</ul>\n");
    }
    bbuf_put_str(&b, "</body>\n</html>\n");
    if (b.overflow || fwrite(b.data, 1, b.len, f) != b.len) {
        rc = -1;
    }
    bbuf_cleanup(&b);
    bbuf_cleanup(&tmp);
    return rc;
}
