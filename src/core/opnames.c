/* opnames.c - the name of every internal opcode, for the disassembler and
 * for the image loader's error messages, and the hash of the opcode table
 * that stamps images. Generated from opcodes.def. */
#include "core/module.h"

#include <stddef.h>

/* The names, NUL-terminated, one after the other: a struct of char arrays
 * has no padding, so offsetof gives each name's place in one string that
 * the hash can take eight bytes at a time. */
typedef struct {
#define OP_SPECIAL(N, s) char N[sizeof #N];
#define OP_BIN(N, c, ti, to, vi, vo, e) char N[sizeof #N]; WM_IMMV_##vi(char N##_I[sizeof #N "_I"];)
#define OP_CMP(N, c, ti, vi, ng, sw, e) char N[sizeof #N]; char N##_I[sizeof #N "_I"]; \
    char BR_##N[sizeof "BR_" #N]; char BR_##N##_I[sizeof "BR_" #N "_I"];
#define OP_UN(N, c, ti, to, vi, vo, e) char N[sizeof #N];
#define OP_BINT(N, c, ti, to, vi, vo, f) char N[sizeof #N];
#define OP_UNT(N, c, ti, to, vi, vo, f) char N[sizeof #N];
#define OP_LOAD(N, c, to, vo, ct, sz) char N[sizeof #N];
#define OP_STORE(N, c, ti, vi, ct, sz) char N[sizeof #N];
#include "core/opcodes.def"
} opcode_text;

static const opcode_text names = {
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

static const uint16_t name_at[OPC_COUNT_] = {
#define OP_SPECIAL(N, s) offsetof(opcode_text, N),
#define OP_BIN(N, c, ti, to, vi, vo, e) offsetof(opcode_text, N), \
    WM_IMMV_##vi(offsetof(opcode_text, N##_I),)
#define OP_CMP(N, c, ti, vi, ng, sw, e) offsetof(opcode_text, N), offsetof(opcode_text, N##_I), \
    offsetof(opcode_text, BR_##N), offsetof(opcode_text, BR_##N##_I),
#define OP_UN(N, c, ti, to, vi, vo, e) offsetof(opcode_text, N),
#define OP_BINT(N, c, ti, to, vi, vo, f) offsetof(opcode_text, N),
#define OP_UNT(N, c, ti, to, vi, vo, f) offsetof(opcode_text, N),
#define OP_LOAD(N, c, to, vo, ct, sz) offsetof(opcode_text, N),
#define OP_STORE(N, c, ti, vi, ct, sz) offsetof(opcode_text, N),
#include "core/opcodes.def"
};

_Static_assert(sizeof(opcode_text) <= UINT16_MAX, "name offsets fit 16 bits");

const char *wm_opcode_name(uint32_t op)
{
    return op < OPC_COUNT_ ? (const char *)&names + name_at[op] : "?";
}

#ifdef WEFT_CODE_HASH
const char *wm_opcode_label(unsigned op, char buf[16])
{
    wu_fmt(buf, 16, "#%u", op);
    return buf;
}

/* The build gives the hash (config.h): the names stay out of it. */
uint32_t wm_opcode_hash(void)
{
    return (uint32_t)(WEFT_CODE_HASH);
}
#else
const char *wm_opcode_label(unsigned op, char buf[16])
{
    (void)buf;
    return wm_opcode_name(op);
}

/* An FNV-1a-style hash of all the names in order, eight bytes per step (it
 * runs once per engine, and engine creation is part of every start-up). */
uint32_t wm_opcode_hash(void)
{
    const uint8_t *p = (const uint8_t *)&names;
    const uint64_t prime = 1099511628211u;
    uint64_t h = 14695981039346656037u;
    size_t n = sizeof names, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * prime;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * prime;
    return (uint32_t)(h ^ (h >> 32));
}
#endif
