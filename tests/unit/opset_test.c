/* opset_test - an interpreter built with an instruction subset
 * (WEFT_OPCODE_SET, here the instructions of opset-add.wat): it runs code
 * within the subset, from the module and from its image, and refuses code
 * outside it with WEFT_UNSUPPORTED and the instruction's name, whether it
 * comes as a module or as an image made by a full build.
 *
 *   unit_opset DIR      (DIR: add.wasm, mul.wasm, mul.cwasm) */
#include <stdio.h>
#include <stdlib.h>

#include "unit_check.h"
#include "weft/image.h"

static uint8_t *read_file(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = n > 0 ? aligned_alloc(8, ((size_t)n + 7) & ~(size_t)7) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = b ? (size_t)n : 0;
    return b;
}

/* add(2, 40) through module m. */
static void check_add(weft_engine *e, weft_module *m)
{
    weft_store *st = weft_store_new(e);
    weft_instance *inst = NULL;
    weft_error err;
    CHECK_EQ(weft_instance_new(st, m, NULL, 0, &inst, &err), WEFT_OK);
    weft_func *f = inst ? unit_func(inst, "add") : NULL;
    CHECK(f != NULL);
    if (f) {
        weft_val args[2] = {{.kind = WEFT_I32, .of.i32 = 2}, {.kind = WEFT_I32, .of.i32 = 40}};
        weft_val r;
        CHECK_EQ(weft_func_call(st, f, args, 2, &r, 1, &err), WEFT_OK);
        CHECK_EQ(r.of.i32, 42);
    }
    weft_store_delete(st);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: unit_opset DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    weft_engine *e = weft_engine_new(NULL);
    CHECK(e != NULL);
    size_t alen = 0, mlen = 0, ilen = 0;
    uint8_t *add = read_file(dir, "add.wasm", &alen);
    uint8_t *mul = read_file(dir, "mul.wasm", &mlen);
    uint8_t *mul_img = read_file(dir, "mul.cwasm", &ilen);
    CHECK(add && mul && mul_img);
    if (!e || !add || !mul || !mul_img)
        return unit_finish();

    /* within the subset: compiled here, and from its image */
    weft_error err;
    weft_module *m = NULL;
    CHECK_EQ(weft_module_new(e, add, alen, &m, &err), WEFT_OK);
    if (m) {
        check_add(e, m);
        uint8_t *img = NULL;
        size_t n = 0;
        CHECK_EQ(weft_module_serialize(m, &img, &n, &err), WEFT_OK);
        weft_module *mi = NULL;
        if (img) {
            uint8_t *copy = aligned_alloc(8, (n + 7) & ~(size_t)7);
            memcpy(copy, img, n);
            CHECK_EQ(weft_module_from_image(e, copy, n, &mi, &err), WEFT_OK);
            if (mi)
                check_add(e, mi);
            weft_module_delete(mi);
            free(copy);
            weft_image_free(e, img, n);
        }
        weft_module_delete(m);
    }

    /* outside it: refused, naming the instruction */
    m = NULL;
    CHECK_EQ(weft_module_new(e, mul, mlen, &m, &err), WEFT_UNSUPPORTED);
    CHECK(m == NULL);
    CHECK_CONTAINS(err.message, "I64_MUL");
    CHECK_CONTAINS(err.message, "instruction set");
    m = NULL;
    CHECK_EQ(weft_module_from_image(e, mul_img, ilen, &m, &err), WEFT_UNSUPPORTED);
    CHECK(m == NULL);
    CHECK_CONTAINS(err.message, "I64_MUL");
    CHECK_CONTAINS(err.message, "WEFT_OPCODE_SET");
    CHECK(err.offset != WEFT_NO_OFFSET);

    free(add);
    free(mul);
    free(mul_img);
    weft_engine_delete(e);
    return unit_finish();
}
