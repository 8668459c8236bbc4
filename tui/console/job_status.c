/* The status poll: every CON_STATUS_EVERY_MS one Status call with a short
 * deadline to the endpoint in use, then the alarms, and now and then the
 * member list to name the leader. Drives the status bar and the connection
 * state; keeps polling while etcd is away, so the state comes back by
 * itself when the client library reconnects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/con.h"

#define NAME_EVERY 30 /* polls between member list refreshes */

static void name_leader(con *c, uint64_t leader, char *name, size_t len, bool *named)
{
    ec_member_list *l;
    ec_err err;
    *named = false;
    if (ec_member_list_get(c->client, &l, &err) != 0)
        return;
    for (size_t i = 0; i < l->n_members; i++)
        if (l->members[i].id == leader) {
            snprintf(name, len, "%s", l->members[i].name ? l->members[i].name : "");
            *named = true;
        }
    ec_member_list_free(l);
}

static void *status_main(void *arg)
{
    con *c = arg;
    uint64_t seen = 0, named_for = 0;
    char leader_name[128] = "";
    bool named = false;
    for (unsigned n = 0;; n++) {
        ev_status *s = calloc(1, sizeof *s);
        if (s) {
            ec_callopt opt = {NULL, CON_STATUS_TIMEOUT_MS};
            int64_t t0 = cw_now_us();
            s->ok = ec_status_get(c->client, &opt, &s->st, &s->err) == 0;
            s->rtt_us = cw_now_us() - t0;
            snprintf(s->endpoint, sizeof s->endpoint, "%s", ec_client_endpoint(c->client));
            if (s->ok) {
                ec_err aerr;
                s->alarms_ok = ec_alarm_list(c->client, &s->alarms, &s->n_alarms, &aerr) == 0;
                if (s->st.leader && (s->st.leader != named_for || n % NAME_EVERY == 0)) {
                    name_leader(c, s->st.leader, leader_name, sizeof leader_name, &named);
                    named_for = s->st.leader;
                }
                s->leader_named = named && named_for == s->st.leader;
                memcpy(s->leader_name, leader_name, sizeof s->leader_name);
            }
            cq_ev *ev = cq_ev_new(EV_STATUS, 0);
            if (ev) {
                ev->data = s;
                ev->free_data = ev_status_free;
                cq_push(c->q, ev);
            } else {
                ev_status_free(s);
            }
        }
        if (cw_wait(&c->js, CON_STATUS_EVERY_MS, &seen))
            break;
    }
    return NULL;
}

int job_status_start(con *c)
{
    cw_init(&c->js, "status poll");
    return cw_start(&c->js, status_main, c);
}
