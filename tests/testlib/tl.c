#include "tl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int tl_failures;
int tl_checks;

void
tl_fail(const char *file, int line, const char *expr)
{
    tl_failures++;
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
}

static size_t
tl_pagesize(void)
{
    long ps = sysconf(_SC_PAGESIZE);

    return ps > 0 ? (size_t)ps : 4096;
}

uint8_t *
tl_fenced(const void *p, size_t len)
{
    size_t ps = tl_pagesize();
    size_t data_pages = (len + ps - 1) / ps;
    size_t total = (data_pages + 1) * ps;
    uint8_t *m;

    m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (m == MAP_FAILED) {
        perror("mmap");
        abort();
    }
    if (mprotect(m + data_pages * ps, ps, PROT_NONE) != 0) {
        perror("mprotect");
        abort();
    }
    uint8_t *start = m + data_pages * ps - len;
    if (len > 0) {
        memcpy(start, p, len);
    }
    return start;
}

void
tl_fenced_free(uint8_t *p, size_t len)
{
    size_t ps = tl_pagesize();
    size_t data_pages = (len + ps - 1) / ps;
    uint8_t *m = p + len - data_pages * ps;

    munmap(m, (data_pages + 1) * ps);
}

static int
tl_hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

uint8_t *
tl_unhex(const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *out = malloc(n / 2 + 1);
    size_t o = 0;
    int hi = -1;

    if (out == NULL) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        int v = tl_hexval((unsigned char)hex[i]);
        if (v < 0) {
            continue;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[o++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *len = o;
    return out;
}

uint8_t *
tl_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0;
    size_t n = 0;

    if (f == NULL) {
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) {
            break;
        }
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

int
tl_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, tl_checks, tl_failures);
    printf("%d passed, %d failed\n", tl_checks - tl_failures, tl_failures);
    return tl_failures == 0 ? 0 : 1;
}
