/* test_podnet.c - the cubelet's pod network (kubelet/podnet.h) on the real
 * kernel, as root: a node namespace and pod namespaces the test makes
 * (cube-pnt-<pid>-*, removed at the end; a crashed run's are swept at the
 * next start); pods reach each other and the bridge; addresses survive a
 * restart and are never handed out twice; teardown and gc free them. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kubelet/podnet.h"
#include "netlink.h"
#include "netns.h"
#include "proc.h"

static char ns[3][64], state[256];

static void sweep(void)
{
	char out[4096];
	cube_test_sh(out, sizeof(out), "ls %s 2>/dev/null", CUBE_NETNS_DIR);
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		int pid;
		if (sscanf(line, "cube-pnt-%d-", &pid) == 1 && kill(pid, 0) < 0)
			cube_netns_delete(line, NULL);
	}
}

static void setup(void)
{
	sweep();
	static const char *const role[] = {"node", "a", "b"};
	for (int i = 0; i < 3; i++)
		snprintf(ns[i], sizeof(ns[i]), "cube-pnt-%d-%s", (int)getpid(), role[i]);
	cr_assert_eq(cube_test_temp_dir(state, sizeof(state), "podnet"), 0);
}

static void teardown(void)
{
	for (int i = 0; i < 3; i++)
		cube_netns_delete(ns[i], NULL);
	cube_test_remove_dir(state);
}

TestSuite(podnet, .init = setup, .fini = teardown, .timeout = 60);

static bool only_a(void *ud, const char *uid)
{
	(void)ud;
	return !strcmp(uid, "uid-a");
}

static bool nobody(void *ud, const char *uid)
{
	(void)ud;
	(void)uid;
	return false;
}

Test(podnet, pods_wired_to_the_node_bridge)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
	cube_err err = CUBE_ERR_INIT;
	int fd[3];
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(cube_netns_create(ns[i], &err), 0, "%s", err.msg);
		fd[i] = cube_netns_open(ns[i], &err);
		cr_assert_geq(fd[i], 0, "%s", err.msg);
	}
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/ips", state);
	podnet *p = podnet_new(dir, "10.97.3.0/24", fd[0], &err);
	cr_assert_not_null(p, "%s", err.msg);
	cr_expect_str_eq(podnet_gateway(p), "10.97.3.1");
	char a[32], b[32], again[32];
	cr_assert_eq(podnet_setup(p, "uid-a", fd[1], a, sizeof(a), &err), 0, "%s", err.msg);
	cr_assert_eq(podnet_setup(p, "uid-b", fd[2], b, sizeof(b), &err), 0, "%s", err.msg);
	cr_expect_str_neq(a, b);
	cr_expect(!strncmp(a, "10.97.3.", 8) && strcmp(a, "10.97.3.1"), "%s", a);
	char out[4096];
	cr_assert_eq(cube_test_sh(out, sizeof(out), "ip netns exec %s busybox ping -c 1 -W 2 %s",
				  ns[1], b),
		     0, "pod a -> pod b: %s", out);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "ip netns exec %s busybox ping -c 1 -W 2 %s",
				  ns[2], "10.97.3.1"),
		     0, "pod b -> bridge: %s", out);
	/* again (a cubelet restart in between): the same address, still wired */
	cr_assert_eq(podnet_setup(p, "uid-a", fd[1], again, sizeof(again), &err), 0, "%s", err.msg);
	cr_expect_str_eq(again, a);
	podnet_free(p);
	p = podnet_new(dir, "10.97.3.0/24", fd[0], &err);
	cr_assert_not_null(p, "%s", err.msg);
	cr_assert_eq(podnet_setup(p, "uid-b", fd[2], again, sizeof(again), &err), 0, "%s", err.msg);
	cr_expect_str_eq(again, b, "pod b's address changed across a restart");
	cr_assert_eq(cube_test_sh(out, sizeof(out), "ip netns exec %s busybox ping -c 1 -W 2 %s",
				  ns[2], a),
		     0, "pod b -> pod a after the restart: %s", out);
	/* what a crash left behind goes; the living stay */
	cr_expect_eq(podnet_gc(p, only_a, NULL), 1);
	cube_test_sh(out, sizeof(out), "ls %s", dir);
	char want[40];
	snprintf(want, sizeof(want), "%s\n", a);
	cr_expect_str_eq(out, want, "records left: %s", out);
	cube_test_sh(out, sizeof(out), "ip netns exec %s ip -o link show", ns[2]);
	cr_expect(!strstr(out, "eth0"), "pod b's eth0 outlived its veth: %s", out);
	cr_expect_eq(podnet_teardown(p, "uid-a", &err), 0, "%s", err.msg);
	cr_expect_eq(podnet_teardown(p, "uid-a", &err), 0, "%s", err.msg);
	cr_expect_eq(podnet_gc(p, nobody, NULL), 0);
	cube_test_sh(out, sizeof(out), "ls %s | wc -l", dir);
	cr_expect_str_eq(out, "0\n");
	podnet_free(p);
	for (int i = 0; i < 3; i++)
		close(fd[i]);
}

Test(podnet, a_full_cidr_and_bad_input_are_errors)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_netns_create(ns[0], &err), 0, "%s", err.msg);
	cr_assert_eq(cube_netns_create(ns[1], &err), 0, "%s", err.msg);
	int node = cube_netns_open(ns[0], &err), pod = cube_netns_open(ns[1], &err);
	cr_expect_null(podnet_new(state, "10.97.3.0", node, &err));
	cr_expect(strstr(err.msg, "pod CIDR"), "%s", err.msg);
	cr_expect_null(podnet_new(state, "10.97.3.0/30", node, &err));
	/* a /29: .2 to .6 for pods; all recorded as taken already */
	podnet *p = podnet_new(state, "10.97.4.0/29", node, &err);
	cr_assert_not_null(p, "%s", err.msg);
	char out[256], ip[32];
	for (int i = 2; i <= 6; i++)
		cube_test_sh(out, sizeof(out), "echo -n other > %s/10.97.4.%d", state, i);
	cr_expect_eq(podnet_setup(p, "uid-x", pod, ip, sizeof(ip), &err), -1);
	cr_expect_eq(err.code, CUBE_ETOOBIG, "%s", err.msg);
	cube_test_sh(out, sizeof(out), "rm %s/10.97.4.4", state);
	cr_assert_eq(podnet_setup(p, "uid-x", pod, ip, sizeof(ip), &err), 0, "%s", err.msg);
	cr_expect_str_eq(ip, "10.97.4.4");
	cr_expect_eq(podnet_setup(p, "../x", pod, ip, sizeof(ip), &err), -1);
	podnet_free(p);
	close(node);
	close(pod);
}
