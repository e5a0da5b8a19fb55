/* test_leader.c - leader election on a real Lease and the event recorder,
 * against the real API server (one shared instance, see main()). */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiserver_harness.h"
#include "events.h"
#include "kclient.h"
#include "leaderelect.h"
#include "obj.h"

static cube_kclient *client(void)
{
	cube_err err = CUBE_ERR_INIT;
	cube_kclient_config cfg = {.server = getenv("CUBE_TEST_API_URL"), .user_agent = "test"};
	cube_kclient *c = cube_kclient_new(&cfg, &err);
	cr_assert_not_null(c, "%s", err.msg);
	return c;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

struct cand {
	atomic_int started, stopped;
};

static void on_started(void *ud)
{
	atomic_fetch_add(&((struct cand *)ud)->started, 1);
}

static void on_stopped(void *ud)
{
	atomic_fetch_add(&((struct cand *)ud)->stopped, 1);
}

static cube_leader *candidate(cube_kclient *c, const char *lease, const char *id, struct cand *st,
			      bool release)
{
	cube_err err = CUBE_ERR_INIT;
	cube_leader_config cfg = {.client = c,
				  .ns = "default",
				  .name = lease,
				  .identity = id,
				  .lease_ms = 1500,
				  .renew_deadline_ms = 1000,
				  .retry_ms = 200,
				  .release_on_stop = release,
				  .on_started = on_started,
				  .on_stopped = on_stopped,
				  .ud = st};
	cube_leader *l = cube_leader_start(&cfg, &err);
	cr_assert_not_null(l, "%s", err.msg);
	return l;
}

static void check_takeover(const char *lease, bool release)
{
	cube_kclient *c = client();
	struct cand sa = {0}, sb = {0};
	cube_leader *a = candidate(c, lease, "a", &sa, release);
	for (int i = 0; i < 100 && !cube_leader_is_leader(a); i++)
		sleep_ms(50);
	cr_assert(cube_leader_is_leader(a), "the first candidate did not lead");
	cube_leader *b = candidate(c, lease, "b", &sb, release);
	/* b must not take a lease that a keeps renewing. */
	sleep_ms(2500);
	cr_assert(cube_leader_is_leader(a));
	cr_assert(!cube_leader_is_leader(b), "two leaders at once");
	cr_assert_eq(atomic_load(&sb.started), 0);
	/* The leader goes away: b leads within the lease duration (plus retries). */
	int64_t t0 = mono_ms();
	cube_leader_stop(a);
	while (!cube_leader_is_leader(b) && mono_ms() - t0 < 6000)
		sleep_ms(20);
	int64_t took = mono_ms() - t0;
	cr_assert(cube_leader_is_leader(b), "no takeover after %lld ms", (long long)took);
	if (!release)
		cr_assert_geq(took, 1000, "took over a lease that was still valid (%lld ms)",
			      (long long)took);
	cr_assert_leq(took, 1500 + 3 * 200 + 1000, "takeover took %lld ms", (long long)took);
	cube_err err = CUBE_ERR_INIT;
	cJSON *l = cube_kclient_get(c, &CUBE_GVR_LEASES, "default", lease, &err);
	cr_assert_not_null(l, "%s", err.msg);
	cr_assert_str_eq(cube_json_str(l, "spec.holderIdentity"), "b");
	cr_assert_eq(cube_json_int(l, "spec.leaseTransitions", 0), 1);
	cr_assert_not_null(cube_json_str(l, "spec.renewTime"));
	cJSON_Delete(l);
	cube_leader_stop(b);
	cube_kclient_free(c);
}

Test(leader, a_dead_leader_is_replaced_after_the_lease_expires, .timeout = 30)
{
	check_takeover("crash-test", false);
}

Test(leader, a_leader_that_releases_is_replaced_quickly, .timeout = 30)
{
	check_takeover("release-test", true);
}

Test(leader, many_candidates_one_leader, .timeout = 30)
{
	cube_kclient *c = client();
	struct cand st[4] = {0};
	cube_leader *ls[4];
	char id[16];
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		ls[i] = candidate(c, "many", id, &st[i], true);
	}
	for (int round = 0; round < 20; round++) {
		sleep_ms(100);
		int leaders = 0;
		for (int i = 0; i < 4; i++)
			leaders += cube_leader_is_leader(ls[i]);
		cr_assert_leq(leaders, 1, "%d leaders at once", leaders);
	}
	int started = 0;
	for (int i = 0; i < 4; i++)
		started += atomic_load(&st[i].started);
	cr_assert_eq(started, 1);
	for (int i = 0; i < 4; i++)
		cube_leader_stop(ls[i]);
	cube_kclient_free(c);
}

static cJSON *events_about(cube_kclient *c, const char *name)
{
	char fs[256];
	snprintf(fs, sizeof(fs), "involvedObject.name=%s", name);
	cube_list_opts o = {.field_selector = fs};
	cube_err err = CUBE_ERR_INIT;
	cJSON *l = cube_kclient_list(c, &CUBE_GVR_EVENTS, "default", &o, &err);
	cr_assert_not_null(l, "%s", err.msg);
	return l;
}

Test(events, repeats_are_counted_and_similar_ones_aggregated, .timeout = 30)
{
	cube_kclient *c = client();
	cube_err err = CUBE_ERR_INIT;
	cJSON *pod = cube_json_parse(
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"ev1\","
		"\"namespace\":\"default\",\"uid\":\"u-1\"}}",
		strlen("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"ev1\","
		       "\"namespace\":\"default\",\"uid\":\"u-1\"}}"),
		&err);
	cube_recorder *r = cube_recorder_new(c, "test-component", "node-1", &err);
	cr_assert_not_null(r, "%s", err.msg);
	for (int i = 0; i < 3; i++)
		cube_event(r, pod, "Warning", "BackOff", "Back-off restarting failed container %s",
			   "c");
	for (int i = 0; i < 12; i++)
		cube_event(r, pod, "Normal", "Pulling", "Pulling image \"img:%d\"", i);
	cube_recorder_free(r); /* drains */
	cJSON *l = events_about(c, "ev1");
	const cJSON *it;
	int backoff = 0, pulling = 0, combined = 0;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *reason = cube_json_str(it, "reason");
		if (!strcmp(reason, "BackOff")) {
			backoff++;
			cr_assert_eq(cube_json_int(it, "count", 0), 3);
			cr_assert_str_eq(cube_json_str(it, "type"), "Warning");
			cr_assert_str_eq(cube_json_str(it, "source.component"), "test-component");
			cr_assert_str_eq(cube_json_str(it, "source.host"), "node-1");
			cr_assert_str_eq(cube_json_str(it, "involvedObject.uid"), "u-1");
			cr_assert_str_eq(cube_json_str(it, "involvedObject.kind"), "Pod");
			cr_assert_str_eq(cube_json_str(it, "message"),
					 "Back-off restarting failed container c");
		} else if (!strcmp(reason, "Pulling")) {
			pulling++;
			if (strstr(cube_json_str(it, "message"), "(combined from similar events)"))
				combined++;
		}
	}
	cr_assert_eq(backoff, 1, "repeats made %d Events", backoff);
	cr_assert_eq(pulling, 11, "10 distinct Pulling events and one aggregate, got %d", pulling);
	cr_assert_eq(combined, 1);
	cJSON_Delete(l);
	cJSON_Delete(pod);
	cube_kclient_free(c);
}

int main(int argc, char *argv[])
{
	cube_test_api api;
	if (cube_test_api_start(&api, NULL) < 0)
		return 1;
	setenv("CUBE_TEST_API_URL", api.url, 1);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	cube_test_api_destroy(&api);
	return result;
}
