/* test_kubectl.c - real clients against cube-apiserver, part 1: the real
 * kubectl v1.32 (/usr/bin/kubectl) and Debian's python3-kubernetes client.
 *
 * main() starts one etcd + cube-apiserver for the whole file and exports
 * the kubectl command line (CUBE_TEST_KUBECTL), the kubeconfig path
 * (CUBE_TEST_KUBECONFIG) and the server URL (CUBE_TEST_API_URL).  Every test
 * works in its own namespace, made with `kubectl create -f` of a Namespace
 * manifest (`kubectl create namespace` sends protobuf, which cube does not
 * speak), so tests can run in parallel (--jobs 2).  Manifests and the python
 * driver live in tests/integration/kubectl/; tests run from the repo root.
 *
 * The assertions are on what a user sees: kubectl's exact output lines and
 * exit codes, as a real v1.32 cluster prints them.  Until the server renders
 * Tables, kubectl prints NAME/AGE columns; tests look at names, not columns.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apiserver_harness.h"

#define DIR "tests/integration/kubectl"
#define OUT 65536

/* ---- helpers ------------------------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && v[0], "%s not set: main() did not start the server", name);
	return v;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one step of the python driver (see kubectl/pyclient.py). */
static int python(char *out, size_t size, const char *ns, const char *step)
{
	return cube_test_sh(out, size, "timeout 60 /usr/bin/python3 " DIR "/pyclient.py %s %s %s",
			    env("CUBE_TEST_KUBECONFIG"), ns, step);
}

/* Is there a line whose first word is w1 (and second word w2, unless NULL)? */
static bool has_row(const char *out, const char *w1, const char *w2)
{
	char buf[1024];
	char *w[8];
	int n;
	for (int i = 0; (n = cube_test_words(out, i, buf, sizeof(buf), w, 8)) >= 0; i++)
		if (n >= 1 && !strcmp(w[0], w1) && (!w2 || (n >= 2 && !strcmp(w[1], w2))))
			return true;
	return false;
}

/* Creates namespace ns through `kubectl create -f -` (JSON is never protobuf). */
static void make_ns(const char *ns)
{
	char out[OUT];
	int rc = cube_test_sh(
		out, sizeof(out),
		"printf 'apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: %s\\n' | "
		"timeout 60 %s create --validate=false -f -",
		ns, env("CUBE_TEST_KUBECTL"));
	char want[256];
	snprintf(want, sizeof(want), "namespace/%s created\n", ns);
	cr_assert_eq(rc, 0, "creating namespace %s: rc %d: %s", ns, rc, out);
	cr_assert_str_eq(out, want);
}

/* kubectl -n ns create --validate=false -f DIR/file, which must print `want`. */
static void create_file(const char *ns, const char *file, const char *want)
{
	char out[OUT];
	int rc = cube_test_kubectl(out, sizeof(out), "-n %s create --validate=false -f " DIR "/%s",
				   ns, file);
	cr_assert_eq(rc, 0, "create -f %s: rc %d: %s", file, rc, out);
	cr_assert_str_eq(out, want);
}

/* Parses JSON out of a command's output; fails the test if it is not JSON. */
static cJSON *parse(const char *out)
{
	cJSON *j = cJSON_Parse(out);
	cr_assert_not_null(j, "not JSON: %s", out);
	return j;
}

static const char *jstr(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* "name,name,..." of a list's items[].metadata.name. */
static void item_names(const cJSON *list, char *buf, size_t size)
{
	buf[0] = '\0';
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(list, "items")) {
		const char *n =
			jstr(cJSON_GetObjectItemCaseSensitive(it, "metadata"), "name", NULL);
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", len ? "," : "", n ? n : "?");
	}
}

/* ---- version -------------------------------------------------------------------------- */

Test(kubectl, version_shows_server_version)
{
	char out[OUT];
	int rc = cube_test_kubectl(out, sizeof(out), "version");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert(cube_test_has_line(out, "Server Version: v1.32.0+cube"), "%s", out);
	cr_assert(has_row(out, "Client", "Version:"), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "version -o json");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cJSON *j = parse(out);
	cJSON *sv = cJSON_GetObjectItemCaseSensitive(j, "serverVersion");
	cr_assert_str_eq(jstr(sv, "major", NULL), "1");
	cr_assert_str_eq(jstr(sv, "minor", NULL), "32");
	cr_assert_str_eq(jstr(sv, "gitVersion", NULL), "v1.32.0+cube");
	cr_assert_str_eq(jstr(sv, "platform", NULL), "linux/amd64");
	cJSON_Delete(j);
}

/* A real server's buildDate is RFC 3339 ("2025-04-22T16:03:26Z"), as every
 * other timestamp in the API; clients that parse it expect that format. */
Test(kubectl, version_build_date_is_rfc3339)
{
	char out[OUT];
	int rc = cube_test_kubectl(out, sizeof(out), "version -o json");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cJSON *j = parse(out);
	const char *bd =
		jstr(cJSON_GetObjectItemCaseSensitive(j, "serverVersion"), "buildDate", NULL);
	cr_assert_not_null(bd);
	int y, mo, d, h, mi, s;
	char z = 0, t = 0;
	int n = sscanf(bd, "%4d-%2d-%2d%c%2d:%2d:%2d%c", &y, &mo, &d, &t, &h, &mi, &s, &z);
	cr_expect(n == 8 && t == 'T' && z == 'Z' && strlen(bd) == 20,
		  "serverVersion.buildDate is \"%s\", not RFC 3339 like \"2025-04-22T16:03:26Z\"",
		  bd);
	cJSON_Delete(j);
}

/* ---- get ------------------------------------------------------------------------------ */

Test(kubectl, get_pods_forms, .timeout = 60)
{
	const char *ns = "kt-get";
	char out[OUT];
	make_ns(ns);

	int rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "No resources found in kt-get namespace.\n");

	create_file(ns, "pod.yaml", "pod/web created\n");
	create_file(ns, "pod-other.yaml", "pod/other created\n");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_eq(cube_test_count_lines(out), 3, "header + 2 rows expected: %s", out);
	cr_assert(has_row(out, "NAME", NULL), "%s", out);
	cr_assert(has_row(out, "web", NULL) && has_row(out, "other", NULL), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get po", ns);
	cr_assert_eq(rc, 0, "short name po: rc %d: %s", rc, out);
	cr_assert(has_row(out, "web", NULL) && has_row(out, "other", NULL), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pod web", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_eq(cube_test_count_lines(out), 2, "%s", out);
	cr_assert(has_row(out, "web", NULL), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "get pods -A");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert(has_row(out, "NAMESPACE", "NAME"), "%s", out);
	cr_assert(has_row(out, "kt-get", "web") && has_row(out, "kt-get", "other"), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -l app=web", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert(has_row(out, "web", NULL), "%s", out);
	cr_assert(!has_row(out, "other", NULL), "-l app=web listed other: %s", out);
	cr_assert_eq(cube_test_count_lines(out), 2, "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -l 'app in (web,other)' -o name",
			       ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/other\npod/web\n");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -l app=nothing", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "No resources found in kt-get namespace.\n");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/other\npod/web\n");

	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get pods --field-selector metadata.name=web -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/web\n");
	rc = cube_test_kubectl(
		out, sizeof(out),
		"-n %s get pods --field-selector status.phase=Pending,metadata.name!=web -o name",
		ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/other\n");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -o yaml", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert(cube_test_has_line(out, "apiVersion: v1"), "%s", out);
	cr_assert(cube_test_has_line(out, "kind: List"), "%s", out);
	cr_assert(cube_test_has_line(out, "items:"), "%s", out);
	cr_assert(cube_test_has_line(out, "  kind: Pod"), "%s", out);
	cr_assert(cube_test_has_line(out, "    name: web") &&
			  cube_test_has_line(out, "    name: other"),
		  "%s", out);
	cr_assert(cube_test_has_line(out, "    namespace: kt-get"), "%s", out);
	cr_assert(cube_test_has_line(out, "      app: web"), "%s", out);
	cr_assert(cube_test_has_line(out, "      image: busybox:1.36"), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -o json", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cJSON *j = parse(out);
	cr_assert_str_eq(jstr(j, "kind", NULL), "List");
	cr_assert_str_eq(jstr(j, "apiVersion", NULL), "v1");
	char names[256];
	item_names(j, names, sizeof(names));
	cr_assert_str_eq(names, "other,web");
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(j, "items")) {
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(it, "metadata");
		cr_assert_str_eq(jstr(it, "kind", NULL), "Pod");
		cr_assert_str_eq(jstr(it, "apiVersion", NULL), "v1");
		cr_assert_str_eq(jstr(md, "namespace", NULL), "kt-get");
		cr_assert_not_null(jstr(md, "uid", NULL));
		cr_assert_not_null(jstr(md, "resourceVersion", NULL));
		cr_assert_not_null(jstr(md, "creationTimestamp", NULL));
		cr_assert_str_eq(jstr(it, "status", "phase"), "Pending");
	}
	cJSON_Delete(j);

	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get pod web -o jsonpath='{.metadata.labels.app}'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "web");
}

Test(kubectl, get_all_lists_pods_services_deployments, .timeout = 60)
{
	const char *ns = "kt-all";
	char out[OUT];
	make_ns(ns);
	create_file(ns, "multi.yaml",
		    "pod/multi-pod created\ndeployment.apps/multi-deploy created\n"
		    "configmap/multi-config created\nservice/multi-svc created\n");
	int rc = cube_test_kubectl(out, sizeof(out), "-n %s get all", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert(has_row(out, "pod/multi-pod", NULL), "%s", out);
	cr_assert(has_row(out, "deployment.apps/multi-deploy", NULL), "%s", out);
	cr_assert(has_row(out, "service/multi-svc", NULL), "%s", out);
	/* ConfigMaps are not in the "all" category. */
	cr_assert(!strstr(out, "configmap"), "%s", out);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get deploy -o name", ns);
	cr_assert_eq(rc, 0, "short name deploy: rc %d: %s", rc, out);
	cr_assert_str_eq(out, "deployment.apps/multi-deploy\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get cm,svc -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "configmap/multi-config\nservice/multi-svc\n");
}

Test(kubectl, get_missing_is_not_found)
{
	char out[OUT];
	int rc = cube_test_kubectl(out, sizeof(out), "get pod x");
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (NotFound): pods \"x\" not found\n");

	rc = cube_test_kubectl(out, sizeof(out), "get deploy nope");
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out,
			 "Error from server (NotFound): deployments.apps \"nope\" not found\n");

	/* kubectl 1.32 then GETs the namespace and reports that one when it is missing. */
	rc = cube_test_kubectl(out, sizeof(out), "-n kt-no-such-ns get pod x");
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out,
			 "Error from server (NotFound): namespaces \"kt-no-such-ns\" not found\n");
}

/* ---- create / delete ------------------------------------------------------------------ */

Test(kubectl, create_single_then_already_exists, .timeout = 60)
{
	const char *ns = "kt-create";
	char out[OUT];
	make_ns(ns);
	create_file(ns, "pod.yaml", "pod/web created\n");
	int rc = cube_test_kubectl(out, sizeof(out),
				   "-n %s create --validate=false -f " DIR "/pod.yaml", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (AlreadyExists): error when creating \"" DIR
			      "/pod.yaml\": pods \"web\" already exists\n");

	rc = cube_test_kubectl(out, sizeof(out),
			       "-n kt-create-missing create --validate=false -f " DIR "/pod.yaml");
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (NotFound): error when creating \"" DIR
			      "/pod.yaml\": namespaces \"kt-create-missing\" not found\n");

	/* The pod kubectl created reads back as written. */
	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get pod web -o jsonpath='{.spec.containers[0].image} "
			       "{.metadata.labels.app}'",
			       ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "busybox:1.36 web");
}

Test(kubectl, create_and_delete_multi_document, .timeout = 60)
{
	const char *ns = "kt-multi";
	char out[OUT];
	make_ns(ns);
	create_file(ns, "multi.yaml",
		    "pod/multi-pod created\ndeployment.apps/multi-deploy created\n"
		    "configmap/multi-config created\nservice/multi-svc created\n");

	int rc = cube_test_kubectl(out, sizeof(out),
				   "-n %s create --validate=false -f " DIR "/multi.yaml", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (AlreadyExists): error when creating \"" DIR
			      "/multi.yaml\": pods \"multi-pod\" already exists\n"
			      "Error from server (AlreadyExists): error when creating \"" DIR
			      "/multi.yaml\": deployments.apps \"multi-deploy\" already exists\n"
			      "Error from server (AlreadyExists): error when creating \"" DIR
			      "/multi.yaml\": configmaps \"multi-config\" already exists\n"
			      "Error from server (AlreadyExists): error when creating \"" DIR
			      "/multi.yaml\": services \"multi-svc\" already exists\n");

	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get cm multi-config -o jsonpath='{.data.key}'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "value");
	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get svc multi-svc -o jsonpath='{.spec.ports[0].port}'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "80");

	double t0 = now_s();
	rc = cube_test_kubectl(out, sizeof(out), "-n %s delete -f " DIR "/multi.yaml", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out,
			 "pod \"multi-pod\" deleted\ndeployment.apps \"multi-deploy\" deleted\n"
			 "configmap \"multi-config\" deleted\nservice \"multi-svc\" deleted\n");
	cr_assert_lt(now_s() - t0, 20.0, "delete -f waited %.1f s", now_s() - t0);

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get all", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "No resources found in kt-multi namespace.\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get cm multi-config", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out,
			 "Error from server (NotFound): configmaps \"multi-config\" not found\n");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s delete -f " DIR "/multi.yaml", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert(cube_test_has_line(out, "Error from server (NotFound): error when deleting \"" DIR
					  "/multi.yaml\": pods \"multi-pod\" not found"),
		  "%s", out);
	cr_assert(cube_test_has_line(out,
				     "Error from server (NotFound): error when deleting \"" DIR
				     "/multi.yaml\": deployments.apps \"multi-deploy\" not found"),
		  "%s", out);
}

Test(kubectl, delete_unbound_pod_is_immediate, .timeout = 60)
{
	const char *ns = "kt-delpod";
	char out[OUT];
	make_ns(ns);
	create_file(ns, "pod.yaml", "pod/web created\n");
	double t0 = now_s();
	int rc = cube_test_kubectl(out, sizeof(out), "-n %s delete pod web", ns);
	double dt = now_s() - t0;
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod \"web\" deleted\n");
	/* Not on a node: no grace period, kubectl's wait ends at once. */
	cr_assert_lt(dt, 15.0, "delete of an unbound pod took %.1f s", dt);
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pod web", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (NotFound): pods \"web\" not found\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s delete pod web", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (NotFound): pods \"web\" not found\n");
}

Test(kubectl, delete_deployment, .timeout = 60)
{
	const char *ns = "kt-deldeploy";
	char out[OUT];
	make_ns(ns);
	create_file(ns, "deploy.yaml", "deployment.apps/d created\n");
	int rc = cube_test_kubectl(
		out, sizeof(out),
		"-n %s get deploy d -o jsonpath='{.spec.replicas} {.metadata.generation}'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "1 1");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s delete deploy d", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "deployment.apps \"d\" deleted\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get deploy d", ns);
	cr_assert_eq(rc, 1, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (NotFound): deployments.apps \"d\" not found\n");
}

/* ---- watch ---------------------------------------------------------------------------- */

/* Waits up to ms for `path` to hold the row (w1, w2). */
static bool wait_row(const char *path, const char *w1, const char *w2, int ms, char *buf,
		     size_t size)
{
	for (int t = 0; t <= ms; t += 100) {
		cube_test_read_file(path, buf, size);
		if (has_row(buf, w1, w2))
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

Test(kubectl, get_pods_watch_prints_each_event, .timeout = 90)
{
	const char *ns = "kt-watch";
	char out[OUT], ev[OUT], plain[OUT], dir[512];
	make_ns(ns);
	create_file(ns, "pod.yaml", "pod/web created\n");
	cr_assert_eq(cube_test_temp_dir(dir, sizeof(dir), "kubectl-test"), 0, "mkdtemp %s", dir);

	/* Two watchers: one printing the event type, one kubectl's plain -w. */
	int rc = cube_test_sh(out, sizeof(out),
			      "timeout 45 %s -n %s get pods -w --output-watch-events >%s/ev.out "
			      "2>&1 </dev/null & "
			      "echo $! >%s/ev.pid; "
			      "timeout 45 %s -n %s get pods -w >%s/plain.out 2>&1 </dev/null & "
			      "echo $! >%s/plain.pid; "
			      "timeout 45 %s -n %s get pods -l app=web -w --output-watch-events "
			      ">%s/sel.out 2>&1 </dev/null & "
			      "echo $! >%s/sel.pid",
			      env("CUBE_TEST_KUBECTL"), ns, dir, dir, env("CUBE_TEST_KUBECTL"), ns,
			      dir, dir, env("CUBE_TEST_KUBECTL"), ns, dir, dir);
	cr_assert_eq(rc, 0, "%s", out);
	char evp[600], plainp[600], selp[600], evpid[600], plainpid[600], selpid[600];
	snprintf(evp, sizeof(evp), "%s/ev.out", dir);
	snprintf(plainp, sizeof(plainp), "%s/plain.out", dir);
	snprintf(selp, sizeof(selp), "%s/sel.out", dir);
	snprintf(evpid, sizeof(evpid), "%s/ev.pid", dir);
	snprintf(plainpid, sizeof(plainpid), "%s/plain.pid", dir);
	snprintf(selpid, sizeof(selpid), "%s/sel.pid", dir);
	char sel[OUT];

	/* The initial list shows web; the watch then starts from the list's
	 * resourceVersion, so nothing done after this point can be missed. */
	cr_assert(wait_row(evp, "ADDED", "web", 20000, ev, sizeof(ev)), "no initial ADDED web: %s",
		  ev);
	cr_assert(wait_row(plainp, "web", NULL, 20000, plain, sizeof(plain)),
		  "no initial web row: %s", plain);
	cr_assert(wait_row(selp, "ADDED", "web", 20000, sel, sizeof(sel)),
		  "-l app=web: no initial ADDED web: %s", sel);

	/* Another namespace's pod is not this watch's business. */
	make_ns("kt-watch-other");
	create_file("kt-watch-other", "pod-other.yaml", "pod/other created\n");
	create_file(ns, "pod-late.yaml", "pod/late created\n");
	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s replace --validate=false -f " DIR "/pod-relabeled.yaml", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/web replaced\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s delete pod web", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod \"web\" deleted\n");

	bool ev_done = wait_row(evp, "DELETED", "web", 20000, ev, sizeof(ev));
	bool sel_done = wait_row(selp, "DELETED", "web", 20000, sel, sizeof(sel));
	bool plain_done = false;
	for (int t = 0; t < 20000 && !plain_done; t += 100) {
		cube_test_read_file(plainp, plain, sizeof(plain));
		plain_done = cube_test_count_lines(plain) >= 5;
		if (!plain_done)
			cube_test_sleep_ms(100);
	}
	cube_test_sleep_ms(300); /* nothing more may follow */
	cube_test_read_file(evp, ev, sizeof(ev));
	cube_test_read_file(plainp, plain, sizeof(plain));
	cube_test_read_file(selp, sel, sizeof(sel));
	cube_test_stop_pid_file(evpid);
	cube_test_stop_pid_file(plainpid);
	cube_test_stop_pid_file(selpid);
	cr_assert(ev_done, "no DELETED web event: %s", ev);

	/* Exactly: header, ADDED web (list), ADDED late, MODIFIED web, DELETED web. */
	static const char *const want[][2] = {{"EVENT", "NAME"},
					      {"ADDED", "web"},
					      {"ADDED", "late"},
					      {"MODIFIED", "web"},
					      {"DELETED", "web"}};
	char buf[1024];
	char *w[8];
	cr_assert_eq(cube_test_count_lines(ev), 5, "events:\n%s", ev);
	for (int i = 0; i < 5; i++) {
		int n = cube_test_words(ev, i, buf, sizeof(buf), w, 8);
		cr_assert(n >= 2 && !strcmp(w[0], want[i][0]) && !strcmp(w[1], want[i][1]),
			  "line %d: want \"%s %s\" in:\n%s", i, want[i][0], want[i][1], ev);
	}
	/* Plain -w: a header and one line per event. */
	static const char *const want_plain[] = {"NAME", "web", "late", "web", "web"};
	cr_assert(plain_done, "plain -w printed:\n%s", plain);
	cr_assert_eq(cube_test_count_lines(plain), 5, "plain -w printed:\n%s", plain);
	for (int i = 0; i < 5; i++) {
		int n = cube_test_words(plain, i, buf, sizeof(buf), w, 8);
		cr_assert(n >= 1 && !strcmp(w[0], want_plain[i]), "line %d: want %s in:\n%s", i,
			  want_plain[i], plain);
	}
	/* -l app=web: the relabel takes web out of the selection, which a watcher
	 * sees as DELETED; the later delete and the other pods are not its concern. */
	cr_assert(sel_done, "-l app=web -w printed:\n%s", sel);
	static const char *const want_sel[][2] = {
		{"EVENT", "NAME"}, {"ADDED", "web"}, {"DELETED", "web"}};
	cr_assert_eq(cube_test_count_lines(sel), 3, "-l app=web -w printed:\n%s", sel);
	for (int i = 0; i < 3; i++) {
		int n = cube_test_words(sel, i, buf, sizeof(buf), w, 8);
		cr_assert(n >= 2 && !strcmp(w[0], want_sel[i][0]) && !strcmp(w[1], want_sel[i][1]),
			  "line %d: want \"%s %s\" in:\n%s", i, want_sel[i][0], want_sel[i][1],
			  sel);
	}
	cube_test_remove_dir(dir);
}

/* ---- replace -------------------------------------------------------------------------- */

Test(kubectl, replace_and_conflict, .timeout = 60)
{
	const char *ns = "kt-replace";
	char out[OUT], dir[512];
	make_ns(ns);
	create_file(ns, "pod.yaml", "pod/web created\n");
	cr_assert_eq(cube_test_temp_dir(dir, sizeof(dir), "kubectl-test"), 0, "mkdtemp %s", dir);

	/* A manifest without resourceVersion replaces unconditionally. */
	int rc = cube_test_kubectl(out, sizeof(out),
				   "-n %s replace --validate=false -f " DIR "/pod-relabeled.yaml",
				   ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/web replaced\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -l app=web-v2 -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/web\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -l app=web", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "No resources found in kt-replace namespace.\n");

	/* What `get -o json` returned carries its resourceVersion: the first
	 * replace of it wins, the second one is stale. */
	rc = cube_test_kubectl(
		out, sizeof(out),
		"-n %s get pod web -o json >%s/orig.json && "
		"sed 's/\"app\": \"web-v2\"/\"app\": \"web-v3\"/' %s/orig.json >%s/v3.json && "
		"grep -c web-v3 %s/v3.json",
		ns, dir, dir, dir, dir);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "1\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s replace --validate=false -f %s/v3.json", ns,
			       dir);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/web replaced\n");
	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get pod web -o jsonpath='{.metadata.labels.app}'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "web-v3");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s replace --validate=false -f %s/orig.json",
			       ns, dir);
	cr_assert_eq(rc, 1, "stale replace: rc %d: %s", rc, out);
	char want[1024];
	snprintf(want, sizeof(want),
		 "Error from server (Conflict): error when replacing \"%s/orig.json\": Operation "
		 "cannot be "
		 "fulfilled on pods \"web\": the object has been modified; please apply your "
		 "changes to the "
		 "latest version and try again\n",
		 dir);
	cr_assert_str_eq(out, want);
	/* The stale write changed nothing. */
	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get pod web -o jsonpath='{.metadata.labels.app}'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "web-v3");

	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s replace --validate=false -f " DIR "/pod-late.yaml", ns);
	cr_assert_eq(rc, 1, "replace of a missing pod: rc %d: %s", rc, out);
	cr_assert_str_eq(out, "Error from server (NotFound): error when replacing \"" DIR
			      "/pod-late.yaml\": pods \"late\" not found\n");
	cube_test_remove_dir(dir);
}

/* ---- pagination ----------------------------------------------------------------------- */

/* Creates pods p1..p5 in ns with one kubectl create. */
static void five_pods(const char *ns)
{
	char out[OUT];
	int rc = cube_test_sh(out, sizeof(out),
			      "for i in 1 2 3 4 5; do sed \"s/name: web/name: p$i/\" " DIR
			      "/pod.yaml; echo ---; done | "
			      "timeout 60 %s -n %s create --validate=false -f -",
			      env("CUBE_TEST_KUBECTL"), ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(
		out,
		"pod/p1 created\npod/p2 created\npod/p3 created\npod/p4 created\npod/p5 created\n");
}

Test(kubectl, get_chunk_size_returns_all, .timeout = 60)
{
	const char *ns = "kt-chunk";
	char out[OUT];
	make_ns(ns);
	five_pods(ns);
	int rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods --chunk-size=2 -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/p1\npod/p2\npod/p3\npod/p4\npod/p5\n");

	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods --chunk-size=2", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_eq(cube_test_count_lines(out), 6, "%s", out);
	for (int i = 1; i <= 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "p%d", i);
		cr_assert(has_row(out, name, NULL), "%s missing: %s", name, out);
	}

	/* It really was three requests of two, two, one. */
	rc = cube_test_kubectl(
		out, sizeof(out),
		"-n %s get pods --chunk-size=2 -o name -v=6 2>&1 | grep -c 'pods?.*limit=2.* "
		"200 OK'",
		ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "3\n");
	rc = cube_test_kubectl(out, sizeof(out),
			       "-n %s get pods --chunk-size=2 -o name -v=6 2>&1 | grep -c "
			       "'pods?continue=.*limit=2'",
			       ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "2\n");
}

/* Percent-encodes s for a query value. */
static void query_escape(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "%%%02X", c);
	}
	out[o] = '\0';
}

/* One raw page: GET /api/v1/namespaces/ns/pods?limit=2[&continue=tok]. */
static cJSON *raw_page(const char *ns, const char *cont)
{
	char out[OUT], esc[1024] = "";
	if (cont)
		query_escape(cont, esc, sizeof(esc));
	int rc = cube_test_kubectl(out, sizeof(out),
				   "get --raw '/api/v1/namespaces/%s/pods?limit=2%s%s'", ns,
				   cont ? "&continue=" : "", esc);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cJSON *j = parse(out);
	cr_assert_str_eq(jstr(j, "kind", NULL), "PodList");
	cr_assert_str_eq(jstr(j, "apiVersion", NULL), "v1");
	return j;
}

static int remaining(const cJSON *page)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(page, "metadata"), "remainingItemCount");
	return cJSON_IsNumber(r) ? r->valueint : -1;
}

Test(kubectl, raw_pagination_with_continue, .timeout = 60)
{
	const char *ns = "kt-raw";
	char names[256], out[OUT];
	make_ns(ns);
	five_pods(ns);

	cJSON *p1 = raw_page(ns, NULL);
	item_names(p1, names, sizeof(names));
	cr_assert_str_eq(names, "p1,p2");
	const char *rv = jstr(p1, "metadata", "resourceVersion");
	const char *c1 = jstr(p1, "metadata", "continue");
	cr_assert(rv && rv[0], "no resourceVersion");
	cr_assert(c1 && c1[0], "first page has no continue token");
	cr_assert_eq(remaining(p1), 3);

	/* With a label selector the remaining count is unknown and left out. */
	int rc = cube_test_kubectl(
		out, sizeof(out),
		"get --raw '/api/v1/namespaces/%s/pods?limit=2&labelSelector=app%%3Dweb'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cJSON *sel = parse(out);
	item_names(sel, names, sizeof(names));
	cr_assert_str_eq(names, "p1,p2");
	cr_assert_eq(remaining(sel), -1, "remainingItemCount with a labelSelector");
	cr_assert(jstr(sel, "metadata", "continue") && jstr(sel, "metadata", "continue")[0]);
	cJSON_Delete(sel);

	/* Created after the first page: a continued list is a snapshot at the
	 * first page's resourceVersion and must not show it. */
	cr_assert_eq(cube_test_sh(out, sizeof(out),
				  "sed 's/name: web/name: p6/' " DIR
				  "/pod.yaml | timeout 60 %s -n %s create --validate=false -f -",
				  env("CUBE_TEST_KUBECTL"), ns),
		     0, "%s", out);

	cJSON *p2 = raw_page(ns, c1);
	item_names(p2, names, sizeof(names));
	cr_assert_str_eq(names, "p3,p4");
	cr_assert_str_eq(jstr(p2, "metadata", "resourceVersion"), rv);
	const char *c2 = jstr(p2, "metadata", "continue");
	cr_assert(c2 && c2[0], "second page has no continue token");
	cr_assert_eq(remaining(p2), 1);

	cJSON *p3 = raw_page(ns, c2);
	item_names(p3, names, sizeof(names));
	cr_assert_str_eq(names, "p5");
	cr_assert_str_eq(jstr(p3, "metadata", "resourceVersion"), rv);
	const char *c3 = jstr(p3, "metadata", "continue");
	cr_assert(!c3 || !c3[0], "last page has a continue token: %s", c3);

	/* A fresh list sees all six. */
	rc = cube_test_kubectl(out, sizeof(out), "get --raw '/api/v1/namespaces/%s/pods'", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cJSON *all = parse(out);
	item_names(all, names, sizeof(names));
	cr_assert_str_eq(names, "p1,p2,p3,p4,p5,p6");
	const char *c = jstr(all, "metadata", "continue");
	cr_assert(!c || !c[0], "unpaged list has a continue token");

	rc = cube_test_kubectl(
		out, sizeof(out),
		"get --raw '/api/v1/namespaces/%s/pods?limit=1&continue=bm90LWEtdG9rZW4'", ns);
	cr_assert_eq(rc, 1, "garbage continue: rc %d: %s", rc, out);
	cr_assert(!strncmp(out, "Error from server (BadRequest): ", 32), "%s", out);

	cJSON_Delete(all);
	cJSON_Delete(p3);
	cJSON_Delete(p2);
	cJSON_Delete(p1);
}

/* ---- the python client ---------------------------------------------------------------- */

Test(python, version_has_all_nine_fields, .timeout = 60)
{
	char out[OUT];
	int rc = python(out, sizeof(out), "default", "version");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert(cube_test_has_line(out, "major=1"), "%s", out);
	cr_assert(cube_test_has_line(out, "minor=32"), "%s", out);
	cr_assert(cube_test_has_line(out, "git_version=v1.32.0+cube"), "%s", out);
	cr_assert(cube_test_has_line(out, "platform=linux/amd64"), "%s", out);
	static const char *const fields[] = {"major",	   "minor",	     "git_version",
					     "git_commit", "git_tree_state", "build_date",
					     "go_version", "compiler",	     "platform"};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char empty[64];
		snprintf(empty, sizeof(empty), "%s=<empty>", fields[i]);
		cr_assert(!cube_test_has_line(out, empty), "%s is empty: %s", fields[i], out);
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "\n%s=", fields[i]);
		cr_assert(strstr(out, prefix) || !strncmp(out, prefix + 1, strlen(prefix + 1)),
			  "%s missing: %s", fields[i], out);
	}
}

Test(python, pods_create_list_read_delete, .timeout = 60)
{
	const char *ns = "kt-py-pods";
	char out[OUT];
	make_ns(ns);
	int rc = python(out, sizeof(out), ns, "pods");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "created=kt-py-pods/py-a kind=Pod phase=Pending\n"
			      "uid_set=True rv_set=True\n"
			      "list=py-a,py-b,py-other\n"
			      "list app=py=py-a,py-b\n"
			      "list app=py,tier!=a=py-b\n"
			      "read=py-a labels=app:py,tier:a\n"
			      "duplicate=409\n"
			      "duplicate_reason_in_body=True\n"
			      "delete_returned=V1Pod\n"
			      "read_after_delete=404\n"
			      "read_after_delete_msg=True\n");
	/* kubectl sees what python made. */
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get pods -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "pod/py-b\npod/py-other\n");
}

Test(python, watch_stream_added_and_deleted, .timeout = 60)
{
	const char *ns = "kt-py-watch";
	char out[OUT];
	make_ns(ns);
	int rc = python(out, sizeof(out), ns, "watch");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "events=ADDED py-seed;ADDED py-w;DELETED py-w\n"
			      "object_types=V1Pod\n"
			      "stopped_before_timeout=True\n"
			      "empty_watch_events=0 ended_after_timeout=True\n");
}

Test(python, deployment_create_and_read_back, .timeout = 60)
{
	const char *ns = "kt-py-deploy";
	char out[OUT];
	make_ns(ns);
	int rc = python(out, sizeof(out), ns, "deployment");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "created=py-deploy kind=Deployment apiVersion=apps/v1 generation=1\n"
			      "read=py-deploy replicas=3 image=nginx:1.25 selector=app:pyd\n"
			      "list=py-deploy\n");
	rc = cube_test_kubectl(out, sizeof(out), "-n %s get deploy -o name", ns);
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "deployment.apps/py-deploy\n");
}

Test(python, dynamic_client_lists_pods, .timeout = 60)
{
	const char *ns = "kt-py-dynamic";
	char out[OUT];
	make_ns(ns);
	int rc = python(out, sizeof(out), ns, "dynamic");
	cr_assert_eq(rc, 0, "rc %d: %s", rc, out);
	cr_assert_str_eq(out, "resource=pods namespaced=True\n"
			      "kind=PodList\n"
			      "items=dyn-a,dyn-b\n"
			      "deployments=deployments shortNames=deploy\n"
			      "get=dyn-a label=dyn\n");
}

/* ---- main ----------------------------------------------------------------------------- */

int main(int argc, char *argv[])
{
	static cube_test_api api;
	if (cube_test_api_start(&api, NULL) < 0)
		return 1;
	setenv("CUBE_TEST_KUBECTL", api.kubectl, 1);
	setenv("CUBE_TEST_KUBECONFIG", api.kubeconfig, 1);
	setenv("CUBE_TEST_API_URL", api.url, 1);
	setenv("CUBE_TEST_API_LOG", api.log, 1);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	cube_test_api_destroy(&api);
	return result;
}
