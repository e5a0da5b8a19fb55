/* cache.c - the scheduler's incremental node/pod view (see cache.h). */
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pod_ref {
	cube_robj *obj;	  /* the pod (for assumed pods, a copy with spec.nodeName) */
	char node[256];	  /* where it is counted */
	size_t all_index; /* its place in all_pods */
	bool assumed;
} pod_ref;

typedef struct node_entry {
	cube_robj *node;
	sched_node sn;
	const cJSON **pods; /* the pods counted here */
	size_t n, cap;
	size_t index; /* its place in nodes[] */
} node_entry;

struct sched_cache {
	pthread_mutex_t mu;
	cube_strmap *by_name; /* node name -> node_entry* */
	node_entry **nodes;   /* dense, for snapshots */
	size_t n_nodes, cap_nodes;
	sched_node *snap; /* the snapshot's array, rebuilt lazily */
	size_t snap_cap;
	cube_strmap *pods; /* pod key -> pod_ref* (counted pods only) */
	const cJSON **all; /* every counted pod */
	pod_ref **all_refs;
	size_t n_all, cap_all;
};

static bool counts(const cJSON *pod)
{
	const char *node = cube_json_str(pod, "spec.nodeName");
	const char *phase = cube_json_str(pod, "status.phase");
	return node && node[0] &&
	       (!phase || (strcmp(phase, "Succeeded") && strcmp(phase, "Failed")));
}

sched_cache *sched_cache_new(void)
{
	sched_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	c->by_name = cube_strmap_new();
	c->pods = cube_strmap_new();
	if (!c->by_name || !c->pods) {
		sched_cache_free(c);
		return NULL;
	}
	return c;
}

static void entry_add_pod(node_entry *e, const cJSON *pod)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		const cJSON **np = realloc(e->pods, cap * sizeof(*np));
		if (!np)
			return;
		e->pods = np;
		e->cap = cap;
	}
	e->pods[e->n++] = pod;
	sched_node_add_pod(&e->sn, pod);
}

static void entry_remove_pod(node_entry *e, const cJSON *pod)
{
	for (size_t i = 0; i < e->n; i++) {
		if (e->pods[i] == pod) {
			e->pods[i] = e->pods[--e->n];
			sched_node_remove_pod(&e->sn, pod);
			return;
		}
	}
}

/* Unlinks a counted pod from its node and from all[]; frees the ref. */
static void pod_uncount(sched_cache *c, const char *key)
{
	pod_ref *r = cube_strmap_del(c->pods, key);
	if (!r)
		return;
	node_entry *e = cube_strmap_get(c->by_name, r->node);
	if (e)
		entry_remove_pod(e, r->obj->json);
	size_t i = r->all_index;
	c->n_all--;
	if (i != c->n_all) {
		c->all[i] = c->all[c->n_all];
		c->all_refs[i] = c->all_refs[c->n_all];
		c->all_refs[i]->all_index = i;
	}
	cube_robj_unref(r->obj);
	free(r);
}

static void pod_count(sched_cache *c, const char *key, cube_robj *obj, const char *node,
		      bool assumed)
{
	pod_ref *r = calloc(1, sizeof(*r));
	if (!r)
		return;
	if (c->n_all == c->cap_all) {
		size_t cap = c->cap_all ? c->cap_all * 2 : 256;
		const cJSON **na = realloc(c->all, cap * sizeof(*na));
		pod_ref **nr = na ? realloc(c->all_refs, cap * sizeof(*nr)) : NULL;
		if (na)
			c->all = na;
		if (!na || !nr) {
			free(r);
			return;
		}
		c->all_refs = nr;
		c->cap_all = cap;
	}
	r->obj = cube_robj_ref(obj);
	r->assumed = assumed;
	snprintf(r->node, sizeof(r->node), "%s", node);
	if (cube_strmap_put(c->pods, key, r, NULL) < 0) {
		cube_robj_unref(r->obj);
		free(r);
		return;
	}
	r->all_index = c->n_all;
	c->all[c->n_all] = obj->json;
	c->all_refs[c->n_all++] = r;
	node_entry *e = cube_strmap_get(c->by_name, node);
	if (e)
		entry_add_pod(e, obj->json);
}

void sched_cache_node_set(sched_cache *c, cube_robj *node)
{
	const char *name = cube_obj_name(node->json);
	if (!name)
		return;
	pthread_mutex_lock(&c->mu);
	node_entry *e = cube_strmap_get(c->by_name, name);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e && c->n_nodes == c->cap_nodes) {
			size_t cap = c->cap_nodes ? c->cap_nodes * 2 : 64;
			node_entry **nn = realloc(c->nodes, cap * sizeof(*nn));
			if (nn) {
				c->nodes = nn;
				c->cap_nodes = cap;
			}
		}
		if (!e || c->n_nodes == c->cap_nodes) {
			free(e);
			pthread_mutex_unlock(&c->mu);
			return;
		}
		e->index = c->n_nodes;
		c->nodes[c->n_nodes++] = e;
		cube_strmap_put(c->by_name, name, e, NULL);
	}
	cube_robj *old = e->node;
	e->node = cube_robj_ref(node);
	/* Allocatable and facts from the new Node; requests from the pods here. */
	sched_node_init(&e->sn, node->json);
	for (size_t i = 0; i < e->n; i++)
		sched_node_add_pod(&e->sn, e->pods[i]);
	/* Pods counted for this node before it was known. */
	if (!old) {
		for (size_t i = 0; i < c->n_all; i++)
			if (!strcmp(c->all_refs[i]->node, name)) {
				bool there = false;
				for (size_t j = 0; j < e->n; j++)
					there |= e->pods[j] == c->all[i];
				if (!there)
					entry_add_pod(e, c->all[i]);
			}
	}
	pthread_mutex_unlock(&c->mu);
	cube_robj_unref(old);
}

void sched_cache_node_del(sched_cache *c, const char *name)
{
	pthread_mutex_lock(&c->mu);
	node_entry *e = cube_strmap_del(c->by_name, name);
	if (e) {
		size_t i = e->index;
		c->n_nodes--;
		if (i != c->n_nodes) {
			c->nodes[i] = c->nodes[c->n_nodes];
			c->nodes[i]->index = i;
		}
		cube_robj_unref(e->node);
		free(e->pods);
		free(e);
	}
	pthread_mutex_unlock(&c->mu);
}

void sched_cache_pod_set(sched_cache *c, cube_robj *pod)
{
	pthread_mutex_lock(&c->mu);
	const char *node = cube_json_str(pod->json, "spec.nodeName");
	pod_ref *r = cube_strmap_get(c->pods, pod->key);
	if (r && r->assumed && (!node || !node[0])) {
		/* An update of a pod whose binding is in flight (e.g. its status):
		 * the assumption stays until the bound pod, a forget or a delete. */
		pthread_mutex_unlock(&c->mu);
		return;
	}
	pod_uncount(c, pod->key); /* also drops an assumption: the bound pod replaces it */
	if (counts(pod->json))
		pod_count(c, pod->key, pod, node, false);
	pthread_mutex_unlock(&c->mu);
}

void sched_cache_pod_del(sched_cache *c, const char *key)
{
	pthread_mutex_lock(&c->mu);
	pod_uncount(c, key);
	pthread_mutex_unlock(&c->mu);
}

int sched_cache_assume(sched_cache *c, cube_robj *pod, const char *node)
{
	cJSON *copy = cube_obj_copy(pod->json);
	if (!copy)
		return -1;
	cube_json_set_str(cube_json_ensure_obj(copy, "spec"), "nodeName", node);
	cube_robj *a = cube_robj_new(copy, 0, NULL);
	if (!a)
		return -1;
	pthread_mutex_lock(&c->mu);
	pod_uncount(c, pod->key);
	pod_count(c, pod->key, a, node, true);
	pthread_mutex_unlock(&c->mu);
	cube_robj_unref(a);
	return 0;
}

void sched_cache_forget(sched_cache *c, const char *key)
{
	pthread_mutex_lock(&c->mu);
	pod_ref *r = cube_strmap_get(c->pods, key);
	if (r && r->assumed)
		pod_uncount(c, key);
	pthread_mutex_unlock(&c->mu);
}

bool sched_cache_is_assumed(sched_cache *c, const char *key)
{
	pthread_mutex_lock(&c->mu);
	pod_ref *r = cube_strmap_get(c->pods, key);
	bool a = r && r->assumed;
	pthread_mutex_unlock(&c->mu);
	return a;
}

void sched_cache_lock(sched_cache *c, sched_snapshot *s)
{
	pthread_mutex_lock(&c->mu);
	if (c->snap_cap < c->n_nodes) {
		sched_node *ns = realloc(c->snap, (c->n_nodes + 64) * sizeof(*ns));
		if (ns) {
			c->snap = ns;
			c->snap_cap = c->n_nodes + 64;
		}
	}
	size_t n = c->snap_cap < c->n_nodes ? c->snap_cap : c->n_nodes;
	for (size_t i = 0; i < n; i++) {
		node_entry *e = c->nodes[i];
		c->snap[i] = e->sn;
		c->snap[i].pod_list = e->pods;
		c->snap[i].n_pods = e->n;
	}
	s->nodes = c->snap;
	s->n = n;
	s->all_pods = c->all;
	s->n_all_pods = c->n_all;
}

void sched_cache_unlock(sched_cache *c)
{
	pthread_mutex_unlock(&c->mu);
}

static int free_ref(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	pod_ref *r = v;
	cube_robj_unref(r->obj);
	free(r);
	return 0;
}

void sched_cache_free(sched_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_nodes; i++) {
		cube_robj_unref(c->nodes[i]->node);
		free(c->nodes[i]->pods);
		free(c->nodes[i]);
	}
	free(c->nodes);
	if (c->pods) {
		cube_strmap_each(c->pods, free_ref, NULL);
		cube_strmap_free(c->pods);
	}
	cube_strmap_free(c->by_name);
	free(c->all);
	free(c->all_refs);
	free(c->snap);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
