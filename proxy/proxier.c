/* proxier.c - cube-proxy's informers, sync loop, health and metrics. */
#include "proxier.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "informer.h"
#include "kclient.h"
#include "log.h"
#include "metrics.h"
#include "strmap.h"

struct proxier {
	proxier_config cfg;
	char hostname[256];
	char mark[16];
	char *nodeport_buf;
	const char *nodeport_ips[16];
	proxy_engine *engine;
	cube_kclient *client;
	cube_informer_factory *factory;
	cube_informer *svc_inf, *ep_inf;

	pthread_mutex_t mu;
	pthread_cond_t cond;
	cube_strmap *dirty; /* keys changed since the sync thread last looked */
	bool stopping;
	double last_queued;  /* wall time of the oldest change not yet synced (0: none) */
	double last_updated; /* wall time of the last successful sync */
	pthread_t thread;
	bool thread_started;

	cube_metrics *metrics;
	cube_metric *m_duration, *m_full, *m_partial, *m_last, *m_queued, *m_fail, *m_pfail;
	cube_metric *m_rules_total, *m_rules_last, *m_svc_changes, *m_ep_changes;
	cube_httpd *healthz, *metricsd;
};

/* ---- time --------------------------------------------------------------------------- */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void proxy_go_time(double t, char *buf, size_t size)
{
	time_t s = (time_t)floor(t);
	long ns = (long)((t - (double)s) * 1e9);
	if (ns < 0)
		ns = 0;
	if (ns > 999999999)
		ns = 999999999;
	struct tm tm;
	gmtime_r(&s, &tm);
	char frac[16] = "";
	if (ns) {
		snprintf(frac, sizeof(frac), ".%09ld", ns);
		size_t l = strlen(frac);
		while (l > 1 && frac[l - 1] == '0')
			frac[--l] = '\0';
	}
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d%s +0000 UTC", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

long proxy_parse_duration_ms(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long v = strtol(s, &end, 10);
	if (end != s && !*end)
		return v >= 0 ? v * 1000 : -1;
	double total = 0;
	const char *p = s;
	while (*p) {
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		double x = strtod(p, &end);
		if (end == p || x < 0)
			return -1;
		p = end;
		if (!strncmp(p, "ms", 2)) {
			total += x;
			p += 2;
		} else if (*p == 's') {
			total += x * 1000;
			p++;
		} else if (*p == 'm') {
			total += x * 60000;
			p++;
		} else if (*p == 'h') {
			total += x * 3600000;
			p++;
		} else {
			return -1;
		}
	}
	return (long)total;
}

/* ---- informer handlers: record the key, wake the sync thread ----------------------------- */

static void mark(proxier *p, const cube_robj *o, cube_metric *counter)
{
	pthread_mutex_lock(&p->mu);
	if (cube_strmap_put(p->dirty, o->key, (void *)1, NULL) < 0)
		cube_log_error("cube-proxy: out of memory recording a change to %s", o->key);
	if (!p->last_queued)
		p->last_queued = wall();
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->mu);
	cube_metric_add(counter, NULL, 1);
	cube_metric_set(p->m_queued, NULL, wall());
}

static void svc_add(void *ud, cube_robj *o)
{
	proxier *p = ud;
	mark(p, o, p->m_svc_changes);
}
static void svc_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	svc_add(ud, cur);
}
static void ep_add(void *ud, cube_robj *o)
{
	proxier *p = ud;
	mark(p, o, p->m_ep_changes);
}
static void ep_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	ep_add(ud, cur);
}

/* ---- the sync loop --------------------------------------------------------------------------- */

typedef struct apply_ctx {
	proxier *p;
	int errors;
} apply_ctx;

static int apply_key(void *ud, const char *key, void *value)
{
	(void)value;
	apply_ctx *a = ud;
	cube_robj *svc = cube_informer_get(a->p->svc_inf, key);
	cube_robj *ep = svc ? cube_informer_get(a->p->ep_inf, key) : NULL;
	cube_err err = CUBE_ERR_INIT;
	if (proxy_engine_set(a->p->engine, key, svc ? svc->json : NULL, ep ? ep->json : NULL,
			     &err) < 0) {
		cube_log_error("cube-proxy: %s", err.msg);
		a->errors++;
	}
	cube_robj_unref(svc);
	cube_robj_unref(ep);
	return 0;
}

static void sync_once(proxier *p, bool full, cube_strmap *dirty)
{
	apply_ctx a = {.p = p};
	cube_strmap_each(dirty, apply_key, &a);
	proxy_sync_stats st;
	cube_err err = CUBE_ERR_INIT;
	bool partial = !full && !proxy_engine_needs_full(p->engine);
	if (proxy_engine_sync(p->engine, full, &st, &err) < 0) {
		cube_log_error("cube-proxy: sync failed (the rules from the last good sync stay "
			       "in place; retrying): %s",
			       err.msg);
		cube_metric_add(p->m_fail, NULL, 1);
		if (partial)
			cube_metric_add(p->m_pfail, NULL, 1);
		return;
	}
	cube_metric_observe(p->m_duration, NULL, st.total_s);
	cube_metric_observe(st.full ? p->m_full : p->m_partial, NULL, st.total_s);
	cube_metric_set(p->m_last, NULL, wall());
	cube_metric_set(p->m_rules_total, (const char *const[]){"filter"}, (double)st.filter_rules);
	cube_metric_set(p->m_rules_total, (const char *const[]){"nat"},
			(double)(st.nat_rules_total - st.deleted_chains));
	cube_metric_set(p->m_rules_last, (const char *const[]){"filter"}, (double)st.filter_rules);
	cube_metric_set(p->m_rules_last, (const char *const[]){"nat"},
			(double)(st.nat_rules - st.deleted_chains));
	cube_log_info("cube-proxy: %s sync of %zu services (%zu endpoints): %zu filter and %zu "
		      "nat rules written, %zu chains deleted, %.1f ms",
		      st.full ? "full" : "partial", st.services, st.endpoints, st.filter_rules,
		      st.nat_rules, st.deleted_chains, st.total_s * 1e3);
	pthread_mutex_lock(&p->mu);
	p->last_updated = wall();
	if (!cube_strmap_len(p->dirty))
		p->last_queued = 0;
	pthread_mutex_unlock(&p->mu);
}

static void *sync_thread(void *arg)
{
	proxier *p = arg;
	double last_sync = -1e9, next_full = 0;
	bool initialized = false;
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		double now = mono();
		if (!initialized) {
			pthread_mutex_unlock(&p->mu);
			initialized =
				cube_informer_synced(p->svc_inf) && cube_informer_synced(p->ep_inf);
			pthread_mutex_lock(&p->mu);
			if (!initialized) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += 50 * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&p->cond, &p->mu, &ts);
				continue;
			}
			cube_log_info("cube-proxy: Services and Endpoints listed; first sync");
		}
		bool full = now >= next_full;
		bool due = (cube_strmap_len(p->dirty) > 0 || proxy_engine_needs_full(p->engine)) &&
			   now - last_sync >= (double)p->cfg.min_sync_ms / 1e3;
		if (!full && !due) {
			double wake = next_full;
			if (cube_strmap_len(p->dirty) || proxy_engine_needs_full(p->engine)) {
				double m = last_sync + (double)p->cfg.min_sync_ms / 1e3;
				if (m < wake)
					wake = m;
			}
			double wait = wake - now;
			if (wait < 0.001)
				wait = 0.001;
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + wait;
			ts.tv_sec = (time_t)t;
			ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
			pthread_cond_timedwait(&p->cond, &p->mu, &ts);
			continue;
		}
		cube_strmap *dirty = p->dirty;
		cube_strmap *fresh = cube_strmap_new();
		if (!fresh) {
			pthread_mutex_unlock(&p->mu);
			cube_log_error("cube-proxy: out of memory; retrying");
			sleep(1);
			pthread_mutex_lock(&p->mu);
			continue;
		}
		p->dirty = fresh;
		pthread_mutex_unlock(&p->mu);
		sync_once(p, full, dirty);
		cube_strmap_free(dirty);
		last_sync = mono();
		if (full || proxy_engine_needs_full(p->engine))
			next_full = last_sync + (double)p->cfg.sync_ms / 1e3;
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- health ------------------------------------------------------------------------------------
 */

static bool healthz(void *ud, cube_httpd_req *req)
{
	proxier *p = ud;
	const char *path = cube_httpd_path(req);
	if (strcmp(path, "/healthz") && strcmp(path, "/livez"))
		return false;
	pthread_mutex_lock(&p->mu);
	double queued = p->last_queued, updated = p->last_updated;
	pthread_mutex_unlock(&p->mu);
	double now = wall();
	/* kube-proxy: unhealthy when a queued change has waited longer than
	 * the health timeout (2 x --sync-period) for a sync. */
	bool healthy = !(queued && queued > updated && now - queued > 2.0 * p->cfg.sync_ms / 1e3);
	char lu[64], ct[64], body[256];
	proxy_go_time(healthy ? now : updated, lu, sizeof(lu));
	proxy_go_time(now, ct, sizeof(ct));
	snprintf(body, sizeof(body),
		 "{\"lastUpdated\": \"%s\",\"currentTime\": \"%s\", "
		 "\"nodeEligible\": true}",
		 lu, ct);
	cube_httpd_add_header(req, "X-Content-Type-Options", "nosniff");
	cube_httpd_respond_text(req, healthy ? 200 : 503, "application/json", body);
	return true;
}

/* ---- start and stop ----------------------------------------------------------------------------
 */

static int setup_metrics(proxier *p)
{
	static const double buckets[] = {0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128,
					 0.256, 0.512, 1.024, 2.048, 4.096, 8.192, 16.384};
	static const char *const table[] = {"table", NULL};
	cube_metrics *m = p->metrics = cube_metrics_new();
	if (!m)
		return -1;
	size_t nb = sizeof(buckets) / sizeof(*buckets);
	p->m_duration =
		cube_metrics_histogram(m, "kubeproxy_sync_proxy_rules_duration_seconds",
				       "SyncProxyRules latency in seconds", NULL, buckets, nb);
	p->m_full = cube_metrics_histogram(m, "kubeproxy_sync_full_proxy_rules_duration_seconds",
					   "SyncProxyRules latency in seconds for full resyncs",
					   NULL, buckets, nb);
	p->m_partial = cube_metrics_histogram(
		m, "kubeproxy_sync_partial_proxy_rules_duration_seconds",
		"SyncProxyRules latency in seconds for partial resyncs", NULL, buckets, nb);
	p->m_last = cube_metrics_gauge(m, "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
				       "The last time proxy rules were successfully synced", NULL);
	p->m_queued =
		cube_metrics_gauge(m, "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
				   "The last time a sync of proxy rules was queued", NULL);
	p->m_fail = cube_metrics_counter(
		m, "kubeproxy_sync_proxy_rules_iptables_restore_failures_total",
		"Cumulative proxy iptables restore failures", NULL);
	p->m_pfail = cube_metrics_counter(
		m, "kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total",
		"Cumulative proxy iptables partial restore failures", NULL);
	p->m_rules_total =
		cube_metrics_gauge(m, "kubeproxy_sync_proxy_rules_iptables_total",
				   "Total number of iptables rules owned by kube-proxy", table);
	p->m_rules_last = cube_metrics_gauge(
		m, "kubeproxy_sync_proxy_rules_iptables_last",
		"Number of iptables rules written by kube-proxy in last sync", table);
	p->m_svc_changes =
		cube_metrics_counter(m, "kubeproxy_sync_proxy_rules_service_changes_total",
				     "Cumulative proxy rules Service changes", NULL);
	p->m_ep_changes =
		cube_metrics_counter(m, "kubeproxy_sync_proxy_rules_endpoint_changes_total",
				     "Cumulative proxy rules Endpoint changes", NULL);
	return 0;
}

proxier *proxier_start(const proxier_config *cfg, cube_err *err)
{
	proxier *p = calloc(1, sizeof(*p));
	if (!p) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (cfg->hostname && *cfg->hostname) {
		snprintf(p->hostname, sizeof(p->hostname), "%s", cfg->hostname);
	} else {
		gethostname(p->hostname, sizeof(p->hostname) - 1);
		for (char *c = p->hostname; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	int bit = cfg->masquerade_bit;
	if (bit < 0 || bit > 31) {
		cube_err_set(err, CUBE_EINVAL, "--iptables-masquerade-bit must be within 0..31");
		goto fail;
	}
	snprintf(p->mark, sizeof(p->mark), "%#08x", 1u << bit);

	size_t n_np = 0;
	if (cfg->nodeport_addresses && *cfg->nodeport_addresses) {
		if (!strcmp(cfg->nodeport_addresses, "primary")) {
			if (!cfg->node_ip) {
				cube_err_set(err, CUBE_EINVAL,
					     "--nodeport-addresses primary needs --node-ip");
				goto fail;
			}
			p->nodeport_ips[n_np++] = cfg->node_ip;
		} else {
			p->nodeport_buf = strdup(cfg->nodeport_addresses);
			if (!p->nodeport_buf) {
				cube_err_set(err, CUBE_ENOMEM, "out of memory");
				goto fail;
			}
			char *save = NULL;
			for (char *t = strtok_r(p->nodeport_buf, ",", &save); t && n_np < 16;
			     t = strtok_r(NULL, ",", &save))
				p->nodeport_ips[n_np++] = t;
		}
	}
	proxy_engine_config ec = {
		.rules = {.masquerade_mark = p->mark,
			  .cluster_cidr = cfg->cluster_cidr && *cfg->cluster_cidr
						  ? cfg->cluster_cidr
						  : NULL,
			  .nodeport_ips = p->nodeport_ips,
			  .n_nodeport_ips = n_np,
			  .random_fully = true},
		.ipt = cfg->ipt,
		.hostname = p->hostname,
		.conntrack = cfg->conntrack,
	};
	p->engine = proxy_engine_new(&ec, err);
	p->dirty = cube_strmap_new();
	if (!p->engine || !p->dirty || setup_metrics(p) < 0) {
		if (!err || err->code == CUBE_OK)
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	p->client =
		cube_daemon_client(cfg->kubeconfig, cfg->master, "cube-proxy/v1.32.0-cube", err);
	if (!p->client)
		goto fail;
	p->factory = cube_informer_factory_new(p->client, 0, err);
	if (!p->factory)
		goto fail;
	p->svc_inf =
		cube_informer_factory_get(p->factory, &CUBE_GVR_SERVICES, NULL, NULL, NULL, err);
	p->ep_inf =
		cube_informer_factory_get(p->factory, &CUBE_GVR_ENDPOINTS, NULL, NULL, NULL, err);
	if (!p->svc_inf || !p->ep_inf)
		goto fail;
	cube_informer_handlers sh = {
		.on_add = svc_add, .on_update = svc_update, .on_delete = svc_add, .ud = p};
	cube_informer_handlers eh = {
		.on_add = ep_add, .on_update = ep_update, .on_delete = ep_add, .ud = p};
	if (cube_informer_add_handlers(p->svc_inf, &sh, err) < 0 ||
	    cube_informer_add_handlers(p->ep_inf, &eh, err) < 0)
		goto fail;
	if (cfg->healthz_port >= 0) {
		p->healthz = cube_daemon_serve(
			&(cube_daemon_serve_config){.bind_address = cfg->healthz_bind,
						    .port = cfg->healthz_port,
						    .handle = healthz,
						    .ud = p},
			err);
		if (!p->healthz) {
			cube_err_prefix(err, "--healthz-port %d", cfg->healthz_port);
			goto fail;
		}
	}
	if (cfg->metrics_port >= 0) {
		p->metricsd = cube_daemon_serve(
			&(cube_daemon_serve_config){.bind_address = cfg->metrics_bind,
						    .port = cfg->metrics_port,
						    .metrics = p->metrics,
						    .handle = healthz,
						    .ud = p},
			err);
		if (!p->metricsd) {
			cube_err_prefix(err, "--metrics-port %d", cfg->metrics_port);
			goto fail;
		}
	}
	/* Informers start listing now; the sync thread waits for both. */
	cube_err ierr = CUBE_ERR_INIT;
	if (cube_informer_factory_start(p->factory, 1, &ierr) < 0 && ierr.code != CUBE_ETIMEOUT) {
		*err = ierr;
		goto fail;
	}
	if (pthread_create(&p->thread, NULL, sync_thread, p) != 0) {
		cube_err_set(err, CUBE_EIO, "cannot start the sync thread");
		goto fail;
	}
	p->thread_started = true;
	cube_log_info("cube-proxy: node %s, masquerade mark %s, min sync %ld ms, full sync every "
		      "%ld ms%s%s",
		      p->hostname, p->mark, cfg->min_sync_ms, cfg->sync_ms,
		      cfg->ipt.netns ? ", tables in " : "", cfg->ipt.netns ? cfg->ipt.netns : "");
	return p;
fail:
	proxier_stop(p);
	return NULL;
}

void proxier_stop(proxier *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	cube_httpd_stop(p->healthz);
	cube_httpd_stop(p->metricsd);
	cube_informer_factory_free(p->factory);
	cube_kclient_free(p->client);
	proxy_engine_free(p->engine);
	cube_strmap_free(p->dirty);
	cube_metrics_free(p->metrics);
	free(p->nodeport_buf);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cond);
	free(p);
}
