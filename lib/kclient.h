/* kclient.h - the Kubernetes API client every cube component uses (the
 * scheduler, the controller-manager, the cubelet, cube-proxy, cubectl).
 *
 * One cube_kclient talks to one API server (a server URL, TLS settings and
 * an optional bearer token, usually from a kubeconfig: see kubeconfig.h) and
 * is shared by all threads: it keeps a pool of keep-alive connections.
 * Objects go in and out as cJSON trees; the caller owns what it gets.
 *
 * Errors: a failed call returns NULL or -1 and fills err with a code taken
 * from the API's Status reason, and the Status' message:
 *   CUBE_ENOTFOUND (404 NotFound), CUBE_EEXIST (409 AlreadyExists),
 *   CUBE_ECONFLICT (409 Conflict), CUBE_ECOMPACTED (410 Expired/Gone),
 *   CUBE_EINVAL (400, 422 Invalid; the message lists the causes),
 *   CUBE_EUNAVAIL (no connection, 5xx), CUBE_ETIMEOUT, CUBE_EPROTO.
 * `status` (may be NULL) receives the HTTP status code.
 */
#ifndef CUBE_KCLIENT_H
#define CUBE_KCLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "http.h"

/* A resource's identity: where its objects live in the API. */
typedef struct cube_gvr {
	const char *group;    /* "" for core */
	const char *version;  /* "v1" */
	const char *resource; /* plural: "pods" */
	const char *kind;     /* "Pod" */
	bool namespaced;
} cube_gvr;

extern const cube_gvr CUBE_GVR_PODS, CUBE_GVR_NODES, CUBE_GVR_SERVICES, CUBE_GVR_ENDPOINTS,
	CUBE_GVR_EVENTS, CUBE_GVR_NAMESPACES, CUBE_GVR_CONFIGMAPS, CUBE_GVR_SECRETS,
	CUBE_GVR_LEASES, CUBE_GVR_DEPLOYMENTS, CUBE_GVR_REPLICASETS, CUBE_GVR_DAEMONSETS,
	CUBE_GVR_STATEFULSETS, CUBE_GVR_JOBS, CUBE_GVR_CRONJOBS;

typedef struct cube_kclient_config {
	const char *server;	/* "http://127.0.0.1:6443" */
	const char *token;	/* bearer token, or NULL */
	cube_http_tls tls;	/* for https:// servers */
	const char *user_agent; /* "cube-scheduler/v1.32.0" */
	long timeout_ms;	/* per unary request; 0 = 30 s */
} cube_kclient_config;

typedef struct cube_kclient cube_kclient;

/* Returns a client (strings copied) or NULL with err. No request is made. */
cube_kclient *cube_kclient_new(const cube_kclient_config *cfg, cube_err *err);
void cube_kclient_free(cube_kclient *c);
const char *cube_kclient_server(const cube_kclient *c);

/* The path of a collection or object:
 * "/api/v1/namespaces/ns/pods/name/status". ns/name/sub may be NULL. */
int cube_kclient_path(const cube_gvr *r, const char *ns, const char *name, const char *sub,
		      char *buf, size_t size);

typedef struct cube_list_opts {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version; /* "0": from the cache; NULL: consistent */
	int64_t limit;		      /* 0: no limit (the client follows no pages) */
	const char *continue_token;
} cube_list_opts;

/* Raw request: method, path (with query), body (may be NULL), content type
 * of the body (NULL: application/json). Returns the parsed JSON answer of a
 * 2xx, or NULL with err. */
cJSON *cube_kclient_do(cube_kclient *c, const char *method, const char *path, const char *body,
		       const char *content_type, long *status, cube_err *err);

cJSON *cube_kclient_get(cube_kclient *c, const cube_gvr *r, const char *ns, const char *name,
			cube_err *err);
/* One page (or everything, with limit 0) as the server's List object. */
cJSON *cube_kclient_list(cube_kclient *c, const cube_gvr *r, const char *ns,
			 const cube_list_opts *o, cube_err *err);
/* Every page, joined: a List whose items are all the objects and whose
 * metadata.resourceVersion is the first page's (the snapshot's). */
cJSON *cube_kclient_list_all(cube_kclient *c, const cube_gvr *r, const char *ns,
			     const cube_list_opts *o, int64_t page, cube_err *err);
/* Every page, one at a time: calls fn with each page's List (fn's to keep or
 * delete; every page has the first page's metadata.resourceVersion, the
 * snapshot's), so that a long list never lives whole in memory.  fn returns
 * <0 (with err) to stop.  Returns 0, or -1 with err. */
int cube_kclient_list_pages(cube_kclient *c, const cube_gvr *r, const char *ns,
			    const cube_list_opts *o, int64_t page,
			    int (*fn)(void *ud, cJSON *list, cube_err *err), void *ud,
			    cube_err *err);
cJSON *cube_kclient_create(cube_kclient *c, const cube_gvr *r, const char *ns, const cJSON *obj,
			   cube_err *err);
/* PUT of obj (its metadata.name; sub "status" for the status subresource). */
cJSON *cube_kclient_update(cube_kclient *c, const cube_gvr *r, const char *ns, const cJSON *obj,
			   const char *sub, cube_err *err);
/* PATCH; type: "merge" | "strategic" | "json" | "apply". */
cJSON *cube_kclient_patch(cube_kclient *c, const cube_gvr *r, const char *ns, const char *name,
			  const char *sub, const char *type, const cJSON *patch, cube_err *err);
/* DELETE with optional DeleteOptions (NULL: none). Returns 0 or -1. */
int cube_kclient_delete(cube_kclient *c, const cube_gvr *r, const char *ns, const char *name,
			const cJSON *options, cube_err *err);
/* POST pods/<name>/binding to `node`, with annotations (may be NULL).  With
 * a uid (may be NULL) the binding applies only to that pod: a pod deleted
 * and created again under the name is a CUBE_ECONFLICT, as in Kubernetes. */
int cube_kclient_bind(cube_kclient *c, const char *ns, const char *pod, const char *uid,
		      const char *node, const cJSON *annotations, cube_err *err);

typedef struct cube_watch_opts {
	const char *label_selector;
	const char *field_selector;
	const char *resource_version;
	int timeout_s;	/* server-side timeoutSeconds; 0: none */
	bool bookmarks; /* allowWatchBookmarks */
} cube_watch_opts;

/* Receives each watch event: type "ADDED" | "MODIFIED" | "DELETED" |
 * "BOOKMARK" | "ERROR", and the object (borrowed: valid during the call;
 * take a copy or steal it by detaching). Return 0 to go on, <0 to stop. */
typedef int (*cube_watch_fn)(void *ud, const char *type, cJSON *object);

/* Watches, blocking, until the server ends the stream (returns 0), the
 * callback stops it (0), *cancel becomes non-zero (CUBE_ECANCELED), or an
 * error: CUBE_ECOMPACTED for 410 (relist), others as above. An in-stream
 * ERROR event carrying a 410 Status also returns CUBE_ECOMPACTED. */
int cube_kclient_watch(cube_kclient *c, const cube_gvr *r, const char *ns, const cube_watch_opts *o,
		       cube_watch_fn fn, void *ud, atomic_int *cancel, cube_err *err);

/* A request whose answer the caller reads as it is, whatever its status:
 * for clients that print the server's Status themselves (cubectl) or ask for
 * another representation (a Table).  accept NULL: application/json;
 * content_type NULL: application/json; body may be NULL.  With on_data the
 * body streams there (watches) and timeout_ms 0 means none; otherwise it is
 * collected in resp->body and timeout_ms 0 means the client's.  Returns 0
 * when an HTTP answer came (resp->status says which), -1 with err when none
 * did (CUBE_EUNAVAIL, CUBE_EIO, CUBE_ETIMEOUT, CUBE_ECANCELED, ...).  The
 * caller releases resp with cube_http_resp_clear(), also on failure. */
typedef struct cube_kclient_rawreq {
	const char *method; /* NULL: GET */
	const char *path;   /* with its query */
	const char *accept;
	const char *content_type;
	const char *body;
	long timeout_ms;
	cube_http_data_fn on_data;
	void *ud;
	atomic_int *cancel;
} cube_kclient_rawreq;

int cube_kclient_raw(cube_kclient *c, const cube_kclient_rawreq *r, cube_http_resp *resp,
		     cube_err *err);

#endif
