/* watchcache.h - the API server's in-memory copy of etcd and the fan-out of
 * changes to every HTTP watcher.
 *
 * One etcd watch on the whole /registry/ prefix feeds it (after a paged list
 * at a pinned revision).  The store's revision is global, so one stream
 * means the cache's revision is always the store's: a client that lists at
 * revision R and watches from R is served as soon as the cache has applied
 * R, even when its own resource has been idle (per-resource etcd watches
 * could not know that).  Events are dispatched by key prefix into one cache
 * per resource: the current objects, and a ring of recent events from which
 * a watch resumes (older: 410 Expired).
 *
 * Objects are immutable and reference-counted (wc_obj): a list takes
 * references under the lock and serialises outside it.
 *
 * HTTP watchers are streams (lib/httpd): registering one sends the initial
 * events under the lock, so nothing falls between the snapshot and the live
 * events.  An object that stops matching a watcher's selectors is sent to it
 * as DELETED, one that starts matching as ADDED, as Kubernetes does.
 */
#ifndef CUBE_APISERVER_WATCHCACHE_H
#define CUBE_APISERVER_WATCHCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "etcd.h"
#include "httpd.h"
#include "resources.h"
#include "selector.h"

typedef struct wc_obj {
	cJSON *json; /* metadata.resourceVersion set; never modified */
	char *text;  /* json, serialised */
	size_t len;
	int64_t rv;
	/* private */
	int _refs;
} wc_obj;

void wc_obj_unref(wc_obj *o);

typedef struct watchcache watchcache;

/* ring_cap: events kept per resource for resuming watches (0 = 4096). */
watchcache *watchcache_new(cube_etcd *etcd, size_t ring_cap, cube_err *err);

/* Starts the list+watch thread and the ticker (timeouts, bookmarks). */
int watchcache_start(watchcache *wc, cube_err *err);

/* Stops the threads, ends every watcher, frees everything. Accepts NULL. */
void watchcache_free(watchcache *wc);

/* Bookmark period for watchers that asked for them (default 60 s). */
void watchcache_set_bookmark_interval(watchcache *wc, int seconds);

/* Waits until the cache has applied revision `rv` (0: until it is ready).
 * -1 with CUBE_ETIMEOUT ("Too large resource version") or CUBE_EUNAVAIL
 * (the cache is not ready: etcd is away). */
int watchcache_wait(watchcache *wc, int64_t rv, int timeout_ms, cube_err *err);

/* The revision the cache reflects, and whether it is live. */
int64_t watchcache_rv(watchcache *wc);
bool watchcache_ready(watchcache *wc);

typedef struct wc_filter {
	const char *ns;		 /* NULL: every namespace */
	const char *name;	 /* NULL: every name */
	const cube_labelsel *ls; /* NULL: everything */
	const cube_fieldsel *fs; /* NULL: everything */
} wc_filter;

/* The matching objects of a resource in key order: *out is a malloc'd array
 * of references (unref each, free the array); *rv the cache's revision. */
int watchcache_list(watchcache *wc, const api_resource *res, const wc_filter *f, wc_obj ***out,
		    size_t *n, int64_t *rv, cube_err *err);

/* One object by namespace/name, a new reference, or NULL. */
wc_obj *watchcache_get(watchcache *wc, const api_resource *res, const char *ns, const char *name);

typedef struct wc_watch_opts {
	const char *ns;	   /* NULL: every namespace */
	const char *name;  /* NULL: every name */
	cube_labelsel *ls; /* taken by watchcache_watch (also on failure); NULL: everything */
	cube_fieldsel *fs; /* taken likewise */
	const char *rv;	   /* the resourceVersion parameter, NULL if absent */
	bool bookmarks;	   /* allowWatchBookmarks */
	const char *table; /* "v1"/"v1beta1": events carry Tables (kubectl get -w); NULL: objects */
	int table_include; /* a table_include value (table_out.h) */
	int timeout_s;	   /* timeoutSeconds; 0 = the server's default (30 min) */
} wc_watch_opts;

/* Answers `req` with a watch stream.  Returns 0, or -1 with err before
 * anything was sent: CUBE_EINVAL (bad resourceVersion), CUBE_ECOMPACTED
 * (410: too old), CUBE_ETIMEOUT (504: too large), CUBE_EUNAVAIL (503). */
int watchcache_watch(watchcache *wc, const api_resource *res, const wc_watch_opts *o,
		     cube_httpd_req *req, cube_err *err);

/* Open watchers of a resource (for /metrics). */
size_t watchcache_watchers(watchcache *wc, const api_resource *res);

#endif
