/* util.h - allocation through the engine hook, error reporting and a tiny
 * formatter, shared by every layer of the core. No libc allocation, no stdio. */
#ifndef WEFT_UTIL_H
#define WEFT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "weft/weft.h"

struct weft_engine {
    weft_config cfg;
    uint32_t code_hash;   /* wm_opcode_hash(), stamped in and checked against images */
};

/* Identity of the internal code format: a hash of the opcode names in
 * order (opnames.c). */
uint32_t wm_opcode_hash(void);

/* Allocation through the engine's hook. Blocks remember their size, so
 * the size arguments of wu_realloc and wu_free are informative only (the
 * hook always receives the exact old size). wu_realloc does not zero the
 * grown part. */
void *wu_alloc(const weft_engine *e, size_t size);          /* zeroed */
void *wu_alloc_raw(const weft_engine *e, size_t size);      /* not zeroed */
void *wu_realloc(const weft_engine *e, void *p, size_t old_size, size_t new_size);
void wu_free(const weft_engine *e, void *p, size_t size);
#define WU_NEW_ARRAY(e, type, n) ((type *)wu_alloc((e), sizeof(type) * (size_t)(n)))
#define WU_FREE_ARRAY(e, p, n) wu_free((e), (p), sizeof(*(p)) * (size_t)(n))

/* printf subset: %s %d %u %x %c %zu %llu %lld %llx %%, with an optional
 * field width and 'l' (long), 'z' (size_t) or 'll' modifier. Always
 * NUL-terminates. */
size_t wu_vfmt(char *buf, size_t cap, const char *fmt, va_list ap);
size_t wu_fmt(char *buf, size_t cap, const char *fmt, ...);

/* Fills err (if non-NULL) and returns status. */
weft_status wu_error(weft_error *err, weft_status status, size_t offset,
                     const char *fmt, ...);
void wu_error_clear(weft_error *err);

#if defined(__GNUC__) || defined(__clang__)
#define WU_LIKELY(x) __builtin_expect(!!(x), 1)
#define WU_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WU_LIKELY(x) (x)
#define WU_UNLIKELY(x) (x)
#endif

#endif
