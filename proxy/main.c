/* main.c - cube-proxy: flags, signals, proxier_start() or --cleanup. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "flags.h"
#include "http.h"
#include "iptables.h"
#include "log.h"
#include "proxier.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	proxier_config cfg = {.healthz_bind = "0.0.0.0",
			      .healthz_port = 10256,
			      .metrics_bind = "127.0.0.1",
			      .metrics_port = 10249,
			      .masquerade_bit = 14,
			      .conntrack = true};
	const char *min_sync = "1s", *sync = "30s";
	bool cleanup = false;
	int verbosity = 2;
	const cube_flag flags[] = {
		{"master", CUBE_FLAG_STRING, &cfg.master,
		 "the API server's URL (instead of --kubeconfig)"},
		{"kubeconfig", CUBE_FLAG_STRING, &cfg.kubeconfig,
		 "a kubeconfig file to reach the API server"},
		{"hostname-override", CUBE_FLAG_STRING, &cfg.hostname,
		 "this node's name, for endpoints on this node (externalTrafficPolicy: Local)"},
		{"node-ip", CUBE_FLAG_STRING, &cfg.node_ip, "this node's primary address"},
		{"nodeport-addresses", CUBE_FLAG_STRING, &cfg.nodeport_addresses,
		 "addresses NodePorts answer on: IP[,IP...] or 'primary' (--node-ip); default: "
		 "every local address but 127.0.0.0/8"},
		{"cluster-cidr", CUBE_FLAG_STRING, &cfg.cluster_cidr,
		 "the pods' address range; traffic to a ClusterIP from outside it is masqueraded"},
		{"min-sync-period", CUBE_FLAG_STRING, &min_sync,
		 "the shortest time between two syncs (a burst of changes waits for it): 1s, "
		 "100ms ..."},
		{"sync-period", CUBE_FLAG_STRING, &sync,
		 "how often every rule is rewritten in full"},
		{"healthz-bind-address", CUBE_FLAG_STRING, &cfg.healthz_bind,
		 "address for /healthz"},
		{"healthz-port", CUBE_FLAG_INT, &cfg.healthz_port,
		 "port for /healthz (kube-proxy's JSON); 0: any free port, -1: none"},
		{"metrics-bind-address", CUBE_FLAG_STRING, &cfg.metrics_bind,
		 "address for /metrics"},
		{"metrics-port", CUBE_FLAG_INT, &cfg.metrics_port,
		 "port for /metrics; 0: any free port, -1: none"},
		{"iptables-masquerade-bit", CUBE_FLAG_INT, &cfg.masquerade_bit,
		 "the fwmark bit that marks packets to masquerade"},
		{"conntrack", CUBE_FLAG_BOOL, &cfg.conntrack,
		 "delete stale UDP conntrack entries with the conntrack tool"},
		{"netns", CUBE_FLAG_STRING, &cfg.ipt.netns,
		 "program the tables of this network namespace (a file such as /run/netns/X) "
		 "instead of our own; for tests and benchmarks"},
		{"iptables-restore", CUBE_FLAG_STRING, &cfg.ipt.iptables_restore,
		 "the iptables-restore program"},
		{"iptables-save", CUBE_FLAG_STRING, &cfg.ipt.iptables_save,
		 "the iptables-save program"},
		{"cleanup", CUBE_FLAG_BOOL, &cleanup,
		 "remove every rule and chain cube-proxy owns, then exit"},
		{"v", CUBE_FLAG_INT, &verbosity,
		 "log level: 0 errors, 1 warnings, 2 info, 3 debug"},
		{0},
	};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_flags_parse(flags, argc, argv, NULL, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u = cube_flags_usage("cube-proxy",
					   "cube-proxy programs iptables NAT for Services.", flags);
		fputs(u ? u : "", stdout);
		free(u);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "cube-proxy: %s\n", err.msg);
		return 2;
	}
	cfg.min_sync_ms = proxy_parse_duration_ms(min_sync);
	cfg.sync_ms = proxy_parse_duration_ms(sync);
	if (cfg.min_sync_ms < 0 || cfg.sync_ms <= 0) {
		fprintf(stderr, "cube-proxy: invalid %s: want a duration such as 1s or 100ms\n",
			cfg.min_sync_ms < 0 ? "--min-sync-period" : "--sync-period");
		return 2;
	}
	cube_log_set_level(verbosity < 0   ? CUBE_LOG_ERROR
			   : verbosity > 3 ? CUBE_LOG_DEBUG
					   : (cube_log_level)verbosity);
	signal(SIGPIPE, SIG_IGN);
	if (cleanup) {
		if (proxy_ipt_cleanup(&cfg.ipt, &err) < 0) {
			fprintf(stderr, "cube-proxy: cleanup: %s\n", err.msg);
			return 1;
		}
		cube_log_info("cube-proxy: removed every KUBE- rule and chain it owns");
		return 0;
	}
	if (!cfg.master && !cfg.kubeconfig) {
		fprintf(stderr, "cube-proxy: one of --master or --kubeconfig is required\n");
		return 2;
	}
	cube_http_global_init();
	proxier *p = proxier_start(&cfg, &err);
	if (!p) {
		fprintf(stderr, "cube-proxy: %s\n", err.msg);
		return 1;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping)
		pause();
	cube_log_info("cube-proxy: shutting down (rules stay in place)");
	proxier_stop(p);
	return 0;
}
