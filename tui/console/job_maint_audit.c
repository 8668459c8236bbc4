/* The audit review's reads (A), done by the maintenance worker: the list
 * (streamed, verified, the newest rows kept) and one record whole. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/console/audit_view.h"
#include "tui/console/job_maint.h"
#include "tui/console/text.h"

void ev_audit_free(void *p)
{
    ev_audit *a = p;
    if (!a)
        return;
    ec_buf_free(&a->msg);
    ec_buf_free(&a->path);
    ec_buf_free(&a->verify);
    ec_buf_free(&a->detail);
    for (size_t i = 0; i < a->n_rows; i++)
        free(a->rows[i].text);
    free(a->rows);
    free(a);
}

static ev_audit *new_audit(int kind)
{
    ev_audit *a = calloc(1, sizeof *a);
    if (a) {
        a->kind = kind;
        ec_buf_init(&a->msg, 0);
        ec_buf_init(&a->path, 0);
        ec_buf_init(&a->verify, 0);
        ec_buf_init(&a->detail, CON_AUDIT_DETAIL_MAX);
    }
    return a;
}

void jm_audit_load(con *c, mpriv *mp, uint64_t gen)
{
    ev_audit *a = new_audit(AUD_LIST);
    if (!a)
        return;
    ec_err err;
    audit_reader *r = NULL;
    av_row *ring = NULL;
    audit_key key;
    bool have_key = false;
    if (jm_open_log(c, mp, &err) != 0)
        goto fail;
    const char *path = audit_log_path(mp->log);
    jm_esc_str(&a->path, path, c->utf8);
    if (c->ctx->opts->audit_key) {
        if (audit_key_load(&key, c->ctx->opts->audit_key, &err) != 0)
            goto fail;
        have_key = true;
    }
    audit_verify_result vr;
    audit_status st = audit_verify_file(path, have_key ? &key : NULL, &vr);
    a->intact = st == AUDIT_INTACT;
    ct_sanitize(&a->verify, vr.msg, strlen(vr.msg), c->utf8);
    if (audit_reader_open(&r, path, &err) != 0)
        goto fail;
    ring = calloc(CON_AUDIT_ROWS_MAX, sizeof *ring);
    if (!ring) {
        ec_fail(&err, EC_E_NOMEM, "cannot list the audit log: out of memory");
        goto fail;
    }
    size_t n = 0, head = 0; /* ring[head] is the oldest once full */
    const audit_entry *e;
    int rc;
    while ((rc = audit_reader_next(r, &e, &err)) == 1) {
        if (cw_stopping(&c->jm.t))
            break;
        a->records++;
        av_row row;
        av_row_fill(&row, e->rec, e->error, e->lineno, e->offset, e->len);
        row.bad = st != AUDIT_INTACT && vr.bad_line && e->lineno >= vr.bad_line;
        /* A result marks its intent (a few rows back, usually the last). */
        int64_t iseq;
        json_t *is = e->rec ? json_object_get(e->rec, "intent_seq") : NULL;
        if (json_is_integer(is) && (iseq = (int64_t)json_integer_value(is)) > 0) {
            for (size_t k = 0; k < n && k < 256; k++) {
                av_row *p = &ring[(head + n - 1 - k) % CON_AUDIT_ROWS_MAX];
                if (p->is_intent && p->seq == (uint64_t)iseq) {
                    av_row_mark_result(p, &row);
                    break;
                }
            }
        }
        if (n < CON_AUDIT_ROWS_MAX) {
            ring[(head + n++) % CON_AUDIT_ROWS_MAX] = row;
        } else {
            ring[head] = row;
            head = (head + 1) % CON_AUDIT_ROWS_MAX;
            a->cut = true;
        }
    }
    if (rc < 0)
        goto fail;
    a->rows = calloc(n ? n : 1, sizeof *a->rows);
    if (!a->rows) {
        ec_fail(&err, EC_E_NOMEM, "cannot list the audit log: out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        const av_row *p = &ring[(head + n - 1 - k) % CON_AUDIT_ROWS_MAX];
        audit_row *o = &a->rows[a->n_rows];
        o->seq = p->seq;
        o->lineno = p->lineno;
        o->offset = p->offset;
        o->len = p->len;
        o->restorable = p->restorable;
        o->bad = p->bad;
        if (!(o->text = av_row_line(p)))
            break;
        a->n_rows++;
    }
    a->ok = true;
    free(ring);
    audit_reader_close(r);
    if (have_key)
        audit_key_free(&key);
    jm_post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
    return;
fail:
    free(ring);
    if (r)
        audit_reader_close(r);
    if (have_key)
        audit_key_free(&key);
    a->ok = false;
    ct_sanitize(&a->msg, err.msg, strlen(err.msg), c->utf8);
    jm_post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
}

void jm_audit_record(con *c, mpriv *mp, uint64_t gen, uint64_t offset, uint64_t len)
{
    ev_audit *a = new_audit(AUD_RECORD);
    if (!a)
        return;
    ec_err err;
    char *buf = NULL;
    int fd = -1;
    if (jm_open_log(c, mp, &err) != 0)
        goto fail;
    const char *path = audit_log_path(mp->log);
    if (len > AUDIT_RECORD_MAX) {
        ec_fail(&err, EC_E_NOMEM, "record at offset %" PRIu64 " is too long to show (%" PRIu64 " bytes)", offset, len);
        goto fail;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    buf = malloc(len ? len : 1);
    if (fd < 0 || !buf) {
        ec_fail(&err, EC_E_IO, "cannot read the audit log '%s': %s", path, fd < 0 ? strerror(errno) : "out of memory");
        goto fail;
    }
    ssize_t got = pread(fd, buf, len, (off_t)offset);
    if (got < 0 || (uint64_t)got != len) {
        ec_fail(&err, EC_E_IO, "cannot read the record at offset %" PRIu64 " of '%s': %s", offset, path,
                got < 0 ? strerror(errno) : "the file is shorter now");
        goto fail;
    }
    json_error_t je;
    json_t *rec = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(rec)) {
        json_decref(rec);
        ec_fail(&err, EC_E_CORRUPT, "line at offset %" PRIu64 " is not a record: %s", offset, je.text);
        goto fail;
    }
    if (av_describe(&a->detail, rec, c->utf8, CON_AUDIT_VALUE_SHOW) != 0)
        ec_buf_puts(&a->detail, "\n(cut: the record is longer than the console shows; see 'breakglass audit show')\n");
    json_decref(rec);
    a->ok = true;
    free(buf);
    close(fd);
    jm_post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
    return;
fail:
    free(buf);
    if (fd >= 0)
        close(fd);
    ct_sanitize(&a->msg, err.msg, strlen(err.msg), c->utf8);
    jm_post(c, EV_AUDIT, gen, a, ev_audit_free, 0);
}
