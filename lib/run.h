/* run.h - running a program as a child (posix_spawnp: no fork of a big,
 * threaded process), optionally in another network namespace (through
 * `nsenter --net=PATH --`, so that the caller stays where it is), feeding
 * it input and collecting its output.  Used for the iptables tools by
 * cube-proxy and the cubelet (hostPort). */
#ifndef CUBE_RUN_H
#define CUBE_RUN_H

#include <stddef.h>

#include "error.h"

/* Runs argv[0] (looked up in PATH) with argv, in the network namespace
 * file `netns` (NULL: ours), feeding `in` (in_len bytes; NULL for none) on
 * stdin.  If out is not NULL, *out gets stdout (malloc'd, NUL-terminated)
 * and *out_len (if not NULL) its length.  *status (if not NULL) gets the
 * exit status.  Returns 0 when the program exited 0; -1 with err otherwise
 * (the message holds the program's stderr). */
int cube_run(const char *netns, const char *const *argv, const char *in, size_t in_len, char **out,
	     size_t *out_len, int *status, cube_err *err);

#endif
