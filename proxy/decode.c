/* decode.c - `tlsready decode` (placeholder until the parser lands). */
#include <stdio.h>

#include "cli.h"

int
decode_main(int argc, char **argv)
{
    fprintf(stderr, "tlsready decode: not built yet\n");
    return 2;
}
