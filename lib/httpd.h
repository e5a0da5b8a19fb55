/* httpd.h - the HTTP server every long-running cube program uses
 * (libmicrohttpd underneath): the API server's REST API, and the
 * /healthz and /metrics of the scheduler, controller-manager, cubelet and
 * cube-proxy.
 *
 * Model: a few event-loop threads (epoll) own the sockets.  For each request
 * whose body has fully arrived, the server calls the one handler with a
 * cube_httpd_req; the handler answers exactly once, with cube_httpd_respond*()
 * or by starting a stream.  With `workers` > 0 the handler runs on a pool of
 * worker threads while the connection is parked, so a handler may block (an
 * etcd round trip) without stalling other connections; with 0 it runs on the
 * loop thread and must not block.
 *
 * Streams (watches, logs -f) do not hold a thread while idle: the connection
 * is parked (suspended) when it has nothing to send and woken by
 * cube_httpd_stream_write() from any thread.  Each write goes out as one
 * HTTP chunk.
 *
 * Bodies over `max_body` are answered 413 with a Kubernetes Status before the
 * handler runs.
 */
#ifndef CUBE_HTTPD_H
#define CUBE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

typedef struct cube_httpd cube_httpd;
typedef struct cube_httpd_req cube_httpd_req;
typedef struct cube_httpd_stream cube_httpd_stream;

/* Called once per request with its complete body.  Must answer exactly once. */
typedef void (*cube_httpd_handler_fn)(void *ud, cube_httpd_req *req);

typedef struct cube_httpd_config {
	const char *bind_address; /* "127.0.0.1", "0.0.0.0" (default), an IPv4 literal */
	int port;		  /* 0 = any free port (see cube_httpd_port) */
	unsigned threads;	  /* event-loop threads; 0 = 2 */
	unsigned workers;	  /* handler threads; 0 = run handlers on the loop threads */
	unsigned max_connections; /* 0 = 4096 */
	size_t max_body;	  /* 0 = 3 MiB, as the Kubernetes API server */
	unsigned idle_timeout_s;  /* keep-alive idle timeout; 0 = 120 */
	cube_httpd_handler_fn handler;
	void *ud;
	void (*free_ud)(void *ud); /* if set, called on ud once the server has stopped */
} cube_httpd_config;

/* Starts listening and serving. NULL (with err) if the address cannot be bound. */
cube_httpd *cube_httpd_start(const cube_httpd_config *cfg, cube_err *err);

/* The port actually bound. */
int cube_httpd_port(const cube_httpd *d);

/* Ends every open stream, then stops the server and frees it. Accepts NULL. */
void cube_httpd_stop(cube_httpd *d);

/* ---- the request ------------------------------------------------------------ */

const char *cube_httpd_method(const cube_httpd_req *r);
const char *cube_httpd_path(const cube_httpd_req *r); /* without the query string */
const char *cube_httpd_body(const cube_httpd_req *r); /* NUL-terminated; "" if none */
size_t cube_httpd_body_len(const cube_httpd_req *r);

/* A query parameter's (first) value, or NULL. "?watch" alone gives "". */
const char *cube_httpd_query(const cube_httpd_req *r, const char *name);

/* Every value of a repeated query parameter (command=ls&command=-l): fills
 * up to `max` pointers, returns how many there are. */
size_t cube_httpd_query_all(const cube_httpd_req *r, const char *name, const char **out,
			    size_t max);

/* A request header's value (case-insensitive name), or NULL. */
const char *cube_httpd_header(const cube_httpd_req *r, const char *name);

/* Kubernetes' rule for boolean query parameters: absent, "0" and "false"
 * (any case) are false; anything else present is true. */
bool cube_httpd_query_bool(const cube_httpd_req *r, const char *name);

/* The peer's address as text ("127.0.0.1"), for logs. */
const char *cube_httpd_peer(const cube_httpd_req *r);

/* ---- answering ------------------------------------------------------------------ */

/* Sends a complete response; takes ownership of `body` (malloc'd, may be NULL
 * for an empty body). `content_type` may be NULL. Returns 0 or -1. */
int cube_httpd_respond(cube_httpd_req *r, int status, const char *content_type, char *body,
		       size_t len);

/* Sends `body` (borrowed, copied) with the given content type. */
int cube_httpd_respond_text(cube_httpd_req *r, int status, const char *content_type,
			    const char *body);

/* Serialises `json` (borrowed) and sends it as application/json. */
int cube_httpd_respond_json(cube_httpd_req *r, int status, const cJSON *json);

/* Adds a header to the response about to be sent (call before respond). */
int cube_httpd_add_header(cube_httpd_req *r, const char *name, const char *value);

/* The status the request was answered with (0 while unanswered). */
int cube_httpd_status(const cube_httpd_req *r);

/* ---- streams ----------------------------------------------------------------------- */

/* Called once when the stream is finished for good: the client went away,
 * the server stopped, or cube_httpd_stream_end's data was sent.  Runs on a
 * loop thread; must not call back into the stream except _unref. */
typedef void (*cube_httpd_stream_closed_fn)(void *ud);

/* Answers the request with a chunked stream and returns it with one
 * reference for the caller (the server holds its own until the connection
 * closes).  NULL on failure (the request is then answered 500). */
cube_httpd_stream *cube_httpd_stream_start(cube_httpd_req *r, int status, const char *content_type,
					   cube_httpd_stream_closed_fn closed, void *ud);

/* Queues bytes (copied) and wakes the connection. Thread-safe. Returns -1 if
 * the stream is closed (the client is gone) or over its buffer limit (a slow
 * client: the stream is then closed, as Kubernetes drops slow watchers). */
int cube_httpd_stream_write(cube_httpd_stream *s, const char *data, size_t len);

/* Ends the stream after what is queued has been sent. Thread-safe, idempotent. */
void cube_httpd_stream_end(cube_httpd_stream *s);

/* True once the stream can take no more data. */
bool cube_httpd_stream_closed(cube_httpd_stream *s);

/* Drops the caller's reference. Accepts NULL. */
void cube_httpd_stream_unref(cube_httpd_stream *s);

/* ---- connection upgrades (WebSocket) ------------------------------------------------------ */

/* The life of a connection after its 101 Switching Protocols: called once,
 * on a thread of its own, with the connection's socket `fd` (blocking)
 * and `extra` (valid during the call), what the client sent past its
 * request.  The call owns the connection; when it returns, the server
 * closes it.  cube_httpd_stop shuts the sockets of upgraded connections
 * down (their readers see EOF) and waits a while for the calls to return. */
typedef void (*cube_httpd_upgrade_fn)(void *ud, int fd, const char *extra, size_t extra_len);

/* Answers 101 Switching Protocols with `Upgrade: <upgrade>` (and the
 * headers added with cube_httpd_add_header), then runs fn.  If no thread
 * can be started for it, `drop` (may be NULL) gets ud instead; if the
 * client goes before the switch, neither is called. Returns 0 or -1 (then
 * nothing was answered and ud is the caller's). */
int cube_httpd_respond_upgrade(cube_httpd_req *r, const char *upgrade, cube_httpd_upgrade_fn fn,
			       void (*drop)(void *ud), void *ud);

/* ---- Kubernetes Status ---------------------------------------------------------------- */

/* Builds a metav1.Status failure: {"kind":"Status","apiVersion":"v1",
 * "metadata":{},"status":"Failure","message":msg,"reason":reason,"code":code}
 * with `details` (taken; may be NULL). Returns a new tree or NULL. */
cJSON *cube_status_new(int code, const char *reason, const char *message, cJSON *details);

/* Answers with a Status failure; `fmt` formats the message. */
int cube_httpd_respond_status(cube_httpd_req *r, int code, const char *reason, cJSON *details,
			      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
