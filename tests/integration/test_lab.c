/* test_lab.c - `cube up/status/exec/down` as root: a 2-node lab of hollow
 * cubelets in network namespaces (the runc runtime is not built yet), with
 * its own name, subnet, ports and directory; a Deployment and a Service
 * reach Endpoints and every node's iptables; `cube down` leaves no
 * namespace, link, process or directory behind (also when the test fails:
 * the suite's fini runs it again). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd_harness.h"
#include "proc.h"

static char name[16], subnet[32], dir[256], flags[600], cube[600], kubectl[900];

static const char *bindir(void)
{
	const char *d = getenv("CUBE_BIN_DIR");
	return d && d[0] ? d : "build/asan/bin";
}

static void setup(void)
{
	int pid = (int)getpid();
	snprintf(name, sizeof(name), "t%d", pid % 10000000);
	/* 172.16-31.x: private, and distinct for runs whose pids differ mod 4000 */
	snprintf(subnet, sizeof(subnet), "172.%d.%d", 16 + (pid / 250) % 16, 1 + pid % 250);
	cr_assert_eq(cube_test_temp_dir(dir, sizeof(dir), "lab"), 0);
	snprintf(cube, sizeof(cube), "%s/cube", bindir());
	snprintf(flags, sizeof(flags), "--name %s --dir %s", name, dir);
	snprintf(kubectl, sizeof(kubectl),
		 "kubectl --kubeconfig %s/%s/kubeconfig --cache-dir %s/kc", dir, name, dir);
}

static void teardown(void)
{
	char out[4096];
	cube_test_sh(out, sizeof(out), "%s down %s --purge", cube, flags);
	cube_test_remove_dir(dir);
}

TestSuite(lab, .init = setup, .fini = teardown, .timeout = 180);

/* A free pair of loopback ports for etcd (client, peer), searched from a
 * point that depends on the pid: tests running at once (criterion --jobs)
 * would otherwise be handed the same "free" port before either binds it. */
static int etcd_ports(void)
{
	/* spread by pid and time (workers of one run have neighbouring pids),
	 * and below the kernel's ephemeral range (32768-60999), where a
	 * connection's local port would make etcd's bind fail though nothing
	 * listens there */
	srand((unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL));
	int base = 20000 + (rand() % 6000) * 2;
	for (int p = base; p < base + 6 * 50 && p < 32700; p += 2) {
		char out[64];
		if (cube_test_sh(out, sizeof(out),
				 "! (exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null && "
				 "! (exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null",
				 p, p + 1) == 0)
			return p;
	}
	return 0;
}

Test(lab, up_runs_a_cluster_in_node_namespaces_and_down_removes_it)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
	int etcd = etcd_ports();
	cr_assert_gt(etcd, 0, "no free port pair");
	int api = cube_test_free_port();
	char out[16384];
	int rc = cube_test_sh(out, sizeof(out),
			      "%s up %s --nodes 2 --runtime hollow --subnet %s --api-port %d "
			      "--etcd-port %d --bin-dir %s",
			      cube, flags, subnet, api, etcd, bindir());
	cr_assert_eq(rc, 0, "cube up failed:\n%s", out);
	cr_expect(strstr(out, "2 nodes Ready"), "%s", out);
	cr_expect(strstr(out, "etcd ready on 127.0.0.1:"), "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s status %s", cube, flags);
	cr_expect_eq(rc, 0, "%s", out);
	cr_expect(strstr(out, "nodes Ready: 2 of 2"), "%s", out);
	cr_expect_eq(cube_test_sh(out, sizeof(out), "%s get nodes --no-headers", kubectl), 0, "%s",
		     out);
	cr_expect_eq(cube_test_count_lines(out), 2, "%s", out);
	/* node addresses and pod CIDRs as the network plan says */
	cube_test_sh(out, sizeof(out),
		     "%s get nodes -o jsonpath='{range .items[*]}{.metadata.name} "
		     "{.spec.podCIDR} {.status.addresses[0].address}{\"\\n\"}{end}'",
		     kubectl);
	char want[300];
	snprintf(want, sizeof(want), "node1 10.244.1.0/24 %s.2", subnet);
	cr_expect(cube_test_has_line(out, want), "%s", out);
	snprintf(want, sizeof(want), "node2 10.244.2.0/24 %s.3", subnet);
	cr_expect(cube_test_has_line(out, want), "%s", out);
	/* host-gw, kept by each cubelet from the Nodes: node1 reaches node2's
	 * pods through node2; a node that joins gets a route, one that goes
	 * loses it */
	snprintf(want, sizeof(want), "10.244.2.0/24 via %s.3 dev eth0", subnet);
	bool routed = false;
	for (int w = 0; w < 100 && !routed; w++) {
		cube_test_sh(out, sizeof(out), "%s exec %s node1 -- ip route show 10.244.2.0/24",
			     cube, flags);
		routed = strstr(out, want) != NULL;
		if (!routed)
			cube_test_sleep_ms(100);
	}
	cr_expect(routed, "no route to node2's pods on node1: %s", out);
	char node9[600];
	snprintf(node9, sizeof(node9),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node9\"},"
		 "\"spec\":{\"podCIDR\":\"10.244.9.0/24\"},\"status\":{\"addresses\":[{\"type\":"
		 "\"InternalIP\",\"address\":\"%s.10\"}]}}",
		 subnet);
	char path9[300];
	snprintf(path9, sizeof(path9), "%s/node9.json", dir);
	FILE *nf = fopen(path9, "w");
	cr_assert_not_null(nf);
	fputs(node9, nf);
	fclose(nf);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s create -f %s", kubectl, path9), 0, "%s",
		     out);
	snprintf(want, sizeof(want), "10.244.9.0/24 via %s.10 dev eth0", subnet);
	routed = false;
	for (int w = 0; w < 100 && !routed; w++) {
		cube_test_sh(out, sizeof(out), "%s exec %s node2 -- ip route show 10.244.9.0/24",
			     cube, flags);
		routed = strstr(out, want) != NULL;
		if (!routed)
			cube_test_sleep_ms(100);
	}
	cr_expect(routed, "no route to a joining node's pods: %s", out);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s delete node node9", kubectl), 0, "%s", out);
	for (int w = 0; w < 100 && routed; w++) {
		cube_test_sh(out, sizeof(out), "%s exec %s node2 -- ip route show 10.244.9.0/24",
			     cube, flags);
		routed = strstr(out, "10.244.9.0/24") != NULL;
		if (routed)
			cube_test_sleep_ms(100);
	}
	cr_expect(!routed, "the route to a node that went stayed: %s", out);
	/* a Deployment and a Service: Endpoints and every node's NAT table */
	char yaml[300];
	snprintf(yaml, sizeof(yaml), "%s/web.yaml", dir);
	FILE *f = fopen(yaml, "w");
	cr_assert_not_null(f);
	fputs("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n"
	      "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: "
	      "web}}\n"
	      "    spec:\n      containers: [{name: web, image: web:v1, ports: [{containerPort: "
	      "8080}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n"
	      "  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n",
	      f);
	fclose(f);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s apply -f %s", kubectl, yaml), 0, "%s", out);
	int n = 0;
	for (int w = 0; w < 300 && n != 3; w++) {
		cube_test_sh(
			out, sizeof(out),
			"%s get endpoints web -o jsonpath='{.subsets[*].addresses[*].ip}' | wc -w",
			kubectl);
		n = atoi(out);
		if (n != 3)
			cube_test_sleep_ms(100);
	}
	cr_expect_eq(n, 3, "endpoints: %d addresses", n);
	for (int i = 1; i <= 2; i++) {
		bool programmed = false;
		for (int w = 0; w < 100 && !programmed; w++) {
			cube_test_sh(out, sizeof(out),
				     "%s exec %s node%d -- iptables-save -t nat | grep -c '^-A "
				     "KUBE-SEP'",
				     cube, flags, i);
			programmed = atoi(out) >= 3; /* a DNAT rule per endpoint, at least */
			if (!programmed)
				cube_test_sleep_ms(100);
		}
		cr_expect(programmed, "node%d's cube-proxy did not program the service", i);
	}
	/* a node joins a running lab, then leaves it */
	rc = cube_test_sh(out, sizeof(out), "%s node add %s", cube, flags);
	cr_assert_eq(rc, 0, "cube node add: %s", out);
	cr_expect(strstr(out, "node3 Ready (3 nodes)"), "%s", out);
	routed = false;
	for (int w = 0; w < 100 && !routed; w++) {
		cube_test_sh(out, sizeof(out), "%s exec %s node1 -- ip route show 10.244.3.0/24",
			     cube, flags);
		routed = strstr(out, "10.244.3.0/24 via") != NULL;
		if (!routed)
			cube_test_sleep_ms(100);
	}
	cr_expect(routed, "node1 has no route to node3's pods: %s", out);
	cr_expect_neq(cube_test_sh(out, sizeof(out), "%s node add %s node2", cube, flags), 0);
	cr_expect(strstr(out, "has a node2 already"), "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s node remove %s node3", cube, flags);
	cr_expect_eq(rc, 0, "cube node remove: %s", out);
	cube_test_sh(out, sizeof(out), "%s get nodes --no-headers | wc -l", kubectl);
	cr_expect_str_eq(out, "2\n");
	cube_test_sh(out, sizeof(out), "ip netns list | grep -c 'cube-%s-node3'", name);
	cr_expect_str_eq(out, "0\n");
	/* stop keeps the state, start brings the same objects back */
	rc = cube_test_sh(out, sizeof(out), "%s stop %s", cube, flags);
	cr_expect_eq(rc, 0, "%s", out);
	cube_test_sh(out, sizeof(out), "ip netns list | grep -c 'cube-%s-'", name);
	cr_expect_str_eq(out, "0\n", "a stopped lab kept its namespaces");
	rc = cube_test_sh(out, sizeof(out), "%s start %s", cube, flags);
	cr_assert_eq(rc, 0, "cube start failed:\n%s", out);
	n = 0;
	for (int w = 0; w < 300 && n != 3; w++) {
		cube_test_sh(out, sizeof(out),
			     "%s get deploy web -o jsonpath='{.status.availableReplicas}'",
			     kubectl);
		n = atoi(out);
		if (n != 3)
			cube_test_sleep_ms(100);
	}
	cr_expect_eq(n, 3, "the Deployment did not come back with 3 available pods");
	rc = cube_test_sh(out, sizeof(out), "%s logs %s apiserver | wc -l", cube, flags);
	cr_expect(rc == 0 && atoi(out) > 0, "no apiserver log: %s", out);
	rc = cube_test_sh(out, sizeof(out),
			  "%s logs %s cubelet node2 | grep -c 'route 10.244.1.0/24'", cube, flags);
	cr_expect(rc == 0 && atoi(out) > 0, "cubelet node2's log: %s", out);
	cr_expect_neq(cube_test_sh(out, sizeof(out), "%s logs %s cubelet", cube, flags), 0);
	/* exec: a missing node, a missing command */
	cr_expect_neq(cube_test_sh(out, sizeof(out), "%s exec %s node9 -- true", cube, flags), 0);
	cr_expect(strstr(out, "no node \"node9\""), "%s", out);
	/* down: nothing left */
	rc = cube_test_sh(out, sizeof(out), "%s down %s --purge", cube, flags);
	cr_expect_eq(rc, 0, "%s", out);
	cube_test_sh(out, sizeof(out),
		     "ip netns list | grep -c 'cube-%s-' ; ip -o link | grep -c 'cb-%s'", name,
		     name);
	cr_expect_str_eq(out, "0\n0\n", "left behind: %s", out);
	snprintf(want, sizeof(want), "%s/%s", dir, name);
	cr_expect_neq(access(want, F_OK), 0, "%s is still there", want);
}

/* The vxlan backend: the nodes reach each other's pod networks through
 * VXLAN (a ping from node1 to node2's VTEP address travels encapsulated). */
Test(lab, the_vxlan_backend_connects_the_nodes)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
	int etcd = etcd_ports();
	cr_assert_gt(etcd, 0, "no free port pair");
	char out[16384];
	int rc =
		cube_test_sh(out, sizeof(out),
			     "%s up %s --nodes 2 --runtime hollow --network-backend vxlan --subnet "
			     "%s --api-port %d --etcd-port %d --bin-dir %s",
			     cube, flags, subnet, cube_test_free_port(), etcd, bindir());
	cr_assert_eq(rc, 0, "cube up failed:\n%s", out);
	bool routed = false;
	for (int w = 0; w < 100 && !routed; w++) {
		cube_test_sh(out, sizeof(out), "%s exec %s node1 -- ip route show 10.244.2.0/24",
			     cube, flags);
		routed = strstr(out, "10.244.2.0/24 via 10.244.2.0 dev cube.1") &&
			 strstr(out, "onlink");
		if (!routed)
			cube_test_sleep_ms(100);
	}
	cr_assert(routed, "no vxlan route on node1: %s", out);
	cube_test_sh(out, sizeof(out), "%s exec %s node1 -- ip -d link show cube.1", cube, flags);
	cr_expect(strstr(out, "vxlan id 1") && strstr(out, "dstport 8472"), "%s", out);
	char want[64];
	snprintf(want, sizeof(want), "dst %s.3 self permanent", subnet);
	cube_test_sh(out, sizeof(out), "%s exec %s node1 -- bridge fdb show dev cube.1", cube,
		     flags);
	cr_expect(strstr(out, want), "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s exec %s node1 -- busybox ping -c 1 -W 2 10.244.2.0",
			  cube, flags);
	cr_expect_eq(rc, 0, "node1 -> node2 over vxlan: %s", out);
	rc = cube_test_sh(out, sizeof(out), "%s down %s --purge", cube, flags);
	cr_expect_eq(rc, 0, "%s", out);
	cube_test_sh(out, sizeof(out), "ip netns list | grep -c 'cube-%s-'", name);
	cr_expect_str_eq(out, "0\n");
}

/* Real pods (the runc runtime, images from the lab registry), one replica
 * per node: the pod on node1 reaches the pod on the last node by IP (from
 * inside its own network namespace), the Service's ClusterIP reaches every
 * replica from every node, and `cube down` leaves no shim, mount or
 * namespace behind. */
static void real_pods(int nodes, const char *backend, bool stop_start)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
	int etcd = etcd_ports();
	cr_assert_gt(etcd, 0, "no free port pair");
	char out[16384];
	int rc = cube_test_sh(out, sizeof(out),
			      "%s up %s --nodes %d --network-backend %s --subnet %s --api-port %d "
			      "--etcd-port %d --bin-dir %s",
			      cube, flags, nodes, backend, subnet, cube_test_free_port(), etcd,
			      bindir());
	cr_assert_eq(rc, 0, "cube up failed:\n%s", out);
	cr_expect(strstr(out, "registry on"), "%s", out);
	char yaml[300];
	snprintf(yaml, sizeof(yaml), "%s/demo.yaml", dir);
	FILE *f = fopen(yaml, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: backend}\nspec:\n"
		"  replicas: %d\n  selector: {matchLabels: {app: backend}}\n  template:\n"
		"    metadata: {labels: {app: backend}}\n    spec:\n      containers:\n"
		"      - name: web\n        image: web:v1\n        ports: [{containerPort: 8080, "
		"name: http}]\n        env:\n        - {name: POD_NAME, valueFrom: {fieldRef: "
		"{fieldPath: metadata.name}}}\n        - {name: NODE_NAME, valueFrom: {fieldRef: "
		"{fieldPath: spec.nodeName}}}\n        readinessProbe: {httpGet: {path: /, port: "
		"8080}, periodSeconds: 1}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: "
		"backend}\nspec:\n  selector: {app: backend}\n  ports: [{port: 80, targetPort: "
		"http}]\n",
		nodes);
	fclose(f);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s apply -f %s", kubectl, yaml), 0, "%s", out);
	cr_assert_eq(cube_test_sh(out, sizeof(out),
				  "%s rollout status deploy/backend --timeout=90s", kubectl),
		     0, "%s", out);
	char pods[8192];
	cube_test_sh(pods, sizeof(pods),
		     "%s get pods -l app=backend -o jsonpath='{range .items[*]}{.metadata.name} "
		     "{.status.podIP} {.spec.nodeName} {.metadata.uid}{\"\\n\"}{end}'",
		     kubectl);
	char pod[4][128], ip[4][32], node[4][32], uid[4][64];
	int n = 0;
	for (char *line = strtok(pods, "\n"); line && n < 4; line = strtok(NULL, "\n"))
		if (sscanf(line, "%127s %31s %31s %63s", pod[n], ip[n], node[n], uid[n]) == 4)
			n++;
	cr_assert_eq(n, nodes, "%d pods: %s", n, pods);
	int first = -1, last = -1;
	char lastnode[16];
	snprintf(lastnode, sizeof(lastnode), "node%d", nodes);
	for (int i = 0; i < n; i++) {
		if (!strcmp(node[i], "node1"))
			first = i;
		if (!strcmp(node[i], lastnode))
			last = i;
	}
	cr_assert(first >= 0 && last >= 0, "no replica on node1 or %s: %s", lastnode, pods);
	/* from inside the pod on node1 (its own network namespace) to the pod on
	 * the last node, by IP */
	char ns[128];
	cube_test_sh(out, sizeof(out), "ip netns list | awk '{print $1}' | grep -- '-%s$'",
		     uid[first]);
	snprintf(ns, sizeof(ns), "%.*s", (int)strcspn(out, "\n"), out);
	cr_assert(ns[0], "no namespace for pod %s", pod[first]);
	rc = cube_test_sh(out, sizeof(out), "ip netns exec %s curl -s -m 3 http://%s:8080/", ns,
			  ip[last]);
	char want[300];
	snprintf(want, sizeof(want), "web v1 pod=%s node=%s", pod[last], node[last]);
	cr_expect(rc == 0 && strstr(out, want), "pod on node1 -> %s (%s, %s): %s", ip[last],
		  node[last], backend, out);
	/* the Service from every node reaches every replica */
	cube_test_sh(out, sizeof(out), "%s get svc backend -o jsonpath='{.spec.clusterIP}'",
		     kubectl);
	char cip[64];
	snprintf(cip, sizeof(cip), "%.63s", out);
	bool seen[4] = {false, false, false, false};
	int all = 0;
	for (int k = 0; k < 30 * nodes && all < n; k++) {
		rc = cube_test_sh(out, sizeof(out), "%s exec %s node%d -- curl -s -m 3 http://%s/",
				  cube, flags, 1 + k % nodes, cip);
		all = 0;
		for (int j = 0; j < n; j++) {
			seen[j] |= rc == 0 && strstr(out, pod[j]) != NULL;
			all += seen[j];
		}
	}
	cr_expect_eq(all, n, "the Service reached %d of %d replicas", all, n);
	if (stop_start) {
		/* stop takes the containers down; start runs the same pods again */
		rc = cube_test_sh(out, sizeof(out), "%s stop %s", cube, flags);
		cr_expect_eq(rc, 0, "%s", out);
		cube_test_sh(out, sizeof(out), "ps -eo args | grep -c '^[^ ]*cubelet --shim.*%s'",
			     dir);
		cr_expect_str_eq(out, "0\n", "containers outlived cube stop");
		rc = cube_test_sh(out, sizeof(out), "%s start %s", cube, flags);
		cr_assert_eq(rc, 0, "cube start failed:\n%s", out);
		cr_assert_eq(cube_test_sh(out, sizeof(out),
					  "%s rollout status deploy/backend --timeout=90s",
					  kubectl),
			     0, "%s", out);
		bool again = false;
		for (int k = 0; k < 50 && !again; k++) {
			rc = cube_test_sh(out, sizeof(out),
					  "%s exec %s node1 -- curl -s -m 3 http://%s/", cube,
					  flags, cip);
			again = rc == 0 && strstr(out, "web v1 pod=backend-");
			if (!again)
				cube_test_sleep_ms(200);
		}
		cr_expect(again, "the Service does not answer after cube start: %s", out);
		cube_test_sh(out, sizeof(out), "%s get pods -l app=backend --no-headers | wc -l",
			     kubectl);
		char want_n[8];
		snprintf(want_n, sizeof(want_n), "%d\n", nodes);
		cr_expect_str_eq(out, want_n, "the same pods did not come back");
	}
	rc = cube_test_sh(out, sizeof(out), "%s down %s --purge", cube, flags);
	cr_expect_eq(rc, 0, "%s", out);
	cube_test_sh(
		out, sizeof(out),
		"ps -eo args | grep -c '^[^ ]*cubelet --shim.*%s' ; grep -c ' %s' /proc/mounts ; "
		"ip netns list | grep -c 'cube-%s-'",
		dir, dir, name);
	cr_expect_str_eq(out, "0\n0\n0\n", "left behind (shims, mounts, namespaces): %s", out);
}

Test(lab, real_pods_host_gw_three_nodes_stop_start)
{
	real_pods(3, "host-gw", true);
}

Test(lab, real_pods_vxlan_three_nodes)
{
	real_pods(3, "vxlan", false);
}
