/* Internal to the maintenance worker (job_maint.c and job_maint_*.c): its
 * private state, the plumbing the operations share, and one plan and one
 * run per operation. Everything here runs on the worker thread; the UI
 * thread only sees the EV_MAINT and EV_AUDIT events posted from here. */
#ifndef CON_JOB_MAINT_H
#define CON_JOB_MAINT_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/console/con.h"
#include "tui/ops/maint.h"

/* Keys listed in a plan (the rest are counted). */
#define JM_PLAN_SAMPLE_KEYS 20

/* The worker's own state (job_maint.priv): the plan held until the
 * operator confirms or leaves, and the audit log it opened. */
typedef struct mpriv {
    audit_log *log;             /* opened on first use, closed at exit */
    uint64_t plan_gen;          /* the plan held; 0: none */
    mop op;
    int step;                   /* NOSPACE: the step planned (1..4) */
    int64_t rev, compacted;
    bg_defrag_plan dp;
    ec_alarm *alarms;
    size_t n_alarms;
    bg_plan lease;
    bool has_lease;
    int64_t lease_id;
    audit_restore_plan rp;
    bool has_rp;
    ec_buf hist;                /* NOSPACE: what the steps so far did (escaped) */
} mpriv;

/* ---- job_maint.c: shared plumbing ---- */

/* A new event of that phase with empty text, or NULL (out of memory).
 * Caller frees it with ev_maint_free, or hands it to jm_post_maint. */
ev_maint *jm_new_maint(int phase);
/* Queues data as an event for the UI thread, which then owns it (and frees
 * it with fr); without memory for the event, data is freed at once. */
void jm_post(con *c, int type, uint64_t gen, void *data, void (*fr)(void *), int coalesce);
/* jm_post of an EV_MAINT; m may be NULL (nothing is posted). */
void jm_post_maint(con *c, uint64_t gen, ev_maint *m, int coalesce);
/* Appends s (NULL: nothing) escaped for the screen. */
void jm_esc_str(ec_buf *b, const char *s, bool utf8);
/* Posts an MP_FAILED: before (may be NULL), then what failed, then the
 * error (may be NULL), escaped. */
void jm_post_failed(con *c, uint64_t gen, const ec_buf *before, const char *what, const ec_err *err);
/* Opens the audit log on first use (kept in mp->log); 0, or -1 with err. */
int jm_open_log(con *c, mpriv *mp, ec_err *err);
/* Forgets the plan held and what it owned. */
void jm_drop_plan(mpriv *mp);
/* Appends the warning of a result record that could not be written, if any. */
void jm_put_warn(ec_buf *t, const ec_err *warn);

/* ---- one file per operation ----
 * Plans append their text to m->text, what to type to m->confirm and what
 * it does to m->what, keep what the run needs in mp, and set *rc: 0, -1
 * (cannot read, err set) or -2 (refused, err set).
 * Runs append what they did to t; 0, or -1 with err. */

/* job_maint_audit.c: the audit screen's reads, posted as EV_AUDIT. */
void jm_audit_load(con *c, mpriv *mp, uint64_t gen);
void jm_audit_record(con *c, mpriv *mp, uint64_t gen, uint64_t offset, uint64_t len);

/* job_maint_compact.c: to mp->rev; physical for the NOSPACE recovery. */
void jm_plan_compact(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc);
int jm_run_compact(con *c, mpriv *mp, bool physical, ec_buf *t, ec_err *err);

/* job_maint_defrag.c: posts progress (MP_RUNNING) for generation gen. */
void jm_plan_defrag(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc);
int jm_run_defrag(con *c, mpriv *mp, uint64_t gen, ec_buf *t, ec_err *err);

/* job_maint_alarms.c: a plan without alarms asks for no confirmation. */
void jm_plan_alarms(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc);
int jm_run_disarm(con *c, mpriv *mp, ec_buf *t, ec_err *err);

/* job_maint_nospace.c: the plan of step mp->step (after mp->hist), its run,
 * and after a step that went well, the plan of the next one posted. */
void jm_plan_nospace_step(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc);
int jm_run_nospace_step(con *c, mpriv *mp, uint64_t gen, ec_buf *t, ec_err *err);
void jm_nospace_next(con *c, mpriv *mp, uint64_t gen, const ec_buf *t, ec_err *err);

/* job_maint_lease.c: lease mp->lease_id and the keys attached to it. */
void jm_plan_lease(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc);
int jm_run_lease(con *c, mpriv *mp, ec_buf *t, ec_err *err);

/* job_maint_restore.c: the restore of audit record seq. */
void jm_plan_restore(con *c, mpriv *mp, uint64_t seq, ev_maint *m, ec_err *err, int *rc);
int jm_run_restore(con *c, mpriv *mp, ec_buf *t, ec_err *err);

/* job_maint_snapshot.c: to path (NULL or "": the default place), posting
 * progress and the outcome for generation gen; no plan, no confirmation. */
void jm_snapshot_run(con *c, mpriv *mp, uint64_t gen, const char *path);

#endif
