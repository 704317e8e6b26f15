/* policies_cmd.c - `tlsready policies` (placeholder). */
#include <stdio.h>

#include "cli.h"

int
policies_main(int argc, char **argv)
{
    fprintf(stderr, "tlsready policies: not built yet\n");
    return 2;
}
