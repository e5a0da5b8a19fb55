/* apiserver_harness.c - etcd + cube-apiserver for integration tests. */
#include "apiserver_harness.h"

#include "etcd.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "proc.h"

static bool ready(const char *url, int timeout_ms)
{
	cube_http *h = cube_http_new(NULL);
	char u[128];
	snprintf(u, sizeof(u), "%s/readyz", url);
	bool ok = false;
	for (int w = 0; w < timeout_ms && !ok; w += 50) {
		cube_http_req req = {.url = u, .timeout_ms = 2000, .connect_timeout_ms = 500};
		cube_http_resp resp;
		ok = cube_http_do(h, &req, &resp, NULL) == 0 && resp.status == 200;
		cube_http_resp_clear(&resp);
		if (!ok)
			cube_test_sleep_ms(50);
	}
	cube_http_free(h);
	return ok;
}

static int spawn_server(cube_test_api *t, const char *const *extra)
{
	const char *dir = getenv("CUBE_BIN_DIR");
	char bin[512];
	snprintf(bin, sizeof(bin), "%s/cube-apiserver", dir && dir[0] ? dir : "build/asan/bin");
	char port[16];
	snprintf(port, sizeof(port), "%d", t->port);
	const char *argv[40] = {bin,	     "--etcd-servers", t->etcd.url, "--bind-address",
				"127.0.0.1", "--port",	       port,	    "--threads",
				"4"};
	size_t n = 9;
	for (const char *const *e = extra; e && *e && n < 38; e++)
		argv[n++] = *e;
	argv[n] = NULL;
	pid_t pid = cube_test_spawn(argv, t->log, false);
	if (pid < 0)
		return -1;
	t->pid = pid;
	if (!ready(t->url, 30000)) {
		fprintf(stderr, "apiserver harness: %s did not become ready\n", t->url);
		cube_test_print_tail(t->log);
		cube_test_api_stop_server(t);
		return -1;
	}
	return 0;
}

int cube_test_api_start(cube_test_api *t, const char *const *extra)
{
	memset(t, 0, sizeof(*t));
	if (cube_test_etcd_start(&t->etcd) < 0)
		return -1;
	snprintf(t->log, sizeof(t->log), "%s/apiserver.log", t->etcd.dir);
	snprintf(t->kubeconfig, sizeof(t->kubeconfig), "%s/kubeconfig", t->etcd.dir);
	t->port = cube_test_free_port();
	snprintf(t->url, sizeof(t->url), "http://127.0.0.1:%d", t->port);
	FILE *f = fopen(t->kubeconfig, "w");
	if (!f)
		return -1;
	fprintf(f,
		"apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: %s\n"
		"contexts:\n- name: t\n  context:\n    cluster: t\n    user: t\n"
		"current-context: t\nusers:\n- name: t\n  user: {}\n",
		t->url);
	fclose(f);
	snprintf(t->kubectl, sizeof(t->kubectl),
		 "kubectl --kubeconfig %s --cache-dir %s/kubectl-cache", t->kubeconfig,
		 t->etcd.dir);
	return spawn_server(t, extra);
}

void cube_test_api_stop_server(cube_test_api *t)
{
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGTERM);
	for (int w = 0; w < 10000; w += 20) {
		if (waitpid(t->pid, NULL, WNOHANG) == t->pid) {
			t->pid = 0;
			return;
		}
		cube_test_sleep_ms(20);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	t->pid = 0;
}

int cube_test_api_restart_server(cube_test_api *t, const char *const *extra)
{
	cube_test_api_stop_server(t);
	return spawn_server(t, extra);
}

void cube_test_api_destroy(cube_test_api *t)
{
	cube_test_api_stop_server(t);
	cube_test_etcd_destroy(&t->etcd);
}

long cube_test_http(const cube_test_api *t, const char *method, const char *path, const char *body,
		    char **out)
{
	cube_http *h = cube_http_new(NULL);
	char url[2048];
	snprintf(url, sizeof(url), "%s%s", t->url, path);
	static const char *const hdrs[] = {"Content-Type: application/json", NULL};
	cube_http_req req = {.method = method,
			     .url = url,
			     .headers = hdrs,
			     .body = body,
			     .body_len = body ? strlen(body) : 0,
			     .timeout_ms = 20000};
	cube_http_resp resp;
	long status = -1;
	if (cube_http_do(h, &req, &resp, NULL) == 0)
		status = resp.status;
	if (out) {
		*out = resp.body ? resp.body : strdup("");
		resp.body = NULL;
	}
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	return status;
}

/* ---- pods written straight into etcd (benchmarks) ---- */

static const char pod_fmt[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
	"\"%s\","
	"\"uid\":\"00000000-0000-4000-8000-%012d\",\"creationTimestamp\":\"2026-11-25T00:00:00Z\","
	"\"labels\":{\"app\":\"bench\",\"pod-template-hash\":\"5d4f8c7b9\"},\"ownerReferences\":[{"
	"\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"bench-5d4f8c7b9\",\"uid\":"
	"\"11111111-2222-4333-8444-555555555555\",\"controller\":true,\"blockOwnerDeletion\":true}]"
	"},"
	"\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"web:v1\",\"ports\":[{"
	"\"containerPort\":"
	"8080,\"protocol\":\"TCP\"}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":"
	"\"64Mi\"}},"
	"\"imagePullPolicy\":\"IfNotPresent\",\"terminationMessagePath\":\"/dev/termination-log\","
	"\"terminationMessagePolicy\":\"File\"}],\"restartPolicy\":\"Always\",\"dnsPolicy\":"
	"\"ClusterFirst\",\"nodeName\":\"node-%d\",\"schedulerName\":\"default-scheduler\","
	"\"terminationGracePeriodSeconds\":30},\"status\":{\"phase\":\"Running\",\"podIP\":"
	"\"10.244.%d.%d\",\"hostIP\":\"172.30.0.%d\",\"qosClass\":\"Burstable\"}}";

int cube_test_pod_json(char *buf, size_t size, const char *ns, int i)
{
	char name[32];
	snprintf(name, sizeof(name), "p-%05d", i);
	return snprintf(buf, size, pod_fmt, name, ns, i, i % 50, (i / 250) % 256, i % 250 + 2,
			i % 50 + 2);
}

int cube_test_put_pods(const cube_test_api *t, const char *ns, int n)
{
	cube_etcd *etcd = cube_etcd_new(t->etcd.url, NULL);
	if (!etcd)
		return -1;
	char buf[2048], key[160];
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		int len = cube_test_pod_json(buf, sizeof(buf), ns, i);
		snprintf(key, sizeof(key), "/registry/pods/%s/p-%05d", ns, i);
		rc = cube_etcd_put(etcd, key, buf, (size_t)len, 0, NULL, NULL);
	}
	cube_etcd_free(etcd);
	return rc;
}
