/*
 * main.c - the weft command: argument parsing, `weft run`, help, and
 * dispatch to the other subcommands (cli.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"
#include "weft/component.h"
#include "weft/image.h"
#include "weft/wasi.h"
#include "weft/weft.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#define CLI_HAVE_MMAP 1
#endif

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_USAGE 1
#define EXIT_LOAD 2
#define EXIT_TRAP 134

static const char usage_text[] =
    "usage: weft <command> [options]\n"
    "\n"
    "commands:\n"
    "  compile IN.wasm -o OUT.cwasm [--c-array NAME]\n"
    "        Decode, validate and lower a module once and save the result as\n"
    "        a precompiled image, which `weft run` (and weft_module_from_image)\n"
    "        loads without decoding. --c-array writes a C source holding the\n"
    "        image as an aligned const array NAME and its length NAME_len.\n"
    "  opcodes [--header] FILE... | --hash\n"
    "        List the internal instructions the modules, components or images\n"
    "        use; --header writes them as the header a build names with\n"
    "        WEFT_OPCODE_SET to keep only those in its interpreter. --hash\n"
    "        prints the opcode table's hash (for WEFT_CODE_HASH).\n"
    "  shrink-memory IN.wasm -o OUT.wasm [--bytes N]\n"
    "        Rewrite the memory of a core module, or of every core module of\n"
    "        a component, to 1-byte pages (custom-page-sizes) with N bytes as\n"
    "        both minimum and maximum. Without --bytes, N covers every active\n"
    "        data segment with a constant offset and every constant i32\n"
    "        global (a stack pointer, an exported __heap_base), rounded up to\n"
    "        16. Refuses modules without a memory, with an imported memory\n"
    "        (outside a component) or more than one, and code that uses\n"
    "        memory.size or memory.grow on 64 KiB pages; exits 1 then.\n"
    "  wit COMPONENT.wasm\n"
    "        Print a component's imports and exports as WIT.\n"
    "  dump FILE.wasm [FUNC]\n"
    "        List the internal code weft runs for each defined function (or\n"
    "        only function index FUNC).\n"
    "  run [options] FILE.wasm [ARGS...]\n"
    "        Run a core module with WASI preview1: call its _start export\n"
    "        with ARGS as the program's arguments (argv[0] is FILE's base\n"
    "        name), or call one export with --invoke.\n"
    "        --invoke NAME      call the exported function NAME with ARGS as\n"
    "                           its parameters (integers in decimal or 0x hex,\n"
    "                           floats in decimal, nan, inf; refs as null) and\n"
    "                           print each result on its own line (the\n"
    "                           guest's argv is then just FILE's name)\n"
    "        --dir HOST::GUEST  preopen the host directory HOST under the name\n"
    "                           GUEST (--dir DIR uses DIR for both); the\n"
    "                           guest sees the name, but opening files in\n"
    "                           it fails with ENOSYS for now\n"
    "        --env KEY=VALUE    set a variable in the guest's environment\n"
    "                           (repeatable; the host environment is not\n"
    "                           passed on)\n"
    "        --memory-backing N NONCONFORMING: back each memory of 64 KiB\n"
    "                           pages with at most N bytes; accesses past\n"
    "                           them trap (to try guests meant for small\n"
    "                           devices)\n"
    "        --fuel N           allow N units of fuel (one per call and loop\n"
    "                           iteration), then stop with a trap\n"
    "  wast [-v] [--expected-failures FILE] SCRIPT.json\n"
    "        Run a spec test script converted by wast2json.\n"
    "  help, --help, -h\n"
    "        Show this help.\n"
    "  version, --version\n"
    "        Show the version.\n"
    "\n"
    "exit status:\n"
    "  0      success\n"
    "  1      usage error (bad option or argument, nothing to run)\n"
    "  2      the module could not be read, decoded, validated, linked or\n"
    "         instantiated\n"
    "  134    the guest trapped or ran out of fuel\n"
    "  N      the guest called proc_exit(N)\n"
    "  wast:  0 if every command passed, 1 if any failed, 2 on a usage\n"
    "         error\n";

static void usage_hint(void)
{
    fputs("Try 'weft --help' for more information.\n", stderr);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

/* Reads a whole file into a malloc'd buffer. On failure returns NULL and
 * leaves errno set (0 for out of memory reported as ENOMEM). */
uint8_t *cli_read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    int saved;

    if (f == NULL)
        return NULL;
    for (;;) {
        size_t n;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                saved = errno ? errno : EIO;
                free(buf);
                fclose(f);
                errno = saved;
                return NULL;
            }
            break;
        }
    }
    fclose(f);
    *len_out = len;
    return buf;
}

/* Maps a file read-only for `weft run`: precompiled images are executed
 * where they lie, so the internal code is never copied. Falls back to
 * reading the file where mapping is unavailable or fails (pipes, empty
 * files). *mapped tells cli_unmap_file how to release the buffer. */
static const uint8_t *cli_map_file(const char *path, size_t *len_out,
                                   bool *mapped)
{
    *mapped = false;
#ifdef CLI_HAVE_MMAP
    {
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd >= 0) {
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
                void *p = mmap(NULL, (size_t)st.st_size, PROT_READ,
                               MAP_PRIVATE, fd, 0);
                if (p != MAP_FAILED) {
                    close(fd);
                    *mapped = true;
                    *len_out = (size_t)st.st_size;
                    return p;
                }
            }
            close(fd);
        }
    }
#endif
    return cli_read_file(path, len_out);
}

static void cli_unmap_file(const uint8_t *bytes, size_t len, bool mapped)
{
    if (bytes == NULL)
        return;
#ifdef CLI_HAVE_MMAP
    if (mapped) {
        munmap((void *)(uintptr_t)bytes, len);
        return;
    }
#endif
    (void)len;
    (void)mapped;
    free((void *)(uintptr_t)bytes);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* Parses an integer of the given width: optional sign, then decimal or
 * 0x hex. Accepts the signed and the unsigned range. */
static bool parse_int(const char *s, unsigned bits, uint64_t *out)
{
    bool neg = false;
    int base = 10;
    char *end;
    unsigned long long mag;
    uint64_t umax = bits == 32 ? UINT32_MAX : UINT64_MAX;
    uint64_t nmax = bits == 32 ? (1ull << 31) : (1ull << 63);

    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
              (*s >= 'A' && *s <= 'F')))
            return false;
    } else if (!(*s >= '0' && *s <= '9')) {
        return false;
    }
    errno = 0;
    mag = strtoull(s, &end, base);
    if (errno != 0 || *end != '\0')
        return false;
    if (neg) {
        if (mag > nmax)
            return false;
        *out = (uint64_t)0 - (uint64_t)mag;
    } else {
        if (mag > umax)
            return false;
        *out = (uint64_t)mag;
    }
    if (bits == 32)
        *out &= UINT32_MAX;
    return true;
}

/* Parses "nan", "nan:0xPAYLOAD" or "inf" (after an optional sign) into
 * float bits. Returns false if s is neither. */
static bool parse_special(const char *s, bool is64, uint64_t *bits)
{
    uint64_t sign_bit = is64 ? 1ull << 63 : 1ull << 31;
    uint64_t exp_bits = is64 ? 0x7ff0000000000000ull : 0x7f800000ull;
    uint64_t quiet = is64 ? 1ull << 51 : 1ull << 22;
    uint64_t frac_mask = is64 ? (1ull << 52) - 1 : (1ull << 23) - 1;
    bool neg = false;

    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (strcmp(s, "inf") == 0 || strcmp(s, "infinity") == 0) {
        *bits = exp_bits;
    } else if (strcmp(s, "nan") == 0) {
        *bits = exp_bits | quiet;
    } else if (strncmp(s, "nan:0x", 6) == 0) {
        char *end;
        unsigned long long payload;
        if (s[6] == '\0' || s[6] == '-' || s[6] == '+' || s[6] == ' ')
            return false;
        errno = 0;
        payload = strtoull(s + 6, &end, 16);
        if (errno != 0 || *end != '\0' || payload == 0 ||
            payload > frac_mask)
            return false;
        *bits = exp_bits | (uint64_t)payload;
    } else {
        return false;
    }
    if (neg)
        *bits |= sign_bit;
    return true;
}

static bool float_syntax_ok(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    return (*s >= '0' && *s <= '9') || *s == '.';
}

static bool parse_value(const char *s, weft_valkind kind, weft_val *out)
{
    uint64_t u;
    char *end;

    out->kind = kind;
    out->of.i64 = 0;
    switch (kind) {
    case WEFT_I32:
        if (!parse_int(s, 32, &u))
            return false;
        out->of.i32 = (int32_t)(uint32_t)u;
        return true;
    case WEFT_I64:
        if (!parse_int(s, 64, &u))
            return false;
        out->of.i64 = (int64_t)u;
        return true;
    case WEFT_F32:
        if (parse_special(s, false, &u)) {
            out->of.f32_bits = (uint32_t)u;
            return true;
        } else {
            float f;
            if (!float_syntax_ok(s))
                return false;
            f = strtof(s, &end);
            if (*end != '\0')
                return false;
            memcpy(&out->of.f32_bits, &f, sizeof f);
            return true;
        }
    case WEFT_F64:
        if (parse_special(s, true, &u)) {
            out->of.f64_bits = u;
            return true;
        } else {
            double d;
            if (!float_syntax_ok(s))
                return false;
            d = strtod(s, &end);
            if (*end != '\0')
                return false;
            memcpy(&out->of.f64_bits, &d, sizeof d);
            return true;
        }
    case WEFT_FUNCREF:
        out->of.funcref = NULL;
        return strcmp(s, "null") == 0;
    case WEFT_EXTERNREF:
        out->of.externref = NULL;
        return strcmp(s, "null") == 0;
    default:
        return false;
    }
}

/* Prints NaN as nan or nan:0xPAYLOAD (non-default payload). */
static void print_nan(bool neg, uint64_t payload, uint64_t quiet)
{
    if (payload == quiet)
        printf("%snan\n", neg ? "-" : "");
    else
        printf("%snan:0x%" PRIx64 "\n", neg ? "-" : "", payload);
}

static void print_value(const weft_val *v)
{
    switch (v->kind) {
    case WEFT_I32:
        printf("%" PRId32 "\n", v->of.i32);
        break;
    case WEFT_I64:
        printf("%" PRId64 "\n", v->of.i64);
        break;
    case WEFT_F32: {
        uint32_t b = v->of.f32_bits;
        float f;
        if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu) != 0) {
            print_nan(b >> 31, b & 0x7fffffu, 1u << 22);
            break;
        }
        memcpy(&f, &b, sizeof f);
        if (isinf(f))
            printf("%sinf\n", f < 0 ? "-" : "");
        else
            printf("%.9g\n", (double)f);
        break;
    }
    case WEFT_F64: {
        uint64_t b = v->of.f64_bits;
        double d;
        if ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
            (b & ((1ull << 52) - 1)) != 0) {
            print_nan(b >> 63, b & ((1ull << 52) - 1), 1ull << 51);
            break;
        }
        memcpy(&d, &b, sizeof d);
        if (isinf(d))
            printf("%sinf\n", d < 0 ? "-" : "");
        else
            printf("%.17g\n", d);
        break;
    }
    case WEFT_V128: {
        int i;
        fputs("0x", stdout);
        for (i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        putchar('\n');
        break;
    }
    case WEFT_FUNCREF:
        puts(v->of.funcref != NULL ? "ref" : "null");
        break;
    case WEFT_EXTERNREF:
        puts(v->of.externref != NULL ? "ref" : "null");
        break;
    case WEFT_EXNREF:
        puts(v->of.exnref != NULL ? "exn" : "null");
        break;
    default:
        puts("?");
        break;
    }
}

/* ------------------------------------------------------------------ */
/* weft run                                                            */
/* ------------------------------------------------------------------ */

typedef struct run_opts {
    const char *file;
    const char *invoke;
    bool has_fuel;
    uint64_t backing;   /* --memory-backing (NONCONFORMING), 0 = off */
    uint64_t fuel;
    int nenv, ndirs;
    const char **env;
    const char **dir_host, **dir_guest;
    char **dir_bufs;          /* the split HOST::GUEST strings */
    int nargs;
    char **args;              /* after FILE */
} run_opts;

/* Reports how a call or instantiation that did not succeed ended and
 * returns the exit status. */
static int report_failure(const char *file, weft_status s,
                          const weft_error *err, const char *what)
{
    if (s == WEFT_TRAP && err->trap == WEFT_TRAP_EXIT)
        return (int)((unsigned)err->exit_code & 0xffu); /* as a host exit */
    if (s == WEFT_SUSPENDED) {
        weft_trap_kind k = err->trap == WEFT_TRAP_INTERRUPTED
                               ? WEFT_TRAP_INTERRUPTED
                               : WEFT_TRAP_OUT_OF_FUEL;
        fprintf(stderr, "weft: %s: trap: %s\n", file, weft_trap_message(k));
        return EXIT_TRAP;
    }
    if (s == WEFT_TRAP) {
        const char *msg = err->message[0] != '\0'
                              ? err->message
                              : weft_trap_message(err->trap);
        if (err->trap == WEFT_TRAP_OUT_OF_FUEL)
            msg = weft_trap_message(err->trap);
        fprintf(stderr, "weft: %s: trap: %s\n", file, msg);
        return EXIT_TRAP;
    }
    if (s == WEFT_UNLINKABLE) {
        fprintf(stderr, "weft: %s: link error: %s\n", file,
                err->message[0] != '\0' ? err->message
                                        : weft_status_message(s));
        return EXIT_LOAD;
    }
    fprintf(stderr, "weft: %s: %s failed: %s%s%s\n", file, what,
            weft_status_message(s), err->message[0] != '\0' ? ": " : "",
            err->message);
    return EXIT_LOAD;
}

static void print_type(FILE *out, const weft_functype *t)
{
    uint32_t i;
    fputc('(', out);
    for (i = 0; i < t->nparams; i++)
        fprintf(out, "%s%s", i ? ", " : "", weft_valkind_name(t->params[i]));
    fputs(") -> (", out);
    for (i = 0; i < t->nresults; i++)
        fprintf(out, "%s%s", i ? ", " : "",
                weft_valkind_name(t->results[i]));
    fputc(')', out);
}

/* Calls func with no arguments and no results (_start, _initialize).
 * Returns true if it returned normally; otherwise *rc is the exit status. */
static bool call_void(const char *file, weft_store *store, weft_func *func,
                      const char *name, int *rc)
{
    weft_error err;
    weft_status s;
    const weft_functype *t = weft_func_type(func);

    if (t->nparams != 0 || t->nresults != 0) {
        fprintf(stderr, "weft: %s: export %s has type ", file, name);
        print_type(stderr, t);
        fputs(", expected () -> ()\n", stderr);
        *rc = EXIT_LOAD;
        return false;
    }
    memset(&err, 0, sizeof err);
    s = weft_func_call(store, func, NULL, 0, NULL, 0, &err);
    if (s != WEFT_OK) {
        *rc = report_failure(file, s, &err, "call");
        if (s == WEFT_SUSPENDED)
            weft_store_abandon(store);
        return false;
    }
    *rc = EXIT_OK;
    return true;
}

static int invoke(const run_opts *o, weft_store *store, weft_func *func)
{
    const weft_functype *t = weft_func_type(func);
    weft_val *params, *results;
    weft_error err;
    weft_status s;
    uint32_t i;
    int rc = EXIT_OK;

    if ((uint32_t)o->nargs != t->nparams) {
        fprintf(stderr, "weft: %s: %s takes %" PRIu32 " argument%s, got %d "
                        "(type ", o->file, o->invoke, t->nparams,
                t->nparams == 1 ? "" : "s", o->nargs);
        print_type(stderr, t);
        fputs(")\n", stderr);
        return EXIT_USAGE;
    }
    params = calloc(t->nparams + 1u, sizeof *params);
    results = calloc(t->nresults + 1u, sizeof *results);
    if (params == NULL || results == NULL) {
        fprintf(stderr, "weft: %s: out of memory\n", o->file);
        free(params);
        free(results);
        return EXIT_LOAD;
    }
    for (i = 0; i < t->nparams; i++) {
        if (!parse_value(o->args[i], t->params[i], &params[i])) {
            fprintf(stderr, "weft: %s: argument %" PRIu32 " of %s: '%s' is "
                            "not a valid %s\n", o->file, i + 1, o->invoke,
                    o->args[i], weft_valkind_name(t->params[i]));
            rc = EXIT_USAGE;
            goto out;
        }
    }
    memset(&err, 0, sizeof err);
    s = weft_func_call(store, func, params, t->nparams, results,
                       t->nresults, &err);
    if (s != WEFT_OK) {
        rc = report_failure(o->file, s, &err, "call");
        if (s == WEFT_SUSPENDED)
            weft_store_abandon(store);
        goto out;
    }
    for (i = 0; i < t->nresults; i++)
        print_value(&results[i]);
    fflush(stdout);
out:
    free(params);
    free(results);
    return rc;
}

/* Loads, links and runs the module; returns the exit status. */
static int run_module(const run_opts *o, const uint8_t *bytes, size_t len)
{
    weft_engine *engine = NULL;
    weft_module *module = NULL;
    weft_store *store = NULL;
    weft_linker *linker = NULL;
    weft_wasi *wasi = NULL;
    weft_instance *inst = NULL;
    weft_error err;
    weft_status s;
    weft_extern ext;
    weft_wasi_config wcfg;
    const char **argv = NULL;
    int i, rc;

    weft_config cfg;
    weft_config_default(&cfg);
    cfg.nonconforming_memory_backing_bytes = o->backing;
    engine = weft_engine_new(&cfg);
    if (engine == NULL) {
        fprintf(stderr, "weft: %s: out of memory\n", o->file);
        return EXIT_LOAD;
    }
    memset(&err, 0, sizeof err);
    /* an image is used in place: bytes outlive the module */
    s = weft_is_image(bytes, len) ? weft_module_from_image(engine, bytes, len, &module, &err)
                                  : weft_module_new(engine, bytes, len, &module, &err);
    if (s != WEFT_OK) {
        fprintf(stderr, "weft: %s: %s", o->file, weft_status_message(s));
        if (err.offset != WEFT_NO_OFFSET)
            fprintf(stderr, " at offset 0x%zx", err.offset);
        if (err.message[0] != '\0' &&
            strcmp(err.message, weft_status_message(s)) != 0)
            fprintf(stderr, ": %s", err.message);
        fputc('\n', stderr);
        rc = EXIT_LOAD;
        goto done;
    }

    store = weft_store_new(engine);
    linker = weft_linker_new(engine);
    argv = malloc(((size_t)o->nargs + 1) * sizeof *argv);
    if (store == NULL || linker == NULL || argv == NULL) {
        fprintf(stderr, "weft: %s: out of memory\n", o->file);
        rc = EXIT_LOAD;
        goto done;
    }
    if (o->has_fuel) {
        s = weft_store_set_fuel(store, o->fuel);
        if (s != WEFT_OK) {
            fprintf(stderr, "weft: --fuel: %s\n",
                    s == WEFT_UNSUPPORTED
                        ? "this weft was built without fuel metering"
                        : weft_status_message(s));
            rc = EXIT_USAGE;
            goto done;
        }
    }

    /* WASI: the guest's argv[0] is the file's base name. */
    argv[0] = base_name(o->file);
    for (i = 0; i < o->nargs; i++)
        argv[i + 1] = o->args[i];
    memset(&wcfg, 0, sizeof wcfg);
    wcfg.argc = o->invoke != NULL ? 1 : o->nargs + 1;
    wcfg.argv = argv;
    wcfg.envc = o->nenv;
    wcfg.env = o->env;
    wcfg.npreopens = o->ndirs;
    wcfg.preopen_host = o->dir_host;
    wcfg.preopen_guest = o->dir_guest;
    s = weft_wasi_define(linker, store, &wcfg, &wasi);
    if (s != WEFT_OK) {
        fprintf(stderr, "weft: %s: cannot set up WASI: %s\n", o->file,
                weft_status_message(s));
        rc = EXIT_LOAD;
        goto done;
    }

    memset(&err, 0, sizeof err);
    s = weft_linker_instantiate(linker, store, module, &inst, &err);
    if (s != WEFT_OK) {
        rc = report_failure(o->file, s, &err, "instantiation");
        if (s == WEFT_SUSPENDED)
            weft_store_abandon(store);
        goto done;
    }

    if (o->invoke != NULL) {
        if (!weft_instance_export(inst, o->invoke, &ext) ||
            ext.kind != WEFT_EXTERN_FUNC) {
            fprintf(stderr, "weft: %s: no exported function named '%s'\n",
                    o->file, o->invoke);
            rc = EXIT_USAGE;
            goto done;
        }
        /* A WASI reactor is initialized before its exports are used. */
        if (strcmp(o->invoke, "_initialize") != 0) {
            weft_extern init;
            if (weft_instance_export(inst, "_initialize", &init) &&
                init.kind == WEFT_EXTERN_FUNC) {
                if (!call_void(o->file, store, init.of.func, "_initialize",
                               &rc))
                    goto done;
            }
        }
        rc = invoke(o, store, ext.of.func);
    } else {
        if (!weft_instance_export(inst, "_start", &ext) ||
            ext.kind != WEFT_EXTERN_FUNC) {
            fprintf(stderr, "weft: %s: the module exports no _start "
                            "function; use --invoke NAME to call an "
                            "export\n", o->file);
            rc = EXIT_USAGE;
            goto done;
        }
        call_void(o->file, store, ext.of.func, "_start", &rc);
    }

done:
    fflush(stdout);
    if (linker != NULL)
        weft_linker_delete(linker);
    if (store != NULL)
        weft_store_delete(store);
    weft_wasi_delete(wasi);
    if (module != NULL)
        weft_module_delete(module);
    weft_engine_delete(engine);
    free(argv);
    return rc;
}

static const char run_usage[] =
    "usage: weft run [--invoke NAME] [--dir HOST::GUEST] [--env KEY=VALUE] "
    "[--fuel N] [--memory-backing N] FILE.wasm [ARGS...]\n";

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past it. */
static bool take_opt(int argc, char **argv, int *i, const char *name,
                     const char **value, int *rc)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return false;
    if (a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (a[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "weft run: %s needs a value\n%s", name, run_usage);
        *rc = EXIT_USAGE;
        *value = NULL;
        return true;
    }
    *value = argv[++*i];
    return true;
}

static int cmd_run(int argc, char **argv)
{
    run_opts o;
    const uint8_t *bytes = NULL;
    bool mapped = false;
    size_t len = 0;
    int i, rc = EXIT_OK;

    memset(&o, 0, sizeof o);
    o.env = calloc((size_t)argc, sizeof *o.env);
    o.dir_host = calloc((size_t)argc, sizeof *o.dir_host);
    o.dir_guest = calloc((size_t)argc, sizeof *o.dir_guest);
    o.dir_bufs = calloc((size_t)argc, sizeof *o.dir_bufs);
    if (o.env == NULL || o.dir_host == NULL || o.dir_guest == NULL ||
        o.dir_bufs == NULL) {
        fputs("weft: out of memory\n", stderr);
        rc = EXIT_LOAD;
        goto out;
    }

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(run_usage, stdout);
            goto out;
        }
        if (take_opt(argc, argv, &i, "--invoke", &v, &rc)) {
            if (v == NULL)
                goto out;
            o.invoke = v;
        } else if (take_opt(argc, argv, &i, "--env", &v, &rc)) {
            if (v == NULL)
                goto out;
            if (strchr(v, '=') == NULL || v[0] == '=') {
                fprintf(stderr, "weft run: --env '%s': expected KEY=VALUE\n",
                        v);
                rc = EXIT_USAGE;
                goto out;
            }
            o.env[o.nenv++] = v;
        } else if (take_opt(argc, argv, &i, "--dir", &v, &rc)) {
            const char *sep;
            char *buf;
            struct stat st;
            if (v == NULL)
                goto out;
            buf = malloc(strlen(v) + 1);
            if (buf == NULL) {
                fputs("weft: out of memory\n", stderr);
                rc = EXIT_LOAD;
                goto out;
            }
            strcpy(buf, v);
            o.dir_bufs[o.ndirs] = buf;
            sep = strstr(buf, "::");
            o.dir_host[o.ndirs] = buf;
            if (sep != NULL) {
                buf[sep - buf] = '\0';
                o.dir_guest[o.ndirs] = sep + 2;
            } else {
                o.dir_guest[o.ndirs] = buf;
            }
            if (o.dir_host[o.ndirs][0] == '\0' ||
                o.dir_guest[o.ndirs][0] == '\0') {
                fprintf(stderr, "weft run: --dir '%s': expected HOST::GUEST "
                                "or DIR\n", v);
                rc = EXIT_USAGE;
                o.ndirs++;
                goto out;
            }
            if (stat(o.dir_host[o.ndirs], &st) != 0 || !S_ISDIR(st.st_mode)) {
                const char *why = "not a directory";
                if (stat(o.dir_host[o.ndirs], &st) != 0)
                    why = strerror(errno);
                fprintf(stderr, "weft run: --dir: %s: %s\n",
                        o.dir_host[o.ndirs], why);
                rc = EXIT_USAGE;
                o.ndirs++;
                goto out;
            }
            o.ndirs++;
        } else if (take_opt(argc, argv, &i, "--fuel", &v, &rc)) {
            uint64_t n;
            if (v == NULL)
                goto out;
            if (v[0] == '-' || v[0] == '+' ||
                (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ||
                !parse_int(v, 64, &n)) {
                fprintf(stderr, "weft run: --fuel '%s': expected a "
                                "non-negative integer\n", v);
                rc = EXIT_USAGE;
                goto out;
            }
            o.has_fuel = true;
            o.fuel = n;
        } else if (take_opt(argc, argv, &i, "--memory-backing", &v, &rc)) {
            uint64_t n;
            if (v == NULL)
                goto out;
            if (v[0] == '-' || v[0] == '+' || !parse_int(v, 64, &n) || n == 0) {
                fprintf(stderr, "weft run: --memory-backing '%s': expected a "
                                "positive number of bytes\n", v);
                rc = EXIT_USAGE;
                goto out;
            }
            o.backing = n;
        } else {
            fprintf(stderr, "weft run: unknown option '%s'\n%s", a,
                    run_usage);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "weft run: missing FILE.wasm\n%s", run_usage);
        rc = EXIT_USAGE;
        goto out;
    }
    o.file = argv[i++];
    o.args = argv + i;
    o.nargs = argc - i;

    bytes = cli_map_file(o.file, &len, &mapped);
    if (bytes == NULL) {
        fprintf(stderr, "weft: %s: cannot read: %s\n", o.file,
                strerror(errno));
        rc = EXIT_LOAD;
        goto out;
    }
    if (weft_is_component(bytes, len) || weft_image_is_component(bytes, len))
        rc = weft_cli_run_component(o.file, bytes, len, o.invoke, o.has_fuel, o.fuel, o.backing);
    else
        rc = run_module(&o, bytes, len);

out:
    cli_unmap_file(bytes, len, mapped);
    if (o.dir_bufs != NULL)
        for (i = 0; i < o.ndirs; i++)
            free(o.dir_bufs[i]);
    free(o.dir_bufs);
    free(o.env);
    free(o.dir_host);
    free(o.dir_guest);
    return rc;
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

static void dump_line(void *ud, const char *line)
{
    (void)ud;
    puts(line);
}

static int cmd_dump(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "weft: dump needs a FILE.wasm\n");
        return EXIT_USAGE;
    }
    size_t len;
    uint8_t *bytes = cli_read_file(argv[1], &len);
    if (!bytes)
        return EXIT_LOAD;
    weft_engine *engine = weft_engine_new(NULL);
    weft_module *m = NULL;
    weft_error err;
    int rc = EXIT_OK;
    if (!engine) {
        fprintf(stderr, "weft: out of memory\n");
        rc = EXIT_LOAD;
    } else if (weft_module_new(engine, bytes, len, &m, &err) != WEFT_OK) {
        fprintf(stderr, "weft: %s: %s at offset 0x%zx: %s\n", argv[1],
                weft_status_message(err.status), err.offset, err.message);
        rc = EXIT_LOAD;
    } else {
        uint32_t first = 0;
        weft_importdesc d;
        for (uint32_t i = 0; weft_module_import(m, i, &d); i++)
            if (d.type.kind == WEFT_EXTERN_FUNC)
                first++;
        if (argc > 2) {
            if (!weft_module_disasm(m, (uint32_t)strtoul(argv[2], NULL, 0), dump_line, NULL)) {
                fprintf(stderr, "weft: %s: no defined function %s\n", argv[1], argv[2]);
                rc = EXIT_USAGE;
            }
        } else {
            for (uint32_t i = first; weft_module_disasm(m, i, dump_line, NULL); i++)
                ;
        }
    }
    weft_module_delete(m);
    weft_engine_delete(engine);
    free(bytes);
    return rc;
}

int main(int argc, char **argv)
{
    const char *cmd;

    if (argc < 2) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    cmd = argv[1];
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "-h") == 0) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 ||
        strcmp(cmd, "-V") == 0) {
        printf("weft %s\n", WEFT_VERSION_STRING);
        return EXIT_OK;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "dump") == 0)
        return cmd_dump(argc - 1, argv + 1);
    if (strcmp(cmd, "wit") == 0)
        return weft_cli_wit(argc - 1, argv + 1);
    if (strcmp(cmd, "compile") == 0)
        return weft_cli_compile(argc - 1, argv + 1);
    if (strcmp(cmd, "wast") == 0)
        return weft_cli_wast(argc - 1, argv + 1);
    if (strcmp(cmd, "opcodes") == 0)
        return weft_cli_opcodes(argc - 1, argv + 1);
    if (strcmp(cmd, "shrink-memory") == 0)
        return weft_cli_shrink_memory(argc - 1, argv + 1);
    fprintf(stderr, "weft: unknown command '%s'\n", cmd);
    usage_hint();
    return EXIT_USAGE;
}
