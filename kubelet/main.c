/* main.c - cubelet: flags, signals, cubelet_start(). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cubelet.h"
#include "flags.h"
#include "http.h"
#include "log.h"
#include "quantity.h"
#include "logrotate.h"
#include "shim.h"

static volatile sig_atomic_t stopping;
static cube_flag_list *mirrors;

static void free_mirrors(void)
{
	free(mirrors->v);
	mirrors->v = NULL;
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	/* the runc runtime's per-container shim is this binary too */
	if (argc > 1 && !strcmp(argv[1], "--shim"))
		return cubelet_shim_main(argc, argv);
	cubelet_config cfg = {
		.port = 10250, .bind_address = "127.0.0.1", .root_dir = "/var/lib/cubelet"};
	const char *cpu = NULL, *memory = NULL, *log_max_size = "10Mi";
	cfg.log_max_files = LOGROTATE_DEFAULT_MAX_FILES;
	int verbosity = 2;
	const cube_flag flags[] = {
		{"master", CUBE_FLAG_STRING, &cfg.master,
		 "the API server's URL (instead of --kubeconfig)"},
		{"kubeconfig", CUBE_FLAG_STRING, &cfg.kubeconfig,
		 "a kubeconfig file to reach the API server"},
		{"hostname-override", CUBE_FLAG_STRING, &cfg.hostname,
		 "the node's name (default: the host name)"},
		{"root-dir", CUBE_FLAG_STRING, &cfg.root_dir, "directory for the cubelet's files"},
		{"pod-cidr", CUBE_FLAG_STRING, &cfg.pod_cidr,
		 "the node's pod CIDR (default 10.244.0.0/24, or the Node's spec.podCIDR)"},
		{"runtime", CUBE_FLAG_STRING, &cfg.runtime,
		 "container runtime: runc (default) or hollow (the default with --hollow-nodes)"},
		{"image-store", CUBE_FLAG_STRING, &cfg.image_store,
		 "the node's image store (default <root-dir>/images)"},
		{"netns", CUBE_FLAG_STRING, &cfg.netns,
		 "the node's network namespace, where the pod bridge lives (default: the "
		 "cubelet's own)"},
		{"registry-mirror", CUBE_FLAG_LIST, &cfg.registry_mirrors,
		 "DOMAIN=MIRROR: pull images named under DOMAIN from MIRROR instead "
		 "(docker.io=127.0.0.1:5000); repeatable"},
		{"node-ip", CUBE_FLAG_STRING, &cfg.node_ip, "the node's InternalIP"},
		{"node-labels", CUBE_FLAG_STRING, &cfg.node_labels,
		 "labels for the Node, k=v,k2=v2"},
		{"bind-address", CUBE_FLAG_STRING, &cfg.bind_address,
		 "address for /healthz and /metrics"},
		{"cpu", CUBE_FLAG_STRING, &cpu,
		 "CPU capacity to declare, a quantity (default: the machine's)"},
		{"memory", CUBE_FLAG_STRING, &memory,
		 "memory capacity to declare, a quantity (default: the machine's)"},
		{"pods", CUBE_FLAG_INT, &cfg.max_pods, "maximum pods on the node (default 110)"},
		{"kube-reserved", CUBE_FLAG_STRING, &cfg.kube_reserved,
		 "resources kept for the node's Kubernetes daemons, subtracted from allocatable: "
		 "cpu=100m,memory=256Mi,ephemeral-storage=1Gi"},
		{"system-reserved", CUBE_FLAG_STRING, &cfg.system_reserved,
		 "resources kept for the operating system, likewise"},
		{"eviction-hard", CUBE_FLAG_STRING, &cfg.eviction_hard,
		 "thresholds under which the node reports MemoryPressure or DiskPressure, "
		 "subtracted from allocatable (default "
		 "\"memory.available<100Mi,nodefs.available<10%\")"},
		{"port", CUBE_FLAG_INT, &cfg.port,
		 "port for /healthz and /metrics (0: any free port, -1: none)"},
		{"hollow-nodes", CUBE_FLAG_INT, &cfg.hollow_nodes,
		 "run this many hollow nodes hollow-0..N-1 in one process"},
		{"network-backend", CUBE_FLAG_STRING, &cfg.network_backend,
		 "routes to other nodes' pod CIDRs, from the Node objects, in this node's "
		 "network namespace: none, host-gw (through their node addresses) or vxlan"},
		{"service-cidr", CUBE_FLAG_STRING, &cfg.service_cidr,
		 "the Services' ClusterIP range (default 10.96.0.0/12): with a network backend, "
		 "routed to the pod bridge so that cube-proxy's DNAT sees it"},
		{"hollow-first-index", CUBE_FLAG_INT, &cfg.hollow_first,
		 "number the hollow nodes from this one (several cubelets: hollow-K..K+N-1)"},
		{"container-log-max-size", CUBE_FLAG_STRING, &log_max_size,
		 "a container's log file is rotated when it reaches this size, a quantity"},
		{"container-log-max-files", CUBE_FLAG_INT, &cfg.log_max_files,
		 "log files kept per container attempt, the current one included (at least 2)"},
		{"node-heartbeat-interval", CUBE_FLAG_DURATION, &cfg.heartbeat_s,
		 "how often each node renews its Lease (default 10s)"},
		{"v", CUBE_FLAG_INT, &verbosity,
		 "log level: 0 errors, 1 warnings, 2 info, 3 debug"},
		{0},
	};
	cube_err err = CUBE_ERR_INIT;
	mirrors = &cfg.registry_mirrors;
	atexit(free_mirrors);
	int rc = cube_flags_parse(flags, argc, argv, NULL, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u = cube_flags_usage(
			"cubelet", "cubelet registers a node and runs the pods bound to it.",
			flags);
		fputs(u ? u : "", stdout);
		free(u);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "cubelet: %s\n", err.msg);
		return 2;
	}
	if (!cfg.master && !cfg.kubeconfig) {
		fprintf(stderr, "cubelet: one of --master or --kubeconfig is required\n");
		return 2;
	}
	for (size_t i = 0; i < cfg.registry_mirrors.n; i++) {
		const char *m = cfg.registry_mirrors.v[i], *eq = strchr(m, '=');
		if (!eq || eq == m || !eq[1]) {
			fprintf(stderr,
				"cubelet: invalid --registry-mirror \"%s\": want DOMAIN=MIRROR\n",
				m);
			return 2;
		}
	}
	cube_quantity q;
	if (cpu) {
		if (cube_quantity_parse(cpu, &q, &err) < 0 || cube_quantity_milli(&q) <= 0) {
			fprintf(stderr, "cubelet: invalid --cpu: %s\n",
				err.msg[0] ? err.msg : "must be positive");
			return 2;
		}
		cfg.cpu_milli = (int)cube_quantity_milli(&q);
	}
	if (memory) {
		if (cube_quantity_parse(memory, &q, &err) < 0 || cube_quantity_value(&q) <= 0) {
			fprintf(stderr, "cubelet: invalid --memory: %s\n",
				err.msg[0] ? err.msg : "must be positive");
			return 2;
		}
		cfg.memory_bytes = cube_quantity_value(&q);
	}
	if (cube_quantity_parse(log_max_size, &q, &err) < 0 || cube_quantity_value(&q) <= 0) {
		fprintf(stderr, "cubelet: invalid --container-log-max-size: %s\n",
			err.msg[0] ? err.msg : "must be positive");
		return 2;
	}
	cfg.log_max_size = cube_quantity_value(&q);
	if (cfg.log_max_files < 2) {
		fprintf(stderr,
			"cubelet: invalid --container-log-max-files: must be greater than 1\n");
		return 2;
	}
	if (cfg.hollow_nodes < 0 || cfg.hollow_nodes > 10000 || cfg.hollow_first < 0 ||
	    cfg.hollow_first > 60000 || cfg.port < -1 || cfg.port > 65535) {
		fprintf(stderr,
			"cubelet: invalid value: --hollow-nodes 0..10000, --hollow-first-index "
			"0..60000, --port -1..65535\n");
		return 2;
	}
	if (cfg.network_backend && strcmp(cfg.network_backend, "none") &&
	    strcmp(cfg.network_backend, "host-gw") && strcmp(cfg.network_backend, "vxlan")) {
		fprintf(stderr, "cubelet: --network-backend: none, host-gw or vxlan, not \"%s\"\n",
			cfg.network_backend);
		return 2;
	}
	if (cfg.network_backend && strcmp(cfg.network_backend, "none") && cfg.hollow_nodes) {
		fprintf(stderr,
			"cubelet: --network-backend %s is for a real node (in its own "
			"network namespace), not --hollow-nodes\n",
			cfg.network_backend);
		return 2;
	}
	cube_log_set_level(verbosity < 0   ? CUBE_LOG_ERROR
			   : verbosity > 3 ? CUBE_LOG_DEBUG
					   : (cube_log_level)verbosity);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	cube_http_global_init();
	cubelet *k = cubelet_start(&cfg, &err);
	if (!k) {
		fprintf(stderr, "cubelet: %s\n", err.msg);
		return 1;
	}
	cube_log_info("cubelet: %zu node(s) with the %s runtime", k->n_nodes, k->rt->name);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping)
		pause();
	cube_log_info("cubelet: shutting down");
	cubelet_stop(k);
	return 0;
}
