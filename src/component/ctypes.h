/* ctypes.h - component types, resources and the canonical ABI interface.
 *
 * Every type of a component (across nested components and type scopes)
 * lives in one arena (wc_types); a type is named by its id. Ids 0..13 are
 * the primitive value types, numbered as weft_ckind (bool = 0 ... string =
 * 12, error-context = 13). Entries never move once created, so a
 * weft_ctype pointer handed to the embedder stays valid. */
#ifndef WEFT_CTYPES_H
#define WEFT_CTYPES_H

#include "weft/component.h"
#include "vm/runtime.h"

typedef uint32_t wc_tid;
#define WC_NONE UINT32_MAX
#define WC_NPRIM 14u

/* Kinds beyond the value kinds of weft_ckind. */
enum {
    WC_K_FUNC = WEFT_C_KIND_COUNT_,
    WC_K_COMPONENT,
    WC_K_INSTANCE,
    WC_K_RESOURCE,   /* a resource type definition or abstract import */
    WC_K_CORE_MODULE,
    WC_K_CORE_FUNC
};

#define WC_MAX_FLAT_PARAMS 16u
#define WC_MAX_FLAT_RESULTS 1u
#define WC_FLAT_OVER 255u  /* nflat when the flattening exceeds any limit */

/* An extern declaration inside a component or instance type. */
typedef struct wc_decl {
    const char *name;
    uint8_t sort;      /* WC_SORT_* */
    wc_tid type;       /* func/instance/component/resource type, or core module type */
} wc_decl;

enum { WC_SORT_CORE_MODULE, WC_SORT_FUNC, WC_SORT_VALUE, WC_SORT_TYPE,
       WC_SORT_COMPONENT, WC_SORT_INSTANCE };

struct weft_ctype {
    /* resource definitions */
    int64_t dtor;             /* core func index of the destructor, or -1 */
    uint32_t n;               /* fields, cases, tuple elems, labels, params, decls */
    wc_tid *elems;            /* field/case/elem/param types (WC_NONE: no payload) */
    const char **labels;      /* labels; param names */
    wc_tid elem;              /* list elem, option payload, result ok, own/borrow
                                 resource, func result (WC_NONE: none) */
    wc_tid err;               /* result error type (WC_NONE: none) */
    /* instance and component types */
    uint32_t nimports, nexports;
    wc_decl *imports, *exports;
    uint32_t resource_id;     /* unique per definition within the root component */
    /* canonical ABI (value types) */
    uint32_t size, align;
    uint8_t *flat;            /* nflat core types (weft_valkind), when <= 16 */
    const struct wc_types *arena;
    wc_tid id;
    uint8_t kind;             /* weft_ckind or WC_K_* */
    uint8_t rep;              /* resource: core value type of the representation */
    bool abstract;            /* resource: a (sub resource) bound, fresh at each import */
    uint8_t nflat;            /* or WC_FLAT_OVER */
};

/* wc_types_free frees the entries and their flat arrays (allocated by
 * wc_type_layout); elems, labels, imports and exports belong to whoever
 * filled them in (the decoder's pool) and must outlive the arena's use. */
typedef struct wc_types {
    const weft_engine *engine;
    weft_ctype **v;
    uint32_t n, cap;
} wc_types;

weft_status wc_types_init(wc_types *a, const weft_engine *e);
void wc_types_free(wc_types *a);
/* Adds a zeroed entry of kind; returns its id or WC_NONE when out of memory. */
wc_tid wc_type_new(wc_types *a, uint8_t kind);
static inline weft_ctype *wc_type(const wc_types *a, wc_tid id) { return a->v[id]; }
/* Computes size, alignment and flattening of a value type (after its
 * component types are complete). */
void wc_type_layout(wc_types *a, wc_tid id);
/* Structural equality of two value or function types. */
bool wc_type_equal(const wc_types *a, wc_tid x, const wc_types *b, wc_tid y);

/* ---------------- resources and handle tables ---------------- */

/* A resource type at run time: a host type, or one defined by a component
 * instance (each instantiation makes fresh ones). */
struct weft_resource_type {
    wv_obj hdr;
    const char *name;
    /* host types */
    void (*host_dtor)(void *user, uint32_t rep);
    void *user;
    /* component-defined types */
    struct wc_cinst *impl;     /* the instance that defined it */
    weft_func *dtor;           /* core destructor, or NULL */
};

/* A resource value held outside any handle table (by the host). */
struct weft_resource {
    wv_obj hdr;
    const weft_resource_type *type;
    uint32_t rep;
    bool own;
    bool dropped;
};

/* An entry of a component instance's handle table. */
typedef struct wc_handle {
    const weft_resource_type *type;   /* NULL: free slot */
    uint32_t rep;
    bool own;
    uint32_t num_lends;               /* own handles lent out as borrows */
    uint32_t borrow_scope;            /* borrow handles: the call that holds it */
    uint32_t next_free;
} wc_handle;

typedef struct wc_htable {
    wc_handle *v;
    uint32_t n, cap;
    uint32_t free_head;   /* 0: none (index 0 is reserved) */
} wc_htable;

/* A component instance's state used by the canonical ABI. */
typedef struct wc_cinst {
    wv_obj hdr;
    wc_htable handles;
    bool may_leave;        /* false while in post-return / realloc calls */
    bool trapped;          /* set after a trap: no more calls in */
    bool in_call;          /* reentrance guard */
    uint32_t call_depth;
    uint32_t scope;        /* the call running in the instance, for borrows */
} wc_cinst;

/* ---------------- canonical options and the call context ---------------- */

enum { WC_UTF8 = 0, WC_UTF16 = 1, WC_LATIN1_UTF16 = 2 };

typedef struct wc_opts {
    uint8_t encoding;
    weft_memory *memory;       /* NULL if none */
    weft_func *realloc;        /* NULL if none */
    weft_func *post_return;    /* NULL if none (lift only) */
} wc_opts;

/* One lift or lower: which instance's memory and handle table, and where
 * trap messages go. Values lifted are allocated with the engine allocator
 * (free with weft_cvals_free). */
typedef struct wc_cx {
    weft_store *store;
    const wc_types *types;
    const wc_opts *opts;
    wc_cinst *inst;
    uint32_t scope;            /* id of the current call, for borrows */
    char msg[WEFT_ERROR_MESSAGE_MAX];
    /* borrows lent to the callee during a lower: own handles whose
     * num_lends must be decremented when the call returns */
    uint32_t *lenders;
    uint32_t nlenders, cap_lenders;
    /* Run-time resource types of own/borrow: rtypes[resource_id of the
     * WC_K_RESOURCE type that an own/borrow's elem names]. */
    weft_resource_type *const *rtypes;
    uint32_t nrtypes;
    /* When lowering strings that a lift produced (a component-to-component
     * call), the encoding of the memory they were lifted from, so realloc
     * sees the spec's exact call sequence; WC_UTF8 (0) for host values. */
    uint8_t src_encoding;
} wc_cx;

/* Trap kind of canonical ABI violations other than out-of-bounds or
 * misaligned memory (WEFT_TRAP_MEMORY_OOB); cx->msg says what. */
#define WC_TRAP_ABI WEFT_TRAP_UNREACHABLE

/* Flattening of a list of types; returns the count (or WC_FLAT_OVER). */
uint32_t wc_flatten_types(const wc_types *a, const wc_tid *ts, uint32_t n,
                          uint8_t *out, uint32_t cap);

/* Lowers values of types ts into core values (host -> guest). When the
 * flattening exceeds max_flat, the values are stored in guest memory: for
 * parameters (out_ptr == NULL) in a block from realloc whose pointer is the
 * single flat value; for results at out_ptr. Returns WEFT_TRAP_NONE or a
 * trap with cx->msg set. */
weft_trap_kind wc_lower_values(wc_cx *cx, uint32_t max_flat, const weft_cval *vs,
                               const wc_tid *ts, uint32_t n, weft_val *flat,
                               uint32_t *nflat, const uint32_t *out_ptr);

/* Lifts values of types ts from core values (guest -> host): from flat
 * (nflat values) or, beyond max_flat, from the memory block flat[0] points
 * at. out receives n values; on a trap they are freed and zeroed.
 *
 * Allocation of lifted values (all with the engine allocator; what
 * weft_cvals_free releases): a string's bytes are one block of len + 2
 * bytes: the UTF-8 text, a NUL, and one byte that is 1 when the string was
 * stored as UTF-16 in a latin1+utf16 memory (0 otherwise); list, record and
 * tuple items are one block of len weft_cvals (NULL when len is 0); a
 * variant/enum/option/result payload is one weft_cval (NULL when the case
 * has none). Resources (own/borrow) are store objects (wc_resource_obj_new)
 * and are not freed by weft_cvals_free, which also leaves the top-level
 * array alone (it frees what the values point to). */
weft_trap_kind wc_lift_values(wc_cx *cx, uint32_t max_flat, const weft_val *flat,
                              uint32_t nflat, const wc_tid *ts, uint32_t n,
                              weft_cval *out);

/* Called when a lowered call returns: releases the lends taken by borrows. */
void wc_cx_end_call(wc_cx *cx);

/* Handle table operations (the canon built-ins resource.new/drop/rep). */
weft_trap_kind wc_resource_new(wc_cx *cx, const weft_resource_type *rt, uint32_t rep,
                               uint32_t *index);
weft_trap_kind wc_resource_drop(wc_cx *cx, const weft_resource_type *rt, uint32_t index);
weft_trap_kind wc_resource_rep(wc_cx *cx, const weft_resource_type *rt, uint32_t index,
                               uint32_t *rep);
void wc_htable_free(const weft_engine *e, wc_htable *t);
/* Number of borrow handles of the call `scope` still in t (a lifted call
 * must trap if any remain when it returns). */
uint32_t wc_htable_count_borrows(const wc_htable *t, uint32_t scope);
/* A weft_resource store object; NULL when out of memory. */
weft_resource *wc_resource_obj_new(weft_store *st, const weft_resource_type *rt,
                                   uint32_t rep, bool own);

#endif
