/* probe.c - one run of a container probe (see probe.h). */
#include "probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "netns.h"
#include "obj.h"

extern char **environ;

int probe_field(const cJSON *probe, const char *field)
{
	static const struct {
		const char *name;
		int dflt, min;
	} f[] = {
		{"initialDelaySeconds", 0, 0}, {"periodSeconds", 10, 1},   {"timeoutSeconds", 1, 1},
		{"successThreshold", 1, 1},    {"failureThreshold", 3, 1},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(field, f[i].name)) {
			int v = (int)cube_json_int(probe, field, f[i].dflt);
			return v < f[i].min ? f[i].dflt : v;
		}
	return 0;
}

bool probe_state_apply(probe_state *s, const cJSON *probe, bool ok)
{
	if (ok) {
		s->succ++;
		s->fail = 0;
	} else {
		s->fail++;
		s->succ = 0;
	}
	int result = s->result;
	if (ok && s->succ >= probe_field(probe, "successThreshold"))
		result = 1;
	if (!ok && s->fail >= probe_field(probe, "failureThreshold"))
		result = 0;
	bool flipped = result != s->result;
	s->result = result;
	return flipped;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- exec ---- */

static bool run_exec(const cJSON *cmd, const probe_target *t, int timeout_s, char *msg, size_t size)
{
	int n = cJSON_GetArraySize(cmd);
	if (n <= 0 || !t->container_id) {
		snprintf(msg, size, "no command");
		return false;
	}
	const char **argv = calloc((size_t)n + 6, sizeof(*argv));
	if (!argv) {
		snprintf(msg, size, "out of memory");
		return false;
	}
	size_t k = 0;
	argv[k++] = "runc";
	argv[k++] = "--root";
	argv[k++] = t->runc_root;
	argv[k++] = "exec";
	argv[k++] = t->container_id;
	const cJSON *w;
	cJSON_ArrayForEach (w, cmd)
		argv[k++] = cJSON_IsString(w) ? w->valuestring : "";
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		free(argv);
		snprintf(msg, size, "pipe: %s", strerror(errno));
		return false;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	int rc = posix_spawnp(&pid, "runc", &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	free(argv);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		snprintf(msg, size, "runc: %s", strerror(rc));
		return false;
	}
	char out[1024];
	size_t got = 0;
	int64_t deadline = mono_ms() + timeout_s * 1000LL;
	bool timed_out = false;
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int pr = poll(&pfd, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			timed_out = pr == 0;
			break;
		}
		ssize_t r = got + 1 < sizeof(out) ? read(p[0], out + got, sizeof(out) - 1 - got)
						  : read(p[0], (char[256]){0}, 256);
		if (r <= 0)
			break;
		if (got + 1 < sizeof(out))
			got += (size_t)r;
	}
	close(p[0]);
	out[got] = '\0';
	if (timed_out)
		kill(pid, SIGKILL);
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		snprintf(msg, size, "command timed out after %ds", timeout_s);
		return false;
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return true;
	while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == '\r'))
		out[--got] = '\0';
	snprintf(msg, size, "%s", out[0] ? out : "command failed");
	return false;
}

/* ---- tcp and http, inside the pod's namespace ---- */

typedef struct net_job {
	const char *ip;
	int port;
	int timeout_ms;
	const char *request; /* NULL: tcp only */
	char *msg;
	size_t size;
	bool ok;
} net_job;

static int dial(const net_job *j)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)j->port)};
	if (inet_pton(AF_INET, j->ip, &a.sin_addr) != 1) {
		close(fd);
		snprintf(j->msg, j->size, "bad address %s", j->ip);
		return -1;
	}
	int rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
	if (rc < 0 && errno == EINPROGRESS) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, j->timeout_ms) <= 0) {
			snprintf(j->msg, j->size, "dial tcp %s:%d: i/o timeout", j->ip, j->port);
			close(fd);
			return -1;
		}
		int e = 0;
		socklen_t el = sizeof(e);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		rc = e ? -1 : 0;
		errno = e;
	}
	if (rc < 0) {
		snprintf(j->msg, j->size, "dial tcp %s:%d: connect: %s", j->ip, j->port,
			 errno == ECONNREFUSED ? "connection refused" : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int net_probe(void *ud, cube_err *err)
{
	(void)err;
	net_job *j = ud;
	int fd = dial(j);
	if (fd < 0)
		return 0;
	if (!j->request) {
		close(fd);
		j->ok = true;
		return 0;
	}
	int64_t deadline = mono_ms() + j->timeout_ms;
	size_t len = strlen(j->request), off = 0;
	char buf[512];
	size_t got = 0;
	while (mono_ms() < deadline) {
		struct pollfd p = {.fd = fd, .events = off < len ? POLLOUT : POLLIN};
		if (poll(&p, 1, (int)(deadline - mono_ms())) <= 0)
			break;
		if (off < len) {
			ssize_t w = send(fd, j->request + off, len - off, MSG_NOSIGNAL);
			if (w <= 0)
				break;
			off += (size_t)w;
			continue;
		}
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
		buf[got] = '\0';
		if (strchr(buf, '\n') || got == sizeof(buf) - 1)
			break;
	}
	close(fd);
	buf[got] = '\0';
	int code = 0;
	if (sscanf(buf, "HTTP/%*s %d", &code) != 1) {
		snprintf(j->msg, j->size,
			 "Get \"http://%s:%d\": context deadline exceeded (Client.Timeout exceeded "
			 "while awaiting headers)",
			 j->ip, j->port);
		return 0;
	}
	if (code >= 200 && code < 400)
		j->ok = true;
	else
		snprintf(j->msg, j->size, "HTTP probe failed with statuscode: %d", code);
	return 0;
}

/* A port number, or a named port of the container. */
static int port_of(const cJSON *v, const cJSON *container)
{
	if (cJSON_IsNumber(v))
		return (int)v->valuedouble;
	if (!cJSON_IsString(v))
		return -1;
	char *end;
	long n = strtol(v->valuestring, &end, 10);
	if (v->valuestring[0] && !*end)
		return (int)n;
	const cJSON *p;
	cJSON_ArrayForEach (p, cube_json_path(container, "ports")) {
		const char *name = cube_json_str(p, "name");
		if (name && !strcmp(name, v->valuestring))
			return (int)cube_json_int(p, "containerPort", -1);
	}
	return -1;
}

/* ---- https, through libcurl (no certificate verification) ---- */

typedef struct https_job {
	const char *url;
	const char *const *headers;
	int timeout_ms;
	char *msg;
	size_t size;
	bool ok;
} https_job;

static int https_probe(void *ud, cube_err *err)
{
	(void)err;
	https_job *j = ud;
	cube_err e = CUBE_ERR_INIT;
	cube_http *h = cube_http_new(&e);
	cube_http_tls tls = {.insecure = true};
	if (!h || cube_http_set_tls(h, &tls, &e) < 0) {
		snprintf(j->msg, j->size, "%s", e.msg);
		cube_http_free(h);
		return 0;
	}
	cube_http_req req = {.url = j->url,
			     .headers = j->headers,
			     .timeout_ms = j->timeout_ms,
			     .connect_timeout_ms = j->timeout_ms,
			     .max_body = 10240};
	cube_http_resp resp = {0};
	int rc = cube_http_do(h, &req, &resp, &e);
	if (rc < 0 && e.code != CUBE_ETOOBIG)
		snprintf(j->msg, j->size, "Get \"%s\": %s", j->url, e.msg);
	else if (resp.status >= 200 && resp.status < 400)
		j->ok = true;
	else
		snprintf(j->msg, j->size, "HTTP probe failed with statuscode: %ld", resp.status);
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	return 0;
}

/* The probe's "httpHeaders" as "Name: value" lines (at most max - 2, then
 * "User-Agent: <ua>" unless the probe sets one), into lines/buf. */
static size_t http_headers(const cJSON *http, const char *ua_line, char *buf, size_t size,
			   const char **lines, size_t max)
{
	size_t n = 0, o = 0;
	bool ua = false;
	const cJSON *h;
	cJSON_ArrayForEach (h, cJSON_GetObjectItemCaseSensitive(http, "httpHeaders")) {
		const char *k = cube_json_str(h, "name"), *v = cube_json_str(h, "value");
		if (!k || !v || !k[0] || strpbrk(k, "\r\n:") || strpbrk(v, "\r\n") || n + 2 >= max)
			continue;
		int w = snprintf(buf + o, size - o, "%s: %s", k, v);
		if (w < 0 || (size_t)w >= size - o)
			break;
		ua |= !strcasecmp(k, "User-Agent");
		lines[n++] = buf + o;
		o += (size_t)w + 1;
	}
	if (!ua)
		lines[n++] = ua_line;
	lines[n] = NULL;
	return n;
}

bool probe_run(const cJSON *probe, const probe_target *t, char *msg, size_t size)
{
	msg[0] = '\0';
	int timeout_s = t->timeout_s > 0 ? t->timeout_s : probe_field(probe, "timeoutSeconds");
	const cJSON *ex = cube_json_path(probe, "exec.command");
	if (ex)
		return run_exec(ex, t, timeout_s, msg, size);
	const cJSON *http = cube_json_path(probe, "httpGet");
	const cJSON *tcp = cube_json_path(probe, "tcpSocket");
	if (!http && !tcp) {
		snprintf(msg, size, "unsupported probe handler");
		return false;
	}
	const cJSON *hp = cJSON_GetObjectItemCaseSensitive(http ? http : tcp, "port");
	int port = port_of(hp, t->container);
	if (port <= 0 || port > 65535) {
		snprintf(msg, size, "invalid port");
		return false;
	}
	const char *host = cube_json_str(http ? http : tcp, "host");
	if (!host || !host[0])
		host = t->pod_ip;
	if (!host || !host[0]) {
		snprintf(msg, size, "no pod IP");
		return false;
	}
	char req[2048] = "", hbuf[2048];
	const char *lines[34];
	cube_err err = CUBE_ERR_INIT;
	if (http) {
		const char *scheme = cube_json_str(http, "scheme");
		bool https = scheme && !strcasecmp(scheme, "HTTPS");
		if (scheme && !https && strcasecmp(scheme, "HTTP")) {
			snprintf(msg, size, "unsupported scheme %s", scheme);
			return false;
		}
		const char *path = cube_json_str(http, "path");
		if (!path || !path[0])
			path = "/";
		char ua[128];
		snprintf(ua, sizeof(ua), "User-Agent: %s",
			 t->user_agent ? t->user_agent : "kube-probe/1.32");
		size_t nh = http_headers(http, ua, hbuf, sizeof(hbuf), lines, 34);
		if (https) {
			char url[1200];
			snprintf(url, sizeof(url), "https://%s:%d%s%s", host, port,
				 path[0] == '/' ? "" : "/", path);
			https_job hj = {.url = url,
					.headers = lines,
					.timeout_ms = timeout_s * 1000,
					.msg = msg,
					.size = size};
			if (cube_netns_run(t->netns_fd, https_probe, &hj, &err) < 0 && !msg[0])
				snprintf(msg, size, "%s", err.msg);
			return hj.ok;
		}
		size_t o = (size_t)snprintf(req, sizeof(req),
					    "GET %s%s HTTP/1.1\r\nHost: %s:%d\r\nAccept: */*\r\n",
					    path[0] == '/' ? "" : "/", path, host, port);
		for (size_t i = 0; i < nh && o < sizeof(req); i++)
			o += (size_t)snprintf(req + o, sizeof(req) - o, "%s\r\n", lines[i]);
		if (o < sizeof(req))
			snprintf(req + o, sizeof(req) - o, "Connection: close\r\n\r\n");
	}
	net_job j = {.ip = host,
		     .port = port,
		     .timeout_ms = timeout_s * 1000,
		     .request = http ? req : NULL,
		     .msg = msg,
		     .size = size};
	if (cube_netns_run(t->netns_fd, net_probe, &j, &err) < 0 && !msg[0])
		snprintf(msg, size, "%s", err.msg);
	return j.ok;
}
