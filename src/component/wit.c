/* wit.c - printing component types and a component's world as WIT. */
#include "component/component.h"

typedef struct pbuf {
    char *buf;
    size_t cap, len;
} pbuf;

static void put(pbuf *p, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (p->len + 1 < p->cap)
            p->buf[p->len] = s[i];
        p->len++;
    }
    if (p->cap)
        p->buf[p->len < p->cap ? p->len : p->cap - 1] = 0;
}

/* Names of named types (exported from the interface being printed). */
typedef struct names {
    const wc_decl *decls;
    uint32_t n;
} names;

static const char *name_of(const names *nm, wc_tid t)
{
    if (!nm)
        return NULL;
    for (uint32_t i = 0; i < nm->n; i++)
        if (nm->decls[i].sort == WC_SORT_TYPE && nm->decls[i].type == t)
            return nm->decls[i].name;
    return NULL;
}

static bool wit_keyword(const char *s)
{
    static const char *const kw[] = {
        "as", "async", "bool", "borrow", "char", "constructor", "enum", "export", "f32", "f64",
        "flags", "func", "future", "import", "include", "interface", "list", "option", "own",
        "package", "record", "resource", "result", "s16", "s32", "s64", "s8", "static", "stream",
        "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant", "with", "world",
        "error-context"};
    for (unsigned i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (!strcmp(kw[i], s))
            return true;
    return false;
}

/* An identifier, with a % when it is a WIT keyword. */
static void ident(pbuf *p, const char *s)
{
    if (wit_keyword(s))
        put(p, "%");
    put(p, s);
}

static void print_type(pbuf *p, const wc_types *a, wc_tid t, const names *nm, int depth);

static void print_func(pbuf *p, const wc_types *a, const weft_ctype *ty, const names *nm, int depth)
{
    put(p, "func(");
    for (uint32_t i = 0; i < ty->n; i++) {
        if (i)
            put(p, ", ");
        ident(p, ty->labels[i]);
        put(p, ": ");
        print_type(p, a, ty->elems[i], nm, depth + 1);
    }
    put(p, ")");
    if (ty->elem != WC_NONE) {
        put(p, " -> ");
        print_type(p, a, ty->elem, nm, depth + 1);
    }
}

static void print_type(pbuf *p, const wc_types *a, wc_tid t, const names *nm, int depth)
{
    if (t == WC_NONE) {
        put(p, "_");
        return;
    }
    if (depth > 32) {
        put(p, "...");
        return;
    }
    const weft_ctype *ty = wc_type(a, t);
    const char *named = t >= WC_NPRIM ? name_of(nm, t) : NULL;
    if (named && ty->kind != WEFT_C_LIST && ty->kind != WEFT_C_OPTION &&
        ty->kind != WEFT_C_RESULT && ty->kind != WEFT_C_TUPLE && ty->kind != WEFT_C_OWN &&
        ty->kind != WEFT_C_BORROW) {
        ident(p, named);
        return;
    }
    char tmp[32];
    switch (ty->kind) {
    case WEFT_C_RECORD: case WEFT_C_VARIANT: case WEFT_C_FLAGS: case WEFT_C_ENUM:
        put(p, ty->kind == WEFT_C_RECORD ? "record { " : ty->kind == WEFT_C_VARIANT ? "variant { "
               : ty->kind == WEFT_C_FLAGS ? "flags { " : "enum { ");
        for (uint32_t i = 0; i < ty->n; i++) {
            if (i)
                put(p, ", ");
            ident(p, ty->labels[i]);
            if (ty->kind == WEFT_C_RECORD) {
                put(p, ": ");
                print_type(p, a, ty->elems[i], nm, depth + 1);
            } else if (ty->kind == WEFT_C_VARIANT && ty->elems[i] != WC_NONE) {
                put(p, "(");
                print_type(p, a, ty->elems[i], nm, depth + 1);
                put(p, ")");
            }
        }
        put(p, " }");
        return;
    case WEFT_C_LIST:
        put(p, "list<");
        print_type(p, a, ty->elem, nm, depth + 1);
        put(p, ">");
        return;
    case WEFT_C_TUPLE:
        put(p, "tuple<");
        for (uint32_t i = 0; i < ty->n; i++) {
            if (i)
                put(p, ", ");
            print_type(p, a, ty->elems[i], nm, depth + 1);
        }
        put(p, ">");
        return;
    case WEFT_C_OPTION:
        put(p, "option<");
        print_type(p, a, ty->elem, nm, depth + 1);
        put(p, ">");
        return;
    case WEFT_C_RESULT:
        if (ty->elem == WC_NONE && ty->err == WC_NONE) {
            put(p, "result");
            return;
        }
        put(p, "result<");
        print_type(p, a, ty->elem, nm, depth + 1);
        if (ty->err != WC_NONE) {
            put(p, ", ");
            print_type(p, a, ty->err, nm, depth + 1);
        }
        put(p, ">");
        return;
    case WEFT_C_OWN: case WEFT_C_BORROW: {
        const char *rn = name_of(nm, ty->elem);
        if (ty->kind == WEFT_C_BORROW)
            put(p, "borrow<");
        if (rn)
            ident(p, rn);
        else
            put(p, "resource");
        if (ty->kind == WEFT_C_BORROW)
            put(p, ">");
        return;
    }
    case WC_K_FUNC:
        print_func(p, a, ty, nm, depth);
        return;
    case WC_K_RESOURCE:
        put(p, "resource");
        return;
    case WC_K_INSTANCE:
        put(p, "interface");
        return;
    case WC_K_COMPONENT:
        put(p, "component");
        return;
    }
    if (ty->kind < WEFT_C_KIND_COUNT_) {
        put(p, weft_ckind_name((weft_ckind)ty->kind));
        return;
    }
    wu_fmt(tmp, sizeof tmp, "type%u", (unsigned)t);
    put(p, tmp);
}

size_t wc_print_type(const wc_types *a, wc_tid t, char *buf, size_t cap)
{
    pbuf p = {buf, cap, 0};
    if (cap)
        buf[0] = 0;
    print_type(&p, a, t, NULL, 0);
    return p.len;
}

/* ---------------- whole worlds ---------------- */

typedef struct wout {
    void (*out)(void *ud, const char *text, size_t len);
    void *ud;
} wout;

static void emit(wout *w, const char *s) { w->out(w->ud, s, strlen(s)); }

static void emit_ident(wout *w, const char *s)
{
    if (wit_keyword(s))
        emit(w, "%");
    emit(w, s);
}

static void emit_type(wout *w, const wc_types *a, wc_tid t, const names *nm)
{
    char buf[1024];
    pbuf p = {buf, sizeof buf, 0};
    buf[0] = 0;
    print_type(&p, a, t, nm, 0);
    emit(w, buf);
}

/* The declarations of an interface (instance type). */
static void emit_interface_body(wout *w, const wc_types *a, const weft_ctype *it, const char *indent)
{
    names nm = {it->exports, it->nexports};
    for (uint32_t i = 0; i < it->nexports; i++) {
        const wc_decl *d = &it->exports[i];
        emit(w, indent);
        if (d->sort == WC_SORT_TYPE) {
            const weft_ctype *ty = wc_type(a, d->type);
            if (ty->kind == WC_K_RESOURCE) {
                emit(w, "resource ");
                emit_ident(w, d->name);
                emit(w, ";\n");
                continue;
            }
            const char *kw = ty->kind == WEFT_C_RECORD ? "record " : ty->kind == WEFT_C_VARIANT ? "variant "
                           : ty->kind == WEFT_C_FLAGS ? "flags " : ty->kind == WEFT_C_ENUM ? "enum " : NULL;
            if (kw) {
                emit(w, kw);
                emit_ident(w, d->name);
                emit(w, " {");
                for (uint32_t k = 0; k < ty->n; k++) {
                    emit(w, k ? ", " : " ");
                    emit_ident(w, ty->labels[k]);
                    if (ty->kind == WEFT_C_RECORD) {
                        emit(w, ": ");
                        emit_type(w, a, ty->elems[k], &nm);
                    } else if (ty->kind == WEFT_C_VARIANT && ty->elems[k] != WC_NONE) {
                        emit(w, "(");
                        emit_type(w, a, ty->elems[k], &nm);
                        emit(w, ")");
                    }
                }
                emit(w, " }\n");
            } else {
                emit(w, "type ");
                emit_ident(w, d->name);
                emit(w, " = ");
                /* print the structure, not the name itself */
                names none = {NULL, 0};
                emit_type(w, a, d->type, &none);
                emit(w, ";\n");
            }
        } else if (d->sort == WC_SORT_FUNC) {
            emit_ident(w, d->name);
            emit(w, ": ");
            emit_type(w, a, d->type, &nm);
            emit(w, ";\n");
        } else {
            emit(w, "/* ");
            emit(w, d->name);
            emit(w, " */\n");
        }
    }
}

static void emit_extern(wout *w, const wc_types *a, const char *kw, const wc_extern *e)
{
    const weft_ctype *ty = wc_type(a, e->type);
    emit(w, "  ");
    emit(w, kw);
    emit(w, " ");
    if (e->space == WC_IS_INSTANCE && ty->kind == WC_K_INSTANCE) {
        bool iface = strchr(e->name, ':') != NULL;
        emit(w, e->name);
        if (iface) {
            emit(w, ";\n");
        } else {
            emit(w, ": interface {\n");
            emit_interface_body(w, a, ty, "    ");
            emit(w, "  }\n");
        }
        return;
    }
    if (e->space == WC_IS_TYPE) {
        emit(w, e->name);
        emit(w, ";\n");
        return;
    }
    emit(w, e->name);
    emit(w, ": ");
    emit_type(w, a, e->type, NULL);
    emit(w, ";\n");
}

/* Interfaces with ns:pkg/name are printed as their own package blocks. */
static void emit_packages(wout *w, const wc_types *a, const wc_extern *list, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const wc_extern *e = &list[i];
        if (e->space != WC_IS_INSTANCE || !strchr(e->name, ':'))
            continue;
        const weft_ctype *ty = wc_type(a, e->type);
        if (ty->kind != WC_K_INSTANCE)
            continue;
        /* ns:pkg/iface@ver -> package ns:pkg@ver { interface iface { ... } } */
        const char *slash = strchr(e->name, '/');
        const char *at = strchr(e->name, '@');
        if (!slash)
            continue;
        char pkg[256], iface[128];
        size_t pl = (size_t)(slash - e->name);
        size_t il = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
        if (pl >= 200 || il >= sizeof iface)
            continue;
        memcpy(pkg, e->name, pl);
        pkg[pl] = 0;
        if (at)
            wu_fmt(pkg + pl, sizeof pkg - pl, "%s", at);
        memcpy(iface, slash + 1, il);
        iface[il] = 0;
        emit(w, "package ");
        emit(w, pkg);
        emit(w, " {\n  interface ");
        emit(w, iface);
        emit(w, " {\n");
        emit_interface_body(w, a, ty, "    ");
        emit(w, "  }\n}\n\n");
    }
}

void weft_component_print_wit(const weft_component *c,
                              void (*out)(void *ud, const char *text, size_t len), void *ud)
{
    wout w = {out, ud};
    const wc_comp *r = c->root;
    emit_packages(&w, &c->types, r->imports, r->nimports);
    emit_packages(&w, &c->types, r->exports, r->nexports);
    emit(&w, "package root:component;\n\nworld root {\n");
    for (uint32_t i = 0; i < r->nimports; i++)
        emit_extern(&w, &c->types, "import", &r->imports[i]);
    for (uint32_t i = 0; i < r->nexports; i++)
        emit_extern(&w, &c->types, "export", &r->exports[i]);
    emit(&w, "}\n");
}
