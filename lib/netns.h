/* netns.h - named network namespaces as iproute2 keeps them, so that
 * `ip netns exec NAME ...` sees the ones cube makes: /run/netns/NAME is a
 * bind mount of the namespace.
 *
 * No function changes the calling thread's namespace: work inside one runs
 * on a short-lived thread of its own (cube_netns_run), and netlink sockets
 * opened there stay bound to it (netlink.h).  Names are checked (letters,
 * digits, '-', '_', '.'; no '/'; at most 64 bytes).
 */
#ifndef CUBE_NETNS_H
#define CUBE_NETNS_H

#include <stdbool.h>

#include "error.h"

#define CUBE_NETNS_DIR "/run/netns"

/* Makes namespace NAME: CUBE_EEXIST if it exists. */
int cube_netns_create(const char *name, cube_err *err);

/* Removes it (unmount and unlink); 0 also if it did not exist. */
int cube_netns_delete(const char *name, cube_err *err);

bool cube_netns_exists(const char *name);

/* An fd of namespace NAME (or of a path such as /proc/<pid>/ns/net when it
 * has a '/'), O_CLOEXEC; the caller closes it.  -1 with err. */
int cube_netns_open(const char *name_or_path, cube_err *err);

/* Runs fn(ud) on a new thread that has joined namespace nsfd; returns what
 * fn returns (fn may fill err), or -1 with err if the thread could not
 * join.  nsfd -1: the caller's own namespace. */
int cube_netns_run(int nsfd, int (*fn)(void *ud, cube_err *err), void *ud, cube_err *err);

/* Writes a sysctl (path under /proc/sys, "net/ipv4/ip_forward") inside
 * namespace nsfd (-1: the caller's). */
int cube_netns_sysctl(int nsfd, const char *path, const char *value, cube_err *err);

#endif
