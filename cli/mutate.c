/* mutate.c - commands that change named objects with one PATCH, as kubectl
 * sends them: scale (merge patch on /scale), set image (strategic, with
 * $setElementOrder), label and annotate (merge), patch (any type), cordon
 * and uncordon (strategic on spec.unschedulable), and drain (cordon, then
 * delete the node's pods but DaemonSet-managed and mirror pods, waiting for
 * them to be gone; cube serves no eviction subresource, so drain deletes,
 * as kubectl does against such a server). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"
#include "yaml.h"

static struct {
	int replicas;
	bool overwrite, all, ignore_ds, force, delete_emptydir, list;
	const char *patch, *type, *selector, *output, *patch_file;
	int grace, timeout;
} M = {.replicas = -1, .grace = -1};

/* ---- scale -------------------------------------------------------------------------------- */

static const cctl_flag scale_flags[] = {
	{"replicas", 0, CCTL_INT, &M.replicas, "The new desired number of replicas. Required."},
	{"output", 'o', CCTL_STRING, &M.output, "Output format."},
	{"timeout", 0, CCTL_DUR, &M.timeout, "The length of time to wait before giving up"},
	{0},
};

int cctl_cmd_scale(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = cctl_parse(c, scale_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (M.replicas < 0) {
		fprintf(stderr, "error: The --replicas=COUNT flag is required, and COUNT must be "
				"greater than or equal to 0\nSee 'cubectl scale -h' for help and "
				"examples\n");
		return 1;
	}
	cctl_ref refs[64];
	int nr = cctl_refs(c, pos, n, refs, 64);
	if (nr <= 0)
		return 1;
	int errs = 0;
	for (int i = 0; i < nr; i++) {
		char path[2048];
		cctl_path(refs[i].res, cctl_ns(c), refs[i].name, NULL, path, sizeof(path));
		cctl_resp g;
		if (cctl_request(c, "GET", path, NULL, NULL, NULL, &g) < 0)
			return 1;
		if (g.status != 200) {
			/* kubectl's builder reports it so */
			char msg[1024];
			cctl_status_message(g.status, g.body, g.text, NULL, NULL, msg, sizeof(msg));
			const char *colon = g.status == 404 ? strstr(msg, "): ") : NULL;
			if (colon)
				fprintf(stderr, "error: no objects passed to scale %s\n",
					colon + 3);
			else
				fprintf(stderr, "%s\n", msg);
			cctl_resp_clear(&g);
			errs++;
			continue;
		}
		cctl_resp_clear(&g);
		cube_autojson cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(p, "spec"), "replicas", M.replicas);
		cJSON *out =
			cctl_patch_obj(c, refs[i].res, refs[i].name, "scale", "merge", p, NULL);
		if (!out) {
			errs++;
			continue;
		}
		cJSON_Delete(out);
		cctl_print_op(refs[i].res, refs[i].name, "scaled");
	}
	return errs ? 1 : 0;
}

/* ---- set image ------------------------------------------------------------------------------- */

/* The pod spec of a workload or pod (borrowed), and the path to it. */
static cJSON *pod_spec(cJSON *o, const char **where)
{
	cJSON *ps = (cJSON *)cube_json_path(o, "spec.template.spec");
	*where = "spec.template.spec";
	if (!ps && cube_json_path(o, "spec.jobTemplate")) {
		ps = (cJSON *)cube_json_path(o, "spec.jobTemplate.spec.template.spec");
		*where = "spec.jobTemplate.spec.template.spec";
	}
	if (!ps) {
		ps = (cJSON *)cube_json_path(o, "spec");
		*where = "spec";
	}
	return ps;
}

/* {"a":{"b":{...}}} for a dotted path, the innermost object returned. */
static cJSON *nest(cJSON *root, const char *dotted)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", dotted);
	cJSON *cur = root;
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		cur = cube_json_ensure_obj(cur, k);
	return cur;
}

static int set_image(cctl *c, char **pos, int n)
{
	/* TYPE NAME c=img... or TYPE/NAME c=img... */
	int split = 0;
	while (split < n && !strchr(pos[split], '='))
		split++;
	if (split == n)
		return cctl_fail("at least one image update is required");
	cctl_ref refs[64];
	int nr = cctl_refs(c, pos, split, refs, 64);
	if (nr <= 0)
		return 1;
	int errs = 0;
	for (int i = 0; i < nr; i++) {
		cube_autojson cJSON *o = cctl_get_obj(c, refs[i].res, refs[i].name);
		if (!o) {
			errs++;
			continue;
		}
		const char *where;
		cJSON *ps = pod_spec(o, &where);
		cube_autojson cJSON *patch = cJSON_CreateObject();
		cJSON *pps = nest(patch, where);
		cJSON *pcs = cJSON_CreateArray();
		bool changed = false;
		for (int k = split; k < n; k++) {
			char cname[256];
			const char *eq = strchr(pos[k], '=');
			snprintf(cname, sizeof(cname), "%.*s", (int)(eq - pos[k]), pos[k]);
			bool found = false;
			const char *lists[] = {"initContainers", "containers"};
			for (size_t l = 0; l < 2; l++) {
				const cJSON *ct;
				cJSON_ArrayForEach (
					ct, cJSON_GetObjectItemCaseSensitive(ps, lists[l])) {
					const char *nm = cube_json_str(ct, "name");
					if (!nm || (strcmp(cname, "*") && strcmp(nm, cname)))
						continue;
					found = true;
					const char *img = cube_json_str(ct, "image");
					if (img && !strcmp(img, eq + 1))
						continue;
					if (l == 1) {
						cJSON *pc = cJSON_CreateObject();
						cJSON_AddStringToObject(pc, "image", eq + 1);
						cJSON_AddStringToObject(pc, "name", nm);
						cJSON_AddItemToArray(pcs, pc);
						changed = true;
					}
				}
			}
			if (!found) {
				cJSON_Delete(pcs);
				return cctl_fail("unable to find container named \"%s\"", cname);
			}
		}
		if (!changed) {
			cJSON_Delete(pcs);
			continue;
		}
		cJSON *order = cJSON_AddArrayToObject(pps, "$setElementOrder/containers");
		const cJSON *ct;
		cJSON_ArrayForEach (ct, cJSON_GetObjectItemCaseSensitive(ps, "containers")) {
			cJSON *k = cJSON_CreateObject();
			cJSON_AddStringToObject(k, "name", cube_json_str(ct, "name"));
			cJSON_AddItemToArray(order, k);
		}
		cJSON_AddItemToObject(pps, "containers", pcs);
		cJSON *out = cctl_patch_obj(c, refs[i].res, refs[i].name, NULL, "strategic", patch,
					    "kubectl-set");
		if (!out) {
			errs++;
			continue;
		}
		cJSON_Delete(out);
		cctl_print_op(refs[i].res, refs[i].name, "image updated");
	}
	return errs ? 1 : 0;
}

static const cctl_flag set_flags[] = {
	{"output", 'o', CCTL_STRING, &M.output, "Output format."},
	{"all", 0, CCTL_BOOL, &M.all, "Select all resources in the namespace"},
	{0},
};

int cctl_cmd_set(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = cctl_parse(c, set_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 1)
		return cctl_fail("a subcommand is required: image");
	if (!strcmp(pos[0], "image"))
		return set_image(c, pos + 1, n - 1);
	return cctl_fail("unknown command \"%s\" for \"cubectl set\"", pos[0]);
}

/* ---- label and annotate
 * ----------------------------------------------------------------------------- */

static const cctl_flag label_flags[] = {
	{"overwrite", 0, CCTL_BOOL, &M.overwrite,
	 "If true, allow labels to be overwritten, otherwise reject label updates that overwrite "
	 "existing labels."},
	{"selector", 'l', CCTL_STRING, &M.selector, "Selector (label query) to filter on"},
	{"all", 0, CCTL_BOOL, &M.all,
	 "Select all resources, in the namespace of the specified "
	 "resource types"},
	{"list", 0, CCTL_BOOL, &M.list, "If true, display the labels for a given resource."},
	{"output", 'o', CCTL_STRING, &M.output, "Output format."},
	{0},
};

static int label_like(cctl *c, int argc, char **argv, const char *field, const char *verb,
		      const char *manager)
{
	char *pos[128];
	int n = cctl_parse(c, label_flags, argc, argv, pos, 128, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	int split = 0;
	while (split < n && !strchr(pos[split], '=') &&
	       !(pos[split][strlen(pos[split]) - 1] == '-' && split > 0 &&
		 !strchr(pos[split], '/')))
		split++;
	if (split == n && !M.list) {
		fprintf(stderr,
			"error: at least one %s update is required\nSee 'cubectl %s -h' for "
			"help and examples\n",
			!strcmp(field, "labels") ? "label" : "annotation",
			!strcmp(field, "labels") ? "label" : "annotate");
		return 1;
	}
	cctl_ref refs[64];
	int nr = 0;
	static char *names_buf[4096];
	if ((M.all || M.selector) && split == 1) {
		const cctl_res *r = cctl_resolve(c, pos[0]);
		if (!r)
			return c->res ? cctl_fail("the server doesn't have a resource type \"%s\"",
						  pos[0])
				      : 1;
		char path[2048];
		cctl_path(r, cctl_ns(c), NULL, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "labelSelector", M.selector);
		cJSON *l = cctl_call(c, "GET", path, NULL, NULL, NULL);
		if (!l)
			return 1;
		const cJSON *it;
		cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(l, "items")) {
			if (nr < 64) {
				names_buf[nr] = strdup(cube_obj_name(it));
				refs[nr] = (cctl_ref){r, names_buf[nr]};
				nr++;
			}
		}
		cJSON_Delete(l);
	} else {
		nr = cctl_refs(c, pos, split, refs, 64);
		if (nr <= 0)
			return 1;
	}
	int errs = 0;
	for (int i = 0; i < nr; i++) {
		cube_autojson cJSON *o = cctl_get_obj(c, refs[i].res, refs[i].name);
		if (!o) {
			errs++;
			continue;
		}
		const cJSON *cur = cube_json_path(
			o, !strcmp(field, "labels") ? "metadata.labels" : "metadata.annotations");
		if (M.list) {
			const cJSON *kv;
			cJSON_ArrayForEach (kv, cur) {
				if (cJSON_IsString(kv))
					printf("%s=%s\n", kv->string, kv->valuestring);
			}
			continue;
		}
		cube_autojson cJSON *patch = cJSON_CreateObject();
		cJSON *m =
			cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch, "metadata"), field);
		bool changed = false, removed_only = true, bad = false;
		for (int k = split; k < n && !bad; k++) {
			const char *a = pos[k];
			const char *eq = strchr(a, '=');
			if (eq) {
				char key[512];
				snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
				const char *old = cube_json_str(cur, key);
				if (old && !M.overwrite && strcmp(old, eq + 1)) {
					fprintf(stderr,
						"error: '%s' already has a value (%s), and "
						"--overwrite "
						"is false\n",
						key, old);
					bad = true;
					break;
				}
				if (!old || strcmp(old, eq + 1))
					changed = true;
				removed_only = false;
				cJSON_AddStringToObject(m, key, eq + 1);
			} else {
				char key[512];
				snprintf(key, sizeof(key), "%.*s", (int)(strlen(a) - 1), a);
				if (cube_json_str(cur, key))
					changed = true;
				cJSON_AddNullToObject(m, key);
			}
		}
		if (bad) {
			errs++;
			continue;
		}
		cJSON *out =
			cctl_patch_obj(c, refs[i].res, refs[i].name, NULL, "merge", patch, manager);
		if (!out) {
			errs++;
			continue;
		}
		cJSON_Delete(out);
		char v[64];
		if (!strcmp(field, "labels"))
			snprintf(v, sizeof(v), "%s",
				 !changed			? "not labeled"
				 : removed_only && !M.overwrite ? "unlabeled"
								: "labeled");
		else
			snprintf(v, sizeof(v), "%s", verb);
		cctl_print_op(refs[i].res, refs[i].name, v);
	}
	for (int i = 0; i < 64 && names_buf[i]; i++) {
		free(names_buf[i]);
		names_buf[i] = NULL;
	}
	return errs ? 1 : 0;
}

int cctl_cmd_label(cctl *c, int argc, char **argv)
{
	return label_like(c, argc, argv, "labels", "labeled", "kubectl-label");
}

int cctl_cmd_annotate(cctl *c, int argc, char **argv)
{
	return label_like(c, argc, argv, "annotations", "annotated", "kubectl-annotate");
}

/* ---- patch
 * --------------------------------------------------------------------------------------- */

static const cctl_flag patch_flags[] = {
	{"patch", 'p', CCTL_STRING, &M.patch, "The patch to be applied to the resource JSON file."},
	{"patch-file", 0, CCTL_STRING, &M.patch_file, "A file containing a patch to be applied"},
	{"type", 0, CCTL_STRING, &M.type,
	 "The type of patch being provided; one of [json merge strategic]"},
	{"output", 'o', CCTL_STRING, &M.output, "Output format."},
	{0},
};

int cctl_cmd_patch(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = cctl_parse(c, patch_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	const char *type = M.type ? M.type : "strategic";
	if (strcmp(type, "json") && strcmp(type, "merge") && strcmp(type, "strategic"))
		return cctl_fail("--type must be one of [json merge strategic], not \"%s\"", type);
	cube_autofree char *file_text = NULL;
	const char *text = M.patch;
	if (M.patch_file) {
		FILE *f = fopen(M.patch_file, "r");
		if (!f)
			return cctl_fail("unable to read patch file: open %s: no such file or "
					 "directory",
					 M.patch_file);
		file_text = calloc(1, 1 << 20);
		if (file_text)
			(void)!fread(file_text, 1, (1 << 20) - 1, f);
		fclose(f);
		text = file_text;
	}
	if (!text || !text[0])
		return cctl_fail("must specify -p to patch");
	/* YAML or JSON; what does not parse goes as it is, for the server to judge */
	cube_autojson cJSON *patch = cube_yaml_parse(text, strlen(text), NULL);
	cube_autofree char *body = patch ? cJSON_PrintUnformatted(patch) : strdup(text);
	cctl_ref refs[64];
	int nr = cctl_refs(c, pos, n, refs, 64);
	if (nr <= 0)
		return 1;
	int errs = 0;
	for (int i = 0; i < nr; i++) {
		cube_autojson cJSON *o = cctl_get_obj(c, refs[i].res, refs[i].name);
		if (!o) {
			errs++;
			continue;
		}
		static const char *const cts[][2] = {
			{"strategic", "application/strategic-merge-patch+json"},
			{"merge", "application/merge-patch+json"},
			{"json", "application/json-patch+json"}};
		const char *ct = cts[0][1];
		for (size_t k = 0; k < 3; k++)
			if (!strcmp(type, cts[k][0]))
				ct = cts[k][1];
		char path[2048];
		cctl_path(refs[i].res, cctl_ns(c), refs[i].name, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "fieldManager", "kubectl-patch");
		cctl_resp pr;
		if (cctl_request(c, "PATCH", path, NULL, ct, body, &pr) < 0)
			return 1;
		if (pr.status != 200 || !pr.body) {
			cctl_print_status_error(pr.status, pr.body, pr.text, NULL, NULL);
			cctl_resp_clear(&pr);
			errs++;
			continue;
		}
		cube_autojson cJSON *out = CUBE_STEAL(pr.body);
		cctl_resp_clear(&pr);
		if (!out) {
			errs++;
			continue;
		}
		const char *rv0 = cube_obj_resource_version(o),
			   *rv1 = cube_obj_resource_version(out);
		bool same = rv0 && rv1 && !strcmp(rv0, rv1);
		cctl_print_op(refs[i].res, refs[i].name, same ? "patched (no change)" : "patched");
	}
	return errs ? 1 : 0;
}

/* ---- cordon, uncordon, drain -------------------------------------------------------------------
 */

static const cctl_flag node_flags[] = {
	{"selector", 'l', CCTL_STRING, &M.selector, "Selector (label query) to filter on"},
	{0},
};

/* Sets spec.unschedulable; prints kubectl's message.  0, or 1 on error. */
static int set_unschedulable(cctl *c, const cctl_res *nodes, const char *name, bool on)
{
	cube_autojson cJSON *n = cctl_get_obj(c, nodes, name);
	if (!n)
		return 1;
	const cJSON *u = cube_json_path(n, "spec.unschedulable");
	if (cJSON_IsTrue(u) == on) {
		cctl_print_op(nodes, name, on ? "already cordoned" : "already uncordoned");
		return 0;
	}
	cube_autojson cJSON *p = cJSON_CreateObject();
	cJSON *spec = cJSON_AddObjectToObject(p, "spec");
	if (on)
		cJSON_AddTrueToObject(spec, "unschedulable");
	else
		cJSON_AddNullToObject(spec, "unschedulable");
	cJSON *out = cctl_patch_obj(c, nodes, name, NULL, "strategic", p, "kubectl-cordon");
	if (!out)
		return 1;
	cJSON_Delete(out);
	cctl_print_op(nodes, name, on ? "cordoned" : "uncordoned");
	return 0;
}

static int cordon_cmd(cctl *c, int argc, char **argv, bool on)
{
	char *pos[64];
	int n = cctl_parse(c, node_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 1)
		return cctl_fail("USAGE: %s NODE [flags]", on ? "cordon" : "uncordon");
	const cctl_res *nodes = cctl_resolve(c, "nodes");
	if (!nodes)
		return 1;
	int errs = 0;
	for (int i = 0; i < n; i++)
		errs += set_unschedulable(c, nodes, pos[i], on);
	return errs ? 1 : 0;
}

int cctl_cmd_cordon(cctl *c, int argc, char **argv)
{
	return cordon_cmd(c, argc, argv, true);
}

int cctl_cmd_uncordon(cctl *c, int argc, char **argv)
{
	return cordon_cmd(c, argc, argv, false);
}

static const cctl_flag drain_flags[] = {
	{"ignore-daemonsets", 0, CCTL_BOOL, &M.ignore_ds, "Ignore DaemonSet-managed pods."},
	{"force", 0, CCTL_BOOL, &M.force,
	 "Continue even if there are pods that do not declare a controller."},
	{"delete-emptydir-data", 0, CCTL_BOOL, &M.delete_emptydir,
	 "Continue even if there are pods using emptyDir (local data that will be deleted when "
	 "the node is drained)."},
	{"grace-period", 0, CCTL_INT, &M.grace,
	 "Period of time in seconds given to each pod to terminate gracefully."},
	{"timeout", 0, CCTL_DUR, &M.timeout,
	 "The length of time to wait before giving up, zero means infinite"},
	{"pod-selector", 0, CCTL_STRING, &M.selector, "Label selector to filter pods on the node"},
	{0},
};

static const char *controller_kind(const cJSON *pod)
{
	const cJSON *r;
	cJSON_ArrayForEach (r, cube_json_path(pod, "metadata.ownerReferences")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
			return cube_json_str(r, "kind");
	}
	return NULL;
}

static bool has_emptydir(const cJSON *pod)
{
	const cJSON *v;
	cJSON_ArrayForEach (v, cube_json_path(pod, "spec.volumes")) {
		if (cJSON_HasObjectItem(v, "emptyDir"))
			return true;
	}
	return false;
}

static void append_name(char *buf, size_t size, const cJSON *pod)
{
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, "%s%s/%s", n ? ", " : "", cube_obj_namespace(pod),
		 cube_obj_name(pod));
}

int cctl_cmd_drain(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, drain_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n != 1)
		return cctl_fail("USAGE: drain NODE [flags]");
	const cctl_res *nodes = cctl_resolve(c, "nodes"), *pods = cctl_resolve(c, "pods");
	if (!nodes || !pods)
		return 1;
	const char *node = pos[0];
	if (set_unschedulable(c, nodes, node, true))
		return 1;
	char path[2048], fs[600];
	cctl_path(pods, NULL, NULL, NULL, path, sizeof(path));
	snprintf(fs, sizeof(fs), "spec.nodeName=%s", node);
	cctl_query(path, sizeof(path), "fieldSelector", fs);
	cctl_query(path, sizeof(path), "labelSelector", M.selector);
	cube_autojson cJSON *list = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!list)
		return 1;
	static char ds[8192], bare[8192], local[8192], ds_err[8192];
	ds[0] = bare[0] = local[0] = ds_err[0] = '\0';
	cJSON *victims = cJSON_CreateArray();
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(list, "items")) {
		const char *phase = cube_json_str(p, "status.phase");
		bool done = phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"));
		if (cube_obj_annotation(p, "kubernetes.io/config.mirror"))
			continue;
		const char *ck = controller_kind(p);
		if (ck && !strcmp(ck, "DaemonSet") && !done) {
			append_name(M.ignore_ds ? ds : ds_err, sizeof(ds), p);
			continue;
		}
		if (!ck && !done) {
			append_name(bare, sizeof(bare), p);
			if (!M.force)
				continue;
		}
		if (has_emptydir(p) && !done) {
			append_name(local, sizeof(local), p);
			if (!M.delete_emptydir)
				continue;
		}
		cJSON_AddItemToArray(victims, cJSON_Duplicate(p, true));
	}
	char errs[16384] = "";
	if (ds_err[0])
		snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs),
			 "%scannot delete DaemonSet-managed Pods (use --ignore-daemonsets to "
			 "ignore): "
			 "%s",
			 errs[0] ? ", " : "", ds_err);
	if (bare[0] && !M.force)
		snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs),
			 "%scannot delete Pods that declare no controller (use --force to "
			 "override): "
			 "%s",
			 errs[0] ? ", " : "", bare);
	if (local[0] && !M.delete_emptydir)
		snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs),
			 "%scannot delete Pods with local storage (use --delete-emptydir-data to "
			 "override): %s",
			 errs[0] ? ", " : "", local);
	if (errs[0]) {
		cJSON_Delete(victims);
		fprintf(stderr,
			"error: unable to drain node \"%s\" due to error: %s, continuing "
			"command...\n"
			"There are pending nodes to be drained:\n %s\n%s\n",
			node, errs, node, errs);
		return 1;
	}
	if (ds[0])
		fprintf(stderr, "Warning: ignoring DaemonSet-managed Pods: %s\n", ds);
	if (bare[0])
		fprintf(stderr, "Warning: deleting Pods that declare no controller: %s\n", bare);
	int failed = 0;
	cJSON *v;
	cJSON_ArrayForEach (v, victims) {
		char pp[2048];
		cctl_path(pods, cube_obj_namespace(v), cube_obj_name(v), NULL, pp, sizeof(pp));
		cube_autojson cJSON *opts = cJSON_CreateObject();
		if (M.grace >= 0)
			cJSON_AddNumberToObject(opts, "gracePeriodSeconds", M.grace);
		cctl_resp r;
		cube_autofree char *body = cJSON_PrintUnformatted(opts);
		if (cctl_request(c, "DELETE", pp, NULL, NULL, body, &r) < 0)
			return 1;
		if (r.status >= 300 && r.status != 404) {
			cctl_print_status_error(r.status, r.body, r.text, NULL, NULL);
			failed++;
		}
		cctl_resp_clear(&r);
	}
	cJSON_ArrayForEach (v, victims) {
		char pp[2048];
		cctl_path(pods, cube_obj_namespace(v), cube_obj_name(v), NULL, pp, sizeof(pp));
		if (cctl_wait_gone(c, pp, cube_obj_uid(v), M.timeout) < 0) {
			fprintf(stderr,
				"error: unable to drain node \"%s\": timed out waiting for pod "
				"%s/%s\n",
				node, cube_obj_namespace(v), cube_obj_name(v));
			failed++;
			continue;
		}
		printf("pod/%s deleted\n", cube_obj_name(v));
		fflush(stdout);
	}
	cJSON_Delete(victims);
	if (failed)
		return 1;
	cctl_print_op(nodes, node, "drained");
	return 0;
}
