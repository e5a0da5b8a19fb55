/* test_netlink.c - named network namespaces and libnl-route (netns.h,
 * netlink.h) on the real kernel, as root: a "node" namespace with a bridge,
 * a "pod" namespace wired to it by a veth, addresses, routes, hairpin,
 * forwarding, a VXLAN device with its FDB and neighbour entries; traffic
 * only between the namespaces the test makes (named cube-nlt-<pid>-*,
 * removed at the end, also on failure). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "netlink.h"
#include "netns.h"
#include "proc.h"

static char node_ns[64], pod_ns[64];

/* Namespaces a crashed earlier run left (its pid is gone): a crash skips
 * the suite's fini. */
static void sweep(void)
{
	char out[4096];
	cube_test_sh(out, sizeof(out), "ls %s 2>/dev/null", CUBE_NETNS_DIR);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int pid;
		if (sscanf(line, "cube-nlt-%d-", &pid) == 1 && kill(pid, 0) < 0)
			cube_netns_delete(line, NULL);
	}
}

static void setup(void)
{
	sweep();
	snprintf(node_ns, sizeof(node_ns), "cube-nlt-%d-node", (int)getpid());
	snprintf(pod_ns, sizeof(pod_ns), "cube-nlt-%d-pod", (int)getpid());
}

static void teardown(void)
{
	cube_netns_delete(node_ns, NULL);
	cube_netns_delete(pod_ns, NULL);
}

TestSuite(netlink, .init = setup, .fini = teardown, .timeout = 60);

static void ok(int rc, const cube_err *err)
{
	cr_assert_eq(rc, 0, "%s", err->msg);
}

Test(netlink, a_pod_namespace_wired_to_a_node_bridge)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
	cube_err err = CUBE_ERR_INIT;
	ok(cube_netns_create(node_ns, &err), &err);
	ok(cube_netns_create(pod_ns, &err), &err);
	cr_expect(cube_netns_exists(node_ns));
	cr_expect_eq(cube_netns_create(node_ns, &err), -1);
	cr_expect_eq(err.code, CUBE_EEXIST);
	int nfd = cube_netns_open(node_ns, &err), pfd = cube_netns_open(pod_ns, &err);
	cr_assert(nfd >= 0 && pfd >= 0, "%s", err.msg);
	cube_nl *node = cube_nl_open(nfd, &err);
	cube_nl *pod = cube_nl_open(pfd, &err);
	cr_assert(node && pod, "%s", err.msg);

	/* the node: a bridge with the pod CIDR's first address, forwarding on */
	ok(cube_nl_bridge_add(node, "cbr0", &err), &err);
	ok(cube_nl_bridge_add(node, "cbr0", &err), &err); /* ensured */
	ok(cube_nl_addr_add(node, "cbr0", "10.99.0.1/24", &err), &err);
	ok(cube_nl_addr_add(node, "cbr0", "10.99.0.1/24", &err), &err);
	ok(cube_nl_link_up(node, "cbr0", &err), &err);
	ok(cube_netns_sysctl(nfd, "net/ipv4/ip_forward", "1", &err), &err);
	/* the pod: a veth whose far end is the pod's eth0 */
	ok(cube_nl_veth_add(node, "vethpod0", "eth0", pfd, &err), &err);
	cr_expect_eq(cube_nl_veth_add(node, "vethpod0", "eth1", pfd, &err), -1);
	cr_expect_eq(err.code, CUBE_EEXIST, "%s", err.msg);
	ok(cube_nl_link_set_master(node, "vethpod0", "cbr0", &err), &err);
	ok(cube_nl_bridge_port_hairpin(node, "vethpod0", true, &err), &err);
	ok(cube_nl_link_up(node, "vethpod0", &err), &err);
	cr_expect_eq(cube_nl_ifindex(node, "eth0"), 0, "eth0 stayed in the node namespace");
	cr_expect_gt(cube_nl_ifindex(pod, "eth0"), 0);
	ok(cube_nl_link_up(pod, "lo", &err), &err);
	ok(cube_nl_addr_add(pod, "eth0", "10.99.0.2/24", &err), &err);
	ok(cube_nl_link_up(pod, "eth0", &err), &err);
	ok(cube_nl_route_replace(pod, "default", "10.99.0.1", "eth0", false, &err), &err);
	char mac[32];
	ok(cube_nl_link_mac(pod, "eth0", mac, sizeof(mac), &err), &err);
	cr_expect_eq(strlen(mac), 17, "%s", mac);

	char out[4096];
	cr_assert_eq(cube_test_sh(out, sizeof(out),
				  "ip netns exec %s busybox ping -c 1 -W 2 10.99.0.2", node_ns),
		     0, "node -> pod: %s", out);
	cr_assert_eq(cube_test_sh(out, sizeof(out),
				  "ip netns exec %s busybox ping -c 1 -W 2 10.99.0.1", pod_ns),
		     0, "pod -> bridge: %s", out);
	cube_test_sh(out, sizeof(out), "ip netns exec %s ip route show default", pod_ns);
	cr_expect(strstr(out, "default via 10.99.0.1 dev eth0"), "%s", out);
	cube_test_sh(out, sizeof(out),
		     "ip netns exec %s cat /sys/class/net/vethpod0/brport/hairpin_mode", node_ns);
	cr_expect_str_eq(out, "1\n");
	cube_test_sh(out, sizeof(out), "ip netns exec %s cat /proc/sys/net/ipv4/ip_forward",
		     node_ns);
	cr_expect_str_eq(out, "1\n");

	/* VXLAN towards another node: device, FDB entry, neighbour, route */
	ok(cube_nl_vxlan_add(node, "cube.1", 1, "10.99.0.1", "cbr0", 8472, &err), &err);
	ok(cube_nl_vxlan_add(node, "cube.1", 1, "10.99.0.1", "cbr0", 8472, &err), &err);
	ok(cube_nl_link_up(node, "cube.1", &err), &err);
	ok(cube_nl_fdb_add(node, "cube.1", "02:42:0a:62:01:00", "10.99.0.3", &err), &err);
	ok(cube_nl_fdb_add(node, "cube.1", "02:42:0a:62:01:00", "10.99.0.3", &err), &err);
	ok(cube_nl_neigh_replace(node, "cube.1", "10.98.1.0", "02:42:0a:62:01:00", &err), &err);
	ok(cube_nl_route_replace(node, "10.98.1.0/24", "10.98.1.0", "cube.1", true, &err), &err);
	cube_test_sh(out, sizeof(out), "ip netns exec %s ip -d link show cube.1", node_ns);
	cr_expect(strstr(out, "vxlan id 1") && strstr(out, "dstport 8472") &&
			  strstr(out, "nolearning"),
		  "%s", out);
	cube_test_sh(out, sizeof(out), "ip netns exec %s bridge fdb show dev cube.1", node_ns);
	cr_expect(strstr(out, "02:42:0a:62:01:00 dst 10.99.0.3"), "%s", out);
	cube_test_sh(out, sizeof(out), "ip netns exec %s ip neigh show dev cube.1", node_ns);
	cr_expect(strstr(out, "10.98.1.0 lladdr 02:42:0a:62:01:00 PERMANENT"), "%s", out);
	cube_test_sh(out, sizeof(out), "ip netns exec %s ip route show 10.98.1.0/24", node_ns);
	cr_expect(strstr(out, "10.98.1.0/24 via 10.98.1.0 dev cube.1") && strstr(out, "onlink"),
		  "%s", out);
	ok(cube_nl_route_del(node, "10.98.1.0/24", &err), &err);
	cube_test_sh(out, sizeof(out), "ip netns exec %s ip route show 10.98.1.0/24", node_ns);
	cr_expect_str_eq(out, "", "the route is still there");
	ok(cube_nl_route_del(node, "10.98.1.0/24", &err), &err); /* gone already: fine */

	/* bad input */
	cr_expect_eq(cube_nl_addr_add(node, "nosuchlink", "10.1.1.1/24", &err), -1);
	cr_expect_eq(err.code, CUBE_ENOTFOUND);
	cr_expect_eq(cube_nl_addr_add(node, "cbr0", "10.1.1.300/24", &err), -1);
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_eq(cube_nl_route_replace(node, "default", NULL, NULL, false, &err), -1);
	cr_expect_eq(cube_netns_create("../etc", &err), -1);
	cr_expect_eq(err.code, CUBE_EINVAL);

	/* teardown: the veth goes with its pod end */
	ok(cube_nl_link_del(node, "vethpod0", &err), &err);
	ok(cube_nl_link_del(node, "vethpod0", &err), &err);
	cr_expect_eq(cube_nl_ifindex(pod, "eth0"), 0, "the pod's end outlived its peer");
	cube_nl_close(node);
	cube_nl_close(pod);
	close(nfd);
	close(pfd);
	ok(cube_netns_delete(pod_ns, &err), &err);
	cr_expect(!cube_netns_exists(pod_ns));
	ok(cube_netns_delete(pod_ns, &err), &err);
}
