/* daemonset.c - the DaemonSet controller: one daemon pod on every node that
 * the pod template's nodeSelector and required node affinity select and
 * whose taints the pod tolerates, as Kubernetes' DaemonSetsController.
 *
 * As Kubernetes since 1.12, the controller does not bind: each pod it makes
 * carries a required node affinity whose only term is matchFields
 * metadata.name In [<node>], and the scheduler places it there (its
 * NodeAffinity filter knows matchFields).  Pods carry the daemon tolerations
 * Kubernetes adds (not-ready, unreachable: NoExecute; disk-, memory-,
 * pid-pressure, unschedulable: NoSchedule).
 *
 * sync(key): claim the namespace's pods; map them to nodes (spec.nodeName,
 * or the node of their affinity when not yet scheduled); if the
 * expectations are met, manage: create a pod on each node that should run
 * one and has none, delete pods on nodes that should not keep theirs,
 * failed and succeeded pods, extra pods (the oldest stays), unscheduled
 * pods for nodes that are gone; then, still with no writes in flight, the
 * rolling update (updateStrategy RollingUpdate; OnDelete leaves old pods
 * alone): with maxSurge 0, delete old pods while fewer than maxUnavailable
 * nodes are unavailable (an unavailable old pod goes at once); with
 * maxSurge, create the new pod beside the old one and delete the old one
 * once the new one is available.  Status last, every time.
 *
 * Differences from Kubernetes: no ControllerRevision objects exist in cube,
 * so the revision is the label controller-revision-hash =
 * cm_template_hash(template, collisionCount) and no history is kept
 * (revisionHistoryLimit is ignored); pod-template-generation comes from the
 * deprecated.daemonset.template.generation annotation when the API server
 * sets it, else metadata.generation; failed pods are deleted without
 * Kubernetes' per-node back-off. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "nodeaffinity.h"
#include "obj.h"
#include "rollout.h"
#include "util.h"
#include "workloads.h"

#define BURST 250 /* Kubernetes' BurstReplicas for DaemonSets */

/* ---- pure parts (workloads.h) ------------------------------------------------------------- */

static const char *const daemon_tolerations[][2] = {
	{"node.kubernetes.io/not-ready", "NoExecute"},
	{"node.kubernetes.io/unreachable", "NoExecute"},
	{"node.kubernetes.io/disk-pressure", "NoSchedule"},
	{"node.kubernetes.io/memory-pressure", "NoSchedule"},
	{"node.kubernetes.io/pid-pressure", "NoSchedule"},
	{"node.kubernetes.io/unschedulable", "NoSchedule"},
};

static bool has_exists_toleration(const cJSON *tols, const char *key, const char *effect)
{
	const cJSON *t;
	cJSON_ArrayForEach (t, tols) {
		const char *k = cube_json_str(t, "key"), *e = cube_json_str(t, "effect");
		const char *op = cube_json_str(t, "operator");
		if (k && e && op && !strcmp(k, key) && !strcmp(e, effect) && !strcmp(op, "Exists"))
			return true;
	}
	return false;
}

static int add_toleration(cJSON *tols, const char *key, const char *effect)
{
	if (has_exists_toleration(tols, key, effect))
		return 0;
	cJSON *t = cJSON_CreateObject();
	if (!t || !cJSON_AddStringToObject(t, "key", key) ||
	    !cJSON_AddStringToObject(t, "operator", "Exists") ||
	    !cJSON_AddStringToObject(t, "effect", effect) || !cJSON_AddItemToArray(tols, t)) {
		cJSON_Delete(t);
		return -1;
	}
	return 0;
}

int ds_add_tolerations(cJSON *spec)
{
	cJSON *tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	if (!cJSON_IsArray(tols)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "tolerations");
		if (!(tols = cJSON_AddArrayToObject(spec, "tolerations")))
			return -1;
	}
	for (size_t i = 0; i < sizeof(daemon_tolerations) / sizeof(daemon_tolerations[0]); i++)
		if (add_toleration(tols, daemon_tolerations[i][0], daemon_tolerations[i][1]) < 0)
			return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "hostNetwork")) &&
	    add_toleration(tols, "node.kubernetes.io/network-unavailable", "NoSchedule") < 0)
		return -1;
	return 0;
}

int64_t ds_template_generation(const cJSON *ds)
{
	const char *a = cube_obj_annotation(ds, DS_GENERATION_ANNOTATION);
	if (a && a[0]) {
		char *end;
		long long g = strtoll(a, &end, 10);
		if (!*end && g >= 0)
			return g;
	}
	return cube_json_int(ds, "metadata.generation", 0);
}

/* ReplaceDaemonSetPodNodeNameNodeAffinity: the node's name becomes the only
 * required term (the node was already checked against the others). */
static int set_node_affinity(cJSON *spec, const char *node)
{
	cJSON *req = cube_json_ensure_obj(
		cube_json_ensure_obj(cube_json_ensure_obj(spec, "affinity"), "nodeAffinity"),
		"requiredDuringSchedulingIgnoredDuringExecution");
	if (!req)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(req, "nodeSelectorTerms");
	cJSON *terms = cJSON_AddArrayToObject(req, "nodeSelectorTerms");
	cJSON *term = cJSON_CreateObject();
	cJSON_AddItemToArray(terms, term);
	cJSON *fields = cJSON_AddArrayToObject(term, "matchFields");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToArray(fields, r);
	cJSON_AddStringToObject(r, "key", "metadata.name");
	cJSON_AddStringToObject(r, "operator", "In");
	cJSON *vals = cJSON_AddArrayToObject(r, "values");
	cJSON *v = cJSON_CreateString(node);
	if (!v || !cJSON_AddItemToArray(vals, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

cJSON *ds_new_pod(const cJSON *ds, const char *node, const char *hash, int64_t generation)
{
	cube_autojson cJSON *pod = cm_from_template(cube_json_path(ds, "spec.template"), "v1",
						    "Pod", ds, "apps/v1", "DaemonSet", NULL);
	if (!pod)
		return NULL;
	cJSON *labels = cube_json_ensure_obj(cube_json_ensure_obj(pod, "metadata"), "labels");
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	char gen[32];
	snprintf(gen, sizeof(gen), "%lld", (long long)generation);
	if (!labels ||
	    (hash && hash[0] && cube_json_set_str(labels, DS_REVISION_LABEL, hash) < 0) ||
	    cube_json_set_str(labels, DS_GENERATION_LABEL, gen) < 0 ||
	    ds_add_tolerations(spec) < 0 || (node && set_node_affinity(spec, node) < 0))
		return NULL;
	return CUBE_STEAL(pod);
}

const char *ds_pod_target_node(const cJSON *pod)
{
	const char *n = cube_json_str(pod, "spec.nodeName");
	if (n && n[0])
		return n;
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(pod, "spec.affinity.nodeAffinity."
						   "requiredDuringSchedulingIgnoredDuringExecution."
						   "nodeSelectorTerms")) {
		const cJSON *r;
		cJSON_ArrayForEach (r, cube_json_path(t, "matchFields")) {
			const char *k = cube_json_str(r, "key"), *op = cube_json_str(r, "operator");
			const cJSON *vals = cube_json_path(r, "values");
			if (!k || !op || strcmp(k, "metadata.name") || strcmp(op, "In"))
				continue;
			if (cJSON_GetArraySize(vals) != 1 || !cJSON_IsString(vals->child))
				return NULL;
			return vals->child->valuestring;
		}
	}
	return NULL;
}

bool ds_pod_updated(const cJSON *pod, const char *hash, int64_t generation)
{
	const char *h = cube_obj_label(pod, DS_REVISION_LABEL);
	if (hash && hash[0] && h && !strcmp(h, hash))
		return true;
	const char *g = cube_obj_label(pod, DS_GENERATION_LABEL);
	char want[32];
	snprintf(want, sizeof(want), "%lld", (long long)generation);
	return generation > 0 && g && !strcmp(g, want);
}

static bool schedule_or_execute(const char *effect)
{
	return !strcmp(effect, "NoSchedule") || !strcmp(effect, "NoExecute");
}

static bool execute(const char *effect)
{
	return !strcmp(effect, "NoExecute");
}

void ds_node_should_run(const cJSON *ds, const cJSON *node, bool *should_run, bool *should_continue)
{
	*should_run = *should_continue = false;
	const char *want = cube_json_str(ds, "spec.template.spec.nodeName");
	const char *name = cube_obj_name(node);
	if (want && want[0] && (!name || strcmp(want, name)))
		return;
	cube_autojson cJSON *pod = ds_new_pod(ds, NULL, "", 0);
	char err[160];
	if (!pod || cube_nodeaff_required(pod, node, err, sizeof(err)) != 1)
		return;
	if (cube_untolerated_taint(pod, node, schedule_or_execute)) {
		*should_continue = !cube_untolerated_taint(pod, node, execute);
		return;
	}
	*should_run = *should_continue = true;
}

/* ---- the controller -------------------------------------------------------------------------- */

typedef struct ds_ctl {
	cm *m;
	cube_informer *dss, *pods, *nodes;
	cube_controller *ctl;
	cm_expectations *exp;
	cm_owner_enqueuer oe;
	cube_recorder *rec;
} ds_ctl;

/* One node's view in a sync. */
typedef struct ds_node {
	const cJSON *node;
	const char *name;
	bool run, cont;
	cube_robj **pods; /* borrowed from the claimed list */
	size_t n, cap;
} ds_node;

/* A list of borrowed pointers. */
typedef struct ptrs {
	const void **v;
	size_t n, cap;
} ptrs;

static int ptrs_add(ptrs *l, const void *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		const void **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return 0;
}

/* A sync's state. */
typedef struct ds_sync {
	ds_ctl *d;
	const char *key;
	const cJSON *ds;
	char hash[32];
	int64_t gen;
	ds_node *nodes;
	size_t n_nodes;
	ptrs orphans; /* cube_robj *: pods for nodes that do not exist */
	int32_t desired;
	double now;
	int64_t min_ready;
} ds_sync;

static bool deleting(const cJSON *o)
{
	return cube_json_str(o, "metadata.deletionTimestamp") != NULL;
}

static bool phase_is(const cJSON *pod, const char *phase)
{
	const char *p = cube_json_str(pod, "status.phase");
	return p && !strcmp(p, phase);
}

static double created_at(const cJSON *o)
{
	double t = 0;
	cube_time_parse(cube_json_str(o, "metadata.creationTimestamp"), &t);
	return t;
}

/* podByCreationTimestampAndPhase: scheduled first, then oldest, then name. */
static int cmp_by_creation(const void *a, const void *b)
{
	const cJSON *x = (*(cube_robj *const *)a)->json, *y = (*(cube_robj *const *)b)->json;
	const char *nx = cube_json_str(x, "spec.nodeName"), *ny = cube_json_str(y, "spec.nodeName");
	bool sx = nx && nx[0], sy = ny && ny[0];
	if (sx != sy)
		return sx ? -1 : 1;
	double tx = created_at(x), ty = created_at(y);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(cube_obj_name(x), cube_obj_name(y));
}

static int cmp_node_name(const void *key, const void *elem)
{
	return strcmp(key, ((const ds_node *)elem)->name);
}

static bool available(const ds_sync *s, const cJSON *pod)
{
	return cm_pod_available(pod, s->min_ready, s->now);
}

static bool surging(const ds_sync *s, int32_t *surge, int32_t *unavailable, cube_err *err)
{
	const cJSON *ru = cube_json_path(s->ds, "spec.updateStrategy.rollingUpdate");
	const char *type = cube_json_str(s->ds, "spec.updateStrategy.type");
	*surge = 0;
	*unavailable = 1;
	if (type && strcmp(type, "RollingUpdate"))
		return false;
	const cJSON *ms = cube_json_path(ru, "maxSurge"),
		    *mu = cube_json_path(ru, "maxUnavailable");
	if (ms && rollout_scaled(ms, "0%", s->desired, true, surge, err) < 0) {
		cube_err_prefix(err, "spec.updateStrategy.rollingUpdate.maxSurge");
		return false;
	}
	if (mu && rollout_scaled(mu, "0%", s->desired, true, unavailable, err) < 0) {
		cube_err_prefix(err, "spec.updateStrategy.rollingUpdate.maxUnavailable");
		return false;
	}
	if (*surge == 0 && *unavailable == 0)
		*unavailable = 1; /* Kubernetes' unavailableCount: never 0 and 0 */
	return *surge > 0;
}

/* syncNodes: deletes, then creates (each at most BURST), with expectations
 * set first. */
static int sync_nodes(ds_sync *s, const ptrs *del, const ptrs *create, cube_err *err)
{
	ds_ctl *d = s->d;
	long ndel = del->n > BURST ? BURST : (long)del->n;
	long ncreate = create->n > BURST ? BURST : (long)create->n;
	if (!ndel && !ncreate)
		return 0;
	cm_expect(d->exp, s->key, (int)ncreate, (int)ndel);
	int rc = 0;
	for (long i = 0; i < ndel; i++) {
		cube_err e = CUBE_ERR_INIT;
		int r = cm_delete_pod(d->m, d->rec, s->ds, ((const cube_robj *)del->v[i])->json,
				      &e);
		if (r != 0)
			cm_expect_observed(d->exp, s->key, 0, 1);
		if (r < 0) {
			*err = e;
			rc = -1;
		}
	}
	/* Slow start: batches of 1, 2, 4, ... stop at the first failure. */
	long done = 0;
	for (long batch = 1; done < ncreate; batch *= 2) {
		long todo = batch < ncreate - done ? batch : ncreate - done;
		for (long i = 0; i < todo; i++, done++) {
			const char *node = create->v[done];
			cube_err e = CUBE_ERR_INIT;
			cube_autojson cJSON *pod = ds_new_pod(s->ds, node, s->hash, s->gen);
			cJSON *made = pod ? cm_create_pod(d->m, d->rec, s->ds, pod, &e) : NULL;
			if (!made) {
				if (!pod)
					cube_err_set(&e, CUBE_ENOMEM, "out of memory");
				/* Neither this nor the skipped creates will be observed. */
				cm_expect_observed(d->exp, s->key, (int)(ncreate - done), 0);
				*err = e;
				return -1;
			}
			cJSON_Delete(made);
		}
	}
	return rc;
}

/* podsShouldBeOnNode for one node: what to create and delete there. */
static int node_plan(ds_sync *s, ds_node *n, bool surge, ptrs *del, ptrs *create)
{
	if (n->n == 0)
		return n->run ? ptrs_add(create, n->name) : 0;
	if (!n->cont) {
		for (size_t i = 0; i < n->n; i++)
			if (!deleting(n->pods[i]->json) && ptrs_add(del, n->pods[i]) < 0)
				return -1;
		return 0;
	}
	cube_autofree cube_robj **running = malloc(n->n * sizeof(*running));
	size_t nr = 0;
	if (!running)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const cJSON *p = n->pods[i]->json;
		if (deleting(p))
			continue;
		if (phase_is(p, "Failed")) {
			cube_event(s->d->rec, s->ds, "Warning", "FailedDaemonPod",
				   "Found failed daemon pod %s/%s on node %s, will try to kill it",
				   cube_obj_namespace(p), cube_obj_name(p), n->name);
			if (ptrs_add(del, n->pods[i]) < 0)
				return -1;
		} else if (phase_is(p, "Succeeded")) {
			if (ptrs_add(del, n->pods[i]) < 0)
				return -1;
		} else {
			running[nr++] = n->pods[i];
		}
	}
	/* A node left with no running pod gets one on the next sync, once the
	 * ones being deleted are gone. */
	qsort(running, nr, sizeof(running[0]), cmp_by_creation);
	if (!surge) {
		for (size_t i = 1; i < nr; i++)
			if (ptrs_add(del, running[i]) < 0)
				return -1;
		return 0;
	}
	/* With surge, two pods stay only while the oldest new one is not ready
	 * and the oldest old one is. */
	cube_robj *new_pod = NULL, *old_pod = NULL;
	for (size_t i = 0; i < nr; i++) {
		const char *h = cube_obj_label(running[i]->json, DS_REVISION_LABEL);
		bool is_new = h && !strcmp(h, s->hash);
		if (is_new && !new_pod)
			new_pod = running[i];
		else if (!is_new && !old_pod)
			old_pod = running[i];
		else if (ptrs_add(del, running[i]) < 0)
			return -1;
	}
	if (new_pod && old_pod && (!cm_pod_ready(old_pod->json) || cm_pod_ready(new_pod->json)))
		return ptrs_add(del, old_pod);
	return 0;
}

static int manage(ds_sync *s, bool surge, cube_err *err)
{
	ptrs del = {0}, create = {0};
	int rc = 0;
	for (size_t i = 0; i < s->n_nodes && rc == 0; i++)
		rc = node_plan(s, &s->nodes[i], surge, &del, &create);
	for (size_t i = 0; i < s->orphans.n && rc == 0; i++) {
		const cJSON *p = ((const cube_robj *)s->orphans.v[i])->json;
		const char *bound = cube_json_str(p, "spec.nodeName");
		/* Unscheduled pods for a node that is gone; bound ones are the pod
		 * garbage collector's. */
		if (!deleting(p) && !(bound && bound[0]))
			rc = ptrs_add(&del, s->orphans.v[i]);
	}
	if (rc < 0)
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
	else
		rc = sync_nodes(s, &del, &create, err);
	free(del.v);
	free(create.v);
	return rc;
}

/* findUpdatedPodsOnNode: false when the node has two new or two old pods. */
static bool updated_on_node(const ds_sync *s, const ds_node *n, const cJSON **new_pod,
			    const cJSON **old_pod)
{
	*new_pod = *old_pod = NULL;
	for (size_t i = 0; i < n->n; i++) {
		const cJSON *p = n->pods[i]->json;
		if (deleting(p))
			continue;
		const cJSON **slot = ds_pod_updated(p, s->hash, s->gen) ? new_pod : old_pod;
		if (*slot)
			return false;
		*slot = p;
	}
	return true;
}

static const cube_robj *robj_of(const ds_node *n, const cJSON *pod)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->pods[i]->json == pod)
			return n->pods[i];
	return NULL;
}

/* rollingUpdate without surge: old pods go while fewer than maxUnavailable
 * nodes are unavailable; unavailable old pods go at once. */
static int roll_no_surge(ds_sync *s, int32_t max_unavailable, cube_err *err)
{
	ptrs del = {0}, candidates = {0}, create = {0};
	int32_t unavailable = 0;
	int rc = 0;
	for (size_t i = 0; i < s->n_nodes && rc == 0; i++) {
		ds_node *n = &s->nodes[i];
		if (!n->n) {
			if (n->run)
				unavailable++; /* a pod still to come (updatedDesiredNodeCounts) */
			continue;
		}
		const cJSON *np, *op;
		if (!updated_on_node(s, n, &np, &op) || (!np && !op) || (np && op)) {
			unavailable++; /* manage sorts it out */
			continue;
		}
		if (np) {
			if (!available(s, np))
				unavailable++;
			continue;
		}
		if (!available(s, op))
			rc = ptrs_add(&del, robj_of(n, op));
		else if (unavailable < max_unavailable)
			rc = ptrs_add(&candidates, robj_of(n, op));
	}
	int32_t left = max_unavailable - unavailable;
	for (size_t i = 0; rc == 0 && left > 0 && i < candidates.n; i++, left--)
		rc = ptrs_add(&del, candidates.v[i]);
	if (rc < 0)
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
	else
		rc = sync_nodes(s, &del, &create, err);
	free(del.v);
	free(candidates.v);
	return rc;
}

/* rollingUpdate with surge: a new pod beside each old one (up to maxSurge
 * at a time; at once where the old one is unavailable), the old one
 * deleted when the new one is available. */
static int roll_surge(ds_sync *s, int32_t max_surge, cube_err *err)
{
	ptrs del = {0}, create = {0}, candidates = {0}, sunset = {0};
	int32_t surged = 0, avail = 0;
	int rc = 0;
	for (size_t i = 0; i < s->n_nodes && rc == 0; i++) {
		ds_node *n = &s->nodes[i];
		if (!n->n)
			continue;
		const cJSON *np, *op;
		if (!updated_on_node(s, n, &np, &op)) {
			surged++;
			continue;
		}
		if ((op && available(s, op)) || (!op && np && available(s, np)))
			avail++;
		if (!op)
			continue;
		if (!np) {
			if (!available(s, op)) {
				rc = n->run ? ptrs_add(&create, n->name)
					    : ptrs_add(&del, robj_of(n, op));
			} else if (surged < max_surge) {
				rc = n->run ? ptrs_add(&candidates, n->name)
					    : ptrs_add(&sunset, robj_of(n, op));
			}
			continue;
		}
		if (!available(s, np))
			surged++;
		else
			rc = ptrs_add(&del, robj_of(n, op));
	}
	/* Pods on nodes the set left go only while enough others are available. */
	for (int32_t i = 0; rc == 0 && i < avail - s->desired && (size_t)i < sunset.n; i++)
		rc = ptrs_add(&del, sunset.v[i]);
	int32_t left = max_surge - surged;
	for (size_t i = 0; rc == 0 && left > 0 && i < candidates.n; i++, left--)
		rc = ptrs_add(&create, candidates.v[i]);
	if (rc < 0)
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
	else
		rc = sync_nodes(s, &del, &create, err);
	free(del.v);
	free(create.v);
	free(candidates.v);
	free(sunset.v);
	return rc;
}

/* Writes status if it changed; *next: seconds until a ready pod becomes
 * available (0: none). */
static int update_status(ds_sync *s, double *next, cube_err *err)
{
	long desired = 0, current = 0, ready = 0, avail = 0, updated = 0, mis = 0;
	*next = 0;
	for (size_t i = 0; i < s->n_nodes; i++) {
		ds_node *n = &s->nodes[i];
		if (!n->run) {
			if (n->n)
				mis++;
			continue;
		}
		desired++;
		if (!n->n)
			continue;
		current++;
		qsort(n->pods, n->n, sizeof(n->pods[0]), cmp_by_creation);
		const cJSON *p = n->pods[0]->json;
		if (cm_pod_ready(p)) {
			ready++;
			double left = cm_pod_available_in(p, s->min_ready, s->now);
			if (left == 0)
				avail++;
			else if (left > 0 && (*next == 0 || left < *next))
				*next = left;
		}
		if (ds_pod_updated(p, s->hash, s->gen))
			updated++;
	}
	const cJSON *old = cube_json_path(s->ds, "status");
	cube_autojson cJSON *st = cJSON_CreateObject();
	cJSON_AddNumberToObject(st, "currentNumberScheduled", (double)current);
	cJSON_AddNumberToObject(st, "numberMisscheduled", (double)mis);
	cJSON_AddNumberToObject(st, "desiredNumberScheduled", (double)desired);
	cJSON_AddNumberToObject(st, "numberReady", (double)ready);
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)cube_json_int(s->ds, "metadata.generation", 0));
	if (updated)
		cJSON_AddNumberToObject(st, "updatedNumberScheduled", (double)updated);
	if (avail)
		cJSON_AddNumberToObject(st, "numberAvailable", (double)avail);
	if (desired - avail)
		cJSON_AddNumberToObject(st, "numberUnavailable", (double)(desired - avail));
	const cJSON *keep[] = {cube_json_path(old, "collisionCount"),
			       cube_json_path(old, "conditions")};
	for (size_t i = 0; i < 2; i++)
		if (keep[i])
			cJSON_AddItemToObject(st, keep[i]->string, cJSON_Duplicate(keep[i], true));
	if (cJSON_Compare(st, old, true))
		return 0;
	cube_autojson cJSON *next_ds = cube_obj_copy(s->ds);
	if (!next_ds || !st)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(next_ds, "status");
	cJSON_AddItemToObject(next_ds, "status", CUBE_STEAL(st));
	cJSON *res = cube_kclient_update(s->d->m->client, &CUBE_GVR_DAEMONSETS,
					 cube_obj_namespace(s->ds), next_ds, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

/* Maps the claimed pods onto the nodes (sorted by name, as the informer
 * lists them). */
static int map_pods(ds_sync *s, cube_robj **pods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *target = ds_pod_target_node(pods[i]->json);
		ds_node *nd = target ? bsearch(target, s->nodes, s->n_nodes, sizeof(*s->nodes),
					       cmp_node_name)
				     : NULL;
		if (!target) {
			cube_log_warn("DaemonSet %s: pod %s has no target node", s->key,
				      cube_obj_name(pods[i]->json));
			continue;
		}
		if (!nd) {
			if (ptrs_add(&s->orphans, pods[i]) < 0)
				return -1;
			continue;
		}
		if (nd->n == nd->cap) {
			size_t cap = nd->cap ? nd->cap * 2 : 2;
			cube_robj **v = realloc(nd->pods, cap * sizeof(*v));
			if (!v)
				return -1;
			nd->pods = v;
			nd->cap = cap;
		}
		nd->pods[nd->n++] = pods[i];
	}
	return 0;
}

static int sync_ds(void *ud, const char *key, cube_err *err)
{
	ds_ctl *d = ud;
	cube_robj *obj = cube_informer_get(d->dss, key);
	if (!obj) {
		cm_expectations_forget(d->exp, key);
		return 0;
	}
	const cJSON *ds = obj->json;
	int rc = 0;
	cube_robj **all = NULL, **pods = NULL, **nodes = NULL;
	size_t n_all = 0, n_nodes = 0;
	long n = 0;
	ds_sync s = {.d = d, .key = key, .ds = ds};
	cube_labelsel *sel = cube_labelsel_from_json(cube_json_path(ds, "spec.selector"), NULL);
	if (!sel) {
		cube_event(d->rec, ds, "Warning", "InvalidSelector",
			   "spec.selector: invalid label selector");
		goto out; /* broken object: nothing to do until it changes */
	}
	if (cube_labelsel_is_everything(sel)) {
		cube_event(d->rec, ds, "Warning", "SelectingAll",
			   "This daemon set is selecting all pods. A non-empty selector is "
			   "required.");
		goto out;
	}
	if (deleting(ds))
		goto out;
	cm_template_hash(cube_json_path(ds, "spec.template"),
			 cube_json_int(ds, "status.collisionCount", 0), s.hash, sizeof(s.hash));
	s.gen = ds_template_generation(ds);
	s.now = cm_now();
	s.min_ready = cube_json_int(ds, "spec.minReadySeconds", 0);
	bool satisfied = cm_expectations_satisfied(d->exp, key);
	n_nodes = cube_informer_list(d->nodes, &nodes);
	s.nodes = calloc(n_nodes ? n_nodes : 1, sizeof(*s.nodes));
	if (!s.nodes) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_nodes; i++) {
		ds_node *nd = &s.nodes[s.n_nodes];
		nd->node = nodes[i]->json;
		nd->name = cube_obj_name(nodes[i]->json);
		if (!nd->name)
			continue;
		ds_node_should_run(ds, nd->node, &nd->run, &nd->cont);
		if (nd->run)
			s.desired++;
		s.n_nodes++;
	}
	n_all = cm_list_namespace(d->pods, cube_obj_namespace(ds), &all);
	cm_claim_spec cs = {.m = d->m,
			    .gvr = &CUBE_GVR_PODS,
			    .owner = ds,
			    .owner_api_version = "apps/v1",
			    .owner_kind = "DaemonSet",
			    .selector = sel};
	if ((n = cm_claim(&cs, all, n_all, &pods, err)) < 0) {
		n = 0;
		rc = -1;
		goto out;
	}
	if (map_pods(&s, pods, (size_t)n) < 0) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	if (satisfied) {
		int32_t max_surge, max_unavailable;
		cube_err se = CUBE_ERR_INIT;
		bool surge = surging(&s, &max_surge, &max_unavailable, &se);
		/* A malformed strategy stops the rolling update, not the rest. */
		if (se.code != CUBE_OK)
			cube_event(d->rec, ds, "Warning", "InvalidUpdateStrategy", "%s", se.msg);
		rc = manage(&s, surge, err);
		const char *type = cube_json_str(ds, "spec.updateStrategy.type");
		bool rolling = !type || !strcmp(type, "RollingUpdate");
		if (rc == 0 && rolling && se.code == CUBE_OK &&
		    cm_expectations_satisfied(d->exp, key))
			rc = surge ? roll_surge(&s, max_surge, err)
				   : roll_no_surge(&s, max_unavailable, err);
	}
	double next = 0;
	cube_err se = CUBE_ERR_INIT;
	if (update_status(&s, &next, &se) < 0 && rc == 0) {
		*err = se;
		rc = -1;
	}
	if (next > 0)
		cube_controller_enqueue_after(d->ctl, key, (int64_t)(next * 1000) + 100);
out:
	for (size_t i = 0; s.nodes && i < s.n_nodes; i++)
		free(s.nodes[i].pods);
	free(s.nodes);
	free(s.orphans.v);
	cube_labelsel_free(sel);
	cube_robj_list_free(pods, (size_t)n);
	cube_robj_list_free(all, n_all);
	cube_robj_list_free(nodes, n_nodes);
	cube_robj_unref(obj);
	return rc;
}

/* ---- handlers and start --------------------------------------------------------------------- */

static void enqueue_all(ds_ctl *d)
{
	cube_robj **dss;
	size_t n = cube_informer_list(d->dss, &dss);
	for (size_t i = 0; i < n; i++)
		cube_controller_enqueue(d->ctl, dss[i]->key);
	cube_robj_list_free(dss, n);
}

static void node_add(void *ud, cube_robj *o)
{
	(void)o;
	enqueue_all(ud);
}

/* What decides where daemon pods go: labels, taints, unschedulable (not
 * the heartbeats in status). */
static void node_update(void *ud, cube_robj *old, cube_robj *cur)
{
	if (!cJSON_Compare(cube_obj_labels(old->json), cube_obj_labels(cur->json), true) ||
	    !cJSON_Compare(cube_json_path(old->json, "spec"), cube_json_path(cur->json, "spec"),
			   true))
		enqueue_all(ud);
}

static void node_delete(void *ud, cube_robj *last)
{
	(void)last;
	enqueue_all(ud);
}

static void ds_free(void *ud)
{
	ds_ctl *d = ud;
	cm_expectations_free(d->exp);
	free(d);
}

int daemonset_init(cm *m, cube_err *err)
{
	ds_ctl *d = calloc(1, sizeof(*d));
	if (!d || !(d->exp = cm_expectations_new())) {
		free(d);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	d->m = m;
	cube_controller_config cc = {
		.name = "daemonset", .workers = m->cfg.workers, .sync = sync_ds, .ud = d};
	if (!(d->ctl = cube_controller_new(&cc, err))) {
		ds_free(d);
		return -1;
	}
	if (cm_add(m, d->ctl, d, ds_free, err) < 0)
		return -1;
	if (!(d->rec = cm_recorder(m, "daemonset-controller", err)))
		return -1;
	d->dss = cube_informer_factory_get(m->factory, &CUBE_GVR_DAEMONSETS, NULL, NULL, NULL, err);
	d->pods = d->dss ? cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						     err)
			 : NULL;
	d->nodes = d->pods ? cube_informer_factory_get(m->factory, &CUBE_GVR_NODES, NULL, NULL,
						       NULL, err)
			   : NULL;
	if (!d->nodes)
		return -1;
	d->oe = (cm_owner_enqueuer){
		.ctl = d->ctl, .kind = "DaemonSet", .owners = d->dss, .observe = d->exp};
	cube_informer_handlers dh = cube_controller_handlers(d->ctl);
	cube_informer_handlers ph = cm_owner_handlers(&d->oe);
	cube_informer_handlers nh = {
		.on_add = node_add, .on_update = node_update, .on_delete = node_delete, .ud = d};
	if (cube_informer_add_index(d->pods, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(d->dss, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_handlers(d->dss, &dh, err) < 0 ||
	    cube_informer_add_handlers(d->pods, &ph, err) < 0 ||
	    cube_informer_add_handlers(d->nodes, &nh, err) < 0)
		return -1;
	return 0;
}
