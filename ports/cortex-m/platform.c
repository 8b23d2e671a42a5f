/*
 * platform.c - weft's platform hooks (weft/platform.h) on the Cortex-M33
 * board: a first-fit allocator over a fixed arena, the millisecond clock,
 * and the UART as the standard streams.
 *
 * The allocator keeps no header per block: weft passes the size a block was
 * allocated with back to realloc and free, so only free blocks carry a
 * {size, next} node, in address order, merged with their neighbours.
 */
#include <string.h>

#include "board.h"
#include "fw_platform.h"
#include "weft/platform.h"

#ifndef WEFT_FW_ARENA_BYTES
#define WEFT_FW_ARENA_BYTES (8u * 1024u)
#endif

typedef struct free_block {
    size_t size;
    struct free_block *next;
} free_block;

/* Every block is a multiple of a free node's size (8 bytes on the target),
 * so whatever is left over can always hold a node. */
#define ALIGN sizeof(free_block)

static _Alignas(16) unsigned char arena[WEFT_FW_ARENA_BYTES];
static free_block *free_list;
static int arena_ready;
static size_t in_use, in_use_peak, top_peak;

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1u) & ~(size_t)(ALIGN - 1u);
}

static void arena_init(void)
{
    free_list = (free_block *)(void *)arena;
    free_list->size = sizeof arena;
    free_list->next = NULL;
    arena_ready = 1;
}

static void note_top(unsigned char *end)
{
    size_t top = (size_t)(end - arena);
    if (top > top_peak)
        top_peak = top;
}

static void *block_alloc(size_t size)
{
    free_block **link = &free_list;
    for (free_block *b = free_list; b; link = &b->next, b = b->next) {
        if (b->size < size)
            continue;
        if (b->size > size) {
            free_block *rest = (free_block *)(void *)((unsigned char *)b + size);
            rest->size = b->size - size;
            rest->next = b->next;
            *link = rest;
        } else {
            *link = b->next;
        }
        in_use += size;
        if (in_use > in_use_peak)
            in_use_peak = in_use;
        note_top((unsigned char *)b + size);
        return b;
    }
    return NULL;
}

static void block_free(void *ptr, size_t size)
{
    unsigned char *p = ptr;
    in_use -= size;
    free_block *prev = NULL, *next = free_list;
    while (next && (unsigned char *)next < p) {
        prev = next;
        next = next->next;
    }
    free_block *b = (free_block *)(void *)p;
    b->size = size;
    b->next = next;
    if (next && p + size == (unsigned char *)next) {
        b->size += next->size;
        b->next = next->next;
    }
    if (prev && (unsigned char *)prev + prev->size == p) {
        prev->size += b->size;
        prev->next = b->next;
    } else if (prev) {
        prev->next = b;
    } else {
        free_list = b;
    }
}

/* Grows the block at p (old bytes) to want bytes in place, if the free
 * block right after it is large enough. */
static int block_extend(unsigned char *p, size_t old, size_t want)
{
    free_block **link = &free_list;
    for (free_block *b = free_list; b; link = &b->next, b = b->next) {
        if ((unsigned char *)b != p + old)
            continue;
        size_t need = want - old;
        if (b->size < need)
            return 0;
        if (b->size > need) {
            free_block *rest = (free_block *)(void *)((unsigned char *)b + need);
            rest->size = b->size - need;
            rest->next = b->next;
            *link = rest;
        } else {
            *link = b->next;
        }
        in_use += need;
        if (in_use > in_use_peak)
            in_use_peak = in_use;
        note_top(p + old + need);
        return 1;
    }
    return 0;
}

void *weft_platform_realloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    if (!arena_ready)
        arena_init();
    size_t old = round_up(old_size ? old_size : 1);
    if (new_size == 0) {
        if (ptr)
            block_free(ptr, old);
        return NULL;
    }
    size_t want = round_up(new_size);
    if (!ptr)
        return block_alloc(want);
    if (want <= old) {
        if (want < old)
            block_free((unsigned char *)ptr + want, old - want);
        return ptr;
    }
    if (block_extend(ptr, old, want))
        return ptr;
    void *n = block_alloc(want);
    if (!n)
        return NULL;
    memcpy(n, ptr, old_size);
    block_free(ptr, old);
    return n;
}

void fw_heap_stats(size_t *arena_bytes, size_t *high_water, size_t *peak_in_use)
{
    *arena_bytes = sizeof arena;
    *high_water = top_peak;
    *peak_in_use = in_use_peak;
}

uint64_t weft_platform_monotonic_ns(void)
{
    return (uint64_t)board_millis() * 1000000u;
}

uint64_t weft_platform_realtime_ns(void)
{
    return (uint64_t)board_millis() * 1000000u;
}

int weft_platform_random(void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return -1; /* the board has no entropy source */
}

long weft_platform_write(int stream, const void *buf, size_t len)
{
    if (stream != 1 && stream != 2)
        return -1;
    board_uart_write(buf, len);
    return (long)len;
}

long weft_platform_read(int stream, void *buf, size_t len)
{
    if (stream != 0)
        return -1;
    if (len == 0)
        return 0;
    *(unsigned char *)buf = (unsigned char)board_uart_getc();
    return 1;
}
