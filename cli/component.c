#define _POSIX_C_SOURCE 200809L
/* component.c - the CLI's component commands: `weft run` of a component
 * (with --invoke written in WAVE) and `weft wit`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/component.h"
#include "weft/image.h"
#include "cli.h"

#define EXIT_OK 0
#define EXIT_USAGE 1
#define EXIT_LOAD 2
#define EXIT_TRAP 134

static int load(const char *file, const uint8_t *bytes, size_t len, weft_engine *engine,
                weft_component **out)
{
    weft_error err;
    /* an image is used in place: the bytes outlive the component */
    weft_status s = weft_image_is_component(bytes, len)
                        ? weft_component_from_image(engine, bytes, len, out, &err)
                        : weft_component_new(engine, bytes, len, out, &err);
    if (s != WEFT_OK) {
        if (err.offset != WEFT_NO_OFFSET)
            fprintf(stderr, "weft: %s: %s at offset 0x%zx: %s\n", file,
                    weft_status_message(err.status), err.offset, err.message);
        else
            fprintf(stderr, "weft: %s: %s: %s\n", file, weft_status_message(err.status),
                    err.message);
        return EXIT_LOAD;
    }
    return EXIT_OK;
}

static void print_exports(const char *file, const weft_component *c)
{
    fprintf(stderr, "weft: %s: the component's interface is:\n", file);
    char *text = NULL;
    size_t tlen = 0;
    FILE *mem = open_memstream(&text, &tlen);
    if (!mem)
        return;
    weft_component_print_wit(c, cli_write_file, mem);
    fclose(mem);
    fputs(text, stderr);
    free(text);
}

void cli_write_file(void *ud, const char *text, size_t len)
{
    fwrite(text, 1, len, (FILE *)ud);
}

int weft_cli_run_component(const char *file, const uint8_t *bytes, size_t len,
                           const char *invoke, bool has_fuel, uint64_t fuel,
                           uint64_t memory_backing)
{
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.nonconforming_memory_backing_bytes = memory_backing;
    weft_engine *engine = weft_engine_new(&cfg);
    if (!engine) {
        fprintf(stderr, "weft: out of memory\n");
        return EXIT_LOAD;
    }
    weft_component *c = NULL;
    weft_store *store = NULL;
    weft_component_linker *linker = NULL;
    weft_cval args[64], result;
    size_t nargs = 0;
    bool have_result = false;
    int rc = load(file, bytes, len, engine, &c);
    if (rc)
        goto out;
    store = weft_store_new(engine);
    linker = weft_component_linker_new(engine);
    if (!store || !linker) {
        fprintf(stderr, "weft: out of memory\n");
        rc = EXIT_LOAD;
        goto out;
    }
    if (has_fuel && weft_store_set_fuel(store, fuel) != WEFT_OK) {
        fprintf(stderr, "weft: --fuel: this build has no fuel metering\n");
        rc = EXIT_USAGE;
        goto out;
    }
    weft_component_instance *inst;
    weft_error err;
    if (weft_component_linker_instantiate(linker, store, c, &inst, &err) != WEFT_OK) {
        if (err.status == WEFT_TRAP) {
            fprintf(stderr, "weft: %s: trap: %s\n", file, err.message);
            rc = EXIT_TRAP;
        } else {
            fprintf(stderr, "weft: %s: cannot instantiate: %s\n", file, err.message);
            rc = EXIT_LOAD;
        }
        goto out;
    }
    if (!invoke) {
        fprintf(stderr, "weft: %s: nothing to run: give a call with --invoke 'NAME(ARGS)'\n", file);
        print_exports(file, c);
        rc = EXIT_USAGE;
        goto out;
    }
    char name[256];
    const char *astart;
    size_t alen;
    if (weft_wave_parse_call(engine, invoke, strlen(invoke), name, sizeof name, &astart, &alen,
                             &err) != WEFT_OK) {
        if (err.offset != WEFT_NO_OFFSET)
            fprintf(stderr, "weft: --invoke '%s': %s (at offset %zu)\n", invoke, err.message,
                    err.offset);
        else
            fprintf(stderr, "weft: --invoke '%s': %s\n", invoke, err.message);
        rc = EXIT_USAGE;
        goto out;
    }
    weft_cfunc *f = weft_component_instance_func(inst, name);
    if (!f) {
        fprintf(stderr, "weft: %s: no exported function `%s`\n", file, name);
        print_exports(file, c);
        rc = EXIT_USAGE;
        goto out;
    }
    if (weft_wave_parse_args(engine, f, astart, alen, args, sizeof args / sizeof args[0], &nargs,
                             &err) != WEFT_OK) {
        if (err.offset != WEFT_NO_OFFSET)
            fprintf(stderr, "weft: --invoke '%s': %s (at offset %zu)\n", invoke, err.message,
                    err.offset + (size_t)(astart - invoke));
        else
            fprintf(stderr, "weft: --invoke '%s': %s\n", invoke, err.message);
        rc = EXIT_USAGE;
        goto out;
    }
    memset(&result, 0, sizeof result);
    weft_status s = weft_cfunc_call(store, f, args, nargs, &result, 1, &err);
    if (s != WEFT_OK) {
        if (s == WEFT_TRAP || s == WEFT_SUSPENDED) {
            fprintf(stderr, "weft: %s: trap: %s\n", file, err.message);
            rc = EXIT_TRAP;
        } else {
            fprintf(stderr, "weft: %s: %s\n", file, err.message);
            rc = EXIT_USAGE;
        }
        goto out;
    }
    if (weft_cfunc_result_count(f)) {
        have_result = true;
        const weft_ctype *rt = weft_cfunc_result_type(f);
        size_t need = weft_wave_print(rt, &result, NULL, 0);
        char *text = malloc(need + 1);
        if (!text) {
            fprintf(stderr, "weft: out of memory\n");
            rc = EXIT_LOAD;
            goto out;
        }
        weft_wave_print(rt, &result, text, need + 1);
        puts(text);
        free(text);
    }
out:
    if (have_result)
        weft_cvals_free(engine, &result, 1);
    weft_cvals_free(engine, args, nargs);
    weft_component_linker_delete(linker);
    weft_store_delete(store);
    weft_component_delete(c);
    weft_engine_delete(engine);
    return rc;
}

int weft_cli_wit(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: weft wit COMPONENT.wasm\n");
        return EXIT_USAGE;
    }
    const char *file = argv[1];
    size_t len;
    uint8_t *bytes = cli_read_file(file, &len);
    if (!bytes) {
        fprintf(stderr, "weft: %s: cannot read: %s\n", file, strerror(errno));
        return EXIT_LOAD;
    }
    weft_engine *engine = weft_engine_new(NULL);
    weft_component *c = NULL;
    int rc = engine ? load(file, bytes, len, engine, &c) : EXIT_LOAD;
    if (!rc)
        weft_component_print_wit(c, cli_write_file, stdout);
    weft_component_delete(c);
    weft_engine_delete(engine);
    free(bytes);
    return rc;
}
