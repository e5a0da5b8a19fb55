/* podportforward.c - pods/<name>/portforward, the API server's half of
 * `kubectl port-forward`: the pod must be scheduled and Running, its
 * `ports` parameters (each a number or a comma-separated list of them)
 * become the cubelet's `port=N` parameters, and the client's WebSocket
 * upgrade is relayed to GET /portForward/<ns>/<pod>?port=... on the
 * pod's node (pod_relay_upgrade, shared with exec), which speaks the
 * WebSocket port-forward protocol (kubelet/portforward.c).
 *
 * kubectl speaks SPDY/3.1 instead (lib/spdy.h): tunnelled in a WebSocket
 * (subprotocol SPDY/3.1+portforward.k8s.io, its first try) or directly
 * after `Upgrade: SPDY/3.1` (its fallback).  That connection ends here:
 * for each request (an error and a data stream with the same requestid
 * and port) we open one WebSocket session to the cubelet's
 * /portForward?port=N and translate: the data stream's frames go out as
 * [0]+bytes, the cubelet's channel 0 comes back as data frames and its
 * channel 1 (an error's text) on the error stream; when the cubelet's
 * session ends both streams are finished (FIN), which kubectl waits for.
 * A FIN from the client on the data stream (its local connection is done)
 * ends the cubelet's session. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apiserver.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "obj.h"
#include "spdy.h"
#include "websocket.h"

#define MAX_PORTS 32

/* Appends &port=N for every port of the `ports` parameters to the target
 * in m; false after answering 400 for a bad one. */
static bool add_ports(api_req *r, FILE *m)
{
	const char *vals[MAX_PORTS + 1];
	size_t nv = cube_httpd_query_all(r->h, "ports", vals, MAX_PORTS + 1);
	size_t n = 0;
	for (size_t v = 0; v < nv; v++) {
		for (const char *p = vals[v];;) {
			size_t len = strcspn(p, ",");
			char *end = NULL;
			unsigned long port = strtoul(p, &end, 10);
			if (!len || len > 5 || end != p + len || p[0] < '0' || p[0] > '9' ||
			    port < 1 || port > 65535) {
				api_bad_request(r,
						"invalid port \"%.*s\" in ports: must be a number "
						"between 1 and 65535",
						(int)(len > 32 ? 32 : len), p);
				return false;
			}
			if (++n > MAX_PORTS) {
				api_bad_request(r, "too many ports: at most %d", MAX_PORTS);
				return false;
			}
			fprintf(m, "%sport=%lu", n == 1 ? "?" : "&", port);
			if (!p[len])
				break;
			p += len + 1;
		}
	}
	return true;
}

/* ---- kubectl's SPDY/3.1 ---- */

#define SPDY_WS_PROTOCOL "SPDY/3.1+portforward.k8s.io"

typedef struct spdy_session spdy_session;

/* One forwarded connection of the client: its two streams and the
 * cubelet's session. */
typedef struct spdy_pair {
	spdy_session *ss;
	char request_id[64];
	uint32_t data_sid, error_sid; /* 0: not opened yet */
	int port;
	int fd;	     /* the cubelet's socket, -1 before the pair is complete */
	cube_ws *ws; /* the cubelet's session (we are its client) */
	pthread_t th;
	bool started;
	atomic_bool done;
	struct spdy_pair *next;
} spdy_pair;

struct spdy_session {
	int client;   /* the client's socket */
	cube_ws *cws; /* tunnelled in a WebSocket: cube_ws_serve's; NULL: on the socket */
	cube_spdy *sp;
	char ip[64]; /* the cubelet */
	int port;
	char ns[256], pod[256];
	spdy_pair *pairs; /* the session thread's own */
	char *extra;	  /* what the client sent past its request */
	size_t extra_len;
};

/* cube_spdy's writer: a binary message of the tunnel, or the socket. */
static int spdy_out(void *ud, const uint8_t *data, size_t len)
{
	spdy_session *ss = ud;
	if (ss->cws)
		return cube_ws_write(ss->cws, CUBE_WS_BINARY, data, len, NULL);
	return cube_write_all(ss->client, data, len);
}

/* Finishes both streams of a pair (after its error text, if any). */
static void pair_finish(spdy_pair *p, const char *error)
{
	if (error && error[0])
		cube_spdy_send_data(p->ss->sp, p->error_sid, 0, error, strlen(error));
	cube_spdy_send_data(p->ss->sp, p->data_sid, CUBE_SPDY_FLAG_FIN, NULL, 0);
	cube_spdy_send_data(p->ss->sp, p->error_sid, CUBE_SPDY_FLAG_FIN, NULL, 0);
}

/* The cubelet's side of a pair: its channels become the two streams. */
static void *pair_main(void *arg)
{
	spdy_pair *p = arg;
	bool seen[2] = {false, false}; /* each channel's port message */
	for (;;) {
		cube_ws_msg m;
		if (cube_ws_read(p->ws, &m, NULL, NULL) != 1)
			break;
		if (m.opcode != CUBE_WS_BINARY || m.len < 1 || m.data[0] > 1)
			continue;
		int ch = m.data[0];
		if (!seen[ch]) {
			seen[ch] = true;
			continue;
		}
		if (m.len > 1 && cube_spdy_send_data(p->ss->sp, ch ? p->error_sid : p->data_sid, 0,
						     m.data + 1, m.len - 1) < 0)
			break;
	}
	pair_finish(p, NULL);
	atomic_store(&p->done, true);
	return NULL;
}

/* Both streams are there: the cubelet's session, and its reader. */
static void pair_start(spdy_pair *p)
{
	spdy_session *ss = p->ss;
	char target[700], host[96], proto[64] = "", msg[1024] = "";
	snprintf(target, sizeof(target), "/portForward/%s/%s?port=%d", ss->ns, ss->pod, p->port);
	snprintf(host, sizeof(host), "%s:%d", ss->ip, ss->port);
	p->fd = pod_dial(ss->ip, ss->port, 5000);
	if (p->fd < 0) {
		snprintf(msg, sizeof(msg),
			 "error forwarding port %d to pod %s: the node %s "
			 "cannot be reached: %s",
			 p->port, ss->pod, host, strerror(errno));
		goto fail;
	}
	struct timeval tv = {.tv_sec = 30};
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	cube_ws_refusal refused = {0};
	cube_err err = CUBE_ERR_INIT;
	p->ws = cube_ws_client_handshake(p->fd, host, target, "v4.channel.k8s.io", NULL, proto,
					 sizeof(proto), &refused, &err);
	tv.tv_sec = 0;
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!p->ws) {
		cube_autojson cJSON *st =
			refused.body ? cube_json_parse(refused.body, strlen(refused.body), NULL)
				     : NULL;
		const char *why = cube_json_str(st, "message");
		snprintf(msg, sizeof(msg), "error forwarding port %d to pod %s: %s", p->port,
			 ss->pod, why ? why : err.msg);
		free(refused.body);
		goto fail;
	}
	if (pthread_create(&p->th, NULL, pair_main, p) == 0) {
		p->started = true;
		return;
	}
	snprintf(msg, sizeof(msg), "error forwarding port %d to pod %s: no thread", p->port,
		 ss->pod);
fail:
	pair_finish(p, msg);
	atomic_store(&p->done, true);
}

static void pair_free(spdy_pair *p)
{
	if (p->fd >= 0)
		shutdown(p->fd, SHUT_RDWR); /* its reader sees the end */
	if (p->started)
		pthread_join(p->th, NULL);
	cube_ws_free(p->ws);
	if (p->fd >= 0)
		close(p->fd);
	free(p);
}

/* Frees the pairs that are done (all of them with `all`). */
static void reap_pairs(spdy_session *ss, bool all)
{
	for (spdy_pair **pp = &ss->pairs; *pp;) {
		spdy_pair *p = *pp;
		if (all || atomic_load(&p->done)) {
			*pp = p->next;
			pair_free(p);
		} else {
			pp = &p->next;
		}
	}
}

static spdy_pair *pair_by_stream(spdy_session *ss, uint32_t sid)
{
	for (spdy_pair *p = ss->pairs; p; p = p->next)
		if (p->data_sid == sid || p->error_sid == sid)
			return p;
	return NULL;
}

/* A new stream: its pair by requestid (made on the first of the two). */
static void on_syn_stream(spdy_session *ss, const cube_spdy_frame *f)
{
	const char *type = cube_spdy_frame_header(f, "streamtype");
	const char *port = cube_spdy_frame_header(f, "port");
	const char *rid = cube_spdy_frame_header(f, "requestid");
	long n = port ? strtol(port, NULL, 10) : 0;
	bool is_data = type && !strcmp(type, "data"), is_error = type && !strcmp(type, "error");
	if ((!is_data && !is_error) || n < 1 || n > 65535 || !rid || strlen(rid) >= 64) {
		cube_spdy_send_rst(ss->sp, f->stream, CUBE_SPDY_REFUSED_STREAM);
		return;
	}
	spdy_pair *p = ss->pairs;
	while (p && strcmp(p->request_id, rid))
		p = p->next;
	if (!p) {
		if (!(p = calloc(1, sizeof(*p)))) {
			cube_spdy_send_rst(ss->sp, f->stream, CUBE_SPDY_REFUSED_STREAM);
			return;
		}
		*p = (spdy_pair){.ss = ss, .port = (int)n, .fd = -1, .next = ss->pairs};
		snprintf(p->request_id, sizeof(p->request_id), "%s", rid);
		ss->pairs = p;
	}
	uint32_t *sid = is_data ? &p->data_sid : &p->error_sid;
	if (*sid || p->port != n || p->fd >= 0 || atomic_load(&p->done)) {
		cube_spdy_send_rst(ss->sp, f->stream, CUBE_SPDY_PROTOCOL_ERROR);
		return;
	}
	*sid = f->stream;
	cube_spdy_send_syn_reply(ss->sp, f->stream, 0, NULL, 0);
	if (p->data_sid && p->error_sid)
		pair_start(p);
}

/* Handles one frame from the client; false when the connection is over. */
static bool on_frame(spdy_session *ss, const cube_spdy_frame *f)
{
	spdy_pair *p;
	switch (f->type) {
	case CUBE_SPDY_SYN_STREAM:
		on_syn_stream(ss, f);
		return true;
	case CUBE_SPDY_DATA:
		p = pair_by_stream(ss, f->stream);
		if (!p || f->stream != p->data_sid || !p->ws)
			return true; /* the error stream's end, or a stream gone */
		if (f->len)
			cube_ws_write_channel(p->ws, 0, f->data, f->len, NULL);
		if (f->flags & CUBE_SPDY_FLAG_FIN)
			cube_ws_close(p->ws, 1000, NULL); /* the client is done sending */
		return true;
	case CUBE_SPDY_RST_STREAM:
		p = pair_by_stream(ss, f->stream);
		if (p && p->fd >= 0)
			shutdown(p->fd, SHUT_RDWR);
		return true;
	case CUBE_SPDY_PING:
		cube_spdy_send_ping(ss->sp, f->value);
		return true;
	case CUBE_SPDY_GOAWAY:
		return false;
	default:
		return true; /* SETTINGS, WINDOW_UPDATE, HEADERS */
	}
}

/* Reads the next bytes of the client into the SPDY parser: > 0, or <= 0
 * at the end. */
static long spdy_fill(spdy_session *ss)
{
	if (ss->cws) {
		cube_ws_msg m;
		if (cube_ws_read(ss->cws, &m, NULL, NULL) != 1)
			return 0;
		/* kubectl cuts frames into small messages, some empty: a byte stream */
		return cube_spdy_feed(ss->sp, m.data, m.len) < 0 ? -1 : (long)m.len + 1;
	}
	uint8_t buf[65536];
	ssize_t n;
	do
		n = recv(ss->client, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n > 0 && cube_spdy_feed(ss->sp, buf, (size_t)n) < 0)
		return -1;
	return n;
}

/* Reads and handles the client's frames until the connection is over. */
static void spdy_run(spdy_session *ss)
{
	bool ok = true;
	if (!ss->cws && ss->extra_len)
		ok = cube_spdy_feed(ss->sp, ss->extra, ss->extra_len) == 0;
	cube_log_info("portforward pod %s/%s: SPDY/3.1%s", ss->ns, ss->pod,
		      ss->cws ? " in a WebSocket" : " on the connection");
	while (ok) {
		cube_spdy_frame f;
		cube_err err = CUBE_ERR_INIT;
		int rc = 0;
		while (ok && (rc = cube_spdy_next(ss->sp, &f, &err)) == 1)
			ok = on_frame(ss, &f);
		if (ok && rc < 0) {
			cube_log_info("portforward pod %s/%s: %s", ss->ns, ss->pod, err.msg);
			cube_spdy_send_goaway(ss->sp, 0, CUBE_SPDY_PROTOCOL_ERROR);
			ok = false;
		}
		reap_pairs(ss, false);
		if (ok && spdy_fill(ss) <= 0)
			ok = false;
	}
	reap_pairs(ss, true);
}

static void spdy_session_free(spdy_session *ss)
{
	if (!ss)
		return;
	cube_spdy_free(ss->sp);
	free(ss->extra);
	free(ss);
}

/* The tunnelled session's thread (cube_ws_serve). */
static void spdy_ws_run(void *ud, cube_ws *ws)
{
	spdy_session *ss = ud;
	ss->cws = ws;
	spdy_run(ss);
}

static void spdy_ws_done(void *ud)
{
	spdy_session_free(ud);
}

/* SPDY on the connection itself: its thread. */
static void spdy_main(void *ud, int fd, const char *extra, size_t extra_len)
{
	spdy_session *ss = ud;
	ss->client = fd;
	if (extra_len && (ss->extra = malloc(extra_len)))
		memcpy(ss->extra, extra, (ss->extra_len = extra_len));
	if (!extra_len || ss->extra)
		spdy_run(ss);
	spdy_session_free(ss);
}

/* Serves kubectl's SPDY: `tunnel` in a WebSocket, else after Upgrade: SPDY/3.1. */
static void spdy_serve(api_req *r, const cJSON *pod, bool tunnel)
{
	spdy_session *ss = calloc(1, sizeof(*ss));
	if (!ss || !pod_node(r, pod, ss->ip, sizeof(ss->ip), &ss->port)) {
		if (!ss)
			cube_httpd_respond_status(r->h, 500, "InternalError", NULL,
						  "out of memory");
		free(ss);
		return;
	}
	snprintf(ss->ns, sizeof(ss->ns), "%s", cube_obj_namespace(pod));
	snprintf(ss->pod, sizeof(ss->pod), "%s", cube_obj_name(pod));
	ss->client = -1;
	if (!(ss->sp = cube_spdy_new(spdy_out, ss))) {
		free(ss);
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		return;
	}
	if (tunnel) {
		cube_ws_serve(r->h, SPDY_WS_PROTOCOL, spdy_ws_run, spdy_ws_done, ss);
		return;
	}
	if (cube_httpd_add_header(r->h, "X-Stream-Protocol-Version", "portforward.k8s.io") < 0 ||
	    cube_httpd_respond_upgrade(r->h, "SPDY/3.1", spdy_main, spdy_ws_done, ss) < 0) {
		spdy_session_free(ss);
		if (!cube_httpd_status(r->h))
			api_bad_request(r, "a bad upgrade request");
	}
}

void podportforward_serve(api_req *r, const cJSON *pod)
{
	const char *phase = cube_json_str(pod, "status.phase");
	const char *node = cube_json_str(pod, "spec.nodeName");
	if (node && node[0] && (!phase || strcmp(phase, "Running"))) {
		api_bad_request(r,
				"unable to forward port because pod is not running. Current "
				"status=%s",
				phase ? phase : "Pending");
		return;
	}
	/* kubectl: SPDY/3.1 in a WebSocket, or on the connection itself */
	const char *offered = cube_httpd_header(r->h, "Sec-WebSocket-Protocol");
	static const char *const spdy_ws[] = {SPDY_WS_PROTOCOL, NULL};
	static const char *const channel_ws[] = {"v4.channel.k8s.io", "v5.channel.k8s.io", NULL};
	if (api_header_has(r, "Upgrade", "websocket") &&
	    cube_httpd_header(r->h, "Sec-WebSocket-Key") &&
	    cube_ws_pick_protocol(offered, spdy_ws) &&
	    !cube_ws_pick_protocol(offered, channel_ws)) {
		spdy_serve(r, pod, true);
		return;
	}
	if (api_header_has(r, "Upgrade", "SPDY/3.1")) {
		if (!api_header_has(r, "X-Stream-Protocol-Version", "portforward.k8s.io")) {
			api_bad_request(
				r,
				"unable to upgrade: unable to negotiate protocol: client "
				"supports %s, server supports [portforward.k8s.io]",
				cube_httpd_header(r->h, "X-Stream-Protocol-Version")
					? cube_httpd_header(r->h, "X-Stream-Protocol-Version")
					: "[]");
			return;
		}
		spdy_serve(r, pod, false);
		return;
	}
	cube_autofree char *target = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&target, &len);
	if (!m) {
		pod_relay_upgrade(r, pod, NULL, "port forwarding", "v4.channel.k8s.io");
		return;
	}
	fprintf(m, "/portForward/%s/%s", cube_obj_namespace(pod), cube_obj_name(pod));
	bool ok = add_ports(r, m);
	fclose(m);
	if (ok)
		pod_relay_upgrade(r, pod, target, "port forwarding", "v4.channel.k8s.io");
}
