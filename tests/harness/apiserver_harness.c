/* apiserver_harness.c - etcd + cube-apiserver for integration tests. */
#include "apiserver_harness.h"

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

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void print_tail(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[6000];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	fprintf(stderr, "--- tail of %s ---\n%s\n---\n", path, buf);
}

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
			sleep_ms(50);
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
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int fd = open(t->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		/* Leak reports at exit would make every test's server noisy; the unit
		 * tests check leaks. Crashes and UB still abort. */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		execv(bin, (char **)argv);
		_exit(127);
	}
	t->pid = pid;
	if (!ready(t->url, 30000)) {
		fprintf(stderr, "apiserver harness: %s did not become ready\n", t->url);
		print_tail(t->log);
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
		sleep_ms(20);
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

int cube_test_sh(char *out, size_t size, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char full[8300];
	snprintf(full, sizeof(full), "( %s ) 2>&1", cmd);
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	size_t n = 0;
	if (out && size) {
		while (n < size - 1) {
			size_t r = fread(out + n, 1, size - 1 - n, p);
			if (r == 0)
				break;
			n += r;
		}
		out[n] = '\0';
	}
	char sink[4096];
	while (fread(sink, 1, sizeof(sink), p) > 0)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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

pid_t cube_test_spawn(const char *const *argv, const char *log)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

void cube_test_kill(pid_t pid, int grace_ms)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int w = 0; w < grace_ms; w += 20) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		sleep_ms(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
