/* store.c - stores, runtime objects, instantiation, calls from the host. */
#include "vm/runtime.h"

/* ---------------------------------------------------------------- */
/* Objects                                                           */
/* ---------------------------------------------------------------- */

static void *new_obj(weft_store *st, size_t size, uint8_t kind,
                     void (*cleanup)(weft_store *, wv_obj *))
{
    wv_obj *o = wu_alloc(st->engine, size);
    if (!o)
        return NULL;
    o->size = size;
    o->kind = kind;
    o->cleanup = cleanup;
    o->next = st->objs;
    st->objs = o;
    return o;
}

weft_store *weft_store_new(weft_engine *engine)
{
    if (!engine)
        return NULL;
    weft_store *st = wu_alloc(engine, sizeof *st);
    if (!st)
        return NULL;
    st->engine = engine;
    st->fuel = INT64_MAX;
    return st;
}

void weft_store_delete(weft_store *st)
{
    if (!st)
        return;
    const weft_engine *e = st->engine;
    wv_obj *o = st->objs;
    while (o) {
        wv_obj *next = o->next;
        if (o->cleanup)
            o->cleanup(st, o);
        wu_free(e, o, o->size);
        o = next;
    }
    wu_free(e, st->stack, 0);
    wu_free(e, st->frames, 0);
    wu_free(e, st, sizeof *st);
}

weft_status weft_store_set_fuel(weft_store *st, uint64_t fuel)
{
#if WEFT_FUEL
    st->fuel = fuel > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)fuel;
    st->fuel_limited = true;
    return WEFT_OK;
#else
    (void)st;
    (void)fuel;
    return WEFT_UNSUPPORTED;
#endif
}

uint64_t weft_store_get_fuel(const weft_store *st)
{
    return st->fuel < 0 ? 0 : (uint64_t)st->fuel;
}

void weft_store_unlimited_fuel(weft_store *st)
{
    st->fuel = INT64_MAX;
    st->fuel_limited = false;
}

void weft_store_interrupt(weft_store *st) { st->interrupt = 1; }
void weft_store_set_data(weft_store *st, void *data) { st->user_data = data; }
void *weft_store_data(const weft_store *st) { return st->user_data; }

/* ---------------------------------------------------------------- */
/* Functions                                                         */
/* ---------------------------------------------------------------- */

static void func_cleanup(weft_store *st, wv_obj *o)
{
    weft_func *f = (weft_func *)o;
    if (f->kind == WV_FUNC_HOST) {
        if (f->finalizer)
            f->finalizer(f->user);
        wu_free(st->engine, (void *)f->own_type.params, 0);
    }
}

weft_func *weft_func_new(weft_store *st, const weft_functype *type,
                         weft_host_fn fn, void *user, weft_finalizer_fn finalizer)
{
    if (!st || !type || !fn)
        return NULL;
    weft_func *f = new_obj(st, sizeof *f, 0, func_cleanup);
    if (!f)
        return NULL;
    uint32_t n = type->nparams + type->nresults;
    weft_valkind *arr = WU_NEW_ARRAY(st->engine, weft_valkind, n ? n : 1);
    if (!arr)
        return NULL;  /* the object stays in the store and is freed with it */
    if (type->nparams)
        memcpy(arr, type->params, type->nparams * sizeof *arr);
    if (type->nresults)
        memcpy(arr + type->nparams, type->results, type->nresults * sizeof *arr);
    f->kind = WV_FUNC_HOST;
    f->own_type.nparams = type->nparams;
    f->own_type.nresults = type->nresults;
    f->own_type.params = arr;
    f->own_type.results = arr + type->nparams;
    f->type = &f->own_type;
    f->host = fn;
    f->user = user;
    f->finalizer = finalizer;
    return f;
}

const weft_functype *weft_func_type(const weft_func *f) { return f->type; }

bool weft_functype_parse(const char *sig, weft_functype *out,
                         weft_valkind *params, weft_valkind *results, uint32_t cap)
{
    uint32_t np = 0, nr = 0;
    bool in_results = false;
    for (const char *p = sig; *p; p++) {
        weft_valkind k;
        switch (*p) {
        case ':':
            if (in_results)
                return false;
            in_results = true;
            continue;
        case 'i': k = WEFT_I32; break;
        case 'I': k = WEFT_I64; break;
        case 'f': k = WEFT_F32; break;
        case 'F': k = WEFT_F64; break;
        case 'v': k = WEFT_V128; break;
        case 'r': k = WEFT_FUNCREF; break;
        case 'e': k = WEFT_EXTERNREF; break;
        default: return false;
        }
        if (in_results) {
            if (nr == cap)
                return false;
            results[nr++] = k;
        } else {
            if (np == cap)
                return false;
            params[np++] = k;
        }
    }
    if (!in_results)
        return false;
    out->nparams = np;
    out->nresults = nr;
    out->params = params;
    out->results = results;
    return true;
}

/* ---------------------------------------------------------------- */
/* Memories, tables, globals                                         */
/* ---------------------------------------------------------------- */

static void memory_cleanup(weft_store *st, wv_obj *o)
{
    weft_memory *m = (weft_memory *)o;
    wu_free(st->engine, m->data, (size_t)m->alloc_size);
}

static weft_memory *memory_create(weft_store *st, weft_limits lim, uint8_t page_log2,
                                  weft_error *err)
{
    const weft_config *cfg = &st->engine->cfg;
    uint64_t range = page_log2 == 16 ? 65536ull : 0xFFFFFFFFull;
    uint64_t max = lim.has_max && lim.max < range ? lim.max : range;
    uint64_t eng = cfg->max_memory_bytes >> page_log2;
    if (eng < max)
        max = eng;
    if (lim.min > max) {
        wu_error(err, WEFT_LIMIT, WEFT_NO_OFFSET,
                 "memory of %llu pages exceeds the limit of %llu pages",
                 (unsigned long long)lim.min, (unsigned long long)max);
        return NULL;
    }
    weft_memory *m = new_obj(st, sizeof *m, 0, memory_cleanup);
    if (!m) {
        wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        return NULL;
    }
    m->engine = st->engine;
    m->limits = lim;
    m->page_log2 = page_log2;
    m->max_pages = max;
    m->pages = lim.min;
    m->size = lim.min << page_log2;
    /* NONCONFORMING: a 64 KiB-page memory gets at most the configured
     * backing; accesses past it trap like accesses past the end. */
    if (page_log2 == 16 && cfg->nonconforming_memory_backing_bytes) {
        m->backing = cfg->nonconforming_memory_backing_bytes;
        if (m->size > m->backing)
            m->size = m->backing;
    }
    if (m->size > SIZE_MAX - 16) {
        wu_error(err, WEFT_LIMIT, WEFT_NO_OFFSET, "memory too large for this host");
        return NULL;
    }
    m->alloc_size = m->size ? m->size : 1;
    m->data = wu_alloc(st->engine, (size_t)m->alloc_size);
    if (!m->data) {
        m->alloc_size = 0;
        wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET,
                 "out of memory allocating %llu bytes of linear memory",
                 (unsigned long long)m->size);
        return NULL;
    }
    return m;
}

int64_t wv_memory_grow(weft_memory *m, uint64_t delta)
{
    uint64_t old = m->pages;
    if (delta == 0)
        return (int64_t)old;
    if (delta > m->max_pages || old + delta > m->max_pages)
        return -1;
    uint64_t nsize = (old + delta) << m->page_log2;
    if (nsize > SIZE_MAX - 16 || (m->backing && nsize > m->backing))
        return -1;
    if (nsize > m->alloc_size) {
        uint8_t *p = wu_realloc(m->engine, m->data, (size_t)m->alloc_size, (size_t)nsize);
        if (!p)
            return -1;
        memset(p + m->size, 0, (size_t)(nsize - m->size));
        m->data = p;
        m->alloc_size = nsize;
    } else {
        memset(m->data + m->size, 0, (size_t)(nsize - m->size));
    }
    m->size = nsize;
    m->pages = old + delta;
    return (int64_t)old;
}

weft_memory *weft_memory_new(weft_store *st, weft_limits limits)
{
    return memory_create(st, limits, 16, NULL);
}

weft_memory *weft_memory_new_with_page_size(weft_store *st, weft_limits limits,
                                            uint32_t page_size_log2)
{
    if (page_size_log2 != 16 &&
        !(page_size_log2 == 0 && (st->engine->cfg.features & WEFT_FEATURE_CUSTOM_PAGE_SIZES)))
        return NULL;
    return memory_create(st, limits, (uint8_t)page_size_log2, NULL);
}

uint8_t *weft_memory_data(weft_memory *m) { return m->data; }
uint64_t weft_memory_size(const weft_memory *m) { return m->size; }
uint64_t weft_memory_pages(const weft_memory *m) { return m->pages; }

bool weft_memory_grow(weft_memory *m, uint64_t delta, uint64_t *old_pages)
{
    int64_t old = wv_memory_grow(m, delta);
    if (old < 0)
        return false;
    if (old_pages)
        *old_pages = (uint64_t)old;
    return true;
}

void weft_memory_type(const weft_memory *m, weft_externtype *out)
{
    memset(out, 0, sizeof *out);
    out->kind = WEFT_EXTERN_MEMORY;
    out->memory.limits = m->limits;
    out->memory.limits.min = m->pages;
    out->memory.page_size_log2 = m->page_log2;
}

static void table_cleanup(weft_store *st, wv_obj *o)
{
    weft_table *t = (weft_table *)o;
    WU_FREE_ARRAY(st->engine, t->elems, t->cap);
}

static weft_table *table_create(weft_store *st, uint8_t elem, weft_limits lim,
                                uint64_t init, weft_error *err)
{
    uint64_t max = lim.has_max ? lim.max : 0xFFFFFFFFull;
    if (max > st->engine->cfg.max_table_elems)
        max = st->engine->cfg.max_table_elems;
    if (lim.min > max) {
        wu_error(err, WEFT_LIMIT, WEFT_NO_OFFSET,
                 "table of %llu elements exceeds the limit of %llu",
                 (unsigned long long)lim.min, (unsigned long long)max);
        return NULL;
    }
    weft_table *t = new_obj(st, sizeof *t, 0, table_cleanup);
    if (!t) {
        wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        return NULL;
    }
    t->elem = elem;
    t->limits = lim;
    t->max = (uint32_t)max;
    t->size = (uint32_t)lim.min;
    t->cap = t->size ? t->size : 1;
    t->elems = WU_NEW_ARRAY(st->engine, uint64_t, t->cap);
    if (!t->elems) {
        t->cap = 0;
        wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        return NULL;
    }
    for (uint32_t i = 0; i < t->size; i++)
        t->elems[i] = init;
    return t;
}

int64_t wv_table_grow(weft_store *st, weft_table *t, uint64_t delta, uint64_t init)
{
    uint64_t old = t->size;
    if (delta > t->max || old + delta > t->max)
        return -1;
    uint64_t n = old + delta;
    if (n > t->cap) {
        uint64_t nc = t->cap * 2 > n ? t->cap * 2 : n;
        if (nc > t->max)
            nc = n;
        uint64_t *p = wu_realloc(st->engine, t->elems, t->cap * sizeof(uint64_t),
                                 (size_t)nc * sizeof(uint64_t));
        if (!p)
            return -1;
        t->elems = p;
        t->cap = (uint32_t)nc;
    }
    for (uint64_t i = old; i < n; i++)
        t->elems[i] = init;
    t->size = (uint32_t)n;
    return (int64_t)old;
}

static uint64_t ref_bits(const weft_val *v)
{
    return v->kind == WEFT_FUNCREF ? (uint64_t)(uintptr_t)v->of.funcref
                                   : (uint64_t)(uintptr_t)v->of.externref;
}

weft_table *weft_table_new(weft_store *st, weft_valkind elem, weft_limits limits,
                           weft_val init)
{
    if (elem != WEFT_FUNCREF && elem != WEFT_EXTERNREF)
        return NULL;
    return table_create(st, (uint8_t)elem, limits, ref_bits(&init), NULL);
}

uint32_t weft_table_size(const weft_table *t) { return t->size; }

bool weft_table_get(const weft_table *t, uint32_t i, weft_val *out)
{
    if (i >= t->size)
        return false;
    memset(out, 0, sizeof *out);
    out->kind = (weft_valkind)t->elem;
    if (t->elem == WEFT_FUNCREF)
        out->of.funcref = (weft_func *)(uintptr_t)t->elems[i];
    else
        out->of.externref = (void *)(uintptr_t)t->elems[i];
    return true;
}

bool weft_table_set(weft_table *t, uint32_t i, weft_val v)
{
    if (i >= t->size || v.kind != (weft_valkind)t->elem)
        return false;
    t->elems[i] = ref_bits(&v);
    return true;
}

void weft_table_type(const weft_table *t, weft_externtype *out)
{
    memset(out, 0, sizeof *out);
    out->kind = WEFT_EXTERN_TABLE;
    out->table.elem = (weft_valkind)t->elem;
    out->table.limits = t->limits;
    out->table.limits.min = t->size;
}

static void val_to_global(weft_global *g, const weft_val *v)
{
    switch (v->kind) {
    case WEFT_I32: g->val[0].i64 = (uint32_t)v->of.i32; break;
    case WEFT_F32: g->val[0].i64 = v->of.f32_bits; break;
    case WEFT_I64: g->val[0].i64 = (uint64_t)v->of.i64; break;
    case WEFT_F64: g->val[0].i64 = v->of.f64_bits; break;
    case WEFT_FUNCREF:
    case WEFT_EXNREF:
    case WEFT_EXTERNREF: g->val[0].i64 = ref_bits(v); break;
    case WEFT_V128: memcpy(g->val, v->of.v128, 16); break;
    }
}

/* ---------------------------------------------------------------- */
/* Tags and exceptions                                               */
/* ---------------------------------------------------------------- */

bool wv_exnref_ok(const weft_store *st, const weft_val *v)
{
    if (v->kind != WEFT_EXNREF || !v->of.exnref)
        return true;
    for (const wv_obj *o = st->objs; o; o = o->next)
        if (o == v->of.exnref)
            return o->kind == WV_OBJ_EXN;
    return false;
}

static void tag_cleanup(weft_store *st, wv_obj *o)
{
    weft_tag *t = (weft_tag *)o;
    WU_FREE_ARRAY(st->engine, t->params_own, t->type.nparams);
}

weft_tag *wv_tag_new(weft_store *st, const weft_functype *ft)
{
    weft_tag *t = new_obj(st, sizeof *t, WV_OBJ_OTHER, tag_cleanup);
    if (!t)
        return NULL;
    t->params_own = WU_NEW_ARRAY(st->engine, weft_valkind, ft->nparams + 1);
    if (!t->params_own)
        return NULL;  /* the store frees the object */
    if (ft->nparams)
        memcpy(t->params_own, ft->params, ft->nparams * sizeof *ft->params);
    t->type.nparams = ft->nparams;
    t->type.params = t->params_own;
    t->type.nresults = 0;
    t->type.results = t->params_own;  /* none; non-NULL for memcmp */
    for (uint32_t i = 0; i < ft->nparams; i++)
        t->nslots += wm_slots_of((uint8_t)ft->params[i]);
    return t;
}

weft_tag *weft_tag_new(weft_store *st, const weft_valkind *params, uint32_t nparams)
{
    if (!st || (nparams && !params))
        return NULL;
    for (uint32_t i = 0; i < nparams; i++)
        if ((unsigned)params[i] > WEFT_EXNREF || params[i] == WEFT_V128)
            return NULL;
    weft_functype ft = {nparams, 0, params, NULL};
    return wv_tag_new(st, &ft);
}

void weft_tag_type(const weft_tag *t, weft_externtype *out)
{
    memset(out, 0, sizeof *out);
    out->kind = WEFT_EXTERN_TAG;
    out->func = t->type;
}

wv_exn *wv_exn_new(weft_store *st, weft_tag *tag, const wv_slot *payload)
{
    size_t size = sizeof(wv_exn) + (size_t)tag->nslots * sizeof(wv_slot);
    wv_exn *x = new_obj(st, size, WV_OBJ_EXN, NULL);
    if (!x)
        return NULL;
    x->tag = tag;
    x->nslots = tag->nslots;
    if (tag->nslots)
        memcpy(x->payload, payload, tag->nslots * sizeof(wv_slot));
    return x;
}

weft_global *weft_global_new(weft_store *st, weft_valkind type, bool mutable_,
                             weft_val init)
{
    if (init.kind != type || !wv_exnref_ok(st, &init))
        return NULL;
    weft_global *g = new_obj(st, sizeof *g, 0, NULL);
    if (!g)
        return NULL;
    g->type = (uint8_t)type;
    g->mutable_ = mutable_;
    val_to_global(g, &init);
    return g;
}

weft_val weft_global_get(const weft_global *g)
{
    weft_val v;
    memset(&v, 0, sizeof v);
    v.kind = (weft_valkind)g->type;
    switch (g->type) {
    case WEFT_I32: v.of.i32 = (int32_t)g->val[0].i32; break;
    case WEFT_F32: v.of.f32_bits = g->val[0].i32; break;
    case WEFT_I64: v.of.i64 = (int64_t)g->val[0].i64; break;
    case WEFT_F64: v.of.f64_bits = g->val[0].i64; break;
    case WEFT_FUNCREF: v.of.funcref = (weft_func *)(uintptr_t)g->val[0].i64; break;
    case WEFT_EXTERNREF: v.of.externref = (void *)(uintptr_t)g->val[0].i64; break;
    case WEFT_EXNREF: v.of.exnref = (void *)(uintptr_t)g->val[0].i64; break;
    case WEFT_V128: memcpy(v.of.v128, g->val, 16); break;
    }
    return v;
}

bool weft_global_set(weft_global *g, weft_val v)
{
    /* a global does not know its store: only a null exnref can be set */
    if (!g->mutable_ || v.kind != (weft_valkind)g->type ||
        (v.kind == WEFT_EXNREF && v.of.exnref))
        return false;
    val_to_global(g, &v);
    return true;
}

void weft_global_type(const weft_global *g, weft_externtype *out)
{
    memset(out, 0, sizeof *out);
    out->kind = WEFT_EXTERN_GLOBAL;
    out->global.type = (weft_valkind)g->type;
    out->global.mutable_ = g->mutable_;
}

/* ---------------------------------------------------------------- */
/* Import matching                                                   */
/* ---------------------------------------------------------------- */

static bool limits_match(uint64_t have_min, const weft_limits *have,
                         const weft_limits *want)
{
    if (have_min < want->min)
        return false;
    if (want->has_max) {
        if (!have->has_max || have->max > want->max)
            return false;
    }
    return true;
}

bool weft_extern_matches(const weft_extern *ext, const weft_externtype *want)
{
    if (!ext || ext->kind != want->kind)
        return false;
    switch (ext->kind) {
    case WEFT_EXTERN_FUNC:
        return ext->of.func && wv_functype_eq(ext->of.func->type, &want->func);
    case WEFT_EXTERN_TABLE: {
        const weft_table *t = ext->of.table;
        return t && t->elem == want->table.elem &&
               limits_match(t->size, &t->limits, &want->table.limits);
    }
    case WEFT_EXTERN_MEMORY: {
        const weft_memory *m = ext->of.memory;
        return m && m->page_log2 == want->memory.page_size_log2 &&
               limits_match(m->pages, &m->limits, &want->memory.limits);
    }
    case WEFT_EXTERN_GLOBAL: {
        const weft_global *g = ext->of.global;
        return g && g->type == want->global.type && g->mutable_ == want->global.mutable_;
    }
    case WEFT_EXTERN_TAG:
        /* tag types match exactly (no subtyping among these value types) */
        return ext->of.tag && wv_functype_eq(&ext->of.tag->type, &want->func);
    }
    return false;
}

static size_t fmt_valtypes(char *buf, size_t cap, uint32_t n, const weft_valkind *t)
{
    size_t k = wu_fmt(buf, cap, "(");
    for (uint32_t i = 0; i < n && k < cap; i++)
        k += wu_fmt(buf + k, cap - k, "%s%s", i ? ", " : "", weft_valkind_name(t[i]));
    if (k < cap)
        k += wu_fmt(buf + k, cap - k, ")");
    return k;
}

/* Writes a readable form of an extern type. */
size_t wv_format_externtype(char *buf, size_t cap, const weft_externtype *t);
size_t wv_format_externtype(char *buf, size_t cap, const weft_externtype *t)
{
    size_t k = 0;
    switch (t->kind) {
    case WEFT_EXTERN_FUNC:
        k = wu_fmt(buf, cap, "func ");
        if (k < cap)
            k += fmt_valtypes(buf + k, cap - k, t->func.nparams, t->func.params);
        if (k < cap)
            k += wu_fmt(buf + k, cap - k, " -> ");
        if (k < cap)
            k += fmt_valtypes(buf + k, cap - k, t->func.nresults, t->func.results);
        return k;
    case WEFT_EXTERN_TABLE:
        k = wu_fmt(buf, cap, "table of %s, min %llu", weft_valkind_name(t->table.elem),
                   (unsigned long long)t->table.limits.min);
        break;
    case WEFT_EXTERN_MEMORY:
        k = wu_fmt(buf, cap, "memory, min %llu pages", (unsigned long long)t->memory.limits.min);
        if (t->memory.page_size_log2 != 16 && k < cap)
            k += wu_fmt(buf + k, cap - k, " of %llu bytes",
                        1ull << (t->memory.page_size_log2 & 63));
        break;
    case WEFT_EXTERN_GLOBAL:
        return wu_fmt(buf, cap, "global %s%s", t->global.mutable_ ? "mut " : "",
                      weft_valkind_name(t->global.type));
    case WEFT_EXTERN_TAG:
        k = wu_fmt(buf, cap, "tag ");
        if (k < cap)
            k += fmt_valtypes(buf + k, cap - k, t->func.nparams, t->func.params);
        return k;
    }
    const weft_limits *l = t->kind == WEFT_EXTERN_TABLE ? &t->table.limits : &t->memory.limits;
    if (l->has_max && k < cap)
        k += wu_fmt(buf + k, cap - k, ", max %llu", (unsigned long long)l->max);
    return k;
}

static void extern_type_of(const weft_extern *ext, weft_externtype *out)
{
    switch (ext->kind) {
    case WEFT_EXTERN_FUNC:
        memset(out, 0, sizeof *out);
        out->kind = WEFT_EXTERN_FUNC;
        out->func = *ext->of.func->type;
        break;
    case WEFT_EXTERN_TABLE: weft_table_type(ext->of.table, out); break;
    case WEFT_EXTERN_MEMORY: weft_memory_type(ext->of.memory, out); break;
    case WEFT_EXTERN_GLOBAL: weft_global_type(ext->of.global, out); break;
    case WEFT_EXTERN_TAG: weft_tag_type(ext->of.tag, out); break;
    }
}

/* ---------------------------------------------------------------- */
/* Instantiation                                                     */
/* ---------------------------------------------------------------- */


static void instance_cleanup(weft_store *st, wv_obj *o)
{
    weft_instance *in = (weft_instance *)o;
    const weft_module *m = in->module;
    const weft_engine *e = st->engine;
    WU_FREE_ARRAY(e, in->funcs, m->nfuncs);
    WU_FREE_ARRAY(e, in->tables, m->ntables);
    WU_FREE_ARRAY(e, in->mems, m->nmems);
    WU_FREE_ARRAY(e, in->globals, m->nglobals);
    WU_FREE_ARRAY(e, in->tags, m->ntags);
    WU_FREE_ARRAY(e, in->data_dropped, m->ndatas);
    if (in->elem_refs)
        for (uint32_t i = 0; i < m->nelems; i++)
            WU_FREE_ARRAY(e, in->elem_refs[i], m->elems[i].count);
    WU_FREE_ARRAY(e, in->elem_refs, m->nelems);
    WU_FREE_ARRAY(e, in->elem_sizes, m->nelems);
}

/* Evaluates a validated constant expression. */
static void eval_const(const weft_instance *in, const uint8_t *p, wv_slot *out)
{
    uint64_t stack[64];
    uint32_t sp = 0;
    wr_reader r = {p, 0, (size_t)-1, NULL};
    for (;;) {
        uint8_t op = p[r.pos++];
        switch (op) {
        case 0x0B:
            out->i64 = stack[0];
            return;
        case 0x41: { int32_t v; wr_s32(&r, &v); stack[sp++] = (uint32_t)v; break; }
        case 0x42: { int64_t v; wr_s64(&r, &v); stack[sp++] = (uint64_t)v; break; }
        case 0x43: {
            uint32_t v = (uint32_t)p[r.pos] | (uint32_t)p[r.pos + 1] << 8 |
                         (uint32_t)p[r.pos + 2] << 16 | (uint32_t)p[r.pos + 3] << 24;
            r.pos += 4;
            stack[sp++] = v;
            break;
        }
        case 0x44: {
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--)
                v = v << 8 | p[r.pos + (size_t)i];
            r.pos += 8;
            stack[sp++] = v;
            break;
        }
        case 0xD0: r.pos++; stack[sp++] = 0; break;
        case 0xD2: { uint32_t x; wr_u32(&r, &x); stack[sp++] = (uint64_t)(uintptr_t)in->funcs[x]; break; }
        case 0x23: { uint32_t x; wr_u32(&r, &x); stack[sp++] = in->globals[x]->val[0].i64; break; }
        case 0x6A: sp--; stack[sp - 1] = (uint32_t)(stack[sp - 1] + stack[sp]); break;
        case 0x6B: sp--; stack[sp - 1] = (uint32_t)(stack[sp - 1] - stack[sp]); break;
        case 0x6C: sp--; stack[sp - 1] = (uint32_t)((uint32_t)stack[sp - 1] * (uint32_t)stack[sp]); break;
        case 0x7C: sp--; stack[sp - 1] = stack[sp - 1] + stack[sp]; break;
        case 0x7D: sp--; stack[sp - 1] = stack[sp - 1] - stack[sp]; break;
        case 0x7E: sp--; stack[sp - 1] = stack[sp - 1] * stack[sp]; break;
        default:
            out->i64 = 0;  /* unreachable: validated */
            return;
        }
    }
}

static weft_status fill_trap_error(weft_store *st, weft_trap_kind k, weft_error *err);
static weft_status run_func(weft_store *st, weft_func *f, const weft_val *args,
                            weft_val *results, weft_error *err);

weft_status weft_instance_new(weft_store *st, const weft_module *m,
                              const weft_extern *imports, size_t nimports,
                              weft_instance **out, weft_error *err)
{
    wu_error_clear(err);
    if (!out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "out is NULL");
    *out = NULL;
    if (!st || !m)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "store or module is NULL");
    if (nimports != m->nimports)
        return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                        "module has %u imports, %zu were given", m->nimports, nimports);
    for (uint32_t i = 0; i < m->nimports; i++) {
        weft_externtype want;
        const wm_import *im = &m->imports[i];
        wm_externtype(m, im->kind, im->index, &want);
        if (!weft_extern_matches(&imports[i], &want)) {
            char wbuf[96], gbuf[96];
            wv_format_externtype(wbuf, sizeof wbuf, &want);
            if (imports[i].kind <= WEFT_EXTERN_TAG && imports[i].of.func) {
                weft_externtype got;
                extern_type_of(&imports[i], &got);
                wv_format_externtype(gbuf, sizeof gbuf, &got);
            } else {
                wu_fmt(gbuf, sizeof gbuf, "nothing");
            }
            return wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                            "incompatible import type for \"%s\" \"%s\": expected %s, got %s",
                            im->module, im->name, wbuf, gbuf);
        }
    }

    const weft_engine *e = st->engine;
    weft_instance *in = new_obj(st, sizeof *in, 0, instance_cleanup);
    if (!in)
        return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
    in->store = st;
    in->module = m;
    in->funcs = WU_NEW_ARRAY(e, weft_func *, m->nfuncs);
    in->tables = WU_NEW_ARRAY(e, weft_table *, m->ntables);
    in->mems = WU_NEW_ARRAY(e, weft_memory *, m->nmems);
    in->globals = WU_NEW_ARRAY(e, weft_global *, m->nglobals);
    in->tags = WU_NEW_ARRAY(e, weft_tag *, m->ntags);
    in->data_dropped = WU_NEW_ARRAY(e, uint8_t, m->ndatas);
    in->elem_refs = WU_NEW_ARRAY(e, uint64_t *, m->nelems);
    in->elem_sizes = WU_NEW_ARRAY(e, uint32_t, m->nelems);
    if (!in->funcs || !in->tables || !in->mems || !in->globals || !in->tags ||
        !in->data_dropped || !in->elem_refs || !in->elem_sizes)
        return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");

    for (uint32_t i = 0; i < m->nimports; i++) {
        const wm_import *im = &m->imports[i];
        switch (im->kind) {
        case WEFT_EXTERN_FUNC: in->funcs[im->index] = imports[i].of.func; break;
        case WEFT_EXTERN_TABLE: in->tables[im->index] = imports[i].of.table; break;
        case WEFT_EXTERN_MEMORY: in->mems[im->index] = imports[i].of.memory; break;
        case WEFT_EXTERN_GLOBAL: in->globals[im->index] = imports[i].of.global; break;
        case WEFT_EXTERN_TAG: in->tags[im->index] = imports[i].of.tag; break;
        }
    }
    /* tags are generative: each instantiation defines new ones */
    for (uint32_t i = m->nimported_tags; i < m->ntags; i++) {
        in->tags[i] = wv_tag_new(st, &m->types[m->tags[i].type]);
        if (!in->tags[i] || !in->tags[i]->params_own)
            return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
    }
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        const wm_func *df = &m->funcs[i];
        weft_func *f = new_obj(st, sizeof *f, 0, NULL);
        if (!f)
            return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        f->kind = WV_FUNC_WASM;
        f->type = &m->types[df->type];
        f->inst = in;
        f->code = m->code + df->code_off;
        f->nparam_slots = df->nparam_slots;
        f->nlocal_slots = df->nlocal_slots;
        f->frame_slots = df->frame_slots;
        f->nresult_slots = df->nresult_slots;
        in->funcs[i] = f;
    }
    for (uint32_t i = m->nimported_globals; i < m->nglobals; i++) {
        const wm_global *dg = &m->globals[i];
        weft_global *g = new_obj(st, sizeof *g, 0, NULL);
        if (!g)
            return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        g->type = dg->type;
        g->mutable_ = dg->mutable_;
        eval_const(in, m->pool + dg->init_off, &g->val[0]);
        in->globals[i] = g;
    }
    for (uint32_t i = m->nimported_tables; i < m->ntables; i++) {
        const wm_table *dt = &m->tables[i];
        wv_slot init = {0};
        if (dt->init_len)
            eval_const(in, m->pool + dt->init_off, &init);
        in->tables[i] = table_create(st, dt->elem, dt->limits, init.i64, err);
        if (!in->tables[i])
            return err ? err->status : WEFT_NOMEM;
    }
    for (uint32_t i = m->nimported_mems; i < m->nmems; i++) {
        in->mems[i] = memory_create(st, m->mems[i].limits, m->mems[i].page_log2, err);
        if (!in->mems[i])
            return err ? err->status : WEFT_NOMEM;
    }
    in->mem0 = m->nmems ? in->mems[0] : NULL;

    /* element segments are evaluated before any is applied */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wm_elem *el = &m->elems[i];
        in->elem_refs[i] = WU_NEW_ARRAY(e, uint64_t, el->count);
        if (!in->elem_refs[i])
            return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
        for (uint32_t k = 0; k < el->count; k++) {
            if (el->exprs) {
                wv_slot v;
                eval_const(in, m->pool + el->items[k], &v);
                in->elem_refs[i][k] = v.i64;
            } else {
                in->elem_refs[i][k] = (uint64_t)(uintptr_t)in->funcs[el->items[k]];
            }
        }
        in->elem_sizes[i] = el->count;
    }
    *out = in;  /* from here on, a failure leaves a partly initialized instance */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wm_elem *el = &m->elems[i];
        if (el->mode == WM_SEG_ACTIVE) {
            wv_slot off;
            eval_const(in, m->pool + el->offset_off, &off);
            weft_table *t = in->tables[el->table];
            if (!(off.i32 <= t->size && el->count <= t->size - off.i32)) {
                *out = NULL;
                return fill_trap_error(st, WEFT_TRAP_TABLE_OOB, err);
            }
            memcpy(t->elems + off.i32, in->elem_refs[i], el->count * sizeof(uint64_t));
        }
        if (el->mode != WM_SEG_PASSIVE)
            in->elem_sizes[i] = 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wm_data *ds = &m->datas[i];
        if (ds->mode != WM_SEG_ACTIVE)
            continue;
        wv_slot off;
        eval_const(in, m->pool + ds->offset_off, &off);
        weft_memory *mem = in->mems[ds->memory];
        uint64_t o = off.i32;
        if (!(o <= mem->size && ds->bytes_len <= mem->size - o)) {
            *out = NULL;
            return fill_trap_error(st, WEFT_TRAP_MEMORY_OOB, err);
        }
        if (ds->bytes_len)
            memcpy(mem->data + o, m->pool + ds->bytes_off, ds->bytes_len);
        in->data_dropped[i] = 1;
    }
    if (m->start != UINT32_MAX) {
        weft_status s = run_func(st, in->funcs[m->start], NULL, NULL, err);
        if (s != WEFT_OK) {
            *out = NULL;
            return s;
        }
    }
    return WEFT_OK;
}

bool weft_instance_export(const weft_instance *in, const char *name, weft_extern *out)
{
    if (!in || !name)
        return false;
    size_t len = strlen(name);
    const weft_module *m = in->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wm_export *ex = &m->exports[i];
        if (ex->name_len == len && !memcmp(ex->name, name, len))
            return weft_instance_export_nth(in, i, NULL, out);
    }
    return false;
}

uint32_t weft_instance_export_count(const weft_instance *in)
{
    return in ? in->module->nexports : 0;
}

bool weft_instance_export_nth(const weft_instance *in, uint32_t i,
                              const char **name, weft_extern *out)
{
    if (!in || i >= in->module->nexports)
        return false;
    const wm_export *ex = &in->module->exports[i];
    if (name)
        *name = ex->name;
    out->kind = (weft_externkind)ex->kind;
    switch (ex->kind) {
    case WEFT_EXTERN_FUNC: out->of.func = in->funcs[ex->index]; break;
    case WEFT_EXTERN_TABLE: out->of.table = in->tables[ex->index]; break;
    case WEFT_EXTERN_MEMORY: out->of.memory = in->mems[ex->index]; break;
    case WEFT_EXTERN_GLOBAL: out->of.global = in->globals[ex->index]; break;
    case WEFT_EXTERN_TAG: out->of.tag = in->tags[ex->index]; break;
    }
    return true;
}

const weft_module *weft_instance_module(const weft_instance *in) { return in->module; }

/* ---------------------------------------------------------------- */
/* Calls                                                             */
/* ---------------------------------------------------------------- */

static weft_status fill_trap_error(weft_store *st, weft_trap_kind k, weft_error *err)
{
    if (err) {
        err->status = WEFT_TRAP;
        err->trap = k;
        err->offset = WEFT_NO_OFFSET;
        err->exit_code = k == WEFT_TRAP_EXIT ? st->exit_code : 0;
        if (st->has_trap_msg)
            wu_fmt(err->message, sizeof err->message, "%s", st->trap_msg);
        else if (k == WEFT_TRAP_EXIT)
            wu_fmt(err->message, sizeof err->message, "program exited with status %d",
                   st->exit_code);
        else
            wu_fmt(err->message, sizeof err->message, "%s", weft_trap_message(k));
    }
    st->has_trap_msg = false;
    return WEFT_TRAP;
}

static bool ensure_stacks(weft_store *st)
{
    if (st->stack)
        return true;
    const weft_engine *e = st->engine;
    /* Neither is zeroed (on a host, untouched pages then cost nothing):
     * frames zero their own locals on entry, and a call record is written
     * when the call is made, before anything reads it. */
    st->stack = wu_alloc_raw(e, sizeof(wv_slot) * (size_t)e->cfg.stack_slots);
    st->frames = wu_alloc_raw(e, sizeof(wv_frame) * ((size_t)e->cfg.max_call_depth + 1));
    if (!st->stack || !st->frames) {
        wu_free(e, st->stack, 0);
        wu_free(e, st->frames, 0);
        st->stack = NULL;
        st->frames = NULL;
        return false;
    }
    st->stack_end = st->stack + e->cfg.stack_slots;
    st->stack_top = st->stack;
    st->frame_top = st->frames;
    st->frames_end = st->frames + e->cfg.max_call_depth;
    return true;
}

static uint32_t slots_of_types(uint32_t n, const weft_valkind *t)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += wm_slots_of((uint8_t)t[i]);
    return s;
}

static void read_results(const weft_functype *ft, const wv_slot *base, weft_val *results)
{
    uint32_t si = 0;
    for (uint32_t i = 0; i < ft->nresults; i++) {
        weft_val *v = &results[i];
        memset(v, 0, sizeof *v);
        v->kind = ft->results[i];
        const wv_slot *s = &base[si];
        switch (v->kind) {
        case WEFT_I32: v->of.i32 = (int32_t)s->i32; break;
        case WEFT_F32: v->of.f32_bits = s->i32; break;
        case WEFT_I64: v->of.i64 = (int64_t)s->i64; break;
        case WEFT_F64: v->of.f64_bits = s->i64; break;
        case WEFT_FUNCREF: v->of.funcref = (weft_func *)(uintptr_t)s->i64; break;
        case WEFT_EXTERNREF: v->of.externref = (void *)(uintptr_t)s->i64; break;
        case WEFT_EXNREF: v->of.exnref = (void *)(uintptr_t)s->i64; break;
        case WEFT_V128: memcpy(v->of.v128, s, 16); break;
        }
        si += wm_slots_of((uint8_t)v->kind);
    }
}

static weft_status finish_call(weft_store *st, weft_trap_kind k, const weft_functype *ft,
                               wv_slot *base, weft_val *results, weft_error *err)
{
    if (st->suspended && st->depth == 0) {
        if (err) {
            err->status = WEFT_SUSPENDED;
            err->trap = k;
            err->offset = WEFT_NO_OFFSET;
            wu_fmt(err->message, sizeof err->message, "%s (resumable)", weft_trap_message(k));
        }
        return WEFT_SUSPENDED;
    }
    if (st->depth == 0)
        st->interrupt = 0;
    if (k != WEFT_TRAP_NONE)
        return fill_trap_error(st, k, err);
    if (results)
        read_results(ft, base, results);
    return WEFT_OK;
}

/* Runs f with args (already type-checked). */
static weft_status run_func(weft_store *st, weft_func *f, const weft_val *args,
                            weft_val *results, weft_error *err)
{
    const weft_functype *ft = f->type;
    if (st->suspended)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET,
                        "the store has a suspended call: resume or abandon it first");
    if (!ensure_stacks(st))
        return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory allocating the stack");
    if (st->depth >= WEFT_MAX_REENTRY)
        return fill_trap_error(st, WEFT_TRAP_STACK_EXHAUSTED, err);
    uint32_t np = slots_of_types(ft->nparams, ft->params);
    uint32_t nr = slots_of_types(ft->nresults, ft->results);
    wv_slot *base = st->stack_top;
    uint32_t need = np > nr ? np : nr;
    if (f->kind == WV_FUNC_WASM && f->frame_slots > need)
        need = f->frame_slots;
    if ((size_t)(st->stack_end - base) < need || st->frame_top == st->frames_end)
        return fill_trap_error(st, WEFT_TRAP_STACK_EXHAUSTED, err);
    uint32_t si = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        const weft_val *v = &args[i];
        wv_slot *s = &base[si];
        switch (v->kind) {
        case WEFT_I32: s->i64 = (uint32_t)v->of.i32; break;
        case WEFT_F32: s->i64 = v->of.f32_bits; break;
        case WEFT_I64: s->i64 = (uint64_t)v->of.i64; break;
        case WEFT_F64: s->i64 = v->of.f64_bits; break;
        case WEFT_FUNCREF:
        case WEFT_EXNREF:
        case WEFT_EXTERNREF: s->i64 = ref_bits(v); break;
        case WEFT_V128: memcpy(s, v->of.v128, 16); break;
        }
        si += wm_slots_of((uint8_t)v->kind);
    }
    weft_trap_kind k;
    st->depth++;
    if (f->kind == WV_FUNC_HOST) {
        wv_slot *saved = st->stack_top;
        k = wv_call_host(st, f, NULL, base);
        st->stack_top = saved;
    } else {
        wv_frame *sentinel = st->frame_top;
        sentinel->ret_ip = NULL;
        sentinel->fp = NULL;
        sentinel->inst = NULL;
        st->frame_top = sentinel + 1;
        memset(base + f->nparam_slots, 0,
               (size_t)(f->nlocal_slots - f->nparam_slots) * sizeof(wv_slot));
        if (st->depth == 1) {
            st->susp_base_frame = sentinel;
            st->susp_args = base;
            st->susp_type = ft;
        }
        k = wv_run(st, f->code, base, f->inst, sentinel);
    }
    st->depth--;
    return finish_call(st, k, ft, base, results, err);
}

weft_status weft_func_call(weft_store *st, weft_func *f, const weft_val *args,
                           size_t nargs, weft_val *results, size_t nresults,
                           weft_error *err)
{
    wu_error_clear(err);
    if (!st || !f)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "store or function is NULL");
    const weft_functype *ft = f->type;
    if (nargs != ft->nparams || nresults < ft->nresults)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET,
                        "function takes %u arguments and returns %u results; "
                        "called with %zu arguments and room for %zu results",
                        ft->nparams, ft->nresults, nargs, nresults);
    for (uint32_t i = 0; i < ft->nparams; i++) {
        if (args[i].kind != ft->params[i])
            return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET,
                            "argument %u is %s, the function expects %s", i,
                            weft_valkind_name(args[i].kind),
                            weft_valkind_name(ft->params[i]));
        if (!wv_exnref_ok(st, &args[i]))
            return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET,
                            "argument %u is not an exception of this store", i);
    }
    return run_func(st, f, args, results, err);
}

weft_status weft_store_resume(weft_store *st, weft_val *results, size_t nresults,
                              weft_error *err)
{
    wu_error_clear(err);
    if (!st || !st->suspended)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "no suspended call to resume");
    if (nresults < st->susp_type->nresults)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "room for %zu results, %u needed",
                        nresults, st->susp_type->nresults);
    st->suspended = false;
    st->depth++;
    weft_trap_kind k = wv_run(st, st->susp_ip, st->susp_fp, st->susp_inst,
                              st->susp_base_frame);
    st->depth--;
    return finish_call(st, k, st->susp_type, st->susp_args, results, err);
}

void weft_store_abandon(weft_store *st)
{
    if (st && st->suspended) {
        st->suspended = false;
        st->susp_owed = false;
        st->frame_top = st->susp_base_frame;
        st->interrupt = 0;
    }
}

bool weft_store_is_suspended(const weft_store *st) { return st && st->suspended; }

/* ---------------------------------------------------------------- */
/* Callers                                                           */
/* ---------------------------------------------------------------- */

weft_store *weft_caller_store(weft_caller *c) { return c->store; }
weft_instance *weft_caller_instance(weft_caller *c) { return c->inst; }

bool weft_caller_export(weft_caller *c, const char *name, weft_extern *out)
{
    return c->inst && weft_instance_export(c->inst, name, out);
}

weft_trap_kind weft_caller_trap(weft_caller *c, weft_trap_kind kind, const char *message)
{
    wv_set_trap_msg(c->store, message);
    return kind == WEFT_TRAP_NONE ? WEFT_TRAP_HOST : kind;
}

weft_trap_kind weft_caller_exit(weft_caller *c, int code)
{
    c->store->exit_code = code;
    return WEFT_TRAP_EXIT;
}

weft_val weft_val_f32(float f)
{
    weft_val v;
    v.kind = WEFT_F32;
    v.of.i64 = 0;
    memcpy(&v.of.f32_bits, &f, 4);
    return v;
}

weft_val weft_val_f64(double d)
{
    weft_val v;
    v.kind = WEFT_F64;
    memcpy(&v.of.f64_bits, &d, 8);
    return v;
}

float weft_val_as_f32(const weft_val *v)
{
    float f;
    memcpy(&f, &v->of.f32_bits, 4);
    return f;
}

double weft_val_as_f64(const weft_val *v)
{
    double d;
    memcpy(&d, &v->of.f64_bits, 8);
    return d;
}
