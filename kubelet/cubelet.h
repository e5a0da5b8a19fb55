/* cubelet.h - the node agent: registers its Node(s), heartbeats, and makes
 * the pods bound to them real through a container runtime.
 *
 * One process runs one node, or with --hollow-nodes N, N "hollow" nodes
 * (hollow-0 .. hollow-N-1) sharing one pod watch, as Kubernetes' kubemark
 * does, so that one process can stand in for a thousand nodes in tests.
 *
 *   node.c     registration (capacity, allocatable, labels, addresses,
 *              nodeInfo), the conditions, the heartbeat (a Lease in
 *              kube-node-lease renewed every 10 s) and status reports
 *   pods.c     a pod informer (bound pods only) and a controller whose
 *              sync(key) runs, updates or tears down a pod
 *   runtime.h  the container runtime interface: a table of operations;
 *              hollow.c runs nothing (kubemark), runc.c runs real
 *              containers (ocispec.c: their OCI spec, shim.c: the process
 *              that holds each one's stdio and exit status, logrotate.c:
 *              its log rotated by size, probe.c: one probe run, hooks.c:
 *              postStart and preStop, podnet.c: the pod network,
 *              volumes.c: the pod's volumes and the ConfigMaps and
 *              Secrets they read)
 *   logs.c     GET /containerLogs/... from the runtime's CRI log files
 *   exec.c     GET /exec/... (WebSocket): a command in a container
 *   stats.c    GET /stats/summary (the kubelet's Summary API) from the
 *              runtime's container stats (cgroups) and the machine's
 *   portforward.c  GET /portForward/... (WebSocket): TCP connections to
 *              ports inside a pod's network namespace
 */
#ifndef CUBE_CUBELET_H
#define CUBE_CUBELET_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "controller.h"
#include "error.h"
#include "events.h"
#include "flags.h"
#include "httpd.h"
#include "informer.h"
#include "kclient.h"
#include "metrics.h"
#include "pressure.h"
#include "strmap.h"

struct cubelet;
struct kubelet_node;
struct exec_request;
struct exec_proc;

/* What a runtime reports of one running container for /stats/summary
 * (stats.c), in the Summary API's units. */
typedef struct cube_ctr_stats {
	char name[128];	     /* the container's name */
	char key[160];	     /* the attempt (e.g. its cgroup): keeps its previous CPU sample */
	char start_time[40]; /* RFC 3339, "" if unknown */
	uint64_t cpu_ns;     /* usageCoreNanoSeconds: CPU time used so far */
	int64_t nano_cores;  /* usageNanoCores when the runtime knows it; -1: stats.c
				computes it from two samples of cpu_ns */
	uint64_t mem_usage, mem_working_set, mem_rss, page_faults, major_page_faults;
} cube_ctr_stats;

/* The container runtime interface. A runtime keeps its per-node state in
 * node->runtime_state. Operations run on controller workers (several at
 * once, never two for one pod). */
typedef struct cube_runtime_ops {
	const char *name;
	int (*init)(struct kubelet_node *n, cube_err *err);
	/* Makes `pod` run as its spec says; returns a new PodStatus in *status. */
	int (*sync_pod)(struct kubelet_node *n, const cJSON *pod, cJSON **status, cube_err *err);
	/* Stops the pod's containers within grace_s seconds and releases what it holds. */
	int (*kill_pod)(struct kubelet_node *n, const cJSON *pod, int grace_s, cube_err *err);
	/* Forgets a pod that no longer exists (by uid). */
	void (*forget_pod)(struct kubelet_node *n, const char *uid);
	void (*cleanup)(struct kubelet_node *n);
	/* Optional: called once after the first pod list: removes what the
	 * runtime holds for pods for which alive(ud, uid) is false (a restarted
	 * cubelet adopts the others). */
	void (*gc_pods)(struct kubelet_node *n, bool (*alive)(void *ud, const char *uid), void *ud);
	/* Optional: the node's status.images (a new array), or NULL. */
	cJSON *(*node_images)(struct kubelet_node *n);
	/* Optional: the CRI log file of a container's current (or previous)
	 * attempt into path, and into done a file whose existence (or whose
	 * directory's absence) means the attempt has ended ("" when it has);
	 * -1 with err (its message is what the client sees) when there is none. */
	int (*log_file)(struct kubelet_node *n, const cJSON *pod, const char *container,
			bool previous, char *path, size_t size, char *done, size_t done_size,
			cube_err *err);
	/* Optional: starts a process in the container's running attempt, with
	 * the streams req asks for (exec.h); -1 with err (the client sees its
	 * message) when the container is not running. Runs on an exec
	 * session's thread. */
	int (*exec)(struct kubelet_node *n, const cJSON *pod, const char *container,
		    const struct exec_request *req, struct exec_proc *p, cube_err *err);
	/* Optional: the stats of the pod's running containers into out (at most
	 * max); returns how many (0: none running or none known). */
	int (*pod_stats)(struct kubelet_node *n, const cJSON *pod, cube_ctr_stats *out, int max);
	/* Optional: the node's own figures from the sum of its pods' (the cpu
	 * and memory fields of `pods`); NULL: the machine's (/proc). */
	void (*node_stats)(struct kubelet_node *n, const cube_ctr_stats *pods, cube_ctr_stats *out);
	/* pod_stats gives cumulative CPU only: stats.c samples it in the
	 * background so that a rate is ready when someone asks. */
	bool stats_sampled;
	/* Optional: the path of the pod's network namespace (its sandbox's)
	 * into path, "" for the cubelet's own; -1 with err (the client sees
	 * its message) when the pod has none yet or any more. For
	 * port-forward (portforward.c). */
	int (*pod_netns)(struct kubelet_node *n, const cJSON *pod, char *path, size_t size,
			 cube_err *err);
	const char *version; /* nodeInfo.containerRuntimeVersion */
} cube_runtime_ops;

extern const cube_runtime_ops cube_hollow_runtime;
extern const cube_runtime_ops cube_runc_runtime;

/* The runtime named `name`, or NULL. */
const cube_runtime_ops *cube_runtime_find(const char *name);

typedef struct kubelet_node {
	struct cubelet *k;
	char name[128];
	char ip[32];	   /* the node's InternalIP */
	char pod_cidr[32]; /* spec.podCIDR (given or assigned) */
	int64_t cpu_milli;
	int64_t memory_bytes;
	int64_t max_pods;
	int64_t storage_bytes;		  /* ephemeral-storage capacity: --root-dir's filesystem */
	bool mem_pressure, disk_pressure; /* the conditions reported (pressure.h) */
	char mem_since[32], disk_since[32], ready_since[32]; /* their lastTransitionTime */
	void *runtime_state;
	pthread_mutex_t mu;
	cJSON *lease; /* the last Lease object we wrote */
	int64_t next_heartbeat_ms;
	int64_t next_status_ms;
	atomic_bool report_now; /* someone else changed our Ready condition */
	bool registered;
} kubelet_node;

typedef struct cubelet_config {
	const char *master;		 /* --master URL */
	const char *kubeconfig;		 /* --kubeconfig FILE */
	const char *hostname;		 /* --hostname-override */
	const char *root_dir;		 /* --root-dir */
	const char *pod_cidr;		 /* --pod-cidr */
	const char *runtime;		 /* --runtime (NULL: runc, or hollow with --hollow-nodes) */
	const char *image_store;	 /* --image-store (default <root-dir>/images) */
	const char *netns;		 /* --netns: the node's network namespace (default: ours) */
	cube_flag_list registry_mirrors; /* --registry-mirror DOMAIN=MIRROR, repeatable */
	const char *node_ip;		 /* --node-ip */
	const char *node_labels;	 /* --node-labels k=v,k2=v2 */
	const char *bind_address;	 /* for /healthz and /metrics */
	int cpu_milli;			 /* --cpu (in milli-cores, parsed from a quantity) */
	int64_t memory_bytes;		 /* --memory */
	int max_pods;			 /* --pods */
	int port;			 /* --port */
	int hollow_nodes;		 /* --hollow-nodes N (hollow runtime only) */
	int hollow_first;		 /* --hollow-first-index: the first hollow node's number */
	int heartbeat_s;		 /* Lease renewal period (10) */
	int workers;			 /* pod workers (default 4, 16 with hollow nodes) */
	const char *network_backend;	 /* --network-backend: none (default) | host-gw | vxlan */
	const char *service_cidr;	 /* --service-cidr (10.96.0.0/12): routed to cbr0 */
	const char *kube_reserved;	 /* --kube-reserved cpu=..,memory=..,ephemeral-storage=.. */
	const char *system_reserved;	 /* --system-reserved, likewise */
	const char *eviction_hard;	 /* --eviction-hard (pressure.h; NULL: the kubelet's) */
	int64_t log_max_size;		 /* --container-log-max-size in bytes (0: 10Mi) */
	int log_max_files;		 /* --container-log-max-files (0: 5) */
} cubelet_config;

typedef struct cubelet {
	cubelet_config cfg;
	const cube_runtime_ops *rt;
	node_resources kube_reserved, system_reserved; /* parsed flags */
	eviction_hard hard;
	cube_kclient *client;
	cube_recorder *recorder;
	kubelet_node *nodes;
	size_t n_nodes;
	cube_strmap *by_name; /* node name -> kubelet_node* */
	cube_informer *pods;
	cube_informer *node_inf; /* our Node(s), to notice another writer's Ready */
	/* routes.c (--network-backend host-gw) */
	cube_informer *route_nodes;
	cube_controller *route_ctl;
	struct cube_nl *nl;
	cube_strmap *routes; /* pod CIDR -> gateway, the routes we added */
	cube_controller *pod_ctl;
	cube_httpd *httpd;
	cube_metrics *metrics;
	cube_metric *m_syncs, *m_heartbeats;
	pthread_t heartbeat;
	bool heartbeat_started;
	pthread_t gc; /* the runtime's gc of gone pods, after the first list */
	bool gc_started;
	atomic_int stop;
	atomic_int log_followers;  /* logs.c: follow threads at work */
	struct stats_state *stats; /* stats.c */
} cubelet;

/* Starts everything; NULL with err if it cannot (the message names the
 * cause: the API server unreachable, a bad flag value, a busy port). */
cubelet *cubelet_start(const cubelet_config *cfg, cube_err *err);

/* Graceful shutdown: stops the workers and heartbeats (pods keep running,
 * as a kubelet's do). Accepts NULL. */
void cubelet_stop(cubelet *k);

/* node.c */
int node_register(kubelet_node *n, cube_err *err);
int node_heartbeat(kubelet_node *n, cube_err *err);
void *node_heartbeat_main(void *arg);

int nodes_watch(cubelet *k, cube_err *err);
/* Samples the machine (real nodes only): true if a pressure condition
 * changed, which calls for a status report now. */
bool node_pressure_check(kubelet_node *n);
/* routes.c */
int routes_start(cubelet *k, cube_err *err);
void routes_stop(cubelet *k);
/* logs.c: GET /containerLogs/<ns>/<pod>/<container>; false for other paths */
bool logs_handle(void *ud, cube_httpd_req *req);
/* exec.h: exec_handle, GET /exec/<ns>/<pod>/<container> */
/* portforward.c: GET /portForward/<ns>/<pod>?port=N; false for other paths */
bool portforward_handle(void *ud, cube_httpd_req *req);

/* For the routes under `prefix` (path <prefix><ns>/<pod>/<container>):
 * the pod from the informer (a reference) and the container's name in
 * cname, the container being one of the pod's; NULL after answering 400
 * (a bad path or container) or 404 (no such pod on this node). */
cube_robj *cubelet_route_pod(cubelet *k, cube_httpd_req *req, const char *prefix, char *cname,
			     size_t size);

/* stats.c: GET /stats/summary; false for other paths.  stats_start keeps
 * the CPU samples (and samples in the background when the runtime asks);
 * stats_stop (accepts a cubelet without) ends that. */
bool stats_handle(void *ud, cube_httpd_req *req);
int stats_start(cubelet *k, cube_err *err);
void stats_stop(cubelet *k);

/* stats.c, pure parts (unit-tested). */
/* Two samples of a cumulative CPU counter. */
typedef struct cube_cpu_window {
	bool have;
	int64_t t_ns;	 /* when the last sample used was taken */
	uint64_t cpu_ns; /* its counter */
	int64_t rate;	 /* nano-cores between the last two samples used; -1: none yet */
} cube_cpu_window;
/* Feeds the sample (t_ns, cpu_ns); returns usageNanoCores, the counter's
 * growth per second since the last sample used, or -1 while only one is
 * known.  A sample less than min_gap_ns after the last one used is not used
 * (the previous rate is returned), so that frequent readers do not shrink the
 * window to noise; a counter that went back (a new cgroup under the same
 * key) starts over. */
int64_t stats_cpu_feed(cube_cpu_window *w, int64_t t_ns, uint64_t cpu_ns, int64_t min_gap_ns);
/* The path of `controller`'s cgroup ("cpuacct", "memory"; "" for the v2
 * unified line) in the text of /proc/self/cgroup into buf; false if absent. */
bool stats_self_cgroup(const char *proc_self_cgroup, const char *controller, char *buf,
		       size_t size);
/* The value of `key` in a "key value" lines file (memory.stat, cpu.stat,
 * /proc/vmstat; /proc/meminfo's "Key:  N kB" too, in kB); false if absent. */
bool stats_kv(const char *text, const char *key, uint64_t *out);
/* The directory of the cgroup `path` (relative: under this process's own
 * cgroup, as runc places a relative cgroupsPath) of `controller` (v1; on a
 * cgroup v2 machine the unified hierarchy); false if it cannot be told. */
bool stats_cgroup_dir(const char *controller, const char *path, char *buf, size_t size);
/* Reads the CPU and memory figures of cgroup `path` (as stats_cgroup_dir)
 * into out (cpu_ns, mem_*, faults); false if the cgroup is not there. */
bool stats_cgroup_read(const char *path, cube_ctr_stats *out);

/* pods.c */
int pods_start(cubelet *k, cube_err *err);
void pods_stop(cubelet *k);

#endif
