/* ctypes.c - the component type arena: entries, canonical ABI layout
 * (size, alignment, flattening) of value types, structural equality, and
 * the public type inspection functions of component.h.
 *
 * Layout follows CanonicalABI.md ("Alignment", "Element Size",
 * "Flattening") for 32-bit memories: tuples are records, enum/option/result
 * are variants, strings and lists are (ptr, len) pairs of i32. A type whose
 * layout cannot be computed (flags with 0 or more than 32 labels, a variant
 * without cases, a size past 4 GiB, nesting past WC_MAX_TYPE_DEPTH) gets
 * align 0, size 0 and nflat WC_FLAT_OVER; lifting or lowering it traps. */
#include "component/ctypes.h"
#include "core/util.h"

/* ---------------------------------------------------------------- */
/* Arena                                                             */
/* ---------------------------------------------------------------- */

/* Frees what the arena allocated: the entry and its flat array (elems,
 * labels, imports and exports belong to whoever filled them in). */
static void free_entry(const weft_engine *e, weft_ctype *t)
{
    if (t->flat)
        wu_free(e, t->flat, t->nflat);
    wu_free(e, t, sizeof *t);
}

/* The primitive value types, the first WC_NPRIM entries of every arena:
 * shared, read-only and laid out here (they have no arena and no
 * elements). */
static const uint8_t flat_i32[2] = {WEFT_I32, WEFT_I32};
static const uint8_t flat_i64[1] = {WEFT_I64};
static const uint8_t flat_f32[1] = {WEFT_F32};
static const uint8_t flat_f64[1] = {WEFT_F64};
#define PRIM(k, sz, al, fl, nf)                                               \
    {.dtor = -1, .elem = WC_NONE, .err = WC_NONE, .size = sz, .align = al,    \
     .flat = (uint8_t *)(fl), .id = k, .kind = k, .nflat = nf}
static const weft_ctype prims[WC_NPRIM] = {
    PRIM(WEFT_C_BOOL, 1, 1, flat_i32, 1), PRIM(WEFT_C_S8, 1, 1, flat_i32, 1),
    PRIM(WEFT_C_U8, 1, 1, flat_i32, 1), PRIM(WEFT_C_S16, 2, 2, flat_i32, 1),
    PRIM(WEFT_C_U16, 2, 2, flat_i32, 1), PRIM(WEFT_C_S32, 4, 4, flat_i32, 1),
    PRIM(WEFT_C_U32, 4, 4, flat_i32, 1), PRIM(WEFT_C_S64, 8, 8, flat_i64, 1),
    PRIM(WEFT_C_U64, 8, 8, flat_i64, 1), PRIM(WEFT_C_F32, 4, 4, flat_f32, 1),
    PRIM(WEFT_C_F64, 8, 8, flat_f64, 1), PRIM(WEFT_C_CHAR, 4, 4, flat_i32, 1),
    PRIM(WEFT_C_STRING, 8, 4, flat_i32, 2), PRIM(WEFT_C_ERROR_CONTEXT, 4, 4, flat_i32, 1),
};
#undef PRIM

static bool is_prim(const weft_ctype *t)
{
    return (uintptr_t)t - (uintptr_t)prims < sizeof prims;
}

weft_status wc_types_init(wc_types *a, const weft_engine *e)
{
    memset(a, 0, sizeof *a);
    a->engine = e;
    a->v = WU_NEW_ARRAY(e, weft_ctype *, 64);
    if (!a->v)
        return WEFT_NOMEM;
    a->cap = 64;
    for (uint32_t k = 0; k < WC_NPRIM; k++)
        a->v[k] = (weft_ctype *)&prims[k];   /* never written: see is_prim */
    a->n = WC_NPRIM;
    return WEFT_OK;
}

void wc_types_free(wc_types *a)
{
    if (!a || !a->engine)
        return;
    for (uint32_t i = 0; i < a->n; i++)
        if (a->v[i] && !is_prim(a->v[i]))
            free_entry(a->engine, a->v[i]);
    if (a->v)
        WU_FREE_ARRAY(a->engine, a->v, a->cap);
    const weft_engine *e = a->engine;
    memset(a, 0, sizeof *a);
    a->engine = e;
}

wc_tid wc_type_new(wc_types *a, uint8_t kind)
{
    if (a->n == a->cap) {
        if (a->cap >= (UINT32_MAX - 1) / 2)
            return WC_NONE;
        uint32_t cap = a->cap ? a->cap * 2 : 64;
        weft_ctype **v = wu_realloc(a->engine, a->v, sizeof *v * (size_t)a->cap,
                                    sizeof *v * (size_t)cap);
        if (!v)
            return WC_NONE;
        a->v = v;
        a->cap = cap;
    }
    weft_ctype *t = wu_alloc(a->engine, sizeof *t);
    if (!t)
        return WC_NONE;
    t->kind = kind;
    t->arena = a;
    t->id = a->n;
    a->v[a->n] = t;
    return a->n++;
}

/* ---------------------------------------------------------------- */
/* Layout                                                            */
/* ---------------------------------------------------------------- */

#define WC_MAX_TYPE_DEPTH 256u
#define SIZE_LIMIT 0xfffffff0u   /* sizes at or past this are "too large" */

static uint64_t align_up(uint64_t x, uint32_t a) { return (x + a - 1) & ~(uint64_t)(a - 1); }

/* Discriminant size in bytes of a variant with n cases (1 <= n). */
static uint32_t disc_size(uint32_t n)
{
    return n <= 256u ? 1u : n <= 65536u ? 2u : 4u;
}

/* The spec's join of two flat types. */
static uint8_t join(uint8_t a, uint8_t b)
{
    if (a == b)
        return a;
    if ((a == WEFT_I32 && b == WEFT_F32) || (a == WEFT_F32 && b == WEFT_I32))
        return WEFT_I32;
    return WEFT_I64;
}

typedef struct lay {
    uint64_t size;
    uint32_t align;
    uint32_t nflat;          /* may exceed 16 (then flat is incomplete) */
    uint8_t flat[WC_MAX_FLAT_PARAMS];
    bool bad;
} lay;

static void lay_push(lay *l, uint8_t k)
{
    if (l->nflat < WC_MAX_FLAT_PARAMS)
        l->flat[l->nflat] = k;
    if (l->nflat < 1000u)
        l->nflat++;
}

static void lay_prim(lay *l, uint32_t size, uint8_t k)
{
    l->size = size;
    l->align = size;
    lay_push(l, k);
}

static void layout_rec(wc_types *a, wc_tid id, unsigned depth);

/* The laid-out child type, or NULL if it has no layout. */
static const weft_ctype *child(wc_types *a, wc_tid id, unsigned depth)
{
    if (id == WC_NONE || id >= a->n)
        return NULL;
    weft_ctype *c = a->v[id];
    if (c->kind >= WEFT_C_KIND_COUNT_)
        return NULL;
    if (c->align == 0)
        layout_rec(a, id, depth + 1);
    return c->align ? c : NULL;
}

static void lay_append_flat(lay *l, const weft_ctype *c)
{
    if (c->nflat == WC_FLAT_OVER) {
        l->nflat = 1000u;
        return;
    }
    for (uint32_t i = 0; i < c->nflat; i++)
        lay_push(l, c->flat[i]);
}

static void lay_record(wc_types *a, lay *l, const wc_tid *elems, uint32_t n, unsigned depth)
{
    uint64_t s = 0;
    uint32_t al = 1;
    for (uint32_t i = 0; i < n; i++) {
        const weft_ctype *c = child(a, elems ? elems[i] : WC_NONE, depth);
        if (!c) {
            l->bad = true;
            return;
        }
        s = align_up(s, c->align) + c->size;
        if (c->align > al)
            al = c->align;
        if (s >= SIZE_LIMIT) {
            l->bad = true;
            return;
        }
        lay_append_flat(l, c);
    }
    l->size = align_up(s, al);
    l->align = al;
}

/* A variant given by its case payload types (WC_NONE: none). */
static void lay_variant(wc_types *a, lay *l, uint32_t n, wc_tid (*case_t)(const weft_ctype *, uint32_t),
                        const weft_ctype *t, unsigned depth)
{
    if (n == 0) {
        l->bad = true;
        return;
    }
    uint32_t ds = disc_size(n);
    uint32_t maxal = 1;
    uint64_t maxsize = 0;
    uint8_t flat[WC_MAX_FLAT_PARAMS];
    uint32_t nflat = 0;
    bool over = false;
    for (uint32_t i = 0; i < n; i++) {
        wc_tid ct = case_t(t, i);
        if (ct == WC_NONE)
            continue;
        const weft_ctype *c = child(a, ct, depth);
        if (!c) {
            l->bad = true;
            return;
        }
        if (c->align > maxal)
            maxal = c->align;
        if (c->size > maxsize)
            maxsize = c->size;
        if (c->nflat == WC_FLAT_OVER) {
            over = true;
            continue;
        }
        for (uint32_t j = 0; j < c->nflat; j++) {
            if (j < nflat)
                flat[j] = join(flat[j], c->flat[j]);
            else
                flat[nflat++] = c->flat[j];
        }
    }
    uint64_t s = align_up(ds, maxal) + maxsize;
    l->align = ds > maxal ? ds : maxal;
    l->size = align_up(s, l->align);
    if (l->size >= SIZE_LIMIT) {
        l->bad = true;
        return;
    }
    lay_push(l, WEFT_I32);
    if (over)
        l->nflat = 1000u;
    else
        for (uint32_t j = 0; j < nflat; j++)
            lay_push(l, flat[j]);
}

static wc_tid case_variant(const weft_ctype *t, uint32_t i) { return t->elems ? t->elems[i] : WC_NONE; }
static wc_tid case_enum(const weft_ctype *t, uint32_t i) { (void)t; (void)i; return WC_NONE; }
static wc_tid case_option(const weft_ctype *t, uint32_t i) { return i == 1 ? t->elem : WC_NONE; }
static wc_tid case_result(const weft_ctype *t, uint32_t i) { return i == 0 ? t->elem : t->err; }

static void layout_rec(wc_types *a, wc_tid id, unsigned depth)
{
    weft_ctype *t = a->v[id];
    if (is_prim(t))
        return;   /* laid out already, and read-only */
    const weft_engine *e = a->engine;
    if (t->flat) {
        wu_free(e, t->flat, t->nflat);
        t->flat = NULL;
    }
    t->size = 0;
    t->align = 0;
    t->nflat = 0;
    if (t->kind >= WEFT_C_KIND_COUNT_)
        return;   /* not a value type: no layout */
    lay l;
    memset(&l, 0, sizeof l);
    if (depth > WC_MAX_TYPE_DEPTH) {
        l.bad = true;
    } else {
        switch (t->kind) {
        case WEFT_C_BOOL: case WEFT_C_S8: case WEFT_C_U8: lay_prim(&l, 1, WEFT_I32); break;
        case WEFT_C_S16: case WEFT_C_U16: lay_prim(&l, 2, WEFT_I32); break;
        case WEFT_C_S32: case WEFT_C_U32: case WEFT_C_CHAR:
        case WEFT_C_ERROR_CONTEXT: case WEFT_C_OWN: case WEFT_C_BORROW:
        case WEFT_C_STREAM: case WEFT_C_FUTURE:
            lay_prim(&l, 4, WEFT_I32);
            break;
        case WEFT_C_S64: case WEFT_C_U64: lay_prim(&l, 8, WEFT_I64); break;
        case WEFT_C_F32: lay_prim(&l, 4, WEFT_F32); break;
        case WEFT_C_F64: lay_prim(&l, 8, WEFT_F64); break;
        case WEFT_C_STRING:
        case WEFT_C_LIST:
            if (t->kind == WEFT_C_LIST && !child(a, t->elem, depth)) {
                l.bad = true;
                break;
            }
            l.size = 8;
            l.align = 4;
            lay_push(&l, WEFT_I32);
            lay_push(&l, WEFT_I32);
            break;
        case WEFT_C_RECORD:
        case WEFT_C_TUPLE:
            lay_record(a, &l, t->elems, t->n, depth);
            break;
        case WEFT_C_FLAGS:
            if (t->n == 0 || t->n > 32)
                l.bad = true;
            else
                lay_prim(&l, t->n <= 8 ? 1 : t->n <= 16 ? 2 : 4, WEFT_I32);
            break;
        case WEFT_C_VARIANT: lay_variant(a, &l, t->n, case_variant, t, depth); break;
        case WEFT_C_ENUM: lay_variant(a, &l, t->n, case_enum, t, depth); break;
        case WEFT_C_OPTION: lay_variant(a, &l, 2, case_option, t, depth); break;
        case WEFT_C_RESULT: lay_variant(a, &l, 2, case_result, t, depth); break;
        default: l.bad = true; break;
        }
    }
    if (l.bad) {
        t->nflat = WC_FLAT_OVER;
        return;
    }
    t->size = (uint32_t)l.size;
    t->align = l.align;
    if (l.nflat > WC_MAX_FLAT_PARAMS) {
        t->nflat = WC_FLAT_OVER;
    } else {
        t->nflat = (uint8_t)l.nflat;
        if (l.nflat) {
            t->flat = wu_alloc(e, l.nflat);
            if (!t->flat) {   /* out of memory: leave the type without layout */
                t->size = 0;
                t->align = 0;
                t->nflat = WC_FLAT_OVER;
                return;
            }
            memcpy(t->flat, l.flat, l.nflat);
        }
    }
}

void wc_type_layout(wc_types *a, wc_tid id)
{
    if (a && id < a->n)
        layout_rec(a, id, 0);
}

uint32_t wc_flatten_types(const wc_types *a, const wc_tid *ts, uint32_t n,
                          uint8_t *out, uint32_t cap)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (ts[i] >= a->n)
            return WC_FLAT_OVER;
        const weft_ctype *t = a->v[ts[i]];
        if (t->align == 0 || t->nflat == WC_FLAT_OVER)
            return WC_FLAT_OVER;
        if (k + t->nflat > WC_MAX_FLAT_PARAMS)
            return WC_FLAT_OVER;
        for (uint32_t j = 0; j < t->nflat; j++, k++)
            if (out && k < cap)
                out[k] = t->flat[j];
    }
    return k;
}

/* ---------------------------------------------------------------- */
/* Equality                                                          */
/* ---------------------------------------------------------------- */

static bool str_eq(const char *x, const char *y)
{
    if (!x || !y)
        return x == y;
    return strcmp(x, y) == 0;
}

static bool labels_eq(const weft_ctype *x, const weft_ctype *y)
{
    for (uint32_t i = 0; i < x->n; i++) {
        const char *lx = x->labels ? x->labels[i] : NULL;
        const char *ly = y->labels ? y->labels[i] : NULL;
        if (!str_eq(lx, ly))
            return false;
    }
    return true;
}

static bool eq_rec(const wc_types *a, wc_tid x, const wc_types *b, wc_tid y, unsigned depth);

/* Optional types: both absent, or both present and equal. */
static bool opt_eq(const wc_types *a, wc_tid x, const wc_types *b, wc_tid y, unsigned depth)
{
    if (x == WC_NONE || y == WC_NONE)
        return x == y;
    return eq_rec(a, x, b, y, depth + 1);
}

static bool elems_eq(const wc_types *a, const weft_ctype *x, const wc_types *b,
                     const weft_ctype *y, unsigned depth)
{
    for (uint32_t i = 0; i < x->n; i++) {
        wc_tid ex = x->elems ? x->elems[i] : WC_NONE;
        wc_tid ey = y->elems ? y->elems[i] : WC_NONE;
        if (!opt_eq(a, ex, b, ey, depth))
            return false;
    }
    return true;
}

static bool resource_eq(const wc_types *a, wc_tid x, const wc_types *b, wc_tid y)
{
    if (x >= a->n || y >= b->n)
        return false;
    const weft_ctype *rx = a->v[x], *ry = b->v[y];
    if (rx->kind != WC_K_RESOURCE || ry->kind != WC_K_RESOURCE)
        return a == b && x == y;
    /* Within one component resources are the same when they share an
     * identity. Across components (the run-time linker comparing an import
     * with another component's export) resource ids are unrelated: the
     * identity is then checked at run time, where handles carry their type. */
    if (a != b)
        return true;
    return rx->resource_id == ry->resource_id;
}

static bool eq_rec(const wc_types *a, wc_tid x, const wc_types *b, wc_tid y, unsigned depth)
{
    if (a == b && x == y)
        return true;
    if (x >= a->n || y >= b->n || depth > WC_MAX_TYPE_DEPTH)
        return false;
    const weft_ctype *tx = a->v[x], *ty = b->v[y];
    if (tx->kind != ty->kind)
        return false;
    switch (tx->kind) {
    case WEFT_C_RECORD:
    case WEFT_C_VARIANT:
        return tx->n == ty->n && labels_eq(tx, ty) && elems_eq(a, tx, b, ty, depth);
    case WEFT_C_TUPLE:
        return tx->n == ty->n && elems_eq(a, tx, b, ty, depth);
    case WEFT_C_FLAGS:
    case WEFT_C_ENUM:
        return tx->n == ty->n && labels_eq(tx, ty);
    case WEFT_C_LIST:
    case WEFT_C_OPTION:
    case WEFT_C_STREAM:
    case WEFT_C_FUTURE:
        return opt_eq(a, tx->elem, b, ty->elem, depth);
    case WEFT_C_RESULT:
        return opt_eq(a, tx->elem, b, ty->elem, depth) && opt_eq(a, tx->err, b, ty->err, depth);
    case WEFT_C_OWN:
    case WEFT_C_BORROW:
        return resource_eq(a, tx->elem, b, ty->elem);
    case WC_K_FUNC:
        return tx->n == ty->n && labels_eq(tx, ty) && elems_eq(a, tx, b, ty, depth) &&
               opt_eq(a, tx->elem, b, ty->elem, depth);
    case WC_K_RESOURCE:
        return resource_eq(a, x, b, y);
    default:
        /* primitives are equal by kind; other kinds only to themselves */
        return tx->kind < WC_NPRIM;
    }
}

bool wc_type_equal(const wc_types *a, wc_tid x, const wc_types *b, wc_tid y)
{
    return a && b && eq_rec(a, x, b, y, 0);
}

/* ---------------------------------------------------------------- */
/* Public inspection                                                 */
/* ---------------------------------------------------------------- */

const char *weft_ckind_name(weft_ckind k)
{
    static const char *const names[WEFT_C_KIND_COUNT_] = {
        "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64",
        "f32", "f64", "char", "string", "error-context",
        "record", "variant", "list", "tuple", "flags", "enum", "option",
        "result", "own", "borrow", "stream", "future",
    };
    if ((unsigned)k < WEFT_C_KIND_COUNT_)
        return names[k];
    return "unknown";
}

weft_ckind weft_ctype_kind(const weft_ctype *t)
{
    return (weft_ckind)t->kind;
}

uint32_t weft_ctype_count(const weft_ctype *t)
{
    if (!t)
        return 0;
    switch (t->kind) {
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_TUPLE:
    case WEFT_C_FLAGS: case WEFT_C_ENUM:
        return t->n;
    default:
        return 0;
    }
}

const char *weft_ctype_label(const weft_ctype *t, uint32_t i)
{
    if (!t || !t->labels || i >= t->n)
        return NULL;
    switch (t->kind) {
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_FLAGS: case WEFT_C_ENUM:
        return t->labels[i];
    default:
        return NULL;
    }
}

static const weft_ctype *resolve(const weft_ctype *t, wc_tid id)
{
    if (id == WC_NONE || !t->arena || id >= t->arena->n)
        return NULL;
    return t->arena->v[id];
}

const weft_ctype *weft_ctype_elem(const weft_ctype *t, uint32_t i)
{
    if (!t)
        return NULL;
    switch (t->kind) {
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_TUPLE:
        return t->elems && i < t->n ? resolve(t, t->elems[i]) : NULL;
    case WEFT_C_LIST: case WEFT_C_OPTION: case WEFT_C_STREAM: case WEFT_C_FUTURE:
        return i == 0 ? resolve(t, t->elem) : NULL;
    case WEFT_C_RESULT:
        return i == 0 ? resolve(t, t->elem) : i == 1 ? resolve(t, t->err) : NULL;
    default:
        return NULL;
    }
}
