/*
 * image.h - precompiled images: a module decoded, validated and lowered
 * once, saved, and later loaded without the decoder or validator.
 *
 * An image is checked when loaded: magic (which catches text-mode
 * mangling), format and weft versions, word size and byte order, a stamp
 * of the configuration that produced the code, section bounds, and a
 * checksum of every byte. A mismatch is refused with an "expected X, got Y"
 * message; nothing in a damaged image is executed.
 *
 * Loading uses the image in place: the internal code, data segments and
 * names are read from the caller's buffer, which must stay valid and
 * unchanged for as long as the module exists (on a microcontroller, the
 * image can live in flash). Only the module's small tables are allocated.
 */
#ifndef WEFT_IMAGE_H
#define WEFT_IMAGE_H

#include "weft/weft.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the image format this build reads and writes. */
#define WEFT_IMAGE_FORMAT 5u

/* True if bytes start with the image magic. */
bool weft_is_image(const uint8_t *bytes, size_t len);

/* Serializes a module. *out is allocated with the engine's allocator;
 * release it with weft_image_free. */
weft_status weft_module_serialize(const weft_module *m, uint8_t **out, size_t *len,
                                  weft_error *err);

/* Loads a module image. image must outlive the module (it is used in
 * place) and must be aligned to 8 bytes. */
weft_status weft_module_from_image(weft_engine *engine, const uint8_t *image, size_t len,
                                   weft_module **out, weft_error *err);

void weft_image_free(weft_engine *engine, uint8_t *image, size_t len);

/* The same for components (their core modules are images inside the
 * image, also used in place). Declared here with an opaque type so that
 * image.h does not need component.h. */
struct weft_component;
weft_status weft_component_serialize(const struct weft_component *c, uint8_t **out, size_t *len,
                                     weft_error *err);
weft_status weft_component_from_image(weft_engine *engine, const uint8_t *image, size_t len,
                                      struct weft_component **out, weft_error *err);

/* Whether an image holds a component (as opposed to a core module). */
bool weft_image_is_component(const uint8_t *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* WEFT_IMAGE_H */
