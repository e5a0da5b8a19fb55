/* node_harness.h - one real node for the runc runtime's tests, as root: a
 * real etcd and API server (apiserver_harness.h), a real registry holding
 * the test images of scripts/images.sh (registry_harness.h), a node network
 * namespace the harness makes, and one cubelet process with --runtime runc,
 * its --root-dir in the test's temporary directory and --netns that
 * namespace.  Pods are created with spec.nodeName set (no scheduler).
 *
 *   static cube_test_node tn;
 *   static void setup(void) { cube_test_node_setup(&tn, "vol"); }
 *   static void teardown(void) { cube_test_node_teardown(&tn); }
 *   Test(x, y) { NEED_ROOT(); cube_test_node_start_cubelet(&tn); ... }
 *
 * Names: node namespace cube-<tag>-<pid>, node <tag>-<pid>; the cubelet's
 * pod namespaces are cpod<hash of its root dir>-<pod uid>.  A crashed run's
 * node namespaces are swept at the next setup.  Everything a test did not
 * clean is removed by teardown (containers, mounts under the test's
 * directory, namespaces), which also fails the test when the cubelet's
 * sanitizers complained. */
#ifndef CUBE_NODE_HARNESS_H
#define CUBE_NODE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "apiserver_harness.h"
#include "kclient.h"
#include "registry_harness.h"

typedef struct cube_test_node {
	cube_test_api api;
	cube_test_registry reg;
	cube_kclient *kc; /* to api.url */
	char tag[16];
	char tmp[512];	 /* the test's directory */
	char root[700];	 /* the cubelet's --root-dir */
	char ns[64];	 /* the node's network namespace */
	char name[64];	 /* the node's name */
	char log[700];	 /* the cubelet's log */
	char prefix[32]; /* the cubelet's pod namespace prefix */
	pid_t cubelet;
	int port;
	bool up;
	/* container ids seen in pod statuses: their cgroups must go (other
	 * runc users of the machine have cube-* cgroups of their own) */
	char seen[512][72];
	int n_seen;
} cube_test_node;

#define NEED_ROOT()                                 \
	do {                                        \
		if (geteuid() != 0)                 \
			cr_skip_test("needs root"); \
	} while (0)

/* Starts etcd, the API server and the registry, pushes the images, makes
 * the node namespace; exports CUBE_TEST_KUBECTL.  Does nothing unless root.
 * 0, or -1 after printing why. */
int cube_test_node_setup(cube_test_node *t, const char *tag);

/* Starts (again) the cubelet process. 0 or -1. */
int cube_test_node_start_cubelet(cube_test_node *t);

/* Stops the cubelet (SIGTERM), removes whatever is left, stops the rest.
 * Returns -1 when the cubelet's sanitizers complained. */
int cube_test_node_teardown(cube_test_node *t);

/* Creates a pod (JSON text) in "default": 0, or -1 after printing why. */
int cube_test_node_create_pod(cube_test_node *t, const char *json);
cJSON *cube_test_node_get_pod(cube_test_node *t, const char *name);
int cube_test_node_delete_pod(cube_test_node *t, const char *name);
/* Polls until the pod is gone (30 s). */
bool cube_test_node_pod_gone(cube_test_node *t, const char *name);

typedef bool (*cube_test_pod_pred)(const cJSON *pod, const void *arg);

/* Polls the pod until pred holds (returns it) or timeout_s passes (the last
 * one seen, or NULL; the caller asserts). */
cJSON *cube_test_node_wait_pod(cube_test_node *t, const char *name, cube_test_pod_pred pred,
			       const void *arg, int timeout_s);

/* A pod predicate: status.phase is arg (a string). */
bool cube_test_pod_phase_is(const cJSON *pod, const void *arg);

/* The status entry of container name in list ("status.containerStatuses"). */
const cJSON *cube_test_pod_cstatus(const cJSON *pod, const char *list, const char *name);

/* Prints the pod and the tail of the cubelet's log. */
void cube_test_node_dump(cube_test_node *t, const char *what, const cJSON *pod);

/* What the runtime left: mounts under the test's directory, pod
 * namespaces, runc containers, veths, pod directories or addresses, the
 * cgroups of the containers seen by cube_test_node_get_pod ("" when
 * nothing; a static buffer). */
const char *cube_test_node_leftovers(cube_test_node *t);
/* Polls (5 s) until nothing is left. */
bool cube_test_node_nothing_left(cube_test_node *t);

/* A busybox pod running `script` into buf; extra_spec (may be NULL) goes
 * into the spec ("k":v,), extra_container (may be NULL) into the container
 * (,"k":v). */
void cube_test_node_busybox_pod(cube_test_node *t, char *buf, size_t size, const char *name,
				const char *policy, const char *script, const char *extra_spec,
				const char *extra_container);

/* Runs a shell command in a running container of the pod (runc exec, as
 * kubectl exec would) with its output in out; the exit status or -1. */
int cube_test_node_exec(cube_test_node *t, const cJSON *pod, const char *container, char *out,
			size_t size, const char *cmd);

#endif
