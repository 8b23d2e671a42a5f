/*
 * platform.h - the hooks a port supplies (ports/posix, ports/cortex-m).
 * The core (decoder, validator, interpreter, runtime) uses nothing else of
 * its environment.
 */
#ifndef WEFT_PLATFORM_H
#define WEFT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The default allocator (used when weft_config.alloc is NULL), with the
 * weft_realloc_fn contract. */
void *weft_platform_realloc(void *ud, void *ptr, size_t old_size,
                            size_t new_size);

/* Monotonic and wall clocks in nanoseconds. */
uint64_t weft_platform_monotonic_ns(void);
uint64_t weft_platform_realtime_ns(void);

/* Fills buf with random bytes; returns 0 on success. */
int weft_platform_random(void *buf, size_t len);

/* Writes len bytes to an output stream (1 = stdout, 2 = stderr); returns
 * the count written or -1. */
long weft_platform_write(int stream, const void *buf, size_t len);
/* Reads up to len bytes from stdin (stream 0); returns the count, 0 at end,
 * or -1. */
long weft_platform_read(int stream, void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_PLATFORM_H */
