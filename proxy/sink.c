/*
 * sink.c - the records file, opened O_APPEND: POSIX makes each write land
 * at the end of the file atomically with respect to other appenders of a
 * regular file, which is what lets `logrotate` (rename + SIGHUP) and
 * `tail -f` work. Records are whole lines in every write.
 *
 * Why batch: measured with tests/bench/testmode_bench.py, one small append
 * per record made the kernel's page-cache work (partial-page zeroing and
 * copying, ext4 delalloc) the largest cost of an attempt. Gathering the
 * records of one loop pass keeps every record whole and costs at most one
 * pass of latency (microseconds to a few milliseconds); if tlsready is
 * killed with SIGKILL, only the records of that pass are lost.
 */
#include "sink.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "log.h"

struct sink {
    char *path;
    int fd;
    bool is_stdout;
    uint64_t written;
    uint64_t failed;
    bool failing;   /* log a failure once until a write succeeds again */
    struct bbuf batch;
    size_t batch_records;
    struct event *ev_flush;   /* NULL: write every record at once */
    bool flush_pending;
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
    bbuf_init(&s->batch, SINK_MAX);
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

static void
sink_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    struct sink *s = arg;

    s->flush_pending = false;
    (void)sink_flush(s);
}

int
sink_attach(struct sink *s, struct event_base *base)
{
    s->ev_flush = evtimer_new(base, sink_flush_cb, s);
    return s->ev_flush != NULL ? 0 : -1;
}

void
sink_detach(struct sink *s)
{
    if (s == NULL) {
        return;
    }
    (void)sink_flush(s);
    if (s->ev_flush != NULL) {
        event_free(s->ev_flush);
        s->ev_flush = NULL;
    }
    s->flush_pending = false;
}

/* sink_write_all writes `len` bytes of whole lines; false on failure. */
static bool
sink_write_all(struct sink *s, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(s->fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            if (!s->failing) {
                log_error("%s: writing records to %s failed: %s", __func__,
                          s->path, n < 0 ? strerror(errno) : "no progress");
                s->failing = true;
            }
            return false;
        }
        /* A short write to a pipe or full disk: finish the lines. */
        p += n;
        len -= (size_t)n;
    }
    s->failing = false;
    return true;
}

int
sink_flush(struct sink *s)
{
    int rc = 0;

    if (s->batch.len == 0) {
        return 0;
    }
    if (sink_write_all(s, s->batch.data, s->batch.len)) {
        s->written += s->batch_records;
    } else {
        s->failed += s->batch_records;
        rc = -1;
    }
    bbuf_reset(&s->batch);
    s->batch_records = 0;
    return rc;
}

int
sink_reopen(struct sink *s)
{
    int fd;

    (void)sink_flush(s); /* the old file gets what belongs to it */
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
    size_t mark = s->batch.len;

    if (!bbuf_put(&s->batch, line, len) || !bbuf_put_u8(&s->batch, '\n')) {
        /* Only a record over SINK_MAX gets here; never write half. */
        s->batch.len = mark;
        s->batch.overflow = false;
        s->failed++;
        log_error("%s: a record of %zu bytes is over the limit", __func__,
                  len);
        return -1;
    }
    s->batch_records++;
    if (s->ev_flush == NULL || s->batch.len >= SINK_BATCH) {
        return sink_flush(s);
    }
    if (!s->flush_pending) {
        /* Zero timeout: runs after this pass's other callbacks. */
        struct timeval zero = {0, 0};
        s->flush_pending = evtimer_add(s->ev_flush, &zero) == 0;
        if (!s->flush_pending) {
            return sink_flush(s);
        }
    }
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
    sink_detach(s);
    if (!s->is_stdout && s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    bbuf_cleanup(&s->batch);
    free(s->path);
    free(s);
}
