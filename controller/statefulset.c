/* statefulset.c - the StatefulSet controller: pods with stable names
 * <set>-<ordinal>, created, scaled down and updated in order, as
 * Kubernetes' StatefulSetController (stateful_set_control.go).
 *
 * sync(key): claim the namespace's pods that are the set's members by name
 * (<set>-<n>) and match its selector; sort them into the slots
 * [start, start + replicas) and the condemned (ordinals beyond); if the
 * expectations are met and the set is not being deleted:
 * - slots in ordinal order: a Failed or Succeeded pod is deleted (and made
 *   again on a later sync, once gone); a missing pod is created.  With
 *   podManagementPolicy OrderedReady (the default) the walk stops at a pod
 *   it created, at a pod being deleted, and at one not yet Running, Ready
 *   and available (minReadySeconds): pod i comes only after 0..i-1 are up.
 *   Parallel does every slot at once.
 * - condemned pods from the highest ordinal: OrderedReady deletes one and
 *   waits until it is gone (and deletes nothing while a lower pod is
 *   unhealthy, the first unhealthy pod itself excepted); Parallel deletes
 *   them all.
 * - RollingUpdate: from the highest ordinal down to spec.updateStrategy.
 *   rollingUpdate.partition, delete the first pod not at the update
 *   revision and wait for its replacement to be Running and Ready before the
 *   next one; OnDelete replaces only pods someone else deleted.
 * Then status: replicas, readyReplicas, availableReplicas, currentReplicas,
 * updatedReplicas, currentRevision, updateRevision, observedGeneration,
 * collisionCount; the current revision becomes the update revision once
 * every pod is updated and ready.
 *
 * Revisions: cube has no ControllerRevision objects, so a revision is the
 * name Kubernetes would give one, "<set>-<hash>" (cm_template_hash of the
 * template with the collision count); pods carry it as
 * controller-revision-hash.  A pod that must be made at the current (old)
 * revision (ordinals below the partition) is made from a pod of that
 * revision still present, else at the update revision.  No history is kept
 * (revisionHistoryLimit is ignored).  volumeClaimTemplates are ignored:
 * cube has no PersistentVolumeClaims.  Pods adopted with the wrong identity
 * labels are not relabelled.  Events as Kubernetes' StatefulPodControl:
 * SuccessfulCreate "create Pod <pod> in StatefulSet <set> successful",
 * SuccessfulDelete "delete Pod ...", FailedCreate / FailedDelete
 * "... failed error: <why>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "log.h"
#include "obj.h"
#include "util.h"
#include "workloads.h"

/* ---- pure parts (workloads.h) --------------------------------------------------------------- */

bool sts_parse_ordinal(const char *pod_name, char *parent, size_t size, int64_t *ordinal)
{
	const char *dash = pod_name ? strrchr(pod_name, '-') : NULL;
	if (!dash || !dash[1])
		return false;
	int64_t v = 0;
	for (const char *p = dash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > INT32_MAX)
			return false; /* Kubernetes parses it as an int32 */
	}
	size_t n = (size_t)(dash - pod_name);
	if (n + 1 > size)
		return false;
	memcpy(parent, pod_name, n);
	parent[n] = '\0';
	*ordinal = v;
	return true;
}

int64_t sts_member_ordinal(const cJSON *sts, const cJSON *pod)
{
	char parent[256];
	int64_t ord;
	const char *set = cube_obj_name(sts);
	if (!set || !sts_parse_ordinal(cube_obj_name(pod), parent, sizeof(parent), &ord) ||
	    strcmp(parent, set))
		return -1;
	return ord;
}

void sts_revision(const cJSON *sts, const cJSON *tmpl, char *buf, size_t size)
{
	char hash[32];
	cm_template_hash(tmpl, cube_json_int(sts, "status.collisionCount", 0), hash, sizeof(hash));
	snprintf(buf, size, "%s-%s", cube_obj_name(sts) ? cube_obj_name(sts) : "", hash);
}

cJSON *sts_new_pod(const cJSON *sts, const cJSON *tmpl, int64_t ordinal, const char *revision)
{
	char name[320], idx[32];
	snprintf(name, sizeof(name), "%s-%lld", cube_obj_name(sts) ? cube_obj_name(sts) : "",
		 (long long)ordinal);
	snprintf(idx, sizeof(idx), "%lld", (long long)ordinal);
	cube_autojson cJSON *pod =
		cm_from_template(tmpl, "v1", "Pod", sts, "apps/v1", "StatefulSet", name);
	if (!pod)
		return NULL;
	cJSON *labels = cube_json_ensure_obj(cube_json_ensure_obj(pod, "metadata"), "labels");
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const char *svc = cube_json_str(sts, "spec.serviceName");
	if (!labels || cube_json_set_str(labels, STS_POD_NAME_LABEL, name) < 0 ||
	    cube_json_set_str(labels, STS_POD_INDEX_LABEL, idx) < 0 ||
	    cube_json_set_str(labels, "controller-revision-hash", revision) < 0 ||
	    cube_json_set_str(spec, "hostname", name) < 0 ||
	    (svc && svc[0] && cube_json_set_str(spec, "subdomain", svc) < 0))
		return NULL;
	return CUBE_STEAL(pod);
}

cJSON *sts_template_from_pod(const cJSON *pod)
{
	cube_autojson cJSON *t = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(t, "metadata");
	const cJSON *l = cube_obj_labels(pod), *a = cube_obj_annotations(pod);
	if (!md || (l && !cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(l, true))) ||
	    (a && !cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(a, true))))
		return NULL;
	cJSON *spec = cJSON_Duplicate(cube_json_path(pod, "spec"), true);
	if (!spec || !cJSON_AddItemToObject(t, "spec", spec))
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "nodeName");
	return CUBE_STEAL(t);
}

/* ---- the controller -----------------------------------------------------------------------------
 */

typedef struct sts_ctl {
	cm *m;
	cube_informer *sets, *pods;
	cube_controller *ctl;
	cm_expectations *exp;
	cm_owner_enqueuer oe;
	cube_recorder *rec;
} sts_ctl;

/* A sync's view of one set. */
typedef struct sts_sync {
	sts_ctl *c;
	const char *key;
	const cJSON *set;
	char update_rev[300], current_rev[300];
	cJSON *current_tmpl; /* owned; NULL: no pod of the current revision left */
	int64_t start, replicas, min_ready;
	const cJSON **slots; /* replicas slots, NULL where no pod */
	const cJSON **condemned;
	size_t n_condemned;
	bool monotonic;
	double now, next; /* next: seconds until a ready pod becomes available */
} sts_sync;

static bool terminating(const cJSON *p)
{
	return cube_json_str(p, "metadata.deletionTimestamp") != NULL;
}

static bool phase_is(const cJSON *p, const char *phase)
{
	const char *x = cube_json_str(p, "status.phase");
	return x && !strcmp(x, phase);
}

static bool running_and_ready(const cJSON *p)
{
	return phase_is(p, "Running") && cm_pod_ready(p);
}

/* isRunningAndAvailable; remembers when a ready pod will be available. */
static bool running_and_available(sts_sync *s, const cJSON *p)
{
	if (!running_and_ready(p))
		return false;
	double left = cm_pod_available_in(p, s->min_ready, s->now);
	if (left > 0 && (s->next == 0 || left < s->next))
		s->next = left;
	return left == 0;
}

static bool healthy(const cJSON *p)
{
	return p && running_and_ready(p) && !terminating(p);
}

static const char *revision_of(const cJSON *p)
{
	const char *r = cube_obj_label(p, "controller-revision-hash");
	return r ? r : "";
}

static int create_pod(sts_sync *s, int64_t ordinal, cube_err *err)
{
	const cJSON *set = s->set;
	const char *type = cube_json_str(set, "spec.updateStrategy.type");
	const cJSON *ru = cube_json_path(set, "spec.updateStrategy.rollingUpdate");
	bool rolling = !type || !strcmp(type, "RollingUpdate");
	/* newVersionedStatefulSetPod: below the partition (or, with no
	 * rollingUpdate, below currentReplicas) the pod is of the current
	 * revision. */
	int64_t bound = ru ? cube_json_int(ru, "partition", 0)
			   : cube_json_int(set, "status.currentReplicas", 0);
	const cJSON *tmpl = cube_json_path(set, "spec.template");
	const char *rev = s->update_rev;
	if (rolling && ordinal < bound && strcmp(s->current_rev, s->update_rev)) {
		if (s->current_tmpl) {
			tmpl = s->current_tmpl;
			rev = s->current_rev;
		} else {
			cube_log_info(
				"StatefulSet %s: no pod of revision %s left to copy; pod %lld "
				"is made at %s",
				s->key, s->current_rev, (long long)ordinal, s->update_rev);
		}
	}
	cube_autojson cJSON *pod = sts_new_pod(set, tmpl, ordinal, rev);
	if (!pod)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cm_expect(s->c->exp, s->key, 1, 0);
	cJSON *made = cube_kclient_create(s->c->m->client, &CUBE_GVR_PODS, cube_obj_namespace(set),
					  pod, err);
	if (!made) {
		cm_expect_observed(s->c->exp, s->key, 1, 0);
		cube_event(s->c->rec, set, "Warning", "FailedCreate",
			   "create Pod %s in StatefulSet %s failed error: %s", cube_obj_name(pod),
			   cube_obj_name(set), err->msg);
		return -1;
	}
	cJSON_Delete(made);
	cube_event(s->c->rec, set, "Normal", "SuccessfulCreate",
		   "create Pod %s in StatefulSet %s successful", cube_obj_name(pod),
		   cube_obj_name(set));
	return 0;
}

static int delete_pod(sts_sync *s, const cJSON *pod, cube_err *err)
{
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", cube_obj_uid(pod) ? cube_obj_uid(pod) : "");
	cm_expect(s->c->exp, s->key, 0, 1);
	if (cube_kclient_delete(s->c->m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
				cube_obj_name(pod), opts, err) < 0) {
		cm_expect_observed(s->c->exp, s->key, 0, 1);
		if (err->code == CUBE_ENOTFOUND)
			return 0;
		cube_event(s->c->rec, s->set, "Warning", "FailedDelete",
			   "delete Pod %s in StatefulSet %s failed error: %s", cube_obj_name(pod),
			   cube_obj_name(s->set), err->msg);
		return -1;
	}
	cube_event(s->c->rec, s->set, "Normal", "SuccessfulDelete",
		   "delete Pod %s in StatefulSet %s successful", cube_obj_name(pod),
		   cube_obj_name(s->set));
	return 0;
}

/* processReplica: true when an OrderedReady walk must stop here. */
static bool process_replica(sts_sync *s, int64_t i, int *rc, cube_err *err)
{
	const cJSON *p = s->slots[i];
	if (p && (phase_is(p, "Failed") || phase_is(p, "Succeeded"))) {
		if (!terminating(p) && delete_pod(s, p, err) < 0)
			*rc = -1;
		return true; /* made again once gone */
	}
	if (!p) {
		if (create_pod(s, s->start + i, err) < 0)
			*rc = -1;
		return s->monotonic || *rc < 0;
	}
	if (!s->monotonic)
		return false;
	return terminating(p) || !running_and_ready(p) || !running_and_available(s, p);
}

/* processCondemned: true when the scale down must stop here. */
static bool process_condemned(sts_sync *s, const cJSON *p, const cJSON *first_unhealthy, int *rc,
			      cube_err *err)
{
	if (terminating(p))
		return s->monotonic;
	if (s->monotonic && p != first_unhealthy &&
	    (!running_and_ready(p) || !running_and_available(s, p)))
		return true;
	if (delete_pod(s, p, err) < 0)
		*rc = -1;
	return s->monotonic || *rc < 0;
}

static int act(sts_sync *s, cube_err *err)
{
	int rc = 0;
	const cJSON *first_unhealthy = NULL;
	for (int64_t i = 0; i < s->replicas && !first_unhealthy; i++)
		if (s->slots[i] && !healthy(s->slots[i]))
			first_unhealthy = s->slots[i];
	for (size_t i = 0; i < s->n_condemned && !first_unhealthy; i++)
		if (!healthy(s->condemned[i]))
			first_unhealthy = s->condemned[i];
	for (int64_t i = 0; i < s->replicas; i++) {
		if (process_replica(s, i, &rc, err) && (s->monotonic || rc < 0))
			return rc;
	}
	for (size_t i = 0; i < s->n_condemned; i++)
		if (process_condemned(s, s->condemned[i], first_unhealthy, &rc, err))
			return rc;
	const char *type = cube_json_str(s->set, "spec.updateStrategy.type");
	if (type && !strcmp(type, "OnDelete"))
		return rc;
	/* Updates: the highest ordinal not at the update revision goes first;
	 * the next waits until its replacement is healthy. */
	int64_t partition = cube_json_int(s->set, "spec.updateStrategy.rollingUpdate.partition", 0);
	/* As Kubernetes, the partition bounds the slot index. */
	for (int64_t t = s->replicas - 1; t >= 0 && t >= partition; t--) {
		const cJSON *p = s->slots[t];
		if (!p)
			return rc; /* being made */
		if (strcmp(revision_of(p), s->update_rev) && !terminating(p))
			return delete_pod(s, p, err) < 0 ? -1 : rc;
		if (!healthy(p) || !running_and_available(s, p))
			return rc;
	}
	return rc;
}

static int update_status(sts_sync *s, cube_robj **pods, long n, cube_err *err)
{
	long replicas = 0, ready = 0, avail = 0, current = 0, updated = 0;
	for (long i = 0; i < n; i++) {
		const cJSON *p = pods[i]->json;
		replicas++;
		if (running_and_ready(p)) {
			ready++;
			if (running_and_available(s, p))
				avail++;
		}
		if (cube_json_str(p, "status.phase") && !terminating(p)) {
			if (!strcmp(revision_of(p), s->current_rev))
				current++;
			if (!strcmp(revision_of(p), s->update_rev))
				updated++;
		}
	}
	const char *cur_rev = s->current_rev;
	const char *type = cube_json_str(s->set, "spec.updateStrategy.type");
	if ((!type || !strcmp(type, "RollingUpdate")) && updated == replicas && ready == replicas) {
		current = updated; /* completeRollingUpdate */
		cur_rev = s->update_rev;
	}
	const cJSON *old = cube_json_path(s->set, "status");
	cube_autojson cJSON *st = cJSON_CreateObject();
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)cube_json_int(s->set, "metadata.generation", 0));
	cJSON_AddNumberToObject(st, "replicas", (double)replicas);
	if (ready)
		cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	if (current)
		cJSON_AddNumberToObject(st, "currentReplicas", (double)current);
	if (updated)
		cJSON_AddNumberToObject(st, "updatedReplicas", (double)updated);
	cJSON_AddStringToObject(st, "currentRevision", cur_rev);
	cJSON_AddStringToObject(st, "updateRevision", s->update_rev);
	cJSON_AddNumberToObject(st, "collisionCount",
				(double)cube_json_int(old, "collisionCount", 0));
	cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
	const cJSON *conds = cube_json_path(old, "conditions");
	if (conds)
		cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
	if (cJSON_Compare(st, old, true))
		return 0;
	cube_autojson cJSON *next = cube_obj_copy(s->set);
	if (!next || !st)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(next, "status");
	cJSON_AddItemToObject(next, "status", CUBE_STEAL(st));
	cJSON *res = cube_kclient_update(s->c->m->client, &CUBE_GVR_STATEFULSETS,
					 cube_obj_namespace(s->set), next, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

static int cmp_ordinal_desc(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	char px[256], py[256];
	int64_t ox = -1, oy = -1;
	sts_parse_ordinal(cube_obj_name(x), px, sizeof(px), &ox);
	sts_parse_ordinal(cube_obj_name(y), py, sizeof(py), &oy);
	return ox == oy ? 0 : ox > oy ? -1 : 1;
}

/* Sorts the claimed pods into slots and condemned; finds a template for
 * the current revision. */
static int arrange(sts_sync *s, cube_robj **pods, long n)
{
	s->slots = calloc((size_t)(s->replicas > 0 ? s->replicas : 1), sizeof(*s->slots));
	s->condemned = calloc((size_t)(n > 0 ? n : 1), sizeof(*s->condemned));
	if (!s->slots || !s->condemned)
		return -1;
	for (long i = 0; i < n; i++) {
		const cJSON *p = pods[i]->json;
		int64_t ord = sts_member_ordinal(s->set, p);
		if (ord >= s->start && ord < s->start + s->replicas)
			s->slots[ord - s->start] = p;
		else if (ord >= 0)
			s->condemned[s->n_condemned++] = p;
		if (!s->current_tmpl && strcmp(s->current_rev, s->update_rev) &&
		    !strcmp(revision_of(p), s->current_rev) &&
		    !(s->current_tmpl = sts_template_from_pod(p)))
			return -1;
	}
	qsort(s->condemned, s->n_condemned, sizeof(*s->condemned), cmp_ordinal_desc);
	return 0;
}

static int sync_sts(void *ud, const char *key, cube_err *err)
{
	sts_ctl *c = ud;
	cube_robj *obj = cube_informer_get(c->sets, key);
	if (!obj) {
		cm_expectations_forget(c->exp, key);
		return 0;
	}
	const cJSON *set = obj->json;
	int rc = 0;
	cube_robj **all = NULL, **members = NULL, **pods = NULL;
	size_t n_all = 0, n_members = 0;
	long n = 0;
	sts_sync s = {.c = c, .key = key, .set = set};
	cube_labelsel *sel = cube_labelsel_from_json(cube_json_path(set, "spec.selector"), NULL);
	if (!sel) {
		cube_event(c->rec, set, "Warning", "InvalidSelector",
			   "spec.selector: invalid label selector");
		goto out;
	}
	bool satisfied = cm_expectations_satisfied(c->exp, key);
	n_all = cm_list_namespace(c->pods, cube_obj_namespace(set), &all);
	/* Only pods named as the set's members are claimed (isMemberOf). */
	members = malloc((n_all ? n_all : 1) * sizeof(*members));
	if (!members) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_all; i++)
		if (sts_member_ordinal(set, all[i]->json) >= 0)
			members[n_members++] = all[i];
	cm_claim_spec cs = {.m = c->m,
			    .gvr = &CUBE_GVR_PODS,
			    .owner = set,
			    .owner_api_version = "apps/v1",
			    .owner_kind = "StatefulSet",
			    .selector = sel};
	if ((n = cm_claim(&cs, members, n_members, &pods, err)) < 0) {
		n = 0;
		rc = -1;
		goto out;
	}
	sts_revision(set, cube_json_path(set, "spec.template"), s.update_rev, sizeof(s.update_rev));
	const char *cur = cube_json_str(set, "status.currentRevision");
	snprintf(s.current_rev, sizeof(s.current_rev), "%s", cur && cur[0] ? cur : s.update_rev);
	s.start = cube_json_int(set, "spec.ordinals.start", 0);
	s.replicas = cube_json_int(set, "spec.replicas", 1);
	if (s.replicas < 0 || s.start < 0) {
		cube_event(c->rec, set, "Warning", "InvalidSpec",
			   "spec.replicas and spec.ordinals.start must not be negative");
		goto out;
	}
	s.min_ready = cube_json_int(set, "spec.minReadySeconds", 0);
	s.now = cm_now();
	const char *policy = cube_json_str(set, "spec.podManagementPolicy");
	s.monotonic = !policy || strcmp(policy, "Parallel");
	if (arrange(&s, pods, n) < 0) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	if (satisfied && !terminating(set))
		rc = act(&s, err);
	cube_err se = CUBE_ERR_INIT;
	if (update_status(&s, pods, n, &se) < 0 && rc == 0) {
		*err = se;
		rc = -1;
	}
	if (s.next > 0)
		cube_controller_enqueue_after(c->ctl, key, (int64_t)(s.next * 1000) + 100);
out:
	cJSON_Delete(s.current_tmpl);
	free(s.slots);
	free(s.condemned);
	free(members);
	cube_labelsel_free(sel);
	cube_robj_list_free(pods, (size_t)n);
	cube_robj_list_free(all, n_all);
	cube_robj_unref(obj);
	return rc;
}

static void sts_free(void *ud)
{
	sts_ctl *c = ud;
	cm_expectations_free(c->exp);
	free(c);
}

int statefulset_init(cm *m, cube_err *err)
{
	sts_ctl *c = calloc(1, sizeof(*c));
	if (!c || !(c->exp = cm_expectations_new())) {
		free(c);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	c->m = m;
	cube_controller_config cc = {
		.name = "statefulset", .workers = m->cfg.workers, .sync = sync_sts, .ud = c};
	if (!(c->ctl = cube_controller_new(&cc, err))) {
		sts_free(c);
		return -1;
	}
	if (cm_add(m, c->ctl, c, sts_free, err) < 0)
		return -1;
	if (!(c->rec = cm_recorder(m, "statefulset-controller", err)))
		return -1;
	c->sets = cube_informer_factory_get(m->factory, &CUBE_GVR_STATEFULSETS, NULL, NULL, NULL,
					    err);
	c->pods = c->sets ? cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						      err)
			  : NULL;
	if (!c->pods)
		return -1;
	c->oe = (cm_owner_enqueuer){
		.ctl = c->ctl, .kind = "StatefulSet", .owners = c->sets, .observe = c->exp};
	cube_informer_handlers sh = cube_controller_handlers(c->ctl);
	cube_informer_handlers ph = cm_owner_handlers(&c->oe);
	if (cube_informer_add_index(c->pods, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(c->sets, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_handlers(c->sets, &sh, err) < 0 ||
	    cube_informer_add_handlers(c->pods, &ph, err) < 0)
		return -1;
	return 0;
}
