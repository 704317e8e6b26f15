/*
 * fuzz_relay_watch.c - the relay's read-only watchers (proxy/relay_watch.c)
 * on any bytes. The first byte picks the protocol; each following line
 * goes to the client or the server side (by its first byte's low bit).
 * Properties: bounded facts stay bounded, and the TLS record walker gives
 * the same result fed whole, byte by byte, or split at a point chosen by
 * the input.
 * Suggested -max_len: 4096.
 */
#include <stdlib.h>
#include <string.h>

#include "relay_watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
same_walk(const struct rw_tls *a, const struct rw_tls *b)
{
    if (a->records != b->records || a->ccs != b->ccs ||
        a->appdata != b->appdata || a->fatal != b->fatal ||
        a->malformed != b->malformed || a->num_alerts != b->num_alerts) {
        return false;
    }
    for (size_t i = 0; i < a->num_alerts && i < RW_MAX_ALERTS; i++) {
        if (a->alerts[i].level != b->alerts[i].level ||
            a->alerts[i].description != b->alerts[i].description ||
            a->alerts[i].encrypted != b->alerts[i].encrypted) {
            return false;
        }
    }
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rw_mail m;
    static struct rw_tls w1, w2, w3;
    struct bcur in, line;
    uint8_t sel;
    size_t split;

    if (size < 2) {
        return 0;
    }
    bcur_init(&in, data, size);
    if (!bcur_get_u8(&in, &sel)) {
        return 0;
    }
    rw_mail_init(&m, sel % 3 == 0 ? MP_IMAP : sel % 3 == 1 ? MP_POP3
                                                           : MP_SMTP);
    while (bcur_get_until(&in, &line, '\n', bcur_left(&in))) {
        uint8_t b = 0;
        enum rw_event ev;
        if (bcur_peek_u8(&line, &b) && (b & 1)) {
            ev = rw_mail_server_line(&m, &line);
        } else {
            ev = rw_mail_client_line(&m, &line);
        }
        if ((int)ev < RW_NONE || ev > RW_CLIENT_ID ||
            m.ehlo_len > RW_EHLO_MAX || m.reject_len > RW_REJECT_MAX ||
            m.tag_len > RW_TAG_MAX) {
            abort();
        }
        if (ev == RW_SERVER_TLS_GO && !m.starttls_accepted) {
            abort();
        }
        /* The ID arguments are a view inside the line just given. */
        if (ev == RW_CLIENT_ID &&
            (bcur_data(&m.id_args) < bcur_data(&line) ||
             bcur_data(&m.id_args) + bcur_left(&m.id_args) >
                 bcur_data(&line) + bcur_left(&line))) {
            abort();
        }
        /* What the relay's record does with them: the plaintext stage's
         * ID parser into bounded attempt hints. */
        if (ev == RW_CLIENT_ID) {
            struct attempt *a = calloc(1, sizeof(*a));
            if (a != NULL) {
                (void)mailproto_imap_id_to_attempt(bcur_data(&m.id_args),
                                                   bcur_left(&m.id_args), a);
                if (a->id_name_len > ATTEMPT_HINT_MAX ||
                    a->id_version_len > ATTEMPT_HINT_MAX ||
                    a->id_os_len > ATTEMPT_HINT_MAX ||
                    a->id_os_version_len > ATTEMPT_HINT_MAX) {
                    abort();
                }
                free(a);
            }
        }
    }
    memset(&w1, 0, sizeof(w1));
    memset(&w2, 0, sizeof(w2));
    memset(&w3, 0, sizeof(w3));
    rw_tls_feed(&w1, data + 1, size - 1);
    for (size_t i = 1; i < size; i++) {
        rw_tls_feed(&w2, data + i, 1);
    }
    split = 1 + (size_t)sel % (size - 1);
    rw_tls_feed(&w3, data + 1, split - 1);
    rw_tls_feed(&w3, data + split, size - split);
    if (!same_walk(&w1, &w2) || !same_walk(&w1, &w3)) {
        abort();
    }
    return 0;
}
