/* logs.c - cubectl logs, as kubectl v1.32's: POD [CONTAINER], TYPE/NAME
 * (a Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or Service resolved
 * to its first pod in kubectl's ByLogging order), or -l across pods; one
 * container (-c, the default-container annotation, or the first, with
 * "Defaulted container" on stderr) or --all-containers; -f, --previous,
 * --tail, --timestamps, --since, --since-time, --limit-bytes, --prefix.
 *
 * The sources are gathered first (every error about a pod or a container
 * comes before any log line, as in kubectl), then each is read from
 * GET .../pods/NAME/log: one after the other, or with -f and several
 * sources in parallel (a child process per stream, lines written whole). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "ktime.h"
#include "obj.h"
#include "ops.h"
#include "selector.h"

#define DEFAULT_CONTAINER "kubectl.kubernetes.io/default-container"
#define MAX_SOURCES 256

/* A pod's containers in --all-containers' order. */
static const char *const lists[] = {"spec.initContainers", "spec.containers",
				    "spec.ephemeralContainers"};

static struct {
	const char *container, *selector, *since_time, *since_arg;
	bool follow, previous, timestamps, all_containers, prefix, ignore_errors;
	int since, tail, limit_bytes, max_requests, running_timeout;
} L = {.tail = INT_MIN, .max_requests = 5, .running_timeout = 20, .limit_bytes = 0};

static const cctl_flag logs_flags[] = {
	{"all-containers", 0, CCTL_BOOL, &L.all_containers,
	 "Get all containers' logs in the pod(s)."},
	{"container", 'c', CCTL_STRING, &L.container, "Print the logs of this container"},
	{"follow", 'f', CCTL_BOOL, &L.follow, "Specify if the logs should be streamed."},
	{"ignore-errors", 0, CCTL_BOOL, &L.ignore_errors,
	 "If watching / following pod logs, allow for any errors that occur to be non-fatal"},
	{"limit-bytes", 0, CCTL_INT, &L.limit_bytes,
	 "Maximum bytes of logs to return. Defaults to no limit."},
	{"max-log-requests", 0, CCTL_INT, &L.max_requests,
	 "Specify maximum number of concurrent logs to follow when using by a selector. Defaults "
	 "to 5."},
	{"pod-running-timeout", 0, CCTL_DUR, &L.running_timeout,
	 "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one "
	 "pod is running"},
	{"prefix", 0, CCTL_BOOL, &L.prefix,
	 "Prefix each log line with the log source (pod name and container name)"},
	{"previous", 'p', CCTL_BOOL, &L.previous,
	 "If true, print the logs for the previous instance of the container in a pod if it "
	 "exists."},
	{"selector", 'l', CCTL_STRING, &L.selector,
	 "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'."},
	{"since", 0, CCTL_STRING, &L.since_arg,
	 "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all "
	 "logs."},
	{"since-time", 0, CCTL_STRING, &L.since_time,
	 "Only return logs after a specific date (RFC3339). Defaults to all logs."},
	{"tail", 0, CCTL_INT, &L.tail,
	 "Lines of recent log file to display. Defaults to -1 with no selector, showing all log "
	 "lines otherwise 10, if a selector is provided."},
	{"timestamps", 0, CCTL_BOOL, &L.timestamps,
	 "Include timestamps on each line in the log output"},
	{0},
};

#define USAGE_ERR                                                                             \
	"expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a " \
	"required argument for the logs command"

static int usage_error(const char *msg)
{
	fprintf(stderr, "error: %s\nSee 'cubectl logs -h' for help and examples\n", msg);
	return 1;
}

/* ---- sources ----------------------------------------------------------------------------- */

typedef struct source {
	char ns[256], pod[256], container[256];
} source;

typedef struct sources {
	source v[MAX_SOURCES];
	int n;
} sources;

static void add_source(sources *s, const cJSON *pod, const char *container)
{
	if (s->n >= MAX_SOURCES)
		return;
	source *x = &s->v[s->n++];
	snprintf(x->ns, sizeof(x->ns), "%s",
		 cube_obj_namespace(pod) ? cube_obj_namespace(pod) : "");
	snprintf(x->pod, sizeof(x->pod), "%s", cube_obj_name(pod) ? cube_obj_name(pod) : "");
	snprintf(x->container, sizeof(x->container), "%s", container);
}

static bool has_container(const cJSON *pod, const char *name)
{
	for (size_t i = 0; i < 3; i++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, lists[i])) {
			if (cube_json_str(c, "name") && !strcmp(cube_json_str(c, "name"), name))
				return true;
		}
	}
	return false;
}

/* kubectl's podcmd.AllContainerNames: "a, b, init (init)". */
static void all_names(const cJSON *pod, char *buf, size_t size)
{
	static const char *const order[][2] = {{"spec.containers", ""},
					       {"spec.initContainers", " (init)"},
					       {"spec.ephemeralContainers", " (ephem)"}};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < 3; i++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, order[i][0])) {
			const char *nm = cube_json_str(c, "name");
			if (n < size)
				n += (size_t)snprintf(buf + n, size - n, "%s%s%s", n ? ", " : "",
						      nm ? nm : "", order[i][1]);
		}
	}
}

/* The sources of one pod (logsForObjectWithClient's Pod case).  0, or -1
 * after printing the error. */
static int pod_sources(sources *s, const cJSON *pod, const char *want)
{
	const char *name = cube_obj_name(pod);
	if (L.all_containers && !want) {
		for (size_t i = 0; i < 3; i++) {
			const cJSON *c;
			cJSON_ArrayForEach (c, cube_json_path(pod, lists[i])) {
				add_source(s, pod, cube_json_str(c, "name"));
			}
		}
		return 0;
	}
	const char *container = want;
	if (!container) {
		const char *dc = cube_obj_annotation(pod, DEFAULT_CONTAINER);
		if (dc && dc[0]) {
			if (has_container(pod, dc))
				container = dc;
			else
				fprintf(stderr,
					"Default container name \"%s\" not found in pod %s\n", dc,
					name);
		}
	}
	if (!container) {
		const cJSON *cs = cube_json_path(pod, "spec.containers");
		const char *first = cs && cs->child ? cube_json_str(cs->child, "name") : NULL;
		if (!first) {
			cctl_fail("container  is not valid for pod %s", name);
			return -1;
		}
		container = first;
		if (cJSON_GetArraySize(cs) > 1 ||
		    cJSON_GetArraySize(cube_json_path(pod, "spec.initContainers")) > 0 ||
		    cJSON_GetArraySize(cube_json_path(pod, "spec.ephemeralContainers")) > 0) {
			char names[2048];
			all_names(pod, names, sizeof(names));
			fprintf(stderr, "Defaulted container \"%s\" out of: %s\n", container,
				names);
		}
	}
	if (!has_container(pod, container)) {
		cctl_fail("container %s is not valid for pod %s", container, name);
		return -1;
	}
	add_source(s, pod, container);
	return 0;
}

/* ---- kubectl's ByLogging order ----------------------------------------------------------- */

static bool pod_ready(const cJSON *pod, double *since)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.conditions")) {
		const char *t = cube_json_str(c, "type"), *st = cube_json_str(c, "status");
		if (t && !strcmp(t, "Ready")) {
			if (since) {
				const char *lt = cube_json_str(c, "lastTransitionTime");
				if (!lt || !cube_time_parse(lt, since))
					*since = 0;
			}
			return st && !strcmp(st, "True");
		}
	}
	return false;
}

static int phase_rank(const cJSON *pod)
{
	const char *p = cube_json_str(pod, "status.phase");
	if (p && !strcmp(p, "Unknown"))
		return 1;
	if (p && !strcmp(p, "Pending"))
		return 2;
	return 0; /* Running, and phases the map lacks */
}

static int max_restarts(const cJSON *pod)
{
	int m = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.containerStatuses")) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "restartCount");
		if (cJSON_IsNumber(r) && r->valueint > m)
			m = r->valueint;
	}
	return m;
}

static double created(const cJSON *pod)
{
	double ts = 0;
	const char *t = cube_json_str(pod, "metadata.creationTimestamp");
	return t && cube_time_parse(t, &ts) ? ts : 0;
}

/* a before b in kubectl's podutils.ByLogging */
static bool logging_less(const cJSON *a, const cJSON *b)
{
	const char *na = cube_json_str(a, "spec.nodeName");
	const char *nb = cube_json_str(b, "spec.nodeName");
	bool aa = na && na[0], ab = nb && nb[0];
	if (aa != ab)
		return aa;
	if (phase_rank(a) != phase_rank(b))
		return phase_rank(a) < phase_rank(b);
	double ra = 0, rb = 0;
	bool ya = pod_ready(a, &ra), yb = pod_ready(b, &rb);
	if (ya != yb)
		return ya;
	/* ready longer first; an empty time last */
	if (ya && yb && ra != rb)
		return rb == 0 || (ra != 0 && ra < rb);
	if (max_restarts(a) != max_restarts(b))
		return max_restarts(a) > max_restarts(b);
	double ca = created(a), cb = created(b);
	if (ca != cb)
		return cb == 0 || (ca != 0 && ca < cb);
	return false;
}

/* ---- resolving what was typed ------------------------------------------------------------- */

/* The label selector of a workload or Service, as a string (malloc'd), or
 * NULL after printing kubectl's error. */
static char *selector_of(const cJSON *obj, const char *kind)
{
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = NULL;
	if (!strcmp(kind, "Service")) {
		const cJSON *m = cube_json_path(obj, "spec.selector");
		if (!m || !m->child) {
			cctl_fail("invalid service '%s': Service is defined without a selector",
				  cube_obj_name(obj));
			return NULL;
		}
		sel = cube_labelsel_from_map(m, &err);
	} else if (!strcmp(kind, "Deployment") || !strcmp(kind, "ReplicaSet") ||
		   !strcmp(kind, "StatefulSet") || !strcmp(kind, "DaemonSet") ||
		   !strcmp(kind, "Job") || !strcmp(kind, "ReplicationController")) {
		const cJSON *s = cube_json_path(obj, "spec.selector");
		sel = !strcmp(kind, "ReplicationController") ? cube_labelsel_from_map(s, &err)
							     : cube_labelsel_from_json(s, &err);
	} else {
		cctl_fail("cannot get the logs from %s: selector for %s not implemented", kind,
			  kind);
		return NULL;
	}
	if (!sel) {
		cctl_fail("%s", err.msg);
		return NULL;
	}
	char *s = cube_labelsel_string(sel);
	cube_labelsel_free(sel);
	return s;
}

/* The pods matching sel in ns (a JSON array, the caller's), or NULL after
 * printing the error. */
static cJSON *list_pods(cctl *c, const char *ns, const char *sel)
{
	char path[4096];
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", ns);
	cctl_query(path, sizeof(path), "labelSelector", sel);
	cJSON *list = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!list)
		return NULL;
	cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(list, "items");
	cJSON_Delete(list);
	return items ? items : cJSON_CreateArray();
}

/* kubectl's GetFirstPod: the first of the matching pods in ByLogging order,
 * waiting up to --pod-running-timeout for one to appear.  Returns a copy
 * or NULL after printing the error. */
static cJSON *first_pod(cctl *c, const char *ns, const char *sel)
{
	for (int waited = 0;; waited += 200) {
		cube_autojson cJSON *pods = list_pods(c, ns, sel);
		if (!pods)
			return NULL;
		int n = cJSON_GetArraySize(pods);
		if (n > 0) {
			const cJSON *best = pods->child;
			for (const cJSON *p = best->next; p; p = p->next)
				if (logging_less(p, best))
					best = p;
			if (n > 1)
				fprintf(stderr, "Found %d pods, using pod/%s\n", n,
					cube_obj_name(best));
			return cJSON_Duplicate(best, true);
		}
		if (waited >= L.running_timeout * 1000) {
			cctl_fail("timed out waiting for the condition");
			return NULL;
		}
		usleep(200 * 1000);
	}
}

/* The NotFound text of kubectl logs' builder. */
static void print_get_error(cctl_resp *r, const char *ns)
{
	if (r->status == 404 && r->body && cube_json_str(r->body, "message")) {
		fprintf(stderr, "error: error from server (NotFound): %s in namespace \"%s\"\n",
			cube_json_str(r->body, "message"), ns);
		return;
	}
	cctl_print_status_error(r->status, r->body, r->text, NULL, NULL);
}

/* Gathers the sources of what was typed.  0, or 1 after printing. */
static int gather(cctl *c, const char *arg, const char *container, sources *s)
{
	const char *ns = cctl_ns(c);
	if (L.selector) {
		cube_autojson cJSON *pods = list_pods(c, ns, L.selector);
		if (!pods)
			return 1;
		if (!pods->child)
			fprintf(stderr, "No resources found in %s namespace.\n", ns);
		const cJSON *p;
		cJSON_ArrayForEach (p, pods) {
			if (pod_sources(s, p, container) < 0)
				return 1;
		}
		return 0;
	}
	const char *slash = strchr(arg, '/');
	const cctl_res *r;
	const char *name = arg;
	char type[256] = "pods";
	if (slash) {
		snprintf(type, sizeof(type), "%.*s", (int)(slash - arg), arg);
		name = slash + 1;
	}
	if (cctl_discover(c) < 0)
		return 1;
	r = cctl_resolve(c, type);
	if (!r)
		return cctl_fail("the server doesn't have a resource type \"%s\"", type);
	if (!name[0])
		return cctl_fail("arguments in resource/name form must have a single resource "
				 "and name");
	char path[2048];
	cctl_path(r, r->gvr.namespaced ? ns : NULL, name, NULL, path, sizeof(path));
	cctl_resp resp;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &resp) < 0)
		return 1;
	if (resp.status != 200 || !resp.body) {
		print_get_error(&resp, ns);
		cctl_resp_clear(&resp);
		return 1;
	}
	cube_autojson cJSON *obj = resp.body;
	resp.body = NULL;
	cctl_resp_clear(&resp);
	if (!strcmp(r->gvr.kind, "Pod"))
		return pod_sources(s, obj, container) < 0 ? 1 : 0;
	cube_autofree char *sel = selector_of(obj, r->gvr.kind);
	if (!sel)
		return 1;
	cube_autojson cJSON *pod = first_pod(c, ns, sel);
	if (!pod)
		return 1;
	return pod_sources(s, pod, container) < 0 ? 1 : 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

static void log_path(const source *x, char *path, size_t size)
{
	snprintf(path, size, "/api/v1/namespaces/%s/pods/%s/log", x->ns, x->pod);
	char num[32];
	cctl_query(path, size, "container", x->container);
	if (L.follow)
		cctl_query(path, size, "follow", "true");
	if (L.limit_bytes > 0) {
		snprintf(num, sizeof(num), "%d", L.limit_bytes);
		cctl_query(path, size, "limitBytes", num);
	}
	if (L.previous)
		cctl_query(path, size, "previous", "true");
	if (L.since > 0) {
		snprintf(num, sizeof(num), "%d", L.since);
		cctl_query(path, size, "sinceSeconds", num);
	}
	cctl_query(path, size, "sinceTime", L.since_time);
	if (L.tail >= 0) {
		snprintf(num, sizeof(num), "%d", L.tail);
		cctl_query(path, size, "tailLines", num);
	}
	if (L.timestamps)
		cctl_query(path, size, "timestamps", "true");
}

/* One stream: lines go out whole (with the prefix when asked), an error
 * answer is collected to be printed as kubectl prints it. */
typedef struct reader {
	const source *src;
	cube_http_resp *resp;
	char *line; /* a partial line */
	size_t len, cap;
	char *err; /* a non-2xx answer's body */
	size_t elen, ecap;
} reader;

static void emit(const reader *rd, const char *s, size_t n)
{
	if (!L.prefix) {
		fwrite(s, 1, n, stdout);
		return;
	}
	char pfx[600];
	int pl = snprintf(pfx, sizeof(pfx), "[pod/%s/%s] ", rd->src->pod, rd->src->container);
	/* one write per line: parallel streams do not interleave inside a line */
	char *buf = malloc((size_t)pl + n);
	if (!buf)
		return;
	memcpy(buf, pfx, (size_t)pl);
	memcpy(buf + pl, s, n);
	fwrite(buf, 1, (size_t)pl + n, stdout);
	free(buf);
}

static int grow(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;
		while (nc < *len + n + 1)
			nc *= 2;
		char *b = realloc(*buf, nc);
		if (!b)
			return -1;
		*buf = b;
		*cap = nc;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int on_log(void *ud, const char *data, size_t n)
{
	reader *rd = ud;
	if (rd->resp->status < 200 || rd->resp->status > 299) {
		return grow(&rd->err, &rd->elen, &rd->ecap, data, n);
	}
	while (n) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) + 1 : n;
		if (grow(&rd->line, &rd->len, &rd->cap, data, take) < 0)
			return -1;
		if (nl) {
			emit(rd, rd->line, rd->len);
			rd->len = 0;
		}
		data += take;
		n -= take;
	}
	fflush(stdout);
	return 0;
}

/* Reads one source to the end.  0, or 1 after printing the error. */
static int read_source(cctl *c, const source *x)
{
	char path[4096];
	log_path(x, path, sizeof(path));
	if (cctl_connect(c) < 0)
		return 1;
	cube_http_resp resp;
	reader rd = {.src = x, .resp = &resp};
	cube_kclient_rawreq rq = {
		.path = path, .accept = "application/json, */*", .on_data = on_log, .ud = &rd};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_kclient_raw(c->client, &rq, &resp, &err);
	if (rd.len) /* the last line had no newline */
		emit(&rd, rd.line, rd.len);
	fflush(stdout);
	int ret = 0;
	if (rc < 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		ret = 1;
	} else if (resp.status < 200 || resp.status > 299) {
		cJSON *body = rd.err ? cJSON_Parse(rd.err) : NULL;
		if (L.ignore_errors) {
			char msg[4096];
			printf("error: %s\n", cctl_status_message(resp.status, body, rd.err, NULL,
								  NULL, msg, sizeof(msg)));
		} else {
			cctl_print_status_error(resp.status, body, rd.err, NULL, NULL);
			ret = 1;
		}
		cJSON_Delete(body);
	}
	free(rd.line);
	free(rd.err);
	cube_http_resp_clear(&resp);
	return ret;
}

/* -f over several sources: a child per stream; the first failure decides. */
static int read_parallel(cctl *c, const sources *s)
{
	pid_t pids[MAX_SOURCES];
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < s->n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* a connection of its own: the parent's is not shared */
			c->client = NULL;
			c->kc = NULL;
			_exit(read_source(c, &s->v[i]));
		}
		if (pids[i] < 0)
			return cctl_fail("fork: %s", strerror(errno));
	}
	int ret = 0;
	for (int i = 0; i < s->n; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) > 0 && (!WIFEXITED(st) || WEXITSTATUS(st)))
			ret = 1;
	}
	return ret;
}

int cctl_cmd_logs(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, logs_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (cctl_duration_flag(c, "since", L.since_arg, &L.since) < 0)
		return 1;
	bool tail_set = L.tail != INT_MIN;
	if (!tail_set)
		L.tail = -1;
	const char *arg = NULL, *container = L.container;
	switch (n) {
	case 0:
		if (!L.selector)
			return usage_error(USAGE_ERR);
		break;
	case 1:
		arg = pos[0];
		if (L.selector)
			return usage_error("only a selector (-l) or a POD name is allowed");
		break;
	case 2:
		arg = pos[0];
		container = pos[1];
		break;
	default:
		return usage_error(USAGE_ERR);
	}
	if (L.selector && !tail_set)
		L.tail = 10;
	if (L.since_time && L.since)
		return cctl_fail("at most one of `sinceTime` or `sinceSeconds` may be specified");
	if (container && L.all_containers)
		return cctl_fail("--all-containers=true should not be specified with container "
				 "name %s",
				 container);
	if (L.container && n == 2)
		return cctl_fail("only one of -c or an inline [CONTAINER] arg is allowed");
	if (L.limit_bytes < 0)
		return cctl_fail("--limit-bytes must be greater than 0");
	if (L.since < 0)
		return cctl_fail("--since must be greater than 0");
	if (L.tail < -1)
		return cctl_fail("--tail must be greater than or equal to -1");
	if (cctl_connect(c) < 0)
		return 1;
	static sources s;
	if (gather(c, arg, container, &s))
		return 1;
	if (L.follow && s.n > 1) {
		if (s.n > L.max_requests)
			return cctl_fail("you are attempting to follow %d log streams, but maximum "
					 "allowed concurrency is %d, use --max-log-requests to "
					 "increase the limit",
					 s.n, L.max_requests);
		return read_parallel(c, &s);
	}
	for (int i = 0; i < s.n; i++)
		if (read_source(c, &s.v[i]))
			return 1;
	return 0;
}
