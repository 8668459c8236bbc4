/* Defragmentation from the maintenance screen: every member one at a time,
 * leader last, with a pause between (also step 2 of the NOSPACE recovery). */
#include <inttypes.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void jm_plan_defrag(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    bg_defrag_plan_free(&mp->dp);
    int k = bg_defrag_plan_build(c->client, NULL, &mp->dp, err);
    if (k != 0) {
        *rc = k;
        return;
    }
    const bg_defrag_plan *p = &mp->dp;
    ec_buf_printf(&m->text, "plan: defragment %zu member%s one at a time, leader last, pausing %d ms between\n", p->n,
                  p->n == 1 ? "" : "s", CON_DEFRAG_PAUSE_MS);
    ec_buf_puts(&m->text, "  health check: every member answers, no errors other than NOSPACE\n");
    for (size_t i = 0; i < p->n; i++) {
        const ec_member_status *ms = &p->cs->members[p->order[i]];
        char a[24], b[24], r[24];
        int64_t reclaim = ms->status.db_size - ms->status.db_size_in_use;
        ec_buf_printf(&m->text, "  %zu. ", i + 1);
        jm_esc_str(&m->text, ms->member.name, c->utf8);
        ec_buf_puts(&m->text, "  ");
        jm_esc_str(&m->text, ms->endpoint, c->utf8);
        ec_buf_printf(&m->text, "  db %s, in use %s, expected to reclaim about %s%s\n",
                      ct_bytes((uint64_t)ms->status.db_size, a, sizeof a),
                      ct_bytes((uint64_t)ms->status.db_size_in_use, b, sizeof b),
                      ct_bytes((uint64_t)(reclaim > 0 ? reclaim : 0), r, sizeof r),
                      ms->member.id == p->leader ? " (leader)" : "");
    }
    ec_buf_puts(&m->text, "  each member stops serving while it defragments\n");
    ec_buf_puts(&m->confirm, "defrag");
    ec_buf_printf(&m->what, "defragment %zu member%s", p->n, p->n == 1 ? "" : "s");
    *rc = 0;
}

int jm_run_defrag(con *c, mpriv *mp, uint64_t gen, ec_buf *t, ec_err *err)
{
    const bg_defrag_plan *p = &mp->dp;
    uint64_t seen = 0;
    for (size_t k = 0; k < p->n; k++) {
        const ec_member_status *ms = &p->cs->members[p->order[k]];
        ev_maint *m = jm_new_maint(MP_RUNNING);
        if (m) {
            ec_buf_append(&m->text, t->data ? t->data : "", t->len);
            ec_buf_printf(&m->text, "defragmenting %zu of %zu: ", k + 1, p->n);
            jm_esc_str(&m->text, ms->member.name, c->utf8);
            ec_buf_puts(&m->text, " ...\n");
            jm_post_maint(c, gen, m, 1);
        }
        uint64_t seq;
        ec_status after;
        bool after_ok;
        ec_err warn;
        int rc = bg_defrag_member(c->client, mp->log, ms, &seq, &after, &after_ok, err, &warn);
        jm_put_warn(t, &warn);
        if (rc != 0) {
            ec_buf_puts(t, seq ? "defragmentation of " : "nothing was sent to etcd for ");
            jm_esc_str(t, ms->member.name, c->utf8);
            ec_buf_puts(t, " failed: ");
            ct_sanitize(t, err->msg, strlen(err->msg), false);
            ec_buf_puts(t, "\nstopped: the remaining members were not defragmented\n");
            return -1;
        }
        char a[24], b[24];
        ec_buf_printf(t, "%zu. defragmented ", k + 1);
        jm_esc_str(t, ms->member.name, c->utf8);
        ec_buf_puts(t, " ");
        jm_esc_str(t, ms->endpoint, c->utf8);
        ec_buf_printf(t, "%s: db %s -> %s (audit #%" PRIu64 ")\n", ms->member.id == p->leader ? " (leader)" : "",
                      ct_bytes((uint64_t)ms->status.db_size, a, sizeof a),
                      after_ok ? ct_bytes((uint64_t)after.db_size, b, sizeof b) : "?", seq);
        if (k + 1 < p->n && cw_wait(&c->jm.t, CON_DEFRAG_PAUSE_MS, &seen)) {
            ec_buf_puts(t, "stopped: the console is closing; the remaining members were not defragmented\n");
            return ec_fail(err, EC_E_CANCELLED, "stopped");
        }
    }
    ec_buf_puts(t, "order: ");
    for (size_t k = 0; k < p->n; k++) {
        if (k)
            ec_buf_puts(t, ", ");
        jm_esc_str(t, p->cs->members[p->order[k]].member.name, c->utf8);
    }
    ec_buf_puts(t, " (leader last)\n");
    return 0;
}
