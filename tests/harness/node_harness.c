/* node_harness.c - one real runc node for tests (see node_harness.h). */
#include "node_harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
static void netns_prefix(cube_test_node *t)
{
	uint32_t h = 2166136261u;
	for (const char *s = t->root; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	snprintf(t->prefix, sizeof(t->prefix), "cpod%08x-", h);
}

/* Whatever the cubelet left (a failed test): containers killed and
 * deleted, mounts under the test's directory undone. */
static void sweep_runtime(cube_test_node *t)
{
	cube_test_sh(out, sizeof(out),
		     "for id in $(runc --root %s/runc list -q 2>/dev/null); do "
		     "runc --root %s/runc kill $id KILL 2>/dev/null; sleep 0.2; "
		     "runc --root %s/runc delete -f $id; done; "
		     "grep -o ' %s[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l",
		     t->root, t->root, t->root, t->tmp);
}

/* A crashed run's node namespaces. */
static void sweep_old(const char *tag)
{
	char pattern[64];
	snprintf(pattern, sizeof(pattern), "cube-%s-%%d", tag);
	cube_test_sh(out, sizeof(out), "ls %s 2>/dev/null", CUBE_NETNS_DIR);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int pid;
		if (sscanf(line, pattern, &pid) == 1 && kill(pid, 0) < 0)
			cube_netns_delete(line, NULL);
	}
}

int cube_test_node_setup(cube_test_node *t, const char *tag)
{
	memset(t, 0, sizeof(*t));
	t->cubelet = -1;
	if (geteuid() != 0)
		return 0;
	snprintf(t->tag, sizeof(t->tag), "%s", tag);
	sweep_old(tag);
	if (cube_test_api_start(&t->api, NULL) < 0)
		return -1;
	t->up = true;
	char what[32];
	snprintf(what, sizeof(what), "cube-%s", tag);
	if (cube_test_registry_start(&t->reg, NULL) < 0 ||
	    cube_test_temp_dir(t->tmp, sizeof(t->tmp), what) < 0)
		return -1;
	snprintf(t->root, sizeof(t->root), "%s/root", t->tmp);
	snprintf(t->log, sizeof(t->log), "%s/cubelet.log", t->tmp);
	snprintf(t->ns, sizeof(t->ns), "cube-%s-%d", tag, (int)getpid());
	snprintf(t->name, sizeof(t->name), "%s-%d", tag, (int)getpid());
	if (cube_netns_create(t->ns, NULL) < 0)
		return -1;
	netns_prefix(t);
	/* the test images, pushed to the registry (web:v1 also as
	 * library/web:v1, what "web:v1" names through --registry-mirror) */
	const char *b = bin_dir(), *h = t->reg.host, *d = t->tmp;
	int rc = cube_test_sh(
		out, sizeof(out),
		"bash scripts/images.sh --store %s/build --prefix '%s/' --cube %s/cube "
		"&& %s/cube image push %s/busybox:latest --store %s/build "
		"&& %s/cube image push %s/web:v1 --store %s/build "
		"&& %s/cube image push %s/web:v1 --to %s/library/web:v1 --store "
		"%s/build",
		d, h, b, b, h, d, b, h, d, b, h, h, d);
	if (rc != 0) {
		fprintf(stderr, "images: %s\n", out);
		return -1;
	}
	setenv("CUBE_TEST_KUBECTL", t->api.kubectl, 1); /* for cube_test_kubectl */
	cube_kclient_config cfg = {.server = t->api.url};
	t->kc = cube_kclient_new(&cfg, NULL);
	return t->kc ? 0 : -1;
}

int cube_test_node_start_cubelet(cube_test_node *t)
{
	char bin[512], mirror[128], port[16];
	if (!t->port)
		t->port = cube_test_free_port();
	snprintf(port, sizeof(port), "%d", t->port);
	snprintf(bin, sizeof(bin), "%s/cubelet", bin_dir());
	snprintf(mirror, sizeof(mirror), "docker.io=%s", t->reg.host);
	const char *argv[] = {bin,
			      "--master",
			      t->api.url,
			      "--runtime",
			      "runc",
			      "--root-dir",
			      t->root,
			      "--hostname-override",
			      t->name,
			      "--pod-cidr",
			      "10.98.7.0/24",
			      "--netns",
			      t->ns,
			      "--registry-mirror",
			      mirror,
			      "--port",
			      port,
			      "-v",
			      "3",
			      NULL};
	t->cubelet = cube_test_spawn(argv, t->log, false);
	return t->cubelet > 0 ? 0 : -1;
}

int cube_test_node_teardown(cube_test_node *t)
{
	if (geteuid() != 0 || !t->up)
		return 0;
	int rc = 0;
	if (t->cubelet > 0) {
		cube_test_kill(t->cubelet, 10000);
		/* the sanitizers' verdict on the cubelet (it stopped gracefully) */
		cube_test_sh(out, sizeof(out), "grep -c 'Sanitizer' %s", t->log);
		if (atoi(out) != 0) {
			cube_test_print_tail(t->log);
			rc = -1;
		}
	}
	t->cubelet = -1;
	if (t->tmp[0]) {
		sweep_runtime(t);
		cube_test_sh(out, sizeof(out),
			     "ls %s 2>/dev/null | grep '^%s' | xargs -r -n1 ip netns del",
			     CUBE_NETNS_DIR, t->prefix);
	}
	if (t->ns[0])
		cube_netns_delete(t->ns, NULL);
	cube_kclient_free(t->kc);
	t->kc = NULL;
	cube_test_registry_stop(&t->reg);
	cube_test_api_destroy(&t->api);
	if (t->tmp[0])
		cube_test_remove_dir(t->tmp);
	t->up = false;
	return rc;
}

int cube_test_node_create_pod(cube_test_node *t, const char *json)
{
	cJSON *o = cJSON_Parse(json);
	if (!o) {
		fprintf(stderr, "bad test JSON: %s\n", json);
		return -1;
	}
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(t->kc, &CUBE_GVR_PODS, "default", o, &err);
	cJSON_Delete(o);
	if (!made) {
		fprintf(stderr, "create: %s\n", err.msg);
		return -1;
	}
	cJSON_Delete(made);
	return 0;
}

static void note_id(cube_test_node *t, const char *cid)
{
	if (!cid || strncmp(cid, "runc://", 7))
		return;
	for (int i = 0; i < t->n_seen; i++)
		if (!strcmp(t->seen[i], cid + 7))
			return;
	if (t->n_seen < (int)(sizeof(t->seen) / sizeof(t->seen[0])))
		snprintf(t->seen[t->n_seen++], sizeof(t->seen[0]), "%s", cid + 7);
}

cJSON *cube_test_node_get_pod(cube_test_node *t, const char *name)
{
	cJSON *p = cube_kclient_get(t->kc, &CUBE_GVR_PODS, "default", name, NULL);
	static const char *const lists[] = {"status.initContainerStatuses",
					    "status.containerStatuses"};
	for (size_t l = 0; l < 2; l++) {
		const cJSON *cs;
		cJSON_ArrayForEach (cs, cube_json_path(p, lists[l])) {
			note_id(t, cube_json_str(cs, "containerID"));
			note_id(t, cube_json_str(cs, "lastState.terminated.containerID"));
		}
	}
	return p;
}

cJSON *cube_test_node_wait_pod(cube_test_node *t, const char *name, cube_test_pod_pred pred,
			       const void *arg, int timeout_s)
{
	cJSON *last = NULL;
	for (int i = 0; i < timeout_s * 10; i++) {
		cJSON_Delete(last);
		last = cube_test_node_get_pod(t, name);
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

bool cube_test_node_pod_gone(cube_test_node *t, const char *name)
{
	for (int i = 0; i < 300; i++) {
		cJSON *p = cube_test_node_get_pod(t, name);
		if (!p)
			return true;
		cJSON_Delete(p);
		cube_test_sleep_ms(100);
	}
	return false;
}

int cube_test_node_delete_pod(cube_test_node *t, const char *name)
{
	cube_err err = CUBE_ERR_INIT;
	if (cube_kclient_delete(t->kc, &CUBE_GVR_PODS, "default", name, NULL, &err) < 0) {
		fprintf(stderr, "delete %s: %s\n", name, err.msg);
		return -1;
	}
	return 0;
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

void cube_test_node_dump(cube_test_node *t, const char *what, const cJSON *pod)
{
	char *s = pod ? cJSON_Print(pod) : NULL;
	fprintf(stderr, "---- %s: pod ----\n%s\n", what, s ? s : "(none)");
	free(s);
	cube_test_print_tail(t->log);
}

const char *cube_test_node_leftovers(cube_test_node *t)
{
	static char what[8192];
	what[0] = '\0';
#define ADD(...) snprintf(what + strlen(what), sizeof(what) - strlen(what), __VA_ARGS__)
	cube_test_sh(out, sizeof(out), "grep -c ' %s' /proc/self/mountinfo", t->tmp);
	if (atoi(out) != 0)
		ADD("mounts: %.200s ", out);
	cube_test_sh(out, sizeof(out), "ls %s | grep -c '^%s'", CUBE_NETNS_DIR, t->prefix);
	if (atoi(out) != 0)
		ADD("netns: %.200s ", out);
	cube_test_sh(out, sizeof(out), "runc --root %s/runc list -q | wc -l", t->root);
	if (atoi(out) != 0)
		ADD("runc: %.200s ", out);
	cube_test_sh(out, sizeof(out), "ip -n %s -o link | grep -c veth", t->ns);
	if (atoi(out) != 0)
		ADD("veths: %.200s ", out);
	cube_test_sh(out, sizeof(out), "ls %s/pods | wc -l; ls %s/podnet | wc -l", t->root,
		     t->root);
	if (strcmp(out, "0\n0\n"))
		ADD("pod dirs/ips: %.200s ", out);
	cube_test_sh(out, sizeof(out),
		     "find /sys/fs/cgroup/memory /sys/fs/cgroup/cpu -maxdepth 3 -name 'cube-*' "
		     "2>/dev/null");
	int cgroups = 0;
	for (int i = 0; i < t->n_seen; i++)
		cgroups += strstr(out, t->seen[i]) != NULL;
	if (cgroups)
		ADD("cgroups: %d ", cgroups);
#undef ADD
	return what;
}

bool cube_test_node_nothing_left(cube_test_node *t)
{
	for (int i = 0; i < 50; i++) {
		if (!cube_test_node_leftovers(t)[0])
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

void cube_test_node_busybox_pod(cube_test_node *t, char *buf, size_t size, const char *name,
				const char *policy, const char *script, const char *extra_spec,
				const char *extra_container)
{
	snprintf(buf, size,
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"restartPolicy\":\"%s\","
		 "\"terminationGracePeriodSeconds\":2,%s"
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sh\",\"-c\",\"%s\"]%s}]}}",
		 name, t->name, policy, extra_spec ? extra_spec : "", t->reg.host, script,
		 extra_container ? extra_container : "");
}

int cube_test_node_exec(cube_test_node *t, const cJSON *pod, const char *container, char *buf,
			size_t size, const char *cmd)
{
	const char *cid = cube_json_str(
		cube_test_pod_cstatus(pod, "status.containerStatuses", container), "containerID");
	if (!cid || strncmp(cid, "runc://", 7)) {
		snprintf(buf, size, "no container %s", container);
		return -1;
	}
	return cube_test_sh(buf, size, "runc --root %s/runc exec %s sh -c '%s' 2>&1", t->root,
			    cid + 7, cmd);
}
