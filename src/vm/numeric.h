/*
 * numeric.h - WebAssembly 2.0 numeric helpers used by src/core/opcodes.def.
 *
 * Views: i32 = uint32_t, i64 = uint64_t, f32 = float, f64 = double.
 * Everything here is free of undefined behaviour: shift counts are reduced
 * mod the width, signed division never sees INT_MIN / -1, and every
 * float -> int conversion is range-checked before it is performed.
 * Trapping helpers return a weft_trap_kind and write *r only on success.
 * NaN results are quiet NaNs; a NaN operand is propagated (quieted) where
 * the operation allows it, as the spec permits any arithmetic NaN.
 */
#ifndef WEFT_VM_NUMERIC_H
#define WEFT_VM_NUMERIC_H

#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <math.h>
#include "weft/weft.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__SIZEOF_INT__) && \
    __SIZEOF_INT__ == 4 && defined(__SIZEOF_LONG_LONG__) &&                 \
    __SIZEOF_LONG_LONG__ == 8
#define WN_GNU_BITS_ 1
#else
#define WN_GNU_BITS_ 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WN_CEILF_(x) __builtin_ceilf(x)
#define WN_FLOORF_(x) __builtin_floorf(x)
#define WN_TRUNCF_(x) __builtin_truncf(x)
#define WN_SQRTF_(x) __builtin_sqrtf(x)
#define WN_FABSF_(x) __builtin_fabsf(x)
#define WN_CEIL_(x) __builtin_ceil(x)
#define WN_FLOOR_(x) __builtin_floor(x)
#define WN_TRUNC_(x) __builtin_trunc(x)
#define WN_SQRT_(x) __builtin_sqrt(x)
#define WN_FABS_(x) __builtin_fabs(x)
#else
#define WN_CEILF_(x) ceilf(x)
#define WN_FLOORF_(x) floorf(x)
#define WN_TRUNCF_(x) truncf(x)
#define WN_SQRTF_(x) sqrtf(x)
#define WN_FABSF_(x) fabsf(x)
#define WN_CEIL_(x) ceil(x)
#define WN_FLOOR_(x) floor(x)
#define WN_TRUNC_(x) trunc(x)
#define WN_SQRT_(x) sqrt(x)
#define WN_FABS_(x) fabs(x)
#endif

/* ------------------------------------------------------------------ */
/* Bit patterns and signed views                                       */
/* ------------------------------------------------------------------ */

static inline uint32_t wn_f32_bits_(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline uint64_t wn_f64_bits_(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* Two's complement reinterpretation without implementation-defined casts;
 * compiles to nothing. */
static inline int32_t wn_s32_(uint32_t x)
{
    return x < 0x80000000u ? (int32_t)x : -(int32_t)~x - 1;
}

static inline int64_t wn_s64_(uint64_t x)
{
    return x < 0x8000000000000000u ? (int64_t)x : -(int64_t)~x - 1;
}

/* ------------------------------------------------------------------ */
/* clz, ctz, popcnt                                                    */
/* ------------------------------------------------------------------ */

static inline uint32_t wn_clz32(uint32_t a)
{
#if WN_GNU_BITS_
    return a ? (uint32_t)__builtin_clz(a) : 32u;
#else
    uint32_t n = 0;
    if (!a) return 32u;
    while (!(a & 0x80000000u)) { a <<= 1; n++; }
    return n;
#endif
}

static inline uint32_t wn_ctz32(uint32_t a)
{
#if WN_GNU_BITS_
    return a ? (uint32_t)__builtin_ctz(a) : 32u;
#else
    uint32_t n = 0;
    if (!a) return 32u;
    while (!(a & 1u)) { a >>= 1; n++; }
    return n;
#endif
}

static inline uint32_t wn_popcnt32(uint32_t a)
{
#if WN_GNU_BITS_
    return (uint32_t)__builtin_popcount(a);
#else
    a = a - ((a >> 1) & 0x55555555u);
    a = (a & 0x33333333u) + ((a >> 2) & 0x33333333u);
    a = (a + (a >> 4)) & 0x0F0F0F0Fu;
    return (a * 0x01010101u) >> 24;
#endif
}

static inline uint64_t wn_clz64(uint64_t a)
{
#if WN_GNU_BITS_
    return a ? (uint64_t)__builtin_clzll(a) : 64u;
#else
    uint32_t hi = (uint32_t)(a >> 32);
    return hi ? wn_clz32(hi) : 32u + wn_clz32((uint32_t)a);
#endif
}

static inline uint64_t wn_ctz64(uint64_t a)
{
#if WN_GNU_BITS_
    return a ? (uint64_t)__builtin_ctzll(a) : 64u;
#else
    uint32_t lo = (uint32_t)a;
    return lo ? wn_ctz32(lo) : 32u + wn_ctz32((uint32_t)(a >> 32));
#endif
}

static inline uint64_t wn_popcnt64(uint64_t a)
{
#if WN_GNU_BITS_
    return (uint64_t)__builtin_popcountll(a);
#else
    return (uint64_t)wn_popcnt32((uint32_t)a) + wn_popcnt32((uint32_t)(a >> 32));
#endif
}

/* ------------------------------------------------------------------ */
/* Rotates and arithmetic shifts (count mod width)                     */
/* ------------------------------------------------------------------ */

static inline uint32_t wn_rotl32(uint32_t a, uint32_t b)
{
    b &= 31u;
    return (a << b) | (a >> ((32u - b) & 31u));
}

static inline uint32_t wn_rotr32(uint32_t a, uint32_t b)
{
    b &= 31u;
    return (a >> b) | (a << ((32u - b) & 31u));
}

static inline uint64_t wn_rotl64(uint64_t a, uint64_t b)
{
    b &= 63u;
    return (a << b) | (a >> ((64u - b) & 63u));
}

static inline uint64_t wn_rotr64(uint64_t a, uint64_t b)
{
    b &= 63u;
    return (a >> b) | (a << ((64u - b) & 63u));
}

/* For negative a, a >> b (arithmetic) == ~(~a >> b) (logical). */
static inline uint32_t wn_i32_shr_s(uint32_t a, uint32_t b)
{
    uint32_t m = 0u - (a >> 31);
    return ((a ^ m) >> (b & 31u)) ^ m;
}

static inline uint64_t wn_i64_shr_s(uint64_t a, uint64_t b)
{
    uint64_t m = 0u - (a >> 63);
    return ((a ^ m) >> (b & 63u)) ^ m;
}

/* ------------------------------------------------------------------ */
/* Trapping division and remainder                                     */
/* ------------------------------------------------------------------ */

static inline weft_trap_kind wn_i32_div_s(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    if (a == 0x80000000u && b == 0xFFFFFFFFu) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint32_t)(wn_s32_(a) / wn_s32_(b));
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i32_div_u(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    *r = a / b;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i32_rem_s(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    /* x % -1 == 0; also avoids the INT_MIN % -1 overflow. */
    *r = b == 0xFFFFFFFFu ? 0u : (uint32_t)(wn_s32_(a) % wn_s32_(b));
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i32_rem_u(uint32_t a, uint32_t b, uint32_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    *r = a % b;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_div_s(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    if (a == 0x8000000000000000u && b == 0xFFFFFFFFFFFFFFFFu)
        return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint64_t)(wn_s64_(a) / wn_s64_(b));
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_div_u(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    *r = a / b;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_rem_s(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    *r = b == 0xFFFFFFFFFFFFFFFFu ? 0u : (uint64_t)(wn_s64_(a) % wn_s64_(b));
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_rem_u(uint64_t a, uint64_t b, uint64_t *r)
{
    if (b == 0) return WEFT_TRAP_DIV_BY_ZERO;
    *r = a % b;
    return WEFT_TRAP_NONE;
}

/* ------------------------------------------------------------------ */
/* Float rounding and sqrt                                             */
/* ------------------------------------------------------------------ */
/* A NaN operand is returned quieted (a + a keeps its payload on common
 * hardware). ceil/floor/trunc/sqrt keep the sign of zero per IEEE 754. */

static inline float wn_ceilf(float a) { return a != a ? a + a : WN_CEILF_(a); }
static inline float wn_floorf(float a) { return a != a ? a + a : WN_FLOORF_(a); }
static inline float wn_truncf(float a) { return a != a ? a + a : WN_TRUNCF_(a); }
static inline float wn_sqrtf(float a) { return a != a ? a + a : WN_SQRTF_(a); }
static inline double wn_ceil(double a) { return a != a ? a + a : WN_CEIL_(a); }
static inline double wn_floor(double a) { return a != a ? a + a : WN_FLOOR_(a); }
static inline double wn_trunc(double a) { return a != a ? a + a : WN_TRUNC_(a); }
static inline double wn_sqrt(double a) { return a != a ? a + a : WN_SQRT_(a); }

/* Round half to even, independent of the current rounding mode and of
 * excess precision: a - trunc(a) is exact, and so is t +- 1 below 2^23. */
static inline float wn_nearestf(float a)
{
    float t, d;
    if (a != a) return a + a;
    if (!(WN_FABSF_(a) < 0x1p23f)) return a; /* integral, or infinite */
    t = WN_TRUNCF_(a);                       /* keeps the sign of a */
    d = WN_FABSF_(a - t);
    if (d > 0.5f || (d == 0.5f && ((uint32_t)WN_FABSF_(t) & 1u)))
        t = a < 0 ? t - 1.0f : t + 1.0f;
    return t;
}

static inline double wn_nearest(double a)
{
    double t, d;
    if (a != a) return a + a;
    if (!(WN_FABS_(a) < 0x1p52)) return a;
    t = WN_TRUNC_(a);
    d = WN_FABS_(a - t);
    if (d > 0.5 || (d == 0.5 && ((uint64_t)WN_FABS_(t) & 1u)))
        t = a < 0 ? t - 1.0 : t + 1.0;
    return t;
}

/* ------------------------------------------------------------------ */
/* min / max                                                           */
/* ------------------------------------------------------------------ */
/* NaN if either operand is NaN; -0 < +0. */

static inline float wn_fminf(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return (wn_f32_bits_(a) >> 31) ? a : b; /* zeros */
    return a < b ? a : b;
}

static inline float wn_fmaxf(float a, float b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return (wn_f32_bits_(a) >> 31) ? b : a;
    return a > b ? a : b;
}

static inline double wn_fmin(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return (wn_f64_bits_(a) >> 63) ? a : b;
    return a < b ? a : b;
}

static inline double wn_fmax(double a, double b)
{
    if (a != a || b != b) return a + b;
    if (a == b) return (wn_f64_bits_(a) >> 63) ? b : a;
    return a > b ? a : b;
}

/* ------------------------------------------------------------------ */
/* Trapping float -> int truncation                                    */
/* ------------------------------------------------------------------ */
/* a is accepted iff trunc(a) fits the target: unsigned (-1, 2^N), signed
 * [-2^(N-1), 2^(N-1)), or (-2^31-1, 2^31) for f64 -> i32, where values
 * between -2^31-1 and -2^31 exist. All bounds are exact in the source type.
 * The check comes first, so the C conversion is always defined. */

static inline weft_trap_kind wn_i32_trunc_f32_s(float a, uint32_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a >= -0x1p31f && a < 0x1p31f)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint32_t)(int32_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i32_trunc_f32_u(float a, uint32_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0f && a < 0x1p32f)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint32_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i32_trunc_f64_s(double a, uint32_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a > -2147483649.0 && a < 0x1p31)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint32_t)(int32_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i32_trunc_f64_u(double a, uint32_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0 && a < 0x1p32)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint32_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_trunc_f32_s(float a, uint64_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a >= -0x1p63f && a < 0x1p63f)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint64_t)(int64_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_trunc_f32_u(float a, uint64_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0f && a < 0x1p64f)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint64_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_trunc_f64_s(double a, uint64_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a >= -0x1p63 && a < 0x1p63)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint64_t)(int64_t)a;
    return WEFT_TRAP_NONE;
}

static inline weft_trap_kind wn_i64_trunc_f64_u(double a, uint64_t *r)
{
    if (a != a) return WEFT_TRAP_INVALID_CONVERSION;
    if (!(a > -1.0 && a < 0x1p64)) return WEFT_TRAP_INT_OVERFLOW;
    *r = (uint64_t)a;
    return WEFT_TRAP_NONE;
}

/* ------------------------------------------------------------------ */
/* Saturating float -> int truncation (NaN -> 0)                       */
/* ------------------------------------------------------------------ */

static inline uint32_t wn_i32_trunc_sat_f32_s(float a)
{
    if (a != a) return 0u;
    if (a < -0x1p31f) return 0x80000000u;
    if (a >= 0x1p31f) return 0x7FFFFFFFu;
    return (uint32_t)(int32_t)a;
}

static inline uint32_t wn_i32_trunc_sat_f32_u(float a)
{
    if (!(a > -1.0f)) return 0u; /* also NaN */
    if (a >= 0x1p32f) return 0xFFFFFFFFu;
    return (uint32_t)a;
}

static inline uint32_t wn_i32_trunc_sat_f64_s(double a)
{
    if (a != a) return 0u;
    if (a <= -2147483649.0) return 0x80000000u;
    if (a >= 0x1p31) return 0x7FFFFFFFu;
    return (uint32_t)(int32_t)a;
}

static inline uint32_t wn_i32_trunc_sat_f64_u(double a)
{
    if (!(a > -1.0)) return 0u;
    if (a >= 0x1p32) return 0xFFFFFFFFu;
    return (uint32_t)a;
}

static inline uint64_t wn_i64_trunc_sat_f32_s(float a)
{
    if (a != a) return 0u;
    if (a < -0x1p63f) return 0x8000000000000000u;
    if (a >= 0x1p63f) return 0x7FFFFFFFFFFFFFFFu;
    return (uint64_t)(int64_t)a;
}

static inline uint64_t wn_i64_trunc_sat_f32_u(float a)
{
    if (!(a > -1.0f)) return 0u;
    if (a >= 0x1p64f) return 0xFFFFFFFFFFFFFFFFu;
    return (uint64_t)a;
}

static inline uint64_t wn_i64_trunc_sat_f64_s(double a)
{
    if (a != a) return 0u;
    if (a < -0x1p63) return 0x8000000000000000u;
    if (a >= 0x1p63) return 0x7FFFFFFFFFFFFFFFu;
    return (uint64_t)(int64_t)a;
}

static inline uint64_t wn_i64_trunc_sat_f64_u(double a)
{
    if (!(a > -1.0)) return 0u;
    if (a >= 0x1p64) return 0xFFFFFFFFFFFFFFFFu;
    return (uint64_t)a;
}

/* ------------------------------------------------------------------ */
/* u64 -> float, correctly rounded (round to nearest, ties to even)    */
/* ------------------------------------------------------------------ */
/* Only signed conversions of values below 2^63 are used, so a compiler
 * that lowers unsigned conversion through a signed one (or rounds twice)
 * cannot affect the result. At or above 2^63 the value is halved with the
 * lost bit ORed into bit 0 (a sticky bit: the 63-bit value still rounds to
 * the same 24/53-bit significand), converted once, and doubled exactly. */

static inline float wn_f32_convert_u64(uint64_t a)
{
    if (a < 0x8000000000000000u) return (float)(int64_t)a;
    return (float)(int64_t)((a >> 1) | (a & 1u)) * 2.0f;
}

static inline double wn_f64_convert_u64(uint64_t a)
{
    if (a < 0x8000000000000000u) return (double)(int64_t)a;
    return (double)(int64_t)((a >> 1) | (a & 1u)) * 2.0;
}

#endif /* WEFT_VM_NUMERIC_H */
