/*
 * test_oom.c - allocation failure handling. An allocator hook records every
 * live block with its size, checks the old_size weft passes back on every
 * free and reallocation, and can fail the Nth allocation. The whole
 * sequence (engine, module, store, linker, instantiate, call, delete) runs
 * with the failure injected at N = 1, 2, 3, ... until a run sees no
 * injected failure; every run must end cleanly with no live blocks.
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#include "unit_check.h"

/*
 * (module
 *   (type (;0;) (func (param i32)))
 *   (type (;1;) (func (param i32) (result i32)))
 *   (type (;2;) (func (result i32)))
 *   (import "env" "log" (func (;0;) (type 0)))
 *   (func (;1;) (type 1) (local i32)
 *     block
 *       loop
 *         local.get 0 i32.eqz br_if 1
 *         local.get 1 local.get 0 i32.add local.set 1
 *         local.get 0 i32.const 1 i32.sub local.set 0
 *         br 0
 *       end
 *     end
 *     local.get 1)
 *   (func (;2;) (type 1)
 *     local.get 0 i32.const 0 i32.lt_s
 *     if (result i32)
 *       i32.const 0
 *     else
 *       local.get 0 i32.const 2 i32.mul
 *     end)
 *   (func (;3;) (type 2)
 *     i32.const 10 call 1
 *     global.get 0 i32.add
 *     i32.const 0 i32.load8_u
 *     i32.add
 *     i32.const 3 i32.const 0 call_indirect (type 1)
 *     i32.add
 *     global.set 1
 *     global.get 1 call 0
 *     global.get 1)
 *   (table (;0;) 2 funcref)
 *   (memory (;0;) 1)
 *   (global (;0;) i32 (i32.const 100))
 *   (global (;1;) (mut i32) (i32.const 0))
 *   (export "run" (func 3))
 *   (elem (;0;) (i32.const 0) func 2 1)
 *   (data (;0;) (i32.const 0) "AB"))
 */
static const uint8_t oom_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x0e, 0x03,
    0x60, 0x01, 0x7f, 0x00,
    0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x01, 0x7f,
    /* import section */
    0x02, 0x0b, 0x01,
    0x03, 0x65, 0x6e, 0x76, 0x03, 0x6c, 0x6f, 0x67, 0x00, 0x00,
    /* function section */
    0x03, 0x04, 0x03, 0x01, 0x01, 0x02,
    /* table section */
    0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
    /* memory section */
    0x05, 0x03, 0x01, 0x00, 0x01,
    /* global section */
    0x06, 0x0c, 0x02,
    0x7f, 0x00, 0x41, 0xe4, 0x00, 0x0b,
    0x7f, 0x01, 0x41, 0x00, 0x0b,
    /* export section */
    0x07, 0x07, 0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x03,
    /* element section */
    0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x02, 0x01,
    /* code section */
    0x0a, 0x56, 0x03,
    0x21, 0x01, 0x01, 0x7f,
    0x02, 0x40, 0x03, 0x40,
    0x20, 0x00, 0x45, 0x0d, 0x01,
    0x20, 0x01, 0x20, 0x00, 0x6a, 0x21, 0x01,
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00,
    0x0c, 0x00, 0x0b, 0x0b,
    0x20, 0x01, 0x0b,
    0x12, 0x00,
    0x20, 0x00, 0x41, 0x00, 0x48,
    0x04, 0x7f, 0x41, 0x00,
    0x05, 0x20, 0x00, 0x41, 0x02, 0x6c,
    0x0b, 0x0b,
    0x1f, 0x00,
    0x41, 0x0a, 0x10, 0x01,
    0x23, 0x00, 0x6a,
    0x41, 0x00, 0x2d, 0x00, 0x00,
    0x6a,
    0x41, 0x03, 0x41, 0x00, 0x11, 0x01, 0x00,
    0x6a,
    0x24, 0x01,
    0x23, 0x01, 0x10, 0x00,
    0x23, 0x01, 0x0b,
    /* data section */
    0x0b, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x41, 0x42,
};

/* 10 + ... + 1, plus global 0, plus 'A', plus twice 3 */
#define RUN_RESULT (55 + 100 + 65 + 6)

/* ------------------------------------------------------------------ */
/* The counting allocator                                              */
/* ------------------------------------------------------------------ */

#define MAX_BLOCKS 4096
#define MAX_REPORTS 40

typedef struct block {
    void *ptr;
    size_t size;
} block;

typedef struct counting_alloc {
    block blocks[MAX_BLOCKS];
    size_t nblocks;          /* live blocks */
    size_t live_bytes;
    size_t peak_bytes;
    unsigned long allocs;    /* allocation events (new blocks and growth) */
    unsigned long fail_at;   /* fail this allocation event (0: never) */
    bool failed;             /* the injected failure happened */
    unsigned long size_mismatches;
    unsigned long unknown_frees;
    unsigned long table_full;
    int reports;
} counting_alloc;

static counting_alloc g_ca;

/* The API call in progress, for the allocator's reports. */
static const char *g_phase = "setup";

static block *find_block(counting_alloc *ca, void *p)
{
    for (size_t i = 0; i < ca->nblocks; i++)
        if (ca->blocks[i].ptr == p)
            return &ca->blocks[i];
    return NULL;
}

static void report(counting_alloc *ca, const char *what, size_t a, size_t b)
{
    if (ca->reports++ < MAX_REPORTS)
        printf("  allocator: in %s: %s %zu, %zu (after allocation #%lu, failing #%lu)\n",
               g_phase, what, a, b, ca->allocs, ca->fail_at);
}

/* Checks that p is live with size old_size; returns its entry or NULL. */
static block *check_old(counting_alloc *ca, void *p, size_t old_size)
{
    block *b = find_block(ca, p);
    if (!b) {
        ca->unknown_frees++;
        report(ca, "release of a pointer not allocated here: old_size, 0 =",
               old_size, 0);
        return NULL;
    }
    if (b->size != old_size) {
        ca->size_mismatches++;
        report(ca, "block released with the wrong old_size: allocated, passed =",
               b->size, old_size);
    }
    return b;
}

static void *counting_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting_alloc *ca = ud;
    if (new_size == 0) {
        if (!ptr)
            return NULL;
        block *b = check_old(ca, ptr, old_size);
        if (b) {
            ca->live_bytes -= b->size;
            *b = ca->blocks[--ca->nblocks];
        }
        free(ptr);
        return NULL;
    }
    ca->allocs++;
    if (ca->fail_at && ca->allocs == ca->fail_at) {
        ca->failed = true;
        return NULL;
    }
    if (!ptr) {
        if (old_size != 0)
            report(ca, "new block with a nonzero old_size: new_size, old_size =",
                   new_size, old_size);
        if (ca->nblocks == MAX_BLOCKS) {
            ca->table_full++;
            return NULL;
        }
        void *p = malloc(new_size);
        if (!p)
            return NULL;
        ca->blocks[ca->nblocks].ptr = p;
        ca->blocks[ca->nblocks].size = new_size;
        ca->nblocks++;
        ca->live_bytes += new_size;
        if (ca->live_bytes > ca->peak_bytes)
            ca->peak_bytes = ca->live_bytes;
        return p;
    }
    block *b = check_old(ca, ptr, old_size);
    void *p = realloc(ptr, new_size);
    if (!p)
        return NULL;
    if (b) {
        ca->live_bytes = ca->live_bytes - b->size + new_size;
        b->ptr = p;
        b->size = new_size;
        if (ca->live_bytes > ca->peak_bytes)
            ca->peak_bytes = ca->live_bytes;
    }
    return p;
}

static void ca_reset(counting_alloc *ca, unsigned long fail_at)
{
    /* blocks still live from an earlier run are leaks already reported;
     * forget them so each run is judged on its own */
    for (size_t i = 0; i < ca->nblocks; i++)
        free(ca->blocks[i].ptr);
    ca->nblocks = 0;
    ca->live_bytes = 0;
    ca->peak_bytes = 0;
    ca->allocs = 0;
    ca->fail_at = fail_at;
    ca->failed = false;
}

/* ------------------------------------------------------------------ */
/* One run of the whole sequence                                       */
/* ------------------------------------------------------------------ */

typedef struct run_result {
    bool completed;          /* every step succeeded */
    int32_t value;           /* result of "run" */
    int32_t logged;          /* value passed to the host */
    const char *failed_step; /* first step that failed, or NULL */
    weft_status status;      /* its status */
    weft_trap_kind trap;
    char message[WEFT_ERROR_MESSAGE_MAX];
    bool bad_failure;        /* a failure that is not a clean error */
} run_result;

static weft_trap_kind host_log(weft_caller *c, void *user, const weft_val *args,
                               weft_val *results)
{
    (void)c;
    (void)results;
    *(int32_t *)user = args[0].of.i32;
    return WEFT_TRAP_NONE;
}

/* A clean failure: NOMEM, reported the same way in the weft_error. */
static bool clean_failure(weft_status s, const weft_error *err)
{
    if (s == WEFT_NOMEM)
        return err == NULL || err->status == WEFT_NOMEM;
    return false;
}

static void fail_step(run_result *r, const char *step, weft_status s,
                      const weft_error *err, bool clean)
{
    if (r->failed_step)
        return;
    r->failed_step = step;
    r->status = s;
    r->trap = err ? err->trap : WEFT_TRAP_NONE;
    if (err)
        snprintf(r->message, sizeof r->message, "%s", err->message);
    if (!clean || (err && err->message[0] == '\0'))
        r->bad_failure = true;
}

static void run_sequence(run_result *r, size_t stack_slots)
{
    memset(r, 0, sizeof *r);
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.alloc = counting_realloc;
    cfg.alloc_ud = &g_ca;
    cfg.stack_slots = stack_slots;
    cfg.max_call_depth = 64;

    weft_engine *e = NULL;
    weft_module *m = NULL;
    weft_store *st = NULL;
    weft_linker *l = NULL;
    weft_instance *inst = NULL;
    weft_error err;
    weft_status s;

    g_phase = "weft_engine_new";
    e = weft_engine_new(&cfg);
    if (!e) {
        fail_step(r, "engine_new", WEFT_NOMEM, NULL, true);
        goto done;
    }
    g_phase = "weft_module_new";
    s = weft_module_new(e, oom_wasm, sizeof oom_wasm, &m, &err);
    if (s != WEFT_OK) {
        fail_step(r, "module_new", s, &err, clean_failure(s, &err) && m == NULL);
        goto done;
    }
    g_phase = "weft_store_new";
    st = weft_store_new(e);
    if (!st) {
        fail_step(r, "store_new", WEFT_NOMEM, NULL, true);
        goto done;
    }
    g_phase = "weft_linker_new";
    l = weft_linker_new(e);
    if (!l) {
        fail_step(r, "linker_new", WEFT_NOMEM, NULL, true);
        goto done;
    }
    g_phase = "weft_linker_define_func";
    s = weft_linker_define_func(l, st, "env", "log", "i:", host_log, &r->logged);
    if (s != WEFT_OK) {
        fail_step(r, "define_func", s, NULL, s == WEFT_NOMEM);
        goto done;
    }
    g_phase = "weft_linker_instantiate";
    s = weft_linker_instantiate(l, st, m, &inst, &err);
    if (s != WEFT_OK) {
        fail_step(r, "instantiate", s, &err, clean_failure(s, &err) && inst == NULL);
        goto done;
    }
    weft_extern x;
    if (!weft_instance_export(inst, "run", &x) || x.kind != WEFT_EXTERN_FUNC) {
        fail_step(r, "export", WEFT_NOT_FOUND, NULL, false);
        goto done;
    }
    weft_val v;
    memset(&v, 0, sizeof v);
    g_phase = "weft_func_call";
    s = weft_func_call(st, x.of.func, NULL, 0, &v, 1, &err);
    if (s != WEFT_OK) {
        fail_step(r, "call", s, &err, clean_failure(s, &err));
        goto done;
    }
    r->value = v.of.i32;
    /* a second call on the warmed-up store */
    s = weft_func_call(st, x.of.func, NULL, 0, &v, 1, &err);
    if (s != WEFT_OK || v.of.i32 != r->value) {
        fail_step(r, "second call", s, &err, false);
        goto done;
    }
    r->completed = true;
done:
    g_phase = "weft_linker_delete";
    weft_linker_delete(l);
    g_phase = "weft_store_delete";
    weft_store_delete(st);
    g_phase = "weft_module_delete";
    weft_module_delete(m);
    g_phase = "weft_engine_delete";
    weft_engine_delete(e);
    g_phase = "setup";
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* Without injected failures everything goes through the hook and comes
 * back. */
static void test_clean_run(void)
{
    ca_reset(&g_ca, 0);
    g_ca.size_mismatches = g_ca.unknown_frees = g_ca.table_full = 0;
    g_ca.reports = 0;
    run_result r;
    run_sequence(&r, 4096);
    if (r.failed_step)
        printf("  clean run failed in %s: %s \"%s\"\n", r.failed_step,
               weft_status_name(r.status), r.message);
    CHECK(r.completed);
    CHECK_EQ(r.value, RUN_RESULT);
    CHECK_EQ(r.logged, RUN_RESULT);
    CHECK(!g_ca.failed);
    CHECK(g_ca.allocs > 10);
    /* the value stack (4096 slots of 8 bytes) came from the hook */
    CHECK(g_ca.peak_bytes >= 4096 * 8);
    CHECK_EQ(g_ca.nblocks, 0);
    CHECK_EQ(g_ca.live_bytes, 0);
    CHECK_EQ(g_ca.unknown_frees, 0);
    CHECK_EQ(g_ca.table_full, 0);
    /* every release passed the size the block was allocated with */
    CHECK_EQ(g_ca.size_mismatches, 0);
}

/* The failure injected at every allocation in turn. */
static void test_injected_failures(void)
{
    g_ca.size_mismatches = g_ca.unknown_frees = g_ca.table_full = 0;
    g_ca.reports = MAX_REPORTS - 6;  /* the clean run listed them already */
    unsigned long n;
    unsigned long leaky_runs = 0, bad_runs = 0, runs = 0;
    unsigned long steps_seen[8] = {0};
    static const char *const steps[8] = {"engine_new", "module_new", "store_new",
                                         "linker_new", "define_func", "instantiate",
                                         "call", "second call"};
    for (n = 1; n < 100000; n++) {
        ca_reset(&g_ca, n);
        run_result r;
        run_sequence(&r, 4096);
        runs++;
        bool leaked = g_ca.nblocks != 0 || g_ca.live_bytes != 0;
        if (leaked && leaky_runs++ < 8)
            printf("  N=%lu: %zu blocks (%zu bytes) live after cleanup; failed in %s\n",
                   n, g_ca.nblocks, g_ca.live_bytes,
                   r.failed_step ? r.failed_step : "(nothing)");
        if (!g_ca.failed) {
            /* past the last allocation: this run must have completed */
            if (!r.completed)
                printf("  N=%lu: no failure injected but %s failed: %s \"%s\"\n", n,
                       r.failed_step ? r.failed_step : "?", weft_status_name(r.status),
                       r.message);
            CHECK(r.completed);
            CHECK_EQ(r.value, RUN_RESULT);
            break;
        }
        if (r.completed) {
            /* a failure absorbed somewhere (e.g. an optional trim); the
             * results must still be right */
            if (r.value != RUN_RESULT && bad_runs++ < 8)
                printf("  N=%lu: completed with %d\n", n, r.value);
            continue;
        }
        for (int k = 0; k < 8; k++)
            if (r.failed_step && strcmp(r.failed_step, steps[k]) == 0)
                steps_seen[k]++;
        if (r.bad_failure && bad_runs++ < 8)
            printf("  N=%lu: %s failed with %s/%s \"%s\" (not a clean NOMEM)\n", n,
                   r.failed_step, weft_status_name(r.status), weft_trap_name(r.trap),
                   r.message);
    }
    ca_reset(&g_ca, 0);
    printf("  %lu runs with injected failures; failures by step:", runs - 1);
    for (int k = 0; k < 8; k++)
        if (steps_seen[k])
            printf(" %s %lu", steps[k], steps_seen[k]);
    printf("\n");
    CHECK(runs > 20);
    CHECK(steps_seen[0] >= 1);   /* the engine's own block */
    CHECK(steps_seen[1] >= 5);   /* decoding and lowering */
    CHECK(steps_seen[5] >= 5);   /* instantiation */
    CHECK(steps_seen[6] >= 1);   /* the first call allocates the stacks */
    CHECK_EQ(leaky_runs, 0);
    CHECK_EQ(bad_runs, 0);
    CHECK_EQ(g_ca.unknown_frees, 0);
    CHECK_EQ(g_ca.table_full, 0);
    CHECK_EQ(g_ca.size_mismatches, 0);
}

/* A failed allocation of the value stack leaves the store usable once
 * memory is available again. */
static void test_stack_alloc_retry(void)
{
    ca_reset(&g_ca, 0);
    g_ca.size_mismatches = 0;
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.alloc = counting_realloc;
    cfg.alloc_ud = &g_ca;
    cfg.stack_slots = 1024;
    cfg.max_call_depth = 64;
    weft_engine *e = weft_engine_new(&cfg);
    weft_module *m = e ? unit_load(e, oom_wasm, sizeof oom_wasm, "oom_wasm") : NULL;
    weft_store *st = m ? weft_store_new(e) : NULL;
    weft_linker *l = st ? weft_linker_new(e) : NULL;
    int32_t logged = 0;
    weft_instance *inst = NULL;
    weft_error err;
    if (l && weft_linker_define_func(l, st, "env", "log", "i:", host_log, &logged) == WEFT_OK)
        CHECK_STATUS(weft_linker_instantiate(l, st, m, &inst, &err), WEFT_OK, &err);
    weft_func *run = inst ? unit_func(inst, "run") : NULL;
    CHECK(run != NULL);
    if (run) {
        weft_val v;
        g_ca.fail_at = g_ca.allocs + 1;
        weft_status s = weft_func_call(st, run, NULL, 0, &v, 1, &err);
        CHECK_STATUS(s, WEFT_NOMEM, &err);
        CHECK(err.message[0] != '\0');
        g_ca.fail_at = g_ca.allocs + 2;  /* the frame records this time */
        s = weft_func_call(st, run, NULL, 0, &v, 1, &err);
        CHECK_STATUS(s, WEFT_NOMEM, &err);
        g_ca.fail_at = 0;
        s = weft_func_call(st, run, NULL, 0, &v, 1, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        CHECK_EQ(v.of.i32, RUN_RESULT);
        CHECK_EQ(logged, RUN_RESULT);
    }
    weft_linker_delete(l);
    weft_store_delete(st);
    weft_module_delete(m);
    weft_engine_delete(e);
    CHECK_EQ(g_ca.nblocks, 0);
    CHECK_EQ(g_ca.live_bytes, 0);
    CHECK_EQ(g_ca.size_mismatches, 0);
}

/* Memory growth that the allocator refuses returns -1 / false and
 * changes nothing. */
static void test_grow_failure(void)
{
    ca_reset(&g_ca, 0);
    g_ca.size_mismatches = 0;
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.alloc = counting_realloc;
    cfg.alloc_ud = &g_ca;
    weft_engine *e = weft_engine_new(&cfg);
    weft_store *st = e ? weft_store_new(e) : NULL;
    weft_memory *mem = st ? weft_memory_new(st, (weft_limits){1, 10, true}) : NULL;
    CHECK(mem != NULL);
    if (mem) {
        weft_memory_data(mem)[7] = 42;
        g_ca.fail_at = g_ca.allocs + 1;
        uint64_t old = 99;
        CHECK(!weft_memory_grow(mem, 1, &old));
        CHECK_EQ(old, 99);
        CHECK_EQ(weft_memory_pages(mem), 1);
        CHECK_EQ(weft_memory_data(mem)[7], 42);
        g_ca.fail_at = 0;
        CHECK(weft_memory_grow(mem, 2, &old));
        CHECK_EQ(old, 1);
        CHECK_EQ(weft_memory_pages(mem), 3);
        CHECK_EQ(weft_memory_data(mem)[7], 42);
    }
    weft_store_delete(st);
    weft_engine_delete(e);
    CHECK_EQ(g_ca.nblocks, 0);
    CHECK_EQ(g_ca.live_bytes, 0);
    CHECK_EQ(g_ca.size_mismatches, 0);
}

int main(void)
{
    test_clean_run();
    test_injected_failures();
    test_stack_alloc_retry();
    test_grow_failure();
    return unit_finish();
}
