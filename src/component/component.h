/* component.h (internal) - the decoded form of a component.
 *
 * A component is kept as its definitions in order (wc_def), one list per
 * component scope (the root and each nested component). Instantiation
 * replays them, filling per-instance index spaces. Decoding validates
 * indices, sorts and types as it goes, so instantiation of the root with
 * well-typed imports cannot go wrong except by trapping. */
#ifndef WEFT_COMPONENT_INTERNAL_H
#define WEFT_COMPONENT_INTERNAL_H

#include "component/ctypes.h"

/* Index spaces of a component scope. */
enum {
    /* the first five match the core sorts and weft_externkind 0..4 */
    WC_IS_CORE_FUNC, WC_IS_CORE_TABLE, WC_IS_CORE_MEMORY, WC_IS_CORE_GLOBAL,
    WC_IS_CORE_TAG, WC_IS_CORE_TYPE, WC_IS_CORE_MODULE, WC_IS_CORE_INSTANCE,
    WC_IS_FUNC, WC_IS_VALUE, WC_IS_TYPE, WC_IS_COMPONENT, WC_IS_INSTANCE,
    WC_IS_COUNT
};

/* Definitions, in the order they appear. */
enum {
    WC_D_CORE_MODULE,        /* module: index into weft_component.modules */
    WC_D_CORE_INSTANTIATE,   /* a = module idx; args: name -> core instance idx */
    WC_D_CORE_EXPORTS,       /* args: name -> (core sort, idx) */
    WC_D_COMPONENT,          /* comp */
    WC_D_INSTANTIATE,        /* a = component idx; args: name -> (sort, idx) */
    WC_D_EXPORTS,            /* args: name -> (sort, idx) */
    WC_D_ALIAS_EXPORT,       /* space = target space; a = instance idx; name */
    WC_D_ALIAS_CORE_EXPORT,  /* space; a = core instance idx; name */
    WC_D_ALIAS_OUTER,        /* space; resolved statically: type / comp / module */
    WC_D_TYPE,               /* type (arena id); resource definitions too */
    WC_D_CORE_TYPE,          /* nothing at run time */
    WC_D_CANON_LIFT,         /* a = core func idx; type = func type; opts */
    WC_D_CANON_LOWER,        /* a = func idx; opts */
    WC_D_RESOURCE_NEW,       /* a = type idx */
    WC_D_RESOURCE_DROP,
    WC_D_RESOURCE_REP,
    WC_D_IMPORT,             /* name; space; type */
    WC_D_EXPORT              /* name; space; a = idx */
};

typedef struct wc_arg {
    const char *name;
    uint8_t space;    /* WC_IS_* */
    uint32_t idx;
} wc_arg;

typedef struct wc_optsdef {
    uint8_t encoding;
    int64_t memory;       /* core memory idx or -1 */
    int64_t realloc;      /* core func idx or -1 */
    int64_t post_return;  /* core func idx or -1 */
} wc_optsdef;

typedef struct wc_comp wc_comp;

typedef struct wc_def {
    uint8_t op;
    uint8_t space;
    uint32_t a;
    const char *name;
    uint32_t nargs;
    wc_arg *args;
    wc_tid type;
    wc_optsdef opts;
    wc_comp *comp;                /* nested component, or outer-aliased one */
    uint32_t module;              /* WC_D_CORE_MODULE, outer-aliased module */
    uint32_t outer_count;         /* WC_D_ALIAS_OUTER: scopes out, index */
    uint32_t outer_idx;
} wc_def;

/* One extern of a component: import or export. */
typedef struct wc_extern {
    const char *name;
    uint8_t space;    /* WC_IS_FUNC, WC_IS_INSTANCE, WC_IS_TYPE, ... */
    wc_tid type;      /* its type in the arena */
    uint32_t idx;     /* exports: index in the space */
} wc_extern;

struct wc_comp {
    wc_def *defs;
    uint32_t ndefs, cap_defs;
    uint32_t count[WC_IS_COUNT];   /* final size of each index space */
    wc_extern *imports, *exports;
    uint32_t nimports, nexports, cap_imports, cap_exports;
    uint32_t *local_res;           /* resource identities defined here */
    uint32_t nlocal_res;
    wc_comp **children;            /* nested components, for freeing */
    uint32_t nchildren, cap_children;
};

struct weft_component {
    const weft_engine *engine;
    wc_types types;
    wc_comp *root;
    weft_module **modules;
    uint32_t nmodules, cap_modules;
    char *strings;                  /* every name, NUL-terminated */
    size_t strings_len, strings_cap;
    uint32_t nresource_ids;         /* resource type ids across all scopes */
};

/* Zeroed memory owned by the component (freed with it), 8-byte aligned. */
void *wc_component_alloc(weft_component *c, size_t n);
/* Unaligned, uninitialised bytes owned by the component (strings). */
char *wc_component_alloc_raw(weft_component *c, size_t n);

/* Writes a type in WIT syntax ("func(name: option<string>) -> string",
 * "list<u8>", ...) into buf; returns the length it needed. */
size_t wc_print_type(const wc_types *a, wc_tid t, char *buf, size_t cap);

#endif
