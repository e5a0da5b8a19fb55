/* portforward.c - `kubectl port-forward` on the node: the cubelet's
 *
 *   GET /portForward/<namespace>/<pod>?port=8080&port=9090
 *
 * (`ports=` too, and comma-separated lists, as python-kubernetes sends
 * them) with a WebSocket upgrade offering v4.channel.k8s.io (or v5): the
 * plain WebSocket port-forward protocol of Kubernetes' kubelet.  For the
 * i-th port, channel 2i carries data and 2i+1 errors; the first message
 * on each is [channel, port low byte, port high byte].  Then [2i]+bytes
 * go both ways, and a connection that fails is reported as text on 2i+1.
 *
 * Each session connects to 127.0.0.1:<port> inside the pod's network
 * namespace (runtime op pod_netns): the socket is made by a thread that
 * joined the namespace (cube_netns_run) and stays bound to it, so the
 * traffic never leaves the pod, as the kubelet's sandbox port-forward.
 * One thread per session moves bytes; the session ends with a close frame
 * when every port's connection has ended (or at once when the client
 * goes). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cubelet.h"
#include "fsutil.h"
#include "log.h"
#include "netns.h"
#include "obj.h"
#include "websocket.h"

#define MAX_PORTS 32 /* channels 0..63: room to spare below v5's 255 */

static const char *const protocols[] = {"v4.channel.k8s.io", "v5.channel.k8s.io", NULL};

typedef struct fwd_port {
	uint16_t port;
	int fd; /* the connection in the pod, -1 once it has ended */
} fwd_port;

typedef struct session {
	cubelet *k;
	cube_ws *ws; /* cube_ws_serve's, while the session runs */
	cJSON *pod;
	char netns[600]; /* the pod's network namespace ("": the cubelet's) */
	size_t n;
	fwd_port ports[MAX_PORTS];
} session;

static void session_free(session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->ports[i].fd >= 0)
			close(s->ports[i].fd);
	cJSON_Delete(s->pod);
	free(s);
}

/* ---- the connection in the pod's namespace ---- */

typedef struct dial_job {
	uint16_t port;
	int fd;
	int error; /* errno of a failed connect */
} dial_job;

/* Runs on a thread inside the pod's namespace: the socket is made there. */
static int dial_in_netns(void *ud, cube_err *err)
{
	(void)err;
	dial_job *j = ud;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(j->port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	j->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (j->fd < 0) {
		j->error = errno;
		return -1;
	}
	/* loopback: refused or accepted at once (a full backlog waits) */
	struct timeval tv = {.tv_sec = 10};
	setsockopt(j->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (connect(j->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (errno == EINTR)
			continue;
		j->error = errno;
		close(j->fd);
		j->fd = -1;
		return -1;
	}
	tv.tv_sec = 0;
	setsockopt(j->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

/* Connects port i, or reports why not on its error channel (the
 * kubelet's words, with Go's lower-case errno text). */
static void connect_port(session *s, int nsfd, size_t i)
{
	dial_job j = {.port = s->ports[i].port, .fd = -1};
	cube_err err = CUBE_ERR_INIT;
	if (cube_netns_run(nsfd, dial_in_netns, &j, &err) == 0) {
		s->ports[i].fd = j.fd;
		return;
	}
	const char *uid = cube_obj_uid(s->pod);
	char why[256];
	if (j.error) {
		snprintf(why, sizeof(why), "%s", strerror(j.error));
		why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a' : why[0]);
	} else {
		snprintf(why, sizeof(why), "%.200s", err.msg);
	}
	char msg[1536];
	int len =
		snprintf(msg, sizeof(msg),
			 "error forwarding port %u to pod %s, uid : failed to execute portforward "
			 "in network namespace \"%s\": failed to connect to localhost:%u inside "
			 "namespace \"%s\", IPv4: dial tcp4 127.0.0.1:%u: connect: %s",
			 j.port, uid ? uid : "", s->netns[0] ? s->netns : "host", j.port,
			 uid ? uid : "", j.port, why);
	cube_log_info("portforward pod %s/%s: %s", cube_obj_namespace(s->pod),
		      cube_obj_name(s->pod), msg);
	cube_ws_write_channel(s->ws, (uint8_t)(2 * i + 1), msg,
			      len < (int)sizeof(msg) ? (size_t)len : sizeof(msg) - 1, NULL);
}

/* ---- the session ---- */

static void end_port(fwd_port *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* Moves bytes until every port's connection has ended or the client
 * went. */
static void pump(session *s)
{
	for (;;) {
		struct pollfd f[MAX_PORTS + 1];
		size_t idx[MAX_PORTS + 1];
		nfds_t nf = 0;
		f[nf++] = (struct pollfd){.fd = cube_ws_fd(s->ws), .events = POLLIN};
		for (size_t i = 0; i < s->n; i++)
			if (s->ports[i].fd >= 0) {
				idx[nf] = i;
				f[nf++] = (struct pollfd){.fd = s->ports[i].fd, .events = POLLIN};
			}
		if (nf == 1)
			return; /* every connection has ended */
		if (poll(f, nf, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (f[0].revents) {
			if (cube_ws_fill(s->ws) <= 0)
				return;
			cube_ws_msg m;
			int rc;
			while ((rc = cube_ws_next(s->ws, &m, NULL, NULL)) == 1) {
				if (m.opcode != CUBE_WS_BINARY || m.len < 2 || m.data[0] % 2)
					continue;
				fwd_port *p =
					m.data[0] / 2 < s->n ? &s->ports[m.data[0] / 2] : NULL;
				if (p && p->fd >= 0 &&
				    cube_write_all(p->fd, m.data + 1, m.len - 1) < 0)
					end_port(p);
			}
			if (rc != 0)
				return; /* the client closed, or broke the protocol */
		}
		for (nfds_t k = 1; k < nf; k++) {
			if (!f[k].revents)
				continue;
			fwd_port *p = &s->ports[idx[k]];
			uint8_t buf[32768];
			ssize_t r = recv(p->fd, buf, sizeof(buf), 0);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				end_port(p);
				continue;
			}
			if (cube_ws_write_channel(s->ws, (uint8_t)(2 * idx[k]), buf, (size_t)r,
						  NULL) < 0)
				return;
		}
	}
}

/* The session's thread (cube_ws_serve). */
static void session_run(void *ud, cube_ws *ws)
{
	session *s = ud;
	s->ws = ws;
	/* the opening messages: each channel names its port */
	bool ok = true;
	for (size_t i = 0; i < s->n && ok; i++) {
		uint8_t port[2] = {(uint8_t)(s->ports[i].port & 0xff),
				   (uint8_t)(s->ports[i].port >> 8)};
		ok = cube_ws_write_channel(s->ws, (uint8_t)(2 * i), port, 2, NULL) == 0 &&
		     cube_ws_write_channel(s->ws, (uint8_t)(2 * i + 1), port, 2, NULL) == 0;
	}
	cube_err err = CUBE_ERR_INIT;
	int nsfd = s->netns[0] ? cube_netns_open(s->netns, &err) : -1;
	for (size_t i = 0; i < s->n && ok; i++) {
		if (s->netns[0] && nsfd < 0) {
			char msg[900];
			int len = snprintf(msg, sizeof(msg),
					   "error forwarding port %u to pod %s, uid : %s",
					   s->ports[i].port, cube_obj_uid(s->pod), err.msg);
			cube_ws_write_channel(
				s->ws, (uint8_t)(2 * i + 1), msg,
				len < (int)sizeof(msg) ? (size_t)len : sizeof(msg) - 1, NULL);
			continue;
		}
		connect_port(s, nsfd, i);
	}
	if (nsfd >= 0)
		close(nsfd);
	if (ok)
		pump(s);
}

static void session_done(void *ud)
{
	session_free(ud);
}

/* ---- the route ---- */

/* The ports of `port=` and `ports=` (each a comma-separated list) into s;
 * NULL, or the kubelet's message for a bad one. */
static const char *parse_ports(cube_httpd_req *req, session *s, char *msg, size_t size)
{
	static const char *const names[] = {"port", "ports"};
	for (size_t k = 0; k < 2; k++) {
		const char *vals[MAX_PORTS + 1];
		size_t nv = cube_httpd_query_all(req, names[k], vals, MAX_PORTS + 1);
		for (size_t v = 0; v < nv && v <= MAX_PORTS; v++) {
			if (!vals[v][0]) {
				snprintf(msg, size, "query parameter \"port\" cannot be empty");
				return msg;
			}
			for (const char *p = vals[v]; *p;) {
				size_t len = strcspn(p, ",");
				char *end = NULL;
				unsigned long port = strtoul(p, &end, 10);
				if (!len || len > 5 || end != p + len || p[0] < '0' || p[0] > '9' ||
				    port > 65535) {
					snprintf(msg, size, "unable to parse \"%s\" as a port",
						 vals[v]);
					return msg;
				}
				if (port < 1) {
					snprintf(msg, size, "port \"%s\" must be > 0", vals[v]);
					return msg;
				}
				if (s->n == MAX_PORTS) {
					snprintf(msg, size, "at most %d ports per request",
						 MAX_PORTS);
					return msg;
				}
				s->ports[s->n++] = (fwd_port){.port = (uint16_t)port, .fd = -1};
				p += len + (p[len] == ',');
			}
		}
	}
	if (!s->n) {
		snprintf(msg, size, "query parameter \"port\" is required");
		return msg;
	}
	return NULL;
}

bool portforward_handle(void *ud, cube_httpd_req *req)
{
	cubelet *k = ud;
	const char *path = cube_httpd_path(req);
	static const char prefix[] = "/portForward/";
	if (strncmp(path, prefix, sizeof(prefix) - 1))
		return false;
	char ns[256], pod_name[256], rest[2];
	if (sscanf(path + sizeof(prefix) - 1, "%255[^/]/%255[^/]%1s", ns, pod_name, rest) != 2) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "expected /portForward/<namespace>/<pod>");
		return true;
	}
	const char *proto = cube_ws_negotiate(req, protocols, "port-forward");
	if (!proto)
		return true;
	session *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_httpd_respond_status(req, 500, "InternalError", NULL, "out of memory");
		return true;
	}
	char msg[512];
	const char *bad = parse_ports(req, s, msg, sizeof(msg));
	if (bad) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL, "%s", bad);
		session_free(s);
		return true;
	}
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", ns, pod_name);
	cube_robj *o_pod = k->pods ? cube_informer_get(k->pods, key) : NULL;
	const char *node = o_pod ? cube_json_str(o_pod->json, "spec.nodeName") : NULL;
	kubelet_node *n = node ? cube_strmap_get(k->by_name, node) : NULL;
	cube_err err = CUBE_ERR_INIT;
	if (!o_pod || !n) {
		cube_httpd_respond_status(req, 404, "NotFound", NULL, "pods \"%s\" not found",
					  pod_name);
		session_free(s);
	} else if (!k->rt->pod_netns) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "the %s runtime cannot forward ports", k->rt->name);
		session_free(s);
	} else if (k->rt->pod_netns(n, o_pod->json, s->netns, sizeof(s->netns), &err) < 0) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "unable to forward ports to pod %s: %s", pod_name,
					  err.msg);
		session_free(s);
	} else if (!(s->pod = cJSON_Duplicate(o_pod->json, true))) {
		cube_httpd_respond_status(req, 500, "InternalError", NULL, "out of memory");
		session_free(s);
	} else {
		s->k = k;
		cube_ws_serve(req, proto, session_run, session_done, s);
	}
	cube_robj_unref(o_pod);
	return true;
}
