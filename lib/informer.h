/* informer.h - list+watch into a local cache, client-go's informer in C.
 *
 * An informer keeps an up-to-date, read-only copy of one resource (optionally
 * one namespace, filtered by selectors) for a component: it lists, then
 * watches from the list's resourceVersion; every change updates the cache and
 * then calls the registered handlers, in order, on the informer's thread.
 * When the watch ends it watches again from the last resourceVersion seen;
 * on 410 Gone, or when that fails, it lists again and tells the handlers
 * what changed meanwhile (adds, updates, deletes), with back-off (1 s doubling
 * to 30 s) while the server is away.  Optionally every `resync_s` seconds it
 * calls on_update(obj, obj) for every object, as client-go's resync does.
 *
 * A list is applied page by page as it arrives (each page's changes are told
 * as they are applied; deletions once the whole list is in), so that a large
 * list never lives whole in memory; a list that fails half-way is retried and
 * has by then only applied states the server had.
 *
 * Objects are cube_robj (obj.h): immutable, reference-counted, and frozen
 * (jfreeze.h): parts equal across objects (the labels, owner references and
 * containers of the pods of one ReplicaSet) are stored once.  Handlers
 * get borrowed references (take one with cube_robj_ref to keep it); get/list
 * return new references the caller drops with cube_robj_unref.  Handlers
 * should only record work (enqueue keys): the informer waits for them.
 *
 * Several consumers share one informer per resource through a factory
 * (cube_informer_factory), as client-go's SharedInformerFactory.
 */
#ifndef CUBE_INFORMER_H
#define CUBE_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "kclient.h"
#include "obj.h"

typedef struct cube_informer_handlers {
	void (*on_add)(void *ud, cube_robj *obj);
	void (*on_update)(void *ud, cube_robj *old, cube_robj *cur);
	void (*on_delete)(void *ud, cube_robj *last); /* the last state the cache had */
	void *ud;
} cube_informer_handlers;

/* An index function: writes up to max values an object is indexed under
 * (each < 256 bytes) and returns how many it has. */
typedef size_t (*cube_index_fn)(const cJSON *obj, char (*vals)[256], size_t max);

/* Built-in indexes. */
size_t cube_index_namespace(const cJSON *obj, char (*vals)[256], size_t max);
size_t cube_index_node_name(const cJSON *obj, char (*vals)[256], size_t max); /* spec.nodeName */
size_t cube_index_owner_uid(const cJSON *obj, char (*vals)[256],
			    size_t max); /* every ownerReferences uid */
size_t cube_index_labels(const cJSON *obj, char (*vals)[256],
			 size_t max); /* "key=value" per label */

typedef struct cube_informer_opts {
	const cube_gvr *gvr;
	const char *ns; /* NULL: every namespace */
	const char *label_selector;
	const char *field_selector;
	int resync_s;	     /* 0: no periodic resync */
	int64_t page;	     /* list page size (default 500) */
	int watch_timeout_s; /* server-side watch timeout (default 300-600 s, random) */
	/* Called on each object before it is cached (a listed item, or a copy of
	 * a watch event's object), to drop what no consumer reads, as client-go's
	 * SetTransform (e.g. cube_informer_strip_managed).  It must keep the
	 * name, namespace and resourceVersion.  NULL: objects are cached whole. */
	void (*transform)(cJSON *obj, void *ud);
	void *transform_ud;
} cube_informer_opts;

/* A transform that drops metadata.managedFields and kubectl's
 * last-applied-configuration annotation (often most of an applied object's
 * bytes), for consumers that read neither. */
void cube_informer_strip_managed(cJSON *obj, void *ud);

typedef struct cube_informer cube_informer;

/* A new, stopped informer (strings copied). NULL with err on ENOMEM. */
cube_informer *cube_informer_new(cube_kclient *c, const cube_informer_opts *o, cube_err *err);

/* Registers handlers (up to 16). After start, the new handler first gets an
 * on_add for every object in the cache, as client-go does. */
int cube_informer_add_handlers(cube_informer *inf, const cube_informer_handlers *h, cube_err *err);

/* Adds a named index (before start).  Adding the same name with the same
 * function again is a no-op (consumers of a shared informer each ask). */
int cube_informer_add_index(cube_informer *inf, const char *name, cube_index_fn fn, cube_err *err);

/* Starts the list+watch thread. */
int cube_informer_start(cube_informer *inf, cube_err *err);

/* Stops (within about a second) and frees. Accepts NULL. */
void cube_informer_free(cube_informer *inf);

/* True once the first list has been delivered to the handlers. */
bool cube_informer_synced(cube_informer *inf);
bool cube_informer_wait_synced(cube_informer *inf, int timeout_ms);

/* The object with key "ns/name" (or "name"), a new reference, or NULL. */
cube_robj *cube_informer_get(cube_informer *inf, const char *key);

/* Every object, in key order: *out is a malloc'd array of new references. */
size_t cube_informer_list(cube_informer *inf, cube_robj ***out);

/* The objects an index maps `value` to (new references, malloc'd array). */
size_t cube_informer_by_index(cube_informer *inf, const char *index, const char *value,
			      cube_robj ***out);

/* Drops the references of a list and frees it. */
void cube_robj_list_free(cube_robj **objs, size_t n);

/* The resourceVersion last seen, and counters for /metrics and tests. */
typedef struct cube_informer_stats {
	int64_t rv;
	uint64_t lists;	  /* full lists done (1 at start, more after 410 or failures) */
	uint64_t watches; /* watch requests started */
	uint64_t events;  /* events applied */
	size_t objects;
} cube_informer_stats;
void cube_informer_get_stats(cube_informer *inf, cube_informer_stats *out);

/* ---- shared informers ---- */

typedef struct cube_informer_factory cube_informer_factory;

cube_informer_factory *cube_informer_factory_new(cube_kclient *c, int resync_s, cube_err *err);

/* The factory's informer for gvr (in ns, with selectors; NULLs for all),
 * created on first use; owned by the factory. */
cube_informer *cube_informer_factory_get(cube_informer_factory *f, const cube_gvr *gvr,
					 const char *ns, const char *label_selector,
					 const char *field_selector, cube_err *err);

/* Starts every informer not yet started; waits for all to sync (timeout_ms,
 * 0 = forever). Returns 0, or -1 with CUBE_ETIMEOUT. */
int cube_informer_factory_start(cube_informer_factory *f, int timeout_ms, cube_err *err);

/* Stops and frees every informer. Accepts NULL. */
void cube_informer_factory_free(cube_informer_factory *f);

#endif
