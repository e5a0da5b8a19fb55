/* test_cubectl.c - cubectl against a real control plane (etcd, API server,
 * hollow cubelets, scheduler, controller-manager), side by side with the
 * real kubectl v1.32.
 *
 * main() starts one cluster for the file.  A comparison test runs the same
 * command with kubectl in namespace <base>-k and with cubectl in <base>-c
 * and compares what each printed (stdout, stderr and exit status
 * separately), after replacing the namespace names, "kubectl" with
 * "cubectl", uids, resource versions, timestamps and ages by placeholders.
 * Ages are the only cells that may differ between the two runs, so table
 * widths are compared as printed unless an age changed width.  Behaviour
 * tests check what the objects became.  Manifests live in
 * tests/integration/cubectl/. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_harness.h"

#define DIR "tests/integration/cubectl"
#define OUT 131072

static const char *env(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && v[0], "%s not set: main() did not start the cluster", name);
	return v;
}

/* Runs a command line; out gets "rc=N\n<stdout>--stderr--\n<stderr>". */
static int capture(char *out, size_t size, const char *cmd)
{
	char line[8192];
	snprintf(line, sizeof(line),
		 "d=$(mktemp -d); (timeout 60 %s) >$d/o 2>$d/e; rc=$?; echo rc=$rc; cat $d/o; "
		 "echo --stderr--; cat $d/e; rm -rf $d; exit $rc",
		 cmd);
	return cube_test_sh(out, size, "%s", line);
}

static int cubectl(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int cubectl(char *out, size_t size, const char *fmt, ...)
{
	char args[4096], cmd[6000];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s/cubectl --kubeconfig %s %s", env("CUBE_BIN_DIR"),
		 env("CUBE_TEST_KUBECONFIG"), args);
	return capture(out, size, cmd);
}

static int kubectl(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int kubectl(char *out, size_t size, const char *fmt, ...)
{
	char args[4096], cmd[6000];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s", env("CUBE_TEST_KUBECTL"), args);
	return capture(out, size, cmd);
}

/* Fails with both texts shown when they differ. */
static void expect_same(const char *got, const char *want, const char *what)
{
	if (!strcmp(got, want))
		return;
	fprintf(stderr, "---- %s: kubectl ----\n%s\n---- cubectl ----\n%s\n----\n", what, want,
		got);
	cr_assert_fail("cubectl and kubectl differ on %s", what);
}

/* Replaces every occurrence of `from` with `to` in s (in place, s has room). */
static void replace_all(char *s, size_t size, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *p = s;
	while ((p = strstr(p, from))) {
		size_t rest = strlen(p + fl);
		if ((size_t)(p - s) + tl + rest + 1 > size)
			return;
		memmove(p + tl, p + fl, rest + 1);
		memcpy(p, to, tl);
		p += tl;
	}
}

/* Masks the value after each "key: " / "key": " on a line. */
static void mask_key(char *s, const char *key)
{
	char pat1[64], pat2[64];
	snprintf(pat1, sizeof(pat1), "%s: ", key);
	snprintf(pat2, sizeof(pat2), "\"%s\": ", key);
	const char *pats[] = {pat1, pat2};
	for (int k = 0; k < 2; k++) {
		char *p = s;
		while ((p = strstr(p, pats[k]))) {
			char *v = p + strlen(pats[k]);
			char *end = v + strcspn(v, "\n");
			if (end > v && end[-1] == ',')
				end--;
			/* one X whatever the value's length (resource versions grow) */
			if (end > v) {
				*v = 'X';
				memmove(v + 1, end, strlen(end) + 1);
			}
			p = v + 1;
		}
	}
}

/* Ages ("5s", "2m10s", "3h") become "AGE?" words. */
static void mask_ages(char *s)
{
	for (char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > s && !isspace((unsigned char)p[-1])))
			continue;
		char *q = p;
		while (isdigit((unsigned char)*q) || strchr("smhdy", *q))
			q++;
		if (q > p && strchr("smhdy", q[-1]) && (!*q || isspace((unsigned char)*q)) &&
		    strpbrk(p, "smhdy") < q) {
			for (char *r = p; r < q; r++)
				*r = '~';
			p = q - 1;
		}
	}
}

/* Collapses runs of blanks (after ages were masked, widths may differ). */
static void collapse(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == ' ' && w > s && w[-1] == ' ')
			continue;
		*w++ = *r;
	}
	*w = '\0';
	/* "~~ " and "~~~" widths */
	for (char *p = s; *p; p++)
		if (*p == '~') {
			char *q = p;
			while (*q == '~')
				q++;
			memmove(p + 1, q, strlen(q) + 1);
		}
}

/* The letters and digits after each `prefix` become one X (temporary names). */
static void mask_after(char *s, const char *prefix)
{
	size_t pl = strlen(prefix);
	for (char *p = s; (p = strstr(p, prefix));) {
		char *v = p + pl, *e = v;
		while (isalnum((unsigned char)*e))
			e++;
		if (e > v) {
			*v = 'X';
			memmove(v + 1, e, strlen(e) + 1);
		}
		p = v;
	}
}

/* diff -u's file times ("\t2026-11-26 04:25:33.434350396 +0000") become "\tTS". */
static void mask_diff_times(char *s)
{
	for (char *p = s; (p = strchr(p, '\t'));) {
		p++;
		if (!(isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[3]) && p[4] == '-'))
			continue;
		char *e = p + strcspn(p, "\n");
		memcpy(p, "TS", 2);
		memmove(p + 2, e, strlen(e) + 1);
	}
}

static void normalize(char *s, size_t size, const char *ns_from, const char *ns_to)
{
	replace_all(s, size, ns_from, ns_to);
	replace_all(s, size, "kubectl", "cubectl");
	mask_after(s, "/LIVE-");
	mask_after(s, "/MERGED-");
	mask_after(s, "cubectl-edit-");
	mask_diff_times(s);
	const char *keys[] = {"uid",
			      "resourceVersion",
			      "creationTimestamp",
			      "lastTransitionTime",
			      "lastUpdateTime",
			      "startTime",
			      "deletionTimestamp",
			      "lastHeartbeatTime",
			      "lastProbeTime",
			      "startedAt",
			      "containerID",
			      "cubectl.kubernetes.io/restartedAt",
			      "clusterIP",
			      "podIP",
			      "ip",
			      "nodePort",
			      "nodeName",
			      "hostIP",
			      "scheduler.cube.io/scorecard"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		mask_key(s, keys[i]);
}

/* Runs `args` with kubectl in base-k and cubectl in base-c; both outputs
 * must be the same after normalisation. */
static void same(const char *base, const char *args)
{
	static char k[OUT], c[OUT];
	char nk[128], nc[128];
	snprintf(nk, sizeof(nk), "%s-k", base);
	snprintf(nc, sizeof(nc), "%s-c", base);
	for (int attempt = 0; attempt < 2; attempt++) {
		kubectl(k, sizeof(k), "-n %s %s", nk, args);
		cubectl(c, sizeof(c), "-n %s %s", nc, args);
		normalize(k, sizeof(k), nk, "NS");
		normalize(c, sizeof(c), nc, "NS");
		if (!strcmp(k, c))
			return;
	}
	/* ages may have ticked between the two runs: compare without them */
	mask_ages(k);
	mask_ages(c);
	collapse(k);
	collapse(c);
	expect_same(c, k, args);
}

static void make_ns(const char *ns)
{
	char out[OUT];
	int rc = cube_test_sh(
		out, sizeof(out),
		"printf 'apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: %s\\n' | "
		"timeout 60 %s create --validate=false -f -",
		ns, env("CUBE_TEST_KUBECTL"));
	cr_assert_eq(rc, 0, "namespace %s: %s", ns, out);
}

static void make_pair(const char *base)
{
	char ns[128];
	snprintf(ns, sizeof(ns), "%s-k", base);
	make_ns(ns);
	snprintf(ns, sizeof(ns), "%s-c", base);
	make_ns(ns);
}

/* kubectl create -f in both namespaces of a pair. */
static void create_both(const char *base, const char *file)
{
	char out[OUT];
	const char *sfx[] = {"k", "c"};
	for (int i = 0; i < 2; i++) {
		int rc = kubectl(out, sizeof(out), "-n %s-%s create --validate=false -f " DIR "/%s",
				 base, sfx[i], file);
		cr_assert_eq(rc, 0, "create %s: %s", file, out);
	}
}

/* Waits until `cmd` (cubectl args) prints `want` somewhere. */
static void wait_for(const char *want, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void wait_for(const char *want, const char *fmt, ...)
{
	char args[2048], out[OUT];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	for (int i = 0; i < 300; i++) {
		cubectl(out, sizeof(out), "%s", args);
		if (strstr(out, want))
			return;
		cube_test_sleep_ms(100);
	}
	cr_assert_fail("`%s` never printed %s; last: %s", args, want, out);
}

/* ---- get ----------------------------------------------------------------------------- */

Test(get, tables_and_formats_as_kubectl, .timeout = 90)
{
	make_pair("get");
	create_both("get", "objects.yaml");
	wait_for("2/2", "-n get-k get deploy web");
	wait_for("2/2", "-n get-c get deploy web");
	static const char *const cases[] = {
		"get pods -l app=solo",
		"get po solo",
		"get rs -o wide",
		"get deploy -o wide",
		"get deployments.apps web",
		"get deploy,rs,cm",
		"get pods -l 'app in (solo,x)' --show-labels",
		"get pods -l tier=solo",
		"get pods --field-selector metadata.name=solo",
		"get pods -l app=solo --no-headers",
		"get deploy web -o yaml",
		"get cm -o json",
		"get cm settings -o json",
		"get pods -l app=solo -o name",
		"get deploy,cm -o name",
		"get deploy web -o jsonpath={.spec.template.spec.containers[*].image}",
		"get pods -l app=solo -o jsonpath='{range "
		".items[*]}{.metadata.name}{\"\\t\"}{.metadata.labels}"
		"{\"\\n\"}{end}'",
		"get cm -o custom-columns=NAME:.metadata.name,DATA:.data.color,NONE:.nope",
		"get secrets,configmaps",
		"get svc web -o custom-columns=N:.metadata.name,P:.spec.ports[*].port,T:.spec.type",
		"get deploy nope",
		"get deploy web nope",
		"get pods -l app=none",
		"get foo",
		"get",
		"get pods --bogus",
		"get pods -o bogus",
		"get deploy/web rs/nope",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same("get", cases[i]);
}

Test(get, all_namespaces_and_cluster_scoped, .timeout = 60)
{
	char k[OUT], c[OUT];
	/* -A across the whole cluster: the same for both tools */
	kubectl(k, sizeof(k), "get nodes -o wide --show-labels");
	cubectl(c, sizeof(c), "get nodes -o wide --show-labels");
	mask_ages(k);
	mask_ages(c);
	collapse(k);
	collapse(c);
	replace_all(k, sizeof(k), "kubectl", "cubectl");
	cr_assert_str_eq(c, k);
	make_pair("alln");
	for (int i = 0; i < 2; i++) {
		cubectl(c, sizeof(c), "-n alln-%s create configmap cm --from-literal=a=b",
			i ? "k" : "c");
		cubectl(c, sizeof(c), "-n alln-%s label cm cm only=alln", i ? "k" : "c");
	}
	kubectl(k, sizeof(k), "get cm -A -l only=alln --show-labels");
	cubectl(c, sizeof(c), "get cm -A -l only=alln --show-labels");
	mask_ages(k);
	mask_ages(c);
	collapse(k);
	collapse(c);
	cr_assert_str_eq(c, k);
	kubectl(k, sizeof(k), "get pods -A -l app=none");
	cubectl(c, sizeof(c), "get pods -A -l app=none");
	cr_assert_str_eq(c, k);
	cr_assert(strstr(c, "No resources found\n"), "%s", c);
}

Test(get, watch_prints_changes, .timeout = 60)
{
	make_ns("watch-c");
	char out[OUT];
	cubectl(out, sizeof(out), "-n watch-c create configmap one --from-literal=a=1");
	/* watch in the background for 3 s while a second object appears */
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "(timeout 3 %s/cubectl --kubeconfig %s -n watch-c get cm -w > %s/watch.out &); "
		 "sleep 1; %s/cubectl --kubeconfig %s -n watch-c create configmap two "
		 "--from-literal=b=2; sleep 3; cat %s/watch.out",
		 env("CUBE_BIN_DIR"), env("CUBE_TEST_KUBECONFIG"), env("CUBE_TEST_TMPDIR"),
		 env("CUBE_BIN_DIR"), env("CUBE_TEST_KUBECONFIG"), env("CUBE_TEST_TMPDIR"));
	cube_test_sh(out, sizeof(out), "%s", cmd);
	char buf[256];
	char *w[8];
	int n0 = cube_test_words(out, 1, buf, sizeof(buf), w, 8);
	cr_assert(n0 >= 1 && !strcmp(w[0], "NAME"), "%s", out);
	cr_assert(strstr(out, "\none ") && strstr(out, "\ntwo "), "%s", out);
}

/* ---- apply, create, replace, delete ----------------------------------------------------- */

static void apply_both(const char *base, const char *file, const char *want)
{
	char k[OUT], c[OUT];
	kubectl(k, sizeof(k), "-n %s-k apply -f " DIR "/%s", base, file);
	cubectl(c, sizeof(c), "-n %s-c apply -f " DIR "/%s", base, file);
	cr_assert_str_eq(c, k, "apply -f %s", file);
	cr_assert(strstr(c, want), "apply -f %s: %s", file, c);
}

/* The object as both tools left it (normalised), kubectl's and cubectl's. */
static void same_object(const char *base, const char *what)
{
	char k[OUT], c[OUT];
	kubectl(k, sizeof(k), "-n %s-k get %s -o json", base, what);
	kubectl(c, sizeof(c), "-n %s-c get %s -o json", base, what);
	char nk[128], nc[128];
	snprintf(nk, sizeof(nk), "%s-k", base);
	snprintf(nc, sizeof(nc), "%s-c", base);
	/* status and generation depend on the controllers' timing */
	cJSON *jk = cJSON_Parse(strstr(k, "\n") + 1), *jc = cJSON_Parse(strstr(c, "\n") + 1);
	cr_assert(jk && jc, "%s / %s", k, c);
	cJSON *pair[2] = {jk, jc};
	for (int i = 0; i < 2; i++) {
		cJSON_DeleteItemFromObject(pair[i], "status");
		cJSON_DeleteItemFromObject(cJSON_GetObjectItem(pair[i], "metadata"), "generation");
		cJSON_DeleteItemFromObject(cJSON_GetObjectItem(pair[i], "metadata"),
					   "managedFields");
	}
	char *sk = cJSON_Print(jk), *sc = cJSON_Print(jc);
	static char bk[OUT], bc[OUT];
	snprintf(bk, sizeof(bk), "%s", sk);
	snprintf(bc, sizeof(bc), "%s", sc);
	free(sk);
	free(sc);
	cJSON_Delete(jk);
	cJSON_Delete(jc);
	replace_all(bk, sizeof(bk), ":\t", ": ");
	replace_all(bc, sizeof(bc), ":\t", ": ");
	normalize(bk, sizeof(bk), nk, "NS");
	normalize(bc, sizeof(bc), nc, "NS");
	expect_same(bc, bk, what);
}

Test(apply, messages_annotation_and_three_way_merge_as_kubectl, .timeout = 90)
{
	make_pair("apply");
	apply_both("apply", "app-v1.yaml", "deployment.apps/app created\n");
	apply_both("apply", "app-v1.yaml", "deployment.apps/app unchanged\n");
	same_object("apply", "deploy app");
	/* v2 drops a label, an env var and a container, changes the image */
	apply_both("apply", "app-v2.yaml", "deployment.apps/app configured\n");
	apply_both("apply", "app-v2.yaml", "deployment.apps/app unchanged\n");
	same_object("apply", "deploy app");
	char out[OUT];
	cubectl(out, sizeof(out),
		"-n apply-c get deploy app -o jsonpath='{.metadata.labels.tier}|"
		"{.spec.template.spec.containers[*].name}|{.spec.template.spec.containers[0].env}"
		"'");
	cr_assert_str_eq(out, "rc=0\n|main|[{\"name\":\"A\",\"value\":\"1\"}]--stderr--\n");
	/* a live change the configuration does not name survives apply */
	cubectl(out, sizeof(out), "-n apply-c label deploy app extra=yes");
	apply_both("apply", "app-v1.yaml", "deployment.apps/app configured\n");
	cubectl(out, sizeof(out), "-n apply-c get deploy app -o jsonpath={.metadata.labels.extra}");
	cr_assert_str_eq(out, "rc=0\nyes--stderr--\n");
	/* server-side apply */
	char k[OUT], c[OUT];
	kubectl(k, sizeof(k), "-n apply-k apply --server-side -f " DIR "/cm.yaml");
	cubectl(c, sizeof(c), "-n apply-c apply --server-side -f " DIR "/cm.yaml");
	cr_assert_str_eq(c, k);
	same_object("apply", "cm settings");
	/* errors */
	same("apply", "apply -f " DIR "/bad.yaml");
	same("apply", "apply -f " DIR "/missing.yaml");
	same("apply", "apply -f " DIR "/nokind.yaml");
}

Test(apply, create_replace_delete_as_kubectl, .timeout = 90)
{
	make_pair("crd");
	same("crd", "create -f " DIR "/multi.yaml");
	same("crd", "create -f " DIR "/multi.yaml");
	same("crd", "create -f " DIR "/bad.yaml");
	same("crd", "replace -f " DIR "/cm.yaml");
	same_object("crd", "cm settings");
	same("crd", "get pods,cm");
	same("crd", "delete -f " DIR "/multi.yaml");
	same("crd", "delete -f " DIR "/multi.yaml");
	same("crd", "delete cm settings");
	same("crd", "delete deploy nope");
	same("crd", "delete pods -l app=none");
	same("crd", "delete pods");
	same("crd", "delete");
}

Test(apply, stdin_directories_and_lists, .timeout = 60)
{
	make_ns("dirs-c");
	char out[OUT];
	int rc = cubectl(out, sizeof(out), "-n dirs-c apply -f - < " DIR "/list.json");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_str_eq(out, "rc=0\nconfigmap/l1 created\nconfigmap/l2 created\n--stderr--\n");
	rc = cubectl(out, sizeof(out), "-n dirs-c apply -f " DIR "/dir");
	cr_assert_str_eq(out, "rc=0\nconfigmap/d1 created\nconfigmap/d2 created\n--stderr--\n");
	rc = cubectl(out, sizeof(out), "-n dirs-c delete -f " DIR "/dir -f - < " DIR "/list.json");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "configmap \"l2\" deleted\n"), "%s", out);
}

Test(delete, waits_until_gone, .timeout = 60)
{
	make_ns("del-c");
	char out[OUT];
	cubectl(out, sizeof(out), "-n del-c create -f " DIR "/multi.yaml");
	wait_for("Running", "-n del-c get pod solo");
	/* a pod's delete is graceful: cubectl returns once it is gone */
	int rc = cubectl(out, sizeof(out), "-n del-c delete pod solo");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert_str_eq(out, "rc=0\npod \"solo\" deleted\n--stderr--\n");
	rc = cubectl(out, sizeof(out), "-n del-c get pod solo");
	cr_assert_str_eq(out, "rc=1\n--stderr--\nError from server (NotFound): pods \"solo\" not "
			      "found\n");
	rc = cubectl(out, sizeof(out), "-n del-c delete cm settings --wait=false");
	cr_assert_eq(rc, 0, "%s", out);
}

/* ---- generators and edits ---------------------------------------------------------------- */

Test(generators, create_run_expose_in_json, .timeout = 60)
{
	make_ns("gen-c");
	char out[OUT];
	int rc =
		cubectl(out, sizeof(out),
			"-n gen-c create deployment web --image=nginx:1.25 --replicas=2 --port=80");
	cr_assert_str_eq(out, "rc=0\ndeployment.apps/web created\n--stderr--\n");
	/* the real kubectl cannot: its typed client sends protobuf */
	char k[OUT];
	kubectl(k, sizeof(k), "-n gen-c create deployment web2 --image=nginx");
	cr_assert(strstr(k, "rc=1"), "%s", k);
	cubectl(out, sizeof(out),
		"-n gen-c get deploy web -o jsonpath='{.metadata.labels}|{.spec.replicas}|"
		"{.spec.template.spec.containers[0].name}|{.spec.template.spec.containers[0]"
		".ports[0].containerPort}'");
	cr_assert_str_eq(out, "rc=0\n{\"app\":\"web\"}|2|nginx|80--stderr--\n");
	rc = cubectl(out, sizeof(out),
		     "-n gen-c expose deployment web --port=8080 "
		     "--target-port=80 --type=NodePort");
	cr_assert_str_eq(out, "rc=0\nservice/web exposed\n--stderr--\n");
	/* the same Service as kubectl's expose makes */
	kubectl(k, sizeof(k),
		"-n gen-c expose deployment web --port=8080 --target-port=80 "
		"--type=NodePort --name=web-k");
	cr_assert_str_eq(k, "rc=0\nservice/web-k exposed\n--stderr--\n");
	cubectl(out, sizeof(out),
		"-n gen-c get svc web -o jsonpath='{.spec.ports[0].port} "
		"{.spec.ports[0].targetPort} {.spec.type} {.spec.selector}'");
	cubectl(k, sizeof(k),
		"-n gen-c get svc web-k -o jsonpath='{.spec.ports[0].port} "
		"{.spec.ports[0].targetPort} {.spec.type} {.spec.selector}'");
	cr_assert_str_eq(out, k);
	rc = cubectl(out, sizeof(out), "-n gen-c run r1 --image=busybox -- sleep 10");
	cr_assert_str_eq(out, "rc=0\npod/r1 created\n--stderr--\n");
	kubectl(k, sizeof(k), "-n gen-c run r2 --image=busybox -- sleep 10");
	cubectl(out, sizeof(out),
		"-n gen-c get pod r1 -o jsonpath='{.metadata.labels.run} "
		"{.spec.containers[0].args} {.spec.restartPolicy}'");
	cr_assert_str_eq(out, "rc=0\nr1 [\"sleep\",\"10\"] Always--stderr--\n");
	rc = cubectl(out, sizeof(out), "-n gen-c create configmap c1 --from-literal=a=1");
	cr_assert_str_eq(out, "rc=0\nconfigmap/c1 created\n--stderr--\n");
	rc = cubectl(out, sizeof(out), "-n gen-c create secret generic s1 --from-literal=pw=x");
	cr_assert_str_eq(out, "rc=0\nsecret/s1 created\n--stderr--\n");
	cubectl(out, sizeof(out), "-n gen-c get secret s1 -o jsonpath={.data.pw}");
	cr_assert_str_eq(out, "rc=0\neA==--stderr--\n");
	rc = cubectl(out, sizeof(out), "create namespace gen-made");
	cr_assert_str_eq(out, "rc=0\nnamespace/gen-made created\n--stderr--\n");
	(void)rc;
}

Test(rollout, scale_set_image_history_undo_as_kubectl, .timeout = 120)
{
	make_pair("ro");
	apply_both("ro", "app-v1.yaml", "created");
	same("ro", "rollout status deploy/app --timeout=60s");
	same("ro", "scale deploy app --replicas=3");
	same("ro", "scale deploy/nope --replicas=3");
	same("ro", "set image deploy/app main=nginx:1.27");
	same("ro", "set image deploy/app nope=nginx:1.27");
	wait_for("successfully rolled out", "-n ro-k rollout status deploy/app --timeout=60s");
	wait_for("successfully rolled out", "-n ro-c rollout status deploy/app --timeout=60s");
	same("ro", "rollout history deploy/app");
	same("ro", "rollout undo deploy/app");
	wait_for("successfully rolled out", "-n ro-k rollout status deploy/app --timeout=60s");
	wait_for("successfully rolled out", "-n ro-c rollout status deploy/app --timeout=60s");
	same("ro", "rollout history deploy/app");
	same("ro", "rollout history deploy/app --revision=2");
	same_object("ro", "deploy app");
	same("ro", "rollout undo deploy/app --to-revision=9");
	same("ro", "rollout pause deploy/app");
	same("ro", "rollout pause deploy/app");
	same("ro", "rollout resume deploy/app");
	same("ro", "rollout resume deploy/app");
	same("ro", "label deploy app team=a");
	same("ro", "label deploy app team=b");
	same("ro", "label deploy app team=b --overwrite");
	same("ro", "label deploy app team-");
	same("ro", "annotate deploy app note=x");
	same("ro", "patch deploy app -p '{\"spec\":{\"replicas\":2}}'");
	same("ro", "patch deploy app -p '{\"spec\":{\"replicas\":2}}'");
	same("ro", "patch deploy app --type=json -p "
		   "'[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1}]'");
	same_object("ro", "deploy app");
	char out[OUT];
	int rc = cubectl(out, sizeof(out), "-n ro-c rollout restart deploy/app");
	cr_assert_str_eq(out, "rc=0\ndeployment.apps/app restarted\n--stderr--\n");
	(void)rc;
}

Test(nodes, cordon_uncordon_drain, .timeout = 90)
{
	make_ns("drain-c");
	char out[OUT];
	cubectl(out, sizeof(out), "-n drain-c create -f " DIR "/drain.yaml");
	wait_for("1/1", "-n drain-c get deploy drained");
	wait_for("Running", "-n drain-c get pod bare");
	cubectl(out, sizeof(out), "-n drain-c get pod bare -o jsonpath={.spec.nodeName}");
	char node[128];
	snprintf(node, sizeof(node), "%.*s", (int)(strstr(out, "--stderr--") - out - 5), out + 5);
	int rc = cubectl(out, sizeof(out), "cordon %s", node);
	char want[512];
	snprintf(want, sizeof(want), "rc=0\nnode/%s cordoned\n--stderr--\n", node);
	cr_assert_str_eq(out, want);
	rc = cubectl(out, sizeof(out), "cordon %s", node);
	snprintf(want, sizeof(want), "rc=0\nnode/%s already cordoned\n--stderr--\n", node);
	cr_assert_str_eq(out, want);
	/* an unmanaged pod stops drain unless --force */
	/* only this test's pods: other tests run beside it */
	const char *sel = "--pod-selector='app in (drained,bare)'";
	rc = cubectl(out, sizeof(out), "drain %s %s", node, sel);
	cr_assert_eq(rc, 1, "%s", out);
	cr_assert(strstr(out, "cannot delete Pods that declare no controller (use --force to "
			      "override): drain-c/bare"),
		  "%s", out);
	rc = cubectl(out, sizeof(out), "drain %s %s --force --ignore-daemonsets --grace-period=0",
		     node, sel);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "pod/bare deleted\n"), "%s", out);
	snprintf(want, sizeof(want), "node/%s drained\n", node);
	cr_assert(strstr(out, want), "%s", out);
	rc = cubectl(out, sizeof(out), "-n drain-c get pod bare");
	cr_assert_eq(rc, 1, "%s", out);
	rc = cubectl(out, sizeof(out), "uncordon %s", node);
	snprintf(want, sizeof(want), "rc=0\nnode/%s uncordoned\n--stderr--\n", node);
	cr_assert_str_eq(out, want);
}

/* ---- describe, why and the small commands ------------------------------------------------ */

/* Both tools describe the same object in one namespace; cubectl's addition
 * (the pod's Scheduling section) is cut before comparing. */
static void same_describe(const char *ns, const char *args)
{
	static char k[OUT], c[OUT];
	for (int attempt = 0; attempt < 3; attempt++) {
		kubectl(k, sizeof(k), "-n %s %s", ns, args);
		cubectl(c, sizeof(c), "-n %s %s", ns, args);
		/* drop every "Scheduling:" section (up to the blank line or the end) */
		char *p;
		while ((p = strstr(c, "Scheduling:\n"))) {
			char *end = strstr(p, "\n\n");
			char *stderr_mark = strstr(p, "--stderr--");
			if (!end || (stderr_mark && end > stderr_mark))
				end = stderr_mark;
			else
				end += 1; /* keep the blank lines between descriptions */
			memmove(p, end, strlen(end) + 1);
		}
		replace_all(k, sizeof(k), "kubectl", "cubectl");
		if (!strcmp(k, c))
			return;
		cube_test_sleep_ms(300);
	}
	mask_ages(k);
	mask_ages(c);
	collapse(k);
	collapse(c);
	expect_same(c, k, args);
}

Test(describe, same_text_as_kubectl, .timeout = 90)
{
	make_ns("desc");
	char out[OUT];
	int rc = kubectl(out, sizeof(out),
			 "-n desc create --validate=false -f " DIR "/objects.yaml");
	cr_assert_eq(rc, 0, "%s", out);
	wait_for("2/2", "-n desc get deploy web");
	wait_for("Running", "-n desc get pod solo");
	static const char *const cases[] = {
		"describe pod solo",	 "describe pods -l app=web",
		"describe deploy web",	 "describe deployments",
		"describe rs",		 "describe endpoints web",
		"describe ns desc",	 "describe cm settings",
		"describe secret token", "describe pod nope",
		"describe deploy we",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same_describe("desc", cases[i]);
	/* a Service: the same but for Endpoints, which cubectl reads from the
	 * Endpoints object (kubectl 1.32 reads EndpointSlices, which cube does not serve) */
	cubectl(out, sizeof(out), "-n desc describe svc web");
	cr_assert(strstr(out, "\nEndpoints:                10.128.") &&
			  strstr(out, "\nSelector:                 app=web\n"),
		  "%s", out);
	/* cube's addition: where the scheduler put the pod, and why */
	cubectl(out, sizeof(out), "-n desc describe pod solo");
	cr_assert(strstr(out, "\nScheduling:\n  Node:      hollow-") &&
			  strstr(out, "  Feasible:  2 of 2 nodes\n"),
		  "%s", out);
	/* nodes: the sections kubectl prints, in its order */
	cubectl(out, sizeof(out), "describe node hollow-0");
	const char *sections[] = {"Name:",
				  "Roles:",
				  "Labels:",
				  "Annotations:",
				  "CreationTimestamp:",
				  "Taints:",
				  "Unschedulable:",
				  "Lease:",
				  "Conditions:",
				  "Addresses:",
				  "Capacity:",
				  "Allocatable:",
				  "System Info:",
				  "Non-terminated Pods:",
				  "Allocated resources:",
				  "Events:"};
	const char *at = out;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		const char *f = strstr(at, sections[i]);
		cr_assert(f, "node description lacks %s after position %ld: %s", sections[i],
			  (long)(at - out), out);
		at = f;
	}
}

Test(why, explains_placement_and_pending, .timeout = 60)
{
	make_ns("why");
	char out[OUT];
	cubectl(out, sizeof(out), "-n why create -f " DIR "/multi.yaml");
	wait_for("Running", "-n why get pod solo");
	int rc = cubectl(out, sizeof(out), "-n why why pod/solo");
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strstr(out, "Pod why/solo is Running on hollow-"), "%s", out);
	cr_assert(strstr(out, "Scheduling: cube-scheduler placed it on hollow-"), "%s", out);
	cr_assert(strstr(out, "2 of 2 nodes could run it"), "%s", out);
	cr_assert(strstr(out, "default-scheduler\tScheduled: Successfully assigned why/solo to "),
		  "%s", out);
	cubectl(out, sizeof(out), "-n why apply -f " DIR "/huge.yaml");
	wait_for("FailedScheduling", "-n why why huge");
	cubectl(out, sizeof(out), "-n why why huge");
	cr_assert(strstr(out, "Pod why/huge is Pending"), "%s", out);
	cr_assert(strstr(out, "no node can run it yet. The scheduler said: 0/2 nodes are "
			      "available: 2 Insufficient cpu."),
		  "%s", out);
	rc = cubectl(out, sizeof(out), "-n why why deploy/x");
	cr_assert_eq(rc, 1, "%s", out);
}

Test(misc, version_api_resources_config_events, .timeout = 60)
{
	char k[OUT], c[OUT];
	const char *cases[] = {"api-resources",		"api-resources -o wide",
			       "api-resources -o name", "api-resources --namespaced=false",
			       "config get-contexts",	"config current-context",
			       "config view",		"cluster-info"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kubectl(k, sizeof(k), "%s", cases[i]);
		cubectl(c, sizeof(c), "%s", cases[i]);
		replace_all(k, sizeof(k), "kubectl", "cubectl");
		/* the harness passes --kubeconfig; kubectl's view prints the same file */
		expect_same(c, k, cases[i]);
	}
	int rc = cubectl(c, sizeof(c), "version");
	cr_assert_eq(rc, 0, "%s", c);
	cr_assert(strstr(c, "Client Version: v1.32.0-cube\nServer Version: v1.32"), "%s", c);
	rc = cubectl(c, sizeof(c), "completion bash");
	cr_assert(strstr(c, "complete -o default -F _cubectl cubectl"), "%s", c);
	make_ns("ev");
	cubectl(c, sizeof(c), "-n ev create -f " DIR "/multi.yaml");
	wait_for("Scheduled", "-n ev events --for pod/solo");
	for (int attempt = 0; attempt < 3; attempt++) {
		kubectl(k, sizeof(k), "-n ev events --for pod/solo");
		cubectl(c, sizeof(c), "-n ev events --for pod/solo");
		if (!strcmp(k, c))
			break;
	}
	expect_same(c, k, "events --for pod/solo");
}

/* ---- wait, diff, edit ------------------------------------------------------------------- */

Test(wait, conditions_jsonpath_delete_and_errors_as_kubectl, .timeout = 120)
{
	make_pair("wait");
	create_both("wait", "multi.yaml");
	wait_for("Running", "-n wait-k get pod solo");
	wait_for("Running", "-n wait-c get pod solo");
	static const char *const cases[] = {
		"wait --for=condition=Ready pod/solo",
		"wait --for=condition=ready=TRUE pods solo",
		"wait --for=condition=Ready=false pod/solo --timeout=1s",
		"wait --for=jsonpath={.status.phase}=Running pod/solo",
		"wait --for=jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}'=True "
		"pod/solo",
		"wait --for=jsonpath=.metadata.labels pod/solo",
		"wait --for=jsonpath={.status.phase}=Pending pod/solo --timeout=0",
		"wait --for=condition=Ready pod/solo --timeout=0",
		"wait --for=condition=Ready pod/solo --timeout=-1s",
		"wait --for=condition=Ready pod/solo --timeout=zz",
		"wait --for=condition=Ready pods -l app=solo",
		"wait --for=condition=Ready pods --all",
		"wait --for=condition=Ready pods -l app=nope",
		"wait --for=condition=Ready pod/solo cm/settings --timeout=2s",
		"wait --for=create cm/settings",
		"wait --for=create cm/nope --timeout=1s",
		"wait --for=delete pod/nope",
		"wait --for=delete cm/settings --timeout=0",
		"wait --for=condition=Ready pod/nope",
		"wait --for=condition=Ready deploy/nope",
		"wait --for=bogus pod/solo",
		"wait --for=jsonpath={.status.phase}= pod/solo",
		"wait --for=jsonpath={.status.phase}=a=b pod/solo",
		"wait --for=jsonpath={.status}=x pod/solo",
		"wait --for=jsonpath={.status.conditions[*].type}=x pod/solo",
		"wait --for=condition=Ready",
		"wait --for=condition=Ready pods",
		"wait --for=condition=Ready pod/solo --bogus",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same("wait", cases[i]);
	/* --for=delete returns when the object goes */
	char out[OUT], got[2][OUT];
	for (int i = 0; i < 2; i++) {
		char tool[2048];
		if (i)
			snprintf(tool, sizeof(tool), "%s/cubectl --kubeconfig %s -n wait-c",
				 env("CUBE_BIN_DIR"), env("CUBE_TEST_KUBECONFIG"));
		else
			snprintf(tool, sizeof(tool), "%s -n wait-k", env("CUBE_TEST_KUBECTL"));
		cube_test_sh(
			out, sizeof(out),
			"(sleep 1; %s delete cm settings --wait=false >/dev/null) & "
			"timeout 60 %s wait --for=delete cm/settings --timeout=30s; echo rc=$?; "
			"wait",
			tool, tool);
		snprintf(got[i], sizeof(got[i]), "%s", out);
	}
	cr_assert_str_eq(got[0], "configmap/settings condition met\nrc=0\n");
	cr_assert_str_eq(got[1], got[0]);
}

Test(diff, live_against_merged_as_kubectl, .timeout = 120)
{
	make_pair("diff");
	apply_both("diff", "app-v1.yaml", "created");
	apply_both("diff", "secret.yaml", "created");
	static const char *const cases[] = {
		"diff -f " DIR "/app-v1.yaml",
		"diff -f " DIR "/app-v2.yaml",
		"diff -f " DIR "/multi.yaml",
		"diff -f " DIR "/secret.yaml",
		"diff -f " DIR "/secret-v2.yaml",
		"diff -f " DIR "/app-v2.yaml -l app=none",
		"diff --server-side -f " DIR "/cm.yaml",
		"diff -f " DIR "/bad.yaml",
		"diff -f " DIR "/missing.yaml",
		"diff",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same("diff", cases[i]);
	/* exit status 0, 1 and 2 */
	char out[OUT];
	cr_assert_eq(cubectl(out, sizeof(out), "-n diff-c diff -f " DIR "/app-v1.yaml"), 0, "%s",
		     out);
	cr_assert_eq(cubectl(out, sizeof(out), "-n diff-c diff -f " DIR "/app-v2.yaml"), 1, "%s",
		     out);
	cr_assert_eq(cubectl(out, sizeof(out), "-n diff-c diff -f " DIR "/missing.yaml"), 2, "%s",
		     out);
	/* KUBECTL_EXTERNAL_DIFF: the program, the directories, its plain words */
	char cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "env KUBECTL_EXTERNAL_DIFF='echo x -q $(id)' %s/cubectl --kubeconfig %s -n diff-c "
		 "diff -f " DIR "/app-v2.yaml",
		 env("CUBE_BIN_DIR"), env("CUBE_TEST_KUBECONFIG"));
	int rc = capture(out, sizeof(out), cmd);
	cr_assert_eq(rc, 0, "%s", out);
	mask_after(out, "/LIVE-");
	mask_after(out, "/MERGED-");
	cr_assert(strstr(out, "/LIVE-X ") && strstr(out, "/MERGED-X x -q\n"), "%s", out);
	/* nothing was changed */
	same_object("diff", "deploy app");
}

/* Runs `edit ARGS` with kubectl (base-k) and cubectl (base-c) under
 * editor.sh applying `sedx`; compares what they print and, when `copies`,
 * the files the editor was given. */
static void edit_same(const char *base, const char *sedx, const char *args, bool copies)
{
	static char k[OUT], c[OUT];
	char dir[2][700];
	const char *sfx[] = {"k", "c"};
	for (int i = 0; i < 2; i++) {
		snprintf(dir[i], sizeof(dir[i]), "%s/edlog-%s-%s", env("CUBE_TEST_TMPDIR"), base,
			 sfx[i]);
		char out[256];
		cube_test_sh(out, sizeof(out), "rm -rf %s && mkdir -p %s", dir[i], dir[i]);
		char cmd[8192];
		snprintf(cmd, sizeof(cmd),
			 "env EDITOR=$PWD/" DIR "/editor.sh EDLOG=%s TMPDIR=%s SEDX='%s' %s%s%s "
			 "-n %s-%s %s",
			 dir[i], dir[i], sedx, i ? env("CUBE_BIN_DIR") : env("CUBE_TEST_KUBECTL"),
			 i ? "/cubectl --kubeconfig " : "", i ? env("CUBE_TEST_KUBECONFIG") : "",
			 base, sfx[i], args);
		capture(i ? c : k, OUT, cmd);
	}
	char nk[128], nc[128];
	snprintf(nk, sizeof(nk), "%s-k", base);
	snprintf(nc, sizeof(nc), "%s-c", base);
	normalize(k, sizeof(k), nk, "NS");
	normalize(c, sizeof(c), nc, "NS");
	expect_same(c, k, args);
	/* cubectl keeps a temporary file only where it says so */
	int kept = strstr(c, "has been stored to") || strstr(c, "have been saved to") ? 1 : 0;
	cube_test_sh(k, sizeof(k), "ls %s | grep -c '^cubectl-edit-'", dir[1]);
	cr_assert_eq(atoi(k), kept, "%s: %d temporary files left", args, atoi(k));
	if (!copies)
		return;
	for (int n = 0; n < 4; n++) {
		int rk = cube_test_sh(k, sizeof(k), "cat %s/%d", dir[0], n);
		int rc = cube_test_sh(c, sizeof(c), "cat %s/%d", dir[1], n);
		cr_assert_eq(rc, rk, "editor copy %d: %s / %s", n, k, c);
		if (rk)
			break;
		normalize(k, sizeof(k), nk, "NS");
		normalize(c, sizeof(c), nc, "NS");
		expect_same(c, k, "the file the editor got");
	}
}

Test(edit, patches_reopens_and_cancels_as_kubectl, .timeout = 120)
{
	make_pair("edit");
	create_both("edit", "multi.yaml");
	wait_for("Running", "-n edit-k get pod solo");
	wait_for("Running", "-n edit-c get pod solo");
	edit_same("edit", "s/^  color: red/  color: green/", "edit cm settings", true);
	same_object("edit", "cm settings");
	edit_same("edit", "s/^  color: green/  color: \"green\"/", "edit cm/settings", false);
	edit_same("edit", "s/\"color\": \"green\"/\"color\": \"blue\"/", "edit cm settings -o json",
		  true);
	edit_same("edit", "s/^  color: blue/  color: pink/", "edit cm settings --output-patch",
		  false);
	same_object("edit", "cm settings");
	edit_same("edit", "s/^  name: settings/  name: other/", "edit cm settings", false);
	edit_same("edit", "s/^  - image: busybox/  - image: \"\"/", "edit pod solo", true);
	edit_same("edit", "1,$d", "edit cm settings", true);
	edit_same("edit", "s/x/y/", "edit cm nope", false);
	edit_same("edit", "s/x/y/", "edit", false);
	same_object("edit", "pod solo");
	char out[OUT], cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "env EDITOR=false %s/cubectl --kubeconfig %s -n edit-c edit cm settings",
		 env("CUBE_BIN_DIR"), env("CUBE_TEST_KUBECONFIG"));
	capture(out, sizeof(out), cmd);
	cr_assert_str_eq(out, "rc=1\n--stderr--\nerror: there was a problem with the editor "
			      "\"false\"\n");
}

/* ---- main -------------------------------------------------------------------------------------
 */

int main(int argc, char *argv[])
{
	static cube_test_cluster k;
	if (cube_test_cluster_start(
		    &k, &(cube_test_cluster_opts){.cubelets = 1, .hollow_nodes = 2}) < 0)
		return 1;
	setenv("CUBE_TEST_KUBECONFIG", k.api.kubeconfig, 1);
	if (!getenv("CUBE_BIN_DIR"))
		setenv("CUBE_BIN_DIR", "build/asan/bin", 1);
	setenv("CUBE_TEST_TMPDIR", k.api.etcd.dir, 1);
	struct criterion_test_set *tests = criterion_initialize();
	int result = 0;
	if (criterion_handle_args(argc, argv, true))
		result = !criterion_run_all_tests(tests);
	criterion_finalize(tests);
	cube_test_cluster_destroy(&k);
	return result;
}
