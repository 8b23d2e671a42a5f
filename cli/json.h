/*
 * json.h - a small JSON reader for the weft command-line tools.
 *
 * json_parse builds a tree of malloc'd nodes; json_free releases it. Strings
 * are decoded (escapes, \uXXXX to UTF-8) and kept with their length, since
 * they may contain NUL bytes; they are also NUL-terminated. The lookup
 * helpers accept NULL and wrong-typed nodes and then return NULL/false, so
 * callers can chain them and check once.
 */
#ifndef WEFT_CLI_JSON_H
#define WEFT_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum json_type {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
} json_type;

typedef struct json json;
typedef struct json_member json_member;

struct json {
    json_type type;
    union {
        bool boolean;
        double number;
        struct { char *ptr; size_t len; } string;
        struct { json **items; size_t len; } array;
        struct { json_member *items; size_t len; } object;
    } u;
};

struct json_member {
    char *key;          /* decoded, NUL-terminated */
    size_t key_len;
    json *value;
};

/* Parses len bytes of text. On error returns NULL and writes a message with
 * the line and column into err (capacity errcap, may be 0). */
json *json_parse(const char *text, size_t len, char *err, size_t errcap);
void json_free(json *v);

/* The member named key of an object (the first one if repeated), or NULL. */
const json *json_get(const json *obj, const char *key);
/* The member's string, or NULL if absent or not a string. */
const char *json_get_string(const json *obj, const char *key);
/* The member if it is an array, or NULL. */
const json *json_get_array(const json *obj, const char *key);
/* True if the member is a number holding an integer within +-2^53. */
bool json_get_int(const json *obj, const char *key, long long *out);

size_t json_array_len(const json *arr);         /* 0 if not an array */
const json *json_array_at(const json *arr, size_t i); /* NULL if out of range */

const char *json_type_name(json_type t);

#endif /* WEFT_CLI_JSON_H */
