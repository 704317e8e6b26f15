/*
 * hellogen.c - load generator for test-mode benchmarks. Keeps `conns`
 * connections busy for `seconds`: each connects, optionally walks the IMAP
 * STARTTLS exchange, sends a recorded ClientHello, reads until the server
 * closes (alert + FIN, or a plain close), and starts over. Prints one JSON
 * line: attempts completed, rate, latency percentiles, errors.
 *
 *   hellogen PORT HELLO_FILE [tls|imap] [conns] [seconds]
 *
 * Loopback only: the target address is always 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum st { ST_CONNECT, ST_GREETING, ST_STARTTLS, ST_HELLO_SENT };

struct conn {
    int fd;
    enum st st;
    char line[512];
    size_t line_len;
    double t0;
};

static uint8_t hello[65536];
static size_t hello_len;
static int imap_mode;
static struct sockaddr_in target;
static int ep;
static double *lat;
static size_t nlat, caplat;
static unsigned long errors;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
conn_open(struct conn *c)
{
    struct epoll_event ev;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        perror("socket");
        exit(1);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->st = ST_CONNECT;
    c->line_len = 0;
    c->t0 = now();
    if (connect(c->fd, (struct sockaddr *)&target, sizeof(target)) != 0 &&
        errno != EINPROGRESS) {
        errors++;
    }
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
conn_done(struct conn *c, int ok)
{
    close(c->fd);
    if (ok) {
        if (nlat == caplat) {
            caplat = caplat ? caplat * 2 : 65536;
            lat = realloc(lat, caplat * sizeof(*lat));
        }
        lat[nlat++] = now() - c->t0;
    } else {
        errors++;
    }
    conn_open(c);
}

static void
send_all(struct conn *c, const void *p, size_t n)
{
    /* Small writes on a fresh socket: they fit the send buffer. */
    if (write(c->fd, p, n) != (ssize_t)n) {
        conn_done(c, 0);
    }
}

/* read a line; returns 1 when a full line is in c->line */
static int
read_line(struct conn *c)
{
    ssize_t n = read(c->fd, c->line + c->line_len,
                     sizeof(c->line) - 1 - c->line_len);
    if (n <= 0) {
        return n == 0 || (errno != EAGAIN) ? -1 : 0;
    }
    c->line_len += (size_t)n;
    c->line[c->line_len] = '\0';
    return strstr(c->line, "\r\n") != NULL ? 1 : 0;
}

static void
conn_event(struct conn *c, uint32_t events)
{
    char buf[4096];
    int r;
    struct epoll_event ev;

    switch (c->st) {
    case ST_CONNECT:
        if (events & (EPOLLERR | EPOLLHUP)) {
            conn_done(c, 0);
            return;
        }
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        if (imap_mode) {
            c->st = ST_GREETING;
        } else {
            c->st = ST_HELLO_SENT;
            send_all(c, hello, hello_len);
        }
        return;
    case ST_GREETING:
        r = read_line(c);
        if (r < 0) {
            conn_done(c, 0);
        } else if (r > 0) {
            c->line_len = 0;
            c->st = ST_STARTTLS;
            send_all(c, "a STARTTLS\r\n", 12);
        }
        return;
    case ST_STARTTLS:
        r = read_line(c);
        if (r < 0) {
            conn_done(c, 0);
        } else if (r > 0) {
            c->st = ST_HELLO_SENT;
            send_all(c, hello, hello_len);
        }
        return;
    case ST_HELLO_SENT:
        for (;;) {
            ssize_t n = read(c->fd, buf, sizeof(buf));
            if (n > 0) {
                continue;
            }
            if (n == 0 || errno == ECONNRESET) {
                conn_done(c, 1); /* the server ended the attempt */
                return;
            }
            if (errno == EAGAIN) {
                return;
            }
            conn_done(c, 0);
            return;
        }
    }
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: hellogen PORT HELLO_FILE [tls|imap] [conns] "
                        "[seconds]\n");
        return 2;
    }
    int port = atoi(argv[1]);
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) {
        perror(argv[2]);
        return 2;
    }
    hello_len = fread(hello, 1, sizeof(hello), f);
    fclose(f);
    imap_mode = argc > 3 && strcmp(argv[3], "imap") == 0;
    int nconns = argc > 4 ? atoi(argv[4]) : 32;
    double seconds = argc > 5 ? atof(argv[5]) : 5;

    memset(&target, 0, sizeof(target));
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)port);
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ep = epoll_create1(0);
    struct conn *cs = calloc((size_t)nconns, sizeof(*cs));
    for (int i = 0; i < nconns; i++) {
        conn_open(&cs[i]);
    }
    double t_start = now(), t_end = t_start + seconds;
    struct epoll_event evs[256];
    while (now() < t_end) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++) {
            conn_event(evs[i].data.ptr, evs[i].events);
        }
    }
    double elapsed = now() - t_start;
    qsort(lat, nlat, sizeof(*lat), cmp);
    printf("{\"attempts\":%zu,\"seconds\":%.3f,\"rate\":%.1f,"
           "\"p50_us\":%.0f,\"p99_us\":%.0f,\"errors\":%lu}\n",
           nlat, elapsed, (double)nlat / elapsed,
           nlat ? lat[nlat / 2] * 1e6 : 0.0,
           nlat ? lat[(size_t)((double)nlat * 0.99)] * 1e6 : 0.0, errors);
    return 0;
}
