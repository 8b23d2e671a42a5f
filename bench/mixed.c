/* A mixed program in the spirit of CoreMark: each iteration runs linked-list
 * processing (find, reverse, merge sort), small-matrix arithmetic and a
 * number-recognizing state machine over a string buffer, folding every
 * result into CRC16 and CRC32.
 * Usage: mixed [ITERATIONS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- CRC ---- */

static uint16_t crc16_byte(uint8_t b, uint16_t crc)
{
    /* CRC-16/CCITT, bitwise */
    crc ^= (uint16_t)b << 8;
    for (int i = 0; i < 8; i++)
        crc = crc & 0x8000 ? (uint16_t)(crc << 1) ^ 0x1021 : (uint16_t)(crc << 1);
    return crc;
}

static uint16_t crc16_u32(uint32_t v, uint16_t crc)
{
    for (int i = 0; i < 4; i++)
        crc = crc16_byte((uint8_t)(v >> (8 * i)), crc);
    return crc;
}

static uint32_t crc32_table[256];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc32_table[i] = c;
    }
}

static uint32_t crc32_buf(const void *p, size_t n, uint32_t crc)
{
    const uint8_t *b = p;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc32_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---- linked list ---- */

typedef struct node {
    struct node *next;
    int16_t data;
    uint16_t idx;
} node;

#define LIST_LEN 600

static node pool[LIST_LEN];

static node *list_build(uint16_t seed)
{
    node *head = NULL;
    for (int i = LIST_LEN - 1; i >= 0; i--) {
        pool[i].idx = (uint16_t)i;
        pool[i].data = (int16_t)((i * 7 + seed) ^ (seed >> 3)) & 0x7fff;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static node *list_reverse(node *l)
{
    node *prev = NULL;
    while (l) {
        node *n = l->next;
        l->next = prev;
        prev = l;
        l = n;
    }
    return prev;
}

static node *list_find(node *l, int16_t data)
{
    while (l && l->data != data)
        l = l->next;
    return l;
}

static int cmp_data(const node *a, const node *b)
{
    /* Compare on a value that scrambles the data a little. */
    int16_t x = (int16_t)(a->data ^ (a->data >> 4)), y = (int16_t)(b->data ^ (b->data >> 4));
    return x - y;
}

static int cmp_idx(const node *a, const node *b) { return (int)a->idx - (int)b->idx; }

/* Bottom-up merge sort of a singly linked list. */
static node *list_sort(node *list, int (*cmp)(const node *, const node *))
{
    if (!list)
        return NULL;
    for (int insize = 1;; insize *= 2) {
        node *p = list, *tail = NULL;
        list = NULL;
        int merges = 0;
        while (p) {
            merges++;
            node *q = p;
            int psize = 0;
            for (int i = 0; i < insize && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = insize;
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) {
                    e = q; q = q->next; qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p; p = p->next; psize--;
                } else {
                    e = q; q = q->next; qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = NULL;
        if (merges <= 1)
            return list;
    }
}

static uint16_t bench_list(uint16_t seed, uint16_t crc)
{
    node *l = list_build(seed);
    for (int i = 0; i < 40; i++) {
        node *f = list_find(l, (int16_t)((i * 97 + seed) & 0x7fff));
        crc = crc16_u32(f ? f->idx : 0xffffu, crc);
        if (i % 8 == 0)
            l = list_reverse(l);
    }
    l = list_sort(l, cmp_data);
    for (node *n = l; n; n = n->next)
        crc = crc16_u32((uint32_t)(uint16_t)n->data, crc);
    l = list_sort(l, cmp_idx);
    uint32_t k = 0;
    for (node *n = l; n; n = n->next)
        k = k * 3 + n->idx;
    return crc16_u32(k, crc);
}

/* ---- matrix ---- */

#define MN 24

static int16_t ma[MN * MN], mb[MN * MN];
static int32_t mc[MN * MN];

static uint16_t bench_matrix(uint16_t seed, uint16_t crc)
{
    for (int i = 0; i < MN * MN; i++) {
        ma[i] = (int16_t)((i * seed) % 255 - 127);
        mb[i] = (int16_t)((i + seed) % 31 - 15);
    }
    int16_t val = (int16_t)(seed & 0xff) | 1;
    for (int i = 0; i < MN * MN; i++)
        ma[i] = (int16_t)(ma[i] + val);
    for (int i = 0; i < MN * MN; i++)
        mc[i] = (int32_t)ma[i] * val;
    uint32_t s = 0;
    for (int i = 0; i < MN * MN; i++)
        s += (uint32_t)mc[i];
    crc = crc16_u32(s, crc);
    /* matrix times vector */
    for (int i = 0; i < MN; i++) {
        int32_t acc = 0;
        for (int j = 0; j < MN; j++)
            acc += ma[i * MN + j] * mb[j];
        mc[i] = acc;
    }
    for (int i = 0; i < MN; i++)
        crc = crc16_u32((uint32_t)mc[i], crc);
    /* matrix times matrix, then with bit extraction */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MN; k++)
                acc += ma[i * MN + k] * mb[k * MN + j];
            mc[i * MN + j] = acc;
        }
    s = 0;
    for (int i = 0; i < MN * MN; i++)
        s = s * 7 + (uint32_t)mc[i];
    crc = crc16_u32(s, crc);
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t acc = 0;
            for (int k = 0; k < MN; k++) {
                int32_t t = ma[i * MN + k] * mb[k * MN + j];
                acc += (int32_t)(((uint32_t)t >> 2) & 0xf) * (int32_t)(((uint32_t)t >> 5) & 0x7f);
            }
            mc[i * MN + j] = acc;
        }
    s = 0;
    for (int i = 0; i < MN * MN; i++)
        s = s * 5 + (uint32_t)mc[i];
    return crc16_u32(s, crc);
}

/* ---- state machine ---- */

enum { ST_START, ST_INT, ST_SIGN, ST_FLOAT, ST_EXP, ST_EXP_SIGN, ST_SCI, ST_HEX0, ST_HEX,
       ST_INVALID, ST_COUNT };

static int next_state(int st, char c)
{
    int digit = c >= '0' && c <= '9';
    switch (st) {
    case ST_START:
        if (c == '0')
            return ST_HEX0;
        if (digit)
            return ST_INT;
        if (c == '+' || c == '-')
            return ST_SIGN;
        if (c == '.')
            return ST_FLOAT;
        return ST_INVALID;
    case ST_SIGN:
        return digit ? ST_INT : c == '.' ? ST_FLOAT : ST_INVALID;
    case ST_HEX0:
        if (c == 'x')
            return ST_HEX;
        if (digit)
            return ST_INT;
        return c == '.' ? ST_FLOAT : ST_INVALID;
    case ST_HEX:
        return digit || (c >= 'a' && c <= 'f') ? ST_HEX : ST_INVALID;
    case ST_INT:
        if (digit)
            return ST_INT;
        if (c == '.')
            return ST_FLOAT;
        return c == 'e' || c == 'E' ? ST_EXP : ST_INVALID;
    case ST_FLOAT:
        if (digit)
            return ST_FLOAT;
        return c == 'e' || c == 'E' ? ST_EXP : ST_INVALID;
    case ST_EXP:
        if (c == '+' || c == '-')
            return ST_EXP_SIGN;
        return digit ? ST_SCI : ST_INVALID;
    case ST_EXP_SIGN:
    case ST_SCI:
        return digit ? ST_SCI : ST_INVALID;
    default:
        return ST_INVALID;
    }
}

#define TEXT_LEN 4096

static char text[TEXT_LEN];

static const char *const words[] = {"5012", "1234", "-874", "+122", "35.54", ".1234", "-110.700",
                                    "+0.64400", "5.500e+3", "-.123e-2", "-87e+832", "+0.6e-12",
                                    "0x1f3a", "0xbeef", "T0.3e-1F", "-T.T++Tq", "1T3.4e4z",
                                    "34.0e-T^", "0", "0.5"};

static void build_text(void)
{
    size_t n = 0, w = 0;
    while (n + 12 < TEXT_LEN) {
        const char *s = words[w++ % (sizeof words / sizeof words[0])];
        size_t l = strlen(s);
        memcpy(text + n, s, l);
        n += l;
        text[n++] = ',';
    }
    text[n] = 0;
}

static uint16_t scan(uint32_t counts[ST_COUNT], uint32_t transitions[ST_COUNT])
{
    int st = ST_START;
    uint16_t crc = 0;
    for (const char *p = text; *p; p++) {
        if (*p == ',') {
            counts[st]++;
            crc = crc16_byte((uint8_t)st, crc);
            st = ST_START;
            continue;
        }
        int ns = next_state(st, *p);
        if (ns != st)
            transitions[ns]++;
        st = ns;
    }
    return crc;
}

static uint16_t bench_state(uint16_t seed, uint16_t crc)
{
    uint32_t counts[ST_COUNT] = {0}, transitions[ST_COUNT] = {0};
    crc ^= scan(counts, transitions);
    /* Corrupt every stride-th character, scan again, then undo. */
    size_t len = strlen(text), stride = (seed & 0x1f) + 3;
    for (size_t i = 0; i < len; i += stride)
        text[i] ^= (char)(seed & 0x7);
    crc ^= scan(counts, transitions);
    for (size_t i = 0; i < len; i += stride)
        text[i] ^= (char)(seed & 0x7);
    for (int i = 0; i < ST_COUNT; i++) {
        crc = crc16_u32(counts[i], crc);
        crc = crc16_u32(transitions[i], crc);
    }
    return crc;
}

int main(int argc, char **argv)
{
    uint32_t iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 800;
    crc32_init();
    build_text();
    uint16_t seed = 0x3415, crc = 0;
    uint32_t crc32 = 0;
    for (uint32_t it = 0; it < iters; it++) {
        uint16_t lc = bench_list(seed, 0);
        uint16_t mc16 = bench_matrix(seed, lc);
        uint16_t sc = bench_state(seed, mc16);
        crc = crc16_u32(lc, crc);
        crc = crc16_u32(mc16, crc);
        crc = crc16_u32(sc, crc);
        uint16_t r[3] = {lc, mc16, sc};
        crc32 = crc32_buf(r, sizeof r, crc32);
        crc32 = crc32_buf(mc, sizeof mc, crc32);
        seed = (uint16_t)(seed * 75 + 74 + crc);
    }
    printf("crc16: %04x crc32: %08x\n", crc, crc32);
    printf("checksum: %04x%08x\n", crc, crc32);
    return 0;
}
