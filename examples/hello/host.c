/* hello - a host program that runs the two hello components.
 *
 *   build/examples/hello/hello [NAME]
 *
 * Loads guest1 and guest2 from the directory the program lives in (or from
 * WEFT_HELLO_DIR): their precompiled images (guestN.cwasm, made by
 * `weft compile`) when present, otherwise the components (guestN.wasm).
 * Calls guest1's run(), guest2's run(some(NAME)) and guest2's describe(),
 * and prints what they return. NAME defaults to "Pulley". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/component.h"
#include "weft/image.h"

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Loads dir/name.cwasm (an image, used in place: *keep receives the buffer,
 * to free after the component) or dir/name.wasm, and instantiates it. */
static weft_component_instance *load(weft_engine *engine, weft_store *store,
                                     weft_component_linker *linker, const char *dir,
                                     const char *name, weft_component **comp, void **keep)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/%s.cwasm", dir, name);
    unsigned char *bytes = read_all(path, &len);
    bool image = bytes != NULL;
    if (!bytes) {
        snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
        bytes = read_all(path, &len);
    }
    if (!bytes) {
        fprintf(stderr, "hello: cannot read %s/%s.cwasm or .wasm\n", dir, name);
        return NULL;
    }
    weft_error err;
    weft_status s = image ? weft_component_from_image(engine, bytes, len, comp, &err)
                          : weft_component_new(engine, bytes, len, comp, &err);
    if (image)
        *keep = bytes;
    else
        free(bytes);
    fprintf(stderr, "hello: loaded %s (%zu bytes%s)\n", path, len,
            image ? ", precompiled image" : "");
    if (s != WEFT_OK) {
        fprintf(stderr, "hello: %s: %s\n", path, err.message);
        return NULL;
    }
    weft_component_instance *inst;
    if (weft_component_linker_instantiate(linker, store, *comp, &inst, &err) != WEFT_OK) {
        fprintf(stderr, "hello: %s: %s\n", path, err.message);
        return NULL;
    }
    return inst;
}

/* Calls a function returning a string and prints prefix + the string. */
static int call_string(weft_engine *engine, weft_store *store, weft_component_instance *inst,
                       const char *fname, const weft_cval *args, size_t nargs, const char *prefix)
{
    weft_cfunc *f = weft_component_instance_func(inst, fname);
    if (!f) {
        fprintf(stderr, "hello: no export `%s`\n", fname);
        return 1;
    }
    weft_cval result;
    weft_error err;
    if (weft_cfunc_call(store, f, args, nargs, &result, 1, &err) != WEFT_OK) {
        fprintf(stderr, "hello: %s: %s\n", fname, err.message);
        return 1;
    }
    if (result.kind != WEFT_C_STRING) {
        fprintf(stderr, "hello: %s did not return a string\n", fname);
        weft_cvals_free(engine, &result, 1);
        return 1;
    }
    printf("%s%.*s\n", prefix, (int)result.of.str.len, result.of.str.ptr);
    weft_cvals_free(engine, &result, 1);
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "Pulley";
    char dir[4096];
    const char *env = getenv("WEFT_HELLO_DIR");
    if (env) {
        snprintf(dir, sizeof dir, "%s", env);
    } else {
        snprintf(dir, sizeof dir, "%s", argv[0]);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
    }

    weft_engine *engine = weft_engine_new(NULL);
    weft_store *store = weft_store_new(engine);
    weft_component_linker *linker = weft_component_linker_new(engine);
    weft_component *c1 = NULL, *c2 = NULL;
    void *keep1 = NULL, *keep2 = NULL;
    int rc = 1;
    if (!engine || !store || !linker) {
        fprintf(stderr, "hello: out of memory\n");
        goto out;
    }
    /* The guests import nothing, so the linker stays empty. */
    weft_component_instance *g1 = load(engine, store, linker, dir, "guest1", &c1, &keep1);
    weft_component_instance *g2 = g1 ? load(engine, store, linker, dir, "guest2", &c2, &keep2) : NULL;
    if (!g2)
        goto out;

    weft_cval who = {.kind = WEFT_C_STRING};
    who.of.str.ptr = name;
    who.of.str.len = strlen(name);
    weft_cval some = {.kind = WEFT_C_OPTION};
    some.of.variant.disc = 1;
    some.of.variant.payload = &who;

    if (call_string(engine, store, g1, "run", NULL, 0, "") ||
        call_string(engine, store, g2, "run", &some, 1, "") ||
        call_string(engine, store, g2, "describe", NULL, 0, "describe: "))
        goto out;
    rc = 0;
out:
    weft_component_linker_delete(linker);
    weft_store_delete(store);
    weft_component_delete(c1);
    weft_component_delete(c2);
    free(keep1);
    free(keep2);
    weft_engine_delete(engine);
    return rc;
}
