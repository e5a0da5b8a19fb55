/* bench_cli.c - how fast cubectl answers, beside the real kubectl.
 *
 * A real etcd and the release cube-apiserver; 10,000 Running pods
 * (BENCH_PODS overrides) written straight into etcd.  Then, each the median
 * of 5 runs, output to /dev/null:
 *   - `cubectl get pods -n bench` beside `kubectl get pods -n bench` (the
 *     same Table request; kubectl pages by 500, as it does by default);
 *   - start-up: `cubectl version --client` beside `kubectl version
 *     --client` (no request: the cost of starting the program).
 * Targets (issue 11): get under 1 s, start-up under 10 ms.  Prints a
 * table; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apiserver_harness.h"
#include "http.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median wall time of `cmd` over runs, in seconds (-1 if it failed). */
static double median(const char *cmd, int runs)
{
	double t[16] = {0};
	if (runs > 16)
		runs = 16;
	for (int i = 0; i < runs; i++) {
		double t0 = now_s();
		if (system(cmd) != 0)
			return -1;
		t[i] = now_s() - t0;
	}
	qsort(t, (size_t)runs, sizeof(double), cmp);
	return t[runs / 2];
}

int main(void)
{
	setenv("CUBE_BIN_DIR", "bin", 0);
	cube_http_global_init();
	int pods = getenv("BENCH_PODS") ? atoi(getenv("BENCH_PODS")) : 10000;
	if (pods < 1 || pods > 100000) {
		fprintf(stderr, "BENCH_PODS: 1..100000\n");
		return 2;
	}
	cube_test_api api;
	if (cube_test_api_start(&api, NULL) < 0)
		return 1;
	if (cube_test_put_pods(&api, "bench", pods) < 0) {
		fprintf(stderr, "bench/cli: cannot write the pods\n");
		cube_test_api_destroy(&api);
		return 1;
	}
	char cmd[2048];
	/* warm up both (discovery caches, the watch cache) */
	snprintf(cmd, sizeof(cmd), "bin/cubectl --kubeconfig %s get pods -n bench >/dev/null",
		 api.kubeconfig);
	if (system(cmd) != 0)
		fprintf(stderr, "bench/cli: cubectl get failed\n");
	double c_get = median(cmd, 5);
	snprintf(cmd, sizeof(cmd), "%s get pods -n bench >/dev/null", api.kubectl);
	if (system(cmd) != 0)
		fprintf(stderr, "bench/cli: kubectl get failed\n");
	double k_get = median(cmd, 5);
	double c_ver = median("bin/cubectl version --client >/dev/null", 5);
	double k_ver = median("kubectl version --client >/dev/null 2>&1", 5);
	printf("bench/cli: %d pods, release build, median of 5\n", pods);
	printf("%-32s %12s %12s %8s %10s\n", "", "cubectl", "kubectl", "ratio", "target");
	printf("%-32s %10.1fms %10.1fms %8.2f %10s\n", "get pods (all of them)", c_get * 1e3,
	       k_get * 1e3, k_get / c_get, "< 1000ms");
	printf("%-32s %10.1fms %10.1fms %8.2f %10s\n", "start-up (version --client)", c_ver * 1e3,
	       k_ver * 1e3, k_ver / c_ver, "< 10ms");
	printf("(ratio = kubectl time / cubectl time: above 1, cubectl is faster)\n");
	cube_test_api_destroy(&api);
	return 0;
}
