/*
 * test_compact.c - the compact forms of the internal code (docs/ARCHITECTURE.md,
 * "Internal code"): an instruction whose 32-bit immediate fits in 16 bits
 * (sign-extended for arithmetic and constants, zero-extended for memory
 * offsets) is rewritten to a form one unit shorter once a function is
 * lowered, and branches, exception handlers and landing pads follow the
 * code they name. Each export below is checked for the form it gets (or
 * does not get, one past the boundary), its results and its traps, from
 * the compiled module and from its image. Prints "N passed, N failed"
 * last; exits non-zero on any failure.
 */
#include "unit_check.h"
#include "image_edit.h"
#include "weft/image.h"
#include <stdlib.h>

/*
 * (module
 *   (memory 2)
 *   (func (export "add_max") (param i32) (result i32)
 *     (i32.add (local.get 0) (i32.const 32767)))
 *   (func (export "add_min") (param i32) (result i32)
 *     (i32.add (local.get 0) (i32.const -32768)))
 *   (func (export "add_wide") (param i32) (result i32)
 *     (i32.add (local.get 0) (i32.const 32768)))
 *   (func (export "const_min") (param i32) (result i32) (local i32)
 *     (local.set 1 (i32.const -32768))
 *     (i32.sub (local.get 1) (local.get 0)))
 *   (func (export "const_wide") (param i32) (result i32) (local i32)
 *     (local.set 1 (i32.const 32768))
 *     (i32.sub (local.get 1) (local.get 0)))
 *   (func (export "ld_max") (param i32) (result i32)
 *     (i32.load offset=65535 (local.get 0)))
 *   (func (export "ld_wide") (param i32) (result i32)
 *     (i32.load offset=65536 (local.get 0)))
 *   (func (export "st_max") (param i32 i32) (result i32)
 *     (i32.store offset=65535 (local.get 0) (local.get 1))
 *     (i32.load offset=1 (local.get 0)))
 *   (func (export "st_wide") (param i32 i32) (result i32)
 *     (i32.store offset=65536 (local.get 0) (local.get 1))
 *     (i32.load offset=1 (local.get 0)))
 *   (func (export "st64_max") (param i32 i32) (result i32)
 *     (i64.store offset=65535 (local.get 0) (i64.extend_i32_u (local.get 1)))
 *     (i32.load offset=65539 (local.get 0)))
 *   (func (export "bits") (param i32) (result i32)
 *     (i32.shr_u
 *       (i32.shl (i32.xor (i32.or (i32.and (local.get 0) (i32.const -32768))
 *                                 (i32.const 0x7fff))
 *                         (i32.const -2))
 *                (i32.const 3))
 *       (i32.const 1)))
 *   (func (export "bits64") (param i32) (result i32)
 *     (i32.wrap_i64
 *       (i64.shr_u
 *         (i64.or (i64.add (i64.extend_i32_u (local.get 0)) (i64.const -32768))
 *                 (i64.const 0x7fff))
 *         (i64.const 16))))
 *   (func (export "loop") (param i32) (result i32) (local i32)
 *     (block
 *       (br_if 0 (i32.eqz (local.get 0)))
 *       (loop
 *         (local.set 1 (i32.add (i32.shl (local.get 1) (i32.const 1)) (i32.const 3)))
 *         (i32.store offset=8 (i32.const 0) (local.get 1))
 *         (br_if 0 (local.tee 0 (i32.add (local.get 0) (i32.const -1))))))
 *     (i32.load offset=8 (i32.const 0)))
 *   (func (export "consts3") (param f64) (result f64)
 *     (f64.add
 *       (f64.add (f64.mul (local.get 0) (f64.const 1.5)) (f64.const 0.1))
 *       (f64.promote_f32 (f32.mul (f32.demote_f64 (local.get 0)) (f32.const 2.5)))))
 *   (tag $e (param i32))
 *   (func (export "eh") (param i32) (result i32) (local i32)
 *     (local.set 1 (i32.add (local.get 0) (i32.const 100)))
 *     (block $h (result i32)
 *       (try_table (catch $e $h)
 *         (local.set 1 (i32.and (local.get 1) (i32.const 0xfff)))
 *         (if (local.get 0) (then (throw $e (i32.add (local.get 1) (i32.const 7))))))
 *       (return (i32.add (local.get 1) (i32.const -1))))
 *     (i32.trunc_f64_s (f64.add (f64.convert_i32_s) (f64.const 1000.5)))))
 */
static const uint8_t compact_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x15, 0x04, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01,
    0x7f, 0x00, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x03, 0x10, 0x0f, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x05, 0x03, 0x01, 0x00, 0x02, 0x0d, 0x03, 0x01, 0x00, 0x02, 0x07,
    0x90, 0x01, 0x0f, 0x07, 0x61, 0x64, 0x64, 0x5f, 0x6d, 0x61, 0x78, 0x00,
    0x00, 0x07, 0x61, 0x64, 0x64, 0x5f, 0x6d, 0x69, 0x6e, 0x00, 0x01, 0x08,
    0x61, 0x64, 0x64, 0x5f, 0x77, 0x69, 0x64, 0x65, 0x00, 0x02, 0x09, 0x63,
    0x6f, 0x6e, 0x73, 0x74, 0x5f, 0x6d, 0x69, 0x6e, 0x00, 0x03, 0x0a, 0x63,
    0x6f, 0x6e, 0x73, 0x74, 0x5f, 0x77, 0x69, 0x64, 0x65, 0x00, 0x04, 0x06,
    0x6c, 0x64, 0x5f, 0x6d, 0x61, 0x78, 0x00, 0x05, 0x07, 0x6c, 0x64, 0x5f,
    0x77, 0x69, 0x64, 0x65, 0x00, 0x06, 0x06, 0x73, 0x74, 0x5f, 0x6d, 0x61,
    0x78, 0x00, 0x07, 0x07, 0x73, 0x74, 0x5f, 0x77, 0x69, 0x64, 0x65, 0x00,
    0x08, 0x08, 0x73, 0x74, 0x36, 0x34, 0x5f, 0x6d, 0x61, 0x78, 0x00, 0x09,
    0x04, 0x62, 0x69, 0x74, 0x73, 0x00, 0x0a, 0x06, 0x62, 0x69, 0x74, 0x73,
    0x36, 0x34, 0x00, 0x0b, 0x04, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x0c, 0x07,
    0x63, 0x6f, 0x6e, 0x73, 0x74, 0x73, 0x33, 0x00, 0x0d, 0x02, 0x65, 0x68,
    0x00, 0x0e, 0x0a, 0xc5, 0x02, 0x0f, 0x09, 0x00, 0x20, 0x00, 0x41, 0xff,
    0xff, 0x01, 0x6a, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x80, 0x80, 0x7e,
    0x6a, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x80, 0x80, 0x02, 0x6a, 0x0b,
    0x0f, 0x01, 0x01, 0x7f, 0x41, 0x80, 0x80, 0x7e, 0x21, 0x01, 0x20, 0x01,
    0x20, 0x00, 0x6b, 0x0b, 0x0f, 0x01, 0x01, 0x7f, 0x41, 0x80, 0x80, 0x02,
    0x21, 0x01, 0x20, 0x01, 0x20, 0x00, 0x6b, 0x0b, 0x09, 0x00, 0x20, 0x00,
    0x28, 0x02, 0xff, 0xff, 0x03, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x28, 0x02,
    0x80, 0x80, 0x04, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02,
    0xff, 0xff, 0x03, 0x20, 0x00, 0x28, 0x02, 0x01, 0x0b, 0x10, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x36, 0x02, 0x80, 0x80, 0x04, 0x20, 0x00, 0x28, 0x02,
    0x01, 0x0b, 0x13, 0x00, 0x20, 0x00, 0x20, 0x01, 0xad, 0x37, 0x03, 0xff,
    0xff, 0x03, 0x20, 0x00, 0x28, 0x02, 0x83, 0x80, 0x04, 0x0b, 0x17, 0x00,
    0x20, 0x00, 0x41, 0x80, 0x80, 0x7e, 0x71, 0x41, 0xff, 0xff, 0x01, 0x72,
    0x41, 0x7e, 0x73, 0x41, 0x03, 0x74, 0x41, 0x01, 0x76, 0x0b, 0x13, 0x00,
    0x20, 0x00, 0xad, 0x42, 0x80, 0x80, 0x7e, 0x7c, 0x42, 0xff, 0xff, 0x01,
    0x84, 0x42, 0x10, 0x88, 0xa7, 0x0b, 0x2e, 0x01, 0x01, 0x7f, 0x02, 0x40,
    0x20, 0x00, 0x45, 0x0d, 0x00, 0x03, 0x40, 0x20, 0x01, 0x41, 0x01, 0x74,
    0x41, 0x03, 0x6a, 0x21, 0x01, 0x41, 0x00, 0x20, 0x01, 0x36, 0x02, 0x08,
    0x20, 0x00, 0x41, 0x7f, 0x6a, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x41,
    0x00, 0x28, 0x02, 0x08, 0x0b, 0x23, 0x00, 0x20, 0x00, 0x44, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0xa2, 0x44, 0x9a, 0x99, 0x99, 0x99,
    0x99, 0x99, 0xb9, 0x3f, 0xa0, 0x20, 0x00, 0xb6, 0x43, 0x00, 0x00, 0x20,
    0x40, 0x94, 0xbb, 0xa0, 0x0b, 0x3c, 0x01, 0x01, 0x7f, 0x20, 0x00, 0x41,
    0xe4, 0x00, 0x6a, 0x21, 0x01, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x00,
    0x00, 0x20, 0x01, 0x41, 0xff, 0x1f, 0x71, 0x21, 0x01, 0x20, 0x00, 0x04,
    0x40, 0x20, 0x01, 0x41, 0x07, 0x6a, 0x08, 0x00, 0x0b, 0x0b, 0x20, 0x01,
    0x41, 0x7f, 0x6a, 0x0f, 0x0b, 0xb7, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x44, 0x8f, 0x40, 0xa0, 0xaa, 0x0b,
};

/* export index, and a line its listing must (want) or must not have */
typedef struct {
    uint32_t func;
    const char *line;
    bool want;
} form;

static const form forms[] = {
    {0, ": I32_ADD_I16 s1 s0 32767 ", true},
    {1, ": I32_ADD_I16 s1 s0 -32768 ", true},
    {2, ": I32_ADD_I s1 s0 32768 ", true},
    {2, ": I32_ADD_I16 ", false},
    {3, ": CONST16 s1 -32768 ", true},
    {4, ": CONST32 s1 32768 ", true},
    {4, ": CONST16 ", false},
    {5, ": I32_LOAD_O16 s1 s0 65535 ", true},
    {6, ": I32_LOAD s1 s0 65536 ", true},
    {6, "_O16 ", false},
    {7, ": I32_STORE_O16 s0 s1 65535 ", true},
    {8, ": I32_STORE s0 s1 65536 ", true},
    {9, ": I64_STORE_O16 s0 s3 65535 ", true},
    {9, ": I32_LOAD s2 s0 65539 ", true},
    {10, ": I32_AND_I16 s1 s0 -32768 ", true},
    {10, ": I32_OR_I16 s1 s1 32767 ", true},
    {10, ": I32_XOR_I16 s1 s1 -2 ", true},
    {10, ": I32_SHL_I16 s1 s1 3 ", true},
    {10, ": I32_SHR_U_I16 s1 s1 1 ", true},
    {11, ": I64_ADD_I16 s1 s1 -32768 ", true},
    {11, ": I64_OR_I16 s1 s1 32767 ", true},
    {11, ": I64_SHR_U_I16 s1 s1 16 ", true},
    /* a loop over compact forms: both branches land on instructions */
    {12, ": BR_UNLESS s0 ->32 ", true},
    {12, " ->11 ", true},
    /* the constants: one u32 (f32 2.5), one high half (f64 1.5), one u64 */
    {13, ": CONSTS s1 [3] 1075838976 4609434218613702656 4591870180066957722 ", true},
    /* try_table around compact forms, in a function with a CONSTS prologue */
    {14, ": I32_AND_I16 s1 s1 4095 ", true},
    {14, "handler [17, 33): catch tag 0 s3 ->14 ", true},
};

static char g_listing[4096];
static size_t g_listing_len;

static void listing_line(void *ud, const char *line)
{
    (void)ud;
    int n = snprintf(g_listing + g_listing_len, sizeof g_listing - g_listing_len, "%s \n", line);
    if (n > 0 && (size_t)n < sizeof g_listing - g_listing_len)
        g_listing_len += (size_t)n;
}

static void check_forms(const weft_module *m)
{
    for (size_t i = 0; m && i < sizeof forms / sizeof forms[0]; i++) {
        g_listing_len = 0;
        g_listing[0] = 0;
        CHECK(weft_module_disasm(m, forms[i].func, listing_line, NULL));
        bool has = strstr(g_listing, forms[i].line) != NULL;
        if (has != forms[i].want)
            printf("  function %u %s \"%s\":\n%s", forms[i].func,
                   forms[i].want ? "lacks" : "has", forms[i].line, g_listing);
        CHECK(has == forms[i].want);
    }
}

static weft_store *g_store;
static weft_instance *g_inst;

static weft_status call(const char *name, int32_t a, int32_t b, size_t n, weft_val *r,
                        weft_error *err)
{
    weft_func *f = unit_func(g_inst, name);
    weft_val args[2] = {weft_val_i32(a), weft_val_i32(b)};
    if (!f)
        return WEFT_ARG;
    memset(r, 0, sizeof *r);
    return weft_func_call(g_store, f, args, n, r, 1, err);
}

static int64_t i32_of(const char *name, int32_t a, int32_t b, size_t n)
{
    weft_val r;
    weft_error err;
    weft_status s = call(name, a, b, n, &r, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    return s == WEFT_OK ? (int64_t)r.of.i32 : INT64_MIN;
}

static void check_oob(const char *name, int32_t a, int32_t b, size_t n)
{
    weft_val r;
    weft_error err;
    CHECK_TRAP(call(name, a, b, n, &r, &err), &err, WEFT_TRAP_MEMORY_OOB);
}

static int32_t bits(int32_t x)
{
    uint32_t v = (((((uint32_t)x & 0xFFFF8000u) | 0x7FFFu) ^ 0xFFFFFFFEu) << 3) >> 1;
    return (int32_t)v;
}

static int32_t bits64(int32_t x)
{
    uint64_t v = (((uint64_t)(uint32_t)x + 0xFFFFFFFFFFFF8000ull) | 0x7FFFu) >> 16;
    return (int32_t)(uint32_t)v;
}

/* Runs every export of m in a new instance (a fresh memory). */
static void check_results(weft_engine *e, weft_module *m)
{
    weft_error err;
    g_store = weft_store_new(e);
    g_inst = NULL;
    if (!m || !g_store) {
        CHECK(m && g_store);
        weft_store_delete(g_store);
        return;
    }
    CHECK_STATUS(weft_instance_new(g_store, m, NULL, 0, &g_inst, &err), WEFT_OK, &err);
    if (!g_inst) {
        weft_store_delete(g_store);
        return;
    }
    CHECK_EQ(i32_of("add_max", 1, 0, 1), 32768);
    CHECK_EQ(i32_of("add_max", -1, 0, 1), 32766);
    CHECK_EQ(i32_of("add_max", 0x7FFFFFFF, 0, 1), -2147450882);  /* wraps */
    CHECK_EQ(i32_of("add_min", 0, 0, 1), -32768);
    CHECK_EQ(i32_of("add_min", 32768, 0, 1), 0);
    CHECK_EQ(i32_of("add_min", INT32_MIN, 0, 1), 2147450880);
    CHECK_EQ(i32_of("add_wide", 0, 0, 1), 32768);
    CHECK_EQ(i32_of("const_min", 0, 0, 1), -32768);
    CHECK_EQ(i32_of("const_min", 1, 0, 1), -32769);
    CHECK_EQ(i32_of("const_wide", 0, 0, 1), 32768);

    /* memory: 2 pages. Offsets are added to the address without wrapping */
    CHECK_EQ(i32_of("st_max", 0, 0x11223344, 2), 0);
    CHECK_EQ(i32_of("ld_max", 0, 0, 1), 0x11223344);
    CHECK_EQ(i32_of("ld_wide", 0, 0, 1), 0x00112233);
    CHECK_EQ(i32_of("ld_max", 65533, 0, 1), 0);       /* the last 4 bytes */
    check_oob("ld_max", 65534, 0, 1);
    check_oob("ld_max", -1, 0, 1);
    check_oob("ld_wide", 65533, 0, 1);
    check_oob("ld_wide", -1, 0, 1);
    CHECK_EQ(i32_of("ld_wide", 65532, 0, 1), 0);
    CHECK_EQ(i32_of("st_wide", 0, 0x55667788, 2), 0);
    CHECK_EQ(i32_of("ld_wide", 0, 0, 1), 0x55667788);
    CHECK_EQ(i32_of("st_max", 65533, 7, 2), 0x77884400);  /* bytes 65534.. */
    CHECK_EQ(i32_of("ld_max", 65533, 0, 1), 7);
    check_oob("st_max", 65534, 1, 2);
    check_oob("st_max", -65535, 1, 2);
    check_oob("st_wide", 65533, 1, 2);
    CHECK_EQ(i32_of("ld_max", 65533, 0, 1), 7);       /* untouched by the traps */
    CHECK_EQ(i32_of("st64_max", 0, (int32_t)0xDEADBEEF, 2), 0);
    CHECK_EQ(i32_of("ld_max", 0, 0, 1), (int32_t)0xDEADBEEF);
    CHECK_EQ(i32_of("ld_max", 4, 0, 1), 0);           /* the high half */
    CHECK_EQ(i32_of("st64_max", 65529, 9, 2), 0);     /* the last 8 bytes */
    CHECK_EQ(i32_of("ld_max", 65529, 0, 1), 9);
    check_oob("st64_max", 65530, 1, 2);
    check_oob("st64_max", -1, 1, 2);

    /* sign-extended immediates, i32 and i64 */
    static const int32_t xs[] = {0, 1, -1, 0x12345678, INT32_MIN, 0x8000, 0x7FFF};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        CHECK_EQ(i32_of("bits", xs[i], 0, 1), bits(xs[i]));
        CHECK_EQ(i32_of("bits64", xs[i], 0, 1), bits64(xs[i]));
    }

    /* branches across compacted code */
    CHECK_EQ(i32_of("loop", 0, 0, 1), 0);
    CHECK_EQ(i32_of("loop", 3, 0, 1), 21);
    CHECK_EQ(i32_of("loop", 0, 0, 1), 21);
    CHECK_EQ(i32_of("loop", 10, 0, 1), 3069);

    weft_func *f = unit_func(g_inst, "consts3");
    weft_val a = weft_val_f64(2.0), r;
    memset(&r, 0, sizeof r);
    CHECK_STATUS(f ? weft_func_call(g_store, f, &a, 1, &r, 1, &err) : WEFT_ARG, WEFT_OK, &err);
    CHECK(weft_val_as_f64(&r) == 2.0 * 1.5 + 0.1 + (double)(2.0f * 2.5f));

    /* an exception caught around compact forms, with a landing pad that
     * reads a constant slot */
    CHECK_EQ(i32_of("eh", 0, 0, 1), 99);
    CHECK_EQ(i32_of("eh", 5, 0, 1), 1112);
    CHECK_EQ(i32_of("eh", -100, 0, 1), 1007);
    weft_store_delete(g_store);
    g_store = NULL;
}

/* A copy of the image with the code unit at unit index u of function
 * func set to v (and the checksum fixed), loaded: its status, and with
 * *out the module when it loads. */
static weft_status load_patched(weft_engine *e, const uint8_t *img, size_t len, uint32_t func,
                                uint32_t u, uint16_t v, uint8_t **copy, weft_module **out)
{
    weft_error err;
    *out = NULL;
    *copy = malloc(len);   /* 16-byte aligned */
    if (!*copy)
        return WEFT_NOMEM;
    memcpy(*copy, img, len);
    ie_meta mv = ie_meta_read(*copy);
    size_t at = ie_section(*copy, IE_SEC_CODE, NULL) + 2 * ((size_t)ie_code_off(&mv, func) + u);
    ie_meta_free(&mv);
    (*copy)[at] = (uint8_t)v;
    (*copy)[at + 1] = (uint8_t)(v >> 8);
    ie_fix_crc(*copy, len);
    return weft_module_from_image(e, *copy, len, out, &err);
}

/* The code verifier on compact operands: a 16-bit immediate may be any
 * value (and is sign-extended), CONSTS counts must add up. */
static void check_verifier(weft_engine *e, const uint8_t *img, size_t len)
{
    uint8_t *copy;
    weft_module *m;
    /* add_max's I32_ADD_I16 s1 s0 32767 made 0x8000: adds -32768 */
    CHECK_EQ(load_patched(e, img, len, 0, 3, 0x8000, &copy, &m), WEFT_OK);
    if (m) {
        g_store = weft_store_new(e);
        weft_error err;
        CHECK_STATUS(weft_instance_new(g_store, m, NULL, 0, &g_inst, &err), WEFT_OK, &err);
        if (g_inst)
            CHECK_EQ(i32_of("add_max", 5, 0, 1), -32763);
        weft_store_delete(g_store);
        g_store = NULL;
        weft_module_delete(m);
    }
    free(copy);
    /* consts3's CONSTS s1 [3] with 3 u32 values and 1 high half */
    CHECK_EQ(load_patched(e, img, len, 13, 3, 3, &copy, &m), WEFT_MALFORMED);
    weft_module_delete(m);
    free(copy);
    /* its base slot moved so that the last constant slot is past the frame */
    CHECK_EQ(load_patched(e, img, len, 13, 1, 5, &copy, &m), WEFT_MALFORMED);
    weft_module_delete(m);
    free(copy);
}

int main(void)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = e ? unit_load(e, compact_wasm, sizeof compact_wasm, "compact_wasm") : NULL;
    check_forms(m);
    check_results(e, m);

    /* the same from an image: its code verifier accepts the compact forms */
    uint8_t *img = NULL;
    size_t len = 0;
    weft_error err;
    weft_module *mi = NULL;
    if (m) {
        CHECK_STATUS(weft_module_serialize(m, &img, &len, &err), WEFT_OK, &err);
        if (img)
            CHECK_STATUS(weft_module_from_image(e, img, len, &mi, &err), WEFT_OK, &err);
    }
    check_forms(mi);
    check_results(e, mi);
    if (img)
        check_verifier(e, img, len);
    weft_module_delete(mi);
    if (img)
        weft_image_free(e, img, len);
    weft_module_delete(m);
    weft_engine_delete(e);
    return unit_finish();
}
