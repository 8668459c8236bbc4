#include "tui/console/rowlist.h"

void rl_fix(rl_view *v)
{
    if (v->total == 0) {
        v->sel = v->top = 0;
        return;
    }
    if (v->sel >= v->total)
        v->sel = v->total - 1;
    size_t h = v->height ? v->height : 1;
    if (v->top + h > v->total)
        v->top = v->total > h ? v->total - h : 0;
    if (v->sel < v->top)
        v->top = v->sel;
    if (v->sel >= v->top + h)
        v->top = v->sel - h + 1;
}

void rl_set_height(rl_view *v, size_t height)
{
    v->height = height;
    rl_fix(v);
}

void rl_move(rl_view *v, long delta)
{
    if (v->total == 0)
        return;
    if (delta < 0) {
        size_t d = (size_t)-delta;
        v->sel = v->sel > d ? v->sel - d : 0;
    } else {
        size_t d = (size_t)delta;
        v->sel = v->sel + d < v->total ? v->sel + d : v->total - 1;
    }
    rl_fix(v);
}

void rl_page(rl_view *v, int dir)
{
    size_t h = v->height ? v->height : 1;
    if (v->total == 0)
        return;
    size_t off = v->sel - v->top;
    if (dir > 0) {
        v->top = v->top + h;
        v->sel = v->sel + h;
    } else {
        v->top = v->top > h ? v->top - h : 0;
        v->sel = v->top + off;
    }
    if (v->sel >= v->total)
        v->sel = v->total - 1;
    rl_fix(v);
}

void rl_home(rl_view *v)
{
    v->sel = v->top = 0;
    rl_fix(v);
}

void rl_end(rl_view *v)
{
    v->sel = v->total ? v->total - 1 : 0;
    rl_fix(v);
}

void rl_restore(rl_view *v, size_t total, size_t idx)
{
    size_t off = v->sel >= v->top ? v->sel - v->top : 0;
    v->total = total;
    v->sel = idx;
    v->top = idx > off ? idx - off : 0;
    rl_fix(v);
}

void rl_scroll(rl_view *v, long delta)
{
    size_t h = v->height ? v->height : 1;
    size_t max_top = v->total > h ? v->total - h : 0;
    if (delta < 0) {
        size_t d = (size_t)-delta;
        v->top = v->top > d ? v->top - d : 0;
    } else {
        v->top += (size_t)delta;
    }
    if (v->top > max_top)
        v->top = max_top;
    v->sel = v->top;
}
