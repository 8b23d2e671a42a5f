/*
 * test_api.c - the embedding API of weft.h: lifecycles, module
 * introspection, host functions (re-entry, traps, exit), argument checks,
 * exports, globals, tables, memories, linking errors, signature parsing and
 * the name functions. Prints "N passed, N failed" last; exits non-zero on
 * any failure.
 */
#include "unit_check.h"

/*
 * (module
 *   (type (;0;) (func (param i32 i32) (result i32)))
 *   (type (;1;) (func (param i32) (result i32)))
 *   (type (;2;) (func))
 *   (type (;3;) (func (result i32)))
 *   (import "env" "add" (func (;0;) (type 0)))
 *   (import "env" "cb" (func (;1;) (type 1)))
 *   (import "env" "fail" (func (;2;) (type 2)))
 *   (import "env" "quit" (func (;3;) (type 2)))
 *   (func (;4;) (type 0) local.get 0 local.get 1 call 0)
 *   (func (;5;) (type 1) local.get 0 local.get 0 i32.add)
 *   (func (;6;) (type 1) local.get 0 call 1 i32.const 1 i32.add)
 *   (func (;7;) (type 2) call 2)
 *   (func (;8;) (type 2) call 3)
 *   (func (;9;) (type 3) global.get 0)
 *   (func (;10;) (type 0) local.get 0 local.get 1 call_indirect (type 1))
 *   (func (;11;) (type 1) local.get 0 i32.load)
 *   (table (;0;) 2 4 funcref)
 *   (memory (;0;) 1 3)
 *   (global (;0;) (mut i32) (i32.const 7))
 *   (global (;1;) i64 (i64.const -5))
 *   (export "call_add" (func 4))
 *   (export "double" (func 5))
 *   (export "call_cb" (func 6))
 *   (export "call_fail" (func 7))
 *   (export "call_quit" (func 8))
 *   (export "get_g" (func 9))
 *   (export "call_ind" (func 10))
 *   (export "load" (func 11))
 *   (export "tab" (table 0))
 *   (export "mem" (memory 0))
 *   (export "g" (global 0))
 *   (export "c" (global 1))
 *   (elem (;0;) (i32.const 0) func 5)
 *   (data (;0;) (i32.const 16) "hello"))
 */
static const uint8_t main_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x13, 0x04,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x00,
    0x60, 0x00, 0x01, 0x7f,
    /* import section */
    0x02, 0x2a, 0x04,
    0x03, 0x65, 0x6e, 0x76, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00,
    0x03, 0x65, 0x6e, 0x76, 0x02, 0x63, 0x62, 0x00, 0x01,
    0x03, 0x65, 0x6e, 0x76, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x02,
    0x03, 0x65, 0x6e, 0x76, 0x04, 0x71, 0x75, 0x69, 0x74, 0x00, 0x02,
    /* function section */
    0x03, 0x09, 0x08, 0x00, 0x01, 0x01, 0x02, 0x02, 0x03, 0x00, 0x01,
    /* table section */
    0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x04,
    /* memory section */
    0x05, 0x04, 0x01, 0x01, 0x01, 0x03,
    /* global section */
    0x06, 0x0b, 0x02,
    0x7f, 0x01, 0x41, 0x07, 0x0b,
    0x7e, 0x00, 0x42, 0x7b, 0x0b,
    /* export section */
    0x07, 0x65, 0x0c,
    0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x61, 0x64, 0x64, 0x00, 0x04,
    0x06, 0x64, 0x6f, 0x75, 0x62, 0x6c, 0x65, 0x00, 0x05,
    0x07, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x63, 0x62, 0x00, 0x06,
    0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x07,
    0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x71, 0x75, 0x69, 0x74, 0x00, 0x08,
    0x05, 0x67, 0x65, 0x74, 0x5f, 0x67, 0x00, 0x09,
    0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x69, 0x6e, 0x64, 0x00, 0x0a,
    0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x0b,
    0x03, 0x74, 0x61, 0x62, 0x01, 0x00,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00,
    0x01, 0x67, 0x03, 0x00,
    0x01, 0x63, 0x03, 0x01,
    /* element section */
    0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x05,
    /* code section */
    0x0a, 0x3d, 0x08,
    0x08, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x00, 0x6a, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x10, 0x01, 0x41, 0x01, 0x6a, 0x0b,
    0x04, 0x00, 0x10, 0x02, 0x0b,
    0x04, 0x00, 0x10, 0x03, 0x0b,
    0x04, 0x00, 0x23, 0x00, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x11, 0x01, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
    /* data section */
    0x0b, 0x0b, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c,
    0x6f,
};

/*
 * (module
 *   (type (;0;) (func (param i32 i64) (result f32)))
 *   (import "m" "f" (func (;0;) (type 0)))
 *   (import "m" "t" (table (;0;) 1 10 funcref))
 *   (import "m" "mem" (memory (;0;) 2))
 *   (import "m" "g" (global (;0;) (mut f64)))
 *   (export "f2" (func 0))
 *   (export "t2" (table 0))
 *   (export "m2" (memory 0))
 *   (export "g2" (global 0)))
 */
static const uint8_t reexport_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7d,
    /* import section */
    0x02, 0x20, 0x04,
    0x01, 0x6d, 0x01, 0x66, 0x00, 0x00,
    0x01, 0x6d, 0x01, 0x74, 0x01, 0x70, 0x01, 0x01, 0x0a,
    0x01, 0x6d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x02,
    0x01, 0x6d, 0x01, 0x67, 0x03, 0x7c, 0x01,
    /* export section */
    0x07, 0x15, 0x04,
    0x02, 0x66, 0x32, 0x00, 0x00,
    0x02, 0x74, 0x32, 0x01, 0x00,
    0x02, 0x6d, 0x32, 0x02, 0x00,
    0x02, 0x67, 0x32, 0x03, 0x00,
};

/* ------------------------------------------------------------------ */
/* Host functions                                                      */
/* ------------------------------------------------------------------ */

/* Shared state of the host functions, reached through the store's data. */
typedef struct host_state {
    int add_calls;
    weft_instance *add_caller;    /* weft_caller_instance seen by add */
    int cb_calls;
    int cb_depth, cb_max_depth;
    int cb_mode;                  /* 1: cb calls call_fail and swallows the trap */
    char cb_swallowed[WEFT_ERROR_MESSAGE_MAX + 16];
    int fail_mode;
    int finalized;
} host_state;

static host_state *state_of(weft_caller *c)
{
    return weft_store_data(weft_caller_store(c));
}

static weft_trap_kind host_add(weft_caller *c, void *user, const weft_val *args,
                               weft_val *results)
{
    (void)user;
    host_state *hs = state_of(c);
    hs->add_calls++;
    hs->add_caller = weft_caller_instance(c);
    results[0] = weft_val_i32((int32_t)((uint32_t)args[0].of.i32 + (uint32_t)args[1].of.i32));
    return WEFT_TRAP_NONE;
}

/* cb(x) = double(x + 100) through the calling instance's export; for a
 * negative x it re-enters call_cb(x) again, without end. */
static weft_trap_kind host_cb(weft_caller *c, void *user, const weft_val *args,
                              weft_val *results)
{
    (void)user;
    host_state *hs = state_of(c);
    hs->cb_calls++;
    if (!weft_caller_instance(c))
        return weft_caller_trap(c, WEFT_TRAP_HOST, "cb: no caller instance");
    weft_extern ext;
    if (hs->cb_mode == 1) {
        weft_error err;
        if (!weft_caller_export(c, "call_fail", &ext))
            return weft_caller_trap(c, WEFT_TRAP_HOST, "cb: export missing");
        weft_status s = weft_func_call(weft_caller_store(c), ext.of.func, NULL, 0, NULL,
                                       0, &err);
        snprintf(hs->cb_swallowed, sizeof hs->cb_swallowed, "%s %s",
                 weft_status_name(s), err.message);
        results[0] = weft_val_i32(7);
        return WEFT_TRAP_NONE;
    }
    const char *target = args[0].of.i32 < 0 ? "call_cb" : "double";
    if (!weft_caller_export(c, target, &ext) || ext.kind != WEFT_EXTERN_FUNC)
        return weft_caller_trap(c, WEFT_TRAP_HOST, "cb: export missing");
    weft_val arg = weft_val_i32(args[0].of.i32 < 0 ? args[0].of.i32
                                                   : args[0].of.i32 + 100);
    weft_val res;
    weft_error err;
    hs->cb_depth++;
    if (hs->cb_depth > hs->cb_max_depth)
        hs->cb_max_depth = hs->cb_depth;
    weft_status s = weft_func_call(weft_caller_store(c), ext.of.func, &arg, 1, &res,
                                   1, &err);
    hs->cb_depth--;
    if (s != WEFT_OK)
        return weft_caller_trap(c, s == WEFT_TRAP ? err.trap : WEFT_TRAP_HOST,
                                err.message);
    results[0] = res;
    return WEFT_TRAP_NONE;
}

static weft_trap_kind host_fail(weft_caller *c, void *user, const weft_val *args,
                                weft_val *results)
{
    (void)user;
    (void)args;
    (void)results;
    switch (state_of(c)->fail_mode) {
    case 0: return weft_caller_trap(c, WEFT_TRAP_HOST, "fail: code 17");
    case 1: return weft_caller_trap(c, WEFT_TRAP_NONE, "none becomes host");
    case 2: return weft_caller_trap(c, WEFT_TRAP_DIV_BY_ZERO, "custom kind");
    default: return WEFT_TRAP_UNREACHABLE;  /* no message */
    }
}

static weft_trap_kind host_quit(weft_caller *c, void *user, const weft_val *args,
                                weft_val *results)
{
    (void)user;
    (void)args;
    (void)results;
    return weft_caller_exit(c, 3);
}

/* Writes an i64 where an i32 result is declared. */
static weft_trap_kind host_bad_result(weft_caller *c, void *user,
                                      const weft_val *args, weft_val *results)
{
    (void)c;
    (void)user;
    (void)args;
    results[0] = weft_val_i64(1);
    return WEFT_TRAP_NONE;
}

/* (i32) -> i32: x * 3, for table entries set from the host. */
static weft_trap_kind host_triple(weft_caller *c, void *user, const weft_val *args,
                                  weft_val *results)
{
    (void)c;
    (void)user;
    results[0] = weft_val_i32((int32_t)((uint32_t)args[0].of.i32 * 3u));
    return WEFT_TRAP_NONE;
}

/* (i32, i64) -> f32: (a + b) / 2. */
static weft_trap_kind host_mix(weft_caller *c, void *user, const weft_val *args,
                               weft_val *results)
{
    (void)c;
    int *calls = user;
    (*calls)++;
    results[0] = weft_val_f32((float)(args[0].of.i32 + args[1].of.i64) / 2.0f);
    return WEFT_TRAP_NONE;
}

static void count_finalizer(void *user)
{
    ((host_state *)user)->finalized++;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static const weft_valkind k_ii_i[] = {WEFT_I32, WEFT_I32, WEFT_I32};
static const weft_valkind k_i_i[] = {WEFT_I32, WEFT_I32};

static weft_functype ft_make(uint32_t np, const weft_valkind *p, uint32_t nr,
                             const weft_valkind *r)
{
    weft_functype ft;
    ft.nparams = np;
    ft.nresults = nr;
    ft.params = p;
    ft.results = r;
    return ft;
}

static weft_extern ext_func(weft_func *f)
{
    weft_extern e;
    e.kind = WEFT_EXTERN_FUNC;
    e.of.func = f;
    return e;
}

/* Instantiates main_wasm in st through a linker with the four host
 * functions defined from compact signatures. */
static weft_instance *instantiate_main(weft_engine *e, weft_store *st,
                                       const weft_module *m)
{
    weft_linker *l = weft_linker_new(e);
    CHECK(l != NULL);
    if (!l)
        return NULL;
    CHECK_EQ(weft_linker_define_func(l, st, "env", "add", "ii:i", host_add, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "env", "cb", "i:i", host_cb, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "env", "fail", ":", host_fail, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "env", "quit", ":", host_quit, NULL), WEFT_OK);
    weft_instance *inst = NULL;
    weft_error err;
    weft_status s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    weft_linker_delete(l);
    return inst;
}

static weft_status call_ii(weft_store *st, weft_func *f, int32_t a, int32_t b,
                           int32_t *out, weft_error *err)
{
    weft_val args[2] = {weft_val_i32(a), weft_val_i32(b)};
    weft_val r;
    memset(&r, 0, sizeof r);
    weft_status s = weft_func_call(st, f, args, 2, &r, 1, err);
    *out = r.of.i32;
    return s;
}

static weft_status call_i(weft_store *st, weft_func *f, int32_t a, int32_t *out,
                          weft_error *err)
{
    weft_val arg = weft_val_i32(a);
    weft_val r;
    memset(&r, 0, sizeof r);
    weft_status s = weft_func_call(st, f, &arg, 1, &r, 1, err);
    *out = r.of.i32;
    return s;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void test_names(void)
{
    CHECK_STR(weft_status_name(WEFT_OK), "OK");
    CHECK_STR(weft_status_name(WEFT_MALFORMED), "MALFORMED");
    CHECK_STR(weft_status_name(WEFT_UNLINKABLE), "UNLINKABLE");
    CHECK_STR(weft_status_name(WEFT_SUSPENDED), "SUSPENDED");
    CHECK_STR(weft_status_message(WEFT_MALFORMED), "malformed binary");
    CHECK_STR(weft_status_message(WEFT_NOMEM), "out of memory");
    CHECK_STR(weft_status_name((weft_status)99), "UNKNOWN");
    CHECK(weft_status_message((weft_status)99) != NULL);
    /* every status has a distinct name and a message */
    for (int i = WEFT_OK; i <= WEFT_SUSPENDED; i++) {
        const char *n = weft_status_name((weft_status)i);
        CHECK(n && n[0] && strcmp(n, "UNKNOWN") != 0);
        CHECK(weft_status_message((weft_status)i)[0] != '\0');
        for (int j = WEFT_OK; j < i; j++)
            CHECK(strcmp(n, weft_status_name((weft_status)j)) != 0);
    }

    CHECK_STR(weft_trap_name(WEFT_TRAP_NONE), "NONE");
    CHECK_STR(weft_trap_name(WEFT_TRAP_MEMORY_OOB), "MEMORY_OOB");
    CHECK_STR(weft_trap_name(WEFT_TRAP_EXIT), "EXIT");
    CHECK_STR(weft_trap_message(WEFT_TRAP_MEMORY_OOB), "out of bounds memory access");
    CHECK_STR(weft_trap_message(WEFT_TRAP_DIV_BY_ZERO), "integer divide by zero");
    CHECK_STR(weft_trap_message(WEFT_TRAP_STACK_EXHAUSTED), "call stack exhausted");
    CHECK_STR(weft_trap_name(WEFT_TRAP_COUNT_), "UNKNOWN");
    CHECK_STR(weft_trap_name((weft_trap_kind)-1), "UNKNOWN");
    CHECK(weft_trap_message(WEFT_TRAP_COUNT_) != NULL);
    for (int i = 0; i < WEFT_TRAP_COUNT_; i++) {
        const char *n = weft_trap_name((weft_trap_kind)i);
        CHECK(n && n[0] && strcmp(n, "UNKNOWN") != 0);
        CHECK(weft_trap_message((weft_trap_kind)i)[0] != '\0');
        for (int j = 0; j < i; j++)
            CHECK(strcmp(n, weft_trap_name((weft_trap_kind)j)) != 0);
    }

    CHECK_STR(weft_valkind_name(WEFT_I32), "i32");
    CHECK_STR(weft_valkind_name(WEFT_F64), "f64");
    CHECK_STR(weft_valkind_name(WEFT_EXTERNREF), "externref");
    CHECK_STR(weft_externkind_name(WEFT_EXTERN_FUNC), "func");
    CHECK_STR(weft_externkind_name(WEFT_EXTERN_GLOBAL), "global");

    weft_val v = weft_val_f32(1.5f);
    CHECK(v.kind == WEFT_F32 && v.of.f32_bits == 0x3fc00000u);
    CHECK(weft_val_as_f32(&v) == 1.5f);
    v = weft_val_f64(-2.25);
    CHECK(v.kind == WEFT_F64 && v.of.f64_bits == 0xc002000000000000ull);
    CHECK(weft_val_as_f64(&v) == -2.25);
    v = weft_val_i32(-1);
    CHECK(v.kind == WEFT_I32 && v.of.i32 == -1);
    v = weft_val_i64(INT64_MIN);
    CHECK(v.kind == WEFT_I64 && v.of.i64 == INT64_MIN);
}

static void test_functype_parse(void)
{
    weft_valkind p[8], r[8];
    weft_functype ft;
    CHECK(weft_functype_parse("ii:i", &ft, p, r, 8));
    CHECK_EQ(ft.nparams, 2);
    CHECK_EQ(ft.nresults, 1);
    CHECK(ft.params == p && ft.results == r);
    CHECK(p[0] == WEFT_I32 && p[1] == WEFT_I32 && r[0] == WEFT_I32);

    CHECK(weft_functype_parse(":", &ft, p, r, 8));
    CHECK_EQ(ft.nparams, 0);
    CHECK_EQ(ft.nresults, 0);

    CHECK(weft_functype_parse("iIfFvre:Fi", &ft, p, r, 8));
    CHECK_EQ(ft.nparams, 7);
    CHECK_EQ(ft.nresults, 2);
    CHECK(p[0] == WEFT_I32 && p[1] == WEFT_I64 && p[2] == WEFT_F32 &&
          p[3] == WEFT_F64 && p[4] == WEFT_V128 && p[5] == WEFT_FUNCREF &&
          p[6] == WEFT_EXTERNREF);
    CHECK(r[0] == WEFT_F64 && r[1] == WEFT_I32);

    CHECK(weft_functype_parse(":I", &ft, p, r, 8));
    CHECK(ft.nparams == 0 && ft.nresults == 1 && r[0] == WEFT_I64);
    CHECK(weft_functype_parse("e:", &ft, p, r, 8));
    CHECK(ft.nparams == 1 && ft.nresults == 0 && p[0] == WEFT_EXTERNREF);

    /* malformed */
    CHECK(!weft_functype_parse("", &ft, p, r, 8));
    CHECK(!weft_functype_parse("ii", &ft, p, r, 8));
    CHECK(!weft_functype_parse("i:i:i", &ft, p, r, 8));
    CHECK(!weft_functype_parse("::", &ft, p, r, 8));
    CHECK(!weft_functype_parse("x:i", &ft, p, r, 8));
    CHECK(!weft_functype_parse("i:q", &ft, p, r, 8));
    CHECK(!weft_functype_parse("i :i", &ft, p, r, 8));
    CHECK(!weft_functype_parse("I32:i", &ft, p, r, 8));
    /* capacity is enforced on each side */
    CHECK(weft_functype_parse("ii:ii", &ft, p, r, 2));
    CHECK(!weft_functype_parse("iii:", &ft, p, r, 2));
    CHECK(!weft_functype_parse(":iii", &ft, p, r, 2));
}

static void test_lifecycle(void)
{
    weft_config cfg;
    weft_config_default(&cfg);
    CHECK(cfg.alloc == NULL);
    CHECK(cfg.stack_slots == WEFT_DEFAULT_STACK_SLOTS);
    CHECK(cfg.max_call_depth == WEFT_DEFAULT_MAX_CALL_DEPTH);
    CHECK(cfg.max_memory_bytes == WEFT_DEFAULT_MAX_MEMORY_BYTES);
    CHECK(cfg.max_table_elems == WEFT_DEFAULT_MAX_TABLE_ELEMS);
    CHECK(cfg.features == WEFT_FEATURES_ALL);

    /* deleting NULL objects is harmless */
    weft_engine_delete(NULL);
    weft_store_delete(NULL);
    weft_module_delete(NULL);
    weft_linker_delete(NULL);
    CHECK(weft_store_new(NULL) == NULL);
    CHECK(weft_linker_new(NULL) == NULL);

    weft_engine *e = weft_engine_new(&cfg);
    CHECK(e != NULL);
    weft_error err;
    weft_module *m = (weft_module *)1;
    CHECK_STATUS(weft_module_new(e, main_wasm, sizeof main_wasm, NULL, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_module_new(NULL, main_wasm, sizeof main_wasm, &m, &err), WEFT_ARG, &err);
    CHECK(m == NULL);
    CHECK_STATUS(weft_module_new(e, NULL, 8, &m, &err), WEFT_ARG, &err);

    /* the bytes are only read during weft_module_new */
    uint8_t *copy = malloc(sizeof main_wasm);
    memcpy(copy, main_wasm, sizeof main_wasm);
    m = NULL;
    weft_status s = weft_module_new(e, copy, sizeof main_wasm, &m, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(err.status, WEFT_OK);
    CHECK_EQ(err.offset, WEFT_NO_OFFSET);
    memset(copy, 0xAB, sizeof main_wasm);
    free(copy);
    if (!m) {
        weft_engine_delete(e);
        return;
    }

    /* one module, two stores: state is per store */
    host_state hs1, hs2;
    memset(&hs1, 0, sizeof hs1);
    memset(&hs2, 0, sizeof hs2);
    weft_store *st1 = weft_store_new(e), *st2 = weft_store_new(e);
    CHECK(st1 && st2 && st1 != st2);
    CHECK(weft_store_data(st1) == NULL);
    weft_store_set_data(st1, &hs1);
    weft_store_set_data(st2, &hs2);
    CHECK(weft_store_data(st1) == &hs1);
    weft_instance *i1 = instantiate_main(e, st1, m);
    weft_instance *i2 = instantiate_main(e, st2, m);
    CHECK(i1 && i2 && i1 != i2);
    if (i1 && i2) {
        CHECK(weft_instance_module(i1) == m);
        CHECK(weft_instance_module(i2) == m);
        weft_extern g1, g2;
        CHECK(weft_instance_export(i1, "g", &g1));
        CHECK(weft_instance_export(i2, "g", &g2));
        CHECK(g1.of.global != g2.of.global);
        CHECK(weft_global_set(g1.of.global, weft_val_i32(100)));
        int32_t v = 0;
        weft_val r;
        CHECK_STATUS(weft_func_call(st2, unit_func(i2, "get_g"), NULL, 0, &r, 1, &err),
                     WEFT_OK, &err);
        CHECK_EQ(r.of.i32, 7);
        CHECK_STATUS(weft_func_call(st1, unit_func(i1, "get_g"), NULL, 0, &r, 1, &err),
                     WEFT_OK, &err);
        CHECK_EQ(r.of.i32, 100);
        CHECK_STATUS(call_ii(st2, unit_func(i2, "call_add"), 2, 3, &v, &err), WEFT_OK, &err);
        CHECK_EQ(v, 5);
        CHECK_EQ(hs2.add_calls, 1);
        CHECK_EQ(hs1.add_calls, 0);
    }
    weft_store_delete(st1);
    /* the other store is unaffected by the first one's deletion */
    if (i2) {
        int32_t v = 0;
        CHECK_STATUS(call_i(st2, unit_func(i2, "double"), 21, &v, &err), WEFT_OK, &err);
        CHECK_EQ(v, 42);
    }
    weft_store_delete(st2);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void check_functype(const weft_functype *ft, uint32_t np, const weft_valkind *p,
                           uint32_t nr, const weft_valkind *r, int line)
{
    bool ok = ft->nparams == np && ft->nresults == nr;
    for (uint32_t i = 0; ok && i < np; i++)
        ok = ft->params[i] == p[i];
    for (uint32_t i = 0; ok && i < nr; i++)
        ok = ft->results[i] == r[i];
    unit_check(ok, __FILE__, line, "function type");
}

static void test_introspection(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, reexport_wasm, sizeof reexport_wasm, "reexport_wasm");
    weft_module *mm = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    if (!m || !mm)
        goto out;

    static const weft_valkind p_il[] = {WEFT_I32, WEFT_I64}, r_f[] = {WEFT_F32};
    CHECK_EQ(weft_module_import_count(m), 4);
    CHECK_EQ(weft_module_export_count(m), 4);
    weft_importdesc id;
    CHECK(weft_module_import(m, 0, &id));
    CHECK_STR(id.module, "m");
    CHECK_STR(id.name, "f");
    CHECK_EQ(id.module_len, 1);
    CHECK_EQ(id.name_len, 1);
    CHECK_EQ(id.type.kind, WEFT_EXTERN_FUNC);
    check_functype(&id.type.func, 2, p_il, 1, r_f, __LINE__);

    CHECK(weft_module_import(m, 1, &id));
    CHECK_STR(id.name, "t");
    CHECK_EQ(id.type.kind, WEFT_EXTERN_TABLE);
    CHECK_EQ(id.type.table.elem, WEFT_FUNCREF);
    CHECK_EQ(id.type.table.limits.min, 1);
    CHECK(id.type.table.limits.has_max);
    CHECK_EQ(id.type.table.limits.max, 10);

    CHECK(weft_module_import(m, 2, &id));
    CHECK_STR(id.name, "mem");
    CHECK_EQ(id.name_len, 3);
    CHECK_EQ(id.type.kind, WEFT_EXTERN_MEMORY);
    CHECK_EQ(id.type.memory.limits.min, 2);
    CHECK(!id.type.memory.limits.has_max);
    CHECK_EQ(id.type.memory.page_size_log2, 16);
    CHECK(!id.type.memory.is64);

    CHECK(weft_module_import(m, 3, &id));
    CHECK_STR(id.name, "g");
    CHECK_EQ(id.type.kind, WEFT_EXTERN_GLOBAL);
    CHECK_EQ(id.type.global.type, WEFT_F64);
    CHECK(id.type.global.mutable_);

    CHECK(!weft_module_import(m, 4, &id));
    CHECK(!weft_module_import(m, UINT32_MAX, &id));

    static const char *const names[] = {"f2", "t2", "m2", "g2"};
    static const weft_externkind kinds[] = {WEFT_EXTERN_FUNC, WEFT_EXTERN_TABLE,
                                            WEFT_EXTERN_MEMORY, WEFT_EXTERN_GLOBAL};
    for (uint32_t i = 0; i < 4; i++) {
        weft_exportdesc ed;
        CHECK(weft_module_export(m, i, &ed));
        CHECK_STR(ed.name, names[i]);
        CHECK_EQ(ed.name_len, 2);
        CHECK_EQ(ed.type.kind, kinds[i]);
    }
    weft_exportdesc ed;
    CHECK(weft_module_export(m, 0, &ed));
    check_functype(&ed.type.func, 2, p_il, 1, r_f, __LINE__);
    CHECK(weft_module_export(m, 1, &ed));
    CHECK(ed.type.table.limits.max == 10 && ed.type.table.limits.min == 1);
    CHECK(weft_module_export(m, 3, &ed));
    CHECK(ed.type.global.type == WEFT_F64 && ed.type.global.mutable_);
    CHECK(!weft_module_export(m, 4, &ed));

    /* main_wasm: imports in order, then exports with their types */
    CHECK_EQ(weft_module_import_count(mm), 4);
    CHECK_EQ(weft_module_export_count(mm), 12);
    static const char *const inames[] = {"add", "cb", "fail", "quit"};
    for (uint32_t i = 0; i < 4; i++) {
        CHECK(weft_module_import(mm, i, &id));
        CHECK_STR(id.module, "env");
        CHECK_STR(id.name, inames[i]);
        CHECK_EQ(id.type.kind, WEFT_EXTERN_FUNC);
    }
    CHECK(weft_module_import(mm, 0, &id));
    check_functype(&id.type.func, 2, k_ii_i, 1, k_ii_i, __LINE__);
    CHECK(weft_module_import(mm, 2, &id));
    check_functype(&id.type.func, 0, NULL, 0, NULL, __LINE__);

    static const struct { const char *name; weft_externkind kind; } mexp[] = {
        {"call_add", WEFT_EXTERN_FUNC}, {"double", WEFT_EXTERN_FUNC},
        {"call_cb", WEFT_EXTERN_FUNC}, {"call_fail", WEFT_EXTERN_FUNC},
        {"call_quit", WEFT_EXTERN_FUNC}, {"get_g", WEFT_EXTERN_FUNC},
        {"call_ind", WEFT_EXTERN_FUNC}, {"load", WEFT_EXTERN_FUNC},
        {"tab", WEFT_EXTERN_TABLE}, {"mem", WEFT_EXTERN_MEMORY},
        {"g", WEFT_EXTERN_GLOBAL}, {"c", WEFT_EXTERN_GLOBAL},
    };
    for (uint32_t i = 0; i < 12; i++) {
        CHECK(weft_module_export(mm, i, &ed));
        CHECK_STR(ed.name, mexp[i].name);
        CHECK_EQ(ed.name_len, strlen(mexp[i].name));
        CHECK_EQ(ed.type.kind, mexp[i].kind);
    }
    CHECK(weft_module_export(mm, 1, &ed));
    check_functype(&ed.type.func, 1, k_i_i, 1, k_i_i, __LINE__);
    CHECK(weft_module_export(mm, 5, &ed));
    check_functype(&ed.type.func, 0, NULL, 1, k_i_i, __LINE__);
    CHECK(weft_module_export(mm, 8, &ed));
    CHECK(ed.type.table.elem == WEFT_FUNCREF && ed.type.table.limits.min == 2 &&
          ed.type.table.limits.has_max && ed.type.table.limits.max == 4);
    CHECK(weft_module_export(mm, 9, &ed));
    CHECK(ed.type.memory.limits.min == 1 && ed.type.memory.limits.has_max &&
          ed.type.memory.limits.max == 3);
    CHECK(weft_module_export(mm, 10, &ed));
    CHECK(ed.type.global.type == WEFT_I32 && ed.type.global.mutable_);
    CHECK(weft_module_export(mm, 11, &ed));
    CHECK(ed.type.global.type == WEFT_I64 && !ed.type.global.mutable_);
out:
    weft_module_delete(m);
    weft_module_delete(mm);
    weft_engine_delete(e);
}

/* reexport_wasm instantiated with standalone objects, by import order. */
static void test_instance_imports(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, reexport_wasm, sizeof reexport_wasm, "reexport_wasm");
    weft_store *st = weft_store_new(e);
    if (!m || !st)
        goto out;
    static const weft_valkind p_il[] = {WEFT_I32, WEFT_I64}, r_f[] = {WEFT_F32};
    weft_functype ft = ft_make(2, p_il, 1, r_f);
    int mix_calls = 0;
    weft_func *f = weft_func_new(st, &ft, host_mix, &mix_calls, NULL);
    weft_val null_ref;
    memset(&null_ref, 0, sizeof null_ref);
    null_ref.kind = WEFT_FUNCREF;
    weft_table *t = weft_table_new(st, WEFT_FUNCREF, (weft_limits){3, 10, true}, null_ref);
    weft_memory *mem = weft_memory_new(st, (weft_limits){2, 0, false});
    weft_global *g = weft_global_new(st, WEFT_F64, true, weft_val_f64(1.5));
    CHECK(f && t && mem && g);
    if (!f || !t || !mem || !g)
        goto out;
    CHECK_EQ(weft_table_size(t), 3);
    CHECK_EQ(weft_memory_pages(mem), 2);

    weft_extern imports[4];
    imports[0] = ext_func(f);
    imports[1].kind = WEFT_EXTERN_TABLE;
    imports[1].of.table = t;
    imports[2].kind = WEFT_EXTERN_MEMORY;
    imports[2].of.memory = mem;
    imports[3].kind = WEFT_EXTERN_GLOBAL;
    imports[3].of.global = g;

    weft_error err;
    weft_instance *inst = NULL;
    weft_status s = weft_instance_new(st, m, imports, 4, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    if (!inst)
        goto out;
    /* re-exports are the very objects that were imported */
    weft_extern x;
    CHECK(weft_instance_export(inst, "f2", &x) && x.kind == WEFT_EXTERN_FUNC &&
          x.of.func == f);
    CHECK(weft_instance_export(inst, "t2", &x) && x.kind == WEFT_EXTERN_TABLE &&
          x.of.table == t);
    CHECK(weft_instance_export(inst, "m2", &x) && x.kind == WEFT_EXTERN_MEMORY &&
          x.of.memory == mem);
    CHECK(weft_instance_export(inst, "g2", &x) && x.kind == WEFT_EXTERN_GLOBAL &&
          x.of.global == g);
    CHECK_EQ(weft_instance_export_count(inst), 4);
    const char *name = NULL;
    CHECK(weft_instance_export_nth(inst, 2, &name, &x));
    CHECK_STR(name, "m2");
    CHECK(x.kind == WEFT_EXTERN_MEMORY && x.of.memory == mem);
    CHECK(!weft_instance_export_nth(inst, 4, &name, &x));

    /* a host function called directly by the embedder */
    weft_val args[2] = {weft_val_i32(3), weft_val_i64(4)}, r;
    s = weft_func_call(st, f, args, 2, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK(r.kind == WEFT_F32 && weft_val_as_f32(&r) == 3.5f);
    CHECK_EQ(mix_calls, 1);
    const weft_functype *got = weft_func_type(f);
    check_functype(got, 2, p_il, 1, r_f, __LINE__);
    CHECK(got->params != p_il);  /* the type was copied */

    /* imports that do not match, one at a time */
    weft_extern bad[4];
    weft_global *g_const = weft_global_new(st, WEFT_F64, false, weft_val_f64(0));
    weft_global *g_f32 = weft_global_new(st, WEFT_F32, true, weft_val_f32(0));
    weft_memory *mem1 = weft_memory_new(st, (weft_limits){1, 0, false});
    weft_table *t_big = weft_table_new(st, WEFT_FUNCREF, (weft_limits){1, 20, true}, null_ref);
    weft_table *t_nomax = weft_table_new(st, WEFT_FUNCREF, (weft_limits){1, 0, false}, null_ref);
    weft_val ext_null;
    memset(&ext_null, 0, sizeof ext_null);
    ext_null.kind = WEFT_EXTERNREF;
    weft_table *t_ext = weft_table_new(st, WEFT_EXTERNREF, (weft_limits){1, 10, true}, ext_null);
    weft_functype ft2 = ft_make(2, p_il, 0, NULL);
    weft_func *f_wrong = weft_func_new(st, &ft2, host_mix, &mix_calls, NULL);
    CHECK(g_const && g_f32 && mem1 && t_big && t_nomax && t_ext && f_wrong);
    struct {
        int slot;
        weft_extern ext;
        const char *field;
    } cases[] = {
        {0, {WEFT_EXTERN_FUNC, {.func = f_wrong}}, "\"m\" \"f\""},
        {0, {WEFT_EXTERN_MEMORY, {.memory = mem}}, "\"m\" \"f\""},
        {1, {WEFT_EXTERN_TABLE, {.table = t_big}}, "\"m\" \"t\""},
        {1, {WEFT_EXTERN_TABLE, {.table = t_nomax}}, "\"m\" \"t\""},
        {1, {WEFT_EXTERN_TABLE, {.table = t_ext}}, "\"m\" \"t\""},
        {2, {WEFT_EXTERN_MEMORY, {.memory = mem1}}, "\"m\" \"mem\""},
        {3, {WEFT_EXTERN_GLOBAL, {.global = g_const}}, "\"m\" \"g\""},
        {3, {WEFT_EXTERN_GLOBAL, {.global = g_f32}}, "\"m\" \"g\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, imports, sizeof bad);
        bad[cases[i].slot] = cases[i].ext;
        weft_instance *bi = (weft_instance *)1;
        s = weft_instance_new(st, m, bad, 4, &bi, &err);
        if (s != WEFT_UNLINKABLE)
            printf("  case %zu\n", i);
        CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
        CHECK(bi == NULL);
        CHECK_CONTAINS(err.message, cases[i].field);
    }
    /* wrong import count */
    s = weft_instance_new(st, m, imports, 3, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK(inst == NULL);
    /* a memory with more pages than asked for matches */
    weft_memory *mem3 = weft_memory_new(st, (weft_limits){3, 5, true});
    memcpy(bad, imports, sizeof bad);
    bad[2].of.memory = mem3;
    s = weft_instance_new(st, m, bad, 4, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);

    /* weft_extern_matches directly */
    weft_importdesc id;
    CHECK(weft_module_import(m, 2, &id));
    CHECK(weft_extern_matches(&imports[2], &id.type));
    CHECK(!weft_extern_matches(&cases[5].ext, &id.type));
    CHECK(!weft_extern_matches(&imports[0], &id.type));
out:
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

/* Host functions made with weft_func_new and given by import order. */
static void test_host_funcs_direct(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    host_state hs;
    memset(&hs, 0, sizeof hs);
    weft_store_set_data(st, &hs);
    if (!m || !st)
        goto out;
    weft_functype t_add = ft_make(2, k_ii_i, 1, k_ii_i);
    weft_functype t_cb = ft_make(1, k_i_i, 1, k_i_i);
    weft_functype t_void = ft_make(0, NULL, 0, NULL);
    weft_extern imports[4] = {
        ext_func(weft_func_new(st, &t_add, host_add, &hs, count_finalizer)),
        ext_func(weft_func_new(st, &t_cb, host_cb, &hs, count_finalizer)),
        ext_func(weft_func_new(st, &t_void, host_fail, &hs, count_finalizer)),
        ext_func(weft_func_new(st, &t_void, host_quit, &hs, NULL)),
    };
    for (int i = 0; i < 4; i++)
        CHECK(imports[i].of.func != NULL);
    weft_error err;
    weft_instance *inst = NULL;
    weft_status s = weft_instance_new(st, m, imports, 4, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    if (!inst)
        goto out;
    int32_t v = 0;
    s = call_ii(st, unit_func(inst, "call_add"), 40, 2, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 42);
    CHECK_EQ(hs.add_calls, 1);
    CHECK(hs.add_caller == inst);

    /* the same host function called by the embedder sees no instance */
    s = call_ii(st, imports[0].of.func, -5, 2, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, -3);
    CHECK_EQ(hs.add_calls, 2);
    CHECK(hs.add_caller == NULL);

    /* re-entry: call_cb(5) = cb(5) + 1 = double(105) + 1 */
    s = call_i(st, unit_func(inst, "call_cb"), 5, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 211);
    CHECK_EQ(hs.cb_calls, 1);

    s = weft_func_call(st, unit_func(inst, "call_fail"), NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_HOST);
    CHECK_STR(err.message, "fail: code 17");
    CHECK_EQ(err.offset, WEFT_NO_OFFSET);
    s = weft_func_call(st, unit_func(inst, "call_quit"), NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_EXIT);
    CHECK_EQ(err.exit_code, 3);
out:
    weft_store_delete(st);
    /* finalizers run once each, when the store goes */
    CHECK_EQ(hs.finalized, 3);
    weft_module_delete(m);
    weft_engine_delete(e);
}

/* Host functions defined through the linker; traps, exit and re-entry. */
static void test_host_funcs_linker(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    host_state hs;
    memset(&hs, 0, sizeof hs);
    weft_store_set_data(st, &hs);
    weft_instance *inst = m && st ? instantiate_main(e, st, m) : NULL;
    if (!inst)
        goto out;
    weft_error err;
    int32_t v = 0;
    weft_func *call_add = unit_func(inst, "call_add");
    weft_func *call_cb = unit_func(inst, "call_cb");
    weft_func *call_fail = unit_func(inst, "call_fail");
    weft_func *call_quit = unit_func(inst, "call_quit");

    weft_status s = call_ii(st, call_add, 7, 8, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 15);
    CHECK(hs.add_caller == inst);
    s = call_ii(st, call_add, INT32_MAX, 1, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, INT32_MIN);

    s = call_i(st, call_cb, -100, &v, &err);  /* re-enters forever */
    CHECK_TRAP(s, &err, WEFT_TRAP_STACK_EXHAUSTED);
    CHECK(hs.cb_max_depth > 1 && hs.cb_max_depth <= (int)WEFT_MAX_REENTRY);
    CHECK_EQ(hs.cb_depth, 0);
    s = call_i(st, call_cb, 0, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 201);

    /* a trap in re-entered wasm that the host handles does not end the
     * outer call */
    hs.cb_mode = 1;
    hs.fail_mode = 0;
    s = call_i(st, call_cb, 0, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 8);
    CHECK_STR(hs.cb_swallowed, "TRAP fail: code 17");
    CHECK_STR(err.message, "");
    s = call_i(st, call_cb, 0, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 8);
    hs.cb_mode = 0;
    s = call_i(st, call_cb, 1, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 203);

    /* trap kinds and messages from weft_caller_trap */
    hs.fail_mode = 0;
    s = weft_func_call(st, call_fail, NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_HOST);
    CHECK_STR(err.message, "fail: code 17");
    hs.fail_mode = 1;
    s = weft_func_call(st, call_fail, NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_HOST);
    CHECK_STR(err.message, "none becomes host");
    hs.fail_mode = 2;
    s = weft_func_call(st, call_fail, NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_DIV_BY_ZERO);
    CHECK_STR(err.message, "custom kind");
    /* a bare trap kind gets the standard message, not a stale one */
    hs.fail_mode = 3;
    s = weft_func_call(st, call_fail, NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_UNREACHABLE);
    CHECK_STR(err.message, weft_trap_message(WEFT_TRAP_UNREACHABLE));

    s = weft_func_call(st, call_quit, NULL, 0, NULL, 0, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_EXIT);
    CHECK_EQ(err.exit_code, 3);
    CHECK_EQ(err.status, WEFT_TRAP);

    /* the store keeps working after host traps */
    s = call_ii(st, call_add, 1, 2, &v, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(v, 3);
    CHECK_EQ(err.exit_code, 0);
    CHECK_EQ(err.trap, WEFT_TRAP_NONE);

    /* a host function that returns a result of the wrong kind */
    weft_linker *l = weft_linker_new(e);
    CHECK_EQ(weft_linker_define_func(l, st, "x", "bad", ":i", host_bad_result, NULL),
             WEFT_OK);
    weft_extern bad;
    CHECK(!weft_linker_get(l, "x", "good", &bad));
    CHECK(weft_linker_get(l, "x", "bad", &bad) && bad.kind == WEFT_EXTERN_FUNC);
    weft_val r;
    s = weft_func_call(st, bad.of.func, NULL, 0, &r, 1, &err);
    CHECK_TRAP(s, &err, WEFT_TRAP_HOST);
    /* bad compact signatures are refused */
    CHECK_EQ(weft_linker_define_func(l, st, "x", "y", "i", host_add, NULL), WEFT_ARG);
    CHECK_EQ(weft_linker_define_func(l, st, "x", "y", "q:", host_add, NULL), WEFT_ARG);
    CHECK(!weft_linker_get(l, "x", "y", &bad));

    /* define_instance makes every export available by name */
    CHECK_EQ(weft_linker_define_instance(l, "main", inst), WEFT_OK);
    weft_extern x;
    CHECK(weft_linker_get(l, "main", "double", &x) && x.kind == WEFT_EXTERN_FUNC &&
          x.of.func == unit_func(inst, "double"));
    CHECK(weft_linker_get(l, "main", "mem", &x) && x.kind == WEFT_EXTERN_MEMORY);
    CHECK(!weft_linker_get(l, "main", "nope", &x));
    CHECK(!weft_linker_get(l, "mai", "double", &x));
    weft_linker_delete(l);
out:
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void test_call_args(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    host_state hs;
    memset(&hs, 0, sizeof hs);
    weft_store_set_data(st, &hs);
    weft_instance *inst = m && st ? instantiate_main(e, st, m) : NULL;
    if (!inst)
        goto out;
    weft_func *call_add = unit_func(inst, "call_add");
    weft_error err;
    weft_val args[3] = {weft_val_i32(1), weft_val_i32(2), weft_val_i32(3)};
    weft_val r[2];

    /* too few, too many */
    CHECK_STATUS(weft_func_call(st, call_add, args, 1, r, 1, &err), WEFT_ARG, &err);
    CHECK_EQ(err.status, WEFT_ARG);
    CHECK(err.message[0] != '\0');
    CHECK_STATUS(weft_func_call(st, call_add, args, 3, r, 1, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_func_call(st, call_add, NULL, 0, r, 1, &err), WEFT_ARG, &err);
    /* wrong kinds */
    weft_val wrong[2] = {weft_val_i32(1), weft_val_i64(2)};
    CHECK_STATUS(weft_func_call(st, call_add, wrong, 2, r, 1, &err), WEFT_ARG, &err);
    wrong[0] = weft_val_f32(1.0f);
    wrong[1] = weft_val_i32(2);
    CHECK_STATUS(weft_func_call(st, call_add, wrong, 2, r, 1, &err), WEFT_ARG, &err);
    /* no room for the result */
    CHECK_STATUS(weft_func_call(st, call_add, args, 2, NULL, 0, &err), WEFT_ARG, &err);
    /* NULL function or store */
    CHECK_STATUS(weft_func_call(st, NULL, args, 2, r, 1, &err), WEFT_ARG, &err);
    CHECK_STATUS(weft_func_call(NULL, call_add, args, 2, r, 1, &err), WEFT_ARG, &err);
    /* none of the refused calls ran the host */
    CHECK_EQ(hs.add_calls, 0);
    /* room for more results than needed is fine */
    memset(r, 0, sizeof r);
    CHECK_STATUS(weft_func_call(st, call_add, args, 2, r, 2, &err), WEFT_OK, &err);
    CHECK(r[0].kind == WEFT_I32 && r[0].of.i32 == 3);
    CHECK_EQ(hs.add_calls, 1);
    /* a NULL weft_error is accepted */
    CHECK_EQ(weft_func_call(st, call_add, args, 1, r, 1, NULL), WEFT_ARG);
    CHECK_EQ(weft_func_call(st, call_add, args, 2, r, 1, NULL), WEFT_OK);

    /* export lookup of missing names */
    weft_extern x;
    CHECK(!weft_instance_export(inst, "missing", &x));
    CHECK(!weft_instance_export(inst, "", &x));
    CHECK(!weft_instance_export(inst, "doubl", &x));
    CHECK(!weft_instance_export(inst, "double2", &x));
    CHECK(!weft_instance_export(inst, "DOUBLE", &x));
    CHECK(!weft_instance_export(inst, NULL, &x));
    CHECK(weft_instance_export(inst, "double", &x));
out:
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void test_globals(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    host_state hs;
    memset(&hs, 0, sizeof hs);
    weft_store_set_data(st, &hs);
    weft_instance *inst = m && st ? instantiate_main(e, st, m) : NULL;
    if (!inst)
        goto out;
    weft_extern xg, xc;
    CHECK(weft_instance_export(inst, "g", &xg) && xg.kind == WEFT_EXTERN_GLOBAL);
    CHECK(weft_instance_export(inst, "c", &xc) && xc.kind == WEFT_EXTERN_GLOBAL);
    weft_global *g = xg.of.global, *c = xc.of.global;
    weft_func *get_g = unit_func(inst, "get_g");
    weft_error err;
    weft_val r;

    weft_val v = weft_global_get(g);
    CHECK(v.kind == WEFT_I32 && v.of.i32 == 7);
    v = weft_global_get(c);
    CHECK(v.kind == WEFT_I64 && v.of.i64 == -5);
    weft_externtype t;
    weft_global_type(g, &t);
    CHECK(t.kind == WEFT_EXTERN_GLOBAL && t.global.type == WEFT_I32 && t.global.mutable_);
    weft_global_type(c, &t);
    CHECK(t.kind == WEFT_EXTERN_GLOBAL && t.global.type == WEFT_I64 && !t.global.mutable_);

    /* mutable: the host's write is seen by wasm */
    CHECK(weft_global_set(g, weft_val_i32(-123)));
    CHECK_EQ(weft_global_get(g).of.i32, -123);
    CHECK_STATUS(weft_func_call(st, get_g, NULL, 0, &r, 1, &err), WEFT_OK, &err);
    CHECK_EQ(r.of.i32, -123);
    /* wrong kind: refused, value unchanged */
    CHECK(!weft_global_set(g, weft_val_i64(1)));
    CHECK(!weft_global_set(g, weft_val_f32(1.0f)));
    CHECK_EQ(weft_global_get(g).of.i32, -123);
    /* immutable: refused, value unchanged */
    CHECK(!weft_global_set(c, weft_val_i64(99)));
    CHECK_EQ(weft_global_get(c).of.i64, -5);

    /* standalone globals */
    weft_global *gf = weft_global_new(st, WEFT_F64, true, weft_val_f64(2.5));
    CHECK(gf != NULL);
    if (gf) {
        v = weft_global_get(gf);
        CHECK(v.kind == WEFT_F64 && weft_val_as_f64(&v) == 2.5);
        CHECK(weft_global_set(gf, weft_val_f64(-0.0)));
        v = weft_global_get(gf);
        CHECK(v.of.f64_bits == 0x8000000000000000ull);
    }
    /* NaN payloads survive */
    weft_val nan = weft_val_f32(0.0f);
    nan.of.f32_bits = 0x7fa12345u;
    weft_global *gn = weft_global_new(st, WEFT_F32, false, nan);
    CHECK(gn && weft_global_get(gn).of.f32_bits == 0x7fa12345u);
    CHECK(gn && !weft_global_set(gn, nan));
    weft_global *gi = weft_global_new(st, WEFT_I64, false, weft_val_i64(INT64_MIN));
    CHECK(gi && weft_global_get(gi).of.i64 == INT64_MIN);
    /* the initial value must have the global's kind */
    CHECK(weft_global_new(st, WEFT_I32, true, weft_val_i64(1)) == NULL);
out:
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void test_tables(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    host_state hs;
    memset(&hs, 0, sizeof hs);
    weft_store_set_data(st, &hs);
    weft_instance *inst = m && st ? instantiate_main(e, st, m) : NULL;
    if (!inst)
        goto out;
    weft_extern xt;
    CHECK(weft_instance_export(inst, "tab", &xt) && xt.kind == WEFT_EXTERN_TABLE);
    weft_table *t = xt.of.table;
    weft_func *dbl = unit_func(inst, "double");
    weft_func *call_ind = unit_func(inst, "call_ind");
    weft_error err;
    int32_t v = 0;

    CHECK_EQ(weft_table_size(t), 2);
    weft_externtype tt;
    weft_table_type(t, &tt);
    CHECK(tt.kind == WEFT_EXTERN_TABLE && tt.table.elem == WEFT_FUNCREF);
    CHECK(tt.table.limits.min == 2 && tt.table.limits.has_max && tt.table.limits.max == 4);

    /* the element segment put "double" at 0; 1 is null */
    weft_val r;
    CHECK(weft_table_get(t, 0, &r));
    CHECK(r.kind == WEFT_FUNCREF && r.of.funcref == dbl);
    CHECK(weft_table_get(t, 1, &r));
    CHECK(r.kind == WEFT_FUNCREF && r.of.funcref == NULL);
    CHECK(!weft_table_get(t, 2, &r));
    CHECK(!weft_table_get(t, UINT32_MAX, &r));

    CHECK_STATUS(call_ii(st, call_ind, 21, 0, &v, &err), WEFT_OK, &err);
    CHECK_EQ(v, 42);
    CHECK_TRAP(call_ii(st, call_ind, 21, 1, &v, &err), &err, WEFT_TRAP_UNINIT_ELEMENT);

    /* set from the host: a wasm function and then a host function */
    weft_val fv;
    memset(&fv, 0, sizeof fv);
    fv.kind = WEFT_FUNCREF;
    fv.of.funcref = dbl;
    CHECK(weft_table_set(t, 1, fv));
    CHECK_STATUS(call_ii(st, call_ind, 50, 1, &v, &err), WEFT_OK, &err);
    CHECK_EQ(v, 100);
    weft_functype ti = ft_make(1, k_i_i, 1, k_i_i);
    weft_func *triple = weft_func_new(st, &ti, host_triple, NULL, NULL);
    fv.of.funcref = triple;
    CHECK(weft_table_set(t, 1, fv));
    CHECK(weft_table_get(t, 1, &r) && r.of.funcref == triple);
    CHECK_STATUS(call_ii(st, call_ind, 50, 1, &v, &err), WEFT_OK, &err);
    CHECK_EQ(v, 150);
    /* a host function of another type traps as a type mismatch */
    weft_functype tv = ft_make(0, NULL, 0, NULL);
    fv.of.funcref = weft_func_new(st, &tv, host_fail, NULL, NULL);
    CHECK(weft_table_set(t, 1, fv));
    CHECK_TRAP(call_ii(st, call_ind, 50, 1, &v, &err), &err, WEFT_TRAP_INDIRECT_TYPE);
    CHECK_TRAP(call_ii(st, call_ind, 50, 2, &v, &err), &err, WEFT_TRAP_TABLE_OOB);

    /* out of range and wrong kind are refused */
    CHECK(!weft_table_set(t, 2, fv));
    weft_val ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = WEFT_EXTERNREF;
    ev.of.externref = &hs;
    CHECK(!weft_table_set(t, 0, ev));
    CHECK(!weft_table_set(t, 0, weft_val_i32(0)));
    CHECK(weft_table_get(t, 0, &r) && r.of.funcref == dbl);
    /* clearing to null */
    fv.of.funcref = NULL;
    CHECK(weft_table_set(t, 0, fv));
    CHECK(weft_table_get(t, 0, &r) && r.of.funcref == NULL);
    CHECK_TRAP(call_ii(st, call_ind, 1, 0, &v, &err), &err, WEFT_TRAP_UNINIT_ELEMENT);

    /* standalone externref table */
    weft_table *te = weft_table_new(st, WEFT_EXTERNREF, (weft_limits){4, 0, false}, ev);
    CHECK(te != NULL);
    if (te) {
        CHECK_EQ(weft_table_size(te), 4);
        CHECK(weft_table_get(te, 3, &r) && r.kind == WEFT_EXTERNREF &&
              r.of.externref == &hs);
        ev.of.externref = NULL;
        CHECK(weft_table_set(te, 3, ev));
        CHECK(weft_table_get(te, 3, &r) && r.of.externref == NULL);
        CHECK(weft_table_get(te, 2, &r) && r.of.externref == &hs);
        weft_table_type(te, &tt);
        CHECK(tt.table.elem == WEFT_EXTERNREF && !tt.table.limits.has_max);
    }
    /* tables hold references only */
    CHECK(weft_table_new(st, WEFT_I32, (weft_limits){1, 0, false}, weft_val_i32(0)) == NULL);
out:
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void test_memory(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    host_state hs;
    memset(&hs, 0, sizeof hs);
    weft_store_set_data(st, &hs);
    weft_instance *inst = m && st ? instantiate_main(e, st, m) : NULL;
    if (!inst)
        goto out;
    weft_extern xm;
    CHECK(weft_instance_export(inst, "mem", &xm) && xm.kind == WEFT_EXTERN_MEMORY);
    weft_memory *mem = xm.of.memory;
    weft_func *load = unit_func(inst, "load");
    weft_error err;
    int32_t v = 0;

    CHECK_EQ(weft_memory_size(mem), 65536);
    CHECK_EQ(weft_memory_pages(mem), 1);
    uint8_t *d = weft_memory_data(mem);
    CHECK(d != NULL);
    CHECK(memcmp(d + 16, "hello", 5) == 0);
    CHECK(d[15] == 0 && d[21] == 0);
    /* a host write is seen by wasm, little-endian */
    d[100] = 0x78;
    d[101] = 0x56;
    d[102] = 0x34;
    d[103] = 0x12;
    CHECK_STATUS(call_i(st, load, 100, &v, &err), WEFT_OK, &err);
    CHECK_EQ(v, 0x12345678);
    CHECK_TRAP(call_i(st, load, 65536, &v, &err), &err, WEFT_TRAP_MEMORY_OOB);

    /* grow within the declared maximum of 3 pages */
    uint64_t old = 99;
    CHECK(weft_memory_grow(mem, 1, &old));
    CHECK_EQ(old, 1);
    CHECK_EQ(weft_memory_pages(mem), 2);
    CHECK_EQ(weft_memory_size(mem), 131072);
    d = weft_memory_data(mem);
    CHECK(memcmp(d + 16, "hello", 5) == 0);
    CHECK(d[65536] == 0 && d[131071] == 0);
    CHECK_STATUS(call_i(st, load, 131068, &v, &err), WEFT_OK, &err);
    CHECK_EQ(v, 0);
    CHECK_TRAP(call_i(st, load, 131069, &v, &err), &err, WEFT_TRAP_MEMORY_OOB);
    /* past the maximum: refused, nothing changes */
    old = 99;
    CHECK(!weft_memory_grow(mem, 2, &old));
    CHECK_EQ(old, 99);
    CHECK_EQ(weft_memory_pages(mem), 2);
    CHECK(!weft_memory_grow(mem, UINT64_MAX, &old));
    CHECK(!weft_memory_grow(mem, (uint64_t)1 << 48, &old));
    CHECK_EQ(weft_memory_pages(mem), 2);
    CHECK(weft_memory_grow(mem, 1, &old));
    CHECK_EQ(old, 2);
    CHECK_EQ(weft_memory_pages(mem), 3);
    CHECK(!weft_memory_grow(mem, 1, &old));
    CHECK(weft_memory_grow(mem, 0, &old));
    CHECK_EQ(old, 3);
    CHECK(weft_memory_grow(mem, 0, NULL));
    CHECK_EQ(weft_memory_size(mem), 3 * 65536);
    weft_externtype mt;
    weft_memory_type(mem, &mt);
    CHECK(mt.kind == WEFT_EXTERN_MEMORY && mt.memory.limits.min == 3 &&
          mt.memory.limits.has_max && mt.memory.limits.max == 3 &&
          mt.memory.page_size_log2 == 16);
    CHECK_STATUS(call_i(st, load, 3 * 65536 - 4, &v, &err), WEFT_OK, &err);

    /* a standalone memory without a maximum stops at the engine limit */
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.max_memory_bytes = 4 * 65536;
    weft_engine *e2 = weft_engine_new(&cfg);
    weft_store *st2 = weft_store_new(e2);
    weft_memory *sm = weft_memory_new(st2, (weft_limits){1, 0, false});
    CHECK(sm != NULL);
    if (sm) {
        CHECK(weft_memory_grow(sm, 3, &old));
        CHECK_EQ(old, 1);
        CHECK(!weft_memory_grow(sm, 1, &old));
        CHECK_EQ(weft_memory_pages(sm), 4);
    }
    /* a minimum past the engine limit cannot be made */
    CHECK(weft_memory_new(st2, (weft_limits){5, 0, false}) == NULL);
    weft_memory *zm = weft_memory_new(st2, (weft_limits){0, 1, true});
    CHECK(zm != NULL);
    if (zm) {
        CHECK_EQ(weft_memory_size(zm), 0);
        CHECK(weft_memory_grow(zm, 1, &old));
        CHECK_EQ(old, 0);
        CHECK(!weft_memory_grow(zm, 1, &old));
        CHECK(weft_memory_data(zm)[65535] == 0);
    }
    weft_store_delete(st2);
    weft_engine_delete(e2);
out:
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void test_link_errors(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, main_wasm, sizeof main_wasm, "main_wasm");
    weft_store *st = weft_store_new(e);
    weft_linker *l = weft_linker_new(e);
    if (!m || !st || !l)
        goto out;
    weft_error err;
    weft_instance *inst = (weft_instance *)1;

    /* nothing defined: the first import is reported */
    weft_status s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK(inst == NULL);
    CHECK_CONTAINS(err.message, "env");
    CHECK_CONTAINS(err.message, "add");
    CHECK_EQ(err.offset, WEFT_NO_OFFSET);

    /* all but "quit" */
    CHECK_EQ(weft_linker_define_func(l, st, "env", "add", "ii:i", host_add, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "env", "cb", "i:i", host_cb, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "env", "fail", ":", host_fail, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "other", "quit", ":", host_quit, NULL), WEFT_OK);
    inst = (weft_instance *)1;
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK(inst == NULL);
    CHECK_CONTAINS(err.message, "\"env\"");
    CHECK_CONTAINS(err.message, "\"quit\"");

    /* "quit" with the wrong type */
    CHECK_EQ(weft_linker_define_func(l, st, "env", "quit", "i:", host_quit, NULL), WEFT_OK);
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK(inst == NULL);
    CHECK_CONTAINS(err.message, "\"env\"");
    CHECK_CONTAINS(err.message, "\"quit\"");

    /* "quit" with the wrong kind */
    weft_extern g;
    g.kind = WEFT_EXTERN_GLOBAL;
    g.of.global = weft_global_new(st, WEFT_I32, false, weft_val_i32(0));
    CHECK_EQ(weft_linker_define(l, "env", "quit", g), WEFT_OK);
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK_CONTAINS(err.message, "\"quit\"");

    /* "add" redefined with the wrong type: the later definition wins */
    CHECK_EQ(weft_linker_define_func(l, st, "env", "quit", ":", host_quit, NULL), WEFT_OK);
    CHECK_EQ(weft_linker_define_func(l, st, "env", "add", "i:i", host_add, NULL), WEFT_OK);
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK_CONTAINS(err.message, "\"env\"");
    CHECK_CONTAINS(err.message, "\"add\"");
    CHECK_EQ(weft_linker_define_func(l, st, "env", "add", "ii:I", host_add, NULL), WEFT_OK);
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_UNLINKABLE, &err);
    CHECK_CONTAINS(err.message, "\"add\"");

    /* all correct at last */
    CHECK_EQ(weft_linker_define_func(l, st, "env", "add", "ii:i", host_add, NULL), WEFT_OK);
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK(inst != NULL);
    CHECK_EQ(err.status, WEFT_OK);

    /* NULL arguments */
    CHECK_EQ(weft_linker_define(NULL, "a", "b", g), WEFT_ARG);
    CHECK_EQ(weft_linker_define(l, NULL, "b", g), WEFT_ARG);
    s = weft_linker_instantiate(l, st, m, NULL, &err);
    CHECK_STATUS(s, WEFT_ARG, &err);
out:
    weft_linker_delete(l);
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

int main(void)
{
    test_names();
    test_functype_parse();
    test_lifecycle();
    test_introspection();
    test_instance_imports();
    test_host_funcs_direct();
    test_host_funcs_linker();
    test_call_args();
    test_globals();
    test_tables();
    test_memory();
    test_link_errors();
    return unit_finish();
}
