/* runtime.h - stores, instances and the objects they own. */
#ifndef WEFT_RUNTIME_H
#define WEFT_RUNTIME_H

#include "core/module.h"

/* One 8-byte frame slot. A v128 takes two consecutive slots. */
typedef union wv_slot {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
} wv_slot;

/* Every store object starts with this header; the store frees them all. */
typedef struct wv_obj {
    struct wv_obj *next;
    size_t size;
    uint8_t kind;
    void (*cleanup)(weft_store *st, struct wv_obj *o);
} wv_obj;

enum { WV_FUNC_WASM, WV_FUNC_HOST };

struct weft_func {
    wv_obj hdr;
    uint8_t kind;
    const weft_functype *type;
    weft_instance *inst;          /* WASM: owning instance */
    const uint16_t *code;         /* WASM: first instruction */
    uint16_t nparam_slots, nlocal_slots, frame_slots, nresult_slots;
    weft_host_fn host;            /* HOST */
    void *user;
    weft_finalizer_fn finalizer;
    weft_functype own_type;       /* HOST: copied type */
};

struct weft_memory {
    wv_obj hdr;
    const weft_engine *engine;
    uint8_t *data;
    uint64_t size;        /* bytes addressable: every access is checked against this */
    uint64_t pages;       /* current size in pages, as memory.size reports it */
    uint64_t alloc_size;  /* bytes allocated */
    uint64_t max_pages;   /* effective maximum (type max and engine limit) */
    uint64_t backing;     /* NONCONFORMING byte cap on size, or 0 */
    weft_limits limits;
    uint8_t page_log2;
};

struct weft_table {
    wv_obj hdr;
    uint8_t elem;
    uint32_t size, cap;
    uint32_t max;         /* effective maximum */
    weft_limits limits;
    uint64_t *elems;      /* weft_func* or externref as integers; 0 = null */
};

struct weft_global {
    wv_obj hdr;
    uint8_t type;
    bool mutable_;
    wv_slot val[2];
};

/* An exception tag: an identity with a payload type. */
struct weft_tag {
    wv_obj hdr;
    weft_functype type;           /* params only; arrays in params_own */
    weft_valkind *params_own;
    uint32_t nslots;              /* payload slots */
};

/* A thrown exception (the target of an exnref): its tag and payload. Owned
 * by the store like every other object. */
typedef struct wv_exn {
    wv_obj hdr;
    weft_tag *tag;
    uint32_t nslots;
    bool referenced;              /* caught as an exnref at some point */
    wv_slot payload[];
} wv_exn;

/* Object kinds in wv_obj.kind that need telling apart. */
enum { WV_OBJ_OTHER = 0, WV_OBJ_EXN = 1 };

weft_tag *wv_tag_new(weft_store *st, const weft_functype *ft);
/* True unless v is a non-null exnref that is not an exception of st (a
 * value from the host is checked before wasm may throw it). */
bool wv_exnref_ok(const weft_store *st, const weft_val *v);

struct weft_instance {
    wv_obj hdr;
    weft_store *store;
    const weft_module *module;
    weft_func **funcs;
    weft_table **tables;
    weft_memory **mems;
    weft_global **globals;
    weft_tag **tags;
    weft_memory *mem0;
    uint8_t *data_dropped;
    uint64_t **elem_refs;     /* evaluated element segments */
    uint32_t *elem_sizes;     /* 0 once dropped */
};

/* A call frame record (the values live in the slot stack). */
typedef struct wv_frame {
    const uint16_t *ret_ip;   /* NULL: return to the host */
    wv_slot *fp;
    weft_instance *inst;
} wv_frame;

struct weft_caller {
    weft_store *store;
    weft_instance *inst;
};

struct weft_store {
    const weft_engine *engine;
    wv_obj *objs;
    void *user_data;

    wv_slot *stack, *stack_end;
    wv_slot *stack_top;       /* first free slot for a new activation */
    wv_frame *frames, *frames_end;
    wv_frame *frame_top;      /* next free frame record */
    uint32_t depth;           /* host -> wasm re-entry depth */

    uint32_t cm_scope;        /* component calls made, for borrow scopes */
    int64_t fuel;             /* remaining when limited */
    bool fuel_limited;
    volatile int interrupt;

    /* trap details of the last failure */
    char trap_msg[WEFT_ERROR_MESSAGE_MAX];
    bool has_trap_msg;
    int exit_code;

    /* a suspended outermost call */
    bool suspended;
    bool susp_owed;           /* resuming starts by paying for a backward branch */
    const uint16_t *susp_ip;
    wv_slot *susp_fp;
    weft_instance *susp_inst;
    wv_frame *susp_base_frame;
    wv_slot *susp_args;
    const weft_functype *susp_type;
};

/* Runs code from ip in frame fp until the activation's base frame returns.
 * Returns WEFT_TRAP_NONE or the trap. On OUT_OF_FUEL/INTERRUPTED at depth
 * 1, the state is saved in the store for weft_store_resume. */
weft_trap_kind wv_run(weft_store *st, const uint16_t *ip, wv_slot *fp,
                      weft_instance *inst, wv_frame *base);

/* Calls a host function with arguments in args[0..] and results written
 * back to args[0..]. */
weft_trap_kind wv_call_host(weft_store *st, weft_func *f, weft_instance *caller,
                            wv_slot *args);

/* Structural function type equality. */
bool wv_functype_eq(const weft_functype *a, const weft_functype *b);

/* Memory and table helpers shared by the interpreter and the API. */
int64_t wv_memory_grow(weft_memory *m, uint64_t delta);
int64_t wv_table_grow(weft_store *st, weft_table *t, uint64_t delta, uint64_t init);

void wv_set_trap_msg(weft_store *st, const char *msg);

/* A new exception of tag with nslots payload slots copied from payload;
 * NULL when out of memory. */
wv_exn *wv_exn_new(weft_store *st, weft_tag *tag, const wv_slot *payload);

#endif
