/* Offline (--offline FILE): the tree is filled once from the file's index of
 * live keys (the newest record of each, with its version, revisions, lease
 * and value size, so the bytes column is complete at once). The w/s column
 * holds each key's records in the file instead (writes still on disk: a
 * write hot spot before the outage). No watch: the file does not change. */
#include <stdio.h>
#include <stdlib.h>

#include "tui/console/con.h"

static void post(con *c, int phase, int64_t done, int64_t total, int64_t rev, const char *msg)
{
    cq_ev *ev = cq_ev_new(EV_TREE, 0);
    if (!ev)
        return;
    ev->coalesce = 1;
    ev->n[0] = phase;
    ev->n[1] = done;
    ev->n[2] = total;
    ev->n[3] = rev;
    if (msg) {
        char *m = malloc(512);
        if (m) {
            snprintf(m, 512, "%s", msg);
            ev->data = m;
            ev->free_data = free;
        }
    }
    cq_push(c->q, ev);
}

static int stopping(con *c) { return cw_stopping(&c->jt.t); }

/* Adds entries [first, first+n) of idx to the tree. */
static int add_chunk(con *c, ec_offline_index *idx, size_t first, size_t n, uint32_t *revs, ec_err *err)
{
    job_tree *j = &c->jt;
    pthread_mutex_lock(&c->off_mu);
    int rc = 0;
    for (size_t e = 0; e < n && rc == 0; e++) {
        ec_offline_keyinfo ki;
        ec_offline_index_info(idx, first + e, &ki);
        ec_offline_kv kv;
        rc = ec_offline_index_kv(c->off, idx, first + e, &kv, err);
        if (rc != 0)
            break;
        /* The key comes from the index (it lives as long as idx); the
         * record's buffer is reused by the next read. */
        j->chunk[e] = (ec_ks_entry){ki.key, ki.key_len,
                                    {kv.create_revision, kv.mod_revision, kv.version, kv.lease,
                                     kv.value_len > (size_t)EC_KS_SIZE_MAX ? EC_KS_SIZE_UNKNOWN
                                                                           : (int64_t)kv.value_len}};
        revs[e] = ki.revisions;
    }
    pthread_mutex_unlock(&c->off_mu);
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&c->ks_mu);
    rc = ec_ks_add_page(c->ks, j->chunk, n, err);
    for (size_t e = 0; e < n && rc == 0; e++)
        if (ec_ks_rate_set(c->ks, j->chunk[e].key, j->chunk[e].key_len, (double)revs[e], err) < 0)
            rc = -1;
    pthread_mutex_unlock(&c->ks_mu);
    return rc;
}

static void *offline_main(void *arg)
{
    con *c = arg;
    ec_err err;
    post(c, TP_SCANNING, 0, 0, 0, NULL);
    ec_offline_index *idx = NULL;
    pthread_mutex_lock(&c->off_mu);
    int rc = ec_offline_index_build(c->off, (const uint8_t *)"", 0, EC_OFFLINE_LIVE_ONLY, &idx, &err);
    pthread_mutex_unlock(&c->off_mu);
    if (rc != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot index the file: %.400s", err.msg);
        post(c, TP_FAILED, 0, 0, 0, msg);
        return NULL;
    }
    size_t total = ec_offline_index_len(idx);
    int64_t rev = ec_offline_index_revision(idx);
    uint32_t revs[CON_TREE_CHUNK];
    size_t done = 0;
    while (done < total && !stopping(c)) {
        size_t n = total - done < CON_TREE_CHUNK ? total - done : CON_TREE_CHUNK;
        if (add_chunk(c, idx, done, n, revs, &err) != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "cannot read the file: %.400s", err.msg);
            post(c, TP_FAILED, (int64_t)done, (int64_t)total, rev, msg);
            ec_offline_index_free(idx);
            return NULL;
        }
        done += n;
        post(c, TP_SCANNING, (int64_t)done, (int64_t)total, rev, NULL);
    }
    ec_offline_index_free(idx);
    if (done == total) {
        pthread_mutex_lock(&c->ks_mu);
        c->ks_complete = true;
        pthread_mutex_unlock(&c->ks_mu);
        post(c, TP_OFFLINE, (int64_t)done, (int64_t)total, rev, NULL);
    }
    return NULL;
}

int job_offline_tree_start(con *c)
{
    cw_init(&c->jt.t, "file index");
    c->jt.rescan = false;
    return cw_start(&c->jt.t, offline_main, c);
}
