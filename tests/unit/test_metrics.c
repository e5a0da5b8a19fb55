/* test_metrics.c - the Prometheus registry: the exact exposition text of
 * counters, gauges and histograms (what a scraper parses, so compared byte for
 * byte), number formatting as the Go client does it, label escaping, name
 * validation, re-registration, value lookup, and adds from several threads
 * that must not lose a single increment. */
#include <criterion/criterion.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define LABELS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define VALUES(...) ((const char *const[]){__VA_ARGS__})

/* Renders m and compares with want; also checks the returned length. */
static void assert_render(cube_metrics *m, const char *want)
{
	size_t len = 12345;
	char *got = cube_metrics_render(m, &len);
	cr_assert_not_null(got);
	cr_assert_eq(len, strlen(got));
	cr_assert_str_eq(got, want, "got:\n%s\nwant:\n%s", got, want);
	free(got);
}

Test(metrics, empty_registry_renders_empty_text)
{
	cube_metrics *m = cube_metrics_new();
	cr_assert_not_null(m);
	assert_render(m, "");
	cube_metrics_free(m);
	cube_metrics_free(NULL);
}

Test(metrics, counter_with_labels)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "apiserver_request_total", "Requests served.",
					      LABELS("verb", "code"));
	cr_assert_not_null(c);
	assert_render(m, ""); /* no series yet: the family is left out */

	cube_metric_add(c, VALUES("GET", "200"), 1);
	cube_metric_add(c, VALUES("LIST", "200"), 1);
	cube_metric_add(c, VALUES("GET", "500"), 1);
	cube_metric_add(c, VALUES("GET", "200"), 2);
	cube_metric_add(c, VALUES("DELETE", "404"), 0.5);
	cube_metric_add(c, VALUES("GET", "200"), -10); /* counters only go up */
	cube_metric_add(c, VALUES("GET", "200"), NAN);
	cube_metric_add(c, VALUES("PUT", "409"), -1); /* and create nothing */
	assert_render(m, "# HELP apiserver_request_total Requests served.\n"
			 "# TYPE apiserver_request_total counter\n"
			 "apiserver_request_total{verb=\"DELETE\",code=\"404\"} 0.5\n"
			 "apiserver_request_total{verb=\"GET\",code=\"200\"} 3\n"
			 "apiserver_request_total{verb=\"GET\",code=\"500\"} 1\n"
			 "apiserver_request_total{verb=\"LIST\",code=\"200\"} 1\n");
	cube_metrics_free(m);
}

Test(metrics, counter_without_labels_starts_at_zero)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "scheduler_attempts_total", NULL, NULL);
	cr_assert_not_null(c);
	assert_render(m, "# TYPE scheduler_attempts_total counter\n"
			 "scheduler_attempts_total 0\n");
	cube_metric_add(c, NULL, 41);
	cube_metric_add(c, NULL, 1);
	assert_render(m, "# TYPE scheduler_attempts_total counter\n"
			 "scheduler_attempts_total 42\n");
	cube_metrics_free(m);
}

Test(metrics, gauge)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *g = cube_metrics_gauge(m, "workqueue_depth", "Current depth of the queue.",
					    LABELS("name"));
	cube_metric *up = cube_metrics_gauge(m, "up", "1 if serving.", NULL);
	cr_assert_not_null(g);
	cr_assert_not_null(up);
	cube_metric_set(g, VALUES("pods"), 7);
	cube_metric_add(g, VALUES("pods"), -2.5); /* gauges go down too */
	cube_metric_add(g, VALUES("deployments"), 3);
	cube_metric_set(g, VALUES("nodes"), 0);
	cube_metric_set(up, NULL, 1);
	assert_render(m, "# HELP workqueue_depth Current depth of the queue.\n"
			 "# TYPE workqueue_depth gauge\n"
			 "workqueue_depth{name=\"deployments\"} 3\n"
			 "workqueue_depth{name=\"nodes\"} 0\n"
			 "workqueue_depth{name=\"pods\"} 4.5\n"
			 "# HELP up 1 if serving.\n"
			 "# TYPE up gauge\n"
			 "up 1\n");
	cube_metric_set(g, VALUES("pods"), -1);
	cr_assert_eq(cube_metric_value(g, VALUES("pods")), -1);
	cube_metrics_free(m);
}

Test(metrics, histogram)
{
	static const double b[] = {0.25, 1, 5};
	cube_metrics *m = cube_metrics_new();
	cube_metric *h = cube_metrics_histogram(m, "request_duration_seconds", "Latency.",
						LABELS("path"), b, 3);
	cr_assert_not_null(h);
	/* 0.25 counts in le="0.25": the bounds are inclusive. */
	cube_metric_observe(h, VALUES("/a"), 0.125);
	cube_metric_observe(h, VALUES("/a"), 0.25);
	cube_metric_observe(h, VALUES("/a"), 0.5);
	cube_metric_observe(h, VALUES("/a"), 3);
	cube_metric_observe(h, VALUES("/a"), 10);
	cube_metric_observe(h, VALUES("/b"), 100); /* only in +Inf */
	assert_render(m, "# HELP request_duration_seconds Latency.\n"
			 "# TYPE request_duration_seconds histogram\n"
			 "request_duration_seconds_bucket{path=\"/a\",le=\"0.25\"} 2\n"
			 "request_duration_seconds_bucket{path=\"/a\",le=\"1\"} 3\n"
			 "request_duration_seconds_bucket{path=\"/a\",le=\"5\"} 4\n"
			 "request_duration_seconds_bucket{path=\"/a\",le=\"+Inf\"} 5\n"
			 "request_duration_seconds_sum{path=\"/a\"} 13.875\n"
			 "request_duration_seconds_count{path=\"/a\"} 5\n"
			 "request_duration_seconds_bucket{path=\"/b\",le=\"0.25\"} 0\n"
			 "request_duration_seconds_bucket{path=\"/b\",le=\"1\"} 0\n"
			 "request_duration_seconds_bucket{path=\"/b\",le=\"5\"} 0\n"
			 "request_duration_seconds_bucket{path=\"/b\",le=\"+Inf\"} 1\n"
			 "request_duration_seconds_sum{path=\"/b\"} 100\n"
			 "request_duration_seconds_count{path=\"/b\"} 1\n");
	cr_assert_eq(cube_metric_value(h, VALUES("/a")), 5, "a histogram's value is its count");
	cr_assert_eq(cube_metric_value(h, VALUES("/b")), 1);
	cube_metrics_free(m);
}

Test(metrics, histogram_with_latency_buckets_and_no_labels)
{
	cr_assert_eq(cube_metrics_latency_buckets_len, 23);
	cr_assert_eq(cube_metrics_latency_buckets[0], 0.005);
	cr_assert_eq(cube_metrics_latency_buckets[22], 60);
	for (size_t i = 1; i < cube_metrics_latency_buckets_len; i++)
		cr_assert_lt(cube_metrics_latency_buckets[i - 1], cube_metrics_latency_buckets[i]);

	cube_metrics *m = cube_metrics_new();
	cube_metric *h = cube_metrics_histogram(m, "d", "h", NULL, cube_metrics_latency_buckets,
						cube_metrics_latency_buckets_len);
	cr_assert_not_null(h);
	cube_metric_observe(h, NULL, 0);
	cube_metric_observe(h, NULL, 0.25);
	cube_metric_observe(h, NULL, 0.375);
	cube_metric_observe(h, NULL, 59);
	assert_render(m, "# HELP d h\n"
			 "# TYPE d histogram\n"
			 "d_bucket{le=\"0.005\"} 1\n"
			 "d_bucket{le=\"0.025\"} 1\n"
			 "d_bucket{le=\"0.05\"} 1\n"
			 "d_bucket{le=\"0.1\"} 1\n"
			 "d_bucket{le=\"0.2\"} 1\n"
			 "d_bucket{le=\"0.4\"} 3\n"
			 "d_bucket{le=\"0.6\"} 3\n"
			 "d_bucket{le=\"0.8\"} 3\n"
			 "d_bucket{le=\"1\"} 3\n"
			 "d_bucket{le=\"1.25\"} 3\n"
			 "d_bucket{le=\"1.5\"} 3\n"
			 "d_bucket{le=\"2\"} 3\n"
			 "d_bucket{le=\"3\"} 3\n"
			 "d_bucket{le=\"4\"} 3\n"
			 "d_bucket{le=\"5\"} 3\n"
			 "d_bucket{le=\"6\"} 3\n"
			 "d_bucket{le=\"8\"} 3\n"
			 "d_bucket{le=\"10\"} 3\n"
			 "d_bucket{le=\"15\"} 3\n"
			 "d_bucket{le=\"20\"} 3\n"
			 "d_bucket{le=\"30\"} 3\n"
			 "d_bucket{le=\"45\"} 3\n"
			 "d_bucket{le=\"60\"} 4\n"
			 "d_bucket{le=\"+Inf\"} 4\n"
			 "d_sum 59.625\n"
			 "d_count 4\n");
	cube_metrics_free(m);
}

Test(metrics, histogram_without_observations_and_only_inf_bucket)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *h = cube_metrics_histogram(m, "h", NULL, NULL, NULL, 0);
	cr_assert_not_null(h);
	assert_render(m, "# TYPE h histogram\n"
			 "h_bucket{le=\"+Inf\"} 0\n"
			 "h_sum 0\n"
			 "h_count 0\n");
	cube_metric_observe(h, NULL, -2);
	cube_metric_observe(h, NULL, NAN); /* Go's client puts NaN in +Inf too */
	assert_render(m, "# TYPE h histogram\n"
			 "h_bucket{le=\"+Inf\"} 2\n"
			 "h_sum NaN\n"
			 "h_count 2\n");
	cube_metrics_free(m);
}

/* Each value as Go's strconv.FormatFloat(v, 'g', -1, 64) prints it. */
Test(metrics, numbers_formatted_like_go)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0, "0"},
		{-0.0, "0"},
		{1, "1"},
		{-1, "-1"},
		{42, "42"},
		{100, "100"},
		{123456, "123456"},
		{999999, "999999"},
		{1e6, "1e+06"},
		{1234567, "1.234567e+06"},
		{9007199254740992.0, "9.007199254740992e+15"},
		{1e21, "1e+21"},
		{1.5e300, "1.5e+300"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
		{0.1, "0.1"},
		{0.005, "0.005"},
		{0.1 + 0.2, "0.30000000000000004"},
		{1.0 / 3, "0.3333333333333333"},
		{-2.5, "-2.5"},
		{12.375, "12.375"},
		{0.0001, "0.0001"},
		{0.00012, "0.00012"},
		{0.00001, "1e-05"},
		{1.5e-7, "1.5e-07"},
		{5e-324, "5e-324"},
		{-1234567.5, "-1.2345675e+06"},
		{INFINITY, "+Inf"},
		{-INFINITY, "-Inf"},
		{NAN, "NaN"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cube_metrics *m = cube_metrics_new();
		cube_metric *g = cube_metrics_gauge(m, "g", NULL, NULL);
		cube_metric_set(g, NULL, cases[i].v);
		char want[128];
		snprintf(want, sizeof(want), "# TYPE g gauge\ng %s\n", cases[i].want);
		assert_render(m, want);
		cube_metrics_free(m);
	}
}

Test(metrics, label_values_and_help_are_escaped)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "events_total", "A \"quoted\" back\\slash\nnext",
					      LABELS("msg"));
	cube_metric_add(c, VALUES("a\\b\"c\nd"), 1);
	cube_metric_add(c, VALUES(""), 2);
	/* Help keeps its quotes; label values escape them. */
	assert_render(m, "# HELP events_total A \"quoted\" back\\\\slash\\nnext\n"
			 "# TYPE events_total counter\n"
			 "events_total{msg=\"\"} 2\n"
			 "events_total{msg=\"a\\\\b\\\"c\\nd\"} 1\n");
	cube_metrics_free(m);
}

Test(metrics, distinct_value_lists_are_distinct_series)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "c", NULL, LABELS("a", "b"));
	/* Lists that a naive join would confuse. */
	cube_metric_add(c, VALUES("ab", "c"), 1);
	cube_metric_add(c, VALUES("a", "bc"), 2);
	cube_metric_add(c, VALUES("1:x", ""), 3);
	cube_metric_add(c, VALUES("1", "x"), 4);
	cube_metric_add(c, VALUES("", ""), 5);
	cube_metric_add(c, NULL, 6); /* no array: all "" */
	cr_assert_eq(cube_metric_value(c, VALUES("ab", "c")), 1);
	cr_assert_eq(cube_metric_value(c, VALUES("a", "bc")), 2);
	cr_assert_eq(cube_metric_value(c, VALUES("1:x", "")), 3);
	cr_assert_eq(cube_metric_value(c, VALUES("1", "x")), 4);
	cr_assert_eq(cube_metric_value(c, VALUES("", "")), 11);
	assert_render(m, "# TYPE c counter\n"
			 "c{a=\"\",b=\"\"} 11\n"
			 "c{a=\"1\",b=\"x\"} 4\n"
			 "c{a=\"1:x\",b=\"\"} 3\n"
			 "c{a=\"a\",b=\"bc\"} 2\n"
			 "c{a=\"ab\",b=\"c\"} 1\n");
	cube_metrics_free(m);
}

Test(metrics, long_label_values)
{
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "c", NULL, LABELS("v"));
	cube_metric_add(c, VALUES(big), 1);
	cube_metric_add(c, VALUES(big), 1);
	big[10] = 'y';
	cube_metric_add(c, VALUES(big), 5);
	cr_assert_eq(cube_metric_value(c, VALUES(big)), 5);
	big[10] = 'x';
	cr_assert_eq(cube_metric_value(c, VALUES(big)), 2);
	char *txt = cube_metrics_render(m, NULL);
	cr_assert_not_null(txt);
	cr_assert_gt(strlen(txt), 2 * sizeof(big));
	free(txt);
	cube_metrics_free(m);
}

Test(metrics, invalid_names_are_refused)
{
	static const char *const bad_names[] = {"", "1abc", "a-b", "a b", "a.b", "\xc3\xa9", "a{"};
	static const char *const good_names[] = {"a", "_x", ":x", "a:b_c9", "ABC_total"};
	cube_metrics *m = cube_metrics_new();
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		cr_assert_null(cube_metrics_counter(m, bad_names[i], "h", NULL), "%s",
			       bad_names[i]);
		cr_assert_null(cube_metrics_gauge(m, bad_names[i], "h", NULL));
		cr_assert_null(cube_metrics_histogram(m, bad_names[i], "h", NULL, NULL, 0));
	}
	cr_assert_null(cube_metrics_counter(m, NULL, "h", NULL));
	for (size_t i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++)
		cr_assert_not_null(cube_metrics_counter(m, good_names[i], "h", NULL), "%s",
				   good_names[i]);

	/* Label names: no colon, no digit first, no "__" prefix, no repeats. */
	cr_assert_null(cube_metrics_counter(m, "l1", NULL, LABELS("a:b")));
	cr_assert_null(cube_metrics_counter(m, "l2", NULL, LABELS("1x")));
	cr_assert_null(cube_metrics_counter(m, "l3", NULL, LABELS("")));
	cr_assert_null(cube_metrics_counter(m, "l4", NULL, LABELS("__name__")));
	cr_assert_null(cube_metrics_counter(m, "l5", NULL, LABELS("ok", "a-b")));
	cr_assert_null(cube_metrics_counter(m, "l6", NULL, LABELS("x", "y", "x")));
	cr_assert_null(cube_metrics_histogram(m, "l7", NULL, LABELS("le"), NULL, 0));
	cr_assert_not_null(cube_metrics_counter(m, "l8", NULL, LABELS("le", "_a", "B9")),
			   "le is only reserved in histograms");

	/* Buckets: strictly ascending, no NaN. */
	static const double down[] = {1, 0.5}, same[] = {1, 1}, nan[] = {0.1, NAN};
	cr_assert_null(cube_metrics_histogram(m, "b1", NULL, NULL, down, 2));
	cr_assert_null(cube_metrics_histogram(m, "b2", NULL, NULL, same, 2));
	cr_assert_null(cube_metrics_histogram(m, "b3", NULL, NULL, nan, 2));
	cr_assert_null(cube_metrics_histogram(m, "b4", NULL, NULL, NULL, 3));

	/* Nothing refused was registered. */
	assert_render(m, "# HELP a h\n# TYPE a counter\na 0\n"
			 "# HELP _x h\n# TYPE _x counter\n_x 0\n"
			 "# HELP :x h\n# TYPE :x counter\n:x 0\n"
			 "# HELP a:b_c9 h\n# TYPE a:b_c9 counter\na:b_c9 0\n"
			 "# HELP ABC_total h\n# TYPE ABC_total counter\nABC_total 0\n");
	cube_metrics_free(m);
}

Test(metrics, reregistration)
{
	static const double b1[] = {1, 2}, b2[] = {1, 3}, b1inf[] = {1, 2, INFINITY};
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "c", "first help", LABELS("a", "b"));
	cr_assert_not_null(c);
	cr_assert_eq(cube_metrics_counter(m, "c", "other help", LABELS("a", "b")), c,
		     "same type and labels: the same family, help not compared");
	cr_assert_null(cube_metrics_gauge(m, "c", "first help", LABELS("a", "b")), "other type");
	cr_assert_null(cube_metrics_counter(m, "c", NULL, LABELS("b", "a")), "other order");
	cr_assert_null(cube_metrics_counter(m, "c", NULL, LABELS("a")), "fewer labels");
	cr_assert_null(cube_metrics_counter(m, "c", NULL, NULL), "no labels");

	cube_metric *g = cube_metrics_gauge(m, "g", NULL, NULL);
	cr_assert_eq(cube_metrics_gauge(m, "g", NULL, NULL), g);
	cr_assert_eq(cube_metrics_gauge(m, "g", NULL, (const char *const[]){NULL}), g,
		     "an empty list is no labels");
	cr_assert_null(cube_metrics_gauge(m, "g", NULL, LABELS("x")));

	cube_metric *h = cube_metrics_histogram(m, "h", NULL, LABELS("x"), b1, 2);
	cr_assert_not_null(h);
	cr_assert_eq(cube_metrics_histogram(m, "h", NULL, LABELS("x"), b1, 2), h);
	cr_assert_eq(cube_metrics_histogram(m, "h", NULL, LABELS("x"), b1inf, 3), h,
		     "an explicit +Inf is the implicit one");
	cr_assert_null(cube_metrics_histogram(m, "h", NULL, LABELS("x"), b2, 2));
	cr_assert_null(cube_metrics_histogram(m, "h", NULL, LABELS("x"), b1, 1));
	cr_assert_null(cube_metrics_counter(m, "h", NULL, LABELS("x")));

	/* The family kept its first help and renders once. */
	cube_metric_add(c, VALUES("1", "2"), 1);
	assert_render(m, "# HELP c first help\n"
			 "# TYPE c counter\n"
			 "c{a=\"1\",b=\"2\"} 1\n"
			 "# TYPE g gauge\n"
			 "g 0\n");
	cube_metrics_free(m);
}

Test(metrics, families_render_in_registration_order)
{
	cube_metrics *m = cube_metrics_new();
	cube_metrics_gauge(m, "zeta", NULL, NULL);
	cube_metrics_counter(m, "alpha", NULL, NULL);
	cube_metric *mid = cube_metrics_counter(m, "mid", NULL, LABELS("k"));
	cube_metrics_gauge(m, "beta", NULL, NULL);
	cube_metric_add(mid, VALUES("v"), 1);
	assert_render(m, "# TYPE zeta gauge\nzeta 0\n"
			 "# TYPE alpha counter\nalpha 0\n"
			 "# TYPE mid counter\nmid{k=\"v\"} 1\n"
			 "# TYPE beta gauge\nbeta 0\n");
	cube_metrics_free(m);
}

Test(metrics, value_lookup_and_wrong_kinds)
{
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "c", NULL, LABELS("k"));
	cube_metric *g = cube_metrics_gauge(m, "g", NULL, NULL);
	cube_metric *h = cube_metrics_histogram(m, "h", NULL, NULL, NULL, 0);

	cr_assert_eq(cube_metric_value(c, VALUES("nope")), 0);
	cr_assert_eq(cube_metric_value(NULL, NULL), 0);
	cube_metric_add(c, VALUES("x"), 2.5);
	cr_assert_eq(cube_metric_value(c, VALUES("x")), 2.5);
	cr_assert_eq(cube_metric_value(g, NULL), 0);

	/* Calls of the wrong kind change nothing. */
	cube_metric_set(c, VALUES("x"), 100);
	cube_metric_observe(c, VALUES("x"), 100);
	cube_metric_observe(g, NULL, 100);
	cube_metric_add(h, NULL, 100);
	cube_metric_set(h, NULL, 100);
	cr_assert_eq(cube_metric_value(c, VALUES("x")), 2.5);
	cr_assert_eq(cube_metric_value(g, NULL), 0);
	cr_assert_eq(cube_metric_value(h, NULL), 0);

	/* A failed registration hands out NULL; using it is harmless. */
	cube_metric_add(NULL, NULL, 1);
	cube_metric_set(NULL, NULL, 1);
	cube_metric_observe(NULL, NULL, 1);

	/* Looking a series up does not create it. */
	assert_render(m, "# TYPE c counter\n"
			 "c{k=\"x\"} 2.5\n"
			 "# TYPE g gauge\n"
			 "g 0\n"
			 "# TYPE h histogram\n"
			 "h_bucket{le=\"+Inf\"} 0\n"
			 "h_sum 0\n"
			 "h_count 0\n");
	cube_metrics_free(m);
}

/* ---- concurrency ----------------------------------------------------------- */

enum { THREADS = 4, ITERS = 50000 };

struct worker {
	pthread_t tid;
	int id;
	cube_metric *c;
	cube_metric *h;
	cube_metrics *m;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char own[16];
	snprintf(own, sizeof(own), "t%d", w->id);
	for (int i = 0; i < ITERS; i++) {
		cube_metric_add(w->c, VALUES("shared"), 1);
		cube_metric_add(w->c, VALUES(own), 2);
		cube_metric_observe(w->h, NULL, (double)(i % 4));
		if (i % 10000 == 0) {
			/* Registration and new series while others add. */
			char name[32];
			snprintf(name, sizeof(name), "late_%d_%d", w->id, i);
			cube_metric *g = cube_metrics_gauge(w->m, name, NULL, NULL);
			cr_assert_not_null(g);
			cube_metric_set(g, NULL, i);
		}
	}
	return NULL;
}

Test(metrics, concurrent_adds_sum_exactly)
{
	static const double b[] = {0.5, 1.5};
	cube_metrics *m = cube_metrics_new();
	cube_metric *c = cube_metrics_counter(m, "ops_total", NULL, LABELS("who"));
	cube_metric *h = cube_metrics_histogram(m, "ops_seconds", NULL, NULL, b, 2);
	struct worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.id = i, .c = c, .h = h, .m = m};
		cr_assert_eq(pthread_create(&w[i].tid, NULL, work, &w[i]), 0);
	}
	/* Scrapes meanwhile, as an HTTP thread would. */
	for (int i = 0; i < 20; i++)
		free(cube_metrics_render(m, NULL));
	for (int i = 0; i < THREADS; i++)
		pthread_join(w[i].tid, NULL);

	cr_assert_eq(cube_metric_value(c, VALUES("shared")), (double)THREADS * ITERS);
	for (int i = 0; i < THREADS; i++) {
		char own[16];
		snprintf(own, sizeof(own), "t%d", i);
		cr_assert_eq(cube_metric_value(c, VALUES(own)), 2.0 * ITERS, "%s", own);
	}
	cr_assert_eq(cube_metric_value(h, NULL), (double)THREADS * ITERS);

	/* Values 0,1,2,3 in turn: a quarter <= 0.5, half <= 1.5; sum 1.5 each. */
	char *txt = cube_metrics_render(m, NULL);
	cr_assert_not_null(txt);
	char want[256];
	snprintf(want, sizeof(want),
		 "# TYPE ops_seconds histogram\n"
		 "ops_seconds_bucket{le=\"0.5\"} %d\n"
		 "ops_seconds_bucket{le=\"1.5\"} %d\n"
		 "ops_seconds_bucket{le=\"+Inf\"} %d\n"
		 "ops_seconds_sum %d\n"
		 "ops_seconds_count %d\n",
		 THREADS * ITERS / 4, THREADS * ITERS / 2, THREADS * ITERS, THREADS * ITERS * 3 / 2,
		 THREADS * ITERS);
	cr_assert_not_null(strstr(txt, want), "%s", txt);
	cr_assert_not_null(strstr(txt, "ops_total{who=\"shared\"} 200000\n"));
	cr_assert_not_null(strstr(txt, "late_3_40000 40000\n"));
	free(txt);
	cube_metrics_free(m);
}
