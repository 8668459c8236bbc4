/* Output helpers for the CLI: errors with their fix, escaped bytes, JSON
 * fields for bytes that may not be UTF-8, human sizes. */
#ifndef BG_OUTPUT_H
#define BG_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "etcdclient/error.h"

/* Exit codes (documented in docs/breakglass.1 and README). */
enum {
    BG_EXIT_OK = 0,
    BG_EXIT_FAIL = 1,     /* the operation failed; the message says why */
    BG_EXIT_USAGE = 2,    /* bad flags or arguments */
};

/* "breakglass: <message>" and, when known, "hint: <fix>" on stderr. */
void bg_report(const ec_err *e);
/* A usage error for cmd; returns BG_EXIT_USAGE. */
int bg_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes bytes escaped for a terminal (see etcdclient/util/escape.h). */
void bg_put_escaped(FILE *f, const uint8_t *p, size_t n);
/* obj[name] = string when the bytes are valid UTF-8 without NUL, else
 * obj[name + "_b64"] = base64. */
void bg_json_set_bytes(json_t *obj, const char *name, const uint8_t *p, size_t n);
/* "1.5 MiB" style; buf of 16 bytes or more. */
const char *bg_human_bytes(int64_t n, char *buf, size_t len);
/* Prints a JSON value followed by a newline; steals the reference. */
void bg_print_json(json_t *v);
/* One compact, terminal-safe JSON line (does not steal the reference). */
void bg_print_json_line(json_t *v);
bool bg_is_utf8(const uint8_t *p, size_t n);
/* base64 of p (caller frees). */
char *bg_base64(const uint8_t *p, size_t n);
/* Parses a non-negative integer (decimal, or hex with 0x); -1 if malformed. */
int bg_parse_i64(const char *s, int64_t *out);

#endif
