/* What a write counts towards: the groupings of "find the runaway".
 *
 * A write (put or delete) is reduced to one group name per grouping:
 *   key        the exact key
 *   prefix     the key up to and including its N-th '/' after the first
 *              byte (as `--offline top`): /registry/pods/kube-system/ at 3
 *   resource   the Kubernetes resource from the key: "pods", "example.com/widgets"
 *   namespace  the Kubernetes namespace from the key: "kube-system"
 *   owner      the controller ownerReference read from the value:
 *              "DaemonSet/kube-system/node-agent"; an object with none is
 *              its own group "Pod/kube-system/etcd-0"
 *   writer     the manager of the newest managedFields entry: "kubelet"
 *   lease      the lease id in hex, as `breakglass lease list` shows it
 * Deletes group by their key for the first four and by the previous value
 * (watch with prev_kv) for owner, writer and lease.
 *
 * No allocation, no printing: group names are views into the write's key or
 * value, or bytes written into the caller's buffer. They are raw bytes from
 * etcd: escape them before they reach a terminal. */
#ifndef BG_TOP_GROUP_H
#define BG_TOP_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/k8s/keylayout.h"
#include "etcdclient/k8s/peek.h"

typedef enum bg_top_grouping {
    BG_TOP_BY_KEY = 0,
    BG_TOP_BY_PREFIX,
    BG_TOP_BY_RESOURCE,
    BG_TOP_BY_NAMESPACE,
    BG_TOP_BY_OWNER,
    BG_TOP_BY_WRITER,
    BG_TOP_BY_LEASE,
    BG_TOP_NGROUPINGS
} bg_top_grouping;

#define BG_TOP_GROUPING_BIT(g) (1u << (unsigned)(g))
#define BG_TOP_ALL_GROUPINGS ((1u << BG_TOP_NGROUPINGS) - 1u)

#define BG_TOP_DEFAULT_DEPTH 3
#define BG_TOP_MAX_DEPTH 64

/* Group names used when the bytes say nothing better. */
#define BG_TOP_G_OTHER "(not kubernetes)"      /* resource/namespace of a key outside the prefix */
#define BG_TOP_G_CLUSTER "(cluster-scoped)"    /* namespace of a cluster-scoped object */
#define BG_TOP_G_NO_WRITER "(none)"            /* no managedFields, or not a Kubernetes object */
#define BG_TOP_G_NO_LEASE "(no lease)"
#define BG_TOP_G_UNKNOWN "(deleted, previous value unknown)"

/* "key", "prefix", ... ; NULL for an invalid grouping. */
const char *bg_top_grouping_name(bg_top_grouping g);
/* Parses a grouping name; -1 when unknown. */
int bg_top_grouping_parse(const char *s, bg_top_grouping *out);
/* True for the groupings read from the value (owner, writer) or from the
 * previous key-value for deletes (lease): a watch feeding them wants prev_kv. */
bool bg_top_grouping_needs_prev_kv(bg_top_grouping g);
/* True for the groupings a keys-only scan can compute (no value needed). */
bool bg_top_grouping_keys_only(bg_top_grouping g);

/* One write as the groupings see it. For a delete, value/lease are those of
 * the previous key-value; value_known is false when etcd did not send it. */
typedef struct bg_top_write {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value;
    size_t value_len;
    int64_t lease;
    bool deleted;
    bool value_known;
} bg_top_write;

typedef struct bg_top_group_opts {
    unsigned depth;          /* prefix depth; 0 = every key its own group */
    const char *k8s_prefix;  /* NULL = "/registry" */
} bg_top_group_opts;

/* A write with what has been parsed from it so far: the key layout and the
 * value are parsed at most once, whatever the number of groupings asked. */
typedef struct bg_top_parsed {
    const bg_top_write *w;
    int key_state;          /* 0 not yet, 1 parsed, -1 not a Kubernetes key */
    ec_k8s_key key;
    int peek_state;         /* 0 not yet, 1 peeked, -1 no value to peek */
    ec_k8s_peek peek;
} bg_top_parsed;

void bg_top_parsed_init(bg_top_parsed *p, const bg_top_write *w);

/* Room a group name needs in the caller's buffer: names longer than this
 * are cut to it (the rates engine then cuts them to its key cap with its
 * truncation mark, so a cut name is still flagged as cut). */
#define BG_TOP_GROUP_BUF 1100

/* The group of p's write under g: *name points into the write's key or
 * value, into a static string, or into buf (at least BG_TOP_GROUP_BUF
 * bytes); returns its length. */
size_t bg_top_group(bg_top_grouping g, bg_top_parsed *p, const bg_top_group_opts *o, uint8_t *buf,
                    const uint8_t **name);

/* The prefix group of a key (see above); a length into key. */
size_t bg_top_prefix_len(const uint8_t *key, size_t len, unsigned depth);

#endif
