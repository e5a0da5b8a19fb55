/* http.h - the HTTP client every cube program uses (libcurl underneath).
 *
 * A cube_http is one libcurl easy handle: it keeps its connection alive
 * between requests to the same host (HTTP/1.1 keep-alive), so a loop of
 * requests pays for one TCP handshake.  It is NOT thread-safe: give each
 * thread its own, or take one from a pool (cube_etcd keeps such a pool).
 *
 * A request either collects the whole body (resp->body, NUL-terminated for
 * convenience) or streams it to `on_data` as it arrives (watches, logs -f).
 * A streaming request can be stopped from another thread through `cancel`:
 * set *cancel to non-zero and the request ends within about one second with
 * CUBE_ECANCELED.
 */
#ifndef CUBE_HTTP_H
#define CUBE_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct cube_http cube_http;

/* Receives body bytes as they arrive. Return 0 to go on, <0 to abort the
 * transfer (the request then fails with CUBE_ECANCELED). */
typedef int (*cube_http_data_fn)(void *ud, const char *data, size_t len);

typedef struct cube_http_req {
	const char *method;	    /* "GET" (default when NULL), "POST", "PUT", ... */
	const char *url;	    /* full URL */
	const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
	const char *body;	    /* request body, or NULL */
	size_t body_len;
	long timeout_ms;	   /* whole request; 0 = none (streams) */
	long connect_timeout_ms;   /* 0 = 5000 */
	cube_http_data_fn on_data; /* streaming: body goes here, not to resp->body;
				      resp->status is set before its first call */
	void *ud;
	atomic_int *cancel; /* optional: non-zero stops the request */
	size_t max_body;    /* collected body limit; 0 = 64 MiB */
	bool want_headers;  /* collect the final response's headers in resp->headers */
	bool follow;	    /* follow redirects (Authorization is not sent to another host) */
} cube_http_req;

typedef struct cube_http_resp {
	long status; /* HTTP status, 0 if none was received */
	char *body;  /* collected body (NUL-terminated), NULL when streamed */
	size_t len;
	char *content_type; /* the Content-Type header, or NULL */
	char *headers;	    /* with want_headers: "Name: value\r\n" lines of the last response */
} cube_http_resp;

/* TLS settings for https:// URLs; all optional. */
typedef struct cube_http_tls {
	const char *ca_file;   /* PEM bundle to verify the server with */
	const char *cert_file; /* client certificate (PEM) */
	const char *key_file;  /* client key (PEM) */
	bool insecure;	       /* skip server verification */
} cube_http_tls;

/* Returns a new client, or NULL (with err) on allocation failure. */
cube_http *cube_http_new(cube_err *err);

/* Applies TLS settings to later requests. Strings are copied. */
int cube_http_set_tls(cube_http *h, const cube_http_tls *tls, cube_err *err);

/* Frees the client and closes its connection. Accepts NULL. */
void cube_http_free(cube_http *h);

/* Performs one request.  Returns 0 when an HTTP response was received,
 * whatever its status (check resp->status), and -1 with err when none was:
 * CUBE_EUNAVAIL (could not connect: nothing was sent, safe to retry
 * elsewhere), CUBE_EIO (the connection broke after the request may have
 * been sent), CUBE_ETIMEOUT,
 * CUBE_ECANCELED (cancel flag or on_data abort), CUBE_ETOOBIG (body over
 * max_body), CUBE_ENOMEM.  The caller owns resp's contents afterwards (also on
 * failure) and releases them with cube_http_resp_clear(). */
int cube_http_do(cube_http *h, const cube_http_req *req, cube_http_resp *resp, cube_err *err);

/* The value of header `name` (case-insensitive, first occurrence, trimmed)
 * in resp->headers, as a new string; NULL when absent (or on ENOMEM). */
char *cube_http_resp_header(const cube_http_resp *resp, const char *name);

/* Frees what a response holds and zeroes it. Accepts NULL. */
void cube_http_resp_clear(cube_http_resp *resp);

/* Process-wide libcurl initialisation; called once by each program's main
 * before any thread starts (cube_http_new calls it too, guarded by a once). */
void cube_http_global_init(void);

/* In a raw HTTP message head ("HTTP/1.1 101 ...\r\nName: value\r\n..."),
 * the value of header `name` (case-insensitive, trimmed) into out; false
 * if it is not there.  For the connections that leave libcurl behind
 * (WebSocket upgrades). */
bool cube_http_head_value(const char *head, const char *name, char *out, size_t size);

#endif
