/*
 * cli.h - subcommands. Each returns the process exit status: 0 success,
 * 1 a negative answer or a failure while working, 2 a usage or input error.
 * argv[0] is the subcommand name.
 */
#ifndef TLSREADY_CLI_H
#define TLSREADY_CLI_H

int decode_main(int argc, char **argv);
int policies_main(int argc, char **argv);
int report_main(int argc, char **argv);

#endif /* TLSREADY_CLI_H */
