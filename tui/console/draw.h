/* Curses drawing helpers. Everything drawn is safe text (from tui/console/
 * text.h); these only place it and cut it to a width. */
#ifndef CON_DRAW_H
#define CON_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "etcdclient/util/buf.h"

typedef enum cd_role {
    CR_NORMAL = 0,
    CR_OK,       /* green: connected */
    CR_WARN,     /* yellow: reconnecting, partial data */
    CR_BAD,      /* red: disconnected, alarms, errors */
    CR_HEAD,     /* column titles */
    CR_SEL,      /* the selected row */
    CR_BAR,      /* footer bar */
    CR_DIM,      /* unknown values */
    CR_MATCH,    /* search match */
    CR_NROLES
} cd_role;

/* Sets up colours (when color is true and the terminal has them) or the
 * monochrome fallback. */
void cd_init(bool color);
attr_t cd_attr(cd_role r);
/* Draws text s[0..n) at (y, x), cut to w columns; returns the columns
 * drawn. The text should already be escaped (tui/console/text.h); it is
 * passed through ct_sanitize once more, so a raw byte can never reach the
 * terminal. UI thread only. */
int cd_text(int y, int x, int w, const char *s, size_t n, cd_role r, bool utf8);
int cd_str(int y, int x, int w, const char *s, cd_role r, bool utf8);
/* Frees what cd_text keeps between calls. */
void cd_done(void);
/* Fills w columns at (y, x) with spaces in role r. */
void cd_fill(int y, int x, int w, cd_role r);
/* Right-aligns s in w columns at (y, x). */
void cd_right(int y, int x, int w, const char *s, cd_role r, bool utf8);

#endif
