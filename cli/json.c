/*
 * json.c - a small recursive-descent JSON reader (RFC 8259).
 */
#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting is refused, which bounds the recursion of the parser and
 * of json_free. */
#define JSON_MAX_DEPTH 256

typedef struct parser {
    const char *text;
    size_t len;
    size_t pos;
    unsigned depth;
    char *err;
    size_t errcap;
    bool failed;
} parser;

static void fail(parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (p->errcap == 0)
        return;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < p->pos && i < p->len; i++) {
        if (p->text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errcap, "line %zu, column %zu: %s", line, col, what);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int peek(const parser *p)
{
    return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static json *new_node(parser *p, json_type t)
{
    json *v = calloc(1, sizeof *v);
    if (!v)
        fail(p, "out of memory");
    else
        v->type = t;
    return v;
}

static bool match_word(parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, w, n) != 0)
        return false;
    p->pos += n;
    return true;
}

/* A growable byte buffer for decoded strings. */
typedef struct buf {
    char *ptr;
    size_t len, cap;
} buf;

static bool buf_put(parser *p, buf *b, const char *s, size_t n)
{
    if (b->cap - b->len <= n) {
        size_t cap = b->cap ? b->cap : 16;
        while (cap - b->len <= n) {
            if (cap > SIZE_MAX / 2) {
                fail(p, "string too long");
                return false;
            }
            cap *= 2;
        }
        char *np = realloc(b->ptr, cap);
        if (!np) {
            fail(p, "out of memory");
            return false;
        }
        b->ptr = np;
        b->cap = cap;
    }
    memcpy(b->ptr + b->len, s, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return true;
}

static int hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads the 4 hex digits after "\u". */
static bool read_hex4(parser *p, uint32_t *out)
{
    if (p->len - p->pos < 4) {
        fail(p, "truncated \\u escape");
        return false;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit((unsigned char)p->text[p->pos + i]);
        if (d < 0) {
            fail(p, "bad hex digit in \\u escape");
            return false;
        }
        v = v * 16 + (uint32_t)d;
    }
    p->pos += 4;
    *out = v;
    return true;
}

static bool put_utf8(parser *p, buf *b, uint32_t cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xc0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xe0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        s[0] = (char)(0xf0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return buf_put(p, b, s, n);
}

/* Parses a string starting at its opening quote into b. */
static bool parse_string_into(parser *p, buf *b)
{
    p->pos++; /* the opening quote */
    if (!buf_put(p, b, "", 0))
        return false;
    for (;;) {
        size_t start = p->pos;
        while (p->pos < p->len) {
            unsigned char c = (unsigned char)p->text[p->pos];
            if (c == '"' || c == '\\' || c < 0x20)
                break;
            p->pos++;
        }
        if (p->pos > start && !buf_put(p, b, p->text + start, p->pos - start))
            return false;
        int c = peek(p);
        if (c < 0) {
            fail(p, "unterminated string");
            return false;
        }
        if (c == '"') {
            p->pos++;
            return true;
        }
        if (c != '\\') {
            fail(p, "control character in string");
            return false;
        }
        p->pos++;
        int e = peek(p);
        if (e < 0) {
            fail(p, "unterminated string");
            return false;
        }
        p->pos++;
        char ch;
        switch (e) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (!read_hex4(p, &cp))
                return false;
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                fail(p, "unpaired low surrogate in \\u escape");
                return false;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                uint32_t lo;
                if (!match_word(p, "\\u")) {
                    fail(p, "unpaired high surrogate in \\u escape");
                    return false;
                }
                if (!read_hex4(p, &lo))
                    return false;
                if (lo < 0xdc00 || lo > 0xdfff) {
                    fail(p, "unpaired high surrogate in \\u escape");
                    return false;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (!put_utf8(p, b, cp))
                return false;
            continue;
        }
        default:
            p->pos--;
            fail(p, "bad escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
            return false;
        }
        if (!buf_put(p, b, &ch, 1))
            return false;
    }
}

static json *parse_string(parser *p)
{
    buf b = {0};
    if (!parse_string_into(p, &b)) {
        free(b.ptr);
        return NULL;
    }
    json *v = new_node(p, JSON_STRING);
    if (!v) {
        free(b.ptr);
        return NULL;
    }
    v->u.string.ptr = b.ptr;
    v->u.string.len = b.len;
    return v;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static json *parse_number(parser *p)
{
    size_t start = p->pos;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
    } else if (is_digit(peek(p))) {
        while (is_digit(peek(p)))
            p->pos++;
    } else {
        fail(p, "bad number");
        return NULL;
    }
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p))) {
            fail(p, "bad number: digit expected after '.'");
            return NULL;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p))) {
            fail(p, "bad number: digit expected in exponent");
            return NULL;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    /* strtod needs a NUL-terminated copy. */
    size_t n = p->pos - start;
    char small[64];
    char *s = n < sizeof small ? small : malloc(n + 1);
    if (!s) {
        fail(p, "out of memory");
        return NULL;
    }
    memcpy(s, p->text + start, n);
    s[n] = '\0';
    double d = strtod(s, NULL);
    if (s != small)
        free(s);
    json *v = new_node(p, JSON_NUMBER);
    if (v)
        v->u.number = d;
    return v;
}

static json *parse_value(parser *p);

static json *parse_array(parser *p)
{
    json *v = new_node(p, JSON_ARRAY);
    if (!v)
        return NULL;
    size_t cap = 0;
    p->pos++; /* '[' */
    skip_ws(p);
    if (peek(p) == ']') {
        p->pos++;
        return v;
    }
    for (;;) {
        json *item = parse_value(p);
        if (!item)
            goto error;
        if (v->u.array.len == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            json **ni = ncap <= SIZE_MAX / sizeof *ni
                            ? realloc(v->u.array.items, ncap * sizeof *ni)
                            : NULL;
            if (!ni) {
                json_free(item);
                fail(p, "out of memory");
                goto error;
            }
            v->u.array.items = ni;
            cap = ncap;
        }
        v->u.array.items[v->u.array.len++] = item;
        skip_ws(p);
        int c = peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        if (c == ']') {
            p->pos++;
            return v;
        }
        fail(p, c < 0 ? "unterminated array" : "',' or ']' expected");
        goto error;
    }
error:
    json_free(v);
    return NULL;
}

static json *parse_object(parser *p)
{
    json *v = new_node(p, JSON_OBJECT);
    if (!v)
        return NULL;
    size_t cap = 0;
    p->pos++; /* '{' */
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        return v;
    }
    for (;;) {
        skip_ws(p);
        if (peek(p) != '"') {
            fail(p, peek(p) < 0 ? "unterminated object" : "string key expected");
            goto error;
        }
        buf key = {0};
        if (!parse_string_into(p, &key)) {
            free(key.ptr);
            goto error;
        }
        skip_ws(p);
        if (peek(p) != ':') {
            free(key.ptr);
            fail(p, "':' expected");
            goto error;
        }
        p->pos++;
        json *item = parse_value(p);
        if (!item) {
            free(key.ptr);
            goto error;
        }
        if (v->u.object.len == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            json_member *nm = ncap <= SIZE_MAX / sizeof *nm
                                  ? realloc(v->u.object.items, ncap * sizeof *nm)
                                  : NULL;
            if (!nm) {
                free(key.ptr);
                json_free(item);
                fail(p, "out of memory");
                goto error;
            }
            v->u.object.items = nm;
            cap = ncap;
        }
        json_member *m = &v->u.object.items[v->u.object.len++];
        m->key = key.ptr;
        m->key_len = key.len;
        m->value = item;
        skip_ws(p);
        int c = peek(p);
        if (c == ',') {
            p->pos++;
            continue;
        }
        if (c == '}') {
            p->pos++;
            return v;
        }
        fail(p, c < 0 ? "unterminated object" : "',' or '}' expected");
        goto error;
    }
error:
    json_free(v);
    return NULL;
}

static json *parse_value(parser *p)
{
    skip_ws(p);
    int c = peek(p);
    if (c < 0) {
        fail(p, "unexpected end of input");
        return NULL;
    }
    if ((c == '[' || c == '{') && p->depth >= JSON_MAX_DEPTH) {
        fail(p, "nesting deeper than %d", JSON_MAX_DEPTH);
        return NULL;
    }
    json *v;
    switch (c) {
    case '{':
        p->depth++;
        v = parse_object(p);
        p->depth--;
        return v;
    case '[':
        p->depth++;
        v = parse_array(p);
        p->depth--;
        return v;
    case '"':
        return parse_string(p);
    case 't':
    case 'f':
    case 'n':
        if (match_word(p, "true") || match_word(p, "false")) {
            v = new_node(p, JSON_BOOL);
            if (v)
                v->u.boolean = (c == 't');
            return v;
        }
        if (match_word(p, "null"))
            return new_node(p, JSON_NULL);
        break;
    default:
        if (c == '-' || is_digit(c))
            return parse_number(p);
        break;
    }
    if (c >= 0x20 && c < 0x7f)
        fail(p, "unexpected character '%c'", c);
    else
        fail(p, "unexpected byte 0x%02x", (unsigned)c);
    return NULL;
}

json *json_parse(const char *text, size_t len, char *err, size_t errcap)
{
    parser p = {0};
    p.text = text;
    p.len = text ? len : 0;
    p.err = err;
    p.errcap = errcap;
    if (err && errcap)
        err[0] = '\0';
    json *v = parse_value(&p);
    if (v) {
        skip_ws(&p);
        if (p.pos != p.len) {
            fail(&p, "unexpected data after the value");
            json_free(v);
            v = NULL;
        }
    }
    return v;
}

void json_free(json *v)
{
    if (!v)
        return;
    switch (v->type) {
    case JSON_STRING:
        free(v->u.string.ptr);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.array.len; i++)
            json_free(v->u.array.items[i]);
        free(v->u.array.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.object.len; i++) {
            free(v->u.object.items[i].key);
            json_free(v->u.object.items[i].value);
        }
        free(v->u.object.items);
        break;
    default:
        break;
    }
    free(v);
}

const json *json_get(const json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT || !key)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->u.object.len; i++) {
        const json_member *m = &obj->u.object.items[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0)
            return m->value;
    }
    return NULL;
}

const char *json_get_string(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->u.string.ptr : NULL;
}

const json *json_get_array(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && v->type == JSON_ARRAY ? v : NULL;
}

bool json_get_int(const json *obj, const char *key, long long *out)
{
    const json *v = json_get(obj, key);
    if (!v || v->type != JSON_NUMBER)
        return false;
    double d = v->u.number;
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0))
        return false;
    long long i = (long long)d;
    if ((double)i != d)
        return false;
    *out = i;
    return true;
}

size_t json_array_len(const json *arr)
{
    return arr && arr->type == JSON_ARRAY ? arr->u.array.len : 0;
}

const json *json_array_at(const json *arr, size_t i)
{
    if (!arr || arr->type != JSON_ARRAY || i >= arr->u.array.len)
        return NULL;
    return arr->u.array.items[i];
}

const char *json_type_name(json_type t)
{
    switch (t) {
    case JSON_NULL: return "null";
    case JSON_BOOL: return "boolean";
    case JSON_NUMBER: return "number";
    case JSON_STRING: return "string";
    case JSON_ARRAY: return "array";
    case JSON_OBJECT: return "object";
    }
    return "?";
}
