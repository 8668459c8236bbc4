/* The NOSPACE recovery from the maintenance screen: four steps, each
 * planned and confirmed on its own (compact, defragment, disarm, then a
 * probe write), each plan showing what the steps before did. */
#include <inttypes.h>
#include <stdlib.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

/* NOSPACE: the plan of step mp->step, after what the steps before did. */
void jm_plan_nospace_step(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    if (mp->hist.len)
        ec_buf_append(&m->text, mp->hist.data, mp->hist.len);
    *rc = 0;
    switch (mp->step) {
    case 1: {
        ec_alarm *a = NULL;
        size_t n = 0, nospace = 0;
        if (ec_alarm_list(c->client, &a, &n, err) != 0) {
            *rc = -1;
            return;
        }
        for (size_t i = 0; i < n; i++)
            nospace += a[i].type == EC_ALARM_NOSPACE;
        free(a);
        mp->rev = 0;
        int64_t current = 0;
        int k = bg_compact_check(c->client, &mp->rev, &current, &mp->compacted, err);
        if (k == -1) {
            *rc = -1;
            return;
        }
        ec_buf_printf(&m->text, "NOSPACE recovery (%zu NOSPACE alarm%s active), four steps, each confirmed:\n",
                      nospace, nospace == 1 ? "" : "s");
        ec_buf_puts(&m->text, "  1. compact to the current revision (physical)\n"
                              "  2. defragment every member, one at a time, leader last\n"
                              "  3. disarm the alarms\n"
                              "  4. verify that writes work again (put and delete the key '" BG_PROBE_KEY "')\n"
                              "  free space first (remove the runaway data) or the alarm will come back\n\n");
        if (k == -2) {
            /* Nothing left to compact: straight to step 2. */
            ec_buf_printf(&mp->hist, "%.*s", (int)m->text.len, m->text.data);
            ec_buf_printf(&mp->hist, "step 1: nothing to compact (already compacted up to %" PRId64 ")\n",
                          mp->compacted);
            ec_buf_reset(&m->text);
            ec_buf_append(&m->text, "", 0);
            mp->step = 2;
            jm_plan_nospace_step(c, mp, m, err, rc);
            return;
        }
        ec_buf_printf(&m->text,
                      "step 1 of 4: compact to revision %" PRId64 " (physical); drops the history of %" PRId64
                      " revisions\n",
                      mp->rev, bg_compact_dropped(mp->rev, mp->compacted));
        ec_buf_printf(&m->confirm, "%" PRId64, mp->rev);
        ec_buf_printf(&m->what, "compact to revision %" PRId64, mp->rev);
        return;
    }
    case 2: {
        ec_buf_puts(&m->text, "step 2 of 4: ");
        jm_plan_defrag(c, mp, m, err, rc);
        return;
    }
    case 3:
        ec_buf_puts(&m->text, "step 3 of 4: ");
        jm_plan_alarms(c, mp, m, err, rc);
        if (*rc == 0 && mp->n_alarms == 0) {
            ec_buf_append(&mp->hist, m->text.data + mp->hist.len, m->text.len - mp->hist.len);
            ec_buf_reset(&m->text);
            ec_buf_append(&m->text, "", 0);
            mp->step = 4;
            jm_plan_nospace_step(c, mp, m, err, rc);
        }
        return;
    case 4:
        ec_buf_puts(&m->text, "step 4 of 4: verify writes: put and delete the key '" BG_PROBE_KEY "'\n");
        ec_buf_puts(&m->confirm, "probe");
        ec_buf_puts(&m->what, "write the probe key");
        return;
    default: *rc = -1; ec_fail(err, EC_E_INTERNAL, "no such step"); return;
    }
}

static int run_probe(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    uint64_t seq;
    ec_err warn;
    int rc = bg_maint_write_probe(c->client, mp->log, &seq, err, &warn);
    jm_put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "writes still fail: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "writes work again (audit #%" PRIu64 ")\n", seq);
    return 0;
}

/* Runs step mp->step: "step N: " and what it did, appended to t. */
int jm_run_nospace_step(con *c, mpriv *mp, uint64_t gen, ec_buf *t, ec_err *err)
{
    int step = mp->step;
    ec_buf_printf(t, "step %d: ", step);
    return step == 1   ? jm_run_compact(c, mp, true, t, err)
           : step == 2 ? jm_run_defrag(c, mp, gen, t, err)
           : step == 3 ? jm_run_disarm(c, mp, t, err)
                       : run_probe(c, mp, t, err);
}

void jm_nospace_next(con *c, mpriv *mp, uint64_t gen, const ec_buf *t, ec_err *err)
{
    int step = mp->step;
    /* On to the next step: its plan, confirmed again. */
    ec_buf_append(&mp->hist, t->data, t->len);
    ec_buf_putc(&mp->hist, '\n');
    ev_maint *m = jm_new_maint(MP_PLANNED);
    if (m) {
        int prc = 0;
        mp->step = step + 1;
        jm_plan_nospace_step(c, mp, m, err, &prc);
        if (prc != 0) {
            ev_maint_free(m);
            jm_post_failed(c, gen, &mp->hist, "cannot read the plan of the next step", err);
            jm_drop_plan(mp);
        } else {
            if (m->confirm.len == 0)
                m->phase = MP_DONE;
            jm_post_maint(c, gen, m, 0);
        }
    }
}
