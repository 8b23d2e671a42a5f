/* image.c - writing and loading precompiled module images.
 *
 * Layout (all integers little-endian):
 *   header, 64 bytes:
 *     0  magic 89 57 46 54 0d 0a 1a 0a  ("\x89WFT\r\n\x1a\n")
 *     8  u32 format version            12 u32 weft version (maj<<16|min<<8|patch)
 *    16  u8 word size, u8 byte order (1 = little), u8 kind (0 = module), u8 0
 *    20  u32 configuration stamp       24 u32 hash of the opcode table
 *    28  u32 section count             32 u64 total length
 *    40  u32 CRC-32 of the image with this field zero
 *   section table at 64: {u32 id, u32 offset, u32 size, u32 0} per section
 *   sections, each at an 8-byte aligned offset.
 * The code and pool sections are used in place by the loader. */
#include "image/image_int.h"

enum {
    SEC_INFO = 1, SEC_VALTYPES, SEC_TYPES, SEC_IMPORTS, SEC_FUNCS, SEC_TABLES, SEC_MEMS,
    SEC_GLOBALS, SEC_EXPORTS, SEC_ELEMS, SEC_ELEM_ITEMS, SEC_DATAS, SEC_CODE, SEC_POOL,
    SEC_TAGS, SEC_HANDLERS, SEC_CATCHES,
    SEC_COUNT_
};

static const uint8_t image_magic[8] = {0x89, 'W', 'F', 'T', '\r', '\n', 0x1a, '\n'};

/* ---------------------------------------------------------------- */
/* Shared helpers                                                    */
/* ---------------------------------------------------------------- */

/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), one table lookup
 * per byte. */
uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t table[256] = {
        0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
        0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
        0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
        0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
        0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
        0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
        0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
        0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
        0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
        0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
        0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
        0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
        0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
        0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
        0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
        0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
        0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
        0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
        0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
        0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
        0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
        0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
        0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
        0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
        0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
        0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
        0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
        0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
        0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
        0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
        0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
        0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
        0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
        0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
        0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
        0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
        0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
        0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
        0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
        0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
        0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
        0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
        0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
    };
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xFF];
    return ~crc;
}

/* The CRC of an image, its checksum field counted as zero. */
uint32_t image_crc(const uint8_t *p, size_t len)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t c = crc32_update(0, p, 40);
    c = crc32_update(c, zero, 4);
    return crc32_update(c, p + 44, len - 44);
}

/* Options that change what an image contains or means. */
uint32_t config_stamp(const weft_engine *e)
{
    return (uint32_t)WEFT_FUEL | (e->cfg.features & 0xFFu) << 8;
}

uint32_t weft_version(void)
{
    return (uint32_t)WEFT_VERSION_MAJOR << 16 | (uint32_t)WEFT_VERSION_MINOR << 8 |
           (uint32_t)WEFT_VERSION_PATCH;
}

bool weft_is_image(const uint8_t *bytes, size_t len)
{
    return len >= 8 && memcmp(bytes, image_magic, 8) == 0;
}

bool weft_image_is_component(const uint8_t *bytes, size_t len)
{
    return weft_is_image(bytes, len) && len > 18 && bytes[18] == IMG_KIND_COMPONENT;
}

void weft_image_free(weft_engine *engine, uint8_t *image, size_t len)
{
    wu_free(engine, image, len);
}

/* ---------------------------------------------------------------- */
/* Writer                                                            */
/* ---------------------------------------------------------------- */


void put(obuf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 4096;
        while (nc < b->len + n)
            nc *= 2;
        uint8_t *q = wu_realloc(b->e, b->p, b->cap, nc);
        if (!q) {
            b->oom = true;
            return;
        }
        memset(q + b->cap, 0, nc - b->cap);
        b->p = q;
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
}

void put8(obuf *b, uint8_t v) { put(b, &v, 1); }

void put16(obuf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, x, 2);
}

void put32(obuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

void put64(obuf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

void align8(obuf *b)
{
    static const uint8_t z[8] = {0};
    put(b, z, (8 - (b->len & 7)) & 7);
}

void set32(obuf *b, size_t at, uint32_t v)
{
    if (b->oom)
        return;
    b->p[at] = (uint8_t)v;
    b->p[at + 1] = (uint8_t)(v >> 8);
    b->p[at + 2] = (uint8_t)(v >> 16);
    b->p[at + 3] = (uint8_t)(v >> 24);
}

void img_begin(obuf *b, uint32_t nsec)
{
    uint8_t hdr[HDR_SIZE];
    memset(hdr, 0, sizeof hdr);
    put(b, hdr, sizeof hdr);
    for (uint32_t i = 0; i < nsec; i++) {
        uint8_t ent[16] = {0};
        put(b, ent, sizeof ent);
    }
}

void img_section(obuf *b, uint32_t id, size_t start)
{
    if (b->oom)
        return;
    size_t ent = HDR_SIZE + (size_t)(id - 1) * 16;
    set32(b, ent, id);
    set32(b, ent + 4, (uint32_t)start);
    set32(b, ent + 8, (uint32_t)(b->len - start));
}

weft_status img_finish(obuf *b, const weft_engine *e, uint8_t kind, uint32_t nsec,
                       uint8_t **out, size_t *len, weft_error *err)
{
    align8(b);
    if (b->oom || b->len > 0xFFFFFFF0u) {
        wu_free(e, b->p, b->cap);
        return wu_error(err, b->oom ? WEFT_NOMEM : WEFT_LIMIT, WEFT_NO_OFFSET,
                        b->oom ? "out of memory writing an image" : "image too large");
    }
    memcpy(b->p, image_magic, 8);
    set32(b, 8, WEFT_IMAGE_FORMAT);
    set32(b, 12, weft_version());
    b->p[16] = (uint8_t)sizeof(void *);
    b->p[17] = 1;
    b->p[18] = kind;
    set32(b, 20, config_stamp(e));
    set32(b, 24, e->code_hash);
    set32(b, 28, nsec);
    set32(b, 32, (uint32_t)b->len);
    set32(b, 36, 0);
    set32(b, 40, image_crc(b->p, b->len));
    uint8_t *q = wu_realloc(e, b->p, b->cap, b->len);
    *out = q ? q : b->p;
    *len = b->len;
    return WEFT_OK;
}

static uint32_t pool_off(const weft_module *m, const char *p)
{
    return (uint32_t)((const uint8_t *)p - m->pool);
}

weft_status weft_module_serialize(const weft_module *m, uint8_t **out, size_t *len,
                                  weft_error *err)
{
    wu_error_clear(err);
    if (!m || !out || !len)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "NULL argument");
    *out = NULL;
    *len = 0;
    obuf b = {m->engine, NULL, 0, 0, false};
    img_begin(&b, SEC_COUNT_ - 1);
    size_t start[SEC_COUNT_];
    uint32_t nelem_items = 0;
    for (uint32_t i = 0; i < m->nelems; i++)
        nelem_items += m->elems[i].count;

    for (unsigned sec = 1; sec < SEC_COUNT_; sec++) {
        align8(&b);
        start[sec] = b.len;
        switch (sec) {
        case SEC_INFO:
            put32(&b, m->ntypes); put32(&b, m->nvaltypes); put32(&b, m->nimports);
            put32(&b, m->nfuncs); put32(&b, m->nimported_funcs);
            put32(&b, m->ntables); put32(&b, m->nimported_tables);
            put32(&b, m->nmems); put32(&b, m->nimported_mems);
            put32(&b, m->nglobals); put32(&b, m->nimported_globals);
            put32(&b, m->nexports); put32(&b, m->start); put32(&b, m->nelems);
            put32(&b, m->ndatas); put32(&b, m->code_len); put32(&b, m->pool_len);
            put32(&b, nelem_items);
            put32(&b, m->ntags); put32(&b, m->nimported_tags);
            put32(&b, m->nhandlers); put32(&b, m->ncatches);
            break;
        case SEC_VALTYPES:
            for (uint32_t i = 0; i < m->nvaltypes; i++)
                put8(&b, (uint8_t)m->valtypes[i]);
            break;
        case SEC_TYPES:
            for (uint32_t i = 0; i < m->ntypes; i++) {
                const weft_functype *t = &m->types[i];
                put32(&b, t->nparams);
                put32(&b, t->nresults);
                put32(&b, t->nparams ? (uint32_t)(t->params - m->valtypes) : 0);
                put32(&b, t->nresults ? (uint32_t)(t->results - m->valtypes) : 0);
                put32(&b, m->type_canon[i]);
            }
            break;
        case SEC_IMPORTS:
            for (uint32_t i = 0; i < m->nimports; i++) {
                const wm_import *im = &m->imports[i];
                put32(&b, pool_off(m, im->module)); put32(&b, im->module_len);
                put32(&b, pool_off(m, im->name)); put32(&b, im->name_len);
                put32(&b, im->kind); put32(&b, im->index);
            }
            break;
        case SEC_FUNCS:
            for (uint32_t i = 0; i < m->nfuncs; i++) {
                const wm_func *f = &m->funcs[i];
                put32(&b, f->type); put32(&b, f->code_off); put32(&b, f->code_len);
                put16(&b, f->nparam_slots); put16(&b, f->nlocal_slots);
                put16(&b, f->nresult_slots); put16(&b, f->frame_slots);
            }
            break;
        case SEC_TABLES:
            for (uint32_t i = 0; i < m->ntables; i++) {
                const wm_table *t = &m->tables[i];
                put32(&b, t->elem); put32(&b, t->limits.has_max);
                put64(&b, t->limits.min); put64(&b, t->limits.max);
                put32(&b, t->init_off); put32(&b, t->init_len);
            }
            break;
        case SEC_MEMS:
            for (uint32_t i = 0; i < m->nmems; i++) {
                const wm_memory *mm = &m->mems[i];
                put64(&b, mm->limits.min); put64(&b, mm->limits.max);
                put32(&b, mm->limits.has_max); put32(&b, mm->page_log2 | (uint32_t)mm->is64 << 8);
            }
            break;
        case SEC_GLOBALS:
            for (uint32_t i = 0; i < m->nglobals; i++) {
                const wm_global *g = &m->globals[i];
                put32(&b, g->type | (uint32_t)g->mutable_ << 8);
                put32(&b, g->init_off); put32(&b, g->init_len);
            }
            break;
        case SEC_EXPORTS:
            for (uint32_t i = 0; i < m->nexports; i++) {
                const wm_export *ex = &m->exports[i];
                put32(&b, pool_off(m, ex->name)); put32(&b, ex->name_len);
                put32(&b, ex->kind); put32(&b, ex->index);
            }
            break;
        case SEC_ELEMS: {
            uint32_t first = 0;
            for (uint32_t i = 0; i < m->nelems; i++) {
                const wm_elem *el = &m->elems[i];
                put32(&b, el->mode | (uint32_t)el->type << 8 | (uint32_t)el->exprs << 16);
                put32(&b, el->table); put32(&b, el->offset_off); put32(&b, el->offset_len);
                put32(&b, el->count); put32(&b, first);
                first += el->count;
            }
            break;
        }
        case SEC_ELEM_ITEMS:
            for (uint32_t i = 0; i < m->nelems; i++)
                for (uint32_t k = 0; k < m->elems[i].count; k++)
                    put32(&b, m->elems[i].items[k]);
            break;
        case SEC_DATAS:
            for (uint32_t i = 0; i < m->ndatas; i++) {
                const wm_data *ds = &m->datas[i];
                put32(&b, ds->mode); put32(&b, ds->memory);
                put32(&b, ds->offset_off); put32(&b, ds->offset_len);
                put32(&b, ds->bytes_off); put32(&b, ds->bytes_len);
            }
            break;
        case SEC_CODE:
            for (uint32_t i = 0; i < m->code_len; i++)
                put16(&b, m->code[i]);
            break;
        case SEC_POOL:
            put(&b, m->pool, m->pool_len);
            break;
        case SEC_TAGS:
            for (uint32_t i = 0; i < m->ntags; i++)
                put32(&b, m->tags[i].type);
            break;
        case SEC_HANDLERS:
            for (uint32_t i = 0; i < m->nhandlers; i++) {
                const wm_handler *h = &m->handlers[i];
                put32(&b, h->start); put32(&b, h->end);
                put32(&b, h->first_catch); put32(&b, h->ncatches);
            }
            break;
        case SEC_CATCHES:
            for (uint32_t i = 0; i < m->ncatches; i++) {
                const wm_catch *k = &m->catches[i];
                put32(&b, k->kind | (uint32_t)k->dst << 16);
                put32(&b, k->tag); put32(&b, k->pad);
            }
            break;
        }
        img_section(&b, sec, start[sec]);
    }
    return img_finish(&b, m->engine, IMG_KIND_MODULE, SEC_COUNT_ - 1, out, len, err);
}

/* ---------------------------------------------------------------- */
/* Loader                                                            */
/* ---------------------------------------------------------------- */

typedef struct loader {
    const uint8_t *img;
    size_t len;
    uint32_t off[SEC_COUNT_], size[SEC_COUNT_];
    weft_error *err;
} loader;

static weft_status refuse(loader *L, size_t at, const char *fmt, const char *a, const char *b)
{
    return wu_error(L->err, WEFT_MALFORMED, at, fmt, a, b);
}

/* Checks that a section holds n records of sz bytes. */
static weft_status want_records(loader *L, unsigned sec, uint64_t n, uint32_t sz, const char *what)
{
    if (n * sz != L->size[sec]) {
        char e[24], g[24];
        wu_fmt(e, sizeof e, "%llu", (unsigned long long)(n * sz));
        wu_fmt(g, sizeof g, "%u", L->size[sec]);
        return wu_error(L->err, WEFT_MALFORMED, L->off[sec],
                        "image %s section: expected %s bytes, got %s", what, e, g);
    }
    return WEFT_OK;
}

static bool in_pool(const weft_module *m, uint64_t off, uint64_t len)
{
    return off <= m->pool_len && len <= m->pool_len - off;
}

/* A constant expression in the pool at off, within len bytes (or up to
 * the end of the pool when len is UINT32_MAX, for element items, which
 * have no stored length): only the instructions instantiation evaluates,
 * at most 64 values deep, global.get below nglob, ref.func below the
 * function count, ending with `end` at exactly off + len. */
static bool const_ok(const weft_module *m, uint32_t off, uint32_t len, uint32_t nglob)
{
    uint32_t end = len == UINT32_MAX ? m->pool_len : off + len;
    wr_reader r = {m->pool, off, end, NULL};
    uint32_t depth = 0;
    if (off >= end)
        return false;
    for (;;) {
        uint8_t op;
        if (wr_byte(&r, &op))
            return false;
        switch (op) {
        case 0x0B:
            return depth == 1 && (len == UINT32_MAX || r.pos == end);
        case 0x41: { int32_t v; if (wr_s32(&r, &v)) return false; depth++; break; }
        case 0x42: { int64_t v; if (wr_s64(&r, &v)) return false; depth++; break; }
        case 0x43: case 0x44: {
            size_t n = op == 0x43 ? 4 : 8;
            if (end - r.pos < n)
                return false;
            r.pos += n;
            depth++;
            break;
        }
        case 0xD0: { uint8_t t; if (wr_byte(&r, &t)) return false; depth++; break; }
        case 0xD2: case 0x23: {
            uint32_t x;
            if (wr_u32(&r, &x) || x >= (op == 0xD2 ? m->nfuncs : nglob))
                return false;
            depth++;
            break;
        }
        case 0x6A: case 0x6B: case 0x6C: case 0x7C: case 0x7D: case 0x7E:
            if (depth < 2)
                return false;
            depth--;
            break;
        default:
            return false;
        }
        if (depth > 64)
            return false;
    }
}

/* A name in the pool: in range and NUL-terminated right after. */
static bool pool_name(const weft_module *m, uint32_t off, uint32_t len)
{
    return in_pool(m, off, (uint64_t)len + 1) && m->pool[off + len] == 0;
}

weft_status img_check(const weft_engine *engine, const uint8_t *img, size_t len, uint8_t kind,
                      uint32_t want_nsec, uint32_t *offs, uint32_t *sizes, bool verify_crc,
                      weft_error *err)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.img = img;
    L.len = len;
    L.err = err;
    char e[40], g[40];
    if (((uintptr_t)img & 7) != 0)
        return wu_error(err, WEFT_ARG, 0, "image buffer must be aligned to 8 bytes");
    if (len < HDR_SIZE)
        return wu_error(err, WEFT_MALFORMED, 0, "image too short: expected at least %u bytes, got %zu",
                        HDR_SIZE, len);
    if (memcmp(img, image_magic, 8) != 0) {
        if (memcmp(img + 1, image_magic + 1, 3) == 0)
            return refuse(&L, 0, "image magic damaged (%s%s): was it copied as text?",
                          "line endings or the EOF byte were changed", "");
        return refuse(&L, 0, "not a weft image: %s%s", "bad magic", "");
    }
    if (rd32(img + 8) != WEFT_IMAGE_FORMAT) {
        wu_fmt(e, sizeof e, "%u", WEFT_IMAGE_FORMAT);
        wu_fmt(g, sizeof g, "%u", rd32(img + 8));
        return refuse(&L, 8, "image format: expected version %s, got %s", e, g);
    }
    if (rd32(img + 12) != weft_version()) {
        uint32_t v = rd32(img + 12);
        wu_fmt(e, sizeof e, "%s", WEFT_VERSION_STRING);
        wu_fmt(g, sizeof g, "%u.%u.%u", v >> 16, (v >> 8) & 255, v & 255);
        return refuse(&L, 12, "image made by another weft: expected weft %s, got %s", e, g);
    }
    if (img[16] != sizeof(void *)) {
        wu_fmt(e, sizeof e, "%u", (unsigned)sizeof(void *));
        wu_fmt(g, sizeof g, "%u", img[16]);
        return refuse(&L, 16, "image word size: expected %s bytes, got %s", e, g);
    }
    if (img[17] != 1)
        return refuse(&L, 17, "image byte order: expected %s, got %s", "little-endian", "big-endian");
    if (img[18] != kind)
        return refuse(&L, 18, "image kind: expected %s, got %s",
                      kind == IMG_KIND_MODULE ? "a module" : "a component",
                      img[18] == IMG_KIND_MODULE ? "a module" : img[18] == IMG_KIND_COMPONENT
                                                                  ? "a component" : "something else");
    if (rd32(img + 20) != config_stamp(engine)) {
        wu_fmt(e, sizeof e, "0x%x", config_stamp(engine));
        wu_fmt(g, sizeof g, "0x%x", rd32(img + 20));
        return refuse(&L, 20, "image configuration (fuel, features): expected %s, got %s", e, g);
    }
    if (rd32(img + 24) != engine->code_hash) {
        wu_fmt(e, sizeof e, "0x%x", engine->code_hash);
        wu_fmt(g, sizeof g, "0x%x", rd32(img + 24));
        return refuse(&L, 24, "image code format (opcode table): expected %s, got %s", e, g);
    }
    if (rd64(img + 32) != len) {
        wu_fmt(e, sizeof e, "%llu", (unsigned long long)rd64(img + 32));
        wu_fmt(g, sizeof g, "%zu", len);
        return refuse(&L, 32, "image length: expected %s bytes, got %s (truncated or padded?)", e, g);
    }
    uint32_t crc = verify_crc ? image_crc(img, len) : rd32(img + 40);
    if (rd32(img + 40) != crc) {
        wu_fmt(e, sizeof e, "0x%x", rd32(img + 40));
        wu_fmt(g, sizeof g, "0x%x", crc);
        return refuse(&L, 40, "image checksum: expected %s, got %s (the image is damaged)", e, g);
    }
    uint32_t nsec = rd32(img + 28);
    if (nsec != want_nsec || HDR_SIZE + (size_t)nsec * 16 > len) {
        wu_fmt(e, sizeof e, "%u", want_nsec);
        wu_fmt(g, sizeof g, "%u", nsec);
        return refuse(&L, 28, "image section count: expected %s, got %s", e, g);
    }
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *ent = img + HDR_SIZE + i * 16;
        uint32_t id = rd32(ent), off = rd32(ent + 4), size = rd32(ent + 8);
        if (id != i + 1 || off % 8 || off > len || size > len - off)
            return refuse(&L, HDR_SIZE + i * 16, "image section table entry is out of bounds%s%s", "", "");
        offs[id] = off;
        sizes[id] = size;
    }
    return WEFT_OK;
}

/* Reads the handler and catch sections into m and checks them: every
 * handler lies within one function, its clauses are in the catch table,
 * their tags exist, their pads lie in that function and the values the
 * unwinder writes fit in its frame. */
static bool load_handlers(weft_module *m, const uint8_t *hs, const uint8_t *cs)
{
    for (uint32_t i = 0; i < m->ncatches; i++) {
        const uint8_t *r = cs + (size_t)i * 12;
        wm_catch *k = &m->catches[i];
        uint32_t kd = rd32(r);
        k->kind = (uint8_t)kd;
        k->dst = (uint16_t)(kd >> 16);
        k->tag = rd32(r + 4);
        k->pad = rd32(r + 8);
        if ((kd & 0xFF00u) || k->kind > WM_CATCH_ALL_REF ||
            (k->kind <= WM_CATCH_REF && k->tag >= m->ntags))
            return false;
    }
    for (uint32_t i = 0; i < m->nhandlers; i++) {
        const uint8_t *r = hs + (size_t)i * 16;
        wm_handler *h = &m->handlers[i];
        h->start = rd32(r);
        h->end = rd32(r + 4);
        h->first_catch = rd32(r + 8);
        h->ncatches = rd32(r + 12);
        if (h->start >= h->end || (uint64_t)h->first_catch + h->ncatches > m->ncatches)
            return false;
        const wm_func *f = NULL;
        for (uint32_t j = m->nimported_funcs; j < m->nfuncs && !f; j++)
            if (h->start >= m->funcs[j].code_off &&
                h->end <= m->funcs[j].code_off + m->funcs[j].code_len)
                f = &m->funcs[j];
        if (!f)
            return false;
        for (uint32_t j = 0; j < h->ncatches; j++) {
            const wm_catch *k = &m->catches[h->first_catch + j];
            uint64_t n = k->kind == WM_CATCH_REF || k->kind == WM_CATCH_ALL_REF ? 1 : 0;
            if (k->kind <= WM_CATCH_REF) {
                const weft_functype *ft = &m->types[m->tags[k->tag].type];
                for (uint32_t p = 0; p < ft->nparams; p++)
                    n += wm_slots_of((uint8_t)ft->params[p]);
            }
            if (k->pad < f->code_off || k->pad >= f->code_off + f->code_len ||
                k->dst + n > f->frame_slots)
                return false;
        }
    }
    return true;
}

weft_status weft_module_from_image(weft_engine *engine, const uint8_t *img, size_t len,
                                   weft_module **out, weft_error *err)
{
    return img_load_module(engine, img, len, true, out, err);
}

weft_status img_load_module(weft_engine *engine, const uint8_t *img, size_t len, bool verify_crc,
                            weft_module **out, weft_error *err)
{
    wu_error_clear(err);
    if (!out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "out is NULL");
    *out = NULL;
    if (!engine || !img)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "engine or image is NULL");
    loader L;
    memset(&L, 0, sizeof L);
    L.img = img;
    L.len = len;
    L.err = err;
    {
        weft_status hs = img_check(engine, img, len, IMG_KIND_MODULE, SEC_COUNT_ - 1, L.off, L.size,
                                   verify_crc, err);
        if (hs)
            return hs;
    }
    /* counts */
    weft_status st = want_records(&L, SEC_INFO, 22, 4, "info");
    if (st)
        return st;
    const uint8_t *info = img + L.off[SEC_INFO];
    weft_module *m = wu_alloc(engine, sizeof *m);
    if (!m)
        return wu_error(err, WEFT_NOMEM, 0, "out of memory");
    m->engine = engine;
    m->ntypes = rd32(info);
    m->nvaltypes = rd32(info + 4);
    m->nimports = rd32(info + 8);
    m->nfuncs = rd32(info + 12);
    m->nimported_funcs = rd32(info + 16);
    m->ntables = rd32(info + 20);
    m->nimported_tables = rd32(info + 24);
    m->nmems = rd32(info + 28);
    m->nimported_mems = rd32(info + 32);
    m->nglobals = rd32(info + 36);
    m->nimported_globals = rd32(info + 40);
    m->nexports = rd32(info + 44);
    m->start = rd32(info + 48);
    m->nelems = rd32(info + 52);
    m->ndatas = rd32(info + 56);
    m->code_len = rd32(info + 60);
    m->pool_len = rd32(info + 64);
    uint32_t nitems = rd32(info + 68);
    m->ntags = rd32(info + 72);
    m->nimported_tags = rd32(info + 76);
    m->nhandlers = rd32(info + 80);
    m->ncatches = rd32(info + 84);
    /* the pool and the code are used in place */
    m->pool = (uint8_t *)(uintptr_t)(img + L.off[SEC_POOL]);
    m->code = (uint16_t *)(uintptr_t)(img + L.off[SEC_CODE]);
    const char *bad = NULL;
    uint8_t *marks = NULL;
    if ((st = want_records(&L, SEC_VALTYPES, m->nvaltypes, 1, "value type")) ||
        (st = want_records(&L, SEC_TYPES, m->ntypes, 20, "type")) ||
        (st = want_records(&L, SEC_IMPORTS, m->nimports, 24, "import")) ||
        (st = want_records(&L, SEC_FUNCS, m->nfuncs, 20, "function")) ||
        (st = want_records(&L, SEC_TABLES, m->ntables, 32, "table")) ||
        (st = want_records(&L, SEC_MEMS, m->nmems, 24, "memory")) ||
        (st = want_records(&L, SEC_GLOBALS, m->nglobals, 12, "global")) ||
        (st = want_records(&L, SEC_EXPORTS, m->nexports, 16, "export")) ||
        (st = want_records(&L, SEC_ELEMS, m->nelems, 24, "element")) ||
        (st = want_records(&L, SEC_ELEM_ITEMS, nitems, 4, "element item")) ||
        (st = want_records(&L, SEC_DATAS, m->ndatas, 24, "data")) ||
        (st = want_records(&L, SEC_CODE, m->code_len, 2, "code")) ||
        (st = want_records(&L, SEC_POOL, m->pool_len, 1, "pool")) ||
        (st = want_records(&L, SEC_TAGS, m->ntags, 4, "tag")) ||
        (st = want_records(&L, SEC_HANDLERS, m->nhandlers, 16, "handler")) ||
        (st = want_records(&L, SEC_CATCHES, m->ncatches, 12, "catch")))
        goto fail;
    if (m->nimported_funcs > m->nfuncs || m->nimported_tables > m->ntables ||
        m->nimported_mems > m->nmems || m->nimported_globals > m->nglobals ||
        m->nimported_tags > m->ntags ||
        (m->start != UINT32_MAX && m->start >= m->nfuncs)) {
        bad = "index space counts";
        goto bad;
    }

    /* value types and function types */
    m->valtypes = WU_NEW_ARRAY(engine, weft_valkind, m->nvaltypes + 1);
    m->types = WU_NEW_ARRAY(engine, weft_functype, m->ntypes + 1);
    m->type_canon = WU_NEW_ARRAY(engine, uint32_t, m->ntypes + 1);
    if (!m->valtypes || !m->types || !m->type_canon)
        goto nomem;
    for (uint32_t i = 0; i < m->nvaltypes; i++) {
        uint8_t v = img[L.off[SEC_VALTYPES] + i];
        if (v > WEFT_EXNREF || v == WEFT_V128) {
            bad = "value type";
            goto bad;
        }
        m->valtypes[i] = (weft_valkind)v;
    }
    for (uint32_t i = 0; i < m->ntypes; i++) {
        const uint8_t *r = img + L.off[SEC_TYPES] + i * 20;
        uint32_t np = rd32(r), nr = rd32(r + 4), po = rd32(r + 8), ro = rd32(r + 12);
        m->type_canon[i] = rd32(r + 16);
        if ((uint64_t)po + np > m->nvaltypes || (uint64_t)ro + nr > m->nvaltypes ||
            m->type_canon[i] > i) {
            bad = "function type";
            goto bad;
        }
        m->types[i].nparams = np;
        m->types[i].nresults = nr;
        m->types[i].params = m->valtypes + po;
        m->types[i].results = m->valtypes + ro;
    }
    /* index spaces */
    m->funcs = WU_NEW_ARRAY(engine, wm_func, m->nfuncs + 1);
    m->tables = WU_NEW_ARRAY(engine, wm_table, m->ntables + 1);
    m->mems = WU_NEW_ARRAY(engine, wm_memory, m->nmems + 1);
    m->globals = WU_NEW_ARRAY(engine, wm_global, m->nglobals + 1);
    m->imports = WU_NEW_ARRAY(engine, wm_import, m->nimports + 1);
    m->exports = WU_NEW_ARRAY(engine, wm_export, m->nexports + 1);
    m->elems = WU_NEW_ARRAY(engine, wm_elem, m->nelems + 1);
    m->datas = WU_NEW_ARRAY(engine, wm_data, m->ndatas + 1);
    m->tags = WU_NEW_ARRAY(engine, wm_tag, m->ntags + 1);
    m->handlers = WU_NEW_ARRAY(engine, wm_handler, m->nhandlers + 1);
    m->catches = WU_NEW_ARRAY(engine, wm_catch, m->ncatches + 1);
    if (!m->funcs || !m->tables || !m->mems || !m->globals || !m->imports || !m->exports ||
        !m->elems || !m->datas || !m->tags || !m->handlers || !m->catches)
        goto nomem;
    marks = wu_alloc_raw(engine, (size_t)m->code_len + 1);
    if (!marks)
        goto nomem;
    for (uint32_t i = 0; i < m->ntags; i++) {
        m->tags[i].type = rd32(img + L.off[SEC_TAGS] + (size_t)i * 4);
        if (m->tags[i].type >= m->ntypes || m->types[m->tags[i].type].nresults) {
            bad = "tag";
            goto bad;
        }
    }
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        const uint8_t *r = img + L.off[SEC_FUNCS] + i * 20;
        wm_func *f = &m->funcs[i];
        f->type = rd32(r);
        f->code_off = rd32(r + 4);
        f->code_len = rd32(r + 8);
        f->nparam_slots = rd16(r + 12);
        f->nlocal_slots = rd16(r + 14);
        f->nresult_slots = rd16(r + 16);
        f->frame_slots = rd16(r + 18);
        if (f->type >= m->ntypes) {
            bad = "function type index";
            goto bad;
        }
        if (i < m->nimported_funcs)
            continue;
        if ((uint64_t)f->code_off + f->code_len > m->code_len || f->code_len == 0 ||
            f->nparam_slots > f->nlocal_slots || f->nlocal_slots > f->frame_slots ||
            f->nresult_slots > f->frame_slots) {
            bad = "function layout";
            goto bad;
        }
        /* the code: whole instructions, operands inside the frame, the
         * function and the module's index spaces */
        uint32_t at;
        const char *why = wm_check_code(m, m->code, f->code_off, f->code_off + f->code_len,
                                        f->frame_slots, marks, &at);
        if (why) {
            wu_error(err, WEFT_MALFORMED, L.off[SEC_CODE] + (size_t)at * 2,
                     "image code of function %u, instruction %s: %s", i,
                     m->code[at] < OPC_COUNT_ ? wm_opcode_names[m->code[at]] : "?", why);
            st = WEFT_MALFORMED;
            goto fail;
        }
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        const uint8_t *r = img + L.off[SEC_TABLES] + i * 32;
        wm_table *t = &m->tables[i];
        t->elem = (uint8_t)rd32(r);
        t->limits.has_max = rd32(r + 4) != 0;
        t->limits.min = rd64(r + 8);
        t->limits.max = rd64(r + 16);
        t->init_off = rd32(r + 24);
        t->init_len = rd32(r + 28);
        if ((t->elem != WEFT_FUNCREF && t->elem != WEFT_EXTERNREF) ||
            !in_pool(m, t->init_off, t->init_len) ||
            (t->init_len && !const_ok(m, t->init_off, t->init_len, m->nimported_globals))) {
            bad = "table";
            goto bad;
        }
    }
    for (uint32_t i = 0; i < m->nmems; i++) {
        const uint8_t *r = img + L.off[SEC_MEMS] + i * 24;
        wm_memory *mm = &m->mems[i];
        mm->limits.min = rd64(r);
        mm->limits.max = rd64(r + 8);
        mm->limits.has_max = rd32(r + 16) != 0;
        uint32_t pl = rd32(r + 20);
        mm->page_log2 = (uint8_t)pl;
        mm->is64 = (pl >> 8) != 0;
        if ((mm->page_log2 != 16 && mm->page_log2 != 0) || mm->is64) {
            bad = "memory";
            goto bad;
        }
    }
    for (uint32_t i = 0; i < m->nglobals; i++) {
        const uint8_t *r = img + L.off[SEC_GLOBALS] + i * 12;
        wm_global *gl = &m->globals[i];
        uint32_t tm = rd32(r);
        gl->type = (uint8_t)tm;
        gl->mutable_ = (tm >> 8) != 0;
        gl->init_off = rd32(r + 4);
        gl->init_len = rd32(r + 8);
        if (gl->type > WEFT_EXTERNREF || !in_pool(m, gl->init_off, gl->init_len) ||
            (i >= m->nimported_globals && !const_ok(m, gl->init_off, gl->init_len, i))) {
            bad = "global";
            goto bad;
        }
    }
    uint32_t nimp[5] = {0, 0, 0, 0, 0};
    for (uint32_t i = 0; i < m->nimports; i++) {
        const uint8_t *r = img + L.off[SEC_IMPORTS] + i * 24;
        wm_import *im = &m->imports[i];
        uint32_t mo = rd32(r), ml = rd32(r + 4), no = rd32(r + 8), nl = rd32(r + 12);
        im->kind = (uint8_t)rd32(r + 16);
        im->index = rd32(r + 20);
        uint32_t limit = im->kind == 0 ? m->nfuncs : im->kind == 1 ? m->ntables
                       : im->kind == 2 ? m->nmems : im->kind == 3 ? m->nglobals : m->ntags;
        /* the k-th import of a kind is that kind's index k */
        if (!pool_name(m, mo, ml) || !pool_name(m, no, nl) || im->kind > 4 || im->index >= limit ||
            im->index != nimp[im->kind]++) {
            bad = "import";
            goto bad;
        }
        im->module = (const char *)m->pool + mo;
        im->module_len = ml;
        im->name = (const char *)m->pool + no;
        im->name_len = nl;
    }
    if (nimp[0] != m->nimported_funcs || nimp[1] != m->nimported_tables ||
        nimp[2] != m->nimported_mems || nimp[3] != m->nimported_globals ||
        nimp[4] != m->nimported_tags) {
        bad = "import count";
        goto bad;
    }
    if (m->start != UINT32_MAX && (m->types[m->funcs[m->start].type].nparams != 0 ||
                                   m->types[m->funcs[m->start].type].nresults != 0)) {
        bad = "start function type";
        goto bad;
    }
    for (uint32_t i = 0; i < m->nexports; i++) {
        const uint8_t *r = img + L.off[SEC_EXPORTS] + i * 16;
        wm_export *ex = &m->exports[i];
        uint32_t no = rd32(r), nl = rd32(r + 4);
        ex->kind = (uint8_t)rd32(r + 8);
        ex->index = rd32(r + 12);
        uint32_t limit = ex->kind == 0 ? m->nfuncs : ex->kind == 1 ? m->ntables
                       : ex->kind == 2 ? m->nmems : ex->kind == 3 ? m->nglobals : m->ntags;
        if (!pool_name(m, no, nl) || ex->kind > 4 || ex->index >= limit) {
            bad = "export";
            goto bad;
        }
        ex->name = (const char *)m->pool + no;
        ex->name_len = nl;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const uint8_t *r = img + L.off[SEC_ELEMS] + i * 24;
        wm_elem *el = &m->elems[i];
        uint32_t f = rd32(r);
        el->mode = (uint8_t)f;
        el->type = (uint8_t)(f >> 8);
        el->exprs = ((f >> 16) & 1) != 0;
        el->table = rd32(r + 4);
        el->offset_off = rd32(r + 8);
        el->offset_len = rd32(r + 12);
        el->count = rd32(r + 16);
        uint32_t first = rd32(r + 20);
        if (el->mode > WM_SEG_DECLARATIVE || (uint64_t)first + el->count > nitems ||
            (el->mode == WM_SEG_ACTIVE && (el->table >= m->ntables ||
                                           !in_pool(m, el->offset_off, el->offset_len) ||
                                           !const_ok(m, el->offset_off, el->offset_len,
                                                     m->nglobals)))) {
            bad = "element segment";
            goto bad;
        }
        el->items = WU_NEW_ARRAY(engine, uint32_t, el->count + 1);
        if (!el->items)
            goto nomem;
        for (uint32_t k = 0; k < el->count; k++) {
            el->items[k] = rd32(img + L.off[SEC_ELEM_ITEMS] + ((size_t)first + k) * 4);
            if (el->exprs ? !const_ok(m, el->items[k], UINT32_MAX, m->nglobals)
                          : el->items[k] >= m->nfuncs) {
                bad = "element item";
                goto bad;
            }
        }
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const uint8_t *r = img + L.off[SEC_DATAS] + i * 24;
        wm_data *ds = &m->datas[i];
        ds->mode = (uint8_t)rd32(r);
        ds->memory = rd32(r + 4);
        ds->offset_off = rd32(r + 8);
        ds->offset_len = rd32(r + 12);
        ds->bytes_off = rd32(r + 16);
        ds->bytes_len = rd32(r + 20);
        if (!in_pool(m, ds->bytes_off, ds->bytes_len) ||
            (ds->mode == WM_SEG_ACTIVE && (ds->memory >= m->nmems ||
                                           !in_pool(m, ds->offset_off, ds->offset_len) ||
                                           !const_ok(m, ds->offset_off, ds->offset_len,
                                                     m->nglobals)))) {
            bad = "data segment";
            goto bad;
        }
    }
    if (!load_handlers(m, img + L.off[SEC_HANDLERS], img + L.off[SEC_CATCHES])) {
        bad = "exception handler table";
        goto bad;
    }
    wu_free(engine, marks, 0);
    m->from_image = true;
    *out = m;
    return WEFT_OK;
nomem:
    st = wu_error(err, WEFT_NOMEM, 0, "out of memory loading an image");
    goto fail;
bad:
    st = wu_error(err, WEFT_MALFORMED, WEFT_NO_OFFSET, "image has an invalid %s", bad);
fail:
    wu_free(engine, marks, 0);
    m->code = NULL;
    m->pool = NULL;
    weft_module_delete(m);
    return st;
}
