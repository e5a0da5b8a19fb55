/* metricsapi.c - the resource metrics API, metrics.k8s.io/v1beta1, served
 * by the API server itself the way metrics-server serves it (cube has no API
 * aggregation), so that `kubectl top` works:
 *
 *   /apis/metrics.k8s.io, /apis/metrics.k8s.io/v1beta1     discovery
 *   /apis/metrics.k8s.io/v1beta1/nodes[/<name>]              NodeMetrics(List)
 *   /apis/metrics.k8s.io/v1beta1/pods                        PodMetricsList, every namespace
 *   /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods[/<name>]
 *
 * GET only (get and list), labelSelector on lists (fieldSelector too for
 * pods).  The figures come from each Node's cubelet, GET /stats/summary at
 * its InternalIP and kubelet port (api_node_kubelet_endpoint, as pod logs
 * find it), all nodes at once on a few threads, and are kept for CACHE_S
 * seconds (metrics-server's resolution is 15 s), so `top` is cheap: a
 * request inside that time is answered from memory.  A cubelet on a
 * loopback InternalIP other than 127.0.0.1 (the nodes of a hollow fleet
 * share one cubelet process on 127.0.0.1) is asked at 127.0.0.1 with the
 * node's address in the Host header, which is how that cubelet tells its
 * nodes apart.
 *
 * As metrics-server: usage.cpu is usageNanoCores as a DecimalSI quantity
 * ("1234567n", "5m"), usage.memory workingSetBytes as a BinarySI one
 * ("1234Ki"); the timestamp is the cubelet's sample time and the window the
 * cubelet's sampling period; a node or pod with a figure missing (a
 * container not sampled twice yet) is absent; objects carry the labels of
 * the Node or Pod, whose current list (from the watch cache, with the
 * request's selectors) decides what is listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiserver.h"
#include "cleanup.h"
#include "http.h"
#include "log.h"
#include "obj.h"
#include "quantity.h"
#include "strmap.h"

#define GROUP "metrics.k8s.io"
#define VERSION "v1beta1"
#define GV GROUP "/" VERSION
#define CACHE_S 10
#define WINDOW "10s" /* the cubelet's sampling period (kubelet/stats.c) */
#define FETCH_THREADS 8

typedef struct metricsapi {
	pthread_mutex_t mu;
	int64_t fetched_ms; /* monotonic; 0: never */
	cube_strmap *nodes; /* node name -> NodeMetrics (cJSON*) */
	cube_strmap *pods;  /* "ns/name/uid" -> PodMetrics (cJSON*) */
} metricsapi;

/* ---- pure parts ---- */

void metricsapi_cpu(int64_t nano_cores, char *buf, size_t size)
{
	cube_quantity q = {.nano = nano_cores, .format = CUBE_QTY_DECIMAL_SI};
	if (cube_quantity_format(&q, buf, size) < 0 && size)
		buf[0] = '\0';
}

void metricsapi_memory(int64_t bytes, char *buf, size_t size)
{
	cube_quantity q = cube_quantity_from_value(bytes, CUBE_QTY_BINARY_SI);
	if (cube_quantity_format(&q, buf, size) < 0 && size)
		buf[0] = '\0';
}

/* usage {cpu, memory} of a summary's stats object; NULL if a figure is missing. */
static cJSON *usage_of(const cJSON *stats)
{
	const cJSON *nc = cube_json_path(stats, "cpu.usageNanoCores");
	const cJSON *ws = cube_json_path(stats, "memory.workingSetBytes");
	if (!cJSON_IsNumber(nc) || !cJSON_IsNumber(ws) || nc->valuedouble < 0 ||
	    ws->valuedouble < 0)
		return NULL;
	char cpu[CUBE_QTY_STR_MAX], mem[CUBE_QTY_STR_MAX];
	metricsapi_cpu((int64_t)nc->valuedouble, cpu, sizeof(cpu));
	metricsapi_memory((int64_t)ws->valuedouble, mem, sizeof(mem));
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "cpu", cpu);
	cJSON_AddStringToObject(u, "memory", mem);
	return u;
}

static cJSON *metrics_obj(const char *kind, const char *name, const char *ns, const char *ts)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddStringToObject(o, "apiVersion", GV);
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	if (ns)
		cJSON_AddStringToObject(md, "namespace", ns);
	cJSON_AddStringToObject(o, "timestamp", ts ? ts : "");
	cJSON_AddStringToObject(o, "window", WINDOW);
	return o;
}

cJSON *metricsapi_node_metrics(const cJSON *summary)
{
	const cJSON *node = cJSON_GetObjectItemCaseSensitive(summary, "node");
	const char *name = cube_json_str(node, "nodeName");
	cJSON *u = usage_of(node);
	if (!name || !u) {
		cJSON_Delete(u);
		return NULL;
	}
	cJSON *o = metrics_obj("NodeMetrics", name, NULL, cube_json_str(node, "cpu.time"));
	cJSON_AddItemToObject(o, "usage", u);
	return o;
}

cJSON *metricsapi_pod_metrics(const cJSON *pod_stats)
{
	const char *name = cube_json_str(pod_stats, "podRef.name");
	const char *ns = cube_json_str(pod_stats, "podRef.namespace");
	const cJSON *ctrs = cJSON_GetObjectItemCaseSensitive(pod_stats, "containers");
	if (!name || !ns || !cJSON_GetArraySize(ctrs))
		return NULL;
	cJSON *o = metrics_obj("PodMetrics", name, ns, cube_json_str(pod_stats, "cpu.time"));
	cJSON *out = cJSON_AddArrayToObject(o, "containers");
	const cJSON *c;
	cJSON_ArrayForEach (c, ctrs) {
		const char *cn = cube_json_str(c, "name");
		cJSON *u = usage_of(c);
		if (!cn || !u) {
			cJSON_Delete(u);
			cJSON_Delete(o);
			return NULL;
		}
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", cn);
		cJSON_AddItemToObject(e, "usage", u);
		cJSON_AddItemToArray(out, e);
	}
	return o;
}

/* ---- discovery ---- */

static cJSON *verbs(void)
{
	cJSON *a = cJSON_CreateArray();
	cJSON_AddItemToArray(a, cJSON_CreateString("get"));
	cJSON_AddItemToArray(a, cJSON_CreateString("list"));
	return a;
}

static const struct {
	const char *plural, *kind;
	bool namespaced;
} kinds[] = {{"nodes", "NodeMetrics", false}, {"pods", "PodMetrics", true}};

cJSON *metricsapi_group(bool aggregated)
{
	cJSON *g = cJSON_CreateObject();
	if (!aggregated) {
		cJSON_AddStringToObject(g, "name", GROUP);
		cJSON *vs = cJSON_AddArrayToObject(g, "versions");
		cJSON *v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "groupVersion", GV);
		cJSON_AddStringToObject(v, "version", VERSION);
		cJSON_AddItemToArray(vs, v);
		cJSON *pv = cJSON_AddObjectToObject(g, "preferredVersion");
		cJSON_AddStringToObject(pv, "groupVersion", GV);
		cJSON_AddStringToObject(pv, "version", VERSION);
		return g;
	}
	cJSON *md = cJSON_AddObjectToObject(g, "metadata");
	cJSON_AddStringToObject(md, "name", GROUP);
	cJSON_AddNullToObject(md, "creationTimestamp");
	cJSON *vs = cJSON_AddArrayToObject(g, "versions");
	cJSON *v = cJSON_CreateObject();
	cJSON_AddItemToArray(vs, v);
	cJSON_AddStringToObject(v, "version", VERSION);
	cJSON *res = cJSON_AddArrayToObject(v, "resources");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "resource", kinds[i].plural);
		cJSON *rk = cJSON_AddObjectToObject(e, "responseKind");
		cJSON_AddStringToObject(rk, "group", "");
		cJSON_AddStringToObject(rk, "version", "");
		cJSON_AddStringToObject(rk, "kind", kinds[i].kind);
		cJSON_AddStringToObject(e, "scope", kinds[i].namespaced ? "Namespaced" : "Cluster");
		cJSON_AddStringToObject(e, "singularResource", "");
		cJSON_AddItemToObject(e, "verbs", verbs());
		cJSON_AddItemToArray(res, e);
	}
	cJSON_AddStringToObject(v, "freshness", "Current");
	return g;
}

static void serve_resource_list(cube_httpd_req *h)
{
	cube_autojson cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "APIResourceList");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "groupVersion", GV);
	cJSON *res = cJSON_AddArrayToObject(o, "resources");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", kinds[i].plural);
		cJSON_AddStringToObject(e, "singularName", "");
		cJSON_AddBoolToObject(e, "namespaced", kinds[i].namespaced);
		cJSON_AddStringToObject(e, "kind", kinds[i].kind);
		cJSON_AddItemToObject(e, "verbs", verbs());
		cJSON_AddItemToArray(res, e);
	}
	cube_httpd_respond_json(h, 200, o);
}

/* ---- the cache ---- */

metricsapi *metricsapi_new(void)
{
	metricsapi *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->nodes = cube_strmap_new();
	m->pods = cube_strmap_new();
	if (!m->nodes || !m->pods) {
		cube_strmap_free(m->nodes);
		cube_strmap_free(m->pods);
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

static int delete_value(void *ud, const char *key, void *value)
{
	(void)ud;
	(void)key;
	cJSON_Delete(value);
	return 0;
}

/* Frees map and its objects; returns a new empty one (NULL if out of memory). */
static cube_strmap *renew(cube_strmap *map)
{
	cube_strmap_each(map, delete_value, NULL);
	cube_strmap_free(map);
	return cube_strmap_new();
}

void metricsapi_free(metricsapi *m)
{
	if (!m)
		return;
	cube_strmap_each(m->nodes, delete_value, NULL);
	cube_strmap_each(m->pods, delete_value, NULL);
	cube_strmap_free(m->nodes);
	cube_strmap_free(m->pods);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

typedef struct fetch_job {
	char node[256];
	char url[600];
	char host[128]; /* "Host: ..." or "" */
	cJSON *summary; /* the answer, or NULL */
} fetch_job;

typedef struct fetch_pool {
	fetch_job *jobs;
	size_t n;
	atomic_size_t next;
} fetch_pool;

static void *fetch_main(void *arg)
{
	fetch_pool *p = arg;
	cube_http *h = cube_http_new(NULL);
	size_t i;
	while (h && (i = atomic_fetch_add(&p->next, 1)) < p->n) {
		fetch_job *j = &p->jobs[i];
		const char *hdrs[] = {j->host, NULL};
		cube_http_req req = {.url = j->url,
				     .headers = j->host[0] ? hdrs : NULL,
				     .timeout_ms = 5000,
				     .connect_timeout_ms = 1000};
		cube_http_resp resp = {0};
		cube_err err = CUBE_ERR_INIT;
		if (cube_http_do(h, &req, &resp, &err) < 0)
			cube_log_debug("metrics: node %s: %s", j->node, err.msg);
		else if (resp.status != 200)
			cube_log_debug("metrics: node %s: HTTP %ld", j->node, resp.status);
		else
			j->summary = cube_json_parse(resp.body, resp.len, NULL);
		cube_http_resp_clear(&resp);
	}
	cube_http_free(h);
	return NULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asks every node's cubelet (under m->mu). */
static void refresh(apiserver *s, metricsapi *m)
{
	const api_resource *nodes_res = api_resource_find("", "v1", "nodes");
	wc_obj **objs = NULL;
	size_t n = 0;
	int64_t rv;
	wc_filter all = {0};
	cube_err err = CUBE_ERR_INIT;
	if (!m->nodes || !m->pods ||
	    watchcache_list(s->wc, nodes_res, &all, &objs, &n, &rv, &err) < 0)
		return;
	fetch_pool p = {.jobs = calloc(n ? n : 1, sizeof(fetch_job))};
	for (size_t i = 0; p.jobs && i < n; i++) {
		char ip[64];
		int port;
		if (!api_node_kubelet_endpoint(objs[i]->json, ip, sizeof(ip), &port))
			continue;
		fetch_job *j = &p.jobs[p.n++];
		snprintf(j->node, sizeof(j->node), "%s", cube_obj_name(objs[i]->json));
		bool other_loopback = !strncmp(ip, "127.", 4) && strcmp(ip, "127.0.0.1");
		snprintf(j->url, sizeof(j->url), "http://%s:%d/stats/summary",
			 other_loopback ? "127.0.0.1" : ip, port);
		if (other_loopback)
			snprintf(j->host, sizeof(j->host), "Host: %s:%d", ip, port);
	}
	for (size_t i = 0; i < n; i++)
		wc_obj_unref(objs[i]);
	free(objs);
	pthread_t th[FETCH_THREADS];
	size_t started = 0;
	for (; started < FETCH_THREADS && started < p.n; started++)
		if (pthread_create(&th[started], NULL, fetch_main, &p) != 0)
			break;
	if (!started && p.n)
		fetch_main(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	m->nodes = renew(m->nodes);
	m->pods = renew(m->pods);
	for (size_t i = 0; i < p.n; i++) {
		cJSON *sum = p.jobs[i].summary;
		if (!sum)
			continue;
		cJSON *nm = metricsapi_node_metrics(sum);
		void *old = NULL;
		if (nm && cube_strmap_put(m->nodes, cube_obj_name(nm), nm, &old) < 0)
			cJSON_Delete(nm);
		cJSON_Delete(old);
		const cJSON *ps;
		cJSON_ArrayForEach (ps, cJSON_GetObjectItemCaseSensitive(sum, "pods")) {
			cJSON *pm = metricsapi_pod_metrics(ps);
			if (!pm)
				continue;
			char key[800];
			snprintf(key, sizeof(key), "%s/%s/%s", cube_obj_namespace(pm),
				 cube_obj_name(pm),
				 cube_json_str(ps, "podRef.uid") ? cube_json_str(ps, "podRef.uid")
								 : "");
			old = NULL;
			if (cube_strmap_put(m->pods, key, pm, &old) < 0)
				cJSON_Delete(pm);
			cJSON_Delete(old);
		}
		cJSON_Delete(sum);
	}
	free(p.jobs);
	m->fetched_ms = mono_ms();
}

/* ---- serving ---- */

/* The metrics of one Node or Pod object (a new object with its labels and
 * a creationTimestamp), or NULL if none. */
static cJSON *metrics_for(metricsapi *m, const cJSON *obj, bool pod, const char *now)
{
	const cJSON *cached;
	if (pod) {
		char key[800];
		snprintf(key, sizeof(key), "%s/%s/%s", cube_obj_namespace(obj), cube_obj_name(obj),
			 cube_obj_uid(obj) ? cube_obj_uid(obj) : "");
		cached = cube_strmap_get(m->pods, key);
	} else {
		cached = cube_strmap_get(m->nodes, cube_obj_name(obj));
	}
	if (!cached)
		return NULL;
	cJSON *o = cJSON_Duplicate(cached, true);
	cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	cJSON_AddStringToObject(md, "creationTimestamp", now);
	const cJSON *labels = cube_json_path(obj, "metadata.labels");
	if (cJSON_IsObject(labels))
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(labels, true));
	return o;
}

static void serve_metrics(apiserver *s, cube_httpd_req *h, bool pod, const char *ns,
			  const char *name)
{
	const char *plural = pod ? "pods" : "nodes";
	const api_resource *res = api_resource_find("", "v1", plural);
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *ls = NULL;
	cube_fieldsel *fs = NULL;
	const char *l = cube_httpd_query(h, "labelSelector");
	const char *f = cube_httpd_query(h, "fieldSelector");
	if (l && l[0] && !(ls = cube_labelsel_parse(l, &err))) {
		cube_httpd_respond_status(h, 400, "BadRequest", NULL,
					  "unable to parse requirement: %s", err.msg);
		return;
	}
	if (f && f[0]) {
		fs = cube_fieldsel_parse(f, &err);
		for (size_t i = 0; fs && i < cube_fieldsel_count(fs); i++) {
			const char *field = cube_fieldsel_field(fs, i);
			if (!api_resource_field_ok(res, field)) {
				cube_err_set(&err, CUBE_EINVAL, "field label not supported: %s",
					     field);
				cube_fieldsel_free(fs);
				fs = NULL;
			}
		}
		if (!fs) {
			cube_labelsel_free(ls);
			cube_httpd_respond_status(h, 400, "BadRequest", NULL, "%s", err.msg);
			return;
		}
	}
	metricsapi *m = s->metrics_api;
	pthread_mutex_lock(&m->mu);
	if (!m->fetched_ms || mono_ms() - m->fetched_ms >= CACHE_S * 1000)
		refresh(s, m);
	if (!m->nodes || !m->pods) {
		pthread_mutex_unlock(&m->mu);
		cube_labelsel_free(ls);
		cube_fieldsel_free(fs);
		cube_httpd_respond_status(h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	char now[40];
	api_now_rfc3339(now, sizeof(now), 0);
	wc_filter filter = {.ns = ns, .name = name, .ls = ls, .fs = fs};
	wc_obj **objs = NULL;
	size_t n = 0;
	int64_t rv;
	cJSON *items = cJSON_CreateArray();
	if (watchcache_list(s->wc, res, &filter, &objs, &n, &rv, &err) == 0) {
		for (size_t i = 0; i < n; i++) {
			cJSON *o = metrics_for(m, objs[i]->json, pod, now);
			if (o)
				cJSON_AddItemToArray(items, o);
			wc_obj_unref(objs[i]);
		}
		free(objs);
	}
	pthread_mutex_unlock(&m->mu);
	cube_labelsel_free(ls);
	cube_fieldsel_free(fs);
	if (err.code) {
		cJSON_Delete(items);
		cube_httpd_respond_status(h, 503, "ServiceUnavailable", NULL, "%s", err.msg);
		return;
	}
	if (name) {
		cJSON *one = cJSON_DetachItemFromArray(items, 0);
		cJSON_Delete(items);
		if (!one) {
			char what[600];
			if (pod)
				snprintf(what, sizeof(what), "%s/%s", ns ? ns : "", name);
			else
				snprintf(what, sizeof(what), "%s", name);
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "name", what);
			cJSON_AddStringToObject(d, "group", GROUP);
			cJSON_AddStringToObject(d, "kind", plural);
			cube_httpd_respond_status(h, 404, "NotFound", d,
						  "%s." GROUP " \"%s\" not found", plural, what);
			return;
		}
		cube_httpd_respond_json(h, 200, one);
		cJSON_Delete(one);
		return;
	}
	cube_autojson cJSON *list = cJSON_CreateObject();
	cJSON_AddStringToObject(list, "kind", pod ? "PodMetricsList" : "NodeMetricsList");
	cJSON_AddStringToObject(list, "apiVersion", GV);
	cJSON_AddObjectToObject(list, "metadata");
	cJSON_AddItemToObject(list, "items", items);
	cube_httpd_respond_json(h, 200, list);
}

/* Copies segment i of path (after "/apis/metrics.k8s.io/v1beta1/") into buf. */
static bool segment(const char *const *segs, size_t n, size_t i, char *buf, size_t size)
{
	if (i >= n || !segs[i][0] || strlen(segs[i]) >= size)
		return false;
	snprintf(buf, size, "%s", segs[i]);
	return true;
}

bool metricsapi_serve(apiserver *s, cube_httpd_req *h, const char *path)
{
	static const char group_path[] = "/apis/" GROUP;
	static const char gv_path[] = "/apis/" GV;
	if (!s->metrics_api || strncmp(path, group_path, sizeof(group_path) - 1) ||
	    (path[sizeof(group_path) - 1] && path[sizeof(group_path) - 1] != '/'))
		return false;
	if (strcmp(cube_httpd_method(h), "GET")) {
		cube_httpd_respond_status(
			h, 405, "MethodNotAllowed", NULL,
			"the server does not allow this method on the requested resource");
		return true;
	}
	if (!strcmp(path, group_path) || !strcmp(path + sizeof(group_path) - 1, "/")) {
		cube_autojson cJSON *g = metricsapi_group(false);
		cJSON_AddStringToObject(g, "kind", "APIGroup");
		cJSON_AddStringToObject(g, "apiVersion", "v1");
		cube_httpd_respond_json(h, 200, g);
		return true;
	}
	if (strncmp(path, gv_path, sizeof(gv_path) - 1) ||
	    (path[sizeof(gv_path) - 1] && path[sizeof(gv_path) - 1] != '/')) {
		cube_httpd_respond_status(h, 404, "NotFound", NULL,
					  "the server could not find "
					  "the requested resource");
		return true;
	}
	/* split the rest into segments */
	char rest[1024];
	snprintf(rest, sizeof(rest), "%s", path + sizeof(gv_path) - 1);
	const char *segs[8];
	size_t n = 0;
	for (char *tok = strtok(rest, "/"); tok && n < 8; tok = strtok(NULL, "/"))
		segs[n++] = tok;
	char ns[256] = "", name[256] = "", plural[32] = "";
	size_t i = 0;
	if (n >= 2 && !strcmp(segs[0], "namespaces")) {
		if (!segment(segs, n, 1, ns, sizeof(ns)))
			n = 99;
		i = 2;
	}
	bool ok = n < 8 && segment(segs, n, i, plural, sizeof(plural)) &&
		  (n == i + 1 || (n == i + 2 && segment(segs, n, i + 1, name, sizeof(name))));
	if (n == 0) {
		serve_resource_list(h);
	} else if (ok && !strcmp(plural, "nodes") && !ns[0]) {
		serve_metrics(s, h, false, NULL, name[0] ? name : NULL);
	} else if (ok && !strcmp(plural, "pods") && (ns[0] || !name[0])) {
		serve_metrics(s, h, true, ns[0] ? ns : NULL, name[0] ? name : NULL);
	} else {
		cube_httpd_respond_status(h, 404, "NotFound", NULL,
					  "the server could not find "
					  "the requested resource");
	}
	return true;
}
