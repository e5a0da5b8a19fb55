/* podnet.h - a node's pod network, as the bridge CNI plugin with host-local
 * IPAM builds it (and as issue 9 specifies):
 *
 *   node namespace:  bridge cbr0 = first address of the node's pod CIDR,
 *                    forwarding on; per pod a veth "veth<8 hex of uid>"
 *                    enslaved to cbr0, hairpin on;
 *   pod namespace:   eth0 (the veth's peer) with the pod's address, lo up,
 *                    a default route through cbr0's address.
 *
 * Addresses come from the pod CIDR (network, bridge and broadcast
 * excluded) and are recorded one file each, <state_dir>/<ip> holding the
 * pod uid, created with O_EXCL: an address is never handed out twice, and
 * the record outlives a cubelet restart (the same pod gets its address
 * back).  All through lib/netlink.h; nothing runs `ip`.  Thread-safe.
 */
#ifndef CUBE_PODNET_H
#define CUBE_PODNET_H

#include <stdbool.h>

#include "error.h"

typedef struct podnet podnet;

/* node_nsfd: the node's namespace (-1: the caller's; the fd is borrowed
 * and must outlive the podnet).  Ensures the bridge. */
podnet *podnet_new(const char *state_dir, const char *pod_cidr, int node_nsfd, cube_err *err);
void podnet_free(podnet *p);

/* Wires the pod's namespace (pod_nsfd) and writes its address into ip
 * (size >= 16).  Again for a wired pod: its address, nothing redone. */
int podnet_setup(podnet *p, const char *pod_uid, int pod_nsfd, char *ip, size_t size,
		 cube_err *err);

/* Removes the pod's veth and frees its address (nothing there: 0). */
int podnet_teardown(podnet *p, const char *pod_uid, cube_err *err);

/* Frees the addresses (and veths) of pods for which alive(ud, uid) is
 * false: what a crash left behind.  Returns how many went. */
int podnet_gc(podnet *p, bool (*alive)(void *ud, const char *uid), void *ud);

/* The bridge's name and address ("cbr0", "10.244.1.1"). */
const char *podnet_gateway(const podnet *p);

#endif
