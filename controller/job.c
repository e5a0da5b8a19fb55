/* job.c - the Job controller: runs each Job's pods to completion, as
 * Kubernetes' job controller (pkg/controller/job) does for NonIndexed Jobs.
 *
 * Pods are made from spec.template with the Job as controller and the
 * finalizer batch.kubernetes.io/job-tracking, so that a finished pod is
 * counted exactly once even if it is deleted at once: sync first records a
 * finished pod's uid in status.uncountedTerminatedPods, then removes its
 * finalizer, and a later sync (the pod's update brings it) moves the uid
 * into status.succeeded or status.failed.  A pod being deleted before it
 * succeeded counts as failed (podReplacementPolicy TerminatingOrFailed, the
 * default) and is replaced at once; with Failed it is replaced once gone.
 *
 * sync(key):
 *   - Job gone: the tracking finalizers of its pods are removed;
 *   - Job finished (Complete or Failed): likewise, nothing else;
 *   - else claim the pods, count, and decide:
 *       failed > spec.backoffLimit (or, for OnFailure, the active pods'
 *         restarts reach it)          -> FailureTarget BackoffLimitExceeded
 *       running past activeDeadlineSeconds -> FailureTarget DeadlineExceeded
 *       succeeded >= completions (no completions: one succeeded and none
 *         active)                      -> SuccessCriteriaMet CompletionsReached
 *     then, as Kubernetes 1.32 does, active pods are deleted and once no pod
 *     is left running or uncounted the terminal condition (Failed or
 *     Complete, with completionTime) follows;
 *   - suspended: active pods deleted, condition Suspended (resumed: False,
 *     startTime restarted);
 *   - else active pods = min(parallelism, completions - succeeded): creates
 *     (at most 500 a sync, after the pod failure back-off: 10 s doubling per
 *     failure since the last success, up to 10 min) or deletes the least
 *     valuable; expectations keep a sync from acting twice on one change;
 *   - status: active, ready, terminating, succeeded, failed, startTime,
 *     conditions, uncountedTerminatedPods; then finalizers are removed.
 *
 * Not done: completionMode Indexed (a Warning event says so and the Job is
 * left alone), podFailurePolicy, successPolicy, backoffLimitPerIndex,
 * managedBy, and ttlSecondsAfterFinished (Kubernetes' separate
 * ttl-after-finished controller).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "util.h"

#define TRACKING_FINALIZER "batch.kubernetes.io/job-tracking"
#define BURST 500		/* Kubernetes' MaxPodCreateDeletePerSync */
#define POD_BACKOFF_S 10.0	/* DefaultJobPodFailureBackOff */
#define POD_BACKOFF_MAX_S 600.0 /* MaxJobPodFailureBackOff */

typedef struct job_ctl {
	cm *m;
	cube_informer *jobs, *pods;
	cube_controller *ctl;
	cm_expectations *exp;
	cm_owner_enqueuer oe;
	cube_recorder *rec;
} job_ctl;

/* ---- small helpers ---------------------------------------------------------------- */

static bool has_finalizer(const cJSON *o)
{
	const cJSON *f;
	cJSON_ArrayForEach (f, cube_json_path(o, "metadata.finalizers")) {
		if (cJSON_IsString(f) && !strcmp(f->valuestring, TRACKING_FINALIZER))
			return true;
	}
	return false;
}

static bool str_in(const cJSON *arr, const char *s)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, arr) {
		if (cJSON_IsString(e) && s && !strcmp(e->valuestring, s))
			return true;
	}
	return false;
}

static const char *phase_of(const cJSON *pod)
{
	const char *p = cube_json_str(pod, "status.phase");
	return p ? p : "";
}

static const cJSON *condition(const cJSON *status, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive(status, "conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static bool condition_true(const cJSON *status, const char *type)
{
	const char *s = cube_json_str(condition(status, type), "status");
	return s && !strcmp(s, "True");
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateString(v));
	else
		cJSON_AddStringToObject(o, k, v);
}

static void set_num(cJSON *o, const char *k, double v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, cJSON_CreateNumber(v));
	else
		cJSON_AddNumberToObject(o, k, v);
}

/* Kubernetes' ensureJobConditionStatus: a new condition, or a changed
 * status (new transition time), or a new reason/message.  True if the
 * condition became `st` just now. */
static bool set_condition(cJSON *status, const char *type, const char *st, const char *reason,
			  const char *msg, const char *now)
{
	cJSON *conds = cm_conditions(status);
	cJSON *c = (cJSON *)condition(status, type);
	if (c) {
		const char *have = cube_json_str(c, "status");
		bool changed = !have || strcmp(have, st);
		const char *r = cube_json_str(c, "reason"), *m = cube_json_str(c, "message");
		if (!changed && r && !strcmp(r, reason) && m && !strcmp(m, msg))
			return false;
		set_str(c, "status", st);
		set_str(c, "reason", reason);
		set_str(c, "message", msg);
		set_str(c, "lastProbeTime", now);
		if (changed)
			set_str(c, "lastTransitionTime", now);
		return changed;
	}
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", st);
	cJSON_AddStringToObject(c, "lastProbeTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddItemToArray(conds, c);
	return true;
}

/* When a pod finished: its containers' latest finishedAt, else its Ready
 * condition's last transition, else its creation. */
static double finished_at(const cJSON *pod)
{
	double t = 0, best = 0;
	const cJSON *cs;
	cJSON_ArrayForEach (cs, cube_json_path(pod, "status.containerStatuses")) {
		if (cube_time_parse(cube_json_str(cs, "state.terminated.finishedAt"), &t) &&
		    t > best)
			best = t;
	}
	if (best > 0)
		return best;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.conditions")) {
		const char *type = cube_json_str(c, "type");
		if (type && !strcmp(type, "Ready") &&
		    cube_time_parse(cube_json_str(c, "lastTransitionTime"), &t))
			return t;
	}
	return cube_time_parse(cube_json_str(pod, "metadata.creationTimestamp"), &t) ? t : 0;
}

static int64_t restarts(const cJSON *pod)
{
	int64_t n = 0;
	static const char *const fields[] = {"status.containerStatuses",
					     "status.initContainerStatuses"};
	for (int i = 0; i < 2; i++) {
		const cJSON *cs;
		cJSON_ArrayForEach (cs, cube_json_path(pod, fields[i]))
			n += cube_json_int(cs, "restartCount", 0);
	}
	return n;
}

static int cmp_pods(const void *a, const void *b)
{
	const cube_robj *x = *(cube_robj *const *)a, *y = *(cube_robj *const *)b;
	return cm_pod_deletion_cmp(x->json, y->json);
}

/* ---- pods ------------------------------------------------------------------------------ */

/* Removes the tracking finalizer (a merge patch of the list without it,
 * guarded by resourceVersion: a conflict is retried by the next sync). */
static int remove_finalizer(job_ctl *j, const cJSON *pod, cube_err *err)
{
	cube_autojson cJSON *p = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(p, "metadata");
	cJSON *fs = cJSON_AddArrayToObject(md, "finalizers");
	const cJSON *f;
	cJSON_ArrayForEach (f, cube_json_path(pod, "metadata.finalizers")) {
		if (!cJSON_IsString(f) || strcmp(f->valuestring, TRACKING_FINALIZER))
			cJSON_AddItemToArray(fs, cJSON_Duplicate(f, true));
	}
	const char *rv = cube_obj_resource_version(pod);
	if (rv)
		cJSON_AddStringToObject(md, "resourceVersion", rv);
	cube_err e = CUBE_ERR_INIT;
	cJSON *res = cube_kclient_patch(j->m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
					cube_obj_name(pod), NULL, "merge", p, &e);
	if (!res && e.code != CUBE_ENOTFOUND) {
		*err = e;
		return -1;
	}
	cJSON_Delete(res);
	return 0;
}

/* The pods of namespace `ns` whose controller is the Job `name` (any uid)
 * lose their tracking finalizer: the Job is gone or finished. */
static int release_pods(job_ctl *j, const char *ns, const char *name, cube_err *err)
{
	cube_robj **pods;
	size_t n = cm_list_namespace(j->pods, ns, &pods);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const cJSON *ref = cm_controller_ref(pods[i]->json);
		const char *k = cube_json_str(ref, "kind"), *nm = cube_json_str(ref, "name");
		if (!k || strcmp(k, "Job") || !nm || strcmp(nm, name) ||
		    !has_finalizer(pods[i]->json))
			continue;
		if (remove_finalizer(j, pods[i]->json, err) < 0)
			rc = -1;
	}
	cube_robj_list_free(pods, n);
	return rc;
}

static int create_pods(job_ctl *j, const char *key, const cJSON *job, long n, cube_err *err)
{
	cm_expect(j->exp, key, (int)n, 0);
	cube_autojson cJSON *pod = cm_from_template(cube_json_path(job, "spec.template"), "v1",
						    "Pod", job, "batch/v1", "Job", NULL);
	cJSON *md = pod ? cJSON_GetObjectItemCaseSensitive(pod, "metadata") : NULL;
	cJSON *fs = md ? cJSON_AddArrayToObject(md, "finalizers") : NULL;
	if (!fs || !cJSON_AddItemToArray(fs, cJSON_CreateString(TRACKING_FINALIZER))) {
		cm_expect_observed(j->exp, key, (int)n, 0);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	/* Slow start, as Kubernetes: batches of 1, 2, 4, ... stop at a failure. */
	long done = 0;
	for (long batch = 1; done < n; batch *= 2) {
		long todo = batch < n - done ? batch : n - done;
		for (long i = 0; i < todo; i++) {
			cJSON *made = cube_kclient_create(j->m->client, &CUBE_GVR_PODS,
							  cube_obj_namespace(job), pod, err);
			if (!made) {
				cm_expect_observed(j->exp, key, (int)(n - done), 0);
				cube_event(j->rec, job, "Warning", "FailedCreate",
					   "Error creating: %s", err->msg);
				return -1;
			}
			cube_event(j->rec, job, "Normal", "SuccessfulCreate", "Created pod: %s",
				   cube_obj_name(made));
			cJSON_Delete(made);
			done++;
		}
	}
	return 0;
}

static int delete_pods(job_ctl *j, const char *key, const cJSON *job, cube_robj **pods, long n,
		       cube_err *err)
{
	cm_expect(j->exp, key, 0, (int)n);
	int rc = 0;
	for (long i = 0; i < n; i++) {
		const cJSON *p = pods[i]->json;
		cube_autojson cJSON *opts = cJSON_CreateObject();
		cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
		cJSON_AddStringToObject(pre, "uid", cube_obj_uid(p) ? cube_obj_uid(p) : "");
		cube_err e = CUBE_ERR_INIT;
		if (cube_kclient_delete(j->m->client, &CUBE_GVR_PODS, cube_obj_namespace(p),
					cube_obj_name(p), opts, &e) < 0) {
			cm_expect_observed(j->exp, key, 0, 1);
			if (e.code == CUBE_ENOTFOUND)
				continue;
			cube_event(j->rec, job, "Warning", "FailedDelete", "Error deleting: %s",
				   e.msg);
			*err = e;
			rc = -1;
			continue;
		}
		cube_event(j->rec, job, "Normal", "SuccessfulDelete", "Deleted pod: %s",
			   cube_obj_name(p));
	}
	return rc;
}

/* ---- one sync ------------------------------------------------------------------------------ */

typedef struct jsync {
	job_ctl *j;
	const char *key;
	const cJSON *job;
	cube_robj **pods;
	long n;
	cJSON *st;		/* the status being built */
	cJSON *unc_ok, *unc_ko; /* its uncountedTerminatedPods.succeeded / failed */
	double now;
	char now_s[32];
	cube_robj **active; /* running, not being deleted */
	long n_active, ready, terminating;
	int64_t succeeded, failed; /* counted + uncounted */
	int64_t active_restarts;
	double last_fail; /* when the latest failure since the last success finished */
	int fails_since_success;
} jsync;

/* Drops uids whose pod is gone or lost its finalizer from `arr`, adding
 * them to status[field]. */
static void flush_uncounted(jsync *s, cJSON *arr, const char *field)
{
	int64_t moved = 0;
	cJSON *e = arr ? arr->child : NULL;
	while (e) {
		cJSON *next = e->next;
		const cJSON *pod = NULL;
		for (long i = 0; i < s->n && cJSON_IsString(e); i++) {
			const char *uid = cube_obj_uid(s->pods[i]->json);
			if (uid && !strcmp(uid, e->valuestring))
				pod = s->pods[i]->json;
		}
		if (!pod || !has_finalizer(pod)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, e));
			moved++;
		}
		e = next;
	}
	if (moved)
		set_num(s->st, field, (double)(cube_json_int(s->st, field, 0) + moved));
}

/* Counts the pods, records newly finished ones as uncounted. */
static void classify(jsync *s)
{
	const char *policy = cube_json_str(s->job, "spec.podReplacementPolicy");
	bool only_failed = policy && !strcmp(policy, "Failed");
	double last_success = 0;
	for (long i = 0; i < s->n; i++) {
		const cJSON *p = s->pods[i]->json;
		const char *ph = phase_of(p);
		if (!strcmp(ph, "Succeeded") && finished_at(p) > last_success)
			last_success = finished_at(p);
	}
	for (long i = 0; i < s->n; i++) {
		const cJSON *p = s->pods[i]->json;
		const char *ph = phase_of(p), *uid = cube_obj_uid(p);
		bool ok = !strcmp(ph, "Succeeded"), ko = !strcmp(ph, "Failed");
		bool deleting = cube_json_str(p, "metadata.deletionTimestamp") != NULL;
		if (deleting && !ok && !ko)
			s->terminating++;
		if (!ok && !ko && !deleting) {
			s->active[s->n_active++] = s->pods[i];
			s->ready += cm_pod_ready(p);
			s->active_restarts += restarts(p);
		}
		if (ko && finished_at(p) > last_success) {
			s->fails_since_success++;
			if (finished_at(p) > s->last_fail)
				s->last_fail = finished_at(p);
		}
		bool failed = ko || (deleting && !ok && !only_failed);
		if (!has_finalizer(p) || !uid || str_in(s->unc_ok, uid) || str_in(s->unc_ko, uid))
			continue;
		if (ok)
			cJSON_AddItemToArray(s->unc_ok, cJSON_CreateString(uid));
		else if (failed)
			cJSON_AddItemToArray(s->unc_ko, cJSON_CreateString(uid));
	}
	s->succeeded = cube_json_int(s->st, "succeeded", 0) + cJSON_GetArraySize(s->unc_ok);
	s->failed = cube_json_int(s->st, "failed", 0) + cJSON_GetArraySize(s->unc_ko);
}

/* The interim condition Kubernetes 1.32 sets first, if one is due now. */
static bool decide_finish(jsync *s, double *deadline_in)
{
	const cJSON *spec = cube_json_path(s->job, "spec");
	int64_t backoff = cube_json_int(spec, "backoffLimit", 6);
	const char *rp = cube_json_str(spec, "template.spec.restartPolicy");
	*deadline_in = 0;
	if (condition_true(s->st, "FailureTarget") || condition_true(s->st, "SuccessCriteriaMet"))
		return true;
	bool exceeded = s->failed > backoff;
	/* pastBackoffLimitOnFailure: restarts of the running pods count too. */
	if (rp && !strcmp(rp, "OnFailure") && s->active_restarts > 0 &&
	    (backoff == 0 || s->active_restarts >= backoff))
		exceeded = true;
	if (exceeded) {
		set_condition(s->st, "FailureTarget", "True", "BackoffLimitExceeded",
			      "Job has reached the specified backoff limit", s->now_s);
		return true;
	}
	double start;
	const cJSON *ads = cJSON_GetObjectItemCaseSensitive(spec, "activeDeadlineSeconds");
	if (cJSON_IsNumber(ads) &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "suspend")) &&
	    cube_time_parse(cube_json_str(s->st, "startTime"), &start)) {
		double left = start + ads->valuedouble - s->now;
		if (left <= 0) {
			set_condition(s->st, "FailureTarget", "True", "DeadlineExceeded",
				      "Job was active longer than specified deadline", s->now_s);
			return true;
		}
		*deadline_in = left;
	}
	const cJSON *comp = cJSON_GetObjectItemCaseSensitive(spec, "completions");
	bool done = cJSON_IsNumber(comp) ? s->succeeded >= (int64_t)comp->valuedouble
					 : s->succeeded > 0 && s->n_active == 0;
	if (done) {
		set_condition(s->st, "SuccessCriteriaMet", "True", "CompletionsReached",
			      "Reached expected number of succeeded pods", s->now_s);
		return true;
	}
	return false;
}

/* Once nothing runs and every finished pod is counted: Complete or Failed. */
static void maybe_terminal(jsync *s)
{
	if (s->n_active || s->terminating || cJSON_GetArraySize(s->unc_ok) ||
	    cJSON_GetArraySize(s->unc_ko))
		return;
	const cJSON *ft = condition(s->st, "FailureTarget");
	if (condition_true(s->st, "FailureTarget")) {
		const char *reason = cube_json_str(ft, "reason"),
			   *msg = cube_json_str(ft, "message");
		char r[128], m[256];
		snprintf(r, sizeof(r), "%s", reason ? reason : "");
		snprintf(m, sizeof(m), "%s", msg ? msg : "");
		if (set_condition(s->st, "Failed", "True", r, m, s->now_s))
			cube_event(s->j->rec, s->job, "Warning", r, "%s", m);
	} else if (set_condition(s->st, "Complete", "True", "CompletionsReached",
				 "Reached expected number of succeeded pods", s->now_s)) {
		set_str(s->st, "completionTime", s->now_s);
		cube_event(s->j->rec, s->job, "Normal", "Completed", "Job completed");
	}
}

/* Creates or deletes toward the wanted number of active pods; *retry_in
 * is set when the pod failure back-off holds creates back. */
static int manage(jsync *s, double *retry_in, cube_err *err)
{
	const cJSON *spec = cube_json_path(s->job, "spec");
	int64_t par = cube_json_int(spec, "parallelism", 1);
	const cJSON *comp = cJSON_GetObjectItemCaseSensitive(spec, "completions");
	const char *policy = cube_json_str(spec, "podReplacementPolicy");
	int64_t want;
	if (cJSON_IsNumber(comp)) {
		int64_t left = (int64_t)comp->valuedouble - s->succeeded;
		want = left < par ? left : par;
	} else {
		want = s->succeeded > 0 ? s->n_active : par;
	}
	if (want < 0)
		want = 0;
	int64_t have = s->n_active + (policy && !strcmp(policy, "Failed") ? s->terminating : 0);
	if (have > want) {
		long del = (long)(have - want) > s->n_active ? s->n_active : (long)(have - want);
		if (del > BURST)
			del = BURST;
		qsort(s->active, (size_t)s->n_active, sizeof(*s->active), cmp_pods);
		return delete_pods(s->j, s->key, s->job, s->active, del, err);
	}
	if (have == want)
		return 0;
	if (s->fails_since_success > 0) {
		double delay = POD_BACKOFF_S * pow(2, s->fails_since_success - 1);
		if (delay > POD_BACKOFF_MAX_S)
			delay = POD_BACKOFF_MAX_S;
		double left = s->last_fail + delay - s->now;
		if (left > 0) {
			*retry_in = left;
			return 0;
		}
	}
	long add = (long)(want - have) > BURST ? BURST : (long)(want - have);
	return create_pods(s->j, s->key, s->job, add, err);
}

static void suspend_conditions(jsync *s, bool suspended)
{
	if (suspended) {
		if (set_condition(s->st, "Suspended", "True", "JobSuspended", "Job suspended",
				  s->now_s))
			cube_event(s->j->rec, s->job, "Normal", "Suspended", "Job suspended");
	} else if (condition_true(s->st, "Suspended")) {
		set_condition(s->st, "Suspended", "False", "JobResumed", "Job resumed", s->now_s);
		cube_event(s->j->rec, s->job, "Normal", "Resumed", "Job resumed");
		set_str(s->st, "startTime", s->now_s); /* the deadline runs from here */
	}
}

/* The counts, with Kubernetes' omitempty fields left out.  s->unc_ok and
 * s->unc_ko are not valid after this. */
static void put_counts(jsync *s)
{
	static const char *const omit_empty[] = {"active", "succeeded", "failed"};
	set_num(s->st, "active", (double)s->n_active);
	set_num(s->st, "ready", (double)s->ready);
	set_num(s->st, "terminating", (double)s->terminating);
	for (int i = 0; i < 3; i++)
		if (cube_json_int(s->st, omit_empty[i], 0) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(s->st, omit_empty[i]);
	cJSON *u = cJSON_GetObjectItemCaseSensitive(s->st, "uncountedTerminatedPods");
	if (cJSON_GetArraySize(s->unc_ok) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(u, "succeeded");
	if (cJSON_GetArraySize(s->unc_ko) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(u, "failed");
}

static int write_status(jsync *s, cube_err *err)
{
	if (cJSON_Compare(s->st, cube_json_path(s->job, "status"), true))
		return 0;
	cube_autojson cJSON *next = cube_obj_copy(s->job);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(next, "status");
	cJSON_AddItemToObject(next, "status", cJSON_Duplicate(s->st, true));
	cJSON *res = cube_kclient_update(s->j->m->client, &CUBE_GVR_JOBS,
					 cube_obj_namespace(s->job), next, "status", err);
	if (!res)
		return -1;
	cJSON_Delete(res);
	return 0;
}

/* After the uncounted uids are stored: their pods' finalizers go. */
static int release_counted(jsync *s, cube_err *err)
{
	int rc = 0;
	/* put_counts may have dropped the empty lists: look them up again. */
	const cJSON *ok = cube_json_path(s->st, "uncountedTerminatedPods.succeeded");
	const cJSON *ko = cube_json_path(s->st, "uncountedTerminatedPods.failed");
	for (long i = 0; i < s->n; i++) {
		const cJSON *p = s->pods[i]->json;
		const char *uid = cube_obj_uid(p);
		if (has_finalizer(p) && (str_in(ok, uid) || str_in(ko, uid)) &&
		    remove_finalizer(s->j, p, err) < 0)
			rc = -1;
	}
	return rc;
}

static cJSON *ensure_array(cJSON *o, const char *k)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsArray(a))
		return a;
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	return cJSON_AddArrayToObject(o, k);
}

static int sync_job(void *ud, const char *key, cube_err *err)
{
	job_ctl *j = ud;
	cube_robj *obj = cube_informer_get(j->jobs, key);
	char ns[256], name[256];
	if (!obj) {
		cm_expectations_forget(j->exp, key);
		if (cube_obj_key_split(key, ns, sizeof(ns), name, sizeof(name), NULL) < 0)
			return 0;
		return release_pods(j, ns, name, err);
	}
	const cJSON *job = obj->json;
	int rc = 0;
	jsync s = {.j = j, .key = key, .job = job, .now = cm_now()};
	cube_time_format((time_t)s.now, s.now_s, sizeof(s.now_s));
	cube_robj **all = NULL;
	size_t n_all = 0;
	cube_labelsel *sel = NULL;
	const cJSON *status = cube_json_path(job, "status");
	if (condition_true(status, "Complete") || condition_true(status, "Failed")) {
		rc = release_pods(j, cube_obj_namespace(job), cube_obj_name(job), err);
		goto out;
	}
	const char *mode = cube_json_str(job, "spec.completionMode");
	if (mode && strcmp(mode, "NonIndexed")) {
		cube_event(j->rec, job, "Warning", "UnsupportedCompletionMode",
			   "spec.completionMode %s is not supported by cube's job controller",
			   mode);
		goto out;
	}
	sel = cube_labelsel_from_json(cube_json_path(job, "spec.selector"), NULL);
	if (!sel || cube_labelsel_is_everything(sel)) {
		cube_event(j->rec, job, "Warning", "InvalidSelector",
			   "spec.selector: invalid label selector");
		goto out;
	}
	bool satisfied = cm_expectations_satisfied(j->exp, key);
	n_all = cm_list_namespace(j->pods, cube_obj_namespace(job), &all);
	cm_claim_spec cs = {.m = j->m,
			    .gvr = &CUBE_GVR_PODS,
			    .owner = job,
			    .owner_api_version = "batch/v1",
			    .owner_kind = "Job",
			    .selector = sel};
	if ((s.n = cm_claim(&cs, all, n_all, &s.pods, err)) < 0) {
		s.n = 0;
		rc = -1;
		goto out;
	}
	s.active = malloc((size_t)(s.n ? s.n : 1) * sizeof(*s.active));
	s.st = status ? cJSON_Duplicate(status, true) : cJSON_CreateObject();
	if (!s.active || !s.st) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	cJSON *unc = cJSON_GetObjectItemCaseSensitive(s.st, "uncountedTerminatedPods");
	if (!cJSON_IsObject(unc)) {
		cJSON_DeleteItemFromObjectCaseSensitive(s.st, "uncountedTerminatedPods");
		unc = cJSON_AddObjectToObject(s.st, "uncountedTerminatedPods");
	}
	s.unc_ok = ensure_array(unc, "succeeded");
	s.unc_ko = ensure_array(unc, "failed");
	flush_uncounted(&s, s.unc_ok, "succeeded");
	flush_uncounted(&s, s.unc_ko, "failed");
	classify(&s);

	bool suspended = cJSON_IsTrue(cube_json_path(job, "spec.suspend"));
	bool deleting = cube_json_str(job, "metadata.deletionTimestamp") != NULL;
	if (!suspended && !cube_json_str(s.st, "startTime"))
		set_str(s.st, "startTime", s.now_s);
	double deadline_in = 0, retry_in = 0;
	cube_err ae = CUBE_ERR_INIT;
	int arc = 0;
	if (decide_finish(&s, &deadline_in)) {
		if (satisfied && s.n_active)
			arc = delete_pods(j, key, job, s.active, s.n_active, &ae);
		maybe_terminal(&s);
	} else if (suspended || deleting) {
		suspend_conditions(&s, suspended);
		if (satisfied && s.n_active)
			arc = delete_pods(j, key, job, s.active, s.n_active, &ae);
	} else {
		suspend_conditions(&s, false);
		if (satisfied)
			arc = manage(&s, &retry_in, &ae);
	}
	put_counts(&s);
	if (write_status(&s, err) < 0 || release_counted(&s, err) < 0) {
		rc = err->code == CUBE_ENOTFOUND ? 0 : -1;
		goto out;
	}
	if (arc < 0) {
		*err = ae;
		rc = -1;
	}
	double again = deadline_in > 0 && (retry_in <= 0 || deadline_in < retry_in) ? deadline_in
										    : retry_in;
	if (again > 0)
		cube_controller_enqueue_after(j->ctl, key, (int64_t)ceil(again * 1000) + 100);
out:
	cJSON_Delete(s.st);
	free(s.active);
	cube_labelsel_free(sel);
	cube_robj_list_free(s.pods, (size_t)s.n);
	cube_robj_list_free(all, n_all);
	cube_robj_unref(obj);
	return rc;
}

static void job_free(void *ud)
{
	job_ctl *j = ud;
	cm_expectations_free(j->exp);
	free(j);
}

int job_init(cm *m, cube_err *err)
{
	job_ctl *j = calloc(1, sizeof(*j));
	if (!j || !(j->exp = cm_expectations_new())) {
		free(j);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	j->m = m;
	cube_controller_config cc = {
		.name = "job", .workers = m->cfg.workers, .sync = sync_job, .ud = j};
	if (!(j->ctl = cube_controller_new(&cc, err))) {
		job_free(j);
		return -1;
	}
	if (cm_add(m, j->ctl, j, job_free, err) < 0)
		return -1;
	if (!(j->rec = cm_recorder(m, "job-controller", err)))
		return -1;
	j->jobs = cube_informer_factory_get(m->factory, &CUBE_GVR_JOBS, NULL, NULL, NULL, err);
	j->pods = j->jobs ? cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						      err)
			  : NULL;
	if (!j->pods)
		return -1;
	j->oe = (cm_owner_enqueuer){
		.ctl = j->ctl, .kind = "Job", .owners = j->jobs, .observe = j->exp};
	cube_informer_handlers jh = cube_controller_handlers(j->ctl);
	cube_informer_handlers ph = cm_owner_handlers(&j->oe);
	if (cube_informer_add_index(j->pods, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(j->jobs, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_handlers(j->jobs, &jh, err) < 0 ||
	    cube_informer_add_handlers(j->pods, &ph, err) < 0)
		return -1;
	return 0;
}
