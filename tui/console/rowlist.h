/* The window of a list of rows with a selection: which rows are visible and
 * which is selected, for any list (keys, members, help lines). Pure. */
#ifndef CON_ROWLIST_H
#define CON_ROWLIST_H

#include <stddef.h>

typedef struct rl_view {
    size_t total;   /* rows in the list */
    size_t sel;     /* selected row (0 when empty) */
    size_t top;     /* first visible row */
    size_t height;  /* visible rows */
} rl_view;

/* Clamps sel into the list and moves top as little as possible so sel is
 * visible and the window is not scrolled past the end. */
void rl_fix(rl_view *v);
void rl_set_height(rl_view *v, size_t height);
void rl_move(rl_view *v, long delta);
/* One window down (dir > 0) or up; the selection moves by a window too. */
void rl_page(rl_view *v, int dir);
void rl_home(rl_view *v);
void rl_end(rl_view *v);
/* The list changed (new total) and the selected row is now at idx: keep it
 * at the same place on the screen when possible (a live refresh must not
 * make the cursor jump). */
void rl_restore(rl_view *v, size_t total, size_t idx);
/* Scroll-only lists (no visible selection): move top by delta. */
void rl_scroll(rl_view *v, long delta);

#endif
