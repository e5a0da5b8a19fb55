/* rollout.h - the arithmetic of a Deployment's rollout, as Kubernetes'
 * deployment controller does it (pkg/controller/deployment/util), kept pure
 * so that it is unit-tested on its own.
 *
 * A rolling update moves replicas from the old ReplicaSets to the new one in
 * steps bounded by maxSurge (pods above spec.replicas, rounded up from a
 * percentage) and maxUnavailable (pods below it, rounded down; when both
 * come out 0, maxUnavailable is 1).
 */
#ifndef CUBE_ROLLOUT_H
#define CUBE_ROLLOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

/* An int-or-string ("25%") scaled against total: percentages rounded up or
 * down.  NULL reads as `dflt` (a percentage string or a number).  -1 with
 * err for a malformed value. */
int rollout_scaled(const cJSON *v, const char *dflt, int32_t total, bool round_up, int32_t *out,
		   cube_err *err);

/* maxSurge and maxUnavailable of a RollingUpdate strategy (the
 * spec.strategy.rollingUpdate object, may be NULL) for `replicas`. */
int rollout_fenceposts(const cJSON *rolling_update, int32_t replicas, int32_t *surge,
		       int32_t *unavailable, cube_err *err);

/* The new ReplicaSet's next size in a rolling update: scale up by what the
 * surge allows, never beyond spec.replicas. */
int32_t rollout_new_rs_replicas(int32_t replicas, int32_t surge, int32_t all_replicas,
				int32_t new_rs_replicas);

/* One ReplicaSet as the scale-down steps see it. */
typedef struct rollout_rs {
	int32_t replicas;  /* spec.replicas; the steps write the new value here */
	int32_t available; /* status.availableReplicas */
} rollout_rs;

/* How many old pods may go now: all - (replicas - unavailable) - the new
 * ReplicaSet's unavailable pods (<= 0: none). */
int32_t rollout_max_scaled_down(int32_t all_replicas, int32_t replicas, int32_t unavailable,
				int32_t new_rs_replicas, int32_t new_rs_available);

/* First step: scale down the old ReplicaSets' unavailable pods (olds sorted
 * oldest first), at most max. Returns how many went. */
int32_t rollout_cleanup_unhealthy(rollout_rs *olds, int n, int32_t max);

/* Second step: scale down available old pods while more than
 * replicas - unavailable stay available (olds sorted oldest first); the
 * available count is over all ReplicaSets, new included. Returns how many
 * went. */
int32_t rollout_scale_down_old(rollout_rs *olds, int n, int32_t all_available, int32_t replicas,
			       int32_t unavailable);

/* Proportional scaling (a scaling event in the middle of a rollout): moves
 * `to_add` (may be negative) replicas across the active ReplicaSets in
 * proportion to their size.  sizes[i] is replicas, max_replicas[i] the
 * max-replicas annotation (0: unknown, use `current_total`); new sizes are
 * written back into sizes.  `order` lists the indexes largest first (newer
 * first when scaling up, older first when scaling down). */
void rollout_proportional(int32_t *sizes, const int32_t *max_replicas, const int *order, int n,
			  int32_t to_add, int32_t deployment_max, int32_t current_total);

#endif
