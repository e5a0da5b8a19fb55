/* runc_harness.h - one real runc node for integration tests and benchmarks,
 * as root: a real etcd and API server (apiserver_harness.h), a real registry
 * (registry_harness.h) holding the test images of scripts/images.sh
 * (busybox:latest, web:v1, also as library/web:v1 for --registry-mirror
 * docker.io=<registry>), a node network namespace cube-<tag>-<pid> the
 * harness makes, and cubelet processes with --runtime runc, their
 * --root-dir in the harness's temporary directory.
 *
 *   cube_test_runc_node r;
 *   if (cube_test_runc_setup(&r, "rt") < 0) ...
 *   cube_test_runc_start_cubelet(&r, NULL);
 *   ... r.kc, r.node_name, r.reg.host ...
 *   cube_test_runc_teardown(&r);   (also after a failure)
 *
 * The cubelet runs in cgroups of its own, cubetest-<tag>-<pid> below the
 * test's in the memory and cpu hierarchies, so that its containers' cgroups
 * (cube-<id>, relative to the cubelet's) are told apart from those of
 * other cubelets on the machine.
 *
 * The cubelet's pod namespaces are cpod<FNV-1a of its root dir>-<uid>
 * (runc.c); a crashed run's node namespaces (whose PID is gone) are swept
 * at the next setup.  Nothing here asserts: functions return -1 after
 * printing why. */
#ifndef CUBE_TEST_RUNC_HARNESS_H
#define CUBE_TEST_RUNC_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "apiserver_harness.h"
#include "kclient.h"
#include "registry_harness.h"

/* In a criterion test: skips it unless we are root (criterion.h first). */
#define NEED_ROOT()                                 \
	do {                                        \
		if (geteuid() != 0)                 \
			cr_skip_test("needs root"); \
	} while (0)

typedef struct cube_test_runc_node {
	cube_test_api api;
	cube_test_registry reg;
	cube_kclient *kc; /* to api.url */
	char tag[16];
	char tmp[512];	       /* the harness's directory */
	char root[700];	       /* the cubelet's --root-dir */
	char node_ns[64];      /* cube-<tag>-<pid> */
	char node_name[64];    /* <tag>-<pid> */
	char kubelet_log[700]; /* the cubelet's output */
	char prefix[32];       /* its pod namespaces' prefix */
	pid_t cubelet;
	int port;	      /* the cubelet's --port */
	char cgroups[2][600]; /* its memory and cpu cgroup directories */
	bool up;
} cube_test_runc_node;

/* Starts etcd, the API server and the registry, builds and pushes the
 * images, makes the node namespace.  `tag`: a short name for this test
 * binary (namespaces cube-<tag>-<pid>).  0, or -1 after printing why (what
 * was started is still torn down by cube_test_runc_teardown). */
int cube_test_runc_setup(cube_test_runc_node *r, const char *tag);

/* Starts a cubelet (--runtime runc, -v 3, its log appended to
 * kubelet_log); `extra` are more flags (NULL-terminated, may be NULL).
 * 0 or -1. */
int cube_test_runc_start_cubelet(cube_test_runc_node *r, const char *const *extra);

/* Stops the cubelet (SIGTERM, SIGKILL after 10 s); returns true when its
 * sanitizers stayed quiet (its log is printed when they did not). */
bool cube_test_runc_stop_cubelet(cube_test_runc_node *r);

/* Whatever a cubelet left (after a failure): containers killed and
 * deleted, mounts under the directory undone, pod namespaces removed. */
void cube_test_runc_sweep(cube_test_runc_node *r);

/* Stops everything, sweeps, removes the namespace and directories.
 * Returns false when the cubelet's sanitizers complained. */
bool cube_test_runc_teardown(cube_test_runc_node *r);

/* What the runtime left: mounts under the directory, pod namespaces, runc
 * containers, veths, pod directories or addresses, cube-* cgroups; ""
 * when nothing (a static buffer). */
const char *cube_test_runc_leftovers(cube_test_runc_node *r);

/* Polls cube_test_runc_leftovers for up to 5 s: true once nothing is left. */
bool cube_test_runc_nothing_left(cube_test_runc_node *r);

/* Pods of namespace "default". */
int cube_test_runc_create_pod(cube_test_runc_node *r, const char *json);
cJSON *cube_test_runc_get_pod(cube_test_runc_node *r, const char *name);
int cube_test_runc_delete_pod(cube_test_runc_node *r, const char *name);
/* Waits up to 30 s until the pod object is gone. */
bool cube_test_runc_pod_gone(cube_test_runc_node *r, const char *name);

typedef bool (*cube_test_pod_pred)(const cJSON *pod, const void *arg);

/* Polls the pod until pred holds (returns it) or timeout_s passes (returns
 * the last one seen, or NULL; the caller asserts). */
cJSON *cube_test_runc_wait_pod(cube_test_runc_node *r, const char *name, cube_test_pod_pred pred,
			       const void *arg, int timeout_s);

/* status.phase == arg. */
bool cube_test_pod_phase_is(const cJSON *pod, const void *arg);

/* The entry of container `name` in the pod's status list `list`
 * ("status.containerStatuses"), or NULL. */
const cJSON *cube_test_pod_cstatus(const cJSON *pod, const char *list, const char *name);

/* Prints the pod and the cubelet log's tail to stderr. */
void cube_test_runc_dump(cube_test_runc_node *r, const char *what, const cJSON *pod);

/* A busybox pod (image <registry>/busybox:latest) named `name` on the node
 * with restartPolicy `policy`, terminationGracePeriodSeconds 2, one
 * container "main" running `sh -c script`; extra_spec (may be NULL) goes
 * into the spec ("k":v,), extra_container (may be NULL) into the container
 * (,"k":v). */
void cube_test_runc_busybox_pod(cube_test_runc_node *r, char *buf, size_t size, const char *name,
				const char *policy, const char *script, const char *extra_spec,
				const char *extra_container);

/* Runs a shell command in a running container of the pod (runc exec, as
 * kubectl exec would) with its output in out; the exit status or -1. */
int cube_test_runc_exec(cube_test_runc_node *r, const cJSON *pod, const char *container, char *out,
			size_t size, const char *cmd);

#endif
