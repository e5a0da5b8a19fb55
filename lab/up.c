/* up.c - the lab: a multi-node cluster on one machine (cube up, down,
 * status, exec), after ../shared/DESIGN.md's network plan.
 *
 *   root namespace   etcd (127.0.0.1), cube-apiserver (on the lab bridge's
 *                    address), cube-scheduler, cube-controller-manager;
 *                    the lab bridge cb-<name> with SUBNET.1/24
 *   node i (1..N)    namespace cube-<name>-node<i>: eth0 = SUBNET.(i+1)/24,
 *                    its veth cb-<name>-<i> on the lab bridge; a cubelet
 *                    (pod CIDR 10.244.i.0/24) and a cube-proxy; the
 *                    cubelet keeps host-gw routes to the other nodes' pod
 *                    CIDRs through their node addresses, from the Nodes
 *
 * Everything the lab starts is recorded under its directory (--dir,
 * default .lab/<name>): lab.json (what was made), run/<proc>.pid (stopped
 * by these PIDs, never by name), logs/<proc>.log, kubeconfig, etcd/ and
 * nodes/<node>/ (each cubelet's root dir).  `cube down` stops and removes
 * exactly what lab.json and run/ name.  No namespace gets a default route:
 * traffic to an address nobody routes fails instead of leaving the machine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "flags.h"
#include "http.h"
#include "kclient.h"
#include "lab.h"
#include "log.h"
#include "netlink.h"
#include "netns.h"
#include "obj.h"

#define MAX_NODES 16

typedef struct lab {
	const char *name;
	char dir[512];
	int nodes;
	char subnet[32]; /* "172.30.0" (a /24) */
	int api_port, etcd_port;
	int grace_s, eviction_s; /* --node-monitor-grace-period, --pod-eviction-timeout */
	const char *runtime;
	const char *backend;
	const char *bin; /* directory of the cube binaries */
	double t0;
	char buf_runtime[16], buf_backend[16], buf_bin[512]; /* what load() read */
	bool present[MAX_NODES + 1]; /* node<i> exists (nodes counts them) */
} lab;

#define FOR_NODES(l, i)                      \
	for (int i = 1; i <= MAX_NODES; i++) \
		if ((l)->present[i])

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void step(lab *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(lab *l, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%-52s %6.2fs\n", msg, now_s() - l->t0);
	fflush(stdout);
}

static bool valid_name(const char *n)
{
	size_t len = n ? strlen(n) : 0;
	if (!len || len > 8)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9')))
			return false;
	return true;
}

static void lab_path(const lab *l, char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", l->dir, rel);
}

static void ns_name(const lab *l, int i, char *buf, size_t size)
{
	snprintf(buf, size, "cube-%s-node%d", l->name, i);
}

static void node_ip(const lab *l, int i, char *buf, size_t size)
{
	snprintf(buf, size, "%.20s.%d", l->subnet, (i + 1) & 255);
}

/* ---- processes ------------------------------------------------------------------------ */

/* Processes start through lab_spawn() (supervise.c), which also records
 * how to start them again for the lab's supervisor. */
static pid_t spawn(const lab *l, const char *proc, const char *netns, char *const *argv)
{
	return lab_spawn(l->dir, proc, netns, argv);
}

static bool alive(pid_t pid)
{
	return lab_proc_alive(pid);
}

static pid_t read_pid(const lab *l, const char *proc)
{
	return lab_read_pid(l->dir, proc);
}

/* SIGTERM, up to 5 s, then SIGKILL; removes the pid file (the supervisor
 * leaves a process without one stopped), holding the lab's lock so that
 * the supervisor does not start it again meanwhile. */
static void stop_unlocked(const lab *l, const char *proc)
{
	pid_t pid = read_pid(l, proc);
	if (pid > 0 && kill(pid, 0) == 0) {
		kill(pid, SIGTERM);
		for (int i = 0; i < 50 && alive(pid); i++)
			usleep(100 * 1000);
		if (alive(pid))
			kill(pid, SIGKILL);
		waitpid(pid, NULL, WNOHANG);
		printf("stopped %s (pid %d)\n", proc, (int)pid);
	}
	char pidf[700];
	snprintf(pidf, sizeof(pidf), "%s/run/%s.pid", l->dir, proc);
	unlink(pidf);
}

static void stop_proc(const lab *l, const char *proc)
{
	int lock = lab_lock(l->dir);
	stop_unlocked(l, proc);
	lab_unlock(lock);
}

/* The last lines of a component's log on stderr, under the one-line error
 * that names it: usually the cause (a port in use, a missing binary). */
static void log_tail(const lab *l, const char *proc)
{
	char path[800], buf[4096];
	snprintf(path, sizeof(path), "%s/logs/%s.log", l->dir, proc);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the last 3 lines */
	int lines = 0;
	char *p = buf + n;
	while (p > buf && lines < 4)
		if (*--p == '\n')
			lines++;
	fprintf(stderr, "  %s: ...%s%s", proc, p, n && buf[n - 1] != '\n' ? "\n" : "");
}

static bool wait_http(const char *url, int seconds)
{
	cube_http *h = cube_http_new(NULL);
	bool ok = false;
	for (int i = 0; i < seconds * 10 && !ok; i++) {
		cube_http_resp r = {0};
		cube_http_req q = {.url = url, .timeout_ms = 1000, .connect_timeout_ms = 500};
		ok = cube_http_do(h, &q, &r, NULL) == 0 && r.status == 200;
		cube_http_resp_clear(&r);
		if (!ok)
			usleep(100 * 1000);
	}
	cube_http_free(h);
	return ok;
}

/* ---- the network ------------------------------------------------------------------------ */

static int net_up(lab *l, cube_err *err)
{
	cube_nl *root = cube_nl_open(-1, err);
	if (!root)
		return -1;
	char br[16], addr[48];
	snprintf(br, sizeof(br), "cb-%s", l->name);
	snprintf(addr, sizeof(addr), "%s.1/24", l->subnet);
	int rc = cube_nl_bridge_add(root, br, err) < 0 ||
				 cube_nl_addr_add(root, br, addr, err) < 0 ||
				 cube_nl_link_up(root, br, err) < 0
			 ? -1
			 : 0;
	FOR_NODES(l, i)
	{
		if (rc != 0)
			break;
		char ns[64], veth[16], ip[32];
		ns_name(l, i, ns, sizeof(ns));
		snprintf(veth, sizeof(veth), "cb-%s-%d", l->name, i);
		node_ip(l, i, ip, sizeof(ip));
		snprintf(addr, sizeof(addr), "%s/24", ip);
		if (!cube_netns_exists(ns) && cube_netns_create(ns, err) < 0) {
			rc = -1;
			break;
		}
		int fd = cube_netns_open(ns, err);
		cube_nl *node = fd >= 0 ? cube_nl_open(fd, err) : NULL;
		if (!node ||
		    (!cube_nl_ifindex(root, veth) &&
		     cube_nl_veth_add(root, veth, "eth0", fd, err) < 0) ||
		    cube_nl_link_set_master(root, veth, br, err) < 0 ||
		    cube_nl_link_up(root, veth, err) < 0 || cube_nl_link_up(node, "lo", err) < 0 ||
		    cube_nl_addr_add(node, "eth0", addr, err) < 0 ||
		    cube_nl_link_up(node, "eth0", err) < 0)
			rc = -1;
		cube_nl_close(node);
		if (fd >= 0)
			close(fd);
	}
	cube_nl_close(root);
	return rc;
}

static void net_down(lab *l)
{
	cube_nl *root = cube_nl_open(-1, NULL);
	FOR_NODES(l, i)
	{
		char ns[64], veth[16];
		ns_name(l, i, ns, sizeof(ns));
		snprintf(veth, sizeof(veth), "cb-%s-%d", l->name, i);
		if (root)
			cube_nl_link_del(root, veth, NULL);
		cube_netns_delete(ns, NULL);
	}
	char br[16];
	snprintf(br, sizeof(br), "cb-%s", l->name);
	if (root)
		cube_nl_link_del(root, br, NULL);
	cube_nl_close(root);
}

/* ---- state ---------------------------------------------------------------------------- */

static int save(const lab *l)
{
	char path[700];
	lab_path(l, path, sizeof(path), "lab.json");
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"{\"name\":\"%s\",\"nodes\":%d,\"subnet\":\"%s\",\"apiPort\":%d,\"etcdPort\":%d,"
		"\"runtime\":\"%s\",\"networkBackend\":\"%s\",\"binDir\":\"%s\","
		"\"nodeMonitorGracePeriod\":%d,\"podEvictionTimeout\":%d,\"nodeIds\":[",
		l->name, l->nodes, l->subnet, l->api_port, l->etcd_port, l->runtime, l->backend,
		l->bin, l->grace_s, l->eviction_s);
	bool first = true;
	FOR_NODES(l, i)
	{
		fprintf(f, "%s%d", first ? "" : ",", i);
		first = false;
	}
	fprintf(f, "]}\n");
	fclose(f);
	lab_path(l, path, sizeof(path), "kubeconfig");
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
		"apiVersion: v1\nkind: Config\nclusters:\n- name: %s\n  cluster:\n    server: "
		"http://%s.1:%d\ncontexts:\n- name: %s\n  context:\n    cluster: %s\n    user: "
		"%s\ncurrent-context: %s\nusers:\n- name: %s\n  user: {}\n",
		l->name, l->subnet, l->api_port, l->name, l->name, l->name, l->name, l->name);
	fclose(f);
	return 0;
}

static int load(lab *l, cube_err *err)
{
	char path[700];
	lab_path(l, path, sizeof(path), "lab.json");
	FILE *f = fopen(path, "r");
	if (!f)
		return cube_err_set(err, CUBE_ENOTFOUND, "no lab \"%s\" (%s)", l->name, path);
	char buf[2048];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	cube_autojson cJSON *j = cube_json_parse(buf, n, err);
	if (!j)
		return -1;
	l->nodes = (int)cube_json_int(j, "nodes", 0);
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(j, "nodeIds"), *id;
	memset(l->present, 0, sizeof(l->present));
	if (cJSON_IsArray(ids)) {
		l->nodes = 0;
		cJSON_ArrayForEach (id, ids) {
			int v = cJSON_IsNumber(id) ? id->valueint : 0;
			if (v >= 1 && v <= MAX_NODES && !l->present[v]) {
				l->present[v] = true;
				l->nodes++;
			}
		}
	} else {
		for (int i = 1; i <= l->nodes && i <= MAX_NODES; i++)
			l->present[i] = true;
	}
	snprintf(l->subnet, sizeof(l->subnet), "%s",
		 cube_json_str(j, "subnet") ? cube_json_str(j, "subnet") : "");
	l->api_port = (int)cube_json_int(j, "apiPort", 6443);
	l->etcd_port = (int)cube_json_int(j, "etcdPort", 23790);
	l->grace_s = (int)cube_json_int(j, "nodeMonitorGracePeriod", 40);
	l->eviction_s = (int)cube_json_int(j, "podEvictionTimeout", 300);
	const char *rt = cube_json_str(j, "runtime"), *be = cube_json_str(j, "networkBackend");
	const char *bin = cube_json_str(j, "binDir");
	snprintf(l->buf_runtime, sizeof(l->buf_runtime), "%s", rt ? rt : "runc");
	snprintf(l->buf_backend, sizeof(l->buf_backend), "%s", be ? be : "host-gw");
	snprintf(l->buf_bin, sizeof(l->buf_bin), "%s", bin ? bin : "bin");
	l->runtime = l->buf_runtime;
	l->backend = l->buf_backend;
	l->bin = l->buf_bin;
	if (l->nodes < 0 || l->nodes > MAX_NODES || !l->subnet[0])
		return cube_err_set(err, CUBE_EPROTO, "%s: not a lab description", path);
	return 0;
}

/* ---- commands ------------------------------------------------------------------------- */

static const char *default_bin(char *buf, size_t size)
{
	/* The binaries beside this one. */
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n <= 0)
		return "bin";
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

static int parse_common(lab *l, cube_flag *extra, int argc, char **argv, const char *cmd,
			const char *help, int *pos)
{
	const char *dir = NULL;
	cube_flag flags[24];
	int n = 0;
	flags[n++] = (cube_flag){"name", CUBE_FLAG_STRING, &l->name,
				 "the lab's name (up to 8 of a-z0-9)"};
	flags[n++] = (cube_flag){"dir", CUBE_FLAG_STRING, &dir,
				 "state directory (default $CUBE_LAB_DIR or .lab, then /<name>)"};
	for (int i = 0; extra && extra[i].name && n < 22; i++)
		flags[n++] = extra[i];
	flags[n] = (cube_flag){0};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_flags_parse(flags, argc, argv, pos, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u = cube_flags_usage(cmd, help, flags);
		fputs(u ? u : "", stdout);
		free(u);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", cmd, err.msg);
		return 2;
	}
	if (!valid_name(l->name)) {
		fprintf(stderr, "%s: --name \"%s\": 1 to 8 of a-z and 0-9\n", cmd, l->name);
		return 2;
	}
	const char *base = dir ? dir : getenv("CUBE_LAB_DIR") ? getenv("CUBE_LAB_DIR") : ".lab";
	char abs[512];
	if (base[0] != '/' && getcwd(abs, sizeof(abs)))
		snprintf(l->dir, sizeof(l->dir), "%.200s/%.200s/%s", abs, base, l->name);
	else
		snprintf(l->dir, sizeof(l->dir), "%.400s/%s", base, l->name);
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[700];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *s = tmp + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(tmp, 0755);
			*s = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int count_ready_nodes(const lab *l)
{
	char url[128];
	snprintf(url, sizeof(url), "http://%s.1:%d", l->subnet, l->api_port);
	cube_kclient_config cc = {.server = url, .timeout_ms = 2000};
	cube_kclient *c = cube_kclient_new(&cc, NULL);
	cJSON *list = c ? cube_kclient_list(c, &CUBE_GVR_NODES, NULL, NULL, NULL) : NULL;
	int ready = 0;
	const cJSON *n;
	cJSON_ArrayForEach (n, cJSON_GetObjectItemCaseSensitive(list, "items")) {
		const cJSON *cond;
		cJSON_ArrayForEach (cond, cube_json_path(n, "status.conditions")) {
			const char *t = cube_json_str(cond, "type"),
				   *s = cube_json_str(cond, "status");
			ready += t && s && !strcmp(t, "Ready") && !strcmp(s, "True");
		}
	}
	cJSON_Delete(list);
	cube_kclient_free(c);
	return ready;
}

static void lab_teardown(lab *l);

/* Starts node i's cubelet and cube-proxy (in its namespace) unless running. */
static int start_node(lab *l, int i, const char *kubeconfig_path)
{
	char kubeconfig[700];
	snprintf(kubeconfig, sizeof(kubeconfig), "%s", kubeconfig_path);
	char ns[64], node[32], ip[32], cidr[32], root[600], proc[48];
	char kbin[600], pbin[600], heartbeat[16];
	/* Kubernetes' 10 s, or more often when the lab's grace period is short */
	snprintf(heartbeat, sizeof(heartbeat), "%ds",
		 l->grace_s / 4 < 1    ? 1
		 : l->grace_s / 4 > 10 ? 10
				       : l->grace_s / 4);
	ns_name(l, i, ns, sizeof(ns));
	snprintf(node, sizeof(node), "node%d", i);
	node_ip(l, i, ip, sizeof(ip));
	snprintf(cidr, sizeof(cidr), "10.244.%d.0/24", i);
	snprintf(root, sizeof(root), "%s/nodes/%s", l->dir, node);
	mkdir_p(root);
	snprintf(kbin, sizeof(kbin), "%s/cubelet", l->bin);
	snprintf(pbin, sizeof(pbin), "%s/cube-proxy", l->bin);
	char *kub[] = {kbin,
		       "--kubeconfig",
		       kubeconfig,
		       "--hostname-override",
		       node,
		       "--node-ip",
		       ip,
		       "--pod-cidr",
		       cidr,
		       "--root-dir",
		       root,
		       "--runtime",
		       (char *)l->runtime,
		       "--bind-address",
		       ip,
		       "--network-backend",
		       (char *)l->backend,
		       "--node-heartbeat-interval",
		       heartbeat,
		       NULL,
		       NULL,
		       NULL};
	char mirror[96];
	if (!strcmp(l->runtime, "runc")) {
		char reg[64];
		snprintf(reg, sizeof(reg), "%s.1:5000", l->subnet);
		setenv("CUBE_INSECURE_REGISTRIES", reg, 1); /* inherited by the cubelet */
		snprintf(mirror, sizeof(mirror), "docker.io=%s.1:5000", l->subnet);
		size_t n = sizeof(kub) / sizeof(kub[0]);
		kub[n - 3] = "--registry-mirror";
		kub[n - 2] = mirror;
	}
	char *prx[] = {pbin,
		       "--kubeconfig",
		       kubeconfig,
		       "--hostname-override",
		       node,
		       "--node-ip",
		       ip,
		       "--cluster-cidr",
		       "10.244.0.0/16",
		       "--healthz-bind-address",
		       ip,
		       "--metrics-bind-address",
		       ip,
		       NULL};
	snprintf(proc, sizeof(proc), "cubelet-%s", node);
	if (!alive(read_pid(l, proc)) && spawn(l, proc, ns, kub) < 0)
		return -1;
	snprintf(proc, sizeof(proc), "proxy-%s", node);
	if (!alive(read_pid(l, proc)) && spawn(l, proc, ns, prx) < 0)
		return -1;
	return 0;
}

/* The lab registry (Debian's docker-registry on the bridge's address, port
 * 5000), seeded with the test images (scripts/images.sh) as docker.io's
 * library/ images: the cubelets pull "web:v1" = docker.io/library/web:v1
 * through --registry-mirror docker.io=SUBNET.1:5000. */
static int registry_up(lab *l)
{
	char dir[700], cfg[800], data[800], url[128], host[64];
	lab_path(l, dir, sizeof(dir), "registry");
	mkdir_p(dir);
	snprintf(cfg, sizeof(cfg), "%s/config.yml", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(host, sizeof(host), "%s.1:5000", l->subnet);
	/* plain http to it, for `cube image push` here and the cubelets started
	 * after (they inherit the environment) */
	setenv("CUBE_INSECURE_REGISTRIES", host, 1);
	FILE *f = fopen(cfg, "w");
	if (!f)
		return -1;
	fprintf(f,
		"version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n"
		"storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"
		"http:\n  addr: %s\n",
		data, host);
	fclose(f);
	char *argv[] = {"/usr/bin/docker-registry", "serve", cfg, NULL};
	if (!alive(read_pid(l, "registry")) && spawn(l, "registry", NULL, argv) < 0)
		return -1;
	snprintf(url, sizeof(url), "http://%s/v2/", host);
	if (!wait_http(url, 20)) {
		fprintf(stderr, "cube up: the registry did not start; see %s/logs/registry.log\n",
			l->dir);
		log_tail(l, "registry");
		return -1;
	}
	/* Seed it once (the images are reproducible; a push skips what is there). */
	char marker[800], cmd[4096];
	snprintf(marker, sizeof(marker), "%s/seeded", dir);
	if (access(marker, F_OK) == 0)
		return 0;
	/* scripts/images.sh beside bin/ (a checkout), or three levels up
	 * (build/asan/bin, the sanitizer build the tests run) */
	char script[700];
	snprintf(script, sizeof(script), "%s/../scripts/images.sh", l->bin);
	if (access(script, X_OK) != 0)
		snprintf(script, sizeof(script), "%s/../../../scripts/images.sh", l->bin);
	snprintf(cmd, sizeof(cmd),
		 "set -e; store='%s/store'; prefix='%s/library/'; "
		 "'%s' --store \"$store\" --prefix \"$prefix\" --cube '%s/cube' "
		 ">>'%s/logs/registry.log' 2>&1; "
		 "for i in busybox:latest web:v1 web:v2; do '%s/cube' image push \"$prefix$i\" "
		 "--store \"$store\" >>'%s/logs/registry.log' 2>&1; done; touch '%s'",
		 dir, host, script, l->bin, l->dir, l->bin, l->dir, marker);
	if (strchr(l->dir, '\'') || strchr(script, '\'') || system(cmd) != 0) {
		fprintf(stderr, "cube up: seeding the registry failed; see %s/logs/registry.log\n",
			l->dir);
		return -1;
	}
	return 0;
}

/* Starts (or restarts) everything a lab description names; on failure
 * removes what it started. */
static int lab_start(lab *l)
{
	l->t0 = now_s();
	char path[700];
	for (const char *d = "logs\0run\0etcd\0nodes\0"; *d; d += strlen(d) + 1) {
		lab_path(l, path, sizeof(path), d);
		if (mkdir_p(path) < 0) {
			fprintf(stderr, "cube up: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	if (save(l) < 0) {
		fprintf(stderr, "cube up: cannot write %s\n", l->dir);
		return 1;
	}
	cube_err err = CUBE_ERR_INIT;
	char a[600], b[600], c[64], d[64], e[96], f[128];
	char kubeconfig[700], data[700];
	lab_path(l, kubeconfig, sizeof(kubeconfig), "kubeconfig");
	lab_path(l, data, sizeof(data), "etcd");
	/* etcd */
	snprintf(c, sizeof(c), "http://127.0.0.1:%d", l->etcd_port);
	snprintf(d, sizeof(d), "http://127.0.0.1:%d", l->etcd_port + 1);
	snprintf(e, sizeof(e), "cube=http://127.0.0.1:%d", l->etcd_port + 1);
	char *etcd[] = {"/usr/bin/etcd",
			"--name",
			"cube",
			"--data-dir",
			data,
			"--listen-client-urls",
			c,
			"--advertise-client-urls",
			c,
			"--listen-peer-urls",
			d,
			"--initial-advertise-peer-urls",
			d,
			"--initial-cluster",
			e,
			"--logger",
			"zap",
			"--log-level",
			"warn",
			NULL};
	if (!alive(read_pid(l, "etcd")) && spawn(l, "etcd", NULL, etcd) < 0)
		goto fail_msg;
	snprintf(f, sizeof(f), "%s/health", c);
	if (!wait_http(f, 60)) {
		fprintf(stderr, "cube up: etcd did not start; see %s/logs/etcd.log\n", l->dir);
		log_tail(l, "etcd");
		goto fail;
	}
	step(l, "etcd ready on 127.0.0.1:%d", l->etcd_port);
	/* the lab network first: the API server listens on the bridge */
	if (net_up(l, &err) < 0) {
		fprintf(stderr, "cube up: network: %s\n", err.msg);
		goto fail;
	}
	step(l, "network: bridge cb-%s %s.1/24, %d node namespaces", l->name, l->subnet, l->nodes);
	char api_bin[600], bind[40], port[16];
	snprintf(api_bin, sizeof(api_bin), "%s/cube-apiserver", l->bin);
	snprintf(bind, sizeof(bind), "%s.1", l->subnet);
	snprintf(port, sizeof(port), "%d", l->api_port);
	char tol[16];
	snprintf(tol, sizeof(tol), "%d", l->eviction_s);
	char *api[] = {api_bin, "--etcd-servers",
		       c,	"--bind-address",
		       bind,	"--port",
		       port,	"--default-not-ready-toleration-seconds",
		       tol,	"--default-unreachable-toleration-seconds",
		       tol,	NULL};
	if (!alive(read_pid(l, "apiserver")) && spawn(l, "apiserver", NULL, api) < 0)
		goto fail_msg;
	snprintf(f, sizeof(f), "http://%s:%d/readyz", bind, l->api_port);
	if (!wait_http(f, 60)) {
		fprintf(stderr,
			"cube up: cube-apiserver did not start; see %s/logs/apiserver.log\n",
			l->dir);
		log_tail(l, "apiserver");
		goto fail;
	}
	step(l, "cube-apiserver ready on %s:%d", bind, l->api_port);
	if (!strcmp(l->runtime, "runc")) {
		if (registry_up(l) < 0)
			goto fail;
		step(l, "registry on %s.1:5000 with busybox, web:v1, web:v2", l->subnet);
	}
	snprintf(a, sizeof(a), "%s/cube-scheduler", l->bin);
	char *sched[] = {a, "--kubeconfig", kubeconfig, "--port", "-1", NULL};
	snprintf(b, sizeof(b), "%s/cube-controller-manager", l->bin);
	char grace[16], period[16];
	snprintf(grace, sizeof(grace), "%d", l->grace_s);
	snprintf(period, sizeof(period), "%d",
		 l->grace_s / 4 < 1   ? 1
		 : l->grace_s / 4 > 5 ? 5
				      : l->grace_s / 4);
	char *cm[] = {b,
		      "--kubeconfig",
		      kubeconfig,
		      "--port",
		      "-1",
		      "--allocate-node-cidrs",
		      "--cluster-cidr",
		      "10.244.0.0/16",
		      "--node-monitor-grace-period",
		      grace,
		      "--node-monitor-period",
		      period,
		      "--pod-eviction-timeout",
		      tol,
		      NULL};
	if ((!alive(read_pid(l, "scheduler")) && spawn(l, "scheduler", NULL, sched) < 0) ||
	    (!alive(read_pid(l, "controller-manager")) &&
	     spawn(l, "controller-manager", NULL, cm) < 0))
		goto fail_msg;
	step(l, "cube-scheduler and cube-controller-manager started");
	FOR_NODES(l, i)
	{
		if (start_node(l, i, kubeconfig) < 0)
			goto fail_msg;
	}
	step(l, "%d cubelets (%s) and cube-proxies started", l->nodes, l->runtime);
	int ready = 0;
	for (int w = 0; w < 600 && (ready = count_ready_nodes(l)) < l->nodes; w++)
		usleep(100 * 1000);
	if (ready < l->nodes) {
		fprintf(stderr, "cube up: %d of %d nodes Ready; see %s/logs/\n", ready, l->nodes,
			l->dir);
		goto fail;
	}
	step(l, "%d nodes Ready", l->nodes);
	if (lab_start_supervisor(l->dir) < 0)
		goto fail_msg;
	step(l, "cube supervise restarts what dies (logs/supervisor.log)");
	printf("\nkubeconfig: %s\n  export KUBECONFIG=%s\n  kubectl get nodes -o wide\n"
	       "  cube exec node1 -- ip addr        (a shell command inside a node)\n"
	       "stop: cube down --name %s\n",
	       kubeconfig, kubeconfig, l->name);
	return 0;
fail_msg:
	fprintf(stderr, "cube up: cannot start a process: %s\n", strerror(errno));
fail:
	fprintf(stderr, "cube up: failed; removing what was started (logs stay in %s/logs)\n",
		l->dir);
	lab_teardown(l);
	return 1;
}

/* True if some interface holds SUBNET.1 (another lab's bridge). */
static bool address_in_use(const char *subnet)
{
	char ip[40];
	snprintf(ip, sizeof(ip), "%s.1", subnet);
	struct sockaddr_in a = {.sin_family = AF_INET};
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return true;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	/* binding works only to an address of this namespace */
	bool used = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno != EADDRNOTAVAIL;
	close(fd);
	return used;
}

int cube_cmd_up(int argc, char **argv)
{
	lab l = {.name = "lab",
		 .nodes = 3,
		 .api_port = 6443,
		 .etcd_port = 23790,
		 .runtime = "runc",
		 .backend = "host-gw",
		 .grace_s = 40,
		 .eviction_s = 300};
	const char *subnet = NULL; /* default: the first free 172.30.N */
	l.etcd_port = 0;	   /* default: 23790 + 2N */
	char binbuf[512];
	l.bin = default_bin(binbuf, sizeof(binbuf));
	cube_flag extra[] = {
		{"nodes", CUBE_FLAG_INT, &l.nodes, "how many nodes (1-16)"},
		{"network-backend", CUBE_FLAG_STRING, &l.backend,
		 "routes between nodes: host-gw or vxlan"},
		{"runtime", CUBE_FLAG_STRING, &l.runtime, "the cubelets' runtime: runc or hollow"},
		{"subnet", CUBE_FLAG_STRING, &subnet,
		 "the lab network's first three octets (a /24; the bridge is .1; default the "
		 "first free 172.30.N)"},
		{"api-port", CUBE_FLAG_INT, &l.api_port, "the API server's port on the lab bridge"},
		{"etcd-port", CUBE_FLAG_INT, &l.etcd_port,
		 "etcd's client port on 127.0.0.1 (the peer port is the next one; default "
		 "23790 + 2N for 172.30.N)"},
		{"bin-dir", CUBE_FLAG_STRING, &l.bin, "where the cube binaries are"},
		{"node-monitor-grace-period", CUBE_FLAG_INT, &l.grace_s,
		 "seconds without a heartbeat before a node is Unknown (the controller-manager's "
		 "flag; the cubelets heartbeat every quarter of it, at most 10 s)"},
		{"pod-eviction-timeout", CUBE_FLAG_INT, &l.eviction_s,
		 "seconds a pod stays on a node not Ready before it is evicted (the API "
		 "server's default tolerations and the controller-manager's flag)"},
		{0}};
	int rc = parse_common(&l, extra, argc, argv, "cube up",
			      "cube up starts a multi-node cluster on this machine.", NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	/* A lab of this name that runs already: say so, touch nothing. */
	if (alive(read_pid(&l, "etcd"))) {
		fprintf(stderr,
			"cube up: lab \"%s\" is running already (cube status --name %s; "
			"cube down --name %s)\n",
			l.name, l.name, l.name);
		return 1;
	}
	/* Its own addresses and ports beside other labs: the first 172.30.N
	 * that no interface holds yet. */
	char auto_subnet[32];
	int slot = 0;
	if (!subnet) {
		for (slot = 0; slot < 256; slot++) {
			snprintf(auto_subnet, sizeof(auto_subnet), "172.30.%d", slot);
			if (!address_in_use(auto_subnet))
				break;
		}
		if (slot == 256) {
			fprintf(stderr, "cube up: no free 172.30.N.0/24 left (--subnet a.b.c)\n");
			return 1;
		}
		subnet = auto_subnet;
	}
	if (!l.etcd_port)
		l.etcd_port = 23790 + 2 * slot;
	struct in_addr probe;
	char probe_s[40];
	snprintf(probe_s, sizeof(probe_s), "%s.1", subnet);
	if (l.nodes < 1 || l.nodes > MAX_NODES || inet_pton(AF_INET, probe_s, &probe) != 1 ||
	    l.grace_s < 1 || l.eviction_s < 0 ||
	    (strcmp(l.backend, "host-gw") && strcmp(l.backend, "vxlan")) ||
	    (strcmp(l.runtime, "runc") && strcmp(l.runtime, "hollow"))) {
		fprintf(stderr, "cube up: invalid value: --nodes 1..16, --subnet a.b.c, "
				"--network-backend host-gw|vxlan, --runtime runc|hollow, "
				"--node-monitor-grace-period >= 1, --pod-eviction-timeout >= 0\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "cube up: needs root (network namespaces, bridges)\n");
		return 1;
	}
	snprintf(l.subnet, sizeof(l.subnet), "%s", subnet);
	for (int i = 1; i <= l.nodes; i++)
		l.present[i] = true;
	return lab_start(&l);
}

/* Runs argv, waits, returns its output (first size-1 bytes) and status. */
static int run_capture(char *const *argv, char *out, size_t size)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	while (out && n + 1 < size && (r = read(fds[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	if (out && size)
		out[n] = '\0';
	close(fds[0]);
	int st = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int rm_rf(const char *path)
{
	char *argv[] = {"rm", "-rf", "--", (char *)path, NULL};
	return run_capture(argv, NULL, 0);
}

/* What the cubelets' runc runtime leaves when they stop (pods keep running
 * under a stopped kubelet, as on a real node): kill and delete every
 * container under each node's runc root, unmount what is mounted under
 * the node's directory, delete the pods' network namespaces, and remove the
 * runtime's state, so that nothing runs and a later start makes the pods
 * afresh (images and address records stay). */
static void node_pods_down(lab *l, int i)
{
	char root[700], runc_root[800], list[16384];
	snprintf(root, sizeof(root), "%s/nodes/node%d", l->dir, i);
	snprintf(runc_root, sizeof(runc_root), "%s/runc", root);
	if (access(runc_root, F_OK) == 0) {
		char *ls[] = {"runc", "--root", runc_root, "list", "-q", NULL};
		run_capture(ls, list, sizeof(list));
		for (char *id = strtok(list, "\n"); id; id = strtok(NULL, "\n")) {
			char *kill_[] = {"runc", "--root", runc_root, "kill", id, "KILL", NULL};
			char *del[] = {"runc", "--root", runc_root, "delete", "-f", id, NULL};
			run_capture(kill_, NULL, 0);
			run_capture(del, NULL, 0);
		}
	}
	/* mounts under the node's directory, deepest first */
	char mounts[65536] = "";
	FILE *f = fopen("/proc/self/mounts", "r");
	if (f) {
		size_t n = fread(mounts, 1, sizeof(mounts) - 1, f);
		mounts[n] = '\0';
		fclose(f);
	}
	char *targets[512];
	int nt = 0;
	size_t rl = strlen(root);
	for (char *line = strtok(mounts, "\n"); line && nt < 512; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		char *t = sp ? sp + 1 : NULL;
		char *end = t ? strchr(t, ' ') : NULL;
		if (!end)
			continue;
		*end = '\0';
		if (!strncmp(t, root, rl) && (t[rl] == '/' || t[rl] == '\0'))
			targets[nt++] = t;
	}
	for (int k = nt - 1; k >= 0; k--)
		umount2(targets[k], MNT_DETACH);
	/* the pods' network namespaces: cpod<hash>-<pod uid> */
	char pods[800];
	snprintf(pods, sizeof(pods), "%s/pods", root);
	DIR *pd = opendir(pods);
	struct dirent *pe;
	while (pd && (pe = readdir(pd))) {
		if (pe->d_name[0] == '.')
			continue;
		DIR *nd = opendir(CUBE_NETNS_DIR);
		struct dirent *ne;
		size_t ul = strlen(pe->d_name);
		while (nd && (ne = readdir(nd))) {
			size_t nl = strlen(ne->d_name);
			if (!strncmp(ne->d_name, "cpod", 4) && nl > ul + 1 &&
			    !strcmp(ne->d_name + nl - ul, pe->d_name) &&
			    ne->d_name[nl - ul - 1] == '-')
				cube_netns_delete(ne->d_name, NULL);
		}
		if (nd)
			closedir(nd);
	}
	if (pd)
		closedir(pd);
	rm_rf(runc_root);
	rm_rf(pods);
}

/* Stops every process of the lab (by its recorded PID), the pods'
 * containers, and removes its network; the state directory stays. */
static void lab_teardown(lab *l)
{
	stop_unlocked(l, "supervisor"); /* first: it would start the others again */
	FOR_NODES(l, i)
	{
		char proc[48];
		snprintf(proc, sizeof(proc), "proxy-node%d", i);
		stop_proc(l, proc);
		snprintf(proc, sizeof(proc), "cubelet-node%d", i);
		stop_proc(l, proc);
	}
	stop_proc(l, "controller-manager");
	stop_proc(l, "scheduler");
	stop_proc(l, "registry");
	stop_proc(l, "apiserver");
	stop_proc(l, "etcd");
	FOR_NODES(l, i)
	{
		node_pods_down(l, i);
	}
	net_down(l);
}

int cube_cmd_down(int argc, char **argv)
{
	lab l = {.name = "lab"};
	bool purge = false;
	cube_flag extra[] = {{"purge", CUBE_FLAG_BOOL, &purge, "also remove the state directory"},
			     {0}};
	int rc = parse_common(&l, extra, argc, argv, "cube down",
			      "cube down stops a lab and removes its network.", NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_err err = CUBE_ERR_INIT;
	if (load(&l, &err) < 0) {
		fprintf(stderr, "cube down: %s\n", err.msg);
		return 1;
	}
	lab_teardown(&l);
	printf("removed the network of lab %s\n", l.name);
	if (purge) {
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", l.dir);
		if (strchr(l.dir, '\'') == NULL && system(cmd) == 0)
			printf("removed %s\n", l.dir);
	}
	return 0;
}

/* A process's resident memory (KiB) and age (s), from /proc; false if gone. */
static bool proc_info(pid_t pid, long *rss_kb, double *age_s)
{
	char path[64], line[256];
	*rss_kb = 0;
	*age_s = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kb = strtol(line + 6, NULL, 10);
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	char stat[1024] = "";
	if (f) {
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = '\0';
		fclose(f);
	}
	/* field 22, starttime, counted after the ")" that ends the command */
	const char *p = strrchr(stat, ')');
	unsigned long long start = 0;
	for (int field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p)
		start = strtoull(p, NULL, 10);
	double up = 0;
	f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	long hz = sysconf(_SC_CLK_TCK);
	if (start && hz > 0)
		*age_s = up - (double)start / (double)hz;
	return true;
}

static void status_line(const lab *l, const char *proc, int *down)
{
	pid_t pid = read_pid(l, proc);
	long rss = 0;
	double age = 0;
	bool up = pid > 0 && kill(pid, 0) == 0 && proc_info(pid, &rss, &age);
	*down += !up;
	if (up)
		printf("  %-22s running  pid %-7d %7.1f MiB  up %.0fs\n", proc, (int)pid,
		       (double)rss / 1024.0, age);
	else
		printf("  %-22s STOPPED\n", proc);
}

int cube_cmd_status(int argc, char **argv)
{
	lab l = {.name = "lab"};
	int rc =
		parse_common(&l, NULL, argc, argv, "cube status", "cube status shows a lab.", NULL);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_err err = CUBE_ERR_INIT;
	if (load(&l, &err) < 0) {
		fprintf(stderr, "cube status: %s\n", err.msg);
		return 1;
	}
	printf("lab %s: %d nodes, API http://%s.1:%d\n", l.name, l.nodes, l.subnet, l.api_port);
	const char *procs[] = {"supervisor", "etcd", "apiserver", "scheduler",
			       "controller-manager"};
	int down = 0;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(procs); i++)
		status_line(&l, procs[i], &down);
	FOR_NODES(&l, i)
	for (int k = 0; k < 2; k++) {
		char proc[48];
		snprintf(proc, sizeof(proc), "%s-node%d", k ? "proxy" : "cubelet", i);
		status_line(&l, proc, &down);
	}
	char url[128];
	snprintf(url, sizeof(url), "http://%s.1:%d/readyz", l.subnet, l.api_port);
	printf("  API server /readyz: %s\n", wait_http(url, 1) ? "ok" : "NOT READY");
	printf("  nodes Ready: %d of %d\n", count_ready_nodes(&l), l.nodes);
	return down ? 1 : 0;
}

int cube_cmd_exec(int argc, char **argv)
{
	lab l = {.name = "lab"};
	int pos = 0;
	int rc = parse_common(&l, NULL, argc, argv, "cube exec",
			      "cube exec NODE -- CMD runs a command inside a node's network "
			      "namespace.",
			      &pos);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (pos >= argc || pos + 1 >= argc) {
		fprintf(stderr, "cube exec: usage: cube exec NODE -- COMMAND [ARGS]\n");
		return 2;
	}
	const char *node = argv[pos];
	int first = pos + 1;
	if (!strcmp(argv[first], "--"))
		first++;
	if (first >= argc) {
		fprintf(stderr, "cube exec: no command\n");
		return 2;
	}
	char ns[80];
	snprintf(ns, sizeof(ns), "cube-%s-%s", l.name, node);
	cube_err err = CUBE_ERR_INIT;
	int fd = cube_netns_open(ns, &err);
	if (fd < 0) {
		fprintf(stderr, "cube exec: no node \"%s\" in lab %s\n", node, l.name);
		return 1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "cube exec: %s: %s\n", ns, strerror(errno));
		return 1;
	}
	close(fd);
	execvp(argv[first], argv + first);
	fprintf(stderr, "cube exec: %s: %s\n", argv[first], strerror(errno));
	return 127;
}

/* COMPONENT [NODE] (argv[pos..]) -> the process's name under run/ and
 * logs/ ("apiserver", "cubelet-node2"); -1 with a usage line if neither. */
static int proc_of(const char *cmd, int argc, char **argv, int pos, char *proc, size_t size)
{
	static const char *const known[] = {
		"etcd",	    "apiserver", "scheduler", "controller-manager",
		"registry", "cubelet",	 "proxy"};
	const char *comp = pos < argc ? argv[pos] : "",
		   *node = pos + 1 < argc ? argv[pos + 1] : NULL;
	bool ok = false;
	for (size_t i = 0; i < CUBE_ARRAY_LEN(known); i++)
		ok |= !strcmp(comp, known[i]);
	bool per_node = !strcmp(comp, "cubelet") || !strcmp(comp, "proxy");
	if (!ok || per_node != (node != NULL)) {
		fprintf(stderr,
			"%s: COMPONENT is etcd, apiserver, scheduler, controller-manager, "
			"registry, or cubelet/proxy with a NODE\n",
			cmd);
		return -1;
	}
	if (node)
		snprintf(proc, size, "%s-%.20s", comp, node);
	else
		snprintf(proc, size, "%s", comp);
	return 0;
}

/* cube stop: processes and network go, the state (etcd data, images, the
 * nodes' directories) stays for cube start.  cube stop COMPONENT [NODE]
 * stops that one process (the supervisor leaves it stopped). */
int cube_cmd_stop(int argc, char **argv)
{
	lab l = {.name = "lab"};
	int pos = 0;
	int rc =
		parse_common(&l, NULL, argc, argv, "cube stop",
			     "cube stop [COMPONENT [NODE]] stops a lab, keeping its state for cube "
			     "start, or one of its processes.",
			     &pos);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_err err = CUBE_ERR_INIT;
	if (load(&l, &err) < 0) {
		fprintf(stderr, "cube stop: %s\n", err.msg);
		return 1;
	}
	if (pos < argc) {
		char proc[64];
		if (proc_of("cube stop", argc, argv, pos, proc, sizeof(proc)) < 0)
			return 2;
		if (!alive(read_pid(&l, proc))) {
			fprintf(stderr, "cube stop: %s is not running in lab %s\n", proc, l.name);
			return 1;
		}
		stop_proc(&l, proc);
		return 0;
	}
	lab_teardown(&l);
	printf("lab %s stopped; cube start --name %s brings it back\n", l.name, l.name);
	return 0;
}

int cube_cmd_start(int argc, char **argv)
{
	lab l = {.name = "lab"};
	int pos = 0;
	int rc = parse_common(&l, NULL, argc, argv, "cube start",
			      "cube start [COMPONENT [NODE]] starts a stopped lab again, with its "
			      "objects, or one process that cube stop stopped.",
			      &pos);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_err err = CUBE_ERR_INIT;
	if (load(&l, &err) < 0) {
		fprintf(stderr, "cube start: %s\n", err.msg);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "cube start: needs root (network namespaces, bridges)\n");
		return 1;
	}
	if (pos < argc) {
		char proc[64];
		if (proc_of("cube start", argc, argv, pos, proc, sizeof(proc)) < 0)
			return 2;
		if (alive(read_pid(&l, proc))) {
			fprintf(stderr, "cube start: %s runs already in lab %s\n", proc, l.name);
			return 1;
		}
		pid_t pid = lab_respawn(l.dir, proc);
		if (pid < 0) {
			fprintf(stderr, "cube start: %s: never started in lab %s\n", proc, l.name);
			return 1;
		}
		printf("started %s (pid %d)\n", proc, (int)pid);
		return 0;
	}
	return lab_start(&l);
}

/* cube logs COMPONENT [NODE] [-f]: a component's log file. */
int cube_cmd_logs(int argc, char **argv)
{
	lab l = {.name = "lab"};
	bool follow = false;
	cube_flag extra[] = {{"follow", CUBE_FLAG_BOOL, &follow, "keep printing as it grows"}, {0}};
	int pos = 0;
	int rc = parse_common(
		&l, extra, argc, argv, "cube logs",
		"cube logs COMPONENT [NODE] prints a component's log (etcd, apiserver, "
		"scheduler, controller-manager, registry, cubelet NODE, proxy NODE, "
		"supervisor).",
		&pos);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (pos >= argc) {
		fprintf(stderr, "cube logs: usage: cube logs COMPONENT [NODE]\n");
		return 2;
	}
	char proc[64], path[900];
	if (strcmp(argv[pos], "supervisor") &&
	    proc_of("cube logs", argc, argv, pos, proc, sizeof(proc)) < 0)
		return 2;
	snprintf(path, sizeof(path), "%s/logs/%s.log", l.dir,
		 strcmp(argv[pos], "supervisor") ? proc : "supervisor");
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cube logs: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char buf[8192];
	for (;;) {
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fflush(stdout);
		if (!follow)
			break;
		clearerr(f);
		usleep(200 * 1000);
	}
	fclose(f);
	return 0;
}

/* ---- cube node add|remove -------------------------------------------------------------- */

static int node_index(const char *name)
{
	int k = 0;
	char tail;
	if (!name || sscanf(name, "node%d%c", &k, &tail) != 1 || k < 1 || k > MAX_NODES)
		return -1;
	return k;
}

static int node_add(lab *l, const char *name)
{
	int k = -1;
	if (name) {
		k = node_index(name);
		if (k < 0) {
			fprintf(stderr,
				"cube node add: a node is named node1 .. node%d, not \"%s\"\n",
				MAX_NODES, name);
			return 2;
		}
		if (l->present[k]) {
			fprintf(stderr, "cube node add: lab %s has a node%d already\n", l->name, k);
			return 1;
		}
	} else {
		for (int i = 1; i <= MAX_NODES && k < 0; i++)
			if (!l->present[i])
				k = i;
		if (k < 0) {
			fprintf(stderr, "cube node add: lab %s is full (%d nodes)\n", l->name,
				MAX_NODES);
			return 1;
		}
	}
	l->t0 = now_s();
	l->present[k] = true;
	l->nodes++;
	cube_err err = CUBE_ERR_INIT;
	char kubeconfig[700];
	lab_path(l, kubeconfig, sizeof(kubeconfig), "kubeconfig");
	if (save(l) < 0 || net_up(l, &err) < 0 || start_node(l, k, kubeconfig) < 0) {
		fprintf(stderr, "cube node add: node%d: %s\n", k,
			err.msg[0] ? err.msg : strerror(errno));
		return 1;
	}
	int ready = 0;
	for (int w = 0; w < 300 && (ready = count_ready_nodes(l)) < l->nodes; w++)
		usleep(100 * 1000);
	if (ready < l->nodes) {
		fprintf(stderr,
			"cube node add: node%d is not Ready; see %s/logs/cubelet-node%d.log\n", k,
			l->dir, k);
		return 1;
	}
	step(l, "node%d Ready (%d nodes)", k, l->nodes);
	return 0;
}

static int node_remove(lab *l, const char *name)
{
	int k = node_index(name);
	if (k < 0 || !l->present[k]) {
		fprintf(stderr, "cube node remove: lab %s has no node \"%s\"\n", l->name,
			name ? name : "");
		return 1;
	}
	char proc[48], ns[64], veth[16];
	snprintf(proc, sizeof(proc), "proxy-node%d", k);
	stop_proc(l, proc);
	snprintf(proc, sizeof(proc), "cubelet-node%d", k);
	stop_proc(l, proc);
	ns_name(l, k, ns, sizeof(ns));
	snprintf(veth, sizeof(veth), "cb-%s-%d", l->name, k);
	cube_nl *root = cube_nl_open(-1, NULL);
	if (root)
		cube_nl_link_del(root, veth, NULL);
	cube_nl_close(root);
	cube_netns_delete(ns, NULL);
	/* The Node object goes too, as `kubectl delete node` after a drain. */
	char url[128], node[32];
	snprintf(url, sizeof(url), "http://%s.1:%d", l->subnet, l->api_port);
	snprintf(node, sizeof(node), "node%d", k);
	cube_kclient_config cc = {.server = url, .timeout_ms = 5000};
	cube_kclient *c = cube_kclient_new(&cc, NULL);
	cube_err err = CUBE_ERR_INIT;
	if (c && cube_kclient_delete(c, &CUBE_GVR_NODES, NULL, node, NULL, &err) < 0 &&
	    err.code != CUBE_ENOTFOUND)
		fprintf(stderr, "cube node remove: deleting Node %s: %s\n", node, err.msg);
	cube_kclient_free(c);
	l->present[k] = false;
	l->nodes--;
	if (save(l) < 0) {
		fprintf(stderr, "cube node remove: cannot write %s/lab.json\n", l->dir);
		return 1;
	}
	printf("removed %s from lab %s (%d nodes left)\n", node, l->name, l->nodes);
	return 0;
}

int cube_cmd_node(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove"))) {
		fprintf(stderr, "cube node: usage: cube node add [NAME] | cube node remove NAME\n");
		return 2;
	}
	bool add = !strcmp(argv[1], "add");
	lab l = {.name = "lab"};
	int pos = 0;
	int rc = parse_common(&l, NULL, argc - 1, argv + 1,
			      add ? "cube node add" : "cube node remove",
			      add ? "cube node add [NAME] adds a node (node<N>) to a running lab."
				  : "cube node remove NAME removes a node from a running lab.",
			      &pos);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_err err = CUBE_ERR_INIT;
	if (load(&l, &err) < 0) {
		fprintf(stderr, "cube node: %s\n", err.msg);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "cube node: needs root (network namespaces)\n");
		return 1;
	}
	const char *name = pos < argc - 1 ? argv[1 + pos] : NULL;
	if (!add && !name) {
		fprintf(stderr, "cube node remove: which node? (cube node remove NAME)\n");
		return 2;
	}
	return add ? node_add(&l, name) : node_remove(&l, name);
}
