/* Payloads of worker events and how they are freed. */
#include <stdlib.h>

#include "tui/console/con.h"

void ev_status_free(void *p)
{
    ev_status *s = p;
    free(s->alarms);
    free(s);
}

void ev_value_free(void *p)
{
    ev_value *v = p;
    ec_buf_free(&v->raw);
    ec_buf_free(&v->text);
    free(v);
}

void ev_cluster_free(void *p)
{
    ev_cluster *e = p;
    ec_cluster_status_free(e->cs);
    free(e->alarms);
    free(e);
}
