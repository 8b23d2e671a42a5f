/*
 * test_numeric.c - unit tests for the wn_ helpers in src/vm/numeric.h.
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weft/weft.h"
#include "vm/numeric.h"

static unsigned g_pass, g_fail;

static void check(int ok, int line, const char *what)
{
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
        printf("FAIL line %d: %s\n", line, what);
    }
}

#define CHECK(cond) check((cond) != 0, __LINE__, #cond)

/* ---- bit helpers ---- */

static uint32_t fb(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t db(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static float bf(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static double bd(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static int f32_is_qnan(float f)
{
    uint32_t u = fb(f);
    return (u & 0x7F800000u) == 0x7F800000u && (u & 0x00400000u);
}

static int f64_is_qnan(double d)
{
    uint64_t u = db(d);
    return (u & 0x7FF0000000000000u) == 0x7FF0000000000000u &&
           (u & 0x0008000000000000u);
}

/* Exact comparison by bits (so -0.0 != +0.0); a NaN expectation means
 * "any quiet NaN". */
static void check_f32(float got, float want, int line, const char *what)
{
    int ok = want != want ? f32_is_qnan(got) : fb(got) == fb(want);
    if (!ok)
        printf("  got %a (0x%08x), want %a (0x%08x)\n", (double)got,
               (unsigned)fb(got), (double)want, (unsigned)fb(want));
    check(ok, line, what);
}

static void check_f64(double got, double want, int line, const char *what)
{
    int ok = want != want ? f64_is_qnan(got) : db(got) == db(want);
    if (!ok)
        printf("  got %a (0x%016llx), want %a (0x%016llx)\n", got,
               (unsigned long long)db(got), want, (unsigned long long)db(want));
    check(ok, line, what);
}

static void check_u64(uint64_t got, uint64_t want, int line, const char *what)
{
    if (got != want)
        printf("  got 0x%llx, want 0x%llx\n", (unsigned long long)got,
               (unsigned long long)want);
    check(got == want, line, what);
}

#define EQF(expr, want) check_f32((expr), (want), __LINE__, #expr)
#define EQD(expr, want) check_f64((expr), (want), __LINE__, #expr)
#define EQU(expr, want) check_u64((uint64_t)(expr), (uint64_t)(want), __LINE__, #expr)

/* Trapping op: expected trap, and on NONE the expected result. */
#define TRAP32(call, a, b, trap, want)                                        \
    do {                                                                      \
        uint32_t r_ = 0xDEADBEEFu;                                            \
        weft_trap_kind t_ = call((a), (b), &r_);                              \
        check(t_ == (trap), __LINE__, #call "(" #a ", " #b ") trap");         \
        if (t_ == WEFT_TRAP_NONE && (trap) == WEFT_TRAP_NONE)                 \
            check_u64(r_, (uint32_t)(want), __LINE__, #call "(" #a ", " #b ")"); \
        else if (t_ != WEFT_TRAP_NONE)                                        \
            check(r_ == 0xDEADBEEFu, __LINE__, #call " result untouched");   \
    } while (0)

#define TRAP64(call, a, b, trap, want)                                        \
    do {                                                                      \
        uint64_t r_ = 0xDEADBEEFu;                                            \
        weft_trap_kind t_ = call((a), (b), &r_);                              \
        check(t_ == (trap), __LINE__, #call "(" #a ", " #b ") trap");         \
        if (t_ == WEFT_TRAP_NONE && (trap) == WEFT_TRAP_NONE)                 \
            check_u64(r_, (uint64_t)(want), __LINE__, #call "(" #a ", " #b ")"); \
        else if (t_ != WEFT_TRAP_NONE)                                        \
            check(r_ == 0xDEADBEEFu, __LINE__, #call " result untouched");   \
    } while (0)

#define CVT32(call, a, trap, want)                                            \
    do {                                                                      \
        uint32_t r_ = 0xDEADBEEFu;                                            \
        weft_trap_kind t_ = call((a), &r_);                                   \
        check(t_ == (trap), __LINE__, #call "(" #a ") trap");                 \
        if (t_ == WEFT_TRAP_NONE && (trap) == WEFT_TRAP_NONE)                 \
            check_u64(r_, (uint32_t)(want), __LINE__, #call "(" #a ")");      \
    } while (0)

#define CVT64(call, a, trap, want)                                            \
    do {                                                                      \
        uint64_t r_ = 0xDEADBEEFu;                                            \
        weft_trap_kind t_ = call((a), &r_);                                   \
        check(t_ == (trap), __LINE__, #call "(" #a ") trap");                 \
        if (t_ == WEFT_TRAP_NONE && (trap) == WEFT_TRAP_NONE)                 \
            check_u64(r_, (uint64_t)(want), __LINE__, #call "(" #a ")");      \
    } while (0)

#define NONE WEFT_TRAP_NONE
#define OVF WEFT_TRAP_INT_OVERFLOW
#define DIV0 WEFT_TRAP_DIV_BY_ZERO
#define INV WEFT_TRAP_INVALID_CONVERSION

/* ---- random numbers and references ---- */

static uint64_t g_rng = 0x9E3779B97F4A7C15u;

static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* Random value with a random number of significant bits. */
static uint64_t rnd_sized(void)
{
    unsigned bits = (unsigned)(rnd() % 65);
    uint64_t v = rnd();
    return bits == 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

static unsigned ref_clz(uint64_t x, unsigned w)
{
    unsigned n = 0;
    for (int i = (int)w - 1; i >= 0 && !((x >> i) & 1u); i--) n++;
    return n;
}

static unsigned ref_ctz(uint64_t x, unsigned w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w && !((x >> i) & 1u); i++) n++;
    return n;
}

static unsigned ref_popcnt(uint64_t x)
{
    unsigned n = 0;
    for (; x; x >>= 1) n += (unsigned)(x & 1u);
    return n;
}

static uint32_t ref_rotl32(uint32_t a, unsigned n)
{
    for (n %= 32; n; n--) a = (a << 1) | (a >> 31);
    return a;
}

static uint64_t ref_rotl64(uint64_t a, unsigned n)
{
    for (n %= 64; n; n--) a = (a << 1) | (a >> 63);
    return a;
}

/* Correctly rounded u64 -> binary float with p significand bits, by integer
 * arithmetic: returns the significand and sets *exp so value = m * 2^exp. */
static uint64_t ref_round(uint64_t x, unsigned p, int *exp)
{
    unsigned msb = 63 - ref_clz(x, 64);
    unsigned sh;
    uint64_t m, rem, half;
    *exp = 0;
    if (x == 0 || msb < p) return x;
    sh = msb + 1 - p;
    m = x >> sh;
    rem = x & ((UINT64_C(1) << sh) - 1);
    half = UINT64_C(1) << (sh - 1);
    if (rem > half || (rem == half && (m & 1u))) m++;
    *exp = (int)sh;
    return m;
}

static float ref_u64_f32(uint64_t x)
{
    int e;
    uint64_t m = ref_round(x, 24, &e);
    return ldexpf((float)(uint32_t)m, e);
}

static double ref_u64_f64(uint64_t x)
{
    int e;
    uint64_t m = ref_round(x, 53, &e);
    return ldexp((double)m, e);
}

/* ---- tests ---- */

static void test_bits(void)
{
    EQU(wn_clz32(0), 32);
    EQU(wn_clz32(1), 31);
    EQU(wn_clz32(0x80000000u), 0);
    EQU(wn_clz32(0xFFFFFFFFu), 0);
    EQU(wn_clz32(0x00008000u), 16);
    EQU(wn_ctz32(0), 32);
    EQU(wn_ctz32(1), 0);
    EQU(wn_ctz32(0x80000000u), 31);
    EQU(wn_ctz32(0x00010000u), 16);
    EQU(wn_popcnt32(0), 0);
    EQU(wn_popcnt32(0xFFFFFFFFu), 32);
    EQU(wn_popcnt32(0x80008000u), 2);
    EQU(wn_clz64(0), 64);
    EQU(wn_clz64(1), 63);
    EQU(wn_clz64(0x8000000000000000u), 0);
    EQU(wn_clz64(0x00000000FFFFFFFFu), 32);
    EQU(wn_ctz64(0), 64);
    EQU(wn_ctz64(0x8000000000000000u), 63);
    EQU(wn_ctz64(0x0000000100000000u), 32);
    EQU(wn_popcnt64(0), 0);
    EQU(wn_popcnt64(0xFFFFFFFFFFFFFFFFu), 64);
    EQU(wn_popcnt64(0x8000000000000001u), 2);

    int i;
    for (i = 0; i < 20000; i++) {
        uint64_t x = rnd_sized();
        uint32_t y = (uint32_t)rnd_sized();
        int ok = wn_clz64(x) == ref_clz(x, 64) && wn_ctz64(x) == ref_ctz(x, 64) &&
                 wn_popcnt64(x) == ref_popcnt(x) && wn_clz32(y) == ref_clz(y, 32) &&
                 wn_ctz32(y) == ref_ctz(y, 32) && wn_popcnt32(y) == ref_popcnt(y);
        if (!ok) printf("  x=0x%llx y=0x%x\n", (unsigned long long)x, (unsigned)y);
        if (!ok) break;
    }
    check(i == 20000, __LINE__, "randomized cases");
}

static void test_shifts(void)
{
    EQU(wn_rotl32(0x80000001u, 0), 0x80000001u);
    EQU(wn_rotl32(0x80000001u, 1), 0x00000003u);
    EQU(wn_rotl32(0x80000001u, 32), 0x80000001u);
    EQU(wn_rotl32(0x80000001u, 33), 0x00000003u);
    EQU(wn_rotl32(0x12345678u, 0xFFFFFFFFu), 0x091A2B3Cu);
    EQU(wn_rotr32(0x80000001u, 0), 0x80000001u);
    EQU(wn_rotr32(0x80000001u, 1), 0xC0000000u);
    EQU(wn_rotr32(0x80000001u, 32), 0x80000001u);
    EQU(wn_rotr32(0x12345678u, 4), 0x81234567u);
    EQU(wn_rotl64(0x8000000000000001u, 0), 0x8000000000000001u);
    EQU(wn_rotl64(0x8000000000000001u, 1), 3);
    EQU(wn_rotl64(0x8000000000000001u, 64), 0x8000000000000001u);
    EQU(wn_rotl64(0x8000000000000001u, 0xFFFFFFFFFFFFFFC1u), 3);
    EQU(wn_rotr64(0x8000000000000001u, 1), 0xC000000000000000u);
    EQU(wn_rotr64(0x0123456789ABCDEFu, 8), 0xEF0123456789ABCDu);
    EQU(wn_rotr64(0x0123456789ABCDEFu, 128), 0x0123456789ABCDEFu);

    EQU(wn_i32_shr_s(0x80000000u, 31), 0xFFFFFFFFu);
    EQU(wn_i32_shr_s(0x80000000u, 32), 0x80000000u);
    EQU(wn_i32_shr_s(0x80000000u, 0), 0x80000000u);
    EQU(wn_i32_shr_s(0x80000000u, 1), 0xC0000000u);
    EQU(wn_i32_shr_s(0x7FFFFFFFu, 31), 0);
    EQU(wn_i32_shr_s(0x7FFFFFFFu, 33), 0x3FFFFFFFu);
    EQU(wn_i32_shr_s(0xFFFFFFF0u, 2), 0xFFFFFFFCu);
    EQU(wn_i32_shr_s(0xFFFFFFFFu, 0xFFFFFFFFu), 0xFFFFFFFFu);
    EQU(wn_i64_shr_s(0x8000000000000000u, 63), 0xFFFFFFFFFFFFFFFFu);
    EQU(wn_i64_shr_s(0x8000000000000000u, 64), 0x8000000000000000u);
    EQU(wn_i64_shr_s(0x8000000000000000u, 1), 0xC000000000000000u);
    EQU(wn_i64_shr_s(0x7FFFFFFFFFFFFFFFu, 62), 1);
    EQU(wn_i64_shr_s(1, 0xFFFFFFFFFFFFFFFFu), 0);

    int i;
    for (i = 0; i < 20000; i++) {
        uint64_t x = rnd(), n = rnd();
        uint32_t y = (uint32_t)rnd(), m = (uint32_t)rnd();
        unsigned s32 = m & 31u, s64 = (unsigned)(n & 63u);
        uint32_t sra32 = (y >> s32) | ((y >> 31) ? ~(0xFFFFFFFFu >> s32) : 0u);
        uint64_t sra64 = (x >> s64) |
                         ((x >> 63) ? ~(0xFFFFFFFFFFFFFFFFu >> s64) : 0u);
        int ok = wn_rotl32(y, m) == ref_rotl32(y, m % 32) &&
                 wn_rotr32(y, m) == ref_rotl32(y, (32 - m % 32) % 32) &&
                 wn_rotl64(x, n) == ref_rotl64(x, (unsigned)(n % 64)) &&
                 wn_rotr64(x, n) == ref_rotl64(x, (unsigned)((64 - n % 64) % 64)) &&
                 wn_i32_shr_s(y, m) == sra32 && wn_i64_shr_s(x, n) == sra64;
        if (!ok)
            printf("  x=0x%llx n=%llu y=0x%x m=%u\n", (unsigned long long)x,
                   (unsigned long long)n, (unsigned)y, (unsigned)m);
        if (!ok) break;
    }
    check(i == 20000, __LINE__, "randomized cases");
}

static void test_div(void)
{
    TRAP32(wn_i32_div_s, 7u, 2u, NONE, 3);
    TRAP32(wn_i32_div_s, (uint32_t)-7, 2u, NONE, (uint32_t)-3);
    TRAP32(wn_i32_div_s, 7u, (uint32_t)-2, NONE, (uint32_t)-3);
    TRAP32(wn_i32_div_s, (uint32_t)-7, (uint32_t)-2, NONE, 3);
    TRAP32(wn_i32_div_s, 1u, 0u, DIV0, 0);
    TRAP32(wn_i32_div_s, 0u, 0u, DIV0, 0);
    TRAP32(wn_i32_div_s, 0x80000000u, 0u, DIV0, 0);
    TRAP32(wn_i32_div_s, 0x80000000u, 0xFFFFFFFFu, OVF, 0);
    TRAP32(wn_i32_div_s, 0x80000000u, 2u, NONE, 0xC0000000u);
    TRAP32(wn_i32_div_s, 0x80000001u, 0xFFFFFFFFu, NONE, 0x7FFFFFFFu);
    TRAP32(wn_i32_div_s, 0x80000000u, 0x80000000u, NONE, 1);
    TRAP32(wn_i32_div_u, 0x80000000u, 0xFFFFFFFFu, NONE, 0);
    TRAP32(wn_i32_div_u, 0xFFFFFFFFu, 2u, NONE, 0x7FFFFFFFu);
    TRAP32(wn_i32_div_u, 0xFFFFFFFFu, 0u, DIV0, 0);
    TRAP32(wn_i32_div_u, (uint32_t)-7, 2u, NONE, 0x7FFFFFFCu);
    TRAP32(wn_i32_rem_s, 0x80000000u, 0xFFFFFFFFu, NONE, 0);
    TRAP32(wn_i32_rem_s, 0x7FFFFFFFu, 0xFFFFFFFFu, NONE, 0);
    TRAP32(wn_i32_rem_s, 5u, 0u, DIV0, 0);
    TRAP32(wn_i32_rem_s, (uint32_t)-7, 2u, NONE, (uint32_t)-1);
    TRAP32(wn_i32_rem_s, 7u, (uint32_t)-2, NONE, 1);
    TRAP32(wn_i32_rem_s, (uint32_t)-7, (uint32_t)-2, NONE, (uint32_t)-1);
    TRAP32(wn_i32_rem_s, 0x80000000u, 2u, NONE, 0);
    TRAP32(wn_i32_rem_s, 0x80000001u, 2u, NONE, (uint32_t)-1);
    TRAP32(wn_i32_rem_u, (uint32_t)-7, 2u, NONE, 1);
    TRAP32(wn_i32_rem_u, 0x80000000u, 0xFFFFFFFFu, NONE, 0x80000000u);
    TRAP32(wn_i32_rem_u, 5u, 0u, DIV0, 0);

    TRAP64(wn_i64_div_s, 7u, 2u, NONE, 3);
    TRAP64(wn_i64_div_s, (uint64_t)-7, 2u, NONE, (uint64_t)-3);
    TRAP64(wn_i64_div_s, (uint64_t)-7, (uint64_t)-2, NONE, 3);
    TRAP64(wn_i64_div_s, 1u, 0u, DIV0, 0);
    TRAP64(wn_i64_div_s, 0x8000000000000000u, 0u, DIV0, 0);
    TRAP64(wn_i64_div_s, 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, OVF, 0);
    TRAP64(wn_i64_div_s, 0x8000000000000000u, 2u, NONE, 0xC000000000000000u);
    TRAP64(wn_i64_div_s, 0x8000000000000001u, 0xFFFFFFFFFFFFFFFFu, NONE,
           0x7FFFFFFFFFFFFFFFu);
    TRAP64(wn_i64_div_u, 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, NONE, 0);
    TRAP64(wn_i64_div_u, 0xFFFFFFFFFFFFFFFFu, 2u, NONE, 0x7FFFFFFFFFFFFFFFu);
    TRAP64(wn_i64_div_u, 1u, 0u, DIV0, 0);
    TRAP64(wn_i64_rem_s, 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, NONE, 0);
    TRAP64(wn_i64_rem_s, (uint64_t)-7, 2u, NONE, (uint64_t)-1);
    TRAP64(wn_i64_rem_s, 7u, (uint64_t)-2, NONE, 1);
    TRAP64(wn_i64_rem_s, 1u, 0u, DIV0, 0);
    TRAP64(wn_i64_rem_u, (uint64_t)-7, 2u, NONE, 1);
    TRAP64(wn_i64_rem_u, 0x8000000000000000u, 0xFFFFFFFFFFFFFFFFu, NONE,
           0x8000000000000000u);
    TRAP64(wn_i64_rem_u, 1u, 0u, DIV0, 0);
}

static void test_rounding(void)
{
    float fnan = bf(0x7FC00000u), fsnan = bf(0x7F800001u), finf = bf(0x7F800000u);
    double dnan = bd(0x7FF8000000000000u), dsnan = bd(0x7FF0000000000001u);
    double dinf = bd(0x7FF0000000000000u);

    EQF(wn_ceilf(-0.5f), -0.0f);
    EQF(wn_ceilf(0.5f), 1.0f);
    EQF(wn_ceilf(-0.0f), -0.0f);
    EQF(wn_ceilf(-1.5f), -1.0f);
    EQF(wn_ceilf(0x1p-149f), 1.0f);
    EQF(wn_ceilf(-finf), -finf);
    EQF(wn_ceilf(fnan), fnan);
    EQF(wn_ceilf(fsnan), fnan);
    EQF(wn_floorf(0.5f), 0.0f);
    EQF(wn_floorf(-0.5f), -1.0f);
    EQF(wn_floorf(-0.0f), -0.0f);
    EQF(wn_floorf(-0x1p-149f), -1.0f);
    EQF(wn_floorf(16777215.0f), 16777215.0f);
    EQF(wn_floorf(finf), finf);
    EQF(wn_floorf(-fnan), fnan);
    EQF(wn_truncf(-0.9f), -0.0f);
    EQF(wn_truncf(0.9f), 0.0f);
    EQF(wn_truncf(-1.9f), -1.0f);
    EQF(wn_truncf(8388607.5f), 8388607.0f);
    EQF(wn_truncf(fsnan), fnan);

    EQD(wn_ceil(-0.5), -0.0);
    EQD(wn_ceil(0.5), 1.0);
    EQD(wn_ceil(-0.0), -0.0);
    EQD(wn_ceil(0x1p-1074), 1.0);
    EQD(wn_ceil(4503599627370495.5), 4503599627370496.0);
    EQD(wn_ceil(dinf), dinf);
    EQD(wn_ceil(dsnan), dnan);
    EQD(wn_floor(-0.5), -1.0);
    EQD(wn_floor(0.5), 0.0);
    EQD(wn_floor(-0.0), -0.0);
    EQD(wn_floor(-dinf), -dinf);
    EQD(wn_floor(dnan), dnan);
    EQD(wn_trunc(-0.9), -0.0);
    EQD(wn_trunc(1.9), 1.0);
    EQD(wn_trunc(-4503599627370495.5), -4503599627370495.0);
    EQD(wn_trunc(dsnan), dnan);

    EQF(wn_nearestf(0.0f), 0.0f);
    EQF(wn_nearestf(-0.0f), -0.0f);
    EQF(wn_nearestf(0.4f), 0.0f);
    EQF(wn_nearestf(-0.4f), -0.0f);
    EQF(wn_nearestf(0.5f), 0.0f);
    EQF(wn_nearestf(-0.5f), -0.0f);
    EQF(wn_nearestf(0.6f), 1.0f);
    EQF(wn_nearestf(-0.6f), -1.0f);
    EQF(wn_nearestf(1.5f), 2.0f);
    EQF(wn_nearestf(-1.5f), -2.0f);
    EQF(wn_nearestf(2.5f), 2.0f);
    EQF(wn_nearestf(-2.5f), -2.0f);
    EQF(wn_nearestf(3.5f), 4.0f);
    EQF(wn_nearestf(0.49999997f), 0.0f);
    EQF(wn_nearestf(-0.49999997f), -0.0f);
    EQF(wn_nearestf(0x1p-149f), 0.0f);
    EQF(wn_nearestf(8388607.5f), 8388608.0f);
    EQF(wn_nearestf(-8388607.5f), -8388608.0f);
    EQF(wn_nearestf(8388606.5f), 8388606.0f);
    EQF(wn_nearestf(8388609.0f), 8388609.0f);
    EQF(wn_nearestf(finf), finf);
    EQF(wn_nearestf(-finf), -finf);
    EQF(wn_nearestf(fnan), fnan);
    EQF(wn_nearestf(fsnan), fnan);

    EQD(wn_nearest(-0.0), -0.0);
    EQD(wn_nearest(-0.4), -0.0);
    EQD(wn_nearest(0.5), 0.0);
    EQD(wn_nearest(-0.5), -0.0);
    EQD(wn_nearest(1.5), 2.0);
    EQD(wn_nearest(2.5), 2.0);
    EQD(wn_nearest(-2.5), -2.0);
    EQD(wn_nearest(-3.5), -4.0);
    EQD(wn_nearest(0.49999999999999994), 0.0);
    EQD(wn_nearest(4503599627370495.5), 4503599627370496.0);
    EQD(wn_nearest(-4503599627370495.5), -4503599627370496.0);
    EQD(wn_nearest(4503599627370494.5), 4503599627370494.0);
    EQD(wn_nearest(9007199254740991.0), 9007199254740991.0);
    EQD(wn_nearest(4503599627370497.0), 4503599627370497.0);
    EQD(wn_nearest(1e300), 1e300);
    EQD(wn_nearest(dinf), dinf);
    EQD(wn_nearest(dnan), dnan);
    EQD(wn_nearest(dsnan), dnan);

    EQF(wn_sqrtf(4.0f), 2.0f);
    EQF(wn_sqrtf(2.0f), bf(0x3FB504F3u));
    EQF(wn_sqrtf(-0.0f), -0.0f);
    EQF(wn_sqrtf(0.0f), 0.0f);
    EQF(wn_sqrtf(-1.0f), fnan);
    EQF(wn_sqrtf(-finf), fnan);
    EQF(wn_sqrtf(finf), finf);
    EQF(wn_sqrtf(fsnan), fnan);
    EQD(wn_sqrt(4.0), 2.0);
    EQD(wn_sqrt(2.0), bd(0x3FF6A09E667F3BCDu));
    EQD(wn_sqrt(-0.0), -0.0);
    EQD(wn_sqrt(-1.0), dnan);
    EQD(wn_sqrt(dinf), dinf);
    EQD(wn_sqrt(dsnan), dnan);

    /* nearest against the libm in its default rounding mode. */
    int i;
    for (i = 0; i < 100000; i++) {
        uint64_t r = rnd();
        /* Exponents concentrated around the interesting range. */
        uint32_t fe = 100u + (uint32_t)(r % 60u);
        float f = bf((uint32_t)(r >> 32 & 0x807FFFFFu) | fe << 23);
        uint64_t de = 1000u + (r >> 8) % 90u;
        double d = bd((rnd() & 0x800FFFFFFFFFFFFFu) | de << 52);
        int ok = fb(wn_nearestf(f)) == fb(nearbyintf(f)) &&
                 db(wn_nearest(d)) == db(nearbyint(d)) &&
                 fb(wn_ceilf(f)) == fb(ceilf(f)) && db(wn_floor(d)) == db(floor(d));
        if (!ok) printf("  f=%a d=%a\n", (double)f, d);
        if (!ok) break;
    }
    check(i == 100000, __LINE__, "randomized cases");
}

static void test_minmax(void)
{
    float fnan = bf(0x7FC00000u), fsnan = bf(0x7F800001u), finf = bf(0x7F800000u);
    double dnan = bd(0x7FF8000000000000u), dsnan = bd(0x7FF0000000000001u);
    double dinf = bd(0x7FF0000000000000u);

    EQF(wn_fminf(-0.0f, 0.0f), -0.0f);
    EQF(wn_fminf(0.0f, -0.0f), -0.0f);
    EQF(wn_fminf(0.0f, 0.0f), 0.0f);
    EQF(wn_fminf(-0.0f, -0.0f), -0.0f);
    EQF(wn_fmaxf(-0.0f, 0.0f), 0.0f);
    EQF(wn_fmaxf(0.0f, -0.0f), 0.0f);
    EQF(wn_fmaxf(-0.0f, -0.0f), -0.0f);
    EQF(wn_fminf(1.0f, 2.0f), 1.0f);
    EQF(wn_fminf(2.0f, -1.0f), -1.0f);
    EQF(wn_fmaxf(1.0f, 2.0f), 2.0f);
    EQF(wn_fmaxf(-2.0f, -1.0f), -1.0f);
    EQF(wn_fminf(-finf, 0.0f), -finf);
    EQF(wn_fmaxf(finf, -finf), finf);
    EQF(wn_fminf(fnan, 1.0f), fnan);
    EQF(wn_fminf(1.0f, fnan), fnan);
    EQF(wn_fmaxf(fnan, finf), fnan);
    EQF(wn_fmaxf(-finf, fnan), fnan);
    EQF(wn_fminf(fsnan, 0.0f), fnan);
    EQF(wn_fmaxf(0.0f, fsnan), fnan);
    EQF(wn_fminf(0.0f, fsnan), fnan);
    EQF(wn_fmaxf(fsnan, 0.0f), fnan);
    EQF(wn_fminf(fsnan, fsnan), fnan);
    EQF(wn_fmaxf(fnan, fnan), fnan);
    EQF(wn_fminf(-fnan, 1.0f), fnan);

    EQD(wn_fmin(-0.0, 0.0), -0.0);
    EQD(wn_fmin(0.0, -0.0), -0.0);
    EQD(wn_fmax(-0.0, 0.0), 0.0);
    EQD(wn_fmax(0.0, -0.0), 0.0);
    EQD(wn_fmax(-0.0, -0.0), -0.0);
    EQD(wn_fmin(0.0, 0.0), 0.0);
    EQD(wn_fmin(1.0, -1.0), -1.0);
    EQD(wn_fmax(1.0, -1.0), 1.0);
    EQD(wn_fmin(-dinf, dinf), -dinf);
    EQD(wn_fmax(-dinf, dinf), dinf);
    EQD(wn_fmin(dnan, 1.0), dnan);
    EQD(wn_fmin(1.0, dnan), dnan);
    EQD(wn_fmax(dnan, -dinf), dnan);
    EQD(wn_fmax(dinf, dnan), dnan);
    EQD(wn_fmin(dsnan, 0.0), dnan);
    EQD(wn_fmax(0.0, dsnan), dnan);
    EQD(wn_fmin(0.0, dsnan), dnan);
    EQD(wn_fmax(dsnan, 0.0), dnan);
    EQD(wn_fmax(-dnan, dsnan), dnan);
}

static void test_trunc(void)
{
    float fnan = bf(0x7FC00000u), finf = bf(0x7F800000u);
    double dnan = bd(0x7FF8000000000000u), dinf = bd(0x7FF0000000000000u);

    /* i32 <- f32, signed */
    CVT32(wn_i32_trunc_f32_s, 0.0f, NONE, 0);
    CVT32(wn_i32_trunc_f32_s, -0.0f, NONE, 0);
    CVT32(wn_i32_trunc_f32_s, -0.9f, NONE, 0);
    CVT32(wn_i32_trunc_f32_s, -1.9f, NONE, (uint32_t)-1);
    CVT32(wn_i32_trunc_f32_s, 1.9f, NONE, 1);
    CVT32(wn_i32_trunc_f32_s, -2147483648.0f, NONE, 0x80000000u);
    CVT32(wn_i32_trunc_f32_s, 2147483520.0f, NONE, 0x7FFFFF80u);
    CVT32(wn_i32_trunc_f32_s, 2147483648.0f, OVF, 0);
    CVT32(wn_i32_trunc_f32_s, -2147483904.0f, OVF, 0);
    CVT32(wn_i32_trunc_f32_s, finf, OVF, 0);
    CVT32(wn_i32_trunc_f32_s, -finf, OVF, 0);
    CVT32(wn_i32_trunc_f32_s, fnan, INV, 0);
    CVT32(wn_i32_trunc_f32_s, -fnan, INV, 0);
    CVT32(wn_i32_trunc_f32_s, bf(0x7F800001u), INV, 0);
    /* i32 <- f32, unsigned */
    CVT32(wn_i32_trunc_f32_u, -0.9f, NONE, 0);
    CVT32(wn_i32_trunc_f32_u, -0.0f, NONE, 0);
    CVT32(wn_i32_trunc_f32_u, -1.0f, OVF, 0);
    CVT32(wn_i32_trunc_f32_u, 2147483648.0f, NONE, 0x80000000u);
    CVT32(wn_i32_trunc_f32_u, 4294967040.0f, NONE, 0xFFFFFF00u);
    CVT32(wn_i32_trunc_f32_u, 4294967296.0f, OVF, 0);
    CVT32(wn_i32_trunc_f32_u, finf, OVF, 0);
    CVT32(wn_i32_trunc_f32_u, fnan, INV, 0);
    /* i32 <- f64, signed */
    CVT32(wn_i32_trunc_f64_s, -2147483648.9, NONE, 0x80000000u);
    CVT32(wn_i32_trunc_f64_s, -2147483648.0, NONE, 0x80000000u);
    CVT32(wn_i32_trunc_f64_s, -2147483649.0, OVF, 0);
    CVT32(wn_i32_trunc_f64_s, 2147483647.9, NONE, 0x7FFFFFFFu);
    CVT32(wn_i32_trunc_f64_s, 2147483648.0, OVF, 0);
    CVT32(wn_i32_trunc_f64_s, -0.9, NONE, 0);
    CVT32(wn_i32_trunc_f64_s, -dinf, OVF, 0);
    CVT32(wn_i32_trunc_f64_s, dnan, INV, 0);
    CVT32(wn_i32_trunc_f64_s, bd(0xFFF0000000000001u), INV, 0);
    /* i32 <- f64, unsigned */
    CVT32(wn_i32_trunc_f64_u, -0.9, NONE, 0);
    CVT32(wn_i32_trunc_f64_u, -0.99999999999999989, NONE, 0);
    CVT32(wn_i32_trunc_f64_u, -1.0, OVF, 0);
    CVT32(wn_i32_trunc_f64_u, 4294967295.9, NONE, 0xFFFFFFFFu);
    CVT32(wn_i32_trunc_f64_u, 4294967296.0, OVF, 0);
    CVT32(wn_i32_trunc_f64_u, 1e300, OVF, 0);
    CVT32(wn_i32_trunc_f64_u, dinf, OVF, 0);
    CVT32(wn_i32_trunc_f64_u, dnan, INV, 0);
    /* i64 <- f32 */
    CVT64(wn_i64_trunc_f32_s, -9223372036854775808.0f, NONE, 0x8000000000000000u);
    CVT64(wn_i64_trunc_f32_s, 9223371487098961920.0f, NONE, 0x7FFFFF8000000000u);
    CVT64(wn_i64_trunc_f32_s, 9223372036854775808.0f, OVF, 0);
    CVT64(wn_i64_trunc_f32_s, -9223373136366403584.0f, OVF, 0);
    CVT64(wn_i64_trunc_f32_s, -1.5f, NONE, (uint64_t)-1);
    CVT64(wn_i64_trunc_f32_s, finf, OVF, 0);
    CVT64(wn_i64_trunc_f32_s, fnan, INV, 0);
    CVT64(wn_i64_trunc_f32_u, -0.9f, NONE, 0);
    CVT64(wn_i64_trunc_f32_u, -1.0f, OVF, 0);
    CVT64(wn_i64_trunc_f32_u, 18446742974197923840.0f, NONE, 0xFFFFFF0000000000u);
    CVT64(wn_i64_trunc_f32_u, 18446744073709551616.0f, OVF, 0);
    CVT64(wn_i64_trunc_f32_u, 9223372036854775808.0f, NONE, 0x8000000000000000u);
    CVT64(wn_i64_trunc_f32_u, -finf, OVF, 0);
    CVT64(wn_i64_trunc_f32_u, fnan, INV, 0);
    /* i64 <- f64 */
    CVT64(wn_i64_trunc_f64_s, -9223372036854775808.0, NONE, 0x8000000000000000u);
    CVT64(wn_i64_trunc_f64_s, 9223372036854774784.0, NONE, 0x7FFFFFFFFFFFFC00u);
    CVT64(wn_i64_trunc_f64_s, 9223372036854775808.0, OVF, 0);
    CVT64(wn_i64_trunc_f64_s, -9223372036854777856.0, OVF, 0);
    CVT64(wn_i64_trunc_f64_s, -0.9, NONE, 0);
    CVT64(wn_i64_trunc_f64_s, -2.9, NONE, (uint64_t)-2);
    CVT64(wn_i64_trunc_f64_s, dinf, OVF, 0);
    CVT64(wn_i64_trunc_f64_s, dnan, INV, 0);
    CVT64(wn_i64_trunc_f64_u, -0.9, NONE, 0);
    CVT64(wn_i64_trunc_f64_u, -1.0, OVF, 0);
    CVT64(wn_i64_trunc_f64_u, 18446744073709549568.0, NONE, 0xFFFFFFFFFFFFF800u);
    CVT64(wn_i64_trunc_f64_u, 18446744073709551616.0, OVF, 0);
    CVT64(wn_i64_trunc_f64_u, 9223372036854775808.0, NONE, 0x8000000000000000u);
    CVT64(wn_i64_trunc_f64_u, 4294967296.5, NONE, 0x100000000u);
    CVT64(wn_i64_trunc_f64_u, dinf, OVF, 0);
    CVT64(wn_i64_trunc_f64_u, dnan, INV, 0);
}

static void test_trunc_sat(void)
{
    float fnan = bf(0x7FC00000u), finf = bf(0x7F800000u);
    double dnan = bd(0x7FF8000000000000u), dinf = bd(0x7FF0000000000000u);

    EQU(wn_i32_trunc_sat_f32_s(fnan), 0);
    EQU(wn_i32_trunc_sat_f32_s(-fnan), 0);
    EQU(wn_i32_trunc_sat_f32_s(-0.9f), 0);
    EQU(wn_i32_trunc_sat_f32_s(-1.9f), 0xFFFFFFFFu);
    EQU(wn_i32_trunc_sat_f32_s(-2147483648.0f), 0x80000000u);
    EQU(wn_i32_trunc_sat_f32_s(-2147483904.0f), 0x80000000u);
    EQU(wn_i32_trunc_sat_f32_s(2147483520.0f), 0x7FFFFF80u);
    EQU(wn_i32_trunc_sat_f32_s(2147483648.0f), 0x7FFFFFFFu);
    EQU(wn_i32_trunc_sat_f32_s(finf), 0x7FFFFFFFu);
    EQU(wn_i32_trunc_sat_f32_s(-finf), 0x80000000u);
    EQU(wn_i32_trunc_sat_f32_u(fnan), 0);
    EQU(wn_i32_trunc_sat_f32_u(-0.9f), 0);
    EQU(wn_i32_trunc_sat_f32_u(-1.0f), 0);
    EQU(wn_i32_trunc_sat_f32_u(-finf), 0);
    EQU(wn_i32_trunc_sat_f32_u(4294967040.0f), 0xFFFFFF00u);
    EQU(wn_i32_trunc_sat_f32_u(4294967296.0f), 0xFFFFFFFFu);
    EQU(wn_i32_trunc_sat_f32_u(finf), 0xFFFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_s(dnan), 0);
    EQU(wn_i32_trunc_sat_f64_s(-2147483648.9), 0x80000000u);
    EQU(wn_i32_trunc_sat_f64_s(-2147483649.0), 0x80000000u);
    EQU(wn_i32_trunc_sat_f64_s(2147483647.9), 0x7FFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_s(2147483648.0), 0x7FFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_s(-1.5), 0xFFFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_s(-dinf), 0x80000000u);
    EQU(wn_i32_trunc_sat_f64_s(1e300), 0x7FFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_u(dnan), 0);
    EQU(wn_i32_trunc_sat_f64_u(-0.9), 0);
    EQU(wn_i32_trunc_sat_f64_u(-1e300), 0);
    EQU(wn_i32_trunc_sat_f64_u(4294967295.9), 0xFFFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_u(4294967296.0), 0xFFFFFFFFu);
    EQU(wn_i32_trunc_sat_f64_u(123.7), 123);
    EQU(wn_i64_trunc_sat_f32_s(fnan), 0);
    EQU(wn_i64_trunc_sat_f32_s(-9223372036854775808.0f), 0x8000000000000000u);
    EQU(wn_i64_trunc_sat_f32_s(-9223373136366403584.0f), 0x8000000000000000u);
    EQU(wn_i64_trunc_sat_f32_s(9223371487098961920.0f), 0x7FFFFF8000000000u);
    EQU(wn_i64_trunc_sat_f32_s(9223372036854775808.0f), 0x7FFFFFFFFFFFFFFFu);
    EQU(wn_i64_trunc_sat_f32_s(-finf), 0x8000000000000000u);
    EQU(wn_i64_trunc_sat_f32_s(-3.5f), (uint64_t)-3);
    EQU(wn_i64_trunc_sat_f32_u(fnan), 0);
    EQU(wn_i64_trunc_sat_f32_u(-0.9f), 0);
    EQU(wn_i64_trunc_sat_f32_u(-5.0f), 0);
    EQU(wn_i64_trunc_sat_f32_u(18446742974197923840.0f), 0xFFFFFF0000000000u);
    EQU(wn_i64_trunc_sat_f32_u(18446744073709551616.0f), 0xFFFFFFFFFFFFFFFFu);
    EQU(wn_i64_trunc_sat_f32_u(finf), 0xFFFFFFFFFFFFFFFFu);
    EQU(wn_i64_trunc_sat_f64_s(dnan), 0);
    EQU(wn_i64_trunc_sat_f64_s(-9223372036854775808.0), 0x8000000000000000u);
    EQU(wn_i64_trunc_sat_f64_s(-9223372036854777856.0), 0x8000000000000000u);
    EQU(wn_i64_trunc_sat_f64_s(9223372036854774784.0), 0x7FFFFFFFFFFFFC00u);
    EQU(wn_i64_trunc_sat_f64_s(9223372036854775808.0), 0x7FFFFFFFFFFFFFFFu);
    EQU(wn_i64_trunc_sat_f64_s(dinf), 0x7FFFFFFFFFFFFFFFu);
    EQU(wn_i64_trunc_sat_f64_s(-0.9), 0);
    EQU(wn_i64_trunc_sat_f64_u(dnan), 0);
    EQU(wn_i64_trunc_sat_f64_u(-0.9), 0);
    EQU(wn_i64_trunc_sat_f64_u(-dinf), 0);
    EQU(wn_i64_trunc_sat_f64_u(18446744073709549568.0), 0xFFFFFFFFFFFFF800u);
    EQU(wn_i64_trunc_sat_f64_u(18446744073709551616.0), 0xFFFFFFFFFFFFFFFFu);
    EQU(wn_i64_trunc_sat_f64_u(dinf), 0xFFFFFFFFFFFFFFFFu);

    /* Saturating and trapping forms agree wherever the latter succeeds. */
    int i;
    for (i = 0; i < 100000; i++) {
        uint64_t r = rnd();
        float f = bf((uint32_t)r);
        double d = bd(rnd() & 0xC3FFFFFFFFFFFFFFu); /* |d| < 2^65 or tiny */
        uint32_t r32;
        uint64_t r64;
        int ok = 1;
        if (wn_i32_trunc_f32_s(f, &r32) == NONE) ok &= r32 == wn_i32_trunc_sat_f32_s(f);
        if (wn_i32_trunc_f32_u(f, &r32) == NONE) ok &= r32 == wn_i32_trunc_sat_f32_u(f);
        if (wn_i32_trunc_f64_s(d, &r32) == NONE) ok &= r32 == wn_i32_trunc_sat_f64_s(d);
        if (wn_i32_trunc_f64_u(d, &r32) == NONE) ok &= r32 == wn_i32_trunc_sat_f64_u(d);
        if (wn_i64_trunc_f32_s(f, &r64) == NONE) ok &= r64 == wn_i64_trunc_sat_f32_s(f);
        if (wn_i64_trunc_f32_u(f, &r64) == NONE) ok &= r64 == wn_i64_trunc_sat_f32_u(f);
        if (wn_i64_trunc_f64_s(d, &r64) == NONE) ok &= r64 == wn_i64_trunc_sat_f64_s(d);
        if (wn_i64_trunc_f64_u(d, &r64) == NONE) ok &= r64 == wn_i64_trunc_sat_f64_u(d);
        if (!ok) printf("  f=%a d=%a\n", (double)f, d);
        if (!ok) break;
    }
    check(i == 100000, __LINE__, "randomized cases");
}

static void test_convert(void)
{
    EQF(wn_f32_convert_u64(0), 0.0f);
    EQF(wn_f32_convert_u64(1), 1.0f);
    EQF(wn_f32_convert_u64(16777217u), 16777216.0f);       /* tie -> even */
    EQF(wn_f32_convert_u64(16777219u), 16777220.0f);       /* tie -> even */
    EQF(wn_f32_convert_u64(0x7FFFFFFFFFFFFFFFu), 0x1p63f);
    EQF(wn_f32_convert_u64(0x8000000000000000u), 0x1p63f);
    EQF(wn_f32_convert_u64(0xFFFFFFFFFFFFFFFFu), 0x1p64f);
    EQF(wn_f32_convert_u64(0x8000008000000000u), 0x1p63f); /* tie -> even */
    EQF(wn_f32_convert_u64(0x8000008000000001u), bf(0x5F000001u));
    EQF(wn_f32_convert_u64(0x8000018000000000u), bf(0x5F000002u));
    /* the case double rounding through f64 gets wrong */
    EQF(wn_f32_convert_u64(0x8000008000000400u), bf(0x5F000001u));
    EQF(wn_f32_convert_u64(0xFFFFFF7FFFFFFFFFu), bf(0x5F7FFFFFu));
    EQF(wn_f32_convert_u64(0xFFFFFF8000000000u), 0x1p64f);
    EQF(wn_f32_convert_u64(0x0020000020000001u), bf(0x5A000001u));
    EQF(wn_f32_convert_u64(0x0020000010000001u), bf(0x5A000000u));

    EQD(wn_f64_convert_u64(0), 0.0);
    EQD(wn_f64_convert_u64(9007199254740993u), 9007199254740992.0);
    EQD(wn_f64_convert_u64(9007199254740995u), 9007199254740996.0);
    EQD(wn_f64_convert_u64(0x7FFFFFFFFFFFFFFFu), 0x1p63);
    EQD(wn_f64_convert_u64(0x8000000000000000u), 0x1p63);
    EQD(wn_f64_convert_u64(0xFFFFFFFFFFFFFFFFu), 0x1p64);
    EQD(wn_f64_convert_u64(0x8000000000000400u), 0x1p63);  /* tie -> even */
    EQD(wn_f64_convert_u64(0x8000000000000401u), bd(0x43E0000000000001u));
    EQD(wn_f64_convert_u64(0x8000000000000C00u), bd(0x43E0000000000002u));
    EQD(wn_f64_convert_u64(0xFFFFFFFFFFFFFBFFu), bd(0x43EFFFFFFFFFFFFFu));
    EQD(wn_f64_convert_u64(0xFFFFFFFFFFFFFC00u), 0x1p64);

    int i;
    for (i = 0; i < 200000; i++) {
        uint64_t x = rnd_sized();
        int ok;
        if (i & 1) {
            /* near a rounding tie: set the bits below the f32/f64 cut */
            unsigned sh = 1 + (unsigned)(rnd() % 40);
            if (rnd() & 1) x |= UINT64_C(1) << 63;
            x &= ~((UINT64_C(1) << sh) - 1);
            x |= (rnd() % 3) ? (UINT64_C(1) << (sh - 1)) : 0;
            x += rnd() % 3 - 1;
        }
        ok = fb(wn_f32_convert_u64(x)) == fb(ref_u64_f32(x)) &&
             db(wn_f64_convert_u64(x)) == db(ref_u64_f64(x));
        if (!ok) printf("  x=0x%llx\n", (unsigned long long)x);
        if (!ok) break;
    }
    check(i == 200000, __LINE__, "randomized cases");
}

int main(void)
{
    test_bits();
    test_shifts();
    test_div();
    test_rounding();
    test_minmax();
    test_trunc();
    test_trunc_sat();
    test_convert();
    printf("%u passed, %u failed\n", g_pass, g_fail);
    return g_fail != 0;
}
