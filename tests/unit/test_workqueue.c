/* test_workqueue.c - the controllers' work queue, against client-go's
 * semantics: deduplication of waiting keys, a key never with two workers,
 * re-queueing of keys added while processed, add_after ordering and
 * replacement, the rate limiters' numbers (exponential back-off, token
 * bucket, the max of both), forget, shutdown and drain.
 *
 * Time is a fake clock (an atomic the test moves, then cube_workqueue_tick)
 * wherever a delay matters, so nothing sleeps through a back-off.  The few
 * tests on the real clock wait milliseconds and only check lower bounds (an
 * upper bound would be a flake on a loaded machine) or that a blocked call
 * returns at all.  Single-threaded tests check len() before get() so that a
 * bug fails an assertion instead of blocking; the suites' timeout catches
 * the rest. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "workqueue.h"

TestSuite(workqueue, .timeout = 10);
TestSuite(delay, .timeout = 10);
TestSuite(limiter, .timeout = 10);
TestSuite(shutdown, .timeout = 10);

/* ---- helpers ------------------------------------------------------------------ */

struct fake_clock {
	_Atomic int64_t now;
};

static int64_t fake_now(void *ud)
{
	return atomic_load(&((struct fake_clock *)ud)->now);
}

static void advance_ms(struct fake_clock *c, int64_t ms)
{
	atomic_fetch_add(&c->now, ms * 1000000);
}

/* A clock far from zero, so that no code may assume an origin. */
#define FAKE_CLOCK_INIT                       \
	{                                     \
		.now = INT64_C(1000000000000) \
	}

static cube_workqueue *new_queue(struct fake_clock *c, cube_workqueue_limiter *l)
{
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_opts o = {.limiter = l};
	if (c)
		o.clock = (cube_workqueue_clock){.now_ns = fake_now, .ud = c};
	cube_workqueue *q = cube_workqueue_new(&o, &err);
	cr_assert_not_null(q, "cube_workqueue_new: %s", err.msg);
	return q;
}

static void add(cube_workqueue *q, const char *key)
{
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_workqueue_add(q, key, &err), 0, "add %s: %s", key, err.msg);
}

static void add_after(cube_workqueue *q, const char *key, int64_t ms)
{
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_workqueue_add_after(q, key, ms, &err), 0, "add_after %s: %s", key,
		     err.msg);
}

static void add_rate_limited(cube_workqueue *q, const char *key)
{
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_workqueue_add_rate_limited(q, key, &err), 0, "%s", err.msg);
}

/* get() of a key that must already be queued: never blocks. */
static const char *take(cube_workqueue *q)
{
	cr_assert_gt(cube_workqueue_len(q), 0, "nothing queued");
	const char *key = cube_workqueue_get(q);
	cr_assert_not_null(key);
	return key;
}

/* Takes the next key, checks it is `want`, and ends its processing. */
static void take_done(cube_workqueue *q, const char *want)
{
	const char *key = take(q);
	cr_assert_str_eq(key, want);
	cube_workqueue_done(q, key);
}

static cube_workqueue_stats stats(cube_workqueue *q)
{
	cube_workqueue_stats s;
	cube_workqueue_stats_get(q, &s);
	return s;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int64_t real_ms(void)
{
	return cube_workqueue_clock_now(NULL) / 1000000;
}

/* A thread blocked in get(); the key it got is copied out before done(). */
struct getter {
	pthread_t thread;
	cube_workqueue *q;
	bool got;
	char key[64];
	int64_t returned_ms;
};

static void *getter_main(void *arg)
{
	struct getter *g = arg;
	const char *key = cube_workqueue_get(g->q);
	g->returned_ms = real_ms();
	g->got = key != NULL;
	if (key) {
		snprintf(g->key, sizeof(g->key), "%s", key);
		cube_workqueue_done(g->q, key);
	}
	return NULL;
}

static void getter_start(struct getter *g, cube_workqueue *q)
{
	memset(g, 0, sizeof(*g));
	g->q = q;
	cr_assert_eq(pthread_create(&g->thread, NULL, getter_main, g), 0);
}

/* A limiter of the test's own: fixed delays, counts its calls. */
struct fixed_limiter {
	cube_workqueue_limiter base;
	int64_t delay;
	atomic_int whens, forgets;
	bool *freed;
};

static int64_t fixed_when(cube_workqueue_limiter *l, const char *key)
{
	(void)key;
	struct fixed_limiter *f = (struct fixed_limiter *)l;
	atomic_fetch_add(&f->whens, 1);
	return f->delay;
}

static void fixed_forget(cube_workqueue_limiter *l, const char *key)
{
	(void)key;
	atomic_fetch_add(&((struct fixed_limiter *)l)->forgets, 1);
}

static int fixed_num_requeues(cube_workqueue_limiter *l, const char *key)
{
	(void)key;
	struct fixed_limiter *f = (struct fixed_limiter *)l;
	return atomic_load(&f->whens) - atomic_load(&f->forgets);
}

static void fixed_free(cube_workqueue_limiter *l)
{
	struct fixed_limiter *f = (struct fixed_limiter *)l;
	*f->freed = true;
	free(f);
}

static cube_workqueue_limiter *fixed_new(int64_t delay, bool *freed)
{
	struct fixed_limiter *f = calloc(1, sizeof(*f));
	cr_assert_not_null(f);
	f->base = (cube_workqueue_limiter){
		.when = fixed_when,
		.forget = fixed_forget,
		.num_requeues = fixed_num_requeues,
		.free = fixed_free,
	};
	f->delay = delay;
	f->freed = freed;
	return &f->base;
}

/* ---- the queue ---------------------------------------------------------------- */

Test(workqueue, new_with_defaults_is_empty)
{
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue *q = cube_workqueue_new(NULL, &err);
	cr_assert_not_null(q, "%s", err.msg);
	cr_assert_eq(cube_workqueue_len(q), 0);
	cr_assert_not(cube_workqueue_shutting_down(q));
	cube_workqueue_stats s = stats(q);
	cr_assert_eq(s.depth + s.processing + s.delayed + s.adds + s.retries, 0);
	cube_workqueue_free(q);
	cube_workqueue_free(NULL);
}

Test(workqueue, keys_come_out_in_order)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "default/a");
	add(q, "default/b");
	add(q, "kube-system/c");
	cr_assert_eq(cube_workqueue_len(q), 3);
	take_done(q, "default/a");
	take_done(q, "default/b");
	take_done(q, "kube-system/c");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}

Test(workqueue, waiting_key_is_deduplicated)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	add(q, "ns/b");
	add(q, "ns/a");
	add(q, "ns/a");
	cr_assert_eq(cube_workqueue_len(q), 2);
	cr_assert_eq(stats(q).adds, 2, "only the adds that made a key dirty count");
	take_done(q, "ns/a"); /* keeps its first place */
	take_done(q, "ns/b");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}

Test(workqueue, key_added_while_processing_waits_for_done)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	const char *key = take(q);
	cr_assert_str_eq(key, "ns/a");

	/* Added while a worker has it: not queued, so no second worker can
	 * get it, however many times it is added. */
	add(q, "ns/a");
	add(q, "ns/a");
	add(q, "ns/b");
	cr_assert_eq(cube_workqueue_len(q), 1);
	take_done(q, "ns/b");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cr_assert_str_eq(key, "ns/a", "the string stays valid until done");

	cube_workqueue_done(q, key);
	cr_assert_eq(cube_workqueue_len(q), 1, "done() queues the key again, once");
	take_done(q, "ns/a");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_stats s = stats(q);
	cr_assert_eq(s.processing, 0);
	cr_assert_eq(s.adds, 3);
	cube_workqueue_free(q);
}

Test(workqueue, key_added_while_processing_is_not_given_to_a_blocked_worker)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	const char *key = take(q);

	struct getter g;
	getter_start(&g, q);
	add(q, "ns/a");
	sleep_ms(20); /* let the second worker block (or wrongly take ns/a) */
	cr_assert_not(g.got);
	cr_assert_eq(stats(q).processing, 1);

	cube_workqueue_done(q, key);
	pthread_join(g.thread, NULL);
	cr_assert(g.got);
	cr_assert_str_eq(g.key, "ns/a");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}

Test(workqueue, done_without_a_new_add_forgets_the_key)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	take_done(q, "ns/a");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_stats s = stats(q);
	cr_assert_eq(s.processing, 0);
	cr_assert_eq(s.delayed, 0);
	/* A fresh add works as the first one did. */
	add(q, "ns/a");
	take_done(q, "ns/a");
	cube_workqueue_free(q);
}

Test(workqueue, done_of_a_key_not_processing_is_ignored)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	cube_workqueue_done(q, "ns/never");
	add(q, "ns/a");
	cube_workqueue_done(q, "ns/a"); /* queued, not processing */
	cr_assert_eq(cube_workqueue_len(q), 1);
	const char *key = take(q);
	cube_workqueue_done(q, key);
	cube_workqueue_done(q, "ns/a"); /* twice */
	cr_assert_eq(cube_workqueue_len(q), 0);
	cr_assert_eq(stats(q).processing, 0);
	cube_workqueue_free(q);
}

Test(workqueue, get_blocks_until_a_key_is_added)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	struct getter g;
	getter_start(&g, q);
	sleep_ms(10);
	cr_assert_not(g.got);
	add(q, "ns/late");
	pthread_join(g.thread, NULL);
	cr_assert(g.got);
	cr_assert_str_eq(g.key, "ns/late");
	cube_workqueue_free(q);
}

Test(workqueue, stats_count_depth_processing_and_adds)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	add(q, "ns/b");
	add(q, "ns/c");
	const char *a = take(q);
	cube_workqueue_stats s = stats(q);
	cr_assert_eq(s.depth, 2);
	cr_assert_eq(s.processing, 1);
	cr_assert_eq(s.adds, 3);
	cr_assert_eq(s.retries, 0);
	cube_workqueue_done(q, a);
	cr_assert_eq(stats(q).processing, 0);
	cube_workqueue_free(q); /* with keys still queued: freed, no leak */
}

/* 8 producers add 10,000 times over 100 keys while 4 consumers process.
 * Each key has an in-flight counter that must never exceed 1, and an add
 * counter bumped before every add: a consumer that gets the key reads it,
 * and in the end the last processing of every key must have seen its last
 * add (an add is never lost while the key is being processed). */
#define NKEYS 100
#define NPRODUCERS 8
#define NCONSUMERS 4
#define NADDS 10000

struct stress {
	cube_workqueue *q;
	atomic_int inflight[NKEYS];
	atomic_int added[NKEYS];
	atomic_int seen[NKEYS];
	atomic_int overlaps;
	atomic_int processed;
	atomic_int add_errors;
	atomic_int next_producer;
};

static void *producer_main(void *arg)
{
	struct stress *st = arg;
	int p = atomic_fetch_add(&st->next_producer, 1);
	for (int j = 0; j < NADDS / NPRODUCERS; j++) {
		int k = (p * 37 + j * 13) % NKEYS;
		char key[32];
		snprintf(key, sizeof(key), "ns/key-%d", k);
		atomic_fetch_add(&st->added[k], 1);
		if (cube_workqueue_add(st->q, key, NULL) < 0)
			atomic_fetch_add(&st->add_errors, 1);
		if (j % 64 == 0)
			sched_yield();
	}
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct stress *st = arg;
	for (;;) {
		const char *key = cube_workqueue_get(st->q);
		if (!key)
			return NULL;
		int k = atoi(key + strlen("ns/key-"));
		if (atomic_fetch_add(&st->inflight[k], 1) != 0)
			atomic_fetch_add(&st->overlaps, 1);
		int n = atomic_load(&st->added[k]);
		if (n > atomic_load(&st->seen[k]))
			atomic_store(&st->seen[k], n);
		sched_yield(); /* widen the window for a second worker */
		atomic_fetch_sub(&st->inflight[k], 1);
		atomic_fetch_add(&st->processed, 1);
		cube_workqueue_done(st->q, key);
	}
}

Test(workqueue, many_producers_and_consumers_never_share_a_key)
{
	static struct stress st; /* large: not on the stack */
	memset(&st, 0, sizeof(st));
	st.q = new_queue(NULL, NULL);
	pthread_t prod[NPRODUCERS], cons[NCONSUMERS];
	for (int i = 0; i < NCONSUMERS; i++)
		cr_assert_eq(pthread_create(&cons[i], NULL, consumer_main, &st), 0);
	for (int i = 0; i < NPRODUCERS; i++)
		cr_assert_eq(pthread_create(&prod[i], NULL, producer_main, &st), 0);
	for (int i = 0; i < NPRODUCERS; i++)
		pthread_join(prod[i], NULL);
	/* Every add is in; the consumers take what is left, then get NULL. */
	cube_workqueue_shutdown(st.q);
	for (int i = 0; i < NCONSUMERS; i++)
		pthread_join(cons[i], NULL);

	cr_assert_eq(atomic_load(&st.add_errors), 0);
	cr_assert_eq(atomic_load(&st.overlaps), 0, "a key was processed by two workers at once");
	int total = 0;
	for (int k = 0; k < NKEYS; k++) {
		total += atomic_load(&st.added[k]);
		cr_assert_gt(atomic_load(&st.added[k]), 0);
		cr_assert_eq(atomic_load(&st.seen[k]), atomic_load(&st.added[k]),
			     "key %d: last add not processed", k);
	}
	cr_assert_eq(total, NADDS);
	int processed = atomic_load(&st.processed);
	cr_assert_geq(processed, NKEYS);
	cr_assert_leq(processed, NADDS);
	cube_workqueue_stats s = stats(st.q);
	cr_assert_eq(s.depth, 0);
	cr_assert_eq(s.processing, 0);
	cr_assert_eq(s.adds, (uint64_t)processed, "each dirtying add is processed once");
	cube_workqueue_free(st.q);
}

/* ---- add_after ------------------------------------------------------------------ */

Test(delay, non_positive_delay_adds_now)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/a", 0);
	add_after(q, "ns/b", -5);
	cr_assert_eq(cube_workqueue_len(q), 2);
	cube_workqueue_stats s = stats(q);
	cr_assert_eq(s.delayed, 0);
	cr_assert_eq(s.retries, 2);
	take_done(q, "ns/a");
	take_done(q, "ns/b");
	cube_workqueue_free(q);
}

Test(delay, key_comes_due_at_its_time_not_before)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/a", 100);
	cr_assert_eq(cube_workqueue_len(q), 0);
	cr_assert_eq(stats(q).delayed, 1);
	advance_ms(&c, 99);
	cr_assert_eq(cube_workqueue_tick(q), 0);
	cr_assert_eq(cube_workqueue_len(q), 0);
	advance_ms(&c, 1);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	cr_assert_eq(stats(q).delayed, 0);
	take_done(q, "ns/a");
	cube_workqueue_free(q);
}

Test(delay, keys_come_due_in_time_order)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/c", 30);
	add_after(q, "ns/a", 10);
	add_after(q, "ns/b", 20);
	add_after(q, "ns/d", 20); /* same time as b, added after it */
	advance_ms(&c, 15);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/a");
	advance_ms(&c, 15);
	cr_assert_eq(cube_workqueue_tick(q), 3);
	take_done(q, "ns/b");
	take_done(q, "ns/d");
	take_done(q, "ns/c");
	cube_workqueue_free(q);
}

Test(delay, many_keys_come_due_sorted)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	enum { N = 1000 };
	/* 1..N ms, added in a scrambled order (7919 is prime to N). */
	for (int i = 0; i < N; i++) {
		int ms = (i * 7919) % N + 1;
		char key[32];
		snprintf(key, sizeof(key), "ns/k%04d", ms);
		add_after(q, key, ms);
	}
	cr_assert_eq(stats(q).delayed, N);
	advance_ms(&c, N);
	cr_assert_eq(cube_workqueue_tick(q), N);
	for (int ms = 1; ms <= N; ms++) {
		char want[32];
		snprintf(want, sizeof(want), "ns/k%04d", ms);
		take_done(q, want);
	}
	cube_workqueue_free(q);
}

Test(delay, earlier_time_replaces_a_later_one)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/a", 100);
	add_after(q, "ns/b", 60);
	add_after(q, "ns/a", 50);
	cr_assert_eq(stats(q).delayed, 2, "one entry per key");
	advance_ms(&c, 50);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/a");
	advance_ms(&c, 10);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/b");
	advance_ms(&c, 100);
	cr_assert_eq(cube_workqueue_tick(q), 0, "the later time was dropped");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cr_assert_eq(stats(q).retries, 3);
	cube_workqueue_free(q);
}

Test(delay, later_time_does_not_replace_an_earlier_one)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/a", 50);
	add_after(q, "ns/a", 100);
	cr_assert_eq(stats(q).delayed, 1);
	advance_ms(&c, 50);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/a");
	advance_ms(&c, 50);
	cr_assert_eq(cube_workqueue_tick(q), 0);
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}

Test(delay, due_key_already_queued_is_deduplicated)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add(q, "ns/a");
	add_after(q, "ns/a", 10); /* waits apart from the queued one, as client-go */
	advance_ms(&c, 10);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	cr_assert_eq(cube_workqueue_len(q), 1);
	cr_assert_eq(stats(q).adds, 1);
	take_done(q, "ns/a");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}

Test(delay, due_key_being_processed_waits_for_done)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add(q, "ns/a");
	const char *key = take(q);
	add_after(q, "ns/a", 10);
	advance_ms(&c, 10);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	cr_assert_eq(cube_workqueue_len(q), 0, "not handed to a second worker");
	cube_workqueue_done(q, key);
	take_done(q, "ns/a");
	cube_workqueue_free(q);
}

Test(delay, tick_wakes_a_blocked_getter)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	struct getter g;
	getter_start(&g, q);
	add_after(q, "ns/a", 1000 * 1000); /* 1000 s on the fake clock */
	advance_ms(&c, 1000 * 1000);
	cube_workqueue_tick(q);
	pthread_join(g.thread, NULL);
	cr_assert(g.got);
	cr_assert_str_eq(g.key, "ns/a");
	cube_workqueue_free(q);
}

Test(delay, waiting_thread_adds_on_the_real_clock)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	int64_t start = real_ms();
	add_after(q, "ns/a", 20);
	struct getter g;
	getter_start(&g, q);
	pthread_join(g.thread, NULL);
	cr_assert(g.got);
	cr_assert_str_eq(g.key, "ns/a");
	cr_assert_geq(g.returned_ms - start, 20, "came out after %lld ms",
		      (long long)(g.returned_ms - start));
	cube_workqueue_free(q);
}

Test(delay, waiting_thread_replans_for_an_earlier_key)
{
	/* The thread is asleep until a (10 s); b (10 ms) must wake it.  If it
	 * did not, the getter would block past the suite's timeout. */
	cube_workqueue *q = new_queue(NULL, NULL);
	add_after(q, "ns/a", 10 * 1000);
	sleep_ms(5);
	add_after(q, "ns/b", 10);
	struct getter g;
	getter_start(&g, q);
	pthread_join(g.thread, NULL);
	cr_assert(g.got);
	cr_assert_str_eq(g.key, "ns/b");
	cr_assert_eq(stats(q).delayed, 1);
	cube_workqueue_free(q); /* a is dropped */
}

Test(delay, enormous_delay_does_not_overflow)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/a", INT64_MAX);
	add_after(q, "ns/b", INT64_MAX / 1000000);
	add_after(q, "ns/c", 1);
	advance_ms(&c, INT64_C(1000) * 1000 * 1000 * 1000); /* 31 years */
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/c");
	cr_assert_eq(stats(q).delayed, 2);
	cube_workqueue_free(q);
}

/* ---- rate limiters -------------------------------------------------------------- */

Test(limiter, exponential_doubles_from_5ms_to_the_1000s_cap)
{
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_limiter *l = cube_workqueue_limiter_exponential_new(5, 1000 * 1000, &err);
	cr_assert_not_null(l, "%s", err.msg);
	/* 5 ms * 2^17 = 655.36 s is the last below 1000 s. */
	for (int i = 0; i <= 17; i++) {
		cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/a"), i);
		int64_t d = cube_workqueue_limiter_when(l, "ns/a");
		cr_assert_eq(d, INT64_C(5) << i, "failure %d: %lld ms", i, (long long)d);
	}
	/* Then the cap, for ever: no overflow of 5 * 2^n. */
	for (int i = 18; i < 200; i++)
		cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 1000 * 1000, "failure %d", i);
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/a"), 200);
	cube_workqueue_limiter_free(l);
}

Test(limiter, exponential_is_per_key_and_forget_resets)
{
	cube_workqueue_limiter *l = cube_workqueue_limiter_exponential_new(5, 1000 * 1000, NULL);
	cr_assert_not_null(l);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 5);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 10);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 20);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/b"), 5, "keys back off apart");
	cube_workqueue_limiter_forget(l, "ns/a");
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/a"), 0);
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/b"), 1);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 5);
	cube_workqueue_limiter_forget(l, "ns/unknown");
	cube_workqueue_limiter_free(l);
}

Test(limiter, exponential_rejects_bad_bounds)
{
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_workqueue_limiter_exponential_new(-1, 10, &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cube_err_clear(&err);
	cr_assert_null(cube_workqueue_limiter_exponential_new(10, 5, &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	/* A zero base is legal: never any delay. */
	cube_workqueue_limiter *l = cube_workqueue_limiter_exponential_new(0, 0, NULL);
	cr_assert_not_null(l);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 0);
	cube_workqueue_limiter_free(l);
}

Test(limiter, bucket_allows_the_burst_then_the_rate)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue_clock clk = {.now_ns = fake_now, .ud = &c};
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_limiter *l = cube_workqueue_limiter_bucket_new(10, 100, &clk, &err);
	cr_assert_not_null(l, "%s", err.msg);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(cube_workqueue_limiter_when(l, "any"), 0, "call %d is in the burst",
			     i);
	/* Then one every 100 ms, reserved in turn. */
	cr_assert_eq(cube_workqueue_limiter_when(l, "a"), 100);
	cr_assert_eq(cube_workqueue_limiter_when(l, "b"), 200);
	cr_assert_eq(cube_workqueue_limiter_when(l, "c"), 300);
	/* 300 ms later the three reservations are paid: the next waits 100. */
	advance_ms(&c, 300);
	cr_assert_eq(cube_workqueue_limiter_when(l, "d"), 100);
	advance_ms(&c, 50);
	cr_assert_eq(cube_workqueue_limiter_when(l, "e"), 150);
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "a"), 0, "the bucket is overall");
	cube_workqueue_limiter_forget(l, "a");
	cube_workqueue_limiter_free(l);
}

Test(limiter, bucket_refills_up_to_the_burst_only)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue_clock clk = {.now_ns = fake_now, .ud = &c};
	cube_workqueue_limiter *l = cube_workqueue_limiter_bucket_new(10, 100, &clk, NULL);
	cr_assert_not_null(l);
	for (int i = 0; i < 150; i++)
		cube_workqueue_limiter_when(l, "k");
	advance_ms(&c, 3600 * 1000); /* an hour idle: a full bucket, not 36,000 tokens */
	for (int i = 0; i < 100; i++)
		cr_assert_eq(cube_workqueue_limiter_when(l, "k"), 0);
	cr_assert_eq(cube_workqueue_limiter_when(l, "k"), 100);
	cube_workqueue_limiter_free(l);
}

Test(limiter, bucket_rounds_delays_up)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue_clock clk = {.now_ns = fake_now, .ud = &c};
	cube_workqueue_limiter *l = cube_workqueue_limiter_bucket_new(3, 0, &clk, NULL);
	cr_assert_not_null(l);
	cr_assert_eq(cube_workqueue_limiter_when(l, "k"), 334); /* 333.3 ms */
	cr_assert_eq(cube_workqueue_limiter_when(l, "k"), 667);
	cr_assert_eq(cube_workqueue_limiter_when(l, "k"), 1000);
	cube_workqueue_limiter_free(l);
}

Test(limiter, bucket_rejects_bad_rates)
{
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_workqueue_limiter_bucket_new(0, 10, NULL, &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert_null(cube_workqueue_limiter_bucket_new(-1, 10, NULL, NULL));
	cr_assert_null(cube_workqueue_limiter_bucket_new(10, -1, NULL, NULL));
}

Test(limiter, max_of_takes_the_larger_delay)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue_clock clk = {.now_ns = fake_now, .ud = &c};
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_limiter *parts[] = {
		cube_workqueue_limiter_exponential_new(5, 1000 * 1000, &err),
		cube_workqueue_limiter_bucket_new(10, 2, &clk, &err),
	};
	cube_workqueue_limiter *l = cube_workqueue_limiter_max_of_new(parts, 2, &err);
	cr_assert_not_null(l, "%s", err.msg);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 5);   /* exp 5, bucket 0 */
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 10);  /* exp 10, bucket 0 */
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 100); /* exp 20, bucket 100 */
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/a"), 3);
	cube_workqueue_limiter_forget(l, "ns/a");
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/a"), 0);
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 200); /* exp 5, bucket 200 */
	advance_ms(&c, 10 * 1000);
	for (int i = 0; i < 9; i++)
		cube_workqueue_limiter_when(l, "ns/a"); /* exp reaches 5 * 2^10 */
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), 5 << 10);
	cube_workqueue_limiter_free(l);
}

Test(limiter, max_of_frees_the_others_when_one_is_missing)
{
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_limiter *parts[] = {
		cube_workqueue_limiter_exponential_new(5, 1000, NULL),
		NULL,
		cube_workqueue_limiter_bucket_new(1, 1, NULL, NULL),
	};
	cr_assert_null(cube_workqueue_limiter_max_of_new(parts, 3, &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert(strstr(err.msg, "limiter 1") != NULL, "%s", err.msg);
	/* And a failed part's own error is kept, with context. */
	cube_err_clear(&err);
	cube_workqueue_limiter *bad[] = {
		cube_workqueue_limiter_exponential_new(5, 1000, &err),
		cube_workqueue_limiter_bucket_new(0, 1, NULL, &err),
	};
	cr_assert_null(cube_workqueue_limiter_max_of_new(bad, 2, &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert(strstr(err.msg, "bucket limiter") != NULL, "%s", err.msg);
	/* LSan checks that the exponential parts were freed. */
}

Test(limiter, default_is_max_of_per_key_backoff_and_overall_bucket)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue_clock clk = {.now_ns = fake_now, .ud = &c};
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_limiter *l = cube_workqueue_limiter_default_new(&clk, &err);
	cr_assert_not_null(l, "%s", err.msg);
	/* One key failing: 5, 10, 20 ... ms while the burst lasts. */
	for (int i = 0; i < 10; i++)
		cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), INT64_C(5) << i);
	/* 90 more distinct keys: the first failure of each, 5 ms. */
	for (int i = 0; i < 90; i++) {
		char key[32];
		snprintf(key, sizeof(key), "ns/k%d", i);
		cr_assert_eq(cube_workqueue_limiter_when(l, key), 5);
	}
	/* The burst of 100 is spent: the bucket's 100 ms beats 5 ms. */
	cr_assert_eq(cube_workqueue_limiter_when(l, "ns/fresh"), 100);
	cr_assert_eq(cube_workqueue_limiter_num_requeues(l, "ns/a"), 10);
	/* Long after, the per-key back-off dominates and caps at 1000 s. */
	advance_ms(&c, 3600 * 1000);
	for (int i = 10; i < 30; i++) {
		int64_t want = i <= 17 ? INT64_C(5) << i : 1000 * 1000;
		cr_assert_eq(cube_workqueue_limiter_when(l, "ns/a"), want, "failure %d", i);
	}
	cube_workqueue_limiter_free(l);
}

Test(limiter, queue_add_rate_limited_backs_off_and_forget_resets)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q =
		new_queue(&c, cube_workqueue_limiter_exponential_new(5, 1000 * 1000, NULL));
	/* A worker failing ns/a: retried after 5, then 10, then 20 ms. */
	for (int i = 0; i < 3; i++) {
		int64_t delay = INT64_C(5) << i;
		add_rate_limited(q, "ns/a");
		cr_assert_eq(cube_workqueue_num_requeues(q, "ns/a"), i + 1);
		advance_ms(&c, delay - 1);
		cr_assert_eq(cube_workqueue_tick(q), 0, "retry %d early", i);
		advance_ms(&c, 1);
		cr_assert_eq(cube_workqueue_tick(q), 1, "retry %d late", i);
		take_done(q, "ns/a");
	}
	cr_assert_eq(stats(q).retries, 3);
	/* Success: forget; the next failure starts over at 5 ms. */
	cube_workqueue_forget(q, "ns/a");
	cr_assert_eq(cube_workqueue_num_requeues(q, "ns/a"), 0);
	add_rate_limited(q, "ns/a");
	advance_ms(&c, 5);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/a");
	cube_workqueue_free(q);
}

Test(limiter, queue_takes_a_limiter_of_the_callers_own)
{
	bool freed = false;
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, fixed_new(0, &freed));
	add_rate_limited(q, "ns/a"); /* delay 0: queued at once */
	cr_assert_eq(cube_workqueue_len(q), 1);
	cr_assert_eq(cube_workqueue_num_requeues(q, "ns/a"), 1);
	cube_workqueue_forget(q, "ns/a");
	cr_assert_eq(cube_workqueue_num_requeues(q, "ns/a"), 0);
	take_done(q, "ns/a");
	cube_workqueue_free(q);
	cr_assert(freed, "the queue owns its limiter");
}

Test(limiter, queue_without_a_limiter_uses_the_default)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_rate_limited(q, "ns/a");
	add_rate_limited(q, "ns/a"); /* 10 ms, but the 5 ms entry is kept */
	cr_assert_eq(cube_workqueue_num_requeues(q, "ns/a"), 2);
	cr_assert_eq(stats(q).delayed, 1);
	advance_ms(&c, 4);
	cr_assert_eq(cube_workqueue_tick(q), 0);
	advance_ms(&c, 1);
	cr_assert_eq(cube_workqueue_tick(q), 1);
	take_done(q, "ns/a");
	cube_workqueue_free(q);
}

/* ---- shutdown --------------------------------------------------------------------- */

Test(shutdown, wakes_every_blocked_getter)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	struct getter g[4];
	for (int i = 0; i < 4; i++)
		getter_start(&g[i], q);
	sleep_ms(10);
	cube_workqueue_shutdown(q);
	for (int i = 0; i < 4; i++) {
		pthread_join(g[i].thread, NULL);
		cr_assert_not(g[i].got);
	}
	cr_assert(cube_workqueue_shutting_down(q));
	cube_workqueue_shutdown(q); /* again: harmless */
	cube_workqueue_free(q);
}

Test(shutdown, queued_keys_are_still_handed_out_then_null)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	add(q, "ns/b");
	cube_workqueue_shutdown(q);
	add(q, "ns/c"); /* ignored, not an error */
	cr_assert_eq(cube_workqueue_len(q), 2);
	take_done(q, "ns/a");
	take_done(q, "ns/b");
	cr_assert_null(cube_workqueue_get(q), "empty and shut down: NULL at once");
	cr_assert_null(cube_workqueue_get(q));
	cube_workqueue_free(q);
}

Test(shutdown, key_dirtied_before_shutdown_is_requeued_by_done)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	const char *key = take(q);
	add(q, "ns/a");
	cube_workqueue_shutdown(q);
	cube_workqueue_done(q, key);
	take_done(q, "ns/a");
	cr_assert_null(cube_workqueue_get(q));
	cube_workqueue_free(q);
}

Test(shutdown, delayed_keys_are_dropped)
{
	struct fake_clock c = FAKE_CLOCK_INIT;
	cube_workqueue *q = new_queue(&c, NULL);
	add_after(q, "ns/a", 10);
	cube_workqueue_shutdown(q);
	add_after(q, "ns/b", 10);
	add_rate_limited(q, "ns/c");
	cr_assert_eq(stats(q).retries, 1, "adds after shutdown are not retries");
	cr_assert_eq(stats(q).delayed, 1);
	advance_ms(&c, 1000);
	cr_assert_eq(cube_workqueue_tick(q), 0);
	cr_assert_null(cube_workqueue_get(q));
	cube_workqueue_free(q); /* frees the waiting entry: LSan */
}

struct drainer {
	pthread_t thread;
	cube_workqueue *q;
	atomic_bool returned;
};

static void *drainer_main(void *arg)
{
	struct drainer *d = arg;
	cube_workqueue_shutdown_with_drain(d->q);
	atomic_store(&d->returned, true);
	return NULL;
}

static void drainer_start(struct drainer *d, cube_workqueue *q)
{
	d->q = q;
	atomic_store(&d->returned, false);
	cr_assert_eq(pthread_create(&d->thread, NULL, drainer_main, d), 0);
}

Test(shutdown, drain_waits_for_done)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	add(q, "ns/b");
	const char *a = take(q);
	struct drainer d;
	drainer_start(&d, q);
	sleep_ms(20);
	cr_assert_not(atomic_load(&d.returned), "returned while ns/a was processing");
	cr_assert(cube_workqueue_shutting_down(q));
	add(q, "ns/c");		 /* ignored */
	const char *b = take(q); /* what was queued can still be taken */
	cr_assert_str_eq(b, "ns/b");
	cube_workqueue_done(q, a);
	sleep_ms(20);
	cr_assert_not(atomic_load(&d.returned), "returned while ns/b was processing");
	cube_workqueue_done(q, b);
	pthread_join(d.thread, NULL);
	cr_assert(atomic_load(&d.returned));
	cr_assert_null(cube_workqueue_get(q));
	cube_workqueue_free(q);
}

Test(shutdown, drain_with_nothing_processing_returns_at_once)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a"); /* queued, not processing: drain does not wait for it */
	cube_workqueue_shutdown_with_drain(q);
	take_done(q, "ns/a");
	cr_assert_null(cube_workqueue_get(q));
	cube_workqueue_free(q);
}

Test(shutdown, shutdown_cuts_a_drain_short)
{
	cube_workqueue *q = new_queue(NULL, NULL);
	add(q, "ns/a");
	const char *a = take(q);
	struct drainer d;
	drainer_start(&d, q);
	sleep_ms(10);
	cube_workqueue_shutdown(q);
	pthread_join(d.thread, NULL); /* returns with ns/a still processing */
	cr_assert(atomic_load(&d.returned));
	cr_assert_eq(stats(q).processing, 1);
	cube_workqueue_done(q, a);
	cube_workqueue_free(q);
}

/* ---- priority order (the scheduler's queue) ------------------------------------ */

/* The priority is the number after the first '-' in the key ("ns/p-5": 5,
 * "ns/p--5": -5). */
static int64_t key_priority(void *ud, const char *key)
{
	(*(int *)ud)++;
	const char *dash = strchr(key, '-');
	return dash ? atoll(dash + 1) : 0;
}

static cube_workqueue *new_prio_queue(int *calls)
{
	cube_err err = CUBE_ERR_INIT;
	cube_workqueue_opts o = {.priority = key_priority, .priority_ud = calls};
	cube_workqueue *q = cube_workqueue_new(&o, &err);
	cr_assert_not_null(q, "%s", err.msg);
	return q;
}

Test(priority, highest_first_then_the_earliest_queued)
{
	int calls = 0;
	cube_workqueue *q = new_prio_queue(&calls);
	add(q, "ns/a-0");
	add(q, "ns/b-10");
	add(q, "ns/c-0");
	add(q, "ns/d-1000");
	add(q, "ns/e-10");
	add(q, "ns/f--5");
	add(q, "ns/b-10"); /* deduplicated: keeps its place */
	cr_assert_eq(cube_workqueue_len(q), 6);
	cr_assert_eq(calls, 6);
	take_done(q, "ns/d-1000");
	take_done(q, "ns/b-10");
	take_done(q, "ns/e-10");
	take_done(q, "ns/a-0");
	take_done(q, "ns/c-0");
	take_done(q, "ns/f--5");
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}

Test(priority, requeued_key_goes_behind_its_equals)
{
	int calls = 0;
	cube_workqueue *q = new_prio_queue(&calls);
	add(q, "ns/a-1");
	add(q, "ns/b-1");
	const char *k = cube_workqueue_get(q);
	cr_assert_str_eq(k, "ns/a-1");
	add(q, "ns/a-1"); /* while processing: queued again on done */
	add(q, "ns/c-1");
	cube_workqueue_done(q, k);
	take_done(q, "ns/b-1");
	take_done(q, "ns/c-1");
	take_done(q, "ns/a-1");
	cube_workqueue_free(q);
}

Test(priority, many_keys_come_out_sorted)
{
	int calls = 0;
	cube_workqueue *q = new_prio_queue(&calls);
	char key[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "ns/p%04d-%d", i, (i * 7919) % 37);
		add(q, key);
	}
	int64_t last_prio = INT64_MAX;
	int last_i = -1;
	for (int n = 0; n < 1000; n++) {
		const char *k = cube_workqueue_get(q);
		cr_assert_not_null(k);
		int i = atoi(k + 4);
		int64_t p = atoll(strrchr(k, '-') + 1);
		cr_assert(p < last_prio || (p == last_prio && i > last_i),
			  "%s after priority %lld, index %d", k, (long long)last_prio, last_i);
		last_prio = p;
		last_i = i;
		cube_workqueue_done(q, k);
	}
	cr_assert_eq(cube_workqueue_len(q), 0);
	cube_workqueue_free(q);
}
