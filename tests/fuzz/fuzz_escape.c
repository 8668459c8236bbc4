/* Fuzz target: the terminal-escaping function. Whatever the bytes, the
 * output must hold no control byte and only printable UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/util/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out = ec_escape_dup(data, size);
    if (!out)
        return 0;
    size_t n = strlen(out);
    for (size_t i = 0; i < n;) {
        uint8_t c = (uint8_t)out[i];
        if (c < 0x20 || c == 0x7f)
            abort();
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k = ec_utf8_printable_len((const uint8_t *)out + i, n - i);
        if (k == 0)
            abort();
        i += k;
    }
    free(out);
    return 0;
}
