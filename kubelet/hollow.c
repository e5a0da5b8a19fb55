/* hollow.c - the hollow runtime: runs nothing, reports pods Running and
 * Ready at once with an IP from the node's pod CIDR, as a real node would
 * report them.  It lets one process stand in for many nodes (kubemark) and
 * lets the scheduler, controllers and Services be tested without
 * containers.
 *
 * A hollow container runs forever, unless its pod models a program that
 * finishes, with two annotations:
 *
 *   hollow.cube.dev/exit-after: "<seconds>"   the containers exit that long
 *                                             after they (re)started
 *   hollow.cube.dev/exit-code: "<n>"          with this code (0..255; 0 if
 *                                             absent)
 *
 * Then, as a kubelet would: with restartPolicy Never, or OnFailure and code
 * 0, the pod ends Succeeded (code 0) or Failed, its containers terminated
 * with that exitCode and reason Completed (0) or Error, Ready False
 * (PodCompleted); otherwise (Always, or OnFailure and a non-zero code) the
 * containers restart at once (no crash-loop back-off): restartCount goes
 * up, lastState holds the terminated state, and they run for exit-after
 * seconds again.  Every container of the pod exits at the same moment with
 * the same code.  The time is taken from the containers' reported
 * startedAt, so a restarted cubelet carries on where the last one was.  A
 * malformed value gets a Warning event (InvalidHollowAnnotation) and the
 * pod runs forever.
 *
 * Stats (/stats/summary, so that `kubectl top` shows a hollow cluster): a
 * running container uses half its CPU request (its limit without a request,
 * else 1m), give or take a quarter, and 60% of its memory request (limit,
 * else 4Mi), give or take a tenth; the swing is a sine of 5 minutes whose
 * phase comes from the pod's uid and the container's name, so that pods
 * differ and figures move.  Usage is the working set plus 10% page cache.
 * The node adds 50m and 256Mi of its own (system daemons) to its pods'. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "cubelet.h"
#include "ktime.h"
#include "quantity.h"
#include "log.h"
#include "obj.h"

#define ANN_EXIT_AFTER "hollow.cube.dev/exit-after"
#define ANN_EXIT_CODE "hollow.cube.dev/exit-code"

typedef struct hollow_state {
	pthread_mutex_t mu;
	uint32_t base;	   /* network address of the pod CIDR, host order */
	uint32_t size;	   /* addresses in it */
	uint32_t next;	   /* next offset to try */
	cube_strmap *ips;  /* pod uid -> malloc'd "10.244.x.y" */
	cube_strmap *used; /* ip -> (void*)1 */
} hollow_state;

static int hollow_init(kubelet_node *n, cube_err *err)
{
	hollow_state *s = calloc(1, sizeof(*s));
	if (!s)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	s->ips = cube_strmap_new();
	s->used = cube_strmap_new();
	char ip[32];
	int prefix = 24;
	struct in_addr in;
	if (sscanf(n->pod_cidr, "%31[0-9.]/%d", ip, &prefix) != 2 ||
	    inet_pton(AF_INET, ip, &in) != 1 || prefix < 8 || prefix > 30) {
		free(s);
		return cube_err_set(err, CUBE_EINVAL,
				    "node %s: pod CIDR \"%s\" is not an IPv4 CIDR", n->name,
				    n->pod_cidr);
	}
	s->base = ntohl(in.s_addr) & (0xffffffffu << (32 - prefix));
	s->size = 1u << (32 - prefix);
	s->next = 2; /* .0 the network, .1 the bridge */
	n->runtime_state = s;
	return 0;
}

/* The pod's IP, allocated on first use; NULL if the CIDR is full. */
static const char *pod_ip(hollow_state *s, const char *uid)
{
	const char *have = cube_strmap_get(s->ips, uid);
	if (have)
		return have;
	for (uint32_t i = 0; i + 3 < s->size; i++) {
		uint32_t off = s->next;
		s->next = s->next + 1 >= s->size - 1 ? 2 : s->next + 1;
		struct in_addr in = {.s_addr = htonl(s->base + off)};
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &in, text, sizeof(text));
		if (cube_strmap_get(s->used, text))
			continue;
		char *ip = strdup(text);
		if (!ip || cube_strmap_put(s->ips, uid, ip, NULL) < 0) {
			free(ip);
			return NULL;
		}
		cube_strmap_put(s->used, text, (void *)1, NULL);
		return ip;
	}
	return NULL;
}

static void condition(cJSON *conds, const char *type, const char *now)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", "True");
	cJSON_AddNullToObject(c, "lastProbeTime");
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddItemToArray(conds, c);
}

static void container_statuses(cJSON *st, const char *field, const cJSON *containers,
			       const char *uid, const char *now, bool init)
{
	if (!cJSON_IsArray(containers) || cJSON_GetArraySize(containers) == 0)
		return;
	cJSON *arr = cJSON_AddArrayToObject(st, field);
	const cJSON *c;
	cJSON_ArrayForEach (c, containers) {
		const char *name = cube_json_str(c, "name");
		const char *image = cube_json_str(c, "image");
		cJSON *cs = cJSON_CreateObject();
		cJSON_AddStringToObject(cs, "name", name ? name : "");
		cJSON *state = cJSON_AddObjectToObject(cs, "state");
		if (init) {
			cJSON *t = cJSON_AddObjectToObject(state, "terminated");
			cJSON_AddNumberToObject(t, "exitCode", 0);
			cJSON_AddStringToObject(t, "reason", "Completed");
			cJSON_AddStringToObject(t, "startedAt", now);
			cJSON_AddStringToObject(t, "finishedAt", now);
		} else {
			cJSON *r = cJSON_AddObjectToObject(state, "running");
			cJSON_AddStringToObject(r, "startedAt", now);
		}
		cJSON_AddObjectToObject(cs, "lastState");
		cJSON_AddBoolToObject(cs, "ready", !init);
		cJSON_AddNumberToObject(cs, "restartCount", 0);
		cJSON_AddStringToObject(cs, "image", image ? image : "");
		char id[300];
		snprintf(id, sizeof(id), "hollow://%s", image ? image : "");
		cJSON_AddStringToObject(cs, "imageID", id);
		snprintf(id, sizeof(id), "hollow://%s-%s", uid, name ? name : "");
		cJSON_AddStringToObject(cs, "containerID", id);
		cJSON_AddBoolToObject(cs, "started", !init);
		cJSON_AddItemToArray(arr, cs);
	}
}

/* The pod's finishing program, from its annotations: false if it runs
 * forever (no annotation, or a malformed one: *bad then names it). */
typedef struct hollow_exit {
	double after_s;
	int code;
} hollow_exit;

static bool parse_exit(const cJSON *pod, hollow_exit *x, const char **bad)
{
	const char *after = cube_obj_annotation(pod, ANN_EXIT_AFTER);
	const char *code = cube_obj_annotation(pod, ANN_EXIT_CODE);
	*bad = NULL;
	if (!after)
		return false;
	char *end;
	errno = 0;
	x->after_s = strtod(after, &end);
	if (!after[0] || *end || errno || !isfinite(x->after_s) || x->after_s < 0) {
		*bad = ANN_EXIT_AFTER;
		return false;
	}
	x->code = 0;
	if (code) {
		long c = strtol(code, &end, 10);
		if (!code[0] || *end || c < 0 || c > 255) {
			*bad = ANN_EXIT_CODE;
			return false;
		}
		x->code = (int)c;
	}
	return true;
}

/* When the running containers started (their first reported startedAt, else
 * the pod's startTime); 0 if unknown. */
static double running_since(const cJSON *pod)
{
	double t = 0;
	const cJSON *cs;
	cJSON_ArrayForEach (cs, cube_json_path(pod, "status.containerStatuses")) {
		if (cube_time_parse(cube_json_str(cs, "state.running.startedAt"), &t))
			return t;
	}
	return cube_time_parse(cube_json_str(pod, "status.startTime"), &t) ? t : 0;
}

static void set_condition(cJSON *st, const char *type, bool status, const char *reason,
			  const char *now)
{
	cJSON *c;
	cJSON_ArrayForEach (c, cJSON_GetObjectItemCaseSensitive(st, "conditions")) {
		const char *t = cube_json_str(c, "type");
		if (!t || strcmp(t, type))
			continue;
		cJSON_ReplaceItemInObjectCaseSensitive(
			c, "status", cJSON_CreateString(status ? "True" : "False"));
		cJSON_ReplaceItemInObjectCaseSensitive(c, "lastTransitionTime",
						       cJSON_CreateString(now));
		cJSON_DeleteItemFromObjectCaseSensitive(c, "reason");
		if (reason)
			cJSON_AddStringToObject(c, "reason", reason);
	}
}

/* The containers of `st` (a copy of the running pod's status) exit with
 * x->code at `now`: the pod ends (terminal) or they restart. */
static void containers_exit(cJSON *st, const hollow_exit *x, bool terminal, const char *now)
{
	cJSON *cs;
	cJSON_ArrayForEach (cs, cJSON_GetObjectItemCaseSensitive(st, "containerStatuses")) {
		const char *started = cube_json_str(cs, "state.running.startedAt");
		cJSON *t = cJSON_CreateObject();
		cJSON_AddNumberToObject(t, "exitCode", x->code);
		cJSON_AddStringToObject(t, "reason", x->code ? "Error" : "Completed");
		cJSON_AddStringToObject(t, "startedAt", started ? started : now);
		cJSON_AddStringToObject(t, "finishedAt", now);
		const char *id = cube_json_str(cs, "containerID");
		if (id)
			cJSON_AddStringToObject(t, "containerID", id);
		cJSON *state = cJSON_CreateObject();
		if (terminal) {
			cJSON_AddItemToObject(state, "terminated", t);
			cJSON_ReplaceItemInObjectCaseSensitive(cs, "ready", cJSON_CreateFalse());
			cJSON_ReplaceItemInObjectCaseSensitive(cs, "started", cJSON_CreateFalse());
		} else {
			cJSON *last = cJSON_CreateObject();
			cJSON_AddItemToObject(last, "terminated", t);
			cJSON_ReplaceItemInObjectCaseSensitive(cs, "lastState", last);
			cJSON *r = cJSON_AddObjectToObject(state, "running");
			cJSON_AddStringToObject(r, "startedAt", now);
			cJSON_ReplaceItemInObjectCaseSensitive(
				cs, "restartCount",
				cJSON_CreateNumber((double)cube_json_int(cs, "restartCount", 0) +
						   1));
		}
		cJSON_ReplaceItemInObjectCaseSensitive(cs, "state", state);
	}
	if (!terminal)
		return;
	cJSON_ReplaceItemInObjectCaseSensitive(
		st, "phase", cJSON_CreateString(x->code ? "Failed" : "Succeeded"));
	set_condition(st, "PodReadyToStartContainers", false, NULL, now);
	set_condition(st, "Ready", false, "PodCompleted", now);
	set_condition(st, "ContainersReady", false, "PodCompleted", now);
}

/* For a running pod that models a finishing program: the status once its
 * containers exit (new, in *out) if that time has come; else NULL, and the
 * pod's key comes back when it will have. */
static cJSON *maybe_exit(kubelet_node *n, const cJSON *pod, const hollow_exit *x)
{
	double since = running_since(pod), now = cube_time_wall();
	double left = since + x->after_s - now;
	if (left > 0) {
		char key[CUBE_OBJ_KEY_MAX];
		if (cube_obj_key(pod, key, sizeof(key), NULL) > 0 && n->k->pod_ctl)
			cube_controller_enqueue_after(n->k->pod_ctl, key,
						      (int64_t)ceil(left * 1000) + 50);
		return NULL;
	}
	const char *rp = cube_json_str(pod, "spec.restartPolicy");
	bool never = rp && !strcmp(rp, "Never"), on_failure = rp && !strcmp(rp, "OnFailure");
	bool terminal = never || (on_failure && x->code == 0);
	cJSON *st = cube_obj_copy(cube_json_path(pod, "status"));
	if (!st)
		return NULL;
	char ts[32];
	cube_time_now(ts, sizeof(ts));
	containers_exit(st, x, terminal, ts);
	return st;
}

static int hollow_sync(kubelet_node *n, const cJSON *pod, cJSON **out, cube_err *err)
{
	hollow_state *s = n->runtime_state;
	const char *uid = cube_obj_uid(pod);
	if (!uid)
		return cube_err_set(err, CUBE_EINVAL, "pod without a uid");
	bool host_net = cJSON_IsTrue(cube_json_path(pod, "spec.hostNetwork"));
	pthread_mutex_lock(&s->mu);
	const char *ip = host_net ? n->ip : pod_ip(s, uid);
	char ipbuf[40];
	snprintf(ipbuf, sizeof(ipbuf), "%s", ip ? ip : "");
	pthread_mutex_unlock(&s->mu);
	if (!ip)
		return cube_err_set(err, CUBE_ETOOBIG, "node %s: no free pod IP in %s", n->name,
				    n->pod_cidr);
	hollow_exit x;
	const char *bad;
	bool exits = parse_exit(pod, &x, &bad);
	/* Already reported as running here: nothing changes (no write), unless
	 * its program has finished. */
	const char *phase = cube_json_str(pod, "status.phase");
	const char *have = cube_json_str(pod, "status.podIP");
	if (phase && !strcmp(phase, "Running") && have && !strcmp(have, ipbuf)) {
		*out = exits ? maybe_exit(n, pod, &x) : NULL;
		if (!*out)
			*out = cube_obj_copy(cube_json_path(pod, "status"));
		return *out ? 0 : cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	if (bad)
		cube_event(n->k->recorder, pod, "Warning", "InvalidHollowAnnotation",
			   "%s: \"%.100s\" is not valid; the pod runs until deleted", bad,
			   cube_obj_annotation(pod, bad));
	char now[32];
	cube_time_now(now, sizeof(now));
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "phase", "Running");
	cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
	condition(conds, "PodReadyToStartContainers", now);
	condition(conds, "Initialized", now);
	condition(conds, "Ready", now);
	condition(conds, "ContainersReady", now);
	condition(conds, "PodScheduled", now);
	cJSON_AddStringToObject(st, "hostIP", n->ip);
	cJSON *hips = cJSON_AddArrayToObject(st, "hostIPs");
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "ip", n->ip);
	cJSON_AddItemToArray(hips, h);
	cJSON_AddStringToObject(st, "podIP", ipbuf);
	cJSON *pips = cJSON_AddArrayToObject(st, "podIPs");
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "ip", ipbuf);
	cJSON_AddItemToArray(pips, p);
	const char *started = cube_json_str(pod, "status.startTime");
	cJSON_AddStringToObject(st, "startTime", started ? started : now);
	container_statuses(st, "initContainerStatuses", cube_json_path(pod, "spec.initContainers"),
			   uid, now, true);
	container_statuses(st, "containerStatuses", cube_json_path(pod, "spec.containers"), uid,
			   now, false);
	const char *qos = cube_json_str(pod, "status.qosClass");
	cJSON_AddStringToObject(st, "qosClass", qos ? qos : "BestEffort");
	*out = st;
	return 0;
}

static void release(hollow_state *s, const char *uid)
{
	pthread_mutex_lock(&s->mu);
	char *ip = cube_strmap_del(s->ips, uid);
	if (ip)
		cube_strmap_del(s->used, ip);
	pthread_mutex_unlock(&s->mu);
	free(ip);
}

static int hollow_kill(kubelet_node *n, const cJSON *pod, int grace_s, cube_err *err)
{
	(void)grace_s, (void)err;
	const char *uid = cube_obj_uid(pod);
	if (uid)
		release(n->runtime_state, uid);
	return 0;
}

static void hollow_forget(kubelet_node *n, const char *uid)
{
	release(n->runtime_state, uid);
}

static int free_ip(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	free(v);
	return 0;
}

static void hollow_cleanup(kubelet_node *n)
{
	hollow_state *s = n->runtime_state;
	if (!s)
		return;
	cube_strmap_each(s->ips, free_ip, NULL);
	cube_strmap_free(s->ips);
	cube_strmap_free(s->used);
	pthread_mutex_destroy(&s->mu);
	free(s);
	n->runtime_state = NULL;
}

/* ---- stats ---- */

#define HOLLOW_PERIOD_S 300.0
#define HOLLOW_NODE_CPU_NANO 50000000ULL
#define HOLLOW_NODE_MEMORY (256ULL << 20)

/* The container's request of `res` (its limit without one), or `dflt`, in
 * nano-units. */
static double request_nano(const cJSON *c, const char *res, double dflt)
{
	static const char *const from[] = {"resources.requests", "resources.limits"};
	for (int i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(cube_json_path(c, from[i]), res);
		cube_quantity q;
		if (v && cube_quantity_parse_json(v, &q, NULL) == 0 && q.nano > 0)
			return (double)q.nano;
	}
	return dflt;
}

static uint32_t hash_of(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	for (const char *s = a; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	for (const char *s = b; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int hollow_pod_stats(kubelet_node *n, const cJSON *pod, cube_ctr_stats *out, int max)
{
	(void)n;
	const char *phase = cube_json_str(pod, "status.phase");
	if (!phase || strcmp(phase, "Running"))
		return 0;
	double now = cube_time_wall(), since = running_since(pod);
	double up = since > 0 && now > since ? now - since : 0;
	const char *uid = cube_obj_uid(pod);
	int m = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "spec.containers")) {
		const char *name = cube_json_str(c, "name");
		if (!name || m >= max)
			continue;
		double phi = (double)(hash_of(uid, name) % 1000) / 1000.0 * 2 * M_PI;
		double wave = sin(2 * M_PI * now / HOLLOW_PERIOD_S + phi);
		double cpu = request_nano(c, "cpu", 1e6); /* nano-cores */
		double mem = request_nano(c, "memory", 4.0 * 1024 * 1024 * 1e9) / 1e9;
		cube_ctr_stats *s = &out[m++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
		if (since > 0)
			cube_time_format((time_t)since, s->start_time, sizeof(s->start_time));
		s->nano_cores = (int64_t)(cpu * (0.5 + 0.25 * wave));
		s->cpu_ns = (uint64_t)(cpu * 0.5 * up);
		uint64_t ws = (uint64_t)(mem * (0.6 + 0.1 * wave)) / 4096 * 4096;
		s->mem_working_set = ws;
		s->mem_rss = ws;
		s->mem_usage = ws + ws / 10;
	}
	return m;
}

static void hollow_node_stats(kubelet_node *n, const cube_ctr_stats *pods, cube_ctr_stats *out)
{
	(void)n;
	struct timespec boot; /* the system's share has run since boot */
	clock_gettime(CLOCK_BOOTTIME, &boot);
	*out = *pods;
	out->nano_cores =
		(pods->nano_cores > 0 ? pods->nano_cores : 0) + (int64_t)HOLLOW_NODE_CPU_NANO;
	out->cpu_ns += (uint64_t)boot.tv_sec * (HOLLOW_NODE_CPU_NANO);
	out->mem_working_set += HOLLOW_NODE_MEMORY;
	out->mem_rss += HOLLOW_NODE_MEMORY;
	out->mem_usage += HOLLOW_NODE_MEMORY + HOLLOW_NODE_MEMORY / 10;
}

const cube_runtime_ops cube_hollow_runtime = {
	.name = "hollow",
	.init = hollow_init,
	.sync_pod = hollow_sync,
	.kill_pod = hollow_kill,
	.forget_pod = hollow_forget,
	.cleanup = hollow_cleanup,
	.pod_stats = hollow_pod_stats,
	.node_stats = hollow_node_stats,
	.version = "1.0.0",
};
