/* framework.h - the scheduler's plug-in framework, as Kubernetes' scheduling
 * framework: Filter plug-ins (predicates) remove nodes a pod cannot run on,
 * each saying why; Score plug-ins (priorities) rank the rest, 0..100 each
 * (normalised over the feasible nodes where the plug-in needs it), weighted;
 * the highest total wins, ties broken at random.  Plug-ins are rows of a
 * table; a policy (which ones, their weights) selects and weighs them.
 *
 * Everything here is pure: a snapshot of nodes and of the pods on them goes
 * in, a decision with its reasons comes out, so every plug-in is tested on
 * hand-made nodes and pods.
 */
#ifndef CUBE_SCHEDULER_FRAMEWORK_H
#define CUBE_SCHEDULER_FRAMEWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* What the scheduler knows of one node: the Node object and the pods on it
 * (bound, and assumed: chosen but whose binding has not come back yet). */
typedef struct sched_node {
	const cJSON *node; /* the Node (borrowed) */
	const char *name;
	/* allocatable */
	int64_t alloc_cpu_milli, alloc_memory, alloc_pods, alloc_storage;
	/* requested by the pods on the node (sum of their effective requests) */
	int64_t req_cpu_milli, req_memory, req_storage;
	/* for LeastAllocated / BalancedAllocation: as Kubernetes, pods without
	 * requests count 100m CPU and 200Mi memory ("non-zero" requests) */
	int64_t nonzero_cpu_milli, nonzero_memory;
	int64_t pods;		      /* pods on the node */
	const cJSON *const *pod_list; /* the pods on the node (borrowed) */
	size_t n_pods;
	/* cube addition: facts of the Node that sched_node_init reads once so
	 * that the filters need not walk its JSON for every pod (call it again
	 * when the Node changes).  0 (SCHED_NODE_FACTS unset) means "not read":
	 * the plug-ins then read the JSON themselves, with the same result. */
	unsigned facts;
} sched_node;

#define SCHED_NODE_FACTS (1u << 0)	     /* the other bits are valid */
#define SCHED_NODE_UNSCHEDULABLE (1u << 1)   /* spec.unschedulable */
#define SCHED_NODE_NOT_READY (1u << 2)	     /* condition Ready is False */
#define SCHED_NODE_UNREACHABLE (1u << 3)     /* Ready is present, neither True nor False */
#define SCHED_NODE_NET_UNAVAILABLE (1u << 4) /* NetworkUnavailable present, not False */
#define SCHED_NODE_MEMORY_PRESSURE (1u << 5) /* MemoryPressure True */
#define SCHED_NODE_DISK_PRESSURE (1u << 6)   /* DiskPressure True */
#define SCHED_NODE_PID_PRESSURE (1u << 7)    /* PIDPressure True */
#define SCHED_NODE_TAINTS (1u << 8)	     /* spec.taints is not empty */
#define SCHED_NODE_IMAGES (1u << 9)	     /* status.images is not empty */

/* The facts of a Node object (SCHED_NODE_FACTS set). */
unsigned sched_node_facts(const cJSON *node);

/* A filter's verdict on one node: ok, or the reasons (Kubernetes' texts,
 * e.g. "Insufficient cpu", "node(s) didn't match Pod's node affinity/selector",
 * "node(s) had untolerated taint {node.kubernetes.io/unreachable: }",
 * "node(s) were unschedulable", "node(s) didn't have free ports for the requested pod ports"). */
#define SCHED_MAX_REASONS 4
typedef struct sched_status {
	bool ok;
	int n;
	char reasons[SCHED_MAX_REASONS][160];
} sched_status;

/* The snapshot a decision is made on. */
typedef struct sched_snapshot {
	sched_node *nodes;
	size_t n;
	/* every pod in the cluster that is bound or assumed (for spreading) */
	const cJSON *const *all_pods;
	size_t n_all_pods;
	/* Services and ReplicaSets/StatefulSets, for SelectorSpread (may be empty) */
	const cJSON *const *services;
	size_t n_services;
	const cJSON *const *replicasets;
	size_t n_replicasets;
	/* cube addition: the node index the filters start at (Kubernetes'
	 * nextStartNodeIndex); the caller keeps sched_result.next_start and
	 * passes it back so that, when percentageOfNodesToScore stops the search
	 * early, every node gets its turn.  0 is fine. */
	size_t start;
} sched_snapshot;

typedef struct sched_filter {
	const char *name; /* "NodeResourcesFit", "NodePorts", "NodeAffinity", ... */
	void (*filter)(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
		       sched_status *out);
	/* cube addition, optional (Kubernetes' PreFilter): prefilter computes
	 * once per pod what the filter needs (parsed requests...), returning a
	 * state (NULL only on ENOMEM) that filter_state reads for every node and
	 * free_state frees.  sched_schedule uses these when set; `filter` alone
	 * gives the same verdict (it computes the state itself). */
	void *(*prefilter)(const cJSON *pod, const sched_snapshot *s);
	void (*filter_state)(const void *state, const cJSON *pod, const sched_node *n,
			     const sched_snapshot *s, sched_status *out);
	void (*free_state)(void *state);
} sched_filter;

typedef struct sched_score {
	const char
		*name; /* "NodeResourcesLeastAllocated", "NodeResourcesBalancedAllocation", ... */
	int default_weight;
	/* Raw score of the pod on node i of `feasible` (the filtered nodes). */
	int64_t (*score)(const cJSON *pod, const sched_node *n, const sched_snapshot *s);
	/* Optional: rescales the raw scores of all feasible nodes in place to
	 * 0..100 (as Kubernetes' NormalizeScore); NULL when raw scores already are. */
	void (*normalize)(const cJSON *pod, int64_t *scores, size_t n);
	/* cube addition, optional (Kubernetes' PreScore): prescore computes once
	 * per pod from the feasible nodes what score_state then reads for each
	 * (NULL only on ENOMEM); free_state frees it.  sched_schedule uses these
	 * when set; `score` alone computes the state itself, taking every node
	 * of the snapshot as feasible.  A negative raw score means "ignored"
	 * (PodTopologySpread's IgnoredNodes, or the plug-in skipped for this
	 * pod): its normalize turns it into 0. */
	void *(*prescore)(const cJSON *pod, const sched_snapshot *s,
			  const sched_node *const *feasible, size_t n);
	int64_t (*score_state)(const void *state, const cJSON *pod, const sched_node *n,
			       const sched_snapshot *s);
	void (*free_state)(void *state);
} sched_score;

extern const sched_filter sched_filters[];
extern const size_t sched_filters_len;
extern const sched_score sched_scores[];
extern const size_t sched_scores_len;

/* By name; NULL if unknown.  sched_score_find also takes "SelectorSpread"
 * (the pre-1.27 name) for "PodTopologySpread". */
const sched_filter *sched_filter_find(const char *name);
const sched_score *sched_score_find(const char *name);

/* A policy: the enabled filters, and scores with weights (0 = disabled). */
typedef struct sched_policy {
	const sched_filter *filters[32];
	size_t n_filters;
	const sched_score *scores[32];
	int weights[32];
	size_t n_scores;
	/* cube addition: Kubernetes' percentageOfNodesToScore.  0 = adaptive
	 * (50% - 1% per 125 nodes, at least 5%, at least 100 nodes), 100 = every
	 * node.  Filtering stops once that many feasible nodes are found. */
	int percentage_of_nodes_to_score;
} sched_policy;

/* Kubernetes' default plug-ins and weights (and adaptive percentage). */
void sched_policy_default(sched_policy *p);

/* Reads a policy from a config file's JSON (or YAML converted to JSON):
 * {"filters":["NodeResourcesFit",...],"scores":[{"name":"...","weight":N},...],
 *  "percentageOfNodesToScore":N}.  A missing member keeps the default; a
 * missing weight is the plug-in's default one; weights are 0..100.
 * Unknown names are an error naming them, as are duplicates, wrong types and
 * more than 32 entries. Returns 0 or -1 with msg (p is untouched then). */
int sched_policy_from_json(sched_policy *p, const cJSON *cfg, char *msg, size_t size);

/* One decision with its scorecard. */
typedef struct sched_result {
	int chosen;	 /* index into the snapshot's nodes, -1 if none fits */
	size_t feasible; /* nodes that passed every filter */
	/* Kubernetes' FailedScheduling message when chosen < 0:
	 * "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) didn't match Pod's node
	 * affinity/selector." */
	char message[1024];
	cJSON *scorecard;  /* new tree: see sched_schedule */
	size_t evaluated;  /* nodes the filters ran on (cube addition) */
	size_t next_start; /* the next sched_snapshot.start (cube addition) */
} sched_result;

/* Runs the filters on the nodes (in policy order; a node's reasons are those
 * of the first filter that rejects it, as in Kubernetes), from s->start on,
 * until percentage_of_nodes_to_score's count of feasible nodes is found (or
 * every node was tried), scores the feasible ones, picks the
 * highest total (ties: `rnd` picks, e.g. rand(); NULL takes the first).
 * The scorecard is compact JSON bounded in size: {"node":chosen,"feasible":N,
 * "total":M, "top":[{"node":..,"score":total,"plugins":{"name":weighted,...}},
 * ... up to 5, best first, the chosen node first among equals],
 * "filtered":{"reason text":count,...}}; "node" is the chosen node's name or
 * null; "evaluated":K is added when the search stopped early (K < M);
 * "filtered" holds at most 16 reasons (the most frequent), the rest summed
 * under "(other reasons)".  With no nodes the message is Kubernetes'
 * "no nodes available to schedule pods".  Returns 0, -1 on ENOMEM. */
int sched_schedule(const sched_policy *p, const cJSON *pod, const sched_snapshot *s,
		   unsigned (*rnd)(void), sched_result *out);
void sched_result_clear(sched_result *r);

/* A pod's effective requests: max(sum of containers, each init container)
 * plus overhead, as Kubernetes computes them. Quantities that do not parse
 * count as 0 and set *bad (may be NULL). */
void sched_pod_requests(const cJSON *pod, int64_t *cpu_milli, int64_t *memory, int64_t *storage,
			bool *bad);

/* cube addition: the same with Kubernetes' "non-zero" defaults: a container
 * (or init container) that does not list a cpu / memory request counts 100m
 * / 200Mi (schedutil.DefaultMilliCPURequest / DefaultMemoryRequest). */
void sched_pod_nonzero_requests(const cJSON *pod, int64_t *cpu_milli, int64_t *memory);

/* The reason NodeResourcesFit gives on every node for a pod whose requests do
 * not parse (cube addition; Kubernetes' API validation rejects such pods). */
#define SCHED_REASON_BAD_REQUESTS "Pod has invalid resource requests"

/* Fills a sched_node's node, name, allocatable and facts from its Node
 * object (requested and pods are the caller's). */
void sched_node_init(sched_node *n, const cJSON *node);

/* Adds / removes one pod's requests to / from a node. */
void sched_node_add_pod(sched_node *n, const cJSON *pod);
void sched_node_remove_pod(sched_node *n, const cJSON *pod);

#endif
