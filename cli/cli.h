/*
 * cli.h - the subcommands of the weft command. Each takes the arguments
 * after "weft" (argv[0] is the subcommand's name) and returns the process
 * exit status.
 */
#ifndef WEFT_CLI_H
#define WEFT_CLI_H

/* weft wast [-v] [--expected-failures FILE] [--disable FEATURE] SCRIPT.json
 * Runs a spec test script converted by wast2json. Exit status 0 iff no
 * command failed, 1 if some did, 2 on a usage error. */
int weft_cli_wast(int argc, char **argv);

#endif /* WEFT_CLI_H */
