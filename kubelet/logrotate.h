/* logrotate.h - container log rotation by size, as the kubelet's container
 * log manager does it (--container-log-max-size, default 10Mi;
 * --container-log-max-files, default 5, counting the current file).
 *
 * The shim (shim.c), which writes a container's CRI log, rotates it
 * itself once a write takes the file to the limit: the file is renamed to
 *
 *   <log>.<YYYYMMDD-hhmmss>.<nanoseconds, 9 digits>   (UTC)
 *
 * (the kubelet's "<log>.20060102-150405" with nanoseconds, so that two
 * rotations in one second keep their order: names sort as they were made),
 * a new empty <log> is opened, and the oldest pieces go so that at most
 * max_files - 1 remain.  Pieces are not compressed (the kubelet gzips all
 * but the newest).  logs.c reads the pieces, oldest first, then <log>, and
 * a follow goes on into the new file after a rotation. */
#ifndef CUBE_KUBELET_LOGROTATE_H
#define CUBE_KUBELET_LOGROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define LOGROTATE_DEFAULT_MAX_SIZE (10LL * 1024 * 1024)
#define LOGROTATE_DEFAULT_MAX_FILES 5

/* The name `log` takes when rotated at ts, into buf. */
void logrotate_name(const char *log, const struct timespec *ts, char *buf, size_t size);

/* Is `name` (a file name, no directory) a rotated piece of the log whose
 * file name is `base`? */
bool logrotate_is_piece(const char *base, const char *name);

/* The rotated pieces of `log` (full paths), oldest first: a new
 * NULL-terminated vector (cube_oci_strv_free), or NULL on ENOMEM. */
char **logrotate_pieces(const char *log);

/* Renames log to its rotated name for ts and removes the oldest pieces
 * beyond max_files - 1.  0, or -1 with errno. */
int logrotate_rotate(const char *log, int max_files, const struct timespec *ts);

/* Removes log and its pieces. */
void logrotate_remove(const char *log);

#endif
