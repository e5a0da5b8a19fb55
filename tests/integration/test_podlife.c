/* test_podlife.c - a container's life beyond start and stop in the runc
 * runtime, end to end as root (runc_harness.h: a real etcd, API server,
 * registry and one cubelet --runtime runc, pods bound by spec.nodeName):
 * startup probes gating liveness and readiness and restarting a container
 * that never starts, https and httpHeaders probes, postStart and preStop
 * hooks, and CRI log rotation by size read through the real kubectl
 * (whole, --tail and -f across rotations).  Each test checks that nothing
 * is left behind. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "obj.h"
#include "proc.h"
#include "runc_harness.h"

static cube_test_runc_node r;
static char out[65536];

static void setup(void)
{
	if (geteuid() != 0)
		return;
	cr_assert_eq(cube_test_runc_setup(&r, "pl"), 0);
}

static void teardown(void)
{
	if (geteuid() != 0)
		return;
	if (!cube_test_runc_teardown(&r))
		cr_expect_fail("the cubelet's sanitizers complained");
}

TestSuite(podlife, .init = setup, .fini = teardown, .timeout = 150);

static void start_cubelet(const char *const *extra)
{
	cr_assert_eq(cube_test_runc_start_cubelet(&r, extra), 0);
}

static void create(const char *json)
{
	cr_assert_eq(cube_test_runc_create_pod(&r, json), 0);
}

static void delete_all(const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		cr_assert_eq(cube_test_runc_delete_pod(&r, names[i]), 0);
	for (size_t i = 0; names[i]; i++)
		cr_assert(cube_test_runc_pod_gone(&r, names[i]), "%s was not deleted", names[i]);
	cr_expect(cube_test_runc_nothing_left(&r), "left behind: %s", cube_test_runc_leftovers(&r));
}

static const cJSON *main_status(const cJSON *pod)
{
	return cube_test_pod_cstatus(pod, "status.containerStatuses", "main");
}

/* Waits for pred; on failure dumps the pod and fails the test. */
static cJSON *expect_pod(const char *name, cube_test_pod_pred pred, const void *arg, int timeout_s,
			 const char *what)
{
	cJSON *p = cube_test_runc_wait_pod(&r, name, pred, arg, timeout_s);
	if (!p || !pred(p, arg)) {
		cube_test_runc_dump(&r, name, p);
		cJSON_Delete(p);
		cr_assert_fail("%s: %s", name, what);
	}
	return p;
}

/* The events of pod `name` as "Reason: message" lines. */
static const char *events_of(const char *name)
{
	cube_test_sh(out, sizeof(out),
		     "%s get events --field-selector involvedObject.name=%s -o "
		     "jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}'",
		     r.api.kubectl, name);
	return out;
}

/* ---- startup probes ---- */

/* Running, and started/ready as arg says ("started", "unstarted"). */
static bool started_is(const cJSON *pod, const void *arg)
{
	const cJSON *m = main_status(pod);
	bool want = !strcmp(arg, "started");
	return cube_json_path(m, "state.running") &&
	       cJSON_IsTrue(cube_json_path(m, "started")) == want &&
	       cJSON_IsTrue(cube_json_path(m, "ready")) == want;
}

static bool restarted(const cJSON *pod, const void *arg)
{
	(void)arg;
	return cube_json_int(main_status(pod), "restartCount", 0) >= 1;
}

Test(podlife, startup_probe_gates_liveness_and_restarts_a_container_that_never_starts)
{
	NEED_ROOT();
	start_cubelet(NULL);
	char pod[4096];
	/* /tmp/started appears after 4 s: a liveness probe on it that ran
	 * before the startup probe succeeded would restart the container */
	cube_test_runc_busybox_pod(
		&r, pod, sizeof(pod), "slow", "Always", "sleep 4; touch /tmp/started; sleep 1000",
		NULL,
		",\"startupProbe\":{\"exec\":{\"command\":[\"cat\",\"/tmp/started\"]},"
		"\"periodSeconds\":1,\"failureThreshold\":30},"
		"\"livenessProbe\":{\"exec\":{\"command\":[\"cat\",\"/tmp/started\"]},"
		"\"periodSeconds\":1,\"failureThreshold\":1}");
	create(pod);
	/* a startup probe that never succeeds: killed after 2 failures */
	cube_test_runc_busybox_pod(&r, pod, sizeof(pod), "never", "Always", "sleep 1000", NULL,
				   ",\"startupProbe\":{\"exec\":{\"command\":[\"cat\",\"/nope\"]},"
				   "\"periodSeconds\":1,\"failureThreshold\":2}");
	create(pod);
	cJSON *p = expect_pod("slow", started_is, "unstarted", 60, "running, not started");
	cJSON_Delete(p);
	p = expect_pod("slow", started_is, "started", 30, "started and ready");
	cJSON_Delete(p);
	cube_test_sleep_ms(2500); /* liveness now runs, and succeeds */
	p = cube_test_runc_get_pod(&r, "slow");
	cr_expect_eq(cube_json_int(main_status(p), "restartCount", -1), 0,
		     "liveness ran before the container started");
	cr_expect(started_is(p, "started"));
	cJSON_Delete(p);
	cr_expect_not(strstr(events_of("slow"), "Liveness probe failed"), "events: %s", out);
	p = expect_pod("never", restarted, NULL, 60, "restarted by its startup probe");
	cJSON_Delete(p);
	events_of("never");
	cr_expect(strstr(out, "Unhealthy: Startup probe failed: cat: can't open '/nope'"),
		  "events: %s", out);
	cr_expect(strstr(out, "Killing: Container main failed startup probe, will be restarted"),
		  "events: %s", out);
	delete_all((const char *const[]){"slow", "never", NULL});
}

/* ---- https and headers ---- */

static bool ready(const cJSON *pod, const void *arg)
{
	(void)arg;
	return cJSON_IsTrue(cube_json_path(main_status(pod), "ready"));
}

Test(podlife, https_probes_skip_verification_and_http_probes_send_headers)
{
	NEED_ROOT();
	start_cubelet(NULL);
	char pod[4096];
	/* every request the readiness probe makes lands in the log */
	cube_test_runc_busybox_pod(
		&r, pod, sizeof(pod), "headers", "Always",
		"while true; do printf 'HTTP/1.0 200 OK\\\\r\\\\n\\\\r\\\\n' | nc -l -p 8081; done",
		NULL,
		",\"readinessProbe\":{\"httpGet\":{\"port\":8081,\"path\":\"/healthz\","
		"\"httpHeaders\":[{\"name\":\"X-Probe\",\"value\":\"cube\"}]},"
		"\"periodSeconds\":1,\"timeoutSeconds\":3}");
	create(pod);
	/* an https server with a self-signed certificate, started by the test
	 * in the pod's namespace once the pod runs */
	cube_test_runc_busybox_pod(&r, pod, sizeof(pod), "tls", "Always", "sleep 1000", NULL,
				   ",\"readinessProbe\":{\"httpGet\":{\"port\":8443,\"scheme\":"
				   "\"HTTPS\",\"path\":\"/\"},\"periodSeconds\":1,"
				   "\"timeoutSeconds\":5}");
	create(pod);
	cJSON *p = expect_pod("headers", ready, NULL, 60, "ready through the http probe");
	cJSON_Delete(p);
	int rc = cube_test_kubectl(out, sizeof(out), "logs headers");
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "GET /healthz HTTP/1.1"), "log: %s", out);
	cr_expect(strstr(out, "X-Probe: cube"), "log: %s", out);
	cr_expect(strstr(out, "User-Agent: kube-probe/1.32"), "log: %s", out);
	p = expect_pod("tls", cube_test_pod_phase_is, "Running", 60, "running");
	cr_expect_not(ready(p, NULL), "ready without a server");
	char ns[128], key[800], crt[800], log[800];
	snprintf(ns, sizeof(ns), "%s%s", r.prefix, cube_obj_uid(p));
	cJSON_Delete(p);
	snprintf(key, sizeof(key), "%s/tls.key", r.tmp);
	snprintf(crt, sizeof(crt), "%s/tls.crt", r.tmp);
	snprintf(log, sizeof(log), "%s/s_server.log", r.tmp);
	rc = cube_test_sh(out, sizeof(out),
			  "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 1 "
			  "-subj /CN=cube-test 2>&1",
			  key, crt);
	cr_assert_eq(rc, 0, "openssl req: %s", out);
	const char *argv[] = {"ip",	  "netns",   "exec", ns,       "openssl",
			      "s_server", "-accept", "8443", "-cert",  crt,
			      "-key",	  key,	     "-www", "-quiet", NULL};
	pid_t server = cube_test_spawn(argv, log, true);
	cr_assert_gt(server, 0);
	p = cube_test_runc_wait_pod(&r, "tls", ready, NULL, 60);
	bool ok = p && ready(p, NULL);
	if (!ok) {
		cube_test_runc_dump(&r, "tls", p);
		cube_test_print_tail(log);
	}
	cJSON_Delete(p);
	cube_test_kill(server, 2000);
	cr_expect(ok, "tls: ready through the https probe (self-signed certificate)");
	delete_all((const char *const[]){"headers", "tls", NULL});
}

/* ---- lifecycle hooks ---- */

static bool running(const cJSON *pod, const void *arg)
{
	(void)arg;
	return cube_json_path(main_status(pod), "state.running") != NULL;
}

Test(podlife, post_start_runs_after_the_start_and_a_failing_one_kills)
{
	NEED_ROOT();
	start_cubelet(NULL);
	char pod[4096];
	cube_test_runc_busybox_pod(
		&r, pod, sizeof(pod), "poststart", "Always",
		"while [ ! -f /tmp/hooked ]; do sleep 0.1; done; echo saw $(cat /tmp/hooked); "
		"sleep 1000",
		NULL,
		",\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[\"sh\",\"-c\","
		"\"echo poststart > /tmp/hooked\"]}}}");
	create(pod);
	cube_test_runc_busybox_pod(&r, pod, sizeof(pod), "badhook", "Always", "sleep 1000", NULL,
				   ",\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[\"sh\","
				   "\"-c\",\"echo no good; exit 3\"]}}}");
	create(pod);
	cJSON *p = expect_pod("poststart", running, NULL, 60, "running");
	cJSON_Delete(p);
	bool saw = false;
	for (int i = 0; i < 100 && !saw; i++) {
		cube_test_kubectl(out, sizeof(out), "logs poststart");
		saw = !strcmp(out, "saw poststart\n");
		if (!saw)
			cube_test_sleep_ms(100);
	}
	cr_expect(saw, "the hook's file: log %s", out);
	cr_expect_eq(cube_json_int(main_status(p = cube_test_runc_get_pod(&r, "poststart")),
				   "restartCount", -1),
		     0);
	cJSON_Delete(p);
	p = expect_pod("badhook", restarted, NULL, 60, "killed and restarted");
	cJSON_Delete(p);
	events_of("badhook");
	cr_expect(strstr(out, "FailedPostStartHook: Exec lifecycle hook ([sh -c echo no good; exit "
			      "3]) for Container \"main\" in Pod \"badhook_default("),
		  "events: %s", out);
	cr_expect(strstr(out, "message: \"no good\""), "events: %s", out);
	delete_all((const char *const[]){"poststart", "badhook", NULL});
}

/* Starts `kubectl logs -f name` in the background into <tmp>/<name>.follow
 * and waits until it shows `first`. */
static void follow_log(const char *name, const char *first, char *file, size_t size)
{
	snprintf(file, size, "%s/%s.follow", r.tmp, name);
	cube_test_sh(out, sizeof(out), "(timeout 60 %s logs -f %s > %s 2>&1 &)", r.api.kubectl,
		     name, file);
	for (int i = 0; i < 100; i++) {
		cube_test_read_file(file, out, sizeof(out));
		if (strstr(out, first))
			return;
		cube_test_sleep_ms(100);
	}
	cr_assert_fail("kubectl logs -f %s: %s", name, out);
}

/* Waits until the followed file shows `last`; its text into out. */
static void followed_until(const char *file, const char *last)
{
	for (int i = 0; i < 100; i++) {
		cube_test_read_file(file, out, sizeof(out));
		if (strstr(out, last))
			return;
		cube_test_sleep_ms(100);
	}
}

Test(podlife, pre_stop_runs_before_the_container_is_signalled)
{
	NEED_ROOT();
	start_cubelet(NULL);
	char pod[4096];
	const char *loop = "trap 'echo got TERM; exit 0' TERM; echo up; "
			   "while true; do sleep 0.1; done";
	/* exec: writes to the container's stdout, takes a second */
	cube_test_runc_busybox_pod(
		&r, pod, sizeof(pod), "prestop", "Always", loop, NULL,
		",\"lifecycle\":{\"preStop\":{\"exec\":{\"command\":[\"sh\",\"-c\","
		"\"echo prestop begins > /proc/1/fd/1; sleep 1; echo prestop ends > "
		"/proc/1/fd/1\"]}}}");
	char *g = strstr(pod, "\"terminationGracePeriodSeconds\":2");
	cr_assert(g);
	memcpy(g, "\"terminationGracePeriodSeconds\":9", 33);
	create(pod);
	/* httpGet: the request lands in the container's log (nc) */
	char script[512];
	snprintf(script, sizeof(script),
		 "printf 'HTTP/1.0 200 OK\\\\r\\\\n\\\\r\\\\n' | nc -l -p 8081 & %s", loop);
	cube_test_runc_busybox_pod(&r, pod, sizeof(pod), "prestophttp", "Always", script, NULL,
				   ",\"lifecycle\":{\"preStop\":{\"httpGet\":{\"port\":8081,"
				   "\"path\":\"/bye\"}}}");
	g = strstr(pod, "\"terminationGracePeriodSeconds\":2");
	memcpy(g, "\"terminationGracePeriodSeconds\":9", 33);
	create(pod);
	cJSON *p = expect_pod("prestop", running, NULL, 60, "running");
	cJSON_Delete(p);
	p = expect_pod("prestophttp", running, NULL, 60, "running");
	cJSON_Delete(p);
	/* follow the logs through the deletion */
	char f1[800], f2[800];
	follow_log("prestop", "up\n", f1, sizeof(f1));
	follow_log("prestophttp", "up\n", f2, sizeof(f2));
	cr_assert_eq(cube_test_runc_delete_pod(&r, "prestop"), 0);
	cr_assert_eq(cube_test_runc_delete_pod(&r, "prestophttp"), 0);
	cr_assert(cube_test_runc_pod_gone(&r, "prestop"));
	cr_assert(cube_test_runc_pod_gone(&r, "prestophttp"));
	followed_until(f1, "got TERM");
	cr_expect_str_eq(out, "up\nprestop begins\nprestop ends\ngot TERM\n",
			 "the hook ran to its end before SIGTERM");
	followed_until(f2, "got TERM");
	const char *get = strstr(out, "GET /bye HTTP/1.1\r\n"), *term = strstr(out, "got TERM");
	cr_expect(get && term && get < term, "the hook's request before SIGTERM: %s", out);
	cr_expect(strstr(out, "User-Agent: kube-lifecycle/1.32"), "%s", out);
	cr_expect(cube_test_runc_nothing_left(&r), "left behind: %s", cube_test_runc_leftovers(&r));
}

/* ---- log rotation ---- */

static bool succeeded(const cJSON *pod, const void *arg)
{
	(void)arg;
	return cube_test_pod_phase_is(pod, "Succeeded");
}

Test(podlife, rotated_logs_stay_readable_and_followed)
{
	NEED_ROOT();
	const char *small[] = {"--container-log-max-size", "4Ki", "--container-log-max-files", "5",
			       NULL};
	start_cubelet(small);
	char pod[4096];
	/* 400 lines of ~70 bytes in the CRI file: about 7 rotations of 4 KiB,
	 * 5 files kept, the first lines gone */
	cube_test_runc_busybox_pod(&r, pod, sizeof(pod), "chatty", "Never",
				   "sleep 2; for i in $(seq 1 400); do echo line $i "
				   "xxxxxxxxxxxxxxxxxxxx; sleep 0.01; done; echo done",
				   NULL, NULL);
	create(pod);
	cJSON *p = expect_pod("chatty", running, NULL, 60, "running");
	cJSON_Delete(p);
	char followed[800];
	snprintf(followed, sizeof(followed), "%s/chatty.log", r.tmp);
	int rc = cube_test_sh(out, sizeof(out), "timeout 90 %s logs -f chatty > %s 2>&1",
			      r.api.kubectl, followed);
	cr_expect_eq(rc, 0, "kubectl logs -f");
	static char got[65536], want[65536];
	cube_test_read_file(followed, got, sizeof(got));
	want[0] = '\0';
	for (int i = 1; i <= 400; i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "line %d xxxxxxxxxxxxxxxxxxxx\n", i);
	strcat(want, "done\n");
	size_t d = 0;
	while (got[d] && got[d] == want[d])
		d++;
	cr_expect(!got[d] && !want[d],
		  "the follow lost or repeated lines across rotations: at byte %zu, got "
		  "\"%.80s\", want \"%.80s\"",
		  d, got + d, want + d);
	p = expect_pod("chatty", succeeded, NULL, 30, "Succeeded");
	const char *uid = cube_obj_uid(p);
	cube_test_sh(out, sizeof(out), "ls %s/pods/%s/logs/main | grep -c '^0.log'", r.root, uid);
	cr_expect_eq(atoi(out), 5, "5 files kept (the current one and 4 pieces): %s", out);
	cube_test_sh(out, sizeof(out), "cat %s/pods/%s/logs/main/0.log* | wc -c", r.root, uid);
	cr_expect_leq(atoi(out), 5 * 4096 + 200, "kept %s bytes", out);
	cJSON_Delete(p);
	/* whole: the newest lines, in order, up to the last one */
	rc = cube_test_kubectl(got, sizeof(got), "logs chatty");
	cr_expect_eq(rc, 0, "%s", got);
	cr_expect(strstr(got, "line 400 xxxxxxxxxxxxxxxxxxxx\ndone\n"), "%s", got);
	cr_expect_not(strstr(got, "line 1 x"), "the oldest lines were rotated away");
	char *first = strstr(got, "line ");
	int n0 = first ? atoi(first + 5) : 0;
	cr_assert_gt(n0, 1);
	char *tail = strstr(want, first ? first : "?");
	cr_expect(tail && !strcmp(tail, got), "not a contiguous tail of the output");
	rc = cube_test_kubectl(got, sizeof(got), "logs chatty --tail 3");
	cr_expect_eq(rc, 0);
	cr_expect_str_eq(got,
			 "line 399 xxxxxxxxxxxxxxxxxxxx\nline 400 xxxxxxxxxxxxxxxxxxxx\ndone\n");
	delete_all((const char *const[]){"chatty", NULL});
}
