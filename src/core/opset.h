/*
 * opset.h - the interpreter's instruction set: all of opcodes.def, or the
 * subset a build names with WEFT_OPCODE_SET (see config.h).
 *
 * WM_OP_ON(NAME) is the integer constant 1 when the instruction NAME (an
 * opcodes.def name: I32_ADD, BR_I32_EQ_I, CALL, ...) is in the set, else 0.
 * The set's header defines WEFT_OPSET_<NAME> as 1 for each instruction kept.
 */
#ifndef WEFT_OPSET_H
#define WEFT_OPSET_H

#include "weft/config.h"

#ifdef WEFT_OPCODE_SET
#include WEFT_OPCODE_SET
/* 1 if x expands to 1, else 0: a defined-to-1 name turns WM_PP_ON_ into a
 * macro giving two arguments, moving the 1 into second place. */
#define WM_PP_SECOND(a, b, ...) b
#define WM_PP_SECOND_(...) WM_PP_SECOND(__VA_ARGS__)
#define WM_PP_ON_1 ~, 1
#define WM_PP_CAT(a, b) a##b
#define WM_PP_IS1_(x) WM_PP_SECOND_(WM_PP_CAT(WM_PP_ON_, x), 0, ~)
#define WM_PP_IS1(x) WM_PP_IS1_(x)
#define WM_OP_ON(N) WM_PP_IS1(WEFT_OPSET_##N)
#else
#define WM_OP_ON(N) 1
#endif

#endif
