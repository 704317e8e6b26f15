/*
 * app.c - start-up, listeners, accept, the record path and signals.
 *
 * Every accepted connection becomes exactly one record: a session when it
 * is admitted, or a short "refused" record written here when a connection
 * limit or the client allow-list says no. SIGINT/SIGTERM stop accepting
 * and let attempts in flight finish on their own timers, so their records
 * are complete; SIGHUP reopens the records file for log rotation.
 */
#include "app.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addrcount.h"
#include "console.h"
#include "judge.h"
#include "log.h"
#include "record.h"
#include "relay.h"
#include "session.h"
#include "sink.h"

void
app_record(struct app *app, struct attempt *a, const struct policy *policy)
{
    struct bbuf *line = &app->recbuf;

    judge_attempt(app->judge, a, policy);
    app->stats.attempts++;
    if ((size_t)a->verdict.kind < 4) {
        app->stats.by_verdict[a->verdict.kind]++;
    }
    if (a->end == END_LIMIT || a->end == END_TOO_BIG ||
        a->end == END_REFUSED) {
        app->stats.limits_hit++;
    }
    if (record_render(line, a, app->lang)) {
        if (app->sink != NULL) {
            (void)sink_write(app->sink, (const char *)line->data, line->len);
        }
        if (app->on_record != NULL) {
            app->on_record(app->on_record_arg, a, (const char *)line->data,
                           line->len);
        }
    } else {
        log_error("%s: record %llu could not be rendered", __func__,
                  (unsigned long long)a->id);
    }
    console_attempt(app->console, a);
}

void
app_conn_add(struct app *app, struct app_conn *c,
             void (*free_fn)(struct app_conn *), const struct sockaddr *peer,
             socklen_t peer_len)
{
    c->free_fn = free_fn;
    memset(&c->peer, 0, sizeof(c->peer));
    memcpy(&c->peer, peer,
           (size_t)peer_len < sizeof(c->peer) ? (size_t)peer_len
                                              : sizeof(c->peer));
    c->prev = NULL;
    c->next = app->conns;
    if (app->conns != NULL) {
        app->conns->prev = c;
    }
    app->conns = c;
    app->stats.open++;
}

void
app_conn_closed(struct app *app, struct app_conn *c)
{
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else if (app->conns == c) {
        app->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    c->prev = c->next = NULL;
    addrcount_dec(app->per_addr, (const struct sockaddr *)&c->peer);
    if (app->stats.open > 0) {
        app->stats.open--;
    }
    if (app->stopping && app->conns == NULL) {
        event_base_loopexit(app->base, NULL);
    }
}

/* app_refuse writes the record of a connection we did not admit. */
static void
app_refuse(struct app_listener *l, int fd, const struct sockaddr *peer,
           const char *why)
{
    struct app *app = l->app;
    struct attempt a;
    struct linger lg = {.l_onoff = 1, .l_linger = 0};

    memset(&a, 0, sizeof(a));
    a.id = ++app->next_id;
    clock_gettime(CLOCK_REALTIME, &a.t_start);
    a.t_end = a.t_start;
    snprintf(a.listener, sizeof(a.listener), "%s", l->c->name);
    snprintf(a.mode, sizeof(a.mode), "%s", config_mode_str(l->c->mode));
    snprintf(a.protocol, sizeof(a.protocol), "%s",
             config_proto_str(l->c->protocol));
    session_describe_peer(&a, peer);
    a.local_port = config_listen_port(l->c);
    a.end = END_REFUSED;
    a.capture_error = why;
    a.finish = "reset";
    app->stats.refused++;
    /* Refuse cheaply and unmistakably: RST, no reply. */
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    app_record(app, &a, l->c->policy);
}

static void
app_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
              struct sockaddr *peer, int peer_len, void *arg)
{
    struct app_listener *l = arg;
    struct app *app = l->app;
    struct sockaddr_storage ss;

    l->accepted++;
    memset(&ss, 0, sizeof(ss));
    memcpy(&ss, peer,
           (size_t)peer_len < sizeof(ss) ? (size_t)peer_len : sizeof(ss));
    if (!config_client_allowed(l->c, &ss)) {
        app_refuse(l, fd, peer, "client_not_allowed");
        return;
    }
    if (app->stats.open >= app->max_connections) {
        app_refuse(l, fd, peer, "max_connections");
        return;
    }
    if (!addrcount_inc(app->per_addr, peer, app->max_per_address)) {
        app_refuse(l, fd, peer, "max_per_address");
        return;
    }
    /* On failure the start function closes fd and undoes the count. */
    if (l->c->mode == LMODE_TEST) {
        session_start(l, fd, peer, (socklen_t)peer_len);
    } else {
        relay_start(l, fd, peer, (socklen_t)peer_len);
    }
}

static void
app_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
    struct app_listener *l = arg;

    if (l->lev != NULL && !l->app->stopping) {
        evconnlistener_enable(l->lev);
    }
}

/*
 * app_accept_error_cb: out of descriptors or memory (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM) the pending connection stays in the backlog and the
 * listener would be woken again at once. Pause accepting briefly so the
 * loop keeps serving the connections it has (whose ends free descriptors),
 * and log the first error of each burst only.
 */
static void
app_accept_error_cb(struct evconnlistener *lev, void *arg)
{
    struct app_listener *l = arg;
    int err = EVUTIL_SOCKET_ERROR();
    struct timeval pause = {0, APP_ACCEPT_PAUSE_MS * 1000};

    if (l->accept_errors++ % 1000 == 0) {
        log_warn("listener %s: accept: %s (pausing %d ms)", l->c->name,
                 evutil_socket_error_to_string(err), APP_ACCEPT_PAUSE_MS);
    }
    l->app->stats.limits_hit++;
    if (l->ev_resume == NULL) {
        l->ev_resume = evtimer_new(l->app->base, app_accept_resume_cb, l);
    }
    if (l->ev_resume != NULL && evconnlistener_disable(lev) == 0) {
        evtimer_add(l->ev_resume, &pause);
    }
}

static void
app_stop(struct app *app, const char *why)
{
    if (app->stopping) {
        log_info("%s again: exiting now", why);
        event_base_loopbreak(app->base);
        return;
    }
    app->stopping = true;
    log_info("%s: no new connections; finishing %llu attempt(s) in flight",
             why, (unsigned long long)app->stats.open);
    for (size_t i = 0; i < app->num_listeners; i++) {
        if (app->listeners[i].lev != NULL) {
            evconnlistener_free(app->listeners[i].lev);
            app->listeners[i].lev = NULL;
        }
    }
    relay_stopping(app); /* relayed connections end now */
    if (app->conns == NULL) {
        event_base_loopexit(app->base, NULL);
    }
}

static void
app_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    struct app *app = arg;

    if (sig == SIGHUP) {
        if (app->sink != NULL && sink_reopen(app->sink) == 0) {
            log_info("SIGHUP: reopened %s", sink_path(app->sink));
        }
        return;
    }
    app_stop(app, sig == SIGINT ? "SIGINT" : "SIGTERM");
}

int
app_listen(struct app *app)
{
    for (size_t i = 0; i < app->num_listeners; i++) {
        struct app_listener *l = &app->listeners[i];
        l->lev = evconnlistener_new_bind(
            app->base, app_accept_cb, l,
            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
            1024, (const struct sockaddr *)&l->c->listen_addr,
            (int)l->c->listen_addr_len);
        if (l->lev == NULL) {
            log_error("listener %s: cannot listen on %s: %s", l->c->name,
                      l->c->listen_text, strerror(errno));
            return -1;
        }
        evconnlistener_set_error_cb(l->lev, app_accept_error_cb);
    }
    return 0;
}

uint16_t
app_listener_port(const struct app_listener *l)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    evutil_socket_t fd;

    if (l->lev == NULL) {
        return 0;
    }
    fd = evconnlistener_get_fd(l->lev);
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

struct app *
app_new(const struct tr_config *cfg, struct sink *sink,
        struct console *console, struct judge *judge, const char *lang)
{
    struct app *app = calloc(1, sizeof(*app));

    if (app == NULL) {
        return NULL;
    }
    bbuf_init(&app->recbuf, RECORD_MAX);
    app->base = event_base_new();
    app->per_addr = addrcount_new();
    app->listeners = calloc(cfg->num_listeners ? cfg->num_listeners : 1,
                            sizeof(*app->listeners));
    if (app->base == NULL || app->per_addr == NULL ||
        app->listeners == NULL) {
        app_free(app);
        return NULL;
    }
    app->num_listeners = cfg->num_listeners;
    for (size_t i = 0; i < cfg->num_listeners; i++) {
        app->listeners[i].c = &cfg->listeners[i];
        app->listeners[i].app = app;
    }
    app->sink = sink;
    app->console = console;
    app->judge = judge;
    app->lang = lang;
    app->max_connections = cfg->global.max_connections;
    app->max_per_address = cfg->global.max_per_address;
    app->ev_sigint = evsignal_new(app->base, SIGINT, app_signal_cb, app);
    app->ev_sigterm = evsignal_new(app->base, SIGTERM, app_signal_cb, app);
    app->ev_sighup = evsignal_new(app->base, SIGHUP, app_signal_cb, app);
    if (app->ev_sigint == NULL || app->ev_sigterm == NULL ||
        app->ev_sighup == NULL) {
        app_free(app);
        return NULL;
    }
    event_add(app->ev_sigint, NULL);
    event_add(app->ev_sigterm, NULL);
    event_add(app->ev_sighup, NULL);
    return app;
}

int
app_run(struct app *app)
{
    return event_base_dispatch(app->base) < 0 ? -1 : 0;
}

void
app_free(struct app *app)
{
    if (app == NULL) {
        return;
    }
    while (app->conns != NULL) {
        struct app_conn *c = app->conns;
        c->free_fn(c); /* unlinks itself through app_conn_closed */
        if (app->conns == c) {
            app->conns = c->next; /* never loop on a broken free_fn */
        }
    }
    for (size_t i = 0; app->listeners != NULL && i < app->num_listeners;
         i++) {
        if (app->listeners[i].lev != NULL) {
            evconnlistener_free(app->listeners[i].lev);
            app->listeners[i].lev = NULL;
        }
        if (app->listeners[i].ev_resume != NULL) {
            event_free(app->listeners[i].ev_resume);
            app->listeners[i].ev_resume = NULL;
        }
    }
    free(app->listeners);
    app->listeners = NULL;
    if (app->ev_sigint != NULL) {
        event_free(app->ev_sigint);
    }
    if (app->ev_sigterm != NULL) {
        event_free(app->ev_sigterm);
    }
    if (app->ev_sighup != NULL) {
        event_free(app->ev_sighup);
    }
    relay_ctx_free(app->relay); /* before the base: it owns evdns */
    app->relay = NULL;
    addrcount_free(app->per_addr);
    bbuf_cleanup(&app->recbuf);
    if (app->base != NULL) {
        event_base_free(app->base);
    }
    free(app);
}
