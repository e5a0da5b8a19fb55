/* test_scheduler.c - cube-scheduler with hollow nodes against the real API
 * server: node selectors, a pod too big for every node (its reason, then
 * scheduled once a node with room appears), spreading a ReplicaSet's pods,
 * the scorecard annotation. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver_harness.h"
#include "kclient.h"
#include "obj.h"

static cube_test_api api;
static pid_t kubelet_pid, sched_pid;
static cube_kclient *c;

static const char *bin(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("CUBE_BIN_DIR");
	snprintf(buf, size, "%s/%s", dir && dir[0] ? dir : "build/asan/bin", name);
	return buf;
}

static cJSON *parse(const char *text)
{
	return cube_json_parse(text, strlen(text), NULL);
}

static void create(const cube_gvr *r, const char *json)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = parse(json);
	cr_assert_not_null(o, "bad test JSON: %s", json);
	cJSON *made = cube_kclient_create(c, r, "default", o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(o);
}

/* Waits until the pod is bound; returns its node (malloc'd) or NULL. */
static char *wait_bound(const char *name, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		cJSON *p = cube_kclient_get(c, &CUBE_GVR_PODS, "default", name, NULL);
		const char *node = cube_json_str(p, "spec.nodeName");
		char *out = node && node[0] ? strdup(node) : NULL;
		cJSON_Delete(p);
		if (out)
			return out;
		cube_test_sleep_ms(100);
	}
	return NULL;
}

static void setup(void)
{
	cr_assert_eq(cube_test_api_start(&api, NULL), 0);
	char b1[512], b2[512], log[700];
	snprintf(log, sizeof(log), "%s/components.log", api.etcd.dir);
	const char *kargv[] = {bin("cubelet", b1, sizeof(b1)),
			       "--master",
			       api.url,
			       "--hollow-nodes",
			       "3",
			       "--port",
			       "-1",
			       "--cpu",
			       "4",
			       "--memory",
			       "8Gi",
			       NULL};
	kubelet_pid = cube_test_spawn(kargv, log, false);
	const char *sargv[] = {bin("cube-scheduler", b2, sizeof(b2)),
			       "--master",
			       api.url,
			       "--port",
			       "-1",
			       "--leader-elect=false",
			       NULL};
	sched_pid = cube_test_spawn(sargv, log, false);
	cube_kclient_config cfg = {.server = api.url};
	c = cube_kclient_new(&cfg, NULL);
	/* three Ready nodes */
	for (int w = 0; w < 200; w++) {
		cJSON *l = cube_kclient_list(c, &CUBE_GVR_NODES, NULL, NULL, NULL);
		int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items"));
		cJSON_Delete(l);
		if (n == 3)
			break;
		cube_test_sleep_ms(50);
	}
}

static void teardown(void)
{
	cube_test_kill(sched_pid, 5000);
	cube_test_kill(kubelet_pid, 5000);
	cube_kclient_free(c);
	cube_test_api_destroy(&api);
}

TestSuite(scheduler, .init = setup, .fini = teardown, .timeout = 120);

Test(scheduler, node_selector_places_the_pod_on_a_matching_node)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *patch = parse("{\"metadata\":{\"labels\":{\"disk\":\"ssd\"}}}");
	cJSON *out = cube_kclient_patch(c, &CUBE_GVR_NODES, NULL, "hollow-1", NULL, "merge", patch,
					&err);
	cr_assert_not_null(out, "%s", err.msg);
	cJSON_Delete(out);
	cJSON_Delete(patch);
	for (int i = 0; i < 3; i++) {
		char pod[512];
		snprintf(pod, sizeof(pod),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"ssd-%"
			 "d\"},\"spec\":{"
			 "\"nodeSelector\":{\"disk\":\"ssd\"},\"containers\":[{\"name\":\"c\","
			 "\"image\":\"x\"}]}}",
			 i);
		create(&CUBE_GVR_PODS, pod);
	}
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "ssd-%d", i);
		char *node = wait_bound(name, 20000);
		cr_assert_not_null(node, "%s was not scheduled", name);
		cr_assert_str_eq(node, "hollow-1");
		free(node);
	}
	/* The decision's scorecard rides on the pod. */
	cJSON *p = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "ssd-0", NULL);
	const char *card = cube_obj_annotation(p, "scheduler.cube.io/scorecard");
	cr_assert_not_null(card, "no scorecard annotation");
	cJSON *sc = parse(card);
	cr_assert_not_null(sc, "scorecard is not JSON: %s", card);
	cr_assert_str_eq(cube_json_str(sc, "node"), "hollow-1");
	cJSON_Delete(sc);
	cJSON_Delete(p);
}

Test(scheduler, a_pod_too_big_waits_with_its_reason_then_fits_on_a_new_node)
{
	create(&CUBE_GVR_PODS,
	       "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"big\"},\"spec\":{"
	       "\"containers\":[{\"name\":\"c\",\"image\":\"x\",\"resources\":{\"requests\":{"
	       "\"cpu\":\"100\"}}}]}}");
	const char *msg = NULL;
	cJSON *p = NULL;
	for (int w = 0; w < 100 && !msg; w++) {
		cJSON_Delete(p);
		p = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "big", NULL);
		const cJSON *cond;
		cJSON_ArrayForEach (cond, cube_json_path(p, "status.conditions")) {
			if (!strcmp(cube_json_str(cond, "type"), "PodScheduled"))
				msg = cube_json_str(cond, "message");
		}
		if (!msg)
			cube_test_sleep_ms(100);
	}
	cr_assert_not_null(msg, "no PodScheduled=False condition");
	cr_assert_str_eq(msg, "0/3 nodes are available: 3 Insufficient cpu.");
	cr_assert_null(cube_json_str(p, "spec.nodeName"));
	cJSON_Delete(p);
	/* The Warning event says the same. */
	char out[4096];
	cube_test_sh(out, sizeof(out),
		     "timeout 30 %s get events --field-selector involvedObject.name=big -o "
		     "jsonpath='{.items[*].reason}'",
		     api.kubectl);
	cr_assert(strstr(out, "FailedScheduling"), "events: %s", out);
	/* A node with room appears: the pod is scheduled there. */
	char b[512], log[700];
	snprintf(log, sizeof(log), "%s/big-node.log", api.etcd.dir);
	const char *argv[] = {bin("cubelet", b, sizeof(b)),
			      "--master",
			      api.url,
			      "--runtime",
			      "hollow",
			      "--hostname-override",
			      "bignode",
			      "--pod-cidr",
			      "10.200.0.0/24",
			      "--port",
			      "-1",
			      "--cpu",
			      "200",
			      "--memory",
			      "64Gi",
			      NULL};
	pid_t big = cube_test_spawn(argv, log, false);
	char *node = wait_bound("big", 30000);
	cube_test_kill(big, 5000);
	cr_assert_not_null(node, "the pod was not scheduled once a node with room appeared");
	cr_assert_str_eq(node, "bignode");
	free(node);
}

Test(scheduler, a_replicasets_pods_spread_over_the_nodes)
{
	create(&CUBE_GVR_REPLICASETS,
	       "{\"apiVersion\":\"apps/"
	       "v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web\"},\"spec\":{"
	       "\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{"
	       "\"metadata\":"
	       "{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	       "\"x\"}]}}}}");
	for (int i = 0; i < 3; i++) {
		char pod[512];
		snprintf(pod, sizeof(pod),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-%"
			 "d\",\"labels\":"
			 "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
			 "\"x\"}]}}",
			 i);
		create(&CUBE_GVR_PODS, pod);
	}
	char *nodes[3];
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "web-%d", i);
		nodes[i] = wait_bound(name, 20000);
		cr_assert_not_null(nodes[i], "%s was not scheduled", name);
	}
	cr_assert(strcmp(nodes[0], nodes[1]) && strcmp(nodes[0], nodes[2]) &&
			  strcmp(nodes[1], nodes[2]),
		  "not spread: %s %s %s", nodes[0], nodes[1], nodes[2]);
	for (int i = 0; i < 3; i++)
		free(nodes[i]);
}

/* The queue hands out the higher priority first: with room for three pods,
 * three low-priority pods created first (and first by name) lose to three
 * high-priority ones when the scheduler starts with all six pending. */
Test(scheduler, higher_priority_pods_are_scheduled_first)
{
	cube_test_kill(sched_pid, 5000);
	sched_pid = 0;
	const char *names[] = {"a-low-0", "a-low-1", "a-low-2", "z-high-0", "z-high-1", "z-high-2"};
	for (int i = 0; i < 6; i++) {
		char pod[512];
		snprintf(pod, sizeof(pod),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
			 "\"spec\":{%s\"containers\":[{\"name\":\"c\",\"image\":\"x\","
			 "\"resources\":{\"requests\":{\"cpu\":\"3\"}}}]}}",
			 names[i], i < 3 ? "" : "\"priority\":1000,");
		create(&CUBE_GVR_PODS, pod);
	}
	char b[512], log[700];
	snprintf(log, sizeof(log), "%s/components.log", api.etcd.dir);
	const char *sargv[] = {bin("cube-scheduler", b, sizeof(b)),
			       "--master",
			       api.url,
			       "--port",
			       "-1",
			       "--leader-elect=false",
			       NULL};
	sched_pid = cube_test_spawn(sargv, log, false);
	for (int i = 3; i < 6; i++) {
		char *node = wait_bound(names[i], 40000);
		if (!node) {
			/* say where every pod went, and what the scheduler said */
			for (int j = 0; j < 6; j++) {
				cJSON *p = cube_kclient_get(c, &CUBE_GVR_PODS, "default", names[j],
							    NULL);
				fprintf(stderr, "%s -> %s\n", names[j],
					cube_json_str(p, "spec.nodeName")
						? cube_json_str(p, "spec.nodeName")
						: "(pending)");
				cJSON_Delete(p);
			}
			cube_test_print_tail(log);
		}
		cr_assert_not_null(node, "%s (priority 1000) was not scheduled", names[i]);
		free(node);
	}
	for (int i = 0; i < 3; i++) {
		cJSON *p = cube_kclient_get(c, &CUBE_GVR_PODS, "default", names[i], NULL);
		const char *node = cube_json_str(p, "spec.nodeName");
		cr_assert(!node || !node[0], "%s (priority 0) took %s before a priority-1000 pod",
			  names[i], node);
		cJSON_Delete(p);
	}
}
