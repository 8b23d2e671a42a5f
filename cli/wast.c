/*
 * wast.c - `weft wast`: runs a spec test script in the JSON form written by
 * wabt's wast2json (1.0.32), against the public API in weft.h.
 *
 * Every command of the script gets one outcome: passed, failed or skipped.
 * Modules in text form and v128 values are skipped. An expected-failures
 * list turns listed failures into skips and listed passes into failures.
 */
#include "cli.h"
#include "json.h"
#include "weft/weft.h"
#include "weft/component.h"
#include "weft/image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum outcome { PASS, FAIL, SKIP } outcome;

/* An expected-failures entry that applies to the script being run. */
typedef struct xfail {
    long line;          /* the command's line in the .wast */
    char *reason;
    unsigned list_line; /* where it is in the list */
    bool used;
} xfail;

/* A module name ("$M") bound by a module command. inst is NULL if that
 * module failed, so later uses of the name fail instead of finding an
 * older module. */
typedef struct named {
    char *name;
    weft_instance *inst;
} named;

typedef struct runner runner;

/* The user data of a spectest host function. */
typedef struct host_ctx {
    runner *r;
    const char *name;
    const char *sig;
} host_ctx;

static const struct {
    const char *name;
    const char *sig;
} spectest_funcs[] = {
    {"print", ":"},
    {"print_i32", "i:"},
    {"print_i64", "I:"},
    {"print_f32", "f:"},
    {"print_f64", "F:"},
    {"print_i32_f32", "if:"},
    {"print_f64_f64", "FF:"},
};
#define N_SPECTEST_FUNCS (sizeof spectest_funcs / sizeof spectest_funcs[0])

struct runner {
    bool verbose;
    uint32_t features_off;  /* WEFT_FEATURE_* bits turned off */
    bool images;            /* run every module from a precompiled image */
    uint8_t **images_kept;  /* the images, alive as long as their modules */
    size_t *images_len, nimages, capimages;
    const char *json_path;
    const char *source;     /* the .wast named by the script */
    char *dir;              /* the JSON file's directory, with '/', or "" */

    weft_engine *engine;
    weft_store *store;
    weft_linker *linker;
    host_ctx host[N_SPECTEST_FUNCS];

    weft_module **modules;  /* deleted after the store */
    size_t nmodules, capmodules;
    named *names;
    size_t nnames, capnames;
    weft_instance *current; /* the last module, NULL if it failed */

    /* Component scripts: definitions and instances by name, and the
     * instance commands without a module name refer to. */
    weft_component_linker *clinker;
    weft_component **comps;        /* deleted after the store */
    size_t ncomps, capcomps;
    struct cnamed {
        char *name;
        weft_component *def;
        weft_component_instance *inst;
    } *cnames;
    size_t ncnames, capcnames;
    weft_component_instance *ccurrent;
    bool current_is_component;

    const char *xfail_path;
    xfail *xfails;
    size_t nxfails, capxfails;
    char *file_reason;      /* the whole script is an expected failure */
    bool xfail_error;

    unsigned long passed, failed, skipped;

    /* The command being run. */
    const char *cmd;
    long line;
    char msg[2048];
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

static char *dup_mem(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static char *dup_str(const char *s)
{
    return dup_mem(s, strlen(s));
}

/* A bounded string builder; output past the capacity is dropped. */
typedef struct sb {
    char *p;
    size_t cap, len;
} sb;

static sb sb_on(char *p, size_t cap)
{
    sb b = {p, cap, 0};
    if (cap)
        p[0] = '\0';
    return b;
}

static void sb_printf(sb *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    b->len += (size_t)n;
    if (b->len >= b->cap)
        b->len = b->cap - 1;
}

/* Appends a name in double quotes, escaping bytes that are not printable
 * ASCII (UTF-8 sequences are kept), shortened if very long. */
static void sb_name(sb *b, const char *s, size_t n)
{
    sb_printf(b, "\"");
    for (size_t i = 0; i < n && i < 80; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            sb_printf(b, "\\%02x", c);
        else
            sb_printf(b, "%c", c);
    }
    sb_printf(b, n > 80 ? "...\"" : "\"");
}

static outcome result(runner *r, outcome o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return o;
}

/* Prints a line about the current command, in verbose mode only. */
static void note(runner *r, const char *fmt, ...)
{
    if (!r->verbose)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    printf("%s:%ld: %s: %s\n", r->source, r->line, r->cmd, buf);
}

static void sb_error(sb *b, weft_status st, const weft_error *err)
{
    sb_printf(b, "%s", weft_status_name(st));
    if (st == WEFT_TRAP)
        sb_printf(b, " (%s)", weft_trap_name(err->trap));
    if (err->message[0])
        sb_printf(b, ": %s", err->message);
    if (err->offset != WEFT_NO_OFFSET)
        sb_printf(b, " at offset 0x%zx", err->offset);
}

static void clear_error(weft_error *err)
{
    memset(err, 0, sizeof *err);
    err->offset = WEFT_NO_OFFSET;
}

/* Guards against an error message that was filled without a NUL. */
static void seal_error(weft_error *err)
{
    err->message[sizeof err->message - 1] = '\0';
}

/* True if got begins with want; wast texts are often prefixes of the
 * full message. */
static bool message_matches(const char *got, const char *want)
{
    return strncmp(got, want, strlen(want)) == 0;
}

static bool read_file(const char *path, char **data, size_t *len, char *err,
                      size_t errcap)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 0, n = 0;
    char *p = NULL;
    for (;;) {
        if (cap - n < 4096) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *np = ncap > cap ? realloc(p, ncap) : NULL;
            if (!np) {
                snprintf(err, errcap, "%s: out of memory", path);
                free(p);
                fclose(f);
                return false;
            }
            p = np;
            cap = ncap;
        }
        size_t got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errcap, "cannot read %s", path);
        free(p);
        fclose(f);
        return false;
    }
    fclose(f);
    *data = p;
    *len = n;
    return true;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ------------------------------------------------------------------ */
/* Expected failures                                                   */
/* ------------------------------------------------------------------ */

/* True if key ("i32.wast", or a path suffix such as
 * "multi-memory/load.wast") names the source file. */
static bool names_source(const char *source, const char *key, size_t n)
{
    size_t sl = strlen(source);
    if (n == 0 || n > sl || memcmp(source + sl - n, key, n) != 0)
        return false;
    return n == sl || source[sl - n - 1] == '/';
}

static void list_error(runner *r, const char *path, unsigned lineno,
                       const char *what)
{
    printf("%s:%u: %s\n", path, lineno, what);
    r->xfail_error = true;
}

/* Reads the entries of the list r->xfail_path that name r->source. Lines
 * are "<file>:<line> <reason>" or "<file> <reason>"; '#' starts a comment. */
static void load_xfails(runner *r)
{
    const char *path = r->xfail_path;
    char *text;
    size_t len;
    char err[512];
    if (!read_file(path, &text, &len, err, sizeof err)) {
        printf("%s\n", err);
        r->xfail_error = true;
        return;
    }
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        const char *s = text + pos, *e = text + end;
        pos = end + 1;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        if (s == e || *s == '#')
            continue;
        const char *k = s;
        while (s < e && *s != ' ' && *s != '\t')
            s++;
        const char *ke = s;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        if (s == e) {
            list_error(r, path, lineno,
                       "entry without a reason (expected "
                       "'<file>[:<line>] <reason>')");
            continue;
        }
        /* Split "<file>:<line>" when the part after the last ':' is a
         * number. */
        const char *colon = NULL;
        for (const char *c = k; c < ke; c++)
            if (*c == ':')
                colon = c;
        long line = 0;
        const char *fe = ke;
        if (colon && colon + 1 < ke) {
            bool digits = true;
            long v = 0;
            for (const char *c = colon + 1; c < ke; c++) {
                if (*c < '0' || *c > '9' || v > 100000000L) {
                    digits = false;
                    break;
                }
                v = v * 10 + (*c - '0');
            }
            if (digits) {
                if (v <= 0) {
                    list_error(r, path, lineno, "line number must be positive");
                    continue;
                }
                line = v;
                fe = colon;
            }
        }
        if (!names_source(r->source, k, (size_t)(fe - k)))
            continue;
        char *reason = dup_mem(s, (size_t)(e - s));
        if (!reason) {
            list_error(r, path, lineno, "out of memory");
            continue;
        }
        if (line == 0) {
            if (!r->file_reason)
                r->file_reason = reason;
            else
                free(reason);
            continue;
        }
        if (r->nxfails == r->capxfails) {
            size_t ncap = r->capxfails ? r->capxfails * 2 : 16;
            xfail *nx = realloc(r->xfails, ncap * sizeof *nx);
            if (!nx) {
                free(reason);
                list_error(r, path, lineno, "out of memory");
                continue;
            }
            r->xfails = nx;
            r->capxfails = ncap;
        }
        xfail *x = &r->xfails[r->nxfails++];
        x->line = line;
        x->reason = reason;
        x->list_line = lineno;
        x->used = false;
    }
    free(text);
}

/* The first entry for line; every entry for it counts as used. */
static xfail *find_xfail(runner *r, long line)
{
    xfail *found = NULL;
    for (size_t i = 0; i < r->nxfails; i++) {
        if (r->xfails[i].line == line) {
            r->xfails[i].used = true;
            if (!found)
                found = &r->xfails[i];
        }
    }
    return found;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

typedef enum match_mode {
    MATCH_EXACT,
    MATCH_NAN_CANONICAL,
    MATCH_NAN_ARITHMETIC,
    MATCH_NONNULL
} match_mode;

typedef struct expect {
    weft_val val;
    match_mode mode;
} expect;

/* An unsigned decimal no larger than max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static weft_val make_val(weft_valkind kind)
{
    weft_val v;
    memset(&v, 0, sizeof v);
    v.kind = kind;
    return v;
}

/* Parses one {"type": ..., "value": ...} of an argument list (expected
 * false) or of an expected result list (expected true). */
static outcome parse_value(runner *r, const json *j, bool expected,
                           expect *out)
{
    const char *what = expected ? "expected value" : "argument";
    if (!j || j->type != JSON_OBJECT)
        return result(r, FAIL, "bad JSON: %s is not an object", what);
    const char *type = json_get_string(j, "type");
    if (!type)
        return result(r, FAIL, "bad JSON: %s without a \"type\"", what);
    const json *vj = json_get(j, "value");
    const char *value = json_get_string(j, "value");
    out->mode = MATCH_EXACT;
    if (strcmp(type, "v128") == 0)
        return result(r, SKIP, "v128 %s (SIMD is not supported)", what);
    if (vj && !value)
        return result(r, FAIL, "bad JSON: %s %s has a non-string \"value\"",
                      type, what);

    uint64_t u = 0;
    if (strcmp(type, "i32") == 0 || strcmp(type, "i64") == 0 ||
        strcmp(type, "f32") == 0 || strcmp(type, "f64") == 0) {
        bool is32 = type[1] == '3';
        weft_valkind kind = type[0] == 'i' ? (is32 ? WEFT_I32 : WEFT_I64)
                                           : (is32 ? WEFT_F32 : WEFT_F64);
        out->val = make_val(kind);
        if (!value)
            return result(r, FAIL, "bad JSON: %s %s without a \"value\"",
                          type, what);
        if (type[0] == 'f' && strncmp(value, "nan:", 4) == 0) {
            if (!expected)
                return result(r, FAIL, "bad JSON: %s as an argument", value);
            if (strcmp(value, "nan:canonical") == 0)
                out->mode = MATCH_NAN_CANONICAL;
            else if (strcmp(value, "nan:arithmetic") == 0)
                out->mode = MATCH_NAN_ARITHMETIC;
            else
                return result(r, FAIL, "bad JSON: unknown NaN kind \"%s\"",
                              value);
            return PASS;
        }
        if (!parse_uint(value, is32 ? UINT32_MAX : UINT64_MAX, &u))
            return result(r, FAIL, "bad JSON: bad %s value \"%s\"", type,
                          value);
        switch (kind) {
        case WEFT_I32: out->val.of.i32 = (int32_t)(uint32_t)u; break;
        case WEFT_I64: out->val.of.i64 = (int64_t)u; break;
        case WEFT_F32: out->val.of.f32_bits = (uint32_t)u; break;
        default: out->val.of.f64_bits = u; break;
        }
        return PASS;
    }

    if (strcmp(type, "funcref") == 0 || strcmp(type, "externref") == 0) {
        bool func = type[0] == 'f';
        out->val = make_val(func ? WEFT_FUNCREF : WEFT_EXTERNREF);
        if (value && strcmp(value, "null") == 0)
            return PASS;
        if (!value && !expected)
            return result(r, FAIL, "bad JSON: %s %s without a \"value\"",
                          type, what);
        if (func) {
            /* A function reference cannot be named in a script. */
            if (!expected)
                return result(r, FAIL,
                              "a non-null funcref argument cannot be made");
            out->mode = MATCH_NONNULL;
            return PASS;
        }
        if (!value) {
            out->mode = MATCH_NONNULL;
            return PASS;
        }
        if (!parse_uint(value, (uint64_t)UINTPTR_MAX - 1, &u))
            return result(r, FAIL, "bad JSON: bad externref value \"%s\"",
                          value);
        /* Host reference N is the pointer N+1, so that 0 is not null. */
        out->val.of.externref = (void *)(uintptr_t)(u + 1);
        return PASS;
    }
    return result(r, FAIL, "bad JSON: unknown value type \"%s\"", type);
}

static void sb_val(sb *b, const weft_val *v)
{
    switch (v->kind) {
    case WEFT_I32:
        sb_printf(b, "i32:%lu", (unsigned long)(uint32_t)v->of.i32);
        break;
    case WEFT_I64:
        sb_printf(b, "i64:%llu", (unsigned long long)(uint64_t)v->of.i64);
        break;
    case WEFT_F32: {
        float f;
        memcpy(&f, &v->of.f32_bits, sizeof f);
        sb_printf(b, "f32:0x%08lx (%.9g)", (unsigned long)v->of.f32_bits,
                  (double)f);
        break;
    }
    case WEFT_F64: {
        double d;
        memcpy(&d, &v->of.f64_bits, sizeof d);
        sb_printf(b, "f64:0x%016llx (%.17g)",
                  (unsigned long long)v->of.f64_bits, d);
        break;
    }
    case WEFT_FUNCREF:
        sb_printf(b, v->of.funcref ? "funcref:non-null" : "funcref:null");
        break;
    case WEFT_EXTERNREF:
        if (v->of.externref)
            sb_printf(b, "externref:%llu",
                      (unsigned long long)((uintptr_t)v->of.externref - 1));
        else
            sb_printf(b, "externref:null");
        break;
    case WEFT_V128:
        sb_printf(b, "v128");
        break;
    default:
        sb_printf(b, "<kind %d>", (int)v->kind);
        break;
    }
}

static void sb_expect(sb *b, const expect *e)
{
    const char *k = e->val.kind == WEFT_F32 ? "f32" : "f64";
    switch (e->mode) {
    case MATCH_NAN_CANONICAL: sb_printf(b, "%s:nan:canonical", k); break;
    case MATCH_NAN_ARITHMETIC: sb_printf(b, "%s:nan:arithmetic", k); break;
    case MATCH_NONNULL:
        sb_printf(b, e->val.kind == WEFT_FUNCREF ? "funcref:non-null"
                                                 : "externref:non-null");
        break;
    default: sb_val(b, &e->val); break;
    }
}

static void sb_vals(sb *b, const weft_val *v, size_t n)
{
    sb_printf(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_printf(b, ", ");
        sb_val(b, &v[i]);
    }
    sb_printf(b, "]");
}

static bool val_matches(const weft_val *got, const expect *e)
{
    if (got->kind != e->val.kind)
        return false;
    switch (got->kind) {
    case WEFT_I32:
        return (uint32_t)got->of.i32 == (uint32_t)e->val.of.i32;
    case WEFT_I64:
        return got->of.i64 == e->val.of.i64;
    case WEFT_F32: {
        uint32_t x = got->of.f32_bits;
        if (e->mode == MATCH_NAN_CANONICAL)
            return (x & 0x7fffffffu) == 0x7fc00000u;
        if (e->mode == MATCH_NAN_ARITHMETIC)
            return (x & 0x7fc00000u) == 0x7fc00000u;
        return x == e->val.of.f32_bits;
    }
    case WEFT_F64: {
        uint64_t x = got->of.f64_bits;
        if (e->mode == MATCH_NAN_CANONICAL)
            return (x & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
        if (e->mode == MATCH_NAN_ARITHMETIC)
            return (x & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
        return x == e->val.of.f64_bits;
    }
    case WEFT_FUNCREF:
        if (e->mode == MATCH_NONNULL)
            return got->of.funcref != NULL;
        return got->of.funcref == e->val.of.funcref;
    case WEFT_EXTERNREF:
        if (e->mode == MATCH_NONNULL)
            return got->of.externref != NULL;
        return got->of.externref == e->val.of.externref;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* Instances and names                                                 */
/* ------------------------------------------------------------------ */

static bool bind_name(runner *r, const char *name, weft_instance *inst)
{
    for (size_t i = 0; i < r->nnames; i++) {
        if (strcmp(r->names[i].name, name) == 0) {
            r->names[i].inst = inst;
            return true;
        }
    }
    if (r->nnames == r->capnames) {
        size_t ncap = r->capnames ? r->capnames * 2 : 8;
        named *nn = realloc(r->names, ncap * sizeof *nn);
        if (!nn)
            return false;
        r->names = nn;
        r->capnames = ncap;
    }
    char *copy = dup_str(name);
    if (!copy)
        return false;
    r->names[r->nnames].name = copy;
    r->names[r->nnames].inst = inst;
    r->nnames++;
    return true;
}

/* The instance a command refers to: the named one or the current one. */
static outcome find_instance(runner *r, const json *obj, const char *key,
                             weft_instance **out)
{
    const json *m = json_get(obj, key);
    if (!m) {
        if (!r->current)
            return result(r, FAIL, "no module instance to use (the last "
                                   "module failed or there is none)");
        *out = r->current;
        return PASS;
    }
    if (m->type != JSON_STRING)
        return result(r, FAIL, "bad JSON: \"%s\" is not a string", key);
    for (size_t i = 0; i < r->nnames; i++) {
        if (strcmp(r->names[i].name, m->u.string.ptr) == 0) {
            if (!r->names[i].inst)
                return result(r, FAIL, "module %s failed earlier",
                              m->u.string.ptr);
            *out = r->names[i].inst;
            return PASS;
        }
    }
    return result(r, FAIL, "unknown module %s", m->u.string.ptr);
}

/* Export lookup by a name that may contain NUL bytes. */
static bool find_export(const weft_instance *inst, const char *name,
                        size_t len, weft_extern *out)
{
    if (strlen(name) == len)
        return weft_instance_export(inst, name, out);
    /* weft_instance_export takes a C string: look the name up among the
     * module's exports, which the instance lists in the same order. */
    const weft_module *m = weft_instance_module(inst);
    uint32_t n = m ? weft_module_export_count(m) : 0;
    for (uint32_t i = 0; i < n; i++) {
        weft_exportdesc d;
        if (weft_module_export(m, i, &d) && d.name_len == len &&
            memcmp(d.name, name, len) == 0) {
            const char *ignored;
            return weft_instance_export_nth(inst, i, &ignored, out);
        }
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

typedef struct action_result {
    weft_status status;
    weft_error err;
    weft_val *vals;     /* malloc'd */
    size_t nvals;
    char what[160];     /* '"add"(i32:1)' or 'get "g"', for messages */
} action_result;

/* Runs the action of cmd. PASS means it ran (res->status says how it
 * ended); FAIL and SKIP mean it could not be run, with r->msg saying why. */
static outcome run_action(runner *r, const json *cmd, action_result *res)
{
    memset(res, 0, sizeof *res);
    clear_error(&res->err);
    const json *action = json_get(cmd, "action");
    if (!action || action->type != JSON_OBJECT)
        return result(r, FAIL, "bad JSON: missing \"action\" object");
    const char *type = json_get_string(action, "type");
    const json *field = json_get(action, "field");
    if (!type)
        return result(r, FAIL, "bad JSON: action without a \"type\"");
    if (!field || field->type != JSON_STRING)
        return result(r, FAIL, "bad JSON: action without a \"field\" string");
    const char *name = field->u.string.ptr;
    size_t name_len = field->u.string.len;
    sb what = sb_on(res->what, sizeof res->what);
    bool invoke = strcmp(type, "invoke") == 0;
    if (!invoke && strcmp(type, "get") != 0)
        return result(r, FAIL, "bad JSON: unknown action type \"%s\"", type);
    const char *mod = json_get_string(action, "module");
    if (!invoke)
        sb_printf(&what, "get ");
    if (mod)
        sb_printf(&what, "%s ", mod);
    sb_name(&what, name, name_len);

    weft_instance *inst;
    outcome o = find_instance(r, action, "module", &inst);
    if (o != PASS)
        return o;
    weft_extern ext;
    if (!find_export(inst, name, name_len, &ext))
        return result(r, FAIL, "%s: no such export", res->what);

    if (!invoke) {
        if (ext.kind != WEFT_EXTERN_GLOBAL)
            return result(r, FAIL, "%s: export is a %s, not a global",
                          res->what, weft_externkind_name(ext.kind));
        res->vals = malloc(sizeof *res->vals);
        if (!res->vals)
            return result(r, FAIL, "out of memory");
        res->vals[0] = weft_global_get(ext.of.global);
        res->nvals = 1;
        res->status = WEFT_OK;
        return PASS;
    }

    if (ext.kind != WEFT_EXTERN_FUNC)
        return result(r, FAIL, "%s: export is a %s, not a function",
                      res->what, weft_externkind_name(ext.kind));
    const json *args = json_get_array(action, "args");
    if (!args)
        return result(r, FAIL, "bad JSON: invoke without an \"args\" array");
    size_t nargs = json_array_len(args);
    const weft_functype *ft = weft_func_type(ext.of.func);
    if (!ft)
        return result(r, FAIL, "%s: function has no type", res->what);
    weft_val *argv = calloc(nargs ? nargs : 1, sizeof *argv);
    if (!argv)
        return result(r, FAIL, "out of memory");
    for (size_t i = 0; i < nargs; i++) {
        expect e;
        o = parse_value(r, json_array_at(args, i), false, &e);
        if (o != PASS) {
            free(argv);
            return o;
        }
        argv[i] = e.val;
    }
    sb_printf(&what, "(");
    for (size_t i = 0; i < nargs; i++) {
        if (i)
            sb_printf(&what, ", ");
        sb_val(&what, &argv[i]);
    }
    sb_printf(&what, ")");
    if (nargs != ft->nparams) {
        free(argv);
        return result(r, FAIL, "%s: the function takes %lu arguments",
                      res->what, (unsigned long)ft->nparams);
    }
    for (size_t i = 0; i < nargs; i++) {
        if (ft->params[i] != argv[i].kind) {
            free(argv);
            return result(r, FAIL, "%s: argument %lu should be %s",
                          res->what, (unsigned long)i,
                          weft_valkind_name(ft->params[i]));
        }
    }
    res->nvals = ft->nresults;
    res->vals = calloc(res->nvals ? res->nvals : 1, sizeof *res->vals);
    if (!res->vals) {
        free(argv);
        return result(r, FAIL, "out of memory");
    }
    res->status = weft_func_call(r->store, ext.of.func, argv, nargs,
                                 res->vals, res->nvals, &res->err);
    seal_error(&res->err);
    free(argv);
    if (res->status == WEFT_SUSPENDED)
        weft_store_abandon(r->store);
    return PASS;
}

static void free_action(action_result *res)
{
    free(res->vals);
    res->vals = NULL;
}


/* ------------------------------------------------------------------ */
/* Components                                                          */
/* ------------------------------------------------------------------ */

static struct cnamed *cname_slot(runner *r, const char *name, bool create)
{
    for (size_t i = 0; i < r->ncnames; i++)
        if (strcmp(r->cnames[i].name, name) == 0)
            return &r->cnames[i];
    if (!create)
        return NULL;
    if (r->ncnames == r->capcnames) {
        size_t ncap = r->capcnames ? r->capcnames * 2 : 8;
        struct cnamed *nn = realloc(r->cnames, ncap * sizeof *nn);
        if (!nn)
            return NULL;
        r->cnames = nn;
        r->capcnames = ncap;
    }
    char *copy = dup_str(name);
    if (!copy)
        return NULL;
    struct cnamed *c = &r->cnames[r->ncnames++];
    c->name = copy;
    c->def = NULL;
    c->inst = NULL;
    return c;
}

/* Keeps an image alive until the end of the script (modules use it in place). */
static bool keep_image(runner *r, uint8_t *img, size_t len)
{
    if (r->nimages == r->capimages) {
        size_t nc = r->capimages ? r->capimages * 2 : 16;
        uint8_t **ni = realloc(r->images_kept, nc * sizeof *ni);
        if (!ni)
            return false;
        r->images_kept = ni;
        size_t *nl = realloc(r->images_len, nc * sizeof *nl);
        if (!nl)
            return false;
        r->images_len = nl;
        r->capimages = nc;
    }
    r->images_kept[r->nimages] = img;
    r->images_len[r->nimages++] = len;
    return true;
}

/* Replaces *m (or *c) by the same module (component) loaded from its
 * image, which the runner keeps: images are used in place. */
static outcome image_round_trip(runner *r, weft_module **m, weft_component **c,
                                weft_error *err)
{
    uint8_t *img = NULL;
    size_t ilen = 0;
    weft_status s = m ? weft_module_serialize(*m, &img, &ilen, err)
                      : weft_component_serialize(*c, &img, &ilen, err);
    if (m) {
        weft_module_delete(*m);
        *m = NULL;
    } else {
        weft_component_delete(*c);
        *c = NULL;
    }
    if (s == WEFT_OK) {
        if (!keep_image(r, img, ilen)) {
            weft_image_free(r->engine, img, ilen);
            return result(r, FAIL, "out of memory");
        }
        s = m ? weft_module_from_image(r->engine, img, ilen, m, err)
              : weft_component_from_image(r->engine, img, ilen, c, err);
    }
    if (s != WEFT_OK)
        return result(r, FAIL, "image round trip failed: %s", err->message);
    return PASS;
}

static bool keep_component(runner *r, weft_component *c)
{
    if (r->ncomps == r->capcomps) {
        size_t ncap = r->capcomps ? r->capcomps * 2 : 16;
        weft_component **nc = realloc(r->comps, ncap * sizeof *nc);
        if (!nc)
            return false;
        r->comps = nc;
        r->capcomps = ncap;
    }
    r->comps[r->ncomps++] = c;
    return true;
}

/* Reads the file of a module-like command. SKIP for text modules. */
static outcome read_module_file(runner *r, const json *cmd, char **bytes, size_t *len)
{
    *bytes = NULL;
    const char *mtype = json_get_string(cmd, "module_type");
    const char *file = json_get_string(cmd, "filename");
    if (mtype && strcmp(mtype, "text") == 0)
        return result(r, SKIP, "module in text form");
    if (mtype && strcmp(mtype, "binary") != 0)
        return result(r, FAIL, "bad JSON: unknown module_type \"%s\"", mtype);
    if (!file)
        return result(r, FAIL, "bad JSON: missing \"filename\"");
    size_t dl = strlen(r->dir), fl = strlen(file);
    char *path = malloc(dl + fl + 1);
    if (!path)
        return result(r, FAIL, "out of memory");
    if (file[0] == '/') {
        memcpy(path, file, fl + 1);
    } else {
        memcpy(path, r->dir, dl);
        memcpy(path + dl, file, fl + 1);
    }
    char rerr[512];
    bool ok = read_file(path, bytes, len, rerr, sizeof rerr);
    free(path);
    if (!ok)
        return result(r, FAIL, "%s", rerr);
    return PASS;
}

/* Whether the command's module file is a component (false if unreadable). */
static bool cmd_is_component(runner *r, const json *cmd)
{
    const char *mtype = json_get_string(cmd, "module_type");
    if (mtype && strcmp(mtype, "text") == 0)
        return false;
    char *bytes;
    size_t len;
    char saved[sizeof r->msg];
    memcpy(saved, r->msg, sizeof saved);
    outcome o = read_module_file(r, cmd, &bytes, &len);
    memcpy(r->msg, saved, sizeof saved);
    if (o != PASS)
        return false;
    bool c = weft_is_component((const uint8_t *)bytes, len);
    free(bytes);
    return c;
}

static outcome load_component(runner *r, const json *cmd, weft_component **out,
                              weft_status *st, weft_error *err)
{
    *out = NULL;
    clear_error(err);
    char *bytes;
    size_t len;
    outcome o = read_module_file(r, cmd, &bytes, &len);
    if (o != PASS)
        return o;
    *st = weft_component_new(r->engine, (const uint8_t *)bytes, len, out, err);
    seal_error(err);
    free(bytes);
    if (*st == WEFT_OK && r->images) {
        o = image_round_trip(r, NULL, out, err);   /* run it from an image instead */
        if (o != PASS)
            return o;
    }
    if (*st == WEFT_OK && !keep_component(r, *out)) {
        weft_component_delete(*out);
        *out = NULL;
        return result(r, FAIL, "out of memory");
    }
    return PASS;
}

static outcome component_instantiate(runner *r, weft_component *c, const char *name)
{
    weft_component_instance *inst = NULL;
    weft_error err;
    clear_error(&err);
    weft_status st = weft_component_linker_instantiate(r->clinker, r->store, c, &inst, &err);
    seal_error(&err);
    r->ccurrent = NULL;
    r->current_is_component = true;
    if (st != WEFT_OK) {
        char buf[512];
        sb b = sb_on(buf, sizeof buf);
        sb_error(&b, st, &err);
        return result(r, FAIL, "component failed to instantiate: %s", buf);
    }
    r->ccurrent = inst;
    if (name) {
        struct cnamed *slot = cname_slot(r, name, true);
        if (!slot)
            return result(r, FAIL, "out of memory");
        slot->inst = inst;
    }
    return PASS;
}

static outcome cmd_component(runner *r, const json *cmd, bool definition)
{
    const char *name = json_get_string(cmd, "name");
    weft_component *c;
    weft_status st;
    weft_error err;
    r->ccurrent = NULL;
    r->current_is_component = true;
    outcome o = load_component(r, cmd, &c, &st, &err);
    if (o != PASS)
        return o;
    if (st != WEFT_OK) {
        char buf[512];
        sb b = sb_on(buf, sizeof buf);
        sb_error(&b, st, &err);
        return result(r, FAIL, "component failed to load: %s", buf);
    }
    if (definition) {
        if (!name)
            return PASS;
        struct cnamed *slot = cname_slot(r, name, true);
        if (!slot)
            return result(r, FAIL, "out of memory");
        slot->def = c;
        return PASS;
    }
    return component_instantiate(r, c, name);
}

static outcome cmd_component_instance(runner *r, const json *cmd)
{
    const char *inst = json_get_string(cmd, "instance");
    const char *mod = json_get_string(cmd, "module");
    if (!mod)
        return result(r, FAIL, "bad JSON: module_instance without \"module\"");
    struct cnamed *def = cname_slot(r, mod, false);
    if (!def || !def->def)
        return result(r, FAIL, "unknown component definition %s", mod);
    return component_instantiate(r, def->def, inst);
}

/* The WAVE text of a value in the script: {"type": "wave", "value": T},
 * or a core-style {"type": "i32"|"i64"|"f32"|"f64", "value": BITS} that is
 * read as the parameter's kind. */
static bool wave_text_of(const json *v, const weft_ctype *t, char *buf, size_t cap)
{
    const char *type = json_get_string(v, "type");
    const char *value = json_get_string(v, "value");
    if (!type || !value)
        return false;
    if (strcmp(type, "wave") == 0) {
        snprintf(buf, cap, "%s", value);
        return true;
    }
    uint64_t bits;
    if (!parse_uint(value, UINT64_MAX, &bits))
        return false;
    weft_ckind k = weft_ctype_kind(t);
    if (strcmp(type, "i32") == 0) {
        if (k == WEFT_C_S32 || k == WEFT_C_S16 || k == WEFT_C_S8)
            snprintf(buf, cap, "%ld", (long)(int32_t)(uint32_t)bits);
        else if (k == WEFT_C_BOOL)
            snprintf(buf, cap, "%s", bits ? "true" : "false");
        else
            snprintf(buf, cap, "%lu", (unsigned long)(uint32_t)bits);
        return true;
    }
    if (strcmp(type, "i64") == 0) {
        if (k == WEFT_C_S64)
            snprintf(buf, cap, "%lld", (long long)(int64_t)bits);
        else
            snprintf(buf, cap, "%llu", (unsigned long long)bits);
        return true;
    }
    if (strcmp(type, "f32") == 0 || strcmp(type, "f64") == 0) {
        double d;
        if (type[1] == '3') {
            float f;
            uint32_t b32 = (uint32_t)bits;
            memcpy(&f, &b32, 4);
            d = f;
        } else {
            memcpy(&d, &bits, 8);
        }
        if (d != d)
            snprintf(buf, cap, "nan");
        else
            snprintf(buf, cap, "%.17g", d);
        return true;
    }
    return false;
}

typedef struct caction {
    weft_status status;
    weft_error err;
    weft_cval result;
    bool has_result;
    weft_cfunc *func;
    char what[160];
} caction;

static outcome find_cinstance(runner *r, const json *action, weft_component_instance **out)
{
    const char *mod = json_get_string(action, "module");
    if (!mod) {
        if (!r->ccurrent)
            return result(r, FAIL, "no component instance to use (the last "
                                   "component failed or there is none)");
        *out = r->ccurrent;
        return PASS;
    }
    struct cnamed *c = cname_slot(r, mod, false);
    if (!c || !c->inst)
        return result(r, FAIL, "unknown component instance %s", mod);
    *out = c->inst;
    return PASS;
}

static outcome run_caction(runner *r, const json *cmd, caction *res)
{
    memset(res, 0, sizeof *res);
    clear_error(&res->err);
    const json *action = json_get(cmd, "action");
    if (!action || action->type != JSON_OBJECT)
        return result(r, FAIL, "bad JSON: missing \"action\" object");
    const char *type = json_get_string(action, "type");
    const char *field = json_get_string(action, "field");
    if (!type || strcmp(type, "invoke") != 0 || !field)
        return result(r, FAIL, "bad JSON: component actions must be invokes with a \"field\"");
    sb what = sb_on(res->what, sizeof res->what);
    sb_printf(&what, "%s", field);
    weft_component_instance *inst = NULL;
    outcome o = find_cinstance(r, action, &inst);
    if (o != PASS)
        return o;
    weft_cfunc *f = weft_component_instance_func(inst, field);
    if (!f)
        return result(r, FAIL, "%s: no such exported function", field);
    res->func = f;
    const json *args = json_get_array(action, "args");
    size_t nargs = args ? json_array_len(args) : 0;
    if (nargs != weft_cfunc_param_count(f))
        return result(r, FAIL, "%s: the function takes %u arguments, the script gives %lu",
                      field, weft_cfunc_param_count(f), (unsigned long)nargs);
    weft_cval *argv = calloc(nargs ? nargs : 1, sizeof *argv);
    if (!argv)
        return result(r, FAIL, "out of memory");
    sb_printf(&what, "(");
    size_t parsed = 0;
    for (size_t i = 0; i < nargs; i++) {
        char text[1024];
        const weft_ctype *pt = weft_cfunc_param_type(f, (uint32_t)i);
        if (!wave_text_of(json_array_at(args, i), pt, text, sizeof text)) {
            weft_cvals_free(r->engine, argv, parsed);
            free(argv);
            return result(r, FAIL, "bad JSON: argument %lu is not a value", (unsigned long)i);
        }
        sb_printf(&what, "%s%s", i ? ", " : "", text);
        weft_error perr;
        if (weft_wave_parse(r->engine, pt, text, strlen(text), &argv[i], &perr) != WEFT_OK) {
            weft_cvals_free(r->engine, argv, parsed);
            free(argv);
            return result(r, FAIL, "%s: argument %lu: %s", field, (unsigned long)i, perr.message);
        }
        parsed++;
    }
    sb_printf(&what, ")");
    res->status = weft_cfunc_call(r->store, f, argv, nargs, &res->result, 1, &res->err);
    seal_error(&res->err);
    res->has_result = res->status == WEFT_OK && weft_cfunc_result_count(f) == 1;
    weft_cvals_free(r->engine, argv, nargs);
    free(argv);
    return PASS;
}

static void free_caction(runner *r, caction *res)
{
    if (res->has_result)
        weft_cvals_free(r->engine, &res->result, 1);
    res->has_result = false;
}

static outcome cmd_cassert_return(runner *r, const json *cmd)
{
    const json *exp = json_get_array(cmd, "expected");
    if (!exp)
        return result(r, FAIL, "bad JSON: missing \"expected\" array");
    caction res;
    outcome o = run_caction(r, cmd, &res);
    if (o != PASS)
        return o;
    char buf[1024];
    sb b = sb_on(buf, sizeof buf);
    size_t nexp = json_array_len(exp);
    if (res.status != WEFT_OK) {
        sb_error(&b, res.status, &res.err);
        o = result(r, FAIL, "%s: expected a return, got %s", res.what, buf);
    } else if (nexp != (res.has_result ? 1u : 0u)) {
        o = result(r, FAIL, "%s: expected %lu results, the function returns %u", res.what,
                   (unsigned long)nexp, weft_cfunc_result_count(res.func));
    } else if (nexp == 1) {
        const weft_ctype *rt = weft_cfunc_result_type(res.func);
        char want_text[2048], got[2048], want[2048];
        weft_cval ev;
        weft_error perr;
        if (!wave_text_of(json_array_at(exp, 0), rt, want_text, sizeof want_text)) {
            o = result(r, FAIL, "bad JSON: expected value is not a value");
        } else if (weft_wave_parse(r->engine, rt, want_text, strlen(want_text), &ev, &perr) != WEFT_OK) {
            o = result(r, FAIL, "%s: expected value %s: %s", res.what, want_text, perr.message);
        } else {
            weft_wave_print(rt, &ev, want, sizeof want);
            weft_wave_print(rt, &res.result, got, sizeof got);
            weft_cvals_free(r->engine, &ev, 1);
            if (strcmp(want, got) != 0)
                o = result(r, FAIL, "%s: expected %s, got %s", res.what, want, got);
        }
    }
    free_caction(r, &res);
    return o;
}

static outcome cmd_cassert_trap(runner *r, const json *cmd)
{
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    caction res;
    outcome o = run_caction(r, cmd, &res);
    if (o != PASS)
        return o;
    char buf[1024];
    sb b = sb_on(buf, sizeof buf);
    if (res.status == WEFT_OK) {
        o = result(r, FAIL, "%s: expected trap \"%s\", got a return", res.what, text);
    } else {
        sb_error(&b, res.status, &res.err);
        if (res.status != WEFT_TRAP)
            o = result(r, FAIL, "%s: expected trap \"%s\", got %s", res.what, text, buf);
        else if (!message_matches(res.err.message, text))
            note(r, "passed; %s: expected trap \"%s\", got %s", res.what, text, buf);
    }
    free_caction(r, &res);
    return o;
}

static outcome cmd_cassert_bad(runner *r, const json *cmd)
{
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    weft_component *c;
    weft_status st;
    weft_error err;
    outcome o = load_component(r, cmd, &c, &st, &err);
    if (o != PASS)
        return o;
    if (st == WEFT_OK)
        return result(r, FAIL, "component was accepted, expected failure \"%s\"", text);
    char buf[512];
    sb b = sb_on(buf, sizeof buf);
    sb_error(&b, st, &err);
    if (st != WEFT_MALFORMED && st != WEFT_INVALID)
        return result(r, FAIL, "expected \"%s\" (MALFORMED or INVALID), got %s", text, buf);
    if (!message_matches(err.message, text))
        note(r, "passed; expected \"%s\", got %s", text, buf);
    return PASS;
}

static outcome cmd_cassert_no_instance(runner *r, const json *cmd)
{
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    weft_component *c;
    weft_status st;
    weft_error err;
    outcome o = load_component(r, cmd, &c, &st, &err);
    if (o != PASS)
        return o;
    char buf[512];
    sb b = sb_on(buf, sizeof buf);
    if (st != WEFT_OK) {
        sb_error(&b, st, &err);
        return result(r, FAIL, "component failed to load: %s", buf);
    }
    weft_component_instance *inst;
    clear_error(&err);
    st = weft_component_linker_instantiate(r->clinker, r->store, c, &inst, &err);
    seal_error(&err);
    if (st == WEFT_OK)
        return result(r, FAIL, "component was instantiated, expected failure \"%s\"", text);
    sb_error(&b, st, &err);
    if (st != WEFT_TRAP && st != WEFT_UNLINKABLE)
        return result(r, FAIL, "expected \"%s\", got %s", text, buf);
    if (!message_matches(err.message, text))
        note(r, "passed; expected \"%s\", got %s", text, buf);
    return PASS;
}

/* ------------------------------------------------------------------ */
/* Modules                                                             */
/* ------------------------------------------------------------------ */

static bool keep_module(runner *r, weft_module *m)
{
    if (r->nmodules == r->capmodules) {
        size_t ncap = r->capmodules ? r->capmodules * 2 : 16;
        weft_module **nm = realloc(r->modules, ncap * sizeof *nm);
        if (!nm)
            return false;
        r->modules = nm;
        r->capmodules = ncap;
    }
    r->modules[r->nmodules++] = m;
    return true;
}

/* Reads and decodes the module file of cmd. PASS means weft_module_new
 * was called (*st says how it went); SKIP is a text module. A module that
 * loads is kept until the end (instances may refer to it). */
static outcome load_module(runner *r, const json *cmd, weft_module **out,
                           weft_status *st, weft_error *err)
{
    *out = NULL;
    clear_error(err);
    char *bytes;
    size_t len;
    outcome o = read_module_file(r, cmd, &bytes, &len);
    if (o != PASS)
        return o;
    *st = weft_module_new(r->engine, (const uint8_t *)bytes, len, out, err);
    seal_error(err);
    free(bytes);
    if (*st == WEFT_OK && r->images) {
        o = image_round_trip(r, out, NULL, err);   /* run it from an image instead */
        if (o != PASS)
            return o;
    }
    if (*st != WEFT_OK) {
        *out = NULL;
    } else if (*out && !keep_module(r, *out)) {
        weft_module_delete(*out);
        *out = NULL;
        return result(r, FAIL, "out of memory");
    } else if (!*out) {
        return result(r, FAIL, "weft_module_new returned OK without a module");
    }
    return PASS;
}

/* Loads and instantiates the module of cmd. PASS means instantiation was
 * tried: *st says how it went (WEFT_OK with *inst set). */
static outcome instantiate(runner *r, const json *cmd, weft_instance **inst,
                           weft_status *st, weft_error *err)
{
    *inst = NULL;
    weft_module *m;
    outcome o = load_module(r, cmd, &m, st, err);
    if (o != PASS)
        return o;
    if (*st != WEFT_OK) {
        char buf[512];
        sb b = sb_on(buf, sizeof buf);
        sb_error(&b, *st, err);
        return result(r, FAIL, "module failed to load: %s", buf);
    }
    clear_error(err);
    *st = weft_linker_instantiate(r->linker, r->store, m, inst, err);
    seal_error(err);
    if (*st == WEFT_OK && !*inst)
        return result(r, FAIL, "weft_linker_instantiate returned OK without "
                               "an instance");
    return PASS;
}

static outcome cmd_module(runner *r, const json *cmd)
{
    /* Until this module is instantiated, nothing is current. */
    r->current = NULL;
    const json *nj = json_get(cmd, "name");
    const char *name = json_get_string(cmd, "name");
    if (nj && !name)
        return result(r, FAIL, "bad JSON: \"name\" is not a string");
    if (name && !bind_name(r, name, NULL))
        return result(r, FAIL, "out of memory");

    weft_instance *inst;
    weft_status st;
    weft_error err;
    outcome o = instantiate(r, cmd, &inst, &st, &err);
    if (o != PASS)
        return o;
    if (st != WEFT_OK) {
        char buf[512];
        sb b = sb_on(buf, sizeof buf);
        sb_error(&b, st, &err);
        return result(r, FAIL, "module failed to instantiate: %s", buf);
    }
    r->current = inst;
    if (name)
        bind_name(r, name, inst); /* the entry exists: cannot fail */
    return PASS;
}

static outcome cmd_register(runner *r, const json *cmd)
{
    const char *as = json_get_string(cmd, "as");
    if (!as)
        return result(r, FAIL, "bad JSON: register without an \"as\" string");
    weft_instance *inst;
    outcome o = find_instance(r, cmd, "name", &inst);
    if (o != PASS)
        return o;
    weft_status st = weft_linker_define_instance(r->linker, as, inst);
    if (st != WEFT_OK)
        return result(r, FAIL, "weft_linker_define_instance(\"%s\"): %s", as,
                      weft_status_name(st));
    return PASS;
}

/* assert_invalid and assert_malformed. */
static outcome cmd_assert_bad_module(runner *r, const json *cmd)
{
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    weft_module *m;
    weft_status st;
    weft_error err;
    outcome o = load_module(r, cmd, &m, &st, &err);
    if (o != PASS)
        return o;
    if (st == WEFT_OK)
        return result(r, FAIL, "module was accepted, expected failure "
                               "\"%s\"", text);
    char buf[512];
    sb b = sb_on(buf, sizeof buf);
    sb_error(&b, st, &err);
    if (st != WEFT_MALFORMED && st != WEFT_INVALID)
        return result(r, FAIL, "expected \"%s\" (MALFORMED or INVALID), got %s",
                      text, buf);
    if (!message_matches(err.message, text))
        note(r, "passed; expected \"%s\", got %s", text, buf);
    return PASS;
}

/* assert_unlinkable and assert_uninstantiable. */
static outcome cmd_assert_no_instance(runner *r, const json *cmd,
                                      bool unlinkable)
{
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    weft_instance *inst;
    weft_status st;
    weft_error err;
    outcome o = instantiate(r, cmd, &inst, &st, &err);
    if (o != PASS)
        return o;
    if (st == WEFT_OK)
        return result(r, FAIL, "module was instantiated, expected failure "
                               "\"%s\"", text);
    char buf[512];
    sb b = sb_on(buf, sizeof buf);
    sb_error(&b, st, &err);
    bool ok = unlinkable ? st == WEFT_UNLINKABLE
                         : (st == WEFT_TRAP || st == WEFT_UNLINKABLE);
    if (!ok)
        return result(r, FAIL, "expected \"%s\" (%s), got %s", text,
                      unlinkable ? "UNLINKABLE" : "TRAP or UNLINKABLE", buf);
    if (!message_matches(err.message, text))
        note(r, "passed; expected \"%s\", got %s", text, buf);
    return PASS;
}

static outcome cmd_action(runner *r, const json *cmd)
{
    action_result res;
    outcome o = run_action(r, cmd, &res);
    if (o == PASS && res.status != WEFT_OK) {
        char buf[512];
        sb b = sb_on(buf, sizeof buf);
        sb_error(&b, res.status, &res.err);
        o = result(r, FAIL, "%s: %s", res.what, buf);
    }
    free_action(&res);
    return o;
}

static outcome cmd_assert_return(runner *r, const json *cmd)
{
    const json *exp = json_get_array(cmd, "expected");
    if (!exp)
        return result(r, FAIL, "bad JSON: missing \"expected\" array");
    size_t nexp = json_array_len(exp);
    expect *ev = calloc(nexp ? nexp : 1, sizeof *ev);
    if (!ev)
        return result(r, FAIL, "out of memory");
    for (size_t i = 0; i < nexp; i++) {
        outcome o = parse_value(r, json_array_at(exp, i), true, &ev[i]);
        if (o != PASS) {
            free(ev);
            return o;
        }
    }
    action_result res;
    outcome o = run_action(r, cmd, &res);
    if (o == PASS) {
        char buf[1024];
        sb b = sb_on(buf, sizeof buf);
        if (res.status != WEFT_OK) {
            sb_error(&b, res.status, &res.err);
            o = result(r, FAIL, "%s: expected a return, got %s", res.what,
                       buf);
        } else {
            bool same = res.nvals == nexp;
            for (size_t i = 0; same && i < nexp; i++)
                same = val_matches(&res.vals[i], &ev[i]);
            if (!same) {
                sb_printf(&b, "expected [");
                for (size_t i = 0; i < nexp; i++) {
                    if (i)
                        sb_printf(&b, ", ");
                    sb_expect(&b, &ev[i]);
                }
                sb_printf(&b, "], got ");
                sb_vals(&b, res.vals, res.nvals);
                o = result(r, FAIL, "%s: %s", res.what, buf);
            }
        }
    }
    free_action(&res);
    free(ev);
    return o;
}

/* assert_trap, assert_exhaustion (want: STACK_EXHAUSTED) and
 * assert_exception (want: UNCAUGHT_EXCEPTION; the exception reaching the
 * host is a trap of that kind). want NONE: any trap. */
static outcome cmd_assert_trap(runner *r, const json *cmd, weft_trap_kind want)
{
    const char *text = json_get_string(cmd, "text");
    if (!text)
        text = "";
    action_result res;
    outcome o = run_action(r, cmd, &res);
    if (o != PASS) {
        free_action(&res);
        return o;
    }
    char buf[1024];
    sb b = sb_on(buf, sizeof buf);
    if (res.status == WEFT_OK) {
        sb_vals(&b, res.vals, res.nvals);
        o = result(r, FAIL, "%s: expected trap \"%s\", got return %s",
                   res.what, text, buf);
    } else {
        sb_error(&b, res.status, &res.err);
        if (res.status != WEFT_TRAP ||
            (want != WEFT_TRAP_NONE && res.err.trap != want)) {
            o = result(r, FAIL, "%s: expected %s%s \"%s\", got %s", res.what,
                       want != WEFT_TRAP_NONE ? weft_trap_name(want) : "",
                       want != WEFT_TRAP_NONE ? " trap" : "trap", text, buf);
        } else if (!message_matches(res.err.message, text) &&
                   !message_matches(weft_trap_message(res.err.trap), text)) {
            note(r, "passed; %s: expected trap \"%s\", got %s", res.what, text,
                 buf);
        }
    }
    free_action(&res);
    return o;
}

static outcome run_command(runner *r, const json *cmd)
{
    const char *t = r->cmd;
    /* component scripts */
    if (strcmp(t, "module_definition") == 0)
        return cmd_component(r, cmd, true);
    if (strcmp(t, "module_instance") == 0)
        return cmd_component_instance(r, cmd);
    bool modcmd = strcmp(t, "module") == 0 || strcmp(t, "assert_invalid") == 0 ||
                  strcmp(t, "assert_malformed") == 0 || strcmp(t, "assert_unlinkable") == 0 ||
                  strcmp(t, "assert_uninstantiable") == 0;
    if (modcmd && json_get_string(cmd, "filename") && cmd_is_component(r, cmd)) {
        if (strcmp(t, "module") == 0)
            return cmd_component(r, cmd, false);
        if (strcmp(t, "assert_invalid") == 0 || strcmp(t, "assert_malformed") == 0)
            return cmd_cassert_bad(r, cmd);
        return cmd_cassert_no_instance(r, cmd);
    }
    if (r->current_is_component || (json_get(cmd, "action") &&
                                    json_get_string(json_get(cmd, "action"), "module") &&
                                    cname_slot(r, json_get_string(json_get(cmd, "action"), "module"), false))) {
        if (strcmp(t, "assert_return") == 0)
            return cmd_cassert_return(r, cmd);
        if (strcmp(t, "assert_trap") == 0)
            return cmd_cassert_trap(r, cmd);
        if (strcmp(t, "action") == 0) {
            caction res;
            outcome o = run_caction(r, cmd, &res);
            if (o == PASS && res.status != WEFT_OK)
                o = result(r, FAIL, "%s: %s", res.what, res.err.message);
            free_caction(r, &res);
            return o;
        }
    }
    if (strcmp(t, "module") == 0) {
        r->current_is_component = false;
        return cmd_module(r, cmd);
    }
    if (strcmp(t, "register") == 0)
        return cmd_register(r, cmd);
    if (strcmp(t, "action") == 0)
        return cmd_action(r, cmd);
    if (strcmp(t, "assert_return") == 0)
        return cmd_assert_return(r, cmd);
    if (strcmp(t, "assert_trap") == 0)
        return cmd_assert_trap(r, cmd, WEFT_TRAP_NONE);
    if (strcmp(t, "assert_exhaustion") == 0)
        return cmd_assert_trap(r, cmd, WEFT_TRAP_STACK_EXHAUSTED);
    if (strcmp(t, "assert_exception") == 0)
        return cmd_assert_trap(r, cmd, WEFT_TRAP_UNCAUGHT_EXCEPTION);
    if (strcmp(t, "assert_invalid") == 0 || strcmp(t, "assert_malformed") == 0)
        return cmd_assert_bad_module(r, cmd);
    if (strcmp(t, "assert_unlinkable") == 0)
        return cmd_assert_no_instance(r, cmd, true);
    if (strcmp(t, "assert_uninstantiable") == 0)
        return cmd_assert_no_instance(r, cmd, false);
    return result(r, FAIL, "bad JSON: unknown command type");
}

/* Counts and reports one command's outcome, applying the expected-failures
 * list. */
static void finish(runner *r, outcome o)
{
    xfail *x = find_xfail(r, r->line);
    if (x) {
        if (o == FAIL) {
            note(r, "expected failure (%s): %s", x->reason, r->msg);
            o = SKIP;
            snprintf(r->msg, sizeof r->msg, "expected failure");
        } else if (o == PASS) {
            o = FAIL;
            snprintf(r->msg, sizeof r->msg,
                     "unexpectedly passed: remove it from the expected "
                     "failures (%s:%u: %s)",
                     r->xfail_path, x->list_line, x->reason);
        }
    }
    switch (o) {
    case PASS:
        r->passed++;
        break;
    case FAIL:
        r->failed++;
        if (r->line > 0)
            printf("%s:%ld: %s: %s\n", r->source, r->line, r->cmd, r->msg);
        else
            printf("%s: %s: %s\n", r->source, r->cmd, r->msg);
        break;
    case SKIP:
        r->skipped++;
        if (r->verbose && !x)
            printf("%s:%ld: %s: skipped: %s\n", r->source, r->line, r->cmd,
                   r->msg);
        break;
    }
}

/* ------------------------------------------------------------------ */
/* spectest                                                            */
/* ------------------------------------------------------------------ */

static weft_trap_kind spectest_print(weft_caller *caller, void *user,
                                     const weft_val *args, weft_val *results)
{
    (void)caller;
    (void)results;
    const host_ctx *h = user;
    if (!h->r->verbose)
        return WEFT_TRAP_NONE;
    char buf[256];
    sb b = sb_on(buf, sizeof buf);
    size_t n = (size_t)(strchr(h->sig, ':') - h->sig);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_printf(&b, ", ");
        sb_val(&b, &args[i]);
    }
    printf("spectest.%s(%s)\n", h->name, buf);
    return WEFT_TRAP_NONE;
}

static bool define_spectest(runner *r)
{
    const char *what = NULL;
    weft_status st = WEFT_OK;
    for (size_t i = 0; i < N_SPECTEST_FUNCS && st == WEFT_OK; i++) {
        host_ctx *h = &r->host[i];
        h->r = r;
        h->name = spectest_funcs[i].name;
        h->sig = spectest_funcs[i].sig;
        what = h->name;
        st = weft_linker_define_func(r->linker, r->store, "spectest", h->name,
                                     h->sig, spectest_print, h);
    }
    static const struct {
        const char *name;
        weft_valkind kind;
    } globals[] = {{"global_i32", WEFT_I32},
                   {"global_i64", WEFT_I64},
                   {"global_f32", WEFT_F32},
                   {"global_f64", WEFT_F64}};
    for (size_t i = 0; i < 4 && st == WEFT_OK; i++) {
        weft_val v;
        switch (globals[i].kind) {
        case WEFT_I32: v = weft_val_i32(666); break;
        case WEFT_I64: v = weft_val_i64(666); break;
        case WEFT_F32: v = weft_val_f32(666.6f); break;
        default: v = weft_val_f64(666.6); break;
        }
        what = globals[i].name;
        weft_extern ext;
        ext.kind = WEFT_EXTERN_GLOBAL;
        ext.of.global = weft_global_new(r->store, globals[i].kind, false, v);
        st = ext.of.global ? weft_linker_define(r->linker, "spectest", what, ext)
                           : WEFT_NOMEM;
    }
    if (st == WEFT_OK) {
        what = "table";
        weft_limits lim = {10, 20, true};
        weft_extern ext;
        ext.kind = WEFT_EXTERN_TABLE;
        ext.of.table = weft_table_new(r->store, WEFT_FUNCREF, lim,
                                      make_val(WEFT_FUNCREF));
        st = ext.of.table ? weft_linker_define(r->linker, "spectest", what, ext)
                          : WEFT_NOMEM;
    }
    if (st == WEFT_OK) {
        what = "memory";
        weft_limits lim = {1, 2, true};
        weft_extern ext;
        ext.kind = WEFT_EXTERN_MEMORY;
        ext.of.memory = weft_memory_new(r->store, lim);
        st = ext.of.memory
                 ? weft_linker_define(r->linker, "spectest", what, ext)
                 : WEFT_NOMEM;
    }
    if (st != WEFT_OK) {
        printf("%s: cannot define spectest.%s: %s\n", r->source, what,
               weft_status_name(st));
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* The script                                                          */
/* ------------------------------------------------------------------ */

static void run_script(runner *r, const json *root)
{
    const json *cmds = json_get_array(root, "commands");
    if (!cmds) {
        printf("%s: bad JSON: missing \"commands\" array\n", r->json_path);
        r->failed++;
        return;
    }
    size_t n = json_array_len(cmds);
    if (r->file_reason) {
        if (r->verbose)
            printf("%s: skipped (%lu commands): expected failure: %s\n",
                   r->source, (unsigned long)n, r->file_reason);
        r->skipped += n;
        return;
    }

    weft_config cfg;
    weft_config_default(&cfg);
    cfg.features &= ~r->features_off;
    r->engine = weft_engine_new(&cfg);
    r->store = r->engine ? weft_store_new(r->engine) : NULL;
    r->linker = r->engine ? weft_linker_new(r->engine) : NULL;
    r->clinker = r->engine ? weft_component_linker_new(r->engine) : NULL;
    if (!r->engine || !r->store || !r->linker || !r->clinker) {
        printf("%s: cannot create the engine, store or linker\n", r->source);
        r->failed++;
        return;
    }
    if (!define_spectest(r)) {
        r->failed++;
        return;
    }

    for (size_t i = 0; i < n; i++) {
        const json *cmd = json_array_at(cmds, i);
        long long line = 0;
        r->line = 0;
        r->cmd = "command";
        r->msg[0] = '\0';
        if (!cmd || cmd->type != JSON_OBJECT) {
            r->line = 0;
            finish(r, result(r, FAIL, "bad JSON: command %lu is not an object",
                             (unsigned long)i));
            continue;
        }
        bool has_line = json_get_int(cmd, "line", &line) && line > 0 &&
                        line <= 1000000000LL;
        r->line = has_line ? (long)line : 0;
        const char *type = json_get_string(cmd, "type");
        if (!type) {
            finish(r, result(r, FAIL, "bad JSON: command %lu has no \"type\"",
                             (unsigned long)i));
            continue;
        }
        r->cmd = type;
        if (!has_line) {
            finish(r, result(r, FAIL, "bad JSON: command %lu has no valid "
                                      "\"line\"",
                             (unsigned long)i));
            continue;
        }
        finish(r, run_command(r, cmd));
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: weft wast [-v|--verbose] [--expected-failures FILE] "
               "[--disable FEATURE] [--images] SCRIPT.json\n"
               "Runs a spec test script converted by wast2json "
               "(wast2json --enable-all X.wast -o SCRIPT.json).\n"
               "FEATURE: multi-memory (for scripts of the core standard), exceptions,\n"
               "custom-page-sizes.\n");
}

/* The WEFT_FEATURE_* bit named by a --disable argument, or 0. */
static uint32_t feature_bit(const char *name)
{
    if (strcmp(name, "multi-memory") == 0)
        return WEFT_FEATURE_MULTI_MEMORY;
    if (strcmp(name, "exceptions") == 0)
        return WEFT_FEATURE_EXCEPTIONS;
    if (strcmp(name, "custom-page-sizes") == 0)
        return WEFT_FEATURE_CUSTOM_PAGE_SIZES;
    return 0;
}

int weft_cli_wast(int argc, char **argv)
{
    runner r;
    memset(&r, 0, sizeof r);
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_files && a[0] == '-' && a[1]) {
            if (strcmp(a, "--") == 0) {
                only_files = true;
            } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
                r.verbose = true;
            } else if (strcmp(a, "--expected-failures") == 0) {
                if (i + 1 >= argc) {
                    fprintf(stderr, "weft wast: %s needs a file\n", a);
                    return 2;
                }
                r.xfail_path = argv[++i];
            } else if (strncmp(a, "--expected-failures=", 20) == 0) {
                r.xfail_path = a + 20;
            } else if (strcmp(a, "--images") == 0) {
                r.images = true;
            } else if (strcmp(a, "--disable") == 0 ||
                       strncmp(a, "--disable=", 10) == 0) {
                const char *name = a[9] == '=' ? a + 10
                                   : i + 1 < argc ? argv[++i] : NULL;
                uint32_t bit = name ? feature_bit(name) : 0;
                if (!bit) {
                    fprintf(stderr, "weft wast: --disable needs a feature "
                                    "(multi-memory, exceptions, custom-page-sizes)\n");
                    return 2;
                }
                r.features_off |= bit;
            } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                usage(stdout);
                return 0;
            } else {
                fprintf(stderr, "weft wast: unknown option %s\n", a);
                usage(stderr);
                return 2;
            }
        } else if (r.json_path) {
            fprintf(stderr, "weft wast: one script at a time\n");
            return 2;
        } else {
            r.json_path = a;
        }
    }
    if (!r.json_path) {
        usage(stderr);
        return 2;
    }

    r.source = r.json_path;
    const char *slash = strrchr(r.json_path, '/');
    r.dir = slash ? dup_mem(r.json_path, (size_t)(slash - r.json_path) + 1)
                  : dup_str("");
    char *text = NULL;
    size_t len = 0;
    json *root = NULL;
    char err[512];
    if (!r.dir) {
        printf("%s: out of memory\n", r.json_path);
        r.failed++;
    } else if (!read_file(r.json_path, &text, &len, err, sizeof err)) {
        printf("%s\n", err);
        r.failed++;
    } else if (!(root = json_parse(text, len, err, sizeof err))) {
        printf("%s: bad JSON: %s\n", r.json_path, err);
        r.failed++;
    } else {
        const char *src = json_get_string(root, "source_filename");
        if (src) {
            r.source = src;
        } else {
            printf("%s: bad JSON: missing \"source_filename\"\n", r.json_path);
            r.failed++;
        }
        if (r.xfail_path)
            load_xfails(&r);
        if (r.xfail_error)
            r.failed++;
        run_script(&r, root);
        if (!r.file_reason) {
            for (size_t i = 0; i < r.nxfails; i++) {
                if (!r.xfails[i].used) {
                    printf("%s:%u: %s:%ld is listed but no command is on "
                           "that line\n",
                           r.xfail_path, r.xfails[i].list_line,
                           base_name(r.source), r.xfails[i].line);
                    r.failed++;
                }
            }
        }
    }

    if (r.skipped)
        printf("%lu passed, %lu failed, %lu skipped\n", r.passed, r.failed,
               r.skipped);
    else
        printf("%lu passed, %lu failed\n", r.passed, r.failed);
    fflush(stdout);

    if (r.linker)
        weft_linker_delete(r.linker);
    weft_component_linker_delete(r.clinker);
    if (r.store)
        weft_store_delete(r.store);
    for (size_t i = 0; i < r.nmodules; i++)
        weft_module_delete(r.modules[i]);
    for (size_t i = 0; i < r.nimages; i++)
        weft_image_free(r.engine, r.images_kept[i], r.images_len[i]);
    free(r.images_kept);
    free(r.images_len);
    for (size_t i = 0; i < r.ncomps; i++)
        weft_component_delete(r.comps[i]);
    free(r.comps);
    for (size_t i = 0; i < r.ncnames; i++)
        free(r.cnames[i].name);
    free(r.cnames);
    if (r.engine)
        weft_engine_delete(r.engine);
    free(r.modules);
    for (size_t i = 0; i < r.nnames; i++)
        free(r.names[i].name);
    free(r.names);
    for (size_t i = 0; i < r.nxfails; i++)
        free(r.xfails[i].reason);
    free(r.xfails);
    free(r.file_reason);
    json_free(root);
    free(text);
    free(r.dir);
    return r.failed ? 1 : 0;
}
