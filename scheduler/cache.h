/* cache.h - the scheduler's incremental view of the cluster: one entry per
 * node with its sched_node (allocatable, summed requests) and the pods on it,
 * kept up to date by the informers' handlers, plus the pods assumed on a
 * node before their binding comes back.  A decision reads it under the
 * cache's lock; nothing is rebuilt per pod, so a decision costs O(nodes
 * tried), not O(cluster). */
#ifndef CUBE_SCHEDULER_CACHE_H
#define CUBE_SCHEDULER_CACHE_H

#include <pthread.h>

#include "framework.h"
#include "obj.h"
#include "strmap.h"

typedef struct sched_cache sched_cache;

sched_cache *sched_cache_new(void);
void sched_cache_free(sched_cache *c);

/* Informer events (objects borrowed; the cache takes references). */
void sched_cache_node_set(sched_cache *c, cube_robj *node);
void sched_cache_node_del(sched_cache *c, const char *name);
void sched_cache_pod_set(sched_cache *c, cube_robj *pod); /* bound or not: the cache decides */
void sched_cache_pod_del(sched_cache *c, const char *key);

/* A pod the scheduler chose `node` for: counted there until the informer
 * shows it bound (or it is forgotten after a failed binding). */
int sched_cache_assume(sched_cache *c, cube_robj *pod, const char *node);
void sched_cache_forget(sched_cache *c, const char *key);
bool sched_cache_is_assumed(sched_cache *c, const char *key);

/* Locks the cache and fills a snapshot that points into it (valid until
 * sched_cache_unlock). services/replicasets are the caller's. */
void sched_cache_lock(sched_cache *c, sched_snapshot *s);
void sched_cache_unlock(sched_cache *c);

#endif
