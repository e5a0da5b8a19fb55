/* test_portfwd.c - port-forward end to end, as root, on one real runc
 * node (tests/harness/runc_harness.h, tag "pf": etcd, API server,
 * registry, a cubelet with --netns): a web:v1 pod answers through
 *
 *   - the raw WebSocket protocol python-kubernetes speaks (GET
 *     pods/<name>/portforward?ports=N with v4.channel.k8s.io: the port
 *     messages first, then [0]+bytes; a refused port's error as text on
 *     channel 1), through the API server's relay to the cubelet's
 *     /portForward, which connects inside the pod's network namespace;
 *   - `cubectl port-forward` (pod/NAME and svc/NAME, a free local port),
 *     read with curl on 127.0.0.1, ended by SIGTERM;
 *   - the real `kubectl port-forward`, whose SPDY/3.1 the API server
 *     translates, tunnelled in a WebSocket and after Upgrade: SPDY/3.1
 *     (KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
 *
 * The cubelet's and the API server's sanitizers must stay quiet.
 * All traffic is to loopback: the forward's local port, the API server's
 * and the cubelet's; the pod is only reached from inside its namespace by
 * the cubelet. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kclient.h"
#include "runc_harness.h"
#include "obj.h"
#include "proc.h"
#include "websocket.h"

static cube_test_runc_node N;
static char out[65536];

static const char *bin_dir(void)
{
	const char *b = getenv("CUBE_BIN_DIR");
	return b && *b ? b : "build/asan/bin";
}

static void setup(void)
{
	cr_assert_eq(cube_test_runc_setup(&N, "pf"), 0);
}

/* The cubelet's and the API server's sanitizers (the API server relays
 * and translates the streams) must stay quiet. */
static void teardown(void)
{
	if (geteuid() != 0)
		return;
	cr_expect(cube_test_runc_stop_cubelet(&N), "the cubelet's sanitizers complained");
	if (N.up) {
		cube_test_api_stop_server(&N.api);
		cube_test_sh(out, sizeof(out), "grep -c Sanitizer %s", N.api.log);
		if (atoi(out) != 0)
			cube_test_print_tail(N.api.log);
		cr_expect_eq(atoi(out), 0, "the API server's sanitizers complained");
	}
	cube_test_runc_teardown(&N);
}

TestSuite(portfwd, .init = setup, .fini = teardown, .timeout = 240);

/* ---- helpers ---- */

static bool running_with_ip(const cJSON *pod, const void *arg)
{
	(void)arg;
	const char *ip = cube_json_str(pod, "status.podIP");
	return cube_test_pod_phase_is(pod, "Running") && ip && ip[0];
}

/* Starts the cubelet and a web:v1 pod "web" (label app=web) and waits
 * until busybox httpd answers inside the pod's namespace. */
static void start_web(void)
{
	cr_assert_eq(cube_test_runc_start_cubelet(&N, NULL), 0);
	char pod[2048];
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
		 "\"labels\":{\"app\":\"web\"}},"
		 "\"spec\":{\"nodeName\":\"%s\",\"terminationGracePeriodSeconds\":1,"
		 "\"containers\":[{\"name\":\"web\",\"image\":\"web:v1\","
		 "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}],"
		 "\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":"
		 "{\"fieldPath\":\"metadata.name\"}}},"
		 "{\"name\":\"NODE_NAME\",\"valueFrom\":{\"fieldRef\":"
		 "{\"fieldPath\":\"spec.nodeName\"}}}]}]}}",
		 N.node_name);
	cr_assert_eq(cube_test_runc_create_pod(&N, pod), 0);
	cJSON *p = cube_test_runc_wait_pod(&N, "web", running_with_ip, NULL, 90);
	if (!running_with_ip(p, NULL))
		cube_test_runc_dump(&N, "web", p);
	cr_assert(running_with_ip(p, NULL));
	bool up = false;
	for (int i = 0; i < 100 && !up; i++) {
		cube_test_sh(out, sizeof(out), "ip netns exec %s curl -s -m 2 http://%s:8080/",
			     N.node_ns, cube_json_str(p, "status.podIP"));
		up = strstr(out, "web v1 pod=web") != NULL;
		if (!up)
			cube_test_sleep_ms(100);
	}
	cr_assert(up, "web never answered: %s", out);
	/* a megabyte file for httpd to serve */
	int rc = cube_test_runc_exec(&N, p, "web", out, sizeof(out),
				     "dd if=/dev/zero of=/web/big bs=1000 count=1000 2>/dev/null");
	cJSON_Delete(p);
	cr_assert_eq(rc, 0, "%s", out);
}

/* GET /big through the forward on local: a megabyte, whole. */
static void expect_megabyte(int local)
{
	int rc = cube_test_sh(
		out, sizeof(out),
		"curl -s -m 30 -o /dev/null -w '%%{size_download}' http://127.0.0.1:%d/big", local);
	cr_expect(rc == 0 && !strcmp(out, "1000000"), "a megabyte: %d %s", rc, out);
}

static void stop_web(void)
{
	cr_assert_eq(cube_test_runc_delete_pod(&N, "web"), 0);
	cr_assert(cube_test_runc_pod_gone(&N, "web"));
	cr_expect(cube_test_runc_nothing_left(&N), "left behind: %s", cube_test_runc_leftovers(&N));
}

/* A WebSocket session to the API server's pods/web/portforward?query;
 * NULL with the refusal's status and body in *refused. */
static cube_ws *open_session(const char *query, int *fd, cube_ws_refusal *refused)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)N.api.port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(*fd >= 0 && connect(*fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	char target[512], host[64], proto[64] = "";
	snprintf(target, sizeof(target), "/api/v1/namespaces/default/pods/web/portforward?%s",
		 query);
	snprintf(host, sizeof(host), "127.0.0.1:%d", N.api.port);
	cube_err err = CUBE_ERR_INIT;
	cube_ws *ws = cube_ws_client_handshake(*fd, host, target, "v4.channel.k8s.io", NULL, proto,
					       sizeof(proto), refused, &err);
	if (ws)
		cr_expect_str_eq(proto, "v4.channel.k8s.io");
	else
		close(*fd);
	return ws;
}

/* Reads the session to its end: the data of channel `data_ch` and the
 * text of `err_ch` (after their port messages, checked against port). */
static void read_session(cube_ws *ws, int port, uint8_t data_ch, char *data, size_t dsize,
			 char *errs, size_t esize)
{
	size_t dl = 0, el = 0;
	bool seen[2] = {false, false};
	data[0] = errs[0] = '\0';
	for (;;) {
		cube_ws_msg m;
		cube_err err = CUBE_ERR_INIT;
		int rc = cube_ws_read(ws, &m, NULL, &err);
		if (rc != 1)
			break;
		if (m.opcode != CUBE_WS_BINARY || m.len < 1 ||
		    (m.data[0] != data_ch && m.data[0] != data_ch + 1))
			continue;
		int k = m.data[0] - data_ch;
		if (!seen[k]) {
			/* python raises on a first message that is not 3 bytes */
			cr_expect_eq(m.len, 3, "channel %d's first message", m.data[0]);
			if (m.len == 3)
				cr_expect_eq(m.data[1] | m.data[2] << 8, port);
			seen[k] = true;
			continue;
		}
		char *buf = k ? errs : data;
		size_t *len = k ? &el : &dl, size = k ? esize : dsize;
		size_t n = m.len - 1 < size - 1 - *len ? m.len - 1 : size - 1 - *len;
		memcpy(buf + *len, m.data + 1, n);
		*len += n;
		buf[*len] = '\0';
	}
	cr_expect(seen[0] && seen[1], "the port messages of channels %d and %d", data_ch,
		  data_ch + 1);
}

/* Starts `cubectl port-forward target ports...` (the real kubectl's with
 * `kubectl`; output to log); returns its PID and the local port of its
 * "Forwarding from 127.0.0.1:N -> remote". */
static pid_t start_forward_with(bool kubectl, const char *log, const char *target,
				const char *const *ports, int remote, int *local)
{
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd), "exec %s%s%s port-forward %s",
			 kubectl ? N.api.kubectl : bin_dir(), kubectl ? "" : "/cubectl --server ",
			 kubectl ? "" : N.api.url, target);
	for (size_t i = 0; ports[i]; i++)
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %s", ports[i]);
	const char *argv[] = {"sh", "-c", cmd, NULL};
	pid_t pid = cube_test_spawn(argv, log, true);
	cr_assert_gt(pid, 0);
	char want[64];
	snprintf(want, sizeof(want), " -> %d\n", remote);
	*local = 0;
	for (int i = 0; i < 300 && !*local; i++) {
		cube_test_read_file(log, out, sizeof(out));
		for (char *l = strstr(out, "Forwarding from 127.0.0.1:"); l && !*local;
		     l = strstr(l + 1, "Forwarding from 127.0.0.1:")) {
			char *nl = strchr(l, '\n');
			if (nl && !strncmp(strstr(l, " -> "), want, strlen(want)))
				*local = atoi(l + strlen("Forwarding from 127.0.0.1:"));
		}
		if (!*local)
			cube_test_sleep_ms(100);
	}
	if (!*local)
		cube_test_print_tail(log);
	cr_assert_gt(*local, 0, "no Forwarding line for %d", remote);
	return pid;
}

static pid_t start_forward(const char *log, const char *target, const char *const *ports,
			   int remote, int *local)
{
	return start_forward_with(false, log, target, ports, remote, local);
}

/* SIGTERM, and its wait status once it has ended by itself (-1: it
 * had to be killed after 30 s). */
static int end_forward(pid_t pid)
{
	kill(pid, SIGTERM);
	int st = 0;
	pid_t r = 0;
	for (int i = 0; i < 300 && r == 0; i++) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == 0)
			cube_test_sleep_ms(100);
	}
	if (r == pid)
		return st;
	cube_test_kill(pid, 0);
	return -1;
}

/* SIGTERM ends cubectl's forward by itself, with status 0. */
static void stop_forward(pid_t pid, const char *log)
{
	int st = end_forward(pid);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "port-forward did not end cleanly on SIGTERM (status %d)", st);
	cube_test_sh(out, sizeof(out), "grep -c Sanitizer %s", log);
	cr_expect_eq(atoi(out), 0, "cubectl's sanitizers complained");
}

/* Creates the object (JSON) in default, forwards `target port` with
 * cubectl (to the web pod's 8080) and expects web's answer through it. */
static void forward_through(const cube_gvr *gvr, const char *json, const char *target,
			    const char *port)
{
	cJSON *o = cJSON_Parse(json);
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(N.kc, gvr, "default", o, &err);
	cJSON_Delete(o);
	cr_assert_not_null(made, "%s: %s", target, err.msg);
	cJSON_Delete(made);
	char log[700];
	snprintf(log, sizeof(log), "%s/forward-%s.log", N.tmp, gvr->resource);
	const char *const ports[] = {port, NULL};
	int local = 0;
	pid_t pid = start_forward(log, target, ports, 8080, &local);
	int rc = cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", local);
	cr_expect(rc == 0 && strstr(out, "web v1 pod=web"), "through %s: %d %s", target, rc, out);
	stop_forward(pid, log);
}

/* ---- the tests ---- */

Test(portfwd, raw_websocket_like_python_kubernetes)
{
	NEED_ROOT();
	start_web();
	char data[8192], errs[4096];
	int fd;
	cube_ws_refusal refused = {0};
	/* one port: the pod's HTTP server, reached inside its namespace */
	cube_ws *ws = open_session("ports=8080", &fd, &refused);
	cr_assert_not_null(ws, "refused: %d %s", refused.status, refused.body);
	const char req[] = "\x00GET / HTTP/1.0\r\n\r\n";
	cr_assert_eq(cube_ws_write(ws, CUBE_WS_BINARY, req, sizeof(req) - 1, NULL), 0);
	read_session(ws, 8080, 0, data, sizeof(data), errs, sizeof(errs));
	cr_expect(strstr(data, "200 OK") && strstr(data, "web v1 pod=web"), "answer: %s", data);
	cr_expect_str_eq(errs, "");
	cube_ws_free(ws);
	close(fd);
	/* two ports in one session: 8080 on channels 0/1, a closed one on 2/3 */
	ws = open_session("ports=8080,7777", &fd, &refused);
	cr_assert_not_null(ws, "refused: %d %s", refused.status, refused.body);
	cr_assert_eq(cube_ws_write(ws, CUBE_WS_BINARY, req, sizeof(req) - 1, NULL), 0);
	read_session(ws, 7777, 2, data, sizeof(data), errs, sizeof(errs));
	cr_expect(strstr(errs, "error forwarding port 7777 to pod ") &&
			  strstr(errs, "connect: connection refused"),
		  "error channel: %s", errs);
	cube_ws_free(ws);
	close(fd);
	/* bad requests: answered with a Status, no upgrade */
	ws = open_session("ports=http", &fd, &refused);
	cr_expect_null(ws);
	cr_expect_eq(refused.status, 400);
	cr_expect(refused.body && strstr(refused.body, "invalid port \\\"http\\\""), "%s",
		  refused.body);
	free(refused.body);
	ws = open_session("", &fd, &refused);
	cr_expect_null(ws);
	cr_expect_eq(refused.status, 400);
	cr_expect(refused.body && strstr(refused.body, "query parameter \\\"port\\\" is required"),
		  "%s", refused.body);
	free(refused.body);
	stop_web();
}

Test(portfwd, cubectl_forwards_pods_and_services_until_sigterm)
{
	NEED_ROOT();
	start_web();
	char log[700];
	snprintf(log, sizeof(log), "%s/forward.log", N.tmp);
	int local = 0, closed_local = 0;
	const char *const ports[] = {"0:8080", ":7777", NULL};
	pid_t pid = start_forward(log, "pod/web", ports, 8080, &local);
	for (int i = 0; i < 2; i++) { /* two connections in turn */
		int rc =
			cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", local);
		cr_expect(rc == 0 && strstr(out, "web v1 pod=web"), "curl %d: %d %s", i, rc, out);
	}
	expect_megabyte(local);
	cube_test_read_file(log, out, sizeof(out));
	char want[64];
	snprintf(want, sizeof(want), "Handling connection for %d\n", local);
	char *first = strstr(out, want);
	cr_expect(first && strstr(first + 1, want), "two connections handled: %s", out);
	/* the port nothing listens on: the error, and the forward goes on */
	cube_test_read_file(log, out, sizeof(out));
	for (char *p = strstr(out, "Forwarding from 127.0.0.1:"); p;
	     p = strstr(p + 1, "Forwarding from 127.0.0.1:")) {
		char *arrow = strstr(p, " -> 7777\n"), *nl = strchr(p, '\n');
		if (arrow && nl && arrow < nl)
			closed_local = atoi(p + strlen("Forwarding from 127.0.0.1:"));
	}
	cr_assert_gt(closed_local, 0, "no forward for 7777: %s", out);
	cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", closed_local);
	bool reported = false;
	for (int i = 0; i < 100 && !reported; i++) {
		cube_test_read_file(log, out, sizeof(out));
		reported = strstr(out, "an error occurred forwarding") &&
			   strstr(out, "error forwarding port 7777 to pod") &&
			   strstr(out, "connection refused");
		if (!reported)
			cube_test_sleep_ms(100);
	}
	cr_expect(reported, "the refused connection's error: %s", out);
	int rc = cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", local);
	cr_expect(rc == 0 && strstr(out, "web v1 pod=web"), "after the error: %d %s", rc, out);
	stop_forward(pid, log);
	/* the forward is gone with it */
	rc = cube_test_sh(out, sizeof(out), "curl -s -m 5 http://127.0.0.1:%d/", local);
	cr_expect_neq(rc, 0, "still forwarding after SIGTERM: %s", out);

	/* a Service: its port 80 maps to the pod's targetPort (by name) */
	forward_through(&CUBE_GVR_SERVICES,
			"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":"
			"\"websvc\"},\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":"
			"80,\"targetPort\":\"http\"}]}}",
			"svc/websvc", "0:80");
	/* a Deployment: a running pod of its selector (no controller runs here:
	 * the web pod is the one it selects), a named port */
	forward_through(&CUBE_GVR_DEPLOYMENTS,
			"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
			"\"name\":\"webdeploy\"},\"spec\":{\"replicas\":1,\"selector\":{"
			"\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{"
			"\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":"
			"\"web\",\"image\":\"web:v1\"}]}}}}",
			"deploy/webdeploy", "0:http");
	/* a pod that does not run is refused, by cubectl and by the server */
	rc = cube_test_sh(out, sizeof(out),
			  "%s/cubectl --server %s port-forward pod/nosuch 8080 2>&1", bin_dir(),
			  N.api.url);
	cr_expect(rc != 0 && strstr(out, "pods \"nosuch\" not found"), "%d %s", rc, out);
	stop_web();
}

static void kubectl_forward(int mode);

Test(portfwd, kubectl_over_spdy)
{
	NEED_ROOT();
	start_web();
	for (int mode = 0; mode < 2; mode++) {
		/* SPDY in a WebSocket (kubectl's default), then directly after a
		 * POST with Upgrade: SPDY/3.1 (its fallback) */
		if (mode)
			setenv("KUBECTL_PORT_FORWARD_WEBSOCKETS", "false", 1);
		kubectl_forward(mode);
		unsetenv("KUBECTL_PORT_FORWARD_WEBSOCKETS");
	}
	/* a port nothing listens on: kubectl prints the cubelet's error */
	char log[700];
	int local = 0;
	snprintf(log, sizeof(log), "%s/kubectl-refused.log", N.tmp);
	const char *const closed[] = {"0:7777", NULL};
	pid_t pid = start_forward_with(true, log, "pod/web", closed, 7777, &local);
	cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", local);
	bool reported = false;
	for (int i = 0; i < 100 && !reported; i++) {
		cube_test_read_file(log, out, sizeof(out));
		reported = strstr(out, "error forwarding port 7777 to pod") &&
			   strstr(out, "connection refused");
		if (!reported)
			cube_test_sleep_ms(100);
	}
	cr_expect(reported, "kubectl's report: %s", out);
	cube_test_kill(pid, 5000);
	/* both ways were taken */
	cube_test_sh(out, sizeof(out),
		     "grep -c 'SPDY/3.1 in a WebSocket' %s; "
		     "grep -c 'SPDY/3.1 on the connection' %s",
		     N.api.log, N.api.log);
	cr_expect(strcmp(out, "0\n0\n") && out[0] != '0' && !strstr(out, "\n0\n"),
		  "the apiserver's SPDY sessions (tunnelled, direct): %s", out);
	stop_web();
}

static void kubectl_forward(int mode)
{
	char log[700];
	snprintf(log, sizeof(log), "%s/kubectl-forward-%d.log", N.tmp, mode);
	int local = 0;
	const char *const ports[] = {"0:8080", NULL};
	pid_t pid = start_forward_with(true, log, "pod/web", ports, 8080, &local);
	for (int i = 0; i < 3; i++) { /* connections in turn, on one SPDY connection */
		int rc =
			cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", local);
		cr_expect(rc == 0 && strstr(out, "web v1 pod=web"), "mode %d curl %d: %d %s", mode,
			  i, rc, out);
	}
	expect_megabyte(local); /* many data frames */
	int rc;
	rc = cube_test_sh(out, sizeof(out), "curl -s -m 20 http://127.0.0.1:%d/", local);
	cr_expect(rc == 0 && strstr(out, "web v1 pod=web"), "after: %d %s", rc, out);
	cube_test_read_file(log, out, sizeof(out));
	char want[64];
	snprintf(want, sizeof(want), "Handling connection for %d\n", local);
	cr_expect(strstr(out, want), "%s", out);
	cr_expect(!strstr(out, "error"), "%s", out);
	cr_expect_geq(end_forward(pid), 0, "kubectl port-forward did not end on SIGTERM (mode %d)",
		      mode);
}
