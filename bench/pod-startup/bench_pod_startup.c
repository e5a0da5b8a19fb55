/* bench_pod_startup.c - how fast one real runc node starts pods, as root.
 *
 * A real etcd, the release cube-apiserver and cube-scheduler, a registry
 * with the busybox test image and one cubelet --runtime runc in a node
 * network namespace (runc_harness.h, CUBE_BIN_DIR=bin).  After one warm-up
 * pod (the image pull, not measured):
 *   - BENCH_PODS (default 100) busybox pods created at BENCH_RATE pods/s
 *     (default 20, on a fixed schedule) through the scheduler; an informer
 *     notes when each is first seen Running: create-to-Running latency
 *     p50/p99/max, and pods/s from the first create to the last Running;
 *   - baseline, same run, same image layers and the same spec generator
 *     (ocispec.c): BENCH_BARE (default 10) times an overlay mount of the
 *     image's layers plus a bare `runc run -d` of the same command, until
 *     runc returns (the container started).
 * Targets (issue 8): Kubernetes' SLO p99 <= 5 s; cube's p99 <= 1 s and
 * p50 <= 3x bare runc.  Prints a table; asserts nothing.  Everything it
 * made (pods, containers, mounts, namespaces) is removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "imageref.h"
#include "imagestore.h"
#include "informer.h"
#include "kubelet/ocispec.h"
#include "obj.h"
#include "oci.h"
#include "proc.h"
#include "runc_harness.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define MAX_PODS 2000

typedef struct seen {
	pthread_mutex_t mu;
	double created[MAX_PODS];
	double running[MAX_PODS];
	int n_running;
} seen;

static void note(seen *s, const cJSON *pod)
{
	const char *name = cube_obj_name(pod), *phase = cube_json_str(pod, "status.phase");
	int i;
	if (!name || sscanf(name, "start-%d", &i) != 1 || i < 0 || i >= MAX_PODS || !phase ||
	    strcmp(phase, "Running"))
		return;
	double t = now_s();
	pthread_mutex_lock(&s->mu);
	if (s->running[i] == 0) {
		s->running[i] = t;
		s->n_running++;
	}
	pthread_mutex_unlock(&s->mu);
}

static void on_add(void *ud, cube_robj *o)
{
	note(ud, o->json);
}

static void on_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	note(ud, cur->json);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of sorted v[0..n), nearest rank. */
static double quantile(const double *v, int n, double q)
{
	if (n <= 0)
		return 0;
	int k = (int)(q * n + 0.999999) - 1;
	if (k < 0)
		k = 0;
	if (k >= n)
		k = n - 1;
	return v[k];
}

static bool running(const cJSON *pod, const void *arg)
{
	(void)arg;
	return cube_test_pod_phase_is(pod, "Running");
}

/* n bare `runc run -d` of the image's root (overlay of its layers, as the
 * cubelet mounts it) and the spec ocispec.c makes; the times, sorted, into t. */
static int bare_runc(cube_test_runc_node *r, int n, double *t)
{
	char store[800], ref_s[600];
	snprintf(store, sizeof(store), "%s/images", r->root);
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *is = cube_imagestore_open(store, &err);
	cube_imageref ref;
	char image[300];
	snprintf(image, sizeof(image), "%s/busybox:latest", r->reg.host);
	if (!is || cube_imageref_parse(image, &ref, &err) < 0) {
		fprintf(stderr, "bench: image store: %s\n", err.msg);
		cube_imagestore_free(is);
		return -1;
	}
	cube_imageref_string(&ref, ref_s, sizeof(ref_s));
	cube_image *img = cube_imagestore_get(is, ref_s, &err);
	char **dirs = NULL;
	if (!img || cube_imagestore_layer_dirs(is, img, &dirs, &err) < 0) {
		fprintf(stderr, "bench: image %s: %s\n", ref_s, err.msg);
		cube_image_free(img);
		cube_imagestore_free(is);
		return -1;
	}
	char opts[4096];
	size_t o = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = cube_oci_strv_len(dirs); i-- > 0 && o < sizeof(opts);)
		o += (size_t)snprintf(opts + o, sizeof(opts) - o, "%s%s", dirs[i], i ? ":" : "");
	char *const argv[] = {"sh", "-c", "sleep 1000", NULL};
	char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			     NULL};
	char out[4096];
	int done = 0;
	for (int i = 0; i < n; i++) {
		char b[900], rootfs[1000], upper[1000], work[1000], id[64], cg[80], cfgp[1000];
		snprintf(b, sizeof(b), "%s/bare-%d", r->tmp, i);
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", b);
		snprintf(upper, sizeof(upper), "%s/upper", b);
		snprintf(work, sizeof(work), "%s/work", b);
		snprintf(id, sizeof(id), "bench-bare-%d-%d", (int)getpid(), i);
		snprintf(cg, sizeof(cg), "cube-%s", id);
		snprintf(cfgp, sizeof(cfgp), "%s/config.json", b);
		mkdir(b, 0755);
		mkdir(rootfs, 0755);
		mkdir(upper, 0755);
		mkdir(work, 0755);
		char mo[8192];
		snprintf(mo, sizeof(mo), "%s,upperdir=%s,workdir=%s", opts, upper, work);
		ocispec_in in = {.argv = argv,
				 .env = env,
				 .hostname = "bare",
				 .rootfs = rootfs,
				 .cgroups_path = cg,
				 .res = {.cpu_shares = 2, .cpu_period = 100000}};
		struct rlimit rl; /* as runc.c: what we may give */
		in.nofile = 1048576;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max < in.nofile)
			in.nofile = rl.rlim_max;
		cJSON *spec = ocispec_runtime_spec(&in);
		char *s = cJSON_PrintUnformatted(spec);
		FILE *f = fopen(cfgp, "w");
		if (f) {
			fputs(s, f);
			fclose(f);
		}
		free(s);
		cJSON_Delete(spec);
		double t0 = now_s();
		int rc = -1;
		if (mount("overlay", rootfs, "overlay", 0, mo) == 0)
			rc = cube_test_sh(out, sizeof(out),
					  "runc --root %s/bare-runc run -d -b %s %s "
					  "</dev/null >/dev/null 2>%s/runc.err",
					  r->tmp, b, id, b);
		double dt = now_s() - t0;
		if (rc == 0)
			t[done++] = dt;
		else {
			char e[1100];
			snprintf(e, sizeof(e), "%s/runc.err", b);
			cube_test_read_file(e, out, sizeof(out));
			fprintf(stderr, "bench: bare runc run: %s\n", out);
		}
		cube_test_sh(out, sizeof(out),
			     "runc --root %s/bare-runc kill %s KILL; sleep 0.1; "
			     "runc --root %s/bare-runc delete -f %s",
			     r->tmp, id, r->tmp, id);
		umount2(rootfs, MNT_DETACH);
	}
	cube_oci_strv_free(dirs);
	cube_image_free(img);
	cube_imagestore_free(is);
	qsort(t, (size_t)done, sizeof(*t), cmp_double);
	return done;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("bench/pod-startup: needs root (real runc containers); skipped\n");
		return 0;
	}
	setenv("CUBE_BIN_DIR", "bin", 0);
	cube_http_global_init();
	int n = getenv("BENCH_PODS") ? atoi(getenv("BENCH_PODS")) : 100;
	double rate = getenv("BENCH_RATE") ? atof(getenv("BENCH_RATE")) : 20;
	int n_bare = getenv("BENCH_BARE") ? atoi(getenv("BENCH_BARE")) : 10;
	if (n < 1 || n > MAX_PODS || rate <= 0 || n_bare < 1 || n_bare > 100) {
		fprintf(stderr, "BENCH_PODS: 1..%d, BENCH_RATE > 0, BENCH_BARE: 1..100\n",
			MAX_PODS);
		return 2;
	}
	static cube_test_runc_node r;
	static seen s;
	pthread_mutex_init(&s.mu, NULL);
	int status = 1;
	pid_t sched = -1;
	cube_informer *inf = NULL;
	const char *quiet[] = {"-v", "1", "--pods", "1000", NULL};
	if (cube_test_runc_setup(&r, "bps") < 0 || cube_test_runc_start_cubelet(&r, quiet) < 0)
		goto out;
	char b[600], log[800];
	snprintf(b, sizeof(b), "%s/cube-scheduler", getenv("CUBE_BIN_DIR"));
	snprintf(log, sizeof(log), "%s/scheduler.log", r.tmp);
	const char *sargv[] = {b,   "--master", r.api.url, "--port", "-1", "--leader-elect=false",
			       NULL};
	sched = cube_test_spawn(sargv, log, false);
	/* warm-up: the pull, the node's first pod */
	char pod[4096];
	cube_test_runc_busybox_pod(&r, pod, sizeof(pod), "warm", "Always",
				   "trap 'exit 0' TERM; sleep 1000 & wait", NULL, NULL);
	if (cube_test_runc_create_pod(&r, pod) < 0)
		goto out;
	cJSON *p = cube_test_runc_wait_pod(&r, "warm", running, NULL, 120);
	bool ok = p && running(p, NULL);
	if (!ok)
		cube_test_runc_dump(&r, "warm", p);
	cJSON_Delete(p);
	if (!ok)
		goto out;
	cube_test_runc_delete_pod(&r, "warm");
	cube_test_runc_pod_gone(&r, "warm");

	double bare[100];
	int nb = bare_runc(&r, n_bare, bare);
	if (nb <= 0)
		goto out;

	cube_informer_opts io = {.gvr = &CUBE_GVR_PODS, .ns = "default"};
	inf = cube_informer_new(r.kc, &io, NULL);
	cube_informer_handlers h = {.on_add = on_add, .on_update = on_update, .ud = &s};
	cube_informer_add_handlers(inf, &h, NULL);
	cube_informer_start(inf, NULL);
	cube_informer_wait_synced(inf, 10000);
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		double due = t0 + i / rate;
		while (now_s() < due)
			cube_test_sleep_ms(1);
		char name[32];
		snprintf(name, sizeof(name), "start-%d", i);
		/* through the scheduler: no nodeName */
		snprintf(pod, sizeof(pod),
			 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
			 "\"spec\":{\"terminationGracePeriodSeconds\":1,"
			 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/busybox:latest\","
			 "\"command\":[\"sh\",\"-c\",\"trap 'exit 0' TERM; sleep 1000 & "
			 "wait\"]}]}}",
			 name, r.reg.host);
		s.created[i] = now_s();
		if (cube_test_runc_create_pod(&r, pod) < 0)
			goto out;
	}
	double deadline = now_s() + 60 + n;
	while (now_s() < deadline) {
		pthread_mutex_lock(&s.mu);
		int got = s.n_running;
		pthread_mutex_unlock(&s.mu);
		if (got >= n)
			break;
		cube_test_sleep_ms(20);
	}
	static double lat[MAX_PODS];
	double last = 0;
	int nl = 0;
	pthread_mutex_lock(&s.mu);
	for (int i = 0; i < n; i++)
		if (s.running[i] > 0) {
			lat[nl++] = s.running[i] - s.created[i];
			if (s.running[i] > last)
				last = s.running[i];
		}
	pthread_mutex_unlock(&s.mu);
	qsort(lat, (size_t)nl, sizeof(*lat), cmp_double);
	double p50 = quantile(lat, nl, 0.5), p99 = quantile(lat, nl, 0.99);
	double b50 = quantile(bare, nb, 0.5), b99 = quantile(bare, nb, 0.99);
	printf("bench/pod-startup: %d busybox pods created at %.0f/s on one runc node "
	       "(release build)\n",
	       n, rate);
	printf("%-28s %8s %8s %8s %6s\n", "", "p50", "p99", "max", "n");
	printf("%-28s %7.0fms %7.0fms %7.0fms %6d\n", "create-to-Running", p50 * 1000, p99 * 1000,
	       nl ? lat[nl - 1] * 1000 : 0, nl);
	printf("%-28s %7.0fms %7.0fms %7.0fms %6d\n", "baseline: bare runc run -d", b50 * 1000,
	       b99 * 1000, bare[nb - 1] * 1000, nb);
	printf("pods/s (first create to last Running): %.1f%s\n",
	       nl && last > t0 ? nl / (last - t0) : 0, nl < n ? "  (NOT ALL RAN)" : "");
	printf("p50 / bare runc: %.1fx (target <= 3x); p99 %.2f s (target <= 1 s; Kubernetes "
	       "SLO <= 5 s)\n",
	       b50 > 0 ? p50 / b50 : 0, p99);
	status = 0;
out:
	cube_informer_free(inf);
	if (r.kc) {
		/* every pod goes, gracefully, before the node does */
		cJSON *gone = cube_kclient_do(r.kc, "DELETE", "/api/v1/namespaces/default/pods",
					      NULL, NULL, NULL, NULL);
		cJSON_Delete(gone);
		for (int w = 0; w < 600; w++) {
			cJSON *l = cube_kclient_list(r.kc, &CUBE_GVR_PODS, "default", NULL, NULL);
			int left = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items"));
			cJSON_Delete(l);
			if (left == 0)
				break;
			cube_test_sleep_ms(100);
		}
	}
	cube_test_kill(sched, 5000);
	cube_test_runc_teardown(&r);
	return status;
}
