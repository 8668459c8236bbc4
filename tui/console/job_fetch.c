/* The value viewer's read: one Range of one key, then the decoding (done
 * here, not on the UI thread, as a large value takes a while to render).
 * Only the newest request matters: an older one still pending is skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcdclient/k8s/peek.h"
#include "etcdclient/k8s/render.h"
#include "tui/console/con.h"
#include "tui/console/text.h"

static void render(ev_value *v)
{
    const uint8_t *p = (const uint8_t *)(v->raw.data ? v->raw.data : "");
    ec_k8s_peek pk;
    ec_k8s_peek_value(p, v->raw.len, &pk, NULL);
    snprintf(v->encoding, sizeof v->encoding, "%s", ec_k8s_encoding_name(pk.encoding));
    ec_k8s_render_opts ro = {0, CON_VALUE_RENDER_MAX, 0};
    ec_err err;
    if (ec_k8s_render_text(p, v->raw.len, &ro, &v->text, &err) == 0)
        return;
    /* The renderer ran out of memory: fall back to our own hex dump. */
    v->render_failed = true;
    ec_buf_reset(&v->text);
    ec_buf_printf(&v->text, "[cannot decode the value: %s]\n", err.msg);
    ct_hexdump(&v->text, p, v->raw.len, CON_VALUE_RENDER_MAX / 5);
}

typedef struct hist_count {
    int64_t records, deletes;
} hist_count;

static int count_record(void *ctx, const ec_offline_kv *kv, ec_err *err)
{
    (void)err;
    hist_count *h = ctx;
    h->records++;
    if (kv->deleted)
        h->deletes++;
    return 0;
}

/* Offline: the newest record of the key in the file and how many records
 * of it the file holds. */
static void fetch_offline(con *c, ev_value *v, const ec_buf *key)
{
    const uint8_t *k = (const uint8_t *)(key->data ? key->data : "");
    ec_offline_kv kv;
    int state = EC_OFFLINE_ABSENT;
    hist_count h = {0, 0};
    pthread_mutex_lock(&c->off_mu);
    int rc = ec_offline_get(c->off, k, key->len, &kv, &state, &v->err);
    if (rc == 0 && state == EC_OFFLINE_LIVE) {
        v->found = true;
        v->meta = (ec_kv){NULL, 0, NULL, kv.value_len, kv.create_revision, kv.mod_revision, kv.version, kv.lease};
        if (ec_buf_append(&v->raw, kv.value_len ? kv.value : (const uint8_t *)"", kv.value_len) != 0) {
            rc = -1;
            ec_fail(&v->err, EC_E_NOMEM, "out of memory for a value of %zu bytes", kv.value_len);
        }
        ec_err herr;
        if (rc == 0 && ec_offline_history(c->off, k, key->len, count_record, &h, &herr) == 0) {
            v->history = h.records;
            v->history_deletes = h.deletes;
        }
    } else if (rc == 0) {
        ec_fail(&v->err, EC_E_INVALID, "%s", state == EC_OFFLINE_DELETED ? "the key is deleted in the file"
                                                                        : "the key is not in the file");
    }
    pthread_mutex_unlock(&c->off_mu);
    v->ok = rc == 0;
    if (v->ok && v->found)
        render(v);
}

static void fetch(con *c, uint64_t gen, const ec_buf *key)
{
    ev_value *v = calloc(1, sizeof *v);
    if (!v)
        return;
    ec_buf_init(&v->raw, 0);
    ec_buf_init(&v->text, 0);
    v->history = v->history_deletes = -1;
    ec_range_opts o = {.key = (const uint8_t *)(key->data ? key->data : ""), .key_len = key->len};
    ec_range_result *r;
    if (c->off) {
        fetch_offline(c, v, key);
    } else if (key->len == 0) {
        /* The empty key cannot be asked for (etcd reads "" as "from the
         * start"); say so rather than show another key. */
        v->ok = true;
        v->found = false;
        ec_fail(&v->err, EC_E_INVALID, "the empty key cannot be read through the v3 API");
    } else if (ec_range_once(c->client, &o, &r, &v->err) == 0) {
        v->ok = true;
        v->revision = r->header.revision;
        for (size_t i = 0; i < r->n_kvs; i++) {
            const ec_kv *kv = &r->kvs[i];
            if (kv->key_len != key->len || memcmp(kv->key, key->data, key->len) != 0)
                continue;
            v->found = true;
            v->meta = *kv;
            v->meta.key = NULL;
            v->meta.value = NULL;
            if (ec_buf_append(&v->raw, kv->value_len ? kv->value : (const uint8_t *)"", kv->value_len) != 0) {
                v->ok = false;
                ec_fail(&v->err, EC_E_NOMEM, "out of memory for a value of %zu bytes", kv->value_len);
            }
        }
        ec_range_result_free(r);
        if (v->ok && v->found)
            render(v);
    }
    cq_ev *ev = cq_ev_new(EV_VALUE, gen);
    if (!ev) {
        ev_value_free(v);
        return;
    }
    ev->data = v;
    ev->free_data = ev_value_free;
    cq_push(c->q, ev);
}

static void *fetch_main(void *arg)
{
    con *c = arg;
    job_fetch *j = &c->jf;
    uint64_t seen = 0;
    ec_buf key;
    ec_buf_init(&key, 0);
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        int stop = j->t.stop;
        uint64_t gen = j->gen;
        bool todo = gen && gen != j->done_gen;
        if (todo) {
            j->done_gen = gen;
            ec_buf_reset(&key);
            ec_buf_append(&key, j->key.data ? j->key.data : "", j->key.len);
        }
        pthread_mutex_unlock(&j->t.mu);
        if (stop)
            break;
        if (todo) {
            fetch(c, gen, &key);
            continue;
        }
        if (cw_wait(&j->t, -1, &seen))
            break;
    }
    ec_buf_free(&key);
    return NULL;
}

int job_fetch_start(con *c)
{
    job_fetch *j = &c->jf;
    cw_init(&j->t, "value read");
    j->gen = j->done_gen = 0;
    ec_buf_init(&j->key, 0);
    return cw_start(&j->t, fetch_main, c);
}

void job_fetch_request(con *c, uint64_t gen, const uint8_t *key, size_t len)
{
    job_fetch *j = &c->jf;
    pthread_mutex_lock(&j->t.mu);
    j->gen = gen;
    ec_buf_reset(&j->key);
    ec_buf_append(&j->key, len ? key : (const uint8_t *)"", len);
    pthread_mutex_unlock(&j->t.mu);
    cw_kick(&j->t);
}
