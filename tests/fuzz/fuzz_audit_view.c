/* Arbitrary bytes as one audit record, through the console's rendering of
 * it (tui/console/audit_view.c): the row, its line, the intent learning its
 * result, and the record whole. Nothing may crash or leak; the row is
 * printable ASCII, and the detail holds no C0 or C1 control character and
 * no DEL (printable UTF-8 may pass, as ec_escape lets it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/audit_view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable(const char *s, size_t n, int detail)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (detail && ch == '\n')
            continue;
        if (ch < 0x20 || ch == 0x7f || (!detail && ch >= 0x80))
            abort();
        /* U+0080..U+009F encoded: C1 controls. */
        if (ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *rec = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    av_row r, res;
    av_row_fill(&r, json_is_object(rec) ? rec : NULL, je.text, 1, 0, size);
    av_row_fill(&res, json_is_object(rec) ? rec : NULL, NULL, 2, size, size);
    av_row_mark_result(&r, &res);
    char *line = av_row_line(&r);
    if (line) {
        printable(line, strlen(line), 0);
        free(line);
    }
    if (json_is_object(rec)) {
        ec_buf b;
        ec_buf_init(&b, (size_t)1 << 20);
        av_describe(&b, rec, false, 64);
        printable(b.data ? b.data : "", b.len, 1);
        ec_buf_free(&b);
    }
    json_decref(rec);
    return 0;
}
