/*
 * trivial_server.c - the machine's limit for test-mode benchmarks: accept,
 * (for imap: greeting, one line, "OK"), read one TLS record's worth of
 * ClientHello (5-byte header + length, nothing parsed), close. No records,
 * no judgement: whatever tlsready achieves is compared against this.
 *
 *   trivial_server PORT [tls|imap]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct cl {
    int fd;
    int imap_line_done;
    uint8_t buf[17000];
    size_t len;
};

static int imap_mode;

static void
finish(int ep, struct cl *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

int
main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    imap_mode = argc > 2 && strcmp(argv[2], "imap") == 0;
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(ls, 1024) != 0) {
        perror("bind/listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    printf("ready\n");
    fflush(stdout);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            struct cl *c = evs[i].data.ptr;
            if (c == NULL) {
                for (;;) {
                    int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) {
                        break;
                    }
                    c = calloc(1, sizeof(*c));
                    c->fd = fd;
                    struct epoll_event e2 = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e2);
                    if (imap_mode) {
                        (void)!write(fd, "* OK ready\r\n", 12);
                    }
                }
                continue;
            }
            ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) {
                    continue;
                }
                finish(ep, c);
                continue;
            }
            c->len += (size_t)r;
            if (imap_mode && !c->imap_line_done) {
                uint8_t *nl = memchr(c->buf, '\n', c->len);
                if (nl == NULL) {
                    continue;
                }
                size_t used = (size_t)(nl - c->buf) + 1;
                memmove(c->buf, nl + 1, c->len - used);
                c->len -= used;
                c->imap_line_done = 1;
                (void)!write(c->fd, "a OK go\r\n", 9);
            }
            if (c->len >= 5 &&
                c->len >= 5 + (size_t)(c->buf[3] << 8 | c->buf[4])) {
                finish(ep, c);
            } else if (c->len == sizeof(c->buf)) {
                finish(ep, c);
            }
        }
    }
}
