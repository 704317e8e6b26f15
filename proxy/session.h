/*
 * session.h - one client connection in test mode: the plaintext stage (if
 * any), the ClientHello capture, the configured finish, and exactly one
 * record. The session owns its socket, its events, its buffers and its
 * handshake engine; session_free() is the only place they are released.
 */
#ifndef TLSREADY_SESSION_H
#define TLSREADY_SESSION_H

#include <sys/socket.h>

#include "app.h"

/*
 * session_start takes ownership of the accepted, non-blocking socket `fd`
 * and begins the attempt. On failure it closes `fd` itself, undoes the
 * per-address count and writes a record saying why.
 */
void session_start(struct app_listener *l, int fd,
                   const struct sockaddr *peer, socklen_t peer_len);

/* session_free releases everything; NULL-safe and idempotent by design. */
void session_free(struct session *s);

/* session_describe_peer fills peer_addr/peer_port of `a` from `peer`. */
void session_describe_peer(struct attempt *a, const struct sockaddr *peer);

#endif /* TLSREADY_SESSION_H */
