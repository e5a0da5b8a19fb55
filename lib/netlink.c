/* netlink.c - libnl-route, namespaced (see netlink.h). */
#include "netlink.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include "netns.h"

struct cube_nl {
	struct nl_sock *sk;
};

static int nl_fail(cube_err *err, int nlerr, const char *fmt, const char *a, const char *b)
{
	char what[256];
	snprintf(what, sizeof(what), fmt, a ? a : "", b ? b : "");
	int code = CUBE_EIO;
	if (nlerr == -NLE_EXIST)
		code = CUBE_EEXIST;
	else if (nlerr == -NLE_OBJ_NOTFOUND || nlerr == -NLE_NODEV)
		code = CUBE_ENOTFOUND;
	else if (nlerr == -NLE_NOMEM)
		code = CUBE_ENOMEM;
	else if (nlerr == -NLE_INVAL || nlerr == -NLE_RANGE)
		code = CUBE_EINVAL;
	return cube_err_set(err, code, "%s: %s", what, nl_geterror(nlerr));
}

/* ---- sockets -------------------------------------------------------------------------- */

typedef struct open_arg {
	struct nl_sock *sk;
} open_arg;

static int open_in(void *ud, cube_err *err)
{
	open_arg *a = ud;
	a->sk = nl_socket_alloc();
	if (!a->sk)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	int rc = nl_connect(a->sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(a->sk);
		a->sk = NULL;
		return nl_fail(err, rc, "netlink socket%s%s", NULL, NULL);
	}
	return 0;
}

cube_nl *cube_nl_open(int nsfd, cube_err *err)
{
	open_arg a = {0};
	if (cube_netns_run(nsfd, open_in, &a, err) < 0)
		return NULL;
	cube_nl *nl = calloc(1, sizeof(*nl));
	if (!nl) {
		nl_socket_free(a.sk);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	nl->sk = a.sk;
	return nl;
}

void cube_nl_close(cube_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

/* ---- links ------------------------------------------------------------------------------ */

static struct rtnl_link *get_link(cube_nl *nl, const char *name, cube_err *err)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(nl->sk, 0, name, &l);
	if (rc < 0) {
		nl_fail(err, rc, "link %s%s", name, NULL);
		return NULL;
	}
	return l;
}

int cube_nl_ifindex(cube_nl *nl, const char *name)
{
	struct rtnl_link *l = get_link(nl, name, NULL);
	int idx = l ? rtnl_link_get_ifindex(l) : 0;
	rtnl_link_put(l);
	return idx;
}

/* Applies `change` to the link `name`. */
static int change_link(cube_nl *nl, const char *name, struct rtnl_link *change, cube_err *err,
		       const char *what)
{
	struct rtnl_link *l = get_link(nl, name, err);
	if (!l)
		return -1;
	int rc = rtnl_link_change(nl->sk, l, change, 0);
	rtnl_link_put(l);
	if (rc < 0)
		return nl_fail(err, rc, "link %s: %s", name, what);
	return 0;
}

int cube_nl_link_up(cube_nl *nl, const char *name, cube_err *err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	rtnl_link_set_flags(c, IFF_UP);
	int rc = change_link(nl, name, c, err, "up");
	rtnl_link_put(c);
	return rc;
}

int cube_nl_link_set_mtu(cube_nl *nl, const char *name, unsigned mtu, cube_err *err)
{
	struct rtnl_link *c = rtnl_link_alloc();
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	rtnl_link_set_mtu(c, mtu);
	int rc = change_link(nl, name, c, err, "mtu");
	rtnl_link_put(c);
	return rc;
}

int cube_nl_link_del(cube_nl *nl, const char *name, cube_err *err)
{
	struct rtnl_link *l = rtnl_link_alloc();
	if (!l)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	rtnl_link_set_name(l, name);
	int rc = rtnl_link_delete(nl->sk, l);
	rtnl_link_put(l);
	if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
		return nl_fail(err, rc, "deleting link %s%s", name, NULL);
	return 0;
}

int cube_nl_link_mac(cube_nl *nl, const char *name, char *buf, size_t size, cube_err *err)
{
	struct rtnl_link *l = get_link(nl, name, err);
	if (!l)
		return -1;
	struct nl_addr *a = rtnl_link_get_addr(l);
	if (!a) {
		rtnl_link_put(l);
		return cube_err_set(err, CUBE_ENOTFOUND, "link %s has no MAC address", name);
	}
	nl_addr2str(a, buf, size);
	rtnl_link_put(l);
	return 0;
}

int cube_nl_bridge_add(cube_nl *nl, const char *name, cube_err *err)
{
	int rc = rtnl_link_bridge_add(nl->sk, name);
	if (rc < 0 && rc != -NLE_EXIST)
		return nl_fail(err, rc, "bridge %s%s", name, NULL);
	return 0;
}

int cube_nl_link_set_master(cube_nl *nl, const char *name, const char *bridge, cube_err *err)
{
	int br = cube_nl_ifindex(nl, bridge);
	if (!br)
		return cube_err_set(err, CUBE_ENOTFOUND, "bridge %s not found", bridge);
	struct rtnl_link *c = rtnl_link_alloc();
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	rtnl_link_set_master(c, br);
	int rc = change_link(nl, name, c, err, "master");
	rtnl_link_put(c);
	return rc;
}

int cube_nl_bridge_port_hairpin(cube_nl *nl, const char *name, bool on, cube_err *err)
{
	int idx = cube_nl_ifindex(nl, name);
	if (!idx)
		return cube_err_set(err, CUBE_ENOTFOUND, "link %s not found", name);
	/* A bridge port's flags are an AF_BRIDGE change of an AF_BRIDGE link. */
	struct rtnl_link *l = rtnl_link_alloc(), *c = rtnl_link_alloc();
	int rc = -NLE_NOMEM;
	if (l && c) {
		rtnl_link_set_ifindex(l, idx);
		rtnl_link_set_family(l, AF_BRIDGE);
		rtnl_link_set_family(c, AF_BRIDGE);
		rc = on ? rtnl_link_bridge_set_flags(c, RTNL_BRIDGE_HAIRPIN_MODE)
			: rtnl_link_bridge_unset_flags(c, RTNL_BRIDGE_HAIRPIN_MODE);
		if (rc == 0)
			rc = rtnl_link_change(nl->sk, l, c, 0);
	}
	rtnl_link_put(c);
	rtnl_link_put(l);
	if (rc < 0)
		return nl_fail(err, rc, "link %s: hairpin%s", name, NULL);
	return 0;
}

int cube_nl_veth_add(cube_nl *nl, const char *name, const char *peer, int peer_nsfd, cube_err *err)
{
	struct rtnl_link *l = rtnl_link_veth_alloc();
	if (!l)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	struct rtnl_link *p = rtnl_link_veth_get_peer(l);
	rtnl_link_set_name(l, name);
	rtnl_link_set_name(p, peer);
	if (peer_nsfd >= 0)
		rtnl_link_set_ns_fd(p, peer_nsfd);
	int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(p);
	rtnl_link_veth_release(l);
	if (rc < 0)
		return nl_fail(err, rc, "veth %s (peer %s)", name, peer);
	return 0;
}

/* ---- addresses and routes ------------------------------------------------------------------ */

static int parse_addr(const char *s, struct nl_addr **out, cube_err *err)
{
	int rc = nl_addr_parse(s, AF_INET, out);
	if (rc < 0)
		return cube_err_set(err, CUBE_EINVAL, "\"%s\" is not an IPv4 address: %s", s,
				    nl_geterror(rc));
	return 0;
}

int cube_nl_addr_add(cube_nl *nl, const char *name, const char *cidr, cube_err *err)
{
	int idx = cube_nl_ifindex(nl, name);
	if (!idx)
		return cube_err_set(err, CUBE_ENOTFOUND, "link %s not found", name);
	struct nl_addr *local = NULL;
	if (parse_addr(cidr, &local, err) < 0)
		return -1;
	struct rtnl_addr *a = rtnl_addr_alloc();
	if (!a) {
		nl_addr_put(local);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	rtnl_addr_set_ifindex(a, idx);
	rtnl_addr_set_local(a, local);
	int rc = rtnl_addr_add(nl->sk, a, 0);
	rtnl_addr_put(a);
	nl_addr_put(local);
	if (rc < 0 && rc != -NLE_EXIST)
		return nl_fail(err, rc, "address %s on %s", cidr, name);
	return 0;
}

static struct rtnl_route *route_for(const char *dst, cube_err *err)
{
	struct nl_addr *d = NULL;
	const char *s = !strcmp(dst, "default") ? "0.0.0.0/0" : dst;
	if (parse_addr(s, &d, err) < 0)
		return NULL;
	struct rtnl_route *r = rtnl_route_alloc();
	if (!r) {
		nl_addr_put(d);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_dst(r, d);
	nl_addr_put(d);
	return r;
}

int cube_nl_route_replace(cube_nl *nl, const char *dst, const char *gw, const char *dev,
			  bool onlink, cube_err *err)
{
	if (!gw && !dev)
		return cube_err_set(err, CUBE_EINVAL, "route %s: a gateway or a device is needed",
				    dst);
	int idx = 0;
	if (dev && !(idx = cube_nl_ifindex(nl, dev)))
		return cube_err_set(err, CUBE_ENOTFOUND, "route %s: link %s not found", dst, dev);
	struct rtnl_route *r = route_for(dst, err);
	if (!r)
		return -1;
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *g = NULL;
	if (!nh || (gw && parse_addr(gw, &g, err) < 0)) {
		rtnl_route_nh_free(nh);
		rtnl_route_put(r);
		return nh ? -1 : cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	if (idx)
		rtnl_route_nh_set_ifindex(nh, idx);
	if (g) {
		rtnl_route_nh_set_gateway(nh, g);
		nl_addr_put(g);
	}
	if (onlink)
		rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
	rtnl_route_add_nexthop(r, nh);
	rtnl_route_set_scope(r, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	int rc = rtnl_route_add(nl->sk, r, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_route_put(r);
	if (rc < 0)
		return nl_fail(err, rc, "route %s via %s", dst, gw ? gw : dev);
	return 0;
}

typedef struct del_ctx {
	struct nl_sock *sk;
	struct nl_addr *dst;
	int rc;
	int deleted;
} del_ctx;

static void del_matching(struct nl_object *o, void *arg)
{
	del_ctx *c = arg;
	struct rtnl_route *r = (struct rtnl_route *)o;
	if (rtnl_route_get_table(r) != RT_TABLE_MAIN || rtnl_route_get_family(r) != AF_INET ||
	    nl_addr_cmp_prefix(rtnl_route_get_dst(r), c->dst) != 0 ||
	    nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != nl_addr_get_prefixlen(c->dst))
		return;
	int rc = rtnl_route_delete(c->sk, r, 0);
	if (rc < 0)
		c->rc = rc;
	else
		c->deleted++;
}

/* The kernel deletes a route only when the request matches it (protocol,
 * scope, type...): take each matching route from the kernel's own list. */
int cube_nl_route_del(cube_nl *nl, const char *dst, cube_err *err)
{
	struct nl_addr *d = NULL;
	if (parse_addr(!strcmp(dst, "default") ? "0.0.0.0/0" : dst, &d, err) < 0)
		return -1;
	struct nl_cache *cache = NULL;
	int rc = rtnl_route_alloc_cache(nl->sk, AF_INET, 0, &cache);
	if (rc < 0) {
		nl_addr_put(d);
		return nl_fail(err, rc, "listing routes%s%s", NULL, NULL);
	}
	del_ctx c = {.sk = nl->sk, .dst = d};
	nl_cache_foreach(cache, del_matching, &c);
	nl_cache_free(cache);
	nl_addr_put(d);
	if (c.rc < 0 && c.rc != -NLE_OBJ_NOTFOUND)
		return nl_fail(err, c.rc, "deleting route %s%s", dst, NULL);
	return 0;
}

/* ---- VXLAN --------------------------------------------------------------------------------- */

int cube_nl_vxlan_add(cube_nl *nl, const char *name, uint32_t vni, const char *local_ip,
		      const char *dev, int port, cube_err *err)
{
	if (cube_nl_ifindex(nl, name))
		return 0;
	int under = 0;
	if (dev && !(under = cube_nl_ifindex(nl, dev)))
		return cube_err_set(err, CUBE_ENOTFOUND, "vxlan %s: link %s not found", name, dev);
	struct nl_addr *local = NULL;
	if (local_ip && parse_addr(local_ip, &local, err) < 0)
		return -1;
	struct rtnl_link *l = rtnl_link_vxlan_alloc();
	if (!l) {
		nl_addr_put(local);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	rtnl_link_set_name(l, name);
	rtnl_link_vxlan_set_id(l, vni);
	if (local)
		rtnl_link_vxlan_set_local(l, local);
	if (under)
		rtnl_link_vxlan_set_link(l, (uint32_t)under);
	rtnl_link_vxlan_set_port(l, (uint32_t)port);
	rtnl_link_vxlan_set_learning(l, 0);
	int rc = rtnl_link_add(nl->sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	nl_addr_put(local);
	if (rc < 0 && rc != -NLE_EXIST)
		return nl_fail(err, rc, "vxlan %s%s", name, NULL);
	return 0;
}

static int neigh(cube_nl *nl, const char *dev, const char *ip, const char *mac, bool fdb,
		 cube_err *err)
{
	int idx = cube_nl_ifindex(nl, dev);
	if (!idx)
		return cube_err_set(err, CUBE_ENOTFOUND, "link %s not found", dev);
	struct nl_addr *dst = NULL, *ll = NULL;
	if (parse_addr(ip, &dst, err) < 0)
		return -1;
	if (nl_addr_parse(mac, AF_LLC, &ll) < 0) {
		nl_addr_put(dst);
		return cube_err_set(err, CUBE_EINVAL, "\"%s\" is not a MAC address", mac);
	}
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	if (!n) {
		nl_addr_put(dst);
		nl_addr_put(ll);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	rtnl_neigh_set_ifindex(n, idx);
	rtnl_neigh_set_dst(n, dst);
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_PERMANENT);
	int flags = NLM_F_CREATE;
	if (fdb) {
		rtnl_neigh_set_family(n, AF_BRIDGE);
		rtnl_neigh_set_flags(n, NTF_SELF);
		flags |= NLM_F_APPEND;
	} else {
		rtnl_neigh_set_family(n, AF_INET);
		flags |= NLM_F_REPLACE;
	}
	int rc = rtnl_neigh_add(nl->sk, n, flags);
	rtnl_neigh_put(n);
	nl_addr_put(dst);
	nl_addr_put(ll);
	if (rc < 0 && !(fdb && rc == -NLE_EXIST))
		return nl_fail(err, rc, fdb ? "fdb entry %s on %s" : "neighbour %s on %s", mac,
			       dev);
	return 0;
}

int cube_nl_fdb_add(cube_nl *nl, const char *dev, const char *mac, const char *dst_ip,
		    cube_err *err)
{
	return neigh(nl, dev, dst_ip, mac, true, err);
}

int cube_nl_neigh_replace(cube_nl *nl, const char *dev, const char *ip, const char *mac,
			  cube_err *err)
{
	return neigh(nl, dev, ip, mac, false, err);
}
