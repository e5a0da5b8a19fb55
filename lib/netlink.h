/* netlink.h - links, addresses, routes, bridges, veths, VXLAN devices and
 * their forwarding entries through libnl-route, inside any network
 * namespace, as a pod network needs them (no `ip` command is run).
 *
 *   cube_nl *nl = cube_nl_open(node_ns_fd, &err);     // bound to that netns
 *   cube_nl_bridge_add(nl, "cbr0", &err);
 *   cube_nl_addr_add(nl, "cbr0", "10.244.1.1/24", &err);
 *   cube_nl_link_up(nl, "cbr0", &err);
 *   cube_nl_veth_add(nl, "veth1234", "eth0", pod_ns_fd, &err);
 *
 * A cube_nl is one netlink socket opened inside a namespace (it stays bound
 * to it whatever thread uses it later); it is not thread-safe: one user at a
 * time.  Adding what exists already is not an error where that is the
 * natural meaning (an address, a bridge, a route: "ensure"); removing what is
 * not there is not an error either.  Errors name the object and carry
 * libnl's message.
 */
#ifndef CUBE_NETLINK_H
#define CUBE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct cube_nl cube_nl;

/* A route socket in namespace nsfd (-1: the caller's). */
cube_nl *cube_nl_open(int nsfd, cube_err *err);
void cube_nl_close(cube_nl *nl);

/* The interface index of `name`, or 0 if there is none. */
int cube_nl_ifindex(cube_nl *nl, const char *name);

int cube_nl_link_up(cube_nl *nl, const char *name, cube_err *err);
int cube_nl_link_del(cube_nl *nl, const char *name, cube_err *err);
/* Its MAC address as "aa:bb:cc:dd:ee:ff". */
int cube_nl_link_mac(cube_nl *nl, const char *name, char *buf, size_t size, cube_err *err);
int cube_nl_link_set_mtu(cube_nl *nl, const char *name, unsigned mtu, cube_err *err);

/* A bridge (ensured). */
int cube_nl_bridge_add(cube_nl *nl, const char *name, cube_err *err);
/* Enslaves `name` to `bridge`. */
int cube_nl_link_set_master(cube_nl *nl, const char *name, const char *bridge, cube_err *err);
/* Hairpin mode on a bridge port (a pod reaching itself through a Service). */
int cube_nl_bridge_port_hairpin(cube_nl *nl, const char *name, bool on, cube_err *err);

/* A veth pair: `name` here, `peer` moved into namespace peer_nsfd (-1:
 * stays here).  CUBE_EEXIST if `name` exists. */
int cube_nl_veth_add(cube_nl *nl, const char *name, const char *peer, int peer_nsfd, cube_err *err);

/* An IPv4 address "a.b.c.d/len" on `name` (ensured). */
int cube_nl_addr_add(cube_nl *nl, const char *name, const char *cidr, cube_err *err);

/* A route to dst ("default" or "a.b.c.d/len") via gw (may be NULL) out of
 * dev (may be NULL; one of the two is needed); replaces one to the same dst.
 * onlink: the gateway is on the link even if no address covers it. */
int cube_nl_route_replace(cube_nl *nl, const char *dst, const char *gw, const char *dev,
			  bool onlink, cube_err *err);
int cube_nl_route_del(cube_nl *nl, const char *dst, cube_err *err);

/* A VXLAN device: vni, local address, the underlay device (may be NULL), UDP
 * port (flannel: 8472), no learning (entries are programmed). Ensured. */
int cube_nl_vxlan_add(cube_nl *nl, const char *name, uint32_t vni, const char *local_ip,
		      const char *dev, int port, cube_err *err);
/* A forwarding entry on a VXLAN device: frames for mac go to the VTEP at
 * dst_ip (bridge fdb append ... self permanent). */
int cube_nl_fdb_add(cube_nl *nl, const char *dev, const char *mac, const char *dst_ip,
		    cube_err *err);
/* A permanent neighbour (ARP) entry ip -> mac on dev (replaced). */
int cube_nl_neigh_replace(cube_nl *nl, const char *dev, const char *ip, const char *mac,
			  cube_err *err);

#endif
