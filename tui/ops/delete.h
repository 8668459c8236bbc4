/* Guarded removal: record the intent with every pre-image (fsync'd) before
 * anything is sent; then delete in Txn batches that compare each key's
 * mod_revision with the plan, so a key changed since the plan was shown is
 * skipped and reported, never deleted blindly, and a key created since is
 * never named; then record the result. Several batches are in flight at
 * once, within the rate bound of tui/ops/pace.h. A plan read as one whole
 * range goes in chunks of consecutive keys, each one Txn guarded by a
 * single range compare (see run_chunk), falling back to the batches when
 * anything in the chunk's range was written since the plan. */
#ifndef BG_DELETE_H
#define BG_DELETE_H

#include "tui/audit/audit.h"
#include "tui/ops/plan.h"

#define BG_TXN_MAX_OPS 128            /* etcd's default --max-txn-ops */
#define BG_DELETE_DEFAULT_RATE 20000  /* keys/s */
#define BG_DELETE_IN_FLIGHT 4         /* Txns sent before the first answers */
#define BG_DELETE_MAX_IN_FLIGHT 16
#define BG_DELETE_CHUNK_KEYS 2000     /* keys per range-guarded Txn (whole_range plans) */
#define BG_DELETE_CHUNK_BYTES ((uint64_t)4 << 20)  /* and the most their pre-images weigh */

typedef struct bg_delete_opts {
    /* The rate bound: never more than this many keys sent within any one
     * second (0: BG_DELETE_DEFAULT_RATE). Up to that many go at once. */
    double max_keys_per_s;
    size_t batch;                     /* keys per Txn, <= 128; 0: 128 */
    size_t in_flight;                 /* Txns at a time, <= 16; 0: BG_DELETE_IN_FLIGHT */
    size_t chunk;                     /* keys per range-guarded Txn; 0: BG_DELETE_CHUNK_KEYS */
    /* Called from the thread that called bg_delete_execute. */
    void (*progress)(void *ud, size_t done, size_t skipped, size_t total);
    void *ud;
    volatile int *cancel;             /* checked between batches */
} bg_delete_opts;

typedef struct bg_skip {
    size_t idx;                       /* into the plan */
    const char *reason;               /* "changed", "absent", "not-attempted", "cancelled" */
} bg_skip;

typedef struct bg_delete_outcome {
    uint64_t intent_seq, result_seq;
    int64_t deleted;
    int64_t revision;                 /* etcd revision after the last batch */
    bg_skip *skipped;                 /* in plan order; malloc'd; free with bg_delete_outcome_free */
    size_t n_skipped;
    size_t unknown;                   /* keys of a batch whose outcome is unknown (error) */
    size_t outside;                   /* keys etcd deleted that were not as planned: never
                                         expected (see run_chunk); also named in error */
    char error[512];                  /* empty when every batch ran */
} bg_delete_outcome;

/* The audit context of a plan (action, target, cluster, member, endpoint). */
void bg_audit_context(audit_context *ctx, const bg_plan *p, ec_client *c, char *cid, size_t cidn, char *mid,
                      size_t midn);
/* Appends the intent record of p (with pre-images). */
int bg_audit_intent(audit_log *log, const bg_plan *p, ec_client *c, uint64_t *seq, ec_err *err);

/* Records the intent, deletes, records the result. Returns -1 only when the
 * intent could not be recorded (then nothing was sent to etcd); etcd errors
 * during execution end the run early and are reported in out->error. */
int bg_delete_execute(ec_client *c, audit_log *log, const bg_plan *p, const bg_delete_opts *o,
                      bg_delete_outcome *out, ec_err *err);
void bg_delete_outcome_free(bg_delete_outcome *o);

#endif
