/* tables.c - server-side printing (see tables.h).
 *
 * Each printer below is a transcription of its Kubernetes v1.32 counterpart
 * in pkg/printers/internalversion/printers.go (printPod, printNode, ...),
 * reading the v1 JSON of the stored object instead of the internal Go types,
 * and run with GenerateOptions{Wide: true} as the API server's
 * TableConvertor does.  Column names, types, formats and priorities are those
 * of AddHandlers; descriptions are the SwaggerDoc texts, some shortened. */
#include "tables.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"
#include "selector.h"

/* ---- column definitions ------------------------------------------------------ */

typedef struct {
	const char *name;
	const char *type;
	const char *format;
	const char *desc;
	int priority;
} col_def;

#define D_NAME                                                                                   \
	"Name must be unique within a namespace. Is required when creating resources, although " \
	"some resources may allow a client to request the generation of a name automatically. "  \
	"Name is primarily intended for creation idempotence and configuration definition. "     \
	"Cannot be updated. More info: "                                                         \
	"https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define D_AGE                                                                                   \
	"CreationTimestamp is a timestamp representing the server time when this object was "   \
	"created. It is not guaranteed to be set in happens-before order across separate "      \
	"operations. Clients may not set this value. It is represented in RFC3339 form and is " \
	"in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "            \
	"https://git.k8s.io/community/contributors/devel/sig-architecture/"                     \
	"api-conventions.md#metadata"
#define D_CONTAINERS "Names of each container in the template."
#define D_IMAGES "Images referenced by each container in the template."
#define D_SELECTOR                                                                               \
	"Label selector for pods. Existing ReplicaSets whose pods are selected by this will be " \
	"the ones affected by this deployment."

#define NAME_COL                                    \
	{                                           \
		"Name", "string", "name", D_NAME, 0 \
	}
#define AGE_COL                               \
	{                                     \
		"Age", "string", "", D_AGE, 0 \
	}
#define COL(n, t, d)           \
	{                      \
		n, t, "", d, 0 \
	}
#define WIDE(n, t, d)          \
	{                      \
		n, t, "", d, 1 \
	}

static const col_def pod_cols[] = {
	NAME_COL,
	COL("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
	COL("Status", "string", "The aggregate status of the containers in this pod."),
	COL("Restarts", "string",
	    "The number of times the containers in this pod have been restarted and when the "
	    "last container in this pod has restarted."),
	AGE_COL,
	WIDE("IP", "string",
	     "podIP address allocated to the pod. Routable at least within the cluster. Empty if "
	     "not yet allocated."),
	WIDE("Node", "string",
	     "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
	     "candidate for scheduling by the scheduler defined in schedulerName."),
	WIDE("Nominated Node", "string",
	     "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
	     "cannot be scheduled right away as preemption victims receive their graceful "
	     "termination periods."),
	WIDE("Readiness Gates", "string",
	     "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
	     "ready "
	     "when all its containers are ready AND all conditions specified in the readiness "
	     "gates "
	     "have status equal to \"True\""),
};

static const col_def node_cols[] = {
	NAME_COL,
	COL("Status", "string", "The status of the node"),
	COL("Roles", "string", "The roles of the node"),
	AGE_COL,
	COL("Version", "string", "Kubelet Version reported by the node."),
	WIDE("Internal-IP", "string", "List of addresses reachable to the node."),
	WIDE("External-IP", "string", "List of addresses reachable to the node."),
	WIDE("OS-Image", "string",
	     "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
	     "(wheezy))."),
	WIDE("Kernel-Version", "string",
	     "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
	WIDE("Container-Runtime", "string",
	     "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
	     "containerd://1.4.2)."),
};

static const col_def service_cols[] = {
	NAME_COL,
	COL("Type", "string",
	    "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
	    "ExternalName, ClusterIP, NodePort, and LoadBalancer."),
	COL("Cluster-IP", "string",
	    "clusterIP is the IP address of the service and is usually assigned randomly."),
	COL("External-IP", "string",
	    "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
	    "traffic for this service."),
	COL("Port(s)", "string", "The list of ports that are exposed by this service."),
	AGE_COL,
	WIDE("Selector", "string",
	     "Route service traffic to pods with label keys and values matching this selector."),
};

static const col_def endpoints_cols[] = {
	NAME_COL,
	COL("Endpoints", "string",
	    "The set of all endpoints is the union of all subsets. Addresses are placed into "
	    "subsets according to the IPs they share."),
	AGE_COL,
};

static const col_def namespace_cols[] = {
	NAME_COL,
	COL("Status", "string", "The status of the namespace"),
	AGE_COL,
};

static const col_def configmap_cols[] = {
	NAME_COL,
	COL("Data", "string",
	    "Data contains the configuration data. Each key must consist of alphanumeric "
	    "characters, '-', '_' or '.'."),
	AGE_COL,
};

static const col_def secret_cols[] = {
	NAME_COL,
	COL("Type", "string",
	    "Used to facilitate programmatic handling of secret data. More info: "
	    "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
	COL("Data", "string",
	    "Data contains the secret data. Each key must consist of alphanumeric characters, "
	    "'-', '_' or '.'."),
	AGE_COL,
};

static const col_def serviceaccount_cols[] = {
	NAME_COL,
	COL("Secrets", "string",
	    "Secrets is a list of the secrets in the same namespace that pods running using this "
	    "ServiceAccount are allowed to use."),
	AGE_COL,
};

static const col_def event_cols[] = {
	COL("Last Seen", "string",
	    "The time at which the most recent occurrence of this event was recorded."),
	COL("Type", "string",
	    "Type of this event (Normal, Warning), new types could be added in the future"),
	COL("Reason", "string",
	    "This should be a short, machine understandable string that gives the reason for the "
	    "transition into the object's current status."),
	COL("Object", "string", "The object that this event is about."),
	WIDE("Subobject", "string",
	     "If referring to a piece of an object instead of an entire object, this string should "
	     "contain a valid JSON/Go field access statement, such as "
	     "desiredState.manifest.containers[2]."),
	WIDE("Source", "string",
	     "The component reporting this event. Should be a short machine understandable "
	     "string."),
	COL("Message", "string", "A human-readable description of the status of this operation."),
	WIDE("First Seen", "string",
	     "The time at which the event was first recorded. (Time of server receipt is in "
	     "TypeMeta.)"),
	WIDE("Count", "string", "The number of times this event has occurred."),
	{"Name", "string", "name", D_NAME, 1},
};

static const col_def deployment_cols[] = {
	NAME_COL,
	COL("Ready", "string", "Number of the pod with ready state"),
	COL("Up-to-date", "string",
	    "Total number of non-terminated pods targeted by this deployment that have the desired "
	    "template spec."),
	COL("Available", "string",
	    "Total number of available pods (ready for at least minReadySeconds) targeted by this "
	    "deployment."),
	AGE_COL,
	WIDE("Containers", "string", D_CONTAINERS),
	WIDE("Images", "string", D_IMAGES),
	WIDE("Selector", "string", D_SELECTOR),
};

static const col_def replicaset_cols[] = {
	NAME_COL,
	COL("Desired", "integer",
	    "Replicas is the number of desired replicas. This is a pointer to distinguish between "
	    "explicit zero and unspecified. Defaults to 1."),
	COL("Current", "integer", "Replicas is the most recently observed number of replicas."),
	COL("Ready", "integer", "The number of ready replicas for this replica set."),
	AGE_COL,
	WIDE("Containers", "string", D_CONTAINERS),
	WIDE("Images", "string", D_IMAGES),
	WIDE("Selector", "string",
	     "Selector is a label query over pods that should match the replica count."),
};

static const col_def daemonset_cols[] = {
	NAME_COL,
	COL("Desired", "integer",
	    "The total number of nodes that should be running the daemon pod (including nodes "
	    "correctly running the daemon pod)."),
	COL("Current", "integer",
	    "The number of nodes that are running at least 1 daemon pod and are supposed to run "
	    "the daemon pod."),
	COL("Ready", "integer",
	    "The number of nodes that should be running the daemon pod and have one or more of "
	    "the daemon pod running and ready."),
	COL("Up-to-date", "integer",
	    "The total number of nodes that are running updated daemon pod"),
	COL("Available", "integer",
	    "The number of nodes that should be running the daemon pod and have one or more of "
	    "the daemon pod running and available (ready for at least "
	    "spec.minReadySeconds)"),
	COL("Node Selector", "string",
	    "NodeSelector is a selector which must be true for the pod to fit on a node."),
	AGE_COL,
	WIDE("Containers", "string", D_CONTAINERS),
	WIDE("Images", "string", D_IMAGES),
	WIDE("Selector", "string",
	     "A label query over pods that are managed by the daemon set. Must match in order to "
	     "be controlled."),
};

static const col_def statefulset_cols[] = {
	NAME_COL,
	COL("Ready", "string", "Number of the pod with ready state"),
	AGE_COL,
	WIDE("Containers", "string", D_CONTAINERS),
	WIDE("Images", "string", D_IMAGES),
};

#define D_JOB_SELECTOR                                                                             \
	"A label query over pods that should match the pod count. Normally, the system sets this " \
	"field for you."

static const col_def job_cols[] = {
	NAME_COL,
	COL("Status", "string", "Status of the job."),
	COL("Completions", "string",
	    "The number of pods which reached phase Succeeded. The value increases monotonically "
	    "for a given spec."),
	COL("Duration", "string", "Time required to complete the job."),
	AGE_COL,
	WIDE("Containers", "string", D_CONTAINERS),
	WIDE("Images", "string", D_IMAGES),
	WIDE("Selector", "string", D_JOB_SELECTOR),
};

static const col_def cronjob_cols[] = {
	NAME_COL,
	COL("Schedule", "string",
	    "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
	COL("Timezone", "string",
	    "The time zone name for the given schedule, see "
	    "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
	COL("Suspend", "boolean",
	    "This flag tells the controller to suspend subsequent executions, it does not apply to "
	    "already started executions.  Defaults to false."),
	COL("Active", "integer", "A list of pointers to currently running jobs."),
	COL("Last Schedule", "string",
	    "Information when was the last time the job was successfully scheduled."),
	AGE_COL,
	WIDE("Containers", "string", D_CONTAINERS),
	WIDE("Images", "string", D_IMAGES),
	WIDE("Selector", "string", D_JOB_SELECTOR),
};

static const col_def lease_cols[] = {
	NAME_COL,
	COL("Holder", "string",
	    "holderIdentity contains the identity of the holder of a current lease."),
	AGE_COL,
};

static const col_def ingress_cols[] = {
	NAME_COL,
	COL("Class", "string",
	    "The name of the IngressClass resource that should be used for additional "
	    "configuration"),
	COL("Hosts", "string",
	    "Hosts that incoming requests are matched against before the ingress rule"),
	COL("Address", "string",
	    "Address is a list containing ingress points for the load-balancer"),
	COL("Ports", "string", "Ports of TLS configurations that open"),
	AGE_COL,
};

static const col_def default_cols[] = {
	NAME_COL,
	{"Created At", "date", "", D_AGE, 0},
};

/* ---- building a row ------------------------------------------------------------ */

typedef struct {
	cJSON *cells;
	time_t now;
	bool oom;
} row;

static void add_item(row *w, cJSON *item)
{
	if (!item || w->oom || !cJSON_AddItemToArray(w->cells, item)) {
		cJSON_Delete(item);
		w->oom = true;
	}
}

static void add_str(row *w, const char *s)
{
	if (!w->oom)
		add_item(w, cJSON_CreateString(s ? s : ""));
}

static void add_int(row *w, int64_t v)
{
	if (!w->oom)
		add_item(w, cJSON_CreateNumber((double)v));
}

static void add_fmt(row *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_fmt(row *w, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add_str(w, buf);
}

/* A growing string for cells of unbounded length (joined lists). */
typedef struct {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s ? s : "", s ? strlen(s) : 0);
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_putn(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Adds the buffer's text as a cell (or `empty` if nothing was written) and
 * frees the buffer. */
static void add_sb(row *w, sbuf *b, const char *empty)
{
	if (b->oom)
		w->oom = true;
	else
		add_str(w, b->len ? b->p : empty);
	free(b->p);
	*b = (sbuf){0};
}

/* ---- JSON access ------------------------------------------------------------------ */

static const cJSON *jget(const cJSON *o, const char *dotted)
{
	return cube_json_path(o, dotted);
}

static const char *jstr(const cJSON *o, const char *dotted)
{
	const char *s = cube_json_str(o, dotted);
	return s ? s : "";
}

static int64_t jint(const cJSON *o, const char *dotted, int64_t dflt)
{
	return cube_json_int(o, dotted, dflt);
}

static bool jtrue(const cJSON *o, const char *dotted)
{
	return cJSON_IsTrue(jget(o, dotted));
}

/* Number of members of an object or elements of an array at the path. */
static int64_t jlen(const cJSON *o, const char *dotted)
{
	const cJSON *v = jget(o, dotted);
	return cJSON_IsArray(v) || cJSON_IsObject(v) ? cJSON_GetArraySize(v) : 0;
}

static bool is(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* ---- time ---------------------------------------------------------------------------- */

/* A metav1.Time; set == false is Go's zero time. */
typedef struct {
	bool set;
	int64_t sec;
	int32_t nsec;
} kts;

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's
 * days_from_civil. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Parses RFC 3339 as Go's time.Parse(time.RFC3339, s) accepts it:
 * YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm). */
static kts ts_parse_str(const char *s)
{
	kts t = {0};
	int y, mo, d, h, mi, se;
	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return t;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
	    mi > 59 || se > 59)
		return t;
	const char *p = s + 19;
	int32_t nsec = 0;
	if (*p == '.' || *p == ',') {
		p++;
		int n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n < 9)
				nsec = nsec * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0)
			return t;
		for (int i = n; i < 9; i++)
			nsec *= 10;
	}
	int64_t off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return t;
		off = (int64_t)oh * 3600 + om * 60;
		if (*p == '-')
			off = -off;
		p += 6;
	} else {
		return t;
	}
	if (*p)
		return t;
	t.sec = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + se - off;
	t.nsec = nsec;
	/* Go's zero time, 0001-01-01T00:00:00Z, reads as unset (IsZero). */
	t.set = !(t.sec == days_from_civil(1, 1, 1) * 86400 && nsec == 0);
	return t;
}

static kts ts_get(const cJSON *o, const char *dotted)
{
	return ts_parse_str(cube_json_str(o, dotted));
}

static bool ts_before(kts a, kts b)
{
	if (!a.set)
		return b.set;
	if (!b.set)
		return false;
	return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec);
}

/* a - b in seconds, truncated toward zero as Go's int(d.Seconds()). */
static int64_t ts_diff(int64_t a_sec, int32_t a_nsec, int64_t b_sec, int32_t b_nsec)
{
	int64_t s = a_sec - b_sec;
	int32_t n = a_nsec - b_nsec;
	if (s > 0 && n < 0)
		s--;
	else if (s < 0 && n > 0)
		s++;
	return s;
}

/* translateTimestampSince: "<unknown>" for a zero time. */
static void add_since(row *w, kts t)
{
	char buf[32];
	if (!t.set) {
		add_str(w, "<unknown>");
		return;
	}
	api_human_duration(ts_diff((int64_t)w->now, 0, t.sec, t.nsec), buf, sizeof(buf));
	add_str(w, buf);
}

static void add_age(row *w, const cJSON *o)
{
	add_since(w, ts_get(o, "metadata.creationTimestamp"));
}

void api_human_duration(int64_t s, char *buf, size_t size)
{
	if (!size)
		return;
	if (s < -1) {
		snprintf(buf, size, "<invalid>");
		return;
	}
	if (s < 0) {
		snprintf(buf, size, "0s");
		return;
	}
	long long sec = s;
	if (sec < 60 * 2) {
		snprintf(buf, size, "%llds", sec);
		return;
	}
	long long minutes = sec / 60;
	if (minutes < 10) {
		if (sec % 60 == 0)
			snprintf(buf, size, "%lldm", minutes);
		else
			snprintf(buf, size, "%lldm%llds", minutes, sec % 60);
		return;
	}
	if (minutes < 60 * 3) {
		snprintf(buf, size, "%lldm", minutes);
		return;
	}
	long long hours = sec / 3600;
	if (hours < 8) {
		if (minutes % 60 == 0)
			snprintf(buf, size, "%lldh", hours);
		else
			snprintf(buf, size, "%lldh%lldm", hours, minutes % 60);
	} else if (hours < 48) {
		snprintf(buf, size, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24 == 0)
			snprintf(buf, size, "%lldd", hours / 24);
		else
			snprintf(buf, size, "%lldd%lldh", hours / 24, hours % 24);
	} else if (hours < 24 * 365 * 2) {
		snprintf(buf, size, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		long long dy = (hours / 24) % 365;
		if (dy == 0)
			snprintf(buf, size, "%lldy", hours / 24 / 365);
		else
			snprintf(buf, size, "%lldy%lldd", hours / 24 / 365, dy);
	} else {
		snprintf(buf, size, "%lldy", hours / 24 / 365);
	}
}

/* ---- shared formatting ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts and joins strings with sep, dropping duplicates if `unique` (a Go
 * sets.String's List()). */
static void sb_join_sorted(sbuf *b, const char **v, size_t n, const char *sep, bool unique)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_str);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (unique && i > 0 && !strcmp(v[i], v[i - 1]))
			continue;
		if (!first)
			sb_puts(b, sep);
		sb_puts(b, v[i]);
		first = false;
	}
}

/* labels.FormatLabels: "k=v" pairs sorted, joined by ',', "<none>" if empty. */
static void add_labels(row *w, const cJSON *map)
{
	sbuf b = {0};
	size_t n = cJSON_IsObject(map) ? (size_t)cJSON_GetArraySize(map) : 0;
	const char **v = n ? calloc(n, sizeof(*v)) : NULL;
	char **owned = n ? calloc(n, sizeof(*owned)) : NULL;
	size_t k = 0;
	if (n && (!v || !owned)) {
		w->oom = true;
		goto out;
	}
	const cJSON *e;
	cJSON_ArrayForEach (e, map) {
		if (!cJSON_IsString(e) || !e->string)
			continue;
		if (asprintf(&owned[k], "%s=%s", e->string, e->valuestring) < 0) {
			owned[k] = NULL;
			w->oom = true;
			goto out;
		}
		v[k] = owned[k];
		k++;
	}
	sb_join_sorted(&b, v, k, ",", false);
	add_sb(w, &b, "<none>");
out:
	for (size_t i = 0; owned && i < k; i++)
		free(owned[i]);
	free(owned);
	free(v);
	free(b.p);
}

/* A metav1.LabelSelector as labels.Selector.String(); `empty` stands for ""
 * and `invalid` for a selector that does not convert. */
static void add_selector(row *w, const cJSON *sel, const char *empty, const char *invalid)
{
	cube_err err = CUBE_ERR_INIT;
	if (cJSON_IsNull(sel))
		sel = NULL;
	cube_labelsel *s = cube_labelsel_from_json(sel, &err);
	if (!s) {
		if (err.code == CUBE_ENOMEM)
			w->oom = true;
		else
			add_str(w, invalid);
		return;
	}
	char *str = cube_labelsel_string(s);
	cube_labelsel_free(s);
	if (!str) {
		w->oom = true;
		return;
	}
	add_str(w, str[0] ? str : empty);
	free(str);
}

/* layoutContainerCells: the names and the images of containers, each joined
 * by ','. */
static void add_containers(row *w, const cJSON *containers)
{
	sbuf names = {0}, images = {0};
	const cJSON *c;
	bool first = true;
	if (cJSON_IsArray(containers)) {
		cJSON_ArrayForEach (c, containers) {
			if (!first) {
				sb_puts(&names, ",");
				sb_puts(&images, ",");
			}
			sb_puts(&names, jstr(c, "name"));
			sb_puts(&images, jstr(c, "image"));
			first = false;
		}
	}
	add_sb(w, &names, "");
	add_sb(w, &images, "");
}

/* Replicas with the v1 default of 1 for an absent spec.replicas. */
static int64_t spec_replicas(const cJSON *o)
{
	const cJSON *v = jget(o, "spec.replicas");
	return (v && !cJSON_IsNull(v)) ? jint(o, "spec.replicas", 1) : 1;
}

/* ---- pods ----------------------------------------------------------------------------- */

static bool is_restartable_init(const cJSON *pod, const char *name)
{
	/* The map in printPod keeps the last init container of a name. */
	const cJSON *found = NULL, *c;
	const cJSON *inits = jget(pod, "spec.initContainers");
	if (!cJSON_IsArray(inits))
		return false;
	cJSON_ArrayForEach (c, inits) {
		if (is(jstr(c, "name"), name))
			found = c;
	}
	return found && is(cube_json_str(found, "restartPolicy"), "Always");
}

static bool pod_condition_true(const cJSON *pod, const char *type, bool first_only)
{
	const cJSON *c;
	const cJSON *conds = jget(pod, "status.conditions");
	if (!cJSON_IsArray(conds))
		return false;
	cJSON_ArrayForEach (c, conds) {
		if (!is(jstr(c, "type"), type))
			continue;
		if (is(jstr(c, "status"), "True"))
			return true;
		if (first_only)
			return false;
	}
	return false;
}

static void update_last(kts *last, const cJSON *cs)
{
	if (!cJSON_IsObject(jget(cs, "lastState.terminated")))
		return;
	kts t = ts_get(cs, "lastState.terminated.finishedAt");
	if (ts_before(*last, t))
		*last = t;
}

/* The STATUS cell: a prefix ("Init:" or "") and a borrowed or formatted text. */
typedef struct {
	const char *prefix;
	const char *text;
	char num[64];
} pod_reason;

static void reason_set(pod_reason *r, const char *prefix, const char *text)
{
	r->prefix = prefix;
	r->text = text;
}

static void reason_num(pod_reason *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reason_num(pod_reason *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->num, sizeof(r->num), fmt, ap);
	va_end(ap);
	reason_set(r, "", r->num);
}

static void pod_cells(row *w, const cJSON *pod)
{
	pod_reason R = {0};
	int64_t restarts = 0, ri_restarts = 0, ready = 0;
	int64_t total = jlen(pod, "spec.containers");
	kts last = {0}, ri_last = {0};
	const char *phase = jstr(pod, "status.phase");
	const char *status_reason = jstr(pod, "status.reason");
	const cJSON *c;

	reason_set(&R, "", status_reason[0] ? status_reason : phase);

	const cJSON *conds = jget(pod, "status.conditions");
	if (cJSON_IsArray(conds)) {
		cJSON_ArrayForEach (c, conds) {
			if (is(jstr(c, "type"), "PodScheduled") &&
			    is(jstr(c, "reason"), "SchedulingGated"))
				reason_set(&R, "", "SchedulingGated");
		}
	}

	const cJSON *inits = jget(pod, "spec.initContainers");
	int64_t n_inits = jlen(pod, "spec.initContainers");
	if (cJSON_IsArray(inits)) {
		cJSON_ArrayForEach (c, inits) {
			if (is(cube_json_str(c, "restartPolicy"), "Always"))
				total++;
		}
	}

	bool initializing = false;
	const cJSON *ics = jget(pod, "status.initContainerStatuses");
	int64_t i = 0;
	if (cJSON_IsArray(ics)) {
		for (c = ics->child; c; c = c->next, i++) {
			restarts += jint(c, "restartCount", 0);
			update_last(&last, c);
			bool sidecar = is_restartable_init(pod, jstr(c, "name"));
			if (sidecar) {
				ri_restarts += jint(c, "restartCount", 0);
				update_last(&ri_last, c);
			}
			bool terminated = cJSON_IsObject(jget(c, "state.terminated"));
			const cJSON *waiting = jget(c, "state.waiting");
			if (terminated && jint(c, "state.terminated.exitCode", 0) == 0)
				continue;
			if (sidecar && jtrue(c, "started")) {
				if (jtrue(c, "ready"))
					ready++;
				continue;
			}
			if (terminated) {
				const char *r = jstr(c, "state.terminated.reason");
				int64_t sig = jint(c, "state.terminated.signal", 0);
				if (!r[0] && sig != 0)
					reason_num(&R, "Init:Signal:%lld", (long long)sig);
				else if (!r[0])
					reason_num(
						&R, "Init:ExitCode:%lld",
						(long long)jint(c, "state.terminated.exitCode", 0));
				else
					reason_set(&R, "Init:", r);
			} else if (cJSON_IsObject(waiting) && jstr(waiting, "reason")[0] &&
				   !is(jstr(waiting, "reason"), "PodInitializing")) {
				reason_set(&R, "Init:", jstr(waiting, "reason"));
			} else {
				reason_num(&R, "Init:%lld/%lld", (long long)i, (long long)n_inits);
			}
			initializing = true;
			break;
		}
	}

	if (!initializing || pod_condition_true(pod, "Initialized", true)) {
		restarts = ri_restarts;
		last = ri_last;
		bool has_running = false;
		const cJSON *css = jget(pod, "status.containerStatuses");
		int n = cJSON_IsArray(css) ? cJSON_GetArraySize(css) : 0;
		for (int k = n - 1; k >= 0; k--) {
			c = cJSON_GetArrayItem(css, k);
			restarts += jint(c, "restartCount", 0);
			update_last(&last, c);
			const cJSON *waiting = jget(c, "state.waiting");
			const cJSON *term = jget(c, "state.terminated");
			if (cJSON_IsObject(waiting) && jstr(waiting, "reason")[0]) {
				reason_set(&R, "", jstr(waiting, "reason"));
			} else if (cJSON_IsObject(term) && jstr(term, "reason")[0]) {
				reason_set(&R, "", jstr(term, "reason"));
			} else if (cJSON_IsObject(term)) {
				int64_t sig = jint(term, "signal", 0);
				if (sig != 0)
					reason_num(&R, "Signal:%lld", (long long)sig);
				else
					reason_num(&R, "ExitCode:%lld",
						   (long long)jint(term, "exitCode", 0));
			} else if (jtrue(c, "ready") && cJSON_IsObject(jget(c, "state.running"))) {
				has_running = true;
				ready++;
			}
		}
		if (!R.prefix[0] && !strcmp(R.text, "Completed") && has_running)
			reason_set(&R, "",
				   pod_condition_true(pod, "Ready", false) ? "Running"
									   : "NotReady");
	}

	const cJSON *deletion = jget(pod, "metadata.deletionTimestamp");
	bool deleting = deletion && !cJSON_IsNull(deletion);
	if (deleting && is(status_reason, "NodeLost"))
		reason_set(&R, "", "Unknown");
	else if (deleting && !is(phase, "Succeeded") && !is(phase, "Failed"))
		reason_set(&R, "", "Terminating");

	add_str(w, jstr(pod, "metadata.name"));
	add_fmt(w, "%lld/%lld", (long long)ready, (long long)total);
	sbuf rb = {0};
	sb_puts(&rb, R.prefix);
	sb_puts(&rb, R.text);
	add_sb(w, &rb, "");
	if (restarts != 0 && last.set) {
		char ago[32];
		api_human_duration(ts_diff((int64_t)w->now, 0, last.sec, last.nsec), ago,
				   sizeof(ago));
		add_fmt(w, "%lld (%s ago)", (long long)restarts, ago);
	} else {
		add_fmt(w, "%lld", (long long)restarts);
	}
	add_age(w, pod);

	/* Wide.  v1 podIP is authoritative over podIPs[0] (the v1 -> internal
	 * conversion). */
	const char *ip = jstr(pod, "status.podIP");
	if (!ip[0]) {
		const cJSON *ips = jget(pod, "status.podIPs");
		ip = cJSON_IsArray(ips) ? jstr(cJSON_GetArrayItem(ips, 0), "ip") : "";
	}
	const char *node = jstr(pod, "spec.nodeName");
	const char *nominated = jstr(pod, "status.nominatedNodeName");
	add_str(w, ip[0] ? ip : "<none>");
	add_str(w, node[0] ? node : "<none>");
	add_str(w, nominated[0] ? nominated : "<none>");

	const cJSON *gates = jget(pod, "spec.readinessGates");
	int n_gates = cJSON_IsArray(gates) ? cJSON_GetArraySize(gates) : 0;
	if (n_gates == 0) {
		add_str(w, "<none>");
		return;
	}
	int true_conds = 0;
	const cJSON *g;
	cJSON_ArrayForEach (g, gates) {
		const char *type = jstr(g, "conditionType");
		if (!cJSON_IsArray(conds))
			continue;
		cJSON_ArrayForEach (c, conds) {
			if (is(jstr(c, "type"), type)) {
				if (is(jstr(c, "status"), "True"))
					true_conds++;
				break;
			}
		}
	}
	add_fmt(w, "%d/%d", true_conds, n_gates);
}

/* ---- nodes ---------------------------------------------------------------------------- */

static const char *node_address(const cJSON *node, const char *type)
{
	const cJSON *a;
	const cJSON *addrs = jget(node, "status.addresses");
	if (cJSON_IsArray(addrs)) {
		cJSON_ArrayForEach (a, addrs) {
			if (is(jstr(a, "type"), type))
				return jstr(a, "address");
		}
	}
	return "<none>";
}

static void node_cells(row *w, const cJSON *node)
{
	/* Only the Ready condition; the last one of that type wins (a map). */
	const cJSON *ready = NULL, *c;
	const cJSON *conds = jget(node, "status.conditions");
	if (cJSON_IsArray(conds)) {
		cJSON_ArrayForEach (c, conds) {
			if (is(jstr(c, "type"), "Ready"))
				ready = c;
		}
	}
	sbuf st = {0};
	if (!ready)
		sb_puts(&st, "Unknown");
	else if (is(jstr(ready, "status"), "True"))
		sb_puts(&st, "Ready");
	else
		sb_puts(&st, "NotReady");
	if (jtrue(node, "spec.unschedulable"))
		sb_puts(&st, ",SchedulingDisabled");

	/* findNodeRoles: node-role.kubernetes.io/<role> keys, kubernetes.io/role
	 * values; a sorted set. */
	static const char prefix[] = "node-role.kubernetes.io/";
	const cJSON *labels = cube_obj_labels(node);
	size_t n = labels ? (size_t)cJSON_GetArraySize(labels) : 0;
	const char **roles = n ? calloc(n, sizeof(*roles)) : NULL;
	size_t k = 0;
	if (n && !roles) {
		w->oom = true;
		free(st.p);
		return;
	}
	const cJSON *l;
	if (labels) {
		cJSON_ArrayForEach (l, labels) {
			if (!l->string)
				continue;
			if (!strncmp(l->string, prefix, sizeof(prefix) - 1)) {
				if (l->string[sizeof(prefix) - 1])
					roles[k++] = l->string + sizeof(prefix) - 1;
			} else if (!strcmp(l->string, "kubernetes.io/role") && cJSON_IsString(l) &&
				   l->valuestring[0]) {
				roles[k++] = l->valuestring;
			}
		}
	}
	sbuf rb = {0};
	sb_join_sorted(&rb, roles, k, ",", true);
	free(roles);

	add_str(w, jstr(node, "metadata.name"));
	add_sb(w, &st, "");
	add_sb(w, &rb, "<none>");
	add_age(w, node);
	add_str(w, jstr(node, "status.nodeInfo.kubeletVersion"));

	const char *os = jstr(node, "status.nodeInfo.osImage");
	const char *kernel = jstr(node, "status.nodeInfo.kernelVersion");
	const char *cr = jstr(node, "status.nodeInfo.containerRuntimeVersion");
	add_str(w, node_address(node, "InternalIP"));
	add_str(w, node_address(node, "ExternalIP"));
	add_str(w, os[0] ? os : "<unknown>");
	add_str(w, kernel[0] ? kernel : "<unknown>");
	add_str(w, cr[0] ? cr : "<unknown>");
}

/* ---- services, endpoints, ingresses ------------------------------------------------ */

/* Adds the string values of an array to b, separated by ','. */
static void sb_join_array(sbuf *b, const cJSON *arr, bool *first)
{
	const cJSON *e;
	if (!cJSON_IsArray(arr))
		return;
	cJSON_ArrayForEach (e, arr) {
		if (!*first)
			sb_puts(b, ",");
		sb_puts(b, cJSON_IsString(e) ? e->valuestring : "");
		*first = false;
	}
}

/* The load balancer's IPs (or hostnames) as a sorted set joined by ','
 * (loadBalancerStatusStringer with wide set: never clipped). */
static void sb_lb_status(sbuf *b, const cJSON *ingress)
{
	size_t n = cJSON_IsArray(ingress) ? (size_t)cJSON_GetArraySize(ingress) : 0;
	if (!n)
		return;
	const char **v = calloc(n, sizeof(*v));
	if (!v) {
		b->oom = true;
		return;
	}
	size_t k = 0;
	const cJSON *e;
	cJSON_ArrayForEach (e, ingress) {
		const char *ip = jstr(e, "ip"), *host = jstr(e, "hostname");
		if (ip[0])
			v[k++] = ip;
		else if (host[0])
			v[k++] = host;
	}
	sb_join_sorted(b, v, k, ",", true);
	free(v);
}

static void service_cells(row *w, const cJSON *svc)
{
	const char *type = cube_json_str(svc, "spec.type");
	if (!type || !type[0])
		type = "ClusterIP";

	const char *cluster_ip = jstr(svc, "spec.clusterIP");
	const cJSON *ips = jget(svc, "spec.clusterIPs");
	if (cJSON_IsArray(ips) && cJSON_GetArraySize(ips) > 0)
		cluster_ip = cJSON_IsString(ips->child) ? ips->child->valuestring : "";
	if (!cluster_ip[0])
		cluster_ip = "<none>";

	/* getServiceExternalIP */
	sbuf ext = {0};
	const cJSON *external = jget(svc, "spec.externalIPs");
	bool has_external = cJSON_IsArray(external) && cJSON_GetArraySize(external) > 0;
	bool first = true;
	if (!strcmp(type, "ClusterIP") || !strcmp(type, "NodePort")) {
		if (has_external)
			sb_join_array(&ext, external, &first);
		else
			sb_puts(&ext, "<none>");
	} else if (!strcmp(type, "LoadBalancer")) {
		sbuf lb = {0};
		sb_lb_status(&lb, jget(svc, "status.loadBalancer.ingress"));
		if (lb.oom)
			ext.oom = true;
		if (has_external) {
			if (lb.len) {
				sb_puts(&ext, lb.p);
				first = false;
			}
			sb_join_array(&ext, external, &first);
		} else if (lb.len) {
			sb_puts(&ext, lb.p);
		} else {
			sb_puts(&ext, "<pending>");
		}
		free(lb.p);
	} else if (!strcmp(type, "ExternalName")) {
		sb_puts(&ext, jstr(svc, "spec.externalName"));
	} else {
		sb_puts(&ext, "<unknown>");
	}

	/* makePortString */
	sbuf ports = {0};
	const cJSON *p;
	const cJSON *plist = jget(svc, "spec.ports");
	first = true;
	if (cJSON_IsArray(plist)) {
		cJSON_ArrayForEach (p, plist) {
			const char *proto = cube_json_str(p, "protocol");
			if (!proto || !proto[0])
				proto = "TCP";
			int64_t node_port = jint(p, "nodePort", 0);
			if (!first)
				sb_puts(&ports, ",");
			if (node_port > 0)
				sb_printf(&ports, "%lld:%lld/", (long long)jint(p, "port", 0),
					  (long long)node_port);
			else
				sb_printf(&ports, "%lld/", (long long)jint(p, "port", 0));
			sb_puts(&ports, proto);
			first = false;
		}
	}

	add_str(w, jstr(svc, "metadata.name"));
	add_str(w, type);
	add_str(w, cluster_ip);
	add_sb(w, &ext, "");
	add_sb(w, &ports, "<none>");
	add_age(w, svc);
	add_labels(w, jget(svc, "spec.selector"));
}

/* net.JoinHostPort */
static void sb_hostport(sbuf *b, const char *ip, int64_t port)
{
	bool v6 = strchr(ip, ':') != NULL;
	sb_puts(b, v6 ? "[" : "");
	sb_puts(b, ip);
	sb_printf(b, "%s:%lld", v6 ? "]" : "", (long long)port);
}

static void endpoints_cells(row *w, const cJSON *ep)
{
	const cJSON *subsets = jget(ep, "subsets");
	sbuf b = {0};
	if (!cJSON_IsArray(subsets) || cJSON_GetArraySize(subsets) == 0) {
		sb_puts(&b, "<none>");
	} else {
		const int max = 3;
		int listed = 0, count = 0;
		bool more = false;
		const cJSON *ss, *a, *port;
		cJSON_ArrayForEach (ss, subsets) {
			const cJSON *addrs = jget(ss, "addresses");
			const cJSON *ports = jget(ss, "ports");
			int n_addrs = cJSON_IsArray(addrs) ? cJSON_GetArraySize(addrs) : 0;
			if (!cJSON_IsArray(ports) || cJSON_GetArraySize(ports) == 0) {
				count += n_addrs;
				for (a = n_addrs ? addrs->child : NULL; a; a = a->next) {
					if (listed == max) {
						more = true;
						break;
					}
					if (listed)
						sb_puts(&b, ",");
					sb_puts(&b, jstr(a, "ip"));
					listed++;
				}
				continue;
			}
			cJSON_ArrayForEach (port, ports) {
				count += n_addrs;
				for (a = n_addrs ? addrs->child : NULL; a; a = a->next) {
					if (listed == max) {
						more = true;
						break;
					}
					if (listed)
						sb_puts(&b, ",");
					sb_hostport(&b, jstr(a, "ip"), jint(port, "port", 0));
					listed++;
				}
			}
		}
		if (more)
			sb_printf(&b, " + %d more...", count - max);
	}
	add_str(w, jstr(ep, "metadata.name"));
	add_sb(w, &b, "");
	add_age(w, ep);
}

static void ingress_cells(row *w, const cJSON *ing)
{
	const char *cls = cube_json_str(ing, "spec.ingressClassName");

	/* formatHosts */
	sbuf hosts = {0};
	const cJSON *rules = jget(ing, "spec.rules"), *r;
	const int max = 3;
	int listed = 0, n_rules = 0;
	bool more = false;
	if (cJSON_IsArray(rules)) {
		cJSON_ArrayForEach (r, rules) {
			n_rules++;
			if (listed == max)
				more = true;
			const char *host = jstr(r, "host");
			if (!more && host[0]) {
				if (listed)
					sb_puts(&hosts, ",");
				sb_puts(&hosts, host);
				listed++;
			}
		}
	}
	if (listed == 0)
		sb_puts(&hosts, "*");
	else if (more)
		sb_printf(&hosts, " + %d more...", n_rules - max);

	sbuf addr = {0};
	sb_lb_status(&addr, jget(ing, "status.loadBalancer.ingress"));

	add_str(w, jstr(ing, "metadata.name"));
	add_str(w, cls ? cls : "<none>");
	add_sb(w, &hosts, "");
	add_sb(w, &addr, "");
	add_str(w, jlen(ing, "spec.tls") ? "80, 443" : "80");
	add_age(w, ing);
}

/* ---- small core resources ------------------------------------------------------------ */

static void namespace_cells(row *w, const cJSON *ns)
{
	const char *phase = cube_json_str(ns, "status.phase");
	add_str(w, jstr(ns, "metadata.name"));
	add_str(w, phase && phase[0] ? phase : "Active");
	add_age(w, ns);
}

static void configmap_cells(row *w, const cJSON *cm)
{
	add_str(w, jstr(cm, "metadata.name"));
	add_int(w, jlen(cm, "data") + jlen(cm, "binaryData"));
	add_age(w, cm);
}

static void secret_cells(row *w, const cJSON *s)
{
	const char *type = cube_json_str(s, "type");
	add_str(w, jstr(s, "metadata.name"));
	add_str(w, type && type[0] ? type : "Opaque");
	add_int(w, jlen(s, "data"));
	add_age(w, s);
}

static void serviceaccount_cells(row *w, const cJSON *sa)
{
	add_str(w, jstr(sa, "metadata.name"));
	add_int(w, jlen(sa, "secrets"));
	add_age(w, sa);
}

static void lease_cells(row *w, const cJSON *l)
{
	add_str(w, jstr(l, "metadata.name"));
	add_str(w, jstr(l, "spec.holderIdentity"));
	add_age(w, l);
}

/* strings.TrimSpace for ASCII white space. */
static void add_trimmed(row *w, const char *s)
{
	sbuf b = {0};
	const char *end = s + strlen(s);
	while (*s && strchr(" \t\n\v\f\r", *s))
		s++;
	while (end > s && strchr(" \t\n\v\f\r", end[-1]))
		end--;
	sb_putn(&b, s, (size_t)(end - s));
	add_sb(w, &b, "");
}

static void event_cells(row *w, const cJSON *ev)
{
	char first[32], last[32];
	kts t = ts_get(ev, "firstTimestamp");
	if (!t.set)
		t = ts_get(ev, "eventTime");
	if (t.set)
		api_human_duration(ts_diff((int64_t)w->now, 0, t.sec, t.nsec), first,
				   sizeof(first));
	else
		snprintf(first, sizeof(first), "<unknown>");

	kts lt = ts_get(ev, "lastTimestamp");
	if (lt.set)
		api_human_duration(ts_diff((int64_t)w->now, 0, lt.sec, lt.nsec), last,
				   sizeof(last));
	else
		snprintf(last, sizeof(last), "%s", first);

	int64_t count = jint(ev, "count", 0);
	const cJSON *series = jget(ev, "series");
	if (cJSON_IsObject(series)) {
		kts st = ts_get(series, "lastObservedTime");
		if (st.set)
			api_human_duration(ts_diff((int64_t)w->now, 0, st.sec, st.nsec), last,
					   sizeof(last));
		else
			snprintf(last, sizeof(last), "<unknown>");
		count = jint(series, "count", 0);
	} else if (count == 0) {
		count = 1;
	}

	/* "pod/web": the kind lowercased. */
	sbuf target = {0};
	const char *kind = jstr(ev, "involvedObject.kind");
	const char *name = jstr(ev, "involvedObject.name");
	for (const char *p = kind; *p; p++) {
		char ch = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
		sb_putn(&target, &ch, 1);
	}
	if (name[0]) {
		sb_puts(&target, "/");
		sb_puts(&target, name);
	}

	/* formatEventSource */
	sbuf source = {0};
	const char *component = jstr(ev, "source.component");
	const char *host = jstr(ev, "source.host");
	if (!component[0])
		component = jstr(ev, "reportingComponent");
	if (!host[0])
		host = jstr(ev, "reportingInstance");
	sb_puts(&source, component);
	if (host[0]) {
		sb_puts(&source, ", ");
		sb_puts(&source, host);
	}

	add_str(w, last);
	add_str(w, jstr(ev, "type"));
	add_str(w, jstr(ev, "reason"));
	add_sb(w, &target, "");
	add_str(w, jstr(ev, "involvedObject.fieldPath"));
	add_sb(w, &source, "");
	add_trimmed(w, jstr(ev, "message"));
	add_str(w, first);
	add_int(w, count);
	add_str(w, jstr(ev, "metadata.name"));
}

/* ---- workloads ------------------------------------------------------------------------- */

static void deployment_cells(row *w, const cJSON *d)
{
	add_str(w, jstr(d, "metadata.name"));
	add_fmt(w, "%lld/%lld", (long long)jint(d, "status.readyReplicas", 0),
		(long long)spec_replicas(d));
	add_int(w, jint(d, "status.updatedReplicas", 0));
	add_int(w, jint(d, "status.availableReplicas", 0));
	add_age(w, d);
	add_containers(w, jget(d, "spec.template.spec.containers"));
	/* selector.String(), "<invalid>" when it does not convert. */
	add_selector(w, jget(d, "spec.selector"), "", "<invalid>");
}

static void replicaset_cells(row *w, const cJSON *rs)
{
	add_str(w, jstr(rs, "metadata.name"));
	add_int(w, spec_replicas(rs));
	add_int(w, jint(rs, "status.replicas", 0));
	add_int(w, jint(rs, "status.readyReplicas", 0));
	add_age(w, rs);
	add_containers(w, jget(rs, "spec.template.spec.containers"));
	add_selector(w, jget(rs, "spec.selector"), "<none>", "<error>");
}

static void daemonset_cells(row *w, const cJSON *ds)
{
	add_str(w, jstr(ds, "metadata.name"));
	add_int(w, jint(ds, "status.desiredNumberScheduled", 0));
	add_int(w, jint(ds, "status.currentNumberScheduled", 0));
	add_int(w, jint(ds, "status.numberReady", 0));
	add_int(w, jint(ds, "status.updatedNumberScheduled", 0));
	add_int(w, jint(ds, "status.numberAvailable", 0));
	add_labels(w, jget(ds, "spec.template.spec.nodeSelector"));
	add_age(w, ds);
	add_containers(w, jget(ds, "spec.template.spec.containers"));
	add_selector(w, jget(ds, "spec.selector"), "<none>", "<error>");
}

static void statefulset_cells(row *w, const cJSON *sts)
{
	add_str(w, jstr(sts, "metadata.name"));
	add_fmt(w, "%lld/%lld", (long long)jint(sts, "status.readyReplicas", 0),
		(long long)spec_replicas(sts));
	add_age(w, sts);
	add_containers(w, jget(sts, "spec.template.spec.containers"));
}

/* hasJobCondition: the first condition of the type decides. */
static bool job_condition(const cJSON *job, const char *type)
{
	const cJSON *c;
	const cJSON *conds = jget(job, "status.conditions");
	if (!cJSON_IsArray(conds))
		return false;
	cJSON_ArrayForEach (c, conds) {
		if (is(jstr(c, "type"), type))
			return is(jstr(c, "status"), "True");
	}
	return false;
}

static void job_cells(row *w, const cJSON *job)
{
	int64_t succeeded = jint(job, "status.succeeded", 0);
	const cJSON *completions = jget(job, "spec.completions");
	char done[96];
	if (cJSON_IsNumber(completions)) {
		snprintf(done, sizeof(done), "%lld/%lld", (long long)succeeded,
			 (long long)jint(job, "spec.completions", 0));
	} else {
		int64_t parallelism = jint(job, "spec.parallelism", 0);
		if (parallelism > 1)
			snprintf(done, sizeof(done), "%lld/1 of %lld", (long long)succeeded,
				 (long long)parallelism);
		else
			snprintf(done, sizeof(done), "%lld/1", (long long)succeeded);
	}

	char duration[32] = "";
	kts start = ts_get(job, "status.startTime");
	kts end = ts_get(job, "status.completionTime");
	/* A zero metav1.Time pointer is still non-nil in Go; an absent or null
	 * field is nil.  Both read as unset here: the zero start is then 2000
	 * years ago, which no real Job has. */
	if (start.set && !end.set)
		api_human_duration(ts_diff((int64_t)w->now, 0, start.sec, start.nsec), duration,
				   sizeof(duration));
	else if (start.set)
		api_human_duration(ts_diff(end.sec, end.nsec, start.sec, start.nsec), duration,
				   sizeof(duration));

	const char *status;
	const cJSON *deletion = jget(job, "metadata.deletionTimestamp");
	if (job_condition(job, "Complete"))
		status = "Complete";
	else if (job_condition(job, "Failed"))
		status = "Failed";
	else if (deletion && !cJSON_IsNull(deletion))
		status = "Terminating";
	else if (job_condition(job, "Suspended"))
		status = "Suspended";
	else if (job_condition(job, "FailureTarget"))
		status = "FailureTarget";
	else
		status = "Running";

	add_str(w, jstr(job, "metadata.name"));
	add_str(w, status);
	add_str(w, done);
	add_str(w, duration);
	add_age(w, job);
	add_containers(w, jget(job, "spec.template.spec.containers"));
	add_selector(w, jget(job, "spec.selector"), "<none>", "<error>");
}

static void cronjob_cells(row *w, const cJSON *cj)
{
	const char *tz = cube_json_str(cj, "spec.timeZone");
	const cJSON *suspend = jget(cj, "spec.suspend");
	add_str(w, jstr(cj, "metadata.name"));
	add_str(w, jstr(cj, "spec.schedule"));
	add_str(w, tz ? tz : "<none>");
	add_str(w, cJSON_IsTrue(suspend) ? "True" : "False");
	add_int(w, jlen(cj, "status.active"));
	const cJSON *lst = jget(cj, "status.lastScheduleTime");
	if (lst && !cJSON_IsNull(lst))
		add_since(w, ts_get(cj, "status.lastScheduleTime"));
	else
		add_str(w, "<none>");
	add_age(w, cj);
	add_containers(w, jget(cj, "spec.jobTemplate.spec.template.spec.containers"));
	add_selector(w, jget(cj, "spec.jobTemplate.spec.selector"), "<none>", "<error>");
}

/* The API server's default table: name and the creationTimestamp as RFC 3339
 * in UTC (Go's zero time for none). */
static void default_cells(row *w, const cJSON *o)
{
	kts t = ts_get(o, "metadata.creationTimestamp");
	int64_t sec = t.set ? t.sec : days_from_civil(1, 1, 1) * 86400;
	int64_t days = sec / 86400, rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	/* civil_from_days */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	add_str(w, jstr(o, "metadata.name"));
	add_fmt(w, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
		(long long)d, (long long)(rem / 3600), (long long)(rem / 60 % 60),
		(long long)(rem % 60));
}

/* ---- the table of printers ------------------------------------------------------------ */

typedef struct {
	const char *group;
	const char *plural;
	const col_def *cols;
	size_t ncols;
	void (*cells)(row *w, const cJSON *obj);
} printer;

#define PRINTER(g, p, cols, fn)                                \
	{                                                      \
		g, p, cols, sizeof(cols) / sizeof(cols[0]), fn \
	}

static const printer printers[] = {
	PRINTER("", "pods", pod_cols, pod_cells),
	PRINTER("", "nodes", node_cols, node_cells),
	PRINTER("", "services", service_cols, service_cells),
	PRINTER("", "endpoints", endpoints_cols, endpoints_cells),
	PRINTER("", "namespaces", namespace_cols, namespace_cells),
	PRINTER("", "configmaps", configmap_cols, configmap_cells),
	PRINTER("", "secrets", secret_cols, secret_cells),
	PRINTER("", "serviceaccounts", serviceaccount_cols, serviceaccount_cells),
	PRINTER("", "events", event_cols, event_cells),
	PRINTER("apps", "deployments", deployment_cols, deployment_cells),
	PRINTER("apps", "replicasets", replicaset_cols, replicaset_cells),
	PRINTER("apps", "daemonsets", daemonset_cols, daemonset_cells),
	PRINTER("apps", "statefulsets", statefulset_cols, statefulset_cells),
	PRINTER("batch", "jobs", job_cols, job_cells),
	PRINTER("batch", "cronjobs", cronjob_cols, cronjob_cells),
	PRINTER("coordination.k8s.io", "leases", lease_cols, lease_cells),
	PRINTER("networking.k8s.io", "ingresses", ingress_cols, ingress_cells),
};

static const printer default_printer = PRINTER("", "", default_cols, default_cells);

static const printer *printer_for(const api_resource *r)
{
	if (!r || !r->group || !r->plural)
		return &default_printer;
	for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++)
		if (!strcmp(printers[i].group, r->group) && !strcmp(printers[i].plural, r->plural))
			return &printers[i];
	return &default_printer;
}

cJSON *api_table_columns(const api_resource *r)
{
	const printer *p = printer_for(r);
	cJSON *arr = cJSON_CreateArray();
	if (!arr)
		return NULL;
	for (size_t i = 0; i < p->ncols; i++) {
		const col_def *c = &p->cols[i];
		cJSON *o = cJSON_CreateObject();
		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return NULL;
		}
		if (!cJSON_AddStringToObject(o, "name", c->name) ||
		    !cJSON_AddStringToObject(o, "type", c->type) ||
		    !cJSON_AddStringToObject(o, "format", c->format) ||
		    !cJSON_AddStringToObject(o, "description", c->desc) ||
		    !cJSON_AddNumberToObject(o, "priority", c->priority)) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

cJSON *api_table_cells(const api_resource *r, const cJSON *obj, time_t now)
{
	const printer *p = printer_for(r);
	row w = {.cells = cJSON_CreateArray(), .now = now};
	if (!w.cells)
		return NULL;
	p->cells(&w, obj);
	if (w.oom) {
		cJSON_Delete(w.cells);
		return NULL;
	}
	return w.cells;
}
