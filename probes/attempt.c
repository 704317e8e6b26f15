/* attempt.c - token tables for struct attempt. */
#include "attempt.h"

#include <string.h>

const char *
attempt_end_str(enum attempt_end e)
{
    switch (e) {
    case END_NONE:
        return "none";
    case END_HELLO_CAPTURED:
        return "hello_captured";
    case END_HANDSHAKE_DONE:
        return "handshake_done";
    case END_HANDSHAKE_FAILED:
        return "handshake_failed";
    case END_CLIENT_QUIT:
        return "client_quit";
    case END_CLIENT_CLOSED:
        return "client_closed";
    case END_PLAINTEXT_ON_TLS_PORT:
        return "plaintext_on_tls_port";
    case END_TLS_ON_PLAIN_PORT:
        return "tls_on_starttls_port";
    case END_NOT_TLS:
        return "not_tls";
    case END_TIMEOUT_PLAINTEXT:
        return "timeout_plaintext";
    case END_TIMEOUT_HELLO:
        return "timeout_hello";
    case END_TOO_BIG:
        return "too_big";
    case END_MALFORMED:
        return "malformed";
    case END_LIMIT:
        return "limit";
    case END_REFUSED:
        return "refused";
    case END_UPSTREAM_FAILED:
        return "upstream_failed";
    case END_RELAYED:
        return "relayed";
    case END_SHUTDOWN:
        return "shutdown";
    }
    return "none";
}

const char *
verdict_kind_str(enum verdict_kind k)
{
    switch (k) {
    case VERDICT_PASS:
        return "pass";
    case VERDICT_WARN:
        return "warn";
    case VERDICT_FAIL:
        return "fail";
    case VERDICT_UNKNOWN:
        break;
    }
    return "unknown";
}

void
attempt_set_hint(uint8_t *dst, size_t *dst_len, const uint8_t *p, size_t n)
{
    if (n > ATTEMPT_HINT_MAX) {
        n = ATTEMPT_HINT_MAX;
    }
    if (n > 0) {
        memcpy(dst, p, n);
    }
    *dst_len = n;
}
