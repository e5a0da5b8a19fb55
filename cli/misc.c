/* misc.c - the small commands: events (sorted by time), version,
 * api-resources (from discovery, sorted by group as kubectl sorts them),
 * cluster-info, config view|get-contexts|current-context|use-context, and
 * completion bash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cubectl.h"
#include "ktime.h"
#include "obj.h"
#include "yaml.h"

#define CUBECTL_VERSION "v1.32.0-cube"

static struct {
	const char *output, *for_obj, *types, *sort_by, *verbs;
	bool all_ns, client, no_headers, namespaced_set, minify, raw;
	const char *namespaced;
} X;

/* ---- events ------------------------------------------------------------------------------ */

static const cctl_flag events_flags[] = {
	{"all-namespaces", 'A', CCTL_BOOL, &X.all_ns,
	 "If present, list the requested object(s) across all namespaces."},
	{"for", 0, CCTL_STRING, &X.for_obj,
	 "Filter events to only those pertaining to the resource."},
	{"types", 0, CCTL_STRING, &X.types, "Output only events of given types."},
	{"output", 'o', CCTL_STRING, &X.output, "Output format: json|yaml"},
	{"no-headers", 0, CCTL_BOOL, &X.no_headers,
	 "When using the default output, don't print headers."},
	{0},
};

/* kubectl events' interval ages (HumanDuration). */
static void event_since(const char *ts, char *buf, size_t size)
{
	if (!ts || !ts[0]) {
		snprintf(buf, size, "<unknown>");
		return;
	}
	cctl_age(ts, buf, size);
}

static double ev_time(const cJSON *e)
{
	double t = 0;
	const char *s = cube_json_str(e, "series.lastObservedTime");
	if (!s)
		s = cube_json_str(e, "lastTimestamp");
	if (!s)
		s = cube_json_str(e, "eventTime");
	if (s)
		cube_time_parse(s, &t);
	return t;
}

int cctl_cmd_events(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, events_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	const cctl_res *ev = cctl_resolve(c, "events");
	if (!ev)
		return 1;
	char path[4096];
	cctl_path(ev, X.all_ns ? NULL : cctl_ns(c), NULL, NULL, path, sizeof(path));
	if (X.for_obj) {
		char buf[512];
		snprintf(buf, sizeof(buf), "%s", X.for_obj);
		char *slash = strchr(buf, '/');
		if (!slash)
			return cctl_fail("--for must be in resource/name form");
		*slash = '\0';
		const cctl_res *r = cctl_resolve(c, buf);
		if (!r)
			return c->res ? cctl_fail("the server doesn't have a resource type \"%s\"",
						  buf)
				      : 1;
		char fs[1024];
		snprintf(fs, sizeof(fs), "involvedObject.name=%s", slash + 1);
		cctl_query(path, sizeof(path), "fieldSelector", fs);
	}
	cube_autojson cJSON *l = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!l)
		return 1;
	cJSON *items = cJSON_GetObjectItemCaseSensitive(l, "items");
	int cnt = cJSON_GetArraySize(items);
	const cJSON **v = calloc((size_t)(cnt ? cnt : 1), sizeof(*v));
	int k = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, items) {
		const char *ty = cube_json_str(e, "type");
		if (X.types && ty && !strstr(X.types, ty))
			continue;
		v[k++] = e;
	}
	/* stable sort by time */
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && ev_time(v[j - 1]) > ev_time(v[j]); j--) {
			const cJSON *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	if (X.output) {
		cJSON *arr = cJSON_CreateArray();
		for (int i = 0; i < k; i++) {
			cJSON *copy = cJSON_Duplicate(v[i], true);
			if (!cJSON_HasObjectItem(copy, "kind")) {
				cJSON_AddStringToObject(copy, "kind", "Event");
				cJSON_AddStringToObject(copy, "apiVersion", "v1");
			}
			cJSON_AddItemToArray(arr, copy);
		}
		free(v);
		int rc = cctl_print_objects(arr, X.output, false, X.no_headers);
		cJSON_Delete(arr);
		return rc;
	}
	if (!k) {
		free(v);
		if (X.all_ns)
			fprintf(stderr, "No events found.\n");
		else
			fprintf(stderr, "No events found in %s namespace.\n", cctl_ns(c));
		return 0;
	}
	cctl_tabw tw = {0};
	if (!X.no_headers)
		cctl_tabw_add(&tw, "%sLAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n",
			      X.all_ns ? "NAMESPACE\t" : "");
	for (int i = 0; i < k; i++) {
		e = v[i];
		char first[64], interval[160];
		const char *et = cube_json_str(e, "eventTime");
		event_since(et && et[0] ? et : cube_json_str(e, "firstTimestamp"), first,
			    sizeof(first));
		int64_t count = cube_json_int(e, "count", 0);
		if (cube_json_path(e, "series")) {
			char last[64];
			event_since(cube_json_str(e, "series.lastObservedTime"), last,
				    sizeof(last));
			snprintf(interval, sizeof(interval), "%s (x%lld over %s)", last,
				 (long long)cube_json_int(e, "series.count", 0), first);
		} else if (count > 1) {
			char last[64];
			event_since(cube_json_str(e, "lastTimestamp"), last, sizeof(last));
			snprintf(interval, sizeof(interval), "%s (x%lld over %s)", last,
				 (long long)count, first);
		} else {
			snprintf(interval, sizeof(interval), "%s", first);
		}
		if (X.all_ns)
			cctl_tabw_add(&tw, "%s\t",
				      cube_obj_namespace(e) ? cube_obj_namespace(e) : "");
		const char *msg = cube_json_str(e, "message");
		cctl_tabw_add(&tw, "%s\t%s\t%s\t%s/%s\t%s\n", interval,
			      cube_json_str(e, "type") ? cube_json_str(e, "type") : "",
			      cube_json_str(e, "reason") ? cube_json_str(e, "reason") : "",
			      cube_json_str(e, "involvedObject.kind")
				      ? cube_json_str(e, "involvedObject.kind")
				      : "",
			      cube_json_str(e, "involvedObject.name")
				      ? cube_json_str(e, "involvedObject.name")
				      : "",
			      msg ? msg : "");
	}
	free(v);
	cctl_tabw_flush(&tw, stdout);
	cctl_tabw_free(&tw);
	return 0;
}

/* ---- version ----------------------------------------------------------------------------- */

static const cctl_flag version_flags[] = {
	{"client", 0, CCTL_BOOL, &X.client,
	 "If true, shows client version only (no server required)."},
	{"output", 'o', CCTL_STRING, &X.output, "One of 'yaml' or 'json'."},
	{0},
};

int cctl_cmd_version(cctl *c, int argc, char **argv)
{
	char *pos[4];
	int n = cctl_parse(c, version_flags, argc, argv, pos, 4, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	cube_autojson cJSON *doc = cJSON_CreateObject();
	cJSON *cv = cJSON_AddObjectToObject(doc, "clientVersion");
	cJSON_AddStringToObject(cv, "major", "1");
	cJSON_AddStringToObject(cv, "minor", "32");
	cJSON_AddStringToObject(cv, "gitVersion", CUBECTL_VERSION);
	cJSON_AddStringToObject(cv, "platform", "linux/amd64");
	cJSON *sv = NULL;
	int rc = 0;
	if (!X.client) {
		sv = cctl_call(c, "GET", "/version", NULL, NULL, NULL);
		if (!sv)
			rc = 1;
		else
			cJSON_AddItemToObject(doc, "serverVersion", sv);
	}
	if (X.output && !strcmp(X.output, "json")) {
		char *s = cctl_json_go(doc, 2);
		printf("%s\n", s);
		free(s);
	} else if (X.output && !strcmp(X.output, "yaml")) {
		cctl_print_yaml(stdout, doc);
	} else {
		printf("Client Version: %s\n", CUBECTL_VERSION);
		if (sv)
			printf("Server Version: %s\n", cube_json_str(sv, "gitVersion")
							       ? cube_json_str(sv, "gitVersion")
							       : "");
	}
	return rc;
}

/* ---- api-resources -----------------------------------------------------------------------------
 */

static const cctl_flag apires_flags[] = {
	{"output", 'o', CCTL_STRING, &X.output, "Output format. One of: (wide, name)."},
	{"namespaced", 0, CCTL_STRING, &X.namespaced,
	 "If false, non-namespaced resources will be returned, otherwise returning namespaced "
	 "resources by default."},
	{"no-headers", 0, CCTL_BOOL, &X.no_headers,
	 "When using the default output, don't print headers."},
	{"sort-by", 0, CCTL_STRING, &X.sort_by,
	 "If non-empty, sort list of resources using specified field."},
	{"verbs", 0, CCTL_STRING, &X.verbs, "Limit to resources that support the specified verbs."},
	{0},
};

static const cctl_res **sort_res;

static int cmp_res(const void *a, const void *b)
{
	const cctl_res *x = *(const cctl_res *const *)a, *y = *(const cctl_res *const *)b;
	int r;
	if (X.sort_by && !strcmp(X.sort_by, "name"))
		r = strcmp(x->gvr.resource, y->gvr.resource);
	else if (X.sort_by && !strcmp(X.sort_by, "kind"))
		r = strcmp(x->gvr.kind, y->gvr.kind);
	else if (!(r = strcmp(x->gvr.group, y->gvr.group)))
		r = strcmp(x->gvr.resource, y->gvr.resource);
	/* stable: keep discovery order among equals */
	return r ? r : (x < y ? -1 : x > y);
}

static void join(const char *const *v, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; v[i]; i++)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? "," : "", v[i]);
}

int cctl_cmd_api_resources(cctl *c, int argc, char **argv)
{
	char *pos[4];
	int n = cctl_parse(c, apires_flags, argc, argv, pos, 4, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (cctl_discover(c) < 0)
		return 1;
	sort_res = calloc(c->nres ? c->nres : 1, sizeof(*sort_res));
	size_t k = 0;
	for (size_t i = 0; i < c->nres; i++) {
		const cctl_res *r = &c->res[i];
		if (X.namespaced && (!strcmp(X.namespaced, "true")) != r->gvr.namespaced)
			continue;
		if (X.verbs) {
			bool ok = false;
			for (size_t v = 0; r->verbs[v]; v++)
				ok = ok || !strcmp(r->verbs[v], X.verbs);
			if (!ok)
				continue;
		}
		sort_res[k++] = r;
	}
	qsort(sort_res, k, sizeof(*sort_res), cmp_res);
	bool wide = X.output && !strcmp(X.output, "wide");
	if (X.output && !strcmp(X.output, "name")) {
		for (size_t i = 0; i < k; i++) {
			char rn[300];
			cctl_res_name(sort_res[i], rn, sizeof(rn));
			printf("%s\n", rn);
		}
		free(sort_res);
		return 0;
	}
	cctl_tabw tw = {0};
	if (!X.no_headers)
		cctl_tabw_add(&tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND%s\n",
			      wide ? "\tVERBS\tCATEGORIES" : "");
	for (size_t i = 0; i < k; i++) {
		const cctl_res *r = sort_res[i];
		char sn[256], gv[300], verbs[512], cats[256];
		join(r->short_names, sn, sizeof(sn));
		if (r->gvr.group[0])
			snprintf(gv, sizeof(gv), "%s/%s", r->gvr.group, r->gvr.version);
		else
			snprintf(gv, sizeof(gv), "%s", r->gvr.version);
		cctl_tabw_add(&tw, "%s\t%s\t%s\t%s\t%s", r->gvr.resource, sn, gv,
			      r->gvr.namespaced ? "true" : "false", r->gvr.kind);
		if (wide) {
			join(r->verbs, verbs, sizeof(verbs));
			join(r->categories, cats, sizeof(cats));
			cctl_tabw_add(&tw, "\t%s\t%s", verbs, cats);
		}
		cctl_tabw_add(&tw, "\n");
	}
	cctl_tabw_flush(&tw, stdout);
	cctl_tabw_free(&tw);
	free(sort_res);
	return 0;
}

/* ---- cluster-info
 * ---------------------------------------------------------------------------------- */

int cctl_cmd_cluster_info(cctl *c, int argc, char **argv)
{
	char *pos[4];
	int n = cctl_parse(c, NULL, argc, argv, pos, 4, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (cctl_connect(c) < 0)
		return 1;
	cJSON *l = cctl_call(c, "GET",
			     "/api/v1/namespaces/kube-system/services?labelSelector="
			     "kubernetes.io%2Fcluster-service%3Dtrue",
			     NULL, NULL, NULL);
	if (!l)
		return 1;
	printf("Kubernetes control plane is running at %s\n", cube_kclient_server(c->client));
	const cJSON *s;
	cJSON_ArrayForEach (s, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *name = cube_obj_name(s);
		const char *label = cube_obj_label(s, "kubernetes.io/name");
		printf("%s is running at %s/api/v1/namespaces/kube-system/services/%s/proxy\n",
		       label ? label : name, cube_kclient_server(c->client), name);
	}
	cJSON_Delete(l);
	printf("\nTo further debug and diagnose cluster problems, use 'cubectl cluster-info "
	       "dump'.\n");
	return 0;
}

/* ---- config
 * ----------------------------------------------------------------------------------------- */

static const cctl_flag config_flags[] = {
	{"minify", 0, CCTL_BOOL, &X.minify,
	 "Remove all information not used by current-context from the output"},
	{"raw", 0, CCTL_BOOL, &X.raw, "Display raw byte data and sensitive data"},
	{"output", 'o', CCTL_STRING, &X.output, "Output format: yaml|json"},
	{"no-headers", 0, CCTL_BOOL, &X.no_headers,
	 "When using the default output, don't print headers."},
	{0},
};

/* The kubeconfig file cubectl reads (the first of $KUBECONFIG). */
static void config_path(cctl *c, char *buf, size_t size)
{
	const char *k = c->kubeconfig;
	const char *envk = getenv("KUBECONFIG");
	if (k && k[0])
		snprintf(buf, size, "%s", k);
	else if (envk && envk[0])
		snprintf(buf, size, "%.*s", (int)strcspn(envk, ":"), envk);
	else
		snprintf(buf, size, "%s/.kube/config", getenv("HOME") ? getenv("HOME") : "");
}

static cJSON *config_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	cJSON *doc = buf ? cube_yaml_parse(buf, n, NULL) : NULL;
	free(buf);
	return doc;
}

static void redact(cJSON *doc)
{
	const char *lists[2][2] = {{"clusters", "cluster"}, {"users", "user"}};
	for (int l = 0; l < 2; l++) {
		cJSON *e;
		cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(doc, lists[l][0])) {
			cJSON *inner = cJSON_GetObjectItemCaseSensitive(e, lists[l][1]);
			cJSON *f;
			cJSON_ArrayForEach (f, inner) {
				size_t len = strlen(f->string);
				if (len > 5 && !strcmp(f->string + len - 5, "-data"))
					cJSON_SetValuestring(f, "DATA+OMITTED");
				else if (!strcmp(f->string, "token") ||
					 !strcmp(f->string, "password"))
					cJSON_SetValuestring(f, "REDACTED");
			}
		}
	}
}

int cctl_cmd_config(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, config_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 1)
		return cctl_fail("a subcommand is required: view, get-contexts, current-context, "
				 "use-context");
	char path[4096];
	config_path(c, path, sizeof(path));
	cube_autojson cJSON *doc = config_load(path);
	if (!doc)
		doc = cJSON_CreateObject();
	const char *cur = cube_json_str(doc, "current-context");
	if (!strcmp(pos[0], "view")) {
		if (!cJSON_HasObjectItem(doc, "preferences"))
			cJSON_AddObjectToObject(doc, "preferences");
		/* Go's struct fields without omitempty */
		cJSON *ctx;
		cJSON_ArrayForEach (ctx, cJSON_GetObjectItemCaseSensitive(doc, "contexts")) {
			cJSON *inner = cJSON_GetObjectItemCaseSensitive(ctx, "context");
			if (cJSON_IsObject(inner) && !cJSON_HasObjectItem(inner, "user"))
				cJSON_AddStringToObject(inner, "user", "");
			if (cJSON_IsObject(inner) && !cJSON_HasObjectItem(inner, "cluster"))
				cJSON_AddStringToObject(inner, "cluster", "");
		}
		const char *lists[] = {"clusters", "contexts", "users"};
		for (int i = 0; i < 3; i++)
			if (!cJSON_HasObjectItem(doc, lists[i]))
				cJSON_AddNullToObject(doc, lists[i]);
		if (!X.raw)
			redact(doc);
		if (X.output && !strcmp(X.output, "json")) {
			char *s = cctl_json_go(doc, 4);
			printf("%s\n", s);
			free(s);
		} else {
			cctl_print_yaml(stdout, doc);
		}
		return 0;
	}
	if (!strcmp(pos[0], "current-context")) {
		if (!cur || !cur[0])
			return cctl_fail("current-context is not set");
		printf("%s\n", cur);
		return 0;
	}
	if (!strcmp(pos[0], "get-contexts")) {
		cctl_tabw tw = {0};
		if (!X.no_headers)
			cctl_tabw_add(&tw, "CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n");
		const cJSON *e;
		int shown = 0;
		cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(doc, "contexts")) {
			const char *name = cube_json_str(e, "name");
			if (n > 1 && (!name || strcmp(name, pos[1])))
				continue;
			const char *ns = cube_json_str(e, "context.namespace");
			cctl_tabw_add(
				&tw, "%s\t%s\t%s\t%s\t%s\n",
				cur && name && !strcmp(cur, name) ? "*" : "", name ? name : "",
				cube_json_str(e, "context.cluster")
					? cube_json_str(e, "context.cluster")
					: "",
				cube_json_str(e, "context.user") ? cube_json_str(e, "context.user")
								 : "",
				ns ? ns : "");
			shown++;
		}
		cctl_tabw_flush(&tw, stdout);
		cctl_tabw_free(&tw);
		if (n > 1 && !shown)
			return cctl_fail("context %s not found", pos[1]);
		return 0;
	}
	if (!strcmp(pos[0], "use-context")) {
		if (n < 2)
			return cctl_fail("Unexpected args: []");
		bool found = false;
		const cJSON *e;
		cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(doc, "contexts")) {
			const char *name = cube_json_str(e, "name");
			found = found || (name && !strcmp(name, pos[1]));
		}
		if (!found)
			return cctl_fail("no context exists with the name: \"%s\"", pos[1]);
		cJSON_DeleteItemFromObjectCaseSensitive(doc, "current-context");
		cJSON_AddStringToObject(doc, "current-context", pos[1]);
		cube_autojson cJSON *sorted = cctl_sorted_copy(doc);
		cube_autofree char *y = cube_yaml_emit(sorted);
		FILE *f = y ? fopen(path, "w") : NULL;
		if (!f)
			return cctl_fail("could not write %s", path);
		fputs(y, f);
		fclose(f);
		printf("Switched to context \"%s\".\n", pos[1]);
		return 0;
	}
	return cctl_fail("unknown command \"%s\" for \"cubectl config\"", pos[0]);
}

/* ---- completion ---------------------------------------------------------------------------------
 */

static const char completion_bash[] =
	"# bash completion for cubectl (cube's kubectl)\n"
	"# source <(cubectl completion bash)\n"
	"_cubectl()\n"
	"{\n"
	"    local cur prev words cword\n"
	"    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
	"    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
	"    local commands=\"get describe create apply replace delete run expose scale set "
	"rollout "
	"label annotate patch cordon uncordon drain edit diff wait logs why events version "
	"api-resources cluster-info "
	"config completion\"\n"
	"    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
	"        COMPREPLY=( $(compgen -W \"$commands\" -- \"$cur\") )\n"
	"        return\n"
	"    fi\n"
	"    case \"$prev\" in\n"
	"    -n|--namespace)\n"
	"        COMPREPLY=( $(compgen -W \"$(cubectl get namespaces -o "
	"jsonpath='{.items[*].metadata.name}' 2>/dev/null)\" -- \"$cur\") )\n"
	"        return ;;\n"
	"    -o|--output)\n"
	"        COMPREPLY=( $(compgen -W \"json yaml wide name jsonpath= custom-columns=\" -- "
	"\"$cur\") )\n"
	"        return ;;\n"
	"    -f|--filename)\n"
	"        COMPREPLY=( $(compgen -f -- \"$cur\") )\n"
	"        return ;;\n"
	"    esac\n"
	"    local verb=\"${COMP_WORDS[1]}\"\n"
	"    case \"$verb\" in\n"
	"    rollout)\n"
	"        if [ \"$COMP_CWORD\" -eq 2 ]; then\n"
	"            COMPREPLY=( $(compgen -W \"status history undo restart pause resume\" -- "
	"\"$cur\") ); return\n"
	"        fi ;;\n"
	"    config)\n"
	"        if [ \"$COMP_CWORD\" -eq 2 ]; then\n"
	"            COMPREPLY=( $(compgen -W \"view get-contexts current-context use-context\" -- "
	"\"$cur\") ); return\n"
	"        fi ;;\n"
	"    esac\n"
	"    # a resource type, then names of that type\n"
	"    local types=$(cubectl api-resources -o name 2>/dev/null | sed 's/\\..*//')\n"
	"    local i type=\"\"\n"
	"    for ((i=2; i < COMP_CWORD; i++)); do\n"
	"        case \"${COMP_WORDS[i]}\" in -*) ;; *) type=\"${COMP_WORDS[i]}\"; break ;; esac\n"
	"    done\n"
	"    if [ -z \"$type\" ]; then\n"
	"        COMPREPLY=( $(compgen -W \"$types\" -- \"$cur\") )\n"
	"    else\n"
	"        COMPREPLY=( $(compgen -W \"$(cubectl get \"$type\" -o "
	"jsonpath='{.items[*].metadata.name}' 2>/dev/null)\" -- \"$cur\") )\n"
	"    fi\n"
	"}\n"
	"complete -o default -F _cubectl cubectl\n";

int cctl_cmd_completion(cctl *c, int argc, char **argv)
{
	char *pos[4];
	int n = cctl_parse(c, NULL, argc, argv, pos, 4, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n != 1)
		return cctl_fail("Shell not specified.");
	if (strcmp(pos[0], "bash"))
		return cctl_fail("Unsupported shell type \"%s\".", pos[0]);
	fputs(completion_bash, stdout);
	return 0;
}
