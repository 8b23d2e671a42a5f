/* opnames.c - the name of every internal opcode, for the disassembler and
 * for the image loader's error messages. Generated from opcodes.def. */
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

/* All the names, in order, each followed by a newline: what the hash of
 * the opcode table covers. */
static const char opcode_text[] =
#define OP_SPECIAL(N, s) #N "\n"
#define OP_BIN(N, c, ti, to, vi, vo, e) #N "\n" WM_IMMV_##vi(#N "_I\n")
#define OP_CMP(N, c, ti, vi, ng, sw, e) #N "\n" #N "_I\n" "BR_" #N "\n" "BR_" #N "_I\n"
#define OP_UN(N, c, ti, to, vi, vo, e) #N "\n"
#define OP_BINT(N, c, ti, to, vi, vo, f) #N "\n"
#define OP_UNT(N, c, ti, to, vi, vo, f) #N "\n"
#define OP_LOAD(N, c, to, vo, ct, sz) #N "\n"
#define OP_STORE(N, c, ti, vi, ct, sz) #N "\n"
#include "core/opcodes.def"
    ;

/* An FNV-1a-style hash of opcode_text taken eight bytes per step (it runs
 * once per engine, and engine creation is part of every start-up). */
uint32_t wm_opcode_hash(void)
{
    const uint64_t prime = 1099511628211u;
    uint64_t h = 14695981039346656037u;
    size_t n = sizeof opcode_text - 1, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, opcode_text + i, 8);
        h = (h ^ w) * prime;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ (uint8_t)opcode_text[i]) * prime;
    return (uint32_t)(h ^ (h >> 32));
}
