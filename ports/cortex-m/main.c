/*
 * main.c - the weft firmware: runs one component, precompiled to a weft
 * image and linked in as a C array, in place from flash, with the board
 * exposed as the WIT package embedded:platform (gpio, timing, uart,
 * button).
 *
 * Build-time settings (ports/cortex-m/CMakeLists.txt):
 *   FW_NAME          the firmware's name, printed at start
 *   FW_BUDGET        host calls before the firmware stops: delay-ms calls
 *                    (blinky, button-led) or bytes read (uart-echo); 0 = run
 *                    forever
 *   FW_FUEL          wasm fuel (calls + loop iterations); 0 = unlimited
 * When the budget or the fuel is used up the guest's run() ends (the host
 * ends it with a trap, or the store suspends it), the firmware prints its
 * memory use and exits through semihosting with status 0; any other end is
 * an error (status 1).
 */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "fw_platform.h"
#include "weft/component.h"
#include "weft/image.h"

#ifndef FW_NAME
#define FW_NAME "firmware"
#endif
#ifndef FW_BUDGET
#define FW_BUDGET 0u
#endif
#ifndef FW_FUEL
#define FW_FUEL 0u
#endif

extern const uint8_t fw_image[];
extern const size_t fw_image_len;

/* From the linker script. */
extern const char __flash_used[], __ram_static[];
extern uint32_t __stack_limit[], __stack_top[];

static uint32_t budget_used;
static int budget_spent;

/* Counts one unit of the budget; true when the run must stop. */
static int spend(void)
{
    if (FW_BUDGET == 0u)
        return 0;
    if (budget_used == FW_BUDGET) {
        budget_spent = 1;
        return 1;
    }
    budget_used++;
    return 0;
}

static void put_hex(uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    board_uart_puts("0x");
    int shift = 28;
    while (shift > 0 && ((v >> shift) & 0xFu) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        board_uart_putc((uint8_t)digits[(v >> shift) & 0xFu]);
}

/* embedded:platform/gpio: the LEDs. Logs each change with the LED
 * register read back. */
static weft_trap_kind gpio_set(weft_ccaller *caller, void *user, const weft_cval *args,
                               size_t nargs, weft_cval *results, size_t nresults)
{
    (void)nargs, (void)results, (void)nresults;
    int on = user != NULL;
    uint32_t pin = (uint32_t)args[0].of.u;
    int led = board_led_index(pin);
    if (led < 0)
        return weft_ccaller_trap(caller, "embedded:platform/gpio: no LED on that pin (LEDs: 25, 24)");
    board_led_set(led, on);
    board_uart_puts("GPIO");
    board_uart_put_u32(pin);
    board_uart_puts(on ? " On  [led register " : " Off [led register ");
    put_hex(board_led_register());
    board_uart_puts("]\r\n");
    return WEFT_TRAP_NONE;
}

/* embedded:platform/timing */
static weft_trap_kind delay_ms(weft_ccaller *caller, void *user, const weft_cval *args,
                               size_t nargs, weft_cval *results, size_t nresults)
{
    (void)caller, (void)user, (void)nargs, (void)results, (void)nresults;
    if (spend())
        return WEFT_TRAP_EXIT;
    board_delay_ms((uint32_t)args[0].of.u);
    return WEFT_TRAP_NONE;
}

/* embedded:platform/uart */
static weft_trap_kind read_byte(weft_ccaller *caller, void *user, const weft_cval *args,
                                size_t nargs, weft_cval *results, size_t nresults)
{
    (void)caller, (void)user, (void)args, (void)nargs, (void)nresults;
    if (spend())
        return WEFT_TRAP_EXIT;
    results[0].kind = WEFT_C_U8;
    results[0].of.u = (uint8_t)board_uart_getc();
    return WEFT_TRAP_NONE;
}

static weft_trap_kind write_byte(weft_ccaller *caller, void *user, const weft_cval *args,
                                 size_t nargs, weft_cval *results, size_t nresults)
{
    (void)caller, (void)user, (void)nargs, (void)results, (void)nresults;
    board_uart_putc((uint8_t)args[0].of.u);
    return WEFT_TRAP_NONE;
}

/* embedded:platform/button */
static weft_trap_kind is_pressed(weft_ccaller *caller, void *user, const weft_cval *args,
                                 size_t nargs, weft_cval *results, size_t nresults)
{
    (void)user, (void)nargs, (void)nresults;
    int b = board_button_index((uint32_t)args[0].of.u);
    if (b < 0)
        return weft_ccaller_trap(caller, "embedded:platform/button: no button on that pin (buttons: 15, 14)");
    results[0].kind = WEFT_C_BOOL;
    results[0].of.b = board_button_pressed(b) != 0;
    return WEFT_TRAP_NONE;
}

static int fail(const char *what, const weft_error *err)
{
    board_uart_puts("\r\nweft: ");
    board_uart_puts(what);
    board_uart_puts(": ");
    board_uart_puts(err->message);
    board_uart_puts("\r\n");
    return 1;
}

static void report(void)
{
    size_t arena, heap_hw, heap_peak;
    fw_heap_stats(&arena, &heap_hw, &heap_peak);
    size_t stack_hw = board_stack_used();
    uint32_t stat = (uint32_t)(uintptr_t)__ram_static - (uint32_t)arena;
    board_uart_puts("\r\nweft: flash ");
    board_uart_put_u32((uint32_t)(uintptr_t)__flash_used);
    board_uart_puts(" bytes (image ");
    board_uart_put_u32((uint32_t)fw_image_len);
    board_uart_puts("); ram ");
    board_uart_put_u32(stat + (uint32_t)heap_hw + (uint32_t)stack_hw);
    board_uart_puts(" bytes = data+bss ");
    board_uart_put_u32(stat);
    board_uart_puts(" + heap high-water ");
    board_uart_put_u32((uint32_t)heap_hw);
    board_uart_puts(" (arena ");
    board_uart_put_u32((uint32_t)arena);
    board_uart_puts(") + stack high-water ");
    board_uart_put_u32((uint32_t)stack_hw);
    board_uart_puts(" (stack ");
    board_uart_put_u32((uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_limit));
    board_uart_puts(")\r\n");
}

int main(void)
{
    board_init();
    board_uart_puts("weft " FW_NAME " on mps2-an505\r\n");

    weft_config cfg;
    weft_config_default(&cfg);
    cfg.stack_slots = 64;
    cfg.max_call_depth = 16;
    cfg.max_memory_bytes = 4096;
    cfg.max_table_elems = 64;

    weft_error err;
    memset(&err, 0, sizeof err);
    weft_engine *engine = weft_engine_new(&cfg);
    weft_store *store = engine ? weft_store_new(engine) : NULL;
    weft_component_linker *l = engine ? weft_component_linker_new(engine) : NULL;
    if (!store || !l) {
        board_uart_puts("weft: out of memory creating the engine\r\n");
        return 1;
    }
    static const struct {
        const char *path;
        weft_chost_fn fn;
        void *user;
    } host[] = {
        {"embedded:platform/gpio#set-high", gpio_set, (void *)1},
        {"embedded:platform/gpio#set-low", gpio_set, NULL},
        {"embedded:platform/timing#delay-ms", delay_ms, NULL},
        {"embedded:platform/uart#read-byte", read_byte, NULL},
        {"embedded:platform/uart#write-byte", write_byte, NULL},
        {"embedded:platform/button#is-pressed", is_pressed, NULL},
    };
    for (size_t i = 0; i < sizeof host / sizeof host[0]; i++) {
        if (weft_component_linker_define_func(l, host[i].path, host[i].fn, host[i].user) != WEFT_OK) {
            board_uart_puts("weft: out of memory defining the host functions\r\n");
            return 1;
        }
    }

    weft_component *comp;
    if (weft_component_from_image(engine, fw_image, fw_image_len, &comp, &err) != WEFT_OK)
        return fail("loading the image", &err);
    weft_component_instance *inst;
    if (weft_component_linker_instantiate(l, store, comp, &inst, &err) != WEFT_OK)
        return fail("instantiating", &err);
    weft_cfunc *run = weft_component_instance_func(inst, "run");
    if (!run) {
        board_uart_puts("weft: the component exports no run function\r\n");
        return 1;
    }
    if (FW_FUEL != 0u && weft_store_set_fuel(store, FW_FUEL) != WEFT_OK) {
        board_uart_puts("weft: fuel is not compiled in\r\n");
        return 1;
    }
    weft_status s = weft_cfunc_call(store, run, NULL, 0, NULL, 0, &err);
    if (s == WEFT_TRAP && err.trap == WEFT_TRAP_EXIT && budget_spent) {
        report();
        board_uart_puts("weft: budget of " );
        board_uart_put_u32(FW_BUDGET);
        board_uart_puts(" host calls used up, stopping\r\n");
        return 0;
    }
    if (s == WEFT_OK) {
        report();
        board_uart_puts("weft: run() returned\r\n");
        return 0;
    }
    if (s == WEFT_SUSPENDED && FW_FUEL != 0u) {
        report();
        board_uart_puts("weft: fuel of ");
        board_uart_put_u32((uint32_t)FW_FUEL);
        board_uart_puts(" used up, stopping\r\n");
        return 0;
    }
    report();
    return fail("run()", &err);
}
