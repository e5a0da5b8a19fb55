/* portforward.c - `cubectl port-forward TYPE/NAME [LOCAL:]REMOTE...`, as
 * kubectl port-forward: the object is resolved to a pod (a pod itself, or
 * a running pod of a service's or a workload's selector; a service port is
 * mapped to its targetPort), the pod must be Running, and each
 * [LOCAL:]REMOTE gets a listening socket on --address (localhost:
 * 127.0.0.1, and [::1] when it can be bound; LOCAL 0 or empty: a free
 * port).  Every accepted connection is one WebSocket session to the API
 * server, GET pods/<name>/portforward?ports=REMOTE with v4.channel.k8s.io:
 * the first message of each channel names the port, then data goes as
 * [0]+bytes both ways and an error comes as text on channel 1.  It runs
 * until SIGINT or SIGTERM.
 *
 * kubectl speaks SPDY/3.1 to the same subresource (one connection, many
 * streams); the WebSocket protocol is the one python-kubernetes and
 * client-node use, one session per local connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "fsutil.h"
#include "obj.h"
#include "selector.h"
#include "websocket.h"

#define MAX_FWD 32
#define MAX_LISTEN (MAX_FWD * 4)

static const char *address;
static int running_timeout = 60;

static const cctl_flag pf_flags[] = {
	{"address", 0, CCTL_STRING, &address,
	 "Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a "
	 "value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 "
	 "and will fail if neither of these addresses are available to bind."},
	{"pod-running-timeout", 0, CCTL_DUR, &running_timeout,
	 "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one "
	 "pod is running"},
	{0},
};

typedef struct fwd {
	int local, remote;
} fwd;

/* ---- one forwarded connection ---- */

typedef struct conn {
	cctl *c;
	int fd; /* the local connection */
	fwd f;
	char path[4096];
} conn;

/* kubectl reports a forwarding error through klog's HandleError. */
static void print_error(const fwd *f, const uint8_t *msg, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char *q = malloc(2 * len + 1), *o = q;
	if (!q)
		return;
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '"' || msg[i] == '\\')
			*o++ = '\\';
		*o++ = (char)msg[i];
	}
	*o = '\0';
	fprintf(stderr,
		"E%02d%02d %02d:%02d:%02d.%06ld %7d portforward.go:424] \"Unhandled Error\" "
		"err=\"an error occurred forwarding %d -> %d: %s\"\n",
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000,
		(int)getpid(), f->local, f->remote, q);
	free(q);
}

/* Moves bytes until either side is done. */
static void relay(conn *k, cube_ws *ws)
{
	bool opened[2] = {false, false}; /* the channel's port message was seen */
	cube_autofree uint8_t *errs = NULL;
	size_t errs_len = 0;
	bool local_open = true;
	for (;;) {
		cube_ws_msg m;
		int rc;
		while ((rc = cube_ws_next(ws, &m, NULL, NULL)) == 1) {
			if (m.opcode != CUBE_WS_BINARY || m.len < 1 || m.data[0] > 1)
				continue;
			int ch = m.data[0];
			if (!opened[ch]) {
				opened[ch] = true; /* [ch, port_lo, port_hi] */
				continue;
			}
			if (ch == 0 && local_open &&
			    cube_write_all(k->fd, m.data + 1, m.len - 1) < 0)
				local_open = false;
			if (ch == 1 && m.len > 1) {
				uint8_t *nb = realloc(errs, errs_len + m.len - 1);
				if (nb) {
					memcpy(nb + errs_len, m.data + 1, m.len - 1);
					errs = nb;
					errs_len += m.len - 1;
				}
			}
		}
		if (rc != 0 || !local_open)
			break; /* the session closed (or broke), or the local side did */
		struct pollfd p[2] = {{.fd = cube_ws_fd(ws), .events = POLLIN},
				      {.fd = k->fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && cube_ws_fill(ws) <= 0)
			break;
		if (p[1].revents) {
			uint8_t buf[32768];
			ssize_t n = recv(k->fd, buf, sizeof(buf), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || cube_ws_write_channel(ws, 0, buf, (size_t)n, NULL) < 0)
				break;
		}
	}
	if (errs_len)
		print_error(&k->f, errs, errs_len);
	cube_ws_finish(ws, 1000, 2000);
}

static void *conn_main(void *arg)
{
	conn *k = arg;
	char proto[64] = "";
	int fd = -1;
	cube_ws *ws = cctl_ws_open(k->c, k->path, "v4.channel.k8s.io", proto, sizeof(proto), &fd);
	if (ws) {
		relay(k, ws);
		cube_ws_free(ws);
		close(fd);
	}
	close(k->fd);
	free(k);
	return NULL;
}

/* ---- the pod ---- */

/* The remote port: a number, or a named port of the pod's containers. */
static int pod_port(const cJSON *pod, const char *spec)
{
	char *end = NULL;
	long n = strtol(spec, &end, 10);
	if (spec[0] && !*end)
		return n >= 1 && n <= 65535 ? (int)n : -1;
	const cJSON *c, *p;
	cJSON_ArrayForEach (c, cube_json_path(pod, "spec.containers")) {
		cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(c, "ports")) {
			const char *name = cube_json_str(p, "name");
			if (name && !strcmp(name, spec))
				return (int)cube_json_int(p, "containerPort", -1);
		}
	}
	return -1;
}

/* A service port (number or name) to the pod's port, as kubectl's
 * LookupContainerPortNumberByServicePort; -1 after printing the error. */
static int service_port(const cJSON *svc, const cJSON *pod, const char *spec, int *svc_port)
{
	char *end = NULL;
	long want = strtol(spec, &end, 10);
	bool by_number = spec[0] && !*end;
	const cJSON *sp;
	cJSON_ArrayForEach (sp, cube_json_path(svc, "spec.ports")) {
		const char *name = cube_json_str(sp, "name");
		int port = (int)cube_json_int(sp, "port", 0);
		if (by_number ? port != want : !name || strcmp(name, spec))
			continue;
		*svc_port = port;
		const cJSON *tp = cJSON_GetObjectItemCaseSensitive(sp, "targetPort");
		if (cJSON_IsString(tp)) {
			int n = pod_port(pod, tp->valuestring);
			if (n < 0)
				cctl_fail("Pod '%s' does not have a named port '%s'",
					  cube_obj_name(pod), tp->valuestring);
			return n;
		}
		int n = cJSON_IsNumber(tp) ? tp->valueint : 0;
		return n > 0 ? n : port;
	}
	if (by_number)
		cctl_fail("Service %s does not have a service port %ld", cube_obj_name(svc), want);
	else
		cctl_fail("Service '%s' does not have a named port '%s'", cube_obj_name(svc), spec);
	return -1;
}

/* How active a pod is, for picking one as kubectl's GetFirstPod does:
 * running and ready first, then running, then pending. */
static int activity(const cJSON *pod)
{
	const char *phase = cube_json_str(pod, "status.phase");
	int score = phase && !strcmp(phase, "Running")	 ? 2
		    : phase && !strcmp(phase, "Pending") ? 1
							 : 0;
	const cJSON *cond;
	cJSON_ArrayForEach (cond, cube_json_path(pod, "status.conditions")) {
		const char *t = cube_json_str(cond, "type"), *s = cube_json_str(cond, "status");
		if (t && s && !strcmp(t, "Ready") && !strcmp(s, "True"))
			score += 4;
	}
	return cube_json_path(pod, "metadata.deletionTimestamp") ? 0 : score;
}

/* The best pod matching `sel` (a label selector string); waits up to
 * --pod-running-timeout for a running one.  NULL after printing. */
static cJSON *pod_of_selector(cctl *c, const char *sel)
{
	const cctl_res *pods = cctl_resolve(c, "pods");
	if (!pods) {
		cctl_fail("the server doesn't have a resource type \"pods\"");
		return NULL;
	}
	char path[4096];
	cctl_path(pods, cctl_ns(c), NULL, NULL, path, sizeof(path));
	cctl_query(path, sizeof(path), "labelSelector", sel);
	for (int waited = 0;; waited++) {
		cube_autojson cJSON *l = cctl_call(c, "GET", path, NULL, NULL, NULL);
		if (!l)
			return NULL;
		const cJSON *it, *best = NULL;
		cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(l, "items")) {
			if (!best || activity(it) > activity(best))
				best = it;
		}
		if (best && (activity(best) % 4 == 2 || waited >= running_timeout))
			return cJSON_Duplicate(best, true);
		if (waited >= running_timeout) {
			cctl_fail("timed out waiting for the condition");
			return NULL;
		}
		sleep(1);
	}
}

/* TYPE/NAME (or a pod's name) to a pod; *svc gets the Service when it
 * was one.  NULL after printing the error. */
static cJSON *resolve_pod(cctl *c, const char *arg, cJSON **svc)
{
	*svc = NULL;
	const char *slash = strchr(arg, '/');
	char type[256];
	snprintf(type, sizeof(type), "%.*s", slash ? (int)(slash - arg) : 3, slash ? arg : "pod");
	const char *name = slash ? slash + 1 : arg;
	const cctl_res *r = cctl_resolve(c, type);
	if (!r) {
		cctl_fail("the server doesn't have a resource type \"%s\"", type);
		return NULL;
	}
	if (!name[0]) {
		cctl_fail("arguments in resource/name form must have a single resource and name");
		return NULL;
	}
	cJSON *o = cctl_get_obj(c, r, name);
	if (!o)
		return NULL;
	const char *res = r->gvr.resource;
	if (!strcmp(res, "pods"))
		return o;
	cube_labelsel *sel = NULL;
	if (!strcmp(res, "services") && !r->gvr.group[0]) {
		sel = cube_labelsel_from_map(cube_json_path(o, "spec.selector"), NULL);
		*svc = o;
	} else if (cube_json_path(o, "spec.selector")) {
		sel = cube_labelsel_from_json(cube_json_path(o, "spec.selector"), NULL);
	}
	cube_autofree char *s = sel ? cube_labelsel_string(sel) : NULL;
	cube_labelsel_free(sel);
	if (!s || !s[0]) {
		cctl_fail("cannot attach to *%s.%s: selector for *%s.%s not implemented",
			  r->gvr.version, r->gvr.kind, r->gvr.version, r->gvr.kind);
		if (!*svc)
			cJSON_Delete(o);
		cJSON_Delete(*svc);
		*svc = NULL;
		return NULL;
	}
	cJSON *pod = pod_of_selector(c, s);
	if (!*svc)
		cJSON_Delete(o);
	return pod;
}

/* [LOCAL:]REMOTE into f (LOCAL 0: any free port); -1 after printing. */
static int parse_fwd(const cJSON *pod, const cJSON *svc, const char *spec, fwd *f)
{
	const char *colon = strchr(spec, ':');
	const char *remote = colon ? colon + 1 : spec;
	f->local = -1;
	if (colon) {
		char *end = NULL;
		long l = colon == spec ? 0 : strtol(spec, &end, 10);
		if (colon != spec && (end != colon || l < 0 || l > 65535))
			return cctl_fail("Error parsing local port '%.*s': invalid syntax",
					 (int)(colon - spec), spec),
			       -1;
		f->local = (int)l;
	}
	if (svc) {
		int sp = 0;
		f->remote = service_port(svc, pod, remote, &sp);
		if (f->remote < 0)
			return -1;
		if (f->local < 0)
			f->local = sp;
	} else {
		f->remote = pod_port(pod, remote);
		if (f->remote < 0) {
			char *end = NULL;
			strtol(remote, &end, 10);
			if (remote[0] && !*end)
				return cctl_fail("Error parsing remote port '%s': port must be "
						 "between 1 and 65535",
						 remote),
				       -1;
			return cctl_fail("Pod '%s' does not have a named port '%s'",
					 cube_obj_name(pod), remote),
			       -1;
		}
		if (f->local < 0)
			f->local = f->remote;
	}
	return 0;
}

/* ---- listening ---- */

static int sigpipe_fds[2] = {-1, -1};

static void on_stop(int sig)
{
	(void)sig;
	if (sigpipe_fds[1] >= 0)
		(void)!write(sigpipe_fds[1], "x", 1);
}

/* A listening socket on ip:*port (family by the address); *port gets the
 * bound port.  -1 with errno. */
static int listen_on(const char *ip, int *port)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)*port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)*port);
		sl = sizeof(*a6);
	} else {
		errno = EINVAL;
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(ss.ss_family == AF_INET ? a4->sin_port : a6->sin6_port);
	return fd;
}

typedef struct listener {
	int fd;
	size_t fwd; /* index into the forwards */
} listener;

/* Binds every forward on every address (localhost: 127.0.0.1, and ::1 if
 * it can), printing kubectl's "Forwarding from" lines.  The count, or -1
 * after printing the error. */
static int listen_all(fwd *fw, size_t nf, listener *ls)
{
	char addrs[1024];
	snprintf(addrs, sizeof(addrs), "%s", address && address[0] ? address : "localhost");
	int n = 0;
	for (size_t i = 0; i < nf; i++) {
		int bound = 0;
		char *save = NULL;
		char copy[1024];
		snprintf(copy, sizeof(copy), "%s", addrs);
		for (char *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
			bool local = !strcmp(a, "localhost");
			const char *ips[2] = {local ? "127.0.0.1" : a, local ? "::1" : NULL};
			for (int k = 0; k < 2 && ips[k]; k++) {
				int port = fw[i].local;
				int fd = n < MAX_LISTEN ? listen_on(ips[k], &port) : -1;
				if (fd < 0) {
					if (!local)
						return cctl_fail("unable to listen on port %d: "
								 "listen tcp %s:%d: %s",
								 fw[i].local, ips[k], fw[i].local,
								 strerror(errno)),
						       -1;
					continue; /* localhost: either address will do */
				}
				fw[i].local = port; /* the free port picked, for the others */
				ls[n++] = (listener){.fd = fd, .fwd = i};
				bound++;
				printf(strchr(ips[k], ':') ? "Forwarding from [%s]:%d -> %d\n"
							   : "Forwarding from %s:%d -> %d\n",
				       ips[k], port, fw[i].remote);
			}
		}
		if (!bound)
			return cctl_fail(
				       "unable to listen on any of the requested ports: [{%d %d}]",
				       fw[i].local, fw[i].remote),
			       -1;
	}
	fflush(stdout);
	return n;
}

int cctl_cmd_port_forward(cctl *c, int argc, char **argv)
{
	char *pos[MAX_FWD + 2];
	int n = cctl_parse(c, pf_flags, argc, argv, pos, MAX_FWD + 2, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 2) {
		fputs("error: TYPE/NAME and list of ports are required for port-forward\n"
		      "See 'cubectl port-forward -h' for help and examples\n",
		      stderr);
		return 1;
	}
	if (n - 1 > MAX_FWD)
		return cctl_fail("at most %d ports can be forwarded at once", MAX_FWD);
	if (cctl_connect(c) < 0)
		return 1;
	cJSON *svc = NULL;
	cube_autojson cJSON *pod = resolve_pod(c, pos[0], &svc);
	cube_autojson cJSON *svc_owned = svc;
	if (!pod)
		return 1;
	fwd fw[MAX_FWD];
	for (int i = 1; i < n; i++)
		if (parse_fwd(pod, svc, pos[i], &fw[i - 1]) < 0)
			return 1;
	const char *phase = cube_json_str(pod, "status.phase");
	if (!phase || strcmp(phase, "Running"))
		return cctl_fail("unable to forward port because pod is not running. Current "
				 "status=%s",
				 phase ? phase : "Pending");
	listener ls[MAX_LISTEN];
	int nl = listen_all(fw, (size_t)(n - 1), ls);
	if (nl < 0)
		return 1;
	int rc = 0;
	if (pipe2(sigpipe_fds, O_CLOEXEC) < 0) {
		rc = cctl_fail("pipe: %s", strerror(errno));
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_stop};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	char base[4096];
	cctl_path(cctl_resolve(c, "pods"), cube_obj_namespace(pod), cube_obj_name(pod),
		  "portforward", base, sizeof(base));
	for (;;) {
		struct pollfd p[MAX_LISTEN + 1];
		for (int i = 0; i < nl; i++)
			p[i] = (struct pollfd){.fd = ls[i].fd, .events = POLLIN};
		p[nl] = (struct pollfd){.fd = sigpipe_fds[0], .events = POLLIN};
		if (poll(p, (nfds_t)nl + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[nl].revents)
			break; /* SIGINT or SIGTERM */
		for (int i = 0; i < nl; i++) {
			if (!p[i].revents)
				continue;
			int fd = accept4(ls[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			const fwd *f = &fw[ls[i].fwd];
			printf("Handling connection for %d\n", f->local);
			fflush(stdout);
			conn *k = calloc(1, sizeof(*k));
			pthread_t th;
			if (!k) {
				close(fd);
				continue;
			}
			*k = (conn){.c = c, .fd = fd, .f = *f};
			snprintf(k->path, sizeof(k->path), "%s", base);
			char port[16];
			snprintf(port, sizeof(port), "%d", f->remote);
			cctl_query(k->path, sizeof(k->path), "ports", port);
			if (pthread_create(&th, NULL, conn_main, k) != 0) {
				close(fd);
				free(k);
				continue;
			}
			pthread_detach(th);
		}
	}
out:
	for (int i = 0; i < nl; i++)
		close(ls[i].fd);
	return rc;
}
