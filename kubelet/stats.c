/* stats.c - the cubelet's resource stats, as the kubelet's Summary API
 * serves them (what metrics-server, and here the API server's metrics.k8s.io,
 * reads for `kubectl top`):
 *
 *   GET /stats/summary
 *   {"node": {"nodeName", "startTime", "cpu": {"time", "usageNanoCores",
 *             "usageCoreNanoSeconds"}, "memory": {"time", "availableBytes",
 *             "usageBytes", "workingSetBytes", "rssBytes", "pageFaults",
 *             "majorPageFaults"}},
 *    "pods": [{"podRef": {"name", "namespace", "uid"}, "startTime",
 *              "containers": [{"name", "startTime", "cpu", "memory"}],
 *              "cpu", "memory"}]}
 *
 * The runtime reports each running container (runtime op pod_stats): the
 * runc runtime reads its cgroup (stats_cgroup_read: cgroup v1's
 * cpuacct.usage, memory.usage_in_bytes and memory.stat, or v2's cpu.stat,
 * memory.current and memory.stat), the hollow runtime makes figures up from
 * the pod's requests.  A pod's figures are the sum of its containers'.  The
 * working set is usage minus inactive file pages, as cAdvisor computes it.
 *
 * usageNanoCores is a rate: the growth of the cumulative CPU time between
 * two samples (stats_cpu_feed), kept per container attempt (its cgroup).  A
 * sampler thread takes a sample every SAMPLE_S seconds when the runtime
 * asks for it (stats_sampled), as cAdvisor's housekeeping does, so that a
 * rate is there when a request comes; a request also feeds the window when
 * the last sample is at least MIN_GAP_S old.  Entries not seen for
 * FORGET_S are dropped.
 *
 * The node's own figures are the machine's (/proc/stat, /proc/meminfo,
 * /proc/vmstat: what a kubelet reports from the root cgroup), unless the
 * runtime computes them (node_stats: the hollow runtime).  Lab nodes share
 * one machine, so each reports the whole machine's usage.
 *
 * A hollow fleet serves every node of the process on one port: the node is
 * the one whose InternalIP the request's Host header names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubelet.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"

#define SAMPLE_S 10
#define MIN_GAP_S 1
#define FORGET_S 300
#define MAX_CONTAINERS 64
#define NS_PER_S 1000000000LL

typedef struct sample_entry {
	cube_cpu_window w;
	int64_t seen_ns;
} sample_entry;

typedef struct stats_state {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	cube_strmap *windows; /* key -> sample_entry* */
	pthread_t sampler;
	bool sampler_started;
	bool stop;
	char start_time[40]; /* the cubelet's start: the node's startTime */
} stats_state;

/* ---- pure parts ---- */

int64_t stats_cpu_feed(cube_cpu_window *w, int64_t t_ns, uint64_t cpu_ns, int64_t min_gap_ns)
{
	if (!w->have || cpu_ns < w->cpu_ns || t_ns < w->t_ns) {
		w->have = true;
		w->t_ns = t_ns;
		w->cpu_ns = cpu_ns;
		w->rate = -1;
		return -1;
	}
	if (t_ns - w->t_ns < min_gap_ns || t_ns == w->t_ns)
		return w->rate;
	__int128 d = (__int128)(cpu_ns - w->cpu_ns) * NS_PER_S / (t_ns - w->t_ns);
	w->rate = d > INT64_MAX ? INT64_MAX : (int64_t)d;
	w->t_ns = t_ns;
	w->cpu_ns = cpu_ns;
	return w->rate;
}

bool stats_self_cgroup(const char *text, const char *controller, char *buf, size_t size)
{
	/* "N:ctrl1,ctrl2:/path" (v1) or "0::/path" (v2) */
	const char *line = text;
	size_t clen = strlen(controller);
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			bool match = false;
			if (!clen) {
				match = c2 == c1 + 1;
			} else {
				for (const char *p = c1 + 1; p < c2;) {
					const char *comma = memchr(p, ',', (size_t)(c2 - p));
					const char *e = comma ? comma : c2;
					if ((size_t)(e - p) == clen &&
					    !strncmp(p, controller, clen))
						match = true;
					p = e + 1;
				}
			}
			if (match) {
				snprintf(buf, size, "%.*s", (int)(len - (size_t)(c2 + 1 - line)),
					 c2 + 1);
				return true;
			}
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool stats_kv(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);
	for (const char *line = text; line && *line;) {
		if (!strncmp(line, key, kl) &&
		    (line[kl] == ' ' || line[kl] == ':' || line[kl] == '\t')) {
			const char *v = line + kl + (line[kl] == ':');
			while (*v == ' ' || *v == '\t')
				v++;
			char *end;
			errno = 0;
			unsigned long long n = strtoull(v, &end, 10);
			if (end == v || errno)
				return false;
			*out = n;
			return true;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

/* ---- reading files ---- */

static bool slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return true;
}

static bool read_u64(const char *path, uint64_t *out)
{
	char buf[64];
	if (!slurp(path, buf, sizeof(buf)))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (end == buf || errno)
		return false;
	*out = v;
	return true;
}

static bool cgroup_v2(void)
{
	return access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
}

bool stats_cgroup_dir(const char *controller, const char *path, char *buf, size_t size)
{
	bool v2 = cgroup_v2();
	if (path[0] == '/') {
		if (v2)
			snprintf(buf, size, "/sys/fs/cgroup%s", path);
		else
			snprintf(buf, size, "/sys/fs/cgroup/%s%s", controller, path);
		return true;
	}
	char text[4096], self[1024];
	if (!slurp("/proc/self/cgroup", text, sizeof(text)) ||
	    !stats_self_cgroup(text, v2 ? "" : controller, self, sizeof(self)))
		return false;
	const char *base = strcmp(self, "/") ? self : "";
	if (v2)
		snprintf(buf, size, "/sys/fs/cgroup%s/%s", base, path);
	else
		snprintf(buf, size, "/sys/fs/cgroup/%s%s/%s", controller, base, path);
	return true;
}

/* Reads `file` of cgroup `path` of `controller` into buf. */
static bool cg_file(const char *controller, const char *path, const char *file, char *buf,
		    size_t size)
{
	char dir[2048], full[2200];
	if (!stats_cgroup_dir(controller, path, dir, sizeof(dir)))
		return false;
	snprintf(full, sizeof(full), "%s/%s", dir, file);
	return slurp(full, buf, size);
}

static void working_set(cube_ctr_stats *out, uint64_t inactive_file)
{
	out->mem_working_set = out->mem_usage > inactive_file ? out->mem_usage - inactive_file : 0;
}

bool stats_cgroup_read(const char *path, cube_ctr_stats *out)
{
	char buf[8192];
	uint64_t v = 0, inactive = 0;
	if (cgroup_v2()) {
		if (!cg_file("", path, "cpu.stat", buf, sizeof(buf)) ||
		    !stats_kv(buf, "usage_usec", &v))
			return false;
		out->cpu_ns = v * 1000;
		if (!cg_file("", path, "memory.current", buf, sizeof(buf)))
			return false;
		out->mem_usage = strtoull(buf, NULL, 10);
		if (cg_file("", path, "memory.stat", buf, sizeof(buf))) {
			stats_kv(buf, "inactive_file", &inactive);
			stats_kv(buf, "anon", &out->mem_rss);
			stats_kv(buf, "pgfault", &out->page_faults);
			stats_kv(buf, "pgmajfault", &out->major_page_faults);
		}
	} else {
		char dir[2048], full[2200];
		if (!stats_cgroup_dir("cpuacct", path, dir, sizeof(dir)))
			return false;
		snprintf(full, sizeof(full), "%s/cpuacct.usage", dir);
		if (!read_u64(full, &out->cpu_ns))
			return false;
		if (!stats_cgroup_dir("memory", path, dir, sizeof(dir)))
			return false;
		snprintf(full, sizeof(full), "%s/memory.usage_in_bytes", dir);
		if (!read_u64(full, &out->mem_usage))
			return false;
		if (cg_file("memory", path, "memory.stat", buf, sizeof(buf))) {
			stats_kv(buf, "total_inactive_file", &inactive);
			stats_kv(buf, "total_rss", &out->mem_rss);
			stats_kv(buf, "total_pgfault", &out->page_faults);
			stats_kv(buf, "total_pgmajfault", &out->major_page_faults);
		}
	}
	working_set(out, inactive);
	return true;
}

/* The machine's figures: CPU time of /proc/stat's first line (all but idle
 * and iowait; guest time is inside user), memory from /proc/meminfo. */
static void machine_stats(cube_ctr_stats *out, uint64_t *available)
{
	char buf[16384];
	if (slurp("/proc/stat", buf, sizeof(buf))) {
		unsigned long long u = 0, ni = 0, sy = 0, id = 0, io = 0, irq = 0, sirq = 0, st = 0;
		if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &u, &ni, &sy, &id,
			   &io, &irq, &sirq, &st) >= 4) {
			long hz = sysconf(_SC_CLK_TCK);
			out->cpu_ns = (uint64_t)(u + ni + sy + irq + sirq + st) *
				      (uint64_t)(NS_PER_S / (hz > 0 ? hz : 100));
		}
	}
	uint64_t total = 0, free_kb = 0, inactive = 0, avail = 0, anon = 0;
	if (slurp("/proc/meminfo", buf, sizeof(buf))) {
		stats_kv(buf, "MemTotal", &total);
		stats_kv(buf, "MemFree", &free_kb);
		stats_kv(buf, "MemAvailable", &avail);
		stats_kv(buf, "Inactive(file)", &inactive);
		stats_kv(buf, "AnonPages", &anon);
	}
	out->mem_usage = (total > free_kb ? total - free_kb : 0) * 1024;
	working_set(out, inactive * 1024);
	out->mem_rss = anon * 1024;
	*available = avail * 1024;
	if (slurp("/proc/vmstat", buf, sizeof(buf))) {
		stats_kv(buf, "pgfault", &out->page_faults);
		stats_kv(buf, "pgmajfault", &out->major_page_faults);
	}
}

/* ---- samples ---- */

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* The rate of s's counter (s->nano_cores when the runtime gave one). */
static int64_t rate_of(stats_state *st, const cube_ctr_stats *s, int64_t now)
{
	if (s->nano_cores >= 0 || !s->key[0])
		return s->nano_cores;
	pthread_mutex_lock(&st->mu);
	sample_entry *e = cube_strmap_get(st->windows, s->key);
	if (!e && (e = calloc(1, sizeof(*e))) != NULL &&
	    cube_strmap_put(st->windows, s->key, e, NULL) < 0) {
		free(e);
		e = NULL;
	}
	int64_t r = -1;
	if (e) {
		e->seen_ns = now;
		r = stats_cpu_feed(&e->w, now, s->cpu_ns, MIN_GAP_S * NS_PER_S);
	}
	pthread_mutex_unlock(&st->mu);
	return r;
}

static void add_cpu(cJSON *o, const char *now, const cube_ctr_stats *s, int64_t rate)
{
	cJSON *c = cJSON_AddObjectToObject(o, "cpu");
	cJSON_AddStringToObject(c, "time", now);
	if (rate >= 0)
		cJSON_AddNumberToObject(c, "usageNanoCores", (double)rate);
	cJSON_AddNumberToObject(c, "usageCoreNanoSeconds", (double)s->cpu_ns);
}

static void add_memory(cJSON *o, const char *now, const cube_ctr_stats *s, uint64_t available)
{
	cJSON *m = cJSON_AddObjectToObject(o, "memory");
	cJSON_AddStringToObject(m, "time", now);
	if (available)
		cJSON_AddNumberToObject(m, "availableBytes", (double)available);
	cJSON_AddNumberToObject(m, "usageBytes", (double)s->mem_usage);
	cJSON_AddNumberToObject(m, "workingSetBytes", (double)s->mem_working_set);
	cJSON_AddNumberToObject(m, "rssBytes", (double)s->mem_rss);
	cJSON_AddNumberToObject(m, "pageFaults", (double)s->page_faults);
	cJSON_AddNumberToObject(m, "majorPageFaults", (double)s->major_page_faults);
}

static void sum_into(cube_ctr_stats *t, const cube_ctr_stats *s, int64_t rate, bool *rate_known)
{
	t->cpu_ns += s->cpu_ns;
	t->mem_usage += s->mem_usage;
	t->mem_working_set += s->mem_working_set;
	t->mem_rss += s->mem_rss;
	t->page_faults += s->page_faults;
	t->major_page_faults += s->major_page_faults;
	if (rate < 0)
		*rate_known = false;
	else
		t->nano_cores += rate;
}

/* The pods bound to node n (new references). */
static size_t node_pods(cubelet *k, kubelet_node *n, cube_robj ***out)
{
	if (!k->pods) {
		*out = NULL;
		return 0;
	}
	if (k->n_nodes > 1)
		return cube_informer_by_index(k->pods, "node", n->name, out);
	return cube_informer_list(k->pods, out);
}

/* The summary of node n (its figures feed the CPU windows); NULL when out
 * of memory. */
static cJSON *summary(cubelet *k, kubelet_node *n)
{
	stats_state *st = k->stats;
	int64_t now_ns = mono_ns();
	char now[40];
	cube_time_now(now, sizeof(now));
	cJSON *doc = cJSON_CreateObject();
	cJSON *node = cJSON_AddObjectToObject(doc, "node");
	cJSON *pods = cJSON_AddArrayToObject(doc, "pods");
	cJSON_AddStringToObject(node, "nodeName", n->name);
	cJSON_AddStringToObject(node, "startTime", st->start_time);
	cube_ctr_stats total = {0};
	bool total_rate = true;
	cube_robj **objs = NULL;
	size_t cnt = node_pods(k, n, &objs);
	cube_ctr_stats *cs = calloc(MAX_CONTAINERS, sizeof(*cs));
	for (size_t i = 0; cs && i < cnt && k->rt->pod_stats; i++) {
		const cJSON *pod = objs[i]->json;
		const char *node_name = cube_json_str(pod, "spec.nodeName");
		if (!node_name || strcmp(node_name, n->name))
			continue;
		int m = k->rt->pod_stats(n, pod, cs, MAX_CONTAINERS);
		if (m <= 0)
			continue;
		cJSON *p = cJSON_CreateObject();
		cJSON *ref = cJSON_AddObjectToObject(p, "podRef");
		cJSON_AddStringToObject(ref, "name", cube_obj_name(pod));
		cJSON_AddStringToObject(ref, "namespace", cube_obj_namespace(pod));
		cJSON_AddStringToObject(ref, "uid", cube_obj_uid(pod));
		const char *started = cube_json_str(pod, "status.startTime");
		if (started)
			cJSON_AddStringToObject(p, "startTime", started);
		cJSON *ctrs = cJSON_AddArrayToObject(p, "containers");
		cube_ctr_stats pod_total = {0};
		bool pod_rate = true;
		for (int j = 0; j < m; j++) {
			int64_t rate = rate_of(st, &cs[j], now_ns);
			cJSON *c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "name", cs[j].name);
			if (cs[j].start_time[0])
				cJSON_AddStringToObject(c, "startTime", cs[j].start_time);
			add_cpu(c, now, &cs[j], rate);
			add_memory(c, now, &cs[j], 0);
			cJSON_AddItemToArray(ctrs, c);
			sum_into(&pod_total, &cs[j], rate, &pod_rate);
		}
		add_cpu(p, now, &pod_total, pod_rate ? pod_total.nano_cores : -1);
		add_memory(p, now, &pod_total, 0);
		cJSON_AddItemToArray(pods, p);
		sum_into(&total, &pod_total, pod_rate ? pod_total.nano_cores : -1, &total_rate);
	}
	cube_robj_list_free(objs, cnt);
	free(cs);
	cube_ctr_stats ns = {.nano_cores = -1};
	uint64_t available = 0;
	if (k->rt->node_stats) {
		total.nano_cores = total_rate ? total.nano_cores : -1;
		k->rt->node_stats(n, &total, &ns);
		available = n->memory_bytes > (int64_t)ns.mem_working_set
				    ? (uint64_t)n->memory_bytes - ns.mem_working_set
				    : 0;
	} else {
		machine_stats(&ns, &available);
		snprintf(ns.key, sizeof(ns.key), "node/%s", n->name);
	}
	add_cpu(node, now, &ns, rate_of(st, &ns, now_ns));
	add_memory(node, now, &ns, available);
	return doc;
}

/* ---- the sampler ---- */

/* Drops the windows of attempts not seen for FORGET_S (under st->mu). */
static void forget_stale(stats_state *st, int64_t now)
{
	size_t nk = cube_strmap_len(st->windows);
	const char **keys = calloc(nk ? nk : 1, sizeof(*keys));
	if (!keys)
		return;
	cube_strmap_sorted_keys(st->windows, keys);
	for (size_t i = 0; i < nk; i++) {
		char key[sizeof(((cube_ctr_stats *)0)->key) + 64];
		snprintf(key, sizeof(key), "%s", keys[i]);
		sample_entry *e = cube_strmap_get(st->windows, key);
		if (e && now - e->seen_ns > FORGET_S * NS_PER_S)
			free(cube_strmap_del(st->windows, key));
	}
	free(keys);
}

static void *sampler_main(void *arg)
{
	cubelet *k = arg;
	stats_state *st = k->stats;
	pthread_mutex_lock(&st->mu);
	while (!st->stop) {
		pthread_mutex_unlock(&st->mu);
		for (size_t i = 0; i < k->n_nodes; i++)
			cJSON_Delete(summary(k, &k->nodes[i]));
		pthread_mutex_lock(&st->mu);
		forget_stale(st, mono_ns());
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SAMPLE_S;
		while (!st->stop &&
		       pthread_cond_timedwait(&st->cond, &st->mu, &until) != ETIMEDOUT) {
		}
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

int stats_start(cubelet *k, cube_err *err)
{
	stats_state *st = calloc(1, sizeof(*st));
	if (!st || !(st->windows = cube_strmap_new())) {
		free(st);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cond, NULL);
	cube_time_now(st->start_time, sizeof(st->start_time));
	k->stats = st;
	if (k->rt->pod_stats && k->rt->stats_sampled) {
		if (pthread_create(&st->sampler, NULL, sampler_main, k) != 0)
			return cube_err_set(err, CUBE_EIO, "cannot start the stats sampler");
		st->sampler_started = true;
	}
	return 0;
}

static int free_entry(void *ud, const char *key, void *value)
{
	(void)ud;
	(void)key;
	free(value);
	return 0;
}

void stats_stop(cubelet *k)
{
	stats_state *st = k->stats;
	if (!st)
		return;
	pthread_mutex_lock(&st->mu);
	st->stop = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->mu);
	if (st->sampler_started)
		pthread_join(st->sampler, NULL);
	cube_strmap_each(st->windows, free_entry, NULL);
	cube_strmap_free(st->windows);
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->mu);
	free(st);
	k->stats = NULL;
}

/* ---- the handler ---- */

/* The node a request is for: the only one, or (a hollow fleet) the one
 * whose InternalIP the Host header names. */
static kubelet_node *request_node(cubelet *k, cube_httpd_req *req)
{
	if (k->n_nodes == 1)
		return &k->nodes[0];
	const char *host = cube_httpd_header(req, "Host");
	if (!host)
		return NULL;
	char h[128];
	snprintf(h, sizeof(h), "%s", host);
	char *colon = strrchr(h, ':');
	if (colon && !strchr(colon, ']'))
		*colon = '\0';
	for (size_t i = 0; i < k->n_nodes; i++)
		if (!strcmp(k->nodes[i].ip, h))
			return &k->nodes[i];
	return NULL;
}

bool stats_handle(void *ud, cube_httpd_req *req)
{
	cubelet *k = ud;
	const char *path = cube_httpd_path(req);
	if (strcmp(path, "/stats/summary") && strcmp(path, "/stats/summary/"))
		return false;
	if (strcmp(cube_httpd_method(req), "GET")) {
		cube_httpd_respond_status(req, 405, "MethodNotAllowed", NULL,
					  "the server does not allow this method");
		return true;
	}
	kubelet_node *n = request_node(k, req);
	if (!n || !k->stats) {
		cube_httpd_respond_status(
			req, 404, "NotFound", NULL, "no node of this cubelet has the address %s",
			cube_httpd_header(req, "Host") ? cube_httpd_header(req, "Host") : "(none)");
		return true;
	}
	cube_autojson cJSON *doc = summary(k, n);
	if (!doc)
		cube_httpd_respond_status(req, 500, "InternalError", NULL, "out of memory");
	else
		cube_httpd_respond_json(req, 200, doc);
	return true;
}
