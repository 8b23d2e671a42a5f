/* disasm.c - instruction lengths and a text listing of internal code. */
#include "core/module.h"
#include "core/opset.h"

/* Operand formats: one letter per operand unit group.
 *   s slot, w u32 (2 units), q u64 (4 units), r rel (2 units),
 *   o a 16-bit opcode, h a u16 shift count (below 32), i a 16-bit
 *   immediate (sign-extended), u a u16 memory offset, t br_table (u32 n
 *   then n+1 rels), k the constants of CONSTS: u16 n, n32, nhi, then n32
 *   u32 values, nhi u32 high halves and n - n32 - nhi u64 values. */
static const char *const formats[OPC_COUNT_] = {
#define OP_SPECIAL(N, s) [OPC_##N] = NULL,
#define OP_BIN(N, c, ti, to, vi, vo, e) [OPC_##N] = "sss", WM_IMMV_##vi([OPC_##N##_I] = "ssw",)
#define OP_CMP(N, c, ti, vi, ng, sw, e) [OPC_##N] = "sss", [OPC_##N##_I] = "ssw", \
    [OPC_BR_##N] = "ssr", [OPC_BR_##N##_I] = "swr",
#define OP_BINT(N, c, ti, to, vi, vo, f) [OPC_##N] = "sss",
#define OP_UN(N, c, ti, to, vi, vo, e) [OPC_##N] = "ss",
#define OP_UNT(N, c, ti, to, vi, vo, f) [OPC_##N] = "ss",
#define OP_LOAD(N, c, to, vo, ct, sz) [OPC_##N] = "ssw",
#define OP_STORE(N, c, ti, vi, ct, sz) [OPC_##N] = "ssw",
#include "core/opcodes.def"
};

/* Units of a CONSTS 'k' operand whose three counts are at c[0..2]. */
static uint32_t consts_units(const uint16_t *c)
{
    return 3 + 2u * c[1] + 2u * c[2] + 4u * ((uint32_t)c[0] - c[1] - c[2]);
}

const char *wm_format_of(uint16_t op)
{
    if (op >= OPC_COUNT_)
        return NULL;
    if (formats[op])
        return formats[op];
    switch (op) {
    case OPC_UNREACHABLE: case OPC_RETURN: return "";
    case OPC_BR: return "r";
    case OPC_BR_IF: case OPC_BR_UNLESS: return "sr";
    case OPC_BR_TABLE: return "st";
    case OPC_RETURN1: return "s";
    case OPC_CALL: case OPC_RETURN_CALL: return "ws";
    case OPC_THROW: return "ws";
    case OPC_THROW_REF: return "s";
    case OPC_CALL_INDIRECT: case OPC_RETURN_CALL_INDIRECT: return "wwss";
    case OPC_MOV: return "ss";
    case OPC_MOV2: return "ssss";
    case OPC_CONST32: return "sw";
    case OPC_CONST64: return "sq";
    case OPC_CONSTS: return "sk";
    case OPC_SELECT: return "ssss";
    case OPC_GLOBAL_GET: case OPC_GLOBAL_SET: return "sw";
    case OPC_REF_IS_NULL: return "ss";
    case OPC_REF_FUNC: return "sw";
    case OPC_LOAD_M: return "ossww";
    case OPC_STORE_M: return "ossww";
    case OPC_MEMORY_SIZE: return "sw";
    case OPC_MEMORY_GROW: return "ssw";
    case OPC_MEMORY_FILL: return "sssw";
    case OPC_MEMORY_COPY: case OPC_MEMORY_INIT: return "sssww";
    case OPC_DATA_DROP: case OPC_ELEM_DROP: return "w";
    case OPC_TABLE_GET: case OPC_TABLE_SET: return "ssw";
    case OPC_TABLE_SIZE: return "sw";
    case OPC_TABLE_GROW: case OPC_TABLE_FILL: return "sssw";
    case OPC_TABLE_COPY: case OPC_TABLE_INIT: return "sssww";
    case OPC_I32_ADD_SHL: return "sssh";
    case OPC_I32_SHR_U_AND_I: return "sshw";
    case OPC_I32_MUL_ADD: return "ssss";
    case OPC_SELECT_AND: return "ssssw";
    case OPC_I32_ADD_I_BR_NE: return "sswsr";
    case OPC_I32_ADD_I_BR_NE_I: return "sswwr";
    case OPC_I32_LOAD_X: case OPC_I32_LOAD8_S_X: case OPC_I32_LOAD8_U_X:
    case OPC_I32_LOAD16_S_X: case OPC_I32_LOAD16_U_X: case OPC_I64_LOAD_X: return "ssshw";
    case OPC_I32_LOAD_I: case OPC_I32_LOAD8_S_I: case OPC_I32_LOAD8_U_I:
    case OPC_I32_LOAD16_S_I: case OPC_I32_LOAD16_U_I: case OPC_I64_LOAD_I: return "ssw";
    case OPC_I32_LOAD_BR_IF: case OPC_I32_LOAD_BR_UNLESS:
    case OPC_I32_LOAD8_U_BR_IF: case OPC_I32_LOAD8_U_BR_UNLESS: return "sswr";
    case OPC_I32_LOAD_BR_EQ: case OPC_I32_LOAD_BR_NE:
    case OPC_I32_LOAD8_U_BR_EQ: case OPC_I32_LOAD8_U_BR_NE:
    case OPC_I32_LOAD16_U_BR_EQ: case OPC_I32_LOAD16_U_BR_NE: return "sswsr";
    case OPC_I32_LOAD_BR_EQ_I: case OPC_I32_LOAD_BR_NE_I:
    case OPC_I32_LOAD8_U_BR_EQ_I: case OPC_I32_LOAD8_U_BR_NE_I:
    case OPC_I32_LOAD16_U_BR_EQ_I: case OPC_I32_LOAD16_U_BR_NE_I: return "sswwr";
    case OPC_I32_ADD_I2: return "sswssw";
    case OPC_I32_ADD_I2_BR_NE: return "sswsswsr";
    case OPC_I32_ADD_I2_BR_NE_I: return "sswsswwr";
    case OPC_I32_AND_I_BR_EQ_I: case OPC_I32_AND_I_BR_NE_I:
    case OPC_I32_AND_I_BR_LT_U_I: case OPC_I32_AND_I_BR_GE_U_I: return "sswwr";
    case OPC_MOV_BR: return "ssr";
    case OPC_MOV2_BR: return "ssssr";
    case OPC_CONST32_BR: return "swr";
    case OPC_I32_ADD_I_BR: return "sswr";
    case OPC_MOV_BR_IF: case OPC_MOV_BR_UNLESS: return "sssr";
    case OPC_SELECT_XOR_I: return "sswsw";
    case OPC_I32_SHL_I_SELECT_XOR_I: return "sshswsw";
    case OPC_I32_ADD_I_MEM: return "sww";
    case OPC_CONST16: return "si";
    case OPC_I32_ADD_I16: case OPC_I32_AND_I16: case OPC_I32_OR_I16: case OPC_I32_XOR_I16:
    case OPC_I32_SHL_I16: case OPC_I32_SHR_U_I16: case OPC_I64_ADD_I16: case OPC_I64_OR_I16:
    case OPC_I64_SHR_U_I16: return "ssi";
    case OPC_I32_LOAD_O16: case OPC_I32_STORE_O16: case OPC_I64_STORE_O16: return "ssu";
    }
    return NULL;
}

/* Length in units of the instruction at code[at], or 0 if it is not a
 * valid instruction or does not fit in len units. */
uint32_t wm_instr_length(const uint16_t *code, uint32_t at, uint32_t len)
{
    if (at >= len)
        return 0;
    const char *f = wm_format_of(code[at]);
    if (!f)
        return 0;
    uint32_t n = 1;
    for (const char *p = f; *p; p++) {
        switch (*p) {
        case 's': case 'o': case 'h': case 'i': case 'u': n += 1; break;
        case 'w': case 'r': n += 2; break;
        case 'q': n += 4; break;
        case 't': {
            if (at + n + 2 > len)
                return 0;
            uint32_t cnt = (uint32_t)code[at + n] | (uint32_t)code[at + n + 1] << 16;
            if (cnt > (len - at) / 2)
                return 0;
            n += 2 + 2 * (cnt + 1);
            break;
        }
        case 'k':
            if (at + n + 3 > len || (uint32_t)code[at + n + 1] + code[at + n + 2] > code[at + n])
                return 0;
            n += consts_units(code + at + n);
            break;
        }
    }
    return at + n <= len ? n : 0;
}

/* Writes one line per instruction of [start, end) through out. */
void wm_disasm(const uint16_t *code, uint32_t start, uint32_t end,
               void (*out)(void *ud, const char *line), void *ud)
{
    char line[256];
    uint32_t at = start;
    while (at < end) {
        uint32_t n = wm_instr_length(code, at, end);
        if (!n) {
            wu_fmt(line, sizeof line, "%6u: <bad opcode %u>", at - start, code[at]);
            out(ud, line);
            return;
        }
        const char *f = wm_format_of(code[at]);
        size_t k = wu_fmt(line, sizeof line, "%6u: %s", at - start, wm_opcode_name(code[at]));
        uint32_t p = at + 1;
        for (const char *c = f; *c && k < sizeof line; c++) {
            uint32_t w = p + 1 < end ? ((uint32_t)code[p] | (uint32_t)code[p + 1] << 16) : 0;
            switch (*c) {
            case 's': k += wu_fmt(line + k, sizeof line - k, " s%u", code[p]); p += 1; break;
            case 'o': k += wu_fmt(line + k, sizeof line - k, " %s",
                                  wm_opcode_name(code[p])); p += 1; break;
            case 'h': case 'u': k += wu_fmt(line + k, sizeof line - k, " %u", code[p]); p += 1; break;
            case 'i': k += wu_fmt(line + k, sizeof line - k, " %d", (int)(int16_t)code[p]); p += 1; break;
            case 'w': k += wu_fmt(line + k, sizeof line - k, " %u", w); p += 2; break;
            case 'q': {
                uint64_t q = w | (uint64_t)((uint32_t)code[p + 2] | (uint32_t)code[p + 3] << 16) << 32;
                k += wu_fmt(line + k, sizeof line - k, " %llu", (unsigned long long)q);
                p += 4;
                break;
            }
            case 'r': k += wu_fmt(line + k, sizeof line - k, " ->%d", (int)(p - start) + (int32_t)w); p += 2; break;
            case 'k': {
                uint32_t cnt = code[p], n32 = code[p + 1], nhi = code[p + 2];
                k += wu_fmt(line + k, sizeof line - k, " [%u]", cnt);
                p += 3;
                for (uint32_t i = 0; i < cnt && k < sizeof line; i++) {
                    uint64_t q = (uint64_t)code[p] | (uint64_t)code[p + 1] << 16;
                    if (i >= n32 + nhi) {
                        q |= (uint64_t)code[p + 2] << 32 | (uint64_t)code[p + 3] << 48;
                        p += 2;
                    } else if (i >= n32) {
                        q <<= 32;
                    }
                    p += 2;
                    k += wu_fmt(line + k, sizeof line - k, " %llu", (unsigned long long)q);
                }
                break;
            }
            case 't': {
                uint32_t cnt = w;
                p += 2;
                k += wu_fmt(line + k, sizeof line - k, " [%u]", cnt);
                for (uint32_t i = 0; i <= cnt && k < sizeof line; i++, p += 2) {
                    uint32_t rw = (uint32_t)code[p] | (uint32_t)code[p + 1] << 16;
                    k += wu_fmt(line + k, sizeof line - k, " ->%d", (int)(p - start) + (int32_t)rw);
                }
                break;
            }
            }
        }
        out(ud, line);
        at += n;
    }
}

/* Lists the exception handlers (try_tables) of function f, positions
 * relative to its code like the instructions. */
static void wm_disasm_handlers(const weft_module *m, const wm_func *f,
                               void (*out)(void *ud, const char *line), void *ud)
{
    static const char *const kinds[] = {"catch", "catch_ref", "catch_all", "catch_all_ref"};
    char line[128];
    for (uint32_t i = 0; i < m->nhandlers; i++) {
        const wm_handler *h = &m->handlers[i];
        if (h->start < f->code_off || h->end > f->code_off + f->code_len)
            continue;
        size_t k = wu_fmt(line, sizeof line, "handler [%u, %u):", h->start - f->code_off,
                          h->end - f->code_off);
        for (uint32_t j = 0; j < h->ncatches && k < sizeof line; j++) {
            const wm_catch *c = &m->catches[h->first_catch + j];
            if (c->kind <= WM_CATCH_REF)
                k += wu_fmt(line + k, sizeof line - k, " %s tag %u", kinds[c->kind], c->tag);
            else if (c->kind <= WM_CATCH_ALL_REF)
                k += wu_fmt(line + k, sizeof line - k, " %s", kinds[c->kind]);
            if (k < sizeof line)
                k += wu_fmt(line + k, sizeof line - k, " s%u ->%d", c->dst,
                            (int)(c->pad - f->code_off));
        }
        out(ud, line);
    }
}

bool weft_module_disasm(const weft_module *m, uint32_t funcidx,
                        void (*out)(void *ud, const char *line), void *ud)
{
    if (!m || funcidx < m->nimported_funcs || funcidx >= m->nfuncs)
        return false;
    const wm_func *f = &m->funcs[funcidx];
    char line[96];
    wu_fmt(line, sizeof line, "func %u: params %u, locals %u, frame %u slots", funcidx,
           f->nparam_slots, f->nlocal_slots, f->frame_slots);
    out(ud, line);
    wm_disasm(m->code, f->code_off, f->code_off + f->code_len, out, ud);
    wm_disasm_handlers(m, f, out, ud);
    return true;
}

/* What each 32-bit operand of an instruction names, for wm_check_code:
 * one letter per 'w' of its format: f function, y type, t table,
 * g global, m memory, d data segment, e element segment, x tag, - a plain
 * immediate. */
static const char *index_kinds(uint16_t op)
{
    switch (op) {
    case OPC_CALL: case OPC_RETURN_CALL: case OPC_REF_FUNC: return "f";
    case OPC_CALL_INDIRECT: case OPC_RETURN_CALL_INDIRECT: return "yt";
    case OPC_GLOBAL_GET: case OPC_GLOBAL_SET: return "g";
    case OPC_LOAD_M: case OPC_STORE_M: return "-m";
    case OPC_MEMORY_SIZE: case OPC_MEMORY_GROW: case OPC_MEMORY_FILL: return "m";
    case OPC_MEMORY_COPY: return "mm";
    case OPC_MEMORY_INIT: return "dm";
    case OPC_DATA_DROP: return "d";
    case OPC_ELEM_DROP: return "e";
    case OPC_TABLE_GET: case OPC_TABLE_SET: case OPC_TABLE_SIZE: case OPC_TABLE_GROW:
    case OPC_TABLE_FILL: return "t";
    case OPC_TABLE_COPY: return "tt";
    case OPC_TABLE_INIT: return "et";
    case OPC_THROW: return "x";
    }
    return "";
}

static bool is_mem_subop(uint16_t op, bool store)
{
    switch (op) {
#define OP_LOAD(N, c, to, vo, ct, sz) case OPC_##N: return !store;
#define OP_STORE(N, c, ti, vi, ct, sz) case OPC_##N: return store;
#include "core/opcodes.def"
    }
    return false;
}

/* Checks the operands of the code [start, end) of one function of m whose
 * frame has nslots slots: every instruction whole, every slot inside the
 * frame, every branch landing on an instruction of the function, every
 * index below the module's count. marks is scratch of at least end bytes.
 * Returns NULL, or what is wrong with the instruction at *at. Images are
 * checked with it before any of their code runs. */
const char wm_not_in_opset[] =
    "not in this runtime's instruction set (it was built with WEFT_OPCODE_SET)";

#ifdef WEFT_OPCODE_SET
/* Which instructions this build's interpreter has (core/opset.h). */
static const uint8_t op_on[OPC_COUNT_] = {
#define OP_SPECIAL(N, s) WM_OP_ON(N),
#define OP_BIN(N, c, ti, to, vi, vo, e) WM_OP_ON(N), WM_IMMV_##vi(WM_OP_ON(N##_I),)
#define OP_CMP(N, c, ti, vi, ng, sw, e) WM_OP_ON(N), WM_OP_ON(N##_I), WM_OP_ON(BR_##N), \
    WM_OP_ON(BR_##N##_I),
#define OP_UN(N, c, ti, to, vi, vo, e) WM_OP_ON(N),
#define OP_BINT(N, c, ti, to, vi, vo, f) WM_OP_ON(N),
#define OP_UNT(N, c, ti, to, vi, vo, f) WM_OP_ON(N),
#define OP_LOAD(N, c, to, vo, ct, sz) WM_OP_ON(N),
#define OP_STORE(N, c, ti, vi, ct, sz) WM_OP_ON(N),
#include "core/opcodes.def"
};

bool wm_code_in_opset(const uint16_t *code, uint32_t start, uint32_t end, uint32_t *at)
{
    for (uint32_t i = start; i < end;) {
        uint32_t n = wm_instr_length(code, i, end);
        if (!n)
            return true;   /* not whole instructions: not this check's business */
        if (!op_on[code[i]]) {
            *at = i;
            return false;
        }
        i += n;
    }
    return true;
}
#endif

const char *wm_check_code(const weft_module *m, const uint16_t *code, uint32_t start,
                          uint32_t end, uint32_t nslots, uint8_t *marks, uint32_t *at)
{
    uint32_t i;
    for (i = start; i < end; i++)
        marks[i] = 0;
    for (i = start; i < end;) {
        uint32_t n = wm_instr_length(code, i, end);
        if (!n) {
            *at = i;
            return "not a whole internal instruction";
        }
#ifdef WEFT_OPCODE_SET
        if (!op_on[code[i]]) {
            *at = i;
            return wm_not_in_opset;
        }
#endif
        marks[i] = 1;
        i += n;
    }
    for (i = start; i < end;) {
        uint16_t op = code[i];
        const char *f = wm_format_of(op), *kinds = index_kinds(op);
        uint32_t p = i + 1;
        /* a call's first slot operand is the base of the callee's frame,
         * which may start right past the caller's (so may a throw's
         * payload, when it is empty) */
        bool base = op == OPC_CALL || op == OPC_RETURN_CALL || op == OPC_CALL_INDIRECT ||
                    op == OPC_RETURN_CALL_INDIRECT || op == OPC_THROW;
        *at = i;
        for (; *f; f++) {
            switch (*f) {
            case 's':
                if (code[p] >= nslots + (base ? 1u : 0u))
                    return "slot outside the frame";
                base = false;
                p += 1;
                break;
            case 'o':
                if (!is_mem_subop(code[p], op == OPC_STORE_M))
                    return "bad memory access operation";
                p += 1;
                break;
            case 'i': case 'u':
                /* any value: an immediate or a memory offset */
                p += 1;
                break;
            case 'h':
                /* every 'h' operand is a shift count */
                if (code[p] > 31)
                    return "shift count past 31";
                p += 1;
                break;
            case 'q': p += 4; break;
            case 'w': {
                uint32_t v = (uint32_t)code[p] | (uint32_t)code[p + 1] << 16, lim = UINT32_MAX;
                char k = *kinds ? *kinds++ : '-';
                switch (k) {
                case 'f': lim = m->nfuncs; break;
                case 'y': lim = m->ntypes; break;
                case 't': lim = m->ntables; break;
                case 'g': lim = m->nglobals; break;
                case 'm': lim = m->nmems; break;
                case 'd': lim = m->ndatas; break;
                case 'e': lim = m->nelems; break;
                case 'x': lim = m->ntags; break;
                }
                if (k != '-' && v >= lim)
                    return "index out of range";
                p += 2;
                break;
            }
            case 'r': case 't': {
                uint32_t nrel = 1, q = p;
                if (*f == 't') {
                    nrel = ((uint32_t)code[p] | (uint32_t)code[p + 1] << 16) + 1;
                    q = p + 2;
                }
                for (uint32_t j = 0; j < nrel; j++, q += 2) {
                    int32_t rel = (int32_t)((uint32_t)code[q] | (uint32_t)code[q + 1] << 16);
                    int64_t to = (int64_t)q + rel;
                    if (to < (int64_t)start || to >= (int64_t)end || !marks[to])
                        return "branch outside the function's instructions";
                }
                p = q;
                break;
            }
            case 'k':
                /* the counts were checked by wm_instr_length */
                if ((uint32_t)code[p - 1] + code[p] > nslots)
                    return "constant slots outside the frame";
                p += consts_units(code + p);
                break;
            }
        }
        if (op == OPC_THROW) {
            /* the payload, read from the base slot on, lies in the frame */
            const weft_functype *ft = &m->types[m->tags[(uint32_t)code[i + 1] |
                                                         (uint32_t)code[i + 2] << 16].type];
            uint32_t n = 0;
            for (uint32_t k = 0; k < ft->nparams; k++)
                n += wm_slots_of((uint8_t)ft->params[k]);
            if ((uint32_t)code[i + 3] + n > nslots)
                return "exception payload outside the frame";
        }
        i = p;
    }
    return NULL;
}
