/*
 * relay.h - relay mode and the proxy front doors (HTTP CONNECT, SOCKS5):
 * every byte passes through unchanged while the plaintext stage, the
 * ClientHello, the ServerHello and alerts are watched; one record per
 * connection, like test mode.
 */
#ifndef TLSREADY_RELAY_H
#define TLSREADY_RELAY_H

#include <sys/socket.h>

#include "app.h"

/*
 * relay_start takes ownership of the accepted socket for a listener whose
 * mode is relay, http-connect or socks5. On failure it closes `fd`, undoes
 * the per-address count and writes a record saying why.
 */
void relay_start(struct app_listener *l, int fd, const struct sockaddr *peer,
                 socklen_t peer_len);

#endif /* TLSREADY_RELAY_H */
