/* The one function that stands between untrusted bytes (keys, values, audit
 * fields) and a terminal or a log line. Nothing from etcd reaches the screen
 * without passing through it, so a key can never send escape sequences. */
#ifndef EC_ESCAPE_H
#define EC_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include "etcdclient/util/buf.h"

/* Appends a safe rendering of in[0..len) to out:
 *  - printable ASCII as is, backslash as "\\";
 *  - \n \r \t and ESC as "\n" "\r" "\t" "\e", other C0, DEL as "\xNN";
 *  - well-formed UTF-8 of printable characters as is; C1 controls, bidi
 *    overrides/isolates, overlong or invalid sequences byte by byte as "\xNN".
 * Returns 0, or -1 when out's cap was reached. */
int ec_escape_append(ec_buf *out, const uint8_t *in, size_t len);

/* Convenience: a newly allocated NUL-terminated escaped copy (caller frees),
 * or NULL on allocation failure. */
char *ec_escape_dup(const uint8_t *in, size_t len);

/* Length in bytes of a valid UTF-8 sequence of a printable character at p,
 * or 0 if the byte(s) at p must be escaped. */
size_t ec_utf8_printable_len(const uint8_t *p, size_t avail);

#endif
