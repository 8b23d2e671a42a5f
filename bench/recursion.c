/* Call-heavy recursion: fib, Ackermann, Takeuchi, N-queens backtracking and
 * a recursive binary-tree walk. Usage: recursion [REPS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

static uint32_t ack(uint32_t m, uint32_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static int32_t tak(int32_t x, int32_t y, int32_t z)
{
    if (y >= x)
        return z;
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y));
}

/* Count N-queens solutions with bitmasks. */
static uint32_t queens(uint32_t all, uint32_t cols, uint32_t d1, uint32_t d2)
{
    if (cols == all)
        return 1;
    uint32_t count = 0;
    uint32_t free_ = all & ~(cols | d1 | d2);
    while (free_) {
        uint32_t bit = free_ & (0u - free_);
        free_ ^= bit;
        count += queens(all, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1);
    }
    return count;
}

/* Implicit complete binary tree: node i has children 2i+1, 2i+2. */
static uint64_t tree_sum(uint32_t node, uint32_t limit, uint32_t depth)
{
    if (node >= limit)
        return depth;
    uint64_t l = tree_sum(2 * node + 1, limit, depth + 1);
    uint64_t r = tree_sum(2 * node + 2, limit, depth + 1);
    return (l * 31 + r) ^ node;
}

static volatile uint32_t base_arg = 0;

int main(int argc, char **argv)
{
    uint32_t reps = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 80;
    uint64_t sum = 0;
    for (uint32_t r = 0; r < reps; r++) {
        uint32_t b = base_arg + (r & 1);
        sum = sum * 1000003u + fib(27 + b);
        sum = sum * 1000003u + ack(3, 6 + b);
        sum = sum * 1000003u + (uint32_t)tak(18 + (int32_t)b, 12, 6);
        sum = sum * 1000003u + queens((1u << (9 + b)) - 1, 0, 0, 0);
        sum = sum * 1000003u + tree_sum(0, 200000 + b, 0);
    }
    printf("checksum: %016llx\n", (unsigned long long)sum);
    return 0;
}
