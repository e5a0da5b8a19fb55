/* util.c - pod state, owners, templates, hashes, expectations and claiming,
 * shared by the controllers (see util.h). */
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "strmap.h"

double cm_now(void)
{
	return cube_time_wall();
}

/* ---- pods ------------------------------------------------------------------------ */

bool cm_pod_active(const cJSON *pod)
{
	const char *phase = cube_json_str(pod, "status.phase");
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return false;
	return !cube_json_str(pod, "metadata.deletionTimestamp");
}

static const cJSON *ready_condition(const cJSON *pod)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, "Ready"))
			return c;
	}
	return NULL;
}

bool cm_pod_ready(const cJSON *pod)
{
	const cJSON *c = ready_condition(pod);
	const char *st = c ? cube_json_str(c, "status") : NULL;
	return st && !strcmp(st, "True");
}

double cm_pod_available_in(const cJSON *pod, int64_t min_ready_s, double now)
{
	if (!cm_pod_ready(pod))
		return -1;
	if (min_ready_s <= 0)
		return 0;
	double since;
	if (!cube_time_parse(cube_json_str(ready_condition(pod), "lastTransitionTime"), &since))
		return 0;
	double left = since + (double)min_ready_s - now;
	return left > 0 ? left : 0;
}

bool cm_pod_available(const cJSON *pod, int64_t min_ready_s, double now)
{
	return cm_pod_available_in(pod, min_ready_s, now) == 0;
}

static int phase_ordinal(const cJSON *pod)
{
	const char *p = cube_json_str(pod, "status.phase");
	if (!p || !strcmp(p, "Pending"))
		return 0;
	if (!strcmp(p, "Unknown"))
		return 1;
	if (!strcmp(p, "Running"))
		return 2;
	return 3;
}

static int64_t max_restarts(const cJSON *pod)
{
	int64_t m = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.containerStatuses")) {
		int64_t r = cube_json_int(c, "restartCount", 0);
		if (r > m)
			m = r;
	}
	return m;
}

static double time_or_zero(const char *s)
{
	double t = 0;
	cube_time_parse(s, &t);
	return t;
}

int cm_pod_deletion_cmp(const cJSON *a, const cJSON *b)
{
	const char *na = cube_json_str(a, "spec.nodeName"), *nb = cube_json_str(b, "spec.nodeName");
	bool aa = na && na[0], ab = nb && nb[0];
	if (aa != ab)
		return aa ? 1 : -1; /* unassigned first */
	int pa = phase_ordinal(a), pb = phase_ordinal(b);
	if (pa != pb)
		return pa < pb ? -1 : 1;
	bool ra = cm_pod_ready(a), rb = cm_pod_ready(b);
	if (ra != rb)
		return ra ? 1 : -1; /* not ready first */
	if (ra && rb) {
		double ta = time_or_zero(cube_json_str(ready_condition(a), "lastTransitionTime"));
		double tb = time_or_zero(cube_json_str(ready_condition(b), "lastTransitionTime"));
		if (ta != tb)
			return ta > tb ? -1 : 1; /* ready more recently first */
	}
	int64_t ka = max_restarts(a), kb = max_restarts(b);
	if (ka != kb)
		return ka > kb ? -1 : 1;
	double ca = time_or_zero(cube_json_str(a, "metadata.creationTimestamp"));
	double cb = time_or_zero(cube_json_str(b, "metadata.creationTimestamp"));
	if (ca != cb)
		return ca > cb ? -1 : 1; /* newer first */
	const char *xa = cube_obj_name(a), *xb = cube_obj_name(b);
	return strcmp(xa ? xa : "", xb ? xb : "");
}

/* ---- owners --------------------------------------------------------------------------- */

const cJSON *cm_controller_ref(const cJSON *obj)
{
	const cJSON *r;
	cJSON_ArrayForEach (r, cube_json_path(obj, "metadata.ownerReferences")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
			return r;
	}
	return NULL;
}

bool cm_controller_key(const cJSON *obj, const char *kind, char *buf, size_t size)
{
	const cJSON *r = cm_controller_ref(obj);
	const char *k = r ? cube_json_str(r, "kind") : NULL;
	const char *name = r ? cube_json_str(r, "name") : NULL;
	if (!k || !name || strcmp(k, kind))
		return false;
	const char *ns = cube_obj_namespace(obj);
	int n = ns && ns[0] ? snprintf(buf, size, "%s/%s", ns, name)
			    : snprintf(buf, size, "%s", name);
	return n > 0 && (size_t)n < size;
}

cJSON *cm_owner_ref(const cJSON *owner, const char *api_version, const char *kind)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return NULL;
	cJSON_AddStringToObject(r, "apiVersion", api_version);
	cJSON_AddStringToObject(r, "kind", kind);
	cJSON_AddStringToObject(r, "name", cube_obj_name(owner) ? cube_obj_name(owner) : "");
	cJSON_AddStringToObject(r, "uid", cube_obj_uid(owner) ? cube_obj_uid(owner) : "");
	cJSON_AddBoolToObject(r, "controller", true);
	cJSON_AddBoolToObject(r, "blockOwnerDeletion", true);
	return r;
}

/* ---- templates ------------------------------------------------------------------------------ */

cJSON *cm_from_template(const cJSON *tmpl, const char *api_version, const char *kind,
			const cJSON *owner, const char *owner_api_version, const char *owner_kind,
			const char *name)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "apiVersion", api_version);
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	if (name) {
		cJSON_AddStringToObject(md, "name", name);
	} else {
		char gen[256];
		snprintf(gen, sizeof(gen), "%.200s-",
			 cube_obj_name(owner) ? cube_obj_name(owner) : "");
		cJSON_AddStringToObject(md, "generateName", gen);
	}
	const char *ns = cube_obj_namespace(owner);
	if (ns)
		cJSON_AddStringToObject(md, "namespace", ns);
	const cJSON *l = cube_json_path(tmpl, "metadata.labels");
	if (cJSON_IsObject(l))
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(l, true));
	const cJSON *a = cube_json_path(tmpl, "metadata.annotations");
	if (cJSON_IsObject(a))
		cJSON_AddItemToObject(md, "annotations", cJSON_Duplicate(a, true));
	cJSON *refs = cJSON_AddArrayToObject(md, "ownerReferences");
	cJSON_AddItemToArray(refs, cm_owner_ref(owner, owner_api_version, owner_kind));
	const cJSON *spec = cube_json_path(tmpl, "spec");
	cJSON_AddItemToObject(o, "spec", spec ? cJSON_Duplicate(spec, true) : cJSON_CreateObject());
	if (!cJSON_GetObjectItemCaseSensitive(o, "spec") || !refs || !md) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

typedef struct fnv {
	uint32_t h;
} fnv;

static void fnv_bytes(fnv *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		f->h ^= (unsigned char)s[i];
		f->h *= 16777619u;
	}
}

static void fnv_str(fnv *f, const char *s)
{
	fnv_bytes(f, s, strlen(s));
}

static int cmp_names(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

/* Hashes v as canonical JSON: object keys sorted. */
static void fnv_json(fnv *f, const cJSON *v)
{
	char num[64];
	if (cJSON_IsObject(v)) {
		size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
		const cJSON **kids = n ? malloc(n * sizeof(*kids)) : NULL;
		const cJSON *c;
		if (n && !kids)
			return; /* out of memory: a hash still comes out, only less exact */
		cJSON_ArrayForEach (c, v)
			kids[i++] = c;
		qsort(kids, n, sizeof(*kids), cmp_names);
		fnv_str(f, "{");
		for (i = 0; i < n; i++) {
			fnv_str(f, i ? ",\"" : "\"");
			fnv_str(f, kids[i]->string);
			fnv_str(f, "\":");
			fnv_json(f, kids[i]);
		}
		fnv_str(f, "}");
		free(kids);
	} else if (cJSON_IsArray(v)) {
		const cJSON *c;
		bool first = true;
		fnv_str(f, "[");
		cJSON_ArrayForEach (c, v) {
			if (!first)
				fnv_str(f, ",");
			first = false;
			fnv_json(f, c);
		}
		fnv_str(f, "]");
	} else if (cJSON_IsString(v)) {
		fnv_str(f, "\"");
		fnv_str(f, v->valuestring);
		fnv_str(f, "\"");
	} else if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof(num), "%.17g", v->valuedouble);
		fnv_str(f, num);
	} else if (cJSON_IsBool(v)) {
		fnv_str(f, cJSON_IsTrue(v) ? "true" : "false");
	} else {
		fnv_str(f, "null");
	}
}

void cm_template_hash(const cJSON *tmpl, int64_t collision_count, char *buf, size_t size)
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	fnv f = {2166136261u};
	cube_autojson cJSON *norm = cm_template_normal(tmpl);
	fnv_json(&f, norm ? norm : tmpl);
	if (collision_count > 0) {
		char c[32];
		snprintf(c, sizeof(c), "%lld", (long long)collision_count);
		fnv_str(&f, c);
	}
	char dec[16];
	snprintf(dec, sizeof(dec), "%u", f.h);
	size_t i = 0;
	for (; dec[i] && i + 1 < size; i++)
		buf[i] = alnum[(unsigned char)dec[i] % (sizeof(alnum) - 1)];
	if (size)
		buf[i] = '\0';
}

/* Removes what a typed Go struct cannot tell from absent: nulls, empty
 * lists and maps (Kubernetes compares templates with
 * equality.Semantic.DeepEqual, which treats them alike).  True if v itself
 * is now empty. */
static bool prune(cJSON *v)
{
	if (cJSON_IsNull(v))
		return true;
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return false;
	cJSON *c = v->child;
	while (c) {
		cJSON *next = c->next;
		if (prune(c) && cJSON_IsObject(v))
			cJSON_Delete(cJSON_DetachItemViaPointer(v, c));
		c = next;
	}
	return v->child == NULL;
}

cJSON *cm_template_normal(const cJSON *tmpl)
{
	cJSON *x = tmpl ? cJSON_Duplicate(tmpl, true) : cJSON_CreateObject();
	if (!x)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive((cJSON *)cube_json_path(x, "metadata.labels"),
						"pod-template-hash");
	prune(x);
	return x;
}

bool cm_templates_equal(const cJSON *a, const cJSON *b)
{
	cube_autojson cJSON *x = cm_template_normal(a), *y = cm_template_normal(b);
	return x && y && cJSON_Compare(x, y, true);
}

/* ---- expectations ------------------------------------------------------------------------------
 */

#define EXPECTATIONS_TTL_S 300.0

typedef struct expect_rec {
	int adds, dels;
	double at;
} expect_rec;

struct cm_expectations {
	pthread_mutex_t mu;
	cube_strmap *m;
};

cm_expectations *cm_expectations_new(void)
{
	cm_expectations *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	pthread_mutex_init(&e->mu, NULL);
	if (!(e->m = cube_strmap_new())) {
		free(e);
		return NULL;
	}
	return e;
}

static int free_rec(void *ud, const char *key, void *v)
{
	(void)ud;
	(void)key;
	free(v);
	return 0;
}

void cm_expectations_free(cm_expectations *e)
{
	if (!e)
		return;
	cube_strmap_each(e->m, free_rec, NULL);
	cube_strmap_free(e->m);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

void cm_expect(cm_expectations *e, const char *key, int adds, int dels)
{
	pthread_mutex_lock(&e->mu);
	expect_rec *r = cube_strmap_get(e->m, key);
	if (!r && (r = calloc(1, sizeof(*r))) && cube_strmap_put(e->m, key, r, NULL) < 0) {
		free(r);
		r = NULL;
	}
	if (r) {
		r->adds = adds;
		r->dels = dels;
		r->at = cm_now();
	}
	pthread_mutex_unlock(&e->mu);
}

void cm_expect_observed(cm_expectations *e, const char *key, int adds, int dels)
{
	pthread_mutex_lock(&e->mu);
	expect_rec *r = cube_strmap_get(e->m, key);
	if (r) {
		r->adds -= adds;
		r->dels -= dels;
	}
	pthread_mutex_unlock(&e->mu);
}

bool cm_expectations_satisfied(cm_expectations *e, const char *key)
{
	pthread_mutex_lock(&e->mu);
	expect_rec *r = cube_strmap_get(e->m, key);
	bool ok = !r || (r->adds <= 0 && r->dels <= 0) || cm_now() - r->at > EXPECTATIONS_TTL_S;
	pthread_mutex_unlock(&e->mu);
	return ok;
}

void cm_expectations_forget(cm_expectations *e, const char *key)
{
	pthread_mutex_lock(&e->mu);
	free(cube_strmap_del(e->m, key));
	pthread_mutex_unlock(&e->mu);
}

/* ---- claiming
 * ------------------------------------------------------------------------------------ */

/* Writes the object's ownerReferences (a merge patch replaces the list),
 * guarded by its resourceVersion and uid. */
static int patch_refs(const cm_claim_spec *s, const cJSON *obj, cJSON *refs, cube_err *err)
{
	cube_autojson cJSON *p = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(p, "metadata");
	cJSON_AddItemToObject(md, "ownerReferences", refs);
	const char *rv = cube_obj_resource_version(obj);
	if (rv)
		cJSON_AddStringToObject(md, "resourceVersion", rv);
	cJSON_AddStringToObject(md, "uid", cube_obj_uid(obj) ? cube_obj_uid(obj) : "");
	cJSON *res = cube_kclient_patch(s->m->client, s->gvr, cube_obj_namespace(obj),
					cube_obj_name(obj), NULL, "merge", p, err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 1 : -1;
	cJSON_Delete(res);
	return 0;
}

static int adopt(const cm_claim_spec *s, const cJSON *obj, cube_err *err)
{
	cJSON *refs = cJSON_CreateArray();
	const cJSON *r;
	cJSON_ArrayForEach (r, cube_json_path(obj, "metadata.ownerReferences")) {
		cJSON_AddItemToArray(refs, cJSON_Duplicate(r, true));
	}
	cJSON_AddItemToArray(refs, cm_owner_ref(s->owner, s->owner_api_version, s->owner_kind));
	return patch_refs(s, obj, refs, err);
}

static int release(const cm_claim_spec *s, const cJSON *obj, cube_err *err)
{
	cJSON *refs = cJSON_CreateArray();
	const cJSON *r;
	const char *uid = cube_obj_uid(s->owner);
	cJSON_ArrayForEach (r, cube_json_path(obj, "metadata.ownerReferences")) {
		const char *u = cube_json_str(r, "uid");
		if (!u || !uid || strcmp(u, uid))
			cJSON_AddItemToArray(refs, cJSON_Duplicate(r, true));
	}
	return patch_refs(s, obj, refs, err);
}

long cm_claim(const cm_claim_spec *s, cube_robj **objs, size_t n, cube_robj ***out, cube_err *err)
{
	cube_robj **keep = malloc((n ? n : 1) * sizeof(*keep));
	if (!keep)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	size_t k = 0;
	bool owner_deleting = cube_json_str(s->owner, "metadata.deletionTimestamp") != NULL;
	const char *uid = cube_obj_uid(s->owner);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		const cJSON *o = objs[i]->json;
		if (s->extra && !s->extra(o))
			continue;
		const cJSON *ref = cm_controller_ref(o);
		bool matches = cube_labelsel_matches(s->selector, cube_obj_labels(o));
		cube_err e = CUBE_ERR_INIT;
		if (ref) {
			const char *ru = cube_json_str(ref, "uid");
			if (!ru || !uid || strcmp(ru, uid))
				continue; /* someone else's */
			if (matches || owner_deleting) {
				if (matches)
					keep[k++] = cube_robj_ref(objs[i]);
				continue;
			}
			if (release(s, o, &e) < 0) {
				cube_log_warn("%s %s: releasing %s: %s", s->owner_kind,
					      objs[i]->key, s->gvr->resource, e.msg);
				failed++;
			}
			continue;
		}
		if (!matches || owner_deleting || cube_json_str(o, "metadata.deletionTimestamp"))
			continue;
		int rc = adopt(s, o, &e);
		if (rc == 0)
			keep[k++] = cube_robj_ref(objs[i]);
		else if (rc < 0) {
			cube_log_warn("%s: adopting %s %s: %s", s->owner_kind, s->gvr->resource,
				      objs[i]->key, e.msg);
			failed++;
		}
	}
	if (failed) {
		cube_robj_list_free(keep, k);
		return cube_err_set(err, CUBE_ECONFLICT, "%d %s could not be adopted or released",
				    failed, s->gvr->resource);
	}
	*out = keep;
	return (long)k;
}

/* ---- handlers
 * --------------------------------------------------------------------------------------- */

size_t cm_list_namespace(cube_informer *inf, const char *ns, cube_robj ***out)
{
	return cube_informer_by_index(inf, "namespace", ns ? ns : "", out);
}

static void enqueue_matching_owners(cm_owner_enqueuer *oe, const cJSON *obj)
{
	if (!oe->owners)
		return;
	cube_robj **owners;
	size_t n = cm_list_namespace(oe->owners, cube_obj_namespace(obj), &owners);
	for (size_t i = 0; i < n; i++) {
		cube_labelsel *sel = cube_labelsel_from_json(
			cube_json_path(owners[i]->json, "spec.selector"), NULL);
		if (sel && !cube_labelsel_is_nothing(sel) &&
		    cube_labelsel_matches(sel, cube_obj_labels(obj)))
			cube_controller_enqueue(oe->ctl, owners[i]->key);
		cube_labelsel_free(sel);
	}
	cube_robj_list_free(owners, n);
}

static void dep_add(void *ud, cube_robj *o)
{
	cm_owner_enqueuer *oe = ud;
	char key[CUBE_OBJ_KEY_MAX];
	if (cm_controller_key(o->json, oe->kind, key, sizeof(key))) {
		if (oe->observe)
			cm_expect_observed(oe->observe, key, 1, 0);
		cube_controller_enqueue(oe->ctl, key);
	} else if (!cm_controller_ref(o->json)) {
		enqueue_matching_owners(oe, o->json);
	}
}

static void dep_update(void *ud, cube_robj *old, cube_robj *cur)
{
	cm_owner_enqueuer *oe = ud;
	char k1[CUBE_OBJ_KEY_MAX], k2[CUBE_OBJ_KEY_MAX];
	bool h1 = cm_controller_key(old->json, oe->kind, k1, sizeof(k1));
	bool h2 = cm_controller_key(cur->json, oe->kind, k2, sizeof(k2));
	bool was_deleting = cube_json_str(old->json, "metadata.deletionTimestamp") != NULL;
	bool deleting = cube_json_str(cur->json, "metadata.deletionTimestamp") != NULL;
	if (h1 && (!h2 || strcmp(k1, k2)))
		cube_controller_enqueue(oe->ctl, k1);
	if (h2) {
		if (deleting && !was_deleting && oe->observe)
			cm_expect_observed(oe->observe, k2, 0, 1);
		cube_controller_enqueue(oe->ctl, k2);
	} else if (!cm_controller_ref(cur->json)) {
		enqueue_matching_owners(oe, cur->json);
	}
}

static void dep_delete(void *ud, cube_robj *last)
{
	cm_owner_enqueuer *oe = ud;
	char key[CUBE_OBJ_KEY_MAX];
	if (cm_controller_key(last->json, oe->kind, key, sizeof(key))) {
		if (oe->observe && !cube_json_str(last->json, "metadata.deletionTimestamp"))
			cm_expect_observed(oe->observe, key, 0, 1);
		cube_controller_enqueue(oe->ctl, key);
	}
}

cube_informer_handlers cm_owner_handlers(cm_owner_enqueuer *oe)
{
	return (cube_informer_handlers){
		.on_add = dep_add, .on_update = dep_update, .on_delete = dep_delete, .ud = oe};
}

/* ---- batches
 * ------------------------------------------------------------------------------------------- */

#define BATCH_THREADS 16

typedef struct batch {
	pthread_mutex_t mu;
	long next, end, ok;
	bool failed;
	cm_batch_fn fn;
	void *ud;
	cube_err err;
} batch;

static void *batch_main(void *arg)
{
	batch *b = arg;
	for (;;) {
		pthread_mutex_lock(&b->mu);
		long i = b->next < b->end ? b->next++ : -1;
		pthread_mutex_unlock(&b->mu);
		if (i < 0)
			return NULL;
		cube_err e = CUBE_ERR_INIT;
		int rc = b->fn(b->ud, i, &e);
		pthread_mutex_lock(&b->mu);
		if (rc == 0) {
			b->ok++;
		} else if (!b->failed) {
			b->failed = true;
			b->err = e;
		}
		pthread_mutex_unlock(&b->mu);
	}
}

/* Runs [from, to) in parallel; threads beyond the first run on this one. */
static void run_batch(batch *b, long from, long to)
{
	b->next = from;
	b->end = to;
	long width = to - from < BATCH_THREADS ? to - from : BATCH_THREADS;
	pthread_t t[BATCH_THREADS];
	long started = 0;
	for (long i = 1; i < width; i++)
		if (pthread_create(&t[started], NULL, batch_main, b) == 0)
			started++;
	batch_main(b);
	for (long i = 0; i < started; i++)
		pthread_join(t[i], NULL);
}

long cm_slow_start(long n, cm_batch_fn fn, void *ud, cube_err *err)
{
	batch b = {.fn = fn, .ud = ud, .err = CUBE_ERR_INIT};
	pthread_mutex_init(&b.mu, NULL);
	long done = 0;
	for (long size = 1; done < n && !b.failed; size *= 2) {
		long to = done + size < n ? done + size : n;
		run_batch(&b, done, to);
		done = to;
	}
	pthread_mutex_destroy(&b.mu);
	if (b.failed && err)
		*err = b.err;
	return b.ok;
}

long cm_parallel(long n, cm_batch_fn fn, void *ud, cube_err *err)
{
	batch b = {.fn = fn, .ud = ud, .err = CUBE_ERR_INIT};
	pthread_mutex_init(&b.mu, NULL);
	run_batch(&b, 0, n);
	pthread_mutex_destroy(&b.mu);
	if (b.failed && err)
		*err = b.err;
	return b.ok;
}

/* ---- pod control ----------------------------------------------------------------------------- */

cJSON *cm_create_pod(cm *m, cube_recorder *rec, const cJSON *owner, const cJSON *pod, cube_err *err)
{
	cJSON *made =
		cube_kclient_create(m->client, &CUBE_GVR_PODS, cube_obj_namespace(owner), pod, err);
	if (!made) {
		cube_event(rec, owner, "Warning", "FailedCreate", "Error creating: %s", err->msg);
		return NULL;
	}
	cube_event(rec, owner, "Normal", "SuccessfulCreate", "Created pod: %s",
		   cube_obj_name(made));
	return made;
}

int cm_delete_pod(cm *m, cube_recorder *rec, const cJSON *owner, const cJSON *pod, cube_err *err)
{
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", cube_obj_uid(pod) ? cube_obj_uid(pod) : "");
	if (cube_kclient_delete(m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
				cube_obj_name(pod), opts, err) < 0) {
		if (err->code == CUBE_ENOTFOUND)
			return 1;
		cube_event(rec, owner, "Warning", "FailedDelete", "Error deleting: %s", err->msg);
		return -1;
	}
	cube_event(rec, owner, "Normal", "SuccessfulDelete", "Deleted pod: %s", cube_obj_name(pod));
	return 0;
}

/* ---- conditions --------------------------------------------------------------------------------
 */

cJSON *cm_conditions(cJSON *status)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	if (cJSON_IsArray(conds))
		return conds;
	cJSON_DeleteItemFromObjectCaseSensitive(status, "conditions");
	return cJSON_AddArrayToObject(status, "conditions");
}

void cm_mark_disruption(cm *m, const cJSON *pod, const char *reason, const char *message)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, "DisruptionTarget"))
			return;
	}
	cube_autojson cJSON *next = cube_obj_copy(pod);
	cJSON *conds = next ? cm_conditions(cube_json_ensure_obj(next, "status")) : NULL;
	cJSON *d = conds ? cJSON_CreateObject() : NULL;
	if (!d)
		return;
	char now[32];
	cube_time_now(now, sizeof(now));
	cJSON_AddStringToObject(d, "type", "DisruptionTarget");
	cJSON_AddStringToObject(d, "status", "True");
	cJSON_AddStringToObject(d, "lastTransitionTime", now);
	cJSON_AddStringToObject(d, "reason", reason);
	cJSON_AddStringToObject(d, "message", message);
	cJSON_AddItemToArray(conds, d);
	cJSON_Delete(cube_kclient_update(m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod), next,
					 "status", NULL));
}
