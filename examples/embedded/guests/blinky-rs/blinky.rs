//! blinky in Rust: toggles the LED on pin 25 every 500 ms, forever.
//! A `#![no_std]` guest with the same imports and export as blinky.c.
#![no_std]

#[link(wasm_import_module = "embedded:platform/gpio")]
extern "C" {
    #[link_name = "set-high"]
    fn gpio_set_high(pin: u32);
    #[link_name = "set-low"]
    fn gpio_set_low(pin: u32);
}

#[link(wasm_import_module = "embedded:platform/timing")]
extern "C" {
    #[link_name = "delay-ms"]
    fn timing_delay_ms(ms: u32);
}

const LED_PIN: u32 = 25;

#[no_mangle]
pub extern "C" fn run() {
    loop {
        unsafe {
            gpio_set_high(LED_PIN);
            timing_delay_ms(500);
            gpio_set_low(LED_PIN);
            timing_delay_ms(500);
        }
    }
}

#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
