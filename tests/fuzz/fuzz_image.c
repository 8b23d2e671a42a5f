/*
 * fuzz_image.c - libFuzzer target for weft_module_from_image and
 * weft_component_from_image.
 *
 * The input is loaded as it is. If that fails and the input is at least a
 * header long, it is loaded again with its length field and checksum made
 * right, so that mutations get past the checksum to the section checks.
 * The fields that identify the build (versions, configuration, opcode
 * hash) are left alone: a seed written by another build is refused by
 * them rather than run as code of another format. A module that loads is
 * instantiated with dummy imports and each exported function is called
 * with zero arguments under fuel. A component image that loads is
 * instantiated without imports (which fails cleanly when it has some).
 */
#include "fuzz_common.h"

#define HDR 64u

/* Reflected CRC-32 (polynomial 0xEDB88320), as the image checksum. */
static uint32_t fuzz_crc(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Makes the length field and the checksum of img right. */
static void fuzz_fix_header(uint8_t *img, size_t len)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    put32(img + 32, (uint32_t)len);
    put32(img + 36, (uint32_t)((uint64_t)len >> 32));
    uint32_t c = fuzz_crc(0, img, 40);
    c = fuzz_crc(c, zero, 4);
    c = fuzz_crc(c, img + 44, len - 44);
    put32(img + 40, c);
}

/* Loads a component image; on success instantiates it. */
static int fuzz_load_component(const uint8_t *img, size_t len)
{
    weft_engine *e = fuzz_engine();
    weft_component *c = NULL;
    weft_error err;
    weft_status s = weft_component_from_image(e, img, len, &c, &err);
    if (s != WEFT_OK) {
        if (c != NULL || err.message[0] == '\0' || err.status != s)
            abort();
        return 0;
    }
    if (!c)
        abort();
    weft_store *st = weft_store_new(e);
    weft_component_linker *l = weft_component_linker_new(e);
    weft_component_instance *inst = NULL;
    if (st && l && weft_component_linker_instantiate(l, st, c, &inst, &err) != WEFT_OK &&
        err.message[0] == '\0')
        abort();
    weft_component_linker_delete(l);
    weft_store_delete(st);
    weft_component_delete(c);
    return 1;
}

/* Loads img; on success runs the module. The image must outlive it. */
static int fuzz_load_and_run(const uint8_t *img, size_t len)
{
    if (weft_image_is_component(img, len))
        return fuzz_load_component(img, len);
    weft_engine *e = fuzz_engine();
    weft_module *m = NULL;
    weft_error err;
    weft_status s = weft_module_from_image(e, img, len, &m, &err);
    if (s != WEFT_OK) {
        /* a refusal has a message and no module */
        if (m != NULL || err.message[0] == '\0' || err.status != s)
            abort();
        return 0;
    }
    if (!m)
        abort();
    static fuzz_run run;
    fuzz_run_module(e, m, &run);
    weft_module_delete(m);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *img = fuzz_copy(data, size);
    int loaded = fuzz_load_and_run(img, size);
    if (!loaded && size >= HDR) {
        fuzz_fix_header(img, size);
        fuzz_load_and_run(img, size);
    }
    free(img);
    return 0;
}
