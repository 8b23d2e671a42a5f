/* util.c - allocation, error reporting, formatting, status and trap names. */
#include "core/util.h"
#include "weft/platform.h"

/* Every block carries its size in a header, so the allocator hook is
 * always told the exact old size, whatever the caller remembers. The
 * header keeps the block aligned for any type. */
#define WU_HDR 16u

void *wu_alloc_raw(const weft_engine *e, size_t size)
{
    if (size > SIZE_MAX - WU_HDR)
        return NULL;
    uint8_t *p = e->cfg.alloc(e->cfg.alloc_ud, NULL, 0, size + WU_HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    return p + WU_HDR;
}

void *wu_alloc(const weft_engine *e, size_t size)
{
    uint8_t *p = wu_alloc_raw(e, size);
    if (p)
        memset(p, 0, size);
    return p;
}

static size_t block_size(const void *p)
{
    size_t size;
    memcpy(&size, (const uint8_t *)p - WU_HDR, sizeof size);
    return size;
}

void *wu_realloc(const weft_engine *e, void *p, size_t old_size, size_t new_size)
{
    (void)old_size;
    if (!p)
        return new_size ? wu_alloc(e, new_size) : NULL;
    if (new_size == 0) {
        wu_free(e, p, 0);
        return NULL;
    }
    if (new_size > SIZE_MAX - WU_HDR)
        return NULL;
    size_t old = block_size(p);
    uint8_t *q = e->cfg.alloc(e->cfg.alloc_ud, (uint8_t *)p - WU_HDR, old + WU_HDR,
                              new_size + WU_HDR);
    if (!q)
        return NULL;
    memcpy(q, &new_size, sizeof new_size);
    return q + WU_HDR;
}

void wu_free(const weft_engine *e, void *p, size_t size)
{
    (void)size;
    if (p)
        e->cfg.alloc(e->cfg.alloc_ud, (uint8_t *)p - WU_HDR, block_size(p) + WU_HDR, 0);
}

static void put(char *buf, size_t cap, size_t *n, char c)
{
    if (*n + 1 < cap)
        buf[*n] = c;
    (*n)++;
}

static void put_u(char *buf, size_t cap, size_t *n, unsigned long long v,
                  unsigned base)
{
    char tmp[24];
    int k = 0;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[k++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    while (k)
        put(buf, cap, n, tmp[--k]);
}

size_t wu_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
    size_t n = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(buf, cap, &n, *p);
            continue;
        }
        p++;
        unsigned width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (unsigned)(*p++ - '0');
        size_t field_start = n;
        int lng = 0, sz = 0;
        while (*p == 'l' || *p == 'z') {
            if (*p == 'l')
                lng++;
            else
                sz = 1;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            while (*s)
                put(buf, cap, &n, *s++);
            break;
        }
        case 'c':
            put(buf, cap, &n, (char)va_arg(ap, int));
            break;
        case 'd': {
            long long v = sz ? (long long)va_arg(ap, ptrdiff_t)
                        : lng >= 2 ? va_arg(ap, long long)
                        : lng ? va_arg(ap, long) : va_arg(ap, int);
            unsigned long long u = (unsigned long long)v;
            if (v < 0) {
                put(buf, cap, &n, '-');
                u = 0ull - u;
            }
            put_u(buf, cap, &n, u, 10);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = sz ? (unsigned long long)va_arg(ap, size_t)
                                 : lng >= 2 ? va_arg(ap, unsigned long long)
                                 : lng ? va_arg(ap, unsigned long)
                                 : va_arg(ap, unsigned);
            put_u(buf, cap, &n, v, *p == 'x' ? 16 : 10);
            break;
        }
        case '%':
            put(buf, cap, &n, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            put(buf, cap, &n, '%');
            put(buf, cap, &n, *p);
        }
        /* right-align the field to its width */
        size_t flen = n - field_start;
        if (flen < width) {
            size_t pad = width - flen;
            for (size_t k = 0; k < pad; k++)
                put(buf, cap, &n, ' ');
            /* shift what fits in the buffer right by pad */
            for (size_t i = n; i-- > field_start + pad;)
                if (i < cap - 1 && i - pad < cap - 1)
                    buf[i] = buf[i - pad];
            for (size_t i = field_start; i < field_start + pad && i < cap - 1; i++)
                buf[i] = ' ';
        }
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

size_t wu_fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = wu_vfmt(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

weft_status wu_error(weft_error *err, weft_status status, size_t offset,
                     const char *fmt, ...)
{
    if (err) {
        err->status = status;
        err->trap = WEFT_TRAP_NONE;
        err->exit_code = 0;
        err->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        wu_vfmt(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

void wu_error_clear(weft_error *err)
{
    if (err) {
        err->status = WEFT_OK;
        err->trap = WEFT_TRAP_NONE;
        err->exit_code = 0;
        err->offset = WEFT_NO_OFFSET;
        err->message[0] = '\0';
    }
}

const char *weft_status_name(weft_status s)
{
    switch (s) {
#define X(name, value, msg) case WEFT_##name: return #name;
        WEFT_STATUS_MAP(X)
#undef X
    }
    return "UNKNOWN";
}

const char *weft_status_message(weft_status s)
{
    switch (s) {
#define X(name, value, msg) case WEFT_##name: return msg;
        WEFT_STATUS_MAP(X)
#undef X
    }
    return "unknown status";
}

static const char *const trap_names[] = {
#define X(name, msg) #name,
    WEFT_TRAP_MAP(X)
#undef X
};
static const char *const trap_messages[] = {
#define X(name, msg) msg,
    WEFT_TRAP_MAP(X)
#undef X
};

const char *weft_trap_name(weft_trap_kind k)
{
    return (unsigned)k < WEFT_TRAP_COUNT_ ? trap_names[k] : "UNKNOWN";
}

const char *weft_trap_message(weft_trap_kind k)
{
    return (unsigned)k < WEFT_TRAP_COUNT_ ? trap_messages[k] : "unknown trap";
}

const char *weft_valkind_name(weft_valkind k)
{
    static const char *const n[] = {"i32", "i64", "f32", "f64", "v128",
                                    "funcref", "externref", "exnref"};
    return (unsigned)k < 8 ? n[k] : "?";
}

const char *weft_externkind_name(weft_externkind k)
{
    static const char *const n[] = {"func", "table", "memory", "global", "tag"};
    return (unsigned)k < 5 ? n[k] : "?";
}

void weft_config_default(weft_config *cfg)
{
    cfg->alloc = NULL;
    cfg->alloc_ud = NULL;
    cfg->stack_slots = WEFT_DEFAULT_STACK_SLOTS;
    cfg->max_call_depth = WEFT_DEFAULT_MAX_CALL_DEPTH;
    cfg->max_memory_bytes = WEFT_DEFAULT_MAX_MEMORY_BYTES;
    cfg->max_table_elems = WEFT_DEFAULT_MAX_TABLE_ELEMS;
    cfg->features = WEFT_FEATURES_ALL;
    cfg->nonconforming_memory_backing_bytes = 0;
}

weft_engine *weft_engine_new(const weft_config *cfg)
{
    weft_config c;
    if (cfg)
        c = *cfg;
    else
        weft_config_default(&c);
    if (!c.alloc)
        c.alloc = weft_platform_realloc;
    if (c.stack_slots < 64)
        c.stack_slots = 64;
    if (c.max_call_depth < 1)
        c.max_call_depth = 1;
    weft_engine *e = c.alloc(c.alloc_ud, NULL, 0, sizeof *e);
    if (!e)
        return NULL;
    e->cfg = c;
    e->code_hash = wm_opcode_hash();
    return e;
}

void weft_engine_delete(weft_engine *e)
{
    if (e)
        e->cfg.alloc(e->cfg.alloc_ud, e, sizeof *e, 0);
}
