/* top.c - `cubectl top node|pod`: resource usage from the metrics API
 * (metrics.k8s.io/v1beta1), with kubectl v1.32's requests, columns, sorting
 * and messages (kubectl's cmd/top and metricsutil):
 *
 *   top node [NAME | -l label] [--sort-by=cpu|memory] [--no-headers] [--show-capacity]
 *     NAME  CPU(cores)  CPU(%)  MEMORY(bytes)  MEMORY(%)   (% of allocatable,
 *     or capacity with --show-capacity; a Node without metrics: <unknown>)
 *   top pod [NAME | -l label] [-n ns | -A] [--containers] [--sort-by=cpu|memory]
 *           [--field-selector ...] [--no-headers] [--sum]
 *     [NAMESPACE]  [POD]  NAME  CPU(cores)  MEMORY(bytes)
 *
 * CPU prints as milli-cores (rounded up, "12m"), memory as whole Mi.  The
 * server must list the group metrics.k8s.io with version v1beta1 in /apis,
 * else "error: Metrics API not available".  An empty pod list is explained
 * as kubectl does: "metrics not available yet" while matching pods are
 * younger than 2 minutes, "Metrics not available for pod ns/name, age: ..."
 * after that, or "No resources found in ns namespace." when no pod
 * matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "cubectl.h"
#include "ktime.h"
#include "obj.h"
#include "quantity.h"

#define METRICS_GV "/apis/metrics.k8s.io/v1beta1"
#define CREATION_DELAY_S 120 /* kubectl's metricsCreationDelay */

static struct {
	const char *selector, *field_selector, *sort_by;
	bool no_headers, containers, all_ns, sum, show_capacity, protobuf;
} T;

/* The flags both subcommands have (with the same text). */
#define FLAG_SELECTOR                                                                              \
	{                                                                                          \
		"selector", 'l', CCTL_STRING, &T.selector,                                         \
			"Selector (label query) to filter on, supports '=', '==', and '!='.(e.g. " \
			"-l "                                                                      \
			"key1=value1,key2=value2). Matching objects must satisfy all of the "      \
			"specified label "                                                         \
			"constraints."                                                             \
	}
#define FLAG_PROTOBUF                                                           \
	{                                                                       \
		"use-protocol-buffers", 0, CCTL_BOOL, &T.protobuf,              \
			"Enables using protocol-buffers to access Metrics API." \
	}

static const cctl_flag node_flags[] = {
	{"no-headers", 0, CCTL_BOOL, &T.no_headers, "If present, print output without headers"},
	FLAG_SELECTOR,
	{"show-capacity", 0, CCTL_BOOL, &T.show_capacity,
	 "Print node resources based on Capacity instead of Allocatable(default) of the nodes."},
	{"sort-by", 0, CCTL_STRING, &T.sort_by,
	 "If non-empty, sort nodes list using specified field. The field can be either 'cpu' or "
	 "'memory'."},
	FLAG_PROTOBUF,
	{0},
};

static const cctl_flag pod_flags[] = {
	{"all-namespaces", 'A', CCTL_BOOL, &T.all_ns,
	 "If present, list the requested object(s) across all namespaces. Namespace in current "
	 "context is ignored even if specified with --namespace."},
	{"containers", 0, CCTL_BOOL, &T.containers,
	 "If present, print usage of containers within a pod."},
	{"field-selector", 0, CCTL_STRING, &T.field_selector,
	 "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. "
	 "--field-selector key1=value1,key2=value2). The server only supports a limited number "
	 "of field queries per type."},
	{"no-headers", 0, CCTL_BOOL, &T.no_headers, "If present, print output without headers."},
	FLAG_SELECTOR,
	{"sort-by", 0, CCTL_STRING, &T.sort_by,
	 "If non-empty, sort pods list using specified field. The field can be either 'cpu' or "
	 "'memory'."},
	{"sum", 0, CCTL_BOOL, &T.sum, "Print the sum of the resource usage"},
	FLAG_PROTOBUF,
	{0},
};

/* ---- figures ---- */

typedef struct usage {
	int64_t cpu_milli; /* MilliValue of usage.cpu */
	int64_t mem;	   /* Value of usage.memory */
	cube_quantity cpu_q, mem_q;
} usage;

static usage usage_of(const cJSON *u)
{
	usage r = {0};
	if (cube_quantity_parse_json(cJSON_GetObjectItemCaseSensitive(u, "cpu"), &r.cpu_q, NULL) <
	    0)
		r.cpu_q = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI);
	if (cube_quantity_parse_json(cJSON_GetObjectItemCaseSensitive(u, "memory"), &r.mem_q,
				     NULL) < 0)
		r.mem_q = cube_quantity_from_value(0, CUBE_QTY_BINARY_SI);
	r.cpu_milli = cube_quantity_milli(&r.cpu_q);
	r.mem = cube_quantity_value(&r.mem_q);
	return r;
}

/* A pod's usage: the sum of its containers' (kubectl's getPodMetrics). */
static usage pod_usage(const cJSON *pm)
{
	usage t = {.cpu_q = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI),
		   .mem_q = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI)};
	const cJSON *c;
	cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive(pm, "containers")) {
		usage u = usage_of(cJSON_GetObjectItemCaseSensitive(c, "usage"));
		cube_quantity_add(&t.cpu_q, &u.cpu_q);
		cube_quantity_add(&t.mem_q, &u.mem_q);
	}
	t.cpu_milli = cube_quantity_milli(&t.cpu_q);
	t.mem = cube_quantity_value(&t.mem_q);
	return t;
}

/* "12m\t34Mi\t" and, with available figures, "5%\t" after each. */
static void add_usage(cctl_tabw *tw, const usage *u, const cJSON *available)
{
	const cJSON *ac = cJSON_GetObjectItemCaseSensitive(available, "cpu");
	const cJSON *am = cJSON_GetObjectItemCaseSensitive(available, "memory");
	cctl_tabw_add(tw, "%lldm\t", (long long)u->cpu_milli);
	if (ac) {
		cube_quantity q;
		long long pct = 0;
		if (cube_quantity_parse_json(ac, &q, NULL) == 0 && cube_quantity_milli(&q))
			pct = (long long)((double)u->cpu_milli / (double)cube_quantity_milli(&q) *
					  100);
		cctl_tabw_add(tw, "%lld%%\t", pct);
	}
	cctl_tabw_add(tw, "%lldMi\t", (long long)(u->mem / (1024 * 1024)));
	if (am) {
		cube_quantity q;
		long long pct = 0;
		if (cube_quantity_parse_json(am, &q, NULL) == 0 && cube_quantity_milli(&q))
			pct = (long long)((double)cube_quantity_milli(&u->mem_q) /
					  (double)cube_quantity_milli(&q) * 100);
		cctl_tabw_add(tw, "%lld%%\t", pct);
	}
}

/* ---- sorting (kubectl's metrics sorters; ties keep the server's order) ---- */

typedef struct row {
	const cJSON *obj;
	usage u;
} row;

static const char *sort_by;
static bool sort_ns;

static int cmp_rows(const void *a, const void *b)
{
	const row *x = a, *y = b;
	if (sort_by && !strcmp(sort_by, "cpu") && x->u.cpu_milli != y->u.cpu_milli)
		return x->u.cpu_milli > y->u.cpu_milli ? -1 : 1;
	if (sort_by && !strcmp(sort_by, "memory") && x->u.mem != y->u.mem)
		return x->u.mem > y->u.mem ? -1 : 1;
	if (sort_by && sort_by[0])
		return 0;
	if (sort_ns) {
		int c = strcmp(cube_obj_namespace(x->obj) ? cube_obj_namespace(x->obj) : "",
			       cube_obj_namespace(y->obj) ? cube_obj_namespace(y->obj) : "");
		if (c)
			return c;
	}
	const char *nx = cube_obj_name(x->obj) ? cube_obj_name(x->obj)
					       : cube_json_str(x->obj, "name"),
		   *ny = cube_obj_name(y->obj) ? cube_obj_name(y->obj)
					       : cube_json_str(y->obj, "name");
	return strcmp(nx ? nx : "", ny ? ny : "");
}

/* A stable sort (insertion: lists are short). */
static void sort_rows(row *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp_rows(&v[j - 1], &v[j]) > 0; j--) {
			row t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* The rows of a list of metrics objects, sorted by --sort-by (by_ns:
 * namespace first); a pod's usage is its containers' sum.  *n gets the
 * count; NULL when out of memory. */
static row *sorted_rows(const cJSON *items, bool pods, bool by_ns, size_t *n)
{
	*n = 0;
	row *rows = calloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(*rows));
	const cJSON *m;
	cJSON_ArrayForEach (m, items) {
		if (!rows)
			break;
		rows[*n].obj = m;
		rows[*n].u = pods ? pod_usage(m)
				  : usage_of(cJSON_GetObjectItemCaseSensitive(m, "usage"));
		(*n)++;
	}
	sort_by = T.sort_by;
	sort_ns = by_ns;
	if (rows)
		sort_rows(rows, *n);
	return rows;
}

/* ---- the metrics API ---- */

/* Is metrics.k8s.io/v1beta1 in the server's discovery? */
static bool metrics_api_available(cctl *c)
{
	const cJSON *doc;
	cJSON_ArrayForEach (doc, c->disc_docs) {
		const cJSON *g;
		cJSON_ArrayForEach (g, cJSON_GetObjectItemCaseSensitive(doc, "items")) {
			const char *name = cube_json_str(g, "metadata.name");
			if (!name || strcmp(name, "metrics.k8s.io"))
				continue;
			const cJSON *v;
			cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(g, "versions")) {
				const char *ver = cube_json_str(v, "version");
				if (ver && !strcmp(ver, "v1beta1"))
					return true;
			}
		}
	}
	return false;
}

/* GETs <base>/<name>, or the list <base> with -l and --field-selector:
 * a list (one object is wrapped in one); NULL after printing the error. */
static cJSON *get_items(cctl *c, const char *base, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s%s", base, name ? "/" : "", name ? name : "");
	if (!name) {
		cctl_query(path, sizeof(path), "labelSelector", T.selector);
		cctl_query(path, sizeof(path), "fieldSelector", T.field_selector);
	}
	cJSON *ans = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!ans || !name)
		return ans;
	cJSON *items = cJSON_CreateArray();
	cJSON_AddItemToArray(items, ans);
	cJSON *list = cJSON_CreateObject();
	cJSON_AddItemToObject(list, "items", items);
	return list;
}

/* ---- top node ---- */

static int top_node(cctl *c, const char *name)
{
	cube_autojson cJSON *metrics = get_items(c, METRICS_GV "/nodes", name);
	if (!metrics)
		return 1;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(metrics, "items");
	size_t n = (size_t)cJSON_GetArraySize(items);
	if (!n)
		return cctl_fail("metrics not available yet");
	/* the Nodes, for allocatable (or capacity) */
	cube_autojson cJSON *nodes = get_items(c, "/api/v1/nodes", name);
	if (!nodes)
		return 1;
	const char *field = T.show_capacity ? "status.capacity" : "status.allocatable";
	size_t k;
	row *rows = sorted_rows(items, false, false, &k);
	if (!rows)
		return cctl_fail("out of memory");
	cctl_tabw tw = {0};
	if (!T.no_headers)
		cctl_tabw_add(&tw, "NAME\tCPU(cores)\tCPU(%%)\tMEMORY(bytes)\tMEMORY(%%)\t\n");
	const cJSON *nitems = cJSON_GetObjectItemCaseSensitive(nodes, "items");
	size_t nn = (size_t)cJSON_GetArraySize(nitems);
	bool *printed = calloc(nn ? nn : 1, sizeof(*printed));
	for (size_t i = 0; i < k; i++) {
		const char *mname = cube_obj_name(rows[i].obj);
		const cJSON *avail = NULL, *node;
		size_t j = 0;
		cJSON_ArrayForEach (node, nitems) {
			const char *nname = cube_obj_name(node);
			if (nname && mname && !strcmp(nname, mname) && printed && !printed[j]) {
				avail = cube_json_path(node, field);
				printed[j] = true;
				break;
			}
			j++;
		}
		cctl_tabw_add(&tw, "%s\t", mname ? mname : "");
		add_usage(&tw, &rows[i].u, avail);
		cctl_tabw_add(&tw, "\n");
	}
	/* Nodes without metrics */
	size_t j = 0;
	const cJSON *node;
	cJSON_ArrayForEach (node, nitems) {
		if (printed && !printed[j])
			cctl_tabw_add(&tw, "%s\t<unknown>\t<unknown>\t<unknown>\t<unknown>\t\n",
				      cube_obj_name(node) ? cube_obj_name(node) : "");
		j++;
	}
	cctl_tabw_flush(&tw, stdout);
	cctl_tabw_free(&tw);
	free(printed);
	free(rows);
	return 0;
}

/* ---- top pod ---- */

/* Go's time.Duration String of seconds (kubectl's age in messages). */
static void go_duration(double s, char *buf, size_t size)
{
	long long whole = (long long)s;
	double frac = s - (double)whole;
	char sec[24];
	snprintf(sec, sizeof(sec), "%.9f", (double)(whole % 60) + frac);
	char *dot = strchr(sec, '.');
	if (dot) {
		char *e = sec + strlen(sec) - 1;
		while (e > dot && *e == '0')
			*e-- = '\0';
		if (e == dot)
			*e = '\0';
	}
	if (whole >= 3600)
		snprintf(buf, size, "%lldh%lldm%ss", whole / 3600, whole % 3600 / 60, sec);
	else if (whole >= 60)
		snprintf(buf, size, "%lldm%ss", whole / 60, sec);
	else
		snprintf(buf, size, "%ss", sec);
}

/* kubectl's checkPodAge: an error (printed, 1) for a pod older than the
 * metrics creation delay, else 0. */
static int check_pod_age(const cJSON *pod)
{
	double created;
	if (!cube_time_parse(cube_json_str(pod, "metadata.creationTimestamp"), &created))
		return 0;
	double age = cube_time_wall() - created;
	if (age <= CREATION_DELAY_S)
		return 0;
	char d[96];
	go_duration(age, d, sizeof(d));
	return cctl_fail("Metrics not available for pod %s/%s, age: %s", cube_obj_namespace(pod),
			 cube_obj_name(pod), d);
}

/* kubectl's verifyEmptyMetrics, then its "No resources found" message. */
static int explain_empty(cctl *c, const char *name)
{
	char base[600];
	snprintf(base, sizeof(base), "/api/v1/namespaces/%s/pods", cctl_ns(c));
	cube_autojson cJSON *pods = get_items(c, base, name);
	if (!pods)
		return 1;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(pods, "items");
	if (!name && !cJSON_GetArraySize(items)) {
		if (T.all_ns)
			fprintf(stderr, "No resources found\n");
		else
			fprintf(stderr, "No resources found in %s namespace.\n", cctl_ns(c));
		return 0;
	}
	const cJSON *p;
	cJSON_ArrayForEach (p, items) {
		if (check_pod_age(p))
			return 1;
	}
	return cctl_fail("metrics not available yet");
}

static void add_pod_line(cctl_tabw *tw, const char *ns, const char *pod, const char *name,
			 const usage *u)
{
	if (ns)
		cctl_tabw_add(tw, "%s\t", ns);
	if (pod)
		cctl_tabw_add(tw, "%s\t", pod);
	cctl_tabw_add(tw, "%s\t", name);
	add_usage(tw, u, NULL);
	cctl_tabw_add(tw, "\n");
}

static int top_pod(cctl *c, const char *name)
{
	char base[600];
	if (T.all_ns)
		snprintf(base, sizeof(base), METRICS_GV "/pods");
	else
		snprintf(base, sizeof(base), METRICS_GV "/namespaces/%s/pods", cctl_ns(c));
	cube_autojson cJSON *metrics = get_items(c, base, name);
	if (!metrics)
		return 1;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(metrics, "items");
	size_t n = (size_t)cJSON_GetArraySize(items);
	if (!n)
		return explain_empty(c, name);
	size_t k;
	row *rows = sorted_rows(items, true, T.all_ns, &k);
	if (!rows)
		return cctl_fail("out of memory");
	cctl_tabw tw = {0};
	int width = 3;
	if (!T.no_headers) {
		if (T.all_ns) {
			cctl_tabw_add(&tw, "NAMESPACE\t");
			width++;
		}
		if (T.containers) {
			cctl_tabw_add(&tw, "POD\t");
			width++;
		}
		cctl_tabw_add(&tw, "NAME\tCPU(cores)\tMEMORY(bytes)\t\n");
	}
	usage total = {.cpu_q = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI),
		       .mem_q = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI)};
	for (size_t i = 0; i < k; i++) {
		const char *ns = T.all_ns ? cube_obj_namespace(rows[i].obj) : NULL;
		const char *pname = cube_obj_name(rows[i].obj);
		cube_quantity_add(&total.cpu_q, &rows[i].u.cpu_q);
		cube_quantity_add(&total.mem_q, &rows[i].u.mem_q);
		if (!T.containers) {
			add_pod_line(&tw, ns, NULL, pname ? pname : "", &rows[i].u);
			continue;
		}
		size_t j;
		row *cr = sorted_rows(cJSON_GetObjectItemCaseSensitive(rows[i].obj, "containers"),
				      false, false, &j);
		for (size_t x = 0; cr && x < j; x++) {
			const char *cn = cube_json_str(cr[x].obj, "name");
			add_pod_line(&tw, ns, pname ? pname : "", cn ? cn : "", &cr[x].u);
		}
		free(cr);
	}
	if (T.sum) {
		total.cpu_milli = cube_quantity_milli(&total.cpu_q);
		total.mem = cube_quantity_value(&total.mem_q);
		for (int i = 0; i < width - 2; i++)
			cctl_tabw_add(&tw, "\t");
		cctl_tabw_add(&tw, "________\t________\t\n");
		for (int i = 0; i < width - 3; i++)
			cctl_tabw_add(&tw, "\t");
		add_pod_line(&tw, NULL, NULL, "", &total);
	}
	cctl_tabw_flush(&tw, stdout);
	cctl_tabw_free(&tw);
	free(rows);
	return 0;
}

/* ---- the command ---- */

int cctl_cmd_top(cctl *c, int argc, char **argv)
{
	char *pos[8];
	/* the subcommand first (with every flag of both), then the arguments
	 * against its own flags */
	cctl_flag any[32] = {{0}};
	size_t na = 0;
	const cctl_flag *const tables[] = {node_flags, pod_flags};
	for (size_t t = 0; t < 2; t++)
		for (const cctl_flag *f = tables[t]; f->name; f++) {
			bool dup = false;
			for (size_t i = 0; i < na; i++)
				dup = dup || !strcmp(any[i].name, f->name);
			if (!dup && na + 1 < sizeof(any) / sizeof(any[0]))
				any[na++] = *f;
		}
	/* --help waits for the subcommand's own flags */
	char **first = calloc((size_t)argc + 1, sizeof(*first));
	if (!first)
		return cctl_fail("out of memory");
	int nf = 0;
	bool help = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") && strcmp(argv[i], "--help"))
			first[nf++] = argv[i];
		else
			help = true;
	}
	int n = cctl_parse(c, any, nf, first, pos, 8, NULL);
	free(first);
	if (n < 0)
		return 1;
	const char *sub = n > 0 ? pos[0] : NULL;
	bool node = sub && (!strcmp(sub, "node") || !strcmp(sub, "nodes") || !strcmp(sub, "no"));
	bool pod = sub && (!strcmp(sub, "pod") || !strcmp(sub, "pods") || !strcmp(sub, "po"));
	if (!node && !pod) {
		if (sub)
			return cctl_fail("unknown command \"%s\" for \"cubectl top\"", sub);
		printf("Display resource (CPU/memory) usage.\n\n"
		       " The top command allows you to see the resource consumption for nodes or "
		       "pods.\n\n"
		       " This command requires the metrics API (metrics.k8s.io) to be served: "
		       "cube's "
		       "API server serves it from the cubelets.\n\n"
		       "Available Commands:\n"
		       "  node          Display resource (CPU/memory) usage of nodes\n"
		       "  pod           Display resource (CPU/memory) usage of pods\n\n"
		       "Usage:\n  cubectl top [flags] [options]\n\n"
		       "Use \"cubectl top <command> --help\" for more information about a given "
		       "command.\n");
		return help ? 0 : 1; /* as kubectl: a command without its subcommand fails */
	}
	memset(&T, 0, sizeof(T));
	T.protobuf = true;
	c->cmd_name = node ? "top node" : "top pod";
	n = cctl_parse(c, node ? node_flags : pod_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n > 2) {
		/* kubectl's UsageErrorf with the command's Use */
		fprintf(stderr,
			"error: %s [NAME | -l label]\nSee 'cubectl top %s -h' for help and "
			"examples\n",
			node ? "node" : "pod", node ? "node" : "pod");
		return 1;
	}
	const char *name = n == 2 ? pos[1] : NULL;
	if (T.sort_by && T.sort_by[0] && strcmp(T.sort_by, "cpu") && strcmp(T.sort_by, "memory"))
		return cctl_fail("--sort-by accepts only cpu or memory");
	if (name && T.selector && T.selector[0])
		return cctl_fail(node ? "only one of NAME or --selector can be provided"
				      : "only one of NAME or selector can be provided");
	if (name && !node && T.field_selector && T.field_selector[0])
		return cctl_fail("only one of NAME or selector can be provided");
	if (cctl_connect(c) < 0 || cctl_discover(c) < 0)
		return 1;
	if (!metrics_api_available(c))
		return cctl_fail("Metrics API not available");
	return node ? top_node(c, name) : top_pod(c, name);
}
