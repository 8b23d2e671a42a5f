/*
 * test_canon.c - the canonical ABI: type layout (ctypes.c) and lifting,
 * lowering, handle tables and resource built-ins (canon.c).
 *
 * A hand-assembled core module provides the guest side: a memory, a bump
 * allocator exported as `realloc` (the Heap of the spec's run_tests.py: a
 * shrinking call returns the aligned old pointer, anything else takes fresh
 * space and copies the old bytes; it traps past the end of memory), a
 * destructor `dtor`, and globals to move the heap (`bump`), force realloc's
 * result (`force`) or make every realloc grow memory (`grow`). Every realloc
 * call is logged through an imported host function.
 *
 *   unit_canon          the unit tests below
 *   unit_canon FILE     the cases canon_ref.py computed with the spec's
 *                       Python reference (definitions.py), compared exactly:
 *                       flat values, realloc calls, memory bytes, values
 *                       lifted back, traps.
 */
#define _POSIX_C_SOURCE 200809L
#include "unit_check.h"

#include <stdarg.h>

#include "component/ctypes.h"
#include "core/util.h"

/* ---------------------------------------------------------------- */
/* An allocator that counts live blocks and can fail on demand        */
/* ---------------------------------------------------------------- */

static long g_live;
static long g_allocs;
static long g_fail_at = -1;   /* allocation number that fails, or -1 */

static void *test_alloc(void *ud, void *p, size_t old, size_t size)
{
    (void)ud;
    (void)old;
    if (size == 0) {
        if (p) {
            g_live--;
            free(p);
        }
        return NULL;
    }
    if (g_fail_at >= 0 && g_allocs++ == g_fail_at)
        return NULL;
    if (!p) {
        void *q = malloc(size);
        if (q)
            g_live++;
        return q;
    }
    return realloc(p, size);
}

/* ---------------------------------------------------------------- */
/* The guest module, assembled by hand                                */
/* ---------------------------------------------------------------- */

typedef struct bb {
    uint8_t b[1024];
    size_t n;
} bb;

static void put(bb *o, const uint8_t *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void put1(bb *o, uint8_t x) { o->b[o->n++] = x; }
static void putu(bb *o, uint32_t v)
{
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        put1(o, (uint8_t)(x | (v ? 0x80 : 0)));
    } while (v);
}
static void putname(bb *o, const char *s)
{
    putu(o, (uint32_t)strlen(s));
    put(o, (const uint8_t *)s, strlen(s));
}
static void section(bb *o, uint8_t id, const bb *c)
{
    put1(o, id);
    putu(o, (uint32_t)c->n);
    put(o, c->b, c->n);
}

static size_t build_module(uint8_t *out)
{
    bb m = { { 0 }, 0 }, s;
    static const uint8_t magic[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    put(&m, magic, sizeof magic);

    /* types: 0 (i32 i32 i32 i32) -> ()   1 (i32 i32 i32 i32) -> i32   2 (i32) -> () */
    static const uint8_t types[] = { 3,
                                     0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0,
                                     0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f,
                                     0x60, 1, 0x7f, 0 };
    s.n = 0;
    put(&s, types, sizeof types);
    section(&m, 1, &s);

    /* import env.log: func type 0 */
    s.n = 0;
    putu(&s, 1);
    putname(&s, "env");
    putname(&s, "log");
    put1(&s, 0x00);
    putu(&s, 0);
    section(&m, 2, &s);

    /* functions: realloc (type 1), dtor (type 2) */
    static const uint8_t funcs[] = { 2, 1, 2 };
    s.n = 0;
    put(&s, funcs, sizeof funcs);
    section(&m, 3, &s);

    /* memory: one page, no maximum */
    static const uint8_t mems[] = { 1, 0x00, 1 };
    s.n = 0;
    put(&s, mems, sizeof mems);
    section(&m, 5, &s);

    /* globals: bump = 0, force = -1, grow = 0 (mutable i32) */
    static const uint8_t globals[] = { 3,
                                       0x7f, 1, 0x41, 0x00, 0x0b,
                                       0x7f, 1, 0x41, 0x7f, 0x0b,
                                       0x7f, 1, 0x41, 0x00, 0x0b };
    s.n = 0;
    put(&s, globals, sizeof globals);
    section(&m, 6, &s);

    /* exports */
    s.n = 0;
    putu(&s, 6);
    putname(&s, "mem");     put1(&s, 2); putu(&s, 0);
    putname(&s, "bump");    put1(&s, 3); putu(&s, 0);
    putname(&s, "force");   put1(&s, 3); putu(&s, 1);
    putname(&s, "grow");    put1(&s, 3); putu(&s, 2);
    putname(&s, "realloc"); put1(&s, 0); putu(&s, 1);
    putname(&s, "dtor");    put1(&s, 0); putu(&s, 2);
    section(&m, 7, &s);

    /* realloc(p, old, al, new) -> i32, one local r (index 4) */
    static const uint8_t realloc_body[] = {
        1, 1, 0x7f,                                     /* local r: i32 */
        0x20, 0, 0x20, 1, 0x20, 2, 0x20, 3, 0x10, 0,    /* call log(p, old, al, new) */
        0x23, 1, 0x41, 0x7f, 0x47, 0x04, 0x40,          /* if force != -1 */
        0x23, 1, 0x0f, 0x0b,                            /*   return force */
        0x23, 2, 0x04, 0x40,                            /* if grow */
        0x41, 1, 0x40, 0, 0x1a, 0x0b,                   /*   drop(memory.grow(1)) */
        0x20, 0, 0x41, 0, 0x47,                         /* p != 0 */
        0x20, 3, 0x20, 1, 0x49, 0x71, 0x04, 0x40,       /* & new < old: if */
        0x20, 0, 0x20, 2, 0x41, 1, 0x6b, 0x6a,          /*   (p + al - 1) */
        0x41, 0, 0x20, 2, 0x6b, 0x71, 0x0f, 0x0b,       /*   & -al; return */
        0x23, 0, 0x20, 2, 0x41, 1, 0x6b, 0x6a,          /* r = (bump + al - 1) */
        0x41, 0, 0x20, 2, 0x6b, 0x71, 0x21, 4,          /*     & -al */
        0x20, 4, 0x20, 3, 0x6a, 0x24, 0,                /* bump = r + new */
        0x23, 0, 0x3f, 0, 0x41, 16, 0x74, 0x4b,         /* if bump > memory.size << 16 */
        0x04, 0x40, 0x00, 0x0b,                         /*   unreachable */
        0x20, 4, 0x20, 0, 0x20, 1, 0xfc, 10, 0, 0,      /* memory.copy(r, p, old) */
        0x20, 4, 0x0b                                   /* r */
    };
    /* dtor(rep): log(rep, -1, -1, -1) */
    static const uint8_t dtor_body[] = {
        0, 0x20, 0, 0x41, 0x7f, 0x41, 0x7f, 0x41, 0x7f, 0x10, 0, 0x0b
    };
    s.n = 0;
    putu(&s, 2);
    putu(&s, sizeof realloc_body);
    put(&s, realloc_body, sizeof realloc_body);
    putu(&s, sizeof dtor_body);
    put(&s, dtor_body, sizeof dtor_body);
    section(&m, 10, &s);

    memcpy(out, m.b, m.n);
    return m.n;
}

/* ---------------------------------------------------------------- */
/* Fixture                                                           */
/* ---------------------------------------------------------------- */

static weft_engine *g_e;
static weft_module *g_m;
static wc_types g_t;
static wc_tid g_res[3];                 /* resource types in the arena */
static weft_resource_type g_rt[3];      /* their run-time types */
static weft_resource_type *g_rtp[3];
static wc_cinst g_other;                /* another instance */
static uint32_t g_log[512][4];
static unsigned g_nlog;
static uint32_t g_host_dtor_reps[64];
static unsigned g_nhost_dtor;

static weft_trap_kind log_fn(weft_caller *c, void *user, const weft_val *args, weft_val *res)
{
    (void)c;
    (void)user;
    (void)res;
    if (g_nlog < 512)
        for (int i = 0; i < 4; i++)
            g_log[g_nlog][i] = (uint32_t)args[i].of.i32;
    g_nlog++;
    return WEFT_TRAP_NONE;
}

static void host_dtor(void *user, uint32_t rep)
{
    (void)user;
    if (g_nhost_dtor < 64)
        g_host_dtor_reps[g_nhost_dtor] = rep;
    g_nhost_dtor++;
}

typedef struct fx {
    weft_store *st;
    weft_instance *inst;
    weft_memory *mem;
    weft_func *realloc, *dtor;
    weft_global *bump, *force, *grow;
    wc_opts opts;
    wc_cinst ci;
    wc_cx cx;
} fx;

static weft_extern fx_export(weft_instance *inst, const char *name)
{
    weft_extern x;
    memset(&x, 0, sizeof x);
    if (!weft_instance_export(inst, name, &x))
        printf("  no export %s\n", name);
    return x;
}

static bool fx_init(fx *f, uint8_t enc)
{
    memset(f, 0, sizeof *f);
    f->st = weft_store_new(g_e);
    weft_valkind p[4] = { WEFT_I32, WEFT_I32, WEFT_I32, WEFT_I32 };
    weft_functype ft = { 4, 0, p, NULL };
    weft_func *log = weft_func_new(f->st, &ft, log_fn, NULL, NULL);
    weft_extern imp = { WEFT_EXTERN_FUNC, { .func = log } };
    weft_error err;
    if (weft_instance_new(f->st, g_m, &imp, 1, &f->inst, &err) != WEFT_OK) {
        printf("  instantiate: %s\n", err.message);
        return false;
    }
    f->mem = fx_export(f->inst, "mem").of.memory;
    f->realloc = fx_export(f->inst, "realloc").of.func;
    f->dtor = fx_export(f->inst, "dtor").of.func;
    f->bump = fx_export(f->inst, "bump").of.global;
    f->force = fx_export(f->inst, "force").of.global;
    f->grow = fx_export(f->inst, "grow").of.global;
    f->opts.encoding = enc;
    f->opts.memory = f->mem;
    f->opts.realloc = f->realloc;
    f->ci.may_leave = true;
    f->cx.store = f->st;
    f->cx.types = &g_t;
    f->cx.opts = &f->opts;
    f->cx.inst = &f->ci;
    f->cx.scope = 1;
    f->cx.rtypes = g_rtp;
    f->cx.nrtypes = 3;
    g_rt[1].impl = &f->ci;
    g_rt[1].dtor = f->dtor;
    g_nlog = 0;
    g_nhost_dtor = 0;
    weft_global_set(f->bump, weft_val_i32(1024));
    return true;
}

static void fx_free(fx *f)
{
    wc_cx_end_call(&f->cx);
    wc_htable_free(g_e, &f->ci.handles);
    weft_store_delete(f->st);
}

static uint8_t *mdata(fx *f) { return weft_memory_data(f->mem); }

/* ---------------------------------------------------------------- */
/* Types and values from text                                        */
/* ---------------------------------------------------------------- */

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static size_t atom(const char **p, char *buf, size_t cap)
{
    skip_ws(p);
    size_t n = 0;
    while (**p && !strchr(" \t\r\n()[]", **p)) {
        if (n + 1 < cap)
            buf[n++] = **p;
        (*p)++;
    }
    buf[n] = 0;
    return n;
}

static const char *const g_prims[] = { "bool", "s8", "u8", "s16", "u16", "s32", "u32",
                                       "s64", "u64", "f32", "f64", "char", "string" };

/* Element and label arrays of test types (the arena does not own them). */
static void **g_pool;
static size_t g_npool, g_cappool;

static void *pool_alloc(size_t size)
{
    if (g_npool == g_cappool) {
        g_cappool = g_cappool ? g_cappool * 2 : 256;
        g_pool = realloc(g_pool, g_cappool * sizeof *g_pool);
    }
    return g_pool[g_npool++] = calloc(1, size ? size : 1);
}

static void pool_free(void)
{
    for (size_t i = 0; i < g_npool; i++)
        free(g_pool[i]);
    free(g_pool);
}

static wc_tid new_type(uint8_t kind, uint32_t n)
{
    wc_tid id = wc_type_new(&g_t, kind);
    weft_ctype *t = wc_type(&g_t, id);
    t->n = n;
    t->elem = t->err = WC_NONE;
    if (kind == WEFT_C_RECORD || kind == WEFT_C_TUPLE || kind == WEFT_C_VARIANT ||
        kind == WC_K_FUNC)
        t->elems = pool_alloc(n * sizeof(wc_tid));
    return id;
}

static wc_tid parse_type(const char **p)
{
    char a[64];
    skip_ws(p);
    if (**p == '_') {
        (*p)++;
        return WC_NONE;
    }
    if (**p != '(') {
        atom(p, a, sizeof a);
        for (unsigned k = 0; k < 13; k++)
            if (!strcmp(a, g_prims[k]))
                return k;
        printf("  unknown type %s\n", a);
        return 0;
    }
    (*p)++;
    atom(p, a, sizeof a);
    wc_tid id;
    if (!strcmp(a, "list") || !strcmp(a, "option")) {
        wc_tid e = parse_type(p);
        id = new_type(a[0] == 'l' ? WEFT_C_LIST : WEFT_C_OPTION, 0);
        wc_type(&g_t, id)->elem = e;
    } else if (!strcmp(a, "result")) {
        wc_tid ok = parse_type(p), er = parse_type(p);
        id = new_type(WEFT_C_RESULT, 0);
        wc_type(&g_t, id)->elem = ok;
        wc_type(&g_t, id)->err = er;
    } else if (!strcmp(a, "enum") || !strcmp(a, "flags")) {
        char num[32];
        atom(p, num, sizeof num);
        id = new_type(a[0] == 'e' ? WEFT_C_ENUM : WEFT_C_FLAGS, (uint32_t)strtoul(num, NULL, 0));
    } else if (!strcmp(a, "own") || !strcmp(a, "borrow")) {
        char num[32];
        atom(p, num, sizeof num);
        id = new_type(a[0] == 'o' ? WEFT_C_OWN : WEFT_C_BORROW, 0);
        wc_type(&g_t, id)->elem = g_res[strtoul(num, NULL, 0)];
    } else {
        uint8_t kind = !strcmp(a, "record") ? WEFT_C_RECORD
                     : !strcmp(a, "tuple") ? WEFT_C_TUPLE : WEFT_C_VARIANT;
        wc_tid elems[64];
        uint32_t n = 0;
        skip_ws(p);
        while (**p != ')' && n < 64) {
            elems[n++] = parse_type(p);
            skip_ws(p);
        }
        id = new_type(kind, n);
        memcpy(wc_type(&g_t, id)->elems, elems, n * sizeof *elems);
    }
    skip_ws(p);
    if (**p == ')')
        (*p)++;
    wc_type_layout(&g_t, id);
    return id;
}

static wc_tid T(const char *s) { return parse_type(&s); }

static const weft_ctype *ty(wc_tid id) { return wc_type(&g_t, id); }

static uint32_t n_cases(const weft_ctype *t)
{
    return t->kind == WEFT_C_OPTION || t->kind == WEFT_C_RESULT ? 2 : t->n;
}

static wc_tid case_of(const weft_ctype *t, uint32_t i)
{
    switch (t->kind) {
    case WEFT_C_VARIANT: return t->elems[i];
    case WEFT_C_OPTION: return i == 1 ? t->elem : WC_NONE;
    case WEFT_C_RESULT: return i == 0 ? t->elem : t->err;
    default: return WC_NONE;
    }
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A test-owned value (malloc); strings are len + 2 bytes as canon.c lays
 * them out (the byte after the NUL: held as UTF-16 by a latin1+utf16
 * source). */
static void tv_free(weft_cval *v)
{
    switch (v->kind) {
    case WEFT_C_STRING: free((void *)(uintptr_t)v->of.str.ptr); break;
    case WEFT_C_LIST: case WEFT_C_RECORD: case WEFT_C_TUPLE:
        for (size_t i = 0; i < v->of.list.len; i++)
            tv_free(&v->of.list.items[i]);
        free(v->of.list.items);
        break;
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT:
        if (v->of.variant.payload) {
            tv_free(v->of.variant.payload);
            free(v->of.variant.payload);
        }
        break;
    default: break;
    }
    memset(v, 0, sizeof *v);
}

static weft_cval mkstr(const char *s)
{
    weft_cval v;
    memset(&v, 0, sizeof v);
    v.kind = WEFT_C_STRING;
    size_t n = strlen(s);
    char *p = calloc(1, n + 2);
    memcpy(p, s, n);
    v.of.str.ptr = p;
    v.of.str.len = n;
    return v;
}

static void parse_val(wc_tid tid, const char **p, weft_cval *out)
{
    const weft_ctype *t = ty(tid);
    memset(out, 0, sizeof *out);
    out->kind = (weft_ckind)t->kind;
    skip_ws(p);
    char a[256];
    switch (t->kind) {
    case WEFT_C_LIST: case WEFT_C_RECORD: case WEFT_C_TUPLE: {
        (*p)++;   /* [ */
        size_t n = 0, cap = 0;
        weft_cval *items = NULL;
        skip_ws(p);
        while (**p && **p != ']') {
            if (n == cap) {
                cap = cap ? cap * 2 : 4;
                items = realloc(items, cap * sizeof *items);
            }
            wc_tid et = t->kind == WEFT_C_LIST ? t->elem : t->elems[n];
            parse_val(et, p, &items[n++]);
            skip_ws(p);
        }
        (*p)++;
        out->of.list.items = items;
        out->of.list.len = n;
        return;
    }
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT: {
        (*p)++;   /* ( */
        atom(p, a, sizeof a);
        out->of.variant.disc = (uint32_t)strtoul(a, NULL, 0);
        skip_ws(p);
        if (**p != ')') {
            out->of.variant.payload = calloc(1, sizeof(weft_cval));
            parse_val(case_of(t, out->of.variant.disc), p, out->of.variant.payload);
            skip_ws(p);
        }
        (*p)++;
        return;
    }
    default:
        break;
    }
    atom(p, a, sizeof a);
    switch (t->kind) {
    case WEFT_C_BOOL: out->of.b = !strcmp(a, "true"); break;
    case WEFT_C_S8: case WEFT_C_S16: case WEFT_C_S32: case WEFT_C_S64:
        out->of.s = strtoll(a, NULL, 0);
        break;
    case WEFT_C_U8: case WEFT_C_U16: case WEFT_C_U32: case WEFT_C_U64:
        out->of.u = strtoull(a, NULL, 0);
        break;
    case WEFT_C_F32: {
        uint32_t b = (uint32_t)strtoul(a, NULL, 0);
        memcpy(&out->of.f32, &b, 4);
        break;
    }
    case WEFT_C_F64: {
        uint64_t b = strtoull(a, NULL, 0);
        memcpy(&out->of.f64, &b, 8);
        break;
    }
    case WEFT_C_CHAR: out->of.ch = (uint32_t)strtoul(a, NULL, 0); break;
    case WEFT_C_FLAGS: out->of.flags = (uint32_t)strtoul(a, NULL, 0); break;
    case WEFT_C_STRING: {
        /* s:HEX, or t:HEX for a string held as UTF-16 */
        size_t hn = strlen(a + 2) / 2;
        char *s = calloc(1, hn + 2);
        for (size_t i = 0; i < hn; i++)
            s[i] = (char)(hexval(a[2 + 2 * i]) << 4 | hexval(a[3 + 2 * i]));
        s[hn + 1] = a[0] == 't';
        out->of.str.ptr = s;
        out->of.str.len = hn;
        break;
    }
    default:
        break;
    }
}

static weft_cval V(wc_tid t, const char *s)
{
    weft_cval v;
    parse_val(t, &s, &v);
    return v;
}

/* A growable string. */
typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sbf(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->n + (size_t)k + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap2);
    va_end(ap2);
    b->n += (size_t)k;
}

static void print_val(sb *b, wc_tid tid, const weft_cval *v)
{
    const weft_ctype *t = ty(tid);
    if (v->kind != (weft_ckind)t->kind) {
        sbf(b, "<kind %s>", weft_ckind_name(v->kind));
        return;
    }
    switch (t->kind) {
    case WEFT_C_BOOL: sbf(b, "%s", v->of.b ? "true" : "false"); break;
    case WEFT_C_S8: case WEFT_C_S16: case WEFT_C_S32: case WEFT_C_S64:
        sbf(b, "%lld", (long long)v->of.s);
        break;
    case WEFT_C_U8: case WEFT_C_U16: case WEFT_C_U32: case WEFT_C_U64:
        sbf(b, "%llu", (unsigned long long)v->of.u);
        break;
    case WEFT_C_F32: {
        uint32_t x;
        memcpy(&x, &v->of.f32, 4);
        sbf(b, "0x%08x", x);
        break;
    }
    case WEFT_C_F64: {
        uint64_t x;
        memcpy(&x, &v->of.f64, 8);
        sbf(b, "0x%016llx", (unsigned long long)x);
        break;
    }
    case WEFT_C_CHAR: sbf(b, "%u", v->of.ch); break;
    case WEFT_C_FLAGS: sbf(b, "%u", v->of.flags); break;
    case WEFT_C_STRING:
        sbf(b, "s:");
        for (size_t i = 0; i < v->of.str.len; i++)
            sbf(b, "%02x", (uint8_t)v->of.str.ptr[i]);
        break;
    case WEFT_C_LIST: case WEFT_C_RECORD: case WEFT_C_TUPLE:
        sbf(b, "[");
        for (size_t i = 0; i < v->of.list.len; i++) {
            if (i)
                sbf(b, " ");
            print_val(b, t->kind == WEFT_C_LIST ? t->elem : t->elems[i], &v->of.list.items[i]);
        }
        sbf(b, "]");
        break;
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT: {
        uint32_t d = v->of.variant.disc;
        wc_tid ct = d < n_cases(t) ? case_of(t, d) : WC_NONE;
        sbf(b, "(%u", d);
        if (ct != WC_NONE) {
            sbf(b, " ");
            if (v->of.variant.payload)
                print_val(b, ct, v->of.variant.payload);
            else
                sbf(b, "<no payload>");
        } else if (v->of.variant.payload) {
            sbf(b, " <unexpected payload>");
        }
        sbf(b, ")");
        break;
    }
    case WEFT_C_OWN: case WEFT_C_BORROW:
        sbf(b, "<%s %u>", t->kind == WEFT_C_OWN ? "own" : "borrow", v->of.handle.res->rep);
        break;
    default:
        sbf(b, "<?>");
    }
}

static char *vstr(wc_tid t, const weft_cval *v)
{
    sb b = { NULL, 0, 0 };
    sbf(&b, "%s", "");
    print_val(&b, t, v);
    return b.p;
}

#define CHECK_VAL(t, v, want)                                                 \
    do {                                                                      \
        char *s_ = vstr((t), (v));                                            \
        CHECK_STR(s_, (want));                                                \
        free(s_);                                                             \
    } while (0)

static char *flatstr(const weft_val *f, uint32_t n)
{
    sb b = { NULL, 0, 0 };
    sbf(&b, "%s", "");
    for (uint32_t i = 0; i < n; i++) {
        unsigned long long x = f[i].kind == WEFT_I32 || f[i].kind == WEFT_F32
                                   ? (unsigned long long)f[i].of.f32_bits
                                   : (unsigned long long)f[i].of.f64_bits;
        sbf(&b, "%s%s:%llx", i ? " " : "", weft_valkind_name(f[i].kind), x);
    }
    return b.p;
}

static char *logstr(void)
{
    sb b = { NULL, 0, 0 };
    sbf(&b, "%s", "");
    for (unsigned i = 0; i < g_nlog && i < 512; i++)
        sbf(&b, "%s%u %u %u %u", i ? "; " : "", g_log[i][0], g_log[i][1], g_log[i][2],
            g_log[i][3]);
    return b.p;
}

#define CHECK_LOG(want)                                                       \
    do {                                                                      \
        char *s_ = logstr();                                                  \
        CHECK_STR(s_, (want));                                                \
        free(s_);                                                             \
    } while (0)

#define CHECK_FLAT(f, n, want)                                                \
    do {                                                                      \
        char *s_ = flatstr((f), (n));                                         \
        CHECK_STR(s_, (want));                                                \
        free(s_);                                                             \
    } while (0)

static bool mem_is(fx *f, uint32_t at, const char *bytes, size_t n)
{
    return memcmp(mdata(f) + at, bytes, n) == 0;
}

/* Lowers one value as a parameter. */
static weft_trap_kind lower1(fx *f, wc_tid t, const weft_cval *v, weft_val *flat, uint32_t *n)
{
    return wc_lower_values(&f->cx, WC_MAX_FLAT_PARAMS, v, &t, 1, flat, n, NULL);
}

static weft_trap_kind lift1(fx *f, wc_tid t, const weft_val *flat, uint32_t n, weft_cval *out)
{
    return wc_lift_values(&f->cx, WC_MAX_FLAT_PARAMS, flat, n, &t, 1, out);
}

static weft_val i32v(uint32_t x) { return weft_val_i32((int32_t)x); }

/* ---------------------------------------------------------------- */
/* Layout, equality, inspection                                      */
/* ---------------------------------------------------------------- */

static char *layoutstr(wc_tid id)
{
    const weft_ctype *t = ty(id);
    sb b = { NULL, 0, 0 };
    sbf(&b, "size %u align %u flat ", t->size, t->align);
    if (t->nflat == WC_FLAT_OVER)
        sbf(&b, "over");
    else if (t->nflat == 0)
        sbf(&b, "-");
    for (uint32_t i = 0; t->nflat != WC_FLAT_OVER && i < t->nflat; i++)
        sbf(&b, "%s%s", i ? "," : "", weft_valkind_name((weft_valkind)t->flat[i]));
    return b.p;
}

#define CHECK_LAYOUT(ty_, want)                                               \
    do {                                                                      \
        char *s_ = layoutstr(T(ty_));                                         \
        CHECK_STR(s_, (want));                                                \
        free(s_);                                                             \
    } while (0)

static void test_layout(void)
{
    CHECK_LAYOUT("bool", "size 1 align 1 flat i32");
    CHECK_LAYOUT("s16", "size 2 align 2 flat i32");
    CHECK_LAYOUT("f32", "size 4 align 4 flat f32");
    CHECK_LAYOUT("f64", "size 8 align 8 flat f64");
    CHECK_LAYOUT("char", "size 4 align 4 flat i32");
    CHECK_LAYOUT("string", "size 8 align 4 flat i32,i32");
    CHECK_LAYOUT("(list (record u8 u64))", "size 8 align 4 flat i32,i32");
    CHECK_LAYOUT("(record u8 u16 u32)", "size 8 align 4 flat i32,i32,i32");
    CHECK_LAYOUT("(record u8 u64 u8)", "size 24 align 8 flat i32,i64,i32");
    CHECK_LAYOUT("(tuple u8 u8)", "size 2 align 1 flat i32,i32");
    CHECK_LAYOUT("(variant u8 f32 _)", "size 8 align 4 flat i32,i32");
    CHECK_LAYOUT("(variant f32 f32)", "size 8 align 4 flat i32,f32");
    CHECK_LAYOUT("(variant u64 f32)", "size 16 align 8 flat i32,i64");
    CHECK_LAYOUT("(variant f64 f32)", "size 16 align 8 flat i32,i64");
    CHECK_LAYOUT("(variant f64 (tuple u8 f32 f32))", "size 24 align 8 flat i32,i64,f32,f32");
    CHECK_LAYOUT("(variant _ _ _)", "size 1 align 1 flat i32");
    CHECK_LAYOUT("(enum 256)", "size 1 align 1 flat i32");
    CHECK_LAYOUT("(enum 257)", "size 2 align 2 flat i32");
    CHECK_LAYOUT("(enum 65536)", "size 2 align 2 flat i32");
    CHECK_LAYOUT("(enum 65537)", "size 4 align 4 flat i32");
    CHECK_LAYOUT("(option string)", "size 12 align 4 flat i32,i32,i32");
    CHECK_LAYOUT("(result _ _)", "size 1 align 1 flat i32");
    CHECK_LAYOUT("(result u64 string)", "size 16 align 8 flat i32,i64,i32");
    CHECK_LAYOUT("(flags 8)", "size 1 align 1 flat i32");
    CHECK_LAYOUT("(flags 9)", "size 2 align 2 flat i32");
    CHECK_LAYOUT("(flags 16)", "size 2 align 2 flat i32");
    CHECK_LAYOUT("(flags 17)", "size 4 align 4 flat i32");
    CHECK_LAYOUT("(flags 32)", "size 4 align 4 flat i32");
    CHECK_LAYOUT("(flags 33)", "size 0 align 0 flat over");   /* no layout */
    CHECK_LAYOUT("(flags 0)", "size 0 align 0 flat over");
    CHECK_LAYOUT("(variant)", "size 0 align 0 flat over");
    CHECK_LAYOUT("(list (flags 40))", "size 0 align 0 flat over");
    CHECK_LAYOUT("(own 0)", "size 4 align 4 flat i32");
    CHECK_LAYOUT("(borrow 1)", "size 4 align 4 flat i32");
    CHECK_LAYOUT("(record u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32)",
                 "size 64 align 4 flat i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32,i32");
    CHECK_LAYOUT("(record u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u8)",
                 "size 68 align 4 flat over");
    CHECK_LAYOUT("(option (record u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32 u32))",
                 "size 68 align 4 flat over");

    /* flattening of several types */
    wc_tid ts[3] = { T("string"), T("(option f64)"), T("u8") };
    uint8_t out[16];
    CHECK_EQ(wc_flatten_types(&g_t, ts, 3, out, 16), 5);
    CHECK(out[0] == WEFT_I32 && out[1] == WEFT_I32 && out[2] == WEFT_I32 && out[3] == WEFT_F64 &&
          out[4] == WEFT_I32);
    wc_tid many[9];
    for (int i = 0; i < 9; i++)
        many[i] = T("string");
    CHECK_EQ(wc_flatten_types(&g_t, many, 8, NULL, 0), 16);
    CHECK_EQ(wc_flatten_types(&g_t, many, 9, NULL, 0), WC_FLAT_OVER);
    CHECK_EQ(wc_flatten_types(&g_t, many, 0, NULL, 0), 0);

    /* a type laid out before its children: the children are laid out too */
    wc_tid inner = wc_type_new(&g_t, WEFT_C_LIST);
    wc_type(&g_t, inner)->elem = WEFT_C_U16;
    wc_tid outer = wc_type_new(&g_t, WEFT_C_OPTION);
    wc_type(&g_t, outer)->elem = inner;
    wc_type_layout(&g_t, outer);
    CHECK_EQ(ty(outer)->size, 12);
    CHECK_EQ(ty(inner)->align, 4);
}

static wc_tid labelled(uint8_t kind, uint32_t n, const char *const *labels, const wc_tid *elems)
{
    wc_tid id = new_type(kind, n);
    weft_ctype *t = wc_type(&g_t, id);
    t->labels = pool_alloc(n * sizeof(const char *));
    for (uint32_t i = 0; i < n; i++)
        t->labels[i] = labels[i];
    if (elems)
        memcpy(t->elems, elems, n * sizeof *elems);
    wc_type_layout(&g_t, id);
    return id;
}

static void test_equal_and_inspect(void)
{
    static const char *const ab[] = { "a", "b" }, *const ac[] = { "a", "c" };
    wc_tid f2[2] = { T("u8"), T("(list string)") };
    wc_tid f2b[2] = { T("u8"), T("(list string)") };
    wc_tid f2c[2] = { T("u8"), T("(list char)") };
    wc_tid r1 = labelled(WEFT_C_RECORD, 2, ab, f2);
    wc_tid r2 = labelled(WEFT_C_RECORD, 2, ab, f2b);
    wc_tid r3 = labelled(WEFT_C_RECORD, 2, ac, f2b);
    wc_tid r4 = labelled(WEFT_C_RECORD, 2, ab, f2c);
    CHECK(wc_type_equal(&g_t, r1, &g_t, r2));
    CHECK(!wc_type_equal(&g_t, r1, &g_t, r3));
    CHECK(!wc_type_equal(&g_t, r1, &g_t, r4));
    CHECK(!wc_type_equal(&g_t, r1, &g_t, T("(tuple u8 (list string))")));
    CHECK(wc_type_equal(&g_t, T("(tuple u8 (list string))"), &g_t, T("(tuple u8 (list string))")));
    CHECK(wc_type_equal(&g_t, T("(result _ u8)"), &g_t, T("(result _ u8)")));
    CHECK(!wc_type_equal(&g_t, T("(result _ u8)"), &g_t, T("(result u8 _)")));
    CHECK(!wc_type_equal(&g_t, T("(variant u8 _)"), &g_t, T("(variant u8 u8)")));
    CHECK(wc_type_equal(&g_t, T("(own 0)"), &g_t, T("(own 0)")));
    /* (own 0) vs (own 1): resource identity is left to run time (see
     * resource_eq in ctypes.c), so not checked here */
    CHECK(!wc_type_equal(&g_t, T("(own 0)"), &g_t, T("(borrow 0)")));
    CHECK(!wc_type_equal(&g_t, T("(flags 3)"), &g_t, T("(flags 4)")));
    CHECK(wc_type_equal(&g_t, WEFT_C_STRING, &g_t, WEFT_C_STRING));
    CHECK(!wc_type_equal(&g_t, WEFT_C_S8, &g_t, WEFT_C_U8));

    /* across arenas */
    wc_types b;
    CHECK_EQ(wc_types_init(&b, g_e), WEFT_OK);
    wc_tid bl = wc_type_new(&b, WEFT_C_LIST);
    wc_type(&b, bl)->elem = WEFT_C_STRING;
    wc_type_layout(&b, bl);
    wc_tid br = wc_type_new(&b, WEFT_C_RECORD);
    weft_ctype *bt = wc_type(&b, br);
    bt->n = 2;
    bt->elems = pool_alloc(2 * sizeof(wc_tid));
    bt->labels = pool_alloc(2 * sizeof(const char *));
    bt->elems[0] = WEFT_C_U8;
    bt->elems[1] = bl;
    bt->labels[0] = "a";
    bt->labels[1] = "b";
    wc_type_layout(&b, br);
    CHECK(wc_type_equal(&g_t, r1, &b, br));
    CHECK(!wc_type_equal(&g_t, r3, &b, br));
    /* function types */
    static const char *const pn[] = { "x", "y" };
    wc_tid fa = labelled(WC_K_FUNC, 2, pn, f2);
    wc_tid fb = labelled(WC_K_FUNC, 2, pn, f2b);
    CHECK(wc_type_equal(&g_t, fa, &g_t, fb));
    wc_type(&g_t, fb)->elem = WEFT_C_U32;
    CHECK(!wc_type_equal(&g_t, fa, &g_t, fb));
    wc_types_free(&b);

    /* inspection */
    CHECK_STR(weft_ckind_name(WEFT_C_BOOL), "bool");
    CHECK_STR(weft_ckind_name(WEFT_C_ERROR_CONTEXT), "error-context");
    CHECK_STR(weft_ckind_name(WEFT_C_FUTURE), "future");
    CHECK_STR(weft_ckind_name((weft_ckind)99), "unknown");
    const weft_ctype *rt = ty(r1);
    CHECK_EQ(weft_ctype_kind(rt), WEFT_C_RECORD);
    CHECK_EQ(weft_ctype_count(rt), 2);
    CHECK_STR(weft_ctype_label(rt, 1), "b");
    CHECK(weft_ctype_label(rt, 2) == NULL);
    CHECK(weft_ctype_elem(rt, 0) == ty(WEFT_C_U8));
    CHECK_EQ(weft_ctype_kind(weft_ctype_elem(weft_ctype_elem(rt, 1), 0)), WEFT_C_STRING);
    CHECK(weft_ctype_elem(rt, 2) == NULL);
    const weft_ctype *res = ty(T("(result _ u8)"));
    CHECK(weft_ctype_elem(res, 0) == NULL);
    CHECK_EQ(weft_ctype_kind(weft_ctype_elem(res, 1)), WEFT_C_U8);
    CHECK_EQ(weft_ctype_count(res), 0);
    const weft_ctype *var = ty(T("(variant _ f32)"));
    CHECK(weft_ctype_elem(var, 0) == NULL);
    CHECK_EQ(weft_ctype_kind(weft_ctype_elem(var, 1)), WEFT_C_F32);
    CHECK(weft_ctype_elem(ty(WEFT_C_U8), 0) == NULL);
    CHECK(weft_ctype_label(ty(T("(tuple u8)")), 0) == NULL);
    CHECK_EQ(weft_ctype_count(ty(T("(flags 5)"))), 5);
    CHECK(weft_ctype_elem(NULL, 0) == NULL);
}

/* ---------------------------------------------------------------- */
/* Scalars                                                           */
/* ---------------------------------------------------------------- */

static void test_scalars(void)
{
    fx f;
    if (!fx_init(&f, WC_UTF8))
        return;
    weft_cval out[2];
    weft_val in[2];
    struct { const char *t; uint32_t in; const char *want; } cases[] = {
        { "u8", 300, "44" }, { "u8", 0xffffffff, "255" }, { "s8", 0xff, "-1" },
        { "s8", 300, "44" }, { "s8", 128, "-128" }, { "u16", 0x12345, "9029" },
        { "s16", 0x8000, "-32768" }, { "bool", 2, "true" }, { "bool", 0, "false" },
        { "u32", 0xffffffff, "4294967295" }, { "s32", 0x80000000, "-2147483648" },
        { "char", 0x1f600, "128512" }, { "(flags 3)", 0xff, "7" }, { "(flags 32)", 0xffffffff, "4294967295" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wc_tid t = T(cases[i].t);
        in[0] = i32v(cases[i].in);
        CHECK_EQ(lift1(&f, t, in, 1, out), WEFT_TRAP_NONE);
        CHECK_VAL(t, out, cases[i].want);
    }
    /* chars that are not Unicode scalar values */
    uint32_t bad[] = { 0xd800, 0xdfff, 0x110000, 0xffffffff };
    for (size_t i = 0; i < 4; i++) {
        in[0] = i32v(bad[i]);
        CHECK_EQ(lift1(&f, WEFT_C_CHAR, in, 1, out), WC_TRAP_ABI);
        CHECK_CONTAINS(f.cx.msg, "invalid char");
    }
    /* NaNs are canonicalized both ways */
    in[0].kind = WEFT_F32;
    in[0].of.f32_bits = 0xffc12345u;
    CHECK_EQ(lift1(&f, WEFT_C_F32, in, 1, out), WEFT_TRAP_NONE);
    CHECK_VAL(WEFT_C_F32, out, "0x7fc00000");
    in[0].kind = WEFT_F64;
    in[0].of.f64_bits = 0x7ff0000000000001ull;
    CHECK_EQ(lift1(&f, WEFT_C_F64, in, 1, out), WEFT_TRAP_NONE);
    CHECK_VAL(WEFT_C_F64, out, "0x7ff8000000000000");
    in[0].of.f64_bits = 0x8000000000000000ull;   /* -0.0 kept */
    CHECK_EQ(lift1(&f, WEFT_C_F64, in, 1, out), WEFT_TRAP_NONE);
    CHECK_VAL(WEFT_C_F64, out, "0x8000000000000000");
    weft_cval v = V(WEFT_C_F32, "0xff800001");
    uint32_t n;
    CHECK_EQ(lower1(&f, WEFT_C_F32, &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "f32:7fc00000");
    v = V(WEFT_C_F64, "0xfff0000000000002");
    CHECK_EQ(lower1(&f, WEFT_C_F64, &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "f64:7ff8000000000000");
    /* an f32 payload joined into i64 */
    wc_tid vt = T("(variant u64 f32)");
    v = V(vt, "(1 0x7fc0dead)");
    CHECK_EQ(lower1(&f, vt, &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "i32:1 i64:7fc00000");
    tv_free(&v);
    v = V(vt, "(1 0xbf800000)");
    CHECK_EQ(lower1(&f, vt, &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "i32:1 i64:bf800000");
    tv_free(&v);
    /* signed values lowered as two's complement i32 */
    v = V(WEFT_C_S8, "-1");
    CHECK_EQ(lower1(&f, WEFT_C_S8, &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "i32:ffffffff");
    v = V(WEFT_C_S64, "-2");
    CHECK_EQ(lower1(&f, WEFT_C_S64, &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "i64:fffffffffffffffe");
    /* host values out of range / of the wrong kind */
    v = V(WEFT_C_U8, "256");
    CHECK_EQ(lower1(&f, WEFT_C_U8, &v, in, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(f.cx.msg, "out of range for u8");
    v = V(WEFT_C_S16, "-32769");
    CHECK_EQ(lower1(&f, WEFT_C_S16, &v, in, &n), WEFT_TRAP_HOST);
    v = V(WEFT_C_CHAR, "55296");
    CHECK_EQ(lower1(&f, WEFT_C_CHAR, &v, in, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(f.cx.msg, "not a Unicode scalar value");
    v = V(WEFT_C_U32, "5");
    CHECK_EQ(lower1(&f, WEFT_C_S32, &v, in, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(f.cx.msg, "u32 given for s32");
    v = V(T("(flags 3)"), "255");   /* bits past the labels are dropped */
    CHECK_EQ(lower1(&f, T("(flags 3)"), &v, in, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(in, n, "i32:7");
    /* wrong core values */
    in[0] = weft_val_i64(1);
    CHECK_EQ(lift1(&f, WEFT_C_U32, in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "is i64, expected i32");
    in[0] = i32v(1);
    in[1] = i32v(2);
    CHECK_EQ(lift1(&f, WEFT_C_U32, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "2 core values given, 1 expected");
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "too few core values");
    /* variants: bad discriminants */
    wc_tid ot = T("(option u8)");
    in[0] = i32v(2);
    in[1] = i32v(0);
    CHECK_EQ(lift1(&f, ot, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "invalid option discriminant 2");
    v = V(ot, "(1 5)");
    v.of.variant.disc = 7;
    CHECK_EQ(lower1(&f, ot, &v, in, &n), WEFT_TRAP_HOST);
    v.of.variant.disc = 1;
    weft_cval *pl = v.of.variant.payload;
    v.of.variant.payload = NULL;
    CHECK_EQ(lower1(&f, ot, &v, in, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(f.cx.msg, "lacks its payload");
    v.of.variant.payload = pl;
    tv_free(&v);
    /* async values are not supported */
    in[0] = i32v(0);
    CHECK_EQ(lift1(&f, WEFT_C_ERROR_CONTEXT, in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "not supported");
    /* a type without layout */
    CHECK_EQ(lift1(&f, T("(flags 40)"), in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "no canonical ABI layout");
    fx_free(&f);
}

/* ---------------------------------------------------------------- */
/* Strings                                                           */
/* ---------------------------------------------------------------- */

static void test_strings(void)
{
    fx f;
    weft_val fl[16];
    uint32_t n;
    weft_cval out[1];

    /* UTF-8: one allocation, the bytes copied */
    if (!fx_init(&f, WC_UTF8))
        return;
    weft_cval s = mkstr("h\xc3\xa9");
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:400 i32:3");
    CHECK_LOG("0 0 1 3");
    CHECK(mem_is(&f, 1024, "h\xc3\xa9", 3));
    CHECK_EQ(lift1(&f, WEFT_C_STRING, fl, 2, out), WEFT_TRAP_NONE);
    CHECK_EQ(out[0].of.str.len, 3);
    CHECK(memcmp(out[0].of.str.ptr, "h\xc3\xa9", 4) == 0);   /* NUL-terminated */
    weft_cvals_free(g_e, out, 1);
    CHECK(out[0].of.str.ptr == NULL);
    tv_free(&s);
    /* ill-formed UTF-8 from the host */
    s = mkstr("a\xed\xa0\x80");
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(f.cx.msg, "not valid UTF-8");
    tv_free(&s);
    fx_free(&f);

    /* UTF-16: worst case, then shrunk */
    if (!fx_init(&f, WC_UTF16))
        return;
    s = mkstr("h\xc3\xa9\xf0\x9f\x98\x80");   /* hé😀: 7 bytes, 4 units */
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:400 i32:4");
    CHECK_LOG("0 0 2 14; 1024 14 2 8");
    CHECK(mem_is(&f, 1024, "h\0\xe9\0\x3d\xd8\x00\xde", 8));
    CHECK_EQ(lift1(&f, WEFT_C_STRING, fl, 2, out), WEFT_TRAP_NONE);
    CHECK_VAL(WEFT_C_STRING, out, "s:68c3a9f09f9880");
    weft_cvals_free(g_e, out, 1);
    tv_free(&s);
    /* misaligned, out of bounds, unpaired surrogates */
    weft_val in[2] = { i32v(1025), i32v(1) };
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "misaligned string pointer");
    in[0] = i32v(65534);
    in[1] = i32v(2);
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 2, out), WEFT_TRAP_MEMORY_OOB);
    CHECK_CONTAINS(f.cx.msg, "string pointer/length out of bounds of memory");
    memcpy(mdata(&f) + 2000, "\x00\xd8\x41\x00", 4);
    in[0] = i32v(2000);
    in[1] = i32v(2);
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "unpaired surrogate");
    in[1] = i32v(1u << 27);
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "string too long");
    /* realloc returning a misaligned or out-of-bounds pointer */
    s = mkstr("abc");
    weft_global_set(f.force, weft_val_i32(1001));
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "misaligned string pointer 0x3e9");
    weft_global_set(f.force, weft_val_i32(65532));
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_MEMORY_OOB);
    CHECK_CONTAINS(f.cx.msg, "out of bounds of memory");
    weft_global_set(f.force, weft_val_i32(-1));
    tv_free(&s);
    fx_free(&f);

    /* latin1+utf16 */
    if (!fx_init(&f, WC_LATIN1_UTF16))
        return;
    s = mkstr("h\xc3\xa9");   /* Latin-1: shrunk to 2 bytes */
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:400 i32:2");
    CHECK_LOG("0 0 2 3; 1024 3 2 2");
    CHECK(mem_is(&f, 1024, "h\xe9", 2));
    tv_free(&s);
    g_nlog = 0;
    s = mkstr("h\xf0\x9f\x98\x80");   /* grows to UTF-16 halfway, tag set */
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:40a i32:80000003");
    CHECK_LOG("0 0 2 5; 1028 5 2 10; 1034 10 2 6");
    CHECK(mem_is(&f, 1034, "h\0\x3d\xd8\x00\xde", 6));
    CHECK_EQ(lift1(&f, WEFT_C_STRING, fl, 2, out), WEFT_TRAP_NONE);
    CHECK_VAL(WEFT_C_STRING, out, "s:68f09f9880");
    CHECK_EQ(out[0].of.str.ptr[out[0].of.str.len + 1], 1);   /* held as UTF-16 */
    /* lowered again into a latin1+utf16 memory as a string from one */
    f.cx.src_encoding = WC_LATIN1_UTF16;
    g_nlog = 0;
    CHECK_EQ(lower1(&f, WEFT_C_STRING, out, fl, &n), WEFT_TRAP_NONE);
    CHECK_LOG("0 0 2 6");
    CHECK_FLAT(fl, n, "i32:414 i32:80000003");
    weft_cvals_free(g_e, out, 1);
    f.cx.src_encoding = WC_UTF8;
    tv_free(&s);
    fx_free(&f);

    /* no memory / no realloc */
    if (!fx_init(&f, WC_UTF8))
        return;
    s = mkstr("x");
    f.opts.realloc = NULL;
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "requires the realloc canonical option");
    f.opts.memory = NULL;
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "requires the memory canonical option");
    in[0] = i32v(0);
    in[1] = i32v(0);
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "requires the memory canonical option");
    f.cx.opts = NULL;   /* no options at all */
    CHECK_EQ(lift1(&f, WEFT_C_STRING, in, 2, out), WC_TRAP_ABI);
    CHECK_EQ(lift1(&f, WEFT_C_U8, in, 1, out), WEFT_TRAP_NONE);
    f.cx.opts = &f.opts;
    f.opts.memory = f.mem;
    f.opts.realloc = f.realloc;
    /* realloc trapping (out of heap) keeps its trap kind */
    weft_global_set(f.bump, weft_val_i32(65535));
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_NONE);
    weft_cval big = mkstr("0123456789");
    CHECK_EQ(lower1(&f, WEFT_C_STRING, &big, fl, &n), WEFT_TRAP_UNREACHABLE);
    CHECK_CONTAINS(f.cx.msg, "realloc trapped");
    CHECK(f.ci.may_leave);   /* restored after the realloc call */
    tv_free(&big);
    tv_free(&s);
    fx_free(&f);
}

/* ---------------------------------------------------------------- */
/* Lists, records, variants through memory                           */
/* ---------------------------------------------------------------- */

static void test_aggregates(void)
{
    fx f;
    if (!fx_init(&f, WC_UTF16))
        return;
    weft_val fl[16];
    uint32_t n;
    weft_cval out[3];
    wc_tid lt = T("(list (record u8 string (variant u16 _ f64)))");
    weft_cval v = V(lt, "[[1 s:41 (0 513)] [2 s: (1)] [3 s:c3a9 (2 0x7ff0000000000001)]]");
    CHECK_EQ(lower1(&f, lt, &v, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:400 i32:3");
    /* list block: 3 x 32 bytes at 1024; the strings after it */
    CHECK_LOG("0 0 8 96; 0 0 2 2; 0 0 2 0; 0 0 2 4; 1122 4 2 2");
    const uint8_t *m = mdata(&f);
    CHECK_EQ(m[1024], 1);
    CHECK(mem_is(&f, 1024 + 4, "\x60\x04\0\0\x01\0\0\0", 8));   /* ptr 1120, len 1 */
    CHECK(mem_is(&f, 1024 + 16, "\0\0\0\0\0\0\0\0\x01\x02", 10));   /* disc 0, u16 513 */
    CHECK_EQ(m[1024 + 48], 1);                                      /* case 1 */
    CHECK(mem_is(&f, 1024 + 64 + 16, "\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\xf8\x7f", 16));
    CHECK(mem_is(&f, 1120, "A\0", 2));
    CHECK_EQ(lift1(&f, lt, fl, n, out), WEFT_TRAP_NONE);
    CHECK_VAL(lt, out, "[[1 s:41 (0 513)] [2 s: (1)] [3 s:c3a9 (2 0x7ff8000000000000)]]");
    weft_cvals_free(g_e, out, 1);
    tv_free(&v);

    /* list bounds, alignment, length */
    wc_tid l32 = T("(list u32)");
    weft_val in[2] = { i32v(1026), i32v(1) };
    CHECK_EQ(lift1(&f, l32, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "misaligned list pointer");
    in[0] = i32v(65532);
    in[1] = i32v(2);
    CHECK_EQ(lift1(&f, l32, in, 2, out), WEFT_TRAP_MEMORY_OOB);
    CHECK_CONTAINS(f.cx.msg, "list pointer/length out of bounds of memory");
    in[0] = i32v(0);
    in[1] = i32v(1u << 26);
    CHECK_EQ(lift1(&f, l32, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "list too long");
    in[1] = i32v(0xffffffffu);
    CHECK_EQ(lift1(&f, l32, in, 2, out), WC_TRAP_ABI);
    in[0] = i32v(0xfffffffcu);
    in[1] = i32v(0);   /* empty list at the end of the address space */
    CHECK_EQ(lift1(&f, l32, in, 2, out), WEFT_TRAP_MEMORY_OOB);
    in[0] = i32v(65536);
    CHECK_EQ(lift1(&f, l32, in, 2, out), WEFT_TRAP_NONE);   /* ptr == size, len 0 */
    CHECK_VAL(l32, out, "[]");
    CHECK(out[0].of.list.items == NULL);
    /* bad discriminant in memory */
    wc_tid lv = T("(list (result u8 _))");
    memcpy(mdata(&f) + 3000, "\x00\x05\x02\x00", 4);
    in[0] = i32v(3000);
    in[1] = i32v(2);
    CHECK_EQ(lift1(&f, lv, in, 2, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "invalid result discriminant 2");
    in[1] = i32v(1);
    CHECK_EQ(lift1(&f, lv, in, 2, out), WEFT_TRAP_NONE);
    CHECK_VAL(lv, out, "[(0 5)]");
    weft_cvals_free(g_e, out, 1);
    /* record arity from the host */
    wc_tid rt = T("(record u8 u8)");
    v = V(rt, "[1 2]");
    v.of.list.len = 1;
    CHECK_EQ(lower1(&f, rt, &v, fl, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(f.cx.msg, "has 1 fields, its type 2");
    v.of.list.len = 2;
    tv_free(&v);

    /* more than 16 flat values: parameters go through a realloc'd block,
     * results to the caller's pointer */
    wc_tid ts[17];
    weft_cval vs[17];
    for (int i = 0; i < 17; i++) {
        ts[i] = WEFT_C_U16;
        vs[i] = V(WEFT_C_U16, "4660");
    }
    g_nlog = 0;
    weft_global_set(f.bump, weft_val_i32(2048));
    CHECK_EQ(wc_lower_values(&f.cx, WC_MAX_FLAT_PARAMS, vs, ts, 17, fl, &n, NULL), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:800");
    CHECK_LOG("0 0 2 34");
    CHECK(mem_is(&f, 2048 + 32, "\x34\x12", 2));
    weft_cval many[17];
    CHECK_EQ(wc_lift_values(&f.cx, WC_MAX_FLAT_PARAMS, fl, 1, ts, 17, many), WEFT_TRAP_NONE);
    CHECK_VAL(WEFT_C_U16, &many[16], "4660");
    wc_tid st = WEFT_C_STRING;
    weft_cval sv = mkstr("ok");
    uint32_t outp = 4000;
    CHECK_EQ(wc_lower_values(&f.cx, WC_MAX_FLAT_RESULTS, &sv, &st, 1, fl, &n, &outp),
             WEFT_TRAP_NONE);
    CHECK_EQ(n, 0);
    CHECK(mem_is(&f, 4000, "\x22\x08\0\0\x02\0\0\0", 8));   /* ptr 2082, 2 units */
    outp = 4002;
    CHECK_EQ(wc_lower_values(&f.cx, WC_MAX_FLAT_RESULTS, &sv, &st, 1, fl, &n, &outp), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "misaligned values pointer");
    outp = 65532;
    CHECK_EQ(wc_lower_values(&f.cx, WC_MAX_FLAT_RESULTS, &sv, &st, 1, fl, &n, &outp),
             WEFT_TRAP_MEMORY_OOB);
    weft_val rp = i32v(4000);
    CHECK_EQ(wc_lift_values(&f.cx, WC_MAX_FLAT_RESULTS, &rp, 1, &st, 1, out), WEFT_TRAP_NONE);
    CHECK_VAL(st, out, "s:6f6b");
    weft_cvals_free(g_e, out, 1);
    rp = i32v(65532);
    CHECK_EQ(wc_lift_values(&f.cx, WC_MAX_FLAT_RESULTS, &rp, 1, &st, 1, out), WEFT_TRAP_MEMORY_OOB);
    CHECK_CONTAINS(f.cx.msg, "values pointer/length out of bounds");
    rp = i32v(65534);
    CHECK_EQ(wc_lift_values(&f.cx, WC_MAX_FLAT_RESULTS, &rp, 1, &st, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(f.cx.msg, "misaligned values pointer");
    tv_free(&sv);
    for (int i = 0; i < 17; i++)
        tv_free(&vs[i]);

    /* a trap halfway through lifting frees what was lifted */
    wc_tid tt[3] = { WEFT_C_STRING, T("(list string)"), WEFT_C_CHAR };
    long live = g_live;
    weft_cval sv3[3] = { mkstr("abc"), V(tt[1], "[s:78 s:7979]"), V(WEFT_C_CHAR, "65") };
    CHECK_EQ(wc_lower_values(&f.cx, WC_MAX_FLAT_PARAMS, sv3, tt, 3, fl, &n, NULL), WEFT_TRAP_NONE);
    CHECK_EQ(n, 5);
    fl[4] = i32v(0xd800);
    CHECK_EQ(wc_lift_values(&f.cx, WC_MAX_FLAT_PARAMS, fl, n, tt, 3, out), WC_TRAP_ABI);
    CHECK(out[0].kind == WEFT_C_BOOL && out[1].kind == WEFT_C_BOOL);   /* zeroed */
    CHECK_EQ(g_live, live);
    for (int i = 0; i < 3; i++)
        tv_free(&sv3[i]);
    fx_free(&f);
}

/* Memory grows (and may move) at every realloc: nothing may keep a stale
 * pointer into it. */
static void test_growing_memory(void)
{
    fx f;
    if (!fx_init(&f, WC_LATIN1_UTF16))
        return;
    weft_global_set(f.grow, weft_val_i32(1));
    wc_tid lt = T("(list (tuple string (list string)))");
    weft_cval v = V(lt, "[[s:c3a9c3a9 [s:41 s:e282ac s:f09f9880]] [s:5a [s:c3bf]]]");
    weft_val fl[2];
    uint32_t n;
    CHECK_EQ(lower1(&f, lt, &v, fl, &n), WEFT_TRAP_NONE);
    CHECK(weft_memory_pages(f.mem) > 5);
    weft_cval out[1];
    CHECK_EQ(lift1(&f, lt, fl, n, out), WEFT_TRAP_NONE);
    CHECK_VAL(lt, out, "[[s:c3a9c3a9 [s:41 s:e282ac s:f09f9880]] [s:5a [s:c3bf]]]");
    weft_cvals_free(g_e, out, 1);
    tv_free(&v);
    fx_free(&f);
}

static void test_depth(void)
{
    fx f;
    if (!fx_init(&f, WC_UTF8))
        return;
    /* 300 nested lists, laid out bottom-up */
    wc_tid t = WEFT_C_U8;
    for (int i = 0; i < 300; i++) {
        wc_tid l = wc_type_new(&g_t, WEFT_C_LIST);
        wc_type(&g_t, l)->elem = t;
        wc_type_layout(&g_t, l);
        t = l;
    }
    /* a list that contains itself: the type bounds the recursion */
    memcpy(mdata(&f) + 5000, "\x88\x13\0\0\x01\0\0\0", 8);
    weft_val in[2] = { i32v(5000), i32v(1) };
    weft_cval out[1];
    CHECK_EQ(lift1(&f, t, in, 2, out), WEFT_TRAP_STACK_EXHAUSTED);
    CHECK_CONTAINS(f.cx.msg, "nesting is too deep");
    /* the same for a deep host value */
    weft_cval *vals = calloc(301, sizeof *vals);
    for (int i = 0; i < 300; i++) {
        vals[i].kind = WEFT_C_LIST;
        vals[i].of.list.items = &vals[i + 1];
        vals[i].of.list.len = 1;
    }
    vals[300].kind = WEFT_C_U8;
    weft_val fl[2];
    uint32_t n;
    CHECK_EQ(lower1(&f, t, &vals[0], fl, &n), WEFT_TRAP_STACK_EXHAUSTED);
    free(vals);
    fx_free(&f);
}

/* Allocation failures while lifting: a trap, no leak, never a crash. */
static void test_oom(void)
{
    fx f;
    if (!fx_init(&f, WC_UTF16))
        return;
    wc_tid lt = T("(list (record string (option (list char)) (variant string _)))");
    weft_cval v = V(lt, "[[s:41 (1 [65 66]) (0 s:42)] [s:c3a9 (0) (1)] [s: (1 []) (0 s:)]]");
    weft_val fl[2];
    uint32_t n;
    CHECK_EQ(lower1(&f, lt, &v, fl, &n), WEFT_TRAP_NONE);
    tv_free(&v);
    int ok = 0, traps = 0;
    for (long k = 0; k < 64; k++) {
        long live = g_live;
        g_allocs = 0;
        g_fail_at = k;
        weft_cval out[1];
        weft_trap_kind r = lift1(&f, lt, fl, n, out);
        g_fail_at = -1;
        if (r == WEFT_TRAP_NONE) {
            ok++;
            CHECK_VAL(lt, out, "[[s:41 (1 [65 66]) (0 s:42)] [s:c3a9 (0) (1)] [s: (1 []) (0 s:)]]");
            weft_cvals_free(g_e, out, 1);
        } else {
            traps++;
            if (r != WEFT_TRAP_HOST || !strstr(f.cx.msg, "out of memory"))
                printf("  fail at %ld: %s (%s)\n", k, weft_trap_name(r), f.cx.msg);
            CHECK(r == WEFT_TRAP_HOST);
        }
        CHECK_EQ(g_live, live);
    }
    CHECK(traps > 10);
    CHECK(ok > 0);
    fx_free(&f);
}

static void test_fuel(void)
{
    fx f;
    if (!fx_init(&f, WC_UTF8))
        return;
    if (weft_store_set_fuel(f.st, 0) == WEFT_OK) {
        weft_cval s = mkstr("abc");
        weft_val fl[2];
        uint32_t n;
        CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_OUT_OF_FUEL);
        CHECK_CONTAINS(f.cx.msg, "realloc");
        CHECK(!weft_store_is_suspended(f.st));
        weft_store_unlimited_fuel(f.st);
        CHECK_EQ(lower1(&f, WEFT_C_STRING, &s, fl, &n), WEFT_TRAP_NONE);
        tv_free(&s);
    }
    fx_free(&f);
}

/* ---------------------------------------------------------------- */
/* Handles and resources                                             */
/* ---------------------------------------------------------------- */

static void test_resources(void)
{
    fx f;
    if (!fx_init(&f, WC_UTF8))
        return;
    wc_cx *cx = &f.cx;
    const weft_resource_type *host = &g_rt[0], *mine = &g_rt[1], *other = &g_rt[2];
    uint32_t i1, i2, i3, i4, rep;

    /* resource.new: index 0 reserved, freed slots reused last-in first-out */
    CHECK_EQ(wc_resource_new(cx, mine, 100, &i1), WEFT_TRAP_NONE);
    CHECK_EQ(wc_resource_new(cx, mine, 101, &i2), WEFT_TRAP_NONE);
    CHECK_EQ(wc_resource_new(cx, host, 102, &i3), WEFT_TRAP_NONE);
    CHECK(i1 == 1 && i2 == 2 && i3 == 3);
    CHECK_EQ(wc_resource_rep(cx, mine, 2, &rep), WEFT_TRAP_NONE);
    CHECK_EQ(rep, 101);
    CHECK_EQ(wc_resource_rep(cx, host, 2, &rep), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "wrong resource type");
    CHECK_EQ(wc_resource_rep(cx, mine, 0, &rep), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "unknown handle index 0");
    CHECK_EQ(wc_resource_rep(cx, mine, 9, &rep), WC_TRAP_ABI);
    /* drop runs the core destructor (logged as rep -1 -1 -1) */
    g_nlog = 0;
    CHECK_EQ(wc_resource_drop(cx, mine, 2), WEFT_TRAP_NONE);
    CHECK_LOG("101 4294967295 4294967295 4294967295");
    CHECK_EQ(wc_resource_drop(cx, mine, 2), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "unknown handle index 2");
    CHECK_EQ(wc_resource_drop(cx, host, 3), WEFT_TRAP_NONE);   /* host destructor */
    CHECK_EQ(g_nhost_dtor, 1);
    CHECK_EQ(g_host_dtor_reps[0], 102);
    CHECK_EQ(wc_resource_new(cx, mine, 103, &i4), WEFT_TRAP_NONE);
    CHECK_EQ(i4, 3);
    CHECK_EQ(wc_resource_new(cx, mine, 104, &i4), WEFT_TRAP_NONE);
    CHECK_EQ(i4, 2);
    CHECK_EQ(wc_resource_new(cx, mine, 105, &i4), WEFT_TRAP_NONE);
    CHECK_EQ(i4, 4);
    CHECK_EQ(wc_resource_drop(cx, host, 1), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "wrong resource type");
    /* may_leave */
    f.ci.may_leave = false;
    CHECK_EQ(wc_resource_new(cx, mine, 1, &i4), WC_TRAP_ABI);
    CHECK_EQ(wc_resource_drop(cx, mine, 1), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "may not leave");
    f.ci.may_leave = true;

    /* lift borrow: the handle is lent until the call ends */
    wc_tid bt = T("(borrow 1)"), ot = T("(own 1)");
    weft_val in = i32v(1);
    weft_cval out[1];
    CHECK_EQ(lift1(&f, bt, &in, 1, out), WEFT_TRAP_NONE);
    CHECK(out[0].kind == WEFT_C_BORROW && !out[0].of.handle.res->own);
    CHECK_EQ(out[0].of.handle.res->rep, 100);
    CHECK_EQ(f.ci.handles.v[1].num_lends, 1);
    CHECK_EQ(wc_resource_drop(cx, mine, 1), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "lent out");
    CHECK_EQ(lift1(&f, ot, &in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "lent out");
    wc_cx_end_call(cx);
    CHECK_EQ(f.ci.handles.v[1].num_lends, 0);
    CHECK_EQ(lift1(&f, bt, &in, 1, out), WEFT_TRAP_NONE);
    wc_cx_end_call(cx);
    CHECK_EQ(f.ci.handles.v[1].num_lends, 0);
    in = i32v(2);   /* a borrow of the wrong type */
    CHECK_EQ(lift1(&f, T("(borrow 0)"), &in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "wrong resource type");

    /* lift own: the handle moves to the host */
    in = i32v(1);
    CHECK_EQ(lift1(&f, ot, &in, 1, out), WEFT_TRAP_NONE);
    weft_resource *r = out[0].of.handle.res;
    CHECK(r->own && r->rep == 100 && r->type == mine && !r->dropped);
    CHECK_EQ(lift1(&f, ot, &in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "unknown handle index 1");

    /* lower own: back into the table (the host's resource is consumed) */
    weft_cval hv;
    memset(&hv, 0, sizeof hv);
    hv.kind = WEFT_C_OWN;
    hv.of.handle.res = r;
    weft_val fl[2];
    uint32_t n;
    CHECK_EQ(lower1(&f, ot, &hv, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:1");
    CHECK(r->dropped);
    CHECK_EQ(lower1(&f, ot, &hv, fl, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(cx->msg, "already dropped or moved");
    CHECK(f.ci.handles.v[1].own && f.ci.handles.v[1].rep == 100);

    /* lower borrow: of a type this instance implements -> the rep itself */
    weft_resource *hr = wc_resource_obj_new(f.st, mine, 555, true);
    hv.kind = WEFT_C_BORROW;
    hv.of.handle.res = hr;
    CHECK_EQ(lower1(&f, bt, &hv, fl, &n), WEFT_TRAP_NONE);
    CHECK_FLAT(fl, n, "i32:22b");
    CHECK(!hr->dropped);
    /* of another instance's type -> a borrow handle in this call's scope */
    weft_resource *hr2 = wc_resource_obj_new(f.st, other, 777, true);
    hv.of.handle.res = hr2;
    wc_tid b2 = T("(borrow 2)");
    CHECK_EQ(lower1(&f, b2, &hv, fl, &n), WEFT_TRAP_NONE);
    uint32_t bi = (uint32_t)fl[0].of.i32;
    CHECK(!f.ci.handles.v[bi].own && f.ci.handles.v[bi].borrow_scope == 1);
    CHECK_EQ(wc_htable_count_borrows(&f.ci.handles, 1), 1);
    CHECK_EQ(wc_htable_count_borrows(&f.ci.handles, 2), 0);
    CHECK_EQ(lift1(&f, T("(own 2)"), &fl[0], 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "not an own handle");
    f.cx.scope = 2;
    CHECK_EQ(wc_resource_drop(cx, other, bi), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "outside the call");
    f.cx.scope = 1;
    unsigned before = g_nlog;
    CHECK_EQ(wc_resource_drop(cx, other, bi), WEFT_TRAP_NONE);
    CHECK_EQ(g_nlog, before);   /* no destructor for a borrow */
    CHECK_EQ(wc_htable_count_borrows(&f.ci.handles, 1), 0);
    /* a borrowed resource cannot be passed as own; wrong types refused */
    weft_resource *hb = wc_resource_obj_new(f.st, mine, 9, false);
    hv.kind = WEFT_C_OWN;
    hv.of.handle.res = hb;
    CHECK_EQ(lower1(&f, ot, &hv, fl, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(cx->msg, "cannot be passed as own");
    hv.of.handle.res = hr2;
    CHECK_EQ(lower1(&f, ot, &hv, fl, &n), WEFT_TRAP_HOST);
    CHECK_CONTAINS(cx->msg, "wrong resource type");
    hv.of.handle.res = NULL;
    CHECK_EQ(lower1(&f, ot, &hv, fl, &n), WEFT_TRAP_HOST);
    /* a type whose resource has no run-time type here */
    f.cx.nrtypes = 1;
    in = i32v(1);
    CHECK_EQ(lift1(&f, ot, &in, 1, out), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "no run-time type");
    f.cx.nrtypes = 3;
    /* handles in memory: a list of borrows, lent, then released */
    wc_tid lb = T("(list (borrow 1))");
    memcpy(mdata(&f) + 6000, "\x01\0\0\0\x03\0\0\0\x01\0\0\0", 12);
    weft_val li[2] = { i32v(6000), i32v(3) };
    CHECK_EQ(lift1(&f, lb, li, 2, out), WEFT_TRAP_NONE);
    CHECK_VAL(lb, out, "[<borrow 100> <borrow 103> <borrow 100>]");
    CHECK_EQ(f.ci.handles.v[1].num_lends, 2);
    weft_cvals_free(g_e, out, 1);
    wc_cx_end_call(cx);
    CHECK_EQ(f.ci.handles.v[1].num_lends, 0);
    /* dropping an own handle whose defining instance trapped */
    g_other.trapped = true;
    g_rt[2].dtor = f.dtor;
    g_rt[2].impl = &g_other;
    CHECK_EQ(wc_resource_new(cx, other, 5, &i4), WEFT_TRAP_NONE);
    CHECK_EQ(wc_resource_drop(cx, other, i4), WC_TRAP_ABI);
    CHECK_CONTAINS(cx->msg, "has trapped");
    g_other.trapped = false;
    g_rt[2].dtor = NULL;
    /* no instance at all */
    f.cx.inst = NULL;
    CHECK_EQ(wc_resource_new(cx, mine, 1, &i4), WC_TRAP_ABI);
    f.cx.inst = &f.ci;
    fx_free(&f);
}

/* ---------------------------------------------------------------- */
/* Cases from the spec's Python reference                             */
/* ---------------------------------------------------------------- */

typedef struct rcase {
    char name[64];
    bool lift;
    uint8_t enc, src;
    uint32_t base, maxflat;
    bool has_out;
    uint32_t outptr;
    bool has_force;
    int32_t force;
    wc_tid ts[24];
    char *vals[24];
    uint32_t nt, nv;
    char *in;
    bool expect_trap;
    char *flat;
    sb reallocs;
    uint8_t *mem;        /* expected memory (lower) or initial memory (lift) */
    char *lifted[24];
    uint32_t nl;
} rcase;

static uint8_t enc_of(const char *s)
{
    return !strcmp(s, "utf16") ? WC_UTF16 : !strcmp(s, "latin1+utf16") ? WC_LATIN1_UTF16 : WC_UTF8;
}

static void put_hex(uint8_t *mem, uint32_t off, const char *hx)
{
    size_t n = strlen(hx) / 2;
    for (size_t i = 0; i < n && off + i < 65536; i++)
        mem[off + i] = (uint8_t)(hexval(hx[2 * i]) << 4 | hexval(hx[2 * i + 1]));
}

static uint32_t parse_flat(const char *s, weft_val *out)
{
    uint32_t n = 0;
    char k[8];
    unsigned long long x;
    int used;
    while (n < 17 && sscanf(s, " %7[a-z0-9]:%llx%n", k, &x, &used) == 2) {
        memset(&out[n], 0, sizeof out[n]);
        out[n].kind = !strcmp(k, "i64") ? WEFT_I64 : !strcmp(k, "f32") ? WEFT_F32
                    : !strcmp(k, "f64") ? WEFT_F64 : WEFT_I32;
        if (out[n].kind == WEFT_I32 || out[n].kind == WEFT_F32)
            out[n].of.f32_bits = (uint32_t)x;
        else
            out[n].of.f64_bits = x;
        n++;
        s += used;
    }
    return n;
}

static unsigned g_ref_cases, g_ref_failed;

static void case_fail(const rcase *c, const char *what, const char *got, const char *want)
{
    printf("FAIL case %s: %s\n  got  %s\n  want %s\n", c->name, what, got ? got : "(null)",
           want ? want : "(null)");
    g_fail++;
}

static void run_case(rcase *c)
{
    g_ref_cases++;
    unsigned fails = g_fail;
    fx f;
    if (!fx_init(&f, c->enc)) {
        g_fail++;
        return;
    }
    f.cx.src_encoding = c->src;
    weft_global_set(f.bump, weft_val_i32((int32_t)c->base));
    if (c->has_force)
        weft_global_set(f.force, weft_val_i32(c->force));
    weft_val flat[17];
    uint32_t nflat = 0;
    weft_cval vals[24], out[24];
    memset(out, 0, sizeof out);
    weft_trap_kind k;
    if (!c->lift) {
        for (uint32_t i = 0; i < c->nt; i++) {
            const char *p = c->vals[i];
            parse_val(c->ts[i], &p, &vals[i]);
        }
        k = wc_lower_values(&f.cx, c->maxflat, vals, c->ts, c->nt, flat, &nflat,
                            c->has_out ? &c->outptr : NULL);
        char *log = logstr();
        const char *want_log = c->reallocs.p ? c->reallocs.p : "";
        if (strcmp(log, want_log))
            case_fail(c, "realloc calls", log, want_log);
        else
            g_pass++;
        free(log);
        if (c->expect_trap) {
            if (k == WEFT_TRAP_NONE)
                case_fail(c, "lower", "ok", "trap");
            else
                g_pass++;
        } else if (k != WEFT_TRAP_NONE) {
            case_fail(c, "lower", f.cx.msg, "ok");
        } else {
            g_pass++;
            char *fs = flatstr(flat, nflat);
            if (strcmp(fs, c->flat ? c->flat : ""))
                case_fail(c, "flat values", fs, c->flat);
            else
                g_pass++;
            free(fs);
            if (memcmp(mdata(&f), c->mem, 65536)) {
                uint32_t at = 0;
                while (mdata(&f)[at] == c->mem[at])
                    at++;
                char g[64], w[64];
                snprintf(g, sizeof g, "byte %u = 0x%02x", at, mdata(&f)[at]);
                snprintf(w, sizeof w, "byte %u = 0x%02x", at, c->mem[at]);
                case_fail(c, "memory", g, w);
            } else {
                g_pass++;
            }
            /* lift back what was lowered */
            weft_val back[17];
            uint32_t nb = nflat;
            memcpy(back, flat, sizeof flat);
            if (c->has_out && nflat == 0) {
                back[0] = i32v(c->outptr);
                nb = 1;
            }
            k = wc_lift_values(&f.cx, c->maxflat, back, nb, c->ts, c->nt, out);
            if (k != WEFT_TRAP_NONE) {
                case_fail(c, "lift back", f.cx.msg, "ok");
            } else {
                for (uint32_t i = 0; i < c->nt && i < c->nl; i++) {
                    char *s = vstr(c->ts[i], &out[i]);
                    if (strcmp(s, c->lifted[i]))
                        case_fail(c, "lifted back", s, c->lifted[i]);
                    else
                        g_pass++;
                    free(s);
                }
                weft_cvals_free(g_e, out, c->nt);
            }
        }
        for (uint32_t i = 0; i < c->nt; i++)
            tv_free(&vals[i]);
    } else {
        memcpy(mdata(&f), c->mem, 65536);
        nflat = parse_flat(c->in ? c->in : "", flat);
        k = wc_lift_values(&f.cx, c->maxflat, flat, nflat, c->ts, c->nt, out);
        if (c->expect_trap) {
            if (k == WEFT_TRAP_NONE) {
                char *s = vstr(c->ts[0], &out[0]);
                case_fail(c, "lift", s, "trap");
                free(s);
                weft_cvals_free(g_e, out, c->nt);
            } else {
                g_pass++;
            }
        } else if (k != WEFT_TRAP_NONE) {
            case_fail(c, "lift", f.cx.msg, "ok");
        } else {
            for (uint32_t i = 0; i < c->nt && i < c->nl; i++) {
                char *s = vstr(c->ts[i], &out[i]);
                if (strcmp(s, c->lifted[i]))
                    case_fail(c, "lifted", s, c->lifted[i]);
                else
                    g_pass++;
                free(s);
            }
            weft_cvals_free(g_e, out, c->nt);
        }
    }
    fx_free(&f);
    if (g_fail != fails)
        g_ref_failed++;
}

static void reset_case(rcase *c)
{
    for (uint32_t i = 0; i < c->nv; i++)
        free(c->vals[i]);
    for (uint32_t i = 0; i < c->nl; i++)
        free(c->lifted[i]);
    free(c->in);
    free(c->flat);
    free(c->reallocs.p);
    uint8_t *mem = c->mem;
    memset(c, 0, sizeof *c);
    memset(mem, 0, 65536);
    c->mem = mem;
    c->maxflat = 16;
    c->base = 1024;
}

static int run_ref(const char *path)
{
    FILE *fh = fopen(path, "r");
    if (!fh) {
        printf("cannot open %s\n", path);
        return 1;
    }
    rcase c;
    memset(&c, 0, sizeof c);
    c.mem = calloc(1, 65536);
    reset_case(&c);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned layouts = 0;
    while ((len = getline(&line, &cap, fh)) > 0) {
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        char *sp = strchr(line, ' ');
        const char *arg = sp ? sp + 1 : "";
        if (sp)
            *sp = 0;
        if (!strcmp(line, "layout")) {
            const char *sz = strstr(arg, " size ");
            char tybuf[4096];
            size_t tn = (size_t)(sz - arg);
            memcpy(tybuf, arg, tn);
            tybuf[tn] = 0;
            char *got = layoutstr(T(tybuf));
            if (strcmp(got, sz + 1)) {
                printf("FAIL layout %s\n  got  %s\n  want %s\n", tybuf, got, sz + 1);
                g_fail++;
            } else {
                g_pass++;
            }
            free(got);
            layouts++;
        } else if (!strcmp(line, "case")) {
            snprintf(c.name, sizeof c.name, "%s", arg);
        } else if (!strcmp(line, "mode")) {
            c.lift = !strcmp(arg, "lift");
        } else if (!strcmp(line, "enc")) {
            c.enc = enc_of(arg);
        } else if (!strcmp(line, "src")) {
            c.src = enc_of(arg);
        } else if (!strcmp(line, "base")) {
            c.base = (uint32_t)strtoul(arg, NULL, 0);
        } else if (!strcmp(line, "maxflat")) {
            c.maxflat = (uint32_t)strtoul(arg, NULL, 0);
        } else if (!strcmp(line, "outptr")) {
            c.has_out = true;
            c.outptr = (uint32_t)strtoul(arg, NULL, 0);
        } else if (!strcmp(line, "force")) {
            c.has_force = true;
            c.force = (int32_t)strtol(arg, NULL, 0);
        } else if (!strcmp(line, "type")) {
            if (c.nt < 24)
                c.ts[c.nt++] = T(arg);
        } else if (!strcmp(line, "val")) {
            if (c.nv < 24)
                c.vals[c.nv++] = strdup(arg);
        } else if (!strcmp(line, "in")) {
            c.in = strdup(arg);
        } else if (!strcmp(line, "setmem") || !strcmp(line, "mem")) {
            char *hx = strchr(arg, ' ');
            if (hx)
                put_hex(c.mem, (uint32_t)strtoul(arg, NULL, 0), hx + 1);
        } else if (!strcmp(line, "expect")) {
            c.expect_trap = !strcmp(arg, "trap");
        } else if (!strcmp(line, "flat")) {
            c.flat = strdup(arg);
        } else if (!strcmp(line, "realloc")) {
            sbf(&c.reallocs, "%s%s", c.reallocs.n ? "; " : "", arg);
        } else if (!strcmp(line, "lifted")) {
            if (c.nl < 24)
                c.lifted[c.nl++] = strdup(arg);
        } else if (!strcmp(line, "end")) {
            run_case(&c);
            reset_case(&c);
        } else if (line[0]) {
            printf("bad line: %s\n", line);
            g_fail++;
        }
    }
    free(line);
    reset_case(&c);
    free(c.mem);
    fclose(fh);
    printf("reference: %u cases (%u failed), %u layouts\n", g_ref_cases, g_ref_failed, layouts);
    if (g_ref_cases == 0)
        g_fail++;
    return 0;
}

/* ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.alloc = test_alloc;
    g_e = weft_engine_new(&cfg);
    uint8_t wasm[1024];
    size_t n = build_module(wasm);
    g_m = unit_load(g_e, wasm, n, "canon guest");
    if (!g_m || wc_types_init(&g_t, g_e) != WEFT_OK)
        return unit_finish() | 1;
    CHECK_EQ(wc_type(&g_t, WEFT_C_STRING)->kind, WEFT_C_STRING);
    CHECK_EQ(g_t.n, WC_NPRIM);
    for (int i = 0; i < 3; i++) {
        g_res[i] = wc_type_new(&g_t, WC_K_RESOURCE);
        wc_type(&g_t, g_res[i])->resource_id = (uint32_t)i;
        g_rtp[i] = &g_rt[i];
        g_rt[i].name = "r";
    }
    g_rt[0].host_dtor = host_dtor;
    g_other.may_leave = true;

    if (argc > 1) {
        run_ref(argv[1]);
    } else {
        test_layout();
        test_equal_and_inspect();
        test_scalars();
        test_strings();
        test_aggregates();
        test_growing_memory();
        test_depth();
        test_oom();
        test_fuel();
        test_resources();
    }
    wc_types_free(&g_t);
    pool_free();
    weft_module_delete(g_m);
    weft_engine_delete(g_e);
    CHECK_EQ(g_live, 0);
    return unit_finish();
}
