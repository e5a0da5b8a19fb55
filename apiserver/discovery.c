/* discovery.c - what the server serves, as kubectl asks for it: the legacy
 * documents (APIVersions, APIGroupList, APIGroup, APIResourceList) and the
 * aggregated ones (APIGroupDiscoveryList v2 / v2beta1), all generated from
 * the resource table.  Aggregated discovery is sent only when the Accept
 * header asks for it: kubectl 1.28 asks for v2beta1 only and breaks on v2. */
#include <stdio.h>
#include <string.h>

#include "apiserver.h"
#include "cleanup.h"

static const char *const verbs[] = {
	"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch", NULL};
static const char *const status_verbs[] = {"get", "patch", "update", NULL};

static cJSON *strings(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (; v && *v; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

/* Which aggregated version the Accept header asks for: "v2", "v2beta1" or NULL. */
static const char *aggregated_version(cube_httpd_req *h)
{
	const char *accept = cube_httpd_header(h, "Accept");
	if (!accept || !strstr(accept, "as=APIGroupDiscoveryList"))
		return NULL;
	/* Entries are comma-separated; take the first that names a version we serve. */
	const char *p = accept;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char entry[256];
		snprintf(entry, sizeof(entry), "%.*s", (int)(n < 255 ? n : 255), p);
		if (strstr(entry, "g=apidiscovery.k8s.io") &&
		    strstr(entry, "as=APIGroupDiscoveryList")) {
			if (strstr(entry, "v=v2beta1"))
				return "v2beta1";
			if (strstr(entry, "v=v2;") ||
			    (strlen(entry) >= 4 && !strcmp(entry + strlen(entry) - 4, "v=v2")))
				return "v2";
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static void send_aggregated(cube_httpd_req *h, const char *ver, cJSON *doc)
{
	char ct[128];
	snprintf(ct, sizeof(ct),
		 "application/json;g=apidiscovery.k8s.io;v=%s;as=APIGroupDiscoveryList", ver);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text) {
		cube_httpd_respond_text(h, 500, "text/plain", "out of memory\n");
		return;
	}
	cube_httpd_respond(h, 200, ct, text, strlen(text));
}

/* The aggregated entry of one group (core: name ""). */
static cJSON *aggregated_group(const char *group)
{
	cJSON *g = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(g, "metadata");
	cJSON_AddStringToObject(md, "name", group);
	cJSON_AddNullToObject(md, "creationTimestamp");
	cJSON *vs = cJSON_AddArrayToObject(g, "versions");
	cJSON *v = cJSON_CreateObject();
	cJSON_AddItemToArray(vs, v);
	cJSON_AddStringToObject(v, "version", "v1");
	cJSON *res = cJSON_AddArrayToObject(v, "resources");
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		if (strcmp(r->group, group))
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "resource", r->plural);
		cJSON *rk = cJSON_AddObjectToObject(e, "responseKind");
		cJSON_AddStringToObject(rk, "group", "");
		cJSON_AddStringToObject(rk, "version", "");
		cJSON_AddStringToObject(rk, "kind", r->kind);
		cJSON_AddStringToObject(e, "scope", r->namespaced ? "Namespaced" : "Cluster");
		cJSON_AddStringToObject(e, "singularResource", r->singular);
		cJSON_AddItemToObject(e, "verbs", strings(verbs));
		if (r->short_names[0])
			cJSON_AddItemToObject(e, "shortNames", strings(r->short_names));
		if (r->in_all)
			cJSON_AddItemToObject(e, "categories",
					      strings((const char *const[]){"all", NULL}));
		if (r->status) {
			cJSON *subs = cJSON_AddArrayToObject(e, "subresources");
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "subresource", "status");
			cJSON *srk = cJSON_AddObjectToObject(s, "responseKind");
			cJSON_AddStringToObject(srk, "group", "");
			cJSON_AddStringToObject(srk, "version", "");
			cJSON_AddStringToObject(srk, "kind", r->kind);
			cJSON_AddItemToObject(s, "verbs", strings(status_verbs));
			cJSON_AddItemToArray(subs, s);
		}
		if (r->scale) {
			cJSON *subs = cJSON_GetObjectItemCaseSensitive(e, "subresources");
			if (!subs)
				subs = cJSON_AddArrayToObject(e, "subresources");
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "subresource", "scale");
			cJSON *srk = cJSON_AddObjectToObject(s, "responseKind");
			cJSON_AddStringToObject(srk, "group", "autoscaling");
			cJSON_AddStringToObject(srk, "version", "v1");
			cJSON_AddStringToObject(srk, "kind", "Scale");
			cJSON_AddItemToObject(s, "verbs", strings(status_verbs));
			cJSON_AddItemToArray(subs, s);
		}
		cJSON_AddItemToArray(res, e);
	}
	cJSON_AddStringToObject(v, "freshness", "Current");
	return g;
}

static cJSON *aggregated_list(const char *ver)
{
	cJSON *l = cJSON_CreateObject();
	char av[64];
	snprintf(av, sizeof(av), "apidiscovery.k8s.io/%s", ver);
	cJSON_AddStringToObject(l, "kind", "APIGroupDiscoveryList");
	cJSON_AddStringToObject(l, "apiVersion", av);
	cJSON_AddObjectToObject(l, "metadata");
	cJSON_AddArrayToObject(l, "items");
	return l;
}

/* Distinct non-core groups, in table order. */
static size_t groups(const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < api_resources_len; i++) {
		const char *g = api_resources[i].group;
		if (!g[0])
			continue;
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= !strcmp(out[j], g);
		if (!seen && n < max)
			out[n++] = g;
	}
	return n;
}

static cJSON *group_doc(const char *g)
{
	cJSON *o = cJSON_CreateObject();
	char gv[96];
	snprintf(gv, sizeof(gv), "%s/v1", g);
	cJSON_AddStringToObject(o, "name", g);
	cJSON *vs = cJSON_AddArrayToObject(o, "versions");
	cJSON *v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "groupVersion", gv);
	cJSON_AddStringToObject(v, "version", "v1");
	cJSON_AddItemToArray(vs, v);
	cJSON *pv = cJSON_AddObjectToObject(o, "preferredVersion");
	cJSON_AddStringToObject(pv, "groupVersion", gv);
	cJSON_AddStringToObject(pv, "version", "v1");
	return o;
}

static void resource_list(cube_httpd_req *h, const char *group)
{
	cube_autojson cJSON *o = cJSON_CreateObject();
	char gv[96];
	if (group[0])
		snprintf(gv, sizeof(gv), "%s/v1", group);
	else
		snprintf(gv, sizeof(gv), "v1");
	cJSON_AddStringToObject(o, "kind", "APIResourceList");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "groupVersion", gv);
	cJSON *res = cJSON_AddArrayToObject(o, "resources");
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		if (strcmp(r->group, group))
			continue;
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", r->plural);
		cJSON_AddStringToObject(e, "singularName", r->singular);
		cJSON_AddBoolToObject(e, "namespaced", r->namespaced);
		cJSON_AddStringToObject(e, "kind", r->kind);
		cJSON_AddItemToObject(e, "verbs", strings(verbs));
		if (r->short_names[0])
			cJSON_AddItemToObject(e, "shortNames", strings(r->short_names));
		if (r->in_all)
			cJSON_AddItemToObject(e, "categories",
					      strings((const char *const[]){"all", NULL}));
		cJSON_AddItemToArray(res, e);
		if (r->status) {
			char sub[96];
			snprintf(sub, sizeof(sub), "%s/status", r->plural);
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "name", sub);
			cJSON_AddStringToObject(s, "singularName", "");
			cJSON_AddBoolToObject(s, "namespaced", r->namespaced);
			cJSON_AddStringToObject(s, "kind", r->kind);
			cJSON_AddItemToObject(s, "verbs", strings(status_verbs));
			cJSON_AddItemToArray(res, s);
		}
		if (r->scale) {
			char sub[96];
			snprintf(sub, sizeof(sub), "%s/scale", r->plural);
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "name", sub);
			cJSON_AddStringToObject(s, "singularName", "");
			cJSON_AddBoolToObject(s, "namespaced", r->namespaced);
			cJSON_AddStringToObject(s, "group", "autoscaling");
			cJSON_AddStringToObject(s, "version", "v1");
			cJSON_AddStringToObject(s, "kind", "Scale");
			cJSON_AddItemToObject(s, "verbs", strings(status_verbs));
			cJSON_AddItemToArray(res, s);
		}
		if (!strcmp(r->plural, "pods")) {
			cJSON *s = cJSON_CreateObject();
			cJSON_AddStringToObject(s, "name", "pods/binding");
			cJSON_AddStringToObject(s, "singularName", "");
			cJSON_AddBoolToObject(s, "namespaced", true);
			cJSON_AddStringToObject(s, "kind", "Binding");
			cJSON_AddItemToObject(s, "verbs",
					      strings((const char *const[]){"create", NULL}));
			cJSON_AddItemToArray(res, s);
		}
	}
	cube_httpd_respond_json(h, 200, o);
}

bool discovery_serve(apiserver *s, cube_httpd_req *h, const char *path)
{
	const char *groups_[16];
	size_t ng = groups(groups_, 16);
	if (!strcmp(path, "/api") || !strcmp(path, "/api/")) {
		const char *ver = aggregated_version(h);
		if (ver) {
			cJSON *l = aggregated_list(ver);
			cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(l, "items"),
					     aggregated_group(""));
			send_aggregated(h, ver, l);
			return true;
		}
		cube_autojson cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", "APIVersions");
		cJSON_AddItemToObject(o, "versions", strings((const char *const[]){"v1", NULL}));
		cJSON *sa = cJSON_AddArrayToObject(o, "serverAddressByClientCIDRs");
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "clientCIDR", "0.0.0.0/0");
		const char *host = cube_httpd_header(h, "Host");
		cJSON_AddStringToObject(e, "serverAddress", host ? host : "");
		cJSON_AddItemToArray(sa, e);
		cube_httpd_respond_json(h, 200, o);
		return true;
	}
	if (!strcmp(path, "/apis") || !strcmp(path, "/apis/")) {
		const char *ver = aggregated_version(h);
		if (ver) {
			cJSON *l = aggregated_list(ver);
			cJSON *items = cJSON_GetObjectItemCaseSensitive(l, "items");
			for (size_t i = 0; i < ng; i++)
				cJSON_AddItemToArray(items, aggregated_group(groups_[i]));
			if (s->metrics_api)
				cJSON_AddItemToArray(items, metricsapi_group(true));
			send_aggregated(h, ver, l);
			return true;
		}
		cube_autojson cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "kind", "APIGroupList");
		cJSON_AddStringToObject(o, "apiVersion", "v1");
		cJSON *gs = cJSON_AddArrayToObject(o, "groups");
		for (size_t i = 0; i < ng; i++)
			cJSON_AddItemToArray(gs, group_doc(groups_[i]));
		if (s->metrics_api)
			cJSON_AddItemToArray(gs, metricsapi_group(false));
		cube_httpd_respond_json(h, 200, o);
		return true;
	}
	if (!strcmp(path, "/api/v1") || !strcmp(path, "/api/v1/")) {
		resource_list(h, "");
		return true;
	}
	for (size_t i = 0; i < ng; i++) {
		char p1[128], p2[128];
		snprintf(p1, sizeof(p1), "/apis/%s", groups_[i]);
		snprintf(p2, sizeof(p2), "/apis/%s/v1", groups_[i]);
		if (!strcmp(path, p1) ||
		    (!strncmp(path, p1, strlen(p1)) && !strcmp(path + strlen(p1), "/"))) {
			cube_autojson cJSON *o = group_doc(groups_[i]);
			cJSON_AddStringToObject(o, "kind", "APIGroup");
			cJSON_AddStringToObject(o, "apiVersion", "v1");
			cube_httpd_respond_json(h, 200, o);
			return true;
		}
		if (!strcmp(path, p2) ||
		    (!strncmp(path, p2, strlen(p2)) && !strcmp(path + strlen(p2), "/"))) {
			resource_list(h, groups_[i]);
			return true;
		}
	}
	return false;
}
