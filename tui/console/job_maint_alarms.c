/* Disarming alarms from the maintenance screen (also step 3 of the NOSPACE
 * recovery). */
#include <inttypes.h>
#include <stdlib.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void jm_plan_alarms(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    free(mp->alarms);
    mp->alarms = NULL;
    if (ec_alarm_list(c->client, &mp->alarms, &mp->n_alarms, err) != 0) {
        mp->alarms = NULL;
        mp->n_alarms = 0;
        *rc = -1;
        return;
    }
    *rc = 0;
    if (mp->n_alarms == 0) {
        ec_buf_puts(&m->text, "no active alarms: nothing to disarm\n");
        return;
    }
    ec_buf_printf(&m->text, "plan: disarm %zu alarm%s:\n", mp->n_alarms, mp->n_alarms == 1 ? "" : "s");
    for (size_t i = 0; i < mp->n_alarms; i++)
        ec_buf_printf(&m->text, "  %s on member %" PRIx64 "\n", ec_alarm_name(mp->alarms[i].type),
                      mp->alarms[i].member_id);
    ec_buf_puts(&m->text, "  a NOSPACE alarm comes back at once unless space was freed (compact + defrag) first\n");
    ec_buf_puts(&m->confirm, "disarm");
    ec_buf_printf(&m->what, "disarm %zu alarm%s", mp->n_alarms, mp->n_alarms == 1 ? "" : "s");
}

int jm_run_disarm(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    size_t done;
    uint64_t seq;
    ec_err warn;
    int rc = bg_maint_disarm(c->client, mp->log, mp->alarms, mp->n_alarms, &done, &seq, err, &warn);
    jm_put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "disarm failed: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "disarmed %zu alarm%s (audit #%" PRIu64 ")\n", done, done == 1 ? "" : "s", seq);
    return 0;
}
