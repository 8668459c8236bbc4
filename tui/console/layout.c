#include "tui/console/layout.h"

#include <string.h>

/* Widths fit: 8-digit counts, "1023.9 KiB+", 9-digit counts, 10-digit
 * revisions, "9999.9" writes/s. */
static const int widths[BL_NCOLS] = {1, 8, 10, 9, 10, 7, 0};
/* Hidden first when space runs out. */
static const bl_colid drop_order[] = {BL_RATE, BL_WRITES, BL_MODREV, BL_BYTES, BL_KEYS};

const char *bl_title(bl_colid c)
{
    switch (c) {
    case BL_FLAG: return "";
    case BL_KEYS: return "keys";
    case BL_BYTES: return "bytes";
    case BL_WRITES: return "writes";
    case BL_MODREV: return "modrev";
    case BL_RATE: return "w/s";
    case BL_NAME: return "name";
    case BL_NCOLS: break;
    }
    return "";
}

void bl_compute(bl_layout *l, int width)
{
    memset(l, 0, sizeof *l);
    for (int c = 0; c < BL_NAME; c++)
        l->col[c].shown = 1;
    for (size_t d = 0;; d++) {
        int used = 0;
        for (int c = 0; c < BL_NAME; c++)
            if (l->col[c].shown)
                used += widths[c] + 1;
        if (width - used >= BL_NAME_MIN || d == sizeof drop_order / sizeof drop_order[0])
            break;
        l->col[drop_order[d]].shown = 0;
    }
    int x = 0;
    for (int c = 0; c < BL_NAME; c++) {
        if (!l->col[c].shown)
            continue;
        l->col[c].x = x;
        l->col[c].w = widths[c];
        x += widths[c] + 1;
    }
    l->col[BL_NAME].shown = 1;
    l->col[BL_NAME].x = x;
    l->col[BL_NAME].w = width - x > 1 ? width - x : 1;
}
