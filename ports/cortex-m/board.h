/*
 * board.h - the mps2-an505 board (Cortex-M33, as emulated by QEMU) as the
 * firmware sees it: the CMSDK UART, the FPGAIO LEDs and buttons, a
 * millisecond clock and semihosting exit.
 *
 * Pin numbers (the guest's view, as on the reference board):
 *   pin 25 -> LED0 (FPGAIO LED register bit 0)   pin 24 -> LED1 (bit 1)
 *   pin 15 -> BUTTON0 (FPGAIO BUTTON bit 0)      pin 14 -> BUTTON1 (bit 1)
 */
#ifndef WEFT_BOARD_H
#define WEFT_BOARD_H

#include <stddef.h>
#include <stdint.h>

void board_init(void);

/* UART0: blocking byte I/O. */
void board_uart_putc(uint8_t c);
void board_uart_write(const char *s, size_t len);
void board_uart_puts(const char *s);
int board_uart_getc(void);              /* blocks; the byte */
void board_uart_put_u32(uint32_t v);    /* decimal */

/* LEDs and buttons by pin number; -1 if the pin is not wired. */
int board_led_index(uint32_t pin);
int board_button_index(uint32_t pin);
void board_led_set(int index, int on);
uint32_t board_led_register(void);      /* the FPGAIO LED register read back */
int board_button_pressed(int index);

/* Milliseconds since board_init (SysTick). */
uint32_t board_millis(void);
void board_delay_ms(uint32_t ms);

/* Ends the program (semihosting SYS_EXIT_EXTENDED) with a status. */
_Noreturn void board_exit(int status);

/* Bytes of the C stack used so far (stack painted at reset). */
size_t board_stack_used(void);

#endif
