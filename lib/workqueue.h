/* workqueue.h - the rate-limited work queue every cube controller uses.
 *
 * The semantics are client-go's (k8s.io/client-go/util/workqueue): a
 * controller's event handlers add "namespace/name" keys, a few worker threads
 * take them one at a time and call the controller's sync(key), and a failed
 * sync is retried later with add_rate_limited():
 *
 *   for (;;) {
 *           const char *key = cube_workqueue_get(q);   blocks; NULL: shut down
 *           if (!key)
 *                   break;
 *           if (sync(key) < 0)
 *                   cube_workqueue_add_rate_limited(q, key, NULL);
 *           else
 *                   cube_workqueue_forget(q, key);
 *           cube_workqueue_done(q, key);                key is invalid after this
 *   }
 *
 * The guarantees, as client-go's queue.go states them:
 *  - Fair: keys are handed out in the order they were added (or by priority,
 *    when the queue has a priority function: see cube_workqueue_opts).
 *  - Stingy: a key added many times before a worker takes it is handed out
 *    once (it is "dirty"); a key is never handed to two workers at once: one
 *    added while it is being processed is handed out again after done().
 *  - Many producers and consumers; every function but _free is thread-safe.
 *  - Shutdown: cube_workqueue_shutdown() makes add ignored and wakes every
 *    blocked getter; get still hands out what is queued and returns NULL once
 *    the queue is empty.
 *
 * Delays (add_after) live in a min-heap watched by one waiting thread per
 * queue, as client-go's delaying_queue.go does: adding a key that is already
 * waiting keeps the earlier of the two times.  When the time comes the key is
 * add()ed, so the usual deduplication applies.
 *
 * Rate limiters decide add_rate_limited's delay per key.  The default is
 * client-go's DefaultControllerRateLimiter: the larger of a per-key
 * exponential back-off (5 ms doubling to at most 1000 s, reset by forget)
 * and an overall token bucket (10 per second, bursts of 100).  Limiters are a
 * small table of functions, so tests and controllers can plug their own.
 *
 * Time: delays are in milliseconds; the clock (nanoseconds, monotonic) is
 * injectable so that tests drive time by hand and never sleep for a back-off.
 */
#ifndef CUBE_WORKQUEUE_H
#define CUBE_WORKQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ---- clock ------------------------------------------------------------------ */

/* A monotonic clock: now_ns returns nanoseconds from any fixed origin and
 * never goes back.  It is called from several threads (the queue's waiting
 * thread among them), so a test clock must be thread-safe (an atomic).  A
 * NULL clock, or one whose now_ns is NULL, is CLOCK_MONOTONIC. */
typedef struct cube_workqueue_clock {
	int64_t (*now_ns)(void *ud);
	void *ud;
} cube_workqueue_clock;

/* The clock's time in nanoseconds.  c may be NULL.  Can't fail. */
int64_t cube_workqueue_clock_now(const cube_workqueue_clock *c);

/* ---- rate limiters -------------------------------------------------------------- */

/* A rate limiter, client-go's RateLimiter interface.  An implementation
 * embeds this table as its first member.  Every function may be called from
 * any thread at any time (the limiters below lock), except free.
 *
 *   when          the delay in milliseconds (>= 0) before key should be
 *                 retried; counts one more failure of key.
 *   forget        stops tracking key (its next when starts from scratch).
 *   num_requeues  how many failures key has had since its last forget.
 *   free          releases the limiter. */
typedef struct cube_workqueue_limiter cube_workqueue_limiter;
struct cube_workqueue_limiter {
	int64_t (*when)(cube_workqueue_limiter *l, const char *key);
	void (*forget)(cube_workqueue_limiter *l, const char *key);
	int (*num_requeues)(cube_workqueue_limiter *l, const char *key);
	void (*free)(cube_workqueue_limiter *l);
};

/* Calls through the table.  Can't fail. */
int64_t cube_workqueue_limiter_when(cube_workqueue_limiter *l, const char *key);
void cube_workqueue_limiter_forget(cube_workqueue_limiter *l, const char *key);
int cube_workqueue_limiter_num_requeues(cube_workqueue_limiter *l, const char *key);

/* Frees a limiter.  Accepts NULL. */
void cube_workqueue_limiter_free(cube_workqueue_limiter *l);

/* client-go's ItemExponentialFailureRateLimiter: when(key) returns
 * base_ms * 2^failures(key), at most max_ms (0 <= base_ms <= max_ms), and
 * counts the failure.  With 5 and 1000000: 5, 10, 20, ... 655360, then
 * 1000000 forever (no overflow however many failures).  If recording a
 * failure runs out of memory the delay is still returned, for the same count.
 * Returns a new limiter, or NULL with err set (EINVAL, ENOMEM). */
cube_workqueue_limiter *cube_workqueue_limiter_exponential_new(int64_t base_ms, int64_t max_ms,
							       cube_err *err);

/* client-go's BucketRateLimiter over golang.org/x/time/rate: a bucket of
 * `burst` tokens (full at the start) refilled at `qps` tokens per second.
 * Each when() takes a token, which may be one not yet refilled: the delay is
 * the time until it will have been, rounded up to a millisecond (0 while
 * tokens are left).  The key is ignored: the bucket is overall, not per key;
 * num_requeues is always 0 and forget does nothing.  The clock is copied
 * (NULL: CLOCK_MONOTONIC).  qps > 0, burst >= 0.
 * Returns a new limiter, or NULL with err set (EINVAL, ENOMEM). */
cube_workqueue_limiter *cube_workqueue_limiter_bucket_new(double qps, int burst,
							  const cube_workqueue_clock *clock,
							  cube_err *err);

/* client-go's MaxOfRateLimiter: when is the largest of the limiters' (every
 * one is called, so each counts the failure), num_requeues the largest,
 * forget goes to all.  Takes ownership of the n limiters in every case, so
 * constructors may be nested in the call: if one of them is NULL (its own
 * constructor failed, err says why) the others are freed and NULL is
 * returned.  Returns a new limiter, or NULL with err set (EINVAL, ENOMEM). */
cube_workqueue_limiter *cube_workqueue_limiter_max_of_new(cube_workqueue_limiter *const *limiters,
							  size_t n, cube_err *err);

/* client-go's DefaultControllerRateLimiter: max of exponential(5 ms,
 * 1000 s) and bucket(10 qps, burst 100) on `clock` (NULL: CLOCK_MONOTONIC).
 * Returns a new limiter, or NULL with err set (ENOMEM). */
cube_workqueue_limiter *cube_workqueue_limiter_default_new(const cube_workqueue_clock *clock,
							   cube_err *err);

/* ---- the queue ------------------------------------------------------------------ */

typedef struct cube_workqueue cube_workqueue;

typedef struct cube_workqueue_opts {
	/* add_rate_limited's limiter; the queue owns it from the call to
	 * cube_workqueue_new on, even if that fails.  NULL: the default
	 * controller limiter, on `clock`. */
	cube_workqueue_limiter *limiter;
	/* The queue's clock, for add_after (copied).  now_ns NULL:
	 * CLOCK_MONOTONIC. */
	cube_workqueue_clock clock;
	/* NULL: get() hands keys out in the order they were queued (client-go).
	 * Otherwise the order of Kubernetes' scheduling queue (PrioritySort):
	 * the highest priority(key) first, then the earliest queued.  It is
	 * called, with the queue's lock held, each time a key is queued for a
	 * worker; it must not call into the queue and may only take locks that
	 * are never held while calling the queue. */
	int64_t (*priority)(void *ud, const char *key);
	void *priority_ud;
} cube_workqueue_opts;

/* A snapshot of the queue's counters, for /metrics (client-go's workqueue
 * metrics: depth, adds_total, retries_total, unfinished work). */
typedef struct cube_workqueue_stats {
	size_t depth;	   /* keys queued, waiting for a worker: len() */
	size_t processing; /* keys handed out by get and not yet done */
	size_t delayed;	   /* keys waiting for their add_after time */
	uint64_t adds;	   /* adds that made a key dirty (not the deduplicated ones) */
	uint64_t retries;  /* add_after and add_rate_limited calls before shutdown */
} cube_workqueue_stats;

/* Returns a new queue and starts its waiting thread.  opts may be NULL (all
 * defaults).  Returns NULL with err set on ENOMEM or if the thread cannot be
 * started (EIO). */
cube_workqueue *cube_workqueue_new(const cube_workqueue_opts *opts, cube_err *err);

/* Shuts the queue down (if it is not yet), stops its waiting thread, and
 * frees it with its limiter and every key it holds; delayed keys are
 * dropped.  Accepts NULL.  Must be the last call on the queue: no thread may
 * be inside (or later enter) any other function on it. */
void cube_workqueue_free(cube_workqueue *q);

/* Marks key as needing processing: queues it, unless it is already queued
 * (nothing happens) or being processed (it is queued again when done() is
 * called).  Ignored after shutdown.  key is copied.
 * Returns 0, or -1 with err set on ENOMEM (the queue is then unchanged). */
int cube_workqueue_add(cube_workqueue *q, const char *key, cube_err *err);

/* Blocks until a key is queued, takes it and marks it processing, or
 * returns NULL once the queue is shut down and empty.  The caller must call
 * cube_workqueue_done(q, key) when it has finished; the returned string is
 * owned by the queue and stays valid until then. */
const char *cube_workqueue_get(cube_workqueue *q);

/* Ends the processing of key (a string equal to the one get returned; it may
 * be that very pointer, which is invalid afterwards).  If key was added
 * meanwhile it is queued again.  A key that is not being processed is
 * ignored. */
void cube_workqueue_done(cube_workqueue *q, const char *key);

/* Adds key once delay_ms milliseconds have passed on the queue's clock
 * (delay_ms <= 0: now, as cube_workqueue_add).  If key is already waiting,
 * the earlier of the two times is kept.  Ignored after shutdown.
 * Returns 0, or -1 with err set on ENOMEM. */
int cube_workqueue_add_after(cube_workqueue *q, const char *key, int64_t delay_ms, cube_err *err);

/* add_after with the delay the limiter gives key (which counts a failure).
 * Returns 0, or -1 with err set on ENOMEM. */
int cube_workqueue_add_rate_limited(cube_workqueue *q, const char *key, cube_err *err);

/* Tells the limiter key is done being retried (success or permanent
 * failure): its back-off starts over.  Does not replace done().  Can't
 * fail. */
void cube_workqueue_forget(cube_workqueue *q, const char *key);

/* How many times key went through add_rate_limited since it was last
 * forgotten (the limiter's count). */
int cube_workqueue_num_requeues(cube_workqueue *q, const char *key);

/* Moves every delayed key whose time has come on the queue's clock into the
 * queue, and has the waiting thread look at the clock again.  The waiting
 * thread does this on its own with the real clock; a test that moves an
 * injected clock calls this afterwards.  Returns how many keys came due. */
size_t cube_workqueue_tick(cube_workqueue *q);

/* Keys queued and waiting for a worker (not the ones being processed or
 * delayed).  For information: the answer may be stale at once. */
size_t cube_workqueue_len(cube_workqueue *q);

/* Fills *out with the current counters.  Can't fail. */
void cube_workqueue_stats_get(cube_workqueue *q, cube_workqueue_stats *out);

/* Ignores adds from now on, drops the delayed keys' timer, and wakes every
 * blocked getter; get hands out what is still queued, then returns NULL.
 * Returns at once.  May be called many times, also after (or while another
 * thread is in) shutdown_with_drain, which it then makes return at once. */
void cube_workqueue_shutdown(cube_workqueue *q);

/* As shutdown, then waits until no key is being processed (every key handed
 * out has been done()), as client-go's ShutDownWithDrain: the workers must
 * go on calling done for this to return. */
void cube_workqueue_shutdown_with_drain(cube_workqueue *q);

/* Whether shutdown (or shutdown_with_drain) was called. */
bool cube_workqueue_shutting_down(cube_workqueue *q);

#endif
