/* httpd.c - libmicrohttpd glue: body collection, one handler per request,
 * complete and streamed (suspend/resume) responses, Kubernetes Status. */
#include "httpd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cleanup.h"
#include "log.h"

#define STREAM_BUFFER_LIMIT (16u << 20) /* queued bytes before a slow client is dropped */

typedef struct cube_httpd_upgraded cube_httpd_upgraded;

struct cube_httpd {
	struct MHD_Daemon *mhd;
	cube_httpd_config cfg;
	int port;
	pthread_mutex_t mu;
	cube_httpd_stream *streams;    /* open streams, for shutdown */
	cube_httpd_upgraded *upgraded; /* handed-over connections, for shutdown */
	pthread_cond_t upcond;	       /* signalled when one closes */
	/* the worker pool: requests whose handler may block */
	pthread_t *workers;
	unsigned n_workers;
	pthread_mutex_t qmu;
	pthread_cond_t qcond;
	cube_httpd_req *qhead, *qtail;
	bool qstop;
};

struct header {
	char *name, *value;
	struct header *next;
};

struct cube_httpd_req {
	cube_httpd *d;
	struct MHD_Connection *conn;
	char method[16];
	char *path;
	char *body;
	size_t len, cap;
	bool too_big;
	int status;
	bool answered;		      /* respond() or stream_start() was called */
	bool queued;		      /* the response was handed to MHD */
	bool dispatched;	      /* given to a worker; the connection is suspended */
	struct MHD_Response *pending; /* made by a worker, queued by the loop thread */
	struct header *headers;
	char peer[INET6_ADDRSTRLEN];
	struct cube_httpd_req *next_job;
};

struct cube_httpd_stream {
	pthread_mutex_t mu;
	cube_httpd *d;
	struct MHD_Connection *conn; /* NULL once the connection is done */
	char *buf;
	size_t off, len, cap;
	bool ended, aborted, closed, suspended;
	int refs;
	cube_httpd_stream_closed_fn closed_fn;
	void *ud;
	cube_httpd_stream *prev, *next; /* in d->streams */
};

/* ---- requests ------------------------------------------------------------------------ */

static void req_free(cube_httpd_req *r)
{
	if (!r)
		return;
	if (r->pending)
		MHD_destroy_response(r->pending);
	free(r->path);
	free(r->body);
	for (struct header *h = r->headers, *n; h; h = n) {
		n = h->next;
		free(h->name);
		free(h->value);
		free(h);
	}
	free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	req_free(*con_cls);
	*con_cls = NULL;
}

/* Hands a made response to MHD (on a loop thread). */
static void queue_pending(cube_httpd_req *r)
{
	if (r->pending && !r->queued) {
		MHD_queue_response(r->conn, (unsigned)r->status, r->pending);
		MHD_destroy_response(r->pending); /* the connection keeps its own reference */
		r->pending = NULL;
		r->queued = true;
	}
}

static void run_handler(cube_httpd *d, cube_httpd_req *r)
{
	d->cfg.handler(d->cfg.ud, r);
	if (!r->answered) {
		cube_log_error("%s %s: handler gave no answer", r->method, r->path);
		cube_httpd_respond_status(r, 500, "InternalError", NULL, "no response");
	}
}

static void *worker_main(void *arg)
{
	cube_httpd *d = arg;
	for (;;) {
		pthread_mutex_lock(&d->qmu);
		while (!d->qhead && !d->qstop)
			pthread_cond_wait(&d->qcond, &d->qmu);
		cube_httpd_req *r = d->qhead;
		if (!r) {
			pthread_mutex_unlock(&d->qmu);
			return NULL;
		}
		d->qhead = r->next_job;
		if (!d->qhead)
			d->qtail = NULL;
		pthread_mutex_unlock(&d->qmu);
		run_handler(d, r);
		/* The loop thread queues the response when it calls us again. */
		MHD_resume_connection(r->conn);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	cube_httpd *d = cls;
	cube_httpd_req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->d = d;
		r->conn = c;
		snprintf(r->method, sizeof(r->method), "%s", method);
		r->path = strdup(url);
		if (!r->path) {
			free(r);
			return MHD_NO;
		}
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
				  r->peer, sizeof(r->peer));
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->too_big || r->len + n > d->cfg.max_body) {
			r->too_big = true;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = r->cap ? r->cap : 4096;
			while (cap < r->len + n + 1)
				cap *= 2;
			char *nb = realloc(r->body, cap);
			if (!nb)
				return MHD_NO;
			r->body = nb;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	if (r->answered || r->dispatched) {
		queue_pending(r); /* back from a worker */
		return MHD_YES;
	}
	if (r->too_big) {
		cube_httpd_respond_status(r, 413, "RequestEntityTooLarge", NULL,
					  "Request entity too large: limit is %zu",
					  d->cfg.max_body);
		queue_pending(r);
		return MHD_YES;
	}
	if (d->n_workers == 0) {
		run_handler(d, r);
		queue_pending(r);
		return MHD_YES;
	}
	/* Park the connection and let a worker run the handler: a handler that
	 * waits on etcd then blocks a worker, never the event loop. */
	r->dispatched = true;
	MHD_suspend_connection(c);
	pthread_mutex_lock(&d->qmu);
	if (d->qtail)
		d->qtail->next_job = r;
	else
		d->qhead = r;
	d->qtail = r;
	pthread_cond_signal(&d->qcond);
	pthread_mutex_unlock(&d->qmu);
	return MHD_YES;
}

const char *cube_httpd_method(const cube_httpd_req *r)
{
	return r->method;
}

const char *cube_httpd_path(const cube_httpd_req *r)
{
	return r->path;
}

const char *cube_httpd_body(const cube_httpd_req *r)
{
	return r->body ? r->body : "";
}

size_t cube_httpd_body_len(const cube_httpd_req *r)
{
	return r->len;
}

const char *cube_httpd_peer(const cube_httpd_req *r)
{
	return r->peer;
}

int cube_httpd_status(const cube_httpd_req *r)
{
	return r->status;
}

const char *cube_httpd_query(const cube_httpd_req *r, const char *name)
{
	const char *v = NULL;
	size_t vlen = 0;
	if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
					  &vlen) != MHD_YES)
		return NULL;
	return v ? v : "";
}

struct query_iter {
	const char *name;
	const char **out;
	size_t max, n;
};

static enum MHD_Result query_each(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	struct query_iter *it = cls;
	if (key && !strcmp(key, it->name)) {
		if (it->n < it->max)
			it->out[it->n] = value ? value : "";
		it->n++;
	}
	return MHD_YES;
}

size_t cube_httpd_query_all(const cube_httpd_req *r, const char *name, const char **out, size_t max)
{
	struct query_iter it = {.name = name, .out = out, .max = max};
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_each, &it);
	return it.n;
}

bool cube_httpd_query_bool(const cube_httpd_req *r, const char *name)
{
	const char *v = cube_httpd_query(r, name);
	if (!v)
		return false;
	return strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0;
}

const char *cube_httpd_header(const cube_httpd_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int cube_httpd_add_header(cube_httpd_req *r, const char *name, const char *value)
{
	struct header *h = calloc(1, sizeof(*h));
	if (!h || !(h->name = strdup(name)) || !(h->value = strdup(value))) {
		if (h)
			free(h->name);
		free(h);
		return -1;
	}
	h->next = r->headers;
	r->headers = h;
	return 0;
}

static void apply_headers(cube_httpd_req *r, struct MHD_Response *resp, const char *content_type)
{
	if (content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	for (struct header *h = r->headers; h; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
}

int cube_httpd_respond(cube_httpd_req *r, int status, const char *content_type, char *body,
		       size_t len)
{
	if (r->answered) {
		free(body);
		return -1;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body ? body : (char *)"",
								    body ? MHD_RESPMEM_MUST_FREE
									 : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return -1;
	}
	apply_headers(r, resp, content_type);
	r->pending = resp;
	r->answered = true;
	r->status = status;
	return 0;
}

int cube_httpd_respond_text(cube_httpd_req *r, int status, const char *content_type,
			    const char *body)
{
	char *copy = strdup(body ? body : "");
	if (!copy)
		return -1;
	return cube_httpd_respond(r, status, content_type, copy, strlen(copy));
}

int cube_httpd_respond_json(cube_httpd_req *r, int status, const cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);
	if (!text)
		return cube_httpd_respond_text(r, 500, "text/plain", "out of memory\n");
	return cube_httpd_respond(r, status, "application/json", text, strlen(text));
}

cJSON *cube_status_new(int code, const char *reason, const char *message, cJSON *details)
{
	cJSON *s = cJSON_CreateObject();
	if (!s) {
		cJSON_Delete(details);
		return NULL;
	}
	cJSON_AddStringToObject(s, "kind", "Status");
	cJSON_AddStringToObject(s, "apiVersion", "v1");
	cJSON_AddObjectToObject(s, "metadata");
	cJSON_AddStringToObject(s, "status", "Failure");
	cJSON_AddStringToObject(s, "message", message);
	if (reason && reason[0])
		cJSON_AddStringToObject(s, "reason", reason);
	if (details)
		cJSON_AddItemToObject(s, "details", details);
	cJSON_AddNumberToObject(s, "code", code);
	return s;
}

int cube_httpd_respond_status(cube_httpd_req *r, int code, const char *reason, cJSON *details,
			      const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cube_autojson cJSON *s = cube_status_new(code, reason, msg, details);
	if (!s)
		return cube_httpd_respond_text(r, 500, "text/plain", "out of memory\n");
	return cube_httpd_respond_json(r, code, s);
}

/* ---- streams ----------------------------------------------------------------------------- */

static void stream_unlink(cube_httpd_stream *s)
{
	cube_httpd *d = s->d;
	pthread_mutex_lock(&d->mu);
	if (s->prev)
		s->prev->next = s->next;
	else if (d->streams == s)
		d->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = s->next = NULL;
	pthread_mutex_unlock(&d->mu);
}

void cube_httpd_stream_unref(cube_httpd_stream *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	int left = --s->refs;
	pthread_mutex_unlock(&s->mu);
	if (left == 0) {
		pthread_mutex_destroy(&s->mu);
		free(s->buf);
		free(s);
	}
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	cube_httpd_stream *s = cls;
	pthread_mutex_lock(&s->mu);
	if (s->aborted) {
		pthread_mutex_unlock(&s->mu);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	size_t avail = s->len - s->off;
	if (avail > 0) {
		size_t n = avail < max ? avail : max;
		memcpy(buf, s->buf + s->off, n);
		s->off += n;
		if (s->off == s->len)
			s->off = s->len = 0;
		pthread_mutex_unlock(&s->mu);
		return (ssize_t)n;
	}
	if (s->ended) {
		pthread_mutex_unlock(&s->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* Nothing to send: park the connection until a write wakes it. */
	s->suspended = true;
	MHD_suspend_connection(s->conn);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void stream_done(void *cls)
{
	cube_httpd_stream *s = cls;
	pthread_mutex_lock(&s->mu);
	s->conn = NULL;
	s->closed = true;
	s->suspended = false;
	pthread_mutex_unlock(&s->mu);
	stream_unlink(s);
	if (s->closed_fn)
		s->closed_fn(s->ud);
	cube_httpd_stream_unref(s);
}

cube_httpd_stream *cube_httpd_stream_start(cube_httpd_req *r, int status, const char *content_type,
					   cube_httpd_stream_closed_fn closed, void *ud)
{
	if (r->answered)
		return NULL;
	cube_httpd_stream *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_httpd_respond_status(r, 500, "InternalError", NULL, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	s->d = r->d;
	s->conn = r->conn;
	s->refs = 2; /* the caller's and the connection's */
	s->closed_fn = closed;
	s->ud = ud;
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
								      stream_read, s, stream_done);
	if (!resp) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		cube_httpd_respond_status(r, 500, "InternalError", NULL, "out of memory");
		return NULL;
	}
	apply_headers(r, resp, content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, private");
	pthread_mutex_lock(&r->d->mu);
	s->next = r->d->streams;
	if (s->next)
		s->next->prev = s;
	r->d->streams = s;
	pthread_mutex_unlock(&r->d->mu);
	/* Queued by the loop thread; the connection then owns it and calls stream_done. */
	r->pending = resp;
	r->answered = true;
	r->status = status;
	return s;
}

/* Wakes a parked connection. Called with s->mu held. */
static void wake(cube_httpd_stream *s)
{
	if (s->suspended && s->conn) {
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

int cube_httpd_stream_write(cube_httpd_stream *s, const char *data, size_t len)
{
	pthread_mutex_lock(&s->mu);
	if (s->closed || s->ended || s->aborted) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	if (s->len + len > STREAM_BUFFER_LIMIT) {
		/* A client that does not read: drop it rather than grow without bound. */
		s->aborted = true;
		wake(s);
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + len)
			cap *= 2;
		char *nb = realloc(s->buf, cap);
		if (!nb) {
			pthread_mutex_unlock(&s->mu);
			return -1;
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	wake(s);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void cube_httpd_stream_end(cube_httpd_stream *s)
{
	pthread_mutex_lock(&s->mu);
	s->ended = true;
	wake(s);
	pthread_mutex_unlock(&s->mu);
}

bool cube_httpd_stream_closed(cube_httpd_stream *s)
{
	pthread_mutex_lock(&s->mu);
	bool c = s->closed || s->ended || s->aborted;
	pthread_mutex_unlock(&s->mu);
	return c;
}

/* ---- connection upgrades ------------------------------------------------------------------ */

/* A connection after its 101: its own thread runs the handler. */
struct cube_httpd_upgraded {
	cube_httpd *d;
	struct MHD_UpgradeResponseHandle *urh;
	int fd;
	cube_httpd_upgrade_fn fn;
	void (*drop)(void *ud);
	void *ud;
	char *extra;
	size_t extra_len;
	cube_httpd_upgraded *prev, *next; /* in d->upgraded, once switched */
};

/* Unlinks the connection and has MHD close it. */
static void upgraded_close(cube_httpd_upgraded *u)
{
	cube_httpd *d = u->d;
	pthread_mutex_lock(&d->mu);
	if (u->prev)
		u->prev->next = u->next;
	else if (d->upgraded == u)
		d->upgraded = u->next;
	if (u->next)
		u->next->prev = u->prev;
	pthread_cond_broadcast(&d->upcond);
	pthread_mutex_unlock(&d->mu);
	MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(u->extra);
	free(u);
}

static void *upgraded_main(void *arg)
{
	cube_httpd_upgraded *u = arg;
	u->fn(u->ud, u->fd, u->extra ? u->extra : "", u->extra_len);
	upgraded_close(u);
	return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *c, void *req_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	(void)c, (void)req_cls;
	cube_httpd_upgraded *u = cls;
	cube_httpd *d = u->d;
	u->urh = urh;
	u->fd = sock;
	int fl = fcntl(sock, F_GETFL);
	if (fl >= 0)
		fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
	pthread_mutex_lock(&d->mu);
	u->next = d->upgraded;
	if (d->upgraded)
		d->upgraded->prev = u;
	d->upgraded = u;
	pthread_mutex_unlock(&d->mu);
	pthread_t th;
	bool ok = !extra_in_size || (u->extra = malloc(extra_in_size));
	if (ok && extra_in_size) {
		memcpy(u->extra, extra_in, extra_in_size);
		u->extra_len = extra_in_size;
	}
	if (!ok || pthread_create(&th, NULL, upgraded_main, u) != 0) {
		if (u->drop)
			u->drop(u->ud);
		upgraded_close(u);
		return;
	}
	pthread_detach(th);
}

int cube_httpd_respond_upgrade(cube_httpd_req *r, const char *upgrade, cube_httpd_upgrade_fn fn,
			       void (*drop)(void *ud), void *ud)
{
	if (r->answered)
		return -1;
	cube_httpd_upgraded *u = calloc(1, sizeof(*u));
	if (!u)
		return -1;
	u->d = r->d;
	u->fn = fn;
	u->drop = drop;
	u->ud = ud;
	u->fd = -1;
	struct MHD_Response *resp = MHD_create_response_for_upgrade(on_upgrade, u);
	if (!resp) {
		free(u);
		return -1;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, upgrade);
	apply_headers(r, resp, NULL);
	r->pending = resp;
	r->answered = true;
	r->status = MHD_HTTP_SWITCHING_PROTOCOLS;
	return 0;
}

/* ---- the daemon ---------------------------------------------------------------------------- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	cube_log_debug("microhttpd: %s", buf);
}

cube_httpd *cube_httpd_start(const cube_httpd_config *cfg, cube_err *err)
{
	cube_httpd *d = calloc(1, sizeof(*d));
	if (!d) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	d->cfg = *cfg;
	if (!d->cfg.threads)
		d->cfg.threads = 2;
	if (!d->cfg.max_connections)
		d->cfg.max_connections = 4096;
	if (!d->cfg.max_body)
		d->cfg.max_body = 3u << 20;
	if (!d->cfg.idle_timeout_s)
		d->cfg.idle_timeout_s = 120;
	pthread_mutex_init(&d->mu, NULL);
	pthread_mutex_init(&d->qmu, NULL);
	pthread_cond_init(&d->qcond, NULL);
	pthread_cond_init(&d->upcond, NULL);

	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
	const char *bind =
		cfg->bind_address && cfg->bind_address[0] ? cfg->bind_address : "0.0.0.0";
	if (inet_pton(AF_INET, bind, &addr.sin_addr) != 1) {
		cube_err_set(err, CUBE_EINVAL, "bind address \"%s\" is not an IPv4 address", bind);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return NULL;
	}
	d->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
			MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		/* One loop thread is no pool: MHD warns if told a pool of 1. */
		MHD_OPTION_THREAD_POOL_SIZE, d->cfg.threads > 1 ? d->cfg.threads : 0,
		MHD_OPTION_CONNECTION_LIMIT, d->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
		d->cfg.idle_timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
		/* No SO_REUSEPORT: a second server on a port in use must fail, not
		 * share the port (and half the requests) with the first. MHD's
		 * default SO_REUSEADDR still allows a quick restart. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, d, MHD_OPTION_END);
	if (!d->mhd) {
		cube_err_set(err, CUBE_EUNAVAIL, "cannot serve on %s:%d (address in use?)", bind,
			     cfg->port);
		pthread_mutex_destroy(&d->mu);
		free(d);
		return NULL;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
	d->port = info ? info->port : cfg->port;
	if (cfg->workers) {
		d->workers = calloc(cfg->workers, sizeof(*d->workers));
		for (unsigned i = 0; d->workers && i < cfg->workers; i++) {
			if (pthread_create(&d->workers[i], NULL, worker_main, d) != 0)
				break;
			d->n_workers++;
		}
		if (d->n_workers == 0) {
			cube_err_set(err, CUBE_EIO, "cannot start HTTP worker threads");
			free(d->workers);
			MHD_stop_daemon(d->mhd);
			pthread_mutex_destroy(&d->mu);
			free(d);
			return NULL;
		}
	}
	return d;
}

int cube_httpd_port(const cube_httpd *d)
{
	return d->port;
}

void cube_httpd_stop(cube_httpd *d)
{
	if (!d)
		return;
	/* Suspended connections must be resumed before the daemon can stop. */
	MHD_quiesce_daemon(d->mhd);
	pthread_mutex_lock(&d->mu);
	for (cube_httpd_stream *s = d->streams; s; s = s->next) {
		pthread_mutex_lock(&s->mu);
		s->ended = true;
		wake(s);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&d->mu);
	/* Workers finish the requests they hold (resuming their connections). */
	pthread_mutex_lock(&d->qmu);
	d->qstop = true;
	pthread_cond_broadcast(&d->qcond);
	pthread_mutex_unlock(&d->qmu);
	for (unsigned i = 0; i < d->n_workers; i++)
		pthread_join(d->workers[i], NULL);
	free(d->workers);
	/* Upgraded connections: their readers see EOF; MHD cannot stop
	 * while one is open, so wait (a while) for their owners to close. */
	pthread_mutex_lock(&d->mu);
	for (cube_httpd_upgraded *u = d->upgraded; u; u = u->next)
		shutdown(u->fd, SHUT_RDWR);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	while (d->upgraded && pthread_cond_timedwait(&d->upcond, &d->mu, &until) == 0)
		;
	bool stuck = d->upgraded != NULL;
	pthread_mutex_unlock(&d->mu);
	if (stuck) {
		cube_log_error("http server: an upgraded connection was not closed; leaving the "
			       "server running");
		return;
	}
	MHD_stop_daemon(d->mhd);
	pthread_mutex_destroy(&d->mu);
	pthread_mutex_destroy(&d->qmu);
	pthread_cond_destroy(&d->qcond);
	pthread_cond_destroy(&d->upcond);
	if (d->cfg.free_ud)
		d->cfg.free_ud(d->cfg.ud);
	free(d);
}
