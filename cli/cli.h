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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* weft run of a component: instantiates it and, with an invoke expression
 * in WAVE ("run(some(\"Kevin\"))"), calls that export and prints its
 * result in WAVE. */
int weft_cli_run_component(const char *file, const uint8_t *bytes, size_t len,
                           const char *invoke, bool has_fuel, uint64_t fuel,
                           uint64_t memory_backing);

/* weft wit COMPONENT.wasm: prints the component's imports and exports. */
int weft_cli_wit(int argc, char **argv);

/* weft compile IN.wasm -o OUT [--c-array NAME]: writes a precompiled image. */
int weft_cli_compile(int argc, char **argv);
/* weft opcodes [--header] FILE... (opcodes.c) */
int weft_cli_opcodes(int argc, char **argv);

/* weft shrink-memory IN.wasm -o OUT.wasm [--bytes N]: rewrites the memory
 * of a module (or of each core module of a component) to 1-byte pages. */
int weft_cli_shrink_memory(int argc, char **argv);

/* Shared helpers. */
uint8_t *cli_read_file(const char *path, size_t *len_out);
void cli_write_file(void *ud, const char *text, size_t len);

#endif /* WEFT_CLI_H */
