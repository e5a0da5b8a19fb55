/* pods.c - the pods bound to this process's node(s): one informer (with a
 * hollow fleet, one for all nodes: bound pods only) and a controller whose
 * sync(key) makes one pod what its spec says:
 *   - bound to a node of ours and not terminating: the runtime runs it, and
 *     the status it reports is written through pods/<name>/status when it
 *     changed;
 *   - terminating (deletionTimestamp): the runtime stops it within the grace
 *     period, then the pod object is deleted for good (grace 0), which is the
 *     kubelet's part of graceful deletion;
 *   - gone: the runtime forgets it.
 * Once the first list is in, the runtime may remove what it still holds of
 * pods that no longer exist (a restarted cubelet adopts the others). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cubelet.h"
#include "log.h"
#include "obj.h"

static int write_status(cubelet *k, const cJSON *pod, cJSON *status, cube_err *err)
{
	cube_autojson cJSON *next = cube_obj_copy(pod);
	if (!next) {
		cJSON_Delete(status);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(next, "status");
	cJSON_AddItemToObject(next, "status", status);
	cube_autojson cJSON *out = cube_kclient_update(
		k->client, &CUBE_GVR_PODS, cube_obj_namespace(pod), next, "status", err);
	return out ? 0 : -1;
}

static int finish_deletion(cubelet *k, kubelet_node *n, const cJSON *pod, cube_err *err)
{
	int grace = (int)cube_json_int(pod, "metadata.deletionGracePeriodSeconds", 30);
	if (k->rt->kill_pod(n, pod, grace, err) < 0)
		return -1;
	/* Grace 0, and only this very pod (a new one of the same name is not ours). */
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON_AddStringToObject(opts, "apiVersion", "v1");
	cJSON_AddStringToObject(opts, "kind", "DeleteOptions");
	cJSON_AddNumberToObject(opts, "gracePeriodSeconds", 0);
	cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", cube_obj_uid(pod));
	cube_err derr = CUBE_ERR_INIT;
	if (cube_kclient_delete(k->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
				cube_obj_name(pod), opts, &derr) < 0 &&
	    derr.code != CUBE_ENOTFOUND && derr.code != CUBE_ECONFLICT) {
		*err = derr;
		return -1;
	}
	return 0;
}

static int sync_pod(void *ud, const char *key, cube_err *err)
{
	cubelet *k = ud;
	cube_robj *o = cube_informer_get(k->pods, key);
	if (!o)
		return 0; /* gone: the delete handler told the runtime */
	const cJSON *pod = o->json;
	const char *node = cube_json_str(pod, "spec.nodeName");
	kubelet_node *n = node ? cube_strmap_get(k->by_name, node) : NULL;
	int rc = 0;
	if (!n) {
		/* not ours */
	} else if (cube_json_str(pod, "metadata.deletionTimestamp")) {
		rc = finish_deletion(k, n, pod, err);
	} else {
		const char *phase = cube_json_str(pod, "status.phase");
		if (!phase || (strcmp(phase, "Succeeded") && strcmp(phase, "Failed"))) {
			cJSON *status = NULL;
			rc = k->rt->sync_pod(n, pod, &status, err);
			if (rc == 0 && status) {
				if (cube_json_path(pod, "status") &&
				    cJSON_Compare(status, cube_json_path(pod, "status"), true))
					cJSON_Delete(status); /* nothing changed: no write */
				else
					rc = write_status(k, pod, status, err);
			}
			if (rc == 0)
				cube_metric_add(k->m_syncs, NULL, 1);
		}
	}
	if (rc < 0)
		cube_err_prefix(err, "pod %s", key);
	cube_robj_unref(o);
	return rc;
}

static void on_pod_delete(void *ud, cube_robj *o)
{
	cubelet *k = ud;
	const char *node = cube_json_str(o->json, "spec.nodeName");
	kubelet_node *n = node ? cube_strmap_get(k->by_name, node) : NULL;
	const char *uid = cube_obj_uid(o->json);
	if (n && uid && k->rt->forget_pod)
		k->rt->forget_pod(n, uid);
}

static bool pod_alive(void *ud, const char *uid)
{
	return cube_strmap_get(ud, uid) != NULL;
}

/* After the first list: the runtime's garbage collection of gone pods. */
static void *gc_main(void *arg)
{
	cubelet *k = arg;
	while (!atomic_load(&k->stop) && !cube_informer_wait_synced(k->pods, 200))
		;
	if (atomic_load(&k->stop))
		return NULL;
	cube_robj **objs = NULL;
	size_t n = cube_informer_list(k->pods, &objs);
	cube_strmap *uids = cube_strmap_new();
	for (size_t i = 0; i < n; i++) {
		const char *uid = cube_obj_uid(objs[i]->json);
		if (uid)
			cube_strmap_put(uids, uid, (void *)1, NULL);
	}
	for (size_t i = 0; i < k->n_nodes && !atomic_load(&k->stop); i++)
		k->rt->gc_pods(&k->nodes[i], pod_alive, uids);
	cube_strmap_free(uids);
	cube_robj_list_free(objs, n);
	return NULL;
}

int pods_start(cubelet *k, cube_err *err)
{
	char fs[256];
	/* One node: only its pods. A hollow fleet: every bound pod, one watch. */
	if (k->n_nodes == 1)
		snprintf(fs, sizeof(fs), "spec.nodeName=%s", k->nodes[0].name);
	else
		snprintf(fs, sizeof(fs), "spec.nodeName!=");
	cube_informer_opts io = {.gvr = &CUBE_GVR_PODS, .field_selector = fs, .resync_s = 60};
	k->pods = cube_informer_new(k->client, &io, err);
	if (!k->pods)
		return -1;
	cube_controller_config cc = {
		.name = "cubelet-pods", .workers = k->cfg.workers, .sync = sync_pod, .ud = k};
	k->pod_ctl = cube_controller_new(&cc, err);
	if (!k->pod_ctl)
		return -1;
	cube_informer_handlers h = cube_controller_handlers(k->pod_ctl);
	if (cube_informer_add_handlers(k->pods, &h, err) < 0)
		return -1;
	cube_informer_handlers hd = {.on_delete = on_pod_delete, .ud = k};
	/* "node": a hollow fleet's pods by node, for /stats/summary */
	if (cube_informer_add_handlers(k->pods, &hd, err) < 0 ||
	    cube_informer_add_index(k->pods, "node", cube_index_node_name, err) < 0 ||
	    cube_informer_start(k->pods, err) < 0)
		return -1;
	if (k->rt->gc_pods) {
		if (pthread_create(&k->gc, NULL, gc_main, k) != 0)
			return cube_err_set(err, CUBE_EIO, "cannot start the pod gc thread");
		k->gc_started = true;
	}
	/* Each pod's sync stands alone, so the workers need not wait for the
	 * first list: a cubelet started before its API server just retries. */
	return cube_controller_run(k->pod_ctl, NULL, 0, 0, err);
}

void pods_stop(cubelet *k)
{
	atomic_store(&k->stop, 1);
	if (k->gc_started)
		pthread_join(k->gc, NULL);
	k->gc_started = false;
	/* Workers first (they read the informer), then the informer (its
	 * handlers enqueue), then the queue. */
	cube_controller_shutdown(k->pod_ctl);
	cube_informer_free(k->pods);
	k->pods = NULL;
	cube_controller_free(k->pod_ctl);
	k->pod_ctl = NULL;
}
