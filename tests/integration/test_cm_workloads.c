/* test_cm_workloads.c - the DaemonSet and StatefulSet controllers in a whole
 * cluster of real processes (tests/harness/cluster_harness.h: etcd, the API
 * server, 2 cubelets x 2 hollow nodes, the scheduler, the controller-manager),
 * driven by the real kubectl where a user would use it.
 *
 * DaemonSets: exactly one pod on each node, each bound by the scheduler
 * through the matchFields node affinity; `kubectl get ds` columns; a node
 * labelled out of the nodeSelector loses its pod, one labelled in gets one;
 * `kubectl set image` then `kubectl rollout status ds/x`.  StatefulSets:
 * OrderedReady creates x-0, x-1, x-2 each after the one before is Ready
 * (seen in the order of a pod watch), names, labels, hostname and
 * subdomain, `kubectl rollout status sts/x` after `set image` (updated from
 * the highest ordinal down), scaling down to 1 removes x-2 before x-1 is
 * touched; Parallel creates them all before the first is Ready.
 *
 * One cluster serves every test (started in main); each test uses its own
 * names, so tests may run in parallel. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_harness.h"
#include "kclient.h"
#include "obj.h"
#include "proc.h"

#define NODES 4

static cube_kclient *client(void)
{
	static cube_kclient *c;
	if (!c) {
		cube_kclient_config cfg = {.server = getenv("CUBE_TEST_API_URL")};
		c = cube_kclient_new(&cfg, NULL);
		cr_assert_not_null(c);
	}
	return c;
}

static cJSON *parse(const char *text)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	cJSON *o = cube_json_parse(buf, strlen(buf), NULL);
	cr_assert_not_null(o, "bad test JSON: %s", buf);
	return o;
}

static void create(const cube_gvr *r, const char *json)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = parse(json);
	cJSON *made = cube_kclient_create(client(), r, "default", o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(o);
}

static cJSON *pods(const char *selector)
{
	cube_list_opts lo = {.label_selector = selector};
	cJSON *l = cube_kclient_list(client(), &CUBE_GVR_PODS, "default", &lo, NULL);
	cr_assert_not_null(l);
	return l;
}

static void kubectl_ok(char *out, size_t size, const char *args)
{
	int rc = cube_test_kubectl(out, size, "%s", args);
	cr_assert_eq(rc, 0, "kubectl %s: rc %d: %s", args, rc, out);
}

/* ---- DaemonSets ---------------------------------------------------------------------------- */

/* Pods of the selector per node (hollow-0..3), of those bound; how many
 * pods in all (bound or not, not being deleted). */
static int pods_per_node(const char *selector, int per_node[NODES], const char *image)
{
	cJSON *l = pods(selector);
	int total = 0;
	memset(per_node, 0, NODES * sizeof(int));
	const cJSON *p;
	cJSON_ArrayForEach (p, cube_json_path(l, "items")) {
		if (cube_json_str(p, "metadata.deletionTimestamp"))
			continue;
		const cJSON *c0 = cube_json_path(p, "spec.containers")->child;
		if (image && strcmp(cube_json_str(c0, "image"), image))
			continue;
		total++;
		const char *n = cube_json_str(p, "spec.nodeName");
		int i;
		if (n && sscanf(n, "hollow-%d", &i) == 1 && i >= 0 && i < NODES)
			per_node[i]++;
	}
	cJSON_Delete(l);
	return total;
}

static bool wait_layout(const char *selector, const int want[NODES], const char *image, int ms)
{
	int have[NODES];
	for (int w = 0; w < ms; w += 200) {
		int total = pods_per_node(selector, have, image);
		int want_total = 0;
		bool same = true;
		for (int i = 0; i < NODES; i++) {
			want_total += want[i];
			same = same && have[i] == want[i];
		}
		if (same && total == want_total)
			return true;
		cube_test_sleep_ms(200);
	}
	fprintf(stderr, "layout of %s: have %d %d %d %d\n", selector, have[0], have[1], have[2],
		have[3]);
	return false;
}

static int64_t status_int(const cube_gvr *r, const char *name, const char *field)
{
	cJSON *o = cube_kclient_get(client(), r, "default", name, NULL);
	int64_t v = cube_json_int(o, field, -1);
	cJSON_Delete(o);
	return v;
}

static bool wait_status(const cube_gvr *r, const char *name, const char *field, int64_t want)
{
	for (int w = 0; w < 20000; w += 200) {
		if (status_int(r, name, field) == want)
			return true;
		cube_test_sleep_ms(200);
	}
	return false;
}

Test(daemonset, one_pod_per_node_and_rolling_update, .timeout = 90)
{
	create(&CUBE_GVR_DAEMONSETS,
	       "{'metadata':{'name':'ds-all'},'spec':{'selector':{'matchLabels':{'app':'ds-all'}},"
	       "'template':{'metadata':{'labels':{'app':'ds-all'}},'spec':{'containers':[{'name':"
	       "'c','image':'img:1'}]}}}}");
	const int all[NODES] = {1, 1, 1, 1};
	cr_assert(wait_layout("app=ds-all", all, NULL, 20000), "one pod on each node");
	cr_assert(wait_status(&CUBE_GVR_DAEMONSETS, "ds-all", "status.numberAvailable", NODES));
	/* Each pod asks for its node by matchFields, with the daemon tolerations. */
	cJSON *l = pods("app=ds-all");
	const cJSON *p;
	cJSON_ArrayForEach (p, cube_json_path(l, "items")) {
		const cJSON *mf =
			cube_json_path(p, "spec.affinity.nodeAffinity."
					  "requiredDuringSchedulingIgnoredDuringExecution."
					  "nodeSelectorTerms")
				->child;
		mf = cube_json_path(mf, "matchFields")->child;
		cr_expect_str_eq(cube_json_str(mf, "key"), "metadata.name");
		cr_expect_str_eq(cube_json_path(mf, "values")->child->valuestring,
				 cube_json_str(p, "spec.nodeName"));
		cr_expect_not_null(cube_obj_label(p, "controller-revision-hash"));
		cr_expect_not_null(cube_obj_label(p, "pod-template-generation"));
		cr_expect_geq(cJSON_GetArraySize(cube_json_path(p, "spec.tolerations")), 6);
	}
	cJSON_Delete(l);
	char out[8192];
	kubectl_ok(out, sizeof(out), "get ds ds-all");
	char words[512], *w[12];
	int n = cube_test_words(out, 0, words, sizeof(words), w, 12);
	cr_assert_eq(n, 9, "%s", out);
	const char *head[] = {"NAME",	   "DESIRED", "CURRENT",  "READY", "UP-TO-DATE",
			      "AVAILABLE", "NODE",    "SELECTOR", "AGE"};
	for (int i = 0; i < 9; i++)
		cr_expect_str_eq(w[i], head[i]);
	n = cube_test_words(out, 1, words, sizeof(words), w, 12);
	cr_assert_eq(n, 8, "%s", out);
	const char *row[] = {"ds-all", "4", "4", "4", "4", "4", "<none>"};
	for (int i = 0; i < 7; i++)
		cr_expect_str_eq(w[i], row[i], "column %d: %s", i, out);
	/* Rolling update. */
	kubectl_ok(out, sizeof(out), "set image ds/ds-all c=img:2");
	kubectl_ok(out, sizeof(out), "rollout status ds/ds-all --timeout=60s");
	cr_expect(strstr(out, "daemon set \"ds-all\" successfully rolled out"), "%s", out);
	cr_assert(wait_layout("app=ds-all", all, "img:2", 20000), "every pod at img:2");
	cr_assert(wait_layout("app=ds-all", all, NULL, 20000), "no old pod left");
	kubectl_ok(out, sizeof(out),
		   "get events --field-selector involvedObject.name=ds-all,reason=SuccessfulDelete "
		   "-o name");
	cr_expect_geq(cube_test_count_lines(out), 1, "%s", out);
	kubectl_ok(out, sizeof(out), "delete ds ds-all");
}

Test(daemonset, node_selector_follows_labels, .timeout = 90)
{
	char out[4096];
	kubectl_ok(out, sizeof(out), "label node hollow-0 hollow-1 wl-sel=on --overwrite");
	create(&CUBE_GVR_DAEMONSETS,
	       "{'metadata':{'name':'ds-sel'},'spec':{'selector':{'matchLabels':{'app':'ds-sel'}},"
	       "'template':{'metadata':{'labels':{'app':'ds-sel'}},'spec':{'nodeSelector':{"
	       "'wl-sel':'on'},'containers':[{'name':'c','image':'img:1'}]}}}}");
	const int two[NODES] = {1, 1, 0, 0};
	cr_assert(wait_layout("app=ds-sel", two, NULL, 20000));
	cr_assert(wait_status(&CUBE_GVR_DAEMONSETS, "ds-sel", "status.desiredNumberScheduled", 2));
	/* Labelled out: its pod goes; labelled in: it gets one. */
	kubectl_ok(out, sizeof(out), "label node hollow-1 wl-sel-");
	kubectl_ok(out, sizeof(out), "label node hollow-3 wl-sel=on");
	const int moved[NODES] = {1, 0, 0, 1};
	cr_assert(wait_layout("app=ds-sel", moved, NULL, 20000));
	cr_assert(wait_status(&CUBE_GVR_DAEMONSETS, "ds-sel", "status.numberReady", 2));
	kubectl_ok(out, sizeof(out), "get ds ds-sel");
	cr_expect(strstr(out, "wl-sel=on"), "NODE SELECTOR column: %s", out);
	kubectl_ok(out, sizeof(out), "label node hollow-0 hollow-3 wl-sel-");
	const int none[NODES] = {0, 0, 0, 0};
	cr_assert(wait_layout("app=ds-sel", none, NULL, 20000));
	kubectl_ok(out, sizeof(out), "delete ds ds-sel");
}

/* ---- StatefulSets: a pod watch that records what happened, in order --------------------- */

#define MAX_EVENTS 512

typedef struct pod_log {
	char sel[64];
	pthread_t th;
	atomic_int cancel;
	pthread_mutex_t mu;
	char ev[MAX_EVENTS]
	       [80]; /* "ADDED web-0", "READY web-0", "DELETING web-2", "DELETED web-2" */
	int n;
	char rv[32];
} pod_log;

static void log_add(pod_log *l, const char *what, const char *name)
{
	pthread_mutex_lock(&l->mu);
	if (l->n < MAX_EVENTS) {
		snprintf(l->ev[l->n], sizeof(l->ev[0]), "%s %s", what, name);
		l->n++;
	}
	pthread_mutex_unlock(&l->mu);
}

static bool ready(const cJSON *p)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(p, "status.conditions")) {
		if (!strcmp(cube_json_str(c, "type"), "Ready"))
			return !strcmp(cube_json_str(c, "status"), "True");
	}
	return false;
}

static int on_event(void *ud, const char *type, cJSON *o)
{
	pod_log *l = ud;
	const char *name = cube_obj_name(o);
	if (!name)
		return 0;
	if (!strcmp(type, "ADDED"))
		log_add(l, "ADDED", name);
	if (!strcmp(type, "DELETED"))
		log_add(l, "DELETED", name);
	else if (cube_json_str(o, "metadata.deletionTimestamp"))
		log_add(l, "DELETING", name);
	else if (ready(o))
		log_add(l, "READY", name);
	return 0;
}

static void *watch_main(void *ud)
{
	pod_log *l = ud;
	cube_watch_opts wo = {.label_selector = l->sel, .resource_version = l->rv};
	cube_kclient_watch(client(), &CUBE_GVR_PODS, "default", &wo, on_event, l, &l->cancel, NULL);
	return NULL;
}

static void log_start(pod_log *l, const char *app)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	snprintf(l->sel, sizeof(l->sel), "app=%s", app);
	cJSON *list = pods(l->sel);
	snprintf(l->rv, sizeof(l->rv), "%s", cube_json_str(list, "metadata.resourceVersion"));
	cJSON_Delete(list);
	cr_assert_eq(pthread_create(&l->th, NULL, watch_main, l), 0);
}

static void log_stop(pod_log *l)
{
	atomic_store(&l->cancel, 1);
	pthread_join(l->th, NULL);
}

/* Index of the first event "what name" from index `from`, or -1. */
static int log_find_from(pod_log *l, int from, const char *what, const char *name)
{
	char want[80];
	snprintf(want, sizeof(want), "%s %s", what, name);
	pthread_mutex_lock(&l->mu);
	int at = -1;
	for (int i = from; i < l->n && at < 0; i++)
		if (!strcmp(l->ev[i], want))
			at = i;
	pthread_mutex_unlock(&l->mu);
	return at;
}

static int log_find(pod_log *l, const char *what, const char *name)
{
	return log_find_from(l, 0, what, name);
}

static int log_len(pod_log *l)
{
	pthread_mutex_lock(&l->mu);
	int n = l->n;
	pthread_mutex_unlock(&l->mu);
	return n;
}

static void log_dump(pod_log *l)
{
	pthread_mutex_lock(&l->mu);
	for (int i = 0; i < l->n; i++)
		fprintf(stderr, "  %d: %s\n", i, l->ev[i]);
	pthread_mutex_unlock(&l->mu);
}

static bool wait_event_from(pod_log *l, int from, const char *what, const char *name, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		if (log_find_from(l, from, what, name) >= 0)
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

static bool wait_event(pod_log *l, const char *what, const char *name, int ms)
{
	return wait_event_from(l, 0, what, name, ms);
}

static const char *sts_json(const char *name, const char *policy)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{'metadata':{'name':'%s'},'spec':{'replicas':3,'serviceName':'%s-svc',"
		 "'podManagementPolicy':'%s','selector':{'matchLabels':{'app':'%s'}},"
		 "'template':{'metadata':{'labels':{'app':'%s'}},'spec':{'containers':[{'name':"
		 "'c','image':'img:1'}]}}}}",
		 name, name, policy, name, name);
	return buf;
}

Test(statefulset, ordered_ready_create_update_scale_down, .timeout = 120)
{
	pod_log l;
	log_start(&l, "web");
	create(&CUBE_GVR_STATEFULSETS, sts_json("web", "OrderedReady"));
	cr_assert(wait_event(&l, "READY", "web-2", 30000), "web-2 Ready");
	/* web-i is created only after web-(i-1) is Ready. */
	for (int i = 1; i < 3; i++) {
		char prev[16], cur[16];
		snprintf(prev, sizeof(prev), "web-%d", i - 1);
		snprintf(cur, sizeof(cur), "web-%d", i);
		int r = log_find(&l, "READY", prev), a = log_find(&l, "ADDED", cur);
		if (!(r >= 0 && a > r))
			log_dump(&l);
		cr_assert(r >= 0 && a > r, "%s ADDED at %d, %s READY at %d", cur, a, prev, r);
	}
	cJSON *list = pods("app=web");
	cr_assert_eq(cJSON_GetArraySize(cube_json_path(list, "items")), 3);
	const cJSON *p;
	cJSON_ArrayForEach (p, cube_json_path(list, "items")) {
		const char *name = cube_obj_name(p);
		cr_expect(!strcmp(name, "web-0") || !strcmp(name, "web-1") ||
				  !strcmp(name, "web-2"),
			  "%s", name);
		cr_expect_str_eq(cube_obj_label(p, "statefulset.kubernetes.io/pod-name"), name);
		cr_expect_str_eq(cube_obj_label(p, "apps.kubernetes.io/pod-index"), name + 4);
		cr_expect_not_null(cube_obj_label(p, "controller-revision-hash"));
		cr_expect_str_eq(cube_json_str(p, "spec.hostname"), name);
		cr_expect_str_eq(cube_json_str(p, "spec.subdomain"), "web-svc");
	}
	cJSON_Delete(list);
	char out[8192];
	kubectl_ok(out, sizeof(out), "rollout status sts/web --timeout=30s");
	kubectl_ok(out, sizeof(out), "get sts web");
	char words[256], *w[8];
	cr_assert_eq(cube_test_words(out, 0, words, sizeof(words), w, 8), 3, "%s", out);
	cr_expect_str_eq(w[0], "NAME");
	cr_expect_str_eq(w[1], "READY");
	cr_expect_str_eq(w[2], "AGE");
	cr_assert_eq(cube_test_words(out, 1, words, sizeof(words), w, 8), 3, "%s", out);
	cr_expect_str_eq(w[1], "3/3");
	kubectl_ok(out, sizeof(out),
		   "get events --field-selector involvedObject.name=web -o "
		   "custom-columns=R:.reason,M:.message --no-headers");
	cr_expect(strstr(out, "create Pod web-0 in StatefulSet web successful"), "%s", out);

	/* Rolling update: from the highest ordinal down, one at a time. */
	kubectl_ok(out, sizeof(out), "set image sts/web c=img:2");
	kubectl_ok(out, sizeof(out), "rollout status sts/web --timeout=60s");
	/* rollingUpdate is set (the API server defaults partition 0): kubectl
	 * reports a partitioned roll out. */
	cr_expect(strstr(out, "partitioned roll out complete: 3 new pods have been updated"), "%s",
		  out);
	int d2 = log_find(&l, "DELETING", "web-2"), d1 = log_find(&l, "DELETING", "web-1");
	int d0 = log_find(&l, "DELETING", "web-0");
	if (!(d2 >= 0 && d1 > d2 && d0 > d1))
		log_dump(&l);
	cr_expect(d2 >= 0 && d1 > d2 && d0 > d1, "update order: web-2 %d, web-1 %d, web-0 %d", d2,
		  d1, d0);
	list = pods("app=web");
	cJSON_ArrayForEach (p, cube_json_path(list, "items")) {
		cr_expect_str_eq(
			cube_json_str(cube_json_path(p, "spec.containers")->child, "image"),
			"img:2");
	}
	cJSON_Delete(list);
	cr_expect(wait_status(&CUBE_GVR_STATEFULSETS, "web", "status.currentReplicas", 3));

	/* Scale down: web-2 is gone before web-1 is touched. */
	int before = log_len(&l);
	kubectl_ok(out, sizeof(out), "scale sts web --replicas=1");
	cr_assert(wait_event_from(&l, before, "DELETED", "web-1", 30000));
	int gone2 = log_find_from(&l, before, "DELETED", "web-2");
	int touch1 = log_find_from(&l, before, "DELETING", "web-1");
	if (!(gone2 >= 0 && touch1 > gone2))
		log_dump(&l);
	cr_expect(gone2 >= 0 && touch1 > gone2, "web-2 deleted at %d, web-1 deleting at %d", gone2,
		  touch1);
	log_stop(&l);
	cr_expect(wait_status(&CUBE_GVR_STATEFULSETS, "web", "status.replicas", 1));
	list = pods("app=web");
	cr_expect_eq(cJSON_GetArraySize(cube_json_path(list, "items")), 1);
	cr_expect_str_eq(cube_obj_name(cube_json_path(list, "items")->child), "web-0");
	cJSON_Delete(list);
	kubectl_ok(out, sizeof(out), "delete sts web");
}

Test(statefulset, parallel_creates_all_at_once, .timeout = 60)
{
	pod_log l;
	log_start(&l, "par");
	create(&CUBE_GVR_STATEFULSETS, sts_json("par", "Parallel"));
	cr_assert(wait_event(&l, "READY", "par-0", 20000));
	cr_assert(wait_event(&l, "READY", "par-2", 20000));
	int r0 = log_find(&l, "READY", "par-0");
	int a1 = log_find(&l, "ADDED", "par-1"), a2 = log_find(&l, "ADDED", "par-2");
	if (!(a1 >= 0 && a2 >= 0 && a1 < r0 && a2 < r0))
		log_dump(&l);
	cr_expect(a1 >= 0 && a2 >= 0 && a1 < r0 && a2 < r0,
		  "par-1 (%d) and par-2 (%d) added before par-0 was Ready (%d)", a1, a2, r0);
	log_stop(&l);
	char out[4096];
	kubectl_ok(out, sizeof(out), "rollout status sts/par --timeout=30s");
	kubectl_ok(out, sizeof(out), "delete sts par");
}

/* ---- main ----------------------------------------------------------------------------- */

int main(int argc, char *argv[])
{
	static cube_test_cluster k;
	if (cube_test_cluster_start(
		    &k, &(cube_test_cluster_opts){.cubelets = 2, .hollow_nodes = 2}) < 0)
		return 1;
	setenv("CUBE_TEST_KUBECTL", k.api.kubectl, 1);
	setenv("CUBE_TEST_API_URL", k.api.url, 1);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	if (result)
		cube_test_print_tail(k.log);
	cube_test_cluster_destroy(&k);
	return result;
}
