/* test_runc.c - the cubelet's runc runtime end to end, as root: a real
 * etcd and API server, a real registry (Debian's docker-registry) holding
 * the test images (scripts/images.sh), and one cubelet process with
 * --runtime runc, its --root-dir in the test's temporary directory, its pod
 * bridge in a node network namespace the test makes (--netns), running
 * real runc containers (all of it tests/harness/runc_harness.h).  Pods are
 * created with spec.nodeName set (no scheduler).  Each test checks what it
 * leaves behind: no mount under the root dir, no pod network namespace, no
 * runc container, no veth.
 *
 * Logs are read through the real kubectl and through cubectl, which must
 * print the same (the API server's pods/log proxying to the cubelet's
 * /containerLogs on 127.0.0.1, the node's InternalIP here).
 *
 * Names: node namespace cube-rt-<pid>, node rt-<pid>; the cubelet's pod
 * namespaces are cpod<hash of its root dir>-<pod uid>.  A crashed run's
 * leftovers are swept at the next start. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kclient.h"
#include "ktime.h"
#include "netns.h"
#include "obj.h"
#include "proc.h"
#include "runc_harness.h"

static cube_test_runc_node rn; /* the node */
static char out[65536];

static void setup(void)
{
	if (geteuid() != 0)
		return;
	cr_assert_eq(cube_test_runc_setup(&rn, "rt"), 0);
}

static void start_cubelet(void)
{
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
}

static void teardown(void)
{
	if (geteuid() != 0)
		return;
	/* the sanitizers' verdict on the cubelet (it stops gracefully) */
	if (!cube_test_runc_teardown(&rn))
		cr_expect_fail("the cubelet's sanitizers complained");
}

TestSuite(runc, .init = setup, .fini = teardown, .timeout = 120);

static const char *bin_dir(void)
{
	const char *b = getenv("CUBE_BIN_DIR");
	return b && *b ? b : "build/asan/bin";
}

/* ---- helpers (runc_harness.h, asserting) ---- */

static void create_pod(const char *json)
{
	cr_assert_eq(cube_test_runc_create_pod(&rn, json), 0);
}

static cJSON *get_pod(const char *name)
{
	return cube_test_runc_get_pod(&rn, name);
}

typedef cube_test_pod_pred pod_pred;

static cJSON *wait_pod(const char *name, pod_pred pred, const void *arg, int timeout_s)
{
	return cube_test_runc_wait_pod(&rn, name, pred, arg, timeout_s);
}

static bool phase_is(const cJSON *pod, const void *arg)
{
	return cube_test_pod_phase_is(pod, arg);
}

static bool pod_gone(const char *name)
{
	return cube_test_runc_pod_gone(&rn, name);
}

static void delete_pod(const char *name)
{
	cr_assert_eq(cube_test_runc_delete_pod(&rn, name), 0, "delete %s", name);
}

static const cJSON *cstatus(const cJSON *pod, const char *list, const char *name)
{
	return cube_test_pod_cstatus(pod, list, name);
}

static void dump_state(const char *what, const cJSON *pod)
{
	cube_test_runc_dump(&rn, what, pod);
}

static const char *leftovers(void)
{
	return cube_test_runc_leftovers(&rn);
}

static bool nothing_left(void)
{
	return cube_test_runc_nothing_left(&rn);
}

static void busybox_pod_x(char *buf, size_t size, const char *name, const char *policy,
			  const char *script, const char *extra_spec, const char *extra_container)
{
	cube_test_runc_busybox_pod(&rn, buf, size, name, policy, script, extra_spec,
				   extra_container);
}

static void busybox_pod(char *buf, size_t size, const char *name, const char *policy,
			const char *script, const char *extra_spec)
{
	busybox_pod_x(buf, size, name, policy, script, extra_spec, NULL);
}

/* ---- the tests ---- */

Test(runc, busybox_runs_logs_and_init_containers_go_first)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096], inits[1024];
	snprintf(inits, sizeof(inits),
		 "\"initContainers\":[{\"name\":\"one\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sh\",\"-c\",\"sleep 1; echo one\"]},"
		 "{\"name\":\"two\",\"image\":\"%s/"
		 "busybox:latest\",\"command\":[\"echo\",\"two\"]}],",
		 rn.reg.host, rn.reg.host);
	busybox_pod(pod, sizeof(pod), "hello", "Always", "echo hello; echo oops >&2; sleep 1000",
		    inits);
	create_pod(pod);
	cJSON *p = wait_pod("hello", phase_is, "Running", 60);
	if (!phase_is(p, "Running"))
		dump_state("hello", p);
	cr_assert(phase_is(p, "Running"));
	const char *ip = cube_json_str(p, "status.podIP");
	cr_assert(ip && !strncmp(ip, "10.98.7.", 8) && strcmp(ip, "10.98.7.1"), "podIP %s", ip);
	const cJSON *m = cstatus(p, "status.containerStatuses", "main");
	cr_assert_not_null(cube_json_path(m, "state.running.startedAt"));
	cr_expect(cJSON_IsTrue(cube_json_path(m, "ready")));
	const char *cid = cube_json_str(m, "containerID");
	cr_assert(cid && !strncmp(cid, "runc://", 7), "containerID %s", cid);
	cr_expect(strstr(cube_json_str(m, "imageID"), "/busybox@sha256:"), "imageID %s",
		  cube_json_str(m, "imageID"));
	/* the init containers ran first, one after the other */
	const cJSON *one = cstatus(p, "status.initContainerStatuses", "one");
	const cJSON *two = cstatus(p, "status.initContainerStatuses", "two");
	cr_assert_str_eq(cube_json_str(one, "state.terminated.reason"), "Completed");
	cr_assert_str_eq(cube_json_str(two, "state.terminated.reason"), "Completed");
	double f1, s2, f2, sm;
	cr_assert(cube_time_parse(cube_json_str(one, "state.terminated.finishedAt"), &f1));
	cr_assert(cube_time_parse(cube_json_str(two, "state.terminated.startedAt"), &s2));
	cr_assert(cube_time_parse(cube_json_str(two, "state.terminated.finishedAt"), &f2));
	cr_assert(cube_time_parse(cube_json_str(m, "state.running.startedAt"), &sm));
	cr_expect(f1 <= s2 && f2 <= sm, "init order: one ended %f, two %f..%f, main %f", f1, s2, f2,
		  sm);
	/* conditions */
	const cJSON *c;
	int true_conds = 0;
	cJSON_ArrayForEach (c, cube_json_path(p, "status.conditions")) {
		const char *s = cube_json_str(c, "status");
		true_conds += s && !strcmp(s, "True");
	}
	cr_expect_eq(true_conds, 5, "conditions not all True");
	/* its CRI log */
	const char *uid = cube_obj_uid(p);
	char path[1400];
	for (int i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "%s/pods/%s/logs/main/0.log", rn.root, uid);
		cube_test_read_file(path, out, sizeof(out));
		if (strstr(out, " stderr F oops\n"))
			break;
		cube_test_sleep_ms(100);
	}
	cr_expect(strstr(out, "Z stdout F hello\n") && strstr(out, "Z stderr F oops\n"), "log: %s",
		  out);
	cr_expect(out[4] == '-' && out[10] == 'T' && out[29] == 'Z', "timestamp: %s", out);
	/* the hostname and /etc/hosts are the pod's */
	cJSON *node = cube_kclient_get(rn.kc, &CUBE_GVR_NODES, NULL, rn.node_name, NULL);
	bool have_image = false;
	for (int i = 0; i < 60 && !have_image; i++) {
		cJSON_Delete(node);
		node = cube_kclient_get(rn.kc, &CUBE_GVR_NODES, NULL, rn.node_name, NULL);
		char *s = cJSON_PrintUnformatted(cube_json_path(node, "status.images"));
		have_image = s && strstr(s, "/busybox:latest") && strstr(s, "sizeBytes");
		free(s);
		if (!have_image)
			cube_test_sleep_ms(250);
	}
	cr_expect(have_image, "the node's status.images lacks busybox");
	cJSON_Delete(node);
	cJSON_Delete(p);
	delete_pod("hello");
	cr_assert(pod_gone("hello"), "the pod was not deleted");
	cr_expect(nothing_left(), "left behind: %s", leftovers());
}

static bool has_ip(const cJSON *pod, const void *arg)
{
	(void)arg;
	const char *ip = cube_json_str(pod, "status.podIP");
	return phase_is(pod, "Running") && ip && ip[0];
}

Test(runc, web_answers_with_downward_api_names)
{
	NEED_ROOT();
	start_cubelet();
	char pod[2048];
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-a\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"terminationGracePeriodSeconds\":1,"
		 "\"containers\":[{\"name\":\"web\",\"image\":\"web:v1\","
		 "\"ports\":[{\"containerPort\":8080,\"hostPort\":18080}],"
		 "\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"64Mi\"}},"
		 "\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":"
		 "{\"fieldPath\":\"metadata.name\"}}},"
		 "{\"name\":\"NODE_NAME\",\"valueFrom\":{\"fieldRef\":"
		 "{\"fieldPath\":\"spec.nodeName\"}}}]}]}}",
		 rn.node_name);
	create_pod(pod);
	cJSON *p = wait_pod("web-a", has_ip, NULL, 60);
	if (!has_ip(p, NULL))
		dump_state("web-a", p);
	cr_assert(has_ip(p, NULL));
	cr_expect_str_eq(cube_json_str(cstatus(p, "status.containerStatuses", "web"), "image"),
			 "docker.io/library/web:v1");
	char want[256];
	snprintf(want, sizeof(want), "web v1 pod=web-a node=%s", rn.node_name);
	bool ok = false;
	for (int i = 0; i < 50 && !ok; i++) {
		cube_test_sh(out, sizeof(out), "ip netns exec %s curl -s -m 2 http://%s:8080/",
			     rn.node_ns, cube_json_str(p, "status.podIP"));
		ok = cube_test_has_line(out, want);
		if (!ok)
			cube_test_sleep_ms(100);
	}
	cr_expect(ok, "GET / answered: %s", out);
	/* its hostPort: the node's address (the bridge's, local in the node's
	 * namespace) port 18080 reaches it through CUBE-HOSTPORTS */
	ok = false;
	for (int i = 0; i < 50 && !ok; i++) {
		cube_test_sh(out, sizeof(out),
			     "ip netns exec %s curl -s -m 2 http://10.98.7.1:18080/", rn.node_ns);
		ok = cube_test_has_line(out, want);
		if (!ok)
			cube_test_sleep_ms(100);
	}
	cr_expect(ok, "GET nodeIP:18080/ answered: %s", out);
	cube_test_sh(out, sizeof(out),
		     "ip netns exec %s iptables-save -t nat | grep -c 'dport 18080'", rn.node_ns);
	cr_expect_eq(atoi(out), 1, "one hostPort rule: %s", out);
	/* its cgroup limits (below the cubelet's cgroups) */
	cube_test_sh(out, sizeof(out),
		     "cat $(find %s -name 'cube-*' | head -1)/memory.limit_in_bytes "
		     "$(find %s -name 'cube-*' | head -1)/cpu.cfs_quota_us",
		     rn.cgroups[0], rn.cgroups[1]);
	cr_expect_str_eq(out, "67108864\n50000\n");
	cJSON_Delete(p);
	delete_pod("web-a");
	cr_assert(pod_gone("web-a"));
	cr_expect(nothing_left(), "left behind: %s", leftovers());
	cube_test_sh(out, sizeof(out),
		     "ip netns exec %s iptables-save -t nat | grep -c 'dport 18080'", rn.node_ns);
	cr_expect_eq(atoi(out), 0, "the hostPort rule outlived its pod: %s", out);
}

static bool terminated_with(const cJSON *pod, const void *arg)
{
	(void)arg;
	return phase_is(pod, "Failed") &&
	       cube_json_path(cstatus(pod, "status.containerStatuses", "main"), "state.terminated");
}

static bool crash_looping(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	const char *r = cube_json_str(m, "state.waiting.reason");
	return cube_json_int(m, "restartCount", 0) >= 1 && r && !strcmp(r, "CrashLoopBackOff");
}

static bool pull_backoff(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	const char *r = cube_json_str(m, "state.waiting.reason");
	return r && !strcmp(r, "ImagePullBackOff");
}

static bool pull_error(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	const char *r = cube_json_str(m, "state.waiting.reason");
	return r && !strcmp(r, "ErrImagePull");
}

static bool pull_failing(const cJSON *pod, const void *arg)
{
	return pull_error(pod, arg) || pull_backoff(pod, arg);
}

Test(runc, exit_codes_restarts_and_pull_errors)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096];
	busybox_pod(pod, sizeof(pod), "fails", "Never", "echo bye; exit 3", NULL);
	create_pod(pod);
	busybox_pod(pod, sizeof(pod), "crashes", "OnFailure", "exit 1", NULL);
	create_pod(pod);
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"hog\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"restartPolicy\":\"Never\","
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/busybox:latest\","
		 "\"resources\":{\"limits\":{\"memory\":\"20Mi\"}},"
		 "\"command\":[\"dd\",\"if=/dev/zero\",\"of=/dev/null\",\"bs=64M\","
		 "\"count=1\"]}]}}",
		 rn.node_name, rn.reg.host);
	create_pod(pod);
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"nosuch\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"terminationGracePeriodSeconds\":1,"
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/nosuch:v1\"}]}}",
		 rn.node_name, rn.reg.host);
	create_pod(pod);
	/* restartPolicy Never, exit 3: Failed, exitCode 3, reason Error */
	cJSON *p = wait_pod("fails", terminated_with, NULL, 60);
	if (!terminated_with(p, NULL))
		dump_state("fails", p);
	cr_assert(terminated_with(p, NULL));
	const cJSON *m = cstatus(p, "status.containerStatuses", "main");
	cr_expect_eq(cube_json_int(m, "state.terminated.exitCode", -1), 3);
	cr_expect_str_eq(cube_json_str(m, "state.terminated.reason"), "Error");
	cr_expect_eq(cube_json_int(m, "restartCount", -1), 0);
	cJSON_Delete(p);
	/* a memory hog over its limit: OOMKilled, 137 */
	p = wait_pod("hog", terminated_with, NULL, 60);
	if (!terminated_with(p, NULL))
		dump_state("hog", p);
	cr_assert(terminated_with(p, NULL));
	m = cstatus(p, "status.containerStatuses", "main");
	cr_expect_str_eq(cube_json_str(m, "state.terminated.reason"), "OOMKilled");
	cr_expect_eq(cube_json_int(m, "state.terminated.exitCode", -1), 137);
	cJSON_Delete(p);
	/* a missing image: ErrImagePull, then ImagePullBackOff, in the registry's words */
	p = wait_pod("nosuch", pull_failing, NULL, 30);
	if (!pull_error(p, NULL) && !pull_backoff(p, NULL))
		dump_state("nosuch", p);
	cr_assert(pull_error(p, NULL) || pull_backoff(p, NULL));
	cJSON_Delete(p);
	p = wait_pod("nosuch", pull_backoff, NULL, 30);
	cr_assert(pull_backoff(p, NULL));
	m = cstatus(p, "status.containerStatuses", "main");
	cr_expect(strstr(cube_json_str(m, "state.waiting.message"), "manifest unknown"),
		  "message: %s", cube_json_str(m, "state.waiting.message"));
	cr_expect_str_eq(cube_json_str(p, "status.phase"), "Pending");
	cJSON_Delete(p);
	/* OnFailure, crashing: restarted, then CrashLoopBackOff */
	p = wait_pod("crashes", crash_looping, NULL, 60);
	if (!crash_looping(p, NULL))
		dump_state("crashes", p);
	cr_assert(crash_looping(p, NULL));
	m = cstatus(p, "status.containerStatuses", "main");
	cr_expect_eq(cube_json_int(m, "lastState.terminated.exitCode", -1), 1);
	cr_expect(strstr(cube_json_str(m, "state.waiting.message"),
			 "s restarting failed container=main pod=crashes_default("),
		  "message: %s", cube_json_str(m, "state.waiting.message"));
	cr_expect_str_eq(cube_json_str(p, "status.phase"), "Running");
	cJSON_Delete(p);
	delete_pod("fails");
	delete_pod("crashes");
	delete_pod("nosuch");
	delete_pod("hog");
	cr_assert(pod_gone("fails") && pod_gone("crashes") && pod_gone("nosuch") &&
		  pod_gone("hog"));
	cr_expect(nothing_left(), "left behind: %s", leftovers());
}

static bool running_ready(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	return phase_is(pod, "Running") && cJSON_IsTrue(cube_json_path(m, "ready"));
}

Test(runc, a_killed_cubelet_adopts_its_pods_and_deletion_is_graceful)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096];
	busybox_pod(pod, sizeof(pod), "keep", "Always",
		    "trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 0.1; done",
		    NULL);
	/* a 30 s grace: the container ends on SIGTERM long before */
	char *g = strstr(pod, "\"terminationGracePeriodSeconds\":2");
	cr_assert(g);
	memcpy(g, "\"terminationGracePeriodSeconds\":9", 33);
	create_pod(pod);
	cJSON *p = wait_pod("keep", running_ready, NULL, 60);
	if (!running_ready(p, NULL))
		dump_state("keep", p);
	cr_assert(running_ready(p, NULL));
	const cJSON *m = cstatus(p, "status.containerStatuses", "main");
	char cid[128];
	snprintf(cid, sizeof(cid), "%s", cube_json_str(m, "containerID"));
	char *before = cJSON_PrintUnformatted(cube_json_path(p, "status"));
	const char *rv = cube_obj_resource_version(p);
	char rv0[32];
	snprintf(rv0, sizeof(rv0), "%s", rv ? rv : "");
	cube_test_sh(out, sizeof(out), "runc --root %s/runc state %s | grep '\"pid\"'", rn.root,
		     cid + 7);
	char pid_before[128];
	snprintf(pid_before, sizeof(pid_before), "%.100s", out);
	cr_assert(strstr(pid_before, "\"pid\": ") && !strstr(pid_before, "\"pid\": 0"), "%s",
		  pid_before);
	cJSON_Delete(p);
	/* SIGKILL the cubelet, start another */
	kill(rn.cubelet, SIGKILL);
	waitpid(rn.cubelet, NULL, 0);
	rn.cubelet = -1;
	start_cubelet();
	cube_test_sleep_ms(4000); /* it lists, syncs, garbage-collects */
	cube_test_sh(out, sizeof(out), "runc --root %s/runc state %s | grep '\"pid\"\\|status'",
		     rn.root, cid + 7);
	cr_expect(strstr(out, pid_before) && strstr(out, "running"),
		  "the container changed: was %s, now %s", pid_before, out);
	p = get_pod("keep");
	cr_assert_not_null(p);
	char *after = cJSON_PrintUnformatted(cube_json_path(p, "status"));
	cr_expect_str_eq(after, before, "the status changed across the restart");
	cr_expect_str_eq(cube_obj_resource_version(p), rv0, "the pod was written again");
	free(before);
	free(after);
	char path[1400];
	snprintf(path, sizeof(path), "%s/pods/%s/logs/main/0.log", rn.root, cube_obj_uid(p));
	cJSON_Delete(p);
	/* graceful deletion: SIGTERM reaches the container, which ends at
	 * once (a container that ignored it would take the 9 s grace) */
	double t0 = cube_time_wall();
	delete_pod("keep");
	cr_assert(pod_gone("keep"), "the pod was not deleted");
	cr_expect_lt(cube_time_wall() - t0, 6.0, "deletion took %.1f s: SIGTERM was not seen",
		     cube_time_wall() - t0);
	cr_expect(nothing_left(), "left behind: %s", leftovers());
	cube_test_sh(out, sizeof(out),
		     "%s get events --field-selector reason=Killing -o "
		     "jsonpath='{.items[*].message}'",
		     rn.api.kubectl);
	cr_expect(strstr(out, "Stopping container main"), "events: %s", out);
}

Test(runc, a_hundred_create_delete_cycles_leave_nothing, .timeout = 300)
{
	/* The 100 cycles (about 30 s; CUBE_RUNC_CYCLES changes the count). */
	NEED_ROOT();
	const char *env = getenv("CUBE_RUNC_CYCLES");
	int cycles = env && atoi(env) > 0 ? atoi(env) : 100;
	start_cubelet();
	char pod[4096], name[64];
	int fds = 0;
	for (int i = 0; i < cycles; i++) {
		snprintf(name, sizeof(name), "cycle-%d", i);
		busybox_pod(pod, sizeof(pod), name, "Always",
			    "trap 'exit 0' TERM; sleep 1000 & wait", NULL);
		char *g = strstr(pod, "\"terminationGracePeriodSeconds\":2");
		memcpy(g, "\"terminationGracePeriodSeconds\":1", 33);
		create_pod(pod);
		cJSON *p = wait_pod(name, running_ready, NULL, 60);
		if (!running_ready(p, NULL))
			dump_state(name, p);
		cr_assert(running_ready(p, NULL), "cycle %d", i);
		cJSON_Delete(p);
		delete_pod(name);
		cr_assert(pod_gone(name), "cycle %d: not deleted", i);
		if (i == 0) {
			cube_test_sh(out, sizeof(out), "ls /proc/%d/fd | wc -l", (int)rn.cubelet);
			fds = atoi(out);
		}
	}
	/* nor file descriptors in the cubelet (a little slack for connections) */
	cube_test_sh(out, sizeof(out), "ls /proc/%d/fd | wc -l", (int)rn.cubelet);
	cr_expect_leq(atoi(out), fds + 3, "the cubelet's fds went from %d to %d", fds, atoi(out));
	cr_expect(nothing_left(), "left behind after %d cycles: %s", cycles, leftovers());
}

static bool started(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	return cube_json_path(m, "state.running") || cube_json_path(m, "state.terminated");
}

/* Runs `logs ARGS` with kubectl and with cubectl; out gets
 * "rc=N\n<stdout>--stderr--\n<stderr>" of each ("kubectl" read as
 * "cubectl"); sorted: stdout's lines sorted (kubectl reads several
 * sources in Go's map order). */
static void logs_both(const char *args, bool sorted, char *k, char *c, size_t size)
{
	const char *tool[2] = {rn.api.kubectl, NULL};
	char cub[1400];
	snprintf(cub, sizeof(cub), "%s/cubectl --kubeconfig %s", bin_dir(), rn.api.kubeconfig);
	tool[1] = cub;
	char *dst[2] = {k, c};
	for (int i = 0; i < 2; i++) {
		cube_test_sh(dst[i], size,
			     "d=$(mktemp -d); (timeout 60 %s logs %s) >$d/o 2>$d/e; echo rc=$?; "
			     "%s $d/o; echo --stderr--; cat $d/e; rm -rf $d",
			     tool[i], args, sorted ? "sort" : "cat");
		for (char *p = dst[i]; (p = strstr(p, "kubectl")); p++)
			*p = 'c';
	}
}

static void logs_same(const char *args, bool sorted)
{
	static char k[65536], c[65536];
	logs_both(args, sorted, k, c, sizeof(k));
	if (strcmp(k, c))
		fprintf(stderr, "---- logs %s: kubectl ----\n%s---- cubectl ----\n%s----\n", args,
			k, c);
	cr_expect_str_eq(c, k, "cubectl and kubectl differ on logs %s", args);
}

static bool succeeded(const cJSON *pod, const void *arg)
{
	(void)arg;
	return phase_is(pod, "Succeeded");
}

/* Logs through the API server's pods/log, read by the real kubectl and by
 * cubectl, which must print the same. */
Test(runc, logs_through_kubectl_and_cubectl, .timeout = 180)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096];
	busybox_pod(pod, sizeof(pod), "talk", "Never",
		    "for i in 1 2 3 4 5 6; do echo line $i; sleep 0.3; done; echo oops >&2", NULL);
	create_pod(pod);
	cJSON *p = wait_pod("talk", started, NULL, 60);
	if (!started(p, NULL))
		dump_state("talk", p);
	cr_assert(started(p, NULL));
	cJSON_Delete(p);
	/* -f from the start, both tools at once: every line, ending when the
	 * container does */
	int rc = cube_test_sh(out, sizeof(out),
			      "d=$(mktemp -d); timeout 60 %s/cubectl --kubeconfig %s logs -f talk "
			      ">$d/c 2>&1 & timeout 60 %s logs -f talk >$d/k 2>&1; k=$?; wait $!; "
			      "c=$?; echo k=$k c=$c; cat $d/k; echo --; cat $d/c; rm -rf $d",
			      bin_dir(), rn.api.kubeconfig, rn.api.kubectl);
	const char *lines = "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\noops\n";
	char want[512];
	snprintf(want, sizeof(want), "k=0 c=0\n%s--\n%s", lines, lines);
	cr_expect_str_eq(out, want, "logs -f (rc %d)", rc);
	p = wait_pod("talk", phase_is, "Succeeded", 30);
	cr_assert(phase_is(p, "Succeeded"));
	cJSON_Delete(p);
	/* whole, the tail, with timestamps */
	rc = cube_test_kubectl(out, sizeof(out), "logs talk --tail 2");
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect_str_eq(out, "line 6\noops\n");
	rc = cube_test_kubectl(out, sizeof(out), "logs talk --timestamps -c main");
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect_eq(cube_test_count_lines(out), 7);
	cr_expect(out[4] == '-' && out[10] == 'T' && strstr(out, "Z line 1\n"), "%s", out);
	/* no previous attempt; an unknown container; an unknown pod */
	rc = cube_test_kubectl(out, sizeof(out), "logs talk --previous");
	cr_expect_neq(rc, 0);
	cr_expect(strstr(out, "previous terminated container \"main\" in pod \"talk\" not found"),
		  "%s", out);
	static const char *const one[] = {
		"talk",
		"talk --tail 2",
		"talk --tail=0",
		"talk --timestamps -c main",
		"talk main",
		"pod/talk --prefix",
		"talk --all-containers --prefix",
		"talk --limit-bytes=10",
		"-f talk",
		"talk --previous",
		"talk -c nope",
		"talk nope",
		"talk -c main main",
		"talk --all-containers -c main",
		"nosuchpod",
		"deploy/nosuch",
		"",
		"talk -l app=x",
		"talk --tail=-2",
		"talk --bogus",
		"a b c",
	};
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		logs_same(one[i], false);
	/* several containers (and an init container), labels, workloads */
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"duo\","
		 "\"labels\":{\"app\":\"duo\"}},\"spec\":{\"nodeName\":\"%s\","
		 "\"restartPolicy\":\"Never\",\"terminationGracePeriodSeconds\":2,"
		 "\"initContainers\":[{\"name\":\"init\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sh\",\"-c\",\"echo i1\"]}],"
		 "\"containers\":[{\"name\":\"a\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sh\",\"-c\",\"echo a1; echo a2\"]},"
		 "{\"name\":\"b\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sh\",\"-c\",\"echo b1\"]}]}}",
		 rn.node_name, rn.reg.host, rn.reg.host, rn.reg.host);
	create_pod(pod);
	p = wait_pod("duo", succeeded, NULL, 60);
	if (!succeeded(p, NULL))
		dump_state("duo", p);
	cr_assert(succeeded(p, NULL));
	cJSON_Delete(p);
	rc = cube_test_sh(
		out, sizeof(out), "printf '%s' | %s create -f - && printf '%s' | %s create -f -",
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
		"{\"name\":\"duo\"},\"spec\":{\"replicas\":0,\"selector\":{\"matchLabels\":"
		"{\"app\":\"duo\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":"
		"\"duo\"}},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}",
		rn.api.kubectl,
		"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"duo\"},"
		"\"spec\":{\"selector\":{\"app\":\"duo\"},\"ports\":[{\"port\":80}]}}",
		rn.api.kubectl);
	cr_assert_eq(rc, 0, "%s", out);
	static const char *const many[] = {
		"duo",
		"duo -c b",
		"duo init",
		"duo --all-containers",
		"duo --all-containers --prefix",
		"duo --all-containers --prefix --timestamps",
		"-l app=duo",
		"-l app=duo --prefix --all-containers",
		"-l app=duo,x=y",
		"-l 'app in (duo,talk)' -c a --prefix",
		"-f duo --all-containers --prefix",
		"-f -l app=duo --all-containers --prefix --max-log-requests 2",
		"deploy/duo",
		"deployment/duo -c b --prefix",
		"svc/duo --all-containers",
		"cm/kube-root-ca.crt",
	};
	for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		logs_same(many[i], true);
	/* cubectl's own check: the pods and containers it names are the real ones */
	logs_both("-l app=duo --all-containers --prefix", true, out, out + 32768, 32768);
	cr_expect_str_eq(out + 32768, "rc=0\n[pod/duo/a] a1\n[pod/duo/a] a2\n[pod/duo/b] b1\n"
				      "[pod/duo/init] i1\n--stderr--\n");
	delete_pod("talk");
	delete_pod("duo");
	cr_assert(pod_gone("talk"));
	cr_assert(pod_gone("duo"));
	cr_expect(nothing_left(), "left behind: %s", leftovers());
}

static bool ready_is(const cJSON *pod, const void *arg)
{
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	bool want = *(const bool *)arg;
	const char *ready = NULL;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.conditions")) {
		const char *t = cube_json_str(c, "type");
		if (t && !strcmp(t, "Ready"))
			ready = cube_json_str(c, "status");
	}
	return phase_is(pod, "Running") && cube_json_path(m, "state.running") &&
	       cJSON_IsTrue(cube_json_path(m, "ready")) == want && ready &&
	       !strcmp(ready, want ? "True" : "False");
}

static bool restarted(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	return cube_json_int(m, "restartCount", 0) >= 1 &&
	       cube_json_path(m, "lastState.terminated");
}

Test(runc, probes_drive_ready_and_restarts)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096];
	/* readiness (exec): not ready, ready once /tmp/ready exists, not ready again */
	busybox_pod_x(pod, sizeof(pod), "toggle", "Always",
		      "sleep 3; touch /tmp/ready; sleep 4; rm /tmp/ready; sleep 1000", NULL,
		      ",\"readinessProbe\":{\"exec\":{\"command\":[\"cat\",\"/tmp/ready\"]},"
		      "\"periodSeconds\":1,\"failureThreshold\":1}");
	create_pod(pod);
	/* liveness (exec): the container is restarted once /tmp/alive goes */
	busybox_pod_x(pod, sizeof(pod), "liveness", "Always",
		      "touch /tmp/alive; sleep 2; rm /tmp/alive; sleep 1000", NULL,
		      ",\"livenessProbe\":{\"exec\":{\"command\":[\"cat\",\"/tmp/alive\"]},"
		      "\"periodSeconds\":1,\"failureThreshold\":1}");
	create_pod(pod);
	/* web: readiness httpGet, liveness tcpSocket on a named port */
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"probed\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"terminationGracePeriodSeconds\":1,"
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/web:v1\","
		 "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}],"
		 "\"readinessProbe\":{\"httpGet\":{\"path\":\"/\",\"port\":8080},"
		 "\"periodSeconds\":1},"
		 "\"livenessProbe\":{\"tcpSocket\":{\"port\":\"http\"},\"periodSeconds\":1}}]}}",
		 rn.node_name, rn.reg.host);
	create_pod(pod);
	bool no = false, yes = true;
	cJSON *p = wait_pod("toggle", ready_is, &no, 60);
	if (!ready_is(p, &no))
		dump_state("toggle", p);
	cr_assert(ready_is(p, &no), "toggle: running but not ready at first");
	cJSON_Delete(p);
	p = wait_pod("toggle", ready_is, &yes, 30);
	if (!ready_is(p, &yes))
		dump_state("toggle", p);
	cr_assert(ready_is(p, &yes), "toggle: ready once the probe succeeds");
	cJSON_Delete(p);
	p = wait_pod("toggle", ready_is, &no, 30);
	cr_assert(ready_is(p, &no), "toggle: not ready once the probe fails again");
	cr_expect_eq(
		cube_json_int(cstatus(p, "status.containerStatuses", "main"), "restartCount", -1),
		0, "a readiness failure does not restart");
	cJSON_Delete(p);
	p = wait_pod("liveness", restarted, NULL, 30);
	if (!restarted(p, NULL))
		dump_state("liveness", p);
	cr_assert(restarted(p, NULL));
	cJSON_Delete(p);
	p = wait_pod("probed", ready_is, &yes, 30);
	if (!ready_is(p, &yes))
		dump_state("probed", p);
	cr_assert(ready_is(p, &yes));
	cr_expect_eq(
		cube_json_int(cstatus(p, "status.containerStatuses", "main"), "restartCount", -1),
		0);
	cJSON_Delete(p);
	cube_test_sh(out, sizeof(out),
		     "%s get events --field-selector involvedObject.name=liveness -o "
		     "jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}'",
		     rn.api.kubectl);
	cr_expect(strstr(out, "Unhealthy: Liveness probe failed: cat: can't open '/tmp/alive'"),
		  "events: %s", out);
	cr_expect(strstr(out, "Killing: Container main failed liveness probe, will be restarted"),
		  "events: %s", out);
	delete_pod("toggle");
	delete_pod("liveness");
	delete_pod("probed");
	cr_assert(pod_gone("toggle") && pod_gone("liveness") && pod_gone("probed"));
	cr_expect(nothing_left(), "left behind: %s", leftovers());
}

/* One exec command line, run by `client` ("kubectl" through the harness's
 * command line with its kubeconfig, or cubectl with --server), with
 * `input` (may be NULL) on its stdin; output and status as cube_test_sh. */
static int exec_cli(bool cubectl, const char *input, const char *args)
{
	char cli[1600];
	if (cubectl)
		snprintf(cli, sizeof(cli), "%s/cubectl --server %s", bin_dir(), rn.api.url);
	else
		snprintf(cli, sizeof(cli), "%s", rn.api.kubectl);
	if (input)
		return cube_test_sh(out, sizeof(out), "printf '%s' | timeout 60 %s exec %s 2>&1",
				    input, cli, args);
	return cube_test_sh(out, sizeof(out), "timeout 60 %s exec %s </dev/null 2>&1", cli, args);
}

Test(runc, exec_through_kubectl_and_cubectl, .timeout = 240)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096];
	busybox_pod(pod, sizeof(pod), "shell", "Never", "sleep 3600", NULL);
	create_pod(pod);
	cJSON *p = wait_pod("shell", started, NULL, 60);
	if (!started(p, NULL))
		dump_state("shell", p);
	cr_assert(started(p, NULL));
	cJSON_Delete(p);
	for (int cubectl = 0; cubectl < 2; cubectl++) {
		const char *who = cubectl ? "cubectl" : "kubectl";
		/* stdout and stderr apart, the exit code passed through */
		int rc = exec_cli(cubectl, NULL, "shell -- sh -c 'echo out; echo err >&2; exit 3'");
		cr_expect_eq(rc, 3, "%s: %d %s", who, rc, out);
		cr_expect(cube_test_has_line(out, "out") && cube_test_has_line(out, "err") &&
				  cube_test_has_line(out, "command terminated with exit code 3"),
			  "%s: %s", who, out);
		/* stdin, to its end */
		rc = exec_cli(cubectl, "one\\ntwo\\n", "-i shell -- sh -c 'wc -l; echo done'");
		cr_expect_eq(rc, 0, "%s: %s", who, out);
		cr_expect(cube_test_has_line(out, "2") && cube_test_has_line(out, "done"), "%s: %s",
			  who, out);
		/* a megabyte of output, whole (many frames) */
		rc = cube_test_sh(out, sizeof(out),
				  "timeout 60 %s%s%s exec shell -- sh -c 'dd if=/dev/zero bs=1000 "
				  "count=1000 2>/dev/null' </dev/null | wc -c",
				  cubectl ? bin_dir() : rn.api.kubectl,
				  cubectl ? "/cubectl --server " : "", cubectl ? rn.api.url : "");
		cr_expect_eq(rc, 0, "%s: %s", who, out);
		cr_expect_eq(atoi(out), 1000000, "%s: %s", who, out);
		/* a terminal: the process sees one, of the size given */
		rc = cube_test_sh(
			out, sizeof(out),
			"(sleep 1; printf 'tty; stty size; exit 4\\n'; sleep 3) | timeout 60 "
			"script -qc 'stty cols 91 rows 21; %s%s%s exec -it shell -- sh' "
			"/dev/null",
			cubectl ? bin_dir() : rn.api.kubectl, cubectl ? "/cubectl --server " : "",
			cubectl ? rn.api.url : "");
		cr_expect(strstr(out, "/dev/pts/") && strstr(out, "21 91") &&
				  strstr(out, "command terminated with exit code 4"),
			  "%s -it: %s", who, out);
		/* bad input: an unknown container, an unknown pod */
		rc = exec_cli(cubectl, NULL, "shell -c nope -- true");
		cr_expect_eq(rc, 1, "%s: %s", who, out);
		cr_expect(strstr(out, "container nope is not valid for pod shell"), "%s: %s", who,
			  out);
		rc = exec_cli(cubectl, NULL, "nosuchpod -- true");
		cr_expect_eq(rc, 1, "%s: %s", who, out);
		cr_expect(strstr(out, "pods \"nosuchpod\" not found"), "%s: %s", who, out);
	}
	/* a client that goes away: its process in the container goes too */
	int rc = cube_test_sh(out, sizeof(out),
			      "timeout -s KILL 3 %s exec shell -- sleep 777 </dev/null; true",
			      rn.api.kubectl);
	bool gone = false;
	for (int i = 0; i < 50 && !gone; i++) {
		rc = exec_cli(false, NULL, "shell -- ps");
		gone = rc == 0 && !strstr(out, "sleep 777");
		if (!gone)
			cube_test_sleep_ms(200);
	}
	cr_expect(gone, "the exec'd process outlived its client: %s", out);
	delete_pod("shell");
	cr_assert(pod_gone("shell"));
	cr_expect(nothing_left(), "left behind: %s", leftovers());
}

static bool start_error(const cJSON *pod, const void *arg)
{
	(void)arg;
	const cJSON *m = cstatus(pod, "status.containerStatuses", "main");
	const char *r = cube_json_str(m, "state.terminated.reason");
	const char *lr = cube_json_str(m, "lastState.terminated.reason");
	return (r && !strcmp(r, "StartError")) || (lr && !strcmp(lr, "StartError"));
}

/* Bad input of the issue: a command that is not in the image, a memory
 * limit no process fits in.  Each is a clear container state and an
 * Event, and nothing is left once the pods go. */
Test(runc, a_missing_command_and_an_impossible_limit_are_start_errors)
{
	NEED_ROOT();
	start_cubelet();
	char pod[4096];
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"nocmd\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"restartPolicy\":\"Never\","
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"/no/such/program\"]}]}}",
		 rn.node_name, rn.reg.host);
	create_pod(pod);
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"tiny\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"restartPolicy\":\"Never\","
		 "\"containers\":[{\"name\":\"main\",\"image\":\"%s/busybox:latest\","
		 "\"command\":[\"sleep\",\"100\"],"
		 "\"resources\":{\"limits\":{\"memory\":\"4Ki\"}}}]}}",
		 rn.node_name, rn.reg.host);
	create_pod(pod);
	cJSON *p = wait_pod("nocmd", start_error, NULL, 60);
	if (!start_error(p, NULL))
		dump_state("nocmd", p);
	cr_assert(start_error(p, NULL));
	const cJSON *m = cstatus(p, "status.containerStatuses", "main");
	const char *msg = cube_json_str(m, "state.terminated.message");
	cr_expect(msg && strstr(msg, "/no/such/program"), "message: %s", msg ? msg : "(none)");
	cr_expect_eq(cube_json_int(m, "state.terminated.exitCode", -1), 128);
	cr_expect_str_eq(cube_json_str(p, "status.phase"), "Failed");
	cJSON_Delete(p);
	/* the limit: refused by runc or killed at once; either way a reason
	 * that says so */
	bool seen = false;
	const char *why = "";
	for (int i = 0; i < 600 && !seen; i++) {
		p = get_pod("tiny");
		m = cstatus(p, "status.containerStatuses", "main");
		const char *r = cube_json_str(m, "state.terminated.reason");
		if (r && (!strcmp(r, "StartError") || !strcmp(r, "OOMKilled"))) {
			seen = true;
			why = !strcmp(r, "StartError") ? "StartError" : "OOMKilled";
		}
		cJSON_Delete(p);
		if (!seen)
			cube_test_sleep_ms(100);
	}
	if (!seen)
		dump_state("tiny", get_pod("tiny"));
	cr_expect(seen, "a 4Ki memory limit gave no StartError or OOMKilled");
	cube_test_sh(out, sizeof(out),
		     "%s get events --field-selector involvedObject.name=nocmd -o "
		     "jsonpath='{range .items[*]}{.type} {.reason}: {.message}{\"\\n\"}{end}'",
		     rn.api.kubectl);
	cr_expect(strstr(out, "Warning Failed: Error: ") && strstr(out, "/no/such/program"),
		  "events: %s", out);
	cr_log_info("a 4Ki limit: %s", why);
	delete_pod("nocmd");
	delete_pod("tiny");
	cr_assert(pod_gone("nocmd") && pod_gone("tiny"));
	cr_expect(nothing_left(), "left behind: %s", leftovers());
}
