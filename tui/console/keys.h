/* Key bindings as data (nnn's bindings[], htop's Action table): one table
 * gives dispatch, the one-line footer and the help screen. Pure. */
#ifndef CON_KEYS_H
#define CON_KEYS_H

#include <stddef.h>

#include "etcdclient/util/buf.h"

/* A key: a character (Unicode code point) or a curses function key wrapped
 * with CK_FN so the two ranges cannot collide. */
#define CK_FN(k) ((int)(k) + 0x200000)
#define CK_CTRL(c) ((c) & 0x1f)
#define CK_ESC 27

typedef enum ck_screen {
    CK_BROWSE = 1 << 0,
    CK_VALUE = 1 << 1,
    CK_CLUSTER = 1 << 2,
    CK_HELP = 1 << 3,
    CK_ACTION = 1 << 4,     /* the guarded delete's plan and outcome */
    CK_TOP = 1 << 5,        /* the Top screen: who writes most */
    CK_AUDIT = 1 << 6,      /* the audit log's records */
    CK_AUDREC = 1 << 7,     /* one audit record whole */
    CK_MAINT = 1 << 8,      /* maintenance menu and dialogs */
    CK_ALL = CK_BROWSE | CK_VALUE | CK_CLUSTER | CK_HELP | CK_ACTION | CK_TOP | CK_AUDIT | CK_AUDREC | CK_MAINT,
} ck_screen;

typedef enum ck_action {
    A_NONE = 0,
    A_QUIT,         /* leave the console (browser), or back (others) */
    A_BACK,         /* Esc: back, or clear the filter / cancel the size scan */
    A_UP, A_DOWN, A_PGUP, A_PGDN, A_HOME, A_END,
    A_OPEN,         /* descend, or open the value */
    A_PARENT,       /* up one directory, or back */
    A_VIEW,         /* the value of the selected node (also for key+directory) */
    A_FILTER, A_SEARCH, A_NEXT, A_PREV,
    A_SORT_NAME, A_SORT_KEYS, A_SORT_BYTES, A_SORT_WRITES, A_SORT_MODREV, A_SORT_RATE,
    A_SIZESCAN, A_RESCAN, A_CLUSTER, A_HELP, A_HEX, A_REDRAW,
    A_DELETE,       /* guarded delete of the selected row */
    A_OPEN_TOP,          /* the Top screen */
    /* Top screen: grouping, prefix depth, window, metric. */
    A_GROUP_KEY, A_GROUP_PREFIX, A_GROUP_RESOURCE, A_GROUP_NAMESPACE, A_GROUP_OWNER, A_GROUP_WRITER,
    A_GROUP_LEASE, A_DEPTH_MORE, A_DEPTH_LESS, A_WIN_10S, A_WIN_60S, A_WIN_5M, A_METRIC,
    A_AUDIT,        /* the audit review screen */
    A_MAINT,        /* the maintenance screen */
    A_LEASE,        /* revoke the lease of the key shown */
    A_RESTORE,      /* restore the delete of the selected audit record */
    A_M_COMPACT, A_M_DEFRAG, A_M_ALARMS, A_M_NOSPACE, A_M_SNAPSHOT, A_M_LEASE,
    A_SNAPFIRST,    /* delete dialog: save a snapshot before the confirmation */
    A_CONTINUE,     /* delete dialog: on to the confirmation */
} ck_action;

typedef struct ck_binding {
    int screens;            /* ck_screen mask */
    int key;
    ck_action action;
    const char *label;      /* how the key is written ("Enter", "/") */
    const char *help;       /* what it does, for the help screen; NULL: shown with the previous line */
    int footer;             /* position in the footer (1 = first), 0 = not in the footer */
    const char *footer_text;/* short footer text ("open") */
    const char *footer_keys;/* keys shown in the footer, when not label */
} ck_binding;

/* The whole table and its length. */
const ck_binding *ck_table(size_t *n);
/* The action bound to key on screen, or A_NONE. */
ck_action ck_lookup(ck_screen screen, int key);
/* Replaces out's content with the footer of screen, cut so it fits in width
 * columns (items that do not fit are left out, highest position first). */
int ck_footer(ck_screen screen, int width, ec_buf *out);
/* Appends the help text of screen (one binding per line: keys, then what
 * they do) to out. */
int ck_help(ck_screen screen, ec_buf *out);

#endif
