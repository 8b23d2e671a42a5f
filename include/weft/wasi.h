/*
 * wasi.h - WASI preview1 ("wasi_snapshot_preview1") for core modules.
 *
 * weft_wasi_define creates a WASI context and defines every preview1
 * function in a linker, as host functions of one store. The functions find
 * the guest's memory through the calling instance's export "memory".
 *
 * What is provided: arguments, environment, clocks, random bytes, stdin,
 * stdout and stderr (through the platform hooks of platform.h), preopened
 * directory names (fd 3 onwards, so a guest's libc sees them), proc_exit
 * (which ends the call with WEFT_TRAP_EXIT and the exit status in
 * weft_error.exit_code), and poll_oneoff for clock subscriptions.
 * Filesystem access through a preopen (path_open and the other path_*
 * calls), sockets and the remaining fd_* calls return errno NOSYS.
 *
 * Ownership: the context is owned by the caller (weft_wasi_delete). The
 * strings of cfg are copied. The context must outlive every use of the
 * functions it defined: delete the store first, then the context.
 */
#ifndef WEFT_WASI_H
#define WEFT_WASI_H

#include "weft/weft.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_WASI_MODULE "wasi_snapshot_preview1"

typedef struct weft_wasi weft_wasi;

typedef struct weft_wasi_config {
    int argc;                          /* argv[0] is the program name */
    const char *const *argv;
    int envc;
    const char *const *env;            /* "KEY=VALUE" */
    int npreopens;                     /* guest fds 3 .. 3+npreopens-1 */
    const char *const *preopen_host;   /* host directory of each preopen */
    const char *const *preopen_guest;  /* the name the guest sees */
} weft_wasi_config;

/* Creates a WASI context from cfg (NULL: no arguments, environment or
 * preopens) and defines its functions in linker under WEFT_WASI_MODULE,
 * as host functions of store. Allocates with weft_platform_realloc.
 * Returns WEFT_ARG for a bad cfg, WEFT_NOMEM, WEFT_LIMIT if the strings
 * do not fit the guest's 32-bit sizes, or the linker's error. On failure
 * *out is NULL and nothing needs deleting, but the linker may already hold
 * some of the functions: discard it. */
weft_status weft_wasi_define(weft_linker *linker, weft_store *store,
                             const weft_wasi_config *cfg, weft_wasi **out);

/* Frees the context. NULL is allowed. */
void weft_wasi_delete(weft_wasi *wasi);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_WASI_H */
