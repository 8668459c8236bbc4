#include "tui/console/audit_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/audit/audit.h"
#include "tui/console/text.h"

static void esc_str(ec_buf *b, const char *s, bool utf8)
{
    ct_escape(b, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0, utf8);
}

static const char *jstr(const json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool jint(const json_t *o, const char *k, int64_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* s escaped (ASCII only, so the columns line up), cut in the middle to w. */
static void cell(char *out, size_t outsz, const uint8_t *s, size_t n, int w)
{
    ec_buf e, f;
    ec_buf_init(&e, 0);
    ec_buf_init(&f, 0);
    ct_escape(&e, s ? s : (const uint8_t *)"", s ? n : 0, false);
    ct_crop_mid(&f, e.data ? e.data : "", e.len, w, false);
    snprintf(out, outsz, "%s", f.data ? f.data : "");
    ec_buf_free(&e);
    ec_buf_free(&f);
}

static void cell_str(char *out, size_t outsz, const char *s, int w)
{
    cell(out, outsz, (const uint8_t *)(s ? s : "-"), s ? strlen(s) : 1, w);
}

void av_row_fill(av_row *r, const json_t *rec, const char *error, uint64_t lineno, uint64_t offset, uint64_t len)
{
    memset(r, 0, sizeof *r);
    r->lineno = lineno;
    r->offset = offset;
    r->len = len;
    int64_t seq = 0, v;
    if (!rec || !jint(rec, "seq", &seq)) {
        snprintf(r->action, sizeof r->action, "(not a record)");
        cell_str(r->result, sizeof r->result, rec ? "no seq" : error ? error : "not a record", 40);
        return;
    }
    r->seq = (uint64_t)seq;
    const char *t = jstr(rec, "time");
    /* "2026-11-25T14:47:57.433Z": to the second, in UTC. */
    if (t && strlen(t) >= 19) {
        char tt[21];
        memcpy(tt, t, 19);
        tt[19] = 'Z';
        tt[20] = '\0';
        cell_str(r->time, sizeof r->time, tt, 20);
    } else {
        cell_str(r->time, sizeof r->time, t, 20);
    }
    cell_str(r->user, sizeof r->user, jstr(json_object_get(rec, "identity"), "user"), 10);
    const char *action = jstr(rec, "action");
    const char *kind = jstr(rec, "kind");
    cell_str(r->action, sizeof r->action, action, 14);
    const char *tb = jstr(rec, "target_b64");
    uint8_t *raw = NULL;
    size_t rn = 0;
    if (tb && audit_b64_decode(tb, strlen(tb), &raw, &rn) == 0)
        cell(r->target, sizeof r->target, raw, rn, 30);
    else
        cell_str(r->target, sizeof r->target, jstr(rec, "target"), 30);
    free(raw);
    r->is_intent = kind && strcmp(kind, "intent") == 0;
    r->restorable = action && (strncmp(action, "delete-", 7) == 0 || strcmp(action, "lease-revoke") == 0) && kind &&
                    strcmp(kind, "action") != 0;
    json_t *plan = json_object_get(rec, "plan");
    json_t *res = json_object_get(rec, "result");
    if (r->is_intent) {
        json_t *pre = json_object_get(rec, "preimages");
        if (jint(plan, "count", &v))
            snprintf(r->counts, sizeof r->counts, "%" PRId64 " keys", v);
        else if (json_is_array(pre))
            snprintf(r->counts, sizeof r->counts, "%zu keys", json_array_size(pre));
        else if (json_is_array(json_object_get(plan, "keys_b64")))
            snprintf(r->counts, sizeof r->counts, "%zu keys", json_array_size(json_object_get(plan, "keys_b64")));
        snprintf(r->result, sizeof r->result, "no result yet");
        return;
    }
    if (json_is_object(res)) {
        if (jint(res, "deleted", &v))
            snprintf(r->counts, sizeof r->counts, "deleted %" PRId64 ", skipped %zu", v,
                     json_array_size(json_object_get(res, "skipped")));
        else if (jint(res, "restored", &v))
            snprintf(r->counts, sizeof r->counts, "restored %" PRId64, v);
        else if (jint(res, "disarmed", &v))
            snprintf(r->counts, sizeof r->counts, "disarmed %" PRId64, v);
        else if (jint(res, "bytes", &v))
            snprintf(r->counts, sizeof r->counts, "%" PRId64 " bytes", v);
        const char *err = jstr(res, "error");
        if (err) {
            char e2[40];
            cell_str(e2, sizeof e2, err, 30);
            snprintf(r->result, sizeof r->result, "error: %s", e2);
        } else {
            int64_t iseq;
            if (jint(rec, "intent_seq", &iseq))
                snprintf(r->result, sizeof r->result, "ok (of #%" PRId64 ")", iseq);
            else
                snprintf(r->result, sizeof r->result, "ok");
        }
    } else {
        snprintf(r->result, sizeof r->result, "%s", kind && !strcmp(kind, "action") ? "ok" : "-");
    }
}


static void put_b64(ec_buf *b, const char *s, size_t max, bool utf8)
{
    uint8_t *raw;
    size_t n;
    if (!s || audit_b64_decode(s, strlen(s), &raw, &n) != 0) {
        ec_buf_puts(b, "(not base64)");
        return;
    }
    ct_escape(b, raw, n < max ? n : max, utf8);
    if (n > max)
        ec_buf_printf(b, "... (%zu bytes in all)", n);
    free(raw);
}

static void put_json(ec_buf *b, const json_t *v, bool utf8)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
    if (s) {
        size_t n = strlen(s);
        ct_sanitize(b, s, n > 4096 ? 4096 : n, utf8);
        if (n > 4096)
            ec_buf_puts(b, "...");
    }
    free(s);
}

int av_describe(ec_buf *b, const json_t *rec, bool utf8, size_t value_max)
{
    if (audit_show_record(b, rec) != 0)
        return -1;
    json_t *plan = json_object_get(rec, "plan");
    json_t *keys = json_object_get(plan, "keys");
    if (json_is_array(keys)) {
        ec_buf_printf(b, "\nplan: %zu keys\n", json_array_size(keys));
        size_t i;
        json_t *k;
        json_array_foreach(keys, i, k)
        {
            ec_buf_puts(b, "    ");
            put_b64(b, jstr(k, "key_b64"), 4096, utf8);
            int64_t mr;
            if (jint(k, "mod_revision", &mr))
                ec_buf_printf(b, "   (mod revision %" PRId64 ")", mr);
            if (ec_buf_putc(b, '\n') != 0)
                return -1;
        }
    } else if (plan) {
        ec_buf_puts(b, "\nplan: ");
        put_json(b, plan, utf8);
        ec_buf_putc(b, '\n');
    }
    json_t *pre = json_object_get(rec, "preimages");
    if (json_is_array(pre)) {
        ec_buf_printf(b, "\npre-images: %zu (what the delete removed; restore puts them back)\n", json_array_size(pre));
        size_t i;
        json_t *p;
        json_array_foreach(pre, i, p)
        {
            int64_t cr = 0, mr = 0, ver = 0, lease = 0;
            jint(p, "create_revision", &cr);
            jint(p, "mod_revision", &mr);
            jint(p, "version", &ver);
            jint(p, "lease", &lease);
            ec_buf_puts(b, "    ");
            put_b64(b, jstr(p, "key_b64"), 4096, utf8);
            ec_buf_printf(b, "\n      create %" PRId64 ", mod %" PRId64 ", version %" PRId64, cr, mr, ver);
            if (lease)
                ec_buf_printf(b, ", lease %016" PRIx64, (uint64_t)lease);
            else
                ec_buf_puts(b, ", no lease");
            ec_buf_puts(b, "\n      value: ");
            put_b64(b, jstr(p, "value_b64"), value_max, utf8);
            if (ec_buf_putc(b, '\n') != 0)
                return -1;
        }
    }
    json_t *res = json_object_get(rec, "result");
    if (json_is_object(res)) {
        ec_buf_puts(b, "\nresult:\n");
        const char *k;
        json_t *v;
        json_object_foreach(res, k, v)
        {
            if (!strcmp(k, "skipped") && json_is_array(v))
                continue;
            ec_buf_puts(b, "    ");
            esc_str(b, k, utf8);
            ec_buf_puts(b, ": ");
            put_json(b, v, utf8);
            ec_buf_putc(b, '\n');
        }
        json_t *sk = json_object_get(res, "skipped");
        if (json_is_array(sk) && json_array_size(sk)) {
            ec_buf_printf(b, "skipped keys: %zu (not deleted)\n", json_array_size(sk));
            size_t i;
            json_t *s;
            json_array_foreach(sk, i, s)
            {
                ec_buf_puts(b, "    ");
                put_b64(b, jstr(s, "key_b64"), 4096, utf8);
                ec_buf_puts(b, "   (");
                esc_str(b, jstr(s, "reason"), utf8);
                if (ec_buf_puts(b, ")\n") != 0)
                    return -1;
            }
        }
    }
    return 0;
}


void av_row_mark_result(av_row *intent, const av_row *res)
{
    snprintf(intent->result, sizeof intent->result, "%s (#%" PRIu64 ")",
             strncmp(res->result, "error", 5) == 0 ? "failed" : "done", res->seq);
}

char *av_row_line(const av_row *r)
{
    char seq[24], *out;
    if (r->seq)
        snprintf(seq, sizeof seq, "%" PRIu64, r->seq);
    else
        snprintf(seq, sizeof seq, "l%" PRIu64, r->lineno);
    if (asprintf(&out, "%c%6s  %-20s  %-10s  %-14s  %-30s  %-22s  %s", r->bad ? '!' : ' ', seq, r->time, r->user,
                 r->action, r->target, r->counts, r->result) < 0)
        return NULL;
    return out;
}
