/*
 * test_pages.c - memories with custom page sizes (1 byte and 64 KiB) and
 * the NONCONFORMING small backing of 64 KiB-page memories: memory.size and
 * weft_memory_pages against byte sizes, growth in pages and in bytes, traps
 * exactly at the byte limit for loads, stores, fill, copy, init and data
 * segments, host memories, import matching, validation errors with their
 * offsets and the round trip through a precompiled image. Prints
 * "N passed, N failed" last; exits non-zero on any failure.
 */
#include "unit_check.h"
#include "weft/image.h"

/* ------------------------------------------------------------------ */
/* A small module builder                                              */
/* ------------------------------------------------------------------ */

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *o, uint8_t v) { o->b[o->n++] = v; }

static void put_bytes(buf *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_leb(buf *o, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        put(o, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}

/* A non-negative i32.const operand (signed LEB128). */
static void put_sleb(buf *o, uint32_t v)
{
    for (;;) {
        uint8_t c = v & 0x7f;
        v >>= 7;
        bool done = v == 0 && !(c & 0x40);
        put(o, (uint8_t)(c | (done ? 0 : 0x80)));
        if (done)
            return;
    }
}

static void put_name(buf *o, const char *s)
{
    put_leb(o, strlen(s));
    put_bytes(o, s, strlen(s));
}

static void put_section(buf *o, uint8_t id, const buf *body)
{
    put(o, id);
    put_leb(o, body->n);
    put_bytes(o, body->b, body->n);
}

/* A memory type: limits flags (0x08 = custom page size), min, max and the
 * page size's log2 (written when flags has 0x08). */
typedef struct memdesc {
    uint8_t flags;
    uint32_t min, max, log2;
} memdesc;

static void put_memtype(buf *o, const memdesc *m)
{
    put(o, m->flags);
    put_leb(o, m->min);
    if (m->flags & 1)
        put_leb(o, m->max);
    if (m->flags & 8)
        put_leb(o, m->log2);
}

/* Offsets into the last built module, for error offsets. */
static size_t g_memtype_at;

/*
 * (module
 *   (memory $m <memdesc>)                 ;; or (import "env" "mem" (memory ...))
 *   (func (export "size") (result i32) memory.size)
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *   (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
 *   (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
 *   (func (export "fill") (param i32 i32 i32) (memory.fill ...))
 *   (func (export "copy") (param i32 i32 i32) (memory.copy ...))
 *   (func (export "init") (param i32 i32 i32) (memory.init 1 ...))
 *   (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
 *   (export "mem" (memory 0))
 *   (data (i32.const <data_at>) "abcd")
 *   (data "WXYZ"))
 */
static size_t build(uint8_t *out, const memdesc *mem, bool import_mem, uint32_t data_at)
{
    buf o, s;
    o.n = 0;
    put_bytes(&o, "\0asm\1\0\0\0", 8);

    s.n = 0; /* types */
    put_leb(&s, 4);
    put_bytes(&s, "\x60\x00\x01\x7f", 4);             /* () -> i32 */
    put_bytes(&s, "\x60\x01\x7f\x01\x7f", 5);         /* (i32) -> i32 */
    put_bytes(&s, "\x60\x02\x7f\x7f\x00", 5);         /* (i32 i32) -> () */
    put_bytes(&s, "\x60\x03\x7f\x7f\x7f\x00", 6);     /* (i32 i32 i32) -> () */
    put_section(&o, 1, &s);

    if (import_mem) {
        s.n = 0;
        put_leb(&s, 1);
        put_name(&s, "env");
        put_name(&s, "mem");
        put(&s, 0x02);
        g_memtype_at = o.n + 2 + s.n; /* section id and one-byte size */
        put_memtype(&s, mem);
        put_section(&o, 2, &s);
    }

    static const uint8_t ftypes[] = {0, 1, 1, 2, 3, 3, 3, 1};
    s.n = 0;
    put_leb(&s, sizeof ftypes);
    put_bytes(&s, ftypes, sizeof ftypes);
    put_section(&o, 3, &s);

    if (!import_mem) {
        s.n = 0;
        put_leb(&s, 1);
        g_memtype_at = o.n + 2 + s.n;
        put_memtype(&s, mem);
        put_section(&o, 5, &s);
    }

    static const char *const names[] = {"size", "grow", "load8", "store8",
                                        "fill", "copy", "init", "load32"};
    s.n = 0;
    put_leb(&s, 9);
    for (unsigned i = 0; i < 8; i++) {
        put_name(&s, names[i]);
        put(&s, 0x00);
        put_leb(&s, i);
    }
    put_name(&s, "mem");
    put(&s, 0x02);
    put_leb(&s, 0);
    put_section(&o, 7, &s);

    s.n = 0; /* data count */
    put_leb(&s, 2);
    put_section(&o, 12, &s);

    static const uint8_t bodies[][16] = {
        {4, 0x00, 0x3f, 0x00, 0x0b},
        {6, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b},
        {7, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b},
        {9, 0x00, 0x20, 0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b},
        {11, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b},
        {12, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b},
        {12, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x08, 0x01, 0x00, 0x0b},
        {7, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b},
    };
    s.n = 0;
    put_leb(&s, 8);
    for (unsigned i = 0; i < 8; i++)
        put_bytes(&s, bodies[i], (size_t)bodies[i][0] + 1);
    put_section(&o, 10, &s);

    s.n = 0;
    put_leb(&s, 2);
    put(&s, 0x00);
    put(&s, 0x41);
    put_sleb(&s, data_at);
    put(&s, 0x0b);
    put_leb(&s, 4);
    put_bytes(&s, "abcd", 4);
    put(&s, 0x01);
    put_leb(&s, 4);
    put_bytes(&s, "WXYZ", 4);
    put_section(&o, 11, &s);

    memcpy(out, o.b, o.n);
    return o.n;
}

/* ------------------------------------------------------------------ */
/* Running it                                                          */
/* ------------------------------------------------------------------ */

typedef struct env {
    weft_engine *engine;
    weft_module *module;
    weft_store *store;
    weft_instance *inst;
    weft_memory *mem;
    weft_error err;
} env;

/* Decodes and instantiates (imports: the one memory, when given). Returns
 * the status of whichever step failed. */
static weft_status env_open(env *e, const weft_config *cfg, const memdesc *mem,
                            weft_memory *import, uint32_t data_at)
{
    memset(e, 0, sizeof *e);
    e->engine = weft_engine_new(cfg);
    uint8_t wasm[1024];
    size_t len = build(wasm, mem, import != NULL, data_at);
    weft_status s = weft_module_new(e->engine, wasm, len, &e->module, &e->err);
    if (s != WEFT_OK)
        return s;
    e->store = weft_store_new(e->engine);
    weft_extern imp;
    imp.kind = WEFT_EXTERN_MEMORY;
    imp.of.memory = import;
    s = weft_instance_new(e->store, e->module, &imp, import ? 1 : 0, &e->inst, &e->err);
    if (s != WEFT_OK)
        return s;
    weft_extern x;
    if (weft_instance_export(e->inst, "mem", &x))
        e->mem = x.of.memory;
    return WEFT_OK;
}

static void env_close(env *e)
{
    if (e->store)
        weft_store_delete(e->store);
    if (e->module)
        weft_module_delete(e->module);
    weft_engine_delete(e->engine);
}

/* Calls an export with up to three i32 arguments. Returns the i32 result
 * (0 for none), or -1000 - trap kind when it traps. */
static int64_t call(env *e, const char *name, int n, int32_t a, int32_t b, int32_t c)
{
    weft_extern f;
    if (!weft_instance_export(e->inst, name, &f))
        return -2000;
    weft_val args[3] = {weft_val_i32(a), weft_val_i32(b), weft_val_i32(c)};
    weft_val res;
    bool has_result = strcmp(name, "size") == 0 || strcmp(name, "grow") == 0 ||
                      strncmp(name, "load", 4) == 0;
    weft_status s = weft_func_call(e->store, f.of.func, args, (size_t)n, &res,
                                   has_result ? 1 : 0, &e->err);
    if (s == WEFT_TRAP)
        return -1000 - (int64_t)e->err.trap;
    if (s != WEFT_OK)
        return -3000;
    return has_result ? (int64_t)res.of.i32 : 0;
}

#define OOB (-1000 - (int64_t)WEFT_TRAP_MEMORY_OOB)

/* ------------------------------------------------------------------ */
/* Page size 1                                                         */
/* ------------------------------------------------------------------ */

static void test_byte_pages(void)
{
    env e;
    memdesc md = {0x09, 100, 200, 0};
    CHECK_EQ(env_open(&e, NULL, &md, NULL, 96), WEFT_OK);
    CHECK(e.mem != NULL);
    CHECK_EQ(weft_memory_pages(e.mem), 100);
    CHECK_EQ(weft_memory_size(e.mem), 100);
    weft_externtype t;
    weft_memory_type(e.mem, &t);
    CHECK_EQ(t.memory.page_size_log2, 0);
    CHECK_EQ(t.memory.limits.min, 100);
    CHECK_EQ(t.memory.limits.max, 200);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 100);

    /* the data segment ends exactly at the last byte */
    CHECK_EQ(call(&e, "load8", 1, 99, 0, 0), 'd');
    CHECK_EQ(call(&e, "load32", 1, 96, 0, 0), 0x64636261);
    CHECK_EQ(call(&e, "load8", 1, 100, 0, 0), OOB);
    CHECK_EQ(call(&e, "load32", 1, 97, 0, 0), OOB);
    CHECK_EQ(call(&e, "store8", 2, 99, 7, 0), 0);
    CHECK_EQ(call(&e, "load8", 1, 99, 0, 0), 7);
    CHECK_EQ(call(&e, "store8", 2, 100, 7, 0), OOB);
    CHECK_EQ(call(&e, "load8", 1, -1, 0, 0), OOB);

    /* bulk operations: up to the last byte, and one past it */
    CHECK_EQ(call(&e, "fill", 3, 98, 0x55, 2), 0);
    CHECK_EQ(call(&e, "load8", 1, 99, 0, 0), 0x55);
    CHECK_EQ(call(&e, "fill", 3, 98, 0x66, 3), OOB);
    CHECK_EQ(call(&e, "fill", 3, 100, 0x66, 0), 0);
    CHECK_EQ(call(&e, "fill", 3, 101, 0x66, 0), OOB);
    CHECK_EQ(call(&e, "copy", 3, 0, 97, 3), 0);
    CHECK_EQ(call(&e, "load8", 1, 0, 0, 0), 'b');
    CHECK_EQ(call(&e, "copy", 3, 0, 98, 3), OOB);
    CHECK_EQ(call(&e, "copy", 3, 98, 0, 3), OOB);
    CHECK_EQ(call(&e, "init", 3, 97, 1, 3), 0);
    CHECK_EQ(call(&e, "load32", 1, 96, 0, 0), 0x5a595861);
    CHECK_EQ(call(&e, "init", 3, 97, 0, 4), OOB);

    /* growth counts bytes */
    CHECK_EQ(call(&e, "grow", 1, 1, 0, 0), 100);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 101);
    CHECK_EQ(weft_memory_size(e.mem), 101);
    CHECK_EQ(call(&e, "load8", 1, 100, 0, 0), 0);
    CHECK_EQ(call(&e, "load8", 1, 101, 0, 0), OOB);
    uint64_t old = 0;
    CHECK(weft_memory_grow(e.mem, 99, &old));
    CHECK_EQ(old, 101);
    CHECK_EQ(weft_memory_pages(e.mem), 200);
    CHECK_EQ(weft_memory_size(e.mem), 200);
    CHECK_EQ(call(&e, "load8", 1, 199, 0, 0), 0);
    CHECK_EQ(call(&e, "load8", 1, 200, 0, 0), OOB);
    CHECK(!weft_memory_grow(e.mem, 1, &old));
    CHECK_EQ(call(&e, "grow", 1, 1, 0, 0), -1);
    CHECK_EQ(call(&e, "grow", 1, 0, 0, 0), 200);
    env_close(&e);

    /* a data segment one byte past the end traps at instantiation */
    CHECK_EQ(env_open(&e, NULL, &md, NULL, 97), WEFT_TRAP);
    CHECK_EQ(e.err.trap, WEFT_TRAP_MEMORY_OOB);
    env_close(&e);

    /* no maximum: the range is 2^32-1 bytes (grow is not tried that far) */
    memdesc nomax = {0x08, 0, 0, 0};
    CHECK_EQ(env_open(&e, NULL, &nomax, NULL, 0), WEFT_TRAP);
    env_close(&e);
    nomax.min = 4;
    CHECK_EQ(env_open(&e, NULL, &nomax, NULL, 0), WEFT_OK);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 4);
    CHECK_EQ(call(&e, "grow", 1, 65536 + 7, 0, 0), 4);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 65536 + 11);
    CHECK_EQ(call(&e, "load8", 1, 65536 + 10, 0, 0), 0);
    CHECK_EQ(call(&e, "load8", 1, 65536 + 11, 0, 0), OOB);
    env_close(&e);
}

/* Validation: the limits range depends on the page size; only page sizes
 * 1 and 65536 are valid; a log2 past 64 is malformed. Errors point at the
 * memory type (limits) or the page-size field. */
static void test_validation(void)
{
    weft_engine *engine = weft_engine_new(NULL);
    uint8_t wasm[1024];
    weft_module *m = NULL;
    weft_error err;

    memdesc big = {0x09, 0, 0xFFFFFFFFu, 0};
    size_t len = build(wasm, &big, false, 0);
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_OK);
    weft_module_delete(m);
    big.min = 0xFFFFFFFFu;
    len = build(wasm, &big, false, 0);
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_OK);
    weft_module_delete(m);

    memdesc pages64k = {0x09, 0, 65536, 16};
    len = build(wasm, &pages64k, false, 0);
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_OK);
    weft_module_delete(m);
    pages64k.max = 65537;
    len = build(wasm, &pages64k, false, 0);
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_INVALID);
    CHECK_EQ(err.offset, g_memtype_at);

    for (uint32_t lg = 1; lg <= 64; lg++) {
        if (lg == 16)
            continue;
        memdesc bad = {0x08, 0, 0, lg};
        len = build(wasm, &bad, false, 0);
        weft_status s = weft_module_new(engine, wasm, len, &m, &err);
        if (s != WEFT_INVALID || err.offset != g_memtype_at + 2 ||
            !strstr(err.message, "invalid custom page size"))
            printf("  page size 2^%u: %s at %zu\n", lg, err.message, err.offset);
        CHECK(s == WEFT_INVALID && err.offset == g_memtype_at + 2 &&
              strstr(err.message, "invalid custom page size"));
    }
    memdesc huge = {0x08, 0, 0, 65};
    len = build(wasm, &huge, false, 0);
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_MALFORMED);
    CHECK_EQ(err.offset, g_memtype_at + 2);
    CHECK(strstr(err.message, "invalid custom page size") != NULL);
    weft_engine_delete(engine);

    /* with the feature off, the flag itself is malformed */
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.features &= ~WEFT_FEATURE_CUSTOM_PAGE_SIZES;
    engine = weft_engine_new(&cfg);
    memdesc one = {0x08, 1, 0, 0};
    len = build(wasm, &one, false, 0);
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_MALFORMED);
    CHECK_EQ(err.offset, g_memtype_at);
    CHECK(strstr(err.message, "custom page sizes") != NULL);
    weft_store *st = weft_store_new(engine);
    weft_limits lim = {1, 0, false};
    CHECK(weft_memory_new_with_page_size(st, lim, 0) == NULL);
    CHECK(weft_memory_new_with_page_size(st, lim, 16) != NULL);
    weft_store_delete(st);
    weft_engine_delete(engine);
}

/* Host memories with 1-byte pages, and import matching on the page size. */
static void test_host_memories(void)
{
    weft_engine *engine = weft_engine_new(NULL);
    weft_store *st = weft_store_new(engine);
    weft_limits lim = {3, 10, true};
    CHECK(weft_memory_new_with_page_size(st, lim, 1) == NULL);
    CHECK(weft_memory_new_with_page_size(st, lim, 17) == NULL);
    weft_memory *m = weft_memory_new_with_page_size(st, lim, 0);
    CHECK(m != NULL);
    CHECK_EQ(weft_memory_pages(m), 3);
    CHECK_EQ(weft_memory_size(m), 3);
    uint64_t old = 0;
    CHECK(weft_memory_grow(m, 7, &old));
    CHECK_EQ(old, 3);
    CHECK_EQ(weft_memory_size(m), 10);
    CHECK(!weft_memory_grow(m, 1, &old));
    weft_limits toobig = {0x100000000ull, 0, false};
    CHECK(weft_memory_new_with_page_size(st, toobig, 0) == NULL);
    weft_memory *big = weft_memory_new(st, lim);
    CHECK(big != NULL);
    CHECK_EQ(weft_memory_size(big), 3 * 65536);
    weft_store_delete(st);
    weft_engine_delete(engine);

    env e;
    /* a byte-page memory satisfies a byte-page import */
    memset(&e, 0, sizeof e);
    weft_engine *e2 = weft_engine_new(NULL);
    st = weft_store_new(e2);
    weft_limits l10 = {10, 100, true};
    weft_memory *host = weft_memory_new_with_page_size(st, l10, 0);
    weft_memory *host64k = weft_memory_new(st, l10);
    memdesc want = {0x09, 8, 100, 0};
    CHECK_EQ(env_open(&e, NULL, &want, host, 4), WEFT_OK);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 10);
    CHECK_EQ(call(&e, "load8", 1, 9, 0, 0), 0);
    CHECK_EQ(call(&e, "load8", 1, 10, 0, 0), OOB);
    env_close(&e);
    /* the same limits with 64 KiB pages do not, and neither way round */
    CHECK_EQ(env_open(&e, NULL, &want, host64k, 4), WEFT_UNLINKABLE);
    CHECK(strstr(e.err.message, "of 1 bytes") != NULL);
    env_close(&e);
    memdesc want64k = {0x01, 8, 100, 16};
    CHECK_EQ(env_open(&e, NULL, &want64k, host, 4), WEFT_UNLINKABLE);
    env_close(&e);
    memdesc want64k_explicit = {0x09, 8, 100, 16};
    CHECK_EQ(env_open(&e, NULL, &want64k_explicit, host64k, 4), WEFT_OK);
    env_close(&e);
    weft_store_delete(st);
    weft_engine_delete(e2);
}

/* A byte-page module runs the same from a precompiled image. */
static void test_image(void)
{
    weft_engine *engine = weft_engine_new(NULL);
    uint8_t wasm[1024];
    memdesc md = {0x09, 20, 40, 0};
    size_t len = build(wasm, &md, false, 16);
    weft_module *m = NULL;
    weft_error err;
    CHECK_EQ(weft_module_new(engine, wasm, len, &m, &err), WEFT_OK);
    uint8_t *img = NULL;
    size_t ilen = 0;
    CHECK_EQ(weft_module_serialize(m, &img, &ilen, &err), WEFT_OK);
    weft_module_delete(m);
    env e;
    memset(&e, 0, sizeof e);
    e.engine = engine;
    CHECK_EQ(weft_module_from_image(engine, img, ilen, &e.module, &err), WEFT_OK);
    weft_exportdesc ex;
    CHECK(weft_module_export(e.module, 8, &ex));
    CHECK_EQ(ex.type.kind, WEFT_EXTERN_MEMORY);
    CHECK_EQ(ex.type.memory.page_size_log2, 0);
    CHECK_EQ(ex.type.memory.limits.min, 20);
    e.store = weft_store_new(engine);
    CHECK_EQ(weft_instance_new(e.store, e.module, NULL, 0, &e.inst, &e.err), WEFT_OK);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 20);
    CHECK_EQ(call(&e, "load8", 1, 19, 0, 0), 'd');
    CHECK_EQ(call(&e, "load8", 1, 20, 0, 0), OOB);
    CHECK_EQ(call(&e, "grow", 1, 20, 0, 0), 20);
    CHECK_EQ(call(&e, "grow", 1, 1, 0, 0), -1);
    weft_store_delete(e.store);
    weft_module_delete(e.module);
    weft_image_free(engine, img, ilen);
    weft_engine_delete(engine);
}

/* ------------------------------------------------------------------ */
/* NONCONFORMING small backing                                         */
/* ------------------------------------------------------------------ */

static void test_backing(void)
{
    weft_config cfg;
    weft_config_default(&cfg);
    CHECK_EQ(cfg.nonconforming_memory_backing_bytes, 0);
    cfg.nonconforming_memory_backing_bytes = 4096;

    env e;
    memdesc md = {0x01, 2, 4, 16};
    CHECK_EQ(env_open(&e, &cfg, &md, NULL, 4092), WEFT_OK);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 2);
    CHECK_EQ(weft_memory_pages(e.mem), 2);
    CHECK_EQ(weft_memory_size(e.mem), 4096);
    weft_externtype t;
    weft_memory_type(e.mem, &t);
    CHECK_EQ(t.memory.limits.min, 2);
    CHECK_EQ(call(&e, "load8", 1, 4095, 0, 0), 'd');
    CHECK_EQ(call(&e, "load8", 1, 4096, 0, 0), OOB);
    CHECK_EQ(call(&e, "load8", 1, 65536, 0, 0), OOB);
    CHECK_EQ(call(&e, "load32", 1, 4092, 0, 0), 0x64636261);
    CHECK_EQ(call(&e, "load32", 1, 4093, 0, 0), OOB);
    CHECK_EQ(call(&e, "store8", 2, 4095, 1, 0), 0);
    CHECK_EQ(call(&e, "store8", 2, 4096, 1, 0), OOB);
    CHECK_EQ(call(&e, "fill", 3, 4000, 9, 96), 0);
    CHECK_EQ(call(&e, "load8", 1, 4095, 0, 0), 9);
    CHECK_EQ(call(&e, "fill", 3, 4000, 9, 97), OOB);
    CHECK_EQ(call(&e, "copy", 3, 0, 4092, 4), 0);
    CHECK_EQ(call(&e, "copy", 3, 0, 4093, 4), OOB);
    CHECK_EQ(call(&e, "copy", 3, 4093, 0, 4), OOB);
    CHECK_EQ(call(&e, "init", 3, 4092, 0, 4), 0);
    CHECK_EQ(call(&e, "init", 3, 4093, 0, 4), OOB);
    /* growing past the backing fails; the declared size stays */
    CHECK_EQ(call(&e, "grow", 1, 0, 0, 0), 2);
    CHECK_EQ(call(&e, "grow", 1, 1, 0, 0), -1);
    CHECK(!weft_memory_grow(e.mem, 1, NULL));
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 2);
    env_close(&e);

    /* a data segment past the backing (but inside the declared pages) */
    CHECK_EQ(env_open(&e, &cfg, &md, NULL, 4093), WEFT_TRAP);
    CHECK_EQ(e.err.trap, WEFT_TRAP_MEMORY_OOB);
    env_close(&e);

    /* growth up to the backing works, in whole pages */
    cfg.nonconforming_memory_backing_bytes = 2 * 65536;
    memdesc empty = {0x00, 0, 0, 16};
    CHECK_EQ(env_open(&e, &cfg, &empty, NULL, 0), WEFT_TRAP); /* data at 0, size 0 */
    env_close(&e);
    empty.min = 1;
    CHECK_EQ(env_open(&e, &cfg, &empty, NULL, 0), WEFT_OK);
    CHECK_EQ(weft_memory_size(e.mem), 65536);
    CHECK_EQ(call(&e, "load8", 1, 65536, 0, 0), OOB);
    CHECK_EQ(call(&e, "grow", 1, 1, 0, 0), 1);
    CHECK_EQ(weft_memory_size(e.mem), 2 * 65536);
    CHECK_EQ(call(&e, "load8", 1, 2 * 65536 - 1, 0, 0), 0);
    CHECK_EQ(call(&e, "grow", 1, 1, 0, 0), -1);
    CHECK_EQ(call(&e, "size", 0, 0, 0, 0), 2);
    env_close(&e);

    /* memories with 1-byte pages are not cut */
    cfg.nonconforming_memory_backing_bytes = 4096;
    memdesc bytes = {0x08, 10000, 0, 0};
    CHECK_EQ(env_open(&e, &cfg, &bytes, NULL, 9996), WEFT_OK);
    CHECK_EQ(weft_memory_size(e.mem), 10000);
    CHECK_EQ(call(&e, "load8", 1, 9999, 0, 0), 'd');
    env_close(&e);

    /* a host memory is backed the same way */
    weft_engine *engine = weft_engine_new(&cfg);
    weft_store *st = weft_store_new(engine);
    weft_limits lim = {3, 0, false};
    weft_memory *m = weft_memory_new(st, lim);
    CHECK(m != NULL);
    CHECK_EQ(weft_memory_pages(m), 3);
    CHECK_EQ(weft_memory_size(m), 4096);
    weft_store_delete(st);
    weft_engine_delete(engine);
}

int main(void)
{
    test_byte_pages();
    test_validation();
    test_host_memories();
    test_image();
    test_backing();
    return unit_finish();
}
