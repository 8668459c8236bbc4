#include "tui/cli/value_view.h"

#include "tui/cli/output.h"

void bg_value_print(FILE *f, const uint8_t *key, size_t key_len, const uint8_t *v, size_t n)
{
    (void)key;
    (void)key_len;
    fputs("value:\n", f);
    bg_put_escaped(f, v, n);
    fputc('\n', f);
}

void bg_value_json(json_t *obj, const uint8_t *key, size_t key_len, const uint8_t *v, size_t n)
{
    (void)key;
    (void)key_len;
    bg_json_set_bytes(obj, "value", v, n);
}
