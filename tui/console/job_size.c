/* The size scan (S): pages through the values below a directory at one
 * revision and records each key's value size in the tree, checked against
 * the key's mod_revision so a key changed meanwhile (by the watch) keeps
 * its newer size. Values are transferred, so it only runs when asked, one
 * at a time, paced between pages, and stops at the next page boundary when
 * cancelled. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"

static void post(con *c, uint64_t gen, int phase, int64_t done, int64_t total, int64_t bytes, int64_t ms,
                 const char *msg)
{
    cq_ev *ev = cq_ev_new(EV_SIZE, gen);
    if (!ev)
        return;
    ev->coalesce = 1;
    ev->n[0] = phase;
    ev->n[1] = done;
    ev->n[2] = total;
    ev->n[3] = bytes;
    ev->n[4] = ms;
    if (msg) {
        ev->data = strdup(msg);
        ev->free_data = free;
    }
    cq_push(c->q, ev);
}

static bool cancelled(con *c, uint64_t gen)
{
    job_size *j = &c->jz;
    pthread_mutex_lock(&j->t.mu);
    bool r = j->t.stop || j->cancel_gen >= gen || j->gen != gen;
    pthread_mutex_unlock(&j->t.mu);
    return r;
}

static int set_sizes(con *c, const ec_kv *kvs, size_t n, int64_t *bytes)
{
    for (size_t i = 0; i < n; i += CON_TREE_CHUNK) {
        size_t k = n - i < CON_TREE_CHUNK ? n - i : CON_TREE_CHUNK;
        pthread_mutex_lock(&c->ks_mu);
        for (size_t e = 0; e < k; e++) {
            const ec_kv *kv = &kvs[i + e];
            ec_err err;
            ec_ks_set_size(c->ks, kv->key, kv->key_len, kv->mod_revision, (int64_t)kv->value_len, &err);
            *bytes += (int64_t)kv->value_len;
        }
        pthread_mutex_unlock(&c->ks_mu);
    }
    return 0;
}

typedef struct size_restart {
    int64_t *done, *bytes;
    int64_t base_bytes;   /* the directory key's own value, read before the scan */
} size_restart;

static void on_size_restart(void *ud, int64_t old_rev, int64_t new_rev)
{
    (void)old_rev;
    (void)new_rev;
    size_restart *sr = ud;
    *sr->done = 0;
    *sr->bytes = sr->base_bytes;
}

static void run(con *c, uint64_t gen, const ec_buf *prefix, const ec_buf *dir_key, bool has_dir_key)
{
    int64_t t0 = cw_now_ms(), done = 0, bytes = 0, total = 0;
    ec_err err;
    char msg[600];
    post(c, gen, SZ_RUNNING, 0, 0, 0, 0, NULL);
    if (has_dir_key) {
        ec_range_opts o = {.key = (const uint8_t *)dir_key->data, .key_len = dir_key->len, .serializable = true};
        ec_range_result *r;
        if (ec_range_once(c->client, &o, &r, &err) == 0) {
            set_sizes(c, r->kvs, r->n_kvs, &bytes);
            ec_range_result_free(r);
        }
    }
    /* A compaction under the scan restarts it at a newer revision: the sizes
     * are set again key by key, the sums start over. */
    size_restart sr = {.done = &done, .bytes = &bytes, .base_bytes = bytes};
    ec_range_opts o = {.key = (const uint8_t *)prefix->data, .key_len = prefix->len, .prefix = true,
                       .serializable = true, .on_restart = on_size_restart, .restart_ud = &sr};
    ec_range_iter *it = ec_range_begin(c->client, &o, &err);
    if (!it) {
        snprintf(msg, sizeof msg, "size scan failed: %s", err.msg);
        post(c, gen, SZ_FAILED, done, total, bytes, cw_now_ms() - t0, msg);
        return;
    }
    uint64_t seen = 0;
    for (;;) {
        if (cancelled(c, gen)) {
            post(c, gen, SZ_CANCELLED, done, total, bytes, cw_now_ms() - t0, NULL);
            break;
        }
        const ec_kv *kvs;
        size_t n;
        int r = ec_range_next(it, &kvs, &n, &err);
        if (r < 0) {
            snprintf(msg, sizeof msg, "size scan failed after %lld keys: %s", (long long)done, err.msg);
            post(c, gen, SZ_FAILED, done, total, bytes, cw_now_ms() - t0, msg);
            break;
        }
        total = ec_range_total(it);
        if (r == 0) {
            post(c, gen, SZ_DONE, done, done, bytes, cw_now_ms() - t0, NULL);
            break;
        }
        set_sizes(c, kvs, n, &bytes);
        done += (int64_t)n;
        post(c, gen, SZ_RUNNING, done, total, bytes, cw_now_ms() - t0, NULL);
        cw_wait(&c->jz.t, CON_PAGE_PAUSE_MS, &seen);
    }
    ec_range_end(it);
}

static void *size_main(void *arg)
{
    con *c = arg;
    job_size *j = &c->jz;
    uint64_t seen = 0, last = 0;
    ec_buf prefix, dir_key;
    ec_buf_init(&prefix, 0);
    ec_buf_init(&dir_key, 0);
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        int stop = j->t.stop;
        uint64_t gen = j->gen;
        bool has_key = j->has_dir_key;
        bool todo = gen != last && gen > j->cancel_gen;
        if (todo) {
            ec_buf_reset(&prefix);
            ec_buf_append(&prefix, j->prefix.data ? j->prefix.data : "", j->prefix.len);
            ec_buf_reset(&dir_key);
            ec_buf_append(&dir_key, j->dir_key.data ? j->dir_key.data : "", j->dir_key.len);
        }
        pthread_mutex_unlock(&j->t.mu);
        if (stop)
            break;
        if (todo) {
            last = gen;
            run(c, gen, &prefix, &dir_key, has_key);
            continue;
        }
        if (cw_wait(&j->t, -1, &seen))
            break;
    }
    ec_buf_free(&prefix);
    ec_buf_free(&dir_key);
    return NULL;
}

int job_size_start(con *c)
{
    job_size *j = &c->jz;
    cw_init(&j->t, "size scan");
    j->gen = j->cancel_gen = 0;
    ec_buf_init(&j->prefix, 0);
    ec_buf_init(&j->dir_key, 0);
    return cw_start(&j->t, size_main, c);
}

uint64_t job_size_request(con *c, const uint8_t *prefix, size_t len, const uint8_t *dir_key, size_t dir_key_len,
                          bool has_dir_key)
{
    job_size *j = &c->jz;
    uint64_t gen = con_next_gen(c);
    pthread_mutex_lock(&j->t.mu);
    j->gen = gen;
    ec_buf_reset(&j->prefix);
    ec_buf_append(&j->prefix, len ? prefix : (const uint8_t *)"", len);
    ec_buf_reset(&j->dir_key);
    ec_buf_append(&j->dir_key, dir_key_len ? dir_key : (const uint8_t *)"", dir_key_len);
    j->has_dir_key = has_dir_key;
    pthread_mutex_unlock(&j->t.mu);
    cw_kick(&j->t);
    return gen;
}

void job_size_cancel(con *c, uint64_t gen)
{
    job_size *j = &c->jz;
    pthread_mutex_lock(&j->t.mu);
    if (gen > j->cancel_gen)
        j->cancel_gen = gen;
    pthread_mutex_unlock(&j->t.mu);
    cw_kick(&j->t);
}
