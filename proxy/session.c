/*
 * session.c - test mode, one connection from accept to record.
 *
 * Phases:
 *   PLAIN   the IMAP/POP3/SMTP stage (proxy/mailproto.c answers) until the
 *           client asks for STARTTLS, quits, or a limit/timeout ends it;
 *   HELLO   reading the ClientHello however it arrives, within max_hello
 *           and timeout_hello;
 *   TLS     finish=handshake/office365: an mbedTLS handshake with the client
 *           (proxy/crypto_tls.c), stopping at the first encrypted record;
 *   DRAIN   the final bytes are written, our side is half-closed, and we
 *           read (and discard) what the client still sends until it closes
 *           or timeout_drain passes. Closing with unread input makes Linux
 *           send RST instead of FIN, and the client might never see our
 *           alert (measured; see DESIGN.md "Pitfalls").
 *
 * Plain read(2)/write(2) on the socket with three events instead of
 * bufferevents: a test-mode attempt moves a few hundred bytes, and owning
 * the socket directly makes FIN, RST (SO_LINGER 0) and drain exact.
 * Nothing here blocks; the record is written with one write(2) by the sink.
 */
#include "session.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addrcount.h"
#include "bytes.h"
#include "clienthello.h"
#include "crypto_tls.h"
#include "log.h"
#include "mailproto.h"
#include "tlsrec.h"

#define SESSION_READ_CHUNK 16384
/* Replies we queue are small; a client that never reads is cut off here. */
#define SESSION_OUT_MAX (256 * 1024)

enum phase { PH_PLAIN, PH_HELLO, PH_TLS, PH_DRAIN, PH_DONE };

struct session {
    struct app_conn conn;     /* first: the app's list of connections */
    struct app *app;
    struct app_listener *l;
    const struct listener_conf *p;
    int fd;
    struct event *ev_read;
    struct event *ev_write;
    struct event *ev_timer;
    enum phase phase;
    bool read_eof;
    bool close_after_write;   /* then half-close and drain */
    bool reset_after_write;
    bool dead;                /* ended; freed from the timer callback */

    struct mailproto *mp;
    struct bbuf line;         /* plaintext bytes not yet consumed */
    size_t plain_bytes;       /* bytes received before the hello */
    struct bbuf cap;          /* the client's TLS bytes from the start */
    uint8_t *hsbuf;           /* reassembled handshake message */
    size_t hscap;
    struct bbuf out;          /* bytes to send */
    size_t out_off;

    struct crypto_tls_conn *tls;
    bool o365_reject;         /* after the handshake, send the O365 text */
    bool tls_result_taken;

    struct attempt a;
    bool recorded;

};

static void session_read_cb(evutil_socket_t fd, short what, void *arg);
static void session_write_cb(evutil_socket_t fd, short what, void *arg);
static void session_timer_cb(evutil_socket_t fd, short what, void *arg);
static void session_end(struct session *s, enum attempt_end end);

static void
session_arm_timer(struct session *s, unsigned ms)
{
    struct timeval tv;

    tv.tv_sec = ms / 1000;
    tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    evtimer_add(s->ev_timer, &tv);
}

static void
session_free_conn(struct app_conn *c)
{
    session_free((struct session *)c);
}

/* session_record writes the attempt's one record; later calls do nothing. */
static void
session_record(struct session *s)
{
    if (s->recorded) {
        return;
    }
    s->recorded = true;
    if (s->a.end == END_NONE) {
        /* Freed before its outcome was known: tlsready is exiting. */
        s->a.end = END_SHUTDOWN;
    }
    clock_gettime(CLOCK_REALTIME, &s->a.t_end);
    app_record(s->app, &s->a, s->p->policy);
}

void
session_free(struct session *s)
{
    if (s == NULL) {
        return;
    }
    session_record(s);
    if (s->ev_read != NULL) {
        event_free(s->ev_read);
        s->ev_read = NULL;
    }
    if (s->ev_write != NULL) {
        event_free(s->ev_write);
        s->ev_write = NULL;
    }
    if (s->ev_timer != NULL) {
        event_free(s->ev_timer);
        s->ev_timer = NULL;
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    mailproto_free(s->mp);
    s->mp = NULL;
    crypto_tls_conn_free(s->tls);
    s->tls = NULL;
    bbuf_cleanup(&s->line);
    bbuf_cleanup(&s->cap);
    bbuf_cleanup(&s->out);
    free(s->hsbuf);
    s->hsbuf = NULL;
    app_conn_closed(s->app, &s->conn);
    free(s);
}

/*
 * session_kill ends the session from inside a callback chain: the socket
 * events stop now, and the memory is freed from a zero-timeout activation
 * of our own timer, so no caller up the stack touches freed memory (the
 * "free later" rule from STYLE.md §5.3).
 */
static void
session_kill(struct session *s)
{
    if (s->dead) {
        return;
    }
    s->dead = true;
    s->phase = PH_DONE;
    session_record(s);
    event_del(s->ev_read);
    event_del(s->ev_write);
    evtimer_del(s->ev_timer);
    event_active(s->ev_timer, EV_TIMEOUT, 1);
}

/* ---- output ---- */

/* session_flush writes what is queued; true when everything went out. */
static bool
session_flush(struct session *s)
{
    while (s->out_off < s->out.len) {
        /*
         * Our last bytes (an alert) are followed by shutdown(SHUT_WR):
         * MSG_MORE lets the kernel send them in one segment with the FIN.
         */
        ssize_t n = send(s->fd, s->out.data + s->out_off,
                         s->out.len - s->out_off,
                         MSG_NOSIGNAL |
                             (s->close_after_write ? MSG_MORE : 0));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                event_add(s->ev_write, NULL);
                return false;
            }
            /* The client is gone; nothing more to deliver. */
            s->out_off = s->out.len;
            s->read_eof = true;
            return true;
        }
        s->a.bytes_out += (uint64_t)n;
        s->out_off += (size_t)n;
    }
    bbuf_reset(&s->out);
    s->out_off = 0;
    return true;
}

/*
 * session_after_output runs once queued bytes are out: a final reply is
 * followed by a half-close and drain, or by a reset.
 */
static void
session_after_output(struct session *s)
{
    if (s->reset_after_write) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        /* SO_LINGER 0 makes close() send RST: the "reset" finish. */
        if (setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) != 0) {
            log_debug("%s: SO_LINGER: %s", __func__, strerror(errno));
        }
        session_kill(s);
        return;
    }
    if (s->close_after_write && s->phase != PH_DRAIN) {
        s->phase = PH_DRAIN;
        shutdown(s->fd, SHUT_WR);
        if (s->read_eof) {
            session_kill(s);
            return;
        }
        evtimer_del(s->ev_timer);
        session_arm_timer(s, APP_DRAIN_MS);
    }
}

static void
session_send(struct session *s)
{
    if (s->out.overflow) {
        /* A client that does not read its replies: stop talking to it. */
        s->a.end = s->a.end != END_NONE ? s->a.end : END_LIMIT;
        s->close_after_write = true;
        bbuf_reset(&s->out);
        s->out_off = 0;
    }
    if (session_flush(s)) {
        session_after_output(s);
    }
}

static void
session_write_cb(evutil_socket_t fd, short what, void *arg)
{
    struct session *s = arg;

    session_send(s);
}

/* ---- ending ---- */

static const uint8_t *
alert_bytes(uint8_t out[7], uint16_t record_version, uint8_t desc)
{
    out[0] = TLSREC_ALERT;
    out[1] = (uint8_t)(record_version >> 8);
    out[2] = (uint8_t)(record_version & 0xff);
    out[3] = 0;
    out[4] = 2;
    out[5] = 2; /* fatal */
    out[6] = desc;
    return out;
}

/*
 * session_queue_alert queues the fatal alert a TLS-1.2-minimum OpenSSL
 * server sends (KNOWLEDGE.md §8.2, checked against openssl s_server
 * -min_protocol TLSv1.2): protocol_version (70) when the client tops out
 * below the minimum, handshake_failure (40) otherwise; the record version
 * mirrors the hello's client_version (OpenSSL sets s->version from the
 * hello before sending), clamped to SSL 3.0..TLS 1.2 as record versions go.
 */
static void
session_queue_alert(struct session *s)
{
    const struct clienthello *ch = &s->a.ch;
    uint16_t min = s->p->policy != NULL ? s->p->policy->min_version
                                        : TLSV_TLS12;
    uint16_t rv = ch->legacy_version;
    uint8_t desc = 40;
    uint8_t rec[7];

    if (tls_version_rank(ch->highest_version) < tls_version_rank(min)) {
        desc = 70;
    }
    if (rv < TLSV_SSL3 || rv > TLSV_TLS12) {
        rv = rv > TLSV_TLS12 ? TLSV_TLS12 : TLSV_SSL3;
    }
    bbuf_put(&s->out, alert_bytes(rec, rv, desc), sizeof(rec));
    if (s->a.num_alerts < ATTEMPT_MAX_ALERTS) {
        struct attempt_alert *al = &s->a.alerts[s->a.num_alerts++];
        al->from_server = true;
        al->level = 2;
        al->description = desc;
    }
}

/*
 * session_end fixes how the attempt ended and starts the orderly close:
 * pending replies are flushed, then half-close and drain.
 */
static void
session_end(struct session *s, enum attempt_end end)
{
    if (s->a.end == END_NONE) {
        s->a.end = end;
    }
    if (s->phase == PH_DRAIN || s->phase == PH_DONE) {
        session_record(s);
        return;
    }
    if (s->read_eof && s->out_off >= s->out.len) {
        session_kill(s); /* records */
        return;
    }
    /*
     * The client gets its answer (the alert) before we spend time on the
     * record, so judging and rendering overlap with its own work.
     */
    s->close_after_write = true;
    session_send(s);
    if (!s->dead) {
        session_record(s);
    }
}

/* ---- the handshake finish ---- */

static void
session_tls_result(struct session *s)
{
    const struct crypto_tls_result *r;

    if (s->tls == NULL || s->tls_result_taken) {
        return;
    }
    s->tls_result_taken = true;
    r = crypto_tls_conn_result(s->tls);
    if (r->version != 0) {
        s->a.have_server_hello = true;
        s->a.server_version = r->version;
        s->a.server_suite = r->suite;
    }
    if (r->client_alert && s->a.num_alerts < ATTEMPT_MAX_ALERTS) {
        struct attempt_alert *al = &s->a.alerts[s->a.num_alerts++];
        al->from_server = false;
        al->level = r->client_alert_level;
        al->description = r->client_alert_desc;
        al->encrypted = r->client_alert_encrypted;
    }
    if (r->alert_sent && s->a.num_alerts < ATTEMPT_MAX_ALERTS) {
        struct attempt_alert *al = &s->a.alerts[s->a.num_alerts++];
        al->from_server = true;
        al->level = r->alert_sent_level;
        al->description = r->alert_sent_desc;
        al->encrypted = r->alert_sent_encrypted;
    }
    s->a.tls_error = r->error;
}

static void
session_tls_pump(struct session *s)
{
    enum crypto_tls_step st = crypto_tls_conn_step(s->tls, &s->out);

    switch (st) {
    case CT_WANT_INPUT:
        session_send(s);
        return;
    case CT_DONE:
        if (s->o365_reject) {
            struct bbuf text;
            bbuf_init(&text, 1024);
            mailproto_o365_reject(
                s->p->protocol == LPROTO_IMAP   ? MP_IMAP
                : s->p->protocol == LPROTO_POP3 ? MP_POP3
                                             : MP_SMTP,
                &text, "*");
            if (!crypto_tls_conn_write(s->tls, text.data, text.len,
                                       &s->out)) {
                log_debug("%s: could not queue the Office 365 text",
                          __func__);
            }
            bbuf_cleanup(&text);
        }
        if (!crypto_tls_conn_close_notify(s->tls, &s->out)) {
            log_debug("%s: could not queue close_notify", __func__);
        }
        session_tls_result(s);
        session_end(s, END_HANDSHAKE_DONE);
        return;
    case CT_FAILED:
        session_tls_result(s);
        session_end(s, END_HANDSHAKE_FAILED);
        return;
    }
}

static void
session_start_tls(struct session *s)
{
    struct app *app = s->app;
    uint16_t min = s->p->policy != NULL ? s->p->policy->min_version
                                        : TLSV_TLS12;
    uint16_t max = crypto_tls_max_version();

    if (s->p->finish == LFINISH_OFFICE365) {
        /*
         * Office 365 (2022-2026) let a TLS 1.0/1.1 client finish the
         * handshake and then refused it in the protocol (KNOWLEDGE §8.3).
         */
        if (tls_version_rank(s->a.ch.highest_version) <
            tls_version_rank(TLSV_TLS12)) {
            s->o365_reject = s->p->starttls || s->p->protocol == LPROTO_IMAP ||
                             s->p->protocol == LPROTO_POP3 ||
                             s->p->protocol == LPROTO_SMTP;
            min = TLSV_TLS10;
        }
    }
    if (s->p->policy != NULL && s->p->policy->max_version != 0 &&
        s->p->policy->max_version < max) {
        max = s->p->policy->max_version;
    }
    s->tls = app->tls_server != NULL
                 ? crypto_tls_conn_new(app->tls_server, min, max)
                 : NULL;
    if (s->tls == NULL) {
        s->a.tls_error = "handshake_unavailable";
        session_queue_alert(s);
        session_end(s, END_HELLO_CAPTURED);
        return;
    }
    s->phase = PH_TLS;
    crypto_tls_conn_input(s->tls, s->cap.data, s->cap.len);
    session_tls_pump(s);
}

/* ---- the ClientHello ---- */

static void
session_hello_done(struct session *s, const struct tlsrec_hello *h)
{
    struct attempt *a = &s->a;
    enum ch_status st;

    a->have_hello = true;
    a->raw = s->cap.data;
    a->raw_len = h->consumed;
    st = clienthello_parse_hello(&a->ch, h);
    if (st != CH_OK) {
        a->capture_error = ch_status_str(st);
    }
    evtimer_del(s->ev_timer);

    switch (s->p->finish) {
    case LFINISH_ALERT:
        session_queue_alert(s);
        session_end(s, st == CH_OK ? END_HELLO_CAPTURED : END_MALFORMED);
        return;
    case LFINISH_CLOSE:
        session_end(s, st == CH_OK ? END_HELLO_CAPTURED : END_MALFORMED);
        return;
    case LFINISH_RESET:
        s->a.end = st == CH_OK ? END_HELLO_CAPTURED : END_MALFORMED;
        session_record(s);
        s->reset_after_write = true;
        session_send(s);
        return;
    case LFINISH_HANDSHAKE:
    case LFINISH_OFFICE365:
        if (st != CH_OK || h->sslv2) {
            session_queue_alert(s);
            session_end(s, st == CH_OK ? END_HELLO_CAPTURED : END_MALFORMED);
            return;
        }
        session_arm_timer(s, s->p->timeout_hello * 1000u);
        session_start_tls(s);
        return;
    }
}

/* session_hello_input scans the capture so far; true when it ended. */
static void
session_hello_input(struct session *s)
{
    struct tlsrec_hello h;
    enum tlsrec_status st;

    st = tlsrec_scan_hello(&h, s->hsbuf, s->hscap, s->cap.data, s->cap.len,
                           s->p->max_hello);
    switch (st) {
    case TLSREC_NEED_MORE:
        if (s->cap.overflow) {
            session_end(s, END_TOO_BIG);
        }
        return;
    case TLSREC_OK:
        session_hello_done(s, &h);
        return;
    case TLSREC_NOT_TLS:
        s->a.capture_error = tlsrec_status_str(st);
        session_end(s, s->a.implicit_tls && s->a.num_commands == 0 &&
                               !s->a.starttls_requested
                           ? END_PLAINTEXT_ON_TLS_PORT
                           : END_NOT_TLS);
        return;
    case TLSREC_TOO_BIG:
        s->a.capture_error = tlsrec_status_str(st);
        session_end(s, END_TOO_BIG);
        return;
    case TLSREC_MALFORMED:
        s->a.capture_error = h.error != NULL ? h.error : "malformed";
        session_end(s, END_MALFORMED);
        return;
    }
}

static void
session_begin_hello(struct session *s)
{
    s->phase = PH_HELLO;
    evtimer_del(s->ev_timer);
    session_arm_timer(s, s->p->timeout_hello * 1000u);
}

/* ---- the plaintext stage ---- */

static void
session_copy_facts(struct session *s)
{
    const struct mp_facts *f = mailproto_facts(s->mp);
    struct attempt *a = &s->a;

    a->num_commands = f->num_commands;
    a->starttls_requested = f->starttls_requested;
    if (f->plaintext_login_attempted && !a->plaintext_login) {
        a->plaintext_login = true;
        snprintf(a->plaintext_login_cmd, sizeof(a->plaintext_login_cmd),
                 "%s", f->login_command);
    }
    attempt_set_hint(a->ehlo_name, &a->ehlo_name_len, f->hello_name,
                     f->hello_name_len);
    mailproto_id_to_attempt(f, a);
}

static void session_capture(struct session *s, const uint8_t *p, size_t n);

static void
session_plain_input(struct session *s, const uint8_t *p, size_t n)
{
    enum mp_action act;
    size_t consumed = 0;

    /*
     * A ClientHello as the very first bytes on a STARTTLS port: the
     * client's account is set to SSL/TLS where STARTTLS is expected. Its
     * hello is worth capturing all the same.
     */
    if (s->line.len == 0 && s->a.num_commands == 0 &&
        tlsrec_looks_like_tls(p, n)) {
        s->a.tls_on_starttls_port = true;
        session_begin_hello(s);
        session_capture(s, p, n);
        return;
    }
    if (!bbuf_put(&s->line, p, n)) {
        session_end(s, END_LIMIT);
        return;
    }
    /*
     * mailproto stops early when `out` is short of room for a reply, so
     * feed until it ends the stage or consumes nothing more.
     */
    for (;;) {
        size_t used = 0;
        act = mailproto_feed(s->mp, &s->out, s->line.data + consumed,
                             s->line.len - consumed, &used);
        consumed += used;
        if (act != MP_CONTINUE || used == 0) {
            break;
        }
    }
    session_copy_facts(s);
    switch (act) {
    case MP_CONTINUE:
        break;
    case MP_START_TLS: {
        size_t left = s->line.len - consumed;
        const uint8_t *rest = s->line.data + consumed;
        bool tls = tlsrec_looks_like_tls(rest, left);
        s->a.starttls_requested = true;
        if (left > 0) {
            /*
             * Bytes sent together with STARTTLS are never acted on
             * (RFC 3207 §4.2, CVE-2011-0411). If they already are the
             * hello (a client that does not wait), capture them;
             * otherwise they are evidence only.
             */
            s->a.pipelined_after_starttls = left;
            s->a.pipelined_was_tls = tls;
        }
        session_send(s);
        if (s->dead) {
            return;
        }
        session_begin_hello(s);
        if (left > 0 && tls) {
            uint8_t *copy = malloc(left);
            if (copy == NULL) {
                session_end(s, END_LIMIT);
                return;
            }
            memcpy(copy, rest, left);
            bbuf_reset(&s->line);
            session_capture(s, copy, left);
            free(copy);
        } else {
            bbuf_reset(&s->line);
        }
        return;
    }
    case MP_CLOSE:
        session_end(s, END_CLIENT_QUIT);
        return;
    case MP_LIMIT:
        session_end(s, END_LIMIT);
        return;
    }
    /* Keep the unconsumed tail (a partial line) for the next read. */
    if (consumed > 0) {
        size_t left = s->line.len - consumed;
        memmove(s->line.data, s->line.data + consumed, left);
        s->line.len = left;
    }
    session_send(s);
}

static void
session_capture(struct session *s, const uint8_t *p, size_t n)
{
    size_t room = s->p->max_hello + 5 * TLSREC_MAX_RECORDS;

    s->a.tcp_reads++;
    if (s->cap.len + n > room) {
        /* Keep what fits: the scan then reports too_big or need_more. */
        size_t fit = room > s->cap.len ? room - s->cap.len : 0;
        bbuf_put(&s->cap, p, fit);
        s->cap.overflow = true;
    } else {
        bbuf_put(&s->cap, p, n);
    }
    session_hello_input(s);
}

/* ---- events ---- */

static void
session_input(struct session *s, const uint8_t *p, size_t n)
{
    s->a.bytes_in += n;
    switch (s->phase) {
    case PH_PLAIN:
        s->plain_bytes += n;
        if (s->plain_bytes > s->p->max_preread) {
            session_end(s, END_LIMIT);
            return;
        }
        session_plain_input(s, p, n);
        return;
    case PH_HELLO:
        session_capture(s, p, n);
        return;
    case PH_TLS:
        crypto_tls_conn_input(s->tls, p, n);
        session_tls_pump(s);
        return;
    case PH_DRAIN:
    case PH_DONE:
        return; /* discarded: never read after the hello */
    }
}

static void
session_eof(struct session *s)
{
    s->read_eof = true;
    event_del(s->ev_read);
    switch (s->phase) {
    case PH_PLAIN:
        session_end(s, END_CLIENT_CLOSED);
        return;
    case PH_HELLO:
        if (s->cap.len > 0 && !s->a.have_hello) {
            s->a.capture_error = "truncated";
        }
        session_end(s, END_CLIENT_CLOSED);
        return;
    case PH_TLS:
        crypto_tls_conn_input_eof(s->tls);
        if (crypto_tls_conn_step(s->tls, &s->out) == CT_DONE) {
            session_tls_result(s);
            session_end(s, END_HANDSHAKE_DONE);
            return;
        }
        session_tls_result(s);
        if (s->a.tls_error == NULL) {
            s->a.tls_error = "client_closed";
        }
        session_end(s, END_HANDSHAKE_FAILED);
        return;
    case PH_DRAIN:
    case PH_DONE:
        if (s->out_off >= s->out.len) {
            session_kill(s);
        }
        return;
    }
}

static void
session_read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct session *s = arg;
    uint8_t buf[SESSION_READ_CHUNK];

    for (int rounds = 0; rounds < 4; rounds++) {
        ssize_t n = read(s->fd, buf, sizeof(buf));
        if (n > 0) {
            session_input(s, buf, (size_t)n);
            if (s->dead) {
                return;
            }
            if ((size_t)n < sizeof(buf)) {
                return;
            }
            continue;
        }
        if (n == 0) {
            session_eof(s);
            return;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        }
        session_eof(s); /* ECONNRESET and friends: the client is gone */
        return;
    }
}

static void
session_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct session *s = arg;

    if (s->dead) {
        session_free(s);
        return;
    }
    switch (s->phase) {
    case PH_PLAIN:
        session_end(s, s->a.starttls_requested ? END_TIMEOUT_HELLO
                                               : END_TIMEOUT_PLAINTEXT);
        return;
    case PH_HELLO:
        if (s->cap.len > 0) {
            s->a.capture_error = "truncated";
        }
        session_end(s, END_TIMEOUT_HELLO);
        return;
    case PH_TLS:
        session_tls_result(s);
        s->a.tls_error = "timeout";
        session_end(s, END_HANDSHAKE_FAILED);
        return;
    case PH_DRAIN:
    case PH_DONE:
        session_kill(s);
        return;
    }
}

static enum mp_proto
session_mp_proto(enum listener_proto p)
{
    if (p == LPROTO_IMAP) {
        return MP_IMAP;
    }
    if (p == LPROTO_POP3) {
        return MP_POP3;
    }
    return MP_SMTP;
}

/*
 * copy_name copies a NUL-terminated name, truncated to fit: what
 * snprintf("%s") did here, without the format machinery on every accept.
 */
static void
copy_name(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

void
session_describe_peer(struct attempt *a, const struct sockaddr *peer)
{
    if (peer->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)peer;
        inet_ntop(AF_INET, &in->sin_addr, a->peer_addr, sizeof(a->peer_addr));
        a->peer_port = ntohs(in->sin_port);
    } else if (peer->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)peer;
        inet_ntop(AF_INET6, &in6->sin6_addr, a->peer_addr,
                  sizeof(a->peer_addr));
        a->peer_port = ntohs(in6->sin6_port);
    } else {
        snprintf(a->peer_addr, sizeof(a->peer_addr), "unknown");
    }
}

void
session_start(struct app_listener *l, int fd, const struct sockaddr *peer,
              socklen_t peer_len)
{
    struct app *app = l->app;
    const struct listener_conf *p = l->c;
    struct session *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        addrcount_dec(app->per_addr, peer);
        close(fd);
        return;
    }
    s->app = app;
    s->l = l;
    s->p = p;
    s->fd = fd;
    s->a.id = ++app->next_id;
    clock_gettime(CLOCK_REALTIME, &s->a.t_start);
    copy_name(s->a.listener, sizeof(s->a.listener), p->name);
    copy_name(s->a.mode, sizeof(s->a.mode), config_mode_str(p->mode));
    copy_name(s->a.protocol, sizeof(s->a.protocol),
              config_proto_str(p->protocol));
    s->a.implicit_tls = !p->starttls;
    s->a.starttls_offered = p->starttls;
    s->a.finish = config_finish_str(p->finish);
    session_describe_peer(&s->a, peer);
    s->a.local_port = config_listen_port(p);

    /* Link first, so session_free() can always unlink it. */
    app_conn_add(app, &s->conn, session_free_conn, peer, peer_len);

    bbuf_init(&s->line, p->max_line + SESSION_READ_CHUNK);
    bbuf_init(&s->cap, p->max_hello + 5 * TLSREC_MAX_RECORDS);
    bbuf_init(&s->out, SESSION_OUT_MAX);
    s->hscap = p->max_hello;
    s->hsbuf = malloc(s->hscap);
    s->ev_read = event_new(app->base, fd, EV_READ | EV_PERSIST,
                           session_read_cb, s);
    s->ev_write = event_new(app->base, fd, EV_WRITE, session_write_cb, s);
    s->ev_timer = evtimer_new(app->base, session_timer_cb, s);
    if (s->hsbuf == NULL || s->ev_read == NULL || s->ev_write == NULL ||
        s->ev_timer == NULL) {
        s->a.end = END_LIMIT;
        s->a.capture_error = "out_of_memory";
        session_free(s);
        return;
    }

    if (p->starttls) {
        struct mp_opts o = {
            .max_line = p->max_line,
            .max_commands = p->max_commands,
            .hostname = p->hostname,
            .starttls_offered = true,
        };
        s->mp = mailproto_new(session_mp_proto(p->protocol), &o);
        if (s->mp == NULL) {
            s->a.end = END_LIMIT;
            s->a.capture_error = "out_of_memory";
            session_free(s);
            return;
        }
        s->phase = PH_PLAIN;
        mailproto_greeting(s->mp, &s->out);
        session_arm_timer(s, p->timeout_plaintext * 1000u);
    } else {
        s->phase = PH_HELLO;
        session_arm_timer(s, p->timeout_hello * 1000u);
    }
    event_add(s->ev_read, NULL);
    if (s->out.len > 0) {
        session_send(s);
    }
}
