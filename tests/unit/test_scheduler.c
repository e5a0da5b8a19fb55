/* test_scheduler.c - the scheduler's plug-ins on hand-made nodes and pods:
 * every filter with its exact reason, every score with values computed by
 * hand from Kubernetes v1.32's formulas, the FailedScheduling message, tie
 * breaking, the scorecard and its size bound, and policies. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/framework.h"

/* ---- helpers ------------------------------------------------------------------ */

#define MAXKEEP 4096
static cJSON *keep[MAXKEEP];
static size_t nkeep;

static void fini(void)
{
	for (size_t i = 0; i < nkeep; i++)
		cJSON_Delete(keep[i]);
	nkeep = 0;
}

TestSuite(sched, .fini = fini);

static cJSON *js(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	cr_assert(j, "bad JSON in test: %s", text);
	cr_assert(nkeep < MAXKEEP);
	keep[nkeep++] = j;
	return j;
}

/* Deep merge of objects; other values (arrays included) replace. */
static void merge(cJSON *dst, const cJSON *src)
{
	const cJSON *it;
	cJSON_ArrayForEach (it, src) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, it->string);
		if (d && cJSON_IsObject(d) && cJSON_IsObject(it)) {
			merge(d, it);
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
		cJSON_AddItemToObject(dst, it->string, cJSON_Duplicate(it, true));
	}
}

static cJSON *with(cJSON *base, const char *extra)
{
	if (extra) {
		cJSON *e = cJSON_Parse(extra);
		cr_assert(e, "bad JSON in test: %s", extra);
		merge(base, e);
		cJSON_Delete(e);
	}
	return base;
}

static cJSON *nodej(const char *name, const char *cpu, const char *mem, const char *extra)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"labels\":"
		 "{\"kubernetes.io/hostname\":\"%s\"}},\"status\":{\"allocatable\":"
		 "{\"cpu\":\"%s\",\"memory\":\"%s\",\"pods\":\"110\",\"ephemeral-storage\":"
		 "\"10Gi\"}}}",
		 name, name, cpu, mem);
	return with(js(buf), extra);
}

static cJSON *podj(const char *name, const char *cpu, const char *mem, const char *extra)
{
	char buf[1024];
	if (cpu)
		snprintf(buf, sizeof(buf),
			 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
			 "\"default\"},"
			 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.25\","
			 "\"resources\":{\"requests\":{\"cpu\":\"%s\",\"memory\":\"%s\"}}}]}}",
			 name, cpu, mem);
	else
		snprintf(buf, sizeof(buf),
			 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
			 "\"default\"},"
			 "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.25\"}]}}",
			 name);
	return with(js(buf), extra);
}

/* A small cluster: nodes with their pods. */
#define MAXN 16
typedef struct cluster {
	sched_node nodes[MAXN];
	const cJSON *pods[MAXN][16];
	const cJSON *all[MAXN * 16];
	size_t n_all;
	sched_snapshot snap;
} cluster;

static cluster C;

static sched_node *add_node(cJSON *node)
{
	cr_assert(C.snap.n < MAXN);
	sched_node *n = &C.nodes[C.snap.n];
	memset(n, 0, sizeof(*n));
	sched_node_init(n, node);
	n->pod_list = C.pods[C.snap.n];
	C.snap.nodes = C.nodes;
	C.snap.n++;
	return n;
}

static void bind_pod(sched_node *n, const cJSON *pod)
{
	size_t i = (size_t)(n - C.nodes);
	C.pods[i][n->n_pods++] = pod;
	C.all[C.n_all++] = pod;
	C.snap.all_pods = C.all;
	C.snap.n_all_pods = C.n_all;
	sched_node_add_pod(n, pod);
}

static sched_status run_filter(const char *name, const cJSON *pod, const sched_node *n)
{
	const sched_filter *f = sched_filter_find(name);
	cr_assert(f, "no filter %s", name);
	sched_status st;
	memset(&st, 0x55, sizeof(st)); /* the filter must set everything */
	f->filter(pod, n, &C.snap, &st);
	/* the prefilter path gives the same verdict */
	if (f->prefilter) {
		void *state = f->prefilter(pod, &C.snap);
		cr_assert(state);
		sched_status st2;
		f->filter_state(state, pod, n, &C.snap, &st2);
		f->free_state(state);
		cr_assert_eq(st.ok, st2.ok);
		cr_assert_eq(st.n, st2.n);
	}
	return st;
}

static void expect_ok(const char *filter, const cJSON *pod, const sched_node *n)
{
	sched_status st = run_filter(filter, pod, n);
	cr_assert(st.ok, "%s: expected ok, got %d reason(s): %s", filter, st.n,
		  st.n ? st.reasons[0] : "");
	cr_assert_eq(st.n, 0);
}

static void expect_fail(const char *filter, const cJSON *pod, const sched_node *n,
			const char *reason)
{
	sched_status st = run_filter(filter, pod, n);
	cr_assert(!st.ok, "%s: expected failure %s", filter, reason);
	cr_assert_eq(st.n, 1, "%s: %d reasons", filter, st.n);
	cr_assert_str_eq(st.reasons[0], reason);
}

static int64_t raw_score(const char *name, const cJSON *pod, const sched_node *n)
{
	const sched_score *s = sched_score_find(name);
	cr_assert(s, "no score %s", name);
	int64_t v = s->score(pod, n, &C.snap);
	if (s->prescore) {
		const sched_node *all[MAXN];
		for (size_t i = 0; i < C.snap.n; i++)
			all[i] = &C.nodes[i];
		void *st = s->prescore(pod, &C.snap, all, C.snap.n);
		cr_assert(st);
		cr_assert_eq(s->score_state(st, pod, n, &C.snap), v);
		s->free_state(st);
	}
	return v;
}

/* Raw scores of every node, normalised. */
static void scores_of(const char *name, const cJSON *pod, int64_t *out)
{
	const sched_score *s = sched_score_find(name);
	cr_assert(s);
	for (size_t i = 0; i < C.snap.n; i++)
		out[i] = raw_score(name, pod, &C.nodes[i]);
	if (s->normalize)
		s->normalize(pod, out, C.snap.n);
}

static void reset(void)
{
	memset(&C, 0, sizeof(C));
}

#define GI (1024LL * 1024 * 1024)
#define MI (1024LL * 1024)

static unsigned seq_state;
static unsigned seq_rnd(void)
{
	return seq_state++;
}

/* ---- requests and node accounting ---------------------------------------------- */

Test(sched, pod_requests_containers_sum_vs_init_max)
{
	cJSON *p = js(
		"{\"spec\":{\"containers\":["
		"{\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"1Gi\"}}},"
		"{\"resources\":{\"requests\":{\"cpu\":\"200m\",\"ephemeral-storage\":\"1G\"}}}],"
		"\"initContainers\":["
		"{\"resources\":{\"requests\":{\"cpu\":\"500m\",\"memory\":\"512Mi\"}}},"
		"{\"resources\":{\"requests\":{\"memory\":\"2Gi\"}}}],"
		"\"overhead\":{\"cpu\":\"10m\",\"memory\":\"1Mi\"}}}");
	int64_t cpu, mem, sto;
	bool bad = true;
	sched_pod_requests(p, &cpu, &mem, &sto, &bad);
	cr_assert_not(bad);
	cr_assert_eq(cpu, 510);		/* max(300, 500) + 10 */
	cr_assert_eq(mem, 2 * GI + MI); /* max(1Gi, 2Gi) + 1Mi */
	cr_assert_eq(sto, 1000000000);
}

Test(sched, pod_requests_sidecars_add_up)
{
	/* a restartable init container (sidecar) runs beside the containers and
	 * beside the init containers after it */
	cJSON *p =
		js("{\"spec\":{\"containers\":[{\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}],"
		   "\"initContainers\":["
		   "{\"restartPolicy\":\"Always\",\"resources\":{\"requests\":{\"cpu\":\"200m\"}}},"
		   "{\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}]}}");
	int64_t cpu;
	sched_pod_requests(p, &cpu, NULL, NULL, NULL);
	cr_assert_eq(cpu, 450); /* max(100 + 200, 250 + 200) */
}

Test(sched, pod_requests_nonzero_defaults)
{
	cJSON *p = js("{\"spec\":{\"containers\":[{},"
		      "{\"resources\":{\"requests\":{\"cpu\":\"0\",\"memory\":\"1Gi\"}}}]}}");
	int64_t cpu, mem;
	sched_pod_requests(p, &cpu, &mem, NULL, NULL);
	cr_assert_eq(cpu, 0);
	cr_assert_eq(mem, GI);
	sched_pod_nonzero_requests(p, &cpu, &mem);
	cr_assert_eq(cpu, 100); /* only the container without a cpu request gets 100m */
	cr_assert_eq(mem, 200 * MI + GI);
}

Test(sched, pod_requests_malformed_quantity_sets_bad)
{
	cJSON *p = podj("p", "1 cpu", "1Gi", NULL);
	int64_t cpu = -1, mem = -1;
	bool bad = false;
	sched_pod_requests(p, &cpu, &mem, NULL, &bad);
	cr_assert(bad);
	cr_assert_eq(cpu, 0);
	cr_assert_eq(mem, GI);
	cJSON *neg = podj("q", "-1", "1Gi", NULL);
	bad = false;
	sched_pod_requests(neg, &cpu, NULL, NULL, &bad);
	cr_assert(bad);
}

Test(sched, node_init_allocatable_and_capacity_fallback)
{
	reset();
	sched_node *n = add_node(nodej("n1", "3500m", "8Gi", NULL));
	cr_assert_str_eq(n->name, "n1");
	cr_assert_eq(n->alloc_cpu_milli, 3500);
	cr_assert_eq(n->alloc_memory, 8 * GI);
	cr_assert_eq(n->alloc_pods, 110);
	cr_assert_eq(n->alloc_storage, 10 * GI);
	cJSON *cap = js("{\"metadata\":{\"name\":\"n2\"},\"status\":{\"capacity\":"
			"{\"cpu\":\"4\",\"memory\":\"1Gi\",\"pods\":20},"
			"\"allocatable\":{\"cpu\":\"2\"}}}");
	sched_node m;
	memset(&m, 0, sizeof(m));
	sched_node_init(&m, cap);
	cr_assert_eq(m.alloc_cpu_milli, 2000);
	cr_assert_eq(m.alloc_memory, GI);
	cr_assert_eq(m.alloc_pods, 20);
	cr_assert_eq(m.alloc_storage, 0);
}

Test(sched, node_add_remove_pod)
{
	reset();
	sched_node *n = add_node(nodej("n1", "4", "8Gi", NULL));
	cJSON *a = podj("a", "1", "2Gi", NULL), *b = podj("b", NULL, NULL, NULL);
	sched_node_add_pod(n, a);
	sched_node_add_pod(n, b);
	cr_assert_eq(n->req_cpu_milli, 1000);
	cr_assert_eq(n->req_memory, 2 * GI);
	cr_assert_eq(n->nonzero_cpu_milli, 1100);
	cr_assert_eq(n->nonzero_memory, 2 * GI + 200 * MI);
	cr_assert_eq(n->pods, 2);
	sched_node_remove_pod(n, a);
	cr_assert_eq(n->req_cpu_milli, 0);
	cr_assert_eq(n->nonzero_cpu_milli, 100);
	cr_assert_eq(n->pods, 1);
	sched_node_remove_pod(n, b);
	sched_node_remove_pod(n, b); /* never below zero */
	cr_assert_eq(n->pods, 0);
	cr_assert_eq(n->nonzero_memory, 0);
}

/* ---- filters ------------------------------------------------------------------------- */

Test(sched, unschedulable)
{
	reset();
	sched_node *ok = add_node(nodej("a", "4", "8Gi", NULL));
	sched_node *cordoned =
		add_node(nodej("b", "4", "8Gi", "{\"spec\":{\"unschedulable\":true}}"));
	cJSON *p = podj("p", "1", "1Gi", NULL);
	expect_ok("NodeUnschedulable", p, ok);
	expect_fail("NodeUnschedulable", p, cordoned, "node(s) were unschedulable");
	cJSON *tol =
		podj("t", "1", "1Gi",
		     "{\"spec\":{\"tolerations\":[{\"key\":\"node.kubernetes.io/unschedulable\","
		     "\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]}}");
	expect_ok("NodeUnschedulable", tol, cordoned);
}

Test(sched, fit_insufficient_cpu_memory_storage)
{
	reset();
	sched_node *n = add_node(nodej("a", "2", "4Gi", NULL));
	bind_pod(n, podj("x", "1500m", "3Gi", NULL));
	expect_ok("NodeResourcesFit", podj("p", "500m", "1Gi", NULL), n); /* exactly fits */
	expect_fail("NodeResourcesFit", podj("p", "501m", "1Gi", NULL), n, "Insufficient cpu");
	expect_fail("NodeResourcesFit", podj("p", "100m", "1025Mi", NULL), n,
		    "Insufficient memory");
	expect_fail("NodeResourcesFit",
		    podj("p", "100m", "1Mi",
			 "{\"spec\":{\"containers\":[{\"resources\":{\"requests\":"
			 "{\"ephemeral-storage\":\"11Gi\"}}}]}}"),
		    n, "Insufficient ephemeral-storage");
}

Test(sched, fit_several_reasons_in_kubernetes_order)
{
	reset();
	sched_node *n =
		add_node(nodej("a", "1", "1Gi", "{\"status\":{\"allocatable\":{\"pods\":\"1\"}}}"));
	bind_pod(n, podj("x", "100m", "100Mi", NULL));
	sched_status st = run_filter("NodeResourcesFit", podj("p", "2", "2Gi", NULL), n);
	cr_assert_not(st.ok);
	cr_assert_eq(st.n, 3);
	cr_assert_str_eq(st.reasons[0], "Too many pods");
	cr_assert_str_eq(st.reasons[1], "Insufficient cpu");
	cr_assert_str_eq(st.reasons[2], "Insufficient memory");
}

Test(sched, fit_too_many_pods_even_without_requests)
{
	reset();
	sched_node *n =
		add_node(nodej("a", "1", "1Gi", "{\"status\":{\"allocatable\":{\"pods\":\"2\"}}}"));
	cJSON *best_effort = podj("p", NULL, NULL, NULL);
	bind_pod(n, podj("x", "100m", "100Mi", NULL));
	expect_ok("NodeResourcesFit", best_effort, n);
	bind_pod(n, podj("y", "100m", "100Mi", NULL));
	expect_fail("NodeResourcesFit", best_effort, n, "Too many pods");
}

Test(sched, fit_counts_overhead_and_init_containers)
{
	reset();
	sched_node *n = add_node(nodej("a", "1", "1Gi", NULL));
	cJSON *init = podj("p", "100m", "100Mi",
			   "{\"spec\":{\"initContainers\":[{\"resources\":{\"requests\":"
			   "{\"cpu\":\"1100m\"}}}]}}");
	expect_fail("NodeResourcesFit", init, n, "Insufficient cpu");
	cJSON *ov = podj("q", "900m", "100Mi", "{\"spec\":{\"overhead\":{\"cpu\":\"101m\"}}}");
	expect_fail("NodeResourcesFit", ov, n, "Insufficient cpu");
}

Test(sched, fit_malformed_quantity_has_clear_reason)
{
	reset();
	sched_node *n = add_node(nodej("a", "4", "8Gi", NULL));
	expect_fail("NodeResourcesFit", podj("p", "lots", "1Gi", NULL), n,
		    "Pod has invalid resource requests");
	cr_assert_str_eq(SCHED_REASON_BAD_REQUESTS, "Pod has invalid resource requests");
}

Test(sched, ports_conflicts)
{
	reset();
	sched_node *n = add_node(nodej("a", "4", "8Gi", NULL));
	bind_pod(n, podj("x", "1", "1Gi",
			 "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":80,"
			 "\"hostPort\":8080}]}]}}"));
	bind_pod(n, podj("y", "1", "1Gi",
			 "{\"spec\":{\"containers\":[{\"ports\":[{\"containerPort\":53,"
			 "\"hostPort\":53,\"protocol\":\"UDP\",\"hostIP\":\"10.0.0.1\"}]}]}}"));
	const char *why = "node(s) didn't have free ports for the requested pod ports";
	expect_fail("NodePorts",
		    podj("p", "1", "1Gi",
			 "{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":8080}]}]}}"),
		    n, why);
	/* TCP 8080 on 0.0.0.0 takes every address */
	expect_fail("NodePorts",
		    podj("p", "1", "1Gi",
			 "{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":8080,"
			 "\"hostIP\":\"10.0.0.2\",\"protocol\":\"TCP\"}]}]}}"),
		    n, why);
	/* other protocol, other port, no hostPort: free */
	expect_ok("NodePorts",
		  podj("p", "1", "1Gi",
		       "{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":8080,"
		       "\"protocol\":\"UDP\"},{\"hostPort\":8081},{\"containerPort\":8080}]}]}}"),
		  n);
	/* UDP 53 on 10.0.0.1: another address is free, 0.0.0.0 is not */
	expect_ok("NodePorts",
		  podj("p", "1", "1Gi",
		       "{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":53,"
		       "\"protocol\":\"UDP\",\"hostIP\":\"10.0.0.2\"}]}]}}"),
		  n);
	expect_fail("NodePorts",
		    podj("p", "1", "1Gi",
			 "{\"spec\":{\"containers\":[{\"ports\":[{\"hostPort\":53,"
			 "\"protocol\":\"UDP\"}]}]}}"),
		    n, why);
}

static const char *NOAFF = "node(s) didn't match Pod's node affinity/selector";

static cJSON *aff_pod(const char *terms)
{
	char buf[2048];
	snprintf(
		buf, sizeof(buf),
		"{\"spec\":{\"affinity\":{\"nodeAffinity\":{"
		"\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":%s}}}}}",
		terms);
	return podj("p", "1", "1Gi", buf);
}

Test(sched, node_selector)
{
	reset();
	sched_node *ssd = add_node(nodej(
		"a", "4", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\",\"zone\":\"z1\"}}}"));
	sched_node *hdd =
		add_node(nodej("b", "4", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"hdd\"}}}"));
	cJSON *p = podj("p", "1", "1Gi", "{\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"}}}");
	expect_ok("NodeAffinity", p, ssd);
	expect_fail("NodeAffinity", p, hdd, NOAFF);
	expect_ok("NodeAffinity", podj("q", "1", "1Gi", NULL), hdd);
}

Test(sched, affinity_in_notin_exists_doesnotexist)
{
	reset();
	sched_node *a =
		add_node(nodej("a", "4", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\"}}}"));
	sched_node *b = add_node(nodej("b", "4", "8Gi", NULL));
	cJSON *in = aff_pod("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"In\","
			    "\"values\":[\"nvme\",\"ssd\"]}]}]");
	expect_ok("NodeAffinity", in, a);
	expect_fail("NodeAffinity", in, b, NOAFF);
	cJSON *notin = aff_pod("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"NotIn\","
			       "\"values\":[\"ssd\"]}]}]");
	expect_fail("NodeAffinity", notin, a, NOAFF);
	expect_ok("NodeAffinity", notin, b); /* NotIn matches a missing label */
	cJSON *ex =
		aff_pod("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"Exists\"}]}]");
	expect_ok("NodeAffinity", ex, a);
	expect_fail("NodeAffinity", ex, b, NOAFF);
	cJSON *dne = aff_pod(
		"[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"DoesNotExist\"}]}]");
	expect_fail("NodeAffinity", dne, a, NOAFF);
	expect_ok("NodeAffinity", dne, b);
}

Test(sched, affinity_gt_lt)
{
	reset();
	sched_node *a =
		add_node(nodej("a", "4", "8Gi", "{\"metadata\":{\"labels\":{\"gen\":\"5\"}}}"));
	sched_node *b =
		add_node(nodej("b", "4", "8Gi", "{\"metadata\":{\"labels\":{\"gen\":\"x\"}}}"));
	cJSON *gt = aff_pod("[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":\"Gt\","
			    "\"values\":[\"4\"]}]}]");
	cJSON *gt5 = aff_pod("[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":\"Gt\","
			     "\"values\":[\"5\"]}]}]");
	cJSON *lt = aff_pod("[{\"matchExpressions\":[{\"key\":\"gen\",\"operator\":\"Lt\","
			    "\"values\":[\"6\"]}]}]");
	expect_ok("NodeAffinity", gt, a);
	expect_fail("NodeAffinity", gt5, a, NOAFF);
	expect_ok("NodeAffinity", lt, a);
	expect_fail("NodeAffinity", gt, b, NOAFF); /* not an integer: no match */
	expect_fail("NodeAffinity", lt, b, NOAFF);
}

Test(sched, affinity_terms_ored_expressions_anded)
{
	reset();
	sched_node *a = add_node(nodej(
		"a", "4", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\",\"gpu\":\"yes\"}}}"));
	sched_node *b =
		add_node(nodej("b", "4", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\"}}}"));
	sched_node *c =
		add_node(nodej("c", "4", "8Gi", "{\"metadata\":{\"labels\":{\"arm\":\"1\"}}}"));
	cJSON *p = aff_pod("[{\"matchExpressions\":["
			   "{\"key\":\"disk\",\"operator\":\"In\",\"values\":[\"ssd\"]},"
			   "{\"key\":\"gpu\",\"operator\":\"Exists\"}]},"
			   "{\"matchExpressions\":[{\"key\":\"arm\",\"operator\":\"Exists\"}]}]");
	expect_ok("NodeAffinity", p, a);
	expect_fail("NodeAffinity", p, b, NOAFF);
	expect_ok("NodeAffinity", p, c);
}

Test(sched, affinity_match_fields_and_empty_terms)
{
	reset();
	sched_node *a = add_node(nodej("a", "4", "8Gi", NULL));
	sched_node *b = add_node(nodej("b", "4", "8Gi", NULL));
	cJSON *p = aff_pod("[{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"In\","
			   "\"values\":[\"b\"]}]}]");
	expect_fail("NodeAffinity", p, a, NOAFF);
	expect_ok("NodeAffinity", p, b);
	cJSON *notb =
		aff_pod("[{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"NotIn\","
			"\"values\":[\"b\"]}]}]");
	expect_ok("NodeAffinity", notb, a);
	expect_fail("NodeAffinity", notb, b, NOAFF);
	expect_fail("NodeAffinity", aff_pod("[{}]"), a, NOAFF); /* an empty term: nothing */
	expect_fail("NodeAffinity", aff_pod("[]"), a, NOAFF);
	/* nodeSelector and affinity both apply */
	cJSON *both = with(aff_pod("[{\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":"
				   "\"In\",\"values\":[\"a\"]}]}]"),
			   "{\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"}}}");
	expect_fail("NodeAffinity", both, a, NOAFF);
}

Test(sched, affinity_unknown_operator_is_a_clear_reason)
{
	reset();
	sched_node *a =
		add_node(nodej("a", "4", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\"}}}"));
	cJSON *p = aff_pod("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"Like\","
			   "\"values\":[\"ssd\"]}]}]");
	expect_fail("NodeAffinity", p, a,
		    "Pod has invalid node affinity: nodeSelectorTerms[0].matchExpressions[0]: "
		    "unsupported operator \"Like\" (In, NotIn, Exists, DoesNotExist, Gt, Lt)");
	/* as in Kubernetes, a bad term is skipped when another one matches */
	cJSON *q = aff_pod("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"Like\"}]},"
			   "{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"Exists\"}]}]");
	expect_ok("NodeAffinity", q, a);
	cJSON *gt = aff_pod("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":\"Gt\","
			    "\"values\":[\"x\"]}]}]");
	expect_fail("NodeAffinity", gt, a,
		    "Pod has invalid node affinity: nodeSelectorTerms[0].matchExpressions[0]: "
		    "operator Gt needs one integer value");
}

Test(sched, taints_noschedule_and_noexecute)
{
	reset();
	sched_node *a =
		add_node(nodej("a", "4", "8Gi",
			       "{\"spec\":{\"taints\":[{\"key\":\"dedicated\",\"value\":\"gpu\","
			       "\"effect\":\"NoSchedule\"}]}}"));
	sched_node *b =
		add_node(nodej("b", "4", "8Gi",
			       "{\"spec\":{\"taints\":[{\"key\":\"node.kubernetes.io/unreachable\","
			       "\"effect\":\"NoExecute\"}]}}"));
	sched_node *c = add_node(nodej("c", "4", "8Gi",
				       "{\"spec\":{\"taints\":[{\"key\":\"soft\",\"effect\":"
				       "\"PreferNoSchedule\"}]}}"));
	cJSON *p = podj("p", "1", "1Gi", NULL);
	expect_fail("TaintToleration", p, a, "node(s) had untolerated taint {dedicated: gpu}");
	expect_fail("TaintToleration", p, b,
		    "node(s) had untolerated taint {node.kubernetes.io/unreachable: }");
	expect_ok("TaintToleration", p, c);
}

Test(sched, tolerations_equal_exists_effect)
{
	reset();
	sched_node *a =
		add_node(nodej("a", "4", "8Gi",
			       "{\"spec\":{\"taints\":[{\"key\":\"dedicated\",\"value\":\"gpu\","
			       "\"effect\":\"NoSchedule\"}]}}"));
	const char *why = "node(s) had untolerated taint {dedicated: gpu}";
	expect_ok("TaintToleration",
		  podj("p", "1", "1Gi",
		       "{\"spec\":{\"tolerations\":[{\"key\":\"dedicated\",\"value\":\"gpu\"}]}}"),
		  a);
	expect_fail("TaintToleration",
		    podj("p", "1", "1Gi",
			 "{\"spec\":{\"tolerations\":[{\"key\":\"dedicated\",\"operator\":"
			 "\"Equal\",\"value\":\"cpu\"}]}}"),
		    a, why);
	expect_ok("TaintToleration",
		  podj("p", "1", "1Gi",
		       "{\"spec\":{\"tolerations\":[{\"key\":\"dedicated\",\"operator\":"
		       "\"Exists\",\"effect\":\"NoSchedule\"}]}}"),
		  a);
	expect_fail("TaintToleration",
		    podj("p", "1", "1Gi",
			 "{\"spec\":{\"tolerations\":[{\"key\":\"dedicated\",\"operator\":"
			 "\"Exists\",\"effect\":\"NoExecute\"}]}}"),
		    a, why);
	/* an empty key with Exists tolerates everything */
	expect_ok("TaintToleration",
		  podj("p", "1", "1Gi", "{\"spec\":{\"tolerations\":[{\"operator\":\"Exists\"}]}}"),
		  a);
}

Test(sched, node_conditions)
{
	reset();
	sched_node *ready = add_node(nodej("a", "4", "8Gi",
					   "{\"status\":{\"conditions\":[{\"type\":\"Ready\","
					   "\"status\":\"True\"}]}}"));
	sched_node *notready = add_node(nodej("b", "4", "8Gi",
					      "{\"status\":{\"conditions\":[{\"type\":\"Ready\","
					      "\"status\":\"False\"}]}}"));
	sched_node *mem =
		add_node(nodej("c", "4", "8Gi",
			       "{\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\","
			       "\"status\":\"True\"},{\"type\":\"DiskPressure\","
			       "\"status\":\"True\"},{\"type\":\"PIDPressure\","
			       "\"status\":\"True\"}]}}"));
	sched_node *net = add_node(nodej("d", "4", "8Gi",
					 "{\"status\":{\"conditions\":[{\"type\":"
					 "\"NetworkUnavailable\",\"status\":\"True\"}]}}"));
	cJSON *p = podj("p", "1", "1Gi", NULL);
	expect_ok("CheckNodeCondition", p, ready);
	expect_fail("CheckNodeCondition", p, notready, "node(s) were not ready");
	expect_fail("CheckNodeCondition", p, net, "node(s) had unavailable network");
	expect_ok("CheckNodeMemoryPressure", p, ready);
	expect_fail("CheckNodeMemoryPressure", p, mem, "node(s) had memory pressure");
	expect_fail("CheckNodeDiskPressure", p, mem, "node(s) had disk pressure");
	expect_fail("CheckNodePIDPressure", p, mem, "node(s) had pid pressure");
	/* a pod tolerating the condition's taint passes, as in Kubernetes */
	cJSON *ds =
		podj("ds", "1", "1Gi",
		     "{\"spec\":{\"tolerations\":["
		     "{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\"},"
		     "{\"key\":\"node.kubernetes.io/memory-pressure\",\"operator\":\"Exists\"}]}}");
	expect_ok("CheckNodeCondition", ds, notready);
	expect_ok("CheckNodeMemoryPressure", ds, mem);
	expect_fail("CheckNodeDiskPressure", ds, mem, "node(s) had disk pressure");
}

/* ---- scores --------------------------------------------------------------------------- */

Test(sched, least_allocated_exact)
{
	reset();
	sched_node *n = add_node(nodej("a", "4000m", "8Gi", NULL));
	bind_pod(n, podj("x", "1000m", "2Gi", NULL));
	cJSON *p = podj("p", "1000m", "1Gi", NULL);
	/* ((4000-2000)*100/4000 + (8Gi-3Gi)*100/8Gi) / 2 = (50 + 62) / 2 */
	cr_assert_eq(raw_score("NodeResourcesLeastAllocated", p, n), 56);
}

Test(sched, least_allocated_nonzero_requests_and_overcommit)
{
	reset();
	sched_node *n = add_node(nodej("a", "1", "1Gi", NULL));
	cJSON *be = podj("p", NULL, NULL, NULL);
	/* 100m and 200Mi: (900*100/1000 + 824*100/1024) / 2 = (90 + 80) / 2 */
	cr_assert_eq(raw_score("NodeResourcesLeastAllocated", be, n), 85);
	cJSON *big = podj("q", "2", "512Mi", NULL);
	/* cpu over capacity scores 0: (0 + 50) / 2 */
	cr_assert_eq(raw_score("NodeResourcesLeastAllocated", big, n), 25);
}

Test(sched, balanced_allocation_exact)
{
	reset();
	sched_node *n = add_node(nodej("a", "4000m", "8Gi", NULL));
	bind_pod(n, podj("x", "1000m", "2Gi", NULL));
	cJSON *p = podj("p", "1000m", "1Gi", NULL);
	/* fractions 0.5 and 0.375: std = 0.0625, (1 - 0.0625) * 100 = 93.75 */
	cr_assert_eq(raw_score("NodeResourcesBalancedAllocation", p, n), 93);
	/* fractions are capped at 1: cpu 1, memory 0.25: std 0.375 -> 62 */
	cJSON *q = podj("q", "8", "0", NULL);
	cr_assert_eq(raw_score("NodeResourcesBalancedAllocation", q, n), 62);
	/* a best-effort pod on an empty node: both fractions 0 */
	reset();
	sched_node *e = add_node(nodej("e", "4", "8Gi", NULL));
	cr_assert_eq(raw_score("NodeResourcesBalancedAllocation", podj("b", NULL, NULL, NULL), e),
		     100);
}

Test(sched, image_locality_scaled_score)
{
	reset();
	sched_node *a = add_node(
		nodej("a", "4", "8Gi",
		      "{\"status\":{\"images\":[{\"names\":[\"docker.io/library/nginx:1.25\","
		      "\"nginx:1.25\"],\"sizeBytes\":524288000}]}}"));
	sched_node *b = add_node(nodej("b", "4", "8Gi", NULL));
	cJSON *p = podj("p", "1", "1Gi", NULL); /* image nginx:1.25 */
	/* 500Mi on 1 of 2 nodes: 250Mi; 100 * (250 - 23) / (1000 - 23) = 23 */
	cr_assert_eq(raw_score("ImageLocality", p, a), 23);
	cr_assert_eq(raw_score("ImageLocality", p, b), 0);
	/* "nginx" means nginx:latest, which the node does not have */
	cJSON *latest =
		podj("q", "1", "1Gi", "{\"spec\":{\"containers\":[{\"image\":\"nginx\"}]}}");
	cr_assert_eq(raw_score("ImageLocality", latest, a), 0);
}

Test(sched, image_locality_caps_at_1000mb_per_container)
{
	reset();
	sched_node *a = add_node(nodej("a", "4", "8Gi",
				       "{\"status\":{\"images\":[{\"names\":[\"big:latest\"],"
				       "\"sizeBytes\":1048576000}]}}"));
	cJSON *p = podj("p", "1", "1Gi", "{\"spec\":{\"containers\":[{\"image\":\"big\"}]}}");
	cr_assert_eq(raw_score("ImageLocality", p, a), 100);
	/* two containers, one of them on the node: 1000MB of 2000MB allowed:
	 * 100 * (1000 - 23) / (2000 - 23) = 49 */
	cJSON *two =
		podj("q", "1", "1Gi",
		     "{\"spec\":{\"containers\":[{\"image\":\"big\"},{\"image\":\"other:1\"}]}}");
	cr_assert_eq(raw_score("ImageLocality", two, a), 49);
}

Test(sched, taint_toleration_score_reversed)
{
	reset();
	add_node(nodej("a", "4", "8Gi", NULL));
	add_node(nodej(
		"b", "4", "8Gi",
		"{\"spec\":{\"taints\":[{\"key\":\"k1\",\"effect\":\"PreferNoSchedule\"}]}}"));
	add_node(nodej("c", "4", "8Gi",
		       "{\"spec\":{\"taints\":[{\"key\":\"k1\",\"effect\":\"PreferNoSchedule\"},"
		       "{\"key\":\"k2\",\"value\":\"v\",\"effect\":\"PreferNoSchedule\"},"
		       "{\"key\":\"k3\",\"effect\":\"NoSchedule\"}]}}"));
	int64_t s[3];
	scores_of("TaintToleration", podj("p", "1", "1Gi", NULL), s);
	cr_assert_eq(s[0], 100);
	cr_assert_eq(s[1], 50);
	cr_assert_eq(s[2], 0);
	/* tolerating k1 leaves c with one */
	scores_of("TaintToleration",
		  podj("q", "1", "1Gi",
		       "{\"spec\":{\"tolerations\":[{\"key\":\"k1\",\"operator\":\"Exists\"}]}}"),
		  s);
	cr_assert_eq(s[0], 100);
	cr_assert_eq(s[1], 100);
	cr_assert_eq(s[2], 0);
}

Test(sched, node_affinity_preferred_normalised)
{
	reset();
	add_node(nodej("a", "4", "8Gi", NULL));
	add_node(nodej("b", "4", "8Gi", "{\"metadata\":{\"labels\":{\"zone\":\"z1\"}}}"));
	add_node(nodej("c", "4", "8Gi",
		       "{\"metadata\":{\"labels\":{\"zone\":\"z1\",\"disk\":\"ssd\"}}}"));
	cJSON *p = podj("p", "1", "1Gi",
			"{\"spec\":{\"affinity\":{\"nodeAffinity\":{"
			"\"preferredDuringSchedulingIgnoredDuringExecution\":["
			"{\"weight\":20,\"preference\":{\"matchExpressions\":[{\"key\":\"zone\","
			"\"operator\":\"In\",\"values\":[\"z1\"]}]}},"
			"{\"weight\":60,\"preference\":{\"matchExpressions\":[{\"key\":\"disk\","
			"\"operator\":\"Exists\"}]}}]}}}}");
	cr_assert_eq(raw_score("NodeAffinity", p, &C.nodes[2]), 80);
	int64_t s[3];
	scores_of("NodeAffinity", p, s);
	cr_assert_eq(s[0], 0);
	cr_assert_eq(s[1], 25);
	cr_assert_eq(s[2], 100);
	/* no preferences: every node 0 */
	scores_of("NodeAffinity", podj("q", "1", "1Gi", NULL), s);
	cr_assert_eq(s[0] + s[1] + s[2], 0);
}

static const char *RS_POD_META = "{\"metadata\":{\"labels\":{\"app\":\"web\"},\"ownerReferences\":"
				 "[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\","
				 "\"name\":\"web-1\",\"uid\":\"u1\",\"controller\":true}]}}";

Test(sched, spread_replicaset_across_nodes)
{
	reset();
	sched_node *a = add_node(nodej("a", "4", "8Gi", NULL));
	sched_node *b = add_node(nodej("b", "4", "8Gi", NULL));
	add_node(nodej("c", "4", "8Gi", NULL));
	const cJSON *rs[] = {
		js("{\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-1\","
		   "\"namespace\":\"default\"},\"spec\":{\"selector\":{\"matchLabels\":"
		   "{\"app\":\"web\"}}}}")};
	C.snap.replicasets = rs;
	C.snap.n_replicasets = 1;
	bind_pod(a, podj("w1", "1", "1Gi", RS_POD_META));
	bind_pod(a, podj("w2", "1", "1Gi", RS_POD_META));
	bind_pod(b, podj("w3", "1", "1Gi", RS_POD_META));
	bind_pod(b, podj("other", "1", "1Gi", "{\"metadata\":{\"labels\":{\"app\":\"db\"}}}"));
	cJSON *p = podj("w4", "1", "1Gi", RS_POD_META);
	/* hostname constraint (maxSkew 3), weight ln(3 + 2):
	 * a: 2 * 1.609 + 2 = 5, b: 1.609 + 2 = 4, c: 2 (no zone labels) */
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[0]), 5);
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[1]), 4);
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[2]), 2);
	int64_t s[3];
	scores_of("PodTopologySpread", p, s);
	/* 100 * (max + min - s) / max */
	cr_assert_eq(s[0], 40);
	cr_assert_eq(s[1], 60);
	cr_assert_eq(s[2], 100);
}

Test(sched, spread_service_and_skip_without_owner)
{
	reset();
	sched_node *a = add_node(nodej("a", "4", "8Gi", NULL));
	add_node(nodej("b", "4", "8Gi", NULL));
	const cJSON *svc[] = {
		js("{\"kind\":\"Service\",\"metadata\":{\"name\":\"s\","
		   "\"namespace\":\"default\"},\"spec\":{\"selector\":{\"app\":\"web\"}}}")};
	C.snap.services = svc;
	C.snap.n_services = 1;
	bind_pod(a, podj("w1", "1", "1Gi", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}"));
	cJSON *p = podj("w2", "1", "1Gi", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}");
	int64_t s[2];
	scores_of("SelectorSpread", p, s); /* the old name finds the same plug-in */
	/* a: ln(4) + 2 = 3.39 -> 3, b: 2; 100*(3+2-3)/3 = 66, 100*(3+2-2)/3 = 100 */
	cr_assert_eq(s[0], 66);
	cr_assert_eq(s[1], 100);
	/* a pod of no Service and no controller: the plug-in is skipped (0) */
	scores_of("PodTopologySpread", podj("lone", "1", "1Gi", NULL), s);
	cr_assert_eq(s[0], 0);
	cr_assert_eq(s[1], 0);
}

Test(sched, spread_zones)
{
	reset();
	sched_node *a = add_node(
		nodej("a", "4", "8Gi",
		      "{\"metadata\":{\"labels\":{\"topology.kubernetes.io/zone\":\"z1\"}}}"));
	add_node(nodej("b", "4", "8Gi",
		       "{\"metadata\":{\"labels\":{\"topology.kubernetes.io/zone\":\"z1\"}}}"));
	add_node(nodej("c", "4", "8Gi",
		       "{\"metadata\":{\"labels\":{\"topology.kubernetes.io/zone\":\"z2\"}}}"));
	const cJSON *rs[] = {
		js("{\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web-1\","
		   "\"namespace\":\"default\"},\"spec\":{\"selector\":{\"matchLabels\":"
		   "{\"app\":\"web\"}}}}")};
	C.snap.replicasets = rs;
	C.snap.n_replicasets = 1;
	bind_pod(a, podj("w1", "1", "1Gi", RS_POD_META));
	cJSON *p = podj("w2", "1", "1Gi", RS_POD_META);
	/* host weight ln(5) = 1.609, zone weight ln(4) = 1.386:
	 * a: 1.609 + 2 + 1.386 + 4 = 8.995 -> 9; b: 2 + 1.386 + 4 = 7.386 -> 7; c: 6 */
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[0]), 9);
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[1]), 7);
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[2]), 6);
}

/* ---- sched_schedule ------------------------------------------------------------------------- */

Test(sched, failed_scheduling_message_mixed_reasons)
{
	reset();
	add_node(nodej("n1", "1", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\"}}}"));
	add_node(nodej("n2", "1", "8Gi", "{\"metadata\":{\"labels\":{\"disk\":\"ssd\"}}}"));
	add_node(nodej("n3", "8", "8Gi", NULL));
	add_node(nodej("n4", "8", "8Gi", NULL));
	add_node(nodej("n5", "8", "8Gi", NULL));
	cJSON *p = podj("p", "2", "1Gi", "{\"spec\":{\"nodeSelector\":{\"disk\":\"ssd\"}}}");
	sched_policy pol;
	sched_policy_default(&pol);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, p, &C.snap, NULL, &r), 0);
	cr_assert_eq(r.chosen, -1);
	cr_assert_eq(r.feasible, 0);
	cr_assert_str_eq(r.message, "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) "
				    "didn't match Pod's node affinity/selector.");
	const cJSON *f = cJSON_GetObjectItem(r.scorecard, "filtered");
	cr_assert_eq(cJSON_GetObjectItem(f, "Insufficient cpu")->valueint, 2);
	cr_assert_eq(cJSON_GetObjectItem(f, NOAFF)->valueint, 3);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(r.scorecard, "node")));
	sched_result_clear(&r);
	cr_assert_null(r.scorecard);
}

Test(sched, failed_scheduling_sorted_as_strings_and_first_filter_only)
{
	reset();
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", i);
		add_node(nodej(name, "1", "1Gi", NULL));
	}
	/* cordoned and too small: only the first failing filter speaks */
	add_node(nodej("c", "1", "1Gi", "{\"spec\":{\"unschedulable\":true}}"));
	sched_policy pol;
	sched_policy_default(&pol);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "2", "2Gi", NULL), &C.snap, NULL, &r), 0);
	/* Kubernetes sorts the "count reason" strings: "1 n..." < "10 I..." */
	cr_assert_str_eq(r.message, "0/11 nodes are available: 1 node(s) were unschedulable, "
				    "10 Insufficient cpu, 10 Insufficient memory.");
	sched_result_clear(&r);
}

Test(sched, failed_scheduling_invalid_requests)
{
	reset();
	add_node(nodej("a", "4", "8Gi", NULL));
	add_node(nodej("b", "4", "8Gi", NULL));
	sched_policy pol;
	sched_policy_default(&pol);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1x", "1Gi", NULL), &C.snap, NULL, &r), 0);
	cr_assert_eq(r.chosen, -1);
	cr_assert_str_eq(r.message,
			 "0/2 nodes are available: 2 Pod has invalid resource requests.");
	sched_result_clear(&r);
}

Test(sched, no_nodes)
{
	reset();
	sched_policy pol;
	sched_policy_default(&pol);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &C.snap, NULL, &r), 0);
	cr_assert_eq(r.chosen, -1);
	cr_assert_str_eq(r.message, "no nodes available to schedule pods");
	sched_result_clear(&r);
}

Test(sched, chooses_the_highest_total)
{
	reset();
	sched_node *busy = add_node(nodej("busy", "4", "8Gi", NULL));
	add_node(nodej("idle", "4", "8Gi", NULL));
	bind_pod(busy, podj("x", "3", "6Gi", NULL));
	sched_policy pol;
	sched_policy_default(&pol);
	for (int i = 0; i < 5; i++) {
		sched_result r;
		seq_state = (unsigned)i;
		cr_assert_eq(
			sched_schedule(&pol, podj("p", "500m", "1Gi", NULL), &C.snap, seq_rnd, &r),
			0);
		cr_assert_eq(r.chosen, 1);
		cr_assert_eq(r.feasible, 2);
		cr_assert_str_eq(r.message, "");
		cr_assert_str_eq(cJSON_GetObjectItem(r.scorecard, "node")->valuestring, "idle");
		sched_result_clear(&r);
	}
}

Test(sched, ties_broken_among_equal_nodes_only)
{
	reset();
	sched_node *busy = add_node(nodej("busy", "4", "8Gi", NULL));
	add_node(nodej("e1", "4", "8Gi", NULL));
	add_node(nodej("e2", "4", "8Gi", NULL));
	bind_pod(busy, podj("x", "2", "4Gi", NULL));
	sched_policy pol;
	sched_policy_default(&pol);
	int seen[3] = {0, 0, 0};
	for (unsigned i = 0; i < 20; i++) {
		sched_result r;
		seq_state = i;
		cr_assert_eq(
			sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &C.snap, seq_rnd, &r), 0);
		cr_assert(r.chosen == 1 || r.chosen == 2, "chose %d", r.chosen);
		seen[r.chosen]++;
		/* the chosen node is first in "top", the other equal one second */
		const cJSON *top = cJSON_GetObjectItem(r.scorecard, "top");
		cr_assert_str_eq(
			cJSON_GetObjectItem(cJSON_GetArrayItem(top, 0), "node")->valuestring,
			C.nodes[r.chosen].name);
		cr_assert_str_eq(
			cJSON_GetObjectItem(cJSON_GetArrayItem(top, 2), "node")->valuestring,
			"busy");
		sched_result_clear(&r);
	}
	cr_assert_eq(seen[0], 0);
	cr_assert_eq(seen[1], 10);
	cr_assert_eq(seen[2], 10);
}

Test(sched, scorecard_shape)
{
	reset();
	add_node(nodej("a", "4", "8Gi", NULL));
	add_node(nodej("b", "4", "8Gi", "{\"spec\":{\"unschedulable\":true}}"));
	add_node(nodej("c", "2", "8Gi", NULL));
	sched_policy pol;
	sched_policy_default(&pol);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &C.snap, NULL, &r), 0);
	cr_assert_eq(r.chosen, 0);
	char *txt = cJSON_PrintUnformatted(r.scorecard);
	/* a: least (75 + 87) / 2 = 81, balanced fractions .25/.125 -> 93;
	 * c: least (50 + 87) / 2 = 68, balanced .5/.125 -> 81; taints 100 * 3,
	 * affinity 0, spread skipped (0), image 0 */
	cr_assert_str_eq(txt, "{\"node\":\"a\",\"feasible\":2,\"total\":3,\"top\":["
			      "{\"node\":\"a\",\"score\":474,\"plugins\":{\"TaintToleration\":300,"
			      "\"NodeAffinity\":0,\"NodeResourcesLeastAllocated\":81,"
			      "\"PodTopologySpread\":0,\"NodeResourcesBalancedAllocation\":93,"
			      "\"ImageLocality\":0}},"
			      "{\"node\":\"c\",\"score\":449,\"plugins\":{\"TaintToleration\":300,"
			      "\"NodeAffinity\":0,\"NodeResourcesLeastAllocated\":68,"
			      "\"PodTopologySpread\":0,\"NodeResourcesBalancedAllocation\":81,"
			      "\"ImageLocality\":0}}],"
			      "\"filtered\":{\"node(s) were unschedulable\":1}}");
	free(txt);
	sched_result_clear(&r);
}

Test(sched, weights_apply_and_zero_disables)
{
	reset();
	add_node(nodej("a", "4", "8Gi", NULL));
	sched_policy pol;
	char msg[256];
	cJSON *cfg = js("{\"scores\":[{\"name\":\"NodeResourcesLeastAllocated\",\"weight\":5},"
			"{\"name\":\"ImageLocality\",\"weight\":0}]}");
	cr_assert_eq(sched_policy_from_json(&pol, cfg, msg, sizeof(msg)), 0, "%s", msg);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "2Gi", NULL), &C.snap, NULL, &r), 0);
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(r.scorecard, "top"), 0);
	/* (75 + 75) / 2 * 5; ImageLocality disabled: absent */
	cr_assert_eq(cJSON_GetObjectItem(e, "score")->valueint, 375);
	const cJSON *pl = cJSON_GetObjectItem(e, "plugins");
	cr_assert_eq(cJSON_GetArraySize(pl), 1);
	cr_assert_eq(cJSON_GetObjectItem(pl, "NodeResourcesLeastAllocated")->valueint, 375);
	sched_result_clear(&r);
}

/* A big cluster, allocated on the heap. */
static sched_node *big_nodes(size_t n, const char *extra_fmt, sched_snapshot *snap)
{
	sched_node *nodes = calloc(n, sizeof(*nodes));
	cr_assert(nodes);
	for (size_t i = 0; i < n; i++) {
		char name[32], extra[256];
		snprintf(name, sizeof(name), "node-%04zu", i);
		if (extra_fmt)
			snprintf(extra, sizeof(extra), extra_fmt, i);
		sched_node_init(&nodes[i], nodej(name, "4", "8Gi", extra_fmt ? extra : NULL));
	}
	memset(snap, 0, sizeof(*snap));
	snap->nodes = nodes;
	snap->n = n;
	return nodes;
}

Test(sched, scorecard_bounded_with_1000_nodes)
{
	sched_snapshot snap;
	sched_node *nodes = big_nodes(1000, NULL, &snap);
	sched_policy pol;
	sched_policy_default(&pol);
	pol.percentage_of_nodes_to_score = 100;
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &snap, seq_rnd, &r), 0);
	cr_assert_geq(r.chosen, 0);
	cr_assert_eq(r.feasible, 1000);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.scorecard, "top")), 5);
	cr_assert_eq(cJSON_GetObjectItem(r.scorecard, "total")->valueint, 1000);
	cr_assert_null(cJSON_GetObjectItem(r.scorecard, "evaluated"));
	char *txt = cJSON_PrintUnformatted(r.scorecard);
	cr_assert_lt(strlen(txt), 2048, "scorecard of %zu bytes", strlen(txt));
	free(txt);
	sched_result_clear(&r);
	free(nodes);
}

Test(sched, scorecard_bounded_with_1000_distinct_reasons)
{
	sched_snapshot snap;
	sched_node *nodes = big_nodes(
		1000, "{\"spec\":{\"taints\":[{\"key\":\"k%zu\",\"effect\":\"NoSchedule\"}]}}",
		&snap);
	sched_policy pol;
	sched_policy_default(&pol);
	sched_result r;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &snap, NULL, &r), 0);
	cr_assert_eq(r.chosen, -1);
	cr_assert_eq(r.evaluated, 1000);
	const cJSON *f = cJSON_GetObjectItem(r.scorecard, "filtered");
	cr_assert_eq(cJSON_GetArraySize(f), 17);
	cr_assert_eq(cJSON_GetObjectItem(f, "(other reasons)")->valueint, 1000 - 16);
	char *txt = cJSON_PrintUnformatted(r.scorecard);
	cr_assert_lt(strlen(txt), 2048, "scorecard of %zu bytes", strlen(txt));
	free(txt);
	/* the message stays within its buffer and ends cleanly */
	cr_assert_lt(strlen(r.message), sizeof(r.message));
	cr_assert(strncmp(r.message, "0/1000 nodes are available: 1 node(s) had untolerated taint",
			  59) == 0,
		  "%s", r.message);
	cr_assert_str_eq(r.message + strlen(r.message) - 5, ", ...");
	sched_result_clear(&r);
	free(nodes);
}

Test(sched, percentage_of_nodes_to_score)
{
	sched_snapshot snap;
	sched_node *nodes = big_nodes(1000, NULL, &snap);
	sched_policy pol;
	sched_policy_default(&pol);
	cr_assert_eq(pol.percentage_of_nodes_to_score, 0);
	sched_result r;
	/* adaptive: 50 - 1000/125 = 42% */
	snap.start = 900;
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &snap, NULL, &r), 0);
	cr_assert_eq(r.feasible, 420);
	cr_assert_eq(r.evaluated, 420);
	cr_assert_eq(r.next_start, (900 + 420) % 1000);
	cr_assert_eq(cJSON_GetObjectItem(r.scorecard, "evaluated")->valueint, 420);
	sched_result_clear(&r);
	pol.percentage_of_nodes_to_score = 1; /* never fewer than 100 */
	cr_assert_eq(sched_schedule(&pol, podj("p", "1", "1Gi", NULL), &snap, NULL, &r), 0);
	cr_assert_eq(r.feasible, 100);
	sched_result_clear(&r);
	free(nodes);
}

/* ---- policies ------------------------------------------------------------------------------- */

static int weight_of(const sched_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_scores; i++)
		if (strcmp(p->scores[i]->name, name) == 0)
			return p->weights[i];
	return -1;
}

Test(sched, policy_default_weights)
{
	sched_policy p;
	sched_policy_default(&p);
	cr_assert_eq(p.n_filters, sched_filters_len);
	cr_assert_eq(p.n_scores, sched_scores_len);
	cr_assert_eq(weight_of(&p, "TaintToleration"), 3);
	cr_assert_eq(weight_of(&p, "NodeAffinity"), 2);
	cr_assert_eq(weight_of(&p, "PodTopologySpread"), 2);
	cr_assert_eq(weight_of(&p, "NodeResourcesLeastAllocated"), 1);
	cr_assert_eq(weight_of(&p, "NodeResourcesBalancedAllocation"), 1);
	cr_assert_eq(weight_of(&p, "ImageLocality"), 1);
	cr_assert_str_eq(p.filters[0]->name, "NodeUnschedulable");
	cr_assert(sched_filter_find("NodeResourcesFit"));
	cr_assert_null(sched_filter_find("Nope"));
}

Test(sched, policy_from_json)
{
	sched_policy p;
	char msg[256];
	cJSON *cfg = js("{\"filters\":[\"NodeResourcesFit\",\"NodeAffinity\"],"
			"\"scores\":[{\"name\":\"SelectorSpread\",\"weight\":7},\"ImageLocality\","
			"{\"name\":\"TaintToleration\"}],\"percentageOfNodesToScore\":50}");
	cr_assert_eq(sched_policy_from_json(&p, cfg, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(p.n_filters, 2);
	cr_assert_str_eq(p.filters[0]->name, "NodeResourcesFit");
	cr_assert_eq(p.n_scores, 3);
	cr_assert_eq(weight_of(&p, "PodTopologySpread"), 7);
	cr_assert_eq(weight_of(&p, "ImageLocality"), 1);
	cr_assert_eq(weight_of(&p, "TaintToleration"), 3);
	cr_assert_eq(p.percentage_of_nodes_to_score, 50);
	/* only scores given: the default filters stay */
	cr_assert_eq(sched_policy_from_json(&p, js("{\"scores\":[]}"), msg, sizeof(msg)), 0);
	cr_assert_eq(p.n_filters, sched_filters_len);
	cr_assert_eq(p.n_scores, 0);
}

Test(sched, policy_unknown_plugin_named)
{
	sched_policy p;
	sched_policy_default(&p);
	p.n_scores = 1; /* untouched on error */
	char msg[256];
	cr_assert_eq(sched_policy_from_json(&p,
					    js("{\"filters\":[\"NodePorts\",\"PodFitsMagic\"]}"),
					    msg, sizeof(msg)),
		     -1);
	cr_assert_str_eq(msg, "scheduler policy: unknown filter plug-in \"PodFitsMagic\"");
	cr_assert_eq(p.n_scores, 1);
	cr_assert_eq(sched_policy_from_json(&p, js("{\"scores\":[{\"name\":\"MostAllocated\"}]}"),
					    msg, sizeof(msg)),
		     -1);
	cr_assert_str_eq(msg, "scheduler policy: unknown score plug-in \"MostAllocated\"");
}

Test(sched, policy_bad_values)
{
	sched_policy p;
	char msg[256];
	cr_assert_eq(sched_policy_from_json(
			     &p, js("{\"scores\":[{\"name\":\"ImageLocality\",\"weight\":-1}]}"),
			     msg, sizeof(msg)),
		     -1);
	cr_assert(strstr(msg, "\"ImageLocality\": weight must be an integer from 0 to 100"), "%s",
		  msg);
	cr_assert_eq(sched_policy_from_json(&p, js("{\"filters\":[\"NodePorts\",\"NodePorts\"]}"),
					    msg, sizeof(msg)),
		     -1);
	cr_assert(strstr(msg, "listed twice"), "%s", msg);
	cr_assert_eq(sched_policy_from_json(&p, js("{\"filter\":[]}"), msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "scheduler policy: unknown field \"filter\"");
	cr_assert_eq(sched_policy_from_json(&p, js("[]"), msg, sizeof(msg)), -1);
	cr_assert_eq(sched_policy_from_json(&p, js("{\"percentageOfNodesToScore\":101}"), msg,
					    sizeof(msg)),
		     -1);
}

Test(sched, policy_selects_filters)
{
	reset();
	add_node(nodej("a", "1", "1Gi", NULL));
	sched_policy p;
	char msg[256];
	/* without NodeResourcesFit, a pod too big still lands */
	cr_assert_eq(
		sched_policy_from_json(&p, js("{\"filters\":[\"NodePorts\"]}"), msg, sizeof(msg)),
		0);
	sched_result r;
	cr_assert_eq(sched_schedule(&p, podj("p", "8", "8Gi", NULL), &C.snap, NULL, &r), 0);
	cr_assert_eq(r.chosen, 0);
	sched_result_clear(&r);
}

/* ---- node facts and the pod's own spread constraints ------------------------------------- */

Test(sched, node_facts_bits)
{
	cJSON *n = nodej("a", "4", "8Gi",
			 "{\"spec\":{\"unschedulable\":true,\"taints\":[{\"key\":\"k\",\"effect\":"
			 "\"NoSchedule\"}]},\"status\":{\"conditions\":["
			 "{\"type\":\"Ready\",\"status\":\"Unknown\"},"
			 "{\"type\":\"DiskPressure\",\"status\":\"True\"},"
			 "{\"type\":\"MemoryPressure\",\"status\":\"False\"}],"
			 "\"images\":[{\"names\":[\"x:1\"],\"sizeBytes\":1}]}}");
	unsigned f = sched_node_facts(n);
	cr_assert_eq(f, SCHED_NODE_FACTS | SCHED_NODE_UNSCHEDULABLE | SCHED_NODE_UNREACHABLE |
				SCHED_NODE_DISK_PRESSURE | SCHED_NODE_TAINTS | SCHED_NODE_IMAGES);
	cr_assert_eq(sched_node_facts(nodej("b", "1", "1Gi", NULL)), SCHED_NODE_FACTS);
}

Test(sched, hand_built_node_without_facts_reads_the_json)
{
	reset();
	cJSON *nj = nodej(
		"a", "4", "8Gi",
		"{\"spec\":{\"unschedulable\":true,\"taints\":[{\"key\":\"k\",\"value\":\"v\","
		"\"effect\":\"NoExecute\"}]},\"status\":{\"conditions\":["
		"{\"type\":\"Ready\",\"status\":\"False\"}]}}");
	sched_node n;
	memset(&n, 0, sizeof(n));
	n.node = nj;
	n.name = "a";
	n.alloc_cpu_milli = 4000;
	n.alloc_memory = 8 * GI;
	n.alloc_pods = 110;
	cJSON *p = podj("p", "1", "1Gi", NULL);
	expect_fail("NodeUnschedulable", p, &n, "node(s) were unschedulable");
	expect_fail("TaintToleration", p, &n, "node(s) had untolerated taint {k: v}");
	expect_fail("CheckNodeCondition", p, &n, "node(s) were not ready");
	expect_ok("NodeResourcesFit", p, &n);
}

Test(sched, spread_pod_constraints_ignore_nodes_without_the_key)
{
	reset();
	sched_node *a = add_node(
		nodej("a", "4", "8Gi",
		      "{\"metadata\":{\"labels\":{\"topology.kubernetes.io/zone\":\"z1\"}}}"));
	add_node(nodej("b", "4", "8Gi",
		       "{\"metadata\":{\"labels\":{\"topology.kubernetes.io/zone\":\"z2\"}}}"));
	add_node(nodej("c", "4", "8Gi", NULL));
	bind_pod(a, podj("w1", "1", "1Gi", "{\"metadata\":{\"labels\":{\"app\":\"web\"}}}"));
	const char *tsc = "{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{"
			  "\"topologySpreadConstraints\":[{\"maxSkew\":1,\"topologyKey\":"
			  "\"topology.kubernetes.io/zone\",\"whenUnsatisfiable\":\"%s\","
			  "\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}}}]}}";
	char buf[512];
	snprintf(buf, sizeof(buf), tsc, "ScheduleAnyway");
	cJSON *p = podj("w2", "1", "1Gi", buf);
	/* zone weight ln(2 + 2) (c is ignored): a 1.386 -> 1, b 0, c ignored */
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[0]), 1);
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[1]), 0);
	cr_assert_eq(raw_score("PodTopologySpread", p, &C.nodes[2]), -1);
	int64_t s[3];
	scores_of("PodTopologySpread", p, s);
	cr_assert_eq(s[0], 0);
	cr_assert_eq(s[1], 100);
	cr_assert_eq(s[2], 0);
	/* DoNotSchedule constraints are not scores: skipped */
	snprintf(buf, sizeof(buf), tsc, "DoNotSchedule");
	scores_of("PodTopologySpread", podj("w3", "1", "1Gi", buf), s);
	cr_assert_eq(s[0] + s[1] + s[2], 0);
}
