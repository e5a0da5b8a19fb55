/* plugins.c - the scheduler's filter and score plug-ins, after Kubernetes
 * v1.32's pkg/scheduler/framework/plugins (framework.h has the contract).
 *
 * Differences from Kubernetes v1.32, on purpose:
 * - CheckNodeCondition / CheckNodeMemoryPressure / CheckNodeDiskPressure /
 *   CheckNodePIDPressure are the predicates (Kubernetes <= 1.16's,
 *   with its texts "node(s) were not ready", "node(s) had unavailable
 *   network", "node(s) had memory pressure", ...).  1.32 has no such filters:
 *   the node lifecycle controller taints such nodes (node.kubernetes.io/
 *   not-ready, unreachable, memory-pressure, disk-pressure, pid-pressure,
 *   network-unavailable; NoSchedule) and TaintToleration rejects them.  Here
 *   a pod that tolerates that taint passes, as it would in 1.32, and memory
 *   pressure rejects every pod (as the 1.32 taint does), not only BestEffort
 *   ones (as the old predicate did).  A node with no Ready condition passes.
 * - NodeResourcesFit: a pod whose requests do not parse (or are negative)
 *   fails on every node with "Pod has invalid resource requests" (Kubernetes'
 *   API validation never lets one in).  Extended / scalar resources are not
 *   counted.
 * - NodeAffinity: an invalid term (unknown operator, Gt/Lt without one
 *   integer, In without values...) matches nothing, as in Kubernetes; when no
 *   term matches and one was invalid, the reason is "Pod has invalid node
 *   affinity: <where>: <what>" instead of the plain mismatch text.  Label
 *   keys and values are not validated.  No addedAffinity (plug-in args).
 * - NodePorts looks at containers only (not sidecar init containers).
 * - ImageLocality: the counts of nodes having an image are computed per pod
 *   (Kubernetes keeps them in its snapshot).
 * - PodTopologySpread scores only (no DoNotSchedule filter); the pod's own
 *   ScheduleAnyway constraints, or the system defaults (hostname maxSkew 3,
 *   zone maxSkew 5, selector from Services + controller ReplicaSet /
 *   StatefulSet / ReplicationController found in the snapshot); matchLabelKeys
 *   and minDomains are ignored; nodeAffinityPolicy Honor, nodeTaintsPolicy
 *   Ignore (the defaults).  "SelectorSpread" is accepted as its name.
 * - NodeResourcesBalancedAllocation scores best-effort pods too (1.32 does;
 *   1.33 skips them).
 * - No NodeName, VolumeBinding/Restrictions/Zone/Limits, InterPodAffinity,
 *   DynamicResources, preemption.
 */
#include "scheduler/framework.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodeaffinity.h"
#include "obj.h"
#include "selector.h"

#define MAX_NODE_SCORE 100

/* ---- helpers ------------------------------------------------------------------------ */

static const cJSON *item(const cJSON *o, const char *name)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = item(o, name);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

static void status_fail(sched_status *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void status_fail(sched_status *out, const char *fmt, ...)
{
	out->ok = false;
	if (out->n >= SCHED_MAX_REASONS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->reasons[out->n], sizeof(out->reasons[out->n]), fmt, ap);
	va_end(ap);
	out->n++;
}

static void status_ok(sched_status *out)
{
	out->ok = true;
	out->n = 0;
}

static bool tolerates(const cJSON *pod, const char *key, const char *value, const char *effect)
{
	return cube_pod_tolerates(pod, key, value, effect);
}

static int64_t mul_div(int64_t a, int64_t b, int64_t c)
{
	if (c == 0)
		return 0;
	return (int64_t)((__int128)a * b / c);
}

/* helper.DefaultNormalizeScore(MaxNodeScore, reverse, scores). */
static void default_normalize(int64_t *scores, size_t n, bool reverse)
{
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (scores[i] > max)
			max = scores[i];
	for (size_t i = 0; i < n; i++) {
		if (max == 0) {
			if (reverse)
				scores[i] = MAX_NODE_SCORE;
			continue;
		}
		int64_t s = mul_div(MAX_NODE_SCORE, scores[i] < 0 ? 0 : scores[i], max);
		scores[i] = reverse ? MAX_NODE_SCORE - s : s;
	}
}

/* ---- node facts ------------------------------------------------------------------------ */

static bool nonempty_array(const cJSON *a)
{
	return cJSON_IsArray(a) && a->child != NULL;
}

unsigned sched_node_facts(const cJSON *node)
{
	unsigned f = SCHED_NODE_FACTS;
	const cJSON *spec = item(node, "spec"), *status = item(node, "status");
	if (cJSON_IsTrue(item(spec, "unschedulable")))
		f |= SCHED_NODE_UNSCHEDULABLE;
	if (nonempty_array(item(spec, "taints")))
		f |= SCHED_NODE_TAINTS;
	if (nonempty_array(item(status, "images")))
		f |= SCHED_NODE_IMAGES;
	const cJSON *c;
	const cJSON *conds = item(status, "conditions");
	if (!cJSON_IsArray(conds))
		return f;
	cJSON_ArrayForEach (c, conds) {
		const char *t = str_or(c, "type", ""), *st = str_or(c, "status", "");
		bool is_true = strcmp(st, "True") == 0, is_false = strcmp(st, "False") == 0;
		if (strcmp(t, "Ready") == 0) {
			if (is_false)
				f |= SCHED_NODE_NOT_READY;
			else if (!is_true)
				f |= SCHED_NODE_UNREACHABLE;
		} else if (strcmp(t, "NetworkUnavailable") == 0) {
			if (!is_false)
				f |= SCHED_NODE_NET_UNAVAILABLE;
		} else if (is_true && strcmp(t, "MemoryPressure") == 0) {
			f |= SCHED_NODE_MEMORY_PRESSURE;
		} else if (is_true && strcmp(t, "DiskPressure") == 0) {
			f |= SCHED_NODE_DISK_PRESSURE;
		} else if (is_true && strcmp(t, "PIDPressure") == 0) {
			f |= SCHED_NODE_PID_PRESSURE;
		}
	}
	return f;
}

static unsigned facts_of(const sched_node *n)
{
	return (n->facts & SCHED_NODE_FACTS) ? n->facts : sched_node_facts(n->node);
}

/* ---- NodeUnschedulable ---------------------------------------------------------------- */

static void f_unschedulable(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			    sched_status *out)
{
	(void)s;
	status_ok(out);
	if (!(facts_of(n) & SCHED_NODE_UNSCHEDULABLE))
		return;
	if (tolerates(pod, "node.kubernetes.io/unschedulable", "", "NoSchedule"))
		return;
	status_fail(out, "node(s) were unschedulable");
}

/* ---- node conditions (the CheckNode* predicates) ------------------------------- */

/* Ready must be True and NetworkUnavailable False where reported, unless
 * the pod tolerates the taint that Kubernetes puts for the condition. */
static void f_node_condition(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			     sched_status *out)
{
	(void)s;
	status_ok(out);
	unsigned f = facts_of(n);
	if ((f & (SCHED_NODE_NOT_READY | SCHED_NODE_UNREACHABLE)) &&
	    !tolerates(pod,
		       (f & SCHED_NODE_NOT_READY) ? "node.kubernetes.io/not-ready"
						  : "node.kubernetes.io/unreachable",
		       "", "NoSchedule"))
		status_fail(out, "node(s) were not ready");
	if ((f & SCHED_NODE_NET_UNAVAILABLE) &&
	    !tolerates(pod, "node.kubernetes.io/network-unavailable", "", "NoSchedule"))
		status_fail(out, "node(s) had unavailable network");
}

static void pressure(const cJSON *pod, const sched_node *n, unsigned cond, const char *taint,
		     const char *reason, sched_status *out)
{
	status_ok(out);
	if ((facts_of(n) & cond) && !tolerates(pod, taint, "", "NoSchedule"))
		status_fail(out, "%s", reason);
}

static void f_memory_pressure(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			      sched_status *out)
{
	(void)s;
	pressure(pod, n, SCHED_NODE_MEMORY_PRESSURE, "node.kubernetes.io/memory-pressure",
		 "node(s) had memory pressure", out);
}

static void f_disk_pressure(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			    sched_status *out)
{
	(void)s;
	pressure(pod, n, SCHED_NODE_DISK_PRESSURE, "node.kubernetes.io/disk-pressure",
		 "node(s) had disk pressure", out);
}

static void f_pid_pressure(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			   sched_status *out)
{
	(void)s;
	pressure(pod, n, SCHED_NODE_PID_PRESSURE, "node.kubernetes.io/pid-pressure",
		 "node(s) had pid pressure", out);
}

/* ---- TaintToleration ----------------------------------------------------------------- */

static void f_taints(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
		     sched_status *out)
{
	(void)s;
	status_ok(out);
	if (!(facts_of(n) & SCHED_NODE_TAINTS))
		return;
	const cJSON *taints = cube_json_path(n->node, "spec.taints");
	const cJSON *t;
	if (!cJSON_IsArray(taints))
		return;
	cJSON_ArrayForEach (t, taints) {
		const char *effect = str_or(t, "effect", "");
		if (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "NoExecute") != 0)
			continue;
		const char *key = str_or(t, "key", ""), *value = str_or(t, "value", "");
		if (!tolerates(pod, key, value, effect)) {
			status_fail(out, "node(s) had untolerated taint {%s: %s}", key, value);
			return;
		}
	}
}

static int64_t s_taints(const cJSON *pod, const sched_node *n, const sched_snapshot *s)
{
	(void)s;
	int64_t count = 0;
	if (!(facts_of(n) & SCHED_NODE_TAINTS))
		return 0;
	const cJSON *taints = cube_json_path(n->node, "spec.taints");
	const cJSON *t;
	if (!cJSON_IsArray(taints))
		return 0;
	cJSON_ArrayForEach (t, taints) {
		if (strcmp(str_or(t, "effect", ""), "PreferNoSchedule") != 0)
			continue;
		if (!tolerates(pod, str_or(t, "key", ""), str_or(t, "value", ""),
			       "PreferNoSchedule"))
			count++;
	}
	return count;
}

static void n_taints(const cJSON *pod, int64_t *scores, size_t n)
{
	(void)pod;
	default_normalize(scores, n, true);
}

/* ---- NodeAffinity -------------------------------------------------------------------- */

static size_t array_len(const cJSON *a)
{
	return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}

/* spec.nodeSelector and the required node affinity (lib/nodeaffinity.h). */
static int node_affinity_required(const cJSON *pod, const sched_node *n, char *err, size_t esz)
{
	return cube_nodeaff_required(pod, n->node, err, esz);
}

/* PreFilter state of NodeAffinity and NodePorts: does the pod ask for
 * anything at all?  (A pointer to a static flag: nothing to free.) */
static const bool yes = true, no = false;

static bool pod_has_node_constraints(const cJSON *pod)
{
	const cJSON *spec = item(pod, "spec");
	const cJSON *sel = item(spec, "nodeSelector");
	if (cJSON_IsObject(sel) && sel->child)
		return true;
	const cJSON *req = item(item(item(spec, "affinity"), "nodeAffinity"),
				"requiredDuringSchedulingIgnoredDuringExecution");
	return req && !cJSON_IsNull(req);
}

static void *pre_node_affinity(const cJSON *pod, const sched_snapshot *s)
{
	(void)s;
	return (void *)(pod_has_node_constraints(pod) ? &yes : &no);
}

static void no_free(void *p)
{
	(void)p;
}

static void f_node_affinity(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			    sched_status *out);

static void node_affinity_state(const void *state, const cJSON *pod, const sched_node *n,
				const sched_snapshot *s, sched_status *out)
{
	if (!*(const bool *)state) {
		status_ok(out);
		return;
	}
	f_node_affinity(pod, n, s, out);
}

static void f_node_affinity(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
			    sched_status *out)
{
	(void)s;
	status_ok(out);
	char err[160] = "";
	int r = node_affinity_required(pod, n, err, sizeof(err));
	if (r == 1)
		return;
	if (r < 0)
		status_fail(out, "Pod has invalid node affinity: %s", err);
	else
		status_fail(out, "node(s) didn't match Pod's node affinity/selector");
}

static int64_t s_node_affinity(const cJSON *pod, const sched_node *n, const sched_snapshot *s)
{
	(void)s;
	const cJSON *prefs = cube_json_path(
		pod, "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution");
	const cJSON *p;
	int64_t sum = 0;
	if (!cJSON_IsArray(prefs))
		return 0;
	cJSON_ArrayForEach (p, prefs) {
		const cJSON *w = item(p, "weight");
		if (!cJSON_IsNumber(w) || w->valuedouble <= 0)
			continue;
		char err[160];
		if (cube_nodeaff_term_match(item(p, "preference"), n->node, "preference", err,
					    sizeof(err)) == 1)
			sum += (int64_t)w->valuedouble;
	}
	return sum;
}

static void *pre_node_affinity_score(const cJSON *pod, const sched_snapshot *s,
				     const sched_node *const *feasible, size_t n)
{
	(void)feasible;
	(void)n;
	(void)s;
	const cJSON *prefs = cube_json_path(
		pod, "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution");
	return (void *)(cJSON_IsArray(prefs) && prefs->child ? &yes : &no);
}

static int64_t node_affinity_score_state(const void *state, const cJSON *pod, const sched_node *n,
					 const sched_snapshot *s)
{
	return *(const bool *)state ? s_node_affinity(pod, n, s) : 0;
}

static void n_node_affinity(const cJSON *pod, int64_t *scores, size_t n)
{
	(void)pod;
	default_normalize(scores, n, false);
}

/* ---- NodePorts ------------------------------------------------------------------------ */

static bool port_of(const cJSON *p, const char **ip, const char **proto, int *port)
{
	const cJSON *hp = item(p, "hostPort");
	if (!cJSON_IsNumber(hp) || hp->valuedouble <= 0)
		return false;
	*port = (int)hp->valuedouble;
	*ip = str_or(p, "hostIP", "");
	if (!**ip)
		*ip = "0.0.0.0";
	*proto = str_or(p, "protocol", "");
	if (!**proto)
		*proto = "TCP";
	return true;
}

/* Does any host port of pod `other` conflict with (ip, proto, port)?  As
 * HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address. */
static bool pod_conflicts(const cJSON *other, const char *ip, const char *proto, int port)
{
	const cJSON *cs = cube_json_path(other, "spec.containers");
	const cJSON *c, *p;
	cJSON_ArrayForEach (c, cs) {
		cJSON_ArrayForEach (p, item(c, "ports")) {
			const char *oip, *oproto;
			int oport;
			if (!port_of(p, &oip, &oproto, &oport))
				continue;
			if (oport != port || strcmp(oproto, proto) != 0)
				continue;
			if (strcmp(ip, "0.0.0.0") == 0 || strcmp(oip, "0.0.0.0") == 0 ||
			    strcmp(ip, oip) == 0)
				return true;
		}
	}
	return false;
}

static void *pre_ports(const cJSON *pod, const sched_snapshot *s)
{
	(void)s;
	const cJSON *c, *p;
	cJSON_ArrayForEach (c, cube_json_path(pod, "spec.containers")) {
		cJSON_ArrayForEach (p, item(c, "ports")) {
			const cJSON *hp = item(p, "hostPort");
			if (cJSON_IsNumber(hp) && hp->valuedouble > 0)
				return (void *)&yes;
		}
	}
	return (void *)&no;
}

static void f_ports(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
		    sched_status *out);

static void ports_state(const void *state, const cJSON *pod, const sched_node *n,
			const sched_snapshot *s, sched_status *out)
{
	if (!*(const bool *)state) {
		status_ok(out);
		return;
	}
	f_ports(pod, n, s, out);
}

static void f_ports(const cJSON *pod, const sched_node *n, const sched_snapshot *s,
		    sched_status *out)
{
	(void)s;
	status_ok(out);
	const cJSON *cs = cube_json_path(pod, "spec.containers");
	const cJSON *c, *p;
	if (!n->pod_list)
		return;
	cJSON_ArrayForEach (c, cs) {
		cJSON_ArrayForEach (p, item(c, "ports")) {
			const char *ip, *proto;
			int port;
			if (!port_of(p, &ip, &proto, &port))
				continue;
			for (size_t i = 0; i < n->n_pods; i++) {
				if (n->pod_list[i] &&
				    pod_conflicts(n->pod_list[i], ip, proto, port)) {
					status_fail(out, "node(s) didn't have free ports for the "
							 "requested pod ports");
					return;
				}
			}
		}
	}
}

/* ---- NodeResourcesFit, LeastAllocated, BalancedAllocation ----------------------------- */

typedef struct pod_req {
	int64_t cpu, mem, sto;	/* effective requests */
	int64_t nz_cpu, nz_mem; /* the same with non-zero defaults */
	bool bad;
} pod_req;

static void *pre_requests(const cJSON *pod, const sched_snapshot *s)
{
	(void)s;
	pod_req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	sched_pod_requests(pod, &r->cpu, &r->mem, &r->sto, &r->bad);
	sched_pod_nonzero_requests(pod, &r->nz_cpu, &r->nz_mem);
	return r;
}

static void *pre_requests_score(const cJSON *pod, const sched_snapshot *s,
				const sched_node *const *feasible, size_t n)
{
	(void)feasible;
	(void)n;
	return pre_requests(pod, s);
}

/* fit.go fitsRequest. */
static void fit_state(const void *state, const cJSON *pod, const sched_node *n,
		      const sched_snapshot *s, sched_status *out)
{
	(void)pod;
	(void)s;
	const pod_req *r = state;
	status_ok(out);
	if (r->bad) {
		status_fail(out, SCHED_REASON_BAD_REQUESTS);
		return;
	}
	if (n->pods + 1 > n->alloc_pods)
		status_fail(out, "Too many pods");
	if (r->cpu == 0 && r->mem == 0 && r->sto == 0)
		return;
	if (r->cpu > 0 && r->cpu > n->alloc_cpu_milli - n->req_cpu_milli)
		status_fail(out, "Insufficient cpu");
	if (r->mem > 0 && r->mem > n->alloc_memory - n->req_memory)
		status_fail(out, "Insufficient memory");
	if (r->sto > 0 && r->sto > n->alloc_storage - n->req_storage)
		status_fail(out, "Insufficient ephemeral-storage");
}

static void f_fit(const cJSON *pod, const sched_node *n, const sched_snapshot *s, sched_status *out)
{
	pod_req r;
	sched_pod_requests(pod, &r.cpu, &r.mem, &r.sto, &r.bad);
	fit_state(&r, pod, n, s, out);
}

static int64_t least_requested(int64_t requested, int64_t capacity)
{
	if (capacity == 0 || requested > capacity)
		return 0;
	return mul_div(capacity - requested, MAX_NODE_SCORE, capacity);
}

static int64_t sat_add64(int64_t a, int64_t b)
{
	int64_t r;
	return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

/* least_allocated.go with the default resources cpu and memory, weight 1
 * each, on the non-zero requests of the node plus the pod. */
static int64_t least_state(const void *state, const cJSON *pod, const sched_node *n,
			   const sched_snapshot *s)
{
	(void)pod;
	(void)s;
	const pod_req *r = state;
	int64_t sum = 0, wsum = 0;
	if (n->alloc_cpu_milli != 0) {
		sum += least_requested(sat_add64(n->nonzero_cpu_milli, r->nz_cpu),
				       n->alloc_cpu_milli);
		wsum++;
	}
	if (n->alloc_memory != 0) {
		sum += least_requested(sat_add64(n->nonzero_memory, r->nz_mem), n->alloc_memory);
		wsum++;
	}
	return wsum ? sum / wsum : 0;
}

static int64_t s_least(const cJSON *pod, const sched_node *n, const sched_snapshot *s)
{
	pod_req r;
	sched_pod_nonzero_requests(pod, &r.nz_cpu, &r.nz_mem);
	return least_state(&r, pod, n, s);
}

/* balanced_allocation.go balancedResourceScorer on the real requests
 * (useRequested) of the node plus the pod. */
static int64_t balanced_state(const void *state, const cJSON *pod, const sched_node *n,
			      const sched_snapshot *s)
{
	(void)pod;
	(void)s;
	const pod_req *r = state;
	double f[2];
	int nf = 0;
	if (n->alloc_cpu_milli != 0) {
		double x = (double)sat_add64(n->req_cpu_milli, r->cpu) / (double)n->alloc_cpu_milli;
		f[nf++] = x > 1 ? 1 : x;
	}
	if (n->alloc_memory != 0) {
		double x = (double)sat_add64(n->req_memory, r->mem) / (double)n->alloc_memory;
		f[nf++] = x > 1 ? 1 : x;
	}
	double std = nf == 2 ? fabs((f[0] - f[1]) / 2) : 0;
	return (int64_t)((1 - std) * (double)MAX_NODE_SCORE);
}

static int64_t s_balanced(const cJSON *pod, const sched_node *n, const sched_snapshot *s)
{
	pod_req r;
	sched_pod_requests(pod, &r.cpu, &r.mem, &r.sto, &r.bad);
	return balanced_state(&r, pod, n, s);
}

/* ---- ImageLocality --------------------------------------------------------------------- */

#define MB (1024LL * 1024)
#define MIN_THRESHOLD (23 * MB)
#define MAX_CONTAINER_THRESHOLD (1000 * MB)

/* normalizedImageName: ":latest" when the image has no tag. */
static void normalized_image(const char *name, char *buf, size_t size)
{
	const char *colon = strrchr(name, ':'), *slash = strrchr(name, '/');
	if (!colon || (slash && colon < slash))
		snprintf(buf, size, "%s:latest", name);
	else
		snprintf(buf, size, "%s", name);
}

/* The size of image `name` on the node (status.images), -1 if absent. */
static int64_t node_image_size(const cJSON *node, const char *name)
{
	const cJSON *imgs = cube_json_path(node, "status.images");
	const cJSON *img, *nm;
	cJSON_ArrayForEach (img, imgs) {
		cJSON_ArrayForEach (nm, item(img, "names")) {
			if (cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0) {
				const cJSON *sz = item(img, "sizeBytes");
				return cJSON_IsNumber(sz) && sz->valuedouble > 0
					       ? (int64_t)sz->valuedouble
					       : 0;
			}
		}
	}
	return -1;
}

typedef struct image_state {
	size_t n;	    /* images of the pod's containers (init + regular) */
	size_t total_nodes; /* nodes in the snapshot */
	char (*names)[256];
	size_t *num_nodes; /* nodes having each image */
} image_state;

static void free_images(void *p)
{
	image_state *st = p;
	if (!st)
		return;
	free(st->names);
	free(st->num_nodes);
	free(st);
}

static void *pre_images(const cJSON *pod, const sched_snapshot *s,
			const sched_node *const *feasible, size_t nfeas)
{
	(void)feasible;
	(void)nfeas;
	image_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	const cJSON *ics = cube_json_path(pod, "spec.initContainers");
	const cJSON *cs = cube_json_path(pod, "spec.containers");
	size_t cap = array_len(ics) + array_len(cs);
	st->total_nodes = s->n;
	st->names = calloc(cap ? cap : 1, sizeof(*st->names));
	st->num_nodes = calloc(cap ? cap : 1, sizeof(*st->num_nodes));
	if (!st->names || !st->num_nodes) {
		free_images(st);
		return NULL;
	}
	const cJSON *lists[2] = {ics, cs};
	for (int l = 0; l < 2; l++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, lists[l]) {
			const char *img = str_or(c, "image", "");
			normalized_image(img, st->names[st->n], sizeof(st->names[st->n]));
			st->n++;
		}
	}
	for (size_t i = 0; i < st->n; i++) {
		/* the same image twice: reuse the count */
		size_t j;
		for (j = 0; j < i; j++)
			if (strcmp(st->names[j], st->names[i]) == 0)
				break;
		if (j < i) {
			st->num_nodes[i] = st->num_nodes[j];
			continue;
		}
		for (size_t k = 0; k < s->n; k++)
			if ((facts_of(&s->nodes[k]) & SCHED_NODE_IMAGES) &&
			    node_image_size(s->nodes[k].node, st->names[i]) >= 0)
				st->num_nodes[i]++;
	}
	return st;
}

/* image_locality.go: sum of scaledImageScore over the pod's images on the
 * node, clamped to [23MB, 1000MB * containers] and scaled to 0..100. */
static int64_t images_state(const void *state, const cJSON *pod, const sched_node *n,
			    const sched_snapshot *s)
{
	(void)pod;
	(void)s;
	const image_state *st = state;
	if (st->n == 0 || st->total_nodes == 0 || !(facts_of(n) & SCHED_NODE_IMAGES))
		return 0;
	int64_t sum = 0;
	for (size_t i = 0; i < st->n; i++) {
		int64_t size = node_image_size(n->node, st->names[i]);
		if (size < 0)
			continue;
		double spread = (double)st->num_nodes[i] / (double)st->total_nodes;
		sum = sat_add64(sum, (int64_t)((double)size * spread));
	}
	int64_t max = MAX_CONTAINER_THRESHOLD * (int64_t)st->n;
	if (sum < MIN_THRESHOLD)
		sum = MIN_THRESHOLD;
	else if (sum > max)
		sum = max;
	return mul_div(MAX_NODE_SCORE, sum - MIN_THRESHOLD, max - MIN_THRESHOLD);
}

static int64_t s_images(const cJSON *pod, const sched_node *n, const sched_snapshot *s)
{
	void *st = pre_images(pod, s, NULL, 0);
	if (!st)
		return 0;
	int64_t r = images_state(st, pod, n, s);
	free_images(st);
	return r;
}

/* ---- PodTopologySpread (scoring) --------------------------------------------------------- */

#define HOSTNAME_KEY "kubernetes.io/hostname"
#define MAX_CONSTRAINTS 8

typedef struct tp_value {
	const char *value;
	int64_t count;
} tp_value;

typedef struct tp_constraint {
	const char *key;
	int64_t max_skew;
	cube_labelsel *sel[2]; /* all must match (NULL entries are skipped) */
	bool borrowed;	       /* sel belongs to another constraint */
	tp_value *values;      /* domains of the feasible nodes, other keys than hostname */
	size_t n_values;
	double weight;
} tp_constraint;

typedef struct spread_state {
	bool skip;
	bool require_all;
	const char *ns;
	size_t n;
	tp_constraint c[MAX_CONSTRAINTS];
} spread_state;

static void free_spread(void *p)
{
	spread_state *st = p;
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++) {
		if (!st->c[i].borrowed) {
			cube_labelsel_free(st->c[i].sel[0]);
			cube_labelsel_free(st->c[i].sel[1]);
		}
		free(st->c[i].values);
	}
	free(st);
}

static bool same_ns(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool c_matches(const tp_constraint *c, const cJSON *labels)
{
	for (int i = 0; i < 2; i++)
		if (c->sel[i] && !cube_labelsel_matches(c->sel[i], labels))
			return false;
	return true;
}

/* countPodsMatchSelector: pods of the namespace, not terminating, matching. */
static int64_t count_matching(const spread_state *st, const tp_constraint *c, const sched_node *n)
{
	int64_t cnt = 0;
	for (size_t i = 0; i < n->n_pods && n->pod_list; i++) {
		const cJSON *p = n->pod_list[i];
		if (!p || !same_ns(cube_obj_namespace(p), st->ns))
			continue;
		if (cube_json_path(p, "metadata.deletionTimestamp") &&
		    !cJSON_IsNull(cube_json_path(p, "metadata.deletionTimestamp")))
			continue;
		if (c_matches(c, cube_obj_labels(p)))
			cnt++;
	}
	return cnt;
}

/* helper.DefaultSelector: the Services selecting the pod (their selectors
 * merged), and the selector of its controller (ReplicaSet, StatefulSet,
 * ReplicationController) found in the snapshot.  Returns 0 (sels set, NULL
 * for none), -1 on ENOMEM. */
static int default_selector(const cJSON *pod, const sched_snapshot *s, cube_labelsel **svc,
			    cube_labelsel **owner)
{
	*svc = *owner = NULL;
	const char *ns = cube_obj_namespace(pod);
	const cJSON *labels = cube_obj_labels(pod);
	cJSON *merged = cJSON_CreateObject();
	if (!merged)
		return -1;
	for (size_t i = 0; i < s->n_services; i++) {
		const cJSON *svcobj = s->services[i];
		if (!svcobj || !same_ns(cube_obj_namespace(svcobj), ns))
			continue;
		const cJSON *sel = cube_json_path(svcobj, "spec.selector");
		if (!cJSON_IsObject(sel))
			continue;
		cube_labelsel *ls = cube_labelsel_from_map(sel, NULL);
		bool match = ls && cube_labelsel_matches(ls, labels);
		cube_labelsel_free(ls);
		if (!match)
			continue;
		const cJSON *kv;
		cJSON_ArrayForEach (kv, sel) {
			if (!cJSON_IsString(kv))
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(merged, kv->string);
			if (!cJSON_AddStringToObject(merged, kv->string, kv->valuestring)) {
				cJSON_Delete(merged);
				return -1;
			}
		}
	}
	if (cJSON_GetArraySize(merged) > 0) {
		cube_err err = CUBE_ERR_INIT;
		*svc = cube_labelsel_from_map(merged, &err);
		if (!*svc && err.code == CUBE_ENOMEM) {
			cJSON_Delete(merged);
			return -1;
		}
	}
	cJSON_Delete(merged);

	/* the controller */
	const cJSON *refs = cube_json_path(pod, "metadata.ownerReferences"), *ref, *ctl = NULL;
	cJSON_ArrayForEach (ref, refs) {
		if (cJSON_IsTrue(item(ref, "controller"))) {
			ctl = ref;
			break;
		}
	}
	if (!ctl)
		return 0;
	const char *kind = str_or(ctl, "kind", ""), *name = str_or(ctl, "name", "");
	if (strcmp(kind, "ReplicaSet") != 0 && strcmp(kind, "StatefulSet") != 0 &&
	    strcmp(kind, "ReplicationController") != 0)
		return 0;
	for (size_t i = 0; i < s->n_replicasets; i++) {
		const cJSON *o = s->replicasets[i];
		const char *okind = cube_obj_kind(o);
		const char *oname = cube_obj_name(o);
		if (!o || !oname || strcmp(oname, name) != 0 || !same_ns(cube_obj_namespace(o), ns))
			continue;
		if (okind && strcmp(okind, kind) != 0)
			continue;
		const cJSON *sel = cube_json_path(o, "spec.selector");
		cube_err err = CUBE_ERR_INIT;
		if (strcmp(kind, "ReplicationController") == 0)
			*owner = cube_labelsel_from_map(sel, &err);
		else
			*owner = cube_labelsel_from_json(sel, &err);
		if (!*owner && err.code == CUBE_ENOMEM)
			return -1;
		break;
	}
	return 0;
}

static bool node_has_all_keys(const spread_state *st, const sched_node *n)
{
	const cJSON *labels = cube_obj_labels(n->node);
	for (size_t i = 0; i < st->n; i++)
		if (!str_or(labels, st->c[i].key, NULL))
			return false;
	return true;
}

static int add_value(tp_constraint *c, const char *v, size_t cap)
{
	for (size_t i = 0; i < c->n_values; i++)
		if (strcmp(c->values[i].value, v) == 0)
			return 0;
	if (c->n_values >= cap)
		return 0;
	c->values[c->n_values].value = v;
	c->values[c->n_values].count = 0;
	c->n_values++;
	return 1;
}

/* podtopologyspread/scoring.go PreScore: the pod's ScheduleAnyway
 * constraints, or the system defaults (hostname maxSkew 3, zone maxSkew 5)
 * with the DefaultSelector when it has none. */
static void *pre_spread(const cJSON *pod, const sched_snapshot *s,
			const sched_node *const *feasible, size_t nfeas)
{
	spread_state *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->ns = cube_obj_namespace(pod);
	const cJSON *tsc = cube_json_path(pod, "spec.topologySpreadConstraints");
	if (array_len(tsc) > 0) {
		st->require_all = true;
		const cJSON *c;
		cJSON_ArrayForEach (c, tsc) {
			if (strcmp(str_or(c, "whenUnsatisfiable", ""), "ScheduleAnyway") != 0)
				continue;
			if (st->n >= MAX_CONSTRAINTS)
				break;
			const char *key = str_or(c, "topologyKey", NULL);
			const cJSON *ms = item(c, "maxSkew");
			if (!key || !cJSON_IsNumber(ms))
				continue;
			tp_constraint *tc = &st->c[st->n];
			cube_err err = CUBE_ERR_INIT;
			tc->sel[0] = cube_labelsel_from_json(item(c, "labelSelector"), &err);
			if (!tc->sel[0]) {
				if (err.code == CUBE_ENOMEM) {
					free_spread(st);
					return NULL;
				}
				continue; /* invalid: Kubernetes' validation rejects it */
			}
			tc->key = key;
			tc->max_skew = (int64_t)ms->valuedouble;
			st->n++;
		}
	} else {
		cube_labelsel *svc, *owner;
		if (default_selector(pod, s, &svc, &owner) < 0) {
			free_spread(st);
			return NULL;
		}
		if (!svc && !owner) {
			st->skip = true;
			return st;
		}
		const char *keys[2] = {HOSTNAME_KEY, "topology.kubernetes.io/zone"};
		const int64_t skews[2] = {3, 5};
		for (int i = 0; i < 2; i++) {
			tp_constraint *tc = &st->c[i];
			tc->key = keys[i];
			tc->max_skew = skews[i];
		}
		st->c[0].sel[0] = svc;
		st->c[0].sel[1] = owner;
		/* the zone constraint shares the selectors */
		st->c[1].sel[0] = svc;
		st->c[1].sel[1] = owner;
		st->c[1].borrowed = true;
		st->n = 2;
	}
	if (st->n == 0) {
		st->skip = true;
		return st;
	}
	/* topology domains of the feasible nodes, and the hostname weight */
	size_t ignored = 0;
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->c[i].key, HOSTNAME_KEY) == 0)
			continue;
		st->c[i].values = calloc(nfeas ? nfeas : 1, sizeof(*st->c[i].values));
		if (!st->c[i].values) {
			free_spread(st);
			return NULL;
		}
	}
	for (size_t k = 0; k < nfeas; k++) {
		if (st->require_all && !node_has_all_keys(st, feasible[k])) {
			ignored++;
			continue;
		}
		const cJSON *labels = cube_obj_labels(feasible[k]->node);
		for (size_t i = 0; i < st->n; i++) {
			if (strcmp(st->c[i].key, HOSTNAME_KEY) == 0)
				continue;
			add_value(&st->c[i], str_or(labels, st->c[i].key, ""), nfeas);
		}
	}
	for (size_t i = 0; i < st->n; i++) {
		size_t sz = strcmp(st->c[i].key, HOSTNAME_KEY) == 0 ? nfeas - ignored
								    : st->c[i].n_values;
		st->c[i].weight = log((double)sz + 2);
	}
	/* pods per domain, over every node matching the pod's node affinity */
	for (size_t k = 0; k < s->n; k++) {
		const sched_node *n = &s->nodes[k];
		if (st->require_all && !node_has_all_keys(st, n))
			continue;
		char err[160];
		if (node_affinity_required(pod, n, err, sizeof(err)) != 1)
			continue;
		const cJSON *labels = cube_obj_labels(n->node);
		for (size_t i = 0; i < st->n; i++) {
			tp_constraint *c = &st->c[i];
			if (strcmp(c->key, HOSTNAME_KEY) == 0)
				continue;
			const char *v = str_or(labels, c->key, NULL);
			if (!v)
				continue;
			for (size_t j = 0; j < c->n_values; j++)
				if (strcmp(c->values[j].value, v) == 0) {
					c->values[j].count += count_matching(st, c, n);
					break;
				}
		}
	}
	return st;
}

static int64_t spread_state_score(const void *state, const cJSON *pod, const sched_node *n,
				  const sched_snapshot *s)
{
	(void)pod;
	(void)s;
	const spread_state *st = state;
	if (st->skip || (st->require_all && !node_has_all_keys(st, n)))
		return -1;
	const cJSON *labels = cube_obj_labels(n->node);
	double score = 0;
	for (size_t i = 0; i < st->n; i++) {
		const tp_constraint *c = &st->c[i];
		const char *v = str_or(labels, c->key, NULL);
		if (!v)
			continue;
		int64_t cnt = 0;
		if (strcmp(c->key, HOSTNAME_KEY) == 0) {
			cnt = count_matching(st, c, n);
		} else {
			for (size_t j = 0; j < c->n_values; j++)
				if (strcmp(c->values[j].value, v) == 0)
					cnt = c->values[j].count;
		}
		score += (double)cnt * c->weight + (double)(c->max_skew - 1);
	}
	return (int64_t)round(score);
}

static int64_t s_spread(const cJSON *pod, const sched_node *n, const sched_snapshot *s)
{
	const sched_node **all = malloc((s->n ? s->n : 1) * sizeof(*all));
	if (!all)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		all[i] = &s->nodes[i];
	void *st = pre_spread(pod, s, all, s->n);
	free(all);
	if (!st)
		return -1;
	int64_t r = spread_state_score(st, pod, n, s);
	free_spread(st);
	return r;
}

/* scoring.go NormalizeScore: fewer matching pods -> higher; ignored (< 0)
 * nodes get 0. */
static void n_spread(const cJSON *pod, int64_t *scores, size_t n)
{
	(void)pod;
	int64_t min = INT64_MAX, max = 0;
	for (size_t i = 0; i < n; i++) {
		if (scores[i] < 0)
			continue;
		if (scores[i] < min)
			min = scores[i];
		if (scores[i] > max)
			max = scores[i];
	}
	for (size_t i = 0; i < n; i++) {
		if (scores[i] < 0) {
			scores[i] = 0;
			continue;
		}
		if (max == 0) {
			scores[i] = MAX_NODE_SCORE;
			continue;
		}
		scores[i] = mul_div(MAX_NODE_SCORE, max + min - scores[i], max);
	}
}

/* ---- the tables -------------------------------------------------------------------------- */

const sched_filter sched_filters[] = {
	{"NodeUnschedulable", f_unschedulable, NULL, NULL, NULL},
	{"CheckNodeCondition", f_node_condition, NULL, NULL, NULL},
	{"CheckNodeMemoryPressure", f_memory_pressure, NULL, NULL, NULL},
	{"CheckNodeDiskPressure", f_disk_pressure, NULL, NULL, NULL},
	{"CheckNodePIDPressure", f_pid_pressure, NULL, NULL, NULL},
	{"TaintToleration", f_taints, NULL, NULL, NULL},
	{"NodeAffinity", f_node_affinity, pre_node_affinity, node_affinity_state, no_free},
	{"NodePorts", f_ports, pre_ports, ports_state, no_free},
	{"NodeResourcesFit", f_fit, pre_requests, fit_state, free},
};
const size_t sched_filters_len = sizeof(sched_filters) / sizeof(sched_filters[0]);

const sched_score sched_scores[] = {
	{"TaintToleration", 3, s_taints, n_taints, NULL, NULL, NULL},
	{"NodeAffinity", 2, s_node_affinity, n_node_affinity, pre_node_affinity_score,
	 node_affinity_score_state, no_free},
	{"NodeResourcesLeastAllocated", 1, s_least, NULL, pre_requests_score, least_state, free},
	{"PodTopologySpread", 2, s_spread, n_spread, pre_spread, spread_state_score, free_spread},
	{"NodeResourcesBalancedAllocation", 1, s_balanced, NULL, pre_requests_score, balanced_state,
	 free},
	{"ImageLocality", 1, s_images, NULL, pre_images, images_state, free_images},
};
const size_t sched_scores_len = sizeof(sched_scores) / sizeof(sched_scores[0]);
