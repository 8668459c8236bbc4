/* The console's event queue (tui/console/queue.c) and worker helper
 * (tui/console/worker.c): order, coalescing, the bound, the wake-up pipe,
 * ownership of payloads, and many producers against one consumer. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tui/console/queue.h"
#include "tui/console/worker.h"

static int freed;
static void count_free(void *p)
{
    freed++;
    free(p);
}

static cq_ev *ev(int type, uint64_t gen, int coalesce, int64_t n0)
{
    cq_ev *e = cq_ev_new(type, gen);
    assert_non_null(e);
    e->coalesce = coalesce;
    e->n[0] = n0;
    return e;
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_order_and_wakeup(void **state)
{
    (void)state;
    cq_queue *q = cq_new(0);
    assert_non_null(q);
    assert_false(readable(cq_fd(q)));
    assert_null(cq_drain(q));
    for (int i = 0; i < 3; i++)
        assert_int_equal(cq_push(q, ev(1, 0, 0, i)), 0);
    assert_int_equal(cq_len(q), 3);
    assert_true(readable(cq_fd(q)));
    cq_ev *l = cq_drain(q);
    assert_int_equal(cq_len(q), 0);
    assert_false(readable(cq_fd(q)));
    for (int i = 0; i < 3; i++) {
        assert_non_null(l);
        assert_int_equal(l->n[0], i);
        cq_ev *next = l->next;
        cq_ev_free(l);
        l = next;
    }
    assert_null(l);
    cq_free(q);
}

static void test_pipe_holds_one_byte(void **state)
{
    (void)state;
    cq_queue *q = cq_new(0);
    for (int i = 0; i < 100; i++)
        cq_push(q, ev(1, 0, 0, i));
    char buf[64];
    /* However many pushes, one wake-up byte: the pipe can never fill up. */
    assert_int_equal(read(cq_fd(q), buf, sizeof buf), 1);
    assert_int_equal(read(cq_fd(q), buf, sizeof buf), -1);
    assert_int_equal(errno, EAGAIN);
    cq_ev *l = cq_drain(q);
    int n = 0;
    while (l) {
        cq_ev *next = l->next;
        cq_ev_free(l);
        l = next;
        n++;
    }
    assert_int_equal(n, 100);
    /* After a drain, the next push wakes again. */
    cq_push(q, ev(1, 0, 0, 0));
    assert_true(readable(cq_fd(q)));
    cq_free(q);
}

static void test_coalesce(void **state)
{
    (void)state;
    freed = 0;
    cq_queue *q = cq_new(0);
    cq_ev *a = ev(2, 7, 1, 1);
    a->data = malloc(8);
    a->free_data = count_free;
    cq_push(q, a);
    cq_push(q, ev(3, 0, 0, 10));
    cq_push(q, ev(2, 8, 1, 5)); /* other generation: kept apart */
    cq_ev *b = ev(2, 7, 1, 2);
    b->data = malloc(8);
    b->free_data = count_free;
    cq_push(q, b);
    assert_int_equal(freed, 1); /* the replaced event's payload */
    assert_int_equal(cq_len(q), 3);
    cq_ev *l = cq_drain(q);
    /* The newer event took the older one's place. */
    assert_int_equal(l->type, 2);
    assert_int_equal(l->gen, 7);
    assert_int_equal(l->n[0], 2);
    assert_int_equal(l->next->type, 3);
    assert_int_equal(l->next->next->gen, 8);
    assert_null(l->next->next->next);
    while (l) {
        cq_ev *next = l->next;
        cq_ev_free(l);
        l = next;
    }
    assert_int_equal(freed, 2);
    cq_free(q);
}

static void test_bound(void **state)
{
    (void)state;
    freed = 0;
    cq_queue *q = cq_new(2);
    assert_int_equal(cq_push(q, ev(1, 0, 0, 0)), 0);
    assert_int_equal(cq_push(q, ev(5, 0, 1, 0)), 0);
    cq_ev *x = ev(1, 0, 0, 0);
    x->data = malloc(4);
    x->free_data = count_free;
    assert_int_equal(cq_push(q, x), -1);
    assert_int_equal(freed, 1);
    assert_int_equal(cq_dropped(q), 1);
    /* A coalescing event of a kind already queued still gets through. */
    assert_int_equal(cq_push(q, ev(5, 0, 1, 9)), 0);
    assert_int_equal(cq_len(q), 2);
    /* Events left in the queue are freed with it. */
    cq_ev *y = ev(1, 0, 0, 0);
    cq_ev *l = cq_drain(q);
    while (l) {
        cq_ev *next = l->next;
        cq_ev_free(l);
        l = next;
    }
    y->data = malloc(4);
    y->free_data = count_free;
    cq_push(q, y);
    cq_free(q);
    assert_int_equal(freed, 2);
}

#define PRODUCERS 4
#define PER_PRODUCER 20000

typedef struct prod {
    cq_queue *q;
    int id;
} prod;

static void *producer(void *arg)
{
    prod *p = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        cq_ev *e = cq_ev_new(p->id, 0);
        e->n[0] = i;
        while (cq_push(p->q, e) != 0) {
            /* Full: try again (the consumer drains). */
            e = cq_ev_new(p->id, 0);
            e->n[0] = i;
            usleep(100);
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    cq_queue *q = cq_new(1000);
    pthread_t th[PRODUCERS];
    prod ps[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        ps[i] = (prod){q, i + 1};
        pthread_create(&th[i], NULL, producer, &ps[i]);
    }
    int64_t next[PRODUCERS + 1] = {0};
    long got = 0;
    /* Bounded: each poll waits at most 1 s and producers finish quickly. */
    for (int rounds = 0; got < (long)PRODUCERS * PER_PRODUCER && rounds < 1000000; rounds++) {
        struct pollfd p = {cq_fd(q), POLLIN, 0};
        if (poll(&p, 1, 1000) == 0)
            continue;
        cq_ev *l = cq_drain(q);
        while (l) {
            assert_true(l->type >= 1 && l->type <= PRODUCERS);
            /* Each producer's events arrive in the order it pushed them. */
            assert_int_equal(l->n[0], next[l->type]);
            next[l->type]++;
            got++;
            cq_ev *n = l->next;
            cq_ev_free(l);
            l = n;
        }
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(got, (long)PRODUCERS * PER_PRODUCER);
    for (int i = 1; i <= PRODUCERS; i++)
        assert_int_equal(next[i], PER_PRODUCER);
    cq_free(q);
}

typedef struct waiter {
    cw_thread t;
    int woke;
    int stopped;
} waiter;

static void *wait_main(void *arg)
{
    waiter *w = arg;
    uint64_t seen = 0;
    for (;;) {
        if (cw_wait(&w->t, -1, &seen)) {
            w->stopped = 1;
            break;
        }
        __atomic_add_fetch(&w->woke, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void test_worker_kick_and_stop(void **state)
{
    (void)state;
    waiter w = {0};
    cw_init(&w.t, "test");
    assert_int_equal(cw_start(&w.t, wait_main, &w), 0);
    cw_kick(&w.t);
    /* The thread waits forever without a kick, so waking means the kick
     * arrived; bounded wait for it. */
    for (int i = 0; i < 5000 && __atomic_load_n(&w.woke, __ATOMIC_SEQ_CST) == 0; i++)
        usleep(1000);
    assert_true(__atomic_load_n(&w.woke, __ATOMIC_SEQ_CST) >= 1);
    cw_request_stop(&w.t);
    assert_int_equal(cw_join_timed(&w.t, 5000), 0);
    assert_int_equal(w.stopped, 1);
    assert_true(cw_stopping(&w.t));
    cw_destroy(&w.t);

    /* A timed wait returns 0 (not stopping) when the time is up. */
    cw_thread t;
    cw_init(&t, "timed");
    uint64_t seen = 0;
    assert_int_equal(cw_wait(&t, 10, &seen), 0);
    cw_request_stop(&t);
    assert_int_equal(cw_wait(&t, 10, &seen), 1);
    cw_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_wakeup),
        cmocka_unit_test(test_pipe_holds_one_byte),
        cmocka_unit_test(test_coalesce),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_worker_kick_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
