/* podexec.c - pods/<name>/exec, the API server's half of `kubectl exec`:
 * as Kubernetes' UpgradeAwareHandler, it checks the request (the pod is
 * running, the container is one of its own), opens a connection to the
 * cubelet of the pod's node, replays the client's WebSocket upgrade there
 * as GET /exec/<ns>/<pod>/<container>?command=...&stdin=...&stdout=...
 * &stderr=...&tty=..., and if the cubelet switches protocols, answers the
 * client 101 with the cubelet's Sec-WebSocket-Accept and -Protocol and
 * then copies bytes both ways until both sides are done (the cubelet
 * speaks the channel protocol; we never parse it).  A cubelet that
 * refuses has its answer (a Status) relayed as is.
 *
 * The relay (pod_relay_upgrade) serves pods/portforward too
 * (podportforward.c).  Only WebSocket: kubectl tries it first; its
 * SPDY/3.1 fallback gets a 400 that says so. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>

#include "apiserver.h"
#include "cleanup.h"
#include "fsutil.h"
#include "http.h"
#include "log.h"
#include "obj.h"
#include "websocket.h"

#define HEAD_MAX 16384
#define MAX_WORDS 256

typedef struct tunnel {
	int backend;	  /* the cubelet's socket */
	char *early;	  /* what the cubelet sent past its 101 */
	size_t early_len; /* ... for the client */
} tunnel;

static void tunnel_free(tunnel *t)
{
	if (t->backend >= 0)
		close(t->backend);
	free(t->early);
	free(t);
}

static void tunnel_drop(void *ud)
{
	tunnel_free(ud);
}

/* Copies both ways until both directions have ended. */
static void tunnel_main(void *ud, int client, const char *extra, size_t extra_len)
{
	tunnel *t = ud;
	int fds[2] = {client, t->backend};
	bool open_in[2] = {true, true}; /* we may still read from fds[i] */
	if ((t->early_len && cube_write_all(client, t->early, t->early_len) < 0) ||
	    (extra_len && cube_write_all(t->backend, extra, extra_len) < 0))
		open_in[0] = open_in[1] = false;
	char buf[65536];
	while (open_in[0] || open_in[1]) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		int which[2];
		for (int i = 0; i < 2; i++)
			if (open_in[i]) {
				pfd[n] = (struct pollfd){.fd = fds[i], .events = POLLIN};
				which[n++] = i;
			}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (nfds_t k = 0; k < n; k++) {
			if (!pfd[k].revents)
				continue;
			int i = which[k];
			ssize_t r = recv(fds[i], buf, sizeof(buf), 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || cube_write_all(fds[!i], buf, (size_t)r) < 0) {
				/* this direction is over: pass the end on */
				open_in[i] = false;
				shutdown(fds[!i], SHUT_WR);
				if (r != 0) {
					open_in[!i] = false; /* a broken side ends both */
					shutdown(fds[i], SHUT_RDWR);
				}
			}
		}
	}
	tunnel_free(t);
}

int pod_dial(const char *ip, int port, int timeout_ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		goto fail;
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (poll(&p, 1, timeout_ms) <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
	    soerr) {
		errno = soerr ? soerr : ETIMEDOUT;
		goto fail;
	}
	int flags = fcntl(fd, F_GETFL); /* blocking from here on */
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return fd;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* The cubelet's target for exec: /exec/<ns>/<pod>/<container>?command=..
 * &stdin=..&stdout=..&stderr=..&tty=.. (malloc'd; NULL on ENOMEM). */
static char *exec_target(api_req *r, const cJSON *pod, const char *container)
{
	char *t = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&t, &len);
	if (!m)
		return NULL;
	fprintf(m, "/exec/%s/%s/%s?", cube_obj_namespace(pod), cube_obj_name(pod), container);
	const char *words[MAX_WORDS];
	size_t n = cube_httpd_query_all(r->h, "command", words, MAX_WORDS);
	for (size_t i = 0; i < n && i < MAX_WORDS; i++) {
		char *e = curl_easy_escape(NULL, words[i], (int)strlen(words[i]));
		fprintf(m, "command=%s&", e ? e : "");
		curl_free(e);
	}
	static const char *const flags[] = {"stdin", "stdout", "stderr", "tty"};
	for (size_t i = 0; i < 4; i++)
		fprintf(m, "%s=%s%s", flags[i],
			cube_httpd_query_bool(r->h, flags[i]) ? "true" : "false", i < 3 ? "&" : "");
	fclose(m);
	return t;
}

/* The cubelet's request: GET target with the client's WebSocket upgrade. */
static char *backend_request(api_req *r, const char *target, const char *host)
{
	char *req = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&req, &len);
	if (!m)
		return NULL;
	const char *proto = cube_httpd_header(r->h, "Sec-WebSocket-Protocol");
	fprintf(m,
		"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n",
		target, host, cube_httpd_header(r->h, "Sec-WebSocket-Key"));
	if (proto)
		fprintf(m, "Sec-WebSocket-Protocol: %s\r\n", proto);
	fputs("\r\n", m);
	fclose(m);
	return req;
}

bool api_header_has(api_req *r, const char *name, const char *token)
{
	const char *v = cube_httpd_header(r->h, name);
	return v && strcasestr(v, token);
}

void pod_relay_upgrade(api_req *r, const cJSON *pod, const char *target, const char *what,
		       const char *protocols)
{
	if (!target) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	char ip[64];
	int port;
	if (!pod_node(r, pod, ip, sizeof(ip), &port))
		return;
	if (api_header_has(r, "Upgrade", "spdy")) {
		api_bad_request(
			r, "cube serves %s over WebSocket (%s) only; SPDY/3.1 is not supported",
			what, protocols);
		return;
	}
	if (!cube_ws_requested(r->h)) {
		api_bad_request(r, "Upgrade request required");
		return;
	}
	const char *node = cube_json_str(pod, "spec.nodeName");
	int fd = pod_dial(ip, port, 5000);
	if (fd < 0) {
		cube_httpd_respond_status(r->h, 503, "ServiceUnavailable", NULL,
					  "the node %s cannot be reached: %s:%d: %s", node, ip,
					  port, strerror(errno));
		return;
	}
	char host[96];
	snprintf(host, sizeof(host), "%s:%d", ip, port);
	cube_autofree char *req = backend_request(r, target, host);
	cube_autofree char *head = malloc(HEAD_MAX + 1);
	size_t len = 0;
	char *end = NULL;
	struct timeval tv = {.tv_sec = 30};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!req || !head || cube_write_all(fd, req, strlen(req)) < 0)
		goto unreachable;
	while (!end && len < HEAD_MAX) {
		ssize_t n = recv(fd, head + len, HEAD_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		head[len] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	int status = 0;
	if (!end || sscanf(head, "HTTP/1.%*d %d", &status) != 1)
		goto unreachable;
	size_t head_len = (size_t)(end - head) + 4;
	end[2] = '\0';
	if (status != 101) {
		/* the cubelet's refusal, relayed: its body follows the head */
		char cl[32] = "", ct[128] = "application/json";
		long want =
			cube_http_head_value(head, "Content-Length", cl, sizeof(cl)) ? atol(cl) : 0;
		cube_http_head_value(head, "Content-Type", ct, sizeof(ct));
		if (want < 0 || want > (1 << 20))
			want = 0;
		char *body = malloc((size_t)want + 1);
		size_t have = len - head_len < (size_t)want ? len - head_len : (size_t)want;
		if (body) {
			memcpy(body, head + head_len, have);
			while (have < (size_t)want) {
				ssize_t n = recv(fd, body + have, (size_t)want - have, 0);
				if (n <= 0)
					break;
				have += (size_t)n;
			}
		}
		close(fd);
		cube_httpd_respond(r->h, status, ct, body, body ? have : 0);
		return;
	}
	tunnel *t = calloc(1, sizeof(*t));
	char accept[64] = "", proto[128] = "";
	cube_http_head_value(head, "Sec-WebSocket-Accept", accept, sizeof(accept));
	cube_http_head_value(head, "Sec-WebSocket-Protocol", proto, sizeof(proto));
	if (!t) {
		close(fd);
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	t->backend = fd;
	if (len > head_len && (t->early = malloc(len - head_len))) {
		t->early_len = len - head_len;
		memcpy(t->early, head + head_len, t->early_len);
	}
	tv.tv_sec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cube_httpd_add_header(r->h, "Sec-WebSocket-Accept", accept);
	if (proto[0])
		cube_httpd_add_header(r->h, "Sec-WebSocket-Protocol", proto);
	if (cube_httpd_respond_upgrade(r->h, "websocket", tunnel_main, tunnel_drop, t) < 0) {
		tunnel_free(t);
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "cannot upgrade");
	}
	return;
unreachable:
	close(fd);
	cube_httpd_respond_status(r->h, 503, "ServiceUnavailable", NULL,
				  "the node %s did not answer the %s request", node, what);
}

void podexec_serve(api_req *r, const cJSON *pod)
{
	const char *pname = cube_obj_name(pod);
	const char *container = pod_pick_container(r, pod);
	if (!container)
		return;
	if (!cube_pod_container(pod, container)) {
		api_bad_request(r, "container %s is not valid for pod %s", container, pname);
		return;
	}
	const char *phase = cube_json_str(pod, "status.phase");
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed"))) {
		api_bad_request(r,
				"cannot exec into a container in a completed pod; current phase is "
				"%s",
				phase);
		return;
	}
	cube_autofree char *target = exec_target(r, pod, container);
	pod_relay_upgrade(r, pod, target, "exec", "v5.channel.k8s.io, v4.channel.k8s.io");
}
