/* runc_harness.c - one real runc node for tests and benchmarks (see
 * runc_harness.h). */
#include "runc_harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>

#include "netns.h"
#include "obj.h"
#include "proc.h"

static char out[65536];

static const char *bin_dir(void)
{
	const char *b = getenv("CUBE_BIN_DIR");
	return b && *b ? b : "build/asan/bin";
}

/* The cubelet's pod namespace prefix: FNV-1a of its root dir (runc.c). */
static void netns_prefix(cube_test_runc_node *r)
{
	uint32_t h = 2166136261u;
	for (const char *s = r->root; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	snprintf(r->prefix, sizeof(r->prefix), "cpod%08x-", h);
}

/* A crashed run's node namespaces (cube-<tag>-<pid of a gone process>). */
static void sweep_old(const char *tag)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "cube-%s-%%d", tag);
	cube_test_sh(out, sizeof(out), "ls %s 2>/dev/null", CUBE_NETNS_DIR);
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int pid;
		if (sscanf(line, pat, &pid) == 1 && kill(pid, 0) < 0)
			cube_netns_delete(line, NULL);
	}
}

/* The cubelet's cgroups: cubetest-<tag>-<pid> below ours, in the memory
 * and cpu hierarchies (cgroups v1). */
static int make_cgroups(cube_test_runc_node *r)
{
	static const char *const ctl[] = {"memory", "cpu"};
	for (int i = 0; i < 2; i++) {
		char line[1024], own[400] = "", key[32];
		snprintf(key, sizeof(key), ":%s:", ctl[i]);
		FILE *f = fopen("/proc/self/cgroup", "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *m = strstr(line, key);
			if (m && (m[strlen(key)] == '/')) {
				snprintf(own, sizeof(own), "%s", m + strlen(key));
				own[strcspn(own, "\n")] = '\0';
			}
		}
		if (f)
			fclose(f);
		snprintf(r->cgroups[i], sizeof(r->cgroups[i]), "/sys/fs/cgroup/%s%s/cubetest-%s-%d",
			 ctl[i], strcmp(own, "/") ? own : "", r->tag, (int)getpid());
		if (mkdir(r->cgroups[i], 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "runc harness: mkdir %s: %s\n", r->cgroups[i],
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void remove_cgroups(cube_test_runc_node *r)
{
	for (int i = 0; i < 2; i++)
		if (r->cgroups[i][0])
			cube_test_sh(out, sizeof(out),
				     "find %s -depth -type d -exec rmdir {} \\; 2>/dev/null",
				     r->cgroups[i]);
}

int cube_test_runc_setup(cube_test_runc_node *r, const char *tag)
{
	memset(r, 0, sizeof(*r));
	r->cubelet = -1;
	snprintf(r->tag, sizeof(r->tag), "%s", tag);
	sweep_old(r->tag);
	if (cube_test_api_start(&r->api, NULL) < 0)
		return -1;
	r->up = true;
	if (cube_test_registry_start(&r->reg, NULL) < 0)
		return -1;
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "cube-%s", tag);
	if (cube_test_temp_dir(r->tmp, sizeof(r->tmp), prefix) < 0)
		return -1;
	snprintf(r->root, sizeof(r->root), "%s/root", r->tmp);
	snprintf(r->kubelet_log, sizeof(r->kubelet_log), "%s/cubelet.log", r->tmp);
	snprintf(r->node_ns, sizeof(r->node_ns), "cube-%s-%d", tag, (int)getpid());
	snprintf(r->node_name, sizeof(r->node_name), "%s-%d", tag, (int)getpid());
	cube_err err = CUBE_ERR_INIT;
	if (cube_netns_create(r->node_ns, &err) < 0) {
		fprintf(stderr, "runc harness: %s\n", err.msg);
		return -1;
	}
	netns_prefix(r);
	if (make_cgroups(r) < 0)
		return -1;
	const char *b = bin_dir(), *h = r->reg.host, *t = r->tmp;
	int rc = cube_test_sh(
		out, sizeof(out),
		"bash scripts/images.sh --store %s/build --prefix '%s/' --cube %s/cube "
		"&& %s/cube image push %s/busybox:latest --store %s/build "
		"&& %s/cube image push %s/web:v1 --store %s/build "
		"&& %s/cube image push %s/web:v1 --to %s/library/web:v1 --store %s/build",
		t, h, b, b, h, t, b, h, t, b, h, h, t);
	if (rc != 0) {
		fprintf(stderr, "runc harness: images: %s\n", out);
		return -1;
	}
	setenv("CUBE_TEST_KUBECTL", r->api.kubectl, 1); /* for cube_test_kubectl */
	cube_kclient_config cfg = {.server = r->api.url};
	r->kc = cube_kclient_new(&cfg, NULL);
	return r->kc ? 0 : -1;
}

int cube_test_runc_start_cubelet(cube_test_runc_node *r, const char *const *extra)
{
	char bin[512], mirror[128], port[16];
	if (!r->port)
		r->port = cube_test_free_port();
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(bin, sizeof(bin), "%s/cubelet", bin_dir());
	snprintf(mirror, sizeof(mirror), "docker.io=%s", r->reg.host);
	/* a shell joins the cubelet's cgroups, then becomes the cubelet */
	char join[1400];
	snprintf(join, sizeof(join),
		 "echo $$ > %s/cgroup.procs && echo $$ > %s/cgroup.procs && exec \"$0\" \"$@\"",
		 r->cgroups[0], r->cgroups[1]);
	const char *argv[64] = {"sh",
				"-c",
				join,
				bin,
				"--master",
				r->api.url,
				"--runtime",
				"runc",
				"--root-dir",
				r->root,
				"--hostname-override",
				r->node_name,
				"--pod-cidr",
				"10.98.7.0/24",
				"--netns",
				r->node_ns,
				"--registry-mirror",
				mirror,
				"--port",
				port,
				"-v",
				"3"};
	size_t n = 22;
	for (size_t i = 0; extra && extra[i] && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	r->cubelet = cube_test_spawn(argv, r->kubelet_log, true);
	return r->cubelet > 0 ? 0 : -1;
}

bool cube_test_runc_stop_cubelet(cube_test_runc_node *r)
{
	if (r->cubelet > 0)
		cube_test_kill(r->cubelet, 10000);
	r->cubelet = -1;
	if (!r->kubelet_log[0])
		return true;
	cube_test_sh(out, sizeof(out), "grep -c 'Sanitizer' %s 2>/dev/null", r->kubelet_log);
	if (atoi(out) == 0)
		return true;
	cube_test_print_tail(r->kubelet_log);
	return false;
}

void cube_test_runc_sweep(cube_test_runc_node *r)
{
	if (!r->root[0])
		return;
	cube_test_sh(out, sizeof(out),
		     "for id in $(runc --root %s/runc list -q 2>/dev/null); do "
		     "runc --root %s/runc kill $id KILL 2>/dev/null; sleep 0.2; "
		     "runc --root %s/runc delete -f $id; done; "
		     "grep -o ' %s[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l",
		     r->root, r->root, r->root, r->tmp);
	cube_test_sh(out, sizeof(out), "ls %s 2>/dev/null | grep '^%s' | xargs -r -n1 ip netns del",
		     CUBE_NETNS_DIR, r->prefix);
}

bool cube_test_runc_teardown(cube_test_runc_node *r)
{
	bool quiet = cube_test_runc_stop_cubelet(r);
	cube_test_runc_sweep(r);
	if (r->node_ns[0])
		cube_netns_delete(r->node_ns, NULL);
	remove_cgroups(r);
	cube_kclient_free(r->kc);
	r->kc = NULL;
	if (r->reg.pid > 0)
		cube_test_registry_stop(&r->reg);
	if (r->up)
		cube_test_api_destroy(&r->api);
	if (r->tmp[0])
		cube_test_remove_dir(r->tmp);
	r->up = false;
	return quiet;
}

const char *cube_test_runc_leftovers(cube_test_runc_node *r)
{
	static char what[8192];
	what[0] = '\0';
#define LEFT(label) \
	snprintf(what + strlen(what), sizeof(what) - strlen(what), label ": %.200s ", out)
	cube_test_sh(out, sizeof(out), "grep -c ' %s' /proc/self/mountinfo", r->tmp);
	if (atoi(out) != 0)
		LEFT("mounts");
	cube_test_sh(out, sizeof(out), "ls %s | grep -c '^%s'", CUBE_NETNS_DIR, r->prefix);
	if (atoi(out) != 0)
		LEFT("netns");
	cube_test_sh(out, sizeof(out), "runc --root %s/runc list -q | wc -l", r->root);
	if (atoi(out) != 0)
		LEFT("runc");
	cube_test_sh(out, sizeof(out), "ip -n %s -o link | grep -c veth", r->node_ns);
	if (atoi(out) != 0)
		LEFT("veths");
	cube_test_sh(out, sizeof(out), "ls %s/pods | wc -l; ls %s/podnet | wc -l", r->root,
		     r->root);
	if (strcmp(out, "0\n0\n"))
		LEFT("pod dirs/ips");
	cube_test_sh(out, sizeof(out), "find %s %s -name 'cube-*' 2>/dev/null | wc -l",
		     r->cgroups[0], r->cgroups[1]);
	if (atoi(out) != 0)
		LEFT("cgroups");
#undef LEFT
	return what;
}

bool cube_test_runc_nothing_left(cube_test_runc_node *r)
{
	for (int i = 0; i < 50; i++) {
		if (!cube_test_runc_leftovers(r)[0])
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

int cube_test_runc_create_pod(cube_test_runc_node *r, const char *json)
{
	cJSON *o = cJSON_Parse(json);
	if (!o) {
		fprintf(stderr, "runc harness: bad JSON: %s\n", json);
		return -1;
	}
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(r->kc, &CUBE_GVR_PODS, "default", o, &err);
	cJSON_Delete(o);
	if (!made) {
		fprintf(stderr, "runc harness: create: %s\n", err.msg);
		return -1;
	}
	cJSON_Delete(made);
	return 0;
}

cJSON *cube_test_runc_get_pod(cube_test_runc_node *r, const char *name)
{
	return cube_kclient_get(r->kc, &CUBE_GVR_PODS, "default", name, NULL);
}

int cube_test_runc_delete_pod(cube_test_runc_node *r, const char *name)
{
	cube_err err = CUBE_ERR_INIT;
	if (cube_kclient_delete(r->kc, &CUBE_GVR_PODS, "default", name, NULL, &err) < 0) {
		fprintf(stderr, "runc harness: delete %s: %s\n", name, err.msg);
		return -1;
	}
	return 0;
}

bool cube_test_runc_pod_gone(cube_test_runc_node *r, const char *name)
{
	for (int i = 0; i < 300; i++) {
		cJSON *p = cube_test_runc_get_pod(r, name);
		if (!p)
			return true;
		cJSON_Delete(p);
		cube_test_sleep_ms(100);
	}
	return false;
}

cJSON *cube_test_runc_wait_pod(cube_test_runc_node *r, const char *name, cube_test_pod_pred pred,
			       const void *arg, int timeout_s)
{
	cJSON *last = NULL;
	for (int i = 0; i < timeout_s * 10; i++) {
		cJSON_Delete(last);
		last = cube_test_runc_get_pod(r, name);
		if (last && pred(last, arg))
			return last;
		cube_test_sleep_ms(100);
	}
	return last;
}

bool cube_test_pod_phase_is(const cJSON *pod, const void *arg)
{
	const char *p = cube_json_str(pod, "status.phase");
	return p && !strcmp(p, arg);
}

const cJSON *cube_test_pod_cstatus(const cJSON *pod, const char *list, const char *name)
{
	const cJSON *cs;
	cJSON_ArrayForEach (cs, cube_json_path(pod, list)) {
		const char *n = cube_json_str(cs, "name");
		if (n && !strcmp(n, name))
			return cs;
	}
	return NULL;
}

void cube_test_runc_dump(cube_test_runc_node *r, const char *what, const cJSON *pod)
{
	char *s = pod ? cJSON_Print(pod) : NULL;
	fprintf(stderr, "---- %s: pod ----\n%s\n", what, s ? s : "(none)");
	free(s);
	cube_test_print_tail(r->kubelet_log);
}

void cube_test_runc_busybox_pod(cube_test_runc_node *r, char *buf, size_t size, const char *name,
				const char *policy, const char *script, const char *extra_spec,
				const char *extra_container)
{
	snprintf(buf, size,
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"restartPolicy\":\"%s\","
		 "\"terminationGracePeriodSeconds\":2,%s"
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sh\",\"-c\",\"%s\"]%s}]}}",
		 name, r->node_name, policy, extra_spec ? extra_spec : "", r->reg.host, script,
		 extra_container ? extra_container : "");
}

int cube_test_runc_exec(cube_test_runc_node *r, const cJSON *pod, const char *container, char *buf,
			size_t size, const char *cmd)
{
	const char *cid = cube_json_str(
		cube_test_pod_cstatus(pod, "status.containerStatuses", container), "containerID");
	if (!cid || strncmp(cid, "runc://", 7)) {
		snprintf(buf, size, "no container %s", container);
		return -1;
	}
	return cube_test_sh(buf, size, "runc --root %s/runc exec %s sh -c '%s' 2>&1", r->root,
			    cid + 7, cmd);
}
