/* test_cubelet.c - the cubelet with hollow nodes against the real API
 * server: registration, heartbeats, pods run and deleted gracefully, and
 * 1,000 hollow nodes in one process. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "apiserver_harness.h"
#include "kclient.h"
#include "obj.h"

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

static pid_t start_cubelet(const cube_test_api *api, const char *nodes, const char *log)
{
	const char *dir = getenv("CUBE_BIN_DIR");
	char bin[512];
	snprintf(bin, sizeof(bin), "%s/cubelet", dir && dir[0] ? dir : "build/asan/bin");
	const char *argv[] = {bin,   "--master", api->url, "--hollow-nodes",
			      nodes, "--port",	 "-1",	   "--node-heartbeat-interval",
			      "1s",  "--cpu",	 "4",	   "--memory",
			      "8Gi", NULL};
	pid_t pid = cube_test_spawn(argv, log, false);
	cr_assert_gt(pid, 0);
	return pid;
}

static cube_kclient *client(const cube_test_api *api)
{
	cube_kclient_config cfg = {.server = api->url};
	cube_kclient *c = cube_kclient_new(&cfg, NULL);
	cr_assert_not_null(c);
	return c;
}

static int ready_nodes(cube_kclient *c)
{
	cJSON *l = cube_kclient_list(c, &CUBE_GVR_NODES, NULL, NULL, NULL);
	int ready = 0;
	const cJSON *n, *cond;
	cJSON_ArrayForEach (n, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		cJSON_ArrayForEach (cond, cube_json_path(n, "status.conditions")) {
			const char *t = cube_json_str(cond, "type");
			const char *st = cube_json_str(cond, "status");
			if (t && st && !strcmp(t, "Ready") && !strcmp(st, "True"))
				ready++;
		}
	}
	cJSON_Delete(l);
	return ready;
}

static cJSON *pod_json(const char *name, const char *node)
{
	char buf[512];
	snprintf(buf, sizeof(buf),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},\"spec\":{"
		 "\"nodeName\":\"%s\",\"containers\":[{\"name\":\"c\",\"image\":\"web:v1\"}]}}",
		 name, node);
	return cube_json_parse(buf, strlen(buf), NULL);
}

Test(cubelet, hollow_nodes_register_heartbeat_and_run_pods, .timeout = 90)
{
	cube_test_api api;
	cr_assert_eq(cube_test_api_start(&api, NULL), 0);
	char log[700];
	snprintf(log, sizeof(log), "%s/cubelet.log", api.etcd.dir);
	pid_t kl = start_cubelet(&api, "5", log);
	cube_kclient *c = client(&api);
	int ready = 0;
	for (int i = 0; i < 100 && (ready = ready_nodes(c)) < 5; i++)
		sleep_ms(100);
	cr_assert_eq(ready, 5, "%d of 5 nodes Ready", ready);

	/* Heartbeats: hollow-3's Lease is renewed (1 s period). */
	cube_err err = CUBE_ERR_INIT;
	char first[64] = "";
	for (int i = 0; i < 50 && !first[0]; i++) {
		cJSON *l =
			cube_kclient_get(c, &CUBE_GVR_LEASES, "kube-node-lease", "hollow-3", NULL);
		if (l && cube_json_str(l, "spec.renewTime"))
			snprintf(first, sizeof(first), "%s", cube_json_str(l, "spec.renewTime"));
		cJSON_Delete(l);
		if (!first[0])
			sleep_ms(100);
	}
	cr_assert(first[0], "no Lease for hollow-3");
	bool renewed = false;
	for (int i = 0; i < 40 && !renewed; i++) {
		sleep_ms(100);
		cJSON *l =
			cube_kclient_get(c, &CUBE_GVR_LEASES, "kube-node-lease", "hollow-3", NULL);
		renewed = l && strcmp(cube_json_str(l, "spec.renewTime"), first) != 0;
		cJSON_Delete(l);
	}
	cr_assert(renewed, "hollow-3's Lease was not renewed");

	/* A pod bound to hollow-2 runs with an IP from hollow-2's CIDR. */
	cJSON *p = pod_json("web", "hollow-2");
	cJSON *made = cube_kclient_create(c, &CUBE_GVR_PODS, "default", p, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(p);
	cJSON *pod = NULL;
	for (int i = 0; i < 100; i++) {
		cJSON_Delete(pod);
		pod = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "web", NULL);
		const char *ph = cube_json_str(pod, "status.phase");
		if (ph && !strcmp(ph, "Running"))
			break;
		sleep_ms(100);
	}
	cr_assert_str_eq(cube_json_str(pod, "status.phase"), "Running");
	cr_assert(!strncmp(cube_json_str(pod, "status.podIP"), "10.128.2.", 9), "podIP %s",
		  cube_json_str(pod, "status.podIP"));
	cr_assert_str_eq(cube_json_str(pod, "status.hostIP"), "127.1.0.3");
	const cJSON *cs = cJSON_GetArrayItem(cube_json_path(pod, "status.containerStatuses"), 0);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cs, "ready")));
	cJSON_Delete(pod);

	/* Graceful deletion: the API server marks it, the cubelet finishes it. */
	cr_assert_eq(cube_kclient_delete(c, &CUBE_GVR_PODS, "default", "web", NULL, &err), 0, "%s",
		     err.msg);
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		cJSON *g = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "web", &err);
		gone = !g && err.code == CUBE_ENOTFOUND;
		cJSON_Delete(g);
		if (!gone)
			sleep_ms(100);
	}
	cr_assert(gone, "the cubelet did not finish the pod's deletion");

	/* A pod bound to a node nobody runs stays Pending. */
	p = pod_json("orphan", "nowhere");
	made = cube_kclient_create(c, &CUBE_GVR_PODS, "default", p, &err);
	cJSON_Delete(made);
	cJSON_Delete(p);
	sleep_ms(1000);
	pod = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "orphan", NULL);
	cr_assert_str_eq(cube_json_str(pod, "status.phase"), "Pending");
	cJSON_Delete(pod);

	/* A restarted cubelet adopts its nodes (no error, still Ready). */
	cube_test_kill(kl, 5000);
	kl = start_cubelet(&api, "5", log);
	sleep_ms(1500);
	cr_assert_eq(ready_nodes(c), 5);
	cube_test_kill(kl, 5000);
	cube_kclient_free(c);
	cube_test_api_destroy(&api);
}

Test(cubelet, a_thousand_hollow_nodes, .timeout = 180)
{
	cube_test_api api;
	cr_assert_eq(cube_test_api_start(&api, NULL), 0);
	char log[700];
	snprintf(log, sizeof(log), "%s/cubelet.log", api.etcd.dir);
	pid_t kl = start_cubelet(&api, "1000", log);
	cube_kclient *c = client(&api);
	int ready = 0;
	for (int i = 0; i < 1200 && (ready = ready_nodes(c)) < 1000; i++)
		sleep_ms(100);
	cr_assert_eq(ready, 1000, "%d of 1000 nodes Ready", ready);
	/* kubectl lists them. */
	char out[256];
	int rc = cube_test_sh(out, sizeof(out),
			      "timeout 60 %s get nodes --no-headers | grep -c ' Ready '",
			      api.kubectl);
	cr_assert_eq(rc, 0);
	cr_assert_eq(atoi(out), 1000, "kubectl listed %s Ready nodes", out);
	/* Bound pods run. */
	cube_err err = CUBE_ERR_INIT;
	for (int i = 0; i < 20; i++) {
		char name[32], node[32];
		snprintf(name, sizeof(name), "p%d", i);
		snprintf(node, sizeof(node), "hollow-%d", i * 47);
		cJSON *p = pod_json(name, node);
		cJSON *made = cube_kclient_create(c, &CUBE_GVR_PODS, "default", p, &err);
		cr_assert_not_null(made, "%s", err.msg);
		cJSON_Delete(made);
		cJSON_Delete(p);
	}
	int running = 0;
	for (int t = 0; t < 100 && running < 20; t++) {
		sleep_ms(100);
		running = 0;
		cube_list_opts o = {.field_selector = "status.phase=Running"};
		cJSON *l = cube_kclient_list(c, &CUBE_GVR_PODS, "default", &o, NULL);
		running = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items"));
		cJSON_Delete(l);
	}
	cr_assert_eq(running, 20);
	cube_test_kill(kl, 10000);
	cube_kclient_free(c);
	cube_test_api_destroy(&api);
}

static cJSON *finishing_pod(const char *name, const char *policy, const char *after,
			    const char *code)
{
	char buf[1024], ann[256];
	snprintf(ann, sizeof(ann), "\"hollow.cube.dev/exit-after\":\"%s\"%s%s%s", after,
		 code ? ",\"hollow.cube.dev/exit-code\":\"" : "", code ? code : "",
		 code ? "\"" : "");
	snprintf(buf, sizeof(buf),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\","
		 "\"annotations\":{%s}},\"spec\":{\"nodeName\":\"hollow-0\",\"restartPolicy\":"
		 "\"%s\",\"containers\":[{\"name\":\"c\",\"image\":\"batch:v1\"}]}}",
		 name, ann, policy);
	return cube_json_parse(buf, strlen(buf), NULL);
}

/* Polls the pod until its phase is `phase` (up to ms); returns it. */
static cJSON *wait_phase(cube_kclient *c, const char *name, const char *phase, int ms)
{
	cJSON *pod = NULL;
	for (int w = 0; w < ms; w += 100) {
		cJSON_Delete(pod);
		pod = cube_kclient_get(c, &CUBE_GVR_PODS, "default", name, NULL);
		const char *ph = cube_json_str(pod, "status.phase");
		if (ph && !strcmp(ph, phase))
			break;
		sleep_ms(100);
	}
	return pod;
}

static const char *condition_status(const cJSON *pod, const char *type)
{
	const cJSON *cond;
	cJSON_ArrayForEach (cond, cube_json_path(pod, "status.conditions")) {
		const char *t = cube_json_str(cond, "type");
		if (t && !strcmp(t, type))
			return cube_json_str(cond, "status");
	}
	return NULL;
}

Test(cubelet, hollow_pods_finish_by_annotation, .timeout = 60)
{
	cube_test_api api;
	cr_assert_eq(cube_test_api_start(&api, NULL), 0);
	char log[700];
	snprintf(log, sizeof(log), "%s/cubelet.log", api.etcd.dir);
	pid_t kl = start_cubelet(&api, "1", log);
	cube_kclient *c = client(&api);
	for (int i = 0; i < 100 && ready_nodes(c) < 1; i++)
		sleep_ms(100);
	struct {
		const char *name, *policy, *after, *code;
	} pods[] = {{"done", "Never", "1", NULL},
		    {"ok-once", "OnFailure", "1", "0"},
		    {"fail", "Never", "1", "3"},
		    {"retry", "OnFailure", "1", "1"},
		    {"forever", "Never", "soon", NULL}};
	for (size_t i = 0; i < sizeof(pods) / sizeof(pods[0]); i++) {
		cube_err err = CUBE_ERR_INIT;
		cJSON *p = finishing_pod(pods[i].name, pods[i].policy, pods[i].after, pods[i].code);
		cJSON *made = cube_kclient_create(c, &CUBE_GVR_PODS, "default", p, &err);
		cr_assert_not_null(made, "%s", err.msg);
		cJSON_Delete(made);
		cJSON_Delete(p);
	}

	/* Exit code 0 with Never or OnFailure: Succeeded, the container Completed. */
	const char *ok[] = {"done", "ok-once"};
	for (int i = 0; i < 2; i++) {
		cJSON *pod = wait_phase(c, ok[i], "Succeeded", 10000);
		char *txt = cube_json_print(cube_json_path(pod, "status"));
		cr_assert_str_eq(cube_json_str(pod, "status.phase"), "Succeeded", "%s: %s", ok[i],
				 txt);
		free(txt);
		const cJSON *cs =
			cJSON_GetArrayItem(cube_json_path(pod, "status.containerStatuses"), 0);
		cr_assert_eq(cube_json_int(cs, "state.terminated.exitCode", -1), 0);
		cr_assert_str_eq(cube_json_str(cs, "state.terminated.reason"), "Completed");
		cr_assert_not_null(cube_json_str(cs, "state.terminated.finishedAt"));
		cr_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cs, "ready")));
		cr_assert_str_eq(condition_status(pod, "Ready"), "False");
		cJSON_Delete(pod);
	}

	/* Non-zero with Never: Failed, reason Error. */
	cJSON *pod = wait_phase(c, "fail", "Failed", 10000);
	cr_assert_str_eq(cube_json_str(pod, "status.phase"), "Failed");
	const cJSON *cs = cJSON_GetArrayItem(cube_json_path(pod, "status.containerStatuses"), 0);
	cr_assert_eq(cube_json_int(cs, "state.terminated.exitCode", -1), 3);
	cr_assert_str_eq(cube_json_str(cs, "state.terminated.reason"), "Error");
	cJSON_Delete(pod);

	/* Non-zero with OnFailure: it restarts and keeps running. */
	int64_t restarts = 0;
	for (int w = 0; w < 10000 && restarts < 2; w += 200) {
		sleep_ms(200);
		pod = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "retry", NULL);
		cs = cJSON_GetArrayItem(cube_json_path(pod, "status.containerStatuses"), 0);
		restarts = cube_json_int(cs, "restartCount", 0);
		if (restarts >= 2) {
			cr_assert_str_eq(cube_json_str(pod, "status.phase"), "Running");
			cr_assert_eq(cube_json_int(cs, "lastState.terminated.exitCode", -1), 1);
			cr_assert_str_eq(cube_json_str(cs, "lastState.terminated.reason"), "Error");
			cr_assert_not_null(cube_json_str(cs, "state.running.startedAt"));
		}
		cJSON_Delete(pod);
	}
	cr_assert_geq(restarts, 2, "restartCount %lld", (long long)restarts);

	/* A malformed annotation: the pod runs on, and a Warning says why. */
	pod = cube_kclient_get(c, &CUBE_GVR_PODS, "default", "forever", NULL);
	cr_assert_str_eq(cube_json_str(pod, "status.phase"), "Running");
	cJSON_Delete(pod);
	bool warned = false;
	for (int w = 0; w < 5000 && !warned; w += 200) {
		cJSON *l = cube_kclient_list(
			c, &CUBE_GVR_EVENTS, "default",
			&(cube_list_opts){.field_selector = "reason=InvalidHollowAnnotation"},
			NULL);
		warned = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items")) > 0;
		cJSON_Delete(l);
		if (!warned)
			sleep_ms(200);
	}
	cr_assert(warned, "no InvalidHollowAnnotation event");
	cube_test_kill(kl, 5000);
	cube_kclient_free(c);
	cube_test_api_destroy(&api);
}

/* The condition `type` of a Node: its status, reason and transition time. */
static const cJSON *node_condition(const cJSON *node, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(node, "status.conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, type))
			return c;
	}
	return NULL;
}

/* One real (non-fleet) node with thresholds the machine is always under
 * (memory.available<999Ti) or never (nodefs.available<0%): MemoryPressure
 * True with the kubelet's reason, DiskPressure False, and allocatable the
 * capacity less the reservations and the threshold. */
Test(cubelet, pressure_conditions_and_allocatable_from_the_flags, .timeout = 60)
{
	cube_test_api api;
	cr_assert_eq(cube_test_api_start(&api, NULL), 0);
	char log[700], root[700];
	snprintf(log, sizeof(log), "%s/cubelet.log", api.etcd.dir);
	snprintf(root, sizeof(root), "%s/kroot", api.etcd.dir);
	const char *dir = getenv("CUBE_BIN_DIR");
	char bin[512];
	snprintf(bin, sizeof(bin), "%s/cubelet", dir && dir[0] ? dir : "build/asan/bin");
	const char *argv[] = {bin,
			      "--master",
			      api.url,
			      "--runtime",
			      "hollow",
			      "--hostname-override",
			      "squeezed",
			      "--root-dir",
			      root,
			      "--port",
			      "-1",
			      "--cpu",
			      "4",
			      "--memory",
			      "8Gi",
			      "--kube-reserved",
			      "cpu=100m,memory=256Mi",
			      "--system-reserved",
			      "cpu=400m",
			      "--eviction-hard",
			      "memory.available<999Ti,nodefs.available<0%",
			      NULL};
	cr_assert_eq(mkdir(root, 0700), 0);
	pid_t kl = cube_test_spawn(argv, log, false);
	cr_assert_gt(kl, 0);
	cube_kclient *c = client(&api);
	cJSON *node = NULL;
	for (int i = 0; i < 100; i++) {
		cJSON_Delete(node);
		node = cube_kclient_get(c, &CUBE_GVR_NODES, NULL, "squeezed", NULL);
		if (node && node_condition(node, "MemoryPressure"))
			break;
		sleep_ms(100);
	}
	cr_assert_not_null(node, "the node did not register");
	const cJSON *mp = node_condition(node, "MemoryPressure");
	const cJSON *dp = node_condition(node, "DiskPressure");
	cr_expect_str_eq(cube_json_str(mp, "status"), "True");
	cr_expect_str_eq(cube_json_str(mp, "reason"), "KubeletHasInsufficientMemory");
	cr_expect_str_eq(cube_json_str(mp, "message"), "kubelet has insufficient memory available");
	cr_expect_str_eq(cube_json_str(dp, "status"), "False");
	cr_expect_str_eq(cube_json_str(dp, "reason"), "KubeletHasNoDiskPressure");
	cr_expect_str_eq(cube_json_str(node, "status.capacity.cpu"), "4");
	cr_expect_str_eq(cube_json_str(node, "status.allocatable.cpu"), "3500m");
	/* 8Gi - 256Mi - 999Ti: nothing left */
	cr_expect_str_eq(cube_json_str(node, "status.allocatable.memory"), "0");
	const char *cap_storage = cube_json_str(node, "status.capacity.ephemeral-storage");
	cr_expect(cap_storage && strcmp(cap_storage, "100Gi"),
		  "ephemeral-storage is the root dir's filesystem, not a fixed figure: %s",
		  cap_storage ? cap_storage : "(none)");
	cr_expect_str_eq(cube_json_str(node, "status.allocatable.ephemeral-storage"), cap_storage);
	/* the transition time stays put across reports */
	const char *since = cube_json_str(mp, "lastTransitionTime");
	cr_assert_not_null(since);
	char *since_copy = strdup(since);
	sleep_ms(2100);
	cJSON *again = cube_kclient_get(c, &CUBE_GVR_NODES, NULL, "squeezed", NULL);
	cr_expect_str_eq(
		cube_json_str(node_condition(again, "MemoryPressure"), "lastTransitionTime"),
		since_copy);
	free(since_copy);
	cJSON_Delete(again);
	cJSON_Delete(node);
	cube_kclient_free(c);
	cube_test_kill(kl, 5000);
	cube_test_api_destroy(&api);
}
