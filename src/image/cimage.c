/* cimage.c - precompiled component images.
 *
 * Sections (after the common header, see image.c):
 *   1 info      u32 ntypes, nresource_ids, ncomps, nmodules, strings_len
 *   2 strings   every name and label, NUL-terminated (used in place)
 *   3 types     a number stream: each arena entry from WC_NPRIM on
 *   4 comps     a number stream: the component tree in preorder
 *   5 modules   u32 count, {u32 offset, u32 size} each, then module images
 *               (8-byte aligned, loaded in place)
 * Names are offsets into the strings section; NONE is 0xFFFFFFFF. A number
 * stream holds u32 values, each as the unsigned LEB128 of value + 1 (mod
 * 2^32), so that the frequent 0xFFFFFFFF (none) and small values take one
 * byte; a u64 is two of them, low half first. Identical strings are
 * stored once. */
#include "image/image_int.h"
#include "component/component.h"

enum { CS_INFO = 1, CS_STRINGS, CS_TYPES, CS_COMPS, CS_MODULES, CS_COUNT_ };
#define NO_STR 0xFFFFFFFFu

/* ---------------------------------------------------------------- */
/* Writer                                                            */
/* ---------------------------------------------------------------- */

typedef struct cw {
    const weft_component *c;
    obuf str;                 /* strings */
    obuf s;                   /* the number stream being written */
    const wc_comp **comps;    /* preorder */
    uint32_t ncomps, capcomps;
    bool oom;
} cw;

static uint32_t str_ref(cw *w, const char *p)
{
    if (!p)
        return NO_STR;
    /* a string written before is shared */
    size_t n = strlen(p) + 1;
    for (size_t at = 0; at < w->str.len;) {
        const char *q = (const char *)w->str.p + at;
        size_t qn = strlen(q) + 1;
        if (qn == n && memcmp(q, p, n) == 0)
            return (uint32_t)at;
        at += qn;
    }
    uint32_t off = (uint32_t)w->str.len;
    put(&w->str, p, strlen(p) + 1);
    return off;
}

static void collect(cw *w, const wc_comp *c)
{
    if (w->ncomps == w->capcomps) {
        uint32_t nc = w->capcomps ? w->capcomps * 2 : 8;
        const wc_comp **p = wu_realloc(w->c->engine, (void *)w->comps,
                                       w->capcomps * sizeof *p, nc * sizeof *p);
        if (!p) {
            w->oom = true;
            return;
        }
        w->comps = p;
        w->capcomps = nc;
    }
    w->comps[w->ncomps++] = c;
    for (uint32_t i = 0; i < c->nchildren; i++)
        collect(w, c->children[i]);
}

static uint32_t comp_index(const cw *w, const wc_comp *c)
{
    for (uint32_t i = 0; c && i < w->ncomps; i++)
        if (w->comps[i] == c)
            return i;
    return NO_STR;
}

static void put_decls(cw *w, const wc_decl *d, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        put_num(&w->s, str_ref(w, d[i].name));
        put_num(&w->s, d[i].sort);
        put_num(&w->s, d[i].type);
    }
}

static void put_externs(cw *w, const wc_extern *x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        put_num(&w->s, str_ref(w, x[i].name));
        put_num(&w->s, x[i].space);
        put_num(&w->s, x[i].type);
        put_num(&w->s, x[i].idx);
    }
}

weft_status weft_component_serialize(const weft_component *c, uint8_t **out, size_t *len,
                                     weft_error *err)
{
    wu_error_clear(err);
    if (!c || !out || !len)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "NULL argument");
    *out = NULL;
    *len = 0;
    const weft_engine *e = c->engine;
    cw w;
    memset(&w, 0, sizeof w);
    w.c = c;
    w.str.e = w.s.e = e;
    collect(&w, c->root);

    /* types */
    obuf types = {e, NULL, 0, 0, false};
    w.s = types;
    const wc_types *a = &c->types;
    for (uint32_t id = WC_NPRIM; id < a->n; id++) {
        const weft_ctype *t = a->v[id];
        put_num(&w.s, t->kind);
        put_num(&w.s, t->n);
        put_num(&w.s, t->elem);
        put_num(&w.s, t->err);
        put_num(&w.s, t->nimports);
        put_num(&w.s, t->nexports);
        put_num(&w.s, t->rep | (uint32_t)t->abstract << 8 | (uint32_t)(t->elems != NULL) << 9 |
                    (uint32_t)(t->labels != NULL) << 10);
        put_num64(&w.s, (uint64_t)t->dtor);
        put_num(&w.s, t->resource_id);
        for (uint32_t i = 0; t->elems && i < t->n; i++)
            put_num(&w.s, t->elems[i]);
        for (uint32_t i = 0; t->labels && i < t->n; i++)
            put_num(&w.s, str_ref(&w, t->labels[i]));
        put_decls(&w, t->imports, t->nimports);
        put_decls(&w, t->exports, t->nexports);
    }
    types = w.s;

    /* component tree */
    obuf comps = {e, NULL, 0, 0, false};
    w.s = comps;
    for (uint32_t ci = 0; ci < w.ncomps; ci++) {
        const wc_comp *k = w.comps[ci];
        put_num(&w.s, k->ndefs);
        for (int i = 0; i < WC_IS_COUNT; i++)
            put_num(&w.s, k->count[i]);
        put_num(&w.s, k->nimports);
        put_num(&w.s, k->nexports);
        put_num(&w.s, k->nchildren);
        put_num(&w.s, k->nlocal_res);
        for (uint32_t i = 0; i < k->ndefs; i++) {
            const wc_def *d = &k->defs[i];
            put_num(&w.s, d->op | (uint32_t)d->space << 8 | (uint32_t)d->opts.encoding << 16);
            put_num(&w.s, d->a);
            put_num(&w.s, str_ref(&w, d->name));
            put_num(&w.s, d->nargs);
            put_num(&w.s, d->type);
            put_num64(&w.s, (uint64_t)d->opts.memory);
            put_num64(&w.s, (uint64_t)d->opts.realloc);
            put_num64(&w.s, (uint64_t)d->opts.post_return);
            put_num(&w.s, comp_index(&w, d->comp));
            put_num(&w.s, d->module);
            put_num(&w.s, d->outer_count);
            put_num(&w.s, d->outer_idx);
            for (uint32_t j = 0; j < d->nargs; j++) {
                put_num(&w.s, str_ref(&w, d->args[j].name));
                put_num(&w.s, d->args[j].space);
                put_num(&w.s, d->args[j].idx);
            }
        }
        put_externs(&w, k->imports, k->nimports);
        put_externs(&w, k->exports, k->nexports);
        for (uint32_t i = 0; i < k->nchildren; i++)
            put_num(&w.s, comp_index(&w, k->children[i]));
        for (uint32_t i = 0; i < k->nlocal_res; i++)
            put_num(&w.s, k->local_res[i]);
    }
    comps = w.s;

    /* modules */
    obuf mods = {e, NULL, 0, 0, false};
    put32(&mods, c->nmodules);
    size_t table = mods.len;
    for (uint32_t i = 0; i < c->nmodules; i++) {
        put32(&mods, 0);
        put32(&mods, 0);
    }
    weft_status st = WEFT_OK;
    for (uint32_t i = 0; i < c->nmodules && !st; i++) {
        uint8_t *img;
        size_t ilen;
        align8(&mods);
        size_t at = mods.len;
        st = weft_module_serialize(c->modules[i], &img, &ilen, err);
        if (st)
            break;
        put(&mods, img, ilen);
        weft_image_free((weft_engine *)e, img, ilen);
        set32(&mods, table + i * 8, (uint32_t)at);
        set32(&mods, table + i * 8 + 4, (uint32_t)ilen);
    }

    bool oom = w.oom || w.str.oom || types.oom || comps.oom || mods.oom;
    if (!st && oom)
        st = wu_error(err, WEFT_NOMEM, WEFT_NO_OFFSET, "out of memory writing an image");
    if (!st) {
        uint8_t info[20];
        obuf ib = {e, info, 0, sizeof info, false};
        const uint32_t iv[5] = {a->n, c->nresource_ids, w.ncomps, c->nmodules,
                                (uint32_t)w.str.len};
        for (int i = 0; i < 5; i++)
            set32(&ib, (size_t)i * 4, iv[i]);
        const img_sec secs[] = {
            {CS_INFO, info, sizeof info}, {CS_STRINGS, w.str.p, w.str.len},
            {CS_TYPES, types.p, types.len}, {CS_COMPS, comps.p, comps.len},
            {CS_MODULES, mods.p, mods.len},
        };
        st = img_write(e, IMG_KIND_COMPONENT, secs, CS_COUNT_ - 1, out, len, err);
    }
    wu_free(e, (void *)w.comps, 0);
    wu_free(e, w.str.p, 0);
    wu_free(e, types.p, 0);
    wu_free(e, comps.p, 0);
    wu_free(e, mods.p, 0);
    return st;
}

/* ---------------------------------------------------------------- */
/* Loader                                                            */
/* ---------------------------------------------------------------- */

typedef struct cr {
    const uint8_t *p;
    size_t pos, end;
    bool bad;
    const char *strings;
    uint32_t strings_len;
} cr;

/* One value of a number stream (see the top of the file). */
static uint32_t g32(cr *r)
{
    return img_num(r->p, &r->pos, r->end, &r->bad);
}

static uint64_t g64(cr *r)
{
    uint64_t lo = g32(r);
    return lo | (uint64_t)g32(r) << 32;
}

/* A string reference; NULL for NO_STR, and marks the reader bad when it
 * is out of range or not terminated. */
static const char *gstr(cr *r)
{
    uint32_t off = g32(r);
    if (off == NO_STR)
        return NULL;
    if (off >= r->strings_len) {
        r->bad = true;
        return "";
    }
    if (!memchr(r->strings + off, 0, r->strings_len - off)) {
        r->bad = true;
        return "";
    }
    return r->strings + off;
}

/* A name that must be there (labels, import and export names). */
static const char *gname(cr *r)
{
    const char *s = gstr(r);
    if (!s) {
        r->bad = true;
        return "";
    }
    return s;
}

static weft_status cbad(weft_error *err, const char *what)
{
    return wu_error(err, WEFT_MALFORMED, WEFT_NO_OFFSET, "component image has an invalid %s", what);
}

weft_status weft_component_from_image(weft_engine *engine, const uint8_t *img, size_t len,
                                      weft_component **out, weft_error *err)
{
    wu_error_clear(err);
    if (!out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "out is NULL");
    *out = NULL;
    if (!engine || !img)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "engine or image is NULL");
    uint32_t off[CS_COUNT_] = {0}, size[CS_COUNT_] = {0};
    weft_status st = img_check(engine, img, len, IMG_KIND_COMPONENT, CS_COUNT_ - 1, off, size, true, err);
    if (st)
        return st;
    if (size[CS_INFO] != 20)
        return cbad(err, "info section");
    const uint8_t *info = img + off[CS_INFO];
    uint32_t ntypes = rd32(info), nres = rd32(info + 4), ncomps = rd32(info + 8);
    uint32_t nmodules = rd32(info + 12), slen = rd32(info + 16);
    if (slen != size[CS_STRINGS] || ntypes < WC_NPRIM || ncomps == 0 ||
        ntypes > size[CS_TYPES] + WC_NPRIM || ncomps > size[CS_COMPS] + 1 ||
        nmodules > size[CS_MODULES] / 8 || nres > ntypes)   /* one id per resource type */
        return cbad(err, "info section");

    weft_component *c = wu_alloc(engine, sizeof *c);
    if (!c)
        return wu_error(err, WEFT_NOMEM, 0, "out of memory");
    c->engine = engine;
    c->nresource_ids = nres;
    if ((st = wc_types_init(&c->types, engine))) {
        wu_free(engine, c, sizeof *c);
        return wu_error(err, st, 0, "out of memory");
    }
    wc_comp **comps = NULL;
    cr r = {img + off[CS_TYPES], 0, size[CS_TYPES], false,
            (const char *)img + off[CS_STRINGS], slen};
    const char *what = NULL;

    /* types */
    for (uint32_t id = WC_NPRIM; id < ntypes && !r.bad; id++) {
        uint32_t kind = g32(&r);
        if (kind > WC_K_CORE_FUNC) {
            what = "type kind";
            goto bad;
        }
        wc_tid t = wc_type_new(&c->types, (uint8_t)kind);
        if (t != id)
            goto nomem;
        weft_ctype *ty = wc_type(&c->types, t);
        ty->n = g32(&r);
        ty->elem = g32(&r);
        ty->err = g32(&r);
        ty->nimports = g32(&r);
        ty->nexports = g32(&r);
        uint32_t flags = g32(&r);
        ty->rep = (uint8_t)flags;
        ty->abstract = (flags >> 8) & 1;
        ty->dtor = (int64_t)g64(&r);
        ty->resource_id = g32(&r);
        if (r.bad || ty->n > r.end || ty->nimports > r.end / 3 || ty->nexports > r.end / 3) {
            what = "type";
            goto bad;
        }
        if (flags & (1u << 9)) {
            ty->elems = wc_component_alloc(c, (ty->n + 1) * sizeof(wc_tid));
            if (!ty->elems)
                goto nomem;
            for (uint32_t i = 0; i < ty->n; i++)
                ty->elems[i] = g32(&r);
        }
        if (flags & (1u << 10)) {
            ty->labels = wc_component_alloc(c, (ty->n + 1) * sizeof(char *));
            if (!ty->labels)
                goto nomem;
            for (uint32_t i = 0; i < ty->n; i++)
                ty->labels[i] = gname(&r);
        }
        for (int part = 0; part < 2; part++) {
            uint32_t n = part ? ty->nexports : ty->nimports;
            wc_decl *d = wc_component_alloc(c, (n + 1) * sizeof(wc_decl));
            if (!d)
                goto nomem;
            for (uint32_t i = 0; i < n; i++) {
                d[i].name = gname(&r);
                d[i].sort = (uint8_t)g32(&r);
                d[i].type = g32(&r);
            }
            if (part)
                ty->exports = d;
            else
                ty->imports = d;
        }
    }
    if (r.bad || r.pos != r.end) {
        what = "types section";
        goto bad;
    }
    /* every type reference must name an entry */
    for (uint32_t id = WC_NPRIM; id < ntypes; id++) {
        const weft_ctype *ty = wc_type(&c->types, id);
        bool ok = (ty->elem == WC_NONE || ty->elem < ntypes) && (ty->err == WC_NONE || ty->err < ntypes);
        for (uint32_t i = 0; ok && ty->elems && i < ty->n; i++)
            ok = ty->elems[i] == WC_NONE || ty->elems[i] < ntypes;
        for (uint32_t i = 0; ok && i < ty->nimports; i++)
            ok = ty->imports[i].sort == WC_SORT_CORE_MODULE || ty->imports[i].type < ntypes;
        for (uint32_t i = 0; ok && i < ty->nexports; i++)
            ok = ty->exports[i].sort == WC_SORT_CORE_MODULE || ty->exports[i].type < ntypes;
        if (ty->kind == WC_K_RESOURCE && ty->resource_id >= nres)
            ok = false;
        /* the kinds that name their parts need the arrays */
        bool need_elems = ty->kind == WEFT_C_RECORD || ty->kind == WEFT_C_VARIANT ||
                          ty->kind == WEFT_C_TUPLE || ty->kind == WC_K_FUNC;
        bool need_labels = ty->kind == WEFT_C_RECORD || ty->kind == WEFT_C_VARIANT ||
                           ty->kind == WEFT_C_FLAGS || ty->kind == WEFT_C_ENUM ||
                           ty->kind == WC_K_FUNC;
        if (!ok || (ty->n && ((need_elems && !ty->elems) || (need_labels && !ty->labels)))) {
            what = "type reference";
            goto bad;
        }
    }
    for (uint32_t id = WC_NPRIM; id < ntypes; id++)
        if (wc_type(&c->types, id)->kind < WEFT_C_KIND_COUNT_)
            wc_type_layout(&c->types, id);

    /* modules */
    c->modules = WU_NEW_ARRAY(engine, weft_module *, nmodules + 1);
    if (!c->modules)
        goto nomem;
    c->cap_modules = nmodules + 1;
    {
        const uint8_t *ms = img + off[CS_MODULES];
        uint32_t msize = size[CS_MODULES];
        if (msize < 4 || rd32(ms) != nmodules || 4 + (uint64_t)nmodules * 8 > msize) {
            what = "modules section";
            goto bad;
        }
        for (uint32_t i = 0; i < nmodules; i++) {
            uint32_t mo = rd32(ms + 4 + i * 8), ml = rd32(ms + 8 + i * 8);
            if (mo > msize || ml > msize - mo || ((off[CS_MODULES] + mo) & 7)) {
                what = "module entry";
                goto bad;
            }
            /* the component's checksum already covers its modules */
            st = img_load_module(engine, ms + mo, ml, false, &c->modules[i], err);
            if (st)
                goto fail;
            c->nmodules = i + 1;
        }
    }

    /* the component tree */
    comps = WU_NEW_ARRAY(engine, wc_comp *, ncomps);
    if (!comps)
        goto nomem;
    for (uint32_t i = 0; i < ncomps; i++) {
        comps[i] = wu_alloc(engine, sizeof(wc_comp));
        if (!comps[i])
            goto nomem;
    }
    c->root = comps[0];
    r.p = img + off[CS_COMPS];
    r.pos = 0;
    r.end = size[CS_COMPS];
    bool *is_child = WU_NEW_ARRAY(engine, bool, ncomps);
    if (!is_child)
        goto nomem;
    for (uint32_t ci = 0; ci < ncomps && !r.bad; ci++) {
        wc_comp *k = comps[ci];
        uint32_t ndefs = g32(&r);
        for (int i = 0; i < WC_IS_COUNT; i++)
            k->count[i] = g32(&r);
        uint32_t ni = g32(&r), nx = g32(&r), nch = g32(&r), nlr = g32(&r);
        if (r.bad || ndefs > r.end || ni > r.end / 4 || nx > r.end / 4 || nch > ncomps ||
            nlr > r.end) {
            what = "component";
            break;
        }
        for (int i = 0; i < WC_IS_COUNT; i++)
            if (k->count[i] > ndefs) {
                what = "index space size";
                break;
            }
        if (what)
            break;
        k->defs = wu_alloc(engine, (ndefs + 1) * sizeof(wc_def));
        k->cap_defs = ndefs + 1;
        k->imports = wu_alloc(engine, (ni + 1) * sizeof(wc_extern));
        k->cap_imports = ni + 1;
        k->exports = wu_alloc(engine, (nx + 1) * sizeof(wc_extern));
        k->cap_exports = nx + 1;
        k->children = wu_alloc(engine, (nch + 1) * sizeof(wc_comp *));
        k->cap_children = nch + 1;
        k->local_res = wc_component_alloc(c, (nlr + 1) * sizeof(uint32_t));
        if (!k->defs || !k->imports || !k->exports || !k->children || !k->local_res) {
            wu_free(engine, is_child, 0);
            goto nomem;
        }
        for (uint32_t i = 0; i < ndefs && !r.bad; i++) {
            wc_def *d = &k->defs[i];
            uint32_t f = g32(&r);
            d->op = (uint8_t)f;
            d->space = (uint8_t)(f >> 8);
            d->opts.encoding = (uint8_t)(f >> 16);
            d->a = g32(&r);
            d->name = gstr(&r);
            d->nargs = g32(&r);
            d->type = g32(&r);
            d->opts.memory = (int64_t)g64(&r);
            d->opts.realloc = (int64_t)g64(&r);
            d->opts.post_return = (int64_t)g64(&r);
            uint32_t cidx = g32(&r);
            d->module = g32(&r);
            d->outer_count = g32(&r);
            d->outer_idx = g32(&r);
            if (r.bad || d->op > WC_D_EXPORT || d->space >= WC_IS_COUNT || d->nargs > r.end / 3 ||
                (cidx != NO_STR && cidx >= ncomps) ||
                (d->type != WC_NONE && d->type >= ntypes && d->space != WC_IS_CORE_MODULE &&
                 d->space != WC_IS_CORE_TYPE) ||
                d->opts.encoding > WC_LATIN1_UTF16 ||
                ((d->op == WC_D_CORE_MODULE || (d->op == WC_D_ALIAS_OUTER && d->space == WC_IS_CORE_MODULE &&
                                                !(d->module & 0x80000000u))) && d->module >= nmodules)) {
                what = "definition";
                break;
            }
            d->comp = cidx == NO_STR ? NULL : comps[cidx];
            d->args = wc_component_alloc(c, (d->nargs + 1) * sizeof(wc_arg));
            if (!d->args) {
                wu_free(engine, is_child, 0);
                goto nomem;
            }
            for (uint32_t j = 0; j < d->nargs; j++) {
                d->args[j].name = gname(&r);
                d->args[j].space = (uint8_t)g32(&r);
                d->args[j].idx = g32(&r);
                if (d->args[j].space >= WC_IS_COUNT ||
                    (d->op == WC_D_CORE_EXPORTS && d->args[j].space > WC_IS_CORE_TAG))
                    r.bad = true;
            }
            k->ndefs = i + 1;
        }
        if (what || r.bad)
            break;
        for (int part = 0; part < 2; part++) {
            uint32_t n = part ? nx : ni;
            wc_extern *x = part ? k->exports : k->imports;
            for (uint32_t i = 0; i < n; i++) {
                x[i].name = gname(&r);
                x[i].space = (uint8_t)g32(&r);
                x[i].type = g32(&r);
                x[i].idx = g32(&r);
                if (x[i].space >= WC_IS_COUNT ||
                    (x[i].type != WC_NONE && x[i].type >= ntypes &&
                     x[i].space != WC_IS_CORE_MODULE && x[i].space != WC_IS_CORE_TYPE))
                    r.bad = true;
            }
        }
        k->nimports = ni;
        k->nexports = nx;
        for (uint32_t i = 0; i < nch; i++) {
            uint32_t child = g32(&r);
            if (child == 0 || child >= ncomps || is_child[child]) {
                r.bad = true;
                break;
            }
            is_child[child] = true;
            k->children[i] = comps[child];
            k->nchildren = i + 1;
        }
        for (uint32_t i = 0; i < nlr; i++)
            k->local_res[i] = g32(&r);
        k->nlocal_res = nlr;
    }
    /* every component but the root is some component's child */
    for (uint32_t i = 1; !what && !r.bad && i < ncomps; i++)
        if (!is_child[i])
            what = "component tree";
    wu_free(engine, is_child, 0);
    if (what || r.bad || r.pos != r.end) {
        if (!what)
            what = "components section";
        /* free the components not yet linked into the tree */
        goto bad_tree;
    }
    wu_free(engine, comps, 0);
    *out = c;
    return WEFT_OK;

bad_tree:
    /* comps[0] is the root; the others are reachable only through comps */
    for (uint32_t i = 1; i < ncomps; i++)
        if (comps[i])
            comps[i]->nchildren = 0;
    for (uint32_t i = 0; i < ncomps; i++) {
        if (!comps[i])
            continue;
        comps[i]->nchildren = 0;
    }
    for (uint32_t i = 1; i < ncomps; i++) {
        wc_comp *k = comps[i];
        if (!k)
            continue;
        wu_free(engine, k->defs, 0);
        wu_free(engine, k->imports, 0);
        wu_free(engine, k->exports, 0);
        wu_free(engine, k->children, 0);
        wu_free(engine, k, sizeof *k);
    }
    wu_free(engine, comps, 0);
    comps = NULL;
    st = cbad(err, what);
    goto fail_tree_freed;
nomem:
    st = wu_error(err, WEFT_NOMEM, 0, "out of memory loading a component image");
    goto fail;
bad:
    st = cbad(err, what);
fail:
    if (comps) {
        for (uint32_t i = 1; i < ncomps; i++) {
            wc_comp *k = comps[i];
            if (!k)
                continue;
            k->nchildren = 0;
            wu_free(engine, k->defs, 0);
            wu_free(engine, k->imports, 0);
            wu_free(engine, k->exports, 0);
            wu_free(engine, k->children, 0);
            wu_free(engine, k, sizeof *k);
        }
        if (c->root)
            c->root->nchildren = 0;
        wu_free(engine, comps, 0);
    }
fail_tree_freed:
    if (c->root)
        c->root->nchildren = 0;
    weft_component_delete(c);
    return st;
}
