/* disasm.c - instruction lengths and a text listing of internal code. */
#include "core/module.h"

/* Operand formats: one letter per operand unit group.
 *   s slot, w u32 (2 units), q u64 (4 units), r rel (2 units),
 *   o a 16-bit opcode, h a u16 immediate, t br_table (u32 n then n+1 rels). */
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

static const char *format_of(uint16_t op)
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
    case OPC_CONST32: return "sw";
    case OPC_CONST64: return "sq";
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
    case OPC_I32_LOAD_X: case OPC_I32_LOAD8_S_X: case OPC_I32_LOAD8_U_X:
    case OPC_I32_LOAD16_S_X: case OPC_I32_LOAD16_U_X: case OPC_I64_LOAD_X: return "ssshw";
    }
    return NULL;
}

/* Length in units of the instruction at code[at], or 0 if it is not a
 * valid instruction or does not fit in len units. */
uint32_t wm_instr_length(const uint16_t *code, uint32_t at, uint32_t len)
{
    if (at >= len)
        return 0;
    const char *f = format_of(code[at]);
    if (!f)
        return 0;
    uint32_t n = 1;
    for (const char *p = f; *p; p++) {
        switch (*p) {
        case 's': case 'o': case 'h': n += 1; break;
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
        const char *f = format_of(code[at]);
        size_t k = wu_fmt(line, sizeof line, "%6u: %s", at - start, wm_opcode_names[code[at]]);
        uint32_t p = at + 1;
        for (const char *c = f; *c && k < sizeof line; c++) {
            uint32_t w = p + 1 < end ? ((uint32_t)code[p] | (uint32_t)code[p + 1] << 16) : 0;
            switch (*c) {
            case 's': k += wu_fmt(line + k, sizeof line - k, " s%u", code[p]); p += 1; break;
            case 'o': k += wu_fmt(line + k, sizeof line - k, " %s",
                                  code[p] < OPC_COUNT_ ? wm_opcode_names[code[p]] : "?"); p += 1; break;
            case 'h': k += wu_fmt(line + k, sizeof line - k, " %u", code[p]); p += 1; break;
            case 'w': k += wu_fmt(line + k, sizeof line - k, " %u", w); p += 2; break;
            case 'q': {
                uint64_t q = w | (uint64_t)((uint32_t)code[p + 2] | (uint32_t)code[p + 3] << 16) << 32;
                k += wu_fmt(line + k, sizeof line - k, " %llu", (unsigned long long)q);
                p += 4;
                break;
            }
            case 'r': k += wu_fmt(line + k, sizeof line - k, " ->%d", (int)(p - start) + (int32_t)w); p += 2; break;
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
