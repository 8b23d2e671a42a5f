# The source lists of weft's core, shared by the host build (CMakeLists.txt)
# and the firmware build (ports/cortex-m/CMakeLists.txt).
#   WEFT_CORE_SOURCES      decoder, validator, lowering, runtime, interpreter,
#                          components, images, WASI
#   WEFT_COMPILER_SOURCES  what turns wasm binaries into internal code
#   WEFT_LOADER_SOURCES    the core without the compiler (loads images only)
# WEFT_ROOT is the source tree's top.
file(GLOB WEFT_CORE_SOURCES CONFIGURE_DEPENDS
  ${WEFT_ROOT}/src/core/*.c ${WEFT_ROOT}/src/vm/*.c ${WEFT_ROOT}/src/component/*.c
  ${WEFT_ROOT}/src/image/*.c ${WEFT_ROOT}/src/wasi/*.c)
set(WEFT_COMPILER_SOURCES
  ${WEFT_ROOT}/src/core/decode.c
  ${WEFT_ROOT}/src/core/lower.c
  ${WEFT_ROOT}/src/component/cdecode.c)
set(WEFT_LOADER_SOURCES ${WEFT_CORE_SOURCES})
list(REMOVE_ITEM WEFT_LOADER_SOURCES ${WEFT_COMPILER_SOURCES})
