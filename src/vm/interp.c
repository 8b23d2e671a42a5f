/* interp.c - the interpreter: runs the slot-addressed internal code.
 *
 * Dispatch is token-threaded: each instruction starts with its opcode
 * unit, looked up in a table of label addresses (computed goto) or in a
 * switch. The code holds no addresses, so it can run from ROM. */
#include "vm/runtime.h"
#include "vm/numeric.h"
#include "core/opset.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "weft's memory access assumes a little-endian host"
#endif

typedef uint32_t VT_i32;
typedef uint64_t VT_i64;
typedef float VT_f32;
typedef double VT_f64;

#define S(i) fp[ip[i]]
#define U32(i) ((uint32_t)ip[i] | (uint32_t)ip[(i) + 1] << 16)
#define U64(i) ((uint64_t)U32(i) | (uint64_t)U32((i) + 2) << 32)
#define REL(i) ((int32_t)U32(i))
#define JUMP(i) (ip = ip + (i) + REL(i))
#define IMM_i32(i) U32(i)
#define IMM_i64(i) ((uint64_t)(int64_t)(int32_t)U32(i))
#define I16_i32(i) ((uint32_t)(int32_t)(int16_t)ip[i])
#define I16_i64(i) ((uint64_t)(int64_t)(int16_t)ip[i])

/* Fuel: one unit per call and per loop iteration (taken backward
 * branch). When none is left, or the store was interrupted, execution
 * stops at the current instruction, which runs again (and pays) on resume. */
#if WEFT_FUEL
#define CHARGE()                                                              \
    do {                                                                      \
        if (WU_UNLIKELY(fuel <= 0 || st->interrupt))                          \
            goto out_of_fuel;                                                 \
        fuel--;                                                               \
    } while (0)
#define BRANCH(i)                                                             \
    do {                                                                      \
        int32_t r_ = REL(i);                                                  \
        if (r_ < 0)                                                           \
            CHARGE();                                                         \
        ip += (i) + r_;                                                       \
    } while (0)
/* BRANCH for a fused instruction that has done other work before it
 * branches: when a backward branch cannot be paid for, execution stops at
 * the target with the payment owed (the store's susp_owed), as it would
 * have stopped at a separate branch instruction, and resuming pays first. */
#define BRANCH_OWED(i)                                                        \
    do {                                                                      \
        int32_t r_ = REL(i);                                                  \
        ip += (i) + r_;                                                       \
        if (r_ < 0) {                                                         \
            if (WU_UNLIKELY(fuel <= 0 || st->interrupt))                      \
                goto out_of_fuel_owed;                                        \
            fuel--;                                                           \
        }                                                                     \
    } while (0)
#else
#define CHARGE() ((void)0)
#define BRANCH(i) JUMP(i)
#define BRANCH_OWED(i) JUMP(i)
#endif

#define LOAD_MEM()                                                            \
    do {                                                                      \
        weft_memory *m0_ = inst->mem0;                                        \
        mbase = m0_ ? m0_->data : NULL;                                       \
        msize = m0_ ? m0_->size : 0;                                          \
    } while (0)

#define TRAP(k)                                                               \
    do {                                                                      \
        trap = (k);                                                           \
        goto trapped;                                                         \
    } while (0)

/* An instruction left out of the build's set (core/opset.h) keeps only a
 * jump to op_off; the image loader refuses code that uses it. */
#if WEFT_COMPUTED_GOTO
#define CASE(N)                                                               \
    L_##N:                                                                    \
    if (!WM_OP_ON(N))                                                         \
        goto op_off;
#define NEXT() goto *dispatch_table[*ip]
#else
#define CASE(N)                                                               \
    case OPC_##N:                                                             \
    if (!WM_OP_ON(N))                                                         \
        goto op_off;
#define NEXT() goto dispatch
#endif

bool wv_functype_eq(const weft_functype *a, const weft_functype *b)
{
    if (a == b)
        return true;
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           !memcmp(a->params, b->params, a->nparams * sizeof *a->params) &&
           !memcmp(a->results, b->results, a->nresults * sizeof *a->results);
}

static weft_val slot_to_val(weft_valkind k, const wv_slot *s)
{
    weft_val v;
    memset(&v, 0, sizeof v);
    v.kind = k;
    switch (k) {
    case WEFT_I32: v.of.i32 = (int32_t)s->i32; break;
    case WEFT_F32: v.of.f32_bits = s->i32; break;
    case WEFT_I64: v.of.i64 = (int64_t)s->i64; break;
    case WEFT_F64: v.of.f64_bits = s->i64; break;
    case WEFT_FUNCREF: v.of.funcref = (weft_func *)(uintptr_t)s->i64; break;
    case WEFT_EXTERNREF: v.of.externref = (void *)(uintptr_t)s->i64; break;
    case WEFT_EXNREF: v.of.exnref = (void *)(uintptr_t)s->i64; break;
    case WEFT_V128: memcpy(v.of.v128, s, 16); break;
    }
    return v;
}

static void val_to_slot(const weft_val *v, wv_slot *s)
{
    switch (v->kind) {
    case WEFT_I32: s->i64 = 0; s->i32 = (uint32_t)v->of.i32; break;
    case WEFT_F32: s->i64 = 0; s->i32 = v->of.f32_bits; break;
    case WEFT_I64: s->i64 = (uint64_t)v->of.i64; break;
    case WEFT_F64: s->i64 = v->of.f64_bits; break;
    case WEFT_FUNCREF: s->i64 = (uint64_t)(uintptr_t)v->of.funcref; break;
    case WEFT_EXTERNREF: s->i64 = (uint64_t)(uintptr_t)v->of.externref; break;
    case WEFT_EXNREF: s->i64 = (uint64_t)(uintptr_t)v->of.exnref; break;
    case WEFT_V128: memcpy(s, v->of.v128, 16); break;
    }
}

void wv_set_trap_msg(weft_store *st, const char *msg)
{
    if (msg) {
        wu_fmt(st->trap_msg, sizeof st->trap_msg, "%s", msg);
        st->has_trap_msg = true;
    }
}

weft_trap_kind wv_call_host(weft_store *st, weft_func *f, weft_instance *caller,
                            wv_slot *args)
{
    const weft_functype *ft = f->type;
    /* parameters and results; past this, on the heap */
    weft_val small[WEFT_OPTIMIZE_SIZE ? 4 : 16];
    uint32_t n = ft->nparams > ft->nresults ? ft->nparams : ft->nresults;
    weft_val *buf = small;
    if (n * 2 > sizeof small / sizeof small[0]) {
        buf = WU_NEW_ARRAY(st->engine, weft_val, (size_t)n * 2);
        if (!buf) {
            wv_set_trap_msg(st, "out of memory calling a host function");
            return WEFT_TRAP_HOST;
        }
    }
    weft_val *in = buf, *out = buf + n;
    uint32_t si = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        in[i] = slot_to_val(ft->params[i], &args[si]);
        si += wm_slots_of((uint8_t)ft->params[i]);
    }
    for (uint32_t i = 0; i < ft->nresults; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].kind = ft->results[i];
    }
    wv_slot *saved_top = st->stack_top;
    uint32_t nslots = 0;
    for (uint32_t i = 0; i < ft->nparams; i++)
        nslots += wm_slots_of((uint8_t)ft->params[i]);
    uint32_t rslots = 0;
    for (uint32_t i = 0; i < ft->nresults; i++)
        rslots += wm_slots_of((uint8_t)ft->results[i]);
    st->stack_top = args + (nslots > rslots ? nslots : rslots);
    weft_caller c = {st, caller};
    weft_trap_kind k = f->host(&c, f->user, in, out);
    st->stack_top = saved_top;
    if (k == WEFT_TRAP_NONE) {
        si = 0;
        for (uint32_t i = 0; i < ft->nresults; i++) {
            if (out[i].kind != ft->results[i] || !wv_exnref_ok(st, &out[i])) {
                wv_set_trap_msg(st, "host function returned a value of the wrong type");
                k = WEFT_TRAP_HOST;
                break;
            }
            val_to_slot(&out[i], &args[si]);
            si += wm_slots_of((uint8_t)ft->results[i]);
        }
    }
    if (buf != small)
        WU_FREE_ARRAY(st->engine, buf, (size_t)n * 2);
    return k;
}

/* The clause of the innermost handler of inst's module covering code
 * position at that catches an exception of tag, or NULL. */
static const wm_catch *wv_find_catch(const weft_instance *inst, uint32_t at,
                                     const weft_tag *tag)
{
    const weft_module *m = inst->module;
    for (uint32_t i = 0; i < m->nhandlers; i++) {
        const wm_handler *h = &m->handlers[i];
        if (at < h->start || at >= h->end)
            continue;
        for (uint32_t j = 0; j < h->ncatches; j++) {
            const wm_catch *k = &m->catches[h->first_catch + j];
            if (k->kind >= WM_CATCH_ALL || inst->tags[k->tag] == tag)
                return k;
        }
    }
    return NULL;
}

/* An exception caught without a reference ever made to it is garbage; free it now
 * when it is the store's newest object (the common case of a throw caught
 * by a plain catch), otherwise the store frees it with everything else. */
static void wv_exn_release(weft_store *st, wv_exn *x)
{
    if (!x->referenced && st->objs == &x->hdr) {
        st->objs = x->hdr.next;
        wu_free(st->engine, x, x->hdr.size);
    }
}

/* Bounds check for a range [a, a+n) within size (all 64-bit, no overflow). */
static inline bool range_ok(uint64_t a, uint64_t n, uint64_t size)
{
    return a <= size && n <= size - a;
}

weft_trap_kind wv_run(weft_store *st, const uint16_t *ip, wv_slot *fp,
                      weft_instance *inst, wv_frame *base)
{
#if WEFT_COMPUTED_GOTO
    static const void *const dispatch_table[OPC_COUNT_] = {
#define OP_SPECIAL(N, s) &&L_##N,
#define OP_BIN(N, c, ti, to, vi, vo, e) &&L_##N, WM_IMMV_##vi(&&L_##N##_I,)
#define OP_CMP(N, c, ti, vi, ng, sw, e) &&L_##N, &&L_##N##_I, &&L_BR_##N, &&L_BR_##N##_I,
#define OP_UN(N, c, ti, to, vi, vo, e) &&L_##N,
#define OP_BINT(N, c, ti, to, vi, vo, f) &&L_##N,
#define OP_UNT(N, c, ti, to, vi, vo, f) &&L_##N,
#define OP_LOAD(N, c, to, vo, ct, sz) &&L_##N,
#define OP_STORE(N, c, ti, vi, ct, sz) &&L_##N,
#include "core/opcodes.def"
    };
#endif
    uint8_t *mbase;
    uint64_t msize;
    int64_t fuel = st->fuel;
    wv_frame *frame_top = st->frame_top;
    wv_frame *const frames_end = st->frames_end;
    wv_slot *const stack_end = st->stack_end;
    weft_trap_kind trap = WEFT_TRAP_NONE;
    weft_func *f;
    wv_slot *nfp;
    wv_exn *exn;
    LOAD_MEM();
    (void)fuel;
#if WEFT_FUEL
    if (WU_UNLIKELY(st->susp_owed)) {
        /* resumed after a fused instruction whose branch was not paid for */
        if (fuel <= 0 || st->interrupt)
            goto out_of_fuel;
        fuel--;
        st->susp_owed = false;
    }
#endif

#if WEFT_COMPUTED_GOTO
    NEXT();
#else
dispatch:
    switch ((uint16_t)*ip) {
#endif

#define OP_BIN(N, c, ti, to, vi, vo, expr)                                    \
    CASE(N) {                                                                 \
        VT_##vi a = S(2).vi, b = S(3).vi;                                     \
        S(1).vo = (VT_##vo)(expr);                                            \
        ip += 4;                                                              \
        NEXT();                                                               \
    }                                                                         \
    WM_IMMV_##vi(CASE(N##_I) {                                                \
        VT_##vi a = S(2).vi, b = IMM_##vi(3);                                 \
        S(1).vo = (VT_##vo)(expr);                                            \
        ip += 5;                                                              \
        NEXT();                                                               \
    })
#define OP_CMP(N, c, ti, vi, ng, sw, expr)                                    \
    CASE(N) {                                                                 \
        VT_##vi a = S(2).vi, b = S(3).vi;                                     \
        S(1).i32 = (expr);                                                    \
        ip += 4;                                                              \
        NEXT();                                                               \
    }                                                                         \
    CASE(N##_I) {                                                             \
        VT_##vi a = S(2).vi, b = IMM_##vi(3);                                 \
        S(1).i32 = (expr);                                                    \
        ip += 5;                                                              \
        NEXT();                                                               \
    }                                                                         \
    CASE(BR_##N) {                                                            \
        VT_##vi a = S(1).vi, b = S(2).vi;                                     \
        if (expr)                                                             \
            BRANCH(3);                                                        \
        else                                                                  \
            ip += 5;                                                          \
        NEXT();                                                               \
    }                                                                         \
    CASE(BR_##N##_I) {                                                        \
        VT_##vi a = S(1).vi, b = IMM_##vi(2);                                 \
        if (expr)                                                             \
            BRANCH(4);                                                        \
        else                                                                  \
            ip += 6;                                                          \
        NEXT();                                                               \
    }
#define OP_UN(N, c, ti, to, vi, vo, expr)                                     \
    CASE(N) {                                                                 \
        VT_##vi a = S(2).vi;                                                  \
        S(1).vo = (VT_##vo)(expr);                                            \
        ip += 3;                                                              \
        NEXT();                                                               \
    }
#define OP_BINT(N, c, ti, to, vi, vo, fn)                                     \
    CASE(N) {                                                                 \
        VT_##vi a = S(2).vi, b = S(3).vi;                                     \
        VT_##vo r;                                                            \
        weft_trap_kind k = fn(a, b, &r);                                      \
        if (WU_UNLIKELY(k != WEFT_TRAP_NONE))                                 \
            TRAP(k);                                                          \
        S(1).vo = r;                                                          \
        ip += 4;                                                              \
        NEXT();                                                               \
    }
#define OP_UNT(N, c, ti, to, vi, vo, fn)                                      \
    CASE(N) {                                                                 \
        VT_##vi a = S(2).vi;                                                  \
        VT_##vo r;                                                            \
        weft_trap_kind k = fn(a, &r);                                         \
        if (WU_UNLIKELY(k != WEFT_TRAP_NONE))                                 \
            TRAP(k);                                                          \
        S(1).vo = r;                                                          \
        ip += 3;                                                              \
        NEXT();                                                               \
    }
#define OP_LOAD(N, c, to, vo, ctype, size)                                    \
    CASE(N) {                                                                 \
        uint64_t ea = (uint64_t)S(2).i32 + U32(3);                            \
        if (WU_UNLIKELY(ea + (size) > msize))                                 \
            TRAP(WEFT_TRAP_MEMORY_OOB);                                       \
        ctype v;                                                              \
        memcpy(&v, mbase + ea, size);                                         \
        S(1).vo = (VT_##vo)v;                                                 \
        ip += 5;                                                              \
        NEXT();                                                               \
    }
#define OP_STORE(N, c, ti, vi, ctype, size)                                   \
    CASE(N) {                                                                 \
        uint64_t ea = (uint64_t)S(1).i32 + U32(3);                            \
        if (WU_UNLIKELY(ea + (size) > msize))                                 \
            TRAP(WEFT_TRAP_MEMORY_OOB);                                       \
        ctype v = (ctype)S(2).vi;                                             \
        memcpy(mbase + ea, &v, size);                                         \
        ip += 5;                                                              \
        NEXT();                                                               \
    }
#include "core/opcodes.def"

op_off:
    TRAP(WEFT_TRAP_UNREACHABLE);
    CASE(UNREACHABLE) { TRAP(WEFT_TRAP_UNREACHABLE); }

    CASE(BR) {
        BRANCH(1);
        NEXT();
    }
    CASE(BR_IF) {
        if (S(1).i32)
            BRANCH(2);
        else
            ip += 4;
        NEXT();
    }
    CASE(BR_UNLESS) {
        if (!S(1).i32)
            BRANCH(2);
        else
            ip += 4;
        NEXT();
    }
    CASE(BR_TABLE) {
        uint32_t idx = S(1).i32, n = U32(2);
        if (idx > n)
            idx = n;
        BRANCH(4 + 2 * idx);
        NEXT();
    }

    CASE(RETURN1) {
        fp[0] = S(1);
        goto do_return;
    }
    CASE(RETURN) {
    do_return:
        frame_top--;
        ip = frame_top->ret_ip;
        if (!ip) {
            st->frame_top = frame_top;
            st->fuel = fuel;
            return WEFT_TRAP_NONE;
        }
        fp = frame_top->fp;
        inst = frame_top->inst;
        LOAD_MEM();
        NEXT();
    }

    CASE(CALL) {
        CHARGE();
        f = inst->funcs[U32(1)];
        nfp = fp + ip[3];
        ip += 4;
        goto do_call;
    }
    CASE(CALL_INDIRECT) {
        CHARGE();
        weft_table *t = inst->tables[U32(3)];
        uint32_t idx = S(6).i32;
        if (WU_UNLIKELY(idx >= t->size))
            TRAP(WEFT_TRAP_TABLE_OOB);
        f = (weft_func *)(uintptr_t)t->elems[idx];
        if (WU_UNLIKELY(!f))
            TRAP(WEFT_TRAP_UNINIT_ELEMENT);
        const weft_functype *want = &inst->module->types[U32(1)];
        if (WU_UNLIKELY(f->type != want && !wv_functype_eq(f->type, want)))
            TRAP(WEFT_TRAP_INDIRECT_TYPE);
        nfp = fp + ip[5];
        ip += 7;
        goto do_call;
    }
do_call:
    if (f->kind == WV_FUNC_HOST) {
        st->fuel = fuel;
        st->frame_top = frame_top;
        weft_trap_kind k = wv_call_host(st, f, inst, nfp);
        fuel = st->fuel;
        LOAD_MEM();
        if (k != WEFT_TRAP_NONE)
            TRAP(k);
        NEXT();
    }
    if (WU_UNLIKELY(nfp + f->frame_slots > stack_end || frame_top == frames_end))
        TRAP(WEFT_TRAP_STACK_EXHAUSTED);
    frame_top->ret_ip = ip;
    frame_top->fp = fp;
    frame_top->inst = inst;
    frame_top++;
    memset(nfp + f->nparam_slots, 0,
           (size_t)(f->nlocal_slots - f->nparam_slots) * sizeof(wv_slot));
    fp = nfp;
    ip = f->code;
    if (f->inst != inst) {
        inst = f->inst;
        LOAD_MEM();
    }
    NEXT();

    CASE(RETURN_CALL) {
        CHARGE();
        f = inst->funcs[U32(1)];
        nfp = fp + ip[3];
        goto do_tail_call;
    }
    CASE(RETURN_CALL_INDIRECT) {
        CHARGE();
        weft_table *t = inst->tables[U32(3)];
        uint32_t idx = S(6).i32;
        if (WU_UNLIKELY(idx >= t->size))
            TRAP(WEFT_TRAP_TABLE_OOB);
        f = (weft_func *)(uintptr_t)t->elems[idx];
        if (WU_UNLIKELY(!f))
            TRAP(WEFT_TRAP_UNINIT_ELEMENT);
        const weft_functype *want = &inst->module->types[U32(1)];
        if (WU_UNLIKELY(f->type != want && !wv_functype_eq(f->type, want)))
            TRAP(WEFT_TRAP_INDIRECT_TYPE);
        nfp = fp + ip[5];
        goto do_tail_call;
    }
do_tail_call:
    if (f->kind == WV_FUNC_HOST) {
        st->fuel = fuel;
        st->frame_top = frame_top;
        weft_trap_kind k = wv_call_host(st, f, inst, nfp);
        fuel = st->fuel;
        if (k != WEFT_TRAP_NONE)
            TRAP(k);
        uint32_t rs = 0;
        for (uint32_t i = 0; i < f->type->nresults; i++)
            rs += wm_slots_of((uint8_t)f->type->results[i]);
        memmove(fp, nfp, rs * sizeof(wv_slot));
        goto do_return;
    }
    if (WU_UNLIKELY(fp + f->frame_slots > stack_end))
        TRAP(WEFT_TRAP_STACK_EXHAUSTED);
    memmove(fp, nfp, f->nparam_slots * sizeof(wv_slot));
    memset(fp + f->nparam_slots, 0,
           (size_t)(f->nlocal_slots - f->nparam_slots) * sizeof(wv_slot));
    ip = f->code;
    if (f->inst != inst) {
        inst = f->inst;
        LOAD_MEM();
    }
    NEXT();

    CASE(MOV) {
        S(1) = S(2);
        ip += 3;
        NEXT();
    }
    CASE(MOV2) {
        S(1) = S(2);
        S(3) = S(4);
        ip += 5;
        NEXT();
    }
    CASE(CONST32) {
        S(1).i32 = U32(2);
        ip += 4;
        NEXT();
    }
    CASE(CONST64) {
        S(1).i64 = U64(2);
        ip += 6;
        NEXT();
    }
    CASE(CONST16) {
        S(1).i32 = I16_i32(2);
        ip += 3;
        NEXT();
    }
    CASE(CONSTS) {
        wv_slot *d = &S(1);
        uint32_t n32 = ip[3], nhi = ip[4], n64 = (uint32_t)ip[2] - n32 - nhi;
        const uint16_t *v = ip + 5;
        for (uint32_t i = 0; i < n32; i++, v += 2)
            (d++)->i64 = (uint32_t)v[0] | (uint32_t)v[1] << 16;
        for (uint32_t i = 0; i < nhi; i++, v += 2)
            (d++)->i64 = (uint64_t)((uint32_t)v[0] | (uint32_t)v[1] << 16) << 32;
        /* values are little-endian unit groups, as the slots are */
        memcpy(d, v, (size_t)n64 * sizeof(wv_slot));
        ip = v + 4 * n64;
        NEXT();
    }
#define BIN_I16(N, vi, expr)                                                  \
    CASE(N) {                                                                 \
        VT_##vi a = S(2).vi, b = I16_##vi(3);                                 \
        S(1).vi = (VT_##vi)(expr);                                            \
        ip += 4;                                                              \
        NEXT();                                                               \
    }
    BIN_I16(I32_ADD_I16, i32, a + b)
    BIN_I16(I32_AND_I16, i32, a & b)
    BIN_I16(I32_OR_I16, i32, a | b)
    BIN_I16(I32_XOR_I16, i32, a ^ b)
    BIN_I16(I32_SHL_I16, i32, a << (b & 31))
    BIN_I16(I32_SHR_U_I16, i32, a >> (b & 31))
    BIN_I16(I64_ADD_I16, i64, a + b)
    BIN_I16(I64_OR_I16, i64, a | b)
    BIN_I16(I64_SHR_U_I16, i64, a >> (b & 63))
#undef BIN_I16
    CASE(I32_LOAD_O16) {
        uint64_t ea = (uint64_t)S(2).i32 + ip[3];
        if (WU_UNLIKELY(ea + 4 > msize))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        memcpy(&S(1).i32, mbase + ea, 4);
        ip += 4;
        NEXT();
    }
    CASE(I32_STORE_O16) {
        uint64_t ea = (uint64_t)S(1).i32 + ip[3];
        if (WU_UNLIKELY(ea + 4 > msize))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        memcpy(mbase + ea, &S(2).i32, 4);
        ip += 4;
        NEXT();
    }
    CASE(I64_STORE_O16) {
        uint64_t ea = (uint64_t)S(1).i32 + ip[3];
        if (WU_UNLIKELY(ea + 8 > msize))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        memcpy(mbase + ea, &S(2).i64, 8);
        ip += 4;
        NEXT();
    }
    CASE(SELECT) {
        S(1) = S(4).i32 ? S(2) : S(3);
        ip += 5;
        NEXT();
    }
    CASE(GLOBAL_GET) {
        S(1) = inst->globals[U32(2)]->val[0];
        ip += 4;
        NEXT();
    }
    CASE(GLOBAL_SET) {
        inst->globals[U32(2)]->val[0] = S(1);
        ip += 4;
        NEXT();
    }
    CASE(REF_IS_NULL) {
        S(1).i32 = S(2).i64 == 0;
        ip += 3;
        NEXT();
    }
    CASE(REF_FUNC) {
        S(1).i64 = (uint64_t)(uintptr_t)inst->funcs[U32(2)];
        ip += 4;
        NEXT();
    }

    CASE(LOAD_M) {
        weft_memory *m = inst->mems[U32(6)];
        uint64_t ea = (uint64_t)S(3).i32 + U32(4);
        wv_slot *d = &S(2);
        switch (ip[1]) {
#define OP_LOAD(N, c, to, vo, ctype, sz)                                      \
        case OPC_##N: {                                                       \
            if (WU_UNLIKELY(ea + (sz) > m->size))                             \
                TRAP(WEFT_TRAP_MEMORY_OOB);                                   \
            ctype v;                                                          \
            memcpy(&v, m->data + ea, sz);                                     \
            d->vo = (VT_##vo)v;                                               \
            break;                                                            \
        }
#include "core/opcodes.def"
        }
        ip += 8;
        NEXT();
    }
    CASE(STORE_M) {
        weft_memory *m = inst->mems[U32(6)];
        uint64_t ea = (uint64_t)S(2).i32 + U32(4);
        wv_slot *v0 = &S(3);
        switch (ip[1]) {
#define OP_STORE(N, c, ti, vi, ctype, sz)                                     \
        case OPC_##N: {                                                       \
            if (WU_UNLIKELY(ea + (sz) > m->size))                             \
                TRAP(WEFT_TRAP_MEMORY_OOB);                                   \
            ctype v = (ctype)v0->vi;                                          \
            memcpy(m->data + ea, &v, sz);                                     \
            break;                                                            \
        }
#include "core/opcodes.def"
        }
        ip += 8;
        NEXT();
    }
    CASE(MEMORY_SIZE) {
        weft_memory *m = inst->mems[U32(2)];
        S(1).i32 = (uint32_t)m->pages;
        ip += 4;
        NEXT();
    }
    CASE(MEMORY_GROW) {
        weft_memory *m = inst->mems[U32(3)];
        S(1).i32 = (uint32_t)wv_memory_grow(m, S(2).i32);
        LOAD_MEM();
        ip += 5;
        NEXT();
    }
    CASE(MEMORY_FILL) {
        weft_memory *m = inst->mems[U32(4)];
        uint64_t d = S(1).i32, n = S(3).i32;
        if (WU_UNLIKELY(!range_ok(d, n, m->size)))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        if (n)
            memset(m->data + d, (int)(uint8_t)S(2).i32, (size_t)n);
        ip += 6;
        NEXT();
    }
    CASE(MEMORY_COPY) {
        weft_memory *dm = inst->mems[U32(4)], *sm = inst->mems[U32(6)];
        uint64_t d = S(1).i32, s = S(2).i32, n = S(3).i32;
        if (WU_UNLIKELY(!range_ok(d, n, dm->size) || !range_ok(s, n, sm->size)))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        if (n)
            memmove(dm->data + d, sm->data + s, (size_t)n);
        ip += 8;
        NEXT();
    }
    CASE(MEMORY_INIT) {
        uint32_t x = U32(4);
        weft_memory *m = inst->mems[U32(6)];
        const wm_data *ds = &inst->module->datas[x];
        uint64_t seglen = inst->data_dropped[x] ? 0 : ds->bytes_len;
        uint64_t d = S(1).i32, s = S(2).i32, n = S(3).i32;
        if (WU_UNLIKELY(!range_ok(s, n, seglen) || !range_ok(d, n, m->size)))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        if (n)
            memcpy(m->data + d, inst->module->pool + ds->bytes_off + s, (size_t)n);
        ip += 8;
        NEXT();
    }
    CASE(DATA_DROP) {
        inst->data_dropped[U32(1)] = 1;
        ip += 3;
        NEXT();
    }
    CASE(TABLE_GET) {
        weft_table *t = inst->tables[U32(3)];
        uint32_t i = S(2).i32;
        if (WU_UNLIKELY(i >= t->size))
            TRAP(WEFT_TRAP_TABLE_OOB);
        S(1).i64 = t->elems[i];
        ip += 5;
        NEXT();
    }
    CASE(TABLE_SET) {
        weft_table *t = inst->tables[U32(3)];
        uint32_t i = S(1).i32;
        if (WU_UNLIKELY(i >= t->size))
            TRAP(WEFT_TRAP_TABLE_OOB);
        t->elems[i] = S(2).i64;
        ip += 5;
        NEXT();
    }
    CASE(TABLE_SIZE) {
        S(1).i32 = inst->tables[U32(2)]->size;
        ip += 4;
        NEXT();
    }
    CASE(TABLE_GROW) {
        weft_table *t = inst->tables[U32(4)];
        S(1).i32 = (uint32_t)wv_table_grow(st, t, S(3).i32, S(2).i64);
        ip += 6;
        NEXT();
    }
    CASE(TABLE_FILL) {
        weft_table *t = inst->tables[U32(4)];
        uint64_t i = S(1).i32, n = S(3).i32;
        if (WU_UNLIKELY(!range_ok(i, n, t->size)))
            TRAP(WEFT_TRAP_TABLE_OOB);
        uint64_t v = S(2).i64;
        for (uint64_t k = 0; k < n; k++)
            t->elems[i + k] = v;
        ip += 6;
        NEXT();
    }
    CASE(TABLE_COPY) {
        weft_table *dt = inst->tables[U32(4)], *stt = inst->tables[U32(6)];
        uint64_t d = S(1).i32, s = S(2).i32, n = S(3).i32;
        if (WU_UNLIKELY(!range_ok(d, n, dt->size) || !range_ok(s, n, stt->size)))
            TRAP(WEFT_TRAP_TABLE_OOB);
        if (n)
            memmove(dt->elems + d, stt->elems + s, (size_t)n * sizeof(uint64_t));
        ip += 8;
        NEXT();
    }
    CASE(TABLE_INIT) {
        uint32_t x = U32(4);
        weft_table *t = inst->tables[U32(6)];
        uint64_t d = S(1).i32, s = S(2).i32, n = S(3).i32;
        if (WU_UNLIKELY(!range_ok(s, n, inst->elem_sizes[x]) || !range_ok(d, n, t->size)))
            TRAP(WEFT_TRAP_TABLE_OOB);
        if (n)
            memcpy(t->elems + d, inst->elem_refs[x] + s, (size_t)n * sizeof(uint64_t));
        ip += 8;
        NEXT();
    }
    CASE(ELEM_DROP) {
        inst->elem_sizes[U32(1)] = 0;
        ip += 3;
        NEXT();
    }

    /* exception handling */
    CASE(THROW) {
        /* a throw costs fuel like a call: a handler can branch back to a
         * loop without taking a backward branch */
        CHARGE();
        weft_tag *tag = inst->tags[U32(1)];
        wv_exn *x = wv_exn_new(st, tag, &S(3));
        if (WU_UNLIKELY(!x)) {
            wv_set_trap_msg(st, "out of memory allocating an exception");
            TRAP(WEFT_TRAP_HOST);
        }
        exn = x;
        goto do_throw;
    }
    CASE(THROW_REF) {
        CHARGE();
        exn = (wv_exn *)(uintptr_t)S(1).i64;
        if (WU_UNLIKELY(!exn))
            TRAP(WEFT_TRAP_NULL_REF);
        goto do_throw;
    }
do_throw: {
    /* Unwind to the innermost handler with a matching clause. The frame
     * that threw is looked up at its THROW; a suspended caller at its
     * return address - 1, which lies inside its call instruction. */
    const uint16_t *at = ip;
    for (;;) {
        const weft_module *m = inst->module;
        const wm_catch *k = wv_find_catch(inst, (uint32_t)(at - m->code), exn->tag);
        if (k) {
            wv_slot *d = fp + k->dst;
            uint32_t n = k->kind <= WM_CATCH_REF ? exn->nslots : 0;  /* payload kept */
            memcpy(d, exn->payload, n * sizeof(wv_slot));
            if (k->kind == WM_CATCH_REF || k->kind == WM_CATCH_ALL_REF) {
                exn->referenced = true;
                d[n].i64 = (uint64_t)(uintptr_t)exn;
            } else {
                wv_exn_release(st, exn);
            }
            ip = m->code + k->pad;
            LOAD_MEM();
            NEXT();
        }
        frame_top--;
        if (frame_top < base || !frame_top->ret_ip) {
            wv_set_trap_msg(st, "uncaught exception");
            TRAP(WEFT_TRAP_UNCAUGHT_EXCEPTION);
        }
        at = frame_top->ret_ip - 1;
        fp = frame_top->fp;
        inst = frame_top->inst;
    }
}

    /* fused forms; shift counts are below 32 (lowering masks them, the
     * image loader refuses others) */
    CASE(I32_ADD_SHL) {
        S(1).i32 = S(2).i32 + (S(3).i32 << ip[4]);
        ip += 5;
        NEXT();
    }
    CASE(SELECT_AND) {
        S(1) = S(4).i32 & U32(5) ? S(2) : S(3);
        ip += 7;
        NEXT();
    }
    CASE(I32_MUL_ADD) {
        S(1).i32 = S(2).i32 * S(3).i32 + S(4).i32;
        ip += 5;
        NEXT();
    }
    CASE(I32_ADD_I_BR_NE) {
        uint32_t v = S(2).i32 + U32(3);
        S(1).i32 = v;
        if (v != S(5).i32)
            BRANCH_OWED(6);
        else
            ip += 8;
        NEXT();
    }
    CASE(I32_ADD_I_BR_NE_I) {
        uint32_t v = S(2).i32 + U32(3);
        S(1).i32 = v;
        if (v != U32(5))
            BRANCH_OWED(7);
        else
            ip += 9;
        NEXT();
    }
    CASE(I32_SHR_U_AND_I) {
        S(1).i32 = (S(2).i32 >> ip[3]) & U32(4);
        ip += 6;
        NEXT();
    }
#define LOAD_X(N, vo, ctype, size)                                            \
    CASE(N##_X) {                                                             \
        uint64_t ea = (uint64_t)(uint32_t)(S(2).i32 + (S(3).i32 << ip[4])) +   \
                      U32(5);                                                 \
        if (WU_UNLIKELY(ea + (size) > msize))                                 \
            TRAP(WEFT_TRAP_MEMORY_OOB);                                       \
        ctype v;                                                              \
        memcpy(&v, mbase + ea, size);                                         \
        S(1).vo = (VT_##vo)v;                                                 \
        ip += 7;                                                              \
        NEXT();                                                               \
    }
    LOAD_X(I32_LOAD, i32, uint32_t, 4)
    LOAD_X(I32_LOAD8_S, i32, int8_t, 1)
    LOAD_X(I32_LOAD8_U, i32, uint8_t, 1)
    LOAD_X(I32_LOAD16_S, i32, int16_t, 2)
    LOAD_X(I32_LOAD16_U, i32, uint16_t, 2)
    LOAD_X(I64_LOAD, i64, uint64_t, 8)
#undef LOAD_X
#define LOAD_I(N, vo, ctype, size)                                            \
    CASE(N##_I) {                                                             \
        uint64_t ea = (uint32_t)(S(2).i32 + U32(3));                          \
        if (WU_UNLIKELY(ea + (size) > msize))                                 \
            TRAP(WEFT_TRAP_MEMORY_OOB);                                       \
        ctype v;                                                              \
        memcpy(&v, mbase + ea, size);                                         \
        S(1).vo = (VT_##vo)v;                                                 \
        ip += 5;                                                              \
        NEXT();                                                               \
    }
    LOAD_I(I32_LOAD, i32, uint32_t, 4)
    LOAD_I(I32_LOAD8_S, i32, int8_t, 1)
    LOAD_I(I32_LOAD8_U, i32, uint8_t, 1)
    LOAD_I(I32_LOAD16_S, i32, int16_t, 2)
    LOAD_I(I32_LOAD16_U, i32, uint16_t, 2)
    LOAD_I(I64_LOAD, i64, uint64_t, 8)
#undef LOAD_I
#define LOAD_BR(N, ctype, size, test)                                         \
    CASE(N) {                                                                 \
        uint64_t ea = (uint64_t)S(2).i32 + U32(3);                            \
        if (WU_UNLIKELY(ea + (size) > msize))                                 \
            TRAP(WEFT_TRAP_MEMORY_OOB);                                       \
        ctype v;                                                              \
        memcpy(&v, mbase + ea, size);                                         \
        S(1).i32 = v;                                                         \
        if (test)                                                             \
            BRANCH_OWED(5);                                                   \
        else                                                                  \
            ip += 7;                                                          \
        NEXT();                                                               \
    }
    LOAD_BR(I32_LOAD_BR_IF, uint32_t, 4, v != 0)
    LOAD_BR(I32_LOAD_BR_UNLESS, uint32_t, 4, v == 0)
    LOAD_BR(I32_LOAD8_U_BR_IF, uint8_t, 1, v != 0)
    LOAD_BR(I32_LOAD8_U_BR_UNLESS, uint8_t, 1, v == 0)
#undef LOAD_BR
    /* load, then compare the loaded value (written first: b may be dst) */
#define LOAD_CMP_BR(N, ctype, size, OPB, blen, CMP)                           \
    CASE(N) {                                                                 \
        uint64_t ea = (uint64_t)S(2).i32 + U32(3);                            \
        if (WU_UNLIKELY(ea + (size) > msize))                                 \
            TRAP(WEFT_TRAP_MEMORY_OOB);                                       \
        ctype v;                                                              \
        memcpy(&v, mbase + ea, size);                                         \
        S(1).i32 = v;                                                         \
        if ((uint32_t)v CMP (OPB))                                            \
            BRANCH_OWED(5 + (blen));                                          \
        else                                                                  \
            ip += 7 + (blen);                                                 \
        NEXT();                                                               \
    }
#define LOAD_CMP_BRS(N, ctype, size)                                          \
    LOAD_CMP_BR(N##_BR_EQ, ctype, size, S(5).i32, 1, ==)                      \
    LOAD_CMP_BR(N##_BR_NE, ctype, size, S(5).i32, 1, !=)                      \
    LOAD_CMP_BR(N##_BR_EQ_I, ctype, size, U32(5), 2, ==)                      \
    LOAD_CMP_BR(N##_BR_NE_I, ctype, size, U32(5), 2, !=)
    LOAD_CMP_BRS(I32_LOAD, uint32_t, 4)
    LOAD_CMP_BRS(I32_LOAD8_U, uint8_t, 1)
    LOAD_CMP_BRS(I32_LOAD16_U, uint16_t, 2)
#undef LOAD_CMP_BRS
#undef LOAD_CMP_BR

    CASE(I32_ADD_I2) {
        S(1).i32 = S(2).i32 + U32(3);
        S(5).i32 = S(6).i32 + U32(7);
        ip += 9;
        NEXT();
    }
    CASE(I32_ADD_I2_BR_NE) {
        S(1).i32 = S(2).i32 + U32(3);
        uint32_t v = S(6).i32 + U32(7);
        S(5).i32 = v;
        if (v != S(9).i32)
            BRANCH_OWED(10);
        else
            ip += 12;
        NEXT();
    }
    CASE(I32_ADD_I2_BR_NE_I) {
        S(1).i32 = S(2).i32 + U32(3);
        uint32_t v = S(6).i32 + U32(7);
        S(5).i32 = v;
        if (v != U32(9))
            BRANCH_OWED(11);
        else
            ip += 13;
        NEXT();
    }
#define AND_BR(N, CMP)                                                        \
    CASE(N) {                                                                 \
        uint32_t v = S(2).i32 & U32(3);                                       \
        S(1).i32 = v;                                                         \
        if (v CMP U32(5))                                                     \
            BRANCH_OWED(7);                                                   \
        else                                                                  \
            ip += 9;                                                          \
        NEXT();                                                               \
    }
    AND_BR(I32_AND_I_BR_EQ_I, ==)
    AND_BR(I32_AND_I_BR_NE_I, !=)
    AND_BR(I32_AND_I_BR_LT_U_I, <)
    AND_BR(I32_AND_I_BR_GE_U_I, >=)
#undef AND_BR
    CASE(MOV2_BR) {
        S(1) = S(2);
        S(3) = S(4);
        BRANCH_OWED(5);
        NEXT();
    }
    CASE(CONST32_BR) {
        S(1).i32 = U32(2);
        BRANCH_OWED(4);
        NEXT();
    }
    CASE(I32_ADD_I_BR) {
        S(1).i32 = S(2).i32 + U32(3);
        BRANCH_OWED(5);
        NEXT();
    }
    CASE(MOV_BR) {
        S(1) = S(2);
        BRANCH_OWED(3);
        NEXT();
    }
    CASE(MOV_BR_IF) {
        S(1) = S(2);
        if (S(3).i32)
            BRANCH_OWED(4);
        else
            ip += 6;
        NEXT();
    }
    CASE(MOV_BR_UNLESS) {
        S(1) = S(2);
        if (!S(3).i32)
            BRANCH_OWED(4);
        else
            ip += 6;
        NEXT();
    }
    CASE(SELECT_XOR_I) {
        S(1).i32 = S(2).i32 ^ (S(5).i32 & U32(6) ? U32(3) : 0u);
        ip += 8;
        NEXT();
    }
    CASE(I32_SHL_I_SELECT_XOR_I) {
        uint32_t v = S(2).i32 << (ip[3] & 31);
        S(1).i32 = v;
        S(4).i32 = v ^ (S(7).i32 & U32(8) ? U32(5) : 0u);
        ip += 10;
        NEXT();
    }
    CASE(I32_ADD_I_MEM) {
        uint64_t ea = (uint64_t)S(1).i32 + U32(2);
        if (WU_UNLIKELY(ea + 4 > msize))
            TRAP(WEFT_TRAP_MEMORY_OOB);
        uint32_t v;
        memcpy(&v, mbase + ea, 4);
        v += U32(4);
        memcpy(mbase + ea, &v, 4);
        ip += 6;
        NEXT();
    }

#if !WEFT_COMPUTED_GOTO
    default:
        TRAP(WEFT_TRAP_UNREACHABLE);
    }
#endif

#if WEFT_FUEL
out_of_fuel_owed:
    st->susp_owed = true;
out_of_fuel: {
    weft_trap_kind k = st->interrupt ? WEFT_TRAP_INTERRUPTED : WEFT_TRAP_OUT_OF_FUEL;
    st->interrupt = 0;  /* the request has taken effect */
    if (st->depth == 1) {
        /* resumable: keep the activation and where to continue */
        st->suspended = true;
        st->susp_ip = ip;
        st->susp_fp = fp;
        st->susp_inst = inst;
        st->frame_top = frame_top;
        st->fuel = fuel;
        return k;
    }
    st->susp_owed = false;
    trap = k;
}
#endif
trapped:
    st->frame_top = base;
    st->fuel = fuel;
    return trap;
}
