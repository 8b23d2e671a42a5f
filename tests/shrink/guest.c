/* A small guest for `weft shrink-memory`: static data (.rodata, .data), a
 * zero-initialized arena (.bss), stack use, and as a component a string
 * function whose cabi_realloc allocates from the arena (no memory.grow).
 *
 *   world shrink-world {
 *     export sum: func(n: u32) -> u32;
 *     export greet: func(name: string) -> string;
 *   }
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

static const uint32_t squares[16] = {0, 1, 4, 9, 16, 25, 36, 49,
                                     64, 81, 100, 121, 144, 169, 196, 225};
static uint32_t calls = 1000;          /* .data */
static unsigned char arena[512];       /* .bss */
static size_t arena_next;

__attribute__((noinline)) static uint32_t add_up(const uint32_t *v, uint32_t n) {
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += v[i];
    return total;
}

/* The sum of the first n squares (n <= 16), plus the number of earlier
 * calls; the copy lives on the stack (below __stack_pointer). */
EXPORT("sum")
uint32_t sum(uint32_t n) {
    uint32_t tmp[16];
    if (n > 16)
        n = 16;
    for (uint32_t i = 0; i < 16; i++)
        tmp[i] = squares[i] + (i < n ? 0 : 1u << 20);
    return add_up(tmp, n) + (calls++ - 1000);
}

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size) {
    (void)old;
    (void)old_size;
    size_t p = (arena_next + align - 1) & ~(align - 1);
    if (p + size > sizeof arena)
        __builtin_trap();
    arena_next = p + size;
    return arena + p;
}

static const char hello[] = "hello, ";

/* greet(name) = "hello, " + name + "!"; returns a pointer to {ptr, len}. */
EXPORT("greet")
void *greet(const char *name, size_t len) {
    size_t n = sizeof hello - 1;
    char *s = cabi_realloc(NULL, 0, 1, n + len + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = hello[i];
    for (size_t i = 0; i < len; i++)
        s[n + i] = name[i];
    s[n + len] = '!';
    uint32_t *ret = cabi_realloc(NULL, 0, 4, 8);
    ret[0] = (uint32_t)(uintptr_t)s;
    ret[1] = (uint32_t)(n + len + 1);
    return ret;
}

EXPORT("cabi_post_greet")
void cabi_post_greet(void *ret) {
    (void)ret;
    arena_next = 0;
}
