/*
 * addrcount.h - live connections per client address, for the
 * max_per_address limit. A small chained hash table keyed by the address
 * bytes (port ignored); entries vanish when their count drops to zero.
 */
#ifndef TLSREADY_ADDRCOUNT_H
#define TLSREADY_ADDRCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "compiler.h"

struct addrcount;

struct addrcount *addrcount_new(void);
void addrcount_free(struct addrcount *ac);

/*
 * addrcount_inc adds one connection for the address in `sa` unless that
 * would pass `max`; it returns false (and counts nothing) when it would,
 * or when memory runs out.
 */
MUST_CHECK bool addrcount_inc(struct addrcount *ac, const struct sockaddr *sa,
                              size_t max);

/* addrcount_dec removes one connection counted by addrcount_inc. */
void addrcount_dec(struct addrcount *ac, const struct sockaddr *sa);

#endif /* TLSREADY_ADDRCOUNT_H */
