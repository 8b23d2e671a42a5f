/*
 * wasi_p1.c - WASI preview1 (wasi_snapshot_preview1) for core modules,
 * defined in a weft_linker through the public API.
 *
 * Guest memory is the calling instance's export "memory". Every pointer and
 * length from the guest is checked against the memory size in 64-bit
 * arithmetic; out of range gives errno FAULT. Values in memory are
 * little-endian and read and written byte by byte, so unaligned pointers
 * are fine.
 *
 * Descriptors: 0 stdin, 1 stdout, 2 stderr, 3.. the preopens of the config.
 */
#include "weft/wasi.h"
#include "weft/platform.h"

#include <string.h>

/* errno values of wasi_snapshot_preview1. */
enum {
    E_SUCCESS = 0,
    E_BADF = 8,
    E_FAULT = 21,
    E_INVAL = 28,
    E_IO = 29,
    E_NAMETOOLONG = 37,
    E_NOSYS = 52,
    E_NOTSUP = 58,
    E_SPIPE = 70
};

enum {
    FILETYPE_CHARACTER_DEVICE = 2,
    FILETYPE_DIRECTORY = 3
};

enum {
    CLOCK_REALTIME_ID = 0,
    CLOCK_MONOTONIC_ID = 1,
    CLOCK_PROCESS_CPUTIME_ID = 2,
    CLOCK_THREAD_CPUTIME_ID = 3
};

enum { EVENTTYPE_CLOCK = 0, EVENTTYPE_FD_READ = 1, EVENTTYPE_FD_WRITE = 2 };

#define SUBCLOCKFLAGS_ABSTIME 1u
#define FDFLAGS_APPEND 1u

/* Rights bits. */
#define R_FD_DATASYNC (1ull << 0)
#define R_FD_READ (1ull << 1)
#define R_FD_SEEK (1ull << 2)
#define R_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define R_FD_SYNC (1ull << 4)
#define R_FD_TELL (1ull << 5)
#define R_FD_WRITE (1ull << 6)
#define R_FD_FILESTAT_GET (1ull << 21)
#define R_POLL_FD_READWRITE (1ull << 27)
#define R_ALL ((1ull << 30) - 1)

/* Rights of stdio: no seek or tell, so a guest libc treats them as ttys. */
#define R_STDIN (R_FD_READ | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | \
                 R_POLL_FD_READWRITE)
#define R_STDOUT (R_FD_WRITE | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | \
                  R_POLL_FD_READWRITE)
/* A directory: everything except reading, writing and seeking itself. */
#define R_DIR (R_ALL & ~(R_FD_READ | R_FD_WRITE | R_FD_SEEK | R_FD_TELL | \
                         R_FD_DATASYNC | R_FD_SYNC))

/* Sizes of the ABI records. */
#define CIOVEC_SIZE 8u
#define FDSTAT_SIZE 24u
#define FILESTAT_SIZE 64u
#define PRESTAT_SIZE 8u
#define SUBSCRIPTION_SIZE 48u
#define EVENT_SIZE 32u

typedef struct wasi_preopen {
    const char *guest;
    const char *host;
    uint32_t guest_len;
} wasi_preopen;

struct weft_wasi {
    size_t alloc_size;        /* the whole block, for the allocator */
    uint32_t argc, args_size; /* args: argc NUL-terminated strings */
    uint32_t envc, env_size;
    const char *args;
    const char *env;
    uint32_t nfds;            /* 3 + number of preopens */
    uint8_t *open;            /* per fd: 1 while open */
    wasi_preopen *preopens;
    uint64_t start_ns;        /* monotonic time at creation */
};

typedef enum fd_kind {
    FD_NONE,
    FD_STDIN,
    FD_STDOUT,                /* stdout or stderr */
    FD_DIR
} fd_kind;

static fd_kind fd_kind_of(const weft_wasi *w, uint32_t fd)
{
    if (fd >= w->nfds || !w->open[fd])
        return FD_NONE;
    if (fd == 0)
        return FD_STDIN;
    if (fd <= 2)
        return FD_STDOUT;
    return FD_DIR;
}

/* ------------------------------------------------------------------ */
/* Guest memory                                                        */
/* ------------------------------------------------------------------ */

typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem;

static bool mem_get(weft_caller *caller, wasi_mem *m)
{
    weft_extern ext;
    if (!weft_caller_export(caller, "memory", &ext) ||
        ext.kind != WEFT_EXTERN_MEMORY || ext.of.memory == NULL)
        return false;
    m->base = weft_memory_data(ext.of.memory);
    m->size = weft_memory_size(ext.of.memory);
    if (m->base == NULL)
        m->size = 0;
    return true;
}

/* True if [ptr, ptr+len) lies inside the memory. */
static bool in_range(const wasi_mem *m, uint32_t ptr, uint64_t len)
{
    return len <= m->size && (uint64_t)ptr <= m->size - len;
}

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32);
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void st64(uint8_t *p, uint64_t v)
{
    st32(p, (uint32_t)v);
    st32(p + 4, (uint32_t)(v >> 32));
}

/* ------------------------------------------------------------------ */
/* Helpers for the host functions                                      */
/* ------------------------------------------------------------------ */

#define HOSTFN(name)                                                       \
    static weft_trap_kind name(weft_caller *caller, void *user,            \
                               const weft_val *args, weft_val *results)

#define A32(i) ((uint32_t)args[i].of.i32)
#define A64(i) ((uint64_t)args[i].of.i64)

#define RET(e)                                                             \
    do {                                                                   \
        results[0] = weft_val_i32((int32_t)(e));                           \
        return WEFT_TRAP_NONE;                                             \
    } while (0)

#define NEED_MEM(m)                                                        \
    do {                                                                   \
        if (!mem_get(caller, &(m)))                                        \
            return weft_caller_trap(caller, WEFT_TRAP_HOST,                \
                "wasi: the module does not export a memory named "         \
                "\"memory\"");                                             \
    } while (0)

static bool clock_now(const weft_wasi *w, uint32_t id, uint64_t *out)
{
    switch (id) {
    case CLOCK_REALTIME_ID:
        *out = weft_platform_realtime_ns();
        return true;
    case CLOCK_MONOTONIC_ID:
        *out = weft_platform_monotonic_ns();
        return true;
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        /* Approximated by the time since the context was made. */
        *out = weft_platform_monotonic_ns() - w->start_ns;
        return true;
    default:
        return false;
    }
}

/* Copies count NUL-separated strings from src (size bytes in all) to guest
 * memory: pointers at ptrs, bytes at buf. */
static uint32_t put_strings(const wasi_mem *m, const char *src,
                            uint32_t count, uint32_t size, uint32_t ptrs,
                            uint32_t buf)
{
    uint32_t i, off = 0;
    if (!in_range(m, ptrs, (uint64_t)count * 4) || !in_range(m, buf, size))
        return E_FAULT;
    memcpy(m->base + buf, src, size);
    for (i = 0; i < count; i++) {
        st32(m->base + ptrs + 4u * i, buf + off);
        off += (uint32_t)strlen(src + off) + 1;
    }
    return E_SUCCESS;
}

static uint32_t put_sizes(const wasi_mem *m, uint32_t a, uint32_t b,
                          uint32_t pa, uint32_t pb)
{
    if (!in_range(m, pa, 4) || !in_range(m, pb, 4))
        return E_FAULT;
    st32(m->base + pa, a);
    st32(m->base + pb, b);
    return E_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Arguments and environment                                           */
/* ------------------------------------------------------------------ */

HOSTFN(w_args_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    NEED_MEM(m);
    RET(put_strings(&m, w->args, w->argc, w->args_size, A32(0), A32(1)));
}

HOSTFN(w_args_sizes_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    NEED_MEM(m);
    RET(put_sizes(&m, w->argc, w->args_size, A32(0), A32(1)));
}

HOSTFN(w_environ_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    NEED_MEM(m);
    RET(put_strings(&m, w->env, w->envc, w->env_size, A32(0), A32(1)));
}

HOSTFN(w_environ_sizes_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    NEED_MEM(m);
    RET(put_sizes(&m, w->envc, w->env_size, A32(0), A32(1)));
}

/* ------------------------------------------------------------------ */
/* Clocks, randomness, scheduling                                      */
/* ------------------------------------------------------------------ */

HOSTFN(w_clock_res_get)
{
    wasi_mem m;
    uint32_t id = A32(0), ptr = A32(1);
    (void)user;
    NEED_MEM(m);
    if (id > CLOCK_THREAD_CPUTIME_ID)
        RET(E_INVAL);
    if (!in_range(&m, ptr, 8))
        RET(E_FAULT);
    st64(m.base + ptr, 1); /* nanosecond timestamps */
    RET(E_SUCCESS);
}

HOSTFN(w_clock_time_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t id = A32(0), ptr = A32(2);
    uint64_t now;
    NEED_MEM(m);
    if (!clock_now(w, id, &now))
        RET(E_INVAL);
    if (!in_range(&m, ptr, 8))
        RET(E_FAULT);
    st64(m.base + ptr, now);
    RET(E_SUCCESS);
}

HOSTFN(w_random_get)
{
    wasi_mem m;
    uint32_t buf = A32(0), len = A32(1);
    (void)user;
    NEED_MEM(m);
    if (!in_range(&m, buf, len))
        RET(E_FAULT);
    if (len > 0 && weft_platform_random(m.base + buf, len) != 0)
        RET(E_IO);
    RET(E_SUCCESS);
}

HOSTFN(w_sched_yield)
{
    (void)caller;
    (void)user;
    (void)args;
    RET(E_SUCCESS);
}

/* Waits ns nanoseconds on the monotonic clock. platform.h has no sleep
 * hook, so this spins. Gives up if the clock does not move at all. */
static void spin_wait(uint64_t ns)
{
    uint64_t start = weft_platform_monotonic_ns(), now;
    uint32_t still = 0;
    for (;;) {
        now = weft_platform_monotonic_ns();
        if (now - start >= ns)
            return;
        if (now == start && ++still > (1u << 26))
            return;
    }
}

HOSTFN(w_poll_oneoff)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t in = A32(0), out = A32(1), nsubs = A32(2), nev_ptr = A32(3);
    uint32_t i, nev = 0;
    uint64_t wait = UINT64_MAX, start, waited, now;
    bool immediate = false;

    NEED_MEM(m);
    if (!in_range(&m, nev_ptr, 4))
        RET(E_FAULT);
    if (nsubs == 0)
        RET(E_INVAL);
    if (!in_range(&m, in, (uint64_t)nsubs * SUBSCRIPTION_SIZE) ||
        !in_range(&m, out, (uint64_t)nsubs * EVENT_SIZE))
        RET(E_FAULT);

    /* The shortest clock wait; fd and unknown subscriptions are ready at
     * once (with an error). */
    start = weft_platform_monotonic_ns();
    for (i = 0; i < nsubs; i++) {
        const uint8_t *s = m.base + in + (uint64_t)i * SUBSCRIPTION_SIZE;
        if (s[8] == EVENTTYPE_CLOCK) {
            uint32_t id = ld32(s + 16);
            uint64_t timeout = ld64(s + 24), rem;
            if (!clock_now(w, id, &now)) {
                immediate = true;
                continue;
            }
            if (ld16(s + 40) & SUBCLOCKFLAGS_ABSTIME)
                rem = timeout > now ? timeout - now : 0;
            else
                rem = timeout;
            if (rem < wait)
                wait = rem;
        } else {
            immediate = true;
        }
    }
    if (!immediate && wait > 0)
        spin_wait(wait);
    waited = weft_platform_monotonic_ns() - start;

    for (i = 0; i < nsubs; i++) {
        const uint8_t *s = m.base + in + (uint64_t)i * SUBSCRIPTION_SIZE;
        uint8_t ev[EVENT_SIZE];
        uint16_t error = E_SUCCESS;
        uint8_t tag = s[8];
        if (tag == EVENTTYPE_CLOCK) {
            uint32_t id = ld32(s + 16);
            uint64_t timeout = ld64(s + 24);
            if (!clock_now(w, id, &now)) {
                error = E_INVAL;
            } else if (ld16(s + 40) & SUBCLOCKFLAGS_ABSTIME) {
                if (now < timeout)
                    continue;
            } else if (timeout > waited) {
                continue;
            }
        } else if (tag == EVENTTYPE_FD_READ || tag == EVENTTYPE_FD_WRITE) {
            error = E_NOTSUP;
        } else {
            error = E_INVAL;
        }
        memset(ev, 0, sizeof ev);
        st64(ev, ld64(s));
        st16(ev + 8, error);
        ev[10] = tag;
        memcpy(m.base + out + (uint64_t)nev * EVENT_SIZE, ev, EVENT_SIZE);
        nev++;
    }
    st32(m.base + nev_ptr, nev);
    RET(E_SUCCESS);
}

HOSTFN(w_proc_exit)
{
    (void)user;
    (void)results;
    return weft_caller_exit(caller, args[0].of.i32);
}

/* ------------------------------------------------------------------ */
/* Descriptors                                                         */
/* ------------------------------------------------------------------ */

HOSTFN(w_fd_write)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t fd = A32(0), iovs = A32(1), n = A32(2), nw_ptr = A32(3);
    uint32_t i, done = 0;
    uint64_t total = 0;

    NEED_MEM(m);
    if (fd_kind_of(w, fd) != FD_STDOUT)
        RET(E_BADF);
    if (!in_range(&m, iovs, (uint64_t)n * CIOVEC_SIZE) ||
        !in_range(&m, nw_ptr, 4))
        RET(E_FAULT);
    for (i = 0; i < n; i++) {
        const uint8_t *v = m.base + iovs + (uint64_t)i * CIOVEC_SIZE;
        uint32_t len = ld32(v + 4);
        if (!in_range(&m, ld32(v), len))
            RET(E_FAULT);
        total += len;
    }
    if (total > UINT32_MAX)
        RET(E_INVAL);
    for (i = 0; i < n; i++) {
        const uint8_t *v = m.base + iovs + (uint64_t)i * CIOVEC_SIZE;
        uint32_t buf = ld32(v), len = ld32(v + 4);
        long r;
        if (len == 0)
            continue;
        r = weft_platform_write((int)fd, m.base + buf, len);
        if (r < 0) {
            if (done == 0)
                RET(E_IO);
            break;
        }
        done += (uint32_t)r;
        if ((uint32_t)r < len)
            break;
    }
    st32(m.base + nw_ptr, done);
    RET(E_SUCCESS);
}

HOSTFN(w_fd_read)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t fd = A32(0), iovs = A32(1), n = A32(2), nr_ptr = A32(3);
    uint32_t i, done = 0;

    NEED_MEM(m);
    if (fd_kind_of(w, fd) != FD_STDIN)
        RET(E_BADF);
    if (!in_range(&m, iovs, (uint64_t)n * CIOVEC_SIZE) ||
        !in_range(&m, nr_ptr, 4))
        RET(E_FAULT);
    for (i = 0; i < n; i++) {
        const uint8_t *v = m.base + iovs + (uint64_t)i * CIOVEC_SIZE;
        if (!in_range(&m, ld32(v), ld32(v + 4)))
            RET(E_FAULT);
    }
    /* One read into the first non-empty buffer, so a read returns what is
     * available instead of waiting to fill every buffer. */
    for (i = 0; i < n; i++) {
        const uint8_t *v = m.base + iovs + (uint64_t)i * CIOVEC_SIZE;
        uint32_t buf = ld32(v), len = ld32(v + 4);
        long r;
        if (len == 0)
            continue;
        r = weft_platform_read(0, m.base + buf, len);
        if (r < 0)
            RET(E_IO);
        done = (uint32_t)r;
        break;
    }
    st32(m.base + nr_ptr, done);
    RET(E_SUCCESS);
}

HOSTFN(w_fd_close)
{
    weft_wasi *w = user;
    uint32_t fd = A32(0);
    (void)caller;
    if (fd_kind_of(w, fd) == FD_NONE)
        RET(E_BADF);
    w->open[fd] = 0;
    RET(E_SUCCESS);
}

HOSTFN(w_fd_seek)
{
    const weft_wasi *w = user;
    uint32_t fd = A32(0);
    fd_kind k = fd_kind_of(w, fd);
    (void)caller;
    if (k == FD_NONE || k == FD_DIR)
        RET(E_BADF);
    RET(E_SPIPE);
}

HOSTFN(w_fd_fdstat_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t fd = A32(0), ptr = A32(1);
    uint8_t rec[FDSTAT_SIZE];
    fd_kind k;

    NEED_MEM(m);
    k = fd_kind_of(w, fd);
    if (k == FD_NONE)
        RET(E_BADF);
    if (!in_range(&m, ptr, FDSTAT_SIZE))
        RET(E_FAULT);
    memset(rec, 0, sizeof rec);
    if (k == FD_DIR) {
        rec[0] = FILETYPE_DIRECTORY;
        st64(rec + 8, R_DIR);
        st64(rec + 16, R_ALL);
    } else {
        rec[0] = FILETYPE_CHARACTER_DEVICE;
        st64(rec + 8, k == FD_STDIN ? R_STDIN : R_STDOUT);
    }
    memcpy(m.base + ptr, rec, FDSTAT_SIZE);
    RET(E_SUCCESS);
}

HOSTFN(w_fd_fdstat_set_flags)
{
    const weft_wasi *w = user;
    uint32_t fd = A32(0), flags = A32(1) & 0xffffu;
    fd_kind k = fd_kind_of(w, fd);
    (void)caller;
    if (k == FD_NONE)
        RET(E_BADF);
    /* Appending is what stdout and stderr do anyway; other flags cannot be
     * honoured through the platform hooks. */
    if (flags == 0 || (k == FD_STDOUT && flags == FDFLAGS_APPEND))
        RET(E_SUCCESS);
    RET(E_NOTSUP);
}

HOSTFN(w_fd_filestat_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t fd = A32(0), ptr = A32(1);
    uint8_t rec[FILESTAT_SIZE];
    fd_kind k;

    NEED_MEM(m);
    k = fd_kind_of(w, fd);
    if (k == FD_NONE)
        RET(E_BADF);
    if (!in_range(&m, ptr, FILESTAT_SIZE))
        RET(E_FAULT);
    memset(rec, 0, sizeof rec);
    rec[16] = k == FD_DIR ? FILETYPE_DIRECTORY : FILETYPE_CHARACTER_DEVICE;
    st64(rec + 24, 1); /* nlink */
    memcpy(m.base + ptr, rec, FILESTAT_SIZE);
    RET(E_SUCCESS);
}

HOSTFN(w_fd_prestat_get)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t fd = A32(0), ptr = A32(1);
    uint8_t rec[PRESTAT_SIZE];

    NEED_MEM(m);
    if (fd_kind_of(w, fd) != FD_DIR)
        RET(E_BADF);
    if (!in_range(&m, ptr, PRESTAT_SIZE))
        RET(E_FAULT);
    memset(rec, 0, sizeof rec);
    rec[0] = 0; /* preopentype dir */
    st32(rec + 4, w->preopens[fd - 3].guest_len);
    memcpy(m.base + ptr, rec, PRESTAT_SIZE);
    RET(E_SUCCESS);
}

HOSTFN(w_fd_prestat_dir_name)
{
    const weft_wasi *w = user;
    wasi_mem m;
    uint32_t fd = A32(0), ptr = A32(1), len = A32(2);
    const wasi_preopen *p;

    NEED_MEM(m);
    if (fd_kind_of(w, fd) != FD_DIR)
        RET(E_BADF);
    p = &w->preopens[fd - 3];
    if (len < p->guest_len)
        RET(E_NAMETOOLONG);
    if (!in_range(&m, ptr, p->guest_len))
        RET(E_FAULT);
    memcpy(m.base + ptr, p->guest, p->guest_len);
    RET(E_SUCCESS);
}

/* Every function that is not provided. */
HOSTFN(w_nosys)
{
    (void)caller;
    (void)user;
    (void)args;
    RET(E_NOSYS);
}

/* ------------------------------------------------------------------ */
/* Definition                                                          */
/* ------------------------------------------------------------------ */

typedef struct wasi_fn {
    const char *name;
    const char *sig;
    weft_host_fn fn;
} wasi_fn;

/* Every function of wasi_snapshot_preview1 with its core signature. */
static const wasi_fn wasi_fns[] = {
    {"args_get", "ii:i", w_args_get},
    {"args_sizes_get", "ii:i", w_args_sizes_get},
    {"environ_get", "ii:i", w_environ_get},
    {"environ_sizes_get", "ii:i", w_environ_sizes_get},
    {"clock_res_get", "ii:i", w_clock_res_get},
    {"clock_time_get", "iIi:i", w_clock_time_get},
    {"fd_advise", "iIIi:i", w_nosys},
    {"fd_allocate", "iII:i", w_nosys},
    {"fd_close", "i:i", w_fd_close},
    {"fd_datasync", "i:i", w_nosys},
    {"fd_fdstat_get", "ii:i", w_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii:i", w_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII:i", w_nosys},
    {"fd_filestat_get", "ii:i", w_fd_filestat_get},
    {"fd_filestat_set_size", "iI:i", w_nosys},
    {"fd_filestat_set_times", "iIIi:i", w_nosys},
    {"fd_pread", "iiiIi:i", w_nosys},
    {"fd_prestat_get", "ii:i", w_fd_prestat_get},
    {"fd_prestat_dir_name", "iii:i", w_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi:i", w_nosys},
    {"fd_read", "iiii:i", w_fd_read},
    {"fd_readdir", "iiiIi:i", w_nosys},
    {"fd_renumber", "ii:i", w_nosys},
    {"fd_seek", "iIii:i", w_fd_seek},
    {"fd_sync", "i:i", w_nosys},
    {"fd_tell", "ii:i", w_nosys},
    {"fd_write", "iiii:i", w_fd_write},
    {"path_create_directory", "iii:i", w_nosys},
    {"path_filestat_get", "iiiii:i", w_nosys},
    {"path_filestat_set_times", "iiiiIIi:i", w_nosys},
    {"path_link", "iiiiiii:i", w_nosys},
    {"path_open", "iiiiiIIii:i", w_nosys},
    {"path_readlink", "iiiiii:i", w_nosys},
    {"path_remove_directory", "iii:i", w_nosys},
    {"path_rename", "iiiiii:i", w_nosys},
    {"path_symlink", "iiiii:i", w_nosys},
    {"path_unlink_file", "iii:i", w_nosys},
    {"poll_oneoff", "iiii:i", w_poll_oneoff},
    {"proc_exit", "i:", w_proc_exit},
    {"proc_raise", "i:i", w_nosys},
    {"sched_yield", ":i", w_sched_yield},
    {"random_get", "ii:i", w_random_get},
    {"sock_accept", "iii:i", w_nosys},
    {"sock_recv", "iiiiii:i", w_nosys},
    {"sock_send", "iiiii:i", w_nosys},
    {"sock_shutdown", "ii:i", w_nosys},
};

/* Total bytes of n NUL-terminated strings; false if one is NULL. */
static bool strings_size(int n, const char *const *v, uint64_t *out)
{
    uint64_t total = 0;
    int i;
    if (n > 0 && v == NULL)
        return false;
    for (i = 0; i < n; i++) {
        if (v[i] == NULL)
            return false;
        total += (uint64_t)strlen(v[i]) + 1;
    }
    *out = total;
    return true;
}

static char *copy_strings(char *dst, int n, const char *const *v)
{
    int i;
    for (i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(dst, v[i], len);
        dst += len;
    }
    return dst;
}

weft_status weft_wasi_define(weft_linker *linker, weft_store *store,
                             const weft_wasi_config *cfg, weft_wasi **out)
{
    static const weft_wasi_config empty = {0, NULL, 0, NULL, 0, NULL, NULL};
    uint64_t args_size, env_size, host_size, guest_size, total;
    weft_wasi *w;
    char *p;
    size_t i;
    int j;

    if (out != NULL)
        *out = NULL;
    if (linker == NULL || store == NULL || out == NULL)
        return WEFT_ARG;
    if (cfg == NULL)
        cfg = &empty;
    if (cfg->argc < 0 || cfg->envc < 0 || cfg->npreopens < 0)
        return WEFT_ARG;
    if (!strings_size(cfg->argc, cfg->argv, &args_size) ||
        !strings_size(cfg->envc, cfg->env, &env_size) ||
        !strings_size(cfg->npreopens, cfg->preopen_host, &host_size) ||
        !strings_size(cfg->npreopens, cfg->preopen_guest, &guest_size))
        return WEFT_ARG;
    if (args_size > UINT32_MAX || env_size > UINT32_MAX ||
        guest_size > UINT32_MAX)
        return WEFT_LIMIT;

    /* One block: header, preopen records, open flags, strings. */
    total = sizeof(weft_wasi) +
            (uint64_t)cfg->npreopens * sizeof(wasi_preopen) +
            3u + (uint64_t)cfg->npreopens + args_size + env_size +
            host_size + guest_size;
    if (total > SIZE_MAX)
        return WEFT_NOMEM;
    w = weft_platform_realloc(NULL, NULL, 0, (size_t)total);
    if (w == NULL)
        return WEFT_NOMEM;
    memset(w, 0, (size_t)total);
    w->alloc_size = (size_t)total;
    w->preopens = (wasi_preopen *)(void *)(w + 1);
    p = (char *)(w->preopens + cfg->npreopens);
    w->open = (uint8_t *)p;
    w->nfds = 3u + (uint32_t)cfg->npreopens;
    memset(w->open, 1, w->nfds);
    p += w->nfds;

    w->args = p;
    w->argc = (uint32_t)cfg->argc;
    w->args_size = (uint32_t)args_size;
    p = copy_strings(p, cfg->argc, cfg->argv);
    w->env = p;
    w->envc = (uint32_t)cfg->envc;
    w->env_size = (uint32_t)env_size;
    p = copy_strings(p, cfg->envc, cfg->env);
    for (j = 0; j < cfg->npreopens; j++) {
        wasi_preopen *po = &w->preopens[j];
        po->host = p;
        p = copy_strings(p, 1, &cfg->preopen_host[j]);
        po->guest = p;
        po->guest_len = (uint32_t)strlen(cfg->preopen_guest[j]);
        p = copy_strings(p, 1, &cfg->preopen_guest[j]);
    }
    w->start_ns = weft_platform_monotonic_ns();

    for (i = 0; i < sizeof wasi_fns / sizeof wasi_fns[0]; i++) {
        weft_status s = weft_linker_define_func(linker, store,
                                                WEFT_WASI_MODULE,
                                                wasi_fns[i].name,
                                                wasi_fns[i].sig,
                                                wasi_fns[i].fn, w);
        if (s != WEFT_OK) {
            weft_wasi_delete(w);
            return s;
        }
    }
    *out = w;
    return WEFT_OK;
}

void weft_wasi_delete(weft_wasi *wasi)
{
    if (wasi != NULL)
        weft_platform_realloc(NULL, wasi, wasi->alloc_size, 0);
}
