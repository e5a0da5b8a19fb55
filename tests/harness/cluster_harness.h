/* cluster_harness.h - a whole control plane of real processes for
 * integration tests: etcd and the API server (apiserver_harness.h), cubelet
 * processes running hollow nodes, the scheduler and the controller-manager
 * (the sanitizer builds in $CUBE_BIN_DIR).  Everything logs to
 * <api.etcd.dir>/components.log and is stopped by the PIDs started here.
 *
 *   cube_test_cluster k;
 *   cr_assert_eq(cube_test_cluster_start(&k, &(cube_test_cluster_opts){
 *       .cubelets = 2, .hollow_nodes = 3}), 0);
 *   ... k.client, k.api.kubectl ...
 *   cube_test_cluster_destroy(&k);
 */
#ifndef CUBE_CLUSTER_HARNESS_H
#define CUBE_CLUSTER_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "apiserver_harness.h"
#include "kclient.h"

#define CUBE_TEST_MAX_CUBELETS 4

typedef struct cube_test_cluster_opts {
	int cubelets;			 /* cubelet processes (default 1) */
	int hollow_nodes;		 /* hollow nodes per cubelet (default 3): hollow-0.. */
	const char *const *cubelet_args; /* more cubelet flags, NULL-terminated (may be NULL) */
	const char *const *cm_args;	 /* more controller-manager flags */
	bool no_scheduler;
	bool no_controller_manager;
} cube_test_cluster_opts;

typedef struct cube_test_cluster {
	cube_test_api api;
	cube_test_cluster_opts opts;
	pid_t cubelets[CUBE_TEST_MAX_CUBELETS];
	pid_t scheduler, cm;
	cube_kclient *client; /* to api.url */
	char log[700];
} cube_test_cluster;

/* Starts everything and waits until every hollow node is Ready; exports
 * CUBE_TEST_KUBECTL (cube_test_kubectl drives this cluster). Returns 0,
 * or -1 after printing why (what was started is stopped again). */
int cube_test_cluster_start(cube_test_cluster *k, const cube_test_cluster_opts *o);

/* Stops cubelet process i (SIGKILL: its nodes stop heartbeating at once). */
void cube_test_cluster_kill_cubelet(cube_test_cluster *k, int i);

/* Stops everything and removes the directories. */
void cube_test_cluster_destroy(cube_test_cluster *k);

#endif
