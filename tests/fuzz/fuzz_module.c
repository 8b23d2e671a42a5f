/*
 * fuzz_module.c - libFuzzer target for weft_module_new on raw bytes.
 *
 * A module that loads is also serialized and loaded back from its image,
 * which must succeed. Both are instantiated with dummy imports and each
 * exported function is called with zero arguments under fuel; the image
 * must behave exactly as the module it came from.
 */
#include "fuzz_common.h"

static void fuzz_same(const fuzz_run *a, const fuzz_run *b)
{
    int same = a->skipped == b->skipped && a->inst_status == b->inst_status &&
               a->ncalls == b->ncalls;
    for (uint32_t i = 0; same && i < a->ncalls; i++) {
        const fuzz_outcome *x = &a->calls[i], *y = &b->calls[i];
        same = x->status == y->status && x->trap == y->trap && x->nresults == y->nresults &&
               memcmp(x->bits, y->bits, sizeof x->bits) == 0;
        if (!same)
            fprintf(stderr, "call %u: %s/%s vs %s/%s\n", i, weft_status_name(x->status),
                    weft_trap_name(x->trap), weft_status_name(y->status),
                    weft_trap_name(y->trap));
    }
    if (!same) {
        fprintf(stderr, "module and its image behave differently\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    weft_engine *e = fuzz_engine();
    weft_module *m = NULL;
    weft_error err;
    weft_status s = weft_module_new(e, data, size, &m, &err);
    if (s != WEFT_OK) {
        if (m != NULL || err.message[0] == '\0' || err.status != s)
            abort();
        return 0;
    }
    if (!m)
        abort();

    uint8_t *out = NULL, *img = NULL;
    size_t len = 0;
    weft_module *mi = NULL;
    s = weft_module_serialize(m, &out, &len, &err);
    if (s == WEFT_OK) {
        img = fuzz_copy(out, len);
        weft_image_free(e, out, len);
        s = weft_module_from_image(e, img, len, &mi, &err);
        if (s != WEFT_OK) {
            fprintf(stderr, "the image of a valid module is refused: %s\n", err.message);
            abort();
        }
    } else if (s != WEFT_NOMEM && s != WEFT_LIMIT) {
        fprintf(stderr, "serializing failed: %s\n", err.message);
        abort();
    }

    static fuzz_run a, b;
    fuzz_run_module(e, m, &a);
    if (mi) {
        fuzz_run_module(e, mi, &b);
        fuzz_same(&a, &b);
    }
    weft_module_delete(mi);
    free(img);
    weft_module_delete(m);
    return 0;
}
