/* lower.c - validation of function bodies and, in the same pass, lowering
 * to the interpreter's slot-addressed internal code.
 *
 * Frame layout: slots [0, nlocals) hold parameters then declared locals;
 * above them, the wasm operand stack is mapped to fixed "home" slots: the
 * value at stack height h lives in slot nlocals + h. There is no runtime
 * operand stack. Two tricks keep the code short:
 *   - local.get emits nothing: the stack entry just names the local's slot
 *     ("deferred"). Before the local is written, and at every control-flow
 *     boundary, deferred entries are copied to their home slots.
 *   - local.set after an instruction that wrote its result to the top home
 *     slot rewrites that instruction's destination to the local instead.
 * Calls put the arguments in consecutive home slots; the callee's frame
 * starts at the first argument, so nothing is copied.
 * Forward branches are chained through their own displacement fields and
 * patched when the label's position is known. */
#include "core/module.h"
#include "weft/config.h"

enum { K_NONE, K_BIN, K_UN, K_LOAD, K_STORE };
/* imm: the op has an _I variant at op + 1; cmp: it is an OP_CMP, with
 * neg/swap the comparisons for the negated and operand-swapped forms. */
typedef struct {
    uint16_t op;
    uint8_t kind, tin, tout, size, imm, cmp;
    uint16_t neg, swap;
} wl_opinfo;
#define OPIDX(c) ((c) < 0x100 ? (c) : 0x100 + ((c) & 0xFF))
static const wl_opinfo opinfo[0x120] = {
#define OP_BIN(N, c, ti, to, vi, vo, e) [OPIDX(c)] = {OPC_##N, K_BIN, WEFT_##ti, WEFT_##to, 0, (0 WM_IMMV_##vi(+1)), 0, 0, 0},
#define OP_CMP(N, c, ti, vi, ng, sw, e) [OPIDX(c)] = {OPC_##N, K_BIN, WEFT_##ti, WEFT_I32, 0, 1, 1, OPC_##ng, OPC_##sw},
#define OP_BINT(N, c, ti, to, vi, vo, f) [OPIDX(c)] = {OPC_##N, K_BIN, WEFT_##ti, WEFT_##to, 0, 0, 0, 0, 0},
#define OP_UN(N, c, ti, to, vi, vo, e) [OPIDX(c)] = {OPC_##N, K_UN, WEFT_##ti, WEFT_##to, 0, 0, 0, 0, 0},
#define OP_UNT(N, c, ti, to, vi, vo, f) [OPIDX(c)] = {OPC_##N, K_UN, WEFT_##ti, WEFT_##to, 0, 0, 0, 0, 0},
#define OP_LOAD(N, c, to, vo, ct, sz) [OPIDX(c)] = {OPC_##N, K_LOAD, WEFT_I32, WEFT_##to, sz, 0, 0, 0, 0},
#define OP_STORE(N, c, ti, vi, ct, sz) [OPIDX(c)] = {OPC_##N, K_STORE, WEFT_##ti, WEFT_I32, sz, 0, 0, 0, 0},
#include "core/opcodes.def"
};

#define MAX_LOCALS 50000u
#define MAX_POOL 64u        /* constant slots per function */
#define MAX_FRAME 0xFFBFu   /* slot numbers above it name constant slots */
#define POOL_TAG 0xFFC0u    /* while lowering, slot 0xFFFF - i is constant slot i */
#define NO_FIX UINT32_MAX


typedef struct wl_val {
    uint8_t type;
    bool is_const;   /* a constant not yet written anywhere: cval */
    bool pooled;     /* an operand read from a constant slot (slot is tagged) */
    uint16_t slot;   /* where the value is now */
    uint16_t home;   /* where it lives when materialized */
    uint64_t cval;
} wl_val;

/* Compare opcodes: 1 for the two-slot form, 2 for the immediate form;
 * cmp_neg gives the negated comparison of a two-slot form. */
static const uint8_t cmp_kind[OPC_COUNT_] = {
#define OP_CMP(N, c, ti, vi, ng, sw, e) [OPC_##N] = 1, [OPC_##N##_I] = 2,
#include "core/opcodes.def"
};
static const uint16_t cmp_neg[OPC_COUNT_] = {
#define OP_CMP(N, c, ti, vi, ng, sw, e) [OPC_##N] = OPC_##ng,
#include "core/opcodes.def"
};

enum { C_BLOCK, C_LOOP, C_IF, C_FUNC };

typedef struct wl_ctrl {
    uint8_t kind;
    bool unreachable;   /* validation: rest of the block is unreachable */
    bool dead;          /* emission: the block was entered from dead code */
    bool has_else;
    uint32_t height;    /* operand stack height at entry (params included above) */
    uint32_t nparams, nresults;
    const weft_valkind *params, *results;
    weft_valkind single;
    uint32_t start;     /* loop head position */
    uint32_t fixups;    /* chain of rel fields to patch at end */
    uint32_t else_fix;  /* if: BR_UNLESS rel to patch at else/end */
    uint16_t home;      /* home slot of the entry at `height` */
    bool is_try;        /* a live try_table: record its handler at end */
    uint32_t try_start; /* first code position of its body */
    uint32_t first_catch, ncatches;
} wl_ctrl;

struct wl_ctx {
    weft_module *m;
    const weft_engine *e;
    wr_reader r;
    weft_error *err;
    const uint8_t *refs;
    bool has_datacount;
    uint32_t datacount;
    bool multi_memory;
    bool exceptions;

    /* locals */
    uint32_t nlocals;
    uint8_t *local_type;
    uint16_t *local_slot;
    uint16_t temp_base;

    wl_val *vals;
    uint32_t nvals, cap_vals;
    wl_ctrl *ctrls;
    uint32_t nctrls, cap_ctrls;
    uint32_t max_slot;   /* highest home slot + 1 */

    /* values of the constant slots */
    uint64_t pool[MAX_POOL];
    uint32_t npool;

    uint16_t **code;
    uint32_t *len, *cap;
    bool oom;

    uint32_t mov_at;     /* position of the last MOV, while mov_valid */
    bool mov_valid;
    uint32_t mov2_at;    /* position of the last MOV2, while mov2_valid */
    bool mov2_valid;
    uint32_t const_at;   /* position of the last CONST32, while const_valid */
    bool const_valid;
    uint32_t last_op;    /* position of the last simple instruction */
    uint32_t last_dst;   /* position of its dst operand (its result) */
    uint32_t last_end;   /* code length right after it */
    bool last_valid;
    uint32_t prev_at;    /* the simple instruction just before it, or NO_FIX */
    uint32_t prev2_at;   /* and the one before that, or NO_FIX */
    uint32_t add2_at;    /* the last I32_ADD_I2 made, or NO_FIX */

    size_t op_at;        /* offset of the current instruction */
};

#define TRY(x) do { weft_status s_ = (x); if (s_ != WEFT_OK) return s_; } while (0)

static weft_status verr(wl_ctx *L, const char *fmt, const char *a)
{
    return wu_error(L->err, WEFT_INVALID, L->op_at, fmt, a);
}

static weft_status type_mismatch(wl_ctx *L, uint8_t want, uint8_t got)
{
    char buf[80];
    wu_fmt(buf, sizeof buf, "type mismatch: expected %s, got %s",
           want == WM_UNKNOWN ? "any" : weft_valkind_name((weft_valkind)want),
           got == WM_UNKNOWN ? "nothing" : weft_valkind_name((weft_valkind)got));
    return wu_error(L->err, WEFT_INVALID, L->op_at, "%s", buf);
}

/* ---------------- code emission ---------------- */

static inline bool live(const wl_ctx *L)
{
    const wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    return !c->unreachable && !c->dead;
}

static bool reserve(wl_ctx *L, uint32_t n)
{
    if (L->oom)
        return false;
    if (*L->len + n > *L->cap) {
        uint32_t nc = *L->cap ? *L->cap * 2 : 1024;
        while (nc < *L->len + n)
            nc *= 2;
        uint16_t *p = wu_realloc(L->e, *L->code, *L->cap * sizeof(uint16_t),
                                 (size_t)nc * sizeof(uint16_t));
        if (!p) {
            L->oom = true;
            return false;
        }
        *L->code = p;
        *L->cap = nc;
    }
    return true;
}

static inline uint32_t pos(const wl_ctx *L) { return *L->len; }

static void e16(wl_ctx *L, uint32_t v)
{
    if (reserve(L, 1))
        (*L->code)[(*L->len)++] = (uint16_t)v;
}

static void e32(wl_ctx *L, uint32_t v)
{
    e16(L, v & 0xFFFF);
    e16(L, v >> 16);
}

static void e64(wl_ctx *L, uint64_t v)
{
    e32(L, (uint32_t)v);
    e32(L, (uint32_t)(v >> 32));
}

static void put32(wl_ctx *L, uint32_t at, uint32_t v)
{
    (*L->code)[at] = (uint16_t)(v & 0xFFFF);
    (*L->code)[at + 1] = (uint16_t)(v >> 16);
}

static uint32_t get32(wl_ctx *L, uint32_t at)
{
    return (uint32_t)(*L->code)[at] | (uint32_t)(*L->code)[at + 1] << 16;
}

/* Marks the start of an instruction whose dst operand (at pos()+1) can be
 * retargeted by a following local.set. */
static void simple_op(wl_ctx *L, uint32_t op, uint32_t dst)
{
    if (!L->last_valid) {
        L->prev_at = L->prev2_at = NO_FIX;
    } else if (L->last_end == pos(L)) {
        L->prev2_at = L->prev_at;
        L->prev_at = L->last_op;
    } else if (L->last_op != pos(L)) {  /* not a fused form replacing the last one */
        L->prev_at = L->prev2_at = NO_FIX;
    }
    L->last_op = pos(L);
    L->last_dst = pos(L) + 1;
    e16(L, op);
    e16(L, dst);
    L->last_valid = true;
}

static void end_simple(wl_ctx *L) { L->last_end = pos(L); }

/* Any other emission or label invalidates retargeting and MOV pairing. */
static void barrier(wl_ctx *L)
{
    L->last_valid = false;
    L->mov_valid = false;
    L->mov2_valid = false;
    L->const_valid = false;
    L->add2_at = NO_FIX;
}

/* A MOV right after another one (no label between) makes a MOV2. */
static void emit_mov(wl_ctx *L, uint32_t dst, uint32_t src)
{
    if (dst == src)
        return;
    bool pair = L->mov_valid && L->mov_at + 3 == pos(L) && !L->oom;
    barrier(L);
    if (pair) {
        (*L->code)[L->mov_at] = OPC_MOV2;
        e16(L, dst);
        e16(L, src);
        L->mov2_at = L->mov_at;
        L->mov2_valid = true;
        return;
    }
    L->mov_at = pos(L);
    e16(L, OPC_MOV);
    e16(L, dst);
    e16(L, src);
    L->mov_valid = true;
}

/* Emits the opcode and condition slot of BR (cond unused), BR_IF or
 * BR_UNLESS; the caller then emits the rel field. The instruction right
 * before it (no label between) is folded in when there is a form for the
 * pair, which does that instruction's work before testing and branching:
 * a MOV (MOV_BR, MOV_BR_IF, MOV_BR_UNLESS); before a BR, a MOV2, a
 * CONST32 or an add or subtraction of a constant (MOV2_BR, CONST32_BR,
 * I32_ADD_I_BR); an add or subtraction of a constant whose result is the
 * BR_IF's condition (I32_ADD_I_BR_NE_I with 0). */
static void emit_br_op(wl_ctx *L, uint16_t op, uint16_t cond)
{
    uint16_t *code = *L->code;
    uint32_t at = pos(L);
    bool mov = L->mov_valid && L->mov_at + 3 == at;
    bool mov2 = op == OPC_BR && L->mov2_valid && L->mov2_at + 5 == at;
    bool c32 = op == OPC_BR && L->const_valid && L->const_at + 4 == at;
    bool add = L->last_valid && L->last_end == at && L->last_op + 5 == at &&
               (code[L->last_op] == OPC_I32_ADD_I || code[L->last_op] == OPC_I32_SUB_I) &&
               (op == OPC_BR || (op == OPC_BR_IF && code[L->last_op + 1] == cond));
    barrier(L);
    if (L->oom) {
        return;
    } else if (mov) {
        code[L->mov_at] = op == OPC_BR ? OPC_MOV_BR
                        : op == OPC_BR_IF ? OPC_MOV_BR_IF : OPC_MOV_BR_UNLESS;
    } else if (mov2) {
        code[L->mov2_at] = OPC_MOV2_BR;
        return;
    } else if (c32) {
        code[L->const_at] = OPC_CONST32_BR;
        return;
    } else if (add) {
        if (code[L->last_op] == OPC_I32_SUB_I)  /* x - k is x + -k */
            put32(L, L->last_op + 3, 0u - get32(L, L->last_op + 3));
        if (op == OPC_BR) {
            code[L->last_op] = OPC_I32_ADD_I_BR;
        } else {
            code[L->last_op] = OPC_I32_ADD_I_BR_NE_I;
            e32(L, 0);
        }
        return;
    } else {
        e16(L, op);
    }
    if (op != OPC_BR)
        e16(L, cond);
}

/* Emits a rel field pointing at target (backward) or chained on *chain. */
static void emit_rel_to(wl_ctx *L, wl_ctrl *c)
{
    uint32_t at = pos(L);
    if (c->kind == C_LOOP) {
        e32(L, (uint32_t)((int32_t)c->start - (int32_t)at));
    } else {
        e32(L, c->fixups);
        c->fixups = at;
    }
}

static void patch_chain(wl_ctx *L, uint32_t chain, uint32_t target)
{
    if (L->oom)
        return;
    while (chain != NO_FIX) {
        uint32_t next = get32(L, chain);
        put32(L, chain, (uint32_t)((int32_t)target - (int32_t)chain));
        chain = next;
    }
}

/* ---------------- operand stack ---------------- */

static weft_status push(wl_ctx *L, uint8_t type)
{
    if (L->nvals == L->cap_vals) {
        uint32_t nc = L->cap_vals ? L->cap_vals * 2 : 64;
        wl_val *p = wu_realloc(L->e, L->vals, L->cap_vals * sizeof *p, nc * sizeof *p);
        if (!p)
            return wu_error(L->err, WEFT_NOMEM, L->op_at, "out of memory");
        L->vals = p;
        L->cap_vals = nc;
    }
    uint32_t home = L->nvals ? L->vals[L->nvals - 1].home +
                               wm_slots_of(L->vals[L->nvals - 1].type)
                             : L->temp_base;
    if (home + wm_slots_of(type) > MAX_FRAME)
        return wu_error(L->err, WEFT_LIMIT, L->op_at,
                        "function needs more than %u value slots", MAX_FRAME);
    wl_val *v = &L->vals[L->nvals++];
    v->type = type;
    v->is_const = false;
    v->pooled = false;
    v->cval = 0;
    v->home = (uint16_t)home;
    v->slot = (uint16_t)home;
    if (home + wm_slots_of(type) > L->max_slot)
        L->max_slot = home + wm_slots_of(type);
    return WEFT_OK;
}

/* Pops a value of type want (WM_UNKNOWN: any). *out gets the entry, which
 * may still be a pending constant. */
static weft_status pop_raw(wl_ctx *L, uint8_t want, wl_val *out)
{
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    if (L->nvals == c->height) {
        if (c->unreachable) {
            memset(out, 0, sizeof *out);
            out->type = want;
            return WEFT_OK;
        }
        return type_mismatch(L, want, WM_UNKNOWN);
    }
    wl_val v = L->vals[--L->nvals];
    if (want != WM_UNKNOWN && v.type != want && v.type != WM_UNKNOWN)
        return type_mismatch(L, want, v.type);
    if (v.type == WM_UNKNOWN)
        v.type = want;
    *out = v;
    return WEFT_OK;
}

/* The home slot the next pushed value will get. */
static uint16_t next_home(const wl_ctx *L)
{
    if (!L->nvals)
        return L->temp_base;
    const wl_val *t = &L->vals[L->nvals - 1];
    return (uint16_t)(t->home + wm_slots_of(t->type));
}

static void emit_const(wl_ctx *L, uint32_t dst, uint8_t type, uint64_t v)
{
    barrier(L);
    if (type == WEFT_I32 || type == WEFT_F32) {
        L->const_at = pos(L);
        e16(L, OPC_CONST32);
        e16(L, dst);
        e32(L, (uint32_t)v);
        L->const_valid = true;
    } else {
        e16(L, OPC_CONST64);
        e16(L, dst);
        e64(L, v);
    }
}

/* Writes v into slot dst. */
static void emit_copy(wl_ctx *L, uint32_t dst, const wl_val *v)
{
    if (v->is_const)
        emit_const(L, dst, v->type, v->cval);
    else
        emit_mov(L, dst, v->slot);
}

/* Puts v in its home slot. */
static void materialize(wl_ctx *L, wl_val *v)
{
    if (v->is_const || v->slot != v->home) {
        if (live(L))
            emit_copy(L, v->home, v);
        v->slot = v->home;
        v->is_const = false;
    }
}

/* Makes a constant operand v readable from a slot: a constant slot of the
 * function (filled by its prologue) or, when they are used up, its home. */
static void pool_operand(wl_ctx *L, wl_val *v)
{
    if (!v->is_const)
        return;
    if (!live(L)) {
        materialize(L, v);
        return;
    }
    uint32_t i = 0;
    while (i < L->npool && L->pool[i] != v->cval)
        i++;
    if (i == L->npool) {
        if (L->npool == MAX_POOL) {
            materialize(L, v);
            return;
        }
        L->pool[L->npool++] = v->cval;
    }
    v->is_const = false;
    v->pooled = true;
    v->slot = (uint16_t)(0xFFFFu - i);
}

static void e_slot(wl_ctx *L, const wl_val *v) { e16(L, v->slot); }

/* Pops an operand that is only read: constants come from constant slots. */
static weft_status pop_in(wl_ctx *L, uint8_t want, wl_val *out)
{
    TRY(pop_raw(L, want, out));
    pool_operand(L, out);
    return WEFT_OK;
}

/* Pops a value and makes sure it is in a slot. */
static weft_status pop(wl_ctx *L, uint8_t want, wl_val *out)
{
    TRY(pop_raw(L, want, out));
    if (out->is_const)
        materialize(L, out);
    return WEFT_OK;
}

static weft_status push_const(wl_ctx *L, uint8_t type, uint64_t v)
{
    TRY(push(L, type));
    L->vals[L->nvals - 1].is_const = true;
    L->vals[L->nvals - 1].cval = v;
    return WEFT_OK;
}

static void materialize_all(wl_ctx *L)
{
    for (uint32_t i = 0; i < L->nvals; i++)
        materialize(L, &L->vals[i]);
}

/* ---------------- control ---------------- */

static weft_status push_ctrl(wl_ctx *L, uint8_t kind, uint32_t np,
                             const weft_valkind *p, uint32_t nr,
                             const weft_valkind *r, weft_valkind single)
{
    if (L->nctrls == L->cap_ctrls) {
        uint32_t nc = L->cap_ctrls ? L->cap_ctrls * 2 : 16;
        wl_ctrl *q = wu_realloc(L->e, L->ctrls, L->cap_ctrls * sizeof *q, nc * sizeof *q);
        if (!q)
            return wu_error(L->err, WEFT_NOMEM, L->op_at, "out of memory");
        L->ctrls = q;
        L->cap_ctrls = nc;
    }
    bool dead = L->nctrls ? !live(L) : false;
    wl_ctrl *c = &L->ctrls[L->nctrls++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->dead = dead;
    c->single = single;
    c->nparams = np;
    c->nresults = nr;
    c->params = np ? p : NULL;
    c->results = r;  /* NULL with nr == 1: the type is in c->single */
    c->height = L->nvals - np;
    c->home = c->height < L->nvals ? L->vals[c->height].home : next_home(L);
    c->fixups = NO_FIX;
    c->else_fix = NO_FIX;
    return WEFT_OK;
}

static const weft_valkind *results_of(const wl_ctrl *c)
{
    return c->results ? c->results : &c->single;
}

static uint32_t label_arity(const wl_ctrl *c)
{
    return c->kind == C_LOOP ? c->nparams : c->nresults;
}

static const weft_valkind *label_types(const wl_ctrl *c)
{
    return c->kind == C_LOOP ? c->params : results_of(c);
}

/* Checks the top of the stack against the label's types without popping. */
static weft_status check_label(wl_ctx *L, const wl_ctrl *target)
{
    uint32_t n = label_arity(target);
    const weft_valkind *t = label_types(target);
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t depth = n - 1 - i;  /* from top */
        if (L->nvals - c->height <= depth) {
            if (c->unreachable)
                continue;
            return type_mismatch(L, (uint8_t)t[i], WM_UNKNOWN);
        }
        uint8_t got = L->vals[L->nvals - 1 - depth].type;
        if (got != WM_UNKNOWN && got != (uint8_t)t[i])
            return type_mismatch(L, (uint8_t)t[i], got);
    }
    return WEFT_OK;
}

/* Pops n values of the given types and pushes them back, keeping where
 * they are. In unreachable code this turns missing entries into typed ones,
 * as validation's pop-then-push of a label's types requires. */
static weft_status retype_top(wl_ctx *L, uint32_t n, const weft_valkind *types)
{
    wl_val small[8];
    wl_val *saved = n <= 8 ? small : WU_NEW_ARRAY(L->e, wl_val, n);
    if (!saved)
        return wu_error(L->err, WEFT_NOMEM, L->op_at, "out of memory");
    weft_status st = WEFT_OK;
    for (uint32_t i = n; i-- > 0 && !st;)
        st = pop_raw(L, (uint8_t)types[i], &saved[i]);
    for (uint32_t i = 0; i < n && !st; i++) {
        st = push(L, (uint8_t)types[i]);
        wl_val *v = &L->vals[L->nvals - 1];
        if (!st && saved[i].home == v->home) {
            v->slot = saved[i].slot;
            v->is_const = saved[i].is_const;
            v->cval = saved[i].cval;
        }
    }
    if (saved != small)
        WU_FREE_ARRAY(L->e, saved, n);
    return st;
}

static bool need_moves(wl_ctx *L, const wl_ctrl *target)
{
    uint32_t n = label_arity(target);
    uint32_t dst = target->home;
    for (uint32_t i = 0; i < n; i++) {
        const wl_val *v = &L->vals[L->nvals - n + i];
        if (v->is_const || v->slot != dst)
            return true;
        dst += wm_slots_of(v->type);
    }
    return false;
}

static void emit_moves(wl_ctx *L, const wl_ctrl *target)
{
    uint32_t n = label_arity(target);
    uint32_t dst = target->home;
    for (uint32_t i = 0; i < n; i++) {
        const wl_val *v = &L->vals[L->nvals - n + i];
        emit_copy(L, dst, v);
        dst += wm_slots_of(v->type);
    }
}

/* Return sequence: top nresults values to slots 0.. then RETURN. */
static void emit_return(wl_ctx *L)
{
    const wl_ctrl *f = &L->ctrls[0];
    uint32_t n = f->nresults;
    barrier(L);
    if (n == 1) {
        const wl_val *v = &L->vals[L->nvals - 1];
        if (v->is_const) {
            emit_const(L, 0, v->type, v->cval);
            e16(L, OPC_RETURN);
        } else {
            e16(L, OPC_RETURN1);
            e16(L, v->slot);
        }
        return;
    }
    /* A deferred local below the result area could be overwritten by an
     * earlier result copy: materialize those first. */
    uint32_t nslots = 0;
    for (uint32_t i = 0; i < n; i++)
        nslots += wm_slots_of(results_of(f)[i]);
    for (uint32_t i = 0; i < n; i++) {
        wl_val *v = &L->vals[L->nvals - n + i];
        if (!v->is_const && v->slot != v->home && v->slot < nslots) {
            emit_mov(L, v->home, v->slot);
            v->slot = v->home;
        }
    }
    uint32_t dst = 0;
    for (uint32_t i = 0; i < n; i++) {
        const wl_val *v = &L->vals[L->nvals - n + i];
        emit_copy(L, dst, v);
        dst += wm_slots_of(v->type);
    }
    e16(L, OPC_RETURN);
}

/* Unconditional branch to target (moves included). */
static void emit_branch(wl_ctx *L, wl_ctrl *target)
{
    if (target->kind == C_FUNC) {
        emit_return(L);
        return;
    }
    emit_moves(L, target);
    emit_br_op(L, OPC_BR, 0);
    emit_rel_to(L, target);
}

static void set_unreachable(wl_ctx *L)
{
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    L->nvals = c->height;
    c->unreachable = true;
}

/* True when materialize_all would emit anything. */
static bool needs_materialize(const wl_ctx *L)
{
    for (uint32_t i = 0; i < L->nvals; i++)
        if (L->vals[i].is_const || L->vals[i].slot != L->vals[i].home)
            return true;
    return false;
}

/* True when the instruction just emitted wrote v, an operand-stack
 * temporary in its home slot; *at gets its position. Such a temporary is
 * read only by the instruction that pops it, so the two can be replaced by
 * one fused instruction that does not write it. */
static bool last_wrote(const wl_ctx *L, const wl_val *v, uint32_t *at)
{
    if (!live(L) || !L->last_valid || L->last_end != pos(L) || L->oom)
        return false;
    if (v->is_const || v->pooled || v->slot != v->home ||
        (*L->code)[L->last_dst] != v->home)
        return false;
    *at = L->last_op;
    return true;
}

/* The first of the four load-and-compare-branch forms of a plain load
 * (_BR_EQ, _BR_NE, _BR_EQ_I, _BR_NE_I, in that order), or 0. */
static uint16_t load_cmp_op(uint16_t op)
{
    switch (op) {
    case OPC_I32_LOAD: return OPC_I32_LOAD_BR_EQ;
    case OPC_I32_LOAD8_U: return OPC_I32_LOAD8_U_BR_EQ;
    case OPC_I32_LOAD16_U: return OPC_I32_LOAD16_U_BR_EQ;
    }
    return 0;
}

/* If the instruction just emitted computed cond with a comparison (or
 * eqz), replaces it with a compare-and-branch that jumps when cond is
 * when_true. The caller then emits the rel field. */
static bool fuse_cond(wl_ctx *L, const wl_val *cond, bool when_true)
{
    if (!live(L) || !L->last_valid || L->last_end != pos(L) || L->oom)
        return false;
    if (cond->is_const)
        return false;
    uint16_t *code = *L->code;
    uint32_t at = L->last_op;
    if (code[L->last_dst] == cond->slot &&
        (code[at] == OPC_I32_LOAD || code[at] == OPC_I32_LOAD8_U)) {
        /* the load still writes its dst, which may be a local */
        if (code[at] == OPC_I32_LOAD)
            code[at] = when_true ? OPC_I32_LOAD_BR_IF : OPC_I32_LOAD_BR_UNLESS;
        else
            code[at] = when_true ? OPC_I32_LOAD8_U_BR_IF : OPC_I32_LOAD8_U_BR_UNLESS;
        barrier(L);
        return true;
    }
    if (cond->slot != cond->home)
        return false;
    if (code[L->last_dst] != cond->home)
        return false;
    uint16_t op = code[at];
    uint16_t a = code[at + 2];
    /* a loop step (I32_ADD_I d, x, imm) right before d != b */
    uint32_t pv = L->prev_at;
    bool prev5 = pv != NO_FIX && pv + 5 == at;  /* a 5-unit instruction right before */
    uint32_t sp = pv;  /* where the step is */
    bool step = prev5 && code[pv] == OPC_I32_ADD_I;
    /* or the second step of an I32_ADD_I2 (two counters of one loop) */
    uint32_t a2 = L->add2_at;
    if (!step && a2 != NO_FIX && a2 + 9 == at && code[a2] == OPC_I32_ADD_I2) {
        step = true;
        sp = a2 + 4;  /* its second half has the layout of an I32_ADD_I */
    }
    /* a load right before a test of what it loaded: the fused form still
     * writes the load's dst (often a local) */
    uint16_t lop = prev5 ? load_cmp_op(code[pv]) : 0;
    uint16_t ld = lop ? code[pv + 1] : 0;
    /* an and with a constant right before a test of its result against a
     * constant: the fused form writes the and's dst too */
    bool and_i = prev5 && code[pv] == OPC_I32_AND_I;
    /* a ^ b and a - b are nonzero exactly when a != b */
    uint16_t cop = op;
    switch (op) {
    case OPC_I32_XOR: case OPC_I32_SUB: cop = OPC_I32_NE; break;
    case OPC_I32_XOR_I: case OPC_I32_SUB_I: cop = OPC_I32_NE_I; break;
    case OPC_I64_XOR: case OPC_I64_SUB: cop = OPC_I64_NE; break;
    case OPC_I64_XOR_I: case OPC_I64_SUB_I: cop = OPC_I64_NE_I; break;
    }
    if (cmp_kind[cop] == 1) {
        uint16_t b = code[at + 3];
        uint16_t bop = when_true ? cop : cmp_neg[cop];
        if (step && bop == OPC_I32_NE && (a == code[sp + 1] || b == code[sp + 1])) {
            uint16_t other = a == code[sp + 1] ? b : a;
            *L->len = at;
            if (sp != pv)
                code[a2] = OPC_I32_ADD_I2_BR_NE;
            else
                code[pv] = OPC_I32_ADD_I_BR_NE;
            e16(L, other);
            barrier(L);
            return true;
        }
        if (lop && (bop == OPC_I32_EQ || bop == OPC_I32_NE) && (a == ld || b == ld)) {
            *L->len = at;
            code[pv] = (uint16_t)(lop + (bop == OPC_I32_NE));
            e16(L, a == ld ? b : a);
            barrier(L);
            return true;
        }
        *L->len = at;
        e16(L, bop + 2);  /* BR_<cmp> */
        e16(L, a);
        e16(L, b);
    } else if (cmp_kind[cop] == 2) {
        uint16_t lo = code[at + 3], hi = code[at + 4];
        uint16_t base = (uint16_t)(cop - 1);
        uint16_t bop = when_true ? base : cmp_neg[base];
        if (step && bop == OPC_I32_NE && a == code[sp + 1]) {
            *L->len = at;
            if (sp != pv)
                code[a2] = OPC_I32_ADD_I2_BR_NE_I;
            else
                code[pv] = OPC_I32_ADD_I_BR_NE_I;
            e16(L, lo);
            e16(L, hi);
            barrier(L);
            return true;
        }
        uint32_t k = (uint32_t)lo | (uint32_t)hi << 16;
        uint16_t aop = 0;
        switch (bop) {
        case OPC_I32_EQ: aop = OPC_I32_AND_I_BR_EQ_I; break;
        case OPC_I32_NE: aop = OPC_I32_AND_I_BR_NE_I; break;
        case OPC_I32_LT_U: aop = OPC_I32_AND_I_BR_LT_U_I; break;
        case OPC_I32_GE_U: aop = OPC_I32_AND_I_BR_GE_U_I; break;
        case OPC_I32_LE_U:  /* v <= k is v < k + 1 */
            if (k != UINT32_MAX)
                aop = OPC_I32_AND_I_BR_LT_U_I, k++;
            break;
        case OPC_I32_GT_U:  /* v > k is v >= k + 1 */
            if (k != UINT32_MAX)
                aop = OPC_I32_AND_I_BR_GE_U_I, k++;
            break;
        }
        if (and_i && aop && a == code[pv + 1]) {
            *L->len = at;
            code[pv] = aop;
            e32(L, k);
            barrier(L);
            return true;
        }
        if (lop && (bop == OPC_I32_EQ || bop == OPC_I32_NE) && a == ld) {
            *L->len = at;
            code[pv] = (uint16_t)(lop + 2 + (bop == OPC_I32_NE));
            e16(L, lo);
            e16(L, hi);
            barrier(L);
            return true;
        }
        *L->len = at;
        e16(L, bop + 3);  /* BR_<cmp>_I */
        e16(L, a);
        e16(L, lo);
        e16(L, hi);
    } else if (op == OPC_I32_AND_I) {
        /* x & mask as the condition: a test of the and's result against 0 */
        code[at] = when_true ? OPC_I32_AND_I_BR_NE_I : OPC_I32_AND_I_BR_EQ_I;
        e32(L, 0);
    } else if (op == OPC_I32_EQZ && pv != NO_FIX && code[pv + 1] == a && a == code[at + 1] &&
               (((code[pv] == OPC_I32_XOR || code[pv] == OPC_I32_SUB) && pv + 4 == at) ||
                ((code[pv] == OPC_I32_XOR_I || code[pv] == OPC_I32_SUB_I) && prev5))) {
        /* (x ^ y) == 0 and (x - y) == 0 are x == y; the xor's result is
         * the temporary only the eqz reads */
        bool imm = code[pv] == OPC_I32_XOR_I || code[pv] == OPC_I32_SUB_I;
        uint16_t x = code[pv + 2], y = code[pv + 3], y2 = imm ? code[pv + 4] : 0;
        *L->len = pv;
        e16(L, (when_true ? OPC_I32_EQ : OPC_I32_NE) + (imm ? 3 : 2));
        e16(L, x);
        e16(L, y);
        if (imm)
            e16(L, y2);
    } else if (op == OPC_I32_EQZ && and_i && a == code[pv + 1]) {
        /* (x & mask) == 0 */
        *L->len = at;
        code[pv] = when_true ? OPC_I32_AND_I_BR_EQ_I : OPC_I32_AND_I_BR_NE_I;
        e32(L, 0);
    } else if (op == OPC_I32_EQZ && lop && a == ld && lop != OPC_I32_LOAD16_U_BR_EQ) {
        /* load, then branch on its value being zero or not */
        *L->len = at;
        bool z = when_true;  /* branch when the loaded value is zero */
        if (lop == OPC_I32_LOAD_BR_EQ)
            code[pv] = z ? OPC_I32_LOAD_BR_UNLESS : OPC_I32_LOAD_BR_IF;
        else
            code[pv] = z ? OPC_I32_LOAD8_U_BR_UNLESS : OPC_I32_LOAD8_U_BR_IF;
    } else if (op == OPC_I32_EQZ) {
        *L->len = at;
        e16(L, when_true ? OPC_BR_UNLESS : OPC_BR_IF);
        e16(L, a);
    } else if (op == OPC_I64_EQZ) {
        *L->len = at;
        e16(L, (when_true ? OPC_I64_EQ : OPC_I64_NE) + 3);
        e16(L, a);
        e32(L, 0);
    } else {
        return false;
    }
    barrier(L);
    return true;
}

static bool imm_fits(uint8_t type, uint64_t v)
{
    return type == WEFT_I32 || (int64_t)v == (int64_t)(int32_t)(uint32_t)v;
}

static bool commutative(uint16_t op)
{
    switch (op) {
    case OPC_I32_ADD: case OPC_I32_MUL: case OPC_I32_AND: case OPC_I32_OR: case OPC_I32_XOR:
    case OPC_I64_ADD: case OPC_I64_MUL: case OPC_I64_AND: case OPC_I64_OR: case OPC_I64_XOR:
        return true;
    }
    return false;
}

/* Emits a binary op, folding a constant operand into the _I form. */
static void emit_binop(wl_ctx *L, const wl_opinfo *oi, uint16_t dst, wl_val *a, wl_val *b)
{
    uint32_t at;
    if (oi->imm && b->is_const && imm_fits(oi->tin, b->cval)) {
        pool_operand(L, a);
        if (oi->op == OPC_I32_LT_S && b->cval == 0 && last_wrote(L, a, &at) &&
            ((*L->code)[at] == OPC_I32_EXTEND16_S || (*L->code)[at] == OPC_I32_EXTEND8_S)) {
            /* a sign test of the low 16 or 8 bits: their top bit */
            uint16_t x = (*L->code)[at + 2];
            uint32_t k = (*L->code)[at] == OPC_I32_EXTEND16_S ? 15 : 7;
            *L->len = at;
            simple_op(L, OPC_I32_SHR_U_AND_I, dst);
            e16(L, x);
            e16(L, k);
            e32(L, 1);
            end_simple(L);
            return;
        }
        if (oi->op == OPC_I32_AND && last_wrote(L, a, &at) &&
            (*L->code)[at] == OPC_I32_SHR_U_I) {
            /* (x >> k) & mask */
            uint16_t x = (*L->code)[at + 2];
            uint32_t k = get32(L, at + 3) & 31;
            *L->len = at;
            simple_op(L, OPC_I32_SHR_U_AND_I, dst);
            e16(L, x);
            e16(L, k);
            e32(L, (uint32_t)b->cval);
            end_simple(L);
            return;
        }
        simple_op(L, oi->op + 1u, dst);
        e_slot(L, a);
        e32(L, (uint32_t)b->cval);
    } else if (oi->imm && a->is_const && !b->is_const && imm_fits(oi->tin, a->cval) &&
               (oi->cmp || commutative(oi->op))) {
        simple_op(L, (oi->cmp ? oi->swap : oi->op) + 1u, dst);
        e16(L, b->slot);
        e32(L, (uint32_t)a->cval);
    } else {
        pool_operand(L, a);
        pool_operand(L, b);
        if (oi->op == OPC_I32_ADD) {
            /* x * y + c, either operand order */
            wl_val *t = NULL, *o = NULL;
            if (last_wrote(L, b, &at) && (*L->code)[at] == OPC_I32_MUL)
                t = b, o = a;
            else if (last_wrote(L, a, &at) && (*L->code)[at] == OPC_I32_MUL)
                t = a, o = b;
            if (t && (o->pooled || o->slot != t->home)) {
                uint16_t x = (*L->code)[at + 2], y = (*L->code)[at + 3];
                *L->len = at;
                simple_op(L, OPC_I32_MUL_ADD, dst);
                e16(L, x);
                e16(L, y);
                e_slot(L, o);
                end_simple(L);
                return;
            }
        }
        if (oi->op == OPC_I32_ADD) {
            /* a + (x << k), either operand order */
            wl_val *t = NULL, *o = NULL;
            if (last_wrote(L, b, &at) && (*L->code)[at] == OPC_I32_SHL_I)
                t = b, o = a;
            else if (last_wrote(L, a, &at) && (*L->code)[at] == OPC_I32_SHL_I)
                t = a, o = b;
            if (t && (o->pooled || o->slot != t->home)) {
                uint16_t x = (*L->code)[at + 2];
                uint32_t k = get32(L, at + 3) & 31;
                *L->len = at;
                simple_op(L, OPC_I32_ADD_SHL, dst);
                e_slot(L, o);
                e16(L, x);
                e16(L, k);
                end_simple(L);
                return;
            }
        }
        simple_op(L, oi->op, dst);
        e_slot(L, a);
        e_slot(L, b);
    }
    end_simple(L);
}

static weft_status read_blocktype(wl_ctx *L, uint32_t *np, const weft_valkind **p,
                                  uint32_t *nr, const weft_valkind **r,
                                  weft_valkind *single)
{
    size_t at = L->r.pos;
    if (L->r.pos >= L->r.end)
        return wr_eof(&L->r);
    uint8_t b = L->r.bytes[L->r.pos];
    *np = *nr = 0;
    *p = *r = NULL;
    if (b == 0x40) {
        L->r.pos++;
        return WEFT_OK;
    }
    switch (b) {
    case 0x7F: *single = WEFT_I32; break;
    case 0x7E: *single = WEFT_I64; break;
    case 0x7D: *single = WEFT_F32; break;
    case 0x7C: *single = WEFT_F64; break;
    case 0x70: *single = WEFT_FUNCREF; break;
    case 0x6F: *single = WEFT_EXTERNREF; break;
    case 0x69:
        if (!L->exceptions)
            return wu_error(L->err, WEFT_MALFORMED, at, "malformed block type");
        *single = WEFT_EXNREF;
        break;
    case 0x7B:
        return wu_error(L->err, WEFT_UNSUPPORTED, at, "v128 is not supported");
    default: {
        int64_t idx;
        TRY(wr_s33(&L->r, &idx));
        if (idx < 0)
            return wu_error(L->err, WEFT_MALFORMED, at, "malformed block type");
        if ((uint64_t)idx >= L->m->ntypes)
            return wu_error(L->err, WEFT_INVALID, at, "unknown type %u", (unsigned)idx);
        const weft_functype *ft = &L->m->types[idx];
        *np = ft->nparams;
        *p = ft->params;
        *nr = ft->nresults;
        *r = ft->results;
        return WEFT_OK;
    }
    }
    L->r.pos++;
    *nr = 1;
    *r = NULL;  /* push_ctrl points it at the frame's own storage */
    return WEFT_OK;
}

/* Pops the block's params (checking) and pushes them again as materialized
 * entries; used by block, loop and if. */
static weft_status enter_block(wl_ctx *L, uint8_t kind)
{
    uint32_t np, nr;
    const weft_valkind *p, *r;
    weft_valkind single = WEFT_I32;
    TRY(read_blocktype(L, &np, &p, &nr, &r, &single));
    wl_val cond;
    memset(&cond, 0, sizeof cond);
    if (kind == C_IF)
        TRY(pop(L, WEFT_I32, &cond));
    TRY(retype_top(L, np, p));
    bool fusable = kind == C_IF && !needs_materialize(L);
    materialize_all(L);
    if (!fusable)
        barrier(L);
    bool was_live = live(L);
    TRY(push_ctrl(L, kind, np, p, nr, r, single));
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    if (kind == C_LOOP) {
        barrier(L);
        c->start = pos(L);
    } else if (kind == C_IF && was_live) {
        if (!fuse_cond(L, &cond, false))
            emit_br_op(L, OPC_BR_UNLESS, cond.slot);
        c->else_fix = pos(L);
        e32(L, NO_FIX);
    }
    return WEFT_OK;
}

/* Checks the block's results are exactly on the stack above its height. */
static weft_status check_results(wl_ctx *L, const wl_ctrl *c)
{
    uint32_t have = L->nvals - c->height;
    const weft_valkind *res = results_of(c);
    if (have > c->nresults)
        return wu_error(L->err, WEFT_INVALID, L->op_at,
                        "type mismatch: values remaining on the stack at end of block");
    if (have < c->nresults && !c->unreachable)
        return type_mismatch(L, (uint8_t)res[c->nresults - have - 1], WM_UNKNOWN);
    for (uint32_t k = 0; k < have; k++) {
        uint8_t got = L->vals[L->nvals - 1 - k].type;
        uint8_t want = (uint8_t)res[c->nresults - 1 - k];
        if (got != WM_UNKNOWN && got != want)
            return type_mismatch(L, want, got);
    }
    return WEFT_OK;
}

static weft_status op_else(wl_ctx *L)
{
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    if (c->kind != C_IF || c->has_else)
        return wu_error(L->err, WEFT_MALFORMED, L->op_at, "else without matching if");
    TRY(check_results(L, c));
    if (live(L)) {
        for (uint32_t i = c->height; i < L->nvals; i++)
            materialize(L, &L->vals[i]);
        emit_br_op(L, OPC_BR, 0);
        e32(L, c->fixups);
        c->fixups = pos(L) - 2;
    }
    barrier(L);
    if (c->else_fix != NO_FIX) {
        patch_chain(L, c->else_fix, pos(L));
        c->else_fix = NO_FIX;
    }
    L->nvals = c->height;
    c->unreachable = false;
    c->has_else = true;
    for (uint32_t i = 0; i < c->nparams; i++)
        TRY(push(L, (uint8_t)c->params[i]));
    return WEFT_OK;
}

static weft_status record_handler(wl_ctx *L, const wl_ctrl *c);

static weft_status op_end(wl_ctx *L)
{
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    if (c->kind == C_IF && !c->has_else) {
        if (c->nparams != c->nresults ||
            (c->nparams && memcmp(c->params, results_of(c), c->nparams * sizeof *c->params)))
            return wu_error(L->err, WEFT_INVALID, L->op_at,
                            "type mismatch: if without else must not change the stack type");
    }
    TRY(check_results(L, c));
    if (c->kind == C_FUNC) {
        if (live(L))
            emit_return(L);
        L->nctrls--;
        return WEFT_OK;
    }
    if (live(L))
        for (uint32_t i = c->height; i < L->nvals; i++)
            materialize(L, &L->vals[i]);
    barrier(L);
    if (c->is_try)
        TRY(record_handler(L, c));
    patch_chain(L, c->fixups, pos(L));
    patch_chain(L, c->else_fix, pos(L));
    uint32_t height = c->height;
    uint32_t nr = c->nresults;
    const weft_valkind *res = c->results;
    weft_valkind single = c->single;
    L->nctrls--;
    L->nvals = height;
    for (uint32_t i = 0; i < nr; i++)
        TRY(push(L, (uint8_t)(res ? res[i] : single)));
    return WEFT_OK;
}

static weft_status get_label(wl_ctx *L, wl_ctrl **out)
{
    uint32_t depth;
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, &depth));
    if (depth >= L->nctrls)
        return wu_error(L->err, WEFT_INVALID, at, "unknown label %u", depth);
    *out = &L->ctrls[L->nctrls - 1 - depth];
    return WEFT_OK;
}

static weft_status op_br_if(wl_ctx *L)
{
    wl_ctrl *t = NULL;
    TRY(get_label(L, &t));
    wl_val cond;
    TRY(pop(L, WEFT_I32, &cond));
    TRY(check_label(L, t));
    TRY(retype_top(L, label_arity(t), label_types(t)));
    if (!live(L))
        return WEFT_OK;
    if (t->kind != C_FUNC && !need_moves(L, t)) {
        if (!fuse_cond(L, &cond, true))
            emit_br_op(L, OPC_BR_IF, cond.slot);
        emit_rel_to(L, t);
        return WEFT_OK;
    }
    if (!fuse_cond(L, &cond, false))
        emit_br_op(L, OPC_BR_UNLESS, cond.slot);
    uint32_t skip = pos(L);
    e32(L, NO_FIX);
    emit_branch(L, t);
    barrier(L);
    patch_chain(L, skip, pos(L));
    return WEFT_OK;
}

static weft_status op_br_table(wl_ctx *L)
{
    uint32_t n;
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, &n));
    if (n > L->r.end - L->r.pos)
        return wu_error(L->err, WEFT_MALFORMED, at, "unexpected end (br_table)");
    uint32_t *depths = WU_NEW_ARRAY(L->e, uint32_t, (size_t)n + 1);
    if (!depths)
        return wu_error(L->err, WEFT_NOMEM, at, "out of memory");
    weft_status st = WEFT_OK;
    for (uint32_t i = 0; i <= n && !st; i++) {
        size_t dat = L->r.pos;
        st = wr_u32(&L->r, &depths[i]);
        if (!st && depths[i] >= L->nctrls)
            st = wu_error(L->err, WEFT_INVALID, dat, "unknown label %u", depths[i]);
    }
    wl_val idx;
    if (!st)
        st = pop(L, WEFT_I32, &idx);
    if (!st) {
        wl_ctrl *dflt = &L->ctrls[L->nctrls - 1 - depths[n]];
        uint32_t arity = label_arity(dflt);
        for (uint32_t i = 0; i <= n && !st; i++) {
            wl_ctrl *t = &L->ctrls[L->nctrls - 1 - depths[i]];
            if (label_arity(t) != arity)
                st = wu_error(L->err, WEFT_INVALID, L->op_at,
                              "type mismatch: br_table targets differ in arity");
            else
                st = check_label(L, t);
        }
    }
    if (!st && live(L)) {
        barrier(L);
        e16(L, OPC_BR_TABLE);
        e16(L, idx.slot);
        e32(L, n);
        uint32_t table = pos(L);
        uint8_t *stub = WU_NEW_ARRAY(L->e, uint8_t, (size_t)n + 1);
        if (!stub) {
            st = wu_error(L->err, WEFT_NOMEM, at, "out of memory");
        } else {
            for (uint32_t i = 0; i <= n; i++) {
                wl_ctrl *t = &L->ctrls[L->nctrls - 1 - depths[i]];
                stub[i] = t->kind == C_FUNC || need_moves(L, t);
                if (stub[i])
                    e32(L, NO_FIX);
                else
                    emit_rel_to(L, t);
            }
            for (uint32_t i = 0; i <= n && !L->oom; i++) {
                if (!stub[i])
                    continue;
                barrier(L);  /* a branch target */
                uint32_t here = pos(L);
                uint32_t field = table + 2 * i;
                put32(L, field, (uint32_t)((int32_t)here - (int32_t)field));
                /* later entries with the same target share this stub */
                for (uint32_t k = i + 1; k <= n; k++)
                    if (stub[k] && depths[k] == depths[i]) {
                        put32(L, table + 2 * k,
                              (uint32_t)((int32_t)here - (int32_t)(table + 2 * k)));
                        stub[k] = 0;
                    }
                emit_branch(L, &L->ctrls[L->nctrls - 1 - depths[i]]);
            }
            WU_FREE_ARRAY(L->e, stub, (size_t)n + 1);
        }
    }
    WU_FREE_ARRAY(L->e, depths, (size_t)n + 1);
    if (!st)
        set_unreachable(L);
    return st;
}

/* ---------------- calls ---------------- */

/* Pops the arguments of ft, materializes them and returns the base slot. */
static weft_status call_args(wl_ctx *L, const weft_functype *ft, uint16_t *base)
{
    wl_val tmp;
    for (uint32_t i = ft->nparams; i-- > 0;)
        TRY(pop(L, (uint8_t)ft->params[i], &tmp));
    uint16_t b = next_home(L);
    /* the popped entries are still in the array: materialize them */
    for (uint32_t i = 0; i < ft->nparams; i++) {
        /* after unreachable the entries may never have existed */
        if (L->nvals + i >= L->cap_vals || !live(L))
            break;
        wl_val *v = &L->vals[L->nvals + i];
        if (v->slot != v->home)
            emit_mov(L, v->home, v->slot);
    }
    *base = b;
    return WEFT_OK;
}

static weft_status push_results(wl_ctx *L, const weft_functype *ft)
{
    for (uint32_t i = 0; i < ft->nresults; i++)
        TRY(push(L, (uint8_t)ft->results[i]));
    return WEFT_OK;
}

static weft_status check_tail_results(wl_ctx *L, const weft_functype *ft)
{
    const wl_ctrl *f = &L->ctrls[0];
    if (ft->nresults != f->nresults ||
        (ft->nresults && memcmp(ft->results, results_of(f), ft->nresults * sizeof *ft->results)))
        return wu_error(L->err, WEFT_INVALID, L->op_at,
                        "type mismatch: tail call results differ from the caller's");
    return WEFT_OK;
}

static weft_status op_call(wl_ctx *L, bool tail)
{
    uint32_t fidx;
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, &fidx));
    if (fidx >= L->m->nfuncs)
        return wu_error(L->err, WEFT_INVALID, at, "unknown function %u", fidx);
    const weft_functype *ft = &L->m->types[L->m->funcs[fidx].type];
    if (tail)
        TRY(check_tail_results(L, ft));
    uint16_t base;
    TRY(call_args(L, ft, &base));
    if (live(L)) {
        barrier(L);
        e16(L, tail ? OPC_RETURN_CALL : OPC_CALL);
        e32(L, fidx);
        e16(L, base);
    }
    if (tail) {
        set_unreachable(L);
        return WEFT_OK;
    }
    /* make sure the callee's frame base is accounted in the frame */
    return push_results(L, ft);
}

static weft_status op_call_indirect(wl_ctx *L, bool tail)
{
    uint32_t tidx, table;
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, &tidx));
    if (tidx >= L->m->ntypes)
        return wu_error(L->err, WEFT_INVALID, at, "unknown type %u", tidx);
    at = L->r.pos;
    TRY(wr_u32(&L->r, &table));
    if (table >= L->m->ntables)
        return wu_error(L->err, WEFT_INVALID, at, "unknown table %u", table);
    if (L->m->tables[table].elem != WEFT_FUNCREF)
        return verr(L, "type mismatch: call_indirect on a table of %s", "externref");
    const weft_functype *ft = &L->m->types[tidx];
    if (tail)
        TRY(check_tail_results(L, ft));
    wl_val idx;
    TRY(pop(L, WEFT_I32, &idx));
    uint16_t base;
    TRY(call_args(L, ft, &base));
    if (live(L)) {
        barrier(L);
        e16(L, tail ? OPC_RETURN_CALL_INDIRECT : OPC_CALL_INDIRECT);
        e32(L, L->m->type_canon[tidx]);
        e32(L, table);
        e16(L, base);
        e16(L, idx.slot);
    }
    if (tail) {
        set_unreachable(L);
        return WEFT_OK;
    }
    return push_results(L, ft);
}

/* ---------------- exception handling ---------------- */

/* Grows one of the module's handler arrays to hold one more element. */
static bool grow_eh(wl_ctx *L, void **arr, uint32_t n, uint32_t *cap, size_t sz)
{
    if (n < *cap)
        return true;
    uint32_t nc = *cap ? *cap * 2 : 8;
    void *p = wu_realloc(L->e, *arr, (size_t)*cap * sz, (size_t)nc * sz);
    if (!p)
        return false;
    *arr = p;
    *cap = nc;
    return true;
}

static weft_status need_exceptions(wl_ctx *L)
{
    if (!L->exceptions)
        return wu_error(L->err, WEFT_MALFORMED, L->op_at,
                        "illegal opcode 0x%x (the exception-handling feature is off)",
                        L->r.bytes[L->op_at]);
    return WEFT_OK;
}

static weft_status read_tag(wl_ctx *L, const weft_functype **ft, uint32_t *x)
{
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, x));
    if (*x >= L->m->ntags)
        return wu_error(L->err, WEFT_INVALID, at, "unknown tag %u", *x);
    *ft = &L->m->types[L->m->tags[*x].type];
    return WEFT_OK;
}

/* throw x: the payload goes to consecutive home slots, like call args. */
static weft_status op_throw(wl_ctx *L)
{
    TRY(need_exceptions(L));
    uint32_t x;
    const weft_functype *ft = NULL;
    TRY(read_tag(L, &ft, &x));
    uint16_t base;
    TRY(call_args(L, ft, &base));
    if (live(L)) {
        barrier(L);
        e16(L, OPC_THROW);
        e32(L, x);
        e16(L, base);
    }
    set_unreachable(L);
    return WEFT_OK;
}

static weft_status op_throw_ref(wl_ctx *L)
{
    TRY(need_exceptions(L));
    wl_val a;
    TRY(pop(L, WEFT_EXNREF, &a));
    if (live(L)) {
        barrier(L);
        e16(L, OPC_THROW_REF);
        e16(L, a.slot);
    }
    set_unreachable(L);
    return WEFT_OK;
}

/* Checks a catch clause's values against its label's types. */
static weft_status check_catch_label(wl_ctx *L, const wl_ctrl *t, uint32_t n,
                                     const weft_valkind *types, bool ref)
{
    uint32_t want = n + (ref ? 1u : 0u);
    const weft_valkind *lt = label_types(t);
    if (label_arity(t) != want)
        return wu_error(L->err, WEFT_INVALID, L->op_at,
                        "type mismatch: catch label expects %u values, the clause gives %u",
                        label_arity(t), want);
    for (uint32_t i = 0; i < n; i++)
        if (lt[i] != types[i])
            return type_mismatch(L, (uint8_t)lt[i], (uint8_t)types[i]);
    if (ref && lt[n] != WEFT_EXNREF)
        return type_mismatch(L, (uint8_t)lt[n], WEFT_EXNREF);
    return WEFT_OK;
}

/* try_table bt vec(catch) instr* end. The landing pads are emitted at the
 * entry, jumped over: a pad branches to the clause's label, whose values
 * the unwinder has already written to the label's home slots (for the
 * function label, the pad moves them to the result slots and returns). The
 * handler, the body's code range with the clauses, is recorded at end. */
static weft_status op_try_table(wl_ctx *L)
{
    TRY(need_exceptions(L));
    uint32_t np, nr;
    const weft_valkind *p, *r;
    weft_valkind single = WEFT_I32;
    TRY(read_blocktype(L, &np, &p, &nr, &r, &single));
    uint32_t n;
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, &n));
    if (n > L->r.end - L->r.pos)
        return wu_error(L->err, WEFT_MALFORMED, at, "unexpected end (catch clauses)");
    size_t clauses_at = L->r.pos;
    /* first pass: validate */
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind;
        size_t kat = L->r.pos;
        TRY(wr_byte(&L->r, &kind));
        if (kind > WM_CATCH_ALL_REF)
            return wu_error(L->err, WEFT_MALFORMED, kat, "malformed catch clause 0x%x", kind);
        const weft_functype *ft = NULL;
        uint32_t x = 0;
        if (kind <= WM_CATCH_REF)
            TRY(read_tag(L, &ft, &x));
        wl_ctrl *t = NULL;
        TRY(get_label(L, &t));
        bool ref = kind == WM_CATCH_REF || kind == WM_CATCH_ALL_REF;
        TRY(check_catch_label(L, t, ft ? ft->nparams : 0, ft ? ft->params : NULL, ref));
    }
    size_t body_at = L->r.pos;
    TRY(retype_top(L, np, p));
    materialize_all(L);
    barrier(L);
    bool was_live = live(L);
    uint32_t first = L->m->ncatches;
    if (was_live && n) {
        e16(L, OPC_BR);
        uint32_t skip = pos(L);
        e32(L, NO_FIX);
        L->r.pos = clauses_at;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t kind;
            uint32_t x = 0;
            const weft_functype *ft = NULL;
            TRY(wr_byte(&L->r, &kind));
            if (kind <= WM_CATCH_REF)
                TRY(read_tag(L, &ft, &x));
            wl_ctrl *t = NULL;
            TRY(get_label(L, &t));
            weft_module *m = L->m;
            if (!grow_eh(L, (void **)&m->catches, m->ncatches, &m->catches_cap, sizeof *m->catches))
                return wu_error(L->err, WEFT_NOMEM, L->op_at, "out of memory");
            wm_catch *k = &m->catches[m->ncatches++];
            memset(k, 0, sizeof *k);
            k->kind = kind;
            k->tag = x;
            k->dst = t->home;
            k->pad = pos(L);
            /* the unwinder writes the label's values there: keep them
             * inside the frame */
            if ((uint32_t)t->home + label_arity(t) > L->max_slot)
                L->max_slot = (uint32_t)t->home + label_arity(t);
            if (t->kind == C_FUNC) {
                uint32_t nv = label_arity(t);
                for (uint32_t v = 0; v < nv; v++)
                    emit_mov(L, v, (uint32_t)t->home + v);
                e16(L, OPC_RETURN);
            } else {
                e16(L, OPC_BR);
                emit_rel_to(L, t);
            }
            barrier(L);
        }
        patch_chain(L, skip, pos(L));
    }
    L->r.pos = body_at;
    TRY(push_ctrl(L, C_BLOCK, np, p, nr, r, single));
    wl_ctrl *c = &L->ctrls[L->nctrls - 1];
    c->is_try = was_live && n;
    c->try_start = pos(L);
    c->first_catch = first;
    c->ncatches = L->m->ncatches - first;
    return WEFT_OK;
}

static weft_status record_handler(wl_ctx *L, const wl_ctrl *c)
{
    weft_module *m = L->m;
    if (pos(L) == c->try_start || L->oom)
        return WEFT_OK;
    if (!grow_eh(L, (void **)&m->handlers, m->nhandlers, &m->handlers_cap, sizeof *m->handlers))
        return wu_error(L->err, WEFT_NOMEM, L->op_at, "out of memory");
    wm_handler *h = &m->handlers[m->nhandlers++];
    h->start = c->try_start;
    h->end = pos(L);
    h->first_catch = c->first_catch;
    h->ncatches = c->ncatches;
    return WEFT_OK;
}

/* ---------------- locals ---------------- */

static weft_status read_local(wl_ctx *L, uint32_t *x)
{
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, x));
    if (*x >= L->nlocals)
        return wu_error(L->err, WEFT_INVALID, at, "unknown local %u", *x);
    return WEFT_OK;
}

/* Writes the popped value v into local x. */
static void store_local(wl_ctx *L, uint32_t x, wl_val v)
{
    uint16_t ls = L->local_slot[x];
    if (!live(L))
        return;
    /* deferred reads of x still on the stack must see the old value */
    bool conflict = false;
    for (uint32_t i = 0; i < L->nvals; i++)
        if (L->vals[i].slot == ls) {
            conflict = true;
            break;
        }
    if (conflict) {
        for (uint32_t i = 0; i < L->nvals; i++)
            if (L->vals[i].slot == ls)
                materialize(L, &L->vals[i]);
    }
    if (v.is_const) {
        emit_const(L, ls, v.type, v.cval);
        return;
    }
    if (v.slot == ls)
        return;
    if (!conflict && L->last_valid && v.slot == v.home &&
        L->last_end == pos(L) && (*L->code)[L->last_dst] == v.home) {
        /* still the last instruction: a following br_if may fuse with it */
        uint16_t *code = *L->code;
        uint32_t at = L->last_op, pv = L->prev_at;
        code[L->last_dst] = ls;
        if (code[at] == OPC_I32_ADD_I && pv != NO_FIX && pv + 5 == at &&
            code[pv] == OPC_I32_ADD_I && !L->oom) {
            /* two adds of constants in a row (loop counters, addresses of
             * fields): one I32_ADD_I2 */
            code[pv] = OPC_I32_ADD_I2;
            memmove(code + at, code + at + 1, 4 * sizeof *code);
            *L->len = at + 4;
            L->last_valid = false;
            L->add2_at = pv;
        }
        return;
    }
    emit_mov(L, ls, v.slot);
}

/* ---------------- memory operands ---------------- */

static weft_status memarg(wl_ctx *L, uint32_t natural_log2, uint32_t *mem,
                          uint32_t *offset)
{
    uint32_t align;
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, &align));
    *mem = 0;
    if ((align & 0x40) && L->multi_memory) {
        align &= ~0x40u;
        TRY(wr_u32(&L->r, mem));
    }
    if (align >= 32)
        return wu_error(L->err, WEFT_MALFORMED, at, "malformed memop flags");
    TRY(wr_u32(&L->r, offset));
    if (*mem >= L->m->nmems)
        return wu_error(L->err, WEFT_INVALID, L->op_at, "unknown memory %u", *mem);
    if (align > natural_log2)
        return wu_error(L->err, WEFT_INVALID, at,
                        "alignment must not be larger than natural");
    return WEFT_OK;
}

static uint32_t log2_size(uint32_t size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static weft_status read_index(wl_ctx *L, uint32_t limit, const char *what, uint32_t *x)
{
    size_t at = L->r.pos;
    TRY(wr_u32(&L->r, x));
    if (*x >= limit)
        return wu_error(L->err, WEFT_INVALID, at, "unknown %s %u", what, *x);
    return WEFT_OK;
}

/* memory.size and memory.grow: a memory index, or without multi-memory a
 * single zero byte. */
static weft_status read_memidx(wl_ctx *L, uint32_t *x)
{
    if (L->multi_memory)
        return read_index(L, L->m->nmems, "memory", x);
    uint8_t b;
    size_t at = L->r.pos;
    TRY(wr_byte(&L->r, &b));
    if (b != 0)
        return wu_error(L->err, WEFT_MALFORMED, at, "zero byte expected");
    *x = 0;
    if (L->m->nmems == 0)
        return wu_error(L->err, WEFT_INVALID, at, "unknown memory 0");
    return WEFT_OK;
}

static weft_status need_datacount(wl_ctx *L)
{
    if (!L->has_datacount)
        return wu_error(L->err, WEFT_MALFORMED, L->op_at, "data count section required");
    return WEFT_OK;
}

/* ---------------- the 0xFC prefix ---------------- */

static weft_status op_prefix_fc(wl_ctx *L)
{
    uint32_t sub;
    TRY(wr_u32(&L->r, &sub));
    weft_module *m = L->m;
    wl_val a, b, c;
    uint32_t x, y;
    if (sub <= 7) {
        const wl_opinfo *oi = &opinfo[0x100 + sub];
        TRY(pop(L, oi->tin, &a));
        uint16_t dst = next_home(L);
        if (live(L)) {
            simple_op(L, oi->op, dst);
            e16(L, a.slot);
            end_simple(L);
        }
        return push(L, oi->tout);
    }
    switch (sub) {
    case 8: /* memory.init data mem */
        TRY(need_datacount(L));
        TRY(wr_u32(&L->r, &x));
        if (x >= L->datacount)
            return wu_error(L->err, WEFT_INVALID, L->op_at, "unknown data segment %u", x);
        TRY(read_index(L, m->nmems, "memory", &y));
        TRY(pop(L, WEFT_I32, &c));
        TRY(pop(L, WEFT_I32, &b));
        TRY(pop(L, WEFT_I32, &a));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_MEMORY_INIT); e16(L, a.slot); e16(L, b.slot); e16(L, c.slot);
            e32(L, x); e32(L, y);
        }
        return WEFT_OK;
    case 9: /* data.drop */
        TRY(need_datacount(L));
        TRY(wr_u32(&L->r, &x));
        if (x >= L->datacount)
            return wu_error(L->err, WEFT_INVALID, L->op_at, "unknown data segment %u", x);
        if (live(L)) {
            barrier(L);
            e16(L, OPC_DATA_DROP); e32(L, x);
        }
        return WEFT_OK;
    case 10: /* memory.copy dst src */
        TRY(read_index(L, m->nmems, "memory", &x));
        TRY(read_index(L, m->nmems, "memory", &y));
        TRY(pop(L, WEFT_I32, &c));
        TRY(pop(L, WEFT_I32, &b));
        TRY(pop(L, WEFT_I32, &a));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_MEMORY_COPY); e16(L, a.slot); e16(L, b.slot); e16(L, c.slot);
            e32(L, x); e32(L, y);
        }
        return WEFT_OK;
    case 11: /* memory.fill */
        TRY(read_index(L, m->nmems, "memory", &x));
        TRY(pop(L, WEFT_I32, &c));
        TRY(pop(L, WEFT_I32, &b));
        TRY(pop(L, WEFT_I32, &a));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_MEMORY_FILL); e16(L, a.slot); e16(L, b.slot); e16(L, c.slot);
            e32(L, x);
        }
        return WEFT_OK;
    case 12: { /* table.init elem table */
        TRY(read_index(L, m->nelems, "elem segment", &x));
        TRY(read_index(L, m->ntables, "table", &y));
        if (m->elems[x].type != m->tables[y].elem)
            return verr(L, "type mismatch: %s", "element segment and table types differ");
        TRY(pop(L, WEFT_I32, &c));
        TRY(pop(L, WEFT_I32, &b));
        TRY(pop(L, WEFT_I32, &a));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_TABLE_INIT); e16(L, a.slot); e16(L, b.slot); e16(L, c.slot);
            e32(L, x); e32(L, y);
        }
        return WEFT_OK;
    }
    case 13: /* elem.drop */
        TRY(read_index(L, m->nelems, "elem segment", &x));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_ELEM_DROP); e32(L, x);
        }
        return WEFT_OK;
    case 14: /* table.copy dst src */
        TRY(read_index(L, m->ntables, "table", &x));
        TRY(read_index(L, m->ntables, "table", &y));
        if (m->tables[x].elem != m->tables[y].elem)
            return verr(L, "type mismatch: %s", "table.copy between tables of different types");
        TRY(pop(L, WEFT_I32, &c));
        TRY(pop(L, WEFT_I32, &b));
        TRY(pop(L, WEFT_I32, &a));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_TABLE_COPY); e16(L, a.slot); e16(L, b.slot); e16(L, c.slot);
            e32(L, x); e32(L, y);
        }
        return WEFT_OK;
    case 15: { /* table.grow */
        TRY(read_index(L, m->ntables, "table", &x));
        TRY(pop(L, WEFT_I32, &b));
        TRY(pop(L, m->tables[x].elem, &a));
        uint16_t dst = next_home(L);
        if (live(L)) {
            barrier(L);
            e16(L, OPC_TABLE_GROW); e16(L, dst); e16(L, a.slot); e16(L, b.slot);
            e32(L, x);
        }
        return push(L, WEFT_I32);
    }
    case 16: { /* table.size */
        TRY(read_index(L, m->ntables, "table", &x));
        uint16_t dst = next_home(L);
        if (live(L)) {
            simple_op(L, OPC_TABLE_SIZE, dst);
            e32(L, x);
            end_simple(L);
        }
        return push(L, WEFT_I32);
    }
    case 17: /* table.fill */
        TRY(read_index(L, m->ntables, "table", &x));
        TRY(pop(L, WEFT_I32, &c));
        TRY(pop(L, m->tables[x].elem, &b));
        TRY(pop(L, WEFT_I32, &a));
        if (live(L)) {
            barrier(L);
            e16(L, OPC_TABLE_FILL); e16(L, a.slot); e16(L, b.slot); e16(L, c.slot);
            e32(L, x);
        }
        return WEFT_OK;
    }
    return wu_error(L->err, WEFT_MALFORMED, L->op_at,
                    "illegal opcode 0xfc %u", sub);
}

/* ---------------- the instruction loop ---------------- */

/* The a + imm form of a load (those with a base + index form). */
static uint16_t load_i_op(uint16_t op)
{
    switch (op) {
    case OPC_I32_LOAD: return OPC_I32_LOAD_I;
    case OPC_I32_LOAD8_S: return OPC_I32_LOAD8_S_I;
    case OPC_I32_LOAD8_U: return OPC_I32_LOAD8_U_I;
    case OPC_I32_LOAD16_S: return OPC_I32_LOAD16_S_I;
    case OPC_I32_LOAD16_U: return OPC_I32_LOAD16_U_I;
    }
    return OPC_I64_LOAD_I;
}

/* The base + (index << k) form of a load, or 0. */
static uint16_t load_x_op(uint16_t op)
{
    switch (op) {
    case OPC_I32_LOAD: return OPC_I32_LOAD_X;
    case OPC_I32_LOAD8_S: return OPC_I32_LOAD8_S_X;
    case OPC_I32_LOAD8_U: return OPC_I32_LOAD8_U_X;
    case OPC_I32_LOAD16_S: return OPC_I32_LOAD16_S_X;
    case OPC_I32_LOAD16_U: return OPC_I32_LOAD16_U_X;
    case OPC_I64_LOAD: return OPC_I64_LOAD_X;
    }
    return 0;
}

static weft_status lower_body(wl_ctx *L)
{
    weft_module *m = L->m;
    wr_reader *r = &L->r;
    wl_val a, b, c;
    for (;;) {
        if (r->pos >= r->end)
            return wu_error(L->err, WEFT_MALFORMED, r->pos,
                            "unexpected end of section or function");
        if (L->oom)
            return wu_error(L->err, WEFT_NOMEM, r->pos, "out of memory");
        L->op_at = r->pos;
        uint8_t opc = r->bytes[r->pos++];
        const wl_opinfo *oi = &opinfo[opc];
        if (oi->kind == K_BIN) {
            TRY(pop_raw(L, oi->tin, &b));
            TRY(pop_raw(L, oi->tin, &a));
            uint16_t dst = next_home(L);
            if (live(L))
                emit_binop(L, oi, dst, &a, &b);
            TRY(push(L, oi->tout));
            continue;
        }
        if (oi->kind == K_UN) {
            TRY(pop_in(L, oi->tin, &a));
            uint16_t dst = next_home(L);
            if (live(L)) {
                simple_op(L, oi->op, dst);
                e_slot(L, &a);
                end_simple(L);
            }
            TRY(push(L, oi->tout));
            continue;
        }
        if (oi->kind == K_LOAD) {
            uint32_t mem, off;
            TRY(memarg(L, log2_size(oi->size), &mem, &off));
            TRY(pop_in(L, WEFT_I32, &a));
            uint16_t dst = next_home(L);
            if (live(L)) {
                uint32_t at;
                uint16_t xop = load_x_op(oi->op);
                if (mem == 0 && xop && off == 0 && last_wrote(L, &a, &at) &&
                    (*L->code)[at] == OPC_I32_ADD_I) {
                    /* the address is a + imm, wrapping */
                    uint16_t base = (*L->code)[at + 2];
                    uint32_t imm = get32(L, at + 3);
                    *L->len = at;
                    simple_op(L, load_i_op(oi->op), dst);
                    e16(L, base);
                    e32(L, imm);
                    end_simple(L);
                } else if (mem == 0 && xop && last_wrote(L, &a, &at) &&
                    ((*L->code)[at] == OPC_I32_ADD || (*L->code)[at] == OPC_I32_ADD_SHL)) {
                    /* the address is base + (index << k) */
                    uint16_t base = (*L->code)[at + 2], idx = (*L->code)[at + 3];
                    uint16_t k = (*L->code)[at] == OPC_I32_ADD ? 0 : (*L->code)[at + 4];
                    *L->len = at;
                    simple_op(L, xop, dst);
                    e16(L, base);
                    e16(L, idx);
                    e16(L, k);
                    e32(L, off);
                    end_simple(L);
                } else if (mem == 0) {
                    simple_op(L, oi->op, dst);
                    e_slot(L, &a);
                    e32(L, off);
                    end_simple(L);
                } else {
                    barrier(L);
                    e16(L, OPC_LOAD_M); e16(L, oi->op); e16(L, dst); e_slot(L, &a);
                    e32(L, off); e32(L, mem);
                }
            }
            TRY(push(L, oi->tout));
            continue;
        }
        if (oi->kind == K_STORE) {
            uint32_t mem, off;
            TRY(memarg(L, log2_size(oi->size), &mem, &off));
            TRY(pop_in(L, oi->tin, &b));
            TRY(pop_in(L, WEFT_I32, &a));
            uint32_t at;
            if (live(L) && mem == 0 && oi->op == OPC_I32_STORE && last_wrote(L, &b, &at) &&
                (*L->code)[at] == OPC_I32_ADD_I && (*L->code)[at + 2] == b.home &&
                L->prev_at != NO_FIX && L->prev_at + 5 == at &&
                (*L->code)[L->prev_at] == OPC_I32_LOAD &&
                (*L->code)[L->prev_at + 1] == b.home && (*L->code)[L->prev_at + 2] == a.slot &&
                a.slot != b.home && get32(L, L->prev_at + 3) == off) {
                /* load, add a constant, store back to the same address; the
                 * loaded value and the sum are temporaries in one slot */
                uint32_t imm = get32(L, at + 3);
                *L->len = L->prev_at;
                barrier(L);
                e16(L, OPC_I32_ADD_I_MEM); e_slot(L, &a); e32(L, off); e32(L, imm);
            } else if (live(L)) {
                barrier(L);
                if (mem == 0) {
                    e16(L, oi->op); e_slot(L, &a); e_slot(L, &b); e32(L, off);
                } else {
                    e16(L, OPC_STORE_M); e16(L, oi->op); e_slot(L, &a); e_slot(L, &b);
                    e32(L, off); e32(L, mem);
                }
            }
            continue;
        }
        switch (opc) {
        case 0x00: /* unreachable */
            if (live(L)) {
                barrier(L);
                e16(L, OPC_UNREACHABLE);
            }
            set_unreachable(L);
            break;
        case 0x01: /* nop */
            break;
        case 0x02: TRY(enter_block(L, C_BLOCK)); break;
        case 0x03: TRY(enter_block(L, C_LOOP)); break;
        case 0x04: TRY(enter_block(L, C_IF)); break;
        case 0x05: TRY(op_else(L)); break;
        case 0x0B:
            TRY(op_end(L));
            if (L->nctrls == 0)
                return WEFT_OK;
            break;
        case 0x0C: { /* br */
            wl_ctrl *t = NULL;
            TRY(get_label(L, &t));
            TRY(check_label(L, t));
            if (live(L))
                emit_branch(L, t);
            set_unreachable(L);
            break;
        }
        case 0x0D: TRY(op_br_if(L)); break;
        case 0x0E: TRY(op_br_table(L)); break;
        case 0x0F: /* return */
            TRY(check_label(L, &L->ctrls[0]));
            if (live(L))
                emit_return(L);
            set_unreachable(L);
            break;
        case 0x08: TRY(op_throw(L)); break;
        case 0x0A: TRY(op_throw_ref(L)); break;
        case 0x1F: TRY(op_try_table(L)); break;
        case 0x10: TRY(op_call(L, false)); break;
        case 0x11: TRY(op_call_indirect(L, false)); break;
        case 0x12: TRY(op_call(L, true)); break;
        case 0x13: TRY(op_call_indirect(L, true)); break;
        case 0x1A: /* drop */
            TRY(pop_raw(L, WM_UNKNOWN, &a));
            break;
        case 0x1B:   /* select */
        case 0x1C: { /* select t* */
            uint8_t t = WM_UNKNOWN;
            if (opc == 0x1C) {
                uint32_t n;
                size_t at = r->pos;
                TRY(wr_u32(r, &n));
                if (n != 1)
                    return wu_error(L->err, WEFT_INVALID, at,
                                    "invalid result arity for select");
                wl_ctx *LL = L;
                size_t vat = r->pos;
                uint8_t vb;
                TRY(wr_byte(r, &vb));
                switch (vb) {
                case 0x7F: t = WEFT_I32; break;
                case 0x7E: t = WEFT_I64; break;
                case 0x7D: t = WEFT_F32; break;
                case 0x7C: t = WEFT_F64; break;
                case 0x70: t = WEFT_FUNCREF; break;
                case 0x6F: t = WEFT_EXTERNREF; break;
                case 0x69:
                    if (!LL->exceptions)
                        return wu_error(LL->err, WEFT_MALFORMED, vat, "malformed value type");
                    t = WEFT_EXNREF;
                    break;
                case 0x7B:
                    return wu_error(LL->err, WEFT_UNSUPPORTED, vat, "v128 is not supported");
                default:
                    return wu_error(LL->err, WEFT_MALFORMED, vat, "malformed value type");
                }
            }
            TRY(pop(L, WEFT_I32, &c));
            TRY(pop_in(L, t, &b));
            TRY(pop_in(L, t == WM_UNKNOWN ? b.type : t, &a));
            uint8_t rt = t != WM_UNKNOWN ? t : a.type != WM_UNKNOWN ? a.type : b.type;
            if (opc == 0x1B && (wm_is_ref(a.type) || wm_is_ref(b.type)))
                return verr(L, "type mismatch: %s", "select without a type needs numeric operands");
            uint16_t dst = next_home(L);
            uint32_t at, mask = 0;
            if (live(L) && last_wrote(L, &c, &at)) {
                /* a condition that tests bits: x & m, or (x >> k) & m */
                uint16_t *code = *L->code;
                if (code[at] == OPC_I32_AND_I) {
                    mask = get32(L, at + 3);
                } else if (code[at] == OPC_I32_SHR_U_AND_I) {
                    uint32_t m = get32(L, at + 4), k = code[at + 3];
                    if ((m << k) >> k == m)
                        mask = m << k;
                }
            }
            uint32_t pv = L->prev_at;
            uint16_t *code = *L->code;
            if (mask && pv != NO_FIX && pv + 5 == at && code[pv] == OPC_I32_XOR_I &&
                !a.is_const && !a.pooled && a.slot == a.home && code[pv + 1] == a.slot &&
                !b.is_const && code[pv + 2] == b.slot && code[at + 2] != a.slot) {
                /* select (y ^ k) y (x & mask): the xor's result is a
                 * temporary only the select reads */
                uint16_t x = code[at + 2], y = code[pv + 2];
                uint32_t k = get32(L, pv + 3), p2 = L->prev2_at;
                L->last_valid = false;  /* pv is not the instruction before */
                if (p2 != NO_FIX && p2 + 5 == pv && code[p2] == OPC_I32_SHL_I &&
                    code[p2 + 1] == y) {
                    /* y is z << s, computed right before: one step of a
                     * bitwise CRC */
                    uint16_t z = code[p2 + 2], sh = (uint16_t)(get32(L, p2 + 3) & 31);
                    *L->len = p2;
                    simple_op(L, OPC_I32_SHL_I_SELECT_XOR_I, y);
                    e16(L, z); e16(L, sh); e16(L, dst); e32(L, k); e16(L, x); e32(L, mask);
                    end_simple(L);
                    L->last_dst = p2 + 4;  /* the result, for a local.set */
                } else {
                    *L->len = pv;
                    simple_op(L, OPC_SELECT_XOR_I, dst);
                    e16(L, y); e32(L, k); e16(L, x); e32(L, mask);
                    end_simple(L);
                }
            } else if (mask) {
                uint16_t x = (*L->code)[at + 2];
                *L->len = at;
                simple_op(L, OPC_SELECT_AND, dst);
                e_slot(L, &a); e_slot(L, &b); e16(L, x); e32(L, mask);
                end_simple(L);
            } else if (live(L)) {
                simple_op(L, OPC_SELECT, dst);
                e_slot(L, &a); e_slot(L, &b); e16(L, c.slot);
                end_simple(L);
            }
            TRY(push(L, rt));
            break;
        }
        case 0x20: { /* local.get */
            uint32_t x;
            TRY(read_local(L, &x));
            TRY(push(L, L->local_type[x]));
            L->vals[L->nvals - 1].slot = L->local_slot[x];
            break;
        }
        case 0x21: { /* local.set */
            uint32_t x;
            TRY(read_local(L, &x));
            TRY(pop_raw(L, L->local_type[x], &a));
            store_local(L, x, a);
            break;
        }
        case 0x22: { /* local.tee */
            uint32_t x;
            TRY(read_local(L, &x));
            TRY(pop_raw(L, L->local_type[x], &a));
            store_local(L, x, a);
            TRY(push(L, L->local_type[x]));
            L->vals[L->nvals - 1].slot = L->local_slot[x];
            break;
        }
        case 0x23: { /* global.get */
            uint32_t x;
            TRY(read_index(L, m->nglobals, "global", &x));
            uint16_t dst = next_home(L);
            if (live(L)) {
                simple_op(L, OPC_GLOBAL_GET, dst);
                e32(L, x);
                end_simple(L);
            }
            TRY(push(L, m->globals[x].type));
            break;
        }
        case 0x24: { /* global.set */
            uint32_t x;
            TRY(read_index(L, m->nglobals, "global", &x));
            if (!m->globals[x].mutable_)
                return wu_error(L->err, WEFT_INVALID, L->op_at, "global is immutable");
            TRY(pop(L, m->globals[x].type, &a));
            if (live(L)) {
                barrier(L);
                e16(L, OPC_GLOBAL_SET); e16(L, a.slot); e32(L, x);
            }
            break;
        }
        case 0x25: { /* table.get */
            uint32_t x;
            TRY(read_index(L, m->ntables, "table", &x));
            TRY(pop(L, WEFT_I32, &a));
            uint16_t dst = next_home(L);
            if (live(L)) {
                simple_op(L, OPC_TABLE_GET, dst);
                e16(L, a.slot); e32(L, x);
                end_simple(L);
            }
            TRY(push(L, m->tables[x].elem));
            break;
        }
        case 0x26: { /* table.set */
            uint32_t x;
            TRY(read_index(L, m->ntables, "table", &x));
            TRY(pop(L, m->tables[x].elem, &b));
            TRY(pop(L, WEFT_I32, &a));
            if (live(L)) {
                barrier(L);
                e16(L, OPC_TABLE_SET); e16(L, a.slot); e16(L, b.slot); e32(L, x);
            }
            break;
        }
        case 0x3F: { /* memory.size */
            uint32_t x;
            TRY(read_memidx(L, &x));
            uint16_t dst = next_home(L);
            if (live(L)) {
                simple_op(L, OPC_MEMORY_SIZE, dst);
                e32(L, x);
                end_simple(L);
            }
            TRY(push(L, WEFT_I32));
            break;
        }
        case 0x40: { /* memory.grow */
            uint32_t x;
            TRY(read_memidx(L, &x));
            TRY(pop(L, WEFT_I32, &a));
            uint16_t dst = next_home(L);
            if (live(L)) {
                barrier(L);
                e16(L, OPC_MEMORY_GROW); e16(L, dst); e16(L, a.slot); e32(L, x);
            }
            TRY(push(L, WEFT_I32));
            break;
        }
        case 0x41: { /* i32.const */
            int32_t v;
            TRY(wr_s32(r, &v));
            TRY(push_const(L, WEFT_I32, (uint32_t)v));
            break;
        }
        case 0x42: { /* i64.const */
            int64_t v;
            TRY(wr_s64(r, &v));
            TRY(push_const(L, WEFT_I64, (uint64_t)v));
            break;
        }
        case 0x43: { /* f32.const */
            uint8_t bytes[4];
            TRY(wr_fixed(r, bytes, 4));
            uint32_t v = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 |
                         (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
            TRY(push_const(L, WEFT_F32, v));
            break;
        }
        case 0x44: { /* f64.const */
            uint8_t bytes[8];
            TRY(wr_fixed(r, bytes, 8));
            uint64_t v = 0;
            for (int i = 7; i >= 0; i--)
                v = v << 8 | bytes[i];
            TRY(push_const(L, WEFT_F64, v));
            break;
        }
        case 0xD0: { /* ref.null t */
            uint8_t t;
            size_t at = r->pos;
            TRY(wr_byte(r, &t));
            uint8_t rt;
            if (t == 0x70) rt = WEFT_FUNCREF;
            else if (t == 0x6F) rt = WEFT_EXTERNREF;
            else if (t == 0x69 && L->exceptions) rt = WEFT_EXNREF;
            else return wu_error(L->err, WEFT_MALFORMED, at, "malformed reference type");
            TRY(push_const(L, rt, 0));
            break;
        }
        case 0xD1: { /* ref.is_null */
            TRY(pop(L, WM_UNKNOWN, &a));
            if (a.type != WM_UNKNOWN && !wm_is_ref(a.type))
                return type_mismatch(L, WEFT_FUNCREF, a.type);
            uint16_t dst = next_home(L);
            if (live(L)) {
                simple_op(L, OPC_REF_IS_NULL, dst);
                e16(L, a.slot);
                end_simple(L);
            }
            TRY(push(L, WEFT_I32));
            break;
        }
        case 0xD2: { /* ref.func */
            uint32_t x;
            TRY(read_index(L, m->nfuncs, "function", &x));
            if (!L->refs || !L->refs[x])
                return wu_error(L->err, WEFT_INVALID, L->op_at,
                                "undeclared function reference %u", x);
            uint16_t dst = next_home(L);
            if (live(L)) {
                simple_op(L, OPC_REF_FUNC, dst);
                e32(L, x);
                end_simple(L);
            }
            TRY(push(L, WEFT_FUNCREF));
            break;
        }
        case 0xFC:
            TRY(op_prefix_fc(L));
            break;
        case 0xFD:
            return wu_error(L->err, WEFT_UNSUPPORTED, L->op_at,
                            "SIMD instructions are not supported");
        default:
            return wu_error(L->err, WEFT_MALFORMED, L->op_at,
                            "illegal opcode 0x%x", opc);
        }
    }
}

/* ---------------- compact forms ---------------- */

/* The compact form of the instruction at c (a 16-bit immediate in place
 * of its u32, which is its last operand), or 0 when it has none or the
 * value does not fit. */
static uint16_t compact_op(const uint16_t *c)
{
    uint32_t v;
    switch (c[0]) {
    case OPC_CONST32:
        v = (uint32_t)c[2] | (uint32_t)c[3] << 16;
        return (int32_t)v == (int16_t)v ? OPC_CONST16 : 0;
    case OPC_I32_LOAD: return c[4] == 0 ? OPC_I32_LOAD_O16 : 0;
    case OPC_I32_STORE: return c[4] == 0 ? OPC_I32_STORE_O16 : 0;
    case OPC_I64_STORE: return c[4] == 0 ? OPC_I64_STORE_O16 : 0;
    case OPC_I32_ADD_I: case OPC_I32_AND_I: case OPC_I32_OR_I: case OPC_I32_XOR_I:
    case OPC_I32_SHL_I: case OPC_I32_SHR_U_I: case OPC_I64_ADD_I: case OPC_I64_OR_I:
    case OPC_I64_SHR_U_I:
        v = (uint32_t)c[3] | (uint32_t)c[4] << 16;
        if ((int32_t)v != (int16_t)v)
            return 0;
        switch (c[0]) {
        case OPC_I32_ADD_I: return OPC_I32_ADD_I16;
        case OPC_I32_AND_I: return OPC_I32_AND_I16;
        case OPC_I32_OR_I: return OPC_I32_OR_I16;
        case OPC_I32_XOR_I: return OPC_I32_XOR_I16;
        case OPC_I32_SHL_I: return OPC_I32_SHL_I16;
        case OPC_I32_SHR_U_I: return OPC_I32_SHR_U_I16;
        case OPC_I64_ADD_I: return OPC_I64_ADD_I16;
        case OPC_I64_OR_I: return OPC_I64_OR_I16;
        default: return OPC_I64_SHR_U_I16;
        }
    }
    return 0;
}

/* The opcodes compact_op may rewrite. */
static const uint8_t has_compact[OPC_COUNT_] = {
    [OPC_CONST32] = 1, [OPC_I32_LOAD] = 1, [OPC_I32_STORE] = 1, [OPC_I64_STORE] = 1,
    [OPC_I32_ADD_I] = 1, [OPC_I32_AND_I] = 1, [OPC_I32_OR_I] = 1, [OPC_I32_XOR_I] = 1,
    [OPC_I32_SHL_I] = 1, [OPC_I32_SHR_U_I] = 1, [OPC_I64_ADD_I] = 1, [OPC_I64_OR_I] = 1,
    [OPC_I64_SHR_U_I] = 1,
};

/* Where code position x of the function moves when the instructions at
 * at[0..n) (ascending) lose one unit each. */
static uint32_t moved(const uint32_t *at, uint32_t n, uint32_t x)
{
    uint32_t lo = 0, hi = n;   /* count the entries below x */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (at[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return x - lo;
}

/* Finishes the function's code [start, *end): rewrites it with compact
 * forms where they fit and moves everything behind them up (branch
 * displacements and the exception handlers and landing pads recorded
 * since h0 and c0 follow), and, with perm, renumbers the slots for the
 * constant slots: temporaries move up by npool, and slot 0xFFFF - i
 * becomes temp_base + perm[i]. Runs once lowering is done, so no fusion
 * sees a compact form. */
static bool finish_code(wl_ctx *L, uint32_t start, uint32_t *end, uint32_t h0, uint32_t c0,
                        const uint8_t *perm)
{
    uint16_t *c = *L->code;
    uint32_t len = *end - start;
    /* a compactable instruction has at least 4 units, a branch 3 */
    uint32_t cap_at = len / 4 + 1, cap_br = len / 3 + 1;
    uint32_t *at = WU_NEW_ARRAY(L->e, uint32_t, cap_at + cap_br);
    if (!at)
        return false;
    uint32_t *br = at + cap_at, n = 0, nbr = 0, i;
    /* the positions of the instructions to compact and of the branches */
    for (i = start; i < *end;) {
        const char *f = wm_format_of(c[i]);
        bool rel = false;
        if (has_compact[c[i]] && compact_op(c + i))
            at[n++] = i;
        uint32_t p = i + 1;
        for (; *f; f++) {
            switch (*f) {
            case 's':
                if (perm) {
                    if (c[p] >= POOL_TAG)
                        c[p] = (uint16_t)(L->temp_base + perm[0xFFFFu - c[p]]);
                    else if (c[p] >= L->temp_base)
                        c[p] = (uint16_t)(c[p] + L->npool);
                }
                p += 1;
                break;
            case 'w': p += 2; break;
            case 'q': p += 4; break;
            case 'r': rel = true; p += 2; break;
            case 't': rel = true; p += 4 + 2 * ((uint32_t)c[p] | (uint32_t)c[p + 1] << 16); break;
            case 'k': p += 3 + 2u * c[p + 1] + 2u * c[p + 2] +
                           4u * ((uint32_t)c[p] - c[p + 1] - c[p + 2]); break;
            default: p += 1; break;
            }
        }
        if (rel)
            br[nbr++] = i;
        i = p;
    }
    if (!n) {
        WU_FREE_ARRAY(L->e, at, cap_at + cap_br);
        return true;
    }
    /* new positions never pass old ones: move the code between the
     * instructions that change forward, then rewrite those */
    uint32_t w = start, r = start, ia = 0, ib = 0;
    while (ia < n || ib < nbr) {
        uint32_t next = ib == nbr || (ia < n && at[ia] < br[ib]) ? at[ia] : br[ib];
        memmove(c + w, c + r, (size_t)(next - r) * sizeof *c);
        w += next - r;
        r = next;
        uint16_t op = 0;
        if (ia < n && at[ia] == next) {
            op = compact_op(c + r);
            ia++;
        }
        if (ib < nbr && br[ib] == next)
            ib++;
        const char *f = wm_format_of(c[r]);
        c[w++] = op ? op : c[r];
        r++;
        for (; *f; f++) {
            uint32_t nrel = 0;
            switch (*f) {
            case 'w':
                if (op && !f[1]) {
                    c[w++] = c[r];   /* the compact immediate: its low half */
                    r += 2;
                    break;
                }
                c[w++] = c[r++];
                c[w++] = c[r++];
                break;
            case 'q': for (int k = 0; k < 4; k++) c[w++] = c[r++]; break;
            case 'r': nrel = 1; break;
            case 't':
                nrel = ((uint32_t)c[r] | (uint32_t)c[r + 1] << 16) + 1;
                c[w++] = c[r++];
                c[w++] = c[r++];
                break;
            default: c[w++] = c[r++]; break;   /* one unit ('k' is not in a body) */
            }
            for (uint32_t k = 0; k < nrel; k++, r += 2, w += 2) {
                int32_t rel = (int32_t)((uint32_t)c[r] | (uint32_t)c[r + 1] << 16);
                uint32_t to = moved(at, n, (uint32_t)((int64_t)r + rel));
                uint32_t nr = (uint32_t)((int64_t)to - (int64_t)w);
                c[w] = (uint16_t)nr;
                c[w + 1] = (uint16_t)(nr >> 16);
            }
        }
    }
    memmove(c + w, c + r, (size_t)(*end - r) * sizeof *c);
    w += *end - r;
    weft_module *m = L->m;
    for (i = h0; i < m->nhandlers; i++) {
        m->handlers[i].start = moved(at, n, m->handlers[i].start);
        m->handlers[i].end = moved(at, n, m->handlers[i].end);
    }
    for (i = c0; i < m->ncatches; i++)
        m->catches[i].pad = moved(at, n, m->catches[i].pad);
    *end = w;
    WU_FREE_ARRAY(L->e, at, cap_at + cap_br);
    return true;
}

weft_status wl_lower_function(weft_module *m, uint32_t funcidx,
                              const uint8_t *bytes, size_t body_start,
                              size_t body_end, const uint8_t *refs_declared,
                              bool has_datacount, uint32_t datacount, uint16_t **code,
                              uint32_t *code_len, uint32_t *code_cap,
                              weft_error *err)
{
    wl_ctx Lc;
    wl_ctx *L = &Lc;
    memset(L, 0, sizeof *L);
    L->add2_at = NO_FIX;
    L->m = m;
    L->e = m->engine;
    L->err = err;
    L->refs = refs_declared;
    L->has_datacount = has_datacount;
    L->datacount = datacount;
    L->multi_memory = (m->engine->cfg.features & WEFT_FEATURE_MULTI_MEMORY) != 0;
    L->exceptions = (m->engine->cfg.features & WEFT_FEATURE_EXCEPTIONS) != 0;
    L->r.bytes = bytes;
    L->r.pos = body_start;
    L->r.end = body_end;
    L->r.err = err;
    L->code = code;
    L->len = code_len;
    L->cap = code_cap;
    L->op_at = body_start;

    wm_func *f = &m->funcs[funcidx];
    const weft_functype *ft = &m->types[f->type];
    weft_status st = WEFT_OK;

    /* locals: count the declared ones first */
    uint32_t ngroups;
    uint64_t total = ft->nparams;
    size_t groups_at = L->r.pos;
    TRY(wr_u32(&L->r, &ngroups));
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t cnt;
        TRY(wr_u32(&L->r, &cnt));
        if (L->r.pos >= L->r.end)
            return wr_eof(&L->r);
        L->r.pos++;  /* the type is checked in the second pass */
        total += cnt;
        if (total > 0xFFFFFFFFull)
            return wu_error(err, WEFT_MALFORMED, groups_at, "too many locals");
    }
    if (total > MAX_LOCALS)
        return wu_error(err, WEFT_LIMIT, groups_at,
                        "function has %llu locals; at most %u are supported",
                        (unsigned long long)total, MAX_LOCALS);
    L->nlocals = (uint32_t)total;
    L->local_type = WU_NEW_ARRAY(L->e, uint8_t, L->nlocals);
    L->local_slot = WU_NEW_ARRAY(L->e, uint16_t, L->nlocals);
    if (!L->local_type || !L->local_slot) {
        st = wu_error(err, WEFT_NOMEM, body_start, "out of memory");
        goto done;
    }
    uint32_t slot = 0;
    for (uint32_t i = 0; i < ft->nparams; i++) {
        L->local_type[i] = (uint8_t)ft->params[i];
        L->local_slot[i] = (uint16_t)slot;
        slot += wm_slots_of((uint8_t)ft->params[i]);
    }
    uint32_t nparam_slots = slot;
    L->r.pos = groups_at;
    TRY(wr_u32(&L->r, &ngroups));
    uint32_t li = ft->nparams;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t cnt;
        TRY(wr_u32(&L->r, &cnt));
        uint8_t t;
        size_t at = L->r.pos;
        uint8_t b2 = L->r.bytes[L->r.pos++];
        switch (b2) {
        case 0x7F: t = WEFT_I32; break;
        case 0x7E: t = WEFT_I64; break;
        case 0x7D: t = WEFT_F32; break;
        case 0x7C: t = WEFT_F64; break;
        case 0x70: t = WEFT_FUNCREF; break;
        case 0x6F: t = WEFT_EXTERNREF; break;
        case 0x69:
            if (!L->exceptions) {
                st = wu_error(err, WEFT_MALFORMED, at, "malformed value type 0x%x", b2);
                goto done;
            }
            t = WEFT_EXNREF;
            break;
        case 0x7B:
            st = wu_error(err, WEFT_UNSUPPORTED, at, "v128 is not supported");
            goto done;
        default:
            st = wu_error(err, WEFT_MALFORMED, at, "malformed value type 0x%x", b2);
            goto done;
        }
        for (uint32_t k = 0; k < cnt; k++, li++) {
            L->local_type[li] = t;
            L->local_slot[li] = (uint16_t)slot;
            slot += wm_slots_of(t);
        }
    }
    if (slot > MAX_FRAME / 2) {
        st = wu_error(err, WEFT_LIMIT, groups_at, "too many local slots");
        goto done;
    }
    uint32_t rslots = 0;
    for (uint32_t i = 0; i < ft->nresults; i++)
        rslots += wm_slots_of((uint8_t)ft->results[i]);
    if (rslots > MAX_FRAME / 2) {
        st = wu_error(err, WEFT_LIMIT, groups_at, "too many result slots");
        goto done;
    }
    /* temporaries start above the result slots too, so that only they
     * move when constant slots are added */
    L->temp_base = (uint16_t)(slot > rslots ? slot : rslots);
    L->max_slot = L->temp_base;

    f->code_off = *code_len;
    uint32_t h0 = m->nhandlers, c0 = m->ncatches;
    st = push_ctrl(L, C_FUNC, 0, NULL, ft->nresults, ft->results, WEFT_I32);
    if (!st)
        st = lower_body(L);
    if (!st && L->r.pos != body_end)
        st = wu_error(err, WEFT_MALFORMED, L->r.pos, "section size mismatch (function body)");
    if (!st && L->oom)
        st = wu_error(err, WEFT_NOMEM, body_start, "out of memory");
    if (st)
        goto done;
    /* constant slots go right above the locals: temporaries move up, and
     * a CONSTS prologue that fills them goes in front of the body. The
     * values that fit in 32 bits come first (n32), then those whose low
     * half is zero (nhi): CONSTS stores both in two units */
    uint8_t perm[MAX_POOL], order[MAX_POOL];
    uint32_t n32 = 0, nhi = 0, k = 0;
    for (int kind = 0; kind < 3; kind++)
        for (uint32_t i = 0; i < L->npool; i++) {
            uint64_t v = L->pool[i];
            int is = v >> 32 == 0 ? 0 : (uint32_t)v == 0 ? 1 : 2;
            if (is != kind)
                continue;
            n32 += is == 0;
            nhi += is == 1;
            perm[i] = (uint8_t)k;
            order[k++] = (uint8_t)i;
        }
    if (!finish_code(L, f->code_off, code_len, h0, c0, L->npool ? perm : NULL)) {
        st = wu_error(err, WEFT_NOMEM, body_start, "out of memory");
        goto done;
    }
    if (L->npool) {
        uint16_t *c = *code;
        uint32_t body = *code_len - f->code_off;
        uint32_t pro = 5 + 2 * n32 + 2 * nhi + 4 * (L->npool - n32 - nhi);
        if (!reserve(L, pro)) {
            st = wu_error(err, WEFT_NOMEM, body_start, "out of memory");
            goto done;
        }
        c = *code;
        memmove(c + f->code_off + pro, c + f->code_off, (size_t)body * sizeof *c);
        uint16_t *q = c + f->code_off;
        *q++ = OPC_CONSTS;
        *q++ = L->temp_base;
        *q++ = (uint16_t)L->npool;
        *q++ = (uint16_t)n32;
        *q++ = (uint16_t)nhi;
        for (uint32_t i = 0; i < L->npool; i++) {
            uint64_t v = L->pool[order[i]];
            int first = i < n32 ? 0 : i < n32 + nhi ? 2 : 0, last = i < n32 + nhi ? first + 2 : 4;
            for (int u = first; u < last; u++)
                *q++ = (uint16_t)(v >> (16 * u));
        }
        *code_len += pro;
        /* the handlers and landing pads move with the body */
        for (uint32_t i = h0; i < m->nhandlers; i++) {
            m->handlers[i].start += pro;
            m->handlers[i].end += pro;
        }
        for (uint32_t i = c0; i < m->ncatches; i++) {
            m->catches[i].pad += pro;
            if (m->catches[i].dst >= L->temp_base)   /* a temporary: moved up */
                m->catches[i].dst = (uint16_t)(m->catches[i].dst + L->npool);
        }
        L->max_slot += L->npool;
    }
    f->code_len = *code_len - f->code_off;
    f->nparam_slots = (uint16_t)nparam_slots;
    f->nlocal_slots = (uint16_t)slot;
    f->nresult_slots = (uint16_t)rslots;
    {
        uint32_t frame = L->max_slot;
        if (frame < rslots)
            frame = rslots;
        if (frame > MAX_FRAME) {
            st = wu_error(err, WEFT_LIMIT, body_start, "function frame too large");
            goto done;
        }
        f->frame_slots = (uint16_t)frame;
    }
done:
    WU_FREE_ARRAY(L->e, L->local_type, L->nlocals);
    WU_FREE_ARRAY(L->e, L->local_slot, L->nlocals);
    wu_free(L->e, L->vals, L->cap_vals * sizeof *L->vals);
    wu_free(L->e, L->ctrls, L->cap_ctrls * sizeof *L->ctrls);
    return st;
}

/* ---------------- constant expressions ---------------- */

weft_status wl_const_expr(const weft_module *m, const uint8_t *bytes,
                          size_t p, size_t limit, uint8_t want,
                          uint32_t nglobals_visible, uint8_t *refs,
                          size_t *end, weft_error *err)
{
    wr_reader r = {bytes, p, limit, err};
    uint8_t stack[64];
    uint32_t sp = 0;
    for (;;) {
        size_t at = r.pos;
        uint8_t op;
        TRY(wr_byte(&r, &op));
        uint8_t push_t = WM_UNKNOWN;
        switch (op) {
        case 0x0B:
            if (sp != 1 || (stack[0] != want))
                return wu_error(err, WEFT_INVALID, at, "type mismatch in constant expression");
            *end = r.pos;
            return WEFT_OK;
        case 0x41: { int32_t v; TRY(wr_s32(&r, &v)); push_t = WEFT_I32; break; }
        case 0x42: { int64_t v; TRY(wr_s64(&r, &v)); push_t = WEFT_I64; break; }
        case 0x43: { uint8_t b[4]; TRY(wr_fixed(&r, b, 4)); push_t = WEFT_F32; break; }
        case 0x44: { uint8_t b[8]; TRY(wr_fixed(&r, b, 8)); push_t = WEFT_F64; break; }
        case 0xD0: {
            uint8_t t;
            TRY(wr_byte(&r, &t));
            if (t == 0x70) push_t = WEFT_FUNCREF;
            else if (t == 0x6F) push_t = WEFT_EXTERNREF;
            else if (t == 0x69 && (m->engine->cfg.features & WEFT_FEATURE_EXCEPTIONS))
                push_t = WEFT_EXNREF;
            else return wu_error(err, WEFT_MALFORMED, at, "malformed reference type");
            break;
        }
        case 0xD2: {
            uint32_t x;
            TRY(wr_u32(&r, &x));
            if (x >= m->nfuncs)
                return wu_error(err, WEFT_INVALID, at, "unknown function %u", x);
            if (refs)
                refs[x] = 1;
            push_t = WEFT_FUNCREF;
            break;
        }
        case 0x23: {
            uint32_t x;
            TRY(wr_u32(&r, &x));
            if (x >= nglobals_visible || x >= m->nglobals)
                return wu_error(err, WEFT_INVALID, at, "unknown global %u", x);
            if (m->globals[x].mutable_)
                return wu_error(err, WEFT_INVALID, at,
                                "constant expression required (global.get of a mutable global)");
            push_t = m->globals[x].type;
            break;
        }
        case 0x6A: case 0x6B: case 0x6C:   /* i32.add sub mul */
        case 0x7C: case 0x7D: case 0x7E: { /* i64.add sub mul */
            uint8_t t = op <= 0x6C ? WEFT_I32 : WEFT_I64;
            if (sp < 2 || stack[sp - 1] != t || stack[sp - 2] != t)
                return wu_error(err, WEFT_INVALID, at, "type mismatch in constant expression");
            sp--;
            continue;
        }
        default:
            return wu_error(err, WEFT_INVALID, at,
                            "constant expression required (opcode 0x%x)", op);
        }
        if (sp == sizeof stack)
            return wu_error(err, WEFT_LIMIT, at, "constant expression too deep");
        stack[sp++] = push_t;
    }
}
