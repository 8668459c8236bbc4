#include "tui/console/draw.h"

#include <string.h>

#include "tui/console/text.h"

static attr_t attrs[CR_NROLES];
static ec_buf safe; /* cd_text's buffer */

void cd_init(bool color)
{
    bool col = color && has_colors() && start_color() == OK;
    int bg = COLOR_BLACK;
    if (col && use_default_colors() == OK)
        bg = -1;
    if (col) {
        init_pair(1, COLOR_GREEN, (short)bg);
        init_pair(2, COLOR_YELLOW, (short)bg);
        init_pair(3, COLOR_RED, (short)bg);
        init_pair(4, COLOR_CYAN, (short)bg);
        attrs[CR_OK] = COLOR_PAIR(1);
        attrs[CR_WARN] = COLOR_PAIR(2) | A_BOLD;
        attrs[CR_BAD] = COLOR_PAIR(3) | A_BOLD;
        attrs[CR_HEAD] = COLOR_PAIR(4) | A_BOLD;
        attrs[CR_DIM] = A_DIM;
    } else {
        /* Monochrome: what matters stands out by weight and reverse video. */
        attrs[CR_OK] = A_NORMAL;
        attrs[CR_WARN] = A_BOLD;
        attrs[CR_BAD] = A_BOLD | A_REVERSE;
        attrs[CR_HEAD] = A_BOLD;
        attrs[CR_DIM] = A_NORMAL;
    }
    attrs[CR_NORMAL] = A_NORMAL;
    attrs[CR_SEL] = A_REVERSE;
    attrs[CR_BAR] = A_REVERSE;
    attrs[CR_MATCH] = A_REVERSE | A_BOLD;
}

attr_t cd_attr(cd_role r) { return r < CR_NROLES ? attrs[r] : A_NORMAL; }

int cd_text(int y, int x, int w, const char *s, size_t n, cd_role r, bool utf8)
{
    if (w <= 0 || x >= COLS || y >= LINES || y < 0)
        return 0;
    if (x + w > COLS)
        w = COLS - x;
    /* Callers pass escaped text; sanitizing again leaves it unchanged and
     * makes sure nothing raw reaches the terminal even by mistake. One
     * buffer, reused: only the UI thread draws. */
    if (!safe.cap)
        ec_buf_init(&safe, 0);
    ec_buf_reset(&safe);
    if (ct_sanitize(&safe, s, n, utf8) != 0 || !safe.data)
        return 0;
    int used;
    size_t take = ct_fit(safe.data, safe.len, w, &used, utf8);
    attr_t a = cd_attr(r);
    attron(a);
    mvaddnstr(y, x, safe.data, (int)take);
    attroff(a);
    return used;
}

void cd_done(void) { ec_buf_free(&safe); }

int cd_str(int y, int x, int w, const char *s, cd_role r, bool utf8) { return cd_text(y, x, w, s, strlen(s), r, utf8); }

void cd_fill(int y, int x, int w, cd_role r)
{
    if (w <= 0 || y < 0 || y >= LINES)
        return;
    if (x + w > COLS)
        w = COLS - x;
    mvhline(y, x, ' ' | cd_attr(r), w);
}

void cd_right(int y, int x, int w, const char *s, cd_role r, bool utf8)
{
    int sw = ct_width(s, strlen(s), utf8);
    if (sw > w)
        sw = w;
    cd_text(y, x + w - sw, sw, s, strlen(s), r, utf8);
}
