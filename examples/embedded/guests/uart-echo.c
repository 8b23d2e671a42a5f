/* uart-echo - echoes each byte read from the UART. Backspace and DEL erase
 * the previous character on a terminal (BS, space, BS); CR and LF both
 * become CR LF. */
#include "platform.h"

EXPORT("run") void run(void)
{
    for (;;) {
        u8 c = uart_read_byte();
        if (c == '\b' || c == 0x7f) {
            uart_write_byte('\b');
            uart_write_byte(' ');
            uart_write_byte('\b');
        } else if (c == '\r' || c == '\n') {
            uart_write_byte('\r');
            uart_write_byte('\n');
        } else {
            uart_write_byte(c);
        }
    }
}
