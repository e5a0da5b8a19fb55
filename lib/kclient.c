/* kclient.c - the Kubernetes REST client: paths, a pool of keep-alive
 * connections, Status errors mapped to cube_err codes, list pagination and
 * streamed watches decoded line by line. */
#include "kclient.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cleanup.h"
#include "jsonstream.h"
#include "obj.h"

#define POOL_KEEP 64

const cube_gvr CUBE_GVR_PODS = {"", "v1", "pods", "Pod", true};
const cube_gvr CUBE_GVR_NODES = {"", "v1", "nodes", "Node", false};
const cube_gvr CUBE_GVR_SERVICES = {"", "v1", "services", "Service", true};
const cube_gvr CUBE_GVR_ENDPOINTS = {"", "v1", "endpoints", "Endpoints", true};
const cube_gvr CUBE_GVR_EVENTS = {"", "v1", "events", "Event", true};
const cube_gvr CUBE_GVR_NAMESPACES = {"", "v1", "namespaces", "Namespace", false};
const cube_gvr CUBE_GVR_CONFIGMAPS = {"", "v1", "configmaps", "ConfigMap", true};
const cube_gvr CUBE_GVR_SECRETS = {"", "v1", "secrets", "Secret", true};
const cube_gvr CUBE_GVR_LEASES = {"coordination.k8s.io", "v1", "leases", "Lease", true};
const cube_gvr CUBE_GVR_DEPLOYMENTS = {"apps", "v1", "deployments", "Deployment", true};
const cube_gvr CUBE_GVR_REPLICASETS = {"apps", "v1", "replicasets", "ReplicaSet", true};
const cube_gvr CUBE_GVR_DAEMONSETS = {"apps", "v1", "daemonsets", "DaemonSet", true};
const cube_gvr CUBE_GVR_STATEFULSETS = {"apps", "v1", "statefulsets", "StatefulSet", true};
const cube_gvr CUBE_GVR_JOBS = {"batch", "v1", "jobs", "Job", true};
const cube_gvr CUBE_GVR_CRONJOBS = {"batch", "v1", "cronjobs", "CronJob", true};

struct cube_kclient {
	char *server;
	char *auth_header;
	char *ua_header;
	cube_http_tls tls;
	char *ca, *cert, *key;
	long timeout_ms;
	pthread_mutex_t mu;
	cube_http *pool[POOL_KEEP];
	size_t pool_n;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

cube_kclient *cube_kclient_new(const cube_kclient_config *cfg, cube_err *err)
{
	if (!cfg->server ||
	    (strncmp(cfg->server, "http://", 7) && strncmp(cfg->server, "https://", 8))) {
		cube_err_set(err, CUBE_EINVAL,
			     "API server \"%s\" is not an http:// or https:// URL",
			     cfg->server ? cfg->server : "");
		return NULL;
	}
	cube_kclient *c = calloc(1, sizeof(*c));
	if (!c)
		goto oom;
	pthread_mutex_init(&c->mu, NULL);
	c->server = strdup(cfg->server);
	if (!c->server)
		goto oom;
	size_t n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	if (cfg->token && cfg->token[0] &&
	    asprintf(&c->auth_header, "Authorization: Bearer %s", cfg->token) < 0)
		goto oom;
	if (asprintf(&c->ua_header, "User-Agent: %s",
		     cfg->user_agent ? cfg->user_agent : "cube/v1.32.0") < 0)
		goto oom;
	c->ca = dup_or_null(cfg->tls.ca_file);
	c->cert = dup_or_null(cfg->tls.cert_file);
	c->key = dup_or_null(cfg->tls.key_file);
	c->tls = (cube_http_tls){.ca_file = c->ca,
				 .cert_file = c->cert,
				 .key_file = c->key,
				 .insecure = cfg->tls.insecure};
	c->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	return c;
oom:
	cube_kclient_free(c);
	cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return NULL;
}

void cube_kclient_free(cube_kclient *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->pool_n; i++)
		cube_http_free(c->pool[i]);
	free(c->server);
	free(c->auth_header);
	free(c->ua_header);
	free(c->ca);
	free(c->cert);
	free(c->key);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const char *cube_kclient_server(const cube_kclient *c)
{
	return c->server;
}

static cube_http *pool_get(cube_kclient *c, cube_err *err)
{
	pthread_mutex_lock(&c->mu);
	cube_http *h = c->pool_n ? c->pool[--c->pool_n] : NULL;
	pthread_mutex_unlock(&c->mu);
	if (h)
		return h;
	h = cube_http_new(err);
	if (h && cube_http_set_tls(h, &c->tls, err) < 0) {
		cube_http_free(h);
		return NULL;
	}
	return h;
}

static void pool_put(cube_kclient *c, cube_http *h)
{
	pthread_mutex_lock(&c->mu);
	if (c->pool_n < POOL_KEEP) {
		c->pool[c->pool_n++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	cube_http_free(h);
}

int cube_kclient_path(const cube_gvr *r, const char *ns, const char *name, const char *sub,
		      char *buf, size_t size)
{
	int n;
	const char *base = r->group[0] ? "/apis/" : "/api";
	char gv[96];
	if (r->group[0])
		snprintf(gv, sizeof(gv), "%s/%s", r->group, r->version);
	else
		snprintf(gv, sizeof(gv), "/%s", r->version);
	if (r->namespaced && ns && ns[0])
		n = snprintf(buf, size, "%s%s/namespaces/%s/%s", base, gv, ns, r->resource);
	else
		n = snprintf(buf, size, "%s%s/%s", base, gv, r->resource);
	if (n >= 0 && (size_t)n < size && name && name[0])
		n += snprintf(buf + n, size - (size_t)n, "/%s", name);
	if (n >= 0 && (size_t)n < size && sub && sub[0])
		n += snprintf(buf + n, size - (size_t)n, "/%s", sub);
	return n >= 0 && (size_t)n < size ? n : -1;
}

/* Maps a non-2xx answer to an error from its Status. */
static int status_error(long status, const char *body, size_t len, cube_err *err)
{
	cube_autojson cJSON *s = body && len ? cube_json_parse(body, len, NULL) : NULL;
	const char *reason = s ? cube_json_str(s, "reason") : NULL;
	const char *msg = s ? cube_json_str(s, "message") : NULL;
	cube_errc code;
	if (status == 404)
		code = CUBE_ENOTFOUND;
	else if (status == 409 && reason && !strcmp(reason, "AlreadyExists"))
		code = CUBE_EEXIST;
	else if (status == 409)
		code = CUBE_ECONFLICT;
	else if (status == 410)
		code = CUBE_ECOMPACTED;
	else if (status == 400 || status == 422 || status == 415 || status == 405 || status == 413)
		code = CUBE_EINVAL;
	else if (status == 504)
		code = CUBE_ETIMEOUT;
	else if (status >= 500 || status == 429)
		code = CUBE_EUNAVAIL;
	else
		code = CUBE_EPROTO;
	return cube_err_set(err, code, "%s (HTTP %ld%s%s)", msg ? msg : "no message", status,
			    reason ? ", " : "", reason ? reason : "");
}

static const char *const patch_types[][2] = {
	{"merge", "application/merge-patch+json"},
	{"strategic", "application/strategic-merge-patch+json"},
	{"json", "application/json-patch+json"},
	{"apply", "application/apply-patch+yaml"},
};

cJSON *cube_kclient_do(cube_kclient *c, const char *method, const char *path, const char *body,
		       const char *content_type, long *status, cube_err *err)
{
	if (status)
		*status = 0;
	cube_http *h = pool_get(c, err);
	if (!h)
		return NULL;
	char url[4096], ct[128];
	snprintf(url, sizeof(url), "%s%s", c->server, path);
	snprintf(ct, sizeof(ct), "Content-Type: %s",
		 content_type ? content_type : "application/json");
	const char *hdrs[5] = {"Accept: application/json", ct, c->ua_header, NULL, NULL};
	if (c->auth_header)
		hdrs[3] = c->auth_header;
	cube_http_req req = {.method = method,
			     .url = url,
			     .headers = hdrs,
			     .body = body,
			     .body_len = body ? strlen(body) : 0,
			     .timeout_ms = c->timeout_ms};
	cube_http_resp resp;
	cJSON *out = NULL;
	if (cube_http_do(h, &req, &resp, err) < 0) {
		cube_err_prefix(err, "%s %s", method, path);
	} else {
		if (status)
			*status = resp.status;
		if (resp.status >= 200 && resp.status < 300) {
			cube_err perr = CUBE_ERR_INIT;
			out = cube_json_parse(resp.body ? resp.body : "{}",
					      resp.body ? resp.len : 2, &perr);
			if (!out)
				cube_err_set(err, CUBE_EPROTO, "%s %s: %s", method, path, perr.msg);
		} else {
			status_error(resp.status, resp.body, resp.len, err);
		}
	}
	cube_http_resp_clear(&resp);
	pool_put(c, h);
	return out;
}

/* Appends ?k=v&... (escaped) for the options that are set. */
static void add_query(char *buf, size_t size, const char *const *kv)
{
	size_t n = strlen(buf);
	bool first = !strchr(buf, '?');
	for (size_t i = 0; kv[i]; i += 2) {
		if (!kv[i + 1] || !kv[i + 1][0])
			continue;
		char *e = curl_easy_escape(NULL, kv[i + 1], 0);
		if (!e)
			continue;
		int w = snprintf(buf + n, size > n ? size - n : 0, "%c%s=%s", first ? '?' : '&',
				 kv[i], e);
		curl_free(e);
		if (w < 0 || n + (size_t)w >= size)
			break;
		n += (size_t)w;
		first = false;
	}
}

cJSON *cube_kclient_get(cube_kclient *c, const cube_gvr *r, const char *ns, const char *name,
			cube_err *err)
{
	char path[1024];
	if (cube_kclient_path(r, ns, name, NULL, path, sizeof(path)) < 0) {
		cube_err_set(err, CUBE_EINVAL, "path too long");
		return NULL;
	}
	return cube_kclient_do(c, "GET", path, NULL, NULL, NULL, err);
}

cJSON *cube_kclient_list(cube_kclient *c, const cube_gvr *r, const char *ns,
			 const cube_list_opts *o, cube_err *err)
{
	char path[4096], limit[24] = "";
	if (cube_kclient_path(r, ns, NULL, NULL, path, sizeof(path)) < 0) {
		cube_err_set(err, CUBE_EINVAL, "path too long");
		return NULL;
	}
	if (o && o->limit > 0)
		snprintf(limit, sizeof(limit), "%lld", (long long)o->limit);
	const char *kv[] = {"labelSelector",
			    o ? o->label_selector : NULL,
			    "fieldSelector",
			    o ? o->field_selector : NULL,
			    "resourceVersion",
			    o ? o->resource_version : NULL,
			    "limit",
			    limit,
			    "continue",
			    o ? o->continue_token : NULL,
			    NULL};
	add_query(path, sizeof(path), kv);
	return cube_kclient_do(c, "GET", path, NULL, NULL, NULL, err);
}

int cube_kclient_list_pages(cube_kclient *c, const cube_gvr *r, const char *ns,
			    const cube_list_opts *o, int64_t page,
			    int (*fn)(void *ud, cJSON *list, cube_err *err), void *ud,
			    cube_err *err)
{
	cube_list_opts po = o ? *o : (cube_list_opts){0};
	po.limit = page > 0 ? page : 500;
	po.continue_token = NULL;
	cube_autofree char *cont = NULL, *rv = NULL;
	for (;;) {
		po.continue_token = cont;
		/* The token holds the snapshot's version; a server refuses both (400). */
		if (cont)
			po.resource_version = NULL;
		cJSON *l = cube_kclient_list(c, r, ns, &po, err);
		if (!l)
			return -1;
		const char *next = cube_json_str(l, "metadata.continue");
		free(cont);
		cont = next && next[0] ? strdup(next) : NULL;
		cJSON *md = cJSON_GetObjectItemCaseSensitive(l, "metadata");
		if (md)
			cJSON_DeleteItemFromObjectCaseSensitive(md, "continue");
		if (!rv) {
			const char *v = cube_json_str(l, "metadata.resourceVersion");
			rv = strdup(v ? v : "");
		} else if (md) {
			cube_json_set_str(md, "resourceVersion", rv);
		}
		if (fn(ud, l, err) < 0)
			return -1;
		if (!cont)
			return 0;
	}
}

static int join_page(void *ud, cJSON *l, cube_err *err)
{
	(void)err;
	cJSON **all = ud;
	if (!*all) {
		*all = l;
		return 0;
	}
	cJSON *items = cJSON_GetObjectItemCaseSensitive(*all, "items");
	cJSON *more = cJSON_DetachItemFromObjectCaseSensitive(l, "items");
	cJSON *it;
	while (more && (it = cJSON_DetachItemFromArray(more, 0)))
		cJSON_AddItemToArray(items, it);
	cJSON_Delete(more);
	cJSON_Delete(l);
	return 0;
}

cJSON *cube_kclient_list_all(cube_kclient *c, const cube_gvr *r, const char *ns,
			     const cube_list_opts *o, int64_t page, cube_err *err)
{
	cJSON *all = NULL;
	if (cube_kclient_list_pages(c, r, ns, o, page, join_page, &all, err) < 0) {
		cJSON_Delete(all);
		return NULL;
	}
	return all;
}

static cJSON *write_obj(cube_kclient *c, const char *method, const char *path, const cJSON *obj,
			const char *ct, cube_err *err)
{
	cube_autofree char *body = cJSON_PrintUnformatted(obj);
	if (!body) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	return cube_kclient_do(c, method, path, body, ct, NULL, err);
}

cJSON *cube_kclient_create(cube_kclient *c, const cube_gvr *r, const char *ns, const cJSON *obj,
			   cube_err *err)
{
	char path[1024];
	cube_kclient_path(r, ns, NULL, NULL, path, sizeof(path));
	return write_obj(c, "POST", path, obj, NULL, err);
}

cJSON *cube_kclient_update(cube_kclient *c, const cube_gvr *r, const char *ns, const cJSON *obj,
			   const char *sub, cube_err *err)
{
	char path[1024];
	const char *name = cube_obj_name(obj);
	if (!name) {
		cube_err_set(err, CUBE_EINVAL, "update of an object without metadata.name");
		return NULL;
	}
	cube_kclient_path(r, ns, name, sub, path, sizeof(path));
	return write_obj(c, "PUT", path, obj, NULL, err);
}

cJSON *cube_kclient_patch(cube_kclient *c, const cube_gvr *r, const char *ns, const char *name,
			  const char *sub, const char *type, const cJSON *patch, cube_err *err)
{
	const char *ct = NULL;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(patch_types); i++)
		if (!strcmp(type, patch_types[i][0]))
			ct = patch_types[i][1];
	if (!ct) {
		cube_err_set(err, CUBE_EINVAL, "unknown patch type \"%s\"", type);
		return NULL;
	}
	char path[1024];
	cube_kclient_path(r, ns, name, sub, path, sizeof(path));
	return write_obj(c, "PATCH", path, patch, ct, err);
}

int cube_kclient_delete(cube_kclient *c, const cube_gvr *r, const char *ns, const char *name,
			const cJSON *options, cube_err *err)
{
	char path[1024];
	cube_kclient_path(r, ns, name, NULL, path, sizeof(path));
	cube_autofree char *body = options ? cJSON_PrintUnformatted(options) : NULL;
	cJSON *out = cube_kclient_do(c, "DELETE", path, body, NULL, NULL, err);
	if (!out)
		return -1;
	cJSON_Delete(out);
	return 0;
}

int cube_kclient_bind(cube_kclient *c, const char *ns, const char *pod, const char *uid,
		      const char *node, const cJSON *annotations, cube_err *err)
{
	cube_autojson cJSON *b = cJSON_CreateObject();
	if (!b)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON_AddStringToObject(b, "apiVersion", "v1");
	cJSON_AddStringToObject(b, "kind", "Binding");
	cJSON *md = cJSON_AddObjectToObject(b, "metadata");
	cJSON_AddStringToObject(md, "name", pod);
	cJSON_AddStringToObject(md, "namespace", ns);
	if (uid && uid[0])
		cJSON_AddStringToObject(md, "uid", uid);
	if (annotations)
		cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(annotations, true));
	cJSON *t = cJSON_AddObjectToObject(b, "target");
	cJSON_AddStringToObject(t, "apiVersion", "v1");
	cJSON_AddStringToObject(t, "kind", "Node");
	cJSON_AddStringToObject(t, "name", node);
	char path[1024];
	cube_kclient_path(&CUBE_GVR_PODS, ns, pod, "binding", path, sizeof(path));
	cJSON *out = write_obj(c, "POST", path, b, NULL, err);
	if (!out)
		return -1;
	cJSON_Delete(out);
	return 0;
}

/* ---- watch ------------------------------------------------------------------------- */

/* The first bytes of a watch answer are kept: when the server refuses the
 * watch (410, 504, ...) they are its Status, whose message the error carries.
 * Statuses are small; a stream's head is just dropped. */
#define WATCH_HEAD_MAX 8192

struct watch_state {
	cube_watch_fn fn;
	void *ud;
	cube_jsonstream *js;
	cube_err err;
	bool stopped; /* the callback asked to stop */
	bool expired; /* an ERROR event with a 410 */
	bool failed;
	char error_msg[256];
	char head[WATCH_HEAD_MAX];
	size_t head_len;
};

static int on_event(void *ud, const cJSON *doc, cube_err *err)
{
	struct watch_state *w = ud;
	const char *type = cube_json_str(doc, "type");
	cJSON *obj = cJSON_GetObjectItemCaseSensitive(doc, "object");
	if (!type || !cJSON_IsObject(obj))
		return cube_err_set(err, CUBE_EPROTO, "watch event without type or object");
	if (!strcmp(type, "ERROR")) {
		int64_t code = cube_json_int(obj, "code", 0);
		const char *msg = cube_json_str(obj, "message");
		snprintf(w->error_msg, sizeof(w->error_msg), "%s", msg ? msg : "watch error");
		if (code == 410) {
			w->expired = true;
			return cube_err_set(err, CUBE_ECOMPACTED, "%s", w->error_msg);
		}
	}
	if (w->fn(w->ud, type, obj) < 0) {
		w->stopped = true;
		return cube_err_set(err, CUBE_ECANCELED, "stopped by the consumer");
	}
	return 0;
}

static int on_watch_bytes(void *ud, const char *data, size_t len)
{
	struct watch_state *w = ud;
	size_t keep = len < WATCH_HEAD_MAX - w->head_len ? len : WATCH_HEAD_MAX - w->head_len;
	memcpy(w->head + w->head_len, data, keep);
	w->head_len += keep;
	if (cube_jsonstream_feed(w->js, data, len, &w->err) < 0) {
		w->failed = true;
		return -1;
	}
	return 0;
}

int cube_kclient_watch(cube_kclient *c, const cube_gvr *r, const char *ns, const cube_watch_opts *o,
		       cube_watch_fn fn, void *ud, atomic_int *cancel, cube_err *err)
{
	char path[4096], ts[24] = "";
	cube_kclient_path(r, ns, NULL, NULL, path, sizeof(path));
	if (o && o->timeout_s > 0)
		snprintf(ts, sizeof(ts), "%d", o->timeout_s);
	const char *kv[] = {"watch",
			    "true",
			    "labelSelector",
			    o ? o->label_selector : NULL,
			    "fieldSelector",
			    o ? o->field_selector : NULL,
			    "resourceVersion",
			    o ? o->resource_version : NULL,
			    "timeoutSeconds",
			    ts,
			    "allowWatchBookmarks",
			    o && o->bookmarks ? "true" : NULL,
			    NULL};
	add_query(path, sizeof(path), kv);
	struct watch_state w = {.fn = fn, .ud = ud, .err = CUBE_ERR_INIT};
	w.js = cube_jsonstream_new(0, on_event, &w);
	cube_http *h = w.js ? pool_get(c, err) : NULL;
	if (!h) {
		cube_jsonstream_free(w.js);
		return w.js ? -1 : cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	char url[4200];
	snprintf(url, sizeof(url), "%s%s", c->server, path);
	const char *hdrs[4] = {"Accept: application/json", c->ua_header, NULL, NULL};
	if (c->auth_header)
		hdrs[2] = c->auth_header;
	cube_http_req req = {.url = url,
			     .headers = hdrs,
			     .on_data = on_watch_bytes,
			     .ud = &w,
			     .cancel = cancel,
			     .max_body = 0};
	cube_http_resp resp;
	cube_err herr = CUBE_ERR_INIT;
	int hrc = cube_http_do(h, &req, &resp, &herr);
	int rc = 0;
	if (resp.status > 0 && resp.status != 200) {
		/* A Status instead of a stream (410 for a too old resourceVersion).  The
		 * stream decoder may have refused it already (a Status ended by a
		 * newline is a line without "type"), so this goes first. */
		rc = status_error(resp.status, w.head, w.head_len, err);
		cube_err_prefix(err, "watch %s", path);
	} else if (w.stopped) {
		rc = 0;
	} else if (w.expired) {
		rc = cube_err_set(err, CUBE_ECOMPACTED, "watch %s: %s", path, w.error_msg);
	} else if (hrc < 0 && herr.code == CUBE_ECANCELED && !w.failed) {
		rc = cube_err_set(err, CUBE_ECANCELED, "watch %s: canceled", path);
	} else if (w.failed) {
		rc = cube_err_set(err, w.err.code, "watch %s: %s", path, w.err.msg);
	} else if (hrc < 0) {
		rc = cube_err_set(err, herr.code, "watch %s: %s", path, herr.msg);
	} else if (cube_jsonstream_finish(w.js, &w.err) < 0 && !w.stopped) {
		rc = cube_err_set(err, CUBE_EPROTO, "watch %s: %s", path, w.err.msg);
	}
	cube_http_resp_clear(&resp);
	cube_jsonstream_free(w.js);
	pool_put(c, h);
	return rc;
}

/* ---- raw requests ------------------------------------------------------------------ */

int cube_kclient_raw(cube_kclient *c, const cube_kclient_rawreq *r, cube_http_resp *resp,
		     cube_err *err)
{
	memset(resp, 0, sizeof(*resp));
	cube_http *h = pool_get(c, err);
	if (!h)
		return -1;
	cube_autofree char *url = NULL, *accept = NULL, *ct = NULL;
	if (asprintf(&url, "%s%s", c->server, r->path) < 0 ||
	    asprintf(&accept, "Accept: %s", r->accept ? r->accept : "application/json") < 0 ||
	    asprintf(&ct, "Content-Type: %s",
		     r->content_type ? r->content_type : "application/json") < 0) {
		pool_put(c, h);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	const char *hdrs[5] = {accept, c->ua_header, NULL, NULL, NULL};
	size_t n = 2;
	if (r->body)
		hdrs[n++] = ct;
	if (c->auth_header)
		hdrs[n++] = c->auth_header;
	cube_http_req req = {.method = r->method,
			     .url = url,
			     .headers = hdrs,
			     .body = r->body,
			     .body_len = r->body ? strlen(r->body) : 0,
			     .timeout_ms = r->on_data	   ? r->timeout_ms
					   : r->timeout_ms ? r->timeout_ms
							   : c->timeout_ms,
			     .on_data = r->on_data,
			     .ud = r->ud,
			     .cancel = r->cancel};
	int rc = cube_http_do(h, &req, resp, err);
	if (rc < 0)
		cube_err_prefix(err, "%s %s", r->method ? r->method : "GET", r->path);
	pool_put(c, h);
	return rc;
}
