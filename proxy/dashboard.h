/*
 * dashboard.h - the live, read-only web dashboard served by tlsready itself
 * (libevent evhttp, 2.1 API) on global.dashboard_addr, loopback by default.
 * It shows each attempt as it is recorded (server-sent events, with a
 * polling fallback), counters and a chart, a detail view per attempt, a
 * JSON API and Prometheus metrics. See doc/dashboard.md.
 *
 *   GET /                 the page (HTML; its script is /app.js, no inline
 *                         script: Content-Security-Policy script-src 'self')
 *   GET /app.js /app.css  the page's script and style
 *   GET /api/records      ?verdict=&listener=&limit=&since_id= (bounded)
 *   GET /api/attempt/ID   one record as stored
 *   GET /api/stats        counters
 *   GET /api/advice       the advice catalogue in the dashboard's language
 *   GET /api/events       server-sent events: one "record" event per attempt
 *   GET /metrics          Prometheus text exposition format 0.0.4
 *
 * Everything else answers 404; methods other than GET and HEAD answer 405.
 */
#ifndef TLSREADY_DASHBOARD_H
#define TLSREADY_DASHBOARD_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "config.h"

/* Records kept in memory for the page and the API. */
#define DASH_RING_RECORDS 1000
/* ...and at most this many bytes of them (each is <= RECORD_MAX). */
#define DASH_RING_BYTES (16u * 1024 * 1024)
/* Concurrent event-stream clients and HTTP connections. */
#define DASH_MAX_SSE 32
#define DASH_MAX_CONNS 64
/* Request limits (evhttp). */
#define DASH_MAX_HEADERS 8192
#define DASH_MAX_BODY 1024
#define DASH_TIMEOUT_S 30
/* An event-stream client that falls this far behind is dropped. */
#define DASH_SSE_MAX_PENDING (4u * 1024 * 1024)
/* Seconds between keep-alive comments on event streams. */
#define DASH_SSE_HEARTBEAT_S 15
/* Distinct label sets of tlsready_attempts_total kept. */
#define DASH_MAX_SERIES 512

struct dashboard;

/*
 * dashboard_start binds cfg->global.dashboard_addr on app's event base and
 * installs the dashboard as app->on_record (calling any hook that was set
 * before it). `app` and `cfg` must outlive the dashboard. Returns NULL with
 * a message in err[errlen] when it cannot bind or allocate; nothing is
 * left installed then.
 */
struct dashboard *dashboard_start(struct app *app,
                                  const struct tr_config *cfg, char *err,
                                  size_t errlen);

/*
 * dashboard_port returns the port the dashboard listens on (useful when
 * the configured port was 0), or 0.
 */
uint16_t dashboard_port(const struct dashboard *d);

/*
 * dashboard_free closes every dashboard connection, restores the previous
 * app->on_record hook and frees the dashboard. NULL is allowed. Call it
 * before app_free.
 */
void dashboard_free(struct dashboard *d);

#endif /* TLSREADY_DASHBOARD_H */
