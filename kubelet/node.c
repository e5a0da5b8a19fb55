/* node.c - a node's life in the API: registration, conditions, the Lease
 * heartbeat in kube-node-lease (every 10 s, what the node lifecycle
 * controller watches), and a full status report every 5 minutes or when
 * something changed, as the kubelet's node status manager does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "cleanup.h"
#include "cubelet.h"
#include "leaderelect.h"
#include "log.h"
#include "ktime.h"
#include "obj.h"
#include "quantity.h"

#define STATUS_REPORT_MS (5 * 60 * 1000)

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add_condition(cJSON *conds, const char *type, const char *status, const char *reason,
			  const char *message, const char *now)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastHeartbeatTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", message);
	cJSON_AddItemToArray(conds, c);
}

static void add_quantity(cJSON *o, const char *name, int64_t milli_or_value, bool milli)
{
	char buf[48];
	cube_quantity q = milli ? cube_quantity_from_milli(milli_or_value, CUBE_QTY_DECIMAL_SI)
				: cube_quantity_from_value(milli_or_value, CUBE_QTY_BINARY_SI);
	cube_quantity_format(&q, buf, sizeof(buf));
	cJSON_AddStringToObject(o, name, buf);
}

static void add_condition_since(cJSON *conds, const char *type, bool on, const char *since,
				const char *const text[4], const char *now)
{
	add_condition(conds, type, on ? "True" : "False", text[on ? 2 : 0], text[on ? 3 : 1], now);
	cJSON *c = cJSON_GetArrayItem(conds, cJSON_GetArraySize(conds) - 1);
	cube_json_set_str(c, "lastTransitionTime", since);
}

/* The node's status as this cubelet reports it. New tree. */
static cJSON *node_status(kubelet_node *n)
{
	cubelet *k = n->k;
	char now[32];
	cube_time_now(now, sizeof(now));
	cJSON *st = cJSON_CreateObject();
	node_resources capacity = {n->cpu_milli, n->memory_bytes, n->storage_bytes};
	node_resources alloc =
		node_allocatable(&capacity, &k->kube_reserved, &k->system_reserved, &k->hard);
	cJSON *cap = cJSON_AddObjectToObject(st, "capacity");
	add_quantity(cap, "cpu", capacity.cpu_milli, true);
	add_quantity(cap, "memory", capacity.memory, false);
	add_quantity(cap, "pods", n->max_pods, false);
	add_quantity(cap, "ephemeral-storage", capacity.storage, false);
	cJSON *al = cJSON_AddObjectToObject(st, "allocatable");
	add_quantity(al, "cpu", alloc.cpu_milli, true);
	add_quantity(al, "memory", alloc.memory, false);
	add_quantity(al, "pods", n->max_pods, false);
	add_quantity(al, "ephemeral-storage", alloc.storage, false);
	cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
	static const char *const mem[4] = {
		"KubeletHasSufficientMemory", "kubelet has sufficient memory available",
		"KubeletHasInsufficientMemory", "kubelet has insufficient memory available"};
	static const char *const disk[4] = {"KubeletHasNoDiskPressure",
					    "kubelet has no disk pressure",
					    "KubeletHasDiskPressure", "kubelet has disk pressure"};
	static const char *const pid[4] = {"KubeletHasSufficientPID",
					   "kubelet has sufficient PID available", "", ""};
	static const char *const ready[4] = {"", "", "KubeletReady",
					     "kubelet is posting ready status"};
	pthread_mutex_lock(&n->mu);
	add_condition_since(conds, "MemoryPressure", n->mem_pressure, n->mem_since, mem, now);
	add_condition_since(conds, "DiskPressure", n->disk_pressure, n->disk_since, disk, now);
	add_condition_since(conds, "PIDPressure", false, n->ready_since, pid, now);
	add_condition_since(conds, "Ready", true, n->ready_since, ready, now);
	pthread_mutex_unlock(&n->mu);
	cJSON *addrs = cJSON_AddArrayToObject(st, "addresses");
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "InternalIP");
	cJSON_AddStringToObject(a, "address", n->ip);
	cJSON_AddItemToArray(addrs, a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "Hostname");
	cJSON_AddStringToObject(a, "address", n->name);
	cJSON_AddItemToArray(addrs, a);
	cJSON *de = cJSON_AddObjectToObject(st, "daemonEndpoints");
	cJSON *kep = cJSON_AddObjectToObject(de, "kubeletEndpoint");
	cJSON_AddNumberToObject(kep, "Port", k->cfg.port);
	struct utsname u;
	uname(&u);
	cJSON *ni = cJSON_AddObjectToObject(st, "nodeInfo");
	cJSON_AddStringToObject(ni, "machineID", "");
	cJSON_AddStringToObject(ni, "systemUUID", "");
	cJSON_AddStringToObject(ni, "bootID", "");
	cJSON_AddStringToObject(ni, "kernelVersion", u.release);
	cJSON_AddStringToObject(ni, "osImage", "cube");
	char rtv[64];
	snprintf(rtv, sizeof(rtv), "%s://%s", k->rt->name, k->rt->version);
	cJSON_AddStringToObject(ni, "containerRuntimeVersion", rtv);
	cJSON_AddStringToObject(ni, "kubeletVersion", "v1.32.0-cube");
	cJSON_AddStringToObject(ni, "kubeProxyVersion", "");
	cJSON_AddStringToObject(ni, "operatingSystem", "linux");
	cJSON_AddStringToObject(ni, "architecture", "amd64");
	cJSON *images = k->rt->node_images ? k->rt->node_images(n) : NULL;
	if (images)
		cJSON_AddItemToObject(st, "images", images);
	return st;
}

static cJSON *node_object(kubelet_node *n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Node");
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", n->name);
	cJSON *labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/hostname", n->name);
	cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/arch", "amd64");
	if (n->k->cfg.hollow_nodes)
		cJSON_AddStringToObject(labels, "cube.io/hollow", "true");
	const char *extra = n->k->cfg.node_labels;
	if (extra && extra[0]) {
		cube_autofree char *copy = strdup(extra);
		char *save = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			if (eq) {
				*eq = '\0';
				cube_json_set_str(labels, kv, eq + 1);
			}
		}
	}
	cJSON *ann = cJSON_AddObjectToObject(md, "annotations");
	cJSON_AddStringToObject(ann, "node.alpha.kubernetes.io/ttl", "0");
	cJSON *spec = cJSON_AddObjectToObject(o, "spec");
	if (n->pod_cidr[0]) {
		cJSON_AddStringToObject(spec, "podCIDR", n->pod_cidr);
		cJSON *arr = cJSON_AddArrayToObject(spec, "podCIDRs");
		cJSON_AddItemToArray(arr, cJSON_CreateString(n->pod_cidr));
	}
	cJSON_AddItemToObject(o, "status", node_status(n));
	return o;
}

int node_register(kubelet_node *n, cube_err *err)
{
	cubelet *k = n->k;
	cube_autojson cJSON *o = node_object(n);
	cube_err cerr = CUBE_ERR_INIT;
	cube_autojson cJSON *made = cube_kclient_create(k->client, &CUBE_GVR_NODES, NULL, o, &cerr);
	if (!made && cerr.code != CUBE_EEXIST) {
		*err = cerr;
		return cube_err_prefix(err, "registering node %s", n->name);
	}
	if (!made) {
		/* Registered before (a restart): report our status, keep its spec. */
		cube_autojson cJSON *cur =
			cube_kclient_get(k->client, &CUBE_GVR_NODES, NULL, n->name, err);
		if (!cur)
			return cube_err_prefix(err, "reading node %s", n->name);
		const char *cidr = cube_json_str(cur, "spec.podCIDR");
		if (cidr && cidr[0])
			snprintf(n->pod_cidr, sizeof(n->pod_cidr), "%s", cidr);
		cJSON_DeleteItemFromObjectCaseSensitive(cur, "status");
		cJSON_AddItemToObject(cur, "status", node_status(n));
		cube_autojson cJSON *upd =
			cube_kclient_update(k->client, &CUBE_GVR_NODES, NULL, cur, "status", err);
		if (!upd)
			return cube_err_prefix(err, "reporting node %s status", n->name);
	}
	n->registered = true;
	n->next_status_ms = mono_ms() + STATUS_REPORT_MS;
	return 0;
}

/* Renews the node's Lease (creating it the first time). */
int node_heartbeat(kubelet_node *n, cube_err *err)
{
	cubelet *k = n->k;
	char now[40];
	cube_micro_time(now, sizeof(now));
	pthread_mutex_lock(&n->mu);
	cJSON *lease = n->lease ? cube_obj_copy(n->lease) : NULL;
	pthread_mutex_unlock(&n->mu);
	cJSON *out = NULL;
	for (int attempt = 0; attempt < 2 && !out; attempt++) {
		if (!lease) {
			cube_err gerr = CUBE_ERR_INIT;
			lease = cube_kclient_get(k->client, &CUBE_GVR_LEASES, "kube-node-lease",
						 n->name, &gerr);
			if (!lease && gerr.code != CUBE_ENOTFOUND) {
				*err = gerr;
				return -1;
			}
		}
		if (!lease) {
			lease = cJSON_CreateObject();
			cJSON_AddStringToObject(lease, "apiVersion", "coordination.k8s.io/v1");
			cJSON_AddStringToObject(lease, "kind", "Lease");
			cJSON *md = cJSON_AddObjectToObject(lease, "metadata");
			cJSON_AddStringToObject(md, "name", n->name);
			cJSON_AddStringToObject(md, "namespace", "kube-node-lease");
			cJSON *spec = cJSON_AddObjectToObject(lease, "spec");
			cJSON_AddStringToObject(spec, "holderIdentity", n->name);
			cJSON_AddNumberToObject(spec, "leaseDurationSeconds", 40);
			cJSON_AddStringToObject(spec, "renewTime", now);
			out = cube_kclient_create(k->client, &CUBE_GVR_LEASES, "kube-node-lease",
						  lease, err);
		} else {
			cJSON *spec = cube_json_ensure_obj(lease, "spec");
			cube_json_set_str(spec, "renewTime", now);
			out = cube_kclient_update(k->client, &CUBE_GVR_LEASES, "kube-node-lease",
						  lease, NULL, err);
		}
		if (!out) {
			/* Someone else changed it (or it exists already): read it again once. */
			cJSON_Delete(lease);
			lease = NULL;
			if (err->code != CUBE_ECONFLICT && err->code != CUBE_EEXIST)
				break;
		}
	}
	cJSON_Delete(lease);
	if (!out)
		return -1;
	pthread_mutex_lock(&n->mu);
	cJSON_Delete(n->lease);
	n->lease = out;
	pthread_mutex_unlock(&n->mu);
	return 0;
}

bool node_pressure_check(kubelet_node *n)
{
	node_signals sig;
	if (node_signals_read(n->k->cfg.root_dir, &sig) < 0)
		return false;
	bool mem = memory_pressure(&sig, &n->k->hard), disk = disk_pressure(&sig, &n->k->hard);
	char now[32];
	cube_time_now(now, sizeof(now));
	pthread_mutex_lock(&n->mu);
	bool changed = mem != n->mem_pressure || disk != n->disk_pressure;
	if (mem != n->mem_pressure)
		snprintf(n->mem_since, sizeof(n->mem_since), "%s", now);
	if (disk != n->disk_pressure)
		snprintf(n->disk_since, sizeof(n->disk_since), "%s", now);
	n->mem_pressure = mem;
	n->disk_pressure = disk;
	pthread_mutex_unlock(&n->mu);
	if (changed)
		cube_log_info("node %s: MemoryPressure %s, DiskPressure %s (memory available %lld "
			      "MiB, %s filesystem available %lld MiB)",
			      n->name, mem ? "True" : "False", disk ? "True" : "False",
			      (long long)(sig.mem_available >> 20), n->k->cfg.root_dir,
			      (long long)(sig.fs_available >> 20));
	return changed;
}

/* Reports a node's full status (the 5-minute report). */
static int node_report(kubelet_node *n, cube_err *err)
{
	cube_autojson cJSON *patch = cJSON_CreateObject();
	cJSON_AddItemToObject(patch, "status", node_status(n));
	cube_autojson cJSON *out = cube_kclient_patch(n->k->client, &CUBE_GVR_NODES, NULL, n->name,
						      "status", "strategic", patch, err);
	return out ? 0 : -1;
}

/* The node lifecycle controller marks a silent node Ready=Unknown; once this
 * node is heard again, it says Ready=True at once (as the kubelet does when
 * its status differs from what the API holds), not at the next 5-minute
 * report. */
static void node_seen(void *ud, cube_robj *o)
{
	cubelet *k = ud;
	kubelet_node *n = cube_strmap_get(k->by_name, cube_obj_name(o->json));
	if (!n)
		return;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(o->json, "status.conditions")) {
		const char *t = cube_json_str(c, "type"), *s = cube_json_str(c, "status");
		if (t && !strcmp(t, "Ready") && (!s || strcmp(s, "True")))
			atomic_store(&n->report_now, true);
	}
}

static void node_changed(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	node_seen(ud, cur);
}

int nodes_watch(cubelet *k, cube_err *err)
{
	char fs[200] = "";
	if (k->n_nodes == 1)
		snprintf(fs, sizeof(fs), "metadata.name=%s", k->nodes[0].name);
	cube_informer_opts io = {.gvr = &CUBE_GVR_NODES, .field_selector = fs[0] ? fs : NULL};
	if (!(k->node_inf = cube_informer_new(k->client, &io, err)))
		return -1;
	cube_informer_handlers h = {.on_add = node_seen, .on_update = node_changed, .ud = k};
	if (cube_informer_add_handlers(k->node_inf, &h, err) < 0 ||
	    cube_informer_start(k->node_inf, err) < 0)
		return -1;
	return 0;
}

/* One thread renews every node's Lease, spread over the heartbeat period
 * (1,000 hollow nodes: one renewal every 10 ms, not a burst every 10 s). */
void *node_heartbeat_main(void *arg)
{
	cubelet *k = arg;
	int64_t period = (int64_t)k->cfg.heartbeat_s * 1000;
	int64_t start = mono_ms();
	for (size_t i = 0; i < k->n_nodes; i++)
		k->nodes[i].next_heartbeat_ms =
			start + (int64_t)(period * (double)i / (double)k->n_nodes);
	while (!atomic_load(&k->stop)) {
		int64_t now = mono_ms(), next = now + 200;
		for (size_t i = 0; i < k->n_nodes && !atomic_load(&k->stop); i++) {
			kubelet_node *n = &k->nodes[i];
			if (!n->registered) {
				cube_err err = CUBE_ERR_INIT;
				if (node_register(n, &err) < 0) {
					cube_log_warn("%s", err.msg);
					continue;
				}
			}
			if (now >= n->next_heartbeat_ms) {
				cube_err err = CUBE_ERR_INIT;
				if (node_heartbeat(n, &err) < 0)
					cube_log_warn("node %s: heartbeat: %s", n->name, err.msg);
				else
					cube_metric_add(k->m_heartbeats, NULL, 1);
				n->next_heartbeat_ms += period;
				if (n->next_heartbeat_ms < now)
					n->next_heartbeat_ms = now + period;
				/* the eviction manager's look at the machine, with each beat */
				if (!k->cfg.hollow_nodes && node_pressure_check(n))
					atomic_store(&n->report_now, true);
			}
			if (now >= n->next_status_ms || atomic_exchange(&n->report_now, false)) {
				cube_err err = CUBE_ERR_INIT;
				if (node_report(n, &err) < 0)
					cube_log_warn("node %s: status report: %s", n->name,
						      err.msg);
				n->next_status_ms = now + STATUS_REPORT_MS;
			}
			if (n->next_heartbeat_ms < next)
				next = n->next_heartbeat_ms;
		}
		int64_t wait = next - mono_ms();
		if (wait > 200)
			wait = 200;
		if (wait > 0)
			nanosleep(&(struct timespec){0, wait * 1000000L}, NULL);
	}
	return NULL;
}
