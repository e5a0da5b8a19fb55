/* etcd_harness.c - starts and stops a real etcd for tests (see the header). */
#include "etcd_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "proc.h"

int cube_test_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

bool cube_test_etcd_wait(const char *url, int timeout_ms)
{
	cube_http *h = cube_http_new(NULL);
	if (!h)
		return false;
	char u[256];
	snprintf(u, sizeof(u), "%s/health", url);
	bool ok = false;
	for (int waited = 0; waited < timeout_ms; waited += 50) {
		cube_http_req req = {.url = u, .timeout_ms = 1000, .connect_timeout_ms = 500};
		cube_http_resp resp;
		if (cube_http_do(h, &req, &resp, NULL) == 0 && resp.status == 200) {
			cube_http_resp_clear(&resp);
			ok = true;
			break;
		}
		cube_http_resp_clear(&resp);
		cube_test_sleep_ms(50);
	}
	cube_http_free(h);
	return ok;
}

static void print_log_tail(const cube_test_etcd *t)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/etcd.log", t->dir);
	cube_test_print_tail(path);
}

static int spawn(cube_test_etcd *t)
{
	char data[600], log[600], client[64], peer[64], cluster[96];
	snprintf(data, sizeof(data), "%s/data", t->dir);
	snprintf(log, sizeof(log), "%s/etcd.log", t->dir);
	snprintf(client, sizeof(client), "http://127.0.0.1:%d", t->client_port);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", t->peer_port);
	snprintf(cluster, sizeof(cluster), "test=%s", peer);
	snprintf(t->url, sizeof(t->url), "%s", client);

	const char *argv[] = {"etcd",  "--name",
			      "test",  "--data-dir",
			      data,    "--listen-client-urls",
			      client,  "--advertise-client-urls",
			      client,  "--listen-peer-urls",
			      peer,    "--initial-advertise-peer-urls",
			      peer,    "--initial-cluster",
			      cluster, "--logger",
			      "zap",   "--log-level",
			      "warn",  NULL};
	pid_t pid = cube_test_spawn(argv, log, true);
	if (pid < 0)
		return -1;
	t->pid = pid;
	return 0;
}

static int start_on_ports(cube_test_etcd *t)
{
	if (spawn(t) < 0) {
		perror("etcd harness: fork");
		return -1;
	}
	for (int waited = 0; waited < 20000; waited += 100) {
		int status;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return -2; /* exited: probably a port clash */
		}
		if (cube_test_etcd_wait(t->url, 100))
			return 0;
	}
	fprintf(stderr, "etcd harness: etcd at %s did not answer within 20 s\n", t->url);
	print_log_tail(t);
	cube_test_etcd_stop(t);
	return -1;
}

int cube_test_etcd_start(cube_test_etcd *t)
{
	memset(t, 0, sizeof(*t));
	const char *tmp = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/cube-etcd.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(t->dir)) {
		perror("etcd harness: mkdtemp");
		return -1;
	}
	for (int attempt = 0; attempt < 5; attempt++) {
		t->client_port = cube_test_free_port();
		t->peer_port = cube_test_free_port();
		if (t->client_port < 0 || t->peer_port < 0 || t->client_port == t->peer_port)
			continue;
		int rc = start_on_ports(t);
		if (rc == 0)
			return 0;
		if (rc == -1)
			return -1;
	}
	fprintf(stderr, "etcd harness: etcd kept exiting at start\n");
	print_log_tail(t);
	return -1;
}

void cube_test_etcd_stop(cube_test_etcd *t)
{
	if (t->pid <= 0)
		return;
	kill(t->pid, SIGTERM);
	for (int waited = 0; waited < 5000; waited += 20) {
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

int cube_test_etcd_restart(cube_test_etcd *t)
{
	cube_test_etcd_stop(t);
	/* Same ports: the client under test must find the server where it was. */
	for (int attempt = 0; attempt < 50; attempt++) {
		int rc = start_on_ports(t);
		if (rc == 0)
			return 0;
		if (rc == -1)
			return -1;
		cube_test_sleep_ms(100); /* the old socket may linger briefly */
	}
	print_log_tail(t);
	return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void cube_test_etcd_destroy(cube_test_etcd *t)
{
	cube_test_etcd_stop(t);
	if (t->dir[0])
		nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	t->dir[0] = '\0';
}
