/* nodelifecycle.c - the node lifecycle controller: notices nodes whose
 * kubelet went silent, marks them, and evicts their pods, as Kubernetes'
 * NodeLifecycleController with its taint-based eviction.
 *
 * One controller key ("monitor") is synced every --node-monitor-period
 * (it queues itself again with enqueue_after; no thread of its own).  A
 * pass looks at every Node:
 *   - its last heartbeat is the newer of its Lease's spec.renewTime
 *     (kube-node-lease/<node>) and its Ready condition's
 *     lastHeartbeatTime; older than --node-monitor-grace-period, the
 *     node's Ready, MemoryPressure, DiskPressure and PIDPressure conditions
 *     become Unknown (reason NodeStatusUnknown, "Kubelet stopped posting
 *     node status."), written through nodes/<name>/status, with the event
 *     NodeNotReady "Node <name> status is now: NodeNotReady";
 *   - the taints follow the Ready condition as Kubernetes' taint passes
 *     do: Unknown gives node.kubernetes.io/unreachable, False gives
 *     node.kubernetes.io/not-ready (NoSchedule, and NoExecute with
 *     timeAdded); True removes both (the cubelet reports Ready again);
 *   - a node not Ready has its pods' Ready condition set False
 *     (MarkPodsNotReady), so the Endpoints controller drops them;
 *   - a pod on a node with a NoExecute taint is deleted (event
 *     TaintManagerEviction "Marking for deletion Pod ns/name", and a
 *     DisruptionTarget condition first) once the taint is older than the
 *     smallest tolerationSeconds of the pod's tolerations of it; a pod that
 *     tolerates it without tolerationSeconds stays; a pod that does not
 *     tolerate it at all (the DefaultTolerationSeconds admission gives
 *     every pod 300 s) waits --pod-eviction-timeout.
 * Deleted pods stay Terminating (no kubelet finishes them), as in
 * Kubernetes; their controllers replace them elsewhere.
 *
 * Not done: zones and the eviction rate limits of large clusters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "util.h"

#define MONITOR_KEY "monitor"
#define TAINT_UNREACHABLE "node.kubernetes.io/unreachable"
#define TAINT_NOT_READY "node.kubernetes.io/not-ready"

typedef struct nl_ctl {
	cm *m;
	cube_informer *nodes, *leases, *pods;
	cube_controller *ctl;
	cube_recorder *rec, *evict_rec;
} nl_ctl;

static const char *const node_conditions[] = {"Ready", "MemoryPressure", "DiskPressure",
					      "PIDPressure"};

static const cJSON *condition(const cJSON *obj, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(obj, "status.conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static const char *ready_status(const cJSON *node)
{
	const char *s = cube_json_str(condition(node, "Ready"), "status");
	return s ? s : "Unknown";
}

/* The newer of the Lease's renewTime and the Ready heartbeat (0: none). */
static double last_heartbeat(nl_ctl *n, const cJSON *node)
{
	double t = 0, l = 0;
	cube_time_parse(cube_json_str(condition(node, "Ready"), "lastHeartbeatTime"), &t);
	char key[CUBE_OBJ_KEY_MAX];
	snprintf(key, sizeof(key), "kube-node-lease/%s", cube_obj_name(node));
	cube_robj *lease = cube_informer_get(n->leases, key);
	if (lease && cube_time_parse(cube_json_str(lease->json, "spec.renewTime"), &l) && l > t)
		t = l;
	cube_robj_unref(lease);
	if (t == 0)
		cube_time_parse(cube_json_str(node, "metadata.creationTimestamp"), &t);
	return t;
}

/* Sets the node's conditions Unknown (status subresource).  Returns 1 if
 * written (*out: the node as stored), 0 if nothing to change, -1 with err. */
static int mark_unknown(nl_ctl *n, const cJSON *node, cJSON **out, cube_err *err)
{
	cube_autojson cJSON *next = cube_obj_copy(node);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON *conds = cm_conditions(cube_json_ensure_obj(next, "status"));
	char now[32];
	cube_time_now(now, sizeof(now));
	bool changed = false;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(node_conditions); i++) {
		cJSON *c = (cJSON *)condition(next, node_conditions[i]);
		if (!c) {
			/* Kubernetes: the kubelet never posted this condition. */
			c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "type", node_conditions[i]);
			cJSON_AddStringToObject(c, "status", "Unknown");
			cJSON_AddStringToObject(
				c, "lastHeartbeatTime",
				cube_json_str(node, "metadata.creationTimestamp")
					? cube_json_str(node, "metadata.creationTimestamp")
					: now);
			cJSON_AddStringToObject(c, "lastTransitionTime", now);
			cJSON_AddStringToObject(c, "reason", "NodeStatusNeverUpdated");
			cJSON_AddStringToObject(c, "message", "Kubelet never posted node status.");
			cJSON_AddItemToArray(conds, c);
			changed = true;
			continue;
		}
		const char *s = cube_json_str(c, "status");
		if (s && !strcmp(s, "Unknown"))
			continue;
		cube_json_set_str(c, "status", "Unknown");
		cube_json_set_str(c, "reason", "NodeStatusUnknown");
		cube_json_set_str(c, "message", "Kubelet stopped posting node status.");
		cube_json_set_str(c, "lastTransitionTime", now);
		changed = true;
	}
	if (!changed)
		return 0;
	*out = cube_kclient_update(n->m->client, &CUBE_GVR_NODES, NULL, next, "status", err);
	return *out ? 1 : -1;
}

/* ---- taints ------------------------------------------------------------------------ */

static bool is_taint(const cJSON *t, const char *key, const char *effect)
{
	const char *k = cube_json_str(t, "key"), *e = cube_json_str(t, "effect");
	return k && e && !strcmp(k, key) && !strcmp(e, effect);
}

static bool has_taint(const cJSON *node, const char *key, const char *effect)
{
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(node, "spec.taints")) {
		if (is_taint(t, key, effect))
			return true;
	}
	return false;
}

/* Makes the node's lifecycle taints those of its Ready status: `want` (the
 * key to have, or NULL for none).  PUTs the node if they differ; *out gets
 * the node as stored then (else stays NULL). */
static int sync_taints(nl_ctl *n, const cJSON *node, const char *want, cJSON **out, cube_err *err)
{
	static const char *const keys[] = {TAINT_UNREACHABLE, TAINT_NOT_READY};
	static const char *const effects[] = {"NoSchedule", "NoExecute"};
	bool ok = true;
	for (size_t k = 0; k < 2 && ok; k++)
		for (size_t e = 0; e < 2 && ok; e++)
			ok = has_taint(node, keys[k], effects[e]) ==
			     (want && !strcmp(want, keys[k]));
	if (ok)
		return 0;
	cube_autojson cJSON *next = cube_obj_copy(node);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON *spec = cube_json_ensure_obj(next, "spec");
	cJSON *taints = cJSON_CreateArray();
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(node, "spec.taints")) {
		const char *k = cube_json_str(t, "key");
		bool ours = k && (!strcmp(k, TAINT_UNREACHABLE) || !strcmp(k, TAINT_NOT_READY));
		if (!ours || (want && !strcmp(k, want)))
			cJSON_AddItemToArray(taints, cJSON_Duplicate(t, true));
	}
	char now[32];
	cube_time_now(now, sizeof(now));
	for (size_t e = 0; want && e < 2; e++) {
		if (has_taint(node, want, effects[e]))
			continue;
		cJSON *nt = cJSON_CreateObject();
		cJSON_AddStringToObject(nt, "key", want);
		cJSON_AddStringToObject(nt, "effect", effects[e]);
		if (!strcmp(effects[e], "NoExecute"))
			cJSON_AddStringToObject(nt, "timeAdded", now);
		cJSON_AddItemToArray(taints, nt);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "taints");
	if (cJSON_GetArraySize(taints))
		cJSON_AddItemToObject(spec, "taints", taints);
	else
		cJSON_Delete(taints);
	if (!(*out = cube_kclient_update(n->m->client, &CUBE_GVR_NODES, NULL, next, NULL, err)))
		return -1;
	cube_log_info("node %s: taint %s", cube_obj_name(node), want ? want : "removed");
	return 0;
}

/* ---- pods --------------------------------------------------------------------------- */

/* MarkPodsNotReady for one pod: Ready False (status subresource). */
static int mark_pod_not_ready(nl_ctl *n, const cJSON *pod, cube_err *err)
{
	const cJSON *rc = condition(pod, "Ready");
	const char *s = rc ? cube_json_str(rc, "status") : NULL;
	if (!rc || (s && !strcmp(s, "False")))
		return 0;
	cube_autojson cJSON *next = cube_obj_copy(pod);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON *c = (cJSON *)condition(next, "Ready");
	char now[32];
	cube_time_now(now, sizeof(now));
	cube_json_set_str(c, "status", "False");
	cube_json_set_str(c, "lastTransitionTime", now);
	cJSON *res = cube_kclient_update(n->m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
					 next, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	cube_event(n->rec, pod, "Warning", "NodeNotReady", "Node is not ready");
	return 0;
}

/* Seconds the pod tolerates the NoExecute taint `key`: -1 forever, -2 not
 * tolerated (getMinTolerationTime over the matching tolerations). */
static int64_t toleration_seconds(const cJSON *pod, const char *key)
{
	const cJSON *t;
	bool tolerated = false;
	int64_t min = -1;
	cJSON_ArrayForEach (t, cube_json_path(pod, "spec.tolerations")) {
		const char *k = cube_json_str(t, "key"), *op = cube_json_str(t, "operator");
		const char *e = cube_json_str(t, "effect");
		bool exists = op && !strcmp(op, "Exists");
		if (k && k[0] ? strcmp(k, key) != 0 : !exists)
			continue;
		if (!exists && cube_json_str(t, "value") && cube_json_str(t, "value")[0])
			continue; /* the lifecycle taints have no value */
		if (e && e[0] && strcmp(e, "NoExecute"))
			continue;
		tolerated = true;
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(t, "tolerationSeconds");
		if (cJSON_IsNumber(ts)) {
			int64_t s = ts->valuedouble < 0 ? 0 : (int64_t)ts->valuedouble;
			if (min < 0 || s < min)
				min = s;
		}
	}
	return tolerated ? min : -2;
}

static int evict(nl_ctl *n, const cJSON *pod, cube_err *err)
{
	/* The DisruptionTarget condition tells why the pod goes (best effort). */
	cm_mark_disruption(n->m, pod, "DeletionByTaintManager",
			   "Taint manager: deleting due to NoExecute taint");
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", cube_obj_uid(pod) ? cube_obj_uid(pod) : "");
	cube_err de = CUBE_ERR_INIT;
	if (cube_kclient_delete(n->m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
				cube_obj_name(pod), opts, &de) < 0) {
		if (de.code == CUBE_ENOTFOUND || de.code == CUBE_ECONFLICT)
			return 0;
		*err = de;
		return -1;
	}
	cube_event(n->evict_rec, pod, "Normal", "TaintManagerEviction",
		   "Marking for deletion Pod %s/%s", cube_obj_namespace(pod), cube_obj_name(pod));
	return 0;
}

/* The node's pods: marked not ready, and evicted when their time is up.
 * *next_s gets the seconds until the next eviction due (if sooner). */
static int sync_pods(nl_ctl *n, const cJSON *node, bool ready, double now, double *next_s)
{
	cube_robj **pods;
	size_t np = cube_informer_by_index(n->pods, "nodeName", cube_obj_name(node), &pods);
	const char *nx_key = NULL;
	double since = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(node, "spec.taints")) {
		const char *k = cube_json_str(t, "key");
		if (k && is_taint(t, k, "NoExecute") &&
		    (!strcmp(k, TAINT_UNREACHABLE) || !strcmp(k, TAINT_NOT_READY))) {
			nx_key = k;
			if (!cube_time_parse(cube_json_str(t, "timeAdded"), &since))
				since = now;
		}
	}
	int failed = 0;
	for (size_t i = 0; i < np; i++) {
		const cJSON *pod = pods[i]->json;
		if (cube_json_str(pod, "metadata.deletionTimestamp"))
			continue;
		cube_err err = CUBE_ERR_INIT;
		if (!ready && mark_pod_not_ready(n, pod, &err) < 0) {
			cube_log_warn("node %s: marking pod %s not ready: %s", cube_obj_name(node),
				      pods[i]->key, err.msg);
			failed++;
		}
		if (!nx_key)
			continue;
		int64_t tol = toleration_seconds(pod, nx_key);
		if (tol == -1)
			continue; /* tolerated forever */
		double wait = tol == -2 ? (double)n->m->cfg.pod_eviction_timeout_s : (double)tol;
		double left = since + wait - now;
		if (left > 0) {
			if (*next_s <= 0 || left < *next_s)
				*next_s = left;
			continue;
		}
		if (evict(n, pod, &err) < 0) {
			cube_log_warn("node %s: evicting pod %s: %s", cube_obj_name(node),
				      pods[i]->key, err.msg);
			failed++;
		}
	}
	cube_robj_list_free(pods, np);
	return failed ? -1 : 0;
}

/* ---- the monitor pass ---------------------------------------------------------------- */

static int monitor_node(nl_ctl *n, const cJSON *node, double now, double *next_s)
{
	cube_autojson cJSON *marked = NULL, *tainted = NULL;
	const char *name = cube_obj_name(node);
	double hb = last_heartbeat(n, node);
	const char *ready = ready_status(node);
	cube_err err = CUBE_ERR_INIT;
	if (now - hb > (double)n->m->cfg.node_monitor_grace_s && strcmp(ready, "Unknown")) {
		int rc = mark_unknown(n, node, &marked, &err);
		if (rc < 0) {
			cube_log_warn("node %s: marking Unknown: %s", name, err.msg);
			return -1; /* the cached node is stale: next pass */
		}
		if (rc > 0) {
			cube_log_info("node %s: no heartbeat for %.0f s: status Unknown", name,
				      now - hb);
			cube_event(n->rec, node, "Normal", "NodeNotReady",
				   "Node %s status is now: NodeNotReady", name);
		}
		ready = "Unknown";
		if (marked)
			node = marked;
	}
	const char *want = !strcmp(ready, "True")      ? NULL
			   : !strcmp(ready, "Unknown") ? TAINT_UNREACHABLE
						       : TAINT_NOT_READY;
	bool had = has_taint(node, TAINT_UNREACHABLE, "NoExecute") ||
		   has_taint(node, TAINT_NOT_READY, "NoExecute");
	if (sync_taints(n, node, want, &tainted, &err) < 0) {
		cube_log_warn("node %s: taints: %s", name, err.msg);
		return -1;
	}
	if (tainted)
		node = tainted;
	if (had && !want)
		cube_event(n->rec, node, "Normal", "NodeReady", "Node %s status is now: NodeReady",
			   name);
	return sync_pods(n, node, !strcmp(ready, "True"), now, next_s);
}

static int sync_monitor(void *ud, const char *key, cube_err *err)
{
	nl_ctl *n = ud;
	(void)err;
	if (strcmp(key, MONITOR_KEY))
		return 0;
	cube_robj **nodes;
	size_t nn = cube_informer_list(n->nodes, &nodes);
	double now = cm_now();
	double next_s = 0;
	for (size_t i = 0; i < nn; i++)
		monitor_node(n, nodes[i]->json, now, &next_s);
	cube_robj_list_free(nodes, nn);
	int64_t period_ms = (int64_t)n->m->cfg.node_monitor_period_s * 1000;
	int64_t delay = period_ms;
	if (next_s > 0 && (int64_t)(next_s * 1000) + 50 < delay)
		delay = (int64_t)(next_s * 1000) + 50;
	cube_controller_enqueue_after(n->ctl, MONITOR_KEY, delay);
	return 0;
}

int nodelifecycle_init(cm *m, cube_err *err)
{
	nl_ctl *n = calloc(1, sizeof(*n));
	if (!n)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	n->m = m;
	cube_controller_config cc = {
		.name = "nodelifecycle", .workers = 1, .sync = sync_monitor, .ud = n};
	if (!(n->ctl = cube_controller_new(&cc, err))) {
		free(n);
		return -1;
	}
	if (cm_add(m, n->ctl, n, free, err) < 0)
		return -1;
	if (!(n->rec = cm_recorder(m, "node-controller", err)) ||
	    !(n->evict_rec = cm_recorder(m, "taint-eviction-controller", err)))
		return -1;
	if (!(n->nodes = cube_informer_factory_get(m->factory, &CUBE_GVR_NODES, NULL, NULL, NULL,
						   err)) ||
	    !(n->leases = cube_informer_factory_get(m->factory, &CUBE_GVR_LEASES, "kube-node-lease",
						    NULL, NULL, err)) ||
	    !(n->pods =
		      cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL, err)))
		return -1;
	if (cube_informer_add_index(n->pods, "nodeName", cube_index_node_name, err) < 0)
		return -1;
	/* Held by the queue until the workers start (once leading). */
	cube_controller_enqueue(n->ctl, MONITOR_KEY);
	return 0;
}
