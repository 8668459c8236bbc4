/* Sparklines (see spark.h). */
#include "tui/top/spark.h"

#include <string.h>

/* U+2581 .. U+2588, lower one eighth block to full block. */
static const char *const blocks[8] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                                      "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};

size_t bg_top_spark(const uint32_t *v, size_t n, uint32_t max, char *out, size_t cap)
{
    if (cap < BG_TOP_SPARK_BUF(n))
        return 0;
    if (max == 0)
        for (size_t i = 0; i < n; i++)
            if (v[i] > max)
                max = v[i];
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == 0) {
            out[off++] = ' ';
            continue;
        }
        /* ceil(8 v / max): the smallest non-zero value still shows. */
        uint64_t x = v[i] > max ? max : v[i];
        unsigned level = (unsigned)((x * 8 + max - 1) / max);
        memcpy(out + off, blocks[level - 1], 3);
        off += 3;
    }
    out[off] = '\0';
    return off;
}

size_t bg_top_spark_fold(const uint32_t *v, size_t n, size_t width, uint32_t *out)
{
    if (width == 0)
        width = 1;
    size_t f = (n + width - 1) / width, m = 0;
    if (f == 0)
        return 0;
    for (size_t i = 0; i < n; i += f, m++) {
        uint64_t sum = 0;
        for (size_t k = i; k < i + f && k < n; k++)
            sum += v[k];
        out[m] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    }
    return m;
}
