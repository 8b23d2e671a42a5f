/*
 * startup.c - reset handler and vector table for the Cortex-M33 firmware.
 * The reset handler copies .data from flash, zeroes .bss, paints the stack
 * (for the high-water mark), runs main and exits with its status.
 */
#include <stdint.h>

#include "board.h"

extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);
void SysTick_Handler(void);

_Noreturn void Reset_Handler(void);
_Noreturn void Fault_Handler(void);

_Noreturn void Reset_Handler(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    while (dst < __data_end)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end; dst++)
        *dst = 0;
    /* Paint the unused stack below this frame. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = __stack_limit; dst < sp - 16; dst++)
        *dst = 0xA5A5A5A5u;
    board_exit(main());
}

_Noreturn void Fault_Handler(void)
{
    board_uart_puts("\r\nfirmware: fault\r\n");
    board_exit(3);
}

typedef void (*vector)(void);

__attribute__((section(".isr_vector"), used))
const vector vector_table[16] = {
    (vector)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault */
    0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    SysTick_Handler,
};
