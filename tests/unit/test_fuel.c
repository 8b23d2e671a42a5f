/*
 * test_fuel.c - fuel metering, suspension, resumption, abandonment and
 * interrupts. Prints "N passed, N failed" last; exits non-zero on any
 * failure.
 */
#include "unit_check.h"

/*
 * (module
 *   (type (;0;) (func))
 *   (type (;1;) (func (param i32) (result i32)))
 *   (type (;2;) (func (result i32)))
 *   (import "env" "poke" (func (;0;) (type 0)))
 *   (func (;1;) (type 0)
 *     loop
 *       br 0
 *     end)
 *   (func (;2;) (type 1) (local i32)
 *     block
 *       loop
 *         local.get 0 i32.eqz br_if 1
 *         local.get 1 local.get 0 i32.add local.set 1
 *         local.get 0 i32.const 1 i32.sub local.set 0
 *         br 0
 *       end
 *     end
 *     local.get 1)
 *   (func (;3;) (type 2) i32.const 7)
 *   (func (;4;) (type 1) (local i32)
 *     block
 *       loop
 *         local.get 1 local.get 0 i32.ge_u br_if 1
 *         call 0
 *         local.get 1 i32.const 1 i32.add local.set 1
 *         br 0
 *       end
 *     end
 *     local.get 1)
 *   (func (;5;) (type 1) local.get 0 call 2)
 *   (export "spin" (func 1))
 *   (export "sum" (func 2))
 *   (export "seven" (func 3))
 *   (export "poke_loop" (func 4))
 *   (export "call_sum" (func 5)))
 */
static const uint8_t fuel_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x0d, 0x03,
    0x60, 0x00, 0x00,
    0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f,
    /* import section */
    0x02, 0x0c, 0x01,
    0x03, 0x65, 0x6e, 0x76, 0x04, 0x70, 0x6f, 0x6b, 0x65, 0x00, 0x00,
    /* function section */
    0x03, 0x06, 0x05, 0x00, 0x01, 0x02, 0x01, 0x01,
    /* export section */
    0x07, 0x2d, 0x05,
    0x04, 0x73, 0x70, 0x69, 0x6e, 0x00, 0x01,
    0x03, 0x73, 0x75, 0x6d, 0x00, 0x02,
    0x05, 0x73, 0x65, 0x76, 0x65, 0x6e, 0x00, 0x03,
    0x09, 0x70, 0x6f, 0x6b, 0x65, 0x5f, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x04,
    0x08, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x73, 0x75, 0x6d, 0x00, 0x05,
    /* code section */
    0x0a, 0x56, 0x05,
    /* spin */
    0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b,
    /* sum */
    0x21, 0x01, 0x01, 0x7f,
    0x02, 0x40, 0x03, 0x40,
    0x20, 0x00, 0x45, 0x0d, 0x01,
    0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01,
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00,
    0x0c, 0x00, 0x0b, 0x0b,
    0x20, 0x01, 0x0b,
    /* seven */
    0x04, 0x00, 0x41, 0x07, 0x0b,
    /* poke_loop */
    0x1e, 0x01, 0x01, 0x7f,
    0x02, 0x40, 0x03, 0x40,
    0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01,
    0x10, 0x00,
    0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01,
    0x0c, 0x00, 0x0b, 0x0b,
    0x20, 0x01, 0x0b,
    /* call_sum */
    0x06, 0x00, 0x20, 0x00, 0x10, 0x02, 0x0b,
};

/* State of the "poke" host function: it counts its calls and interrupts
 * the store on call number `trigger` (0: never). */
typedef struct poke_state {
    int calls;
    int trigger;
    bool spin;                   /* re-enter "spin" on every call */
    weft_status spin_status;     /* what that nested call returned */
    weft_trap_kind spin_trap;
} poke_state;

static weft_trap_kind poke(weft_caller *c, void *user, const weft_val *args,
                           weft_val *results)
{
    (void)args;
    (void)results;
    poke_state *ps = user;
    ps->calls++;
    if (ps->calls == ps->trigger)
        weft_store_interrupt(weft_caller_store(c));
    if (ps->spin) {
        weft_extern x;
        weft_error err;
        if (!weft_caller_export(c, "spin", &x))
            return weft_caller_trap(c, WEFT_TRAP_HOST, "no spin export");
        ps->spin_status = weft_func_call(weft_caller_store(c), x.of.func, NULL, 0,
                                         NULL, 0, &err);
        ps->spin_trap = err.trap;
        if (ps->spin_status != WEFT_OK)
            return weft_caller_trap(c, err.trap, err.message);
    }
    return WEFT_TRAP_NONE;
}

typedef struct fixture {
    weft_engine *engine;
    weft_module *module;
    weft_store *store;
    weft_linker *linker;
    weft_instance *inst;
    poke_state poke;
    weft_func *spin, *sum, *seven, *poke_loop, *call_sum;
} fixture;

static bool fixture_open(fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->engine = weft_engine_new(NULL);
    CHECK(fx->engine != NULL);
    if (!fx->engine)
        return false;
    fx->module = unit_load(fx->engine, fuel_wasm, sizeof fuel_wasm, "fuel_wasm");
    fx->store = weft_store_new(fx->engine);
    fx->linker = weft_linker_new(fx->engine);
    if (!fx->module || !fx->store || !fx->linker)
        return false;
    CHECK_EQ(weft_linker_define_func(fx->linker, fx->store, "env", "poke", ":", poke,
                                     &fx->poke),
             WEFT_OK);
    weft_error err;
    weft_status s = weft_linker_instantiate(fx->linker, fx->store, fx->module,
                                            &fx->inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    if (s != WEFT_OK)
        return false;
    fx->spin = unit_func(fx->inst, "spin");
    fx->sum = unit_func(fx->inst, "sum");
    fx->seven = unit_func(fx->inst, "seven");
    fx->poke_loop = unit_func(fx->inst, "poke_loop");
    fx->call_sum = unit_func(fx->inst, "call_sum");
    return fx->spin && fx->sum && fx->seven && fx->poke_loop && fx->call_sum;
}

static void fixture_close(fixture *fx)
{
    weft_linker_delete(fx->linker);
    weft_store_delete(fx->store);
    weft_module_delete(fx->module);
    weft_engine_delete(fx->engine);
}

static weft_status call_i32(fixture *fx, weft_func *f, int32_t arg, weft_val *res,
                            weft_error *err)
{
    weft_val a = weft_val_i32(arg);
    memset(res, 0, sizeof *res);
    return weft_func_call(fx->store, f, &a, 1, res, 1, err);
}

/* (loop br 0) with limited fuel: suspends, resumes, suspends again, is
 * abandoned, and the store runs other calls afterwards. */
static void test_spin(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    CHECK(!weft_store_is_suspended(fx.store));
    CHECK_EQ(weft_store_set_fuel(fx.store, 1000), WEFT_OK);
    CHECK_EQ(weft_store_get_fuel(fx.store), 1000);

    weft_status s = weft_func_call(fx.store, fx.spin, NULL, 0, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.status, WEFT_SUSPENDED);
    CHECK_EQ(err.trap, WEFT_TRAP_OUT_OF_FUEL);
    CHECK(err.message[0] != '\0');
    CHECK(weft_store_is_suspended(fx.store));
    CHECK_EQ(weft_store_get_fuel(fx.store), 0);

    /* a new call while suspended is refused and changes nothing */
    weft_val r;
    s = weft_func_call(fx.store, fx.seven, NULL, 0, &r, 1, &err);
    CHECK_STATUS(s, WEFT_ARG, &err);
    CHECK(weft_store_is_suspended(fx.store));

    /* resuming without fuel suspends at once; with fuel, after using it */
    s = weft_store_resume(fx.store, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_OUT_OF_FUEL);
    CHECK_EQ(weft_store_set_fuel(fx.store, 500), WEFT_OK);
    s = weft_store_resume(fx.store, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_OUT_OF_FUEL);
    CHECK(weft_store_is_suspended(fx.store));
    CHECK_EQ(weft_store_get_fuel(fx.store), 0);

    weft_store_abandon(fx.store);
    CHECK(!weft_store_is_suspended(fx.store));
    /* nothing left to resume */
    s = weft_store_resume(fx.store, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_ARG, &err);

    CHECK_EQ(weft_store_set_fuel(fx.store, 100000), WEFT_OK);
    s = weft_func_call(fx.store, fx.seven, NULL, 0, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 7);
    s = call_i32(&fx, fx.sum, 100, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 5050);

    /* spin again, abandon again, then run with unlimited fuel */
    CHECK_EQ(weft_store_set_fuel(fx.store, 10), WEFT_OK);
    s = weft_func_call(fx.store, fx.spin, NULL, 0, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    weft_store_abandon(fx.store);
    weft_store_unlimited_fuel(fx.store);
    s = call_i32(&fx, fx.sum, 2000, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 2001000);
    fixture_close(&fx);
}

/* A computation suspended for lack of fuel finishes with the right value
 * once it gets more. */
static void test_resume_result(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;
    CHECK_EQ(weft_store_set_fuel(fx.store, 100), WEFT_OK);
    weft_status s = call_i32(&fx, fx.sum, 1000, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_OUT_OF_FUEL);
    CHECK(weft_store_is_suspended(fx.store));

    /* room for fewer results than the call returns is refused */
    CHECK_EQ(weft_store_set_fuel(fx.store, 1000000), WEFT_OK);
    s = weft_store_resume(fx.store, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_ARG, &err);
    CHECK(weft_store_is_suspended(fx.store));

    memset(&r, 0, sizeof r);
    s = weft_store_resume(fx.store, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK(!weft_store_is_suspended(fx.store));
    CHECK_EQ(r.kind, WEFT_I32);
    CHECK_EQ(r.of.i32, 500500);

    /* several suspensions in a row, through a call: each resume with a
     * little fuel makes progress until the result comes out */
    CHECK_EQ(weft_store_set_fuel(fx.store, 50), WEFT_OK);
    s = call_i32(&fx, fx.call_sum, 300, &r, &err);
    int suspensions = 0;
    while (s == WEFT_SUSPENDED && suspensions < 100) {
        suspensions++;
        CHECK_EQ(err.trap, WEFT_TRAP_OUT_OF_FUEL);
        weft_store_set_fuel(fx.store, 50);
        s = weft_store_resume(fx.store, &r, 1, &err);
    }
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 45150);
    CHECK(suspensions >= 5 && suspensions <= 7);

    /* the store works normally afterwards */
    weft_store_unlimited_fuel(fx.store);
    s = weft_func_call(fx.store, fx.seven, NULL, 0, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 7);
    fixture_close(&fx);
}

/* The same call with the same fuel leaves the same fuel. */
static void test_deterministic(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;
    uint64_t left[3];
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(weft_store_set_fuel(fx.store, 10000), WEFT_OK);
        weft_status s = call_i32(&fx, fx.sum, 1000, &r, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        CHECK_EQ(r.of.i32, 500500);
        left[i] = weft_store_get_fuel(fx.store);
    }
    CHECK_EQ(left[0], left[1]);
    CHECK_EQ(left[1], left[2]);
    /* one unit per loop iteration: 1000 iterations plus the exit test */
    CHECK(10000 - left[0] >= 1000 && 10000 - left[0] <= 1002);

    /* the call through call_sum costs the callee's loop plus the call */
    uint64_t via_call[2];
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(weft_store_set_fuel(fx.store, 10000), WEFT_OK);
        weft_status s = call_i32(&fx, fx.call_sum, 1000, &r, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        CHECK_EQ(r.of.i32, 500500);
        via_call[i] = weft_store_get_fuel(fx.store);
    }
    CHECK_EQ(via_call[0], via_call[1]);
    CHECK_EQ(left[0] - via_call[0], 1);
    fixture_close(&fx);
}

/* Suspending does not change the cost of a computation: 400 units, a
 * suspension, then 9600 more leave what 10000 at once leave. */
static void test_suspended_run_costs_the_same(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;
    CHECK_EQ(weft_store_set_fuel(fx.store, 10000), WEFT_OK);
    weft_status s = call_i32(&fx, fx.sum, 1000, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    uint64_t direct = weft_store_get_fuel(fx.store);

    CHECK_EQ(weft_store_set_fuel(fx.store, 400), WEFT_OK);
    s = call_i32(&fx, fx.sum, 1000, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(weft_store_get_fuel(fx.store), 0);
    CHECK_EQ(weft_store_set_fuel(fx.store, 10000 - 400), WEFT_OK);
    s = weft_store_resume(fx.store, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 500500);
    CHECK_EQ(weft_store_get_fuel(fx.store), direct);

    /* many small refills: still the same total */
    uint64_t given = 0;
    CHECK_EQ(weft_store_set_fuel(fx.store, 7), WEFT_OK);
    given += 7;
    s = call_i32(&fx, fx.sum, 1000, &r, &err);
    while (s == WEFT_SUSPENDED && given < 20000) {
        CHECK_EQ(weft_store_set_fuel(fx.store, 7), WEFT_OK);
        given += 7;
        s = weft_store_resume(fx.store, &r, 1, &err);
    }
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 500500);
    CHECK_EQ(given - weft_store_get_fuel(fx.store), 10000 - direct);

    /* the same for a call: with no fuel, call_sum suspends at its call
     * to sum; the call must still be paid for once resumed */
    CHECK_EQ(weft_store_set_fuel(fx.store, 1000), WEFT_OK);
    s = call_i32(&fx, fx.call_sum, 10, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    uint64_t direct_call = weft_store_get_fuel(fx.store);
    CHECK_EQ(weft_store_set_fuel(fx.store, 0), WEFT_OK);
    s = call_i32(&fx, fx.call_sum, 10, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(weft_store_set_fuel(fx.store, 1000), WEFT_OK);
    s = weft_store_resume(fx.store, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 55);
    CHECK_EQ(weft_store_get_fuel(fx.store), direct_call);
    fixture_close(&fx);
}

/* A host function that interrupts the store, called inside a loop. */
static void test_interrupt(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;

    /* without an interrupt the loop runs to the end */
    fx.poke.trigger = 0;
    weft_status s = call_i32(&fx, fx.poke_loop, 10, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 10);
    CHECK_EQ(fx.poke.calls, 10);

    /* interrupted on the third call: suspended with INTERRUPTED */
    fx.poke.calls = 0;
    fx.poke.trigger = 3;
    s = call_i32(&fx, fx.poke_loop, 10, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_INTERRUPTED);
    CHECK(weft_store_is_suspended(fx.store));
    CHECK_EQ(fx.poke.calls, 3);

    /* abandoning it leaves the store usable */
    weft_store_abandon(fx.store);
    CHECK(!weft_store_is_suspended(fx.store));
    fx.poke.calls = 0;
    fx.poke.trigger = 0;
    s = call_i32(&fx, fx.poke_loop, 5, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 5);
    CHECK_EQ(fx.poke.calls, 5);
    s = call_i32(&fx, fx.sum, 10, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 55);

    /* the interrupt also works with limited fuel, and reports
     * INTERRUPTED rather than OUT_OF_FUEL */
    CHECK_EQ(weft_store_set_fuel(fx.store, 1000), WEFT_OK);
    fx.poke.calls = 0;
    fx.poke.trigger = 2;
    s = call_i32(&fx, fx.poke_loop, 10, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_INTERRUPTED);
    weft_store_abandon(fx.store);
    weft_store_unlimited_fuel(fx.store);
    fixture_close(&fx);
}

/* weft.h: weft_store_resume "continues a suspended call (after
 * weft_store_set_fuel, or once the interrupt has been handled)". An
 * interrupted call whose host does not interrupt again must run to the
 * end when resumed. */
static void test_resume_after_interrupt_completes(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;
    fx.poke.trigger = 3;
    weft_status s = call_i32(&fx, fx.poke_loop, 10, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_INTERRUPTED);
    CHECK_EQ(fx.poke.calls, 3);

    memset(&r, 0, sizeof r);
    s = weft_store_resume(fx.store, &r, 1, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 10);
    CHECK_EQ(fx.poke.calls, 10);
    CHECK(!weft_store_is_suspended(fx.store));
    if (s == WEFT_SUSPENDED) {
        /* how far further resumes get */
        int tries = 1;
        while (s == WEFT_SUSPENDED && tries < 5) {
            s = weft_store_resume(fx.store, &r, 1, &err);
            tries++;
        }
        printf("  after %d resumes: %s/%s, %d of 10 host calls made\n", tries,
               weft_status_name(s), weft_trap_name(err.trap), fx.poke.calls);
    }
    if (weft_store_is_suspended(fx.store))
        weft_store_abandon(fx.store);
    fixture_close(&fx);
}

/* Fuel running out in wasm re-entered from a host function is a trap, not
 * a suspension: only calls made directly by the embedder suspend. */
static void test_nested_out_of_fuel(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;
    fx.poke.spin = true;
    CHECK_EQ(weft_store_set_fuel(fx.store, 500), WEFT_OK);
    weft_status s = call_i32(&fx, fx.poke_loop, 3, &r, &err);
    CHECK_EQ(fx.poke.calls, 1);
    CHECK_EQ(fx.poke.spin_status, WEFT_TRAP);
    CHECK_EQ(fx.poke.spin_trap, WEFT_TRAP_OUT_OF_FUEL);
    CHECK_TRAP(s, &err, WEFT_TRAP_OUT_OF_FUEL);
    CHECK(!weft_store_is_suspended(fx.store));
    /* the store runs other calls */
    fx.poke.spin = false;
    CHECK_EQ(weft_store_set_fuel(fx.store, 500), WEFT_OK);
    s = call_i32(&fx, fx.sum, 20, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 210);
    fixture_close(&fx);
}

/* Abandoning a call suspended inside a callee, and deleting a store that
 * still holds a suspended call. */
static void test_abandon_nested_and_delete(void)
{
    fixture fx;
    if (!fixture_open(&fx)) {
        fixture_close(&fx);
        return;
    }
    weft_error err;
    weft_val r;
    CHECK_EQ(weft_store_set_fuel(fx.store, 100), WEFT_OK);
    weft_status s = call_i32(&fx, fx.call_sum, 1000, &r, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    weft_store_abandon(fx.store);
    CHECK(!weft_store_is_suspended(fx.store));
    /* again and again: nothing accumulates */
    for (int i = 0; i < 1000; i++) {
        weft_store_set_fuel(fx.store, 100);
        s = call_i32(&fx, fx.call_sum, 1000, &r, &err);
        if (s != WEFT_SUSPENDED)
            break;
        weft_store_abandon(fx.store);
    }
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    weft_store_abandon(fx.store);
    weft_store_unlimited_fuel(fx.store);
    s = call_i32(&fx, fx.call_sum, 1000, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    CHECK_EQ(r.of.i32, 500500);

    /* leave one suspended: the store is deleted with it */
    CHECK_EQ(weft_store_set_fuel(fx.store, 10), WEFT_OK);
    s = weft_func_call(fx.store, fx.spin, NULL, 0, NULL, 0, &err);
    CHECK_STATUS(s, WEFT_SUSPENDED, &err);
    fixture_close(&fx);
}

int main(void)
{
    {
        weft_engine *e = weft_engine_new(NULL);
        weft_store *st = weft_store_new(e);
        weft_status s = weft_store_set_fuel(st, 1);
        weft_store_delete(st);
        weft_engine_delete(e);
        if (s == WEFT_UNSUPPORTED) {
            printf("fuel is compiled out (WEFT_FUEL=0): nothing to test\n");
            return unit_finish();
        }
        CHECK_EQ(s, WEFT_OK);
    }
    test_spin();
    test_resume_result();
    test_deterministic();
    test_suspended_run_costs_the_same();
    test_interrupt();
    test_nested_out_of_fuel();
    test_abandon_nested_and_delete();
    test_resume_after_interrupt_completes();
    return unit_finish();
}
