/* apply.c - manifests in: create -f, apply -f (client-side with the
 * last-applied annotation and a three-way strategic merge, or
 * --server-side), replace -f, and delete (files, names, selectors, --all),
 * with kubectl's requests and messages:
 *   deployment.apps/x created | configured | unchanged | replaced
 *   deployment.apps "x" deleted
 * Manifests are files, directories (their .json, .yaml and .yml files) or
 * "-" (stdin, named STDIN in messages); a file may hold several YAML
 * documents, and a List's items are taken one by one. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"
#include "patch.h"
#include "yaml.h"

#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* ---- reading manifests ------------------------------------------------------------------ */

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
	}
	*len = n;
	return buf;
}

static int add_objects(cJSON *out, const char *source, cJSON *doc)
{
	const char *kind = cube_obj_kind(doc);
	cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
	if (kind && strlen(kind) >= 4 && !strcmp(kind + strlen(kind) - 4, "List") &&
	    cJSON_IsArray(items)) {
		cJSON *it;
		while ((it = items->child)) {
			cJSON_DetachItemViaPointer(items, it);
			if (add_objects(out, source, it) < 0)
				return -1;
		}
		cJSON_Delete(doc);
		return 0;
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		fprintf(stderr,
			"error: error validating \"%s\": error validating data: the "
			"document is not an object\n",
			source);
		return -1;
	}
	char missing[128] = "";
	if (!cube_obj_api_version(doc))
		strcat(missing, "apiVersion not set");
	if (!cube_obj_kind(doc))
		strcat(missing, missing[0] ? ", kind not set" : "kind not set");
	if (missing[0]) {
		cJSON_Delete(doc);
		fprintf(stderr,
			"error: error validating \"%s\": error validating data: [%s]; if you "
			"choose "
			"to ignore these errors, turn validation off with --validate=false\n",
			source, missing);
		return -1;
	}
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "source", source);
	cJSON_AddItemToObject(m, "object", doc);
	cJSON_AddItemToArray(out, m);
	return 0;
}

static int read_one(cJSON *out, const char *path, bool is_stdin)
{
	size_t len = 0;
	char *text;
	const char *source = is_stdin ? "STDIN" : path;
	if (is_stdin) {
		text = read_all(stdin, &len);
	} else {
		FILE *f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "error: the path \"%s\" cannot be read: %s\n", path,
				strerror(errno));
			return -1;
		}
		text = read_all(f, &len);
		fclose(f);
	}
	if (!text)
		return -1;
	cube_err err = CUBE_ERR_INIT;
	cJSON *docs = cube_yaml_parse_all(text, len, &err);
	free(text);
	if (!docs) {
		fprintf(stderr, "error: error parsing %s: error converting YAML to JSON: %s\n",
			source, err.msg);
		return -1;
	}
	cJSON *d;
	int rc = 0;
	while (rc == 0 && (d = docs->child)) {
		cJSON_DetachItemViaPointer(docs, d);
		if (cJSON_IsNull(d)) {
			cJSON_Delete(d);
			continue;
		}
		rc = add_objects(out, source, d);
	}
	cJSON_Delete(docs);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool manifest_ext(const char *n)
{
	const char *dot = strrchr(n, '.');
	return dot && (!strcmp(dot, ".json") || !strcmp(dot, ".yaml") || !strcmp(dot, ".yml"));
}

static int read_path(cJSON *out, const char *path, bool recursive, bool top)
{
	if (!strcmp(path, "-"))
		return read_one(out, path, true);
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "error: the path \"%s\" does not exist\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return top || manifest_ext(path) ? read_one(out, path, false) : 0;
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "error: the path \"%s\" cannot be read: %s\n", path,
			strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(char *));
		if (!nn)
			break;
		names = nn;
		if (asprintf(&names[n], "%s/%s", path, e->d_name) >= 0)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat s2;
		if (rc == 0 && stat(names[i], &s2) == 0) {
			if (S_ISDIR(s2.st_mode)) {
				if (recursive)
					rc = read_path(out, names[i], true, false);
			} else if (manifest_ext(names[i])) {
				rc = read_one(out, names[i], false);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

cJSON *cctl_read_manifests(const cctl_strv *files, bool recursive)
{
	cJSON *out = cJSON_CreateArray();
	for (int i = 0; i < files->n; i++)
		if (read_path(out, files->v[i], recursive, true) < 0) {
			cJSON_Delete(out);
			return NULL;
		}
	if (!cJSON_GetArraySize(out)) {
		cJSON_Delete(out);
		fprintf(stderr, "error: no objects passed to %s\n", "the command");
		return NULL;
	}
	return out;
}

/* ---- shared by the writers -------------------------------------------------------------- */

/* Resolves a manifest's object and fixes its namespace as kubectl does.
 * Returns the resource or NULL after printing the error. */
static const cctl_res *prepare(cctl *c, cJSON *obj, const char *source)
{
	const cctl_res *r = cctl_resolve_kind(c, cube_obj_api_version(obj), cube_obj_kind(obj));
	if (!r) {
		if (c->res) {
			const char *av = cube_obj_api_version(obj);
			fprintf(stderr,
				"error: resource mapping not found for name: \"%s\" namespace: "
				"\"%s\" from \"%s\": no matches for kind \"%s\" in version "
				"\"%s\"\nensure CRDs are installed first\n",
				cube_obj_name(obj) ? cube_obj_name(obj) : "",
				cube_obj_namespace(obj) ? cube_obj_namespace(obj) : "", source,
				cube_obj_kind(obj), av);
		}
		return NULL;
	}
	if (!r->gvr.namespaced)
		return r;
	const char *ons = cube_obj_namespace(obj);
	if (ons && ons[0] && c->ns_explicit && strcmp(ons, c->ns)) {
		fprintf(stderr,
			"error: the namespace from the provided object \"%s\" does not match the "
			"namespace \"%s\". You must pass '--namespace=%s' to perform this "
			"operation.\n",
			ons, c->ns, ons);
		return NULL;
	}
	if (!ons || !ons[0])
		cube_obj_set_meta_str(obj, "namespace", cctl_ns(c));
	return r;
}

static void print_done(const cctl_res *r, const cJSON *obj, const char *name, const char *verb)
{
	char kn[300];
	cctl_kind_name(r->gvr.kind, r->gvr.group, kn, sizeof(kn));
	const char *nm = obj ? cube_obj_name(obj) : NULL;
	printf("%s/%s %s\n", kn, nm ? nm : name ? name : "", verb);
}

/* Sends a write; prints kubectl's error (prefixed "error when <verb>ing
 * "source": ") on failure.  Returns the answer or NULL. */
static cJSON *write_obj(cctl *c, const char *method, const char *path, const char *ctype,
			const char *body, const char *verbing, const char *source, long *status)
{
	cctl_resp r;
	if (cctl_request(c, method, path, NULL, ctype, body, &r) < 0)
		return NULL;
	if (status)
		*status = r.status;
	if (r.status >= 200 && r.status < 300 && r.body) {
		cJSON *o = r.body;
		r.body = NULL;
		cctl_resp_clear(&r);
		return o;
	}
	char pfx[1024] = "";
	if (verbing && source)
		snprintf(pfx, sizeof(pfx), "error when %s \"%s\": ", verbing, source);
	cctl_print_status_error(r.status, r.body, r.text, pfx[0] ? pfx : NULL, NULL);
	cctl_resp_clear(&r);
	return NULL;
}

/* ---- create -f ------------------------------------------------------------------------------ */

static struct {
	cctl_strv files;
	bool recursive, server_side, force_conflicts, wait_set, wait, all, ignore_not_found, now,
		force, overwrite;
	const char *validate, *selector, *field_manager, *output, *cascade, *dry_run;
	int grace, timeout;
	bool validate_set;
} A = {.wait = true, .grace = -1, .overwrite = true};

static const char *field_validation(void)
{
	if (!A.validate)
		return "Strict";
	if (!strcmp(A.validate, "false") || !strcmp(A.validate, "ignore"))
		return "Ignore";
	if (!strcmp(A.validate, "warn"))
		return "Warn";
	return "Strict";
}

static const cctl_flag create_flags[] = {
	{"filename", 'f', CCTL_ARRAY, &A.files, "Filename, directory, or URL to files to use"},
	{"recursive", 'R', CCTL_BOOL, &A.recursive,
	 "Process the directory used in -f recursively."},
	{"validate", 0, CCTL_STRING, &A.validate, "strict, warn, ignore (true, false)"},
	{"output", 'o', CCTL_STRING, &A.output, "Output format: name"},
	{"dry-run", 0, CCTL_STRING, &A.dry_run, "none, server, or client"},
	{"save-config", 0, CCTL_BOOL, &A.force, "(ignored)"},
	{0},
};

int cctl_create_generated(cctl *c, const char *kind_arg, int argc, char **argv);

int cctl_cmd_create(cctl *c, int argc, char **argv)
{
	/* create deployment|namespace|configmap|secret|service ... */
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-') {
			/* skip the value of a flag that takes one */
			if (!strchr(argv[i], '=') &&
			    (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--filename") ||
			     !strcmp(argv[i], "-n") || !strcmp(argv[i], "--namespace") ||
			     !strcmp(argv[i], "--kubeconfig") || !strcmp(argv[i], "--context") ||
			     !strcmp(argv[i], "-s") || !strcmp(argv[i], "--server") ||
			     !strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")))
				i++;
			continue;
		}
		return cctl_create_generated(c, argv[i], argc, argv);
	}
	char *pos[8];
	int n = cctl_parse(c, create_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (!A.files.n) {
		fprintf(stderr, "error: must specify one of -f and -k\n\n");
		return 1;
	}
	cube_autojson cJSON *ms = cctl_read_manifests(&A.files, A.recursive);
	if (!ms || cctl_connect(c) < 0)
		return 1;
	int errs = 0;
	cJSON *m;
	cJSON_ArrayForEach (m, ms) {
		const char *src = cube_json_str(m, "source");
		cJSON *obj = cJSON_GetObjectItemCaseSensitive(m, "object");
		const cctl_res *r = prepare(c, obj, src);
		if (!r) {
			errs++;
			continue;
		}
		char path[2048];
		cctl_path(r, cube_obj_namespace(obj), NULL, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "fieldManager", "kubectl-create");
		cctl_query(path, sizeof(path), "fieldValidation", field_validation());
		if (A.dry_run && !strcmp(A.dry_run, "server"))
			cctl_query(path, sizeof(path), "dryRun", "All");
		cube_autofree char *body = cJSON_PrintUnformatted(obj);
		cJSON *out = NULL;
		if (A.dry_run && !strcmp(A.dry_run, "client"))
			out = cJSON_Duplicate(obj, true);
		else
			out = write_obj(c, "POST", path, NULL, body, "creating", src, NULL);
		if (!out) {
			errs++;
			continue;
		}
		if (A.output && !strcmp(A.output, "name")) {
			char kn[300];
			cctl_kind_name(r->gvr.kind, r->gvr.group, kn, sizeof(kn));
			printf("%s/%s\n", kn, cube_obj_name(out));
		} else {
			const char *dr = A.dry_run && !strcmp(A.dry_run, "server")
						 ? " (server dry run)"
					 : A.dry_run && !strcmp(A.dry_run, "client") ? " (dry run)"
										     : "";
			char verb[64];
			snprintf(verb, sizeof(verb), "created%s", dr);
			print_done(r, out, NULL, verb);
		}
		cJSON_Delete(out);
	}
	return errs ? 1 : 0;
}

/* ---- apply --------------------------------------------------------------------------------------
 */

static const cctl_flag apply_flags[] = {
	{"filename", 'f', CCTL_ARRAY, &A.files,
	 "The files that contain the configurations to apply."},
	{"recursive", 'R', CCTL_BOOL, &A.recursive,
	 "Process the directory used in -f recursively."},
	{"server-side", 0, CCTL_BOOL, &A.server_side,
	 "If true, apply runs in the server instead of the client."},
	{"force-conflicts", 0, CCTL_BOOL, &A.force_conflicts,
	 "If true, server-side apply will force the changes against conflicts."},
	{"field-manager", 0, CCTL_STRING, &A.field_manager,
	 "Name of the manager used to track field ownership."},
	{"validate", 0, CCTL_STRING, &A.validate, "strict, warn, ignore (true, false)"},
	{"output", 'o', CCTL_STRING, &A.output, "Output format: name"},
	{"dry-run", 0, CCTL_STRING, &A.dry_run, "none, server, or client"},
	{"overwrite", 0, CCTL_BOOL, &A.overwrite,
	 "Automatically resolve conflicts between the modified and live configuration"},
	{0},
};

/* The object as kubectl's GetModifiedConfiguration encodes it: without the
 * last-applied annotation (annotations {} when none remain), Go's JSON,
 * sorted keys, ending in a newline. */
char *cctl_last_applied(const cJSON *obj);

char *cctl_last_applied(const cJSON *obj)
{
	cube_autojson cJSON *copy = cJSON_Duplicate(obj, true);
	cJSON *md = cube_json_ensure_obj(copy, "metadata");
	cJSON *ann = cube_json_ensure_obj(md, "annotations");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, LAST_APPLIED);
	char *s = cctl_json_go(copy, 0);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (!t) {
		free(s);
		return NULL;
	}
	t[n] = '\n';
	t[n + 1] = '\0';
	return t;
}

/* obj with the annotation set to its own last-applied form. */
static cJSON *with_annotation(const cJSON *obj)
{
	cube_autofree char *la = cctl_last_applied(obj);
	cJSON *copy = cJSON_Duplicate(obj, true);
	cJSON *ann = cube_json_ensure_obj(cube_json_ensure_obj(copy, "metadata"), "annotations");
	cube_json_set_str(ann, LAST_APPLIED, la ? la : "");
	return copy;
}

/* The patch apply sends: kubectl's three-way strategic merge of the
 * last-applied configuration, obj (with its own annotation when annotate;
 * without any, annotations {}, as kubectl diff's GetModifiedConfiguration
 * leaves it, when not) and live.  NULL after printing the error. */
static cJSON *three_way(const cJSON *obj, const cJSON *live, const char *src, bool annotate)
{
	cube_autojson cJSON *modified = NULL;
	if (annotate) {
		modified = with_annotation(obj);
	} else {
		modified = cJSON_Duplicate(obj, true);
		cJSON *ann = cube_json_ensure_obj(cube_json_ensure_obj(modified, "metadata"),
						  "annotations");
		cJSON_DeleteItemFromObjectCaseSensitive(ann, LAST_APPLIED);
	}
	const char *orig_text = cube_obj_annotation(live, LAST_APPLIED);
	cube_autojson cJSON *original = orig_text ? cJSON_Parse(orig_text) : NULL;
	cube_err err = CUBE_ERR_INIT;
	cJSON *patch = cube_smp_three_way(original, modified, live,
					  cube_smp_schema_for(cube_obj_kind(obj)), &err);
	if (!patch)
		fprintf(stderr, "error: error when applying patch to \"%s\": %s\n", src, err.msg);
	return patch;
}

static int apply_one(cctl *c, cJSON *obj, const char *src)
{
	const cctl_res *r = prepare(c, obj, src);
	if (!r)
		return -1;
	const char *name = cube_obj_name(obj);
	const char *ns = cube_obj_namespace(obj);
	if (!name || !name[0]) {
		fprintf(stderr,
			"error: error when retrieving current configuration of:\nResource: "
			"\"%s\"\nfrom server for: \"%s\": resource name may not be empty\n",
			r->gvr.resource, src);
		return -1;
	}
	bool dry_server = A.dry_run && !strcmp(A.dry_run, "server");
	const char *dr = dry_server ? " (server dry run)" : "";
	char path[2048];
	if (A.server_side) {
		cctl_path(r, ns, name, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "fieldManager",
			   A.field_manager ? A.field_manager : "kubectl");
		cctl_query(path, sizeof(path), "fieldValidation", field_validation());
		cctl_query(path, sizeof(path), "force", A.force_conflicts ? "true" : "false");
		if (dry_server)
			cctl_query(path, sizeof(path), "dryRun", "All");
		cube_autofree char *body = cJSON_PrintUnformatted(obj);
		cJSON *out = write_obj(c, "PATCH", path, "application/apply-patch+yaml", body,
				       "applying patch", src, NULL);
		if (!out)
			return -1;
		char verb[64];
		snprintf(verb, sizeof(verb), "serverside-applied%s", dr);
		print_done(r, out, name, verb);
		cJSON_Delete(out);
		return 0;
	}
	cctl_path(r, ns, name, NULL, path, sizeof(path));
	cctl_resp cur;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &cur) < 0)
		return -1;
	if (cur.status == 404) {
		cctl_resp_clear(&cur);
		cube_autojson cJSON *body = with_annotation(obj);
		cctl_path(r, ns, NULL, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "fieldManager", "kubectl-client-side-apply");
		cctl_query(path, sizeof(path), "fieldValidation", field_validation());
		if (dry_server)
			cctl_query(path, sizeof(path), "dryRun", "All");
		cube_autofree char *text = cJSON_PrintUnformatted(body);
		cJSON *out = write_obj(c, "POST", path, NULL, text, "creating", src, NULL);
		if (!out)
			return -1;
		char verb[64];
		snprintf(verb, sizeof(verb), "created%s", dr);
		print_done(r, out, name, verb);
		cJSON_Delete(out);
		return 0;
	}
	if (cur.status != 200 || !cur.body) {
		char rn[300];
		cctl_res_name(r, rn, sizeof(rn));
		char pfx[1200];
		snprintf(pfx, sizeof(pfx),
			 "error when retrieving current configuration of:\nResource: \"%s\", "
			 "GroupVersionKind: \"%s\"\nName: \"%s\", Namespace: \"%s\"\nfrom server "
			 "for: "
			 "\"%s\": ",
			 rn, cube_obj_kind(obj), name, ns ? ns : "", src);
		cctl_print_status_error(cur.status, cur.body, cur.text, pfx, NULL);
		cctl_resp_clear(&cur);
		return -1;
	}
	cube_autojson cJSON *patch = three_way(obj, cur.body, src, true);
	cctl_resp_clear(&cur);
	if (!patch)
		return -1;
	if (!patch->child) {
		char verb[64];
		snprintf(verb, sizeof(verb), "unchanged%s", dr);
		print_done(r, NULL, name, verb);
		return 0;
	}
	cctl_query(path, sizeof(path), "fieldManager", "kubectl-client-side-apply");
	cctl_query(path, sizeof(path), "fieldValidation", field_validation());
	if (dry_server)
		cctl_query(path, sizeof(path), "dryRun", "All");
	cube_autofree char *text = cJSON_PrintUnformatted(patch);
	cctl_resp pr;
	if (cctl_request(c, "PATCH", path, NULL, "application/strategic-merge-patch+json", text,
			 &pr) < 0)
		return -1;
	if (pr.status != 200) {
		char pfx[8192];
		snprintf(pfx, sizeof(pfx),
			 "error when applying patch:\n%s\nto:\nResource: \"%s\", GroupVersionKind: "
			 "\"%s/%s, Kind=%s\"\nName: \"%s\", Namespace: \"%s\"\nfor: \"%s\": ",
			 text, r->gvr.resource, r->gvr.group, r->gvr.version, r->gvr.kind, name,
			 ns ? ns : "", src);
		cctl_print_status_error(pr.status, pr.body, pr.text, pfx, NULL);
		cctl_resp_clear(&pr);
		return -1;
	}
	cctl_resp_clear(&pr);
	char verb[64];
	snprintf(verb, sizeof(verb), "configured%s", dr);
	print_done(r, NULL, name, verb);
	return 0;
}

int cctl_apply_preview(cctl *c, cJSON *obj, const char *src, bool server_side,
		       const char *field_manager, bool force_conflicts, const cctl_res **res,
		       cJSON **live, cJSON **merged)
{
	*live = *merged = NULL;
	const cctl_res *r = prepare(c, obj, src);
	if (!r)
		return -1;
	*res = r;
	const char *name = cube_obj_name(obj), *ns = cube_obj_namespace(obj);
	char path[2048];
	cctl_path(r, ns, name, NULL, path, sizeof(path));
	cctl_resp cur;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &cur) < 0)
		return -1;
	if (cur.status != 404 && (cur.status != 200 || !cur.body)) {
		cctl_print_status_error(cur.status, cur.body, cur.text, NULL, NULL);
		cctl_resp_clear(&cur);
		return -1;
	}
	if (cur.status == 200) {
		*live = cur.body;
		cur.body = NULL;
	}
	cctl_resp_clear(&cur);
	const char *fm = field_manager ? field_manager
			 : server_side ? "kubectl"
				       : "kubectl-client-side-apply";
	if (server_side) {
		cctl_query(path, sizeof(path), "fieldManager", fm);
		cctl_query(path, sizeof(path), "force", force_conflicts ? "true" : "false");
		cctl_query(path, sizeof(path), "dryRun", "All");
		cube_autofree char *body = cJSON_PrintUnformatted(obj);
		*merged = write_obj(c, "PATCH", path, "application/apply-patch+yaml", body, NULL,
				    NULL, NULL);
		return *merged ? 0 : -1;
	}
	if (!*live) {
		cctl_path(r, ns, NULL, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "dryRun", "All");
		cctl_query(path, sizeof(path), "fieldManager", fm);
		cube_autofree char *text = cJSON_PrintUnformatted(obj);
		*merged = write_obj(c, "POST", path, NULL, text, NULL, NULL, NULL);
		return *merged ? 0 : -1;
	}
	cube_autojson cJSON *patch = three_way(obj, *live, src, false);
	if (!patch)
		return -1;
	if (!patch->child) {
		*merged = cJSON_Duplicate(*live, true);
		return 0;
	}
	/* kubectl's Patcher names the live version: a conflict is an error */
	const char *rv = cube_json_str(*live, "metadata.resourceVersion");
	if (rv)
		cube_json_set_str(cube_json_ensure_obj(patch, "metadata"), "resourceVersion", rv);
	cctl_query(path, sizeof(path), "dryRun", "All");
	cctl_query(path, sizeof(path), "fieldManager", fm);
	cube_autofree char *text = cJSON_PrintUnformatted(patch);
	*merged = write_obj(c, "PATCH", path, "application/strategic-merge-patch+json", text, NULL,
			    NULL, NULL);
	return *merged ? 0 : -1;
}

int cctl_cmd_apply(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, apply_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (!A.files.n) {
		fprintf(stderr, "error: must specify one of -f and -k\n");
		return 1;
	}
	cube_autojson cJSON *ms = cctl_read_manifests(&A.files, A.recursive);
	if (!ms || cctl_connect(c) < 0)
		return 1;
	int errs = 0;
	cJSON *m;
	cJSON_ArrayForEach (m, ms) {
		if (apply_one(c, cJSON_GetObjectItemCaseSensitive(m, "object"),
			      cube_json_str(m, "source")) < 0)
			errs++;
	}
	return errs ? 1 : 0;
}

/* ---- replace -f ------------------------------------------------------------------------------ */

int cctl_cmd_replace(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, create_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (!A.files.n)
		return cctl_fail("must specify --filename to replace");
	cube_autojson cJSON *ms = cctl_read_manifests(&A.files, A.recursive);
	if (!ms || cctl_connect(c) < 0)
		return 1;
	int errs = 0;
	cJSON *m;
	cJSON_ArrayForEach (m, ms) {
		const char *src = cube_json_str(m, "source");
		cJSON *obj = cJSON_GetObjectItemCaseSensitive(m, "object");
		const cctl_res *r = prepare(c, obj, src);
		if (!r) {
			errs++;
			continue;
		}
		char path[2048];
		cctl_path(r, cube_obj_namespace(obj), cube_obj_name(obj), NULL, path, sizeof(path));
		if (!cube_obj_resource_version(obj)) {
			/* kubectl takes the live resourceVersion as the precondition */
			cctl_resp cur;
			if (cctl_request(c, "GET", path, NULL, NULL, NULL, &cur) < 0)
				return 1;
			if (cur.status != 200) {
				char pfx[1024];
				snprintf(pfx, sizeof(pfx), "error when replacing \"%s\": ", src);
				cctl_print_status_error(cur.status, cur.body, cur.text, pfx, NULL);
				cctl_resp_clear(&cur);
				errs++;
				continue;
			}
			const char *rv = cube_obj_resource_version(cur.body);
			if (rv)
				cube_obj_set_meta_str(obj, "resourceVersion", rv);
			cctl_resp_clear(&cur);
		}
		cctl_query(path, sizeof(path), "fieldManager", "kubectl-replace");
		cctl_query(path, sizeof(path), "fieldValidation", field_validation());
		cube_autofree char *body = cJSON_PrintUnformatted(obj);
		cJSON *out = write_obj(c, "PUT", path, NULL, body, "replacing", src, NULL);
		if (!out) {
			errs++;
			continue;
		}
		print_done(r, out, NULL, "replaced");
		cJSON_Delete(out);
	}
	return errs ? 1 : 0;
}

/* ---- delete ------------------------------------------------------------------------------------
 */

static const cctl_flag delete_flags[] = {
	{"filename", 'f', CCTL_ARRAY, &A.files, "containing the resource to delete."},
	{"recursive", 'R', CCTL_BOOL, &A.recursive,
	 "Process the directory used in -f recursively."},
	{"selector", 'l', CCTL_STRING, &A.selector, "Selector (label query) to filter on"},
	{"all", 0, CCTL_BOOL, &A.all,
	 "Delete all resources, in the namespace of the specified "
	 "resource types."},
	{"wait", 0, CCTL_BOOL, &A.wait, "If true, wait for resources to be gone before returning."},
	{"ignore-not-found", 0, CCTL_BOOL, &A.ignore_not_found,
	 "Treat \"resource not found\" as a successful delete."},
	{"grace-period", 0, CCTL_INT, &A.grace,
	 "Period of time in seconds given to the resource to terminate gracefully."},
	{"now", 0, CCTL_BOOL, &A.now, "If true, resources are signaled for immediate shutdown."},
	{"force", 0, CCTL_BOOL, &A.force,
	 "If true, immediately remove resources from API and bypass graceful deletion."},
	{"cascade", 0, CCTL_STRING, &A.cascade, "background, orphan, or foreground"},
	{"timeout", 0, CCTL_DUR, &A.timeout, "The length of time to wait before giving up"},
	{"output", 'o', CCTL_STRING, &A.output, "Output mode. Use \"-o name\" for shorter output"},
	{0},
};

int cctl_wait_gone(cctl *c, const char *path, const char *uid, int timeout_s)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long delay_ms = 50;
	for (;;) {
		cctl_resp r;
		if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0)
			return -1;
		bool gone = r.status == 404 || (r.status == 200 && uid && cube_obj_uid(r.body) &&
						strcmp(cube_obj_uid(r.body), uid));
		cctl_resp_clear(&r);
		if (gone)
			return 0;
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (timeout_s > 0 && t1.tv_sec - t0.tv_sec >= timeout_s)
			return -1;
		usleep((useconds_t)delay_ms * 1000);
		if (delay_ms < 500)
			delay_ms *= 2;
	}
}

typedef struct del_item {
	const cctl_res *res;
	char *ns, *name;
	char *uid;
	const char *source; /* the manifest it came from, or NULL */
} del_item;

static cJSON *delete_options(void)
{
	cJSON *o = cJSON_CreateObject();
	const char *policy = "Background";
	if (A.cascade && !strcmp(A.cascade, "orphan"))
		policy = "Orphan";
	else if (A.cascade && !strcmp(A.cascade, "foreground"))
		policy = "Foreground";
	int grace = A.grace;
	if (A.now)
		grace = 1;
	if (A.force && grace < 0)
		grace = 0;
	if (grace >= 0)
		cJSON_AddNumberToObject(o, "gracePeriodSeconds", grace);
	cJSON_AddStringToObject(o, "propagationPolicy", policy);
	return o;
}

/* DELETEs one object; prints "kind "name" deleted" or the error. */
static int delete_one(cctl *c, del_item *d)
{
	char path[2048];
	cctl_path(d->res, d->ns, d->name, NULL, path, sizeof(path));
	cube_autojson cJSON *opts = delete_options();
	cube_autofree char *body = cJSON_PrintUnformatted(opts);
	cctl_resp r;
	if (cctl_request(c, "DELETE", path, NULL, NULL, body, &r) < 0)
		return -1;
	if (r.status == 404 && A.ignore_not_found) {
		cctl_resp_clear(&r);
		return 1;
	}
	if (r.status < 200 || r.status >= 300) {
		char pfx[1024] = "";
		if (d->source)
			snprintf(pfx, sizeof(pfx), "error when deleting \"%s\": ", d->source);
		cctl_print_status_error(r.status, r.body, r.text, pfx[0] ? pfx : NULL, NULL);
		cctl_resp_clear(&r);
		return -1;
	}
	/* the answer is the object (graceful) or a Status: its uid guards the wait */
	const char *uid = cube_obj_uid(r.body);
	if (!uid)
		uid = cube_json_str(r.body, "details.uid");
	if (uid)
		d->uid = strdup(uid);
	cctl_resp_clear(&r);
	char kn[300];
	cctl_kind_name(d->res->gvr.kind, d->res->gvr.group, kn, sizeof(kn));
	if (A.output && !strcmp(A.output, "name"))
		printf("%s/%s\n", kn, d->name);
	else
		printf("%s \"%s\" deleted\n", kn, d->name);
	fflush(stdout);
	return 0;
}

/* Lists a kind (with the selector) into items. */
static int list_for_delete(cctl *c, const cctl_res *r, del_item *items, int max, int *n)
{
	char path[4096];
	cctl_path(r, cctl_ns(c), NULL, NULL, path, sizeof(path));
	cctl_query(path, sizeof(path), "labelSelector", A.selector);
	cJSON *l = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!l)
		return -1;
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		if (*n >= max)
			break;
		const char *ns = cube_obj_namespace(it);
		items[*n] = (del_item){r, ns ? strdup(ns) : NULL, strdup(cube_obj_name(it)), NULL,
				       NULL};
		(*n)++;
	}
	cJSON_Delete(l);
	return 0;
}

int cctl_cmd_delete(cctl *c, int argc, char **argv)
{
	char *args[256];
	int n = cctl_parse(c, delete_flags, argc, argv, args, 256, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n == 0 && !A.files.n)
		return cctl_fail_no_resources();
	if (cctl_connect(c) < 0)
		return 1;
	static del_item items[4096];
	int ni = 0, errs = 0;
	cube_autojson cJSON *ms = NULL;
	if (A.files.n) {
		ms = cctl_read_manifests(&A.files, A.recursive);
		if (!ms)
			return 1;
		cJSON *m;
		cJSON_ArrayForEach (m, ms) {
			cJSON *obj = cJSON_GetObjectItemCaseSensitive(m, "object");
			const cctl_res *r = prepare(c, obj, cube_json_str(m, "source"));
			if (!r) {
				errs++;
				continue;
			}
			const char *ns = cube_obj_namespace(obj);
			if (ni < 4096)
				items[ni++] = (del_item){r, ns ? strdup(ns) : NULL,
							 strdup(cube_obj_name(obj)), NULL,
							 cube_json_str(m, "source")};
		}
	} else if (strchr(args[0], '/')) {
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
			if (!r)
				return c->res ? cctl_fail("the server doesn't have a resource type "
							  "\"%s\"",
							  args[i])
					      : 1;
			if (ni < 4096)
				items[ni++] = (del_item){r, strdup(cctl_ns(c)), strdup(slash + 1),
							 NULL, NULL};
		}
	} else {
		char *save = NULL;
		for (char *ty = strtok_r(args[0], ",", &save); ty;
		     ty = strtok_r(NULL, ",", &save)) {
			const cctl_res *r = cctl_resolve(c, ty);
			if (!r)
				return c->res ? cctl_fail("the server doesn't have a resource type "
							  "\"%s\"",
							  ty)
					      : 1;
			if (n == 1) {
				if (!A.all && !A.selector)
					return cctl_fail(
						"resource(s) were provided, but no name was "
						"specified");
				if (list_for_delete(c, r, items, 4096, &ni) < 0)
					return 1;
			} else {
				if (A.all || A.selector)
					return cctl_fail(
						"name cannot be provided when a selector is "
						"specified");
				for (int i = 1; i < n && ni < 4096; i++)
					items[ni++] = (del_item){r, strdup(cctl_ns(c)),
								 strdup(args[i]), NULL, NULL};
			}
		}
		if (ni == 0) {
			printf("No resources found\n");
			return 0;
		}
	}
	bool deleted[4096] = {0};
	for (int i = 0; i < ni; i++) {
		int rc = delete_one(c, &items[i]);
		if (rc < 0)
			errs++;
		deleted[i] = rc == 0;
	}
	bool force_now = A.force && (A.grace == 0 || A.grace < 0);
	if (A.wait && !force_now) {
		for (int i = 0; i < ni; i++) {
			if (!deleted[i])
				continue;
			char path[2048];
			cctl_path(items[i].res, items[i].ns, items[i].name, NULL, path,
				  sizeof(path));
			if (cctl_wait_gone(c, path, items[i].uid, A.timeout) < 0) {
				fprintf(stderr, "error: timed out waiting for the condition\n");
				errs++;
			}
		}
	}
	for (int i = 0; i < ni; i++) {
		free(items[i].ns);
		free(items[i].name);
		free(items[i].uid);
	}
	return errs ? 1 : 0;
}
