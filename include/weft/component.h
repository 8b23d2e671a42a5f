/*
 * component.h - the WebAssembly Component Model API of weft.
 *
 * Objects and ownership (in addition to weft.h)
 * ---------------------------------------------
 *   weft_component          a decoded and validated component. Owned by the
 *                           caller (weft_component_delete); immutable; must
 *                           outlive its instances.
 *   weft_component_linker   a tree of named instances (WIT interface names
 *                           such as "wasi:cli/stdout@0.2.12" or
 *                           "embedded:platform/gpio") holding host functions,
 *                           host resource types and component instances.
 *                           Owned by the caller.
 *   weft_component_instance an instantiated component, owned by the store it
 *                           was created in (freed with weft_store_delete).
 *   weft_cfunc              a component-level function (an export of an
 *                           instance, or a host function); owned by its store.
 *   weft_resource_type      a resource type defined by the host; owned by the
 *                           store.
 *
 * Component values (weft_cval) are tagged unions. Values returned by weft
 * (call results) are allocated with the engine's allocator and released
 * with weft_cvals_free. Values passed to weft (call arguments, host
 * function results) stay owned by the caller; weft copies what it needs.
 */
#ifndef WEFT_COMPONENT_H
#define WEFT_COMPONENT_H

#include "weft/weft.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct weft_component weft_component;
typedef struct weft_component_instance weft_component_instance;
typedef struct weft_component_linker weft_component_linker;
typedef struct weft_cfunc weft_cfunc;
typedef struct weft_ctype weft_ctype;
typedef struct weft_resource_type weft_resource_type;
typedef struct weft_ccaller weft_ccaller;

/* ------------------------------------------------------------------ */
/* Types                                                               */
/* ------------------------------------------------------------------ */

/* Kinds of component value types (and of the values that inhabit them). */
typedef enum weft_ckind {
    WEFT_C_BOOL = 0,
    WEFT_C_S8, WEFT_C_U8, WEFT_C_S16, WEFT_C_U16,
    WEFT_C_S32, WEFT_C_U32, WEFT_C_S64, WEFT_C_U64,
    WEFT_C_F32, WEFT_C_F64,
    WEFT_C_CHAR, WEFT_C_STRING,
    WEFT_C_ERROR_CONTEXT,
    WEFT_C_RECORD, WEFT_C_VARIANT, WEFT_C_LIST, WEFT_C_TUPLE,
    WEFT_C_FLAGS, WEFT_C_ENUM, WEFT_C_OPTION, WEFT_C_RESULT,
    WEFT_C_OWN, WEFT_C_BORROW,
    WEFT_C_STREAM, WEFT_C_FUTURE,
    WEFT_C_KIND_COUNT_
} weft_ckind;

const char *weft_ckind_name(weft_ckind k); /* "u32", "record", ... */

/* Type inspection. A weft_ctype is borrowed from its component (or host
 * function) and lives as long as it. */
weft_ckind weft_ctype_kind(const weft_ctype *t);
/* Number of fields (record), cases (variant), elements (tuple), labels
 * (flags, enum); 0 otherwise. */
uint32_t weft_ctype_count(const weft_ctype *t);
/* Label of field/case/flag/enum case i, or NULL. */
const char *weft_ctype_label(const weft_ctype *t, uint32_t i);
/* Type of field/case/tuple element i (NULL for a case without payload),
 * the element of a list, the payload of an option, the ok type of a
 * result (i = 0) or its error type (i = 1). */
const weft_ctype *weft_ctype_elem(const weft_ctype *t, uint32_t i);

/* Function type of a component function. */
uint32_t weft_cfunc_param_count(const weft_cfunc *f);
const char *weft_cfunc_param_name(const weft_cfunc *f, uint32_t i);
const weft_ctype *weft_cfunc_param_type(const weft_cfunc *f, uint32_t i);
/* 0 or 1 result. */
uint32_t weft_cfunc_result_count(const weft_cfunc *f);
const weft_ctype *weft_cfunc_result_type(const weft_cfunc *f);

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

typedef struct weft_resource weft_resource;

typedef struct weft_cval {
    weft_ckind kind;
    union {
        bool b;
        int64_t s;        /* s8 s16 s32 s64 */
        uint64_t u;       /* u8 u16 u32 u64 */
        float f32;
        double f64;
        uint32_t ch;      /* a Unicode scalar value */
        struct { const char *ptr; size_t len; } str;    /* UTF-8 */
        /* list, record (fields in type order), tuple */
        struct { struct weft_cval *items; size_t len; } list;
        /* variant, enum, option (0 none, 1 some), result (0 ok, 1 error):
         * payload is NULL when the case has none */
        struct { uint32_t disc; struct weft_cval *payload; } variant;
        uint32_t flags;   /* bit i = label i */
        /* own / borrow: the resource; rep is its representation */
        struct { weft_resource *res; } handle;
    } of;
} weft_cval;

/* Releases what n values returned by weft own (strings, lists, payloads,
 * recursively). The array vals itself belongs to the caller and is not
 * freed. */
void weft_cvals_free(weft_engine *engine, weft_cval *vals, size_t n);

/* ------------------------------------------------------------------ */
/* Resources                                                           */
/* ------------------------------------------------------------------ */

/* Creates a host resource type. dtor (may be NULL) runs when an owned
 * handle of it is dropped, with the representation. */
weft_resource_type *weft_resource_type_new(weft_store *store, const char *name,
                                           void (*dtor)(void *user, uint32_t rep),
                                           void *user);

/* A resource value held by the host: its type and 32-bit representation.
 * Owned resources handed to the host by a call belong to the host, which
 * drops them with weft_resource_drop (running the destructor). */
weft_resource *weft_resource_new(weft_store *store, const weft_resource_type *type,
                                 uint32_t rep);
uint32_t weft_resource_rep(const weft_resource *r);
const weft_resource_type *weft_resource_get_type(const weft_resource *r);
weft_status weft_resource_drop(weft_store *store, weft_resource *r, weft_error *err);

/* ------------------------------------------------------------------ */
/* Components                                                          */
/* ------------------------------------------------------------------ */

/* Decodes and validates a component (the bytes are only read during the
 * call). A core module is refused with WEFT_ARG. */
weft_status weft_component_new(weft_engine *engine, const uint8_t *bytes,
                               size_t len, weft_component **out,
                               weft_error *err);
void weft_component_delete(weft_component *c);

/* True if bytes start like a component (as opposed to a core module). */
bool weft_is_component(const uint8_t *bytes, size_t len);

/* The component's imports and exports, in order: count, and the name of
 * the i-th ("embedded:platform/gpio", "run") with its kind ("func",
 * "instance", "type", "component", "core module", "value") in *kind when
 * kind is non-NULL. NULL past the end. */
uint32_t weft_component_import_count(const weft_component *c);
const char *weft_component_import_name(const weft_component *c, uint32_t i, const char **kind);
uint32_t weft_component_export_count(const weft_component *c);
const char *weft_component_export_name(const weft_component *c, uint32_t i, const char **kind);

/* Writes the component's imports and exports as WIT into out (through the
 * callback, in pieces). */
void weft_component_print_wit(const weft_component *c,
                              void (*out)(void *ud, const char *text, size_t len),
                              void *ud);

/* ------------------------------------------------------------------ */
/* Linker                                                              */
/* ------------------------------------------------------------------ */

/* A host function receives lifted arguments and fills its results (their
 * strings/lists may point to memory from weft_ccaller_alloc, or to memory
 * the host owns until the function returns). */
typedef weft_trap_kind (*weft_chost_fn)(weft_ccaller *caller, void *user,
                                        const weft_cval *args, size_t nargs,
                                        weft_cval *results, size_t nresults);

weft_component_linker *weft_component_linker_new(weft_engine *engine);
void weft_component_linker_delete(weft_component_linker *l);

/* Defines a host function at a path: "name" for a top-level import
 * function, or "ns:pkg/iface@1.2.3#name" for a function of an imported
 * instance. The function's type is taken from the importing component at
 * instantiation: the host function receives arguments of that type and must
 * fill results of it (a result of another kind traps). */
weft_status weft_component_linker_define_func(weft_component_linker *l,
                                              const char *path,
                                              weft_chost_fn fn, void *user);

/* Defines a host resource type at a path "ns:pkg/iface#name". */
weft_status weft_component_linker_define_resource(weft_component_linker *l,
                                                  const char *path,
                                                  weft_resource_type *type);

/* Defines every export of a component instance under a name (e.g. the
 * interface "my:kv/cache@1.0.0"): other components importing it are linked
 * to it, calls lifting from one memory and lowering into the other. */
weft_status weft_component_linker_define_instance(weft_component_linker *l,
                                                  const char *name,
                                                  weft_component_instance *inst);

/* Instantiates c, resolving each import by name. Interface names match
 * semver-compatibly: an import of "ns:p/i@0.2.1" is satisfied by a
 * definition "ns:p/i@0.2.12" (same major, and for 0.x the same minor;
 * the definition's version at least the import's). A missing or
 * mismatched import fails with WEFT_UNLINKABLE naming it and the expected
 * type. */
weft_status weft_component_linker_instantiate(weft_component_linker *l,
                                              weft_store *store,
                                              const weft_component *c,
                                              weft_component_instance **out,
                                              weft_error *err);

/* ------------------------------------------------------------------ */
/* Instances and calls                                                 */
/* ------------------------------------------------------------------ */

/* Looks up an exported function: "name", or "iface#name" / "ns:pkg/iface#name"
 * for a function of an exported instance. */
weft_cfunc *weft_component_instance_func(weft_component_instance *inst,
                                         const char *path);

/* Calls a component function. args follow the parameter types; results
 * (capacity nresults) receive values owned by the caller
 * (weft_cvals_free). Traps give WEFT_TRAP with err->trap and a message; an
 * instance that trapped refuses further calls. */
weft_status weft_cfunc_call(weft_store *store, weft_cfunc *f,
                            const weft_cval *args, size_t nargs,
                            weft_cval *results, size_t nresults,
                            weft_error *err);

/* Inside a host function: scratch memory valid until the call returns. */
void *weft_ccaller_alloc(weft_ccaller *caller, size_t size);
weft_store *weft_ccaller_store(weft_ccaller *caller);
weft_trap_kind weft_ccaller_trap(weft_ccaller *caller, const char *message);

/* ------------------------------------------------------------------ */
/* WAVE: the text form of component values                             */
/* ------------------------------------------------------------------ */

/* WAVE (WebAssembly Value Encoding) is the text form wasm-wave and wasmtime
 * use for component values: true, -7, 3.5, nan, 'x', "a\n", [1, 2],
 * (1, "a"), {name: "x", age: 3}, case, case(payload), some(1), none, ok,
 * err("e"), {read, write}. Labels that collide with a keyword are written
 * with a % prefix (%ok). Record fields of option type may be omitted
 * (none). Resources have no text form. */

/* Parses exactly one value of type (whitespace and // comments around it
 * are allowed). On success *out is owned by the caller (weft_cvals_free).
 * Bad text gives WEFT_INVALID with a message (`expected u32, found "abc"`)
 * and err->offset, the byte offset in text; out of memory gives
 * WEFT_NOMEM. On failure *out is zeroed and nothing is left allocated. */
weft_status weft_wave_parse(weft_engine *engine, const weft_ctype *type,
                            const char *text, size_t len, weft_cval *out,
                            weft_error *err);

/* Writes v (of type type) as WAVE into buf (NUL-terminated when cap > 0,
 * truncated to fit) and returns the length of the whole text, as snprintf
 * does; buf may be NULL when cap is 0. Floats are written with the fewest
 * digits that read back to the same value. Record fields whose option value
 * is none are left out. Values that do not match the type are written as
 * <invalid>; own/borrow handles as <resource rep=N>. */
size_t weft_wave_print(const weft_ctype *type, const weft_cval *v, char *buf,
                       size_t cap);

/* Parses a comma-separated list of values of types[0..ntypes) (a trailing
 * comma is allowed) into out (capacity cap >= ntypes). Trailing arguments
 * of option type may be left out (none). names (may be NULL) name the
 * values in arity errors. On success *n = ntypes; on failure *n = 0 and
 * out[0..ntypes) is zeroed. */
weft_status weft_wave_parse_values(weft_engine *engine,
                                   const weft_ctype *const *types,
                                   const char *const *names, size_t ntypes,
                                   const char *text, size_t len,
                                   weft_cval *out, size_t cap, size_t *n,
                                   weft_error *err);

/* weft_wave_parse_values for the parameters of f. */
weft_status weft_wave_parse_args(weft_engine *engine, const weft_cfunc *f,
                                 const char *text, size_t len, weft_cval *out,
                                 size_t cap, size_t *n, weft_error *err);

/* Splits a call "name(args)": copies the name (letters, digits and
 * - _ # / : @ . % [ ], e.g. "wasi:cli/run@0.2.0#run" or
 * "[method]counter.get") NUL-terminated into name (WEFT_LIMIT if it does
 * not fit in name_cap) and points args_start/args_len at the text inside
 * the outermost parentheses. Only whitespace and comments may follow the
 * closing parenthesis. */
weft_status weft_wave_parse_call(weft_engine *engine, const char *text,
                                 size_t len, char *name, size_t name_cap,
                                 const char **args_start, size_t *args_len,
                                 weft_error *err);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_COMPONENT_H */
