/* log.c - timestamped diagnostics on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level log_level = LOG_INFO;

void
log_set_level(enum log_level lvl)
{
    log_level = lvl;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    char ts[32];
    time_t now;
    struct tm tm;
    va_list ap;

    if (lvl > log_level) {
        return;
    }
    now = time(NULL);
    if (localtime_r(&now, &tm) == NULL ||
        strftime(ts, sizeof(ts), "%H:%M:%S", &tm) == 0) {
        ts[0] = '\0';
    }
    fprintf(stderr, "%s tlsready: %s: ", ts, names[lvl]);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
