/* Text for the screen: the console's only way from bytes to something it
 * draws. Raw bytes (keys, values, member names) go through ct_escape, which
 * is ec_escape_append plus, on a terminal that is not UTF-8, \xNN for every
 * non-ASCII byte. Text that another module already escaped (the value
 * renderer, ec_ks_display_name) goes through ct_sanitize, which leaves
 * escaped text unchanged and escapes anything else, so nothing raw can slip
 * through. Widths are in terminal columns. Pure functions, no curses. */
#ifndef CON_TEXT_H
#define CON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/util/buf.h"

/* Appends raw bytes p[0..n) escaped for the screen. Returns 0 or -1 (cap). */
int ct_escape(ec_buf *out, const uint8_t *p, size_t n, bool utf8);
/* Appends text that should already be safe: printable ASCII and (when utf8)
 * printable UTF-8 pass, any other byte becomes \xNN. Idempotent on the
 * output of ct_escape. Returns 0 or -1 (cap). */
int ct_sanitize(ec_buf *out, const char *s, size_t n, bool utf8);

/* Width in columns of safe text (as produced above). */
int ct_width(const char *s, size_t n, bool utf8);
/* How many bytes of s fit in width columns without splitting a character;
 * *used (optional) gets their width. */
size_t ct_fit(const char *s, size_t n, int width, int *used, bool utf8);
/* How many bytes of the END of s fit in width columns. */
size_t ct_fit_tail(const char *s, size_t n, int width, int *used, bool utf8);
/* Replaces out's content with s cut to at most width columns: when too long,
 * the head and the tail with '~' between (ncdu style), else s itself.
 * Returns 0 or -1. */
int ct_crop_mid(ec_buf *out, const char *s, size_t n, int width, bool utf8);

/* "0 B", "999 B", "1.0 KiB", "12.3 MiB", "1.5 GiB" (at most 9 characters). */
const char *ct_bytes(uint64_t n, char *buf, size_t len);
/* A count in at most width characters: "1234567", else "12.3k", "1.2M", "3.4G". */
const char *ct_count(uint64_t n, int width, char *buf, size_t len);
/* A duration in microseconds: "850 us", "1.2 ms", "3.4 s". */
const char *ct_usec(int64_t us, char *buf, size_t len);

/* Appends a hex dump of v[0..n) (at most max_bytes of it, then a line saying
 * how much was left out): "00000010  6b 38 73 00 ... 76 31  |k8s.....v1|".
 * The ASCII column shows printable ASCII, '.' for anything else. */
int ct_hexdump(ec_buf *out, const uint8_t *v, size_t n, size_t max_bytes);

#endif
