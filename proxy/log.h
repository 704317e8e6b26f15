/*
 * log.h - operator-facing diagnostics on stderr (not the records, not the
 * console attempt lines). Peer-supplied text must never be passed as a
 * format string; use log_peer() helpers in the console module for that.
 */
#ifndef TLSREADY_LOG_H
#define TLSREADY_LOG_H

#include <stdbool.h>

#include "compiler.h"

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* log_set_level sets the most verbose level shown (default LOG_INFO). */
void log_set_level(enum log_level lvl);

void log_msg(enum log_level lvl, const char *fmt, ...) PRINTFLIKE(2, 3);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* TLSREADY_LOG_H */
