/*
 * main.c - command-line entry point. Subcommands are dispatched here; the
 * default (no subcommand) runs the listeners.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: tlsready [options]          run the listeners\n"
            "       tlsready decode [--hex HEX | --file FILE] [--text]\n"
            "       tlsready --version | --help\n");
}

int
main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
                     strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("tlsready %s (mbedTLS %s)\n", TLSREADY_VERSION,
               crypto_version());
        return 0;
    }
    usage(stdout);
    return 0;
}
