/*
 * relay.c - relay mode and the proxy front doors (HTTP CONNECT, SOCKS5).
 *
 * One struct relay per client connection owns two sockets (client, server)
 * and moves every byte between them unchanged. While the connection is
 * young it also looks at what passes: the plaintext mail dialog up to
 * STARTTLS (proxy/relay_watch.c), the ClientHello (probes/tlsrec.h), the
 * ServerHello and alerts (probes/serverhello.h), and every TLS record
 * header until both sides have switched to encryption. Then it stops
 * looking, frees what looking needed, and only moves bytes.
 *
 * Phases: FRONT (proxy request, HTTP CONNECT or SOCKS5) -> CONNECT
 * (resolve without blocking, connect with a timeout) -> RELAY -> DONE; a
 * failed upstream or a refused request goes to DRAIN (reply, half-close,
 * read what the client still sends, then close: DESIGN.md "Pitfalls").
 *
 * The pipe (DESIGN.md "Pitfalls": a bufferevent relay ran at 0.4x nginx):
 *   - one edge-triggered event per socket (read, write and EPOLLRDHUP),
 *     added once when the socket is made and never changed, so a relayed
 *     connection costs two epoll_ctl calls; each socket keeps a "may hold
 *     unread bytes" flag, a read runs until the socket is empty (a short
 *     read, EAGAIN or EOF) and a read that has to stop early (backpressure,
 *     fairness, a phase that does not read yet) is resumed by activating
 *     the event by hand;
 *   - reads of up to RELAY_SCRATCH bytes into one shared buffer, written
 *     to the other side at once in the same callback;
 *   - only what the other side does not take is copied into a backlog
 *     allocated on demand and freed when it drains; reading stops only when
 *     the backlog reaches RELAY_BACKLOG_MAX;
 *   - after the handshake, splice(2) through a pipe borrowed from a small
 *     pool for as long as bytes sit in it (TLSREADY_SPLICE=0 turns it off);
 *   - an idle connection holds no buffer and no pipe: the struct, its
 *     embedded events and the ClientHello bytes for its record.
 * The idle timer is not re-armed per read: reads note the time, and the
 * timer re-arms itself for the remainder when it fires early.
 * The sender's FIN is taken in the same callback as its last bytes when
 * epoll said RDHUP; the last half-close of a connection is the close().
 * A relay that ends inside one of its own callbacks is freed when that
 * callback returns; elsewhere from a zero-timeout activation of its timer.
 *
 * A connection is one record, written when it ends (relay facts in
 * attempt.relay; the hello is parsed again from its raw bytes then, so no
 * parse state is kept while the connection lives).
 */
#define _GNU_SOURCE 1 /* splice(2), pipe2(2), F_SETPIPE_SZ */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addrcount.h"
#include "clienthello.h"
#include "connect_parse.h"
#include "log.h"
#include "relay_watch.h"
#include "serverhello.h"
#include "session.h"
#include "tlsrec.h"

/* One read; shared by every relay (one loop, one read at a time). */
#define RELAY_SCRATCH (128 * 1024)
/* Backlog per direction before we stop reading the sender. */
#define RELAY_BACKLOG_MAX (256 * 1024)
/* Resume reading once the backlog is below this. */
#define RELAY_BACKLOG_LOW (64 * 1024)
/* Bytes per direction we look at before giving up on the handshake. */
#define RELAY_WATCH_MAX (256 * 1024)
/* Server bytes kept to find the ServerHello. */
#define RELAY_SCAP_MAX (64 * 1024)
/* A SOCKS5 dialog before the request is complete. */
#define RELAY_SOCKS_MAX 1024
/* IMAP ID arguments kept for the record (RFC 2971 clients: a few hundred). */
#define RELAY_ID_ARGS_MAX 4096
/* Reads per callback before letting other connections run. */
#define RELAY_READ_ROUNDS 4
/* splice(2) per call, and pipes kept for reuse. */
#define RELAY_SPLICE_CHUNK (1024 * 1024)
#define RELAY_PIPE_POOL 64
#define RELAY_PIPE_SIZE (256 * 1024)
/* Bytes spliced per callback before letting other connections run (about
 * one pipe-full: a busy transfer must not delay new connections). */
#define RELAY_SPLICE_BUDGET RELAY_PIPE_SIZE

enum rphase { RP_FRONT, RP_CONNECT, RP_RELAY, RP_DRAIN, RP_DONE };
enum rwatch { W_NONE, W_LINES, W_TLS };
enum { C2S = 0, S2C = 1 };

struct relay_pipe {
    int fd[2];
};

struct relay_ctx {
    struct event_base *base;
    struct evdns_base *dns;
    uint8_t *scratch;          /* RELAY_SCRATCH */
    uint8_t *hsbuf;            /* reassembly for hello scans */
    size_t hscap;
    bool splice_on;
    size_t num_pipes;
    struct relay_pipe pipes[RELAY_PIPE_POOL];
    /* Relays whose reads stopped for fairness, resumed after the next poll
     * (event_active alone would run them again before epoll is asked). */
    struct event ev_kick;
    bool kick_armed;
    struct relay *kick_head;
};

/* A bounded copy of a peer string kept for the record (NULL when empty). */
struct rhint {
    uint8_t *p;
    size_t n;
};

struct rdir {
    uint8_t *buf;              /* backlog, RELAY_BACKLOG_MAX when allocated */
    size_t off;
    size_t len;
    bool eof;                  /* the sender closed its side */
    bool shut;                 /* we half-closed the receiver */
    bool paused;               /* reading the sender stopped (backpressure) */
    bool rd_ready;             /* the sender may hold unread bytes (an edge
                                  came that was not read to the end) */
    bool rdhup;                /* the sender's FIN is known (EPOLLRDHUP) */
    enum rwatch watch;
    struct bbuf line;          /* W_LINES: partial line */
    struct bbuf cap;           /* W_TLS: bytes from the start of TLS */
    bool cap_done;             /* hello found; the walker takes over */
    struct rw_tls walk;
    size_t alerts_taken;       /* walker alerts already copied */
    size_t watched;
    struct relay_pipe pipe;    /* splice: borrowed while bytes sit in it */
    size_t pipe_len;
    bool has_pipe;
};

struct relay {
    struct app_conn conn;      /* first: the app's list of connections */
    struct app *app;
    struct relay_ctx *ctx;
    const struct listener_conf *p;
    int cfd;
    int sfd;
    /* One edge-triggered event per socket, added once for its lifetime. */
    struct event ev_c, ev_s, ev_timer;
    bool c_ev;                 /* ev_c added */
    bool s_ev;                 /* ev_s added */
    uint8_t kick_dirs;         /* in ctx->kick_head: 1 << direction */
    struct relay *kick_prev, *kick_next;
    enum rphase phase;
    bool dead;
    bool recorded;
    struct rdir d[2];
    struct rw_mail *mail;      /* plaintext dialog, until TLS */
    enum listener_proto proto; /* effective (proxy: from the port) */
    bool starttls;             /* plaintext stage expected */
    struct timeval last;       /* last byte moved */
    unsigned idle_s;

    /* Front door. */
    struct bbuf front;
    struct s5_state *s5;
    struct evdns_getaddrinfo_request *dns_req;
    bool dns_pending;
    char host[CP_HOST_MAX + 1];
    uint16_t port;
    struct bbuf reply;         /* small replies to the client */

    /* Compact facts for the record (struct attempt is built at the end). */
    uint64_t id;
    struct timespec t_start;
    uint16_t local_port;
    bool implicit_tls;
    bool starttls_offered, starttls_requested, starttls_accepted;
    bool starttls_refused, tls_on_starttls_port, pipelined_was_tls;
    size_t num_commands;
    size_t pipelined;
    const char *login_verb;
    struct rhint ehlo, reject, ua, target;
    struct rhint id_args;      /* the client's first IMAP ID arguments */
    uint8_t *raw;              /* ClientHello bytes as received */
    size_t raw_len;
    size_t tcp_reads;
    const char *capture_error;
    enum attempt_end cap_end;  /* END_TOO_BIG/END_MALFORMED/END_NOT_TLS */
    bool have_sh;
    uint16_t server_version, server_suite;
    size_t num_alerts;
    struct attempt_alert alerts[ATTEMPT_MAX_ALERTS];
    const char *tls_error;
    bool handshake_finished;
    bool spliced;
    const char *upstream_error;
    const char *front_error;
    int proxy_status;
    const char *closed_first;
    struct sockaddr_storage up_addr;
    enum attempt_end end;
    uint64_t bytes_in;         /* client -> server */
    uint64_t bytes_out;        /* server -> client */
};

static void relay_timer_cb(evutil_socket_t fd, short what, void *arg);
static void relay_ev_cb(evutil_socket_t fd, short what, void *arg);
static void relay_connected(struct relay *r, bool check);
static void relay_abort(struct relay *r, bool rst);
static void relay_kick_cb(evutil_socket_t fd, short what, void *arg);
static void relay_front_input(struct relay *r);
static void relay_watch(struct relay *r, int di, const uint8_t *p, size_t n);
static void relay_finish(struct relay *r);

/* ---- context ---- */

static struct relay_ctx *
relay_ctx_get(struct app *app)
{
    struct relay_ctx *ctx = app->relay;
    const char *sp;

    if (ctx != NULL) {
        return ctx;
    }
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        return NULL;
    }
    ctx->base = app->base;
    evtimer_assign(&ctx->ev_kick, app->base, relay_kick_cb, ctx);
    ctx->scratch = malloc(RELAY_SCRATCH);
    ctx->hscap = 65536 + 4;
    ctx->hsbuf = malloc(ctx->hscap);
    if (ctx->scratch == NULL || ctx->hsbuf == NULL) {
        relay_ctx_free(ctx);
        return NULL;
    }
    sp = getenv("TLSREADY_SPLICE");
    ctx->splice_on = !(sp != NULL && sp[0] == '0');
    app->relay = ctx;
    return ctx;
}

void
relay_ctx_free(struct relay_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    event_del(&ctx->ev_kick);
    if (ctx->dns != NULL) {
        evdns_base_free(ctx->dns, 1);
    }
    for (size_t i = 0; i < ctx->num_pipes; i++) {
        close(ctx->pipes[i].fd[0]);
        close(ctx->pipes[i].fd[1]);
    }
    free(ctx->scratch);
    free(ctx->hsbuf);
    free(ctx);
}

static bool
pipe_take(struct relay_ctx *ctx, struct relay_pipe *out)
{
    if (ctx->num_pipes > 0) {
        *out = ctx->pipes[--ctx->num_pipes];
        return true;
    }
    if (pipe2(out->fd, O_NONBLOCK | O_CLOEXEC) != 0) {
        return false;
    }
    /* A bigger pipe moves more per splice pair (best effort). */
    (void)fcntl(out->fd[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
    return true;
}

static void
pipe_give(struct relay_ctx *ctx, struct relay_pipe *pp, bool clean)
{
    if (clean && ctx->num_pipes < RELAY_PIPE_POOL) {
        ctx->pipes[ctx->num_pipes++] = *pp;
    } else {
        close(pp->fd[0]);
        close(pp->fd[1]);
    }
    pp->fd[0] = pp->fd[1] = -1;
}

/* ---- small helpers ---- */

/* rhint_keep keeps the first `n` bytes (at most `cap`) given to `h`. */
static void
rhint_keep(struct rhint *h, const uint8_t *p, size_t n, size_t cap)
{
    if (h->p != NULL || n == 0) {
        return; /* the first one is kept */
    }
    if (n > cap) {
        n = cap;
    }
    h->p = malloc(n);
    if (h->p != NULL) {
        memcpy(h->p, p, n);
        h->n = n;
    }
}

/* rhint_set keeps a record hint: at most ATTEMPT_HINT_MAX bytes. */
static void
rhint_set(struct rhint *h, const uint8_t *p, size_t n)
{
    rhint_keep(h, p, n, ATTEMPT_HINT_MAX);
}

static void
rhint_free(struct rhint *h)
{
    free(h->p);
    h->p = NULL;
    h->n = 0;
}

static int
dst_fd(const struct relay *r, int di)
{
    return di == C2S ? r->sfd : r->cfd;
}

static int
src_fd(const struct relay *r, int di)
{
    return di == C2S ? r->cfd : r->sfd;
}

static struct event *
src_ev(struct relay *r, int di)
{
    return di == C2S ? &r->ev_c : &r->ev_s;
}

/*
 * rd_kick resumes reading the sender of `di` from the loop when it may
 * still hold bytes that no new edge will announce.
 */
static void
rd_kick(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];
    bool added = di == C2S ? r->c_ev : r->s_ev;

    if (added && d->rd_ready && !d->eof && !d->paused && !r->dead) {
        event_active(src_ev(r, di), EV_READ, 1);
    }
}

/*
 * rd_kick_later resumes reading the sender of `di` after the loop has
 * polled again, so a sender that never runs dry cannot starve the others
 * (a ctx-wide zero-timeout timer; timers run after the poll).
 */
static void
rd_kick_later(struct relay *r, int di)
{
    struct relay_ctx *ctx = r->ctx;

    if (r->kick_dirs == 0) {
        r->kick_prev = NULL;
        r->kick_next = ctx->kick_head;
        if (ctx->kick_head != NULL) {
            ctx->kick_head->kick_prev = r;
        }
        ctx->kick_head = r;
    }
    r->kick_dirs |= (uint8_t)(1u << di);
    if (!ctx->kick_armed) {
        struct timeval zero = {0, 0};
        evtimer_add(&ctx->ev_kick, &zero);
        ctx->kick_armed = true;
    }
}

/* rd_kick_unlink takes `r` off the list (it is being freed). */
static void
rd_kick_unlink(struct relay *r)
{
    if (r->kick_dirs == 0) {
        return;
    }
    if (r->kick_prev != NULL) {
        r->kick_prev->kick_next = r->kick_next;
    } else {
        r->ctx->kick_head = r->kick_next;
    }
    if (r->kick_next != NULL) {
        r->kick_next->kick_prev = r->kick_prev;
    }
    r->kick_prev = r->kick_next = NULL;
    r->kick_dirs = 0;
}

static void
relay_kick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct relay_ctx *ctx = arg;
    struct relay *r = ctx->kick_head;

    (void)fd;
    (void)what;
    ctx->kick_armed = false;
    ctx->kick_head = NULL;
    while (r != NULL) {
        struct relay *next = r->kick_next;
        uint8_t dirs = r->kick_dirs;
        r->kick_dirs = 0;
        r->kick_prev = r->kick_next = NULL;
        for (int di = 0; di < 2; di++) {
            if (dirs & (1u << di)) {
                rd_kick(r, di); /* only queues: no callback runs here */
            }
        }
        r = next;
    }
}

/*
 * relay_add_ev registers the socket that reads direction `di` (client:
 * C2S, server: S2C) once, edge-triggered for reading and writing; it stays
 * until the socket is closed. Without it the relay never hears of the
 * socket again, so a failure ends the relay.
 */
static void
relay_add_ev(struct relay *r, int di)
{
    struct event *ev = src_ev(r, di);
    int fd = src_fd(r, di);

    event_assign(ev, r->app->base, fd, EV_READ | EV_WRITE | EV_ET |
                 EV_PERSIST, relay_ev_cb, r);
    if (event_add(ev, NULL) != 0) {
        log_error("%s: cannot watch a socket; connection %llu dropped",
                  __func__, (unsigned long long)r->id);
        relay_abort(r, true);
        return;
    }
    if (di == C2S) {
        r->c_ev = true;
    } else {
        r->s_ev = true;
    }
}

static void
arm_timer(struct relay *r, unsigned ms)
{
    struct timeval tv;

    tv.tv_sec = ms / 1000;
    tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    evtimer_add(&r->ev_timer, &tv);
}

static void
touch(struct relay *r)
{
    event_base_gettimeofday_cached(r->app->base, &r->last);
}

static void
add_alert(struct relay *r, bool from_server, uint8_t level, uint8_t desc,
          bool encrypted)
{
    struct attempt_alert *al;

    if (r->num_alerts >= ATTEMPT_MAX_ALERTS) {
        return;
    }
    al = &r->alerts[r->num_alerts++];
    al->from_server = from_server;
    al->level = level;
    al->description = desc;
    al->encrypted = encrypted;
}

static void
watch_stop(struct rdir *d)
{
    d->watch = W_NONE;
    bbuf_cleanup(&d->line);
    bbuf_cleanup(&d->cap);
}

/* ---- the record ---- */

static void
relay_fill_hello(struct relay *r, struct attempt *a)
{
    struct tlsrec_hello h;
    enum tlsrec_status st;
    enum ch_status cs;

    if (r->raw == NULL) {
        return;
    }
    st = tlsrec_scan_hello(&h, r->ctx->hsbuf, r->ctx->hscap, r->raw,
                           r->raw_len, r->p->max_hello);
    if (st != TLSREC_OK) {
        return;
    }
    a->have_hello = true;
    a->raw = r->raw;
    a->raw_len = h.consumed;
    cs = clienthello_parse_hello(&a->ch, &h);
    if (cs != CH_OK && a->capture_error == NULL) {
        a->capture_error = ch_status_str(cs);
    }
}

static enum attempt_end
relay_end_reason(const struct relay *r, const struct attempt *a)
{
    if (r->end != END_NONE) {
        return r->end;
    }
    if (r->cap_end != END_NONE && !a->have_hello) {
        return r->cap_end;
    }
    if (a->have_hello) {
        return END_RELAYED;
    }
    if (r->closed_first != NULL && strcmp(r->closed_first, "idle_timeout")
                                       == 0) {
        return r->starttls && !r->starttls_requested ? END_TIMEOUT_PLAINTEXT
                                                     : END_TIMEOUT_HELLO;
    }
    if (r->closed_first != NULL && strcmp(r->closed_first, "shutdown") == 0) {
        return END_SHUTDOWN;
    }
    if (r->closed_first != NULL && strcmp(r->closed_first, "client") == 0) {
        return END_CLIENT_CLOSED;
    }
    return END_RELAYED;
}

static void
relay_record(struct relay *r)
{
    struct attempt *a;
    struct attempt_relay *ar;
    const struct listener_conf *p = r->p;

    if (r->recorded) {
        return;
    }
    r->recorded = true;
    a = calloc(1, sizeof(*a));
    if (a == NULL) {
        log_error("%s: out of memory; record %llu lost", __func__,
                  (unsigned long long)r->id);
        return;
    }
    a->id = r->id;
    a->t_start = r->t_start;
    clock_gettime(CLOCK_REALTIME, &a->t_end);
    snprintf(a->listener, sizeof(a->listener), "%s", p->name);
    snprintf(a->mode, sizeof(a->mode), "%s", config_mode_str(p->mode));
    snprintf(a->protocol, sizeof(a->protocol), "%s",
             config_proto_str(r->proto));
    a->implicit_tls = r->implicit_tls;
    a->tls_on_starttls_port = r->tls_on_starttls_port;
    session_describe_peer(a, (const struct sockaddr *)&r->conn.peer);
    a->local_port = r->local_port;
    a->starttls_offered = r->starttls_offered;
    a->starttls_requested = r->starttls_requested;
    if (r->login_verb != NULL) {
        a->plaintext_login = true;
        snprintf(a->plaintext_login_cmd, sizeof(a->plaintext_login_cmd),
                 "%s", r->login_verb);
    }
    a->num_commands = r->num_commands;
    a->pipelined_after_starttls = r->pipelined;
    a->pipelined_was_tls = r->pipelined_was_tls;
    attempt_set_hint(a->ehlo_name, &a->ehlo_name_len, r->ehlo.p, r->ehlo.n);
    if (r->id_args.p != NULL) {
        /* Malformed or cut at RELAY_ID_ARGS_MAX: the pairs before the
         * problem are kept, as in the plaintext stage. */
        (void)mailproto_imap_id_to_attempt(r->id_args.p, r->id_args.n, a);
    }
    attempt_set_hint(a->user_agent, &a->user_agent_len, r->ua.p, r->ua.n);
    attempt_set_hint(a->target, &a->target_len, r->target.p, r->target.n);
    a->tcp_reads = r->tcp_reads;
    a->capture_error = r->capture_error;
    relay_fill_hello(r, a);
    a->have_server_hello = r->have_sh;
    a->server_version = r->server_version;
    a->server_suite = r->server_suite;
    a->num_alerts = r->num_alerts;
    memcpy(a->alerts, r->alerts, sizeof(a->alerts));
    a->tls_error = r->tls_error;
    a->end = relay_end_reason(r, a);
    a->finish = "relay";
    a->bytes_in = r->bytes_in;
    a->bytes_out = r->bytes_out;

    ar = &a->relay;
    ar->active = true;
    if (p->mode == LMODE_RELAY) {
        snprintf(ar->upstream, sizeof(ar->upstream), "%.240s:%u",
                 p->upstream_host, (unsigned)p->upstream_port);
    } else if (r->host[0] != '\0') {
        snprintf(ar->upstream, sizeof(ar->upstream), "%.240s:%u", r->host,
                 (unsigned)r->port);
    }
    if (r->up_addr.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)&r->up_addr;
        inet_ntop(AF_INET, &in->sin_addr, ar->upstream_addr,
                  sizeof(ar->upstream_addr));
        ar->upstream_port = ntohs(in->sin_port);
    } else if (r->up_addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)&r->up_addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, ar->upstream_addr,
                  sizeof(ar->upstream_addr));
        ar->upstream_port = ntohs(in6->sin6_port);
    }
    ar->upstream_error = r->upstream_error;
    ar->front_error = r->front_error;
    ar->proxy_status = r->proxy_status;
    ar->starttls_accepted = r->starttls_accepted;
    ar->starttls_refused = r->starttls_refused;
    if (r->reject.n > 0) {
        size_t n = r->reject.n < sizeof(ar->server_reject)
                       ? r->reject.n
                       : sizeof(ar->server_reject);
        memcpy(ar->server_reject, r->reject.p, n);
        ar->server_reject_len = n;
    }
    ar->handshake_finished = r->handshake_finished;
    ar->closed_first = r->closed_first;
    ar->spliced = r->spliced;

    app_record(r->app, a, p->policy);
    free(a);
}

/* ---- life cycle ---- */

/*
 * relay_close_fds closes the client and/or the server socket. close()
 * comes first: the kernel drops the epoll registration with the file, so
 * the event_del that follows only updates libevent (its EPOLL_CTL_DEL then
 * fails at once with EBADF, which libevent takes as "already gone").
 */
static void
relay_close_fds(struct relay *r, bool client, bool server)
{
    if (client) {
        if (r->cfd >= 0) {
            close(r->cfd);
            r->cfd = -1;
        }
        if (r->c_ev) {
            event_del(&r->ev_c);
            r->c_ev = false;
        }
    }
    if (server) {
        if (r->sfd >= 0) {
            close(r->sfd);
            r->sfd = -1;
        }
        if (r->s_ev) {
            event_del(&r->ev_s);
            r->s_ev = false;
        }
    }
}

static void
relay_free(struct relay *r)
{
    relay_record(r);
    if (r->dns_req != NULL) {
        struct evdns_getaddrinfo_request *req = r->dns_req;
        r->dns_req = NULL;
        r->dns_pending = false;
        evdns_getaddrinfo_cancel(req); /* calls back with EAI_CANCEL */
    }
    relay_close_fds(r, true, true);
    event_del(&r->ev_timer);
    rd_kick_unlink(r);
    for (int i = 0; i < 2; i++) {
        struct rdir *d = &r->d[i];
        free(d->buf);
        watch_stop(d);
        if (d->has_pipe) {
            pipe_give(r->ctx, &d->pipe, false);
        }
    }
    free(r->mail);
    free(r->s5);
    bbuf_cleanup(&r->front);
    bbuf_cleanup(&r->reply);
    rhint_free(&r->ehlo);
    rhint_free(&r->reject);
    rhint_free(&r->ua);
    rhint_free(&r->target);
    rhint_free(&r->id_args);
    free(r->raw);
    app_conn_closed(r->app, &r->conn);
    free(r);
}

static void
relay_free_conn(struct app_conn *c)
{
    relay_free((struct relay *)c);
}

/*
 * relay_kill ends the relay from inside a callback chain: both sockets are
 * closed now (their last bytes and FIN leave before the record is made)
 * and the record is written; the memory is freed when the
 * relay's own callback returns (relay_ev_cb, relay_timer_cb), or else from
 * a zero-timeout activation of its timer, so nobody up the stack touches
 * freed memory (as session_kill).
 */
static void
relay_kill(struct relay *r)
{
    if (r->dead) {
        return;
    }
    r->dead = true;
    r->phase = RP_DONE;
    relay_close_fds(r, true, true);
    relay_record(r);
    evtimer_del(&r->ev_timer);
    event_active(&r->ev_timer, EV_TIMEOUT, 1);
}

static void
set_closed_first(struct relay *r, const char *who)
{
    if (r->closed_first == NULL) {
        r->closed_first = who;
    }
}

/*
 * relay_abort ends both sides now (a reset, a write error, a timeout).
 * `rst` mirrors a reset: the other side gets one too.
 */
static void
relay_abort(struct relay *r, bool rst)
{
    bool in_tls = r->d[C2S].watch == W_TLS || r->d[S2C].watch == W_TLS;

    if (in_tls && r->tls_error == NULL && r->closed_first != NULL) {
        r->tls_error = strcmp(r->closed_first, "server") == 0
                           ? "server_closed_during_handshake"
                           : "client_closed_during_handshake";
    }
    if (rst) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        if (r->cfd >= 0) {
            (void)setsockopt(r->cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        }
        if (r->sfd >= 0) {
            (void)setsockopt(r->sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        }
    }
    relay_kill(r);
}

/* ---- client replies before the relay starts (front door, failures) ---- */

/*
 * relay_reply_and_drain sends `r->reply` to the client, half-closes and
 * reads what the client still sends until it closes or APP_DRAIN_MS
 * passes, so the reply is not lost to a reset.
 */
static void
relay_reply_and_drain(struct relay *r)
{
    size_t off = 0;

    while (off < r->reply.len) {
        ssize_t n = send(r->cfd, r->reply.data + off, r->reply.len - off,
                         MSG_NOSIGNAL);
        if (n <= 0) {
            break; /* a reply of a few bytes; a full buffer means gone */
        }
        off += (size_t)n;
        r->bytes_out += (uint64_t)n;
    }
    bbuf_cleanup(&r->reply);
    relay_record(r);
    r->phase = RP_DRAIN;
    relay_close_fds(r, false, true); /* a failed or never-made upstream */
    shutdown(r->cfd, SHUT_WR);
    /* Bytes may wait from before (no new edge would tell): read them. */
    r->d[C2S].rd_ready = true;
    r->d[C2S].paused = false;
    rd_kick(r, C2S);
    evtimer_del(&r->ev_timer);
    arm_timer(r, APP_DRAIN_MS);
}

static void
mail_try_later(struct relay *r)
{
    static const char imap[] = "* BYE [UNAVAILABLE] tlsready relay: the "
                               "server cannot be reached, try later\r\n";
    static const char pop3[] = "-ERR [SYS/TEMP] tlsready relay: the server "
                               "cannot be reached, try later\r\n";
    static const char smtp[] = "421 4.3.2 tlsready relay: the server cannot "
                               "be reached, try later\r\n";

    switch (r->proto) {
    case LPROTO_IMAP:
        (void)bbuf_put_str(&r->reply, imap); /* RFC 5530 UNAVAILABLE */
        break;
    case LPROTO_POP3:
        (void)bbuf_put_str(&r->reply, pop3); /* RFC 3206 SYS/TEMP */
        break;
    case LPROTO_SMTP:
        (void)bbuf_put_str(&r->reply, smtp); /* RFC 3463 4.3.2 */
        break;
    default:
        break;
    }
}

/* relay_upstream_failed records why and answers the client its way. */
static void
relay_upstream_failed(struct relay *r, const char *why, bool timeout)
{
    r->upstream_error = why;
    r->end = END_UPSTREAM_FAILED;
    set_closed_first(r, "server");
    bbuf_reset(&r->reply);
    if (r->p->mode == LMODE_HTTP_CONNECT) {
        r->proxy_status = timeout ? 504 : 502;
        hc_reply(&r->reply, r->proxy_status);
    } else if (r->p->mode == LMODE_SOCKS5) {
        uint8_t rep = strcmp(why, "connect_refused") == 0
                          ? S5_REP_REFUSED
                      : strcmp(why, "network_unreachable") == 0
                          ? S5_REP_NET_UNREACHABLE
                      : timeout ? S5_REP_TTL_EXPIRED
                                : S5_REP_HOST_UNREACHABLE;
        r->proxy_status = rep;
        s5_reply(&r->reply, rep);
    } else if (r->starttls) {
        mail_try_later(r);
    }
    if (r->reply.len == 0) {
        relay_record(r);
        relay_kill(r);
        return;
    }
    relay_reply_and_drain(r);
}

/* ---- the pipe ---- */

static bool
backlog_alloc(struct rdir *d)
{
    if (d->buf == NULL) {
        d->buf = malloc(RELAY_BACKLOG_MAX);
        d->off = d->len = 0;
    }
    return d->buf != NULL;
}

/*
 * rd_pause stops or resumes reading the sender of `di`. No epoll change:
 * the event stays; a paused sender's edges only set rd_ready, and resuming
 * reads what waits.
 */
static void
rd_pause(struct relay *r, int di, bool pause)
{
    struct rdir *d = &r->d[di];

    if (pause) {
        d->paused = true;
    } else if (d->paused) {
        d->paused = false;
        rd_kick(r, di);
    }
}

/* relay_check_done ends the relay once both directions are closed. */
static void
relay_check_done(struct relay *r)
{
    if (r->d[C2S].shut && r->d[S2C].shut) {
        relay_finish(r);
    }
}

/*
 * relay_maybe_shut half-closes the receiver once the sender's EOF is out.
 * The last half-close is left to close() (relay_finish), which sends the
 * same FIN: the receiver's own EOF was read, so no unread byte turns it
 * into a reset.
 */
static void
relay_maybe_shut(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    if (d->eof && !d->shut && d->len == 0 && d->pipe_len == 0) {
        d->shut = true;
        if (!r->d[1 - di].shut) {
            shutdown(dst_fd(r, di), SHUT_WR);
        }
        relay_check_done(r);
    }
}

static void
count_bytes(struct relay *r, int di, size_t n)
{
    if (di == C2S) {
        r->bytes_in += n;
    } else {
        r->bytes_out += n;
    }
}

/*
 * relay_flush writes the backlog of direction `di` until it is empty or
 * the receiver says EAGAIN (then its next write edge calls again). false
 * when the relay died (write error).
 */
static bool
relay_flush(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    while (d->len > 0) {
        ssize_t n = send(dst_fd(r, di), d->buf + d->off, d->len,
                         MSG_NOSIGNAL);
        if (n > 0) {
            d->off += (size_t)n;
            d->len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (d->paused && d->len < RELAY_BACKLOG_LOW) {
                /* keep the sender going while there is room to keep */
                if (d->off > 0) {
                    memmove(d->buf, d->buf + d->off, d->len);
                    d->off = 0;
                }
                rd_pause(r, di, false);
            }
            return true;
        }
        /* The receiver is gone. */
        set_closed_first(r, di == C2S ? "server" : "client");
        relay_abort(r, true);
        return false;
    }
    free(d->buf);
    d->buf = NULL;
    d->off = 0;
    rd_pause(r, di, false);
    relay_maybe_shut(r, di);
    return !r->dead;
}

/*
 * relay_send passes `n` bytes just read (in the scratch buffer) to the
 * other side now; what it does not take (EAGAIN) goes to the backlog.
 * `more` (MSG_MORE) when the sender's FIN is known to follow: the kernel
 * holds the bytes until the half-close, which then leaves in the same
 * segment.
 */
static bool
relay_send(struct relay *r, int di, const uint8_t *p, size_t n, bool more)
{
    struct rdir *d = &r->d[di];
    size_t done = 0;
    int flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);

    while (done < n) {
        ssize_t w = send(dst_fd(r, di), p + done, n - done, flags);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        }
        set_closed_first(r, di == C2S ? "server" : "client");
        relay_abort(r, true);
        return false;
    }
    if (done == n) {
        return true;
    }
    if (!backlog_alloc(d)) {
        relay_abort(r, true);
        return false;
    }
    memcpy(d->buf, p + done, n - done);
    d->off = 0;
    d->len = n - done;
    return true;
}

/* relay_src_eof: the sender closed (FIN); pass it on once flushed. */
static void
relay_src_eof(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    d->eof = true;
    d->rd_ready = false;
    set_closed_first(r, di == C2S ? "client" : "server");
    if (d->watch == W_TLS && !d->cap_done && r->tls_error == NULL) {
        r->tls_error = di == C2S ? "client_closed_during_handshake"
                                 : "server_closed_during_handshake";
    } else if (d->watch == W_TLS && di == S2C && r->tls_error == NULL &&
               !rw_tls_done(&d->walk)) {
        r->tls_error = "server_closed_during_handshake";
    }
    relay_maybe_shut(r, di);
}

/*
 * relay_pipe_out empties the pipe of direction `di` into the receiver
 * until it is empty or the receiver says EAGAIN. false when the relay
 * died.
 */
static bool
relay_pipe_out(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    while (d->pipe_len > 0) {
        ssize_t w = splice(d->pipe.fd[0], NULL, dst_fd(r, di), NULL,
                           d->pipe_len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (w > 0) {
            d->pipe_len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return true;
        }
        set_closed_first(r, di == C2S ? "server" : "client");
        relay_abort(r, true);
        return false;
    }
    return true;
}

/*
 * relay_splice_read moves bytes with splice(2): sender -> pipe ->
 * receiver, with no copy through user space. The pipe is borrowed from the
 * pool while bytes sit in it. A short splice does not prove the socket
 * empty (the pipe has slots, not bytes), so it reads until EAGAIN, or
 * until RELAY_SPLICE_BUDGET bytes moved (then it resumes after the next
 * poll). false when no pipe can be had (the caller copies instead).
 */
static bool
relay_splice_read(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];
    int src = src_fd(r, di);
    size_t moved = 0;

    for (int round = 0; round < RELAY_READ_ROUNDS &&
                        moved < RELAY_SPLICE_BUDGET; round++) {
        ssize_t n;
        if (!d->has_pipe) {
            if (!pipe_take(r->ctx, &d->pipe)) {
                r->ctx->splice_on = false; /* out of fds: plain copies */
                return false;
            }
            d->has_pipe = true;
        }
        n = splice(src, NULL, d->pipe.fd[1], NULL, RELAY_SPLICE_CHUNK,
                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n == 0) {
            if (d->pipe_len == 0) {
                pipe_give(r->ctx, &d->pipe, true);
                d->has_pipe = false;
            }
            relay_src_eof(r, di);
            return true;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (d->pipe_len > 0) {
                    rd_pause(r, di, true); /* the pipe may be full */
                } else {
                    d->rd_ready = false; /* the socket is empty */
                }
                break;
            }
            set_closed_first(r, di == C2S ? "client" : "server");
            relay_abort(r, true);
            return true;
        }
        r->spliced = true;
        touch(r);
        count_bytes(r, di, (size_t)n);
        moved += (size_t)n;
        d->pipe_len += (size_t)n;
        if (!relay_pipe_out(r, di)) {
            return true;
        }
        if (d->pipe_len > 0) {
            rd_pause(r, di, true); /* the receiver's write edge resumes */
            return true;
        }
    }
    if (d->rd_ready && !d->paused) {
        rd_kick_later(r, di); /* fairness: the rest after the others */
    }
    if (d->has_pipe && d->pipe_len == 0) {
        pipe_give(r->ctx, &d->pipe, true);
        d->has_pipe = false;
    }
    return true;
}

/* relay_splice_flush empties the pipe into the receiver. */
static bool
relay_splice_flush(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    if (!relay_pipe_out(r, di)) {
        return false;
    }
    if (d->pipe_len > 0) {
        return true; /* EAGAIN: the next write edge */
    }
    if (d->has_pipe) {
        pipe_give(r->ctx, &d->pipe, true);
        d->has_pipe = false;
    }
    rd_pause(r, di, false);
    relay_maybe_shut(r, di);
    return !r->dead;
}

/*
 * relay_read reads the sender of direction `di` until it is empty (EAGAIN
 * or EOF) and passes bytes on. It stops early on backpressure (rd_ready
 * stays set; the flush resumes it) or after RELAY_READ_ROUNDS full reads
 * (it re-activates itself so other connections run first).
 */
static void
relay_read(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];
    int src = src_fd(r, di);

    if (r->ctx->splice_on && d->watch == W_NONE && d->len == 0 &&
        relay_splice_read(r, di)) {
        return;
    }
    for (int round = 0; round < RELAY_READ_ROUNDS; round++) {
        uint8_t *buf;
        size_t want;
        ssize_t n;

        if (d->len > 0) {
            /* A backlog exists: read behind it, up to its limit. */
            if (d->off > 0 && d->off + d->len > RELAY_BACKLOG_MAX / 2) {
                memmove(d->buf, d->buf + d->off, d->len);
                d->off = 0;
            }
            want = RELAY_BACKLOG_MAX - d->off - d->len;
            if (want == 0) {
                rd_pause(r, di, true);
                return;
            }
            buf = d->buf + d->off + d->len;
        } else {
            buf = r->ctx->scratch;
            want = RELAY_SCRATCH;
        }
        n = recv(src, buf, want, 0);
        if (n > 0) {
            size_t got = (size_t)n;
            enum { MORE, EMPTY, FIN, FAIL } after = MORE;

            touch(r);
            count_bytes(r, di, got);
            if (d->watch != W_NONE) {
                relay_watch(r, di, buf, got);
                if (r->dead) {
                    return;
                }
            }
            /*
             * A short read usually emptied the socket. The read that
             * proves it (EAGAIN) or finds the FIN comes before the send,
             * so that bytes and FIN leave in one segment (MSG_MORE, then
             * the half-close). Each read is watched on its own, as read.
             */
            if (got < want && d->len == 0) {
                ssize_t m = recv(src, buf + got, want - got, 0);
                if (m > 0) {
                    count_bytes(r, di, (size_t)m);
                    if (d->watch != W_NONE) {
                        relay_watch(r, di, buf + got, (size_t)m);
                        if (r->dead) {
                            return;
                        }
                    }
                    got += (size_t)m;
                } else if (m == 0) {
                    after = FIN;
                } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    after = EMPTY;
                } else if (errno != EINTR) {
                    after = FAIL;
                }
            }
            if (d->len > 0) {
                d->len += got;
                if (!relay_flush(r, di)) {
                    return;
                }
            } else if (!relay_send(r, di, buf, got, after == FIN)) {
                return;
            }
            if (after == FIN) {
                relay_src_eof(r, di);
                return;
            }
            if (after == FAIL) {
                set_closed_first(r, di == C2S ? "client" : "server");
                relay_abort(r, true);
                return;
            }
            if (after == EMPTY) {
                d->rd_ready = false;
                return;
            }
            if (d->paused) {
                return;
            }
            continue;
        }
        if (n == 0) {
            relay_src_eof(r, di);
            return;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            d->rd_ready = false;
            return;
        }
        /* ECONNRESET and friends: mirror the reset to the other side. */
        set_closed_first(r, di == C2S ? "client" : "server");
        relay_abort(r, true);
        return;
    }
    rd_kick_later(r, di); /* fairness: the rest after the others */
}

/* ---- watching: the plaintext dialog ---- */

static void
mail_copy_facts(struct relay *r)
{
    const struct rw_mail *m = r->mail;

    r->starttls_offered = r->starttls_offered || m->starttls_offered;
    r->starttls_requested = m->starttls_requested;
    r->starttls_accepted = m->starttls_accepted;
    r->starttls_refused = m->starttls_refused;
    r->num_commands = m->client_cmds;
    if (m->login_verb != NULL && r->login_verb == NULL) {
        r->login_verb = m->login_verb;
    }
    if (m->ehlo_len > 0 && r->ehlo.p == NULL) {
        rhint_set(&r->ehlo, m->ehlo, m->ehlo_len);
    }
    if (m->reject_len > 0 && r->reject.p == NULL) {
        rhint_set(&r->reject, m->reject, m->reject_len);
    }
}

static void relay_tls_input(struct relay *r, int di, const uint8_t *p,
                            size_t n);

static void
relay_lines(struct relay *r, int di, const uint8_t *p, size_t n)
{
    struct rdir *d = &r->d[di];
    struct bcur in;

    if (r->mail == NULL) {
        watch_stop(d);
        return;
    }
    /*
     * A ClientHello as the client's very first bytes on a STARTTLS port:
     * its account says SSL/TLS where the server expects STARTTLS.
     */
    if (di == C2S && r->num_commands == 0 && d->line.len == 0 &&
        r->mail->client_cmds == 0 && tlsrec_looks_like_tls(p, n)) {
        r->tls_on_starttls_port = true;
        d->watch = W_TLS;
        relay_tls_input(r, di, p, n);
        return;
    }
    bcur_init(&in, p, n);
    while (bcur_left(&in) > 0) {
        struct bcur piece, line;
        enum rw_event ev;
        size_t pos;

        if (!bcur_find(&in, '\n', &pos)) {
            if (!bbuf_put(&d->line, bcur_data(&in), bcur_left(&in))) {
                watch_stop(d); /* a line past max_line: stop looking */
                if (r->capture_error == NULL) {
                    r->capture_error = "plaintext_line_too_long";
                }
            }
            return;
        }
        if (!bcur_get_bytes(&in, &piece, pos) || !bcur_skip(&in, 1)) {
            return;
        }
        if (d->line.len > 0) {
            if (!bbuf_put(&d->line, bcur_data(&piece), bcur_left(&piece))) {
                watch_stop(d);
                return;
            }
            bcur_init(&line, d->line.data, d->line.len);
        } else {
            line = piece;
        }
        ev = di == C2S ? rw_mail_client_line(r->mail, &line)
                       : rw_mail_server_line(r->mail, &line);
        if (ev == RW_CLIENT_ID) {
            /* Parsed for the record by the plaintext stage's ID parser;
             * RFC 2971 clients send a few hundred bytes. */
            rhint_keep(&r->id_args, bcur_data(&r->mail->id_args),
                       bcur_left(&r->mail->id_args), RELAY_ID_ARGS_MAX);
        }
        bbuf_reset(&d->line);
        mail_copy_facts(r);
        if (ev == RW_CLIENT_STARTTLS) {
            r->pipelined = bcur_left(&in);
            r->pipelined_was_tls =
                tlsrec_looks_like_tls(bcur_data(&in), bcur_left(&in));
            bbuf_cleanup(&d->line);
            d->watch = W_TLS;
            if (bcur_left(&in) > 0) {
                relay_tls_input(r, di, bcur_data(&in), bcur_left(&in));
            }
            return;
        }
        if (ev == RW_SERVER_TLS_GO) {
            bbuf_cleanup(&d->line);
            d->watch = W_TLS;
            if (bcur_left(&in) > 0) {
                relay_tls_input(r, di, bcur_data(&in), bcur_left(&in));
            }
            return;
        }
        if (ev == RW_SERVER_TLS_REFUSED && r->d[C2S].watch == W_TLS &&
            !r->d[C2S].cap_done) {
            /* Still plaintext: what the client sent after STARTTLS was
             * not TLS after all; go on reading lines. */
            bbuf_cleanup(&r->d[C2S].cap);
            bbuf_init(&r->d[C2S].line, r->p->max_line ? r->p->max_line
                                                      : 8192);
            r->d[C2S].watch = W_LINES;
        }
    }
}

/* ---- watching: TLS ---- */

static void
relay_handshake_check(struct relay *r)
{
    struct rdir *c = &r->d[C2S], *s = &r->d[S2C];
    bool c_done = c->watch == W_NONE || (c->cap_done && rw_tls_done(&c->walk));
    bool s_done = s->watch == W_NONE || (s->cap_done && rw_tls_done(&s->walk));
    bool fatal = (c->cap_done && c->walk.fatal) ||
                 (s->cap_done && s->walk.fatal);

    if ((c_done && s_done) || fatal) {
        if (c->cap_done && s->cap_done && (c->walk.ccs || c->walk.appdata) &&
            (s->walk.ccs || s->walk.appdata)) {
            r->handshake_finished = true;
        }
        watch_stop(c);
        watch_stop(s);
        free(r->mail);
        r->mail = NULL;
    }
}

static void
take_walker_alerts(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    while (d->alerts_taken < d->walk.num_alerts &&
           d->alerts_taken < RW_MAX_ALERTS) {
        const struct rw_alert *al = &d->walk.alerts[d->alerts_taken++];
        add_alert(r, di == S2C, al->level, al->description, al->encrypted);
    }
    d->alerts_taken = d->walk.num_alerts;
}

static void
relay_client_hello(struct relay *r, struct rdir *d)
{
    struct tlsrec_hello h;
    enum tlsrec_status st;
    size_t room = r->p->max_hello + 5 * TLSREC_MAX_RECORDS;

    st = tlsrec_scan_hello(&h, r->ctx->hsbuf, r->ctx->hscap, d->cap.data,
                           d->cap.len, r->p->max_hello);
    switch (st) {
    case TLSREC_NEED_MORE:
        if (d->cap.len >= room || d->cap.overflow) {
            r->capture_error = "too_big";
            r->cap_end = END_TOO_BIG;
            watch_stop(d);
        }
        return;
    case TLSREC_OK: {
        struct clienthello *ch = malloc(sizeof(*ch));
        enum ch_status cs;
        if (ch != NULL) {
            cs = clienthello_parse_hello(ch, &h);
            if (cs != CH_OK) {
                r->capture_error = ch_status_str(cs);
            }
            free(ch);
        }
        r->raw = malloc(h.consumed);
        if (r->raw != NULL) {
            memcpy(r->raw, d->cap.data, h.consumed);
            r->raw_len = h.consumed;
        }
        d->cap_done = true;
        rw_tls_feed(&d->walk, d->cap.data + h.consumed,
                    d->cap.len - h.consumed);
        bbuf_cleanup(&d->cap);
        take_walker_alerts(r, C2S);
        return;
    }
    case TLSREC_NOT_TLS:
        r->capture_error = tlsrec_status_str(st);
        r->cap_end = r->implicit_tls && !r->starttls_requested
                         ? END_PLAINTEXT_ON_TLS_PORT
                         : END_NOT_TLS;
        watch_stop(d);
        return;
    case TLSREC_TOO_BIG:
        r->capture_error = tlsrec_status_str(st);
        r->cap_end = END_TOO_BIG;
        watch_stop(d);
        return;
    case TLSREC_MALFORMED:
        r->capture_error = h.error != NULL ? h.error : "malformed";
        r->cap_end = END_MALFORMED;
        watch_stop(d);
        return;
    }
}

static void
relay_server_hello(struct relay *r, struct rdir *d)
{
    struct srvscan ss;
    enum srvscan_status st;

    st = srvscan_run(&ss, r->ctx->hsbuf, r->ctx->hscap, d->cap.data,
                     d->cap.len, SRVSCAN_DEFAULT_MAX_HELLO, RELAY_SCAP_MAX);
    if (ss.has_server_hello && !r->have_sh) {
        struct serverhello *sh = malloc(sizeof(*sh));
        if (sh != NULL) {
            if (serverhello_parse(sh, ss.sh_body, ss.sh_len) == SH_OK) {
                r->have_sh = true;
                r->server_version = sh->negotiated_version;
                r->server_suite = sh->cipher_suite;
            } else if (r->tls_error == NULL) {
                r->tls_error = "server_hello_malformed";
            }
            free(sh);
        }
    }
    if (st == SRVSCAN_NEED_MORE && !ss.has_server_hello) {
        if (d->cap.overflow) {
            r->tls_error = "server_hello_too_big";
            watch_stop(d);
        }
        return;
    }
    if (st == SRVSCAN_NOT_TLS || st == SRVSCAN_TOO_BIG ||
        st == SRVSCAN_MALFORMED) {
        r->tls_error = st == SRVSCAN_NOT_TLS ? "server_not_tls"
                       : ss.error != NULL    ? ss.error
                                             : srvscan_status_str(st);
        watch_stop(d);
        return;
    }
    /* ServerHello found (or the scan stopped): the walker takes over. */
    for (size_t i = 0; i < ss.num_alerts && i < SRVSCAN_MAX_ALERTS; i++) {
        add_alert(r, true, ss.alerts[i].level, ss.alerts[i].description,
                  false);
        if (ss.alerts[i].level == TLS_ALERT_FATAL) {
            d->walk.fatal = true;
        }
    }
    d->walk.ccs = ss.ccs_seen;
    d->walk.appdata = ss.appdata_seen;
    d->cap_done = true;
    if (ss.consumed < d->cap.len) {
        rw_tls_feed(&d->walk, d->cap.data + ss.consumed,
                    d->cap.len - ss.consumed);
    }
    d->alerts_taken = 0;
    take_walker_alerts(r, S2C);
    bbuf_cleanup(&d->cap);
}

static void
relay_tls_input(struct relay *r, int di, const uint8_t *p, size_t n)
{
    struct rdir *d = &r->d[di];

    d->watched += n;
    if (!d->cap_done) {
        if (d->cap.max == 0) {
            bbuf_init(&d->cap, di == C2S ? r->p->max_hello +
                                               5 * TLSREC_MAX_RECORDS
                                         : RELAY_SCAP_MAX);
        }
        if (di == C2S) {
            r->tcp_reads++;
        }
        if (!bbuf_put(&d->cap, p, n)) {
            size_t fit = d->cap.max - d->cap.len;
            (void)bbuf_put(&d->cap, p, fit);
            d->cap.overflow = true;
        }
        if (di == C2S) {
            relay_client_hello(r, d);
        } else {
            relay_server_hello(r, d);
        }
    } else {
        rw_tls_feed(&d->walk, p, n);
        take_walker_alerts(r, di);
    }
    if (d->watch != W_NONE && d->watched > RELAY_WATCH_MAX) {
        watch_stop(d);
    }
    relay_handshake_check(r);
}

static void
relay_watch(struct relay *r, int di, const uint8_t *p, size_t n)
{
    switch (r->d[di].watch) {
    case W_NONE:
        return;
    case W_LINES:
        relay_lines(r, di, p, n);
        return;
    case W_TLS:
        relay_tls_input(r, di, p, n);
        return;
    }
}

/* ---- ending ---- */

static void
relay_finish(struct relay *r)
{
    relay_kill(r);
}

void
relay_stopping(struct app *app)
{
    for (struct app_conn *c = app->conns; c != NULL; c = c->next) {
        if (c->free_fn == relay_free_conn) {
            struct relay *r = (struct relay *)c;
            set_closed_first(r, "shutdown");
            relay_kill(r);
        }
    }
}

/* ---- events ---- */

/* relay_drain_input reads and drops what the client still sends. */
static void
relay_drain_input(struct relay *r)
{
    for (int i = 0; i < RELAY_READ_ROUNDS; i++) {
        ssize_t n = recv(r->cfd, r->ctx->scratch, RELAY_SCRATCH, 0);
        if (n > 0) {
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            r->d[C2S].rd_ready = false;
            return;
        }
        relay_kill(r); /* EOF or error: the client is done */
        return;
    }
    rd_kick_later(r, C2S);
}

/* relay_writable: the receiver of `di` has room again. */
static void
relay_writable(struct relay *r, int di)
{
    struct rdir *d = &r->d[di];

    if (d->len > 0 && !relay_flush(r, di)) {
        return;
    }
    if (d->len == 0 && d->pipe_len > 0) {
        (void)relay_splice_flush(r, di);
    }
}

/*
 * relay_ev_cb: the one edge-triggered event of a socket (client or
 * server). A read edge sets rd_ready; whoever reads clears it once the
 * socket is empty. On the server socket, the first write edge while
 * connecting is the connect's answer.
 */
static void
relay_ev_cb(evutil_socket_t fd, short what, void *arg)
{
    struct relay *r = arg;
    int di; /* the direction this socket sends into */

    if (r->dead) {
        return;
    }
    di = fd == r->cfd ? C2S : S2C;
    if (what & EV_READ) {
        r->d[di].rd_ready = true;
    }
    switch (r->phase) {
    case RP_CONNECT:
        if (di == S2C && (what & EV_WRITE)) {
            /* A write edge alone is a connected socket; with a read edge
             * it may be an error (libevent reports ERR/HUP as both). */
            relay_connected(r, (what & EV_READ) != 0);
        }
        break;
    case RP_FRONT:
        if (di == C2S && r->d[C2S].rd_ready) {
            relay_front_input(r);
        }
        break;
    case RP_DRAIN:
        if (di == C2S && r->d[C2S].rd_ready) {
            relay_drain_input(r);
        }
        break;
    case RP_RELAY:
    case RP_DONE:
        break;
    }
    if (!r->dead && r->phase == RP_RELAY) {
        struct rdir *d = &r->d[di];
        if (what & EV_WRITE) {
            relay_writable(r, 1 - di); /* this socket receives 1 - di */
        }
        if (!r->dead && d->rd_ready && !d->eof && !d->paused) {
            relay_read(r, di);
        }
    }
    if (r->dead) {
        relay_free(r); /* our own callback: nothing up the stack uses r */
    }
}

static void
relay_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct relay *r = arg;
    struct timeval now;
    long idle_ms;

    (void)fd;
    (void)what;
    if (r->dead) {
        relay_free(r);
        return;
    }
    switch (r->phase) {
    case RP_FRONT:
        r->front_error = "timeout";
        r->end = END_TIMEOUT_PLAINTEXT;
        set_closed_first(r, "idle_timeout");
        relay_kill(r);
        break;
    case RP_CONNECT:
        relay_upstream_failed(r, "connect_timeout", true);
        break;
    case RP_RELAY:
        event_base_gettimeofday_cached(r->app->base, &now);
        idle_ms = (long)(now.tv_sec - r->last.tv_sec) * 1000 +
                  (long)(now.tv_usec - r->last.tv_usec) / 1000;
        if (idle_ms >= 0 && (unsigned long)idle_ms + 5 <
                                (unsigned long)r->idle_s * 1000) {
            arm_timer(r, r->idle_s * 1000u - (unsigned)idle_ms);
            return;
        }
        set_closed_first(r, "idle_timeout");
        relay_kill(r);
        break;
    case RP_DRAIN:
    case RP_DONE:
        relay_kill(r);
        break;
    }
    if (r->dead) {
        relay_free(r);
    }
}

/* ---- connecting ---- */

static void
relay_start_relay(struct relay *r)
{
    struct rdir *c = &r->d[C2S], *s = &r->d[S2C];

    r->phase = RP_RELAY;
    if (r->starttls) {
        r->mail = malloc(sizeof(*r->mail));
        if (r->mail != NULL) {
            rw_mail_init(r->mail, r->proto == LPROTO_IMAP   ? MP_IMAP
                                  : r->proto == LPROTO_POP3 ? MP_POP3
                                                            : MP_SMTP);
            c->watch = s->watch = W_LINES;
            bbuf_init(&c->line, r->p->max_line ? r->p->max_line : 8192);
            bbuf_init(&s->line, 16384);
        }
    } else {
        c->watch = s->watch = W_TLS;
    }
    touch(r);
    evtimer_del(&r->ev_timer);
    arm_timer(r, r->idle_s * 1000u);

    /* Proxy: the success reply first, then what the client sent early. */
    if (r->reply.len > 0 &&
        !relay_send(r, S2C, r->reply.data, r->reply.len, false)) {
        return;
    }
    r->bytes_out += r->reply.len;
    bbuf_cleanup(&r->reply);
    if (r->front.len > 0) {
        size_t n = r->front.len;
        uint8_t *copy = malloc(n);
        if (copy == NULL) {
            relay_abort(r, true);
            return;
        }
        memcpy(copy, r->front.data, n);
        bbuf_cleanup(&r->front); /* bytes_in counted when read */
        relay_watch(r, C2S, copy, n);
        if (!r->dead && r->d[C2S].len == 0) {
            (void)relay_send(r, C2S, copy, n, false);
        }
        free(copy);
    }
    bbuf_cleanup(&r->front);
    /* What the client sent while we connected (its edge came then). */
    rd_kick(r, C2S);
}

static const char *
errno_token(int e)
{
    switch (e) {
    case ECONNREFUSED:
        return "connect_refused";
    case ENETUNREACH:
        return "network_unreachable";
    case EHOSTUNREACH:
        return "host_unreachable";
    case ETIMEDOUT:
        return "connect_timeout";
    case EADDRNOTAVAIL:
        return "address_not_available";
    case EMFILE:
    case ENFILE:
        return "out_of_files";
    default:
        return "connect_failed";
    }
}

/*
 * relay_connected: the connect finished. `check` asks the socket whether
 * it failed (not needed when connect() said 0 or epoll reported only
 * writability, which a failed connect never does: it reports ERR/HUP).
 */
static void
relay_connected(struct relay *r, bool check)
{
    int err = 0;
    socklen_t len = sizeof(err);

    if (check &&
        getsockopt(r->sfd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        err = errno;
    }
    if (err != 0) {
        relay_upstream_failed(r, errno_token(err), err == ETIMEDOUT);
        return;
    }
    if (r->p->mode == LMODE_HTTP_CONNECT) {
        r->proxy_status = 200;
        hc_reply(&r->reply, 200);
    } else if (r->p->mode == LMODE_SOCKS5) {
        r->proxy_status = S5_REP_SUCCEEDED;
        s5_reply(&r->reply, S5_REP_SUCCEEDED);
    }
    relay_start_relay(r);
}

static void
relay_connect(struct relay *r, const struct sockaddr *sa, socklen_t salen)
{
    int one = 1;
    int fd;

    memset(&r->up_addr, 0, sizeof(r->up_addr));
    memcpy(&r->up_addr, sa,
           salen < sizeof(r->up_addr) ? salen : sizeof(r->up_addr));
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd < 0) {
        relay_upstream_failed(r, errno_token(errno), false);
        return;
    }
    r->sfd = fd;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    r->phase = RP_CONNECT;
    if (connect(fd, sa, salen) == 0) {
        relay_add_ev(r, S2C);
        if (!r->dead) {
            relay_connected(r, false);
        }
        return;
    }
    if (errno != EINPROGRESS) {
        relay_upstream_failed(r, errno_token(errno), false);
        return;
    }
    /* Added after connect(): an unconnected socket would report HUP. */
    relay_add_ev(r, S2C);
}

static void
relay_dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
    struct relay *r = arg;

    if (result == EVUTIL_EAI_CANCEL) {
        return; /* from relay_free: r is going away */
    }
    r->dns_req = NULL;
    r->dns_pending = false;
    if (r->dead) {
        if (res != NULL) {
            evutil_freeaddrinfo(res);
        }
        return;
    }
    if (result != 0 || res == NULL) {
        if (res != NULL) {
            evutil_freeaddrinfo(res);
        }
        relay_upstream_failed(r, "dns_failed", false);
        return;
    }
    relay_connect(r, res->ai_addr, (socklen_t)res->ai_addrlen);
    evutil_freeaddrinfo(res);
}

/* relay_resolve finds r->host without blocking, then connects. */
static void
relay_resolve(struct relay *r)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    struct evutil_addrinfo hints;
    struct evdns_getaddrinfo_request *req;
    char port[8];

    memset(&ss, 0, sizeof(ss));
    r->phase = RP_CONNECT;
    evtimer_del(&r->ev_timer);
    arm_timer(r, r->p->timeout_connect * 1000u);
    if (inet_pton(AF_INET, r->host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(r->port);
        relay_connect(r, (struct sockaddr *)in, sizeof(*in));
        return;
    }
    if (inet_pton(AF_INET6, r->host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(r->port);
        relay_connect(r, (struct sockaddr *)in6, sizeof(*in6));
        return;
    }
    if (r->ctx->dns == NULL) {
        r->ctx->dns = evdns_base_new(r->app->base,
                                     EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                         EVDNS_BASE_DISABLE_WHEN_INACTIVE);
        if (r->ctx->dns == NULL) {
            relay_upstream_failed(r, "dns_unavailable", false);
            return;
        }
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(port, sizeof(port), "%u", (unsigned)r->port);
    r->dns_pending = true;
    req = evdns_getaddrinfo(r->ctx->dns, r->host, port, &hints,
                            relay_dns_cb, r);
    if (r->dns_pending) {
        r->dns_req = req; /* else the callback already ran */
    }
}

/* ---- proxy front doors ---- */

/* port_proto: what the destination port says (DESIGN.md ports). */
static void
port_proto(uint16_t port, enum listener_proto *proto, bool *starttls)
{
    *starttls = false;
    switch (port) {
    case 993:
        *proto = LPROTO_IMAP;
        return;
    case 995:
        *proto = LPROTO_POP3;
        return;
    case 465:
        *proto = LPROTO_SMTP;
        return;
    case 443:
        *proto = LPROTO_HTTPS;
        return;
    case 143:
        *proto = LPROTO_IMAP;
        *starttls = true;
        return;
    case 110:
        *proto = LPROTO_POP3;
        *starttls = true;
        return;
    case 25:
    case 587:
        *proto = LPROTO_SMTP;
        *starttls = true;
        return;
    default:
        *proto = LPROTO_TLS;
        return;
    }
}

static void
relay_set_target(struct relay *r)
{
    char t[CP_HOST_MAX + 16];
    int n;

    port_proto(r->port, &r->proto, &r->starttls);
    r->implicit_tls = !r->starttls;
    n = snprintf(t, sizeof(t), strchr(r->host, ':') != NULL ? "[%s]:%u"
                                                           : "%s:%u",
                 r->host, (unsigned)r->port);
    if (n > 0) {
        rhint_set(&r->target, (const uint8_t *)t,
                  (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);
    }
}

/* relay_front_refuse answers a refused proxy request and drains. */
static void
relay_front_refuse(struct relay *r, const char *why, int http, uint8_t s5)
{
    r->front_error = why;
    r->end = END_REFUSED;
    bbuf_reset(&r->reply);
    if (r->p->mode == LMODE_HTTP_CONNECT) {
        r->proxy_status = http;
        hc_reply(&r->reply, http);
    } else if (s5 != 0xff) {
        r->proxy_status = s5;
        s5_reply(&r->reply, s5);
    }
    relay_reply_and_drain(r);
}

/* relay_front_allowed: never an open proxy (config allow_ports/hosts). */
static bool
relay_front_allowed(struct relay *r)
{
    if (!config_port_allowed(r->p, r->port)) {
        relay_front_refuse(r, "port_not_allowed", 403, S5_REP_NOT_ALLOWED);
        return false;
    }
    if (!config_host_allowed(r->p, (const uint8_t *)r->host,
                             strlen(r->host))) {
        relay_front_refuse(r, "host_not_allowed", 403, S5_REP_NOT_ALLOWED);
        return false;
    }
    return true;
}

static void
relay_front_http(struct relay *r)
{
    struct hc_request req;
    enum hc_status st;
    size_t max = r->p->max_line ? r->p->max_line : 8192;

    st = hc_parse(&req, r->front.data, r->front.len, max);
    if (st == HC_NEED_MORE) {
        return;
    }
    if (st != HC_OK) {
        r->end = st == HC_TOO_BIG ? END_LIMIT : END_REFUSED;
        r->front_error = hc_status_str(st);
        r->proxy_status = hc_status_code(st);
        bbuf_reset(&r->reply);
        hc_reply(&r->reply, r->proxy_status);
        relay_reply_and_drain(r);
        return;
    }
    if (req.has_user_agent) {
        rhint_set(&r->ua, bcur_data(&req.user_agent),
                  bcur_left(&req.user_agent));
    }
    memcpy(r->host, bcur_data(&req.host), bcur_left(&req.host));
    r->host[bcur_left(&req.host)] = '\0';
    r->port = req.port;
    relay_set_target(r);
    /* What follows the request head goes to the server after connecting. */
    memmove(r->front.data, r->front.data + req.head_len,
            r->front.len - req.head_len);
    r->front.len -= req.head_len;
    if (!relay_front_allowed(r)) {
        return;
    }
    relay_resolve(r); /* client bytes wait (rd_ready) until connected */
}

static void
relay_front_socks(struct relay *r)
{
    if (r->s5 == NULL) {
        r->s5 = malloc(sizeof(*r->s5));
        if (r->s5 == NULL) {
            relay_abort(r, true);
            return;
        }
        s5_init(r->s5);
    }
    for (;;) {
        size_t used = 0;
        enum s5_action a;

        bbuf_reset(&r->reply);
        a = s5_feed(r->s5, r->front.data, r->front.len, &used, &r->reply);
        if (used > 0) {
            memmove(r->front.data, r->front.data + used,
                    r->front.len - used);
            r->front.len -= used;
        }
        switch (a) {
        case S5_NEED_MORE:
            return;
        case S5_REPLY: {
            ssize_t n = send(r->cfd, r->reply.data, r->reply.len,
                             MSG_NOSIGNAL);
            if (n != (ssize_t)r->reply.len) {
                set_closed_first(r, "client");
                relay_abort(r, true);
                return;
            }
            r->bytes_out += (uint64_t)n;
            continue;
        }
        case S5_FAIL:
            r->front_error = r->s5->error;
            r->end = END_REFUSED;
            if (r->reply.len >= 2) {
                struct bcur rc;
                uint8_t ver = 0, rep = 0;
                bcur_init(&rc, r->reply.data, r->reply.len);
                if (bcur_get_u8(&rc, &ver) && bcur_get_u8(&rc, &rep)) {
                    r->proxy_status = rep;
                }
            }
            relay_reply_and_drain(r);
            return;
        case S5_CONNECT:
            if (!s5_host_text(r->s5, r->host, sizeof(r->host))) {
                relay_front_refuse(r, "bad_destination", 400,
                                   S5_REP_GENERAL_FAILURE);
                return;
            }
            r->port = r->s5->port;
            relay_set_target(r);
            free(r->s5);
            r->s5 = NULL;
            if (!relay_front_allowed(r)) {
                return;
            }
            relay_resolve(r); /* client bytes wait until connected */
            return;
        }
    }
}

static void
relay_front_input(struct relay *r)
{
    /* Read until the socket is empty (edge-triggered) or the phase ends. */
    for (int round = 0; round < RELAY_READ_ROUNDS; round++) {
        size_t room = r->front.max - r->front.len;
        ssize_t n;

        /* room == 0: the request did not fit; the parsers say TOO_BIG. */
        if (room > 0) {
            n = recv(r->cfd, r->ctx->scratch,
                     room < RELAY_SCRATCH ? room : RELAY_SCRATCH, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n == 0 || (n < 0 && errno != EAGAIN &&
                           errno != EWOULDBLOCK)) {
                set_closed_first(r, "client");
                r->front_error = "client_closed";
                r->end = END_CLIENT_CLOSED;
                relay_kill(r);
                return;
            }
            if (n < 0) {
                r->d[C2S].rd_ready = false;
                return;
            }
            r->bytes_in += (uint64_t)n;
            (void)bbuf_put(&r->front, r->ctx->scratch, (size_t)n);
        }
        if (r->p->mode == LMODE_HTTP_CONNECT) {
            relay_front_http(r);
        } else {
            relay_front_socks(r);
            if (!r->dead && r->phase == RP_FRONT &&
                r->front.len >= r->front.max) {
                relay_front_refuse(r, "too_big", 400,
                                   S5_REP_GENERAL_FAILURE);
            }
        }
        if (r->dead || r->phase != RP_FRONT || room == 0) {
            return; /* rd_ready stays: the next phase reads the rest */
        }
    }
    rd_kick_later(r, C2S);
}

/* ---- start ---- */

void
relay_start(struct app_listener *l, int fd, const struct sockaddr *peer,
            socklen_t peer_len)
{
    struct app *app = l->app;
    const struct listener_conf *p = l->c;
    struct relay_ctx *ctx = relay_ctx_get(app);
    struct relay *r;
    int one = 1;

    r = ctx != NULL ? calloc(1, sizeof(*r)) : NULL;
    if (r == NULL) {
        addrcount_dec(app->per_addr, peer);
        close(fd);
        return;
    }
    r->app = app;
    r->ctx = ctx;
    r->p = p;
    r->cfd = fd;
    r->sfd = -1;
    r->proxy_status = -1;
    r->id = ++app->next_id;
    r->idle_s = p->timeout_idle > 0 ? p->timeout_idle : 300;
    clock_gettime(CLOCK_REALTIME, &r->t_start);
    if (p->listen_addr.ss_family == AF_INET) {
        r->local_port =
            ntohs(((const struct sockaddr_in *)&p->listen_addr)->sin_port);
    } else if (p->listen_addr.ss_family == AF_INET6) {
        r->local_port =
            ntohs(((const struct sockaddr_in6 *)&p->listen_addr)->sin6_port);
    }
    app_conn_add(app, &r->conn, relay_free_conn, peer, peer_len);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    evtimer_assign(&r->ev_timer, app->base, relay_timer_cb, r);
    bbuf_init(&r->reply, 512);
    /* One registration for the socket's life; reads wait for the phase. */
    relay_add_ev(r, C2S);
    if (r->dead) {
        return;
    }

    if (p->mode == LMODE_RELAY) {
        r->proto = p->protocol;
        r->starttls = p->starttls;
        r->implicit_tls = !p->starttls;
        snprintf(r->host, sizeof(r->host), "%s", p->upstream_host);
        r->port = p->upstream_port;
        relay_resolve(r);
        return;
    }
    r->proto = LPROTO_AUTO;
    r->phase = RP_FRONT;
    bbuf_init(&r->front, p->mode == LMODE_HTTP_CONNECT
                             ? (p->max_line ? p->max_line : 8192)
                             : RELAY_SOCKS_MAX);
    arm_timer(r, (p->timeout_plaintext ? p->timeout_plaintext : 30) * 1000u);
}
