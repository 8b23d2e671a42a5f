/* The hello example's components, checked through the component API:
 *   test_hello DIR      (DIR holds guest1.wasm and guest2.wasm) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weft/component.h"

static int passed, failed;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (cond) {                                                           \
            passed++;                                                         \
        } else {                                                              \
            failed++;                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                       \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static weft_component *load(weft_engine *e, const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t len;
    unsigned char *bytes = read_all(path, &len);
    CHECK(bytes != NULL, "cannot read %s", path);
    if (!bytes)
        return NULL;
    weft_component *c = NULL;
    weft_error err;
    weft_status s = weft_component_new(e, bytes, len, &c, &err);
    free(bytes);
    CHECK(s == WEFT_OK, "%s: %s", file, err.message);
    return c;
}

/* Calls f and checks it returns the string want. */
static void expect_string(weft_engine *e, weft_store *st, weft_cfunc *f, const weft_cval *args,
                          size_t nargs, const char *want)
{
    weft_cval r;
    weft_error err;
    weft_status s = weft_cfunc_call(st, f, args, nargs, &r, 1, &err);
    CHECK(s == WEFT_OK, "call: %s", err.message);
    if (s != WEFT_OK)
        return;
    CHECK(r.kind == WEFT_C_STRING && r.of.str.len == strlen(want) &&
              !memcmp(r.of.str.ptr, want, r.of.str.len),
          "expected \"%s\", got \"%.*s\"", want, (int)r.of.str.len, r.of.str.ptr);
    weft_cvals_free(e, &r, 1);
}

static void collect(void *ud, const char *text, size_t len)
{
    char *buf = ud;
    size_t have = strlen(buf);
    if (have + len < 8192) {
        memcpy(buf + have, text, len);
        buf[have + len] = 0;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_hello DIR\n");
        return 2;
    }
    weft_engine *e = weft_engine_new(NULL);
    weft_store *st = weft_store_new(e);
    weft_component_linker *l = weft_component_linker_new(e);
    weft_component *c1 = load(e, argv[1], "guest1.wasm");
    weft_component *c2 = load(e, argv[1], "guest2.wasm");
    if (!c1 || !c2)
        goto done;

    /* neither guest imports anything (in particular nothing from WASI) */
    static char wit1[8192], wit2[8192];
    weft_component_print_wit(c1, collect, wit1);
    weft_component_print_wit(c2, collect, wit2);
    CHECK(strstr(wit1, "import") == NULL, "guest1 imports something:\n%s", wit1);
    CHECK(strstr(wit2, "import") == NULL, "guest2 imports something:\n%s", wit2);
    CHECK(strstr(wit1, "export run: func() -> string;") != NULL, "guest1 WIT:\n%s", wit1);
    CHECK(strstr(wit2, "export run: func(name: option<string>) -> string;") != NULL,
          "guest2 WIT:\n%s", wit2);
    CHECK(strstr(wit2, "export describe: func() -> string;") != NULL, "guest2 WIT:\n%s", wit2);

    weft_component_instance *g1, *g2;
    weft_error err;
    CHECK(weft_component_linker_instantiate(l, st, c1, &g1, &err) == WEFT_OK, "%s", err.message);
    CHECK(weft_component_linker_instantiate(l, st, c2, &g2, &err) == WEFT_OK, "%s", err.message);

    /* guest1: run, and no describe */
    weft_cfunc *run1 = weft_component_instance_func(g1, "run");
    CHECK(run1 != NULL, "guest1 has no run");
    CHECK(weft_component_instance_func(g1, "describe") == NULL, "guest1 has describe");
    if (run1) {
        CHECK(weft_cfunc_param_count(run1) == 0, "guest1 run takes parameters");
        CHECK(weft_cfunc_result_count(run1) == 1 &&
                  weft_ctype_kind(weft_cfunc_result_type(run1)) == WEFT_C_STRING,
              "guest1 run does not return a string");
        expect_string(e, st, run1, NULL, 0, "guest1 run() called");
    }

    /* guest2: run(option<string>) and describe() */
    weft_cfunc *run2 = weft_component_instance_func(g2, "run");
    weft_cfunc *desc = weft_component_instance_func(g2, "describe");
    CHECK(run2 && desc, "guest2 lacks run or describe");
    if (run2) {
        CHECK(weft_cfunc_param_count(run2) == 1, "guest2 run arity");
        CHECK(!strcmp(weft_cfunc_param_name(run2, 0), "name"), "guest2 run param name");
        const weft_ctype *pt = weft_cfunc_param_type(run2, 0);
        CHECK(weft_ctype_kind(pt) == WEFT_C_OPTION &&
                  weft_ctype_kind(weft_ctype_elem(pt, 0)) == WEFT_C_STRING,
              "guest2 run param is not option<string>");
        weft_cval none = {.kind = WEFT_C_OPTION};
        expect_string(e, st, run2, &none, 1, "guest2 run() called: hello, world!");
        weft_cval name = {.kind = WEFT_C_STRING};
        name.of.str.ptr = "Pulley";
        name.of.str.len = 6;
        weft_cval some = {.kind = WEFT_C_OPTION};
        some.of.variant.disc = 1;
        some.of.variant.payload = &name;
        expect_string(e, st, run2, &some, 1, "guest2 run() called: hello, Pulley!");
        name.of.str.ptr = "Kevin";
        name.of.str.len = 5;
        expect_string(e, st, run2, &some, 1, "guest2 run() called: hello, Kevin!");
        /* repeated calls keep working (post-return frees the guest's memory) */
        for (int i = 0; i < 100; i++)
            expect_string(e, st, run2, &none, 1, "guest2 run() called: hello, world!");
    }
    if (desc)
        expect_string(e, st, desc, NULL, 0, "guest2 has an extra `describe` export");

    /* A component that imports `log: func(msg: string)`: instantiating it
     * without that import fails and names it. */
    static const unsigned char needs_log[] = {
        0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00,
        /* type section: (func (param "msg" string)) */
        0x07, 0x0a, 0x01, 0x40, 0x01, 0x03, 'm', 's', 'g', 0x73, 0x01, 0x00,
        /* import section: (import "log" (func (type 0))) */
        0x0a, 0x08, 0x01, 0x00, 0x03, 'l', 'o', 'g', 0x01, 0x00,
    };
    weft_component *c3 = NULL;
    CHECK(weft_component_new(e, needs_log, sizeof needs_log, &c3, &err) == WEFT_OK, "%s",
          err.message);
    if (c3) {
        weft_component_instance *g3;
        weft_status s = weft_component_linker_instantiate(l, st, c3, &g3, &err);
        CHECK(s == WEFT_UNLINKABLE, "missing import gave %s", weft_status_name(s));
        CHECK(strstr(err.message, "log") && strstr(err.message, "func(msg: string)"),
              "message does not name the import and its type: %s", err.message);
        weft_component_delete(c3);
    }
    /* A core module is not a component. */
    static const unsigned char core[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    weft_component *c4 = NULL;
    CHECK(weft_component_new(e, core, sizeof core, &c4, &err) == WEFT_ARG && c4 == NULL,
          "a core module was accepted as a component");

done:
    weft_component_linker_delete(l);
    weft_store_delete(st);
    weft_component_delete(c1);
    weft_component_delete(c2);
    weft_engine_delete(e);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
