/* A growable byte buffer with a hard cap (curl's dynbuf idea): appending past
 * the cap fails instead of eating the machine's memory on hostile input. */
#ifndef EC_BUF_H
#define EC_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef struct ec_buf {
    char *data;     /* always NUL-terminated when non-NULL; owned by the buf */
    size_t len;
    size_t alloc;
    size_t cap;     /* maximum len; 0 means EC_BUF_DEFAULT_CAP */
} ec_buf;

#define EC_BUF_DEFAULT_CAP ((size_t)1 << 31)

void ec_buf_init(ec_buf *b, size_t cap);
void ec_buf_free(ec_buf *b);
void ec_buf_reset(ec_buf *b);
/* Return 0, or -1 when the cap would be passed or memory ran out (buf unchanged). */
int ec_buf_append(ec_buf *b, const void *p, size_t n);
int ec_buf_puts(ec_buf *b, const char *s);
int ec_buf_putc(ec_buf *b, char c);
int ec_buf_printf(ec_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ec_buf_vprintf(ec_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the data to the caller (who frees it) and resets the buf. */
char *ec_buf_steal(ec_buf *b);

#endif
