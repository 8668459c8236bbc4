/* Putting back what an audited delete or lease revoke removed (u on the
 * audit screen): keys that exist again are left as they are. */
#include <inttypes.h>
#include <string.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void jm_plan_restore(con *c, mpriv *mp, uint64_t seq, ev_maint *m, ec_err *err, int *rc)
{
    *rc = -1;
    if (jm_open_log(c, mp, err) != 0)
        return;
    audit_key key;
    bool have_key = false;
    if (c->ctx->opts->audit_key) {
        if (audit_key_load(&key, c->ctx->opts->audit_key, err) != 0)
            return;
        have_key = true;
    }
    audit_reader *r;
    if (audit_reader_open(&r, audit_log_path(mp->log), err) != 0) {
        if (have_key)
            audit_key_free(&key);
        return;
    }
    memset(&mp->rp, 0, sizeof mp->rp);
    int k = audit_restore_plan_build(r, seq, have_key ? &key : NULL, 0, &mp->rp, err);
    audit_reader_close(r);
    if (have_key)
        audit_key_free(&key);
    if (k != 0)
        return;
    mp->has_rp = true;
    const audit_restore_plan *p = &mp->rp;
    ec_buf_printf(&m->text, "restore of #%" PRIu64 " (", p->intent_seq);
    jm_esc_str(&m->text, p->action, false); /* already escaped: printable */
    ec_buf_puts(&m->text, " '");
    jm_esc_str(&m->text, p->target, false);
    ec_buf_printf(&m->text, "', read at revision %" PRId64 "): %zu key%s to put back where absent\n", p->plan_revision,
                  p->n, p->n == 1 ? "" : "s");
    if (p->result_seq == 0)
        ec_buf_puts(&m->text,
                    "  no result record: the operation may have been interrupted; every pre-image is considered\n");
    if (p->skipped)
        ec_buf_printf(&m->text, "  %zu pre-image%s left out: the result says they were not deleted\n", p->skipped,
                      p->skipped == 1 ? "" : "s");
    for (size_t i = 0; i < p->n && i < JM_PLAN_SAMPLE_KEYS; i++) {
        ec_buf_puts(&m->text, "    ");
        ct_escape(&m->text, p->items[i].key, p->items[i].key_len, c->utf8);
        ec_buf_putc(&m->text, '\n');
    }
    if (p->n > JM_PLAN_SAMPLE_KEYS)
        ec_buf_printf(&m->text, "    ... and %zu more\n", p->n - JM_PLAN_SAMPLE_KEYS);
    ec_buf_puts(&m->text, "  a key that exists again is left as it is (nothing newer is overwritten)\n");
    ec_buf_printf(&m->confirm, "%" PRIu64, seq);
    ec_buf_printf(&m->what, "put back up to %zu key%s", p->n, p->n == 1 ? "" : "s");
    *rc = 0;
}

int jm_run_restore(con *c, mpriv *mp, ec_buf *t, ec_err *err)
{
    bg_restore_outcome ro;
    uint64_t seq;
    char failure[512];
    ec_err warn;
    if (bg_audit_restore_run(c->client, mp->log, &mp->rp, &ro, &seq, failure, sizeof failure, err, &warn) != 0) {
        ec_buf_puts(t, "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    jm_put_warn(t, &warn);
    ec_buf_printf(t, "restored %zu key%s, %zu already present (left as they are); audit #%" PRIu64 "\n", ro.restored,
                  ro.restored == 1 ? "" : "s", ro.present, seq);
    if (failure[0]) {
        ec_buf_puts(t, "stopped early: ");
        ct_sanitize(t, failure, strlen(failure), false);
        ec_buf_putc(t, '\n');
        return ec_fail(err, EC_E_INTERNAL, "%s", failure);
    }
    return 0;
}
