/* test_api_rest.c - cube-apiserver's REST verbs, spoken over HTTP to the real
 * server process on a real etcd.
 *
 * main() starts one etcd + cube-apiserver for the whole file and exports its
 * URL as CUBE_TEST_API_URL.  Every test works in a namespace of its own, and
 * gives cluster-scoped objects names of its own, so that tests may run in
 * parallel (--jobs 2) without seeing each other.  The codes, Status reasons
 * and messages expected are those of Kubernetes v1.32 (kube-apiserver and
 * apimachinery), which kubectl and the client libraries print or parse.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apiserver_harness.h"
#include "cleanup.h"
#include "http.h"
#include "obj.h"

/* ---- plumbing ----------------------------------------------------------------------- */

static const char *api_url(void)
{
	const char *u = getenv("CUBE_TEST_API_URL");
	cr_assert(u && u[0], "CUBE_TEST_API_URL not set: main() did not start the API server");
	return u;
}

/* One HTTP answer: status, body (NUL-terminated), Content-Type, and the body
 * parsed as JSON (NULL when it is not JSON). */
typedef struct reply {
	long code;
	char *body;
	size_t len;
	char *ctype;
	cJSON *json;
} reply;

static void reply_free(reply *r)
{
	free(r->body);
	free(r->ctype);
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}

static reply vrequest(const char *method, const char *const *headers, const char *body,
		      size_t body_len, const char *fmt, va_list ap)
{
	char path[8192], url[8400];
	vsnprintf(path, sizeof(path), fmt, ap);
	snprintf(url, sizeof(url), "%s%s", api_url(), path);
	const char *hdrs[8];
	size_t n = 0;
	bool accept = false;
	for (const char *const *h = headers; h && *h; h++)
		accept |= !strncasecmp(*h, "Accept:", 7);
	if (!accept)
		hdrs[n++] = "Accept: application/json";
	if (body && !headers)
		hdrs[n++] = "Content-Type: application/json";
	for (const char *const *h = headers; h && *h && n < 7; h++)
		hdrs[n++] = *h;
	hdrs[n] = NULL;
	cube_http *h = cube_http_new(NULL);
	cr_assert_not_null(h);
	cube_http_req req = {.method = method,
			     .url = url,
			     .headers = hdrs,
			     .body = body,
			     .body_len = body ? body_len : 0,
			     .timeout_ms = 30000};
	cube_http_resp resp;
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_http_do(h, &req, &resp, &err);
	cube_http_free(h);
	if (rc < 0)
		cube_http_resp_clear(&resp);
	cr_assert_eq(rc, 0, "%s %s: no answer: %s", method, path, err.msg);
	reply r = {.code = resp.status,
		   .body = resp.body ? resp.body : strdup(""),
		   .len = resp.len,
		   .ctype = resp.content_type};
	resp.body = NULL;
	resp.content_type = NULL;
	cube_http_resp_clear(&resp);
	r.json = cube_json_parse(r.body, r.len, NULL);
	return r;
}

/* A request with an optional JSON body; the path is a printf format. */
__attribute__((format(printf, 3, 4))) static reply req(const char *method, const char *body,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply r = vrequest(method, NULL, body, body ? strlen(body) : 0, fmt, ap);
	va_end(ap);
	return r;
}

/* The same with extra request headers (then no default Content-Type). */
__attribute__((format(printf, 4, 5))) static reply
reqh(const char *method, const char *const *headers, const char *body, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply r = vrequest(method, headers, body, body ? strlen(body) : 0, fmt, ap);
	va_end(ap);
	return r;
}

/* A string at a dotted path, "<none>" when absent (safe in assertions). */
static const char *js(const cJSON *j, const char *path)
{
	const char *s = j ? cube_json_str(j, path) : NULL;
	return s ? s : "<none>";
}

static int64_t ji(const cJSON *j, const char *path)
{
	return j ? cube_json_int(j, path, -1) : -1;
}

static int64_t rv_of(const cJSON *o, const char *path)
{
	const char *s = cube_json_str(o, path);
	cr_assert_not_null(s, "no %s", path);
	char *end;
	long long v = strtoll(s, &end, 10);
	cr_assert(s[0] && !*end && v > 0, "%s is not a positive integer: \"%s\"", path, s);
	return v;
}

/* The caller's line, for failures inside the helpers below. */
static int at_line;

/* Asserts a Kubernetes Status failure: code, reason and (unless NULL) the exact message. */
static void expect_status_at(const reply *r, long code, const char *reason, const char *message)
{
	cr_assert_eq(r->code, code, "line %d: HTTP %ld, want %ld: %s", at_line, r->code, code,
		     r->body);
	cr_assert_not_null(r->json, "line %d: the answer is not JSON: %s", at_line, r->body);
	cr_assert_str_eq(js(r->json, "kind"), "Status", "line %d: %s", at_line, r->body);
	cr_assert_str_eq(js(r->json, "apiVersion"), "v1", "line %d: %s", at_line, r->body);
	cr_assert_str_eq(js(r->json, "status"), "Failure", "line %d: %s", at_line, r->body);
	cr_assert_str_eq(js(r->json, "reason"), reason, "line %d: %s", at_line, r->body);
	cr_assert_eq(ji(r->json, "code"), code, "line %d: %s", at_line, r->body);
	if (message)
		cr_assert_str_eq(js(r->json, "message"), message,
				 "line %d: message\n  got:  %s\n  want: %s", at_line,
				 js(r->json, "message"), message);
}
#define expect_status(r, code, reason, message) \
	(at_line = __LINE__, expect_status_at((r), (code), (reason), (message)))

static void expect_code_at(const reply *r, long code)
{
	cr_assert_eq(r->code, code, "line %d: HTTP %ld, want %ld: %s", at_line, r->code, code,
		     r->body);
	cr_assert_not_null(r->json, "line %d: the answer is not JSON: %s", at_line, r->body);
}
#define expect_code(r, code) (at_line = __LINE__, expect_code_at((r), (code)))

/* URL-escapes a query value (selectors hold spaces, '!', '(', ','...). Returns a static buffer. */
static const char *qesc(const char *s)
{
	static char out[2048];
	size_t o = 0;
	for (; *s && o + 4 < sizeof(out); s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%%%02X", c);
	}
	out[o] = '\0';
	return out;
}

static void make_ns(const char *ns)
{
	char body[512];
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}",
		 ns);
	reply r = req("POST", body, "/api/v1/namespaces");
	cr_assert_eq(r.code, 201, "creating namespace %s: HTTP %ld: %s", ns, r.code, r.body);
	reply_free(&r);
}

static void pod_body(char *buf, size_t size, const char *name, const char *labels,
		     const char *spec_extra)
{
	snprintf(buf, size,
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"labels\":"
		 "{%s}},"
		 "\"spec\":{%s\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		 name, labels ? labels : "", spec_extra ? spec_extra : "");
}

/* Creates a pod (asserting 201) and returns the answer's object (caller deletes). */
static cJSON *create_pod(const char *ns, const char *name, const char *labels,
			 const char *spec_extra)
{
	char body[2048];
	pod_body(body, sizeof(body), name, labels, spec_extra);
	reply r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	cr_assert_eq(r.code, 201, "creating pod %s/%s: HTTP %ld: %s", ns, name, r.code, r.body);
	cJSON *o = CUBE_STEAL(r.json);
	reply_free(&r);
	return o;
}

static void deploy_body(char *buf, size_t size, const char *name, int replicas)
{
	snprintf(
		buf, size,
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\","
		"\"labels\":{\"app\":\"%s\"}},\"spec\":{\"replicas\":%d,\"selector\":{"
		"\"matchLabels\":"
		"{\"app\":\"%s\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},"
		"\"spec\":"
		"{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}",
		name, name, replicas, name, name);
}

/* PUTs a JSON tree; returns the reply. */
static reply put_obj(const cJSON *o, const char *path)
{
	cube_autofree char *text = cJSON_PrintUnformatted(o);
	cr_assert_not_null(text);
	return req("PUT", text, "%s", path);
}

/* Replaces metadata.labels of o with {key: value}. */
static void set_label(cJSON *o, const char *key, const char *value)
{
	cJSON *md = cube_json_ensure_obj(o, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "labels");
	cJSON *l = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(l, key, value);
}

static void set_meta_rv(cJSON *o, const char *rv)
{
	cJSON *md = cube_json_ensure_obj(o, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	if (rv)
		cJSON_AddStringToObject(md, "resourceVersion", rv);
}

/* "a,b,c": the item names of a list, in order (malloc'd). */
static char *names_of(const cJSON *list)
{
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
	cr_assert(cJSON_IsArray(items), "the list has no items array");
	size_t cap = 16, len = 0;
	char *out = calloc(1, cap);
	const cJSON *it;
	cJSON_ArrayForEach (it, items) {
		const char *n = js(it, "metadata.name");
		size_t need = len + strlen(n) + 2;
		if (need > cap) {
			while (cap < need)
				cap *= 2;
			out = realloc(out, cap);
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "", n);
	}
	return out;
}

/* Lists `path` (a format) and compares the item names with `want`. */
__attribute__((format(printf, 2, 3))) static void expect_names_at(const char *want, const char *fmt,
								  ...)
{
	int line = at_line;
	va_list ap;
	va_start(ap, fmt);
	reply r = vrequest("GET", NULL, NULL, 0, fmt, ap);
	va_end(ap);
	at_line = line;
	expect_code_at(&r, 200);
	cube_autofree char *got = names_of(r.json);
	cr_assert_str_eq(got, want, "line %d: got [%s], want [%s]: %s", line, got, want, r.body);
	reply_free(&r);
}
#define expect_names(...) (at_line = __LINE__, expect_names_at(__VA_ARGS__))

static bool is_rfc3339(const char *s)
{
	/* 2025-01-01T00:00:00Z */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

static time_t parse_rfc3339(const char *s)
{
	struct tm tm = {0};
	cr_assert(is_rfc3339(s), "not RFC 3339: %s", s);
	sscanf(s, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	       &tm.tm_min, &tm.tm_sec);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static bool is_uid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* What every created object carries. */
static void expect_new_object(const cJSON *o, const char *kind, const char *api_version,
			      const char *name)
{
	cr_assert_str_eq(js(o, "kind"), kind);
	cr_assert_str_eq(js(o, "apiVersion"), api_version);
	cr_assert_str_eq(js(o, "metadata.name"), name);
	cr_assert(is_uid(js(o, "metadata.uid")), "uid: %s", js(o, "metadata.uid"));
	cr_assert(is_rfc3339(js(o, "metadata.creationTimestamp")), "creationTimestamp: %s",
		  js(o, "metadata.creationTimestamp"));
	time_t ct = parse_rfc3339(js(o, "metadata.creationTimestamp"));
	time_t now = time(NULL);
	cr_assert(ct >= now - 60 && ct <= now + 60, "creationTimestamp %s is not now",
		  js(o, "metadata.creationTimestamp"));
	rv_of(o, "metadata.resourceVersion");
}

/* ---- bootstrap ------------------------------------------------------------------------------ */

Test(bootstrap, default_namespaces_exist)
{
	static const char *const names[] = {"default", "kube-system", "kube-public"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(names); i++) {
		reply r = req("GET", NULL, "/api/v1/namespaces/%s", names[i]);
		expect_code(&r, 200);
		cr_assert_str_eq(js(r.json, "kind"), "Namespace");
		cr_assert_str_eq(js(r.json, "apiVersion"), "v1");
		cr_assert_str_eq(js(r.json, "metadata.name"), names[i]);
		cr_assert_str_eq(js(r.json, "status.phase"), "Active", "%s", r.body);
		cr_assert(is_uid(js(r.json, "metadata.uid")), "%s", r.body);
		reply_free(&r);
	}
	reply r = req("GET", NULL, "/api/v1/namespaces?fieldSelector=%s",
		      qesc("metadata.name=kube-public"));
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "NamespaceList");
	cube_autofree char *got = names_of(r.json);
	cr_assert_str_eq(got, "kube-public");
	reply_free(&r);
}

/* ---- pods: every verb ---------------------------------------------------------------------- */

Test(pods, create_get_list_update_delete)
{
	const char *ns = "rest-pods";
	make_ns(ns);

	/* An empty list still has items, its kind and a resourceVersion. */
	reply r = req("GET", NULL, "/api/v1/namespaces/%s/pods", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "PodList");
	cr_assert_str_eq(js(r.json, "apiVersion"), "v1");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
	cr_assert(cJSON_IsArray(items) && cJSON_GetArraySize(items) == 0, "%s", r.body);
	int64_t empty_rv = rv_of(r.json, "metadata.resourceVersion");
	reply_free(&r);

	char body[2048];
	pod_body(body, sizeof(body), "web", "\"app\":\"web\"", NULL);
	r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	expect_code(&r, 201);
	expect_new_object(r.json, "Pod", "v1", "web");
	cr_assert_str_eq(js(r.json, "metadata.namespace"), ns);
	cr_assert_str_eq(js(r.json, "status.phase"), "Pending", "%s", r.body);
	char uid[64], ctime_s[32];
	snprintf(uid, sizeof(uid), "%s", js(r.json, "metadata.uid"));
	snprintf(ctime_s, sizeof(ctime_s), "%s", js(r.json, "metadata.creationTimestamp"));
	int64_t rv1 = rv_of(r.json, "metadata.resourceVersion");
	cr_assert_gt(rv1, empty_rv);
	reply_free(&r);

	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/web", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Pod");
	cr_assert_str_eq(js(r.json, "apiVersion"), "v1");
	cr_assert_str_eq(js(r.json, "metadata.uid"), uid);
	cr_assert_eq(rv_of(r.json, "metadata.resourceVersion"), rv1);
	cube_autojson cJSON *pod = CUBE_STEAL(r.json);
	reply_free(&r);

	r = req("GET", NULL, "/api/v1/namespaces/%s/pods", ns);
	expect_code(&r, 200);
	cube_autofree char *names = names_of(r.json);
	cr_assert_str_eq(names, "web");
	cr_assert_geq(rv_of(r.json, "metadata.resourceVersion"), rv1);
	reply_free(&r);

	/* All namespaces: the pod is there, with its namespace. */
	r = req("GET", NULL, "/api/v1/pods");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "PodList");
	rv_of(r.json, "metadata.resourceVersion");
	bool found = false;
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(r.json, "items"))
		found |= !strcmp(js(it, "metadata.namespace"), ns) &&
			 !strcmp(js(it, "metadata.name"), "web");
	cr_assert(found, "/api/v1/pods lacks %s/web: %s", ns, r.body);
	reply_free(&r);

	/* PUT at the current resourceVersion: a new one, identity kept even if the body lies. */
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/web", ns);
	set_label(pod, "app", "web2");
	cube_obj_set_meta_str(pod, "uid", "00000000-0000-4000-8000-000000000000");
	cube_obj_set_meta_str(pod, "creationTimestamp", "2001-01-01T00:00:00Z");
	r = put_obj(pod, path);
	cr_assert_eq(r.code, 409, "a PUT with a different uid must be refused: %ld %s", r.code,
		     r.body);
	reply_free(&r);
	cube_obj_set_meta_str(pod, "uid", uid);
	r = put_obj(pod, path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Pod");
	cr_assert_str_eq(js(r.json, "metadata.labels.app"), "web2");
	cr_assert_str_eq(js(r.json, "metadata.uid"), uid);
	cr_assert_str_eq(js(r.json, "metadata.creationTimestamp"), ctime_s);
	int64_t rv2 = rv_of(r.json, "metadata.resourceVersion");
	cr_assert_gt(rv2, rv1);
	reply_free(&r);

	/* PUT with the old resourceVersion: 409 Conflict, Kubernetes' words. */
	set_label(pod, "app", "stale");
	r = put_obj(pod, path);
	expect_status(&r, 409, "Conflict",
		      "Operation cannot be fulfilled on pods \"web\": the object has been "
		      "modified; please "
		      "apply your changes to the latest version and try again");
	cr_assert_str_eq(js(r.json, "details.name"), "web");
	cr_assert_str_eq(js(r.json, "details.kind"), "pods");
	reply_free(&r);

	/* PUT without resourceVersion: unconditional, allowed for pods. */
	set_meta_rv(pod, NULL);
	set_label(pod, "app", "web3");
	r = put_obj(pod, path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.labels.app"), "web3");
	int64_t rv3 = rv_of(r.json, "metadata.resourceVersion");
	cr_assert_gt(rv3, rv2);
	reply_free(&r);

	r = req("GET", NULL, "%s", path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.labels.app"), "web3");
	cr_assert_eq(rv_of(r.json, "metadata.resourceVersion"), rv3);
	reply_free(&r);

	/* DELETE of an unbound pod: answered with the pod, gone at once. */
	r = req("DELETE", NULL, "%s", path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Pod", "%s", r.body);
	cr_assert_str_eq(js(r.json, "metadata.name"), "web");
	reply_free(&r);
	r = req("GET", NULL, "%s", path);
	expect_status(&r, 404, "NotFound", "pods \"web\" not found");
	cr_assert_str_eq(js(r.json, "details.name"), "web");
	cr_assert_str_eq(js(r.json, "details.kind"), "pods");
	reply_free(&r);
	r = req("DELETE", NULL, "%s", path);
	expect_status(&r, 404, "NotFound", "pods \"web\" not found");
	reply_free(&r);
	r = put_obj(pod, path);
	expect_status(&r, 404, "NotFound", "pods \"web\" not found");
	reply_free(&r);
}

Test(pods, status_only_through_status_subresource)
{
	const char *ns = "rest-pod-status";
	make_ns(ns);
	cube_autojson cJSON *pod = create_pod(ns, "p", "\"app\":\"p\"", NULL);
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/p", ns);

	/* A create's status is the server's: Pending, whatever the body said. */
	cr_assert_str_eq(js(pod, "status.phase"), "Pending");

	/* PUT of the main resource ignores status. */
	cJSON *st = cube_json_ensure_obj(pod, "status");
	cube_json_set_str(st, "phase", "Running");
	set_label(pod, "app", "p2");
	reply r = put_obj(pod, path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "status.phase"), "Pending", "%s", r.body);
	cr_assert_str_eq(js(r.json, "metadata.labels.app"), "p2");
	cJSON_Delete(pod);
	pod = CUBE_STEAL(r.json);
	reply_free(&r);

	/* PUT of /status changes status, and only status (not the spec). */
	st = cube_json_ensure_obj(pod, "status");
	cube_json_set_str(st, "phase", "Running");
	cJSON *spec = cube_json_ensure_obj(pod, "spec");
	cube_json_set_str(spec, "nodeName", "sneaky");
	char spath[300];
	snprintf(spath, sizeof(spath), "%s/status", path);
	r = put_obj(pod, spath);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Pod");
	cr_assert_str_eq(js(r.json, "status.phase"), "Running", "%s", r.body);
	cr_assert_str_eq(js(r.json, "spec.nodeName"), "<none>", "%s", r.body);
	int64_t rv = rv_of(r.json, "metadata.resourceVersion");
	reply_free(&r);

	r = req("GET", NULL, "%s", spath);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "status.phase"), "Running");
	cr_assert_eq(rv_of(r.json, "metadata.resourceVersion"), rv);
	reply_free(&r);

	/* /status with a stale resourceVersion: 409 as well. */
	r = put_obj(pod, spath);
	expect_status(
		&r, 409, "Conflict",
		"Operation cannot be fulfilled on pods \"p\": the object has been modified; please "
		"apply your changes to the latest version and try again");
	reply_free(&r);
}

/* ---- nodes: a cluster-scoped resource -----------------------------------------------------------
 */

static void node_body(char *buf, size_t size, const char *name)
{
	snprintf(
		buf, size,
		"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":"
		"{\"cube-test\":\"rest-nodes\"}},\"spec\":{\"podCIDR\":\"10.244.1.0/"
		"24\"},\"status\":"
		"{\"capacity\":{\"cpu\":\"2\"}}}",
		name);
}

Test(nodes, cluster_scoped_verbs)
{
	/* An empty list (by a label nobody has) still has items. */
	reply r = req("GET", NULL, "/api/v1/nodes?labelSelector=%s", qesc("cube-test=nobody"));
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "NodeList");
	cr_assert_str_eq(js(r.json, "apiVersion"), "v1");
	cr_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "items")), "%s", r.body);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 0);
	rv_of(r.json, "metadata.resourceVersion");
	reply_free(&r);

	char body[1024];
	node_body(body, sizeof(body), "rest-node-a");
	r = req("POST", body, "/api/v1/nodes");
	expect_code(&r, 201);
	expect_new_object(r.json, "Node", "v1", "rest-node-a");
	cr_assert_null(cube_json_path(r.json, "metadata.namespace"), "a Node has no namespace: %s",
		       r.body);
	char uid[64];
	snprintf(uid, sizeof(uid), "%s", js(r.json, "metadata.uid"));
	reply_free(&r);

	r = req("POST", body, "/api/v1/nodes");
	expect_status(&r, 409, "AlreadyExists", "nodes \"rest-node-a\" already exists");
	reply_free(&r);

	node_body(body, sizeof(body), "rest-node-b");
	r = req("POST", body, "/api/v1/nodes");
	expect_code(&r, 201);
	reply_free(&r);

	expect_names("rest-node-a,rest-node-b", "/api/v1/nodes?labelSelector=%s",
		     qesc("cube-test=rest-nodes"));

	/* Nodes live outside namespaces: a namespaced path to them does not exist. */
	r = req("GET", NULL, "/api/v1/namespaces/default/nodes/rest-node-a");
	expect_status(&r, 404, "NotFound", NULL);
	reply_free(&r);

	r = req("GET", NULL, "/api/v1/nodes/rest-node-a");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Node");
	cr_assert_str_eq(js(r.json, "metadata.uid"), uid);
	cube_autojson cJSON *node = CUBE_STEAL(r.json);
	reply_free(&r);
	char rv0[32];
	snprintf(rv0, sizeof(rv0), "%s", js(node, "metadata.resourceVersion"));

	/* Update, then a stale update. */
	cJSON *md = cube_json_ensure_obj(node, "metadata");
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
	cJSON_AddStringToObject(labels, "role", "worker");
	r = put_obj(node, "/api/v1/nodes/rest-node-a");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.labels.role"), "worker");
	cr_assert_gt(rv_of(r.json, "metadata.resourceVersion"), atoll(rv0));
	reply_free(&r);
	r = put_obj(node, "/api/v1/nodes/rest-node-a");
	expect_status(&r, 409, "Conflict",
		      "Operation cannot be fulfilled on nodes \"rest-node-a\": the object has been "
		      "modified; "
		      "please apply your changes to the latest version and try again");
	reply_free(&r);

	/* Unconditional update, and status through /status only. */
	set_meta_rv(node, NULL);
	cJSON *st = cube_json_ensure_obj(node, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(st, "capacity");
	cJSON *cap = cJSON_AddObjectToObject(st, "capacity");
	cJSON_AddStringToObject(cap, "cpu", "64");
	r = put_obj(node, "/api/v1/nodes/rest-node-a");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "status.capacity.cpu"), "2", "main PUT changed status: %s",
			 r.body);
	reply_free(&r);
	r = put_obj(node, "/api/v1/nodes/rest-node-a/status");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "status.capacity.cpu"), "64", "%s", r.body);
	reply_free(&r);

	/* DELETE: a Success Status naming the node; then 404. */
	r = req("DELETE", NULL, "/api/v1/nodes/rest-node-a");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Status", "%s", r.body);
	cr_assert_str_eq(js(r.json, "status"), "Success", "%s", r.body);
	cr_assert_str_eq(js(r.json, "details.name"), "rest-node-a", "%s", r.body);
	cr_assert_str_eq(js(r.json, "details.kind"), "nodes", "%s", r.body);
	cr_assert_str_eq(js(r.json, "details.uid"), uid, "%s", r.body);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/nodes/rest-node-a");
	expect_status(&r, 404, "NotFound", "nodes \"rest-node-a\" not found");
	cr_assert_str_eq(js(r.json, "details.kind"), "nodes");
	reply_free(&r);
	expect_names("rest-node-b", "/api/v1/nodes?labelSelector=%s", qesc("cube-test=rest-nodes"));
	r = req("DELETE", NULL, "/api/v1/nodes/rest-node-b");
	expect_code(&r, 200);
	reply_free(&r);
}

/* ---- deployments: a grouped resource ----------------------------------------------------------
 */

Test(deployments, grouped_verbs_generation_and_status)
{
	const char *ns = "rest-deploy";
	make_ns(ns);
	reply r = req("GET", NULL, "/apis/apps/v1/namespaces/%s/deployments", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "DeploymentList");
	cr_assert_str_eq(js(r.json, "apiVersion"), "apps/v1");
	cr_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r.json, "items")), "%s", r.body);
	rv_of(r.json, "metadata.resourceVersion");
	reply_free(&r);

	char body[2048];
	deploy_body(body, sizeof(body), "web", 1);
	r = req("POST", body, "/apis/apps/v1/namespaces/%s/deployments", ns);
	expect_code(&r, 201);
	expect_new_object(r.json, "Deployment", "apps/v1", "web");
	cr_assert_eq(ji(r.json, "metadata.generation"), 1, "%s", r.body);
	char uid[64];
	snprintf(uid, sizeof(uid), "%s", js(r.json, "metadata.uid"));
	reply_free(&r);

	r = req("POST", body, "/apis/apps/v1/namespaces/%s/deployments", ns);
	expect_status(&r, 409, "AlreadyExists", "deployments.apps \"web\" already exists");
	cr_assert_str_eq(js(r.json, "details.group"), "apps");
	cr_assert_str_eq(js(r.json, "details.kind"), "deployments");
	cr_assert_str_eq(js(r.json, "details.name"), "web");
	reply_free(&r);

	r = req("GET", NULL, "/apis/apps/v1/namespaces/%s/deployments/nope", ns);
	expect_status(&r, 404, "NotFound", "deployments.apps \"nope\" not found");
	cr_assert_str_eq(js(r.json, "details.group"), "apps");
	reply_free(&r);

	expect_names("web", "/apis/apps/v1/namespaces/%s/deployments", ns);
	r = req("GET", NULL, "/apis/apps/v1/deployments");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "DeploymentList");
	reply_free(&r);

	char path[256];
	snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/deployments/web", ns);
	r = req("GET", NULL, "%s", path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "apiVersion"), "apps/v1");
	cube_autojson cJSON *d = CUBE_STEAL(r.json);
	reply_free(&r);

	/* A metadata-only change keeps the generation. */
	set_label(d, "app", "web");
	cJSON_AddStringToObject(
		cJSON_GetObjectItemCaseSensitive(cube_json_ensure_obj(d, "metadata"), "labels"),
		"extra", "yes");
	r = put_obj(d, path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.labels.extra"), "yes");
	cr_assert_eq(ji(r.json, "metadata.generation"), 1, "labels changed the generation: %s",
		     r.body);
	cJSON_Delete(d);
	d = CUBE_STEAL(r.json);
	reply_free(&r);

	/* A spec change bumps it, whatever generation the body claims. */
	cJSON *spec = cube_json_ensure_obj(d, "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", 2);
	cJSON *md = cube_json_ensure_obj(d, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	cJSON_AddNumberToObject(md, "generation", 40);
	r = put_obj(d, path);
	expect_code(&r, 200);
	cr_assert_eq(ji(r.json, "metadata.generation"), 2, "%s", r.body);
	cr_assert_eq(ji(r.json, "spec.replicas"), 2);
	cJSON_Delete(d);
	d = CUBE_STEAL(r.json);
	reply_free(&r);

	/* Status only through /status: spec changes there are ignored, generation kept. */
	cJSON *st = cube_json_ensure_obj(d, "status");
	cJSON_AddNumberToObject(st, "replicas", 3);
	cJSON_AddNumberToObject(st, "observedGeneration", 2);
	spec = cube_json_ensure_obj(d, "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", 9);
	char spath[300];
	snprintf(spath, sizeof(spath), "%s/status", path);
	r = put_obj(d, spath);
	expect_code(&r, 200);
	cr_assert_eq(ji(r.json, "status.replicas"), 3, "%s", r.body);
	cr_assert_eq(ji(r.json, "spec.replicas"), 2, "/status changed the spec: %s", r.body);
	cr_assert_eq(ji(r.json, "metadata.generation"), 2, "%s", r.body);
	cJSON_Delete(d);
	d = CUBE_STEAL(r.json);
	reply_free(&r);

	/* A main PUT with another status keeps the stored one. */
	st = cube_json_ensure_obj(d, "status");
	cJSON_DeleteItemFromObjectCaseSensitive(st, "replicas");
	cJSON_AddNumberToObject(st, "replicas", 7);
	set_meta_rv(d, NULL);
	r = put_obj(d, path);
	expect_code(&r, 200);
	cr_assert_eq(ji(r.json, "status.replicas"), 3, "main PUT changed status: %s", r.body);
	cr_assert_eq(ji(r.json, "metadata.generation"), 2, "%s", r.body);
	reply_free(&r);

	/* Stale update of a grouped resource: its qualified name in the message. */
	set_meta_rv(d, "1");
	r = put_obj(d, path);
	expect_status(
		&r, 409, "Conflict",
		"Operation cannot be fulfilled on deployments.apps \"web\": the object has been "
		"modified; please apply your changes to the latest version and try again");
	cr_assert_str_eq(js(r.json, "details.group"), "apps");
	reply_free(&r);

	/* DELETE: a Success Status with group and kind, then 404. */
	r = req("DELETE", NULL, "%s", path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Status", "%s", r.body);
	cr_assert_str_eq(js(r.json, "status"), "Success", "%s", r.body);
	cr_assert_str_eq(js(r.json, "details.name"), "web");
	cr_assert_str_eq(js(r.json, "details.group"), "apps");
	cr_assert_str_eq(js(r.json, "details.kind"), "deployments");
	cr_assert_str_eq(js(r.json, "details.uid"), uid);
	reply_free(&r);
	r = req("GET", NULL, "%s", path);
	expect_status(&r, 404, "NotFound", "deployments.apps \"web\" not found");
	reply_free(&r);
}

/* ---- create: names and bodies
 * -------------------------------------------------------------------- */

Test(create, generate_name)
{
	const char *ns = "rest-genname";
	make_ns(ns);
	const char body[] =
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"generateName\":\"web-\"},"
		"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
	char names[2][64];
	for (int i = 0; i < 2; i++) {
		reply r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
		expect_code(&r, 201);
		const char *n = js(r.json, "metadata.name");
		cr_assert_eq(strlen(n), 9, "generated name %s", n);
		cr_assert(!strncmp(n, "web-", 4), "generated name %s", n);
		cr_assert(strspn(n + 4, "bcdfghjklmnpqrstvwxz2456789") == 5,
			  "generated suffix of %s", n);
		cr_assert_str_eq(js(r.json, "metadata.generateName"), "web-");
		snprintf(names[i], sizeof(names[i]), "%s", n);
		reply_free(&r);
		r = req("GET", NULL, "/api/v1/namespaces/%s/pods/%s", ns, names[i]);
		expect_code(&r, 200);
		reply_free(&r);
	}
	cr_assert_str_neq(names[0], names[1]);
}

Test(create, duplicate_is_already_exists)
{
	const char *ns = "rest-dup";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "x", NULL, NULL));
	char body[2048];
	pod_body(body, sizeof(body), "x", NULL, NULL);
	reply r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 409, "AlreadyExists", "pods \"x\" already exists");
	cr_assert_str_eq(js(r.json, "details.name"), "x");
	cr_assert_str_eq(js(r.json, "details.kind"), "pods");
	reply_free(&r);
}

Test(create, missing_namespace_is_not_found)
{
	char body[2048];
	pod_body(body, sizeof(body), "x", NULL, NULL);
	reply r = req("POST", body, "/api/v1/namespaces/nons/pods");
	expect_status(&r, 404, "NotFound", "namespaces \"nons\" not found");
	cr_assert_str_eq(js(r.json, "details.name"), "nons");
	cr_assert_str_eq(js(r.json, "details.kind"), "namespaces");
	reply_free(&r);
	/* Nothing was written. */
	r = req("GET", NULL, "/api/v1/namespaces/nons/pods/x");
	expect_status(&r, 404, "NotFound", "pods \"x\" not found");
	reply_free(&r);
}

#define SUBDOMAIN_MSG                                                                             \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
	"or '.', "                                                                                \
	"and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
	"for "                                                                                    \
	"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_MSG                                                                                  \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "   \
	"and must "                                                                                \
	"start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used " \
	"for "                                                                                     \
	"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define DNS1035_MSG                                                                               \
	"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with " \
	"an "                                                                                     \
	"alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "      \
	"'abc-123', "                                                                             \
	"regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

static void expect_invalid_name(const reply *r, const char *kind, const char *name, const char *why)
{
	char msg[2048];
	snprintf(msg, sizeof(msg), "%s \"%s\" is invalid: metadata.name: Invalid value: \"%s\": %s",
		 kind, name, name, why);
	expect_status(r, 422, "Invalid", msg);
	cr_assert_str_eq(js(r->json, "details.name"), name, "%s", r->body);
	cr_assert_str_eq(js(r->json, "details.kind"), kind, "%s", r->body);
	const cJSON *c0 = cJSON_GetArrayItem(cube_json_path(r->json, "details.causes"), 0);
	cr_assert_not_null(c0, "no causes: %s", r->body);
	cr_assert_str_eq(js(c0, "reason"), "FieldValueInvalid", "%s", r->body);
	cr_assert_str_eq(js(c0, "field"), "metadata.name", "%s", r->body);
}

Test(create, invalid_names_are_422)
{
	const char *ns = "rest-badname";
	make_ns(ns);
	char body[2048];
	pod_body(body, sizeof(body), "Bad_Name", NULL, NULL);
	reply r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	expect_invalid_name(&r, "Pod", "Bad_Name", SUBDOMAIN_MSG);
	reply_free(&r);

	char longname[260];
	memset(longname, 'a', 254);
	longname[254] = '\0';
	pod_body(body, sizeof(body), longname, NULL, NULL);
	r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	expect_invalid_name(&r, "Pod", longname, "must be no more than 253 characters");
	reply_free(&r);

	/* Namespaces are RFC 1123 labels: no dots. */
	r = req("POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a.b\"}}",
		"/api/v1/namespaces");
	expect_invalid_name(&r, "Namespace", "a.b", LABEL_MSG);
	reply_free(&r);

	/* Services are DNS-1035 labels: a letter first. */
	r = req("POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"1abc\"},"
		"\"spec\":"
		"{\"ports\":[{\"port\":80}]}}",
		"/api/v1/namespaces/%s/services", ns);
	expect_invalid_name(&r, "Service", "1abc", DNS1035_MSG);
	reply_free(&r);

	/* Nothing was written. */
	expect_names("", "/api/v1/namespaces/%s/pods", ns);
}

Test(create, missing_name_is_422)
{
	const char *ns = "rest-noname";
	make_ns(ns);
	reply r = req(
		"POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{},\"spec\":{\"containers\":"
		"[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 422, "Invalid",
		      "Pod \"\" is invalid: metadata.name: Required value: name or generateName is "
		      "required");
	const cJSON *c0 = cJSON_GetArrayItem(cube_json_path(r.json, "details.causes"), 0);
	cr_assert_not_null(c0, "%s", r.body);
	cr_assert_str_eq(js(c0, "reason"), "FieldValueRequired");
	cr_assert_str_eq(js(c0, "field"), "metadata.name");
	reply_free(&r);
}

Test(create, body_errors_are_400)
{
	const char *ns = "rest-body";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "x", NULL, NULL));

	reply r = req("POST", "{not json", "/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);

	/* A Service sent to pods. */
	r = req("POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},"
		"\"spec\":"
		"{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 400, "BadRequest", NULL);
	cr_assert(strstr(js(r.json, "message"), "Service") && strstr(js(r.json, "message"), "Pod"),
		  "the message names neither kind: %s", r.body);
	reply_free(&r);

	/* A Pod in the wrong API version. */
	r = req("POST",
		"{\"apiVersion\":\"apps/"
		"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"v\"},\"spec\":"
		"{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 400, "BadRequest",
		      "the API version in the data (apps/v1) does not match the expected API "
		      "version (v1)");
	reply_free(&r);

	/* The namespace in the body must be the URL's, on create and on update. */
	r = req("POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"y\","
		"\"namespace\":\"other\"},"
		"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 400, "BadRequest",
		      "the namespace of the provided object does not match the namespace sent on "
		      "the request");
	reply_free(&r);
	r = req("PUT",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\","
		"\"namespace\":\"other\"},"
		"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods/x", ns);
	expect_status(&r, 400, "BadRequest",
		      "the namespace of the provided object does not match the namespace sent on "
		      "the request");
	reply_free(&r);

	/* The name in a PUT body must be the URL's. */
	r = req("PUT",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"y\"},\"spec\":{"
		"\"containers\":"
		"[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
		"/api/v1/namespaces/%s/pods/x", ns);
	expect_status(&r, 400, "BadRequest",
		      "the name of the object (y) does not match the name on the URL (x)");
	reply_free(&r);

	/* None of it was written. */
	expect_names("x", "/api/v1/namespaces/%s/pods", ns);
}

/* Kubernetes decodes a body against the URL's kind: a body without kind and
 * apiVersion is defaulted from the URL (the python client sends exactly this
 * for V1Pod(metadata=..., spec=...) without api_version/kind). */
Test(create, body_without_kind_is_defaulted_from_url)
{
	const char *ns = "rest-nokind";
	make_ns(ns);
	reply r = req("POST",
		      "{\"metadata\":{\"name\":\"k\"},\"spec\":{\"containers\":[{\"name\":\"c\","
		      "\"image\":"
		      "\"busybox\"}]}}",
		      "/api/v1/namespaces/%s/pods", ns);
	expect_code(&r, 201);
	cr_assert_str_eq(js(r.json, "kind"), "Pod", "%s", r.body);
	cr_assert_str_eq(js(r.json, "apiVersion"), "v1", "%s", r.body);
	reply_free(&r);
}

Test(create, unsupported_content_type_is_415)
{
	const char *ns = "rest-proto";
	make_ns(ns);
	char body[2048];
	pod_body(body, sizeof(body), "pb", NULL, NULL);
	static const char *const hdrs[] = {"Content-Type: application/vnd.kubernetes.protobuf",
					   NULL};
	reply r = reqh("POST", hdrs, body, "/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 415, "UnsupportedMediaType", NULL);
	cr_assert(!strncmp(js(r.json, "message"),
			   "the body of the request was in an unknown format - accepted media "
			   "types include: ",
			   81),
		  "%s", r.body);
	cr_assert(strstr(js(r.json, "message"), "application/json"), "%s", r.body);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/pb", ns);
	expect_status(&r, 404, "NotFound", "pods \"pb\" not found");
	reply_free(&r);
}

Test(create, body_over_3_mib_is_413)
{
	const char *ns = "rest-big";
	make_ns(ns);
	size_t n = (3u << 20) + 4096;
	char *body = malloc(n + 1);
	cr_assert_not_null(body);
	int head = snprintf(
		body, n + 1,
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"big\"},"
		"\"data\":{\"k\":\"");
	memset(body + head, 'x', n - (size_t)head - 3);
	memcpy(body + n - 3, "\"}}", 3);
	body[n] = '\0';
	reply r = req("POST", body, "/api/v1/namespaces/%s/configmaps", ns);
	free(body);
	expect_status(&r, 413, "RequestEntityTooLarge",
		      "Request entity too large: limit is 3145728");
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/configmaps/big", ns);
	expect_status(&r, 404, "NotFound", "configmaps \"big\" not found");
	reply_free(&r);
}

/* ---- routing
 * ---------------------------------------------------------------------------------------- */

Test(routing, unknown_paths_are_404)
{
	static const char *const paths[] = {
		"/api/v1/namespaces/default/foos",
		"/api/v1/foos",
		"/apis/nogroup/v1/things",
		"/apis/apps/v1/namespaces/default/pods",
		"/api/v2/pods",
		"/nothing/here",
		"/api/v1/namespaces/default/pods/x/y/z",
		"/api/v1/pods/x",
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(paths); i++) {
		reply r = req("GET", NULL, "%s", paths[i]);
		cr_assert_eq(r.code, 404, "GET %s: HTTP %ld %s", paths[i], r.code, r.body);
		expect_status(&r, 404, "NotFound", NULL);
		reply_free(&r);
	}
	reply r = req("GET", NULL, "/api/v1/namespaces/default/foos");
	expect_status(&r, 404, "NotFound", "the server could not find the requested resource");
	reply_free(&r);
}

/* Verbs a path does not serve: 405 with Kubernetes' Status, and nothing changes.
 * (PATCH was 405 in part 1; it is served since part 2 and tested with it.) */
Test(routing, unserved_verbs_are_405)
{
	const char *ns = "rest-405";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "p", NULL, NULL));
	char body[2048];
	pod_body(body, sizeof(body), "p", "\"a\":\"b\"", NULL);
	/* POST to an item, PUT to a collection. */
	reply r = req("POST", body, "/api/v1/namespaces/%s/pods/p", ns);
	expect_status(&r, 405, "MethodNotAllowed",
		      "the server does not allow this method on the requested resource");
	reply_free(&r);
	r = req("PUT", body, "/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 405, "MethodNotAllowed",
		      "the server does not allow this method on the requested resource");
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/p", ns);
	expect_code(&r, 200);
	cr_assert_null(cube_json_path(r.json, "metadata.labels.a"),
		       "a refused request was applied: %s", r.body);
	reply_free(&r);
}

Test(routing, post_without_namespace_is_405)
{
	char body[2048];
	pod_body(body, sizeof(body), "nowhere", NULL, NULL);
	reply r = req("POST", body, "/api/v1/pods");
	expect_status(&r, 405, "MethodNotAllowed",
		      "the server does not allow this method on the requested resource");
	reply_free(&r);
	r = req("POST", body, "/apis/apps/v1/deployments");
	expect_status(&r, 405, "MethodNotAllowed", NULL);
	reply_free(&r);
}

/* ---- selectors
 * -------------------------------------------------------------------------------------- */

Test(selectors, label_selectors_on_lists)
{
	const char *ns = "rest-labelsel";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "a", "\"app\":\"web\",\"tier\":\"front\"", NULL));
	cJSON_Delete(create_pod(ns, "b", "\"app\":\"web\"", NULL));
	cJSON_Delete(create_pod(ns, "c", "\"app\":\"db\",\"tier\":\"back\"", NULL));
	cJSON_Delete(create_pod(ns, "d", NULL, NULL));
	static const struct {
		const char *sel, *want;
	} cases[] = {
		{"app=web", "a,b"},	    {"app==web", "a,b"},
		{"app!=web", "c,d"},	    {"app in (web,db)", "a,b,c"},
		{"app notin (web)", "c,d"}, {"tier", "a,c"},
		{"!tier", "b,d"},	    {"app=web,tier=front", "a"},
		{"app=web,!tier", "b"},	    {"app=nothing", ""},
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(cases); i++)
		expect_names(cases[i].want, "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
			     qesc(cases[i].sel));

	reply r = req("GET", NULL, "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
		      qesc("app in (web"));
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods?labelSelector=%s", ns, qesc("app=a b"));
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);
}

Test(selectors, field_selectors_on_lists)
{
	const char *ns = "rest-fieldsel";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "a", NULL, "\"nodeName\":\"n1\","));
	cJSON_Delete(create_pod(ns, "b", NULL, "\"nodeName\":\"n2\","));
	cube_autojson cJSON *c = create_pod(ns, "c", NULL, NULL);
	/* c runs: its phase through /status. */
	cJSON *st = cube_json_ensure_obj(c, "status");
	cube_json_set_str(st, "phase", "Running");
	char spath[256];
	snprintf(spath, sizeof(spath), "/api/v1/namespaces/%s/pods/c/status", ns);
	reply r = put_obj(c, spath);
	expect_code(&r, 200);
	reply_free(&r);

	static const struct {
		const char *sel, *want;
	} cases[] = {
		{"metadata.name=b", "b"},
		{"metadata.name==b", "b"},
		{"metadata.name!=b", "a,c"},
		{"spec.nodeName=n1", "a"},
		{"spec.nodeName=", "c"},
		{"spec.nodeName!=", "a,b"},
		{"status.phase=Running", "c"},
		{"status.phase=Pending", "a,b"},
		{"spec.nodeName=n1,status.phase=Pending", "a"},
		{"status.phase!=Pending,metadata.name=a", ""},
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(cases); i++)
		expect_names(cases[i].want, "/api/v1/namespaces/%s/pods?fieldSelector=%s", ns,
			     qesc(cases[i].sel));

	/* metadata.namespace across all namespaces picks exactly ours. */
	char sel[128];
	snprintf(sel, sizeof(sel), "metadata.namespace=%s", ns);
	expect_names("a,b,c", "/api/v1/pods?fieldSelector=%s", qesc(sel));

	r = req("GET", NULL, "/api/v1/namespaces/%s/pods?fieldSelector=%s", ns, qesc("spec.foo=x"));
	expect_status(&r, 400, "BadRequest", "field label not supported: spec.foo");
	reply_free(&r);
	r = req("GET", NULL, "/apis/apps/v1/namespaces/%s/deployments?fieldSelector=%s", ns,
		qesc("status.phase=Running"));
	expect_status(&r, 400, "BadRequest", "field label not supported: status.phase");
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods?fieldSelector=%s", ns,
		qesc("metadata.name"));
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);
}

/* ---- pagination
 * --------------------------------------------------------------------------------------- */

Test(pagination, continue_tokens_walk_a_consistent_snapshot, .timeout = 40)
{
	const char *ns = "rest-page";
	make_ns(ns);
	for (int i = 0; i < 25; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p-%02d", i);
		cJSON_Delete(create_pod(ns, name, "\"gen\":\"one\"", NULL));
	}
	char seen[25] = {0};
	char cont[4096] = "";
	int64_t snapshot = 0;
	int pages = 0, total = 0, prev = -1;
	int64_t p20_rv = 0;
	for (;;) {
		reply r = cont[0] ? req("GET", NULL,
					"/api/v1/namespaces/%s/pods?limit=10&continue=%s", ns,
					qesc(cont))
				  : req("GET", NULL, "/api/v1/namespaces/%s/pods?limit=10", ns);
		expect_code(&r, 200);
		cr_assert_str_eq(js(r.json, "kind"), "PodList");
		int64_t rv = rv_of(r.json, "metadata.resourceVersion");
		if (!pages)
			snapshot = rv;
		cr_assert_eq(rv, snapshot, "page %d is at resourceVersion %lld, the first at %lld",
			     pages, (long long)rv, (long long)snapshot);
		const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.json, "items");
		int n = cJSON_GetArraySize(items);
		cr_assert_eq(n, pages < 2 ? 10 : 5, "page %d has %d items: %s", pages, n, r.body);
		const cJSON *it;
		cJSON_ArrayForEach (it, items) {
			const char *name = js(it, "metadata.name");
			int idx = -1;
			cr_assert(sscanf(name, "p-%d", &idx) == 1 && idx >= 0 && idx < 25,
				  "unexpected item %s", name);
			cr_assert_eq(seen[idx], 0, "%s listed twice", name);
			cr_assert_gt(idx, prev, "%s out of key order", name);
			seen[idx] = 1;
			prev = idx;
			total++;
			if (idx == 20)
				cr_assert_str_eq(js(it, "metadata.labels.gen"), "one",
						 "p-20 shows a change made after the first page");
		}
		const char *c = cube_json_str(r.json, "metadata.continue");
		if (pages == 0)
			cr_assert_eq(ji(r.json, "metadata.remainingItemCount"), 15, "%s", r.body);
		if (pages < 2) {
			cr_assert(c && c[0], "page %d has no continue token", pages);
			snprintf(cont, sizeof(cont), "%s", c);
		} else {
			cr_assert(!c || !c[0], "the last page has a continue token: %s", c);
		}
		bool last = !c || !c[0];
		reply_free(&r);
		if (pages == 0) {
			/* Between pages: a new pod sorting last, and a change to one not yet
			 * listed. */
			cJSON_Delete(create_pod(ns, "p-99", NULL, NULL));
			r = req("GET", NULL, "/api/v1/namespaces/%s/pods/p-20", ns);
			expect_code(&r, 200);
			set_label(r.json, "gen", "two");
			char path[128];
			snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/p-20", ns);
			reply u = put_obj(r.json, path);
			expect_code(&u, 200);
			p20_rv = rv_of(u.json, "metadata.resourceVersion");
			reply_free(&u);
			reply_free(&r);
			cr_assert_gt(p20_rv, snapshot);
		}
		pages++;
		if (last)
			break;
	}
	cr_assert_eq(pages, 3);
	cr_assert_eq(total, 25);
	/* A fresh list sees both changes. */
	reply r = req("GET", NULL, "/api/v1/namespaces/%s/pods", ns);
	expect_code(&r, 200);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r.json, "items")), 26);
	reply_free(&r);

	r = req("GET", NULL, "/api/v1/namespaces/%s/pods?limit=10&continue=garbage", ns);
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods?limit=10&continue=%s", ns,
		qesc("eyJydiI6MX0="));
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);
}

/* ---- deletion
 * ------------------------------------------------------------------------------------------ */

Test(deletion, unbound_pod_is_gone_at_once)
{
	const char *ns = "rest-del-unbound";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "p", NULL, NULL));
	reply r = req("DELETE",
		      "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":"
		      "\"Background\"}",
		      "/api/v1/namespaces/%s/pods/p", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Pod", "%s", r.body);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/p", ns);
	expect_status(&r, 404, "NotFound", "pods \"p\" not found");
	reply_free(&r);
}

static void expect_terminating(const cJSON *o, int64_t grace)
{
	const char *ts = cube_json_str(o, "metadata.deletionTimestamp");
	cr_assert_not_null(ts, "no deletionTimestamp");
	cr_assert(is_rfc3339(ts), "deletionTimestamp %s", ts);
	time_t t = parse_rfc3339(ts);
	time_t want = time(NULL) + grace;
	cr_assert(t >= want - 10 && t <= want + 10, "deletionTimestamp %s is not now + %llds", ts,
		  (long long)grace);
	cr_assert_eq(ji(o, "metadata.deletionGracePeriodSeconds"), grace);
}

Test(deletion, bound_pod_is_graceful)
{
	const char *ns = "rest-del-bound";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "dflt", NULL, "\"nodeName\":\"n1\","));
	cJSON_Delete(create_pod(ns, "body", NULL, "\"nodeName\":\"n1\","));
	cJSON_Delete(create_pod(ns, "spec", NULL,
				"\"nodeName\":\"n1\",\"terminationGracePeriodSeconds\":10,"));

	/* No options: 30 s, from the default. */
	reply r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods/dflt", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Pod");
	expect_terminating(r.json, 30);
	int64_t rv = rv_of(r.json, "metadata.resourceVersion");
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/dflt", ns);
	expect_code(&r, 200);
	expect_terminating(r.json, 30);
	cr_assert_eq(rv_of(r.json, "metadata.resourceVersion"), rv);
	reply_free(&r);

	/* gracePeriodSeconds in the body. */
	r = req("DELETE",
		"{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":5}",
		"/api/v1/namespaces/%s/pods/body", ns);
	expect_code(&r, 200);
	expect_terminating(r.json, 5);
	reply_free(&r);

	/* The pod's own terminationGracePeriodSeconds. */
	r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods/spec", ns);
	expect_code(&r, 200);
	expect_terminating(r.json, 10);
	reply_free(&r);

	/* They stay listed until deleted again with gracePeriodSeconds 0. */
	expect_names("body,dflt,spec", "/api/v1/namespaces/%s/pods", ns);
	static const char *const names[] = {"body", "dflt", "spec"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(names); i++) {
		r = req("DELETE",
			"{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":"
			"0}",
			"/api/v1/namespaces/%s/pods/%s", ns, names[i]);
		expect_code(&r, 200);
		reply_free(&r);
		r = req("GET", NULL, "/api/v1/namespaces/%s/pods/%s", ns, names[i]);
		char msg[64];
		snprintf(msg, sizeof(msg), "pods \"%s\" not found", names[i]);
		expect_status(&r, 404, "NotFound", msg);
		reply_free(&r);
	}
	expect_names("", "/api/v1/namespaces/%s/pods", ns);
}

Test(deletion, finalizers_hold_the_object)
{
	const char *ns = "rest-del-fin";
	make_ns(ns);
	reply r =
		req("POST",
		    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"held\","
		    "\"finalizers\":[\"example.com/hold\"]},\"data\":{\"k\":\"v\"}}",
		    "/api/v1/namespaces/%s/configmaps", ns);
	expect_code(&r, 201);
	reply_free(&r);

	r = req("DELETE", NULL, "/api/v1/namespaces/%s/configmaps/held", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "ConfigMap", "a held object comes back as itself: %s",
			 r.body);
	cr_assert_not_null(cube_json_str(r.json, "metadata.deletionTimestamp"), "%s", r.body);
	cr_assert_eq(ji(r.json, "metadata.deletionGracePeriodSeconds"), 0, "%s", r.body);
	reply_free(&r);

	/* Still there; a second DELETE changes nothing. */
	r = req("GET", NULL, "/api/v1/namespaces/%s/configmaps/held", ns);
	expect_code(&r, 200);
	cr_assert_not_null(cube_json_str(r.json, "metadata.deletionTimestamp"));
	cube_autojson cJSON *cm = CUBE_STEAL(r.json);
	reply_free(&r);
	r = req("DELETE", NULL, "/api/v1/namespaces/%s/configmaps/held", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.deletionTimestamp"),
			 js(cm, "metadata.deletionTimestamp"));
	reply_free(&r);

	/* Removing the last finalizer finishes the deletion. */
	cJSON_DeleteItemFromObjectCaseSensitive(cube_json_ensure_obj(cm, "metadata"), "finalizers");
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/configmaps/held", ns);
	r = put_obj(cm, path);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "%s", path);
	expect_status(&r, 404, "NotFound", "configmaps \"held\" not found");
	reply_free(&r);
}

Test(deletion, propagation_policies_are_accepted)
{
	const char *ns = "rest-del-prop";
	make_ns(ns);
	static const char *const cms[] = {"bg", "orphan", "fg"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(cms); i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%"
			 "s\"}}",
			 cms[i]);
		reply r = req("POST", body, "/api/v1/namespaces/%s/configmaps", ns);
		expect_code(&r, 201);
		reply_free(&r);
	}
	reply r = req("DELETE",
		      "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":"
		      "\"Background\"}",
		      "/api/v1/namespaces/%s/configmaps/bg", ns);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/configmaps/bg", ns);
	expect_status(&r, 404, "NotFound", "configmaps \"bg\" not found");
	reply_free(&r);

	/* Foreground and Orphan: the object waits for the garbage collector, marked with its
	 * finalizer. */
	static const struct {
		const char *name, *policy, *finalizer;
	} held[] = {{"fg", "Foreground", "foregroundDeletion"}, {"orphan", "Orphan", "orphan"}};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(held); i++) {
		char body[256];
		snprintf(body, sizeof(body),
			 "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":"
			 "\"%s\"}",
			 held[i].policy);
		r = req("DELETE", body, "/api/v1/namespaces/%s/configmaps/%s", ns, held[i].name);
		expect_code(&r, 200);
		cr_assert_not_null(cube_json_str(r.json, "metadata.deletionTimestamp"), "%s",
				   r.body);
		const cJSON *f =
			cJSON_GetArrayItem(cube_json_path(r.json, "metadata.finalizers"), 0);
		cr_assert(cJSON_IsString(f) && !strcmp(f->valuestring, held[i].finalizer), "%s",
			  r.body);
		reply_free(&r);
	}
	/* The policy also comes as a query parameter. */
	r = req("POST",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"q\"}}",
		"/api/v1/namespaces/%s/configmaps", ns);
	expect_code(&r, 201);
	reply_free(&r);
	r = req("DELETE", NULL, "/api/v1/namespaces/%s/configmaps/q?propagationPolicy=Background",
		ns);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/configmaps/q", ns);
	expect_status(&r, 404, "NotFound", NULL);
	reply_free(&r);
}

/* DeleteOptions are validated by rest.BeforeDelete: an unknown policy is 422 Invalid. */
Test(deletion, unknown_propagation_policy_is_invalid)
{
	const char *ns = "rest-del-badprop";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "p", NULL, NULL));
	reply r = req("DELETE",
		      "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"propagationPolicy\":"
		      "\"Sideways\"}",
		      "/api/v1/namespaces/%s/pods/p", ns);
	expect_status(&r, 422, "Invalid", NULL);
	cr_assert(
		strstr(js(r.json, "message"), "propagationPolicy: Unsupported value: \"Sideways\""),
		"%s", r.body);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/p", ns);
	expect_code(&r, 200);
	reply_free(&r);
}

Test(deletion, preconditions_mismatch_is_409)
{
	const char *ns = "rest-del-pre";
	make_ns(ns);
	cube_autojson cJSON *p = create_pod(ns, "p", NULL, NULL);
	char uid[64], rv[32];
	snprintf(uid, sizeof(uid), "%s", js(p, "metadata.uid"));
	snprintf(rv, sizeof(rv), "%s", js(p, "metadata.resourceVersion"));

	/* The messages of rest.BeforeDelete, in a Conflict on the object's kind. */
	reply r = req("DELETE",
		      "{\"preconditions\":{\"uid\":\"00000000-0000-4000-8000-000000000000\"}}",
		      "/api/v1/namespaces/%s/pods/p", ns);
	char msg[512];
	snprintf(msg, sizeof(msg),
		 "Operation cannot be fulfilled on Pod \"p\": the UID in the precondition "
		 "(00000000-0000-4000-8000-000000000000) does not match the UID in record (%s). "
		 "The object "
		 "might have been deleted and then recreated",
		 uid);
	cr_assert_eq(r.code, 409, "%s", r.body);
	expect_status(&r, 409, "Conflict", msg);
	reply_free(&r);

	r = req("DELETE", "{\"preconditions\":{\"resourceVersion\":\"1\"}}",
		"/api/v1/namespaces/%s/pods/p", ns);
	snprintf(
		msg, sizeof(msg),
		"Operation cannot be fulfilled on Pod \"p\": the ResourceVersion in the "
		"precondition (1) does "
		"not match the ResourceVersion in record (%s). The object might have been modified",
		rv);
	cr_assert_eq(r.code, 409, "%s", r.body);
	expect_status(&r, 409, "Conflict", msg);
	reply_free(&r);

	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/p", ns);
	expect_code(&r, 200);
	reply_free(&r);
}

Test(deletion, preconditions_matching_delete)
{
	const char *ns = "rest-del-pre-ok";
	make_ns(ns);
	cube_autojson cJSON *p = create_pod(ns, "p", NULL, NULL);
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"preconditions\":{\"uid\":\"%s\",\"resourceVersion\":\"%s\"}}",
		 js(p, "metadata.uid"), js(p, "metadata.resourceVersion"));
	reply r = req("DELETE", "{\"preconditions\":{\"uid\":\"wrong\"}}",
		      "/api/v1/namespaces/%s/pods/p", ns);
	cr_assert_eq(r.code, 409, "%s", r.body);
	cr_assert_str_eq(js(r.json, "reason"), "Conflict");
	reply_free(&r);
	r = req("DELETE", "{\"preconditions\":{\"resourceVersion\":\"1\"}}",
		"/api/v1/namespaces/%s/pods/p", ns);
	cr_assert_eq(r.code, 409, "%s", r.body);
	cr_assert_str_eq(js(r.json, "reason"), "Conflict");
	reply_free(&r);
	r = req("DELETE", body, "/api/v1/namespaces/%s/pods/p", ns);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/p", ns);
	expect_status(&r, 404, "NotFound", NULL);
	reply_free(&r);
}

Test(deletion, system_namespaces_are_forbidden)
{
	static const char *const names[] = {"default", "kube-system", "kube-public"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(names); i++) {
		reply r = req("DELETE", NULL, "/api/v1/namespaces/%s", names[i]);
		char msg[128];
		snprintf(msg, sizeof(msg),
			 "namespaces \"%s\" is forbidden: this namespace may not be deleted",
			 names[i]);
		expect_status(&r, 403, "Forbidden", msg);
		reply_free(&r);
		r = req("GET", NULL, "/api/v1/namespaces/%s", names[i]);
		expect_code(&r, 200);
		cr_assert_null(cube_json_str(r.json, "metadata.deletionTimestamp"), "%s", r.body);
		reply_free(&r);
	}
}

Test(deletion, terminating_namespace_refuses_new_content)
{
	const char *ns = "rest-term";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "before", NULL, NULL));
	reply r = req("DELETE", NULL, "/api/v1/namespaces/%s", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "Namespace", "%s", r.body);
	cr_assert_str_eq(js(r.json, "status.phase"), "Terminating", "%s", r.body);
	cr_assert_not_null(cube_json_str(r.json, "metadata.deletionTimestamp"), "%s", r.body);
	reply_free(&r);
	/* Admission reads namespaces from the watch cache (eventually consistent, as
	 * Kubernetes' NamespaceLifecycle reads its informer): a list without
	 * resourceVersion is a consistent read, after which the cache has the change. */
	expect_names("rest-term", "/api/v1/namespaces?fieldSelector=metadata.name%%3Drest-term");
	char body[2048];
	pod_body(body, sizeof(body), "after", NULL, NULL);
	r = req("POST", body, "/api/v1/namespaces/%s/pods", ns);
	expect_status(&r, 403, "Forbidden",
		      "pods \"after\" is forbidden: unable to create new content in namespace "
		      "rest-term because it "
		      "is being terminated");
	reply_free(&r);
	expect_names("before", "/api/v1/namespaces/%s/pods", ns);
}

Test(deletion, deletecollection_with_label_selector)
{
	const char *ns = "rest-delcoll";
	make_ns(ns);
	cJSON_Delete(create_pod(ns, "a", "\"app\":\"x\"", NULL));
	cJSON_Delete(create_pod(ns, "b", "\"app\":\"x\"", NULL));
	cJSON_Delete(create_pod(ns, "c", "\"app\":\"y\"", NULL));
	reply r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
		      qesc("app=x"));
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "PodList", "%s", r.body);
	cube_autofree char *got = names_of(r.json);
	cr_assert_str_eq(got, "a,b");
	reply_free(&r);
	expect_names("c", "/api/v1/namespaces/%s/pods", ns);
	r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods?labelSelector=%s", ns,
		qesc("app in (x"));
	expect_status(&r, 400, "BadRequest", NULL);
	reply_free(&r);
	expect_names("c", "/api/v1/namespaces/%s/pods", ns);
}

Test(dryrun, create_update_delete_persist_nothing)
{
	const char *ns = "rest-dryrun";
	make_ns(ns);
	char body[2048];
	pod_body(body, sizeof(body), "dry", "\"v\":\"1\"", NULL);
	reply r = req("POST", body, "/api/v1/namespaces/%s/pods?dryRun=All", ns);
	expect_code(&r, 201);
	cr_assert_str_eq(js(r.json, "metadata.name"), "dry");
	cr_assert_str_eq(js(r.json, "kind"), "Pod");
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/dry", ns);
	expect_status(&r, 404, "NotFound", "pods \"dry\" not found");
	reply_free(&r);

	cube_autojson cJSON *p = create_pod(ns, "dry", "\"v\":\"1\"", NULL);
	char rv[32];
	snprintf(rv, sizeof(rv), "%s", js(p, "metadata.resourceVersion"));
	set_label(p, "v", "2");
	char path[256];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/dry?dryRun=All", ns);
	r = put_obj(p, path);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.labels.v"), "2", "%s", r.body);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/dry", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.labels.v"), "1", "the dry-run update was written");
	cr_assert_str_eq(js(r.json, "metadata.resourceVersion"), rv);
	reply_free(&r);

	r = req("DELETE", NULL, "/api/v1/namespaces/%s/pods/dry?dryRun=All", ns);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/dry", ns);
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "metadata.resourceVersion"), rv,
			 "the dry-run delete changed the pod");
	reply_free(&r);
}

/* ---- the server's own endpoints
 * --------------------------------------------------------------------------- */

Test(server, version_has_nine_fields)
{
	static const char *const paths[] = {"/version", "/version/"};
	static const char *const fields[] = {"major",	  "minor",	  "gitVersion",
					     "gitCommit", "gitTreeState", "buildDate",
					     "goVersion", "compiler",	  "platform"};
	for (size_t p = 0; p < CUBE_ARRAY_LEN(paths); p++) {
		reply r = req("GET", NULL, "%s", paths[p]);
		expect_code(&r, 200);
		for (size_t i = 0; i < CUBE_ARRAY_LEN(fields); i++)
			cr_assert(cube_json_str(r.json, fields[i]) &&
					  cube_json_str(r.json, fields[i])[0],
				  "%s lacks %s: %s", paths[p], fields[i], r.body);
		cr_assert_str_eq(js(r.json, "major"), "1");
		cr_assert_str_eq(js(r.json, "minor"), "32");
		cr_assert(!strncmp(js(r.json, "gitVersion"), "v1.32.", 6), "%s", r.body);
		reply_free(&r);
	}
}

Test(server, health_endpoints_answer_ok)
{
	static const char *const paths[] = {"/healthz", "/readyz", "/livez"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(paths); i++) {
		reply r = req("GET", NULL, "%s", paths[i]);
		cr_assert_eq(r.code, 200, "%s: %ld %s", paths[i], r.code, r.body);
		cr_assert_str_eq(r.body, "ok", "%s", paths[i]);
		reply_free(&r);
	}
}

/* True if /metrics has an apiserver_request_total sample with all these labels and a value >= 1. */
static bool has_request_sample(const char *text, const char *verb, const char *resource,
			       const char *code)
{
	char v[64], rs[64], c[32];
	snprintf(v, sizeof(v), "verb=\"%s\"", verb);
	snprintf(rs, sizeof(rs), "resource=\"%s\"", resource);
	snprintf(c, sizeof(c), "code=\"%s\"", code);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char buf[1024];
		snprintf(buf, sizeof(buf), "%.*s", (int)(n < 1023 ? n : 1023), line);
		if (!strncmp(buf, "apiserver_request_total{", 24) && strstr(buf, v) &&
		    strstr(buf, rs) && strstr(buf, c)) {
			const char *val = strrchr(buf, ' ');
			if (val && atof(val + 1) >= 1)
				return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

Test(server, metrics_count_requests)
{
	const char *ns = "rest-metrics";
	make_ns(ns);
	reply r = req("GET", NULL, "/api/v1/namespaces/%s/pods", ns);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "/api/v1/namespaces/%s/pods/missing", ns);
	expect_code(&r, 404);
	reply_free(&r);
	r = req("GET", NULL, "/metrics");
	cr_assert_eq(r.code, 200);
	cr_assert(r.ctype && !strncmp(r.ctype, "text/plain", 10), "Content-Type %s",
		  r.ctype ? r.ctype : "-");
	cr_assert(strstr(r.body, "# TYPE apiserver_request_total counter"), "no counter family");
	cr_assert(has_request_sample(r.body, "LIST", "pods", "200"), "no LIST pods 200 sample");
	cr_assert(has_request_sample(r.body, "GET", "pods", "404"), "no GET pods 404 sample");
	reply_free(&r);
}

/* Kubernetes labels a create POST and an update PUT (the HTTP verbs), not CREATE/UPDATE. */
Test(server, metrics_use_kubernetes_verb_names)
{
	const char *ns = "rest-metrics-verbs";
	make_ns(ns);
	cube_autojson cJSON *p = create_pod(ns, "m", NULL, NULL);
	char path[128];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/m", ns);
	reply r = put_obj(p, path);
	expect_code(&r, 200);
	reply_free(&r);
	r = req("GET", NULL, "/metrics");
	cr_assert_eq(r.code, 200);
	cr_assert(has_request_sample(r.body, "POST", "pods", "201"),
		  "no verb=\"POST\" sample for a create");
	cr_assert(has_request_sample(r.body, "PUT", "pods", "200"),
		  "no verb=\"PUT\" sample for an update");
	reply_free(&r);
}

/* ---- discovery
 * --------------------------------------------------------------------------------------------- */

static const cJSON *find_by(const cJSON *arr, const char *field, const char *value)
{
	const cJSON *it;
	cJSON_ArrayForEach (it, arr)
		if (!strcmp(js(it, field), value))
			return it;
	return NULL;
}

/* Compares a JSON array of strings with "a,b" ("" for absent or empty). */
static void expect_strings(const cJSON *arr, const char *want, const char *what)
{
	char got[256] = "";
	size_t len = 0;
	const cJSON *it;
	cJSON_ArrayForEach (it, arr)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s", len ? "," : "",
					cJSON_IsString(it) ? it->valuestring : "?");
	cr_assert_str_eq(got, want, "%s: [%s], want [%s]", what, got, want);
}

static const struct {
	const char *gv, *name, *kind, *shorts, *cats;
	bool namespaced;
} discovered[] = {
	{"v1", "pods", "Pod", "po", "all", true},
	{"v1", "services", "Service", "svc", "all", true},
	{"v1", "configmaps", "ConfigMap", "cm", "", true},
	{"v1", "namespaces", "Namespace", "ns", "", false},
	{"v1", "nodes", "Node", "no", "", false},
	{"v1", "events", "Event", "ev", "", true},
	{"v1", "endpoints", "Endpoints", "ep", "", true},
	{"v1", "serviceaccounts", "ServiceAccount", "sa", "", true},
	{"v1", "secrets", "Secret", "", "", true},
	{"apps/v1", "deployments", "Deployment", "deploy", "all", true},
	{"apps/v1", "replicasets", "ReplicaSet", "rs", "all", true},
	{"apps/v1", "daemonsets", "DaemonSet", "ds", "all", true},
	{"apps/v1", "statefulsets", "StatefulSet", "sts", "all", true},
	{"batch/v1", "jobs", "Job", "", "all", true},
	{"batch/v1", "cronjobs", "CronJob", "cj", "all", true},
	{"networking.k8s.io/v1", "ingresses", "Ingress", "ing", "", true},
	{"coordination.k8s.io/v1", "leases", "Lease", "", "", true},
};

Test(discovery, legacy_documents)
{
	reply r = req("GET", NULL, "/api");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "APIVersions");
	expect_strings(cube_json_path(r.json, "versions"), "v1", "/api versions");
	reply_free(&r);

	r = req("GET", NULL, "/apis");
	expect_code(&r, 200);
	cr_assert(r.ctype && !strncmp(r.ctype, "application/json", 16) &&
			  !strstr(r.ctype, "apidiscovery"),
		  "legacy /apis with Content-Type %s", r.ctype ? r.ctype : "-");
	cr_assert_str_eq(js(r.json, "kind"), "APIGroupList");
	const cJSON *groups = cube_json_path(r.json, "groups");
	static const char *const gnames[] = {"apps", "batch", "coordination.k8s.io",
					     "networking.k8s.io"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(gnames); i++) {
		const cJSON *g = find_by(groups, "name", gnames[i]);
		cr_assert_not_null(g, "/apis lacks %s: %s", gnames[i], r.body);
		char gv[96];
		snprintf(gv, sizeof(gv), "%s/v1", gnames[i]);
		cr_assert_str_eq(js(g, "preferredVersion.groupVersion"), gv);
		cr_assert_str_eq(
			js(cJSON_GetArrayItem(cube_json_path(g, "versions"), 0), "groupVersion"),
			gv);
	}
	reply_free(&r);

	r = req("GET", NULL, "/apis/apps");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "APIGroup");
	cr_assert_str_eq(js(r.json, "name"), "apps");
	reply_free(&r);

	for (size_t i = 0; i < CUBE_ARRAY_LEN(discovered); i++) {
		if (i == 0 || strcmp(discovered[i].gv, discovered[i - 1].gv) != 0) {
			if (i)
				reply_free(&r);
			r = !strcmp(discovered[i].gv, "v1")
				    ? req("GET", NULL, "/api/v1")
				    : req("GET", NULL, "/apis/%s", discovered[i].gv);
			expect_code(&r, 200);
			cr_assert_str_eq(js(r.json, "kind"), "APIResourceList");
			cr_assert_str_eq(js(r.json, "groupVersion"), discovered[i].gv);
		}
		const cJSON *e =
			find_by(cube_json_path(r.json, "resources"), "name", discovered[i].name);
		cr_assert_not_null(e, "%s lacks %s", discovered[i].gv, discovered[i].name);
		cr_assert_str_eq(js(e, "kind"), discovered[i].kind);
		cr_assert_eq(cJSON_IsTrue(cube_json_path(e, "namespaced")),
			     discovered[i].namespaced, "%s namespaced", discovered[i].name);
		expect_strings(cube_json_path(e, "shortNames"), discovered[i].shorts,
			       discovered[i].name);
		expect_strings(cube_json_path(e, "categories"), discovered[i].cats,
			       discovered[i].name);
		const cJSON *verbs = cube_json_path(e, "verbs");
		static const char *const want_verbs[] = {
			"create", "delete", "deletecollection", "get", "list", "update", "watch"};
		for (size_t v = 0; v < CUBE_ARRAY_LEN(want_verbs); v++) {
			bool has = false;
			const cJSON *it;
			cJSON_ArrayForEach (it, verbs)
				has |= cJSON_IsString(it) &&
				       !strcmp(it->valuestring, want_verbs[v]);
			cr_assert(has, "%s lacks verb %s", discovered[i].name, want_verbs[v]);
		}
	}
	/* Subresources are listed as <resource>/<sub>. */
	reply_free(&r);
	r = req("GET", NULL, "/api/v1");
	cr_assert_not_null(find_by(cube_json_path(r.json, "resources"), "name", "pods/status"),
			   "no pods/status");
	reply_free(&r);
}

#define V2_ACCEPT  \
	"Accept: " \
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
#define V2_CTYPE "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

Test(discovery, aggregated_v2_only_when_asked)
{
	static const char *const v2[] = {V2_ACCEPT, NULL};
	reply r = reqh("GET", v2, NULL, "/apis");
	expect_code(&r, 200);
	cr_assert(r.ctype && !strcmp(r.ctype, V2_CTYPE), "Content-Type %s",
		  r.ctype ? r.ctype : "-");
	cr_assert_str_eq(js(r.json, "kind"), "APIGroupDiscoveryList");
	cr_assert_str_eq(js(r.json, "apiVersion"), "apidiscovery.k8s.io/v2");
	const cJSON *items = cube_json_path(r.json, "items");
	const cJSON *apps = find_by(items, "metadata.name", "apps");
	cr_assert_not_null(apps, "no apps group: %s", r.body);
	const cJSON *v1 = cJSON_GetArrayItem(cube_json_path(apps, "versions"), 0);
	cr_assert_str_eq(js(v1, "version"), "v1");
	const cJSON *dep = find_by(cube_json_path(v1, "resources"), "resource", "deployments");
	cr_assert_not_null(dep, "no deployments in apps/v1");
	cr_assert_str_eq(js(dep, "scope"), "Namespaced");
	cr_assert_str_eq(js(dep, "responseKind.kind"), "Deployment");
	expect_strings(cube_json_path(dep, "shortNames"), "deploy", "aggregated deployments");
	expect_strings(cube_json_path(dep, "categories"), "all", "aggregated deployments");
	reply_free(&r);

	r = reqh("GET", v2, NULL, "/api");
	expect_code(&r, 200);
	cr_assert(r.ctype && !strcmp(r.ctype, V2_CTYPE), "Content-Type %s",
		  r.ctype ? r.ctype : "-");
	cr_assert_str_eq(js(r.json, "kind"), "APIGroupDiscoveryList");
	const cJSON *core = cJSON_GetArrayItem(cube_json_path(r.json, "items"), 0);
	const cJSON *res = cube_json_path(cJSON_GetArrayItem(cube_json_path(core, "versions"), 0),
					  "resources");
	const cJSON *pods = find_by(res, "resource", "pods");
	cr_assert_not_null(pods, "no pods in the aggregated core group: %s", r.body);
	expect_strings(cube_json_path(pods, "shortNames"), "po", "aggregated pods");
	const cJSON *nodes = find_by(res, "resource", "nodes");
	cr_assert_str_eq(js(nodes, "scope"), "Cluster");
	reply_free(&r);

	/* kubectl 1.28 asks for v2beta1 only: it must not get v2. */
	static const char *const v2beta1[] = {
		"Accept: "
		"application/"
		"json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json",
		NULL};
	r = reqh("GET", v2beta1, NULL, "/apis");
	expect_code(&r, 200);
	cr_assert(r.ctype && !strstr(r.ctype, "v=v2;"), "v2beta1 request answered with %s",
		  r.ctype ? r.ctype : "-");
	reply_free(&r);

	/* Without the aggregated Accept: legacy. */
	r = req("GET", NULL, "/apis");
	expect_code(&r, 200);
	cr_assert_str_eq(js(r.json, "kind"), "APIGroupList");
	cr_assert(r.ctype && !strstr(r.ctype, "apidiscovery"), "Content-Type %s",
		  r.ctype ? r.ctype : "-");
	reply_free(&r);
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

/* ---- admission: DefaultTolerationSeconds ------------------------------------------------ */

Test(admission, default_toleration_seconds_come_from_the_flags)
{
	cube_test_api a;
	const char *const extra[] = {"--default-unreachable-toleration-seconds", "7", NULL};
	cr_assert_eq(cube_test_api_start(&a, extra), 0);
	char *out = NULL;
	long st = cube_test_http(
		&a, "POST", "/api/v1/namespaces/default/pods",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"t\"},"
		"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}",
		&out);
	cJSON *p = out ? cube_json_parse(out, strlen(out), NULL) : NULL;
	free(out);
	int64_t unreachable = -1, not_ready = -1;
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(p, "spec.tolerations")) {
		const char *k = cube_json_str(t, "key");
		int64_t s = cube_json_int(t, "tolerationSeconds", -2);
		if (k && !strcmp(k, "node.kubernetes.io/unreachable"))
			unreachable = s;
		if (k && !strcmp(k, "node.kubernetes.io/not-ready"))
			not_ready = s;
	}
	cJSON_Delete(p);
	cube_test_api_destroy(&a);
	cr_assert_eq(st, 201);
	cr_expect_eq(unreachable, 7);
	cr_expect_eq(not_ready, 300);
}
