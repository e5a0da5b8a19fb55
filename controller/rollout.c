/* rollout.c - a rolling update's arithmetic (see rollout.h). */
#include "rollout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int rollout_scaled(const cJSON *v, const char *dflt, int32_t total, bool round_up, int32_t *out,
		   cube_err *err)
{
	const char *s = dflt;
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 0 || v->valuedouble != floor(v->valuedouble))
			return cube_err_set(err, CUBE_EINVAL, "must be a non-negative integer");
		*out = (int32_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v))
		s = v->valuestring;
	else if (v && !cJSON_IsNull(v))
		return cube_err_set(err, CUBE_EINVAL, "must be an integer or a percentage");
	size_t len = s ? strlen(s) : 0;
	if (!len || s[len - 1] != '%' || len > 11)
		return cube_err_set(err, CUBE_EINVAL, "\"%s\": a string must be a percentage",
				    s ? s : "");
	long pct = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return cube_err_set(err, CUBE_EINVAL, "\"%s\": invalid percentage", s);
		pct = pct * 10 + (s[i] - '0');
	}
	double x = (double)pct * (double)total / 100.0;
	double r = round_up ? ceil(x) : floor(x);
	*out = r > INT32_MAX ? INT32_MAX : (int32_t)r;
	return 0;
}

int rollout_fenceposts(const cJSON *ru, int32_t replicas, int32_t *surge, int32_t *unavailable,
		       cube_err *err)
{
	const cJSON *ms = ru ? cJSON_GetObjectItemCaseSensitive(ru, "maxSurge") : NULL;
	const cJSON *mu = ru ? cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable") : NULL;
	if (rollout_scaled(ms, "25%", replicas, true, surge, err) < 0)
		return cube_err_prefix(err, "maxSurge");
	if (rollout_scaled(mu, "25%", replicas, false, unavailable, err) < 0)
		return cube_err_prefix(err, "maxUnavailable");
	if (*surge == 0 && *unavailable == 0)
		*unavailable = 1; /* a rollout must be able to move */
	return 0;
}

int32_t rollout_new_rs_replicas(int32_t replicas, int32_t surge, int32_t all_replicas,
				int32_t new_rs_replicas)
{
	int64_t max_total = (int64_t)replicas + surge;
	if (all_replicas >= max_total)
		return new_rs_replicas; /* cannot scale up */
	int64_t up = max_total - all_replicas;
	int64_t room = (int64_t)replicas - new_rs_replicas;
	if (up > room)
		up = room;
	if (up < 0)
		up = 0;
	return (int32_t)(new_rs_replicas + up);
}

int32_t rollout_max_scaled_down(int32_t all_replicas, int32_t replicas, int32_t unavailable,
				int32_t new_rs_replicas, int32_t new_rs_available)
{
	int64_t min_available = (int64_t)replicas - unavailable;
	int64_t new_unavailable = (int64_t)new_rs_replicas - new_rs_available;
	int64_t v = (int64_t)all_replicas - min_available - new_unavailable;
	return v > 0 ? (int32_t)v : 0;
}

int32_t rollout_cleanup_unhealthy(rollout_rs *olds, int n, int32_t max)
{
	int32_t total = 0;
	for (int i = 0; i < n && total < max; i++) {
		if (olds[i].replicas == 0 || olds[i].replicas == olds[i].available)
			continue;
		int32_t down = olds[i].replicas - olds[i].available;
		if (down > max - total)
			down = max - total;
		olds[i].replicas -= down;
		total += down;
	}
	return total;
}

int32_t rollout_scale_down_old(rollout_rs *olds, int n, int32_t all_available, int32_t replicas,
			       int32_t unavailable)
{
	int64_t min_available = (int64_t)replicas - unavailable;
	if (all_available <= min_available)
		return 0;
	int64_t budget = all_available - min_available;
	int32_t total = 0;
	for (int i = 0; i < n && total < budget; i++) {
		if (olds[i].replicas == 0)
			continue;
		int64_t down = olds[i].replicas;
		if (down > budget - total)
			down = budget - total;
		olds[i].replicas -= (int32_t)down;
		total += (int32_t)down;
	}
	return total;
}

void rollout_proportional(int32_t *sizes, const int32_t *max_replicas, const int *order, int n,
			  int32_t to_add, int32_t deployment_max, int32_t current_total)
{
	if (n <= 0)
		return;
	int32_t added = 0;
	int32_t *delta = calloc((size_t)n, sizeof(*delta));
	if (!delta) {
		sizes[order[0]] += to_add; /* out of memory: everything to the largest */
		if (sizes[order[0]] < 0)
			sizes[order[0]] = 0;
		return;
	}
	for (int k = 0; k < n && to_add != 0; k++) {
		int i = order[k];
		if (sizes[i] == 0)
			continue;
		int32_t annotated = max_replicas[i] > 0 ? max_replicas[i] : current_total;
		int32_t fraction;
		if (annotated <= 0)
			fraction = 0;
		else
			fraction = (int32_t)llround((double)sizes[i] * deployment_max / annotated) -
				   sizes[i];
		int32_t allowed = to_add - added;
		if (to_add > 0)
			fraction = fraction < allowed ? fraction : allowed;
		else
			fraction = fraction > allowed ? fraction : allowed;
		delta[i] = fraction;
		added += fraction;
	}
	for (int k = 0; k < n; k++) {
		int i = order[k];
		int32_t d = delta[i];
		if (k == 0 && to_add != 0) {
			int32_t left = to_add - added;
			d += left; /* the rest goes to the largest */
		}
		sizes[i] += d;
		if (sizes[i] < 0)
			sizes[i] = 0;
	}
	free(delta);
}
