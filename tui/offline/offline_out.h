/* Output helpers for the offline subcommands: bytes into JSON, escaped
 * text for terminals, aligned tables. */
#ifndef BG_OFFLINE_OUT_H
#define BG_OFFLINE_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "etcdclient/util/buf.h"

/* Sets obj[name] to a string when p is valid UTF-8, else obj[name "_b64"]
 * to its base64. Returns 0, or -1 out of memory. */
int offline_out_json_bytes(json_t *obj, const char *name, const uint8_t *p, size_t n);
/* Sets obj[name] to the base64 of p whatever it holds. */
int offline_out_json_b64(json_t *obj, const char *name, const uint8_t *p, size_t n);
/* Base64 of p, NUL-terminated; caller frees. NULL when out of memory. */
char *offline_out_base64(const uint8_t *p, size_t n);
/* Writes v compactly followed by a newline; -1 on a write error. */
int offline_out_json_line(FILE *f, json_t *v);

/* Appends the escaped rendering of p to b; with max_chars > 0, cuts it to
 * that many characters and ends it with "...". */
int offline_out_escaped(ec_buf *b, const uint8_t *p, size_t n, size_t max_chars);
/* Characters (code points) in a NUL-terminated UTF-8 string. */
size_t offline_out_width(const char *s);
/* Writes s padded with spaces to width, on the left when right. */
void offline_out_pad(FILE *f, const char *s, size_t width, int right);
/* The same into a buffer; -1 when its cap is reached. */
int offline_out_buf_pad(ec_buf *b, const char *s, size_t width, int right);

/* A table kept in memory, printed with aligned columns (two spaces apart,
 * the last column not padded). For small outputs: stats, top, history. */
typedef struct offline_out_table {
    int ncols;
    const char *const *heads;
    unsigned right;     /* bit i: right-align column i */
    char **cells;
    size_t nrows, cap;
} offline_out_table;

void offline_out_table_init(offline_out_table *t, int ncols, const char *const *heads, unsigned right);
/* Adds a row of ncols strings (copied). -1 out of memory. */
int offline_out_table_row(offline_out_table *t, const char *const *cells);
void offline_out_table_print(const offline_out_table *t, FILE *f);
void offline_out_table_free(offline_out_table *t);

#endif
