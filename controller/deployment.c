/* deployment.c - the Deployment controller, after Kubernetes' (pkg/
 * controller/deployment): a Deployment owns ReplicaSets named
 * <deployment>-<pod-template-hash>; the one whose template equals the
 * Deployment's is the new one, the others are old.
 *
 * sync(key):
 *   - claim the namespace's ReplicaSets that match the selector;
 *   - being deleted: status only;  paused, or spec.replicas changed
 *     (a scaling event): scale the active ReplicaSets proportionally, no
 *     rollout;
 *   - Recreate: old ReplicaSets to 0, wait until their pods are gone, then
 *     the new one to spec.replicas;
 *   - RollingUpdate: scale the new ReplicaSet up within maxSurge, then the
 *     old ones down within maxUnavailable (rollout.h), one step a sync; the
 *     ReplicaSets' status changes bring the key back for the next step;
 *   - then revisions (new = max old + 1, so a rollback to an old template
 *     reuses its ReplicaSet with a new revision), revisionHistoryLimit,
 *     and status with the Available and Progressing conditions
 *     (progressDeadlineSeconds).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "rollout.h"
#include "util.h"

#define ANN_REVISION "deployment.kubernetes.io/revision"
#define ANN_REVISION_HISTORY "deployment.kubernetes.io/revision-history"
#define ANN_DESIRED "deployment.kubernetes.io/desired-replicas"
#define ANN_MAX "deployment.kubernetes.io/max-replicas"
#define HASH_LABEL "pod-template-hash"

typedef struct dp_ctl {
	cm *m;
	cube_informer *deploys, *rss, *pods;
	cube_controller *ctl;
	cm_owner_enqueuer oe;
	cube_recorder *rec;
} dp_ctl;

/* One sync's working state: copies that follow the server's answers. */
typedef struct dsync {
	dp_ctl *c;
	const char *key;
	cJSON *d;    /* the Deployment */
	cJSON **rs;  /* its ReplicaSets, oldest first */
	size_t n;    /* how many */
	long new_rs; /* index of the new one, -1 if none */
	int32_t replicas, surge, unavailable;
} dsync;

static int32_t i32(const cJSON *o, const char *path, int32_t dflt)
{
	int64_t v = cube_json_int(o, path, dflt);
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static int64_t revision_of(const cJSON *o)
{
	const char *r = cube_obj_annotation(o, ANN_REVISION);
	return r ? strtoll(r, NULL, 10) : 0;
}

static double created(const cJSON *o)
{
	double t = 0;
	cube_time_parse(cube_json_str(o, "metadata.creationTimestamp"), &t);
	return t;
}

static int by_creation(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	double tx = created(x), ty = created(y);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(cube_obj_name(x), cube_obj_name(y));
}

static void set_ann(cJSON *o, const char *k, const char *v)
{
	cJSON *a = cube_json_ensure_obj(cube_json_ensure_obj(o, "metadata"), "annotations");
	cube_json_set_str(a, k, v);
}

static void set_ann_int(cJSON *o, const char *k, int64_t v)
{
	char b[32];
	snprintf(b, sizeof(b), "%lld", (long long)v);
	set_ann(o, k, b);
}

static bool skipped_annotation(const char *k)
{
	static const char *const skip[] = {"kubectl.kubernetes.io/last-applied-configuration",
					   ANN_REVISION,
					   ANN_REVISION_HISTORY,
					   ANN_DESIRED,
					   ANN_MAX,
					   "deprecated.deployment.rollback.to",
					   NULL};
	for (int i = 0; skip[i]; i++)
		if (!strcmp(k, skip[i]))
			return true;
	return false;
}

/* The Deployment's own annotations onto a ReplicaSet (as Kubernetes copies
 * them); true if something changed. */
static bool copy_annotations(const cJSON *d, cJSON *rs)
{
	bool changed = false;
	const cJSON *a;
	cJSON_ArrayForEach (a, cube_obj_annotations(d)) {
		if (!cJSON_IsString(a) || skipped_annotation(a->string))
			continue;
		const char *have = cube_obj_annotation(rs, a->string);
		if (!have || strcmp(have, a->valuestring)) {
			set_ann(rs, a->string, a->valuestring);
			changed = true;
		}
	}
	return changed;
}

static bool set_replica_annotations(dsync *s, cJSON *rs)
{
	char want[32], wmax[32];
	snprintf(want, sizeof(want), "%d", s->replicas);
	snprintf(wmax, sizeof(wmax), "%d", s->replicas + s->surge);
	const char *h1 = cube_obj_annotation(rs, ANN_DESIRED),
		   *h2 = cube_obj_annotation(rs, ANN_MAX);
	if (h1 && !strcmp(h1, want) && h2 && !strcmp(h2, wmax))
		return false;
	set_ann(rs, ANN_DESIRED, want);
	set_ann(rs, ANN_MAX, wmax);
	return true;
}

/* PUTs s->rs[i] (modified in place) and keeps the server's answer. */
static int update_rs(dsync *s, size_t i, cube_err *err)
{
	cJSON *res = cube_kclient_update(s->c->m->client, &CUBE_GVR_REPLICASETS,
					 cube_obj_namespace(s->rs[i]), s->rs[i], NULL, err);
	if (!res)
		return -1;
	cJSON_Delete(s->rs[i]);
	s->rs[i] = res;
	return 0;
}

/* Scales s->rs[i] to `to` (with the replica annotations); true in *scaled
 * if it changed. */
static int scale_rs(dsync *s, size_t i, int32_t to, bool *scaled, cube_err *err)
{
	cJSON *rs = s->rs[i];
	int32_t from = i32(rs, "spec.replicas", 1);
	bool ann = set_replica_annotations(s, rs);
	if (from == to && !ann)
		return 0;
	cJSON *spec = cube_json_ensure_obj(rs, "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", to);
	if (update_rs(s, i, err) < 0)
		return -1;
	if (from != to) {
		*scaled = true;
		cube_event(s->c->rec, s->d, "Normal", "ScalingReplicaSet",
			   "Scaled %s replica set %s from %d to %d", to > from ? "up" : "down",
			   cube_obj_name(s->rs[i]), from, to);
	}
	return 0;
}

/* ---- the new ReplicaSet and revisions ------------------------------------------------ */

static int64_t max_old_revision(dsync *s)
{
	int64_t m = 0;
	for (size_t i = 0; i < s->n; i++)
		if ((long)i != s->new_rs && revision_of(s->rs[i]) > m)
			m = revision_of(s->rs[i]);
	return m;
}

static void find_new_rs(dsync *s)
{
	s->new_rs = -1;
	const cJSON *t = cube_json_path(s->d, "spec.template");
	for (size_t i = 0; i < s->n; i++)
		if (cm_templates_equal(cube_json_path(s->rs[i], "spec.template"), t)) {
			s->new_rs = (long)i;
			return;
		}
}

static int32_t all_replicas(dsync *s)
{
	int64_t t = 0;
	for (size_t i = 0; i < s->n; i++)
		t += i32(s->rs[i], "spec.replicas", 1);
	return t > INT32_MAX ? INT32_MAX : (int32_t)t;
}

/* Writes the Deployment's revision annotation when it moved. */
static int sync_deploy_revision(dsync *s, const char *rev, cube_err *err)
{
	const char *have = cube_obj_annotation(s->d, ANN_REVISION);
	if (have && !strcmp(have, rev))
		return 0;
	set_ann(s->d, ANN_REVISION, rev);
	cJSON *res = cube_kclient_update(s->c->m->client, &CUBE_GVR_DEPLOYMENTS,
					 cube_obj_namespace(s->d), s->d, NULL, err);
	if (!res)
		return -1;
	cJSON_Delete(s->d);
	s->d = res;
	return 0;
}

static void set_condition(cJSON *status, const char *type, const char *st, const char *reason,
			  const char *msg, bool force_update);

static int create_new_rs(dsync *s, int64_t revision, cube_err *err)
{
	const cJSON *t = cube_json_path(s->d, "spec.template");
	int64_t collisions = cube_json_int(s->d, "status.collisionCount", 0);
	char hash[16], name[300];
	cm_template_hash(t, collisions, hash, sizeof(hash));
	snprintf(name, sizeof(name), "%.240s-%s", cube_obj_name(s->d), hash);
	cube_autojson cJSON *rs = cJSON_CreateObject();
	cJSON_AddStringToObject(rs, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(rs, "kind", "ReplicaSet");
	cJSON *md = cJSON_AddObjectToObject(rs, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", cube_obj_namespace(s->d));
	cJSON *tmpl = cJSON_Duplicate(t, true);
	cJSON *tl = cube_json_ensure_obj(cube_json_ensure_obj(tmpl, "metadata"), "labels");
	cube_json_set_str(tl, HASH_LABEL, hash);
	cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(tl, true));
	cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
	cJSON_AddItemToArray(refs, cm_owner_ref(s->d, "apps/v1", "Deployment"));
	copy_annotations(s->d, rs);
	set_ann_int(rs, ANN_REVISION, revision);
	set_replica_annotations(s, rs);
	cJSON *spec = cJSON_AddObjectToObject(rs, "spec");
	cJSON *sel = cJSON_Duplicate(cube_json_path(s->d, "spec.selector"), true);
	if (!sel)
		sel = cJSON_CreateObject();
	cube_json_set_str(cube_json_ensure_obj(sel, "matchLabels"), HASH_LABEL, hash);
	cJSON_AddItemToObject(spec, "selector", sel);
	cJSON_AddItemToObject(spec, "template", tmpl);
	cJSON_AddNumberToObject(spec, "minReadySeconds",
				(double)cube_json_int(s->d, "spec.minReadySeconds", 0));
	/* Its first size, as the next rolling step would make it. */
	int32_t first = s->replicas;
	const char *strategy = cube_json_str(s->d, "spec.strategy.type");
	if (!strategy || strcmp(strategy, "Recreate"))
		first = rollout_new_rs_replicas(s->replicas, s->surge, all_replicas(s), 0);
	cJSON_AddNumberToObject(spec, "replicas", first);
	cube_err e = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(s->c->m->client, &CUBE_GVR_REPLICASETS,
					  cube_obj_namespace(s->d), rs, &e);
	if (!made && e.code == CUBE_EEXIST) {
		/* Ours already (an informer behind), or a hash collision. */
		cJSON *have = cube_kclient_get(s->c->m->client, &CUBE_GVR_REPLICASETS,
					       cube_obj_namespace(s->d), name, err);
		if (!have)
			return -1;
		const char *owner = cube_obj_controller_uid(have);
		bool ours = owner && cube_obj_uid(s->d) && !strcmp(owner, cube_obj_uid(s->d)) &&
			    cm_templates_equal(cube_json_path(have, "spec.template"), t);
		cJSON_Delete(have);
		if (ours)
			return cube_err_set(err, CUBE_ECONFLICT,
					    "replica set %s exists; waiting for the cache", name);
		cJSON *st = cube_json_ensure_obj(s->d, "status");
		cJSON_DeleteItemFromObjectCaseSensitive(st, "collisionCount");
		cJSON_AddNumberToObject(st, "collisionCount", (double)(collisions + 1));
		cJSON *res = cube_kclient_update(s->c->m->client, &CUBE_GVR_DEPLOYMENTS,
						 cube_obj_namespace(s->d), s->d, "status", err);
		cJSON_Delete(res);
		return cube_err_set(err, CUBE_ECONFLICT, "hash collision for %s; retrying", name);
	}
	if (!made) {
		*err = e;
		cube_event(s->c->rec, s->d, "Warning", "FailedCreate",
			   "Failed to create new replica set \"%s\": %s", name, e.msg);
		return -1;
	}
	cJSON **grown = realloc(s->rs, (s->n + 1) * sizeof(*grown));
	if (!grown) {
		cJSON_Delete(made);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	s->rs = grown;
	s->rs[s->n] = made;
	s->new_rs = (long)s->n++;
	if (first > 0)
		cube_event(s->c->rec, s->d, "Normal", "ScalingReplicaSet",
			   "Scaled up replica set %s from 0 to %d", name, first);
	char msg[400];
	snprintf(msg, sizeof(msg), "Created new replica set \"%s\"", name);
	set_condition(cube_json_ensure_obj(s->d, "status"), "Progressing", "True",
		      "NewReplicaSetCreated", msg, false);
	return 0;
}

/* The new ReplicaSet (created when `create` and missing) with its revision
 * (max old + 1) and the Deployment's annotations; the Deployment's revision
 * annotation follows it. */
static int new_rs_and_revision(dsync *s, bool create, cube_err *err)
{
	find_new_rs(s);
	int64_t revision = max_old_revision(s) + 1;
	if (s->new_rs < 0) {
		if (!create)
			return 0;
		if (create_new_rs(s, revision, err) < 0)
			return -1;
	} else {
		cJSON *rs = s->rs[s->new_rs];
		bool changed = copy_annotations(s->d, rs);
		int64_t have = revision_of(rs);
		if (have < revision) {
			if (have > 0) {
				const char *hist = cube_obj_annotation(rs, ANN_REVISION_HISTORY);
				char buf[512];
				snprintf(buf, sizeof(buf), "%s%s%lld", hist ? hist : "",
					 hist ? "," : "", (long long)have);
				set_ann(rs, ANN_REVISION_HISTORY, buf);
			}
			set_ann_int(rs, ANN_REVISION, revision);
			changed = true;
		} else {
			revision = have;
		}
		int64_t mrs = cube_json_int(s->d, "spec.minReadySeconds", 0);
		if (cube_json_int(rs, "spec.minReadySeconds", 0) != mrs) {
			cJSON *spec = cube_json_ensure_obj(rs, "spec");
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "minReadySeconds");
			cJSON_AddNumberToObject(spec, "minReadySeconds", (double)mrs);
			changed = true;
		}
		if (changed && update_rs(s, (size_t)s->new_rs, err) < 0)
			return -1;
	}
	char rev[32];
	snprintf(rev, sizeof(rev), "%lld", (long long)revision_of(s->rs[s->new_rs]));
	return sync_deploy_revision(s, rev, err);
}

/* ---- status ---------------------------------------------------------------------------------- */

static const cJSON *get_condition(const cJSON *status, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive(status, "conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static void remove_condition(cJSON *status, const char *type)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, conds) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, type)) {
			cJSON_DeleteItemFromArray(conds, i);
			return;
		}
		i++;
	}
}

/* As Kubernetes' SetDeploymentCondition: same status and reason is no
 * change (unless force_update, the Progressing special case); same status
 * keeps lastTransitionTime. */
static void set_condition(cJSON *status, const char *type, const char *st, const char *reason,
			  const char *msg, bool force_update)
{
	const cJSON *cur = get_condition(status, type);
	const char *cs = cur ? cube_json_str(cur, "status") : NULL;
	const char *cr = cur ? cube_json_str(cur, "reason") : NULL;
	if (!force_update && cs && cr && !strcmp(cs, st) && !strcmp(cr, reason))
		return;
	char now[32], trans[64];
	cube_time_now(now, sizeof(now));
	snprintf(trans, sizeof(trans), "%s",
		 cs && !strcmp(cs, st) && cube_json_str(cur, "lastTransitionTime")
			 ? cube_json_str(cur, "lastTransitionTime")
			 : now);
	remove_condition(status, type);
	cJSON *conds = cm_conditions(status);
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", st);
	cJSON_AddStringToObject(c, "lastUpdateTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", trans);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddItemToArray(conds, c);
}

/* The status the ReplicaSets add up to (conditions carried over). */
static cJSON *calculate_status(dsync *s)
{
	int64_t replicas = 0, ready = 0, avail = 0, updated = 0;
	for (size_t i = 0; i < s->n; i++) {
		replicas += cube_json_int(s->rs[i], "status.replicas", 0);
		ready += cube_json_int(s->rs[i], "status.readyReplicas", 0);
		avail += cube_json_int(s->rs[i], "status.availableReplicas", 0);
	}
	if (s->new_rs >= 0)
		updated = cube_json_int(s->rs[s->new_rs], "status.replicas", 0);
	cJSON *st = cJSON_CreateObject();
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)cube_json_int(s->d, "metadata.generation", 0));
	if (replicas)
		cJSON_AddNumberToObject(st, "replicas", (double)replicas);
	if (updated)
		cJSON_AddNumberToObject(st, "updatedReplicas", (double)updated);
	if (ready)
		cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	if (avail)
		cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
	int64_t unavail = (int64_t)s->replicas - avail;
	if (unavail > 0)
		cJSON_AddNumberToObject(st, "unavailableReplicas", (double)unavail);
	const cJSON *cc = cube_json_path(s->d, "status.collisionCount");
	if (cc)
		cJSON_AddItemToObject(st, "collisionCount", cJSON_Duplicate(cc, true));
	const cJSON *conds = cube_json_path(s->d, "status.conditions");
	if (conds)
		cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
	if (avail >= (int64_t)s->replicas - s->unavailable)
		set_condition(st, "Available", "True", "MinimumReplicasAvailable",
			      "Deployment has minimum availability.", false);
	else
		set_condition(st, "Available", "False", "MinimumReplicasUnavailable",
			      "Deployment does not have minimum availability.", false);
	return st;
}

static bool complete(dsync *s, const cJSON *st)
{
	return cube_json_int(st, "updatedReplicas", 0) == s->replicas &&
	       cube_json_int(st, "replicas", 0) == s->replicas &&
	       cube_json_int(st, "availableReplicas", 0) == s->replicas &&
	       cube_json_int(st, "observedGeneration", 0) >=
		       cube_json_int(s->d, "metadata.generation", 0);
}

static bool progressing(const cJSON *old, const cJSON *st)
{
	int64_t ou = cube_json_int(old, "updatedReplicas", 0),
		nu = cube_json_int(st, "updatedReplicas", 0);
	int64_t oo = cube_json_int(old, "replicas", 0) - ou,
		no = cube_json_int(st, "replicas", 0) - nu;
	return nu > ou || no < oo ||
	       cube_json_int(st, "readyReplicas", 0) > cube_json_int(old, "readyReplicas", 0) ||
	       cube_json_int(st, "availableReplicas", 0) >
		       cube_json_int(old, "availableReplicas", 0);
}

static int64_t progress_deadline(const cJSON *d)
{
	const cJSON *p = cube_json_path(d, "spec.progressDeadlineSeconds");
	if (!cJSON_IsNumber(p) || p->valuedouble >= INT32_MAX)
		return -1;
	return (int64_t)p->valuedouble;
}

/* Writes status; with `rollout` the Progressing condition follows the
 * rollout (progressDeadlineSeconds). */
static int sync_status(dsync *s, bool rollout, cube_err *err)
{
	cube_autojson cJSON *st = calculate_status(s);
	if (!st)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const cJSON *old = cube_json_path(s->d, "status");
	int64_t deadline = progress_deadline(s->d);
	const char *rs_name = s->new_rs >= 0 ? cube_obj_name(s->rs[s->new_rs]) : NULL;
	char msg[400];
	double requeue = 0;
	if (rollout && deadline < 0) {
		remove_condition(st, "Progressing");
	} else if (rollout) {
		const cJSON *cur = get_condition(st, "Progressing");
		const char *reason = cur ? cube_json_str(cur, "reason") : NULL;
		bool done = cube_json_int(st, "replicas", 0) ==
				    cube_json_int(st, "updatedReplicas", 0) &&
			    reason && !strcmp(reason, "NewReplicaSetAvailable");
		if (!done) {
			if (complete(s, st) && rs_name) {
				snprintf(msg, sizeof(msg),
					 "ReplicaSet \"%s\" has successfully progressed.", rs_name);
				set_condition(st, "Progressing", "True", "NewReplicaSetAvailable",
					      msg, false);
			} else if (progressing(old, st)) {
				if (rs_name)
					snprintf(msg, sizeof(msg),
						 "ReplicaSet \"%s\" is progressing.", rs_name);
				else
					snprintf(msg, sizeof(msg),
						 "Deployment \"%s\" is progressing.",
						 cube_obj_name(s->d));
				set_condition(st, "Progressing", "True", "ReplicaSetUpdated", msg,
					      true);
			} else if (cur && reason && strcmp(reason, "ProgressDeadlineExceeded")) {
				double since = 0;
				cube_time_parse(cube_json_str(cur, "lastUpdateTime"), &since);
				double left = since + (double)deadline - cm_now();
				if (left <= 0) {
					snprintf(msg, sizeof(msg),
						 "ReplicaSet \"%s\" has timed out progressing.",
						 rs_name ? rs_name : cube_obj_name(s->d));
					set_condition(st, "Progressing", "False",
						      "ProgressDeadlineExceeded", msg, false);
				} else {
					requeue = left;
				}
			}
		}
	}
	if (requeue > 0)
		cube_controller_enqueue_after(s->c->ctl, s->key, (int64_t)(requeue * 1000) + 1000);
	if (cJSON_Compare(st, old, true))
		return 0;
	cJSON_ReplaceItemInObjectCaseSensitive(s->d, "status", CUBE_STEAL(st));
	cJSON *res = cube_kclient_update(s->c->m->client, &CUBE_GVR_DEPLOYMENTS,
					 cube_obj_namespace(s->d), s->d, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(s->d);
	s->d = res;
	return 0;
}

/* ---- history -------------------------------------------------------------------------------- */

static int by_revision(const void *a, const void *b)
{
	const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
	int64_t rx = revision_of(x), ry = revision_of(y);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return by_creation(a, b);
}

static int cleanup(dsync *s, cube_err *err)
{
	int64_t limit = cube_json_int(s->d, "spec.revisionHistoryLimit", 10);
	cJSON **clean = calloc(s->n ? s->n : 1, sizeof(*clean));
	if (!clean)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		const cJSON *rs = s->rs[i];
		if ((long)i == s->new_rs || cube_json_str(rs, "metadata.deletionTimestamp"))
			continue;
		if (cube_json_int(rs, "spec.replicas", 1) == 0 &&
		    cube_json_int(rs, "status.replicas", 0) == 0 &&
		    cube_json_int(rs, "status.observedGeneration", 0) >=
			    cube_json_int(rs, "metadata.generation", 0))
			clean[k++] = s->rs[i];
	}
	int rc = 0;
	if ((int64_t)k > limit) {
		qsort(clean, k, sizeof(*clean), by_revision);
		for (size_t i = 0; i < k - (size_t)limit; i++) {
			cube_autojson cJSON *opts = cJSON_CreateObject();
			cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
			cJSON_AddStringToObject(pre, "uid", cube_obj_uid(clean[i]));
			cube_err e = CUBE_ERR_INIT;
			if (cube_kclient_delete(s->c->m->client, &CUBE_GVR_REPLICASETS,
						cube_obj_namespace(clean[i]),
						cube_obj_name(clean[i]), opts, &e) < 0 &&
			    e.code != CUBE_ENOTFOUND) {
				*err = e;
				rc = -1;
			}
		}
	}
	free(clean);
	return rc;
}

/* ---- strategies
 * ---------------------------------------------------------------------------------- */

/* Old ReplicaSets in creation order as rollout_rs, with their indexes. */
static int olds(dsync *s, rollout_rs *out, size_t *idx)
{
	int k = 0;
	for (size_t i = 0; i < s->n; i++) {
		if ((long)i == s->new_rs)
			continue;
		out[k] = (rollout_rs){i32(s->rs[i], "spec.replicas", 1),
				      i32(s->rs[i], "status.availableReplicas", 0)};
		idx[k++] = i;
	}
	return k;
}

static int apply_olds(dsync *s, const rollout_rs *o, const size_t *idx, int k, bool *scaled,
		      cube_err *err)
{
	for (int j = 0; j < k; j++)
		if (o[j].replicas != i32(s->rs[idx[j]], "spec.replicas", 1) &&
		    scale_rs(s, idx[j], o[j].replicas, scaled, err) < 0)
			return -1;
	return 0;
}

static int rolling(dsync *s, bool *scaled, cube_err *err)
{
	if (new_rs_and_revision(s, true, err) < 0)
		return -1;
	/* Scale the new ReplicaSet up (or down to spec.replicas). */
	int32_t cur = i32(s->rs[s->new_rs], "spec.replicas", 1);
	int32_t to = cur > s->replicas
			     ? s->replicas
			     : rollout_new_rs_replicas(s->replicas, s->surge, all_replicas(s), cur);
	if (scale_rs(s, (size_t)s->new_rs, to, scaled, err) < 0)
		return -1;
	if (*scaled)
		return 0;
	/* Then the old ones down, unhealthy pods first. */
	rollout_rs *o = calloc(s->n, sizeof(*o));
	size_t *idx = calloc(s->n, sizeof(*idx));
	if (!o || !idx) {
		free(o);
		free(idx);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	int k = olds(s, o, idx);
	const cJSON *nrs = s->rs[s->new_rs];
	int32_t maxdown = rollout_max_scaled_down(all_replicas(s), s->replicas, s->unavailable,
						  i32(nrs, "spec.replicas", 1),
						  i32(nrs, "status.availableReplicas", 0));
	int rc = 0;
	if (maxdown > 0) {
		int32_t cleaned = rollout_cleanup_unhealthy(o, k, maxdown);
		(void)cleaned;
		int32_t avail = i32(nrs, "status.availableReplicas", 0);
		for (int j = 0; j < k; j++)
			avail += o[j].available < o[j].replicas ? o[j].available : o[j].replicas;
		rollout_scale_down_old(o, k, avail, s->replicas, s->unavailable);
		rc = apply_olds(s, o, idx, k, scaled, err);
	}
	free(o);
	free(idx);
	return rc;
}

/* Pods of old ReplicaSets that still run (Recreate waits for them). */
static bool old_pods_running(dsync *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if ((long)i == s->new_rs)
			continue;
		cube_robj **pods;
		size_t n =
			cube_informer_by_index(s->c->pods, "owner", cube_obj_uid(s->rs[i]), &pods);
		bool running = false;
		for (size_t j = 0; j < n && !running; j++) {
			const char *ph = cube_json_str(pods[j]->json, "status.phase");
			running = !ph || (strcmp(ph, "Succeeded") && strcmp(ph, "Failed"));
		}
		cube_robj_list_free(pods, n);
		if (running)
			return true;
	}
	return false;
}

static int recreate(dsync *s, bool *scaled, cube_err *err)
{
	if (new_rs_and_revision(s, false, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if ((long)i != s->new_rs && i32(s->rs[i], "spec.replicas", 1) > 0 &&
		    scale_rs(s, i, 0, scaled, err) < 0)
			return -1;
	if (*scaled || old_pods_running(s))
		return 0;
	if (s->new_rs < 0 && new_rs_and_revision(s, true, err) < 0)
		return -1;
	return scale_rs(s, (size_t)s->new_rs, s->replicas, scaled, err);
}

/* Paused, or spec.replicas changed: resize without rolling. */
static bool scaling_event(dsync *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (i32(s->rs[i], "spec.replicas", 1) == 0)
			continue;
		const char *want = cube_obj_annotation(s->rs[i], ANN_DESIRED);
		if (want && strtol(want, NULL, 10) != s->replicas)
			return true;
	}
	return false;
}

static int scale(dsync *s, cube_err *err)
{
	bool scaled = false;
	size_t active = 0, last = 0;
	for (size_t i = 0; i < s->n; i++)
		if (i32(s->rs[i], "spec.replicas", 1) > 0) {
			active++;
			last = i;
		}
	if (active <= 1) {
		/* One active (or the newest when none): it takes everything. */
		size_t i = active ? last : (s->new_rs >= 0 ? (size_t)s->new_rs : s->n - 1);
		if (!s->n)
			return 0;
		return scale_rs(s, i, s->replicas, &scaled, err);
	}
	if (s->new_rs >= 0) {
		const cJSON *nrs = s->rs[s->new_rs];
		const char *want = cube_obj_annotation(nrs, ANN_DESIRED);
		if (i32(nrs, "spec.replicas", 1) == s->replicas && want &&
		    strtol(want, NULL, 10) == s->replicas &&
		    i32(nrs, "status.availableReplicas", 0) == s->replicas) {
			for (size_t i = 0; i < s->n; i++)
				if ((long)i != s->new_rs && scale_rs(s, i, 0, &scaled, err) < 0)
					return -1;
			return 0;
		}
	}
	const char *strategy = cube_json_str(s->d, "spec.strategy.type");
	if (strategy && !strcmp(strategy, "Recreate"))
		return 0;
	int32_t allowed = s->replicas > 0 ? s->replicas + s->surge : 0;
	int32_t total = all_replicas(s);
	int32_t to_add = allowed - total;
	int32_t *sizes = calloc(s->n, sizeof(*sizes)), *maxr = calloc(s->n, sizeof(*maxr));
	int *order = calloc(s->n, sizeof(*order));
	if (!sizes || !maxr || !order) {
		free(sizes);
		free(maxr);
		free(order);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	int32_t current = i32(s->d, "status.replicas", total);
	for (size_t i = 0; i < s->n; i++) {
		sizes[i] = i32(s->rs[i], "spec.replicas", 1);
		const char *m = cube_obj_annotation(s->rs[i], ANN_MAX);
		maxr[i] = m ? (int32_t)strtol(m, NULL, 10) : 0;
		order[i] = (int)i;
	}
	/* Largest first; ties: newer first up, older first down (s->rs is oldest first). */
	for (size_t i = 1; i < s->n; i++)
		for (size_t j = i; j > 0; j--) {
			int a = order[j - 1], b = order[j];
			bool swap = sizes[b] > sizes[a] ||
				    (sizes[b] == sizes[a] && to_add > 0 && b > a);
			if (!swap)
				break;
			order[j - 1] = b;
			order[j] = a;
		}
	rollout_proportional(sizes, maxr, order, (int)s->n, to_add, allowed, current);
	int rc = 0;
	for (size_t i = 0; i < s->n && rc == 0; i++)
		rc = scale_rs(s, i, sizes[i], &scaled, err);
	free(sizes);
	free(maxr);
	free(order);
	return rc;
}

/* Paused deployments say so in Progressing (Unknown). */
static void paused_condition(dsync *s)
{
	if (progress_deadline(s->d) < 0)
		return;
	cJSON *st = cube_json_ensure_obj(s->d, "status");
	const cJSON *cur = get_condition(st, "Progressing");
	const char *reason = cur ? cube_json_str(cur, "reason") : NULL;
	bool paused = cJSON_IsTrue(cube_json_path(s->d, "spec.paused"));
	if (paused && !(reason && !strcmp(reason, "DeploymentPaused")))
		set_condition(st, "Progressing", "Unknown", "DeploymentPaused",
			      "Deployment is paused", false);
	else if (!paused && reason && !strcmp(reason, "DeploymentPaused"))
		set_condition(st, "Progressing", "Unknown", "DeploymentResumed",
			      "Deployment is resumed", false);
}

/* ---- sync
 * ----------------------------------------------------------------------------------------- */

static bool rs_not_deleting(const cJSON *o)
{
	(void)o;
	return true;
}

static int sync_deploy(void *ud, const char *key, cube_err *err)
{
	dp_ctl *c = ud;
	cube_robj *obj = cube_informer_get(c->deploys, key);
	if (!obj)
		return 0;
	dsync s = {.c = c, .key = key, .new_rs = -1};
	int rc = 0;
	cube_robj **all = NULL, **mine = NULL;
	size_t n_all = 0;
	long n_mine = 0;
	cube_labelsel *sel = NULL;
	if (!(s.d = cube_obj_copy(obj->json))) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	s.replicas = i32(s.d, "spec.replicas", 1);
	const char *strategy = cube_json_str(s.d, "spec.strategy.type");
	bool is_recreate = strategy && !strcmp(strategy, "Recreate");
	cube_err fe = CUBE_ERR_INIT;
	if (is_recreate) {
		s.surge = 0;
		s.unavailable = s.replicas;
	} else if (rollout_fenceposts(cube_json_path(s.d, "spec.strategy.rollingUpdate"),
				      s.replicas, &s.surge, &s.unavailable, &fe) < 0) {
		cube_event(c->rec, s.d, "Warning", "InvalidStrategy",
			   "spec.strategy.rollingUpdate.%s", fe.msg);
		goto out;
	}
	sel = cube_labelsel_from_json(cube_json_path(s.d, "spec.selector"), NULL);
	if (!sel || cube_labelsel_is_everything(sel)) {
		cube_event(c->rec, s.d, "Warning", "SelectingAll",
			   "This deployment is selecting all pods. A non-empty selector is "
			   "required.");
		goto out;
	}
	n_all = cm_list_namespace(c->rss, cube_obj_namespace(s.d), &all);
	cm_claim_spec cs = {.m = c->m,
			    .gvr = &CUBE_GVR_REPLICASETS,
			    .owner = s.d,
			    .owner_api_version = "apps/v1",
			    .owner_kind = "Deployment",
			    .selector = sel,
			    .extra = rs_not_deleting};
	if ((n_mine = cm_claim(&cs, all, n_all, &mine, err)) < 0) {
		n_mine = 0;
		rc = -1;
		goto out;
	}
	s.rs = calloc((size_t)n_mine + 1, sizeof(*s.rs));
	if (!s.rs) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	for (long i = 0; i < n_mine; i++)
		if ((s.rs[s.n] = cube_obj_copy(mine[i]->json)))
			s.n++;
	qsort(s.rs, s.n, sizeof(*s.rs), by_creation);
	find_new_rs(&s);
	if (cube_json_str(s.d, "metadata.deletionTimestamp")) {
		rc = sync_status(&s, false, err);
		goto out;
	}
	paused_condition(&s);
	bool paused = cJSON_IsTrue(cube_json_path(s.d, "spec.paused"));
	if (paused || scaling_event(&s)) {
		if (new_rs_and_revision(&s, false, err) < 0 || scale(&s, err) < 0 ||
		    (paused && cleanup(&s, err) < 0) || sync_status(&s, false, err) < 0)
			rc = -1;
		goto out;
	}
	bool scaled = false;
	rc = is_recreate ? recreate(&s, &scaled, err) : rolling(&s, &scaled, err);
	if (rc == 0 && !scaled) {
		cube_autojson cJSON *st = calculate_status(&s);
		if (st && complete(&s, st))
			rc = cleanup(&s, err);
	}
	if (rc == 0)
		rc = sync_status(&s, true, err);
out:
	if (rc < 0 && err->code == CUBE_ENOTFOUND)
		rc = 0; /* deleted meanwhile */
	for (size_t i = 0; i < s.n; i++)
		cJSON_Delete(s.rs[i]);
	free(s.rs);
	cJSON_Delete(s.d);
	cube_labelsel_free(sel);
	cube_robj_list_free(mine, (size_t)n_mine);
	cube_robj_list_free(all, n_all);
	cube_robj_unref(obj);
	return rc;
}

/* A pod of a Recreate rollout went away: the Deployment may go on. */
static void pod_gone(void *ud, cube_robj *pod)
{
	dp_ctl *c = ud;
	char rskey[CUBE_OBJ_KEY_MAX], dkey[CUBE_OBJ_KEY_MAX];
	if (!cm_controller_key(pod->json, "ReplicaSet", rskey, sizeof(rskey)))
		return;
	cube_robj *rs = cube_informer_get(c->rss, rskey);
	if (rs && cm_controller_key(rs->json, "Deployment", dkey, sizeof(dkey)))
		cube_controller_enqueue(c->ctl, dkey);
	cube_robj_unref(rs);
}

static void pod_changed(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	const char *ph = cube_json_str(cur->json, "status.phase");
	if (ph && (!strcmp(ph, "Succeeded") || !strcmp(ph, "Failed")))
		pod_gone(ud, cur);
}

int deployment_init(cm *m, cube_err *err)
{
	dp_ctl *c = calloc(1, sizeof(*c));
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	c->m = m;
	cube_controller_config cc = {
		.name = "deployment", .workers = m->cfg.workers, .sync = sync_deploy, .ud = c};
	if (!(c->ctl = cube_controller_new(&cc, err))) {
		free(c);
		return -1;
	}
	if (cm_add(m, c->ctl, c, free, err) < 0)
		return -1;
	if (!(c->rec = cm_recorder(m, "deployment-controller", err)))
		return -1;
	if (!(c->deploys = cube_informer_factory_get(m->factory, &CUBE_GVR_DEPLOYMENTS, NULL, NULL,
						     NULL, err)) ||
	    !(c->rss = cube_informer_factory_get(m->factory, &CUBE_GVR_REPLICASETS, NULL, NULL,
						 NULL, err)) ||
	    !(c->pods =
		      cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL, err)))
		return -1;
	c->oe = (cm_owner_enqueuer){.ctl = c->ctl, .kind = "Deployment", .owners = c->deploys};
	cube_informer_handlers dh = cube_controller_handlers(c->ctl);
	cube_informer_handlers rh = cm_owner_handlers(&c->oe);
	cube_informer_handlers ph = {.on_update = pod_changed, .on_delete = pod_gone, .ud = c};
	if (cube_informer_add_index(c->rss, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(c->deploys, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(c->pods, "owner", cube_index_owner_uid, err) < 0 ||
	    cube_informer_add_handlers(c->deploys, &dh, err) < 0 ||
	    cube_informer_add_handlers(c->rss, &rh, err) < 0 ||
	    cube_informer_add_handlers(c->pods, &ph, err) < 0)
		return -1;
	return 0;
}
