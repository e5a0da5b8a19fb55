/* namespace.c - the Namespace controller: empties a terminating namespace
 * and then lets the API server remove it, as Kubernetes' NamespaceController
 * (its NamespacedResourcesDeleter).
 *
 * `kubectl delete namespace x` only marks the namespace (deletionTimestamp,
 * phase Terminating); the API server keeps it while spec.finalizers holds
 * "kubernetes".  sync(name), for such a namespace:
 *   1. deletes every namespaced resource in it, one deletecollection per
 *      resource (background propagation), controllers first so that nothing
 *      is re-created meanwhile (the API server refuses creates in a
 *      terminating namespace anyway);
 *   2. lists what is left; pods gracefully deleted are finished by their
 *      kubelet, objects with finalizers by whoever owns those;
 *   3. writes the deletion conditions to the namespace's status
 *      (NamespaceDeletionDiscoveryFailure, ...GroupVersionParsingFailure,
 *      ...ContentFailure, NamespaceContentRemaining,
 *      NamespaceFinalizersRemaining: Kubernetes' reasons and messages);
 *   4. while anything is left, looks again in a few seconds; once empty,
 *      removes "kubernetes" from spec.finalizers through
 *      PUT /api/v1/namespaces/<name>/finalize, and the API server deletes
 *      the namespace when no finalizer is left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "util.h"

#define RECHECK_MS 2000
#define FINALIZER "kubernetes"

static const cube_gvr GVR_SERVICEACCOUNTS = {"", "v1", "serviceaccounts", "ServiceAccount", true};
static const cube_gvr GVR_INGRESSES = {"networking.k8s.io", "v1", "ingresses", "Ingress", true};

/* Every namespaced resource of the API server (apiserver/resources.c),
 * the ones that make other objects first. */
static const cube_gvr *const namespaced[] = {
	&CUBE_GVR_CRONJOBS,  &CUBE_GVR_DEPLOYMENTS, &CUBE_GVR_DAEMONSETS, &CUBE_GVR_STATEFULSETS,
	&CUBE_GVR_JOBS,	     &CUBE_GVR_REPLICASETS, &CUBE_GVR_PODS,	  &CUBE_GVR_SERVICES,
	&CUBE_GVR_ENDPOINTS, &CUBE_GVR_CONFIGMAPS,  &CUBE_GVR_SECRETS,	  &GVR_SERVICEACCOUNTS,
	&CUBE_GVR_LEASES,    &GVR_INGRESSES,	    &CUBE_GVR_EVENTS,
};

typedef struct ns_ctl {
	cm *m;
	cube_informer *namespaces;
	cube_controller *ctl;
	cube_recorder *rec;
} ns_ctl;

static const char *const cond_types[] = {
	"NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
	"NamespaceDeletionContentFailure", "NamespaceContentRemaining",
	"NamespaceFinalizersRemaining"};
static const char *const ok_reasons[] = {"ResourcesDiscovered", "ParsedGroupVersions",
					 "ContentDeleted", "ContentRemoved",
					 "ContentHasNoFinalizers"};
static const char *const ok_messages[] = {
	"All resources successfully discovered", "All legacy kube types successfully parsed",
	"All content successfully deleted, may be waiting on finalization",
	"All content successfully removed", "All content-preserving finalizers finished"};

/* A growing string for condition messages. */
typedef struct msgbuf {
	char text[2048];
	size_t len;
} msgbuf;

/* Appends ", piece" (or the first piece); truncates when full. */
static void msg_add(msgbuf *b, const char *piece)
{
	if (b->len >= sizeof(b->text) - 1)
		return;
	int w = snprintf(b->text + b->len, sizeof(b->text) - b->len, "%s%s", b->len ? ", " : "",
			 piece);
	if (w > 0)
		b->len = b->len + (size_t)w < sizeof(b->text) ? b->len + (size_t)w
							      : sizeof(b->text) - 1;
}

/* Writes the five conditions (new status/reason/message per type; NULL
 * reason: the ok variant).  Only what changed is written. */
static int update_conditions(ns_ctl *s, const cJSON *ns, const char *const reasons[5],
			     const char *const messages[5], cube_err *err)
{
	cube_autojson cJSON *next = cube_obj_copy(ns);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON *st = cube_json_ensure_obj(next, "status");
	cJSON *conds = cm_conditions(st);
	char now[32];
	cube_time_now(now, sizeof(now));
	bool changed = false;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(cond_types); i++) {
		const char *status = reasons[i] ? "True" : "False";
		const char *reason = reasons[i] ? reasons[i] : ok_reasons[i];
		const char *message = reasons[i] ? messages[i] : ok_messages[i];
		cJSON *c = NULL, *it;
		cJSON_ArrayForEach (it, conds) {
			const char *t = cube_json_str(it, "type");
			if (t && !strcmp(t, cond_types[i]))
				c = it;
		}
		if (!c) {
			c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "type", cond_types[i]);
			cJSON_AddStringToObject(c, "status", status);
			cJSON_AddStringToObject(c, "lastTransitionTime", now);
			cJSON_AddStringToObject(c, "reason", reason);
			cJSON_AddStringToObject(c, "message", message);
			cJSON_AddItemToArray(conds, c);
			changed = true;
			continue;
		}
		const char *os = cube_json_str(c, "status"), *orr = cube_json_str(c, "reason"),
			   *om = cube_json_str(c, "message");
		if (os && orr && om && !strcmp(os, status) && !strcmp(orr, reason) &&
		    !strcmp(om, message))
			continue;
		if (!os || strcmp(os, status))
			cube_json_set_str(c, "lastTransitionTime", now);
		cube_json_set_str(c, "status", status);
		cube_json_set_str(c, "reason", reason);
		cube_json_set_str(c, "message", message);
		changed = true;
	}
	if (!changed)
		return 0;
	cJSON *res =
		cube_kclient_update(s->m->client, &CUBE_GVR_NAMESPACES, NULL, next, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

/* Objects held per finalizer, for NamespaceFinalizersRemaining. */
typedef struct fin_count {
	char name[256];
	long n;
} fin_count;

static long count_finalizer(fin_count *f, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(f[i].name, name)) {
			f[i].n++;
			return 1;
		}
	if (*n == 16)
		return 1; /* counted, not named: the message stays bounded */
	snprintf(f[*n].name, sizeof(f[*n].name), "%s", name);
	f[(*n)++].n = 1;
	return 1;
}

static int cmp_fin(const void *a, const void *b)
{
	return strcmp(((const fin_count *)a)->name, ((const fin_count *)b)->name);
}

static bool has_finalizer(const cJSON *ns)
{
	const cJSON *f;
	cJSON_ArrayForEach (f, cube_json_path(ns, "spec.finalizers")) {
		if (cJSON_IsString(f) && !strcmp(f->valuestring, FINALIZER))
			return true;
	}
	return false;
}

/* Removes our finalizer through the finalize subresource. */
static int finalize(ns_ctl *s, const cJSON *ns, cube_err *err)
{
	cube_autojson cJSON *next = cube_obj_copy(ns);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON *spec = cube_json_ensure_obj(next, "spec");
	cJSON *keep = cJSON_CreateArray();
	const cJSON *f;
	cJSON_ArrayForEach (f, cube_json_path(ns, "spec.finalizers")) {
		if (!cJSON_IsString(f) || strcmp(f->valuestring, FINALIZER))
			cJSON_AddItemToArray(keep, cJSON_Duplicate(f, true));
	}
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "finalizers");
	cJSON_AddItemToObject(spec, "finalizers", keep);
	cJSON *res = cube_kclient_update(s->m->client, &CUBE_GVR_NAMESPACES, NULL, next, "finalize",
					 err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	cube_log_info("namespace %s: empty, finalized", cube_obj_name(ns));
	return 0;
}

static int delete_collection(ns_ctl *s, const cube_gvr *r, const char *ns, cube_err *err)
{
	char path[1024];
	if (cube_kclient_path(r, ns, NULL, NULL, path, sizeof(path)) < 0)
		return cube_err_set(err, CUBE_EINVAL, "path too long");
	static const char body[] = "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
				   "\"propagationPolicy\":\"Background\"}";
	cJSON *res = cube_kclient_do(s->m->client, "DELETE", path, body, NULL, NULL, err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

static int sync_namespace(void *ud, const char *key, cube_err *err)
{
	ns_ctl *s = ud;
	cube_robj *o = cube_informer_get(s->namespaces, key);
	if (!o)
		return 0;
	const cJSON *ns = o->json;
	const char *name = cube_obj_name(ns);
	if (!cube_json_str(ns, "metadata.deletionTimestamp") || !has_finalizer(ns)) {
		cube_robj_unref(o);
		return 0;
	}
	msgbuf failed = {0}, remaining = {0}, finalizers = {0};
	long n_failed = 0, n_left = 0, n_fin = 0;
	fin_count fins[16];
	size_t n_fins = 0;
	char piece[512];
	for (size_t i = 0; i < CUBE_ARRAY_LEN(namespaced); i++) {
		cube_err e = CUBE_ERR_INIT;
		if (delete_collection(s, namespaced[i], name, &e) < 0) {
			cube_log_warn("namespace %s: deleting %s: %s", name,
				      namespaced[i]->resource, e.msg);
			snprintf(piece, sizeof(piece), "%s.%s: %.200s", namespaced[i]->resource,
				 namespaced[i]->group, e.msg);
			msg_add(&failed, piece);
			n_failed++;
		}
	}
	/* What is left, and which finalizers hold it. */
	for (size_t i = 0; i < CUBE_ARRAY_LEN(namespaced); i++) {
		cube_err e = CUBE_ERR_INIT;
		cube_list_opts lo = {0};
		cube_autojson cJSON *list =
			cube_kclient_list(s->m->client, namespaced[i], name, &lo, &e);
		if (!list) {
			n_failed++;
			snprintf(piece, sizeof(piece), "%s.%s: %.200s", namespaced[i]->resource,
				 namespaced[i]->group, e.msg);
			msg_add(&failed, piece);
			continue;
		}
		long n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list, "items"));
		if (!n)
			continue;
		n_left += n;
		snprintf(piece, sizeof(piece), "%s.%s has %ld resource instances",
			 namespaced[i]->resource, namespaced[i]->group, n);
		msg_add(&remaining, piece);
		const cJSON *it;
		cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(list, "items")) {
			const cJSON *f;
			cJSON_ArrayForEach (f, cube_json_path(it, "metadata.finalizers")) {
				if (cJSON_IsString(f))
					n_fin += count_finalizer(fins, &n_fins, f->valuestring);
			}
		}
	}
	qsort(fins, n_fins, sizeof(*fins), cmp_fin);
	for (size_t i = 0; i < n_fins; i++) {
		snprintf(piece, sizeof(piece), "%.255s in %ld resource instances", fins[i].name,
			 fins[i].n);
		msg_add(&finalizers, piece);
	}
	char m_failed[2200], m_left[2200], m_fin[2200];
	snprintf(m_failed, sizeof(m_failed),
		 "Failed to delete all resource types, %ld remaining: %s", n_failed, failed.text);
	snprintf(m_left, sizeof(m_left), "Some resources are remaining: %s", remaining.text);
	snprintf(m_fin, sizeof(m_fin), "Some content in the namespace has finalizers remaining: %s",
		 finalizers.text);
	const char *reasons[5] = {NULL, NULL, n_failed ? "ContentDeletionFailed" : NULL,
				  n_left ? "SomeResourcesRemain" : NULL,
				  n_fin ? "SomeFinalizersRemain" : NULL};
	const char *messages[5] = {NULL, NULL, m_failed, m_left, m_fin};
	cube_err ce = CUBE_ERR_INIT;
	if (update_conditions(s, ns, reasons, messages, &ce) < 0)
		cube_log_warn("namespace %s: status: %s", name, ce.msg);
	int rc = 0;
	if (n_left || n_failed) {
		cube_log_debug("namespace %s: %ld objects left", name, n_left);
		cube_controller_enqueue_after(s->ctl, key, RECHECK_MS);
	} else {
		/* The status write changed the namespace: finalize its newest copy. */
		cube_autojson cJSON *cur =
			cube_kclient_get(s->m->client, &CUBE_GVR_NAMESPACES, NULL, name, err);
		if (!cur)
			rc = err->code == CUBE_ENOTFOUND ? 0 : -1;
		else if (has_finalizer(cur))
			rc = finalize(s, cur, err);
		if (rc < 0)
			cube_log_warn("namespace %s: finalize: %s", name, err->msg);
	}
	cube_robj_unref(o);
	return rc;
}

static void ns_add(void *ud, cube_robj *o)
{
	ns_ctl *s = ud;
	if (cube_json_str(o->json, "metadata.deletionTimestamp"))
		cube_controller_enqueue(s->ctl, o->key);
}

static void ns_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	ns_add(ud, cur);
}

int namespace_init(cm *m, cube_err *err)
{
	ns_ctl *s = calloc(1, sizeof(*s));
	if (!s)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	s->m = m;
	/* Kubernetes' --concurrent-namespace-syncs defaults to 10; namespaces
	 * are few and each sync is many requests: two workers. */
	cube_controller_config cc = {
		.name = "namespace", .workers = 2, .sync = sync_namespace, .ud = s};
	if (!(s->ctl = cube_controller_new(&cc, err))) {
		free(s);
		return -1;
	}
	if (cm_add(m, s->ctl, s, free, err) < 0)
		return -1;
	if (!(s->namespaces = cube_informer_factory_get(m->factory, &CUBE_GVR_NAMESPACES, NULL,
							NULL, NULL, err)))
		return -1;
	cube_informer_handlers h = {.on_add = ns_add, .on_update = ns_update, .ud = s};
	return cube_informer_add_handlers(s->namespaces, &h, err);
}
