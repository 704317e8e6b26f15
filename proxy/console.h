/*
 * console.h - one human line per attempt on stdout: time, peer, listener,
 * the client if known, versions offered, PASS/WARN/FAIL/UNKNOWN and the
 * one-line reason. Colour on a terminal; none with NO_COLOR set, when
 * piped, or when configured plain. Every peer-influenced string is made
 * safe for a terminal (control bytes and invalid UTF-8 shown as \xNN).
 */
#ifndef TLSREADY_CONSOLE_H
#define TLSREADY_CONSOLE_H

#include <stdbool.h>
#include <stdio.h>

#include "attempt.h"
#include "config.h"

struct console;

/* console_new decides colour from `mode`, NO_COLOR and isatty(out). */
struct console *console_new(FILE *out, enum config_console mode,
                            const char *lang);
void console_free(struct console *c);

/* console_attempt prints the line for one finished attempt. */
void console_attempt(struct console *c, const struct attempt *a);

/* console_enabled is false for console = off. */
bool console_enabled(const struct console *c);

/* console_safe appends a terminal-safe copy of `n` peer bytes to buf. */
void console_safe(char *buf, size_t bufsz, const uint8_t *p, size_t n);

#endif /* TLSREADY_CONSOLE_H */
