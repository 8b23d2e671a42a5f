/* blinky - toggles the LED on pin 25 every 500 ms, forever. */
#include "platform.h"

EXPORT("run") void run(void)
{
    for (;;) {
        gpio_set_high(LED_PIN);
        timing_delay_ms(500);
        gpio_set_low(LED_PIN);
        timing_delay_ms(500);
    }
}
