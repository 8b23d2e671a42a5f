/* button-led - polls the button on pin 15 every 10 ms and drives the LED on
 * pin 25 to follow it: lit while the button is pressed. */
#include "platform.h"

EXPORT("run") void run(void)
{
    for (;;) {
        if (button_is_pressed(BUTTON_PIN))
            gpio_set_high(LED_PIN);
        else
            gpio_set_low(LED_PIN);
        timing_delay_ms(10);
    }
}
