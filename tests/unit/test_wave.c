/*
 * test_wave.c - unit tests for WAVE parsing and printing (src/component/wave.c).
 * Types are built directly in a type arena. Every parse runs on an exact-size
 * heap copy of the text (so reading past the end is caught by ASan) and is
 * checked for leaks through a counting allocator.
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/weft.h"
#include "weft/component.h"
#include "component/ctypes.h"
#include "core/util.h"
#include "unit_check.h"

/* ---------------------------------------------------------------- */
/* Counting allocator with failure injection                         */
/* ---------------------------------------------------------------- */

static long g_live;          /* live blocks */
static long g_fail_at = -1;  /* index of the allocation to fail, or -1 */
static long g_allocs;        /* allocations since arming */

static void *test_alloc(void *ud, void *ptr, size_t old, size_t size)
{
    (void)ud;
    (void)old;
    if (size == 0) {
        if (ptr) {
            free(ptr);
            g_live--;
        }
        return NULL;
    }
    if (g_fail_at >= 0 && g_allocs++ == g_fail_at)
        return NULL;
    void *q = realloc(ptr, size);
    if (q && !ptr)
        g_live++;
    return q;
}

static weft_engine *E;
static wc_types A;

/* ---------------------------------------------------------------- */
/* Type construction                                                 */
/* ---------------------------------------------------------------- */

static wc_tid mk(uint8_t kind)
{
    wc_tid id = wc_type_new(&A, kind);
    if (id == WC_NONE) {
        printf("out of memory building types\n");
        exit(2);
    }
    wc_type(&A, id)->elem = WC_NONE;
    wc_type(&A, id)->err = WC_NONE;
    return id;
}

static wc_tid mk_list(wc_tid e) { wc_tid id = mk(WEFT_C_LIST); wc_type(&A, id)->elem = e; return id; }
static wc_tid mk_option(wc_tid e) { wc_tid id = mk(WEFT_C_OPTION); wc_type(&A, id)->elem = e; return id; }

static wc_tid mk_result(wc_tid ok, wc_tid err)
{
    wc_tid id = mk(WEFT_C_RESULT);
    wc_type(&A, id)->elem = ok;
    wc_type(&A, id)->err = err;
    return id;
}

/* The label and element arrays of the types built here belong to the test
 * (the arena frees only its entries); freed at the end. */
static void *g_owned[64];
static unsigned g_nowned;

static void *owned(size_t size)
{
    void *p = calloc(1, size);
    if (!p || g_nowned == sizeof g_owned / sizeof g_owned[0]) {
        printf("out of memory building types\n");
        exit(2);
    }
    return g_owned[g_nowned++] = p;
}

/* record / variant / tuple / flags / enum: labels and elems may be NULL. */
static wc_tid mk_n(uint8_t kind, uint32_t n, const char *const *labels, const wc_tid *elems)
{
    wc_tid id = mk(kind);
    weft_ctype *t = wc_type(&A, id);
    t->n = n;
    if (labels) {
        t->labels = owned(sizeof(char *) * n);
        for (uint32_t i = 0; i < n; i++)
            t->labels[i] = labels[i];
    }
    if (elems) {
        t->elems = owned(sizeof(wc_tid) * n);
        for (uint32_t i = 0; i < n; i++)
            t->elems[i] = elems[i];
    }
    return id;
}

static const weft_ctype *T(wc_tid id) { return wc_type(&A, id); }

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

static weft_error g_err;

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Parses an exact-size heap copy of text[0, len). */
static weft_status parse_n(const weft_ctype *t, const char *text, size_t len, weft_cval *v)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    memset(v, 0xA5, sizeof *v);
    weft_status st = weft_wave_parse(E, t, copy, len, v, &g_err);
    free(copy);
    return st;
}

static weft_status parse(const weft_ctype *t, const char *text, weft_cval *v)
{
    return parse_n(t, text, strlen(text), v);
}

static char g_out[8192];

static const char *print(const weft_ctype *t, const weft_cval *v)
{
    size_t n = weft_wave_print(t, v, g_out, sizeof g_out);
    if (n >= sizeof g_out)
        printf("  (print output truncated: %zu bytes)\n", n);
    return g_out;
}

/* Parses text; its printed form must be want (text itself if want is NULL)
 * and must read back to a value printed identically. Nothing may leak. */
static void rt(int line, const weft_ctype *t, const char *text, const char *want)
{
    long live = g_live;
    weft_cval v;
    weft_status st = parse(t, text, &v);
    if (st != WEFT_OK) {
        printf("  parse of [%s] failed: %s at %zu\n", text, g_err.message, g_err.offset);
        unit_check(0, __FILE__, line, text);
        return;
    }
    char first[8192];
    snprintf(first, sizeof first, "%s", print(t, &v));
    const char *w = want ? want : text;
    if (strcmp(first, w) != 0)
        printf("  [%s] printed [%s], want [%s]\n", text, first, w);
    unit_check(strcmp(first, w) == 0, __FILE__, line, text);
    weft_cval v2;
    st = parse(t, first, &v2);
    unit_check(st == WEFT_OK, __FILE__, line, "reparse of printed form");
    if (st == WEFT_OK) {
        int same = strcmp(print(t, &v2), first) == 0;
        if (!same)
            printf("  reprint [%s] != [%s]\n", g_out, first);
        unit_check(same, __FILE__, line, "print(parse(print(x))) == print(x)");
        weft_cvals_free(E, &v2, 1);
    }
    weft_cvals_free(E, &v, 1);
    if (g_live != live)
        printf("  leaked %ld blocks\n", g_live - live);
    unit_check(g_live == live, __FILE__, line, "no leak");
}

#define RT(t, text, want) rt(__LINE__, (t), (text), (want))

/* Parsing must fail with WEFT_INVALID at offset (unless (size_t)-2) with a
 * message containing msg (unless NULL); *out zeroed; nothing leaked. */
static void bad(int line, const weft_ctype *t, const char *text, size_t len, size_t off,
                const char *msg)
{
    long live = g_live;
    weft_cval v;
    weft_status st = parse_n(t, text, len, &v);
    int ok = st == WEFT_INVALID;
    if (!ok)
        printf("  [%s]: got %s (%s), want INVALID\n", text, weft_status_name(st), g_err.message);
    unit_check(ok, __FILE__, line, text);
    if (st == WEFT_OK)
        weft_cvals_free(E, &v, 1);
    if (!ok)
        return;
    if (off != (size_t)-2 && g_err.offset != off)
        printf("  [%s]: offset %zu, want %zu (%s)\n", text, g_err.offset, off, g_err.message);
    unit_check(off == (size_t)-2 || g_err.offset == off, __FILE__, line, "error offset");
    if (msg && !strstr(g_err.message, msg))
        printf("  [%s]: message \"%s\" lacks \"%s\"\n", text, g_err.message, msg);
    unit_check(!msg || strstr(g_err.message, msg) != NULL, __FILE__, line, "error message");
    unit_check(g_err.status == WEFT_INVALID, __FILE__, line, "err->status");
    unit_check(all_zero(&v, sizeof v), __FILE__, line, "*out zeroed on error");
    unit_check(g_live == live, __FILE__, line, "no leak on error");
}

#define BAD(t, text, off, msg) bad(__LINE__, (t), (text), strlen(text), (off), (msg))
#define BADN(t, text, len, off, msg) bad(__LINE__, (t), (text), (len), (off), (msg))
#define ANY ((size_t)-2)

/* ---------------------------------------------------------------- */
/* Types used throughout                                             */
/* ---------------------------------------------------------------- */

static wc_tid t_bool, t_s8, t_u8, t_s16, t_u16, t_s32, t_u32, t_s64, t_u64, t_f32, t_f64,
    t_char, t_string;
static wc_tid t_list_u32, t_list_list_string, t_list_u8, t_tuple, t_person, t_allopt,
    t_response, t_status, t_opt_u32, t_opt_opt_u32, t_opt_string, t_res_u32_string,
    t_res_none, t_res_err_only, t_res_ok_only, t_perms, t_kwflags, t_own, t_borrow,
    t_resource, t_everything;

static void build_types(void)
{
    t_bool = WEFT_C_BOOL; t_s8 = WEFT_C_S8; t_u8 = WEFT_C_U8; t_s16 = WEFT_C_S16;
    t_u16 = WEFT_C_U16; t_s32 = WEFT_C_S32; t_u32 = WEFT_C_U32; t_s64 = WEFT_C_S64;
    t_u64 = WEFT_C_U64; t_f32 = WEFT_C_F32; t_f64 = WEFT_C_F64; t_char = WEFT_C_CHAR;
    t_string = WEFT_C_STRING;

    t_list_u32 = mk_list(t_u32);
    t_list_list_string = mk_list(mk_list(t_string));
    t_list_u8 = mk_list(t_u8);
    {
        wc_tid e[] = {t_u8, t_string, t_bool};
        t_tuple = mk_n(WEFT_C_TUPLE, 3, NULL, e);
    }
    t_opt_u32 = mk_option(t_u32);
    t_opt_opt_u32 = mk_option(t_opt_u32);
    t_opt_string = mk_option(t_string);
    {
        const char *l[] = {"name", "age", "nick"};
        wc_tid e[] = {t_string, t_u32, t_opt_string};
        t_person = mk_n(WEFT_C_RECORD, 3, l, e);
    }
    {
        const char *l[] = {"a", "b"};
        wc_tid e[] = {mk_option(t_u8), mk_option(t_u8)};
        t_allopt = mk_n(WEFT_C_RECORD, 2, l, e);
    }
    {
        const char *l[] = {"empty", "body", "err"};
        wc_tid e[] = {WC_NONE, t_list_u8, t_string};
        t_response = mk_n(WEFT_C_VARIANT, 3, l, e);
    }
    {
        const char *l[] = {"ok", "not-found", "a"};
        t_status = mk_n(WEFT_C_ENUM, 3, l, NULL);
    }
    t_res_u32_string = mk_result(t_u32, t_string);
    t_res_none = mk_result(WC_NONE, WC_NONE);
    t_res_err_only = mk_result(WC_NONE, t_string);
    t_res_ok_only = mk_result(t_u32, WC_NONE);
    {
        const char *l[] = {"read", "write", "exec"};
        t_perms = mk_n(WEFT_C_FLAGS, 3, l, NULL);
    }
    {
        const char *l[] = {"ok", "none", "x"};
        t_kwflags = mk_n(WEFT_C_FLAGS, 3, l, NULL);
    }
    t_resource = mk(WC_K_RESOURCE);
    t_own = mk(WEFT_C_OWN);
    wc_type(&A, t_own)->elem = t_resource;
    t_borrow = mk(WEFT_C_BORROW);
    wc_type(&A, t_borrow)->elem = t_resource;
    {
        const char *l[] = {"b", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
                           "f32", "f64", "c", "s", "l", "t", "p", "o", "oo", "r", "re",
                           "v", "e", "f", "k", "lr"};
        wc_tid e[] = {t_bool, t_s8, t_u8, t_s16, t_u16, t_s32, t_u32, t_s64, t_u64,
                      t_f32, t_f64, t_char, t_string, t_list_list_string, t_tuple,
                      t_person, t_opt_u32, t_opt_opt_u32, t_res_u32_string, t_res_none,
                      t_response, t_status, t_perms, t_kwflags,
                      mk_list(t_res_err_only)};
        t_everything = mk_n(WEFT_C_RECORD, 25, l, e);
    }
}

/* ---------------------------------------------------------------- */
/* Per-type tests                                                    */
/* ---------------------------------------------------------------- */

static void test_bool(void)
{
    RT(T(t_bool), "true", NULL);
    RT(T(t_bool), "false", NULL);
    RT(T(t_bool), "  \n\ttrue \r\n", "true");
    RT(T(t_bool), "// leading comment\ntrue // trailing comment", "true");
    BAD(T(t_bool), "True", 0, "expected bool, found \"True\"");
    BAD(T(t_bool), "1", 0, "expected bool, found \"1\"");
    BAD(T(t_bool), "", 0, "expected bool, found end of input");
    BAD(T(t_bool), "   ", 3, "end of input");
    BAD(T(t_bool), "truex", 0, "found \"truex\"");
    BAD(T(t_bool), "%true", 0, "expected bool");
    BAD(T(t_bool), "true false", 5, "expected end of input, found \"false\"");
    BAD(T(t_bool), "true // x\n,", 10, "found \",\"");
}

static void test_ints(void)
{
    RT(T(t_u8), "0", NULL);
    RT(T(t_u8), "255", NULL);
    RT(T(t_u8), "-0", "0");
    RT(T(t_s8), "-128", NULL);
    RT(T(t_s8), "127", NULL);
    RT(T(t_u16), "65535", NULL);
    RT(T(t_s16), "-32768", NULL);
    RT(T(t_s16), "32767", NULL);
    RT(T(t_u32), "4294967295", NULL);
    RT(T(t_s32), "-2147483648", NULL);
    RT(T(t_s32), "2147483647", NULL);
    RT(T(t_s64), "-9223372036854775808", NULL);
    RT(T(t_s64), "9223372036854775807", NULL);
    RT(T(t_u64), "18446744073709551615", NULL);
    RT(T(t_u32), " 42 ", "42");

    weft_cval v;
    CHECK_STATUS(parse(T(t_s64), "-9223372036854775808", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_S64 && v.of.s == INT64_MIN);
    CHECK_STATUS(parse(T(t_u64), "18446744073709551615", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_U64 && v.of.u == UINT64_MAX);
    CHECK_STATUS(parse(T(t_s8), "-5", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_S8 && v.of.s == -5);

    BAD(T(t_u8), "256", 0, "\"256\" is out of range for u8");
    BAD(T(t_u8), "300", 0, "out of range for u8");
    BAD(T(t_u8), "-1", 0, "out of range for u8");
    BAD(T(t_s8), "-129", 0, "out of range for s8");
    BAD(T(t_s8), "128", 0, "out of range for s8");
    BAD(T(t_u16), "65536", 0, "out of range for u16");
    BAD(T(t_s16), "-32769", 0, "out of range for s16");
    BAD(T(t_u32), "4294967296", 0, "out of range for u32");
    BAD(T(t_s32), "2147483648", 0, "out of range for s32");
    BAD(T(t_s64), "9223372036854775808", 0, "out of range for s64");
    BAD(T(t_s64), "-9223372036854775809", 0, "out of range for s64");
    BAD(T(t_u64), "18446744073709551616", 0, "out of range for u64");
    BAD(T(t_u64), "99999999999999999999999999999", 0, "out of range for u64");
    BAD(T(t_u32), "abc", 0, "expected u32, found \"abc\"");
    BAD(T(t_u32), "  abc", 2, "expected u32, found \"abc\"");
    BAD(T(t_u32), "007", 0, "expected u32, found \"007\"");
    BAD(T(t_u32), "1.0", 0, "expected u32, found \"1.0\"");
    BAD(T(t_u32), "1e3", 0, "expected u32");
    BAD(T(t_u32), "+1", 0, "expected u32");
    BAD(T(t_u32), "- 1", 0, "expected u32");
    BAD(T(t_u32), "0x10", 0, "expected u32, found \"0x10\"");
    BAD(T(t_u32), "1_000", 0, "expected u32");
    BAD(T(t_u32), "\"1\"", 0, "expected u32, found \"\"1\"\"");
    BAD(T(t_u32), "1 2", 2, "expected end of input");
}

static uint64_t f64_bits(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }
static uint32_t f32_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

static void test_floats(void)
{
    RT(T(t_f64), "0", NULL);
    RT(T(t_f64), "-0", NULL);
    RT(T(t_f64), "0.0", "0");
    RT(T(t_f64), "0e0", "0");
    RT(T(t_f64), "0.000e100", "0");
    RT(T(t_f64), "-0.0e-0", "-0");
    RT(T(t_f64), "1.5", NULL);
    RT(T(t_f64), "-3.1415", NULL);
    RT(T(t_f64), "0.1", NULL);
    RT(T(t_f64), "100000", NULL);
    RT(T(t_f64), "1e10", "10000000000");
    RT(T(t_f64), "6.022e+23", "6.022e23");
    RT(T(t_f64), "1e20", "100000000000000000000");
    RT(T(t_f64), "1e21", "1e21");
    RT(T(t_f64), "1.5E-7", "0.00000015");
    RT(T(t_f64), "1e-8", "1e-8");
    RT(T(t_f64), "123456789012345678", "123456789012345680");
    RT(T(t_f64), "nan", NULL);
    RT(T(t_f64), "inf", NULL);
    RT(T(t_f64), "-inf", NULL);
    RT(T(t_f64), "5e-324", NULL);
    RT(T(t_f64), "4.9406564584124654e-324", "5e-324");
    RT(T(t_f64), "2.5e-324", "5e-324");
    RT(T(t_f64), "2.4e-324", "0");
    RT(T(t_f64), "1e-400", "0");
    RT(T(t_f64), "-1e-400", "-0");
    RT(T(t_f64), "1.7976931348623157e308", NULL);
    RT(T(t_f64), "1.7976931348623158e308", "1.7976931348623157e308");
    RT(T(t_f64), "1.7976931348623159e308", "inf");
    RT(T(t_f64), "1e400", "inf");
    RT(T(t_f64), "2.2250738585072014e-308", NULL);   /* smallest normal */
    RT(T(t_f64), "2.225073858507201e-308", NULL);    /* largest subnormal */
    RT(T(t_f64), "0.30000000000000004", NULL);
    RT(T(t_f64), "9007199254740993", "9007199254740992");   /* tie to even */
    RT(T(t_f64), "9007199254740995", "9007199254740996");
    RT(T(t_f64), "1e99999999999999999999", "inf");
    RT(T(t_f64), "1e-99999999999999999999", "0");
    /* 800+ significant digits: the first ones decide, the rest only as sticky */
    {
        char big[1300];
        size_t n = 0;
        big[n++] = '1';
        for (int i = 0; i < 1000; i++)
            big[n++] = '0';
        big[n++] = '1';
        memcpy(big + n, "e-1001", 7);   /* just above 1: 1.000...0001 */
        RT(T(t_f64), big, "1");
        n = 0;
        memcpy(big, "0.", 2);
        n = 2;
        for (int i = 0; i < 1100; i++)
            big[n++] = '0';
        big[n++] = '1';
        big[n] = '\0';
        RT(T(t_f64), big, "0");
        /* halfway between 1 and 1 + 2^-52, plus a tiny amount far out */
        const char *half = "1.00000000000000011102230246251565404236316680908203125";
        n = strlen(half);
        memcpy(big, half, n + 1);
        RT(T(t_f64), big, "1");   /* exact tie: to even */
        for (int i = 0; i < 900; i++)
            big[n++] = '0';
        big[n++] = '1';
        big[n] = '\0';
        RT(T(t_f64), big, "1.0000000000000002");
    }

    RT(T(t_f32), "0.1", NULL);
    RT(T(t_f32), "3.4028234664e38", "3.4028235e38");
    RT(T(t_f32), "3.4028234664123e38", "3.4028235e38");
    RT(T(t_f32), "3.4028234664e39", "inf");
    RT(T(t_f32), "1.4012984643e-45", "1e-45");
    RT(T(t_f32), "1.4012984643e-46", "0");
    RT(T(t_f32), "16777217", "16777216");
    RT(T(t_f32), "-3.1415", NULL);
    RT(T(t_f32), "nan", NULL);
    RT(T(t_f32), "-inf", NULL);

    weft_cval v;
    CHECK_STATUS(parse(T(t_f64), "nan", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_F64 && v.of.f64 != v.of.f64);
    CHECK_STATUS(parse(T(t_f32), "-inf", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_F32 && isinf(v.of.f32) && v.of.f32 < 0);
    CHECK_STATUS(parse(T(t_f64), "-0", &v), WEFT_OK, &g_err);
    CHECK(f64_bits(v.of.f64) == 0x8000000000000000u);

    BAD(T(t_f64), "1.", 0, "expected f64, found \"1.\"");
    BAD(T(t_f64), ".5", 0, "expected f64");
    BAD(T(t_f64), "1e", 0, "expected f64");
    BAD(T(t_f64), "1e+", 0, "expected f64");
    BAD(T(t_f64), "-nan", 0, "expected f64");
    BAD(T(t_f64), "NaN", 0, "expected f64, found \"NaN\"");
    BAD(T(t_f64), "Infinity", 0, "expected f64");
    BAD(T(t_f64), "-infinity", 0, "expected f64");
    BAD(T(t_f64), "01.5", 0, "expected f64");
    BAD(T(t_f64), "1.5.5", 0, "expected f64");
    BAD(T(t_f64), "%inf", 0, "expected f64");
    BAD(T(t_f64), "inf(1)", 3, "expected end of input");
    BAD(T(t_f32), "true", 0, "expected f32, found \"true\"");
}

/* Random bit patterns: print -> parse gives the same bits; the printed
 * digits are as few as the shortest %.*e that strtod reads back, and strtod
 * agrees with the parser on the printed text and on random decimals. */
static int sig_digits(const char *s)
{
    int n = 0, started = 0, pending_zeros = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (*s == '0') {
            if (started)
                pending_zeros++;
            continue;
        }
        started = 1;
        n += pending_zeros + 1;
        pending_zeros = 0;
    }
    return n;
}

static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static void test_float_random(void)
{
    int bad_rt = 0, bad_short = 0, bad_strtod = 0;
    char buf[128], ref[64];
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rnd();
        if (i % 4 == 1)
            bits &= 0x800FFFFFFFFFFFFFu;             /* subnormals */
        if (i % 4 == 2)
            bits = (bits & 0x800FFFFFFFFFFFFFu) | ((uint64_t)(1023 + (int)(rnd() % 80) - 40) << 52);
        double d;
        memcpy(&d, &bits, 8);
        if (d != d)
            continue;
        weft_cval v = {.kind = WEFT_C_F64, .of.f64 = d};
        weft_wave_print(T(t_f64), &v, buf, sizeof buf);
        weft_cval w;
        if (parse(T(t_f64), buf, &w) != WEFT_OK || f64_bits(w.of.f64) != bits) {
            if (bad_rt++ < 5)
                printf("  f64 %016llx printed %s did not read back\n", (unsigned long long)bits, buf);
            continue;
        }
        if (isinf(d))
            continue;
        if (f64_bits(strtod(buf, NULL)) != bits && bad_strtod++ < 5)
            printf("  strtod disagrees on %s\n", buf);
        int p;
        for (p = 1; p < 17; p++) {
            snprintf(ref, sizeof ref, "%.*e", p - 1, d);
            if (strtod(ref, NULL) == d)
                break;
        }
        if (sig_digits(buf) > p && bad_short++ < 5)
            printf("  %s has more digits than %s\n", buf, ref);
    }
    for (int i = 0; i < 20000; i++) {
        uint32_t bits = (uint32_t)rnd();
        if (i % 3 == 1)
            bits &= 0x807FFFFFu;
        float f;
        memcpy(&f, &bits, 4);
        if (f != f)
            continue;
        weft_cval v = {.kind = WEFT_C_F32, .of.f32 = f};
        weft_wave_print(T(t_f32), &v, buf, sizeof buf);
        weft_cval w;
        if (parse(T(t_f32), buf, &w) != WEFT_OK || f32_bits(w.of.f32) != bits) {
            if (bad_rt++ < 10)
                printf("  f32 %08x printed %s did not read back\n", bits, buf);
            continue;
        }
        if (isinf(f))
            continue;
        if (f32_bits(strtof(buf, NULL)) != bits && bad_strtod++ < 10)
            printf("  strtof disagrees on %s\n", buf);
        int p;
        for (p = 1; p < 9; p++) {
            snprintf(ref, sizeof ref, "%.*e", p - 1, (double)f);
            if (strtof(ref, NULL) == f)
                break;
        }
        if (sig_digits(buf) > p && bad_short++ < 10)
            printf("  %s has more digits than %s\n", buf, ref);
    }
    /* random decimal strings against strtod / strtof */
    for (int i = 0; i < 20000; i++) {
        char s[96];
        size_t n = 0;
        if (rnd() & 1)
            s[n++] = '-';
        int nd = 1 + (int)(rnd() % 25);
        s[n++] = (char)('1' + rnd() % 9);
        for (int k = 1; k < nd; k++)
            s[n++] = (char)('0' + rnd() % 10);
        if (rnd() & 1) {
            s[n++] = '.';
            int nf = 1 + (int)(rnd() % 20);
            for (int k = 0; k < nf; k++)
                s[n++] = (char)('0' + rnd() % 10);
        }
        int range = i % 2 ? 700 : 90;
        n += (size_t)snprintf(s + n, sizeof s - n, "e%d", (int)(rnd() % (unsigned)range) - range / 2 - (i % 2 ? 0 : 0));
        weft_cval w;
        if (parse(T(t_f64), s, &w) != WEFT_OK || f64_bits(w.of.f64) != f64_bits(strtod(s, NULL))) {
            if (bad_strtod++ < 10)
                printf("  f64 parse of %s differs from strtod\n", s);
        }
        if (parse(T(t_f32), s, &w) != WEFT_OK || f32_bits(w.of.f32) != f32_bits(strtof(s, NULL))) {
            if (bad_strtod++ < 10)
                printf("  f32 parse of %s differs from strtof\n", s);
        }
    }
    CHECK_EQ(bad_rt, 0);
    CHECK_EQ(bad_short, 0);
    CHECK_EQ(bad_strtod, 0);
}

static void test_chars(void)
{
    RT(T(t_char), "'a'", NULL);
    RT(T(t_char), "'\\n'", NULL);
    RT(T(t_char), "'\\t'", NULL);
    RT(T(t_char), "'\\r'", NULL);
    RT(T(t_char), "'\\''", NULL);
    RT(T(t_char), "'\"'", "'\\\"'");
    RT(T(t_char), "'\\\"'", NULL);
    RT(T(t_char), "'\\\\'", NULL);
    RT(T(t_char), "'\\u{1F600}'", "'\xF0\x9F\x98\x80'");
    RT(T(t_char), "'\xF0\x9F\x98\x80'", NULL);
    RT(T(t_char), "'\\u{0}'", NULL);
    RT(T(t_char), "'\\u{7f}'", NULL);
    RT(T(t_char), "'\\u{41}'", "'A'");
    RT(T(t_char), "'\\u{00000a}'", "'\\n'");
    RT(T(t_char), "'\xE2\x98\x83'", NULL);

    weft_cval v;
    CHECK_STATUS(parse(T(t_char), "'\\u{10FFFF}'", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_CHAR && v.of.ch == 0x10FFFF);

    BAD(T(t_char), "''", 0, "empty char");
    BAD(T(t_char), "'ab'", 0, "more than one character");
    BAD(T(t_char), "'a", 0, "unterminated char");
    BAD(T(t_char), "'", 0, "unterminated char");
    BAD(T(t_char), "'\\q'", 1, "invalid escape");
    BAD(T(t_char), "'\\u{D800}'", 1, "not a Unicode scalar value");
    BAD(T(t_char), "'\\u{110000}'", 1, "not a Unicode scalar value");
    BAD(T(t_char), "'\\u{}'", 1, "invalid escape");
    BAD(T(t_char), "'\\u{1234567}'", 1, "invalid escape");
    BAD(T(t_char), "'\\u41'", 1, "invalid escape");
    BAD(T(t_char), "'\\u{41'", 1, "invalid escape");
    BAD(T(t_char), "'\n'", 1, "newline");
    BAD(T(t_char), "'\xFF'", 1, "invalid UTF-8");
    BAD(T(t_char), "'\xC0\x80'", 1, "invalid UTF-8");         /* overlong */
    BAD(T(t_char), "'\xED\xA0\x80'", 1, "invalid UTF-8");     /* surrogate */
    BAD(T(t_char), "'\xF0\x9F\x98'", 1, "invalid UTF-8");     /* truncated */
    BAD(T(t_char), "a", 0, "expected char, found \"a\"");
    BAD(T(t_char), "\"a\"", 0, "expected char");
}

static void check_string(int line, const char *text, const char *want, size_t want_len)
{
    weft_cval v;
    weft_status st = parse(T(t_string), text, &v);
    unit_check(st == WEFT_OK, __FILE__, line, text);
    if (st != WEFT_OK) {
        printf("  %s at %zu\n", g_err.message, g_err.offset);
        return;
    }
    int ok = v.kind == WEFT_C_STRING && v.of.str.len == want_len &&
             memcmp(v.of.str.ptr, want, want_len) == 0 && v.of.str.ptr[want_len] == '\0' &&
             v.of.str.ptr[want_len + 1] == 0;
    if (!ok)
        printf("  [%s] decoded to [%.*s] (%zu bytes)\n", text, (int)v.of.str.len,
               v.of.str.ptr ? v.of.str.ptr : "", v.of.str.len);
    unit_check(ok, __FILE__, line, "decoded string");
    weft_cvals_free(E, &v, 1);
}

#define STR(text, want) check_string(__LINE__, (text), (want), sizeof(want) - 1)

static void test_strings(void)
{
    RT(T(t_string), "\"\"", NULL);
    RT(T(t_string), "\"abc\"", NULL);
    RT(T(t_string), "\"WAVE\xF0\x9F\x8C\x8A\"", NULL);
    RT(T(t_string), "\"\\\\\\'\\\"\\t\\n\\r\"", NULL);
    RT(T(t_string), "\"'\\'\\u{27}\"", "\"\\'\\'\\'\"");
    RT(T(t_string), "\"\xE2\x98\x83\\u{2603}\\u{002603}\"", "\"\xE2\x98\x83\xE2\x98\x83\xE2\x98\x83\"");
    RT(T(t_string), "\"a\\u{0}b\\u{1b}[0m\\u{7f}\\u{85}\"", NULL);
    RT(T(t_string), "\"\\u{2028}\"", NULL);
    RT(T(t_string), "\"tab\there\"", "\"tab\\there\"");

    STR("\"\"", "");
    STR("\"a\\u{0}b\"", "a\0b");
    STR("\"\\u{1F600}\"", "\xF0\x9F\x98\x80");
    /* multiline strings */
    STR("\"\"\"\n\"\"\"", "");
    STR("\"\"\"\nA single line\n\"\"\"", "A single line");
    STR("\"\"\"\n    Indentation determined\n      by ending delimiter\n  \"\"\"",
        "  Indentation determined\n    by ending delimiter");
    STR("\"\"\"\n  Must escape carriage return at end of line: \\r\n"
        "  Must break up double quote triplets: \"\"\\\"\"\n  \"\"\"",
        "Must escape carriage return at end of line: \r\nMust break up double quote triplets: \"\"\"\"");
    STR("\"\"\"\r\n  crlf\r\n  lines\r\n  \"\"\"", "crlf\nlines");
    STR("\"\"\"\n\nEmpty leading and trailing lines are retained\n\n\"\"\"",
        "\nEmpty leading and trailing lines are retained\n");
    STR("\"\"\"\n  a\n\n  b\n  \"\"\"", "a\n\nb");
    STR("\"\"\"\n  'quotes' \"inside\"\n  \"\"\"", "'quotes' \"inside\"");
    RT(T(t_string), "\"\"\"\n  two\n  lines\n  \"\"\"", "\"two\\nlines\"");

    BAD(T(t_string), "\"abc", 0, "unterminated string");
    BAD(T(t_string), "\"", 0, "unterminated string");
    BAD(T(t_string), "\"a\nb\"", 0, "unterminated string");
    BAD(T(t_string), "\"\\\"", 0, "unterminated string");
    BAD(T(t_string), "\"\\j\"", 1, "invalid escape");
    BAD(T(t_string), "\"ab\\u{d800}\"", 3, "not a Unicode scalar value");
    BAD(T(t_string), "\"\\u{dfff}\"", 1, "not a Unicode scalar value");
    BAD(T(t_string), "\"\\u{110000}\"", 1, "not a Unicode scalar value");
    BAD(T(t_string), "\"\\u{ffffffff}\"", 1, "invalid escape");
    BAD(T(t_string), "\"\\u{-1}\"", 1, "invalid escape");
    BAD(T(t_string), "\"\\u{+1}\"", 1, "invalid escape");
    BAD(T(t_string), "\"\xC3\x28\"", 1, "invalid UTF-8");
    BAD(T(t_string), "\"ok\xF8\"", 3, "invalid UTF-8");
    BAD(T(t_string), "\"\"\"\"\"\"", 0, "line break");
    BAD(T(t_string), "\"\"\" \"\"\"", 0, "line break");
    BAD(T(t_string), "\"\"\"\"\n\"\"\"", 0, "line break");
    BAD(T(t_string), "\"\"\"\n\"\"", 0, "unterminated");
    BAD(T(t_string), "\"\"\"\n\"\"\"\"", 7, "expected end of input");
    BAD(T(t_string), "\"\"\"extra\n\"\"\"", 0, "line break");
    BAD(T(t_string), "\"\"\"\nextra\"\"\"", 9, "own");
    BAD(T(t_string), "\"\"\"\n  \"\"\"\n  \"\"\"", 12, "expected end of input");
    BAD(T(t_string), "\"\"\"\n  Between \"\"\" words\n  \"\"\"", 14, "own");
    BAD(T(t_string), "\"\"\"\nInvalid surrogate: \\u{d800}\n\"\"\"", 23, "scalar");
    BAD(T(t_string), "\"\"\"\nInvalid escape: \\j\n\"\"\"", 20, "invalid escape");
    BAD(T(t_string), "\"\"\"\n  x\n    \"\"\"", 4, "indented less");
    BAD(T(t_string), "\"\"\"\n  x \\\n  \"\"\"", 8, "invalid escape");
    BAD(T(t_string), "abc", 0, "expected string, found \"abc\"");
    BAD(T(t_string), "'a'", 0, "expected string, found \"'a'\"");
}

static void test_lists_tuples(void)
{
    RT(T(t_list_u32), "[]", NULL);
    RT(T(t_list_u32), "[1,2,3]", "[1, 2, 3]");
    RT(T(t_list_u32), "[1, 2, 3,]", "[1, 2, 3]");
    RT(T(t_list_u32), "[ 1 , 2 ]", "[1, 2]");
    RT(T(t_list_u32), "[\n  1, // one\n  2,\n]", "[1, 2]");
    RT(T(t_list_list_string), "[[], [\"a\"], [\"b\", \"c\"]]", NULL);
    {
        /* a long list grows its block; the result is exact-size */
        char big[8000];
        size_t n = 0;
        big[n++] = '[';
        for (int i = 0; i < 1000; i++)
            n += (size_t)snprintf(big + n, sizeof big - n, "%d, ", i);
        big[n++] = ']';
        big[n] = '\0';
        weft_cval v;
        CHECK_STATUS(parse(T(t_list_u32), big, &v), WEFT_OK, &g_err);
        CHECK(v.of.list.len == 1000 && v.of.list.items[999].of.u == 999);
        weft_cvals_free(E, &v, 1);
    }
    BAD(T(t_list_u32), "[1 2]", 3, "expected \",\" or \"]\", found \"2\"");
    BAD(T(t_list_u32), "[1,,2]", 3, "expected u32, found \",\"");
    BAD(T(t_list_u32), "[,]", 1, "expected u32");
    BAD(T(t_list_u32), "[1", 2, "found end of input");
    BAD(T(t_list_u32), "[", 1, "expected u32, found end of input");
    BAD(T(t_list_u32), "1", 0, "expected list<u32>, found \"1\"");
    BAD(T(t_list_u32), "[1, 2]]", 6, "expected end of input");
    BAD(T(t_list_u32), "[1, 256, x]", 9, "expected u32, found \"x\"");
    BAD(T(t_list_list_string), "[[\"a\"], [1]]", 9, "expected string");

    RT(T(t_tuple), "(1, \"a\", true)", NULL);
    RT(T(t_tuple), "( 1,\"a\",false, )", "(1, \"a\", false)");
    BAD(T(t_tuple), "(1, \"a\")", 7, "too few values in tuple: expected 3, found 2");
    BAD(T(t_tuple), "(1, \"a\", true, 4)", 15, "too many values in tuple");
    BAD(T(t_tuple), "(1 \"a\" true)", 3, "expected \",\" or \")\"");
    BAD(T(t_tuple), "()", 1, "too few values");
    BAD(T(t_tuple), "[1, \"a\", true]", 0, "expected tuple<u8, string, bool>");
}

static void test_records(void)
{
    RT(T(t_person), "{name: \"x\", age: 3}", NULL);
    RT(T(t_person), "{age: 3, name: \"x\", nick: some(\"y\")}", "{name: \"x\", age: 3, nick: some(\"y\")}");
    RT(T(t_person), "{name: \"x\", age: 3, nick: none,}", "{name: \"x\", age: 3}");
    RT(T(t_person), "{%name: \"x\", %age: 3, nick: \"flat\"}", "{name: \"x\", age: 3, nick: some(\"flat\")}");
    RT(T(t_person), "{ name :\"x\" , age:3 }", "{name: \"x\", age: 3}");
    RT(T(t_allopt), "{:}", NULL);
    RT(T(t_allopt), "{ : }", "{:}");
    RT(T(t_allopt), "{}", "{:}");
    RT(T(t_allopt), "{b: some(1)}", NULL);
    RT(T(t_allopt), "{a: 1, b: 2}", "{a: some(1), b: some(2)}");

    weft_cval v;
    CHECK_STATUS(parse(T(t_person), "{age: 3, name: \"x\"}", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_RECORD && v.of.list.len == 3);
    if (v.kind == WEFT_C_RECORD && v.of.list.len == 3) {
        CHECK(v.of.list.items[0].kind == WEFT_C_STRING);
        CHECK(v.of.list.items[1].kind == WEFT_C_U32 && v.of.list.items[1].of.u == 3);
        CHECK(v.of.list.items[2].kind == WEFT_C_OPTION && v.of.list.items[2].of.variant.disc == 0 &&
              v.of.list.items[2].of.variant.payload == NULL);
    }
    weft_cvals_free(E, &v, 1);

    BAD(T(t_person), "{name: \"x\"}", 0, "missing field \"age\"");
    BAD(T(t_person), "{:}", 0, "missing field \"name\"");
    BAD(T(t_person), "{}", 0, "missing field \"name\"");
    BAD(T(t_person), "{name: \"x\", age: 3, bogus: 1}", 20, "unknown field \"bogus\"");
    BAD(T(t_person), "{name: \"x\", name: \"y\"}", 12, "duplicate field \"name\"");
    BAD(T(t_person), "{name \"x\"}", 6, "expected \":\", found \"\"x\"\"");
    BAD(T(t_person), "{name: \"x\" age: 3}", 11, "expected \",\" or \"}\"");
    BAD(T(t_person), "{name: \"x\", age: 3", 18, "end of input");
    BAD(T(t_person), "{1: 2}", 1, "expected a field name");
    BAD(T(t_person), "{name: \"x\", age: -3}", 17, "out of range for u32");
    BAD(T(t_person), "{:,}", 2, "expected \"}\"");
    BAD(T(t_person), "[1]", 0, "expected record");
}

static void test_variants(void)
{
    RT(T(t_response), "empty", NULL);
    RT(T(t_response), "body([79, 75])", NULL);
    RT(T(t_response), "body ( [] )", "body([])");
    RT(T(t_response), "%err(\"oops\")", NULL);
    RT(T(t_response), "err(\"oops\")", "%err(\"oops\")");
    RT(T(t_response), "%empty", "empty");
    BAD(T(t_response), "body", 4, "expected \"(\" and the payload");
    BAD(T(t_response), "empty(1)", 5, "case \"empty\" has no payload");
    BAD(T(t_response), "unknown", 0, "unknown case \"unknown\" of variant");
    BAD(T(t_response), "body(1)", 5, "expected list<u8>, found \"1\"");
    BAD(T(t_response), "body([1]", 8, "expected \")\"");
    BAD(T(t_response), "body([1]]", 8, "expected \")\", found \"]\"");
    BAD(T(t_response), "5", 0, "expected variant, found \"5\"");
    BAD(T(t_response), "", 0, "expected variant, found end of input");

    RT(T(t_status), "%ok", NULL);
    RT(T(t_status), "ok", "%ok");
    RT(T(t_status), "not-found", NULL);
    RT(T(t_status), "a", NULL);
    BAD(T(t_status), "nope", 0, "unknown case \"nope\" of enum");
    BAD(T(t_status), "not-", 0, "unknown case");
    BAD(T(t_status), "a(1)", 1, "has no payload");
    BAD(T(t_status), "5", 0, "expected enum");
}

static void test_options_results(void)
{
    RT(T(t_opt_u32), "none", NULL);
    RT(T(t_opt_u32), "some(5)", NULL);
    RT(T(t_opt_u32), "some ( 5 )", "some(5)");
    RT(T(t_opt_u32), "5", "some(5)");
    RT(T(t_opt_opt_u32), "none", NULL);
    RT(T(t_opt_opt_u32), "some(none)", NULL);
    RT(T(t_opt_opt_u32), "some(some(1))", NULL);
    RT(T(t_opt_opt_u32), "some(1)", "some(some(1))");
    RT(T(t_opt_string), "\"x\"", "some(\"x\")");
    BAD(T(t_opt_opt_u32), "5", 0, "expected option<option<u32>>, found \"5\"");
    BAD(T(t_opt_u32), "some", 4, "expected \"(\" and the payload");
    BAD(T(t_opt_u32), "some()", 5, "expected u32, found \")\"");
    BAD(T(t_opt_u32), "none(1)", 4, "expected end of input");
    BAD(T(t_opt_u32), "abc", 0, "expected option<u32>, found \"abc\"");
    BAD(T(t_opt_u32), "300000000000", 0, "out of range for u32");
    BAD(T(t_opt_u32), "%none", 0, "expected option<u32>");

    RT(T(t_res_u32_string), "ok(1)", NULL);
    RT(T(t_res_u32_string), "err(\"x\")", NULL);
    RT(T(t_res_u32_string), "1", "ok(1)");
    RT(T(t_res_none), "ok", NULL);
    RT(T(t_res_none), "err", NULL);
    RT(T(t_res_err_only), "ok", NULL);
    RT(T(t_res_err_only), "err(\"e\")", NULL);
    RT(T(t_res_ok_only), "err", NULL);
    RT(T(t_res_ok_only), "7", "ok(7)");
    BAD(T(t_res_none), "ok(1)", 2, "case \"ok\" has no payload");
    BAD(T(t_res_none), "1", 0, "expected result, found \"1\"");
    BAD(T(t_res_err_only), "err", 3, "expected \"(\" and the payload");
    BAD(T(t_res_err_only), "\"e\"", 0, "expected result<_, string>");
    BAD(T(t_res_u32_string), "ok", 2, "expected \"(\"");
    BAD(T(t_res_u32_string), "err(1)", 4, "expected string, found \"1\"");
    BAD(T(t_res_u32_string), "x", 0, "expected result<u32, string>, found \"x\"");
}

static void test_flags(void)
{
    RT(T(t_perms), "{}", NULL);
    RT(T(t_perms), "{read}", NULL);
    RT(T(t_perms), "{exec, read,}", "{read, exec}");
    RT(T(t_perms), "{ write , %exec , read }", "{read, write, exec}");
    RT(T(t_kwflags), "{ok, none, x}", NULL);
    RT(T(t_kwflags), "{%none}", "{none}");
    weft_cval v;
    CHECK_STATUS(parse(T(t_perms), "{exec, write}", &v), WEFT_OK, &g_err);
    CHECK(v.kind == WEFT_C_FLAGS && v.of.flags == 6);
    BAD(T(t_perms), "{read, read}", 7, "duplicate flag \"read\"");
    BAD(T(t_perms), "{bogus}", 1, "unknown flag \"bogus\"");
    BAD(T(t_perms), "{read write}", 6, "expected \",\" or \"}\"");
    BAD(T(t_perms), "{read: true}", 5, "expected \",\" or \"}\", found \":\"");
    BAD(T(t_perms), "{,}", 1, "expected a flag name");
    BAD(T(t_perms), "{read", 5, "end of input");
    BAD(T(t_perms), "read", 0, "expected flags");
}

static void test_resources_and_others(void)
{
    BAD(T(t_own), "1", 0, "resources have no text form");
    BAD(T(t_borrow), "x", 0, "resources have no text form");
    BAD(T(WEFT_C_ERROR_CONTEXT), "1", 0, "error-context values have no text form");
    BAD(T(t_resource), "1", 0, "no text form");

    weft_resource r;
    memset(&r, 0, sizeof r);
    r.rep = 42;
    weft_cval v = {.kind = WEFT_C_OWN, .of.handle.res = &r};
    CHECK_STR(print(T(t_own), &v), "<resource rep=42>");
    v.kind = WEFT_C_BORROW;
    CHECK_STR(print(T(t_borrow), &v), "<resource rep=42>");
    /* mismatched values are marked, never followed */
    weft_cval bad_list = {.kind = WEFT_C_LIST, .of.list = {NULL, 5}};
    CHECK_STR(print(T(t_list_u32), &bad_list), "<invalid>");
    weft_cval wrong_kind = {.kind = WEFT_C_U8, .of.u = 1};
    CHECK_STR(print(T(t_string), &wrong_kind), "<invalid>");
    weft_cval bad_enum = {.kind = WEFT_C_ENUM, .of.variant = {7, NULL}};
    CHECK_STR(print(T(t_status), &bad_enum), "<invalid>");
    weft_cval bad_flags = {.kind = WEFT_C_FLAGS, .of.flags = 8};
    CHECK_STR(print(T(t_perms), &bad_flags), "<invalid>");
    weft_cval no_payload = {.kind = WEFT_C_VARIANT, .of.variant = {1, NULL}};
    CHECK_STR(print(T(t_response), &no_payload), "body(<invalid>)");
    weft_cval bad_char = {.kind = WEFT_C_CHAR, .of.ch = 0xD800};
    CHECK_STR(print(T(t_char), &bad_char), "<invalid>");
    weft_cval raw = {.kind = WEFT_C_STRING, .of.str = {"a\xFF" "b", 3}};
    CHECK_STR(print(T(t_string), &raw), "\"a\\u{fffd}b\"");
    CHECK_STR(print(NULL, &raw), "<invalid>");
    CHECK_STR(print(T(t_string), NULL), "<invalid>");

    /* argument checks */
    weft_error err;
    weft_cval out;
    CHECK_STATUS(weft_wave_parse(NULL, T(t_u8), "1", 1, &out, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_wave_parse(E, NULL, "1", 1, &out, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_wave_parse(E, T(t_u8), NULL, 1, &out, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_wave_parse(E, T(t_u8), "1", 1, NULL, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_wave_parse(E, T(t_u8), "7", 1, &out, NULL), WEFT_OK, &err);
    CHECK_STATUS(weft_wave_parse(E, T(t_u8), "x", 1, &out, NULL), WEFT_INVALID, &err);
    CHECK_STATUS(weft_wave_parse(E, T(t_u8), NULL, 0, &out, &err), WEFT_INVALID, &err);
    CHECK_STATUS(weft_wave_parse_args(E, NULL, "", 0, &out, 1, NULL, &err), WEFT_ARG, &err);
}

static void test_print_buffer(void)
{
    weft_cval v;
    CHECK_STATUS(parse(T(t_person), "{name: \"hello\", age: 12345}", &v), WEFT_OK, &g_err);
    const char *full = "{name: \"hello\", age: 12345}";
    size_t n = strlen(full);
    CHECK_EQ(weft_wave_print(T(t_person), &v, NULL, 0), n);
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK_EQ(weft_wave_print(T(t_person), &v, small, sizeof small), n);
    CHECK(memcmp(small, full, 7) == 0 && small[7] == '\0');
    char one[1] = {'x'};
    CHECK_EQ(weft_wave_print(T(t_person), &v, one, 1), n);
    CHECK(one[0] == '\0');
    char exact[64];
    CHECK_EQ(weft_wave_print(T(t_person), &v, exact, n + 1), n);
    CHECK_STR(exact, full);
    CHECK_EQ(weft_wave_print(T(t_person), &v, exact, n), n);
    CHECK(strlen(exact) == n - 1);
    weft_cvals_free(E, &v, 1);
}

static void test_depth(void)
{
    wc_tid t = t_u8;
    for (int i = 0; i < 150; i++)
        t = mk_list(t);
    char text[1000];
    size_t n = 0;
    for (int i = 0; i < 150; i++)
        text[n++] = '[';
    for (int i = 0; i < 150; i++)
        text[n++] = ']';
    text[n] = '\0';
    BAD(T(t), text, 100, "nesting is too deep");
    /* 99 levels of nesting is fine */
    wc_tid t99 = t_u8;
    for (int i = 0; i < 99; i++)
        t99 = mk_list(t99);
    n = 0;
    for (int i = 0; i < 99; i++)
        text[n++] = '[';
    for (int i = 0; i < 99; i++)
        text[n++] = ']';
    text[n] = '\0';
    RT(T(t99), text, NULL);
    /* deep brackets against a shallow type fail at the first mismatch */
    char *deep = malloc(200001);
    memset(deep, '[', 200000);
    deep[200000] = '\0';
    BAD(T(t_list_u32), deep, 1, "expected u32, found \"[\"");
    free(deep);
}

static const char *const EVERYTHING =
    "{b: true, s8: -8, u8: 8, s16: -16, u16: 16, s32: -32, u32: 32, s64: -64, u64: 64, "
    "f32: 1.5, f64: -0.25, c: '\\'', s: \"q\\\"\\\\\\n\", l: [[\"x\"], []], t: (1, \"\", false), "
    "p: {name: \"n\", age: 1, nick: some(\"k\")}, o: some(3), oo: some(none), r: err(\"bad\"), "
    "re: ok, v: body([1, 2]), e: not-found, f: {read, exec}, k: {ok, x}, lr: [ok, err(\"e\")]}";

static void test_everything(void)
{
    RT(T(t_everything), EVERYTHING, NULL);
    /* missing non-option field in a big record, and arity of fields */
    BAD(T(t_everything), "{b: true}", 0, "missing field \"s8\"");
}

/* Allocation failure at every point: WEFT_NOMEM, nothing leaked, *out zeroed. */
static void test_oom(void)
{
    long live = g_live;
    int nomem = 0, other = 0, ok = 0;
    weft_cval v;
    /* count the allocations of a clean parse */
    g_allocs = 0;
    g_fail_at = LONG_MAX;
    weft_status st = weft_wave_parse(E, T(t_everything), EVERYTHING, strlen(EVERYTHING), &v, &g_err);
    g_fail_at = -1;
    long total = g_allocs;
    CHECK_STATUS(st, WEFT_OK, &g_err);
    weft_cvals_free(E, &v, 1);
    for (long k = 0; k < total; k++) {
        g_allocs = 0;
        g_fail_at = k;
        st = weft_wave_parse(E, T(t_everything), EVERYTHING, strlen(EVERYTHING), &v, &g_err);
        g_fail_at = -1;
        if (st == WEFT_OK) {   /* a list block that could not shrink is kept */
            CHECK_STR(print(T(t_everything), &v), EVERYTHING);
            weft_cvals_free(E, &v, 1);
            ok++;
        } else if (st == WEFT_NOMEM && all_zero(&v, sizeof v) && g_err.status == WEFT_NOMEM) {
            nomem++;
        } else {
            other++;
        }
        if (g_live != live) {
            printf("  leak after failing allocation %ld\n", k);
            other++;
            break;
        }
    }
    printf("  allocation failures: %ld points, %d out of memory, %d recovered\n", total, nomem, ok);
    CHECK(total > 20 && nomem + ok == total);
    CHECK_EQ(other, 0);
    CHECK_EQ(g_live, live);
}

/* ---------------------------------------------------------------- */
/* Argument lists and calls                                          */
/* ---------------------------------------------------------------- */

static void test_values(void)
{
    const weft_ctype *types[] = {T(t_u32), T(t_string), T(t_opt_u32), T(t_opt_string)};
    const char *names[] = {"a", "b", "c", "d"};
    weft_cval out[4];
    size_t n = 99;
    long live = g_live;

#define PV(text) weft_wave_parse_values(E, types, names, 4, (text), strlen(text), out, 4, &n, &g_err)
    CHECK_STATUS(PV("1, \"x\""), WEFT_OK, &g_err);
    CHECK(n == 4 && out[0].of.u == 1 && out[2].kind == WEFT_C_OPTION && out[2].of.variant.disc == 0 &&
          out[3].kind == WEFT_C_OPTION && out[3].of.variant.payload == NULL);
    weft_cvals_free(E, out, n);
    CHECK_STATUS(PV(" 1 , \"x\" , some(2) , \"y\" , "), WEFT_OK, &g_err);
    CHECK(n == 4 && out[2].of.variant.disc == 1 && out[2].of.variant.payload->of.u == 2 &&
          out[3].of.variant.payload->kind == WEFT_C_STRING);
    weft_cvals_free(E, out, n);
    CHECK_STATUS(PV("1, \"x\", none, none"), WEFT_OK, &g_err);
    weft_cvals_free(E, out, n);

    CHECK_STATUS(PV("1"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "missing argument \"b\": expected 2 to 4 arguments, found 1");
    CHECK(n == 0 && all_zero(out, sizeof out));
    CHECK_STATUS(PV(""), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "missing argument \"a\"");
    CHECK_STATUS(PV("1, \"x\", none, none, 5"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "too many arguments: expected 4");
    CHECK_EQ(g_err.offset, 20);
    CHECK(all_zero(out, sizeof out));
    CHECK_STATUS(PV("1 \"x\""), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "expected \",\" or the end of the arguments, found \"\"x\"\"");
    CHECK_EQ(g_err.offset, 2);
    CHECK_STATUS(PV("1, 2"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "expected string, found \"2\"");
    CHECK_EQ(g_err.offset, 3);
    CHECK_STATUS(PV("1, \"x\", some(\"no\")"), WEFT_INVALID, &g_err);
    CHECK(all_zero(out, sizeof out));
    CHECK_STATUS(PV(",1"), WEFT_INVALID, &g_err);
    CHECK_STATUS(PV("1,,\"x\""), WEFT_INVALID, &g_err);
#undef PV

    /* all-required, without names */
    const weft_ctype *two[] = {T(t_u8), T(t_bool)};
    CHECK_STATUS(weft_wave_parse_values(E, two, NULL, 2, "1", 1, out, 4, &n, &g_err), WEFT_INVALID,
                 &g_err);
    CHECK_CONTAINS(g_err.message, "missing argument 2: expected 2 arguments, found 1");
    CHECK_EQ(g_err.offset, 1);
    CHECK_STATUS(weft_wave_parse_values(E, two, NULL, 2, "1, true", 7, out, 1, &n, &g_err), WEFT_ARG,
                 &g_err);
    CHECK_STATUS(weft_wave_parse_values(E, NULL, NULL, 0, "", 0, NULL, 0, &n, &g_err), WEFT_OK,
                 &g_err);
    CHECK_STATUS(weft_wave_parse_values(E, NULL, NULL, 0, " // nothing", 11, NULL, 0, &n, &g_err),
                 WEFT_OK, &g_err);
    CHECK_STATUS(weft_wave_parse_values(E, NULL, NULL, 0, "1", 1, NULL, 0, &n, &g_err),
                 WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "too many arguments: expected 0");
    CHECK_EQ(g_live, live);
}

static void test_calls(void)
{
    char name[64];
    const char *args;
    size_t alen;
#define PC(text) weft_wave_parse_call(E, (text), strlen(text), name, sizeof name, &args, &alen, &g_err)
    const char *t1 = "foo(1, 2)";
    CHECK_STATUS(PC(t1), WEFT_OK, &g_err);
    CHECK_STR(name, "foo");
    CHECK(args == t1 + 4 && alen == 4);

    const char *t2 = "wasi:cli/run@0.2.0#run()";
    CHECK_STATUS(PC(t2), WEFT_OK, &g_err);
    CHECK_STR(name, "wasi:cli/run@0.2.0#run");
    CHECK(alen == 0 && args == t2 + 23);

    const char *t3 = "[method]counter.increment(\"a)\\\"(\", [1, (2)], ')', {a: \"\"\"\n)\n\"\"\"}) ";
    CHECK_STATUS(PC(t3), WEFT_OK, &g_err);
    CHECK_STR(name, "[method]counter.increment");
    CHECK(args == t3 + 26 && alen == strlen(t3) - 26 - 2);

    const char *t4 = "  my-func ( x ) // trailing comment\n";
    CHECK_STATUS(PC(t4), WEFT_OK, &g_err);
    CHECK_STR(name, "my-func");
    CHECK(alen == 3 && memcmp(args, " x ", 3) == 0);

    CHECK_STATUS(PC("f(1, // ) in a comment\n 2)"), WEFT_OK, &g_err);
    CHECK_STR(name, "f");

    CHECK_STATUS(PC("foo"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "expected \"(\" after the function name, found end of input");
    CHECK_EQ(g_err.offset, 3);
    CHECK(name[0] == '\0' && args == NULL && alen == 0);
    CHECK_STATUS(PC("foo("), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "unterminated argument list");
    CHECK_EQ(g_err.offset, 3);
    CHECK_STATUS(PC("foo(1))"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "expected end of input after the call, found \")\"");
    CHECK_EQ(g_err.offset, 6);
    CHECK_STATUS(PC("foo(1) x"), WEFT_INVALID, &g_err);
    CHECK_EQ(g_err.offset, 7);
    CHECK_STATUS(PC("(1)"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "expected a function name, found \"(\"");
    CHECK_STATUS(PC(""), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "found end of input");
    CHECK_STATUS(PC("foo(\"a)"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "unterminated string");
    CHECK_EQ(g_err.offset, 4);
    CHECK_STATUS(PC("foo(]"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "unbalanced \"]\"");
    CHECK_STATUS(PC("foo([1)"), WEFT_INVALID, &g_err);
    CHECK_CONTAINS(g_err.message, "expected \"]\"");
    CHECK_STATUS(PC("foo('x)"), WEFT_INVALID, &g_err);
    CHECK_STATUS(PC("foo{1}"), WEFT_INVALID, &g_err);
    CHECK_STATUS(PC("foo bar(1)"), WEFT_INVALID, &g_err);
    {
        char deep[400];
        size_t n = 0;
        memcpy(deep, "f(", 2);
        n = 2;
        for (int i = 0; i < 300; i++)
            deep[n++] = '[';
        deep[n] = '\0';
        CHECK_STATUS(PC(deep), WEFT_INVALID, &g_err);
        CHECK_CONTAINS(g_err.message, "nested too deeply");
    }
    char tiny[4];
    CHECK_STATUS(weft_wave_parse_call(E, "abcd()", 6, tiny, sizeof tiny, &args, &alen, &g_err),
                 WEFT_LIMIT, &g_err);
    CHECK_STATUS(weft_wave_parse_call(E, "abc()", 5, tiny, sizeof tiny, &args, &alen, &g_err),
                 WEFT_OK, &g_err);
    CHECK_STR(tiny, "abc");
    CHECK_STATUS(weft_wave_parse_call(E, "abc()", 5, NULL, 0, &args, &alen, &g_err), WEFT_ARG,
                 &g_err);
#undef PC

    /* a call split and then parsed as arguments */
    const weft_ctype *types[] = {T(t_string), T(t_list_u32)};
    const char *call = "set(\"k)\", [1, 2,])";
    CHECK_STATUS(weft_wave_parse_call(E, call, strlen(call), name, sizeof name, &args, &alen, &g_err),
                 WEFT_OK, &g_err);
    weft_cval out[2];
    size_t n;
    CHECK_STATUS(weft_wave_parse_values(E, types, NULL, 2, args, alen, out, 2, &n, &g_err), WEFT_OK,
                 &g_err);
    CHECK(n == 2 && out[0].of.str.len == 2 && out[1].of.list.len == 2);
    weft_cvals_free(E, out, n);
}

/* ---------------------------------------------------------------- */
/* Mutation loop                                                     */
/* ---------------------------------------------------------------- */

static unsigned g_mut_runs, g_mut_ok, g_mut_bad;

/* Parses text against t; whatever happens, the result must be consistent. */
static void mutant(const weft_ctype *t, const char *text, size_t len)
{
    long live = g_live;
    weft_cval v;
    weft_status st = parse_n(t, text, len, &v);
    g_mut_runs++;
    if (st == WEFT_OK) {
        static char a[1 << 16], b[1 << 16];
        size_t n = weft_wave_print(t, &v, a, sizeof a);
        weft_cval w;
        weft_status st2 = n < sizeof a ? parse(t, a, &w) : WEFT_OK;
        if (n < sizeof a && st2 == WEFT_OK) {
            weft_wave_print(t, &w, b, sizeof b);
            if (strcmp(a, b) != 0 && g_mut_bad++ < 5)
                printf("  mutant reprint differs: [%s] vs [%s]\n", a, b);
            weft_cvals_free(E, &w, 1);
        } else if (n < sizeof a && g_mut_bad++ < 5) {
            printf("  printed mutant [%s] does not parse: %s\n", a, g_err.message);
        }
        weft_cvals_free(E, &v, 1);
        g_mut_ok++;
    } else {
        bool sane = st == WEFT_INVALID && g_err.status == st && g_err.offset <= len &&
                    g_err.message[0] != '\0' && all_zero(&v, sizeof v);
        if (!sane && g_mut_bad++ < 5)
            printf("  mutant %.*s: status %s offset %zu message %s\n", (int)(len > 60 ? 60 : len),
                   text, weft_status_name(st), g_err.offset, g_err.message);
    }
    if (g_live != live && g_mut_bad++ < 5)
        printf("  mutant leaked %ld blocks\n", g_live - live);
}

static void test_mutations(void)
{
    const char *seeds[] = {
        EVERYTHING,
        "{b: false, s8: 0, u8: 0, s16: 0, u16: 0, s32: 0, u32: 0, s64: 0, u64: 0, f32: nan, "
        "f64: -inf, c: '\\u{1F600}', s: \"\"\"\n  multi\n  line \\u{41}\n  \"\"\", l: [], "
        "t: (255, \"\xE2\x98\x83\", true,), p: {age: 0, name: \"\"}, o: none, oo: none, r: 5, "
        "re: err, v: %err(\"e\"), e: %ok, f: {}, k: {none}, lr: []} // done",
    };
    const weft_ctype *others[] = {T(t_string), T(t_list_u32), T(t_f64), T(t_opt_opt_u32),
                                  T(t_res_u32_string), T(t_person), T(t_tuple), T(t_char),
                                  T(t_perms), T(t_response)};
    static const unsigned char repl[] = {0, ' ', '"', '\'', '\\', '(', ')', '[', ']', '{', '}',
                                         ',', ':', '%', '-', '9', 'a', 'e', '.', 0xFF, 0xC3,
                                         0xE2, '\n', '/', 'u', '}'};
    char *buf = malloc(4096);
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        const char *seed = seeds[s];
        size_t len = strlen(seed);
        /* every truncation */
        for (size_t k = 0; k <= len; k++) {
            mutant(T(t_everything), seed, k);
            mutant(others[k % 10], seed + (len - k), k);
        }
        /* every single-byte replacement from the set, and every deletion */
        for (size_t k = 0; k < len; k++) {
            for (size_t r = 0; r < sizeof repl; r++) {
                memcpy(buf, seed, len);
                buf[k] = (char)repl[r];
                mutant(T(t_everything), buf, len);
            }
            memcpy(buf, seed, k);
            memcpy(buf + k, seed + k + 1, len - k - 1);
            mutant(T(t_everything), buf, len - 1);
        }
    }
    /* random edits: splice, duplicate, insert random bytes, swap */
    for (int it = 0; it < 30000; it++) {
        const char *seed = seeds[it & 1];
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        int edits = 1 + (int)(rnd() % 4);
        for (int e = 0; e < edits; e++) {
            size_t a = len ? rnd() % len : 0;
            size_t b = len ? rnd() % len : 0;
            switch (rnd() % 5) {
            case 0: /* delete a range */
                if (a > b) { size_t t = a; a = b; b = t; }
                memmove(buf + a, buf + b, len - b);
                len -= b - a;
                break;
            case 1: /* duplicate a range */
                if (a > b) { size_t t = a; a = b; b = t; }
                if (len + (b - a) < 4000) {
                    memmove(buf + b + (b - a), buf + b, len - b);
                    memcpy(buf + b, buf + a, b - a);
                    len += b - a;
                }
                break;
            case 2: /* random byte */
                if (len)
                    buf[a] = (char)rnd();
                break;
            case 3: /* byte from the set */
                if (len)
                    buf[a] = (char)repl[rnd() % sizeof repl];
                break;
            default: /* swap two bytes */
                if (len) {
                    char t = buf[a];
                    buf[a] = buf[b];
                    buf[b] = t;
                }
                break;
            }
        }
        mutant(T(t_everything), buf, len);
        mutant(others[rnd() % 10], buf, len);
    }
    /* pure noise */
    for (int it = 0; it < 5000; it++) {
        size_t len = rnd() % 64;
        for (size_t k = 0; k < len; k++)
            buf[k] = (char)(rnd() % 3 ? repl[rnd() % sizeof repl] : (char)rnd());
        for (size_t o = 0; o < 10; o++)
            mutant(others[o], buf, len);
        char name[32];
        const char *args;
        size_t alen;
        weft_status st = weft_wave_parse_call(E, buf, len, name, sizeof name, &args, &alen, &g_err);
        if (st == WEFT_OK && !(args >= buf && args + alen <= buf + len) && g_mut_bad++ < 5)
            printf("  call args out of the text\n");
        if (st != WEFT_OK && st != WEFT_INVALID && st != WEFT_LIMIT && g_mut_bad++ < 5)
            printf("  call parse status %s\n", weft_status_name(st));
    }
    free(buf);
    printf("  mutation loop: %u parses, %u accepted\n", g_mut_runs, g_mut_ok);
    CHECK_EQ(g_mut_bad, 0);
    CHECK(g_mut_runs > 100000);
}

int main(void)
{
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.alloc = test_alloc;
    E = weft_engine_new(&cfg);
    if (!E) {
        printf("no engine\n");
        return 1;
    }
    if (wc_types_init(&A, E) != WEFT_OK) {
        printf("no type arena\n");
        return 1;
    }
    build_types();

    test_bool();
    test_ints();
    test_floats();
    test_float_random();
    test_chars();
    test_strings();
    test_lists_tuples();
    test_records();
    test_variants();
    test_options_results();
    test_flags();
    test_resources_and_others();
    test_print_buffer();
    test_depth();
    test_everything();
    test_oom();
    test_values();
    test_calls();
    test_mutations();

    wc_types_free(&A);
    for (unsigned i = 0; i < g_nowned; i++)
        free(g_owned[i]);
    weft_engine_delete(E);
    CHECK_EQ(g_live, 0);
    return unit_finish();
}
