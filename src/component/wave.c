/* wave.c - WAVE (WebAssembly Value Encoding), the text form of component
 * values used by wasm-wave and wasmtime: type-directed parsing into
 * weft_cval, printing, and splitting "name(args)" calls for the CLI.
 *
 * Syntax: see the wasm-wave README and wave_ebnf.md. Whitespace and `//`
 * comments may appear between tokens. Labels may carry a `%` prefix, which
 * is required (and printed) for cases named like a keyword (true false
 * some none ok err inf nan); when parsing a variant or enum the prefix is
 * optional. An option or result may be written as its bare payload when the
 * payload is not itself an option or result (`5` for some(5) / ok(5)).
 * Record fields of option type may be omitted (none); `{:}` is a record with
 * every field omitted.
 *
 * Floats are converted exactly (big-integer arithmetic, no libc, so the
 * result does not depend on the locale) and printed with the fewest
 * significant digits that read back to the same bits: positional notation
 * for decimal exponents -7..20, `1.5e-9` style otherwise.
 *
 * Parsed values are allocated as lifted values are (see ctypes.h) and are
 * released with weft_cvals_free. */
#include "component/ctypes.h"
#include "core/util.h"

#define WAVE_MAX_DEPTH 100u        /* value nesting accepted by the parser */
#define WAVE_PRINT_DEPTH 300u      /* type nesting followed by the printer */
#define WAVE_CALL_DEPTH 128u       /* bracket nesting in a call's arguments */

/* ---------------------------------------------------------------- */
/* Small helpers                                                     */
/* ---------------------------------------------------------------- */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_lower(int c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static bool is_alpha(int c) { return is_lower(c) || is_upper(c); }
static bool is_alnum(int c) { return is_alpha(c) || is_digit(c); }

static int hexval(int c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_scalar(uint32_t c) { return c <= 0x10FFFFu && (c < 0xD800u || c > 0xDFFFu); }

/* Decodes one UTF-8 scalar value at s (n bytes available); returns its
 * length, or 0 if the bytes are not valid UTF-8. */
static size_t utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    if (v < min || !is_scalar(v))
        return 0;
    *cp = v;
    return len;
}

static size_t utf8_enc(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static bool lbl_eq(const char *label, const char *s, size_t len)
{
    return label && strncmp(label, s, len) == 0 && label[len] == '\0';
}

static const char *const keywords[] = {
    "true", "false", "some", "none", "ok", "err", "inf", "nan",
};

static bool is_keyword(const char *s, size_t len)
{
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if (lbl_eq(keywords[k], s, len))
            return true;
    return false;
}

/* A bounded text sink: counts everything, stores what fits (NUL-terminated
 * when cap > 0). */
typedef struct wb {
    char *buf;
    size_t cap, n;
} wb;

static void put(wb *w, const char *s, size_t len)
{
    if (w->buf && w->n < w->cap) {
        size_t room = w->cap - 1 - w->n;
        size_t k = len < room ? len : room;
        memcpy(w->buf + w->n, s, k);
        w->buf[w->n + k] = '\0';
    }
    w->n += len;
}

static void puts_(wb *w, const char *s) { put(w, s, strlen(s)); }
static void putc_(wb *w, char c) { put(w, &c, 1); }

static void put_u64(wb *w, uint64_t x)
{
    char t[24];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    put(w, t + k, sizeof t - k);
}

static void put_hex(wb *w, uint32_t x)
{
    char t[8];
    size_t k = sizeof t;
    do {
        t[--k] = "0123456789abcdef"[x & 15];
        x >>= 4;
    } while (x);
    put(w, t + k, sizeof t - k);
}

static bool kind_ok(const weft_ctype *t)
{
    return t && (unsigned)weft_ctype_kind(t) < WEFT_C_KIND_COUNT_;
}

/* Short type description for messages: "u32", "list<string>",
 * "result<u8, string>", "record", ... */
static void type_name(wb *w, const weft_ctype *t, unsigned depth)
{
    if (!kind_ok(t)) {
        puts_(w, "unknown type");
        return;
    }
    if (depth > 3) {
        puts_(w, "...");
        return;
    }
    weft_ckind k = weft_ctype_kind(t);
    switch (k) {
    case WEFT_C_LIST:
    case WEFT_C_OPTION:
        puts_(w, weft_ckind_name(k));
        putc_(w, '<');
        type_name(w, weft_ctype_elem(t, 0), depth + 1);
        putc_(w, '>');
        break;
    case WEFT_C_RESULT: {
        const weft_ctype *ok = weft_ctype_elem(t, 0), *er = weft_ctype_elem(t, 1);
        puts_(w, "result");
        if (ok || er) {
            putc_(w, '<');
            if (ok)
                type_name(w, ok, depth + 1);
            else
                putc_(w, '_');
            if (er) {
                puts_(w, ", ");
                type_name(w, er, depth + 1);
            }
            putc_(w, '>');
        }
        break;
    }
    case WEFT_C_TUPLE: {
        uint32_t n = weft_ctype_count(t);
        puts_(w, "tuple<");
        for (uint32_t i = 0; i < n; i++) {
            if (i)
                puts_(w, ", ");
            if (i == 4) {
                puts_(w, "...");
                break;
            }
            type_name(w, weft_ctype_elem(t, i), depth + 1);
        }
        putc_(w, '>');
        break;
    }
    default:
        puts_(w, weft_ckind_name(k));
        break;
    }
}

/* ---------------------------------------------------------------- */
/* Big integers (float conversion)                                   */
/* ---------------------------------------------------------------- */

/* Enough for the exact values that arise: 10^1130 * 2^60 and
 * 2^53 * 5^1074 fit in well under 5000 bits. */
#define BN_MAX 160u

typedef struct bn {
    uint32_t n;                /* limbs in use; v[n - 1] != 0 */
    uint32_t v[BN_MAX];
} bn;

static void bn_trim(bn *a)
{
    while (a->n && a->v[a->n - 1] == 0)
        a->n--;
}

static void bn_set(bn *a, uint64_t x)
{
    a->n = 0;
    while (x) {
        a->v[a->n++] = (uint32_t)x;
        x >>= 32;
    }
}

static void bn_copy(bn *d, const bn *s)
{
    d->n = s->n;
    memcpy(d->v, s->v, sizeof(uint32_t) * s->n);
}

/* a = a * m + add */
static void bn_muladd(bn *a, uint32_t m, uint32_t add)
{
    uint64_t c = add;
    for (uint32_t i = 0; i < a->n; i++) {
        c += (uint64_t)a->v[i] * m;
        a->v[i] = (uint32_t)c;
        c >>= 32;
    }
    if (c && a->n < BN_MAX)
        a->v[a->n++] = (uint32_t)c;
}

static void bn_mulpow(bn *a, uint32_t base, uint32_t chunk, unsigned per_chunk, uint64_t k)
{
    while (k >= per_chunk) {
        bn_muladd(a, chunk, 0);
        k -= per_chunk;
    }
    while (k--)
        bn_muladd(a, base, 0);
}

static void bn_mul10(bn *a, uint64_t k) { bn_mulpow(a, 10, 1000000000u, 9, k); }
static void bn_mul5(bn *a, uint64_t k) { bn_mulpow(a, 5, 1220703125u, 13, k); }

static void bn_shl(bn *a, uint64_t k)
{
    if (a->n == 0 || k == 0)
        return;
    uint64_t limbs = k / 32;
    unsigned bits = (unsigned)(k % 32);
    if (a->n + limbs + 1 > BN_MAX) {   /* cannot happen within the limits used */
        a->n = 0;
        return;
    }
    uint32_t n = a->n + (uint32_t)limbs + 1;
    a->v[n - 1] = 0;
    for (uint32_t i = a->n; i-- > 0;) {
        uint64_t x = (uint64_t)a->v[i] << bits;
        a->v[i + limbs + 1] |= (uint32_t)(x >> 32);
        a->v[i + limbs] = (uint32_t)x;
    }
    for (uint64_t i = 0; i < limbs; i++)
        a->v[i] = 0;
    a->n = n;
    bn_trim(a);
}

static void bn_shr1(bn *a)
{
    for (uint32_t i = 0; i < a->n; i++) {
        uint32_t hi = i + 1 < a->n ? a->v[i + 1] : 0;
        a->v[i] = (a->v[i] >> 1) | (hi << 31);
    }
    bn_trim(a);
}

static int bn_cmp(const bn *a, const bn *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (uint32_t i = a->n; i-- > 0;)
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    return 0;
}

/* a -= b, with a >= b */
static void bn_sub(bn *a, const bn *b)
{
    uint64_t borrow = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t x = (uint64_t)a->v[i] - (i < b->n ? b->v[i] : 0) - borrow;
        a->v[i] = (uint32_t)x;
        borrow = (x >> 63) & 1;
    }
    bn_trim(a);
}

static uint64_t bn_bits(const bn *a)
{
    if (a->n == 0)
        return 0;
    uint32_t top = a->v[a->n - 1];
    unsigned b = 0;
    while (top) {
        b++;
        top >>= 1;
    }
    return (uint64_t)(a->n - 1) * 32 + b;
}

/* a /= d; returns the remainder. */
static uint32_t bn_divsmall(bn *a, uint32_t d)
{
    uint64_t r = 0;
    for (uint32_t i = a->n; i-- > 0;) {
        uint64_t x = (r << 32) | a->v[i];
        a->v[i] = (uint32_t)(x / d);
        r = x % d;
    }
    bn_trim(a);
    return (uint32_t)r;
}

/* ---------------------------------------------------------------- */
/* Decimal <-> binary floating point                                 */
/* ---------------------------------------------------------------- */

#define DEC_KEEP 800u   /* significant digits kept; more only set a sticky digit */

typedef struct ffmt {
    int p;              /* significand bits, hidden bit included */
    int emin, emax;     /* binary exponent range of normal numbers */
    int bias;
    int64_t dec_hi;     /* digits + exponent above this: infinity */
    int64_t dec_lo;     /* below this: zero */
    uint64_t inf;       /* bits of +infinity */
} ffmt;

static const ffmt F32 = {24, -126, 127, 127, 40, -47, 0x7F800000u};
static const ffmt F64 = {53, -1022, 1023, 1023, 310, -326, 0x7FF0000000000000u};

/* Bits of the float nearest to digits * 10^e10 (digits: nd decimal digits,
 * at most DEC_KEEP + 1), ties to even. */
static uint64_t dec_to_bits(const char *d, size_t nd, int64_t e10, const ffmt *f)
{
    while (nd && *d == '0') {
        d++;
        nd--;
    }
    while (nd && d[nd - 1] == '0') {
        nd--;
        e10++;
    }
    if (nd == 0)
        return 0;
    if ((int64_t)nd + e10 > f->dec_hi)
        return f->inf;
    if ((int64_t)nd + e10 < f->dec_lo)
        return 0;
    bn N, D, T;
    bn_set(&N, 0);
    size_t k = 0;
    while (k < nd) {
        uint32_t chunk = 0, mul = 1;
        for (unsigned j = 0; j < 9 && k < nd; j++, k++) {
            chunk = chunk * 10 + (uint32_t)(d[k] - '0');
            mul *= 10;
        }
        bn_muladd(&N, mul, chunk);
    }
    bn_set(&D, 1);
    if (e10 >= 0)
        bn_mul10(&N, (uint64_t)e10);
    else
        bn_mul10(&D, (uint64_t)-e10);
    /* e = floor(log2(N / D)) */
    int64_t e = (int64_t)bn_bits(&N) - (int64_t)bn_bits(&D);
    if (e >= 0) {
        bn_copy(&T, &D);
        bn_shl(&T, (uint64_t)e);
        if (bn_cmp(&N, &T) < 0)
            e--;
    } else {
        bn_copy(&T, &N);
        bn_shl(&T, (uint64_t)-e);
        if (bn_cmp(&T, &D) < 0)
            e--;
    }
    int64_t eb = e < f->emin ? f->emin : e;
    if (eb > f->emax)
        return f->inf;
    /* scale so that the quotient has p bits (fewer when subnormal) */
    int64_t s = f->p - 1 - eb;
    if (s >= 0)
        bn_shl(&N, (uint64_t)s);
    else
        bn_shl(&D, (uint64_t)-s);
    bn_copy(&T, &D);
    bn_shl(&T, (uint64_t)f->p);
    uint64_t q = 0;
    for (int b = f->p; b >= 0; b--) {
        if (bn_cmp(&N, &T) >= 0) {
            bn_sub(&N, &T);
            q |= (uint64_t)1 << b;
        }
        bn_shr1(&T);
    }
    bn_shl(&N, 1);   /* twice the remainder against the divisor */
    int c = bn_cmp(&N, &D);
    if (c > 0 || (c == 0 && (q & 1)))
        q++;
    if (q == (uint64_t)1 << f->p) {
        q >>= 1;
        eb++;
        if (eb > f->emax)
            return f->inf;
    }
    uint64_t hidden = (uint64_t)1 << (f->p - 1);
    if (q < hidden)
        return q;   /* subnormal (or zero) */
    return ((uint64_t)(eb + f->bias) << (f->p - 1)) | (q & (hidden - 1));
}

#define EXACT_MAX 800u   /* a double has at most 767 significant digits */

/* The exact decimal digits of a finite nonzero float's magnitude:
 * value = digits * 10^e10. Returns the digit count (no leading or
 * trailing zeros). out holds EXACT_MAX bytes. */
static size_t exact_digits(uint64_t bits, const ffmt *f, char *out, int64_t *e10)
{
    int fb = f->p - 1;
    uint64_t frac = bits & (((uint64_t)1 << fb) - 1);
    int ex = (int)((bits >> fb) & (uint64_t)(2 * f->bias + 1));
    uint64_t m;
    int e2;
    if (ex == 0) {
        m = frac;
        e2 = f->emin - fb;
    } else {
        m = frac | ((uint64_t)1 << fb);
        e2 = ex - f->bias - fb;
    }
    bn B;
    bn_set(&B, m);
    if (e2 >= 0) {
        bn_shl(&B, (uint64_t)e2);
        *e10 = 0;
    } else {
        bn_mul5(&B, (uint64_t)-e2);   /* m * 2^e2 = m * 5^-e2 * 10^e2 */
        *e10 = e2;
    }
    uint32_t chunks[100];
    size_t nc = 0;
    while (B.n && nc < 100)
        chunks[nc++] = bn_divsmall(&B, 1000000000u);
    size_t n = 0;
    for (size_t i = nc; i-- > 0;) {
        char t[9];
        uint32_t x = chunks[i];
        for (int j = 8; j >= 0; j--) {
            t[j] = (char)('0' + x % 10);
            x /= 10;
        }
        size_t j = 0;
        if (n == 0)
            while (j < 9 && t[j] == '0')
                j++;
        for (; j < 9 && n < EXACT_MAX; j++)
            out[n++] = t[j];
    }
    while (n && out[n - 1] == '0') {
        n--;
        (*e10)++;
    }
    return n;
}

/* Shortest digits that read back as the same float (bits: magnitude,
 * finite, nonzero). Returns the digit count; value = 0.digits * 10^point. */
static size_t shortest_digits(uint64_t bits, const ffmt *f, char *out, int64_t *point)
{
    char ex[EXACT_MAX];
    int64_t e10;
    size_t nx = exact_digits(bits, f, ex, &e10);
    size_t maxp = f == &F64 ? 17 : 9;
    for (size_t p = 1; p <= maxp && p < nx; p++) {
        char c[20];
        memcpy(c, ex, p);
        int64_t ce = e10 + (int64_t)(nx - p);
        int rd = ex[p] - '0';
        bool up = rd > 5;
        if (rd == 5) {
            bool rest = false;
            for (size_t k = p + 1; k < nx && !rest; k++)
                rest = ex[k] != '0';
            up = rest || ((c[p - 1] - '0') & 1);
        }
        size_t cn = p;
        if (up) {
            size_t k = p;
            while (k > 0 && c[k - 1] == '9')
                c[--k] = '0';
            if (k == 0) {   /* 99..9 rounded up: 10..0 */
                c[0] = '1';
                cn = 1;
                ce += (int64_t)p;
            } else {
                c[k - 1]++;
            }
        }
        while (cn > 1 && c[cn - 1] == '0') {
            cn--;
            ce++;
        }
        if (dec_to_bits(c, cn, ce, f) == bits) {
            memcpy(out, c, cn);
            *point = (int64_t)cn + ce;
            return cn;
        }
    }
    memcpy(out, ex, nx);   /* the exact value always reads back */
    *point = (int64_t)nx + e10;
    return nx;
}

static void put_float(wb *w, uint64_t bits, const ffmt *f)
{
    uint64_t sign = f == &F64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    uint64_t mag = bits & (sign - 1);
    if (mag > f->inf) {
        puts_(w, "nan");
        return;
    }
    if (bits & sign)
        putc_(w, '-');
    if (mag == f->inf) {
        puts_(w, "inf");
        return;
    }
    if (mag == 0) {
        putc_(w, '0');
        return;
    }
    char d[EXACT_MAX];
    int64_t point;
    size_t nd = shortest_digits(mag, f, d, &point);
    int64_t sci = point - 1;
    if (sci >= -7 && sci < 21) {
        if (point <= 0) {
            puts_(w, "0.");
            for (int64_t k = 0; k < -point; k++)
                putc_(w, '0');
            put(w, d, nd);
        } else if ((size_t)point < nd) {
            put(w, d, (size_t)point);
            putc_(w, '.');
            put(w, d + point, nd - (size_t)point);
        } else {
            put(w, d, nd);
            for (int64_t k = (int64_t)nd; k < point; k++)
                putc_(w, '0');
        }
    } else {
        putc_(w, d[0]);
        if (nd > 1) {
            putc_(w, '.');
            put(w, d + 1, nd - 1);
        }
        putc_(w, 'e');
        if (sci < 0) {
            putc_(w, '-');
            put_u64(w, (uint64_t)-sci);
        } else {
            put_u64(w, (uint64_t)sci);
        }
    }
}

/* ---------------------------------------------------------------- */
/* Parser state, errors                                              */
/* ---------------------------------------------------------------- */

typedef struct wp {
    const weft_engine *e;
    const char *s;
    size_t n, i;
    weft_error *err;
    unsigned depth;
} wp;

static weft_status fail_at(weft_error *err, weft_status st, size_t at, const char *fmt, ...)
{
    if (err) {
        err->status = st;
        err->trap = WEFT_TRAP_NONE;
        err->exit_code = 0;
        err->offset = at;
        va_list ap;
        va_start(ap, fmt);
        wu_vfmt(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

#define PERR(p, at, ...) fail_at((p)->err, WEFT_INVALID, (at), __VA_ARGS__)

static weft_status nomem(wp *p)
{
    return fail_at(p->err, WEFT_NOMEM, p->i, "out of memory");
}

static bool lbl_start(int c) { return is_alnum(c) || c == '%' || c == '-' || c == '_'; }

/* Quoted excerpt of the token at `at` for messages, e.g. "\"abc\"", or
 * "end of input". buf holds at least 48 bytes. */
static void snippet(const char *s, size_t n, size_t at, char *buf, size_t cap)
{
    wb w = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    if (at >= n) {
        puts_(&w, "end of input");
        return;
    }
    size_t j = at;
    unsigned char c = (unsigned char)s[j];
    if (lbl_start(c) || c == '.' || c == '+') {
        while (j < n && (lbl_start((unsigned char)s[j]) || s[j] == '.' || s[j] == '+'))
            j++;
    } else if (c == '"' || c == '\'') {
        j++;
        while (j < n && s[j] != '\n' && j - at < 40) {
            if (s[j] == '\\' && j + 1 < n) {
                j += 2;
                continue;
            }
            if (s[j++] == (char)c)
                break;
        }
    } else {
        uint32_t cp;
        size_t l = utf8_dec((const unsigned char *)s + j, n - j, &cp);
        j += l ? l : 1;
    }
    if (j > n)
        j = n;
    const size_t max = 24;
    bool cut = j - at > max;
    size_t end = cut ? at + max : j;
    putc_(&w, '"');
    for (size_t k = at; k < end;) {
        uint32_t cp;
        size_t l = utf8_dec((const unsigned char *)s + k, end - k, &cp);
        if (l == 0 || cp < 0x20 || cp == 0x7F) {
            putc_(&w, '?');
            k += l ? l : 1;
        } else {
            put(&w, s + k, l);
            k += l;
        }
    }
    if (cut)
        puts_(&w, "...");
    putc_(&w, '"');
}

static weft_status expected_str(wp *p, const char *what, size_t at)
{
    char found[64];
    snippet(p->s, p->n, at, found, sizeof found);
    return PERR(p, at, "expected %s, found %s", what, found);
}

static weft_status expected_type(wp *p, const weft_ctype *t, size_t at)
{
    char name[80];
    wb w = {name, sizeof name, 0};
    name[0] = '\0';
    type_name(&w, t, 0);
    return expected_str(p, name, at);
}

/* ---------------------------------------------------------------- */
/* Lexing                                                            */
/* ---------------------------------------------------------------- */

static int peek(const wp *p) { return p->i < p->n ? (unsigned char)p->s[p->i] : -1; }

static void skip_ws(wp *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->i++;
        } else if (c == '/' && p->i + 1 < p->n && p->s[p->i + 1] == '/') {
            while (p->i < p->n && p->s[p->i] != '\n')
                p->i++;
        } else {
            break;
        }
    }
}

/* Consumes c after optional whitespace, or fails with "expected c". */
static weft_status expect_ch(wp *p, char c)
{
    skip_ws(p);
    if (peek(p) == (unsigned char)c) {
        p->i++;
        return WEFT_OK;
    }
    char what[8] = {'"', c, '"', 0};
    return expected_str(p, what, p->i);
}

typedef struct lbl {
    size_t at;           /* offset of the token (of the % if any) */
    const char *s;       /* the label without % */
    size_t len;
    bool pct;
} lbl;

/* A label or keyword at the current position: %? then letters, digits and
 * hyphens, starting with a letter. */
static bool scan_label(wp *p, lbl *l)
{
    size_t j = p->i;
    l->at = j;
    l->pct = false;
    if (j < p->n && p->s[j] == '%') {
        l->pct = true;
        j++;
    }
    if (j >= p->n || !is_alpha((unsigned char)p->s[j]))
        return false;
    size_t st = j;
    while (j < p->n && (is_alnum((unsigned char)p->s[j]) || p->s[j] == '-'))
        j++;
    l->s = p->s + st;
    l->len = j - st;
    p->i = j;
    return true;
}

static bool is_kw(const lbl *l, const char *kw)
{
    return !l->pct && lbl_eq(kw, l->s, l->len);
}

/* A number token: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
typedef struct num {
    size_t at, end;
    bool neg;
    const char *ip, *fp;     /* integer and fraction digits */
    size_t ilen, flen;
    bool has_exp;
    int64_t exp;             /* saturated at +-10^9 */
} num;

static bool scan_number(wp *p, num *x)
{
    const char *s = p->s;
    size_t n = p->n, j = p->i;
    memset(x, 0, sizeof *x);
    x->at = j;
    if (j < n && s[j] == '-') {
        x->neg = true;
        j++;
    }
    if (j >= n || !is_digit((unsigned char)s[j]))
        return false;
    x->ip = s + j;
    if (s[j] == '0') {
        j++;
    } else {
        while (j < n && is_digit((unsigned char)s[j]))
            j++;
    }
    x->ilen = (size_t)(s + j - x->ip);
    if (j < n && s[j] == '.') {
        j++;
        x->fp = s + j;
        while (j < n && is_digit((unsigned char)s[j]))
            j++;
        x->flen = (size_t)(s + j - x->fp);
        if (x->flen == 0)
            return false;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        bool eneg = false;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            eneg = s[j++] == '-';
        if (j >= n || !is_digit((unsigned char)s[j]))
            return false;
        int64_t e = 0;
        while (j < n && is_digit((unsigned char)s[j])) {
            if (e < 1000000000)
                e = e * 10 + (s[j] - '0');
            j++;
        }
        x->has_exp = true;
        x->exp = eneg ? -e : e;
    }
    /* the token must end here */
    if (j < n && (is_alnum((unsigned char)s[j]) || s[j] == '.' || s[j] == '_' ||
                  s[j] == '-' || s[j] == '+'))
        return false;
    x->end = j;
    p->i = j;
    return true;
}

/* Parses an escape at p->i (the backslash); on success p->i is past it. */
static weft_status parse_escape(wp *p, uint32_t *cp)
{
    size_t at = p->i;
    const char *s = p->s;
    if (at + 1 >= p->n)
        return PERR(p, at, "unterminated escape");
    switch (s[at + 1]) {
    case '\\': *cp = '\\'; p->i += 2; return WEFT_OK;
    case '\'': *cp = '\''; p->i += 2; return WEFT_OK;
    case '"': *cp = '"'; p->i += 2; return WEFT_OK;
    case 't': *cp = '\t'; p->i += 2; return WEFT_OK;
    case 'n': *cp = '\n'; p->i += 2; return WEFT_OK;
    case 'r': *cp = '\r'; p->i += 2; return WEFT_OK;
    case 'u': {
        size_t j = at + 2;
        if (j >= p->n || s[j] != '{')
            return PERR(p, at, "invalid escape: expected \\u{hex}");
        j++;
        uint32_t v = 0;
        unsigned nd = 0;
        while (j < p->n && hexval((unsigned char)s[j]) >= 0) {
            if (nd < 6)
                v = (v << 4) | (uint32_t)hexval((unsigned char)s[j]);
            nd++;
            j++;
        }
        if (nd == 0 || nd > 6 || j >= p->n || s[j] != '}')
            return PERR(p, at, "invalid escape: expected \\u{1 to 6 hex digits}");
        if (!is_scalar(v))
            return PERR(p, at, "invalid escape: U+%x is not a Unicode scalar value", v);
        *cp = v;
        p->i = j + 1;
        return WEFT_OK;
    }
    default:
        return PERR(p, at, "invalid escape (expected \\\\, \\', \\\", \\t, \\n, \\r or \\u{...})");
    }
}

/* ---------------------------------------------------------------- */
/* Values                                                            */
/* ---------------------------------------------------------------- */

/* Releases what a parsed value owns (the layout weft_cvals_free expects)
 * and zeroes it. */
static void free_val(const weft_engine *e, weft_cval *v)
{
    switch (v->kind) {
    case WEFT_C_STRING:
        if (v->of.str.ptr)
            wu_free(e, (void *)(uintptr_t)v->of.str.ptr, v->of.str.len + 2);
        break;
    case WEFT_C_LIST:
    case WEFT_C_RECORD:
    case WEFT_C_TUPLE:
        if (v->of.list.items) {
            for (size_t i = 0; i < v->of.list.len; i++)
                free_val(e, &v->of.list.items[i]);
            wu_free(e, v->of.list.items, sizeof(weft_cval) * v->of.list.len);
        }
        break;
    case WEFT_C_VARIANT:
    case WEFT_C_ENUM:
    case WEFT_C_OPTION:
    case WEFT_C_RESULT:
        if (v->of.variant.payload) {
            free_val(e, v->of.variant.payload);
            wu_free(e, v->of.variant.payload, sizeof(weft_cval));
        }
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
}

static void free_items(const weft_engine *e, weft_cval *items, size_t n)
{
    if (!items)
        return;
    for (size_t i = 0; i < n; i++)
        free_val(e, &items[i]);
    wu_free(e, items, sizeof(weft_cval) * n);
}

static weft_status parse_value(wp *p, const weft_ctype *t, weft_cval *out);

static weft_status parse_int(wp *p, const weft_ctype *t, weft_ckind k, weft_cval *out)
{
    num x;
    size_t at = p->i;
    if (!scan_number(p, &x) || x.fp || x.has_exp) {
        p->i = at;
        return expected_type(p, t, at);
    }
    uint64_t mag = 0;
    bool over = false;
    for (size_t j = 0; j < x.ilen; j++) {
        unsigned dgt = (unsigned)(x.ip[j] - '0');
        if (mag > (UINT64_MAX - dgt) / 10)
            over = true;
        else
            mag = mag * 10 + dgt;
    }
    uint64_t maxpos;
    uint64_t maxneg;    /* magnitude of the minimum */
    bool sgn = true;
    switch (k) {
    case WEFT_C_S8: maxpos = INT8_MAX; maxneg = 128; break;
    case WEFT_C_S16: maxpos = INT16_MAX; maxneg = 32768; break;
    case WEFT_C_S32: maxpos = INT32_MAX; maxneg = (uint64_t)1 << 31; break;
    case WEFT_C_S64: maxpos = INT64_MAX; maxneg = (uint64_t)1 << 63; break;
    case WEFT_C_U8: maxpos = UINT8_MAX; maxneg = 0; sgn = false; break;
    case WEFT_C_U16: maxpos = UINT16_MAX; maxneg = 0; sgn = false; break;
    case WEFT_C_U32: maxpos = UINT32_MAX; maxneg = 0; sgn = false; break;
    default: maxpos = UINT64_MAX; maxneg = 0; sgn = false; break;
    }
    if (over || (x.neg ? mag > maxneg : mag > maxpos)) {
        char tok[64];
        snippet(p->s, p->n, at, tok, sizeof tok);
        p->i = at;
        return PERR(p, at, "%s is out of range for %s", tok, weft_ckind_name(k));
    }
    out->kind = k;
    if (sgn)
        out->of.s = x.neg ? (int64_t)(0 - mag) : (int64_t)mag;
    else
        out->of.u = mag;
    return WEFT_OK;
}

static uint64_t num_to_bits(const num *x, const ffmt *f)
{
    char d[DEC_KEEP + 2];
    size_t nd = 0;
    int64_t e10 = x->exp - (int64_t)x->flen;
    bool sticky = false;
    for (size_t part = 0; part < 2; part++) {
        const char *src = part ? x->fp : x->ip;
        size_t len = part ? x->flen : x->ilen;
        for (size_t j = 0; j < len; j++) {
            char c = src[j];
            if (nd == 0 && c == '0')
                continue;
            if (nd < DEC_KEEP) {
                d[nd++] = c;
            } else {
                e10++;
                sticky |= c != '0';
            }
        }
    }
    if (sticky) {
        d[nd++] = '1';
        e10--;
    }
    uint64_t bits = dec_to_bits(d, nd, e10, f);
    if (x->neg)
        bits |= f == &F64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    return bits;
}

static weft_status parse_float(wp *p, const weft_ctype *t, weft_ckind k, weft_cval *out)
{
    const ffmt *f = k == WEFT_C_F64 ? &F64 : &F32;
    size_t at = p->i;
    uint64_t bits;
    lbl l;
    num x;
    bool neg = peek(p) == '-';
    if (neg)
        p->i++;
    if (scan_label(p, &l) && !l.pct && (is_kw(&l, "inf") || (!neg && is_kw(&l, "nan")))) {
        if (is_kw(&l, "nan"))   /* the canonical quiet NaN */
            bits = f == &F64 ? 0x7FF8000000000000u : 0x7FC00000u;
        else
            bits = f->inf;
        if (neg)
            bits |= f == &F64 ? (uint64_t)1 << 63 : (uint64_t)1 << 31;
    } else {
        p->i = at;
        if (!scan_number(p, &x)) {
            p->i = at;
            return expected_type(p, t, at);
        }
        bits = num_to_bits(&x, f);
    }
    out->kind = k;
    if (f == &F64) {
        memcpy(&out->of.f64, &bits, 8);
    } else {
        uint32_t b = (uint32_t)bits;
        memcpy(&out->of.f32, &b, 4);
    }
    return WEFT_OK;
}

static weft_status parse_char(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    if (peek(p) != '\'')
        return expected_type(p, t, at);
    p->i++;
    uint32_t cp;
    if (p->i >= p->n)
        return PERR(p, at, "unterminated char literal");
    char c = p->s[p->i];
    if (c == '\\') {
        weft_status st = parse_escape(p, &cp);
        if (st)
            return st;
    } else if (c == '\'') {
        return PERR(p, at, "empty char literal (write '\\'' for a quote)");
    } else if (c == '\n') {
        return PERR(p, p->i, "newline in char literal (write '\\n')");
    } else {
        size_t l = utf8_dec((const unsigned char *)p->s + p->i, p->n - p->i, &cp);
        if (!l)
            return PERR(p, p->i, "invalid UTF-8 in char literal");
        p->i += l;
    }
    if (peek(p) != '\'') {
        size_t j = p->i;
        while (j < p->n && p->s[j] != '\'' && p->s[j] != '\n')
            j++;
        if (j < p->n && p->s[j] == '\'')
            return PERR(p, at, "char literal holds more than one character");
        return PERR(p, at, "unterminated char literal");
    }
    p->i++;
    out->kind = WEFT_C_CHAR;
    out->of.ch = cp;
    return WEFT_OK;
}

/* Decodes string content s[a, b) (escapes, UTF-8; no newlines, no
 * unescaped quote `q` unless q is 0) into dst (if non-NULL); adds the
 * decoded length to *len. */
static weft_status decode_run(wp *p, size_t a, size_t b, char q, char *dst, size_t *len)
{
    size_t save = p->i;
    p->i = a;
    while (p->i < b) {
        char c = p->s[p->i];
        uint32_t cp;
        if (c == '\\') {
            weft_status st = parse_escape(p, &cp);
            if (st)
                return st;
            if (p->i > b)
                return PERR(p, b, "unterminated escape");
        } else if (c == '\n') {
            return PERR(p, p->i, "newline in string (write \\n, or use a \"\"\" string)");
        } else if (q && c == q) {
            return PERR(p, p->i, "unescaped quote in string");
        } else {
            size_t l = utf8_dec((const unsigned char *)p->s + p->i, b - p->i, &cp);
            if (!l)
                return PERR(p, p->i, "invalid UTF-8 in string");
            p->i += l;
        }
        if (dst)
            *len += utf8_enc(cp, dst + *len);
        else
            *len += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }
    p->i = save;
    return WEFT_OK;
}

/* A multiline string """\n...\n   """: content s[a, b). One pass measures
 * (dst NULL), the next decodes. */
static weft_status decode_multiline(wp *p, size_t at, size_t a, size_t b, char *dst, size_t *len)
{
    const char *s = p->s;
    size_t j = a;
    if (j < b && s[j] == '\r')
        j++;
    if (j >= b || s[j] != '\n')
        return PERR(p, at, "a \"\"\" string must start with a line break after the \"\"\"");
    size_t first = j + 1;             /* start of the first content line */
    size_t last = b;                  /* the last line break */
    while (last > a && s[last - 1] != '\n')
        last--;
    last--;                           /* s[last] == '\n' */
    for (size_t k = last + 1; k < b; k++)
        if (s[k] != ' ')
            return PERR(p, b, "the closing \"\"\" must be on a line of its own, after spaces only");
    size_t indent = b - (last + 1);
    size_t ln = first;
    bool firstline = true;
    while (ln <= last && last >= first) {
        size_t e = ln;
        while (e < last && s[e] != '\n')
            e++;
        /* line s[ln, e) */
        size_t le = e;
        if (le > ln && s[le - 1] == '\r')
            le--;
        size_t ls = ln;
        size_t k = 0;
        while (k < indent && ls < le && s[ls] == ' ') {
            ls++;
            k++;
        }
        if (k < indent) {
            bool blank = true;
            for (size_t m = ls; m < le; m++)
                blank &= s[m] == ' ';
            if (!blank)
                return PERR(p, ln, "line is indented less than the closing \"\"\"");
            ls = le;
        }
        if (!firstline) {
            if (dst)
                dst[*len] = '\n';
            (*len)++;
        }
        firstline = false;
        weft_status st = decode_run(p, ls, le, 0, dst, len);
        if (st)
            return st;
        if (e >= last)
            break;
        ln = e + 1;
    }
    return WEFT_OK;
}

static weft_status parse_string(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    const char *s = p->s;
    if (peek(p) != '"')
        return expected_type(p, t, at);
    bool multi = at + 2 < p->n && s[at + 1] == '"' && s[at + 2] == '"';
    size_t a, b, next;
    if (multi) {
        a = at + 3;
        b = a;
        while (b + 2 < p->n && !(s[b] == '"' && s[b + 1] == '"' && s[b + 2] == '"'))
            b++;
        if (b + 2 >= p->n)
            return PERR(p, at, "unterminated \"\"\" string");
        next = b + 3;
    } else {
        a = at + 1;
        b = a;
        while (b < p->n && s[b] != '"' && s[b] != '\n') {
            if (s[b] == '\\' && b + 1 < p->n && s[b + 1] != '\n')
                b++;
            b++;
        }
        if (b >= p->n || s[b] != '"')
            return PERR(p, at, "unterminated string");
        next = b + 1;
    }
    size_t len = 0;
    weft_status st = multi ? decode_multiline(p, at, a, b, NULL, &len)
                           : decode_run(p, a, b, '"', NULL, &len);
    if (st)
        return st;
    if (len > SIZE_MAX - 2)
        return nomem(p);
    char *buf = wu_alloc(p->e, len + 2);
    if (!buf)
        return nomem(p);
    size_t len2 = 0;
    st = multi ? decode_multiline(p, at, a, b, buf, &len2) : decode_run(p, a, b, '"', buf, &len2);
    if (st) {   /* cannot happen: the first pass accepted the same text */
        wu_free(p->e, buf, len + 2);
        return st;
    }
    buf[len] = '\0';
    buf[len + 1] = 0;
    p->i = next;
    out->kind = WEFT_C_STRING;
    out->of.str.ptr = buf;
    out->of.str.len = len;
    return WEFT_OK;
}

/* After an item of a sequence: "," (then maybe the closer) or the closer.
 * Returns 1 if the sequence ended (closer consumed), 0 to continue, or -1
 * with the error set. */
static int seq_next(wp *p, char closer, weft_status *st)
{
    skip_ws(p);
    int c = peek(p);
    if (c == ',') {
        p->i++;
        skip_ws(p);
        if (peek(p) == (unsigned char)closer) {
            p->i++;
            return 1;
        }
        return 0;
    }
    if (c == (unsigned char)closer) {
        p->i++;
        return 1;
    }
    char what[16] = {'"', ',', '"', ' ', 'o', 'r', ' ', '"', closer, '"', 0};
    *st = expected_str(p, what, p->i);
    return -1;
}

static weft_status parse_list(wp *p, const weft_ctype *t, weft_cval *out)
{
    const weft_ctype *et = weft_ctype_elem(t, 0);
    size_t at = p->i;
    if (peek(p) != '[')
        return expected_type(p, t, at);
    if (!et)
        return PERR(p, at, "list type without an element type");
    p->i++;
    weft_cval *items = NULL;
    size_t len = 0, cap = 0;
    weft_status st = WEFT_OK;
    skip_ws(p);
    if (peek(p) == ']') {
        p->i++;
    } else {
        for (;;) {
            if (len == cap) {
                size_t ncap = cap ? cap * 2 : 4;
                if (ncap > SIZE_MAX / sizeof(weft_cval)) {
                    st = nomem(p);
                    break;
                }
                weft_cval *ni = wu_realloc(p->e, items, cap * sizeof(weft_cval),
                                           ncap * sizeof(weft_cval));
                if (!ni) {
                    st = nomem(p);
                    break;
                }
                memset(ni + cap, 0, (ncap - cap) * sizeof(weft_cval));
                items = ni;
                cap = ncap;
            }
            st = parse_value(p, et, &items[len]);
            if (st)
                break;
            len++;
            int r = seq_next(p, ']', &st);
            if (r < 0)
                break;
            if (r > 0)
                break;
        }
        if (st) {
            free_items(p->e, items, len);
            return st;
        }
        if (len < cap) {   /* one block of exactly len values */
            weft_cval *ni = wu_realloc(p->e, items, cap * sizeof(weft_cval),
                                       len * sizeof(weft_cval));
            if (ni)
                items = ni;
        }
    }
    out->kind = WEFT_C_LIST;
    out->of.list.items = items;
    out->of.list.len = len;
    return WEFT_OK;
}

static weft_status parse_tuple(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    uint32_t n = weft_ctype_count(t);
    if (peek(p) != '(')
        return expected_type(p, t, at);
    p->i++;
    weft_cval *items = NULL;
    if (n) {
        items = wu_alloc(p->e, sizeof(weft_cval) * n);
        if (!items)
            return nomem(p);
    }
    weft_status st = WEFT_OK;
    uint32_t k = 0;
    skip_ws(p);
    if (peek(p) == ')') {
        p->i++;
    } else {
        for (;;) {
            if (k >= n) {
                st = PERR(p, p->i, "too many values in tuple: expected %u", n);
                break;
            }
            const weft_ctype *et = weft_ctype_elem(t, k);
            if (!et) {
                st = PERR(p, p->i, "tuple type without element type %u", k);
                break;
            }
            st = parse_value(p, et, &items[k]);
            if (st)
                break;
            k++;
            int r = seq_next(p, ')', &st);
            if (r)
                break;
        }
    }
    if (!st && k < n)
        st = PERR(p, p->i ? p->i - 1 : 0, "too few values in tuple: expected %u, found %u", n, k);
    if (st) {
        free_items(p->e, items, n);
        return st;
    }
    out->kind = WEFT_C_TUPLE;
    out->of.list.items = items;
    out->of.list.len = n;
    return WEFT_OK;
}

static int find_label(const weft_ctype *t, const lbl *l)
{
    uint32_t n = weft_ctype_count(t);
    for (uint32_t k = 0; k < n; k++)
        if (lbl_eq(weft_ctype_label(t, k), l->s, l->len))
            return (int)k;
    return -1;
}

/* "name" of a label for messages (truncated). */
static void label_text(const lbl *l, char *buf, size_t cap)
{
    size_t n = l->len < cap - 1 ? l->len : cap - 1;
    memcpy(buf, l->s, n);
    buf[n] = '\0';
}

static weft_status parse_record(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    uint32_t n = weft_ctype_count(t);
    if (peek(p) != '{')
        return expected_type(p, t, at);
    p->i++;
    weft_cval *items = NULL;
    uint8_t *seen = NULL;
    if (n) {
        items = wu_alloc(p->e, sizeof(weft_cval) * n);
        seen = wu_alloc(p->e, n);
        if (!items || !seen) {
            if (items)
                wu_free(p->e, items, sizeof(weft_cval) * n);
            if (seen)
                wu_free(p->e, seen, n);
            return nomem(p);
        }
    }
    weft_status st = WEFT_OK;
    skip_ws(p);
    if (peek(p) == ':') {            /* {:} every field omitted */
        p->i++;
        st = expect_ch(p, '}');
    } else if (peek(p) == '}') {
        p->i++;
    } else {
        for (;;) {
            lbl l;
            char name[64];
            skip_ws(p);
            if (!scan_label(p, &l)) {
                st = expected_str(p, "a field name", p->i);
                break;
            }
            label_text(&l, name, sizeof name);
            int k = find_label(t, &l);
            if (k < 0) {
                st = PERR(p, l.at, "unknown field \"%s\"", name);
                break;
            }
            if (seen[k]) {
                st = PERR(p, l.at, "duplicate field \"%s\"", name);
                break;
            }
            st = expect_ch(p, ':');
            if (st)
                break;
            const weft_ctype *ft = weft_ctype_elem(t, (uint32_t)k);
            if (!ft) {
                st = PERR(p, l.at, "record type without a type for field \"%s\"", name);
                break;
            }
            st = parse_value(p, ft, &items[k]);
            if (st)
                break;
            seen[k] = 1;
            int r = seq_next(p, '}', &st);
            if (r)
                break;
        }
    }
    for (uint32_t k = 0; !st && k < n; k++) {
        if (seen[k])
            continue;
        const weft_ctype *ft = weft_ctype_elem(t, k);
        if (kind_ok(ft) && weft_ctype_kind(ft) == WEFT_C_OPTION) {
            items[k].kind = WEFT_C_OPTION;
        } else {
            const char *name = weft_ctype_label(t, k);
            st = PERR(p, at, "missing field \"%s\"", name ? name : "?");
        }
    }
    if (seen)
        wu_free(p->e, seen, n);
    if (st) {
        free_items(p->e, items, n);
        return st;
    }
    out->kind = WEFT_C_RECORD;
    out->of.list.items = items;
    out->of.list.len = n;
    return WEFT_OK;
}

static weft_status parse_flags(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    uint32_t n = weft_ctype_count(t);
    if (peek(p) != '{')
        return expected_type(p, t, at);
    if (n > 32)
        return PERR(p, at, "flags types with more than 32 labels are not supported");
    p->i++;
    uint32_t bits = 0;
    weft_status st = WEFT_OK;
    skip_ws(p);
    if (peek(p) == '}') {
        p->i++;
    } else {
        for (;;) {
            lbl l;
            char name[64];
            skip_ws(p);
            if (!scan_label(p, &l))
                return expected_str(p, "a flag name", p->i);
            label_text(&l, name, sizeof name);
            int k = find_label(t, &l);
            if (k < 0)
                return PERR(p, l.at, "unknown flag \"%s\"", name);
            if (bits & (1u << k))
                return PERR(p, l.at, "duplicate flag \"%s\"", name);
            bits |= 1u << k;
            int r = seq_next(p, '}', &st);
            if (r < 0)
                return st;
            if (r > 0)
                break;
        }
    }
    out->kind = WEFT_C_FLAGS;
    out->of.flags = bits;
    return WEFT_OK;
}

/* After a case label: "(payload)" if the case has one (pt non-NULL). */
static weft_status parse_payload(wp *p, const weft_ctype *pt, const lbl *l, weft_cval **payload)
{
    char name[64];
    label_text(l, name, sizeof name);
    size_t save = p->i;
    skip_ws(p);
    if (peek(p) != '(') {
        p->i = save;
        if (pt)
            return expected_str(p, "\"(\" and the payload", save);
        *payload = NULL;
        return WEFT_OK;
    }
    if (!pt)
        return PERR(p, p->i, "case \"%s\" has no payload", name);
    p->i++;
    weft_cval *v = wu_alloc(p->e, sizeof(weft_cval));
    if (!v)
        return nomem(p);
    weft_status st = parse_value(p, pt, v);
    if (!st)
        st = expect_ch(p, ')');
    if (st) {
        free_val(p->e, v);
        wu_free(p->e, v, sizeof(weft_cval));
        return st;
    }
    *payload = v;
    return WEFT_OK;
}

static weft_status parse_variant(wp *p, const weft_ctype *t, weft_ckind kind, weft_cval *out)
{
    size_t at = p->i;
    lbl l;
    if (!scan_label(p, &l)) {
        p->i = at;
        return expected_type(p, t, at);
    }
    int k = find_label(t, &l);
    if (k < 0) {
        char name[64];
        label_text(&l, name, sizeof name);
        p->i = at;
        return PERR(p, at, "unknown case \"%s\" of %s", name, weft_ckind_name(kind));
    }
    weft_cval *payload = NULL;
    const weft_ctype *pt = kind == WEFT_C_VARIANT ? weft_ctype_elem(t, (uint32_t)k) : NULL;
    weft_status st = parse_payload(p, pt, &l, &payload);
    if (st)
        return st;
    out->kind = kind;
    out->of.variant.disc = (uint32_t)k;
    out->of.variant.payload = payload;
    return WEFT_OK;
}

/* The bare payload of an option or result (some / ok implied). */
static weft_status parse_flat(wp *p, const weft_ctype *t, const weft_ctype *pt,
                              weft_cval *out)
{
    size_t at = p->i;
    weft_ckind pk = kind_ok(pt) ? weft_ctype_kind(pt) : WEFT_C_KIND_COUNT_;
    if (!pt || pk == WEFT_C_OPTION || pk == WEFT_C_RESULT || pk == WEFT_C_KIND_COUNT_)
        return expected_type(p, t, at);
    weft_cval *v = wu_alloc(p->e, sizeof(weft_cval));
    if (!v)
        return nomem(p);
    weft_status st = parse_value(p, pt, v);
    if (st) {
        wu_free(p->e, v, sizeof(weft_cval));
        /* nothing matched at all: describe the whole type */
        if (st == WEFT_INVALID && p->err && p->err->offset == at &&
            !strncmp(p->err->message, "expected ", 9))
            return expected_type(p, t, at);
        return st;
    }
    out->of.variant.disc = weft_ctype_kind(t) == WEFT_C_OPTION ? 1 : 0;
    out->of.variant.payload = v;
    out->kind = weft_ctype_kind(t);
    return WEFT_OK;
}

static weft_status parse_option(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    const weft_ctype *pt = weft_ctype_elem(t, 0);
    lbl l;
    if (!pt)
        return PERR(p, at, "option type without a payload type");
    if (scan_label(p, &l)) {
        if (is_kw(&l, "none")) {
            out->kind = WEFT_C_OPTION;
            return WEFT_OK;
        }
        if (is_kw(&l, "some")) {
            weft_cval *payload = NULL;
            weft_status st = parse_payload(p, pt, &l, &payload);
            if (st)
                return st;
            out->kind = WEFT_C_OPTION;
            out->of.variant.disc = 1;
            out->of.variant.payload = payload;
            return WEFT_OK;
        }
    }
    p->i = at;
    return parse_flat(p, t, pt, out);
}

static weft_status parse_result(wp *p, const weft_ctype *t, weft_cval *out)
{
    size_t at = p->i;
    const weft_ctype *ok = weft_ctype_elem(t, 0), *er = weft_ctype_elem(t, 1);
    lbl l;
    if (scan_label(p, &l) && (is_kw(&l, "ok") || is_kw(&l, "err"))) {
        uint32_t disc = is_kw(&l, "err");
        weft_cval *payload = NULL;
        weft_status st = parse_payload(p, disc ? er : ok, &l, &payload);
        if (st)
            return st;
        out->kind = WEFT_C_RESULT;
        out->of.variant.disc = disc;
        out->of.variant.payload = payload;
        return WEFT_OK;
    }
    p->i = at;
    return parse_flat(p, t, ok, out);
}

static weft_status parse_value(wp *p, const weft_ctype *t, weft_cval *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(p);
    if (!kind_ok(t))
        return PERR(p, p->i, "values of this type have no text form");
    if (p->depth >= WAVE_MAX_DEPTH)
        return PERR(p, p->i, "value nesting is too deep (more than %u levels)", WAVE_MAX_DEPTH);
    p->depth++;
    weft_ckind k = weft_ctype_kind(t);
    weft_status st;
    switch (k) {
    case WEFT_C_BOOL: {
        size_t at = p->i;
        lbl l;
        if (scan_label(p, &l) && (is_kw(&l, "true") || is_kw(&l, "false"))) {
            out->kind = WEFT_C_BOOL;
            out->of.b = is_kw(&l, "true");
            st = WEFT_OK;
        } else {
            p->i = at;
            st = expected_type(p, t, at);
        }
        break;
    }
    case WEFT_C_S8: case WEFT_C_U8: case WEFT_C_S16: case WEFT_C_U16:
    case WEFT_C_S32: case WEFT_C_U32: case WEFT_C_S64: case WEFT_C_U64:
        st = parse_int(p, t, k, out);
        break;
    case WEFT_C_F32:
    case WEFT_C_F64:
        st = parse_float(p, t, k, out);
        break;
    case WEFT_C_CHAR: st = parse_char(p, t, out); break;
    case WEFT_C_STRING: st = parse_string(p, t, out); break;
    case WEFT_C_LIST: st = parse_list(p, t, out); break;
    case WEFT_C_TUPLE: st = parse_tuple(p, t, out); break;
    case WEFT_C_RECORD: st = parse_record(p, t, out); break;
    case WEFT_C_FLAGS: st = parse_flags(p, t, out); break;
    case WEFT_C_VARIANT:
    case WEFT_C_ENUM:
        st = parse_variant(p, t, k, out);
        break;
    case WEFT_C_OPTION: st = parse_option(p, t, out); break;
    case WEFT_C_RESULT: st = parse_result(p, t, out); break;
    case WEFT_C_OWN:
    case WEFT_C_BORROW:
        st = PERR(p, p->i, "resources have no text form");
        break;
    default:
        st = PERR(p, p->i, "%s values have no text form", weft_ckind_name(k));
        break;
    }
    p->depth--;
    if (st)
        memset(out, 0, sizeof *out);
    return st;
}

static void wp_init(wp *p, const weft_engine *e, const char *text, size_t len, weft_error *err)
{
    p->e = e;
    p->s = text ? text : "";
    p->n = text ? len : 0;
    p->i = 0;
    p->err = err;
    p->depth = 0;
}

weft_status weft_wave_parse(weft_engine *engine, const weft_ctype *type, const char *text,
                            size_t len, weft_cval *out, weft_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!engine || !type || !out || (!text && len))
        return fail_at(err, WEFT_ARG, WEFT_NO_OFFSET, "weft_wave_parse: missing argument");
    wu_error_clear(err);
    wp p;
    wp_init(&p, engine, text, len, err);
    weft_status st = parse_value(&p, type, out);
    if (st)
        return st;
    skip_ws(&p);
    if (p.i < p.n) {
        free_val(engine, out);
        return expected_str(&p, "end of input", p.i);
    }
    return WEFT_OK;
}

weft_status weft_wave_parse_values(weft_engine *engine, const weft_ctype *const *types,
                                   const char *const *names, size_t ntypes,
                                   const char *text, size_t len, weft_cval *out,
                                   size_t cap, size_t *n, weft_error *err)
{
    if (n)
        *n = 0;
    if (!engine || (!types && ntypes) || (!out && ntypes) || (!text && len))
        return fail_at(err, WEFT_ARG, WEFT_NO_OFFSET, "weft_wave_parse_values: missing argument");
    if (cap < ntypes)
        return fail_at(err, WEFT_ARG, WEFT_NO_OFFSET,
                       "room for %zu values, but %zu are expected", cap, ntypes);
    if (ntypes)
        memset(out, 0, sizeof(weft_cval) * ntypes);
    wu_error_clear(err);
    wp p;
    wp_init(&p, engine, text, len, err);
    weft_status st = WEFT_OK;
    size_t k = 0;
    skip_ws(&p);
    while (p.i < p.n) {
        if (k >= ntypes) {
            st = PERR(&p, p.i, "too many arguments: expected %zu", ntypes);
            break;
        }
        st = parse_value(&p, types[k], &out[k]);
        if (st)
            break;
        k++;
        skip_ws(&p);
        if (p.i >= p.n)
            break;
        if (p.s[p.i] != ',') {
            st = expected_str(&p, "\",\" or the end of the arguments", p.i);
            break;
        }
        p.i++;
        skip_ws(&p);
    }
    /* trailing option arguments may be omitted */
    for (size_t j = k; !st && j < ntypes; j++) {
        if (kind_ok(types[j]) && weft_ctype_kind(types[j]) == WEFT_C_OPTION) {
            out[j].kind = WEFT_C_OPTION;
            continue;
        }
        /* arguments from min on are options and may be left out */
        size_t min = ntypes;
        while (min > 0 && kind_ok(types[min - 1]) &&
               weft_ctype_kind(types[min - 1]) == WEFT_C_OPTION)
            min--;
        char expect[48];
        if (min == ntypes)
            wu_fmt(expect, sizeof expect, "%zu", ntypes);
        else
            wu_fmt(expect, sizeof expect, "%zu to %zu", min, ntypes);
        const char *nm = names ? names[j] : NULL;
        if (nm)
            st = PERR(&p, p.n, "missing argument \"%s\": expected %s arguments, found %zu",
                      nm, expect, k);
        else
            st = PERR(&p, p.n, "missing argument %zu: expected %s arguments, found %zu",
                      j + 1, expect, k);
    }
    if (st) {
        for (size_t j = 0; j < ntypes; j++)
            free_val(engine, &out[j]);
        return st;
    }
    if (n)
        *n = ntypes;
    return WEFT_OK;
}

weft_status weft_wave_parse_args(weft_engine *engine, const weft_cfunc *f, const char *text,
                                 size_t len, weft_cval *out, size_t cap, size_t *n,
                                 weft_error *err)
{
    if (n)
        *n = 0;
    if (!engine || !f)
        return fail_at(err, WEFT_ARG, WEFT_NO_OFFSET, "weft_wave_parse_args: missing argument");
    uint32_t count = weft_cfunc_param_count(f);
    const weft_ctype **types = NULL;
    const char **names = NULL;
    if (count) {
        types = wu_alloc(engine, sizeof *types * count);
        names = wu_alloc(engine, sizeof *names * count);
        if (!types || !names) {
            if (types)
                wu_free(engine, types, sizeof *types * count);
            if (names)
                wu_free(engine, names, sizeof *names * count);
            return fail_at(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        }
        for (uint32_t i = 0; i < count; i++) {
            types[i] = weft_cfunc_param_type(f, i);
            names[i] = weft_cfunc_param_name(f, i);
        }
    }
    weft_status st = weft_wave_parse_values(engine, types, names, count, text, len, out, cap,
                                            n, err);
    if (count) {
        wu_free(engine, types, sizeof *types * count);
        wu_free(engine, names, sizeof *names * count);
    }
    return st;
}

/* ---------------------------------------------------------------- */
/* Calls: name(args)                                                 */
/* ---------------------------------------------------------------- */

static bool name_char(int c)
{
    return is_alnum(c) || c == '-' || c == '_' || c == '#' || c == '/' || c == ':' ||
           c == '@' || c == '.' || c == '%' || c == '[' || c == ']';
}

/* Skips a quoted literal starting at p->i (", """ or '); false if it does
 * not end. */
static bool skip_literal(wp *p)
{
    const char *s = p->s;
    size_t j = p->i;
    char q = s[j];
    if (q == '"' && j + 2 < p->n && s[j + 1] == '"' && s[j + 2] == '"') {
        j += 3;
        while (j + 2 < p->n && !(s[j] == '"' && s[j + 1] == '"' && s[j + 2] == '"'))
            j++;
        if (j + 2 >= p->n)
            return false;
        p->i = j + 3;
        return true;
    }
    j++;
    while (j < p->n && s[j] != q && s[j] != '\n') {
        if (s[j] == '\\' && j + 1 < p->n && s[j + 1] != '\n')
            j++;
        j++;
    }
    if (j >= p->n || s[j] != q)
        return false;
    p->i = j + 1;
    return true;
}

weft_status weft_wave_parse_call(weft_engine *engine, const char *text, size_t len, char *name,
                                 size_t name_cap, const char **args_start, size_t *args_len,
                                 weft_error *err)
{
    if (name && name_cap)
        name[0] = '\0';
    if (args_start)
        *args_start = NULL;
    if (args_len)
        *args_len = 0;
    if (!name || !name_cap || !args_start || !args_len || (!text && len))
        return fail_at(err, WEFT_ARG, WEFT_NO_OFFSET, "weft_wave_parse_call: missing argument");
    wu_error_clear(err);
    wp p;
    wp_init(&p, engine, text, len, err);
    skip_ws(&p);
    size_t ns = p.i;
    while (p.i < p.n && name_char((unsigned char)p.s[p.i]))
        p.i++;
    size_t ne = p.i;
    if (ne == ns)
        return expected_str(&p, "a function name", ns);
    if (ne - ns >= name_cap)
        return fail_at(err, WEFT_LIMIT, ns, "function name longer than %zu bytes", name_cap - 1);
    skip_ws(&p);
    if (peek(&p) != '(')
        return expected_str(&p, "\"(\" after the function name", p.i);
    size_t open = p.i++;
    char stack[WAVE_CALL_DEPTH];
    unsigned depth = 0;
    size_t close = 0;
    bool done = false;
    while (!done) {
        skip_ws(&p);
        if (p.i >= p.n)
            return PERR(&p, open, "unterminated argument list: missing \")\"");
        char c = p.s[p.i];
        switch (c) {
        case '(': case '[': case '{':
            if (depth >= WAVE_CALL_DEPTH)
                return PERR(&p, p.i, "arguments nested too deeply");
            stack[depth++] = c == '(' ? ')' : c == '[' ? ']' : '}';
            p.i++;
            break;
        case ')': case ']': case '}':
            if (depth == 0) {
                if (c != ')')
                    return PERR(&p, p.i, "unbalanced \"%c\" in arguments", c);
                close = p.i++;
                done = true;
            } else if (stack[depth - 1] != c) {
                return PERR(&p, p.i, "unbalanced \"%c\" in arguments (expected \"%c\")", c,
                            stack[depth - 1]);
            } else {
                depth--;
                p.i++;
            }
            break;
        case '"': case '\'':
            if (!skip_literal(&p))
                return PERR(&p, p.i, c == '"' ? "unterminated string" : "unterminated char literal");
            break;
        default:
            p.i++;
            break;
        }
    }
    skip_ws(&p);
    if (p.i < p.n)
        return expected_str(&p, "end of input after the call", p.i);
    memcpy(name, p.s + ns, ne - ns);
    name[ne - ns] = '\0';
    *args_start = p.s + open + 1;
    *args_len = close - open - 1;
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Printing                                                          */
/* ---------------------------------------------------------------- */

static void put_escaped(wb *w, uint32_t c)
{
    switch (c) {
    case '\\': puts_(w, "\\\\"); return;
    case '"': puts_(w, "\\\""); return;
    case '\'': puts_(w, "\\'"); return;
    case '\t': puts_(w, "\\t"); return;
    case '\n': puts_(w, "\\n"); return;
    case '\r': puts_(w, "\\r"); return;
    default: break;
    }
    if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0x2028 || c == 0x2029 || !is_scalar(c)) {
        puts_(w, "\\u{");
        put_hex(w, is_scalar(c) ? c : 0xFFFD);
        putc_(w, '}');
        return;
    }
    char u[4];
    put(w, u, utf8_enc(c, u));
}

static void put_label(wb *w, const char *label)
{
    if (!label) {
        puts_(w, "<invalid>");
        return;
    }
    if (is_keyword(label, strlen(label)))
        putc_(w, '%');
    puts_(w, label);
}

static void print_value(wb *w, const weft_ctype *t, const weft_cval *v, unsigned depth);

static void print_payload(wb *w, const weft_ctype *pt, const weft_cval *payload, unsigned depth)
{
    if (!pt && !payload)
        return;
    if (!pt || !payload) {
        puts_(w, "(<invalid>)");
        return;
    }
    putc_(w, '(');
    print_value(w, pt, payload, depth + 1);
    putc_(w, ')');
}

static void print_value(wb *w, const weft_ctype *t, const weft_cval *v, unsigned depth)
{
    if (!kind_ok(t) || !v || depth > WAVE_PRINT_DEPTH || v->kind != weft_ctype_kind(t)) {
        puts_(w, "<invalid>");
        return;
    }
    weft_ckind k = weft_ctype_kind(t);
    switch (k) {
    case WEFT_C_BOOL: puts_(w, v->of.b ? "true" : "false"); break;
    case WEFT_C_S8: case WEFT_C_S16: case WEFT_C_S32: case WEFT_C_S64:
        if (v->of.s < 0) {
            putc_(w, '-');
            put_u64(w, 0 - (uint64_t)v->of.s);
        } else {
            put_u64(w, (uint64_t)v->of.s);
        }
        break;
    case WEFT_C_U8: case WEFT_C_U16: case WEFT_C_U32: case WEFT_C_U64:
        put_u64(w, v->of.u);
        break;
    case WEFT_C_F32: {
        uint32_t b;
        memcpy(&b, &v->of.f32, 4);
        put_float(w, b, &F32);
        break;
    }
    case WEFT_C_F64: {
        uint64_t b;
        memcpy(&b, &v->of.f64, 8);
        put_float(w, b, &F64);
        break;
    }
    case WEFT_C_CHAR:
        if (!is_scalar(v->of.ch)) {
            puts_(w, "<invalid>");
            break;
        }
        putc_(w, '\'');
        put_escaped(w, v->of.ch);
        putc_(w, '\'');
        break;
    case WEFT_C_STRING: {
        const unsigned char *s = (const unsigned char *)v->of.str.ptr;
        size_t n = v->of.str.len;
        if (!s && n) {
            puts_(w, "<invalid>");
            break;
        }
        putc_(w, '"');
        for (size_t j = 0; j < n;) {
            uint32_t cp;
            size_t l = utf8_dec(s + j, n - j, &cp);
            if (!l) {
                put_escaped(w, 0xD800);   /* not UTF-8: written as U+FFFD */
                j++;
            } else {
                put_escaped(w, cp);
                j += l;
            }
        }
        putc_(w, '"');
        break;
    }
    case WEFT_C_LIST:
    case WEFT_C_TUPLE: {
        size_t n = v->of.list.len;
        bool tuple = k == WEFT_C_TUPLE;
        if ((!v->of.list.items && n) || (tuple && n != weft_ctype_count(t))) {
            puts_(w, "<invalid>");
            break;
        }
        putc_(w, tuple ? '(' : '[');
        for (size_t j = 0; j < n; j++) {
            if (j)
                puts_(w, ", ");
            print_value(w, weft_ctype_elem(t, tuple ? (uint32_t)j : 0), &v->of.list.items[j],
                        depth + 1);
        }
        putc_(w, tuple ? ')' : ']');
        break;
    }
    case WEFT_C_RECORD: {
        size_t n = v->of.list.len;
        if ((!v->of.list.items && n) || n != weft_ctype_count(t)) {
            puts_(w, "<invalid>");
            break;
        }
        putc_(w, '{');
        bool first = true;
        for (size_t j = 0; j < n; j++) {
            const weft_cval *f = &v->of.list.items[j];
            const weft_ctype *ft = weft_ctype_elem(t, (uint32_t)j);
            /* none-valued option fields are left out */
            if (f->kind == WEFT_C_OPTION && f->of.variant.disc == 0 && kind_ok(ft) &&
                weft_ctype_kind(ft) == WEFT_C_OPTION)
                continue;
            if (!first)
                puts_(w, ", ");
            first = false;
            const char *label = weft_ctype_label(t, (uint32_t)j);
            puts_(w, label ? label : "<invalid>");
            puts_(w, ": ");
            print_value(w, ft, f, depth + 1);
        }
        if (first)
            putc_(w, ':');
        putc_(w, '}');
        break;
    }
    case WEFT_C_FLAGS: {
        uint32_t n = weft_ctype_count(t);
        if (n > 32 || (n < 32 && (v->of.flags >> n))) {
            puts_(w, "<invalid>");
            break;
        }
        putc_(w, '{');
        bool first = true;
        for (uint32_t j = 0; j < n; j++) {
            if (!(v->of.flags & (1u << j)))
                continue;
            if (!first)
                puts_(w, ", ");
            first = false;
            const char *label = weft_ctype_label(t, j);   /* never needs a % here */
            puts_(w, label ? label : "<invalid>");
        }
        putc_(w, '}');
        break;
    }
    case WEFT_C_VARIANT:
    case WEFT_C_ENUM: {
        uint32_t d = v->of.variant.disc;
        if (d >= weft_ctype_count(t)) {
            puts_(w, "<invalid>");
            break;
        }
        put_label(w, weft_ctype_label(t, d));
        if (k == WEFT_C_VARIANT)
            print_payload(w, weft_ctype_elem(t, d), v->of.variant.payload, depth);
        break;
    }
    case WEFT_C_OPTION:
        if (v->of.variant.disc == 0 && !v->of.variant.payload) {
            puts_(w, "none");
        } else if (v->of.variant.disc == 1) {
            puts_(w, "some");
            const weft_ctype *pt = weft_ctype_elem(t, 0);
            if (pt && v->of.variant.payload)
                print_payload(w, pt, v->of.variant.payload, depth);
            else
                puts_(w, "(<invalid>)");
        } else {
            puts_(w, "<invalid>");
        }
        break;
    case WEFT_C_RESULT: {
        uint32_t d = v->of.variant.disc;
        if (d > 1) {
            puts_(w, "<invalid>");
            break;
        }
        puts_(w, d ? "err" : "ok");
        print_payload(w, weft_ctype_elem(t, d), v->of.variant.payload, depth);
        break;
    }
    case WEFT_C_OWN:
    case WEFT_C_BORROW: {
        const weft_resource *r = v->of.handle.res;
        puts_(w, "<resource");
        if (r) {
            puts_(w, " rep=");
            put_u64(w, r->rep);
        }
        putc_(w, '>');
        break;
    }
    default:
        putc_(w, '<');
        puts_(w, weft_ckind_name(k));
        putc_(w, '>');
        break;
    }
}

size_t weft_wave_print(const weft_ctype *type, const weft_cval *v, char *buf, size_t cap)
{
    wb w = {buf, cap, 0};
    if (buf && cap)
        buf[0] = '\0';
    print_value(&w, type, v, 0);
    return w.n;
}
