/* module.h - the decoded, validated and lowered form of a core module.
 *
 * A module is plain data: types, import/export tables, segments and one
 * buffer of internal code. Code and segment contents are addressed by
 * offsets, never by pointers, so the whole module can be serialized. */
#ifndef WEFT_MODULE_H
#define WEFT_MODULE_H

#include "core/util.h"

/* Expands its arguments only for integer slot views: the table's integer
 * binary ops get an immediate-operand variant right after them. */
#define WM_IMMV_i32(...) __VA_ARGS__
#define WM_IMMV_i64(...) __VA_ARGS__
#define WM_IMMV_f32(...)
#define WM_IMMV_f64(...)

/* Internal opcodes, from the one table. */
enum {
#define OP_SPECIAL(N, s) OPC_##N,
#define OP_BIN(N, c, ti, to, vi, vo, e) OPC_##N, WM_IMMV_##vi(OPC_##N##_I,)
#define OP_CMP(N, c, ti, vi, ng, sw, e) OPC_##N, OPC_##N##_I, OPC_BR_##N, OPC_BR_##N##_I,
#define OP_UN(N, c, ti, to, vi, vo, e) OPC_##N,
#define OP_BINT(N, c, ti, to, vi, vo, f) OPC_##N,
#define OP_UNT(N, c, ti, to, vi, vo, f) OPC_##N,
#define OP_LOAD(N, c, to, vo, ct, sz) OPC_##N,
#define OP_STORE(N, c, ti, vi, ct, sz) OPC_##N,
#include "core/opcodes.def"
    OPC_COUNT_
};

/* The name of an internal opcode ("?" for a number that is none). */
const char *wm_opcode_name(uint32_t op);
/* What error messages call opcode op: its name, or its number in buf when
 * the build leaves the names out (WEFT_CODE_HASH). */
const char *wm_opcode_label(unsigned op, char buf[16]);

/* Value types use weft_valkind numbering. */
#define WM_UNKNOWN 0xFF /* the bottom type of unreachable code */

typedef struct wm_import {
    const char *module, *name;
    uint32_t module_len, name_len;
    uint8_t kind;    /* weft_externkind */
    uint32_t index;  /* index in the module's func/table/memory/global space */
} wm_import;

typedef struct wm_export {
    const char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} wm_export;

typedef struct wm_func {
    uint32_t type;          /* canonical type index */
    uint32_t code_off;      /* in units of the code buffer */
    uint32_t code_len;
    uint16_t nparam_slots;  /* parameters */
    uint16_t nlocal_slots;  /* parameters + declared locals */
    uint16_t nresult_slots;
    uint16_t frame_slots;   /* locals + deepest operand stack */
} wm_func;

typedef struct wm_table {
    uint8_t elem;           /* WEFT_FUNCREF or WEFT_EXTERNREF */
    weft_limits limits;
    uint32_t init_off, init_len;  /* optional init expression in pool (len 0: null) */
} wm_table;

typedef struct wm_memory {
    weft_limits limits;     /* in pages */
    uint8_t page_log2;      /* 16 normally */
    bool is64;
} wm_memory;

typedef struct wm_global {
    uint8_t type;
    bool mutable_;
    uint32_t init_off, init_len;  /* const expression in pool */
} wm_global;

enum { WM_SEG_ACTIVE, WM_SEG_PASSIVE, WM_SEG_DECLARATIVE };

typedef struct wm_tag {
    uint32_t type;          /* canonical type index; no results */
} wm_tag;

/* Exception handlers: one per try_table, in the order their try_tables end
 * (so an inner one comes before the outer ones that contain it). A throw at
 * code position p (a suspended caller: its return address - 1) is handled
 * by the first handler with start <= p < end whose clause matches. */
enum { WM_CATCH, WM_CATCH_REF, WM_CATCH_ALL, WM_CATCH_ALL_REF };
typedef struct wm_handler {
    uint32_t start, end;    /* code range, in units of the code buffer */
    uint32_t first_catch, ncatches;  /* in the module's catches[] */
} wm_handler;

typedef struct wm_catch {
    uint8_t kind;           /* WM_CATCH... */
    uint16_t dst;           /* first slot of the label's values */
    uint32_t tag;           /* tag index (CATCH, CATCH_REF) */
    uint32_t pad;           /* landing pad: code position to continue at */
} wm_catch;

typedef struct wm_elem {
    uint8_t mode;
    uint8_t type;           /* element reference type */
    uint32_t table;
    uint32_t offset_off, offset_len;  /* active: offset expression */
    bool exprs;             /* items are pool offsets of expressions,
                               otherwise function indices */
    uint32_t count;
    uint32_t *items;
} wm_elem;

typedef struct wm_data {
    uint8_t mode;
    uint32_t memory;
    uint32_t offset_off, offset_len;
    uint32_t bytes_off, bytes_len;    /* in pool */
} wm_data;

struct weft_module {
    const weft_engine *engine;

    uint32_t ntypes;
    weft_functype *types;
    uint32_t *type_canon;   /* type index -> first structurally equal one */
    weft_valkind *valtypes; /* storage behind types[].params/results */
    uint32_t nvaltypes;

    uint32_t nimports;
    wm_import *imports;

    uint32_t nfuncs, nimported_funcs;
    wm_func *funcs;
    uint32_t ntables, nimported_tables;
    wm_table *tables;
    uint32_t nmems, nimported_mems;
    wm_memory *mems;
    uint32_t nglobals, nimported_globals;
    wm_global *globals;
    uint32_t ntags, nimported_tags;
    wm_tag *tags;

    uint32_t nhandlers, ncatches;
    wm_handler *handlers;
    wm_catch *catches;
    uint32_t handlers_cap, catches_cap;  /* while lowering */

    uint32_t nexports;
    wm_export *exports;
    uint32_t start;         /* UINT32_MAX: none */

    uint32_t nelems;
    wm_elem *elems;
    uint32_t ndatas;
    wm_data *datas;

    uint16_t *code;         /* internal code of every function */
    uint32_t code_len;      /* in units */
    uint8_t *pool;          /* names, const expressions, segment bytes */
    uint32_t pool_len;
    bool from_image;        /* code and pool belong to a caller's image */
};

/* Lowers one function body [body, body+len) that starts at byte offset
 * base_off of the module; fills f and appends to the module's code. */
typedef struct wl_ctx wl_ctx;
weft_status wl_lower_function(weft_module *m, uint32_t funcidx,
                              const uint8_t *bytes, size_t body_start,
                              size_t body_end, const uint8_t *refs_declared,
                              bool has_datacount, uint32_t datacount,
                              uint16_t **code, uint32_t *code_len,
                              uint32_t *code_cap, weft_error *err);

/* Validates a constant expression starting at bytes[pos]; on success sets
 * *end past its 'end' opcode. nglobals_visible limits global.get. */
weft_status wl_const_expr(const weft_module *m, const uint8_t *bytes,
                          size_t pos, size_t limit, uint8_t want,
                          uint32_t nglobals_visible, uint8_t *refs_declared,
                          size_t *end, weft_error *err);

/* LEB128 and the other readers, shared by decoder and lowering. */
typedef struct wr_reader {
    const uint8_t *bytes;
    size_t pos, end;
    weft_error *err;
} wr_reader;

/* The length in units of the instruction at code[at] (within len), or 0 if
 * it is not a whole instruction (disasm.c). */
uint32_t wm_instr_length(const uint16_t *code, uint32_t at, uint32_t len);
/* The operand format of an internal opcode (one letter per operand, see
 * disasm.c), or NULL for a number that is none. */
const char *wm_format_of(uint16_t op);
/* wm_check_code's answer for an instruction the build left out. */
extern const char wm_not_in_opset[];
#ifdef WEFT_OPCODE_SET
/* False, with *at the first one, when the instructions of code[start, end)
 * are not all in the build's instruction set (core/opset.h). */
bool wm_code_in_opset(const uint16_t *code, uint32_t start, uint32_t end, uint32_t *at);
#endif
/* Checks one function's internal code from an image (disasm.c): whole
 * instructions, slots below nslots, branch targets, indices. NULL or what
 * is wrong at *at; marks is scratch of at least end bytes. */
const char *wm_check_code(const weft_module *m, const uint16_t *code, uint32_t start,
                          uint32_t end, uint32_t nslots, uint8_t *marks, uint32_t *at);
/* The extern type of import/export `index` of `kind` (module.c). */
void wm_externtype(const weft_module *m, uint8_t kind, uint32_t index,
                   weft_externtype *out);
weft_status wr_u32(wr_reader *r, uint32_t *out);
weft_status wr_s32(wr_reader *r, int32_t *out);
weft_status wr_s33(wr_reader *r, int64_t *out);
weft_status wr_u64(wr_reader *r, uint64_t *out);
weft_status wr_s64(wr_reader *r, int64_t *out);
weft_status wr_byte(wr_reader *r, uint8_t *out);
weft_status wr_fixed(wr_reader *r, void *out, size_t n);
weft_status wr_eof(wr_reader *r);

static inline bool wm_is_ref(uint8_t t) { return t == WEFT_FUNCREF || t == WEFT_EXTERNREF || t == WEFT_EXNREF; }
static inline uint32_t wm_slots_of(uint8_t t) { return t == WEFT_V128 ? 2u : 1u; }

#endif
