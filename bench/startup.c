/* startup.c - the cost of bringing a component up: from a buffer holding
 * it (an image or a component binary) to the result of its first call.
 * Everything between the two marks runs in startup_region(), which
 * bench/startup.sh measures with callgrind's --toggle-collect, so reading
 * the file and process start-up are not counted.
 *   startup FILE EXPORT      calls EXPORT (no arguments, or none for an
 *                            option<string> parameter) and prints the result */
#include "weft/component.h"
#include "weft/image.h"
#include "weft/weft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *bytes;
    size_t len;
    const char *export_name;
    weft_engine *engine;
    weft_store *store;
    weft_component_linker *linker;
    weft_component *comp;
    weft_cval result;
    weft_error err;
} startup;

/* Load (or decode, validate and lower), instantiate, first call. */
__attribute__((noinline)) int startup_region(startup *s)
{
    weft_component_instance *inst;
    weft_cfunc *f;
    weft_cval none = {.kind = WEFT_C_OPTION};
    s->engine = weft_engine_new(NULL);
    s->store = s->engine ? weft_store_new(s->engine) : NULL;
    s->linker = s->engine ? weft_component_linker_new(s->engine) : NULL;
    if (!s->store || !s->linker)
        return -1;
    if ((weft_image_is_component(s->bytes, s->len)
             ? weft_component_from_image(s->engine, s->bytes, s->len, &s->comp, &s->err)
             : weft_component_new(s->engine, s->bytes, s->len, &s->comp, &s->err)) != WEFT_OK)
        return -1;
    if (weft_component_linker_instantiate(s->linker, s->store, s->comp, &inst, &s->err) != WEFT_OK)
        return -1;
    f = weft_component_instance_func(inst, s->export_name);
    if (!f)
        return -1;
    /* functions taking option<string> get none; others nothing */
    return weft_cfunc_call(s->store, f, &none, weft_cfunc_param_count(f), &s->result, 1,
                           &s->err) == WEFT_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    startup s;
    FILE *f;
    long n;
    uint8_t *buf;
    int rc;
    if (argc != 3) {
        fprintf(stderr, "usage: startup FILE EXPORT\n");
        return 2;
    }
    memset(&s, 0, sizeof s);
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "startup: cannot read %s\n", argv[1]);
        return 1;
    }
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "startup: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    s.bytes = buf;
    s.len = (size_t)n;
    s.export_name = argv[2];
    rc = startup_region(&s);
    if (rc != 0)
        fprintf(stderr, "startup: %s: %s\n", argv[1], s.err.message);
    else if (s.result.kind == WEFT_C_STRING)
        printf("%.*s\n", (int)s.result.of.str.len, s.result.of.str.ptr);
    if (rc == 0)
        weft_cvals_free(s.engine, &s.result, 1);
    weft_component_linker_delete(s.linker);
    weft_store_delete(s.store);
    weft_component_delete(s.comp);
    weft_engine_delete(s.engine);
    free(buf);
    return rc == 0 ? 0 : 1;
}
