/*
 * tl.h - the tiny test library: CHECK() records a failure and goes on, so one
 * run shows every broken assertion; tl_fenced() copies a vector so that its
 * last byte is followed by an unreadable page, and an over-read crashes at
 * once instead of passing by luck. No framework dependency.
 */
#ifndef TLSREADY_TL_H
#define TLSREADY_TL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern int tl_failures;
extern int tl_checks;

void tl_fail(const char *file, int line, const char *expr);

#define CHECK(e)                                                               \
    do {                                                                       \
        tl_checks++;                                                           \
        if (!(e)) {                                                            \
            tl_fail(__FILE__, __LINE__, #e);                                   \
        }                                                                      \
    } while (0)

/*
 * tl_fenced returns a copy of `len` bytes placed so that the byte after the
 * last one is in a PROT_NONE page. Free it with tl_fenced_free().
 */
uint8_t *tl_fenced(const void *p, size_t len);
void tl_fenced_free(uint8_t *p, size_t len);

/* tl_unhex decodes hex text (whitespace ignored) into a malloc'd buffer. */
uint8_t *tl_unhex(const char *hex, size_t *len);

/* tl_read_file reads a whole file; NULL if it cannot be read. */
uint8_t *tl_read_file(const char *path, size_t *len);

/* tl_done prints the summary line and returns the process exit code. */
int tl_done(const char *name);

#endif /* TLSREADY_TL_H */
