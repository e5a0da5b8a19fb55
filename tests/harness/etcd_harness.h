/* etcd_harness.h - a real etcd for tests and benchmarks.
 *
 * Starts Debian's etcd on free loopback ports with a fresh data dir under
 * $TMPDIR, waits until it answers, and stops it by the PID it started (never
 * by name).  The child gets PR_SET_PDEATHSIG, so if the test process dies
 * (a crash, a failed assertion that aborts) etcd dies with it.  The data dir
 * is removed by cube_test_etcd_destroy; `make test` also gives every run its
 * own TMPDIR and removes it at the end, so nothing is left behind.
 */
#ifndef CUBE_ETCD_HARNESS_H
#define CUBE_ETCD_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct cube_test_etcd {
	pid_t pid; /* 0 when not running */
	int client_port;
	int peer_port;
	char dir[512]; /* holds data/ and etcd.log */
	char url[64];  /* http://127.0.0.1:<client_port> */
} cube_test_etcd;

/* Returns a free TCP port on 127.0.0.1 (bound and released; a race with
 * another process is possible and handled by the callers' retries), or -1. */
int cube_test_free_port(void);

/* Creates the data dir and starts etcd; waits up to 20 s for it to answer.
 * Returns 0, or -1 after printing the reason and the log's tail to stderr. */
int cube_test_etcd_start(cube_test_etcd *t);

/* Stops etcd (SIGTERM, then SIGKILL after 5 s) and keeps the data dir, so
 * that cube_test_etcd_restart can bring the same store back. */
void cube_test_etcd_stop(cube_test_etcd *t);

/* Starts a stopped etcd again on the same ports and data dir. */
int cube_test_etcd_restart(cube_test_etcd *t);

/* Stops etcd if running and removes its directory. */
void cube_test_etcd_destroy(cube_test_etcd *t);

/* Polls until `url` answers GET /health with 200 or `timeout_ms` passes. */
bool cube_test_etcd_wait(const char *url, int timeout_ms);

#endif
