/*
 * test_image.c - precompiled module images (weft/image.h). Modules are
 * serialized, loaded back from an aligned read-only copy and run side by
 * side with the same module loaded from its bytes; then damaged images:
 * every byte flipped, every truncation, header fields patched with a
 * recomputed checksum, text-mode mangling of the magic, misaligned
 * buffers, and section records, constant expressions and code operands
 * corrupted with a valid checksum (each loaded in a child process, so
 * that a crash fails that case only). A damaged image must be refused
 * with a message and never crash (meant to run under ASan+UBSan).
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include "unit_check.h"
#include "weft/image.h"
#include "image_edit.h"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

/*
 * (module
 *   (type $un (func (param i32) (result i32)))
 *   (import "env" "add" (func $add (param i32 i32) (result i32)))   ;; func 0
 *   (import "env" "base" (global $base i32))                         ;; global 0
 *   (table 6 funcref)
 *   (memory 1 2)
 *   (global $g (mut i32) (i32.const 10))
 *   (global $k i64 (i64.const 0x123456789))
 *   (elem (i32.const 1) $sq $fact)
 *   (data (i32.const 8) "weft image")
 *   (data (global.get $base) "BASE")
 *   (data $pd "\10\20\30")
 *   (elem $pe funcref (ref.func $sq) (ref.null func))
 *   (func $sum (export "sum") (param $p i32) (param $n i32) (result i32)  ;; 1
 *     (local $s i32)
 *     (block $done
 *       (loop $top
 *         (br_if $done (i32.eqz (local.get $n)))
 *         (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 1)))
 *         (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *         (br $top)))
 *     (local.get $s))
 *   (func $sq (type $un) (i32.mul (local.get 0) (local.get 0)))          ;; 2
 *   (func $fact (type $un)                                               ;; 3
 *     (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
 *       (then (i32.const 1))
 *       (else (i32.mul (local.get 0)
 *                      (call $fact (i32.sub (local.get 0) (i32.const 1)))))))
 *   (func (export "apply") (param $i i32) (param $x i32) (result i32)   ;; 4
 *     (call_indirect (type $un) (local.get $x) (local.get $i)))
 *   (func (export "host") (param i32 i32) (result i32)                  ;; 5
 *     (call $add (call $sq (local.get 0)) (local.get 1)))
 *   (func (export "bump") (result i32)                                  ;; 6
 *     (global.set $g (i32.add (global.get $g) (i32.const 1)))
 *     (global.get $g))
 *   (func (export "k") (result i64) (global.get $k))                    ;; 7
 *   (func (export "fib") (param $n i32) (result i64)                    ;; 8
 *     (local $a i64) (local $b i64) (local $t i64)
 *     (local.set $b (i64.const 1))
 *     (block $d
 *       (loop $l
 *         (br_if $d (i32.eqz (local.get $n)))
 *         (local.set $t (i64.add (local.get $a) (local.get $b)))
 *         (local.set $a (local.get $b))
 *         (local.set $b (local.get $t))
 *         (local.set $n (i32.sub (local.get $n) (i32.const 1)))
 *         (br $l)))
 *     (local.get $a))
 *   (func (export "store") (param i32 i32)                              ;; 9
 *     (i32.store (local.get 0) (local.get 1)))
 *   (func (export "hyp") (param f64 f64) (result f64)                   ;; 10
 *     (f64.sqrt (f64.add (f64.mul (local.get 0) (local.get 0))
 *                        (f64.mul (local.get 1) (local.get 1)))))
 *   (func (export "tinit")                                              ;; 11
 *     (table.init $pe (i32.const 4) (i32.const 0) (i32.const 2)))
 *   (func (export "minit") (param i32)                                  ;; 12
 *     (memory.init $pd (local.get 0) (i32.const 0) (i32.const 3))
 *     (data.drop $pd))
 *   (func $init (i32.store (i32.const 0) (i32.const 0xcafe)))           ;; 13
 *   (start $init)
 *   (export "mem" (memory 0))
 *   (export "tab" (table 0))
 *   (export "g" (global $g)))
 */
static const uint8_t full_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x2b, 0x09, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f,
    0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7e, 0x60, 0x01,
    0x7f, 0x01, 0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x02, 0x7c, 0x7c,
    0x01, 0x7c, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x00,
    /* import section */
    0x02, 0x17, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x61, 0x64, 0x64, 0x00,
    0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x62, 0x61, 0x73, 0x65, 0x03, 0x7f,
    0x00,
    /* function section */
    0x03, 0x0e, 0x0d, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x07,
    /* table section */
    0x04, 0x04, 0x01, 0x70, 0x00, 0x06,
    /* memory section */
    0x05, 0x04, 0x01, 0x01, 0x01, 0x02,
    /* global section */
    0x06, 0x0f, 0x02, 0x7f, 0x01, 0x41, 0x0a, 0x0b, 0x7e, 0x00, 0x42, 0x89,
    0xcf, 0x95, 0x9a, 0x12, 0x0b,
    /* export section */
    0x07, 0x55, 0x0d, 0x03, 0x73, 0x75, 0x6d, 0x00, 0x01, 0x05, 0x61, 0x70,
    0x70, 0x6c, 0x79, 0x00, 0x04, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x05,
    0x04, 0x62, 0x75, 0x6d, 0x70, 0x00, 0x06, 0x01, 0x6b, 0x00, 0x07, 0x03,
    0x66, 0x69, 0x62, 0x00, 0x08, 0x05, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x00,
    0x09, 0x03, 0x68, 0x79, 0x70, 0x00, 0x0a, 0x05, 0x74, 0x69, 0x6e, 0x69,
    0x74, 0x00, 0x0b, 0x05, 0x6d, 0x69, 0x6e, 0x69, 0x74, 0x00, 0x0c, 0x03,
    0x6d, 0x65, 0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x01,
    0x67, 0x03, 0x01,
    /* start section */
    0x08, 0x01, 0x0d,
    /* element section */
    0x09, 0x11, 0x02, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x02, 0x03, 0x05, 0x70,
    0x02, 0xd2, 0x02, 0x0b, 0xd0, 0x70, 0x0b,
    /* data count section */
    0x0c, 0x01, 0x03,
    /* code section */
    0x0a, 0xe3, 0x01, 0x0d,
    0x2b, 0x01, 0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x45, 0x0d,
    0x01, 0x20, 0x02, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x6a, 0x21, 0x02, 0x20,
    0x00, 0x41, 0x01, 0x6a, 0x21, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6b, 0x21,
    0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x02, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x20, 0x00, 0x6c, 0x0b,
    0x17, 0x00, 0x20, 0x00, 0x41, 0x01, 0x4c, 0x04, 0x7f, 0x41, 0x01, 0x05,
    0x20, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x03, 0x6c, 0x0b, 0x0b,
    0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
    0x0a, 0x00, 0x20, 0x00, 0x10, 0x02, 0x20, 0x01, 0x10, 0x00, 0x0b,
    0x0b, 0x00, 0x23, 0x01, 0x41, 0x01, 0x6a, 0x24, 0x01, 0x23, 0x01, 0x0b,
    0x04, 0x00, 0x23, 0x02, 0x0b,
    0x2d, 0x01, 0x03, 0x7e, 0x42, 0x01, 0x21, 0x02, 0x02, 0x40, 0x03, 0x40,
    0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x01, 0x20, 0x02, 0x7c, 0x21, 0x03,
    0x20, 0x02, 0x21, 0x01, 0x20, 0x03, 0x21, 0x02, 0x20, 0x00, 0x41, 0x01,
    0x6b, 0x21, 0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b,
    0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x0b,
    0x0e, 0x00, 0x20, 0x00, 0x20, 0x00, 0xa2, 0x20, 0x01, 0x20, 0x01, 0xa2,
    0xa0, 0x9f, 0x0b,
    0x0c, 0x00, 0x41, 0x04, 0x41, 0x00, 0x41, 0x02, 0xfc, 0x0c, 0x01, 0x00,
    0x0b,
    0x0f, 0x00, 0x20, 0x00, 0x41, 0x00, 0x41, 0x03, 0xfc, 0x08, 0x02, 0x00,
    0xfc, 0x09, 0x02, 0x0b,
    0x0b, 0x00, 0x41, 0x00, 0x41, 0xfe, 0x95, 0x03, 0x36, 0x02, 0x00, 0x0b,
    /* data section */
    0x0b, 0x1e, 0x03, 0x00, 0x41, 0x08, 0x0b, 0x0a, 0x77, 0x65, 0x66, 0x74,
    0x20, 0x69, 0x6d, 0x61, 0x67, 0x65, 0x00, 0x23, 0x00, 0x0b, 0x04, 0x42,
    0x41, 0x53, 0x45, 0x01, 0x03, 0x10, 0x20, 0x30,
};

/* (module (func (export "answer") (result i32) i32.const 42)) */
static const uint8_t trivial_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
    /* function section */
    0x03, 0x02, 0x01, 0x00,
    /* export section */
    0x07, 0x0a, 0x01, 0x06, 0x61, 0x6e, 0x73, 0x77, 0x65, 0x72, 0x00, 0x00,
    /* code section */
    0x0a, 0x06, 0x01,
    0x04, 0x00, 0x41, 0x2a, 0x0b,
};

/*
 * (module
 *   (memory $a 1)
 *   (memory $b 2 3)
 *   (data (memory $b) (i32.const 100) "\01\02\03\04")
 *   (data (memory $a) (i32.const 0) "xy")
 *   (func (export "copy") (param $n i32)
 *     (memory.copy $a $b (i32.const 200) (i32.const 100) (local.get $n)))
 *   (func (export "ld_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
 *   (func (export "ld_b") (param i32) (result i32) (i32.load $b (local.get 0)))
 *   (func (export "st_b") (param i32 i32) (i32.store $b (local.get 0) (local.get 1)))
 *   (func (export "sizes") (result i32)
 *     (i32.add (i32.mul (memory.size $a) (i32.const 10)) (memory.size $b)))
 *   (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
 *   (export "ma" (memory $a))
 *   (export "mb" (memory $b)))
 */
static const uint8_t multi_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    /* type section */
    0x01, 0x13, 0x04, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x7f,
    /* function section */
    0x03, 0x07, 0x06, 0x00, 0x01, 0x01, 0x02, 0x03, 0x01,
    /* memory section */
    0x05, 0x06, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03,
    /* export section */
    0x07, 0x38, 0x08, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00, 0x04, 0x6c,
    0x64, 0x5f, 0x61, 0x00, 0x01, 0x04, 0x6c, 0x64, 0x5f, 0x62, 0x00, 0x02,
    0x04, 0x73, 0x74, 0x5f, 0x62, 0x00, 0x03, 0x05, 0x73, 0x69, 0x7a, 0x65,
    0x73, 0x00, 0x04, 0x06, 0x67, 0x72, 0x6f, 0x77, 0x5f, 0x62, 0x00, 0x05,
    0x02, 0x6d, 0x61, 0x02, 0x00, 0x02, 0x6d, 0x62, 0x02, 0x01,
    /* code section */
    0x0a, 0x3e, 0x06,
    0x0e, 0x00, 0x41, 0xc8, 0x01, 0x41, 0xe4, 0x00, 0x20, 0x00, 0xfc, 0x0a,
    0x00, 0x01, 0x0b,
    0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b,
    0x08, 0x00, 0x20, 0x00, 0x28, 0x42, 0x01, 0x00, 0x0b,
    0x0a, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x42, 0x01, 0x00, 0x0b,
    0x0a, 0x00, 0x3f, 0x00, 0x41, 0x0a, 0x6c, 0x3f, 0x01, 0x6a, 0x0b,
    0x06, 0x00, 0x20, 0x00, 0x40, 0x01, 0x0b,
    /* data section */
    0x0b, 0x13, 0x02, 0x02, 0x01, 0x41, 0xe4, 0x00, 0x0b, 0x04, 0x01, 0x02,
    0x03, 0x04, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x78, 0x79,
};

/* (module) */
static const uint8_t empty_wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

/* ------------------------------------------------------------------ */
/* The image layout (src/image/image.c), for patching: image_edit.h     */
/* ------------------------------------------------------------------ */

#define IMG_CRC_AT IE_CRC_AT

static uint32_t rd32(const uint8_t *p) { return ie_rd32(p); }
static void wr32(uint8_t *p, uint32_t v) { ie_wr32(p, v); }

static void wr_n(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t image_checksum(const uint8_t *img, size_t len) { return ie_checksum(img, len); }
static void fix_crc(uint8_t *img, size_t len) { ie_fix_crc(img, len); }

static uint32_t sec_off(const uint8_t *img, unsigned id) { return ie_section(img, id, NULL); }

static uint32_t sec_size(const uint8_t *img, unsigned id)
{
    uint32_t n;
    ie_section(img, id, &n);
    return n;
}

/* Count `field` of the meta stream (IE_NTYPES, ...). */
static uint32_t info_of(const uint8_t *img, unsigned field)
{
    ie_meta m = ie_meta_read(img);
    uint32_t v = field < m.n ? m.v[field] : UINT32_MAX;
    ie_meta_free(&m);
    return v;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A copy in a heap block of exactly n bytes: aligned as malloc aligns (at
 * least 8), with ASan watching the bytes just past its end. */
static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n ? n : 1);
    if (!q) {
        printf("out of memory\n");
        exit(2);
    }
    if (n)
        memcpy(q, p, n);
    return q;
}

typedef struct image {
    uint8_t *bytes;   /* malloc'd copy of the serialized module */
    size_t len;
} image;

/* Serializes wasm (loaded into e) into a malloc'd copy of the image. */
static image make_image(weft_engine *e, const uint8_t *wasm, size_t len, const char *name)
{
    image im = {NULL, 0};
    weft_module *m = unit_load(e, wasm, len, name);
    if (!m)
        return im;
    uint8_t *out = NULL;
    size_t n = 0;
    weft_error err;
    weft_status s = weft_module_serialize(m, &out, &n, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    if (s == WEFT_OK && out) {
        CHECK(weft_is_image(out, n));
        CHECK_EQ(n % 8, 0);
        CHECK(n >= IE_HDR + 8);
        /* the checksum model used to patch images below matches the writer */
        CHECK_EQ(rd32(out + IMG_CRC_AT), image_checksum(out, n));
        im.bytes = dup_bytes(out, n);
        im.len = n;
        weft_image_free(e, out, n);
    }
    weft_module_delete(m);
    return im;
}

static void free_image(image *im)
{
    free(im->bytes);
    im->bytes = NULL;
    im->len = 0;
}

/* Loads img; on failure checks that *out was set to NULL and that err
 * carries the status and a message. */
static weft_status try_load(weft_engine *e, const uint8_t *img, size_t len, weft_error *err,
                            bool *clean)
{
    static char sentinel;
    weft_module *m = (weft_module *)(void *)&sentinel;
    memset(err, 0, sizeof *err);
    weft_status s = weft_module_from_image(e, img, len, &m, err);
    if (s == WEFT_OK) {
        *clean = m != NULL && m != (weft_module *)(void *)&sentinel;
        weft_module_delete(m);
    } else {
        *clean = m == NULL && err->status == s && err->message[0] != '\0' &&
                 strlen(err->message) < sizeof err->message;
    }
    return s;
}

/* Loads an image that must be refused with status want. */
static bool refused(weft_engine *e, const uint8_t *img, size_t len, weft_status want,
                    weft_error *err, const char *what)
{
    bool clean;
    weft_status s = try_load(e, img, len, err, &clean);
    bool ok = s == want && clean;
    if (!ok)
        printf("  %s: got %s (message \"%s\"), want %s with a message\n", what,
               weft_status_name(s), err->message, weft_status_name(want));
    return ok;
}

/* ------------------------------------------------------------------ */
/* Running the same module from bytes and from an image                */
/* ------------------------------------------------------------------ */

typedef struct call_case {
    const char *name;
    uint32_t nargs;
    weft_val args[3];
    weft_status status;      /* WEFT_OK or WEFT_TRAP */
    weft_trap_kind trap;
    weft_val want;           /* the first result, if any; compared by bits */
} call_case;

#define V_I32(v) {WEFT_I32, {.i32 = (v)}}
#define V_I64(v) {WEFT_I64, {.i64 = (v)}}
#define V_F64(bits) {WEFT_F64, {.f64_bits = (bits)}}
#define ARGS0 0, {{0}}
#define ARGS1(a) 1, {a}
#define ARGS2(a, b) 2, {a, b}
#define GIVES(v) WEFT_OK, WEFT_TRAP_NONE, v
#define DONE WEFT_OK, WEFT_TRAP_NONE, {0}
#define TRAPS(k) WEFT_TRAP, WEFT_TRAP_##k, {0}

static bool same_val(const weft_val *a, const weft_val *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case WEFT_I32: case WEFT_F32: return a->of.i32 == b->of.i32;
    case WEFT_I64: case WEFT_F64: return a->of.i64 == b->of.i64;
    case WEFT_V128: return memcmp(a->of.v128, b->of.v128, 16) == 0;
    case WEFT_FUNCREF: return (a->of.funcref == NULL) == (b->of.funcref == NULL);
    case WEFT_EXTERNREF: return a->of.externref == b->of.externref;
    case WEFT_EXNREF: return (a->of.exnref == NULL) == (b->of.exnref == NULL);
    }
    return false;
}

/* Calls one case in an instance; checks the expectation. */
static void run_case(weft_store *st, weft_instance *inst, const call_case *c, const char *tag,
                     weft_status *s_out, weft_val *r_out)
{
    weft_func *f = unit_func(inst, c->name);
    CHECK(f != NULL);
    memset(r_out, 0, sizeof *r_out);
    *s_out = WEFT_NOT_FOUND;
    if (!f)
        return;
    weft_error err;
    weft_val r[4];
    memset(r, 0, sizeof r);
    uint32_t nr = weft_func_type(f)->nresults;
    CHECK(nr <= 4);
    weft_status s = weft_func_call(st, f, c->args, c->nargs, r, nr, &err);
    *s_out = s;
    *r_out = r[0];
    bool ok = s == c->status && (s != WEFT_TRAP || err.trap == c->trap) &&
              (s != WEFT_OK || nr == 0 || same_val(&r[0], &c->want));
    if (!ok)
        printf("  %s %s: got %s/%s 0x%llx (\"%s\")\n", tag, c->name, weft_status_name(s),
               weft_trap_name(s == WEFT_TRAP ? err.trap : WEFT_TRAP_NONE),
               (unsigned long long)r[0].of.i64, err.message);
    unit_check(ok, __FILE__, __LINE__, c->name);
}

/* Equal externtypes (function types by content). */
static bool same_externtype(const weft_externtype *a, const weft_externtype *b)
{
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case WEFT_EXTERN_FUNC: case WEFT_EXTERN_TAG:
        return a->func.nparams == b->func.nparams && a->func.nresults == b->func.nresults &&
               !memcmp(a->func.params, b->func.params, a->func.nparams * sizeof(weft_valkind)) &&
               !memcmp(a->func.results, b->func.results, a->func.nresults * sizeof(weft_valkind));
    case WEFT_EXTERN_TABLE:
        return a->table.elem == b->table.elem && a->table.limits.min == b->table.limits.min &&
               a->table.limits.has_max == b->table.limits.has_max &&
               (!a->table.limits.has_max || a->table.limits.max == b->table.limits.max);
    case WEFT_EXTERN_MEMORY:
        return a->memory.limits.min == b->memory.limits.min &&
               a->memory.limits.has_max == b->memory.limits.has_max &&
               (!a->memory.limits.has_max || a->memory.limits.max == b->memory.limits.max) &&
               a->memory.page_size_log2 == b->memory.page_size_log2 &&
               a->memory.is64 == b->memory.is64;
    case WEFT_EXTERN_GLOBAL:
        return a->global.type == b->global.type && a->global.mutable_ == b->global.mutable_;
    }
    return false;
}

/* The same imports and exports, in the same order. */
static void compare_descs(const weft_module *a, const weft_module *b, const char *name)
{
    CHECK_EQ(weft_module_import_count(b), weft_module_import_count(a));
    CHECK_EQ(weft_module_export_count(b), weft_module_export_count(a));
    unsigned bad = 0;
    for (uint32_t i = 0; i < weft_module_import_count(a); i++) {
        weft_importdesc x, y;
        if (!weft_module_import(a, i, &x) || !weft_module_import(b, i, &y) ||
            x.module_len != y.module_len || x.name_len != y.name_len ||
            strcmp(x.module, y.module) != 0 || strcmp(x.name, y.name) != 0 ||
            !same_externtype(&x.type, &y.type)) {
            printf("  %s: import %u differs\n", name, i);
            bad++;
        }
    }
    for (uint32_t i = 0; i < weft_module_export_count(a); i++) {
        weft_exportdesc x, y;
        if (!weft_module_export(a, i, &x) || !weft_module_export(b, i, &y) ||
            x.name_len != y.name_len || strcmp(x.name, y.name) != 0 ||
            !same_externtype(&x.type, &y.type)) {
            printf("  %s: export %u differs\n", name, i);
            bad++;
        }
    }
    CHECK_EQ(bad, 0);
}

typedef struct text {
    char buf[16384];
    size_t len;
} text;

static void text_line(void *ud, const char *line)
{
    text *t = ud;
    size_t n = strlen(line);
    if (t->len + n + 1 < sizeof t->buf) {
        memcpy(t->buf + t->len, line, n);
        t->buf[t->len + n] = '\n';
        t->len += n + 1;
        t->buf[t->len] = '\0';
    }
}

/* The same internal code for each of the nfuncs functions (and none past). */
static void compare_code(const weft_module *a, const weft_module *b, uint32_t nfuncs,
                         uint32_t nimported, const char *name)
{
    static text ta, tb;
    unsigned bad = 0, listed = 0;
    for (uint32_t i = 0; i <= nfuncs; i++) {
        ta.len = tb.len = 0;
        ta.buf[0] = tb.buf[0] = '\0';
        bool da = weft_module_disasm(a, i, text_line, &ta);
        bool db = weft_module_disasm(b, i, text_line, &tb);
        if (da != db || strcmp(ta.buf, tb.buf) != 0) {
            printf("  %s: code of function %u differs\n", name, i);
            bad++;
        }
        listed += db;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(listed, nfuncs - nimported);
}

/* A read-only copy, as an image in flash would be: a write through the
 * module's view of the image faults. */
typedef struct ro_buf {
    uint8_t *p;
    size_t len, cap;
} ro_buf;

static ro_buf ro_copy(const uint8_t *bytes, size_t len)
{
    ro_buf b = {NULL, len, 0};
#if defined(__unix__) || defined(__APPLE__)
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    b.cap = (len + page - 1) / page * page;
    void *p = NULL;
    if (posix_memalign(&p, page, b.cap) != 0) {
        printf("out of memory\n");
        exit(2);
    }
    b.p = p;
    memcpy(b.p, bytes, len);
    CHECK_EQ(mprotect(b.p, b.cap, PROT_READ), 0);
#else
    b.p = dup_bytes(bytes, len);
#endif
    return b;
}

static void ro_free(ro_buf *b)
{
#if defined(__unix__) || defined(__APPLE__)
    mprotect(b->p, b->cap, PROT_READ | PROT_WRITE);
#endif
    free(b->p);
    b->p = NULL;
}

/* env.add: i32 addition, counting its calls in *user. */
static weft_trap_kind host_add(weft_caller *c, void *user, const weft_val *args,
                               weft_val *results)
{
    (void)c;
    (*(int *)user)++;
    results[0] = weft_val_i32((int32_t)((uint32_t)args[0].of.i32 + (uint32_t)args[1].of.i32));
    return WEFT_TRAP_NONE;
}

/* Instantiates m with env.add (counting into *calls) and env.base = 64. */
static weft_instance *instantiate(weft_store *st, const weft_module *m, int *calls)
{
    weft_extern imports[4];
    uint32_t n = weft_module_import_count(m);
    CHECK(n <= 4);
    for (uint32_t i = 0; i < n && i < 4; i++) {
        weft_importdesc d;
        CHECK(weft_module_import(m, i, &d));
        imports[i].kind = d.type.kind;
        if (d.type.kind == WEFT_EXTERN_FUNC && strcmp(d.name, "add") == 0) {
            imports[i].of.func = weft_func_new(st, &d.type.func, host_add, calls, NULL);
        } else if (d.type.kind == WEFT_EXTERN_GLOBAL && strcmp(d.name, "base") == 0) {
            imports[i].of.global = weft_global_new(st, WEFT_I32, false, weft_val_i32(64));
        } else {
            printf("  unexpected import %s.%s\n", d.module, d.name);
            CHECK(0);
            return NULL;
        }
    }
    weft_instance *inst = NULL;
    weft_error err;
    weft_status s = weft_instance_new(st, m, imports, n, &inst, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    return s == WEFT_OK ? inst : NULL;
}

typedef struct module_case {
    const char *name;
    const uint8_t *wasm;
    size_t len;
    const call_case *calls;
    size_t ncalls;
    const char *const *mems;      /* exported memories to compare, NULL-ended */
    const char *const *globals;   /* exported globals to compare, NULL-ended */
} module_case;

static const call_case full_calls[] = {
    {"sum", ARGS2(V_I32(8), V_I32(10)), GIVES(V_I32(985))},    /* "weft image" */
    {"sum", ARGS2(V_I32(0), V_I32(2)), GIVES(V_I32(0xfe + 0xca))},  /* the start function's */
    {"sum", ARGS2(V_I32(64), V_I32(4)), GIVES(V_I32(283))},    /* "BASE" at env.base */
    {"fib", ARGS1(V_I32(50)), GIVES(V_I64(12586269025))},
    {"fib", ARGS1(V_I32(0)), GIVES(V_I64(0))},
    {"apply", ARGS2(V_I32(1), V_I32(7)), GIVES(V_I32(49))},
    {"apply", ARGS2(V_I32(2), V_I32(10)), GIVES(V_I32(3628800))},
    {"apply", ARGS2(V_I32(0), V_I32(1)), TRAPS(UNINIT_ELEMENT)},
    {"apply", ARGS2(V_I32(6), V_I32(1)), TRAPS(TABLE_OOB)},
    {"host", ARGS2(V_I32(5), V_I32(3)), GIVES(V_I32(28))},
    {"bump", ARGS0, GIVES(V_I32(11))},
    {"bump", ARGS0, GIVES(V_I32(12))},
    {"k", ARGS0, GIVES(V_I64(0x123456789))},
    {"hyp", ARGS2(V_F64(0x4008000000000000), V_F64(0x4010000000000000)),
     GIVES(V_F64(0x4014000000000000))},
    {"store", ARGS2(V_I32(100), V_I32(0x01020304)), DONE},
    {"sum", ARGS2(V_I32(100), V_I32(4)), GIVES(V_I32(10))},
    {"store", ARGS2(V_I32(65533), V_I32(1)), TRAPS(MEMORY_OOB)},
    {"apply", ARGS2(V_I32(4), V_I32(9)), TRAPS(UNINIT_ELEMENT)},
    {"tinit", ARGS0, DONE},
    {"apply", ARGS2(V_I32(4), V_I32(9)), GIVES(V_I32(81))},
    {"apply", ARGS2(V_I32(5), V_I32(1)), TRAPS(UNINIT_ELEMENT)},
    {"minit", ARGS1(V_I32(300)), DONE},
    {"sum", ARGS2(V_I32(300), V_I32(3)), GIVES(V_I32(0x60))},
    {"minit", ARGS1(V_I32(300)), TRAPS(MEMORY_OOB)},   /* dropped */
};

static const call_case multi_calls[] = {
    {"ld_a", ARGS1(V_I32(0)), GIVES(V_I32('x'))},
    {"ld_a", ARGS1(V_I32(1)), GIVES(V_I32('y'))},
    {"ld_b", ARGS1(V_I32(100)), GIVES(V_I32(0x04030201))},
    {"sizes", ARGS0, GIVES(V_I32(12))},
    {"copy", ARGS1(V_I32(4)), DONE},
    {"ld_a", ARGS1(V_I32(200)), GIVES(V_I32(1))},
    {"ld_a", ARGS1(V_I32(203)), GIVES(V_I32(4))},
    {"grow_b", ARGS1(V_I32(1)), GIVES(V_I32(2))},
    {"grow_b", ARGS1(V_I32(1)), GIVES(V_I32(-1))},
    {"sizes", ARGS0, GIVES(V_I32(13))},
    {"st_b", ARGS2(V_I32(0x2fffc), V_I32(7)), DONE},
    {"ld_b", ARGS1(V_I32(0x2fffc)), GIVES(V_I32(7))},
    {"ld_b", ARGS1(V_I32(0x2fffd)), TRAPS(MEMORY_OOB)},
    {"ld_a", ARGS1(V_I32(65536)), TRAPS(MEMORY_OOB)},
    {"copy", ARGS1(V_I32(0x10000)), TRAPS(MEMORY_OOB)},
};

static const call_case trivial_calls[] = {
    {"answer", ARGS0, GIVES(V_I32(42))},
};

static const char *const full_mems[] = {"mem", NULL};
static const char *const full_globals[] = {"g", NULL};
static const char *const multi_mems[] = {"ma", "mb", NULL};
static const char *const no_names[] = {NULL};

static const module_case module_cases[] = {
    {"full", full_wasm, sizeof full_wasm, full_calls,
     sizeof full_calls / sizeof full_calls[0], full_mems, full_globals},
    {"trivial", trivial_wasm, sizeof trivial_wasm, trivial_calls,
     sizeof trivial_calls / sizeof trivial_calls[0], no_names, no_names},
    {"multi-memory", multi_wasm, sizeof multi_wasm, multi_calls,
     sizeof multi_calls / sizeof multi_calls[0], multi_mems, no_names},
    {"empty", empty_wasm, sizeof empty_wasm, NULL, 0, no_names, no_names},
};

#define NMODULES (sizeof module_cases / sizeof module_cases[0])

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

/* Serialize, load from a read-only copy, run beside the module loaded
 * from bytes. */
static void test_same_behavior(weft_engine *e, const module_case *mc, const image *im)
{
    if (!im->bytes)
        return;
    ro_buf ro = ro_copy(im->bytes, im->len);
    weft_module *mb = unit_load(e, mc->wasm, mc->len, mc->name);
    weft_module *mi = NULL;
    weft_error err;
    weft_status s = weft_module_from_image(e, ro.p, ro.len, &mi, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    weft_store *sb = weft_store_new(e), *si = weft_store_new(e);
    CHECK(sb && si);
    if (!mb || !mi || !sb || !si)
        goto out;

    compare_descs(mb, mi, mc->name);
    compare_code(mb, mi, info_of(im->bytes, IE_NFUNCS),
                 info_of(im->bytes, IE_NIMPORTED_FUNCS), mc->name);

    /* serializing the loaded module gives the same image back */
    uint8_t *again = NULL;
    size_t alen = 0;
    s = weft_module_serialize(mi, &again, &alen, &err);
    CHECK_STATUS(s, WEFT_OK, &err);
    if (s == WEFT_OK) {
        CHECK_EQ(alen, im->len);
        CHECK(alen == im->len && memcmp(again, im->bytes, alen) == 0);
        weft_image_free(e, again, alen);
    }

    int calls_b = 0, calls_i = 0;
    weft_instance *ib = instantiate(sb, mb, &calls_b);
    weft_instance *ii = instantiate(si, mi, &calls_i);
    if (!ib || !ii)
        goto out;
    for (size_t k = 0; k < mc->ncalls; k++) {
        const call_case *c = &mc->calls[k];
        weft_status s1, s2;
        weft_val r1, r2;
        run_case(sb, ib, c, "bytes", &s1, &r1);
        run_case(si, ii, c, "image", &s2, &r2);
        bool same = s1 == s2 && (s1 != WEFT_OK || same_val(&r1, &r2) ||
                                 weft_func_type(unit_func(ii, c->name))->nresults == 0);
        if (!same)
            printf("  %s %s: bytes and image differ\n", mc->name, c->name);
        unit_check(same, __FILE__, __LINE__, "same result from bytes and image");
    }
    CHECK_EQ(calls_i, calls_b);
    for (const char *const *n = mc->mems; *n; n++) {
        weft_extern x1, x2;
        bool ok = weft_instance_export(ib, *n, &x1) && weft_instance_export(ii, *n, &x2) &&
                  x1.kind == WEFT_EXTERN_MEMORY && x2.kind == WEFT_EXTERN_MEMORY;
        CHECK(ok);
        if (ok) {
            CHECK_EQ(weft_memory_size(x2.of.memory), weft_memory_size(x1.of.memory));
            CHECK(weft_memory_size(x1.of.memory) == weft_memory_size(x2.of.memory) &&
                  memcmp(weft_memory_data(x1.of.memory), weft_memory_data(x2.of.memory),
                         (size_t)weft_memory_size(x1.of.memory)) == 0);
        }
    }
    for (const char *const *n = mc->globals; *n; n++) {
        weft_extern x1, x2;
        bool ok = weft_instance_export(ib, *n, &x1) && weft_instance_export(ii, *n, &x2) &&
                  x1.kind == WEFT_EXTERN_GLOBAL && x2.kind == WEFT_EXTERN_GLOBAL;
        CHECK(ok);
        if (ok) {
            weft_val g1 = weft_global_get(x1.of.global), g2 = weft_global_get(x2.of.global);
            CHECK(same_val(&g1, &g2));
        }
    }

    /* a second instance of the image's module starts afresh */
    if (strcmp(mc->name, "full") == 0) {
        weft_instance *i2 = instantiate(si, mi, &calls_i);
        weft_func *bump = unit_func(i2, "bump");
        weft_val r;
        if (bump) {
            CHECK_STATUS(weft_func_call(si, bump, NULL, 0, &r, 1, &err), WEFT_OK, &err);
            CHECK_EQ(r.of.i32, 11);
        } else {
            CHECK(0);
        }
    }
out:
    weft_store_delete(sb);
    weft_store_delete(si);
    weft_module_delete(mb);
    weft_module_delete(mi);
    /* the loader and the runs left the image as it was */
    CHECK(memcmp(ro.p, im->bytes, im->len) == 0);
    ro_free(&ro);
}

/* Every byte xor 0xFF and every single-bit flip is refused. */
static void test_flips(weft_engine *e, const char *name, const image *im)
{
    if (!im->bytes)
        return;
    uint8_t *buf = dup_bytes(im->bytes, im->len);
    unsigned bad = 0, tried = 0;
    for (size_t i = 0; i < im->len; i++) {
        for (int k = 0; k < 9; k++) {
            uint8_t mask = k == 8 ? 0xFF : (uint8_t)(1u << k);
            char what[64];
            snprintf(what, sizeof what, "%s byte %zu ^ 0x%02x", name, i, mask);
            memcpy(buf, im->bytes, im->len);
            buf[i] ^= mask;
            weft_error err;
            tried++;
            bool ok;
            if (bad < 5) {
                ok = refused(e, buf, im->len, WEFT_MALFORMED, &err, what);
            } else {
                weft_status s = try_load(e, buf, im->len, &err, &ok);
                ok = ok && s == WEFT_MALFORMED;
            }
            bad += !ok;
        }
    }
    printf("%s: %u flips of a %zu-byte image\n", name, tried, im->len);
    CHECK_EQ(bad, 0);
    free(buf);
}

/* Every truncation is refused; so is padding. */
static void test_truncations(weft_engine *e, const char *name, const image *im)
{
    if (!im->bytes)
        return;
    unsigned bad = 0;
    for (size_t n = 0; n < im->len; n++) {
        uint8_t *buf = dup_bytes(im->bytes, n);
        char what[64];
        snprintf(what, sizeof what, "%s cut to %zu bytes", name, n);
        weft_error err;
        if (bad < 5) {
            bad += !refused(e, buf, n, WEFT_MALFORMED, &err, what);
        } else {
            bool clean;
            weft_status s = try_load(e, buf, n, &err, &clean);
            bad += !(clean && s == WEFT_MALFORMED);
        }
        free(buf);
    }
    CHECK_EQ(bad, 0);

    uint8_t *pad = calloc(im->len + 8, 1);
    CHECK(pad != NULL);
    if (pad) {
        memcpy(pad, im->bytes, im->len);
        weft_error err;
        CHECK(refused(e, pad, im->len + 8, WEFT_MALFORMED, &err, "padded"));
        CHECK_CONTAINS(err.message, "length");
        free(pad);
    }
}

/* One header field set to v (width bytes) with the checksum recomputed:
 * refused by the check of that field. */
static void header_case(weft_engine *e, const image *im, const char *what, size_t at,
                        unsigned width, uint64_t v, const char *needle)
{
    uint8_t *buf = dup_bytes(im->bytes, im->len);
    wr_n(buf + at, width, v);
    fix_crc(buf, im->len);
    weft_error err;
    unit_check(refused(e, buf, im->len, WEFT_MALFORMED, &err, what), __FILE__, __LINE__, what);
    CHECK_CONTAINS(err.message, "expected");
    CHECK_CONTAINS(err.message, needle);
    free(buf);
}

static void test_header(weft_engine *e, const image *im)
{
    if (!im->bytes)
        return;
    const uint8_t *p = im->bytes;
    header_case(e, im, "format version", 8, 4, rd32(p + 8) + 1, "format");
    header_case(e, im, "weft version", 12, 4, 0x000200, "weft");
    {
        uint8_t *buf = dup_bytes(p, im->len);
        wr32(buf + 12, 0x000200);
        fix_crc(buf, im->len);
        weft_error err;
        CHECK(refused(e, buf, im->len, WEFT_MALFORMED, &err, "weft 0.2.0"));
        CHECK_CONTAINS(err.message, "0.2.0");
        CHECK_CONTAINS(err.message, WEFT_VERSION_STRING);
        free(buf);
    }
    header_case(e, im, "word size", 16, 1, 2, "word size");
    header_case(e, im, "byte order", 17, 1, 0, "byte order");
    header_case(e, im, "kind", 18, 1, 7, "kind");
    header_case(e, im, "configuration stamp", 20, 4, rd32(p + 20) ^ 1u, "configuration");
    header_case(e, im, "opcode hash", 24, 4, rd32(p + 24) ^ 0x80000000u, "code format");
    header_case(e, im, "section count", 28, 4, 13, "section count");
    header_case(e, im, "total length", 32, 8, (uint64_t)im->len + 8, "length");
    header_case(e, im, "total length, high half", 32, 8, (uint64_t)1 << 32 | im->len, "length");

    /* a wrong checksum */
    uint8_t *buf = dup_bytes(p, im->len);
    wr32(buf + IMG_CRC_AT, rd32(buf + IMG_CRC_AT) ^ 0x10u);
    weft_error err;
    CHECK(refused(e, buf, im->len, WEFT_MALFORMED, &err, "checksum"));
    CHECK_CONTAINS(err.message, "checksum");
    free(buf);
}

/* An image is bound to the configuration that made it. */
static void test_configuration(const image *im)
{
    if (!im->bytes)
        return;
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.features = 0;
    weft_engine *e = weft_engine_new(&cfg);
    CHECK(e != NULL);
    if (!e)
        return;
    weft_error err;
    CHECK(refused(e, im->bytes, im->len, WEFT_MALFORMED, &err, "features off"));
    CHECK_CONTAINS(err.message, "configuration");
    CHECK_CONTAINS(err.message, "expected");
    weft_engine_delete(e);
}

static void test_text_mode(weft_engine *e, const image *im)
{
    if (!im->bytes)
        return;
    const uint8_t *p = im->bytes;
    size_t len = im->len;
    weft_error err;

    /* "\r\n" read back as "\n": everything after moves down one byte */
    uint8_t *buf = malloc(len - 1);
    CHECK(buf != NULL);
    CHECK(p[4] == '\r' && p[5] == '\n');
    memcpy(buf, p, 4);
    memcpy(buf + 4, p + 5, len - 5);
    CHECK(!weft_is_image(buf, len - 1));
    CHECK(refused(e, buf, len - 1, WEFT_MALFORMED, &err, "CRLF to LF"));
    CHECK_CONTAINS(err.message, "magic");
    free(buf);

    /* written in text mode where "\n" becomes "\r\n" */
    size_t nl = 0;
    for (size_t i = 0; i < len; i++)
        nl += p[i] == '\n';
    buf = malloc(len + nl);
    CHECK(buf != NULL);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n')
            buf[k++] = '\r';
        buf[k++] = p[i];
    }
    CHECK(refused(e, buf, k, WEFT_MALFORMED, &err, "LF to CRLF"));
    CHECK_CONTAINS(err.message, "magic");
    free(buf);

    /* the 0x1a (end of file in text mode) replaced */
    buf = dup_bytes(p, len);
    buf[6] = 0;
    CHECK(refused(e, buf, len, WEFT_MALFORMED, &err, "no 0x1a"));
    CHECK_CONTAINS(err.message, "magic");
    free(buf);

    /* a wasm binary is not an image */
    buf = dup_bytes(full_wasm, sizeof full_wasm);
    CHECK(!weft_is_image(buf, sizeof full_wasm));
    CHECK(refused(e, buf, sizeof full_wasm, WEFT_MALFORMED, &err, "wasm binary"));
    CHECK_CONTAINS(err.message, "magic");
    free(buf);

    CHECK(weft_is_image(p, 8));
    CHECK(!weft_is_image(p, 7));
    CHECK(!weft_is_image(p, 0));
}

static void test_arguments(weft_engine *e, const image *im)
{
    if (!im->bytes)
        return;
    weft_error err;
    weft_module *m = NULL;
    uint8_t *raw = malloc(im->len + 8);
    CHECK(raw != NULL);
    for (size_t off = 1; off < 8; off++) {
        memcpy(raw + off, im->bytes, im->len);
        if (((uintptr_t)(raw + off) & 7) == 0)
            continue;
        char what[32];
        snprintf(what, sizeof what, "misaligned by %zu", off);
        unit_check(refused(e, raw + off, im->len, WEFT_ARG, &err, what), __FILE__, __LINE__,
                   what);
    }
    CHECK_CONTAINS(err.message, "align");
    free(raw);

    CHECK_EQ(weft_module_from_image(e, im->bytes, im->len, NULL, &err), WEFT_ARG);
    m = (weft_module *)(void *)&err;
    CHECK_EQ(weft_module_from_image(NULL, im->bytes, im->len, &m, &err), WEFT_ARG);
    CHECK(m == NULL);
    CHECK_EQ(weft_module_from_image(e, NULL, im->len, &m, &err), WEFT_ARG);
    CHECK(m == NULL);
    CHECK(refused(e, im->bytes, 0, WEFT_MALFORMED, &err, "length 0"));

    uint8_t *out = (uint8_t *)1;
    size_t len = 1;
    CHECK_EQ(weft_module_serialize(NULL, &out, &len, &err), WEFT_ARG);
    m = unit_load(e, trivial_wasm, sizeof trivial_wasm, "trivial");
    if (m) {
        CHECK_EQ(weft_module_serialize(m, NULL, &len, &err), WEFT_ARG);
        CHECK_EQ(weft_module_serialize(m, &out, NULL, &err), WEFT_ARG);
        /* no error record needed */
        CHECK_EQ(weft_module_serialize(m, &out, &len, NULL), WEFT_OK);
        weft_module *m2 = NULL;
        CHECK_EQ(weft_module_from_image(e, out, len, &m2, NULL), WEFT_OK);
        weft_module_delete(m2);
        weft_image_free(e, out, len);
        /* the writer is deterministic */
        uint8_t *a = NULL, *b = NULL;
        size_t la = 0, lb = 0;
        CHECK_EQ(weft_module_serialize(m, &a, &la, &err), WEFT_OK);
        CHECK_EQ(weft_module_serialize(m, &b, &lb, &err), WEFT_OK);
        CHECK(la == lb && a && b && memcmp(a, b, la) == 0);
        weft_image_free(e, a, la);
        weft_image_free(e, b, lb);
        weft_module_delete(m);
    }
}

/* ------------------------------------------------------------------ */
/* Section records corrupted, the checksum recomputed                  */
/* ------------------------------------------------------------------ */

/* A copy of im with width bytes at `at` set to v and a valid checksum. */
static uint8_t *patched(const image *im, size_t at, unsigned width, uint64_t v)
{
    uint8_t *buf = dup_bytes(im->bytes, im->len);
    wr_n(buf + at, width, v);
    fix_crc(buf, im->len);
    return buf;
}

/* Loads buf, which must be refused as malformed with needle (if given)
 * in the message: 0 if so, 10 if it loaded, 11 if refused otherwise. */
static int refusal_verdict(weft_engine *e, const uint8_t *buf, size_t len, const char *what,
                           const char *needle)
{
    weft_error err;
    bool clean;
    weft_status s = try_load(e, buf, len, &err, &clean);
    if (s == WEFT_OK) {
        printf("  %s: loaded\n", what);
        return 10;
    }
    if (s != WEFT_MALFORMED || !clean || (needle && !strstr(err.message, needle))) {
        printf("  %s: got %s \"%s\", want MALFORMED naming \"%s\"\n", what,
               weft_status_name(s), err.message, needle ? needle : "");
        return 11;
    }
    return 0;
}

/* As refusal_verdict, in a child process where there is one, so that a
 * crash is reported as a failure of this case; frees buf. */
static void expect_refused(weft_engine *e, uint8_t *buf, size_t len, const char *what,
                           const char *needle, const char *file, int line)
{
    int v;
#if defined(__unix__) || defined(__APPLE__)
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        v = refusal_verdict(e, buf, len, what, needle);
        fflush(stdout);
        _exit(v);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        v = refusal_verdict(e, buf, len, what, needle);
    } else if (WIFSIGNALED(status)) {
        printf("  %s: the loader crashed (signal %d)\n", what, WTERMSIG(status));
        v = -1;
    } else {
        v = WEXITSTATUS(status);
        if (v != 0 && v != 10 && v != 11)
            printf("  %s: the loader crashed (exit status %d, see the report above)\n", what, v);
    }
#else
    v = refusal_verdict(e, buf, len, what, needle);
#endif
    unit_check(v == 0, file, line, what);
    free(buf);
}

/* Bytes of the image patched in place (the header, the section table,
 * the code). */
#define CORRUPT(what, at, width, v, needle)                                                 \
    expect_refused(e, patched(im, (at), (width), (v)), im->len, (what), (needle), __FILE__, \
                   __LINE__)

/* Value `field` of record `rec` of meta table t set to v; the image is
 * rebuilt around the re-encoded stream. */
static void meta_case(weft_engine *e, const image *im, int t, uint32_t rec, unsigned field,
                      uint32_t v, const char *what, const char *needle, const char *file,
                      int line)
{
    size_t len;
    uint8_t *buf = ie_patched(im->bytes, t, rec, field, v, &len);
    expect_refused(e, buf, len, what, needle, file, line);
}

#define META(what, t, rec, field, v, needle) \
    meta_case(e, im, (t), (rec), (field), (v), (what), (needle), __FILE__, __LINE__)

/* The meta section replaced by n raw bytes. */
static void meta_bytes_case(weft_engine *e, const image *im, const uint8_t *bytes, size_t n,
                            const char *what, const char *needle, const char *file, int line)
{
    size_t len;
    uint8_t *buf = ie_with_meta_bytes(im->bytes, bytes, n, &len);
    expect_refused(e, buf, len, what, needle, file, line);
}

static void test_structure(weft_engine *e, const image *im)
{
    if (!im->bytes)
        return;
    const uint8_t *p = im->bytes;
    ie_meta mv = ie_meta_read(p);
    const ie_meta *M = &mv;
    uint32_t ntypes = M->v[IE_NTYPES], nvaltypes = M->v[IE_NVALTYPES];
    uint32_t nfuncs = M->v[IE_NFUNCS], nimp = M->v[IE_NIMPORTED_FUNCS];
    uint32_t ntables = M->v[IE_NTABLES_COUNT], nmems = M->v[IE_NMEMS];
    uint32_t nglobals = M->v[IE_NGLOBALS];
    uint32_t code_len = sec_size(p, IE_SEC_CODE) / 2, pool_len = sec_size(p, IE_SEC_POOL);
    /* the full module: 2 imports (func 0, global 0), 1 table, 1 memory,
     * 3 globals, 2 element segments of 2 items, 3 data segments, the
     * meta, code and pool sections */
    CHECK_EQ(rd32(p + IE_NSEC_AT), 3);
    CHECK_EQ(M->v[IE_NIMPORTS], 2);
    CHECK_EQ(nimp, 1);
    CHECK_EQ(ntables, 1);
    CHECK_EQ(nmems, 1);
    CHECK_EQ(nglobals, 3);
    CHECK_EQ(M->v[IE_NELEMS], 2);
    CHECK_EQ(ie_get(M, IE_ELEMS, 0, 4), 2);
    CHECK_EQ(ie_get(M, IE_ELEMS, 1, 4), 2);
    CHECK_EQ(M->v[IE_NDATAS], 3);
    CHECK(code_len > 0 && pool_len > 0);
    /* the stream ends with the last record (no handlers, no catches) */
    CHECK_EQ(ie_at(M, IE_HANDLERS, 0, 0), M->n);
    uint32_t f = nimp;   /* the first defined function, "sum" */
    uint32_t f_off = ie_code_off(M, f), f_len = ie_get(M, IE_FUNCS, f, 2);
    CHECK_EQ(f_off, 0);
    uint32_t exp_mem = M->v[IE_NEXPORTS] - 3;   /* "mem", "tab", "g" come last */
    uint32_t elem0 = ie_get(M, IE_ELEMS, 0, 0), mem0 = ie_get(M, IE_MEMS, 0, 0);
    size_t meta_left = sec_size(p, IE_SEC_META);   /* bytes */

    /* section table */
    size_t code_ent = ie_entry(p, IE_SEC_CODE), pool_ent = ie_entry(p, IE_SEC_POOL);
    CHECK(code_ent != 0 && pool_ent != 0);
    CORRUPT("section id past the last", code_ent, 4, 99, "section");
    CORRUPT("section ids out of order", code_ent, 4, IE_SEC_META, "section");
    CORRUPT("section size past the end", pool_ent + 4, 4, im->len, "section");
    CORRUPT("section size wraps", pool_ent + 4, 4, 0xFFFFFFF8u, "section");
    CORRUPT("empty section listed", pool_ent + 4, 4, 0, "section");
    CORRUPT("sections end before the image", pool_ent + 4, 4, pool_len - 8, "section");
    CORRUPT("code section of odd size", code_ent + 4, 4, code_len * 2 + 1, "code");
    CORRUPT("code section a unit short", code_ent + 4, 4, code_len * 2 - 2, NULL);
    CORRUPT("one section fewer", IE_NSEC_AT, 4, 2, "section");
    CORRUPT("no sections", IE_NSEC_AT, 4, 0, "section");

    /* the meta stream itself */
    {
        static const uint8_t cut[] = {0x02, 0x03};
        static const uint8_t past32[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
        meta_bytes_case(e, im, cut, sizeof cut, "meta cut inside the counts", "counts",
                        __FILE__, __LINE__);
        meta_bytes_case(e, im, past32, sizeof past32, "meta value past 32 bits", "counts",
                        __FILE__, __LINE__);
        ie_meta more = {malloc((M->n + 1) * sizeof(uint32_t)), M->n + 1};
        CHECK(more.v != NULL);
        if (more.v) {
            memcpy(more.v, M->v, M->n * sizeof(uint32_t));
            more.v[M->n] = 0;
            size_t len;
            uint8_t *buf = ie_with_meta(p, &more, &len);
            expect_refused(e, buf, len, "a value past the last record", "past the last record",
                           __FILE__, __LINE__);
            more.n = M->n - 1;
            buf = ie_with_meta(p, &more, &len);
            expect_refused(e, buf, len, "the last value missing", NULL, __FILE__, __LINE__);
            free(more.v);
        }
    }

    /* counts against the bytes left */
    META("huge type count", IE_COUNTS, 0, IE_NTYPES, 0x80000000u, "record counts");
    META("function count above the bytes left", IE_COUNTS, 0, IE_NFUNCS,
         (uint32_t)meta_left / 7 + 1, "record counts");
    META("value type count above the bytes left", IE_COUNTS, 0, IE_NVALTYPES,
         (uint32_t)meta_left + 1, "record counts");
    META("type count one more", IE_COUNTS, 0, IE_NTYPES, ntypes + 1, NULL);
    META("function count one less", IE_COUNTS, 0, IE_NFUNCS, nfuncs - 1, NULL);
    META("more imported functions than functions", IE_COUNTS, 0, IE_NIMPORTED_FUNCS, nfuncs + 1,
         NULL);
    META("more imported globals than globals", IE_COUNTS, 0, IE_NIMPORTED_GLOBALS, nglobals + 1,
         NULL);
    META("start function out of range", IE_COUNTS, 0, IE_START, nfuncs, NULL);

    /* value and function types */
    META("value type past the last kind", IE_VALTYPES, 0, 0, WEFT_EXNREF + 1, "type");
    META("parameters past the value types", IE_TYPES, 0, 2, nvaltypes, "type");
    META("result count wraps", IE_TYPES, 0, 1, 0xFFFFFFFFu, "type");
    META("canonical type ahead of itself", IE_TYPES, 0, 4, 1, "type");

    /* functions */
    META("function type index out of range", IE_FUNCS, f, 0, ntypes, "type");
    META("imported function type out of range", IE_FUNCS, 0, 0, ntypes, "type");
    META("code_len past the code section", IE_FUNCS, f, 2, code_len - f_off + 1, "function");
    META("code_off past the code section", IE_FUNCS, f, 1, code_len - f_off, "function");
    META("code_off + code_len wraps", IE_FUNCS, f, 1, 0xFFFFFFFFu - f_len + 2, "function");
    META("empty code", IE_FUNCS, f, 2, 0, "function");
    META("code cut inside an instruction", IE_FUNCS, f, 2, 1, "code");
    META("more parameters than locals", IE_FUNCS, f, 3, 0xFFFF, "function");
    META("parameter slots past 16 bits", IE_FUNCS, f, 3, 0x10000, "function");
    META("frame slots past 16 bits", IE_FUNCS, f, 6, 0x10000, "function");
    META("frame smaller than the locals", IE_FUNCS, f, 6, 0, "function");
    CORRUPT("an unknown opcode", (size_t)sec_off(p, IE_SEC_CODE) + (size_t)f_off * 2, 2, 0xFFFF,
            "code");

    /* imports */
    META("import module name out of the pool", IE_IMPORTS, 0, 0, pool_len, "import");
    META("import name out of the pool", IE_IMPORTS, 0, 2, pool_len, "import");
    META("import name length past the pool", IE_IMPORTS, 0, 3, 0xFFFFFFFFu, "import");
    META("import name without its NUL", IE_IMPORTS, 0, 3, ie_get(M, IE_IMPORTS, 0, 3) - 1,
         "import");
    META("import kind 4 (a tag; there are none)", IE_IMPORTS, 0, 4, 4, "import");
    META("import kind 5", IE_IMPORTS, 0, 4, 5, "import");
    META("import index out of range", IE_IMPORTS, 0, 5, nfuncs, "import");
    META("global import index out of range", IE_IMPORTS, 1, 5, nglobals, "import");

    /* exports */
    META("export name out of the pool", IE_EXPORTS, 0, 0, pool_len + 1, "export");
    META("export kind 9", IE_EXPORTS, 0, 2, 9, "export");
    META("export index out of range", IE_EXPORTS, 0, 3, nfuncs, "export");
    META("export of memory 1", IE_EXPORTS, exp_mem, 3, nmems, "export");

    /* tables, memories, globals */
    META("table of i32", IE_TABLES, 0, 0, WEFT_I32, "table");
    META("table flags past the maximum bit", IE_TABLES, 0, 0, WEFT_FUNCREF | 1u << 9, "table");
    META("table init out of the pool", IE_TABLES, 0, 5, pool_len + 1, "table");
    META("memory pages of 2^12 bytes", IE_MEMS, 0, 0, (mem0 & ~0xFFu) | 12, "memory");
    META("64-bit memory", IE_MEMS, 0, 0, mem0 | 1u << 8, "memory");
    META("memory flags past the maximum bit", IE_MEMS, 0, 0, mem0 | 1u << 10, "memory");
    META("global of type 9", IE_GLOBALS, 1, 0, 9 | 1u << 8, "global");
    META("global init out of the pool", IE_GLOBALS, 1, 1, pool_len + 1, "global");
    META("global init length past the pool", IE_GLOBALS, 1, 2, 0xFFFFFFFFu, "global");

    /* element segments */
    META("element mode 3", IE_ELEMS, 0, 0, (elem0 & ~0xFFu) | 3, "element");
    META("element flags past the expression bit", IE_ELEMS, 0, 0, elem0 | 1u << 17, "element");
    META("element segment of table 1", IE_ELEMS, 0, 1, ntables, "element");
    META("element offset out of the pool", IE_ELEMS, 0, 2, pool_len + 1, "element");
    META("element count past the bytes left", IE_ELEMS, 0, 4, (uint32_t)meta_left, "element");
    META("element count wraps", IE_ELEMS, 1, 4, 0xFFFFFFFFu, "element");
    META("element count one more", IE_ELEMS, 1, 4, 3, NULL);
    META("element item not a function", IE_ELEMS, 0, 5, nfuncs, "element");
    META("element expression out of the pool", IE_ELEMS, 1, 5, pool_len, "element");

    /* data segments */
    META("data mode 2", IE_DATAS, 0, 0, 2, "data");
    META("data bytes out of the pool", IE_DATAS, 0, 4, pool_len, "data");
    META("data length past the pool", IE_DATAS, 0, 5, pool_len, "data");
    META("data of memory 1", IE_DATAS, 0, 1, nmems, "data");
    META("data offset out of the pool", IE_DATAS, 0, 2, pool_len + 1, "data");
    ie_meta_free(&mv);
}

/* ------------------------------------------------------------------ */
/* Corruption the loader must also catch: bindings, constant           */
/* expressions and the operands of the internal code                   */
/* ------------------------------------------------------------------ */

/* Unit index in the code section of the instruction at line `line` of
 * function funcidx's listing, or UINT32_MAX if that line does not start
 * with `op`. */
static uint32_t instr_at(const weft_module *m, const ie_meta *mv, uint32_t funcidx,
                         unsigned line, const char *op)
{
    static text t;
    t.len = 0;
    t.buf[0] = '\0';
    if (!weft_module_disasm(m, funcidx, text_line, &t))
        return UINT32_MAX;
    const char *s = t.buf;
    for (unsigned i = 0; i <= line && s; i++) {   /* past the "func N:" line */
        s = strchr(s, '\n');
        s = s ? s + 1 : NULL;
    }
    unsigned at;
    char name[32];
    if (!s || sscanf(s, "%u: %31s", &at, name) != 2 || strcmp(name, op) != 0) {
        printf("  function %u line %u is not %s:\n%s", funcidx, line, op, t.buf);
        return UINT32_MAX;
    }
    return ie_code_off(mv, funcidx) + at;
}

/* A meta value set to v and n bytes of the pool at pool offset `at`
 * replaced: must be refused. */
static void meta_pool_case(weft_engine *e, const image *im, int t, uint32_t rec, unsigned field,
                           uint32_t v, uint32_t at, const uint8_t *bytes, size_t n,
                           const char *what, const char *file, int line)
{
    size_t len;
    uint8_t *buf = ie_patched(im->bytes, t, rec, field, v, &len);
    memcpy(buf + sec_off(buf, IE_SEC_POOL) + at, bytes, n);
    fix_crc(buf, len);
    expect_refused(e, buf, len, what, NULL, file, line);
}

static void test_unchecked(weft_engine *e, const image *im)
{
    if (!im->bytes)
        return;
    const uint8_t *p = im->bytes;
    ie_meta mv = ie_meta_read(p);
    uint32_t nimp = mv.v[IE_NIMPORTED_FUNCS];
    uint32_t code = sec_off(p, IE_SEC_CODE);

    /* an import bound to a defined function: instantiation leaves the
     * imported function's slot empty */
    META("function import bound to defined function 1", IE_IMPORTS, 0, 5, nimp, NULL);
    META("global import bound to defined global 1", IE_IMPORTS, 1, 5, 1, NULL);
    /* two imported functions but one function import: function 1 is
     * never bound */
    META("imported function count above the function imports", IE_COUNTS, 0,
         IE_NIMPORTED_FUNCS, nimp + 1, NULL);
    /* the start function is called without arguments */
    META("start function with parameters", IE_COUNTS, 0, IE_START, nimp, NULL);

    /* constant expressions: global 1's initializer, element item 2 (an
     * expression) and data 0's offset made to point at data 0's bytes
     * ("weft image"), which are overwritten with an expression that
     * reads global 127, function 127 or nothing that ends */
    uint32_t d0 = ie_get(&mv, IE_DATAS, 0, 4);
    static const uint8_t get_global_127[] = {0x23, 0x7f, 0x0b};
    static const uint8_t ref_func_127[] = {0xd2, 0x7f, 0x0b};
    static const uint8_t no_end[] = {0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00};
    meta_pool_case(e, im, IE_GLOBALS, 1, 1, d0, d0, get_global_127, sizeof get_global_127,
                   "global initializer reading global 127", __FILE__, __LINE__);
    meta_pool_case(e, im, IE_ELEMS, 1, 5, d0, d0, ref_func_127, sizeof ref_func_127,
                   "element expression of function 127", __FILE__, __LINE__);
    meta_pool_case(e, im, IE_DATAS, 0, 2, d0, d0, no_end, sizeof no_end,
                   "data offset expression without an end", __FILE__, __LINE__);

    /* the operands of the internal code */
    weft_module *m = NULL;
    weft_error err;
    if (weft_module_from_image(e, im->bytes, im->len, &m, &err) != WEFT_OK) {
        CHECK(0);
        ie_meta_free(&mv);
        return;
    }
    uint32_t at;
    /* sq: I32_MUL s1 s0 s0, its destination slot far outside the frame */
    if ((at = instr_at(m, &mv, nimp + 1, 0, "I32_MUL")) != UINT32_MAX)
        CORRUPT("slot outside the frame", (size_t)code + (size_t)(at + 1) * 2, 2, 0xFFFF,
                NULL);
    else
        CHECK(0);
    /* sum: the loop's closing I32_ADD_I_BR (the counter's step and the
     * branch back), sent far past the code */
    if ((at = instr_at(m, &mv, nimp, 4, "I32_ADD_I_BR")) != UINT32_MAX)
        CORRUPT("branch outside the function", (size_t)code + (size_t)(at + 5) * 2, 4,
                0x40000000u, NULL);
    else
        CHECK(0);
    /* host: CALL 2, made a call of function 0xFFFF */
    if ((at = instr_at(m, &mv, nimp + 4, 1, "CALL")) != UINT32_MAX)
        CORRUPT("call of an unknown function", (size_t)code + (size_t)(at + 1) * 2, 4, 0xFFFF,
                NULL);
    else
        CHECK(0);
    /* bump: GLOBAL_GET s0 1, made global 0xFFFF */
    if ((at = instr_at(m, &mv, nimp + 5, 0, "GLOBAL_GET")) != UINT32_MAX)
        CORRUPT("an unknown global", (size_t)code + (size_t)(at + 2) * 2, 4, 0xFFFF, NULL);
    else
        CHECK(0);
    weft_module_delete(m);
    ie_meta_free(&mv);
}

int main(void)
{
    weft_engine *e = weft_engine_new(NULL);
    CHECK(e != NULL);
    if (!e)
        return unit_finish();
    image ims[NMODULES];
    for (size_t i = 0; i < NMODULES; i++)
        ims[i] = make_image(e, module_cases[i].wasm, module_cases[i].len, module_cases[i].name);
    uint8_t *probe = dup_bytes(full_wasm, 5);
    CHECK(((uintptr_t)probe & 7) == 0);
    free(probe);

    for (size_t i = 0; i < NMODULES; i++)
        test_same_behavior(e, &module_cases[i], &ims[i]);
    for (size_t i = 0; i < NMODULES; i++) {
        test_flips(e, module_cases[i].name, &ims[i]);
        test_truncations(e, module_cases[i].name, &ims[i]);
    }
    test_header(e, &ims[0]);
    test_configuration(&ims[2]);
    test_text_mode(e, &ims[0]);
    test_arguments(e, &ims[1]);
    test_structure(e, &ims[0]);
    test_unchecked(e, &ims[0]);

    for (size_t i = 0; i < NMODULES; i++)
        free_image(&ims[i]);
    weft_engine_delete(e);
    return unit_finish();
}
