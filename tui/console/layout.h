/* Columns of the key browser for a given terminal width. Numbers come
 * first and the name takes what is left (ncdu); when the name would get
 * narrower than BL_NAME_MIN, columns are hidden, least useful first: w/s,
 * writes, modrev, bytes, keys. Pure. */
#ifndef CON_LAYOUT_H
#define CON_LAYOUT_H

typedef enum bl_colid { BL_FLAG = 0, BL_KEYS, BL_BYTES, BL_WRITES, BL_MODREV, BL_RATE, BL_NAME, BL_NCOLS } bl_colid;

#define BL_NAME_MIN 20

typedef struct bl_col {
    int shown;
    int x;      /* first column */
    int w;      /* width */
} bl_col;

typedef struct bl_layout {
    bl_col col[BL_NCOLS];
} bl_layout;

/* Fills l for a screen width. The name column always exists (at least 1). */
void bl_compute(bl_layout *l, int width);
/* Column title ("keys", "bytes", ...). */
const char *bl_title(bl_colid c);

#endif
