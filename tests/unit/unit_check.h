/*
 * unit_check.h - the small assertion kit shared by the unit tests that
 * drive weft through its public API. Each test program includes it once,
 * counts checks with CHECK* and ends with unit_finish(), which prints
 * "N passed, N failed" as its last line.
 */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/weft.h"

static unsigned g_pass, g_fail;

static void unit_check(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
        printf("FAIL %s:%d: %s\n", file, line, what);
        fflush(stdout);
    }
}

#define CHECK(cond) unit_check((cond) != 0, __FILE__, __LINE__, #cond)

/* Integer equality, printing both sides on failure. */
#define CHECK_EQ(got, want)                                                   \
    do {                                                                      \
        long long g_ = (long long)(got), w_ = (long long)(want);              \
        if (g_ != w_)                                                         \
            printf("  got %lld (0x%llx), want %lld (0x%llx)\n", g_,          \
                   (unsigned long long)g_, w_, (unsigned long long)w_);       \
        unit_check(g_ == w_, __FILE__, __LINE__, #got " == " #want);          \
    } while (0)

/* String equality (NULL-safe). */
#define CHECK_STR(got, want)                                                  \
    do {                                                                      \
        const char *g_ = (got), *w_ = (want);                                 \
        int ok_ = g_ && w_ && strcmp(g_, w_) == 0;                            \
        if (!ok_)                                                             \
            printf("  got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)",         \
                   w_ ? w_ : "(null)");                                       \
        unit_check(ok_, __FILE__, __LINE__, #got " == " #want);               \
    } while (0)

/* Substring test (NULL-safe). */
#define CHECK_CONTAINS(hay, needle)                                           \
    do {                                                                      \
        const char *h_ = (hay), *n_ = (needle);                               \
        int ok_ = h_ && n_ && strstr(h_, n_) != NULL;                         \
        if (!ok_)                                                             \
            printf("  \"%s\" does not contain \"%s\"\n", h_ ? h_ : "(null)",  \
                   n_ ? n_ : "(null)");                                       \
        unit_check(ok_, __FILE__, __LINE__, #hay " contains " #needle);       \
    } while (0)

static inline const char *unit_message(const weft_error *err)
{
    return err ? err->message : "";
}

/* Status equality, printing names and the error message on failure. */
#define CHECK_STATUS(got, want, errp)                                         \
    do {                                                                      \
        weft_status g_ = (got), w_ = (want);                                  \
        if (g_ != w_)                                                         \
            printf("  got %s, want %s (message: \"%s\")\n",                   \
                   weft_status_name(g_), weft_status_name(w_),                \
                   unit_message(errp));                                       \
        unit_check(g_ == w_, __FILE__, __LINE__, #got " == " #want);          \
    } while (0)

/* A trap of the given kind with the standard message and no offset. */
#define CHECK_TRAP(got, errp, kind)                                           \
    do {                                                                      \
        weft_status s_ = (got);                                               \
        CHECK_STATUS(s_, WEFT_TRAP, errp);                                    \
        if ((errp)->trap != (kind))                                           \
            printf("  trap %s, want %s\n", weft_trap_name((errp)->trap),      \
                   weft_trap_name(kind));                                     \
        unit_check((errp)->trap == (kind), __FILE__, __LINE__,                \
                   "trap kind " #kind);                                       \
    } while (0)

static inline int unit_finish(void)
{
    printf("%u passed, %u failed\n", g_pass, g_fail);
    return g_fail != 0;
}

/* Loads a module that must be valid; NULL (and a failed check) if not. */
static inline weft_module *unit_load(weft_engine *e, const uint8_t *bytes, size_t len,
                              const char *name)
{
    weft_module *m = NULL;
    weft_error err;
    weft_status s = weft_module_new(e, bytes, len, &m, &err);
    if (s != WEFT_OK)
        printf("  module %s: %s at offset %zu: %s\n", name, weft_status_name(s),
               err.offset, err.message);
    unit_check(s == WEFT_OK && m != NULL, __FILE__, __LINE__, name);
    return s == WEFT_OK ? m : NULL;
}

/* The exported function of that name, or NULL. */
static inline weft_func *unit_func(weft_instance *inst, const char *name)
{
    weft_extern ext;
    if (!inst || !weft_instance_export(inst, name, &ext) ||
        ext.kind != WEFT_EXTERN_FUNC) {
        printf("  no exported function \"%s\"\n", name);
        return NULL;
    }
    return ext.of.func;
}

#endif
