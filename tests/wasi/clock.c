/* Reads the monotonic clock twice, sleeps, and checks the clocks move
 * forward. */
#include <stdio.h>
#include <time.h>

static long long ns(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
    struct timespec a, b, c, res, wall, nap = {0, 20 * 1000 * 1000};
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0 ||
        clock_gettime(CLOCK_MONOTONIC, &b) != 0) {
        printf("clock_gettime failed\n");
        return 1;
    }
    if (ns(&b) < ns(&a)) {
        printf("monotonic clock went back: %lld then %lld\n", ns(&a), ns(&b));
        return 1;
    }
    if (nanosleep(&nap, NULL) != 0) {
        printf("nanosleep failed\n");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &c);
    if (ns(&c) - ns(&b) < 20 * 1000 * 1000) {
        printf("slept only %lld ns\n", ns(&c) - ns(&b));
        return 1;
    }
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0 || ns(&res) <= 0) {
        printf("bad clock resolution\n");
        return 1;
    }
    /* Realtime is after 2020-01-01. */
    if (clock_gettime(CLOCK_REALTIME, &wall) != 0 || wall.tv_sec < 1577836800) {
        printf("bad realtime clock\n");
        return 1;
    }
    printf("ok\n");
    return 0;
}
