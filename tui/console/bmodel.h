/* The key browser's state over the keyspace tree, without curses: where the
 * operator is (the directory's path bytes), what is selected (the selected
 * child's name bytes: identity, never a row number or a node id, so a live
 * refresh or a re-sort does not move the cursor to another key), the sort,
 * the filter, and the visible window of rows copied out of the tree.
 *
 * Every function that takes an ec_ks must be called with the tree's mutex
 * held; what it leaves in bm_state (rows, labels, counts) is a copy that
 * stays valid after the unlock. */
#ifndef CON_BMODEL_H
#define CON_BMODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "etcdclient/keyspace/keyspace.h"
#include "etcdclient/util/buf.h"
#include "tui/console/rowlist.h"

#define BM_FILTER_MAX 256

typedef struct bm_row {
    ec_ks_id id;
    ec_ks_info info;        /* info.name is cleared: it belongs to the tree */
    ec_buf label;           /* escaped row label ("pods/", "\e]0;x\x07") */
} bm_row;

typedef struct bm_state {
    bool at_root;           /* at the root (no path) */
    bool auto_start;        /* until the operator moves: open "/" once it exists */
    ec_buf dir;             /* path of the directory shown, when !at_root */
    bool has_sel;
    ec_buf sel;             /* name bytes of the selected child */
    ec_ks_col col;
    bool desc;
    ec_buf filter;          /* raw bytes; empty: no filter */
    rl_view view;
    /* Filled by bm_refresh. */
    bool dir_missing;       /* the directory is not (or no longer) in the tree */
    ec_ks_info dir_info;    /* aggregates of the directory (name cleared) */
    size_t n_children;      /* children before the filter */
    bm_row *rows;           /* rows view.top .. view.top + n_rows - 1 */
    size_t n_rows, cap_rows;
    ec_buf header;          /* escaped path + "/" ("(root)" at the root) */
} bm_state;

typedef enum bm_result { BM_NOTHING = 0, BM_DESCENDED, BM_OPEN_KEY, BM_MOVED } bm_result;

void bm_init(bm_state *b);
void bm_free(bm_state *b);

/* Recomputes the listing for a window of height rows: resolves the
 * directory, finds the selected child again by name (keeping it at the same
 * screen line when the list changed), copies the visible rows. Returns 0 or
 * -1 (out of memory). */
int bm_refresh(bm_state *b, ec_ks *ks, size_t height, bool utf8);
/* Cursor movement by an amount (rl_move), a page, or to an end; then the
 * selection identity follows the new row. */
void bm_move(bm_state *b, ec_ks *ks, long delta);
void bm_page(bm_state *b, ec_ks *ks, int dir);
void bm_home(bm_state *b, ec_ks *ks);
void bm_end(bm_state *b, ec_ks *ks);
/* Enter on the selected row: BM_DESCENDED into a directory, or BM_OPEN_KEY
 * with the key's bytes in key_out, or BM_NOTHING. */
bm_result bm_enter(bm_state *b, ec_ks *ks, ec_buf *key_out);
/* BM_OPEN_KEY when the selected row is itself a key (even a directory). */
bm_result bm_view(bm_state *b, ec_ks *ks, ec_buf *key_out);
/* Up one directory, selecting the one we came from. BM_MOVED or BM_NOTHING
 * (already at the root). Needs no tree: the path says it all. */
bm_result bm_up(bm_state *b);
/* While the directory is missing (deleted, or not scanned yet and the scan
 * is over): climb to the nearest directory that exists. */
void bm_climb(bm_state *b, ec_ks *ks);
/* Goes to a place named by path bytes (from the Top screen): with key, the
 * key's directory with the key selected (a key without '/' is at the root);
 * else the directory path (no trailing '/'), first row selected. Clears the
 * filter. Needs no tree: a place not scanned yet shows as missing. */
void bm_goto(bm_state *b, const uint8_t *path, size_t len, bool key);
/* Sort by col; the same column again reverses. Names start ascending,
 * numbers descending (largest first, as ncdu). */
void bm_sort(bm_state *b, ec_ks_col col);
/* Sets (len > 0) or clears the filter. Returns -1 when longer than BM_FILTER_MAX. */
int bm_set_filter(bm_state *b, const uint8_t *f, size_t len);
/* The directory's range for a size scan: its path + "/" (prefix), or the
 * whole keyspace (empty) at the root. Replaces out's content. (Whether the
 * directory is itself a key is in dir_info.is_key after a refresh.) */
int bm_scan_prefix(const bm_state *b, ec_buf *out);
/* The ec_ks_order for the current listing (filter points into b). */
ec_ks_order bm_order(const bm_state *b);

#endif
