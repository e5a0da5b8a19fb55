/* replicaset.c - the ReplicaSet controller: keeps spec.replicas active pods
 * matching each ReplicaSet's selector, as Kubernetes' ReplicaSetController.
 *
 * sync(key): claim the namespace's active pods (adopt matching orphans,
 * release owned pods that stopped matching); if the expectations from the
 * last sync are met, create or delete the difference (at most 500 a sync,
 * creates in slow-start batches 1, 2, 4, ... that stop at the first
 * failure; deletes the least valuable pods first, cm_pod_deletion_cmp);
 * then write status (replicas, fullyLabeledReplicas, readyReplicas,
 * availableReplicas, observedGeneration).  A pod that is ready but not yet
 * available (minReadySeconds) brings the key back when it will be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "log.h"
#include "obj.h"
#include "util.h"

#define BURST 500

typedef struct rs_ctl {
	cm *m;
	cube_informer *rss, *pods;
	cube_controller *ctl;
	cm_expectations *exp;
	cm_owner_enqueuer oe;
	cube_recorder *rec;
} rs_ctl;

static int cmp_pods(const void *a, const void *b)
{
	const cube_robj *x = *(cube_robj *const *)a, *y = *(cube_robj *const *)b;
	return cm_pod_deletion_cmp(x->json, y->json);
}

typedef struct rs_batch {
	rs_ctl *r;
	const cJSON *rs;
	const cJSON *pod;    /* the pod to create (creates) */
	cube_robj **victims; /* the pods to delete (deletes) */
} rs_batch;

static int create_one(void *ud, long i, cube_err *err)
{
	(void)i;
	rs_batch *b = ud;
	cJSON *made = cm_create_pod(b->r->m, b->r->rec, b->rs, b->pod, err);
	cJSON_Delete(made);
	return made ? 0 : -1;
}

static int create_pods(rs_ctl *r, const char *key, const cJSON *rs, long n, cube_err *err)
{
	cm_expect(r->exp, key, (int)n, 0);
	cube_autojson cJSON *pod = cm_from_template(cube_json_path(rs, "spec.template"), "v1",
						    "Pod", rs, "apps/v1", "ReplicaSet", NULL);
	if (!pod) {
		cm_expect_observed(r->exp, key, (int)n, 0);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	rs_batch b = {.r = r, .rs = rs, .pod = pod};
	long made = cm_slow_start(n, create_one, &b, err);
	if (made == n)
		return 0;
	/* The creates that failed or never ran will not be observed. */
	cm_expect_observed(r->exp, key, (int)(n - made), 0);
	return -1; /* cm_create_pod recorded FailedCreate */
}

static int delete_one(void *ud, long i, cube_err *err)
{
	rs_batch *b = ud;
	int rc = cm_delete_pod(b->r->m, b->r->rec, b->rs, b->victims[i]->json, err);
	if (rc == 1)
		cube_err_set(err, CUBE_ENOTFOUND, "pod %s is gone already", b->victims[i]->key);
	return rc == 0 ? 0 : -1;
}

static int delete_pods(rs_ctl *r, const char *key, const cJSON *rs, cube_robj **pods, long n,
		       cube_err *err)
{
	cm_expect(r->exp, key, 0, (int)n);
	rs_batch b = {.r = r, .rs = rs, .victims = pods};
	cube_err e = CUBE_ERR_INIT;
	long gone = cm_parallel(n, delete_one, &b, &e);
	if (gone == n)
		return 0;
	/* Deletes that failed will not be observed (a pod already gone was). */
	cm_expect_observed(r->exp, key, 0, (int)(n - gone));
	if (e.code == CUBE_ENOTFOUND)
		return 0;
	*err = e; /* cm_delete_pod recorded FailedDelete */
	return -1;
}

static bool labels_cover(const cJSON *want, const cJSON *have)
{
	const cJSON *l;
	cJSON_ArrayForEach (l, want) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(have, l->string);
		if (!cJSON_IsString(l) || !cJSON_IsString(h) ||
		    strcmp(l->valuestring, h->valuestring))
			return false;
	}
	return true;
}

/* Writes status if it changed; returns the seconds until the next pod
 * becomes available (0: none pending). */
static int update_status(rs_ctl *r, const cJSON *rs, cube_robj **pods, long n, double *next,
			 cube_err *err)
{
	int64_t min_ready = cube_json_int(rs, "spec.minReadySeconds", 0);
	double now = cm_now();
	long labeled = 0, ready = 0, avail = 0;
	const cJSON *tl = cube_json_path(rs, "spec.template.metadata.labels");
	*next = 0;
	for (long i = 0; i < n; i++) {
		const cJSON *p = pods[i]->json;
		if (labels_cover(tl, cube_obj_labels(p)))
			labeled++;
		if (cm_pod_ready(p)) {
			ready++;
			double left = cm_pod_available_in(p, min_ready, now);
			if (left == 0)
				avail++;
			else if (left > 0 && (*next == 0 || left < *next))
				*next = left;
		}
	}
	cube_autojson cJSON *st = cJSON_CreateObject();
	cJSON_AddNumberToObject(st, "replicas", (double)n);
	if (labeled)
		cJSON_AddNumberToObject(st, "fullyLabeledReplicas", (double)labeled);
	if (ready)
		cJSON_AddNumberToObject(st, "readyReplicas", (double)ready);
	if (avail)
		cJSON_AddNumberToObject(st, "availableReplicas", (double)avail);
	cJSON_AddNumberToObject(st, "observedGeneration",
				(double)cube_json_int(rs, "metadata.generation", 0));
	const cJSON *conds = cube_json_path(rs, "status.conditions");
	if (conds)
		cJSON_AddItemToObject(st, "conditions", cJSON_Duplicate(conds, true));
	if (cJSON_Compare(st, cube_json_path(rs, "status"), true))
		return 0;
	cube_autojson cJSON *next_rs = cube_obj_copy(rs);
	if (!next_rs)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON_ReplaceItemInObjectCaseSensitive(next_rs, "status", cJSON_Duplicate(st, true));
	cJSON *res = cube_kclient_update(r->m->client, &CUBE_GVR_REPLICASETS,
					 cube_obj_namespace(rs), next_rs, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

static int sync_rs(void *ud, const char *key, cube_err *err)
{
	rs_ctl *r = ud;
	cube_robj *obj = cube_informer_get(r->rss, key);
	if (!obj) {
		cm_expectations_forget(r->exp, key);
		return 0;
	}
	const cJSON *rs = obj->json;
	int rc = 0;
	cube_robj **all = NULL, **pods = NULL;
	size_t n_all = 0;
	long n = 0;
	cube_labelsel *sel = cube_labelsel_from_json(cube_json_path(rs, "spec.selector"), NULL);
	if (!sel) {
		cube_event(r->rec, rs, "Warning", "InvalidSelector",
			   "spec.selector: invalid label selector");
		goto out; /* broken object: nothing to do until it changes */
	}
	bool satisfied = cm_expectations_satisfied(r->exp, key);
	n_all = cm_list_namespace(r->pods, cube_obj_namespace(rs), &all);
	cm_claim_spec cs = {.m = r->m,
			    .gvr = &CUBE_GVR_PODS,
			    .owner = rs,
			    .owner_api_version = "apps/v1",
			    .owner_kind = "ReplicaSet",
			    .selector = sel,
			    .extra = cm_pod_active};
	if ((n = cm_claim(&cs, all, n_all, &pods, err)) < 0) {
		n = 0;
		rc = -1;
		goto out;
	}
	int64_t want = cube_json_int(rs, "spec.replicas", 1);
	if (satisfied && !cube_json_str(rs, "metadata.deletionTimestamp")) {
		long diff = n - (long)want;
		if (diff < 0) {
			long add = -diff > BURST ? BURST : -diff;
			rc = create_pods(r, key, rs, add, err);
		} else if (diff > 0) {
			long del = diff > BURST ? BURST : diff;
			qsort(pods, (size_t)n, sizeof(*pods), cmp_pods);
			rc = delete_pods(r, key, rs, pods, del, err);
		}
	}
	double next = 0;
	cube_err se = CUBE_ERR_INIT;
	if (update_status(r, rs, pods, n, &next, &se) < 0 && rc == 0) {
		*err = se;
		rc = -1;
	}
	if (next > 0)
		cube_controller_enqueue_after(r->ctl, key, (int64_t)(next * 1000) + 100);
out:
	cube_labelsel_free(sel);
	cube_robj_list_free(pods, (size_t)n);
	cube_robj_list_free(all, n_all);
	cube_robj_unref(obj);
	return rc;
}

static void rs_free(void *ud)
{
	rs_ctl *r = ud;
	cm_expectations_free(r->exp);
	free(r);
}

int replicaset_init(cm *m, cube_err *err)
{
	rs_ctl *r = calloc(1, sizeof(*r));
	if (!r || !(r->exp = cm_expectations_new())) {
		free(r);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	r->m = m;
	cube_controller_config cc = {
		.name = "replicaset", .workers = m->cfg.workers, .sync = sync_rs, .ud = r};
	if (!(r->ctl = cube_controller_new(&cc, err))) {
		rs_free(r);
		return -1;
	}
	if (cm_add(m, r->ctl, r, rs_free, err) < 0)
		return -1;
	if (!(r->rec = cm_recorder(m, "replicaset-controller", err)))
		return -1;
	r->rss =
		cube_informer_factory_get(m->factory, &CUBE_GVR_REPLICASETS, NULL, NULL, NULL, err);
	r->pods = r->rss ? cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						     err)
			 : NULL;
	if (!r->pods)
		return -1;
	r->oe = (cm_owner_enqueuer){
		.ctl = r->ctl, .kind = "ReplicaSet", .owners = r->rss, .observe = r->exp};
	cube_informer_handlers rh = cube_controller_handlers(r->ctl);
	cube_informer_handlers ph = cm_owner_handlers(&r->oe);
	if (cube_informer_add_index(r->pods, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(r->rss, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_handlers(r->rss, &rh, err) < 0 ||
	    cube_informer_add_handlers(r->pods, &ph, err) < 0)
		return -1;
	return 0;
}
