/* A WASI preview1 program: greets, lists its arguments and environment
 * variable WEFT_DEMO, and prints the first primes. Built with clang-19
 * --target=wasm32-wasi and run by `build/weft run`. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int is_prime(int n)
{
    if (n < 2)
        return 0;
    for (int d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    printf("hello from a WebAssembly module running in weft\n");
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = %s\n", i, argv[i]);
    const char *demo = getenv("WEFT_DEMO");
    printf("WEFT_DEMO = %s\n", demo ? demo : "(unset)");
    printf("primes:");
    int found = 0;
    for (int n = 2; found < 10; n++)
        if (is_prime(n)) {
            printf(" %d", n);
            found++;
        }
    printf("\n");
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("monotonic clock is running: %s\n", ts.tv_sec > 0 || ts.tv_nsec > 0 ? "yes" : "no");
    return 0;
}
