/* The Top screen without curses or network: what a ranked row means for
 * the browser (Enter) and for the guarded delete (D), and the text of the
 * screen's header and cells. Group names are raw bytes from etcd (see
 * tui/top/group.h); everything returned for the screen is escaped, paths
 * and targets stay raw bytes. Pure, except tm_jump, which reads the tree
 * (call it with the tree's mutex held). */
#ifndef CON_TOPMODEL_H
#define CON_TOPMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/keyspace/keyspace.h"
#include "etcdclient/rates/rates.h"
#include "etcdclient/util/buf.h"
#include "tui/top/collector.h"
#include "tui/top/group.h"

/* What the guarded delete is asked to remove. */
typedef enum tm_del_kind { TM_DEL_KEY = 0, TM_DEL_PREFIX, TM_DEL_OWNER } tm_del_kind;

typedef enum tm_jump_kind {
    TM_JUMP_NONE = 0,   /* no single place: *why says so */
    TM_JUMP_KEY,        /* path is a key: select it in its directory */
    TM_JUMP_DIR         /* path is a directory (no trailing '/') */
} tm_jump_kind;

/* Where Enter on a row of grouping g named name[0..len) goes in the tree ks
 * (ks_mu held), for keys under k8s_prefix (--etcd-prefix; NULL = "/registry").
 * Replaces path's content. *why (static text, may be NULL) explains a
 * TM_JUMP_NONE, or adds a remark to a jump. */
tm_jump_kind tm_jump(const char *k8s_prefix, bg_top_grouping g, const uint8_t *name, size_t len, bool truncated,
                     ec_ks *ks, ec_buf *path, const char **why);

/* What D on a row deletes: 0 with target (raw, replaced) and *kind, or -1
 * with *why (static text) when the grouping names no removable set. */
int tm_delete_target(bg_top_grouping g, const uint8_t *name, size_t len, bool truncated, ec_buf *target,
                     tm_del_kind *kind, const char **why);

/* The etcd key of an owner group "Kind/namespace/name" ("Kind/name" when
 * cluster-scoped) as the API server stores it under k8s_prefix (NULL =
 * "/registry"; see bg_owner_key): "DaemonSet/kube-system/x" ->
 * "/registry/daemonsets/kube-system/x". Replaces out's content; -1 (out
 * empty) when the name is not of that form. */
int tm_owner_key(const char *k8s_prefix, const uint8_t *name, size_t len, ec_buf *out);

/* "10s", "60s", "5m". */
const char *tm_window_name(ec_rates_window w);
/* A rate cell: writes/s with the CLI's digits ("~33.0", "0.017") or bytes/s
 * ("~12.3 KiB/s"); '~' when estimated. */
const char *tm_rate(double v, ec_rates_metric by, bool estimated, char *buf, size_t len);

/* The header's first line: grouping (with depth), window, metric and the
 * window's totals, as the CLI's first line says them. Appends to out. */
int tm_title(const bg_top_snapshot *s, bg_top_grouping g, unsigned depth, ec_rates_window w, ec_rates_metric by,
             ec_buf *out);
/* The sources, one line each ('\n' between), in the CLI's words: history
 * (replayed revisions, compaction, how times were estimated), live writes,
 * and notes (deletes without previous value, gaps, the last error).
 * history is what was asked for (0: not replayed). Appends to out. */
int tm_sources(const bg_top_snapshot *s, int64_t history, ec_buf *out);

/* The row's last 60 s of writes (or bytes) folded to width characters:
 * block characters on a UTF-8 terminal, else " .:-=+*#@" levels. Appends
 * to out. */
int tm_spark(const ec_rates_row *r, ec_rates_metric by, size_t width, bool utf8, ec_buf *out);

#endif
