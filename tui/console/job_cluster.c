/* The cluster view's data: every member's status (MemberList, then Status
 * of each member on its own URL) and the alarms, every
 * CON_CLUSTER_EVERY_MS while the view is open; idle otherwise. */
#include <stdlib.h>

#include "tui/console/con.h"

static void *cluster_main(void *arg)
{
    con *c = arg;
    job_cluster *j = &c->jc;
    uint64_t seen = 0;
    for (;;) {
        pthread_mutex_lock(&j->t.mu);
        int stop = j->t.stop;
        uint64_t gen = j->gen;
        pthread_mutex_unlock(&j->t.mu);
        if (stop)
            break;
        if (!gen) {
            if (cw_wait(&j->t, -1, &seen))
                break;
            continue;
        }
        ev_cluster *e = calloc(1, sizeof *e);
        if (e) {
            int64_t t0 = cw_now_us();
            e->ok = ec_cluster_status_get(c->client, &e->cs, &e->err) == 0;
            e->rtt_us = cw_now_us() - t0;
            if (e->ok) {
                ec_err aerr;
                e->alarms_ok = ec_alarm_list(c->client, &e->alarms, &e->n_alarms, &aerr) == 0;
            }
            cq_ev *ev = cq_ev_new(EV_CLUSTER, gen);
            if (ev) {
                ev->coalesce = 1;
                ev->data = e;
                ev->free_data = ev_cluster_free;
                cq_push(c->q, ev);
            } else {
                ev_cluster_free(e);
            }
        }
        if (cw_wait(&j->t, CON_CLUSTER_EVERY_MS, &seen))
            break;
    }
    return NULL;
}

int job_cluster_start(con *c)
{
    cw_init(&c->jc.t, "cluster status");
    c->jc.gen = 0;
    return cw_start(&c->jc.t, cluster_main, c);
}

void job_cluster_set(con *c, uint64_t gen)
{
    pthread_mutex_lock(&c->jc.t.mu);
    c->jc.gen = gen;
    pthread_mutex_unlock(&c->jc.t.mu);
    cw_kick(&c->jc.t);
}
