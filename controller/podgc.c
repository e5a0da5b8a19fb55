/* podgc.c - the pod garbage collector, as Kubernetes' PodGCController:
 * every 20 s (one key re-queued with enqueue_after),
 *   - terminated pods (Succeeded, Failed) beyond --terminated-pod-gc-threshold
 *     are deleted, oldest first (0 turns this off);
 *   - pods bound to a node that does not exist, once its absence has lasted
 *     a quarantine (Kubernetes: 40 s; here --node-monitor-grace-period, 40 s
 *     by default) and the API confirms it, are deleted at once (grace 0)
 *     after a DisruptionTarget condition (DeletionByPodGC);
 *   - pods being deleted that were never scheduled are deleted at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "strmap.h"
#include "util.h"

#define GC_KEY "gc"
#define GC_PERIOD_MS 20000

typedef struct podgc {
	cm *m;
	cube_controller *ctl;
	cube_informer *pods, *nodes;
	cube_strmap *missing; /* node name -> first seen missing (epoch s, malloc'd double) */
	double recheck;	      /* seconds until a quarantine ends (0: none), this pass */
} podgc;

static int by_created(const void *a, const void *b)
{
	double x = 0, y = 0;
	cube_time_parse(cube_json_str((*(cube_robj *const *)a)->json, "metadata.creationTimestamp"),
			&x);
	cube_time_parse(cube_json_str((*(cube_robj *const *)b)->json, "metadata.creationTimestamp"),
			&y);
	return x < y   ? -1
	       : x > y ? 1
		       : strcmp((*(cube_robj *const *)a)->key, (*(cube_robj *const *)b)->key);
}

static void force_delete(podgc *g, const cJSON *pod, const char *why)
{
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON_AddNumberToObject(opts, "gracePeriodSeconds", 0);
	cJSON *pre = cJSON_AddObjectToObject(opts, "preconditions");
	cJSON_AddStringToObject(pre, "uid", cube_obj_uid(pod) ? cube_obj_uid(pod) : "");
	cube_err err = CUBE_ERR_INIT;
	if (cube_kclient_delete(g->m->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
				cube_obj_name(pod), opts, &err) < 0 &&
	    err.code != CUBE_ENOTFOUND)
		cube_log_warn("podgc: deleting %s/%s: %s", cube_obj_namespace(pod),
			      cube_obj_name(pod), err.msg);
	else
		cube_log_info("podgc: deleted %s/%s: %s", cube_obj_namespace(pod),
			      cube_obj_name(pod), why);
}

/* True once `node` has been missing for the quarantine and the API agrees. */
static bool node_gone(podgc *g, const char *node, double now)
{
	cube_robj *n = cube_informer_get(g->nodes, node);
	if (n) {
		cube_robj_unref(n);
		free(cube_strmap_del(g->missing, node));
		return false;
	}
	double *since = cube_strmap_get(g->missing, node);
	if (!since) {
		since = malloc(sizeof(*since));
		if (since) {
			*since = now;
			if (cube_strmap_put(g->missing, node, since, NULL) < 0) {
				free(since);
				since = NULL;
			}
		}
	}
	double left = since ? *since + g->m->cfg.node_monitor_grace_s - now : 0;
	if (left > 0) {
		/* Look again when the quarantine ends, not a whole period later. */
		if (g->recheck == 0 || left < g->recheck)
			g->recheck = left;
		return false;
	}
	cube_err err = CUBE_ERR_INIT;
	cJSON *live = cube_kclient_get(g->m->client, &CUBE_GVR_NODES, NULL, node, &err);
	cJSON_Delete(live);
	return !live && err.code == CUBE_ENOTFOUND;
}

static int free_missing(void *ud, const char *key, void *v)
{
	(void)ud;
	(void)key;
	free(v);
	return 0;
}

typedef struct prune_ctx {
	cube_strmap *seen;
	const char **gone;
	size_t n, cap;
} prune_ctx;

static int collect_unseen(void *ud, const char *key, void *v)
{
	(void)v;
	prune_ctx *c = ud;
	if (!cube_strmap_get(c->seen, key) && c->n < c->cap)
		c->gone[c->n++] = key;
	return 0;
}

/* Forgets missing nodes that no pod names any more. */
static void prune_missing(podgc *g, cube_strmap *seen)
{
	size_t cap = cube_strmap_len(g->missing);
	prune_ctx c = {.seen = seen, .gone = calloc(cap ? cap : 1, sizeof(char *)), .cap = cap};
	if (!c.gone)
		return;
	cube_strmap_each(g->missing, collect_unseen, &c);
	char **names = calloc(c.n ? c.n : 1, sizeof(char *));
	for (size_t i = 0; names && i < c.n; i++)
		names[i] = strdup(c.gone[i]); /* keys die with their entries */
	for (size_t i = 0; names && i < c.n; i++) {
		if (names[i])
			free(cube_strmap_del(g->missing, names[i]));
		free(names[i]);
	}
	free(names);
	free(c.gone);
}

static int sync_gc(void *ud, const char *key, cube_err *err)
{
	(void)err;
	podgc *g = ud;
	if (strcmp(key, GC_KEY))
		return 0;
	cube_robj **pods;
	size_t n = cube_informer_list(g->pods, &pods);
	double now = cm_now();
	g->recheck = 0;
	cube_robj **terminated = calloc(n ? n : 1, sizeof(*terminated));
	size_t nt = 0;
	cube_strmap *seen = cube_strmap_new();
	for (size_t i = 0; i < n; i++) {
		const cJSON *p = pods[i]->json;
		const char *phase = cube_json_str(p, "status.phase");
		const char *node = cube_json_str(p, "spec.nodeName");
		if (terminated && phase &&
		    (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
			terminated[nt++] = pods[i];
		if (node && node[0] && seen)
			cube_strmap_put(seen, node, (void *)1, NULL);
		if (node && node[0] && node_gone(g, node, now)) {
			cm_mark_disruption(g->m, p, "DeletionByPodGC",
					   "PodGC: node no longer exists");
			force_delete(g, p, "node no longer exists");
		} else if ((!node || !node[0]) && cube_json_str(p, "metadata.deletionTimestamp")) {
			force_delete(g, p, "terminating and never scheduled");
		}
	}
	int64_t threshold = g->m->cfg.terminated_pod_gc_threshold;
	if (threshold > 0 && (int64_t)nt > threshold) {
		qsort(terminated, nt, sizeof(*terminated), by_created);
		for (size_t i = 0; i < nt - (size_t)threshold; i++)
			force_delete(g, terminated[i]->json, "over the terminated pod threshold");
	}
	free(terminated);
	cube_robj_list_free(pods, n);
	if (seen)
		prune_missing(g, seen);
	cube_strmap_free(seen);
	int64_t next = GC_PERIOD_MS;
	if (g->recheck > 0 && g->recheck * 1000 + 100 < next)
		next = (int64_t)(g->recheck * 1000) + 100;
	cube_controller_enqueue_after(g->ctl, GC_KEY, next);
	return 0;
}

static void podgc_free(void *ud)
{
	podgc *g = ud;
	cube_strmap_each(g->missing, free_missing, NULL);
	cube_strmap_free(g->missing);
	free(g);
}

int podgc_init(cm *m, cube_err *err)
{
	podgc *g = calloc(1, sizeof(*g));
	if (!g || !(g->missing = cube_strmap_new())) {
		free(g);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	g->m = m;
	cube_controller_config cc = {.name = "podgc", .workers = 1, .sync = sync_gc, .ud = g};
	if (!(g->ctl = cube_controller_new(&cc, err))) {
		podgc_free(g);
		return -1;
	}
	if (cm_add(m, g->ctl, g, podgc_free, err) < 0)
		return -1;
	if (!(g->pods = cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						  err)) ||
	    !(g->nodes = cube_informer_factory_get(m->factory, &CUBE_GVR_NODES, NULL, NULL, NULL,
						   err)))
		return -1;
	/* Held by the queue until the workers start (once leading). */
	cube_controller_enqueue(g->ctl, GC_KEY);
	return 0;
}
