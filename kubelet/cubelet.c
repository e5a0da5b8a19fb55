/* cubelet.c - start-up and shutdown of the node agent: the API client, the
 * node(s), the heartbeat thread, the pod controller, /healthz and /metrics. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubelet.h"
#include "daemon.h"
#include "exec.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"

/* The container runtimes, by --runtime name. */
static const cube_runtime_ops *const runtimes[] = {&cube_runc_runtime, &cube_hollow_runtime, NULL};

const cube_runtime_ops *cube_runtime_find(const char *name)
{
	for (size_t i = 0; runtimes[i]; i++)
		if (!strcmp(runtimes[i]->name, name))
			return runtimes[i];
	return NULL;
}

/* The cubelet's own routes beside /healthz and /metrics, tried in turn:
 * each answers the paths it owns and returns false for the others. */
static bool (*const route_table[])(void *ud, cube_httpd_req *req) = {
	logs_handle,	    /* /containerLogs/ */
	exec_handle,	    /* /exec/ */
	stats_handle,	    /* /stats/summary */
	portforward_handle, /* /portForward/ */
};

static bool routes(void *ud, cube_httpd_req *req)
{
	for (size_t i = 0; i < sizeof(route_table) / sizeof(route_table[0]); i++)
		if (route_table[i](ud, req))
			return true;
	return false;
}

cube_robj *cubelet_route_pod(cubelet *k, cube_httpd_req *req, const char *prefix, char *cname,
			     size_t size)
{
	char ns[256], pod_name[256], c[256];
	if (sscanf(cube_httpd_path(req) + strlen(prefix), "%255[^/]/%255[^/]/%255[^/]", ns,
		   pod_name, c) != 3) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "expected %s<namespace>/<pod>/<container>", prefix);
		return NULL;
	}
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", ns, pod_name);
	cube_robj *o = k->pods ? cube_informer_get(k->pods, key) : NULL;
	if (!o) {
		cube_httpd_respond_status(req, 404, "NotFound", NULL, "pods \"%s\" not found",
					  pod_name);
		return NULL;
	}
	if (!cube_pod_container(o->json, c)) {
		cube_httpd_respond_status(req, 400, "BadRequest", NULL,
					  "container %s is not valid for pod %s", c, pod_name);
		cube_robj_unref(o);
		return NULL;
	}
	snprintf(cname, size, "%s", c);
	return o;
}

static bool healthy(void *ud, char *why, size_t size)
{
	cubelet *k = ud;
	if (k->pods && cube_informer_synced(k->pods))
		return true;
	snprintf(why, size, "pod informer not synced");
	return false;
}

/* Node i of a hollow fleet: 10.244.i.0/24-style CIDRs beyond the lab's, and
 * loopback-range InternalIPs that nothing ever sends to. */
static void hollow_identity(kubelet_node *n, size_t i)
{
	snprintf(n->name, sizeof(n->name), "hollow-%zu", i);
	snprintf(n->pod_cidr, sizeof(n->pod_cidr), "10.%zu.%zu.0/24", 128 + i / 256, i % 256);
	snprintf(n->ip, sizeof(n->ip), "127.1.%zu.%zu", (i + 1) / 256, (i + 1) % 256);
}

cubelet *cubelet_start(const cubelet_config *cfg, cube_err *err)
{
	cubelet *k = calloc(1, sizeof(*k));
	if (!k) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	k->cfg = *cfg;
	if (k->cfg.heartbeat_s <= 0)
		k->cfg.heartbeat_s = 10;
	if (k->cfg.workers <= 0)
		k->cfg.workers = k->cfg.hollow_nodes ? 16 : 4;
	/* runc by default; a hollow fleet is hollow */
	const char *rt = cfg->runtime && cfg->runtime[0] ? cfg->runtime
			 : k->cfg.hollow_nodes		 ? "hollow"
							 : "runc";
	k->rt = cube_runtime_find(rt);
	if (!k->rt) {
		cube_err_set(err, CUBE_EINVAL,
			     "unknown --runtime \"%s\" (this build has: runc, hollow)", rt);
		goto fail;
	}
	if (k->cfg.hollow_nodes && strcmp(k->rt->name, "hollow")) {
		cube_err_set(err, CUBE_EINVAL, "--hollow-nodes needs --runtime hollow");
		goto fail;
	}
	if (reserved_parse(k->cfg.kube_reserved, &k->kube_reserved, err) < 0 ||
	    reserved_parse(k->cfg.system_reserved, &k->system_reserved, err) < 0) {
		cube_err_prefix(err, "invalid --kube-reserved or --system-reserved");
		goto fail;
	}
	if (eviction_hard_parse(k->cfg.eviction_hard ? k->cfg.eviction_hard : EVICTION_HARD_DEFAULT,
				&k->hard, err) < 0) {
		cube_err_prefix(err, "invalid --eviction-hard");
		goto fail;
	}
	if (!(k->client = cube_daemon_client(k->cfg.kubeconfig, k->cfg.master,
					     "cubelet/v1.32.0-cube", err)))
		goto fail;
	k->metrics = cube_metrics_new();
	k->m_syncs = cube_metrics_counter(k->metrics, "cubelet_pod_syncs_total", "Pod syncs done.",
					  NULL);
	k->m_heartbeats = cube_metrics_counter(k->metrics, "cubelet_node_heartbeats_total",
					       "Node Lease renewals.", NULL);
	k->n_nodes = k->cfg.hollow_nodes > 0 ? (size_t)k->cfg.hollow_nodes : 1;
	k->nodes = calloc(k->n_nodes, sizeof(*k->nodes));
	k->by_name = cube_strmap_new();
	if (!k->nodes || !k->by_name) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < k->n_nodes; i++) {
		kubelet_node *n = &k->nodes[i];
		n->k = k;
		pthread_mutex_init(&n->mu, NULL);
		n->cpu_milli = k->cfg.cpu_milli > 0 ? k->cfg.cpu_milli
						    : sysconf(_SC_NPROCESSORS_ONLN) * 1000;
		n->memory_bytes = k->cfg.memory_bytes > 0 ? k->cfg.memory_bytes
							  : (int64_t)sysconf(_SC_PHYS_PAGES) *
								    sysconf(_SC_PAGESIZE);
		n->max_pods = k->cfg.max_pods > 0 ? k->cfg.max_pods : 110;
		n->storage_bytes = 100LL << 30; /* hollow nodes: a fixed 100Gi */
		node_signals sig;
		if (!k->cfg.hollow_nodes && node_signals_read(k->cfg.root_dir, &sig) == 0)
			n->storage_bytes = sig.fs_total;
		cube_time_now(n->ready_since, sizeof(n->ready_since));
		snprintf(n->mem_since, sizeof(n->mem_since), "%s", n->ready_since);
		snprintf(n->disk_since, sizeof(n->disk_since), "%s", n->ready_since);
		if (!k->cfg.hollow_nodes)
			node_pressure_check(n);
		if (k->cfg.hollow_nodes) {
			hollow_identity(n, i + (size_t)k->cfg.hollow_first);
		} else {
			char host[128] = "";
			if (cfg->hostname && cfg->hostname[0])
				snprintf(host, sizeof(host), "%s", cfg->hostname);
			else
				gethostname(host, sizeof(host) - 1);
			snprintf(n->name, sizeof(n->name), "%s", host);
			snprintf(n->pod_cidr, sizeof(n->pod_cidr), "%s",
				 cfg->pod_cidr && cfg->pod_cidr[0] ? cfg->pod_cidr
								   : "10.244.0.0/24");
			snprintf(n->ip, sizeof(n->ip), "%s",
				 cfg->node_ip && cfg->node_ip[0] ? cfg->node_ip : "127.0.0.1");
		}
		cube_strmap_put(k->by_name, n->name, n, NULL);
		/* Register before anything runs; retry later (heartbeat thread) if the
		 * server is not there yet. */
		cube_err rerr = CUBE_ERR_INIT;
		if (node_register(n, &rerr) < 0) {
			if (i == 0 && rerr.code != CUBE_EUNAVAIL) {
				*err = rerr;
				goto fail;
			}
			cube_log_warn("%s", rerr.msg);
		}
		if (k->rt->init(n, err) < 0)
			goto fail;
	}
	k->recorder = cube_recorder_new(k->client, "kubelet",
					k->n_nodes == 1 ? k->nodes[0].name : NULL, err);
	if (!k->recorder)
		goto fail;
	if (pthread_create(&k->heartbeat, NULL, node_heartbeat_main, k) != 0) {
		cube_err_set(err, CUBE_EIO, "cannot start the heartbeat thread");
		goto fail;
	}
	k->heartbeat_started = true;
	if (pods_start(k, err) < 0 || nodes_watch(k, err) < 0 || routes_start(k, err) < 0 ||
	    stats_start(k, err) < 0)
		goto fail;
	cube_daemon_serve_config hc = {.bind_address = cfg->bind_address,
				       .port = cfg->port,
				       .metrics = k->metrics,
				       .healthy = healthy,
				       .handle = routes,
				       .ud = k};
	if (cfg->port >= 0 && !(k->httpd = cube_daemon_serve(&hc, err)))
		goto fail;
	return k;
fail:
	cubelet_stop(k);
	return NULL;
}

void cubelet_stop(cubelet *k)
{
	if (!k)
		return;
	atomic_store(&k->stop, 1);
	cube_httpd_stop(k->httpd);
	/* log follows end with the server's streams */
	for (int i = 0; i < 100 && atomic_load(&k->log_followers) > 0; i++)
		usleep(20 * 1000);
	cube_informer_free(k->node_inf);
	stats_stop(k);
	routes_stop(k);
	pods_stop(k);
	if (k->heartbeat_started)
		pthread_join(k->heartbeat, NULL);
	cube_recorder_free(k->recorder);
	for (size_t i = 0; k->nodes && i < k->n_nodes; i++) {
		if (k->rt && k->nodes[i].runtime_state)
			k->rt->cleanup(&k->nodes[i]);
		cJSON_Delete(k->nodes[i].lease);
		pthread_mutex_destroy(&k->nodes[i].mu);
	}
	free(k->nodes);
	cube_strmap_free(k->by_name);
	cube_metrics_free(k->metrics);
	cube_kclient_free(k->client);
	free(k);
}
