/* workqueue.c - client-go's rate-limited work queue: a FIFO of dirty keys
 * with a processing set, a delay heap watched by one thread, and the rate
 * limiters that decide the delays.
 *
 * Every key the queue knows has one entry (in `entries`, by key) holding its
 * three states, which client-go keeps as two sets and a heap:
 *   dirty       needs processing (added and not yet handed out);
 *   processing  handed out by get, done() not yet called;
 *   waiting     in the delay heap, to be added at ready_at.
 * An entry is in the FIFO exactly when it is dirty and not processing, so it
 * is there at most once and the FIFO can be a list threaded through the
 * entries.  An entry is freed as soon as none of the three holds, which is
 * why get's string lives until done().
 *
 * One mutex guards it all.  Getters wait on cond_get, shutdown_with_drain on
 * cond_idle, and the waiting thread on cond_timer (a CLOCK_MONOTONIC
 * condition, so its timed waits do not jump with the wall clock).  The heap's
 * times are on the queue's clock, which may be a test's: the waiting thread
 * turns "ready_at - now" into a CLOCK_MONOTONIC deadline, and a test that
 * moves its clock calls cube_workqueue_tick().
 */
#include "workqueue.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strmap.h"

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)

/* client-go's maxWait: insurance against a missed wake-up (or a test clock
 * moved without a tick); the waiting thread looks at the clock at least this
 * often while delays are pending. */
#define MAX_WAIT_NS (10 * NS_PER_S)

int64_t cube_workqueue_clock_now(const cube_workqueue_clock *c)
{
	if (c && c->now_ns)
		return c->now_ns(c->ud);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ---- rate limiters ---------------------------------------------------------- */

int64_t cube_workqueue_limiter_when(cube_workqueue_limiter *l, const char *key)
{
	return l->when(l, key);
}

void cube_workqueue_limiter_forget(cube_workqueue_limiter *l, const char *key)
{
	l->forget(l, key);
}

int cube_workqueue_limiter_num_requeues(cube_workqueue_limiter *l, const char *key)
{
	return l->num_requeues(l, key);
}

void cube_workqueue_limiter_free(cube_workqueue_limiter *l)
{
	if (l)
		l->free(l);
}

/* Per-key exponential back-off.  The failure count is stored as the map's
 * value pointer (a count >= 1, so never NULL while present). */
struct exp_limiter {
	cube_workqueue_limiter base;
	pthread_mutex_t mu;
	cube_strmap *failures;
	int64_t base_ms;
	int64_t max_ms;
};

/* base * 2^exp, capped at max without overflowing: at most 63 doublings
 * happen before the cap is reached (base >= 1), whatever exp is. */
static int64_t backoff(int64_t base, int64_t max, uintptr_t exp)
{
	int64_t d = base;
	if (d == 0)
		return 0;
	for (uintptr_t i = 0; i < exp; i++) {
		if (d > max / 2)
			return max;
		d *= 2;
	}
	return d < max ? d : max;
}

static int64_t exp_when(cube_workqueue_limiter *l, const char *key)
{
	struct exp_limiter *e = (struct exp_limiter *)l;
	pthread_mutex_lock(&e->mu);
	uintptr_t n = (uintptr_t)cube_strmap_get(e->failures, key);
	/* On ENOMEM the failure goes uncounted; the delay is still right. */
	(void)cube_strmap_put(e->failures, key, (void *)(n + 1), NULL);
	pthread_mutex_unlock(&e->mu);
	return backoff(e->base_ms, e->max_ms, n);
}

static void exp_forget(cube_workqueue_limiter *l, const char *key)
{
	struct exp_limiter *e = (struct exp_limiter *)l;
	pthread_mutex_lock(&e->mu);
	cube_strmap_del(e->failures, key);
	pthread_mutex_unlock(&e->mu);
}

static int exp_num_requeues(cube_workqueue_limiter *l, const char *key)
{
	struct exp_limiter *e = (struct exp_limiter *)l;
	pthread_mutex_lock(&e->mu);
	uintptr_t n = (uintptr_t)cube_strmap_get(e->failures, key);
	pthread_mutex_unlock(&e->mu);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

static void exp_free(cube_workqueue_limiter *l)
{
	struct exp_limiter *e = (struct exp_limiter *)l;
	cube_strmap_free(e->failures);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

cube_workqueue_limiter *cube_workqueue_limiter_exponential_new(int64_t base_ms, int64_t max_ms,
							       cube_err *err)
{
	if (base_ms < 0 || max_ms < base_ms) {
		cube_err_set(
			err, CUBE_EINVAL,
			"exponential limiter: need 0 <= base <= max, got base %lld ms, max %lld ms",
			(long long)base_ms, (long long)max_ms);
		return NULL;
	}
	struct exp_limiter *e = calloc(1, sizeof(*e));
	if (!e || !(e->failures = cube_strmap_new())) {
		free(e);
		cube_err_set(err, CUBE_ENOMEM, "exponential limiter: out of memory");
		return NULL;
	}
	e->base = (cube_workqueue_limiter){
		.when = exp_when,
		.forget = exp_forget,
		.num_requeues = exp_num_requeues,
		.free = exp_free,
	};
	pthread_mutex_init(&e->mu, NULL);
	e->base_ms = base_ms;
	e->max_ms = max_ms;
	return &e->base;
}

/* The token bucket of golang.org/x/time/rate's Limiter.Reserve: tokens may
 * go negative, each negative token being a reservation in the future. */
struct bucket_limiter {
	cube_workqueue_limiter base;
	pthread_mutex_t mu;
	double qps;
	double burst;
	double tokens;
	int64_t last; /* clock time tokens was computed at */
	cube_workqueue_clock clock;
};

static int64_t bucket_when(cube_workqueue_limiter *l, const char *key)
{
	(void)key;
	struct bucket_limiter *b = (struct bucket_limiter *)l;
	pthread_mutex_lock(&b->mu);
	int64_t now = cube_workqueue_clock_now(&b->clock);
	if (now > b->last) {
		b->tokens += (double)(now - b->last) / (double)NS_PER_S * b->qps;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last = now;
	}
	b->tokens -= 1;
	double tokens = b->tokens;
	pthread_mutex_unlock(&b->mu);
	if (tokens >= 0)
		return 0;
	/* Rounded up so that a retry is never early; the epsilon keeps a
	 * whole number of milliseconds computed a hair high (1/qps is rarely
	 * exact in binary) from becoming one more. */
	double ms = -tokens * 1000.0 / b->qps;
	if (ms > 1e15)
		return INT64_C(1000000000000000);
	return (int64_t)ceil(ms - 1e-6);
}

static void bucket_forget(cube_workqueue_limiter *l, const char *key)
{
	(void)l;
	(void)key;
}

static int bucket_num_requeues(cube_workqueue_limiter *l, const char *key)
{
	(void)l;
	(void)key;
	return 0;
}

static void bucket_free(cube_workqueue_limiter *l)
{
	struct bucket_limiter *b = (struct bucket_limiter *)l;
	pthread_mutex_destroy(&b->mu);
	free(b);
}

cube_workqueue_limiter *cube_workqueue_limiter_bucket_new(double qps, int burst,
							  const cube_workqueue_clock *clock,
							  cube_err *err)
{
	if (!(qps > 0) || isinf(qps) || burst < 0) {
		cube_err_set(err, CUBE_EINVAL,
			     "bucket limiter: need qps > 0 and burst >= 0, got %g and %d", qps,
			     burst);
		return NULL;
	}
	struct bucket_limiter *b = calloc(1, sizeof(*b));
	if (!b) {
		cube_err_set(err, CUBE_ENOMEM, "bucket limiter: out of memory");
		return NULL;
	}
	b->base = (cube_workqueue_limiter){
		.when = bucket_when,
		.forget = bucket_forget,
		.num_requeues = bucket_num_requeues,
		.free = bucket_free,
	};
	pthread_mutex_init(&b->mu, NULL);
	b->qps = qps;
	b->burst = burst;
	b->tokens = burst;
	if (clock)
		b->clock = *clock;
	b->last = cube_workqueue_clock_now(&b->clock);
	return &b->base;
}

struct max_limiter {
	cube_workqueue_limiter base;
	size_t n;
	cube_workqueue_limiter *limiters[];
};

static int64_t max_when(cube_workqueue_limiter *l, const char *key)
{
	struct max_limiter *m = (struct max_limiter *)l;
	int64_t ret = 0;
	for (size_t i = 0; i < m->n; i++) {
		int64_t d = cube_workqueue_limiter_when(m->limiters[i], key);
		if (d > ret)
			ret = d;
	}
	return ret;
}

static void max_forget(cube_workqueue_limiter *l, const char *key)
{
	struct max_limiter *m = (struct max_limiter *)l;
	for (size_t i = 0; i < m->n; i++)
		cube_workqueue_limiter_forget(m->limiters[i], key);
}

static int max_num_requeues(cube_workqueue_limiter *l, const char *key)
{
	struct max_limiter *m = (struct max_limiter *)l;
	int ret = 0;
	for (size_t i = 0; i < m->n; i++) {
		int r = cube_workqueue_limiter_num_requeues(m->limiters[i], key);
		if (r > ret)
			ret = r;
	}
	return ret;
}

static void max_free(cube_workqueue_limiter *l)
{
	struct max_limiter *m = (struct max_limiter *)l;
	for (size_t i = 0; i < m->n; i++)
		cube_workqueue_limiter_free(m->limiters[i]);
	free(m);
}

cube_workqueue_limiter *cube_workqueue_limiter_max_of_new(cube_workqueue_limiter *const *limiters,
							  size_t n, cube_err *err)
{
	size_t missing = n;
	for (size_t i = 0; i < n && missing == n; i++)
		if (!limiters[i])
			missing = i;
	struct max_limiter *m = NULL;
	if (missing == n && n <= (SIZE_MAX - sizeof(*m)) / sizeof(m->limiters[0]))
		m = malloc(sizeof(*m) + n * sizeof(m->limiters[0]));
	if (!m) {
		for (size_t i = 0; i < n; i++)
			cube_workqueue_limiter_free(limiters[i]);
		if (missing == n)
			cube_err_set(err, CUBE_ENOMEM, "max-of limiter: out of memory");
		else if (err && err->code != CUBE_OK)
			cube_err_prefix(err, "max-of limiter: limiter %zu", missing);
		else
			cube_err_set(err, CUBE_EINVAL, "max-of limiter: limiter %zu is NULL",
				     missing);
		return NULL;
	}
	m->base = (cube_workqueue_limiter){
		.when = max_when,
		.forget = max_forget,
		.num_requeues = max_num_requeues,
		.free = max_free,
	};
	m->n = n;
	if (n)
		memcpy(m->limiters, limiters, n * sizeof(m->limiters[0]));
	return &m->base;
}

cube_workqueue_limiter *cube_workqueue_limiter_default_new(const cube_workqueue_clock *clock,
							   cube_err *err)
{
	cube_workqueue_limiter *l[] = {
		cube_workqueue_limiter_exponential_new(5, 1000 * 1000, err),
		/* Overall, not per key: only the speed of retries as a whole. */
		cube_workqueue_limiter_bucket_new(10, 100, clock, err),
	};
	cube_workqueue_limiter *m = cube_workqueue_limiter_max_of_new(l, 2, err);
	if (!m)
		cube_err_prefix(err, "default controller limiter");
	return m;
}

/* ---- the queue -------------------------------------------------------------- */

struct entry {
	struct entry *next; /* in the FIFO (dirty && !processing) */
	int64_t ready_at;   /* while waiting: when to add, on the queue's clock */
	uint64_t seq;	    /* equal ready_at: earlier add_after first */
	size_t heap_idx;    /* while waiting */
	int64_t prio;	    /* with a priority function: its value when queued */
	uint64_t qseq;	    /* with a priority function: the order queued */
	bool dirty;
	bool processing;
	bool waiting;
	char key[];
};

struct cube_workqueue {
	pthread_mutex_t mu;
	pthread_cond_t cond_get;   /* a key was queued, or shutdown */
	pthread_cond_t cond_idle;  /* nothing processing any more, or shutdown */
	pthread_cond_t cond_timer; /* a new earliest delay, a tick, or shutdown */

	cube_strmap *entries;	   /* key -> struct entry */
	struct entry *head, *tail; /* the FIFO, without a priority function */
	struct entry **ready;	   /* with one: a heap on (-prio, qseq) */
	size_t ready_cap;
	size_t len;
	int64_t (*prio_fn)(void *ud, const char *key);
	void *prio_ud;
	uint64_t qseq;
	struct entry **heap; /* min-heap on (ready_at, seq) */
	size_t heap_len, heap_cap;
	uint64_t seq;
	size_t processing;

	uint64_t adds, retries;
	bool shutting_down, drain;

	cube_workqueue_limiter *limiter;
	cube_workqueue_clock clock;
	pthread_t timer;
	bool timer_started;
};

static struct entry *entry_new(cube_workqueue *q, const char *key)
{
	size_t n = strlen(key);
	struct entry *e = calloc(1, sizeof(*e) + n + 1);
	if (!e)
		return NULL;
	memcpy(e->key, key, n + 1);
	/* Room in the ready heap for every entry, so that a push cannot fail. */
	size_t need = cube_strmap_len(q->entries) + 1;
	if (q->prio_fn && need > q->ready_cap) {
		size_t cap = q->ready_cap ? q->ready_cap * 2 : 16;
		struct entry **r = realloc(q->ready, cap * sizeof(*r));
		if (!r) {
			free(e);
			return NULL;
		}
		q->ready = r;
		q->ready_cap = cap;
	}
	if (cube_strmap_put(q->entries, key, e, NULL) < 0) {
		free(e);
		return NULL;
	}
	return e;
}

static void entry_release_if_idle(cube_workqueue *q, struct entry *e)
{
	if (e->dirty || e->processing || e->waiting)
		return;
	cube_strmap_del(q->entries, e->key);
	free(e);
}

/* The ready heap's order: higher priority first, then the earlier queued
 * (Kubernetes' PrioritySort: priority, then the time the pod was queued). */
static bool ready_before(const struct entry *a, const struct entry *b)
{
	return a->prio > b->prio || (a->prio == b->prio && a->qseq < b->qseq);
}

static void ready_push(cube_workqueue *q, struct entry *e)
{
	size_t i = q->len; /* entry_new reserved the room */
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!ready_before(e, q->ready[p]))
			break;
		q->ready[i] = q->ready[p];
		i = p;
	}
	q->ready[i] = e;
}

static struct entry *ready_pop(cube_workqueue *q)
{
	struct entry *top = q->ready[0], *last = q->ready[q->len]; /* len already decremented */
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->len)
			break;
		if (c + 1 < q->len && ready_before(q->ready[c + 1], q->ready[c]))
			c++;
		if (!ready_before(q->ready[c], last))
			break;
		q->ready[i] = q->ready[c];
		i = c;
	}
	if (q->len > 0)
		q->ready[i] = last;
	return top;
}

/* Queues e for a worker: at the FIFO's tail, or by priority. */
static void fifo_push(cube_workqueue *q, struct entry *e)
{
	e->next = NULL;
	if (q->prio_fn) {
		e->prio = q->prio_fn(q->prio_ud, e->key);
		e->qseq = q->qseq++;
		ready_push(q, e);
	} else {
		if (q->tail)
			q->tail->next = e;
		else
			q->head = e;
		q->tail = e;
	}
	q->len++;
}

/* Takes the next key for a worker (len > 0). */
static struct entry *fifo_pop(cube_workqueue *q)
{
	q->len--;
	if (q->prio_fn)
		return ready_pop(q);
	struct entry *e = q->head;
	q->head = e->next;
	if (!q->head)
		q->tail = NULL;
	e->next = NULL;
	return e;
}

static bool before(const struct entry *a, const struct entry *b)
{
	return a->ready_at < b->ready_at || (a->ready_at == b->ready_at && a->seq < b->seq);
}

static void heap_set(cube_workqueue *q, size_t i, struct entry *e)
{
	q->heap[i] = e;
	e->heap_idx = i;
}

static void sift_up(cube_workqueue *q, size_t i)
{
	struct entry *e = q->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(e, q->heap[p]))
			break;
		heap_set(q, i, q->heap[p]);
		i = p;
	}
	heap_set(q, i, e);
}

static void sift_down(cube_workqueue *q, size_t i)
{
	struct entry *e = q->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->heap_len)
			break;
		if (c + 1 < q->heap_len && before(q->heap[c + 1], q->heap[c]))
			c++;
		if (!before(q->heap[c], e))
			break;
		heap_set(q, i, q->heap[c]);
		i = c;
	}
	heap_set(q, i, e);
}

static struct entry *heap_pop(cube_workqueue *q)
{
	struct entry *top = q->heap[0];
	q->heap_len--;
	if (q->heap_len > 0) {
		heap_set(q, 0, q->heap[q->heap_len]);
		sift_down(q, 0);
	}
	return top;
}

/* Room for one more heap element, so that a push cannot fail. */
static int heap_reserve(cube_workqueue *q)
{
	if (q->heap_len < q->heap_cap)
		return 0;
	size_t cap = q->heap_cap ? q->heap_cap * 2 : 16;
	struct entry **h = realloc(q->heap, cap * sizeof(*h));
	if (!h)
		return -1;
	q->heap = h;
	q->heap_cap = cap;
	return 0;
}

/* Marks a known, clean entry dirty and queues it unless a worker has it. */
static void mark_dirty(cube_workqueue *q, struct entry *e)
{
	e->dirty = true;
	q->adds++;
	if (e->processing)
		return; /* done() queues it */
	fifo_push(q, e);
	pthread_cond_signal(&q->cond_get);
}

static int add_locked(cube_workqueue *q, const char *key, cube_err *err)
{
	if (q->shutting_down)
		return 0;
	struct entry *e = cube_strmap_get(q->entries, key);
	if (e && e->dirty)
		return 0;
	if (!e && !(e = entry_new(q, key)))
		return cube_err_set(err, CUBE_ENOMEM, "workqueue add %s: out of memory", key);
	mark_dirty(q, e);
	return 0;
}

/* Adds the delayed keys whose time has come, earliest first.  Nothing
 * comes due after shutdown, as client-go's waiting loop has ended then. */
static size_t promote_due(cube_workqueue *q, int64_t now)
{
	size_t n = 0;
	while (!q->shutting_down && q->heap_len > 0 && q->heap[0]->ready_at <= now) {
		struct entry *e = heap_pop(q);
		e->waiting = false;
		if (!e->dirty)
			mark_dirty(q, e);
		n++;
	}
	return n;
}

static void *timer_main(void *arg)
{
	cube_workqueue *q = arg;
	pthread_mutex_lock(&q->mu);
	while (!q->shutting_down) {
		int64_t now = cube_workqueue_clock_now(&q->clock);
		promote_due(q, now);
		if (q->heap_len == 0) {
			pthread_cond_wait(&q->cond_timer, &q->mu);
			continue;
		}
		int64_t wait = q->heap[0]->ready_at - now;
		if (wait > MAX_WAIT_NS)
			wait = MAX_WAIT_NS;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t nsec = ts.tv_nsec + wait % NS_PER_S;
		ts.tv_sec += (time_t)(wait / NS_PER_S + nsec / NS_PER_S);
		ts.tv_nsec = (long)(nsec % NS_PER_S);
		pthread_cond_timedwait(&q->cond_timer, &q->mu, &ts);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

static int free_entry(void *ud, const char *key, void *value)
{
	(void)ud;
	(void)key;
	free(value);
	return 0;
}

/* Frees what new() set up; the waiting thread must have ended. */
static void queue_release(cube_workqueue *q)
{
	if (q->entries)
		cube_strmap_each(q->entries, free_entry, NULL);
	cube_strmap_free(q->entries);
	free(q->heap);
	free(q->ready);
	cube_workqueue_limiter_free(q->limiter);
	pthread_cond_destroy(&q->cond_timer);
	pthread_cond_destroy(&q->cond_idle);
	pthread_cond_destroy(&q->cond_get);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

cube_workqueue *cube_workqueue_new(const cube_workqueue_opts *opts, cube_err *err)
{
	cube_workqueue_limiter *limiter = opts ? opts->limiter : NULL;
	cube_workqueue *q = calloc(1, sizeof(*q));
	if (!q) {
		cube_workqueue_limiter_free(limiter);
		cube_err_set(err, CUBE_ENOMEM, "workqueue: out of memory");
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cond_get, NULL);
	pthread_cond_init(&q->cond_idle, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond_timer, &attr);
	pthread_condattr_destroy(&attr);
	if (opts) {
		q->clock = opts->clock;
		q->prio_fn = opts->priority;
		q->prio_ud = opts->priority_ud;
	}
	q->limiter = limiter;

	if (!q->limiter && !(q->limiter = cube_workqueue_limiter_default_new(&q->clock, err)))
		goto fail;
	if (!(q->entries = cube_strmap_new())) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	int rc = pthread_create(&q->timer, NULL, timer_main, q);
	if (rc != 0) {
		cube_err_errno(err, rc, "start the waiting thread");
		goto fail;
	}
	q->timer_started = true;
	return q;
fail:
	cube_err_prefix(err, "workqueue");
	queue_release(q);
	return NULL;
}

void cube_workqueue_free(cube_workqueue *q)
{
	if (!q)
		return;
	cube_workqueue_shutdown(q);
	if (q->timer_started)
		pthread_join(q->timer, NULL);
	queue_release(q);
}

int cube_workqueue_add(cube_workqueue *q, const char *key, cube_err *err)
{
	pthread_mutex_lock(&q->mu);
	int rc = add_locked(q, key, err);
	pthread_mutex_unlock(&q->mu);
	return rc;
}

const char *cube_workqueue_get(cube_workqueue *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->len == 0 && !q->shutting_down)
		pthread_cond_wait(&q->cond_get, &q->mu);
	if (q->len == 0) {
		pthread_mutex_unlock(&q->mu);
		return NULL; /* shut down and drained */
	}
	struct entry *e = fifo_pop(q);
	e->dirty = false;
	e->processing = true;
	q->processing++;
	pthread_mutex_unlock(&q->mu);
	/* e lives on while processing: only done() can free it. */
	return e->key;
}

void cube_workqueue_done(cube_workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	struct entry *e = cube_strmap_get(q->entries, key);
	if (e && e->processing) {
		e->processing = false;
		q->processing--;
		if (e->dirty) {
			fifo_push(q, e);
			pthread_cond_signal(&q->cond_get);
		} else {
			entry_release_if_idle(q, e); /* key may be e->key: not used after */
		}
		if (q->processing == 0)
			pthread_cond_broadcast(&q->cond_idle);
	}
	pthread_mutex_unlock(&q->mu);
}

int cube_workqueue_add_after(cube_workqueue *q, const char *key, int64_t delay_ms, cube_err *err)
{
	int rc = 0;
	pthread_mutex_lock(&q->mu);
	if (q->shutting_down)
		goto out;
	q->retries++;
	if (delay_ms <= 0) {
		rc = add_locked(q, key, err);
		goto out;
	}
	int64_t now = cube_workqueue_clock_now(&q->clock);
	int64_t ready = INT64_MAX; /* a delay too long to add up is forever */
	if (delay_ms < (INT64_MAX - (now > 0 ? now : 0)) / NS_PER_MS)
		ready = now + delay_ms * NS_PER_MS;

	struct entry *e = cube_strmap_get(q->entries, key);
	if (e && e->waiting) {
		/* Only ever sooner, as client-go's insert(). */
		if (ready < e->ready_at) {
			e->ready_at = ready;
			e->seq = q->seq++;
			sift_up(q, e->heap_idx);
			if (e->heap_idx == 0)
				pthread_cond_signal(&q->cond_timer);
		}
		goto out;
	}
	if (heap_reserve(q) < 0 || (!e && !(e = entry_new(q, key)))) {
		rc = cube_err_set(err, CUBE_ENOMEM, "workqueue add_after %s: out of memory", key);
		goto out;
	}
	e->ready_at = ready;
	e->seq = q->seq++;
	e->waiting = true;
	heap_set(q, q->heap_len++, e);
	sift_up(q, e->heap_idx);
	if (e->heap_idx == 0)
		pthread_cond_signal(&q->cond_timer);
out:
	pthread_mutex_unlock(&q->mu);
	return rc;
}

int cube_workqueue_add_rate_limited(cube_workqueue *q, const char *key, cube_err *err)
{
	return cube_workqueue_add_after(q, key, cube_workqueue_limiter_when(q->limiter, key), err);
}

void cube_workqueue_forget(cube_workqueue *q, const char *key)
{
	cube_workqueue_limiter_forget(q->limiter, key);
}

int cube_workqueue_num_requeues(cube_workqueue *q, const char *key)
{
	return cube_workqueue_limiter_num_requeues(q->limiter, key);
}

size_t cube_workqueue_tick(cube_workqueue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = promote_due(q, cube_workqueue_clock_now(&q->clock));
	pthread_cond_signal(&q->cond_timer);
	pthread_mutex_unlock(&q->mu);
	return n;
}

size_t cube_workqueue_len(cube_workqueue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}

void cube_workqueue_stats_get(cube_workqueue *q, cube_workqueue_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = (cube_workqueue_stats){
		.depth = q->len,
		.processing = q->processing,
		.delayed = q->heap_len,
		.adds = q->adds,
		.retries = q->retries,
	};
	pthread_mutex_unlock(&q->mu);
}

static void shutdown_locked(cube_workqueue *q, bool drain)
{
	q->drain = drain;
	q->shutting_down = true;
	pthread_cond_broadcast(&q->cond_get);
	pthread_cond_broadcast(&q->cond_idle);
	pthread_cond_signal(&q->cond_timer);
}

void cube_workqueue_shutdown(cube_workqueue *q)
{
	pthread_mutex_lock(&q->mu);
	shutdown_locked(q, false);
	pthread_mutex_unlock(&q->mu);
}

void cube_workqueue_shutdown_with_drain(cube_workqueue *q)
{
	pthread_mutex_lock(&q->mu);
	shutdown_locked(q, true);
	while (q->processing > 0 && q->drain)
		pthread_cond_wait(&q->cond_idle, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

bool cube_workqueue_shutting_down(cube_workqueue *q)
{
	pthread_mutex_lock(&q->mu);
	bool s = q->shutting_down;
	pthread_mutex_unlock(&q->mu);
	return s;
}
