/* bench_scheduler.c - how fast cube-scheduler places pods.
 *
 * Two measurements, for 1,000 and 5,000 nodes (BENCH_NODES overrides, e.g.
 * "1000"), 10,000 pods each (BENCH_PODS overrides):
 *   - in process, without binding: the scheduler's cache filled with the
 *     nodes, then for every pod one decision (sched_schedule with
 *     Kubernetes' default policy, adaptive percentageOfNodesToScore) and the
 *     assume that follows it, as scheduler.c does: decisions per second;
 *   - end to end: a real etcd and the release cube-apiserver; the Node
 *     objects and the unbound pods written straight into etcd (as
 *     scheduler_perf creates nodes without kubelets); the release
 *     cube-scheduler binary started, and the time from its start until this
 *     process's informer has seen every pod bound.  Beside it, the baseline
 *     from the same run: this process POSTing pods/<name>/binding for
 *     BASELINE pods one after another through the same API server: the cost
 *     of a binding with no decision (the scheduler binds with several
 *     workers beside its one decision thread, so it can beat this).
 * Prints a table; asserts nothing.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apiserver_harness.h"
#include "etcd.h"
#include "http.h"
#include "informer.h"
#include "kclient.h"
#include "scheduler/cache.h"

#define BASELINE 2000

static const char node_fmt[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-%05d\","
	"\"uid\":\"00000000-0000-4000-9000-%012d\",\"creationTimestamp\":\"2026-11-25T00:00:00Z\","
	"\"labels\":{\"kubernetes.io/hostname\":\"node-%05d\",\"zone\":\"z%d\"}},"
	"\"spec\":{},\"status\":{\"capacity\":{\"cpu\":\"32\",\"memory\":\"128Gi\",\"pods\":"
	"\"110\"},"
	"\"allocatable\":{\"cpu\":\"32\",\"memory\":\"128Gi\",\"pods\":\"110\"},"
	"\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}";

static const char pod_fmt[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p-%05d\",\"namespace\":"
	"\"%s\",\"uid\":\"00000000-0000-4000-8000-%012d\",\"creationTimestamp\":"
	"\"2026-11-25T00:00:00Z\",\"labels\":{\"app\":\"bench\"}},"
	"\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"web:v1\",\"resources\":{"
	"\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}],\"restartPolicy\":\"Always\","
	"\"schedulerName\":\"default-scheduler\",\"terminationGracePeriodSeconds\":30},"
	"\"status\":{\"phase\":\"Pending\",\"qosClass\":\"Burstable\"}}";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);
	return v && atoi(v) > 0 ? atoi(v) : def;
}

static cube_robj *robj(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	return j ? cube_robj_new(j, strlen(text), NULL) : NULL;
}

static unsigned rnd(void)
{
	return (unsigned)rand();
}

/* In process: decisions (plus assume) per second. */
static double decisions_per_s(int nodes, int pods)
{
	char buf[2048];
	sched_cache *c = sched_cache_new();
	for (int i = 0; i < nodes; i++) {
		snprintf(buf, sizeof(buf), node_fmt, i, i, i, i % 3);
		cube_robj *n = robj(buf);
		sched_cache_node_set(c, n);
		cube_robj_unref(n);
	}
	sched_policy p;
	sched_policy_default(&p);
	size_t start = 0;
	int placed = 0;
	double t0 = now_s();
	for (int i = 0; i < pods; i++) {
		snprintf(buf, sizeof(buf), pod_fmt, i, "bench", i);
		cube_robj *pod = robj(buf);
		sched_snapshot snap = {0};
		sched_result res;
		sched_cache_lock(c, &snap);
		snap.start = start;
		char node[64] = "";
		if (sched_schedule(&p, pod->json, &snap, rnd, &res) == 0) {
			start = res.next_start;
			if (res.chosen >= 0)
				snprintf(node, sizeof(node), "%s", snap.nodes[res.chosen].name);
			/* the scorecard is printed, as scheduler.c does for the binding */
			char *card = res.scorecard ? cJSON_PrintUnformatted(res.scorecard) : NULL;
			free(card);
			sched_result_clear(&res);
		}
		sched_cache_unlock(c);
		if (node[0] && sched_cache_assume(c, pod, node) == 0)
			placed++;
		cube_robj_unref(pod);
	}
	double s = now_s() - t0;
	sched_cache_free(c);
	if (placed != pods)
		fprintf(stderr, "bench/scheduler: only %d of %d pods placed in process\n", placed,
			pods);
	return pods / s;
}

static atomic_long bound;

static void on_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)ud;
	const char *a = cube_json_str(old->json, "spec.nodeName");
	const char *b = cube_json_str(cur->json, "spec.nodeName");
	if ((!a || !a[0]) && b && b[0])
		atomic_fetch_add(&bound, 1);
}

static void put_pods(cube_etcd *etcd, const char *ns, int pods)
{
	char buf[2048], key[128];
	for (int i = 0; i < pods; i++) {
		int n = snprintf(buf, sizeof(buf), pod_fmt, i, ns, i);
		snprintf(key, sizeof(key), "/registry/pods/%s/p-%05d", ns, i);
		cube_etcd_put(etcd, key, buf, (size_t)n, 0, NULL, NULL);
	}
}

/* End to end with the scheduler binary; fills *baseline_ps. */
static double end_to_end(int nodes, int pods, double *baseline_ps)
{
	cube_test_api api;
	if (cube_test_api_start(&api, NULL) < 0)
		return -1;
	cube_etcd *etcd = cube_etcd_new(api.etcd.url, NULL);
	char buf[2048], key[128];
	for (int i = 0; i < nodes; i++) {
		int n = snprintf(buf, sizeof(buf), node_fmt, i, i, i, i % 3);
		snprintf(key, sizeof(key), "/registry/nodes/node-%05d", i);
		cube_etcd_put(etcd, key, buf, (size_t)n, 0, NULL, NULL);
	}
	cube_kclient_config cc = {.server = api.url, .user_agent = "bench-scheduler"};
	cube_kclient *c = cube_kclient_new(&cc, NULL);

	/* Baseline: bare bindings, one after another. */
	put_pods(etcd, "baseline", BASELINE);
	sleep(1);
	double t0 = now_s();
	int ok = 0;
	for (int i = 0; i < BASELINE; i++) {
		char name[32], node[32];
		snprintf(name, sizeof(name), "p-%05d", i);
		snprintf(node, sizeof(node), "node-%05d", i % nodes);
		if (cube_kclient_bind(c, "baseline", name, NULL, node, NULL, NULL) == 0)
			ok++;
	}
	*baseline_ps = ok / (now_s() - t0);
	if (ok != BASELINE)
		fprintf(stderr, "bench/scheduler: %d of %d baseline bindings failed\n",
			BASELINE - ok, BASELINE);

	/* The pods to schedule, then the scheduler. */
	put_pods(etcd, "bench", pods);
	cube_informer_opts io = {.gvr = &CUBE_GVR_PODS, .ns = "bench"};
	cube_informer *inf = cube_informer_new(c, &io, NULL);
	cube_informer_handlers h = {.on_update = on_update};
	cube_informer_add_handlers(inf, &h, NULL);
	cube_informer_start(inf, NULL);
	cube_informer_wait_synced(inf, 120000);
	atomic_store(&bound, 0);
	char log[700];
	snprintf(log, sizeof(log), "%s/scheduler.log", api.etcd.dir);
	const char *argv[] = {"bin/cube-scheduler",
			      "--master",
			      api.url,
			      "--leader-elect=false",
			      "--port",
			      "-1",
			      "--v",
			      "1",
			      NULL};
	t0 = now_s();
	pid_t pid = cube_test_spawn(argv, log, false);
	while (atomic_load(&bound) < pods && now_s() - t0 < 600)
		nanosleep(&(struct timespec){0, 10000000L}, NULL);
	double secs = now_s() - t0;
	long got = atomic_load(&bound);
	if (got < pods) {
		fprintf(stderr, "bench/scheduler: %ld of %d pods bound in 600 s\n", got, pods);
		cube_test_print_tail(log);
	}
	cube_test_kill(pid, 10000);
	cube_informer_free(inf);
	cube_kclient_free(c);
	cube_etcd_free(etcd);
	cube_test_api_destroy(&api);
	return got / secs;
}

int main(void)
{
	setenv("CUBE_BIN_DIR", "bin", 0);
	signal(SIGPIPE, SIG_IGN);
	cube_http_global_init();
	int pods = env_int("BENCH_PODS", 10000);
	int only = env_int("BENCH_NODES", 0);
	const int sizes[] = {1000, 5000};
	printf("bench/scheduler: %d pods (100m cpu, 64Mi each), Kubernetes' default plug-ins\n\n",
	       pods);
	printf("| nodes | in-process decisions/s | bare bindings/s (baseline) | scheduled and "
	       "bound/s end to end | end to end / baseline | target |\n");
	printf("|---:|---:|---:|---:|---:|---|\n");
	for (size_t k = 0; k < 2; k++) {
		int nodes = only ? only : sizes[k];
		double dps = decisions_per_s(nodes, pods);
		double base = 0, e2e = end_to_end(nodes, pods, &base);
		printf("| %d | %.0f | %.0f | %.0f | %.2f | %s |\n", nodes, dps, base, e2e,
		       base > 0 ? e2e / base : 0, nodes == 5000 ? ">= 2000 pods/s end to end" : "");
		fflush(stdout);
		if (only)
			break;
	}
	return 0;
}
