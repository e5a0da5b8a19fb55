/* apiserver.c - start-up, routing and the server's own endpoints
 * (/version, /healthz, /livez, /readyz, /metrics), the etcd compactor and
 * the bootstrap namespaces. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "apiserver.h"
#include "defaults.h"
#include "cleanup.h"
#include "schema.h"
#include "log.h"
#include "obj.h"

#ifndef CUBE_GIT_COMMIT
#define CUBE_GIT_COMMIT "unknown"
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The build time, from the compiler's __DATE__ ("Nov 25 2026") and __TIME__,
 * as RFC 3339, the form Kubernetes' buildDate has. */
static void build_date(char *buf, size_t size)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *d = __DATE__;
	char mon[4] = {d[0], d[1], d[2], 0};
	const char *m = strstr(months, mon);
	int month = m ? (int)(m - months) / 3 + 1 : 1;
	snprintf(buf, size, "%.4s-%02d-%02dT%sZ", d + 7, month, atoi(d + 4), __TIME__);
}

static void serve_version(cube_httpd_req *h)
{
	char built[32];
	build_date(built, sizeof(built));
	cube_autojson cJSON *v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "major", "1");
	cJSON_AddStringToObject(v, "minor", "32");
	cJSON_AddStringToObject(v, "gitVersion", "v1.32.0+cube");
	cJSON_AddStringToObject(v, "gitCommit", CUBE_GIT_COMMIT);
	cJSON_AddStringToObject(v, "gitTreeState", "clean");
	cJSON_AddStringToObject(v, "buildDate", built);
	cJSON_AddStringToObject(v, "goVersion", "none (cube is written in C)");
	cJSON_AddStringToObject(v, "compiler", "gcc");
	cJSON_AddStringToObject(v, "platform", "linux/amd64");
	cube_httpd_respond_json(h, 200, v);
}

static void serve_health(apiserver *s, cube_httpd_req *h, const char *path)
{
	if (!strcmp(path, "/livez")) {
		cube_httpd_respond_text(h, 200, "text/plain; charset=utf-8", "ok");
		return;
	}
	/* healthz and readyz check that etcd answers and the watch cache is live. */
	int64_t rev;
	cube_err err = CUBE_ERR_INIT;
	bool etcd_ok = cube_etcd_revision(s->etcd, &rev, &err) == 0;
	bool cache_ok = watchcache_ready(s->wc);
	if (etcd_ok && cache_ok) {
		cube_httpd_respond_text(h, 200, "text/plain; charset=utf-8", "ok");
		return;
	}
	char body[1024];
	snprintf(body, sizeof(body), "[%s]etcd %s\n[%s]watch-cache %s\n%s check failed\n",
		 etcd_ok ? "+" : "-", etcd_ok ? "ok" : err.msg, cache_ok ? "+" : "-",
		 cache_ok ? "ok" : "not ready", path + 1);
	cube_httpd_respond_text(h, 500, "text/plain; charset=utf-8", body);
}

static void serve_metrics(apiserver *s, cube_httpd_req *h)
{
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		cube_metric_set(s->m_watchers, (const char *const[]){r->kind},
				(double)watchcache_watchers(s->wc, r));
	}
	size_t len;
	char *text = cube_metrics_render(s->metrics, &len);
	if (!text) {
		cube_httpd_respond_text(h, 500, "text/plain", "out of memory\n");
		return;
	}
	cube_httpd_respond(h, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

/* /openapi/v3 and /openapi/v3/<group-version>: generated once, then served
 * from memory (the documents never change while the server runs). */
static void serve_openapi(apiserver *s, cube_httpd_req *h, const char *path)
{
	(void)s;
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static struct {
		char path[64];
		char *text;
	} cache[16];
	if (strncmp(path, "/openapi/v3", 11) != 0 || (path[11] && path[11] != '/')) {
		cube_httpd_respond_status(h, 404, "NotFound", NULL,
					  "the server could not find the requested resource");
		return;
	}
	const char *gv = path[11] == '/' ? path + 12 : "";
	pthread_mutex_lock(&mu);
	char *text = NULL;
	size_t i;
	for (i = 0; i < CUBE_ARRAY_LEN(cache) && cache[i].text; i++)
		if (!strcmp(cache[i].path, gv)) {
			text = cache[i].text;
			break;
		}
	if (!text && i < CUBE_ARRAY_LEN(cache) && strlen(gv) < sizeof(cache[i].path)) {
		cJSON *doc = gv[0] ? api_openapi_gv(gv) : api_openapi_root();
		if (doc) {
			text = cJSON_PrintUnformatted(doc);
			cJSON_Delete(doc);
			if (text) {
				snprintf(cache[i].path, sizeof(cache[i].path), "%s", gv);
				cache[i].text = text;
			}
		}
	}
	pthread_mutex_unlock(&mu);
	if (!text) {
		cube_httpd_respond_status(h, 404, "NotFound", NULL,
					  "the server could not find the requested resource");
		return;
	}
	if (gv[0] && cube_httpd_query(h, "hash"))
		cube_httpd_add_header(h, "Cache-Control", "public, immutable");
	cube_httpd_respond_text(h, 200, "application/json", text);
}

/* Copies segment i of a '/'-split path into out; false if too long or empty. */
static bool seg(char **segs, size_t n, size_t i, char *out, size_t size)
{
	if (i >= n || !segs[i][0] || strlen(segs[i]) >= size)
		return false;
	snprintf(out, size, "%s", segs[i]);
	return true;
}

static void not_found(cube_httpd_req *h)
{
	cube_httpd_respond_status(h, 404, "NotFound", NULL,
				  "the server could not find the requested resource");
}

/* Routes /api/v1/... and /apis/<g>/<v>/... to a resource. */
static void serve_resource(api_req *r, const char *path)
{
	cube_autofree char *copy = strdup(path);
	char *segs[16];
	size_t n = 0;
	if (!copy) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	for (char *save = NULL, *t = strtok_r(copy, "/", &save); t;
	     t = strtok_r(NULL, "/", &save)) {
		if (n == 16) {
			not_found(r->h);
			return;
		}
		segs[n++] = t;
	}
	const char *group, *version;
	size_t i;
	if (n >= 2 && !strcmp(segs[0], "api")) {
		group = "";
		version = segs[1];
		i = 2;
	} else if (n >= 3 && !strcmp(segs[0], "apis")) {
		group = segs[1];
		version = segs[2];
		i = 3;
	} else {
		not_found(r->h);
		return;
	}
	if (i >= n) { /* an unknown group or version: discovery paths were answered before */
		not_found(r->h);
		return;
	}
	/* namespaces/<name>/status and namespaces/<name>/finalize are a
	 * Namespace's subresources, not a resource inside a namespace. */
	bool ns_sub = n - i == 3 && !strcmp(segs[i], "namespaces") && !group[0] &&
		      (!strcmp(segs[i + 2], "status") || !strcmp(segs[i + 2], "finalize"));
	if (n - i >= 3 && !strcmp(segs[i], "namespaces") && !ns_sub) {
		const api_resource *res = api_resource_find(group, version, segs[i + 2]);
		if (!res || !res->namespaced || !seg(segs, n, i + 1, r->ns, sizeof(r->ns))) {
			not_found(r->h);
			return;
		}
		r->res = res;
		i += 3;
	} else {
		r->res = api_resource_find(group, version, segs[i]);
		if (!r->res) {
			not_found(r->h);
			return;
		}
		i += 1;
	}
	if (i < n && !seg(segs, n, i++, r->name, sizeof(r->name))) {
		not_found(r->h);
		return;
	}
	if (i < n && !seg(segs, n, i++, r->sub, sizeof(r->sub))) {
		not_found(r->h);
		return;
	}
	if (i < n) {
		not_found(r->h);
		return;
	}
	/* A namespaced resource's items live under a namespace; its bare collection
	 * path is only for reading across namespaces. */
	if (r->res->namespaced && !r->ns[0] &&
	    (r->name[0] || strcmp(cube_httpd_method(r->h), "GET") != 0)) {
		if (r->name[0])
			not_found(r->h);
		else
			cube_httpd_respond_status(
				r->h, 405, "MethodNotAllowed", NULL,
				"the server does not allow this method on the requested resource");
		return;
	}
	rest_serve(r);
}

static void handle(void *ud, cube_httpd_req *h)
{
	apiserver *s = ud;
	double t0 = now_s();
	const char *path = cube_httpd_path(h);
	const char *method = cube_httpd_method(h);
	api_req r = {.s = s, .h = h, .verb = NULL};
	const char *resource = "";

	if (!strcmp(path, "/version") || !strcmp(path, "/version/")) {
		serve_version(h);
	} else if (!strcmp(path, "/healthz") || !strcmp(path, "/readyz") ||
		   !strcmp(path, "/livez")) {
		serve_health(s, h, path);
	} else if (!strcmp(path, "/metrics")) {
		serve_metrics(s, h);
	} else if (!strncmp(path, "/openapi/", 9)) {
		serve_openapi(s, h, path);
	} else if (discovery_serve(s, h, path) || metricsapi_serve(s, h, path)) {
		/* answered */
	} else if (!strncmp(path, "/api/", 5) || !strncmp(path, "/apis/", 6)) {
		serve_resource(&r, path);
		if (r.res)
			resource = r.res->plural;
	} else {
		not_found(h);
	}

	char code[8];
	snprintf(code, sizeof(code), "%d", cube_httpd_status(h));
	/* Kubernetes' reported verbs: the HTTP method, except LIST and WATCH. */
	char verb[24];
	const char *v = method;
	if (r.verb && (!strcmp(r.verb, "list") || !strcmp(r.verb, "watch")))
		v = r.verb;
	snprintf(verb, sizeof(verb), "%s", v);
	for (char *p = verb; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	const char *labels[] = {verb, resource, code};
	cube_metric_add(s->m_requests, labels, 1);
	double dt = now_s() - t0;
	if (strcmp(verb, "WATCH") != 0)
		cube_metric_observe(s->m_latency, (const char *const[]){verb, resource}, dt);
	cube_log_debug("%s %s %s -> %s (%.1f ms)", cube_httpd_peer(h), method, path, code,
		       dt * 1000);
}

/* The `kubernetes` Service in default: the first ClusterIP of the range,
 * port 443 (https), and its Endpoints pointing at this server, as
 * kube-apiserver's bootstrap controller makes them. Idempotent. */
static int bootstrap_kubernetes_service(apiserver *s, int port, cube_err *err)
{
	char ip[32], now[32], body[1024], uid1[40], uid2[40];
	api_alloc_first_ip(&s->alloc, ip, sizeof(ip));
	api_now_rfc3339(now, sizeof(now), 0);
	api_new_uid(uid1, sizeof(uid1));
	api_new_uid(uid2, sizeof(uid2));
	cube_err cerr = CUBE_ERR_INIT;
	char got[32];
	if (api_alloc_ip(&s->alloc, ip, "default/kubernetes", got, sizeof(got), &cerr) < 0 &&
	    cerr.code != CUBE_EEXIST) {
		*err = cerr;
		return cube_err_prefix(err, "allocating the kubernetes Service's IP");
	}
	int len = snprintf(
		body, sizeof(body),
		"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
		"\"kubernetes\",\"namespace\":\"default\",\"uid\":\"%s\",\"creationTimestamp\":"
		"\"%s\",\"labels\":{\"component\":\"apiserver\",\"provider\":\"kubernetes\"}},"
		"\"spec\":{\"ports\":[{\"name\":\"https\",\"protocol\":\"TCP\",\"port\":443,"
		"\"targetPort\":%d}],\"clusterIP\":\"%s\",\"clusterIPs\":[\"%s\"],\"type\":"
		"\"ClusterIP\",\"sessionAffinity\":\"None\",\"ipFamilies\":[\"IPv4\"],"
		"\"ipFamilyPolicy\":\"SingleStack\",\"internalTrafficPolicy\":\"Cluster\"},"
		"\"status\":{\"loadBalancer\":{}}}",
		uid1, now, port, ip, ip);
	if (cube_etcd_create(s->etcd, "/registry/services/default/kubernetes", body, (size_t)len, 0,
			     NULL, NULL, &cerr) < 0 &&
	    cerr.code != CUBE_EEXIST) {
		*err = cerr;
		return cube_err_prefix(err, "creating the kubernetes Service");
	}
	const char *addr = s->cfg.bind_address && strcmp(s->cfg.bind_address, "0.0.0.0")
				   ? s->cfg.bind_address
				   : "127.0.0.1";
	len = snprintf(
		body, sizeof(body),
		"{\"kind\":\"Endpoints\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
		"\"kubernetes\",\"namespace\":\"default\",\"uid\":\"%s\",\"creationTimestamp\":"
		"\"%s\",\"labels\":{\"endpointslice.kubernetes.io/skip-mirror\":\"true\"}},"
		"\"subsets\":[{\"addresses\":[{\"ip\":\"%s\"}],\"ports\":[{\"name\":\"https\","
		"\"port\":%d,\"protocol\":\"TCP\"}]}]}",
		uid2, now, addr, port);
	/* The endpoints follow the server's address: overwrite them at each start. */
	if (cube_etcd_put(s->etcd, "/registry/endpoints/default/kubernetes", body, (size_t)len, 0,
			  NULL, &cerr) < 0) {
		*err = cerr;
		return cube_err_prefix(err, "writing the kubernetes Endpoints");
	}
	return 0;
}

/* Creates default, kube-system, kube-public and kube-node-lease (where
 * nodes keep their heartbeat Leases) if absent. */
static int bootstrap(apiserver *s, cube_err *err)
{
	static const char *const names[] = {"default", "kube-system", "kube-public",
					    "kube-node-lease"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(names); i++) {
		char uid[40], now[32], key[128];
		api_new_uid(uid, sizeof(uid));
		api_now_rfc3339(now, sizeof(now), 0);
		char body[768];
		int len = snprintf(
			body, sizeof(body),
			"{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"%"
			"s\","
			"\"uid\":\"%s\",\"creationTimestamp\":\"%s\",\"labels\":"
			"{\"kubernetes.io/metadata.name\":\"%s\"}},\"spec\":{\"finalizers\":"
			"[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}",
			names[i], uid, now, names[i]);
		snprintf(key, sizeof(key), "/registry/namespaces/%s", names[i]);
		cube_err cerr = CUBE_ERR_INIT;
		if (cube_etcd_create(s->etcd, key, body, (size_t)len, 0, NULL, NULL, &cerr) < 0 &&
		    cerr.code != CUBE_EEXIST) {
			*err = cerr;
			return cube_err_prefix(err, "creating namespace %s", names[i]);
		}
	}
	return 0;
}

/* Compacts etcd history older than one interval, as kube-apiserver does. */
static void *compactor_main(void *arg)
{
	apiserver *s = arg;
	int64_t prev = 0;
	while (!atomic_load(&s->stop)) {
		for (int i = 0; i < s->cfg.compaction_interval_s * 10 && !atomic_load(&s->stop);
		     i++)
			nanosleep(&(struct timespec){0, 100000000L}, NULL);
		if (atomic_load(&s->stop))
			break;
		int64_t cur;
		cube_err err = CUBE_ERR_INIT;
		if (cube_etcd_revision(s->etcd, &cur, &err) < 0)
			continue;
		if (prev > 0 && cube_etcd_compact(s->etcd, prev, false, &err) < 0 &&
		    !strstr(err.msg, "compacted"))
			cube_log_warn("etcd compaction at %lld: %s", (long long)prev, err.msg);
		else if (prev > 0)
			cube_log_info("compacted etcd at revision %lld", (long long)prev);
		prev = cur;
	}
	return NULL;
}

apiserver *apiserver_start(const apiserver_config *cfg, cube_err *err)
{
	apiserver *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	pthread_mutex_init(&s->lease_mu, NULL);
	if (!s->cfg.threads)
		s->cfg.threads = 32;
	if (!s->cfg.bookmark_interval_s)
		s->cfg.bookmark_interval_s = 60;
	if (!(s->etcd = cube_etcd_new(cfg->etcd_servers, err)))
		goto fail;
	/* Wait for etcd a little: the lab starts both at once. */
	int64_t rev;
	for (int i = 0;; i++) {
		if (cube_etcd_revision(s->etcd, &rev, err) == 0)
			break;
		if (i == 100) {
			cube_err_prefix(err, "etcd at %s", cfg->etcd_servers);
			goto fail;
		}
		nanosleep(&(struct timespec){0, 100000000L}, NULL);
	}
	if (api_alloc_init(&s->alloc, s->etcd,
			   cfg->service_cidr ? cfg->service_cidr : "10.96.0.0/12",
			   cfg->node_port_range ? cfg->node_port_range : "30000-32767", err) < 0)
		goto fail;
	api_defaults_tolerations(cfg->not_ready_toleration_s, cfg->unreachable_toleration_s);
	if (bootstrap(s, err) < 0)
		goto fail;
	s->metrics = cube_metrics_new();
	static const char *const req_labels[] = {"verb", "resource", "code", NULL};
	static const char *const lat_labels[] = {"verb", "resource", NULL};
	static const char *const kind_labels[] = {"kind", NULL};
	s->m_requests = cube_metrics_counter(s->metrics, "apiserver_request_total",
					     "Counter of apiserver requests broken out for each "
					     "verb, resource and HTTP response code.",
					     req_labels);
	s->m_latency = cube_metrics_histogram(s->metrics, "apiserver_request_duration_seconds",
					      "Response latency distribution in seconds for each "
					      "verb and resource (watches excluded).",
					      lat_labels, cube_metrics_latency_buckets,
					      cube_metrics_latency_buckets_len);
	s->m_watchers = cube_metrics_gauge(
		s->metrics, "apiserver_registered_watchers",
		"Number of currently registered watchers for a given resource kind.", kind_labels);
	if (!(s->wc = watchcache_new(s->etcd, cfg->watch_cache_size, err)))
		goto fail;
	if (!cfg->no_metrics_api && !(s->metrics_api = metricsapi_new())) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	watchcache_set_bookmark_interval(s->wc, s->cfg.bookmark_interval_s);
	if (watchcache_start(s->wc, err) < 0)
		goto fail;
	if (watchcache_wait(s->wc, 0, 30000, err) < 0) {
		cube_err_prefix(err, "filling the watch cache");
		goto fail;
	}
	/* Two event loops own the sockets; handlers, which wait on etcd, run on workers. */
	cube_httpd_config hc = {.bind_address = cfg->bind_address,
				.port = cfg->port,
				.threads = 2,
				.workers = s->cfg.threads,
				.handler = handle,
				.ud = s};
	if (!(s->httpd = cube_httpd_start(&hc, err)))
		goto fail;
	if (bootstrap_kubernetes_service(s, cube_httpd_port(s->httpd), err) < 0)
		goto fail;
	if (s->cfg.compaction_interval_s > 0) {
		if (pthread_create(&s->compactor, NULL, compactor_main, s) == 0)
			s->compactor_started = true;
	}
	return s;
fail:
	apiserver_stop(s);
	return NULL;
}

int apiserver_port(const apiserver *s)
{
	return cube_httpd_port(s->httpd);
}

void apiserver_stop(apiserver *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	if (s->compactor_started)
		pthread_join(s->compactor, NULL);
	cube_httpd_stop(s->httpd);
	metricsapi_free(s->metrics_api);
	watchcache_free(s->wc);
	cube_metrics_free(s->metrics);
	cube_etcd_free(s->etcd);
	pthread_mutex_destroy(&s->lease_mu);
	free(s);
}
