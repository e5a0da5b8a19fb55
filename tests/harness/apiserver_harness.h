/* apiserver_harness.h - a real etcd plus a real cube-apiserver process for
 * integration tests.
 *
 * Starts the sanitizer build of the server ($CUBE_BIN_DIR/cube-apiserver,
 * default build/asan/bin) against a fresh etcd, on free loopback ports, waits
 * for /readyz, and stops both by the PIDs it started.  The server's log goes
 * to <dir>/apiserver.log (printed on failure).  Each test also gets its own
 * kubeconfig and kubectl cache dir for driving the real kubectl.
 */
#ifndef CUBE_APISERVER_HARNESS_H
#define CUBE_APISERVER_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "etcd_harness.h"
#include "proc.h"

typedef struct cube_test_api {
	cube_test_etcd etcd;
	pid_t pid;
	int port;
	char url[64];	      /* http://127.0.0.1:<port> */
	char kubeconfig[600]; /* a kubeconfig pointing at url */
	char kubectl[1400];   /* "kubectl --kubeconfig K --cache-dir C" */
	char log[600];
} cube_test_api;

/* Starts etcd and the API server; `extra` are more server flags (NULL-terminated, may be NULL).
 * Returns 0 or -1 after printing why. */
int cube_test_api_start(cube_test_api *t, const char *const *extra);

/* Stops the server (SIGTERM, then SIGKILL after 10 s); etcd keeps running. */
void cube_test_api_stop_server(cube_test_api *t);

/* Starts the server again on the same port. */
int cube_test_api_restart_server(cube_test_api *t, const char *const *extra);

/* Stops everything and removes the directories. */
void cube_test_api_destroy(cube_test_api *t);

/* HTTP helpers against the server: method, path, body (NULL for none).
 * Returns the status, body in *out (malloc'd, caller frees). */
long cube_test_http(const cube_test_api *t, const char *method, const char *path, const char *body,
		    char **out);

/* A Running pod "p-<i, 5 digits>" in ns as JSON (what etcd stores), for
 * benchmarks; returns its length. */
int cube_test_pod_json(char *buf, size_t size, const char *ns, int i);

/* Writes pods p-00000 .. p-<n-1> of ns straight into the API server's etcd
 * (as scheduler_perf does, skipping the API).  0 or -1. */
int cube_test_put_pods(const cube_test_api *t, const char *ns, int n);

#endif
