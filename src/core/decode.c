/* decode.c - binary decoding and module-level validation of core modules.
 * Function bodies are handed to lower.c, which validates and lowers them in
 * one pass. Every error carries the byte offset where it was found. */
#include "core/module.h"

#define TRY(x) do { weft_status s_ = (x); if (s_ != WEFT_OK) return s_; } while (0)

/* ---------------------------------------------------------------- */
/* Decoding state                                                    */
/* ---------------------------------------------------------------- */

typedef struct decoder {
    weft_module *m;
    const weft_engine *e;
    wr_reader r;
    weft_error *err;
    uint8_t *refs;          /* C.refs: functions referenced outside bodies */
    uint32_t nfunc_decls;   /* from the function section */
    bool has_datacount;
    uint32_t datacount;
} decoder;

static weft_status bad(decoder *d, size_t off, const char *msg)
{
    return wu_error(d->err, WEFT_MALFORMED, off, "%s", msg);
}

static weft_status invalid(decoder *d, size_t off, const char *msg)
{
    return wu_error(d->err, WEFT_INVALID, off, "%s", msg);
}

static weft_status nomem(decoder *d)
{
    return wu_error(d->err, WEFT_NOMEM, d->r.pos, "out of memory");
}

/* Grows an array of elements of size sz from n to n+1 slots of capacity. */
static void *grow_array(decoder *d, void *p, uint32_t count, size_t sz)
{
    /* Arrays are allocated once with their final count, so this is only a
     * checked allocation. */
    (void)p;
    return wu_alloc(d->e, sz * (size_t)(count ? count : 1));
}

static uint32_t pool_put(decoder *d, const uint8_t *src, size_t n, bool nul)
{
    weft_module *m = d->m;
    uint32_t off = m->pool_len;
    memcpy(m->pool + off, src, n);
    m->pool_len += (uint32_t)n;
    if (nul)
        m->pool[m->pool_len++] = 0;
    return off;
}

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        uint32_t cp;
        size_t len;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static weft_status read_name(decoder *d, const char **out, uint32_t *len_out)
{
    uint32_t len;
    size_t at = d->r.pos;
    TRY(wr_u32(&d->r, &len));
    if (d->r.end - d->r.pos < len)
        return bad(d, at, "unexpected end (name length)");
    const uint8_t *s = d->r.bytes + d->r.pos;
    if (!utf8_valid(s, len))
        return bad(d, d->r.pos, "malformed UTF-8 encoding");
    d->r.pos += len;
    if (out) {
        uint32_t off = pool_put(d, s, len, true);
        *out = (const char *)d->m->pool + off;
    }
    if (len_out)
        *len_out = len;
    return WEFT_OK;
}

static weft_status read_valtype(decoder *d, uint8_t *out)
{
    uint8_t b;
    *out = 0;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    switch (b) {
    case 0x7F: *out = WEFT_I32; return WEFT_OK;
    case 0x7E: *out = WEFT_I64; return WEFT_OK;
    case 0x7D: *out = WEFT_F32; return WEFT_OK;
    case 0x7C: *out = WEFT_F64; return WEFT_OK;
    case 0x7B: return wu_error(d->err, WEFT_UNSUPPORTED, at, "v128 is not supported");
    case 0x70: *out = WEFT_FUNCREF; return WEFT_OK;
    case 0x6F: *out = WEFT_EXTERNREF; return WEFT_OK;
    case 0x69:
        if (!(d->e->cfg.features & WEFT_FEATURE_EXCEPTIONS))
            break;
        *out = WEFT_EXNREF;
        return WEFT_OK;
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed value type 0x%x", b);
}

static weft_status read_reftype(decoder *d, uint8_t *out)
{
    uint8_t b;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    if (b == 0x70) { *out = WEFT_FUNCREF; return WEFT_OK; }
    if (b == 0x6F) { *out = WEFT_EXTERNREF; return WEFT_OK; }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed reference type 0x%x", b);
}

static weft_status read_limits(decoder *d, weft_limits *lim, bool memory,
                               uint8_t *page_log2, bool *is64)
{
    uint8_t flags;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &flags));
    uint8_t allowed = memory ? 0x05 : 0x01;
    if (memory && (d->e->cfg.features & WEFT_FEATURE_CUSTOM_PAGE_SIZES))
        allowed |= 0x08;
    if (flags & ~allowed)
        return wu_error(d->err, WEFT_MALFORMED, at,
                        "integer too large (limits flags 0x%x%s)", flags,
                        memory && (flags & 0x02) ? ": shared memories are not supported"
                        : memory && (flags & 0x08) ? ": custom page sizes are disabled"
                                                   : "");
    bool m64 = (flags & 0x04) != 0;
    if (m64)
        return wu_error(d->err, WEFT_UNSUPPORTED, at,
                        "64-bit memories are not supported");
    lim->has_max = (flags & 1) != 0;
    uint32_t v;
    TRY(wr_u32(&d->r, &v));
    lim->min = v;
    lim->max = 0;
    if (lim->has_max) {
        TRY(wr_u32(&d->r, &v));
        lim->max = v;
    }
    if (page_log2) {
        *page_log2 = 16;
        if (flags & 0x08) {
            /* 2^lg must be a byte count (lg <= 64) to be a page size at
             * all; of those, only 1 byte and 64 KiB are valid. */
            uint32_t lg;
            size_t pat = d->r.pos;
            TRY(wr_u32(&d->r, &lg));
            if (lg > 64)
                return wu_error(d->err, WEFT_MALFORMED, pat,
                                "invalid custom page size (2^%u bytes)", lg);
            if (lg != 0 && lg != 16)
                return wu_error(d->err, WEFT_INVALID, pat,
                                "invalid custom page size (2^%u bytes; 1 or 65536 allowed)", lg);
            *page_log2 = (uint8_t)lg;
        }
    }
    if (is64)
        *is64 = m64;
    return WEFT_OK;
}

static weft_status check_limits(decoder *d, size_t at, const weft_limits *lim,
                                uint64_t range, const char *what)
{
    if (lim->min > range)
        return wu_error(d->err, WEFT_INVALID, at, "%s size must be at most %llu",
                        what, (unsigned long long)range);
    if (lim->has_max) {
        if (lim->max > range)
            return wu_error(d->err, WEFT_INVALID, at,
                            "%s size must be at most %llu", what,
                            (unsigned long long)range);
        if (lim->max < lim->min)
            return wu_error(d->err, WEFT_INVALID, at,
                            "size minimum must not be greater than maximum");
    }
    return WEFT_OK;
}

static weft_status read_tabletype(decoder *d, wm_table *t)
{
    TRY(read_reftype(d, &t->elem));
    size_t at = d->r.pos;
    TRY(read_limits(d, &t->limits, false, NULL, NULL));
    return check_limits(d, at, &t->limits, 0xFFFFFFFFull, "table");
}

static weft_status read_memtype(decoder *d, wm_memory *mt)
{
    size_t at = d->r.pos;
    TRY(read_limits(d, &mt->limits, true, &mt->page_log2, &mt->is64));
    uint64_t range = mt->page_log2 == 16 ? 65536ull : 0xFFFFFFFFull;
    return check_limits(d, at, &mt->limits, range, "memory");
}

static weft_status read_globaltype(decoder *d, wm_global *g)
{
    TRY(read_valtype(d, &g->type));
    uint8_t mut;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &mut));
    if (mut > 1)
        return bad(d, at, "malformed mutability");
    g->mutable_ = mut == 1;
    return WEFT_OK;
}

/* A tag type: attribute 0 (exception), then a function type index whose
 * results must be empty. */
static weft_status read_tagtype(decoder *d, wm_tag *t)
{
    uint8_t attr;
    size_t at = d->r.pos;
    if (!(d->e->cfg.features & WEFT_FEATURE_EXCEPTIONS))
        return wu_error(d->err, WEFT_UNSUPPORTED, at,
                        "tags (the exception-handling feature is off)");
    TRY(wr_byte(&d->r, &attr));
    if (attr != 0)
        return wu_error(d->err, WEFT_MALFORMED, at, "malformed tag attribute 0x%x", attr);
    uint32_t x;
    at = d->r.pos;
    TRY(wr_u32(&d->r, &x));
    if (x >= d->m->ntypes)
        return wu_error(d->err, WEFT_INVALID, at, "unknown type %u", x);
    if (d->m->types[x].nresults)
        return wu_error(d->err, WEFT_INVALID, at, "non-empty tag result type");
    t->type = d->m->type_canon[x];
    return WEFT_OK;
}

/* Copies a validated constant expression into the pool. */
static weft_status read_const_expr(decoder *d, uint8_t want, uint32_t *off,
                                   uint32_t *len)
{
    size_t start = d->r.pos, end;
    TRY(wl_const_expr(d->m, d->r.bytes, start, d->r.end, want,
                      d->m->nimported_globals, d->refs, &end, d->err));
    *len = (uint32_t)(end - start);
    *off = pool_put(d, d->r.bytes + start, *len, false);
    d->r.pos = end;
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Sections                                                          */
/* ---------------------------------------------------------------- */

static weft_status sec_type(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (type count)");
    m->types = grow_array(d, NULL, n, sizeof *m->types);
    m->type_canon = grow_array(d, NULL, n, sizeof *m->type_canon);
    /* every value type is at least one byte of the section */
    m->valtypes = grow_array(d, NULL, (uint32_t)(d->r.end - d->r.pos), sizeof *m->valtypes);
    if (!m->types || !m->type_canon || !m->valtypes)
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &form));
        if (form != 0x60)
            return wu_error(d->err, WEFT_MALFORMED, at,
                            "malformed function type form 0x%x", form);
        weft_functype *ft = &m->types[i];
        for (int part = 0; part < 2; part++) {
            uint32_t cnt;
            TRY(wr_u32(&d->r, &cnt));
            if (cnt > d->r.end - d->r.pos)
                return bad(d, d->r.pos, "unexpected end (value type count)");
            weft_valkind *vt = m->valtypes + m->nvaltypes;
            for (uint32_t k = 0; k < cnt; k++) {
                uint8_t t;
                TRY(read_valtype(d, &t));
                vt[k] = (weft_valkind)t;
            }
            m->nvaltypes += cnt;
            if (part == 0) { ft->nparams = cnt; ft->params = vt; }
            else { ft->nresults = cnt; ft->results = vt; }
        }
        m->ntypes = i + 1;
        m->type_canon[i] = i;
        for (uint32_t j = 0; j < i; j++) {
            const weft_functype *o = &m->types[j];
            if (o->nparams == ft->nparams && o->nresults == ft->nresults &&
                !memcmp(o->params, ft->params, ft->nparams * sizeof *ft->params) &&
                !memcmp(o->results, ft->results, ft->nresults * sizeof *ft->results)) {
                m->type_canon[i] = j;
                break;
            }
        }
    }
    return WEFT_OK;
}

static weft_status sec_import(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (import count)");
    m->imports = grow_array(d, NULL, n, sizeof *m->imports);
    /* imports come first in each index space: allocate the spaces at their
     * import size now; the later sections reallocate with the totals */
    m->funcs = grow_array(d, NULL, n, sizeof *m->funcs);
    m->tables = grow_array(d, NULL, n, sizeof *m->tables);
    m->mems = grow_array(d, NULL, n, sizeof *m->mems);
    m->globals = grow_array(d, NULL, n, sizeof *m->globals);
    m->tags = grow_array(d, NULL, n, sizeof *m->tags);
    if (!m->imports || !m->funcs || !m->tables || !m->mems || !m->globals || !m->tags)
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm_import *im = &m->imports[i];
        TRY(read_name(d, &im->module, &im->module_len));
        TRY(read_name(d, &im->name, &im->name_len));
        uint8_t kind;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &kind));
        im->kind = kind;
        switch (kind) {
        case 0x00: {
            uint32_t t;
            size_t tat = d->r.pos;
            TRY(wr_u32(&d->r, &t));
            if (t >= m->ntypes)
                return wu_error(d->err, WEFT_INVALID, tat, "unknown type %u", t);
            im->index = m->nfuncs;
            m->funcs[m->nfuncs++].type = m->type_canon[t];
            m->nimported_funcs++;
            break;
        }
        case 0x01:
            im->index = m->ntables;
            TRY(read_tabletype(d, &m->tables[m->ntables++]));
            m->nimported_tables++;
            break;
        case 0x02:
            im->index = m->nmems;
            TRY(read_memtype(d, &m->mems[m->nmems++]));
            m->nimported_mems++;
            break;
        case 0x03:
            im->index = m->nglobals;
            TRY(read_globaltype(d, &m->globals[m->nglobals++]));
            m->nimported_globals++;
            break;
        case 0x04:
            im->index = m->ntags;
            TRY(read_tagtype(d, &m->tags[m->ntags++]));
            m->nimported_tags++;
            break;
        default:
            return wu_error(d->err, WEFT_MALFORMED, at,
                            "malformed import kind 0x%x", kind);
        }
        m->nimports = i + 1;
    }
    return WEFT_OK;
}

/* Reallocates an index space to hold extra more entries. */
static void *extend(decoder *d, void *arr, uint32_t have, uint32_t extra, size_t sz)
{
    void *p = wu_alloc(d->e, sz * ((size_t)have + extra + 1));
    if (!p)
        return NULL;
    if (arr) {
        memcpy(p, arr, sz * have);
        wu_free(d->e, arr, 0);
    }
    return p;
}

static weft_status sec_function(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (function count)");
    wm_func *f = extend(d, m->funcs, m->nfuncs, n, sizeof *f);
    if (!f)
        return nomem(d);
    m->funcs = f;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        size_t at = d->r.pos;
        TRY(wr_u32(&d->r, &t));
        if (t >= m->ntypes)
            return wu_error(d->err, WEFT_INVALID, at, "unknown type %u", t);
        m->funcs[m->nfuncs++].type = m->type_canon[t];
    }
    d->nfunc_decls = n;
    return WEFT_OK;
}

static weft_status sec_table(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (table count)");
    wm_table *t = extend(d, m->tables, m->ntables, n, sizeof *t);
    if (!t)
        return nomem(d);
    m->tables = t;
    for (uint32_t i = 0; i < n; i++) {
        wm_table *tt = &m->tables[m->ntables];
        size_t at = d->r.pos;
        if (d->r.pos + 1 < d->r.end && d->r.bytes[d->r.pos] == 0x40) {
            /* table with an explicit initializer */
            if (d->r.bytes[d->r.pos + 1] != 0x00)
                return bad(d, at, "malformed table");
            d->r.pos += 2;
            TRY(read_tabletype(d, tt));
            TRY(read_const_expr(d, tt->elem, &tt->init_off, &tt->init_len));
        } else {
            TRY(read_tabletype(d, tt));
        }
        m->ntables++;
    }
    return WEFT_OK;
}

static weft_status sec_memory(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (memory count)");
    wm_memory *mm = extend(d, m->mems, m->nmems, n, sizeof *mm);
    if (!mm)
        return nomem(d);
    m->mems = mm;
    for (uint32_t i = 0; i < n; i++)
        TRY(read_memtype(d, &m->mems[m->nmems++]));
    return WEFT_OK;
}

static weft_status sec_tag(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (tag count)");
    wm_tag *t = extend(d, m->tags, m->ntags, n, sizeof *t);
    if (!t)
        return nomem(d);
    m->tags = t;
    for (uint32_t i = 0; i < n; i++)
        TRY(read_tagtype(d, &m->tags[m->ntags++]));
    return WEFT_OK;
}

static weft_status sec_global(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (global count)");
    wm_global *g = extend(d, m->globals, m->nglobals, n, sizeof *g);
    if (!g)
        return nomem(d);
    m->globals = g;
    for (uint32_t i = 0; i < n; i++) {
        wm_global *gg = &m->globals[m->nglobals];
        TRY(read_globaltype(d, gg));
        TRY(read_const_expr(d, gg->type, &gg->init_off, &gg->init_len));
        m->nglobals++;
    }
    return WEFT_OK;
}

static weft_status sec_export(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (export count)");
    m->exports = grow_array(d, NULL, n, sizeof *m->exports);
    if (!m->exports)
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm_export *ex = &m->exports[i];
        size_t nat = d->r.pos;
        TRY(read_name(d, &ex->name, &ex->name_len));
        uint8_t kind;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &kind));
        if (kind > 4)
            return wu_error(d->err, WEFT_MALFORMED, at,
                            "malformed export kind 0x%x", kind);
        ex->kind = kind;
        at = d->r.pos;
        TRY(wr_u32(&d->r, &ex->index));
        uint32_t limit = kind == 0 ? m->nfuncs : kind == 1 ? m->ntables
                       : kind == 2 ? m->nmems : kind == 3 ? m->nglobals : m->ntags;
        static const char *const what[] = {"function", "table", "memory", "global", "tag"};
        if (ex->index >= limit)
            return wu_error(d->err, WEFT_INVALID, at, "unknown %s %u",
                            what[kind], ex->index);
        if (kind == 0)
            d->refs[ex->index] = 1;
        for (uint32_t j = 0; j < i; j++)
            if (m->exports[j].name_len == ex->name_len &&
                !memcmp(m->exports[j].name, ex->name, ex->name_len))
                return wu_error(d->err, WEFT_INVALID, nat,
                                "duplicate export name \"%s\"", ex->name);
        m->nexports = i + 1;
    }
    return WEFT_OK;
}

static weft_status sec_start(decoder *d)
{
    weft_module *m = d->m;
    size_t at = d->r.pos;
    TRY(wr_u32(&d->r, &m->start));
    if (m->start >= m->nfuncs)
        return wu_error(d->err, WEFT_INVALID, at, "unknown function %u", m->start);
    const weft_functype *ft = &m->types[m->funcs[m->start].type];
    if (ft->nparams || ft->nresults)
        return invalid(d, at, "start function must have type [] -> []");
    return WEFT_OK;
}

static weft_status sec_elem(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    TRY(wr_u32(&d->r, &n));
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (element segment count)");
    m->elems = grow_array(d, NULL, n, sizeof *m->elems);
    if (!m->elems)
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm_elem *el = &m->elems[i];
        m->nelems = i + 1;  /* so a failure below frees this entry's items */
        uint32_t flags;
        size_t at = d->r.pos;
        TRY(wr_u32(&d->r, &flags));
        if (flags > 7)
            return wu_error(d->err, WEFT_MALFORMED, at,
                            "malformed elements segment kind %u", flags);
        el->mode = (flags & 1) ? ((flags & 2) ? WM_SEG_DECLARATIVE : WM_SEG_PASSIVE)
                               : WM_SEG_ACTIVE;
        el->exprs = (flags & 4) != 0;
        el->type = WEFT_FUNCREF;
        if (el->mode == WM_SEG_ACTIVE) {
            el->table = 0;
            size_t tat = d->r.pos;
            if (flags & 2)
                TRY(wr_u32(&d->r, &el->table));
            if (el->table >= m->ntables)
                return wu_error(d->err, WEFT_INVALID, tat, "unknown table %u",
                                el->table);
            TRY(read_const_expr(d, WEFT_I32, &el->offset_off, &el->offset_len));
        }
        if (flags & 3) {
            if (el->exprs) {
                TRY(read_reftype(d, &el->type));
            } else {
                uint8_t kind;
                size_t kat = d->r.pos;
                TRY(wr_byte(&d->r, &kind));
                if (kind != 0)
                    return wu_error(d->err, WEFT_MALFORMED, kat,
                                    "malformed element kind 0x%x", kind);
            }
        }
        if (el->mode == WM_SEG_ACTIVE && m->tables[el->table].elem != el->type)
            return wu_error(d->err, WEFT_INVALID, at, "type mismatch: element "
                            "segment of %s in a table of %s",
                            weft_valkind_name((weft_valkind)el->type),
                            weft_valkind_name((weft_valkind)m->tables[el->table].elem));
        TRY(wr_u32(&d->r, &el->count));
        if (el->count > d->r.end - d->r.pos)
            return bad(d, d->r.pos, "unexpected end (element count)");
        el->items = WU_NEW_ARRAY(d->e, uint32_t, el->count);
        if (!el->items)
            return nomem(d);
        for (uint32_t k = 0; k < el->count; k++) {
            if (el->exprs) {
                uint32_t len;
                TRY(read_const_expr(d, el->type, &el->items[k], &len));
            } else {
                size_t fat = d->r.pos;
                TRY(wr_u32(&d->r, &el->items[k]));
                if (el->items[k] >= m->nfuncs)
                    return wu_error(d->err, WEFT_INVALID, fat,
                                    "unknown function %u", el->items[k]);
                d->refs[el->items[k]] = 1;
            }
        }
    }
    return WEFT_OK;
}

static weft_status sec_code(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    size_t at = d->r.pos;
    TRY(wr_u32(&d->r, &n));
    if (n != d->nfunc_decls)
        return bad(d, at, "function and code section have inconsistent lengths");
    uint32_t cap = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        size_t sat = d->r.pos;
        TRY(wr_u32(&d->r, &size));
        if (size > d->r.end - d->r.pos)
            return bad(d, sat, "unexpected end (function body size)");
        size_t body_end = d->r.pos + size;
        TRY(wl_lower_function(m, m->nimported_funcs + i, d->r.bytes, d->r.pos,
                              body_end, d->refs, d->has_datacount, d->datacount, &m->code,
                              &m->code_len, &cap, d->err));
        d->r.pos = body_end;
    }
    /* trim the code buffer to its size */
    if (m->code && cap > m->code_len) {
        uint16_t *c = wu_realloc(d->e, m->code, cap * sizeof(uint16_t),
                                 (m->code_len ? m->code_len : 1) * sizeof(uint16_t));
        if (c)
            m->code = c;
    }
    return WEFT_OK;
}

static weft_status sec_data(decoder *d)
{
    weft_module *m = d->m;
    uint32_t n;
    size_t at = d->r.pos;
    TRY(wr_u32(&d->r, &n));
    if (d->has_datacount && n != d->datacount)
        return bad(d, at, "data count and data section have inconsistent lengths");
    if (n > d->r.end - d->r.pos)
        return bad(d, d->r.pos, "unexpected end (data segment count)");
    m->datas = grow_array(d, NULL, n, sizeof *m->datas);
    if (!m->datas)
        return nomem(d);
    for (uint32_t i = 0; i < n; i++) {
        wm_data *ds = &m->datas[i];
        uint32_t flags;
        size_t fat = d->r.pos;
        TRY(wr_u32(&d->r, &flags));
        if (flags > 2)
            return wu_error(d->err, WEFT_MALFORMED, fat,
                            "malformed data segment kind %u", flags);
        ds->mode = flags == 1 ? WM_SEG_PASSIVE : WM_SEG_ACTIVE;
        if (ds->mode == WM_SEG_ACTIVE) {
            size_t mat = d->r.pos;
            if (flags == 2)
                TRY(wr_u32(&d->r, &ds->memory));
            if (ds->memory >= m->nmems)
                return wu_error(d->err, WEFT_INVALID, mat, "unknown memory %u",
                                ds->memory);
            TRY(read_const_expr(d, WEFT_I32, &ds->offset_off, &ds->offset_len));
        }
        uint32_t len;
        size_t lat = d->r.pos;
        TRY(wr_u32(&d->r, &len));
        if (len > d->r.end - d->r.pos)
            return bad(d, lat, "unexpected end of section or function");
        ds->bytes_len = len;
        ds->bytes_off = pool_put(d, d->r.bytes + d->r.pos, len, false);
        d->r.pos += len;
        m->ndatas = i + 1;
    }
    return WEFT_OK;
}

/* Section order rank; 0 for unknown ids. */
static int section_rank(uint8_t id)
{
    switch (id) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9:
        return 2 * id;
    case 13: return 11;   /* tag sits between memory and global */
    case 12: return 19;   /* data count sits between element and code */
    case 10: return 20;
    case 11: return 22;
    }
    return 0;
}

weft_status weft_module_new(weft_engine *engine, const uint8_t *bytes,
                            size_t len, weft_module **out, weft_error *err)
{
    wu_error_clear(err);
    if (!out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "out is NULL");
    *out = NULL;
    if (!engine || (!bytes && len))
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "engine or bytes is NULL");
    if (len > 0xFFFFFFF0u)
        return wu_error(err, WEFT_LIMIT, WEFT_NO_OFFSET, "module too large");

    weft_module *m = wu_alloc(engine, sizeof *m);
    if (!m)
        return wu_error(err, WEFT_NOMEM, 0, "out of memory");
    m->engine = engine;
    m->start = UINT32_MAX;
    m->pool = wu_alloc(engine, len + 16);
    if (!m->pool) {
        wu_free(engine, m, sizeof *m);
        return wu_error(err, WEFT_NOMEM, 0, "out of memory");
    }

    decoder d;
    memset(&d, 0, sizeof d);
    d.m = m;
    d.e = engine;
    d.err = err;
    d.r.bytes = bytes;
    d.r.pos = 0;
    d.r.end = len;
    d.r.err = err;

    weft_status st = WEFT_OK;
    uint8_t magic[4];
    uint32_t version;
    static const uint8_t want_magic[4] = {0, 'a', 's', 'm'};
    if (len < 4 || (memcpy(magic, bytes, 4), memcmp(magic, want_magic, 4) != 0)) {
        st = wu_error(err, WEFT_MALFORMED, 0, len < 4 ? "unexpected end (magic header)"
                                                       : "magic header not detected");
        goto fail;
    }
    if (len < 8) {
        st = wu_error(err, WEFT_MALFORMED, 4, "unexpected end (version)");
        goto fail;
    }
    version = (uint32_t)bytes[4] | (uint32_t)bytes[5] << 8 |
              (uint32_t)bytes[6] << 16 | (uint32_t)bytes[7] << 24;
    if (version != 1) {
        st = wu_error(err, WEFT_MALFORMED, 4, "unknown binary version %u", version);
        goto fail;
    }
    d.r.pos = 8;

    int last_rank = 0;
    bool saw_code = false;
    while (d.r.pos < len) {
        uint8_t id;
        size_t id_at = d.r.pos;
        if ((st = wr_byte(&d.r, &id)))
            goto fail;
        uint32_t size;
        if ((st = wr_u32(&d.r, &size)))
            goto fail;
        if (size > len - d.r.pos) {
            st = wu_error(err, WEFT_MALFORMED, d.r.pos,
                          "section size out of bounds (unexpected end)");
            goto fail;
        }
        size_t sec_end = d.r.pos + size;
        if (id == 0) {
            /* custom section: a name, then anything */
            d.r.end = sec_end;
            st = read_name(&d, NULL, NULL);
            d.r.end = len;
            if (st)
                goto fail;
            d.r.pos = sec_end;
            continue;
        }
        int rank = section_rank(id);
        if (rank == 0) {
            st = wu_error(err, WEFT_MALFORMED, id_at, "malformed section id %u", id);
            goto fail;
        }
        if (rank <= last_rank) {
            st = wu_error(err, WEFT_MALFORMED, id_at,
                          "unexpected content after last section (section %u out of order)", id);
            goto fail;
        }
        last_rank = rank;
        if (id == 9 || id == 10 || id == 7 || id == 6) {
            if (!d.refs) {
                d.refs = wu_alloc(engine, (size_t)m->nfuncs + 1);
                if (!d.refs) {
                    st = nomem(&d);
                    goto fail;
                }
            }
        }
        d.r.end = sec_end;
        switch (id) {
        case 1: st = sec_type(&d); break;
        case 2: st = sec_import(&d); break;
        case 3: st = sec_function(&d); break;
        case 4: st = sec_table(&d); break;
        case 5: st = sec_memory(&d); break;
        case 6: st = sec_global(&d); break;
        case 7: st = sec_export(&d); break;
        case 8: st = sec_start(&d); break;
        case 9: st = sec_elem(&d); break;
        case 10: st = sec_code(&d); saw_code = true; break;
        case 11: st = sec_data(&d); break;
        case 13: st = sec_tag(&d); break;
        case 12:
            st = wr_u32(&d.r, &d.datacount);
            d.has_datacount = true;
            break;
        }
        if (st)
            goto fail;
        if (d.r.pos != sec_end) {
            st = wu_error(err, WEFT_MALFORMED, d.r.pos, "section size mismatch");
            goto fail;
        }
        d.r.end = len;
    }
    if (!saw_code && d.nfunc_decls != 0) {
        st = wu_error(err, WEFT_MALFORMED, len,
                      "function and code section have inconsistent lengths");
        goto fail;
    }
    if (m->nmems > 1 && !(engine->cfg.features & WEFT_FEATURE_MULTI_MEMORY)) {
        st = wu_error(err, WEFT_INVALID, WEFT_NO_OFFSET,
                      "multiple memories (the multi-memory feature is off)");
        goto fail;
    }
    if (d.has_datacount && d.datacount != m->ndatas) {
        st = wu_error(err, WEFT_MALFORMED, len,
                      "data count and data section have inconsistent lengths");
        goto fail;
    }
#ifdef WEFT_OPCODE_SET
    /* a build with an instruction subset refuses what it cannot run */
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        uint32_t at;
        const wm_func *f = &m->funcs[i];
        if (!wm_code_in_opset(m->code, f->code_off, f->code_off + f->code_len, &at)) {
            char opname[16];
            st = wu_error(err, WEFT_UNSUPPORTED, WEFT_NO_OFFSET,
                          "function %u needs instruction %s, %s", i,
                          wm_opcode_label(m->code[at], opname), wm_not_in_opset);
            goto fail;
        }
    }
#endif
    wu_free(engine, d.refs, 0);
    *out = m;
    return WEFT_OK;
fail:
    wu_free(engine, d.refs, 0);
    weft_module_delete(m);
    return st;
}
