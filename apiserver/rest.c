/* rest.c - the verbs, once for every resource: get, list, watch, create,
 * update (PUT, also of the status subresource), delete, deletecollection.
 *
 * Object semantics follow Kubernetes: uid and creationTimestamp set on
 * create, generateName, generation counting spec changes, status kept apart
 * from the main resource, resourceVersion as etcd's mod_revision with 409 on
 * a stale one, deletionTimestamp + grace period for pods bound to a node,
 * finalizers holding an object until they are removed, dryRun=All writing
 * nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "apiserver.h"
#include "cleanup.h"
#include "strbuf.h"
#include "defaults.h"
#include "schema.h"
#include "validation.h"
#include "log.h"
#include "obj.h"
#include "patch.h"
#include "selector.h"
#include "table_out.h"
#include "validate.h"

#define GENERATE_NAME_TRIES 8
#define UPDATE_RETRIES 5

/* ---- Status replies ---------------------------------------------------------------- */

static cJSON *details(api_req *r, const char *name, const char *kind)
{
	cJSON *d = cJSON_CreateObject();
	if (!d)
		return NULL;
	if (name && name[0])
		cJSON_AddStringToObject(d, "name", name);
	if (r->res->group[0])
		cJSON_AddStringToObject(d, "group", r->res->group);
	cJSON_AddStringToObject(d, "kind", kind ? kind : r->res->plural);
	return d;
}

static const char *qres(api_req *r, char *buf, size_t size)
{
	return api_resource_qualified(r->res, buf, size);
}

void api_not_found(api_req *r)
{
	char q[96];
	cube_httpd_respond_status(r->h, 404, "NotFound", details(r, r->name, NULL),
				  "%s \"%s\" not found", qres(r, q, sizeof(q)), r->name);
}

void api_bad_request(api_req *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cube_httpd_respond_status(r->h, 400, "BadRequest", NULL, "%s", msg);
}

static void conflict(api_req *r, const char *name)
{
	char q[96];
	cube_httpd_respond_status(
		r->h, 409, "Conflict", details(r, name, NULL),
		"Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
		"please apply your changes to the latest version and try again",
		qres(r, q, sizeof(q)), name);
}

void api_storage_error(api_req *r, const cube_err *err)
{
	switch (err->code) {
	case CUBE_ENOTFOUND:
		api_not_found(r);
		return;
	case CUBE_ECONFLICT:
		conflict(r, r->name);
		return;
	case CUBE_ECOMPACTED:
		cube_httpd_respond_status(r->h, 410, "Expired", NULL, "%s", err->msg);
		return;
	case CUBE_ETIMEOUT:
		cube_httpd_respond_status(r->h, 504, "Timeout", NULL, "%s", err->msg);
		return;
	case CUBE_EUNAVAIL:
	case CUBE_EIO:
		cube_httpd_respond_status(r->h, 503, "ServiceUnavailable", NULL, "%s", err->msg);
		return;
	case CUBE_EINVAL:
		cube_httpd_respond_status(r->h, 400, "BadRequest", NULL, "%s", err->msg);
		return;
	default:
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
					  "Internal error occurred: %s", err->msg);
	}
}

/* 422 with one cause. */
static void invalid(api_req *r, const char *name, const char *field, const char *reason,
		    const char *cause_msg)
{
	cJSON *d = details(r, name, r->res->kind);
	cJSON *causes = d ? cJSON_AddArrayToObject(d, "causes") : NULL;
	cJSON *c = causes ? cJSON_CreateObject() : NULL;
	if (c) {
		cJSON_AddStringToObject(c, "reason", reason);
		cJSON_AddStringToObject(c, "message", cause_msg);
		cJSON_AddStringToObject(c, "field", field);
		cJSON_AddItemToArray(causes, c);
	}
	cube_httpd_respond_status(r->h, 422, "Invalid", d, "%s \"%s\" is invalid: %s: %s",
				  r->res->kind, name && name[0] ? name : "", field, cause_msg);
}

/* ---- helpers ------------------------------------------------------------------------ */

void api_now_rfc3339(char *buf, size_t size, long plus_seconds)
{
	time_t t = time(NULL) + plus_seconds;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void api_new_uid(char *buf, size_t size)
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant */
	snprintf(buf, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* Kubernetes' generateName suffix: 5 characters without vowels or look-alikes. */
static void name_suffix(char *buf)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char b[5];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (int i = 0; i < 5; i++)
			b[i] = (unsigned char)rand();
	for (int i = 0; i < 5; i++)
		buf[i] = alphabet[b[i] % (sizeof(alphabet) - 1)];
	buf[5] = '\0';
}

static void registry_key(const api_resource *res, const char *ns, const char *name, char *buf,
			 size_t size)
{
	if (res->namespaced && ns)
		snprintf(buf, size, "/registry/%s/%s/%s", res->plural, ns, name);
	else
		snprintf(buf, size, "/registry/%s/%s", res->plural, name);
}

static bool dry_run(api_req *r)
{
	const char *v[4];
	size_t n = cube_httpd_query_all(r->h, "dryRun", v, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		if (!strcmp(v[i], "All"))
			return true;
	return false;
}

static int set_rv(cJSON *o, int64_t rv)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)rv);
	return cube_obj_set_meta_str(o, "resourceVersion", buf);
}

static void respond_obj(api_req *r, int code, const cJSON *o)
{
	cube_httpd_respond_json(r->h, code, o);
}

/* Reads the stored object; on failure answers and returns NULL. */
static cJSON *load(api_req *r, const char *key, int64_t *mod_rev)
{
	cube_etcd_kv kv;
	cube_err err = CUBE_ERR_INIT;
	if (cube_etcd_get(r->s->etcd, key, &kv, NULL, &err) < 0) {
		api_storage_error(r, &err);
		return NULL;
	}
	cJSON *o = cube_json_parse(kv.value, kv.value_len, &err);
	*mod_rev = kv.mod_rev;
	cube_etcd_kv_clear(&kv);
	if (!o) {
		cube_httpd_respond_status(
			r->h, 500, "InternalError", NULL,
			"Internal error occurred: stored object %s is not JSON: %s", key, err.msg);
		return NULL;
	}
	set_rv(o, *mod_rev);
	return o;
}

/* The request's object as the watch cache holds it (a copy, with its
 * resourceVersion in *mod_rev), or NULL if the cache does not have it.  As
 * Kubernetes' GuaranteedUpdate, writes start from it and go to etcd only
 * when the compare-and-swap fails: the cache may lag, never lead. */
static cJSON *load_cached(api_req *r, int64_t *mod_rev)
{
	wc_obj *o = watchcache_get(r->s->wc, r->res, r->res->namespaced ? r->ns : NULL, r->name);
	cJSON *copy = o ? cube_obj_copy(o->json) : NULL;
	if (copy)
		*mod_rev = o->rv;
	wc_obj_unref(o);
	return copy;
}

/* Parses and checks a write's body: JSON, the right kind and apiVersion.
 * On failure answers and returns NULL. */
static cJSON *body_object(api_req *r)
{
	const char *ct = cube_httpd_header(r->h, "Content-Type");
	if (ct && strncasecmp(ct, "application/json", 16) != 0 && strncasecmp(ct, "*/*", 3) != 0) {
		cube_httpd_respond_status(
			r->h, 415, "UnsupportedMediaType", NULL,
			"the body of the request was in an unknown format - accepted media "
			"types include: application/json");
		return NULL;
	}
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = cube_json_parse(cube_httpd_body(r->h), cube_httpd_body_len(r->h), &err);
	if (!o) {
		api_bad_request(r, "the request body is not valid JSON: %s", err.msg);
		return NULL;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		api_bad_request(r, "the request body must be a JSON object");
		return NULL;
	}
	const char *kind = cube_obj_kind(o);
	const char *av = cube_obj_api_version(o);
	char gv[64];
	api_resource_gv(r->res, gv, sizeof(gv));
	const char *want_kind = r->res->kind;
	if (!strcmp(r->sub, "binding"))
		want_kind = "Binding";
	if ((!kind || !kind[0]) && (!av || !av[0])) {
		/* As Kubernetes' decoder: a body with neither takes them from the URL. */
		cube_json_set_str(o, "kind", want_kind);
		cube_json_set_str(o, "apiVersion", gv);
		kind = cube_obj_kind(o);
		av = cube_obj_api_version(o);
	}
	if (!kind || !kind[0]) {
		api_bad_request(r, "Object 'Kind' is missing in the request body");
	} else if (!av || !av[0]) {
		api_bad_request(r, "Object 'apiVersion' is missing in the request body");
	} else if (strcmp(kind, want_kind) != 0) {
		api_bad_request(
			r,
			"the kind in the request body (%s) does not match the expected kind (%s)",
			kind, want_kind);
	} else if (strcmp(av, gv) != 0) {
		api_bad_request(r,
				"the API version in the data (%s) does not match the expected API "
				"version (%s)",
				av, gv);
	} else if (cube_json_path(o, "metadata") &&
		   !cJSON_IsObject(cube_json_path(o, "metadata"))) {
		api_bad_request(r, "metadata must be an object");
	} else {
		return o;
	}
	cJSON_Delete(o);
	return NULL;
}

static bool name_valid(api_req *r, const char *name, char *msg, size_t size)
{
	switch (r->res->name_rule) {
	case NAME_LABEL:
		return cube_valid_dns1123_label(name, msg, size);
	case NAME_LABEL_1035:
		return cube_valid_dns1035_label(name, msg, size);
	case NAME_PATH:
		return cube_valid_path_segment(name, msg, size);
	case NAME_SUBDOMAIN:
	default:
		return cube_valid_dns1123_subdomain(name, msg, size);
	}
}

/* Checks labels: keys through the label selector parser's rules, values here. */
static bool labels_valid(api_req *r, const cJSON *o, const char *name)
{
	const cJSON *labels = cube_json_path(o, "metadata.labels");
	if (!labels)
		return true;
	if (!cJSON_IsObject(labels)) {
		invalid(r, name, "metadata.labels", "FieldValueInvalid",
			"must be a map of strings");
		return false;
	}
	const cJSON *l;
	cJSON_ArrayForEach (l, labels) {
		char field[400], msg[800];
		snprintf(field, sizeof(field), "metadata.labels");
		if (!cJSON_IsString(l)) {
			invalid(r, name, field, "FieldValueInvalid",
				"label values must be strings");
			return false;
		}
		char cause[512];
		if (!cube_valid_label_value(l->valuestring, cause, sizeof(cause))) {
			snprintf(msg, sizeof(msg), "Invalid value: \"%.100s\": %s", l->valuestring,
				 cause);
			invalid(r, name, field, "FieldValueInvalid", msg);
			return false;
		}
		/* Keys: "a" parses as an Exists requirement iff it is a valid label key. */
		cube_err kerr = CUBE_ERR_INIT;
		cube_labelsel *ks = strpbrk(l->string, "!=(),<> ")
					    ? NULL
					    : cube_labelsel_parse(l->string, &kerr);
		if (!ks) {
			snprintf(msg, sizeof(msg), "Invalid value: \"%.100s\": invalid label key",
				 l->string);
			invalid(r, name, field, "FieldValueInvalid", msg);
			return false;
		}
		cube_labelsel_free(ks);
	}
	return true;
}

/* The namespace of a create must exist and not be terminating. */
static bool namespace_ok(api_req *r, const char *ns, const char *name)
{
	const api_resource *nsres = api_resource_find("", "v1", "namespaces");
	wc_obj *o = watchcache_get(r->s->wc, nsres, NULL, ns);
	cJSON *live = NULL;
	const cJSON *obj = o ? o->json : NULL;
	if (!obj) {
		/* Not in the cache (yet): ask etcd, the cache may lag a fresh create. */
		char key[512];
		registry_key(nsres, NULL, ns, key, sizeof(key));
		cube_etcd_kv kv;
		cube_err err = CUBE_ERR_INIT;
		if (cube_etcd_get(r->s->etcd, key, &kv, NULL, &err) == 0) {
			live = cube_json_parse(kv.value, kv.value_len, NULL);
			cube_etcd_kv_clear(&kv);
			obj = live;
		} else if (err.code != CUBE_ENOTFOUND) {
			api_storage_error(r, &err);
			return false;
		}
	}
	bool ok = true;
	if (!obj) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "name", ns);
		cJSON_AddStringToObject(d, "kind", "namespaces");
		cube_httpd_respond_status(r->h, 404, "NotFound", d, "namespaces \"%s\" not found",
					  ns);
		ok = false;
	} else if (cube_json_str(obj, "metadata.deletionTimestamp") ||
		   (cube_json_str(obj, "status.phase") &&
		    !strcmp(cube_json_str(obj, "status.phase"), "Terminating"))) {
		char q[96];
		cube_httpd_respond_status(
			r->h, 403, "Forbidden", details(r, name, NULL),
			"%s \"%s\" is forbidden: unable to create new content in namespace %s "
			"because it is being terminated",
			qres(r, q, sizeof(q)), name, ns);
		ok = false;
	}
	wc_obj_unref(o);
	cJSON_Delete(live);
	return ok;
}

/* The lease that expires objects with a TTL; one per minute is shared. */
static int64_t ttl_lease(api_req *r, cube_err *err)
{
	apiserver *s = r->s;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pthread_mutex_lock(&s->lease_mu);
	int64_t id = s->lease_id;
	if (!id || now >= s->lease_until_ms) {
		int64_t ttl = r->res->ttl_seconds;
		if (s->cfg.event_ttl_s > 0 && !strcmp(r->res->plural, "events"))
			ttl = s->cfg.event_ttl_s;
		if (cube_etcd_lease_grant(s->etcd, ttl + 60, &id, err) < 0) {
			pthread_mutex_unlock(&s->lease_mu);
			return -1;
		}
		s->lease_id = id;
		s->lease_until_ms = now + 60000;
	}
	pthread_mutex_unlock(&s->lease_mu);
	return id;
}

static bool has_finalizers(const cJSON *o)
{
	const cJSON *f = cube_json_path(o, "metadata.finalizers");
	return cJSON_IsArray(f) && cJSON_GetArraySize(f) > 0;
}

static bool ns_spec_finalizers(const cJSON *o)
{
	const cJSON *f = cube_json_path(o, "spec.finalizers");
	return cJSON_IsArray(f) && cJSON_GetArraySize(f) > 0;
}

/* ---- validation -------------------------------------------------------------------- */

/* Validates obj (old: the stored object on update); answers 422 with every
 * cause, as Kubernetes, and returns -1 if it is invalid. */
static int validate(api_req *r, const cJSON *obj, const cJSON *old, const char *name)
{
	api_causes c = {0};
	int n = api_validate(r->res, obj, old, &c);
	if (n < 0) {
		api_causes_clear(&c);
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return -1;
	}
	if (n == 0) {
		api_causes_clear(&c);
		return 0;
	}
	char msg[4096];
	api_invalid_message(r->res, name, &c, msg, sizeof(msg));
	cJSON *d = details(r, name, r->res->kind);
	if (d)
		cJSON_AddItemToObject(d, "causes", api_causes_json(&c));
	api_causes_clear(&c);
	cube_httpd_respond_status(r->h, 422, "Invalid", d, "%s", msg);
	return -1;
}

/* ---- fieldValidation -------------------------------------------------------------- */

/* Applies ?fieldValidation= (Strict, Warn, Ignore; absent means Warn, as in
 * Kubernetes 1.27+) to the fields of `obj` the schema does not know.
 * Returns 0, or -1 after answering (Strict, or a bad parameter). */
static int field_validation(api_req *r, const cJSON *obj)
{
	/* Values of the wrong type fail decoding first, as in Kubernetes: 400. */
	char terr[512];
	int te = api_schema_type_error(r->res->group, r->res->kind, obj, terr, sizeof(terr));
	if (te > 0) {
		cube_httpd_respond_status(r->h, 400, "BadRequest", NULL,
					  "%s in version \"%s\" cannot be handled as a %s: %s",
					  r->res->kind, r->res->version, r->res->kind, terr);
		return -1;
	}
	const char *mode = cube_httpd_query(r->h, "fieldValidation");
	if (!mode || !mode[0])
		mode = "Warn";
	if (strcmp(mode, "Strict") && strcmp(mode, "Warn") && strcmp(mode, "Ignore")) {
		api_bad_request(
			r,
			"fieldValidation: Invalid value: \"%s\": fieldValidation must be one "
			"of \"Ignore\", \"Warn\", or \"Strict\"",
			mode);
		return -1;
	}
	if (!strcmp(mode, "Ignore"))
		return 0;
	char paths[16][API_SCHEMA_PATH_MAX];
	int n = api_schema_unknown_fields(r->res->group, r->res->kind, obj, paths, 16);
	if (n <= 0)
		return 0;
	if (!strcmp(mode, "Warn")) {
		for (int i = 0; i < n && i < 16; i++) {
			char w[320];
			snprintf(w, sizeof(w), "299 - \"unknown field \\\"%.250s\\\"\"", paths[i]);
			cube_httpd_add_header(r->h, "Warning", w);
		}
		return 0;
	}
	char msg[2048];
	size_t off = 0;
	off += (size_t)snprintf(msg, sizeof(msg),
				"%s in version \"%s\" cannot be handled as a %s: "
				"strict decoding error: ",
				r->res->kind, r->res->version, r->res->kind);
	for (int i = 0; i < n && i < 16 && off < sizeof(msg); i++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off, "%sunknown field \"%s\"",
					i ? ", " : "", paths[i]);
	cube_httpd_respond_status(r->h, 400, "BadRequest", NULL, "%s", msg);
	return -1;
}

/* ---- get / list / watch ------------------------------------------------------------- */

/* Answers with a Table of `rows` (taken) if the client asked for one. */
static void respond_table(api_req *r, const char *version, int64_t rv, const char *cont,
			  int64_t remaining, cJSON *rows)
{
	char *text = api_table_text(r->res, version, rv, cont, remaining, rows, true);
	if (!text) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	cube_httpd_respond(r->h, 200, api_table_content_type(version), text, strlen(text));
}

static void do_get(api_req *r)
{
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	int64_t rev;
	cube_autojson cJSON *o = load(r, key, &rev);
	if (!o)
		return;
	const char *table = api_table_wanted(r->h);
	if (table && !r->sub[0]) {
		cJSON *rows = cJSON_CreateArray();
		cJSON_AddItemToArray(rows,
				     api_table_row(r->res, o, time(NULL), api_table_include(r->h)));
		respond_table(r, table, rev, NULL, 0, rows);
		return;
	}
	respond_obj(r, 200, o);
}

/* Parses labelSelector and fieldSelector; on failure answers and returns -1. */
static int selectors(api_req *r, cube_labelsel **ls, cube_fieldsel **fs)
{
	*ls = NULL;
	*fs = NULL;
	cube_err err = CUBE_ERR_INIT;
	const char *l = cube_httpd_query(r->h, "labelSelector");
	const char *f = cube_httpd_query(r->h, "fieldSelector");
	if (l && l[0] && !(*ls = cube_labelsel_parse(l, &err))) {
		api_bad_request(r, "unable to parse requirement: %s", err.msg);
		return -1;
	}
	if (f && f[0]) {
		if (!(*fs = cube_fieldsel_parse(f, &err))) {
			cube_labelsel_free(*ls);
			*ls = NULL;
			api_bad_request(r, "invalid field selector: %s", err.msg);
			return -1;
		}
		for (size_t i = 0; i < cube_fieldsel_count(*fs); i++) {
			const char *field = cube_fieldsel_field(*fs, i);
			if (!api_resource_field_ok(r->res, field)) {
				api_bad_request(r, "field label not supported: %s", field);
				cube_labelsel_free(*ls);
				cube_fieldsel_free(*fs);
				*ls = NULL;
				*fs = NULL;
				return -1;
			}
		}
	}
	return 0;
}

static int parse_int64(const char *s, int64_t *out)
{
	if (!s || !s[0])
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

static void list_head(api_req *r, cube_sb *b, int64_t rv, const char *cont, int64_t remaining)
{
	char gv[64], head[512];
	snprintf(
		head, sizeof(head),
		"{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%lld\"",
		r->res->list_kind, api_resource_gv(r->res, gv, sizeof(gv)), (long long)rv);
	cube_sb_str(b, head);
	if (cont && cont[0]) {
		cube_sb_str(b, ",\"continue\":\"");
		cube_sb_str(b, cont);
		cube_sb_str(b, "\"");
		if (remaining > 0) {
			snprintf(head, sizeof(head), ",\"remainingItemCount\":%lld",
				 (long long)remaining);
			cube_sb_str(b, head);
		}
	}
	cube_sb_str(b, "},\"items\":[");
}

static void list_send(api_req *r, cube_sb *b)
{
	cube_sb_str(b, "]}");
	if (b->oom) {
		free(b->p);
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	cube_httpd_respond(r->h, 200, "application/json", b->p, b->len);
}

/* The continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>"}. */
static char *continue_token(int64_t rv, const char *last_key)
{
	cube_autojson cJSON *t = cJSON_CreateObject();
	char rvs[24];
	snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
	cJSON_AddStringToObject(t, "v", "meta.k8s.io/v1");
	cJSON_AddNumberToObject(t, "rv", (double)rv);
	cJSON_AddStringToObject(t, "start", last_key);
	cube_autofree char *text = cJSON_PrintUnformatted(t);
	if (!text)
		return NULL;
	size_t n = strlen(text);
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (!out)
		return NULL;
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)text[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)text[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)text[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Decodes a continue token; -1 if it is not one of ours. */
static int parse_continue(const char *tok, int64_t *rv, char **start)
{
	size_t n = strlen(tok);
	cube_autofree char *text = malloc(n + 1);
	if (!text)
		return -1;
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n && tok[i] != '='; i++) {
		int v = b64val(tok[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			text[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	text[o] = '\0';
	cube_autojson cJSON *t = cube_json_parse(text, o, NULL);
	const char *s = t ? cube_json_str(t, "start") : NULL;
	*rv = t ? cube_json_int(t, "rv", 0) : 0;
	if (!s || *rv <= 0 || strchr(s, '\0') != s + strlen(s))
		return -1;
	*start = strdup(s);
	return *start ? 0 : -1;
}

static void list_from_etcd(api_req *r, const cube_labelsel *ls, const cube_fieldsel *fs,
			   int64_t limit, const char *cont)
{
	char prefix[512];
	if (r->res->namespaced && r->ns[0])
		snprintf(prefix, sizeof(prefix), "/registry/%s/%s/", r->res->plural, r->ns);
	else
		snprintf(prefix, sizeof(prefix), "/registry/%s/", r->res->plural);
	int64_t rev = 0;
	cube_autofree char *start = NULL;
	if (cont && cont[0]) {
		if (parse_continue(cont, &rev, &start) < 0 ||
		    strncmp(start, prefix, strlen(prefix)) != 0) {
			api_bad_request(r, "continue key is not valid: invalid continue token");
			return;
		}
	}
	cube_sb b = {0};
	size_t count = 0;
	char *last = start ? strdup(start) : NULL;
	bool more = false;
	int64_t remaining = 0;
	const char *table = api_table_wanted(r->h);
	table_include inc = api_table_include(r->h);
	cJSON *rows = table ? cJSON_CreateArray() : NULL;
	time_t now = time(NULL);
	for (;;) {
		cube_etcd_range_req q = {.key = last ? last : prefix,
					 .after_key = last != NULL,
					 .prefix = true,
					 .prefix_of = prefix,
					 .limit = limit > 0 ? limit - (int64_t)count + 1 : 0,
					 .revision = rev};
		cube_etcd_range_resp resp;
		cube_err err = CUBE_ERR_INIT;
		if (cube_etcd_range(r->s->etcd, &q, &resp, &err) < 0) {
			free(last);
			free(b.p);
			cJSON_Delete(rows);
			if (err.code == CUBE_ECOMPACTED)
				cube_httpd_respond_status(r->h, 410, "Expired", NULL,
							  "The provided continue parameter is too "
							  "old to display a consistent list "
							  "result. You can start a new list "
							  "without the continue parameter.");
			else
				api_storage_error(r, &err);
			return;
		}
		if (!rev) {
			rev = resp.revision;
			list_head(r, &b, rev, NULL,
				  0); /* rewritten below if a continue is needed */
		} else if (b.len == 0) {
			list_head(r, &b, rev, NULL, 0);
		}
		size_t i;
		for (i = 0; i < resp.n; i++) {
			if (limit > 0 && (int64_t)count == limit) {
				more = true;
				break;
			}
			free(last);
			last = strdup(resp.kvs[i].key);
			cJSON *o = cube_json_parse(resp.kvs[i].value, resp.kvs[i].value_len, NULL);
			if (!o)
				continue;
			bool match = (!ls || cube_labelsel_matches(ls, cube_obj_labels(o))) &&
				     (!fs || cube_fieldsel_matches_json(fs, o));
			if (match && rows) {
				set_rv(o, resp.kvs[i].mod_rev);
				cJSON_AddItemToArray(rows, api_table_row(r->res, o, now, inc));
				count++;
			} else if (match) {
				set_rv(o, resp.kvs[i].mod_rev);
				char *t = cJSON_PrintUnformatted(o);
				if (t) {
					if (count)
						cube_sb_add(&b, ",", 1);
					cube_sb_str(&b, t);
					free(t);
					count++;
				}
			}
			cJSON_Delete(o);
		}
		if (more)
			remaining = resp.count - (int64_t)i;
		bool etcd_more = resp.more;
		cube_etcd_range_resp_clear(&resp);
		if (more || !etcd_more || !last)
			break;
	}
	if (rows) {
		cube_autofree char *tok = more && last ? continue_token(rev, last) : NULL;
		free(last);
		free(b.p);
		respond_table(r, table, rev, tok, (ls || fs) ? 0 : remaining, rows);
		return;
	}
	if (more && last) {
		/* Redo the head with the continue token (the items are already in place). */
		cube_autofree char *tok = continue_token(rev, last);
		cube_sb head = {0};
		list_head(r, &head, rev, tok, (ls || fs) ? 0 : remaining);
		const char *items = strchr(b.p, '[') + 1;
		cube_sb_str(&head, items);
		free(b.p);
		b = head;
	}
	free(last);
	list_send(r, &b);
}

static void do_list(api_req *r)
{
	cube_labelsel *ls;
	cube_fieldsel *fs;
	if (selectors(r, &ls, &fs) < 0)
		return;
	const char *rvp = cube_httpd_query(r->h, "resourceVersion");
	const char *limit_s = cube_httpd_query(r->h, "limit");
	const char *cont = cube_httpd_query(r->h, "continue");
	int64_t limit = 0;
	if (limit_s && limit_s[0] && parse_int64(limit_s, &limit) < 0) {
		api_bad_request(r, "invalid limit: \"%s\"", limit_s);
		goto out;
	}
	int64_t want = 0;
	if (rvp && rvp[0] && strcmp(rvp, "0") && parse_int64(rvp, &want) < 0) {
		api_bad_request(r, "invalid resourceVersion: \"%s\"", rvp);
		goto out;
	}
	if ((cont && cont[0]) || (limit > 0 && !(rvp && !strcmp(rvp, "0")))) {
		list_from_etcd(r, ls, fs, limit, cont);
		goto out;
	}
	cube_err err = CUBE_ERR_INIT;
	if (!rvp || !rvp[0]) {
		/* A consistent read: wait until the cache has seen etcd's current revision. */
		if (cube_etcd_revision(r->s->etcd, &want, &err) < 0) {
			api_storage_error(r, &err);
			goto out;
		}
	}
	if (watchcache_wait(r->s->wc, want, 3000, &err) < 0) {
		api_storage_error(r, &err);
		goto out;
	}
	wc_filter f = {.ns = r->res->namespaced && r->ns[0] ? r->ns : NULL,
		       .ls = ls,
		       .fs = fs,
		       .name = fs ? cube_fieldsel_exact(fs, "metadata.name") : NULL};
	wc_obj **objs;
	size_t n;
	int64_t rv;
	if (watchcache_list(r->s->wc, r->res, &f, &objs, &n, &rv, &err) < 0) {
		api_storage_error(r, &err);
		goto out;
	}
	const char *table = api_table_wanted(r->h);
	if (table) {
		cJSON *rows = cJSON_CreateArray();
		table_include inc = api_table_include(r->h);
		time_t now = time(NULL);
		for (size_t i = 0; i < n; i++) {
			cJSON_AddItemToArray(rows, api_table_row(r->res, objs[i]->json, now, inc));
			wc_obj_unref(objs[i]);
		}
		free(objs);
		respond_table(r, table, rv, NULL, 0, rows);
		goto out;
	}
	cube_sb b = {0};
	list_head(r, &b, rv, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		if (i)
			cube_sb_add(&b, ",", 1);
		cube_sb_add(&b, objs[i]->text, objs[i]->len);
		wc_obj_unref(objs[i]);
	}
	free(objs);
	list_send(r, &b);
out:
	cube_labelsel_free(ls);
	cube_fieldsel_free(fs);
}

static void do_watch(api_req *r)
{
	cube_labelsel *ls;
	cube_fieldsel *fs;
	if (selectors(r, &ls, &fs) < 0)
		return;
	int64_t timeout = 0;
	const char *ts = cube_httpd_query(r->h, "timeoutSeconds");
	if (ts && ts[0] && parse_int64(ts, &timeout) < 0) {
		cube_labelsel_free(ls);
		cube_fieldsel_free(fs);
		api_bad_request(r, "invalid timeoutSeconds: \"%s\"", ts);
		return;
	}
	const char *name = fs ? cube_fieldsel_exact(fs, "metadata.name") : NULL;
	cube_autofree char *name_copy = name ? strdup(name) : NULL;
	wc_watch_opts o = {.ns = r->res->namespaced && r->ns[0] ? r->ns : NULL,
			   .name = name_copy,
			   .ls = ls,
			   .fs = fs,
			   .rv = cube_httpd_query(r->h, "resourceVersion"),
			   .bookmarks = cube_httpd_query_bool(r->h, "allowWatchBookmarks"),
			   .table = api_table_wanted(r->h),
			   .table_include = (int)api_table_include(r->h),
			   .timeout_s = (int)(timeout > 86400 ? 86400 : timeout)};
	cube_err err = CUBE_ERR_INIT;
	if (watchcache_watch(r->s->wc, r->res, &o, r->h, &err) < 0)
		api_storage_error(r, &err);
}

static void set_num(cJSON *o, const char *name, int64_t v);

/* ---- Services: ClusterIPs and NodePorts ---------------------------------------------- */

static bool needs_node_ports(const cJSON *svc)
{
	const char *t = cube_json_str(svc, "spec.type");
	return t && (!strcmp(t, "NodePort") || !strcmp(t, "LoadBalancer"));
}

/* Releases what a stored (or half-made) Service holds. */
static void service_release(apiserver *s, const cJSON *svc)
{
	const char *ip = cube_json_str(svc, "spec.clusterIP");
	api_release_ip(&s->alloc, ip);
	const cJSON *p;
	cJSON_ArrayForEach (p, cube_json_path(svc, "spec.ports")) {
		api_release_port(&s->alloc, (int)cube_json_int(p, "nodePort", 0));
	}
}

static void invalid_value(api_req *r, const char *name, const char *field, const char *value,
			  const char *why)
{
	char msg[768];
	snprintf(msg, sizeof(msg), "Invalid value: %s: %s", value, why);
	invalid(r, name, field, "FieldValueInvalid", msg);
}

/* A Service's ClusterIP cannot change: a changed clusterIP is carried into
 * clusterIPs (as Kubernetes' PrepareForUpdate does) and refused there with
 * its message. Answers and returns -1 when it changed. */
static int service_ip_changed(api_req *r, const cJSON *cur, const cJSON *next)
{
	const char *had = cube_json_str(cur, "spec.clusterIP");
	const char *want = cube_json_str(next, "spec.clusterIP");
	if (!had || !had[0] || !want || !want[0] || !strcmp(had, want))
		return 0;
	char v[128];
	snprintf(v, sizeof(v), "[]string{\"%.80s\"}", want);
	invalid_value(r, r->name, "spec.clusterIPs[0]", v, "may not change once set");
	return -1;
}

/* Gives a Service its ClusterIP and NodePorts, in place; on an update `old`
 * keeps what it already had and gives back node ports it no longer uses.
 * Answers and returns -1 on failure, releasing what it took. */
static int service_allocate(api_req *r, cJSON *svc, const cJSON *old, const char *name)
{
	apiserver *s = r->s;
	cJSON *spec = cube_json_ensure_obj(svc, "spec");
	const char *type = cube_json_str(svc, "spec.type");
	if (!type) {
		cube_json_set_str(spec, "type", "ClusterIP");
		type = "ClusterIP";
	}
	char owner[600];
	snprintf(owner, sizeof(owner), "%s/%s", r->ns, name);
	char ip[64] = "";
	bool took_ip = false;
	const char *want = cube_json_str(svc, "spec.clusterIP");
	const cJSON *ips = cube_json_path(svc, "spec.clusterIPs");
	if ((!want || !want[0]) && cJSON_IsArray(ips) && cJSON_IsString(cJSON_GetArrayItem(ips, 0)))
		want = cJSON_GetArrayItem(ips, 0)->valuestring;
	const char *had = old ? cube_json_str(old, "spec.clusterIP") : NULL;
	if (!strcmp(type, "ExternalName")) {
		ip[0] = '\0';
	} else if (had && had[0]) {
		if (want && want[0] && strcmp(want, had)) {
			char v[96];
			snprintf(v, sizeof(v), "\"%.80s\"", want);
			invalid_value(r, name, "spec.clusterIPs[0]", v, "may not change once set");
			return -1;
		}
		snprintf(ip, sizeof(ip), "%s", had);
	} else if (want && !strcmp(want, "None")) {
		snprintf(ip, sizeof(ip), "None");
	} else {
		cube_err err = CUBE_ERR_INIT;
		if (api_alloc_ip(&s->alloc, want, owner, ip, sizeof(ip), &err) < 0) {
			if (err.code == CUBE_EINVAL || err.code == CUBE_EEXIST ||
			    err.code == CUBE_ETOOBIG) {
				char v[128];
				snprintf(v, sizeof(v), "[]string{\"%.80s\"}", want ? want : "");
				invalid_value(r, name, "spec.clusterIPs", v, err.msg);
			} else {
				api_storage_error(r, &err);
			}
			return -1;
		}
		took_ip = true;
	}
	if (ip[0]) {
		cube_json_set_str(spec, "clusterIP", ip);
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "clusterIPs");
		cJSON *arr = cJSON_AddArrayToObject(spec, "clusterIPs");
		cJSON_AddItemToArray(arr, cJSON_CreateString(ip));
	}
	/* NodePorts: kept from the old object by port number, else allocated. */
	cJSON *ports = cJSON_GetObjectItemCaseSensitive(spec, "ports");
	int taken[64];
	size_t ntaken = 0;
	int i = 0;
	cJSON *p;
	cJSON_ArrayForEach (p, ports) {
		int np = (int)cube_json_int(p, "nodePort", 0);
		if (!needs_node_ports(svc)) {
			cJSON_DeleteItemFromObjectCaseSensitive(p, "nodePort");
			i++;
			continue;
		}
		int oldnp = 0;
		const cJSON *op;
		/* Kubernetes keeps a port's node port by the port's name (names are
		 * unique, and a single port may be unnamed): renumbering keeps it. */
		const char *pname = cube_json_str(p, "name");
		cJSON_ArrayForEach (op, (old ? cube_json_path(old, "spec.ports") : NULL)) {
			const char *oname = cube_json_str(op, "name");
			bool same = !strcmp(pname ? pname : "", oname ? oname : "");
			if (same)
				oldnp = (int)cube_json_int(op, "nodePort", 0);
		}
		if (oldnp && (np == 0 || np == oldnp)) {
			set_num(p, "nodePort", oldnp);
			i++;
			continue;
		}
		int got = 0;
		cube_err err = CUBE_ERR_INIT;
		if (api_alloc_port(&s->alloc, np, owner, &got, &err) < 0) {
			for (size_t j = 0; j < ntaken; j++)
				api_release_port(&s->alloc, taken[j]);
			if (took_ip)
				api_release_ip(&s->alloc, ip);
			char field[64], v[32];
			snprintf(field, sizeof(field), "spec.ports[%d].nodePort", i);
			snprintf(v, sizeof(v), "%d", np);
			if (err.code == CUBE_EINVAL || err.code == CUBE_EEXIST ||
			    err.code == CUBE_ETOOBIG)
				invalid_value(r, name, field, v, err.msg);
			else
				api_storage_error(r, &err);
			return -1;
		}
		if (ntaken < CUBE_ARRAY_LEN(taken))
			taken[ntaken++] = got;
		set_num(p, "nodePort", got);
		i++;
	}
	/* Ports the update dropped give their node ports back. */
	const cJSON *op;
	cJSON_ArrayForEach (op, (old ? cube_json_path(old, "spec.ports") : NULL)) {
		int onp = (int)cube_json_int(op, "nodePort", 0);
		bool kept = false;
		cJSON_ArrayForEach (p, ports) {
			kept |= cube_json_int(p, "nodePort", 0) == onp;
		}
		if (onp && !kept)
			api_release_port(&s->alloc, onp);
	}
	return 0;
}

/* ---- create --------------------------------------------------------------------------- */

static void create_object(api_req *r, cJSON *o);

static void do_create(api_req *r)
{
	cube_autojson cJSON *o = body_object(r);
	if (o && field_validation(r, o) == 0)
		create_object(r, o);
}

/* Server-side apply of an absent object: a create of the applied body (201). */
static void rest_create_from(api_req *r, const cJSON *body)
{
	const char *kind = cube_obj_kind(body);
	if (!kind || strcmp(kind, r->res->kind)) {
		api_bad_request(
			r, "the kind in the apply body (%s) does not match the expected kind (%s)",
			kind ? kind : "", r->res->kind);
		return;
	}
	cube_autojson cJSON *o = cube_obj_copy(body);
	if (!o) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	if (field_validation(r, o) < 0)
		return;
	const char *name = cube_obj_name(o);
	if (!name || strcmp(name, r->name)) {
		api_bad_request(
			r, "the name of the object (%s) does not match the name on the URL (%s)",
			name ? name : "", r->name);
		return;
	}
	create_object(r, o);
}

/* Creates `o` (checked for kind; modified in place, borrowed). Answers. */
static void create_object(api_req *r, cJSON *o)
{
	cJSON *md = cube_json_ensure_obj(o, "metadata");
	const char *bns = cube_obj_namespace(o);
	if (r->res->namespaced) {
		if (bns && bns[0] && strcmp(bns, r->ns)) {
			api_bad_request(
				r,
				"the namespace of the provided object does not match the namespace "
				"sent on the request");
			return;
		}
		cube_obj_set_meta_str(o, "namespace", r->ns);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
	}
	const char *name = cube_obj_name(o);
	const char *gen = cube_json_str(o, "metadata.generateName");
	char namebuf[256] = "";
	if (name && strlen(name) >= sizeof(namebuf)) {
		invalid(r, "", "metadata.name", "FieldValueInvalid",
			"Invalid value: must be no more than 253 characters");
		return;
	}
	if (name && name[0]) {
		snprintf(namebuf, sizeof(namebuf), "%s", name);
	} else if (!gen || !gen[0]) {
		invalid(r, "", "metadata.name", "FieldValueRequired",
			"Required value: name or generateName is required");
		return;
	}
	char msg[512], cause[1024];
	/* With generateName the base is checked with a sample suffix. */
	char probe[320];
	snprintf(probe, sizeof(probe), "%.300s%s", namebuf[0] ? namebuf : gen,
		 namebuf[0] ? "" : "abcde");
	if (!name_valid(r, probe, msg, sizeof(msg))) {
		snprintf(cause, sizeof(cause), "Invalid value: \"%.300s\": %s",
			 namebuf[0] ? namebuf : gen, msg);
		invalid(r, namebuf[0] ? namebuf : gen,
			namebuf[0] ? "metadata.name" : "metadata.generateName", "FieldValueInvalid",
			cause);
		return;
	}
	if (!labels_valid(r, o, namebuf))
		return;
	if (r->res->namespaced && !namespace_ok(r, r->ns, namebuf[0] ? namebuf : gen))
		return;

	char uid[40], now[32];
	api_new_uid(uid, sizeof(uid));
	api_now_rfc3339(now, sizeof(now), 0);
	cube_obj_set_meta_str(o, "uid", uid);
	cube_obj_set_meta_str(o, "creationTimestamp", now);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionTimestamp");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "selfLink");
	if (r->res->generation) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
		cJSON_AddNumberToObject(md, "generation", 1);
	}
	const char *plural = r->res->plural;
	if (r->res->status && strcmp(plural, "nodes") != 0) {
		/* Status is the controllers' to write: a create starts without one. */
		cJSON_DeleteItemFromObjectCaseSensitive(o, "status");
		cJSON *st = cJSON_AddObjectToObject(o, "status");
		if (!strcmp(plural, "pods"))
			cJSON_AddStringToObject(st, "phase", "Pending");
		else if (!strcmp(plural, "namespaces"))
			cJSON_AddStringToObject(st, "phase", "Active");
	}
	if (api_default(r->res, o) < 0) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	/* As Kubernetes' BeforeCreate: the name is generated before validation. */
	if (!name || !name[0]) {
		char sfx[6];
		name_suffix(sfx);
		snprintf(namebuf, sizeof(namebuf), "%.58s%s", gen, sfx);
		cube_obj_set_meta_str(o, "name", namebuf);
		name = NULL;
	}
	if (validate(r, o, NULL, namebuf) < 0)
		return;
	if (!strcmp(plural, "namespaces")) {
		cJSON *spec = cube_json_ensure_obj(o, "spec");
		if (!cJSON_GetObjectItemCaseSensitive(spec, "finalizers")) {
			cJSON *f = cJSON_AddArrayToObject(spec, "finalizers");
			cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
		}
	}

	if (dry_run(r)) {
		if (!namebuf[0]) {
			char sfx[6];
			name_suffix(sfx);
			snprintf(namebuf, sizeof(namebuf), "%.58s%s", gen, sfx);
			cube_obj_set_meta_str(o, "name", namebuf);
		}
		respond_obj(r, 201, o);
		return;
	}
	int64_t lease = 0;
	cube_err err = CUBE_ERR_INIT;
	if (r->res->ttl_seconds > 0 && (lease = ttl_lease(r, &err)) < 0) {
		api_storage_error(r, &err);
		return;
	}
	bool is_svc = !strcmp(plural, "services");
	if (is_svc && service_allocate(r, o, NULL, namebuf[0] ? namebuf : gen) < 0)
		return;
	for (int attempt = 0; attempt < (namebuf[0] && name ? 1 : GENERATE_NAME_TRIES); attempt++) {
		if (!name || !name[0]) {
			char sfx[6];
			name_suffix(sfx);
			/* As Kubernetes: the base is cut to 58 characters, 63 with the suffix. */
			snprintf(namebuf, sizeof(namebuf), "%.58s%s", gen, sfx);
			cube_obj_set_meta_str(o, "name", namebuf);
		}
		char key[768];
		registry_key(r->res, r->ns, namebuf, key, sizeof(key));
		cube_autofree char *text = cJSON_PrintUnformatted(o);
		if (!text) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
			return;
		}
		int64_t rev = 0;
		if (cube_etcd_create(r->s->etcd, key, text, strlen(text), lease, &rev, NULL,
				     &err) == 0) {
			set_rv(o, rev);
			respond_obj(r, 201, o);
			return;
		}
		if (err.code != CUBE_EEXIST) {
			if (is_svc)
				service_release(r->s, o);
			snprintf(r->name, sizeof(r->name), "%s", namebuf);
			api_storage_error(r, &err);
			return;
		}
	}
	if (is_svc)
		service_release(r->s, o);
	char q[96];
	cube_httpd_respond_status(r->h, 409, "AlreadyExists", details(r, namebuf, NULL),
				  "%s \"%s\" already exists", qres(r, q, sizeof(q)), namebuf);
}

/* ---- update -------------------------------------------------------------------------- */

/* Copies field `name` of `from` into `to` (or removes it from `to`). */
static void carry(cJSON *to, const cJSON *from, const char *name)
{
	cJSON_DeleteItemFromObjectCaseSensitive(to, name);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
	if (v)
		cJSON_AddItemToObject(to, name, cJSON_Duplicate(v, true));
}

/* Writes `next` over the stored object (mod_rev `rev`), or deletes it when a
 * terminating object has lost its last finalizer.  Answers the request and
 * returns 0, or returns -2 without answering when the object changed
 * meanwhile (the caller retries or answers 409). */
static int write_update(api_req *r, const char *key, cJSON *next, int64_t rev)
{
	cube_err err = CUBE_ERR_INIT;
	bool finished = cube_json_str(next, "metadata.deletionTimestamp") &&
			!has_finalizers(next) &&
			!(r->res->graceful &&
			  cube_json_int(next, "metadata.deletionGracePeriodSeconds", 0) > 0) &&
			!(strcmp(r->res->plural, "namespaces") == 0 && ns_spec_finalizers(next));
	if (dry_run(r)) {
		respond_obj(r, 200, next);
		return 0;
	}
	if (finished) {
		int64_t drev;
		if (cube_etcd_delete_if(r->s->etcd, key, rev, NULL, &drev, &err) < 0) {
			if (err.code == CUBE_ECONFLICT)
				return -2;
			api_storage_error(r, &err);
			return 0;
		}
		if (!strcmp(r->res->plural, "services"))
			service_release(r->s, next);
		set_rv(next, drev);
		respond_obj(r, 200, next);
		return 0;
	}
	cJSON *md = cube_json_ensure_obj(next, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cube_autofree char *text = cJSON_PrintUnformatted(next);
	int64_t nrev;
	if (!text) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return 0;
	}
	if (cube_etcd_update(r->s->etcd, key, text, strlen(text), rev, &nrev, NULL, &err) < 0) {
		if (err.code == CUBE_ECONFLICT)
			return -2;
		api_storage_error(r, &err);
		return 0;
	}
	set_rv(next, nrev);
	respond_obj(r, 200, next);
	return 0;
}

/* Where an update's desired object comes from. */
typedef enum { SRC_PUT, SRC_MERGE, SRC_JSONPATCH, SRC_STRATEGIC, SRC_APPLY } src_kind;

/* The patch type of a PATCH's Content-Type, or -1. */
static int patch_kind(const char *ct)
{
	static const struct {
		const char *type;
		src_kind kind;
	} types[] = {
		{"application/merge-patch+json", SRC_MERGE},
		{"application/json-patch+json", SRC_JSONPATCH},
		{"application/strategic-merge-patch+json", SRC_STRATEGIC},
		{"application/apply-patch+yaml", SRC_APPLY},
		{"application/apply-patch+json", SRC_APPLY},
	};
	for (size_t i = 0; ct && i < CUBE_ARRAY_LEN(types); i++)
		if (!strncasecmp(ct, types[i].type, strlen(types[i].type)))
			return (int)types[i].kind;
	return -1;
}

/* The object the client wants, from the stored one: a PUT's body, or the
 * patch applied to `cur`.  NULL after answering (422 for a patch that does
 * not apply, as Kubernetes). */
static cJSON *desired(api_req *r, src_kind kind, const cJSON *body, const cJSON *cur)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *want = NULL;
	switch (kind) {
	case SRC_PUT:
		want = cube_obj_copy(body);
		break;
	case SRC_MERGE:
	case SRC_APPLY:
		want = cube_merge_patch(cur, body, &err);
		break;
	case SRC_JSONPATCH:
		want = cube_json_patch(cur, body, &err);
		break;
	case SRC_STRATEGIC:
		want = cube_strategic_merge_patch(cur, body, cube_smp_schema_for(r->res->kind),
						  &err);
		break;
	}
	if (!want) {
		if (err.code == CUBE_ENOMEM || !err.msg[0]) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
		} else {
			/* A 422 as Kubernetes answers a patch that does not apply; cube puts
			 * the patch's own error in the message (Kubernetes says only "the
			 * server rejected our request due to an error in our request"). */
			cube_httpd_respond_status(r->h, 422, "Invalid", NULL, "%s", err.msg);
		}
		return NULL;
	}
	if (!cJSON_IsObject(want)) {
		cJSON_Delete(want);
		cube_httpd_respond_status(r->h, 422, "Invalid", NULL,
					  "the patch did not result in an object");
		return NULL;
	}
	return want;
}

/* Kubernetes omits empty label and annotation maps (Go's omitempty): a
 * write that removes the last one leaves no "{}" behind. */
static void drop_empty_maps(cJSON *o)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	static const char *const maps[] = {"labels", "annotations"};
	for (size_t i = 0; md && i < CUBE_ARRAY_LEN(maps); i++) {
		cJSON *m = cJSON_GetObjectItemCaseSensitive(md, maps[i]);
		if (m && (cJSON_IsNull(m) || (cJSON_IsObject(m) && !m->child)))
			cJSON_DeleteItemFromObjectCaseSensitive(md, maps[i]);
	}
}

/* The object to store, from the stored `cur` and the client's `want`. */
static cJSON *next_object(api_req *r, const cJSON *cur, const cJSON *want)
{
	bool status = !strcmp(r->sub, "status");
	bool finalize = !strcmp(r->sub, "finalize");
	cJSON *next;
	if (status) {
		next = cube_obj_copy(cur);
		if (next)
			carry(next, want, "status");
	} else if (finalize) {
		next = cube_obj_copy(cur);
		cJSON *spec = next ? cube_json_ensure_obj(next, "spec") : NULL;
		const cJSON *wspec = cJSON_GetObjectItemCaseSensitive(want, "spec");
		if (spec)
			carry(spec, wspec ? wspec : want, "finalizers");
	} else {
		next = cube_obj_copy(want);
		if (!next)
			return NULL;
		cJSON *md = cube_json_ensure_obj(next, "metadata");
		const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(cur, "metadata");
		static const char *const immutable[] = {
			"uid",	     "creationTimestamp", "namespace",
			"name",	     "deletionTimestamp", "deletionGracePeriodSeconds",
			"generation"};
		for (size_t i = 0; i < CUBE_ARRAY_LEN(immutable); i++)
			carry(md, cmd, immutable[i]);
		if (r->res->status)
			carry(next, cur, "status");
		if (r->res->generation &&
		    !cJSON_Compare(cJSON_GetObjectItemCaseSensitive(cur, "spec"),
				   cJSON_GetObjectItemCaseSensitive(next, "spec"), true)) {
			int64_t g = cube_json_int(next, "metadata.generation", 0) + 1;
			cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
			cJSON_AddNumberToObject(md, "generation", (double)g);
		}
	}
	return next;
}

/* PUT and PATCH of an object or its status: read, compute, check, write;
 * retried when the object changed meanwhile unless the client made the
 * resourceVersion a precondition. */
static void do_write(api_req *r, src_kind kind)
{
	bool status = !strcmp(r->sub, "status");
	bool finalize = !strcmp(r->sub, "finalize");
	if (r->sub[0] && !status && !(finalize && !strcmp(r->res->plural, "namespaces"))) {
		api_not_found(r);
		return;
	}
	if (status && !r->res->status) {
		api_not_found(r);
		return;
	}
	cube_autojson cJSON *body = NULL;
	if (kind == SRC_PUT) {
		body = body_object(r);
	} else {
		cube_err err = CUBE_ERR_INIT;
		body = cube_json_parse(cube_httpd_body(r->h), cube_httpd_body_len(r->h), &err);
		if (!body)
			api_bad_request(r, "the patch is not valid JSON: %s%s", err.msg,
					kind == SRC_APPLY
						? " (cube reads apply bodies as JSON, as kubectl "
						  "sends them)"
						: "");
		else if (kind == SRC_JSONPATCH && !cJSON_IsArray(body)) {
			api_bad_request(r, "json patch must be an array of operations");
			cJSON_Delete(body);
			body = NULL;
		} else if (kind != SRC_JSONPATCH && !cJSON_IsObject(body)) {
			api_bad_request(r, "the patch must be a JSON object");
			cJSON_Delete(body);
			body = NULL;
		}
	}
	if (!body)
		return;
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
		int64_t rev;
		cube_autojson cJSON *cur = NULL;
		cube_etcd_kv kv;
		cube_err gerr = CUBE_ERR_INIT;
		if (kind == SRC_APPLY && cube_etcd_get(r->s->etcd, key, &kv, NULL, &gerr) < 0 &&
		    gerr.code == CUBE_ENOTFOUND) {
			/* Server-side apply of an absent object creates it. */
			rest_create_from(r, body);
			return;
		}
		if (kind == SRC_APPLY && gerr.code == CUBE_OK)
			cube_etcd_kv_clear(&kv);
		if (!(cur = load(r, key, &rev)))
			return;
		cube_autojson cJSON *want = desired(r, kind, body, cur);
		if (!want)
			return;
		/* Defaults first, so that a write restating defaults is no change
		 * (and does not bump the generation), as Kubernetes decodes then compares. */
		if (!r->sub[0] && api_default(r->res, want) < 0) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
			return;
		}
		drop_empty_maps(want);
		if (attempt == 0 && !r->sub[0] && field_validation(r, want) < 0)
			return;
		const char *wname = cube_obj_name(want);
		if (wname && strcmp(wname, r->name)) {
			api_bad_request(r,
					"the name of the object (%s) does not match the name on "
					"the URL (%s)",
					wname, r->name);
			return;
		}
		const char *wns = cube_obj_namespace(want);
		if (r->res->namespaced && wns && wns[0] && strcmp(wns, r->ns)) {
			api_bad_request(r,
					"the namespace of the provided object does not match the "
					"namespace sent on the request");
			return;
		}
		/* A resourceVersion the client sent (in the body or the patch) is a precondition.
		 */
		const char *want_rv = cube_obj_resource_version(want);
		bool conditional =
			want_rv && want_rv[0] &&
			(kind == SRC_PUT || cube_json_path(body, "metadata.resourceVersion"));
		int64_t want_n = 0;
		if (conditional && parse_int64(want_rv, &want_n) < 0) {
			invalid(r, r->name, "metadata.resourceVersion", "FieldValueInvalid",
				"Invalid value: must be an integer");
			return;
		}
		if (conditional && want_n != rev) {
			conflict(r, r->name);
			return;
		}
		const char *wuid = cube_obj_uid(want);
		if (wuid && wuid[0] && cube_obj_uid(cur) && strcmp(wuid, cube_obj_uid(cur))) {
			char q[96];
			cube_httpd_respond_status(r->h, 409, "Conflict", details(r, r->name, NULL),
						  "Operation cannot be fulfilled on %s \"%s\": "
						  "Precondition failed: UID "
						  "in precondition: %s, UID in object meta: %s",
						  qres(r, q, sizeof(q)), r->name, wuid,
						  cube_obj_uid(cur));
			return;
		}
		if (!labels_valid(r, want, r->name))
			return;
		cube_autojson cJSON *next = next_object(r, cur, want);
		if (!next) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
			return;
		}
		if (!r->sub[0] && api_default(r->res, next) < 0) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
			return;
		}
		if (!strcmp(r->res->plural, "services") && !r->sub[0] &&
		    service_ip_changed(r, cur, next) < 0)
			return;
		if (!r->sub[0] && validate(r, next, cur, r->name) < 0)
			return;
		if (!strcmp(r->res->plural, "services") && !r->sub[0] && !dry_run(r) &&
		    service_allocate(r, next, cur, r->name) < 0)
			return;
		set_rv(next, rev);
		/* A no-op update writes nothing and keeps the resourceVersion, as Kubernetes does.
		 */
		if (cJSON_Compare(cur, next, true) &&
		    !cube_json_str(next, "metadata.deletionTimestamp")) {
			respond_obj(r, 200, cur);
			return;
		}
		/* Retry an unconditional update that lost a race; a conditional one answers 409. */
		if (write_update(r, key, next, rev) == -2 && !conditional)
			continue;
		if (!cube_httpd_status(r->h))
			conflict(r, r->name);
		return;
	}
	conflict(r, r->name);
}

static void do_update(api_req *r)
{
	do_write(r, SRC_PUT);
}

static void do_patch(api_req *r)
{
	int kind = patch_kind(cube_httpd_header(r->h, "Content-Type"));
	if (kind < 0) {
		cube_httpd_respond_status(
			r->h, 415, "UnsupportedMediaType", NULL,
			"the body of the request was in an unknown format - accepted media types "
			"include: application/json-patch+json, application/merge-patch+json, "
			"application/apply-patch+yaml, application/strategic-merge-patch+json");
		return;
	}
	do_write(r, (src_kind)kind);
}

/* ---- delete ------------------------------------------------------------------------- */

typedef struct delete_opts {
	bool has_grace;
	int64_t grace;
	const char *pre_uid;
	const char *pre_rv;
	const char *propagation;
	cJSON *body;
} delete_opts;

/* Parses DeleteOptions from the body and the query; answers on error. */
static int delete_options(api_req *r, delete_opts *d)
{
	memset(d, 0, sizeof(*d));
	if (cube_httpd_body_len(r->h) > 0) {
		cube_err err = CUBE_ERR_INIT;
		d->body = cube_json_parse(cube_httpd_body(r->h), cube_httpd_body_len(r->h), &err);
		if (!d->body || !cJSON_IsObject(d->body)) {
			api_bad_request(r, "the body is not valid DeleteOptions: %s",
					d->body ? "not an object" : err.msg);
			cJSON_Delete(d->body);
			d->body = NULL;
			return -1;
		}
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(d->body, "gracePeriodSeconds");
		if (cJSON_IsNumber(g)) {
			d->has_grace = true;
			d->grace = (int64_t)g->valuedouble;
		}
		d->pre_uid = cube_json_str(d->body, "preconditions.uid");
		d->pre_rv = cube_json_str(d->body, "preconditions.resourceVersion");
		d->propagation = cube_json_str(d->body, "propagationPolicy");
		const cJSON *orphan = cJSON_GetObjectItemCaseSensitive(d->body, "orphanDependents");
		if (!d->propagation && cJSON_IsBool(orphan))
			d->propagation = cJSON_IsTrue(orphan) ? "Orphan" : "Background";
	}
	const char *gq = cube_httpd_query(r->h, "gracePeriodSeconds");
	if (gq && gq[0]) {
		char *end;
		long long v = strtoll(gq, &end, 10);
		if (*end) {
			api_bad_request(r, "invalid gracePeriodSeconds: \"%s\"", gq);
			cJSON_Delete(d->body);
			d->body = NULL;
			return -1;
		}
		d->has_grace = true;
		d->grace = v;
	}
	const char *pq = cube_httpd_query(r->h, "propagationPolicy");
	if (pq && pq[0])
		d->propagation = pq;
	if (d->propagation && strcmp(d->propagation, "Orphan") &&
	    strcmp(d->propagation, "Background") && strcmp(d->propagation, "Foreground")) {
		cJSON *det = cJSON_CreateObject();
		cJSON_AddStringToObject(det, "group", "meta.k8s.io");
		cJSON_AddStringToObject(det, "kind", "DeleteOptions");
		cJSON *causes = cJSON_AddArrayToObject(det, "causes");
		cJSON *c = cJSON_CreateObject();
		char cm[256];
		snprintf(cm, sizeof(cm),
			 "Unsupported value: \"%.64s\": supported values: \"Foreground\", "
			 "\"Background\", \"Orphan\"",
			 d->propagation);
		cJSON_AddStringToObject(c, "reason", "FieldValueNotSupported");
		cJSON_AddStringToObject(c, "message", cm);
		cJSON_AddStringToObject(c, "field", "propagationPolicy");
		cJSON_AddItemToArray(causes, c);
		cube_httpd_respond_status(
			r->h, 422, "Invalid", det,
			"DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: %s", cm);
		cJSON_Delete(d->body);
		d->body = NULL;
		return -1;
	}
	if (d->has_grace && d->grace < 0)
		d->grace = 0;
	return 0;
}

static void add_finalizer(cJSON *o, const char *f)
{
	cJSON *md = cube_json_ensure_obj(o, "metadata");
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(md, "finalizers");
	if (!cJSON_IsArray(arr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "finalizers");
		arr = cJSON_AddArrayToObject(md, "finalizers");
	}
	const cJSON *it;
	cJSON_ArrayForEach (it, arr)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, f))
			return;
	cJSON_AddItemToArray(arr, cJSON_CreateString(f));
}

static void set_num(cJSON *o, const char *name, int64_t v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddNumberToObject(o, name, (double)v);
}

/* Deletes (or starts deleting) one object. Returns the HTTP status to answer
 * with, 0 if `err` holds a storage error, or -1 if it answered already.
 * *out receives the object to return. */
static int delete_one(api_req *r, const char *key, const delete_opts *d, cJSON **out, cube_err *err)
{
	*out = NULL;
	for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
		cube_etcd_kv kv;
		if (cube_etcd_get(r->s->etcd, key, &kv, NULL, err) < 0)
			return 0;
		int64_t rev = kv.mod_rev;
		cJSON *cur = cube_json_parse(kv.value, kv.value_len, err);
		cube_etcd_kv_clear(&kv);
		if (!cur)
			return 0;
		set_rv(cur, rev);
		char rvs[24];
		snprintf(rvs, sizeof(rvs), "%lld", (long long)rev);
		/* Kubernetes' rest.BeforeDelete messages, on the Kind (not the resource). */
		const char *cuid = cube_obj_uid(cur) ? cube_obj_uid(cur) : "";
		const char *cname = cube_obj_name(cur) ? cube_obj_name(cur) : "";
		if (d->pre_uid && d->pre_uid[0] && strcmp(d->pre_uid, cuid)) {
			cube_httpd_respond_status(
				r->h, 409, "Conflict", details(r, cname, r->res->kind),
				"Operation cannot be fulfilled on %s \"%s\": the UID in the "
				"precondition (%s) does not match the UID in record (%s). The "
				"object "
				"might have been deleted and then recreated",
				r->res->kind, cname, d->pre_uid, cuid);
			cJSON_Delete(cur);
			return -1;
		}
		if (d->pre_rv && d->pre_rv[0] && strcmp(d->pre_rv, rvs)) {
			cube_httpd_respond_status(r->h, 409, "Conflict",
						  details(r, cname, r->res->kind),
						  "Operation cannot be fulfilled on %s \"%s\": the "
						  "ResourceVersion in "
						  "the precondition (%s) does not match the "
						  "ResourceVersion in record "
						  "(%s). The object might have been modified",
						  r->res->kind, cname, d->pre_rv, rvs);
			cJSON_Delete(cur);
			return -1;
		}
		cJSON *next = cube_obj_copy(cur);
		cJSON *md = cube_json_ensure_obj(next, "metadata");
		bool terminating = cube_json_str(cur, "metadata.deletionTimestamp") != NULL;
		bool is_ns = !strcmp(r->res->plural, "namespaces");
		int64_t grace = 0;
		if (r->res->graceful) {
			const char *node = cube_json_str(cur, "spec.nodeName");
			const char *phase = cube_json_str(cur, "status.phase");
			grace = d->has_grace
					? d->grace
					: cube_json_int(cur, "spec.terminationGracePeriodSeconds",
							30);
			if (!node || !node[0] ||
			    (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))))
				grace = 0;
			if (terminating) {
				int64_t had = cube_json_int(
					cur, "metadata.deletionGracePeriodSeconds", 0);
				if (grace >= had && had > 0)
					grace = had; /* a longer grace never extends a running
							deletion */
			}
		}
		if (d->propagation && !strcmp(d->propagation, "Orphan"))
			add_finalizer(next, "orphan");
		else if (d->propagation && !strcmp(d->propagation, "Foreground"))
			add_finalizer(next, "foregroundDeletion");
		bool keep =
			grace > 0 || has_finalizers(next) || (is_ns && ns_spec_finalizers(next));
		if (keep) {
			char ts[32];
			api_now_rfc3339(ts, sizeof(ts), (long)grace);
			if (!terminating || grace > 0)
				cube_obj_set_meta_str(next, "deletionTimestamp", ts);
			set_num(md, "deletionGracePeriodSeconds", grace);
			if (is_ns) {
				cJSON *st = cube_json_ensure_obj(next, "status");
				cube_json_set_str(st, "phase", "Terminating");
			}
			if (cJSON_Compare(cur, next, true) || dry_run(r)) {
				*out = cJSON_Compare(cur, next, true) ? cur : next;
				if (*out == cur)
					cJSON_Delete(next);
				else
					cJSON_Delete(cur);
				return 200;
			}
			cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
			cube_autofree char *text = cJSON_PrintUnformatted(next);
			int64_t nrev;
			int rc = text ? cube_etcd_update(r->s->etcd, key, text, strlen(text), rev,
							 &nrev, NULL, err)
				      : -1;
			cJSON_Delete(cur);
			if (rc < 0) {
				cJSON_Delete(next);
				if (err->code == CUBE_ECONFLICT)
					continue;
				return 0;
			}
			set_rv(next, nrev);
			*out = next;
			return 200;
		}
		cJSON_Delete(next);
		if (dry_run(r)) {
			*out = cur;
			return 200;
		}
		int64_t drev;
		if (cube_etcd_delete_if(r->s->etcd, key, rev, NULL, &drev, err) < 0) {
			cJSON_Delete(cur);
			if (err->code == CUBE_ECONFLICT)
				continue;
			return 0;
		}
		if (!strcmp(r->res->plural, "services"))
			service_release(r->s, cur);
		set_rv(cur, drev);
		*out = cur;
		return 200;
	}
	cube_err_set(err, CUBE_ECONFLICT, "too many concurrent changes");
	return 0;
}

static cJSON *success_status(api_req *r, const cJSON *obj)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "kind", "Status");
	cJSON_AddStringToObject(s, "apiVersion", "v1");
	cJSON_AddObjectToObject(s, "metadata");
	cJSON_AddStringToObject(s, "status", "Success");
	cJSON *d = details(r, cube_obj_name(obj), NULL);
	if (d && cube_obj_uid(obj))
		cJSON_AddStringToObject(d, "uid", cube_obj_uid(obj));
	cJSON_AddItemToObject(s, "details", d);
	return s;
}

static void do_delete(api_req *r)
{
	if (r->sub[0]) {
		cube_httpd_respond_status(
			r->h, 405, "MethodNotAllowed", NULL,
			"the server does not allow this method on the requested resource");
		return;
	}
	if (!strcmp(r->res->plural, "namespaces") &&
	    (!strcmp(r->name, "default") || !strcmp(r->name, "kube-system") ||
	     !strcmp(r->name, "kube-public"))) {
		cube_httpd_respond_status(
			r->h, 403, "Forbidden", details(r, r->name, NULL),
			"namespaces \"%s\" is forbidden: this namespace may not be deleted",
			r->name);
		return;
	}
	delete_opts d;
	if (delete_options(r, &d) < 0)
		return;
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	cJSON *obj = NULL;
	cube_err err = CUBE_ERR_INIT;
	int code = delete_one(r, key, &d, &obj, &err);
	cJSON_Delete(d.body);
	if (code == 0) {
		api_storage_error(r, &err);
		return;
	}
	if (code < 0)
		return;
	/* Objects still present (graceful, finalizers) come back as themselves; gone ones
	 * as the object for pods and namespaces, else a Success Status, as Kubernetes. */
	bool gone = !cube_json_str(obj, "metadata.deletionTimestamp");
	if (!gone || r->res->graceful || !strcmp(r->res->plural, "namespaces")) {
		respond_obj(r, 200, obj);
	} else {
		cube_autojson cJSON *s = success_status(r, obj);
		respond_obj(r, 200, s);
	}
	cJSON_Delete(obj);
}

static void do_deletecollection(api_req *r)
{
	cube_labelsel *ls;
	cube_fieldsel *fs;
	if (selectors(r, &ls, &fs) < 0)
		return;
	delete_opts d;
	if (delete_options(r, &d) < 0) {
		cube_labelsel_free(ls);
		cube_fieldsel_free(fs);
		return;
	}
	char prefix[512];
	if (r->res->namespaced && r->ns[0])
		snprintf(prefix, sizeof(prefix), "/registry/%s/%s/", r->res->plural, r->ns);
	else
		snprintf(prefix, sizeof(prefix), "/registry/%s/", r->res->plural);
	cube_etcd_range_req q = {.key = prefix, .prefix = true, .keys_only = false};
	cube_etcd_range_resp resp;
	cube_err err = CUBE_ERR_INIT;
	if (cube_etcd_range(r->s->etcd, &q, &resp, &err) < 0) {
		api_storage_error(r, &err);
		goto out;
	}
	cube_sb b = {0};
	list_head(r, &b, resp.revision, NULL, 0);
	size_t count = 0;
	for (size_t i = 0; i < resp.n; i++) {
		cJSON *o = cube_json_parse(resp.kvs[i].value, resp.kvs[i].value_len, NULL);
		bool match = o && (!ls || cube_labelsel_matches(ls, cube_obj_labels(o))) &&
			     (!fs || cube_fieldsel_matches_json(fs, o));
		cJSON_Delete(o);
		if (!match)
			continue;
		cJSON *res = NULL;
		int code = delete_one(r, resp.kvs[i].key, &d, &res, &err);
		if (code < 0) {
			/* a precondition answered: stop here */
			cube_etcd_range_resp_clear(&resp);
			free(b.p);
			goto out;
		}
		if (res) {
			char *t = cJSON_PrintUnformatted(res);
			if (t) {
				if (count++)
					cube_sb_add(&b, ",", 1);
				cube_sb_str(&b, t);
				free(t);
			}
			cJSON_Delete(res);
		}
	}
	cube_etcd_range_resp_clear(&resp);
	list_send(r, &b);
out:
	cJSON_Delete(d.body);
	cube_labelsel_free(ls);
	cube_fieldsel_free(fs);
}

/* ---- scale and binding subresources ------------------------------------------------- */

/* The autoscaling/v1 Scale of a scalable object. New tree, NULL on ENOMEM. */
static cJSON *scale_of(api_req *r, const cJSON *obj)
{
	cJSON *s = cJSON_CreateObject();
	if (!s)
		return NULL;
	cJSON_AddStringToObject(s, "kind", "Scale");
	cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
	cJSON *md = cJSON_AddObjectToObject(s, "metadata");
	static const char *const keep[] = {"name", "namespace", "uid", "resourceVersion",
					   "creationTimestamp"};
	const cJSON *omd = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	for (size_t i = 0; i < CUBE_ARRAY_LEN(keep); i++)
		carry(md, omd, keep[i]);
	cJSON *spec = cJSON_AddObjectToObject(s, "spec");
	cJSON_AddNumberToObject(spec, "replicas", (double)cube_json_int(obj, "spec.replicas", 0));
	cJSON *st = cJSON_AddObjectToObject(s, "status");
	cJSON_AddNumberToObject(st, "replicas", (double)cube_json_int(obj, "status.replicas", 0));
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = cube_labelsel_from_json(cube_json_path(obj, "spec.selector"), &err);
	char *text = sel ? cube_labelsel_string(sel) : NULL;
	if (text && text[0])
		cJSON_AddStringToObject(st, "selector", text);
	free(text);
	cube_labelsel_free(sel);
	(void)r;
	return s;
}

static void do_scale(api_req *r, const char *method)
{
	if (!r->res->scale) {
		api_not_found(r);
		return;
	}
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	int kind = SRC_PUT;
	cube_autojson cJSON *body = NULL;
	if (!strcmp(method, "PATCH")) {
		kind = patch_kind(cube_httpd_header(r->h, "Content-Type"));
		if (kind < 0 || kind == SRC_APPLY) {
			cube_httpd_respond_status(
				r->h, 415, "UnsupportedMediaType", NULL,
				"the body of the request was in an unknown format - "
				"accepted media types include: application/json-patch+json, "
				"application/merge-patch+json, "
				"application/strategic-merge-patch+json");
			return;
		}
	}
	if (strcmp(method, "GET")) {
		cube_err err = CUBE_ERR_INIT;
		body = cube_json_parse(cube_httpd_body(r->h), cube_httpd_body_len(r->h), &err);
		if (!body) {
			api_bad_request(r, "the request body is not valid JSON: %s", err.msg);
			return;
		}
	}
	for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
		int64_t rev;
		cube_autojson cJSON *cur = load(r, key, &rev);
		if (!cur)
			return;
		cube_autojson cJSON *scale = scale_of(r, cur);
		if (!scale) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
			return;
		}
		if (!body) {
			respond_obj(r, 200, scale);
			return;
		}
		cube_autojson cJSON *want = desired(r, (src_kind)kind, body, scale);
		if (!want)
			return;
		const cJSON *rep = cube_json_path(want, "spec.replicas");
		/* Scale's replicas is omitted when 0 (Go's omitempty): kubectl scale
		 * --replicas=0 sends "spec":{}. */
		cJSON *zero = NULL;
		if (!rep || cJSON_IsNull(rep)) {
			zero = cJSON_CreateNumber(0);
			rep = zero;
		}
		cube_autojson cJSON *zero_owner = zero;
		if (!cJSON_IsNumber(rep) || rep->valuedouble != (double)(int64_t)rep->valuedouble ||
		    rep->valuedouble < 0) {
			char val[64];
			snprintf(val, sizeof(val), "%s", cJSON_IsNumber(rep) ? "" : "null");
			if (cJSON_IsNumber(rep))
				snprintf(val, sizeof(val), "%lld", (long long)rep->valuedouble);
			cJSON *d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "name", r->name);
			cJSON_AddStringToObject(d, "group", "autoscaling");
			cJSON_AddStringToObject(d, "kind", "Scale");
			cJSON *causes = cJSON_AddArrayToObject(d, "causes");
			cJSON *c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "reason", "FieldValueInvalid");
			char cm[128];
			snprintf(cm, sizeof(cm),
				 "Invalid value: %s: must be greater than or equal to 0", val);
			cJSON_AddStringToObject(c, "message", cm);
			cJSON_AddStringToObject(c, "field", "spec.replicas");
			cJSON_AddItemToArray(causes, c);
			cube_httpd_respond_status(
				r->h, 422, "Invalid", d,
				"Scale.autoscaling \"%s\" is invalid: spec.replicas: %s", r->name,
				cm);
			return;
		}
		const char *want_rv = cube_obj_resource_version(want);
		bool conditional =
			want_rv && want_rv[0] &&
			(kind == SRC_PUT || cube_json_path(body, "metadata.resourceVersion"));
		int64_t want_n = 0;
		if (conditional && (parse_int64(want_rv, &want_n) < 0 || want_n != rev)) {
			conflict(r, r->name);
			return;
		}
		cube_autojson cJSON *next = cube_obj_copy(cur);
		cJSON *spec = next ? cube_json_ensure_obj(next, "spec") : NULL;
		if (!spec) {
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
			return;
		}
		int64_t old = cube_json_int(cur, "spec.replicas", -1);
		int64_t n = (int64_t)rep->valuedouble;
		set_num(spec, "replicas", n);
		if (old != n && r->res->generation)
			set_num(cube_json_ensure_obj(next, "metadata"), "generation",
				cube_json_int(cur, "metadata.generation", 0) + 1);
		if (old == n) {
			respond_obj(r, 200, scale);
			return;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(cube_json_ensure_obj(next, "metadata"),
							"resourceVersion");
		cube_autofree char *text = cJSON_PrintUnformatted(next);
		int64_t nrev;
		cube_err err = CUBE_ERR_INIT;
		if (dry_run(r)) {
			cube_autojson cJSON *ds = scale_of(r, next);
			respond_obj(r, 200, ds);
			return;
		}
		if (!text || cube_etcd_update(r->s->etcd, key, text, strlen(text), rev, &nrev, NULL,
					      &err) < 0) {
			if (err.code == CUBE_ECONFLICT && !conditional)
				continue;
			api_storage_error(r, &err);
			return;
		}
		set_rv(next, nrev);
		cube_autojson cJSON *ns = scale_of(r, next);
		respond_obj(r, 200, ns);
		return;
	}
	conflict(r, r->name);
}

/* POST pods/<name>/binding: the scheduler's decision. */
static void do_binding(api_req *r)
{
	if (strcmp(r->res->plural, "pods")) {
		api_not_found(r);
		return;
	}
	cube_autojson cJSON *b = body_object(r);
	if (!b)
		return;
	const char *node = cube_json_str(b, "target.name");
	if (!node || !node[0]) {
		invalid(r, r->name, "target.name", "FieldValueRequired", "Required value");
		return;
	}
	const char *bname = cube_obj_name(b);
	if (bname && bname[0] && strcmp(bname, r->name)) {
		api_bad_request(
			r, "the name of the object (%s) does not match the name on the URL (%s)",
			bname, r->name);
		return;
	}
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	bool cached = true; /* the first attempt starts from the watch cache */
	for (int attempt = 0; attempt < UPDATE_RETRIES; attempt++) {
		int64_t rev;
		cube_autojson cJSON *cur = cached ? load_cached(r, &rev) : NULL;
		cached = cur != NULL;
		if (!cur && !(cur = load(r, key, &rev)))
			return;
		const char *buid = cube_json_str(b, "metadata.uid");
		const char *puid = cube_json_str(cur, "metadata.uid");
		const char *has = cube_json_str(cur, "spec.nodeName");
		if (cached &&
		    ((buid && buid[0] && (!puid || strcmp(buid, puid))) || (has && has[0]) ||
		     cube_json_str(cur, "metadata.deletionTimestamp"))) {
			/* a refusal is decided on what etcd holds, not on the cache */
			cached = false;
			attempt--;
			continue;
		}
		if (buid && buid[0] && (!puid || strcmp(buid, puid))) {
			cube_httpd_respond_status(
				r->h, 409, "Conflict", details(r, r->name, "pods/binding"),
				"Operation cannot be fulfilled on pods/binding \"%s\": "
				"Precondition "
				"failed: UID in precondition: %s, UID in object meta: %s",
				r->name, buid, puid ? puid : "");
			return;
		}
		if (has && has[0]) {
			cube_httpd_respond_status(
				r->h, 409, "Conflict", details(r, r->name, "pods/binding"),
				"Operation cannot be fulfilled on pods/binding \"%s\": pod "
				"%s is already assigned to node \"%s\"",
				r->name, r->name, has);
			return;
		}
		if (cube_json_str(cur, "metadata.deletionTimestamp")) {
			cube_httpd_respond_status(
				r->h, 409, "Conflict", details(r, r->name, "pods/binding"),
				"Operation cannot be fulfilled on pods/binding \"%s\": pod "
				"%s is being deleted, cannot be assigned to a host",
				r->name, r->name);
			return;
		}
		cube_autojson cJSON *next = cube_obj_copy(cur);
		cube_json_set_str(cube_json_ensure_obj(next, "spec"), "nodeName", node);
		/* The binding's annotations land on the pod (the scheduler's scorecard rides here).
		 */
		const cJSON *ann = cube_json_path(b, "metadata.annotations");
		if (cJSON_IsObject(ann)) {
			cJSON *pann = cube_json_ensure_obj(cube_json_ensure_obj(next, "metadata"),
							   "annotations");
			const cJSON *a;
			cJSON_ArrayForEach (a, ann)
				if (cJSON_IsString(a))
					cube_json_set_str(pann, a->string, a->valuestring);
		}
		/* PodScheduled=True, as the binding registry sets it. */
		cJSON *st = cube_json_ensure_obj(next, "status");
		cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
		if (!cJSON_IsArray(conds)) {
			cJSON_DeleteItemFromObjectCaseSensitive(st, "conditions");
			conds = cJSON_AddArrayToObject(st, "conditions");
		}
		int idx = 0, found = -1;
		const cJSON *c;
		cJSON_ArrayForEach (c, conds) {
			const char *t = cube_json_str(c, "type");
			if (t && !strcmp(t, "PodScheduled"))
				found = idx;
			idx++;
		}
		char now[32];
		api_now_rfc3339(now, sizeof(now), 0);
		cJSON *nc = cJSON_CreateObject();
		cJSON_AddStringToObject(nc, "type", "PodScheduled");
		cJSON_AddStringToObject(nc, "status", "True");
		cJSON_AddNullToObject(nc, "lastProbeTime");
		cJSON_AddStringToObject(nc, "lastTransitionTime", now);
		if (found >= 0)
			cJSON_ReplaceItemInArray(conds, found, nc);
		else
			cJSON_AddItemToArray(conds, nc);
		if (dry_run(r))
			break;
		cJSON_DeleteItemFromObjectCaseSensitive(cube_json_ensure_obj(next, "metadata"),
							"resourceVersion");
		cube_autofree char *text = cJSON_PrintUnformatted(next);
		cube_err err = CUBE_ERR_INIT;
		if (!text || cube_etcd_update(r->s->etcd, key, text, strlen(text), rev, NULL, NULL,
					      &err) < 0) {
			if (err.code == CUBE_ECONFLICT || (cached && err.code == CUBE_ENOTFOUND)) {
				cached = false; /* a stale cache, or a race: etcd's turn */
				continue;
			}
			api_storage_error(r, &err);
			return;
		}
		break;
	}
	cube_autojson cJSON *ok = cJSON_CreateObject();
	cJSON_AddStringToObject(ok, "kind", "Status");
	cJSON_AddStringToObject(ok, "apiVersion", "v1");
	cJSON_AddObjectToObject(ok, "metadata");
	cJSON_AddStringToObject(ok, "status", "Success");
	cJSON_AddNumberToObject(ok, "code", 201);
	respond_obj(r, 201, ok);
}

/* GET pods/<name>/log: the pod, then the proxy to its node (podlog.c). */
static void do_pod_log(api_req *r)
{
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	int64_t rev;
	cube_autojson cJSON *o = load(r, key, &rev);
	if (o)
		podlog_serve(r, o);
}

/* GET|POST pods/<name>/exec and /portforward: the pod, then the upgrade
 * relayed to its node (podexec.c, podportforward.c). */
static void do_pod_upgrade(api_req *r, void (*serve)(api_req *r, const cJSON *pod))
{
	char key[768];
	registry_key(r->res, r->ns, r->name, key, sizeof(key));
	int64_t rev;
	cube_autojson cJSON *o = load(r, key, &rev);
	if (o)
		serve(r, o);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

void rest_serve(api_req *r)
{
	const char *m = cube_httpd_method(r->h);
	bool item = r->name[0] != '\0';
	if (item && !strcmp(r->sub, "scale")) {
		r->verb = !strcmp(m, "GET") ? "get" : !strcmp(m, "PATCH") ? "patch" : "update";
		if (!strcmp(m, "GET") || !strcmp(m, "PUT") || !strcmp(m, "PATCH"))
			do_scale(r, m);
		else
			cube_httpd_respond_status(r->h, 405, "MethodNotAllowed", NULL,
						  "the server does not allow this method on the "
						  "requested resource");
		return;
	}
	if (item && !strcmp(r->sub, "binding")) {
		r->verb = "create";
		if (!strcmp(m, "POST"))
			do_binding(r);
		else
			cube_httpd_respond_status(r->h, 405, "MethodNotAllowed", NULL,
						  "the server does not allow this method on the "
						  "requested resource");
		return;
	}
	if (item && !strcmp(r->sub, "log") && !strcmp(r->res->plural, "pods") &&
	    !r->res->group[0]) {
		r->verb = "get";
		if (!strcmp(m, "GET"))
			do_pod_log(r);
		else
			cube_httpd_respond_status(r->h, 405, "MethodNotAllowed", NULL,
						  "the server does not allow this method on the "
						  "requested resource");
		return;
	}
	if (item && (!strcmp(r->sub, "exec") || !strcmp(r->sub, "portforward")) &&
	    !strcmp(r->res->plural, "pods") && !r->res->group[0]) {
		r->verb = "create";
		if (!strcmp(m, "GET") || !strcmp(m, "POST"))
			do_pod_upgrade(r, !strcmp(r->sub, "exec") ? podexec_serve
								  : podportforward_serve);
		else
			cube_httpd_respond_status(r->h, 405, "MethodNotAllowed", NULL,
						  "the server does not allow this method on the "
						  "requested resource");
		return;
	}
	if (!strcmp(m, "GET")) {
		if (item && r->sub[0] && strcmp(r->sub, "status")) {
			api_not_found(r);
		} else if (item) {
			r->verb = "get";
			do_get(r);
		} else if (cube_httpd_query_bool(r->h, "watch")) {
			r->verb = "watch";
			do_watch(r);
		} else {
			r->verb = "list";
			do_list(r);
		}
	} else if (!strcmp(m, "POST") && !item) {
		r->verb = "create";
		do_create(r);
	} else if (!strcmp(m, "PUT") && item) {
		r->verb = "update";
		do_update(r);
	} else if (!strcmp(m, "PATCH") && item) {
		r->verb = "patch";
		do_patch(r);
	} else if (!strcmp(m, "DELETE") && item) {
		r->verb = "delete";
		do_delete(r);
	} else if (!strcmp(m, "DELETE")) {
		r->verb = "deletecollection";
		do_deletecollection(r);
	} else {
		r->verb = "unsupported";
		cube_httpd_respond_status(
			r->h, 405, "MethodNotAllowed", NULL,
			"the server does not allow this method on the requested resource");
	}
}
