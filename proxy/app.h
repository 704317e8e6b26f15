/*
 * app.h - the running program's context: one libevent loop, the listeners,
 * the record sink, the console, the judgement tables and the counters. It is
 * passed down explicitly (no globals) so tests can build two in a process.
 */
#ifndef TLSREADY_APP_H
#define TLSREADY_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "attempt.h"
#include "bytes.h"
#include "compiler.h"
#include "config.h"
#include "policy.h"

struct event_base;
struct event;
struct evconnlistener;
struct sink;
struct console;
struct addrcount;
struct session;
struct judge;
struct crypto_tls_server;
struct relay_ctx;

/* Drain after our last bytes: long enough for a client to read an alert. */
#define APP_DRAIN_MS 2000

struct app_listener {
    const struct listener_conf *c;  /* owned by the config */
    struct evconnlistener *lev;
    struct app *app;
    uint64_t accepted;
    struct event *ev_resume;        /* re-enables accept after EMFILE */
    uint64_t accept_errors;
};

/* Pause after an accept error such as EMFILE, instead of spinning. */
#define APP_ACCEPT_PAUSE_MS 100

/*
 * struct app_conn is embedded in every live connection object (test-mode
 * session, relay, proxy), so the app can count them, wait for them at
 * shutdown and free them at exit without knowing their types.
 */
struct app_conn {
    struct app_conn *prev;
    struct app_conn *next;
    void (*free_fn)(struct app_conn *c);  /* frees the whole object */
    struct sockaddr_storage peer;         /* counted in per_addr */
};

struct app_stats {
    uint64_t attempts;
    uint64_t by_verdict[4];
    uint64_t refused;
    uint64_t limits_hit;
    uint64_t open;
};

struct app {
    struct event_base *base;
    struct app_listener *listeners;
    size_t num_listeners;
    struct sink *sink;
    struct console *console;
    struct addrcount *per_addr;
    size_t max_connections;
    size_t max_per_address;
    const char *lang;
    struct app_stats stats;
    uint64_t next_id;
    bool stopping;
    struct app_conn *conns;         /* live connections */
    struct bbuf recbuf;             /* reused for every record line */
    struct event *ev_sigint;
    struct event *ev_sigterm;
    struct event *ev_sighup;
    struct judge *judge;            /* verdicts, identification, stories */
    struct crypto_tls_server *tls_server; /* NULL: no handshake finish */
    struct relay_ctx *relay;        /* relay/proxy state (DNS, buffers);
                                       made lazily by relay.c */
    /* Hook for live views (dashboard): called with each record line. */
    void (*on_record)(void *arg, const struct attempt *a, const char *json,
                      size_t len);
    void *on_record_arg;
};

/*
 * app_record finishes an attempt: judges it, writes its record line to the
 * sink, prints its console line, and feeds live views. Called exactly once
 * per connection by the session.
 */
void app_record(struct app *app, struct attempt *a,
                const struct policy *policy);

/*
 * app_conn_add links a new connection (already counted per address by the
 * accept callback); app_conn_closed unlinks it and undoes the counts. Every
 * connection object calls the second exactly once, from its free function.
 */
void app_conn_add(struct app *app, struct app_conn *c, void (*free_fn)(
                  struct app_conn *), const struct sockaddr *peer,
                  socklen_t peer_len);
void app_conn_closed(struct app *app, struct app_conn *c);

/*
 * app_listener_start is what the accept callback calls per mode; a mode's
 * module implements it: session_start (test), relay_start (relay and the
 * proxy front doors). On failure they close fd and undo the count.
 */
typedef void (*app_start_fn)(struct app_listener *l, int fd,
                             const struct sockaddr *peer, socklen_t peer_len);

/*
 * app_new builds the context for `cfg` (which must outlive it); the sink,
 * console and judge stay owned by the caller. NULL when out of memory.
 */
struct app *app_new(const struct tr_config *cfg, struct sink *sink,
                    struct console *console, struct judge *judge,
                    const char *lang);

/* app_listen opens every listener; -1 (logged) when one cannot listen. */
MUST_CHECK int app_listen(struct app *app);

/* app_listener_port returns the port a listener actually got (port 0). */
uint16_t app_listener_port(const struct app_listener *l);

/* app_run runs the loop until a stop signal and the last attempt ends. */
int app_run(struct app *app);

/* app_free frees everything app_new made; NULL-safe. */
void app_free(struct app *app);

#endif /* TLSREADY_APP_H */
