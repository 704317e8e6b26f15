/*
 * relay.c - placeholder until relay mode lands: the connection is recorded
 * as refused with the reason, so no connection goes unrecorded.
 */
#include "relay.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addrcount.h"
#include "session.h"

void
relay_start(struct app_listener *l, int fd, const struct sockaddr *peer,
            socklen_t peer_len)
{
    struct app *app = l->app;
    struct attempt a;

    (void)peer_len;
    memset(&a, 0, sizeof(a));
    a.id = ++app->next_id;
    clock_gettime(CLOCK_REALTIME, &a.t_start);
    a.t_end = a.t_start;
    snprintf(a.listener, sizeof(a.listener), "%s", l->c->name);
    snprintf(a.mode, sizeof(a.mode), "%s", config_mode_str(l->c->mode));
    session_describe_peer(&a, peer);
    a.end = END_REFUSED;
    a.capture_error = "relay_not_available";
    close(fd);
    addrcount_dec(app->per_addr, peer);
    app_record(app, &a, l->c->policy);
}
