/* hooks.h - container lifecycle hooks, as the kubelet's handler runner
 * runs them (pkg/kubelet/lifecycle/handlers.go):
 *
 *   postStart  right after the container started, on the pod's sync (the
 *              pod's status waits for it, as the kubelet's pod worker
 *              does); a failure is event FailedPostStartHook and the
 *              container is killed (SIGTERM, SIGKILL after
 *              terminationGracePeriodSeconds), so that its restart policy
 *              applies as to any other end;
 *   preStop    before a container of a pod being deleted is signalled,
 *              within terminationGracePeriodSeconds (what it takes is
 *              taken from the grace left for SIGTERM, at least 2 s stay);
 *              a failure is event FailedPreStopHook and the stop goes on.
 *
 * A handler is exec (`runc exec` in the container), httpGet (to the pod IP,
 * from inside the pod's network namespace, http or https, User-Agent
 * kube-lifecycle/1.32) or sleep
 * (seconds), as probes run them (probe.h).  A postStart hook is bounded by
 * HOOK_POST_START_MAX_S (the kubelet sets none; a worker must not hang).
 */
#ifndef CUBE_KUBELET_HOOKS_H
#define CUBE_KUBELET_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "events.h"

#define HOOK_POST_START_MAX_S 120

/* One container attempt, for its hooks. */
typedef struct hook_ctx {
	cube_recorder *ev;
	const cJSON *pod;	/* events, names, terminationGracePeriodSeconds */
	const cJSON *container; /* its spec: lifecycle, named ports */
	const char *runc_root;
	const char *id;	       /* the container's runc id */
	int pid;	       /* its first process (signalled on a postStart failure) */
	const char *pod_ip;    /* httpGet's default host */
	char netns[96];	       /* the pod's network namespace ("": node_nsfd) */
	int node_nsfd;	       /* the node's namespace (-1: ours) */
	const char *exit_file; /* the shim's record of the attempt's end */
} hook_ctx;

/* Runs lifecycle handler `h` ({"exec"|"httpGet"|"sleep": ...}) once within
 * timeout_s: true on success, else msg says why. */
bool hook_run(const cJSON *h, const hook_ctx *c, int timeout_s, char *msg, size_t size);

/* The container's postStart hook, if any; on failure the event and the
 * kill (waits until the attempt has ended).  0 when there is none or it
 * succeeded, -1 when it failed. */
int hooks_post_start(const hook_ctx *c);

/* The container's preStop hook, if any, within timeout_s (event
 * FailedPreStopHook on failure).  Returns the seconds it took. */
int hooks_pre_stop(const hook_ctx *c, int timeout_s);

/* The grace left for SIGTERM after preStop hooks took `spent` seconds of
 * `grace`: grace - spent, at least 2 when any hook ran (the kubelet's
 * minimumGracePeriodInSeconds). */
int hooks_grace_left(int grace, int spent, bool ran);

#endif
