/* opcodes.c - `weft opcodes`: the internal instructions that modules or
 * components use once compiled, as a list or as the header a build names
 * with WEFT_OPCODE_SET to keep only those in its interpreter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "component/component.h"
#include "core/module.h"
#include "core/util.h"
#include "weft/component.h"
#include "weft/image.h"

static int usage(void)
{
    fprintf(stderr, "usage: weft opcodes [--header] FILE...\n"
                    "       weft opcodes --hash\n"
                    "  FILE: a module or component (.wasm) or a precompiled image\n");
    return 1;
}

static void mark_module(const weft_module *m, uint8_t *used)
{
    for (uint32_t i = m->nimported_funcs; i < m->nfuncs; i++) {
        const wm_func *f = &m->funcs[i];
        uint32_t at = f->code_off, end = f->code_off + f->code_len;
        while (at < end) {
            uint32_t n = wm_instr_length(m->code, at, end);
            if (!n)
                break;
            used[m->code[at]] = 1;
            at += n;
        }
    }
}

/* Compiles or loads one file and marks the instructions it uses. */
static int mark_file(weft_engine *e, const char *path, uint8_t *used)
{
    size_t len;
    uint8_t *bytes = cli_read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "weft: %s: cannot read: %s\n", path, strerror(errno));
        return 2;
    }
    weft_error err;
    weft_status s;
    weft_module *m = NULL;
    weft_component *c = NULL;
    bool image = weft_is_image(bytes, len);
    if (image ? weft_image_is_component(bytes, len) : weft_is_component(bytes, len))
        s = image ? weft_component_from_image(e, bytes, len, &c, &err)
                  : weft_component_new(e, bytes, len, &c, &err);
    else
        s = image ? weft_module_from_image(e, bytes, len, &m, &err)
                  : weft_module_new(e, bytes, len, &m, &err);
    if (s != WEFT_OK) {
        fprintf(stderr, "weft: %s: %s\n", path, err.message);
        free(bytes);
        return 2;
    }
    if (m)
        mark_module(m, used);
    for (uint32_t i = 0; c && i < c->nmodules; i++)
        mark_module(c->modules[i], used);
    weft_module_delete(m);
    weft_component_delete(c);
    free(bytes);
    return 0;
}

int weft_cli_opcodes(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--hash")) {
        /* the value a build may give as WEFT_CODE_HASH (config.h) */
        printf("0x%08x\n", (unsigned)wm_opcode_hash());
        return 0;
    }
    bool header = false;
    int first = 1;
    if (argc > 1 && !strcmp(argv[1], "--header")) {
        header = true;
        first = 2;
    }
    if (first >= argc)
        return usage();
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-')
            return usage();
    weft_engine *e = weft_engine_new(NULL);
    if (!e) {
        fprintf(stderr, "weft: out of memory\n");
        return 2;
    }
    uint8_t used[OPC_COUNT_];
    memset(used, 0, sizeof used);
    int rc = 0;
    for (int i = first; i < argc && !rc; i++)
        rc = mark_file(e, argv[i], used);
    weft_engine_delete(e);
    if (rc)
        return rc;
    if (header) {
        printf("/* The internal instructions used by");
        for (int i = first; i < argc; i++)
            printf(" %s", argv[i]);
        printf(",\n * written by weft opcodes --header. Name this file with\n"
               " * -DWEFT_OPCODE_SET='\"FILE\"' to build an interpreter with only these. */\n");
    }
    for (unsigned op = 0; op < OPC_COUNT_; op++) {
        if (!used[op])
            continue;
        if (header)
            printf("#define WEFT_OPSET_%s 1\n", wm_opcode_name(op));
        else
            printf("%s\n", wm_opcode_name(op));
    }
    return 0;
}
