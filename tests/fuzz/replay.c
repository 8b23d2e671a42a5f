/*
 * replay.c - runs a fuzz target's entry point on files, without libFuzzer:
 * each argument is a file or a directory whose regular files are all fed,
 * in name order. After --images-of, what is fed instead is the image this
 * build writes for each module that loads (so that image seeds exist for
 * the current internal code format; components give component images).
 * With --mutate, each input is also fed with every byte changed in turn
 * (to 0x00, 0xFF, and with its low and high bit flipped): the image target
 * makes the length and checksum right again, so every field of the image
 * meets the loader's own checks. Each input runs in a child process,
 * so that one crash does not hide the rest; the exit status is non-zero
 * if any crashed. Used to replay the seed corpora as tests.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "weft/weft.h"
#include "weft/image.h"
#include "weft/component.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int images_of;    /* feed the images of the modules read */
static int mutate;       /* also feed every single-byte change */
static unsigned crashed;

/* The image of the module in bytes, in an exact-size heap block; NULL if
 * the module does not load. */
static uint8_t *image_of(const uint8_t *bytes, size_t len, size_t *ilen)
{
    weft_engine *e = weft_engine_new(NULL);
    weft_module *m = NULL;
    weft_component *c = NULL;
    uint8_t *img = NULL, *copy = NULL;
    bool ok;
    if (weft_is_component(bytes, len))
        ok = e && weft_component_new(e, bytes, len, &c, NULL) == WEFT_OK &&
             weft_component_serialize(c, &img, ilen, NULL) == WEFT_OK;
    else
        ok = e && weft_module_new(e, bytes, len, &m, NULL) == WEFT_OK &&
             weft_module_serialize(m, &img, ilen, NULL) == WEFT_OK;
    if (ok) {
        copy = malloc(*ilen);
        if (copy)
            memcpy(copy, img, *ilen);
        weft_image_free(e, img, *ilen);
    }
    weft_module_delete(m);
    weft_component_delete(c);
    weft_engine_delete(e);
    return copy;
}

/* Feeds an exact-size copy of data (so that reads past the end are
 * caught), or its image, in a child process. */
static void feed(const char *path, const uint8_t *data, size_t len)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        uint8_t *in = NULL;
        if (images_of) {
            in = image_of(data, len, &len);
            if (!in)
                exit(0);
        } else {
            in = malloc(len ? len : 1);
            if (!in)
                _exit(3);
            if (len)
                memcpy(in, data, len);
        }
        LLVMFuzzerTestOneInput(in, len);
        if (mutate) {
            uint8_t *m = malloc(len ? len : 1);
            if (!m)
                _exit(3);
            for (size_t i = 0; i < len; i++) {
                const uint8_t to[4] = {0x00, 0xFF, (uint8_t)(in[i] ^ 0x01), (uint8_t)(in[i] ^ 0x80)};
                for (int k = 0; k < 4; k++) {
                    if (to[k] == in[i])
                        continue;
                    memcpy(m, in, len);
                    m[i] = to[k];
                    LLVMFuzzerTestOneInput(m, len);
                }
            }
            free(m);
        }
        free(in);
        exit(0);   /* not _exit: LeakSanitizer checks at exit */
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        printf("%s: cannot run a child process\n", path);
        crashed++;
    } else if (WIFSIGNALED(status)) {
        printf("%s: CRASHED (signal %d)\n", path, WTERMSIG(status));
        crashed++;
    } else if (WEXITSTATUS(status) != 0) {
        printf("%s: CRASHED (exit status %d)\n", path, WEXITSTATUS(status));
        crashed++;
    }
}

static int feed_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 0;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *q = realloc(buf, cap *= 2);
            if (!q)
                free(buf);
            buf = q;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "%s: out of memory\n", path);
        return 0;
    }
    printf("%s%s (%zu bytes)\n", images_of ? "image of " : "", path, len);
    feed(path, buf, len);
    free(buf);
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int feed_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **q = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!q)
                break;
            names = q;
        }
        size_t len = strlen(dir) + strlen(ent->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n])
            break;
        snprintf(names[n], len, "%s/%s", dir, ent->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
            *count += (unsigned)feed_file(names[i]);
        free(names[i]);
    }
    free(names);
    return 1;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s [--images-of] [--mutate] FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (strcmp(argv[i], "--images-of") == 0) {
            images_of = 1;
            continue;
        }
        if (strcmp(argv[i], "--mutate") == 0) {
            mutate = 1;
            continue;
        }
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "%s: not found\n", argv[i]);
            return 2;
        }
        if (S_ISDIR(sb.st_mode))
            feed_dir(argv[i], &count);
        else
            count += (unsigned)feed_file(argv[i]);
    }
    printf("%u inputs replayed, %u crashed\n", count, crashed);
    return count && !crashed ? 0 : 1;
}
