/* linker.c - resolves imports by (module, name). */
#include "vm/runtime.h"

typedef struct lk_entry {
    char *module, *name;
    size_t module_len, name_len;
    weft_extern ext;
} lk_entry;

struct weft_linker {
    const weft_engine *engine;
    lk_entry *items;
    uint32_t n, cap;
};

size_t wv_format_externtype(char *buf, size_t cap, const weft_externtype *t);

weft_linker *weft_linker_new(weft_engine *engine)
{
    if (!engine)
        return NULL;
    weft_linker *l = wu_alloc(engine, sizeof *l);
    if (l)
        l->engine = engine;
    return l;
}

void weft_linker_delete(weft_linker *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->n; i++) {
        wu_free(l->engine, l->items[i].module, l->items[i].module_len + 1);
        wu_free(l->engine, l->items[i].name, l->items[i].name_len + 1);
    }
    wu_free(l->engine, l->items, l->cap * sizeof *l->items);
    wu_free(l->engine, l, sizeof *l);
}

static lk_entry *find(const weft_linker *l, const char *module, size_t ml,
                      const char *name, size_t nl)
{
    for (uint32_t i = 0; i < l->n; i++) {
        lk_entry *e = &l->items[i];
        if (e->module_len == ml && e->name_len == nl &&
            !memcmp(e->module, module, ml) && !memcmp(e->name, name, nl))
            return e;
    }
    return NULL;
}

static char *dup_str(const weft_engine *e, const char *s, size_t n)
{
    char *p = wu_alloc(e, n + 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

weft_status weft_linker_define(weft_linker *l, const char *module,
                               const char *name, weft_extern ext)
{
    if (!l || !module || !name)
        return WEFT_ARG;
    size_t ml = strlen(module), nl = strlen(name);
    lk_entry *e = find(l, module, ml, name, nl);
    if (e) {
        e->ext = ext;
        return WEFT_OK;
    }
    if (l->n == l->cap) {
        uint32_t nc = l->cap ? l->cap * 2 : 32;
        lk_entry *p = wu_realloc(l->engine, l->items, l->cap * sizeof *p, nc * sizeof *p);
        if (!p)
            return WEFT_NOMEM;
        l->items = p;
        l->cap = nc;
    }
    e = &l->items[l->n];
    e->module = dup_str(l->engine, module, ml);
    e->name = dup_str(l->engine, name, nl);
    if (!e->module || !e->name) {
        wu_free(l->engine, e->module, ml + 1);
        wu_free(l->engine, e->name, nl + 1);
        return WEFT_NOMEM;
    }
    e->module_len = ml;
    e->name_len = nl;
    e->ext = ext;
    l->n++;
    return WEFT_OK;
}

weft_status weft_linker_define_instance(weft_linker *l, const char *module,
                                        const weft_instance *inst)
{
    if (!l || !module || !inst)
        return WEFT_ARG;
    uint32_t n = weft_instance_export_count(inst);
    for (uint32_t i = 0; i < n; i++) {
        const char *name;
        weft_extern ext;
        weft_instance_export_nth(inst, i, &name, &ext);
        weft_status s = weft_linker_define(l, module, name, ext);
        if (s)
            return s;
    }
    return WEFT_OK;
}

weft_status weft_linker_define_func(weft_linker *l, weft_store *store,
                                    const char *module, const char *name,
                                    const char *sig, weft_host_fn fn, void *user)
{
    weft_valkind p[32], r[32];
    weft_functype ft;
    if (!l || !store || !sig || !fn || !weft_functype_parse(sig, &ft, p, r, 32))
        return WEFT_ARG;
    weft_func *f = weft_func_new(store, &ft, fn, user, NULL);
    if (!f)
        return WEFT_NOMEM;
    weft_extern ext;
    ext.kind = WEFT_EXTERN_FUNC;
    ext.of.func = f;
    return weft_linker_define(l, module, name, ext);
}

bool weft_linker_get(const weft_linker *l, const char *module, const char *name,
                     weft_extern *out)
{
    if (!l || !module || !name)
        return false;
    lk_entry *e = find(l, module, strlen(module), name, strlen(name));
    if (!e)
        return false;
    *out = e->ext;
    return true;
}

weft_status weft_linker_instantiate(weft_linker *l, weft_store *store,
                                    const weft_module *module,
                                    weft_instance **out, weft_error *err)
{
    wu_error_clear(err);
    if (out)
        *out = NULL;
    if (!l || !store || !module || !out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "NULL argument");
    uint32_t n = weft_module_import_count(module);
    weft_extern small[16];
    weft_extern *ext = n <= 16 ? small : WU_NEW_ARRAY(l->engine, weft_extern, n);
    if (!ext)
        return wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory");
    weft_status st = WEFT_OK;
    for (uint32_t i = 0; i < n && st == WEFT_OK; i++) {
        weft_importdesc d;
        weft_module_import(module, i, &d);
        lk_entry *e = find(l, d.module, d.module_len, d.name, d.name_len);
        char buf[128];
        wv_format_externtype(buf, sizeof buf, &d.type);
        if (!e) {
            st = wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                          "unknown import \"%s\" \"%s\": nothing is defined under "
                          "that name (expected %s)", d.module, d.name, buf);
        } else if (!weft_extern_matches(&e->ext, &d.type)) {
            st = wu_error(err, WEFT_UNLINKABLE, WEFT_NO_OFFSET,
                          "incompatible import type for \"%s\" \"%s\": expected %s",
                          d.module, d.name, buf);
        } else {
            ext[i] = e->ext;
        }
    }
    if (st == WEFT_OK)
        st = weft_instance_new(store, module, ext, n, out, err);
    if (ext != small)
        WU_FREE_ARRAY(l->engine, ext, n);
    return st;
}
