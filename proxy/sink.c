/*
 * sink.c - the records file. One record, one write(2) on an O_APPEND
 * descriptor: POSIX makes each such write land at the end of the file
 * atomically with respect to other appenders for regular files, which is
 * what lets `logrotate` (copy or rename + SIGHUP) and `tail -f` work.
 */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

struct sink {
    char *path;
    int fd;
    bool is_stdout;
    uint64_t written;
    uint64_t failed;
    bool failing;   /* log a failure once until a write succeeds again */
};

static int
sink_open_fd(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

struct sink *
sink_open(const char *path)
{
    struct sink *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    s->path = strdup(path);
    if (s->path == NULL) {
        free(s);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        s->is_stdout = true;
        s->fd = STDOUT_FILENO;
        return s;
    }
    s->fd = sink_open_fd(path);
    if (s->fd < 0) {
        int saved = errno;
        free(s->path);
        free(s);
        errno = saved;
        return NULL;
    }
    return s;
}

int
sink_reopen(struct sink *s)
{
    int fd;

    if (s->is_stdout) {
        return 0;
    }
    fd = sink_open_fd(s->path);
    if (fd < 0) {
        log_error("%s: cannot reopen %s: %s", __func__, s->path,
                  strerror(errno));
        return -1; /* keep writing to the old descriptor */
    }
    close(s->fd);
    s->fd = fd;
    return 0;
}

int
sink_write(struct sink *s, const char *line, size_t len)
{
    struct iovec iov[2];
    ssize_t n;

    iov[0].iov_base = (void *)line;
    iov[0].iov_len = len;
    iov[1].iov_base = (void *)"\n";
    iov[1].iov_len = 1;
    do {
        n = writev(s->fd, iov, 2);
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != len + 1) {
        s->failed++;
        if (!s->failing) {
            log_error("%s: writing a record to %s failed: %s", __func__,
                      s->path, n < 0 ? strerror(errno) : "short write");
            s->failing = true;
        }
        return -1;
    }
    s->failing = false;
    s->written++;
    return 0;
}

uint64_t
sink_written(const struct sink *s)
{
    return s->written;
}

uint64_t
sink_failed(const struct sink *s)
{
    return s->failed;
}

const char *
sink_path(const struct sink *s)
{
    return s->path;
}

void
sink_close(struct sink *s)
{
    if (s == NULL) {
        return;
    }
    if (!s->is_stdout && s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    free(s->path);
    free(s);
}
