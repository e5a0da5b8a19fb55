/* bench_informer.c - an informer holding 10,000 pods: memory per cached
 * object, time to sync, and events per second through it.
 *
 * Starts a real etcd and the release cube-apiserver; writes 10,000 pods
 * straight into etcd (the API server's watch cache picks them up), then
 * measures, in this process:
 *   - the informer's initial list+sync time, beside a bare paged LIST of the
 *     same pods through the same client (the baseline);
 *   - this process's RSS growth per cached pod, and the part of it that is
 *     not the pod's JSON text (the target: under 2 KiB of overhead), and
 *     where it goes: the frozen roots and shared lists (jfreeze.h), the rest
 *     of the live heap (mallinfo2), and what malloc keeps unused;
 *   - events per second: 5,000 pod updates written to etcd as fast as one
 *     client can, and the rate at which the informer applies them.
 * Prints a table; asserts nothing.
 */
#include <malloc.h>
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
#include "jfreeze.h"
#include "kclient.h"

#define PODS 10000
#define UPDATES 5000

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

static int pod_text(char *buf, size_t size, int i, int gen)
{
	int n = cube_test_pod_json(buf, size, "bench", i);
	if (gen) {
		/* an update: a label that changes */
		char *at = strstr(buf, "\"app\":\"bench\"");
		if (at)
			memcpy(at + 7, "BENCH", 5);
	}
	return n;
}

static atomic_long events;

static void on_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)ud;
	if (old != cur)
		atomic_fetch_add(&events, 1);
}

int main(void)
{
	setenv("CUBE_BIN_DIR", "bin", 0);
	cube_http_global_init();
	cube_test_api api;
	if (cube_test_api_start(&api, NULL) < 0)
		return 1;
	cube_etcd *etcd = cube_etcd_new(api.etcd.url, NULL);
	char buf[2048];
	size_t json_total = 0;
	for (int i = 0; i < PODS; i++) {
		int n = pod_text(buf, sizeof(buf), i, 0);
		char key[96];
		snprintf(key, sizeof(key), "/registry/pods/bench/p-%05d", i);
		cube_etcd_put(etcd, key, buf, (size_t)n, 0, NULL, NULL);
		json_total += (size_t)n;
	}
	cube_kclient_config cc = {.server = api.url, .user_agent = "bench-informer"};
	cube_kclient *c = cube_kclient_new(&cc, NULL);
	sleep(1);

	/* Baseline: a bare paged LIST of the same pods. */
	double t0 = now_s();
	cube_list_opts lo = {0};
	cJSON *l = cube_kclient_list_all(c, &CUBE_GVR_PODS, "bench", &lo, 500, NULL);
	double list_s = now_s() - t0;
	int listed = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items"));
	cJSON_Delete(l);

	/* Start from a heap without the baseline's freed pages, which the
	 * informer's own malloc_trim after its list would give back too. */
	malloc_trim(0);
	long rss0 = rss_kib();
	size_t heap0 = mallinfo2().uordblks;
	cube_informer_opts io = {.gvr = &CUBE_GVR_PODS, .ns = "bench"};
	cube_informer *inf = cube_informer_new(c, &io, NULL);
	cube_informer_add_index(inf, "node", cube_index_node_name, NULL);
	cube_informer_handlers h = {.on_update = on_update};
	cube_informer_add_handlers(inf, &h, NULL);
	t0 = now_s();
	cube_informer_start(inf, NULL);
	cube_informer_wait_synced(inf, 120000);
	double sync_s = now_s() - t0;
	long rss1 = rss_kib();
	size_t heap1 = mallinfo2().uordblks;
	cube_json_frozen_stats fz;
	cube_json_frozen_get_stats(&fz);
	cube_informer_stats st;
	cube_informer_get_stats(inf, &st);

	printf("bench/informer: one informer over %d pods (JSON %zu bytes each on average)\n\n",
	       PODS, json_total / PODS);
	printf("| | objects | seconds | objects/s |\n|---|---:|---:|---:|\n");
	printf("| bare paged LIST (baseline) | %d | %.2f | %.0f |\n", listed, list_s,
	       listed / list_s);
	printf("| informer list + sync | %zu | %.2f | %.0f |\n\n", st.objects, sync_s,
	       st.objects / sync_s);
	double per = (double)(rss1 - rss0) * 1024.0 / (double)(st.objects ? st.objects : 1);
	printf("| RSS growth | per cached pod | of which JSON text | overhead besides the JSON "
	       "text | target |\n");
	printf("|---:|---:|---:|---:|---|\n");
	printf("| %ld KiB | %.0f B | %zu B | %.0f B | < 2048 B |\n\n", rss1 - rss0, per,
	       json_total / PODS, per - (double)(json_total / PODS));

	/* Where the bytes go: the frozen trees (jfreeze.h), the rest of the live
	 * heap (cube_robj, the cache's and the index's maps, malloc's headers),
	 * and what malloc keeps without it being in use (RSS minus live heap). */
	double cnt = (double)(st.objects ? st.objects : 1);
	double live = ((double)heap1 - (double)heap0) / cnt;
	printf("| per cached pod | roots (%zu) | shared chains (%zu) | other live heap | "
	       "RSS not in use |\n",
	       fz.roots, fz.chains);
	printf("|---:|---:|---:|---:|---:|\n");
	printf("| %.0f B | %.0f B | %.0f B | %.0f B | %.0f B |\n\n", per,
	       (double)fz.root_bytes / cnt, (double)fz.bytes / cnt,
	       live - (double)(fz.root_bytes + fz.bytes) / cnt, per - live);

	/* Events per second through the informer. */
	atomic_store(&events, 0);
	double w0 = now_s();
	for (int i = 0; i < UPDATES; i++) {
		int n = pod_text(buf, sizeof(buf), i, 1);
		char key[96];
		snprintf(key, sizeof(key), "/registry/pods/bench/p-%05d", i);
		cube_etcd_put(etcd, key, buf, (size_t)n, 0, NULL, NULL);
	}
	double write_s = now_s() - w0;
	while (atomic_load(&events) < UPDATES && now_s() - w0 < 120)
		nanosleep(&(struct timespec){0, 5000000L}, NULL);
	double deliver_s = now_s() - w0;
	long got = atomic_load(&events);
	printf("| updates written to etcd | writes/s (baseline) | events applied by the informer | "
	       "events/s end to end |\n");
	printf("|---:|---:|---:|---:|\n");
	printf("| %d | %.0f | %ld | %.0f |\n", UPDATES, UPDATES / write_s, got, got / deliver_s);
	cube_informer_free(inf);
	cube_kclient_free(c);
	cube_etcd_free(etcd);
	cube_test_api_destroy(&api);
	return 0;
}
