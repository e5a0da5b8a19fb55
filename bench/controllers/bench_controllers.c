/* bench_controllers.c - how fast the controller-manager rolls Deployments.
 *
 * A real etcd, the release cube-apiserver, cube-scheduler,
 * cube-controller-manager and 4 cubelet processes with 25 hollow nodes each
 * (cluster_harness.h, CUBE_BIN_DIR=bin).  BENCH_REPLICAS (default 1,000):
 *   - create: a Deployment of that many replicas, from the POST until its
 *     status says all are available;
 *   - roll: `set image` on it (a patch of the template), until the rollout
 *     is complete (updated = replicas = available, old ReplicaSet at 0);
 *   - baseline, same run, same processes: this process POSTs the same
 *     number of bare pods one after another and waits until all are Ready
 *     (the scheduler and the cubelets do the same work, no controller);
 *     then for the roll, as many new bare pods plus deleting the old ones.
 * The ratios are baseline time / controller time (1.0: the controllers add
 * nothing over the writes they must make).  Prints a table; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_harness.h"
#include "http.h"
#include "informer.h"
#include "obj.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cJSON *parse(const char *text)
{
	return cube_json_parse(text, strlen(text), NULL);
}

static bool ready(const cJSON *p)
{
	if (cube_json_str(p, "metadata.deletionTimestamp"))
		return false;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(p, "status.conditions")) {
		const char *t = cube_json_str(c, "type"), *s = cube_json_str(c, "status");
		if (t && s && !strcmp(t, "Ready") && !strcmp(s, "True"))
			return true;
	}
	return false;
}

/* Ready pods with image `img` in the informer, and all pods. */
static int count_ready(cube_informer *inf, const char *img, int *all)
{
	cube_robj **pods;
	size_t n = cube_informer_list(inf, &pods);
	int r = 0;
	for (size_t i = 0; i < n; i++) {
		const char *im = cube_json_str(
			cJSON_GetArrayItem(cube_json_path(pods[i]->json, "spec.containers"), 0),
			"image");
		r += ready(pods[i]->json) && im && !strcmp(im, img);
	}
	cube_robj_list_free(pods, n);
	if (all)
		*all = (int)n;
	return r;
}

static double bare_pods(cube_test_cluster *k, cube_informer *inf, int n, const char *img, int first,
			bool delete_old)
{
	char body[1024];
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		snprintf(body, sizeof(body),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bare-%"
			 "d\","
			 "\"labels\":{\"app\":\"bare\"}},\"spec\":{\"containers\":[{\"name\":"
			 "\"web\","
			 "\"image\":\"%s\"}]}}",
			 first + i, img);
		cJSON *o = parse(body);
		cJSON *made = cube_kclient_create(k->client, &CUBE_GVR_PODS, "default", o, NULL);
		cJSON_Delete(made);
		cJSON_Delete(o);
		if (delete_old) {
			char name[32];
			snprintf(name, sizeof(name), "bare-%d", first - n + i);
			cube_kclient_delete(k->client, &CUBE_GVR_PODS, "default", name, NULL, NULL);
		}
	}
	int all = 0;
	while (count_ready(inf, img, &all) < n || (delete_old && all > n))
		cube_test_sleep_ms(20);
	return now_s() - t0;
}

static bool rolled_out(cube_test_cluster *k, int n)
{
	cJSON *d = cube_kclient_get(k->client, &CUBE_GVR_DEPLOYMENTS, "default", "bench", NULL);
	bool ok = d &&
		  cube_json_int(d, "status.observedGeneration", 0) >=
			  cube_json_int(d, "metadata.generation", 1) &&
		  cube_json_int(d, "status.updatedReplicas", 0) == n &&
		  cube_json_int(d, "status.replicas", 0) == n &&
		  cube_json_int(d, "status.availableReplicas", 0) == n;
	cJSON_Delete(d);
	return ok;
}

int main(void)
{
	setenv("CUBE_BIN_DIR", "bin", 0);
	cube_http_global_init();
	int n = getenv("BENCH_REPLICAS") ? atoi(getenv("BENCH_REPLICAS")) : 1000;
	if (n < 1 || n > 5000) {
		fprintf(stderr, "BENCH_REPLICAS: 1..5000\n");
		return 2;
	}
	cube_test_cluster k;
	const char *quiet[] = {"--v", "1", NULL};
	cube_test_cluster_opts o = {
		.cubelets = 4, .hollow_nodes = 25, .cubelet_args = quiet, .cm_args = quiet};
	if (cube_test_cluster_start(&k, &o) < 0)
		return 1;
	cube_informer_opts io = {
		.gvr = &CUBE_GVR_PODS, .ns = "default", .label_selector = "app=bare"};
	cube_informer *bare = cube_informer_new(k.client, &io, NULL);
	cube_informer_start(bare, NULL);
	cube_informer_wait_synced(bare, 10000);

	double b_create = bare_pods(&k, bare, n, "web:v1", 0, false);
	double b_roll = bare_pods(&k, bare, n, "web:v2", n, true);
	cJSON *opts = parse("{\"propagationPolicy\":\"Background\"}");
	char del[128];
	snprintf(del, sizeof(del), "/api/v1/namespaces/default/pods?labelSelector=app%%3Dbare");
	cJSON *gone = cube_kclient_do(k.client, "DELETE", del, NULL, NULL, NULL, NULL);
	cJSON_Delete(gone);
	cJSON_Delete(opts);
	int all = 1;
	for (int w = 0; w < 600 && all; w++) {
		count_ready(bare, "web:v2", &all);
		cube_test_sleep_ms(100);
	}
	cube_informer_free(bare);

	char body[1024];
	snprintf(
		body, sizeof(body),
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":"
		"\"bench\"},\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":"
		"\"bench\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"bench\"}},\"spec\":{"
		"\"containers\":[{\"name\":\"web\",\"image\":\"web:v1\"}]}}}}",
		n);
	cJSON *d = parse(body);
	double t0 = now_s();
	cJSON *made = cube_kclient_create(k.client, &CUBE_GVR_DEPLOYMENTS, "default", d, NULL);
	cJSON_Delete(made);
	cJSON_Delete(d);
	while (!rolled_out(&k, n))
		cube_test_sleep_ms(20);
	double c_create = now_s() - t0;
	cJSON *patch = parse("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\","
			     "\"image\":\"web:v2\"}]}}}}");
	t0 = now_s();
	cJSON *res = cube_kclient_patch(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "bench", NULL,
					"strategic", patch, NULL);
	cJSON_Delete(res);
	cJSON_Delete(patch);
	cube_test_sleep_ms(20);
	while (!rolled_out(&k, n))
		cube_test_sleep_ms(20);
	double c_roll = now_s() - t0;

	printf("bench/controllers: a Deployment of %d replicas on 100 hollow nodes "
	       "(4 cubelets), release build\n",
	       n);
	printf("%-34s %10s %10s %8s\n", "", "controllers", "bare pods", "ratio");
	printf("%-34s %9.2fs %9.2fs %8.2f\n", "create until all available", c_create, b_create,
	       b_create / c_create);
	printf("%-34s %9.2fs %9.2fs %8.2f\n", "set image until rolled out", c_roll, b_roll,
	       b_roll / c_roll);
	printf("(%.0f pods/s created; %.0f pods/s replaced)\n", n / c_create, n / c_roll);
	cube_test_cluster_destroy(&k);
	return 0;
}
