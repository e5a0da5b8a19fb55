/* leaderelect.c - the campaign loop: acquire, renew, release (see the header). */
#include "leaderelect.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/time.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"
#include "obj.h"

struct cube_leader {
	cube_leader_config cfg;
	char *ns, *name, *identity;
	pthread_t thread;
	atomic_int stop;
	atomic_bool leading;
	pthread_mutex_t mu;
	char holder[256];
	/* what we last saw, and when (our own monotonic clock) */
	char observed_rv[32];
	int64_t observed_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cube_micro_time(char *buf, size_t size)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	gmtime_r(&tv.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", base, (long)tv.tv_usec);
}

static void set_holder(cube_leader *l, const char *h)
{
	pthread_mutex_lock(&l->mu);
	bool changed = strcmp(l->holder, h ? h : "") != 0;
	snprintf(l->holder, sizeof(l->holder), "%s", h ? h : "");
	pthread_mutex_unlock(&l->mu);
	if (changed && l->cfg.on_new_leader && h && h[0])
		l->cfg.on_new_leader(l->cfg.ud, h);
}

static cJSON *lease_body(cube_leader *l, const cJSON *old, bool take)
{
	cJSON *o = old ? cube_obj_copy(old) : cJSON_CreateObject();
	if (!o)
		return NULL;
	if (!old) {
		cJSON_AddStringToObject(o, "apiVersion", "coordination.k8s.io/v1");
		cJSON_AddStringToObject(o, "kind", "Lease");
		cJSON *md = cJSON_AddObjectToObject(o, "metadata");
		cJSON_AddStringToObject(md, "name", l->name);
		cJSON_AddStringToObject(md, "namespace", l->ns);
	}
	cJSON *spec = cube_json_ensure_obj(o, "spec");
	char now[40];
	cube_micro_time(now, sizeof(now));
	const char *was = cube_json_str(old, "spec.holderIdentity");
	bool new_term = !was || strcmp(was, l->identity) != 0;
	if (take) {
		cube_json_set_str(spec, "holderIdentity", l->identity);
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "leaseDurationSeconds");
		cJSON_AddNumberToObject(spec, "leaseDurationSeconds",
					(l->cfg.lease_ms + 999) / 1000);
		cube_json_set_str(spec, "renewTime", now);
		if (new_term) {
			cube_json_set_str(spec, "acquireTime", now);
			int64_t t = cube_json_int(spec, "leaseTransitions", 0) + (old ? 1 : 0);
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "leaseTransitions");
			cJSON_AddNumberToObject(spec, "leaseTransitions", (double)t);
		}
	} else {
		/* Release, as client-go: no holder, a 1 s lease, renewTime now. */
		cube_json_set_str(spec, "holderIdentity", "");
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "leaseDurationSeconds");
		cJSON_AddNumberToObject(spec, "leaseDurationSeconds", 1);
		cube_json_set_str(spec, "renewTime", now);
	}
	return o;
}

/* One attempt to acquire or renew. Returns 1 if we hold the lease now, 0 if
 * someone else validly does, -1 on an error (err filled). */
static int try_acquire_or_renew(cube_leader *l, cube_err *err)
{
	cube_err gerr = CUBE_ERR_INIT;
	cube_autojson cJSON *cur =
		cube_kclient_get(l->cfg.client, &CUBE_GVR_LEASES, l->ns, l->name, &gerr);
	if (!cur) {
		if (gerr.code != CUBE_ENOTFOUND) {
			*err = gerr;
			return -1;
		}
		cube_autojson cJSON *body = lease_body(l, NULL, true);
		cube_autojson cJSON *made =
			body ? cube_kclient_create(l->cfg.client, &CUBE_GVR_LEASES, l->ns, body,
						   err)
			     : NULL;
		if (!made)
			return err->code == CUBE_EEXIST ? 0 : -1;
		const char *rv = cube_obj_resource_version(made);
		snprintf(l->observed_rv, sizeof(l->observed_rv), "%s", rv ? rv : "");
		l->observed_ms = mono_ms();
		set_holder(l, l->identity);
		return 1;
	}
	const char *holder = cube_json_str(cur, "spec.holderIdentity");
	const char *rv = cube_obj_resource_version(cur);
	int64_t dur_s = cube_json_int(cur, "spec.leaseDurationSeconds", l->cfg.lease_ms / 1000);
	/* The record changed since we last looked: restart our own timer on it. */
	if (!rv || strcmp(rv, l->observed_rv) != 0) {
		snprintf(l->observed_rv, sizeof(l->observed_rv), "%s", rv ? rv : "");
		l->observed_ms = mono_ms();
	}
	set_holder(l, holder);
	bool ours = holder && !strcmp(holder, l->identity);
	bool held = holder && holder[0] && !ours && mono_ms() < l->observed_ms + dur_s * 1000;
	if (held)
		return 0;
	cube_autojson cJSON *body = lease_body(l, cur, true);
	cube_autojson cJSON *upd =
		body ? cube_kclient_update(l->cfg.client, &CUBE_GVR_LEASES, l->ns, body, NULL, err)
		     : NULL;
	if (!upd)
		return err->code == CUBE_ECONFLICT ? 0 : -1; /* someone else wrote first */
	const char *nrv = cube_obj_resource_version(upd);
	snprintf(l->observed_rv, sizeof(l->observed_rv), "%s", nrv ? nrv : "");
	l->observed_ms = mono_ms();
	set_holder(l, l->identity);
	return 1;
}

static bool nap(cube_leader *l, int ms)
{
	for (int t = 0; t < ms && !atomic_load(&l->stop); t += 20)
		nanosleep(&(struct timespec){0, 20000000L}, NULL);
	return !atomic_load(&l->stop);
}

static void release(cube_leader *l)
{
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *cur =
		cube_kclient_get(l->cfg.client, &CUBE_GVR_LEASES, l->ns, l->name, &err);
	const char *holder = cube_json_str(cur, "spec.holderIdentity");
	if (!cur || !holder || strcmp(holder, l->identity))
		return;
	cube_autojson cJSON *body = lease_body(l, cur, false);
	cube_autojson cJSON *upd =
		body ? cube_kclient_update(l->cfg.client, &CUBE_GVR_LEASES, l->ns, body, NULL, &err)
		     : NULL;
	if (!upd)
		cube_log_warn("leader election %s/%s: release failed: %s", l->ns, l->name, err.msg);
}

static void *campaign(void *arg)
{
	cube_leader *l = arg;
	while (!atomic_load(&l->stop)) {
		/* Acquire. */
		cube_err err = CUBE_ERR_INIT;
		int rc = try_acquire_or_renew(l, &err);
		if (rc < 0)
			cube_log_warn("leader election %s/%s: %s", l->ns, l->name, err.msg);
		if (rc != 1) {
			nap(l, l->cfg.retry_ms);
			continue;
		}
		cube_log_info("leader election %s/%s: %s is the leader", l->ns, l->name,
			      l->identity);
		atomic_store(&l->leading, true);
		if (l->cfg.on_started)
			l->cfg.on_started(l->cfg.ud);
		/* Renew until we cannot for renew_deadline. */
		int64_t last_ok = mono_ms();
		while (nap(l, l->cfg.retry_ms)) {
			cube_err rerr = CUBE_ERR_INIT;
			int r = try_acquire_or_renew(l, &rerr);
			if (r == 1) {
				last_ok = mono_ms();
				continue;
			}
			if (r == 0) {
				cube_log_warn("leader election %s/%s: the lease was taken over",
					      l->ns, l->name);
				break;
			}
			if (mono_ms() - last_ok >= l->cfg.renew_deadline_ms) {
				cube_log_warn(
					"leader election %s/%s: could not renew for %d ms: %s",
					l->ns, l->name, l->cfg.renew_deadline_ms, rerr.msg);
				break;
			}
		}
		atomic_store(&l->leading, false);
		if (atomic_load(&l->stop) && l->cfg.release_on_stop)
			release(l);
		if (l->cfg.on_stopped)
			l->cfg.on_stopped(l->cfg.ud);
	}
	return NULL;
}

cube_leader *cube_leader_start(const cube_leader_config *cfg, cube_err *err)
{
	if (!cfg->client || !cfg->name) {
		cube_err_set(err, CUBE_EINVAL, "leader election needs a client and a lease name");
		return NULL;
	}
	/* No identity given: "<host>_<pid>", unique per process on a machine. */
	char id[128];
	if (!cfg->identity) {
		char host[64] = "cube";
		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		snprintf(id, sizeof(id), "%s_%d", host, (int)getpid());
	}
	cube_leader *l = calloc(1, sizeof(*l));
	if (!l) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	l->cfg = *cfg;
	l->ns = strdup(cfg->ns ? cfg->ns : "kube-system");
	l->name = strdup(cfg->name);
	l->identity = strdup(cfg->identity ? cfg->identity : id);
	if (!l->cfg.lease_ms)
		l->cfg.lease_ms = 15000;
	if (!l->cfg.renew_deadline_ms)
		l->cfg.renew_deadline_ms = 10000;
	if (!l->cfg.retry_ms)
		l->cfg.retry_ms = 2000;
	pthread_mutex_init(&l->mu, NULL);
	if (!l->ns || !l->name || !l->identity ||
	    pthread_create(&l->thread, NULL, campaign, l) != 0) {
		free(l->ns);
		free(l->name);
		free(l->identity);
		pthread_mutex_destroy(&l->mu);
		free(l);
		cube_err_set(err, CUBE_ENOMEM, "cannot start leader election");
		return NULL;
	}
	return l;
}

bool cube_leader_is_leader(cube_leader *l)
{
	return atomic_load(&l->leading);
}

void cube_leader_holder(cube_leader *l, char *buf, size_t size)
{
	pthread_mutex_lock(&l->mu);
	snprintf(buf, size, "%s", l->holder);
	pthread_mutex_unlock(&l->mu);
}

void cube_leader_stop(cube_leader *l)
{
	if (!l)
		return;
	atomic_store(&l->stop, 1);
	pthread_join(l->thread, NULL);
	free(l->ns);
	free(l->name);
	free(l->identity);
	pthread_mutex_destroy(&l->mu);
	free(l);
}
