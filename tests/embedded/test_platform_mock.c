/* test_platform_mock - the embedded guests on the Linux host, against a
 * scripted mock of embedded:platform: the exact sequence of host calls each
 * guest makes, its imports and exports, a fuel budget stopping the endless
 * loop, and instantiation without the imports failing clearly.
 *
 *   test_platform_mock DIR
 *
 * DIR holds the images the firmware carries (blinky.cwasm, blinky-rs.cwasm,
 * uart-echo.cwasm, button-led.cwasm), made by scripts/build-firmware.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/unit_check.h"
#include "weft/component.h"
#include "weft/image.h"

/* The mock board: a log of every call, a budget of calls after which it
 * ends the run (with a trap of kind EXIT), scripted UART input and button
 * states, and the UART output. */
typedef struct mock {
    char log[8192];
    size_t loglen;
    unsigned calls, stop_after;
    const char *uart_in;
    size_t uart_len, uart_pos;
    char uart_out[256];
    size_t out_len;
    const int *button;
    size_t nbutton, button_pos;
} mock;

static mock M;

static void mock_reset(unsigned stop_after)
{
    memset(&M, 0, sizeof M);
    M.stop_after = stop_after;
}

static int mock_call(const char *name, long arg)
{
    if (M.calls == M.stop_after)
        return 0;
    M.calls++;
    int n = arg >= 0 ? snprintf(M.log + M.loglen, sizeof M.log - M.loglen, "%s(%ld) ", name, arg)
                     : snprintf(M.log + M.loglen, sizeof M.log - M.loglen, "%s() ", name);
    if (n > 0 && (size_t)n < sizeof M.log - M.loglen)
        M.loglen += (size_t)n;
    return 1;
}

static weft_trap_kind gpio_set(weft_ccaller *c, void *user, const weft_cval *args, size_t nargs,
                               weft_cval *results, size_t nresults)
{
    (void)c, (void)nargs, (void)results, (void)nresults;
    if (args[0].kind != WEFT_C_U32)
        return WEFT_TRAP_HOST;
    return mock_call(user ? "set-high" : "set-low", (long)args[0].of.u) ? WEFT_TRAP_NONE
                                                                       : WEFT_TRAP_EXIT;
}

static weft_trap_kind delay_ms(weft_ccaller *c, void *user, const weft_cval *args, size_t nargs,
                               weft_cval *results, size_t nresults)
{
    (void)c, (void)user, (void)nargs, (void)results, (void)nresults;
    if (args[0].kind != WEFT_C_U32)
        return WEFT_TRAP_HOST;
    return mock_call("delay-ms", (long)args[0].of.u) ? WEFT_TRAP_NONE : WEFT_TRAP_EXIT;
}

static weft_trap_kind read_byte(weft_ccaller *c, void *user, const weft_cval *args, size_t nargs,
                                weft_cval *results, size_t nresults)
{
    (void)c, (void)user, (void)args, (void)nargs, (void)nresults;
    if (M.uart_pos == M.uart_len || !mock_call("read-byte", -1))
        return WEFT_TRAP_EXIT;
    results[0].kind = WEFT_C_U8;
    results[0].of.u = (uint8_t)M.uart_in[M.uart_pos++];
    return WEFT_TRAP_NONE;
}

static weft_trap_kind write_byte(weft_ccaller *c, void *user, const weft_cval *args, size_t nargs,
                                 weft_cval *results, size_t nresults)
{
    (void)c, (void)user, (void)nargs, (void)results, (void)nresults;
    if (args[0].kind != WEFT_C_U8)
        return WEFT_TRAP_HOST;
    if (!mock_call("write-byte", (long)args[0].of.u))
        return WEFT_TRAP_EXIT;
    if (M.out_len < sizeof M.uart_out)
        M.uart_out[M.out_len++] = (char)args[0].of.u;
    return WEFT_TRAP_NONE;
}

static weft_trap_kind is_pressed(weft_ccaller *c, void *user, const weft_cval *args, size_t nargs,
                                 weft_cval *results, size_t nresults)
{
    (void)c, (void)user, (void)nargs, (void)nresults;
    if (args[0].kind != WEFT_C_U32)
        return WEFT_TRAP_HOST;
    if (M.button_pos == M.nbutton || !mock_call("is-pressed", (long)args[0].of.u))
        return WEFT_TRAP_EXIT;
    results[0].kind = WEFT_C_BOOL;
    results[0].of.b = M.button[M.button_pos++] != 0;
    return WEFT_TRAP_NONE;
}

typedef struct host_def {
    const char *path;
    weft_chost_fn fn;
    void *user;
} host_def;

static const host_def PLATFORM[] = {
    {"embedded:platform/gpio#set-high", gpio_set, (void *)1},
    {"embedded:platform/gpio#set-low", gpio_set, NULL},
    {"embedded:platform/timing#delay-ms", delay_ms, NULL},
    {"embedded:platform/uart#read-byte", read_byte, NULL},
    {"embedded:platform/uart#write-byte", write_byte, NULL},
    {"embedded:platform/button#is-pressed", is_pressed, NULL},
};

static const char *dir;

/* An image read into 8-byte aligned memory, as it would sit in flash. */
typedef struct image {
    uint8_t *bytes;
    size_t len;
} image;

static image read_image(const char *name)
{
    image im = {NULL, 0};
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.cwasm", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return im;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n > 0) {
        im.bytes = aligned_alloc(8, ((size_t)n + 7) & ~(size_t)7);
        if (im.bytes && fread(im.bytes, 1, (size_t)n, f) == (size_t)n)
            im.len = (size_t)n;
    }
    fclose(f);
    return im;
}

typedef struct run {
    weft_engine *engine;
    weft_store *store;
    weft_component_linker *linker;
    weft_component *comp;
    weft_component_instance *inst;
    image im;
    weft_error err;
} run;

/* Loads NAME's image and instantiates it with the first ndefs host
 * definitions of PLATFORM; the status of instantiation. */
static weft_status start(run *r, const char *name, size_t ndefs)
{
    memset(r, 0, sizeof *r);
    weft_config cfg;
    weft_config_default(&cfg);
    cfg.stack_slots = 256;
    cfg.max_call_depth = 32;
    r->engine = weft_engine_new(&cfg);
    r->store = weft_store_new(r->engine);
    r->linker = weft_component_linker_new(r->engine);
    for (size_t i = 0; i < ndefs; i++)
        CHECK_EQ(weft_component_linker_define_func(r->linker, PLATFORM[i].path, PLATFORM[i].fn,
                                                   PLATFORM[i].user), WEFT_OK);
    r->im = read_image(name);
    CHECK(r->im.len > 0);
    weft_status s = weft_component_from_image(r->engine, r->im.bytes, r->im.len, &r->comp, &r->err);
    CHECK_EQ(s, WEFT_OK);
    if (s != WEFT_OK)
        return s;
    return weft_component_linker_instantiate(r->linker, r->store, r->comp, &r->inst, &r->err);
}

static void finish(run *r)
{
    weft_component_linker_delete(r->linker);
    weft_store_delete(r->store);
    weft_component_delete(r->comp);
    weft_engine_delete(r->engine);
    free(r->im.bytes);
}

/* Calls run() until the mock ends it; the call must end with the mock's
 * EXIT trap. */
static void call_run(run *r)
{
    weft_cfunc *f = weft_component_instance_func(r->inst, "run");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ(weft_cfunc_call(r->store, f, NULL, 0, NULL, 0, &r->err), WEFT_TRAP);
    CHECK_EQ(r->err.trap, WEFT_TRAP_EXIT);
}

static void expect_log(const char *what, const char *want)
{
    if (strcmp(M.log, want) != 0)
        fprintf(stderr, "%s:\n  expected: %s\n  actual:   %s\n", what, want, M.log);
    CHECK_STR(M.log, want);
}

static void test_blinky(const char *name)
{
    run r;
    mock_reset(12);
    CHECK_EQ(start(&r, name, 6), WEFT_OK);
    call_run(&r);
    const char *cycle = "set-high(25) delay-ms(500) set-low(25) delay-ms(500) ";
    char want[512];
    snprintf(want, sizeof want, "%s%s%s", cycle, cycle, cycle);
    expect_log(name, want);
    CHECK_EQ(M.calls, 12);
    finish(&r);
}

static void test_uart_echo(void)
{
    run r;
    mock_reset(1000);
    static const char in[] = "hi\bx\x7f!\rok\n";
    M.uart_in = in;
    M.uart_len = sizeof in - 1;
    CHECK_EQ(start(&r, "uart-echo", 6), WEFT_OK);
    call_run(&r);
    static const char want[] = "hi\b \bx\b \b!\r\nok\r\n";
    CHECK_EQ(M.out_len, sizeof want - 1);
    CHECK(memcmp(M.uart_out, want, sizeof want - 1) == 0);
    /* one read per input byte, then the read that finds the script over */
    CHECK_EQ(M.uart_pos, sizeof in - 1);
    CHECK_CONTAINS(M.log, "read-byte() write-byte(104) read-byte() write-byte(105) "
                          "read-byte() write-byte(8) write-byte(32) write-byte(8) ");
    finish(&r);
}

static void test_button_led(void)
{
    run r;
    mock_reset(1000);
    static const int presses[] = {0, 1, 1, 0, 1};
    M.button = presses;
    M.nbutton = 5;
    CHECK_EQ(start(&r, "button-led", 6), WEFT_OK);
    call_run(&r);
    expect_log("button-led",
               "is-pressed(15) set-low(25) delay-ms(10) "
               "is-pressed(15) set-high(25) delay-ms(10) "
               "is-pressed(15) set-high(25) delay-ms(10) "
               "is-pressed(15) set-low(25) delay-ms(10) "
               "is-pressed(15) set-high(25) delay-ms(10) ");
    finish(&r);
}

/* With fuel, the endless loop stops by itself even if the host never ends
 * it: the call suspends out of fuel after a bounded number of host calls. */
static void test_fuel(void)
{
    run r;
    mock_reset(~0u);
    CHECK_EQ(start(&r, "blinky", 6), WEFT_OK);
    CHECK_EQ(weft_store_set_fuel(r.store, 100), WEFT_OK);
    weft_cfunc *f = weft_component_instance_func(r.inst, "run");
    weft_status s = weft_cfunc_call(r.store, f, NULL, 0, NULL, 0, &r.err);
    CHECK(s == WEFT_SUSPENDED || (s == WEFT_TRAP && r.err.trap == WEFT_TRAP_OUT_OF_FUEL));
    /* each loop iteration makes 4 host calls and costs at least one unit */
    CHECK(M.calls > 0);
    CHECK(M.calls <= 4 * 101);
    CHECK(strncmp(M.log, "set-high(25) delay-ms(500) set-low(25) delay-ms(500) ", 52) == 0);
    finish(&r);
}

static void expect_externs(const char *name, const char *imports, const char *exports)
{
    run r;
    mock_reset(0);
    CHECK_EQ(start(&r, name, 6), WEFT_OK);
    char got[512] = "";
    size_t n = 0;
    for (uint32_t i = 0; i < weft_component_import_count(r.comp); i++) {
        const char *kind;
        const char *nm = weft_component_import_name(r.comp, i, &kind);
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s %s", i ? ", " : "", kind, nm);
    }
    if (strcmp(got, imports) != 0)
        fprintf(stderr, "%s imports: %s\n", name, got);
    CHECK_STR(got, imports);
    n = 0;
    got[0] = 0;
    for (uint32_t i = 0; i < weft_component_export_count(r.comp); i++) {
        const char *kind;
        const char *nm = weft_component_export_name(r.comp, i, &kind);
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s %s", i ? ", " : "", kind, nm);
    }
    CHECK_STR(got, exports);
    CHECK(weft_component_import_name(r.comp, weft_component_import_count(r.comp), NULL) == NULL);
    finish(&r);
}

/* Without (some of) its imports, instantiation fails naming the first
 * missing one. */
static void expect_unlinkable(const char *name, size_t ndefs, const char *missing)
{
    run r;
    mock_reset(0);
    CHECK_EQ(start(&r, name, ndefs), WEFT_UNLINKABLE);
    CHECK_CONTAINS(r.err.message, missing);
    finish(&r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_platform_mock DIR\n");
        return 2;
    }
    dir = argv[1];
    test_blinky("blinky");
    test_blinky("blinky-rs");
    test_uart_echo();
    test_button_led();
    test_fuel();
    expect_externs("blinky", "instance embedded:platform/gpio, instance embedded:platform/timing",
                   "func run");
    expect_externs("blinky-rs", "instance embedded:platform/gpio, instance embedded:platform/timing",
                   "func run");
    expect_externs("uart-echo", "instance embedded:platform/uart", "func run");
    expect_externs("button-led",
                   "instance embedded:platform/gpio, instance embedded:platform/button, "
                   "instance embedded:platform/timing",
                   "func run");
    expect_unlinkable("blinky", 0, "embedded:platform/gpio");
    expect_unlinkable("blinky", 2, "embedded:platform/timing");
    expect_unlinkable("uart-echo", 3, "embedded:platform/uart");
    expect_unlinkable("button-led", 3, "embedded:platform/button");
    return unit_finish();
}
