/*
 * record.c - render struct attempt as the JSON record (doc/records.md).
 * Field order is stable so records diff well; optional groups are omitted
 * rather than written as empty objects, except "verdict", always present.
 */
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "advice.h"
#include "hello_json.h"
#include "story.h"
#include "json.h"
#include "names.h"
#include "verdict.h"

static void
put_digits(char *o, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void
record_time_iso(char buf[64], const struct timespec *ts)
{
    struct tm tm;
    time_t t = ts->tv_sec;

    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, 64, "1970-01-01T00:00:00.000Z");
        return;
    }
    if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        snprintf(buf, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000L);
        return;
    }
    /* Every record has one: fixed-width digits without printf. */
    put_digits(buf, (unsigned)(tm.tm_year + 1900), 4);
    buf[4] = '-';
    put_digits(buf + 5, (unsigned)(tm.tm_mon + 1), 2);
    buf[7] = '-';
    put_digits(buf + 8, (unsigned)tm.tm_mday, 2);
    buf[10] = 'T';
    put_digits(buf + 11, (unsigned)tm.tm_hour, 2);
    buf[13] = ':';
    put_digits(buf + 14, (unsigned)tm.tm_min, 2);
    buf[16] = ':';
    put_digits(buf + 17, (unsigned)tm.tm_sec, 2);
    buf[19] = '.';
    put_digits(buf + 20, (unsigned)(ts->tv_nsec / 1000000L) % 1000u, 3);
    buf[23] = 'Z';
    buf[24] = '\0';
}

static void
put_hint(struct jw *w, const char *key, const uint8_t *p, size_t n)
{
    if (n == 0) {
        return;
    }
    jw_kv_strn(w, key, p, n);
}

static void
put_version(struct jw *w, const char *key, uint16_t v)
{
    struct name_buf nb;

    jw_key(w, key);
    jw_obj_begin(w);
    jw_kv_hex16(w, "id", v);
    jw_kv_str(w, "name", names_version(v, &nb));
    jw_obj_end(w);
}

static void
put_plaintext(struct jw *w, const struct attempt *a)
{
    jw_key(w, "plaintext");
    jw_obj_begin(w);
    jw_kv_bool(w, "starttls_offered", a->starttls_offered);
    jw_kv_bool(w, "starttls_requested", a->starttls_requested);
    jw_kv_uint(w, "commands", a->num_commands);
    jw_key(w, "plaintext_login");
    jw_obj_begin(w);
    jw_kv_bool(w, "attempted", a->plaintext_login);
    if (a->plaintext_login) {
        jw_kv_str(w, "command", a->plaintext_login_cmd);
    }
    jw_obj_end(w);
    jw_kv_bool(w, "tls_on_starttls_port", a->tls_on_starttls_port);
    jw_kv_uint(w, "pipelined_after_starttls", a->pipelined_after_starttls);
    if (a->pipelined_after_starttls > 0) {
        jw_kv_bool(w, "pipelined_was_tls", a->pipelined_was_tls);
    }
    put_hint(w, "ehlo", a->ehlo_name, a->ehlo_name_len);
    if (a->id_name_len + a->id_version_len + a->id_os_len +
            a->id_os_version_len >
        0) {
        jw_key(w, "imap_id");
        jw_obj_begin(w);
        put_hint(w, "name", a->id_name, a->id_name_len);
        put_hint(w, "version", a->id_version, a->id_version_len);
        put_hint(w, "os", a->id_os, a->id_os_len);
        put_hint(w, "os-version", a->id_os_version, a->id_os_version_len);
        jw_obj_end(w);
    }
    put_hint(w, "user_agent", a->user_agent, a->user_agent_len);
    put_hint(w, "target", a->target, a->target_len);
    jw_obj_end(w);
}

static void
put_server(struct jw *w, const struct attempt *a)
{
    struct name_buf nb;

    if (!a->have_server_hello && a->num_alerts == 0 && a->tls_error == NULL) {
        return;
    }
    jw_key(w, "server");
    jw_obj_begin(w);
    if (a->have_server_hello) {
        put_version(w, "version", a->server_version);
        jw_key(w, "suite");
        jw_obj_begin(w);
        jw_kv_hex16(w, "id", a->server_suite);
        jw_kv_str(w, "name", names_suite(a->server_suite, &nb));
        jw_obj_end(w);
    }
    jw_key(w, "alerts");
    jw_arr_begin(w);
    for (size_t i = 0; i < a->num_alerts && i < ATTEMPT_MAX_ALERTS; i++) {
        const struct attempt_alert *al = &a->alerts[i];
        jw_obj_begin(w);
        jw_kv_str(w, "from", al->from_server ? "server" : "client");
        if (al->encrypted) {
            jw_kv_bool(w, "encrypted", true);
        } else {
            jw_kv_str(w, "level", names_alert_level(al->level, &nb));
            jw_kv_uint(w, "code", al->description);
            jw_kv_str(w, "description", names_alert(al->description, &nb));
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (a->tls_error != NULL) {
        jw_kv_str(w, "tls_error", a->tls_error);
    }
    jw_obj_end(w);
}

/*
 * put_relay (relay/proxy modes, owned by the relay work): the upstream,
 * the real server's STARTTLS answer and refusal text, whether the
 * handshake got past the point where encryption starts, and who closed.
 */
static void
put_relay(struct jw *w, const struct attempt *a)
{
    const struct attempt_relay *r = &a->relay;

    if (!r->active) {
        return;
    }
    jw_key(w, "relay");
    jw_obj_begin(w);
    if (r->upstream[0] != '\0') {
        jw_kv_str(w, "upstream", r->upstream);
    }
    if (r->upstream_addr[0] != '\0') {
        jw_kv_str(w, "upstream_addr", r->upstream_addr);
    }
    if (r->upstream_error != NULL) {
        jw_kv_str(w, "upstream_error", r->upstream_error);
    }
    if (r->front_error != NULL) {
        jw_kv_str(w, "proxy_error", r->front_error);
    }
    if (r->proxy_status >= 0) {
        jw_kv_int(w, "proxy_status", r->proxy_status);
    }
    jw_kv_bool(w, "starttls_accepted", r->starttls_accepted);
    if (r->starttls_refused) {
        jw_kv_bool(w, "starttls_refused", true);
    }
    put_hint(w, "server_reject", r->server_reject, r->server_reject_len);
    jw_kv_bool(w, "handshake_finished", r->handshake_finished);
    jw_kv_str(w, "closed_first",
              r->closed_first != NULL ? r->closed_first : "none");
    if (r->spliced) {
        jw_kv_bool(w, "spliced", true);
    }
    jw_obj_end(w);
}

void
record_put_verdict(struct jw *w, const struct attempt *a, const char *lang)
{
    const struct attempt_verdict *v = &a->verdict;

    jw_obj_begin(w);
    jw_kv_str(w, "result", verdict_kind_str(v->kind));
    jw_kv_str(w, "policy", v->policy != NULL ? v->policy : "none");
    if (v->summary_code != NULL) {
        jw_kv_str(w, "summary", v->summary_code);
        jw_kv_str(w, "text", verdict_reason_text(v->summary_code, lang));
    }
    jw_key(w, "reasons");
    jw_arr_begin(w);
    for (size_t i = 0; i < v->num_reasons && i < ATTEMPT_MAX_REASONS; i++) {
        jw_obj_begin(w);
        jw_kv_str(w, "code", v->reasons[i]);
        jw_kv_str(w, "text", verdict_reason_text(v->reasons[i], lang));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "client");
    jw_obj_begin(w);
    if (v->client_family != NULL) {
        jw_kv_str(w, "family", v->client_family);
        jw_kv_str(w, "detail", v->client_detail);
        jw_kv_str(w, "os", v->client_os);
        jw_kv_str(w, "source", v->client_source);
        jw_kv_str(w, "confidence", v->client_confidence);
    } else {
        jw_kv_str(w, "family", "unknown");
    }
    jw_obj_end(w);
    jw_key(w, "advice");
    jw_arr_begin(w);
    for (size_t i = 0; i < v->num_advice && i < ATTEMPT_MAX_ADVICE; i++) {
        const struct advice *ad = advice_get(v->advice[i]);
        jw_obj_begin(w);
        jw_kv_str(w, "id", v->advice[i]);
        if (ad != NULL) {
            jw_kv_str(w, "title", advice_title(ad, lang));
            jw_kv_str(w, "text", advice_text(ad, lang));
            jw_kv_str(w, "source", ad->source);
            if (ad->uncertain) {
                jw_kv_bool(w, "uncertain", true);
            }
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

/*
 * put_hello_summary is the reduced hello for a record that would not fit:
 * the facts the verdict rests on, without the long lists.
 */
static void
put_hello_summary(struct jw *w, const struct clienthello *ch, size_t raw_len)
{
    struct name_buf nb;

    jw_kv_hex16(w, "client_version", ch->legacy_version);
    jw_key(w, "versions");
    jw_arr_begin(w);
    for (size_t i = 0; i < ch->num_versions && i < CH_MAX_VERSIONS; i++) {
        jw_str(w, names_version(ch->versions[i], &nb));
    }
    jw_arr_end(w);
    put_version(w, "highest_version", ch->highest_version);
    jw_kv_uint(w, "num_cipher_suites", bcur_left(&ch->cipher_suites) / 2);
    jw_kv_uint(w, "num_extensions", ch->num_extensions);
    jw_kv_uint(w, "raw_len", raw_len);
}

static void
put_record(struct jw *w, const struct attempt *a, const char *lang,
           bool reduced)
{
    char ts[64];
    long long ms;

    jw_obj_begin(w);
    jw_kv_int(w, "schema", RECORD_SCHEMA);
    jw_kv_uint(w, "id", a->id);
    record_time_iso(ts, &a->t_start);
    jw_kv_str(w, "time", ts);
    ms = (long long)(a->t_end.tv_sec - a->t_start.tv_sec) * 1000 +
         (a->t_end.tv_nsec - a->t_start.tv_nsec) / 1000000;
    jw_kv_int(w, "duration_ms", ms < 0 ? 0 : ms);
    jw_kv_str(w, "listener", a->listener);
    jw_kv_str(w, "mode", a->mode);
    jw_kv_str(w, "protocol", a->protocol);
    jw_kv_bool(w, "implicit_tls", a->implicit_tls);
    jw_key(w, "peer");
    jw_obj_begin(w);
    jw_kv_str(w, "addr", a->peer_addr);
    jw_kv_uint(w, "port", a->peer_port);
    jw_obj_end(w);
    jw_kv_uint(w, "local_port", a->local_port);
    put_plaintext(w, a);
    if (a->have_hello) {
        jw_key(w, "hello");
        jw_obj_begin(w);
        if (reduced) {
            put_hello_summary(w, &a->ch, a->raw_len);
        } else {
            /*
             * A well-formed hello's bytes are in raw_hex below, so its
             * SHA-256 (the largest hash of an attempt: ~9 blocks) is left
             * to whoever needs it; a malformed one keeps raw_sha256, as
             * DESIGN.md lists it for observations.
             */
            bool ok = a->ch.status == CH_OK && a->capture_error == NULL;
            hello_json_put_client_fp(w, &a->ch, a->fp, ok ? NULL : a->raw,
                                     ok ? 0 : a->raw_len);
            if (ok) {
                jw_kv_uint(w, "raw_len", a->raw_len);
            }
        }
        /*
         * The bytes as received (record headers included), so a record
         * can be decoded again or re-judged under another policy later
         * (`tlsready report --policy`, `tlsready decode --hex`).
         */
        if (a->raw != NULL && a->raw_len > 0) {
            jw_key(w, "raw_hex");
            jw_hex(w, a->raw, a->raw_len);
        }
        jw_obj_end(w);
    }
    if (a->capture_error != NULL) {
        jw_kv_str(w, "capture_error", a->capture_error);
    }
    jw_kv_uint(w, "tcp_reads", a->tcp_reads);
    put_server(w, a);
    put_relay(w, a);
    jw_kv_str(w, "end", attempt_end_str(a->end));
    jw_kv_str(w, "finish", a->finish != NULL ? a->finish : "none");
    jw_kv_uint(w, "bytes_in", a->bytes_in);
    jw_kv_uint(w, "bytes_out", a->bytes_out);
    if (a->story_id != 0) {
        jw_key(w, "story");
        jw_obj_begin(w);
        jw_kv_uint(w, "id", a->story_id);
        jw_kv_uint(w, "seq", a->story_seq);
        if (a->story != NULL) {
            jw_key(w, "summary");
            story_json(a->story, w, lang);
        }
        jw_obj_end(w);
    }
    jw_key(w, "verdict");
    record_put_verdict(w, a, lang);
    if (reduced) {
        jw_kv_bool(w, "truncated", true);
    }
    jw_obj_end(w);
}

bool
record_render(struct bbuf *out, const struct attempt *a, const char *lang)
{
    struct jw w;

    bbuf_reset(out);
    jw_init(&w, out);
    put_record(&w, a, lang, false);
    if (jw_ok(&w)) {
        return true;
    }
    bbuf_reset(out);
    jw_init(&w, out);
    put_record(&w, a, lang, true);
    return jw_ok(&w);
}
