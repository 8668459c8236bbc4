/* Compaction from the maintenance screen: its plan and its run (also step 1
 * of the NOSPACE recovery, physical there). */
#include <inttypes.h>

#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void jm_plan_compact(con *c, mpriv *mp, ev_maint *m, ec_err *err, int *rc)
{
    int64_t current = 0;
    int k = bg_compact_check(c->client, &mp->rev, &current, &mp->compacted, err);
    if (k != 0) {
        *rc = k;
        return;
    }
    if (mp->compacted > 0)
        ec_buf_printf(&m->text,
                      "plan: compact to revision %" PRId64 " (current %" PRId64 ", compacted so far up to %" PRId64
                      ")\n",
                      mp->rev, current, mp->compacted);
    else
        ec_buf_printf(&m->text, "plan: compact to revision %" PRId64 " (current %" PRId64 ", never compacted)\n",
                      mp->rev, current);
    ec_buf_printf(&m->text,
                  "  drops the history of %" PRId64 " revisions; watchers and readers of older revisions must relist\n",
                  bg_compact_dropped(mp->rev, mp->compacted));
    ec_buf_printf(&m->confirm, "%" PRId64, mp->rev);
    ec_buf_printf(&m->what, "compact to revision %" PRId64, mp->rev);
    *rc = 0;
}

int jm_run_compact(con *c, mpriv *mp, bool physical, ec_buf *t, ec_err *err)
{
    uint64_t seq;
    ec_err warn;
    int rc = bg_maint_compact(c->client, mp->log, mp->rev, physical, mp->compacted, &seq, err, &warn);
    jm_put_warn(t, &warn);
    if (rc != 0) {
        ec_buf_puts(t, seq ? "compaction failed: " : "nothing was sent to etcd: ");
        ct_sanitize(t, err->msg, strlen(err->msg), false);
        ec_buf_putc(t, '\n');
        return -1;
    }
    ec_buf_printf(t, "compacted to revision %" PRId64 "%s (audit #%" PRIu64 ")\n", mp->rev,
                  physical ? ", physically" : "", seq);
    ec_buf_printf(t, "  reads and watches of revisions before %" PRId64 " now fail: their clients must relist\n",
                  mp->rev);
    return 0;
}
