/* Revoking a lease from the maintenance screen: the keys that vanish with
 * it are recorded in the audit log first. */
#include <inttypes.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void jm_plan_lease(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    int64_t granted = 0, ttl = 0;
    mp->has_lease = true;
    int k = bg_lease_plan_build(c->client, mp->lease_id, &mp->lease, &granted, &ttl, err);
    if (k != 0) {
        *rc = k;
        return;
    }
    const bg_plan *p = &mp->lease;
    ec_buf_printf(&m->text,
                  "plan: revoke lease %016" PRIx64 " (granted TTL %" PRId64 " s, %" PRId64
                  " s left); %zu key%s vanish with it:\n",
                  (uint64_t)mp->lease_id, granted, ttl, p->n, p->n == 1 ? "" : "s");
    for (size_t i = 0; i < p->n && i < JM_PLAN_SAMPLE_KEYS; i++) {
        ec_buf_puts(&m->text, "    ");
        ct_escape(&m->text, p->kvs[i].key, p->kvs[i].key_len, c->utf8);
        ec_buf_putc(&m->text, '\n');
    }
    if (p->n > JM_PLAN_SAMPLE_KEYS)
        ec_buf_printf(&m->text, "    ... and %zu more\n", p->n - JM_PLAN_SAMPLE_KEYS);
    ec_buf_puts(&m->text, "  their values go into the audit log first ('audit restore' can put them back)\n");
    ec_buf_printf(&m->confirm, "%016" PRIx64, (uint64_t)mp->lease_id);
    ec_buf_printf(&m->what, "revoke lease %016" PRIx64, (uint64_t)mp->lease_id);
    *rc = 0;
}

int jm_run_lease(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    uint64_t seq;
    ec_err warn;
    int rc = bg_lease_revoke_run(c->client, mp->log, &mp->lease, mp->lease_id, &seq, err, &warn);
    jm_put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "revoke failed: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "revoked lease %016" PRIx64 "; %zu key%s removed (audit #%" PRIu64 ")\n", (uint64_t)mp->lease_id,
                  mp->lease.n, mp->lease.n == 1 ? "" : "s", seq);
    ec_buf_printf(t, "undo: breakglass audit restore %" PRIu64 "\n", seq);
    return 0;
}
