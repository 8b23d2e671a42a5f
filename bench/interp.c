/* A small stack-machine bytecode interpreter (switch dispatch, calls with
 * local frames) running a sieve, Collatz lengths and recursive fib, plus a
 * branchy lexer state machine over generated source text.
 * Usage: interp [REPS] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OP_HALT, OP_PUSH, OP_GET, OP_SET, OP_TEE, OP_DROP, OP_DUP,
    OP_ADD, OP_SUB, OP_MUL, OP_DIVU, OP_REMU, OP_AND, OP_OR, OP_XOR,
    OP_SHL, OP_SHRU, OP_LTU, OP_EQ, OP_NOT,
    OP_JMP, OP_JZ, OP_JNZ, OP_LOADM, OP_STOREM, OP_CALL, OP_RET,
};

#define NLOCALS 8
#define STACK_MAX 256
#define FRAMES_MAX 256
#define MEM_WORDS 65536

static uint32_t vm_mem[MEM_WORDS];

typedef struct {
    int32_t ret_pc;
    uint32_t locals[NLOCALS];
} frame;

static frame frames[FRAMES_MAX];

/* Run code from pc 0 with arg in local 0; returns the value left on top of
 * the stack at HALT, or 0xdeadxxxx on a VM fault. */
static uint32_t vm_run(const int32_t *code, uint32_t arg)
{
    uint32_t stack[STACK_MAX];
    int sp = 0, fp = 0;
    int32_t pc = 0;
    memset(&frames[0], 0, sizeof frames[0]);
    frames[0].locals[0] = arg;
    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case OP_HALT:
            return sp > 0 ? stack[sp - 1] : 0;
        case OP_PUSH:
            stack[sp++] = (uint32_t)code[pc++];
            break;
        case OP_GET:
            stack[sp++] = frames[fp].locals[code[pc++]];
            break;
        case OP_SET:
            frames[fp].locals[code[pc++]] = stack[--sp];
            break;
        case OP_TEE:
            frames[fp].locals[code[pc++]] = stack[sp - 1];
            break;
        case OP_DROP:
            sp--;
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
#define BIN(name, expr)                                                        \
    case name: {                                                               \
        uint32_t b = stack[--sp], a = stack[sp - 1];                           \
        stack[sp - 1] = (expr);                                                \
        break;                                                                 \
    }
        BIN(OP_ADD, a + b)
        BIN(OP_SUB, a - b)
        BIN(OP_MUL, a * b)
        BIN(OP_DIVU, b ? a / b : 0)
        BIN(OP_REMU, b ? a % b : 0)
        BIN(OP_AND, a & b)
        BIN(OP_OR, a | b)
        BIN(OP_XOR, a ^ b)
        BIN(OP_SHL, a << (b & 31))
        BIN(OP_SHRU, a >> (b & 31))
        BIN(OP_LTU, a < b)
        BIN(OP_EQ, a == b)
#undef BIN
        case OP_NOT:
            stack[sp - 1] = !stack[sp - 1];
            break;
        case OP_JMP:
            pc = code[pc];
            break;
        case OP_JZ:
            pc = stack[--sp] ? pc + 1 : code[pc];
            break;
        case OP_JNZ:
            pc = stack[--sp] ? code[pc] : pc + 1;
            break;
        case OP_LOADM:
            stack[sp - 1] = vm_mem[stack[sp - 1] % MEM_WORDS];
            break;
        case OP_STOREM: {
            uint32_t v = stack[--sp], a = stack[--sp];
            vm_mem[a % MEM_WORDS] = v;
            break;
        }
        case OP_CALL: /* CALL target: pops one argument into the callee's local 0 */
            if (fp + 1 >= FRAMES_MAX)
                return 0xdead0001u;
            fp++;
            frames[fp].ret_pc = pc + 1;
            frames[fp].locals[0] = stack[--sp];
            pc = code[pc];
            break;
        case OP_RET:
            pc = frames[fp].ret_pc;
            fp--;
            break;
        default:
            return 0xdead0000u | (uint32_t)op;
        }
        if (sp < 0 || sp >= STACK_MAX - 2)
            return 0xdead0002u;
    }
}

/* A tiny assembler with forward labels. */
typedef struct {
    int32_t code[512];
    int n;
    int32_t label_at[32];
    int32_t fix_pos[64], fix_label[64];
    int nfix;
} asm_t;

static void emit(asm_t *a, int32_t v) { a->code[a->n++] = v; }
static void emit2(asm_t *a, int32_t op, int32_t v) { emit(a, op); emit(a, v); }
static void label(asm_t *a, int l) { a->label_at[l] = a->n; }
static void jump(asm_t *a, int32_t op, int l)
{
    emit(a, op);
    a->fix_pos[a->nfix] = a->n;
    a->fix_label[a->nfix++] = l;
    emit(a, 0);
}
static void link_labels(asm_t *a)
{
    for (int i = 0; i < a->nfix; i++)
        a->code[a->fix_pos[i]] = a->label_at[a->fix_label[i]];
}

/* Count primes below local0 with a sieve in vm memory. */
static void build_sieve(asm_t *a)
{
    /* l1 = i, l2 = j, l3 = count */
    emit2(a, OP_PUSH, 2); emit2(a, OP_SET, 1);
    label(a, 0); /* clear loop */
    emit2(a, OP_GET, 1); emit2(a, OP_GET, 0); emit(a, OP_LTU); jump(a, OP_JZ, 1);
    emit2(a, OP_GET, 1); emit2(a, OP_PUSH, 1); emit(a, OP_STOREM);
    emit2(a, OP_GET, 1); emit2(a, OP_PUSH, 1); emit(a, OP_ADD); emit2(a, OP_SET, 1);
    jump(a, OP_JMP, 0);
    label(a, 1);
    emit2(a, OP_PUSH, 2); emit2(a, OP_SET, 1);
    emit2(a, OP_PUSH, 0); emit2(a, OP_SET, 3);
    label(a, 2); /* outer */
    emit2(a, OP_GET, 1); emit2(a, OP_GET, 0); emit(a, OP_LTU); jump(a, OP_JZ, 5);
    emit2(a, OP_GET, 1); emit(a, OP_LOADM); jump(a, OP_JZ, 4);
    emit2(a, OP_GET, 3); emit2(a, OP_PUSH, 1); emit(a, OP_ADD); emit2(a, OP_SET, 3);
    emit2(a, OP_GET, 1); emit(a, OP_DUP); emit(a, OP_MUL); emit2(a, OP_SET, 2);
    label(a, 3); /* inner: mark multiples */
    emit2(a, OP_GET, 2); emit2(a, OP_GET, 0); emit(a, OP_LTU); jump(a, OP_JZ, 4);
    emit2(a, OP_GET, 2); emit2(a, OP_PUSH, 0); emit(a, OP_STOREM);
    emit2(a, OP_GET, 2); emit2(a, OP_GET, 1); emit(a, OP_ADD); emit2(a, OP_SET, 2);
    jump(a, OP_JMP, 3);
    label(a, 4);
    emit2(a, OP_GET, 1); emit2(a, OP_PUSH, 1); emit(a, OP_ADD); emit2(a, OP_SET, 1);
    jump(a, OP_JMP, 2);
    label(a, 5);
    emit2(a, OP_GET, 3); emit(a, OP_HALT);
    link_labels(a);
}

/* Sum of Collatz sequence lengths for 1..local0. */
static void build_collatz(asm_t *a)
{
    /* l1 = n, l2 = x, l3 = total */
    emit2(a, OP_PUSH, 1); emit2(a, OP_SET, 1);
    emit2(a, OP_PUSH, 0); emit2(a, OP_SET, 3);
    label(a, 0);
    emit2(a, OP_GET, 1); emit2(a, OP_GET, 0); emit(a, OP_LTU); jump(a, OP_JZ, 4);
    emit2(a, OP_GET, 1); emit2(a, OP_SET, 2);
    label(a, 1);
    emit2(a, OP_GET, 2); emit2(a, OP_PUSH, 1); emit(a, OP_EQ); jump(a, OP_JNZ, 3);
    emit2(a, OP_GET, 3); emit2(a, OP_PUSH, 1); emit(a, OP_ADD); emit2(a, OP_SET, 3);
    emit2(a, OP_GET, 2); emit2(a, OP_PUSH, 1); emit(a, OP_AND); jump(a, OP_JNZ, 2);
    emit2(a, OP_GET, 2); emit2(a, OP_PUSH, 1); emit(a, OP_SHRU); emit2(a, OP_SET, 2);
    jump(a, OP_JMP, 1);
    label(a, 2);
    emit2(a, OP_GET, 2); emit2(a, OP_PUSH, 3); emit(a, OP_MUL); emit2(a, OP_PUSH, 1);
    emit(a, OP_ADD); emit2(a, OP_SET, 2);
    jump(a, OP_JMP, 1);
    label(a, 3);
    emit2(a, OP_GET, 1); emit2(a, OP_PUSH, 1); emit(a, OP_ADD); emit2(a, OP_SET, 1);
    jump(a, OP_JMP, 0);
    label(a, 4);
    emit2(a, OP_GET, 3); emit(a, OP_HALT);
    link_labels(a);
}

/* Recursive fib(local0) through CALL/RET. */
static void build_fib(asm_t *a)
{
    emit2(a, OP_GET, 0); jump(a, OP_CALL, 0); emit(a, OP_HALT);
    label(a, 0); /* fib: local0 = n, result pushed */
    emit2(a, OP_GET, 0); emit2(a, OP_PUSH, 2); emit(a, OP_LTU); jump(a, OP_JZ, 1);
    emit2(a, OP_GET, 0); emit(a, OP_RET);
    label(a, 1);
    emit2(a, OP_GET, 0); emit2(a, OP_PUSH, 1); emit(a, OP_SUB); jump(a, OP_CALL, 0);
    emit2(a, OP_GET, 0); emit2(a, OP_PUSH, 2); emit(a, OP_SUB); jump(a, OP_CALL, 0);
    emit(a, OP_ADD); emit(a, OP_RET);
    link_labels(a);
}

/* Lexer state machine: classifies identifiers, numbers (with hex and
 * fractions), strings with escapes, comments and operators. */
enum { S_START, S_IDENT, S_NUM, S_HEX, S_FRAC, S_STR, S_STR_ESC, S_SLASH, S_LINE_COMMENT,
       S_BLOCK_COMMENT, S_BLOCK_STAR };

static uint32_t lex(const char *s, size_t n, uint32_t counts[8])
{
    int st = S_START;
    uint32_t h = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : ' ';
        int again;
        do {
            again = 0;
            switch (st) {
            case S_START:
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
                    st = S_IDENT;
                else if (c == '0' && i + 1 < n && s[i + 1] == 'x') {
                    st = S_HEX;
                    i++;
                } else if (c >= '0' && c <= '9')
                    st = S_NUM;
                else if (c == '"')
                    st = S_STR;
                else if (c == '/')
                    st = S_SLASH;
                else if (c == ' ' || c == '\n' || c == '\t')
                    ;
                else {
                    counts[6]++;
                    h = h * 33 + (uint8_t)c;
                }
                break;
            case S_IDENT:
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                      (c >= '0' && c <= '9'))) {
                    counts[0]++;
                    st = S_START;
                    again = 1;
                } else
                    h = h * 31 + (uint8_t)c;
                break;
            case S_NUM:
                if (c == '.')
                    st = S_FRAC;
                else if (!(c >= '0' && c <= '9')) {
                    counts[1]++;
                    st = S_START;
                    again = 1;
                } else
                    h = h * 10 + (uint32_t)(c - '0');
                break;
            case S_FRAC:
                if (!(c >= '0' && c <= '9')) {
                    counts[2]++;
                    st = S_START;
                    again = 1;
                }
                break;
            case S_HEX:
                if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                    h = h * 16 + (uint8_t)c;
                else {
                    counts[1]++;
                    st = S_START;
                    again = 1;
                }
                break;
            case S_STR:
                if (c == '\\')
                    st = S_STR_ESC;
                else if (c == '"') {
                    counts[3]++;
                    st = S_START;
                }
                break;
            case S_STR_ESC:
                st = S_STR;
                break;
            case S_SLASH:
                if (c == '/')
                    st = S_LINE_COMMENT;
                else if (c == '*')
                    st = S_BLOCK_COMMENT;
                else {
                    counts[6]++;
                    st = S_START;
                    again = 1;
                }
                break;
            case S_LINE_COMMENT:
                if (c == '\n') {
                    counts[4]++;
                    st = S_START;
                }
                break;
            case S_BLOCK_COMMENT:
                if (c == '*')
                    st = S_BLOCK_STAR;
                break;
            case S_BLOCK_STAR:
                if (c == '/') {
                    counts[5]++;
                    st = S_START;
                } else if (c != '*')
                    st = S_BLOCK_COMMENT;
                break;
            }
        } while (again);
    }
    return h;
}

static const char *const fragments[] = {
    "int x = 42;\n", "foo_bar(0x1f, 3.25) ", "\"str\\\"ing\" ", "// comment line\n",
    "/* block ** comment */", "a+b*c-d/e ", "while (i < 10) { i++; }\n", "return y_2;\n",
    "0xdeadbeef ", "3.14159 ", "\"\" ", "q/r ",
};

int main(int argc, char **argv)
{
    uint32_t reps = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 3;
    asm_t sieve = {0}, collatz = {0}, fib = {0};
    build_sieve(&sieve);
    build_collatz(&collatz);
    build_fib(&fib);

    size_t text_len = 0, cap = 1 << 18;
    char *text = malloc(cap);
    uint32_t seed = 7;
    while (text_len + 64 < cap) {
        seed = seed * 1664525u + 1013904223u;
        const char *f = fragments[(seed >> 16) % (sizeof fragments / sizeof fragments[0])];
        size_t l = strlen(f);
        memcpy(text + text_len, f, l);
        text_len += l;
    }

    uint64_t sum = 0;
    for (uint32_t r = 0; r < reps; r++) {
        sum = sum * 31 + vm_run(sieve.code, 60000 + r);
        sum = sum * 31 + vm_run(collatz.code, 8000 + r);
        sum = sum * 31 + vm_run(fib.code, 20 + (r & 1));
        uint32_t counts[8] = {0};
        for (int k = 0; k < 4; k++)
            sum = sum * 31 + lex(text + k * 7, text_len - k * 7, counts);
        for (int k = 0; k < 8; k++)
            sum = sum * 131 + counts[k];
    }
    free(text);
    printf("checksum: %016llx\n", (unsigned long long)sum);
    return 0;
}
