/* fuzz_apiserver.c - libFuzzer target for the API server's request handling.
 *
 * The server runs in this process (so the sanitizers see its memory) against
 * a real etcd started once by the test harness; each input is one HTTP
 * request sent over loopback:
 *
 *   byte 0          the method (GET POST PUT DELETE PATCH HEAD OPTIONS FOO)
 *   up to '\n'      the path (after a leading "/api/v1/" or "/apis/" prefix
 *                   chosen by byte 0's high bits, so most inputs reach routing)
 *   up to '\n'      the query string
 *   the rest        the body, sent as application/json
 *
 * Oracle: no crash, no sanitizer report; every answer has a status in
 * 200..599 that is not 500 (an internal error on bad input is a bug), and
 * every application/json answer parses as JSON.  Watches are renamed away
 * ("watch" -> "wxtch") so that no input opens a stream that never ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/apiserver.h"
#include "etcd_harness.h"
#include "http.h"
#include "log.h"
#include "obj.h"

static cube_test_etcd etcd;
static apiserver *server;
static cube_http *client;
static char base[64];

static void stop_all(void)
{
	apiserver_stop(server);
	cube_http_free(client);
	cube_test_etcd_destroy(&etcd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	cube_log_set_level(CUBE_LOG_ERROR);
	if (cube_test_etcd_start(&etcd) < 0)
		abort();
	cube_err err = CUBE_ERR_INIT;
	apiserver_config cfg = {.etcd_servers = etcd.url,
				.bind_address = "127.0.0.1",
				.port = 0,
				.threads = 2,
				.event_ttl_s = 60,
				.not_ready_toleration_s = 300,
				.unreachable_toleration_s = 300};
	server = apiserver_start(&cfg, &err);
	if (!server) {
		fprintf(stderr, "fuzz_apiserver: %s\n", err.msg);
		abort();
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", apiserver_port(server));
	client = cube_http_new(NULL);
	atexit(stop_all);
	return 0;
}

static char *take_line(const uint8_t **p, size_t *n)
{
	const uint8_t *nl = memchr(*p, '\n', *n);
	size_t len = nl ? (size_t)(nl - *p) : *n;
	char *s = malloc(len + 1);
	if (!s)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += nl ? len + 1 : len;
	*n -= nl ? len + 1 : len;
	return s;
}

/* URL-safe: percent-encode what curl would refuse or reinterpret. */
static void append_escaped(char *dst, size_t size, const char *src, const char *keep)
{
	size_t o = strlen(dst);
	for (const unsigned char *p = (const unsigned char *)src; *p && o + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p)) {
			dst[o++] = (char)*p;
		} else {
			o += (size_t)snprintf(dst + o, size - o, "%%%02X", *p);
		}
	}
	dst[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET",   "POST", "PUT",	  "DELETE",
					      "PATCH", "HEAD", "OPTIONS", "FOO"};
	static const char *const prefixes[] = {"/api/v1/", "/apis/", "/api/v1/namespaces/default/",
					       "/"};
	if (size == 0)
		return 0;
	const char *method = methods[data[0] & 7];
	const char *prefix = prefixes[(data[0] >> 3) & 3];
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	char *path = take_line(&p, &n);
	char *query = take_line(&p, &n);
	for (char *w; (w = strstr(query, "watch"));)
		w[1] = 'x';

	char url[8192];
	snprintf(url, sizeof(url), "%s%s", base, prefix);
	append_escaped(url, sizeof(url), path, "/-._~");
	if (query[0]) {
		strncat(url, "?", sizeof(url) - strlen(url) - 1);
		append_escaped(url, sizeof(url), query, "=&-._~");
	}
	static const char *const hdrs[] = {"Content-Type: application/json", NULL};
	cube_http_req req = {.method = method,
			     .url = url,
			     .headers = hdrs,
			     .body = n ? (const char *)p : NULL,
			     .body_len = n,
			     .timeout_ms = 10000};
	cube_http_resp resp;
	cube_err err = CUBE_ERR_INIT;
	if (cube_http_do(client, &req, &resp, &err) == 0) {
		if (resp.status < 200 || resp.status > 599 || resp.status == 500) {
			fprintf(stderr, "fuzz_apiserver: %s %s -> %ld %s\n", method, url,
				resp.status, resp.body ? resp.body : "");
			abort();
		}
		if (resp.body && resp.len && resp.content_type &&
		    !strncmp(resp.content_type, "application/json", 16)) {
			cJSON *j = cube_json_parse(resp.body, resp.len, NULL);
			if (!j) {
				fprintf(stderr, "fuzz_apiserver: %s %s -> non-JSON body: %.200s\n",
					method, url, resp.body);
				abort();
			}
			cJSON_Delete(j);
		}
	}
	cube_http_resp_clear(&resp);
	free(path);
	free(query);
	return 0;
}
