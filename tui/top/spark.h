/* Sparklines: a row of per-second counts as Unicode block characters. */
#ifndef BG_TOP_SPARK_H
#define BG_TOP_SPARK_H

#include <stddef.h>
#include <stdint.h>

/* Each character is 3 bytes of UTF-8 (a space is 1). */
#define BG_TOP_SPARK_BUF(n) ((n) * 3 + 1)

/* Writes n values as "▁▂▃▄▅▆▇█" scaled so that `max` is a full block (max 0:
 * the largest of the values), a space for 0, into out (cap bytes, at least
 * BG_TOP_SPARK_BUF(n)), NUL-terminated. Returns the length in bytes, or 0
 * when cap is too small. */
size_t bg_top_spark(const uint32_t *v, size_t n, uint32_t max, char *out, size_t cap);

/* Folds n values into at most `width` (at least 1) by summing runs of
 * ceil(n / width) neighbours (saturating), for narrow terminals. Writes the
 * sums into out (room for n) and returns how many. */
size_t bg_top_spark_fold(const uint32_t *v, size_t n, size_t width, uint32_t *out);

#endif
