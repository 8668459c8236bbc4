/* The console's event queue: worker threads post results and progress, the
 * UI thread drains them. A pipe carries the wake-up so the UI can poll() the
 * terminal and the queue together; it holds at most one byte at a time.
 *
 * Ownership: cq_push takes the event (and its data) in every case; cq_drain
 * hands the drained list to the caller, who frees each with cq_ev_free. */
#ifndef CON_QUEUE_H
#define CON_QUEUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct cq_ev {
    int type;
    uint64_t gen;                /* the screen or job generation it answers */
    int coalesce;                /* nonzero: replaces a queued event of the same type and gen */
    int64_t n[6];                /* small numbers (progress, counts) */
    void *data;                  /* optional payload, freed with free_data */
    void (*free_data)(void *);
    struct cq_ev *next;
} cq_ev;

typedef struct cq_queue cq_queue;

/* Default bound on queued events; past it, new events are dropped (and
 * counted) rather than growing without limit. Coalesced events never grow
 * the queue once one of their kind is queued. */
#define CQ_DEFAULT_CAP 4096

/* A new queue with its wake-up pipe (both ends non-blocking, close-on-exec),
 * or NULL (errno set). cap 0 means CQ_DEFAULT_CAP. Free with cq_free. */
cq_queue *cq_new(size_t cap);
/* Frees the queue, its pipe and every event still queued. */
void cq_free(cq_queue *q);
/* The descriptor to poll for POLLIN. */
int cq_fd(const cq_queue *q);

/* A zeroed event of this type (caller owns it until it is pushed), or NULL. */
cq_ev *cq_ev_new(int type, uint64_t gen);
void cq_ev_free(cq_ev *ev);

/* Queues ev (thread-safe). A coalescing event replaces, in place, a queued
 * event with the same type and gen (the old one is freed). Returns 0, or -1
 * when the queue is full (ev freed, cq_dropped counts it). */
int cq_push(cq_queue *q, cq_ev *ev);
/* Takes every queued event, oldest first (NULL when empty), and empties the
 * wake-up pipe. */
cq_ev *cq_drain(cq_queue *q);
size_t cq_len(cq_queue *q);
uint64_t cq_dropped(cq_queue *q);

#endif
