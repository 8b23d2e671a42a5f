/*
 * fuzz_common.h - what the fuzz targets share: an engine with small limits,
 * dummy imports, and running every exported function of a module under
 * fuel, recording what each call did.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/weft.h"
#include "weft/image.h"
#include "weft/component.h"

#define FUZZ_FUEL 10000
#define FUZZ_MAX_CALLS 64
#define FUZZ_MAX_VALS 16

/* Small limits: runaway code stops early, and code that strays outside
 * its frame leaves the small value stack that ASan watches. */
static weft_engine *fuzz_engine(void)
{
    static weft_engine *e;
    if (!e) {
        weft_config cfg;
        weft_config_default(&cfg);
        cfg.stack_slots = 4096;
        cfg.max_call_depth = 256;
        cfg.max_memory_bytes = 16u << 20;
        cfg.max_table_elems = 1u << 16;
        e = weft_engine_new(&cfg);
        if (!e)
            abort();
    }
    return e;
}

/* A heap copy of the input: malloc aligns to at least 8, and ASan sees any
 * read past its end. */
static uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
    uint8_t *p = calloc(size ? size : 1, 1);
    if (!p)
        abort();
    if (size)
        memcpy(p, data, size);
    return p;
}

/* Every imported function: results are left zero. */
static weft_trap_kind fuzz_host(weft_caller *c, void *user, const weft_val *args,
                                weft_val *results)
{
    (void)c;
    (void)user;
    (void)args;
    (void)results;
    return WEFT_TRAP_NONE;
}

static weft_val fuzz_zero(weft_valkind k)
{
    weft_val v;
    memset(&v, 0, sizeof v);
    v.kind = k;
    return v;
}

/* Creates a dummy for each import; false if one cannot be made (the
 * module is then skipped). */
static int fuzz_imports(weft_store *st, const weft_module *m, weft_extern *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        weft_importdesc d;
        if (!weft_module_import(m, i, &d))
            return 0;
        out[i].kind = d.type.kind;
        switch (d.type.kind) {
        case WEFT_EXTERN_FUNC:
            out[i].of.func = weft_func_new(st, &d.type.func, fuzz_host, NULL, NULL);
            break;
        case WEFT_EXTERN_TABLE:
            if (d.type.table.limits.min > 1024)
                return 0;
            out[i].of.table = weft_table_new(st, d.type.table.elem, d.type.table.limits,
                                             fuzz_zero(d.type.table.elem));
            break;
        case WEFT_EXTERN_MEMORY:
            if (d.type.memory.is64 || d.type.memory.page_size_log2 != 16 ||
                d.type.memory.limits.min > 16)
                return 0;
            out[i].of.memory = weft_memory_new(st, d.type.memory.limits);
            break;
        case WEFT_EXTERN_GLOBAL:
            out[i].of.global = weft_global_new(st, d.type.global.type, d.type.global.mutable_,
                                               fuzz_zero(d.type.global.type));
            break;
        default:
            return 0;
        }
        if (!out[i].of.func)
            return 0;
    }
    return 1;
}

/* What one call did: status, trap and results (references as null or
 * not, since their addresses differ between stores). */
typedef struct fuzz_outcome {
    weft_status status;
    weft_trap_kind trap;
    uint32_t nresults;
    uint64_t bits[FUZZ_MAX_VALS][2];
} fuzz_outcome;

typedef struct fuzz_run {
    weft_status inst_status;          /* of weft_instance_new */
    int skipped;                      /* imports that cannot be satisfied */
    uint32_t ncalls;
    fuzz_outcome calls[FUZZ_MAX_CALLS];
} fuzz_run;

static void fuzz_record(fuzz_outcome *o, const weft_val *r, uint32_t n)
{
    o->nresults = n;
    for (uint32_t i = 0; i < n; i++) {
        switch (r[i].kind) {
        case WEFT_I32: case WEFT_F32: o->bits[i][0] = (uint32_t)r[i].of.i32; break;
        case WEFT_I64: case WEFT_F64: o->bits[i][0] = (uint64_t)r[i].of.i64; break;
        case WEFT_V128: memcpy(o->bits[i], r[i].of.v128, 16); break;
        case WEFT_FUNCREF: o->bits[i][0] = r[i].of.funcref != NULL; break;
        case WEFT_EXTERNREF: o->bits[i][0] = r[i].of.externref != NULL; break;
        case WEFT_EXNREF: o->bits[i][0] = r[i].of.exnref != NULL; break;
        }
        o->bits[i][1] |= (uint64_t)r[i].kind << 56;
    }
}

/* How far to go with a module that loads, from WEFT_FUZZ_STAGE: "load"
 * (stop there), "instantiate" (no calls) or, by default, run. Stopping
 * early keeps the crashes of a later stage from hiding those of an
 * earlier one. */
enum { FUZZ_LOAD = 1, FUZZ_INSTANTIATE, FUZZ_RUN };

static int fuzz_stage(void)
{
    static int stage;
    if (!stage) {
        const char *s = getenv("WEFT_FUZZ_STAGE");
        stage = !s ? FUZZ_RUN : !strcmp(s, "load") ? FUZZ_LOAD
              : !strcmp(s, "instantiate") ? FUZZ_INSTANTIATE : FUZZ_RUN;
    }
    return stage;
}

/* Instantiates m in a new store with dummy imports and calls each exported
 * function with zero arguments, each under FUZZ_FUEL units of fuel. */
static void fuzz_run_module(weft_engine *e, const weft_module *m, fuzz_run *run)
{
    memset(run, 0, sizeof *run);
    if (fuzz_stage() < FUZZ_INSTANTIATE)
        return;
    weft_store *st = weft_store_new(e);
    if (!st)
        return;
    uint32_t nimports = weft_module_import_count(m);
    weft_extern *imports = calloc(nimports + 1, sizeof *imports);
    weft_instance *inst = NULL;
    weft_error err;
    if (!imports || !fuzz_imports(st, m, imports, nimports)) {
        run->skipped = 1;
        goto out;
    }
    weft_store_set_fuel(st, FUZZ_FUEL);
    run->inst_status = weft_instance_new(st, m, imports, nimports, &inst, &err);
    if (weft_store_is_suspended(st))
        weft_store_abandon(st);
    if (run->inst_status != WEFT_OK || !inst || fuzz_stage() < FUZZ_RUN)
        goto out;
    uint32_t n = weft_instance_export_count(inst);
    for (uint32_t i = 0; i < n && run->ncalls < FUZZ_MAX_CALLS; i++) {
        const char *name;
        weft_extern ext;
        if (!weft_instance_export_nth(inst, i, &name, &ext) || ext.kind != WEFT_EXTERN_FUNC)
            continue;
        const weft_functype *ft = weft_func_type(ext.of.func);
        if (ft->nparams > FUZZ_MAX_VALS || ft->nresults > FUZZ_MAX_VALS)
            continue;
        weft_val args[FUZZ_MAX_VALS], res[FUZZ_MAX_VALS];
        for (uint32_t k = 0; k < ft->nparams; k++)
            args[k] = fuzz_zero(ft->params[k]);
        memset(res, 0, sizeof res);
        weft_store_set_fuel(st, FUZZ_FUEL);
        fuzz_outcome *o = &run->calls[run->ncalls++];
        o->status = weft_func_call(st, ext.of.func, args, ft->nparams, res, ft->nresults, &err);
        if (o->status == WEFT_TRAP || o->status == WEFT_SUSPENDED)
            o->trap = err.trap;
        if (o->status == WEFT_OK)
            fuzz_record(o, res, ft->nresults);
        if (weft_store_is_suspended(st))
            weft_store_abandon(st);
    }
out:
    free(imports);
    weft_store_delete(st);
}

#endif
