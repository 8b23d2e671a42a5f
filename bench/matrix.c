/* Integer matrix arithmetic: blocked and naive multiply of 32-bit matrices,
 * 64-bit accumulation, transpose, and repeated squaring modulo a prime.
 * Usage: matrix [REPS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 96
#define P 1000003u

static uint32_t A[N][N], B[N][N], C[N][N], T[N][N];
static uint64_t W[N][N];

static void mul_naive(uint32_t c[N][N], uint32_t a[N][N], uint32_t b[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            uint32_t s = 0;
            for (int k = 0; k < N; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
}

/* Multiply against a transposed right-hand side (row-by-row dot products). */
static void mul_transposed(uint32_t c[N][N], uint32_t a[N][N], uint32_t b[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            T[j][i] = b[i][j];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            uint32_t s0 = 0, s1 = 0;
            for (int k = 0; k < N; k += 2) {
                s0 += a[i][k] * T[j][k];
                s1 += a[i][k + 1] * T[j][k + 1];
            }
            c[i][j] = s0 ^ s1;
        }
}

/* 64-bit products reduced modulo P: c = a*b mod P. */
static void mul_mod(uint32_t c[N][N], uint32_t a[N][N], uint32_t b[N][N])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            W[i][j] = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < N; k++) {
            uint64_t aik = a[i][k] % P;
            for (int j = 0; j < N; j++)
                W[i][j] += aik * (b[k][j] % P);
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            c[i][j] = (uint32_t)(W[i][j] % P);
}

static uint64_t fold(uint32_t m[N][N])
{
    uint64_t h = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            h = (h ^ m[i][j]) * 0x100000001b3ull;
    return h;
}

int main(int argc, char **argv)
{
    uint32_t reps = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 40;
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            seed = seed * 1103515245u + 12345u;
            A[i][j] = seed >> 8;
            seed = seed * 1103515245u + 12345u;
            B[i][j] = (seed >> 12) & 0xffff;
        }
    uint64_t sum = 0;
    for (uint32_t r = 0; r < reps; r++) {
        mul_naive(C, A, B);
        sum = sum * 31 + fold(C);
        mul_transposed(A, C, B);
        sum = sum * 31 + fold(A);
        mul_mod(B, A, C);
        sum = sum * 31 + fold(B);
        /* Keep the values bounded and varied for the next round. */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                A[i][j] = (A[i][j] >> 3) ^ (uint32_t)(i * N + j + r);
                B[i][j] = (B[i][j] & 0xffff) + 1;
            }
    }
    printf("checksum: %016llx\n", (unsigned long long)sum);
    return 0;
}
