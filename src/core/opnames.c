/* opnames.c - the name of every internal opcode, for the disassembler and
 * for the image loader's error messages, and the hash of the opcode table
 * that images carry. Generated from opcodes.def. */
#include "core/module.h"

const char *const wm_opcode_names[OPC_COUNT_] = {
#define OP_SPECIAL(N, s) #N,
#define OP_BIN(N, c, ti, to, vi, vo, e) #N, WM_IMMV_##vi(#N "_I",)
#define OP_CMP(N, c, ti, vi, ng, sw, e) #N, #N "_I", "BR_" #N, "BR_" #N "_I",
#define OP_UN(N, c, ti, to, vi, vo, e) #N,
#define OP_BINT(N, c, ti, to, vi, vo, f) #N,
#define OP_UNT(N, c, ti, to, vi, vo, f) #N,
#define OP_LOAD(N, c, to, vo, ct, sz) #N,
#define OP_STORE(N, c, ti, vi, ct, sz) #N,
#include "core/opcodes.def"
};

#ifdef WEFT_CODE_HASH
/* The build gives the hash (config.h): the names stay out of it. */
uint32_t wm_opcode_hash(void)
{
    return (uint32_t)(WEFT_CODE_HASH);
}

const char *wm_opcode_name(unsigned op, char buf[16])
{
    wu_fmt(buf, 16, "#%u", op);
    return buf;
}
#else
const char *wm_opcode_name(unsigned op, char buf[16])
{
    (void)buf;
    return op < OPC_COUNT_ ? wm_opcode_names[op] : "?";
}

uint32_t wm_opcode_hash(void)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (unsigned i = 0; i < OPC_COUNT_; i++) {
        for (const char *c = wm_opcode_names[i]; *c; c++)
            h = (h ^ (uint8_t)*c) * 16777619u;
        h = (h ^ 0xff) * 16777619u;
    }
    return h;
}
#endif
