/* cdecode.c - decoding and validation of component binaries. */
#include "component/component.h"

#define TRY(x) do { weft_status s_ = (x); if (s_ != WEFT_OK) return s_; } while (0)

/* ---------------------------------------------------------------- */
/* Decoder state                                                     */
/* ---------------------------------------------------------------- */

/* A core function type seen by validation. */
typedef struct core_ft {
    uint8_t np, nr;
    uint8_t p[WC_MAX_FLAT_PARAMS + 1], r[2];
    bool big;   /* more parameters than we record: only arity checks */
    uint32_t full_np;
} core_ft;

/* A core module type: its imports and exports. Core type space entries
 * are CT_FUNC(i) (index into cfts) or CT_MOD(i) (index into cmts); core
 * module space entries are module indices, or CT_MOD(i) for a module known
 * only by its type (an import). */
#define CT_MOD_BIT 0x80000000u
#define CT_MOD(i) (CT_MOD_BIT | (i))
typedef struct core_modtype {
    uint32_t nimports, nexports;
    const char **imodule, **iname, **ename;
    uint8_t *ikind, *ekind;
    uint32_t *itype, *etype;   /* funcs: index into cfts */
} core_modtype;

/* A core table, memory or global as validation sees it. Core table,
 * memory and global space entries (and the types of such exports) are
 * indices into cexts; core funcs are indices into cfts. */
typedef struct cext {
    uint8_t kind;        /* WEFT_EXTERN_* */
    uint8_t vt;          /* table element or global value type */
    bool mut, shared;
    uint8_t page_log2;   /* memories: 16, or 0 for 1-byte pages */
    weft_limits lim;
} cext;

/* What validation knows of a core instance: its exports. */
typedef struct core_inst_info {
    uint32_t n;
    const char **names;
    uint8_t *sorts;          /* core sort of each export */
    uint32_t *types;         /* core funcs: index into cfts; else 0 */
} core_inst_info;

/* Entries of an index space: for type-ish spaces an arena id, for core
 * funcs an index into cfts, for core instances an index into cinsts, for
 * core modules a module index. */
typedef struct space {
    uint32_t *v;
    uint32_t n, cap;
} space;

enum { SC_COMPONENT, SC_COMPONENT_TYPE, SC_INSTANCE_TYPE };

typedef struct scope {
    struct scope *parent;
    uint8_t kind;
    wc_comp *comp;                /* SC_COMPONENT */
    space sp[WC_IS_COUNT];
    /* the definition behind each entry of the component space (NULL for
     * imported components) */
    wc_comp **comps;
    uint32_t ncomps, cap_comps;
    /* names seen, for uniqueness */
    const char **import_names, **export_names;
    uint32_t nimport_names, nexport_names, cap_in, cap_en;
    /* types named in this scope by an import (NAMED_IMPORT) or export
     * (NAMED_EXPORT): only through them may records, variants, enums, flags
     * and resources appear in the types of this scope's imports/exports */
    wc_tid *named_ids;
    uint8_t *named_bits;
    uint32_t nnamed, cap_named, cap_named_bits;
    /* resources by the name they have among this scope's imports and
     * exports (annotated function names refer to them) */
    const char **rn_imp_names, **rn_exp_names;
    wc_tid *rn_imp_types, *rn_exp_types;
    uint32_t nrn_imp, nrn_exp, cap_rni, cap_rnit, cap_rne, cap_rnet;
    /* decls of a component or instance type being built */
    wc_decl *imports, *exports;
    uint32_t nimports, nexports, cap_i, cap_e;
} scope;

enum { NAMED_IMPORT = 1, NAMED_EXPORT = 2, NAMED_LOCAL = 4 /* defined here */ };

typedef struct cdec {
    weft_component *c;
    const weft_engine *e;
    wr_reader r;
    weft_error *err;
    core_ft *cfts;
    uint32_t ncfts, cap_cfts;
    core_inst_info *cinsts;
    uint32_t ncinsts, cap_cinsts;
    core_modtype *cmts;
    uint32_t ncmts, cap_cmts;
    cext *cexts;
    uint32_t ncexts, cap_cexts;
    wc_tid last_fresh_resource;   /* the last (sub resource) bound read */
    /* blocks of memory owned by the component, freed with it */
    uint32_t depth;
} cdec;

static weft_status nomem(cdec *d)
{
    return wu_error(d->err, WEFT_NOMEM, d->r.pos, "out of memory");
}

static weft_status bad(cdec *d, size_t at, const char *fmt, const char *a)
{
    return wu_error(d->err, WEFT_MALFORMED, at, fmt, a);
}

static weft_status inval(cdec *d, size_t at, const char *fmt, const char *a)
{
    return wu_error(d->err, WEFT_INVALID, at, fmt, a);
}

/* Grows *arr (elements of size sz) to hold one more. */
static bool grow(cdec *d, void **arr, uint32_t n, uint32_t *cap, size_t sz)
{
    if (n < *cap)
        return true;
    uint32_t nc = *cap ? *cap * 2 : 8;
    void *p = wu_realloc(d->e, *arr, (size_t)*cap * sz, (size_t)nc * sz);
    if (!p)
        return false;
    memset((char *)p + (size_t)*cap * sz, 0, (size_t)(nc - *cap) * sz);
    *arr = p;
    *cap = nc;
    return true;
}

static weft_status sp_push(cdec *d, space *s, uint32_t v)
{
    if (!grow(d, (void **)&s->v, s->n, &s->cap, sizeof *s->v))
        return nomem(d);
    s->v[s->n++] = v;
    return WEFT_OK;
}

static weft_status name_in_scope(cdec *d, scope *s, wc_tid t, uint8_t bits)
{
    for (uint32_t i = 0; i < s->nnamed; i++)
        if (s->named_ids[i] == t) {
            s->named_bits[i] |= bits;
            return WEFT_OK;
        }
    if (!grow(d, (void **)&s->named_ids, s->nnamed, &s->cap_named, sizeof(wc_tid)) ||
        !grow(d, (void **)&s->named_bits, s->nnamed, &s->cap_named_bits, 1))
        return nomem(d);
    s->named_ids[s->nnamed] = t;
    s->named_bits[s->nnamed] = bits;
    s->nnamed++;
    return WEFT_OK;
}

/* Records that resource type t is called `name` among the scope's
 * imports or exports. */
static weft_status name_resource(cdec *d, scope *s, bool is_import, const char *name, wc_tid t)
{
    if (wc_type(&d->c->types, t)->kind != WC_K_RESOURCE)
        return WEFT_OK;
    if (is_import) {
        if (!grow(d, (void **)&s->rn_imp_names, s->nrn_imp, &s->cap_rni, sizeof(char *)) ||
            !grow(d, (void **)&s->rn_imp_types, s->nrn_imp, &s->cap_rnit, sizeof(wc_tid)))
            return nomem(d);
        s->rn_imp_names[s->nrn_imp] = name;
        s->rn_imp_types[s->nrn_imp++] = t;
    } else {
        if (!grow(d, (void **)&s->rn_exp_names, s->nrn_exp, &s->cap_rne, sizeof(char *)) ||
            !grow(d, (void **)&s->rn_exp_types, s->nrn_exp, &s->cap_rnet, sizeof(wc_tid)))
            return nomem(d);
        s->rn_exp_names[s->nrn_exp] = name;
        s->rn_exp_types[s->nrn_exp++] = t;
    }
    return WEFT_OK;
}

static const char *resource_name_of(const scope *s, bool is_import, wc_tid t)
{
    uint32_t n = is_import ? s->nrn_imp : s->nrn_exp;
    for (uint32_t i = n; i-- > 0;)
        if ((is_import ? s->rn_imp_types : s->rn_exp_types)[i] == t)
            return (is_import ? s->rn_imp_names : s->rn_exp_names)[i];
    return NULL;
}

static bool resource_name_known(const scope *s, bool is_import, const char *name, size_t len)
{
    uint32_t n = is_import ? s->nrn_imp : s->nrn_exp;
    for (uint32_t i = 0; i < n; i++) {
        const char *nm = (is_import ? s->rn_imp_names : s->rn_exp_names)[i];
        if (strlen(nm) == len && !memcmp(nm, name, len))
            return true;
    }
    return false;
}

static uint8_t scope_named(const scope *s, wc_tid t)
{
    for (uint32_t i = 0; i < s->nnamed; i++)
        if (s->named_ids[i] == t)
            return s->named_bits[i];
    return 0;
}

/* Whether a resource identity was defined by this component scope. */
static bool resource_is_local(const scope *s, uint32_t resource_id, const wc_types *a)
{
    for (uint32_t i = 0; i < s->nnamed; i++)
        if ((s->named_bits[i] & NAMED_LOCAL) &&
            wc_type(a, s->named_ids[i])->resource_id == resource_id)
            return true;
    return false;
}

static weft_status push_comp(cdec *d, scope *s, wc_comp *c)
{
    if (!grow(d, (void **)&s->comps, s->ncomps, &s->cap_comps, sizeof(wc_comp *)))
        return nomem(d);
    s->comps[s->ncomps++] = c;
    return WEFT_OK;
}

static void scope_free(cdec *d, scope *s)
{
    for (int i = 0; i < WC_IS_COUNT; i++)
        wu_free(d->e, s->sp[i].v, s->sp[i].cap * sizeof(uint32_t));
    wu_free(d->e, s->comps, s->cap_comps * sizeof(wc_comp *));
    wu_free(d->e, s->named_ids, 0);
    wu_free(d->e, s->named_bits, 0);
    wu_free(d->e, s->rn_imp_names, 0);
    wu_free(d->e, s->rn_exp_names, 0);
    wu_free(d->e, s->rn_imp_types, 0);
    wu_free(d->e, s->rn_exp_types, 0);
    wu_free(d->e, s->import_names, s->cap_in * sizeof(char *));
    wu_free(d->e, s->export_names, s->cap_en * sizeof(char *));
    wu_free(d->e, s->imports, s->cap_i * sizeof(wc_decl));
    wu_free(d->e, s->exports, s->cap_e * sizeof(wc_decl));
}

static char *str_alloc(cdec *d, size_t n)
{
    return wc_component_alloc_raw(d->c, n);
}

/* Memory that lives as long as the component (type element arrays ...). */
static void *perm_alloc(cdec *d, size_t n)
{
    /* keep 8-byte alignment */
    char *p = str_alloc(d, n + 8);
    if (!p)
        return NULL;
    uintptr_t a = ((uintptr_t)p + 7) & ~(uintptr_t)7;
    memset((void *)a, 0, n);
    return (void *)a;
}

static bool utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t ch = s[i];
        if (ch < 0x80) { i++; continue; }
        size_t len = (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 : (ch & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || n - i < len)
            return false;
        uint32_t cp = ch & (0xFF >> (len + 1));
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static weft_status read_name(cdec *d, const char **out)
{
    uint32_t len;
    size_t at = d->r.pos;
    TRY(wr_u32(&d->r, &len));
    if (d->r.end - d->r.pos < len)
        return bad(d, at, "unexpected end (name)%s", "");
    const uint8_t *s = d->r.bytes + d->r.pos;
    if (!utf8_ok(s, len))
        return bad(d, d->r.pos, "malformed UTF-8 encoding%s", "");
    char *p = str_alloc(d, (size_t)len + 1);
    if (!p)
        return nomem(d);
    memcpy(p, s, len);
    p[len] = 0;
    d->r.pos += len;
    *out = p;
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Names                                                             */
/* ---------------------------------------------------------------- */

static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* label ::= first-fragment ('-' fragment)*: the first fragment starts with
 * a letter and is all lowercase+digits or all uppercase+digits; later
 * fragments are [0-9a-z]+ or [0-9A-Z]+. A leading '%' is allowed. */
static bool kebab_ok(const char *s, size_t n)
{
    if (n && s[0] == '%') {
        s++;
        n--;
    }
    if (n == 0)
        return false;
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t st = i;
        bool has_lower = false, has_upper = false;
        while (i < n && s[i] != '-') {
            char c = s[i];
            if (is_lower(c))
                has_lower = true;
            else if (is_upper(c))
                has_upper = true;
            else if (!is_digit(c))
                return false;
            i++;
        }
        if (i == st || (has_lower && has_upper))
            return false;
        if (first && is_digit(s[st]))
            return false;
        first = false;
        if (i < n) {
            i++;  /* '-' */
            if (i == n)
                return false;
        }
    }
    return true;
}

/* words ::= first-word ('-' word)*, all lowercase */
static bool words_ok(const char *s, size_t n)
{
    if (n == 0 || !is_lower(s[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-') {
            if (i + 1 == n || s[i + 1] == '-')
                return false;
        } else if (!is_lower(c) && !is_digit(c)) {
            return false;
        }
    }
    return true;
}

static size_t span_until(const char *s, size_t n, char c)
{
    size_t i = 0;
    while (i < n && s[i] != c)
        i++;
    return i;
}

static bool semver_ok(const char *s, size_t n)
{
    /* MAJOR.MINOR.PATCH[-pre][+build], numbers without leading zeros */
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t st = i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i == st || (i - st > 1 && s[st] == '0'))
            return false;
        if (part < 2) {
            if (i >= n || s[i] != '.')
                return false;
            i++;
        }
    }
    if (i < n && s[i] == '-') {
        i++;
        size_t st = i;
        while (i < n && s[i] != '+') {
            char c = s[i];
            if (!(is_digit(c) || is_lower(c) || is_upper(c) || c == '-' || c == '.'))
                return false;
            i++;
        }
        if (i == st)
            return false;
    }
    if (i < n && s[i] == '+') {
        i++;
        if (i == n)
            return false;
        while (i < n) {
            char c = s[i];
            if (!(is_digit(c) || is_lower(c) || is_upper(c) || c == '-' || c == '.'))
                return false;
            i++;
        }
    }
    return i == n;
}

/* interfacename ::= namespace ':' words '/' label ('@' semver)? where
 * namespace and package are lowercase words. */
static bool interface_name_ok(const char *s, size_t n)
{
    size_t at = span_until(s, n, '@');
    size_t colon = span_until(s, at, ':');
    if (colon == at || !words_ok(s, colon))
        return false;
    const char *rest = s + colon + 1;
    size_t rn = at - colon - 1;
    size_t slash = span_until(rest, rn, '/');
    if (slash == rn || !words_ok(rest, slash))
        return false;
    if (!kebab_ok(rest + slash + 1, rn - slash - 1))
        return false;
    if (at < n && !semver_ok(s + at + 1, n - at - 1))
        return false;
    return true;
}

/* The name without its version, and which form it has. */
enum { NM_PLAIN, NM_CTOR, NM_METHOD, NM_STATIC, NM_IFACE, NM_OTHER };

static int classify_name(const char *s, size_t n, const char **plain, size_t *plain_len,
                         const char **res, size_t *res_len)
{
    static const struct { const char *p; int kind; } pre[] = {
        {"[constructor]", NM_CTOR}, {"[method]", NM_METHOD}, {"[static]", NM_STATIC}};
    *res = NULL;
    *res_len = 0;
    for (unsigned k = 0; k < 3; k++) {
        size_t pl = strlen(pre[k].p);
        if (n > pl && !memcmp(s, pre[k].p, pl)) {
            const char *rest = s + pl;
            size_t rn = n - pl;
            if (pre[k].kind == NM_CTOR) {
                if (!kebab_ok(rest, rn))
                    return -1;
                *res = rest;
                *res_len = rn;
                *plain = rest;
                *plain_len = rn;
                return NM_CTOR;
            }
            size_t dot = span_until(rest, rn, '.');
            if (dot == rn || !kebab_ok(rest, dot) || !kebab_ok(rest + dot + 1, rn - dot - 1))
                return -1;
            *res = rest;
            *res_len = dot;
            *plain = rest;
            *plain_len = rn;
            return pre[k].kind;
        }
    }
    if (n && s[0] == '[') {
        /* other annotations ([async], [resource-drop] ...) are not allowed
         * on plain import/export names */
        return -1;
    }
    if (span_until(s, n, ':') < n || span_until(s, n, '/') < n) {
        if (!interface_name_ok(s, n))
            return -1;
        *plain = s;
        *plain_len = n;
        return NM_IFACE;
    }
    /* url=, integrity=, depname forms are accepted loosely */
    if (n > 4 && (!memcmp(s, "url=", 4) || !memcmp(s, "dep=", 4)))
        return NM_OTHER;
    if (n > 10 && !memcmp(s, "integrity=", 10))
        return NM_OTHER;
    if (n > 7 && !memcmp(s, "unlocked-dep=", 7 > 13 ? 7 : 13))
        return NM_OTHER;
    if (n > 6 && !memcmp(s, "locked-dep=", 11 < n ? 11 : n))
        return NM_OTHER;
    if (!kebab_ok(s, n))
        return -1;
    *plain = s;
    *plain_len = n;
    return NM_PLAIN;
}

/* Strong uniqueness (Explainer "Name Uniqueness"): names conflict when
 * their canonical forms are equal: lowercased, `[method]l.l` and
 * `[static]l.l` reduced to `l`, and any annotation other than
 * `[constructor]` stripped. */
static void canonical_name(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    const char *p = s;
    size_t pn = n;
    bool keep_ctor = false;
    if (n > 13 && !memcmp(s, "[constructor]", 13)) {
        keep_ctor = true;
    } else if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close) {
            p = close + 1;
            pn = n - (size_t)(p - s);
            size_t dot = span_until(p, pn, '.');
            /* [method]l.l / [static]l.l -> l */
            if (dot < pn && pn - dot - 1 == dot && !memcmp(p, p + dot + 1, dot))
                pn = dot;
        }
    }
    size_t k = 0;
    if (keep_ctor) {
        for (size_t i = 0; i < 13 && k + 1 < cap; i++)
            out[k++] = s[i];
        p = s + 13;
        pn = n - 13;
    }
    for (size_t i = 0; i < pn && k + 1 < cap; i++) {
        char c = p[i];
        out[k++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    out[k] = 0;
}

static bool names_conflict(const char *a, const char *b)
{
    char ca[512], cb[512];
    canonical_name(a, ca, sizeof ca);
    canonical_name(b, cb, sizeof cb);
    return strcmp(ca, cb) == 0;
}

static weft_status add_unique(cdec *d, size_t at, const char ***names, uint32_t *n,
                              uint32_t *cap, const char *name, const char *what)
{
    for (uint32_t i = 0; i < *n; i++)
        if (names_conflict((*names)[i], name))
            return wu_error(d->err, WEFT_INVALID, at, "%s name `%s` conflicts with previous name `%s`",
                            what, name, (*names)[i]);
    if (!grow(d, (void **)names, *n, cap, sizeof(char *)))
        return nomem(d);
    (*names)[(*n)++] = name;
    return WEFT_OK;
}


static weft_status read_count(cdec *d, uint32_t *n);

/* nameattributes: 0x00/0x01 name, or 0x02 name followed by attributes
 * (implements, version suffix, external-id; each at most once). */
static weft_status read_extern_name(cdec *d, const char **name, bool *implements)
{
    uint8_t nk;
    size_t at = d->r.pos;
    *implements = false;
    TRY(wr_byte(&d->r, &nk));
    if (nk > 2)
        return bad(d, at, "malformed name kind%s", "");
    TRY(read_name(d, name));
    if (nk < 2)
        return WEFT_OK;
    uint32_t n;
    TRY(read_count(d, &n));
    bool seen[3] = {false, false, false};
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind;
        size_t kat = d->r.pos;
        TRY(wr_byte(&d->r, &kind));
        if (kind > 2)
            return bad(d, kat, "malformed name attribute%s", "");
        if (seen[kind])
            return bad(d, kat, "duplicate name attribute (unexpected token)%s", "");
        seen[kind] = true;
        const char *v;
        size_t vat = d->r.pos;
        TRY(read_name(d, &v));
        if (kind == 0) {
            if (!*v)
                return inval(d, vat, "`` is not a valid name%s", "");
            if (!interface_name_ok(v, strlen(v)))
                return wu_error(d->err, WEFT_INVALID, vat, "`%s` must be an interface name", v);
            *implements = true;
        }
    }
    return WEFT_OK;
}

static weft_status check_implements(cdec *d, size_t at, const char *name, uint8_t space)
{
    if (space != WC_IS_INSTANCE)
        return inval(d, at, "only instances can have an `implements`%s", "");
    if (!kebab_ok(name, strlen(name)))
        return wu_error(d->err, WEFT_INVALID, at, "name `%s` is not valid with `implements`", name);
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Types                                                             */
/* ---------------------------------------------------------------- */

static weft_status new_type(cdec *d, uint8_t kind, wc_tid *out)
{
    *out = WC_NONE;
    wc_tid id = wc_type_new(&d->c->types, kind);
    if (id == WC_NONE)
        return nomem(d);
    *out = id;
    return WEFT_OK;
}

static bool is_valtype_kind(uint8_t k) { return k < WEFT_C_KIND_COUNT_; }

static weft_status primval(cdec *d, uint8_t b, wc_tid *out, size_t at)
{
    switch (b) {
    case 0x7f: *out = WEFT_C_BOOL; break;
    case 0x7e: *out = WEFT_C_S8; break;
    case 0x7d: *out = WEFT_C_U8; break;
    case 0x7c: *out = WEFT_C_S16; break;
    case 0x7b: *out = WEFT_C_U16; break;
    case 0x7a: *out = WEFT_C_S32; break;
    case 0x79: *out = WEFT_C_U32; break;
    case 0x78: *out = WEFT_C_S64; break;
    case 0x77: *out = WEFT_C_U64; break;
    case 0x76: *out = WEFT_C_F32; break;
    case 0x75: *out = WEFT_C_F64; break;
    case 0x74: *out = WEFT_C_CHAR; break;
    case 0x73: *out = WEFT_C_STRING; break;
    case 0x64: *out = WEFT_C_ERROR_CONTEXT; break;
    default: return bad(d, at, "malformed value type%s", "");
    }
    return WEFT_OK;
}

static weft_status type_index(cdec *d, scope *s, uint32_t idx, size_t at, wc_tid *out)
{
    *out = WC_NONE;
    if (idx >= s->sp[WC_IS_TYPE].n)
        return wu_error(d->err, WEFT_INVALID, at, "type index out of bounds (%u)", idx);
    *out = s->sp[WC_IS_TYPE].v[idx];
    return WEFT_OK;
}

/* valtype ::= typeidx | primvaltype */
static weft_status read_valtype(cdec *d, scope *s, wc_tid *out)
{
    *out = WC_NONE;
    size_t at = d->r.pos;
    if (at >= d->r.end)
        return wr_eof(&d->r);
    uint8_t b = d->r.bytes[at];
    if (b >= 0x64 && b <= 0x7f && !(b >= 0x65 && b <= 0x72)) {
        d->r.pos++;
        return primval(d, b, out, at);
    }
    int64_t idx;
    TRY(wr_s33(&d->r, &idx));
    if (idx < 0)
        return bad(d, at, "malformed value type%s", "");
    wc_tid t;
    TRY(type_index(d, s, (uint32_t)idx, at, &t));
    if (!is_valtype_kind(wc_type(&d->c->types, t)->kind))
        return wu_error(d->err, WEFT_INVALID, at, "type %u is not a defined value type", (uint32_t)idx);
    *out = t;
    return WEFT_OK;
}

static bool contains_borrow(const wc_types *a, wc_tid t, int depth)
{
    if (t == WC_NONE || depth > 64)
        return false;
    const weft_ctype *ty = wc_type(a, t);
    switch (ty->kind) {
    case WEFT_C_BORROW:
        return true;
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_TUPLE:
        for (uint32_t i = 0; i < ty->n; i++)
            if (contains_borrow(a, ty->elems[i], depth + 1))
                return true;
        return false;
    case WEFT_C_LIST: case WEFT_C_OPTION:
        return contains_borrow(a, ty->elem, depth + 1);
    case WEFT_C_RESULT:
        return contains_borrow(a, ty->elem, depth + 1) || contains_borrow(a, ty->err, depth + 1);
    }
    return false;
}

static weft_status read_labels(cdec *d, uint32_t n, const char **labels, const char *what)
{
    for (uint32_t i = 0; i < n; i++) {
        size_t at = d->r.pos;
        TRY(read_name(d, &labels[i]));
        if (!kebab_ok(labels[i], strlen(labels[i])))
            return wu_error(d->err, WEFT_INVALID, at, "%s name `%s` is not in kebab case", what, labels[i]);
        for (uint32_t j = 0; j < i; j++)
            if (names_conflict(labels[j], labels[i]))
                return wu_error(d->err, WEFT_INVALID, at, "%s name `%s` conflicts with previous name `%s`",
                                what, labels[i], labels[j]);
    }
    return WEFT_OK;
}

static weft_status read_count(cdec *d, uint32_t *n)
{
    size_t at = d->r.pos;
    TRY(wr_u32(&d->r, n));
    if (*n > d->r.end - d->r.pos)
        return bad(d, at, "unexpected end (count too large)%s", "");
    return WEFT_OK;
}

static weft_status read_optional(cdec *d, bool *present)
{
    uint8_t b;
    *present = false;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    if (b > 1)
        return bad(d, at, "malformed optional (0x%x)", b == 2 ? "02" : "");
    *present = b == 1;
    return WEFT_OK;
}

static weft_status check_size(cdec *d, wc_tid t, size_t at)
{
    wc_type_layout(&d->c->types, t);
    const weft_ctype *ty = wc_type(&d->c->types, t);
    if (ty->size >= (1u << 28))
        return wu_error(d->err, WEFT_INVALID, at, "effective type size exceeds the limit%s", "");
    return WEFT_OK;
}

static weft_status read_functype(cdec *d, scope *s, bool async_, wc_tid *out);
static weft_status read_component_type(cdec *d, scope *s, uint8_t form, wc_tid *out);

/* defvaltype after its leading byte b */
static weft_status read_defvaltype(cdec *d, scope *s, uint8_t b, size_t at, wc_tid *out)
{
    wc_types *a = &d->c->types;
    wc_tid t;
    uint32_t n;
    switch (b) {
    case 0x72: { /* record */
        TRY(read_count(d, &n));
        if (n == 0)
            return inval(d, at, "record type must have at least one field%s", "");
        TRY(new_type(d, WEFT_C_RECORD, &t));
        weft_ctype *ty = wc_type(a, t);
        ty->labels = perm_alloc(d, n * sizeof(char *));
        ty->elems = perm_alloc(d, n * sizeof(wc_tid));
        if (!ty->labels || !ty->elems)
            return nomem(d);
        ty->n = n;
        for (uint32_t i = 0; i < n; i++) {
            TRY(read_labels(d, 1, &ty->labels[i], "field"));
            for (uint32_t j = 0; j < i; j++)
                if (names_conflict(ty->labels[j], ty->labels[i]))
                    return wu_error(d->err, WEFT_INVALID, at, "field name `%s` conflicts with previous name `%s`",
                                    ty->labels[i], ty->labels[j]);
            TRY(read_valtype(d, s, &ty->elems[i]));
        }
        break;
    }
    case 0x71: { /* variant */
        TRY(read_count(d, &n));
        if (n == 0)
            return inval(d, at, "variant type must have at least one case%s", "");
        TRY(new_type(d, WEFT_C_VARIANT, &t));
        weft_ctype *ty = wc_type(a, t);
        ty->labels = perm_alloc(d, n * sizeof(char *));
        ty->elems = perm_alloc(d, n * sizeof(wc_tid));
        if (!ty->labels || !ty->elems)
            return nomem(d);
        ty->n = n;
        for (uint32_t i = 0; i < n; i++) {
            TRY(read_labels(d, 1, &ty->labels[i], "variant case"));
            for (uint32_t j = 0; j < i; j++)
                if (names_conflict(ty->labels[j], ty->labels[i]))
                    return wu_error(d->err, WEFT_INVALID, at, "variant case name `%s` conflicts with previous name `%s`",
                                    ty->labels[i], ty->labels[j]);
            bool has;
            TRY(read_optional(d, &has));
            ty->elems[i] = WC_NONE;
            if (has)
                TRY(read_valtype(d, s, &ty->elems[i]));
            uint8_t z;
            size_t zat = d->r.pos;
            TRY(wr_byte(&d->r, &z));
            if (z != 0)
                return bad(d, zat, "variant case refinement is not supported%s", "");
        }
        break;
    }
    case 0x70: /* list */
        TRY(new_type(d, WEFT_C_LIST, &t));
        TRY(read_valtype(d, s, &wc_type(a, t)->elem));
        break;
    case 0x67: { /* fixed-size list (gated) */
        return wu_error(d->err, WEFT_UNSUPPORTED, at, "fixed-length lists are not supported%s", "");
    }
    case 0x6f: { /* tuple */
        TRY(read_count(d, &n));
        if (n == 0)
            return inval(d, at, "tuple type must have at least one type%s", "");
        TRY(new_type(d, WEFT_C_TUPLE, &t));
        weft_ctype *ty = wc_type(a, t);
        ty->elems = perm_alloc(d, n * sizeof(wc_tid));
        if (!ty->elems)
            return nomem(d);
        ty->n = n;
        for (uint32_t i = 0; i < n; i++)
            TRY(read_valtype(d, s, &ty->elems[i]));
        break;
    }
    case 0x6e:   /* flags */
    case 0x6d: { /* enum */
        TRY(read_count(d, &n));
        if (n == 0)
            return inval(d, at, b == 0x6e ? "flags must have at least one entry%s"
                                         : "enum type must have at least one variant%s", "");
        if (b == 0x6e && n > 32)
            return inval(d, at, "cannot have more than 32 flags%s", "");
        TRY(new_type(d, b == 0x6e ? WEFT_C_FLAGS : WEFT_C_ENUM, &t));
        weft_ctype *ty = wc_type(a, t);
        ty->labels = perm_alloc(d, n * sizeof(char *));
        if (!ty->labels)
            return nomem(d);
        ty->n = n;
        TRY(read_labels(d, n, ty->labels, b == 0x6e ? "flag" : "enum tag"));
        break;
    }
    case 0x6b: /* option */
        TRY(new_type(d, WEFT_C_OPTION, &t));
        TRY(read_valtype(d, s, &wc_type(a, t)->elem));
        break;
    case 0x6a: { /* result */
        TRY(new_type(d, WEFT_C_RESULT, &t));
        weft_ctype *ty = wc_type(a, t);
        bool has;
        ty->elem = ty->err = WC_NONE;
        TRY(read_optional(d, &has));
        if (has)
            TRY(read_valtype(d, s, &ty->elem));
        TRY(read_optional(d, &has));
        if (has)
            TRY(read_valtype(d, s, &ty->err));
        break;
    }
    case 0x69:   /* own */
    case 0x68: { /* borrow */
        uint32_t idx;
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &idx));
        wc_tid rt;
        TRY(type_index(d, s, idx, iat, &rt));
        if (wc_type(a, rt)->kind != WC_K_RESOURCE)
            return wu_error(d->err, WEFT_INVALID, iat, "type %u is not a resource type", idx);
        TRY(new_type(d, b == 0x69 ? WEFT_C_OWN : WEFT_C_BORROW, &t));
        wc_type(a, t)->elem = rt;
        break;
    }
    case 0x66: case 0x65: case 0x63:
        return wu_error(d->err, WEFT_UNSUPPORTED, at, "%s types are not supported",
                        b == 0x66 ? "stream" : b == 0x65 ? "future" : "map");
    default:
        if (b >= 0x64 && b <= 0x7f) {
            wc_tid p;
            TRY(primval(d, b, &p, at));
            *out = p;
            return WEFT_OK;
        }
        return wu_error(d->err, WEFT_MALFORMED, at, "malformed defined type 0x%x", b);
    }
    TRY(check_size(d, t, at));
    *out = t;
    return WEFT_OK;
}

static weft_status read_resultlist(cdec *d, scope *s, wc_tid *out)
{
    uint8_t b;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    if (b == 0x00)
        return read_valtype(d, s, out);
    if (b == 0x01) {
        uint8_t z;
        TRY(wr_byte(&d->r, &z));
        if (z != 0)
            return bad(d, at, "named function results are not supported%s", "");
        *out = WC_NONE;
        return WEFT_OK;
    }
    return bad(d, at, "malformed function result list%s", "");
}

static weft_status read_functype(cdec *d, scope *s, bool async_, wc_tid *out)
{
    *out = WC_NONE;
    size_t at = d->r.pos;
    if (async_)
        return wu_error(d->err, WEFT_UNSUPPORTED, at, "async functions are not supported%s", "");
    uint32_t n;
    TRY(read_count(d, &n));
    wc_tid t;
    TRY(new_type(d, WC_K_FUNC, &t));
    weft_ctype *ty = wc_type(&d->c->types, t);
    ty->labels = perm_alloc(d, (n ? n : 1) * sizeof(char *));
    ty->elems = perm_alloc(d, (n ? n : 1) * sizeof(wc_tid));
    if (!ty->labels || !ty->elems)
        return nomem(d);
    ty->n = n;
    for (uint32_t i = 0; i < n; i++) {
        TRY(read_labels(d, 1, &ty->labels[i], "function parameter"));
        for (uint32_t j = 0; j < i; j++)
            if (names_conflict(ty->labels[j], ty->labels[i]))
                return wu_error(d->err, WEFT_INVALID, at,
                                "function parameter name `%s` conflicts with previous parameter name `%s`",
                                ty->labels[i], ty->labels[j]);
        TRY(read_valtype(d, s, &ty->elems[i]));
    }
    size_t rat = d->r.pos;
    TRY(read_resultlist(d, s, &ty->elem));
    if (ty->elem != WC_NONE && contains_borrow(&d->c->types, ty->elem, 0))
        return inval(d, rat, "function result cannot contain a `borrow` type%s", "");
    *out = t;
    return WEFT_OK;
}

/* ---------------------------------------------------------------- */
/* Component and instance types                                      */
/* ---------------------------------------------------------------- */

static weft_status read_core_type(cdec *d, scope *s, bool in_module_type);
static weft_status read_alias(cdec *d, scope *s, bool declarator);
static weft_status check_visible(cdec *d, scope *s, size_t at, uint8_t space, wc_tid t,
                                 bool is_import);
static weft_status named_copy(cdec *d, scope *s, wc_tid t, uint8_t how, wc_tid *out);
/* A type introduced by an import or export declaration: a fresh resource
 * is named in place, anything else gets a named copy. */
static weft_status name_decl_type(cdec *d, scope *s, wc_tid *t, uint8_t how, bool fresh)
{
    if (fresh)
        return name_in_scope(d, s, *t, how);
    return named_copy(d, s, *t, how, t);
}
static weft_status read_externtype(cdec *d, scope *s, uint8_t *space, wc_tid *type);

static weft_status add_decl(cdec *d, wc_decl **arr, uint32_t *n, uint32_t *cap,
                            const char *name, uint8_t sort, wc_tid type)
{
    if (!grow(d, (void **)arr, *n, cap, sizeof(wc_decl)))
        return nomem(d);
    (*arr)[*n].name = name;
    (*arr)[*n].sort = sort;
    (*arr)[*n].type = type;
    (*n)++;
    return WEFT_OK;
}

static uint8_t space_to_sort(uint8_t space)
{
    switch (space) {
    case WC_IS_CORE_MODULE: return WC_SORT_CORE_MODULE;
    case WC_IS_FUNC: return WC_SORT_FUNC;
    case WC_IS_VALUE: return WC_SORT_VALUE;
    case WC_IS_TYPE: return WC_SORT_TYPE;
    case WC_IS_COMPONENT: return WC_SORT_COMPONENT;
    case WC_IS_INSTANCE: return WC_SORT_INSTANCE;
    }
    return 0xFF;
}

/* Checks a name of an import or export; returns its kind. */
static weft_status check_extern_name(cdec *d, scope *s, size_t at, const char *name,
                                     uint8_t space, wc_tid type, bool is_import)
{
    const char *plain, *res;
    size_t pl, rl;
    int k = classify_name(name, strlen(name), &plain, &pl, &res, &rl);
    if (k < 0)
        return wu_error(d->err, WEFT_INVALID, at, "`%s` is not a valid extern name", name);
    if ((k == NM_CTOR || k == NM_METHOD || k == NM_STATIC) && space != WC_IS_FUNC)
        return wu_error(d->err, WEFT_INVALID, at, "name `%s` is not a func", name);
    if (k == NM_STATIC) {
        if (!resource_name_known(s, is_import, res, rl))
            return wu_error(d->err, WEFT_INVALID, at,
                            "static resource name is not known in this context (`%s`)", name);
    }
    if (k == NM_CTOR || k == NM_METHOD) {
        const wc_types *a = &d->c->types;
        const weft_ctype *ft = wc_type(a, type);
        wc_tid rt = WC_NONE;
        if (ft->kind != WC_K_FUNC)
            return wu_error(d->err, WEFT_INVALID, at, "name `%s` is not a func", name);
        if (k == NM_METHOD) {
            if (ft->n == 0 || strcmp(ft->labels[0], "self") != 0 ||
                wc_type(a, ft->elems[0])->kind != WEFT_C_BORROW)
                return wu_error(d->err, WEFT_INVALID, at,
                                "method `%s` should take a first parameter `self: borrow<...>`", name);
            rt = wc_type(a, ft->elems[0])->elem;
        } else {
            wc_tid r = ft->elem;
            if (r == WC_NONE)
                return wu_error(d->err, WEFT_INVALID, at, "constructor `%s` should return one value", name);
            const weft_ctype *ty = wc_type(a, r);
            if (ty->kind == WEFT_C_RESULT && ty->elem != WC_NONE)
                ty = wc_type(a, ty->elem);
            if (ty->kind != WEFT_C_OWN)
                return wu_error(d->err, WEFT_INVALID, at, "constructor `%s` should return `(own $T)`", name);
            rt = ty->elem;
        }
        const char *rname = resource_name_of(s, is_import, rt);
        if (!rname)
            return wu_error(d->err, WEFT_INVALID, at,
                            "resource used in function does not have a name in this context (`%s`)", name);
        if (strlen(rname) != rl || memcmp(rname, res, rl) != 0)
            return wu_error(d->err, WEFT_INVALID, at,
                            "function does not match expected resource name `%s`", rname);
    }
    return WEFT_OK;
}

/* componenttype / instancetype bodies. form 0x41 component, 0x42 instance */
static weft_status read_component_type(cdec *d, scope *outer, uint8_t form, wc_tid *out)
{
    scope s;
    memset(&s, 0, sizeof s);
    s.parent = outer;
    s.kind = form == 0x41 ? SC_COMPONENT_TYPE : SC_INSTANCE_TYPE;
    weft_status st = WEFT_OK;
    uint32_t n;
    if (++d->depth > 64) {
        d->depth--;
        return wu_error(d->err, WEFT_LIMIT, d->r.pos, "types nested too deeply%s", "");
    }
    st = read_count(d, &n);
    for (uint32_t i = 0; i < n && !st; i++) {
        uint8_t tag;
        size_t at = d->r.pos;
        st = wr_byte(&d->r, &tag);
        if (st)
            break;
        if (tag == 0x03 && form == 0x41) {
            /* importdecl */
            const char *name;
            bool impl = false;
            st = read_extern_name(d, &name, &impl);
            uint8_t space = 0;
            wc_tid t = WC_NONE;
            if (!st)
                st = read_externtype(d, &s, &space, &t);
            if (!st && impl)
                st = check_implements(d, at, name, space);
            if (!st)
                st = check_extern_name(d, &s, at, name, space, t, true);
            if (!st)
                st = add_unique(d, at, &s.import_names, &s.nimport_names, &s.cap_in, name, "import");
            bool fresh = space == WC_IS_TYPE && d->last_fresh_resource == t;
            if (!st)
                st = check_visible(d, &s, at, space, t, true);
            if (!st && space == WC_IS_TYPE)
                st = name_decl_type(d, &s, &t, NAMED_IMPORT, fresh);
            if (!st && space == WC_IS_TYPE)
                st = name_resource(d, &s, true, name, t);
            if (!st)
                st = add_decl(d, &s.imports, &s.nimports, &s.cap_i, name, space_to_sort(space), t);
            if (!st && space == WC_IS_TYPE)
                st = sp_push(d, &s.sp[WC_IS_TYPE], t);
            else if (!st && space != WC_IS_VALUE)
                st = sp_push(d, &s.sp[space], t);
        } else if (tag == 0x00) {
            st = read_core_type(d, &s, false);
        } else if (tag == 0x01) {
            uint8_t b;
            size_t tat = d->r.pos;
            st = wr_byte(&d->r, &b);
            wc_tid t = WC_NONE;
            if (st)
                break;
            if (b == 0x3f) {
                st = inval(d, tat, "resource types cannot be defined in a component or instance type%s", "");
            } else if (b == 0x40 || b == 0x43) {
                st = read_functype(d, &s, b == 0x43, &t);
            } else if (b == 0x41 || b == 0x42) {
                st = read_component_type(d, &s, b, &t);
            } else {
                st = read_defvaltype(d, &s, b, tat, &t);
            }
            if (!st)
                st = sp_push(d, &s.sp[WC_IS_TYPE], t);
        } else if (tag == 0x02) {
            st = read_alias(d, &s, true);
        } else if (tag == 0x04) {
            const char *name;
            bool impl = false;
            st = read_extern_name(d, &name, &impl);
            uint8_t space = 0;
            wc_tid t = WC_NONE;
            if (!st)
                st = read_externtype(d, &s, &space, &t);
            if (!st && impl)
                st = check_implements(d, at, name, space);
            if (!st)
                st = check_extern_name(d, &s, at, name, space, t, false);
            if (!st)
                st = add_unique(d, at, &s.export_names, &s.nexport_names, &s.cap_en, name, "export");
            bool fresh = space == WC_IS_TYPE && d->last_fresh_resource == t;
            if (!st && form == 0x41)
                st = check_visible(d, &s, at, space, t, false);
            if (!st && space == WC_IS_TYPE)
                st = name_decl_type(d, &s, &t, NAMED_EXPORT, fresh);
            if (!st && space == WC_IS_TYPE)
                st = name_resource(d, &s, false, name, t);
            if (!st)
                st = add_decl(d, &s.exports, &s.nexports, &s.cap_e, name, space_to_sort(space), t);
            if (!st && space != WC_IS_VALUE)
                st = sp_push(d, &s.sp[space], t);
        } else {
            st = wu_error(d->err, WEFT_MALFORMED, at, "malformed %s declarator",
                          form == 0x41 ? "component type" : "instance type");
        }
    }
    wc_tid t = WC_NONE;
    if (!st)
        st = new_type(d, form == 0x41 ? WC_K_COMPONENT : WC_K_INSTANCE, &t);
    if (!st) {
        weft_ctype *ty = wc_type(&d->c->types, t);
        ty->nimports = s.nimports;
        ty->nexports = s.nexports;
        ty->imports = perm_alloc(d, (s.nimports + 1) * sizeof(wc_decl));
        ty->exports = perm_alloc(d, (s.nexports + 1) * sizeof(wc_decl));
        if (!ty->imports || !ty->exports) {
            st = nomem(d);
        } else {
            if (s.nimports)
                memcpy(ty->imports, s.imports, s.nimports * sizeof(wc_decl));
            if (s.nexports)
                memcpy(ty->exports, s.exports, s.nexports * sizeof(wc_decl));
        }
        *out = t;
    }
    scope_free(d, &s);
    d->depth--;
    return st;
}

/* externtype ::= 0x00 0x11 coretypeidx | 0x01 functypeidx | 0x02 value |
 *                0x03 typebound | 0x04 comptypeidx | 0x05 insttypeidx */
static weft_status read_externtype(cdec *d, scope *s, uint8_t *space, wc_tid *type)
{
    *space = 0;
    *type = WC_NONE;
    uint8_t b;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    uint32_t idx;
    wc_types *a = &d->c->types;
    switch (b) {
    case 0x00: {
        uint8_t b2;
        TRY(wr_byte(&d->r, &b2));
        if (b2 != 0x11)
            return bad(d, at, "malformed core module extern type%s", "");
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &idx));
        if (idx >= s->sp[WC_IS_CORE_TYPE].n)
            return wu_error(d->err, WEFT_INVALID, iat, "core type index out of bounds (%u)", idx);
        if (!(s->sp[WC_IS_CORE_TYPE].v[idx] & CT_MOD_BIT))
            return wu_error(d->err, WEFT_INVALID, iat, "core type index %u is not a module type", idx);
        *space = WC_IS_CORE_MODULE;
        *type = s->sp[WC_IS_CORE_TYPE].v[idx];  /* CT_MOD(i) */
        return WEFT_OK;
    }
    case 0x01: case 0x04: case 0x05: {
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &idx));
        wc_tid t;
        TRY(type_index(d, s, idx, iat, &t));
        uint8_t want = b == 0x01 ? WC_K_FUNC : b == 0x04 ? WC_K_COMPONENT : WC_K_INSTANCE;
        if (wc_type(a, t)->kind != want)
            return wu_error(d->err, WEFT_INVALID, iat, "type index %u is not a %s type", idx,
                            b == 0x01 ? "function" : b == 0x04 ? "component" : "instance");
        *space = b == 0x01 ? WC_IS_FUNC : b == 0x04 ? WC_IS_COMPONENT : WC_IS_INSTANCE;
        *type = t;
        return WEFT_OK;
    }
    case 0x02:
        return wu_error(d->err, WEFT_UNSUPPORTED, at, "value imports and exports are not supported%s", "");
    case 0x03: {
        uint8_t bound;
        TRY(wr_byte(&d->r, &bound));
        if (bound == 0x00) {
            size_t iat = d->r.pos;
            TRY(wr_u32(&d->r, &idx));
            TRY(type_index(d, s, idx, iat, type));
        } else if (bound == 0x01) {
            /* a fresh abstract resource type */
            TRY(new_type(d, WC_K_RESOURCE, type));
            weft_ctype *ty = wc_type(a, *type);
            ty->rep = WEFT_I32;
            ty->dtor = -1;
            ty->resource_id = d->c->nresource_ids++;
            ty->abstract = true;
            d->last_fresh_resource = *type;
        } else {
            return bad(d, at, "malformed type bound%s", "");
        }
        *space = WC_IS_TYPE;
        return WEFT_OK;
    }
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed extern type 0x%x", b);
}

/* ---------------------------------------------------------------- */
/* Core types                                                        */
/* ---------------------------------------------------------------- */

static weft_status read_core_valtype(cdec *d, uint8_t *out)
{
    uint8_t b;
    *out = 0;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    switch (b) {
    case 0x7f: *out = WEFT_I32; return WEFT_OK;
    case 0x7e: *out = WEFT_I64; return WEFT_OK;
    case 0x7d: *out = WEFT_F32; return WEFT_OK;
    case 0x7c: *out = WEFT_F64; return WEFT_OK;
    case 0x7b: *out = WEFT_V128; return WEFT_OK;
    case 0x70: *out = WEFT_FUNCREF; return WEFT_OK;
    case 0x6f: *out = WEFT_EXTERNREF; return WEFT_OK;
    case 0x69: *out = WEFT_EXNREF; return WEFT_OK;
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed core value type 0x%x", b);
}

static weft_status new_cft(cdec *d, const weft_functype *ft, uint32_t *out);

static weft_status new_cext(cdec *d, const cext *e, uint32_t *out)
{
    if (!grow(d, (void **)&d->cexts, d->ncexts, &d->cap_cexts, sizeof(cext)))
        return nomem(d);
    d->cexts[d->ncexts] = *e;
    *out = d->ncexts++;
    return WEFT_OK;
}

/* The descriptor index (cft for funcs, cext otherwise) of a core extern
 * type given by the core API. */
static weft_status cext_of_externtype(cdec *d, const weft_externtype *t, uint32_t *out)
{
    /* a tag is described by its function type, like a function */
    if (t->kind == WEFT_EXTERN_FUNC || t->kind == WEFT_EXTERN_TAG)
        return new_cft(d, &t->func, out);
    cext e;
    memset(&e, 0, sizeof e);
    e.kind = (uint8_t)t->kind;
    if (t->kind == WEFT_EXTERN_TABLE) {
        e.vt = (uint8_t)t->table.elem;
        e.lim = t->table.limits;
    } else if (t->kind == WEFT_EXTERN_MEMORY) {
        e.lim = t->memory.limits;
        e.page_log2 = (uint8_t)t->memory.page_size_log2;
    } else {
        e.vt = (uint8_t)t->global.type;
        e.mut = t->global.mutable_;
    }
    return new_cext(d, &e, out);
}

static const char *core_kind_name(uint8_t k)
{
    static const char *const n[] = {"func", "table", "memory", "global"};
    return k < 4 ? n[k] : "tag";
}

/* Whether a core extern `have` (an export) can satisfy `want` (an
 * import) of the same kind; on mismatch writes why into why. */
static bool core_matches(cdec *d, uint8_t kind, uint32_t have, uint32_t want, char *why, size_t cap)
{
    if (kind == WEFT_EXTERN_FUNC || kind == WEFT_EXTERN_TAG) {
        const core_ft *h = &d->cfts[have], *w = &d->cfts[want];
        bool ok = h->full_np == w->full_np && h->nr == w->nr && h->np == w->np &&
                  !memcmp(h->p, w->p, h->np) && (h->nr != 1 || h->r[0] == w->r[0]);
        if (!ok)
            wu_fmt(why, cap, kind == WEFT_EXTERN_TAG ? "tag types differ" : "function types differ");
        return ok;
    }
    const cext *h = &d->cexts[have], *w = &d->cexts[want];
    if (kind == WEFT_EXTERN_GLOBAL) {
        if (h->vt != w->vt || h->mut != w->mut) {
            wu_fmt(why, cap, "expected global type %s%s, found %s%s", w->mut ? "mut " : "",
                   weft_valkind_name((weft_valkind)w->vt), h->mut ? "mut " : "",
                   weft_valkind_name((weft_valkind)h->vt));
            return false;
        }
        return true;
    }
    if (kind == WEFT_EXTERN_TABLE && h->vt != w->vt) {
        wu_fmt(why, cap, "expected table element type %s, found %s",
               weft_valkind_name((weft_valkind)w->vt), weft_valkind_name((weft_valkind)h->vt));
        return false;
    }
    if (kind == WEFT_EXTERN_MEMORY && h->shared != w->shared) {
        wu_fmt(why, cap, "mismatch in the shared flag for memories");
        return false;
    }
    if (kind == WEFT_EXTERN_MEMORY && h->page_log2 != w->page_log2) {
        wu_fmt(why, cap, "expected a page size of %llu bytes, found %llu",
               1ull << w->page_log2, 1ull << h->page_log2);
        return false;
    }
    bool ok = h->lim.min >= w->lim.min &&
              (!w->lim.has_max || (h->lim.has_max && h->lim.max <= w->lim.max));
    if (!ok)
        wu_fmt(why, cap, "mismatch in %s limits", kind == WEFT_EXTERN_TABLE ? "table" : "memory");
    return ok;
}

static weft_status read_core_functype(cdec *d, uint32_t *out)
{
    weft_valkind p[WC_MAX_FLAT_PARAMS + 1], r[2];
    uint32_t np, nr;
    TRY(read_count(d, &np));
    uint32_t keep_p = 0;
    for (uint32_t i = 0; i < np; i++) {
        uint8_t t;
        TRY(read_core_valtype(d, &t));
        if (i < WC_MAX_FLAT_PARAMS)
            p[keep_p++] = (weft_valkind)t;
    }
    TRY(read_count(d, &nr));
    uint32_t keep_r = 0;
    for (uint32_t i = 0; i < nr; i++) {
        uint8_t t;
        TRY(read_core_valtype(d, &t));
        if (i < 1)
            r[keep_r++] = (weft_valkind)t;
    }
    /* new_cft records arity and the first types; np > 16 marks it big */
    weft_valkind *pp = p;
    weft_functype ft = {np, nr, pp, r};
    if (np > WC_MAX_FLAT_PARAMS) {
        static const weft_valkind none[1] = {WEFT_I32};
        ft.params = none;
    }
    (void)keep_r;
    return new_cft(d, &ft, out);
}

/* A core extern type inside a module type; funcs name a local type. */
static weft_status read_core_externtype(cdec *d, const uint32_t *local, uint32_t nlocal,
                                        uint8_t *kind, uint32_t *type)
{
    uint8_t k;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &k));
    uint32_t idx;
    uint8_t t;
    *kind = k;
    *type = 0;
    switch (k) {
    case 0x00:
        TRY(wr_u32(&d->r, &idx));
        if (idx >= nlocal)
            return wu_error(d->err, WEFT_INVALID, at, "core type index out of bounds (%u)", idx);
        if (local[idx] & CT_MOD_BIT)
            return wu_error(d->err, WEFT_INVALID, at, "core type %u is not a function type", idx);
        *type = local[idx];
        return WEFT_OK;
    case 0x01: case 0x02: {
        cext e;
        memset(&e, 0, sizeof e);
        e.kind = k;
        if (k == 0x01)
            TRY(read_core_valtype(d, &e.vt));
        uint8_t f;
        uint32_t v;
        size_t fat = d->r.pos;
        TRY(wr_byte(&d->r, &f));
        uint32_t allowed = k == 0x02 ? 0x03u : 0x01u;
        if (k == 0x02 && (d->e->cfg.features & WEFT_FEATURE_CUSTOM_PAGE_SIZES))
            allowed |= 0x08u;
        if (f & ~allowed)
            return bad(d, fat, "malformed limits flags%s", "");
        e.shared = (f & 0x02) != 0;
        e.page_log2 = 16;
        TRY(wr_u32(&d->r, &v));
        e.lim.min = v;
        if (f & 1) {
            TRY(wr_u32(&d->r, &v));
            e.lim.max = v;
            e.lim.has_max = true;
        }
        if (f & 0x08) {
            uint32_t lg;
            size_t pat = d->r.pos;
            TRY(wr_u32(&d->r, &lg));
            if (lg > 64)
                return bad(d, pat, "invalid custom page size%s", "");
            if (lg != 0 && lg != 16)
                return inval(d, pat, "invalid custom page size%s", "");
            e.page_log2 = (uint8_t)lg;
        }
        if (k == 0x02 && e.page_log2 == 16 &&
            (e.lim.min > 65536 || (e.lim.has_max && e.lim.max > 65536)))
            return inval(d, fat, "memory size must be at most 65536 pages (4GiB)%s", "");
        if (e.lim.has_max && e.lim.max < e.lim.min)
            return inval(d, fat, "size minimum must not be greater than maximum%s", "");
        return new_cext(d, &e, type);
    }
    case 0x03: {
        cext e;
        memset(&e, 0, sizeof e);
        e.kind = k;
        TRY(read_core_valtype(d, &e.vt));
        size_t mat = d->r.pos;
        TRY(wr_byte(&d->r, &t));
        if (t > 1)
            return bad(d, mat, "malformed mutability%s", "");
        e.mut = t == 1;
        return new_cext(d, &e, type);
    }
    case 0x04: {
        /* tag: attribute 0, then a function type with no results */
        TRY(wr_byte(&d->r, &t));
        if (t != 0)
            return wu_error(d->err, WEFT_MALFORMED, at, "malformed tag attribute 0x%x", t);
        size_t tat = d->r.pos;
        TRY(wr_u32(&d->r, &idx));
        if (idx >= nlocal)
            return wu_error(d->err, WEFT_INVALID, tat, "core type index out of bounds (%u)", idx);
        if (local[idx] & CT_MOD_BIT)
            return wu_error(d->err, WEFT_INVALID, tat, "core type %u is not a function type", idx);
        if (d->cfts[local[idx]].nr)
            return wu_error(d->err, WEFT_INVALID, tat, "non-empty tag result type%s", "");
        *type = local[idx];
        return WEFT_OK;
    }
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed core extern type 0x%x", k);
}

static weft_status new_cft_raw(cdec *d, uint32_t np, const uint8_t *p, uint32_t nr,
                               const uint8_t *r, uint32_t *out);

static weft_status read_gc_storage(cdec *d)
{
    uint8_t b;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    if (b == 0x78 || b == 0x77 || (b >= 0x7b && b <= 0x7f) || b == 0x6f || b == 0x70 ||
        b == 0x6e || b == 0x6d || b == 0x6c || b == 0x6b || b == 0x6a || b == 0x71 ||
        b == 0x72 || b == 0x73 || b == 0x74)
        return WEFT_OK;
    if (b == 0x64 || b == 0x63) {
        int64_t ht;
        return wr_s33(&d->r, &ht);
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed storage type 0x%x", b);
}

/* subtype / rectype forms of WebAssembly 3.0 (b already read; 0x00 0x50
 * arrives as b = 0x00). Pushes a placeholder function type. */
static weft_status read_gc_type(cdec *d, scope *s, uint8_t b, uint32_t *cf)
{
    if (b == 0x4e) {
        uint32_t n;
        TRY(read_count(d, &n));
        for (uint32_t i = 0; i < n; i++) {
            uint8_t sb;
            TRY(wr_byte(&d->r, &sb));
            TRY(read_gc_type(d, s, sb, cf));
        }
        return WEFT_OK;
    }
    if (b == 0x00 || b == 0x50 || b == 0x4f) {
        uint32_t n, x;
        TRY(read_count(d, &n));
        for (uint32_t i = 0; i < n; i++)
            TRY(wr_u32(&d->r, &x));
        TRY(wr_byte(&d->r, &b));
    }
    size_t at = d->r.pos;
    if (b == 0x60)
        return read_core_functype(d, cf);
    if (b == 0x5f) {
        uint32_t n;
        TRY(read_count(d, &n));
        for (uint32_t i = 0; i < n; i++) {
            uint8_t mut;
            TRY(read_gc_storage(d));
            TRY(wr_byte(&d->r, &mut));
        }
    } else if (b == 0x5e) {
        uint8_t mut;
        TRY(read_gc_storage(d));
        TRY(wr_byte(&d->r, &mut));
    } else {
        return wu_error(d->err, WEFT_MALFORMED, at, "malformed composite type 0x%x", b);
    }
    static const uint8_t none[1] = {0};
    return new_cft_raw(d, 0, none, 0, none, cf);
}

/* core:type: pushes CT_FUNC or CT_MOD on the scope's core type space. */
static weft_status read_core_type(cdec *d, scope *s, bool in_module_type)
{
    uint8_t b;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    if (b == 0x60) {
        uint32_t cf;
        TRY(read_core_functype(d, &cf));
        return sp_push(d, &s->sp[WC_IS_CORE_TYPE], cf);
    }
    if (b == 0x00 || b == 0x4e || b == 0x4f || b == 0x5e || b == 0x5f) {
        /* WebAssembly 3.0 type forms: decoded; they can describe nothing a
         * component can use at run time */
        if (b == 0x00) {
            uint8_t b2;
            TRY(wr_byte(&d->r, &b2));
            if (b2 != 0x50)
                return wu_error(d->err, WEFT_MALFORMED, at, "malformed core type 0x00 0x%x", b2);
        }
        uint32_t cf = 0;
        TRY(read_gc_type(d, s, b, &cf));
        return sp_push(d, &s->sp[WC_IS_CORE_TYPE], cf);
    }
    if (b != 0x50)
        return wu_error(d->err, WEFT_MALFORMED, at, "malformed core type 0x%x", b);
    if (in_module_type)
        return inval(d, at, "module types cannot be nested%s", "");
    uint32_t n;
    TRY(read_count(d, &n));
    /* the module type's own core type space */
    uint32_t *local = wu_alloc(d->e, (n + 1) * sizeof(uint32_t));
    core_modtype mt;
    memset(&mt, 0, sizeof mt);
    mt.imodule = perm_alloc(d, (n + 1) * sizeof(char *));
    mt.iname = perm_alloc(d, (n + 1) * sizeof(char *));
    mt.ename = perm_alloc(d, (n + 1) * sizeof(char *));
    mt.ikind = perm_alloc(d, n + 1);
    mt.ekind = perm_alloc(d, n + 1);
    mt.itype = perm_alloc(d, (n + 1) * sizeof(uint32_t));
    mt.etype = perm_alloc(d, (n + 1) * sizeof(uint32_t));
    if (!local || !mt.imodule || !mt.iname || !mt.ename || !mt.ikind || !mt.ekind ||
        !mt.itype || !mt.etype) {
        wu_free(d->e, local, 0);
        return nomem(d);
    }
    uint32_t nlocal = 0;
    weft_status st = WEFT_OK;
    for (uint32_t i = 0; i < n && !st; i++) {
        uint8_t tag;
        size_t tat = d->r.pos;
        st = wr_byte(&d->r, &tag);
        if (st)
            break;
        switch (tag) {
        case 0x00: /* import */
            st = read_name(d, &mt.imodule[mt.nimports]);
            if (!st) st = read_name(d, &mt.iname[mt.nimports]);
            if (!st) st = read_core_externtype(d, local, nlocal, &mt.ikind[mt.nimports],
                                               &mt.itype[mt.nimports]);
            if (!st) {
                for (uint32_t k = 0; k < mt.nimports && !st; k++)
                    if (!strcmp(mt.imodule[k], mt.imodule[mt.nimports]) &&
                        !strcmp(mt.iname[k], mt.iname[mt.nimports]))
                        st = wu_error(d->err, WEFT_INVALID, tat, "duplicate import name `%s:%s`",
                                      mt.imodule[k], mt.iname[k]);
                mt.nimports++;
            }
            break;
        case 0x01: { /* type */
            uint8_t fb;
            st = wr_byte(&d->r, &fb);
            if (!st && fb == 0x50)
                st = inval(d, tat, "module types cannot be nested%s", "");
            else if (!st && fb != 0x60)
                st = bad(d, tat, "malformed core type%s", "");
            uint32_t cf = 0;
            if (!st) st = read_core_functype(d, &cf);
            if (!st) local[nlocal++] = cf;
            break;
        }
        case 0x02: { /* outer alias of a core type */
            uint8_t s1, s2;
            uint32_t ct, idx;
            st = wr_byte(&d->r, &s1);
            if (!st) st = wr_byte(&d->r, &s2);
            if (!st && (s1 != 0x10 || s2 != 0x01))
                st = bad(d, tat, "malformed core alias%s", "");
            if (!st) st = wr_u32(&d->r, &ct);
            if (!st) st = wr_u32(&d->r, &idx);
            if (st)
                break;
            if (ct == 0) {
                if (idx >= nlocal)
                    st = wu_error(d->err, WEFT_INVALID, tat, "core type index out of bounds (%u)", idx);
                else
                    local[nlocal++] = local[idx];
            } else {
                scope *t = s;
                for (uint32_t k = 1; k < ct && t; k++)
                    t = t->parent;
                if (!t)
                    st = wu_error(d->err, WEFT_INVALID, tat, "invalid outer alias count of %u", ct);
                else if (idx >= t->sp[WC_IS_CORE_TYPE].n)
                    st = wu_error(d->err, WEFT_INVALID, tat, "core type index out of bounds (%u)", idx);
                else if (t->sp[WC_IS_CORE_TYPE].v[idx] & CT_MOD_BIT)
                    st = inval(d, tat, "cannot alias a module type into a module type%s", "");
                else
                    local[nlocal++] = t->sp[WC_IS_CORE_TYPE].v[idx];
            }
            break;
        }
        case 0x03: /* export */
            st = read_name(d, &mt.ename[mt.nexports]);
            if (!st) {
                for (uint32_t k = 0; k < mt.nexports && !st; k++)
                    if (!strcmp(mt.ename[k], mt.ename[mt.nexports]))
                        st = wu_error(d->err, WEFT_INVALID, tat, "duplicate export name `%s`",
                                      mt.ename[k]);
            }
            if (!st) st = read_core_externtype(d, local, nlocal, &mt.ekind[mt.nexports],
                                               &mt.etype[mt.nexports]);
            if (!st) mt.nexports++;
            break;
        default:
            st = bad(d, tat, "malformed module type declarator%s", "");
        }
    }
    wu_free(d->e, local, 0);
    TRY(st);
    if (!grow(d, (void **)&d->cmts, d->ncmts, &d->cap_cmts, sizeof(core_modtype)))
        return nomem(d);
    d->cmts[d->ncmts] = mt;
    return sp_push(d, &s->sp[WC_IS_CORE_TYPE], CT_MOD(d->ncmts++));
}

/* ---------------------------------------------------------------- */
/* Aliases                                                           */
/* ---------------------------------------------------------------- */

static weft_status read_sort(cdec *d, uint8_t *space, bool *core)
{
    *space = 0;
    uint8_t b;
    size_t at = d->r.pos;
    TRY(wr_byte(&d->r, &b));
    *core = false;
    switch (b) {
    case 0x00: {
        uint8_t cs;
        TRY(wr_byte(&d->r, &cs));
        *core = true;
        switch (cs) {
        case 0x00: *space = WC_IS_CORE_FUNC; return WEFT_OK;
        case 0x01: *space = WC_IS_CORE_TABLE; return WEFT_OK;
        case 0x02: *space = WC_IS_CORE_MEMORY; return WEFT_OK;
        case 0x03: *space = WC_IS_CORE_GLOBAL; return WEFT_OK;
        case 0x04: *space = WC_IS_CORE_TAG; return WEFT_OK;
        case 0x10: *space = WC_IS_CORE_TYPE; return WEFT_OK;
        case 0x11: *space = WC_IS_CORE_MODULE; return WEFT_OK;
        case 0x12: *space = WC_IS_CORE_INSTANCE; return WEFT_OK;
        }
        return wu_error(d->err, WEFT_MALFORMED, at, "malformed core sort 0x%x", cs);
    }
    case 0x01: *space = WC_IS_FUNC; return WEFT_OK;
    case 0x02: *space = WC_IS_VALUE; return WEFT_OK;
    case 0x03: *space = WC_IS_TYPE; return WEFT_OK;
    case 0x04: *space = WC_IS_COMPONENT; return WEFT_OK;
    case 0x05: *space = WC_IS_INSTANCE; return WEFT_OK;
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed sort 0x%x", b);
}

static const char *space_name(uint8_t sp)
{
    static const char *const n[] = {"core func", "core table", "core memory", "core global",
                                    "core tag", "core type", "core module", "core instance", "func",
                                    "value", "type", "component", "instance"};
    return sp < WC_IS_COUNT ? n[sp] : "?";
}

static weft_status add_def(cdec *d, wc_comp *c, wc_def **out)
{
    if (!grow(d, (void **)&c->defs, c->ndefs, &c->cap_defs, sizeof(wc_def)))
        return nomem(d);
    wc_def *df = &c->defs[c->ndefs++];
    memset(df, 0, sizeof *df);
    df->type = WC_NONE;
    df->opts.memory = df->opts.realloc = df->opts.post_return = -1;
    *out = df;
    return WEFT_OK;
}

/* Looks up the export `name` of instance type it; returns its decl. */
static const wc_decl *inst_export(const wc_types *a, wc_tid it, const char *name)
{
    const weft_ctype *t = wc_type(a, it);
    for (uint32_t i = 0; i < t->nexports; i++)
        if (!strcmp(t->exports[i].name, name))
            return &t->exports[i];
    return NULL;
}

static uint8_t sort_to_space(uint8_t sort)
{
    switch (sort) {
    case WC_SORT_CORE_MODULE: return WC_IS_CORE_MODULE;
    case WC_SORT_FUNC: return WC_IS_FUNC;
    case WC_SORT_VALUE: return WC_IS_VALUE;
    case WC_SORT_TYPE: return WC_IS_TYPE;
    case WC_SORT_COMPONENT: return WC_IS_COMPONENT;
    case WC_SORT_INSTANCE: return WC_IS_INSTANCE;
    }
    return 0xFF;
}

/* Whether a type mentions a resource anywhere inside it. */
static bool refers_to_resource(const wc_types *a, wc_tid t, int depth)
{
    if (t == WC_NONE || t < WC_NPRIM || t >= a->n || depth > 64)
        return false;
    const weft_ctype *ty = wc_type(a, t);
    switch (ty->kind) {
    case WC_K_RESOURCE: case WEFT_C_OWN: case WEFT_C_BORROW:
        return true;
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_TUPLE: case WC_K_FUNC:
        for (uint32_t i = 0; i < ty->n; i++)
            if (refers_to_resource(a, ty->elems[i], depth + 1))
                return true;
        return refers_to_resource(a, ty->elem, depth + 1);
    case WEFT_C_LIST: case WEFT_C_OPTION:
        return refers_to_resource(a, ty->elem, depth + 1);
    case WEFT_C_RESULT:
        return refers_to_resource(a, ty->elem, depth + 1) || refers_to_resource(a, ty->err, depth + 1);
    case WC_K_INSTANCE: case WC_K_COMPONENT:
        for (uint32_t i = 0; i < ty->nimports; i++)
            if (ty->imports[i].sort != WC_SORT_CORE_MODULE &&
                refers_to_resource(a, ty->imports[i].type, depth + 1))
                return true;
        for (uint32_t i = 0; i < ty->nexports; i++)
            if (ty->exports[i].sort != WC_SORT_CORE_MODULE &&
                refers_to_resource(a, ty->exports[i].type, depth + 1))
                return true;
        return false;
    }
    return false;
}

static weft_status read_alias(cdec *d, scope *s, bool declarator)
{
    uint8_t space;
    bool core;
    size_t at = d->r.pos;
    TRY(read_sort(d, &space, &core));
    uint8_t kind;
    TRY(wr_byte(&d->r, &kind));
    wc_types *a = &d->c->types;
    wc_def *df = NULL;
    if (s->kind == SC_COMPONENT) {
        TRY(add_def(d, s->comp, &df));
        df->space = space;
    }
    switch (kind) {
    case 0x00: { /* export of an instance */
        uint32_t inst;
        const char *name;
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &inst));
        TRY(read_name(d, &name));
        if (core && space != WC_IS_CORE_MODULE)
            return bad(d, at, "malformed alias: core sort for an instance export%s", "");
        if (inst >= s->sp[WC_IS_INSTANCE].n)
            return wu_error(d->err, WEFT_INVALID, iat, "instance index out of bounds (%u)", inst);
        if (declarator && space != WC_IS_INSTANCE && space != WC_IS_TYPE)
            return inval(d, at, "export aliases in types may only alias instances and types%s", "");
        const wc_decl *ex = inst_export(a, s->sp[WC_IS_INSTANCE].v[inst], name);
        if (!ex)
            return wu_error(d->err, WEFT_INVALID, iat, "instance %u has no export named `%s`", inst, name);
        if (sort_to_space(ex->sort) != space)
            return wu_error(d->err, WEFT_INVALID, iat, "export `%s` is not a %s", name, space_name(space));
        TRY(sp_push(d, &s->sp[space], ex->type));
        if (space == WC_IS_COMPONENT && s->kind == SC_COMPONENT)
            TRY(push_comp(d, s, NULL));
        if (df) {
            df->op = WC_D_ALIAS_EXPORT;
            df->a = inst;
            df->name = name;
            df->type = ex->type;
        }
        return WEFT_OK;
    }
    case 0x01: { /* core export of a core instance */
        uint32_t inst;
        const char *name;
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &inst));
        TRY(read_name(d, &name));
        if (!core || space > WC_IS_CORE_TAG)
            return bad(d, at, "malformed alias: core export of a non-core sort%s", "");
        if (declarator)
            return inval(d, at, "core export aliases are not allowed in types%s", "");
        if (inst >= s->sp[WC_IS_CORE_INSTANCE].n)
            return wu_error(d->err, WEFT_INVALID, iat, "core instance index out of bounds (%u)", inst);
        const core_inst_info *ci = &d->cinsts[s->sp[WC_IS_CORE_INSTANCE].v[inst]];
        uint32_t k;
        for (k = 0; k < ci->n; k++)
            if (!strcmp(ci->names[k], name))
                break;
        if (k == ci->n)
            return wu_error(d->err, WEFT_INVALID, iat, "core instance %u has no export named `%s`", inst, name);
        static const uint8_t want[] = {WC_IS_CORE_FUNC, WC_IS_CORE_TABLE, WC_IS_CORE_MEMORY,
                                       WC_IS_CORE_GLOBAL, WC_IS_CORE_TAG};
        if (space == WC_IS_CORE_TAG && ci->sorts[k] != WEFT_EXTERN_TAG)
            return wu_error(d->err, WEFT_INVALID, iat, "export `%s` for core instance %u is not a tag",
                            name, inst);
        if (ci->sorts[k] > 4 || want[ci->sorts[k]] != space)
            return wu_error(d->err, WEFT_INVALID, iat, "export `%s` is not a %s", name, space_name(space));
        TRY(sp_push(d, &s->sp[space], ci->types[k]));
        if (df) {
            df->op = WC_D_ALIAS_CORE_EXPORT;
            df->a = inst;
            df->name = name;
        }
        return WEFT_OK;
    }
    case 0x02: { /* outer */
        uint32_t ct, idx;
        size_t cat = d->r.pos;
        TRY(wr_u32(&d->r, &ct));
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &idx));
        if (!(space == WC_IS_TYPE || space == WC_IS_CORE_TYPE || space == WC_IS_CORE_MODULE ||
              space == WC_IS_COMPONENT))
            return inval(d, at, "outer aliases may only refer to types, modules and components%s", "");
        if (declarator && space != WC_IS_TYPE && space != WC_IS_CORE_TYPE)
            return inval(d, at, "outer aliases in types may only alias types%s", "");
        scope *t = s;
        bool crossed_component = false;
        for (uint32_t k = 0; k < ct; k++) {
            if (t->kind == SC_COMPONENT)
                crossed_component = true;
            t = t->parent;
            if (!t)
                return wu_error(d->err, WEFT_INVALID, cat, "invalid outer alias count of %u", ct);
        }
        if (idx >= t->sp[space].n)
            return wu_error(d->err, WEFT_INVALID, iat, "%s index out of bounds (%u)", space_name(space), idx);
        uint32_t v = t->sp[space].v[idx];
        if (space == WC_IS_TYPE && crossed_component && ct > 0 && refers_to_resource(a, v, 0))
            return inval(d, iat, "type transitively refers to resources not defined in the current component%s", "");
        TRY(sp_push(d, &s->sp[space], v));
        if (df) {
            df->op = WC_D_ALIAS_OUTER;
            df->outer_count = ct;
            df->outer_idx = idx;
            df->type = v;
            if (space == WC_IS_COMPONENT) {
                df->comp = t->comps[idx];
                TRY(push_comp(d, s, df->comp));
            } else if (space == WC_IS_CORE_MODULE) {
                df->module = v;
            }
        }
        return WEFT_OK;
    }
    }
    return wu_error(d->err, WEFT_MALFORMED, at, "malformed alias kind 0x%x", kind);
}

/* ---------------------------------------------------------------- */
/* Component sections                                                */
/* ---------------------------------------------------------------- */

static weft_status decode_component(cdec *d, scope *parent, size_t end, wc_comp **out);

static weft_status check_index(cdec *d, scope *s, uint8_t space, uint32_t idx, size_t at)
{
    if (idx >= s->sp[space].n)
        return wu_error(d->err, WEFT_INVALID, at, "%s index out of bounds (%u)", space_name(space), idx);
    return WEFT_OK;
}

static weft_status new_core_inst(cdec *d, uint32_t n, uint32_t *out)
{
    if (!grow(d, (void **)&d->cinsts, d->ncinsts, &d->cap_cinsts, sizeof(core_inst_info)))
        return nomem(d);
    core_inst_info *ci = &d->cinsts[d->ncinsts];
    ci->n = n;
    ci->names = perm_alloc(d, (n + 1) * sizeof(char *));
    ci->sorts = perm_alloc(d, n + 1);
    ci->types = perm_alloc(d, (n + 1) * sizeof(uint32_t));
    if (!ci->names || !ci->sorts || !ci->types)
        return nomem(d);
    *out = d->ncinsts++;
    return WEFT_OK;
}

static weft_status new_cft(cdec *d, const weft_functype *ft, uint32_t *out)
{
    if (!grow(d, (void **)&d->cfts, d->ncfts, &d->cap_cfts, sizeof(core_ft)))
        return nomem(d);
    core_ft *c = &d->cfts[d->ncfts];
    memset(c, 0, sizeof *c);
    c->full_np = ft->nparams;
    c->big = ft->nparams > WC_MAX_FLAT_PARAMS || ft->nresults > 1;
    c->np = (uint8_t)(ft->nparams > WC_MAX_FLAT_PARAMS ? 0 : ft->nparams);
    c->nr = (uint8_t)(ft->nresults > 1 ? 2 : ft->nresults);
    for (uint32_t i = 0; i < c->np; i++)
        c->p[i] = (uint8_t)ft->params[i];
    for (uint32_t i = 0; i < ft->nresults && i < 1; i++)
        c->r[i] = (uint8_t)ft->results[i];
    *out = d->ncfts++;
    return WEFT_OK;
}

static weft_status new_cft_raw(cdec *d, uint32_t np, const uint8_t *p, uint32_t nr,
                               const uint8_t *r, uint32_t *out)
{
    weft_valkind pk[WC_MAX_FLAT_PARAMS + 1], rk[2];
    for (uint32_t i = 0; i < np; i++)
        pk[i] = (weft_valkind)p[i];
    for (uint32_t i = 0; i < nr; i++)
        rk[i] = (weft_valkind)r[i];
    weft_functype ft = {np, nr, pk, rk};
    return new_cft(d, &ft, out);
}

static weft_status sec_core_module(cdec *d, scope *s, size_t end)
{
    weft_component *c = d->c;
    weft_module *m = NULL;
    size_t at = d->r.pos;
    weft_error sub;
    weft_status st = weft_module_new((weft_engine *)d->e, d->r.bytes + at, end - at, &m, &sub);
    if (st) {
        if (d->err) {
            *d->err = sub;
            if (sub.offset != WEFT_NO_OFFSET)
                d->err->offset = sub.offset + at;
        }
        return st;
    }
    /* two-level import names must stay distinct once mangled to one level */
    uint32_t nim = weft_module_import_count(m);
    for (uint32_t i = 0; i < nim; i++) {
        weft_importdesc a, b;
        weft_module_import(m, i, &a);
        for (uint32_t j = 0; j < i; j++) {
            weft_module_import(m, j, &b);
            if (!strcmp(a.module, b.module) && !strcmp(a.name, b.name)) {
                weft_status st2 = wu_error(d->err, WEFT_INVALID, at, "duplicate import name `%s:%s`",
                                           a.module, a.name);
                weft_module_delete(m);
                return st2;
            }
        }
    }
    if (!grow(d, (void **)&c->modules, c->nmodules, &c->cap_modules, sizeof(weft_module *))) {
        weft_module_delete(m);
        return nomem(d);
    }
    c->modules[c->nmodules] = m;
    wc_def *df;
    TRY(add_def(d, s->comp, &df));
    df->op = WC_D_CORE_MODULE;
    df->module = c->nmodules++;
    d->r.pos = end;
    return sp_push(d, &s->sp[WC_IS_CORE_MODULE], df->module);
}

static weft_status sec_core_instance(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &kind));
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        uint32_t nargs;
        if (kind == 0x00) {
            uint32_t midx;
            size_t mat = d->r.pos;
            TRY(wr_u32(&d->r, &midx));
            TRY(check_index(d, s, WC_IS_CORE_MODULE, midx, mat));
            TRY(read_count(d, &nargs));
            df->op = WC_D_CORE_INSTANTIATE;
            df->a = midx;
            df->nargs = nargs;
            df->args = perm_alloc(d, (nargs + 1) * sizeof(wc_arg));
            if (!df->args)
                return nomem(d);
            for (uint32_t k = 0; k < nargs; k++) {
                size_t aat = d->r.pos;
                TRY(read_name(d, &df->args[k].name));
                uint8_t sort;
                TRY(wr_byte(&d->r, &sort));
                if (sort != 0x12)
                    return bad(d, aat, "malformed core instantiate argument sort%s", "");
                TRY(wr_u32(&d->r, &df->args[k].idx));
                df->args[k].space = WC_IS_CORE_INSTANCE;
                TRY(check_index(d, s, WC_IS_CORE_INSTANCE, df->args[k].idx, aat));
                for (uint32_t j = 0; j < k; j++)
                    if (!strcmp(df->args[j].name, df->args[k].name))
                        return wu_error(d->err, WEFT_INVALID, aat, "duplicate module instantiation argument named `%s`",
                                        df->args[k].name);
            }
            /* type check: every import of the module must be provided */
            uint32_t mv = s->sp[WC_IS_CORE_MODULE].v[midx];
            const weft_module *m = (mv & CT_MOD_BIT) ? NULL : d->c->modules[mv];
            const core_modtype *mt = (mv & CT_MOD_BIT) ? &d->cmts[mv & ~CT_MOD_BIT] : NULL;
            uint32_t nim = m ? weft_module_import_count(m) : mt->nimports;
            for (uint32_t k = 0; k < nim; k++) {
                const char *imod, *iname;
                uint8_t ikind;
                uint32_t icft = 0;
                if (m) {
                    weft_importdesc im;
                    weft_module_import(m, k, &im);
                    imod = im.module;
                    iname = im.name;
                    ikind = (uint8_t)im.type.kind;
                    TRY(cext_of_externtype(d, &im.type, &icft));
                } else {
                    imod = mt->imodule[k];
                    iname = mt->iname[k];
                    ikind = mt->ikind[k];
                    icft = mt->itype[k];
                }
                uint32_t j;
                for (j = 0; j < nargs; j++)
                    if (!strcmp(df->args[j].name, imod))
                        break;
                if (j == nargs)
                    return wu_error(d->err, WEFT_INVALID, at, "missing module instantiation argument named `%s`",
                                    imod);
                const core_inst_info *ci = &d->cinsts[s->sp[WC_IS_CORE_INSTANCE].v[df->args[j].idx]];
                uint32_t e;
                for (e = 0; e < ci->n; e++)
                    if (!strcmp(ci->names[e], iname))
                        break;
                if (e == ci->n)
                    return wu_error(d->err, WEFT_INVALID, at, "module instantiation argument `%s` does not export an item named `%s`",
                                    imod, iname);
                if (ci->sorts[e] != ikind)
                    return wu_error(d->err, WEFT_INVALID, at,
                                    "type mismatch for export `%s` of module instantiation argument `%s`: expected %s, found %s",
                                    iname, imod, core_kind_name(ikind), core_kind_name(ci->sorts[e]));
                char why[96];
                if (!core_matches(d, ikind, ci->types[e], icft, why, sizeof why))
                    return wu_error(d->err, WEFT_INVALID, at,
                                    "type mismatch for export `%s` of module instantiation argument `%s`: %s",
                                    iname, imod, why);
            }
            uint32_t nex = m ? weft_module_export_count(m) : mt->nexports, ci;
            TRY(new_core_inst(d, nex, &ci));
            for (uint32_t k = 0; k < nex; k++) {
                if (m) {
                    weft_exportdesc ex;
                    weft_module_export(m, k, &ex);
                    d->cinsts[ci].names[k] = ex.name;
                    d->cinsts[ci].sorts[k] = (uint8_t)ex.type.kind;
                    TRY(cext_of_externtype(d, &ex.type, &d->cinsts[ci].types[k]));
                } else {
                    d->cinsts[ci].names[k] = mt->ename[k];
                    d->cinsts[ci].sorts[k] = mt->ekind[k];
                    d->cinsts[ci].types[k] = mt->etype[k];
                }
            }
            TRY(sp_push(d, &s->sp[WC_IS_CORE_INSTANCE], ci));
        } else if (kind == 0x01) {
            TRY(read_count(d, &nargs));
            df->op = WC_D_CORE_EXPORTS;
            df->nargs = nargs;
            df->args = perm_alloc(d, (nargs + 1) * sizeof(wc_arg));
            if (!df->args)
                return nomem(d);
            uint32_t ci;
            TRY(new_core_inst(d, nargs, &ci));
            for (uint32_t k = 0; k < nargs; k++) {
                size_t aat = d->r.pos;
                TRY(read_name(d, &df->args[k].name));
                uint8_t cs;
                TRY(wr_byte(&d->r, &cs));
                if (cs > 4)
                    return bad(d, aat, "malformed core sort%s", "");
                df->args[k].space = cs;  /* WC_IS_CORE_FUNC.. match core sorts 0..4 */
                TRY(wr_u32(&d->r, &df->args[k].idx));
                if (cs == 4 && df->args[k].idx >= s->sp[cs].n)
                    return wu_error(d->err, WEFT_INVALID, aat, "unknown tag %u: tag index out of bounds",
                                    df->args[k].idx);
                TRY(check_index(d, s, cs, df->args[k].idx, aat));
                for (uint32_t j = 0; j < k; j++)
                    if (!strcmp(df->args[j].name, df->args[k].name))
                        return wu_error(d->err, WEFT_INVALID, aat, "duplicate export name `%s` in core instance",
                                        df->args[k].name);
                d->cinsts[ci].names[k] = df->args[k].name;
                d->cinsts[ci].sorts[k] = cs;
                d->cinsts[ci].types[k] = s->sp[cs].v[df->args[k].idx];
            }
            TRY(sp_push(d, &s->sp[WC_IS_CORE_INSTANCE], ci));
        } else {
            return wu_error(d->err, WEFT_MALFORMED, at, "malformed core instance kind 0x%x", kind);
        }
    }
    return WEFT_OK;
}

static weft_status sec_core_type(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    for (uint32_t i = 0; i < n; i++) {
        TRY(read_core_type(d, s, false));
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        df->op = WC_D_CORE_TYPE;
    }
    return WEFT_OK;
}

static weft_status sec_type(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &b));
        wc_tid t;
        if (b == 0x3f) {
            /* resource type: (rep i32) (dtor f)? */
            uint8_t rep;
            size_t rat = d->r.pos;
            TRY(wr_byte(&d->r, &rep));
            if (rep != 0x7f)
                return wu_error(d->err, rep == 0x7e ? WEFT_INVALID : WEFT_MALFORMED, rat,
                                "resources can only be represented by `i32`%s", "");
            bool has;
            TRY(read_optional(d, &has));
            int64_t dtor = -1;
            if (has) {
                uint32_t f;
                size_t fat = d->r.pos;
                TRY(wr_u32(&d->r, &f));
                TRY(check_index(d, s, WC_IS_CORE_FUNC, f, fat));
                const core_ft *cf = &d->cfts[s->sp[WC_IS_CORE_FUNC].v[f]];
                if (cf->full_np != 1 || cf->p[0] != WEFT_I32 || cf->nr != 0)
                    return inval(d, fat, "wrong signature for a destructor%s", "");
                dtor = f;
            }
            TRY(new_type(d, WC_K_RESOURCE, &t));
            weft_ctype *ty = wc_type(&d->c->types, t);
            ty->rep = WEFT_I32;
            ty->dtor = dtor;
            ty->resource_id = d->c->nresource_ids++;
            TRY(name_in_scope(d, s, t, NAMED_LOCAL));
        } else if (b == 0x40 || b == 0x43) {
            TRY(read_functype(d, s, b == 0x43, &t));
        } else if (b == 0x41 || b == 0x42) {
            TRY(read_component_type(d, s, b, &t));
        } else {
            TRY(read_defvaltype(d, s, b, at, &t));
        }
        TRY(sp_push(d, &s->sp[WC_IS_TYPE], t));
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        df->op = WC_D_TYPE;
        df->type = t;
    }
    return WEFT_OK;
}

static weft_status read_opts(cdec *d, scope *s, wc_optsdef *o, bool lift)
{
    uint32_t n;
    TRY(read_count(d, &n));
    bool seen_enc = false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &b));
        uint32_t idx;
        switch (b) {
        case 0x00: case 0x01: case 0x02:
            if (seen_enc)
                return inval(d, at, "canonical encoding option conflicts with another option%s", "");
            seen_enc = true;
            o->encoding = b;
            break;
        case 0x03:
            if (o->memory >= 0)
                return inval(d, at, "`memory` is specified more than once%s", "");
            TRY(wr_u32(&d->r, &idx));
            TRY(check_index(d, s, WC_IS_CORE_MEMORY, idx, at));
            o->memory = idx;
            break;
        case 0x04:
            if (o->realloc >= 0)
                return inval(d, at, "`realloc` is specified more than once%s", "");
            TRY(wr_u32(&d->r, &idx));
            TRY(check_index(d, s, WC_IS_CORE_FUNC, idx, at));
            {
                const core_ft *cf = &d->cfts[s->sp[WC_IS_CORE_FUNC].v[idx]];
                if (cf->full_np != 4 || cf->nr != 1 || cf->r[0] != WEFT_I32 ||
                    cf->p[0] != WEFT_I32 || cf->p[1] != WEFT_I32 || cf->p[2] != WEFT_I32 || cf->p[3] != WEFT_I32)
                    return inval(d, at, "canonical option `realloc` uses a core function with an incorrect signature%s", "");
            }
            o->realloc = idx;
            break;
        case 0x05:
            if (o->post_return >= 0)
                return inval(d, at, "`post-return` is specified more than once%s", "");
            if (!lift)
                return inval(d, at, "canonical option `post-return` cannot be used with `canon lower`%s", "");
            TRY(wr_u32(&d->r, &idx));
            TRY(check_index(d, s, WC_IS_CORE_FUNC, idx, at));
            o->post_return = idx;
            break;
        case 0x06: case 0x07:
            return wu_error(d->err, WEFT_UNSUPPORTED, at, "async canonical options are not supported%s", "");
        default:
            return wu_error(d->err, WEFT_MALFORMED, at, "malformed canonical option 0x%x", b);
        }
    }
    return WEFT_OK;
}

/* Checks the options a function type needs: memory for strings/lists,
 * realloc for lowering them into the guest. */
static bool type_needs_memory(const wc_types *a, wc_tid t, int depth)
{
    if (t == WC_NONE || depth > 64)
        return false;
    const weft_ctype *ty = wc_type(a, t);
    switch (ty->kind) {
    case WEFT_C_STRING: case WEFT_C_LIST:
        return true;
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_TUPLE:
        for (uint32_t i = 0; i < ty->n; i++)
            if (type_needs_memory(a, ty->elems[i], depth + 1))
                return true;
        return false;
    case WEFT_C_OPTION:
        return type_needs_memory(a, ty->elem, depth + 1);
    case WEFT_C_RESULT:
        return type_needs_memory(a, ty->elem, depth + 1) || type_needs_memory(a, ty->err, depth + 1);
    }
    return false;
}

/* Flattened core signature of a component function type for lift
 * (lower = false) or lower. */
static weft_status core_sig(cdec *d, wc_tid ft, bool lower, uint8_t *p, uint32_t *np,
                            uint8_t *r, uint32_t *nr, bool *mem_params, bool *mem_results)
{
    const wc_types *a = &d->c->types;
    const weft_ctype *t = wc_type(a, ft);
    uint8_t buf[WC_MAX_FLAT_PARAMS + 1];
    uint32_t n = wc_flatten_types(a, t->elems, t->n, buf, WC_MAX_FLAT_PARAMS);
    *mem_params = n > WC_MAX_FLAT_PARAMS;
    if (*mem_params) {
        p[0] = WEFT_I32;
        *np = 1;
    } else {
        memcpy(p, buf, n);
        *np = n;
    }
    uint8_t rb[WC_MAX_FLAT_RESULTS + 1];
    uint32_t rn = t->elem == WC_NONE ? 0 : wc_flatten_types(a, &t->elem, 1, rb, WC_MAX_FLAT_RESULTS);
    *mem_results = rn > WC_MAX_FLAT_RESULTS;
    if (*mem_results) {
        if (lower) {
            if (*np >= WC_MAX_FLAT_PARAMS + 1)
                return wu_error(d->err, WEFT_LIMIT, d->r.pos, "too many parameters%s", "");
            p[(*np)++] = WEFT_I32;
            *nr = 0;
        } else {
            r[0] = WEFT_I32;
            *nr = 1;
        }
    } else {
        if (rn)
            r[0] = rb[0];
        *nr = rn;
    }
    return WEFT_OK;
}

/* The canonical built-ins weft does not implement (async, threads,
 * error-context): their immediates are still decoded so that a malformed
 * one is reported as such. Undefined opcodes are malformed. */
static weft_status check_gated_canon(cdec *d, scope *s, size_t at, uint8_t b)
{
    uint32_t x;
    uint8_t flag;
    wc_optsdef o;
    memset(&o, 0, sizeof o);
    o.memory = o.realloc = o.post_return = -1;
    switch (b) {
    case 0x05: case 0x0d: case 0x1e: case 0x1f: case 0x22: case 0x23: case 0x24: case 0x25:
    case 0x26: case 0x28:
        return WEFT_OK;
    case 0x06: case 0x0c: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x42:
        break;  /* one boolean immediate */
    case 0x09: {
        wc_tid t;
        TRY(read_resultlist(d, s, &t));
        return read_opts(d, s, &o, false);
    }
    case 0x0a: case 0x0b: {
        uint8_t vt;
        TRY(read_core_valtype(d, &vt));
        return wr_u32(&d->r, &x);
    }
    case 0x0e: case 0x13: case 0x14: case 0x15: case 0x1a: case 0x1b:
        return wr_u32(&d->r, &x);
    case 0x0f: case 0x10: case 0x16: case 0x17:
        TRY(wr_u32(&d->r, &x));
        return read_opts(d, s, &o, false);
    case 0x11: case 0x12: case 0x18: case 0x19:
        TRY(wr_u32(&d->r, &x));
        break;  /* then a boolean */
    case 0x1c: case 0x1d:
        return read_opts(d, s, &o, false);
    case 0x20: case 0x21:
        break;  /* a boolean, then a memory index */
    case 0x27:
        TRY(wr_u32(&d->r, &x));
        return wr_u32(&d->r, &x);
    case 0x40: case 0x41:
        break;  /* a boolean, then type (and table) indices */
    default:
        return wu_error(d->err, WEFT_MALFORMED, at, "invalid leading byte (0x%x) for canonical function", b);
    }
    size_t fat = d->r.pos;
    TRY(wr_byte(&d->r, &flag));
    if (flag > 1)
        return wu_error(d->err, WEFT_MALFORMED, fat, "invalid boolean value (0x%x)", flag);
    if (b == 0x20 || b == 0x21)
        return wr_u32(&d->r, &x);
    if (b == 0x40)
        return wr_u32(&d->r, &x);
    if (b == 0x41) {
        TRY(wr_u32(&d->r, &x));
        return wr_u32(&d->r, &x);
    }
    return WEFT_OK;
}

static weft_status sec_canon(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    const wc_types *a = &d->c->types;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &b));
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        uint32_t idx;
        switch (b) {
        case 0x00: { /* lift */
            uint8_t z;
            TRY(wr_byte(&d->r, &z));
            if (z != 0)
                return bad(d, at, "malformed canon lift%s", "");
            size_t fat = d->r.pos;
            TRY(wr_u32(&d->r, &idx));
            TRY(check_index(d, s, WC_IS_CORE_FUNC, idx, fat));
            TRY(read_opts(d, s, &df->opts, true));
            uint32_t tidx;
            size_t tat = d->r.pos;
            TRY(wr_u32(&d->r, &tidx));
            wc_tid ft;
            TRY(type_index(d, s, tidx, tat, &ft));
            if (wc_type(a, ft)->kind != WC_K_FUNC)
                return wu_error(d->err, WEFT_INVALID, tat, "type index %u is not a function type", tidx);
            uint8_t p[WC_MAX_FLAT_PARAMS + 2], r[2];
            uint32_t np, nr;
            bool memp, memr;
            TRY(core_sig(d, ft, false, p, &np, r, &nr, &memp, &memr));
            const core_ft *cf = &d->cfts[s->sp[WC_IS_CORE_FUNC].v[idx]];
            bool ok = cf->full_np == np && cf->nr == nr;
            for (uint32_t k = 0; ok && k < np; k++)
                ok = cf->p[k] == p[k];
            if (ok && nr)
                ok = cf->r[0] == r[0];
            if (!ok)
                return inval(d, fat, "lowered function type does not match the core function's type%s", "");
            const weft_ctype *fty = wc_type(a, ft);
            bool needs_mem = memp || memr;
            bool needs_realloc = memp;
            for (uint32_t k = 0; k < fty->n; k++)
                if (type_needs_memory(a, fty->elems[k], 0))
                    needs_mem = needs_realloc = true;
            if (type_needs_memory(a, fty->elem, 0))
                needs_mem = true;
            if (needs_mem && df->opts.memory < 0)
                return inval(d, at, "canonical option `memory` is required%s", "");
            if (needs_realloc && df->opts.realloc < 0)
                return inval(d, at, "canonical option `realloc` is required%s", "");
            if (df->opts.post_return >= 0) {
                const core_ft *pr = &d->cfts[s->sp[WC_IS_CORE_FUNC].v[df->opts.post_return]];
                bool pok = pr->full_np == nr && pr->nr == 0 && (nr == 0 || pr->p[0] == r[0]);
                if (!pok)
                    return inval(d, at, "canonical option `post-return` uses a core function with an incorrect signature%s", "");
            }
            df->op = WC_D_CANON_LIFT;
            df->a = idx;
            df->type = ft;
            TRY(sp_push(d, &s->sp[WC_IS_FUNC], ft));
            break;
        }
        case 0x01: { /* lower */
            uint8_t z;
            TRY(wr_byte(&d->r, &z));
            if (z != 0)
                return bad(d, at, "malformed canon lower%s", "");
            size_t fat = d->r.pos;
            TRY(wr_u32(&d->r, &idx));
            TRY(check_index(d, s, WC_IS_FUNC, idx, fat));
            TRY(read_opts(d, s, &df->opts, false));
            wc_tid ft = s->sp[WC_IS_FUNC].v[idx];
            uint8_t p[WC_MAX_FLAT_PARAMS + 2], r[2];
            uint32_t np, nr;
            bool memp, memr;
            TRY(core_sig(d, ft, true, p, &np, r, &nr, &memp, &memr));
            const weft_ctype *fty = wc_type(a, ft);
            bool needs_mem = memp || memr, needs_realloc = false;
            for (uint32_t k = 0; k < fty->n; k++)
                if (type_needs_memory(a, fty->elems[k], 0))
                    needs_mem = true;
            if (type_needs_memory(a, fty->elem, 0))
                needs_mem = needs_realloc = true;
            if (needs_mem && df->opts.memory < 0)
                return inval(d, at, "canonical option `memory` is required%s", "");
            if (needs_realloc && df->opts.realloc < 0)
                return inval(d, at, "canonical option `realloc` is required%s", "");
            df->op = WC_D_CANON_LOWER;
            df->a = idx;
            df->type = ft;
            uint32_t cf;
            TRY(new_cft_raw(d, np, p, nr, r, &cf));
            TRY(sp_push(d, &s->sp[WC_IS_CORE_FUNC], cf));
            break;
        }
        case 0x02: case 0x03: case 0x04: { /* resource.new/drop/rep */
            size_t tat = d->r.pos;
            TRY(wr_u32(&d->r, &idx));
            wc_tid rt;
            TRY(type_index(d, s, idx, tat, &rt));
            if (wc_type(a, rt)->kind != WC_K_RESOURCE)
                return wu_error(d->err, WEFT_INVALID, tat, "type index %u is not a resource type", idx);
            if (b != 0x03 && !resource_is_local(s, wc_type(a, rt)->resource_id, a))
                return wu_error(d->err, WEFT_INVALID, tat,
                                "type index %u is not a local resource (defined by this component)", idx);
            df->op = b == 0x02 ? WC_D_RESOURCE_NEW : b == 0x03 ? WC_D_RESOURCE_DROP : WC_D_RESOURCE_REP;
            df->a = idx;
            df->type = rt;
            static const uint8_t i32[1] = {WEFT_I32};
            uint32_t cf;
            TRY(new_cft_raw(d, 1, i32, b == 0x03 ? 0 : 1, i32, &cf));
            TRY(sp_push(d, &s->sp[WC_IS_CORE_FUNC], cf));
            break;
        }
        default:
            TRY(check_gated_canon(d, s, at, b));
            return wu_error(d->err, WEFT_UNSUPPORTED, at,
                            "canonical built-in 0x%x is not supported (async, threads and error-context are not implemented)", b);
        }
    }
    return WEFT_OK;
}


/* A core module as validation sees it: from its decoded form or its type. */
static weft_status module_view(cdec *d, uint32_t mv, core_modtype *out)
{
    if (mv & CT_MOD_BIT) {
        *out = d->cmts[mv & ~CT_MOD_BIT];
        return WEFT_OK;
    }
    const weft_module *m = d->c->modules[mv];
    memset(out, 0, sizeof *out);
    uint32_t ni = weft_module_import_count(m), ne = weft_module_export_count(m);
    out->imodule = perm_alloc(d, (ni + 1) * sizeof(char *));
    out->iname = perm_alloc(d, (ni + 1) * sizeof(char *));
    out->ikind = perm_alloc(d, ni + 1);
    out->itype = perm_alloc(d, (ni + 1) * sizeof(uint32_t));
    out->ename = perm_alloc(d, (ne + 1) * sizeof(char *));
    out->ekind = perm_alloc(d, ne + 1);
    out->etype = perm_alloc(d, (ne + 1) * sizeof(uint32_t));
    if (!out->imodule || !out->iname || !out->ikind || !out->itype || !out->ename ||
        !out->ekind || !out->etype)
        return nomem(d);
    for (uint32_t i = 0; i < ni; i++) {
        weft_importdesc im;
        weft_module_import(m, i, &im);
        out->imodule[i] = im.module;
        out->iname[i] = im.name;
        out->ikind[i] = (uint8_t)im.type.kind;
        TRY(cext_of_externtype(d, &im.type, &out->itype[i]));
    }
    for (uint32_t i = 0; i < ne; i++) {
        weft_exportdesc ex;
        weft_module_export(m, i, &ex);
        out->ename[i] = ex.name;
        out->ekind[i] = (uint8_t)ex.type.kind;
        TRY(cext_of_externtype(d, &ex.type, &out->etype[i]));
    }
    out->nimports = ni;
    out->nexports = ne;
    return WEFT_OK;
}

/* Whether module `have` can be used where module type `want` is expected. */
static weft_status module_subtype(cdec *d, size_t at, const char *what, uint32_t have_v,
                                  uint32_t want_v)
{
    core_modtype h, w;
    TRY(module_view(d, have_v, &h));
    TRY(module_view(d, want_v, &w));
    char why[96];
    for (uint32_t i = 0; i < w.nexports; i++) {
        uint32_t j;
        for (j = 0; j < h.nexports; j++)
            if (!strcmp(h.ename[j], w.ename[i]))
                break;
        if (j == h.nexports)
            return wu_error(d->err, WEFT_INVALID, at, "type mismatch for `%s`: missing expected export `%s`",
                            what, w.ename[i]);
        if (h.ekind[j] != w.ekind[i] || !core_matches(d, w.ekind[i], h.etype[j], w.etype[i], why, sizeof why))
            return wu_error(d->err, WEFT_INVALID, at, "type mismatch for `%s`: type mismatch in export `%s`",
                            what, w.ename[i]);
    }
    for (uint32_t i = 0; i < h.nimports; i++) {
        uint32_t j;
        for (j = 0; j < w.nimports; j++)
            if (!strcmp(w.imodule[j], h.imodule[i]) && !strcmp(w.iname[j], h.iname[i]))
                break;
        if (j == w.nimports)
            return wu_error(d->err, WEFT_INVALID, at, "type mismatch for `%s`: missing expected import `%s::%s`",
                            what, h.imodule[i], h.iname[i]);
        if (h.ikind[i] != w.ikind[j] || !core_matches(d, h.ikind[i], w.itype[j], h.itype[i], why, sizeof why))
            return wu_error(d->err, WEFT_INVALID, at, "type mismatch for `%s`: type mismatch in import `%s::%s`",
                            what, h.imodule[i], h.iname[i]);
    }
    return WEFT_OK;
}

static const char *kind_word(const weft_ctype *t)
{
    if (t->kind < WC_NPRIM)
        return "primitive";
    if (t->kind < WEFT_C_KIND_COUNT_)
        return weft_ckind_name((weft_ckind)t->kind);
    switch (t->kind) {
    case WC_K_FUNC: return "func";
    case WC_K_RESOURCE: return "resource";
    case WC_K_INSTANCE: return "instance";
    case WC_K_COMPONENT: return "component";
    }
    return "type";
}

/* Structural equality of value types with a message saying where they
 * differ (resources compare as compatible; see ctypes.c). */
/* Resource identities of the instantiated component's imports, mapped to
 * the supplied ones while an instantiation is checked. */
typedef struct rsubst {
    uint32_t *from, *to;          /* resource identities */
    uint32_t n, cap, cap_to;
    wc_tid *tfrom, *tto;          /* whole types (eq-bounded type imports) */
    uint32_t nt, cap_tf, cap_tt;
} rsubst;

static bool resource_is_bound(const rsubst *m, uint32_t id)
{
    for (uint32_t i = 0; m && i < m->n; i++)
        if (m->from[i] == id)
            return true;
    return false;
}

static uint32_t subst_id(const rsubst *m, uint32_t id)
{
    for (uint32_t i = 0; m && i < m->n; i++)
        if (m->from[i] == id)
            return m->to[i];
    return id;
}

static bool vtype_same(const wc_types *a, wc_tid want, wc_tid have, char *why, size_t cap, int depth,
                       const rsubst *m)
{
    if (want == have)
        return true;
    if (want == WC_NONE || have == WC_NONE || depth > 64) {
        wu_fmt(why, cap, "type mismatch");
        return false;
    }
    const weft_ctype *w = wc_type(a, want), *h = wc_type(a, have);
    if (w->kind != h->kind) {
        if (w->kind < WC_NPRIM && h->kind < WC_NPRIM)
            wu_fmt(why, cap, "expected primitive `%s` found primitive `%s`",
                   weft_ckind_name((weft_ckind)w->kind), weft_ckind_name((weft_ckind)h->kind));
        else if (w->kind < WC_NPRIM)
            wu_fmt(why, cap, "expected primitive, found %s", kind_word(h));
        else
            wu_fmt(why, cap, "expected %s, found %s", kind_word(w),
                   h->kind < WC_NPRIM ? weft_ckind_name((weft_ckind)h->kind) : kind_word(h));
        return false;
    }
    switch (w->kind) {
    case WEFT_C_RECORD:
        if (w->n != h->n) {
            wu_fmt(why, cap, "expected %u fields, found %u", w->n, h->n);
            return false;
        }
        for (uint32_t i = 0; i < w->n; i++) {
            if (strcmp(w->labels[i], h->labels[i])) {
                wu_fmt(why, cap, "expected field name `%s`, found `%s`", w->labels[i], h->labels[i]);
                return false;
            }
            if (!vtype_same(a, w->elems[i], h->elems[i], why, cap, depth + 1, m)) {
                wu_fmt(why, cap, "type mismatch in record field `%s`", w->labels[i]);
                return false;
            }
        }
        return true;
    case WEFT_C_VARIANT:
        if (w->n != h->n) {
            wu_fmt(why, cap, "expected %u cases, found %u", w->n, h->n);
            return false;
        }
        for (uint32_t i = 0; i < w->n; i++) {
            if (strcmp(w->labels[i], h->labels[i])) {
                wu_fmt(why, cap, "expected case named `%s`, found `%s`", w->labels[i], h->labels[i]);
                return false;
            }
            if ((w->elems[i] == WC_NONE) != (h->elems[i] == WC_NONE)) {
                wu_fmt(why, cap, w->elems[i] == WC_NONE ? "expected case `%s` to have no type"
                                                        : "expected case `%s` to have a type, found none",
                       w->labels[i]);
                return false;
            }
            if (w->elems[i] != WC_NONE && !vtype_same(a, w->elems[i], h->elems[i], why, cap, depth + 1, m)) {
                wu_fmt(why, cap, "type mismatch in variant case `%s`", w->labels[i]);
                return false;
            }
        }
        return true;
    case WEFT_C_TUPLE:
        if (w->n != h->n) {
            wu_fmt(why, cap, "expected %u types, found %u", w->n, h->n);
            return false;
        }
        for (uint32_t i = 0; i < w->n; i++)
            if (!vtype_same(a, w->elems[i], h->elems[i], why, cap, depth + 1, m)) {
                wu_fmt(why, cap, "type mismatch in tuple field %u", i);
                return false;
            }
        return true;
    case WEFT_C_FLAGS: case WEFT_C_ENUM:
        if (w->n != h->n) {
            wu_fmt(why, cap, "mismatch in %s elements", w->kind == WEFT_C_FLAGS ? "flags" : "enum");
            return false;
        }
        for (uint32_t i = 0; i < w->n; i++)
            if (strcmp(w->labels[i], h->labels[i])) {
                wu_fmt(why, cap, "mismatch in %s elements", w->kind == WEFT_C_FLAGS ? "flags" : "enum");
                return false;
            }
        return true;
    case WEFT_C_LIST: case WEFT_C_OPTION:
        return vtype_same(a, w->elem, h->elem, why, cap, depth + 1, m);
    case WEFT_C_RESULT:
        if ((w->elem == WC_NONE) != (h->elem == WC_NONE)) {
            wu_fmt(why, cap, w->elem == WC_NONE ? "expected ok type to not be present"
                                                : "expected ok type, but found none");
            return false;
        }
        if ((w->err == WC_NONE) != (h->err == WC_NONE)) {
            wu_fmt(why, cap, w->err == WC_NONE ? "expected err type to not be present"
                                               : "expected err type, but found none");
            return false;
        }
        if (w->elem != WC_NONE && !vtype_same(a, w->elem, h->elem, why, cap, depth + 1, m)) {
            wu_fmt(why, cap, "type mismatch in ok variant");
            return false;
        }
        if (w->err != WC_NONE && !vtype_same(a, w->err, h->err, why, cap, depth + 1, m)) {
            wu_fmt(why, cap, "type mismatch in err variant");
            return false;
        }
        return true;
    case WC_K_FUNC:
        if (w->n != h->n || (w->elem == WC_NONE) != (h->elem == WC_NONE)) {
            wu_fmt(why, cap, "function types differ in arity");
            return false;
        }
        for (uint32_t i = 0; i < w->n; i++) {
            if (strcmp(w->labels[i], h->labels[i])) {
                wu_fmt(why, cap, "expected parameter named `%s`, found `%s`", w->labels[i], h->labels[i]);
                return false;
            }
            if (!vtype_same(a, w->elems[i], h->elems[i], why, cap, depth + 1, m))
                return false;
        }
        return w->elem == WC_NONE || vtype_same(a, w->elem, h->elem, why, cap, depth + 1, m);
    case WEFT_C_OWN: case WEFT_C_BORROW:
        return vtype_same(a, w->elem, h->elem, why, cap, depth + 1, m);
    case WC_K_RESOURCE:
        if (subst_id(m, w->resource_id) != h->resource_id) {
            wu_fmt(why, cap, "resource types are not the same");
            return false;
        }
        return true;
    }
    if (!wc_type_equal(a, want, a, have)) {
        wu_fmt(why, cap, "type mismatch");
        return false;
    }
    return true;
}

/* The type t with the resources of map replaced (t itself when nothing
 * changes). */
static weft_status subst_type(cdec *d, wc_tid t, const rsubst *m, wc_tid *out, int depth)
{
    wc_types *a = &d->c->types;
    *out = t;
    if (t == WC_NONE || t < WC_NPRIM || t >= a->n || (m->n == 0 && m->nt == 0) || depth > 64)
        return WEFT_OK;
    for (uint32_t i = 0; i < m->nt; i++)
        if (m->tfrom[i] == t) {
            *out = m->tto[i];
            return WEFT_OK;
        }
    const weft_ctype *ty = wc_type(a, t);
    uint8_t kind = ty->kind;
    wc_tid elem = ty->elem, err = ty->err, ne = elem, nerr = err;
    switch (kind) {
    case WC_K_RESOURCE: {
        uint32_t mapped = subst_id(m, ty->resource_id);
        if (mapped == ty->resource_id)
            return WEFT_OK;
        wc_tid n;
        TRY(new_type(d, WC_K_RESOURCE, &n));
        weft_ctype *src = wc_type(a, t), *dst = wc_type(a, n);
        dst->rep = src->rep;
        dst->dtor = src->dtor;
        dst->resource_id = mapped;
        *out = n;
        return WEFT_OK;
    }
    case WEFT_C_OWN: case WEFT_C_BORROW: case WEFT_C_LIST: case WEFT_C_OPTION: case WEFT_C_RESULT:
        TRY(subst_type(d, elem, m, &ne, depth + 1));
        if (kind == WEFT_C_RESULT)
            TRY(subst_type(d, err, m, &nerr, depth + 1));
        if (ne == elem && nerr == err)
            return WEFT_OK;
        {
            wc_tid n;
            TRY(new_type(d, kind, &n));
            weft_ctype *dst = wc_type(a, n);
            dst->elem = ne;
            dst->err = nerr;
            wc_type_layout(a, n);
            *out = n;
        }
        return WEFT_OK;
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_TUPLE: case WC_K_FUNC: {
        uint32_t n = ty->n;
        wc_tid *el = NULL;
        for (uint32_t i = 0; i < n; i++) {
            wc_tid src_e = wc_type(a, t)->elems[i], ns;
            TRY(subst_type(d, src_e, m, &ns, depth + 1));
            if (ns != src_e && !el) {
                el = perm_alloc(d, (n + 1) * sizeof(wc_tid));
                if (!el)
                    return nomem(d);
                memcpy(el, wc_type(a, t)->elems, n * sizeof(wc_tid));
            }
            if (el)
                el[i] = ns;
        }
        if (kind == WC_K_FUNC)
            TRY(subst_type(d, elem, m, &ne, depth + 1));
        if (!el && ne == elem)
            return WEFT_OK;
        wc_tid nt;
        TRY(new_type(d, kind, &nt));
        const weft_ctype *src = wc_type(a, t);
        weft_ctype *dst = wc_type(a, nt);
        dst->n = n;
        dst->labels = src->labels;
        dst->elems = el ? el : src->elems;
        dst->elem = ne;
        dst->err = src->err;
        if (kind < WEFT_C_KIND_COUNT_)
            wc_type_layout(a, nt);
        *out = nt;
        return WEFT_OK;
    }
    case WC_K_INSTANCE: case WC_K_COMPONENT: {
        uint32_t ni = ty->nimports, nx = ty->nexports;
        wc_decl *im = perm_alloc(d, (ni + 1) * sizeof(wc_decl));
        wc_decl *ex = perm_alloc(d, (nx + 1) * sizeof(wc_decl));
        if (!im || !ex)
            return nomem(d);
        bool changed = false;
        for (uint32_t i = 0; i < ni; i++) {
            im[i] = wc_type(a, t)->imports[i];
            if (im[i].sort != WC_SORT_CORE_MODULE) {
                wc_tid ns;
                TRY(subst_type(d, im[i].type, m, &ns, depth + 1));
                changed |= ns != im[i].type;
                im[i].type = ns;
            }
        }
        for (uint32_t i = 0; i < nx; i++) {
            ex[i] = wc_type(a, t)->exports[i];
            if (ex[i].sort != WC_SORT_CORE_MODULE) {
                wc_tid ns;
                TRY(subst_type(d, ex[i].type, m, &ns, depth + 1));
                changed |= ns != ex[i].type;
                ex[i].type = ns;
            }
        }
        if (!changed)
            return WEFT_OK;
        wc_tid nt;
        TRY(new_type(d, kind, &nt));
        weft_ctype *dst = wc_type(a, nt);
        dst->nimports = ni;
        dst->nexports = nx;
        dst->imports = im;
        dst->exports = ex;
        *out = nt;
        return WEFT_OK;
    }
    }
    return WEFT_OK;
}

static weft_status subst_add(cdec *d, rsubst *m, uint32_t from, uint32_t to);

/* Importing an instance type makes the abstract resources it declares
 * (and those of its instance-typed exports) fresh identities: two imports
 * of one instance type have distinct resources. */
static weft_status freshen_instance(cdec *d, wc_tid t, wc_tid *out, int depth)
{
    wc_types *a = &d->c->types;
    *out = t;
    if (t == WC_NONE || t >= a->n || depth > 32 || wc_type(a, t)->kind != WC_K_INSTANCE)
        return WEFT_OK;
    rsubst m;
    memset(&m, 0, sizeof m);
    weft_status st = WEFT_OK;
    const weft_ctype *ty = wc_type(a, t);
    for (uint32_t i = 0; i < ty->nexports && !st; i++) {
        const wc_decl *dcl = &wc_type(a, t)->exports[i];
        if (dcl->sort != WC_SORT_TYPE)
            continue;
        const weft_ctype *rt = wc_type(a, dcl->type);
        if (rt->kind == WC_K_RESOURCE && rt->abstract)
            st = subst_add(d, &m, rt->resource_id, d->c->nresource_ids++);
    }
    wc_tid nt = t;
    if (!st && m.n)
        st = subst_type(d, t, &m, &nt, 0);
    wu_free(d->e, m.from, 0);
    wu_free(d->e, m.to, 0);
    TRY(st);
    /* instance-typed exports get their own fresh resources */
    const weft_ctype *nty = wc_type(a, nt);
    wc_decl *ex = NULL;
    for (uint32_t i = 0; i < nty->nexports; i++) {
        const wc_decl *dcl = &wc_type(a, nt)->exports[i];
        if (dcl->sort != WC_SORT_INSTANCE)
            continue;
        wc_tid ft;
        TRY(freshen_instance(d, dcl->type, &ft, depth + 1));
        if (ft == dcl->type)
            continue;
        if (!ex) {
            uint32_t n = wc_type(a, nt)->nexports;
            ex = perm_alloc(d, (n + 1) * sizeof(wc_decl));
            if (!ex)
                return nomem(d);
            memcpy(ex, wc_type(a, nt)->exports, n * sizeof(wc_decl));
        }
        ex[i].type = ft;
    }
    if (ex) {
        wc_tid c;
        TRY(new_type(d, WC_K_INSTANCE, &c));
        weft_ctype *dst = wc_type(a, c);
        dst->nexports = wc_type(a, nt)->nexports;
        dst->exports = ex;
        dst->nimports = wc_type(a, nt)->nimports;
        dst->imports = wc_type(a, nt)->imports;
        nt = c;
    }
    *out = nt;
    return WEFT_OK;
}

static weft_status subst_add(cdec *d, rsubst *m, uint32_t from, uint32_t to)
{
    if (!grow(d, (void **)&m->from, m->n, &m->cap, sizeof(uint32_t)) ||
        !grow(d, (void **)&m->to, m->n, &m->cap_to, sizeof(uint32_t)))
        return nomem(d);
    m->from[m->n] = from;
    m->to[m->n++] = to;
    return WEFT_OK;
}

/* Checks the `with` arguments of an instantiation against the component
 * type's imports, in order, binding its imported resources to the supplied
 * ones as it goes. */
static weft_status check_instantiate_args(cdec *d, scope *s, size_t at, const weft_ctype *cty,
                                          const wc_def *df, rsubst *map)
{
    const wc_types *a = &d->c->types;
    for (uint32_t k = 0; k < cty->nimports; k++) {
        const wc_decl *im = &cty->imports[k];
        uint32_t j;
        for (j = 0; j < df->nargs; j++)
            if (!strcmp(df->args[j].name, im->name))
                break;
        if (j == df->nargs)
            return wu_error(d->err, WEFT_INVALID, at, "missing import named `%s`", im->name);
        if (sort_to_space(im->sort) != df->args[j].space)
            return wu_error(d->err, WEFT_INVALID, at, "type mismatch for import `%s`: expected %s",
                            im->name, space_name(sort_to_space(im->sort)));
        char why[160];
        uint32_t idx = df->args[j].idx;
        switch (im->sort) {
        case WC_SORT_FUNC: {
            wc_tid got = s->sp[WC_IS_FUNC].v[idx];
            if (!vtype_same(a, im->type, got, why, sizeof why, 0, map))
                return wu_error(d->err, WEFT_INVALID, at, "type mismatch for import `%s`: %s",
                                im->name, why);
            break;
        }
        case WC_SORT_CORE_MODULE:
            TRY(module_subtype(d, at, im->name, s->sp[WC_IS_CORE_MODULE].v[idx], im->type));
            break;
        case WC_SORT_TYPE: {
            wc_tid got = s->sp[WC_IS_TYPE].v[idx];
            const weft_ctype *wt = wc_type(a, im->type);
            const weft_ctype *gt = wc_type(a, got);
            if (wt->kind == WC_K_RESOURCE) {
                if (gt->kind != WC_K_RESOURCE)
                    return wu_error(d->err, WEFT_INVALID, at,
                                    "type mismatch for import `%s`: expected resource, found %s",
                                    im->name, kind_word(gt));
                uint32_t mapped = subst_id(map, wt->resource_id);
                if (mapped == wt->resource_id && !resource_is_bound(map, wt->resource_id))
                    TRY(subst_add(d, map, wt->resource_id, gt->resource_id));  /* a fresh (sub resource) */
                else if (mapped != gt->resource_id)
                    return wu_error(d->err, WEFT_INVALID, at,
                                    "type mismatch for import `%s`: resource types are not the same",
                                    im->name);
            } else if (!vtype_same(a, im->type, got, why, sizeof why, 0, map)) {
                return wu_error(d->err, WEFT_INVALID, at, "type mismatch for import `%s`: %s",
                                im->name, why);
            } else if (im->type != got) {
                /* the child's view of the type becomes the supplied one */
                if (!grow(d, (void **)&map->tfrom, map->nt, &map->cap_tf, sizeof(wc_tid)) ||
                    !grow(d, (void **)&map->tto, map->nt, &map->cap_tt, sizeof(wc_tid)))
                    return nomem(d);
                map->tfrom[map->nt] = im->type;
                map->tto[map->nt++] = got;
            }
            break;
        }
        case WC_SORT_INSTANCE: {
            wc_tid got = s->sp[WC_IS_INSTANCE].v[idx];
            const weft_ctype *want = wc_type(a, im->type);
            for (uint32_t q = 0; q < want->nexports; q++) {
                const wc_decl *we = &want->exports[q];
                const wc_decl *ge = inst_export(a, got, we->name);
                if (!ge || ge->sort != we->sort)
                    return wu_error(d->err, WEFT_INVALID, at,
                                    "type mismatch for import `%s`: missing expected export `%s`",
                                    im->name, we->name);
                if (we->sort == WC_SORT_TYPE) {
                    const weft_ctype *wt = wc_type(a, we->type), *gt = wc_type(a, ge->type);
                    if (wt->kind == WC_K_RESOURCE && gt->kind == WC_K_RESOURCE &&
                        !resource_is_bound(map, wt->resource_id))
                        TRY(subst_add(d, map, wt->resource_id, gt->resource_id));
                    else if (!vtype_same(a, we->type, ge->type, why, sizeof why, 0, map))
                        return wu_error(d->err, WEFT_INVALID, at,
                                        "type mismatch for import `%s`: export `%s`: %s",
                                        im->name, we->name, why);
                } else if (we->sort == WC_SORT_FUNC &&
                           !vtype_same(a, we->type, ge->type, why, sizeof why, 0, map)) {
                    return wu_error(d->err, WEFT_INVALID, at,
                                    "type mismatch for import `%s`: export `%s` has the wrong type: %s",
                                    im->name, we->name, why);
                }
            }
            break;
        }
        }
    }
    return WEFT_OK;
}

static weft_status sec_instance(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    wc_types *a = &d->c->types;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind;
        size_t at = d->r.pos;
        TRY(wr_byte(&d->r, &kind));
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        uint32_t nargs;
        if (kind == 0x00) {
            uint32_t cidx;
            size_t cat = d->r.pos;
            TRY(wr_u32(&d->r, &cidx));
            TRY(check_index(d, s, WC_IS_COMPONENT, cidx, cat));
            TRY(read_count(d, &nargs));
            df->op = WC_D_INSTANTIATE;
            df->a = cidx;
            df->nargs = nargs;
            df->args = perm_alloc(d, (nargs + 1) * sizeof(wc_arg));
            if (!df->args)
                return nomem(d);
            for (uint32_t k = 0; k < nargs; k++) {
                size_t aat = d->r.pos;
                TRY(read_name(d, &df->args[k].name));
                bool core;
                TRY(read_sort(d, &df->args[k].space, &core));
                TRY(wr_u32(&d->r, &df->args[k].idx));
                if (core && df->args[k].space != WC_IS_CORE_MODULE)
                    return inval(d, aat, "instantiation arguments may only be core modules among core sorts%s", "");
                TRY(check_index(d, s, df->args[k].space, df->args[k].idx, aat));
                for (uint32_t j = 0; j < k; j++)
                    if (!strcmp(df->args[j].name, df->args[k].name))
                        return wu_error(d->err, WEFT_INVALID, aat, "instantiation argument `%s` conflicts with previous argument",
                                        df->args[k].name);
            }
            /* type check against the component type: every import needs an
             * argument of the same sort */
            wc_tid ct = s->sp[WC_IS_COMPONENT].v[cidx];
            const weft_ctype *cty = wc_type(a, ct);
            rsubst map;
            memset(&map, 0, sizeof map);
            weft_status cst = check_instantiate_args(d, s, at, cty, df, &map);
            /* the instance's exports see the supplied resources */
            wc_tid subst_ct = ct;
            /* resources defined inside the child are new in every instance */
            const wc_comp *child = s->comps[cidx];
            for (uint32_t q = 0; !cst && child && q < child->nlocal_res; q++)
                cst = subst_add(d, &map, child->local_res[q], d->c->nresource_ids++);
            if (!cst)
                cst = subst_type(d, ct, &map, &subst_ct, 0);
            wu_free(d->e, map.from, 0);
            wu_free(d->e, map.to, 0);
            wu_free(d->e, map.tfrom, 0);
            wu_free(d->e, map.tto, 0);
            TRY(cst);
            cty = wc_type(a, subst_ct);
            /* the instance type: the component's exports */
            wc_tid it;
            TRY(new_type(d, WC_K_INSTANCE, &it));
            weft_ctype *ity = wc_type(a, it);
            ity->nexports = cty->nexports;
            ity->exports = cty->exports;
            TRY(sp_push(d, &s->sp[WC_IS_INSTANCE], it));
        } else if (kind == 0x01) {
            TRY(read_count(d, &nargs));
            df->op = WC_D_EXPORTS;
            df->nargs = nargs;
            df->args = perm_alloc(d, (nargs + 1) * sizeof(wc_arg));
            if (!df->args)
                return nomem(d);
            wc_tid it;
            TRY(new_type(d, WC_K_INSTANCE, &it));
            weft_ctype *ity = wc_type(a, it);
            ity->exports = perm_alloc(d, (nargs + 1) * sizeof(wc_decl));
            if (!ity->exports)
                return nomem(d);
            for (uint32_t k = 0; k < nargs; k++) {
                size_t aat = d->r.pos;
                bool impl;
                TRY(read_extern_name(d, &df->args[k].name, &impl));
                bool core;
                TRY(read_sort(d, &df->args[k].space, &core));
                if (impl)
                    TRY(check_implements(d, aat, df->args[k].name, df->args[k].space));
                TRY(wr_u32(&d->r, &df->args[k].idx));
                if (core && df->args[k].space != WC_IS_CORE_MODULE)
                    return inval(d, aat, "instance exports may only be core modules among core sorts%s", "");
                TRY(check_index(d, s, df->args[k].space, df->args[k].idx, aat));
                TRY(check_extern_name(d, s, aat, df->args[k].name, df->args[k].space,
                                      s->sp[df->args[k].space].v[df->args[k].idx], false));
                for (uint32_t j = 0; j < k; j++)
                    if (names_conflict(df->args[j].name, df->args[k].name))
                        return wu_error(d->err, WEFT_INVALID, aat, "export name `%s` conflicts with previous name `%s`",
                                        df->args[k].name, df->args[j].name);
                ity->exports[k].name = df->args[k].name;
                ity->exports[k].sort = space_to_sort(df->args[k].space);
                ity->exports[k].type = s->sp[df->args[k].space].v[df->args[k].idx];
            }
            ity->nexports = nargs;
            TRY(sp_push(d, &s->sp[WC_IS_INSTANCE], it));
        } else {
            return wu_error(d->err, WEFT_MALFORMED, at, "malformed instance kind 0x%x", kind);
        }
    }
    return WEFT_OK;
}


/* ---------------------------------------------------------------- */
/* Visibility of types in imports and exports                        */
/* ---------------------------------------------------------------- */


/* A new type identity for t, named by an import or export. */
static weft_status named_copy(cdec *d, scope *s, wc_tid t, uint8_t how, wc_tid *out)
{
    wc_types *a = &d->c->types;
    if (t < WC_NPRIM) {
        *out = t;
        return WEFT_OK;
    }
    const weft_ctype *src = wc_type(a, t);
    uint8_t kind = src->kind;
    if (kind == WC_K_INSTANCE) {
        /* exporting or importing an instance names the types it exports */
        uint32_t n = src->nexports;
        wc_decl *ex = perm_alloc(d, (n + 1) * sizeof(wc_decl));
        if (!ex)
            return nomem(d);
        for (uint32_t i = 0; i < n; i++) {
            ex[i] = wc_type(a, t)->exports[i];
            if (ex[i].sort == WC_SORT_TYPE || ex[i].sort == WC_SORT_INSTANCE) {
                wc_tid c;
                TRY(named_copy(d, s, ex[i].type, how, &c));
                ex[i].type = c;
            }
        }
        wc_tid nt;
        TRY(new_type(d, WC_K_INSTANCE, &nt));
        weft_ctype *dst = wc_type(a, nt);
        dst->nexports = n;
        dst->exports = ex;
        dst->nimports = wc_type(a, t)->nimports;
        dst->imports = wc_type(a, t)->imports;
        *out = nt;
        return WEFT_OK;
    }
    if (kind == WC_K_FUNC || kind == WC_K_COMPONENT || t >= a->n) {
        *out = t;
        return WEFT_OK;
    }
    wc_tid n;
    TRY(new_type(d, kind, &n));
    weft_ctype *dst = wc_type(a, n);
    src = wc_type(a, t);
    dst->n = src->n;
    dst->elems = src->elems;
    dst->labels = src->labels;
    dst->elem = src->elem;
    dst->err = src->err;
    dst->rep = src->rep;
    dst->dtor = src->dtor;
    dst->resource_id = src->resource_id;
    if (kind < WEFT_C_KIND_COUNT_)
        wc_type_layout(a, n);
    *out = n;
    return name_in_scope(d, s, n, how);
}

/* The instance types enclosing a visibility check: their own type exports
 * name types for their other declarations. */
typedef struct vctx {
    const weft_ctype *inst;
    const struct vctx *up;
} vctx;

static bool named_here(const scope *s, const vctx *c, wc_tid t, uint8_t allow)
{
    if (scope_named(s, t) & allow)
        return true;
    for (; c; c = c->up)
        for (uint32_t i = 0; i < c->inst->nexports; i++)
            if (c->inst->exports[i].sort == WC_SORT_TYPE && c->inst->exports[i].type == t)
                return true;
    return false;
}

static bool structure_visible(const wc_types *a, const scope *s, const vctx *c, wc_tid t,
                              uint8_t allow);

/* Whether t may appear in an extern's type: every record, variant, enum,
 * flags or resource in it must be named the way `allow` permits. */
static bool visible(const wc_types *a, const scope *s, const vctx *c, wc_tid t, uint8_t allow,
                    int depth)
{
    /* (core module types are not arena ids) */
    if (t == WC_NONE || t < WC_NPRIM || t >= a->n || depth > 64)
        return true;
    const weft_ctype *ty = wc_type(a, t);
    switch (ty->kind) {
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_ENUM: case WEFT_C_FLAGS:
    case WC_K_RESOURCE:
        return named_here(s, c, t, allow);
    case WEFT_C_OWN: case WEFT_C_BORROW: case WEFT_C_LIST: case WEFT_C_OPTION:
        return visible(a, s, c, ty->elem, allow, depth + 1);
    case WEFT_C_RESULT:
        return visible(a, s, c, ty->elem, allow, depth + 1) &&
               visible(a, s, c, ty->err, allow, depth + 1);
    case WEFT_C_TUPLE:
        for (uint32_t i = 0; i < ty->n; i++)
            if (!visible(a, s, c, ty->elems[i], allow, depth + 1))
                return false;
        return true;
    case WC_K_FUNC:
        for (uint32_t i = 0; i < ty->n; i++)
            if (!visible(a, s, c, ty->elems[i], allow, depth + 1))
                return false;
        return visible(a, s, c, ty->elem, allow, depth + 1);
    case WC_K_INSTANCE: {
        vctx inner = {ty, c};
        for (uint32_t i = 0; i < ty->nexports; i++) {
            const wc_decl *dcl = &ty->exports[i];
            if (dcl->sort == WC_SORT_CORE_MODULE)
                continue;
            if (dcl->sort == WC_SORT_TYPE) {
                if (!structure_visible(a, s, &inner, dcl->type, allow))
                    return false;
                continue;
            }
            if (!visible(a, s, &inner, dcl->type, allow, depth + 1))
                return false;
        }
        return true;
    }
    }
    return true;
}

/* Exporting or importing a type itself: its own structure must be visible. */
static bool structure_visible(const wc_types *a, const scope *s, const vctx *c, wc_tid t,
                              uint8_t allow)
{
    if (t == WC_NONE || t < WC_NPRIM || t >= a->n)
        return true;
    const weft_ctype *ty = wc_type(a, t);
    switch (ty->kind) {
    case WEFT_C_RECORD: case WEFT_C_VARIANT:
        for (uint32_t i = 0; i < ty->n; i++)
            if (!visible(a, s, c, ty->elems[i], allow, 1))
                return false;
        return true;
    case WEFT_C_ENUM: case WEFT_C_FLAGS: case WC_K_RESOURCE:
        return true;
    }
    return visible(a, s, c, t, allow, 0);
}

static weft_status check_visible(cdec *d, scope *s, size_t at, uint8_t space, wc_tid t,
                                 bool is_import)
{
    const wc_types *a = &d->c->types;
    uint8_t allow = is_import ? NAMED_IMPORT : (NAMED_IMPORT | NAMED_EXPORT);
    bool ok = true;
    const char *what = "type";
    switch (space) {
    case WC_IS_FUNC: ok = visible(a, s, NULL, t, allow, 0); what = "func"; break;
    case WC_IS_TYPE: ok = structure_visible(a, s, NULL, t, allow); break;
    case WC_IS_INSTANCE: ok = visible(a, s, NULL, t, allow, 0); what = "instance"; break;
    default: return WEFT_OK;
    }
    if (!ok)
        return wu_error(d->err, WEFT_INVALID, at, "%s not valid to be used as %s", what,
                        is_import ? "import" : "export");
    return WEFT_OK;
}

static weft_status add_extern(cdec *d, wc_extern **arr, uint32_t *n, uint32_t *cap,
                              const char *name, uint8_t space, wc_tid type, uint32_t idx)
{
    if (!grow(d, (void **)arr, *n, cap, sizeof(wc_extern)))
        return nomem(d);
    (*arr)[*n].name = name;
    (*arr)[*n].space = space;
    (*arr)[*n].type = type;
    (*arr)[*n].idx = idx;
    (*n)++;
    return WEFT_OK;
}

static weft_status sec_import(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    for (uint32_t i = 0; i < n; i++) {
        size_t at = d->r.pos;
        const char *name;
        bool impl;
        TRY(read_extern_name(d, &name, &impl));
        uint8_t space;
        wc_tid t;
        TRY(read_externtype(d, s, &space, &t));
        if (impl)
            TRY(check_implements(d, at, name, space));
        TRY(check_extern_name(d, s, at, name, space, t, true));
        TRY(add_unique(d, at, &s->import_names, &s->nimport_names, &s->cap_in, name, "import"));
        bool fresh = space == WC_IS_TYPE && d->last_fresh_resource == t;
        TRY(check_visible(d, s, at, space, t, true));
        if (space == WC_IS_TYPE) {
            TRY(name_decl_type(d, s, &t, NAMED_IMPORT, fresh));
            TRY(name_resource(d, s, true, name, t));
        }
        else if (space == WC_IS_INSTANCE) {
            TRY(freshen_instance(d, t, &t, 0));
            TRY(named_copy(d, s, t, NAMED_IMPORT, &t));
        }
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        df->op = WC_D_IMPORT;
        df->name = name;
        df->space = space;
        df->type = t;
        df->a = s->sp[space].n;
        TRY(sp_push(d, &s->sp[space], t));
        if (space == WC_IS_COMPONENT)
            TRY(push_comp(d, s, NULL));
        TRY(add_extern(d, &s->comp->imports, &s->comp->nimports, &s->comp->cap_imports, name, space, t, df->a));
    }
    return WEFT_OK;
}

static weft_status sec_export(cdec *d, scope *s)
{
    uint32_t n;
    TRY(read_count(d, &n));
    wc_types *a = &d->c->types;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = d->r.pos;
        const char *name;
        bool impl;
        TRY(read_extern_name(d, &name, &impl));
        uint8_t space;
        bool core;
        TRY(read_sort(d, &space, &core));
        uint32_t idx;
        size_t iat = d->r.pos;
        TRY(wr_u32(&d->r, &idx));
        if (core && space != WC_IS_CORE_MODULE)
            return inval(d, at, "exports may only be core modules among core sorts%s", "");
        if (impl)
            TRY(check_implements(d, at, name, space));
        TRY(check_index(d, s, space, idx, iat));
        bool has;
        TRY(read_optional(d, &has));
        wc_tid t = s->sp[space].v[idx];
        if (has) {
            uint8_t esp;
            wc_tid et;
            size_t eat = d->r.pos;
            TRY(read_externtype(d, s, &esp, &et));
            if (esp != space)
                return inval(d, eat, "export type annotation does not match the exported item's sort%s", "");
            if (space == WC_IS_FUNC && !wc_type_equal(a, t, a, et))
                return inval(d, eat, "export type annotation does not match the exported function's type%s", "");
            if (space == WC_IS_TYPE && wc_type(a, et)->kind == WC_K_RESOURCE &&
                wc_type(a, t)->kind != WC_K_RESOURCE)
                return inval(d, eat, "export type annotation does not match%s", "");
            if (space == WC_IS_INSTANCE) {
                /* an up-cast: the ascribed instance may only forget exports */
                const weft_ctype *want = wc_type(a, et);
                for (uint32_t q = 0; q < want->nexports; q++) {
                    const wc_decl *ge = inst_export(a, t, want->exports[q].name);
                    if (!ge || ge->sort != want->exports[q].sort)
                        return inval(d, eat, "ascribed type of export is not compatible with the instance%s", "");
                }
            }
            /* (a (sub resource) ascription hides the resource's identity) */
            t = et;
        }
        if (space == WC_IS_FUNC) {
            const weft_ctype *ft = wc_type(a, t);
            for (uint32_t k = 0; k < ft->n; k++)
                ; /* borrows are allowed in params */
        }
        TRY(check_extern_name(d, s, at, name, space, t, false));
        TRY(add_unique(d, at, &s->export_names, &s->nexport_names, &s->cap_en, name, "export"));
        TRY(check_visible(d, s, at, space, t, false));
        if (space == WC_IS_TYPE || space == WC_IS_INSTANCE)
            TRY(named_copy(d, s, t, NAMED_EXPORT, &t));
        if (space == WC_IS_TYPE)
            TRY(name_resource(d, s, false, name, t));
        wc_def *df;
        TRY(add_def(d, s->comp, &df));
        df->op = WC_D_EXPORT;
        df->name = name;
        df->space = space;
        df->a = idx;
        df->type = t;
        TRY(add_extern(d, &s->comp->exports, &s->comp->nexports, &s->comp->cap_exports, name, space, t, idx));
        /* an export adds an index aliasing the item */
        TRY(sp_push(d, &s->sp[space], t));
        if (space == WC_IS_COMPONENT)
            TRY(push_comp(d, s, s->comps[idx]));
    }
    return WEFT_OK;
}

/* The type of a nested component: its imports and exports. */
static weft_status comp_type(cdec *d, const wc_comp *c, wc_tid *out)
{
    TRY(new_type(d, WC_K_COMPONENT, out));
    weft_ctype *t = wc_type(&d->c->types, *out);
    t->nimports = c->nimports;
    t->nexports = c->nexports;
    t->imports = perm_alloc(d, (c->nimports + 1) * sizeof(wc_decl));
    t->exports = perm_alloc(d, (c->nexports + 1) * sizeof(wc_decl));
    if (!t->imports || !t->exports)
        return nomem(d);
    for (uint32_t i = 0; i < c->nimports; i++) {
        t->imports[i].name = c->imports[i].name;
        t->imports[i].sort = space_to_sort(c->imports[i].space);
        t->imports[i].type = c->imports[i].type;
    }
    for (uint32_t i = 0; i < c->nexports; i++) {
        t->exports[i].name = c->exports[i].name;
        t->exports[i].sort = space_to_sort(c->exports[i].space);
        t->exports[i].type = c->exports[i].type;
    }
    return WEFT_OK;
}

static weft_status decode_component(cdec *d, scope *parent, size_t end, wc_comp **out)
{
    const uint8_t magic[8] = {0, 'a', 's', 'm', 0x0d, 0x00, 0x01, 0x00};
    size_t start = d->r.pos;
    if (end - start < 8 || memcmp(d->r.bytes + start, magic, 4) != 0)
        return bad(d, start, "magic header not detected%s", "");
    if (memcmp(d->r.bytes + start + 4, magic + 4, 4) != 0) {
        const uint8_t *v = d->r.bytes + start + 4;
        if (v[2] == 0 && v[3] == 0)
            return bad(d, start + 4, "expected a component, found a core module%s", "");
        return wu_error(d->err, WEFT_MALFORMED, start + 4, "unknown component version 0x%x",
                        (unsigned)(v[0] | v[1] << 8));
    }
    d->r.pos += 8;
    if (++d->depth > 32) {
        d->depth--;
        return wu_error(d->err, WEFT_LIMIT, start, "components nested too deeply%s", "");
    }
    wc_comp *c = wu_alloc(d->e, sizeof *c);
    if (!c) {
        d->depth--;
        return nomem(d);
    }
    scope s;
    memset(&s, 0, sizeof s);
    s.parent = parent;
    s.kind = SC_COMPONENT;
    s.comp = c;
    *out = c;  /* owned by the caller from now on, even on failure */
    weft_status st = WEFT_OK;
    while (!st && d->r.pos < end) {
        uint8_t id;
        uint32_t size;
        st = wr_byte(&d->r, &id);
        if (!st)
            st = wr_u32(&d->r, &size);
        if (st)
            break;
        if (size > end - d->r.pos) {
            st = wu_error(d->err, WEFT_MALFORMED, d->r.pos, "section size out of bounds%s", "");
            break;
        }
        size_t sec_end = d->r.pos + size;
        size_t saved_end = d->r.end;
        d->r.end = sec_end;
        switch (id) {
        case 0: {
            const char *nm;
            st = read_name(d, &nm);
            d->r.pos = sec_end;
            break;
        }
        case 1: st = sec_core_module(d, &s, sec_end); break;
        case 2: st = sec_core_instance(d, &s); break;
        case 3: st = sec_core_type(d, &s); break;
        case 4: {
            wc_comp *child = NULL;
            st = decode_component(d, &s, sec_end, &child);
            if (child) {
                if (grow(d, (void **)&c->children, c->nchildren, &c->cap_children, sizeof(wc_comp *)))
                    c->children[c->nchildren++] = child;
                else if (!st)
                    st = nomem(d);
            }
            if (!st) {
                wc_def *df;
                wc_tid ct;
                st = add_def(d, c, &df);
                if (!st) {
                    df->op = WC_D_COMPONENT;
                    df->comp = child;
                    st = comp_type(d, child, &ct);
                }
                if (!st)
                    st = sp_push(d, &s.sp[WC_IS_COMPONENT], ct);
                if (!st)
                    st = push_comp(d, &s, child);
            }
            break;
        }
        case 5: st = sec_instance(d, &s); break;
        case 6: {
            uint32_t n;
            st = read_count(d, &n);
            for (uint32_t i = 0; i < n && !st; i++)
                st = read_alias(d, &s, false);
            break;
        }
        case 7: st = sec_type(d, &s); break;
        case 8: st = sec_canon(d, &s); break;
        case 9:
            st = wu_error(d->err, WEFT_UNSUPPORTED, d->r.pos, "start definitions are not supported%s", "");
            break;
        case 10: st = sec_import(d, &s); break;
        case 11: st = sec_export(d, &s); break;
        case 12:
            st = wu_error(d->err, WEFT_UNSUPPORTED, d->r.pos, "value definitions are not supported%s", "");
            break;
        default:
            st = wu_error(d->err, WEFT_MALFORMED, d->r.pos - 1, "malformed section id %u", id);
        }
        if (!st && d->r.pos != sec_end)
            st = wu_error(d->err, WEFT_MALFORMED, d->r.pos, "section size mismatch%s", "");
        d->r.end = saved_end;
    }
    if (!st && d->r.pos != end)
        st = wu_error(d->err, WEFT_MALFORMED, d->r.pos, "unexpected content after the component%s", "");
    if (!st)
        for (int i = 0; i < WC_IS_COUNT; i++)
            c->count[i] = s.sp[i].n;
    if (!st) {
        /* remember the resources defined here: each instance makes them fresh */
        uint32_t n = 0;
        for (uint32_t i = 0; i < s.nnamed; i++)
            n += (s.named_bits[i] & NAMED_LOCAL) != 0;
        c->local_res = perm_alloc(d, (n + 1) * sizeof(uint32_t));
        if (!c->local_res)
            st = nomem(d);
        for (uint32_t i = 0; !st && i < s.nnamed; i++)
            if (s.named_bits[i] & NAMED_LOCAL)
                c->local_res[c->nlocal_res++] = wc_type(&d->c->types, s.named_ids[i])->resource_id;
    }
    scope_free(d, &s);
    d->depth--;
    return st;
}

/* ---------------------------------------------------------------- */
/* Public                                                            */
/* ---------------------------------------------------------------- */

weft_status weft_component_new(weft_engine *engine, const uint8_t *bytes, size_t len,
                               weft_component **out, weft_error *err)
{
    wu_error_clear(err);
    if (!out)
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "out is NULL");
    *out = NULL;
    if (!engine || (!bytes && len))
        return wu_error(err, WEFT_ARG, WEFT_NO_OFFSET, "engine or bytes is NULL");
    if (len >= 8 && !weft_is_component(bytes, len) && bytes[4] == 1 && bytes[5] == 0 &&
        bytes[6] == 0 && bytes[7] == 0)
        return wu_error(err, WEFT_ARG, 4, "this is a core module, not a component");
    weft_component *c = wu_alloc(engine, sizeof *c);
    if (!c)
        return wu_error(err, WEFT_NOMEM, 0, "out of memory");
    c->engine = engine;
    weft_status st = wc_types_init(&c->types, engine);
    if (st) {
        wu_free(engine, c, sizeof *c);
        return wu_error(err, st, 0, "out of memory");
    }
    cdec d;
    memset(&d, 0, sizeof d);
    d.c = c;
    d.e = engine;
    d.err = err;
    d.r.bytes = bytes;
    d.r.pos = 0;
    d.r.end = len;
    d.r.err = err;
    st = decode_component(&d, NULL, len, &c->root);
    wu_free(engine, d.cfts, d.cap_cfts * sizeof(core_ft));
    wu_free(engine, d.cinsts, d.cap_cinsts * sizeof(core_inst_info));
    wu_free(engine, d.cmts, d.cap_cmts * sizeof(core_modtype));
    wu_free(engine, d.cexts, d.cap_cexts * sizeof(cext));
    if (st) {
        weft_component_delete(c);
        return st;
    }
    *out = c;
    return WEFT_OK;
}
