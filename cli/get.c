/* get.c - cubectl get: one or more kinds, names, selectors, every output
 * format kubectl has, and -w.
 *
 * Human-readable output asks the server for a Table (the Accept header
 * kubectl sends) and prints its columns as kubectl's table printer does:
 * upper-case headers, priority-1 columns only with -o wide, NAMESPACE first
 * with -A (for namespaced kinds), LABELS last with --show-labels, the kind
 * before the name when several kinds are shown, a blank line between kinds,
 * and "No resources found in <ns> namespace." on stderr when nothing was
 * printed.  Other formats fetch JSON and print the object, or a v1 List of
 * several, as kubectl does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"

static struct {
	const char *output, *selector, *field_selector, *sort_by;
	bool all_ns, watch, watch_only, show_labels, no_headers, show_kind, ignore_not_found;
	cctl_strv files;
	int chunk;
} O;

static const cctl_flag get_flags[] = {
	{"output", 'o', CCTL_STRING, &O.output,
	 "Output format. One of: (json, yaml, name, wide, jsonpath=..., custom-columns=...)"},
	{"selector", 'l', CCTL_STRING, &O.selector,
	 "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'."},
	{"field-selector", 0, CCTL_STRING, &O.field_selector,
	 "Selector (field query) to filter on, supports '=', '==', and '!='."},
	{"all-namespaces", 'A', CCTL_BOOL, &O.all_ns,
	 "If present, list the requested object(s) across all namespaces."},
	{"watch", 'w', CCTL_BOOL, &O.watch,
	 "After listing/getting the requested object, watch for changes."},
	{"watch-only", 0, CCTL_BOOL, &O.watch_only,
	 "Watch for changes to the requested object(s), without listing/getting first."},
	{"show-labels", 0, CCTL_BOOL, &O.show_labels,
	 "When printing, show all labels as the last column."},
	{"no-headers", 0, CCTL_BOOL, &O.no_headers,
	 "When using the default or custom-column output format, don't print headers."},
	{"show-kind", 0, CCTL_BOOL, &O.show_kind,
	 "If present, list the resource type for the requested object(s)."},
	{"ignore-not-found", 0, CCTL_BOOL, &O.ignore_not_found,
	 "If the requested object does not exist the command will return exit code 0."},
	{"filename", 'f', CCTL_ARRAY, &O.files,
	 "Filename, directory, or URL to files identifying the resource to get from a server."},
	{"chunk-size", 0, CCTL_INT, &O.chunk,
	 "Return large lists in chunks rather than all at once."},
	{"sort-by", 0, CCTL_STRING, &O.sort_by,
	 "If non-empty, sort list types using this field specification."},
	{0},
};

/* One thing to fetch: a resource, and a name or none (the collection). */
typedef struct target {
	const cctl_res *res;
	const char *name;
} target;

static bool is_table_output(void)
{
	return !O.output || !strcmp(O.output, "wide");
}

/* ---- the table printer ------------------------------------------------------------ */

typedef struct tprinter {
	cctl_tabw tw;
	const cctl_res *last; /* the kind whose header is current */
	bool with_kind;
	bool written;	    /* anything printed */
	bool since_sep;	    /* printed since the last separator */
	bool pending_sep;   /* a new kind: a blank line before its rows, if any */
	cJSON *columns;	    /* of the last table with definitions (borrowed) */
	cJSON *columns_own; /* kept across watch events */
} tprinter;

static void format_labels(const cJSON *labels, char *buf, size_t size)
{
	cube_autojson cJSON *s = cctl_sorted_copy(labels);
	size_t n = 0;
	buf[0] = '\0';
	const cJSON *l;
	cJSON_ArrayForEach (l, s) {
		if (!cJSON_IsString(l))
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s=%s", n ? "," : "",
				      l->string, l->valuestring);
	}
	if (!buf[0])
		snprintf(buf, size, "<none>");
}

static void cell_text(const cJSON *cell, char *buf, size_t size)
{
	if (cJSON_IsString(cell)) {
		const char *s = cell->valuestring;
		size_t brk = strcspn(s, "\f\n\r");
		snprintf(buf, size, "%.*s%s", (int)brk, s, s[brk] ? "..." : "");
		for (char *p = buf; *p; p++)
			if (*p == '\t')
				*p = ' ';
		return;
	}
	char *v = cctl_go_sprint(cell);
	snprintf(buf, size, "%s", v);
	free(v);
}

/* Prints a Table's rows (and its header unless no_headers / watch). */
static void print_table(tprinter *tp, const cctl_res *r, const cJSON *table, bool header)
{
	bool wide = O.output && !strcmp(O.output, "wide");
	bool with_ns = O.all_ns && r->gvr.namespaced;
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(table, "columnDefinitions");
	if (cJSON_IsArray(cols) && cJSON_GetArraySize(cols) > 0) {
		cJSON_Delete(tp->columns_own);
		tp->columns_own = cJSON_Duplicate(cols, true);
	}
	cols = tp->columns_own;
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(table, "rows");
	if (!cJSON_GetArraySize(rows))
		return;
	int ncols = cJSON_GetArraySize(cols);
	bool show[64] = {0};
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, cols) {
		if (i < 64)
			show[i] = wide || cube_json_int(c, "priority", 0) == 0;
		i++;
	}
	char kind_pfx[300] = "";
	if (tp->with_kind) {
		cctl_kind_name(r->gvr.kind, r->gvr.group, kind_pfx, sizeof(kind_pfx));
		strcat(kind_pfx, "/");
	}
	if (header && tp->pending_sep) {
		cctl_tabw_add(&tp->tw, "\n");
		tp->pending_sep = false;
		tp->since_sep = false;
	}
	if (header && !O.no_headers) {
		bool first = true;
		if (with_ns) {
			cctl_tabw_add(&tp->tw, "NAMESPACE");
			first = false;
		}
		i = 0;
		cJSON_ArrayForEach (c, cols) {
			if (i < 64 && show[i]) {
				char up[256];
				const char *nm = cube_json_str(c, "name");
				size_t k = 0;
				for (; nm && nm[k] && k + 1 < sizeof(up); k++)
					up[k] = (char)(nm[k] >= 'a' && nm[k] <= 'z' ? nm[k] - 32
										    : nm[k]);
				up[k] = '\0';
				cctl_tabw_add(&tp->tw, "%s%s", first ? "" : "\t", up);
				first = false;
			}
			i++;
		}
		if (O.show_labels)
			cctl_tabw_add(&tp->tw, "%sLABELS", first ? "" : "\t");
		cctl_tabw_add(&tp->tw, "\n");
	}
	const cJSON *row;
	cJSON_ArrayForEach (row, rows) {
		const cJSON *md = cube_json_path(row, "object.metadata");
		bool first = true;
		if (with_ns) {
			const char *ns = cube_json_str(md, "namespace");
			cctl_tabw_add(&tp->tw, "%s", ns ? ns : "");
			first = false;
		}
		i = 0;
		const cJSON *cell;
		cJSON_ArrayForEach (cell, cJSON_GetObjectItemCaseSensitive(row, "cells")) {
			if (i >= ncols && ncols)
				break;
			if (i < 64 && (show[i] || !ncols)) {
				char txt[4096];
				cell_text(cell, txt, sizeof(txt));
				cctl_tabw_add(&tp->tw, "%s%s%s", first ? "" : "\t",
					      i == 0 ? kind_pfx : "", txt);
				first = false;
			}
			i++;
		}
		if (O.show_labels) {
			char lb[4096];
			format_labels(cJSON_GetObjectItemCaseSensitive(md, "labels"), lb,
				      sizeof(lb));
			cctl_tabw_add(&tp->tw, "%s%s", first ? "" : "\t", lb);
		}
		cctl_tabw_add(&tp->tw, "\n");
		tp->written = tp->since_sep = true;
	}
}

/* A plain List or object (a server without Tables): kubectl's NAME AGE. */
static cJSON *table_from_objects(const cJSON *objs)
{
	cJSON *t = cJSON_CreateObject();
	cJSON *cols = cJSON_AddArrayToObject(t, "columnDefinitions");
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "name", "Name");
	cJSON_AddItemToArray(cols, n);
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "name", "Age");
	cJSON_AddItemToArray(cols, a);
	cJSON *rows = cJSON_AddArrayToObject(t, "rows");
	const cJSON *o;
	cJSON_ArrayForEach (o, objs) {
		cJSON *row = cJSON_CreateObject();
		cJSON *cells = cJSON_AddArrayToObject(row, "cells");
		const char *nm = cube_obj_name(o);
		cJSON_AddItemToArray(cells, cJSON_CreateString(nm ? nm : ""));
		char age[32];
		cctl_age(cube_json_str(o, "metadata.creationTimestamp"), age, sizeof(age));
		cJSON_AddItemToArray(cells, cJSON_CreateString(age));
		cJSON *obj = cJSON_AddObjectToObject(row, "object");
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
		if (md)
			cJSON_AddItemToObject(obj, "metadata", cJSON_Duplicate(md, true));
		cJSON_AddItemToArray(rows, row);
	}
	return t;
}

/* Makes sure `t` is a Table: a List or object answer is turned into one. */
static cJSON *as_table(cJSON *body)
{
	const char *kind = cube_obj_kind(body);
	if (kind && !strcmp(kind, "Table"))
		return body;
	cJSON *items = cJSON_GetObjectItemCaseSensitive(body, "items");
	cJSON *t;
	if (cJSON_IsArray(items)) {
		t = table_from_objects(items);
	} else {
		cJSON *one = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(one, body);
		t = table_from_objects(one);
		cJSON_Delete(one);
	}
	const char *rv = cube_json_str(body, "metadata.resourceVersion");
	cJSON *md = cJSON_AddObjectToObject(t, "metadata");
	if (rv)
		cJSON_AddStringToObject(md, "resourceVersion", rv);
	cJSON_Delete(body);
	return t;
}

/* ---- fetching ---------------------------------------------------------------------- */

static void target_path(cctl *c, const target *t, char *path, size_t size)
{
	cctl_path(t->res, O.all_ns && !t->name ? NULL : cctl_ns(c), t->name, NULL, path, size);
}

/* GETs one target (a collection: every page).  Returns the answer (a Table
 * when table, else a List or object), NULL after printing an error (*errs
 * counted), or NULL silently for an ignored NotFound. */
static cJSON *fetch(cctl *c, const target *t, bool table, int *errs, char *rv, size_t rvsize)
{
	char base[2048];
	target_path(c, t, base, sizeof(base));
	cJSON *acc = NULL;
	const char *cont = NULL;
	char cont_buf[1024] = "";
	for (;;) {
		char path[4096];
		snprintf(path, sizeof(path), "%s", base);
		if (!t->name) {
			cctl_query(path, sizeof(path), "labelSelector", O.selector);
			cctl_query(path, sizeof(path), "fieldSelector", O.field_selector);
			char lim[16];
			snprintf(lim, sizeof(lim), "%d", O.chunk > 0 ? O.chunk : 500);
			if (O.chunk != 0)
				cctl_query(path, sizeof(path), "limit", lim);
			cctl_query(path, sizeof(path), "continue", cont);
		}
		cctl_resp r;
		if (cctl_request(c, "GET", path, table ? CCTL_ACCEPT_TABLE : "application/json",
				 NULL, NULL, &r) < 0) {
			(*errs)++;
			cJSON_Delete(acc);
			return NULL;
		}
		if (r.status != 200 || !r.body) {
			if (!(r.status == 404 && O.ignore_not_found && t->name)) {
				char what[600];
				char rn[300];
				cctl_res_name(t->res, rn, sizeof(rn));
				snprintf(what, sizeof(what), "get %s%s%s", rn, t->name ? " " : "",
					 t->name ? t->name : "");
				cctl_print_status_error(r.status, r.body, r.text, NULL, what);
				(*errs)++;
			}
			cctl_resp_clear(&r);
			cJSON_Delete(acc);
			return NULL;
		}
		cJSON *body = r.body;
		r.body = NULL;
		cctl_resp_clear(&r);
		if (!acc) {
			acc = body;
			const char *v = cube_json_str(acc, "metadata.resourceVersion");
			if (rv)
				snprintf(rv, rvsize, "%s", v ? v : "");
		} else {
			/* join the page's rows or items */
			const char *key = cJSON_HasObjectItem(acc, "rows") ? "rows" : "items";
			cJSON *dst = cJSON_GetObjectItemCaseSensitive(acc, key);
			cJSON *src = cJSON_DetachItemFromObjectCaseSensitive(body, key);
			cJSON *it;
			while (src && (it = src->child)) {
				cJSON_DetachItemViaPointer(src, it);
				cJSON_AddItemToArray(dst, it);
			}
			cJSON_Delete(src);
			cJSON_Delete(body);
			body = NULL;
		}
		const char *nx = cube_json_str(body ? body : acc, "metadata.continue");
		if (t->name || !nx || !nx[0] || body == NULL)
			break;
		snprintf(cont_buf, sizeof(cont_buf), "%s", nx);
		cont = cont_buf;
		cJSON *md = cJSON_GetObjectItemCaseSensitive(acc, "metadata");
		cJSON_DeleteItemFromObjectCaseSensitive(md, "continue");
	}
	return acc;
}

/* ---- watch ---------------------------------------------------------------------------- */

#include "jsonstream.h"

typedef struct wctx {
	tprinter *tp;
	const cctl_res *res;
	bool skip_first;
	bool table;
	cube_jsonstream *js;
} wctx;

static int on_watch_event(void *ud, const cJSON *doc, cube_err *err)
{
	(void)err;
	wctx *w = ud;
	const char *type = cube_json_str(doc, "type");
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(doc, "object");
	if (!type || !obj)
		return 0;
	if (!strcmp(type, "BOOKMARK"))
		return 0;
	if (w->skip_first) {
		w->skip_first = false;
		return 0;
	}
	if (!strcmp(type, "ERROR")) {
		/* kubectl prints the Status as a table */
		return 0;
	}
	if (w->table) {
		cJSON *t = as_table(cJSON_Duplicate(obj, true));
		print_table(w->tp, w->res, t, false);
		cctl_tabw_flush(&w->tp->tw, stdout);
		cJSON_Delete(t);
		return 0;
	}
	/* other formats print each object */
	if (O.output && !strcmp(O.output, "name")) {
		char kn[300];
		cctl_kind_name(w->res->gvr.kind, w->res->gvr.group, kn, sizeof(kn));
		printf("%s/%s\n", kn, cube_obj_name(obj));
	} else if (O.output && !strcmp(O.output, "json")) {
		char *s = cctl_json_go(obj, 4);
		printf("%s\n", s);
		free(s);
	} else {
		printf("---\n");
		cctl_print_yaml(stdout, obj);
	}
	fflush(stdout);
	return 0;
}

static int on_watch_bytes(void *ud, const char *data, size_t len)
{
	wctx *w = ud;
	cube_err err = CUBE_ERR_INIT;
	return cube_jsonstream_feed(w->js, data, len, &err) < 0 ? -1 : 0;
}

static int watch(cctl *c, tprinter *tp, const target *t, const char *rv)
{
	char path[4096];
	cctl_path(t->res, O.all_ns ? NULL : cctl_ns(c), NULL, NULL, path, sizeof(path));
	char fs[600] = "";
	if (t->name)
		snprintf(fs, sizeof(fs), "metadata.name=%s", t->name);
	cctl_query(path, sizeof(path), "fieldSelector", t->name ? fs : O.field_selector);
	cctl_query(path, sizeof(path), "labelSelector", O.selector);
	cctl_query(path, sizeof(path), "resourceVersion", t->name ? "0" : rv);
	cctl_query(path, sizeof(path), "watch", "true");
	wctx w = {.tp = tp,
		  .res = t->res,
		  .skip_first = t->name != NULL && !O.watch_only,
		  .table = is_table_output()};
	w.js = cube_jsonstream_new(0, on_watch_event, &w);
	cube_kclient_rawreq rq = {.path = path,
				  .accept = w.table ? CCTL_ACCEPT_TABLE : "application/json",
				  .on_data = on_watch_bytes,
				  .ud = &w};
	cube_http_resp resp;
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_kclient_raw(c->client, &rq, &resp, &err);
	cube_jsonstream_free(w.js);
	if (rc < 0 && err.code != CUBE_ECANCELED) {
		cube_http_resp_clear(&resp);
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	if (resp.status != 200) {
		cctl_print_status_error(resp.status, NULL, NULL, NULL, NULL);
		cube_http_resp_clear(&resp);
		return 1;
	}
	cube_http_resp_clear(&resp);
	return 0;
}

/* ---- non-table output ------------------------------------------------------------------ */

static void strip_managed(cJSON *o)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
}

/* Adds kind/apiVersion to list items (the server leaves them out). */
static void fill_type(cJSON *o, const cctl_res *r)
{
	if (!cJSON_HasObjectItem(o, "kind")) {
		char av[300];
		if (r->gvr.group[0])
			snprintf(av, sizeof(av), "%s/%s", r->gvr.group, r->gvr.version);
		else
			snprintf(av, sizeof(av), "%s", r->gvr.version);
		/* apiVersion and kind first, as the server writes them */
		cJSON *k = cJSON_CreateString(r->gvr.kind), *a = cJSON_CreateString(av);
		cJSON_AddItemToObject(o, "kind", k);
		cJSON_AddItemToObject(o, "apiVersion", a);
	}
	strip_managed(o);
}

int cctl_print_objects(const cJSON *objs, const char *output, bool single, bool no_headers)
{
	const cJSON *one = single ? cJSON_GetArrayItem(objs, 0) : NULL;
	cube_autojson cJSON *list = NULL;
	const cJSON *doc = one;
	if (!one) {
		list = cctl_list_wrap(cJSON_Duplicate(objs, true));
		doc = list;
	}
	if (!strcmp(output, "json")) {
		char *s = cctl_json_go(doc, 4);
		printf("%s\n", s);
		free(s);
	} else if (!strcmp(output, "yaml")) {
		cctl_print_yaml(stdout, doc);
	} else if (!strcmp(output, "name")) {
		const cJSON *o;
		cJSON_ArrayForEach (o, objs) {
			const char *av = cube_obj_api_version(o);
			const char *slash = av ? strchr(av, '/') : NULL;
			char group[256] = "";
			if (slash)
				snprintf(group, sizeof(group), "%.*s", (int)(slash - av), av);
			char kn[300];
			cctl_kind_name(cube_obj_kind(o), group, kn, sizeof(kn));
			printf("%s/%s\n", kn, cube_obj_name(o));
		}
	} else if (!strncmp(output, "jsonpath=", 9) || !strncmp(output, "jsonpath-as-json=", 17) ||
		   !strncmp(output, "jsonpath-file=", 14)) {
		const char *tmpl = strchr(output, '=') + 1;
		char msg[512] = "";
		cctl_jsonpath *j = cctl_jsonpath_parse(tmpl, msg, sizeof(msg));
		if (!j)
			return cctl_fail("error parsing jsonpath %s, %s", tmpl, msg);
		char *out = NULL;
		int rc = cctl_jsonpath_exec(j, doc, true, &out, msg, sizeof(msg));
		cctl_jsonpath_free(j);
		if (rc < 0) {
			free(out);
			return cctl_fail("error executing jsonpath \"%s\": %s", tmpl, msg);
		}
		fputs(out ? out : "", stdout);
		free(out);
	} else if (!strncmp(output, "custom-columns=", 15)) {
		const cJSON *items[4096];
		size_t n = 0;
		const cJSON *o;
		cJSON_ArrayForEach (o, objs) {
			if (n < 4096)
				items[n++] = o;
		}
		char msg[512] = "";
		char *s = cctl_custom_columns(output + 15, items, n, no_headers, msg, sizeof(msg));
		if (!s)
			return cctl_fail("%s", msg);
		fputs(s, stdout);
		free(s);
	} else {
		return cctl_fail(
			"unable to match a printer suitable for the output format \"%s\", "
			"allowed formats are: custom-columns,custom-columns-file,go-"
			"template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-"
			"file,name,template,templatefile,wide,yaml",
			output);
	}
	return 0;
}

/* ---- the command ---------------------------------------------------------------------- */

static int parse_targets(cctl *c, char **args, int n, target *out, int max, int *nt, bool *single)
{
	*nt = 0;
	*single = false;
	if (n == 0)
		return 0;
	if (strchr(args[0], '/')) {
		for (int i = 0; i < n; i++) {
			char *slash = strchr(args[i], '/');
			if (!slash)
				return cctl_fail("there is no need to specify a resource type as a "
						 "separate argument when passing arguments in "
						 "resource/name form (e.g. 'cubectl get resource/<"
						 "resource_name>' instead of 'cubectl get resource "
						 "resource/<resource_name>'");
			*slash = '\0';
			const cctl_res *r = cctl_resolve(c, args[i]);
			if (!r) {
				if (c->res)
					cctl_fail("the server doesn't have a resource type \"%s\"",
						  args[i]);
				return 1;
			}
			if (*nt < max)
				out[(*nt)++] = (target){r, slash + 1};
		}
		*single = n == 1;
		return 0;
	}
	/* TYPE[,TYPE...] [NAME...] */
	char *types = args[0];
	char *save = NULL;
	for (char *ty = strtok_r(types, ",", &save); ty; ty = strtok_r(NULL, ",", &save)) {
		const cctl_res *list[32];
		size_t nl = 0;
		if (!strcmp(ty, "all")) {
			if (cctl_discover(c) < 0)
				return 1;
			for (size_t i = 0; i < c->nres && nl < 32; i++)
				for (size_t k = 0; c->res[i].categories[k]; k++)
					if (!strcmp(c->res[i].categories[k], "all"))
						list[nl++] = &c->res[i];
		} else {
			const cctl_res *r = cctl_resolve(c, ty);
			if (!r) {
				if (c->res)
					cctl_fail("the server doesn't have a resource type \"%s\"",
						  ty);
				return 1;
			}
			list[nl++] = r;
		}
		for (size_t k = 0; k < nl; k++) {
			if (n == 1) {
				if (*nt < max)
					out[(*nt)++] = (target){list[k], NULL};
			} else {
				for (int i = 1; i < n; i++)
					if (*nt < max)
						out[(*nt)++] = (target){list[k], args[i]};
			}
		}
	}
	*single = n == 2 && *nt == 1;
	if (n > 1 && (O.selector && O.selector[0]))
		return cctl_fail("name cannot be provided when a selector is specified");
	return 0;
}

static bool several_kinds(const target *t, int n)
{
	for (int i = 1; i < n; i++)
		if (t[i].res != t[0].res)
			return true;
	return false;
}

int cctl_cmd_get(cctl *c, int argc, char **argv)
{
	char *args[256];
	int n = cctl_parse(c, get_flags, argc, argv, args, 256, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (O.output && (!strcmp(O.output, "jsonpath") || !strcmp(O.output, "custom-columns")))
		return cctl_fail("%s template format specified but no template given", O.output);
	if (n == 0 && !O.files.n) {
		fprintf(stderr, "You must specify the type of resource to get. Use \"cubectl "
				"api-resources\" for a complete list of supported resources.\n\n");
		fprintf(stderr,
			"error: Required resource not specified.\nUse \"cubectl explain "
			"<resource>\" for a detailed description of that resource (e.g. cubectl "
			"explain pods).\nSee 'cubectl get -h' for help and examples\n");
		return 1;
	}
	if (cctl_connect(c) < 0)
		return 1;
	target tg[512];
	int nt = 0;
	bool single = false;
	cube_autojson cJSON *manifests = NULL;
	if (O.files.n) {
		manifests = cctl_read_manifests(&O.files, false);
		if (!manifests)
			return 1;
		const cJSON *m;
		cJSON_ArrayForEach (m, manifests) {
			const cJSON *obj = cJSON_GetObjectItemCaseSensitive(m, "object");
			const cctl_res *r =
				cctl_resolve_kind(c, cube_obj_api_version(obj), cube_obj_kind(obj));
			if (!r)
				return cctl_fail("resource mapping not found for name: \"%s\"",
						 cube_obj_name(obj));
			if (nt < 512)
				tg[nt++] = (target){r, cube_obj_name(obj)};
		}
		single = nt == 1;
	} else if (parse_targets(c, args, n, tg, 512, &nt, &single)) {
		return 1;
	}
	if (!nt)
		return 1;
	if ((O.watch || O.watch_only) && several_kinds(tg, nt))
		return cctl_fail("you may only specify a single resource type");
	int errs = 0;
	bool table = is_table_output();
	if (table) {
		/* kubectl shows the kind beside the name when the objects it found
		 * (not the kinds asked for) are of several kinds */
		cJSON **answers = calloc((size_t)nt, sizeof(cJSON *));
		if (!answers)
			return 1;
		char rv[64] = "";
		const cctl_res *seen = NULL;
		bool mixed = false;
		for (int i = 0; i < nt && !O.watch_only; i++) {
			cJSON *ans = fetch(c, &tg[i], true, &errs, rv, sizeof(rv));
			if (!ans)
				continue;
			answers[i] = as_table(ans);
			if (cJSON_GetArraySize(
				    cJSON_GetObjectItemCaseSensitive(answers[i], "rows"))) {
				mixed = mixed || (seen && seen != tg[i].res);
				seen = tg[i].res;
			}
		}
		tprinter tp = {.with_kind = O.show_kind || mixed};
		tp.tw.remember = O.watch || O.watch_only;
		for (int i = 0; i < nt; i++) {
			cJSON *ans = answers[i];
			if (!ans)
				continue;
			bool header = tp.last != tg[i].res;
			if (header) {
				cctl_tabw_flush(&tp.tw, stdout);
				if (tp.last && !O.no_headers && tp.since_sep)
					tp.pending_sep = true;
				tp.last = tg[i].res;
				/* columns of a new kind */
				cJSON_Delete(tp.columns_own);
				tp.columns_own = NULL;
			}
			/* names of one kind share one header */
			print_table(&tp, tg[i].res, ans, header || !tp.written);
			cJSON_Delete(ans);
		}
		free(answers);
		cctl_tabw_flush(&tp.tw, stdout);
		if (!tp.written && !errs && !O.ignore_not_found && !O.watch_only) {
			bool all_namespaced = !O.all_ns;
			for (int i = 0; i < nt; i++)
				all_namespaced = all_namespaced && tg[i].res->gvr.namespaced;
			if (all_namespaced)
				fprintf(stderr, "No resources found in %s namespace.\n",
					cctl_ns(c));
			else
				fprintf(stderr, "No resources found\n");
		}
		int rc = errs ? 1 : 0;
		if ((O.watch || O.watch_only) && !errs)
			rc = watch(c, &tp, &tg[0], rv);
		cJSON_Delete(tp.columns_own);
		cctl_tabw_free(&tp.tw);
		return rc;
	}
	/* JSON-based formats */
	cube_autojson cJSON *objs = cJSON_CreateArray();
	char rv[64] = "";
	for (int i = 0; i < nt && !O.watch_only; i++) {
		cJSON *ans = fetch(c, &tg[i], false, &errs, rv, sizeof(rv));
		if (!ans)
			continue;
		cJSON *items = cJSON_GetObjectItemCaseSensitive(ans, "items");
		if (!tg[i].name && cJSON_IsArray(items)) {
			cJSON *it;
			while ((it = items->child)) {
				cJSON_DetachItemViaPointer(items, it);
				fill_type(it, tg[i].res);
				cJSON_AddItemToArray(objs, it);
			}
			cJSON_Delete(ans);
		} else {
			fill_type(ans, tg[i].res);
			cJSON_AddItemToArray(objs, ans);
		}
	}
	if (errs && single)
		return 1;
	if (!(O.watch_only || (O.watch && !cJSON_GetArraySize(objs))) || cJSON_GetArraySize(objs)) {
		if (!(O.ignore_not_found && !cJSON_GetArraySize(objs)) &&
		    !(O.output && !strcmp(O.output, "name") && !cJSON_GetArraySize(objs) && errs)) {
			int prc = cctl_print_objects(objs, O.output, single && !errs, O.no_headers);
			if (prc)
				return prc;
		}
	}
	if (errs)
		return 1;
	if (O.watch || O.watch_only) {
		tprinter tp = {0};
		return watch(c, &tp, &tg[0], rv);
	}
	return 0;
}
