/*
 * dashboard.c - the read-only live dashboard (see dashboard.h for the
 * routes, doc/dashboard.md for the design).
 *
 * It runs on the app's own event loop. Records arrive through the
 * app->on_record hook as the JSON lines the sink writes; the last
 * DASH_RING_RECORDS of them (and at most DASH_RING_BYTES) are kept in a
 * ring, so the page and the API never read the records file. Record lines
 * come from our own JSON writer (probes/json.c): they are one line of
 * valid JSON in which '<', '>' and '&' are already \u escapes, so they can
 * be passed on inside API answers and event-stream data as they are.
 *
 * Limits: request headers (DASH_MAX_HEADERS) and bodies (DASH_MAX_BODY),
 * an idle/IO timeout (DASH_TIMEOUT_S), at most DASH_MAX_CONNS connections
 * (counted here: libevent 2.1 has no evhttp_set_max_connections) and
 * DASH_MAX_SSE event streams; a stream that cannot keep up is dropped.
 * Only GET and HEAD are served; other methods are let through evhttp only
 * so that they can be answered 405 with an Allow header (evhttp itself
 * would say 501).
 */
#include "dashboard.h"

#include <arpa/inet.h>
#include <sys/queue.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "advice.h"
#include "crypto.h"
#include "dashboard_page.h"
#include "json.h"
#include "record.h"
#include "sink.h"
#include "verdict.h"

#define DASH_API_MAX (32u * 1024 * 1024)
#define DASH_LIMIT_DEFAULT 100
#define DASH_MAX_KINDS 32

struct dash_entry {
    uint64_t id;
    enum verdict_kind kind;
    char listener[ATTEMPT_NAME_MAX];
    char *json;
    size_t len;
};

struct dash_series {
    char listener[ATTEMPT_NAME_MAX];
    char protocol[16];
    enum verdict_kind kind;
    char version[24];
    uint64_t n;
};

struct dash_kind {
    char kind[48];
    uint64_t n;
};

struct dash_sse {
    struct evhttp_request *req;
    struct evhttp_connection *evcon;
};

struct dashboard {
    struct app *app;
    const struct tr_config *cfg;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct event *heartbeat;
    bool freeing;
    /* The hook that was installed before us. */
    void (*prev_hook)(void *, const struct attempt *, const char *, size_t);
    void *prev_arg;
    /* Ring of recent records: oldest at `head`. */
    struct dash_entry ring[DASH_RING_RECORDS];
    size_t head;
    size_t count;
    size_t bytes;
    /* Counters since start. */
    uint64_t seen;
    uint64_t by_kind[4];
    size_t num_series;
    uint64_t series_dropped;
    struct dash_series series[DASH_MAX_SERIES];
    size_t num_kinds;
    struct dash_kind limit_kinds[DASH_MAX_KINDS];
    /* Connections and streams. */
    size_t num_conns;
    struct evhttp_connection *conns[DASH_MAX_CONNS];
    size_t num_sse;
    struct dash_sse sse[DASH_MAX_SSE];
    uint64_t conns_refused;
};

/* ---- the ring ---------------------------------------------------------- */

static struct dash_entry *
ring_at(struct dashboard *d, size_t i)
{
    return &d->ring[(d->head + i) % DASH_RING_RECORDS];
}

static void
ring_drop_oldest(struct dashboard *d)
{
    struct dash_entry *e = ring_at(d, 0);

    d->bytes -= e->len;
    free(e->json);
    memset(e, 0, sizeof(*e));
    d->head = (d->head + 1) % DASH_RING_RECORDS;
    d->count--;
}

static void
ring_push(struct dashboard *d, const struct attempt *a, const char *json,
          size_t len)
{
    struct dash_entry *e;
    char *copy;

    if (len > RECORD_MAX || len > DASH_RING_BYTES) {
        return;
    }
    copy = malloc(len + 1);
    if (copy == NULL) {
        return;
    }
    memcpy(copy, json, len);
    copy[len] = '\0';
    while (d->count > 0 &&
           (d->count == DASH_RING_RECORDS ||
            d->bytes + len > DASH_RING_BYTES)) {
        ring_drop_oldest(d);
    }
    e = ring_at(d, d->count);
    e->id = a->id;
    e->kind = a->verdict.kind;
    snprintf(e->listener, sizeof(e->listener), "%s", a->listener);
    e->json = copy;
    e->len = len;
    d->count++;
    d->bytes += len;
}

/* ---- counters ---------------------------------------------------------- */

static void
count_attempt(struct dashboard *d, const struct attempt *a)
{
    char ver[24];
    const char *kind = NULL;
    size_t i;

    d->seen++;
    d->by_kind[(size_t)a->verdict.kind < 4 ? a->verdict.kind : 0]++;
    if (a->have_hello && verdict_highest_offered(&a->ch) != 0) {
        snprintf(ver, sizeof(ver), "%s",
                 verdict_version_str(verdict_highest_offered(&a->ch)));
    } else {
        snprintf(ver, sizeof(ver), "none");
    }
    for (i = 0; i < d->num_series; i++) {
        struct dash_series *s = &d->series[i];
        if (s->kind == a->verdict.kind &&
            strncmp(s->listener, a->listener, sizeof(s->listener)) == 0 &&
            strncmp(s->protocol, a->protocol, sizeof(s->protocol)) == 0 &&
            strcmp(s->version, ver) == 0) {
            s->n++;
            break;
        }
    }
    if (i == d->num_series) {
        if (d->num_series < DASH_MAX_SERIES) {
            struct dash_series *s = &d->series[d->num_series++];
            snprintf(s->listener, sizeof(s->listener), "%s", a->listener);
            snprintf(s->protocol, sizeof(s->protocol), "%s", a->protocol);
            snprintf(s->version, sizeof(s->version), "%s", ver);
            s->kind = a->verdict.kind;
            s->n = 1;
        } else {
            d->series_dropped++;
        }
    }
    if (a->end == END_REFUSED || a->end == END_LIMIT ||
        a->end == END_TOO_BIG) {
        kind = a->capture_error != NULL ? a->capture_error
                                        : attempt_end_str(a->end);
        for (i = 0; i < d->num_kinds; i++) {
            if (strcmp(d->limit_kinds[i].kind, kind) == 0) {
                d->limit_kinds[i].n++;
                break;
            }
        }
        if (i == d->num_kinds && d->num_kinds < DASH_MAX_KINDS) {
            snprintf(d->limit_kinds[i].kind, sizeof(d->limit_kinds[i].kind),
                     "%s", kind);
            d->limit_kinds[i].n = 1;
            d->num_kinds++;
        }
    }
}

/* ---- connections and event streams ------------------------------------- */

static void
sse_remove_at(struct dashboard *d, size_t i)
{
    d->sse[i] = d->sse[d->num_sse - 1];
    d->num_sse--;
}

static void
dash_conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
    struct dashboard *d = arg;

    if (d->freeing) {
        return;
    }
    for (size_t i = 0; i < d->num_sse;) {
        if (d->sse[i].evcon == evcon) {
            struct evhttp_request *req = d->sse[i].req;
            sse_remove_at(d, i);
            /*
             * When the client went away mid-stream, libevent 2.1 detaches
             * the unfinished request from the connection and leaves it to
             * us (evhttp_connection_incoming_fail); ending the reply then
             * frees it. A request still attached is freed with the
             * connection.
             */
            if (evhttp_request_get_connection(req) == NULL) {
                evhttp_send_reply_end(req);
            }
        } else {
            i++;
        }
    }
    for (size_t i = 0; i < d->num_conns; i++) {
        if (d->conns[i] == evcon) {
            d->conns[i] = d->conns[--d->num_conns];
            break;
        }
    }
}

/*
 * conn_admit counts a connection the first time one of its requests is
 * seen; false when DASH_MAX_CONNS are already open.
 */
static bool
conn_admit(struct dashboard *d, struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);

    if (evcon == NULL) {
        return false;
    }
    for (size_t i = 0; i < d->num_conns; i++) {
        if (d->conns[i] == evcon) {
            return true;
        }
    }
    if (d->num_conns >= DASH_MAX_CONNS) {
        d->conns_refused++;
        return false;
    }
    d->conns[d->num_conns++] = evcon;
    evhttp_connection_set_closecb(evcon, dash_conn_close_cb, d);
    return true;
}

/* sse_send queues `buf` to stream i; drops the stream when it lags. */
static bool
sse_send(struct dashboard *d, size_t i, const char *data, size_t len)
{
    struct bufferevent *bev =
        evhttp_connection_get_bufferevent(d->sse[i].evcon);
    struct evbuffer *out;

    if (bev != NULL &&
        evbuffer_get_length(bufferevent_get_output(bev)) >
            DASH_SSE_MAX_PENDING) {
        struct dash_sse s = d->sse[i];
        sse_remove_at(d, i);
        evhttp_send_reply_end(s.req);
        return false;
    }
    out = evbuffer_new();
    if (out == NULL) {
        return true;
    }
    evbuffer_add(out, data, len);
    evhttp_send_reply_chunk(d->sse[i].req, out);
    evbuffer_free(out);
    return true;
}

static void
sse_broadcast(struct dashboard *d, uint64_t id, const char *json, size_t len)
{
    struct bbuf b;

    if (d->num_sse == 0) {
        return;
    }
    bbuf_init(&b, RECORD_MAX + 128);
    bbuf_printf(&b, "id: %llu\nevent: record\ndata: ", (unsigned long long)id);
    bbuf_put(&b, json, len);
    bbuf_put_str(&b, "\n\n");
    if (!b.overflow) {
        for (size_t i = 0; i < d->num_sse;) {
            if (sse_send(d, i, (const char *)b.data, b.len)) {
                i++;
            }
        }
    }
    bbuf_cleanup(&b);
}

static void
dash_heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
    struct dashboard *d = arg;
    static const char ping[] = ": keep-alive\n\n";

    for (size_t i = 0; i < d->num_sse;) {
        if (sse_send(d, i, ping, sizeof(ping) - 1)) {
            i++;
        }
    }
}

/* ---- the record hook --------------------------------------------------- */

static void
dash_on_record(void *arg, const struct attempt *a, const char *json,
               size_t len)
{
    struct dashboard *d = arg;

    if (d->prev_hook != NULL) {
        d->prev_hook(d->prev_arg, a, json, len);
    }
    count_attempt(d, a);
    ring_push(d, a, json, len);
    sse_broadcast(d, a->id, json, len);
}

/* ---- replies ----------------------------------------------------------- */

static void
set_common_headers(struct evhttp_request *req, const char *type)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Type", type);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; script-src 'self'; "
                      "style-src 'self'; img-src 'self'; "
                      "connect-src 'self'; object-src 'none'; "
                      "base-uri 'none'; form-action 'none'; "
                      "frame-ancestors 'none'");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "Cache-Control", "no-store");
}

static void
reply(struct evhttp_request *req, int code, const char *reason,
      const char *type, const void *body, size_t len)
{
    struct evbuffer *out = evbuffer_new();

    set_common_headers(req, type);
    if (out != NULL && len > 0) {
        evbuffer_add(out, body, len);
    }
    evhttp_send_reply(req, code, reason, out);
    if (out != NULL) {
        evbuffer_free(out);
    }
}

static void
reply_error(struct evhttp_request *req, int code, const char *reason)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

    reply(req, code, reason, "text/plain; charset=utf-8", body,
          n > 0 ? (size_t)n : 0);
}

static void
reply_bbuf(struct evhttp_request *req, const char *type, struct bbuf *b)
{
    if (b->overflow) {
        reply_error(req, 500, "Internal Server Error");
        return;
    }
    reply(req, 200, "OK", type, b->data, b->len);
}

/* ---- query strings ----------------------------------------------------- */

/* parse_u64 reads a decimal number (1..20 digits, nothing else). */
static bool
parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t n = 0;

    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (; s[n] != '\0'; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 19) {
            return false;
        }
        v = v * 10 + (uint64_t)(s[n] - '0');
    }
    *out = v;
    return true;
}

struct rec_query {
    int kind;                 /* -1: any */
    const char *listener;     /* NULL: any */
    uint64_t limit;
    uint64_t since_id;
};

static bool
parse_rec_query(struct evkeyvalq *q, struct rec_query *rq)
{
    const char *v;

    rq->kind = -1;
    rq->listener = NULL;
    rq->limit = DASH_LIMIT_DEFAULT;
    rq->since_id = 0;
    v = evhttp_find_header(q, "verdict");
    if (v != NULL) {
        static const enum verdict_kind ks[] = {VERDICT_PASS, VERDICT_WARN,
                                               VERDICT_FAIL, VERDICT_UNKNOWN};
        for (size_t i = 0; i < 4; i++) {
            if (strcmp(v, verdict_kind_str(ks[i])) == 0) {
                rq->kind = (int)ks[i];
            }
        }
        if (rq->kind < 0) {
            return false;
        }
    }
    v = evhttp_find_header(q, "listener");
    if (v != NULL) {
        if (strlen(v) >= ATTEMPT_NAME_MAX) {
            return false;
        }
        rq->listener = v;
    }
    v = evhttp_find_header(q, "limit");
    if (v != NULL && (!parse_u64(v, &rq->limit) || rq->limit == 0)) {
        return false;
    }
    if (rq->limit > DASH_RING_RECORDS) {
        rq->limit = DASH_RING_RECORDS;
    }
    v = evhttp_find_header(q, "since_id");
    if (v != NULL && !parse_u64(v, &rq->since_id)) {
        return false;
    }
    return true;
}

static bool
entry_matches(const struct dash_entry *e, const struct rec_query *rq)
{
    return e->id > rq->since_id &&
           (rq->kind < 0 || (int)e->kind == rq->kind) &&
           (rq->listener == NULL ||
            strncmp(e->listener, rq->listener, sizeof(e->listener)) == 0);
}

/* ---- handlers ---------------------------------------------------------- */

static void
h_records(struct dashboard *d, struct evhttp_request *req,
          const struct evhttp_uri *uri)
{
    struct evkeyvalq q;
    struct rec_query rq;
    struct bbuf b;
    struct jw w;
    const char *qs = evhttp_uri_get_query(uri);
    size_t first, matched = 0;
    uint64_t last_id = 0;

    TAILQ_INIT(&q);
    if ((qs != NULL && evhttp_parse_query_str(qs, &q) != 0) ||
        !parse_rec_query(&q, &rq)) {
        evhttp_clear_headers(&q);
        reply_error(req, 400, "Bad Request");
        return;
    }
    /* Walk back from the newest to find where the last `limit` start. */
    first = d->count;
    while (first > 0 && matched < rq.limit) {
        first--;
        if (entry_matches(ring_at(d, first), &rq)) {
            matched++;
        }
    }
    bbuf_init(&b, DASH_API_MAX);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "records");
    jw_arr_begin(&w);
    for (size_t i = first; i < d->count; i++) {
        const struct dash_entry *e = ring_at(d, i);
        if (entry_matches(e, &rq)) {
            jw_raw(&w, e->json, e->len);
        }
    }
    jw_arr_end(&w);
    if (d->count > 0) {
        last_id = ring_at(d, d->count - 1)->id;
    }
    jw_kv_uint(&w, "last_id", last_id);
    jw_kv_uint(&w, "kept", d->count);
    jw_obj_end(&w);
    evhttp_clear_headers(&q);
    reply_bbuf(req, "application/json; charset=utf-8", &b);
    bbuf_cleanup(&b);
}

static void
h_attempt(struct dashboard *d, struct evhttp_request *req, const char *idstr)
{
    uint64_t id;

    if (!parse_u64(idstr, &id)) {
        reply_error(req, 404, "Not Found");
        return;
    }
    for (size_t i = 0; i < d->count; i++) {
        const struct dash_entry *e = ring_at(d, i);
        if (e->id == id) {
            reply(req, 200, "OK", "application/json; charset=utf-8",
                  e->json, e->len);
            return;
        }
    }
    reply_error(req, 404, "Not Found");
}

static void
h_stats(struct dashboard *d, struct evhttp_request *req)
{
    const struct app_stats *st = &d->app->stats;
    struct bbuf b;
    struct jw w;

    bbuf_init(&b, 64 * 1024);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kv_str(&w, "version", TLSREADY_VERSION);
    jw_kv_str(&w, "lang", d->app->lang != NULL ? d->app->lang : "en");
    jw_kv_uint(&w, "attempts", st->attempts);
    jw_key(&w, "by_verdict");
    jw_obj_begin(&w);
    jw_kv_uint(&w, "pass", st->by_verdict[VERDICT_PASS]);
    jw_kv_uint(&w, "warn", st->by_verdict[VERDICT_WARN]);
    jw_kv_uint(&w, "fail", st->by_verdict[VERDICT_FAIL]);
    jw_kv_uint(&w, "unknown", st->by_verdict[VERDICT_UNKNOWN]);
    jw_obj_end(&w);
    jw_kv_uint(&w, "open_connections", st->open);
    jw_kv_uint(&w, "refused", st->refused);
    jw_kv_uint(&w, "limits_hit", st->limits_hit);
    jw_kv_uint(&w, "records_written",
               d->app->sink != NULL ? sink_written(d->app->sink) : d->seen);
    jw_kv_uint(&w, "kept", d->count);
    jw_kv_uint(&w, "event_streams", d->num_sse);
    jw_key(&w, "listeners");
    jw_arr_begin(&w);
    for (size_t i = 0; i < d->app->num_listeners; i++) {
        const struct listener_conf *c = d->app->listeners[i].c;
        jw_obj_begin(&w);
        jw_kv_str(&w, "name", c->name);
        jw_kv_str(&w, "protocol", config_proto_str(c->protocol));
        jw_kv_str(&w, "mode", config_mode_str(c->mode));
        jw_kv_str(&w, "listen", c->listen_text);
        jw_kv_str(&w, "policy", c->policy->name);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    reply_bbuf(req, "application/json; charset=utf-8", &b);
    bbuf_cleanup(&b);
}

static void
h_advice(struct dashboard *d, struct evhttp_request *req)
{
    const char *lang = d->app->lang != NULL ? d->app->lang : "en";
    size_t n = 0;
    const struct advice *all = advice_all(&n);
    struct bbuf b;
    struct jw w;

    bbuf_init(&b, 4u * 1024 * 1024);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jw_key(&w, all[i].id);
        jw_obj_begin(&w);
        jw_kv_str(&w, "title", advice_title(&all[i], lang));
        jw_kv_str(&w, "text", advice_text(&all[i], lang));
        jw_kv_bool(&w, "uncertain", all[i].uncertain);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    reply_bbuf(req, "application/json; charset=utf-8", &b);
    bbuf_cleanup(&b);
}

/*
 * prom_label writes a label value escaped as the text format requires
 * (backslash, double quote and line feed; exposition format 0.0.4).
 */
static void
prom_label(struct bbuf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\\') {
            bbuf_put_str(b, "\\\\");
        } else if (*s == '"') {
            bbuf_put_str(b, "\\\"");
        } else if (*s == '\n') {
            bbuf_put_str(b, "\\n");
        } else {
            bbuf_put_u8(b, (uint8_t)*s);
        }
    }
}

static void
h_metrics(struct dashboard *d, struct evhttp_request *req)
{
    const struct app_stats *st = &d->app->stats;
    struct bbuf b;

    bbuf_init(&b, 4u * 1024 * 1024);
    bbuf_put_str(&b, "# HELP tlsready_build_info Build information.\n"
                     "# TYPE tlsready_build_info gauge\n"
                     "tlsready_build_info{version=\"");
    prom_label(&b, TLSREADY_VERSION);
    bbuf_put_str(&b, "\",mbedtls=\"");
    prom_label(&b, crypto_version());
    bbuf_put_str(&b, "\"} 1\n");
    bbuf_put_str(&b, "# HELP tlsready_attempts_total Connection attempts "
                     "recorded since start, by listener, protocol, verdict "
                     "and highest TLS version offered.\n"
                     "# TYPE tlsready_attempts_total counter\n");
    for (size_t i = 0; i < d->num_series; i++) {
        const struct dash_series *s = &d->series[i];
        bbuf_put_str(&b, "tlsready_attempts_total{listener=\"");
        prom_label(&b, s->listener);
        bbuf_put_str(&b, "\",protocol=\"");
        prom_label(&b, s->protocol);
        bbuf_printf(&b, "\",verdict=\"%s\",highest_version=\"",
                    verdict_kind_str(s->kind));
        prom_label(&b, s->version);
        bbuf_printf(&b, "\"} %llu\n", (unsigned long long)s->n);
    }
    bbuf_printf(&b,
                "# HELP tlsready_attempts_unlabelled_total Attempts not "
                "broken down because the label sets were full.\n"
                "# TYPE tlsready_attempts_unlabelled_total counter\n"
                "tlsready_attempts_unlabelled_total %llu\n",
                (unsigned long long)d->series_dropped);
    bbuf_printf(&b,
                "# HELP tlsready_open_connections Client connections open "
                "now.\n# TYPE tlsready_open_connections gauge\n"
                "tlsready_open_connections %llu\n",
                (unsigned long long)st->open);
    bbuf_put_str(&b, "# HELP tlsready_limits_hit_total Attempts ended by a "
                     "limit, by kind.\n"
                     "# TYPE tlsready_limits_hit_total counter\n");
    for (size_t i = 0; i < d->num_kinds; i++) {
        bbuf_put_str(&b, "tlsready_limits_hit_total{kind=\"");
        prom_label(&b, d->limit_kinds[i].kind);
        bbuf_printf(&b, "\"} %llu\n",
                    (unsigned long long)d->limit_kinds[i].n);
    }
    bbuf_printf(&b,
                "# HELP tlsready_records_written_total Records written to "
                "the records file.\n"
                "# TYPE tlsready_records_written_total counter\n"
                "tlsready_records_written_total %llu\n",
                (unsigned long long)(d->app->sink != NULL
                                         ? sink_written(d->app->sink)
                                         : d->seen));
    bbuf_printf(&b,
                "# HELP tlsready_dashboard_event_streams Event-stream "
                "clients connected now.\n"
                "# TYPE tlsready_dashboard_event_streams gauge\n"
                "tlsready_dashboard_event_streams %zu\n",
                d->num_sse);
    reply_bbuf(req, "text/plain; version=0.0.4; charset=utf-8", &b);
    bbuf_cleanup(&b);
}

static void
h_events(struct dashboard *d, struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *last = evhttp_find_header(in, "Last-Event-ID");
    uint64_t since = 0;
    size_t slot;

    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
        reply(req, 200, "OK", "text/event-stream", NULL, 0);
        return;
    }
    if (d->num_sse >= DASH_MAX_SSE) {
        evhttp_add_header(h, "Retry-After", "5");
        reply_error(req, 503, "Service Unavailable");
        return;
    }
    set_common_headers(req, "text/event-stream; charset=utf-8");
    evhttp_send_reply_start(req, 200, "OK");
    slot = d->num_sse++;
    d->sse[slot].req = req;
    d->sse[slot].evcon = evhttp_request_get_connection(req);
    if (!sse_send(d, slot, "retry: 2000\n\n", 13)) {
        return;
    }
    /* A reconnecting client says where it was: replay what it missed. */
    if (last != NULL && parse_u64(last, &since)) {
        for (size_t i = 0; i < d->count; i++) {
            const struct dash_entry *e = ring_at(d, i);
            struct bbuf b;
            bool ok;
            if (e->id <= since) {
                continue;
            }
            bbuf_init(&b, RECORD_MAX + 128);
            bbuf_printf(&b, "id: %llu\nevent: record\ndata: ",
                        (unsigned long long)e->id);
            bbuf_put(&b, e->json, e->len);
            bbuf_put_str(&b, "\n\n");
            ok = b.overflow || sse_send(d, slot, (const char *)b.data, b.len);
            bbuf_cleanup(&b);
            if (!ok) {
                return;
            }
        }
    }
}

static void
dash_gencb(struct evhttp_request *req, void *arg)
{
    struct dashboard *d = arg;
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;

    if (!conn_admit(d, req)) {
        evhttp_add_header(evhttp_request_get_output_headers(req),
                          "Connection", "close");
        reply_error(req, 503, "Service Unavailable");
        return;
    }
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
                          "GET, HEAD");
        reply_error(req, 405, "Method Not Allowed");
        return;
    }
    if (path == NULL || path[0] == '\0') {
        path = "/";
    }
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        reply(req, 200, "OK", "text/html; charset=utf-8", dash_page_html,
              sizeof(dash_page_html) - 1);
    } else if (strcmp(path, "/app.js") == 0) {
        reply(req, 200, "OK", "text/javascript; charset=utf-8", dash_page_js,
              sizeof(dash_page_js) - 1);
    } else if (strcmp(path, "/app.css") == 0) {
        reply(req, 200, "OK", "text/css; charset=utf-8", dash_page_css,
              sizeof(dash_page_css) - 1);
    } else if (strcmp(path, "/api/records") == 0) {
        h_records(d, req, uri);
    } else if (strncmp(path, "/api/attempt/", 13) == 0) {
        h_attempt(d, req, path + 13);
    } else if (strcmp(path, "/api/stats") == 0) {
        h_stats(d, req);
    } else if (strcmp(path, "/api/advice") == 0) {
        h_advice(d, req);
    } else if (strcmp(path, "/api/events") == 0) {
        h_events(d, req);
    } else if (strcmp(path, "/metrics") == 0) {
        h_metrics(d, req);
    } else if (strcmp(path, "/favicon.ico") == 0) {
        reply(req, 204, "No Content", "image/x-icon", NULL, 0);
    } else {
        reply_error(req, 404, "Not Found");
    }
}

/* ---- start and stop ---------------------------------------------------- */

uint16_t
dashboard_port(const struct dashboard *d)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    evutil_socket_t fd;

    if (d == NULL || d->sock == NULL) {
        return 0;
    }
    fd = evhttp_bound_socket_get_fd(d->sock);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        return 0;
    }
    if (ss.ss_family == AF_INET) {
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    if (ss.ss_family == AF_INET6) {
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return 0;
}

struct dashboard *
dashboard_start(struct app *app, const struct tr_config *cfg, char *err,
                size_t errlen)
{
    struct dashboard *d;
    struct evconnlistener *lev;
    struct timeval hb = {DASH_SSE_HEARTBEAT_S, 0};

    if (!cfg->global.dashboard_enabled) {
        snprintf(err, errlen, "the dashboard is off");
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->app = app;
    d->cfg = cfg;
    d->http = evhttp_new(app->base);
    if (d->http == NULL) {
        snprintf(err, errlen, "out of memory");
        free(d);
        return NULL;
    }
    evhttp_set_allowed_methods(d->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS |
                                            EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(d->http, DASH_MAX_HEADERS);
    evhttp_set_max_body_size(d->http, DASH_MAX_BODY);
    evhttp_set_timeout(d->http, DASH_TIMEOUT_S);
    evhttp_set_gencb(d->http, dash_gencb, d);
    lev = evconnlistener_new_bind(
        app->base, NULL, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        64, (const struct sockaddr *)&cfg->global.dashboard_addr,
        (int)cfg->global.dashboard_addr_len);
    if (lev == NULL) {
        snprintf(err, errlen, "cannot listen on %s: %s",
                 cfg->global.dashboard_text,
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        evhttp_free(d->http);
        free(d);
        return NULL;
    }
    d->sock = evhttp_bind_listener(d->http, lev);
    d->heartbeat = event_new(app->base, -1, EV_PERSIST, dash_heartbeat_cb,
                             d);
    if (d->sock == NULL || d->heartbeat == NULL) {
        snprintf(err, errlen, "out of memory");
        if (d->heartbeat != NULL) {
            event_free(d->heartbeat);
        }
        evhttp_free(d->http);
        free(d);
        return NULL;
    }
    event_add(d->heartbeat, &hb);
    d->prev_hook = app->on_record;
    d->prev_arg = app->on_record_arg;
    app->on_record = dash_on_record;
    app->on_record_arg = d;
    return d;
}

void
dashboard_free(struct dashboard *d)
{
    if (d == NULL) {
        return;
    }
    if (d->app->on_record == dash_on_record && d->app->on_record_arg == d) {
        d->app->on_record = d->prev_hook;
        d->app->on_record_arg = d->prev_arg;
    }
    d->freeing = true;
    if (d->heartbeat != NULL) {
        event_free(d->heartbeat);
        d->heartbeat = NULL;
    }
    for (size_t i = 0; i < d->num_sse; i++) {
        evhttp_send_reply_end(d->sse[i].req);
    }
    d->num_sse = 0;
    if (d->http != NULL) {
        evhttp_free(d->http); /* closes connections and the listener */
        d->http = NULL;
    }
    while (d->count > 0) {
        ring_drop_oldest(d);
    }
    free(d);
}
