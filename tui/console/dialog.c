/* Text entry on the footer line (the browser's filter, the viewer's
 * search). A state of the main loop, not a loop of its own: the queue keeps
 * being drained and the screen redrawn while the operator types. */
#include <curses.h>
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

#define DLG_MAX BM_FILTER_MAX

void dialog_open(con *c, dlg_kind kind, const char *initial, size_t len)
{
    dialog_state *d = &c->dlg;
    d->kind = kind;
    ec_buf_reset(&d->text);
    ec_buf_append(&d->text, len ? initial : "", len);
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return 0;
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

static void changed(con *c)
{
    dialog_state *d = &c->dlg;
    if (d->kind == DLG_FILTER)
        bm_set_filter(&c->browse, (const uint8_t *)d->text.data, d->text.len);
}

void dialog_key(con *c, int key)
{
    dialog_state *d = &c->dlg;
    if (key == CK_ESC) {
        if (d->kind == DLG_FILTER)
            bm_set_filter(&c->browse, NULL, 0);
        dlg_kind k = d->kind;
        d->kind = DLG_NONE;
        if (k == DLG_CONFIRM) /* Esc: no */
            action_confirm(c, "", 0);
        else if (k == DLG_MCONFIRM)
            mnt_confirm(c, "", 0);
        else if (k == DLG_MINPUT)
            mnt_input_done(c, NULL, 0);
        return;
    }
    if (key == '\n' || key == '\r' || key == CK_FN(KEY_ENTER)) {
        dlg_kind k = d->kind;
        d->kind = DLG_NONE;
        if (k == DLG_SEARCH)
            value_search_done(c, d->text.data, d->text.len);
        else if (k == DLG_CONFIRM) /* a bare Enter matches nothing: no */
            action_confirm(c, d->text.data ? d->text.data : "", d->text.len);
        else if (k == DLG_MCONFIRM)
            mnt_confirm(c, d->text.data ? d->text.data : "", d->text.len);
        else if (k == DLG_MINPUT)
            mnt_input_done(c, d->text.data ? d->text.data : "", d->text.len);
        return;
    }
    if (key == CK_FN(KEY_BACKSPACE) || key == 127 || key == 8) {
        /* Remove one whole UTF-8 character. */
        while (d->text.len > 0) {
            unsigned char ch = (unsigned char)d->text.data[--d->text.len];
            if ((ch & 0xC0) != 0x80)
                break;
        }
        if (d->text.data)
            d->text.data[d->text.len] = '\0';
        changed(c);
        return;
    }
    if (key == CK_CTRL('u')) {
        ec_buf_reset(&d->text);
        changed(c);
        return;
    }
    if (key >= CK_FN(0) || key < 0x20 || key == 0x7f)
        return; /* other function and control keys do nothing here */
    char u[4];
    size_t n = utf8_encode((uint32_t)key, u);
    if (n == 0 || d->text.len + n > DLG_MAX)
        return;
    ec_buf_append(&d->text, u, n);
    changed(c);
}

void dialog_draw(con *c, int y, int width)
{
    dialog_state *d = &c->dlg;
    const char *prompt = d->kind == DLG_FILTER                               ? "filter: "
                         : d->kind == DLG_CONFIRM || d->kind == DLG_MCONFIRM ? "confirm: "
                         : d->kind == DLG_MINPUT                             ? c->mnt.input_prompt
                                                                             : "search: ";
    const char *hint = d->kind == DLG_FILTER     ? "  (Enter keeps, Esc clears)"
                       : d->kind == DLG_CONFIRM  ? "  (Enter: delete if it matches; Esc cancels)"
                       : d->kind == DLG_MCONFIRM ? "  (Enter: go on if it matches; Esc cancels)"
                       : d->kind == DLG_MINPUT   ? "  (Enter: go on, Esc cancels)"
                                                 : "  (Enter searches, Esc cancels)";
    cd_fill(y, 0, width, CR_NORMAL);
    int x = cd_str(y, 0, width, prompt, CR_HEAD, false);
    ec_buf t;
    ec_buf_init(&t, 0);
    ct_escape(&t, (const uint8_t *)(d->text.data ? d->text.data : ""), d->text.len, c->utf8);
    ec_buf_putc(&t, '_');
    /* Keep the end (where the typing happens) visible. */
    int room = width - x - (int)strlen(hint);
    if (room < 8)
        room = width - x;
    size_t tail = ct_fit_tail(t.data, t.len, room, NULL, c->utf8);
    x += cd_text(y, x, room, t.data + t.len - tail, tail, CR_NORMAL, c->utf8);
    cd_str(y, x, width - x, hint, CR_DIM, false);
    ec_buf_free(&t);
}
