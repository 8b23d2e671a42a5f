/* Memory-heavy work: quicksort and mergesort of 32-bit keys, and an
 * open-addressing hash table of strings (insert, update, lookup).
 * Usage: memory [REPS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSORT 200000
#define NKEYS 50000
#define TABLE_SIZE (1u << 17)

static uint32_t rng_state;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void insertion_sort(uint32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        uint32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, int n)
{
    while (n > 16) {
        /* median of three */
        uint32_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint32_t pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint32_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* Recurse into the smaller side, loop on the larger. */
        int left = j + 1;
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion_sort(a, n);
}

static void mergesort_rec(uint32_t *a, uint32_t *tmp, int n)
{
    if (n <= 16) {
        insertion_sort(a, n);
        return;
    }
    int h = n / 2;
    mergesort_rec(a, tmp, h);
    mergesort_rec(a + h, tmp, n - h);
    if (a[h - 1] <= a[h])
        return;
    memcpy(tmp, a, (size_t)h * sizeof *a);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        a[k++] = tmp[i] <= a[j] ? tmp[i++] : a[j++];
    while (i < h)
        a[k++] = tmp[i++];
}

static uint64_t check_sorted(const uint32_t *a, int n)
{
    uint64_t h = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) {
            printf("not sorted at %d\n", i);
            exit(1);
        }
        h = h * 0x100000001b3ull + a[i];
    }
    return h;
}

/* Hash table of strings with linear probing; keys live in an arena. */
typedef struct {
    uint32_t hash;
    uint32_t key_off; /* offset into the arena, 0 = empty */
    uint32_t value;
} entry;

static entry table[TABLE_SIZE];
static char *arena;
static uint32_t arena_used;

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 16777619u;
    return h ^ (h >> 15);
}

static entry *ht_find(const char *key, uint32_t h, int insert)
{
    uint32_t i = h & (TABLE_SIZE - 1);
    for (;;) {
        entry *e = &table[i];
        if (e->key_off == 0) {
            if (!insert)
                return NULL;
            size_t len = strlen(key) + 1;
            memcpy(arena + arena_used, key, len);
            e->key_off = arena_used;
            e->hash = h;
            e->value = 0;
            arena_used += (uint32_t)len;
            return e;
        }
        if (e->hash == h && strcmp(arena + e->key_off, key) == 0)
            return e;
        i = (i + 1) & (TABLE_SIZE - 1);
    }
}

static void make_key(char *buf, uint32_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    int len = 0;
    buf[len++] = 'k';
    buf[len++] = (char)('a' + n % 7);
    do {
        buf[len++] = alphabet[n % 36];
        n /= 36;
    } while (n);
    buf[len] = 0;
}

int main(int argc, char **argv)
{
    uint32_t reps = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 8;
    uint32_t *a = malloc(NSORT * sizeof *a);
    uint32_t *b = malloc(NSORT * sizeof *b);
    uint32_t *tmp = malloc(NSORT * sizeof *tmp);
    arena = malloc(NKEYS * 16 + 16);
    uint64_t sum = 0;
    for (uint32_t r = 0; r < reps; r++) {
        rng_state = 0x9e3779b9u + r;
        for (int i = 0; i < NSORT; i++) {
            a[i] = rng();
            b[i] = i % 3 ? a[i] : a[i] % 1000; /* some duplicates */
        }
        quicksort(a, NSORT);
        sum = sum * 31 + check_sorted(a, NSORT);
        mergesort_rec(b, tmp, NSORT);
        sum = sum * 31 + check_sorted(b, NSORT);

        memset(table, 0, sizeof table);
        arena_used = 1;
        char key[32];
        for (uint32_t i = 0; i < NKEYS; i++) {
            uint32_t n = rng() % (NKEYS * 2);
            make_key(key, n);
            entry *e = ht_find(key, str_hash(key), 1);
            e->value += i;
        }
        uint32_t hits = 0, acc = 0;
        for (uint32_t i = 0; i < NKEYS * 2; i++) {
            make_key(key, i);
            entry *e = ht_find(key, str_hash(key), 0);
            if (e) {
                hits++;
                acc = acc * 33 + e->value;
            }
        }
        sum = sum * 31 + hits;
        sum = sum * 31 + acc + arena_used;
    }
    free(a);
    free(b);
    free(tmp);
    free(arena);
    printf("checksum: %016llx\n", (unsigned long long)sum);
    return 0;
}
