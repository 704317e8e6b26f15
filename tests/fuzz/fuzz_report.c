/*
 * fuzz_report.c - any bytes as a records file through `tlsready report`:
 * line splitting, JSON parsing (jansson), field extraction, grouping and
 * every output format. Bad lines must be counted, never crash the report.
 * The first byte picks the format; the rest is the file.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *formats[] = {"text", "json", "csv", "html"};
    static char path[64];
    static bool ready;
    FILE *f;

    static int devnull = -1;
    int saved_stdout;

    if (!ready) {
        /*
         * The report's output is not the point here, so stdout goes to
         * /dev/null during each call; stderr stays (bad-line messages and
         * sanitizer reports; run libFuzzer with -close_fd_mask=2 to mute).
         */
        devnull = open("/dev/null", O_WRONLY);
        if (devnull < 0) {
            abort();
        }
        snprintf(path, sizeof(path), "/tmp/fuzz_report.%ld.jsonl",
                 (long)getpid());
        ready = true;
    }
    if (size == 0) {
        return 0;
    }
    f = fopen(path, "wb");
    if (f == NULL) {
        abort();
    }
    if (fwrite(data + 1, 1, size - 1, f) != size - 1) {
        abort();
    }
    fclose(f);
    char *argv[] = {"report", "--format", (char *)formats[data[0] % 4],
                    "--now", "fuzz", path, NULL};
    fflush(stdout);
    saved_stdout = dup(STDOUT_FILENO);
    if (saved_stdout < 0 || dup2(devnull, STDOUT_FILENO) < 0) {
        abort();
    }
    int rc = report_main(6, argv);
    fflush(stdout);
    if (dup2(saved_stdout, STDOUT_FILENO) < 0) {
        abort();
    }
    close(saved_stdout);
    if (rc != 0 && rc != 1) {
        abort(); /* 2 would mean our own arguments were refused */
    }
    unlink(path);
    return 0;
}
