/* A worker thread with a stop flag, a kick counter and an interruptible
 * sleep, shared by every background job of the console (status poll, scan
 * and watch, size scan, value fetch, cluster poll). Jobs keep their request
 * data under the worker's mutex. Threads start with every signal blocked, so
 * SIGINT/SIGTERM/SIGWINCH reach the UI thread only. */
#ifndef CON_WORKER_H
#define CON_WORKER_H

#include <pthread.h>
#include <stdint.h>

typedef struct cw_thread {
    pthread_t th;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* signalled on kick and stop (CLOCK_MONOTONIC) */
    int stop;
    uint64_t kicks;
    const char *name;       /* for the "waiting for ..." line at exit */
} cw_thread;

void cw_init(cw_thread *t, const char *name);
/* Starts fn(arg) with all signals blocked; 0, or an errno value. */
int cw_start(cw_thread *t, void *(*fn)(void *), void *arg);
/* Wakes the thread out of cw_wait. Callers that change request data do it
 * under t->mu and then call cw_kick (which takes the mutex itself). */
void cw_kick(cw_thread *t);
void cw_request_stop(cw_thread *t);
int cw_stopping(cw_thread *t);
/* Waits up to ms (forever when ms < 0) or until the kick counter differs from
 * *seen or stop is requested; updates *seen. Returns 1 when stopping. */
int cw_wait(cw_thread *t, int ms, uint64_t *seen);
/* Joins a started thread (no-op otherwise); waits as long as its current etcd
 * call needs (every call has a deadline). */
void cw_join(cw_thread *t);
/* Joins within ms; returns 0 when joined, 1 when still running. */
int cw_join_timed(cw_thread *t, int ms);
void cw_destroy(cw_thread *t);

/* Monotonic clock in milliseconds / microseconds. */
int64_t cw_now_ms(void);
int64_t cw_now_us(void);

#endif
