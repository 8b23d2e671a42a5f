/* platform.h - the embedded:platform imports as seen by a C guest (the core
 * module imports that wit-component maps onto the WIT interfaces). */
#ifndef GUEST_PLATFORM_H
#define GUEST_PLATFORM_H

#define IMPORT(iface, name) \
    __attribute__((import_module("embedded:platform/" iface), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

typedef unsigned int u32;
typedef unsigned char u8;

IMPORT("gpio", "set-high") void gpio_set_high(u32 pin);
IMPORT("gpio", "set-low") void gpio_set_low(u32 pin);
IMPORT("timing", "delay-ms") void timing_delay_ms(u32 ms);
IMPORT("uart", "read-byte") u8 uart_read_byte(void);
IMPORT("uart", "write-byte") void uart_write_byte(u8 byte);
/* bool is passed as an i32 (0 or 1) */
IMPORT("button", "is-pressed") int button_is_pressed(u32 pin);

#define LED_PIN 25u
#define BUTTON_PIN 15u

#endif
