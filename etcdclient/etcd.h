/* etcdclient: etcd v3 over gRPC core with mutual TLS.
 *
 * A library: it never prints, never exits, never touches a terminal. Every
 * call returns 0 (or a count) on success and -1 on failure with an ec_err
 * naming the cause. An ec_client may be shared by several threads: calls on
 * it are independent; streams (ec_range_iter, ec_watch) belong to the thread
 * that opened them.
 *
 * Memory: objects returned through an out-pointer are owned by the caller and
 * freed with the matching *_free function. ec_kv slices point into the
 * object that returned them and live exactly as long as it.
 */
#ifndef EC_ETCD_H
#define EC_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcdclient/error.h"

typedef struct ec_client ec_client;

/* Consistency of browsing reads (ranges marked serializable: listing,
 * counting, the tree). Like etcdctl's --consistency=s|l. */
typedef enum ec_consistency {
    EC_CONSISTENCY_SERIALIZABLE = 0, /* default: the member answers from its own store */
    EC_CONSISTENCY_LINEARIZABLE = 1, /* every read goes through the leader (ReadIndex) */
} ec_consistency;

/* ---- connection ------------------------------------------------------ */

typedef struct ec_config {
    const char *const *endpoints; /* "https://host:port", "host:port" (TLS), "http://..." (needs insecure) */
    size_t n_endpoints;
    const char *cacert;           /* PEM file of the CA that signed etcd's serving cert */
    const char *cert;             /* client certificate PEM file (optional, needs key) */
    const char *key;              /* client private key PEM file */
    bool insecure_transport;      /* plaintext; only when explicitly asked for */
    const char *user;             /* etcd user (optional); "name:password" or name + password */
    const char *password;
    int dial_timeout_ms;          /* connect + TLS handshake, per endpoint (default 2000) */
    int command_timeout_ms;       /* per call attempt (default 5000) */
    /* Self-protection ("never make a sick etcd sicker"), 0 = unlimited. A
     * call waits for tokens rather than failing; see ec_client_stats. The
     * library leaves them off so tools and tests are not slowed; programs
     * facing operators pass the EC_DEFAULT_* values unless told otherwise. */
    int64_t max_requests_per_s;   /* unary call attempts + streams opened */
    int64_t max_bytes_per_s;      /* request + response bytes (snapshot chunks too) */
    ec_consistency consistency;   /* for browsing reads, see ec_range_opts.serializable */
} ec_config;

/* Defaults for an operator-facing program (docs/client.md says why). */
#define EC_DEFAULT_MAX_REQUESTS_PER_S 50
#define EC_DEFAULT_MAX_BYTES_PER_S (20 << 20)

/* Checks the credentials with OpenSSL (files readable, PEM parses, key matches
 * certificate, not expired) and sets up channels; does not contact etcd yet.
 * Returns NULL with err set on failure. */
ec_client *ec_client_new(const ec_config *cfg, ec_err *err);
void ec_client_free(ec_client *c);

/* Warnings found while checking credentials (key readable by others,
 * certificate expiring soon); NULL-terminated, owned by the client. */
const char *const *ec_client_warnings(const ec_client *c);
/* The endpoint calls currently go to (changes on failover). */
const char *ec_client_endpoint(const ec_client *c);
/* Round-trip time of the last successful call, in microseconds (0 if none). */
int64_t ec_client_last_rtt_us(const ec_client *c);
int ec_client_command_timeout(const ec_client *c);
ec_consistency ec_client_consistency(const ec_client *c);

/* What the client has cost etcd since it was created, and what the rate
 * limits made it wait. Counted whether or not a limit is set. */
typedef struct ec_client_stats {
    uint64_t requests;        /* unary call attempts (each failover too) + streams opened */
    uint64_t bytes_sent;      /* request messages, as packed */
    uint64_t bytes_received;  /* response messages and snapshot chunks; not watch events */
    uint64_t waits;           /* requests that had to wait for tokens */
    int64_t wait_us;          /* total time spent waiting for tokens */
    uint64_t refused;         /* calls not sent: the wait would have passed their deadline */
    int64_t first_request_us; /* CLOCK_MONOTONIC times at which the first and the last */
    int64_t last_request_us;  /*   request were let through (0 before any) */
    double request_burst;     /* the buckets' capacities (tokens saved while idle) */
    double byte_burst;
} ec_client_stats;
void ec_client_stats_get(const ec_client *c, ec_client_stats *out);

/* Per-call options; a zeroed struct (or NULL) means: the current endpoint with
 * failover, the client's command timeout. */
typedef struct ec_callopt {
    const char *endpoint;  /* pin to this member's client URL: no failover */
    int timeout_ms;        /* override the command timeout (defragment, snapshot) */
} ec_callopt;

/* ---- key-values ------------------------------------------------------- */

typedef struct ec_kv {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value;   /* NULL/0 for keys-only results */
    size_t value_len;
    int64_t create_revision;
    int64_t mod_revision;
    int64_t version;
    int64_t lease;
} ec_kv;

typedef struct ec_header {
    uint64_t cluster_id;
    uint64_t member_id;
    int64_t revision;
    uint64_t raft_term;
} ec_header;

/* The end of the range covering every key that starts with prefix (etcd's
 * prefix rule; "\0" for the empty prefix = the whole keyspace). Writes into
 * out (room for prefix_len bytes) and returns its length. */
size_t ec_prefix_end(const uint8_t *prefix, size_t prefix_len, uint8_t *out);

typedef struct ec_range_opts {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *range_end;  /* NULL: exactly key (unless prefix) */
    size_t range_end_len;
    bool prefix;               /* range_end = ec_prefix_end(key) */
    int64_t revision;          /* 0 = current; the iterator pins the first page's revision */
    bool keys_only;
    /* true: a browsing read (listing, counting, the tree), served by the
     * member itself with no leader round trip unless the client was made
     * with EC_CONSISTENCY_LINEARIZABLE. false: always linearizable (reads
     * that decide a write, e.g. a delete plan). A serializable scan pinned
     * to a revision waits (bounded) for a lagging member to reach it. */
    bool serializable;
    int64_t page_size;         /* most keys per page; 0 = 1000, then sized from the count */
    int64_t limit;             /* stop after this many keys in total; 0 = all */
    int64_t page_bytes;        /* shrink pages whose values exceed this; 0 = 4 MiB */
    /* Compaction mid-scan (iterator only, revision 0 only). Without
     * on_restart, a scan whose pinned revision is compacted fails with
     * EC_E_COMPACTED, as before. With it, the scan starts again from the
     * first key at the current revision, and on_restart(ud, old, new) is
     * called just before ec_range_next returns the first page of the new
     * scan: every key delivered before belongs to the old picture, so the
     * caller drops what it built from them (a count, a tree, a plan), or,
     * when it has already printed them, skips keys up to the last one it
     * printed. At most max_restarts (0 = 3) restarts, then EC_E_COMPACTED. */
    void (*on_restart)(void *ud, int64_t compacted_revision, int64_t new_revision);
    void *restart_ud;
    int max_restarts;
    int64_t slow_page_ms;      /* a page slower than this halves the next; 0 = 1000 (tests) */
} ec_range_opts;

typedef struct ec_range_iter ec_range_iter;

/* A paged scan at one revision: pages of ~page_size keys, next page starting
 * after the last key seen; never a server-side sort or revision filter.
 * Sends nothing until the first ec_range_next. */
ec_range_iter *ec_range_begin(ec_client *c, const ec_range_opts *o, ec_err *err);
/* Fetches the next page: returns the number of kvs (>0), 0 at the end, -1 on
 * error. *kvs stays valid until the next call or ec_range_end. */
int ec_range_next(ec_range_iter *it, const ec_kv **kvs, size_t *n, ec_err *err);
/* The pinned revision (after the first page), and the total count of keys in
 * the range at that revision as etcd reported it. */
int64_t ec_range_revision(const ec_range_iter *it);
int64_t ec_range_total(const ec_range_iter *it);
const ec_header *ec_range_header(const ec_range_iter *it);

/* How the scan adapted: restarts after compaction (and the revision each
 * one left), page size changes when etcd was slow or fast. */
typedef struct ec_range_stats {
    int restarts;
    int64_t compacted_revision; /* the last revision compacted under the scan, or 0 */
    int64_t pages;              /* pages fetched, retries not counted */
    int64_t page_size;          /* keys asked for in the next page */
    int shrinks;                /* slow pages that halved the next one */
    int grows;                  /* fast pages that grew it back */
    int deadline_retries;       /* pages retried at a quarter the size after a deadline */
    int future_waits_ms;        /* time spent waiting for a lagging member */
} ec_range_stats;
void ec_range_stats_get(const ec_range_iter *it, ec_range_stats *out);
void ec_range_end(ec_range_iter *it);

/* One Range call (no paging): for single keys and small ranges. */
typedef struct ec_range_result {
    ec_header header;
    ec_kv *kvs;
    size_t n_kvs;
    bool more;
    int64_t count;
    void *priv_;
} ec_range_result;
int ec_range_once(ec_client *c, const ec_range_opts *o, ec_range_result **out, ec_err *err);
void ec_range_result_free(ec_range_result *r);

/* Counts keys in a range at a revision without transferring them. */
int ec_count(ec_client *c, const ec_range_opts *o, int64_t *count, ec_header *hdr, ec_err *err);

int ec_put(ec_client *c, const uint8_t *key, size_t key_len, const uint8_t *value,
           size_t value_len, int64_t lease, ec_header *hdr, ec_err *err);

typedef struct ec_delete_result {
    ec_header header;
    int64_t deleted;
    ec_kv *prev_kvs;
    size_t n_prev_kvs;
    void *priv_;
} ec_delete_result;
int ec_delete(ec_client *c, const uint8_t *key, size_t key_len, const uint8_t *range_end,
              size_t range_end_len, bool prev_kv, ec_delete_result **out, ec_err *err);
void ec_delete_result_free(ec_delete_result *r);

typedef enum { EC_CMP_VERSION, EC_CMP_CREATE, EC_CMP_MOD, EC_CMP_VALUE, EC_CMP_LEASE } ec_cmp_target;
typedef enum { EC_CMP_EQUAL, EC_CMP_GREATER, EC_CMP_LESS, EC_CMP_NOT_EQUAL } ec_cmp_result;

typedef struct ec_compare {
    ec_cmp_target target;
    ec_cmp_result result;
    const uint8_t *key;
    size_t key_len;
    int64_t number;          /* version / create / mod revision / lease */
    const uint8_t *value;    /* EC_CMP_VALUE */
    size_t value_len;
    /* NULL: key alone. Else every key present in [key, range_end) must
     * satisfy the compare (etcd's Compare.range_end; "\0": every key >= key). */
    const uint8_t *range_end;
    size_t range_end_len;
} ec_compare;

typedef enum { EC_OP_GET, EC_OP_PUT, EC_OP_DELETE } ec_op_type;

typedef struct ec_op {
    ec_op_type type;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *range_end;  /* GET/DELETE ranges */
    size_t range_end_len;
    const uint8_t *value;      /* PUT */
    size_t value_len;
    int64_t lease;             /* PUT */
    bool prev_kv;              /* DELETE / PUT: return the previous value */
} ec_op;

typedef struct ec_op_result {
    ec_op_type type;
    int64_t deleted;           /* DELETE */
    ec_kv *kvs;                /* GET results, or DELETE/PUT prev kvs */
    size_t n_kvs;
} ec_op_result;

typedef struct ec_txn_result {
    ec_header header;
    bool succeeded;
    ec_op_result *results;
    size_t n_results;
    void *priv_;
} ec_txn_result;

/* Atomically: if every compare holds, run success ops, else failure ops.
 * etcd allows at most --max-txn-ops (128) per list and one op per key. */
int ec_txn(ec_client *c, const ec_compare *cmp, size_t n_cmp, const ec_op *success,
           size_t n_success, const ec_op *failure, size_t n_failure, ec_txn_result **out,
           ec_err *err);
void ec_txn_result_free(ec_txn_result *r);

int ec_compact(ec_client *c, int64_t revision, bool physical, ec_header *hdr, ec_err *err);

/* ---- cluster and maintenance ------------------------------------------- */

typedef struct ec_member {
    uint64_t id;
    char *name;
    char **peer_urls;
    size_t n_peer_urls;
    char **client_urls;
    size_t n_client_urls;
    bool is_learner;
} ec_member;

typedef struct ec_member_list {
    ec_header header;
    ec_member *members;
    size_t n_members;
} ec_member_list;
int ec_member_list_get(ec_client *c, ec_member_list **out, ec_err *err);
void ec_member_list_free(ec_member_list *l);

typedef struct ec_status {
    ec_header header;
    char version[32];
    int64_t db_size;
    int64_t db_size_in_use;
    uint64_t leader;
    uint64_t raft_index;
    uint64_t raft_term;
    uint64_t raft_applied_index;
    bool is_learner;
    char errors[512];          /* the member's errors joined with "; " */
} ec_status;
int ec_status_get(ec_client *c, const ec_callopt *opt, ec_status *out, ec_err *err);

/* Status of every member (from MemberList); a member that does not answer
 * gets ok=false and its error, the others still report. */
typedef struct ec_member_status {
    ec_member member;          /* copy; strings owned by the cluster_status */
    const char *endpoint;      /* first client URL */
    bool ok;
    ec_status status;
    ec_err err;
    int64_t rtt_us;
} ec_member_status;
typedef struct ec_cluster_status {
    ec_member_status *members;
    size_t n_members;
    ec_member_list *list_;
} ec_cluster_status;
int ec_cluster_status_get(ec_client *c, ec_cluster_status **out, ec_err *err);
void ec_cluster_status_free(ec_cluster_status *s);

typedef enum { EC_ALARM_NONE = 0, EC_ALARM_NOSPACE = 1, EC_ALARM_CORRUPT = 2 } ec_alarm_type;
typedef struct ec_alarm {
    uint64_t member_id;
    ec_alarm_type type;
} ec_alarm;
const char *ec_alarm_name(ec_alarm_type t);
/* Active alarms; *out is malloc'd (caller frees), *n may be 0. */
int ec_alarm_list(ec_client *c, ec_alarm **out, size_t *n, ec_err *err);
int ec_alarm_disarm(ec_client *c, const ec_alarm *a, ec_err *err);

int ec_defragment(ec_client *c, const ec_callopt *opt, ec_err *err);
int ec_hashkv(ec_client *c, const ec_callopt *opt, int64_t revision, uint32_t *hash,
              int64_t *compact_revision, ec_header *hdr, ec_err *err);

/* Streams a snapshot to path (written as path.part, fsync'd, renamed), then
 * checks the SHA-256 etcd appends. progress may be NULL. */
typedef void (*ec_progress_fn)(void *ud, uint64_t done, uint64_t remaining);
typedef struct ec_snapshot_info {
    uint64_t bytes;
    int64_t revision;          /* header revision of the stream */
    bool hash_ok;
} ec_snapshot_info;
int ec_snapshot_save(ec_client *c, const ec_callopt *opt, const char *path, ec_progress_fn progress,
                     void *ud, ec_snapshot_info *info, ec_err *err);

/* ---- leases ------------------------------------------------------------- */

int ec_lease_grant(ec_client *c, int64_t ttl, int64_t *id, ec_err *err);
int ec_lease_revoke(ec_client *c, int64_t id, ec_err *err);
/* IDs of all leases; *ids malloc'd (caller frees). */
int ec_lease_list(ec_client *c, int64_t **ids, size_t *n, ec_err *err);
typedef struct ec_lease_info {
    int64_t id;
    int64_t ttl;              /* remaining seconds; -1 if expired/not found */
    int64_t granted_ttl;
    uint8_t **keys;           /* attached keys when asked for */
    size_t *key_lens;
    size_t n_keys;
} ec_lease_info;
int ec_lease_ttl(ec_client *c, int64_t id, bool keys, ec_lease_info **out, ec_err *err);
void ec_lease_info_free(ec_lease_info *l);

/* ---- watch --------------------------------------------------------------- */

typedef struct ec_watch ec_watch;

typedef struct ec_watch_opts {
    const uint8_t *key;
    size_t key_len;
    const uint8_t *range_end;
    size_t range_end_len;
    bool prefix;
    int64_t start_revision;   /* 0 = from now */
    bool prev_kv;
    bool progress_notify;
} ec_watch_opts;

typedef enum { EC_EVENT_PUT = 0, EC_EVENT_DELETE = 1 } ec_event_type;
typedef struct ec_event {
    ec_event_type type;
    ec_kv kv;
    ec_kv prev_kv;
    bool has_prev_kv;
} ec_event;

typedef struct ec_watch_batch {
    ec_header header;
    ec_event *events;
    size_t n_events;
    bool progress;            /* a progress notification (no events) */
    void *priv_;
} ec_watch_batch;

/* Opens a watch stream and waits (command timeout) for etcd to confirm it.
 * A start revision that is compacted fails with EC_E_COMPACTED, here or (as
 * etcd 3.4 confirms the watcher first and cancels it right after) at the
 * first ec_watch_next; *compact_revision / ec_watch_compact_revision() then
 * give the oldest revision still available. */
int ec_watch_open(ec_client *c, const ec_watch_opts *o, ec_watch **out, int64_t *compact_revision,
                  ec_err *err);
/* Waits up to timeout_ms for the next batch: 1 with *out set (free it), 0 on
 * timeout, -1 when the watch ended (compacted, cancelled, connection lost). */
int ec_watch_next(ec_watch *w, int timeout_ms, ec_watch_batch **out, ec_err *err);
void ec_watch_batch_free(ec_watch_batch *b);
/* The compaction revision that ended the watch, or 0. */
int64_t ec_watch_compact_revision(const ec_watch *w);
int ec_watch_request_progress(ec_watch *w, ec_err *err);
void ec_watch_close(ec_watch *w);

#endif
