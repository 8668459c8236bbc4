/* The maintenance operations shared by the CLI (tui/cli/cmd_maint.c,
 * cmd_audit.c) and the console (tui/console/job_maint.c): compact, defrag
 * one member, disarm alarms, the write probe, lease revoke, restore from the
 * audit log, snapshot save. Each records its intent in the audit log before
 * it sends anything, and its result after. Nothing here prints: errors are
 * values (ec_err, one line); the caller shows them.
 *
 * Return values: 0 done; -1 an error in err. When the intent could not be
 * recorded, *seq is 0 and nothing was sent to etcd. When the result record
 * could not be written, warn (may be NULL) gets its message, else warn->msg
 * is empty. */
#ifndef BG_MAINT_H
#define BG_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "etcdclient/etcd.h"
#include "tui/audit/audit.h"
#include "tui/ops/plan.h"
#include "tui/ops/restore.h"

#define BG_DEFRAG_MAX_MEMBERS 64
#define BG_PROBE_KEY "/breakglass/probe"

/* Intent of a non-delete action (plan: stolen; NULL: {}). */
int bg_maint_intent(audit_log *log, ec_client *c, const char *action, const char *target, json_t *plan, uint64_t *seq,
                    ec_err *err);
/* Result of the intent seq (result: stolen). */
int bg_maint_result(audit_log *log, uint64_t seq, const char *action, json_t *result, ec_err *err);

/* Current and compacted revisions; *rev 0 becomes the current one. Returns
 * -1 on an etcd error, -2 when rev is in the future or already compacted
 * (err.msg says which, e.g. "revision 9 is in the future (current 5)"). */
int bg_compact_check(ec_client *c, int64_t *rev, int64_t *current, int64_t *compacted, ec_err *err);
/* The number of revisions whose history a compaction to rev drops. */
int64_t bg_compact_dropped(int64_t rev, int64_t compacted);
/* Intent, Compact, result. */
int bg_maint_compact(ec_client *c, audit_log *log, int64_t rev, bool physical, int64_t prev_compact, uint64_t *seq,
                     ec_err *err, ec_err *warn);

/* Every member's status and the order to defragment them: followers first,
 * the leader last. Refuses (-2, err says why) when a member does not answer
 * or reports errors other than NOSPACE, or only_member (a name or hex id;
 * NULL: all) is not in the cluster. Free with bg_defrag_plan_free. */
typedef struct bg_defrag_plan {
    ec_cluster_status *cs;
    size_t order[BG_DEFRAG_MAX_MEMBERS];   /* indexes into cs->members */
    size_t n;
    uint64_t leader;
} bg_defrag_plan;
int bg_defrag_plan_build(ec_client *c, const char *only_member, bg_defrag_plan *p, ec_err *err);
void bg_defrag_plan_free(bg_defrag_plan *p);
/* Defragments one member (intent, Defragment pinned to its endpoint, its
 * status after, result). after_ok: *after holds the status read after. */
int bg_defrag_member(ec_client *c, audit_log *log, const ec_member_status *m, uint64_t *seq, ec_status *after,
                     bool *after_ok, ec_err *err, ec_err *warn);

/* Disarms a[0..n) as one recorded action; *done counts the disarmed. */
int bg_maint_disarm(ec_client *c, audit_log *log, const ec_alarm *a, size_t n, size_t *done, uint64_t *seq,
                    ec_err *err, ec_err *warn);
/* Puts and deletes BG_PROBE_KEY (recorded): do writes work? */
int bg_maint_write_probe(ec_client *c, audit_log *log, uint64_t *seq, ec_err *err, ec_err *warn);

/* The keys attached to lease id with their values, read at one revision
 * (they vanish with the lease, so they go into the audit log first). plan
 * is initialised here (free with bg_plan_free, also on failure). Returns -2
 * when the lease does not exist. */
int bg_lease_plan_build(ec_client *c, int64_t id, bg_plan *plan, int64_t *granted_ttl, int64_t *ttl, ec_err *err);
/* Intent (with the pre-images), LeaseRevoke, result. */
int bg_lease_revoke_run(ec_client *c, audit_log *log, const bg_plan *plan, int64_t id, uint64_t *seq, ec_err *err,
                        ec_err *warn);

/* Puts back the keys of a restore plan (recorded as intent "restore" and
 * its result). Returns -1 only when the intent could not be recorded; an
 * etcd error part way fills failure (empty when every batch ran) and *ro
 * says how far it got. */
int bg_audit_restore_run(ec_client *c, audit_log *log, const audit_restore_plan *rp, bg_restore_outcome *ro,
                         uint64_t *seq, char *failure, size_t failure_size, ec_err *err, ec_err *warn);

/* Saves a snapshot from the endpoint in use to path (SHA-256 checked);
 * info->revision is the member's revision just before when the stream
 * carries none. */
int bg_snapshot_take(ec_client *c, const char *path, ec_progress_fn progress, void *ud, ec_snapshot_info *info,
                     ec_err *err);
/* Records a snapshot taken (one "snapshot-save" action record). */
int bg_snapshot_record(audit_log *log, ec_client *c, const char *path, const ec_snapshot_info *info, ec_err *err);
/* The default place of a snapshot: $XDG_STATE_HOME/breakglass/snapshots/
 * (~/.local/state/... when unset or relative), named etcd-<UTC time>.db;
 * the directory is created (0700). */
int bg_snapshot_default_path(char *out, size_t size, ec_err *err);

#endif
