/*
 * fuzz_serverhello.c - any bytes as a ServerHello body: no crash, views
 * inside the input, counts within caps; and a server byte stream through
 * srvscan_run whose reassembled hello is parsed in turn.
 * Suggested -max_len: 16389.
 */
#include <stdlib.h>
#include <string.h>

#include "serverhello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[20000];

static bool
inside(const struct bcur *v, const uint8_t *b, size_t len)
{
    if (v->len == 0) {
        return true;
    }
    return v->ptr >= b && v->ptr <= b + len &&
           v->len <= (size_t)(b + len - v->ptr);
}

static void
check(const struct serverhello *sh, const uint8_t *b, size_t len)
{
    if (!inside(&sh->random, b, len) || !inside(&sh->session_id, b, len) ||
        !inside(&sh->alpn, b, len) ||
        sh->num_extensions > SH_MAX_EXTENSIONS ||
        (sh->status != SH_OK && sh->error_offset > len)) {
        abort();
    }
    for (size_t i = 0; i < sh->num_extensions; i++) {
        if (!inside(&sh->extensions[i].data, b, len)) {
            abort();
        }
    }
    if (sh->has_supported_versions &&
        sh->negotiated_version != sh->selected_version) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct serverhello sh;
    struct srvscan s;
    enum srvscan_status st;

    if (serverhello_parse(&sh, data, size) != sh.status) {
        abort();
    }
    check(&sh, data, size);
    (void)tls_alert_level_str(size > 0 ? data[0] : 0);
    (void)tls_alert_desc_str(size > 1 ? data[1] : 0);

    st = srvscan_run(&s, buf, sizeof(buf), data, size, 16384, 65536);
    (void)srvscan_status_str(st);
    (void)srvscan_stop_str(s.stop);
    if (s.consumed > size) {
        abort();
    }
    if (s.has_server_hello) {
        if (s.sh_body != buf + 4 || s.sh_len + 4 > sizeof(buf)) {
            abort();
        }
        if (serverhello_parse(&sh, s.sh_body, s.sh_len) != sh.status) {
            abort();
        }
        check(&sh, s.sh_body, s.sh_len);
    }
    return 0;
}
