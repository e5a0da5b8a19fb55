/* test_etcd.c - the etcd client against a real etcd.
 *
 * main() starts one etcd for the whole file (tests use distinct key
 * prefixes); the restart test starts its own so that it can stop it.  Every
 * etcd is stopped by the PID the harness started and dies with this process.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd.h"
#include "etcd_harness.h"

static const char *etcd_url(void)
{
	const char *u = getenv("CUBE_TEST_ETCD_URL");
	cr_assert(u && u[0], "CUBE_TEST_ETCD_URL not set: main() did not start etcd");
	return u;
}

static cube_etcd *client(void)
{
	cube_err err = CUBE_ERR_INIT;
	cube_etcd *e = cube_etcd_new(etcd_url(), &err);
	cr_assert_not_null(e, "%s", err.msg);
	return e;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static int64_t put(cube_etcd *e, const char *key, const char *val)
{
	cube_err err = CUBE_ERR_INIT;
	int64_t rev = 0;
	cr_assert_eq(cube_etcd_put(e, key, val, strlen(val), 0, &rev, &err), 0, "%s", err.msg);
	cr_assert_gt(rev, 0);
	return rev;
}

Test(etcd, put_get_roundtrip_binary_value)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	const char val[] = {'a', '\0', 'b', '\xff'};
	int64_t rev;
	cr_assert_eq(cube_etcd_put(e, "/t/bin/k", val, sizeof(val), 0, &rev, &err), 0, "%s",
		     err.msg);
	cube_etcd_kv kv;
	int64_t rrev;
	cr_assert_eq(cube_etcd_get(e, "/t/bin/k", &kv, &rrev, &err), 0, "%s", err.msg);
	cr_assert_eq(kv.value_len, sizeof(val));
	cr_assert_eq(memcmp(kv.value, val, sizeof(val)), 0);
	cr_assert_str_eq(kv.key, "/t/bin/k");
	cr_assert_eq(kv.mod_rev, rev);
	cr_assert_geq(rrev, rev);
	cube_etcd_kv_clear(&kv);
	cr_assert_eq(cube_etcd_get(e, "/t/bin/missing", &kv, NULL, &err), -1);
	cr_assert_eq(err.code, CUBE_ENOTFOUND);
	cube_etcd_free(e);
}

Test(etcd, create_if_absent_txn)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t rev1 = 0, rev2 = 0;
	cr_assert_eq(cube_etcd_create(e, "/t/create/a", "one", 3, 0, &rev1, NULL, &err), 0, "%s",
		     err.msg);
	cube_etcd_kv existing;
	cr_assert_eq(cube_etcd_create(e, "/t/create/a", "two", 3, 0, &rev2, &existing, &err), -1);
	cr_assert_eq(err.code, CUBE_EEXIST, "%s", err.msg);
	cr_assert_str_eq(existing.value, "one");
	cr_assert_eq(existing.create_rev, rev1);
	cube_etcd_kv_clear(&existing);
	/* The value is untouched by the refused create. */
	cube_etcd_kv kv;
	cr_assert_eq(cube_etcd_get(e, "/t/create/a", &kv, NULL, &err), 0);
	cr_assert_str_eq(kv.value, "one");
	cube_etcd_kv_clear(&kv);
	cube_etcd_free(e);
}

struct race {
	const char *url;
	int wins;
	int exists;
	pthread_mutex_t mu;
};

static void *race_create(void *arg)
{
	struct race *r = arg;
	cube_etcd *e = cube_etcd_new(r->url, NULL);
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_etcd_create(e, "/t/race/k", "x", 1, 0, NULL, NULL, &err);
	pthread_mutex_lock(&r->mu);
	if (rc == 0)
		r->wins++;
	else if (err.code == CUBE_EEXIST)
		r->exists++;
	pthread_mutex_unlock(&r->mu);
	cube_etcd_free(e);
	return NULL;
}

Test(etcd, concurrent_creates_one_wins)
{
	struct race r = {.url = etcd_url(), .mu = PTHREAD_MUTEX_INITIALIZER};
	pthread_t th[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, race_create, &r);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(r.wins, 1);
	cr_assert_eq(r.exists, 7);
}

Test(etcd, compare_and_swap_conflict)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t r1 = put(e, "/t/cas/k", "v1");
	int64_t r2 = 0;
	cr_assert_eq(cube_etcd_update(e, "/t/cas/k", "v2", 2, r1, &r2, NULL, &err), 0, "%s",
		     err.msg);
	cr_assert_gt(r2, r1);
	/* r1 is stale now. */
	cube_etcd_kv cur;
	cr_assert_eq(cube_etcd_update(e, "/t/cas/k", "v3", 2, r1, NULL, &cur, &err), -1);
	cr_assert_eq(err.code, CUBE_ECONFLICT, "%s", err.msg);
	cr_assert_str_eq(cur.value, "v2");
	cr_assert_eq(cur.mod_rev, r2);
	cube_etcd_kv_clear(&cur);
	cr_assert_eq(cube_etcd_update(e, "/t/cas/none", "v", 1, 5, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, CUBE_ENOTFOUND, "%s", err.msg);
	/* Conditional delete: stale fails, current succeeds and returns what it deleted. */
	cr_assert_eq(cube_etcd_delete_if(e, "/t/cas/k", r1, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, CUBE_ECONFLICT);
	cube_etcd_kv prev;
	cr_assert_eq(cube_etcd_delete_if(e, "/t/cas/k", r2, &prev, NULL, &err), 0, "%s", err.msg);
	cr_assert_str_eq(prev.value, "v2");
	cube_etcd_kv_clear(&prev);
	cr_assert_eq(cube_etcd_delete_if(e, "/t/cas/k", 0, NULL, NULL, &err), -1);
	cr_assert_eq(err.code, CUBE_ENOTFOUND);
	cube_etcd_free(e);
}

Test(etcd, prefix_list_with_limit_and_continuation)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	char key[64];
	for (int i = 0; i < 25; i++) {
		snprintf(key, sizeof(key), "/t/list/k%02d", i);
		put(e, key, "v");
	}
	put(e, "/t/listx", "outside the prefix");
	put(e, "/t/lis", "outside too");

	cube_etcd_range_req req = {.key = "/t/list/", .prefix = true, .limit = 10};
	cube_etcd_range_resp r;
	cr_assert_eq(cube_etcd_range(e, &req, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(r.n, 10);
	cr_assert_eq(r.count, 25);
	cr_assert(r.more);
	int64_t pinned = r.revision;
	int seen = (int)r.n;
	char last[64];
	snprintf(last, sizeof(last), "%s", r.kvs[r.n - 1].key);
	cr_assert_str_eq(r.kvs[0].key, "/t/list/k00");
	cube_etcd_range_resp_clear(&r);

	/* A write between pages must not show up in a listing pinned to its revision. */
	put(e, "/t/list/k05a", "late");

	for (;;) {
		cube_etcd_range_req next = {.key = last,
					    .after_key = true,
					    .prefix = true,
					    .prefix_of = "/t/list/",
					    .limit = 10,
					    .revision = pinned};
		cr_assert_eq(cube_etcd_range(e, &next, &r, &err), 0, "%s", err.msg);
		for (size_t i = 0; i < r.n; i++) {
			char want[64];
			snprintf(want, sizeof(want), "/t/list/k%02d", seen + (int)i);
			cr_assert_str_eq(r.kvs[i].key, want);
		}
		seen += (int)r.n;
		bool more = r.more;
		if (r.n)
			snprintf(last, sizeof(last), "%s", r.kvs[r.n - 1].key);
		cube_etcd_range_resp_clear(&r);
		if (!more)
			break;
	}
	cr_assert_eq(seen, 25);

	/* The latest revision sees the late key. */
	cube_etcd_range_req all = {.key = "/t/list/", .prefix = true, .count_only = true};
	cr_assert_eq(cube_etcd_range(e, &all, &r, &err), 0);
	cr_assert_eq(r.count, 26);
	cube_etcd_range_resp_clear(&r);

	int64_t deleted = 0;
	cr_assert_eq(cube_etcd_delete(e, "/t/list/", true, &deleted, NULL, &err), 0);
	cr_assert_eq(deleted, 26);
	cube_etcd_free(e);
}

Test(etcd, read_at_future_revision_is_invalid)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t rev;
	cr_assert_eq(cube_etcd_revision(e, &rev, &err), 0, "%s", err.msg);
	cube_etcd_range_req req = {.key = "/t/fut", .revision = rev + 1000};
	cube_etcd_range_resp r;
	cr_assert_eq(cube_etcd_range(e, &req, &r, &err), -1);
	cr_assert_eq(err.code, CUBE_EINVAL, "%s: %s", cube_errc_name(err.code), err.msg);
	cr_assert(strstr(err.msg, "future"), "%s", err.msg);
	cube_etcd_free(e);
}

/* ---- watch ---- */

struct collected {
	pthread_mutex_t mu;
	char log[64][96];
	int n;
	int64_t compact;
	int created;
	int errors;
};

static int collect(void *ud, const cube_etcd_watch_batch *b)
{
	struct collected *c = ud;
	pthread_mutex_lock(&c->mu);
	if (b->created)
		c->created++;
	if (b->compact_revision)
		c->compact = b->compact_revision;
	if (b->error)
		c->errors++;
	for (size_t i = 0; i < b->n && c->n < 64; i++)
		snprintf(c->log[c->n++], sizeof(c->log[0]), "%s %s=%s @%lld",
			 b->events[i].type == CUBE_ETCD_EV_PUT ? "PUT" : "DELETE",
			 b->events[i].kv.key, b->events[i].kv.value,
			 (long long)b->events[i].kv.mod_rev);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

static int count_of(struct collected *c)
{
	pthread_mutex_lock(&c->mu);
	int n = c->n;
	pthread_mutex_unlock(&c->mu);
	return n;
}

static bool wait_count(struct collected *c, int n, int ms)
{
	for (int w = 0; w < ms; w += 20) {
		if (count_of(c) >= n)
			return true;
		sleep_ms(20);
	}
	return count_of(c) >= n;
}

Test(etcd, watch_delivers_puts_and_deletes_in_order_from_revision)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t r1 = put(e, "/t/w1/a", "1");
	int64_t r2 = put(e, "/t/w1/b", "2");
	int64_t r3;
	cr_assert_eq(cube_etcd_delete(e, "/t/w1/a", false, NULL, &r3, &err), 0);
	int64_t r4 = put(e, "/t/w1/b", "3");
	put(e, "/t/w1x", "not in the prefix");

	struct collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	cube_etcd_watch_opts o = {.key = "/t/w1/", .prefix = true, .start_rev = r2};
	cube_etcd_watcher *w = cube_etcd_watcher_start(e, &o, collect, &c, &err);
	cr_assert_not_null(w, "%s", err.msg);
	cr_assert(wait_count(&c, 3, 5000), "got %d events", count_of(&c));
	int64_t r5 = put(e, "/t/w1/c", "live");
	cr_assert(wait_count(&c, 4, 5000));
	cr_assert_eq(cube_etcd_watcher_stop(w, &err), 0, "%s", err.msg);

	char want[4][96];
	snprintf(want[0], 96, "PUT /t/w1/b=2 @%lld", (long long)r2);
	snprintf(want[1], 96, "DELETE /t/w1/a= @%lld", (long long)r3);
	snprintf(want[2], 96, "PUT /t/w1/b=3 @%lld", (long long)r4);
	snprintf(want[3], 96, "PUT /t/w1/c=live @%lld", (long long)r5);
	cr_assert_eq(c.n, 4, "events: %d", c.n);
	for (int i = 0; i < 4; i++)
		cr_assert_str_eq(c.log[i], want[i]);
	cr_assert_gt(r1, 0);
	cube_etcd_free(e);
}

Test(etcd, watch_from_now_sees_only_new_events)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	put(e, "/t/w2/old", "1");
	struct collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	cube_etcd_watch_opts o = {.key = "/t/w2/", .prefix = true};
	cube_etcd_watcher *w = cube_etcd_watcher_start(e, &o, collect, &c, &err);
	cr_assert_not_null(w);
	for (int i = 0; i < 100 && !c.created; i++)
		sleep_ms(20);
	cr_assert_eq(c.created, 1);
	put(e, "/t/w2/new", "2");
	cr_assert(wait_count(&c, 1, 5000));
	cube_etcd_watcher_stop(w, NULL);
	cr_assert_eq(c.n, 1);
	cr_assert(strstr(c.log[0], "/t/w2/new=2"), "%s", c.log[0]);
	cube_etcd_free(e);
}

Test(etcd, watch_after_compaction_reports_compacted_revision)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t r1 = put(e, "/t/w3/k", "1");
	put(e, "/t/w3/k", "2");
	int64_t r3 = put(e, "/t/w3/k", "3");
	cr_assert_eq(cube_etcd_compact(e, r3, true, &err), 0, "%s", err.msg);

	/* A read below the compacted revision is refused too. */
	cube_etcd_range_req req = {.key = "/t/w3/k", .revision = r1};
	cube_etcd_range_resp rr;
	cr_assert_eq(cube_etcd_range(e, &req, &rr, &err), -1);
	cr_assert_eq(err.code, CUBE_ECOMPACTED, "%s: %s", cube_errc_name(err.code), err.msg);

	struct collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	cube_etcd_watch_opts o = {.key = "/t/w3/", .prefix = true, .start_rev = r1};
	atomic_int cancel = 0;
	int rc = cube_etcd_watch(e, &o, collect, &c, &cancel, &err);
	cr_assert_eq(rc, -1);
	cr_assert_eq(err.code, CUBE_ECOMPACTED, "%s", err.msg);
	cr_assert_geq(c.compact, r3, "compact revision %lld", (long long)c.compact);
	cr_assert_eq(c.n, 0);
	cube_etcd_free(e);
}

struct stopper {
	int seen;
};

static int stop_after_first(void *ud, const cube_etcd_watch_batch *b)
{
	struct stopper *s = ud;
	s->seen += (int)b->n;
	return b->n ? -1 : 0;
}

Test(etcd, watch_callback_can_stop_it)
{
	cube_etcd *e = client();
	int64_t r = put(e, "/t/w4/a", "1");
	put(e, "/t/w4/b", "2");
	struct stopper s = {0};
	cube_etcd_watch_opts o = {.key = "/t/w4/", .prefix = true, .start_rev = r};
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_etcd_watch(e, &o, stop_after_first, &s, NULL, &err), 0, "%s", err.msg);
	cr_assert_geq(s.seen, 1);
	cube_etcd_free(e);
}

/* ---- leases ---- */

Test(etcd, lease_expiry_deletes_key)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t id = 0;
	cr_assert_eq(cube_etcd_lease_grant(e, 2, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(cube_etcd_put(e, "/t/lease/k", "v", 1, id, NULL, &err), 0, "%s", err.msg);
	cube_etcd_kv kv;
	cr_assert_eq(cube_etcd_get(e, "/t/lease/k", &kv, NULL, &err), 0);
	cr_assert_eq(kv.lease, id);
	cube_etcd_kv_clear(&kv);
	/* etcd's minimum TTL may exceed 2 s; give it generous time but stop early. */
	bool gone = false;
	for (int i = 0; i < 150 && !gone; i++) {
		sleep_ms(100);
		gone = cube_etcd_get(e, "/t/lease/k", &kv, NULL, &err) < 0 &&
		       err.code == CUBE_ENOTFOUND;
		if (!gone)
			cube_etcd_kv_clear(&kv);
	}
	cr_assert(gone, "key still present 15 s after its 2 s lease");
	int64_t ttl;
	cr_assert_eq(cube_etcd_lease_keepalive(e, id, &ttl, &err), -1);
	cr_assert_eq(err.code, CUBE_ENOTFOUND, "%s", err.msg);
	cube_etcd_free(e);
}

Test(etcd, lease_keepalive_and_revoke)
{
	cube_etcd *e = client();
	cube_err err = CUBE_ERR_INIT;
	int64_t id = 0, ttl = 0;
	cr_assert_eq(cube_etcd_lease_grant(e, 30, &id, &err), 0, "%s", err.msg);
	cr_assert_eq(cube_etcd_put(e, "/t/lease2/k", "v", 1, id, NULL, &err), 0);
	cr_assert_eq(cube_etcd_lease_keepalive(e, id, &ttl, &err), 0, "%s", err.msg);
	cr_assert(ttl > 0 && ttl <= 30, "ttl %lld", (long long)ttl);
	cr_assert_eq(cube_etcd_lease_revoke(e, id, &err), 0, "%s", err.msg);
	cube_etcd_kv kv;
	cr_assert_eq(cube_etcd_get(e, "/t/lease2/k", &kv, NULL, &err), -1);
	cr_assert_eq(err.code, CUBE_ENOTFOUND);
	cr_assert_eq(cube_etcd_lease_revoke(e, id, &err), -1);
	cr_assert_eq(err.code, CUBE_ENOTFOUND, "%s: %s", cube_errc_name(err.code), err.msg);
	cube_etcd_free(e);
}

/* ---- endpoints and outages ---- */

Test(etcd, fails_over_to_a_live_endpoint)
{
	int dead = cube_test_free_port();
	char eps[256];
	snprintf(eps, sizeof(eps), "http://127.0.0.1:%d, %s", dead, etcd_url());
	cube_err err = CUBE_ERR_INIT;
	cube_etcd *e = cube_etcd_new(eps, &err);
	cr_assert_not_null(e, "%s", err.msg);
	int64_t rev;
	cr_assert_eq(cube_etcd_put(e, "/t/fo/k", "v", 1, 0, &rev, &err), 0, "%s", err.msg);
	cr_assert_str_eq(cube_etcd_endpoint(e), etcd_url());
	cube_etcd_free(e);
}

Test(etcd, bad_endpoints_are_refused)
{
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_etcd_new("", &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert_null(cube_etcd_new("127.0.0.1:2379", &err));
	cr_assert(strstr(err.msg, "127.0.0.1:2379"), "%s", err.msg);
	cr_assert_null(cube_etcd_new(" , ,", &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
}

Test(etcd, unreachable_etcd_fails_promptly)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", cube_test_free_port());
	cube_etcd *e = cube_etcd_new(url, NULL);
	cube_err err = CUBE_ERR_INIT;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cube_etcd_kv kv;
	cr_assert_eq(cube_etcd_get(e, "/x", &kv, NULL, &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_eq(err.code, CUBE_EUNAVAIL, "%s: %s", cube_errc_name(err.code), err.msg);
	cr_assert(strstr(err.msg, "/v3/kv/range"), "%s", err.msg);
	/* Not a timing assertion on speed: a refused connection must not wait for a timeout. */
	cr_assert_lt(b.tv_sec - a.tv_sec, 3);
	cube_etcd_free(e);
}

Test(etcd, reconnects_after_etcd_restart, .timeout = 90)
{
	cube_test_etcd own;
	cr_assert_eq(cube_test_etcd_start(&own), 0);
	cube_err err = CUBE_ERR_INIT;
	cube_etcd *e = cube_etcd_new(own.url, &err);
	cr_assert_not_null(e);
	int64_t r0 = put(e, "/t/rs/a", "1");

	struct collected c = {.mu = PTHREAD_MUTEX_INITIALIZER};
	cube_etcd_watch_opts o = {.key = "/t/rs/", .prefix = true, .start_rev = r0};
	cube_etcd_watcher *w = cube_etcd_watcher_start(e, &o, collect, &c, &err);
	cr_assert_not_null(w);
	cr_assert(wait_count(&c, 1, 5000));

	cube_test_etcd_stop(&own);
	/* While etcd is down: unary calls fail with "unavailable", the watch is told. */
	cube_etcd_kv kv;
	cr_assert_eq(cube_etcd_get(e, "/t/rs/a", &kv, NULL, &err), -1);
	cr_assert_eq(err.code, CUBE_EUNAVAIL, "%s: %s", cube_errc_name(err.code), err.msg);
	for (int i = 0; i < 250 && !c.errors; i++)
		sleep_ms(20);
	cr_assert_gt(c.errors, 0, "the watch was not told that etcd went away");

	cr_assert_eq(cube_test_etcd_restart(&own), 0);
	int64_t r1 = put(e, "/t/rs/b", "2");
	cr_assert_gt(r1, r0);
	cr_assert(wait_count(&c, 2, 15000), "no event after the restart (got %d)", count_of(&c));
	cube_etcd_watcher_stop(w, NULL);
	/* Resumed exactly after the last delivered revision: nothing lost, nothing twice. */
	cr_assert_eq(c.n, 2, "events: %d", c.n);
	cr_assert(strstr(c.log[0], "/t/rs/a=1"), "%s", c.log[0]);
	cr_assert(strstr(c.log[1], "/t/rs/b=2"), "%s", c.log[1]);
	cr_assert_eq(cube_etcd_get(e, "/t/rs/a", &kv, NULL, &err), 0, "%s", err.msg);
	cube_etcd_kv_clear(&kv);
	cube_etcd_free(e);
	cube_test_etcd_destroy(&own);
}

int main(int argc, char *argv[])
{
	cube_test_etcd shared;
	if (cube_test_etcd_start(&shared) < 0)
		return 1;
	setenv("CUBE_TEST_ETCD_URL", shared.url, 1);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	cube_test_etcd_destroy(&shared);
	return result;
}
