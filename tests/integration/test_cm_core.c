/* test_cm_core.c - the Endpoints, node lifecycle and Namespace controllers
 * of cube-controller-manager in a cluster of real processes (etcd, API
 * server, hollow cubelets, scheduler, controller-manager):
 *   - a Service's Endpoints follow its pods: named target ports resolved per
 *     pod, scaling, a pod made not ready, no rewrite when nothing changed,
 *     `kubectl get endpoints`, deletion with the Service, selector-less
 *     Services left alone;
 *   - a killed cubelet's nodes become Unknown and tainted, their pods are
 *     marked not ready and evicted, and the ReplicaSet has its pods again on
 *     the live nodes; a pod tolerating the taint forever stays;
 *   - `kubectl delete namespace` empties the namespace and it goes away. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_harness.h"
#include "kclient.h"
#include "obj.h"
#include "proc.h"

static cube_test_cluster k;

static cJSON *parse(const char *text)
{
	return cube_json_parse(text, strlen(text), NULL);
}

static void create(const cube_gvr *r, const char *ns, const char *json)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = parse(json);
	cr_assert_not_null(o, "bad test JSON: %s", json);
	cJSON *made = cube_kclient_create(k.client, r, ns, o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(o);
}

static void teardown(void)
{
	cube_test_cluster_destroy(&k);
}

static const cJSON *cond(const cJSON *obj, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(obj, "status.conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

static bool ready(const cJSON *pod)
{
	const char *s = cube_json_str(cond(pod, "Ready"), "status");
	return s && !strcmp(s, "True");
}

/* ---- Endpoints ------------------------------------------------------------------- */

/* The subset of ep whose ports include `port_name`, or NULL. */
static const cJSON *subset_with_port(const cJSON *ep, const char *port_name)
{
	const cJSON *ss, *p;
	cJSON_ArrayForEach (ss, cube_json_path(ep, "subsets")) {
		cJSON_ArrayForEach (p, cube_json_path(ss, "ports")) {
			const char *n = cube_json_str(p, "name");
			if (n && !strcmp(n, port_name))
				return ss;
		}
	}
	return NULL;
}

static int count(const cJSON *ss, const char *list)
{
	return cJSON_GetArraySize(cube_json_path(ss, list));
}

/* Waits until Endpoints default/name has `ready` addresses and
 * `not_ready` not-ready addresses in the subset holding port "http", and
 * `metrics` addresses in the one holding port "metrics"; returns it. */
static cJSON *wait_endpoints(const char *name, int want_ready, int want_not_ready, int want_metrics,
			     int ms)
{
	cJSON *ep = NULL;
	for (int w = 0; w < ms; w += 100) {
		cJSON_Delete(ep);
		ep = cube_kclient_get(k.client, &CUBE_GVR_ENDPOINTS, "default", name, NULL);
		const cJSON *http = subset_with_port(ep, "http");
		const cJSON *met = subset_with_port(ep, "metrics");
		if (http && count(http, "addresses") == want_ready &&
		    count(http, "notReadyAddresses") == want_not_ready &&
		    (want_metrics < 0 ||
		     (met &&
		      count(met, "addresses") + count(met, "notReadyAddresses") == want_metrics)))
			return ep;
		cube_test_sleep_ms(100);
	}
	char *t = ep ? cJSON_Print(ep) : NULL;
	cr_log_error("endpoints %s: %s", name, t ? t : "(none)");
	free(t);
	cJSON_Delete(ep);
	return NULL;
}

static void scale_rs(const char *name, int n)
{
	char body[128];
	snprintf(body, sizeof(body), "{\"spec\":{\"replicas\":%d}}", n);
	cJSON *p = parse(body);
	cube_err err = CUBE_ERR_INIT;
	cJSON *res = cube_kclient_patch(k.client, &CUBE_GVR_REPLICASETS, "default", name, NULL,
					"merge", p, &err);
	cr_assert_not_null(res, "%s", err.msg);
	cJSON_Delete(res);
	cJSON_Delete(p);
}

static const char web_rs[] =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web\"},"
	"\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"svc\":\"web\"}},"
	"\"spec\":{\"containers\":"
	"[{\"name\":\"c\",\"image\":\"nginx\",\"ports\":[{\"name\":\"http\","
	"\"containerPort\":8080}]}]}}}}";

Test(endpoints, follow_the_pods_of_a_service, .fini = teardown, .timeout = 90)
{
	cr_assert_eq(cube_test_cluster_start(
			     &k, &(cube_test_cluster_opts){.cubelets = 1, .hollow_nodes = 2}),
		     0);
	create(&CUBE_GVR_REPLICASETS, "default", web_rs);
	/* A pod of the service without the named port: only in "metrics". */
	create(&CUBE_GVR_PODS, "default",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"odd\","
	       "\"labels\":{\"svc\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
	       "\"image\":\"busybox\"}]}}");
	create(&CUBE_GVR_SERVICES, "default",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	       "\"labels\":{\"tier\":\"front\"}},\"spec\":{\"selector\":{\"svc\":\"web\"},"
	       "\"ports\":[{\"name\":\"http\",\"port\":80,\"targetPort\":\"http\"},"
	       "{\"name\":\"metrics\",\"port\":9090,\"targetPort\":9100}]}}");
	cJSON *ep = wait_endpoints("web", 3, 0, 4, 20000);
	cr_assert_not_null(ep, "the Endpoints never listed the 3 pods and the odd one");
	const cJSON *http = subset_with_port(ep, "http");
	const cJSON *met = subset_with_port(ep, "metrics");
	cr_assert_neq(http, met, "different address sets share a subset");
	cr_assert_eq(cube_json_int(cJSON_GetArrayItem(cube_json_path(http, "ports"), 0), "port", 0),
		     8080, "the named targetPort is the container's port");
	cr_assert_eq(cube_json_int(cJSON_GetArrayItem(cube_json_path(met, "ports"), 0), "port", 0),
		     9100);
	cr_assert_str_eq(
		cube_json_str(cJSON_GetArrayItem(cube_json_path(met, "ports"), 0), "protocol"),
		"TCP");
	cr_assert_str_eq(cube_obj_label(ep, "tier"), "front", "labels come from the Service");
	cr_assert_not_null(
		cube_obj_annotation(ep, "endpoints.kubernetes.io/last-change-trigger-time"));
	const cJSON *a0 = cJSON_GetArrayItem(cube_json_path(http, "addresses"), 0);
	const cJSON *a1 = cJSON_GetArrayItem(cube_json_path(http, "addresses"), 1);
	cr_assert_str_eq(cube_json_str(a0, "targetRef.kind"), "Pod");
	cr_assert_str_eq(cube_json_str(a0, "targetRef.namespace"), "default");
	cr_assert_not_null(cube_json_str(a0, "targetRef.uid"));
	cr_assert_not_null(cube_json_str(a0, "nodeName"));
	cr_assert_lt(strcmp(cube_json_str(a0, "ip"), cube_json_str(a1, "ip")), 0,
		     "addresses sorted by IP");
	bool odd_in_http = false;
	const cJSON *a;
	cJSON_ArrayForEach (a, cube_json_path(http, "addresses")) {
		odd_in_http |= !strcmp(cube_json_str(a, "targetRef.name"), "odd");
	}
	cr_assert(!odd_in_http, "a pod without the named port is left out of its subset");

	/* Nothing changes: no write. */
	char rv[32];
	snprintf(rv, sizeof(rv), "%s", cube_obj_resource_version(ep));
	cJSON_Delete(ep);
	cube_test_sleep_ms(2000);
	ep = cube_kclient_get(k.client, &CUBE_GVR_ENDPOINTS, "default", "web", NULL);
	cr_assert_str_eq(cube_obj_resource_version(ep), rv, "the Endpoints was rewritten");
	cJSON_Delete(ep);

	/* kubectl shows them. */
	char out[4096];
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s get endpoints web", k.api.kubectl), 0, "%s",
		     out);
	cr_assert(strstr(out, "web ") && (strstr(out, ":8080,") || strstr(out, ":9100,")) &&
			  strstr(out, " + 4 more..."),
		  "%s", out);

	/* Scaling the ReplicaSet changes the addresses. */
	scale_rs("web", 5);
	ep = wait_endpoints("web", 5, 0, 6, 20000);
	cr_assert_not_null(ep, "scaled to 5: the Endpoints did not follow");
	cJSON_Delete(ep);
	scale_rs("web", 2);
	ep = wait_endpoints("web", 2, 0, 3, 20000);
	cr_assert_not_null(ep, "scaled to 2: the Endpoints did not follow");

	/* A pod made not ready moves to notReadyAddresses (the hollow cubelet
	 * leaves a running pod's status alone). */
	const char *pname = cube_json_str(
		cJSON_GetArrayItem(cube_json_path(subset_with_port(ep, "http"), "addresses"), 0),
		"targetRef.name");
	cr_assert_not_null(pname);
	cube_err err = CUBE_ERR_INIT;
	cJSON *pod = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", pname, &err);
	cr_assert_not_null(pod, "%s", err.msg);
	cJSON_Delete(ep);
	cube_json_set_str((cJSON *)cond(pod, "Ready"), "status", "False");
	cJSON *upd = cube_kclient_update(k.client, &CUBE_GVR_PODS, "default", pod, "status", &err);
	cr_assert_not_null(upd, "%s", err.msg);
	cJSON_Delete(upd);
	cJSON_Delete(pod);
	ep = wait_endpoints("web", 1, 1, 3, 20000);
	cr_assert_not_null(ep, "the not-ready pod did not move to notReadyAddresses");
	cJSON_Delete(ep);

	/* A Service without a selector: its Endpoints are someone else's. */
	create(&CUBE_GVR_SERVICES, "default",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"ext\"},"
	       "\"spec\":{\"ports\":[{\"port\":80}]}}");
	create(&CUBE_GVR_ENDPOINTS, "default",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"ext\"},"
	       "\"subsets\":[{\"addresses\":[{\"ip\":\"192.0.2.7\"}],\"ports\":[{\"port\":80}]}]}");

	/* The Service deleted: its Endpoints go. */
	cr_assert_eq(
		cube_kclient_delete(k.client, &CUBE_GVR_SERVICES, "default", "web", NULL, &err), 0,
		"%s", err.msg);
	bool gone = false;
	for (int w = 0; w < 10000 && !gone; w += 100) {
		cube_err ge = CUBE_ERR_INIT;
		cJSON *e = cube_kclient_get(k.client, &CUBE_GVR_ENDPOINTS, "default", "web", &ge);
		gone = !e && ge.code == CUBE_ENOTFOUND;
		cJSON_Delete(e);
		if (!gone)
			cube_test_sleep_ms(100);
	}
	cr_assert(gone, "the Endpoints outlived its Service");
	cJSON *ext = cube_kclient_get(k.client, &CUBE_GVR_ENDPOINTS, "default", "ext", &err);
	cr_assert_not_null(ext, "the selector-less Service's Endpoints were removed: %s", err.msg);
	cr_assert_str_eq(
		cube_json_str(cJSON_GetArrayItem(
				      cube_json_path(
					      cJSON_GetArrayItem(cube_json_path(ext, "subsets"), 0),
					      "addresses"),
				      0),
			      "ip"),
		"192.0.2.7");
	cJSON_Delete(ext);
}

/* ---- node lifecycle ------------------------------------------------------------------ */

static bool node_dead(const char *name)
{
	return !strcmp(name, "hollow-0") || !strcmp(name, "hollow-1");
}

/* Active (not deleted) ready pods of app=fo on live nodes. */
static int live_ready_pods(void)
{
	cube_list_opts lo = {.label_selector = "app=fo"};
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default", &lo, NULL);
	int n = 0;
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *node = cube_json_str(p, "spec.nodeName");
		if (node && !node_dead(node) && ready(p) &&
		    !cube_json_str(p, "metadata.deletionTimestamp"))
			n++;
	}
	cJSON_Delete(l);
	return n;
}

static bool has_event(const char *reason, const char *message_part)
{
	char fs[128];
	snprintf(fs, sizeof(fs), "reason=%s", reason);
	cube_list_opts lo = {.field_selector = fs};
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_EVENTS, NULL, &lo, NULL);
	bool found = false;
	const cJSON *e;
	cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *m = cube_json_str(e, "message");
		found |= m && strstr(m, message_part) != NULL;
	}
	cJSON_Delete(l);
	return found;
}

Test(nodelifecycle, a_dead_nodes_pods_are_replaced_on_live_nodes, .fini = teardown, .timeout = 120)
{
	static const char *const cm_args[] = {"--node-monitor-grace-period",
					      "4",
					      "--node-monitor-period",
					      "1",
					      "--pod-eviction-timeout",
					      "2",
					      NULL};
	cr_assert_eq(cube_test_cluster_start(&k, &(cube_test_cluster_opts){.cubelets = 2,
									   .hollow_nodes = 2,
									   .cm_args = cm_args}),
		     0);
	/* Pods that tolerate an unreachable node 2 s (the 300 s default the
	 * API server adds would outlast the test). */
	create(&CUBE_GVR_REPLICASETS, "default",
	       "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"fo\"},"
	       "\"spec\":{\"replicas\":4,\"selector\":{\"matchLabels\":{\"app\":\"fo\"}},"
	       "\"template\":{\"metadata\":{\"labels\":{\"app\":\"fo\"}},\"spec\":{"
	       "\"tolerations\":[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
	       "\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":2}],"
	       "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
	/* A pod that tolerates it forever, on a node about to die. */
	create(&CUBE_GVR_PODS, "default",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"stay\"},"
	       "\"spec\":{\"nodeName\":\"hollow-0\",\"tolerations\":[{\"key\":"
	       "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\",\"effect\":"
	       "\"NoExecute\"}],\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
	/* Wait for 4 ready pods, some of them on the nodes about to die. */
	int on_dead = 0;
	for (int w = 0; w < 20000; w += 100) {
		cube_list_opts lo = {.label_selector = "app=fo"};
		cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default", &lo, NULL);
		int rdy = 0;
		on_dead = 0;
		const cJSON *p;
		cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
			const char *node = cube_json_str(p, "spec.nodeName");
			if (ready(p))
				rdy++;
			if (ready(p) && node && node_dead(node))
				on_dead++;
		}
		cJSON_Delete(l);
		cJSON *stay = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", "stay", NULL);
		bool stay_ready = stay && ready(stay);
		cJSON_Delete(stay);
		if (rdy == 4 && stay_ready)
			break;
		cube_test_sleep_ms(100);
	}
	cr_assert_gt(on_dead, 0, "no pod landed on hollow-0 or hollow-1");
	cr_assert_lt(live_ready_pods(), 4);

	cube_test_cluster_kill_cubelet(&k, 0);

	/* Its nodes: Ready Unknown, tainted unreachable. */
	bool marked = false;
	for (int w = 0; w < 20000 && !marked; w += 200) {
		marked = true;
		for (int i = 0; i < 2; i++) {
			char name[32];
			snprintf(name, sizeof(name), "hollow-%d", i);
			cJSON *n = cube_kclient_get(k.client, &CUBE_GVR_NODES, NULL, name, NULL);
			const cJSON *rc = cond(n, "Ready");
			const char *st = cube_json_str(rc, "status");
			const char *reason = cube_json_str(rc, "reason");
			int taints = 0;
			const cJSON *t;
			cJSON_ArrayForEach (t, cube_json_path(n, "spec.taints")) {
				const char *key = cube_json_str(t, "key");
				const char *eff = cube_json_str(t, "effect");
				if (key && !strcmp(key, "node.kubernetes.io/unreachable")) {
					taints++;
					if (!strcmp(eff, "NoExecute") &&
					    !cube_json_str(t, "timeAdded"))
						taints = -10;
				}
			}
			marked &= st && !strcmp(st, "Unknown") && reason &&
				  !strcmp(reason, "NodeStatusUnknown") && taints == 2;
			cJSON_Delete(n);
		}
		if (!marked)
			cube_test_sleep_ms(200);
	}
	cr_assert(marked, "hollow-0/1 not marked Unknown with the unreachable taints");
	cJSON *live = cube_kclient_get(k.client, &CUBE_GVR_NODES, NULL, "hollow-2", NULL);
	cr_assert_str_eq(cube_json_str(cond(live, "Ready"), "status"), "True");
	cr_assert_null(cube_json_path(live, "spec.taints"), "a live node was tainted");
	cJSON_Delete(live);

	/* The ReplicaSet has 4 ready pods on the live nodes again. */
	int n = 0;
	for (int w = 0; w < 30000 && (n = live_ready_pods()) < 4; w += 200)
		cube_test_sleep_ms(200);
	cr_assert_eq(n, 4, "the dead nodes' pods were not replaced");
	cr_assert(has_event("NodeNotReady", "Node hollow-0 status is now: NodeNotReady"));
	cr_assert(has_event("TaintManagerEviction", "Marking for deletion Pod default/fo-"));

	/* The pod that tolerates the taint forever stays, marked not ready. */
	cJSON *stay = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", "stay", NULL);
	cr_assert_not_null(stay);
	cr_assert_null(cube_json_str(stay, "metadata.deletionTimestamp"),
		       "a pod tolerating the taint forever was evicted");
	cr_assert_str_eq(cube_json_str(cond(stay, "Ready"), "status"), "False",
			 "the pod on the dead node is still Ready");
	cJSON_Delete(stay);
}

/* ---- namespace ----------------------------------------------------------------------- */

Test(namespace, kubectl_delete_namespace_empties_and_removes_it, .fini = teardown, .timeout = 120)
{
	cr_assert_eq(cube_test_cluster_start(
			     &k, &(cube_test_cluster_opts){.cubelets = 1, .hollow_nodes = 2}),
		     0);
	create(&CUBE_GVR_NAMESPACES, NULL,
	       "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"doomed\"}}");
	create(&CUBE_GVR_CONFIGMAPS, "doomed",
	       "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
	       "\"data\":{\"a\":\"b\"}}");
	create(&CUBE_GVR_PODS, "doomed",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"lone\"},"
	       "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
	create(&CUBE_GVR_DEPLOYMENTS, "doomed",
	       "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
	       "\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"d\"}},"
	       "\"template\":{\"metadata\":{\"labels\":{\"app\":\"d\"}},\"spec\":{\"containers\":"
	       "[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}");
	int running = 0;
	for (int w = 0; w < 20000 && running < 3; w += 200) {
		cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "doomed", NULL, NULL);
		running = 0;
		const cJSON *p;
		cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
			running += ready(p);
		}
		cJSON_Delete(l);
		if (running < 3)
			cube_test_sleep_ms(200);
	}
	cr_assert_eq(running, 3, "the namespace's pods never ran");

	/* kubectl waits until the namespace is gone. */
	char out[4096];
	int rc = cube_test_sh(out, sizeof(out), "timeout 60 %s delete namespace doomed",
			      k.api.kubectl);
	if (rc != 0) {
		cJSON *ns = cube_kclient_get(k.client, &CUBE_GVR_NAMESPACES, NULL, "doomed", NULL);
		char *t = ns ? cJSON_Print(ns) : NULL;
		cr_log_error("namespace: %s", t ? t : "(gone)");
		free(t);
		cJSON_Delete(ns);
		cube_test_print_tail(k.log);
	}
	cr_assert_eq(rc, 0, "kubectl delete namespace: %s", out);
	cr_assert(cube_test_has_line(out, "namespace \"doomed\" deleted"), "%s", out);
	cube_err err = CUBE_ERR_INIT;
	cJSON *ns = cube_kclient_get(k.client, &CUBE_GVR_NAMESPACES, NULL, "doomed", &err);
	cr_assert_null(ns, "the namespace is still there");
	cr_assert_eq(err.code, CUBE_ENOTFOUND, "%s", err.msg);
	static const cube_gvr *const kinds[] = {&CUBE_GVR_PODS, &CUBE_GVR_CONFIGMAPS,
						&CUBE_GVR_DEPLOYMENTS, &CUBE_GVR_REPLICASETS,
						&CUBE_GVR_EVENTS};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		cJSON *l = cube_kclient_list(k.client, kinds[i], "doomed", NULL, &err);
		cr_assert_not_null(l, "%s", err.msg);
		cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items")), 0,
			     "%s left in the deleted namespace", kinds[i]->resource);
		cJSON_Delete(l);
	}
}

/* Ready status and unreachable taints of a node. */
static void node_state(const char *name, char *ready_st, size_t size, int *unreachable)
{
	cJSON *n = cube_kclient_get(k.client, &CUBE_GVR_NODES, NULL, name, NULL);
	const char *st = cube_json_str(cond(n, "Ready"), "status");
	snprintf(ready_st, size, "%s", st ? st : "");
	*unreachable = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(n, "spec.taints")) {
		const char *key = cube_json_str(t, "key");
		*unreachable += key && !strcmp(key, "node.kubernetes.io/unreachable");
	}
	cJSON_Delete(n);
}

/* A cubelet that pauses (SIGSTOP) and comes back: its node goes Unknown and
 * tainted, then Ready again and untainted within seconds of its return (the
 * cubelet reports at once when it sees another writer's Ready). */
Test(nodelifecycle, a_node_heard_again_is_ready_and_untainted, .fini = teardown, .timeout = 120)
{
	static const char *const cm_args[] = {"--node-monitor-grace-period", "4",
					      "--node-monitor-period", "1", NULL};
	cr_assert_eq(cube_test_cluster_start(&k, &(cube_test_cluster_opts){.cubelets = 2,
									   .hollow_nodes = 1,
									   .cm_args = cm_args}),
		     0);
	char st[32];
	int taints = 0;
	kill(k.cubelets[0], SIGSTOP);
	bool marked = false;
	for (int w = 0; w < 20000 && !marked; w += 200) {
		node_state("hollow-0", st, sizeof(st), &taints);
		marked = !strcmp(st, "Unknown") && taints == 2;
		if (!marked)
			cube_test_sleep_ms(200);
	}
	kill(k.cubelets[0], SIGCONT);
	cr_assert(marked, "hollow-0 not marked Unknown and tainted (Ready %s, %d taints)", st,
		  taints);
	bool back = false;
	int w = 0;
	for (; w < 15000 && !back; w += 200) {
		node_state("hollow-0", st, sizeof(st), &taints);
		back = !strcmp(st, "True") && taints == 0;
		if (!back)
			cube_test_sleep_ms(200);
	}
	cr_assert(back, "hollow-0 still Ready %s with %d taints %d ms after its return", st, taints,
		  w);
	node_state("hollow-1", st, sizeof(st), &taints);
	cr_expect_str_eq(st, "True");
	cr_expect_eq(taints, 0);
}

/* ---- pod GC -------------------------------------------------------------------------- */

static int pods_named(const char *prefix)
{
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default", NULL, NULL);
	int n = 0;
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items"))
		n += !strncmp(cube_obj_name(p), prefix, strlen(prefix));
	cJSON_Delete(l);
	return n;
}

Test(podgc, terminated_pods_beyond_the_threshold_and_orphans_go, .fini = teardown, .timeout = 120)
{
	static const char *const cm_args[] = {"--terminated-pod-gc-threshold", "2",
					      "--node-monitor-grace-period", "2", NULL};
	cr_assert_eq(cube_test_cluster_start(
			     &k, &(cube_test_cluster_opts){.hollow_nodes = 1, .cm_args = cm_args}),
		     0);
	/* Four pods that finish at once, created a second apart (oldest first). */
	for (int i = 0; i < 4; i++) {
		char body[800];
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"done-%"
			 "d\","
			 "\"annotations\":{\"hollow.cube.dev/exit-after\":\"0\"}},\"spec\":{"
			 "\"nodeName\":\"hollow-0\",\"restartPolicy\":\"Never\",\"containers\":[{"
			 "\"name\":\"c\",\"image\":\"busybox\"}]}}",
			 i);
		create(&CUBE_GVR_PODS, "default", body);
		cube_test_sleep_ms(1100);
	}
	/* A pod bound to a node that never existed. */
	create(&CUBE_GVR_PODS, "default",
	       "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"ghost-pod\"},"
	       "\"spec\":{\"nodeName\":\"ghost\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}"
	       "}");
	bool done = false;
	for (int w = 0; w < 60000 && !done; w += 500) {
		done = pods_named("done-") == 2 && pods_named("ghost-") == 0;
		if (!done)
			cube_test_sleep_ms(500);
	}
	cr_assert(done, "%d terminated pods and %d orphans left", pods_named("done-"),
		  pods_named("ghost-"));
	/* The two newest stayed. */
	for (int i = 2; i < 4; i++) {
		char name[32];
		snprintf(name, sizeof(name), "done-%d", i);
		cJSON *p = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", name, NULL);
		cr_expect_not_null(p, "%s (one of the newest) was deleted", name);
		cr_expect_str_eq(cube_json_str(p, "status.phase"), "Succeeded");
		cJSON_Delete(p);
	}
}

/* ---- node IPAM ----------------------------------------------------------------------- */

static char *pod_cidr_of(const char *node, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		cJSON *n = cube_kclient_get(k.client, &CUBE_GVR_NODES, NULL, node, NULL);
		const char *c = cube_json_str(n, "spec.podCIDR");
		char *out = c && c[0] ? strdup(c) : NULL;
		cJSON_Delete(n);
		if (out)
			return out;
		cube_test_sleep_ms(100);
	}
	return NULL;
}

static void create_node(const char *name)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\"}}", name);
	cJSON *o = parse(body);
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(k.client, &CUBE_GVR_NODES, NULL, o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(o);
}

Test(nodeipam, nodes_get_distinct_pod_cidrs_and_freed_ones_come_back, .fini = teardown,
     .timeout = 90)
{
	static const char *const cm_args[] = {"--allocate-node-cidrs", "--cluster-cidr",
					      "10.250.0.0/23", NULL};
	cr_assert_eq(cube_test_cluster_start(
			     &k, &(cube_test_cluster_opts){.hollow_nodes = 1, .cm_args = cm_args}),
		     0);
	/* hollow-0 has its own (10.128.0.0/24): left alone, not counted. */
	create_node("ipam-a");
	create_node("ipam-b");
	char *a = pod_cidr_of("ipam-a", 20000), *b = pod_cidr_of("ipam-b", 20000);
	cr_assert(a && b, "no pod CIDR assigned");
	cr_expect_str_neq(a, b);
	cr_expect(!strncmp(a, "10.250.", 7) && strstr(a, "/24"), "%s", a);
	cr_expect(!strncmp(b, "10.250.", 7) && strstr(b, "/24"), "%s", b);
	cJSON *n = cube_kclient_get(k.client, &CUBE_GVR_NODES, NULL, "ipam-a", NULL);
	cr_expect_str_eq(cJSON_GetArrayItem(cube_json_path(n, "spec.podCIDRs"), 0)->valuestring, a);
	cJSON_Delete(n);
	char *h = pod_cidr_of("hollow-0", 1000);
	cr_expect_str_eq(h, "10.128.0.0/24");
	free(h);
	/* The /23 holds two /24s: a third node waits, with an event. */
	create_node("ipam-c");
	cube_test_sleep_ms(1500);
	char *c = pod_cidr_of("ipam-c", 100);
	cr_expect_null(c, "a third /24 out of a /23: %s", c ? c : "");
	free(c);
	cr_expect(has_event("CIDRNotAvailable", "Node ipam-c status is now: CIDRNotAvailable"));
	/* A node goes: its range goes to the one waiting. */
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_kclient_delete(k.client, &CUBE_GVR_NODES, NULL, "ipam-a", NULL, &err), 0,
		     "%s", err.msg);
	c = pod_cidr_of("ipam-c", 20000);
	cr_assert_not_null(c, "the freed range was not handed out");
	cr_expect_str_eq(c, a);
	free(a);
	free(b);
	free(c);
}
