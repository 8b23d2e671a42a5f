/*
 * test_malformed.c - malformed and invalid binaries. A table of broken
 * modules, each with the exact status and byte offset weft must report;
 * then every truncation, every single-byte flip and a fixed series of
 * random byte replacements of valid modules, for which weft_module_new
 * must never crash and must either accept the bytes or fail with a
 * status, an offset inside the input and a message. Mutants that still
 * load are instantiated and their exports called under a fuel limit.
 * Meant to run under ASan+UBSan too.
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#include "unit_check.h"

#define HDR 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00

/* (type (func)) at offsets 8..13 */
#define TYPE_VOID 0x01, 0x04, 0x01, 0x60, 0x00, 0x00
/* (func (type 0)) declared, at offsets 14..17 after TYPE_VOID */
#define FUNC_1 0x03, 0x02, 0x01, 0x00

typedef struct bad_case {
    const char *name;
    const uint8_t *bytes;
    size_t len;
    weft_status status;
    size_t offset;
} bad_case;

/* magic "\0asn": offset 0 */
static const uint8_t m_bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
/* version 2: the version field starts at offset 4 */
static const uint8_t m_bad_version[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
/* only three bytes of magic: offset 0 */
static const uint8_t m_short_magic[] = {0x00, 0x61, 0x73};
/* magic and half a version: offset 4 */
static const uint8_t m_short_version[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00};
/* type section of size 5 with 3 bytes left in the file: the section's
 * contents would start at offset 10 */
static const uint8_t m_section_past_end[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x00};
/* type section of size 3: count 1 (10), form 0x60 (11), one parameter
 * (12), then the section ends where the parameter type should be: 13 */
static const uint8_t m_truncated_section[] = {HDR, 0x01, 0x03, 0x01, 0x60, 0x01};
/* type section declares 5 bytes, its contents use 4 (10..13): the decoder
 * stops at 14 with one byte of the section left */
static const uint8_t m_size_mismatch[] = {HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00};
/* type count as a 6-byte LEB128 (a u32 takes at most 5): the number
 * starts at 10 */
static const uint8_t m_overlong_leb[] = {HDR, 0x01, 0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
/* type count 0xffffffff with unused bits set in the fifth byte: 10 */
static const uint8_t m_leb_too_large[] = {HDR, 0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x7f};
/* code: count (20), body size 3 (21), no locals (22), opcode 0x27 (23) */
static const uint8_t m_unknown_opcode[] = {HDR, TYPE_VOID, FUNC_1,
                                           0x0a, 0x05, 0x01, 0x03, 0x00, 0x27, 0x0b};
/* as above with 0xff at 23 */
static const uint8_t m_unknown_opcode_ff[] = {HDR, TYPE_VOID, FUNC_1,
                                              0x0a, 0x05, 0x01, 0x03, 0x00, 0xff, 0x0b};
/* 0xfc prefix with sub-opcode 127: the instruction starts at 23 */
static const uint8_t m_unknown_fc[] = {HDR, TYPE_VOID, FUNC_1,
                                       0x0a, 0x06, 0x01, 0x04, 0x00, 0xfc, 0x7f, 0x0b};
/* (func (result i32) i32.const 1 i64.const 2 i32.add): type section
 * 8..14, function section 15..18, code 19.., body from 23: locals (23),
 * i32.const 1 (24, 25), i64.const 2 (26, 27), i32.add at 28 */
static const uint8_t m_type_mismatch[] = {
    HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, FUNC_1,
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x41, 0x01, 0x42, 0x02, 0x6a, 0x0b};
/* (func (result i32) i64.const 0): the wrong result is found at the
 * body's end opcode, 26 */
static const uint8_t m_type_mismatch_end[] = {
    HDR, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, FUNC_1,
    0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
/* (func (param i32) (local i64) local.get 2 drop): type section 8..14,
 * function section 15..18, code 19..: locals 23..25, local.get at 26,
 * its index at 27 */
static const uint8_t m_unknown_local[] = {
    HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, FUNC_1,
    0x0a, 0x09, 0x01, 0x07, 0x01, 0x01, 0x7e, 0x20, 0x02, 0x1a, 0x0b};
/* (func local.get 0 drop) with no locals at all: the index is at 24 */
static const uint8_t m_unknown_local0[] = {HDR, TYPE_VOID, FUNC_1,
                                           0x0a, 0x07, 0x01, 0x05, 0x00, 0x20, 0x00, 0x1a, 0x0b};
/* two exports named "a": export section 18.., count (20), first export
 * 21..24, the second one's name starts at 25 */
static const uint8_t m_duplicate_export[] = {
    HDR, TYPE_VOID, FUNC_1,
    0x07, 0x09, 0x02, 0x01, 0x61, 0x00, 0x00, 0x01, 0x61, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* function section declares 2 functions (14..18), the code section has 1:
 * its count is at 21 */
static const uint8_t m_func_code_mismatch[] = {
    HDR, TYPE_VOID, 0x03, 0x03, 0x02, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* one function declared and no code section: reported at the end, 18 */
static const uint8_t m_func_without_code[] = {HDR, TYPE_VOID, FUNC_1};
/* a code section (14..) without function section: its count is at 16 */
static const uint8_t m_code_without_func[] = {HDR, TYPE_VOID,
                                              0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* section id 14 does not exist: 8 */
static const uint8_t m_unknown_section[] = {HDR, 0x0e, 0x00};
/* an empty function section (8..10) before the type section (11) */
static const uint8_t m_out_of_order[] = {HDR, 0x03, 0x01, 0x00, 0x01, 0x01, 0x00};
/* two type sections: the second starts at 11 */
static const uint8_t m_duplicate_section[] = {HDR, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00};
/* an export name of one byte 0xff (not UTF-8) at 22 */
static const uint8_t m_bad_utf8[] = {
    HDR, TYPE_VOID, FUNC_1,
    0x07, 0x05, 0x01, 0x01, 0xff, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* (func br 1): one label only; the depth immediate is at 24 */
static const uint8_t m_unknown_label[] = {HDR, TYPE_VOID, FUNC_1,
                                          0x0a, 0x06, 0x01, 0x04, 0x00, 0x0c, 0x01, 0x0b};
/* export of function 5 of 1: the index is at 24 */
static const uint8_t m_export_unknown_func[] = {
    HDR, TYPE_VOID, FUNC_1,
    0x07, 0x05, 0x01, 0x01, 0x61, 0x00, 0x05,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* (memory 2 1): the limits start at 11 */
static const uint8_t m_memory_min_gt_max[] = {HDR, 0x05, 0x04, 0x01, 0x01, 0x02, 0x01};
/* global.set of an immutable global: global section 18..25, code 26..,
 * body 30..: i32.const 1 (31), global.set at 33 */
static const uint8_t m_set_immutable[] = {
    HDR, TYPE_VOID, FUNC_1,
    0x06, 0x06, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x0b,
    0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x01, 0x24, 0x00, 0x0b};
/* body without its end: i32.const 0 at 23, 24 and the body ends at 25 */
static const uint8_t m_missing_end[] = {HDR, TYPE_VOID, FUNC_1,
                                        0x0a, 0x05, 0x01, 0x03, 0x00, 0x41, 0x00};
/* i32.load without a memory: the load is at 25 */
static const uint8_t m_load_no_memory[] = {
    HDR, TYPE_VOID, FUNC_1,
    0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b};

#define CASE(arr, st, off) {#arr, arr, sizeof arr, st, off}

static const bad_case bad_cases[] = {
    {"m_empty", m_bad_magic, 0, WEFT_MALFORMED, 0},
    CASE(m_bad_magic, WEFT_MALFORMED, 0),
    CASE(m_bad_version, WEFT_MALFORMED, 4),
    CASE(m_short_magic, WEFT_MALFORMED, 0),
    CASE(m_short_version, WEFT_MALFORMED, 4),
    CASE(m_section_past_end, WEFT_MALFORMED, 10),
    CASE(m_truncated_section, WEFT_MALFORMED, 13),
    CASE(m_size_mismatch, WEFT_MALFORMED, 14),
    CASE(m_overlong_leb, WEFT_MALFORMED, 10),
    CASE(m_leb_too_large, WEFT_MALFORMED, 10),
    CASE(m_unknown_opcode, WEFT_MALFORMED, 23),
    CASE(m_unknown_opcode_ff, WEFT_MALFORMED, 23),
    CASE(m_unknown_fc, WEFT_MALFORMED, 23),
    CASE(m_type_mismatch, WEFT_INVALID, 28),
    CASE(m_type_mismatch_end, WEFT_INVALID, 26),
    CASE(m_unknown_local, WEFT_INVALID, 27),
    CASE(m_unknown_local0, WEFT_INVALID, 24),
    CASE(m_duplicate_export, WEFT_INVALID, 25),
    CASE(m_func_code_mismatch, WEFT_MALFORMED, 21),
    CASE(m_func_without_code, WEFT_MALFORMED, 18),
    CASE(m_code_without_func, WEFT_MALFORMED, 16),
    CASE(m_unknown_section, WEFT_MALFORMED, 8),
    CASE(m_out_of_order, WEFT_MALFORMED, 11),
    CASE(m_duplicate_section, WEFT_MALFORMED, 11),
    CASE(m_bad_utf8, WEFT_MALFORMED, 22),
    CASE(m_unknown_label, WEFT_INVALID, 24),
    CASE(m_export_unknown_func, WEFT_INVALID, 24),
    CASE(m_memory_min_gt_max, WEFT_INVALID, 11),
    CASE(m_set_immutable, WEFT_INVALID, 33),
    CASE(m_missing_end, WEFT_MALFORMED, 25),
    CASE(m_load_no_memory, WEFT_INVALID, 25),
};

/* Valid counterparts of some cases above, to show the cases are broken
 * only where they are meant to be. */
/* (module (type (func)) (func)) */
static const uint8_t m_ok_minimal[] = {HDR, TYPE_VOID, FUNC_1,
                                       0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
/* (func (param i32) (local i64) local.get 1 drop) */
static const uint8_t m_ok_local[] = {
    HDR, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, FUNC_1,
    0x0a, 0x09, 0x01, 0x07, 0x01, 0x01, 0x7e, 0x20, 0x01, 0x1a, 0x0b};
/* two exports "a" and "b" */
static const uint8_t m_ok_exports[] = {
    HDR, TYPE_VOID, FUNC_1,
    0x07, 0x09, 0x02, 0x01, 0x61, 0x00, 0x00, 0x01, 0x62, 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};

/*
 * (module
 *   (type (;0;) (func (param i32) (result i32)))
 *   (type (;1;) (func))
 *   (type (;2;) (func (param i32 i32) (result i32 i32)))
 *   (import "env" "f" (func (;0;) (type 0)))
 *   (import "env" "mem" (memory (;0;) 1 2))
 *   (import "env" "g" (global (;0;) i32))
 *   (func (;1;) (type 0) (local i64 f32)
 *     block (result i32)
 *       block
 *         block
 *           local.get 0
 *           br_table 0 1
 *         end
 *         i32.const 10
 *         br 1
 *       end
 *       local.get 0
 *       call 0
 *     end)
 *   (func (;2;) (type 1)
 *     i32.const 0 i32.const 0 i32.const 2
 *     memory.init 1
 *     data.drop 1)
 *   (func (;3;) (type 2)
 *     local.get 1
 *     local.get 0
 *     block (type 2)
 *       i32.add
 *       global.get 0
 *     end)
 *   (func (;4;) (type 0)
 *     local.get 0
 *     i64.extend_i32_s
 *     i64.const 3
 *     i64.mul
 *     i32.wrap_i64
 *     f32.convert_i32_s
 *     f32.const 0.5
 *     f32.add
 *     i32.trunc_sat_f32_s
 *     local.get 0
 *     i32.const 1
 *     select)
 *   (table (;0;) 2 funcref)
 *   (global (;1;) (mut f64) (f64.const 1.5))
 *   (export "f1" (func 1))
 *   (export "f3" (func 3))
 *   (export "f4" (func 4))
 *   (start 2)
 *   (elem (;0;) (i32.const 0) func 1 0)
 *   (elem (;1;) func 2)
 *   (data (;0;) (i32.const 8) "xyz")
 *   (data (;1;) "pq"))
 */
static const uint8_t rich_wasm[] = {
    HDR,
    /* type section */
    0x01, 0x10, 0x03,
    0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x00, 0x00,
    0x60, 0x02, 0x7f, 0x7f, 0x02, 0x7f, 0x7f,
    /* import section */
    0x02, 0x1e, 0x03,
    0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00,
    0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x01, 0x01, 0x02,
    0x03, 0x65, 0x6e, 0x76, 0x01, 0x67, 0x03, 0x7f, 0x00,
    /* function section */
    0x03, 0x05, 0x04, 0x00, 0x01, 0x02, 0x00,
    /* table section */
    0x04, 0x04, 0x01, 0x70, 0x00, 0x02,
    /* global section */
    0x06, 0x0d, 0x01, 0x7c, 0x01,
    0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0b,
    /* export section */
    0x07, 0x10, 0x03,
    0x02, 0x66, 0x31, 0x00, 0x01,
    0x02, 0x66, 0x33, 0x00, 0x03,
    0x02, 0x66, 0x34, 0x00, 0x04,
    /* start section */
    0x08, 0x01, 0x02,
    /* element section */
    0x09, 0x0c, 0x02,
    0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x00,
    0x01, 0x00, 0x01, 0x02,
    /* data count section */
    0x0c, 0x01, 0x02,
    /* code section */
    0x0a, 0x54, 0x04,
    0x1d, 0x02, 0x01, 0x7e, 0x01, 0x7d,
    0x02, 0x7f, 0x02, 0x40, 0x02, 0x40,
    0x20, 0x00, 0x0e, 0x01, 0x00, 0x01,
    0x0b, 0x41, 0x0a, 0x0c, 0x01,
    0x0b, 0x20, 0x00, 0x10, 0x00,
    0x0b, 0x0b,
    0x0f, 0x00,
    0x41, 0x00, 0x41, 0x00, 0x41, 0x02, 0xfc, 0x08, 0x01, 0x00,
    0xfc, 0x09, 0x01, 0x0b,
    0x0c, 0x00,
    0x20, 0x01, 0x20, 0x00, 0x02, 0x02, 0x6a, 0x23, 0x00, 0x0b, 0x0b,
    0x17, 0x00,
    0x20, 0x00, 0xac, 0x42, 0x03, 0x7e, 0xa7, 0xb2,
    0x43, 0x00, 0x00, 0x00, 0x3f, 0x92, 0xfc, 0x00,
    0x20, 0x00, 0x41, 0x01, 0x1b, 0x0b,
    /* data section */
    0x0b, 0x0d, 0x02,
    0x00, 0x41, 0x08, 0x0b, 0x03, 0x78, 0x79, 0x7a,
    0x01, 0x02, 0x70, 0x71,
};

/* ------------------------------------------------------------------ */

static weft_engine *g_engine;
static bool g_have_fuel;  /* false when fuel is compiled out */

static void test_bad_cases(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        /* an exact-size copy, so reading past the end is caught */
        uint8_t *copy = malloc(c->len ? c->len : 1);
        memcpy(copy, c->bytes, c->len);
        weft_module *m = (weft_module *)1;
        weft_error err;
        memset(&err, 0x5a, sizeof err);
        weft_status s = weft_module_new(g_engine, copy, c->len, &m, &err);
        bool ok = s == c->status && err.status == c->status && err.offset == c->offset &&
                  m == NULL && err.message[0] != '\0' &&
                  memchr(err.message, '\0', sizeof err.message) != NULL;
        if (!ok)
            printf("  %s: got %s at offset %zu (\"%s\"), want %s at %zu\n", c->name,
                   weft_status_name(s), err.offset, err.message,
                   weft_status_name(c->status), c->offset);
        unit_check(ok, __FILE__, __LINE__, c->name);
        if (s == WEFT_OK)
            weft_module_delete(m);
        free(copy);
    }
}

static void test_good_counterparts(void)
{
    weft_module *m;
    m = unit_load(g_engine, m_ok_minimal, sizeof m_ok_minimal, "m_ok_minimal");
    weft_module_delete(m);
    m = unit_load(g_engine, m_ok_local, sizeof m_ok_local, "m_ok_local");
    weft_module_delete(m);
    m = unit_load(g_engine, m_ok_exports, sizeof m_ok_exports, "m_ok_exports");
    weft_module_delete(m);
    m = unit_load(g_engine, rich_wasm, sizeof rich_wasm, "rich_wasm");
    weft_module_delete(m);
}

/* ------------------------------------------------------------------ */
/* Running whatever loads                                              */
/* ------------------------------------------------------------------ */

static weft_trap_kind host_inc(weft_caller *c, void *user, const weft_val *args,
                               weft_val *results)
{
    (void)c;
    (void)user;
    results[0] = weft_val_i32((int32_t)((uint32_t)args[0].of.i32 + 1u));
    return WEFT_TRAP_NONE;
}

typedef struct run_stats {
    unsigned long instantiated, link_failed, calls, calls_ok, calls_trapped,
        calls_suspended, calls_bad;
} run_stats;

static weft_val zero_of(weft_valkind k)
{
    weft_val v;
    memset(&v, 0, sizeof v);
    v.kind = k;
    return v;
}

/* Instantiates m against env.f, env.mem and env.g and calls every
 * exported function with zero arguments under a fuel limit. */
static void run_module(const weft_module *m, run_stats *rs)
{
    if (!g_have_fuel)
        return;  /* a mutant could loop forever */
    weft_store *st = weft_store_new(g_engine);
    weft_linker *l = weft_linker_new(g_engine);
    if (!st || !l) {
        CHECK(st && l);
        weft_linker_delete(l);
        weft_store_delete(st);
        return;
    }
    weft_linker_define_func(l, st, "env", "f", "i:i", host_inc, NULL);
    weft_extern x;
    x.kind = WEFT_EXTERN_MEMORY;
    x.of.memory = weft_memory_new(st, (weft_limits){1, 2, true});
    weft_linker_define(l, "env", "mem", x);
    x.kind = WEFT_EXTERN_GLOBAL;
    x.of.global = weft_global_new(st, WEFT_I32, false, weft_val_i32(5));
    weft_linker_define(l, "env", "g", x);

    weft_store_set_fuel(st, 10000);
    weft_instance *inst = NULL;
    weft_error err;
    weft_status s = weft_linker_instantiate(l, st, m, &inst, &err);
    if (weft_store_is_suspended(st))
        weft_store_abandon(st);
    if (s != WEFT_OK) {
        rs->link_failed++;
        if (err.message[0] == '\0' || inst != NULL) {
            printf("  instantiation failed with %s and no message\n", weft_status_name(s));
            CHECK(err.message[0] != '\0' && inst == NULL);
        }
    } else {
        rs->instantiated++;
        uint32_t n = weft_instance_export_count(inst);
        for (uint32_t i = 0; i < n; i++) {
            const char *name;
            if (!weft_instance_export_nth(inst, i, &name, &x) || x.kind != WEFT_EXTERN_FUNC)
                continue;
            const weft_functype *ft = weft_func_type(x.of.func);
            weft_val args[16], res[16];
            if (ft->nparams > 16 || ft->nresults > 16)
                continue;
            for (uint32_t k = 0; k < ft->nparams; k++)
                args[k] = zero_of(ft->params[k]);
            weft_store_set_fuel(st, 10000);
            s = weft_func_call(st, x.of.func, args, ft->nparams, res, ft->nresults, &err);
            rs->calls++;
            if (s == WEFT_OK)
                rs->calls_ok++;
            else if (s == WEFT_TRAP)
                rs->calls_trapped++;
            else if (s == WEFT_SUSPENDED)
                rs->calls_suspended++;
            else
                rs->calls_bad++;
            if (weft_store_is_suspended(st))
                weft_store_abandon(st);
        }
    }
    weft_linker_delete(l);
    weft_store_delete(st);
}

/* The unmutated module computes what its source says. */
static void test_rich_results(void)
{
    weft_module *m = unit_load(g_engine, rich_wasm, sizeof rich_wasm, "rich_wasm");
    weft_store *st = weft_store_new(g_engine);
    weft_linker *l = weft_linker_new(g_engine);
    weft_memory *mem = st ? weft_memory_new(st, (weft_limits){1, 2, true}) : NULL;
    weft_global *g = st ? weft_global_new(st, WEFT_I32, false, weft_val_i32(5)) : NULL;
    if (!m || !st || !l || !mem || !g) {
        CHECK(m && st && l && mem && g);
        goto out;
    }
    CHECK_EQ(weft_linker_define_func(l, st, "env", "f", "i:i", host_inc, NULL), WEFT_OK);
    weft_extern x;
    x.kind = WEFT_EXTERN_MEMORY;
    x.of.memory = mem;
    CHECK_EQ(weft_linker_define(l, "env", "mem", x), WEFT_OK);
    x.kind = WEFT_EXTERN_GLOBAL;
    x.of.global = g;
    CHECK_EQ(weft_linker_define(l, "env", "g", x), WEFT_OK);
    weft_instance *inst = NULL;
    weft_error err;
    weft_status s = weft_linker_instantiate(l, st, m, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    if (!inst)
        goto out;
    /* the start function copied the passive segment "pq" to 0; the
     * active one put "xyz" at 8 */
    const uint8_t *d = weft_memory_data(mem);
    CHECK(d[0] == 'p' && d[1] == 'q' && d[2] == 0);
    CHECK(d[8] == 'x' && d[9] == 'y' && d[10] == 'z');

    /* f1: br_table index 0 leaves 10; others call env.f (x + 1) */
    static const int32_t f1_in[] = {0, 1, 2, 5, -1};
    static const int32_t f1_out[] = {10, 2, 3, 6, 0};
    weft_func *f1 = unit_func(inst, "f1");
    for (size_t i = 0; f1 && i < 5; i++) {
        weft_val a = weft_val_i32(f1_in[i]), r;
        s = weft_func_call(st, f1, &a, 1, &r, 1, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        CHECK_EQ(r.of.i32, f1_out[i]);
    }
    /* f3: (a, b) -> (b + a, g) through a block with parameters */
    weft_func *f3 = unit_func(inst, "f3");
    if (f3) {
        weft_val a[2] = {weft_val_i32(30), weft_val_i32(12)}, r[2];
        s = weft_func_call(st, f3, a, 2, r, 2, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        CHECK_EQ(r[0].of.i32, 42);
        CHECK_EQ(r[1].of.i32, 5);
    }
    /* f4: trunc_sat((f32)(i32)(x * 3) + 0.5), or 0 when x is 0; for
     * 0x7fffffff the product wraps to 0x7ffffffd, which rounds to 2^31 as
     * an f32 and saturates */
    static const int32_t f4_in[] = {0, 7, -7, 0x7fffffff};
    static const int32_t f4_out[] = {0, 21, -20, 0x7fffffff};
    weft_func *f4 = unit_func(inst, "f4");
    for (size_t i = 0; f4 && i < 4; i++) {
        weft_val a = weft_val_i32(f4_in[i]), r;
        s = weft_func_call(st, f4, &a, 1, &r, 1, &err);
        CHECK_STATUS(s, WEFT_OK, &err);
        if (r.of.i32 != f4_out[i])
            printf("  f4(%d)\n", f4_in[i]);
        CHECK_EQ(r.of.i32, f4_out[i]);
    }
out:
    weft_linker_delete(l);
    weft_store_delete(st);
    weft_module_delete(m);
}

/* ------------------------------------------------------------------ */
/* Truncation and mutation                                             */
/* ------------------------------------------------------------------ */

typedef struct load_stats {
    unsigned long tried, accepted, rejected, bad;
    unsigned long by_status[WEFT_SUSPENDED + 1];
} load_stats;

/* Loads a heap copy of exactly len bytes; checks the result is either a
 * module or a well-formed error. Returns the module (or NULL). */
static weft_module *try_load(const uint8_t *bytes, size_t len, load_stats *ls,
                             const char *what, size_t where)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, bytes, len);
    weft_module *m = (weft_module *)1;
    weft_error err;
    memset(&err, 0x5a, sizeof err);
    weft_status s = weft_module_new(g_engine, copy, len, &m, &err);
    free(copy);
    ls->tried++;
    if (s == WEFT_OK) {
        ls->accepted++;
        if (!m || err.status != WEFT_OK) {
            ls->bad++;
            printf("  %s %zu: OK without a module\n", what, where);
            return NULL;
        }
        return m;
    }
    ls->rejected++;
    if ((unsigned)s <= WEFT_SUSPENDED)
        ls->by_status[s]++;
    bool ok = m == NULL && err.status == s && err.trap == WEFT_TRAP_NONE &&
              memchr(err.message, '\0', sizeof err.message) != NULL &&
              err.message[0] != '\0' &&
              (err.offset == WEFT_NO_OFFSET || err.offset <= len) &&
              (s == WEFT_MALFORMED || s == WEFT_INVALID || s == WEFT_UNSUPPORTED ||
               s == WEFT_LIMIT);
    if (!ok) {
        ls->bad++;
        if (ls->bad <= 10)
            printf("  %s %zu: %s at %zu \"%.*s\" (module %p)\n", what, where,
                   weft_status_name(s), err.offset, (int)sizeof err.message,
                   err.message, (void *)m);
    }
    return NULL;
}

/* Exception handling: three tags, a try_table with catch, catch of a
 * two-value tag and catch_all_ref feeding throw_ref, a catch to a loop
 * label and one to the function label (encoded with jco's parse):
 * (func (export "t") (param i32) (result i32)
 *   (block $ha (result i32) (block $hb (result i64 f64) (block $hr (result exnref)
 *     (try_table (result i32) (catch $a $ha) (catch $b $hb) (catch_all_ref $hr)
 *       ... (throw $a (i32.const 1)) ... (throw $b (i64.const 2) (f64.const 3))
 *       ... (throw $c) (i32.const 7))
 *     (return)) (throw_ref)) (drop) (i32.wrap_i64) (return)) (i32.const 1) (i32.add))
 * (func (export "l") ...  (loop $l (param i32) (result i32)
 *   (try_table (param i32) (result i32) (catch $a $l) ... (throw $a ...) ...)))
 * (func (export "f") (param i32) (result i32)
 *   (try_table (catch $a 0) (throw $a (local.get 0))) (i32.const -1)) */
static const uint8_t eh_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x05, 0x60,
    0x01, 0x7f, 0x00, 0x60, 0x02, 0x7e, 0x7c, 0x00, 0x60, 0x00, 0x00, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x02, 0x7e, 0x7c, 0x03, 0x04, 0x03,
    0x03, 0x03, 0x03, 0x0d, 0x07, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02,
    0x07, 0x0d, 0x03, 0x01, 0x74, 0x00, 0x00, 0x01, 0x6c, 0x00, 0x01, 0x01,
    0x66, 0x00, 0x02, 0x0a, 0x7e, 0x03, 0x4a, 0x00, 0x02, 0x7f, 0x02, 0x04,
    0x02, 0x69, 0x1f, 0x7f, 0x03, 0x00, 0x00, 0x02, 0x00, 0x01, 0x01, 0x03,
    0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0x41, 0x01, 0x08, 0x00, 0x0b, 0x20,
    0x00, 0x41, 0x01, 0x46, 0x04, 0x40, 0x42, 0x02, 0x44, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x08, 0x40, 0x08, 0x01, 0x0b, 0x20, 0x00, 0x41, 0x02,
    0x46, 0x04, 0x40, 0x08, 0x02, 0x0b, 0x41, 0x07, 0x0b, 0x0f, 0x0b, 0x0a,
    0x0b, 0x1a, 0xa7, 0x0f, 0x0b, 0x41, 0x01, 0x6a, 0x0b, 0x21, 0x00, 0x41,
    0x03, 0x03, 0x03, 0x1f, 0x03, 0x01, 0x00, 0x00, 0x00, 0x21, 0x00, 0x20,
    0x00, 0x41, 0x00, 0x4a, 0x04, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x08,
    0x00, 0x0b, 0x20, 0x00, 0x0b, 0x0b, 0x0b, 0x0f, 0x00, 0x1f, 0x40, 0x01,
    0x00, 0x00, 0x00, 0x20, 0x00, 0x08, 0x00, 0x0b, 0x41, 0x7f, 0x0b,
};

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void fuzz_module(const char *name, const uint8_t *base, size_t len)
{
    load_stats trunc, flip;
    run_stats rs;
    memset(&trunc, 0, sizeof trunc);
    memset(&flip, 0, sizeof flip);
    memset(&rs, 0, sizeof rs);

    /* every proper prefix */
    for (size_t n = 0; n < len; n++) {
        weft_module *m = try_load(base, n, &trunc, "truncated at", n);
        if (m) {
            run_module(m, &rs);
            weft_module_delete(m);
        }
        if (n < 8)
            CHECK(trunc.accepted == 0);
    }
    /* every byte flipped, one at a time, and each single bit of it */
    static const uint8_t masks[] = {0xff, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};
    uint8_t *mut = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            memcpy(mut, base, len);
            mut[i] ^= masks[k];
            weft_module *m = try_load(mut, len, &flip, "flipped byte", i);
            if (m) {
                run_module(m, &rs);
                weft_module_delete(m);
            }
        }
    }
    /* random replacements of one to four bytes, from a fixed seed */
    load_stats rnd;
    memset(&rnd, 0, sizeof rnd);
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ len;
    for (int t = 0; t < 20000; t++) {
        memcpy(mut, base, len);
        int nchanges = 1 + (int)(xorshift(&seed) % 4);
        for (int c = 0; c < nchanges; c++) {
            /* changes past the header are the interesting ones */
            size_t at = 8 + (size_t)(xorshift(&seed) % (len - 8));
            mut[at] = (uint8_t)xorshift(&seed);
        }
        weft_module *m = try_load(mut, len, &rnd, "random mutant", (size_t)t);
        if (m) {
            run_module(m, &rs);
            weft_module_delete(m);
        }
    }
    free(mut);
    CHECK_EQ(rnd.bad, 0);
    printf("  %s: %lu random mutants (%lu load)\n", name, rnd.tried, rnd.accepted);
    printf("  %s: %lu prefixes (%lu load), %lu mutants (%lu load); "
           "%lu instantiated, %lu calls (%lu ok, %lu trap, %lu suspended)\n",
           name, trunc.tried, trunc.accepted, flip.tried, flip.accepted,
           rs.instantiated, rs.calls, rs.calls_ok, rs.calls_trapped, rs.calls_suspended);
    CHECK_EQ(trunc.bad, 0);
    CHECK_EQ(flip.bad, 0);
    CHECK_EQ(rs.calls_bad, 0);
    /* most damage is noticed */
    CHECK(trunc.rejected > 0);
    CHECK(flip.rejected > flip.tried / 4);
    CHECK(trunc.by_status[WEFT_MALFORMED] > 0);
}

int main(void)
{
    weft_config cfg;
    weft_config_default(&cfg);
    /* mutants may declare huge memories and tables */
    cfg.max_memory_bytes = 1u << 20;
    cfg.max_table_elems = 10000;
    cfg.stack_slots = 4096;
    cfg.max_call_depth = 200;
    g_engine = weft_engine_new(&cfg);
    CHECK(g_engine != NULL);
    if (!g_engine)
        return unit_finish();

    {
        weft_store *st = weft_store_new(g_engine);
        g_have_fuel = weft_store_set_fuel(st, 1) == WEFT_OK;
        weft_store_delete(st);
        if (!g_have_fuel)
            printf("  fuel is compiled out: mutants are loaded, not run\n");
    }
    test_bad_cases();
    test_good_counterparts();
    test_rich_results();

    /* the valid module loads and runs as written */
    weft_module *m = unit_load(g_engine, rich_wasm, sizeof rich_wasm, "rich_wasm");
    if (m) {
        run_stats rs;
        memset(&rs, 0, sizeof rs);
        run_module(m, &rs);
        if (g_have_fuel) {
            CHECK_EQ(rs.instantiated, 1);
            CHECK_EQ(rs.calls, 3);
            CHECK_EQ(rs.calls_ok, 3);
        }
        weft_module_delete(m);
    }

    fuzz_module("rich_wasm", rich_wasm, sizeof rich_wasm);
    fuzz_module("m_ok_local", m_ok_local, sizeof m_ok_local);
    fuzz_module("m_ok_exports", m_ok_exports, sizeof m_ok_exports);
    fuzz_module("eh_wasm", eh_wasm, sizeof eh_wasm);
    weft_engine_delete(g_engine);
    return unit_finish();
}
