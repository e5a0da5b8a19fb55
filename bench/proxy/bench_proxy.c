/* bench_proxy.c - how fast cube-proxy programs iptables.
 *
 * In network namespaces the benchmark makes (cubeb-<pid>-*, removed at the
 * end), for 1,000 and 10,000 ClusterIP services with 2 endpoints each
 * (BENCH_SERVICES overrides, e.g. "1000"):
 *   - cube-proxy: its sync path as the proxier runs it (engine.h): compile
 *     every Service and Endpoints object, then one full sync (iptables-save of
 *     both tables, the batch, iptables-restore --noflush) into a fresh
 *     namespace;
 *   - baseline, same run: a bare `iptables-restore --noflush` of the very
 *     same batch into another fresh namespace;
 *   - then, with the services in place, one endpoint of one service
 *     replaced and a partial sync applied (median of 5), beside a bare
 *     restore of that partial batch.
 * The API server is not involved: this measures what cube-proxy does after
 * its informers have delivered a change.  Prints a table; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "proxy/engine.h"
#include "proxy/iptables.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char pfx[64];
static int n_ns;

static int netns_new(char *path, size_t size)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "ip netns add %s-%d", pfx, n_ns);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, size, "/run/netns/%s-%d", pfx, n_ns);
	n_ns++;
	return 0;
}

static void netns_cleanup(void)
{
	char cmd[256];
	for (int i = 0; i < n_ns; i++) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s-%d 2>/dev/null", pfx, i);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_proxy: could not remove %s-%d\n", pfx, i);
	}
}

static cJSON *service(int i)
{
	char buf[512];
	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"namespace\":\"bench\",\"name\":\"svc-%05d\"},\"spec\":{"
		 "\"clusterIP\":\"10.%d.%d.%d\",\"ports\":[{\"name\":\"http\",\"port\":80}]}}",
		 i, 96 + i / 65536, (i / 256) % 256, i % 256);
	return cJSON_Parse(buf);
}

static cJSON *endpoints(int i, int gen)
{
	char buf[512];
	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"namespace\":\"bench\",\"name\":\"svc-%05d\"},\"subsets\":[{"
		 "\"addresses\":[{\"ip\":\"10.244.%d.%d\"},{\"ip\":\"10.245.%d.%d\"}],\"ports\":[{"
		 "\"name\":\"http\",\"port\":8080}]}]}",
		 i, (i / 250) % 256, i % 250 + 1, (i / 250 + gen) % 256, i % 250 + 1);
	return cJSON_Parse(buf);
}

static double bare_restore(const char *text)
{
	char ns[256];
	if (netns_new(ns, sizeof(ns)) < 0)
		return -1;
	proxy_ipt ipt = {.netns = ns};
	cube_err err = CUBE_ERR_INIT;
	double t0 = now();
	if (proxy_ipt_restore(&ipt, text, strlen(text), &err) < 0) {
		fprintf(stderr, "bench_proxy: bare restore: %s\n", err.msg);
		return -1;
	}
	return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A fresh namespace and engine, every service set, one full sync: returns
 * the engine (in *out) and fills the timings. */
static int full_sync(int n, proxy_engine **out, double *compile, proxy_sync_stats *st)
{
	/* Static: the engine keeps the pointer; only the last engine is kept. */
	static char ns[256];
	if (netns_new(ns, sizeof(ns)) < 0)
		return -1;
	proxy_engine_config cfg = {.rules = {.masquerade_mark = "0x004000",
					     .cluster_cidr = "10.244.0.0/16",
					     .random_fully = true},
				   .ipt = {.netns = ns},
				   .hostname = "node-1",
				   .conntrack = false};
	cube_err err = CUBE_ERR_INIT;
	proxy_engine *e = proxy_engine_new(&cfg, &err);
	if (!e)
		return -1;
	double t0 = now();
	for (int i = 0; i < n; i++) {
		cJSON *s = service(i), *ep = endpoints(i, 0);
		char key[64];
		snprintf(key, sizeof(key), "bench/svc-%05d", i);
		int rc = proxy_engine_set(e, key, s, ep, &err);
		cJSON_Delete(s);
		cJSON_Delete(ep);
		if (rc < 0) {
			fprintf(stderr, "bench_proxy: %s\n", err.msg);
			proxy_engine_free(e);
			return -1;
		}
	}
	*compile = now() - t0;
	if (proxy_engine_sync(e, true, st, &err) < 0) {
		fprintf(stderr, "bench_proxy: sync: %s\n", err.msg);
		proxy_engine_free(e);
		return -1;
	}
	*out = e;
	return 0;
}

static int run(int n)
{
	/* Best of 3 on both sides for small sizes: a shared machine is noisy. */
	int reps = n <= 2000 ? 3 : 1;
	proxy_engine *e = NULL;
	double compile = 0, cube = 0, bare = 0;
	proxy_sync_stats st, best = {0};
	cube_err err = CUBE_ERR_INIT;
	for (int r = 0; r < reps; r++) {
		proxy_engine *x;
		double c;
		if (full_sync(n, &x, &c, &st) < 0) {
			proxy_engine_free(e);
			return -1;
		}
		if (!e || c + st.total_s < cube) {
			cube = c + st.total_s;
			compile = c;
			best = st;
		}
		proxy_engine_free(e);
		e = x;
		double b = bare_restore(proxy_engine_last_batch(e));
		if (b < 0) {
			proxy_engine_free(e);
			return -1;
		}
		if (r == 0 || b < bare)
			bare = b;
	}
	st = best;
	printf("%6d services, full sync   cube-proxy %8.1f ms (compile %.1f, save+build "
	       "%.1f, restore %.1f)   bare iptables-restore %8.1f ms   ratio %.2f   (%zu nat "
	       "rules, %zu KiB)\n",
	       n, cube * 1e3, compile * 1e3, st.build_s * 1e3, st.restore_s * 1e3, bare * 1e3,
	       bare > 0 ? cube / bare : 0, st.nat_rules, st.batch_bytes / 1024);
	fflush(stdout);
	char ns[256];
	snprintf(ns, sizeof(ns), "/run/netns/%s-%d", pfx, n_ns - 2);

	/* One endpoint change with n services present. */
	double part[5], base[5];
	size_t elided = 0, bytes = 0;
	for (int r = 0; r < 5; r++) {
		int i = n / 2 + r;
		cJSON *s = service(i), *ep = endpoints(i, r + 1);
		char key[64];
		snprintf(key, sizeof(key), "bench/svc-%05d", i);
		double t1 = now();
		if (proxy_engine_set(e, key, s, ep, &err) < 0 ||
		    proxy_engine_sync(e, false, &st, &err) < 0) {
			fprintf(stderr, "bench_proxy: partial sync: %s\n", err.msg);
			return -1;
		}
		part[r] = now() - t1;
		elided = st.elided_chains;
		bytes = st.batch_bytes;
		cJSON_Delete(s);
		cJSON_Delete(ep);
		/* The same partial batch restored bare into the same table. */
		proxy_ipt ipt = {.netns = ns};
		const char *text = proxy_engine_last_batch(e);
		double t2 = now();
		if (proxy_ipt_restore(&ipt, text, strlen(text), &err) < 0) {
			fprintf(stderr, "bench_proxy: bare partial restore: %s\n", err.msg);
			return -1;
		}
		base[r] = now() - t2;
	}
	qsort(part, 5, sizeof(double), cmp_double);
	qsort(base, 5, sizeof(double), cmp_double);
	printf("%6d services, one endpoint change (partial sync, median of 5)   cube-proxy %6.1f "
	       "ms   bare iptables-restore %6.1f ms   ratio %.2f   (batch %zu KiB, %zu top-level "
	       "chains left out)\n",
	       n, part[2] * 1e3, base[2] * 1e3, base[2] > 0 ? part[2] / base[2] : 0, bytes / 1024,
	       elided);
	proxy_engine_free(e);
	return 0;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("bench/proxy: needs root (network namespaces, iptables); skipped\n");
		return 0;
	}
	snprintf(pfx, sizeof(pfx), "cubeb-%d", (int)getpid());
	const char *env = getenv("BENCH_SERVICES");
	int sizes[2] = {1000, 10000}, n_sizes = 2;
	if (env && atoi(env) > 0) {
		sizes[0] = atoi(env);
		n_sizes = 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bench/proxy: programming ClusterIP services with 2 endpoints each\n");
	int rc = 0;
	for (int i = 0; i < n_sizes && rc == 0; i++)
		rc = run(sizes[i]);
	netns_cleanup();
	return rc < 0 ? 1 : 0;
}
