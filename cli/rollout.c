/* rollout.c - rollout status|history|undo|restart|pause|resume for
 * deployments, with kubectl's requests (kubectl-compat.md section 9) and
 * texts.  History and undo read the deployment's ReplicaSets (those its
 * selector matches and it controls), each with its revision annotation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"
#include "patch.h"

#define REVISION "deployment.kubernetes.io/revision"

static struct {
	int to_revision, revision, timeout;
	bool no_watch;
	const char *watch, *output;
} R;

static const cctl_flag rollout_flags[] = {
	{"to-revision", 0, CCTL_INT, &R.to_revision,
	 "The revision to rollback to. Default to 0 (last revision)."},
	{"revision", 0, CCTL_INT, &R.revision,
	 "See the details, including podTemplate of the revision specified"},
	{"timeout", 0, CCTL_DUR, &R.timeout,
	 "The length of time to wait before ending watch, zero means never."},
	{"watch", 'w', CCTL_STRING, &R.watch, "Watch the status of the rollout until it's done."},
	{"output", 'o', CCTL_STRING, &R.output, "Output format."},
	{0},
};

/* The deployment's ReplicaSets (a new JSON array, copies). */
static cJSON *owned_rs(cctl *c, const cJSON *d)
{
	const cctl_res *rs = cctl_resolve(c, "replicasets.apps");
	cJSON *out = cJSON_CreateArray();
	if (!rs)
		return out;
	const cJSON *ml = cube_json_path(d, "spec.selector.matchLabels");
	char sel[2048] = "";
	size_t n = 0;
	const cJSON *kv;
	cJSON_ArrayForEach (kv, ml) {
		if (cJSON_IsString(kv))
			n += (size_t)snprintf(sel + n, n < sizeof(sel) ? sizeof(sel) - n : 0,
					      "%s%s=%s", n ? "," : "", kv->string, kv->valuestring);
	}
	char path[4096];
	cctl_path(rs, cube_obj_namespace(d), NULL, NULL, path, sizeof(path));
	cctl_query(path, sizeof(path), "labelSelector", sel);
	cJSON *l = cctl_call(c, "GET", path, NULL, NULL, NULL);
	const char *uid = cube_obj_uid(d);
	cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *owner = cube_obj_controller_uid(it);
		if (owner && uid && !strcmp(owner, uid))
			cJSON_AddItemToArray(out, cJSON_Duplicate(it, true));
	}
	cJSON_Delete(l);
	return out;
}

static long revision_of(const cJSON *o)
{
	const char *v = cube_obj_annotation(o, REVISION);
	return v ? strtol(v, NULL, 10) : -1;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

/* ---- status --------------------------------------------------------------------------------- */

/* kubectl's DeploymentStatusViewer: a message, and whether it is done. */
static int status_message(const cJSON *d, char *buf, size_t size, bool *done)
{
	*done = false;
	const char *name = cube_obj_name(d);
	int64_t gen = cube_json_int(d, "metadata.generation", 0);
	int64_t obs = cube_json_int(d, "status.observedGeneration", 0);
	if (gen > obs) {
		snprintf(buf, size, "Waiting for deployment spec update to be observed...\n");
		return 0;
	}
	const cJSON *cond;
	cJSON_ArrayForEach (cond, cube_json_path(d, "status.conditions")) {
		const char *t = cube_json_str(cond, "type"), *r = cube_json_str(cond, "reason");
		if (t && !strcmp(t, "Progressing") && r && !strcmp(r, "ProgressDeadlineExceeded")) {
			snprintf(buf, size, "deployment %s exceeded its progress deadline", name);
			return -1;
		}
	}
	int64_t want = cube_json_int(d, "spec.replicas", 1);
	int64_t updated = cube_json_int(d, "status.updatedReplicas", 0);
	int64_t replicas = cube_json_int(d, "status.replicas", 0);
	int64_t avail = cube_json_int(d, "status.availableReplicas", 0);
	if (updated < want)
		snprintf(buf, size,
			 "Waiting for deployment \"%s\" rollout to finish: %lld out of %lld new "
			 "replicas have been updated...\n",
			 name, (long long)updated, (long long)want);
	else if (replicas > updated)
		snprintf(buf, size,
			 "Waiting for deployment \"%s\" rollout to finish: %lld old replicas are "
			 "pending termination...\n",
			 name, (long long)(replicas - updated));
	else if (avail < updated)
		snprintf(buf, size,
			 "Waiting for deployment \"%s\" rollout to finish: %lld of %lld updated "
			 "replicas are available...\n",
			 name, (long long)avail, (long long)updated);
	else {
		snprintf(buf, size, "deployment \"%s\" successfully rolled out\n", name);
		*done = true;
	}
	return 0;
}

static int rollout_status(cctl *c, const cctl_ref *ref)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char last[512] = "";
	bool watch = !(R.watch && !strcmp(R.watch, "false"));
	for (;;) {
		cube_autojson cJSON *d = cctl_get_obj(c, ref->res, ref->name);
		if (!d)
			return 1;
		char msg[512];
		bool done;
		if (status_message(d, msg, sizeof(msg), &done) < 0)
			return cctl_fail("%s", msg);
		if (strcmp(msg, last)) {
			fputs(msg, stdout);
			fflush(stdout);
			snprintf(last, sizeof(last), "%s", msg);
		}
		if (done || !watch)
			return 0;
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (R.timeout > 0 && t1.tv_sec - t0.tv_sec >= R.timeout)
			return cctl_fail("timed out waiting for the condition");
		usleep(200 * 1000);
	}
}

/* ---- history ----------------------------------------------------------------------------------
 */

static int rollout_history(cctl *c, const cctl_ref *ref)
{
	cube_autojson cJSON *d = cctl_get_obj(c, ref->res, ref->name);
	if (!d)
		return 1;
	cube_autojson cJSON *rss = owned_rs(c, d);
	long revs[512];
	const cJSON *by_rev[512];
	size_t n = 0;
	const cJSON *rs;
	cJSON_ArrayForEach (rs, rss) {
		long v = revision_of(rs);
		if (v >= 0 && n < 512) {
			revs[n] = v;
			by_rev[n++] = rs;
		}
	}
	char kn[300];
	cctl_kind_name(ref->res->gvr.kind, ref->res->gvr.group, kn, sizeof(kn));
	if (R.revision > 0) {
		const cJSON *found = NULL;
		for (size_t i = 0; i < n; i++)
			if (revs[i] == R.revision)
				found = by_rev[i];
		if (!found)
			return cctl_fail("unable to find the specified revision");
		char *s = cctl_describe_template(cube_json_path(found, "spec.template"));
		printf("%s/%s with revision #%d\n%s\n", kn, ref->name, R.revision, s);
		free(s);
		return 0;
	}
	/* sort revisions (the RS objects follow) */
	long sorted[512];
	memcpy(sorted, revs, n * sizeof(long));
	qsort(sorted, n, sizeof(long), cmp_long);
	cctl_tabw tw = {.tabbed = true};
	cctl_tabw_add(&tw, "REVISION\tCHANGE-CAUSE\n");
	for (size_t i = 0; i < n; i++) {
		if (i && sorted[i] == sorted[i - 1])
			continue;
		const char *cause = NULL;
		for (size_t k = 0; k < n; k++)
			if (revs[k] == sorted[i])
				cause = cube_obj_annotation(by_rev[k],
							    "kubernetes.io/change-cause");
		cctl_tabw_add(&tw, "%ld\t%s\n", sorted[i], cause && cause[0] ? cause : "<none>");
	}
	char *s = cctl_tabw_render(&tw);
	printf("%s/%s \n%s\n", kn, ref->name, s);
	free(s);
	cctl_tabw_free(&tw);
	return 0;
}

/* Drops nulls and empty maps and lists: Go's typed structs do not tell
 * them from absent fields (apimachinery's semantic DeepEqual). */
static void prune_empty(cJSON *o)
{
	cJSON *c = o ? o->child : NULL;
	while (c) {
		cJSON *next = c->next;
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			prune_empty(c);
		if (cJSON_IsObject(o) &&
		    (cJSON_IsNull(c) || ((cJSON_IsObject(c) || cJSON_IsArray(c)) && !c->child)))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, c));
		c = next;
	}
}

bool cctl_template_equal(const cJSON *rs_template, const cJSON *deploy_template)
{
	cJSON *a = cJSON_Duplicate(rs_template, true), *b = cJSON_Duplicate(deploy_template, true);
	cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)cube_json_path(a, "metadata.labels"),
						"pod-template-hash");
	cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)cube_json_path(b, "metadata.labels"),
						"pod-template-hash");
	prune_empty(a);
	prune_empty(b);
	bool eq = cube_json_equal(a, b);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return eq;
}

/* ---- undo ---------------------------------------------------------------------------------------
 */

static const char *const skip_annotations[] = {
	"kubectl.kubernetes.io/last-applied-configuration",
	REVISION,
	"deployment.kubernetes.io/revision-history",
	"deployment.kubernetes.io/desired-replicas",
	"deployment.kubernetes.io/max-replicas",
	"deprecated.deployment.rollback.to",
	NULL,
};

static bool skipped(const char *k)
{
	for (size_t i = 0; skip_annotations[i]; i++)
		if (!strcmp(skip_annotations[i], k))
			return true;
	return false;
}

static int rollout_undo(cctl *c, const cctl_ref *ref)
{
	cube_autojson cJSON *d = cctl_get_obj(c, ref->res, ref->name);
	if (!d)
		return 1;
	if (cJSON_IsTrue(cube_json_path(d, "spec.paused")))
		return cctl_fail("you cannot rollback a paused deployment; resume it first with "
				 "'cubectl rollout resume' and try again");
	cube_autojson cJSON *rss = owned_rs(c, d);
	const cJSON *target = NULL, *latest = NULL, *prev = NULL;
	long latest_v = -1, prev_v = -1;
	const cJSON *rs;
	cJSON_ArrayForEach (rs, rss) {
		long v = revision_of(rs);
		if (v < 0)
			continue;
		if (R.to_revision == 0) {
			if (latest_v < v) {
				prev_v = latest_v;
				prev = latest;
				latest_v = v;
				latest = rs;
			} else if (prev_v < v) {
				prev_v = v;
				prev = rs;
			}
		} else if (R.to_revision == v) {
			target = rs;
		}
	}
	if (R.to_revision > 0 && !target)
		return cctl_fail("unable to find specified revision %d in history", R.to_revision);
	if (R.to_revision == 0) {
		if (!prev)
			return cctl_fail("no rollout history found for deployment \"%s\"",
					 ref->name);
		target = prev;
	}
	long to = revision_of(target);
	cube_autojson cJSON *tmpl = cJSON_Duplicate(cube_json_path(target, "spec.template"), true);
	cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)cube_json_path(tmpl, "metadata.labels"),
						"pod-template-hash");
	if (cctl_template_equal(tmpl, cube_json_path(d, "spec.template"))) {
		char v[128];
		snprintf(v, sizeof(v),
			 "skipped rollback (current template already matches revision %ld)", to);
		cctl_print_op(ref->res, ref->name, v);
		return 0;
	}
	/* kubectl sends the template as Go serialises it: a null creationTimestamp */
	cJSON *tmd = cube_json_ensure_obj(tmpl, "metadata");
	if (!cJSON_HasObjectItem(tmd, "creationTimestamp"))
		cJSON_AddNullToObject(tmd, "creationTimestamp");
	cJSON *ann = cJSON_CreateObject();
	const cJSON *kv;
	for (size_t i = 0; skip_annotations[i]; i++) {
		const char *v = cube_obj_annotation(d, skip_annotations[i]);
		if (v)
			cJSON_AddStringToObject(ann, skip_annotations[i], v);
	}
	cJSON_ArrayForEach (kv, cube_obj_annotations(target)) {
		if (cJSON_IsString(kv) && !skipped(kv->string)) {
			cJSON_DeleteItemFromObjectCaseSensitive(ann, kv->string);
			cJSON_AddStringToObject(ann, kv->string, kv->valuestring);
		}
	}
	cube_autojson cJSON *ops = cJSON_CreateArray();
	cJSON *op1 = cJSON_CreateObject();
	cJSON_AddStringToObject(op1, "op", "replace");
	cJSON_AddStringToObject(op1, "path", "/spec/template");
	cJSON_AddItemToObject(op1, "value", CUBE_STEAL(tmpl));
	cJSON_AddItemToArray(ops, op1);
	cJSON *op2 = cJSON_CreateObject();
	cJSON_AddStringToObject(op2, "op", "replace");
	cJSON_AddStringToObject(op2, "path", "/metadata/annotations");
	cJSON_AddItemToObject(op2, "value", ann);
	cJSON_AddItemToArray(ops, op2);
	cJSON *out = cctl_patch_obj(c, ref->res, ref->name, NULL, "json", ops, NULL);
	if (!out)
		return 1;
	cJSON_Delete(out);
	cctl_print_op(ref->res, ref->name, "rolled back");
	return 0;
}

/* ---- restart, pause, resume
 * ---------------------------------------------------------------------- */

static int rollout_patch(cctl *c, const cctl_ref *ref, const char *what)
{
	cube_autojson cJSON *d = cctl_get_obj(c, ref->res, ref->name);
	if (!d)
		return 1;
	char rn[300];
	cctl_res_name(ref->res, rn, sizeof(rn));
	bool paused = cJSON_IsTrue(cube_json_path(d, "spec.paused"));
	cube_autojson cJSON *p = cJSON_CreateObject();
	cJSON *spec = cJSON_AddObjectToObject(p, "spec");
	const char *verb;
	if (!strcmp(what, "pause")) {
		if (paused) {
			fprintf(stderr, "error: %s \"%s\" is already paused\n", rn, ref->name);
			return 1;
		}
		cJSON_AddTrueToObject(spec, "paused");
		verb = "paused";
	} else if (!strcmp(what, "resume")) {
		if (!paused) {
			fprintf(stderr, "error: %s \"%s\" is not paused\n", rn, ref->name);
			return 1;
		}
		cJSON_AddNullToObject(spec, "paused");
		verb = "resumed";
	} else {
		if (paused) {
			fprintf(stderr,
				"error: %s \"%s\" can't restart paused deployment (run "
				"rollout resume first)\n",
				rn, ref->name);
			return 1;
		}
		char ts[64];
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S%z", &tm);
		/* Go's RFC 3339: Z for UTC, else +hh:mm */
		size_t l = strlen(ts);
		if (!strcmp(ts + l - 5, "+0000")) {
			strcpy(ts + l - 5, "Z");
		} else {
			memmove(ts + l - 1, ts + l - 2, 3);
			ts[l - 2] = ':';
		}
		cJSON *tm_ = cJSON_AddObjectToObject(cJSON_AddObjectToObject(spec, "template"),
						     "metadata");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(tm_, "annotations"),
					"kubectl.kubernetes.io/restartedAt", ts);
		verb = "restarted";
	}
	cJSON *out =
		cctl_patch_obj(c, ref->res, ref->name, NULL, "strategic", p, "kubectl-rollout");
	if (!out)
		return 1;
	cJSON_Delete(out);
	cctl_print_op(ref->res, ref->name, verb);
	return 0;
}

int cctl_cmd_rollout(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = cctl_parse(c, rollout_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	static const char *const subs[] = {"status",  "history", "undo",
					   "restart", "pause",	 "resume"};
	if (n < 1)
		return cctl_fail("a subcommand is required: status, history, undo, restart, pause, "
				 "resume");
	const char *sub = pos[0];
	bool known = false;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		known = known || !strcmp(sub, subs[i]);
	if (!known)
		return cctl_fail("unknown command \"%s\" for \"cubectl rollout\"", sub);
	if (n < 2) {
		fprintf(stderr, "error: required resource not specified\n");
		return 1;
	}
	cctl_ref refs[16];
	int nr = cctl_refs(c, pos + 1, n - 1, refs, 16);
	if (nr <= 0)
		return 1;
	int errs = 0;
	for (int i = 0; i < nr; i++) {
		if (strcmp(refs[i].res->gvr.kind, "Deployment")) {
			errs += cctl_fail("no %s viewer has been implemented for %s",
					  !strcmp(sub, "undo") ? "rollbacker" : "status",
					  refs[i].res->gvr.kind);
			continue;
		}
		if (!strcmp(sub, "status"))
			errs += rollout_status(c, &refs[i]);
		else if (!strcmp(sub, "history"))
			errs += rollout_history(c, &refs[i]);
		else if (!strcmp(sub, "undo"))
			errs += rollout_undo(c, &refs[i]);
		else
			errs += rollout_patch(c, &refs[i], sub);
	}
	return errs ? 1 : 0;
}
