/* watchcache.c - list+watch of /registry/ into per-resource caches, and the
 * fan-out to HTTP watchers (see watchcache.h for the design). */
#include "watchcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"
#include "obj.h"
#include "strmap.h"
#include "table_out.h"

#define REGISTRY "/registry/"
#define DEFAULT_WATCH_TIMEOUT_S 1800
#define LIST_PAGE 500

typedef enum { EV_ADDED, EV_MODIFIED, EV_DELETED } ev_type;

typedef struct wc_event {
	ev_type type;
	wc_obj *obj;  /* ADDED/MODIFIED: the new object; DELETED: the last state, RV = deletion */
	wc_obj *prev; /* MODIFIED/DELETED: the object before; NULL for ADDED */
	int64_t rv;
} wc_event;

typedef struct watcher {
	struct rcache *rc;
	cube_httpd_stream *stream;
	char *ns, *name;
	cube_labelsel *ls;
	cube_fieldsel *fs;
	bool bookmarks;
	char table[8]; /* "" for plain objects; else the Table version */
	table_include include;
	bool columns_sent; /* Tables carry columnDefinitions in the first event only */
	int64_t deadline_ms;
	int64_t next_bookmark_ms;
	struct watcher *prev, *next;
} watcher;

typedef struct rcache {
	const api_resource *res;
	char prefix[96]; /* "/registry/pods/" */
	size_t prefix_len;
	cube_strmap *objs;  /* "ns/name" -> wc_obj* (the map holds one reference) */
	cube_strmap *by_ns; /* namespace -> cube_strmap of its "ns/name" -> wc_obj* (borrowed) */
	wc_event *ring;
	size_t head, n; /* oldest event at ring[head], n events */
	int64_t oldest; /* a watch may start from any RV >= oldest */
	watcher *watchers;
	size_t n_watchers;
} rcache;

struct watchcache {
	cube_etcd *etcd;
	size_t ring_cap;
	int bookmark_s;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int64_t rv;
	bool ready;
	rcache *rcs; /* one per api_resources row */
	pthread_t thread, ticker;
	bool started;
	atomic_int stop;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- objects -------------------------------------------------------------------------- */

void wc_obj_unref(wc_obj *o)
{
	if (o && __atomic_sub_fetch(&o->_refs, 1, __ATOMIC_ACQ_REL) == 0) {
		cJSON_Delete(o->json);
		free(o->text);
		free(o);
	}
}

static wc_obj *obj_ref(wc_obj *o)
{
	if (o)
		__atomic_add_fetch(&o->_refs, 1, __ATOMIC_RELAXED);
	return o;
}

/* Wraps json (taken) with its resourceVersion set to rv. */
static wc_obj *obj_new(cJSON *json, int64_t rv)
{
	char rvs[24];
	snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
	wc_obj *o = calloc(1, sizeof(*o));
	if (!o || cube_obj_set_meta_str(json, "resourceVersion", rvs) < 0 ||
	    !(o->text = cJSON_PrintUnformatted(json))) {
		free(o);
		cJSON_Delete(json);
		return NULL;
	}
	o->json = json;
	o->len = strlen(o->text);
	o->rv = rv;
	o->_refs = 1;
	return o;
}

/* ---- matching ----------------------------------------------------------------------------- */

static bool filter_match(const char *ns, const char *name, const cube_labelsel *ls,
			 const cube_fieldsel *fs, const wc_obj *o)
{
	if (!o)
		return false;
	if (ns) {
		const char *ons = cube_obj_namespace(o->json);
		if (!ons || strcmp(ons, ns))
			return false;
	}
	if (name) {
		const char *on = cube_obj_name(o->json);
		if (!on || strcmp(on, name))
			return false;
	}
	if (ls && !cube_labelsel_matches(ls, cube_obj_labels(o->json)))
		return false;
	if (fs && !cube_fieldsel_matches_json(fs, o->json))
		return false;
	return true;
}

static bool watcher_match(const watcher *w, const wc_obj *o)
{
	return filter_match(w->ns, w->name, w->ls, w->fs, o);
}

/* ---- watchers ------------------------------------------------------------------------------- */

static void watcher_free(watcher *w)
{
	if (w->stream) {
		cube_httpd_stream_end(w->stream);
		cube_httpd_stream_unref(w->stream);
	}
	free(w->ns);
	free(w->name);
	cube_labelsel_free(w->ls);
	cube_fieldsel_free(w->fs);
	free(w);
}

static void watcher_unlink(rcache *rc, watcher *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		rc->watchers = w->next;
	if (w->next)
		w->next->prev = w->prev;
	rc->n_watchers--;
}

/* Sends one event whose object is a one-row Table (kubectl get -w). */
static int send_table_event(watcher *w, const char *type, const wc_obj *o)
{
	cJSON *rows = cJSON_CreateArray();
	cJSON_AddItemToArray(rows, api_table_row(w->rc->res, o->json, time(NULL), w->include));
	cube_autofree char *t =
		api_table_text(w->rc->res, w->table, o->rv, NULL, 0, rows, !w->columns_sent);
	if (!t)
		return -1;
	w->columns_sent = true;
	size_t tl = strlen(t);
	cube_autofree char *line = malloc(tl + 64);
	if (!line)
		return -1;
	int n = snprintf(line, tl + 64, "{\"type\":\"%s\",\"object\":%s}\n", type, t);
	return cube_httpd_stream_write(w->stream, line, (size_t)n);
}

/* Sends one event line; -1 if the watcher is gone (slow or disconnected). */
static int send_event(watcher *w, const char *type, const wc_obj *o)
{
	if (w->table[0])
		return send_table_event(w, type, o);
	static const char head[] = "{\"type\":\"";
	static const char mid[] = "\",\"object\":";
	size_t tl = strlen(type);
	size_t n = sizeof(head) - 1 + tl + sizeof(mid) - 1 + o->len + 2;
	cube_autofree char *line = malloc(n);
	if (!line)
		return -1;
	char *p = line;
	memcpy(p, head, sizeof(head) - 1), p += sizeof(head) - 1;
	memcpy(p, type, tl), p += tl;
	memcpy(p, mid, sizeof(mid) - 1), p += sizeof(mid) - 1;
	memcpy(p, o->text, o->len), p += o->len;
	*p++ = '}';
	*p++ = '\n';
	return cube_httpd_stream_write(w->stream, line, n);
}

/* Delivers one event to one watcher, translating selector transitions. */
static int deliver(watcher *w, const wc_event *e)
{
	bool cur = e->type != EV_DELETED && watcher_match(w, e->obj);
	bool old = e->prev && watcher_match(w, e->prev);
	switch (e->type) {
	case EV_ADDED:
		return cur ? send_event(w, "ADDED", e->obj) : 0;
	case EV_MODIFIED:
		if (cur && old)
			return send_event(w, "MODIFIED", e->obj);
		if (cur)
			return send_event(w, "ADDED", e->obj);
		if (old) {
			/* It left the selection: DELETED, with the new object's state as
			 * Kubernetes sends it (the latest resourceVersion). */
			return send_event(w, "DELETED", e->obj);
		}
		return 0;
	case EV_DELETED:
		return old ? send_event(w, "DELETED", e->obj) : 0;
	}
	return 0;
}

static void end_all_watchers(watchcache *wc)
{
	for (size_t i = 0; i < api_resources_len; i++) {
		rcache *rc = &wc->rcs[i];
		while (rc->watchers) {
			watcher *w = rc->watchers;
			watcher_unlink(rc, w);
			watcher_free(w);
		}
	}
}

/* ---- applying etcd events -----------------------------------------------------------------------
 */

static rcache *rcache_for_key(watchcache *wc, const char *key)
{
	for (size_t i = 0; i < api_resources_len; i++)
		if (!strncmp(key, wc->rcs[i].prefix, wc->rcs[i].prefix_len))
			return &wc->rcs[i];
	return NULL;
}

/* "ns/name" (or "name") of a registry key, or NULL if it has no name part. */
static const char *key_suffix(const rcache *rc, const char *key)
{
	const char *s = key + rc->prefix_len;
	return *s ? s : NULL;
}

/* ---- the object store of one resource, indexed by namespace ---- */

static cube_strmap *g_empty;
static void make_empty(void)
{
	g_empty = cube_strmap_new();
}

/* The map to scan for a namespace filter: that namespace's index, or all. */
static const cube_strmap *store_scope(rcache *rc, const char *ns)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	if (!ns || !rc->res->namespaced)
		return rc->objs;
	cube_strmap *m = cube_strmap_get(rc->by_ns, ns);
	if (m)
		return m;
	pthread_once(&once, make_empty);
	return g_empty;
}

/* Puts o (taking the caller's reference) under key k ("ns/name"); the
 * previous object, if any, is returned with the map's reference. */
static int store_put(rcache *rc, const char *k, wc_obj *o, wc_obj **prev)
{
	if (cube_strmap_put(rc->objs, k, o, (void **)prev) < 0)
		return -1;
	const char *slash = rc->res->namespaced ? strchr(k, '/') : NULL;
	if (slash) {
		char ns[256];
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - k), k);
		cube_strmap *m = cube_strmap_get(rc->by_ns, ns);
		if (!m && (m = cube_strmap_new()) && cube_strmap_put(rc->by_ns, ns, m, NULL) < 0) {
			cube_strmap_free(m);
			m = NULL;
		}
		if (m)
			cube_strmap_put(m, k, o, NULL);
	}
	return 0;
}

/* Removes k; returns the object with the map's reference, or NULL. */
static wc_obj *store_del(rcache *rc, const char *k)
{
	wc_obj *o = cube_strmap_del(rc->objs, k);
	const char *slash = rc->res->namespaced ? strchr(k, '/') : NULL;
	if (o && slash) {
		char ns[256];
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - k), k);
		cube_strmap *m = cube_strmap_get(rc->by_ns, ns);
		if (m) {
			cube_strmap_del(m, k);
			if (cube_strmap_len(m) == 0)
				cube_strmap_free(cube_strmap_del(rc->by_ns, ns));
		}
	}
	return o;
}

static int unref_value(void *ud, const char *key, void *value)
{
	(void)ud, (void)key;
	wc_obj_unref(value);
	return 0;
}

static int free_map_value(void *ud, const char *key, void *value)
{
	(void)ud, (void)key;
	cube_strmap_free(value);
	return 0;
}

/* Empties the store (the maps are replaced by new empty ones). */
static void store_clear(rcache *rc)
{
	if (rc->objs) {
		cube_strmap_each(rc->objs, unref_value, NULL);
		cube_strmap_free(rc->objs);
	}
	if (rc->by_ns) {
		cube_strmap_each(rc->by_ns, free_map_value, NULL);
		cube_strmap_free(rc->by_ns);
	}
	rc->objs = cube_strmap_new();
	rc->by_ns = cube_strmap_new();
}

static void ring_push(watchcache *wc, rcache *rc, wc_event e)
{
	if (rc->n == wc->ring_cap) {
		wc_event *old = &rc->ring[rc->head];
		rc->oldest = old->rv;
		wc_obj_unref(old->obj);
		wc_obj_unref(old->prev);
		rc->head = (rc->head + 1) % wc->ring_cap;
		rc->n--;
	}
	rc->ring[(rc->head + rc->n) % wc->ring_cap] = e;
	rc->n++;
}

static void fanout(rcache *rc, const wc_event *e)
{
	for (watcher *w = rc->watchers, *next; w; w = next) {
		next = w->next;
		if (deliver(w, e) < 0) {
			watcher_unlink(rc, w);
			watcher_free(w);
		}
	}
}

/* Applies one etcd event under wc->mu. */
static void apply(watchcache *wc, const cube_etcd_event *ev)
{
	rcache *rc = rcache_for_key(wc, ev->kv.key);
	const char *k = rc ? key_suffix(rc, ev->kv.key) : NULL;
	if (!k)
		return; /* not an object we serve */
	wc_event e = {.rv = ev->kv.mod_rev};
	wc_obj *prev = NULL;
	if (ev->type == CUBE_ETCD_EV_PUT) {
		cube_err perr = CUBE_ERR_INIT;
		cJSON *j = cube_json_parse(ev->kv.value, ev->kv.value_len, &perr);
		if (!j) {
			cube_log_warn("watch cache: %s holds invalid JSON (%s); ignored",
				      ev->kv.key, perr.msg);
			return;
		}
		wc_obj *o = obj_new(j, ev->kv.mod_rev);
		if (!o)
			return;
		if (store_put(rc, k, o, &prev) < 0) {
			wc_obj_unref(o);
			return;
		}
		e.type = prev ? EV_MODIFIED : EV_ADDED;
		e.obj = obj_ref(o);
		e.prev = prev; /* the map's reference moves to the event */
	} else {
		prev = store_del(rc, k);
		if (!prev)
			return;
		cJSON *copy = cube_obj_copy(prev->json);
		wc_obj *o = copy ? obj_new(copy, ev->kv.mod_rev) : NULL;
		if (!o) {
			wc_obj_unref(prev);
			return;
		}
		e.type = EV_DELETED;
		e.obj = o;
		e.prev = prev;
	}
	fanout(rc, &e);
	ring_push(wc, rc, e);
}

static int on_batch(void *ud, const cube_etcd_watch_batch *b)
{
	watchcache *wc = ud;
	pthread_mutex_lock(&wc->mu);
	if (b->error) {
		if (wc->ready)
			cube_log_warn("watch cache: %s; ending watches until etcd is back",
				      b->error);
		wc->ready = false;
		/* Watchers are told by the end of their stream; they resume from their
		 * last resourceVersion, which the ring still holds when etcd returns. */
		end_all_watchers(wc);
	} else {
		if (!wc->ready && (b->created || b->n)) {
			cube_log_info("watch cache: watching etcd again at revision %lld",
				      (long long)wc->rv);
			wc->ready = true;
		}
		for (size_t i = 0; i < b->n; i++) {
			apply(wc, &b->events[i]);
			wc->rv = b->events[i].kv.mod_rev;
		}
		if (b->n == 0 && !b->created && b->revision > wc->rv)
			wc->rv = b->revision; /* progress */
	}
	pthread_cond_broadcast(&wc->cond);
	pthread_mutex_unlock(&wc->mu);
	return atomic_load(&wc->stop) ? -1 : 0;
}

static void clear_caches(watchcache *wc)
{
	for (size_t i = 0; i < api_resources_len; i++) {
		rcache *rc = &wc->rcs[i];
		store_clear(rc);
		for (size_t j = 0; j < rc->n; j++) {
			wc_event *e = &rc->ring[(rc->head + j) % wc->ring_cap];
			wc_obj_unref(e->obj);
			wc_obj_unref(e->prev);
		}
		rc->head = rc->n = 0;
	}
}

/* ---- history after a (re)list ---------------------------------------------------- */

/* A fresh cache would answer 410 to every watch from before its list, so
 * that every client relists after an API server restart.  etcd still has
 * that history unless it was compacted: read the last ring_cap revisions
 * (with each event's previous value, for selector transitions) into the
 * rings, so that watches resume across a restart as they do across a broken
 * connection. */
struct backfill {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int64_t upto; /* the list's revision: history ends here */
	cube_etcd_event *evs;
	size_t n, cap;
	int64_t compacted; /* > 0: history starts here */
	bool done;
	bool progress; /* something arrived since the last check */
};

static int on_history(void *ud, const cube_etcd_watch_batch *b)
{
	struct backfill *bf = ud;
	pthread_mutex_lock(&bf->mu);
	bf->progress = true;
	if (b->compact_revision > 0) {
		bf->compacted = b->compact_revision;
		bf->done = true;
	}
	for (size_t i = 0; i < b->n && !bf->done; i++) {
		const cube_etcd_event *e = &b->events[i];
		if (e->kv.mod_rev > bf->upto) {
			bf->done = true;
			break;
		}
		if (bf->n == bf->cap) {
			size_t cap = bf->cap ? bf->cap * 2 : 256;
			cube_etcd_event *ne = realloc(bf->evs, cap * sizeof(*ne));
			if (!ne) {
				bf->done = true;
				break;
			}
			bf->evs = ne;
			bf->cap = cap;
		}
		/* Deep copy: the batch is freed when we return. */
		cube_etcd_event *c = &bf->evs[bf->n];
		memset(c, 0, sizeof(*c));
		c->type = e->type;
		c->kv = e->kv;
		c->kv.key = strdup(e->kv.key ? e->kv.key : "");
		c->kv.value = malloc(e->kv.value_len + 1);
		if (c->kv.value) {
			memcpy(c->kv.value, e->kv.value ? e->kv.value : "", e->kv.value_len);
			c->kv.value[e->kv.value_len] = '\0';
		}
		if (e->has_prev) {
			c->has_prev = true;
			c->prev = e->prev;
			c->prev.key = strdup(e->prev.key ? e->prev.key : "");
			c->prev.value = malloc(e->prev.value_len + 1);
			if (c->prev.value) {
				memcpy(c->prev.value, e->prev.value ? e->prev.value : "",
				       e->prev.value_len);
				c->prev.value[e->prev.value_len] = '\0';
			}
		}
		bf->n++;
		if (e->kv.mod_rev == bf->upto)
			bf->done = true;
	}
	pthread_cond_broadcast(&bf->cond);
	pthread_mutex_unlock(&bf->mu);
	return bf->done ? -1 : 0;
}

static wc_obj *obj_from_kv(const cube_etcd_kv *kv, int64_t rv)
{
	cJSON *j = cube_json_parse(kv->value ? kv->value : "", kv->value_len, NULL);
	return j ? obj_new(j, rv) : NULL;
}

/* Reads history (upto - ring_cap, upto] into the rings; returns the revision
 * from which watches can be served (the list's own when there is none). */
static int64_t backfill(watchcache *wc, int64_t upto)
{
	int64_t from = upto - (int64_t)wc->ring_cap + 1;
	if (from < 1)
		from = 1;
	struct backfill bf = {.mu = PTHREAD_MUTEX_INITIALIZER, .upto = upto};
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&bf.cond, &ca);
	pthread_condattr_destroy(&ca);
	for (int attempt = 0; attempt < 2; attempt++) {
		cube_etcd_watch_opts o = {
			.key = REGISTRY, .prefix = true, .start_rev = from, .prev_kv = true};
		cube_etcd_watcher *w = cube_etcd_watcher_start(wc->etcd, &o, on_history, &bf, NULL);
		if (!w)
			break;
		/* Done when the list's revision arrives, or when nothing more comes for
		 * half a second (the last write may lie outside /registry/). */
		pthread_mutex_lock(&bf.mu);
		for (int idle = 0; !bf.done && idle < 5 && !atomic_load(&wc->stop);) {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += 100000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&bf.cond, &bf.mu, &until);
			idle = bf.progress ? 0 : idle + 1;
			bf.progress = false;
		}
		bool compacted = bf.compacted > 0;
		int64_t crev = bf.compacted;
		pthread_mutex_unlock(&bf.mu);
		cube_etcd_watcher_stop(w, NULL);
		if (!compacted || crev <= from || crev > upto)
			break;
		/* The start was compacted away: take what is left. */
		from = crev;
		for (size_t i = 0; i < bf.n; i++) {
			cube_etcd_kv_clear(&bf.evs[i].kv);
			cube_etcd_kv_clear(&bf.evs[i].prev);
		}
		bf.n = 0;
		bf.done = false;
		bf.compacted = 0;
	}
	if (bf.compacted > 0 && bf.compacted > from)
		from = upto + 1; /* no usable history */

	pthread_mutex_lock(&wc->mu);
	for (size_t i = 0; i < bf.n; i++) {
		cube_etcd_event *e = &bf.evs[i];
		rcache *rc = rcache_for_key(wc, e->kv.key);
		const char *k = rc ? key_suffix(rc, e->kv.key) : NULL;
		if (k) {
			wc_event ev = {.rv = e->kv.mod_rev};
			wc_obj *prev = e->has_prev ? obj_from_kv(&e->prev, e->prev.mod_rev) : NULL;
			if (e->type == CUBE_ETCD_EV_PUT) {
				ev.type = e->kv.create_rev == e->kv.mod_rev || !prev ? EV_ADDED
										     : EV_MODIFIED;
				ev.obj = obj_from_kv(&e->kv, e->kv.mod_rev);
				ev.prev = ev.type == EV_MODIFIED ? prev : NULL;
				if (ev.type == EV_ADDED)
					wc_obj_unref(prev);
			} else if (prev) {
				ev.type = EV_DELETED;
				ev.obj = obj_from_kv(&e->prev, e->kv.mod_rev);
				ev.prev = prev;
			}
			if (ev.obj)
				ring_push(wc, rc, ev);
			else {
				wc_obj_unref(ev.prev);
			}
		}
		cube_etcd_kv_clear(&e->kv);
		cube_etcd_kv_clear(&e->prev);
	}
	pthread_mutex_unlock(&wc->mu);
	free(bf.evs);
	pthread_cond_destroy(&bf.cond);
	pthread_mutex_destroy(&bf.mu);
	return from - 1 < upto ? from - 1 : upto;
}

/* Lists /registry/ at one revision into fresh caches. */
static int relist(watchcache *wc, cube_err *err)
{
	int64_t rev = 0;
	cube_autofree char *last = NULL;
	pthread_mutex_lock(&wc->mu);
	wc->ready = false;
	end_all_watchers(wc);
	clear_caches(wc);
	pthread_mutex_unlock(&wc->mu);
	for (;;) {
		cube_etcd_range_req req = {.key = last ? last : REGISTRY,
					   .after_key = last != NULL,
					   .prefix = true,
					   .prefix_of = REGISTRY,
					   .limit = LIST_PAGE,
					   .revision = rev};
		cube_etcd_range_resp r;
		if (cube_etcd_range(wc->etcd, &req, &r, err) < 0)
			return -1;
		if (!rev)
			rev = r.revision;
		pthread_mutex_lock(&wc->mu);
		for (size_t i = 0; i < r.n; i++) {
			cube_etcd_event ev = {.type = CUBE_ETCD_EV_PUT, .kv = r.kvs[i]};
			ev.kv.mod_rev = r.kvs[i].mod_rev;
			rcache *rc = rcache_for_key(wc, ev.kv.key);
			const char *k = rc ? key_suffix(rc, ev.kv.key) : NULL;
			if (!k)
				continue;
			cJSON *j = cube_json_parse(ev.kv.value, ev.kv.value_len, NULL);
			wc_obj *o = j ? obj_new(j, ev.kv.mod_rev) : NULL;
			wc_obj *old = NULL;
			if (o && store_put(rc, k, o, &old) < 0)
				wc_obj_unref(o);
			wc_obj_unref(old);
		}
		pthread_mutex_unlock(&wc->mu);
		bool more = r.more && r.n > 0;
		if (more) {
			free(last);
			last = strdup(r.kvs[r.n - 1].key);
		}
		cube_etcd_range_resp_clear(&r);
		if (!more)
			break;
	}
	int64_t from = backfill(wc, rev);
	pthread_mutex_lock(&wc->mu);
	wc->rv = rev;
	for (size_t i = 0; i < api_resources_len; i++)
		if (wc->rcs[i].oldest < from || wc->rcs[i].n == 0)
			wc->rcs[i].oldest = from;
	wc->ready = true;
	pthread_cond_broadcast(&wc->cond);
	pthread_mutex_unlock(&wc->mu);
	cube_log_info("watch cache: listed /registry/ at revision %lld (history from %lld)",
		      (long long)rev, (long long)from);
	return 0;
}

static void *watch_main(void *arg)
{
	watchcache *wc = arg;
	while (!atomic_load(&wc->stop)) {
		cube_err err = CUBE_ERR_INIT;
		if (relist(wc, &err) < 0) {
			cube_log_warn("watch cache: list failed: %s; retrying", err.msg);
			for (int i = 0; i < 10 && !atomic_load(&wc->stop); i++)
				nanosleep(&(struct timespec){0, 100000000L}, NULL);
			continue;
		}
		cube_etcd_watch_opts o = {.key = REGISTRY, .prefix = true, .start_rev = wc->rv + 1};
		if (cube_etcd_watch(wc->etcd, &o, on_batch, wc, &wc->stop, &err) < 0)
			cube_log_warn("watch cache: %s; listing again", err.msg);
	}
	return NULL;
}

static void send_bookmark(watchcache *wc, watcher *w)
{
	char gv[64], line[256];
	int n = snprintf(line, sizeof(line),
			 "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\","
			 "\"metadata\":{\"resourceVersion\":\"%lld\"}}}\n",
			 w->rc->res->kind, api_resource_gv(w->rc->res, gv, sizeof(gv)),
			 (long long)wc->rv);
	cube_httpd_stream_write(w->stream, line, (size_t)n);
}

static void *ticker_main(void *arg)
{
	watchcache *wc = arg;
	while (!atomic_load(&wc->stop)) {
		nanosleep(&(struct timespec){0, 250000000L}, NULL);
		int64_t now = now_ms();
		pthread_mutex_lock(&wc->mu);
		for (size_t i = 0; i < api_resources_len; i++) {
			rcache *rc = &wc->rcs[i];
			for (watcher *w = rc->watchers, *next; w; w = next) {
				next = w->next;
				if (now >= w->deadline_ms || cube_httpd_stream_closed(w->stream)) {
					watcher_unlink(rc, w);
					watcher_free(w);
					continue;
				}
				if (w->bookmarks && wc->ready && now >= w->next_bookmark_ms) {
					send_bookmark(wc, w);
					w->next_bookmark_ms = now + wc->bookmark_s * 1000L;
				}
			}
		}
		pthread_mutex_unlock(&wc->mu);
	}
	return NULL;
}

/* ---- public -----------------------------------------------------------------------------------
 */

watchcache *watchcache_new(cube_etcd *etcd, size_t ring_cap, cube_err *err)
{
	watchcache *wc = calloc(1, sizeof(*wc));
	if (!wc)
		goto oom;
	wc->etcd = etcd;
	wc->ring_cap = ring_cap ? ring_cap : 4096;
	wc->bookmark_s = 60;
	pthread_mutex_init(&wc->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wc->cond, &ca);
	pthread_condattr_destroy(&ca);
	wc->rcs = calloc(api_resources_len, sizeof(*wc->rcs));
	if (!wc->rcs)
		goto oom;
	for (size_t i = 0; i < api_resources_len; i++) {
		rcache *rc = &wc->rcs[i];
		rc->res = &api_resources[i];
		snprintf(rc->prefix, sizeof(rc->prefix), REGISTRY "%s/", rc->res->plural);
		rc->prefix_len = strlen(rc->prefix);
		rc->objs = cube_strmap_new();
		rc->by_ns = cube_strmap_new();
		rc->ring = calloc(wc->ring_cap, sizeof(*rc->ring));
		if (!rc->objs || !rc->by_ns || !rc->ring)
			goto oom;
	}
	return wc;
oom:
	watchcache_free(wc);
	cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return NULL;
}

int watchcache_start(watchcache *wc, cube_err *err)
{
	if (pthread_create(&wc->thread, NULL, watch_main, wc) != 0)
		return cube_err_set(err, CUBE_EIO, "watch cache: cannot start its thread");
	if (pthread_create(&wc->ticker, NULL, ticker_main, wc) != 0) {
		atomic_store(&wc->stop, 1);
		pthread_join(wc->thread, NULL);
		return cube_err_set(err, CUBE_EIO, "watch cache: cannot start its ticker");
	}
	wc->started = true;
	return 0;
}

void watchcache_free(watchcache *wc)
{
	if (!wc)
		return;
	if (wc->started) {
		atomic_store(&wc->stop, 1);
		pthread_join(wc->thread, NULL);
		pthread_join(wc->ticker, NULL);
	}
	if (wc->rcs) {
		pthread_mutex_lock(&wc->mu);
		end_all_watchers(wc);
		clear_caches(wc);
		pthread_mutex_unlock(&wc->mu);
		for (size_t i = 0; i < api_resources_len; i++) {
			cube_strmap_free(wc->rcs[i].objs);
			cube_strmap_free(wc->rcs[i].by_ns);
			free(wc->rcs[i].ring);
		}
		free(wc->rcs);
	}
	pthread_mutex_destroy(&wc->mu);
	pthread_cond_destroy(&wc->cond);
	free(wc);
}

void watchcache_set_bookmark_interval(watchcache *wc, int seconds)
{
	wc->bookmark_s = seconds > 0 ? seconds : 60;
}

int64_t watchcache_rv(watchcache *wc)
{
	pthread_mutex_lock(&wc->mu);
	int64_t rv = wc->rv;
	pthread_mutex_unlock(&wc->mu);
	return rv;
}

bool watchcache_ready(watchcache *wc)
{
	pthread_mutex_lock(&wc->mu);
	bool r = wc->ready;
	pthread_mutex_unlock(&wc->mu);
	return r;
}

/* Waits with wc->mu held. */
static int wait_locked(watchcache *wc, int64_t rv, int timeout_ms, cube_err *err)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!wc->ready || wc->rv < rv) {
		if (pthread_cond_timedwait(&wc->cond, &wc->mu, &until) == ETIMEDOUT) {
			if (!wc->ready)
				return cube_err_set(
					err, CUBE_EUNAVAIL,
					"the watch cache is not ready: etcd is unavailable");
			return cube_err_set(err, CUBE_ETIMEOUT,
					    "Too large resource version: %lld, current: %lld",
					    (long long)rv, (long long)wc->rv);
		}
	}
	return 0;
}

int watchcache_wait(watchcache *wc, int64_t rv, int timeout_ms, cube_err *err)
{
	pthread_mutex_lock(&wc->mu);
	int rc = wait_locked(wc, rv, timeout_ms, err);
	pthread_mutex_unlock(&wc->mu);
	return rc;
}

static rcache *rcache_of(watchcache *wc, const api_resource *res)
{
	return &wc->rcs[res - api_resources];
}

struct collect {
	wc_obj **out;
	size_t n;
};

int watchcache_list(watchcache *wc, const api_resource *res, const wc_filter *f, wc_obj ***out,
		    size_t *n, int64_t *rv, cube_err *err)
{
	rcache *rc = rcache_of(wc, res);
	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&wc->mu);
	const cube_strmap *scope = store_scope(rc, f->ns);
	size_t total = cube_strmap_len(scope);
	const char **keys = calloc(total + 1, sizeof(*keys));
	wc_obj **objs = calloc(total + 1, sizeof(*objs));
	if (!keys || !objs) {
		pthread_mutex_unlock(&wc->mu);
		free(keys);
		free(objs);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	size_t nk = cube_strmap_sorted_keys(scope, keys);
	size_t m = 0;
	for (size_t i = 0; i < nk; i++) {
		wc_obj *o = cube_strmap_get(scope, keys[i]);
		if (filter_match(f->ns, f->name, f->ls, f->fs, o))
			objs[m++] = obj_ref(o);
	}
	*rv = wc->rv;
	pthread_mutex_unlock(&wc->mu);
	free(keys);
	*out = objs;
	*n = m;
	return 0;
}

wc_obj *watchcache_get(watchcache *wc, const api_resource *res, const char *ns, const char *name)
{
	char key[CUBE_OBJ_KEY_MAX];
	if (ns && ns[0])
		snprintf(key, sizeof(key), "%s/%s", ns, name);
	else
		snprintf(key, sizeof(key), "%s", name);
	pthread_mutex_lock(&wc->mu);
	wc_obj *o = obj_ref(cube_strmap_get(rcache_of(wc, res)->objs, key));
	pthread_mutex_unlock(&wc->mu);
	return o;
}

size_t watchcache_watchers(watchcache *wc, const api_resource *res)
{
	pthread_mutex_lock(&wc->mu);
	size_t n = rcache_of(wc, res)->n_watchers;
	pthread_mutex_unlock(&wc->mu);
	return n;
}

static int parse_rv(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < 0)
		return -1;
	*out = v;
	return 0;
}

int watchcache_watch(watchcache *wc, const api_resource *res, const wc_watch_opts *o,
		     cube_httpd_req *req, cube_err *err)
{
	int64_t from = 0;
	bool from_now = !o->rv || !o->rv[0] || !strcmp(o->rv, "0");
	if (!from_now && parse_rv(o->rv, &from) < 0) {
		cube_labelsel_free(o->ls);
		cube_fieldsel_free(o->fs);
		return cube_err_set(err, CUBE_EINVAL, "invalid resource version \"%s\"", o->rv);
	}

	watcher *w = calloc(1, sizeof(*w));
	if (!w) {
		cube_labelsel_free(o->ls);
		cube_fieldsel_free(o->fs);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	w->ls = o->ls;
	w->fs = o->fs;
	if ((o->ns && !(w->ns = strdup(o->ns))) || (o->name && !(w->name = strdup(o->name)))) {
		watcher_free(w);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	w->bookmarks = o->bookmarks;
	if (o->table)
		snprintf(w->table, sizeof(w->table), "%s", o->table);
	w->include = (table_include)o->table_include;
	int timeout = o->timeout_s > 0 ? o->timeout_s : DEFAULT_WATCH_TIMEOUT_S;
	w->deadline_ms = now_ms() + (int64_t)timeout * 1000;
	w->next_bookmark_ms = now_ms() + wc->bookmark_s * 1000L;

	rcache *rc = rcache_of(wc, res);
	w->rc = rc;
	pthread_mutex_lock(&wc->mu);
	int rc_wait = wait_locked(wc, from_now ? 0 : from, 3000, err);
	if (rc_wait < 0) {
		pthread_mutex_unlock(&wc->mu);
		watcher_free(w);
		return -1;
	}
	if (!from_now && from < rc->oldest) {
		int64_t oldest = rc->oldest;
		pthread_mutex_unlock(&wc->mu);
		watcher_free(w);
		return cube_err_set(err, CUBE_ECOMPACTED, "too old resource version: %lld (%lld)",
				    (long long)from, (long long)oldest);
	}
	w->stream = cube_httpd_stream_start(
		req, 200, w->table[0] ? api_table_content_type(w->table) : "application/json", NULL,
		NULL);
	if (!w->stream) {
		pthread_mutex_unlock(&wc->mu);
		watcher_free(w);
		return 0; /* answered 500 already */
	}
	int rcw = 0;
	if (from_now) {
		/* Synthetic ADDED for every matching object, in key order. */
		const cube_strmap *scope = store_scope(rc, w->ns);
		size_t total = cube_strmap_len(scope);
		const char **keys = calloc(total + 1, sizeof(*keys));
		size_t nk = keys ? cube_strmap_sorted_keys(scope, keys) : 0;
		for (size_t i = 0; i < nk && rcw == 0; i++) {
			wc_obj *obj = cube_strmap_get(scope, keys[i]);
			if (watcher_match(w, obj))
				rcw = send_event(w, "ADDED", obj);
		}
		free(keys);
	} else {
		for (size_t i = 0; i < rc->n && rcw == 0; i++) {
			const wc_event *e = &rc->ring[(rc->head + i) % wc->ring_cap];
			if (e->rv > from)
				rcw = deliver(w, e);
		}
	}
	if (rcw < 0) {
		pthread_mutex_unlock(&wc->mu);
		watcher_free(w);
		return 0;
	}
	w->next = rc->watchers;
	if (w->next)
		w->next->prev = w;
	rc->watchers = w;
	rc->n_watchers++;
	pthread_mutex_unlock(&wc->mu);
	return 0;
}
