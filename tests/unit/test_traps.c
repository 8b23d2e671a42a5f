/*
 * test_traps.c - every trap kind the interpreter raises on its own, each
 * from a tiny function, plus call-stack exhaustion with the default and
 * with small configurations. After every trap the store must stay usable.
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#include "unit_check.h"

/*
 * (module
 *   (type (;0;) (func (result i32)))
 *   (type (;1;) (func (param i32 i32) (result i32)))
 *   (type (;2;) (func (param i32) (result i32)))
 *   (type (;3;) (func (param f32) (result i32)))
 *   (type (;4;) (func (param i32 i32)))
 *   (type (;5;) (func (param i64 i64) (result i64)))
 *   (func (;0;) (type 0) unreachable)
 *   (func (;1;) (type 1) local.get 0 local.get 1 i32.div_s)
 *   (func (;2;) (type 1) local.get 0 local.get 1 i32.div_u)
 *   (func (;3;) (type 1) local.get 0 local.get 1 i32.rem_s)
 *   (func (;4;) (type 5) local.get 0 local.get 1 i64.div_s)
 *   (func (;5;) (type 3) local.get 0 i32.trunc_f32_s)
 *   (func (;6;) (type 2) local.get 0 i32.load)
 *   (func (;7;) (type 2) local.get 0 i32.load offset=1)
 *   (func (;8;) (type 4) local.get 0 local.get 1 i32.store)
 *   (func (;9;) (type 4) local.get 0 local.get 1 i32.store offset=4294967295)
 *   (func (;10;) (type 2) local.get 0 call_indirect (type 0))
 *   (func (;11;) (type 2)
 *     local.get 0
 *     if (result i32)
 *       local.get 0 i32.const 1 i32.sub call 11 i32.const 1 i32.add
 *     else
 *       i32.const 0
 *     end)
 *   (func (;12;) (type 0) i32.const 42)
 *   (func (;13;) (type 2) local.get 0)
 *   (table (;0;) 3 3 funcref)
 *   (memory (;0;) 1 1)
 *   (export "unreachable" (func 0))
 *   (export "div_s" (func 1))
 *   (export "div_u" (func 2))
 *   (export "rem_s" (func 3))
 *   (export "div_s64" (func 4))
 *   (export "trunc" (func 5))
 *   (export "load" (func 6))
 *   (export "load_off1" (func 7))
 *   (export "store" (func 8))
 *   (export "store_offmax" (func 9))
 *   (export "call_ind" (func 10))
 *   (export "rec" (func 11))
 *   (export "forty_two" (func 12))
 *   (elem (;0;) (i32.const 0) func 12 13))
 */
static const uint8_t trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x20, 0x06,
    0x60, 0x00, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x01, 0x7d, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x00,
    0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e,
    /* function section */
    0x03, 0x0f, 0x0e,
    0x00, 0x01, 0x01, 0x01, 0x05, 0x03, 0x02, 0x02, 0x04, 0x04, 0x02, 0x02,
    0x00, 0x02,
    /* table section */
    0x04, 0x05, 0x01, 0x70, 0x01, 0x03, 0x03,
    /* memory section */
    0x05, 0x04, 0x01, 0x01, 0x01, 0x01,
    /* export section */
    0x07, 0x80, 0x01, 0x0d,
    0x0b, 0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68, 0x61, 0x62, 0x6c, 0x65,
    0x00, 0x00,
    0x05, 0x64, 0x69, 0x76, 0x5f, 0x73, 0x00, 0x01,
    0x05, 0x64, 0x69, 0x76, 0x5f, 0x75, 0x00, 0x02,
    0x05, 0x72, 0x65, 0x6d, 0x5f, 0x73, 0x00, 0x03,
    0x07, 0x64, 0x69, 0x76, 0x5f, 0x73, 0x36, 0x34, 0x00, 0x04,
    0x05, 0x74, 0x72, 0x75, 0x6e, 0x63, 0x00, 0x05,
    0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x06,
    0x09, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6f, 0x66, 0x66, 0x31, 0x00, 0x07,
    0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00, 0x08,
    0x0c, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x6f, 0x66, 0x66, 0x6d, 0x61,
    0x78, 0x00, 0x09,
    0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x69, 0x6e, 0x64, 0x00, 0x0a,
    0x03, 0x72, 0x65, 0x63, 0x00, 0x0b,
    0x09, 0x66, 0x6f, 0x72, 0x74, 0x79, 0x5f, 0x74, 0x77, 0x6f, 0x00, 0x0c,
    /* element section */
    0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x0c, 0x0d,
    /* code section */
    0x0a, 0x7a, 0x0e,
    0x03, 0x00, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6e, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6f, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x7f, 0x0b,
    0x05, 0x00, 0x20, 0x00, 0xa8, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x01, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b,
    0x0d, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0xff, 0xff, 0xff, 0xff,
    0x0f, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
    0x14, 0x00, 0x20, 0x00, 0x04, 0x7f, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10,
    0x0b, 0x41, 0x01, 0x6a, 0x05, 0x41, 0x00, 0x0b, 0x0b,
    0x04, 0x00, 0x41, 0x2a, 0x0b,
    0x04, 0x00, 0x20, 0x00, 0x0b,
};

/*
 * (module
 *   (type (;0;) (func))
 *   (func (;0;) (type 0) unreachable)
 *   (start 0))
 */
static const uint8_t start_trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00,
    0x08, 0x01, 0x00,
    0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
};

typedef struct fixture {
    weft_engine *engine;
    weft_module *module;
    weft_store *store;
    weft_instance *inst;
} fixture;

static bool fixture_open(fixture *fx, const weft_config *cfg)
{
    memset(fx, 0, sizeof *fx);
    fx->engine = weft_engine_new(cfg);
    CHECK(fx->engine != NULL);
    if (!fx->engine)
        return false;
    fx->module = unit_load(fx->engine, trap_wasm, sizeof trap_wasm, "trap_wasm");
    if (!fx->module)
        return false;
    fx->store = weft_store_new(fx->engine);
    CHECK(fx->store != NULL);
    weft_error err;
    weft_status s = weft_instance_new(fx->store, fx->module, NULL, 0, &fx->inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    return s == WEFT_OK;
}

static void fixture_close(fixture *fx)
{
    weft_store_delete(fx->store);
    weft_module_delete(fx->module);
    weft_engine_delete(fx->engine);
}

/* Calls a one-result export; returns the status and fills *err. */
static weft_status call1(fixture *fx, const char *name, const weft_val *args,
                         size_t nargs, weft_val *result, weft_error *err)
{
    weft_func *f = unit_func(fx->inst, name);
    if (!f) {
        CHECK(f != NULL);
        err->status = WEFT_NOT_FOUND;
        return WEFT_NOT_FOUND;
    }
    weft_val res[1];
    memset(res, 0, sizeof res);
    weft_status s = weft_func_call(fx->store, f, args, nargs, res,
                                   weft_func_type(f)->nresults, err);
    if (result)
        *result = res[0];
    return s;
}

/* Expects the named export to trap with kind, with the standard message
 * and no offset. */
static void expect_trap(fixture *fx, const char *name, const weft_val *args,
                        size_t nargs, weft_trap_kind kind, int line)
{
    weft_error err;
    weft_status s = call1(fx, name, args, nargs, NULL, &err);
    bool ok = s == WEFT_TRAP && err.status == WEFT_TRAP && err.trap == kind &&
              strcmp(err.message, weft_trap_message(kind)) == 0 &&
              err.offset == WEFT_NO_OFFSET;
    if (!ok)
        printf("  %s: got %s/%s \"%s\", want TRAP/%s\n", name, weft_status_name(s),
               weft_trap_name(err.trap), err.message, weft_trap_name(kind));
    unit_check(ok, __FILE__, line, name);
}

/* Expects the named export to return the i32 want. */
static void expect_i32(fixture *fx, const char *name, const weft_val *args,
                       size_t nargs, int32_t want, int line)
{
    weft_error err;
    weft_val r;
    weft_status s = call1(fx, name, args, nargs, &r, &err);
    bool ok = s == WEFT_OK && r.kind == WEFT_I32 && r.of.i32 == want;
    if (!ok)
        printf("  %s: got %s \"%s\" value %d, want %d\n", name, weft_status_name(s),
               err.message, r.of.i32, want);
    unit_check(ok, __FILE__, line, name);
}

#define TRAPS(name, kind, ...)                                                \
    do {                                                                      \
        weft_val a_[] = {__VA_ARGS__};                                        \
        expect_trap(&fx, name, a_, sizeof a_ / sizeof a_[0], kind, __LINE__);   \
    } while (0)
#define TRAPS0(name, kind) expect_trap(&fx, name, NULL, 0, kind, __LINE__)
#define RETURNS(name, want, ...)                                              \
    do {                                                                      \
        weft_val a_[] = {__VA_ARGS__};                                        \
        expect_i32(&fx, name, a_, sizeof a_ / sizeof a_[0], want, __LINE__);    \
    } while (0)
#define RETURNS0(name, want) expect_i32(&fx, name, NULL, 0, want, __LINE__)

static weft_val I32(int32_t v) { return weft_val_i32(v); }
static weft_val U32(uint32_t v) { return weft_val_i32((int32_t)v); }

static weft_val F32_BITS(uint32_t bits)
{
    weft_val v = weft_val_f32(0.0f);
    v.of.f32_bits = bits;
    return v;
}

static void test_arith_traps(void)
{
    fixture fx;
    if (!fixture_open(&fx, NULL)) {
        fixture_close(&fx);
        return;
    }
    TRAPS0("unreachable", WEFT_TRAP_UNREACHABLE);
    RETURNS0("forty_two", 42);

    RETURNS("div_s", -3, I32(7), I32(-2));
    TRAPS("div_s", WEFT_TRAP_DIV_BY_ZERO, I32(7), I32(0));
    TRAPS("div_s", WEFT_TRAP_INT_OVERFLOW, I32(INT32_MIN), I32(-1));
    RETURNS("div_s", INT32_MIN, I32(INT32_MIN), I32(1));
    TRAPS("div_u", WEFT_TRAP_DIV_BY_ZERO, I32(1), I32(0));
    RETURNS("div_u", 0x7fffffff, U32(0xffffffffu), I32(2));
    /* rem_s of INT_MIN by -1 is 0, not a trap; by zero it traps */
    RETURNS("rem_s", 0, I32(INT32_MIN), I32(-1));
    TRAPS("rem_s", WEFT_TRAP_DIV_BY_ZERO, I32(5), I32(0));

    {
        weft_val a[2] = {weft_val_i64(INT64_MIN), weft_val_i64(-1)};
        expect_trap(&fx, "div_s64", a, 2, WEFT_TRAP_INT_OVERFLOW, __LINE__);
        a[1] = weft_val_i64(0);
        expect_trap(&fx, "div_s64", a, 2, WEFT_TRAP_DIV_BY_ZERO, __LINE__);
        a[0] = weft_val_i64(-9);
        a[1] = weft_val_i64(2);
        weft_val r;
        weft_error err;
        weft_status s = call1(&fx, "div_s64", a, 2, &r, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        CHECK(r.kind == WEFT_I64);
        CHECK_EQ(r.of.i64, -4);
    }

    /* i32.trunc_f32_s: NaN is an invalid conversion, 3e9 overflows */
    TRAPS("trunc", WEFT_TRAP_INVALID_CONVERSION, F32_BITS(0x7fc00000u));
    TRAPS("trunc", WEFT_TRAP_INVALID_CONVERSION, F32_BITS(0xff800001u));
    TRAPS("trunc", WEFT_TRAP_INT_OVERFLOW, weft_val_f32(3e9f));
    TRAPS("trunc", WEFT_TRAP_INT_OVERFLOW, weft_val_f32(-2147483904.0f));
    RETURNS("trunc", INT32_MIN, weft_val_f32(-2147483648.0f));
    RETURNS("trunc", -7, weft_val_f32(-7.9f));
    fixture_close(&fx);
}

static void test_memory_traps(void)
{
    fixture fx;
    if (!fixture_open(&fx, NULL)) {
        fixture_close(&fx);
        return;
    }
    /* one page: the last valid i32 address is 65532 */
    RETURNS("load", 0, I32(65532));
    TRAPS("load", WEFT_TRAP_MEMORY_OOB, I32(65533));
    TRAPS("load", WEFT_TRAP_MEMORY_OOB, I32(65536));
    TRAPS("load", WEFT_TRAP_MEMORY_OOB, U32(0xffffffffu));
    /* addr + offset is computed without 32-bit wrap-around */
    RETURNS("load_off1", 0, I32(65531));
    TRAPS("load_off1", WEFT_TRAP_MEMORY_OOB, I32(65532));
    TRAPS("load_off1", WEFT_TRAP_MEMORY_OOB, U32(0xffffffffu));
    TRAPS("load_off1", WEFT_TRAP_MEMORY_OOB, U32(0xfffffffeu));

    {
        weft_val a[2] = {I32(65532), U32(0xa1b2c3d4u)};
        weft_error err;
        CHECK_STATUS(call1(&fx, "store", a, 2, NULL, &err), WEFT_OK, &err);
    }
    RETURNS("load", (int32_t)0xa1b2c3d4u, I32(65532));
    RETURNS("load_off1", (int32_t)0xa1b2c3d4u, I32(65531));
    /* a store that straddles the end traps and writes nothing */
    TRAPS("store", WEFT_TRAP_MEMORY_OOB, I32(65534), I32(0x11223344));
    RETURNS("load", (int32_t)0xa1b2c3d4u, I32(65532));
    TRAPS("store", WEFT_TRAP_MEMORY_OOB, I32(65536), I32(1));
    TRAPS("store", WEFT_TRAP_MEMORY_OOB, U32(0xffffffffu), I32(1));
    /* offset 0xFFFFFFFF: address 0 gives 0xFFFFFFFF, address 1 gives
     * 0x100000000, both far out of bounds */
    TRAPS("store_offmax", WEFT_TRAP_MEMORY_OOB, I32(0), I32(1));
    TRAPS("store_offmax", WEFT_TRAP_MEMORY_OOB, I32(1), I32(1));
    TRAPS("store_offmax", WEFT_TRAP_MEMORY_OOB, U32(0xffffffffu), I32(1));
    RETURNS("load", 0, I32(0));
    fixture_close(&fx);
}

static void test_indirect_traps(void)
{
    fixture fx;
    if (!fixture_open(&fx, NULL)) {
        fixture_close(&fx);
        return;
    }
    /* table: [0] = forty_two ([] -> [i32]), [1] = (i32) -> i32, [2] = null */
    RETURNS("call_ind", 42, I32(0));
    TRAPS("call_ind", WEFT_TRAP_INDIRECT_TYPE, I32(1));
    TRAPS("call_ind", WEFT_TRAP_UNINIT_ELEMENT, I32(2));
    TRAPS("call_ind", WEFT_TRAP_TABLE_OOB, I32(3));
    TRAPS("call_ind", WEFT_TRAP_TABLE_OOB, I32(-1));
    RETURNS("call_ind", 42, I32(0));
    fixture_close(&fx);
}

static void test_start_trap(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = unit_load(e, start_trap_wasm, sizeof start_trap_wasm,
                               "start_trap_wasm");
    weft_store *st = weft_store_new(e);
    if (m && st) {
        weft_instance *inst = (weft_instance *)1;
        weft_error err;
        weft_status s = weft_instance_new(st, m, NULL, 0, &inst, &err);
        CHECK_TRAP(s, &err, WEFT_TRAP_UNREACHABLE);
        CHECK(inst == NULL);
    }
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
}

static void test_stack_exhaustion_default(void)
{
    fixture fx;
    if (!fixture_open(&fx, NULL)) {
        fixture_close(&fx);
        return;
    }
    RETURNS("rec", 1000, I32(1000));
    /* one million nested calls exceed the default limits */
    TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(1000000));
    /* the store is still usable: other exports and recursion again */
    RETURNS0("forty_two", 42);
    RETURNS("rec", 5000, I32(5000));
    RETURNS("div_s", 4, I32(8), I32(2));
    TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(1000000));
    TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(1000000));
    /* rec(99999) uses exactly the default 100000 frames */
    RETURNS("rec", 99999, I32(99999));
    TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(100000));
    RETURNS0("forty_two", 42);
    fixture_close(&fx);
}

static void test_stack_exhaustion_small(void)
{
    /* a small frame limit */
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.stack_slots = 4096;
    cfg.max_call_depth = 100;
    fixture fx;
    if (fixture_open(&fx, &cfg)) {
        RETURNS("rec", 50, I32(50));
        TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(1000));
        TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(1000000));
        RETURNS0("forty_two", 42);
        /* rec(n) uses n + 1 wasm frames: 100 fit, 101 do not */
        RETURNS("rec", 99, I32(99));
        TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(100));
        TRAPS("unreachable", WEFT_TRAP_UNREACHABLE);
        RETURNS("rec", 10, I32(10));
    }
    fixture_close(&fx);

    /* a small value stack with a generous frame limit: the slot check
     * must trigger before the frame check */
    weft_config_default(&cfg);
    cfg.stack_slots = 256;
    cfg.max_call_depth = 100000;
    if (fixture_open(&fx, &cfg)) {
        RETURNS("rec", 10, I32(10));
        TRAPS("rec", WEFT_TRAP_STACK_EXHAUSTED, I32(100000));
        RETURNS0("forty_two", 42);
        RETURNS("rec", 10, I32(10));
    }
    fixture_close(&fx);
}

int main(void)
{
    test_arith_traps();
    test_memory_traps();
    test_indirect_traps();
    test_start_trap();
    test_stack_exhaustion_default();
    test_stack_exhaustion_small();
    return unit_finish();
}
