/* test_volumes.c - pod volumes and the environment from ConfigMaps and
 * Secrets in the cubelet's runc runtime, end to end, as root: one real node
 * (runc_harness.h: etcd, API server, registry, a cubelet with --runtime
 * runc in a node namespace of the test's), busybox containers, and what a
 * container sees checked from inside it (runc exec, as kubectl exec would).
 *
 * emptyDir shared between containers (and with an init container, and
 * through subPath), emptyDir Memory as a tmpfs of its sizeLimit; configMap
 * files with items, modes and the atomic writer's layout, changing inside
 * the running container when the ConfigMap changes; secret files decoded,
 * with their mode, on a tmpfs; env from configMapKeyRef / secretKeyRef /
 * envFrom and the CreateContainerConfigError of a missing key or object; a
 * missing ConfigMap volume (FailedMount, then Running once it exists); the
 * hostPath types; five pods with every volume type at once (two tmpfs
 * each); the API's refusal of a mount of an unknown volume.  Each test
 * deletes its pods and checks that nothing is left (mounts included).
 *
 * Names: node namespace cube-vol-<pid>, node vol-<pid>; hostPaths under
 * the test's temporary directory. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kclient.h"
#include "runc_harness.h"
#include "obj.h"
#include "proc.h"

static cube_test_runc_node rn;
static char out[65536];

static void setup(void)
{
	cr_assert_eq(cube_test_runc_setup(&rn, "vol"), 0);
}

static void teardown(void)
{
	if (!cube_test_runc_teardown(&rn))
		cr_expect_fail("the cubelet's sanitizers complained");
}

TestSuite(volumes, .init = setup, .fini = teardown, .timeout = 180);

/* ---- helpers ---- */

/* A pod of busybox containers: extra goes into the spec ("volumes":[...],),
 * containers is the "containers" member; IMG in either stands for the
 * busybox image. */
static void make_pod(const char *name, const char *extra, const char *containers)
{
	char img[128], text[24576], pod[16384];
	snprintf(img, sizeof(img), "%s/busybox:latest", rn.reg.host);
	snprintf(text, sizeof(text), "%s%s", extra ? extra : "", containers);
	size_t o = 0;
	for (const char *s = text; *s && o + sizeof(img) < sizeof(pod);) {
		if (!strncmp(s, "IMG", 3)) {
			o += (size_t)snprintf(pod + o, sizeof(pod) - o, "%s", img);
			s += 3;
		} else {
			pod[o++] = *s++;
		}
	}
	pod[o] = '\0';
	snprintf(text, sizeof(text),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"terminationGracePeriodSeconds\":1,%s}}",
		 name, rn.node_name, pod);
	cr_assert_eq(cube_test_runc_create_pod(&rn, text), 0);
}

static void put_object(const cube_gvr *gvr, const char *json, bool update)
{
	cJSON *o = cJSON_Parse(json);
	cr_assert_not_null(o, "bad test JSON %s", json);
	cube_err err = CUBE_ERR_INIT;
	cJSON *r = update ? cube_kclient_update(rn.kc, gvr, "default", o, NULL, &err)
			  : cube_kclient_create(rn.kc, gvr, "default", o, &err);
	cr_assert_not_null(r, "%s: %s", json, err.msg);
	cJSON_Delete(r);
	cJSON_Delete(o);
}

static cJSON *running(const char *name)
{
	cJSON *p = cube_test_runc_wait_pod(&rn, name, cube_test_pod_phase_is, "Running", 90);
	if (!cube_test_pod_phase_is(p, "Running")) {
		cube_test_runc_dump(&rn, name, p);
		cJSON_Delete(p);
		cr_assert_fail("pod %s is not Running", name);
	}
	return p;
}

/* Runs cmd in the container until its output is want (30 s); the last
 * output stays in `out`. */
static bool exec_until(const cJSON *pod, const char *ctr, const char *cmd, const char *want)
{
	for (int i = 0; i < 300; i++) {
		cube_test_runc_exec(&rn, pod, ctr, out, sizeof(out), cmd);
		if (!strcmp(out, want))
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

static void delete_and_check(const char *name)
{
	cr_assert_eq(cube_test_runc_delete_pod(&rn, name), 0);
	cr_assert(cube_test_runc_pod_gone(&rn, name), "pod %s was not deleted", name);
}

static void nothing_left(void)
{
	cr_expect(cube_test_runc_nothing_left(&rn), "left behind: %s",
		  cube_test_runc_leftovers(&rn));
}

typedef struct waiting_want {
	const char *container, *reason, *message;
} waiting_want;

/* The container waits with the reason and a message holding `message`. */
static bool waits_with(const cJSON *pod, const void *arg)
{
	const waiting_want *w = arg;
	const cJSON *cs = cube_test_pod_cstatus(pod, "status.containerStatuses", w->container);
	const char *r = cube_json_str(cs, "state.waiting.reason");
	const char *m = cube_json_str(cs, "state.waiting.message");
	return r && !strcmp(r, w->reason) && (!w->message || (m && strstr(m, w->message)));
}

/* An event of the pod with this reason and message (30 s). */
static bool has_event(const char *pod, const char *reason, const char *message)
{
	for (int i = 0; i < 300; i++) {
		cJSON *l = cube_kclient_list(rn.kc, &CUBE_GVR_EVENTS, "default", NULL, NULL);
		const cJSON *e;
		bool found = false;
		cJSON_ArrayForEach (e, cube_json_path(l, "items")) {
			const char *n = cube_json_str(e, "involvedObject.name");
			const char *r = cube_json_str(e, "reason"),
				   *m = cube_json_str(e, "message");
			found |= n && r && m && !strcmp(n, pod) && !strcmp(r, reason) &&
				 !strcmp(m, message);
		}
		cJSON_Delete(l);
		if (found)
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

/* ---- the tests ---- */

Test(volumes, empty_dir_is_shared_and_memory_is_a_tmpfs)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	make_pod(
		"share",
		"\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}},"
		"{\"name\":\"mem\",\"emptyDir\":{\"medium\":\"Memory\",\"sizeLimit\":\"16Mi\"}}],"
		"\"initContainers\":[{\"name\":\"init\",\"image\":\"IMG\",\"command\":[\"sh\","
		"\"-c\",\"echo from-init > /data/init\"],"
		"\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":\"/data\"}]}],",
		"\"containers\":[{\"name\":\"writer\",\"image\":\"IMG\",\"command\":[\"sh\",\"-c\","
		"\"echo hello > /data/x; echo deep > /sub/y; echo m > /mem/z; sleep 1000\"],"
		"\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":\"/data\"},"
		"{\"name\":\"data\",\"mountPath\":\"/sub\",\"subPath\":\"s/t\"},"
		"{\"name\":\"mem\",\"mountPath\":\"/mem\"}]},"
		"{\"name\":\"reader\",\"image\":\"IMG\",\"command\":[\"sleep\",\"1000\"],"
		"\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":\"/in\",\"readOnly\":true},"
		"{\"name\":\"mem\",\"mountPath\":\"/mem\"}]}]");
	cJSON *p = running("share");
	/* the reader sees what the init container and the writer wrote */
	cr_expect(exec_until(p, "reader", "cat /in/init /in/x /in/s/t/y /mem/z",
			     "from-init\nhello\ndeep\nm\n"),
		  "reader: %s", out);
	/* read-only for the reader */
	cube_test_runc_exec(&rn, p, "reader", out, sizeof(out), "touch /in/nope && echo wrote");
	cr_expect(strstr(out, "Read-only file system"), "touch: %s", out);
	/* the Memory medium: a tmpfs of 16 MiB */
	cube_test_runc_exec(&rn, p, "writer", out, sizeof(out),
			    "grep \" /mem \" /proc/mounts | cut -d\" \" -f3; df -k /mem | tail -1");
	cr_expect(!strncmp(out, "tmpfs\n", 6) && strstr(out, " 16384 "), "mem: %s", out);
	cr_expect(exec_until(p, "writer", "grep -c \" /data \" /proc/mounts", "1\n"), "data: %s",
		  out);
	/* on the node: the volume directory, the tmpfs under the pod's directory */
	char path[1500];
	snprintf(path, sizeof(path), "%s/pods/%s/volumes/kubernetes.io~empty-dir/data/x", rn.root,
		 cube_obj_uid(p));
	cube_test_read_file(path, out, sizeof(out));
	cr_expect_str_eq(out, "hello\n");
	cube_test_sh(out, sizeof(out),
		     "grep -c 'kubernetes.io~empty-dir/mem .* tmpfs' /proc/self/mountinfo");
	cr_expect_str_eq(out, "1\n");
	cJSON_Delete(p);
	delete_and_check("share");
	nothing_left();
}

Test(volumes, config_map_files_change_in_the_running_container)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	put_object(&CUBE_GVR_CONFIGMAPS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
		   "\"data\":{\"a\":\"one\",\"b\":\"two\"}}",
		   false);
	make_pod("cm",
		 "\"volumes\":[{\"name\":\"all\",\"configMap\":{\"name\":\"cfg\","
		 "\"defaultMode\":384}},"
		 "{\"name\":\"some\",\"configMap\":{\"name\":\"cfg\",\"items\":[{\"key\":\"a\","
		 "\"path\":\"sub/a.txt\",\"mode\":256}]}},"
		 "{\"name\":\"opt\",\"configMap\":{\"name\":\"absent\",\"optional\":true}}],",
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"volumeMounts\":[{\"name\":\"all\",\"mountPath\":\"/etc/all\"},"
		 "{\"name\":\"some\",\"mountPath\":\"/etc/some\"},"
		 "{\"name\":\"opt\",\"mountPath\":\"/etc/opt\"},"
		 "{\"name\":\"all\",\"mountPath\":\"/b-only\",\"subPath\":\"b\"}]}]");
	cJSON *p = running("cm");
	cr_expect(exec_until(p, "main", "cat /etc/all/a /etc/all/b /etc/some/sub/a.txt /b-only",
			     "onetwoonetwo"),
		  "files: %s", out);
	/* the atomic writer's layout, and the modes */
	cube_test_runc_exec(&rn, p, "main", out, sizeof(out),
			    "readlink /etc/all/a; readlink /etc/all/..data | cut -c1-4; "
			    "stat -L -c %a /etc/all/a /etc/some/sub/a.txt; ls /etc/some; "
			    "ls -A /etc/opt | wc -l");
	cr_expect_str_eq(out, "..data/a\n..20\n600\n400\nsub\n2\n");
	/* read-only, whatever the mount says */
	cube_test_runc_exec(&rn, p, "main", out, sizeof(out), "echo x > /etc/all/new || echo ro");
	cr_expect(strstr(out, "ro\n"), "write: %s", out);
	/* an update appears in the running container, a key that goes goes */
	put_object(&CUBE_GVR_CONFIGMAPS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
		   "\"data\":{\"a\":\"uno\",\"c\":\"tres\"}}",
		   true);
	cr_expect(exec_until(p, "main",
			     "cat /etc/all/a /etc/all/c /etc/some/sub/a.txt; ls /etc/all",
			     "unotresunoa\nc\n"),
		  "after the update: %s", out);
	cube_test_runc_exec(&rn, p, "main", out, sizeof(out), "ls -a /etc/all | grep -c ^[.][.]2");
	cr_expect_str_eq(out, "1\n", "old timestamped directories are removed");
	cJSON_Delete(p);
	delete_and_check("cm");
	nothing_left();
}

Test(volumes, secret_files_are_decoded_with_their_mode_on_a_tmpfs)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	/* admin, s3cr3t\n */
	put_object(&CUBE_GVR_SECRETS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"creds\"},"
		   "\"data\":{\"user\":\"YWRtaW4=\",\"pass\":\"czNjcjN0Cg==\"}}",
		   false);
	make_pod("sec",
		 "\"volumes\":[{\"name\":\"s\",\"secret\":{\"secretName\":\"creds\","
		 "\"defaultMode\":256}}],",
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"volumeMounts\":[{\"name\":\"s\",\"mountPath\":\"/etc/creds\"}]}]");
	cJSON *p = running("sec");
	cr_expect(exec_until(p, "main", "cat /etc/creds/user; echo; cat /etc/creds/pass",
			     "admin\ns3cr3t\n"),
		  "secret: %s", out);
	cube_test_runc_exec(&rn, p, "main", out, sizeof(out),
			    "stat -L -c %a /etc/creds/user; grep \" /etc/creds \" /proc/mounts | "
			    "cut -d\" \" -f3");
	cr_expect_str_eq(out, "400\ntmpfs\n");
	/* a Secret's update too */
	put_object(&CUBE_GVR_SECRETS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"creds\"},"
		   "\"data\":{\"user\":\"cm9vdA==\",\"pass\":\"czNjcjN0Cg==\"}}",
		   true);
	cr_expect(exec_until(p, "main", "cat /etc/creds/user", "root"), "updated: %s", out);
	cJSON_Delete(p);
	delete_and_check("sec");
	nothing_left();
}

Test(volumes, env_from_config_maps_and_secrets)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	put_object(&CUBE_GVR_CONFIGMAPS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"envs\"},"
		   "\"data\":{\"A\":\"1\",\"B\":\"2\"}}",
		   false);
	put_object(&CUBE_GVR_SECRETS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"envs\"},"
		   "\"data\":{\"P\":\"cHc=\",\"9bad\":\"eA==\"}}",
		   false);
	make_pod("env", NULL,
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"envFrom\":[{\"configMapRef\":{\"name\":\"envs\"},\"prefix\":\"CM_\"},"
		 "{\"secretRef\":{\"name\":\"envs\"}},"
		 "{\"configMapRef\":{\"name\":\"nope\",\"optional\":true}}],"
		 "\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"envs\","
		 "\"key\":\"A\"}}},"
		 "{\"name\":\"Y\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"envs\",\"key\":\"P\"}"
		 "}},"
		 "{\"name\":\"Z\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"envs\","
		 "\"key\":\"none\",\"optional\":true}}},"
		 "{\"name\":\"CM_B\",\"value\":\"over-$(X)\"}]}]");
	cJSON *p = running("env");
	cube_test_runc_exec(&rn, p, "main", out, sizeof(out),
			    "echo $X $Y $CM_A $CM_B $P ${Z-unset}; env | grep -c 9bad");
	/* (9bad is no variable name: skipped) */
	cr_expect_str_eq(out, "1 pw 1 over-1 pw unset\n0\n");
	cJSON_Delete(p);
	delete_and_check("env");
	/* a missing key, then a missing ConfigMap: CreateContainerConfigError */
	make_pod("nokey", NULL,
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":"
		 "{\"name\":\"envs\",\"key\":\"none\"}}}]}]");
	waiting_want w = {"main", "CreateContainerConfigError",
			  "couldn't find key none in ConfigMap default/envs"};
	p = cube_test_runc_wait_pod(&rn, "nokey", waits_with, &w, 60);
	cr_expect(waits_with(p, &w), "nokey: %s",
		  cube_json_str(cube_test_pod_cstatus(p, "status.containerStatuses", "main"),
				"state.waiting.message"));
	cJSON_Delete(p);
	make_pod("nocm", NULL,
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"envFrom\":[{\"secretRef\":{\"name\":\"later\"}}]}]");
	w.message = "secret \"later\" not found";
	p = cube_test_runc_wait_pod(&rn, "nocm", waits_with, &w, 60);
	cr_expect(waits_with(p, &w), "nocm");
	cJSON_Delete(p);
	cr_expect(has_event("nocm", "Failed", "Error: secret \"later\" not found"));
	/* the Secret appears: the container starts */
	put_object(&CUBE_GVR_SECRETS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"later\"},"
		   "\"data\":{\"L\":\"bGF0ZQ==\"}}",
		   false);
	p = running("nocm");
	cube_test_runc_exec(&rn, p, "main", out, sizeof(out), "echo $L");
	cr_expect_str_eq(out, "late\n");
	cJSON_Delete(p);
	delete_and_check("nokey");
	delete_and_check("nocm");
	nothing_left();
}

Test(volumes, a_missing_config_map_is_failed_mount_until_it_exists)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	make_pod("wait",
		 "\"volumes\":[{\"name\":\"cfg\",\"configMap\":{\"name\":\"nope\"}}],"
		 "\"initContainers\":[{\"name\":\"init\",\"image\":\"IMG\",\"command\":[\"true\"],"
		 "\"volumeMounts\":[{\"name\":\"cfg\",\"mountPath\":\"/cfg\"}]}],",
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"volumeMounts\":[{\"name\":\"cfg\",\"mountPath\":\"/cfg\"}]}]");
	const char *msg = "MountVolume.SetUp failed for volume \"cfg\" : configmap \"nope\" not "
			  "found";
	/* the kubelet's reason in a pod with init containers, for each */
	waiting_want w = {"main", "PodInitializing", msg};
	cJSON *p = cube_test_runc_wait_pod(&rn, "wait", waits_with, &w, 60);
	const cJSON *init = cube_test_pod_cstatus(p, "status.initContainerStatuses", "init");
	cr_expect_str_eq(cube_json_str(init, "state.waiting.reason"), "PodInitializing");
	cr_expect(waits_with(p, &w), "waiting");
	cr_expect_str_eq(cube_json_str(p, "status.phase"), "Pending");
	cr_expect(has_event("wait", "FailedMount", msg), "no FailedMount event");
	cJSON_Delete(p);
	put_object(&CUBE_GVR_CONFIGMAPS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"nope\"},"
		   "\"data\":{\"k\":\"v\"}}",
		   false);
	p = running("wait");
	cr_expect(exec_until(p, "main", "cat /cfg/k", "v"), "cfg: %s", out);
	cJSON_Delete(p);
	delete_and_check("wait");
	nothing_left();
}

Test(volumes, host_path_types)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	char extra[2048], msg[1024];
	snprintf(extra, sizeof(extra),
		 "\"volumes\":[{\"name\":\"x\",\"hostPath\":{\"path\":\"%s/nope\","
		 "\"type\":\"Directory\"}}],",
		 rn.tmp);
	make_pod("nodir", extra,
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sleep\","
		 "\"1000\"],\"volumeMounts\":[{\"name\":\"x\",\"mountPath\":\"/x\"}]}]");
	snprintf(msg, sizeof(msg),
		 "MountVolume.SetUp failed for volume \"x\" : hostPath type check failed: %s/nope "
		 "is not a directory",
		 rn.tmp);
	waiting_want w = {"main", "ContainerCreating", msg};
	cJSON *p = cube_test_runc_wait_pod(&rn, "nodir", waits_with, &w, 60);
	cr_expect(waits_with(p, &w), "nodir");
	cr_expect(has_event("nodir", "FailedMount", msg), "no FailedMount event");
	cJSON_Delete(p);
	/* made by the cubelet: DirectoryOrCreate, FileOrCreate; a plain File */
	snprintf(out, sizeof(out), "%s/afile", rn.tmp);
	FILE *f = fopen(out, "w");
	cr_assert_not_null(f);
	fputs("on the node\n", f);
	fclose(f);
	snprintf(extra, sizeof(extra),
		 "\"volumes\":[{\"name\":\"d\",\"hostPath\":{\"path\":\"%s/made/dir\","
		 "\"type\":\"DirectoryOrCreate\"}},"
		 "{\"name\":\"f\",\"hostPath\":{\"path\":\"%s/"
		 "made-file\",\"type\":\"FileOrCreate\"}},"
		 "{\"name\":\"g\",\"hostPath\":{\"path\":\"%s/afile\",\"type\":\"File\"}}],",
		 rn.tmp, rn.tmp, rn.tmp);
	make_pod("made", extra,
		 "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":[\"sh\",\"-c\","
		 "\"echo written > /d/w; echo f > /f; sleep 1000\"],"
		 "\"volumeMounts\":[{\"name\":\"d\",\"mountPath\":\"/d\"},"
		 "{\"name\":\"f\",\"mountPath\":\"/f\"},{\"name\":\"g\",\"mountPath\":\"/g\"}]}]");
	p = running("made");
	cr_expect(exec_until(p, "main", "cat /g /d/w /f", "on the node\nwritten\nf\n"), "got %s",
		  out);
	cJSON_Delete(p);
	delete_and_check("made");
	delete_and_check("nodir");
	nothing_left();
	/* the node's files stay */
	char path[700];
	snprintf(path, sizeof(path), "%s/made/dir/w", rn.tmp);
	cube_test_read_file(path, out, sizeof(out));
	cr_expect_str_eq(out, "written\n");
}

Test(volumes, pods_with_every_volume_type_leave_nothing)
{
	NEED_ROOT();
	cr_assert_eq(cube_test_runc_start_cubelet(&rn, NULL), 0);
	put_object(&CUBE_GVR_CONFIGMAPS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
		   "\"data\":{\"k\":\"v\"}}",
		   false);
	put_object(&CUBE_GVR_SECRETS,
		   "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"},"
		   "\"data\":{\"k\":\"dg==\"}}",
		   false);
	char extra[1024], name[32];
	snprintf(extra, sizeof(extra),
		 "\"volumes\":[{\"name\":\"e\",\"emptyDir\":{}},{\"name\":\"m\",\"emptyDir\":"
		 "{\"medium\":\"Memory\"}},{\"name\":\"c\",\"configMap\":{\"name\":\"c\"}},"
		 "{\"name\":\"s\",\"secret\":{\"secretName\":\"s\"}},{\"name\":\"h\","
		 "\"hostPath\":{\"path\":\"%s/host\",\"type\":\"DirectoryOrCreate\"}}],",
		 rn.tmp);
	const char *ctr = "\"containers\":[{\"name\":\"main\",\"image\":\"IMG\",\"command\":["
			  "\"sleep\",\"1000\"],\"volumeMounts\":[{\"name\":\"e\",\"mountPath\":"
			  "\"/e\"},{\"name\":\"m\",\"mountPath\":\"/m\"},{\"name\":\"c\","
			  "\"mountPath\":\"/c\"},{\"name\":\"s\",\"mountPath\":\"/s\"},"
			  "{\"name\":\"h\",\"mountPath\":\"/h\"}]}]";
	enum { PODS = 5 };
	for (int i = 0; i < PODS; i++) {
		snprintf(name, sizeof(name), "every-%d", i);
		make_pod(name, extra, ctr);
	}
	for (int i = 0; i < PODS; i++) {
		snprintf(name, sizeof(name), "every-%d", i);
		cJSON_Delete(running(name));
	}
	/* two tmpfs per pod (Memory, secret) */
	cube_test_sh(out, sizeof(out), "grep -c ' %s/root/pods/.* - tmpfs ' /proc/self/mountinfo",
		     rn.tmp);
	cr_expect_eq(atoi(out), 2 * PODS, "tmpfs mounts: %s", out);
	for (int i = 0; i < PODS; i++) {
		snprintf(name, sizeof(name), "every-%d", i);
		cr_assert_eq(cube_test_runc_delete_pod(&rn, name), 0);
	}
	for (int i = 0; i < PODS; i++) {
		snprintf(name, sizeof(name), "every-%d", i);
		cr_assert(cube_test_runc_pod_gone(&rn, name), "pod %s was not deleted", name);
	}
	nothing_left();
}

Test(volumes, a_mount_of_an_unknown_volume_is_refused)
{
	NEED_ROOT();
	char pod[2048];
	snprintf(pod, sizeof(pod),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bad\"},"
		 "\"spec\":{\"nodeName\":\"%s\",\"containers\":[{\"name\":\"main\",\"image\":"
		 "\"busybox\",\"volumeMounts\":[{\"name\":\"x\",\"mountPath\":\"/x\"}]}]}}",
		 rn.node_name);
	cJSON *o = cJSON_Parse(pod);
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(rn.kc, &CUBE_GVR_PODS, "default", o, &err);
	cr_expect_null(made);
	cr_expect(strstr(err.msg, "spec.containers[0].volumeMounts[0].name: Not found: \"x\""),
		  "%s", err.msg);
	cr_expect_eq(err.code, CUBE_EINVAL, "%s", cube_errc_name(err.code));
	cJSON_Delete(made);
	cJSON_Delete(o);
}
