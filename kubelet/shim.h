/* shim.h - the per-container shim of the runc runtime.
 *
 * `runc run -d` hands the container's stdout and stderr to whoever holds the
 * other ends of its pipes, and the container's exit status to its parent.
 * The cubelet may restart at any time, so neither can be the cubelet: a
 * small process per container, the cubelet binary re-executed as
 *
 *   cubelet --shim RUNC_ROOT BUNDLE ID LOG_FILE CGROUPS_PATH LOG_MAX_SIZE LOG_MAX_FILES
 *
 * (as containerd-shim does for containerd) detaches into a session of its
 * own, becomes a child subreaper, runs `runc run -d` with the pipes as the
 * container's stdio, and then:
 *   - writes every line the container prints to LOG_FILE in the CRI log
 *     format Kubernetes reads ("<RFC 3339 nano> stdout|stderr F|P <text>";
 *     P marks a piece of a line longer than 16 KiB), rotated once it
 *     reaches LOG_MAX_SIZE bytes (0: never), keeping LOG_MAX_FILES files
 *     (logrotate.h);
 *   - reaps the container (it is re-parented to the shim when runc exits),
 *     reads the memory cgroup's oom_kill counter, and records the end in
 *     BUNDLE/exit.json: {"exitCode", "finishedAt", "oomKilled"}
 *     (written to a temporary file and renamed: present means complete);
 *   - exits.
 * It tells the cubelet how the start went on fd 3: "ok <shim pid>
 * <container pid> <started-at>\n" or "error <runc's message>\n".
 */
#ifndef CUBE_KUBELET_SHIM_H
#define CUBE_KUBELET_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

/* The shim's main (argv[1] is "--shim"); returns the exit status. */
int cubelet_shim_main(int argc, char **argv);

/* One CRI log line into buf: "<ts> <stream> <F|P> <data>\n".  Returns the
 * length (< size), or 0 if it does not fit. */
size_t shim_cri_line(char *buf, size_t size, const struct timespec *ts, const char *stream,
		     bool partial, const char *data, size_t len);

/* What a started container is. */
typedef struct shim_started {
	pid_t shim_pid;
	pid_t pid;	     /* the container's first process */
	char started_at[40]; /* RFC 3339 (seconds) */
} shim_started;

/* --container-log-max-size and --container-log-max-files. */
typedef struct shim_log_limits {
	int64_t max_size; /* bytes; 0: no rotation */
	int max_files;
} shim_log_limits;

/* Starts a shim (exe: the cubelet binary) for the prepared bundle and
 * waits until runc has started the container or failed: 0, or -1 with
 * err holding runc's message (CUBE_EINVAL: the container could not start,
 * as a missing command; CUBE_EIO: the shim itself failed). */
int shim_spawn(const char *exe, const char *runc_root, const char *bundle, const char *id,
	       const char *log_file, const char *cgroups_path, const shim_log_limits *lim,
	       shim_started *out, cube_err *err);

/* The current wall-clock time as RFC 3339 with nanoseconds ("...Z"). */
void shim_time_nano(char *buf, size_t size);

#endif
