/* guest1: the core module of component:guest1/guest1-world, written against
 * the Canonical ABI by hand (freestanding C, no libc).
 *
 *   export run: func() -> string;
 *
 * Core exports expected by wit-component (legacy name mangling):
 *   run             () -> i32        returns a pointer to {ptr, len}
 *   cabi_post_run   (i32) -> ()      called after the caller has read the result
 *   cabi_realloc    (i32, i32, i32, i32) -> i32
 *   memory
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Bump allocator over the linear memory after the static data. */
extern unsigned char __heap_base[];
static uintptr_t heap_next;

static uintptr_t align_up(uintptr_t p, uintptr_t align) {
    return (p + align - 1) & ~(align - 1);
}

static void *bump_alloc(size_t size, size_t align) {
    if (heap_next == 0)
        heap_next = (uintptr_t)__heap_base;
    uintptr_t p = align_up(heap_next, align ? align : 1);
    uintptr_t end = p + size;
    if (end < p)
        __builtin_trap();
    uintptr_t limit = __builtin_wasm_memory_size(0) * 65536u;
    if (end > limit) {
        uintptr_t pages = (end - limit + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            __builtin_trap();
    }
    heap_next = end;
    return (void *)p;
}

EXPORT("cabi_realloc")
void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
    if (old_ptr && new_size <= old_size)
        return old_ptr;
    unsigned char *p = bump_alloc(new_size, align);
    if (old_ptr) {
        const unsigned char *src = old_ptr;
        for (size_t i = 0; i < old_size; i++)
            p[i] = src[i];
    }
    return p;
}

/* Return area for a string result: {i32 ptr, i32 len}. */
static uint32_t ret_area[2];

static const char message[] = "guest1 run() called";

EXPORT("run")
uint32_t *run(void) {
    ret_area[0] = (uint32_t)(uintptr_t)message;
    ret_area[1] = sizeof message - 1;
    return ret_area;
}

EXPORT("cabi_post_run")
void cabi_post_run(uint32_t *ret) {
    (void)ret;
    heap_next = 0; /* nothing of this call outlives it */
}
