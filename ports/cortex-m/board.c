/*
 * board.c - mps2-an505 peripherals: CMSDK APB UART0, FPGAIO LEDs and
 * buttons, SysTick millisecond clock, semihosting exit.
 */
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))

/* UART0 (CMSDK APB UART), secure alias. */
#define UART0_BASE 0x50200000u
#define UART_DATA REG(UART0_BASE + 0x00)
#define UART_STATE REG(UART0_BASE + 0x04)   /* bit 0: TX full, bit 1: RX full */
#define UART_CTRL REG(UART0_BASE + 0x08)    /* bit 0: TX enable, bit 1: RX enable */
#define UART_BAUDDIV REG(UART0_BASE + 0x10)

/* FPGA I/O block, secure alias. */
#define FPGAIO_BASE 0x50302000u
#define FPGAIO_LED REG(FPGAIO_BASE + 0x00)
#define FPGAIO_BUTTON REG(FPGAIO_BASE + 0x08)

/* SysTick. */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)

/* The AN505 system clock, which drives SysTick. */
#define SYSCLK_HZ 20000000u

static volatile uint32_t ticks_ms;

void SysTick_Handler(void)
{
    ticks_ms++;
}

void board_init(void)
{
    UART_BAUDDIV = 16;
    UART_CTRL = 3;
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
}

void board_uart_putc(uint8_t c)
{
    while (UART_STATE & 1u) {
    }
    UART_DATA = c;
}

void board_uart_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        board_uart_putc((uint8_t)s[i]);
}

void board_uart_puts(const char *s)
{
    while (*s)
        board_uart_putc((uint8_t)*s++);
}

int board_uart_getc(void)
{
    while (!(UART_STATE & 2u))
        __asm__ volatile("wfi");
    return (int)(UART_DATA & 0xFFu);
}

void board_uart_put_u32(uint32_t v)
{
    char buf[10];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n)
        board_uart_putc((uint8_t)buf[--n]);
}

int board_led_index(uint32_t pin)
{
    return pin == 25 ? 0 : pin == 24 ? 1 : -1;
}

int board_button_index(uint32_t pin)
{
    return pin == 15 ? 0 : pin == 14 ? 1 : -1;
}

void board_led_set(int index, int on)
{
    uint32_t bit = 1u << index;
    FPGAIO_LED = on ? (FPGAIO_LED | bit) : (FPGAIO_LED & ~bit);
}

uint32_t board_led_register(void)
{
    return FPGAIO_LED;
}

int board_button_pressed(int index)
{
    return (FPGAIO_BUTTON >> index) & 1u;
}

uint32_t board_millis(void)
{
    return ticks_ms;
}

void board_delay_ms(uint32_t ms)
{
    uint32_t start = ticks_ms;
    while (ticks_ms - start < ms)
        __asm__ volatile("wfi");
}

_Noreturn void board_exit(int status)
{
    /* SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit and the status. */
    volatile uint32_t block[2] = {0x20026u, (uint32_t)status};
    register uint32_t r0 __asm__("r0") = 0x20u;
    register volatile uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;)
        __asm__ volatile("wfi");
}

extern uint32_t __stack_limit[], __stack_top[];
#define STACK_PAINT 0xA5A5A5A5u

size_t board_stack_used(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT)
        p++;
    return (size_t)((const char *)__stack_top - (const char *)p);
}
