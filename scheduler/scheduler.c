/* scheduler.c - the scheduling loop (see scheduler.h). */
#include "scheduler.h"

#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "controller.h"
#include "events.h"
#include "daemon.h"
#include "httpd.h"
#include "informer.h"
#include "kclient.h"
#include "kubeconfig.h"
#include "leaderelect.h"
#include "log.h"
#include "metrics.h"
#include "obj.h"
#include "strmap.h"
#include "yaml.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 10000
/* Bindings run beside the decisions, as Kubernetes' binding cycle does in its
 * own goroutine: the next pod is decided while the last ones are being bound. */
#define BINDERS 8

/* A decided pod on its way to the API server (the binder's work). */
struct bind {
	cube_robj *pod;
	char *node;
	char *card;	    /* the scorecard annotation, or NULL */
	struct timespec t0; /* when its scheduling attempt began */
};

static void bind_free(struct bind *b)
{
	if (!b)
		return;
	cube_robj_unref(b->pod);
	free(b->node);
	free(b->card);
	free(b);
}

struct scheduler {
	scheduler_config cfg;
	sched_policy policy;
	cube_kclient *client;
	cube_informer_factory *factory;
	cube_informer *nodes, *pods, *services, *replicasets;
	cube_controller *ctl;	 /* decisions: one worker, in queue order */
	cube_controller *binder; /* bindings: BINDERS workers, off the decision path */
	cube_strmap *binds;	 /* pod key -> struct bind * waiting for the binder; under mu */
	cube_recorder *recorder;
	cube_leader *leader;
	cube_httpd *httpd;
	cube_metrics *metrics;
	cube_metric *m_attempts, *m_latency;
	pthread_mutex_t mu;
	sched_cache *cache;
	size_t next_start;
	cube_strmap *unschedulable; /* pod key -> (void*)backoff ms */
	/* pod key -> (void*)spec.priority of pending pods, for the queue's order;
	 * prio_mu is a leaf lock (the queue calls pod_priority under its own) */
	pthread_mutex_t prio_mu;
	cube_strmap *prio;
	atomic_bool leading;
	atomic_bool started;
};

static unsigned rnd(void)
{
	unsigned r = 0;
	if (getrandom(&r, sizeof(r), 0) < 0)
		r = (unsigned)rand();
	return r;
}

static bool pending(const cJSON *pod)
{
	const char *node = cube_json_str(pod, "spec.nodeName");
	const char *sched = cube_json_str(pod, "spec.schedulerName");
	const char *phase = cube_json_str(pod, "status.phase");
	return (!node || !node[0]) && !cube_json_str(pod, "metadata.deletionTimestamp") &&
	       (!sched || !strcmp(sched, "default-scheduler")) &&
	       (!phase || (strcmp(phase, "Succeeded") && strcmp(phase, "Failed")));
}

/* ---- one decision ------------------------------------------------------------------- */

static void set_unschedulable(scheduler *s, const cJSON *pod, const char *msg)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cube_autojson cJSON *patch = cJSON_CreateObject();
	cJSON *st = cJSON_AddObjectToObject(patch, "status");
	cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "PodScheduled");
	cJSON_AddStringToObject(c, "status", "False");
	cJSON_AddNullToObject(c, "lastProbeTime");
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", "Unschedulable");
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddItemToArray(conds, c);
	/* Unchanged message: no write (the condition is already there). */
	const cJSON *old;
	cJSON_ArrayForEach (old, cube_json_path(pod, "status.conditions")) {
		const char *type = cube_json_str(old, "type");
		const char *m = cube_json_str(old, "message");
		if (type && !strcmp(type, "PodScheduled") && m && !strcmp(m, msg))
			return;
	}
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *out =
		cube_kclient_patch(s->client, &CUBE_GVR_PODS, cube_obj_namespace(pod),
				   cube_obj_name(pod), "status", "strategic", patch, &err);
	if (!out && err.code != CUBE_ENOTFOUND)
		cube_log_warn("pod %s/%s: %s", cube_obj_namespace(pod), cube_obj_name(pod),
			      err.msg);
}

static int sync_pod(void *ud, const char *key, cube_err *err)
{
	scheduler *s = ud;
	if (!atomic_load(&s->leading))
		return 0; /* not our turn: the leader schedules */
	cube_robj *o = cube_informer_get(s->pods, key);
	if (!o || !pending(o->json)) {
		pthread_mutex_lock(&s->mu);
		cube_strmap_del(s->unschedulable, key);
		pthread_mutex_unlock(&s->mu);
		cube_robj_unref(o);
		return 0;
	}
	if (sched_cache_is_assumed(s->cache, key)) {
		cube_robj_unref(o);
		return 0; /* its binding is on the way */
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Services and ReplicaSets for spreading: few, listed per decision. */
	cube_robj **svcs, **rss;
	size_t n_svcs = cube_informer_list(s->services, &svcs);
	size_t n_rss = cube_informer_list(s->replicasets, &rss);
	const cJSON **svc_json = calloc(n_svcs + 1, sizeof(*svc_json));
	const cJSON **rs_json = calloc(n_rss + 1, sizeof(*rs_json));
	for (size_t i = 0; svc_json && i < n_svcs; i++)
		svc_json[i] = svcs[i]->json;
	for (size_t i = 0; rs_json && i < n_rss; i++)
		rs_json[i] = rss[i]->json;
	sched_snapshot snap = {.services = svc_json,
			       .n_services = svc_json ? n_svcs : 0,
			       .replicasets = rs_json,
			       .n_replicasets = rs_json ? n_rss : 0};
	sched_result res;
	sched_cache_lock(s->cache, &snap);
	snap.start = s->next_start;
	int rc = sched_schedule(&s->policy, o->json, &snap, rnd, &res);
	char node[256] = "";
	if (rc == 0) {
		s->next_start = res.next_start;
		if (res.chosen >= 0)
			snprintf(node, sizeof(node), "%s", snap.nodes[res.chosen].name);
	}
	sched_cache_unlock(s->cache);
	free(svc_json);
	free(rs_json);
	cube_robj_list_free(svcs, n_svcs);
	cube_robj_list_free(rss, n_rss);
	if (rc < 0) {
		cube_robj_unref(o);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	cube_autofree char *card = res.scorecard ? cJSON_PrintUnformatted(res.scorecard) : NULL;
	const char *ns = cube_obj_namespace(o->json), *name = cube_obj_name(o->json);
	if (s->cfg.explain && card)
		cube_log_info("pod %s/%s: %s", ns, name, card);
	if (res.chosen < 0) {
		cube_metric_add(s->m_attempts, (const char *const[]){"unschedulable"}, 1);
		cube_event(s->recorder, o->json, "Warning", "FailedScheduling", "%s", res.message);
		set_unschedulable(s, o->json, res.message);
		pthread_mutex_lock(&s->mu);
		intptr_t back = (intptr_t)cube_strmap_get(s->unschedulable, key);
		back = back ? (back * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : back * 2)
			    : BACKOFF_MIN_MS;
		cube_strmap_put(s->unschedulable, key, (void *)back, NULL);
		pthread_mutex_unlock(&s->mu);
		cube_controller_enqueue_after(s->ctl, key, back);
		sched_result_clear(&res);
		cube_robj_unref(o);
		return 0;
	}
	/* Assume: the next decision counts this pod on its node before the
	 * binding comes back through the watch; then hand it to the binders. */
	struct bind *b = NULL;
	if (sched_cache_assume(s->cache, o, node) < 0)
		goto nomem;
	pthread_mutex_lock(&s->mu);
	cube_strmap_del(s->unschedulable, key);
	pthread_mutex_unlock(&s->mu);
	b = calloc(1, sizeof(*b));
	if (!b || !(b->node = strdup(node)) || (card && !(b->card = strdup(card))))
		goto forget;
	b->pod = cube_robj_ref(o);
	b->t0 = t0;
	pthread_mutex_lock(&s->mu);
	struct bind *old = NULL;
	int put = cube_strmap_put(s->binds, key, b, (void **)&old);
	pthread_mutex_unlock(&s->mu);
	bind_free(old);
	if (put < 0)
		goto forget;
	if (cube_workqueue_add(cube_controller_queue(s->binder), key, err) < 0) {
		pthread_mutex_lock(&s->mu);
		cube_strmap_del(s->binds, key);
		pthread_mutex_unlock(&s->mu);
		goto forget;
	}
	sched_result_clear(&res);
	cube_robj_unref(o);
	return 0;
forget:
	sched_cache_forget(s->cache, key);
nomem:
	bind_free(b);
	sched_result_clear(&res);
	cube_robj_unref(o);
	return cube_err_set(err, CUBE_ENOMEM, "scheduling %s: out of memory", key);
}

/* The binder: POST pods/<name>/binding with the scorecard; on failure the
 * assumption is forgotten and the pod goes back to the scheduling queue. */
static int sync_bind(void *ud, const char *key, cube_err *err)
{
	(void)err;
	scheduler *s = ud;
	pthread_mutex_lock(&s->mu);
	struct bind *b = cube_strmap_del(s->binds, key);
	pthread_mutex_unlock(&s->mu);
	if (!b)
		return 0;
	const char *ns = cube_obj_namespace(b->pod->json), *name = cube_obj_name(b->pod->json);
	cube_autojson cJSON *ann = cJSON_CreateObject();
	if (b->card)
		cJSON_AddStringToObject(ann, "scheduler.cube.io/scorecard", b->card);
	cube_err berr = CUBE_ERR_INIT;
	if (cube_kclient_bind(s->client, ns, name, cube_obj_uid(b->pod->json), b->node, ann,
			      &berr) < 0) {
		sched_cache_forget(s->cache, key);
		cube_metric_add(s->m_attempts, (const char *const[]){"error"}, 1);
		/* gone, or bound by someone else meanwhile: nothing to retry */
		if (berr.code != CUBE_ENOTFOUND && berr.code != CUBE_ECONFLICT) {
			cube_log_warn("binding %s to %s: %s", key, b->node, berr.msg);
			cube_controller_enqueue_after(s->ctl, key, BACKOFF_MIN_MS);
		}
	} else {
		cube_metric_add(s->m_attempts, (const char *const[]){"scheduled"}, 1);
		cube_event(s->recorder, b->pod->json, "Normal", "Scheduled",
			   "Successfully assigned %s/%s to %s", ns, name, b->node);
	}
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cube_metric_observe(s->m_latency, NULL,
			    (double)(t1.tv_sec - b->t0.tv_sec) +
				    (double)(t1.tv_nsec - b->t0.tv_nsec) / 1e9);
	bind_free(b);
	return 0;
}

/* ---- events that can make pending pods fit ---------------------------------------- */

static int requeue_one(void *ud, const char *key, void *v)
{
	(void)v;
	cube_controller_enqueue(((scheduler *)ud)->ctl, key);
	return 0;
}

static void requeue_unschedulable(scheduler *s)
{
	pthread_mutex_lock(&s->mu);
	cube_strmap_each(s->unschedulable, requeue_one, s);
	pthread_mutex_unlock(&s->mu);
}

/* The scheduling queue's order: spec.priority (set from priorityClassName
 * in Kubernetes; 0 when absent), then the time queued. */
static int64_t pod_priority(void *ud, const char *key)
{
	scheduler *s = ud;
	pthread_mutex_lock(&s->prio_mu);
	intptr_t p = (intptr_t)cube_strmap_get(s->prio, key);
	pthread_mutex_unlock(&s->prio_mu);
	return p;
}

/* Records a pending pod's priority (before it is queued), or forgets it. */
static void note_priority(scheduler *s, const cube_robj *o, bool is_pending)
{
	int64_t p = is_pending ? cube_json_int(o->json, "spec.priority", 0) : 0;
	pthread_mutex_lock(&s->prio_mu);
	if (p)
		cube_strmap_put(s->prio, o->key, (void *)(intptr_t)p, NULL);
	else
		cube_strmap_del(s->prio, o->key);
	pthread_mutex_unlock(&s->prio_mu);
}

static void pod_add(void *ud, cube_robj *o)
{
	scheduler *s = ud;
	sched_cache_pod_set(s->cache, o);
	bool p = pending(o->json);
	note_priority(s, o, p);
	if (p)
		cube_controller_enqueue(s->ctl, o->key);
}

static void pod_update(void *ud, cube_robj *old, cube_robj *cur)
{
	scheduler *s = ud;
	if (old != cur) {
		sched_cache_pod_set(s->cache, cur); /* a bound pod replaces its assumption */
		note_priority(s, cur, pending(cur->json));
	}
	const char *node = cube_json_str(cur->json, "spec.nodeName");
	if (node && node[0]) {
		pthread_mutex_lock(&s->mu);
		cube_strmap_del(s->unschedulable, cur->key);
		pthread_mutex_unlock(&s->mu);
		/* A pod that finished frees room. */
		const char *phase = cube_json_str(cur->json, "status.phase");
		const char *was = cube_json_str(old->json, "status.phase");
		if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")) &&
		    (!was || strcmp(was, phase)))
			requeue_unschedulable(s);
		return;
	}
	if (pending(cur->json) && old != cur)
		cube_controller_enqueue(s->ctl, cur->key);
}

static void pod_delete(void *ud, cube_robj *o)
{
	scheduler *s = ud;
	sched_cache_pod_del(s->cache, o->key);
	note_priority(s, o, false);
	pthread_mutex_lock(&s->mu);
	cube_strmap_del(s->unschedulable, o->key);
	pthread_mutex_unlock(&s->mu);
	const char *node = cube_json_str(o->json, "spec.nodeName");
	if (node && node[0])
		requeue_unschedulable(s); /* room was freed */
}

static void node_added(void *ud, cube_robj *o)
{
	scheduler *s = ud;
	sched_cache_node_set(s->cache, o);
	requeue_unschedulable(s);
}

static void node_updated(void *ud, cube_robj *old, cube_robj *cur)
{
	scheduler *s = ud;
	if (old == cur)
		return;
	sched_cache_node_set(s->cache, cur);
	/* Heartbeat-only changes do not make anyone fit; spec, labels, capacity may. */
	if (!cJSON_Compare(cube_json_path(old->json, "spec"), cube_json_path(cur->json, "spec"),
			   true) ||
	    !cJSON_Compare(cube_json_path(old->json, "metadata.labels"),
			   cube_json_path(cur->json, "metadata.labels"), true) ||
	    !cJSON_Compare(cube_json_path(old->json, "status.allocatable"),
			   cube_json_path(cur->json, "status.allocatable"), true))
		requeue_unschedulable(s);
}

static void node_deleted(void *ud, cube_robj *o)
{
	scheduler *s = ud;
	sched_cache_node_del(s->cache, cube_obj_name(o->json));
}

/* ---- leadership, serving, start and stop ------------------------------------------- */

static void on_lead(void *ud)
{
	scheduler *s = ud;
	atomic_store(&s->leading, true);
	/* Everything pending is ours now. */
	cube_robj **pods;
	size_t n = cube_informer_list(s->pods, &pods);
	for (size_t i = 0; i < n; i++)
		if (pending(pods[i]->json))
			cube_controller_enqueue(s->ctl, pods[i]->key);
	cube_robj_list_free(pods, n);
}

static void on_unlead(void *ud)
{
	scheduler *s = ud;
	atomic_store(&s->leading, false);
	cube_log_warn("cube-scheduler: lost leadership; standing by");
}

static int load_policy(scheduler *s, cube_err *err)
{
	sched_policy_default(&s->policy);
	if (!s->cfg.config_file)
		return 0;
	FILE *f = fopen(s->cfg.config_file, "r");
	if (!f)
		return cube_err_errno(err, errno, "--config %s", s->cfg.config_file);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	cube_autojson cJSON *cfg = cube_yaml_parse(buf, n, err);
	if (!cfg)
		return cube_err_prefix(err, "--config %s", s->cfg.config_file);
	char msg[256];
	if (sched_policy_from_json(&s->policy, cfg, msg, sizeof(msg)) < 0)
		return cube_err_set(err, CUBE_EINVAL, "--config %s: %s", s->cfg.config_file, msg);
	return 0;
}

scheduler *scheduler_start(const scheduler_config *cfg, cube_err *err)
{
	scheduler *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->prio_mu, NULL);
	s->prio = cube_strmap_new();
	s->cache = sched_cache_new();
	s->unschedulable = cube_strmap_new();
	s->binds = cube_strmap_new();
	if (!s->cache || !s->unschedulable || !s->binds || !s->prio) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	if (load_policy(s, err) < 0)
		goto fail;
	s->client = cube_daemon_client(cfg->kubeconfig, cfg->master, "cube-scheduler/v1.32.0-cube",
				       err);
	if (!s->client)
		goto fail;
	s->metrics = cube_metrics_new();
	static const char *const result_label[] = {"result", NULL};
	s->m_attempts = cube_metrics_counter(s->metrics, "scheduler_schedule_attempts_total",
					     "Number of attempts to schedule pods, by the result.",
					     result_label);
	s->m_latency = cube_metrics_histogram(
		s->metrics, "scheduler_scheduling_attempt_duration_seconds",
		"Scheduling attempt latency in seconds.", NULL, cube_metrics_latency_buckets,
		cube_metrics_latency_buckets_len);
	s->recorder = cube_recorder_new(s->client, "default-scheduler", NULL, err);
	if (!s->recorder)
		goto fail;
	cube_controller_config ctl = {.name = "scheduler",
				      .workers = 1,
				      .sync = sync_pod,
				      .ud = s,
				      .priority = pod_priority,
				      .priority_ud = s};
	if (!(s->ctl = cube_controller_new(&ctl, err)))
		goto fail;
	cube_controller_config bc = {
		.name = "scheduler-binder", .workers = BINDERS, .sync = sync_bind, .ud = s};
	if (!(s->binder = cube_controller_new(&bc, err)))
		goto fail;
	if (!(s->factory = cube_informer_factory_new(s->client, 0, err)) ||
	    !(s->nodes = cube_informer_factory_get(s->factory, &CUBE_GVR_NODES, NULL, NULL, NULL,
						   err)) ||
	    !(s->pods = cube_informer_factory_get(s->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						  err)) ||
	    !(s->services = cube_informer_factory_get(s->factory, &CUBE_GVR_SERVICES, NULL, NULL,
						      NULL, err)) ||
	    !(s->replicasets = cube_informer_factory_get(s->factory, &CUBE_GVR_REPLICASETS, NULL,
							 NULL, NULL, err)))
		goto fail;
	cube_informer_handlers ph = {
		.on_add = pod_add, .on_update = pod_update, .on_delete = pod_delete, .ud = s};
	cube_informer_handlers nh = {.on_add = node_added,
				     .on_update = node_updated,
				     .on_delete = node_deleted,
				     .ud = s};
	if (cube_informer_add_handlers(s->pods, &ph, err) < 0 ||
	    cube_informer_add_handlers(s->nodes, &nh, err) < 0)
		goto fail;
	if (cube_informer_factory_start(s->factory, 0, err) < 0)
		goto fail;
	if (cube_controller_run(s->ctl, NULL, 0, 0, err) < 0 ||
	    cube_controller_run(s->binder, NULL, 0, 0, err) < 0)
		goto fail;
	if (cfg->leader_elect) {
		cube_leader_config lc = {.client = s->client,
					 .ns = "kube-system",
					 .name = "kube-scheduler",
					 .identity = cfg->identity,
					 .release_on_stop = true,
					 .on_started = on_lead,
					 .on_stopped = on_unlead,
					 .ud = s};
		if (!(s->leader = cube_leader_start(&lc, err)))
			goto fail;
	} else {
		on_lead(s);
	}
	if (cfg->port >= 0) {
		cube_daemon_serve_config hc = {.bind_address = cfg->bind_address,
					       .port = cfg->port,
					       .metrics = s->metrics};
		if (!(s->httpd = cube_daemon_serve(&hc, err)))
			goto fail;
	}
	return s;
fail:
	scheduler_stop(s);
	return NULL;
}

static int free_bind_entry(void *ud, const char *key, void *v)
{
	(void)ud;
	(void)key;
	bind_free(v);
	return 0;
}

void scheduler_stop(scheduler *s)
{
	if (!s)
		return;
	cube_httpd_stop(s->httpd);
	cube_leader_stop(s->leader);
	atomic_store(&s->leading, false);
	/* Decisions stop, then bindings; both queues stay valid (ignoring
	 * adds) until the informers, whose handlers enqueue, are gone. */
	cube_controller_shutdown(s->ctl);
	cube_controller_shutdown(s->binder);
	cube_informer_factory_free(s->factory);
	cube_controller_free(s->ctl);
	cube_controller_free(s->binder);
	cube_recorder_free(s->recorder);
	cube_metrics_free(s->metrics);
	cube_kclient_free(s->client);
	sched_cache_free(s->cache);
	cube_strmap_free(s->unschedulable);
	cube_strmap_free(s->prio);
	if (s->binds)
		cube_strmap_each(s->binds, free_bind_entry, NULL);
	cube_strmap_free(s->binds);
	pthread_mutex_destroy(&s->prio_mu);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
