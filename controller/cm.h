/* cm.h - cube-controller-manager: one process running a table of control
 * loops, as kube-controller-manager does.
 *
 * Each controller is an entry in the table in cm.c: a name (Kubernetes'
 * name: "replicaset", "deployment", "endpoint", ...) and an init function.
 * init takes the informers it needs from the shared factory (m->factory,
 * one informer per resource for the whole process), adds its handlers,
 * makes its cube_controller(s) (controller.h: a work queue and workers
 * calling sync(key)) and hands them to cm_add().  cm_start then starts the
 * informers, waits for them to sync, and, once this process leads (leader
 * election on the Lease kube-system/kube-controller-manager, as Kubernetes),
 * starts every controller's workers.  A process that loses leadership stops
 * acting and cm_lost() turns true: main exits, as kube-controller-manager
 * does, so that a supervisor starts it again as a candidate.
 *
 * `--controllers` selects them as Kubernetes does: "*" (all), "name" to
 * enable one, "-name" to disable one, comma-separated ("*,-job").
 */
#ifndef CUBE_CM_H
#define CUBE_CM_H

#include <stdatomic.h>
#include <stdbool.h>

#include "controller.h"
#include "error.h"
#include "events.h"
#include "informer.h"
#include "kclient.h"
#include "metrics.h"

typedef struct cm_config {
	const char *master;
	const char *kubeconfig;
	const char *controllers; /* default "*" */
	bool leader_elect;
	const char *identity; /* leader-election identity (default host_pid) */
	int port;	      /* /healthz and /metrics (10257); -1: none, 0: any */
	const char *bind_address;
	int workers;			 /* per controller (--concurrent-syncs; default 5) */
	int node_monitor_grace_s;	 /* --node-monitor-grace-period (40) */
	int node_monitor_period_s;	 /* --node-monitor-period (5) */
	int pod_eviction_timeout_s;	 /* --pod-eviction-timeout (300) */
	int terminated_pod_gc_threshold; /* --terminated-pod-gc-threshold (12500) */
	bool allocate_node_cidrs;	 /* --allocate-node-cidrs (false, as Kubernetes) */
	const char *cluster_cidr;	 /* --cluster-cidr (10.244.0.0/16) */
	int node_cidr_mask_size;	 /* --node-cidr-mask-size (24) */
} cm_config;

typedef struct cm cm;
struct cm {
	cm_config cfg;
	cube_kclient *client;
	cube_informer_factory *factory;
	cube_metrics *metrics;
	atomic_bool leading;
	atomic_bool lost;
	/* private: see cm.c */
	struct cm_priv *priv;
};

/* A controller's init: takes informers from m->factory, adds handlers and
 * registers its work with cm_add.  Returns 0, or -1 with err. */
typedef int (*cm_init_fn)(cm *m, cube_err *err);

typedef struct cm_desc {
	const char *name;
	cm_init_fn init;
	const char *help;
} cm_desc;

/* The table (cm.c), NULL-name terminated. */
extern const cm_desc cm_controllers[];

/* Registers a controller to run once leading.  `state` (may be NULL) is
 * freed with free_state after the controller has stopped and the informers
 * are gone.  On failure (ENOMEM) the controller and state are freed here. */
int cm_add(cm *m, cube_controller *c, void *state, void (*free_state)(void *state), cube_err *err);

/* An event recorder for one controller's events (source.component, e.g.
 * "deployment-controller"); owned by m. NULL with err on failure. */
cube_recorder *cm_recorder(cm *m, const char *component, cube_err *err);

/* True if `name` is enabled by a --controllers value. */
bool cm_enabled(const char *controllers, const char *name);

/* Checks a --controllers value against the table: -1 with err naming an
 * unknown controller. */
int cm_check_controllers(const char *controllers, cube_err *err);

cm *cm_start(const cm_config *cfg, cube_err *err);
void cm_stop(cm *m);

#endif
