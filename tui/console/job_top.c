/* The reaper of the Top screen's replaced collectors: stopping a collector
 * joins its thread, which may wait for an etcd call in flight (up to its
 * deadline), so the UI thread hands the old one over and goes on. */
#include "tui/console/con.h"

#include <stdlib.h>

static void *top_main(void *arg)
{
    con *c = arg;
    job_top *j = &c->jtop;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        int stop = j->t.stop;
        bg_top_collector *tc = j->n_retire ? j->retire[--j->n_retire] : NULL;
        pthread_mutex_unlock(&j->t.mu);
        if (tc) {
            bg_top_collector_free(tc);
            continue; /* then the next, or stop */
        }
        if (stop || cw_wait(&j->t, -1, &seen))
            break;
    }
    return NULL;
}

int job_top_start(con *c)
{
    cw_init(&c->jtop.t, "top");
    return cw_start(&c->jtop.t, top_main, c);
}

void job_top_retire(con *c, bg_top_collector *tc)
{
    job_top *j = &c->jtop;
    if (!tc)
        return;
    bool queued = false;
    if (j->t.started) {
        pthread_mutex_lock(&j->t.mu);
        if (!j->t.stop && j->n_retire < sizeof j->retire / sizeof j->retire[0]) {
            j->retire[j->n_retire++] = tc;
            queued = true;
        }
        pthread_mutex_unlock(&j->t.mu);
    }
    if (queued)
        cw_kick(&j->t);
    else
        bg_top_collector_free(tc); /* may wait: only when the worker is gone or busy with 4 already */
}
