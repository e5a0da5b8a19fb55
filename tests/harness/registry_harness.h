/* registry_harness.h - a real OCI registry for tests: Debian's
 * docker-registry (distribution 2.8) on a free loopback port, its storage
 * in a fresh directory under $TMPDIR, optionally behind htpasswd basic
 * auth.  Stopped by its PID; the directory is removed. */
#ifndef CUBE_TEST_REGISTRY_HARNESS_H
#define CUBE_TEST_REGISTRY_HARNESS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct cube_test_registry {
	pid_t pid;
	int port;
	char dir[512]; /* config, log, htpasswd, data/ */
	char host[64]; /* "127.0.0.1:<port>": the domain of image references */
	char log[600];
} cube_test_registry;

/* Starts a registry; `htpasswd` (a "user:bcrypt-hash" line) turns on basic
 * auth.  Waits until /v2/ answers.  Returns 0 or -1 (log printed). */
int cube_test_registry_start(cube_test_registry *r, const char *htpasswd);

/* Stops it (SIGTERM by PID) and removes its directory. */
void cube_test_registry_stop(cube_test_registry *r);

/* The file a blob's bytes are stored in, inside the registry's storage. */
void cube_test_registry_blob_file(const cube_test_registry *r, const char *digest, char *buf,
				  size_t size);

#endif
