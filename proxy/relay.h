/*
 * relay.h - relay mode and the proxy front doors (HTTP CONNECT, SOCKS5):
 * every byte passes through unchanged while the plaintext stage, the
 * ClientHello, the ServerHello and alerts are watched; one record per
 * connection, like test mode.
 */
#ifndef TLSREADY_RELAY_H
#define TLSREADY_RELAY_H

#include <stdbool.h>
#include <sys/socket.h>

#include "app.h"

/*
 * relay_start takes ownership of the accepted socket for a listener whose
 * mode is relay, http-connect or socks5. On failure it closes `fd`, undoes
 * the per-address count and writes a record saying why.
 */
void relay_start(struct app_listener *l, int fd, const struct sockaddr *peer,
                 socklen_t peer_len);

/*
 * relay_stopping ends every relayed connection of `app` (tlsready is
 * stopping): each is closed and recorded with closed_first "shutdown".
 * Test-mode sessions are left alone.
 */
void relay_stopping(struct app *app);

/*
 * relay_ctx_free frees the relay state of an app (resolver, shared
 * buffers) after every relay is gone; NULL-safe. Called by app_free.
 */
void relay_ctx_free(struct relay_ctx *ctx);

#endif /* TLSREADY_RELAY_H */
