/* canon.c - the canonical ABI: lifting and lowering component values
 * between weft_cval and core values / linear memory, handle tables, and the
 * canon built-ins resource.new, resource.drop and resource.rep.
 *
 * The code follows CanonicalABI.md and its definitions.py function by
 * function (load/store, lift_flat/lower_flat, the string transcoders,
 * lift_own/lift_borrow/lower_own/lower_borrow, Table) for 32-bit memories.
 * Choices the spec leaves open, and what this file picked:
 *   - NaNs: lowering an f32/f64 NaN produces the canonical NaN
 *     (0x7fc00000 / 0x7ff8000000000000), as the deterministic profile does.
 *   - Host values (weft_cval) must match their types: a wrong kind, an
 *     out-of-range integer, an invalid char, ill-formed UTF-8, a missing
 *     payload or a wrong record arity trap with WEFT_TRAP_HOST. Flag bits
 *     past the last label and payloads given for cases without one are
 *     ignored. A host string longer than MAX_STRING_BYTE_LENGTH or a list
 *     longer than MAX_LIST_BYTE_LENGTH bytes traps (the spec only meets
 *     such values after a lift that already bounded them).
 *   - Traps the guest causes: WEFT_TRAP_MEMORY_OOB for pointers/lengths out
 *     of bounds of memory, WC_TRAP_ABI for everything else; a trap inside
 *     realloc or a destructor keeps its own kind. cx->msg says what.
 *   - Type nesting deeper than MAX_DEPTH traps with STACK_EXHAUSTED, so a
 *     deeply nested type cannot exhaust the host's C stack.
 *   - A lifted string's allocation remembers, in the byte after its NUL,
 *     whether a latin1+utf16 memory held it as UTF-16, so a string lowered
 *     into another component (cx->src_encoding != WC_UTF8) gets exactly
 *     the spec's realloc sequence for its original encoding.
 * Async values (error-context, stream, future) trap: not supported. */
#include <stdarg.h>

#include "component/ctypes.h"
#include "core/util.h"

#define MAX_STRING_BYTE_LENGTH ((1u << 28) - 1)
#define MAX_LIST_BYTE_LENGTH ((1u << 28) - 1)
#define UTF16_TAG 0x80000000u
#define TABLE_MAX_LENGTH ((1u << 28) - 1)
#define MAX_DEPTH 256u
#define CANON_NAN32 0x7fc00000u
#define CANON_NAN64 0x7ff8000000000000ull

typedef weft_trap_kind tk;
#define OK WEFT_TRAP_NONE
#define TRY(x)                  \
    do {                        \
        tk t_ = (x);            \
        if (t_ != OK)           \
            return t_;          \
    } while (0)

static tk fail(wc_cx *cx, tk k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wu_vfmt(cx->msg, sizeof cx->msg, fmt, ap);
    va_end(ap);
    return k;
}

static const weft_engine *eng(const wc_cx *cx) { return cx->store->engine; }

static const weft_ctype *ty(const wc_cx *cx, wc_tid id)
{
    return id < cx->types->n ? cx->types->v[id] : NULL;
}

static const wc_opts default_opts = { WC_UTF8, NULL, NULL, NULL };

static const wc_opts *opts(const wc_cx *cx) { return cx->opts ? cx->opts : &default_opts; }

static uint64_t align_up(uint64_t x, uint32_t a) { return (x + a - 1) & ~(uint64_t)(a - 1); }

static uint32_t disc_size(uint32_t n) { return n <= 256u ? 1u : n <= 65536u ? 2u : 4u; }

/* Cases of a (despecialized) variant. */
static uint32_t ncases(const weft_ctype *t)
{
    return t->kind == WEFT_C_OPTION || t->kind == WEFT_C_RESULT ? 2u : t->n;
}

static wc_tid case_type(const weft_ctype *t, uint32_t i)
{
    switch (t->kind) {
    case WEFT_C_VARIANT: return t->elems ? t->elems[i] : WC_NONE;
    case WEFT_C_OPTION: return i == 1 ? t->elem : WC_NONE;
    case WEFT_C_RESULT: return i == 0 ? t->elem : t->err;
    default: return WC_NONE;   /* enum */
    }
}

static bool is_nan32(uint32_t b) { return (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu); }
static bool is_nan64(uint64_t b)
{
    return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0xfffffffffffffull);
}

static bool valid_char(uint64_t c) { return c < 0x110000u && !(c >= 0xd800u && c <= 0xdfffu); }

/* ---------------------------------------------------------------- */
/* Memory                                                            */
/* ---------------------------------------------------------------- */

static weft_memory *mem(const wc_cx *cx) { return opts(cx)->memory; }

static tk need_memory(wc_cx *cx, const char *what)
{
    if (!mem(cx))
        return fail(cx, WC_TRAP_ABI, "%s requires the memory canonical option", what);
    return OK;
}

static bool in_mem(const wc_cx *cx, uint64_t ptr, uint64_t len)
{
    return ptr <= UINT32_MAX && len <= (1ull << 34) && ptr + len <= mem(cx)->size;
}

static tk oob(wc_cx *cx, const char *what, uint64_t ptr, uint64_t len)
{
    return fail(cx, WEFT_TRAP_MEMORY_OOB,
                "%s pointer/length out of bounds of memory (0x%llx + %llu > %llu)", what,
                (unsigned long long)ptr, (unsigned long long)len,
                (unsigned long long)mem(cx)->size);
}

static tk misaligned(wc_cx *cx, const char *what, uint64_t ptr, uint32_t align)
{
    return fail(cx, WC_TRAP_ABI, "misaligned %s pointer 0x%llx (alignment %u)", what,
                (unsigned long long)ptr, align);
}

/* Little-endian integer access, bounds-checked (callers have already
 * checked the whole range; this is the last line of defence). */
static tk rd(wc_cx *cx, uint64_t ptr, unsigned n, uint64_t *v)
{
    if (!in_mem(cx, ptr, n))
        return oob(cx, "load", ptr, n);
    const uint8_t *p = mem(cx)->data + ptr;
    uint64_t x = 0;
    for (unsigned i = n; i-- > 0;)
        x = x << 8 | p[i];
    *v = x;
    return OK;
}

static tk wr(wc_cx *cx, uint64_t ptr, unsigned n, uint64_t v)
{
    if (!in_mem(cx, ptr, n))
        return oob(cx, "store", ptr, n);
    uint8_t *p = mem(cx)->data + ptr;
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return OK;
}

/* ---------------------------------------------------------------- */
/* Calls into the guest                                              */
/* ---------------------------------------------------------------- */

static tk call_status(wc_cx *cx, weft_status s, const weft_error *err, const char *what)
{
    switch (s) {
    case WEFT_OK:
        return OK;
    case WEFT_TRAP:
        return fail(cx, err->trap, "%s trapped: %s", what, err->message);
    case WEFT_SUSPENDED:
        /* Out of fuel or interrupted with no wasm below us: a lift or
         * lower cannot be resumed halfway, so the call ends here. */
        weft_store_abandon(cx->store);
        return fail(cx, err->trap, "%s: %s", what, err->message);
    default:
        return fail(cx, WC_TRAP_ABI, "%s could not be called: %s", what, err->message);
    }
}

static tk call_realloc(wc_cx *cx, uint32_t old, uint32_t old_size, uint32_t align,
                       uint32_t new_size, uint32_t *out)
{
    weft_func *f = opts(cx)->realloc;
    if (!f)
        return fail(cx, WC_TRAP_ABI, "lowering this value requires the realloc canonical option");
    const weft_functype *ft = weft_func_type(f);
    if (ft->nparams != 4 || ft->nresults != 1 || ft->results[0] != WEFT_I32 ||
        ft->params[0] != WEFT_I32 || ft->params[1] != WEFT_I32 || ft->params[2] != WEFT_I32 ||
        ft->params[3] != WEFT_I32)
        return fail(cx, WC_TRAP_ABI, "realloc must have type (i32, i32, i32, i32) -> i32");
    weft_val args[4] = { weft_val_i32((int32_t)old), weft_val_i32((int32_t)old_size),
                         weft_val_i32((int32_t)align), weft_val_i32((int32_t)new_size) };
    weft_val res;
    weft_error err;
    bool saved = false;
    if (cx->inst) {
        saved = cx->inst->may_leave;
        cx->inst->may_leave = false;
    }
    weft_status s = weft_func_call(cx->store, f, args, 4, &res, 1, &err);
    if (cx->inst)
        cx->inst->may_leave = saved;
    TRY(call_status(cx, s, &err, "realloc"));
    *out = (uint32_t)res.of.i32;
    return OK;
}

static tk allocate(wc_cx *cx, uint32_t align, uint32_t size, uint32_t *out)
{
    return call_realloc(cx, 0, 0, align, size, out);
}

/* ---------------------------------------------------------------- */
/* UTF-8                                                             */
/* ---------------------------------------------------------------- */

/* Decodes one scalar value of UTF-8 at s[*i] (i < n); false if ill-formed
 * (overlong, surrogate, past U+10FFFF, truncated), as Python's strict
 * decoder. */
static bool utf8_dec(const uint8_t *s, size_t n, size_t *i, uint32_t *cp)
{
    uint8_t b0 = s[*i];
    if (b0 < 0x80) {
        *cp = b0;
        (*i)++;
        return true;
    }
    size_t need;
    uint32_t c;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        need = 1;
        c = b0 & 0x1fu;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        need = 2;
        c = b0 & 0x0fu;
        if (b0 == 0xe0)
            lo = 0xa0;
        else if (b0 == 0xed)
            hi = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        need = 3;
        c = b0 & 0x07u;
        if (b0 == 0xf0)
            lo = 0x90;
        else if (b0 == 0xf4)
            hi = 0x8f;
    } else {
        return false;
    }
    if (n - *i - 1 < need)
        return false;
    for (size_t k = 1; k <= need; k++) {
        uint8_t b = s[*i + k];
        if (b < lo || b > hi)
            return false;
        lo = 0x80;
        hi = 0xbf;
        c = c << 6 | (b & 0x3fu);
    }
    *i += need + 1;
    *cp = c;
    return true;
}

static size_t utf8_len(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

static size_t utf8_enc(uint32_t cp, uint8_t *o)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

/* ---------------------------------------------------------------- */
/* Handle tables                                                     */
/* ---------------------------------------------------------------- */

static tk need_inst(wc_cx *cx)
{
    if (!cx->inst)
        return fail(cx, WC_TRAP_ABI, "resource handles need a component instance");
    return OK;
}

static tk table_get(wc_cx *cx, uint32_t i, wc_handle **out)
{
    TRY(need_inst(cx));
    wc_htable *t = &cx->inst->handles;
    if (i >= t->n || !t->v[i].type)
        return fail(cx, WC_TRAP_ABI, "unknown handle index %u", i);
    *out = &t->v[i];
    return OK;
}

static tk table_add(wc_cx *cx, const wc_handle *h, uint32_t *out)
{
    TRY(need_inst(cx));
    wc_htable *t = &cx->inst->handles;
    uint32_t i;
    if (t->free_head) {
        i = t->free_head;
        t->free_head = t->v[i].next_free;
    } else {
        i = t->n ? t->n : 1;   /* index 0 is reserved */
        if (i > TABLE_MAX_LENGTH)
            return fail(cx, WC_TRAP_ABI, "handle table is full");
        if (i >= t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 16;
            wc_handle *v = wu_realloc(eng(cx), t->v, sizeof *v * (size_t)t->cap,
                                      sizeof *v * (size_t)cap);
            if (!v)
                return fail(cx, WEFT_TRAP_HOST, "out of memory growing a handle table");
            memset(v + t->cap, 0, sizeof *v * (size_t)(cap - t->cap));
            t->v = v;
            t->cap = cap;
        }
        t->n = i + 1;
    }
    t->v[i] = *h;
    t->v[i].next_free = 0;
    *out = i;
    return OK;
}

static void table_remove(wc_htable *t, uint32_t i)
{
    memset(&t->v[i], 0, sizeof t->v[i]);
    t->v[i].next_free = t->free_head;
    t->free_head = i;
}

void wc_htable_free(const weft_engine *e, wc_htable *t)
{
    if (t->v)
        wu_free(e, t->v, sizeof *t->v * (size_t)t->cap);
    memset(t, 0, sizeof *t);
}

uint32_t wc_htable_count_borrows(const wc_htable *t, uint32_t scope)
{
    uint32_t k = 0;
    for (uint32_t i = 1; i < t->n; i++)
        if (t->v[i].type && !t->v[i].own && t->v[i].borrow_scope == scope)
            k++;
    return k;
}

weft_resource *wc_resource_obj_new(weft_store *st, const weft_resource_type *rt,
                                   uint32_t rep, bool own)
{
    weft_resource *r = wu_alloc(st->engine, sizeof *r);
    if (!r)
        return NULL;
    r->hdr.size = sizeof *r;
    r->hdr.kind = 0;
    r->hdr.cleanup = NULL;
    r->hdr.next = st->objs;
    st->objs = &r->hdr;
    r->type = rt;
    r->rep = rep;
    r->own = own;
    return r;
}

/* The run-time resource type an own/borrow type names. */
static tk rtype_of(wc_cx *cx, const weft_ctype *t, const weft_resource_type **out)
{
    const weft_ctype *r = ty(cx, t->elem);
    if (!r || r->kind != WC_K_RESOURCE)
        return fail(cx, WC_TRAP_ABI, "%s type does not name a resource type",
                    weft_ckind_name((weft_ckind)t->kind));
    if (!cx->rtypes || r->resource_id >= cx->nrtypes || !cx->rtypes[r->resource_id])
        return fail(cx, WC_TRAP_ABI, "resource type %u has no run-time type here",
                    r->resource_id);
    *out = cx->rtypes[r->resource_id];
    return OK;
}

static tk add_lender(wc_cx *cx, uint32_t idx)
{
    if (cx->nlenders == cx->cap_lenders) {
        uint32_t cap = cx->cap_lenders ? cx->cap_lenders * 2 : 8;
        uint32_t *v = wu_realloc(eng(cx), cx->lenders, sizeof *v * (size_t)cx->cap_lenders,
                                 sizeof *v * (size_t)cap);
        if (!v)
            return fail(cx, WEFT_TRAP_HOST, "out of memory recording a borrow");
        cx->lenders = v;
        cx->cap_lenders = cap;
    }
    cx->lenders[cx->nlenders++] = idx;
    return OK;
}

void wc_cx_end_call(wc_cx *cx)
{
    if (cx->inst) {
        wc_htable *t = &cx->inst->handles;
        for (uint32_t k = 0; k < cx->nlenders; k++) {
            uint32_t i = cx->lenders[k];
            if (i < t->n && t->v[i].type && t->v[i].num_lends)
                t->v[i].num_lends--;
        }
    }
    if (cx->lenders)
        wu_free(eng(cx), cx->lenders, sizeof *cx->lenders * (size_t)cx->cap_lenders);
    cx->lenders = NULL;
    cx->nlenders = cx->cap_lenders = 0;
}

static tk lift_own(wc_cx *cx, uint32_t i, const weft_ctype *t, weft_cval *out)
{
    const weft_resource_type *rt = NULL;
    wc_handle *h = NULL;
    TRY(rtype_of(cx, t, &rt));
    TRY(table_get(cx, i, &h));
    if (h->type != rt)
        return fail(cx, WC_TRAP_ABI, "handle %u is of the wrong resource type", i);
    if (h->num_lends)
        return fail(cx, WC_TRAP_ABI, "cannot move handle %u: it is lent out", i);
    if (!h->own)
        return fail(cx, WC_TRAP_ABI, "handle %u is a borrow, not an own handle", i);
    weft_resource *r = wc_resource_obj_new(cx->store, rt, h->rep, true);
    if (!r)
        return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a resource");
    table_remove(&cx->inst->handles, i);
    out->kind = WEFT_C_OWN;
    out->of.handle.res = r;
    return OK;
}

static tk lift_borrow(wc_cx *cx, uint32_t i, const weft_ctype *t, weft_cval *out)
{
    const weft_resource_type *rt = NULL;
    wc_handle *h = NULL;
    TRY(rtype_of(cx, t, &rt));
    TRY(table_get(cx, i, &h));
    if (h->type != rt)
        return fail(cx, WC_TRAP_ABI, "handle %u is of the wrong resource type", i);
    weft_resource *r = wc_resource_obj_new(cx->store, rt, h->rep, false);
    if (!r)
        return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a resource");
    TRY(add_lender(cx, i));
    cx->inst->handles.v[i].num_lends++;
    out->kind = WEFT_C_BORROW;
    out->of.handle.res = r;
    return OK;
}

static tk host_resource(wc_cx *cx, const weft_cval *v, const weft_resource_type *rt)
{
    const weft_resource *r = v->of.handle.res;
    if (!r)
        return fail(cx, WEFT_TRAP_HOST, "resource value is NULL");
    if (r->dropped)
        return fail(cx, WEFT_TRAP_HOST, "resource was already dropped or moved");
    if (r->type != rt)
        return fail(cx, WEFT_TRAP_HOST, "resource of the wrong resource type");
    return OK;
}

static tk lower_own(wc_cx *cx, const weft_cval *v, const weft_ctype *t, uint32_t *out)
{
    const weft_resource_type *rt = NULL;
    TRY(rtype_of(cx, t, &rt));
    TRY(host_resource(cx, v, rt));
    weft_resource *r = v->of.handle.res;
    if (!r->own)
        return fail(cx, WEFT_TRAP_HOST, "a borrowed resource cannot be passed as own");
    wc_handle h;
    memset(&h, 0, sizeof h);
    h.type = rt;
    h.rep = r->rep;
    h.own = true;
    TRY(table_add(cx, &h, out));
    r->dropped = true;   /* moved into the instance */
    return OK;
}

static tk lower_borrow(wc_cx *cx, const weft_cval *v, const weft_ctype *t, uint32_t *out)
{
    const weft_resource_type *rt = NULL;
    TRY(rtype_of(cx, t, &rt));
    TRY(host_resource(cx, v, rt));
    const weft_resource *r = v->of.handle.res;
    if (cx->inst && rt->impl == cx->inst) {
        *out = r->rep;
        return OK;
    }
    wc_handle h;
    memset(&h, 0, sizeof h);
    h.type = rt;
    h.rep = r->rep;
    h.own = false;
    h.borrow_scope = cx->scope;
    return table_add(cx, &h, out);
}

static tk check_may_leave(wc_cx *cx, const char *what)
{
    TRY(need_inst(cx));
    if (!cx->inst->may_leave)
        return fail(cx, WC_TRAP_ABI, "%s called while the instance may not leave", what);
    return OK;
}

weft_trap_kind wc_resource_new(wc_cx *cx, const weft_resource_type *rt, uint32_t rep,
                               uint32_t *index)
{
    cx->msg[0] = 0;
    TRY(check_may_leave(cx, "resource.new"));
    wc_handle h;
    memset(&h, 0, sizeof h);
    h.type = rt;
    h.rep = rep;
    h.own = true;
    return table_add(cx, &h, index);
}

weft_trap_kind wc_resource_drop(wc_cx *cx, const weft_resource_type *rt, uint32_t index)
{
    cx->msg[0] = 0;
    wc_handle *h = NULL;
    TRY(check_may_leave(cx, "resource.drop"));
    TRY(table_get(cx, index, &h));
    if (h->type != rt)
        return fail(cx, WC_TRAP_ABI, "handle %u is of the wrong resource type", index);
    if (h->num_lends)
        return fail(cx, WC_TRAP_ABI, "cannot drop handle %u: it is lent out", index);
    if (!h->own) {
        /* Beyond the spec (which needs no such check while a task must
         * drop its borrows before returning): a borrow dropped by another
         * call than the one it was lent to. cx->scope 0: not tracked. */
        if (cx->scope && h->borrow_scope != cx->scope)
            return fail(cx, WC_TRAP_ABI,
                        "borrow handle %u dropped outside the call that received it", index);
        table_remove(&cx->inst->handles, index);
        return OK;
    }
    uint32_t rep = h->rep;
    table_remove(&cx->inst->handles, index);
    if (rt->dtor) {
        if (rt->impl && rt->impl->trapped)
            return fail(cx, WC_TRAP_ABI, "resource destructor: the defining instance has trapped");
        weft_val arg = weft_val_i32((int32_t)rep);
        weft_error err;
        weft_status s = weft_func_call(cx->store, rt->dtor, &arg, 1, NULL, 0, &err);
        return call_status(cx, s, &err, "resource destructor");
    }
    if (rt->host_dtor)
        rt->host_dtor(rt->user, rep);
    return OK;
}

weft_trap_kind wc_resource_rep(wc_cx *cx, const weft_resource_type *rt, uint32_t index,
                               uint32_t *rep)
{
    cx->msg[0] = 0;
    wc_handle *h = NULL;
    TRY(table_get(cx, index, &h));
    if (h->type != rt)
        return fail(cx, WC_TRAP_ABI, "handle %u is of the wrong resource type", index);
    *rep = h->rep;
    return OK;
}

/* ---------------------------------------------------------------- */
/* Freeing values                                                    */
/* ---------------------------------------------------------------- */

static void free_val(const weft_engine *e, weft_cval *v)
{
    switch (v->kind) {
    case WEFT_C_STRING:
        if (v->of.str.ptr)
            wu_free(e, (void *)(uintptr_t)v->of.str.ptr, v->of.str.len + 2);
        v->of.str.ptr = NULL;
        v->of.str.len = 0;
        break;
    case WEFT_C_LIST:
    case WEFT_C_RECORD:
    case WEFT_C_TUPLE:
        if (v->of.list.items) {
            for (size_t i = 0; i < v->of.list.len; i++)
                free_val(e, &v->of.list.items[i]);
            wu_free(e, v->of.list.items, sizeof(weft_cval) * v->of.list.len);
        }
        v->of.list.items = NULL;
        v->of.list.len = 0;
        break;
    case WEFT_C_VARIANT:
    case WEFT_C_ENUM:
    case WEFT_C_OPTION:
    case WEFT_C_RESULT:
        if (v->of.variant.payload) {
            free_val(e, v->of.variant.payload);
            wu_free(e, v->of.variant.payload, sizeof(weft_cval));
        }
        v->of.variant.payload = NULL;
        break;
    default:
        break;
    }
}

void weft_cvals_free(weft_engine *engine, weft_cval *vals, size_t n)
{
    if (!engine || !vals)
        return;
    for (size_t i = 0; i < n; i++)
        free_val(engine, &vals[i]);
}

/* ---------------------------------------------------------------- */
/* Lifting                                                           */
/* ---------------------------------------------------------------- */

typedef struct vit {
    const weft_val *v;
    uint32_t i, n;
} vit;

static tk next(wc_cx *cx, vit *it, uint8_t want, uint64_t *bits)
{
    if (it->i >= it->n)
        return fail(cx, WC_TRAP_ABI, "too few core values (%u)", it->n);
    const weft_val *v = &it->v[it->i++];
    if ((uint8_t)v->kind != want)
        return fail(cx, WC_TRAP_ABI, "core value %u is %s, expected %s", it->i - 1,
                    weft_valkind_name(v->kind), weft_valkind_name((weft_valkind)want));
    switch (want) {
    case WEFT_I32: *bits = (uint32_t)v->of.i32; break;
    case WEFT_F32: *bits = v->of.f32_bits; break;
    case WEFT_I64: *bits = (uint64_t)v->of.i64; break;
    default: *bits = v->of.f64_bits; break;
    }
    return OK;
}

static tk check_type(wc_cx *cx, const weft_ctype *t, unsigned depth)
{
    if (!t)
        return fail(cx, WC_TRAP_ABI, "unknown type");
    if (depth > MAX_DEPTH)
        return fail(cx, WEFT_TRAP_STACK_EXHAUSTED, "component value nesting is too deep");
    if (t->kind >= WEFT_C_KIND_COUNT_ || t->align == 0)
        return fail(cx, WC_TRAP_ABI, "type has no canonical ABI layout");
    return OK;
}

static tk unsupported(wc_cx *cx, const weft_ctype *t)
{
    return fail(cx, WC_TRAP_ABI, "%s values are not supported (async is not implemented)",
                weft_ckind_name((weft_ckind)t->kind));
}

static void *alloc_or_null(wc_cx *cx, size_t size) { return wu_alloc(eng(cx), size); }

static void set_f32(weft_cval *out, uint32_t bits)
{
    if (is_nan32(bits))
        bits = CANON_NAN32;
    out->kind = WEFT_C_F32;
    memcpy(&out->of.f32, &bits, 4);
}

static void set_f64(weft_cval *out, uint64_t bits)
{
    if (is_nan64(bits))
        bits = CANON_NAN64;
    out->kind = WEFT_C_F64;
    memcpy(&out->of.f64, &bits, 8);
}

/* Lifts an integer-like value already read (at full core width or from
 * memory) into out. */
static tk lift_scalar(wc_cx *cx, const weft_ctype *t, uint64_t x, weft_cval *out)
{
    switch (t->kind) {
    case WEFT_C_BOOL: out->of.b = x != 0; break;
    case WEFT_C_U8: out->of.u = x & 0xffu; break;
    case WEFT_C_U16: out->of.u = x & 0xffffu; break;
    case WEFT_C_U32: out->of.u = x & 0xffffffffu; break;
    case WEFT_C_U64: out->of.u = x; break;
    case WEFT_C_S8: out->of.s = (int8_t)(uint8_t)x; break;
    case WEFT_C_S16: out->of.s = (int16_t)(uint16_t)x; break;
    case WEFT_C_S32: out->of.s = (int32_t)(uint32_t)x; break;
    case WEFT_C_S64: out->of.s = (int64_t)x; break;
    case WEFT_C_F32: set_f32(out, (uint32_t)x); return OK;
    case WEFT_C_F64: set_f64(out, x); return OK;
    case WEFT_C_CHAR:
        if (!valid_char(x))
            return fail(cx, WC_TRAP_ABI, "invalid char value 0x%llx", (unsigned long long)x);
        out->of.ch = (uint32_t)x;
        break;
    case WEFT_C_FLAGS:
        out->of.flags = (uint32_t)x & (t->n >= 32 ? 0xffffffffu : (1u << t->n) - 1);
        break;
    default:
        return fail(cx, WC_TRAP_ABI, "not a scalar type");
    }
    out->kind = (weft_ckind)t->kind;
    return OK;
}

static tk load_string_from_range(wc_cx *cx, uint64_t ptr, uint64_t tagged, weft_cval *out)
{
    TRY(need_memory(cx, "lifting a string"));
    uint8_t enc = opts(cx)->encoding;
    uint32_t align = 1;
    uint64_t bytes = tagged;
    bool utf16 = false, latin1 = false, tagged_form = false;
    if (enc == WC_UTF16) {
        align = 2;
        bytes = 2 * tagged;
        utf16 = true;
    } else if (enc == WC_LATIN1_UTF16) {
        align = 2;
        if (tagged & UTF16_TAG) {
            bytes = 2 * (tagged ^ UTF16_TAG);
            utf16 = true;
            tagged_form = true;
        } else {
            latin1 = true;
        }
    }
    if (bytes > MAX_STRING_BYTE_LENGTH)
        return fail(cx, WC_TRAP_ABI, "string too long (%llu bytes)", (unsigned long long)bytes);
    if (ptr & (align - 1))
        return misaligned(cx, "string", ptr, align);
    if (!in_mem(cx, ptr, bytes))
        return oob(cx, "string", ptr, bytes);
    const uint8_t *src = mem(cx)->data + ptr;
    /* Validate and measure the UTF-8 result. */
    size_t len = 0;
    if (utf16) {
        size_t nu = (size_t)bytes / 2;
        for (size_t i = 0; i < nu; i++) {
            uint32_t u = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8);
            if (u >= 0xd800 && u <= 0xdbff) {
                uint32_t u2 = i + 1 < nu ? (uint32_t)(src[2 * i + 2] | src[2 * i + 3] << 8) : 0;
                if (u2 < 0xdc00 || u2 > 0xdfff)
                    return fail(cx, WC_TRAP_ABI, "string is not valid UTF-16 (unpaired surrogate at unit %zu)", i);
                i++;
                len += 4;
            } else if (u >= 0xdc00 && u <= 0xdfff) {
                return fail(cx, WC_TRAP_ABI, "string is not valid UTF-16 (unpaired surrogate at unit %zu)", i);
            } else {
                len += utf8_len(u);
            }
        }
    } else if (latin1) {
        len = (size_t)bytes;
        for (size_t i = 0; i < bytes; i++)
            len += src[i] >= 0x80;
    } else {
        size_t i = 0;
        uint32_t cp = 0;
        while (i < bytes)
            if (!utf8_dec(src, (size_t)bytes, &i, &cp))
                return fail(cx, WC_TRAP_ABI, "string is not valid UTF-8 (at byte %zu)", i);
        len = (size_t)bytes;
    }
    uint8_t *dst = alloc_or_null(cx, len + 2);
    if (!dst)
        return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a string of %zu bytes", len);
    if (utf16) {
        size_t nu = (size_t)bytes / 2, o = 0;
        for (size_t i = 0; i < nu; i++) {
            uint32_t u = (uint32_t)(src[2 * i] | src[2 * i + 1] << 8);
            if (u >= 0xd800 && u <= 0xdbff) {
                uint32_t u2 = (uint32_t)(src[2 * i + 2] | src[2 * i + 3] << 8);
                u = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
                i++;
            }
            o += utf8_enc(u, dst + o);
        }
    } else if (latin1) {
        size_t o = 0;
        for (size_t i = 0; i < bytes; i++)
            o += utf8_enc(src[i], dst + o);
    } else {
        memcpy(dst, src, len);
    }
    dst[len] = 0;
    dst[len + 1] = tagged_form;
    out->kind = WEFT_C_STRING;
    out->of.str.ptr = (const char *)dst;
    out->of.str.len = len;
    return OK;
}

static tk load(wc_cx *cx, uint64_t ptr, wc_tid tid, weft_cval *out, unsigned depth);

static tk load_list_from_range(wc_cx *cx, uint64_t ptr, uint64_t length, wc_tid elem,
                               weft_cval *out, unsigned depth)
{
    TRY(need_memory(cx, "lifting a list"));
    const weft_ctype *e = ty(cx, elem);
    TRY(check_type(cx, e, depth + 1));
    uint64_t bytes = length * e->size;
    if (bytes > MAX_LIST_BYTE_LENGTH)
        return fail(cx, WC_TRAP_ABI, "list too long (%llu bytes)", (unsigned long long)bytes);
    if (ptr & (e->align - 1))
        return misaligned(cx, "list", ptr, e->align);
    if (!in_mem(cx, ptr, bytes))
        return oob(cx, "list", ptr, bytes);
    out->kind = WEFT_C_LIST;
    out->of.list.items = NULL;
    out->of.list.len = 0;
    if (length == 0)
        return OK;
    weft_cval *items = alloc_or_null(cx, sizeof *items * (size_t)length);
    if (!items)
        return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a list of %llu elements",
                    (unsigned long long)length);
    out->of.list.items = items;
    out->of.list.len = (size_t)length;
    for (uint64_t i = 0; i < length; i++)
        TRY(load(cx, ptr + i * e->size, elem, &items[i], depth + 1));
    return OK;
}

/* Items of a record or tuple, freeable at every step. */
static weft_cval *start_items(wc_cx *cx, const weft_ctype *t, weft_cval *out)
{
    out->kind = (weft_ckind)t->kind;
    out->of.list.items = NULL;
    out->of.list.len = 0;
    if (t->n == 0)
        return out;   /* non-NULL: nothing to fill */
    weft_cval *items = alloc_or_null(cx, sizeof *items * t->n);
    if (items) {
        out->of.list.items = items;
        out->of.list.len = t->n;
    }
    return items;
}

/* Starts a variant value with case disc; *payload is where its payload
 * goes (NULL if none). */
static tk start_variant(wc_cx *cx, const weft_ctype *t, uint32_t disc, weft_cval *out,
                        weft_cval **payload)
{
    out->kind = (weft_ckind)t->kind;
    out->of.variant.disc = disc;
    out->of.variant.payload = NULL;
    *payload = NULL;
    if (case_type(t, disc) == WC_NONE)
        return OK;
    weft_cval *p = alloc_or_null(cx, sizeof *p);
    if (!p)
        return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a variant");
    out->of.variant.payload = p;
    *payload = p;
    return OK;
}

static tk load(wc_cx *cx, uint64_t ptr, wc_tid tid, weft_cval *out, unsigned depth)
{
    const weft_ctype *t = ty(cx, tid);
    TRY(check_type(cx, t, depth));
    uint64_t x = 0, y = 0;
    switch (t->kind) {
    case WEFT_C_BOOL: case WEFT_C_U8: case WEFT_C_S8:
    case WEFT_C_U16: case WEFT_C_S16: case WEFT_C_U32: case WEFT_C_S32:
    case WEFT_C_U64: case WEFT_C_S64: case WEFT_C_F32: case WEFT_C_F64:
    case WEFT_C_CHAR: case WEFT_C_FLAGS:
        TRY(rd(cx, ptr, t->size, &x));
        return lift_scalar(cx, t, x, out);
    case WEFT_C_STRING:
        TRY(rd(cx, ptr, 4, &x));
        TRY(rd(cx, ptr + 4, 4, &y));
        return load_string_from_range(cx, x, y, out);
    case WEFT_C_LIST:
        TRY(rd(cx, ptr, 4, &x));
        TRY(rd(cx, ptr + 4, 4, &y));
        return load_list_from_range(cx, x, y, t->elem, out, depth);
    case WEFT_C_RECORD:
    case WEFT_C_TUPLE: {
        weft_cval *items = start_items(cx, t, out);
        if (!items)
            return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a record");
        for (uint32_t i = 0; i < t->n; i++) {
            const weft_ctype *f = ty(cx, t->elems[i]);
            TRY(check_type(cx, f, depth + 1));
            ptr = align_up(ptr, f->align);
            TRY(load(cx, ptr, t->elems[i], &items[i], depth + 1));
            ptr += f->size;
        }
        return OK;
    }
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT: {
        uint32_t nc = ncases(t), ds = disc_size(nc);
        TRY(rd(cx, ptr, ds, &x));
        if (x >= nc)
            return fail(cx, WC_TRAP_ABI, "invalid %s discriminant %llu (%u cases)",
                        weft_ckind_name((weft_ckind)t->kind), (unsigned long long)x, nc);
        weft_cval *p;
        TRY(start_variant(cx, t, (uint32_t)x, out, &p));
        if (!p)
            return OK;
        /* the payload starts at align_to(ds, max case alignment) = align */
        return load(cx, ptr + t->align, case_type(t, (uint32_t)x), p, depth + 1);
    }
    case WEFT_C_OWN:
        TRY(rd(cx, ptr, 4, &x));
        return lift_own(cx, (uint32_t)x, t, out);
    case WEFT_C_BORROW:
        TRY(rd(cx, ptr, 4, &x));
        return lift_borrow(cx, (uint32_t)x, t, out);
    default:
        return unsupported(cx, t);
    }
}

static tk lift_flat(wc_cx *cx, vit *it, wc_tid tid, weft_cval *out, unsigned depth)
{
    const weft_ctype *t = ty(cx, tid);
    TRY(check_type(cx, t, depth));
    uint64_t x = 0, y = 0;
    switch (t->kind) {
    case WEFT_C_BOOL: case WEFT_C_U8: case WEFT_C_S8:
    case WEFT_C_U16: case WEFT_C_S16: case WEFT_C_U32: case WEFT_C_S32:
    case WEFT_C_CHAR: case WEFT_C_FLAGS:
        TRY(next(cx, it, WEFT_I32, &x));
        return lift_scalar(cx, t, x, out);
    case WEFT_C_U64: case WEFT_C_S64:
        TRY(next(cx, it, WEFT_I64, &x));
        return lift_scalar(cx, t, x, out);
    case WEFT_C_F32:
        TRY(next(cx, it, WEFT_F32, &x));
        return lift_scalar(cx, t, x, out);
    case WEFT_C_F64:
        TRY(next(cx, it, WEFT_F64, &x));
        return lift_scalar(cx, t, x, out);
    case WEFT_C_STRING:
        TRY(next(cx, it, WEFT_I32, &x));
        TRY(next(cx, it, WEFT_I32, &y));
        return load_string_from_range(cx, x, y, out);
    case WEFT_C_LIST:
        TRY(next(cx, it, WEFT_I32, &x));
        TRY(next(cx, it, WEFT_I32, &y));
        return load_list_from_range(cx, x, y, t->elem, out, depth);
    case WEFT_C_RECORD:
    case WEFT_C_TUPLE: {
        weft_cval *items = start_items(cx, t, out);
        if (!items)
            return fail(cx, WEFT_TRAP_HOST, "out of memory lifting a record");
        for (uint32_t i = 0; i < t->n; i++)
            TRY(lift_flat(cx, it, t->elems[i], &items[i], depth + 1));
        return OK;
    }
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT: {
        if (t->nflat == WC_FLAT_OVER || t->nflat == 0)
            return fail(cx, WC_TRAP_ABI, "variant too large to lift from core values");
        uint32_t nc = ncases(t);
        TRY(next(cx, it, WEFT_I32, &x));
        if (x >= nc)
            return fail(cx, WC_TRAP_ABI, "invalid %s discriminant %llu (%u cases)",
                        weft_ckind_name((weft_ckind)t->kind), (unsigned long long)x, nc);
        wc_tid ct = case_type(t, (uint32_t)x);
        const weft_ctype *c = ct == WC_NONE ? NULL : ty(cx, ct);
        if (ct != WC_NONE)
            TRY(check_type(cx, c, depth + 1));
        uint32_t k = c ? c->nflat : 0, rest = t->nflat - 1u;
        if (k > rest)
            return fail(cx, WC_TRAP_ABI, "variant payload too large to lift");
        /* Read the payload's share of the joined values, coercing each
         * from the joined type to the case's own type. */
        weft_val conv[WC_MAX_FLAT_PARAMS];
        for (uint32_t j = 0; j < rest; j++) {
            uint8_t have = t->flat[1 + j];
            TRY(next(cx, it, have, &y));
            if (j >= k)
                continue;
            uint8_t want = c->flat[j];
            if (have == WEFT_I64 && want != WEFT_I64 && want != WEFT_F64)
                y &= 0xffffffffu;   /* wrap_i64_to_i32 */
            memset(&conv[j], 0, sizeof conv[j]);
            conv[j].kind = (weft_valkind)want;
            if (want == WEFT_I32 || want == WEFT_F32)
                conv[j].of.f32_bits = (uint32_t)y;
            else
                conv[j].of.f64_bits = y;
        }
        weft_cval *p;
        TRY(start_variant(cx, t, (uint32_t)x, out, &p));
        if (!p)
            return OK;
        vit sub = { conv, 0, k };
        return lift_flat(cx, &sub, ct, p, depth + 1);
    }
    case WEFT_C_OWN:
        TRY(next(cx, it, WEFT_I32, &x));
        return lift_own(cx, (uint32_t)x, t, out);
    case WEFT_C_BORROW:
        TRY(next(cx, it, WEFT_I32, &x));
        return lift_borrow(cx, (uint32_t)x, t, out);
    default:
        return unsupported(cx, t);
    }
}

/* Size and alignment of the tuple of types ts (all checked). */
static tk tuple_layout(wc_cx *cx, const wc_tid *ts, uint32_t n, uint64_t *size, uint32_t *align)
{
    uint64_t s = 0;
    uint32_t a = 1;
    for (uint32_t i = 0; i < n; i++) {
        const weft_ctype *t = ty(cx, ts[i]);
        s = align_up(s, t->align) + t->size;
        if (t->align > a)
            a = t->align;
    }
    *size = align_up(s, a);
    *align = a;
    if (*size > UINT32_MAX)
        return fail(cx, WC_TRAP_ABI, "values too large for a 32-bit memory");
    return OK;
}

static tk check_types(wc_cx *cx, const wc_tid *ts, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        TRY(check_type(cx, ty(cx, ts[i]), 0));
    return OK;
}

static tk lift_values(wc_cx *cx, uint32_t max_flat, const weft_val *flat, uint32_t nflat,
                      const wc_tid *ts, uint32_t n, weft_cval *out)
{
    TRY(check_types(cx, ts, n));
    uint32_t cnt = wc_flatten_types(cx->types, ts, n, NULL, 0);
    vit it = { flat, 0, nflat };
    if (cnt == WC_FLAT_OVER || cnt > max_flat) {
        uint64_t x, size;
        uint32_t align;
        TRY(next(cx, &it, WEFT_I32, &x));
        TRY(need_memory(cx, "lifting values through memory"));
        TRY(tuple_layout(cx, ts, n, &size, &align));
        if (x & (align - 1))
            return misaligned(cx, "values", x, align);
        if (!in_mem(cx, x, size))
            return oob(cx, "values", x, size);
        for (uint32_t i = 0; i < n; i++) {
            const weft_ctype *t = ty(cx, ts[i]);
            x = align_up(x, t->align);
            TRY(load(cx, x, ts[i], &out[i], 0));
            x += t->size;
        }
    } else {
        for (uint32_t i = 0; i < n; i++)
            TRY(lift_flat(cx, &it, ts[i], &out[i], 0));
    }
    if (it.i != nflat)
        return fail(cx, WC_TRAP_ABI, "%u core values given, %u expected", nflat, it.i);
    return OK;
}

weft_trap_kind wc_lift_values(wc_cx *cx, uint32_t max_flat, const weft_val *flat,
                              uint32_t nflat, const wc_tid *ts, uint32_t n,
                              weft_cval *out)
{
    cx->msg[0] = 0;
    if (n)
        memset(out, 0, sizeof *out * n);
    tk k = lift_values(cx, max_flat, flat, nflat, ts, n, out);
    if (k != OK && n) {
        for (uint32_t i = 0; i < n; i++)
            free_val(eng(cx), &out[i]);
        memset(out, 0, sizeof *out * n);
    }
    return k;
}

/* ---------------------------------------------------------------- */
/* Lowering: host values                                             */
/* ---------------------------------------------------------------- */

static tk want_kind(wc_cx *cx, const weft_cval *v, const weft_ctype *t)
{
    if (v->kind != (weft_ckind)t->kind)
        return fail(cx, WEFT_TRAP_HOST, "value does not match its type: %s given for %s",
                    weft_ckind_name(v->kind), weft_ckind_name((weft_ckind)t->kind));
    return OK;
}

static tk range_err(wc_cx *cx, const weft_ctype *t)
{
    return fail(cx, WEFT_TRAP_HOST, "value out of range for %s",
                weft_ckind_name((weft_ckind)t->kind));
}

/* The core bits of a scalar host value (at its core width). */
static tk scalar_bits(wc_cx *cx, const weft_cval *v, const weft_ctype *t, uint64_t *out)
{
    TRY(want_kind(cx, v, t));
    int64_t s = v->of.s;
    uint64_t u = v->of.u;
    switch (t->kind) {
    case WEFT_C_BOOL: *out = v->of.b ? 1 : 0; return OK;
    case WEFT_C_U8: if (u > 0xffu) return range_err(cx, t); *out = u; return OK;
    case WEFT_C_U16: if (u > 0xffffu) return range_err(cx, t); *out = u; return OK;
    case WEFT_C_U32: if (u > 0xffffffffu) return range_err(cx, t); *out = u; return OK;
    case WEFT_C_U64: *out = u; return OK;
    case WEFT_C_S8: if (s < -128 || s > 127) return range_err(cx, t); break;
    case WEFT_C_S16: if (s < -32768 || s > 32767) return range_err(cx, t); break;
    case WEFT_C_S32: if (s < INT32_MIN || s > INT32_MAX) return range_err(cx, t); break;
    case WEFT_C_S64: *out = (uint64_t)s; return OK;
    case WEFT_C_F32: {
        uint32_t b;
        memcpy(&b, &v->of.f32, 4);
        *out = is_nan32(b) ? CANON_NAN32 : b;
        return OK;
    }
    case WEFT_C_F64: {
        uint64_t b;
        memcpy(&b, &v->of.f64, 8);
        *out = is_nan64(b) ? CANON_NAN64 : b;
        return OK;
    }
    case WEFT_C_CHAR:
        if (!valid_char(v->of.ch))
            return fail(cx, WEFT_TRAP_HOST, "char value 0x%x is not a Unicode scalar value",
                        v->of.ch);
        *out = v->of.ch;
        return OK;
    case WEFT_C_FLAGS:
        *out = v->of.flags & (t->n >= 32 ? 0xffffffffu : (1u << t->n) - 1);
        return OK;
    default:
        return fail(cx, WC_TRAP_ABI, "not a scalar type");
    }
    *out = (uint32_t)(int32_t)s;   /* lower_flat_signed(i, 32) */
    return OK;
}

/* ---------------------------------------------------------------- */
/* Lowering: strings                                                 */
/* ---------------------------------------------------------------- */

enum { SRC_UTF8, SRC_UTF16, SRC_LATIN1 };

typedef struct srcstr {
    const uint8_t *s;
    size_t len;            /* UTF-8 bytes */
    uint8_t enc;           /* original encoding: WC_UTF8 / WC_UTF16 / WC_LATIN1_UTF16 */
    uint8_t simple;        /* SRC_* */
    uint32_t units;        /* code units in the source encoding */
} srcstr;

static tk src_string(wc_cx *cx, const weft_cval *v, srcstr *ss)
{
    const uint8_t *s = (const uint8_t *)v->of.str.ptr;
    size_t len = v->of.str.len;
    if (!s && len)
        return fail(cx, WEFT_TRAP_HOST, "string value has a NULL pointer");
    size_t i = 0, nu16 = 0, ncp = 0;
    uint32_t cp = 0, maxcp = 0;
    while (i < len) {
        if (!utf8_dec(s, len, &i, &cp))
            return fail(cx, WEFT_TRAP_HOST, "string value is not valid UTF-8 (at byte %zu)", i);
        nu16 += cp >= 0x10000 ? 2 : 1;
        ncp++;
        if (cp > maxcp)
            maxcp = cp;
    }
    ss->s = s;
    ss->len = len;
    ss->enc = cx->src_encoding;
    uint64_t src_bytes;
    switch (cx->src_encoding) {
    case WC_UTF16:
        ss->simple = SRC_UTF16;
        src_bytes = 2 * (uint64_t)nu16;
        break;
    case WC_LATIN1_UTF16:
        /* the lifted string says whether it was stored as UTF-16 */
        if ((s && s[len + 1]) || maxcp >= 256) {
            ss->simple = SRC_UTF16;
            src_bytes = 2 * (uint64_t)nu16;
        } else {
            ss->simple = SRC_LATIN1;
            src_bytes = ncp;
        }
        break;
    default:
        ss->enc = WC_UTF8;
        ss->simple = SRC_UTF8;
        src_bytes = len;
        break;
    }
    if (src_bytes > MAX_STRING_BYTE_LENGTH)
        return fail(cx, WEFT_TRAP_HOST, "string too long (%llu bytes)",
                    (unsigned long long)src_bytes);
    ss->units = (uint32_t)(ss->simple == SRC_UTF8 ? len : ss->simple == SRC_UTF16 ? nu16 : ncp);
    return OK;
}

/* Writes the UTF-16LE form of s[from..len) at guest address p (in bounds);
 * returns the bytes written. */
static uint64_t put_utf16(wc_cx *cx, const srcstr *ss, size_t from, uint64_t p)
{
    uint8_t *d = mem(cx)->data + p;
    uint64_t o = 0;
    size_t i = from;
    uint32_t cp = 0;
    while (i < ss->len) {
        utf8_dec(ss->s, ss->len, &i, &cp);
        if (cp >= 0x10000) {
            uint32_t c = cp - 0x10000, hi = 0xd800 + (c >> 10), lo = 0xdc00 + (c & 0x3ff);
            d[o++] = (uint8_t)hi;
            d[o++] = (uint8_t)(hi >> 8);
            d[o++] = (uint8_t)lo;
            d[o++] = (uint8_t)(lo >> 8);
        } else {
            d[o++] = (uint8_t)cp;
            d[o++] = (uint8_t)(cp >> 8);
        }
    }
    return o;
}

/* After a realloc: the spec's alignment and bounds traps. */
static tk check_block(wc_cx *cx, uint64_t p, uint32_t align, uint64_t size)
{
    if (p & (align - 1))
        return misaligned(cx, "string", p, align);
    if (!in_mem(cx, p, size))
        return oob(cx, "string", p, size);
    return OK;
}

/* realloc for a string's bytes: the block it returns must be aligned and
 * inside memory. old_size 0 allocates. */
static tk str_realloc(wc_cx *cx, uint32_t old, uint32_t old_size, uint32_t align,
                      uint32_t new_size, uint32_t *out)
{
    TRY(call_realloc(cx, old, old_size, align, new_size, out));
    return check_block(cx, *out, align, new_size);
}

enum { DST_UTF8, DST_UTF16, DST_LATIN1 };

/* store_string_copy */
static tk str_copy(wc_cx *cx, const srcstr *ss, uint32_t units, uint32_t cu_size,
                   uint32_t align, int dst, uint32_t *ptr, uint32_t *tagged)
{
    uint64_t bytes = (uint64_t)cu_size * units;
    uint32_t p;
    TRY(allocate(cx, align, (uint32_t)bytes, &p));
    TRY(check_block(cx, p, align, bytes));
    uint8_t *d = mem(cx)->data + p;
    if (dst == DST_UTF8) {
        if (ss->len)
            memcpy(d, ss->s, ss->len);
    } else if (dst == DST_UTF16) {
        put_utf16(cx, ss, 0, p);
    } else {
        size_t i = 0, o = 0;
        uint32_t cp = 0;
        while (i < ss->len) {
            utf8_dec(ss->s, ss->len, &i, &cp);
            d[o++] = (uint8_t)cp;
        }
    }
    *ptr = p;
    *tagged = units;
    return OK;
}

/* store_string_to_utf8 (from UTF-16 or Latin-1) */
static tk str_to_utf8(wc_cx *cx, const srcstr *ss, uint32_t units, uint32_t worst,
                      uint32_t *ptr, uint32_t *tagged)
{
    uint32_t p;
    TRY(str_realloc(cx, 0, 0, 1, units, &p));
    size_t i = 0, k = 0;
    uint32_t cp = 0;
    while (i < ss->len) {
        size_t at = i;
        utf8_dec(ss->s, ss->len, &i, &cp);
        if (cp < 0x80) {
            mem(cx)->data[p + k] = (uint8_t)cp;
            k++;
            continue;
        }
        /* k code points so far were ASCII: k == at */
        TRY(str_realloc(cx, p, units, 1, worst, &p));
        memcpy(mem(cx)->data + p + at, ss->s + at, ss->len - at);
        uint32_t n = (uint32_t)ss->len;
        if (worst > n) {
            TRY(str_realloc(cx, p, worst, 1, n, &p));
        }
        *ptr = p;
        *tagged = n;
        return OK;
    }
    *ptr = p;
    *tagged = units;
    return OK;
}

/* store_utf8_to_utf16 */
static tk str_utf8_to_utf16(wc_cx *cx, const srcstr *ss, uint32_t units, uint32_t *ptr,
                            uint32_t *tagged)
{
    uint32_t worst = 2 * units, p;
    TRY(str_realloc(cx, 0, 0, 2, worst, &p));
    uint32_t n = (uint32_t)put_utf16(cx, ss, 0, p);
    if (n < worst) {
        TRY(str_realloc(cx, p, worst, 2, n, &p));
    }
    *ptr = p;
    *tagged = n / 2;
    return OK;
}

/* store_string_to_latin1_or_utf16 */
static tk str_to_latin1_or_utf16(wc_cx *cx, const srcstr *ss, uint32_t units, uint32_t *ptr,
                                 uint32_t *tagged)
{
    uint32_t p;
    TRY(str_realloc(cx, 0, 0, 2, units, &p));
    uint32_t dst = 0;
    size_t i = 0;
    uint32_t cp = 0;
    while (i < ss->len) {
        size_t at = i;
        utf8_dec(ss->s, ss->len, &i, &cp);
        if (cp < 256) {
            mem(cx)->data[p + dst] = (uint8_t)cp;
            dst++;
            continue;
        }
        uint32_t worst = 2 * units;
        TRY(str_realloc(cx, p, units, 2, worst, &p));
        uint8_t *d = mem(cx)->data + p;
        for (uint32_t j = dst; j-- > 0;) {
            d[2 * j] = d[j];
            d[2 * j + 1] = 0;
        }
        uint32_t n = 2 * dst + (uint32_t)put_utf16(cx, ss, at, (uint64_t)p + 2 * dst);
        if (worst > n) {
            TRY(str_realloc(cx, p, worst, 2, n, &p));
        }
        *ptr = p;
        *tagged = (n / 2) | UTF16_TAG;
        return OK;
    }
    if (dst < units) {
        TRY(str_realloc(cx, p, units, 2, dst, &p));
    }
    *ptr = p;
    *tagged = dst;
    return OK;
}

/* store_probably_utf16_to_latin1_or_utf16 */
static tk str_probably_utf16(wc_cx *cx, const srcstr *ss, uint32_t units, uint32_t *ptr,
                             uint32_t *tagged)
{
    uint32_t bytes = 2 * units, p;
    TRY(str_realloc(cx, 0, 0, 2, bytes, &p));
    put_utf16(cx, ss, 0, p);
    size_t i = 0;
    uint32_t cp = 0;
    bool wide = false;
    while (i < ss->len) {
        utf8_dec(ss->s, ss->len, &i, &cp);
        if (cp >= 256)
            wide = true;
    }
    if (wide) {
        *ptr = p;
        *tagged = units | UTF16_TAG;
        return OK;
    }
    uint8_t *d = mem(cx)->data + p;
    for (uint32_t j = 0; j < units; j++)
        d[j] = d[2 * j];
    TRY(str_realloc(cx, p, bytes, 1, units, &p));
    *ptr = p;
    *tagged = units;
    return OK;
}

/* store_string_into_range */
static tk store_string_into_range(wc_cx *cx, const weft_cval *v, uint32_t *ptr, uint32_t *tagged)
{
    TRY(need_memory(cx, "lowering a string"));
    srcstr ss;
    memset(&ss, 0, sizeof ss);
    TRY(src_string(cx, v, &ss));
    uint32_t u = ss.units;
    switch (opts(cx)->encoding) {
    case WC_UTF8:
        switch (ss.simple) {
        case SRC_UTF8: return str_copy(cx, &ss, u, 1, 1, DST_UTF8, ptr, tagged);
        case SRC_UTF16: return str_to_utf8(cx, &ss, u, 3 * u, ptr, tagged);
        default: return str_to_utf8(cx, &ss, u, 2 * u, ptr, tagged);
        }
    case WC_UTF16:
        switch (ss.simple) {
        case SRC_UTF8: return str_utf8_to_utf16(cx, &ss, u, ptr, tagged);
        default: return str_copy(cx, &ss, u, 2, 2, DST_UTF16, ptr, tagged);
        }
    case WC_LATIN1_UTF16:
        if (ss.enc != WC_LATIN1_UTF16)
            return str_to_latin1_or_utf16(cx, &ss, u, ptr, tagged);
        if (ss.simple == SRC_LATIN1)
            return str_copy(cx, &ss, u, 1, 2, DST_LATIN1, ptr, tagged);
        return str_probably_utf16(cx, &ss, u, ptr, tagged);
    default:
        return fail(cx, WC_TRAP_ABI, "unknown string encoding %u", opts(cx)->encoding);
    }
}

/* ---------------------------------------------------------------- */
/* Lowering: store and lower_flat                                    */
/* ---------------------------------------------------------------- */

static tk store(wc_cx *cx, const weft_cval *v, wc_tid tid, uint64_t ptr, unsigned depth);

static tk store_list_into_range(wc_cx *cx, const weft_cval *v, wc_tid elem, uint32_t *ptr,
                                uint32_t *len, unsigned depth)
{
    TRY(need_memory(cx, "lowering a list"));
    const weft_ctype *e = ty(cx, elem);
    TRY(check_type(cx, e, depth + 1));
    size_t n = v->of.list.len;
    if (n && !v->of.list.items)
        return fail(cx, WEFT_TRAP_HOST, "list value has a NULL items pointer");
    if (n > MAX_LIST_BYTE_LENGTH || (uint64_t)n * e->size > MAX_LIST_BYTE_LENGTH)
        return fail(cx, WEFT_TRAP_HOST, "list too long (%zu elements)", n);
    uint32_t bytes = (uint32_t)(n * e->size), p;
    TRY(allocate(cx, e->align, bytes, &p));
    if (p & (e->align - 1))
        return misaligned(cx, "list", p, e->align);
    if (!in_mem(cx, p, bytes))
        return oob(cx, "list", p, bytes);
    for (size_t i = 0; i < n; i++)
        TRY(store(cx, &v->of.list.items[i], elem, (uint64_t)p + i * e->size, depth + 1));
    *ptr = p;
    *len = (uint32_t)n;
    return OK;
}

static tk check_record(wc_cx *cx, const weft_cval *v, const weft_ctype *t)
{
    TRY(want_kind(cx, v, t));
    if (v->of.list.len != t->n || (t->n && !v->of.list.items))
        return fail(cx, WEFT_TRAP_HOST, "%s value has %zu fields, its type %u",
                    weft_ckind_name((weft_ckind)t->kind), v->of.list.len, t->n);
    return OK;
}

/* The case of a host variant value; *c is its payload type or NULL. */
static tk check_variant(wc_cx *cx, const weft_cval *v, const weft_ctype *t, unsigned depth,
                        const weft_ctype **c)
{
    TRY(want_kind(cx, v, t));
    uint32_t disc = v->of.variant.disc;
    if (disc >= ncases(t))
        return fail(cx, WEFT_TRAP_HOST, "%s value has case %u, its type %u cases",
                    weft_ckind_name((weft_ckind)t->kind), disc, ncases(t));
    wc_tid ct = case_type(t, disc);
    *c = NULL;
    if (ct == WC_NONE)
        return OK;
    if (!v->of.variant.payload)
        return fail(cx, WEFT_TRAP_HOST, "%s value of case %u lacks its payload",
                    weft_ckind_name((weft_ckind)t->kind), disc);
    *c = ty(cx, ct);
    return check_type(cx, *c, depth + 1);
}

static tk store(wc_cx *cx, const weft_cval *v, wc_tid tid, uint64_t ptr, unsigned depth)
{
    const weft_ctype *t = ty(cx, tid);
    TRY(check_type(cx, t, depth));
    uint64_t x = 0;
    uint32_t p = 0, n = 0;
    switch (t->kind) {
    case WEFT_C_BOOL: case WEFT_C_U8: case WEFT_C_S8:
    case WEFT_C_U16: case WEFT_C_S16: case WEFT_C_U32: case WEFT_C_S32:
    case WEFT_C_U64: case WEFT_C_S64: case WEFT_C_F32: case WEFT_C_F64:
    case WEFT_C_CHAR: case WEFT_C_FLAGS:
        TRY(scalar_bits(cx, v, t, &x));
        return wr(cx, ptr, t->size, x);
    case WEFT_C_STRING:
        TRY(want_kind(cx, v, t));
        TRY(store_string_into_range(cx, v, &p, &n));
        TRY(wr(cx, ptr, 4, p));
        return wr(cx, ptr + 4, 4, n);
    case WEFT_C_LIST:
        TRY(want_kind(cx, v, t));
        TRY(store_list_into_range(cx, v, t->elem, &p, &n, depth));
        TRY(wr(cx, ptr, 4, p));
        return wr(cx, ptr + 4, 4, n);
    case WEFT_C_RECORD:
    case WEFT_C_TUPLE:
        TRY(check_record(cx, v, t));
        for (uint32_t i = 0; i < t->n; i++) {
            const weft_ctype *f = ty(cx, t->elems[i]);
            TRY(check_type(cx, f, depth + 1));
            ptr = align_up(ptr, f->align);
            TRY(store(cx, &v->of.list.items[i], t->elems[i], ptr, depth + 1));
            ptr += f->size;
        }
        return OK;
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT: {
        const weft_ctype *c;
        TRY(check_variant(cx, v, t, depth, &c));
        TRY(wr(cx, ptr, disc_size(ncases(t)), v->of.variant.disc));
        if (!c)
            return OK;
        return store(cx, v->of.variant.payload, case_type(t, v->of.variant.disc),
                     ptr + t->align, depth + 1);
    }
    case WEFT_C_OWN:
        TRY(want_kind(cx, v, t));
        TRY(lower_own(cx, v, t, &p));
        return wr(cx, ptr, 4, p);
    case WEFT_C_BORROW:
        TRY(want_kind(cx, v, t));
        TRY(lower_borrow(cx, v, t, &p));
        return wr(cx, ptr, 4, p);
    default:
        return unsupported(cx, t);
    }
}

static void put(weft_val *out, uint32_t *k, uint8_t kind, uint64_t bits)
{
    weft_val *o = &out[(*k)++];
    memset(o, 0, sizeof *o);
    o->kind = (weft_valkind)kind;
    if (kind == WEFT_I32 || kind == WEFT_F32)
        o->of.f32_bits = (uint32_t)bits;
    else
        o->of.f64_bits = bits;
}

static tk lower_flat(wc_cx *cx, const weft_cval *v, wc_tid tid, weft_val *out, uint32_t *k,
                     unsigned depth)
{
    const weft_ctype *t = ty(cx, tid);
    TRY(check_type(cx, t, depth));
    if (t->nflat == WC_FLAT_OVER || *k + t->nflat > WC_MAX_FLAT_PARAMS)
        return fail(cx, WC_TRAP_ABI, "too many core values to lower");
    uint64_t x = 0;
    uint32_t p = 0, n = 0;
    switch (t->kind) {
    case WEFT_C_BOOL: case WEFT_C_U8: case WEFT_C_S8:
    case WEFT_C_U16: case WEFT_C_S16: case WEFT_C_U32: case WEFT_C_S32:
    case WEFT_C_U64: case WEFT_C_S64: case WEFT_C_F32: case WEFT_C_F64:
    case WEFT_C_CHAR: case WEFT_C_FLAGS:
        TRY(scalar_bits(cx, v, t, &x));
        put(out, k, t->flat[0], x);
        return OK;
    case WEFT_C_STRING:
        TRY(want_kind(cx, v, t));
        TRY(store_string_into_range(cx, v, &p, &n));
        put(out, k, WEFT_I32, p);
        put(out, k, WEFT_I32, n);
        return OK;
    case WEFT_C_LIST:
        TRY(want_kind(cx, v, t));
        TRY(store_list_into_range(cx, v, t->elem, &p, &n, depth));
        put(out, k, WEFT_I32, p);
        put(out, k, WEFT_I32, n);
        return OK;
    case WEFT_C_RECORD:
    case WEFT_C_TUPLE:
        TRY(check_record(cx, v, t));
        for (uint32_t i = 0; i < t->n; i++)
            TRY(lower_flat(cx, &v->of.list.items[i], t->elems[i], out, k, depth + 1));
        return OK;
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT: {
        const weft_ctype *c;
        TRY(check_variant(cx, v, t, depth, &c));
        uint32_t base = *k, rest = t->nflat - 1u;
        put(out, k, WEFT_I32, v->of.variant.disc);
        uint32_t start = *k;
        if (c) {
            TRY(lower_flat(cx, v->of.variant.payload, case_type(t, v->of.variant.disc), out,
                           k, depth + 1));
            /* coerce each payload value to the joined type */
            for (uint32_t j = 0; start + j < *k; j++) {
                weft_val *o = &out[start + j];
                uint8_t have = (uint8_t)o->kind, want = t->flat[1 + j];
                uint64_t bits = (have == WEFT_I32 || have == WEFT_F32) ? o->of.f32_bits
                                                                        : o->of.f64_bits;
                uint32_t at = start + j;
                put(out, &at, want, bits);   /* i32/f32 widen with zeros */
            }
        }
        while (*k < base + 1 + rest)
            put(out, k, t->flat[*k - base], 0);
        return OK;
    }
    case WEFT_C_OWN:
        TRY(want_kind(cx, v, t));
        TRY(lower_own(cx, v, t, &p));
        put(out, k, WEFT_I32, p);
        return OK;
    case WEFT_C_BORROW:
        TRY(want_kind(cx, v, t));
        TRY(lower_borrow(cx, v, t, &p));
        put(out, k, WEFT_I32, p);
        return OK;
    default:
        return unsupported(cx, t);
    }
}

weft_trap_kind wc_lower_values(wc_cx *cx, uint32_t max_flat, const weft_cval *vs,
                               const wc_tid *ts, uint32_t n, weft_val *flat,
                               uint32_t *nflat, const uint32_t *out_ptr)
{
    cx->msg[0] = 0;
    *nflat = 0;
    TRY(check_types(cx, ts, n));
    uint32_t cnt = wc_flatten_types(cx->types, ts, n, NULL, 0);
    if (cnt != WC_FLAT_OVER && cnt <= max_flat) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            TRY(lower_flat(cx, &vs[i], ts[i], flat, &k, 0));
        *nflat = k;
        return OK;
    }
    TRY(need_memory(cx, "lowering values through memory"));
    uint64_t size;
    uint32_t align, p;
    TRY(tuple_layout(cx, ts, n, &size, &align));
    if (!out_ptr) {
        TRY(allocate(cx, align, (uint32_t)size, &p));
        flat[0] = weft_val_i32((int32_t)p);
        *nflat = 1;
    } else {
        p = *out_ptr;
    }
    if (p & (align - 1))
        return misaligned(cx, "values", p, align);
    if (!in_mem(cx, p, size))
        return oob(cx, "values", p, size);
    uint64_t at = p;
    for (uint32_t i = 0; i < n; i++) {
        const weft_ctype *t = ty(cx, ts[i]);
        at = align_up(at, t->align);
        TRY(store(cx, &vs[i], ts[i], at, 0));
        at += t->size;
    }
    return OK;
}
