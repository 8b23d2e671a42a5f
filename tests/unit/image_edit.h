/*
 * image_edit.h - reading and rewriting precompiled module images in tests,
 * written from the format description at the top of src/image/image.c
 * (not from its code): the section table, the meta section's number
 * stream decoded into values, one value changed and the image rebuilt
 * with its sections moved, its length and its checksum made right. The
 * loader must then refuse what the change breaks by its own checks.
 */
#ifndef IMAGE_EDIT_H
#define IMAGE_EDIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IE_HDR 48u       /* header size; the section table follows */
#define IE_NSEC_AT 28u   /* u32 section count */
#define IE_LEN_AT 32u    /* u64 total length */
#define IE_CRC_AT 40u    /* u32 checksum */

enum { IE_SEC_META = 1, IE_SEC_CODE, IE_SEC_POOL };

/* The tables of the meta stream, in order. */
enum {
    IE_COUNTS, IE_VALTYPES, IE_TYPES, IE_TAGS, IE_FUNCS, IE_TABLES, IE_MEMS, IE_GLOBALS,
    IE_IMPORTS, IE_EXPORTS, IE_ELEMS, IE_DATAS, IE_CATCHES, IE_HANDLERS, IE_NTABLES_
};

/* The counts at the start of the stream, in order. */
enum {
    IE_NTYPES, IE_NVALTYPES, IE_NIMPORTS, IE_NFUNCS, IE_NIMPORTED_FUNCS, IE_NTABLES_COUNT,
    IE_NIMPORTED_TABLES, IE_NMEMS, IE_NIMPORTED_MEMS, IE_NGLOBALS, IE_NIMPORTED_GLOBALS,
    IE_NTAGS, IE_NIMPORTED_TAGS, IE_NEXPORTS, IE_NELEMS, IE_NDATAS, IE_NCATCHES,
    IE_NHANDLERS, IE_START, IE_NCOUNTS
};

static inline uint32_t ie_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void ie_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Reflected CRC-32, polynomial 0xEDB88320, bit by bit. */
static inline uint32_t ie_crc_bits(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* The image's checksum: the CRC with the checksum field counted as zero. */
static inline uint32_t ie_checksum(const uint8_t *img, size_t len)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t c = ie_crc_bits(0, img, IE_CRC_AT);
    c = ie_crc_bits(c, zero, 4);
    return ie_crc_bits(c, img + IE_CRC_AT + 4, len - IE_CRC_AT - 4);
}

static inline void ie_fix_crc(uint8_t *img, size_t len)
{
    ie_wr32(img + IE_CRC_AT, ie_checksum(img, len));
}

static inline size_t ie_align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Offset and size of section id of a well-formed image (0, 0 if absent):
 * sections follow the table in its order, each 8-byte aligned. */
static inline uint32_t ie_section(const uint8_t *img, uint32_t id, uint32_t *size)
{
    uint32_t nsec = ie_rd32(img + IE_NSEC_AT);
    size_t at = IE_HDR + (size_t)nsec * 8;
    for (uint32_t i = 0; i < nsec; i++) {
        uint32_t sid = ie_rd32(img + IE_HDR + i * 8), sz = ie_rd32(img + IE_HDR + i * 8 + 4);
        at = ie_align8(at);
        if (sid == id) {
            if (size)
                *size = sz;
            return (uint32_t)at;
        }
        at += sz;
    }
    if (size)
        *size = 0;
    return 0;
}

/* Byte offset of the section table entry of section id, or 0. */
static inline size_t ie_entry(const uint8_t *img, uint32_t id)
{
    uint32_t nsec = ie_rd32(img + IE_NSEC_AT);
    for (uint32_t i = 0; i < nsec; i++)
        if (ie_rd32(img + IE_HDR + i * 8) == id)
            return IE_HDR + (size_t)i * 8;
    return 0;
}

/* A decoded meta stream. */
typedef struct ie_meta {
    uint32_t *v;
    size_t n;
} ie_meta;

/* Decodes the meta section of a well-formed module image (each value the
 * LEB128 of value + 1). */
static inline ie_meta ie_meta_read(const uint8_t *img)
{
    uint32_t size;
    uint32_t off = ie_section(img, IE_SEC_META, &size);
    ie_meta m = {malloc((size + 1) * sizeof(uint32_t)), 0};
    if (!m.v) {
        printf("out of memory\n");
        exit(2);
    }
    for (size_t pos = 0; pos < size;) {
        uint32_t x = 0;
        for (unsigned shift = 0; pos < size; shift += 7) {
            uint8_t b = img[off + pos++];
            x |= (uint32_t)(b & 0x7F) << shift;
            if (!(b & 0x80))
                break;
        }
        m.v[m.n++] = x - 1u;
    }
    return m;
}

static inline void ie_meta_free(ie_meta *m)
{
    free(m->v);
    m->v = NULL;
    m->n = 0;
}

/* The number of values of record i of table t, whose first value is at k. */
static inline size_t ie_record_len(const ie_meta *m, int t, size_t k)
{
    static const uint8_t width[IE_NTABLES_] = {0, 1, 5, 1, 7, 7, 5, 3, 6, 4, 5, 6, 3, 4};
    return width[t] + (t == IE_ELEMS ? (size_t)m->v[k + 4] : 0);
}

/* Index in m->v of value `field` of record `rec` of table t (for
 * IE_COUNTS, count `field`; for element segments, items follow the five
 * fixed values as fields 5, 6, ...). */
static inline size_t ie_at(const ie_meta *m, int t, uint32_t rec, unsigned field)
{
    static const int count_of[IE_NTABLES_] = {
        -1, IE_NVALTYPES, IE_NTYPES, IE_NTAGS, IE_NFUNCS, IE_NTABLES_COUNT, IE_NMEMS,
        IE_NGLOBALS, IE_NIMPORTS, IE_NEXPORTS, IE_NELEMS, IE_NDATAS, IE_NCATCHES, IE_NHANDLERS,
    };
    if (t == IE_COUNTS)
        return field;
    size_t k = IE_NCOUNTS;
    for (int u = IE_VALTYPES; u < t; u++)
        for (uint32_t i = 0; i < m->v[count_of[u]]; i++)
            k += ie_record_len(m, u, k);
    for (uint32_t i = 0; i < rec; i++)
        k += ie_record_len(m, t, k);
    return k + field;
}

static inline uint32_t ie_get(const ie_meta *m, int t, uint32_t rec, unsigned field)
{
    return m->v[ie_at(m, t, rec, field)];
}

/* Code offset (in units) of function f: each record stores its offset
 * minus the end of the previous record's code. */
static inline uint32_t ie_code_off(const ie_meta *m, uint32_t f)
{
    uint32_t end = 0, off = 0;
    for (uint32_t i = 0; i <= f; i++) {
        off = end + ie_get(m, IE_FUNCS, i, 1);
        end = off + ie_get(m, IE_FUNCS, i, 2);
    }
    return off;
}

/* The LEB128 of v + 1 into out (5 bytes at most); returns its length. */
static inline size_t ie_leb(uint32_t v, uint8_t *out)
{
    size_t n = 0;
    v += 1u;
    do {
        out[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v)
            out[n] |= 0x80;
        n++;
    } while (v);
    return n;
}

/* A copy of the image with its meta section replaced by meta[0, mlen):
 * sections after it move, the table, the length and the checksum are
 * made right. The copy is a heap block of exactly *len bytes. */
static inline uint8_t *ie_with_meta_bytes(const uint8_t *img, const uint8_t *meta,
                                          size_t mlen, size_t *len)
{
    uint32_t nsec = ie_rd32(img + IE_NSEC_AT);
    size_t total = IE_HDR + (size_t)nsec * 8;
    for (uint32_t i = 0; i < nsec; i++) {
        uint32_t id = ie_rd32(img + IE_HDR + i * 8), sz = ie_rd32(img + IE_HDR + i * 8 + 4);
        total = ie_align8(total) + (id == IE_SEC_META ? mlen : sz);
    }
    total = ie_align8(total);
    uint8_t *out = calloc(total, 1);
    if (!out) {
        printf("out of memory\n");
        exit(2);
    }
    memcpy(out, img, IE_HDR + (size_t)nsec * 8);
    size_t at = IE_HDR + (size_t)nsec * 8;
    for (uint32_t i = 0; i < nsec; i++) {
        uint32_t id = ie_rd32(img + IE_HDR + i * 8), sz;
        uint32_t from = ie_section(img, id, &sz);
        at = ie_align8(at);
        if (id == IE_SEC_META) {
            memcpy(out + at, meta, mlen);
            ie_wr32(out + IE_HDR + i * 8 + 4, (uint32_t)mlen);
            at += mlen;
        } else {
            memcpy(out + at, img + from, sz);
            at += sz;
        }
    }
    ie_wr32(out + IE_LEN_AT, (uint32_t)total);
    ie_wr32(out + IE_LEN_AT + 4, 0);
    ie_fix_crc(out, total);
    *len = total;
    return out;
}

/* A copy of the image with its meta section encoded from m. */
static inline uint8_t *ie_with_meta(const uint8_t *img, const ie_meta *m, size_t *len)
{
    uint8_t *bytes = malloc(m->n * 5 + 1);
    if (!bytes) {
        printf("out of memory\n");
        exit(2);
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n; i++)
        n += ie_leb(m->v[i], bytes + n);
    uint8_t *out = ie_with_meta_bytes(img, bytes, n, len);
    free(bytes);
    return out;
}

/* A copy of the image with value `field` of record `rec` of table t set
 * to v. */
static inline uint8_t *ie_patched(const uint8_t *img, int t, uint32_t rec, unsigned field,
                                  uint32_t v, size_t *len)
{
    ie_meta m = ie_meta_read(img);
    m.v[ie_at(&m, t, rec, field)] = v;
    uint8_t *out = ie_with_meta(img, &m, len);
    ie_meta_free(&m);
    return out;
}

#endif
