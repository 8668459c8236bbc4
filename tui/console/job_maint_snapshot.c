/* A snapshot from the maintenance screen, or before a large delete: saved
 * with progress, SHA-256 checked, never over an existing file. */
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "tui/cli/commands.h"
#include "tui/console/job_maint.h"
#include "tui/console/text.h"

typedef struct snap_ud {
    con *c;
    uint64_t gen;
    const char *path;
    int64_t pace;           /* the client's byte limit per second; 0: none */
} snap_ud;

static void on_snap_progress(void *ud, uint64_t done, uint64_t remaining)
{
    snap_ud *s = ud;
    ev_maint *m = jm_new_maint(MP_RUNNING);
    if (!m)
        return;
    char a[24];
    ec_buf_puts(&m->text, "saving a snapshot to '");
    jm_esc_str(&m->text, s->path, s->c->utf8);
    ec_buf_printf(&m->text, "': %s received", ct_bytes(done, a, sizeof a));
    if (remaining)
        ec_buf_printf(&m->text, ", %s to go", ct_bytes(remaining, a, sizeof a));
    /* The default limit spares a sick etcd and makes a big snapshot slow:
     * say so while the operator waits, and how to lift it. */
    if (s->pace > 0)
        ec_buf_printf(&m->text, "\npaced at %s/s to spare etcd (start with --max-bytes 0 to lift the limit)",
                      ct_bytes((uint64_t)s->pace, a, sizeof a));
    ec_buf_putc(&m->text, '\n');
    jm_post_maint(s->c, s->gen, m, 1);
}

void jm_snapshot_run(con *c, mpriv *mp, uint64_t gen, const char *path)
{
    ec_err err;
    char def[4096];
    if (!path || !*path) {
        if (bg_snapshot_default_path(def, sizeof def, &err) != 0) {
            jm_post_failed(c, gen, NULL, "no snapshot saved", &err);
            return;
        }
        path = def;
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        ec_fail(&err, EC_E_INVALID, "'%s' exists: choose a new file name (a snapshot never overwrites)", path);
        jm_post_failed(c, gen, NULL, "no snapshot saved", &err);
        return;
    }
    snap_ud ud = {c, gen, path, c->ctx && c->ctx->opts ? bg_max_bytes(c->ctx->opts) : 0};
    ec_snapshot_info info;
    if (bg_snapshot_take(c->client, path, on_snap_progress, &ud, &info, &err) != 0) {
        jm_post_failed(c, gen, NULL, "no snapshot saved", &err);
        return;
    }
    ev_maint *m = jm_new_maint(MP_DONE);
    if (!m)
        return;
    char hb[24];
    ec_buf_puts(&m->text, "saved snapshot '");
    jm_esc_str(&m->text, path, c->utf8);
    ec_buf_puts(&m->text, "' from ");
    jm_esc_str(&m->text, ec_client_endpoint(c->client), c->utf8);
    ec_buf_printf(&m->text, ": %s at revision %" PRId64 " or later, SHA-256 checked\n",
                  ct_bytes(info.bytes, hb, sizeof hb), info.revision);
    /* Not a change, but who took one and where is worth knowing. */
    if (!c->ctx->opts->read_only) {
        if (jm_open_log(c, mp, &err) != 0 || bg_snapshot_record(mp->log, c->client, path, &info, &err) != 0) {
            ec_buf_puts(&m->text, "warning: not recorded in the audit log: ");
            ct_sanitize(&m->text, err.msg, strlen(err.msg), false);
            ec_buf_putc(&m->text, '\n');
        } else {
            ec_buf_puts(&m->text, "recorded in the audit log\n");
        }
    }
    jm_post_maint(c, gen, m, 0);
}
