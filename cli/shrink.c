/*
 * shrink.c - `weft shrink-memory`: rewrites the memory of a core module, or
 * of every core module in a component, to 1-byte pages (the custom-page-sizes
 * proposal) with a fixed size, for guests whose linker cannot declare a
 * small memory itself.
 *
 * A module that defines its memory gets (memory N N (pagesize 1)). N is
 * --bytes, or the end of the highest active data segment with a constant
 * offset or constant i32 global initializer (a stack pointer, an exported
 * __heap_base), rounded up to 16. In a component, a module that imports its
 * memory gets its import retyped to (memory 0 (pagesize 1)) so that it still
 * links. Refused, with the byte offset of the cause: no memory, more than
 * one memory, 64-bit memories, a core module (not in a component) that
 * imports its memory, and code that uses memory.size or memory.grow on a
 * memory with 64 KiB pages (those count in 64 KiB pages, so their meaning
 * would change). The result is validated by weft before it is written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/component.h"
#include "weft/weft.h"
#include "cli.h"

/* ------------------------------------------------------------------ */
/* Errors, input and output                                            */
/* ------------------------------------------------------------------ */

typedef struct shrink {
    char msg[300];
    size_t at;              /* offset in the input file */
    bool failed;
    bool has_bytes;
    uint64_t bytes;         /* --bytes */
    unsigned nrewritten;    /* memories rewritten */
    unsigned nretyped;      /* memory imports retyped */
} shrink;

static void set_fail(shrink *s, size_t at, const char *fmt, ...)
{
    if (s->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
    s->at = at;
    s->failed = true;
}

/* Records the first failure; the expression is false. */
#define FAIL(...) (set_fail(__VA_ARGS__), false)

/* A reader over part of the input; base is its offset in the file. */
typedef struct rd {
    const uint8_t *p;
    size_t n, pos, base;
    shrink *s;
} rd;

static size_t here(const rd *r) { return r->base + r->pos; }

static bool rd_byte(rd *r, uint8_t *out)
{
    if (r->pos >= r->n)
        return FAIL(r->s, here(r), "unexpected end");
    *out = r->p[r->pos++];
    return true;
}

/* An unsigned LEB128 of at most 64 bits. */
static bool rd_leb(rd *r, uint64_t *out)
{
    uint64_t v = 0;
    size_t at = here(r);
    for (unsigned shift = 0;; shift += 7) {
        uint8_t b;
        if (shift >= 64 || !rd_byte(r, &b))
            return FAIL(r->s, at, "malformed LEB128 integer");
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return true;
}

static bool rd_u32(rd *r, uint32_t *out)
{
    size_t at = here(r);
    uint64_t v;
    if (!rd_leb(r, &v))
        return false;
    if (v > UINT32_MAX)
        return FAIL(r->s, at, "integer too large");
    *out = (uint32_t)v;
    return true;
}

/* A signed LEB128 of at most 64 bits (i32.const, i64.const, s33). */
static bool rd_sleb(rd *r, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    size_t at = here(r);
    do {
        if (shift >= 70 || !rd_byte(r, &b))
            return FAIL(r->s, at, "malformed LEB128 integer");
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40))
        v |= ~0ull << shift;
    *out = (int64_t)v;
    return true;
}

static bool rd_skip(rd *r, size_t n)
{
    if (r->n - r->pos < n)
        return FAIL(r->s, here(r), "unexpected end");
    r->pos += n;
    return true;
}

typedef struct out {
    uint8_t *p;
    size_t n, cap;
    bool oom;
} out;

static void put(out *o, const void *p, size_t n)
{
    if (o->oom)
        return;
    if (o->cap - o->n < n) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap - o->n < n)
            cap *= 2;
        uint8_t *q = realloc(o->p, cap);
        if (!q) {
            o->oom = true;
            return;
        }
        o->p = q;
        o->cap = cap;
    }
    if (n)
        memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void put_byte(out *o, uint8_t b) { put(o, &b, 1); }

static void put_leb(out *o, uint64_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        put_byte(o, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}

/* ------------------------------------------------------------------ */
/* Core modules                                                        */
/* ------------------------------------------------------------------ */

typedef struct memtype {
    size_t start, end;      /* its bytes, relative to the reader */
    size_t at;              /* its offset in the file */
    uint8_t flags;
    uint64_t min, max;
    uint32_t page_log2;
} memtype;

static bool read_memtype(rd *r, memtype *m)
{
    m->start = r->pos;
    size_t at = m->at = here(r);
    if (!rd_byte(r, &m->flags))
        return false;
    if (m->flags & ~0x0Fu)
        return FAIL(r->s, at, "unknown memory limits flags 0x%x", m->flags);
    if (m->flags & 0x04)
        return FAIL(r->s, at, "64-bit memories cannot be rewritten");
    if (m->flags & 0x02)
        return FAIL(r->s, at, "shared memories cannot be rewritten");
    if (!rd_leb(r, &m->min))
        return false;
    m->max = 0;
    if ((m->flags & 1) && !rd_leb(r, &m->max))
        return false;
    m->page_log2 = 16;
    if ((m->flags & 8) && !rd_u32(r, &m->page_log2))
        return false;
    m->end = r->pos;
    return true;
}

static bool skip_limits(rd *r)
{
    uint8_t f;
    uint64_t v;
    if (!rd_byte(r, &f) || !rd_leb(r, &v))
        return false;
    return !(f & 1) || rd_leb(r, &v);
}

/* A value type: one byte, or a reference type with a heap type. */
static bool skip_valtype(rd *r)
{
    uint8_t b;
    int64_t ht;
    if (!rd_byte(r, &b))
        return false;
    return (b != 0x63 && b != 0x64) || rd_sleb(r, &ht);
}

static bool skip_blocktype(rd *r)
{
    if (r->pos >= r->n)
        return FAIL(r->s, here(r), "unexpected end");
    uint8_t b = r->p[r->pos];
    if (b == 0x40 || (b >= 0x7b && b <= 0x7f) || b == 0x70 || b == 0x6f || b == 0x69) {
        r->pos++;
        return true;
    }
    if (b == 0x63 || b == 0x64)
        return skip_valtype(r);
    int64_t idx;
    return rd_sleb(r, &idx);
}

/* A constant expression. *is_i32_const and *value tell whether it is
 * exactly (i32.const C). */
static bool read_const_expr(rd *r, bool *is_i32_const, uint32_t *value)
{
    *is_i32_const = false;
    unsigned ninstr = 0;
    for (;;) {
        size_t at = here(r);
        uint8_t op;
        int64_t v;
        uint32_t u;
        if (!rd_byte(r, &op))
            return false;
        ninstr++;
        switch (op) {
        case 0x0b:
            return true;
        case 0x41:
            if (!rd_sleb(r, &v))
                return false;
            if (ninstr == 1 && r->pos < r->n && r->p[r->pos] == 0x0b) {
                *is_i32_const = true;
                *value = (uint32_t)v;
            }
            break;
        case 0x42:
            if (!rd_sleb(r, &v))
                return false;
            break;
        case 0x43:
            if (!rd_skip(r, 4))
                return false;
            break;
        case 0x44:
            if (!rd_skip(r, 8))
                return false;
            break;
        case 0x23: case 0xd2:
            if (!rd_u32(r, &u))
                return false;
            break;
        case 0xd0:
            if (!rd_sleb(r, &v))
                return false;
            break;
        case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e:
            break;
        default:
            return FAIL(r->s, at, "unsupported instruction 0x%02x in a constant expression", op);
        }
    }
}

/* Walks a function body's instructions; *size_at gets the offset of the
 * first memory.size or memory.grow (or stays SIZE_MAX). */
static bool scan_code(rd *r, size_t *size_at)
{
    uint32_t n, u;
    int64_t v;
    if (!rd_u32(r, &n))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_u32(r, &u) || !skip_valtype(r))
            return false;
    while (r->pos < r->n) {
        size_t at = here(r);
        uint8_t op;
        if (!rd_byte(r, &op))
            return false;
        switch (op) {
        case 0x02: case 0x03: case 0x04:
            if (!skip_blocktype(r))
                return false;
            break;
        case 0x08: case 0x0c: case 0x0d: case 0x10: case 0x12: case 0x14: case 0x15:
        case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
        case 0xd2:
            if (!rd_u32(r, &u))
                return false;
            break;
        case 0x0e:
            if (!rd_u32(r, &n))
                return false;
            for (uint64_t k = 0; k <= n; k++)
                if (!rd_u32(r, &u))
                    return false;
            break;
        case 0x11: case 0x13:
            if (!rd_u32(r, &u) || !rd_u32(r, &u))
                return false;
            break;
        case 0x1c:
            if (!rd_u32(r, &n))
                return false;
            for (uint32_t k = 0; k < n; k++)
                if (!skip_valtype(r))
                    return false;
            break;
        case 0x1f: /* try_table */
            if (!skip_blocktype(r) || !rd_u32(r, &n))
                return false;
            for (uint32_t k = 0; k < n; k++) {
                uint8_t kind;
                if (!rd_byte(r, &kind) || (kind < 2 && !rd_u32(r, &u)) || !rd_u32(r, &u))
                    return false;
            }
            break;
        case 0x3f: case 0x40:
            if (*size_at == SIZE_MAX)
                *size_at = at;
            if (!rd_u32(r, &u))
                return false;
            break;
        case 0x41: case 0x42: case 0xd0:
            if (!rd_sleb(r, &v))
                return false;
            break;
        case 0x43:
            if (!rd_skip(r, 4))
                return false;
            break;
        case 0x44:
            if (!rd_skip(r, 8))
                return false;
            break;
        case 0xfc: {
            uint32_t sub, imm;
            if (!rd_u32(r, &sub))
                return false;
            static const uint8_t nimm[18] = {0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1};
            if (sub >= sizeof nimm)
                return FAIL(r->s, at, "unknown instruction 0xfc %u", sub);
            for (unsigned k = 0; k < nimm[sub]; k++)
                if (!rd_u32(r, &imm))
                    return false;
            break;
        }
        default:
            if (op >= 0x28 && op <= 0x3e) { /* loads and stores: memarg */
                uint32_t align, mem, off;
                if (!rd_u32(r, &align) || ((align & 0x40) && !rd_u32(r, &mem)) ||
                    !rd_u32(r, &off))
                    return false;
            } else if (!(op <= 0x01 || op == 0x05 || op == 0x0a || op == 0x0b || op == 0x0f ||
                         op == 0x1a || op == 0x1b || (op >= 0x45 && op <= 0xc4) ||
                         op == 0xd1)) {
                /* no immediates above; anything else weft does not run */
                return FAIL(r->s, at, "unsupported instruction 0x%02x", op);
            }
            break;
        }
    }
    return true;
}

typedef struct section {
    uint8_t id;
    size_t start;           /* the id byte, relative to the module */
    size_t body, end;       /* the body's bounds */
} section;

/* Rewrites one core module m (at file offset base) into o. In a component,
 * a module without memory is copied and one that imports its memory has
 * the import retyped. */
static bool shrink_module(shrink *s, const uint8_t *m, size_t len, size_t base,
                          bool in_component, out *o)
{
    if (len < 8 || memcmp(m, "\0asm\1\0\0\0", 8) != 0)
        return FAIL(s, base, "not a core module");
    section secs[64];
    unsigned nsecs = 0;
    rd r = {m, len, 8, base, s};
    while (r.pos < len) {
        section sec;
        sec.start = r.pos;
        uint32_t size;
        if (!rd_byte(&r, &sec.id) || !rd_u32(&r, &size))
            return false;
        sec.body = r.pos;
        if (size > len - r.pos)
            return FAIL(s, base + sec.start, "section extends past the end");
        sec.end = r.pos + size;
        r.pos = sec.end;
        if (nsecs == sizeof secs / sizeof secs[0])
            return FAIL(s, base + sec.start, "too many sections");
        secs[nsecs++] = sec;
    }

    memtype mem, imported;
    bool has_mem = false, has_import = false;
    size_t mem_sec = SIZE_MAX, import_sec = SIZE_MAX;
    size_t size_at = SIZE_MAX;
    uint64_t need = 0;
    size_t nonconst_at = SIZE_MAX;
    for (unsigned i = 0; i < nsecs; i++) {
        const section *sec = &secs[i];
        rd b = {m + sec->body, sec->end - sec->body, 0, base + sec->body, s};
        uint32_t count, u;
        if (sec->id == 0)
            continue;
        if (!rd_u32(&b, &count))
            return false;
        switch (sec->id) {
        case 2: /* imports */
            for (uint32_t k = 0; k < count; k++) {
                uint8_t kind;
                for (int name = 0; name < 2; name++)
                    if (!rd_u32(&b, &u) || !rd_skip(&b, u))
                        return false;
                size_t at = here(&b);
                if (!rd_byte(&b, &kind))
                    return false;
                if (kind == 0x00) {
                    if (!rd_u32(&b, &u))
                        return false;
                } else if (kind == 0x01) {
                    if (!skip_valtype(&b) || !skip_limits(&b))
                        return false;
                } else if (kind == 0x02) {
                    if (!in_component)
                        return FAIL(s, at, "the memory is imported: shrink the module that "
                                           "defines it");
                    if (has_import)
                        return FAIL(s, at, "more than one memory");
                    if (!read_memtype(&b, &imported))
                        return false;
                    has_import = true;
                    import_sec = i;
                } else if (kind == 0x03) {
                    uint8_t mut;
                    if (!skip_valtype(&b) || !rd_byte(&b, &mut))
                        return false;
                } else if (kind == 0x04) {
                    uint8_t attr;
                    if (!rd_byte(&b, &attr) || !rd_u32(&b, &u))
                        return false;
                } else {
                    return FAIL(s, at, "unknown import kind 0x%02x", kind);
                }
            }
            break;
        case 5: /* memories */
            if (count == 0)
                break;
            if (count > 1 || has_import)
                return FAIL(s, here(&b), "more than one memory");
            if (!read_memtype(&b, &mem))
                return false;
            has_mem = true;
            mem_sec = i;
            break;
        case 6: /* globals */
            for (uint32_t k = 0; k < count; k++) {
                uint8_t vt, mut;
                bool is_const;
                uint32_t v = 0;
                if (!rd_byte(&b, &vt))
                    return false;
                if ((vt == 0x63 || vt == 0x64)) {
                    int64_t ht;
                    if (!rd_sleb(&b, &ht))
                        return false;
                }
                if (!rd_byte(&b, &mut) || !read_const_expr(&b, &is_const, &v))
                    return false;
                if (vt == 0x7f && is_const && v > need)
                    need = v;
                if (vt == 0x7f && is_const && s->has_bytes && v > s->bytes)
                    fprintf(stderr, "weft shrink-memory: warning: defined global %u is %lu, past "
                                    "--bytes %llu (if it is an address, accesses there trap)\n",
                            k, (unsigned long)v, (unsigned long long)s->bytes);
            }
            break;
        case 10: /* code */
            for (uint32_t k = 0; k < count; k++) {
                uint32_t size;
                if (!rd_u32(&b, &size))
                    return false;
                if (size > b.n - b.pos)
                    return FAIL(s, here(&b), "function body extends past its section");
                rd fb = {b.p + b.pos, size, 0, b.base + b.pos, s};
                if (!scan_code(&fb, &size_at))
                    return false;
                b.pos += size;
            }
            break;
        case 11: /* data */
            for (uint32_t k = 0; k < count; k++) {
                uint32_t flags, memidx = 0, n;
                bool is_const = false;
                uint32_t off = 0;
                size_t at = here(&b);
                if (!rd_u32(&b, &flags))
                    return false;
                if (flags == 2 && !rd_u32(&b, &memidx))
                    return false;
                if (flags > 2)
                    return FAIL(s, at, "unknown data segment flags %u", flags);
                if (flags != 1 && !read_const_expr(&b, &is_const, &off))
                    return false;
                if (!rd_u32(&b, &n) || !rd_skip(&b, n))
                    return false;
                if (flags == 1)
                    continue;
                if (!is_const) {
                    if (nonconst_at == SIZE_MAX)
                        nonconst_at = at;
                    continue;
                }
                if ((uint64_t)off + n > need)
                    need = (uint64_t)off + n;
                if (s->has_bytes && (uint64_t)off + n > s->bytes)
                    return FAIL(s, at, "data segment %u ends at byte %llu, past --bytes %llu", k,
                                (unsigned long long)((uint64_t)off + n),
                                (unsigned long long)s->bytes);
            }
            break;
        default:
            break;
        }
        if (s->failed)
            return false;
    }

    const memtype *mt = has_mem ? &mem : has_import ? &imported : NULL;
    if (!mt) {
        if (in_component) {
            put(o, m, len);
            return true;
        }
        return FAIL(s, base, "the module has no memory");
    }
    if (mt->page_log2 != 0 && size_at != SIZE_MAX)
        return FAIL(s, size_at, "the code uses memory.size or memory.grow, which count 64 KiB "
                                "pages; with 1-byte pages they would mean something else");
    uint64_t bytes = s->bytes;
    if (has_mem && !s->has_bytes) {
        if (nonconst_at != SIZE_MAX)
            return FAIL(s, nonconst_at, "a data segment has an offset that is not a constant; "
                                        "give the size with --bytes");
        bytes = (need + 15) & ~(uint64_t)15;
        if (bytes == 0)
            return FAIL(s, mt->at, "no data segment or i32 global tells the size the "
                                             "memory needs; give it with --bytes");
    }
    if (has_mem && bytes > UINT32_MAX)
        return FAIL(s, mt->at, "%llu bytes do not fit in a 32-bit memory",
                    (unsigned long long)bytes);

    /* Emit: every section as it was except the memory's. */
    put(o, m, 8);
    for (unsigned i = 0; i < nsecs; i++) {
        const section *sec = &secs[i];
        if (i != mem_sec && i != import_sec) {
            put(o, m + sec->start, sec->end - sec->start);
            continue;
        }
        out nt = {0};
        if (i == mem_sec) {
            put_byte(&nt, 0x09);
            put_leb(&nt, bytes);
            put_leb(&nt, bytes);
            put_leb(&nt, 0);
            s->nrewritten++;
        } else {
            put_byte(&nt, 0x08);
            put_leb(&nt, 0);
            put_leb(&nt, 0);
            s->nretyped++;
        }
        const uint8_t *body = m + sec->body;
        size_t cut0 = mt->start, cut1 = mt->end;
        out nb = {0};
        put(&nb, body, cut0);
        put(&nb, nt.p, nt.n);
        put(&nb, body + cut1, sec->end - sec->body - cut1);
        put_byte(o, sec->id);
        put_leb(o, nb.n);
        put(o, nb.p, nb.n);
        if (nt.oom || nb.oom)
            o->oom = true;
        free(nt.p);
        free(nb.p);
    }
    if (has_mem)
        fprintf(stderr, "weft shrink-memory: module at offset 0x%zx: memory of %llu pages of "
                        "%llu bytes -> %llu bytes (page size 1)\n",
                base, (unsigned long long)mt->min, 1ull << (mt->page_log2 & 63),
                (unsigned long long)bytes);
    return true;
}

/* ------------------------------------------------------------------ */
/* Components                                                          */
/* ------------------------------------------------------------------ */

/* Copies a component, rewriting each core module (section 1) and nested
 * component (section 4). */
static bool shrink_component(shrink *s, const uint8_t *c, size_t len, size_t base, out *o)
{
    if (len < 8 || !weft_is_component(c, len))
        return FAIL(s, base, "not a component");
    put(o, c, 8);
    rd r = {c, len, 8, base, s};
    while (r.pos < len) {
        size_t start = r.pos;
        uint8_t id;
        uint32_t size;
        if (!rd_byte(&r, &id) || !rd_u32(&r, &size))
            return false;
        if (size > len - r.pos)
            return FAIL(s, base + start, "section extends past the end");
        const uint8_t *body = c + r.pos;
        size_t body_at = base + r.pos;
        r.pos += size;
        if (id != 1 && id != 4) {
            put(o, c + start, r.pos - start);
            continue;
        }
        out nb = {0};
        bool ok = id == 1 ? shrink_module(s, body, size, body_at, true, &nb)
                          : shrink_component(s, body, size, body_at, &nb);
        if (ok) {
            put_byte(o, id);
            put_leb(o, nb.n);
            put(o, nb.p, nb.n);
            if (nb.oom)
                o->oom = true;
        }
        free(nb.p);
        if (!ok)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* The command                                                         */
/* ------------------------------------------------------------------ */

/* Decodes and validates bytes with weft; says why not on stderr. */
static bool check(const char *file, const char *what, bool comp, const uint8_t *bytes,
                  size_t len)
{
    weft_engine *engine = weft_engine_new(NULL);
    weft_module *m = NULL;
    weft_component *c = NULL;
    weft_error err;
    if (!engine) {
        fprintf(stderr, "weft shrink-memory: out of memory\n");
        return false;
    }
    weft_status st = comp ? weft_component_new(engine, bytes, len, &c, &err)
                          : weft_module_new(engine, bytes, len, &m, &err);
    if (st != WEFT_OK)
        fprintf(stderr, "weft shrink-memory: %s: the %s %s does not load: %s at offset 0x%zx: "
                        "%s\n",
                file, what, comp ? "component" : "module", weft_status_message(err.status),
                err.offset, err.message);
    weft_module_delete(m);
    weft_component_delete(c);
    weft_engine_delete(engine);
    return st == WEFT_OK;
}

static int usage(void)
{
    fprintf(stderr, "usage: weft shrink-memory IN.wasm -o OUT.wasm [--bytes N]\n");
    return 1;
}

int weft_cli_shrink_memory(int argc, char **argv)
{
    const char *in = NULL, *outp = NULL;
    shrink s;
    memset(&s, 0, sizeof s);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outp = argv[++i];
        } else if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[++i], &end, 0);
            if (errno || end == argv[i] || *end || argv[i][0] == '-' || v > UINT32_MAX) {
                fprintf(stderr, "weft shrink-memory: --bytes '%s' is not a size from 0 to "
                                "4294967295\n", argv[i]);
                return 1;
            }
            s.has_bytes = true;
            s.bytes = v;
        } else if (argv[i][0] == '-' || in) {
            return usage();
        } else {
            in = argv[i];
        }
    }
    if (!in || !outp)
        return usage();
    size_t len;
    uint8_t *bytes = cli_read_file(in, &len);
    if (!bytes) {
        fprintf(stderr, "weft: %s: cannot read: %s\n", in, strerror(errno));
        return 2;
    }
    bool comp = weft_is_component(bytes, len);
    if (!check(in, "input", comp, bytes, len)) {
        free(bytes);
        return 2;
    }
    out o = {0};
    bool ok = comp ? shrink_component(&s, bytes, len, 0, &o)
                   : shrink_module(&s, bytes, len, 0, false, &o);
    int rc = 0;
    if (!ok) {
        fprintf(stderr, "weft shrink-memory: %s: cannot rewrite: %s at offset 0x%zx\n", in,
                s.msg, s.at);
        rc = 1;
    } else if (o.oom) {
        fprintf(stderr, "weft shrink-memory: out of memory\n");
        rc = 2;
    } else if (comp && s.nrewritten == 0) {
        fprintf(stderr, "weft shrink-memory: %s: cannot rewrite: no core module in the "
                        "component defines a memory\n", in);
        rc = 1;
    }
    /* The result must be what weft itself accepts. */
    if (rc == 0 && !check(in, "rewritten", comp, o.p, o.n))
        rc = 2;
    if (rc == 0) {
        FILE *f = fopen(outp, "wb");
        if (!f) {
            fprintf(stderr, "weft: %s: cannot write: %s\n", outp, strerror(errno));
            rc = 2;
        } else {
            bool written = fwrite(o.p, 1, o.n, f) == o.n;
            if (fclose(f) != 0 || !written) {
                fprintf(stderr, "weft: %s: write failed\n", outp);
                rc = 2;
            }
        }
    }
    free(o.p);
    free(bytes);
    return rc;
}
