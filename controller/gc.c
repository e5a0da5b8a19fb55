/* gc.c - the garbage collector, after Kubernetes' (pkg/controller/
 * garbagecollector): objects name their owners in metadata.ownerReferences;
 * when every owner is gone, the dependent goes too.
 *
 * It watches the resources that own or are owned (pods, ReplicaSets,
 * Deployments, DaemonSets, StatefulSets, Jobs, CronJobs, Services,
 * Endpoints, ConfigMaps, Secrets), indexed by owner uid, and works on two
 * kinds of keys in one queue:
 *   "a|<resource>|<ns/name>"  attempt to collect a dependent: owners that
 *       are gone (checked against the API, not only the cache) make it
 *       dangling; with no owner left it is deleted (Foreground when an owner
 *       waits for its dependents, else Background); with some owners left
 *       the dangling references are removed;
 *   "o|<resource>|<ns/name>"  an owner being deleted with a finalizer:
 *       "orphan" removes its uid from every dependent, then the finalizer;
 *       "foregroundDeletion" deletes the dependents and removes the
 *       finalizer once no dependent with blockOwnerDeletion is left.
 * Owner kinds it does not watch count as present (never deletes on doubt).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "log.h"
#include "obj.h"
#include "util.h"

typedef struct gc_kind {
	const cube_gvr *gvr;
	cube_informer *inf;
} gc_kind;

typedef struct gc_ctl gc_ctl;

typedef struct gc_handler {
	gc_ctl *g;
	const gc_kind *k;
} gc_handler;

#define GC_KINDS 11

struct gc_ctl {
	cm *m;
	cube_controller *ctl;
	gc_kind kinds[GC_KINDS];
	gc_handler handlers[GC_KINDS];
	size_t n;
};

static const cube_gvr *const gc_gvrs[GC_KINDS] = {
	&CUBE_GVR_PODS,		&CUBE_GVR_REPLICASETS, &CUBE_GVR_DEPLOYMENTS, &CUBE_GVR_DAEMONSETS,
	&CUBE_GVR_STATEFULSETS, &CUBE_GVR_JOBS,	       &CUBE_GVR_CRONJOBS,    &CUBE_GVR_SERVICES,
	&CUBE_GVR_ENDPOINTS,	&CUBE_GVR_CONFIGMAPS,  &CUBE_GVR_SECRETS,
};

static const gc_kind *kind_by_resource(gc_ctl *g, const char *resource, size_t len)
{
	for (size_t i = 0; i < g->n; i++)
		if (strlen(g->kinds[i].gvr->resource) == len &&
		    !strncmp(g->kinds[i].gvr->resource, resource, len))
			return &g->kinds[i];
	return NULL;
}

/* The kind of an ownerReference (apiVersion's group and kind). */
static const gc_kind *kind_of_ref(gc_ctl *g, const cJSON *ref)
{
	const char *kind = cube_json_str(ref, "kind"), *av = cube_json_str(ref, "apiVersion");
	if (!kind || !av)
		return NULL;
	const char *slash = strchr(av, '/');
	size_t glen = slash ? (size_t)(slash - av) : 0;
	for (size_t i = 0; i < g->n; i++) {
		const cube_gvr *r = g->kinds[i].gvr;
		if (!strcmp(r->kind, kind) && strlen(r->group) == glen &&
		    !strncmp(r->group, av, glen))
			return &g->kinds[i];
	}
	return NULL;
}

static void enqueue(gc_ctl *g, char what, const cube_gvr *r, const char *key)
{
	char k[CUBE_OBJ_KEY_MAX + 64];
	snprintf(k, sizeof(k), "%c|%s|%s", what, r->resource, key);
	cube_controller_enqueue(g->ctl, k);
}

static bool has_finalizer(const cJSON *o, const char *f)
{
	const cJSON *x;
	cJSON_ArrayForEach (x, cube_json_path(o, "metadata.finalizers")) {
		if (cJSON_IsString(x) && !strcmp(x->valuestring, f))
			return true;
	}
	return false;
}

/* ---- handlers --------------------------------------------------------------------- */

static void enqueue_owners(gc_ctl *g, const cJSON *obj)
{
	const cJSON *ref;
	cJSON_ArrayForEach (ref, cube_json_path(obj, "metadata.ownerReferences")) {
		const gc_kind *k = kind_of_ref(g, ref);
		const char *name = cube_json_str(ref, "name");
		if (!k || !name)
			continue;
		char key[CUBE_OBJ_KEY_MAX];
		const char *ns = cube_obj_namespace(obj);
		if (k->gvr->namespaced && ns)
			snprintf(key, sizeof(key), "%s/%s", ns, name);
		else
			snprintf(key, sizeof(key), "%s", name);
		enqueue(g, 'o', k->gvr, key);
	}
}

static void on_add(void *ud, cube_robj *o)
{
	gc_handler *h = ud;
	if (cube_json_path(o->json, "metadata.ownerReferences"))
		enqueue(h->g, 'a', h->k->gvr, o->key);
	if (cube_json_str(o->json, "metadata.deletionTimestamp") &&
	    (has_finalizer(o->json, "orphan") || has_finalizer(o->json, "foregroundDeletion")))
		enqueue(h->g, 'o', h->k->gvr, o->key);
}

static void on_update(void *ud, cube_robj *old, cube_robj *cur)
{
	gc_handler *h = ud;
	const cJSON *r1 = cube_json_path(old->json, "metadata.ownerReferences");
	const cJSON *r2 = cube_json_path(cur->json, "metadata.ownerReferences");
	if (r2 && (!r1 || !cJSON_Compare(r1, r2, true)))
		enqueue(h->g, 'a', h->k->gvr, cur->key);
	if (cube_json_str(cur->json, "metadata.deletionTimestamp")) {
		if (has_finalizer(cur->json, "orphan") ||
		    has_finalizer(cur->json, "foregroundDeletion"))
			enqueue(h->g, 'o', h->k->gvr, cur->key);
		/* A dependent going away may unblock an owner. */
		enqueue_owners(h->g, cur->json);
	}
	if (r1 && (!r2 || !cJSON_Compare(r1, r2, true)))
		enqueue_owners(h->g, old->json);
}

static void on_delete(void *ud, cube_robj *last)
{
	gc_handler *h = ud;
	gc_ctl *g = h->g;
	const char *uid = cube_obj_uid(last->json);
	for (size_t i = 0; uid && i < g->n; i++) {
		cube_robj **deps;
		size_t n = cube_informer_by_index(g->kinds[i].inf, "owner", uid, &deps);
		for (size_t j = 0; j < n; j++)
			enqueue(g, 'a', g->kinds[i].gvr, deps[j]->key);
		cube_robj_list_free(deps, n);
	}
	enqueue_owners(g, last->json);
}

/* ---- collecting a dependent ----------------------------------------------------------- */

typedef enum { OWNER_SOLID, OWNER_WAITING, OWNER_DANGLING } owner_state;

static owner_state owner_of(gc_ctl *g, const cJSON *dep, const cJSON *ref)
{
	const gc_kind *k = kind_of_ref(g, ref);
	const char *name = cube_json_str(ref, "name"), *uid = cube_json_str(ref, "uid");
	if (!k || !name || !uid)
		return OWNER_SOLID; /* not ours to judge */
	const char *ns = k->gvr->namespaced ? cube_obj_namespace(dep) : NULL;
	char key[CUBE_OBJ_KEY_MAX];
	snprintf(key, sizeof(key), "%s%s%s", ns ? ns : "", ns ? "/" : "", name);
	cube_robj *cached = cube_informer_get(k->inf, key);
	bool solid = cached && cube_obj_uid(cached->json) &&
		     !strcmp(cube_obj_uid(cached->json), uid) &&
		     !cube_json_str(cached->json, "metadata.deletionTimestamp");
	cube_robj_unref(cached);
	if (solid)
		return OWNER_SOLID; /* the common case, without a request */
	cube_err err = CUBE_ERR_INIT;
	/* Gone or going from the cache, which may be behind: ask the API server. */
	cJSON *owner = cube_kclient_get(g->m->client, k->gvr, ns, name, &err);
	if (!owner)
		return err.code == CUBE_ENOTFOUND ? OWNER_DANGLING : OWNER_SOLID;
	owner_state st = OWNER_SOLID;
	const char *have = cube_obj_uid(owner);
	if (!have || strcmp(have, uid))
		st = OWNER_DANGLING;
	else if (cube_json_str(owner, "metadata.deletionTimestamp") &&
		 has_finalizer(owner, "foregroundDeletion"))
		st = OWNER_WAITING;
	cJSON_Delete(owner);
	return st;
}

static bool has_dependents(gc_ctl *g, const char *uid)
{
	for (size_t i = 0; uid && i < g->n; i++) {
		cube_robj **deps;
		size_t n = cube_informer_by_index(g->kinds[i].inf, "owner", uid, &deps);
		cube_robj_list_free(deps, n);
		if (n)
			return true;
	}
	return false;
}

static int delete_obj(gc_ctl *g, const gc_kind *k, const cJSON *o, const char *policy,
		      cube_err *err)
{
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON_AddStringToObject(opts, "propagationPolicy", policy);
	cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", cube_obj_uid(o) ? cube_obj_uid(o) : "");
	cube_log_info("garbage collector: deleting %s %s/%s (%s)", k->gvr->resource,
		      cube_obj_namespace(o) ? cube_obj_namespace(o) : "", cube_obj_name(o), policy);
	if (cube_kclient_delete(g->m->client, k->gvr, cube_obj_namespace(o), cube_obj_name(o), opts,
				err) < 0)
		return err->code == CUBE_ENOTFOUND || err->code == CUBE_ECONFLICT ? 0 : -1;
	return 0;
}

/* Sets metadata.ownerReferences to `refs` (taken), guarded by uid and
 * resourceVersion. */
static int patch_refs(gc_ctl *g, const gc_kind *k, const cJSON *o, cJSON *refs, cube_err *err)
{
	cube_autojson cJSON *p = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(p, "metadata");
	cJSON_AddItemToObject(md, "ownerReferences", refs);
	cJSON_AddStringToObject(md, "uid", cube_obj_uid(o) ? cube_obj_uid(o) : "");
	if (cube_obj_resource_version(o))
		cJSON_AddStringToObject(md, "resourceVersion", cube_obj_resource_version(o));
	cJSON *res = cube_kclient_patch(g->m->client, k->gvr, cube_obj_namespace(o),
					cube_obj_name(o), NULL, "merge", p, err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

static int attempt(gc_ctl *g, const gc_kind *k, const char *key, cube_err *err)
{
	cube_robj *obj = cube_informer_get(k->inf, key);
	if (!obj)
		return 0;
	const cJSON *o = obj->json;
	const cJSON *refs = cube_json_path(o, "metadata.ownerReferences");
	int n = cJSON_GetArraySize(refs);
	int rc = 0;
	if (n == 0 || cube_json_str(o, "metadata.deletionTimestamp"))
		goto out;
	owner_state *st = calloc((size_t)n, sizeof(*st));
	if (!st) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	int solid = 0, waiting = 0, dangling = 0, i = 0;
	const cJSON *ref;
	cJSON_ArrayForEach (ref, refs) {
		st[i] = owner_of(g, o, ref);
		solid += st[i] == OWNER_SOLID;
		waiting += st[i] == OWNER_WAITING;
		dangling += st[i] == OWNER_DANGLING;
		i++;
	}
	if (solid && (dangling || waiting)) {
		/* Some owners stay: drop the references to the others. */
		cJSON *keep = cJSON_CreateArray();
		i = 0;
		cJSON_ArrayForEach (ref, refs) {
			if (st[i++] == OWNER_SOLID)
				cJSON_AddItemToArray(keep, cJSON_Duplicate(ref, true));
		}
		rc = patch_refs(g, k, o, keep, err);
	} else if (!solid) {
		/* Every owner is gone or going: so is this one.  An owner
		 * waiting for its dependents makes this deletion foreground
		 * too when this object has dependents of its own. */
		const char *policy =
			waiting && has_dependents(g, cube_obj_uid(o)) ? "Foreground" : "Background";
		rc = delete_obj(g, k, o, policy, err);
	}
	free(st);
out:
	cube_robj_unref(obj);
	return rc;
}

/* ---- owners being deleted ----------------------------------------------------------------- */

static int remove_finalizer(gc_ctl *g, const gc_kind *k, const cJSON *o, const char *f,
			    cube_err *err)
{
	cube_autojson cJSON *p = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(p, "metadata");
	cJSON *fs = cJSON_AddArrayToObject(md, "finalizers");
	const cJSON *x;
	cJSON_ArrayForEach (x, cube_json_path(o, "metadata.finalizers")) {
		if (cJSON_IsString(x) && strcmp(x->valuestring, f))
			cJSON_AddItemToArray(fs, cJSON_CreateString(x->valuestring));
	}
	if (cube_obj_resource_version(o))
		cJSON_AddStringToObject(md, "resourceVersion", cube_obj_resource_version(o));
	cJSON *res = cube_kclient_patch(g->m->client, k->gvr, cube_obj_namespace(o),
					cube_obj_name(o), NULL, "merge", p, err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

/* The reference to `uid` in dep's ownerReferences, or NULL. */
static const cJSON *ref_to(const cJSON *dep, const char *uid)
{
	const cJSON *ref;
	cJSON_ArrayForEach (ref, cube_json_path(dep, "metadata.ownerReferences")) {
		const char *u = cube_json_str(ref, "uid");
		if (u && !strcmp(u, uid))
			return ref;
	}
	return NULL;
}

static int owner_sync(gc_ctl *g, const gc_kind *k, const char *key, cube_err *err)
{
	cube_robj *obj = cube_informer_get(k->inf, key);
	if (!obj)
		return 0;
	const cJSON *o = obj->json;
	const char *uid = cube_obj_uid(o);
	int rc = 0;
	bool orphan = has_finalizer(o, "orphan");
	bool fg = has_finalizer(o, "foregroundDeletion");
	if (!cube_json_str(o, "metadata.deletionTimestamp") || !uid || (!orphan && !fg))
		goto out;
	size_t blocking = 0;
	for (size_t i = 0; i < g->n && rc == 0; i++) {
		cube_robj **deps;
		size_t n = cube_informer_by_index(g->kinds[i].inf, "owner", uid, &deps);
		for (size_t j = 0; j < n && rc == 0; j++) {
			const cJSON *d = deps[j]->json;
			const cJSON *ref = ref_to(d, uid);
			if (!ref)
				continue;
			if (orphan) {
				cJSON *keep = cJSON_CreateArray();
				const cJSON *r;
				cJSON_ArrayForEach (r,
						    cube_json_path(d, "metadata.ownerReferences")) {
					if (r != ref)
						cJSON_AddItemToArray(keep,
								     cJSON_Duplicate(r, true));
				}
				rc = patch_refs(g, &g->kinds[i], d, keep, err);
				continue;
			}
			if (cJSON_IsTrue(
				    cJSON_GetObjectItemCaseSensitive(ref, "blockOwnerDeletion")))
				blocking++;
			if (!cube_json_str(d, "metadata.deletionTimestamp"))
				enqueue(g, 'a', g->kinds[i].gvr, deps[j]->key);
		}
		cube_robj_list_free(deps, n);
	}
	if (rc == 0 && (orphan || blocking == 0))
		rc = remove_finalizer(g, k, o, orphan ? "orphan" : "foregroundDeletion", err);
out:
	cube_robj_unref(obj);
	return rc;
}

static int sync_gc(void *ud, const char *key, cube_err *err)
{
	gc_ctl *g = ud;
	const char *bar = strchr(key + 2, '|');
	if (strlen(key) < 4 || key[1] != '|' || !bar)
		return 0;
	const gc_kind *k = kind_by_resource(g, key + 2, (size_t)(bar - key - 2));
	if (!k)
		return 0;
	return key[0] == 'o' ? owner_sync(g, k, bar + 1, err) : attempt(g, k, bar + 1, err);
}

int gc_init(cm *m, cube_err *err)
{
	gc_ctl *g = calloc(1, sizeof(*g));
	if (!g)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	g->m = m;
	cube_controller_config cc = {.name = "garbagecollector",
				     .workers = m->cfg.workers * 4,
				     .sync = sync_gc,
				     .ud = g};
	if (!(g->ctl = cube_controller_new(&cc, err))) {
		free(g);
		return -1;
	}
	if (cm_add(m, g->ctl, g, free, err) < 0)
		return -1;
	for (size_t i = 0; i < GC_KINDS; i++) {
		gc_kind *k = &g->kinds[i];
		k->gvr = gc_gvrs[i];
		if (!(k->inf = cube_informer_factory_get(m->factory, k->gvr, NULL, NULL, NULL,
							 err)) ||
		    cube_informer_add_index(k->inf, "owner", cube_index_owner_uid, err) < 0)
			return -1;
		g->handlers[i] = (gc_handler){g, k};
		cube_informer_handlers h = {.on_add = on_add,
					    .on_update = on_update,
					    .on_delete = on_delete,
					    .ud = &g->handlers[i]};
		if (cube_informer_add_handlers(k->inf, &h, err) < 0)
			return -1;
		g->n++;
	}
	return 0;
}
