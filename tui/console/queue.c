#include "tui/console/queue.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct cq_queue {
    pthread_mutex_t mu;
    cq_ev *head, *tail;
    size_t len, cap;
    uint64_t dropped;
    int woken;          /* a byte is in the pipe and not yet drained */
    int rfd, wfd;
};

cq_queue *cq_new(size_t cap)
{
    cq_queue *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        free(q);
        return NULL;
    }
    q->rfd = fds[0];
    q->wfd = fds[1];
    q->cap = cap ? cap : CQ_DEFAULT_CAP;
    pthread_mutex_init(&q->mu, NULL);
    return q;
}

void cq_free(cq_queue *q)
{
    if (!q)
        return;
    cq_ev *e = q->head;
    while (e) {
        cq_ev *next = e->next;
        cq_ev_free(e);
        e = next;
    }
    close(q->rfd);
    close(q->wfd);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int cq_fd(const cq_queue *q) { return q->rfd; }

cq_ev *cq_ev_new(int type, uint64_t gen)
{
    cq_ev *e = calloc(1, sizeof *e);
    if (e) {
        e->type = type;
        e->gen = gen;
    }
    return e;
}

void cq_ev_free(cq_ev *ev)
{
    if (!ev)
        return;
    if (ev->free_data && ev->data)
        ev->free_data(ev->data);
    free(ev);
}

static void wake(cq_queue *q)
{
    if (q->woken)
        return;
    /* A full pipe cannot happen (one byte at most); EINTR is retried. */
    ssize_t r;
    do
        r = write(q->wfd, "x", 1);
    while (r < 0 && errno == EINTR);
    q->woken = 1;
}

int cq_push(cq_queue *q, cq_ev *ev)
{
    ev->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (ev->coalesce) {
        for (cq_ev **pp = &q->head; *pp; pp = &(*pp)->next) {
            cq_ev *old = *pp;
            if (old->type == ev->type && old->gen == ev->gen && old->coalesce) {
                ev->next = old->next;
                *pp = ev;
                if (q->tail == old)
                    q->tail = ev;
                wake(q);
                pthread_mutex_unlock(&q->mu);
                cq_ev_free(old);
                return 0;
            }
        }
    }
    if (q->len >= q->cap) {
        q->dropped++;
        pthread_mutex_unlock(&q->mu);
        cq_ev_free(ev);
        return -1;
    }
    if (q->tail)
        q->tail->next = ev;
    else
        q->head = ev;
    q->tail = ev;
    q->len++;
    wake(q);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

cq_ev *cq_drain(cq_queue *q)
{
    pthread_mutex_lock(&q->mu);
    cq_ev *list = q->head;
    q->head = q->tail = NULL;
    q->len = 0;
    if (q->woken) {
        char buf[64];
        while (read(q->rfd, buf, sizeof buf) > 0)
            ;
        q->woken = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return list;
}

size_t cq_len(cq_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

uint64_t cq_dropped(cq_queue *q)
{
    pthread_mutex_lock(&q->mu);
    uint64_t n = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return n;
}
