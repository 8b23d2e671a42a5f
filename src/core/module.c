/* module.c - the parts of a module every build has, whether it was decoded
 * from wasm or loaded from a precompiled image: deletion and introspection.
 * In a loader-only build (WEFT_WITH_COMPILER=0) weft_module_new is here
 * too and refuses wasm input with a clear message. */
#include "core/module.h"
#include "weft/config.h"

void weft_module_delete(weft_module *m)
{
    if (!m)
        return;
    const weft_engine *e = m->engine;
    wu_free(e, m->types, 0);
    wu_free(e, m->type_canon, 0);
    wu_free(e, m->valtypes, 0);
    wu_free(e, m->imports, 0);
    wu_free(e, m->funcs, 0);
    wu_free(e, m->tables, 0);
    wu_free(e, m->mems, 0);
    wu_free(e, m->globals, 0);
    wu_free(e, m->tags, 0);
    wu_free(e, m->handlers, 0);
    wu_free(e, m->catches, 0);
    wu_free(e, m->exports, 0);
    /* a module whose loading failed part-way has counts without arrays */
    for (uint32_t i = 0; m->elems && i < m->nelems; i++)
        wu_free(e, m->elems[i].items, 0);
    wu_free(e, m->elems, 0);
    wu_free(e, m->datas, 0);
    if (!m->from_image) {
        wu_free(e, m->code, 0);
        wu_free(e, m->pool, 0);
    }
    wu_free(e, m, sizeof *m);
}

/* ---------------------------------------------------------------- */
/* Introspection                                                     */
/* ---------------------------------------------------------------- */

void wm_externtype(const weft_module *m, uint8_t kind, uint32_t index,
                   weft_externtype *out)
{
    memset(out, 0, sizeof *out);
    out->kind = (weft_externkind)kind;
    switch (kind) {
    case WEFT_EXTERN_FUNC:
        out->func = m->types[m->funcs[index].type];
        break;
    case WEFT_EXTERN_TABLE:
        out->table.elem = (weft_valkind)m->tables[index].elem;
        out->table.limits = m->tables[index].limits;
        break;
    case WEFT_EXTERN_MEMORY:
        out->memory.limits = m->mems[index].limits;
        out->memory.page_size_log2 = m->mems[index].page_log2;
        out->memory.is64 = m->mems[index].is64;
        break;
    case WEFT_EXTERN_GLOBAL:
        out->global.type = (weft_valkind)m->globals[index].type;
        out->global.mutable_ = m->globals[index].mutable_;
        break;
    case WEFT_EXTERN_TAG:
        out->func = m->types[m->tags[index].type];
        break;
    }
}

uint32_t weft_module_import_count(const weft_module *m) { return m ? m->nimports : 0; }
uint32_t weft_module_export_count(const weft_module *m) { return m ? m->nexports : 0; }

bool weft_module_import(const weft_module *m, uint32_t i, weft_importdesc *out)
{
    if (!m || i >= m->nimports)
        return false;
    const wm_import *im = &m->imports[i];
    out->module = im->module;
    out->name = im->name;
    out->module_len = im->module_len;
    out->name_len = im->name_len;
    wm_externtype(m, im->kind, im->index, &out->type);
    return true;
}

bool weft_module_export(const weft_module *m, uint32_t i, weft_exportdesc *out)
{
    if (!m || i >= m->nexports)
        return false;
    const wm_export *ex = &m->exports[i];
    out->name = ex->name;
    out->name_len = ex->name_len;
    wm_externtype(m, ex->kind, ex->index, &out->type);
    return true;
}

#if !WEFT_WITH_COMPILER
weft_status weft_module_new(weft_engine *engine, const uint8_t *bytes,
                            size_t len, weft_module **out, weft_error *err)
{
    (void)engine;
    (void)bytes;
    (void)len;
    wu_error_clear(err);
    if (out)
        *out = NULL;
    return wu_error(err, WEFT_UNSUPPORTED, WEFT_NO_OFFSET,
                    "this weft runtime was built without the compiler "
                    "(WEFT_WITH_COMPILER=OFF): it loads precompiled images only; "
                    "make one with `weft compile`");
}
#endif
