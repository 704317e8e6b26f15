/*
 * loadgen.c - load generator and upstream server for the relay benchmark
 * (tests/bench/relay_bench.py, doc/benchmarks.md). One process, one epoll
 * loop, non-blocking sockets, loopback only. Not part of tlsready.
 *
 *   loadgen server PORT close|hold|stream
 *       close:  read the client's first bytes, answer a 7-byte TLS alert
 *               (protocol_version), half-close, close at the client's EOF
 *       hold:   the same answer, then keep the connection open
 *       stream: read and discard everything, write without pause
 *   loadgen conn PORT CONCURRENCY SECONDS HELLOFILE
 *       connections per second: connect, send the ClientHello, read the
 *       7-byte answer, close; prints conns, rate, p50/p99 latency (us)
 *   loadgen tput PORT STREAMS SECONDS
 *       STREAMS connections, each sending and receiving without pause;
 *       prints MB/s up (sent) and down (received)
 *   loadgen idle PORT COUNT HELLOFILE
 *       COUNT connections, each sends the hello and reads the answer, then
 *       stays open; prints "ready N" and holds them until stdin closes
 *
 * Build: cc -O2 -o loadgen tests/bench/loadgen.c
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LG_BUF (256 * 1024)
#define LG_MAX_SAMPLES (4 * 1024 * 1024)
#define LG_MAX_FDS 65536

static const uint8_t lg_alert[7] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};

static uint8_t lg_buf[LG_BUF];

struct lg_conn {
    int fd;
    int state;          /* client: 0 connecting, 1 sent, 2 done */
    size_t got;
    uint64_t t0;
};

static struct lg_conn *lg_conns;

static uint64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
die(const char *what)
{
    perror(what);
    exit(1);
}

static void
raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        die(path);
    }
    p = malloc((size_t)n);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        die(path);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static int
connect_to(uint16_t port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;

    if (fd < 0) {
        return -1;
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
        errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
ep_add(int ep, int fd, uint32_t events)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        die("epoll_ctl");
    }
}

static void
ep_mod(int ep, int fd, uint32_t events)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.fd = fd;
    (void)epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* ---- server ---- */

static int
run_server(uint16_t port, const char *mode)
{
    struct sockaddr_in sin;
    struct epoll_event evs[256];
    int ls, ep, one = 1;
    int stream = strcmp(mode, "stream") == 0;
    int hold = strcmp(mode, "hold") == 0;

    ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ls < 0) {
        die("socket");
    }
    (void)setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
        listen(ls, 4096) != 0) {
        die("bind/listen");
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    ep_add(ep, ls, EPOLLIN);
    memset(lg_buf, 'x', sizeof(lg_buf));
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                for (;;) {
                    int c = accept4(ls, NULL, NULL,
                                    SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0) {
                        break;
                    }
                    if (c >= LG_MAX_FDS) {
                        close(c);
                        continue;
                    }
                    (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
                                     sizeof(one));
                    lg_conns[c].state = 0;
                    ep_add(ep, c, stream ? EPOLLIN | EPOLLOUT : EPOLLIN);
                }
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r = read(fd, lg_buf, sizeof(lg_buf));
                /* stream: read as much per event as it writes (4 x), so
                 * the upstream is not what limits the upload direction */
                for (int k = 1; stream && k < 4 && r == (ssize_t)LG_BUF;
                     k++) {
                    r = read(fd, lg_buf, sizeof(lg_buf));
                }
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    close(fd);
                    continue;
                }
                if (r > 0 && !stream && lg_conns[fd].state == 0) {
                    lg_conns[fd].state = 1;
                    if (write(fd, lg_alert, sizeof(lg_alert)) < 0) {
                        close(fd);
                        continue;
                    }
                    if (!hold) {
                        shutdown(fd, SHUT_WR);
                    }
                }
            }
            if (stream && (evs[i].events & EPOLLOUT)) {
                for (int k = 0; k < 4; k++) {
                    if (write(fd, lg_buf, sizeof(lg_buf)) <= 0) {
                        break;
                    }
                }
            }
        }
    }
    return 0;
}

/* ---- clients ---- */

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int
run_conn(uint16_t port, int conc, double secs, const char *hello_path)
{
    size_t hlen;
    uint8_t *hello = read_file(hello_path, &hlen);
    uint64_t *lat = malloc(sizeof(uint64_t) * LG_MAX_SAMPLES);
    size_t nlat = 0;
    uint64_t start = now_us(), end = start + (uint64_t)(secs * 1e6);
    uint64_t done = 0, failed = 0;
    struct epoll_event evs[256];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int live = 0;

    if (lat == NULL) {
        die("malloc");
    }
    for (;;) {
        uint64_t t = now_us();
        while (t < end && live < conc) {
            int fd = connect_to(port);
            if (fd < 0 || fd >= LG_MAX_FDS) {
                failed++;
                if (fd >= 0) {
                    close(fd);
                }
                break;
            }
            lg_conns[fd].state = 0;
            lg_conns[fd].got = 0;
            lg_conns[fd].t0 = t;
            ep_add(ep, fd, EPOLLOUT);
            live++;
        }
        if (live == 0) {
            break;
        }
        int n = epoll_wait(ep, evs, 256, 1000);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            struct lg_conn *c = &lg_conns[fd];
            if (c->state == 0) {
                if (evs[i].events & (EPOLLERR | EPOLLHUP)) {
                    failed++;
                    close(fd);
                    live--;
                    continue;
                }
                if (write(fd, hello, hlen) != (ssize_t)hlen) {
                    failed++;
                    close(fd);
                    live--;
                    continue;
                }
                c->state = 1;
                ep_mod(ep, fd, EPOLLIN);
                continue;
            }
            ssize_t r = read(fd, lg_buf, sizeof(lg_buf));
            if (r > 0) {
                c->got += (size_t)r;
                if (c->got < sizeof(lg_alert)) {
                    continue;
                }
                if (nlat < LG_MAX_SAMPLES) {
                    lat[nlat++] = now_us() - c->t0;
                }
                done++;
            } else if (r < 0 && errno == EAGAIN) {
                continue;
            } else {
                failed++;
            }
            close(fd);
            live--;
        }
    }
    double el = (double)(now_us() - start) / 1e6;
    qsort(lat, nlat, sizeof(uint64_t), cmp_u64);
    printf("conns=%llu failed=%llu secs=%.2f rate=%.0f p50_us=%llu "
           "p99_us=%llu\n",
           (unsigned long long)done, (unsigned long long)failed, el,
           (double)done / el,
           (unsigned long long)(nlat ? lat[nlat / 2] : 0),
           (unsigned long long)(nlat ? lat[nlat * 99 / 100] : 0));
    return 0;
}

static int
run_tput(uint16_t port, int streams, double secs)
{
    struct epoll_event evs[256];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    uint64_t up = 0, down = 0;
    uint64_t start, end;

    memset(lg_buf, 'y', sizeof(lg_buf));
    for (int i = 0; i < streams; i++) {
        int fd = connect_to(port);
        if (fd < 0) {
            die("connect");
        }
        ep_add(ep, fd, EPOLLIN | EPOLLOUT);
    }
    start = now_us();
    end = start + (uint64_t)(secs * 1e6);
    while (now_us() < end) {
        int n = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (evs[i].events & EPOLLIN) {
                ssize_t r = read(fd, lg_buf, sizeof(lg_buf));
                if (r > 0) {
                    down += (uint64_t)r;
                } else if (r == 0) {
                    die("eof");
                }
            }
            if (evs[i].events & EPOLLOUT) {
                ssize_t w = write(fd, lg_buf, sizeof(lg_buf));
                if (w > 0) {
                    up += (uint64_t)w;
                }
            }
        }
    }
    double el = (double)(now_us() - start) / 1e6;
    printf("streams=%d secs=%.2f up_MBps=%.1f down_MBps=%.1f\n", streams, el,
           (double)up / el / 1e6, (double)down / el / 1e6);
    return 0;
}

static int
run_idle(uint16_t port, int count, const char *hello_path)
{
    size_t hlen;
    uint8_t *hello = read_file(hello_path, &hlen);
    int *fds = calloc((size_t)count, sizeof(int));
    int ready = 0;
    struct epoll_event evs[256];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    char line[16];

    if (fds == NULL) {
        die("calloc");
    }
    for (int i = 0; i < count; i++) {
        fds[i] = connect_to(port);
        if (fds[i] < 0 || fds[i] >= LG_MAX_FDS) {
            die("connect");
        }
        lg_conns[fds[i]].state = 0;
        lg_conns[fds[i]].got = 0;
        ep_add(ep, fds[i], EPOLLOUT);
        if (i % 256 == 255 || i == count - 1) {
            /* let the handshakes of this batch finish */
            uint64_t until = now_us() + 2000000;
            while (ready < i + 1 && now_us() < until) {
                int n = epoll_wait(ep, evs, 256, 100);
                for (int k = 0; k < n; k++) {
                    int fd = evs[k].data.fd;
                    struct lg_conn *c = &lg_conns[fd];
                    if (c->state == 0) {
                        if (write(fd, hello, hlen) != (ssize_t)hlen) {
                            die("write hello");
                        }
                        c->state = 1;
                        ep_mod(ep, fd, EPOLLIN);
                    } else if (c->state == 1) {
                        ssize_t r = read(fd, lg_buf, sizeof(lg_buf));
                        if (r > 0) {
                            c->got += (size_t)r;
                        }
                        if (c->got >= sizeof(lg_alert) || r == 0) {
                            c->state = 2;
                            ep_mod(ep, fd, 0);
                            ready++;
                        }
                    }
                }
            }
        }
    }
    printf("ready %d\n", ready);
    fflush(stdout);
    while (fgets(line, sizeof(line), stdin) != NULL) {
    }
    return 0;
}

int
main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    setvbuf(stdout, NULL, _IOLBF, 0);
    lg_conns = calloc(LG_MAX_FDS, sizeof(*lg_conns));
    if (lg_conns == NULL) {
        die("calloc");
    }
    if (argc == 4 && strcmp(argv[1], "server") == 0) {
        return run_server((uint16_t)atoi(argv[2]), argv[3]);
    }
    if (argc == 6 && strcmp(argv[1], "conn") == 0) {
        return run_conn((uint16_t)atoi(argv[2]), atoi(argv[3]),
                        atof(argv[4]), argv[5]);
    }
    if (argc == 5 && strcmp(argv[1], "tput") == 0) {
        return run_tput((uint16_t)atoi(argv[2]), atoi(argv[3]),
                        atof(argv[4]));
    }
    if (argc == 5 && strcmp(argv[1], "idle") == 0) {
        return run_idle((uint16_t)atoi(argv[2]), atoi(argv[3]), argv[4]);
    }
    fprintf(stderr, "usage: see the comment at the top of loadgen.c\n");
    return 2;
}
