#include "tui/console/worker.h"

#include <errno.h>
#include <signal.h>
#include <time.h>

int64_t cw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t cw_now_ms(void) { return cw_now_us() / 1000; }

void cw_init(cw_thread *t, const char *name)
{
    t->started = 0;
    t->stop = 0;
    t->kicks = 0;
    t->name = name;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
}

int cw_start(cw_thread *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&t->th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0)
        t->started = 1;
    return rc;
}

void cw_kick(cw_thread *t)
{
    pthread_mutex_lock(&t->mu);
    t->kicks++;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void cw_request_stop(cw_thread *t)
{
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

int cw_stopping(cw_thread *t)
{
    pthread_mutex_lock(&t->mu);
    int s = t->stop;
    pthread_mutex_unlock(&t->mu);
    return s;
}

int cw_wait(cw_thread *t, int ms, uint64_t *seen)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    if (ms >= 0) {
        dl.tv_sec += ms / 1000;
        dl.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&t->mu);
    while (!t->stop && t->kicks == *seen) {
        int rc = ms >= 0 ? pthread_cond_timedwait(&t->cv, &t->mu, &dl) : pthread_cond_wait(&t->cv, &t->mu);
        if (rc == ETIMEDOUT)
            break;
    }
    *seen = t->kicks;
    int s = t->stop;
    pthread_mutex_unlock(&t->mu);
    return s;
}

void cw_join(cw_thread *t)
{
    if (t->started) {
        pthread_join(t->th, NULL);
        t->started = 0;
    }
}

int cw_join_timed(cw_thread *t, int ms)
{
    if (!t->started)
        return 0;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl); /* pthread_timedjoin_np measures CLOCK_REALTIME */
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    if (pthread_timedjoin_np(t->th, NULL, &dl) == 0) {
        t->started = 0;
        return 0;
    }
    return 1;
}

void cw_destroy(cw_thread *t)
{
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
}
