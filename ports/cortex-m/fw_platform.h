/* fw_platform.h - what the firmware's allocator reports. */
#ifndef WEFT_FW_PLATFORM_H
#define WEFT_FW_PLATFORM_H

#include <stddef.h>

/* The arena's size, the highest offset ever allocated in it (the RAM the
 * heap really needed) and the peak of bytes allocated at once. */
void fw_heap_stats(size_t *arena_bytes, size_t *high_water, size_t *peak_in_use);

#endif
