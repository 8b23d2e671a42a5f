/*
 * config.h - compile-time knobs of weft. Each can be set on the compiler
 * command line (-DWEFT_FUEL=0) or by a port; the defaults suit a host build.
 */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

/* Fuel metering and interrupt checks at calls and loop headers. When 0, no
 * check is emitted and weft_store_set_fuel returns WEFT_UNSUPPORTED. */
#ifndef WEFT_FUEL
#define WEFT_FUEL 1
#endif

/* The compiler: the wasm decoder, validator and lowering to internal code,
 * and the component decoder. When 0 the runtime loads precompiled images
 * only (weft_module_from_image, weft_component_from_image) and
 * weft_module_new / weft_component_new return WEFT_UNSUPPORTED. The choice
 * does not change the internal code, so images work in either build. */
#ifndef WEFT_WITH_COMPILER
#define WEFT_WITH_COMPILER 1
#endif

/* Smaller code where speed matters little (a firmware build): the image
 * checksum (CRC-32) goes four bits per step from a 64-byte table instead of
 * four bytes per step from 4 KiB of tables. */
#ifndef WEFT_OPTIMIZE_SIZE
#define WEFT_OPTIMIZE_SIZE 0
#endif

/* WEFT_CODE_HASH: the hash of the opcode table that images carry and the
 * loader checks. Undefined (the default), it is computed from the
 * instruction names when an engine is created. A build may define it to the
 * value `weft opcodes --hash` prints for the same source tree, to leave the
 * names out (about 4 KiB); error messages then number instructions. */

/* WEFT_OPCODE_SET: undefined (the default), the interpreter has every
 * instruction. A build for a device that runs known guests may define it
 * to a header, written by `weft opcodes --header IMAGES...`, that lists the
 * internal instructions to keep (#define WEFT_OPSET_<NAME> 1): the others
 * are compiled out (core/opset.h) and the image loader refuses code that
 * uses them, naming the instruction and the function. */

/* Dispatch: 1 = computed goto (GCC/Clang), 0 = portable switch. */
#ifndef WEFT_COMPUTED_GOTO
#if defined(__GNUC__) || defined(__clang__)
#define WEFT_COMPUTED_GOTO 1
#else
#define WEFT_COMPUTED_GOTO 0
#endif
#endif

/* Default value stack per store, in 8-byte slots. */
#ifndef WEFT_DEFAULT_STACK_SLOTS
#define WEFT_DEFAULT_STACK_SLOTS (1024u * 1024u)
#endif

/* Default maximum depth of wasm calls per store. */
#ifndef WEFT_DEFAULT_MAX_CALL_DEPTH
#define WEFT_DEFAULT_MAX_CALL_DEPTH 100000u
#endif

/* Default limit on one linear memory, in bytes (4 GiB: the wasm32 max). */
#ifndef WEFT_DEFAULT_MAX_MEMORY_BYTES
#define WEFT_DEFAULT_MAX_MEMORY_BYTES (4ull * 1024 * 1024 * 1024)
#endif

/* Default limit on table elements. */
#ifndef WEFT_DEFAULT_MAX_TABLE_ELEMS
#define WEFT_DEFAULT_MAX_TABLE_ELEMS 10000000u
#endif

/* Nesting of host -> wasm re-entry (C recursion) per store. */
#ifndef WEFT_MAX_REENTRY
#define WEFT_MAX_REENTRY 64u
#endif

#endif /* WEFT_CONFIG_H */
