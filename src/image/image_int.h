/* image_int.h - what the module and component image code share: the
 * header, the checksum, and a growable output buffer. */
#ifndef WEFT_IMAGE_INT_H
#define WEFT_IMAGE_INT_H

#include "core/module.h"
#include "weft/image.h"

#define HDR_SIZE 48u
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

/* A number stream value (image.c): the LEB128 of v + 1. */
void put_num(obuf *b, uint32_t v);
void put_num64(obuf *b, uint64_t v);
/* Reads one from p[*pos, end); sets *bad (and returns 0) past the end or
 * past 32 bits, and when *bad is already set. */
uint32_t img_num(const uint8_t *p, size_t *pos, size_t end, bool *bad);

/* One section of an image being written; an empty one is left out. */
typedef struct img_sec {
    uint32_t id;
    const void *p;
    size_t len;
} img_sec;

/* Writes a complete image of n sections, ids rising: header, section
 * table, sections at 8-byte aligned offsets, checksum. */
weft_status img_write(const weft_engine *e, uint8_t kind, const img_sec *secs, unsigned n,
                      uint8_t **out, size_t *len, weft_error *err);
/* Checks an image's header (and, with verify_crc, its checksum) and its
 * section table; off/size receive sections 1..max_id (0 and 0 for an
 * absent one). */
weft_status img_check(const weft_engine *e, const uint8_t *img, size_t len, uint8_t kind,
                      uint32_t max_id, uint32_t *off, uint32_t *size, bool verify_crc,
                      weft_error *err);
/* weft_module_from_image; verify_crc false for a module nested in a
 * component image, whose checksum covers it. */
weft_status img_load_module(weft_engine *engine, const uint8_t *img, size_t len, bool verify_crc,
                            weft_module **out, weft_error *err);

#endif
