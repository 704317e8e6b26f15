/* console.c - see console.h. */
#include "console.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "advice.h"
#include "names.h"
#include "verdict.h"

struct console {
    FILE *out;
    bool color;
    bool off;
    const char *lang;
};

struct console *
console_new(FILE *out, enum config_console mode, const char *lang)
{
    struct console *c = calloc(1, sizeof(*c));
    const char *nc = getenv("NO_COLOR");

    if (c == NULL) {
        return NULL;
    }
    c->out = out;
    c->lang = lang;
    c->off = mode == CONSOLE_OFF;
    switch (mode) {
    case CONSOLE_COLOR:
        c->color = true;
        break;
    case CONSOLE_AUTO:
        /* https://no-color.org: any non-empty NO_COLOR disables colour. */
        c->color = isatty(fileno(out)) && (nc == NULL || nc[0] == '\0');
        break;
    case CONSOLE_PLAIN:
    case CONSOLE_OFF:
        c->color = false;
        break;
    }
    return c;
}

void
console_free(struct console *c)
{
    free(c);
}

bool
console_enabled(const struct console *c)
{
    return c != NULL && !c->off;
}

void
console_safe(char *buf, size_t bufsz, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    size_t o = strlen(buf);

    for (size_t i = 0; i < n && o + 5 < bufsz; i++) {
        uint8_t b = p[i];
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            buf[o++] = (char)b;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hexd[b >> 4];
            buf[o++] = hexd[b & 0xf];
        }
    }
    buf[o] = '\0';
}

static const char *
verdict_color(enum verdict_kind k)
{
    switch (k) {
    case VERDICT_PASS:
        return "\033[1;32m";
    case VERDICT_WARN:
        return "\033[1;33m";
    case VERDICT_FAIL:
        return "\033[1;31m";
    case VERDICT_UNKNOWN:
        break;
    }
    return "\033[1;37m";
}

static void
versions_text(char *buf, size_t bufsz, const struct attempt *a, bool ja)
{
    struct name_buf nb;
    size_t o = 0;

    buf[0] = '\0';
    if (!a->have_hello) {
        snprintf(buf, bufsz, "%s", ja ? "ClientHello なし" : "no hello");
        return;
    }
    o += (size_t)snprintf(buf, bufsz, "%s", ja ? "提示: " : "offers ");
    for (size_t i = 0; i < a->ch.num_versions && o + 16 < bufsz; i++) {
        int k = snprintf(buf + o, bufsz - o, "%s%s", i > 0 ? "," : "",
                         names_version(a->ch.versions[i], &nb));
        if (k < 0) {
            break;
        }
        o += (size_t)k;
    }
    if (a->ch.num_versions == 0 && o < bufsz) {
        snprintf(buf + o, bufsz - o, "%s",
                 ja ? "使えるバージョンなし" : "nothing usable");
    }
}

void
console_attempt(struct console *c, const struct attempt *a)
{
    char when[16];
    char client[160] = "";
    char versions[160];
    const char *kind;
    const char *text = "";
    struct tm tm;
    time_t t = a->t_start.tv_sec;
    bool ja;

    if (!console_enabled(c)) {
        return;
    }
    ja = c->lang != NULL && strcmp(c->lang, "ja") == 0;
    if (localtime_r(&t, &tm) == NULL ||
        strftime(when, sizeof(when), "%H:%M:%S", &tm) == 0) {
        when[0] = '\0';
    }
    if (a->verdict.client_family != NULL) {
        console_safe(client, sizeof(client),
                     (const uint8_t *)a->verdict.client_family,
                     strlen(a->verdict.client_family));
        if (a->verdict.client_detail != NULL) {
            /* The detail can list many programs; a glance needs ~60. */
            size_t dl = strlen(a->verdict.client_detail);
            size_t n = strlen(client);
            snprintf(client + n, sizeof(client) - n, " (");
            console_safe(client, sizeof(client),
                         (const uint8_t *)a->verdict.client_detail,
                         dl > 60 ? 60 : dl);
            n = strlen(client);
            snprintf(client + n, sizeof(client) - n, "%s)",
                     dl > 60 ? "..." : "");
        }
    } else {
        snprintf(client, sizeof(client), "%s",
                 ja ? "クライアント不明" : "client unknown");
    }
    versions_text(versions, sizeof(versions), a, ja);
    switch (a->verdict.kind) {
    case VERDICT_PASS:
        kind = "PASS";
        break;
    case VERDICT_WARN:
        kind = "WARN";
        break;
    case VERDICT_FAIL:
        kind = "FAIL";
        break;
    case VERDICT_UNKNOWN:
    default:
        kind = "UNKNOWN";
        break;
    }
    if (a->verdict.summary_code != NULL) {
        text = verdict_reason_text(a->verdict.summary_code, c->lang);
    } else if (a->verdict.kind == VERDICT_PASS) {
        text = ja ? "ポリシーの要件を満たしています" : "meets the policy";
    }
    fprintf(c->out, "%s  %s:%u  %-14s %s%-7s%s %s; %s — %s\n", when,
            a->peer_addr, (unsigned)a->peer_port, a->listener,
            c->color ? verdict_color(a->verdict.kind) : "", kind,
            c->color ? "\033[0m" : "", versions, client, text);
    /*
     * What to do, at a glance: the first advice items' titles (our own
     * catalogue text); the full steps are in the record, the dashboard
     * and `tlsready report`.
     */
    for (size_t i = 0; i < a->verdict.num_advice && i < 2; i++) {
        const struct advice *ad = advice_get(a->verdict.advice[i]);
        if (ad != NULL) {
            fprintf(c->out, "          -> %s  [%s]\n",
                    advice_title(ad, c->lang), ad->id);
        }
    }
    fflush(c->out);
}
