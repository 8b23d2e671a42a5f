/* cinst.c - component instantiation, the linker, and calls across the
 * canonical ABI. */
#include "component/component.h"

/* ---------------------------------------------------------------- */
/* Run-time objects                                                  */
/* ---------------------------------------------------------------- */

typedef struct wc_rinst wc_rinst;
typedef struct wc_coreinst wc_coreinst;

typedef struct wc_env wc_env;

typedef struct wc_item {
    union {
        weft_func *core_func;
        weft_table *table;
        weft_memory *memory;
        weft_global *global;
        weft_tag *tag;
        const weft_module *module;
        wc_coreinst *core_inst;
        weft_cfunc *func;
        wc_rinst *inst;
        const wc_comp *comp;
        weft_resource_type *res;
    } u;
    wc_tid type;   /* types: the arena id; funcs: unused */
    const wc_env *env;  /* components: the instantiation they were defined in */
} wc_item;

/* The index spaces of one instantiation, kept as long as the store: a
 * component defined in it captures them, and its outer aliases resolve
 * against them wherever it is later instantiated. */
struct wc_env {
    const wc_env *parent;      /* where this instantiation's component was defined */
    wc_item *sp[WC_IS_COUNT];
    uint32_t n[WC_IS_COUNT];
};

/* A core instance: a module instance, or a bag of core exports. */
struct wc_coreinst {
    wv_obj hdr;
    weft_instance *inst;
    uint32_t n;
    const char **names;
    weft_extern *items;
};

/* A component-level instance: named exports. */
struct wc_rinst {
    wv_obj hdr;
    const weft_engine *engine;
    uint32_t n;
    const char **names;
    uint8_t *spaces;
    wc_item *items;
};

enum { CF_LIFTED, CF_HOST };

struct weft_cfunc {
    wv_obj hdr;
    uint8_t kind;
    const wc_types *types;
    wc_tid type;
    /* lifted */
    weft_func *core;
    wc_opts opts;
    wc_cinst *cinst;
    weft_resource_type **rtypes;
    uint32_t nrtypes;
    /* host */
    weft_chost_fn fn;
    void *user;
};

struct weft_component_instance {
    wv_obj hdr;
    const weft_component *comp;
    wc_rinst *exports;
    wc_cinst *state;
};

/* The user data of a lowered import (a core function calling a
 * component function). */
typedef struct wc_lowered {
    wv_obj hdr;
    weft_cfunc *callee;
    const wc_types *types;
    wc_tid type;
    wc_opts opts;
    wc_cinst *cinst;
    weft_resource_type **rtypes;
    uint32_t nrtypes;
    bool results_in_memory;
    uint32_t nflat_params;
} wc_lowered;

/* resource.new / drop / rep */
typedef struct wc_resbuiltin {
    wv_obj hdr;
    wc_cinst *cinst;
    weft_resource_type *rt;
    weft_resource_type **rtypes;
    uint32_t nrtypes;
    const wc_types *types;
    uint8_t op;
} wc_resbuiltin;

static void *new_obj(weft_store *st, size_t size, void (*cleanup)(weft_store *, wv_obj *))
{
    wv_obj *o = wu_alloc(st->engine, size);
    if (!o)
        return NULL;
    o->size = size;
    o->cleanup = cleanup;
    o->next = st->objs;
    st->objs = o;
    return o;
}

/* A block of memory owned by the store (freed with it). */
typedef struct wc_block {
    wv_obj hdr;
    void *p;
} wc_block;

static void block_cleanup(weft_store *st, wv_obj *o)
{
    wu_free(st->engine, ((wc_block *)o)->p, 0);
}

static void *store_alloc(weft_store *st, size_t size)
{
    wc_block *b = new_obj(st, sizeof *b, block_cleanup);
    if (!b)
        return NULL;
    b->p = wu_alloc(st->engine, size ? size : 1);
    return b->p;
}

static void cinst_cleanup(weft_store *st, wv_obj *o)
{
    wc_htable_free(st->engine, &((wc_cinst *)o)->handles);
}

/* ---------------------------------------------------------------- */
/* Lookups                                                           */
/* ---------------------------------------------------------------- */

static bool coreinst_get(const wc_coreinst *ci, const char *name, weft_extern *out)
{
    if (ci->inst)
        return weft_instance_export(ci->inst, name, out);
    for (uint32_t i = 0; i < ci->n; i++)
        if (!strcmp(ci->names[i], name)) {
            *out = ci->items[i];
            return true;
        }
    return false;
}

static const wc_item *rinst_get(const wc_rinst *ri, const char *name, uint8_t space)
{
    for (uint32_t i = 0; i < ri->n; i++)
        if (!strcmp(ri->names[i], name) && (space == 0xFF || ri->spaces[i] == space))
            return &ri->items[i];
    return NULL;
}

/* ---------------------------------------------------------------- */
/* Calls                                                             */
/* ---------------------------------------------------------------- */

/* Each component call gets a scope id, to tie borrows to it. */
static uint32_t next_scope(weft_store *st)
{
    if (++st->cm_scope == 0)
        st->cm_scope = 1;
    return st->cm_scope;
}

static weft_status trap_error(weft_error *err, weft_trap_kind k, const char *msg)
{
    if (err) {
        err->status = WEFT_TRAP;
        err->trap = k;
        err->offset = WEFT_NO_OFFSET;
        err->exit_code = 0;
        wu_fmt(err->message, sizeof err->message, "%s", msg && *msg ? msg : weft_trap_message(k));
    }
    return WEFT_TRAP;
}

/* Calls a core function of a component instance with may_leave cleared
 * (realloc, post-return). */
static weft_status call_core(weft_store *st, weft_func *f, const weft_val *args, size_t nargs,
                             weft_val *results, size_t nresults, weft_error *err)
{
    return weft_func_call(st, f, args, nargs, results, nresults, err);
}

/* src_enc: the encoding the string arguments were lifted from (another
 * component's), so lowering repeats the spec's realloc sequence for it;
 * WC_UTF8 for values from the host. */
static weft_status call_cfunc(weft_store *st, weft_cfunc *f, const weft_cval *args, size_t nargs,
                              weft_cval *results, size_t nresults, weft_error *err,
                              uint8_t src_enc);

typedef struct wc_scratch {
    struct wc_scratch *next;
    size_t size;
} wc_scratch;

struct weft_ccaller {
    weft_store *store;
    wc_scratch *scratch;
    char msg[WEFT_ERROR_MESSAGE_MAX];
};

void *weft_ccaller_alloc(weft_ccaller *c, size_t size)
{
    wc_scratch *s = wu_alloc(c->store->engine, sizeof *s + size);
    if (!s)
        return NULL;
    s->size = sizeof *s + size;
    s->next = c->scratch;
    c->scratch = s;
    return s + 1;
}

weft_store *weft_ccaller_store(weft_ccaller *c) { return c->store; }

weft_trap_kind weft_ccaller_trap(weft_ccaller *c, const char *message)
{
    wu_fmt(c->msg, sizeof c->msg, "%s", message ? message : "host function error");
    return WEFT_TRAP_HOST;
}

static void ccaller_release(weft_ccaller *c)
{
    while (c->scratch) {
        wc_scratch *n = c->scratch->next;
        wu_free(c->store->engine, c->scratch, c->scratch->size);
        c->scratch = n;
    }
}

/* Deep copy of a value into engine-allocated memory (so the result of a
 * host function can be handed to a caller that frees it). */
static bool cval_clone(const weft_engine *e, const weft_cval *src, weft_cval *dst)
{
    *dst = *src;
    switch (src->kind) {
    case WEFT_C_STRING: {
        /* the layout lifted strings have: text, NUL, encoding flag */
        char *p = wu_alloc(e, src->of.str.len + 2);
        if (!p)
            return false;
        if (src->of.str.len)
            memcpy(p, src->of.str.ptr, src->of.str.len);
        dst->of.str.ptr = p;
        return true;
    }
    case WEFT_C_LIST: case WEFT_C_RECORD: case WEFT_C_TUPLE: {
        size_t n = src->of.list.len;
        if (n == 0) {
            dst->of.list.items = NULL;
            return true;
        }
        weft_cval *items = wu_alloc(e, n * sizeof *items);
        if (!items)
            return false;
        dst->of.list.items = items;
        for (size_t i = 0; i < n; i++)
            if (!cval_clone(e, &src->of.list.items[i], &items[i])) {
                dst->of.list.len = i;
                return false;
            }
        return true;
    }
    case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_OPTION: case WEFT_C_RESULT:
        if (src->of.variant.payload) {
            weft_cval *p = wu_alloc(e, sizeof *p);
            if (!p)
                return false;
            dst->of.variant.payload = p;
            if (!cval_clone(e, src->of.variant.payload, p)) {
                dst->of.variant.payload = NULL;
                wu_free(e, p, sizeof *p);
                return false;
            }
        }
        return true;
    default:
        return true;
    }
}

static weft_status call_host_cfunc(weft_store *st, weft_cfunc *f, const weft_cval *args,
                                   size_t nargs, weft_cval *results, size_t nresults,
                                   weft_error *err)
{
    weft_ccaller c;
    memset(&c, 0, sizeof c);
    c.store = st;
    weft_cval tmp[1];
    memset(tmp, 0, sizeof tmp);
    size_t nr = wc_type(f->types, f->type)->elem == WC_NONE ? 0 : 1;
    weft_trap_kind k = f->fn(&c, f->user, args, nargs, tmp, nr);
    weft_status s = WEFT_OK;
    if (k != WEFT_TRAP_NONE) {
        s = trap_error(err, k, c.msg[0] ? c.msg : NULL);
    } else if (nr && nresults) {
        if (!cval_clone(st->engine, &tmp[0], &results[0])) {
            weft_cvals_free((weft_engine *)st->engine, results, 1);
            memset(&results[0], 0, sizeof results[0]);
            s = wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory copying a host result");
        }
    }
    ccaller_release(&c);
    return s;
}

/* Host -> lifted component function: lower the arguments into the
 * callee, call its core function, lift the results, run post-return. */
static weft_status call_lifted(weft_store *st, weft_cfunc *f, const weft_cval *args, size_t nargs,
                               weft_cval *results, size_t nresults, weft_error *err,
                               uint8_t src_enc)
{
    wc_cinst *ci = f->cinst;
    const weft_ctype *ft = wc_type(f->types, f->type);
    if (ci->trapped)
        return trap_error(err, WEFT_TRAP_UNREACHABLE,
                          "cannot enter component instance: it trapped earlier");
    if (ci->in_call)
        return trap_error(err, WEFT_TRAP_UNREACHABLE,
                          "cannot enter component instance: it is already running (reentrance)");
    if (nargs != ft->n)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "function takes %u arguments, %zu given",
                        ft->n, nargs);
    wc_cx cx;
    memset(&cx, 0, sizeof cx);
    cx.store = st;
    cx.types = f->types;
    cx.opts = &f->opts;
    cx.inst = ci;
    cx.rtypes = f->rtypes;
    cx.nrtypes = f->nrtypes;
    cx.scope = next_scope(st);
    cx.src_encoding = src_enc;

    weft_val flat[WC_MAX_FLAT_PARAMS + 1];
    uint32_t nflat = 0;
    ci->in_call = true;
    uint32_t outer_scope = ci->scope;
    ci->scope = cx.scope;
    weft_trap_kind k = wc_lower_values(&cx, WC_MAX_FLAT_PARAMS, args, ft->elems, ft->n,
                                       flat, &nflat, NULL);
    weft_status s = WEFT_OK;
    if (k != WEFT_TRAP_NONE) {
        ci->in_call = false;
        ci->scope = outer_scope;
        ci->trapped = true;
        wc_cx_end_call(&cx);
        return trap_error(err, k, cx.msg);
    }
    const weft_functype *core_ft = weft_func_type(f->core);
    weft_val rflat[1];
    s = weft_func_call(st, f->core, flat, nflat, rflat, core_ft->nresults, err);
    if (s != WEFT_OK) {
        ci->in_call = false;
        ci->scope = outer_scope;
        if (s == WEFT_TRAP)
            ci->trapped = true;
        wc_cx_end_call(&cx);
        return s;
    }
    if (wc_htable_count_borrows(&ci->handles, cx.scope) != 0) {
        ci->in_call = false;
        ci->scope = outer_scope;
        ci->trapped = true;
        wc_cx_end_call(&cx);
        return trap_error(err, WC_TRAP_ABI,
                          "borrowed handles still remain at the end of the call");
    }
    uint32_t nres = ft->elem == WC_NONE ? 0 : 1;
    if (nres) {
        if (nresults < 1) {
            ci->in_call = false;
            ci->scope = outer_scope;
            wc_cx_end_call(&cx);
            return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "no room for the result");
        }
        k = wc_lift_values(&cx, WC_MAX_FLAT_RESULTS, rflat, core_ft->nresults, &ft->elem, 1,
                           results);
        if (k != WEFT_TRAP_NONE) {
            ci->in_call = false;
            ci->scope = outer_scope;
            ci->trapped = true;
            wc_cx_end_call(&cx);
            return trap_error(err, k, cx.msg);
        }
    }
    if (f->opts.post_return) {
        ci->may_leave = false;
        s = call_core(st, f->opts.post_return, rflat, core_ft->nresults, NULL, 0, err);
        ci->may_leave = true;
        if (s != WEFT_OK) {
            if (nres)
                weft_cvals_free((weft_engine *)st->engine, results, 1);
            if (s == WEFT_TRAP)
                ci->trapped = true;
        }
    }
    wc_cx_end_call(&cx);
    ci->in_call = false;
    ci->scope = outer_scope;
    return s;
}

static weft_status call_cfunc(weft_store *st, weft_cfunc *f, const weft_cval *args, size_t nargs,
                              weft_cval *results, size_t nresults, weft_error *err,
                              uint8_t src_enc)
{
    if (f->kind == CF_HOST)
        return call_host_cfunc(st, f, args, nargs, results, nresults, err);
    return call_lifted(st, f, args, nargs, results, nresults, err, src_enc);
}

weft_status weft_cfunc_call(weft_store *store, weft_cfunc *f, const weft_cval *args,
                            size_t nargs, weft_cval *results, size_t nresults, weft_error *err)
{
    wu_error_clear(err);
    if (!store || !f)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "store or function is NULL");
    const weft_ctype *ft = wc_type(f->types, f->type);
    if (nargs != ft->n)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "function takes %u arguments, %zu given",
                        ft->n, nargs);
    if (ft->elem != WC_NONE && nresults < 1)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "function returns a value; no room given");
    return call_cfunc(store, f, args, nargs, results, nresults, err, WC_UTF8);
}

/* A core function produced by canon lower: lifts its arguments out of the
 * calling instance, calls the component function, lowers the result. */
static weft_trap_kind lowered_trampoline(weft_caller *caller, void *user,
                                         const weft_val *args, weft_val *results)
{
    wc_lowered *L = user;
    weft_store *st = weft_caller_store(caller);
    wc_cinst *ci = L->cinst;
    const weft_ctype *ft = wc_type(L->types, L->type);
    if (!ci->may_leave)
        return weft_caller_trap(caller, WEFT_TRAP_UNREACHABLE,
                                "cannot leave component instance (in post-return or realloc)");
    wc_cx cx;
    memset(&cx, 0, sizeof cx);
    cx.store = st;
    cx.types = L->types;
    cx.opts = &L->opts;
    cx.inst = ci;
    cx.rtypes = L->rtypes;
    cx.nrtypes = L->nrtypes;
    cx.scope = next_scope(st);

    weft_cval small[4];
    weft_cval *cargs = ft->n <= 4 ? small : wu_alloc(st->engine, ft->n * sizeof(weft_cval));
    if (!cargs)
        return weft_caller_trap(caller, WEFT_TRAP_HOST, "out of memory");
    if (cargs == small)
        memset(small, 0, sizeof small);
    weft_trap_kind k = wc_lift_values(&cx, WC_MAX_FLAT_PARAMS, args, L->nflat_params,
                                      ft->elems, ft->n, cargs);
    if (k != WEFT_TRAP_NONE) {
        wc_cx_end_call(&cx);
        if (cargs != small)
            wu_free(st->engine, cargs, 0);
        return weft_caller_trap(caller, k, cx.msg);
    }
    weft_cval res;
    memset(&res, 0, sizeof res);
    weft_error err;
    weft_status s = call_cfunc(st, L->callee, cargs, ft->n, &res, 1, &err, L->opts.encoding);
    weft_cvals_free((weft_engine *)st->engine, cargs, ft->n);
    if (cargs != small)
        wu_free(st->engine, cargs, 0);
    weft_trap_kind out = WEFT_TRAP_NONE;
    if (s != WEFT_OK) {
        wc_cx_end_call(&cx);
        out = weft_caller_trap(caller, s == WEFT_TRAP ? err.trap : WEFT_TRAP_HOST, err.message);
        if (s == WEFT_TRAP && err.trap == WEFT_TRAP_EXIT)
            out = weft_caller_exit(caller, err.exit_code);
        return out;
    }
    if (ft->elem != WC_NONE) {
        uint32_t nflat = 0;
        uint32_t out_ptr = L->results_in_memory ? (uint32_t)args[L->nflat_params].of.i32 : 0;
        cx.src_encoding = L->callee->kind == CF_LIFTED ? L->callee->opts.encoding : WC_UTF8;
        k = wc_lower_values(&cx, WC_MAX_FLAT_RESULTS, &res, &ft->elem, 1, results, &nflat,
                            L->results_in_memory ? &out_ptr : NULL);
        weft_cvals_free((weft_engine *)st->engine, &res, 1);
        if (k != WEFT_TRAP_NONE) {
            wc_cx_end_call(&cx);
            return weft_caller_trap(caller, k, cx.msg);
        }
    }
    wc_cx_end_call(&cx);
    return WEFT_TRAP_NONE;
}

static weft_trap_kind resource_builtin(weft_caller *caller, void *user, const weft_val *args,
                                       weft_val *results)
{
    wc_resbuiltin *b = user;
    wc_cx cx;
    memset(&cx, 0, sizeof cx);
    cx.store = weft_caller_store(caller);
    cx.types = b->types;
    cx.inst = b->cinst;
    cx.rtypes = b->rtypes;
    cx.nrtypes = b->nrtypes;
    cx.scope = b->cinst->scope;
    weft_trap_kind k = WEFT_TRAP_NONE;
    uint32_t v = (uint32_t)args[0].of.i32, out = 0;
    if (b->op == WC_D_RESOURCE_NEW) {
        k = wc_resource_new(&cx, b->rt, v, &out);
        results[0] = weft_val_i32((int32_t)out);
    } else if (b->op == WC_D_RESOURCE_REP) {
        k = wc_resource_rep(&cx, b->rt, v, &out);
        results[0] = weft_val_i32((int32_t)out);
    } else {
        k = wc_resource_drop(&cx, b->rt, v);
    }
    if (k != WEFT_TRAP_NONE)
        return weft_caller_trap(caller, k, cx.msg);
    return WEFT_TRAP_NONE;
}

/* ---------------------------------------------------------------- */
/* Instantiation                                                     */
/* ---------------------------------------------------------------- */

typedef struct irun {
    wc_env *env;                 /* this instantiation's index spaces */
    weft_store *st;
    const weft_component *C;
    const wc_types *types;
    wc_cinst *cinst;
    weft_resource_type **rtypes;
    weft_error *err;
    const wc_comp *comp;         /* the component being instantiated */
} irun;

/* A component loaded from a damaged (or crafted) image can name things
 * that do not exist: every index and type a definition uses is checked
 * before use. A decoded component passed validation, so these checks never
 * fail for it. */
static weft_status damaged(irun *R, const char *what)
{
    return wu_error(R->err, WEFT_MALFORMED, WEFT_NO_OFFSET,
                    "damaged component: %s out of range or of the wrong kind", what);
}

/* The item at index idx of space, or NULL when there is none. */
static const wc_item *item_at(const irun *R, uint32_t space, uint32_t idx)
{
    return space < WC_IS_COUNT && idx < R->env->n[space] ? &R->env->sp[space][idx] : NULL;
}

/* True if t is a type of the arena, of kind (any kind when kind < 0). */
static bool type_ok(const irun *R, wc_tid t, int kind)
{
    return t < R->types->n && (kind < 0 || wc_type(R->types, t)->kind == kind);
}

static uint8_t sort_space_of(uint8_t sort)
{
    switch (sort) {
    case WC_SORT_CORE_MODULE: return WC_IS_CORE_MODULE;
    case WC_SORT_FUNC: return WC_IS_FUNC;
    case WC_SORT_VALUE: return WC_IS_VALUE;
    case WC_SORT_TYPE: return WC_IS_TYPE;
    case WC_SORT_COMPONENT: return WC_IS_COMPONENT;
    case WC_SORT_INSTANCE: return WC_IS_INSTANCE;
    }
    return 0xFF;
}

static weft_status push_item(irun *R, uint8_t space, wc_item it)
{
    if (space == WC_IS_CORE_TYPE || space == WC_IS_VALUE)
        return WEFT_OK;
    if (space >= WC_IS_COUNT || R->env->n[space] >= R->comp->count[space])
        return damaged(R, "index space");
    R->env->sp[space][R->env->n[space]++] = it;
    return WEFT_OK;
}

static weft_status instantiate(weft_store *st, const weft_component *C, const wc_comp *comp,
                               const wc_item *imports, wc_rinst **out, wc_cinst **cinst_out,
                               weft_error *err, uint32_t depth, const wc_env *outer);

static void bind_resource(irun *R, wc_tid t, weft_resource_type *res)
{
    if (!type_ok(R, t, -1))
        return;
    const weft_ctype *ty = wc_type(R->types, t);
    if (ty->kind == WC_K_RESOURCE && ty->resource_id < R->C->nresource_ids)
        R->rtypes[ty->resource_id] = res;
}

/* Binds the resource types an instance-typed import or alias brings in. */
static void bind_instance_resources(irun *R, wc_tid it, const wc_rinst *ri)
{
    if (!type_ok(R, it, -1) || !ri)
        return;
    const weft_ctype *ty = wc_type(R->types, it);
    for (uint32_t i = 0; i < ty->nexports; i++) {
        const wc_decl *dcl = &ty->exports[i];
        if (dcl->sort != WC_SORT_TYPE)
            continue;
        const wc_item *item = rinst_get(ri, dcl->name, WC_IS_TYPE);
        if (item)
            bind_resource(R, dcl->type, item->u.res);
    }
}

static wc_rinst *rinst_new(irun *R, uint32_t n)
{
    wc_rinst *ri = new_obj(R->st, sizeof *ri, NULL);
    if (!ri)
        return NULL;
    ri->engine = R->st->engine;
    ri->names = store_alloc(R->st, (n + 1) * sizeof(char *));
    ri->spaces = store_alloc(R->st, n + 1);
    ri->items = store_alloc(R->st, (n + 1) * sizeof(wc_item));
    if (!ri->names || !ri->spaces || !ri->items)
        return NULL;
    return ri;
}

static weft_status nomem_err(weft_error *err)
{
    return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory instantiating a component");
}

static weft_status opts_of(irun *R, const wc_optsdef *d, wc_opts *o)
{
    memset(o, 0, sizeof *o);
    o->encoding = d->encoding;
    const wc_item *m = d->memory >= 0 && d->memory <= UINT32_MAX
                           ? item_at(R, WC_IS_CORE_MEMORY, (uint32_t)d->memory) : NULL;
    const wc_item *r = d->realloc >= 0 && d->realloc <= UINT32_MAX
                           ? item_at(R, WC_IS_CORE_FUNC, (uint32_t)d->realloc) : NULL;
    const wc_item *p = d->post_return >= 0 && d->post_return <= UINT32_MAX
                           ? item_at(R, WC_IS_CORE_FUNC, (uint32_t)d->post_return) : NULL;
    if ((d->memory >= 0 && !m) || (d->realloc >= 0 && !r) || (d->post_return >= 0 && !p))
        return damaged(R, "canonical option");
    o->memory = m ? m->u.memory : NULL;
    o->realloc = r ? r->u.core_func : NULL;
    o->post_return = p ? p->u.core_func : NULL;
    return WEFT_OK;
}

static weft_status run_def(irun *R, const wc_def *df, const wc_item *imports, uint32_t *nimport,
                           wc_rinst *exports, uint32_t depth)
{
    weft_store *st = R->st;
    weft_error *err = R->err;
    wc_item it;
    memset(&it, 0, sizeof it);
    it.type = WC_NONE;
    switch (df->op) {
    case WC_D_CORE_MODULE:
        if (df->module >= R->C->nmodules)
            return damaged(R, "core module");
        it.u.module = R->C->modules[df->module];
        return push_item(R, WC_IS_CORE_MODULE, it);
    case WC_D_CORE_INSTANTIATE: {
        const wc_item *mi = item_at(R, WC_IS_CORE_MODULE, df->a);
        if (!mi || !mi->u.module)
            return damaged(R, "core module");
        for (uint32_t j = 0; j < df->nargs; j++)
            if (!item_at(R, WC_IS_CORE_INSTANCE, df->args[j].idx))
                return damaged(R, "core instance");
        const weft_module *m = mi->u.module;
        uint32_t nim = weft_module_import_count(m);
        weft_extern *ext = wu_alloc(st->engine, (nim + 1) * sizeof *ext);
        if (!ext)
            return nomem_err(err);
        weft_status s = WEFT_OK;
        for (uint32_t i = 0; i < nim && !s; i++) {
            weft_importdesc d;
            weft_module_import(m, i, &d);
            uint32_t j;
            for (j = 0; j < df->nargs; j++)
                if (!strcmp(df->args[j].name, d.module))
                    break;
            if (j == df->nargs || !coreinst_get(R->env->sp[WC_IS_CORE_INSTANCE][df->args[j].idx].u.core_inst,
                                                d.name, &ext[i]))
                s = wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                             "core module import \"%s\" \"%s\" is not provided", d.module, d.name);
        }
        weft_instance *inst = NULL;
        if (!s)
            s = weft_instance_new(st, m, ext, nim, &inst, err);
        wu_free(st->engine, ext, 0);
        if (s)
            return s;
        wc_coreinst *ci = new_obj(st, sizeof *ci, NULL);
        if (!ci)
            return nomem_err(err);
        ci->inst = inst;
        it.u.core_inst = ci;
        return push_item(R, WC_IS_CORE_INSTANCE, it);
    }
    case WC_D_CORE_EXPORTS: {
        wc_coreinst *ci = new_obj(st, sizeof *ci, NULL);
        if (!ci)
            return nomem_err(err);
        ci->n = df->nargs;
        ci->names = store_alloc(st, (df->nargs + 1) * sizeof(char *));
        ci->items = store_alloc(st, (df->nargs + 1) * sizeof(weft_extern));
        if (!ci->names || !ci->items)
            return nomem_err(err);
        for (uint32_t i = 0; i < df->nargs; i++) {
            ci->names[i] = df->args[i].name;
            const wc_item *src = df->args[i].space <= WC_IS_CORE_TAG
                                     ? item_at(R, df->args[i].space, df->args[i].idx) : NULL;
            if (!src)
                return damaged(R, "core export");
            weft_extern *e = &ci->items[i];
            e->kind = (weft_externkind)df->args[i].space;  /* core sorts 0..4 */
            switch (df->args[i].space) {
            case WC_IS_CORE_FUNC: e->of.func = src->u.core_func; break;
            case WC_IS_CORE_TABLE: e->of.table = src->u.table; break;
            case WC_IS_CORE_MEMORY: e->of.memory = src->u.memory; break;
            case WC_IS_CORE_GLOBAL: e->of.global = src->u.global; break;
            case WC_IS_CORE_TAG: e->of.tag = src->u.tag; break;
            }
        }
        it.u.core_inst = ci;
        return push_item(R, WC_IS_CORE_INSTANCE, it);
    }
    case WC_D_COMPONENT:
        it.u.comp = df->comp;
        it.env = R->env;
        return push_item(R, WC_IS_COMPONENT, it);
    case WC_D_INSTANTIATE: {
        const wc_item *ch = item_at(R, WC_IS_COMPONENT, df->a);
        if (!ch)
            return damaged(R, "component");
        for (uint32_t j = 0; j < df->nargs; j++)
            if (!item_at(R, df->args[j].space, df->args[j].idx))
                return damaged(R, "instantiation argument");
        const wc_comp *child = ch->u.comp;
        const wc_env *child_env = ch->env;
        if (!child)
            return wu_error(err, WEFT_UNSUPPORTED, WEFT_NO_OFFSET,
                            "instantiating an imported component is not supported");
        wc_item *args = wu_alloc(st->engine, (child->nimports + 1) * sizeof(wc_item));
        if (!args)
            return nomem_err(err);
        for (uint32_t i = 0; i < child->nimports; i++) {
            for (uint32_t j = 0; j < df->nargs; j++)
                if (!strcmp(df->args[j].name, child->imports[i].name)) {
                    args[i] = R->env->sp[df->args[j].space][df->args[j].idx];
                    break;
                }
        }
        wc_rinst *ri = NULL;
        wc_cinst *ci = NULL;
        weft_status s = instantiate(st, R->C, child, args, &ri, &ci, err, depth + 1, child_env);
        wu_free(st->engine, args, 0);
        if (s)
            return s;
        it.u.inst = ri;
        return push_item(R, WC_IS_INSTANCE, it);
    }
    case WC_D_EXPORTS: {
        wc_rinst *ri = rinst_new(R, df->nargs);
        if (!ri)
            return nomem_err(err);
        for (uint32_t i = 0; i < df->nargs; i++) {
            const wc_item *src = item_at(R, df->args[i].space, df->args[i].idx);
            if (!src)
                return damaged(R, "instance export");
            ri->names[i] = df->args[i].name;
            ri->spaces[i] = df->args[i].space;
            ri->items[i] = *src;
        }
        ri->n = df->nargs;
        it.u.inst = ri;
        return push_item(R, WC_IS_INSTANCE, it);
    }
    case WC_D_ALIAS_EXPORT: {
        const wc_item *ii = item_at(R, WC_IS_INSTANCE, df->a);
        if (!ii || df->space >= WC_IS_COUNT)
            return damaged(R, "instance");
        const wc_rinst *ri = ii->u.inst;
        const wc_item *src = ri ? rinst_get(ri, df->name, df->space) : NULL;
        if (!src)
            return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                            "instance has no export `%s`", df->name);
        it = *src;
        if (df->space == WC_IS_TYPE) {
            bind_resource(R, df->type, it.u.res);
            if (it.type == WC_NONE)
                it.type = df->type;
        }
        if (df->space == WC_IS_INSTANCE)
            bind_instance_resources(R, df->type, it.u.inst);
        return push_item(R, df->space, it);
    }
    case WC_D_ALIAS_CORE_EXPORT: {
        weft_extern e;
        const wc_item *ci = item_at(R, WC_IS_CORE_INSTANCE, df->a);
        if (!ci || !ci->u.core_inst || !df->name)
            return damaged(R, "core instance");
        if (!coreinst_get(ci->u.core_inst, df->name, &e))
            return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                            "core instance has no export `%s`", df->name);
        if ((uint32_t)e.kind != df->space)
            return damaged(R, "core export sort");
        switch (df->space) {
        case WC_IS_CORE_FUNC: it.u.core_func = e.of.func; break;
        case WC_IS_CORE_TABLE: it.u.table = e.of.table; break;
        case WC_IS_CORE_MEMORY: it.u.memory = e.of.memory; break;
        case WC_IS_CORE_GLOBAL: it.u.global = e.of.global; break;
        case WC_IS_CORE_TAG: it.u.tag = e.of.tag; break;
        }
        return push_item(R, df->space, it);
    }
    case WC_D_ALIAS_OUTER:
        if (df->space == WC_IS_CORE_TYPE) {
            return WEFT_OK;  /* core types have no run-time value */
        } else if (df->space == WC_IS_TYPE) {
            it.type = df->type;
        } else {
            /* modules and components: take the item from the instantiation
             * the alias points out to (it captured imported ones too) */
            const wc_env *P = R->env;
            for (uint32_t k = 0; k < df->outer_count && P; k++)
                P = P->parent;
            if (df->space >= WC_IS_COUNT)
                return damaged(R, "outer alias");
            if (P && df->outer_idx < P->n[df->space]) {
                it = P->sp[df->space][df->outer_idx];
            } else if (df->space == WC_IS_COMPONENT && df->comp) {
                it.u.comp = df->comp;
                it.env = P;
            } else if (df->space == WC_IS_CORE_MODULE && !(df->module & 0x80000000u) &&
                       df->module < R->C->nmodules) {
                it.u.module = R->C->modules[df->module];
            } else {
                return wu_error(err, WEFT_UNSUPPORTED, WEFT_NO_OFFSET,
                                "outer alias of an imported %s outside its enclosing instantiation",
                                df->space == WC_IS_COMPONENT ? "component" : "core module");
            }
        }
        return push_item(R, df->space, it);
    case WC_D_TYPE: {
        if (!type_ok(R, df->type, -1))
            return damaged(R, "type");
        it.type = df->type;
        const weft_ctype *ty = wc_type(R->types, df->type);
        if (ty->kind == WC_K_RESOURCE) {
            weft_resource_type *rt = new_obj(st, sizeof *rt, NULL);
            if (!rt)
                return nomem_err(err);
            rt->name = "resource";
            rt->impl = R->cinst;
            const wc_item *dt = ty->dtor >= 0 && ty->dtor <= UINT32_MAX
                                    ? item_at(R, WC_IS_CORE_FUNC, (uint32_t)ty->dtor) : NULL;
            if (ty->dtor >= 0 && !dt)
                return damaged(R, "resource destructor");
            rt->dtor = dt ? dt->u.core_func : NULL;
            it.u.res = rt;
            bind_resource(R, df->type, rt);
        }
        return push_item(R, WC_IS_TYPE, it);
    }
    case WC_D_CORE_TYPE:
        return WEFT_OK;
    case WC_D_CANON_LIFT: {
        const wc_item *cf = item_at(R, WC_IS_CORE_FUNC, df->a);
        if (!cf || !type_ok(R, df->type, WC_K_FUNC))
            return damaged(R, "lifted function");
        weft_cfunc *f = new_obj(st, sizeof *f, NULL);
        if (!f)
            return nomem_err(err);
        f->kind = CF_LIFTED;
        f->types = R->types;
        f->type = df->type;
        f->core = cf->u.core_func;
        if (opts_of(R, &df->opts, &f->opts) != WEFT_OK)
            return WEFT_MALFORMED;
        f->cinst = R->cinst;
        f->rtypes = R->rtypes;
        f->nrtypes = R->C->nresource_ids;
        it.u.func = f;
        return push_item(R, WC_IS_FUNC, it);
    }
    case WC_D_CANON_LOWER: {
        const wc_item *fi = item_at(R, WC_IS_FUNC, df->a);
        if (!fi || !type_ok(R, df->type, WC_K_FUNC))
            return damaged(R, "lowered function");
        wc_lowered *L = new_obj(st, sizeof *L, NULL);
        if (!L)
            return nomem_err(err);
        L->callee = fi->u.func;
        L->types = R->types;
        L->type = df->type;
        if (opts_of(R, &df->opts, &L->opts) != WEFT_OK)
            return WEFT_MALFORMED;
        L->cinst = R->cinst;
        L->rtypes = R->rtypes;
        L->nrtypes = R->C->nresource_ids;
        const weft_ctype *ft = wc_type(R->types, df->type);
        uint8_t p[WC_MAX_FLAT_PARAMS + 2], r[2];
        uint32_t np = wc_flatten_types(R->types, ft->elems, ft->n, p, WC_MAX_FLAT_PARAMS);
        if (np > WC_MAX_FLAT_PARAMS) {
            p[0] = WEFT_I32;
            np = 1;
        }
        L->nflat_params = np;
        uint32_t nr = ft->elem == WC_NONE ? 0 : wc_flatten_types(R->types, &ft->elem, 1, r, WC_MAX_FLAT_RESULTS);
        if (nr > WC_MAX_FLAT_RESULTS) {
            L->results_in_memory = true;
            p[np++] = WEFT_I32;
            nr = 0;
        }
        weft_valkind pk[WC_MAX_FLAT_PARAMS + 2], rk[2];
        for (uint32_t i = 0; i < np; i++)
            pk[i] = (weft_valkind)p[i];
        for (uint32_t i = 0; i < nr; i++)
            rk[i] = (weft_valkind)r[i];
        weft_functype cft = {np, nr, pk, rk};
        weft_func *cf = weft_func_new(st, &cft, lowered_trampoline, L, NULL);
        if (!cf)
            return nomem_err(err);
        it.u.core_func = cf;
        return push_item(R, WC_IS_CORE_FUNC, it);
    }
    case WC_D_RESOURCE_NEW: case WC_D_RESOURCE_DROP: case WC_D_RESOURCE_REP: {
        wc_resbuiltin *b = new_obj(st, sizeof *b, NULL);
        if (!b)
            return nomem_err(err);
        b->cinst = R->cinst;
        const wc_item *ti = item_at(R, WC_IS_TYPE, df->a);
        if (!ti)
            return damaged(R, "resource type");
        b->rt = ti->u.res;
        b->rtypes = R->rtypes;
        b->nrtypes = R->C->nresource_ids;
        b->types = R->types;
        b->op = df->op;
        weft_valkind i32[1] = {WEFT_I32};
        weft_functype cft = {1, df->op == WC_D_RESOURCE_DROP ? 0u : 1u, i32, i32};
        weft_func *cf = weft_func_new(st, &cft, resource_builtin, b, NULL);
        if (!cf || !b->rt)
            return b->rt ? nomem_err(err)
                         : wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET, "resource type is not bound");
        it.u.core_func = cf;
        return push_item(R, WC_IS_CORE_FUNC, it);
    }
    case WC_D_IMPORT: {
        if (*nimport >= R->comp->nimports || df->space >= WC_IS_COUNT)
            return damaged(R, "import");
        it = imports[(*nimport)++];
        if (df->space == WC_IS_TYPE) {
            bind_resource(R, df->type, it.u.res);
            it.type = df->type;
        }
        if (df->space == WC_IS_INSTANCE)
            bind_instance_resources(R, df->type, it.u.inst);
        return push_item(R, df->space, it);
    }
    case WC_D_EXPORT: {
        const wc_item *src = item_at(R, df->space, df->a);
        if (!src || exports->n >= R->comp->nexports)
            return damaged(R, "export");
        it = *src;
        exports->names[exports->n] = df->name;
        exports->spaces[exports->n] = df->space;
        exports->items[exports->n] = it;
        exports->n++;
        return push_item(R, df->space, it);
    }
    }
    return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "unknown component definition");
}

static weft_status instantiate(weft_store *st, const weft_component *C, const wc_comp *comp,
                               const wc_item *imports, wc_rinst **out, wc_cinst **cinst_out,
                               weft_error *err, uint32_t depth, const wc_env *outer)
{
    if (depth > 32)
        return wu_error(err, WEFT_LIMIT, WEFT_NO_OFFSET, "components nested too deeply");
    irun R;
    memset(&R, 0, sizeof R);
    R.env = store_alloc(st, sizeof(wc_env));
    if (!R.env)
        return nomem_err(err);
    R.env->parent = outer;
    R.st = st;
    R.C = C;
    R.types = &C->types;
    R.err = err;
    R.comp = comp;
    R.cinst = new_obj(st, sizeof(wc_cinst), cinst_cleanup);
    R.rtypes = store_alloc(st, (C->nresource_ids + 1) * sizeof(weft_resource_type *));
    if (!R.cinst || !R.rtypes)
        return nomem_err(err);
    R.cinst->may_leave = true;
    weft_status s = WEFT_OK;
    for (int i = 0; i < WC_IS_COUNT && !s; i++) {
        R.env->sp[i] = store_alloc(st, (comp->count[i] + 1) * sizeof(wc_item));
        if (!R.env->sp[i])
            s = nomem_err(err);
    }
    wc_rinst *ex = NULL;
    if (!s) {
        ex = rinst_new(&R, comp->nexports);
        if (!ex)
            s = nomem_err(err);
    }
    uint32_t nimport = 0;
    for (uint32_t i = 0; i < comp->ndefs && !s; i++)
        s = run_def(&R, &comp->defs[i], imports, &nimport, ex, depth);
    if (s)
        return s;
    *out = ex;
    if (cinst_out)
        *cinst_out = R.cinst;
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Linker                                                            */
/* ---------------------------------------------------------------- */

enum { LK_FUNC, LK_RESOURCE, LK_INSTANCE };

typedef struct lk_def {
    char *iface;     /* NULL: top level */
    char *name;      /* NULL for LK_INSTANCE */
    uint8_t kind;
    weft_chost_fn fn;
    void *user;
    weft_resource_type *res;
    weft_component_instance *inst;
} lk_def;

struct weft_component_linker {
    const weft_engine *engine;
    lk_def *defs;
    uint32_t n, cap;
};

weft_component_linker *weft_component_linker_new(weft_engine *engine)
{
    if (!engine)
        return NULL;
    weft_component_linker *l = wu_alloc(engine, sizeof *l);
    if (l)
        l->engine = engine;
    return l;
}

void weft_component_linker_delete(weft_component_linker *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->n; i++) {
        wu_free(l->engine, l->defs[i].iface, 0);
        wu_free(l->engine, l->defs[i].name, 0);
    }
    wu_free(l->engine, l->defs, 0);
    wu_free(l->engine, l, sizeof *l);
}

static char *dupn(const weft_engine *e, const char *s, size_t n)
{
    char *p = wu_alloc(e, n + 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

static weft_status lk_add(weft_component_linker *l, const char *path, uint8_t kind, lk_def **out)
{
    if (!l || !path)
        return WEFT_ARG;
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 16;
        lk_def *p = wu_realloc(l->engine, l->defs, l->cap * sizeof *p, nc * sizeof *p);
        if (!p)
            return WEFT_NOMEM;
        l->defs = p;
        l->cap = nc;
    }
    lk_def *d = &l->defs[l->n];
    memset(d, 0, sizeof *d);
    const char *hash = strchr(path, '#');
    if (kind == LK_INSTANCE) {
        d->iface = dupn(l->engine, path, strlen(path));
        if (!d->iface)
            return WEFT_NOMEM;
    } else if (hash) {
        d->iface = dupn(l->engine, path, (size_t)(hash - path));
        d->name = dupn(l->engine, hash + 1, strlen(hash + 1));
        if (!d->iface || !d->name) {
            wu_free(l->engine, d->iface, 0);
            wu_free(l->engine, d->name, 0);
            return WEFT_NOMEM;
        }
    } else {
        d->name = dupn(l->engine, path, strlen(path));
        if (!d->name)
            return WEFT_NOMEM;
    }
    d->kind = kind;
    l->n++;
    *out = d;
    return WEFT_OK;
}

weft_status weft_component_linker_define_func(weft_component_linker *l, const char *path,
                                              weft_chost_fn fn, void *user)
{
    lk_def *d;
    if (!fn)
        return WEFT_ARG;
    weft_status s = lk_add(l, path, LK_FUNC, &d);
    if (s)
        return s;
    d->fn = fn;
    d->user = user;
    return WEFT_OK;
}

weft_status weft_component_linker_define_resource(weft_component_linker *l, const char *path,
                                                  weft_resource_type *type)
{
    lk_def *d;
    if (!type)
        return WEFT_ARG;
    weft_status s = lk_add(l, path, LK_RESOURCE, &d);
    if (s)
        return s;
    d->res = type;
    return WEFT_OK;
}

weft_status weft_component_linker_define_instance(weft_component_linker *l, const char *name,
                                                  weft_component_instance *inst)
{
    lk_def *d;
    if (!inst)
        return WEFT_ARG;
    weft_status s = lk_add(l, name, LK_INSTANCE, &d);
    if (s)
        return s;
    d->inst = inst;
    return WEFT_OK;
}

/* Splits "ns:pkg/iface@1.2.3" into its unversioned part and version. */
static void split_version(const char *s, size_t *base_len, int ver[3], bool *has)
{
    const char *at = strchr(s, '@');
    *has = at != NULL;
    *base_len = at ? (size_t)(at - s) : strlen(s);
    ver[0] = ver[1] = ver[2] = 0;
    if (!at)
        return;
    const char *p = at + 1;
    for (int i = 0; i < 3 && *p; i++) {
        int v = 0;
        while (*p >= '0' && *p <= '9')
            v = v * 10 + (*p++ - '0');
        ver[i] = v;
        if (*p == '.')
            p++;
        else
            break;
    }
}

/* Whether a definition named def satisfies an import named want: the same
 * interface, and versions on the same semver-compatible track (same major;
 * for 0.x the same minor; for 0.0.x the same patch). */
static bool names_compatible(const char *def, const char *want)
{
    size_t bl1, bl2;
    int v1[3], v2[3];
    bool h1, h2;
    split_version(def, &bl1, v1, &h1);
    split_version(want, &bl2, v2, &h2);
    if (bl1 != bl2 || memcmp(def, want, bl1) != 0)
        return false;
    if (!h1 && !h2)
        return true;
    if (h1 != h2)
        return false;
    if (!strcmp(def, want))
        return true;
    if (v1[0] != v2[0])
        return false;
    if (v1[0] == 0 && v1[1] != v2[1])
        return false;
    if (v1[0] == 0 && v1[1] == 0 && v1[2] != v2[2])
        return false;
    return true;
}

static const lk_def *lk_find(const weft_component_linker *l, uint8_t kind, const char *iface,
                             const char *name)
{
    const lk_def *exact = NULL, *compat = NULL;
    for (uint32_t i = l->n; i-- > 0;) {
        const lk_def *d = &l->defs[i];
        if (d->kind != kind)
            continue;
        if (name && (!d->name || strcmp(d->name, name)))
            continue;
        if (!iface) {
            if (d->iface)
                continue;
            return d;
        }
        if (!d->iface)
            continue;
        if (!strcmp(d->iface, iface))
            exact = exact ? exact : d;
        else if (names_compatible(d->iface, iface))
            compat = compat ? compat : d;
    }
    return exact ? exact : compat;
}

static weft_cfunc *host_cfunc(weft_store *st, const wc_types *types, wc_tid type,
                              weft_chost_fn fn, void *user)
{
    weft_cfunc *f = new_obj(st, sizeof *f, NULL);
    if (!f)
        return NULL;
    f->kind = CF_HOST;
    f->types = types;
    f->type = type;
    f->fn = fn;
    f->user = user;
    return f;
}

static weft_status describe_type(const wc_types *a, wc_tid t, char *buf, size_t cap)
{
    wc_print_type(a, t, buf, cap);
    return WEFT_OK;
}

/* Builds the item for a root import from the linker. */
static weft_status resolve_import(weft_component_linker *l, weft_store *st,
                                  const weft_component *C, const wc_extern *im, wc_item *out,
                                  weft_error *err)
{
    const wc_types *a = &C->types;
    memset(out, 0, sizeof *out);
    out->type = WC_NONE;
    /* (a damaged image may give an import a type of the wrong kind) */
    int want = im->space == WC_IS_FUNC ? WC_K_FUNC : im->space == WC_IS_INSTANCE ? WC_K_INSTANCE : -1;
    if (want >= 0 && (im->type >= a->n || wc_type(a, im->type)->kind != want))
        return wu_error(err, WEFT_MALFORMED, WEFT_NO_OFFSET,
                        "damaged component: import `%s` has a type of the wrong kind", im->name);
    switch (im->space) {
    case WC_IS_FUNC: {
        const lk_def *d = lk_find(l, LK_FUNC, NULL, im->name);
        if (!d) {
            char tb[128];
            describe_type(a, im->type, tb, sizeof tb);
            return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                            "missing import `%s`: expected a function %s", im->name, tb);
        }
        out->u.func = host_cfunc(st, a, im->type, d->fn, d->user);
        return out->u.func ? WEFT_OK : nomem_err(err);
    }
    case WC_IS_TYPE: {
        const lk_def *d = lk_find(l, LK_RESOURCE, NULL, im->name);
        if (!d)
            return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                            "missing import `%s`: expected a resource type", im->name);
        out->u.res = d->res;
        out->type = im->type;
        return WEFT_OK;
    }
    case WC_IS_INSTANCE: {
        const weft_ctype *it = wc_type(a, im->type);
        const lk_def *di = lk_find(l, LK_INSTANCE, im->name, NULL);
        if (di) {
            wc_rinst *ri = di->inst->exports;
            /* check every expected export is there with a matching type */
            for (uint32_t i = 0; i < it->nexports; i++) {
                const wc_decl *dcl = &it->exports[i];
                const wc_item *got = rinst_get(ri, dcl->name, sort_space_of(dcl->sort));
                if (!got)
                    return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                                    "import `%s`: the instance defined as `%s` has no export `%s`",
                                    im->name, di->iface, dcl->name);
                if (dcl->sort == WC_SORT_FUNC &&
                    !wc_type_equal(got->u.func->types, got->u.func->type, a, dcl->type)) {
                    char tb[128];
                    describe_type(a, dcl->type, tb, sizeof tb);
                    return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                                    "import `%s`: export `%s` has the wrong type (expected %s)",
                                    im->name, dcl->name, tb);
                }
            }
            out->u.inst = ri;
            return WEFT_OK;
        }
        /* host definitions under the interface name */
        wc_rinst *ri = new_obj(st, sizeof *ri, NULL);
        if (!ri)
            return nomem_err(err);
        ri->engine = st->engine;
        ri->names = store_alloc(st, (it->nexports + 1) * sizeof(char *));
        ri->spaces = store_alloc(st, it->nexports + 1);
        ri->items = store_alloc(st, (it->nexports + 1) * sizeof(wc_item));
        if (!ri->names || !ri->spaces || !ri->items)
            return nomem_err(err);
        for (uint32_t i = 0; i < it->nexports; i++) {
            const wc_decl *dcl = &it->exports[i];
            wc_item *item = &ri->items[ri->n];
            item->type = WC_NONE;
            if (dcl->sort == WC_SORT_FUNC) {
                const lk_def *d = lk_find(l, LK_FUNC, im->name, dcl->name);
                if (!d) {
                    char tb[128];
                    describe_type(a, dcl->type, tb, sizeof tb);
                    return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                                    "missing import `%s#%s`: expected a function %s", im->name,
                                    dcl->name, tb);
                }
                item->u.func = host_cfunc(st, a, dcl->type, d->fn, d->user);
                if (!item->u.func)
                    return nomem_err(err);
            } else if (dcl->sort == WC_SORT_TYPE && wc_type(a, dcl->type)->kind == WC_K_RESOURCE) {
                const lk_def *d = lk_find(l, LK_RESOURCE, im->name, dcl->name);
                if (!d)
                    return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                                    "missing import `%s#%s`: expected a resource type", im->name,
                                    dcl->name);
                item->u.res = d->res;
                item->type = dcl->type;
            } else if (dcl->sort == WC_SORT_TYPE) {
                item->type = dcl->type;
            } else {
                return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                                "import `%s#%s`: only functions and types can be provided by the host",
                                im->name, dcl->name);
            }
            ri->names[ri->n] = dcl->name;
            ri->spaces[ri->n] = sort_space_of(dcl->sort);
            ri->n++;
        }
        out->u.inst = ri;
        return WEFT_OK;
    }
    }
    return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                    "import `%s`: this kind of import cannot be provided by the host", im->name);
}

weft_status weft_component_linker_instantiate(weft_component_linker *l, weft_store *store,
                                              const weft_component *c,
                                              weft_component_instance **out, weft_error *err)
{
    wu_error_clear(err);
    if (out)
        *out = NULL;
    if (!l || !store || !c || !out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "NULL argument");
    const wc_comp *root = c->root;
    wc_item *imports = wu_alloc(store->engine, (root->nimports + 1) * sizeof(wc_item));
    if (!imports)
        return nomem_err(err);
    weft_status s = WEFT_OK;
    for (uint32_t i = 0; i < root->nimports && !s; i++)
        s = resolve_import(l, store, c, &root->imports[i], &imports[i], err);
    wc_rinst *ex = NULL;
    wc_cinst *ci = NULL;
    if (!s)
        s = instantiate(store, c, root, imports, &ex, &ci, err, 0, NULL);
    wu_free(store->engine, imports, 0);
    if (s)
        return s;
    weft_component_instance *inst = new_obj(store, sizeof *inst, NULL);
    if (!inst)
        return nomem_err(err);
    inst->comp = c;
    inst->exports = ex;
    inst->state = ci;
    *out = inst;
    return WEFT_OK;
}

weft_cfunc *weft_component_instance_func(weft_component_instance *inst, const char *path)
{
    if (!inst || !path)
        return NULL;
    const char *hash = strchr(path, '#');
    if (!hash) {
        const wc_item *it = rinst_get(inst->exports, path, WC_IS_FUNC);
        return it ? it->u.func : NULL;
    }
    size_t ilen = (size_t)(hash - path);
    const wc_rinst *ri = inst->exports;
    for (uint32_t i = 0; i < ri->n; i++) {
        if (ri->spaces[i] != WC_IS_INSTANCE)
            continue;
        const char *nm = ri->names[i];
        bool match = (strlen(nm) == ilen && !memcmp(nm, path, ilen));
        if (!match) {
            /* "iface#f" also finds "ns:pkg/iface@1.0.0#f" */
            const char *slash = strrchr(nm, '/');
            const char *start = slash ? slash + 1 : nm;
            size_t bl = strcspn(start, "@");
            match = bl == ilen && !memcmp(start, path, ilen);
        }
        if (match) {
            const wc_item *it = rinst_get(ri->items[i].u.inst, hash + 1, WC_IS_FUNC);
            if (it)
                return it->u.func;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------- */
/* Function type inspection                                          */
/* ---------------------------------------------------------------- */

uint32_t weft_cfunc_param_count(const weft_cfunc *f)
{
    return wc_type(f->types, f->type)->n;
}

const char *weft_cfunc_param_name(const weft_cfunc *f, uint32_t i)
{
    const weft_ctype *t = wc_type(f->types, f->type);
    return i < t->n ? t->labels[i] : NULL;
}

const weft_ctype *weft_cfunc_param_type(const weft_cfunc *f, uint32_t i)
{
    const weft_ctype *t = wc_type(f->types, f->type);
    return i < t->n ? wc_type(f->types, t->elems[i]) : NULL;
}

uint32_t weft_cfunc_result_count(const weft_cfunc *f)
{
    return wc_type(f->types, f->type)->elem == WC_NONE ? 0 : 1;
}

const weft_ctype *weft_cfunc_result_type(const weft_cfunc *f)
{
    wc_tid r = wc_type(f->types, f->type)->elem;
    return r == WC_NONE ? NULL : wc_type(f->types, r);
}
