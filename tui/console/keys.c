#include "tui/console/keys.h"

#include <curses.h>
#include <stdbool.h>
#include <string.h>

#define B CK_BROWSE
#define V CK_VALUE
#define C CK_CLUSTER
#define H CK_HELP
#define X CK_ACTION
#define T CK_TOP
#define AU CK_AUDIT
#define AR CK_AUDREC
#define MT CK_MAINT
/* Every screen but the browser: where Esc, q and Left go back. */
#define O (V | C | H | X | T | AU | AR | MT)

static const ck_binding table[] = {
    /* Moving. */
    {CK_ALL, CK_FN(KEY_UP), A_UP, "Up", "move up", 0, NULL, NULL},
    {CK_ALL, 'k', A_UP, "k", NULL, 0, NULL, NULL},
    {CK_ALL, CK_FN(KEY_DOWN), A_DOWN, "Down", "move down", 0, NULL, NULL},
    {CK_ALL, 'j', A_DOWN, "j", NULL, 0, NULL, NULL},
    {CK_ALL, CK_FN(KEY_PPAGE), A_PGUP, "PgUp", "one page up", 0, NULL, NULL},
    {CK_ALL, CK_FN(KEY_NPAGE), A_PGDN, "PgDn", "one page down", 0, NULL, NULL},
    {V | H | AR, ' ', A_PGDN, "Space", NULL, 0, NULL, NULL},
    {CK_ALL, CK_FN(KEY_HOME), A_HOME, "Home", "first row", 0, NULL, NULL},
    {CK_ALL, 'g', A_HOME, "g", NULL, 0, NULL, NULL},
    {CK_ALL, CK_FN(KEY_END), A_END, "End", "last row", 0, NULL, NULL},
    {CK_ALL, 'G', A_END, "G", NULL, 0, NULL, NULL},
    /* Browser. */
    {B, '\n', A_OPEN, "Enter", "open: descend into a directory, or view a key's value", 1, "open", NULL},
    {B, '\r', A_OPEN, NULL, NULL, 0, NULL, NULL},
    {B, CK_FN(KEY_ENTER), A_OPEN, NULL, NULL, 0, NULL, NULL},
    {B, CK_FN(KEY_RIGHT), A_OPEN, "Right", NULL, 0, NULL, NULL},
    {B, 'l', A_OPEN, "l", NULL, 0, NULL, NULL},
    {B, CK_FN(KEY_BACKSPACE), A_PARENT, "Backspace", "up to the parent directory (the row you came from stays selected)", 2,
     "up", "Bksp"},
    {B, 127, A_PARENT, NULL, NULL, 0, NULL, NULL},
    {B, 8, A_PARENT, NULL, NULL, 0, NULL, NULL},
    {B, CK_FN(KEY_LEFT), A_PARENT, "Left", NULL, 0, NULL, NULL},
    {B, 'h', A_PARENT, "h", NULL, 0, NULL, NULL},
    {B, 'v', A_VIEW, "v", "view the value of the selected key (also a key that is a directory too)", 0, NULL, NULL},
    {B, '/', A_FILTER, "/", "filter the rows by a text in their name (Esc clears it)", 3, "filter", NULL},
    {B, 'n', A_SORT_NAME, "n", "sort by name (again: reverse)", 4, "sort", "nCswmr"},
    {B, 'C', A_SORT_KEYS, "C", "sort by number of keys (again: reverse)", 0, NULL, NULL},
    {B, 's', A_SORT_BYTES, "s", "sort by bytes (again: reverse)", 0, NULL, NULL},
    {B, 'w', A_SORT_WRITES, "w", "sort by writes, the sum of versions (again: reverse)", 0, NULL, NULL},
    {B, 'm', A_SORT_MODREV, "m", "sort by newest modification revision (again: reverse)", 0, NULL, NULL},
    {B, 'r', A_SORT_RATE, "r", "sort by writes per second (again: reverse)", 0, NULL, NULL},
    {B, 'S', A_SIZESCAN, "S", "scan value sizes below this directory (S or Esc again: cancel)", 10, "sizes", NULL},
    {B, 'R', A_RESCAN, "R", "rescan the whole keyspace", 11, "rescan", NULL},
    {B, 'D', A_DELETE, "D", "delete the selected key, or every key below the selected directory (plan, typed confirmation, audit log)", 13, "delete", NULL},
    {B, 'c', A_CLUSTER, "c", "cluster view: every member's status", 12, "cluster", NULL},
    {B, 't', A_OPEN_TOP, "t", "Top: the groups of keys written most (history replay and live writes)", 5, "top", NULL},
    /* Top screen. k stays Up, as everywhere: K groups by key. */
    {T, '\n', A_OPEN, "Enter", "jump to the row's key or directory in the browser", 1, "jump", NULL},
    {T, '\r', A_OPEN, NULL, NULL, 0, NULL, NULL},
    {T, CK_FN(KEY_ENTER), A_OPEN, NULL, NULL, 0, NULL, NULL},
    {T, 'D', A_DELETE, "D", "delete what the row names: its key, its prefix, or the owner with everything it owns (plan, typed confirmation, audit log)", 2, "delete", NULL},
    {T, 'K', A_GROUP_KEY, "K", "group by key", 3, "group", "KprnoWl"},
    {T, 'p', A_GROUP_PREFIX, "p", "group by prefix (the key up to its N-th '/')", 0, NULL, NULL},
    {T, '+', A_DEPTH_MORE, "+", "prefix depth + 1 (replays the history again)", 4, "depth", "+-"},
    {T, '-', A_DEPTH_LESS, "-", "prefix depth - 1 (replays the history again)", 0, NULL, NULL},
    {T, 'r', A_GROUP_RESOURCE, "r", "group by Kubernetes resource", 0, NULL, NULL},
    {T, 'n', A_GROUP_NAMESPACE, "n", "group by namespace", 0, NULL, NULL},
    {T, 'o', A_GROUP_OWNER, "o", "group by owner (the controller in ownerReferences)", 0, NULL, NULL},
    {T, 'W', A_GROUP_WRITER, "W", "group by writer (the newest managedFields manager)", 0, NULL, NULL},
    {T, 'l', A_GROUP_LEASE, "l", "group by lease", 0, NULL, NULL},
    {T, '1', A_WIN_10S, "1", "window: last 10 s", 5, "window", "123"},
    {T, '2', A_WIN_60S, "2", "window: last 60 s", 0, NULL, NULL},
    {T, '3', A_WIN_5M, "3", "window: last 5 min", 0, NULL, NULL},
    {T, 'b', A_METRIC, "b", "rank by writes or by bytes", 6, "bytes", NULL},
    {B, 'A', A_AUDIT, "A", "audit log review: every recorded change, newest first; restore a delete", 14, "audit", NULL},
    {B | C, 'M', A_MAINT, "M", "maintenance: compact, defragment, alarms, NOSPACE recovery, snapshot, lease revoke", 15,
     "maint", NULL},
    /* Audit review. */
    {AU, '\n', A_OPEN, "Enter", "show the selected record whole (plan, keys, pre-images, result)", 1, "show", NULL},
    {AU, '\r', A_OPEN, NULL, NULL, 0, NULL, NULL},
    {AU, CK_FN(KEY_ENTER), A_OPEN, NULL, NULL, 0, NULL, NULL},
    {AU | AR, 'u', A_RESTORE, "u", "restore what the selected delete removed (typed confirmation: its seq)", 2, "restore", NULL},
    {AU, 'R', A_RESCAN, "R", "read the log again and verify it", 3, "reload", NULL},
    /* Maintenance. */
    {MT, 'c', A_M_COMPACT, "c", "compact: drop the history up to a revision (typed confirmation: the revision)", 1,
     "compact", NULL},
    {MT, 'd', A_M_DEFRAG, "d", "defragment every member, leader last (typed confirmation: defrag)", 2, "defrag", NULL},
    {MT, 'a', A_M_ALARMS, "a", "alarms: list, and disarm (typed confirmation: disarm)", 3, "alarms", NULL},
    {MT, 'n', A_M_NOSPACE, "n", "guided NOSPACE recovery: compact, defragment, disarm, verify writes; each step confirmed", 4,
     "nospace", NULL},
    {MT, 's', A_M_SNAPSHOT, "s", "save a snapshot to a file (path typed; default under the state directory)", 5,
     "snapshot", NULL},
    {MT, 'l', A_M_LEASE, "l", "revoke a lease by ID: shows the keys that vanish (typed confirmation: the ID)", 6, "lease",
     NULL},
    /* The delete dialog of a large plan. */
    {X, 's', A_SNAPFIRST, "s", "large delete: save a snapshot first, then confirm", 1, "snapshot first", NULL},
    {X, 'c', A_CONTINUE, "c", "large delete: go on to the typed confirmation", 2, "continue", NULL},
    /* Value viewer. */
    {V, '/', A_SEARCH, "/", "search the value for a text", 3, "search", NULL},
    {V, 'n', A_NEXT, "n", "next match", 4, "next", NULL},
    {V, 'N', A_PREV, "N", "previous match", 5, "prev", NULL},
    {V, 'x', A_HEX, "x", "switch between the decoded value and a hex dump", 6, "hex", NULL},
    {V, 'L', A_LEASE, "L", "revoke the lease this key is attached to (shows every key that vanishes)", 7, "lease", NULL},
    {O, CK_FN(KEY_LEFT), A_PARENT, "Left", "back", 0, NULL, NULL},
    {O, CK_FN(KEY_BACKSPACE), A_PARENT, "Backspace", NULL, 0, NULL, NULL},
    {O, 127, A_PARENT, NULL, NULL, 0, NULL, NULL},
    {O, 8, A_PARENT, NULL, NULL, 0, NULL, NULL},
    {O, 'h', A_PARENT, "h", NULL, 0, NULL, NULL},
    /* Everywhere. */
    {CK_ALL, '?', A_HELP, "?", "this help (again: back)", 20, "help", NULL},
    {CK_ALL, CK_FN(KEY_F(1)), A_HELP, "F1", NULL, 0, NULL, NULL},
    {B, CK_ESC, A_BACK, "Esc", "cancel the size scan, else clear the filter", 0, NULL, NULL},
    {O, CK_ESC, A_BACK, "Esc", "back", 0, NULL, NULL},
    {B, 'q', A_QUIT, "q", "quit breakglass", 21, "quit", NULL},
    {O, 'q', A_QUIT, "q", "back (q again on the browser quits)", 21, "back", NULL},
    {CK_ALL, CK_CTRL('l'), A_REDRAW, "Ctrl-L", "redraw the screen", 0, NULL, NULL},
};

const ck_binding *ck_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

ck_action ck_lookup(ck_screen screen, int key)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if ((table[i].screens & (int)screen) && table[i].key == key)
            return table[i].action;
    return A_NONE;
}

static const char *footer_keys(const ck_binding *b) { return b->footer_keys ? b->footer_keys : b->label; }

static int item_width(const ck_binding *b) { return (int)(strlen(footer_keys(b)) + 1 + strlen(b->footer_text)); }

int ck_footer(ck_screen screen, int width, ec_buf *out)
{
    /* The items in footer order; help and quit (position >= 20) always
     * stay, the others are taken in order while they fit. */
    const ck_binding *items[32];
    size_t n = 0;
    for (int pos = 1; pos <= 32; pos++)
        for (size_t i = 0; i < sizeof table / sizeof table[0] && n < 32; i++)
            if ((table[i].screens & (int)screen) && table[i].footer == pos && table[i].label) {
                items[n++] = &table[i];
                break;
            }
    int used = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i]->footer >= 20)
            used += item_width(items[i]) + 1;
    int take[32] = {0};
    bool gap = false;
    for (size_t i = 0; i < n; i++) {
        if (items[i]->footer >= 20) {
            take[i] = 1;
        } else if (!gap && used + item_width(items[i]) + 1 <= width + 1) {
            take[i] = 1;
            used += item_width(items[i]) + 1;
        } else {
            gap = true; /* keep the footer's order: nothing optional after a gap */
        }
    }
    ec_buf_reset(out);
    if (ec_buf_append(out, "", 0) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!take[i])
            continue;
        if (out->len + (out->len ? 1 : 0) + (size_t)item_width(items[i]) > (size_t)(width < 0 ? 0 : width))
            break;
        if ((out->len && ec_buf_putc(out, ' ') != 0) ||
            ec_buf_printf(out, "%s:%s", footer_keys(items[i]), items[i]->footer_text) != 0)
            return -1;
    }
    return 0;
}

int ck_help(ck_screen screen, ec_buf *out)
{
    /* One line per action: every label of the bindings for it, then help. */
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const ck_binding *b = &table[i];
        if (!(b->screens & (int)screen) || !b->help)
            continue;
        char keys[64] = "";
        size_t kl = 0;
        for (size_t j = i; j < sizeof table / sizeof table[0]; j++) {
            const ck_binding *o = &table[j];
            if (j > i && (o->help || o->action != b->action))
                break;
            if (!(o->screens & (int)screen) || !o->label)
                continue;
            int w = snprintf(keys + kl, sizeof keys - kl, "%s%s", kl ? " " : "", o->label);
            if (w > 0 && (size_t)w < sizeof keys - kl)
                kl += (size_t)w;
        }
        if (ec_buf_printf(out, "  %-22s %s\n", keys, b->help) != 0)
            return -1;
    }
    return 0;
}
