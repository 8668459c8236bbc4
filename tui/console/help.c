/* The help screen: the key bindings of the screen it was opened from (from
 * the binding table, so it cannot go stale) and what the columns and states
 * mean. */
#include <string.h>

#include "tui/console/con.h"
#include "tui/console/draw.h"
#include "tui/console/text.h"

static const char browse_notes[] =
    "\n"
    "Columns\n"
    "  keys    keys at or below the row\n"
    "  bytes   value bytes below the row; '?' until sizes are known (S scans\n"
    "          them), a trailing '+' when only some are known\n"
    "  writes  sum of the keys' versions (writes since each key was created)\n"
    "  modrev  newest modification revision below the row\n"
    "  w/s     live writes per second: puts the watch applied in the last 10 s\n"
    "  *       in front of a directory: it is also a key itself (v views it)\n"
    "\n"
    "The tree comes from a keys-only scan at one revision, then a watch keeps\n"
    "it live ([live @REV] in the header). When the connection drops, the watch\n"
    "resumes from the last revision seen; if that history is compacted, the\n"
    "keyspace is scanned again.\n";

static const char top_notes[] =
    "\n"
    "Columns\n"
    "  WRITES/S  writes per second over the window (BYTES/S with b: value bytes)\n"
    "  SHARE     the group's part of all writes (or bytes) in the window\n"
    "  LAST 60 S one character per second, scaled to the row's own peak\n"
    "  GROUP     the group name, escaped\n"
    "  ~         the figure includes replayed history, whose times are\n"
    "            estimated from the revision clock (see the header)\n"
    "\n"
    "One watch replays the last BREAKGLASS_TOP_HISTORY revisions (default\n"
    "10000), then counts live writes; it runs from the first t until exit.\n"
    "Enter: key -> its row in the browser; prefix, resource -> that directory;\n"
    "owner -> the owner's key; namespace -> the namespace object. D: key,\n"
    "prefix, or the owner with everything it owns (same plan and typed\n"
    "confirmation as in the browser).\n";

static const char common_notes[] =
    "\n"
    "Status bar\n"
    "  connected / reconnecting / disconnected: from a Status call every second\n"
    "  to the endpoint in use (rtt: its round trip). reconnecting: it failed for\n"
    "  less than 5 s; disconnected: longer, with the class and message of the\n"
    "  last error. Keys keep working while etcd is away.\n"
    "  quota: etcd 3.4 does not report its --quota-backend-bytes; set\n"
    "  BREAKGLASS_QUOTA_BYTES (e.g. 8G) to see the db size against it.\n";

void help_open(con *c)
{
    help_state *h = &c->help;
    h->from = con_top(c);
    ck_screen s = h->from == SCR_VALUE     ? CK_VALUE
                  : h->from == SCR_CLUSTER ? CK_CLUSTER
                  : h->from == SCR_TOP     ? CK_TOP
                  : h->from == SCR_AUDIT   ? CK_AUDIT
                  : h->from == SCR_AUDREC  ? CK_AUDREC
                  : h->from == SCR_MAINT   ? CK_MAINT
                  : h->from == SCR_ACTION  ? CK_ACTION
                                           : CK_BROWSE;
    const char *what = h->from == SCR_VALUE     ? "value viewer"
                       : h->from == SCR_CLUSTER ? "cluster view"
                       : h->from == SCR_TOP     ? "Top screen"
                       : h->from == SCR_AUDIT   ? "audit review"
                       : h->from == SCR_AUDREC  ? "audit record"
                       : h->from == SCR_MAINT   ? "maintenance screen"
                       : h->from == SCR_ACTION  ? "guarded delete"
                                                : "key browser";
    ec_buf t;
    ec_buf_init(&t, 0);
    ec_buf_printf(&t, "breakglass console: keys of the %s\n\n", what);
    ck_help(s, &t);
    if (h->from == SCR_BROWSE)
        ec_buf_puts(&t, browse_notes);
    if (h->from == SCR_TOP)
        ec_buf_puts(&t, top_notes);
    ec_buf_puts(&t, common_notes);
    ec_buf_puts(&t, "\nq, Esc or ? go back.\n");
    vt_free(&h->text);
    vt_init(&h->text);
    vt_set(&h->text, t.data, t.len, c->utf8);
    ec_buf_free(&t);
    h->wrapped_width = -1;
    memset(&h->view, 0, sizeof h->view);
    con_push(c, SCR_HELP);
}

void help_draw(con *c, int y0, int y1)
{
    help_state *h = &c->help;
    int height = y1 - y0;
    if (h->wrapped_width != COLS) {
        vt_wrap(&h->text, COLS);
        h->wrapped_width = COLS;
    }
    h->view.total = h->text.nrows;
    h->view.height = height > 0 ? (size_t)height : 1;
    rl_scroll(&h->view, 0);
    for (int i = 0; i < height && h->view.top + (size_t)i < h->text.nrows; i++) {
        const vt_row *r = &h->text.rows[h->view.top + (size_t)i];
        const char *p = h->text.text.data + h->text.line_off[r->line] + r->off;
        bool title = r->off == 0 && r->len > 0 && p[0] != ' ';
        cd_text(y0 + i, 0, COLS, p, r->len, title ? CR_HEAD : CR_NORMAL, c->utf8);
    }
}

void help_action(con *c, ck_action a)
{
    help_state *h = &c->help;
    long ht = (long)(h->view.height ? h->view.height : 1);
    switch (a) {
    case A_UP: rl_scroll(&h->view, -1); break;
    case A_DOWN: rl_scroll(&h->view, 1); break;
    case A_PGUP: rl_scroll(&h->view, -ht); break;
    case A_PGDN: rl_scroll(&h->view, ht); break;
    case A_HOME: h->view.top = 0; break;
    case A_END: rl_scroll(&h->view, (long)h->view.total); break;
    default: break;
    }
}
