/* test_api_watch.c - cube-apiserver's watch API over HTTP, against the real
 * server process on a real etcd.
 *
 * main() starts one etcd + cube-apiserver for the file and exports its URL
 * as CUBE_TEST_API_URL; tests on it use namespaces of their own, so they may
 * run in parallel (--jobs 2).  Tests that need server flags, or stop etcd or
 * the server, start their own instance (own_start) and destroy it in .fini.
 *
 * A watch is read by a thread of its own (struct watch): it streams the body
 * through cube_http's on_data, splits it into lines with cube_jsonstream, and
 * keeps every event and the raw bytes, so that a test can wait for events,
 * check their order and framing, and stop the stream with the cancel flag.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiserver_harness.h"
#include "cleanup.h"
#include "http.h"
#include "jsonstream.h"
#include "obj.h"

/* ---- plumbing ----------------------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server a test talks to: the shared one, or its own after own_start(). */
static char g_url[128];
static cube_test_api g_own;
static bool g_own_started;

static const char *api_url(void)
{
	if (g_url[0])
		return g_url;
	const char *u = getenv("CUBE_TEST_API_URL");
	cr_assert(u && u[0], "CUBE_TEST_API_URL not set: main() did not start the API server");
	snprintf(g_url, sizeof(g_url), "%s", u);
	return g_url;
}

/* Starts this test's own etcd + server (destroyed by own_fini).  A second try
 * covers a free port taken by another process between probe and bind. */
static void own_start(const char *const *extra)
{
	g_own_started = true;
	if (cube_test_api_start(&g_own, extra) < 0) {
		cube_test_api_destroy(&g_own);
		cr_assert_eq(cube_test_api_start(&g_own, extra), 0,
			     "cannot start an own API server");
	}
	snprintf(g_url, sizeof(g_url), "%s", g_own.url);
}

static void own_fini(void)
{
	if (g_own_started)
		cube_test_api_destroy(&g_own);
	g_own_started = false;
}

typedef struct reply {
	long code;
	char *body;
	size_t len;
	cJSON *json;
} reply;

static void reply_free(reply *r)
{
	free(r->body);
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}

/* One request; rc < 0 (no HTTP answer at all) is returned as code 0. */
static reply vrequest(const char *method, const char *body, const char *fmt, va_list ap)
{
	char path[4096], url[4300];
	vsnprintf(path, sizeof(path), fmt, ap);
	snprintf(url, sizeof(url), "%s%s", api_url(), path);
	static const char *const hdrs[] = {"Accept: application/json",
					   "Content-Type: application/json", NULL};
	cube_http *h = cube_http_new(NULL);
	cr_assert_not_null(h);
	cube_http_req req = {.method = method,
			     .url = url,
			     .headers = hdrs,
			     .body = body,
			     .body_len = body ? strlen(body) : 0,
			     .timeout_ms = 30000};
	cube_http_resp resp;
	int rc = cube_http_do(h, &req, &resp, NULL);
	cube_http_free(h);
	reply r = {.code = rc == 0 ? resp.status : 0,
		   .body = resp.body ? resp.body : strdup(""),
		   .len = resp.len};
	resp.body = NULL;
	cube_http_resp_clear(&resp);
	r.json = cube_json_parse(r.body, r.len, NULL);
	return r;
}

__attribute__((format(printf, 3, 4))) static reply req(const char *method, const char *body,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply r = vrequest(method, body, fmt, ap);
	va_end(ap);
	return r;
}

static const char *js(const cJSON *j, const char *path)
{
	const char *s = j ? cube_json_str(j, path) : NULL;
	return s ? s : "<none>";
}

static int64_t num(const char *s)
{
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	return s && s[0] && !*end ? v : -1;
}

static void make_ns(const char *ns)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}",
		 ns);
	reply r = req("POST", body, "/api/v1/namespaces");
	cr_assert_eq(r.code, 201, "creating namespace %s: %ld %s", ns, r.code, r.body);
	reply_free(&r);
}

static void pod_body(char *buf, size_t size, const char *name, const char *labels)
{
	snprintf(buf, size,
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"labels\":"
		 "{%s}},"
		 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		 name, labels ? labels : "");
}

/* Creates a pod; returns its resourceVersion. */
static int64_t create_pod(const char *ns, const char *name, const char *labels)
{
	char body[1024];
	pod_body(body, sizeof(body), name, labels);
	reply r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	cr_assert_eq(r.code, 201, "creating pod %s/%s: %ld %s", ns, name, r.code, r.body);
	int64_t rv = num(cube_json_str(r.json, "metadata.resourceVersion"));
	reply_free(&r);
	cr_assert_gt(rv, 0);
	return rv;
}

/* Replaces a pod's labels with `labels` (JSON members); returns the new resourceVersion. */
static int64_t relabel_pod(const char *ns, const char *name, const char *labels)
{
	char body[1024];
	pod_body(body, sizeof(body), name, labels);
	reply r = req("PUT", body, "/api/v1/namespaces/%s/pods/%s", ns, name);
	cr_assert_eq(r.code, 200, "updating pod %s/%s: %ld %s", ns, name, r.code, r.body);
	int64_t rv = num(cube_json_str(r.json, "metadata.resourceVersion"));
	reply_free(&r);
	cr_assert_gt(rv, 0);
	return rv;
}

static void delete_pod(const char *ns, const char *name)
{
	reply r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods/%s", ns, name);
	cr_assert_eq(r.code, 200, "deleting pod %s/%s: %ld %s", ns, name, r.code, r.body);
	reply_free(&r);
}

/* A list's metadata.resourceVersion. */
__attribute__((format(printf, 1, 2))) static int64_t list_rv(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply r = vrequest("GET", NULL, fmt, ap);
	va_end(ap);
	cr_assert_eq(r.code, 200, "list: %ld %s", r.code, r.body);
	int64_t rv = num(cube_json_str(r.json, "metadata.resourceVersion"));
	reply_free(&r);
	cr_assert_gt(rv, 0);
	return rv;
}

/* ---- a watch stream read by a thread ------------------------------------------------------ */

typedef struct watch {
	char url[4300];
	pthread_t thread;
	bool started;
	atomic_int cancel;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	cJSON **docs; /* every event, in order */
	size_t n, cap;
	char *raw; /* every byte of the body */
	size_t raw_len, raw_cap;
	bool done; /* the request has ended */
	int rc;	   /* cube_http_do's result */
	cube_err err;
	long status;
	char ctype[128];
	bool bad_line; /* a line that was not JSON */
	double t_start, t_end;
	cube_jsonstream *js;
} watch;

static int on_doc(void *ud, const cJSON *doc, cube_err *err)
{
	(void)err;
	watch *w = ud;
	cJSON *copy = cJSON_Duplicate(doc, true);
	pthread_mutex_lock(&w->mu);
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->docs = realloc(w->docs, w->cap * sizeof(*w->docs));
	}
	w->docs[w->n++] = copy;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static int on_data(void *ud, const char *data, size_t len)
{
	watch *w = ud;
	pthread_mutex_lock(&w->mu);
	if (w->raw_len + len + 1 > w->raw_cap) {
		while (w->raw_len + len + 1 > w->raw_cap)
			w->raw_cap = w->raw_cap ? w->raw_cap * 2 : 4096;
		w->raw = realloc(w->raw, w->raw_cap);
	}
	memcpy(w->raw + w->raw_len, data, len);
	w->raw_len += len;
	w->raw[w->raw_len] = '\0';
	pthread_mutex_unlock(&w->mu);
	cube_err err = CUBE_ERR_INIT;
	if (!w->bad_line && cube_jsonstream_feed(w->js, data, len, &err) < 0)
		w->bad_line = true;
	return 0;
}

static void *watch_main(void *arg)
{
	watch *w = arg;
	cube_http *h = cube_http_new(NULL);
	static const char *const hdrs[] = {"Accept: application/json", NULL};
	cube_http_req rq = {.url = w->url,
			    .headers = hdrs,
			    .on_data = on_data,
			    .ud = w,
			    .cancel = &w->cancel,
			    .connect_timeout_ms = 5000};
	cube_http_resp resp;
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_http_do(h, &rq, &resp, &err);
	cube_err ferr = CUBE_ERR_INIT;
	if (rc == 0 && cube_jsonstream_finish(w->js, &ferr) < 0 && resp.status == 200)
		w->bad_line = true;
	pthread_mutex_lock(&w->mu);
	w->rc = rc;
	w->err = err;
	w->status = resp.status;
	snprintf(w->ctype, sizeof(w->ctype), "%s", resp.content_type ? resp.content_type : "");
	w->t_end = now_s();
	w->done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->mu);
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	return NULL;
}

/* Opens a watch on path (a format; the server URL is prefixed). */
__attribute__((format(printf, 2, 3))) static void watch_start(watch *w, const char *fmt, ...)
{
	memset(w, 0, sizeof(*w));
	char path[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	snprintf(w->url, sizeof(w->url), "%s%s", api_url(), path);
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->js = cube_jsonstream_new(0, on_doc, w);
	cr_assert_not_null(w->js);
	w->t_start = now_s();
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1u << 20);
	cr_assert_eq(pthread_create(&w->thread, &attr, watch_main, w), 0);
	pthread_attr_destroy(&attr);
	w->started = true;
}

static void deadline_after(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Waits until the watch holds at least n events (or ended); true if it does. */
static bool watch_wait_n(watch *w, size_t n, long timeout_ms)
{
	struct timespec until;
	deadline_after(&until, timeout_ms);
	pthread_mutex_lock(&w->mu);
	while (w->n < n && !w->done)
		if (pthread_cond_timedwait(&w->cond, &w->mu, &until) != 0)
			break;
	bool ok = w->n >= n;
	pthread_mutex_unlock(&w->mu);
	return ok;
}

/* Waits until the request has ended; true if it has. */
static bool watch_wait_done(watch *w, long timeout_ms)
{
	struct timespec until;
	deadline_after(&until, timeout_ms);
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->mu, &until) != 0)
			break;
	bool ok = w->done;
	pthread_mutex_unlock(&w->mu);
	return ok;
}

/* Waits for an event of `type` (for object `name`, if not NULL) after index `from`. */
static bool watch_wait_for(watch *w, size_t from, const char *type, const char *name,
			   long timeout_ms)
{
	double until = now_s() + (double)timeout_ms / 1000;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		for (size_t i = from; i < w->n; i++) {
			if (!strcmp(js(w->docs[i], "type"), type) &&
			    (!name || !strcmp(js(w->docs[i], "object.metadata.name"), name))) {
				pthread_mutex_unlock(&w->mu);
				return true;
			}
		}
		size_t have = w->n;
		bool done = w->done;
		pthread_mutex_unlock(&w->mu);
		if (done || now_s() > until)
			return false;
		watch_wait_n(w, have + 1, 200);
	}
}

static size_t watch_count(watch *w)
{
	pthread_mutex_lock(&w->mu);
	size_t n = w->n;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* "ADDED a,MODIFIED a,...": the events (BOOKMARKs left out) as text, malloc'd. */
static char *watch_summary(watch *w)
{
	pthread_mutex_lock(&w->mu);
	size_t cap = 64 + w->n * 300, len = 0;
	char *out = calloc(1, cap);
	for (size_t i = 0; i < w->n; i++) {
		const char *t = js(w->docs[i], "type");
		if (!strcmp(t, "BOOKMARK"))
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s%s %s", len ? "," : "", t,
					js(w->docs[i], "object.metadata.name"));
	}
	pthread_mutex_unlock(&w->mu);
	return out;
}

/* Stops the stream (if still open) and frees everything. */
static void watch_stop(watch *w)
{
	if (!w->started)
		return;
	atomic_store(&w->cancel, 1);
	pthread_join(w->thread, NULL);
	for (size_t i = 0; i < w->n; i++)
		cJSON_Delete(w->docs[i]);
	free(w->docs);
	free(w->raw);
	cube_jsonstream_free(w->js);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cond);
	w->started = false;
}

/* Checks the framing: every line one JSON event {"type","object"} with kind and
 * apiVersion, each ended by '\n'. */
static void expect_framing(watch *w, const char *kind, const char *api_version)
{
	pthread_mutex_lock(&w->mu);
	cr_assert(!w->bad_line, "a line of the stream is not JSON: %s", w->raw ? w->raw : "");
	cr_assert(w->raw_len > 0 && w->raw[w->raw_len - 1] == '\n',
		  "the stream does not end its last event with \\n");
	size_t lines = 0;
	for (char *p = w->raw, *end; p < w->raw + w->raw_len; p = end + 1) {
		end = memchr(p, '\n', (size_t)(w->raw + w->raw_len - p));
		cr_assert_not_null(end);
		cJSON *ev = cube_json_parse(p, (size_t)(end - p), NULL);
		cr_assert_not_null(ev, "line %zu is not one JSON object: %.*s", lines,
				   (int)(end - p), p);
		cr_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ev, "type")), "%.*s",
			  (int)(end - p), p);
		cr_assert_str_eq(js(ev, "object.kind"), kind, "%.*s", (int)(end - p), p);
		cr_assert_str_eq(js(ev, "object.apiVersion"), api_version, "%.*s", (int)(end - p),
				 p);
		cJSON_Delete(ev);
		lines++;
	}
	cr_assert_eq(lines, w->n, "%zu lines but %zu events", lines, w->n);
	pthread_mutex_unlock(&w->mu);
}

/* Checks that resourceVersions grow strictly from event to event (no repeats, in order). */
static void expect_increasing_rvs(watch *w, int64_t after)
{
	pthread_mutex_lock(&w->mu);
	int64_t prev = after;
	for (size_t i = 0; i < w->n; i++) {
		if (!strcmp(js(w->docs[i], "type"), "BOOKMARK"))
			continue;
		int64_t rv = num(cube_json_str(w->docs[i], "object.metadata.resourceVersion"));
		cr_assert_gt(rv, prev, "event %zu (%s %s) at resourceVersion %lld after %lld", i,
			     js(w->docs[i], "type"), js(w->docs[i], "object.metadata.name"),
			     (long long)rv, (long long)prev);
		prev = rv;
	}
	pthread_mutex_unlock(&w->mu);
}

static void expect_summary(watch *w, const char *want)
{
	cube_autofree char *got = watch_summary(w);
	cr_assert_str_eq(got, want, "events:\n  got:  %s\n  want: %s", got, want);
}

/* The parsed body of a watch that was answered with an error. */
static cJSON *watch_error_body(watch *w)
{
	pthread_mutex_lock(&w->mu);
	cJSON *j = w->raw ? cube_json_parse(w->raw, w->raw_len, NULL) : NULL;
	pthread_mutex_unlock(&w->mu);
	cr_assert_not_null(j, "the error answer is not JSON: %s", w->raw ? w->raw : "");
	return j;
}

/* ---- tests ---------------------------------------------------------------------------- */

Test(watch, without_resource_version_sends_existing_then_live)
{
	const char *ns = "watch-norv";
	make_ns(ns);
	create_pod(ns, "p1", NULL);
	create_pod(ns, "p2", NULL);
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=true", ns);
	cr_assert(watch_wait_n(&w, 2, 10000), "no synthetic ADDED events (got %zu)",
		  watch_count(&w));
	expect_summary(&w, "ADDED p1,ADDED p2");

	create_pod(ns, "p3", NULL);
	relabel_pod(ns, "p3", "\"v\":\"2\"");
	delete_pod(ns, "p3");
	cr_assert(watch_wait_n(&w, 5, 10000), "live events missing (got %zu)", watch_count(&w));
	sleep_ms(200); /* nothing more should come */
	expect_summary(&w, "ADDED p1,ADDED p2,ADDED p3,MODIFIED p3,DELETED p3");
	pthread_mutex_lock(&w.mu);
	cr_assert_str_eq(js(w.docs[3], "object.metadata.labels.v"), "2",
			 "MODIFIED carries the new object");
	pthread_mutex_unlock(&w.mu);
	expect_framing(&w, "Pod", "v1");
	cr_assert(!w.done, "the stream ended by itself");
	watch_stop(&w);
	cr_assert_eq(w.status, 200);
	cr_assert(!strncmp(w.ctype, "application/json", 16), "Content-Type %s", w.ctype);

	/* resourceVersion=0 means the same: the current state first. */
	watch zero;
	watch_start(&zero, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=0", ns);
	cr_assert(watch_wait_n(&zero, 2, 10000), "no synthetic ADDED events for resourceVersion=0");
	sleep_ms(200);
	expect_summary(&zero, "ADDED p1,ADDED p2");
	watch_stop(&zero);
}

Test(watch, from_list_resource_version_only_later_events_in_order)
{
	const char *ns = "watch-fromrv";
	make_ns(ns);
	create_pod(ns, "old", NULL);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	/* The changes happen before the watch is even opened: they come from the cache's history.
	 */
	create_pod(ns, "a", NULL);
	relabel_pod(ns, "a", "\"v\":\"2\"");
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=1&resourceVersion=%lld", ns,
		    (long long)rv);
	cr_assert(watch_wait_n(&w, 2, 10000), "got %zu events", watch_count(&w));
	create_pod(ns, "b", NULL);
	delete_pod(ns, "a");
	relabel_pod(ns, "old", "\"v\":\"3\"");
	cr_assert(watch_wait_n(&w, 5, 10000), "got %zu events", watch_count(&w));
	sleep_ms(200);
	expect_summary(&w, "ADDED a,MODIFIED a,ADDED b,DELETED a,MODIFIED old");
	expect_increasing_rvs(&w, rv);
	expect_framing(&w, "Pod", "v1");
	watch_stop(&w);
}

Test(watch, label_selector_transitions)
{
	const char *ns = "watch-labels";
	make_ns(ns);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	watch w;
	watch_start(&w,
		    "/api/v1/namespaces/%s/"
		    "pods?watch=true&resourceVersion=%lld&labelSelector=app%%3Dweb",
		    ns, (long long)rv);
	create_pod(ns, "a", "\"app\":\"web\"");
	create_pod(ns, "b", "\"app\":\"db\"");
	relabel_pod(ns, "a", "\"app\":\"db\"");		    /* leaves the selection */
	relabel_pod(ns, "b", "\"app\":\"db\",\"x\":\"y\""); /* never in it */
	relabel_pod(ns, "a", "\"app\":\"web\"");	    /* comes back */
	relabel_pod(ns, "a", "\"app\":\"web\",\"v\":\"2\"");
	delete_pod(ns, "b");
	delete_pod(ns, "a");
	create_pod(ns, "c", "\"app\":\"web\"");
	cr_assert(watch_wait_for(&w, 0, "ADDED", "c", 10000), "no event for c");
	sleep_ms(200);
	expect_summary(&w, "ADDED a,DELETED a,ADDED a,MODIFIED a,DELETED a,ADDED c");
	pthread_mutex_lock(&w.mu);
	/* The DELETED of a relabelling carries the object as it is now. */
	cr_assert_str_eq(js(w.docs[1], "object.metadata.labels.app"), "db");
	pthread_mutex_unlock(&w.mu);
	expect_increasing_rvs(&w, rv);
	expect_framing(&w, "Pod", "v1");
	watch_stop(&w);
}

Test(watch, field_selector_on_name)
{
	const char *ns = "watch-fields";
	make_ns(ns);
	create_pod(ns, "y", NULL);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods?fieldSelector=metadata.name%%3Dx", ns);
	watch w;
	watch_start(&w,
		    "/api/v1/namespaces/%s/"
		    "pods?watch=true&resourceVersion=%lld&fieldSelector=metadata.name%%3Dx",
		    ns, (long long)rv);
	create_pod(ns, "x", NULL);
	relabel_pod(ns, "y", "\"v\":\"1\"");
	relabel_pod(ns, "x", "\"v\":\"1\"");
	delete_pod(ns, "y");
	delete_pod(ns, "x");
	cr_assert(watch_wait_for(&w, 0, "DELETED", "x", 10000), "no DELETED x");
	sleep_ms(200);
	expect_summary(&w, "ADDED x,MODIFIED x,DELETED x");
	expect_increasing_rvs(&w, rv);
	expect_framing(&w, "Pod", "v1");
	watch_stop(&w);
}

Test(watch, timeout_seconds_ends_the_stream)
{
	const char *ns = "watch-timeout";
	make_ns(ns);
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=true&timeoutSeconds=2", ns);
	cr_assert(watch_wait_done(&w, 8000), "the stream did not end by itself");
	double took = w.t_end - w.t_start;
	cr_assert(took >= 1.5 && took <= 5.0, "the 2 s watch ended after %.2f s", took);
	cr_assert_eq(w.rc, 0, "the stream did not end cleanly: %s", w.err.msg);
	cr_assert_eq(w.status, 200);
	watch_stop(&w);
}

Test(watch, bookmarks_when_allowed, .fini = own_fini, .timeout = 40)
{
	static const char *const extra[] = {"--watch-bookmark-interval", "1s", NULL};
	own_start(extra);
	const char *ns = "watch-bookmarks";
	make_ns(ns);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	watch with, python, without;
	watch_start(&with,
		    "/api/v1/namespaces/%s/"
		    "pods?watch=true&allowWatchBookmarks=true&resourceVersion=%lld",
		    ns, (long long)rv);
	/* The python client capitalises its booleans. */
	watch_start(&python,
		    "/api/v1/namespaces/%s/"
		    "pods?watch=True&allowWatchBookmarks=True&resourceVersion=%lld",
		    ns, (long long)rv);
	watch_start(&without, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rv);
	cr_assert(watch_wait_for(&with, 0, "BOOKMARK", NULL, 6000), "no BOOKMARK within 6 s");
	cr_assert(watch_wait_for(&python, 0, "BOOKMARK", NULL, 6000),
		  "no BOOKMARK for allowWatchBookmarks=True");
	pthread_mutex_lock(&with.mu);
	const cJSON *b = NULL;
	for (size_t i = 0; i < with.n && !b; i++)
		if (!strcmp(js(with.docs[i], "type"), "BOOKMARK"))
			b = with.docs[i];
	cr_assert_not_null(b);
	cr_assert_str_eq(js(b, "object.kind"), "Pod");
	cr_assert_str_eq(js(b, "object.apiVersion"), "v1");
	cr_assert_geq(num(cube_json_str(b, "object.metadata.resourceVersion")), rv, "bookmark RV");
	pthread_mutex_unlock(&with.mu);

	/* After an event, later bookmarks are at least at its resourceVersion. */
	int64_t prv = create_pod(ns, "p", NULL);
	cr_assert(watch_wait_for(&with, 0, "ADDED", "p", 5000));
	size_t after = watch_count(&with);
	cr_assert(watch_wait_for(&with, after, "BOOKMARK", NULL, 6000),
		  "no BOOKMARK after the event");
	pthread_mutex_lock(&with.mu);
	for (size_t i = after; i < with.n; i++)
		if (!strcmp(js(with.docs[i], "type"), "BOOKMARK"))
			cr_assert_geq(
				num(cube_json_str(with.docs[i], "object.metadata.resourceVersion")),
				prv);
	pthread_mutex_unlock(&with.mu);
	expect_framing(&with, "Pod", "v1");

	/* Who did not ask got none. */
	cr_assert(watch_wait_for(&without, 0, "ADDED", "p", 5000));
	cube_autofree char *s = watch_summary(&without);
	pthread_mutex_lock(&without.mu);
	for (size_t i = 0; i < without.n; i++)
		cr_assert_str_neq(js(without.docs[i], "type"), "BOOKMARK",
				  "a BOOKMARK without allowWatchBookmarks");
	pthread_mutex_unlock(&without.mu);
	cr_assert_str_eq(s, "ADDED p");
	watch_stop(&with);
	watch_stop(&python);
	watch_stop(&without);
}

Test(watch, too_old_resource_version_is_410_expired, .fini = own_fini, .timeout = 40)
{
	static const char *const extra[] = {"--watch-cache-size", "16", NULL};
	own_start(extra);
	const char *ns = "watch-expired";
	make_ns(ns);
	/* 21 events in pods: the cache keeps the last 16 (updates 5..20). */
	int64_t rvs[21];
	rvs[0] = create_pod(ns, "p", "\"n\":\"0\"");
	for (int i = 1; i <= 20; i++) {
		char labels[32];
		snprintf(labels, sizeof(labels), "\"n\":\"%d\"", i);
		rvs[i] = relabel_pod(ns, "p", labels);
	}
	int64_t rv0 = rvs[0], last = rvs[20];
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rv0);
	if (!watch_wait_done(&w, 10000)) {
		cube_autofree char *sum = watch_summary(&w);
		cr_assert_fail("the watch from %lld (older than the window) was not refused; %zu "
			       "events: %s",
			       (long long)rv0, watch_count(&w), sum);
	}
	cr_assert_eq(w.status, 410, "HTTP %ld: %s", w.status, w.raw ? w.raw : "");
	cube_autojson cJSON *st = watch_error_body(&w);
	cr_assert_str_eq(js(st, "kind"), "Status");
	cr_assert_str_eq(js(st, "status"), "Failure");
	cr_assert_str_eq(js(st, "reason"), "Expired");
	cr_assert_eq(cube_json_int(st, "code", 0), 410);
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "too old resource version: %lld (", (long long)rv0);
	cr_assert(!strncmp(js(st, "message"), prefix, strlen(prefix)), "message: %s",
		  js(st, "message"));
	watch_stop(&w);

	/* The edge of the window: from update 4, every later event is still held (16 of
	 * them); from update 3, update 4 is gone, so that watch would miss it: 410. */
	watch edge;
	watch_start(&edge, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rvs[4]);
	cr_assert(watch_wait_n(&edge, 16, 10000),
		  "from the oldest held resourceVersion: %zu events, HTTP %ld %s",
		  watch_count(&edge), edge.status, edge.done && edge.raw ? edge.raw : "");
	sleep_ms(200);
	cr_assert_eq(watch_count(&edge), 16);
	expect_increasing_rvs(&edge, rvs[4]);
	pthread_mutex_lock(&edge.mu);
	cr_assert_str_eq(js(edge.docs[0], "object.metadata.labels.n"), "5");
	cr_assert_str_eq(js(edge.docs[15], "object.metadata.labels.n"), "20");
	pthread_mutex_unlock(&edge.mu);
	watch_stop(&edge);
	watch past;
	watch_start(&past, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rvs[3]);
	cr_assert(watch_wait_done(&past, 10000),
		  "a watch that would miss update 4 was not refused");
	cr_assert_eq(past.status, 410, "HTTP %ld: %s", past.status, past.raw ? past.raw : "");
	watch_stop(&past);

	/* Inside the window a watch works: from the latest change, the next one arrives. */
	watch ok;
	watch_start(&ok, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)last);
	relabel_pod(ns, "p", "\"n\":\"final\"");
	cr_assert(watch_wait_n(&ok, 1, 10000),
		  "no event from the recent resourceVersion (status %ld)", ok.status);
	expect_summary(&ok, "MODIFIED p");
	watch_stop(&ok);

	/* Not a number at all: 400. */
	watch bad;
	watch_start(&bad, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=abc", ns);
	cr_assert(watch_wait_done(&bad, 10000));
	cr_assert_eq(bad.status, 400, "HTTP %ld: %s", bad.status, bad.raw ? bad.raw : "");
	cube_autojson cJSON *bst = watch_error_body(&bad);
	cr_assert_str_eq(js(bst, "kind"), "Status");
	cr_assert_str_eq(js(bst, "reason"), "BadRequest");
	watch_stop(&bad);
}

/* A resourceVersion the store has not reached: the server waits a little, then 504. */
Test(watch, future_resource_version_is_504_timeout)
{
	const char *ns = "watch-future";
	make_ns(ns);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)(rv + 100000));
	cr_assert(watch_wait_done(&w, 15000), "a watch from the future was not answered");
	cr_assert_eq(w.status, 504, "HTTP %ld: %s", w.status, w.raw ? w.raw : "");
	cube_autojson cJSON *st = watch_error_body(&w);
	cr_assert_str_eq(js(st, "kind"), "Status");
	cr_assert_str_eq(js(st, "reason"), "Timeout");
	char prefix[64];
	snprintf(prefix, sizeof(prefix),
		 "Too large resource version: %lld, current: ", (long long)(rv + 100000));
	cr_assert(!strncmp(js(st, "message"), prefix, strlen(prefix)), "message: %s",
		  js(st, "message"));
	watch_stop(&w);
}

/* A request while etcd is away: 503 or 504 with a Status, within `limit_s`. */
static void expect_unavailable(const char *method, const char *body, const char *path,
			       double limit_s)
{
	double t0 = now_s();
	reply r = req(method, body, "%s", path);
	double took = now_s() - t0;
	cr_assert(r.code == 503 || r.code == 504, "%s %s with etcd down: HTTP %ld %s", method, path,
		  r.code, r.body);
	cr_assert_str_eq(js(r.json, "kind"), "Status", "%s %s: %s", method, path, r.body);
	cr_assert_eq(cube_json_int(r.json, "code", 0), r.code, "%s", r.body);
	cr_assert(!strcmp(js(r.json, "reason"), r.code == 503 ? "ServiceUnavailable" : "Timeout"),
		  "%s", r.body);
	cr_assert_lt(took, limit_s, "%s %s took %.1f s with etcd down", method, path, took);
	reply_free(&r);
}

Test(watch, etcd_outage_ends_watches_and_recovers, .fini = own_fini, .timeout = 90)
{
	own_start(NULL);
	const char *ns = "watch-outage";
	make_ns(ns);
	create_pod(ns, "a", NULL);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rv);
	int64_t rv_b = create_pod(ns, "b", NULL);
	cr_assert(watch_wait_for(&w, 0, "ADDED", "b", 10000), "no ADDED b before the outage");
	/* The last resourceVersion this client saw. */
	pthread_mutex_lock(&w.mu);
	int64_t last_seen = num(cube_json_str(w.docs[w.n - 1], "object.metadata.resourceVersion"));
	pthread_mutex_unlock(&w.mu);
	cr_assert_eq(last_seen, rv_b);

	cube_test_etcd_stop(&g_own.etcd);
	cr_assert(watch_wait_done(&w, 15000), "the open watch was not ended when etcd went away");
	watch_stop(&w);

	char path[256], body[1024];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/a", ns);
	expect_unavailable("GET", NULL, path, 10);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", ns);
	expect_unavailable("GET", NULL, path, 10);
	pod_body(body, sizeof(body), "during", NULL);
	expect_unavailable("POST", body, path, 10);
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld",
		 ns, (long long)last_seen);
	expect_unavailable("GET", NULL, path, 10);

	cr_assert_eq(cube_test_etcd_restart(&g_own.etcd), 0);
	/* Creates work again once the server has noticed etcd is back. */
	pod_body(body, sizeof(body), "c", NULL);
	long code = 0;
	for (int i = 0; i < 150 && code != 201 && code != 409; i++) {
		reply r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
		code = r.code;
		reply_free(&r);
		if (code != 201 && code != 409)
			sleep_ms(200);
	}
	cr_assert(code == 201 || code == 409,
		  "creates did not recover after etcd came back: HTTP %ld", code);
	create_pod(ns, "d", NULL);

	/* Resuming from the last resourceVersion seen loses nothing and repeats nothing. */
	watch again;
	watch_start(&again, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)last_seen);
	cr_assert(watch_wait_for(&again, 0, "ADDED", "d", 15000),
		  "no ADDED d after the restart (status %ld)", again.status);
	create_pod(ns, "e", NULL);
	cr_assert(watch_wait_for(&again, 0, "ADDED", "e", 10000),
		  "no live event after the restart");
	sleep_ms(200);
	expect_summary(&again, "ADDED c,ADDED d,ADDED e");
	expect_increasing_rvs(&again, last_seen);
	watch_stop(&again);

	reply r = req("GET", NULL, "/readyz");
	cr_assert_eq(r.code, 200, "readyz after recovery: %ld %s", r.code, r.body);
	reply_free(&r);
}

Test(watch, server_restart_keeps_objects_and_history, .fini = own_fini, .timeout = 90)
{
	own_start(NULL);
	const char *ns = "watch-restart";
	make_ns(ns);
	int64_t rv_a = create_pod(ns, "a", NULL);
	create_pod(ns, "b", NULL);
	int64_t rv_a2 = relabel_pod(ns, "a", "\"v\":\"2\"");
	reply r = req("GET", NULL, "/api/v1/namespaces/%s/pods/a", ns);
	cr_assert_eq(r.code, 200);
	char uid[64];
	snprintf(uid, sizeof(uid), "%s", js(r.json, "metadata.uid"));
	reply_free(&r);

	cr_assert_eq(cube_test_api_restart_server(&g_own, NULL), 0, "the server did not come back");

	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/a", ns);
	cr_assert_eq(r.code, 200, "%s", r.body);
	cr_assert_str_eq(js(r.json, "metadata.uid"), uid);
	cr_assert_eq(num(cube_json_str(r.json, "metadata.resourceVersion")), rv_a2);
	cr_assert_str_eq(js(r.json, "metadata.labels.v"), "2");
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods", ns);
	cr_assert_eq(r.code, 200);
	cr_assert_eq(cJSON_GetArraySize(cube_json_path(r.json, "items")), 2, "%s", r.body);
	int64_t list_after = num(cube_json_str(r.json, "metadata.resourceVersion"));
	reply_free(&r);

	/* A watch from the fresh list works. */
	watch fresh;
	watch_start(&fresh, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)list_after);
	create_pod(ns, "c", NULL);
	cr_assert(watch_wait_for(&fresh, 0, "ADDED", "c", 10000),
		  "no event on a fresh watch after the restart");
	watch_stop(&fresh);

	/* A watch from before the restart (etcd still has that history): every later event. */
	watch old;
	watch_start(&old, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rv_a);
	bool got = watch_wait_for(&old, 0, "ADDED", "c", 10000);
	if (!got) {
		watch_wait_done(&old, 5000);
		cr_assert(got,
			  "a watch from resourceVersion %lld (before the restart, not compacted) "
			  "got HTTP %ld: %s",
			  (long long)rv_a, old.status, old.raw ? old.raw : "");
	}
	create_pod(ns, "d", NULL);
	cr_assert(watch_wait_for(&old, 0, "ADDED", "d", 10000),
		  "no live event on the resumed watch");
	sleep_ms(200);
	expect_summary(&old, "ADDED b,MODIFIED a,ADDED c,ADDED d");
	expect_increasing_rvs(&old, rv_a);
	watch_stop(&old);
}

Test(watch, graceful_pod_delete_is_modified_then_deleted)
{
	const char *ns = "watch-graceful";
	make_ns(ns);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	watch w;
	watch_start(&w, "/api/v1/namespaces/%s/pods?watch=true&resourceVersion=%lld", ns,
		    (long long)rv);
	reply r = req(
		"POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"g\"},\"spec\":"
		"{\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods", ns);
	cr_assert_eq(r.code, 201, "%s", r.body);
	reply_free(&r);
	r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods/g", ns);
	cr_assert_eq(r.code, 200, "%s", r.body);
	reply_free(&r);
	r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods/g?gracePeriodSeconds=0", ns);
	cr_assert_eq(r.code, 200, "%s", r.body);
	reply_free(&r);
	cr_assert(watch_wait_for(&w, 0, "DELETED", "g", 10000), "no DELETED g");
	sleep_ms(200);
	expect_summary(&w, "ADDED g,MODIFIED g,DELETED g");
	pthread_mutex_lock(&w.mu);
	cr_assert_neq(cube_json_str(w.docs[1], "object.metadata.deletionTimestamp"), NULL,
		      "the MODIFIED carries the deletionTimestamp");
	pthread_mutex_unlock(&w.mu);
	expect_increasing_rvs(&w, rv);
	watch_stop(&w);
}

Test(watch, grouped_cluster_scoped_and_all_namespaces)
{
	const char *ns = "watch-kinds";
	make_ns(ns);
	int64_t rv = list_rv("/api/v1/nodes");
	watch deploys, nodes, allpods;
	watch_start(&deploys,
		    "/apis/apps/v1/namespaces/%s/deployments?watch=true&resourceVersion=%lld", ns,
		    (long long)rv);
	watch_start(&nodes,
		    "/api/v1/"
		    "nodes?watch=true&resourceVersion=%lld&fieldSelector=metadata.name%%3Dwatch-"
		    "kinds-node",
		    (long long)rv);
	watch_start(&allpods,
		    "/api/v1/"
		    "pods?watch=true&resourceVersion=%lld&fieldSelector=metadata.namespace%%3D%s",
		    (long long)rv, ns);
	reply r = req(
		"POST",
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
		"\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"d\"}},"
		"\"template\":"
		"{\"metadata\":{\"labels\":{\"app\":\"d\"}},\"spec\":{\"containers\":[{\"name\":"
		"\"c\","
		"\"image\":\"nginx\"}]}}}}",
		"/apis/apps/v1/namespaces/%s/deployments", ns);
	cr_assert_eq(r.code, 201, "%s", r.body);
	reply_free(&r);
	r = req("POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"watch-kinds-"
		"node\"}}",
		"/api/v1/nodes");
	cr_assert_eq(r.code, 201, "%s", r.body);
	reply_free(&r);
	create_pod(ns, "p", NULL);
	r = req("DELETE", NULL, "/api/v1/nodes/watch-kinds-node");
	cr_assert_eq(r.code, 200, "%s", r.body);
	reply_free(&r);
	cr_assert(watch_wait_for(&deploys, 0, "ADDED", "d", 10000), "no deployment event");
	cr_assert(watch_wait_for(&nodes, 0, "DELETED", "watch-kinds-node", 10000),
		  "no node events");
	cr_assert(watch_wait_for(&allpods, 0, "ADDED", "p", 10000),
		  "no pod event across namespaces");
	sleep_ms(200);
	expect_summary(&deploys, "ADDED d");
	expect_framing(&deploys, "Deployment", "apps/v1");
	expect_summary(&nodes, "ADDED watch-kinds-node,DELETED watch-kinds-node");
	expect_framing(&nodes, "Node", "v1");
	expect_summary(&allpods, "ADDED p");
	pthread_mutex_lock(&allpods.mu);
	cr_assert_str_eq(js(allpods.docs[0], "object.metadata.namespace"), ns);
	pthread_mutex_unlock(&allpods.mu);
	watch_stop(&deploys);
	watch_stop(&nodes);
	watch_stop(&allpods);
}

#define MANY 200

Test(watch, many_watchers_all_get_the_event, .timeout = 60)
{
	const char *ns = "watch-many";
	make_ns(ns);
	int64_t rv = list_rv("/api/v1/namespaces/%s/pods", ns);
	watch *ws = calloc(MANY, sizeof(*ws));
	cr_assert_not_null(ws);
	for (int i = 0; i < MANY; i++)
		watch_start(&ws[i],
			    "/api/v1/namespaces/%s/"
			    "pods?watch=true&resourceVersion=%lld&timeoutSeconds=30",
			    ns, (long long)rv);
	/* Let the watchers connect, so that the event goes to open streams. */
	sleep_ms(1500);
	double t0 = now_s();
	create_pod(ns, "one", NULL);
	int got = 0;
	for (int i = 0; i < MANY; i++)
		got += watch_wait_for(&ws[i], 0, "ADDED", "one",
				      10000 - (long)((now_s() - t0) * 1000));
	double took = now_s() - t0;
	int ended = 0, not200 = 0;
	for (int i = 0; i < MANY; i++) {
		pthread_mutex_lock(&ws[i].mu);
		ended += ws[i].done;
		pthread_mutex_unlock(&ws[i].mu);
	}
	for (int i = 0; i < MANY; i++)
		atomic_store(&ws[i].cancel, 1);
	for (int i = 0; i < MANY; i++) {
		watch_stop(&ws[i]);
		not200 += ws[i].status != 200 && ws[i].status != 0;
	}
	free(ws);
	cr_assert_eq(got, MANY,
		     "%d of %d watchers got the event within 10 s (%d streams ended early)", got,
		     MANY, ended);
	cr_assert_lt(took, 5.0, "the event reached all %d watchers only after %.1f s", MANY, took);
	cr_assert_eq(not200, 0, "%d watches were not answered 200", not200);
}

int main(int argc, char *argv[])
{
	cube_test_api shared;
	if (cube_test_api_start(&shared, NULL) < 0)
		return 1;
	setenv("CUBE_TEST_API_URL", shared.url, 1);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	cube_test_api_destroy(&shared);
	return result;
}
