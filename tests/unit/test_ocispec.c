/* test_ocispec.c - the runc runtime's pure rules (kubelet/ocispec.h,
 * kubelet/shim.h): $(VAR) expansion as Kubernetes' expansion package, the
 * downward-API environment, cgroup arithmetic, the OCI spec, /etc/hosts,
 * the pod phase (getPhase), and CRI log lines. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "kubelet/ocispec.h"
#include "kubelet/shim.h"
#include "oci.h"

static void expect_expand(const char *in, const char *want)
{
	char *const env[] = {"A=1", "B=two", "A=3", "EMPTY=", NULL};
	char *got = ocispec_expand(in, env);
	cr_assert_not_null(got);
	cr_expect_str_eq(got, want, "expand(%s)", in);
	free(got);
}

Test(ocispec, expansion_as_kubernetes_does_it)
{
	expect_expand("plain", "plain");
	expect_expand("$(A)", "3"); /* the last definition wins */
	expect_expand("x$(B)y", "xtwoy");
	expect_expand("$(NOPE)", "$(NOPE)");
	expect_expand("$$(A)", "$(A)");
	expect_expand("$$", "$");
	expect_expand("$", "$");
	expect_expand("$(A", "$(A");
	expect_expand("$A", "$A");
	expect_expand("$(EMPTY)-", "-");
	expect_expand("$(A)$(B)$$$(A)", "3two$3");
}

static cJSON *parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad JSON %s", s);
	return o;
}

Test(ocispec, env_with_downward_api_and_references)
{
	cJSON *pod =
		parse("{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"prod\",\"uid\":\"u-1\","
		      "\"labels\":{\"app\":\"web\"}},\"spec\":{\"nodeName\":\"n1\"}}");
	cJSON *c = parse(
		"{\"env\":[{\"name\":\"POD_NAME\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
		"\"metadata.name\"}}},{\"name\":\"NODE\",\"valueFrom\":{\"fieldRef\":{"
		"\"fieldPath\":"
		"\"spec.nodeName\"}}},{\"name\":\"IP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
		"\"status.podIP\"}}},{\"name\":\"APP\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
		"\"metadata.labels['app']\"}}},{\"name\":\"URL\",\"value\":\"http://$(IP):80/"
		"$(LATER)\"},{\"name\":\"LATER\",\"value\":\"x\"},{\"name\":\"NS\",\"valueFrom\":"
		"{\"fieldRef\":{\"fieldPath\":\"metadata.namespace\"}}}]}");
	cube_err err = CUBE_ERR_INIT;
	char **env = ocispec_env(pod, c, "10.1.2.3", "192.168.0.1", &err);
	cr_assert_not_null(env, "%s", err.msg);
	const char *want[] = {"POD_NAME=web-1",
			      "NODE=n1",
			      "IP=10.1.2.3",
			      "APP=web",
			      "URL=http://10.1.2.3:80/$(LATER)",
			      "LATER=x",
			      "NS=prod",
			      NULL};
	for (size_t i = 0; want[i]; i++)
		cr_expect_str_eq(env[i], want[i]);
	cr_expect_null(env[7]);
	/* command words expand against the whole environment */
	char *argv[] = {strdup("echo"), strdup("$(POD_NAME) on $(NODE) $$(X)"), NULL};
	cr_assert_eq(ocispec_expand_argv(argv, env), 0);
	cr_expect_str_eq(argv[1], "web-1 on n1 $(X)");
	free(argv[0]);
	free(argv[1]);
	cube_oci_strv_free(env);
	cJSON_Delete(c);
	c = parse("{\"env\":[{\"name\":\"K\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"s\","
		  "\"key\":\"k\"}}}]}");
	cr_expect_null(ocispec_env(pod, c, "", "", &err));
	cr_expect(strstr(err.msg, "only valueFrom.fieldRef"), "%s", err.msg);
	cJSON_Delete(c);
	c = parse("{\"env\":[{\"name\":\"K\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
		  "\"spec.nope\"}}}]}");
	cr_expect_null(ocispec_env(pod, c, "", "", &err));
	cr_expect(strstr(err.msg, "spec.nope"), "%s", err.msg);
	cJSON_Delete(c);
	cJSON_Delete(pod);
}

Test(ocispec, cgroup_arithmetic)
{
	ocispec_resources r;
	cube_err err = CUBE_ERR_INIT;
	cJSON *c = parse("{\"resources\":{\"requests\":{\"cpu\":\"250m\"},\"limits\":"
			 "{\"cpu\":\"1500m\",\"memory\":\"64Mi\"}}}");
	cr_assert_eq(ocispec_resources_of(c, &r, &err), 0, "%s", err.msg);
	cr_expect_eq(r.cpu_shares, 256);
	cr_expect_eq(r.cpu_quota, 150000);
	cr_expect_eq(r.cpu_period, 100000);
	cr_expect_eq(r.memory_limit, 64 << 20);
	cJSON_Delete(c);
	/* nothing: the BestEffort minimum of 2 shares, no quota, no limit */
	c = parse("{}");
	cr_assert_eq(ocispec_resources_of(c, &r, &err), 0);
	cr_expect_eq(r.cpu_shares, 2);
	cr_expect_eq(r.cpu_quota, 0);
	cr_expect_eq(r.memory_limit, 0);
	cJSON_Delete(c);
	/* a limit alone is the request; a tiny limit gets the 1 ms quota floor */
	c = parse("{\"resources\":{\"limits\":{\"cpu\":\"5m\"}}}");
	cr_assert_eq(ocispec_resources_of(c, &r, &err), 0);
	cr_expect_eq(r.cpu_shares, 5);
	cr_expect_eq(r.cpu_quota, 1000);
	cJSON_Delete(c);
	c = parse("{\"resources\":{\"limits\":{\"memory\":\"lots\"}}}");
	cr_expect_eq(ocispec_resources_of(c, &r, &err), -1);
	cr_expect(strstr(err.msg, "resources.limits.memory"), "%s", err.msg);
	cJSON_Delete(c);
}

Test(ocispec, runtime_spec_has_what_runc_needs)
{
	char *const argv[] = {"sh", "-c", "true", NULL};
	char *const env[] = {"PATH=/bin", NULL};
	ocispec_in in = {.argv = argv,
			 .env = env,
			 .cwd = "/work",
			 .uid = 1000,
			 .gid = 1000,
			 .hostname = "web-1",
			 .rootfs = "/r/rootfs",
			 .netns = "/run/netns/p1",
			 .hosts = "/p/hosts",
			 .resolv = "/p/resolv.conf",
			 .cgroups_path = "cube-x",
			 .res = {.cpu_shares = 512,
				 .cpu_quota = 50000,
				 .cpu_period = 100000,
				 .memory_limit = 1 << 20}};
	cJSON *s = ocispec_runtime_spec(&in);
	cr_assert_not_null(s);
	char *txt = cJSON_PrintUnformatted(s);
	cr_expect(strstr(txt, "\"args\":[\"sh\",\"-c\",\"true\"]"), "%s", txt);
	cr_expect(strstr(txt, "\"cwd\":\"/work\""));
	cr_expect(strstr(txt, "\"uid\":1000"));
	cr_expect(strstr(txt, "{\"type\":\"network\",\"path\":\"/run/netns/p1\"}"));
	cr_expect(strstr(txt, "\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":"
			      "\"/p/hosts\""));
	cr_expect(!strstr(txt, "/etc/hostname"), "no hostname file given: none mounted");
	cr_expect(strstr(txt, "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000}"));
	cr_expect(strstr(txt, "\"memory\":{\"limit\":1048576,\"swap\":1048576}"));
	cr_expect(strstr(txt, "\"cgroupsPath\":\"cube-x\""));
	cr_expect(strstr(txt, "\"hostname\":\"web-1\""));
	free(txt);
	cJSON_Delete(s);
	/* hostNetwork without a node namespace: no network namespace at all */
	in.netns = NULL;
	s = ocispec_runtime_spec(&in);
	txt = cJSON_PrintUnformatted(s);
	cr_expect(!strstr(txt, "\"network\""), "%s", txt);
	free(txt);
	cJSON_Delete(s);
}

Test(ocispec, hosts_file_and_hostname)
{
	cJSON *pod = parse("{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"prod\"},"
			   "\"spec\":{\"hostname\":\"h\",\"subdomain\":\"sub\",\"hostAliases\":"
			   "[{\"ip\":\"1.2.3.4\",\"hostnames\":[\"a\",\"b\"]}]}}");
	char *h = ocispec_hosts_file(pod, "10.0.0.5", "cluster.local");
	cr_assert_not_null(h);
	cr_expect(!strncmp(h, "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n", 51), "%s",
		  h);
	cr_expect(strstr(h, "\n10.0.0.5\th.sub.prod.svc.cluster.local\th\n"), "%s", h);
	cr_expect(strstr(h, "# Entries added by HostAliases.\n1.2.3.4\ta\tb\n"), "%s", h);
	free(h);
	char name[80];
	ocispec_hostname(pod, name, sizeof(name));
	cr_expect_str_eq(name, "h");
	cJSON_Delete(pod);
	pod = parse("{\"metadata\":{\"name\":\"a-very-long-pod-name-that-is-longer-than-sixty-"
		    "three-characters-xxxxxxxx\"}}");
	ocispec_hostname(pod, name, sizeof(name));
	cr_expect_eq(strlen(name), 63);
	cJSON_Delete(pod);
}

static const char *phase(const char *spec, const char *status)
{
	static char buf[32];
	cJSON *pod = parse(spec), *st = parse(status);
	snprintf(buf, sizeof(buf), "%s", ocispec_phase(pod, st));
	cJSON_Delete(pod);
	cJSON_Delete(st);
	return buf;
}

#define RUNNING "{\"name\":\"c\",\"state\":{\"running\":{}}}"
#define EXITED(code) "{\"name\":\"c\",\"state\":{\"terminated\":{\"exitCode\":" #code "}}}"
#define WAITING "{\"name\":\"c\",\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}"
#define BACKOFF                                                                      \
	"{\"name\":\"c\",\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}," \
	"\"lastState\":{\"terminated\":{\"exitCode\":1}}}"

Test(ocispec, phase_as_getPhase)
{
	const char *always = "{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}";
	const char *never = "{\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":"
			    "\"c\"}]}}";
	const char *onfail = "{\"spec\":{\"restartPolicy\":\"OnFailure\",\"containers\":[{"
			     "\"name\":\"c\"}]}}";
	cr_expect_str_eq(phase(always, "{\"containerStatuses\":[" RUNNING "]}"), "Running");
	cr_expect_str_eq(phase(always, "{\"containerStatuses\":[" WAITING "]}"), "Pending");
	cr_expect_str_eq(phase(always, "{\"containerStatuses\":[" BACKOFF "]}"), "Running");
	cr_expect_str_eq(phase(always, "{\"containerStatuses\":[" EXITED(0) "]}"), "Running");
	cr_expect_str_eq(phase(never, "{\"containerStatuses\":[" EXITED(3) "]}"), "Failed");
	cr_expect_str_eq(phase(never, "{\"containerStatuses\":[" EXITED(0) "]}"), "Succeeded");
	cr_expect_str_eq(phase(onfail, "{\"containerStatuses\":[" EXITED(0) "]}"), "Succeeded");
	cr_expect_str_eq(phase(onfail, "{\"containerStatuses\":[" BACKOFF "]}"), "Running");
	cr_expect_str_eq(phase(always, "{}"), "Pending");
	/* init containers */
	const char *init_never = "{\"spec\":{\"restartPolicy\":\"Never\",\"initContainers\":[{"
				 "\"name\":\"c\"}],\"containers\":[{\"name\":\"c\"}]}}";
	cr_expect_str_eq(phase(init_never, "{\"initContainerStatuses\":[" EXITED(1) "]}"),
			 "Failed");
	cr_expect_str_eq(phase(init_never, "{\"initContainerStatuses\":[" RUNNING "]}"), "Pending");
	const char *init_always = "{\"spec\":{\"initContainers\":[{\"name\":\"c\"}],"
				  "\"containers\":[{\"name\":\"c\"}]}}";
	cr_expect_str_eq(phase(init_always, "{\"initContainerStatuses\":[" BACKOFF
					    "],\"containerStatuses\":[{\"name\":\"c\",\"state\":{"
					    "\"waiting\":{\"reason\":\"PodInitializing\"}}}]}"),
			 "Pending");
	cr_expect_str_eq(phase(init_always, "{\"initContainerStatuses\":[" EXITED(
						    0) "],\"containerStatuses\":[" RUNNING "]}"),
			 "Running");
}

Test(ocispec, cri_log_lines)
{
	char buf[256];
	struct timespec ts = {.tv_sec = 1795654923, .tv_nsec = 123456789};
	size_t n = shim_cri_line(buf, sizeof(buf), &ts, "stdout", false, "hello", 5);
	cr_expect_str_eq(buf, "2026-11-26T01:02:03.123456789Z stdout F hello\n");
	cr_expect_eq(n, strlen(buf));
	ts.tv_nsec = 5;
	shim_cri_line(buf, sizeof(buf), &ts, "stderr", true, "", 0);
	cr_expect_str_eq(buf, "2026-11-26T01:02:03.000000005Z stderr P \n");
	cr_expect_eq(shim_cri_line(buf, 20, &ts, "stdout", false, "too long for this", 17), 0);
}
