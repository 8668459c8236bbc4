/* The keyspace tree: a keys-only scan of the whole keyspace at one revision
 * R (pages added to the tree under its mutex, CON_TREE_CHUNK keys per lock
 * hold, progress posted), then a watch from R+1 that applies every put and
 * delete to the tree. When the watch ends (connection lost, etcd restarted)
 * it is opened again from the last revision seen + 1, so nothing is missed;
 * only when that history is compacted away does it scan again. R (rescan)
 * clears the tree and scans again. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"

enum { RUN_OK = 0, RUN_FAIL = -1, RUN_STOP = 1, RUN_RESCAN = 2, RUN_COMPACTED = 3 };

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 10000
/* Scans restarted in a row because history was compacted before the watch
 * could start; past this, live updates are given up (R tries again). */
#define MAX_COMPACTED_RESCANS 3

static void post(con *c, int phase, int64_t done, int64_t total, int64_t rev, int64_t events, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void post(con *c, int phase, int64_t done, int64_t total, int64_t rev, int64_t events, const char *fmt, ...)
{
    cq_ev *ev = cq_ev_new(EV_TREE, 0);
    if (!ev)
        return;
    ev->coalesce = 1;
    ev->n[0] = phase;
    ev->n[1] = done;
    ev->n[2] = total;
    ev->n[3] = rev;
    ev->n[4] = events;
    if (fmt) {
        char *msg = malloc(512);
        if (msg) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(msg, 512, fmt, ap);
            va_end(ap);
            ev->data = msg;
            ev->free_data = free;
        }
    }
    cq_push(c->q, ev);
}

/* Stop or rescan asked for? */
static int interrupted(con *c)
{
    job_tree *j = &c->jt;
    pthread_mutex_lock(&j->t.mu);
    int r = j->t.stop ? RUN_STOP : j->rescan ? RUN_RESCAN : RUN_OK;
    pthread_mutex_unlock(&j->t.mu);
    return r;
}

static int add_keys(con *c, const ec_kv *kvs, size_t n, ec_err *err)
{
    job_tree *j = &c->jt;
    for (size_t i = 0; i < n; i += CON_TREE_CHUNK) {
        size_t k = n - i < CON_TREE_CHUNK ? n - i : CON_TREE_CHUNK;
        for (size_t e = 0; e < k; e++) {
            const ec_kv *kv = &kvs[i + e];
            j->chunk[e] = (ec_ks_entry){kv->key, kv->key_len,
                                        {kv->create_revision, kv->mod_revision, kv->version, kv->lease,
                                         EC_KS_SIZE_UNKNOWN}};
        }
        pthread_mutex_lock(&c->ks_mu);
        int rc = ec_ks_add_page(c->ks, j->chunk, k, err);
        pthread_mutex_unlock(&c->ks_mu);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void clear_tree(con *c)
{
    pthread_mutex_lock(&c->ks_mu);
    ec_ks_clear(c->ks);
    lr_reset(&c->jt.lr);
    c->ks_complete = false; /* with the clear, so the UI never sees one without the other */
    pthread_mutex_unlock(&c->ks_mu);
}

/* The scan's revision was compacted under it: the client starts again at
 * a newer one, so what was built from the old picture goes. */
typedef struct scan_restart {
    con *c;
    int64_t *done;
    char note[160];
} scan_restart;

static void on_restart(void *ud, int64_t old_rev, int64_t new_rev)
{
    scan_restart *sr = ud;
    clear_tree(sr->c);
    *sr->done = 0;
    snprintf(sr->note, sizeof sr->note, "revision %lld was compacted mid-scan; restarted at %lld",
             (long long)old_rev, (long long)new_rev);
}

static int scan(con *c, int64_t *rev, ec_err *err)
{
    clear_tree(c);
    post(c, TP_SCANNING, 0, 0, 0, 0, NULL);
    int64_t done = 0;
    scan_restart sr = {.c = c, .done = &done};
    ec_range_opts o = {.prefix = true, .keys_only = true, .serializable = true,
                       .on_restart = on_restart, .restart_ud = &sr};
    ec_range_iter *it = ec_range_begin(c->client, &o, err);
    if (!it)
        return RUN_FAIL;
    int rc = RUN_OK;
    uint64_t seen = 0;
    for (;;) {
        if ((rc = interrupted(c)) != RUN_OK)
            break;
        const ec_kv *kvs;
        size_t n;
        int r = ec_range_next(it, &kvs, &n, err);
        if (r < 0) {
            rc = RUN_FAIL;
            break;
        }
        if (r == 0)
            break;
        if (add_keys(c, kvs, n, err) != 0) {
            rc = RUN_FAIL;
            break;
        }
        done += (int64_t)n;
        if (sr.note[0])
            post(c, TP_SCANNING, done, ec_range_total(it), ec_range_revision(it), 0, "%s", sr.note);
        else
            post(c, TP_SCANNING, done, ec_range_total(it), ec_range_revision(it), 0, NULL);
        /* Pace the pages a little (redis-cli --bigkeys -i): etcd is shared. */
        if (cw_wait(&c->jt.t, CON_PAGE_PAUSE_MS, &seen)) {
            rc = RUN_STOP;
            break;
        }
    }
    *rev = ec_range_revision(it);
    if (rc == RUN_OK) {
        pthread_mutex_lock(&c->ks_mu);
        c->ks_complete = true;
        pthread_mutex_unlock(&c->ks_mu);
        post(c, TP_SCANNING, done, done, *rev, 0, NULL);
    }
    ec_range_end(it);
    return rc;
}

static int apply(con *c, const ec_watch_batch *b, int64_t *rev, ec_err *err)
{
    int64_t now = cw_now_ms();
    for (size_t i = 0; i < b->n_events; i += CON_TREE_CHUNK) {
        size_t k = b->n_events - i < CON_TREE_CHUNK ? b->n_events - i : CON_TREE_CHUNK;
        pthread_mutex_lock(&c->ks_mu);
        int rc = 0;
        for (size_t e = 0; e < k && rc == 0; e++) {
            const ec_event *ev = &b->events[i + e];
            const ec_kv *kv = &ev->kv;
            if (ev->type == EC_EVENT_DELETE) {
                ec_ks_delete(c->ks, kv->key, kv->key_len);
            } else {
                ec_ks_kv v = {kv->create_revision, kv->mod_revision, kv->version, kv->lease, (int64_t)kv->value_len};
                if (ec_ks_put(c->ks, kv->key, kv->key_len, &v, err) < 0 && err->code == EC_E_NOMEM)
                    rc = -1;
                else
                    lr_put(&c->jt.lr, c->ks, kv->key, kv->key_len, now);
            }
        }
        pthread_mutex_unlock(&c->ks_mu);
        if (rc != 0)
            return -1;
    }
    for (size_t i = 0; i < b->n_events; i++)
        if (b->events[i].kv.mod_revision > *rev)
            *rev = b->events[i].kv.mod_revision;
    /* A progress notification says every event up to its revision has been
     * sent; event batches may be behind the header, so only trust it then. */
    if (b->n_events == 0 && b->header.revision > *rev)
        *rev = b->header.revision;
    return 0;
}

static int watch(con *c, int64_t *rev, int64_t *events, bool *opened, ec_err *err)
{
    ec_watch_opts o = {.prefix = true, .start_revision = *rev + 1, .progress_notify = true};
    ec_watch *w;
    int64_t compact = 0;
    if (ec_watch_open(c->client, &o, &w, &compact, err) != 0)
        return err->code == EC_E_COMPACTED ? RUN_COMPACTED : RUN_FAIL;
    post(c, TP_LIVE, 0, 0, *rev, *events, NULL);
    int rc;
    for (;;) {
        if ((rc = interrupted(c)) != RUN_OK)
            break;
        /* Writes older than the w/s window leave it, even when quiet. */
        pthread_mutex_lock(&c->ks_mu);
        lr_expire(&c->jt.lr, c->ks, cw_now_ms());
        pthread_mutex_unlock(&c->ks_mu);
        ec_watch_batch *b;
        int r = ec_watch_next(w, CON_WATCH_WAIT_MS, &b, err);
        if (r >= 0)
            *opened = true; /* alive (etcd 3.4 cancels a compacted watcher at once) */
        if (r == 0)
            continue;
        if (r < 0) {
            rc = err->code == EC_E_COMPACTED ? RUN_COMPACTED : RUN_FAIL;
            break;
        }
        int ar = apply(c, b, rev, err);
        *events += (int64_t)b->n_events;
        ec_watch_batch_free(b);
        if (ar != 0) {
            rc = RUN_FAIL;
            break;
        }
        /* Coalesced: however many batches arrive, the UI sees the latest. */
        post(c, TP_LIVE, 0, 0, *rev, *events, NULL);
    }
    ec_watch_close(w);
    return rc;
}

static void *tree_main(void *arg)
{
    con *c = arg;
    job_tree *j = &c->jt;
    bool need_scan = true;
    int64_t rev = 0, events = 0;
    int backoff = BACKOFF_MIN_MS, compacted_rescans = 0;
    uint64_t seen = 0;
    ec_err err;
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        if (j->rescan) {
            j->rescan = false;
            need_scan = true;
            compacted_rescans = 0;
        }
        int stop = j->t.stop;
        pthread_mutex_unlock(&j->t.mu);
        if (stop)
            break;
        if (need_scan) {
            int rc = scan(c, &rev, &err);
            if (rc == RUN_STOP)
                break;
            if (rc == RUN_RESCAN)
                continue;
            if (rc == RUN_FAIL) {
                if (err.code == EC_E_NOMEM) {
                    post(c, TP_FAILED, 0, 0, 0, 0, "scan stopped: %s", err.msg);
                    if (cw_wait(&j->t, -1, &seen))
                        break;
                    continue;
                }
                post(c, TP_RETRY, 0, 0, 0, 0, "scan failed: %s; retrying in %d s", err.msg, backoff / 1000);
                if (cw_wait(&j->t, backoff, &seen))
                    break;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                continue;
            }
            need_scan = false;
            events = 0;
        }
        bool opened = false;
        int rc = watch(c, &rev, &events, &opened, &err);
        if (opened) {
            backoff = BACKOFF_MIN_MS;
            compacted_rescans = 0;
        }
        if (rc == RUN_STOP)
            break;
        if (rc == RUN_RESCAN)
            continue;
        if (rc == RUN_COMPACTED) {
            if (++compacted_rescans > MAX_COMPACTED_RESCANS) {
                post(c, TP_FAILED, 0, 0, rev, events,
                     "live updates off: history was compacted before the watch started %d times; R rescans",
                     MAX_COMPACTED_RESCANS);
                if (cw_wait(&j->t, -1, &seen))
                    break;
                continue;
            }
            post(c, TP_RETRY, 0, 0, rev, events, "history after revision %lld is compacted; scanning again",
                 (long long)rev);
            need_scan = true;
            continue;
        }
        if (err.code == EC_E_NOMEM) {
            post(c, TP_FAILED, 0, 0, rev, events, "live updates stopped: %s", err.msg);
            if (cw_wait(&j->t, -1, &seen))
                break;
            continue;
        }
        /* Lost: resume from rev + 1 once etcd answers again. */
        post(c, TP_WATCH_LOST, 0, 0, rev, events, "live updates paused at revision %lld: %s", (long long)rev,
             err.msg);
        if (cw_wait(&j->t, backoff, &seen))
            break;
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    pthread_mutex_lock(&c->ks_mu);
    lr_free(&j->lr);
    pthread_mutex_unlock(&c->ks_mu);
    return NULL;
}

int job_tree_start(con *c)
{
    cw_init(&c->jt.t, "keyspace scan and watch");
    c->jt.rescan = false;
    lr_init(&c->jt.lr);
    return cw_start(&c->jt.t, tree_main, c);
}

void job_tree_rescan(con *c)
{
    pthread_mutex_lock(&c->jt.t.mu);
    c->jt.rescan = true;
    pthread_mutex_unlock(&c->jt.t.mu);
    cw_kick(&c->jt.t);
}
