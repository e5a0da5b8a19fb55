/* runc.c - the runc runtime: real pods in runc containers, from real images.
 *
 * A pod is a "sandbox" without a pause container: a network namespace
 * (/run/netns/<prefix><uid>, wired by podnet), and the files every
 * container of the pod bind-mounts (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf).  Each container is one runc container (Debian's runc,
 * run as a program with its own --root under --root-dir) joining that
 * network namespace, with its own mount, pid, ipc and uts namespaces, its
 * root an overlay mount of the image's layers, started and watched by a
 * shim (shim.h) that writes its CRI log and records how it ended.
 *
 * Everything is on disk, so a restarted cubelet carries on (adopts) rather
 * than restarting anything:
 *
 *   ROOT/runc/                          runc --root
 *   ROOT/images/                        the image store (--image-store)
 *   ROOT/podnet/                        podnet's address records
 *   ROOT/pods/<uid>/pod.json            namespace, name, uid
 *   ROOT/pods/<uid>/etc/{hosts,hostname,resolv.conf}
 *   ROOT/pods/<uid>/containers/<name>/record.json
 *        the current attempt: id, attempt (= restartCount), image, imageID,
 *        startedAt, shim pid; "terminated" once it ended and was cleaned up;
 *        "lastState" the attempt before
 *   ROOT/pods/<uid>/containers/<name>/<id>/   the runc bundle of the attempt:
 *        config.json, rootfs/ (overlay), upper/, work/, exit.json (shim)
 *   ROOT/pods/<uid>/logs/<name>/<attempt>.log   CRI log (last two kept)
 *   ROOT/pods/<uid>/volumes/<plugin>/<volume>   the pod's volumes (volumes.h)
 *
 * What is only in memory: restart and image pull back-offs, the last pull
 * error of a container, and which pods' containers are running (the PLEG
 * thread looks for their exit.json once a second and requeues the pod).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubelet.h"
#include "exec.h"
#include "hostport.h"
#include "hooks.h"
#include "fsutil.h"
#include "imageref.h"
#include "imagestore.h"
#include "ktime.h"
#include "log.h"
#include "logrotate.h"
#include "netns.h"
#include "obj.h"
#include "oci.h"
#include "ocispec.h"
#include "podnet.h"
#include "probe.h"
#include "shim.h"
#include "volumes.h"

extern char **environ;

#define BACKOFF_INITIAL_MS 10000
#define BACKOFF_MAX_MS 300000
#define MAX_NODE_IMAGES 50

typedef struct pod_track {
	char key[CUBE_OBJ_KEY_MAX];
	bool busy;	/* a sync or kill is at work on it */
	bool forgotten; /* the object went while busy: kill when done */
	char **watch;	/* exit.json files of running containers (PLEG) */
} pod_track;

typedef struct backoff {
	int64_t ms;
	double last; /* wall-clock seconds of the last Next */
} backoff;

typedef struct waiting {
	char reason[64];
	char message[1024];
} waiting;

enum { PROBE_STARTUP, PROBE_READINESS, PROBE_LIVENESS };

/* A startup, liveness or readiness probe of a running container. */
typedef struct probe_entry {
	char pod_key[CUBE_OBJ_KEY_MAX];
	char id[80];	  /* the container attempt it probes */
	char ip[64];	  /* the pod's IP */
	char netns[96];	  /* the pod's namespace ("": the node's) */
	int kind;	  /* PROBE_* */
	cJSON *probe;	  /* the probe's spec */
	cJSON *container; /* the container's spec (named ports) */
	cJSON *ref;	  /* the pod, for events (metadata only) */
	int grace_s;	  /* terminationGracePeriodSeconds */
	int64_t next_ms;  /* wall ms of the next run */
	probe_state st;	  /* the thresholds' verdict */
	int64_t kill_at;  /* liveness: SIGKILL after the grace (wall ms); 0: none */
} probe_entry;

typedef struct runc_rt {
	kubelet_node *n;
	char root[512], runc_root[600], pods[600], prefix[24], exe[1024];
	char host_netns[600]; /* the node's netns path for hostNetwork pods ("" : ours) */
	cube_imagestore *images;
	podnet *net;
	hostports *hostports; /* the node's CUBE-HOSTPORTS chain */
	int node_nsfd;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	cube_strmap *tracks;   /* uid -> pod_track* */
	cube_strmap *backoffs; /* key -> backoff* */
	cube_strmap *waits;    /* "uid/name" -> waiting* */
	cube_strmap *probes;   /* "uid/name/startup|liveness|readiness" -> probe_entry* */
	kubelet_volumes *vol;  /* volumes.c: ConfigMaps, Secrets, who reads them */
	int forgetting;	       /* kill threads of forgotten pods at work */
	pthread_t pleg, prober;
	bool pleg_started, prober_started;
	atomic_bool stop;
} runc_rt;

/* ---- small file helpers (lib/fsutil.h, under this file's names) ---- */

static int mkdirs(const char *dir, mode_t mode)
{
	return cube_mkdir_p(dir, mode);
}

/* rm -rf, never crossing into a mount (a stuck overlay stays intact). */
static void rm_rf(const char *path)
{
	cube_rm_rf(path);
}

static char *read_file(const char *path)
{
	return cube_read_file(path, NULL);
}

static cJSON *read_json(const char *path)
{
	cube_autofree char *s = read_file(path);
	return s ? cJSON_Parse(s) : NULL;
}

/* Writes atomically (temporary file, rename). */
static int write_file_atomic(const char *path, const char *data, cube_err *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return cube_err_errno(err, errno, "writing %s", tmp);
	fputs(data, f);
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return cube_err_errno(err, errno, "writing %s", path);
	}
	return 0;
}

/* Rewrites in place when the content differs: a bind-mounted file must
 * keep its inode. */
static int write_file_inplace(const char *path, const char *data, cube_err *err)
{
	cube_autofree char *have = read_file(path);
	if (have && !strcmp(have, data))
		return 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cube_err_errno(err, errno, "writing %s", path);
	size_t n = strlen(data);
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : cube_err_errno(err, errno, "writing %s", path);
}

static int write_json(const char *path, const cJSON *o, cube_err *err)
{
	cube_autofree char *s = cJSON_PrintUnformatted(o);
	if (!s)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return write_file_atomic(path, s, err);
}

/* Runs argv (argv[0] looked up in PATH), output (stdout+stderr) into out.
 * Returns the exit status, or -1. */
static int run(const char *const *argv, char *out, size_t size)
{
	int p[2];
	if (out && size)
		out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		if (out && size)
			snprintf(out, size, "%s: %s", argv[0], strerror(rc));
		return -1;
	}
	size_t n = 0;
	char sink[512];
	for (;;) {
		ssize_t r = out && n + 1 < size ? read(p[0], out + n, size - 1 - n)
						: read(p[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out && n + 1 < size)
			n += (size_t)r;
	}
	if (out && size)
		out[n] = '\0';
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static int runc(runc_rt *rt, const char *verb, const char *a1, const char *a2, char *out,
		size_t size)
{
	const char *argv[] = {"runc", "--root", rt->runc_root, verb, a1, a2, NULL};
	return run(argv, out, size);
}

static int64_t wall_ms(void)
{
	return (int64_t)(cube_time_wall() * 1000);
}

/* ---- paths ---- */

static void pod_dir(runc_rt *rt, const char *uid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", rt->pods, uid);
}

static void ctr_dir(runc_rt *rt, const char *uid, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/containers/%s", rt->pods, uid, name);
}

static void netns_name(runc_rt *rt, const char *uid, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", rt->prefix, uid);
}

/* Where a container's hooks run: the pod's namespace (or the node's). */
static void hook_target(runc_rt *rt, const char *uid, hook_ctx *h, const char *ip,
			const char *exit_file)
{
	h->netns[0] = '\0';
	if (!cJSON_IsTrue(cube_json_path(h->pod, "spec.hostNetwork")))
		netns_name(rt, uid, h->netns, sizeof(h->netns));
	h->runc_root = rt->runc_root;
	h->node_nsfd = rt->node_nsfd;
	h->pod_ip = ip;
	h->exit_file = exit_file;
}

static void probe_entry_free(probe_entry *e)
{
	if (!e)
		return;
	cJSON_Delete(e->probe);
	cJSON_Delete(e->container);
	cJSON_Delete(e->ref);
	free(e);
}

/* ---- pod tracking ---- */

static pod_track *track_begin(runc_rt *rt, const char *uid, const char *key)
{
	pthread_mutex_lock(&rt->mu);
	pod_track *t;
	for (;;) {
		/* looked up again after each wait: a kill may have dropped it */
		t = cube_strmap_get(rt->tracks, uid);
		if (!t) {
			t = calloc(1, sizeof(*t));
			if (!t || cube_strmap_put(rt->tracks, uid, t, NULL) < 0) {
				free(t);
				pthread_mutex_unlock(&rt->mu);
				return NULL;
			}
		}
		if (!t->busy)
			break;
		pthread_cond_wait(&rt->cond, &rt->mu);
	}
	if (key)
		snprintf(t->key, sizeof(t->key), "%s", key);
	t->busy = true;
	pthread_mutex_unlock(&rt->mu);
	return t;
}

static void kill_uid(runc_rt *rt, const char *uid, int grace_s, const cJSON *pod);

/* Ends a sync; returns true if the pod was forgotten meanwhile. */
static bool track_end(runc_rt *rt, const char *uid)
{
	pthread_mutex_lock(&rt->mu);
	pod_track *t = cube_strmap_get(rt->tracks, uid);
	bool forgotten = t && t->forgotten;
	if (t)
		t->busy = false;
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->mu);
	return forgotten;
}

static void track_drop(runc_rt *rt, const char *uid)
{
	pthread_mutex_lock(&rt->mu);
	pod_track *t = cube_strmap_del(rt->tracks, uid);
	if (t) {
		cube_oci_strv_free(t->watch);
		free(t);
	}
	/* its back-offs and reasons go too */
	const char **keys = NULL;
	cube_strmap *maps[] = {rt->backoffs, rt->waits, rt->probes};
	for (size_t m = 0; m < 3; m++) {
		size_t len = cube_strmap_len(maps[m]);
		const char **grown = realloc(keys, (len + 1) * sizeof(*keys));
		if (!grown)
			break;
		keys = grown;
		size_t k = cube_strmap_sorted_keys(maps[m], keys);
		char **dead = calloc(k + 1, sizeof(*dead));
		size_t nd = 0;
		for (size_t i = 0; dead && i < k; i++)
			if (strstr(keys[i], uid))
				dead[nd++] = strdup(keys[i]);
		for (size_t i = 0; i < nd; i++) {
			void *v = cube_strmap_del(maps[m], dead[i]);
			if (maps[m] == rt->probes)
				probe_entry_free(v);
			else
				free(v);
			free(dead[i]);
		}
		free(dead);
	}
	free(keys);
	pthread_cond_broadcast(&rt->cond);
	pthread_mutex_unlock(&rt->mu);
}

/* ---- back-off (client-go's flowcontrol.Backoff, 10 s doubling to 5 min) ---- */

/* Time left (ms) of the back-off `key` counted from `since` (wall seconds);
 * 0 when not backing off. */
static int64_t backoff_left(runc_rt *rt, const char *key, double since)
{
	pthread_mutex_lock(&rt->mu);
	backoff *b = cube_strmap_get(rt->backoffs, key);
	int64_t left = 0;
	if (b) {
		double end = (since > 0 ? since : b->last) + (double)b->ms / 1000;
		left = (int64_t)ceil((end - cube_time_wall()) * 1000);
		if (left < 0)
			left = 0;
	}
	pthread_mutex_unlock(&rt->mu);
	return left;
}

static int64_t backoff_next(runc_rt *rt, const char *key)
{
	pthread_mutex_lock(&rt->mu);
	backoff *b = cube_strmap_get(rt->backoffs, key);
	if (!b && (b = calloc(1, sizeof(*b))))
		cube_strmap_put(rt->backoffs, key, b, NULL);
	int64_t ms = 0;
	if (b) {
		b->ms = b->ms ? b->ms * 2 : BACKOFF_INITIAL_MS;
		if (b->ms > BACKOFF_MAX_MS)
			b->ms = BACKOFF_MAX_MS;
		b->last = cube_time_wall();
		ms = b->ms;
	}
	pthread_mutex_unlock(&rt->mu);
	return ms;
}

static int64_t backoff_current(runc_rt *rt, const char *key)
{
	pthread_mutex_lock(&rt->mu);
	backoff *b = cube_strmap_get(rt->backoffs, key);
	int64_t ms = b ? b->ms : 0;
	pthread_mutex_unlock(&rt->mu);
	return ms;
}

/* Go's time.Duration.String for whole seconds: "10s", "1m20s", "5m0s". */
static void go_duration(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;
	if (s >= 60)
		snprintf(buf, size, "%lldm%llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

static void set_waiting(runc_rt *rt, const char *uid, const char *name, const char *reason,
			const char *message)
{
	char key[512];
	snprintf(key, sizeof(key), "%s/%s", uid, name);
	pthread_mutex_lock(&rt->mu);
	waiting *w = cube_strmap_get(rt->waits, key);
	if (!reason) {
		free(cube_strmap_del(rt->waits, key));
	} else {
		if (!w && (w = calloc(1, sizeof(*w))))
			cube_strmap_put(rt->waits, key, w, NULL);
		if (w) {
			snprintf(w->reason, sizeof(w->reason), "%s", reason);
			snprintf(w->message, sizeof(w->message), "%s", message ? message : "");
		}
	}
	pthread_mutex_unlock(&rt->mu);
}

static bool get_waiting(runc_rt *rt, const char *uid, const char *name, waiting *out)
{
	char key[512];
	snprintf(key, sizeof(key), "%s/%s", uid, name);
	pthread_mutex_lock(&rt->mu);
	waiting *w = cube_strmap_get(rt->waits, key);
	if (w)
		*out = *w;
	pthread_mutex_unlock(&rt->mu);
	return w != NULL;
}

static void enqueue_after(runc_rt *rt, const cJSON *pod, int64_t ms)
{
	char key[CUBE_OBJ_KEY_MAX];
	if (rt->n->k->pod_ctl && cube_obj_key(pod, key, sizeof(key), NULL) > 0)
		cube_controller_enqueue_after(rt->n->k->pod_ctl, key, ms);
}

/* ---- mounts ---- */

/* Unmounts every mount at or below `dir`, deepest first. */
static void umount_below(const char *dir)
{
	size_t dl = strlen(dir);
	for (int pass = 0; pass < 8; pass++) {
		FILE *f = fopen("/proc/self/mountinfo", "r");
		if (!f)
			return;
		char line[8192], deepest[4096] = "";
		while (fgets(line, sizeof(line), f)) {
			char mp[4096];
			if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
				continue;
			if (strncmp(mp, dir, dl) || (mp[dl] != '/' && mp[dl] != '\0'))
				continue;
			if (strlen(mp) > strlen(deepest))
				snprintf(deepest, sizeof(deepest), "%s", mp);
		}
		fclose(f);
		if (!deepest[0])
			return;
		if (umount2(deepest, MNT_DETACH) < 0) {
			cube_log_warn("runc: umount %s: %s", deepest, strerror(errno));
			return;
		}
	}
}

/* ---- container records ---- */

typedef enum obs {
	OBS_NONE,
	OBS_RUNNING,
	OBS_EXITED,
} obs;

static cJSON *record_load(runc_rt *rt, const char *uid, const char *name)
{
	char path[2048];
	ctr_dir(rt, uid, name, path, sizeof(path));
	strncat(path, "/record.json", sizeof(path) - strlen(path) - 1);
	return read_json(path);
}

static int record_save(runc_rt *rt, const char *uid, const char *name, const cJSON *rec,
		       cube_err *err)
{
	char path[2048];
	ctr_dir(rt, uid, name, path, sizeof(path));
	strncat(path, "/record.json", sizeof(path) - strlen(path) - 1);
	return write_json(path, rec, err);
}

static bool shim_alive(pid_t pid, const char *id)
{
	if (pid <= 0 || kill(pid, 0) < 0)
		return false;
	char path[64], cmd[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (!cmd[i])
			cmd[i] = ' ';
	cmd[n] = '\0';
	return strstr(cmd, "--shim") && strstr(cmd, id);
}

/* Removes what an ended attempt holds: runc's state, the overlay, the
 * bundle (the record keeps how it ended). */
static void attempt_cleanup(runc_rt *rt, const char *uid, const char *name, const char *id)
{
	char out[1024], bundle[2048];
	runc(rt, "delete", "--force", id, out, sizeof(out));
	ctr_dir(rt, uid, name, bundle, sizeof(bundle));
	snprintf(bundle + strlen(bundle), sizeof(bundle) - strlen(bundle), "/%s", id);
	umount_below(bundle);
	rm_rf(bundle);
}

/* What the record's current attempt is doing now; an attempt found ended
 * is cleaned up and its end written into the record ("terminated"). */
static obs observe(runc_rt *rt, const char *uid, const char *name, cJSON *rec)
{
	if (!rec)
		return OBS_NONE;
	if (cJSON_GetObjectItemCaseSensitive(rec, "terminated"))
		return OBS_EXITED;
	const char *id = cube_json_str(rec, "id");
	if (!id)
		return OBS_NONE;
	char path[2400];
	ctr_dir(rt, uid, name, path, sizeof(path));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s/exit.json", id);
	cube_autojson cJSON *ex = read_json(path);
	cJSON *t = NULL;
	if (ex) {
		int code = (int)cube_json_int(ex, "exitCode", 255);
		bool oom = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ex, "oomKilled"));
		t = cJSON_CreateObject();
		cJSON_AddNumberToObject(t, "exitCode", code);
		cJSON_AddStringToObject(t, "reason",
					oom    ? "OOMKilled"
					: code ? "Error"
					       : "Completed");
		const char *fin = cube_json_str(ex, "finishedAt");
		cJSON_AddStringToObject(t, "startedAt", cube_json_str(rec, "startedAt"));
		cJSON_AddStringToObject(t, "finishedAt", fin ? fin : "");
	} else {
		pid_t shim = (pid_t)cube_json_int(rec, "shimPid", 0);
		if (shim_alive(shim, id))
			return OBS_RUNNING;
		char out[4096];
		if (runc(rt, "state", id, NULL, out, sizeof(out)) == 0) {
			cube_autojson cJSON *st = cJSON_Parse(out);
			const char *s = cube_json_str(st, "status");
			if (s && (!strcmp(s, "running") || !strcmp(s, "created") ||
				  !strcmp(s, "paused")))
				return OBS_RUNNING; /* its shim is gone, the container lives */
		}
		/* neither the shim nor runc knows how it ended */
		char now[32];
		cube_time_now(now, sizeof(now));
		t = cJSON_CreateObject();
		cJSON_AddNumberToObject(t, "exitCode", 137);
		cJSON_AddStringToObject(t, "reason", "ContainerStatusUnknown");
		cJSON_AddStringToObject(t, "message",
					"The container could not be located when the pod was "
					"terminated");
		cJSON_AddStringToObject(t, "startedAt", cube_json_str(rec, "startedAt"));
		cJSON_AddStringToObject(t, "finishedAt", now);
	}
	char cid[128];
	snprintf(cid, sizeof(cid), "runc://%s", id);
	cJSON_AddStringToObject(t, "containerID", cid);
	cJSON_AddItemToObject(rec, "terminated", t);
	attempt_cleanup(rt, uid, name, id);
	record_save(rt, uid, name, rec, NULL);
	return OBS_EXITED;
}

/* ---- the sandbox ---- */

static int write_pod_files(runc_rt *rt, const cJSON *pod, const char *uid, const char *ip,
			   cube_err *err)
{
	char dir[1024], path[1200];
	pod_dir(rt, uid, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/etc", dir);
	if (mkdirs(path, 0755) < 0)
		return cube_err_errno(err, errno, "mkdir %s", path);
	cube_autofree char *hosts = ocispec_hosts_file(pod, ip, "cluster.local");
	char host[80];
	ocispec_hostname(pod, host, sizeof(host));
	strcat(host, "\n");
	snprintf(path, sizeof(path), "%s/etc/hosts", dir);
	if (!hosts || write_file_inplace(path, hosts, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/etc/hostname", dir);
	if (write_file_inplace(path, host, err) < 0)
		return -1;
	/* No cluster DNS yet: the node's resolv.conf, as dnsPolicy Default. */
	cube_autofree char *resolv = read_file("/etc/resolv.conf");
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", dir);
	return write_file_inplace(path, resolv ? resolv : "", err);
}

/* Makes the pod's network namespace and wires it; its IP into ip. */
static int sandbox_up(runc_rt *rt, const cJSON *pod, const char *uid, char *ip, size_t size,
		      cube_err *err)
{
	if (cJSON_IsTrue(cube_json_path(pod, "spec.hostNetwork"))) {
		snprintf(ip, size, "%s", rt->n->ip);
		return 0;
	}
	char ns[96];
	netns_name(rt, uid, ns, sizeof(ns));
	if (!cube_netns_exists(ns) && cube_netns_create(ns, err) < 0 && err->code != CUBE_EEXIST)
		return -1;
	int fd = cube_netns_open(ns, err);
	if (fd < 0)
		return -1;
	int rc = podnet_setup(rt->net, uid, fd, ip, size, err);
	close(fd);
	if (rc < 0)
		return rc;
	cube_autofree char *hp = hostports_rules(pod, ip);
	return hostports_set(rt->hostports, uid, hp, err);
}

static void sandbox_down(runc_rt *rt, const char *uid)
{
	cube_err err = CUBE_ERR_INIT;
	if (hostports_set(rt->hostports, uid, NULL, &err) < 0)
		cube_log_warn("runc: pod %s: %s", uid, err.msg);
	if (podnet_teardown(rt->net, uid, &err) < 0)
		cube_log_warn("runc: pod %s: network teardown: %s", uid, err.msg);
	char ns[96];
	netns_name(rt, uid, ns, sizeof(ns));
	if (cube_netns_delete(ns, &err) < 0)
		cube_log_warn("runc: pod %s: %s", uid, err.msg);
}

/* ---- starting a container ---- */

typedef struct pod_ctx {
	runc_rt *rt;
	const cJSON *pod;
	const char *uid;
	char ip[64];
	char host[80];
	const char *blocked; /* a volume failed: no container starts (why) */
} pod_ctx;

/* uid[:gid] or a name from the image's /etc/passwd. */
static int resolve_user(const char *rootfs, const char *user, const cJSON *c, const cJSON *pod,
			uint32_t *uid, uint32_t *gid, cube_err *err)
{
	*uid = *gid = 0;
	char name[256] = "", group[256] = "";
	if (user && user[0])
		sscanf(user, "%255[^:]:%255s", name, group);
	if (name[0]) {
		char *end;
		unsigned long v = strtoul(name, &end, 10);
		if (!*end) {
			*uid = (uint32_t)v;
		} else {
			char path[4200], line[1024];
			snprintf(path, sizeof(path), "%s/etc/passwd", rootfs);
			FILE *f = fopen(path, "r");
			bool found = false;
			while (f && !found && fgets(line, sizeof(line), f)) {
				char n[256];
				unsigned u, g;
				if (sscanf(line, "%255[^:]:%*[^:]:%u:%u", n, &u, &g) == 3 &&
				    !strcmp(n, name)) {
					*uid = u;
					*gid = g;
					found = true;
				}
			}
			if (f)
				fclose(f);
			if (!found)
				return cube_err_set(err, CUBE_EINVAL,
						    "unable to find user %s: no matching entries "
						    "in passwd file",
						    name);
		}
	}
	if (group[0])
		*gid = (uint32_t)strtoul(group, NULL, 10);
	const char *paths[] = {"securityContext.runAsUser", "securityContext.runAsGroup"};
	for (int i = 0; i < 2; i++) {
		const cJSON *v = cube_json_path(c, paths[i]);
		if (!cJSON_IsNumber(v))
			v = cube_json_path(pod, i ? "spec.securityContext.runAsGroup"
						  : "spec.securityContext.runAsUser");
		if (cJSON_IsNumber(v))
			*(i ? gid : uid) = (uint32_t)v->valuedouble;
	}
	return 0;
}

/* The cgroup runc makes for container `id`: relative, under runc's own
 * (the shim's, i.e. the cubelet's) cgroup. */
static void cgroup_of(const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "cube-%s", id);
}

static void random_id(char *buf)
{
	unsigned char r[32];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ (int)time(NULL));
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(buf + 2 * i, 3, "%02x", r[i]);
}

/* Pulls the container's image per policy, with the kubelet's back-off and
 * events.  NULL when it cannot be had: the waiting reason is recorded. */
static cube_image *pull(pod_ctx *p, const cJSON *c, const char *name, char *image_name, size_t size)
{
	runc_rt *rt = p->rt;
	const char *image = cube_json_str(c, "image");
	if (!image || !image[0]) {
		set_waiting(rt, p->uid, name, "InvalidImageName", "no image");
		return NULL;
	}
	cube_imageref ref;
	cube_err err = CUBE_ERR_INIT;
	if (cube_imageref_parse(image, &ref, &err) < 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "Failed to apply default image tag \"%s\": %s", image,
			 err.msg);
		set_waiting(rt, p->uid, name, "InvalidImageName", msg);
		cube_event(rt->n->k->recorder, p->pod, "Warning", "InspectFailed", "%s", msg);
		return NULL;
	}
	cube_imageref_string(&ref, image_name, size);
	/* --registry-mirror DOMAIN=MIRROR: fetch from the mirror */
	const cube_flag_list *mir = &rt->n->k->cfg.registry_mirrors;
	for (size_t i = 0; i < mir->n; i++) {
		const char *eq = strchr(mir->v[i], '=');
		if (eq && (size_t)(eq - mir->v[i]) == strlen(ref.domain) &&
		    !strncmp(mir->v[i], ref.domain, strlen(ref.domain))) {
			snprintf(ref.domain, sizeof(ref.domain), "%s", eq + 1);
			break;
		}
	}
	char pull_ref[600];
	cube_imageref_string(&ref, pull_ref, sizeof(pull_ref));
	const char *pol = cube_json_str(c, "imagePullPolicy");
	if (!pol || !pol[0])
		pol = cube_imageref_default_pull_policy(image);
	cube_pull_policy policy = CUBE_PULL_IF_NOT_PRESENT;
	cube_pull_policy_parse(pol, &policy);
	cube_recorder *ev = rt->n->k->recorder;
	/* Present and not Always: no pull, no back-off. */
	if (policy != CUBE_PULL_ALWAYS) {
		cube_image *have = cube_imagestore_get(rt->images, pull_ref, NULL);
		if (have) {
			cube_event(ev, p->pod, "Normal", "Pulled",
				   "Container image \"%s\" already present on machine", image);
			return have;
		}
	}
	if (policy == CUBE_PULL_NEVER) {
		char msg[700];
		snprintf(msg, sizeof(msg),
			 "Container image \"%s\" is not present with pull policy of Never", image);
		set_waiting(rt, p->uid, name, "ErrImageNeverPull", msg);
		cube_event(ev, p->pod, "Warning", "ErrImageNeverPull", "%s", msg);
		return NULL;
	}
	char bkey[700];
	snprintf(bkey, sizeof(bkey), "pull/%s_%s", p->uid, image);
	int64_t left = backoff_left(rt, bkey, 0);
	if (left > 0) {
		waiting w;
		char msg[1200];
		snprintf(msg, sizeof(msg), "Back-off pulling image \"%s\"", image);
		if (get_waiting(rt, p->uid, name, &w) &&
		    (!strcmp(w.reason, "ErrImagePull") || !strcmp(w.reason, "ImagePullBackOff")))
			snprintf(msg, sizeof(msg),
				 "Back-off pulling image \"%s\": ErrImagePull: %s", image,
				 !strcmp(w.reason, "ErrImagePull")
					 ? w.message
					 : (strstr(w.message, "ErrImagePull: ")
						    ? strstr(w.message, "ErrImagePull: ") + 14
						    : w.message));
		set_waiting(rt, p->uid, name, "ImagePullBackOff", msg);
		cube_event(ev, p->pod, "Normal", "BackOff", "Back-off pulling image \"%s\"", image);
		enqueue_after(rt, p->pod, left + 50);
		return NULL;
	}
	cube_event(ev, p->pod, "Normal", "Pulling", "Pulling image \"%s\"", image);
	double t0 = cube_time_wall();
	cube_image *img = cube_imagestore_pull(rt->images, pull_ref, policy, NULL, &err);
	if (!img) {
		set_waiting(rt, p->uid, name, "ErrImagePull", err.msg);
		cube_event(ev, p->pod, "Warning", "Failed", "Failed to pull image \"%s\": %s",
			   image, err.msg);
		cube_event(ev, p->pod, "Warning", "Failed", "Error: ErrImagePull");
		enqueue_after(rt, p->pod, backoff_next(rt, bkey) + 50);
		return NULL;
	}
	double dt = cube_time_wall() - t0;
	cube_event(ev, p->pod, "Normal", "Pulled",
		   "Successfully pulled image \"%s\" in %.3fs (%.3fs including waiting). Image "
		   "size: %lld bytes.",
		   image, dt, dt, (long long)img->size);
	atomic_store(&rt->n->report_now, true); /* status.images changed */
	return img;
}

/* Prepares attempt `attempt` of container c and has a shim start it.  On
 * success returns the new record; on a start failure a record whose
 * attempt ended at once ("terminated", reason StartError, exit code 128);
 * NULL when it could not even be tried (a pull failure, a bad spec: the
 * waiting reason is set). */
static cJSON *start_container(pod_ctx *p, const cJSON *c, int attempt, const cJSON *last)
{
	runc_rt *rt = p->rt;
	cube_recorder *ev = rt->n->k->recorder;
	const char *name = cube_json_str(c, "name");
	char image_name[600];
	cube_image *img = pull(p, c, name, image_name, sizeof(image_name));
	if (!img)
		return NULL;
	cube_err err = CUBE_ERR_INIT;
	char **dirs = NULL, **argv = NULL, **cenv = NULL, **env = NULL;
	char id[80], cdir[2048], bundle[2200], rootfs[2300], upper[2300], work[2300], logdir[2300],
		logf[2400], cg[100], path[2400];
	cJSON *rec = NULL, *spec = NULL, *cmd = NULL, *args = NULL, *ann = NULL, *imgcfg = NULL,
	      *vmounts = NULL;
	bool mounted = false;
	random_id(id);
	ctr_dir(rt, p->uid, name, cdir, sizeof(cdir));
	snprintf(bundle, sizeof(bundle), "%s/%s", cdir, id);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(upper, sizeof(upper), "%s/upper", bundle);
	snprintf(work, sizeof(work), "%s/work", bundle);
	snprintf(logdir, sizeof(logdir), "%s/%s/logs/%s", rt->pods, p->uid, name);
	snprintf(logf, sizeof(logf), "%s/%d.log", logdir, attempt);
	cgroup_of(id, cg, sizeof(cg));
	const char *reason = "CreateContainerError";
	if (mkdirs(rootfs, 0755) < 0 || mkdirs(upper, 0755) < 0 || mkdirs(work, 0755) < 0 ||
	    mkdirs(logdir, 0755) < 0) {
		cube_err_errno(&err, errno, "bundle %s", bundle);
		goto fail;
	}
	if (cube_imagestore_layer_dirs(rt->images, img, &dirs, &err) < 0)
		goto fail;
	char opts[4096];
	size_t o = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = cube_oci_strv_len(dirs); i-- > 0 && o < sizeof(opts);)
		o += (size_t)snprintf(opts + o, sizeof(opts) - o, "%s%s", dirs[i], i ? ":" : "");
	if (o < sizeof(opts))
		o += (size_t)snprintf(opts + o, sizeof(opts) - o, ",upperdir=%s,workdir=%s", upper,
				      work);
	if (o >= sizeof(opts)) {
		cube_err_set(&err, CUBE_ETOOBIG, "too many layers for one overlay mount");
		goto fail;
	}
	if (mount("overlay", rootfs, "overlay", 0, opts) < 0) {
		cube_err_errno(&err, errno, "mounting the overlay root");
		goto fail;
	}
	mounted = true;
	/* the environment, then $(VAR) in command and args */
	const char *host_ip = rt->n->ip;
	volumes_held held = {.v = rt->vol, .ns = cube_obj_namespace(p->pod)};
	ocispec_lookup lk = volumes_lookup(&held);
	cenv = ocispec_env_from(p->pod, c, p->ip, host_ip, &lk, &err);
	volumes_held_release(&held);
	if (!cenv) {
		reason = "CreateContainerConfigError";
		goto fail;
	}
	cmd = cJSON_Duplicate(cube_json_path(c, "command"), true);
	args = cJSON_Duplicate(cube_json_path(c, "args"), true);
	cJSON *arrays[] = {cmd, args};
	for (size_t k = 0; k < 2; k++) {
		cJSON *w;
		cJSON_ArrayForEach (w, arrays[k])
			if (cJSON_IsString(w)) {
				cube_autofree char *x = ocispec_expand(w->valuestring, cenv);
				if (x)
					cJSON_SetValuestring(w, x);
			}
	}
	if (cube_oci_container_argv(img->config, cmd, args, &argv, &err) < 0)
		goto fail;
	size_t nc = cube_oci_strv_len(cenv);
	char **over = calloc(nc + 2, sizeof(*over));
	if (!over) {
		cube_err_set(&err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	char hostname_env[128];
	snprintf(hostname_env, sizeof(hostname_env), "HOSTNAME=%s", p->host);
	over[0] = hostname_env;
	for (size_t i = 0; i < nc; i++)
		over[i + 1] = cenv[i];
	/* an image without PATH gets containerd's default one */
	imgcfg = cJSON_IsObject(img->config) ? cJSON_Duplicate(img->config, true)
					     : cJSON_CreateObject();
	const cJSON *e;
	bool has_path = false;
	cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(imgcfg, "Env"))
		has_path |= cJSON_IsString(e) && !strncmp(e->valuestring, "PATH=", 5);
	if (!has_path) {
		cJSON *envs = cJSON_GetObjectItemCaseSensitive(imgcfg, "Env");
		if (!cJSON_IsArray(envs)) {
			cJSON_DeleteItemFromObjectCaseSensitive(imgcfg, "Env");
			envs = cJSON_AddArrayToObject(imgcfg, "Env");
		}
		cJSON_InsertItemInArray(
			envs, 0,
			cJSON_CreateString("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
					   "/sbin:/bin"));
	}
	env = cube_oci_env_merge(imgcfg, over, &err);
	free(over);
	if (!env)
		goto fail;
	ocispec_in in = {.argv = argv,
			 .env = env,
			 .hostname = p->host,
			 .rootfs = rootfs,
			 .cgroups_path = cg};
	/* as containerd: 1048576 open files, or what we may give */
	struct rlimit rl;
	in.nofile = 1048576;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    rl.rlim_max < in.nofile)
		in.nofile = rl.rlim_max;
	const char *wd = cube_json_str(c, "workingDir");
	in.cwd = wd && wd[0] ? wd : cube_oci_config_string(img->config, "WorkingDir");
	if (resolve_user(rootfs, cube_oci_config_string(img->config, "User"), c, p->pod, &in.uid,
			 &in.gid, &err) < 0) {
		reason = "CreateContainerConfigError";
		goto fail;
	}
	char netns[600], hosts[1200], hostname[1200], resolv[1200];
	if (cJSON_IsTrue(cube_json_path(p->pod, "spec.hostNetwork"))) {
		in.netns = rt->host_netns[0] ? rt->host_netns : NULL;
	} else {
		char ns[96];
		netns_name(rt, p->uid, ns, sizeof(ns));
		snprintf(netns, sizeof(netns), "%s/%s", CUBE_NETNS_DIR, ns);
		in.netns = netns;
	}
	char pdir[1024];
	pod_dir(rt, p->uid, pdir, sizeof(pdir));
	snprintf(hosts, sizeof(hosts), "%s/etc/hosts", pdir);
	snprintf(hostname, sizeof(hostname), "%s/etc/hostname", pdir);
	snprintf(resolv, sizeof(resolv), "%s/etc/resolv.conf", pdir);
	in.hosts = hosts;
	in.hostname_file = hostname;
	in.resolv = resolv;
	if (!(vmounts = volumes_mounts(p->pod, c, pdir, cenv, &err))) {
		reason = "CreateContainerConfigError";
		goto fail;
	}
	in.mounts = vmounts;
	if (ocispec_resources_of(c, &in.res, &err) < 0) {
		reason = "CreateContainerConfigError";
		goto fail;
	}
	ann = cJSON_CreateObject();
	cJSON_AddStringToObject(ann, "io.kubernetes.pod.uid", p->uid);
	cJSON_AddStringToObject(ann, "io.kubernetes.pod.name", cube_obj_name(p->pod));
	cJSON_AddStringToObject(ann, "io.kubernetes.pod.namespace", cube_obj_namespace(p->pod));
	cJSON_AddStringToObject(ann, "io.kubernetes.container.name", name);
	in.annotations = ann;
	spec = ocispec_runtime_spec(&in);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (!spec || write_json(path, spec, &err) < 0)
		goto fail;
	/* the log of the attempt before last goes (the last one is "previous") */
	if (attempt >= 2) {
		snprintf(path, sizeof(path), "%s/%d.log", logdir, attempt - 2);
		logrotate_remove(path);
	}
	/* the record first: a cubelet killed right now finds the bundle */
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "id", id);
	cJSON_AddNumberToObject(rec, "attempt", attempt);
	cJSON_AddStringToObject(rec, "image", image_name);
	cJSON_AddStringToObject(rec, "imageID",
				img->names && img->names[0] ? img->names[0] : img->id);
	cJSON_AddStringToObject(rec, "imageDigest", img->id);
	cJSON_AddStringToObject(rec, "log", logf);
	if (last)
		cJSON_AddItemToObject(rec, "lastState", cJSON_Duplicate(last, true));
	if (record_save(rt, p->uid, name, rec, &err) < 0)
		goto fail;
	cube_event(ev, p->pod, "Normal", "Created", "Created container %s", name);
	shim_started s;
	const cubelet_config *kc = &rt->n->k->cfg;
	shim_log_limits lim = {kc->log_max_size > 0 ? kc->log_max_size : LOGROTATE_DEFAULT_MAX_SIZE,
			       kc->log_max_files > 0 ? kc->log_max_files
						     : LOGROTATE_DEFAULT_MAX_FILES};
	if (shim_spawn(rt->exe, rt->runc_root, bundle, id, logf, cg, &lim, &s, &err) < 0) {
		cube_event(ev, p->pod, "Warning", "Failed", "Error: %s", err.msg);
		char now[32], cid[128];
		cube_time_now(now, sizeof(now));
		snprintf(cid, sizeof(cid), "runc://%s", id);
		cJSON *t = cJSON_AddObjectToObject(rec, "terminated");
		cJSON_AddNumberToObject(t, "exitCode", 128);
		cJSON_AddStringToObject(t, "reason", "StartError");
		cJSON_AddStringToObject(t, "message", err.msg);
		cJSON_AddStringToObject(t, "startedAt", "1970-01-01T00:00:00Z");
		cJSON_AddStringToObject(t, "finishedAt", now);
		cJSON_AddStringToObject(t, "containerID", cid);
		cJSON_AddStringToObject(rec, "startedAt", "1970-01-01T00:00:00Z");
		attempt_cleanup(rt, p->uid, name, id);
		mounted = false;
		record_save(rt, p->uid, name, rec, NULL);
		set_waiting(rt, p->uid, name, NULL, NULL);
		goto out;
	}
	cJSON_AddStringToObject(rec, "startedAt", s.started_at);
	cJSON_AddNumberToObject(rec, "shimPid", s.shim_pid);
	cJSON_AddNumberToObject(rec, "pid", s.pid);
	record_save(rt, p->uid, name, rec, NULL);
	set_waiting(rt, p->uid, name, NULL, NULL);
	cube_event(ev, p->pod, "Normal", "Started", "Started container %s", name);
	hook_ctx hc = {.ev = ev, .pod = p->pod, .container = c, .id = id, .pid = s.pid};
	snprintf(path, sizeof(path), "%s/exit.json", bundle);
	hook_target(rt, p->uid, &hc, p->ip, path);
	hooks_post_start(&hc);
	goto out;
fail:
	cube_log_warn("runc: pod %s container %s: %s", p->uid, name, err.msg);
	set_waiting(rt, p->uid, name, reason, err.msg);
	cube_event(ev, p->pod, "Warning", "Failed", "Error: %s", err.msg);
	cJSON_Delete(rec);
	rec = NULL;
	if (mounted)
		umount_below(bundle);
	rm_rf(bundle);
	char ckey[600];
	snprintf(ckey, sizeof(ckey), "config/%s/%s", p->uid, name);
	enqueue_after(rt, p->pod, backoff_next(rt, ckey));
out:
	cJSON_Delete(spec);
	cJSON_Delete(cmd);
	cJSON_Delete(args);
	cJSON_Delete(ann);
	cJSON_Delete(imgcfg);
	cJSON_Delete(vmounts);
	cube_oci_strv_free(dirs);
	cube_oci_strv_free(argv);
	cube_oci_strv_free(cenv);
	cube_oci_strv_free(env);
	cube_image_free(img);
	return rec;
}

/* ---- probes ---- */

/* Keeps the container's probe entries in line with what runs (id NULL:
 * nothing runs) and returns whether it is ready: running, started, and its
 * readiness probe, if any, has succeeded.  *started: running and its
 * startup probe, if any, has succeeded; until then liveness and readiness
 * are not run (as the kubelet). */
static bool probes_sync(pod_ctx *p, const cJSON *c, const char *name, const char *id,
			const char *started_at, bool *started)
{
	runc_rt *rt = p->rt;
	bool ready = id != NULL;
	*started = id != NULL;
	static const char *const kinds[] = {"startupProbe", "readinessProbe", "livenessProbe"};
	static const char *const keys[] = {"startup", "readiness", "liveness"};
	for (int k = 0; k < 3; k++) {
		char key[600];
		snprintf(key, sizeof(key), "%s/%s/%s", p->uid, name, keys[k]);
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(c, kinds[k]);
		pthread_mutex_lock(&rt->mu);
		probe_entry *e = cube_strmap_get(rt->probes, key);
		if (!id || !cJSON_IsObject(spec) || (k != PROBE_STARTUP && !*started)) {
			probe_entry_free(cube_strmap_del(rt->probes, key));
			pthread_mutex_unlock(&rt->mu);
			continue;
		}
		if (!e || strcmp(e->id, id)) {
			/* a new attempt: its probes start over */
			probe_entry_free(cube_strmap_del(rt->probes, key));
			e = calloc(1, sizeof(*e));
			if (e && cube_strmap_put(rt->probes, key, e, NULL) == 0) {
				cube_obj_key(p->pod, e->pod_key, sizeof(e->pod_key), NULL);
				snprintf(e->id, sizeof(e->id), "%s", id);
				snprintf(e->ip, sizeof(e->ip), "%s", p->ip);
				if (!cJSON_IsTrue(cube_json_path(p->pod, "spec.hostNetwork")))
					netns_name(rt, p->uid, e->netns, sizeof(e->netns));
				e->kind = k;
				e->probe = cJSON_Duplicate(spec, true);
				e->container = cJSON_Duplicate(c, true);
				e->ref = cJSON_CreateObject();
				cJSON_AddStringToObject(e->ref, "apiVersion", "v1");
				cJSON_AddStringToObject(e->ref, "kind", "Pod");
				cJSON_AddItemToObject(
					e->ref, "metadata",
					cJSON_Duplicate(cube_json_path(p->pod, "metadata"), true));
				e->grace_s = (int)cube_json_int(
					p->pod, "spec.terminationGracePeriodSeconds", 30);
				double t0 = cube_time_wall();
				cube_time_parse(started_at, &t0);
				e->next_ms = (int64_t)(t0 * 1000) +
					     probe_field(spec, "initialDelaySeconds") * 1000LL;
				e->st.result = k == PROBE_LIVENESS ? 1 : -1;
			} else {
				free(e);
				e = NULL;
			}
		}
		if (e && k == PROBE_STARTUP)
			*started = e->st.result == 1;
		if (e && k == PROBE_READINESS)
			ready = ready && e->st.result == 1;
		pthread_mutex_unlock(&rt->mu);
	}
	return ready && *started;
}

typedef struct probe_job {
	char key[600];
	char id[80];
	char ip[64];
	char netns[96];
	cJSON *probe, *container;
} probe_job;

typedef struct due_ctx {
	int64_t now;
	probe_job *jobs;
	size_t n, cap;
	runc_rt *rt;
} due_ctx;

static int collect_due(void *ud, const char *key, void *value)
{
	due_ctx *d = ud;
	probe_entry *e = value;
	if (e->kill_at && d->now >= e->kill_at) {
		char out[512];
		runc(d->rt, "kill", e->id, "KILL", out, sizeof(out));
		e->kill_at = 0;
	}
	if (e->next_ms > d->now)
		return 0;
	e->next_ms = d->now + probe_field(e->probe, "periodSeconds") * 1000LL;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 8;
		probe_job *g = realloc(d->jobs, nc * sizeof(*g));
		if (!g)
			return 0;
		d->jobs = g;
		d->cap = nc;
	}
	probe_job *j = &d->jobs[d->n++];
	snprintf(j->key, sizeof(j->key), "%s", key);
	snprintf(j->id, sizeof(j->id), "%s", e->id);
	snprintf(j->ip, sizeof(j->ip), "%s", e->ip);
	snprintf(j->netns, sizeof(j->netns), "%s", e->netns);
	j->probe = cJSON_Duplicate(e->probe, true);
	j->container = cJSON_Duplicate(e->container, true);
	return 0;
}

/* Applies one result, as the kubelet's prober worker: thresholds, the
 * readiness result (the pod requeued when it flips), a startup success
 * (the probe stops; the pod requeued: its liveness and readiness begin), a
 * liveness or startup failure kills the container (SIGTERM, SIGKILL after
 * the grace period) so that its restart policy restarts it. */
static void probe_result(runc_rt *rt, const probe_job *j, bool ok, const char *msg)
{
	pthread_mutex_lock(&rt->mu);
	probe_entry *e = cube_strmap_get(rt->probes, j->key);
	if (!e || strcmp(e->id, j->id)) {
		pthread_mutex_unlock(&rt->mu);
		return; /* the attempt is gone meanwhile */
	}
	cube_recorder *ev = rt->n->k->recorder;
	static const char *const whats[] = {"Startup", "Readiness", "Liveness"};
	const char *what = whats[e->kind];
	const char *name = cube_json_str(e->container, "name");
	if (!ok)
		cube_event(ev, e->ref, "Warning", "Unhealthy", "%s probe failed: %s", what, msg);
	bool flipped = probe_state_apply(&e->st, e->probe, ok);
	bool kill_now = e->kind != PROBE_READINESS && e->st.result == 0;
	if (e->kind == PROBE_STARTUP && e->st.result == 1)
		e->next_ms = INT64_MAX; /* started: this attempt is not probed again */
	if (kill_now) {
		cube_event(ev, e->ref, "Normal", "Killing",
			   "Container %s failed %s probe, will be restarted", name ? name : "",
			   e->kind == PROBE_STARTUP ? "startup" : "liveness");
		e->kill_at = wall_ms() + e->grace_s * 1000LL;
		e->next_ms = INT64_MAX; /* until the new attempt */
	}
	char pod_key[CUBE_OBJ_KEY_MAX];
	snprintf(pod_key, sizeof(pod_key), "%s", e->pod_key);
	bool requeue = flipped && e->kind != PROBE_LIVENESS;
	pthread_mutex_unlock(&rt->mu);
	if (kill_now) {
		char out[512];
		runc(rt, "kill", j->id, "TERM", out, sizeof(out));
	}
	if (requeue && rt->n->k->pod_ctl)
		cube_controller_enqueue(rt->n->k->pod_ctl, pod_key);
}

static void *prober_main(void *arg)
{
	runc_rt *rt = arg;
	while (!atomic_load(&rt->stop)) {
		usleep(100 * 1000);
		due_ctx d = {.now = wall_ms(), .rt = rt};
		pthread_mutex_lock(&rt->mu);
		cube_strmap_each(rt->probes, collect_due, &d);
		pthread_mutex_unlock(&rt->mu);
		for (size_t i = 0; i < d.n; i++) {
			probe_job *j = &d.jobs[i];
			int fd = -1;
			if (j->netns[0])
				fd = cube_netns_open(j->netns, NULL);
			probe_target t = {.runc_root = rt->runc_root,
					  .container_id = j->id,
					  .pod_ip = j->ip,
					  .netns_fd = j->netns[0] ? fd : rt->node_nsfd,
					  .container = j->container};
			char msg[512];
			bool ok = !atomic_load(&rt->stop) && (!j->netns[0] || fd >= 0) &&
				  probe_run(j->probe, &t, msg, sizeof(msg));
			if (!ok && j->netns[0] && fd < 0)
				snprintf(msg, sizeof(msg), "the pod's network namespace is gone");
			if (fd >= 0)
				close(fd);
			if (!atomic_load(&rt->stop))
				probe_result(rt, j, ok, msg);
			cJSON_Delete(j->probe);
			cJSON_Delete(j->container);
		}
		free(d.jobs);
	}
	return NULL;
}

/* ---- one container's step of a sync ---- */

typedef struct step {
	cJSON *cs;    /* its status entry */
	bool running; /* state.running */
	bool ready;   /* running and its readiness probe (if any) succeeded */
	bool done;    /* terminated with exit code 0 (and stays so) */
	bool failed;  /* terminated non-zero, not to be restarted */
	char watch[2400];
} step;

static cJSON *waiting_state(const char *reason, const char *message)
{
	cJSON *s = cJSON_CreateObject();
	cJSON *w = cJSON_AddObjectToObject(s, "waiting");
	cJSON_AddStringToObject(w, "reason", reason);
	if (message && message[0])
		cJSON_AddStringToObject(w, "message", message);
	return s;
}

static cJSON *terminated_state(const cJSON *t)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddItemToObject(s, "terminated", cJSON_Duplicate(t, true));
	return s;
}

static void status_entry(step *st, const cJSON *c, const cJSON *rec, cJSON *state, bool init)
{
	const char *name = cube_json_str(c, "name");
	cJSON *cs = cJSON_CreateObject();
	cJSON_AddStringToObject(cs, "name", name ? name : "");
	cJSON_AddItemToObject(cs, "state", state);
	const cJSON *last = cJSON_GetObjectItemCaseSensitive(rec, "lastState");
	cJSON *ls = cJSON_AddObjectToObject(cs, "lastState");
	/* a restart pending: the ended attempt is the last state */
	const cJSON *term = cJSON_GetObjectItemCaseSensitive(rec, "terminated");
	if (cJSON_GetObjectItemCaseSensitive(state, "waiting") && term)
		cJSON_AddItemToObject(ls, "terminated", cJSON_Duplicate(term, true));
	else if (last)
		cJSON_AddItemToObject(ls, "terminated", cJSON_Duplicate(last, true));
	bool running = cJSON_GetObjectItemCaseSensitive(state, "running") != NULL;
	cJSON_AddBoolToObject(cs, "ready", running && !init);
	int restarts = (int)cube_json_int(rec, "attempt", 0);
	cJSON_AddNumberToObject(cs, "restartCount", restarts);
	const char *image = cube_json_str(rec, "image");
	if (!image)
		image = cube_json_str(c, "image");
	cJSON_AddStringToObject(cs, "image", image ? image : "");
	const char *iid = cube_json_str(rec, "imageID");
	cJSON_AddStringToObject(cs, "imageID", iid ? iid : "");
	const char *id = cube_json_str(rec, "id");
	if (id) {
		char cid[128];
		snprintf(cid, sizeof(cid), "runc://%s", id);
		cJSON_AddStringToObject(cs, "containerID", cid);
	}
	cJSON_AddBoolToObject(cs, "started", running);
	st->cs = cs;
	st->running = running;
}

static void container_step(pod_ctx *p, const cJSON *c, bool may_start, bool init, step *st)
{
	runc_rt *rt = p->rt;
	memset(st, 0, sizeof(*st));
	const char *name = cube_json_str(c, "name");
	if (!name)
		name = "";
	const char *rp = cube_json_str(p->pod, "spec.restartPolicy");
	if (!rp)
		rp = "Always";
	cube_autojson cJSON *rec = record_load(rt, p->uid, name);
	obs o = observe(rt, p->uid, name, rec);
	bool started_now = false;
	if (o != OBS_RUNNING && !init)
		probes_sync(p, c, name, NULL, NULL,
			    &(bool){false}); /* none while it does not run */
	if (p->blocked)
		may_start = false;
	if (o == OBS_NONE) {
		if (!may_start) {
			/* the kubelet's default waiting reason: PodInitializing in a pod
			 * with init containers, else ContainerCreating */
			bool inits = cJSON_GetArraySize(
					     cube_json_path(p->pod, "spec.initContainers")) > 0;
			const char *why =
				p->blocked && !inits ? "ContainerCreating" : "PodInitializing";
			status_entry(st, c, rec, waiting_state(why, p->blocked), init);
			return;
		}
		cJSON *made = start_container(p, c, 0, NULL);
		if (!made) {
			waiting w;
			if (!get_waiting(rt, p->uid, name, &w))
				snprintf(w.reason, sizeof(w.reason), "ContainerCreating");
			status_entry(st, c, rec, waiting_state(w.reason, w.message), init);
			return;
		}
		cJSON_Delete(rec);
		rec = made;
		o = cJSON_GetObjectItemCaseSensitive(rec, "terminated") ? OBS_EXITED : OBS_RUNNING;
		started_now = true;
	}
	if (o == OBS_EXITED) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, "terminated");
		int code = (int)cube_json_int(t, "exitCode", 0);
		bool restart = init ? code != 0 && strcmp(rp, "Never")
				    : !strcmp(rp, "Always") || (!strcmp(rp, "OnFailure") && code);
		if (!restart || !may_start || started_now) {
			if (restart && started_now)
				enqueue_after(rt, p->pod, 100); /* the restart logic, next sync */
			status_entry(st, c, rec, terminated_state(t), init);
			st->done = code == 0 && !restart;
			st->failed = code != 0 && !restart;
			if (restart)
				st->done = st->failed = false;
			return;
		}
		char bkey[512];
		snprintf(bkey, sizeof(bkey), "crash/%s/%s", p->uid, name);
		double fin = 0;
		cube_time_parse(cube_json_str(t, "finishedAt"), &fin);
		int64_t left = backoff_left(rt, bkey, fin);
		if (left > 0) {
			char d[32], msg[600];
			go_duration(backoff_current(rt, bkey), d, sizeof(d));
			snprintf(msg, sizeof(msg),
				 "back-off %s restarting failed container=%s pod=%s_%s(%s)", d,
				 name, cube_obj_name(p->pod), cube_obj_namespace(p->pod), p->uid);
			cube_event(rt->n->k->recorder, p->pod, "Warning", "BackOff",
				   "Back-off restarting failed container %s in pod %s_%s(%s)", name,
				   cube_obj_name(p->pod), cube_obj_namespace(p->pod), p->uid);
			status_entry(st, c, rec, waiting_state("CrashLoopBackOff", msg), init);
			enqueue_after(rt, p->pod, left + 50);
			return;
		}
		backoff_next(rt, bkey);
		int attempt = (int)cube_json_int(rec, "attempt", 0) + 1;
		cJSON *made = start_container(p, c, attempt, t);
		if (!made) {
			waiting w;
			if (!get_waiting(rt, p->uid, name, &w))
				snprintf(w.reason, sizeof(w.reason), "ContainerCreating");
			status_entry(st, c, rec, waiting_state(w.reason, w.message), init);
			return;
		}
		cJSON_Delete(rec);
		rec = made;
		if (cJSON_GetObjectItemCaseSensitive(rec, "terminated")) {
			enqueue_after(rt, p->pod, 100);
			status_entry(st, c, rec,
				     terminated_state(
					     cJSON_GetObjectItemCaseSensitive(rec, "terminated")),
				     init);
			return;
		}
	}
	/* running */
	cJSON *s = cJSON_CreateObject();
	cJSON *r = cJSON_AddObjectToObject(s, "running");
	const char *at = cube_json_str(rec, "startedAt");
	cJSON_AddStringToObject(r, "startedAt", at ? at : "");
	status_entry(st, c, rec, s, init);
	if (!init) {
		bool started;
		st->ready = probes_sync(p, c, name, cube_json_str(rec, "id"), at, &started);
		cJSON_ReplaceItemInObjectCaseSensitive(st->cs, "ready",
						       cJSON_CreateBool(st->ready));
		cJSON_ReplaceItemInObjectCaseSensitive(st->cs, "started",
						       cJSON_CreateBool(started));
	}
	ctr_dir(rt, p->uid, name, st->watch, sizeof(st->watch));
	snprintf(st->watch + strlen(st->watch), sizeof(st->watch) - strlen(st->watch),
		 "/%s/exit.json", cube_json_str(rec, "id"));
}

/* ---- the pod's status ---- */

static void add_condition(cJSON *conds, const cJSON *old_status, const char *type, bool status,
			  const char *reason, const char *message, const char *now)
{
	const char *ts = now;
	const cJSON *oc;
	cJSON_ArrayForEach (oc, cube_json_path(old_status, "conditions")) {
		const char *t = cube_json_str(oc, "type"), *s = cube_json_str(oc, "status");
		if (t && s && !strcmp(t, type) && !strcmp(s, status ? "True" : "False")) {
			const char *lt = cube_json_str(oc, "lastTransitionTime");
			if (lt)
				ts = lt;
		}
	}
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status ? "True" : "False");
	cJSON_AddNullToObject(c, "lastProbeTime");
	cJSON_AddStringToObject(c, "lastTransitionTime", ts);
	if (reason)
		cJSON_AddStringToObject(c, "reason", reason);
	if (message)
		cJSON_AddStringToObject(c, "message", message);
	cJSON_AddItemToArray(conds, c);
}

static void ip_list(cJSON *st, const char *field, const char *listfield, const char *ip)
{
	cJSON_AddStringToObject(st, field, ip);
	cJSON *a = cJSON_AddArrayToObject(st, listfield);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ip", ip);
	cJSON_AddItemToArray(a, o);
}

static int runc_sync_inner(runc_rt *rt, const cJSON *pod, const char *uid, pod_track *track,
			   cJSON **out, cube_err *err)
{
	pod_ctx p = {.rt = rt, .pod = pod, .uid = uid};
	char dir[1024], path[1200];
	pod_dir(rt, uid, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/containers", dir);
	if (mkdirs(path, 0755) < 0)
		return cube_err_errno(err, errno, "mkdir %s", path);
	snprintf(path, sizeof(path), "%s/pod.json", dir);
	if (access(path, F_OK) < 0) {
		cube_autojson cJSON *meta = cJSON_CreateObject();
		cJSON_AddStringToObject(meta, "namespace", cube_obj_namespace(pod));
		cJSON_AddStringToObject(meta, "name", cube_obj_name(pod));
		cJSON_AddStringToObject(meta, "uid", uid);
		if (write_json(path, meta, err) < 0)
			return -1;
	}
	ocispec_hostname(pod, p.host, sizeof(p.host));
	if (sandbox_up(rt, pod, uid, p.ip, sizeof(p.ip), err) < 0) {
		cube_event(rt->n->k->recorder, pod, "Warning", "FailedCreatePodSandBox",
			   "Failed to create pod sandbox: %s", err->msg);
		return -1;
	}
	if (write_pod_files(rt, pod, uid, p.ip, err) < 0)
		return -1;
	cube_err verr = CUBE_ERR_INIT;
	if (volumes_setup(rt->vol, pod, dir, &verr) < 0) {
		p.blocked = verr.msg;
		char vkey[256];
		snprintf(vkey, sizeof(vkey), "volumes/%s", uid);
		enqueue_after(rt, pod, backoff_next(rt, vkey));
	}
	const cJSON *old = cube_json_path(pod, "status");
	char now[32];
	cube_time_now(now, sizeof(now));
	cJSON *st = cJSON_CreateObject();
	cJSON *watch = cJSON_CreateArray();
	/* init containers, one at a time, in order */
	const cJSON *inits = cube_json_path(pod, "spec.initContainers");
	bool init_done = true, may_start = true;
	char incomplete[1024] = "";
	if (cJSON_GetArraySize(inits) > 0) {
		cJSON *arr = cJSON_AddArrayToObject(st, "initContainerStatuses");
		const cJSON *c;
		cJSON_ArrayForEach (c, inits) {
			step s;
			container_step(&p, c, may_start, true, &s);
			cJSON_AddItemToArray(arr, s.cs);
			if (s.watch[0])
				cJSON_AddItemToArray(watch, cJSON_CreateString(s.watch));
			if (!s.done) {
				init_done = false;
				may_start = false;
				snprintf(incomplete + strlen(incomplete),
					 sizeof(incomplete) - strlen(incomplete), "%s%s",
					 incomplete[0] ? " " : "", cube_json_str(c, "name"));
			}
		}
	}
	/* then the app containers, all at once */
	cJSON *arr = cJSON_AddArrayToObject(st, "containerStatuses");
	const cJSON *c;
	char unready[1024] = "";
	bool all_ready = true;
	cJSON_ArrayForEach (c, cube_json_path(pod, "spec.containers")) {
		step s;
		container_step(&p, c, init_done, false, &s);
		cJSON_AddItemToArray(arr, s.cs);
		if (s.watch[0])
			cJSON_AddItemToArray(watch, cJSON_CreateString(s.watch));
		if (!s.ready) {
			all_ready = false;
			snprintf(unready + strlen(unready), sizeof(unready) - strlen(unready),
				 "%s%s", unready[0] ? " " : "", cube_json_str(c, "name"));
		}
	}
	const char *phase = ocispec_phase(pod, st);
	bool terminal = !strcmp(phase, "Succeeded") || !strcmp(phase, "Failed");
	cJSON_AddStringToObject(st, "phase", phase);
	cJSON *conds = cJSON_AddArrayToObject(st, "conditions");
	char msg[1200];
	add_condition(conds, old, "PodReadyToStartContainers", !terminal, NULL, NULL, now);
	snprintf(msg, sizeof(msg), "containers with incomplete status: [%s]", incomplete);
	add_condition(conds, old, "Initialized", init_done,
		      init_done ? NULL : "ContainersNotInitialized", init_done ? NULL : msg, now);
	snprintf(msg, sizeof(msg), "containers with unready status: [%s]", unready);
	const char *nr_reason = terminal ? "PodCompleted" : "ContainersNotReady";
	const char *nr_msg = terminal ? NULL : msg;
	add_condition(conds, old, "Ready", all_ready, all_ready ? NULL : nr_reason,
		      all_ready ? NULL : nr_msg, now);
	add_condition(conds, old, "ContainersReady", all_ready, all_ready ? NULL : nr_reason,
		      all_ready ? NULL : nr_msg, now);
	add_condition(conds, old, "PodScheduled", true, NULL, NULL, now);
	ip_list(st, "hostIP", "hostIPs", rt->n->ip);
	ip_list(st, "podIP", "podIPs", p.ip);
	const char *started = cube_json_str(pod, "status.startTime");
	cJSON_AddStringToObject(st, "startTime", started ? started : now);
	const char *qos = cube_json_str(pod, "status.qosClass");
	cJSON_AddStringToObject(st, "qosClass", qos ? qos : "BestEffort");
	/* the PLEG watches the running ones */
	pthread_mutex_lock(&rt->mu);
	cube_oci_strv_free(track->watch);
	size_t nw = (size_t)cJSON_GetArraySize(watch);
	track->watch = calloc(nw + 1, sizeof(char *));
	for (size_t i = 0; track->watch && i < nw; i++)
		track->watch[i] = strdup(cJSON_GetArrayItem(watch, (int)i)->valuestring);
	pthread_mutex_unlock(&rt->mu);
	cJSON_Delete(watch);
	/* a finished pod's sandbox goes at once (its IP stays in the status) */
	if (terminal)
		sandbox_down(rt, uid);
	*out = st;
	return 0;
}

static int runc_sync(kubelet_node *n, const cJSON *pod, cJSON **out, cube_err *err)
{
	runc_rt *rt = n->runtime_state;
	const char *uid = cube_obj_uid(pod);
	char key[CUBE_OBJ_KEY_MAX];
	if (!uid || strchr(uid, '/') || !uid[0] || cube_obj_key(pod, key, sizeof(key), err) < 0)
		return cube_err_set(err, CUBE_EINVAL, "pod without a usable uid");
	pod_track *t = track_begin(rt, uid, key);
	if (!t)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	int rc = runc_sync_inner(rt, pod, uid, t, out, err);
	if (track_end(rt, uid)) {
		kill_uid(rt, uid, 0, NULL);
		if (rc == 0) {
			cJSON_Delete(*out);
			*out = NULL;
		}
	}
	return rc;
}

/* ---- stopping ---- */

typedef struct victim {
	char name[256];
	char id[80];
	char exit[2400];
	pid_t shim;
	bool live;
} victim;

/* Stops every container of pod uid (SIGTERM, grace_s, SIGKILL), removes
 * runc's state, the mounts, the sandbox and the pod's directory. */
static void kill_uid(runc_rt *rt, const char *uid, int grace_s, const cJSON *pod)
{
	char dir[1024], cdir[1200];
	pod_dir(rt, uid, dir, sizeof(dir));
	snprintf(cdir, sizeof(cdir), "%s/containers", dir);
	victim *v = NULL;
	size_t n = 0;
	DIR *d = opendir(cdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cube_autojson cJSON *rec = record_load(rt, uid, e->d_name);
		const char *id = cube_json_str(rec, "id");
		if (!id)
			continue;
		victim *g = realloc(v, (n + 1) * sizeof(*v));
		if (!g)
			break;
		v = g;
		victim *x = &v[n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", e->d_name);
		snprintf(x->id, sizeof(x->id), "%s", id);
		snprintf(x->exit, sizeof(x->exit), "%s/%s/%s/exit.json", cdir, e->d_name, id);
		x->shim = (pid_t)cube_json_int(rec, "shimPid", 0);
		x->live = !cJSON_GetObjectItemCaseSensitive(rec, "terminated") &&
			  access(x->exit, F_OK) < 0;
	}
	if (d)
		closedir(d);
	char out[1024];
	/* preStop hooks first, within the grace period */
	int spent = 0;
	bool hooked = false;
	const char *ip = cube_json_str(pod, "status.podIP");
	for (size_t i = 0; pod && grace_s > 0 && i < n; i++) {
		const cJSON *c = NULL, *x;
		cJSON_ArrayForEach (x, cube_json_path(pod, "spec.containers")) {
			const char *cn = cube_json_str(x, "name");
			if (cn && !strcmp(cn, v[i].name))
				c = x;
		}
		if (!v[i].live || access(v[i].exit, F_OK) == 0 ||
		    !cube_json_path(c, "lifecycle.preStop"))
			continue;
		hook_ctx hc = {.ev = rt->n->k->recorder, .pod = pod, .container = c, .id = v[i].id};
		hook_target(rt, uid, &hc, ip ? ip : "", v[i].exit);
		spent += hooks_pre_stop(&hc, grace_s - spent);
		hooked = true;
	}
	if (hooked)
		grace_s = hooks_grace_left(grace_s, spent, true);
	const char *sig = grace_s > 0 ? "TERM" : "KILL";
	for (int round = 0; round < 2; round++) {
		bool any = false;
		for (size_t i = 0; i < n; i++) {
			if (!v[i].live || access(v[i].exit, F_OK) == 0)
				continue;
			any = true;
			if (round == 0 && pod)
				cube_event(rt->n->k->recorder, pod, "Normal", "Killing",
					   "Stopping container %s", v[i].name);
			runc(rt, "kill", v[i].id, sig, out, sizeof(out));
		}
		if (!any)
			break;
		/* wait for the shims to record the ends */
		int64_t deadline =
			wall_ms() + (round == 0 && grace_s > 0 ? grace_s * 1000LL : 5000);
		for (;;) {
			bool left = false;
			for (size_t i = 0; i < n; i++)
				if (v[i].live && access(v[i].exit, F_OK) < 0 &&
				    shim_alive(v[i].shim, v[i].id))
					left = true;
			if (!left || wall_ms() >= deadline)
				break;
			usleep(50 * 1000);
		}
		sig = "KILL";
	}
	for (size_t i = 0; i < n; i++)
		runc(rt, "delete", "--force", v[i].id, out, sizeof(out));
	free(v);
	umount_below(dir);
	sandbox_down(rt, uid);
	rm_rf(dir);
	volumes_forget(rt->vol, uid);
	track_drop(rt, uid);
}

static int runc_kill(kubelet_node *n, const cJSON *pod, int grace_s, cube_err *err)
{
	(void)err;
	runc_rt *rt = n->runtime_state;
	const char *uid = cube_obj_uid(pod);
	if (!uid || !uid[0] || strchr(uid, '/'))
		return 0;
	char key[CUBE_OBJ_KEY_MAX] = "";
	cube_obj_key(pod, key, sizeof(key), NULL);
	track_begin(rt, uid, key);
	kill_uid(rt, uid, grace_s, pod); /* drops the track */
	return 0;
}

typedef struct forget_job {
	runc_rt *rt;
	char uid[128];
} forget_job;

static void *forget_main(void *arg)
{
	forget_job *j = arg;
	kill_uid(j->rt, j->uid, 0, NULL);
	pthread_mutex_lock(&j->rt->mu);
	j->rt->forgetting--;
	pthread_cond_broadcast(&j->rt->cond);
	pthread_mutex_unlock(&j->rt->mu);
	free(j);
	return NULL;
}

/* The pod object is gone (force-deleted, or deleted after we stopped it):
 * whatever is left of it goes, off the informer's thread. */
static void runc_forget(kubelet_node *n, const char *uid)
{
	runc_rt *rt = n->runtime_state;
	if (!uid || !uid[0] || strchr(uid, '/'))
		return;
	char dir[1024];
	pod_dir(rt, uid, dir, sizeof(dir));
	pthread_mutex_lock(&rt->mu);
	pod_track *t = cube_strmap_get(rt->tracks, uid);
	if (t && t->busy) {
		t->forgotten = true; /* the sync or kill at work finishes the job */
		pthread_mutex_unlock(&rt->mu);
		return;
	}
	if (access(dir, F_OK) < 0) {
		pthread_mutex_unlock(&rt->mu);
		track_drop(rt, uid);
		return;
	}
	if (t)
		t->busy = true;
	forget_job *j = calloc(1, sizeof(*j));
	pthread_t th;
	if (j) {
		j->rt = rt;
		snprintf(j->uid, sizeof(j->uid), "%s", uid);
		rt->forgetting++;
	}
	pthread_mutex_unlock(&rt->mu);
	if (j && pthread_create(&th, NULL, forget_main, j) == 0) {
		pthread_detach(th);
	} else if (j) {
		forget_main(j);
	}
}

/* ---- adoption and garbage collection (after the first pod list) ---- */

static int gc_one_runc(runc_rt *rt, cube_strmap *known)
{
	char out[65536];
	if (runc(rt, "list", "-q", NULL, out, sizeof(out)) != 0)
		return 0;
	int gone = 0;
	char *save = NULL;
	for (char *id = strtok_r(out, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
		if (!id[0] || cube_strmap_get(known, id))
			continue;
		char o2[1024];
		runc(rt, "kill", id, "KILL", o2, sizeof(o2));
		usleep(100 * 1000);
		runc(rt, "delete", "--force", id, o2, sizeof(o2));
		gone++;
	}
	return gone;
}

typedef struct gc_ctx {
	runc_rt *rt;
	bool (*alive)(void *ud, const char *uid);
	void *ud;
} gc_ctx;

static bool dir_alive(void *ud, const char *uid)
{
	runc_rt *rt = ud;
	char dir[1024];
	pod_dir(rt, uid, dir, sizeof(dir));
	return access(dir, F_OK) == 0;
}

static void runc_gc(kubelet_node *n, bool (*alive)(void *ud, const char *uid), void *ud)
{
	runc_rt *rt = n->runtime_state;
	int pods = 0, ns = 0;
	/* pods that no longer exist */
	DIR *d = opendir(rt->pods);
	struct dirent *e;
	char **dead = NULL;
	size_t nd = 0;
	cube_strmap *known = cube_strmap_new();
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!alive(ud, e->d_name)) {
			char **g = realloc(dead, (nd + 1) * sizeof(*dead));
			if (g && (g[nd] = strdup(e->d_name))) {
				dead = g;
				nd++;
			} else if (g) {
				dead = g;
			}
			continue;
		}
		char cdir[1200];
		snprintf(cdir, sizeof(cdir), "%s/%s/containers", rt->pods, e->d_name);
		DIR *cd = opendir(cdir);
		struct dirent *ce;
		while (cd && (ce = readdir(cd))) {
			if (ce->d_name[0] == '.')
				continue;
			cube_autojson cJSON *rec = record_load(rt, e->d_name, ce->d_name);
			const char *id = cube_json_str(rec, "id");
			if (id)
				cube_strmap_put(known, id, (void *)1, NULL);
		}
		if (cd)
			closedir(cd);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < nd; i++) {
		kill_uid(rt, dead[i], 0, NULL);
		free(dead[i]);
		pods++;
	}
	free(dead);
	/* runc containers no record names */
	int ctrs = gc_one_runc(rt, known);
	cube_strmap_free(known);
	/* namespaces of ours without a pod */
	d = opendir(CUBE_NETNS_DIR);
	size_t pl = strlen(rt->prefix);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, rt->prefix, pl) || dir_alive(rt, e->d_name + pl))
			continue;
		if (cube_netns_delete(e->d_name, NULL) == 0)
			ns++;
	}
	if (d)
		closedir(d);
	int ips = podnet_gc(rt->net, dir_alive, rt);
	cube_log_info("runc: node %s: removed %d gone pod(s), %d stray container(s), %d "
		      "namespace(s), %d address(es)",
		      n->name, pods, ctrs, ns, ips);
}

/* ---- the PLEG: notice containers that ended ---- */

static int pleg_scan(void *ud, const char *uid, void *value)
{
	(void)uid;
	runc_rt *rt = ud;
	pod_track *t = value;
	for (size_t i = 0; t->watch && t->watch[i]; i++)
		if (access(t->watch[i], F_OK) == 0) {
			if (rt->n->k->pod_ctl && t->key[0])
				cube_controller_enqueue(rt->n->k->pod_ctl, t->key);
			cube_oci_strv_free(t->watch);
			t->watch = NULL;
			break;
		}
	return 0;
}

static void *pleg_main(void *arg)
{
	runc_rt *rt = arg;
	while (!atomic_load(&rt->stop)) {
		for (int i = 0; i < 10 && !atomic_load(&rt->stop); i++)
			usleep(100 * 1000);
		pthread_mutex_lock(&rt->mu);
		cube_strmap_each(rt->tracks, pleg_scan, rt);
		pthread_mutex_unlock(&rt->mu);
	}
	return NULL;
}

/* ---- node images ---- */

static int by_size(const void *a, const void *b)
{
	const cube_image *x = *(cube_image *const *)a, *y = *(cube_image *const *)b;
	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

static cJSON *runc_images(kubelet_node *n)
{
	runc_rt *rt = n->runtime_state;
	if (!rt)
		return NULL;
	cube_image **v = NULL;
	size_t cnt = 0;
	if (cube_imagestore_list(rt->images, &v, &cnt, NULL) < 0)
		return NULL;
	qsort(v, cnt, sizeof(*v), by_size);
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < cnt && i < MAX_NODE_IMAGES; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON *names = cJSON_AddArrayToObject(o, "names");
		for (size_t k = 0; v[i]->names && v[i]->names[k]; k++)
			cJSON_AddItemToArray(names, cJSON_CreateString(v[i]->names[k]));
		cJSON_AddNumberToObject(o, "sizeBytes", (double)v[i]->size);
		cJSON_AddItemToArray(arr, o);
	}
	cube_image_list_free(v, cnt);
	return arr;
}

/* ---- logs ---- */

static int runc_log_file(kubelet_node *n, const cJSON *pod, const char *name, bool previous,
			 char *path, size_t size, char *done, size_t done_size, cube_err *err)
{
	runc_rt *rt = n->runtime_state;
	const char *uid = cube_obj_uid(pod), *pname = cube_obj_name(pod);
	if (!uid || strchr(uid, '/') || strchr(name, '/'))
		return cube_err_set(err, CUBE_EINVAL, "bad pod or container name");
	cube_autojson cJSON *rec = record_load(rt, uid, name);
	if (!rec) {
		waiting w;
		if (!get_waiting(rt, uid, name, &w))
			snprintf(w.reason, sizeof(w.reason), "ContainerCreating");
		return cube_err_set(err, CUBE_ENOTFOUND,
				    "container \"%s\" in pod \"%s\" is waiting to start: %s", name,
				    pname, w.reason);
	}
	int attempt = (int)cube_json_int(rec, "attempt", 0);
	if (previous && attempt == 0)
		return cube_err_set(err, CUBE_ENOTFOUND,
				    "previous terminated container \"%s\" in pod \"%s\" not found",
				    name, pname);
	snprintf(path, size, "%s/%s/logs/%s/%d.log", rt->pods, uid, name,
		 previous ? attempt - 1 : attempt);
	done[0] = '\0';
	const char *id = cube_json_str(rec, "id");
	if (!previous && id && !cJSON_GetObjectItemCaseSensitive(rec, "terminated")) {
		ctr_dir(rt, uid, name, done, done_size);
		snprintf(done + strlen(done), done_size - strlen(done), "/%s/exit.json", id);
	}
	/* (a rotation renames the file and opens a new one: a moment) */
	if (access(path, R_OK) < 0 && (usleep(20 * 1000), access(path, R_OK) < 0))
		return cube_err_set(err, CUBE_ENOTFOUND,
				    "the log of container \"%s\" in pod \"%s\" is gone", name,
				    pname);
	return 0;
}

/* ---- exec ---- */

static int runc_exec(kubelet_node *n, const cJSON *pod, const char *name, const exec_request *req,
		     exec_proc *p, cube_err *err)
{
	runc_rt *rt = n->runtime_state;
	const char *uid = cube_obj_uid(pod);
	if (!uid || strchr(uid, '/') || strchr(name, '/'))
		return cube_err_set(err, CUBE_EINVAL, "bad pod or container name");
	cube_autojson cJSON *rec = record_load(rt, uid, name);
	const char *id = cube_json_str(rec, "id");
	if (!id || cJSON_GetObjectItemCaseSensitive(rec, "terminated"))
		return cube_err_set(err, CUBE_ENOTFOUND, "container \"%s\" is not running", name);
	return exec_spawn_runc(rt->runc_root, id, req, p, err);
}

/* ---- stats ---- */

/* The figures of the pod's running containers, from their cgroups. */
static int runc_pod_stats(kubelet_node *n, const cJSON *pod, cube_ctr_stats *out, int max)
{
	runc_rt *rt = n->runtime_state;
	const char *uid = cube_obj_uid(pod);
	if (!uid || strchr(uid, '/'))
		return 0;
	int m = 0;
	static const char *const lists[] = {"spec.initContainers", "spec.containers"};
	for (int l = 0; l < 2; l++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, lists[l])) {
			const char *name = cube_json_str(c, "name");
			if (!name || strchr(name, '/') || m >= max)
				continue;
			cube_autojson cJSON *rec = record_load(rt, uid, name);
			const char *id = cube_json_str(rec, "id");
			if (!id || cJSON_GetObjectItemCaseSensitive(rec, "terminated"))
				continue;
			cube_ctr_stats *s = &out[m];
			memset(s, 0, sizeof(*s));
			s->nano_cores = -1;
			cgroup_of(id, s->key, sizeof(s->key));
			if (!stats_cgroup_read(s->key, s))
				continue; /* ended meanwhile */
			snprintf(s->name, sizeof(s->name), "%s", name);
			const char *started = cube_json_str(rec, "startedAt");
			snprintf(s->start_time, sizeof(s->start_time), "%s",
				 started ? started : "");
			m++;
		}
	}
	return m;
}

/* ---- port-forward ---- */

static int runc_pod_netns(kubelet_node *n, const cJSON *pod, char *path, size_t size, cube_err *err)
{
	runc_rt *rt = n->runtime_state;
	const char *uid = cube_obj_uid(pod);
	if (!uid || strchr(uid, '/'))
		return cube_err_set(err, CUBE_EINVAL, "bad pod uid");
	if (cJSON_IsTrue(cube_json_path(pod, "spec.hostNetwork"))) {
		snprintf(path, size, "%s", rt->host_netns);
		return 0;
	}
	char ns[96];
	netns_name(rt, uid, ns, sizeof(ns));
	if (!cube_netns_exists(ns))
		return cube_err_set(err, CUBE_ENOTFOUND, "the pod's sandbox is not running");
	snprintf(path, size, "%s/%s", CUBE_NETNS_DIR, ns);
	return 0;
}

/* ---- init and cleanup ---- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void runc_cleanup(kubelet_node *n);

static int runc_init(kubelet_node *n, cube_err *err)
{
	const cubelet_config *cfg = &n->k->cfg;
	runc_rt *rt = calloc(1, sizeof(*rt));
	if (!rt)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	rt->n = n;
	rt->node_nsfd = -1;
	pthread_mutex_init(&rt->mu, NULL);
	pthread_cond_init(&rt->cond, NULL);
	rt->tracks = cube_strmap_new();
	rt->backoffs = cube_strmap_new();
	rt->waits = cube_strmap_new();
	rt->probes = cube_strmap_new();
	n->runtime_state = rt;
	const char *root = cfg->root_dir && cfg->root_dir[0] ? cfg->root_dir : "/var/lib/cubelet";
	if (mkdirs(root, 0700) < 0 || !realpath(root, rt->root)) {
		cube_err_errno(err, errno, "--root-dir %s", root);
		goto fail;
	}
	snprintf(rt->runc_root, sizeof(rt->runc_root), "%s/runc", rt->root);
	snprintf(rt->pods, sizeof(rt->pods), "%s/pods", rt->root);
	/* a prefix of our own for the pods' namespaces: several cubelets on
	 * one machine (tests, the lab) never meet */
	snprintf(rt->prefix, sizeof(rt->prefix), "cpod%08x-", fnv1a(rt->root));
	ssize_t l = readlink("/proc/self/exe", rt->exe, sizeof(rt->exe) - 1);
	if (l <= 0) {
		cube_err_errno(err, errno, "readlink /proc/self/exe");
		goto fail;
	}
	rt->exe[l] = '\0';
	if (mkdirs(rt->runc_root, 0700) < 0 || mkdirs(rt->pods, 0700) < 0) {
		cube_err_errno(err, errno, "mkdir under %s", rt->root);
		goto fail;
	}
	char out[256];
	const char *vargv[] = {"runc", "--version", NULL};
	if (run(vargv, out, sizeof(out)) != 0) {
		cube_err_set(err, CUBE_EIO, "the runc runtime needs runc in PATH: %s", out);
		goto fail;
	}
	char store[700];
	if (cfg->image_store && cfg->image_store[0])
		snprintf(store, sizeof(store), "%s", cfg->image_store);
	else
		snprintf(store, sizeof(store), "%s/images", rt->root);
	if (!(rt->images = cube_imagestore_open(store, err)))
		goto fail;
	if (cfg->netns && cfg->netns[0]) {
		if ((rt->node_nsfd = cube_netns_open(cfg->netns, err)) < 0)
			goto fail;
		if (strchr(cfg->netns, '/'))
			snprintf(rt->host_netns, sizeof(rt->host_netns), "%s", cfg->netns);
		else
			snprintf(rt->host_netns, sizeof(rt->host_netns), "%s/%s", CUBE_NETNS_DIR,
				 cfg->netns);
	}
	if (!(rt->hostports = hostports_new(rt->host_netns[0] ? rt->host_netns : NULL))) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	char netdir[700];
	snprintf(netdir, sizeof(netdir), "%s/podnet", rt->root);
	if (!(rt->net = podnet_new(netdir, n->pod_cidr, rt->node_nsfd, err)))
		goto fail;
	if (pthread_create(&rt->pleg, NULL, pleg_main, rt) != 0) {
		cube_err_set(err, CUBE_EIO, "cannot start the PLEG thread");
		goto fail;
	}
	rt->pleg_started = true;
	if (pthread_create(&rt->prober, NULL, prober_main, rt) != 0) {
		cube_err_set(err, CUBE_EIO, "cannot start the prober thread");
		goto fail;
	}
	rt->prober_started = true;
	if (!(rt->vol = volumes_new(n, err)))
		goto fail;
	cube_log_info("runc: node %s: root %s, pod namespaces %s*", n->name, rt->root, rt->prefix);
	return 0;
fail:
	runc_cleanup(n);
	return -1;
}

static int free_value(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	free(v);
	return 0;
}

static int free_probe(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	probe_entry_free(v);
	return 0;
}

static int free_track(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	pod_track *t = v;
	cube_oci_strv_free(t->watch);
	free(t);
	return 0;
}

static void runc_cleanup(kubelet_node *n)
{
	runc_rt *rt = n->runtime_state;
	if (!rt)
		return;
	atomic_store(&rt->stop, true);
	if (rt->pleg_started)
		pthread_join(rt->pleg, NULL);
	if (rt->prober_started)
		pthread_join(rt->prober, NULL);
	pthread_mutex_lock(&rt->mu);
	while (rt->forgetting > 0)
		pthread_cond_wait(&rt->cond, &rt->mu);
	pthread_mutex_unlock(&rt->mu);
	volumes_free(rt->vol);
	podnet_free(rt->net);
	hostports_free(rt->hostports);
	if (rt->node_nsfd >= 0)
		close(rt->node_nsfd);
	cube_imagestore_free(rt->images);
	cube_strmap_each(rt->tracks, free_track, NULL);
	cube_strmap_each(rt->backoffs, free_value, NULL);
	cube_strmap_each(rt->waits, free_value, NULL);
	cube_strmap_each(rt->probes, free_probe, NULL);
	cube_strmap_free(rt->probes);
	cube_strmap_free(rt->tracks);
	cube_strmap_free(rt->backoffs);
	cube_strmap_free(rt->waits);
	pthread_cond_destroy(&rt->cond);
	pthread_mutex_destroy(&rt->mu);
	free(rt);
	n->runtime_state = NULL;
}

const cube_runtime_ops cube_runc_runtime = {
	.name = "runc",
	.init = runc_init,
	.sync_pod = runc_sync,
	.kill_pod = runc_kill,
	.forget_pod = runc_forget,
	.cleanup = runc_cleanup,
	.gc_pods = runc_gc,
	.node_images = runc_images,
	.log_file = runc_log_file,
	.exec = runc_exec,
	.pod_stats = runc_pod_stats,
	.stats_sampled = true,
	.pod_netns = runc_pod_netns,
	.version = "1.1.5",
};
