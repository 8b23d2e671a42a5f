/*
 * weft.h - the core embedding API of weft, a WebAssembly runtime.
 *
 * Objects and ownership
 * ---------------------
 *   weft_engine   configuration and the allocator. Owned by the caller; must
 *                 outlive every module and store made from it.
 *   weft_module   a decoded, validated and lowered module. Owned by the caller
 *                 (weft_module_delete). Immutable and shareable between
 *                 stores; must outlive every instance made from it.
 *   weft_store    owns every runtime object made in it: instances, functions,
 *                 memories, tables, globals. They all die with
 *                 weft_store_delete; none is freed on its own. A store is used
 *                 by one thread at a time (weft_store_interrupt excepted).
 *   weft_linker   a name -> extern map used to resolve imports. Owned by the
 *                 caller. It holds references to store objects, not copies:
 *                 it must not be used after the store it refers to is gone.
 *
 * Pointers returned by weft (names, types, memory data) are borrowed: they
 * stay valid as long as the object they come from, except memory data, which
 * may move when the memory grows.
 *
 * Errors
 * ------
 * Every fallible call returns a weft_status and, when given a weft_error,
 * fills it with the status, a message, the byte offset in the input that was
 * being read (WEFT_NO_OFFSET if none) and, for traps, the trap kind. weft
 * never aborts on bad input and never writes to stdio.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "weft/config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 1
#define WEFT_VERSION_PATCH 0
#define WEFT_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ */
/* Status codes                                                        */
/* ------------------------------------------------------------------ */

/* X(name, value, message) */
#define WEFT_STATUS_MAP(X)                                                   \
    X(OK, 0, "success")                                                      \
    X(NOMEM, 1, "out of memory")                                             \
    X(MALFORMED, 2, "malformed binary")                                      \
    X(INVALID, 3, "invalid module")                                          \
    X(UNLINKABLE, 4, "unknown or incompatible import")                       \
    X(TRAP, 5, "trap")                                                       \
    X(ARG, 6, "invalid argument")                                            \
    X(NOT_FOUND, 7, "not found")                                             \
    X(LIMIT, 8, "implementation limit exceeded")                             \
    X(UNSUPPORTED, 9, "unsupported feature")                                 \
    X(SUSPENDED, 10, "execution suspended (out of fuel or interrupted)")

typedef enum weft_status {
#define WEFT_X_(name, value, msg) WEFT_##name = value,
    WEFT_STATUS_MAP(WEFT_X_)
#undef WEFT_X_
} weft_status;

const char *weft_status_name(weft_status s);    /* "MALFORMED" */
const char *weft_status_message(weft_status s); /* "malformed binary" */

/* Trap kinds. X(name, message) */
#define WEFT_TRAP_MAP(X)                                                     \
    X(NONE, "no trap")                                                       \
    X(UNREACHABLE, "unreachable executed")                                   \
    X(INT_OVERFLOW, "integer overflow")                                      \
    X(DIV_BY_ZERO, "integer divide by zero")                                 \
    X(INVALID_CONVERSION, "invalid conversion to integer")                   \
    X(MEMORY_OOB, "out of bounds memory access")                             \
    X(TABLE_OOB, "out of bounds table access")                               \
    X(INDIRECT_TYPE, "indirect call type mismatch")                          \
    X(UNINIT_ELEMENT, "uninitialized element")                               \
    X(NULL_REF, "null reference")                                            \
    X(STACK_EXHAUSTED, "call stack exhausted")                               \
    X(OUT_OF_FUEL, "out of fuel")                                            \
    X(INTERRUPTED, "interrupted")                                            \
    X(HOST, "host function error")                                           \
    X(EXIT, "program exited")                                                \
    X(UNCAUGHT_EXCEPTION, "uncaught exception")

typedef enum weft_trap_kind {
#define WEFT_X_(name, msg) WEFT_TRAP_##name,
    WEFT_TRAP_MAP(WEFT_X_)
#undef WEFT_X_
    WEFT_TRAP_COUNT_
} weft_trap_kind;

const char *weft_trap_name(weft_trap_kind k);    /* "MEMORY_OOB" */
const char *weft_trap_message(weft_trap_kind k); /* "out of bounds memory access" */

#define WEFT_NO_OFFSET ((size_t)-1)
/* Room for an error message, NUL included (longer ones are cut). A build
 * may define it smaller (at least 64) to save stack: every part of the
 * program must then see the same value. */
#ifndef WEFT_ERROR_MESSAGE_MAX
#define WEFT_ERROR_MESSAGE_MAX 200
#endif

typedef struct weft_error {
    weft_status status;
    weft_trap_kind trap;  /* when status == WEFT_TRAP */
    int exit_code;        /* when trap == WEFT_TRAP_EXIT */
    size_t offset;        /* byte offset in the input, or WEFT_NO_OFFSET */
    char message[WEFT_ERROR_MESSAGE_MAX];
} weft_error;

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

/* realloc-style allocator: new_size == 0 frees (returns NULL); ptr == NULL
 * allocates. old_size is the size the block was allocated with (0 for a new
 * block), so a fixed arena can implement it. Returns NULL on failure. */
typedef void *(*weft_realloc_fn)(void *ud, void *ptr, size_t old_size,
                                 size_t new_size);

/* Proposals that change how existing modules decode or validate, and so can
 * be turned off for conformance with an older standard. */
#define WEFT_FEATURE_MULTI_MEMORY (1u << 0)
/* Exception handling (Wasm 3.0, exnref form): tags, throw, throw_ref,
 * try_table and the exnref type. */
#define WEFT_FEATURE_EXCEPTIONS (1u << 1)
/* Custom page sizes: a memory type may declare a page size of 1 byte
 * (limits flag 0x08 and the page size's log2); off, the flag is malformed. */
#define WEFT_FEATURE_CUSTOM_PAGE_SIZES (1u << 2)
#define WEFT_FEATURES_ALL                                                     \
    (WEFT_FEATURE_MULTI_MEMORY | WEFT_FEATURE_EXCEPTIONS |                    \
     WEFT_FEATURE_CUSTOM_PAGE_SIZES)

typedef struct weft_config {
    weft_realloc_fn alloc;      /* NULL: the port's default allocator */
    void *alloc_ud;
    size_t stack_slots;         /* value stack per store, in 8-byte slots */
    uint32_t max_call_depth;    /* wasm call frames per store */
    uint64_t max_memory_bytes;  /* per memory; memory.grow returns -1 past it */
    uint32_t max_table_elems;   /* per table; table.grow returns -1 past it */
    uint32_t features;          /* WEFT_FEATURE_* bits; default: all */
    /* NONCONFORMING, 0 (the default) = off. When set, a memory with 64 KiB
     * pages is backed by at most this many bytes: memory.size still reports
     * the declared pages, but loads, stores, bulk operations and data
     * segments that reach past the backing trap with "out of bounds memory
     * access", and memory.grow (or weft_memory_grow) past it fails. This
     * lets a guest linked for 64 KiB pages run in a device's small RAM when
     * it touches only the start of its memory. Memories with 1-byte pages
     * are not affected (declare the size you need instead). */
    uint64_t nonconforming_memory_backing_bytes;
} weft_config;

/* Fills *cfg with the defaults from config.h. */
void weft_config_default(weft_config *cfg);

typedef struct weft_engine weft_engine;

/* cfg may be NULL for defaults. Returns NULL only if allocation fails. */
weft_engine *weft_engine_new(const weft_config *cfg);
void weft_engine_delete(weft_engine *engine);

/* ------------------------------------------------------------------ */
/* Values and types                                                    */
/* ------------------------------------------------------------------ */

typedef enum weft_valkind {
    WEFT_I32 = 0,
    WEFT_I64 = 1,
    WEFT_F32 = 2,
    WEFT_F64 = 3,
    WEFT_V128 = 4,
    WEFT_FUNCREF = 5,
    WEFT_EXTERNREF = 6,
    WEFT_EXNREF = 7         /* a caught exception; opaque to the host */
} weft_valkind;

const char *weft_valkind_name(weft_valkind k); /* "i32", "funcref", ... */

typedef struct weft_func weft_func;
typedef struct weft_memory weft_memory;
typedef struct weft_table weft_table;
typedef struct weft_global weft_global;
typedef struct weft_tag weft_tag;
typedef struct weft_instance weft_instance;
typedef struct weft_store weft_store;
typedef struct weft_module weft_module;
typedef struct weft_caller weft_caller;

/* A tagged value. Floats are carried as bits so NaN payloads survive. */
typedef struct weft_val {
    weft_valkind kind;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        weft_func *funcref;    /* NULL is the null reference */
        void *externref;       /* NULL is the null reference */
        void *exnref;          /* NULL is the null reference */
        uint8_t v128[16];
    } of;
} weft_val;

static inline weft_val weft_val_i32(int32_t v) { weft_val r; r.kind = WEFT_I32; r.of.i64 = 0; r.of.i32 = v; return r; }
static inline weft_val weft_val_i64(int64_t v) { weft_val r; r.kind = WEFT_I64; r.of.i64 = v; return r; }
weft_val weft_val_f32(float v);
weft_val weft_val_f64(double v);
float weft_val_as_f32(const weft_val *v);
double weft_val_as_f64(const weft_val *v);

/* A function type. The arrays are borrowed from whoever made the type. */
typedef struct weft_functype {
    uint32_t nparams, nresults;
    const weft_valkind *params;
    const weft_valkind *results;
} weft_functype;

typedef struct weft_limits {
    uint64_t min;
    uint64_t max;       /* valid when has_max */
    bool has_max;
} weft_limits;

typedef enum weft_externkind {
    WEFT_EXTERN_FUNC = 0,
    WEFT_EXTERN_TABLE = 1,
    WEFT_EXTERN_MEMORY = 2,
    WEFT_EXTERN_GLOBAL = 3,
    WEFT_EXTERN_TAG = 4      /* exception tag */
} weft_externkind;

const char *weft_externkind_name(weft_externkind k); /* "func", ... */

/* The type of an import or export. */
typedef struct weft_externtype {
    weft_externkind kind;
    weft_functype func;                                      /* FUNC; TAG: its
                                                                params, no results */
    struct { weft_valkind elem; weft_limits limits; } table;  /* TABLE */
    struct { weft_limits limits; uint32_t page_size_log2; bool is64; } memory; /* MEMORY */
    struct { weft_valkind type; bool mutable_; } global;      /* GLOBAL */
} weft_externtype;

/* A reference to a runtime object of a store. */
typedef struct weft_extern {
    weft_externkind kind;
    union {
        weft_func *func;
        weft_table *table;
        weft_memory *memory;
        weft_global *global;
        weft_tag *tag;
    } of;
} weft_extern;

/* ------------------------------------------------------------------ */
/* Modules                                                             */
/* ------------------------------------------------------------------ */

/* Decodes, validates and lowers a core module. The bytes are only read
 * during the call. On failure *out is NULL and err says why and where. */
weft_status weft_module_new(weft_engine *engine, const uint8_t *bytes,
                            size_t len, weft_module **out, weft_error *err);
void weft_module_delete(weft_module *module);

typedef struct weft_importdesc {
    const char *module;      /* NUL-terminated, borrowed from the module */
    const char *name;
    size_t module_len, name_len;
    weft_externtype type;
} weft_importdesc;

typedef struct weft_exportdesc {
    const char *name;        /* NUL-terminated, borrowed from the module */
    size_t name_len;
    weft_externtype type;
} weft_exportdesc;

uint32_t weft_module_import_count(const weft_module *m);
uint32_t weft_module_export_count(const weft_module *m);
/* Return false if i is out of range. */
bool weft_module_import(const weft_module *m, uint32_t i, weft_importdesc *out);
bool weft_module_export(const weft_module *m, uint32_t i, weft_exportdesc *out);

/* ------------------------------------------------------------------ */
/* Stores                                                              */
/* ------------------------------------------------------------------ */

weft_store *weft_store_new(weft_engine *engine);
/* Frees the store and everything in it. */
void weft_store_delete(weft_store *store);

/* Fuel: each call and each loop iteration costs one unit. A store starts
 * with unlimited fuel; weft_store_set_fuel limits it. Without WEFT_FUEL
 * compiled in, set_fuel returns WEFT_UNSUPPORTED. */
weft_status weft_store_set_fuel(weft_store *store, uint64_t fuel);
uint64_t weft_store_get_fuel(const weft_store *store);
/* Clears the fuel limit. */
void weft_store_unlimited_fuel(weft_store *store);

/* Asks running code to stop at its next call or loop iteration. Safe to call
 * from another thread or a signal handler. The request is consumed when it
 * stops the code (the call suspends or traps with INTERRUPTED). */
void weft_store_interrupt(weft_store *store);

/* User data attached to the store (for host functions). */
void weft_store_set_data(weft_store *store, void *data);
void *weft_store_data(const weft_store *store);

/* ------------------------------------------------------------------ */
/* Host functions                                                      */
/* ------------------------------------------------------------------ */

/* A host function receives its arguments and writes its results (with
 * their kinds set). It returns WEFT_TRAP_NONE, or a trap kind; to attach a
 * message use weft_caller_trap, and to end the program weft_caller_exit. */
typedef weft_trap_kind (*weft_host_fn)(weft_caller *caller, void *user,
                                       const weft_val *args,
                                       weft_val *results);
typedef void (*weft_finalizer_fn)(void *user);

/* Creates a host function in the store. The type's arrays are copied.
 * finalizer (may be NULL) is called on user when the store is deleted. */
weft_func *weft_func_new(weft_store *store, const weft_functype *type,
                         weft_host_fn fn, void *user,
                         weft_finalizer_fn finalizer);

/* Parses a compact signature: parameter letters, ':' then result letters.
 * i=i32 I=i64 f=f32 F=f64 v=v128 r=funcref e=externref. "iii:i" is
 * (i32,i32,i32)->i32, ":" is ()->(). Writes into the caller's arrays
 * (capacity cap each). Returns false on a malformed signature. */
bool weft_functype_parse(const char *sig, weft_functype *out,
                         weft_valkind *params, weft_valkind *results,
                         uint32_t cap);

/* Inside a host function. */
weft_store *weft_caller_store(weft_caller *caller);
/* The instance of the wasm function that made the call (NULL if called
 * directly by the embedder). */
weft_instance *weft_caller_instance(weft_caller *caller);
/* The calling instance's export of that name, as weft_instance_export. */
bool weft_caller_export(weft_caller *caller, const char *name, weft_extern *out);
/* Records a trap message; returns kind, for `return weft_caller_trap(...)`. */
weft_trap_kind weft_caller_trap(weft_caller *caller, weft_trap_kind kind,
                                const char *message);
/* Ends the program with an exit status; returns WEFT_TRAP_EXIT. */
weft_trap_kind weft_caller_exit(weft_caller *caller, int code);

/* ------------------------------------------------------------------ */
/* Instances                                                           */
/* ------------------------------------------------------------------ */

/* Instantiates module with imports given in the module's import order.
 * Runs the start function. On failure *out is NULL; a trap in the start
 * function gives WEFT_TRAP (the partial instance stays in the store, as the
 * spec requires for side effects on imported tables and memories). */
weft_status weft_instance_new(weft_store *store, const weft_module *module,
                              const weft_extern *imports, size_t nimports,
                              weft_instance **out, weft_error *err);

/* Export lookup by name. Returns false if there is none. */
bool weft_instance_export(const weft_instance *inst, const char *name,
                          weft_extern *out);
uint32_t weft_instance_export_count(const weft_instance *inst);
/* The i-th export, in the module's export order (the same index as
 * weft_module_export); *name is borrowed from the module. */
bool weft_instance_export_nth(const weft_instance *inst, uint32_t i,
                              const char **name, weft_extern *out);
const weft_module *weft_instance_module(const weft_instance *inst);

/* ------------------------------------------------------------------ */
/* Functions                                                           */
/* ------------------------------------------------------------------ */

/* The type is borrowed from the function. */
const weft_functype *weft_func_type(const weft_func *func);

/* Calls func. args must match the parameter kinds; results receives
 * nresults values. A trap gives WEFT_TRAP with err->trap set; the store
 * stays usable. When fuel runs out or the store is interrupted in a call
 * made directly by the embedder, the call returns WEFT_SUSPENDED with
 * err->trap OUT_OF_FUEL or INTERRUPTED, and weft_store_resume continues it
 * (after adding fuel); weft_store_abandon drops it instead. */
weft_status weft_func_call(weft_store *store, weft_func *func,
                           const weft_val *args, size_t nargs,
                           weft_val *results, size_t nresults,
                           weft_error *err);

/* Continues a suspended call from the instruction where it stopped (after
 * weft_store_set_fuel when it ran out of fuel); results receives the
 * suspended call's results. May suspend again. */
weft_status weft_store_resume(weft_store *store, weft_val *results,
                              size_t nresults, weft_error *err);
/* Drops a suspended call. */
void weft_store_abandon(weft_store *store);
bool weft_store_is_suspended(const weft_store *store);

/* ------------------------------------------------------------------ */
/* Memories, tables, globals                                           */
/* ------------------------------------------------------------------ */

/* Creates a standalone memory (for imports) with 64 KiB pages. Returns NULL
 * if allocation fails or the limits are out of range or past the engine's
 * limit. */
weft_memory *weft_memory_new(weft_store *store, weft_limits limits);
/* The same with a page size of 2^page_size_log2 bytes: 16 (64 KiB) or, with
 * WEFT_FEATURE_CUSTOM_PAGE_SIZES, 0 (1 byte; limits up to 2^32-1 pages).
 * Returns NULL for any other page size. */
weft_memory *weft_memory_new_with_page_size(weft_store *store, weft_limits limits,
                                            uint32_t page_size_log2);
uint8_t *weft_memory_data(weft_memory *mem);
/* The bytes addressable through weft_memory_data: pages times the page
 * size, or less with nonconforming_memory_backing_bytes. */
uint64_t weft_memory_size(const weft_memory *mem);
uint64_t weft_memory_pages(const weft_memory *mem); /* as memory.size reports */
/* Grows by delta pages (bytes, for a page size of 1); *old_pages gets the
 * previous size. Returns false if growing would pass the memory's maximum,
 * the engine's limit or the nonconforming backing size. */
bool weft_memory_grow(weft_memory *mem, uint64_t delta, uint64_t *old_pages);
void weft_memory_type(const weft_memory *mem, weft_externtype *out);

weft_table *weft_table_new(weft_store *store, weft_valkind elem,
                           weft_limits limits, weft_val init);
uint32_t weft_table_size(const weft_table *table);
bool weft_table_get(const weft_table *table, uint32_t i, weft_val *out);
bool weft_table_set(weft_table *table, uint32_t i, weft_val v);
void weft_table_type(const weft_table *table, weft_externtype *out);

weft_global *weft_global_new(weft_store *store, weft_valkind type,
                             bool mutable_, weft_val init);
weft_val weft_global_get(const weft_global *g);
/* Returns false if the global is immutable or the kind differs. */
bool weft_global_set(weft_global *g, weft_val v);
void weft_global_type(const weft_global *g, weft_externtype *out);

/* A new exception tag whose payload has the given parameter types (copied).
 * Every call makes a distinct tag, as every instantiation of a module that
 * defines a tag does. NULL on failure. */
weft_tag *weft_tag_new(weft_store *store, const weft_valkind *params, uint32_t nparams);
void weft_tag_type(const weft_tag *tag, weft_externtype *out);

/* ------------------------------------------------------------------ */
/* Linker: resolves imports by (module, name)                          */
/* ------------------------------------------------------------------ */

typedef struct weft_linker weft_linker;

weft_linker *weft_linker_new(weft_engine *engine);
void weft_linker_delete(weft_linker *linker);

/* Defines (module, name). A later definition of the same name replaces
 * the earlier one. Names are copied. */
weft_status weft_linker_define(weft_linker *linker, const char *module,
                               const char *name, weft_extern ext);
/* Defines every export of inst under the module name. */
weft_status weft_linker_define_instance(weft_linker *linker,
                                        const char *module,
                                        const weft_instance *inst);
/* Creates a host function from a compact signature and defines it. */
weft_status weft_linker_define_func(weft_linker *linker, weft_store *store,
                                    const char *module, const char *name,
                                    const char *sig, weft_host_fn fn,
                                    void *user);
bool weft_linker_get(const weft_linker *linker, const char *module,
                     const char *name, weft_extern *out);

/* Resolves every import of module by name and instantiates it. An import
 * that is missing or has the wrong type fails with WEFT_UNLINKABLE and a
 * message naming it and the type expected. */
weft_status weft_linker_instantiate(weft_linker *linker, weft_store *store,
                                    const weft_module *module,
                                    weft_instance **out, weft_error *err);

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */
/* ------------------------------------------------------------------ */

/* Lists the internal code of defined function funcidx, one instruction per
 * call of out. Returns false for an imported or unknown function. */
bool weft_module_disasm(const weft_module *m, uint32_t funcidx,
                        void (*out)(void *ud, const char *line), void *ud);

/* Checks that ext's type matches an import type (the spec's subtyping). */
bool weft_extern_matches(const weft_extern *ext, const weft_externtype *want);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_H */
