/* test_httpd.c - the HTTP server wrapper against the HTTP client, over
 * loopback: complete answers, query and header access, the 413 limit, and
 * streams that park while idle and wake on write. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "httpd.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

struct streamer {
	cube_httpd_stream *s;
	int lines;
	int closed;
};

static void *write_lines(void *arg)
{
	struct streamer *st = arg;
	for (int i = 0; i < st->lines; i++) {
		sleep_ms(30); /* the connection parks in between */
		char line[32];
		int n = snprintf(line, sizeof(line), "line %d\n", i);
		cube_httpd_stream_write(st->s, line, (size_t)n);
	}
	cube_httpd_stream_end(st->s);
	cube_httpd_stream_unref(st->s);
	return NULL;
}

static void on_closed(void *ud)
{
	struct streamer *st = ud;
	__atomic_add_fetch(&st->closed, 1, __ATOMIC_SEQ_CST);
}

static struct streamer g_stream = {.lines = 5};

static void handler(void *ud, cube_httpd_req *r)
{
	(void)ud;
	const char *path = cube_httpd_path(r);
	if (!strcmp(path, "/echo")) {
		char buf[512];
		const char *vals[4];
		size_t n = cube_httpd_query_all(r, "a", vals, 4);
		snprintf(buf, sizeof(buf), "%s body=%s a#%zu=%s,%s x=%s b=%d", cube_httpd_method(r),
			 cube_httpd_body(r), n, n > 0 ? vals[0] : "-", n > 1 ? vals[1] : "-",
			 cube_httpd_header(r, "x-test") ? cube_httpd_header(r, "X-Test") : "-",
			 cube_httpd_query_bool(r, "b"));
		cube_httpd_add_header(r, "X-Answer", "yes");
		cube_httpd_respond_text(r, 200, "text/plain", buf);
	} else if (!strcmp(path, "/stream")) {
		g_stream.s =
			cube_httpd_stream_start(r, 200, "application/json", on_closed, &g_stream);
		cube_httpd_stream_write(g_stream.s, "first\n", 6);
		pthread_t t;
		pthread_create(&t, NULL, write_lines, &g_stream);
		pthread_detach(t);
	} else if (!strcmp(path, "/idle")) {
		/* A stream nobody writes to: parked until the server stops. */
		cube_httpd_stream_unref(cube_httpd_stream_start(r, 200, "text/plain", NULL, NULL));
	} else {
		cube_httpd_respond_status(r, 404, "NotFound", NULL,
					  "the server could not find the requested resource");
	}
}

static unsigned g_workers; /* 0: handlers on the loop threads; >0: on a worker pool */

static cube_httpd *start(size_t max_body)
{
	cube_err err = CUBE_ERR_INIT;
	cube_httpd_config cfg = {.bind_address = "127.0.0.1",
				 .port = 0,
				 .threads = 2,
				 .workers = g_workers,
				 .max_body = max_body,
				 .handler = handler};
	cube_httpd *d = cube_httpd_start(&cfg, &err);
	cr_assert_not_null(d, "%s", err.msg);
	cr_assert_gt(cube_httpd_port(d), 0);
	return d;
}

static void answers_with_query_headers_and_body(void)
{
	cube_httpd *d = start(0);
	cube_http *h = cube_http_new(NULL);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?a=1&a=two&b=True", cube_httpd_port(d));
	const char *hdrs[] = {"X-Test: hi", NULL};
	cube_http_req req = {.method = "POST",
			     .url = url,
			     .headers = hdrs,
			     .body = "payload",
			     .body_len = 7,
			     .timeout_ms = 5000};
	cube_http_resp resp;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_http_do(h, &req, &resp, &err), 0, "%s", err.msg);
	cr_assert_eq(resp.status, 200);
	cr_assert_str_eq(resp.body, "POST body=payload a#2=1,two x=hi b=1");
	cube_http_resp_clear(&resp);

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/nope?b=FALSE", cube_httpd_port(d));
	cube_http_req req2 = {.url = url, .timeout_ms = 5000};
	cr_assert_eq(cube_http_do(h, &req2, &resp, &err), 0);
	cr_assert_eq(resp.status, 404);
	cr_assert(strstr(resp.body, "\"reason\":\"NotFound\""), "%s", resp.body);
	cr_assert(strstr(resp.body, "\"kind\":\"Status\""));
	cr_assert_str_eq(resp.content_type, "application/json");
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	cube_httpd_stop(d);
}

static void body_over_limit_is_413(void)
{
	cube_httpd *d = start(1024);
	cube_http *h = cube_http_new(NULL);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", cube_httpd_port(d));
	static char big[4096];
	memset(big, 'x', sizeof(big));
	cube_http_req req = {.method = "PUT",
			     .url = url,
			     .body = big,
			     .body_len = sizeof(big),
			     .timeout_ms = 5000};
	cube_http_resp resp;
	cr_assert_eq(cube_http_do(h, &req, &resp, NULL), 0);
	cr_assert_eq(resp.status, 413);
	cr_assert(strstr(resp.body, "RequestEntityTooLarge"), "%s", resp.body);
	cube_http_resp_clear(&resp);
	/* Exactly at the limit is fine. */
	req.body_len = 1024;
	cr_assert_eq(cube_http_do(h, &req, &resp, NULL), 0);
	cr_assert_eq(resp.status, 200);
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	cube_httpd_stop(d);
}

struct chunks {
	char buf[256];
	size_t len;
	int pieces;
	const cube_http_resp *resp; /* when set: its status at the first piece */
	long first_status;
};

static int on_chunk(void *ud, const char *data, size_t len)
{
	struct chunks *c = ud;
	if (c->resp && !c->pieces)
		c->first_status = c->resp->status;
	if (c->len + len < sizeof(c->buf)) {
		memcpy(c->buf + c->len, data, len);
		c->len += len;
	}
	c->pieces++;
	return 0;
}

static void stream_parks_and_wakes_and_ends(void)
{
	cube_httpd *d = start(0);
	cube_http *h = cube_http_new(NULL);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/stream", cube_httpd_port(d));
	cube_http_resp resp;
	struct chunks c = {.resp = &resp};
	cube_http_req req = {.url = url, .on_data = on_chunk, .ud = &c, .timeout_ms = 10000};
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_http_do(h, &req, &resp, &err), 0, "%s", err.msg);
	cr_assert_eq(resp.status, 200);
	/* a stream's reader knows the status before the body (logs -f) */
	cr_assert_eq(c.first_status, 200);
	cr_assert_str_eq(c.buf, "first\nline 0\nline 1\nline 2\nline 3\nline 4\n");
	cr_assert_geq(c.pieces, 2, "the body arrived in %d piece(s): it was not streamed",
		      c.pieces);
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	for (int i = 0; i < 100 && !__atomic_load_n(&g_stream.closed, __ATOMIC_SEQ_CST); i++)
		sleep_ms(10);
	cr_assert_eq(g_stream.closed, 1);
	cube_httpd_stop(d);
}

Test(httpd, bad_bind_address_is_an_error)
{
	cube_err err = CUBE_ERR_INIT;
	cube_httpd_config cfg = {.bind_address = "not-an-ip", .handler = handler};
	cr_assert_null(cube_httpd_start(&cfg, &err));
	cr_assert(strstr(err.msg, "not-an-ip"), "%s", err.msg);
}

/* A port in use is refused, never shared (no SO_REUSEPORT): two API servers
 * on one port would each answer half of the requests. */
Test(httpd, a_port_in_use_is_refused)
{
	cube_err err = CUBE_ERR_INIT;
	cube_httpd_config cfg = {.bind_address = "127.0.0.1", .handler = handler};
	cube_httpd *a = cube_httpd_start(&cfg, &err);
	cr_assert_not_null(a, "%s", err.msg);
	cfg.port = cube_httpd_port(a);
	cube_httpd *b = cube_httpd_start(&cfg, &err);
	cube_httpd_stop(b);
	cube_httpd_stop(a);
	cr_assert_null(b, "a second server bound port %d", cfg.port);
	cr_assert(strstr(err.msg, "address in use"), "%s", err.msg);
}

struct idle_client {
	int port;
	long status;
	int rc;
	int done;
};

static void *idle_get(void *arg)
{
	struct idle_client *ic = arg;
	cube_http *h = cube_http_new(NULL);
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/idle", ic->port);
	struct chunks c = {0};
	cube_http_req req = {.url = url, .on_data = on_chunk, .ud = &c, .timeout_ms = 20000};
	cube_http_resp resp;
	ic->rc = cube_http_do(h, &req, &resp, NULL);
	ic->status = resp.status;
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	__atomic_store_n(&ic->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void stop_ends_an_open_idle_stream(void)
{
	cube_httpd *d = start(0);
	struct idle_client ic = {.port = cube_httpd_port(d)};
	pthread_t t;
	pthread_create(&t, NULL, idle_get, &ic);
	sleep_ms(300);
	cr_assert_eq(__atomic_load_n(&ic.done, __ATOMIC_SEQ_CST), 0,
		     "the idle stream ended by itself");
	cube_httpd_stop(d); /* must not hang on the parked connection */
	pthread_join(t, NULL);
	cr_assert_eq(ic.status, 200);
}

/* Each behaviour twice: handlers on the loop threads, and on a worker pool
 * (the API server's mode, where the connection is parked meanwhile). */
Test(httpd, answers_with_query_headers_and_body)
{
	g_workers = 0;
	answers_with_query_headers_and_body();
}

Test(httpd_workers, answers_with_query_headers_and_body)
{
	g_workers = 3;
	answers_with_query_headers_and_body();
}

Test(httpd, body_over_limit_is_413)
{
	g_workers = 0;
	body_over_limit_is_413();
}

Test(httpd_workers, body_over_limit_is_413)
{
	g_workers = 3;
	body_over_limit_is_413();
}

Test(httpd, stream_parks_and_wakes_and_ends)
{
	g_workers = 0;
	stream_parks_and_wakes_and_ends();
}

Test(httpd_workers, stream_parks_and_wakes_and_ends)
{
	g_workers = 3;
	stream_parks_and_wakes_and_ends();
}

Test(httpd, stop_ends_an_open_idle_stream)
{
	g_workers = 0;
	stop_ends_an_open_idle_stream();
}

Test(httpd_workers, stop_ends_an_open_idle_stream)
{
	g_workers = 3;
	stop_ends_an_open_idle_stream();
}
