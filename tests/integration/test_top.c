/* test_top.c - `kubectl top` and `cubectl top` end to end: the cubelet's
 * /stats/summary, the API server's metrics.k8s.io built from it, and both
 * clients' tables.
 *
 *   top (as root): one runc node (runc_harness.h: a real etcd, API server
 *     and registry with the test images, a cubelet with --runtime runc in a
 *     node network namespace), and a busybox pod whose awk holds
 *     32 MiB and spins: its cgroup figures must show in /stats/summary, in
 *     PodMetrics, and in `kubectl top pods` and `cubectl top pods` (the same
 *     text), and `top nodes` must list the node.
 *   top_hollow: a cluster of hollow nodes (cluster_harness.h), their
 *     cubelet on a port: `top nodes` lists each (one cubelet process answers
 *     for every node, told apart by the Host header the API server sends),
 *     a pod's usage follows its requests.
 *   top_off: an API server started with --enable-metrics-api=false: both
 *     clients say "error: Metrics API not available".
 *
 * Names: node namespace cube-top-<pid>, node top-<pid> (the harness's). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apiserver_harness.h"
#include "cluster_harness.h"
#include "etcd_harness.h"
#include "kclient.h"
#include "obj.h"
#include "proc.h"
#include "runc_harness.h"

static char out[65536], out2[65536];

static const char *bin_dir(void)
{
	const char *b = getenv("CUBE_BIN_DIR");
	return b && *b ? b : "build/asan/bin";
}

/* Runs the same arguments through kubectl and cubectl until both print the
 * same text with the same status (the API server's 10 s cache may turn
 * between the two); returns whether they ever did, kubectl's text in out. */
static bool same_with_cubectl(const char *kubeconfig, const char *args)
{
	for (int i = 0; i < 4; i++) {
		int a = cube_test_kubectl(out, sizeof(out), "%s", args);
		int b = cube_test_sh(out2, sizeof(out2), "%s/cubectl --kubeconfig %s %s", bin_dir(),
				     kubeconfig, args);
		if (a == b && !strcmp(out, out2))
			return true;
		if (i == 3)
			fprintf(stderr, "kubectl %s (%d):\n%s\ncubectl (%d):\n%s\n", args, a, out,
				b, out2);
		cube_test_sleep_ms(500);
	}
	return false;
}

/* The words of the line of out that starts with `first` (0 if none). */
static int line_words(const char *text, const char *first, char *buf, size_t size, char **w,
		      int max)
{
	for (int i = 0;; i++) {
		int n = cube_test_words(text, i, buf, size, w, max);
		if (n < 0)
			return 0;
		if (n > 0 && !strcmp(w[0], first))
			return n;
	}
}

/* ---- runc ---- */

static cube_test_runc_node rn; /* the node */

static void setup(void)
{
	if (geteuid() != 0)
		return;
	cr_assert_eq(cube_test_runc_setup(&rn, "top"), 0);
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
}

static void teardown(void)
{
	if (geteuid() != 0)
		return;
	if (!cube_test_runc_teardown(&rn))
		cr_expect_fail("the cubelet's sanitizers complained");
}

TestSuite(top, .init = setup, .fini = teardown, .timeout = 180);

/* The pod's entry in the summary, or NULL. */
static const cJSON *summary_pod(const cJSON *sum, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach (p, cube_json_path(sum, "pods")) {
		const char *n = cube_json_str(p, "podRef.name");
		if (n && !strcmp(n, name))
			return p;
	}
	return NULL;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *v = cube_json_path(o, path);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

Test(top, a_busy_pod_shows_in_stats_summary_and_top)
{
	NEED_ROOT();
	/* awk doubles a string to 32 MiB, then spins */
	char pod[2048];
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"burner\","
		 "\"labels\":{\"app\":\"burn\"}},\"spec\":{\"nodeName\":\"%s\","
		 "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"main\","
		 "\"image\":\"%s/busybox:latest\",\"command\":[\"awk\",\"BEGIN{s=\\\"x\\\"; "
		 "while(length(s)<30000000) s=s s; while(1){t++}}\"]}]}}",
		 rn.node_name, rn.reg.host);
	cr_assert_eq(cube_test_runc_create_pod(&rn, pod), 0);
	cJSON *made = cube_test_runc_get_pod(&rn, "burner");
	cr_assert_not_null(made);
	char uid[64];
	snprintf(uid, sizeof(uid), "%s", cube_obj_uid(made));
	cJSON_Delete(made);

	/* the cubelet's summary: the pod's CPU rate and working set */
	char url[128];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/stats/summary", rn.port);
	cJSON *sum = NULL;
	const cJSON *p = NULL;
	for (int i = 0; i < 600; i++) {
		cJSON_Delete(sum);
		sum = NULL;
		if (cube_test_sh(out, sizeof(out), "curl -sf %s", url) == 0)
			sum = cJSON_Parse(out);
		p = summary_pod(sum, "burner");
		if (p && num(p, "cpu.usageNanoCores") > 0 &&
		    num(p, "memory.workingSetBytes") > 30 * 1024 * 1024)
			break;
		cube_test_sleep_ms(200);
	}
	if (!p || num(p, "cpu.usageNanoCores") <= 0) {
		cube_test_print_tail(rn.kubelet_log);
		cr_assert_fail("no CPU figure for the pod: %s", out);
	}
	cr_assert_gt(num(p, "memory.workingSetBytes"), 30 * 1024 * 1024, "%s", out);
	cr_assert_str_eq(cube_json_str(p, "podRef.uid"), uid);
	cr_assert_str_eq(cube_json_str(p, "podRef.namespace"), "default");
	const cJSON *c = cJSON_GetArrayItem(cube_json_path(p, "containers"), 0);
	cr_assert_str_eq(cube_json_str(c, "name"), "main");
	cr_assert_gt(num(c, "cpu.usageCoreNanoSeconds"), 0);
	cr_assert_gt(num(c, "memory.usageBytes"), 0);
	cr_assert_not_null(cube_json_str(c, "startTime"));
	cr_assert_str_eq(cube_json_str(sum, "node.nodeName"), rn.node_name);
	cr_assert_gt(num(sum, "node.cpu.usageCoreNanoSeconds"), 0, "%s", out);
	cr_assert_gt(num(sum, "node.memory.workingSetBytes"), 0, "%s", out);
	cJSON_Delete(sum);

	/* PodMetrics as metrics-server writes them */
	char *body = NULL;
	cJSON *pm = NULL;
	for (int i = 0; i < 300 && !pm; i++) {
		long st = cube_test_http(
			&rn.api, "GET",
			"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/burner", NULL, &body);
		if (st == 200)
			pm = cJSON_Parse(body);
		free(body);
		body = NULL;
		if (!pm)
			cube_test_sleep_ms(200);
	}
	cr_assert_not_null(pm, "no PodMetrics for burner");
	cr_assert_str_eq(cube_json_str(pm, "kind"), "PodMetrics");
	cr_assert_str_eq(cube_json_str(pm, "apiVersion"), "metrics.k8s.io/v1beta1");
	cr_assert_str_eq(cube_json_str(pm, "metadata.labels.app"), "burn");
	const cJSON *u =
		cube_json_path(cJSON_GetArrayItem(cube_json_path(pm, "containers"), 0), "usage");
	const char *cpu = cube_json_str(u, "cpu"), *mem = cube_json_str(u, "memory");
	cr_assert(cpu && (cpu[strlen(cpu) - 1] == 'n' || cpu[strlen(cpu) - 1] == 'm'), "cpu %s",
		  cpu ? cpu : "-");
	cr_assert(mem && strstr(mem, "Ki"), "memory %s", mem ? mem : "-");
	cJSON_Delete(pm);

	/* kubectl top pods: the pod with its figures; cubectl prints the same */
	char buf[4096], *w[8];
	bool listed = false;
	for (int i = 0; i < 60 && !listed; i++) {
		cube_test_kubectl(out, sizeof(out), "top pods");
		listed = line_words(out, "burner", buf, sizeof(buf), w, 8) == 3;
		if (!listed)
			cube_test_sleep_ms(500);
	}
	cr_assert(listed, "kubectl top pods: %s", out);
	cr_assert_eq(cube_test_words(out, 0, buf, sizeof(buf), w, 8), 3, "%s", out);
	cr_assert_str_eq(w[0], "NAME");
	cr_assert_str_eq(w[1], "CPU(cores)");
	cr_assert_str_eq(w[2], "MEMORY(bytes)");
	line_words(out, "burner", buf, sizeof(buf), w, 8);
	cr_assert_gt(atoi(w[1]), 0, "cpu %s", w[1]);
	cr_assert(strstr(w[1], "m"), "cpu %s", w[1]);
	cr_assert_geq(atoi(w[2]), 30, "memory %s", w[2]);
	cr_assert(same_with_cubectl(rn.api.kubeconfig, "top pods"));
	cr_assert(
		same_with_cubectl(rn.api.kubeconfig, "top pods -A --containers --sort-by=memory"));
	cr_assert(line_words(out, "default", buf, sizeof(buf), w, 8) == 5 &&
			  !strcmp(w[1], "burner") && !strcmp(w[2], "main"),
		  "%s", out);
	cr_assert(same_with_cubectl(rn.api.kubeconfig, "top pod burner --no-headers"));
	cr_assert(same_with_cubectl(rn.api.kubeconfig, "top pods -l app=burn"));
	cr_assert(same_with_cubectl(rn.api.kubeconfig, "top pods -l app=none"));
	cr_assert(strstr(out, "No resources found in default namespace."), "%s", out);

	/* kubectl top nodes: our node with its percentages */
	cube_test_kubectl(out, sizeof(out), "top nodes");
	cr_assert_eq(cube_test_words(out, 0, buf, sizeof(buf), w, 8), 5, "%s", out);
	cr_assert_str_eq(w[1], "CPU(cores)");
	cr_assert_str_eq(w[2], "CPU(%)");
	cr_assert_str_eq(w[3], "MEMORY(bytes)");
	cr_assert_str_eq(w[4], "MEMORY(%)");
	cr_assert_eq(line_words(out, rn.node_name, buf, sizeof(buf), w, 8), 5, "%s", out);
	cr_assert(strstr(w[2], "%") && strstr(w[4], "%") && strstr(w[3], "Mi"), "%s", out);
	cr_assert(same_with_cubectl(rn.api.kubeconfig, "top nodes"));
	cr_assert(same_with_cubectl(rn.api.kubeconfig, "top node --sort-by=cpu --no-headers"));

	/* gone: absent from the summary */
	cr_assert_eq(cube_test_runc_delete_pod(&rn, "burner"), 0);
	bool gone = false;
	for (int i = 0; i < 300 && !gone; i++) {
		cube_test_sh(out, sizeof(out), "curl -sf %s", url);
		cJSON *s = cJSON_Parse(out);
		gone = s && !summary_pod(s, "burner");
		cJSON_Delete(s);
		if (!gone)
			cube_test_sleep_ms(100);
	}
	cr_assert(gone, "burner still in the summary: %s", out);
	cr_assert(cube_test_runc_pod_gone(&rn, "burner"));
	cr_assert(cube_test_runc_nothing_left(&rn), "left behind: %s",
		  cube_test_runc_leftovers(&rn));
}

/* ---- hollow ---- */

Test(top_hollow, hollow_nodes_report_usage_from_requests, .timeout = 120)
{
	cube_test_cluster k;
	char port[16];
	snprintf(port, sizeof(port), "%d", cube_test_free_port());
	const char *args[] = {"--port", port, NULL};
	cr_assert_eq(cube_test_cluster_start(
			     &k, &(cube_test_cluster_opts){.hollow_nodes = 3,
							   .cubelet_args = args,
							   .no_scheduler = true,
							   .no_controller_manager = true}),
		     0);
	cJSON *o = cJSON_Parse(
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"busy\"},"
		"\"spec\":{\"nodeName\":\"hollow-1\",\"containers\":[{\"name\":\"a\",\"image\":"
		"\"x\",\"resources\":{\"requests\":{\"cpu\":\"2\",\"memory\":\"1Gi\"}}},"
		"{\"name\":\"b\",\"image\":\"x\"}]}}");
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(k.client, &CUBE_GVR_PODS, "default", o, &err);
	cJSON_Delete(o);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	char buf[4096], *w[8];
	bool ok = false;
	for (int i = 0; i < 60 && !ok; i++) {
		cube_test_kubectl(out, sizeof(out), "top pods --containers");
		ok = line_words(out, "busy", buf, sizeof(buf), w, 8) == 4;
		if (!ok)
			cube_test_sleep_ms(500);
	}
	cr_assert(ok, "kubectl top pods: %s", out);
	/* container a: half of 2 cores give or take a quarter, 60% of 1Gi give
	 * or take a tenth */
	cr_assert_str_eq(w[1], "a", "%s", out);
	cr_assert(atoi(w[2]) >= 500 && atoi(w[2]) <= 1500, "cpu of a: %s", out);
	cr_assert(atoi(w[3]) >= 500 && atoi(w[3]) <= 720, "memory of a: %s", out);
	cr_assert(same_with_cubectl(k.api.kubeconfig, "top pods --containers"));
	/* every node, each answered by the one cubelet process */
	cube_test_kubectl(out, sizeof(out), "top nodes");
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "hollow-%d", i);
		cr_assert_eq(line_words(out, name, buf, sizeof(buf), w, 8), 5, "%s", out);
		cr_assert_neq(strcmp(w[1], "<unknown>"), 0, "%s", out);
		/* hollow-1 carries the pod: more than the node's own 50m */
		if (i == 1)
			cr_assert_gt(atoi(w[1]), 500, "%s", out);
		else
			cr_assert_eq(atoi(w[1]), 50, "%s", out);
	}
	cr_assert(same_with_cubectl(k.api.kubeconfig, "top nodes"));
	cube_test_cluster_destroy(&k);
}

/* ---- without the metrics API ---- */

Test(top_off, both_clients_say_the_metrics_api_is_not_available, .timeout = 60)
{
	cube_test_api a;
	const char *extra[] = {"--enable-metrics-api=false", NULL};
	cr_assert_eq(cube_test_api_start(&a, extra), 0);
	setenv("CUBE_TEST_KUBECTL", a.kubectl, 1);
	cr_assert(same_with_cubectl(a.kubeconfig, "top pods"));
	cr_assert_str_eq(out, "error: Metrics API not available\n");
	cr_assert(same_with_cubectl(a.kubeconfig, "top nodes"));
	cr_assert_str_eq(out, "error: Metrics API not available\n");
	char *body = NULL;
	cr_assert_eq(cube_test_http(&a, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", NULL, &body),
		     404);
	free(body);
	cube_test_api_destroy(&a);
}
