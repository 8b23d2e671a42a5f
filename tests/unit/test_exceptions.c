/*
 * test_exceptions.c - exception handling through the public API: tags
 * made by the host and imported (identity and type checks), generative
 * tags, exceptions that reach a host boundary (a trap, never caught by
 * wasm on the far side), the feature flag, and precompiled images with
 * their tag and handler tables, including damaged ones.
 * Prints "N passed, N failed" last; exits non-zero on any failure.
 */
#include "unit_check.h"
#include "weft/image.h"
#include "image/image_int.h"
#include "image_edit.h"

/*
 * (module
 *   (import "host" "cb" (func $cb))
 *   (import "host" "tag" (tag $ht (param i32)))
 *   (tag $t (param i32))
 *   (export "t" (tag $t))
 *   (func $thrower (export "thrower") (throw $t (i32.const 5)))
 *   (func $throw-ht (export "throw-host-tag") (param i32) (throw $ht (local.get 0)))
 *   (func (export "catch-host-tag") (param i32) (result i32)
 *     (block $h (result i32)
 *       (try_table (catch $ht $h) (call $throw-ht (local.get 0)))
 *       (i32.const -1)))
 *   (func (export "via-host") (result i32)
 *     (block $h
 *       (try_table (catch_all $h) (call $cb))
 *       (return (i32.const 0)))
 *     (i32.const 1)))
 * (encoded with jco's parse; the name section is left in)
 */
static const uint8_t eh_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x04, 0x60,
    0x00, 0x00, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60,
    0x00, 0x01, 0x7f, 0x02, 0x17, 0x02, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x02,
    0x63, 0x62, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x74, 0x61,
    0x67, 0x04, 0x00, 0x01, 0x03, 0x05, 0x04, 0x00, 0x01, 0x02, 0x03, 0x0d,
    0x03, 0x01, 0x00, 0x01, 0x07, 0x3c, 0x05, 0x01, 0x74, 0x04, 0x01, 0x07,
    0x74, 0x68, 0x72, 0x6f, 0x77, 0x65, 0x72, 0x00, 0x01, 0x0e, 0x74, 0x68,
    0x72, 0x6f, 0x77, 0x2d, 0x68, 0x6f, 0x73, 0x74, 0x2d, 0x74, 0x61, 0x67,
    0x00, 0x02, 0x0e, 0x63, 0x61, 0x74, 0x63, 0x68, 0x2d, 0x68, 0x6f, 0x73,
    0x74, 0x2d, 0x74, 0x61, 0x67, 0x00, 0x03, 0x08, 0x76, 0x69, 0x61, 0x2d,
    0x68, 0x6f, 0x73, 0x74, 0x00, 0x04, 0x0a, 0x35, 0x04, 0x06, 0x00, 0x41,
    0x05, 0x08, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x08, 0x00, 0x0b, 0x12,
    0x00, 0x02, 0x7f, 0x1f, 0x40, 0x01, 0x00, 0x00, 0x00, 0x20, 0x00, 0x10,
    0x02, 0x0b, 0x41, 0x7f, 0x0b, 0x0b, 0x12, 0x00, 0x02, 0x40, 0x1f, 0x40,
    0x01, 0x02, 0x00, 0x10, 0x00, 0x0b, 0x41, 0x00, 0x0f, 0x0b, 0x41, 0x01,
    0x0b, 0x00, 0x36, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x18, 0x03, 0x00,
    0x02, 0x63, 0x62, 0x01, 0x07, 0x74, 0x68, 0x72, 0x6f, 0x77, 0x65, 0x72,
    0x02, 0x08, 0x74, 0x68, 0x72, 0x6f, 0x77, 0x2d, 0x68, 0x74, 0x03, 0x0b,
    0x02, 0x03, 0x01, 0x00, 0x01, 0x68, 0x04, 0x01, 0x00, 0x01, 0x68, 0x0b,
    0x08, 0x02, 0x00, 0x02, 0x68, 0x74, 0x01, 0x01, 0x74,
};

/* (module (func (export "f") (result i32)
 *   (block $h (try_table (catch_all $h) (nop))) (i32.const 3)))
 * try_table without any tag: only the exceptions feature decides. */
static const uint8_t try_only_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66,
    0x00, 0x00, 0x0a, 0x10, 0x01, 0x0e, 0x00, 0x02, 0x40, 0x1f, 0x40, 0x01,
    0x02, 0x00, 0x01, 0x0b, 0x0b, 0x41, 0x03, 0x0b, 0x00, 0x0d, 0x04, 0x6e,
    0x61, 0x6d, 0x65, 0x03, 0x06, 0x01, 0x00, 0x01, 0x00, 0x01, 0x68,
};

/* (module
 *   (tag $t)
 *   (func (export "catch-ref") (result exnref)
 *     (block $h (result exnref)
 *       (try_table (catch_all_ref $h) (throw $t))
 *       (unreachable)))
 *   (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))
 */
static const uint8_t exnref_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x03, 0x60,
    0x00, 0x00, 0x60, 0x00, 0x01, 0x69, 0x60, 0x01, 0x69, 0x00, 0x03, 0x03,
    0x02, 0x01, 0x02, 0x0d, 0x03, 0x01, 0x00, 0x00, 0x07, 0x17, 0x02, 0x09,
    0x63, 0x61, 0x74, 0x63, 0x68, 0x2d, 0x72, 0x65, 0x66, 0x00, 0x00, 0x07,
    0x72, 0x65, 0x74, 0x68, 0x72, 0x6f, 0x77, 0x00, 0x01, 0x0a, 0x16, 0x02,
    0x0e, 0x00, 0x02, 0x69, 0x1f, 0x40, 0x01, 0x03, 0x00, 0x08, 0x00, 0x0b,
    0x00, 0x0b, 0x0b, 0x05, 0x00, 0x20, 0x00, 0x0a, 0x0b, 0x00, 0x13, 0x04,
    0x6e, 0x61, 0x6d, 0x65, 0x03, 0x06, 0x01, 0x00, 0x01, 0x00, 0x01, 0x68,
    0x0b, 0x04, 0x01, 0x00, 0x01, 0x74,
};

/* (tag $t) (func (export "spin") (loop $l (try_table (catch_all $l)
 * (throw $t)))): a loop whose back edge is a caught exception. */
static const uint8_t spin_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00, 0x0d, 0x03, 0x01, 0x00, 0x00, 0x07, 0x08, 0x01, 0x04, 's',
    'p', 'i', 'n', 0x00, 0x00, 0x0a, 0x0f, 0x01, 0x0d, 0x00, 0x03, 0x40, 0x1f, 0x40,
    0x01, 0x02, 0x00, 0x08, 0x00, 0x0b, 0x0b, 0x0b};

static weft_func *export_func(weft_instance *in, const char *name)
{
    weft_extern e;
    if (!weft_instance_export(in, name, &e) || e.kind != WEFT_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

/* exnref values crossing the API: the host gets an opaque reference it can
 * pass back; anything that is not an exception of the store is refused. */
static void check_exnref_api(weft_engine *engine)
{
    weft_error err;
    weft_module *m = NULL;
    CHECK_STATUS(weft_module_new(engine, exnref_wasm, sizeof exnref_wasm, &m, &err), WEFT_OK, &err);
    weft_store *store = weft_store_new(engine);
    weft_instance *in = NULL;
    CHECK_STATUS(weft_instance_new(store, m, NULL, 0, &in, &err), WEFT_OK, &err);
    if (!in) {
        weft_store_delete(store);
        weft_module_delete(m);
        return;
    }
    weft_val r;
    memset(&r, 0, sizeof r);
    CHECK_STATUS(weft_func_call(store, export_func(in, "catch-ref"), NULL, 0, &r, 1, &err),
                 WEFT_OK, &err);
    CHECK_EQ(r.kind, WEFT_EXNREF);
    CHECK(r.of.exnref != NULL);
    CHECK_STR(weft_valkind_name(WEFT_EXNREF), "exnref");
    /* rethrowing the caught exception from the host escapes again */
    CHECK_STATUS(weft_func_call(store, export_func(in, "rethrow"), &r, 1, NULL, 0, &err),
                 WEFT_TRAP, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_UNCAUGHT_EXCEPTION);
    /* null: throw_ref traps */
    weft_val nul = r;
    nul.of.exnref = NULL;
    CHECK_STATUS(weft_func_call(store, export_func(in, "rethrow"), &nul, 1, NULL, 0, &err),
                 WEFT_TRAP, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_NULL_REF);
    /* a pointer that is no exception of this store is an argument error */
    static int not_an_exception;
    weft_val bogus = r;
    bogus.of.exnref = &not_an_exception;
    CHECK_STATUS(weft_func_call(store, export_func(in, "rethrow"), &bogus, 1, NULL, 0, &err),
                 WEFT_ARG, &err);
    weft_store *other = weft_store_new(engine);
    weft_instance *in2 = NULL;
    CHECK_STATUS(weft_instance_new(other, m, NULL, 0, &in2, &err), WEFT_OK, &err);
    if (in2)
        CHECK_STATUS(weft_func_call(other, export_func(in2, "rethrow"), &r, 1, NULL, 0, &err),
                     WEFT_ARG, &err);
    weft_store_delete(other);
    /* globals cannot be given a non-null exnref from the host */
    CHECK(weft_global_new(store, WEFT_EXNREF, true, bogus) == NULL);
    weft_global *g = weft_global_new(store, WEFT_EXNREF, true, nul);
    CHECK(g != NULL);
    CHECK(g && !weft_global_set(g, r));
    CHECK(g && weft_global_set(g, nul));
    weft_store_delete(store);
    weft_module_delete(m);
}

/* The host callback: calls the instance's "thrower", which lets an
 * exception escape to here, and passes the resulting trap on. */
static weft_trap_kind host_cb(weft_caller *caller, void *user, const weft_val *args,
                              weft_val *results)
{
    (void)args;
    (void)results;
    int *seen = user;
    weft_extern ext;
    if (!weft_caller_export(caller, "thrower", &ext) || ext.kind != WEFT_EXTERN_FUNC)
        return weft_caller_trap(caller, WEFT_TRAP_HOST, "no thrower");
    weft_error err;
    weft_status st = weft_func_call(weft_caller_store(caller), ext.of.func, NULL, 0, NULL, 0, &err);
    *seen = st == WEFT_TRAP ? (int)err.trap : -1;
    return st == WEFT_TRAP ? weft_caller_trap(caller, err.trap, err.message) : WEFT_TRAP_NONE;
}

/* Runs the behaviour checks on one module (decoded or from an image). */
static void check_module(weft_engine *engine, const weft_module *m)
{
    weft_error err;
    weft_store *store = weft_store_new(engine);
    CHECK(store != NULL);
    int seen = 0;
    weft_functype cbt = {0, 0, NULL, NULL};
    weft_func *cb = weft_func_new(store, &cbt, host_cb, &seen, NULL);
    const weft_valkind i32 = WEFT_I32, i64 = WEFT_I64;
    weft_tag *ht = weft_tag_new(store, &i32, 1);
    weft_tag *bad_tag = weft_tag_new(store, &i64, 1);
    CHECK(cb && ht && bad_tag);
    weft_externtype tt;
    weft_tag_type(ht, &tt);
    CHECK_EQ(tt.kind, WEFT_EXTERN_TAG);
    CHECK_EQ(tt.func.nparams, 1);
    CHECK_EQ(tt.func.nresults, 0);
    CHECK_EQ(tt.func.params[0], WEFT_I32);

    /* the module's imports describe the tag */
    weft_importdesc id;
    CHECK(weft_module_import(m, 1, &id));
    CHECK_EQ(id.type.kind, WEFT_EXTERN_TAG);
    CHECK_EQ(id.type.func.nparams, 1);
    CHECK_STR(weft_externkind_name(id.type.kind), "tag");

    /* import matching checks the tag's type and kind */
    weft_instance *in = NULL;
    weft_extern imps[2];
    imps[0].kind = WEFT_EXTERN_FUNC;
    imps[0].of.func = cb;
    imps[1].kind = WEFT_EXTERN_TAG;
    imps[1].of.tag = bad_tag;
    CHECK_STATUS(weft_instance_new(store, m, imps, 2, &in, &err), WEFT_UNLINKABLE, &err);
    CHECK_CONTAINS(err.message, "expected tag (i32), got tag (i64)");
    imps[1].kind = WEFT_EXTERN_FUNC;
    imps[1].of.func = cb;
    CHECK_STATUS(weft_instance_new(store, m, imps, 2, &in, &err), WEFT_UNLINKABLE, &err);
    imps[1].kind = WEFT_EXTERN_TAG;
    imps[1].of.tag = ht;
    CHECK_STATUS(weft_instance_new(store, m, imps, 2, &in, &err), WEFT_OK, &err);
    if (!in) {
        weft_store_delete(store);
        return;
    }

    /* defined tags are exported with their identity; each instance of the
     * module defines a new one */
    weft_extern t1, t2;
    CHECK(weft_instance_export(in, "t", &t1));
    CHECK_EQ(t1.kind, WEFT_EXTERN_TAG);
    CHECK(t1.of.tag != NULL && t1.of.tag != ht);
    weft_instance *in2 = NULL;
    CHECK_STATUS(weft_instance_new(store, m, imps, 2, &in2, &err), WEFT_OK, &err);
    CHECK(in2 && weft_instance_export(in2, "t", &t2));
    CHECK(in2 && t2.of.tag != t1.of.tag);

    /* a host tag: thrown and caught in wasm with its payload */
    weft_val arg = weft_val_i32(-77), res;
    memset(&res, 0, sizeof res);
    CHECK_STATUS(weft_func_call(store, export_func(in, "catch-host-tag"), &arg, 1, &res, 1, &err),
                 WEFT_OK, &err);
    CHECK_EQ(res.of.i32, -77);

    /* uncaught: a trap with its own kind and message */
    CHECK_STATUS(weft_func_call(store, export_func(in, "thrower"), NULL, 0, NULL, 0, &err),
                 WEFT_TRAP, &err);
    CHECK_EQ(err.trap, WEFT_TRAP_UNCAUGHT_EXCEPTION);
    CHECK_CONTAINS(err.message, "uncaught exception");
    CHECK_STR(weft_trap_message(WEFT_TRAP_UNCAUGHT_EXCEPTION), "uncaught exception");

    /* an exception reaching the host callback is a trap there; the trap
     * passed on through the host function is not caught by the wasm
     * catch_all around the call */
    CHECK_STATUS(weft_func_call(store, export_func(in, "via-host"), NULL, 0, &res, 1, &err),
                 WEFT_TRAP, &err);
    CHECK_EQ(seen, WEFT_TRAP_UNCAUGHT_EXCEPTION);
    CHECK_EQ(err.trap, WEFT_TRAP_UNCAUGHT_EXCEPTION);

    /* the store still works */
    arg = weft_val_i32(12);
    CHECK_STATUS(weft_func_call(store, export_func(in, "catch-host-tag"), &arg, 1, &res, 1, &err),
                 WEFT_OK, &err);
    CHECK_EQ(res.of.i32, 12);
    weft_store_delete(store);
}

/* Loads a copy of img with value `field` of record `rec` of meta table t
 * set to value; the checksum is not verified, so the loader's own checks
 * must refuse it. */
static void check_damaged(weft_engine *engine, const uint8_t *img, int t, uint32_t rec,
                          unsigned field, uint32_t value, const char *what)
{
    size_t len;
    uint8_t *copy = ie_patched(img, t, rec, field, value, &len);
    weft_module *m = NULL;
    weft_error err;
    weft_status st = img_load_module(engine, copy, len, false, &m, &err);
    if (st != WEFT_MALFORMED)
        printf("  damaged %s: got %s\n", what, weft_status_name(st));
    CHECK_STATUS(st, WEFT_MALFORMED, &err);
    CHECK(m == NULL);
    weft_module_delete(m);
    free(copy);
}

/* Throwing costs fuel: a loop closed by a handler still runs out of it. */
static void check_throw_fuel(weft_engine *engine)
{
#if WEFT_FUEL
    weft_error err;
    weft_module *m = NULL;
    CHECK_STATUS(weft_module_new(engine, spin_wasm, sizeof spin_wasm, &m, &err), WEFT_OK, &err);
    if (!m)
        return;
    weft_store *st = weft_store_new(engine);
    weft_instance *in = NULL;
    CHECK_STATUS(weft_instance_new(st, m, NULL, 0, &in, &err), WEFT_OK, &err);
    weft_func *f = in ? export_func(in, "spin") : NULL;
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ(weft_store_set_fuel(st, 1000), WEFT_OK);
        CHECK_STATUS(weft_func_call(st, f, NULL, 0, NULL, 0, &err), WEFT_SUSPENDED, &err);
    }
    weft_store_delete(st);
    weft_module_delete(m);
#else
    (void)engine;
#endif
}

int main(void)
{
    weft_engine *engine = weft_engine_new(NULL);
    CHECK(engine != NULL);
    weft_error err;
    weft_module *m = NULL;
    CHECK_STATUS(weft_module_new(engine, eh_wasm, sizeof eh_wasm, &m, &err), WEFT_OK, &err);
    if (!m)
        return unit_finish();
    check_module(engine, m);
    check_throw_fuel(engine);

    /* the same module from a precompiled image */
    uint8_t *img = NULL;
    size_t len = 0;
    CHECK_STATUS(weft_module_serialize(m, &img, &len, &err), WEFT_OK, &err);
    weft_module *mi = NULL;
    CHECK_STATUS(weft_module_from_image(engine, img, len, &mi, &err), WEFT_OK, &err);
    if (mi)
        check_module(engine, mi);
    weft_module_delete(mi);
    CHECK_EQ(ie_rd32(img + 8), WEFT_IMAGE_FORMAT);

    /* damaged tag, handler and catch records are refused */
    {
        /* the records are where the tests below expect them */
        ie_meta mv = ie_meta_read(img);
        CHECK(mv.v[IE_NTAGS] >= 1 && mv.v[IE_NHANDLERS] >= 1 && mv.v[IE_NCATCHES] >= 1);
        CHECK(ie_get(&mv, IE_HANDLERS, 0, 0) > 0);
        CHECK_EQ(ie_at(&mv, IE_HANDLERS, mv.v[IE_NHANDLERS], 0), mv.n);
        ie_meta_free(&mv);
    }
    check_damaged(engine, img, IE_TAGS, 0, 0, 999, "tag type");
    check_damaged(engine, img, IE_TAGS, 0, 0, 2, "tag type with results");
    check_damaged(engine, img, IE_HANDLERS, 0, 1, 0xFFFFFFF0u, "handler end");
    check_damaged(engine, img, IE_HANDLERS, 0, 0, 0, "handler start in another function");
    check_damaged(engine, img, IE_HANDLERS, 0, 2, 1000, "handler clauses");
    check_damaged(engine, img, IE_CATCHES, 0, 0, 7, "catch kind");
    check_damaged(engine, img, IE_CATCHES, 0, 0, 0xFFFFu << 16, "catch slot");
    check_damaged(engine, img, IE_CATCHES, 0, 0, 1u << 8, "catch kind past 8 bits");
    check_damaged(engine, img, IE_CATCHES, 0, 1, 50, "catch tag");
    check_damaged(engine, img, IE_CATCHES, 0, 2, 0xFFFFFFu, "landing pad");
    weft_image_free(engine, img, len);
    weft_module_delete(m);

    check_exnref_api(engine);

    /* with the feature off, tags and try_table are refused */
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.features &= ~WEFT_FEATURE_EXCEPTIONS;
    weft_engine *old = weft_engine_new(&cfg);
    CHECK(old != NULL);
    m = NULL;
    CHECK(weft_module_new(old, eh_wasm, sizeof eh_wasm, &m, &err) != WEFT_OK);
    CHECK(m == NULL);
    CHECK_STATUS(weft_module_new(old, try_only_wasm, sizeof try_only_wasm, &m, &err),
                 WEFT_MALFORMED, &err);
    CHECK_CONTAINS(err.message, "illegal opcode 0x1f");
    weft_engine_delete(old);
    CHECK_STATUS(weft_module_new(engine, try_only_wasm, sizeof try_only_wasm, &m, &err),
                 WEFT_OK, &err);
    weft_module_delete(m);

    weft_engine_delete(engine);
    return unit_finish();
}
