/*
 * platform.c - the platform hooks (platform.h) for Linux and other POSIX
 * systems.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "weft/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#endif

void *weft_platform_realloc(void *ud, void *ptr, size_t old_size,
                            size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t weft_platform_monotonic_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

uint64_t weft_platform_realtime_ns(void)
{
    return clock_ns(CLOCK_REALTIME);
}

/* Reads len bytes from /dev/urandom. */
static int urandom_fill(unsigned char *p, size_t len)
{
    int fd;
    do {
        fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int weft_platform_random(void *buf, size_t len)
{
    unsigned char *p = buf;
#if defined(__linux__)
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOSYS)
                return urandom_fill(p, len);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
#else
    return urandom_fill(p, len);
#endif
}

long weft_platform_write(int stream, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t done = 0;
    if (stream != 1 && stream != 2)
        return -1;
    while (done < len) {
        ssize_t n = write(stream, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return done > 0 ? (long)done : -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (long)done;
}

long weft_platform_read(int stream, void *buf, size_t len)
{
    if (stream != 0)
        return -1;
    for (;;) {
        ssize_t n = read(0, buf, len);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return -1;
    }
}
