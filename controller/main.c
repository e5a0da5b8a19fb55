/* main.c - cube-controller-manager: flags, signals, cm_start(). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cm.h"
#include "flags.h"
#include "http.h"
#include "log.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	cm_config cfg = {.controllers = "*",
			 .leader_elect = true,
			 .port = 10257,
			 .bind_address = "127.0.0.1",
			 .workers = 5,
			 .node_monitor_grace_s = 40,
			 .node_monitor_period_s = 5,
			 .pod_eviction_timeout_s = 300,
			 .terminated_pod_gc_threshold = 12500,
			 .cluster_cidr = "10.244.0.0/16",
			 .node_cidr_mask_size = 24};
	int verbosity = 2;
	const cube_flag flags[] = {
		{"master", CUBE_FLAG_STRING, &cfg.master,
		 "the API server's URL (instead of --kubeconfig)"},
		{"kubeconfig", CUBE_FLAG_STRING, &cfg.kubeconfig,
		 "a kubeconfig file to reach the API server"},
		{"controllers", CUBE_FLAG_STRING, &cfg.controllers,
		 "controllers to run: '*' for all, 'name' to enable, '-name' to disable, "
		 "comma-separated"},
		{"leader-elect", CUBE_FLAG_BOOL, &cfg.leader_elect,
		 "elect a leader on the Lease kube-system/kube-controller-manager before acting"},
		{"concurrent-syncs", CUBE_FLAG_INT, &cfg.workers,
		 "workers per controller (objects synced at once)"},
		{"node-monitor-grace-period", CUBE_FLAG_INT, &cfg.node_monitor_grace_s,
		 "seconds without a heartbeat before a node is marked Unknown"},
		{"node-monitor-period", CUBE_FLAG_INT, &cfg.node_monitor_period_s,
		 "seconds between checks of the nodes' heartbeats"},
		{"pod-eviction-timeout", CUBE_FLAG_INT, &cfg.pod_eviction_timeout_s,
		 "seconds a node may be unreachable before its pods are deleted"},
		{"terminated-pod-gc-threshold", CUBE_FLAG_INT, &cfg.terminated_pod_gc_threshold,
		 "terminated pods kept before the oldest are deleted"},
		{"allocate-node-cidrs", CUBE_FLAG_BOOL, &cfg.allocate_node_cidrs,
		 "give each Node a pod CIDR from --cluster-cidr (the nodeipam controller)"},
		{"cluster-cidr", CUBE_FLAG_STRING, &cfg.cluster_cidr, "CIDR range of the pods"},
		{"node-cidr-mask-size", CUBE_FLAG_INT, &cfg.node_cidr_mask_size,
		 "prefix length of each node's pod CIDR"},
		{"port", CUBE_FLAG_INT, &cfg.port,
		 "port for /healthz and /metrics (0: any free port, -1: none)"},
		{"bind-address", CUBE_FLAG_STRING, &cfg.bind_address,
		 "address for /healthz and /metrics"},
		{"v", CUBE_FLAG_INT, &verbosity,
		 "log level: 0 errors, 1 warnings, 2 info, 3 debug"},
		{0},
	};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_flags_parse(flags, argc, argv, NULL, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u =
			cube_flags_usage("cube-controller-manager",
					 "cube-controller-manager runs the control loops.", flags);
		fputs(u ? u : "", stdout);
		fputs("\ncontrollers:\n", stdout);
		for (const cm_desc *d = cm_controllers; d->name; d++)
			printf("  %-18s %s\n", d->name, d->help);
		free(u);
		return 0;
	}
	if (rc == 0 && cm_check_controllers(cfg.controllers, &err) < 0)
		rc = -1;
	if (rc == 0 && (cfg.workers < 1 || cfg.node_monitor_grace_s < 1 ||
			cfg.node_monitor_period_s < 1 || cfg.pod_eviction_timeout_s < 0)) {
		cube_err_set(&err, CUBE_EINVAL,
			     "--concurrent-syncs, --node-monitor-grace-period and "
			     "--node-monitor-period must be at least 1, --pod-eviction-timeout "
			     "at least 0");
		rc = -1;
	}
	if (rc < 0) {
		fprintf(stderr, "cube-controller-manager: %s\n", err.msg);
		return 2;
	}
	if (!cfg.master && !cfg.kubeconfig) {
		fprintf(stderr,
			"cube-controller-manager: one of --master or --kubeconfig is required\n");
		return 2;
	}
	cube_log_set_level(verbosity < 0   ? CUBE_LOG_ERROR
			   : verbosity > 3 ? CUBE_LOG_DEBUG
					   : (cube_log_level)verbosity);
	signal(SIGPIPE, SIG_IGN);
	cube_http_global_init();
	cm *m = cm_start(&cfg, &err);
	if (!m) {
		fprintf(stderr, "cube-controller-manager: %s\n", err.msg);
		return 1;
	}
	cube_log_info("cube-controller-manager: started");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping && !atomic_load(&m->lost))
		usleep(200 * 1000);
	bool lost = atomic_load(&m->lost);
	cube_log_info("cube-controller-manager: shutting down");
	cm_stop(m);
	return lost ? 1 : 0;
}
