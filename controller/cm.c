/* cm.c - the controller-manager's table, start-up, leadership and stop. */
#include "cm.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "leaderelect.h"
#include "log.h"
#include "controllers.h"

/* Kubernetes' controller names (kube-controller-manager --controllers). */
const cm_desc cm_controllers[] = {
	{"replicaset", replicaset_init, "keeps spec.replicas pods of each ReplicaSet"},
	{"deployment", deployment_init, "rolls Deployments out through ReplicaSets"},
	{"garbagecollector", gc_init, "deletes dependents whose owners are gone"},
	{"daemonset", daemonset_init, "runs one pod of each DaemonSet on every node it selects"},
	{"statefulset", statefulset_init,
	 "keeps StatefulSets' ordinal pods, created, scaled and updated in order"},
	{"job", job_init, "runs each Job's pods to completion"},
	{"cronjob", cronjob_init, "creates Jobs from CronJobs on their schedule"},
	{"endpoint", endpoints_init, "lists the ready and not-ready pod addresses of each Service"},
	{"nodelifecycle", nodelifecycle_init,
	 "marks silent nodes Unknown, taints them and evicts their pods"},
	{"namespace", namespace_init, "deletes the content of terminating namespaces"},
	{"podgc", podgc_init, "deletes terminated pods beyond a threshold and orphaned pods"},
	{"nodeipam", nodeipam_init,
	 "gives each Node a pod CIDR from --cluster-cidr (with --allocate-node-cidrs)"},
	{NULL, NULL, NULL},
};

typedef struct cm_entry {
	cube_controller *ctl;
	void *state;
	void (*free_state)(void *);
} cm_entry;

typedef struct cm_rec {
	char *component;
	cube_recorder *rec;
} cm_rec;

struct cm_priv {
	pthread_mutex_t mu;
	cm_entry *entries;
	size_t n, cap;
	cm_rec *recs;
	size_t n_recs;
	cube_leader *leader;
	cube_httpd *httpd;
	bool running;
	cube_metric *m_depth, *m_adds, *m_retries, *m_leader;
};

/* ---- the --controllers flag ------------------------------------------------ */

bool cm_enabled(const char *controllers, const char *name)
{
	if (!controllers || !controllers[0])
		controllers = "*";
	bool star = false, on = false, off = false;
	const char *p = controllers;
	size_t len = strlen(name);
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '*')
			star = true;
		else if (n == len + 1 && p[0] == '-' && !strncmp(p + 1, name, len))
			off = true;
		else if (n == len && !strncmp(p, name, len))
			on = true;
		p += n + (e ? 1 : 0);
	}
	if (off)
		return false;
	return on || star;
}

int cm_check_controllers(const char *controllers, cube_err *err)
{
	if (!controllers)
		return 0;
	const char *p = controllers;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *name = p[0] == '-' ? p + 1 : p;
		size_t nl = n - (size_t)(name - p);
		bool ok = n == 1 && p[0] == '*';
		for (const cm_desc *d = cm_controllers; !ok && d->name; d++)
			ok = strlen(d->name) == nl && !strncmp(d->name, name, nl);
		if (!ok)
			return cube_err_set(err, CUBE_EINVAL,
					    "--controllers: \"%.*s\" is not a known controller",
					    (int)n, p);
		p += n + (e ? 1 : 0);
	}
	return 0;
}

/* ---- registration ------------------------------------------------------------ */

int cm_add(cm *m, cube_controller *c, void *state, void (*free_state)(void *), cube_err *err)
{
	struct cm_priv *p = m->priv;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		cm_entry *e = realloc(p->entries, cap * sizeof(*e));
		if (!e) {
			cube_controller_free(c);
			if (state && free_state)
				free_state(state);
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
		p->entries = e;
		p->cap = cap;
	}
	p->entries[p->n++] = (cm_entry){c, state, free_state};
	return 0;
}

cube_recorder *cm_recorder(cm *m, const char *component, cube_err *err)
{
	struct cm_priv *p = m->priv;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n_recs; i++)
		if (!strcmp(p->recs[i].component, component)) {
			pthread_mutex_unlock(&p->mu);
			return p->recs[i].rec;
		}
	cm_rec *r = realloc(p->recs, (p->n_recs + 1) * sizeof(*r));
	cube_recorder *rec = NULL;
	if (r) {
		p->recs = r;
		rec = cube_recorder_new(m->client, component, NULL, err);
		char *name = rec ? strdup(component) : NULL;
		if (rec && !name) {
			cube_recorder_free(rec);
			rec = NULL;
		}
		if (rec)
			p->recs[p->n_recs++] = (cm_rec){name, rec};
	}
	pthread_mutex_unlock(&p->mu);
	if (!r)
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return rec;
}

/* ---- leadership ------------------------------------------------------------------ */

static void run_all(cm *m)
{
	struct cm_priv *p = m->priv;
	pthread_mutex_lock(&p->mu);
	if (!p->running) {
		p->running = true;
		for (size_t i = 0; i < p->n; i++) {
			cube_err err = CUBE_ERR_INIT;
			if (cube_controller_run(p->entries[i].ctl, NULL, 0, 0, &err) < 0)
				cube_log_error("cube-controller-manager: %s", err.msg);
		}
	}
	pthread_mutex_unlock(&p->mu);
}

static void on_lead(void *ud)
{
	cm *m = ud;
	cube_log_info("cube-controller-manager: leading; starting controllers");
	atomic_store(&m->leading, true);
	run_all(m);
}

static void on_unlead(void *ud)
{
	cm *m = ud;
	if (!atomic_load(&m->leading))
		return;
	atomic_store(&m->leading, false);
	atomic_store(&m->lost, true);
	cube_log_error("cube-controller-manager: leaderelection lost");
}

/* Kubernetes' work-queue metrics, per controller. */
static void collect(void *ud)
{
	cm *m = ud;
	struct cm_priv *p = m->priv;
	for (size_t i = 0; i < p->n; i++) {
		cube_workqueue_stats st;
		cube_workqueue_stats_get(cube_controller_queue(p->entries[i].ctl), &st);
		const char *name[] = {cube_controller_name(p->entries[i].ctl), NULL};
		cube_metric_set(p->m_depth, name, (double)st.depth);
		/* counters: add what the queue counted since the last scrape */
		cube_metric_add(p->m_adds, name,
				(double)st.adds - cube_metric_value(p->m_adds, name));
		cube_metric_add(p->m_retries, name,
				(double)st.retries - cube_metric_value(p->m_retries, name));
	}
	cube_metric_set(p->m_leader, NULL, atomic_load(&m->leading) ? 1 : 0);
}

static bool healthy(void *ud, char *why, size_t size)
{
	cm *m = ud;
	if (atomic_load(&m->lost)) {
		snprintf(why, size, "leader election lost");
		return false;
	}
	return true;
}

/* ---- start and stop ---------------------------------------------------------------- */

cm *cm_start(const cm_config *cfg, cube_err *err)
{
	if (cm_check_controllers(cfg->controllers, err) < 0)
		return NULL;
	cm *m = calloc(1, sizeof(*m));
	struct cm_priv *p = m ? calloc(1, sizeof(*p)) : NULL;
	if (!p) {
		free(m);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	m->priv = p;
	pthread_mutex_init(&p->mu, NULL);
	m->cfg = *cfg;
	if (m->cfg.workers <= 0)
		m->cfg.workers = 5;
	if (m->cfg.node_monitor_grace_s <= 0)
		m->cfg.node_monitor_grace_s = 40;
	if (m->cfg.node_monitor_period_s <= 0)
		m->cfg.node_monitor_period_s = 5;
	if (m->cfg.pod_eviction_timeout_s < 0)
		m->cfg.pod_eviction_timeout_s = 300;
	m->client = cube_daemon_client(cfg->kubeconfig, cfg->master,
				       "cube-controller-manager/v1.32.0-cube", err);
	if (!m->client)
		goto fail;
	m->metrics = cube_metrics_new();
	if (!m->metrics || !(m->factory = cube_informer_factory_new(m->client, 0, err))) {
		if (!m->metrics)
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	static const char *const by_name[] = {"name", NULL};
	p->m_depth = cube_metrics_gauge(m->metrics, "workqueue_depth", "Current depth of workqueue",
					by_name);
	p->m_adds = cube_metrics_counter(m->metrics, "workqueue_adds_total",
					 "Total number of adds handled by workqueue", by_name);
	p->m_retries =
		cube_metrics_counter(m->metrics, "workqueue_retries_total",
				     "Total number of retries handled by workqueue", by_name);
	p->m_leader = cube_metrics_gauge(m->metrics, "leader_election_master_status",
					 "1 while this process leads, else 0", NULL);
	for (const cm_desc *d = cm_controllers; d->name; d++) {
		if (!cm_enabled(cfg->controllers, d->name)) {
			cube_log_info("cube-controller-manager: \"%s\" is disabled", d->name);
			continue;
		}
		if (d->init(m, err) < 0) {
			cube_err_prefix(err, "%s controller", d->name);
			goto fail;
		}
		cube_log_info("cube-controller-manager: started \"%s\"", d->name);
	}
	if (cube_informer_factory_start(m->factory, 0, err) < 0)
		goto fail;
	if (cfg->leader_elect) {
		cube_leader_config lc = {.client = m->client,
					 .ns = "kube-system",
					 .name = "kube-controller-manager",
					 .identity = cfg->identity,
					 .release_on_stop = true,
					 .on_started = on_lead,
					 .on_stopped = on_unlead,
					 .ud = m};
		if (!(p->leader = cube_leader_start(&lc, err)))
			goto fail;
	} else {
		on_lead(m);
	}
	if (cfg->port >= 0) {
		cube_daemon_serve_config hc = {.bind_address = cfg->bind_address,
					       .port = cfg->port,
					       .metrics = m->metrics,
					       .healthy = healthy,
					       .collect = collect,
					       .ud = m};
		if (!(p->httpd = cube_daemon_serve(&hc, err)))
			goto fail;
	}
	return m;
fail:
	cm_stop(m);
	return NULL;
}

void cm_stop(cm *m)
{
	if (!m)
		return;
	struct cm_priv *p = m->priv;
	cube_httpd_stop(p->httpd);
	cube_leader_stop(p->leader);
	atomic_store(&m->leading, false);
	/* Workers finish; queues stay valid (ignoring adds) until the
	 * informers, whose handlers enqueue, are gone. */
	for (size_t i = 0; i < p->n; i++)
		cube_controller_shutdown(p->entries[i].ctl);
	cube_informer_factory_free(m->factory);
	for (size_t i = 0; i < p->n; i++) {
		cube_controller_free(p->entries[i].ctl);
		if (p->entries[i].state && p->entries[i].free_state)
			p->entries[i].free_state(p->entries[i].state);
	}
	free(p->entries);
	for (size_t i = 0; i < p->n_recs; i++) {
		cube_recorder_free(p->recs[i].rec);
		free(p->recs[i].component);
	}
	free(p->recs);
	cube_metrics_free(m->metrics);
	cube_kclient_free(m->client);
	pthread_mutex_destroy(&p->mu);
	free(p);
	free(m);
}
