/* client.c - cubectl's side of the conversation with the API server: the
 * connection from the kubeconfig and the global flags, discovery (the
 * aggregated v2 documents of /api and /apis, two requests), resolving what a
 * user types to a resource as kubectl's RESTMapper does, and printing a
 * failed request exactly as kubectl's CheckErr prints it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cleanup.h"
#include "cubectl.h"
#include "flags.h"
#include "obj.h"

#define ACCEPT_DISCOVERY                                                        \
	"application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList," \
	"application/json"

/* ---- connection --------------------------------------------------------------------- */

/* host:port of a URL, for kubectl's "connection refused" text. */
static void host_port(const char *url, char *buf, size_t size)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	size_t n = strcspn(p, "/");
	snprintf(buf, size, "%.*s", (int)n, p);
}

static void print_conn_error(cctl *c, const cube_err *err)
{
	char hp[256];
	host_port(c->client ? cube_kclient_server(c->client) : "", hp, sizeof(hp));
	if (err->code == CUBE_EUNAVAIL)
		fprintf(stderr,
			"The connection to the server %s was refused - did you specify the right "
			"host or port?\n",
			hp);
	else
		fprintf(stderr, "Unable to connect to the server: %s\n", err->msg);
}

int cctl_connect(cctl *c)
{
	if (c->client)
		return 0;
	cube_err err = CUBE_ERR_INIT;
	c->kc = cube_kubeconfig_load(c->kubeconfig, c->context, &err);
	if (!c->kc) {
		if (!c->server) {
			if (err.code == CUBE_ENOTFOUND && !c->kubeconfig)
				fprintf(stderr,
					"The connection to the server localhost:8080 was refused - "
					"did you specify the right host or port?\n");
			else
				fprintf(stderr, "error: %s\n", err.msg);
			return -1;
		}
		cube_err_clear(&err);
		c->kc = cube_kubeconfig_from_master(c->server, &err);
		if (!c->kc) {
			fprintf(stderr, "error: %s\n", err.msg);
			return -1;
		}
	} else if (c->server) {
		char *s = strdup(c->server);
		if (!s)
			return -1;
		free(c->kc->server);
		c->kc->server = s;
	}
	if (!c->ns_explicit)
		snprintf(c->ns, sizeof(c->ns), "%s",
			 c->kc->namespace ? c->kc->namespace : "default");
	long timeout_ms = 0;
	if (c->request_timeout && strcmp(c->request_timeout, "0")) {
		int s;
		if (cube_flags_duration(c->request_timeout, &s) == 0)
			timeout_ms = (long)s * 1000;
	}
	cube_http_tls tls = c->kc->tls;
	if (c->insecure)
		tls.insecure = true;
	/* kubectl sends a token only over TLS. */
	bool https = !strncmp(c->kc->server, "https://", 8);
	cube_kclient_config cfg = {.server = c->kc->server,
				   .token = https ? (c->token ? c->token : c->kc->token) : NULL,
				   .tls = tls,
				   .user_agent = "cubectl/v1.32.4 (linux/amd64) cube",
				   .timeout_ms = timeout_ms ? timeout_ms : 60000};
	c->client = cube_kclient_new(&cfg, &err);
	if (!c->client) {
		fprintf(stderr, "error: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* ---- requests ----------------------------------------------------------------------- */

void cctl_resp_clear(cctl_resp *r)
{
	if (!r)
		return;
	cJSON_Delete(r->body);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

int cctl_request(cctl *c, const char *method, const char *path, const char *accept,
		 const char *content_type, const char *body, cctl_resp *out)
{
	memset(out, 0, sizeof(*out));
	if (cctl_connect(c) < 0)
		return -1;
	cube_kclient_rawreq rq = {.method = method,
				  .path = path,
				  .accept = accept,
				  .content_type = content_type,
				  .body = body};
	cube_http_resp resp;
	cube_err err = CUBE_ERR_INIT;
	if (cube_kclient_raw(c->client, &rq, &resp, &err) < 0) {
		cube_http_resp_clear(&resp);
		print_conn_error(c, &err);
		return -1;
	}
	out->status = resp.status;
	if (resp.body) {
		out->body = cJSON_ParseWithLength(resp.body, resp.len);
		out->text = resp.body;
		resp.body = NULL;
	}
	cube_http_resp_clear(&resp);
	return 0;
}

static const char *reason_for_code(long code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 405:
		return "MethodNotAllowed";
	case 406:
		return "NotAcceptable";
	case 409:
		return "Conflict";
	case 410:
		return "Expired";
	case 413:
		return "RequestEntityTooLarge";
	case 415:
		return "UnsupportedMediaType";
	case 422:
		return "Invalid";
	case 429:
		return "TooManyRequests";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "Timeout";
	default:
		return code >= 500 ? "InternalError" : "";
	}
}

char *cctl_status_message(long status, const cJSON *body, const char *text, const char *prefix,
			  const char *get_what, char *buf, size_t size)
{
	const char *pfx = prefix ? prefix : "";
	bool is_status = body && cube_json_str(body, "kind") &&
			 !strcmp(cube_json_str(body, "kind"), "Status");
	if (!is_status) {
		/* client-go's generic errors for answers that are not a Status */
		const char *reason = reason_for_code(status);
		char what[300] = "";
		if (get_what)
			snprintf(what, sizeof(what), " (%s)", get_what);
		if (status == 404)
			snprintf(buf, size,
				 "Error from server (NotFound): %sthe server could not find the "
				 "requested resource%s",
				 pfx, what);
		else if (status >= 500 && text && text[0]) {
			char t[256];
			snprintf(t, sizeof(t), "%s", text);
			t[strcspn(t, "\n")] = '\0';
			snprintf(buf, size,
				 "Error from server (%s): %san error on the server (\"%s\") has "
				 "prevented the request from succeeding%s",
				 reason, pfx, t, what);
		} else
			snprintf(buf, size, "Error from server (%s): %sunknown (%s)", reason, pfx,
				 text ? text : "");
		return buf;
	}
	const char *reason = cube_json_str(body, "reason");
	const char *msg = cube_json_str(body, "message");
	if (!msg)
		msg = "";
	if (reason && !strcmp(reason, "Unauthorized")) {
		snprintf(buf, size, "error: You must be logged in to the server (%s)", msg);
		return buf;
	}
	if (reason && !strcmp(reason, "Invalid")) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(body, "details");
		const char *dk = cube_json_str(d, "kind"), *dn = cube_json_str(d, "name");
		char s[1024];
		if (!cJSON_IsObject(d)) {
			snprintf(buf, size, "The request is invalid: %s%s", pfx, msg);
			return buf;
		}
		if ((dk && dk[0]) || (dn && dn[0]))
			snprintf(s, sizeof(s), "The %s \"%s\" is invalid", dk ? dk : "",
				 dn ? dn : "");
		else
			snprintf(s, sizeof(s), "The request is invalid: %s%s", pfx, msg);
		const cJSON *causes = cJSON_GetObjectItemCaseSensitive(d, "causes");
		int nc = cJSON_GetArraySize(causes);
		if (nc == 0) {
			snprintf(buf, size, "%s", s);
			return buf;
		}
		/* unique "field: message" lines */
		size_t n = (size_t)snprintf(buf, size, "%s: ", s);
		int shown = 0;
		char seen[4096] = "";
		const cJSON *cz;
		cJSON_ArrayForEach (cz, causes) {
			char line[600];
			const char *f = cube_json_str(cz, "field"),
				   *m = cube_json_str(cz, "message");
			snprintf(line, sizeof(line), "%s: %s", f ? f : "", m ? m : "");
			char key[610];
			snprintf(key, sizeof(key), "\x01%s\x01", line);
			if (strstr(seen, key))
				continue;
			size_t sl = strlen(seen);
			snprintf(seen + sl, sizeof(seen) - sl, "%s", key);
			shown++;
			if (nc == 1 || shown == 1) {
				if (n < size)
					n += (size_t)snprintf(buf + n, size - n, "%s", line);
			} else {
				if (shown == 2 && n < size) {
					/* more than one: "prefix: \n* a\n* b" */
					char first[600];
					const char *fl = buf + strlen(s) + 2;
					snprintf(first, sizeof(first), "%s", fl);
					n = (size_t)snprintf(buf, size, "%s: \n* %s", s, first);
				}
				if (n < size)
					n += (size_t)snprintf(buf + n, size - n, "\n* %s", line);
			}
		}
		return buf;
	}
	if (reason && reason[0])
		snprintf(buf, size, "Error from server (%s): %s%s", reason, pfx, msg);
	else
		snprintf(buf, size, "Error from server: %s%s", pfx, msg);
	return buf;
}

void cctl_print_status_error(long status, const cJSON *body, const char *text, const char *prefix,
			     const char *get_what)
{
	char buf[8192];
	cctl_status_message(status, body, text, prefix, get_what, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
}

cJSON *cctl_call(cctl *c, const char *method, const char *path, const char *content_type,
		 const cJSON *body, long *status)
{
	cube_autofree char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	cctl_resp r;
	if (status)
		*status = 0;
	if (cctl_request(c, method, path, NULL, content_type, text, &r) < 0)
		return NULL;
	if (status)
		*status = r.status;
	if (r.status >= 200 && r.status < 300 && r.body) {
		cJSON *out = r.body;
		r.body = NULL;
		cctl_resp_clear(&r);
		return out;
	}
	cctl_print_status_error(r.status, r.body, r.text, NULL, NULL);
	cctl_resp_clear(&r);
	return NULL;
}

void cctl_path(const cctl_res *r, const char *ns, const char *name, const char *sub, char *buf,
	       size_t size)
{
	cube_kclient_path(&r->gvr, r->gvr.namespaced ? ns : NULL, name, sub, buf, size);
}

void cctl_query(char *path, size_t size, const char *k, const char *v)
{
	if (!v || !v[0])
		return;
	char *e = curl_easy_escape(NULL, v, 0);
	if (!e)
		return;
	size_t n = strlen(path);
	snprintf(path + n, size > n ? size - n : 0, "%c%s=%s", strchr(path, '?') ? '&' : '?', k, e);
	curl_free(e);
}

/* ---- discovery ------------------------------------------------------------------------ */

static void strs(const cJSON *a, const char **out, size_t max)
{
	size_t n = 0;
	const cJSON *s;
	cJSON_ArrayForEach (s, a) {
		if (cJSON_IsString(s) && n + 1 < max)
			out[n++] = s->valuestring;
	}
	out[n] = NULL;
}

static int add_group(cctl *c, const cJSON *item, size_t *cap)
{
	const char *group = cube_json_str(item, "metadata.name");
	const cJSON *versions = cJSON_GetObjectItemCaseSensitive(item, "versions");
	const cJSON *v0 = cJSON_GetArrayItem(versions, 0); /* the preferred version */
	const char *version = cube_json_str(v0, "version");
	const cJSON *r;
	cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(v0, "resources")) {
		if (c->nres == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			cctl_res *n = realloc(c->res, *cap * sizeof(*n));
			if (!n)
				return -1;
			c->res = n;
		}
		cctl_res *x = &c->res[c->nres];
		memset(x, 0, sizeof(*x));
		x->gvr.group = group ? group : "";
		x->gvr.version = version ? version : "v1";
		x->gvr.resource = cube_json_str(r, "resource");
		x->gvr.kind = cube_json_str(r, "responseKind.kind");
		const char *scope = cube_json_str(r, "scope");
		x->gvr.namespaced = scope && !strcmp(scope, "Namespaced");
		x->singular = cube_json_str(r, "singularResource");
		strs(cJSON_GetObjectItemCaseSensitive(r, "shortNames"), x->short_names, 8);
		strs(cJSON_GetObjectItemCaseSensitive(r, "verbs"), x->verbs, 12);
		strs(cJSON_GetObjectItemCaseSensitive(r, "categories"), x->categories, 4);
		const cJSON *sub;
		cJSON_ArrayForEach (sub, cJSON_GetObjectItemCaseSensitive(r, "subresources")) {
			const char *sn = cube_json_str(sub, "subresource");
			if (sn && !strcmp(sn, "scale"))
				x->has_scale = true;
		}
		if (!x->gvr.resource || !x->gvr.kind)
			continue;
		c->nres++;
	}
	return 0;
}

int cctl_discover(cctl *c)
{
	if (c->res)
		return 0;
	c->disc_docs = cJSON_CreateArray();
	size_t cap = 0;
	const char *paths[] = {"/api", "/apis"};
	for (size_t i = 0; i < 2; i++) {
		cctl_resp r;
		if (cctl_request(c, "GET", paths[i], ACCEPT_DISCOVERY, NULL, NULL, &r) < 0)
			return -1;
		if (r.status != 200 || !r.body) {
			cctl_print_status_error(r.status, r.body, r.text, NULL, NULL);
			cctl_resp_clear(&r);
			return -1;
		}
		cJSON *doc = r.body;
		r.body = NULL;
		cctl_resp_clear(&r);
		cJSON_AddItemToArray(c->disc_docs, doc);
		const cJSON *item;
		cJSON_ArrayForEach (item, cJSON_GetObjectItemCaseSensitive(doc, "items")) {
			if (add_group(c, item, &cap) < 0)
				return -1;
		}
	}
	if (!c->res)
		c->res = calloc(1, sizeof(*c->res));
	return 0;
}

static bool ieq(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

static bool matches_name(const cctl_res *r, const char *name)
{
	if (ieq(r->gvr.resource, name) || ieq(r->singular, name) || ieq(r->gvr.kind, name))
		return true;
	for (size_t i = 0; r->short_names[i]; i++)
		if (ieq(r->short_names[i], name))
			return true;
	return false;
}

const cctl_res *cctl_res_lookup(const cctl_res *res, size_t n, const char *arg)
{
	char name[256];
	snprintf(name, sizeof(name), "%s", arg);
	char *dot = strchr(name, '.');
	const char *rest = NULL;
	if (dot) {
		*dot = '\0';
		rest = dot + 1;
	}
	/* core resources win over others of the same name (kubectl's priority:
	 * the legacy group first, then groups in discovery order) */
	for (size_t i = 0; i < n; i++) {
		const cctl_res *r = &res[i];
		if (!matches_name(r, name))
			continue;
		if (!rest)
			return r;
		char gv[300];
		snprintf(gv, sizeof(gv), "%s.%s", r->gvr.version, r->gvr.group);
		if (ieq(rest, r->gvr.group) || ieq(rest, gv) ||
		    (!r->gvr.group[0] && ieq(rest, r->gvr.version)))
			return r;
	}
	return NULL;
}

const cctl_res *cctl_resolve(cctl *c, const char *arg)
{
	if (cctl_discover(c) < 0)
		return NULL;
	return cctl_res_lookup(c->res, c->nres, arg);
}

const cctl_res *cctl_resolve_kind(cctl *c, const char *api_version, const char *kind)
{
	if (!api_version || !kind || cctl_discover(c) < 0)
		return NULL;
	const char *slash = strchr(api_version, '/');
	char group[256] = "";
	const char *version = api_version;
	if (slash) {
		snprintf(group, sizeof(group), "%.*s", (int)(slash - api_version), api_version);
		version = slash + 1;
	}
	for (size_t i = 0; i < c->nres; i++) {
		const cctl_res *r = &c->res[i];
		if (!strcmp(r->gvr.kind, kind) && !strcmp(r->gvr.group, group) &&
		    !strchr(r->gvr.resource, '/')) {
			(void)version;
			return r;
		}
	}
	return NULL;
}

void cctl_kind_name(const char *kind, const char *group, char *buf, size_t size)
{
	size_t n = 0;
	for (const char *p = kind ? kind : ""; *p && n + 1 < size; p++)
		buf[n++] = (char)tolower((unsigned char)*p);
	buf[n] = '\0';
	if (group && group[0])
		snprintf(buf + n, size - n, ".%s", group);
}

void cctl_res_name(const cctl_res *r, char *buf, size_t size)
{
	if (r->gvr.group[0])
		snprintf(buf, size, "%s.%s", r->gvr.resource, r->gvr.group);
	else
		snprintf(buf, size, "%s", r->gvr.resource);
}

/* ---- helpers for the commands that act on named objects ------------------------------ */

int cctl_refs(cctl *c, char **args, int n, cctl_ref *out, int max)
{
	int k = 0;
	if (n == 0)
		return 0;
	if (strchr(args[0], '/')) {
		for (int i = 0; i < n; i++) {
			char *slash = strchr(args[i], '/');
			if (!slash) {
				cctl_fail(
					"there is no need to specify a resource type as a separate "
					"argument when passing arguments in resource/name form "
					"(e.g. "
					"'cubectl get resource/<resource_name>' instead of "
					"'cubectl "
					"get resource resource/<resource_name>'");
				return -1;
			}
			*slash = '\0';
			const cctl_res *r = cctl_resolve(c, args[i]);
			if (!r) {
				if (c->res)
					cctl_fail("the server doesn't have a resource type \"%s\"",
						  args[i]);
				return -1;
			}
			if (k < max)
				out[k++] = (cctl_ref){r, slash + 1};
		}
		return k;
	}
	const cctl_res *r = cctl_resolve(c, args[0]);
	if (!r) {
		if (c->res)
			cctl_fail("the server doesn't have a resource type \"%s\"", args[0]);
		return -1;
	}
	if (n == 1) {
		cctl_fail("resource(s) were provided, but no name was specified");
		return -1;
	}
	for (int i = 1; i < n && k < max; i++)
		out[k++] = (cctl_ref){r, args[i]};
	return k;
}

cJSON *cctl_get_obj(cctl *c, const cctl_res *r, const char *name)
{
	char path[2048];
	cctl_path(r, cctl_ns(c), name, NULL, path, sizeof(path));
	return cctl_call(c, "GET", path, NULL, NULL, NULL);
}

cJSON *cctl_patch_obj(cctl *c, const cctl_res *r, const char *name, const char *sub,
		      const char *type, const cJSON *patch, const char *field_manager)
{
	static const char *const types[][2] = {
		{"strategic", "application/strategic-merge-patch+json"},
		{"merge", "application/merge-patch+json"},
		{"json", "application/json-patch+json"},
	};
	const char *ct = types[0][1];
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(type, types[i][0]))
			ct = types[i][1];
	char path[2048];
	cctl_path(r, cctl_ns(c), name, sub, path, sizeof(path));
	cctl_query(path, sizeof(path), "fieldManager", field_manager);
	return cctl_call(c, "PATCH", path, ct, patch, NULL);
}

void cctl_print_op(const cctl_res *r, const char *name, const char *verb)
{
	char kn[300];
	cctl_kind_name(r->gvr.kind, r->gvr.group, kn, sizeof(kn));
	printf("%s/%s %s\n", kn, name, verb);
	fflush(stdout);
}

int cctl_create_obj(cctl *c, cJSON *obj, const char *field_manager, const char *verb,
		    const char *dry_run, const char *output)
{
	const cctl_res *r = cctl_resolve_kind(c, cube_obj_api_version(obj), cube_obj_kind(obj));
	if (!r)
		return c->res ? cctl_fail("no resource for kind %s", cube_obj_kind(obj)) : 1;
	if (r->gvr.namespaced && !cube_obj_namespace(obj))
		cube_obj_set_meta_str(obj, "namespace", cctl_ns(c));
	cJSON *out;
	if (dry_run && !strcmp(dry_run, "client")) {
		out = cJSON_Duplicate(obj, true);
	} else {
		char path[2048];
		cctl_path(r, cube_obj_namespace(obj), NULL, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "fieldManager", field_manager);
		cctl_query(path, sizeof(path), "fieldValidation", "Strict");
		if (dry_run && !strcmp(dry_run, "server"))
			cctl_query(path, sizeof(path), "dryRun", "All");
		out = cctl_call(c, "POST", path, NULL, obj, NULL);
	}
	if (!out)
		return 1;
	int rc = 0;
	if (output && strcmp(output, "name")) {
		cJSON *one = cJSON_CreateArray();
		cJSON_AddItemToArray(one, out);
		rc = cctl_print_objects(one, output, true, false);
		cJSON_Delete(one);
		return rc;
	}
	const char *nm = cube_obj_name(out);
	if (output) {
		char kn[300];
		cctl_kind_name(r->gvr.kind, r->gvr.group, kn, sizeof(kn));
		printf("%s/%s\n", kn, nm ? nm : "");
	} else {
		char v[128];
		snprintf(v, sizeof(v), "%s%s", verb,
			 dry_run && !strcmp(dry_run, "server")	 ? " (server dry run)"
			 : dry_run && !strcmp(dry_run, "client") ? " (dry run)"
								 : "");
		cctl_print_op(r, nm ? nm : "", v);
	}
	cJSON_Delete(out);
	return rc;
}
