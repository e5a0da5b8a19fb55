/* scheduler.h - cube-scheduler: binds each pending pod to the best node.
 *
 * Informers on nodes, pods, Services and ReplicaSets keep a local view; a
 * controller (one worker: decisions are sequential, as in Kubernetes) takes
 * pending pods one at a time, builds a snapshot of the nodes and the pods on
 * them (bound and assumed), runs the framework (framework.h: filters, then
 * weighted scores), and binds through pods/<name>/binding with the decision's
 * scorecard as an annotation.  A pod that fits nowhere gets a
 * FailedScheduling event and PodScheduled=False with Kubernetes' message, and
 * is retried with back-off and whenever a node or a pod changes.
 */
#ifndef CUBE_SCHEDULER_H
#define CUBE_SCHEDULER_H

#include <stdbool.h>

#include "error.h"
#include "framework.h"

typedef struct scheduler_config {
	const char *master;
	const char *kubeconfig;
	const char *config_file; /* --config: the policy (JSON or YAML) */
	bool leader_elect;
	bool explain; /* log every decision's scorecard */
	int port;     /* /healthz and /metrics; -1: none */
	const char *bind_address;
	const char *identity; /* leader-election identity (default host_pid) */
} scheduler_config;

typedef struct scheduler scheduler;

scheduler *scheduler_start(const scheduler_config *cfg, cube_err *err);
void scheduler_stop(scheduler *s);

#endif
