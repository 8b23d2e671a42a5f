/* cmodel.c - the in-memory form of a component that every build has, whether
 * it was decoded from a binary or loaded from a precompiled image: its
 * memory blocks and its deletion. In a loader-only build
 * (WEFT_WITH_COMPILER=0) weft_component_new is here and refuses binary
 * components with a clear message. */
#include "component/component.h"
#include "weft/config.h"

/* Strings live in blocks owned by the component. */
typedef struct strblock {
    struct strblock *next;
    size_t size, used;
} strblock;

/* Memory owned by the component, in blocks freed with it: 4 KiB at a time,
 * or 512 bytes in a build optimized for size (the components a
 * microcontroller runs have little to keep). */
#if WEFT_OPTIMIZE_SIZE
#define STRBLOCK_SIZE 512u
#else
#define STRBLOCK_SIZE 4096u
#endif

char *wc_component_alloc_raw(weft_component *c, size_t n)
{
    strblock *b = (strblock *)c->strings;
    if (!b || b->size - b->used < n) {
        size_t size = n + sizeof(strblock) > STRBLOCK_SIZE ? n + sizeof(strblock) : STRBLOCK_SIZE;
        strblock *nb = wu_alloc(c->engine, size);
        if (!nb)
            return NULL;
        nb->size = size;
        nb->used = sizeof(strblock);
        nb->next = b;
        c->strings = (char *)nb;
        b = nb;
    }
    char *p = (char *)b + b->used;
    b->used += n;
    return p;
}

void *wc_component_alloc(weft_component *c, size_t n)
{
    char *p = wc_component_alloc_raw(c, n + 8);
    if (!p)
        return NULL;
    uintptr_t a = ((uintptr_t)p + 7) & ~(uintptr_t)7;
    memset((void *)a, 0, n);
    return (void *)a;
}

static void comp_free(const weft_engine *e, wc_comp *c)
{
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nchildren; i++)
        comp_free(e, c->children[i]);
    wu_free(e, c->children, c->cap_children * sizeof(wc_comp *));
    wu_free(e, c->defs, c->cap_defs * sizeof(wc_def));
    wu_free(e, c->imports, c->cap_imports * sizeof(wc_extern));
    wu_free(e, c->exports, c->cap_exports * sizeof(wc_extern));
    wu_free(e, c, sizeof *c);
}

void weft_component_delete(weft_component *c)
{
    if (!c)
        return;
    const weft_engine *e = c->engine;
    comp_free(e, c->root);
    for (uint32_t i = 0; i < c->nmodules; i++)
        weft_module_delete(c->modules[i]);
    wu_free(e, c->modules, c->cap_modules * sizeof(weft_module *));
    wc_types_free(&c->types);
    strblock *b = (strblock *)c->strings;
    while (b) {
        strblock *next = b->next;
        wu_free(e, b, b->size);
        b = next;
    }
    wu_free(e, c, sizeof *c);
}

uint32_t weft_component_import_count(const weft_component *c)
{
    return c->root->nimports;
}

uint32_t weft_component_export_count(const weft_component *c)
{
    return c->root->nexports;
}

static const char *extern_kind(uint8_t space)
{
    switch (space) {
    case WC_IS_FUNC: return "func";
    case WC_IS_INSTANCE: return "instance";
    case WC_IS_TYPE: return "type";
    case WC_IS_COMPONENT: return "component";
    case WC_IS_CORE_MODULE: return "core module";
    case WC_IS_VALUE: return "value";
    default: return "other";
    }
}

const char *weft_component_import_name(const weft_component *c, uint32_t i, const char **kind)
{
    if (i >= c->root->nimports)
        return NULL;
    if (kind)
        *kind = extern_kind(c->root->imports[i].space);
    return c->root->imports[i].name;
}

const char *weft_component_export_name(const weft_component *c, uint32_t i, const char **kind)
{
    if (i >= c->root->nexports)
        return NULL;
    if (kind)
        *kind = extern_kind(c->root->exports[i].space);
    return c->root->exports[i].name;
}

bool weft_is_component(const uint8_t *bytes, size_t len)
{
    return len >= 8 && bytes[0] == 0 && bytes[1] == 'a' && bytes[2] == 's' && bytes[3] == 'm' &&
           bytes[6] == 0x01 && bytes[7] == 0x00;
}

#if !WEFT_WITH_COMPILER
weft_status weft_component_new(weft_engine *engine, const uint8_t *bytes, size_t len,
                               weft_component **out, weft_error *err)
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
