/* bench_apiserver.c - cube-apiserver against raw etcd, in the same run.
 *
 * Starts a real etcd and the release cube-apiserver binary (bin/) on free
 * loopback ports, then measures:
 *   1. pod creates per second and p50/p99 latency at 1, 16 and 64 concurrent
 *      clients, beside raw etcd puts of the same pod JSON through cube's etcd
 *      client at the same concurrency (the ratio is the API server's cost);
 *   2. LIST of 10,000 pods: p50/p99 over 20 lists;
 *   3. event delivery to 1,000 concurrent watchers (one curl multi handle):
 *      p50/p99 from the create request being sent to each watcher reading
 *      the event;
 *   4. the server's RSS empty and with every pod of the run in its watch
 *      cache (the 10,000 and those the throughput runs created).
 * For the creates it also prints the CPU time per create of the API server,
 * etcd and this client (from /proc), which shows where the time goes.
 * Nothing is asserted: the figures are printed for people (and RESULTS.md).
 * BENCH_SECONDS (default 5) sets the length of each throughput run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "apiserver_harness.h"
#include "etcd.h"
#include "http.h"

static const char pod_fmt[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%"
	"s\","
	"\"labels\":{\"app\":\"bench\",\"tier\":\"web\"}},\"spec\":{\"containers\":[{\"name\":"
	"\"web\","
	"\"image\":\"web:v1\",\"ports\":[{\"containerPort\":8080}],\"resources\":{\"requests\":"
	"{\"cpu\":\"100m\",\"memory\":\"64Mi\"}}}],\"restartPolicy\":\"Always\"}}";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	size_t i = (size_t)(p * (double)(n - 1));
	return v[i];
}

/* CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
static double cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	if (p)
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kib = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = atol(line + 6);
	if (f)
		fclose(f);
	return kib;
}

/* ---- throughput ---- */

struct worker {
	int id;
	int mode; /* 0 = API creates, 1 = raw etcd puts */
	const char *url;
	const char *ns;
	cube_etcd *etcd;
	double until;
	double *lat;
	size_t n, cap;
	long errors;
	pthread_barrier_t *go;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	cube_http *h = cube_http_new(NULL);
	char url[256], name[64], body[1024], key[256];
	snprintf(url, sizeof(url), "%s/api/v1/namespaces/%s/pods", w->url, w->ns);
	static const char *const hdrs[] = {"Content-Type: application/json", NULL};
	pthread_barrier_wait(w->go);
	for (long i = 0;; i++) {
		double t0 = now_s();
		if (t0 >= w->until)
			break;
		snprintf(name, sizeof(name), "p-%d-%ld", w->id, i);
		int len = snprintf(body, sizeof(body), pod_fmt, name, w->ns);
		bool ok;
		if (w->mode == 0) {
			cube_http_req req = {.method = "POST",
					     .url = url,
					     .headers = hdrs,
					     .body = body,
					     .body_len = (size_t)len,
					     .timeout_ms = 10000};
			cube_http_resp resp;
			ok = cube_http_do(h, &req, &resp, NULL) == 0 && resp.status == 201;
			cube_http_resp_clear(&resp);
		} else {
			snprintf(key, sizeof(key), "/bench-raw/%s/%s", w->ns, name);
			ok = cube_etcd_put(w->etcd, key, body, (size_t)len, 0, NULL, NULL) == 0;
		}
		if (!ok) {
			w->errors++;
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 4096;
			w->lat = realloc(w->lat, w->cap * sizeof(*w->lat));
		}
		w->lat[w->n++] = now_s() - t0;
	}
	cube_http_free(h);
	return NULL;
}

static double run(int mode, const cube_test_api *api, cube_etcd *etcd, int conc, int seconds,
		  const char *ns, double *p50, double *p99, long *errors)
{
	struct worker *ws = calloc((size_t)conc, sizeof(*ws));
	pthread_t *th = calloc((size_t)conc, sizeof(*th));
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, (unsigned)conc + 1);
	for (int i = 0; i < conc; i++) {
		ws[i] = (struct worker){
			.id = i, .mode = mode, .url = api->url, .ns = ns, .etcd = etcd, .go = &go};
		pthread_create(&th[i], NULL, work, &ws[i]);
	}
	double start = now_s();
	for (int i = 0; i < conc; i++)
		ws[i].until = start + seconds;
	pthread_barrier_wait(&go);
	size_t total = 0;
	*errors = 0;
	for (int i = 0; i < conc; i++) {
		pthread_join(th[i], NULL);
		total += ws[i].n;
		*errors += ws[i].errors;
	}
	double elapsed = now_s() - start;
	double *all = malloc((total + 1) * sizeof(*all));
	size_t k = 0;
	for (int i = 0; i < conc; i++) {
		memcpy(all + k, ws[i].lat, ws[i].n * sizeof(*all));
		k += ws[i].n;
		free(ws[i].lat);
	}
	*p50 = pct(all, k, 0.50) * 1000;
	*p99 = pct(all, k, 0.99) * 1000;
	free(all);
	free(ws);
	free(th);
	pthread_barrier_destroy(&go);
	return (double)total / elapsed;
}

static void make_ns(const cube_test_api *api, const char *ns)
{
	char body[256];
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}",
		 ns);
	char *out = NULL;
	cube_test_http(api, "POST", "/api/v1/namespaces", body, &out);
	free(out);
}

/* ---- watchers ---- */

#define WATCHERS 1000
#define EVENTS 20

static double sent_at[EVENTS];
static double *delivery;
static size_t n_delivery;
static pthread_mutex_t dmu = PTHREAD_MUTEX_INITIALIZER;

/* The watchers: plain sockets on one epoll, so that the client side stays
 * cheap (curl's multi interface walks every handle on each call). */
struct wconn {
	int fd;
	char partial[8192];
	size_t plen;
};

static void scan(struct wconn *c, const char *p, size_t n, double t)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			if (c->plen < sizeof(c->partial) - 1)
				c->partial[c->plen++] = p[i];
			continue;
		}
		c->partial[c->plen] = '\0';
		const char *m = strstr(c->partial, "\"name\":\"ev-");
		if (m && strstr(c->partial, "\"type\":\"ADDED\"")) {
			int idx = atoi(m + 11);
			if (idx >= 0 && idx < EVENTS) {
				pthread_mutex_lock(&dmu);
				delivery[n_delivery++] = t - sent_at[idx];
				if (getenv("BENCH_DEBUG") && t - sent_at[idx] > 1)
					fprintf(stderr,
						"slow: ev-%d after %.3fs (sent %.3f, now %.3f)\n",
						idx, t - sent_at[idx], sent_at[idx], t);
				pthread_mutex_unlock(&dmu);
			}
		}
		c->plen = 0;
	}
}

struct watch_run {
	const cube_test_api *api;
	int stop;
	int open;
};

static void *watch_thread(void *arg)
{
	struct watch_run *wr = arg;
	static struct wconn conns[WATCHERS];
	int ep = epoll_create1(0);
	char req[256];
	int rl = snprintf(
		req, sizeof(req),
		"GET /api/v1/namespaces/watch/pods?watch=true&timeoutSeconds=120 HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nAccept: application/json\r\n\r\n");
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)wr->api->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int open = 0;
	for (int i = 0; i < WATCHERS; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    write(fd, req, (size_t)rl) != rl) {
			if (fd >= 0)
				close(fd);
			conns[i].fd = -1;
			continue;
		}
		conns[i].fd = fd;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		open++;
	}
	__atomic_store_n(&wr->open, open, __ATOMIC_SEQ_CST);
	struct epoll_event evs[256];
	char buf[65536];
	while (!__atomic_load_n(&wr->stop, __ATOMIC_SEQ_CST)) {
		int n = epoll_wait(ep, evs, 256, 50);
		double t = now_s();
		for (int i = 0; i < n; i++) {
			struct wconn *c = evs[i].data.ptr;
			ssize_t r = read(c->fd, buf, sizeof(buf));
			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				c->fd = -1;
				continue;
			}
			scan(c, buf, (size_t)r, t);
		}
	}
	for (int i = 0; i < WATCHERS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	close(ep);
	return NULL;
}

int main(void)
{
	const char *s = getenv("BENCH_SECONDS");
	int seconds = s && atoi(s) > 0 ? atoi(s) : 5;
	setenv("CUBE_BIN_DIR", "bin", 0);
	cube_http_global_init();
	cube_test_api api;
	static const char *const extra[] = {"--threads", "16", "--v", "1", NULL};
	if (cube_test_api_start(&api, extra) < 0)
		return 1;
	cube_etcd *etcd = cube_etcd_new(api.etcd.url, NULL);
	long rss_empty = rss_kib(api.pid);

	printf("bench/apiserver: cube-apiserver (bin/) vs raw etcd, %d s per throughput run\n\n",
	       seconds);
	printf("| clients | raw etcd puts/s | API pod creates/s | ratio | API p50 ms | API p99 ms "
	       "| etcd p50 ms | etcd p99 ms | CPU us/create: apiserver / etcd / client |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
	int concs[] = {1, 16, 64};
	for (int i = 0; i < 3; i++) {
		char ns[32];
		snprintf(ns, sizeof(ns), "tp%d", concs[i]);
		make_ns(&api, ns);
		double e50, e99, a50, a99;
		long eerr, aerr;
		double base = run(1, &api, etcd, concs[i], seconds, ns, &e50, &e99, &eerr);
		double c_api = cpu_s(api.pid), c_etcd = cpu_s(api.etcd.pid), c_me = cpu_s(getpid());
		double mine = run(0, &api, etcd, concs[i], seconds, ns, &a50, &a99, &aerr);
		double ops = mine * seconds;
		c_api = (cpu_s(api.pid) - c_api) * 1e6 / ops;
		c_etcd = (cpu_s(api.etcd.pid) - c_etcd) * 1e6 / ops;
		c_me = (cpu_s(getpid()) - c_me) * 1e6 / ops;
		printf("| %d | %.0f%s | %.0f%s | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f / %.0f / "
		       "%.0f |\n",
		       concs[i], base, eerr ? " (errors)" : "", mine, aerr ? " (errors)" : "",
		       base > 0 ? mine / base : 0, a50, a99, e50, e99, c_api, c_etcd, c_me);
		fflush(stdout);
	}
	printf("\ntarget: ratio >= 0.7\n\n");

	/* 10,000 pods, written straight to etcd (the watch cache picks them up). */
	make_ns(&api, "big");
	for (int i = 0; i < 10000; i++) {
		char name[32], key[128], body[1024];
		snprintf(name, sizeof(name), "big-%05d", i);
		int len = snprintf(body, sizeof(body), pod_fmt, name, "big");
		snprintf(key, sizeof(key), "/registry/pods/big/%s", name);
		cube_etcd_put(etcd, key, body, (size_t)len, 0, NULL, NULL);
	}
	sleep(1);
	double lat[20];
	size_t items = 0;
	for (int i = 0; i < 20; i++) {
		char *out = NULL;
		double t0 = now_s();
		long st = cube_test_http(&api, "GET", "/api/v1/namespaces/big/pods", NULL, &out);
		lat[i] = (now_s() - t0) * 1000;
		if (st == 200 && i == 0) {
			for (const char *p = out; (p = strstr(p, "\"name\":\"big-")); p++)
				items++;
		}
		free(out);
	}
	double l50 = pct(lat, 20, 0.5), l99 = pct(lat, 20, 0.99);
	long rss_full = rss_kib(api.pid);
	/* Every pod in the cache: the 10,000 and those the throughput runs made. */
	long cached = 0;
	{
		char *out = NULL;
		if (cube_test_http(&api, "GET", "/api/v1/pods?resourceVersion=0", NULL, &out) ==
		    200)
			for (const char *p = out; (p = strstr(p, "\"kind\":\"Pod\"")); p++)
				cached++;
		free(out);
	}
	printf("| LIST of 10,000 pods | p50 %.1f ms | p99 %.1f ms | items seen %zu | target p99 < "
	       "1000 ms |\n",
	       l50, l99, items);
	printf("|---|---|---|---|---|\n\n");

	/* 1,000 watchers, 20 events. */
	make_ns(&api, "watch");
	delivery = calloc(WATCHERS * EVENTS, sizeof(*delivery));
	struct watch_run wr = {.api = &api};
	pthread_t wt;
	pthread_create(&wt, NULL, watch_thread, &wr);
	for (int i = 0; i < 100 && __atomic_load_n(&wr.open, __ATOMIC_SEQ_CST) == 0; i++)
		usleep(100000);
	sleep(2); /* let every watch register */
	int open = __atomic_load_n(&wr.open, __ATOMIC_SEQ_CST);
	if (getenv("BENCH_DEBUG")) {
		double t0 = now_s();
		cube_etcd_put(etcd, "/bench-probe", "x", 1, 0, NULL, NULL);
		fprintf(stderr, "etcd put before the events: %.3fs\n", now_s() - t0);
		t0 = now_s();
		char *o = NULL;
		long st = cube_test_http(&api, "GET", "/api/v1/namespaces/watch", NULL, &o);
		fprintf(stderr, "GET namespace: %ld in %.3fs\n", st, now_s() - t0);
		free(o);
	}
	for (int i = 0; i < EVENTS; i++) {
		char name[32], body[1024];
		snprintf(name, sizeof(name), "ev-%d", i);
		snprintf(body, sizeof(body), pod_fmt, name, "watch");
		sent_at[i] = now_s();
		char *out = NULL;
		long st = cube_test_http(&api, "POST", "/api/v1/namespaces/watch/pods", body, &out);
		if (getenv("BENCH_DEBUG"))
			fprintf(stderr, "create ev-%d: %ld in %.3fs\n", i, st,
				now_s() - sent_at[i]);
		free(out);
		usleep(100000);
	}
	for (int i = 0; i < 50 && n_delivery < (size_t)open * EVENTS; i++)
		usleep(100000);
	__atomic_store_n(&wr.stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(wt, NULL);
	pthread_mutex_lock(&dmu);
	size_t nd = n_delivery;
	double d50 = pct(delivery, nd, 0.5) * 1000, d99 = pct(delivery, nd, 0.99) * 1000;
	pthread_mutex_unlock(&dmu);
	printf("| watchers open | events | deliveries (of %d) | p50 ms | p99 ms | target p99 < 100 "
	       "ms |\n",
	       open * EVENTS);
	printf("|---:|---:|---:|---:|---:|---|\n");
	printf("| %d | %d | %zu | %.1f | %.1f | |\n\n", open, EVENTS, nd, d50, d99);

	printf("| server RSS empty | RSS with %ld pods cached | per cached pod "
	       "|\n|---:|---:|---:|\n",
	       cached);
	printf("| %ld KiB | %ld KiB | %.1f KiB |\n", rss_empty, rss_full,
	       cached ? (double)(rss_full - rss_empty) / (double)cached : 0);
	free(delivery);
	cube_etcd_free(etcd);
	cube_test_api_destroy(&api);
	return 0;
}
