/* image_int.h - what the module and component image code share: the
 * header, the checksum, and a growable output buffer. */
#ifndef WEFT_IMAGE_INT_H
#define WEFT_IMAGE_INT_H

#include "core/module.h"
#include "weft/image.h"

#define HDR_SIZE 64u
enum { IMG_KIND_MODULE = 0, IMG_KIND_COMPONENT = 1 };

typedef struct obuf {
    const weft_engine *e;
    uint8_t *p;
    size_t len, cap;
    bool oom;
} obuf;

void put(obuf *b, const void *src, size_t n);
void put8(obuf *b, uint8_t v);
void put16(obuf *b, uint16_t v);
void put32(obuf *b, uint32_t v);
void put64(obuf *b, uint64_t v);
void align8(obuf *b);
void set32(obuf *b, size_t at, uint32_t v);

static inline uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Starts an image: a zero header and a zero section table of nsec entries. */
void img_begin(obuf *b, uint32_t nsec);
/* Records section id's extent (from start to the current end). */
void img_section(obuf *b, uint32_t id, size_t start);
/* Fills in the header of a complete image and shrinks it to size. */
weft_status img_finish(obuf *b, const weft_engine *e, uint8_t kind, uint32_t nsec,
                       uint8_t **out, size_t *len, weft_error *err);
/* Checks an image's header, checksum and section table; off/size receive
 * the sections 1..nsec. */
/* Checks an image's header (and, with verify_crc, its checksum) and fills
 * in its section table. */
weft_status img_check(const weft_engine *e, const uint8_t *img, size_t len, uint8_t kind,
                      uint32_t nsec, uint32_t *off, uint32_t *size, bool verify_crc,
                      weft_error *err);
/* weft_module_from_image; verify_crc false for a module nested in a
 * component image, whose checksum covers it. */
weft_status img_load_module(weft_engine *engine, const uint8_t *img, size_t len, bool verify_crc,
                            weft_module **out, weft_error *err);

#endif
