/* probe.h - one run of a container probe (startup, liveness, readiness) or
 * lifecycle hook handler, as the kubelet's prober does it:
 *
 *   exec       `runc exec` of the command in the container: exit 0 is
 *              success;
 *   httpGet    GET scheme://host:port/path (host: the pod IP unless
 *              given) with the probe's httpHeaders and User-Agent
 *              kube-probe/1.32: a status in [200, 400) is success; HTTPS
 *              skips certificate verification, as the kubelet does;
 *   tcpSocket  a connection to podIP:port is success.
 *
 * Network probes run inside the pod's network namespace (so their traffic
 * never leaves the node, whatever namespace the cubelet runs in).  Each
 * run is bounded by timeoutSeconds (default 1), or the target's timeout.
 *
 * The thresholds (probe_state_apply) are pure, for the unit tests. */
#ifndef CUBE_KUBELET_PROBE_H
#define CUBE_KUBELET_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct probe_target {
	const char *runc_root;	  /* for exec */
	const char *container_id; /* for exec */
	const char *pod_ip;
	int netns_fd;		/* the pod's network namespace (-1: ours) */
	const cJSON *container; /* its spec: named ports */
	int timeout_s;		/* > 0: instead of the probe's timeoutSeconds */
	const char *user_agent; /* NULL: kube-probe/1.32 */
} probe_target;

/* Runs the probe once: true on success; msg (size > 0) says why it
 * failed, in the kubelet's words ("HTTP probe failed with statuscode:
 * 500", "dial tcp 10.0.0.5:80: connect: connection refused", the exec
 * output). */
bool probe_run(const cJSON *probe, const probe_target *t, char *msg, size_t size);

/* The probe's field (initialDelaySeconds, periodSeconds, timeoutSeconds,
 * successThreshold, failureThreshold) with Kubernetes' default. */
int probe_field(const cJSON *probe, const char *field);

/* A probe's result as its thresholds make it: `result` is -1 (not yet
 * known), 0 (failure) or 1 (success); succ and fail count consecutive
 * runs.  Start with {.result = -1} (readiness, startup) or {.result = 1}
 * (liveness: alive until proven dead). */
typedef struct probe_state {
	int succ, fail;
	int result;
} probe_state;

/* Counts one run (ok or not) against successThreshold and
 * failureThreshold; returns true when the result changed. */
bool probe_state_apply(probe_state *s, const cJSON *probe, bool ok);

#endif
