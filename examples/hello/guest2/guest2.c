/* guest2: the core module of component:guest2/guest2-world, written against
 * the Canonical ABI by hand (freestanding C, no libc).
 *
 *   export run: func(name: option<string>) -> string;
 *   export describe: func() -> string;
 *
 * Core exports expected by wit-component (legacy name mangling):
 *   run                 (i32 is_some, i32 ptr, i32 len) -> i32
 *   describe            () -> i32
 *   cabi_post_run       (i32) -> ()
 *   cabi_post_describe  (i32) -> ()
 *   cabi_realloc        (i32, i32, i32, i32) -> i32
 *   memory
 * A string result is returned as a pointer to an 8-byte area {ptr, len}.
 */
#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* Bump allocator over the linear memory after the static data. Each export's
 * post-return function resets it: the argument strings the host allocated
 * and the result built here are dead once the host has read the result. */
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

static void copy_bytes(unsigned char *dst, const unsigned char *src, size_t n) {
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

EXPORT("cabi_realloc")
void *cabi_realloc(void *old_ptr, size_t old_size, size_t align, size_t new_size) {
    if (old_ptr && new_size <= old_size)
        return old_ptr;
    unsigned char *p = bump_alloc(new_size, align);
    if (old_ptr)
        copy_bytes(p, old_ptr, old_size);
    return p;
}

static uint32_t ret_area[2];

static uint32_t *return_string(const void *ptr, size_t len) {
    ret_area[0] = (uint32_t)(uintptr_t)ptr;
    ret_area[1] = (uint32_t)len;
    return ret_area;
}

#define LIT(s) (const unsigned char *)(s), sizeof(s) - 1

EXPORT("run")
uint32_t *run(uint32_t is_some, const unsigned char *name, size_t name_len) {
    static const char prefix[] = "guest2 run() called: hello, ";
    static const char fallback[] = "world";
    if (!is_some) {
        name = (const unsigned char *)fallback;
        name_len = sizeof fallback - 1;
    }
    size_t n = sizeof prefix - 1;
    size_t total = n + name_len + 1;
    unsigned char *out = bump_alloc(total, 1);
    copy_bytes(out, LIT(prefix));
    copy_bytes(out + n, name, name_len);
    out[n + name_len] = '!';
    return return_string(out, total);
}

EXPORT("describe")
uint32_t *describe(void) {
    static const char text[] = "guest2 has an extra `describe` export";
    return return_string(text, sizeof text - 1);
}

EXPORT("cabi_post_run")
void cabi_post_run(uint32_t *ret) {
    (void)ret;
    heap_next = 0;
}

EXPORT("cabi_post_describe")
void cabi_post_describe(uint32_t *ret) {
    (void)ret;
    heap_next = 0;
}
