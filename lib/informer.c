/* informer.c - the list+watch loop, the indexed cache and the handlers'
 * dispatch (see informer.h), and the shared-informer factory. */
#include "informer.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"
#include "strmap.h"

#define MAX_HANDLERS 16
#define MAX_INDEXES 8
#define MAX_INDEX_VALUES 64

struct index {
	char *name;
	cube_index_fn fn;
	cube_strmap *values; /* value -> cube_strmap of keys (value pointers unused) */
};

struct cube_informer {
	cube_kclient *c;
	cube_gvr gvr;
	char *ns, *label_sel, *field_sel;
	int resync_s;
	int64_t page;
	int watch_timeout_s;
	void (*transform)(cJSON *obj, void *ud);
	void *transform_ud;

	pthread_mutex_t mu;  /* the cache and indexes */
	pthread_cond_t cond; /* synced */
	cube_strmap *objs;   /* key -> cube_robj* (one reference held) */
	struct index idx[MAX_INDEXES];
	size_t n_idx;
	cube_informer_handlers h[MAX_HANDLERS];
	size_t n_h;
	/* Held across each change of the cache and the handler calls that announce
	 * it, and across add_handlers' registration and replay: a late handler's
	 * replay and the live calls never interleave, so every handler sees each
	 * object's history in order (client-go's blockDeltas).  Order: hmu, then mu. */
	pthread_mutex_t hmu;

	bool synced;
	int64_t rv;
	cube_informer_stats stats;

	pthread_t thread;
	bool started;
	atomic_int stop;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- built-in indexes ---------------------------------------------------------------- */

size_t cube_index_namespace(const cJSON *obj, char (*vals)[256], size_t max)
{
	const char *ns = cube_obj_namespace(obj);
	if (!ns || !max)
		return 0;
	snprintf(vals[0], 256, "%s", ns);
	return 1;
}

size_t cube_index_node_name(const cJSON *obj, char (*vals)[256], size_t max)
{
	const char *n = cube_json_str(obj, "spec.nodeName");
	if (!n || !n[0] || !max)
		return 0;
	snprintf(vals[0], 256, "%s", n);
	return 1;
}

size_t cube_index_owner_uid(const cJSON *obj, char (*vals)[256], size_t max)
{
	size_t n = 0;
	const cJSON *r;
	cJSON_ArrayForEach (r, cube_json_path(obj, "metadata.ownerReferences")) {
		const char *uid = cube_json_str(r, "uid");
		if (uid && n < max)
			snprintf(vals[n++], 256, "%s", uid);
	}
	return n;
}

size_t cube_index_labels(const cJSON *obj, char (*vals)[256], size_t max)
{
	size_t n = 0;
	const cJSON *l;
	cJSON_ArrayForEach (l, cube_obj_labels(obj)) {
		if (cJSON_IsString(l) && n < max)
			snprintf(vals[n++], 256, "%s=%s", l->string, l->valuestring);
	}
	return n;
}

void cube_informer_strip_managed(cJSON *obj, void *ud)
{
	(void)ud;
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(md, "annotations"),
						"kubectl.kubernetes.io/last-applied-configuration");
}

/* ---- the cache, under mu ------------------------------------------------------------------ */

static void index_remove(cube_informer *inf, const cube_robj *o)
{
	char vals[MAX_INDEX_VALUES][256];
	for (size_t i = 0; i < inf->n_idx; i++) {
		size_t n = inf->idx[i].fn(o->json, vals, MAX_INDEX_VALUES);
		for (size_t j = 0; j < n; j++) {
			cube_strmap *keys = cube_strmap_get(inf->idx[i].values, vals[j]);
			if (!keys)
				continue;
			cube_strmap_del(keys, o->key);
			if (cube_strmap_len(keys) == 0)
				cube_strmap_free(cube_strmap_del(inf->idx[i].values, vals[j]));
		}
	}
}

static void index_add(cube_informer *inf, const cube_robj *o)
{
	char vals[MAX_INDEX_VALUES][256];
	for (size_t i = 0; i < inf->n_idx; i++) {
		size_t n = inf->idx[i].fn(o->json, vals, MAX_INDEX_VALUES);
		for (size_t j = 0; j < n; j++) {
			cube_strmap *keys = cube_strmap_get(inf->idx[i].values, vals[j]);
			if (!keys) {
				keys = cube_strmap_new();
				if (!keys ||
				    cube_strmap_put(inf->idx[i].values, vals[j], keys, NULL) < 0) {
					cube_strmap_free(keys);
					continue;
				}
			}
			cube_strmap_put(keys, o->key, (void *)1, NULL);
		}
	}
}

/* Stores o (taking the caller's reference); returns the replaced object
 * with the cache's reference (the caller drops it), or NULL. */
static cube_robj *store_put(cube_informer *inf, cube_robj *o)
{
	cube_robj *old = NULL;
	if (cube_strmap_put(inf->objs, o->key, o, (void **)&old) < 0) {
		cube_robj_unref(o);
		return NULL;
	}
	if (old)
		index_remove(inf, old);
	index_add(inf, o);
	return old;
}

static cube_robj *store_del(cube_informer *inf, const char *key)
{
	cube_robj *old = cube_strmap_del(inf->objs, key);
	if (old)
		index_remove(inf, old);
	return old;
}

/* ---- handlers (called with hmu held) ------------------------------------------------------ */

static void call_add(cube_informer *inf, cube_robj *o)
{
	for (size_t i = 0; i < inf->n_h; i++)
		if (inf->h[i].on_add)
			inf->h[i].on_add(inf->h[i].ud, o);
}

static void call_update(cube_informer *inf, cube_robj *old, cube_robj *cur)
{
	for (size_t i = 0; i < inf->n_h; i++)
		if (inf->h[i].on_update)
			inf->h[i].on_update(inf->h[i].ud, old, cur);
}

static void call_delete(cube_informer *inf, cube_robj *last)
{
	for (size_t i = 0; i < inf->n_h; i++)
		if (inf->h[i].on_delete)
			inf->h[i].on_delete(inf->h[i].ud, last);
}

/* Applies one object (json borrowed: the cache keeps a frozen copy) as an
 * add or update. */
static void apply_upsert(cube_informer *inf, const cJSON *json)
{
	cube_err err = CUBE_ERR_INIT;
	cube_robj *o = cube_robj_from(json, 0, &err);
	if (!o) {
		cube_log_warn("informer %s: object dropped: %s", inf->gvr.resource, err.msg);
		return;
	}
	cube_robj_ref(o); /* ours, for the handlers */
	pthread_mutex_lock(&inf->hmu);
	pthread_mutex_lock(&inf->mu);
	cube_robj *old = store_put(inf, o);
	bool stored = cube_strmap_get(inf->objs, o->key) == o;
	inf->stats.objects = cube_strmap_len(inf->objs);
	pthread_mutex_unlock(&inf->mu);
	if (old)
		call_update(inf, old, o);
	else if (stored)
		call_add(inf, o); /* not when the store refused it (ENOMEM) */
	pthread_mutex_unlock(&inf->hmu);
	cube_robj_unref(old);
	cube_robj_unref(o);
}

/* Removes key from the cache and announces it, if it was there. */
static void apply_delete_key(cube_informer *inf, const char *key)
{
	pthread_mutex_lock(&inf->hmu);
	pthread_mutex_lock(&inf->mu);
	cube_robj *old = store_del(inf, key);
	inf->stats.objects = cube_strmap_len(inf->objs);
	pthread_mutex_unlock(&inf->mu);
	if (old)
		call_delete(inf, old);
	pthread_mutex_unlock(&inf->hmu);
	cube_robj_unref(old);
}

static void apply_delete(cube_informer *inf, const cJSON *json)
{
	char key[CUBE_OBJ_KEY_MAX];
	if (cube_obj_key(json, key, sizeof(key), NULL) < 0)
		return;
	apply_delete_key(inf, key);
}

/* ---- list and watch ------------------------------------------------------------------------- */

struct listing {
	cube_informer *inf;
	cube_strmap *seen; /* keys listed; NULL on ENOMEM (then nothing is deleted) */
	int64_t rv;
	bool first;
};

/* Applies one page of a list: each item is frozen into the cache as it
 * comes, so that the whole list never lives in memory as a parsed tree. */
static int list_page(void *ud, cJSON *list, cube_err *err)
{
	(void)err;
	struct listing *l = ud;
	cube_informer *inf = l->inf;
	if (l->first)
		l->rv = cube_json_int(list, "metadata.resourceVersion", 0);
	l->first = false;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(list, "items");
	cJSON *it;
	cJSON_ArrayForEach (it, items) {
		/* List items may lack kind/apiVersion: give them back for consumers. */
		if (!cube_obj_kind(it)) {
			cube_json_set_str(it, "kind", inf->gvr.kind);
			char av[96];
			if (inf->gvr.group[0])
				snprintf(av, sizeof(av), "%s/%s", inf->gvr.group, inf->gvr.version);
			else
				snprintf(av, sizeof(av), "%s", inf->gvr.version);
			cube_json_set_str(it, "apiVersion", av);
		}
		if (inf->transform)
			inf->transform(it, inf->transform_ud);
		char key[CUBE_OBJ_KEY_MAX];
		if (cube_obj_key(it, key, sizeof(key), NULL) < 0)
			continue;
		if (l->seen && cube_strmap_put(l->seen, key, (void *)1, NULL) < 0) {
			cube_strmap_free(l->seen); /* ENOMEM: deletes wait for the next list */
			l->seen = NULL;
		}
		/* Unchanged objects (same resourceVersion) are not re-announced. */
		pthread_mutex_lock(&inf->mu);
		cube_robj *cur = cube_strmap_get(inf->objs, key);
		bool same = cur && cube_json_int(it, "metadata.resourceVersion", -1) == cur->rv;
		pthread_mutex_unlock(&inf->mu);
		if (!same)
			apply_upsert(inf, it);
	}
	cJSON_Delete(list);
	return 0;
}

/* Lists and replaces the cache, telling the handlers what changed.  Pages
 * are applied as they come (as their objects do on a watch); deletions are
 * told once the whole list is in. */
static int relist(cube_informer *inf, cube_err *err)
{
	cube_list_opts lo = {.label_selector = inf->label_sel, .field_selector = inf->field_sel};
	struct listing l = {.inf = inf, .seen = cube_strmap_new(), .first = true};
	if (cube_kclient_list_pages(inf->c, &inf->gvr, inf->ns, &lo, inf->page, list_page, &l,
				    err) < 0) {
		cube_strmap_free(l.seen);
		return -1;
	}
	int64_t rv = l.rv;
	cube_strmap *seen = l.seen;
	/* Whatever the list no longer has was deleted while we were away. */
	if (seen) {
		pthread_mutex_lock(&inf->mu);
		size_t n = cube_strmap_len(inf->objs);
		const char **keys = calloc(n + 1, sizeof(*keys));
		char **gone = calloc(n + 1, sizeof(*gone));
		size_t ng = 0;
		if (keys && gone) {
			size_t nk = cube_strmap_sorted_keys(inf->objs, keys);
			for (size_t i = 0; i < nk; i++)
				if (!cube_strmap_get(seen, keys[i]))
					gone[ng++] = strdup(keys[i]);
		}
		pthread_mutex_unlock(&inf->mu);
		for (size_t i = 0; i < ng; i++) {
			if (gone[i])
				apply_delete_key(inf, gone[i]);
			free(gone[i]);
		}
		free(keys);
		free(gone);
		cube_strmap_free(seen);
	}
	/* The pages' parsed trees and bodies were freed, in pieces among the
	 * cache's: give the whole free pages back (a list is rare and large).
	 * Not under ASan: its allocator is not glibc's, whose arenas are then
	 * never set up, and two first malloc_trim calls race setting them up
	 * (a cubelet crashed so in mtrim). */
#ifndef __SANITIZE_ADDRESS__
	malloc_trim(0);
#endif
	pthread_mutex_lock(&inf->mu);
	inf->rv = rv;
	inf->stats.rv = rv;
	inf->stats.lists++;
	if (!inf->synced) {
		inf->synced = true;
		pthread_cond_broadcast(&inf->cond);
	}
	pthread_mutex_unlock(&inf->mu);
	return 0;
}

static int on_watch_event(void *ud, const char *type, cJSON *obj)
{
	cube_informer *inf = ud;
	int64_t rv = cube_json_int(obj, "metadata.resourceVersion", 0);
	if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		if (inf->transform) {
			cube_autojson cJSON *copy = cube_obj_copy(obj); /* obj is the stream's */
			if (copy) {
				inf->transform(copy, inf->transform_ud);
				apply_upsert(inf, copy);
			}
		} else {
			apply_upsert(inf, obj);
		}
	} else if (!strcmp(type, "DELETED")) {
		apply_delete(inf, obj);
	} else if (strcmp(type, "BOOKMARK") != 0) {
		return 0; /* ERROR events other than 410 are reported by the client */
	}
	pthread_mutex_lock(&inf->mu);
	if (rv > inf->rv)
		inf->rv = rv;
	inf->stats.rv = inf->rv;
	if (strcmp(type, "BOOKMARK") != 0)
		inf->stats.events++;
	pthread_mutex_unlock(&inf->mu);
	return atomic_load(&inf->stop) ? -1 : 0;
}

static void resync(cube_informer *inf)
{
	cube_robj **objs;
	pthread_mutex_lock(&inf->hmu);
	size_t n = cube_informer_list(inf, &objs);
	for (size_t i = 0; i < n; i++)
		call_update(inf, objs[i], objs[i]);
	pthread_mutex_unlock(&inf->hmu);
	cube_robj_list_free(objs, n);
}

static bool nap(cube_informer *inf, int64_t ms)
{
	for (int64_t t = 0; t < ms && !atomic_load(&inf->stop); t += 50)
		nanosleep(&(struct timespec){0, 50000000L}, NULL);
	return !atomic_load(&inf->stop);
}

static void *informer_main(void *arg)
{
	cube_informer *inf = arg;
	int64_t backoff = 1000;
	bool need_list = true;
	int64_t next_resync = inf->resync_s > 0 ? now_ms() + inf->resync_s * 1000L : 0;
	while (!atomic_load(&inf->stop)) {
		cube_err err = CUBE_ERR_INIT;
		if (need_list) {
			if (relist(inf, &err) < 0) {
				cube_log_warn("informer %s: list failed: %s; retrying in %lld ms",
					      inf->gvr.resource, err.msg, (long long)backoff);
				if (!nap(inf, backoff))
					break;
				backoff = backoff * 2 > 30000 ? 30000 : backoff * 2;
				continue;
			}
			need_list = false;
		}
		char rvs[24];
		pthread_mutex_lock(&inf->mu);
		snprintf(rvs, sizeof(rvs), "%lld", (long long)inf->rv);
		inf->stats.watches++;
		pthread_mutex_unlock(&inf->mu);
		unsigned r = 0;
		if (getrandom(&r, sizeof(r), 0) < 0)
			r = 0;
		/* Resync wakes the watch by its timeout: keep watches shorter than it. */
		int timeout = inf->watch_timeout_s ? inf->watch_timeout_s : 300 + (int)(r % 300);
		if (inf->resync_s > 0 && timeout > inf->resync_s)
			timeout = inf->resync_s;
		cube_watch_opts wo = {.label_selector = inf->label_sel,
				      .field_selector = inf->field_sel,
				      .resource_version = rvs,
				      .timeout_s = timeout,
				      .bookmarks = true};
		int64_t started = now_ms();
		int rc = cube_kclient_watch(inf->c, &inf->gvr, inf->ns, &wo, on_watch_event, inf,
					    &inf->stop, &err);
		if (atomic_load(&inf->stop))
			break;
		if (next_resync && now_ms() >= next_resync) {
			resync(inf);
			next_resync = now_ms() + inf->resync_s * 1000L;
		}
		if (rc == 0 && now_ms() - started >= 1000) {
			backoff = 1000;
			continue; /* the server ended the stream: watch again from our rv */
		}
		if (rc == 0) {
			/* A stream that ends at once, again and again, must not loop hot:
			 * treat it as a failure (client-go does the same). */
			cube_err_set(&err, CUBE_EPROTO, "the watch ended at once");
		}
		if (err.code == CUBE_ECOMPACTED) {
			cube_log_info("informer %s: %s; listing again", inf->gvr.resource, err.msg);
			need_list = true;
			continue;
		}
		cube_log_warn("informer %s: watch: %s; retrying in %lld ms", inf->gvr.resource,
			      err.msg, (long long)backoff);
		if (!nap(inf, backoff))
			break;
		/* A watch that lived a while was healthy: start the back-off over. */
		backoff = now_ms() - started > 10000 ? 1000
						     : (backoff * 2 > 30000 ? 30000 : backoff * 2);
	}
	return NULL;
}

/* ---- public ---------------------------------------------------------------------------------- */

cube_informer *cube_informer_new(cube_kclient *c, const cube_informer_opts *o, cube_err *err)
{
	cube_informer *inf = calloc(1, sizeof(*inf));
	if (!inf)
		goto oom;
	inf->c = c;
	inf->gvr = *o->gvr;
	inf->resync_s = o->resync_s;
	inf->page = o->page > 0 ? o->page : 500;
	inf->watch_timeout_s = o->watch_timeout_s;
	inf->transform = o->transform;
	inf->transform_ud = o->transform_ud;
	pthread_mutex_init(&inf->mu, NULL);
	pthread_mutex_init(&inf->hmu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&inf->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((o->ns && !(inf->ns = strdup(o->ns))) ||
	    (o->label_selector && !(inf->label_sel = strdup(o->label_selector))) ||
	    (o->field_selector && !(inf->field_sel = strdup(o->field_selector))) ||
	    !(inf->objs = cube_strmap_new()))
		goto oom;
	return inf;
oom:
	cube_informer_free(inf);
	cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return NULL;
}

int cube_informer_add_handlers(cube_informer *inf, const cube_informer_handlers *h, cube_err *err)
{
	pthread_mutex_lock(&inf->hmu);
	if (inf->n_h == MAX_HANDLERS) {
		pthread_mutex_unlock(&inf->hmu);
		return cube_err_set(err, CUBE_ETOOBIG, "informer %s: too many handlers",
				    inf->gvr.resource);
	}
	inf->h[inf->n_h++] = *h;
	/* A late handler learns the cache's content as adds, before any live call:
	 * the cache cannot change while hmu is held. */
	if (h->on_add) {
		cube_robj **objs;
		size_t n = cube_informer_list(inf, &objs);
		for (size_t i = 0; i < n; i++)
			h->on_add(h->ud, objs[i]);
		cube_robj_list_free(objs, n);
	}
	pthread_mutex_unlock(&inf->hmu);
	return 0;
}

int cube_informer_add_index(cube_informer *inf, const char *name, cube_index_fn fn, cube_err *err)
{
	if (inf->started)
		return cube_err_set(err, CUBE_EINVAL,
				    "informer %s: indexes must be added before start",
				    inf->gvr.resource);
	for (size_t i = 0; i < inf->n_idx; i++)
		if (!strcmp(inf->idx[i].name, name)) {
			if (inf->idx[i].fn == fn)
				return 0; /* a shared informer: another consumer added it */
			return cube_err_set(
				err, CUBE_EEXIST,
				"informer %s: index \"%s\" exists with another function",
				inf->gvr.resource, name);
		}
	if (inf->n_idx == MAX_INDEXES)
		return cube_err_set(err, CUBE_ETOOBIG, "informer %s: too many indexes",
				    inf->gvr.resource);
	struct index *x = &inf->idx[inf->n_idx];
	x->name = strdup(name);
	x->fn = fn;
	x->values = cube_strmap_new();
	if (!x->name || !x->values) {
		free(x->name);
		cube_strmap_free(x->values);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	inf->n_idx++;
	return 0;
}

int cube_informer_start(cube_informer *inf, cube_err *err)
{
	if (inf->started)
		return 0;
	if (pthread_create(&inf->thread, NULL, informer_main, inf) != 0)
		return cube_err_set(err, CUBE_EIO, "informer %s: cannot start its thread",
				    inf->gvr.resource);
	inf->started = true;
	return 0;
}

static int unref_obj(void *ud, const char *key, void *v)
{
	(void)ud, (void)key;
	cube_robj_unref(v);
	return 0;
}

static int free_keys(void *ud, const char *key, void *v)
{
	(void)ud, (void)key;
	cube_strmap_free(v);
	return 0;
}

void cube_informer_free(cube_informer *inf)
{
	if (!inf)
		return;
	if (inf->started) {
		atomic_store(&inf->stop, 1);
		pthread_join(inf->thread, NULL);
	}
	if (inf->objs) {
		cube_strmap_each(inf->objs, unref_obj, NULL);
		cube_strmap_free(inf->objs);
	}
	for (size_t i = 0; i < inf->n_idx; i++) {
		cube_strmap_each(inf->idx[i].values, free_keys, NULL);
		cube_strmap_free(inf->idx[i].values);
		free(inf->idx[i].name);
	}
	free(inf->ns);
	free(inf->label_sel);
	free(inf->field_sel);
	pthread_mutex_destroy(&inf->mu);
	pthread_mutex_destroy(&inf->hmu);
	pthread_cond_destroy(&inf->cond);
	free(inf);
}

bool cube_informer_synced(cube_informer *inf)
{
	pthread_mutex_lock(&inf->mu);
	bool s = inf->synced;
	pthread_mutex_unlock(&inf->mu);
	return s;
}

bool cube_informer_wait_synced(cube_informer *inf, int timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&inf->mu);
	while (!inf->synced && timeout_ms != 0) {
		if (timeout_ms > 0 && pthread_cond_timedwait(&inf->cond, &inf->mu, &until) != 0)
			break;
		if (timeout_ms < 0)
			pthread_cond_wait(&inf->cond, &inf->mu);
	}
	bool s = inf->synced;
	pthread_mutex_unlock(&inf->mu);
	return s;
}

cube_robj *cube_informer_get(cube_informer *inf, const char *key)
{
	pthread_mutex_lock(&inf->mu);
	cube_robj *o = cube_robj_ref(cube_strmap_get(inf->objs, key));
	pthread_mutex_unlock(&inf->mu);
	return o;
}

size_t cube_informer_list(cube_informer *inf, cube_robj ***out)
{
	pthread_mutex_lock(&inf->mu);
	size_t n = cube_strmap_len(inf->objs);
	const char **keys = calloc(n + 1, sizeof(*keys));
	cube_robj **objs = calloc(n + 1, sizeof(*objs));
	size_t m = 0;
	if (keys && objs) {
		size_t nk = cube_strmap_sorted_keys(inf->objs, keys);
		for (size_t i = 0; i < nk; i++)
			objs[m++] = cube_robj_ref(cube_strmap_get(inf->objs, keys[i]));
	}
	pthread_mutex_unlock(&inf->mu);
	free(keys);
	*out = objs;
	return m;
}

struct collect {
	cube_informer *inf;
	cube_robj **objs;
	size_t n;
};

static int collect_key(void *ud, const char *key, void *v)
{
	(void)v;
	struct collect *c = ud;
	cube_robj *o = cube_strmap_get(c->inf->objs, key);
	if (o)
		c->objs[c->n++] = cube_robj_ref(o);
	return 0;
}

size_t cube_informer_by_index(cube_informer *inf, const char *index, const char *value,
			      cube_robj ***out)
{
	*out = NULL;
	pthread_mutex_lock(&inf->mu);
	cube_strmap *keys = NULL;
	for (size_t i = 0; i < inf->n_idx; i++)
		if (!strcmp(inf->idx[i].name, index))
			keys = cube_strmap_get(inf->idx[i].values, value);
	struct collect c = {.inf = inf};
	if (keys) {
		c.objs = calloc(cube_strmap_len(keys) + 1, sizeof(*c.objs));
		if (c.objs)
			cube_strmap_each(keys, collect_key, &c);
	}
	pthread_mutex_unlock(&inf->mu);
	*out = c.objs ? c.objs : calloc(1, sizeof(cube_robj *));
	return c.n;
}

void cube_robj_list_free(cube_robj **objs, size_t n)
{
	for (size_t i = 0; objs && i < n; i++)
		cube_robj_unref(objs[i]);
	free(objs);
}

void cube_informer_get_stats(cube_informer *inf, cube_informer_stats *out)
{
	pthread_mutex_lock(&inf->mu);
	*out = inf->stats;
	pthread_mutex_unlock(&inf->mu);
}

/* ---- the factory ---------------------------------------------------------------------------- */

#define MAX_SHARED 32

struct cube_informer_factory {
	cube_kclient *c;
	int resync_s;
	pthread_mutex_t mu;
	struct {
		char id[512];
		cube_informer *inf;
	} infs[MAX_SHARED];
	size_t n;
};

cube_informer_factory *cube_informer_factory_new(cube_kclient *c, int resync_s, cube_err *err)
{
	cube_informer_factory *f = calloc(1, sizeof(*f));
	if (!f) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	f->c = c;
	f->resync_s = resync_s;
	pthread_mutex_init(&f->mu, NULL);
	return f;
}

cube_informer *cube_informer_factory_get(cube_informer_factory *f, const cube_gvr *gvr,
					 const char *ns, const char *label_selector,
					 const char *field_selector, cube_err *err)
{
	char id[512];
	snprintf(id, sizeof(id), "%s/%s|%s|%s|%s", gvr->group, gvr->resource, ns ? ns : "",
		 label_selector ? label_selector : "", field_selector ? field_selector : "");
	pthread_mutex_lock(&f->mu);
	for (size_t i = 0; i < f->n; i++) {
		if (!strcmp(f->infs[i].id, id)) {
			cube_informer *inf = f->infs[i].inf;
			pthread_mutex_unlock(&f->mu);
			return inf;
		}
	}
	cube_informer *inf = NULL;
	if (f->n == MAX_SHARED) {
		cube_err_set(err, CUBE_ETOOBIG, "too many shared informers");
	} else {
		cube_informer_opts o = {.gvr = gvr,
					.ns = ns,
					.label_selector = label_selector,
					.field_selector = field_selector,
					.resync_s = f->resync_s};
		inf = cube_informer_new(f->c, &o, err);
		if (inf) {
			snprintf(f->infs[f->n].id, sizeof(f->infs[f->n].id), "%s", id);
			f->infs[f->n++].inf = inf;
		}
	}
	pthread_mutex_unlock(&f->mu);
	return inf;
}

int cube_informer_factory_start(cube_informer_factory *f, int timeout_ms, cube_err *err)
{
	pthread_mutex_lock(&f->mu);
	size_t n = f->n;
	for (size_t i = 0; i < n; i++)
		if (cube_informer_start(f->infs[i].inf, err) < 0) {
			pthread_mutex_unlock(&f->mu);
			return -1;
		}
	pthread_mutex_unlock(&f->mu);
	for (size_t i = 0; i < n; i++)
		if (!cube_informer_wait_synced(f->infs[i].inf, timeout_ms ? timeout_ms : -1))
			return cube_err_set(err, CUBE_ETIMEOUT, "informer %s did not sync in %d ms",
					    f->infs[i].inf->gvr.resource, timeout_ms);
	return 0;
}

void cube_informer_factory_free(cube_informer_factory *f)
{
	if (!f)
		return;
	/* Tell every informer first: each takes up to a second to notice, and
	 * they notice together rather than one after the other. */
	for (size_t i = 0; i < f->n; i++)
		atomic_store(&f->infs[i].inf->stop, 1);
	for (size_t i = 0; i < f->n; i++)
		cube_informer_free(f->infs[i].inf);
	pthread_mutex_destroy(&f->mu);
	free(f);
}
