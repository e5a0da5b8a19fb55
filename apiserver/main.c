/* main.c - cube-apiserver: flags, signals, and apiserver_start(). */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "apiserver.h"
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
	apiserver_config cfg = {.etcd_servers = "http://127.0.0.1:2379",
				.bind_address = "0.0.0.0",
				.port = 6443,
				.compaction_interval_s = 300,
				.bookmark_interval_s = 60,
				.event_ttl_s = 3600,
				.service_cidr = "10.96.0.0/12",
				.node_port_range = "30000-32767",
				.not_ready_toleration_s = 300,
				.unreachable_toleration_s = 300};
	int threads = 32, cache = 4096, verbosity = 2;
	bool metrics_api = true;
	const cube_flag flags[] = {
		{"etcd-servers", CUBE_FLAG_STRING, &cfg.etcd_servers,
		 "etcd URLs to connect to, comma-separated (fail-over in order)"},
		{"bind-address", CUBE_FLAG_STRING, &cfg.bind_address, "IPv4 address to listen on"},
		{"port", CUBE_FLAG_INT, &cfg.port,
		 "port to serve plain HTTP on (0: any free port, printed at start)"},
		{"etcd-compaction-interval", CUBE_FLAG_DURATION, &cfg.compaction_interval_s,
		 "how often etcd history is compacted; 0 disables"},
		{"watch-bookmark-interval", CUBE_FLAG_DURATION, &cfg.bookmark_interval_s,
		 "how often watchers that allow bookmarks get one"},
		{"event-ttl", CUBE_FLAG_DURATION, &cfg.event_ttl_s, "how long events are kept"},
		{"service-cluster-ip-range", CUBE_FLAG_STRING, &cfg.service_cidr,
		 "IPv4 CIDR from which Service ClusterIPs are allocated"},
		{"service-node-port-range", CUBE_FLAG_STRING, &cfg.node_port_range,
		 "port range for NodePort Services"},
		{"default-not-ready-toleration-seconds", CUBE_FLAG_INT, &cfg.not_ready_toleration_s,
		 "tolerationSeconds of the not-ready:NoExecute toleration added to every pod"},
		{"default-unreachable-toleration-seconds", CUBE_FLAG_INT,
		 &cfg.unreachable_toleration_s,
		 "tolerationSeconds of the unreachable:NoExecute toleration added to every pod"},
		{"enable-metrics-api", CUBE_FLAG_BOOL, &metrics_api,
		 "serve metrics.k8s.io (kubectl top) from the cubelets' /stats/summary"},
		{"watch-cache-size", CUBE_FLAG_INT, &cache,
		 "events kept per resource for resuming watches"},
		{"threads", CUBE_FLAG_INT, &threads,
		 "request worker threads (each may wait on etcd)"},
		{"v", CUBE_FLAG_INT, &verbosity,
		 "log level: 0 errors, 1 warnings, 2 info, 3 debug"},
		{0},
	};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_flags_parse(flags, argc, argv, NULL, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u = cube_flags_usage(
			"cube-apiserver",
			"cube-apiserver serves the Kubernetes API (v1.32, JSON) over etcd.", flags);
		fputs(u ? u : "", stdout);
		free(u);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "cube-apiserver: %s\n", err.msg);
		return 2;
	}
	if (cfg.port < 0 || cfg.port > 65535 || threads < 1 || threads > 1024 || cache < 16) {
		fprintf(stderr, "cube-apiserver: invalid value: --port 0..65535, --threads "
				"1..1024, --watch-cache-size >= 16\n");
		return 2;
	}
	if (cfg.not_ready_toleration_s < 0 || cfg.unreachable_toleration_s < 0) {
		fprintf(stderr,
			"cube-apiserver: invalid value: --default-not-ready-toleration-seconds "
			"and --default-unreachable-toleration-seconds must be >= 0\n");
		return 2;
	}
	cfg.threads = (unsigned)threads;
	cfg.watch_cache_size = (size_t)cache;
	cfg.no_metrics_api = !metrics_api;
	cube_log_set_level(verbosity < 0   ? CUBE_LOG_ERROR
			   : verbosity > 3 ? CUBE_LOG_DEBUG
					   : (cube_log_level)verbosity);

	/* Many watchers means many sockets: take what the hard limit allows. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	cube_http_global_init();

	apiserver *s = apiserver_start(&cfg, &err);
	if (!s) {
		fprintf(stderr, "cube-apiserver: %s\n", err.msg);
		return 1;
	}
	cube_log_info("serving on %s:%d, etcd %s", cfg.bind_address, apiserver_port(s),
		      cfg.etcd_servers);

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping)
		pause();
	cube_log_info("shutting down");
	apiserver_stop(s);
	return 0;
}
