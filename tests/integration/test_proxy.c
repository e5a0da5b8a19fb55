/* test_proxy.c - cube-proxy end to end, as root, in network namespaces the
 * test makes: traffic from a client namespace to a ClusterIP and a NodePort
 * reaches real servers in three backend namespaces through the rules
 * cube-proxy wrote.
 *
 * Topology (names cubet-<pid>-<n>-*, removed in .fini, also on failure):
 *
 *   client 192.168.77.2 --veth-- 192.168.77.1 [node] br0 10.244.1.1/24 --veth-- b1 10.244.1.11
 *                                                                       --veth-- b2 10.244.1.12
 *                                                                       --veth-- b3 10.244.1.13
 *
 * Each backend runs `busybox httpd` answering its name; the client is curl.  The client's
 * default route is the node, so ClusterIP (10.96.0.0/12) traffic and NodePort
 * traffic to 192.168.77.1 enter the node's PREROUTING, where cube-proxy's
 * KUBE-SERVICES chain DNATs it.  No packet for a cluster address is ever sent
 * from the root namespace.
 *
 * cube-proxy itself runs in the root namespace (it reaches the API server on
 * 127.0.0.1) with --netns /run/netns/<node>: only its iptables, iptables-save
 * and conntrack children enter the node's namespace (nsenter --net).  The
 * Services and Endpoints are plain objects created through the API. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apiserver_harness.h"
#include "kclient.h"
#include "obj.h"
#include "proxy/engine.h"

static cube_test_api api;
static cube_kclient *c;
static char pfx[64]; /* cubet-<pid>-<n> */
static pid_t srv_pid[3], proxy_pid;
static bool have_topology;
static int health_port, metrics_port;
static char log_path[700];
static char out[65536];

static const char *bin(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("CUBE_BIN_DIR");
	snprintf(buf, size, "%s/%s", dir && dir[0] ? dir : "build/asan/bin", name);
	return buf;
}

static int sh(const char *fmt, const char *a)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), fmt, a, a, a, a, a, a, a, a);
	return cube_test_sh(out, sizeof(out), "%s", cmd);
}

/* Runs a command line inside namespace <pfx>-<ns>; output in `out`. */
static int in_ns(const char *ns, const char *cmd)
{
	return cube_test_sh(out, sizeof(out), "ip netns exec %s-%s %s", pfx, ns, cmd);
}

static void topology(void)
{
	static int n;
	snprintf(pfx, sizeof(pfx), "cubet-%d-%d", (int)getpid(), n++);
	have_topology = true;
	static const char script[] =
		"set -e; P=%s;"
		"for n in node cl b1 b2 b3; do ip netns add $P-$n; ip -n $P-$n link set lo up; "
		"done;"
		"ip -n $P-node link add br0 type bridge;"
		"ip -n $P-node addr add 10.244.1.1/24 dev br0; ip -n $P-node link set br0 up;"
		"for i in 1 2 3; do"
		"  ip link add eth0 netns $P-b$i type veth peer name vb$i netns $P-node;"
		"  ip -n $P-b$i addr add 10.244.1.1$i/24 dev eth0; ip -n $P-b$i link set eth0 up;"
		"  ip -n $P-b$i route add default via 10.244.1.1;"
		"  ip -n $P-node link set vb$i master br0; ip -n $P-node link set vb$i up;"
		"done;"
		"ip link add eth0 netns $P-cl type veth peer name vc netns $P-node;"
		"ip -n $P-node addr add 192.168.77.1/24 dev vc; ip -n $P-node link set vc up;"
		"ip -n $P-cl addr add 192.168.77.2/24 dev eth0; ip -n $P-cl link set eth0 up;"
		"ip -n $P-cl route add default via 192.168.77.1;"
		"ip netns exec $P-node sysctl -qw net.ipv4.ip_forward=1";
	cr_assert_eq(sh(script, pfx), 0, "topology: %s", out);
	for (int i = 0; i < 3; i++) {
		char dir[700], cmd[1600], ns[96];
		snprintf(dir, sizeof(dir), "%s/www%d", api.etcd.dir, i + 1);
		snprintf(cmd, sizeof(cmd), "mkdir -p %s && echo b%d > %s/index.html", dir, i + 1,
			 dir);
		cr_assert_eq(cube_test_sh(out, sizeof(out), "%s", cmd), 0);
		snprintf(ns, sizeof(ns), "%s-b%d", pfx, i + 1);
		const char *argv[] = {"ip", "netns", "exec", ns,   "busybox", "httpd",
				      "-f", "-p",    "80",   "-h", dir,	      NULL};
		srv_pid[i] = cube_test_spawn(argv, log_path, true);
		cr_assert_gt(srv_pid[i], 0);
	}
}

static void start_proxy(void)
{
	char b[512], netns[160], hp[16], mp[16];
	snprintf(netns, sizeof(netns), "/run/netns/%s-node", pfx);
	health_port = cube_test_free_port();
	metrics_port = cube_test_free_port();
	snprintf(hp, sizeof(hp), "%d", health_port);
	snprintf(mp, sizeof(mp), "%d", metrics_port);
	const char *argv[] = {bin("cube-proxy", b, sizeof(b)),
			      "--master",
			      api.url,
			      "--hostname-override",
			      "node-1",
			      "--netns",
			      netns,
			      "--cluster-cidr",
			      "10.244.0.0/16",
			      "--min-sync-period",
			      "200ms",
			      "--healthz-bind-address",
			      "127.0.0.1",
			      "--healthz-port",
			      hp,
			      "--metrics-port",
			      mp,
			      NULL};
	proxy_pid = cube_test_spawn(argv, log_path, false);
	cr_assert_gt(proxy_pid, 0);
}

static void setup(void)
{
	cr_assert_eq(cube_test_api_start(&api, NULL), 0);
	snprintf(log_path, sizeof(log_path), "%s/proxy.log", api.etcd.dir);
	cube_err err = CUBE_ERR_INIT;
	c = cube_kclient_new(&(cube_kclient_config){.server = api.url}, &err);
	cr_assert_not_null(c, "%s", err.msg);
	topology();
	start_proxy();
}

static void teardown(void)
{
	cube_test_kill(proxy_pid, 5000);
	proxy_pid = 0;
	for (int i = 0; i < 3; i++) {
		cube_test_kill(srv_pid[i], 2000);
		srv_pid[i] = 0;
	}
	if (have_topology)
		sh("for n in node cl b1 b2 b3; do ip netns del %s-$n 2>/dev/null; done; true", pfx);
	have_topology = false;
	if (getenv("CUBE_TEST_VERBOSE"))
		cube_test_print_tail(log_path);
	cube_kclient_free(c);
	c = NULL;
	cube_test_api_destroy(&api);
}

static void skip_unless_root(void)
{
	if (geteuid() != 0 || cube_test_sh(out, sizeof(out), "ip netns list") != 0)
		cr_skip_test("needs root and ip netns");
}

/* Creates a Service (JSON) and returns it as stored (the caller deletes). */
static cJSON *create(const cube_gvr *r, const char *json)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = cube_json_parse(json, strlen(json), NULL);
	cr_assert_not_null(o, "bad test JSON: %s", json);
	cJSON *made = cube_kclient_create(c, r, "default", o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(o);
	return made;
}

static void put_endpoints(const char *name, const char *ips, bool update)
{
	char json[2048];
	snprintf(json, sizeof(json),
		 "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"%s\","
		 "\"namespace\":\"default\"},\"subsets\":[{\"addresses\":[%s],\"ports\":[{"
		 "\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]}]}",
		 name, ips);
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = cube_json_parse(json, strlen(json), NULL);
	cr_assert_not_null(o);
	if (update) {
		cJSON *cur = cube_kclient_get(c, &CUBE_GVR_ENDPOINTS, "default", name, &err);
		cr_assert_not_null(cur, "%s", err.msg);
		cube_obj_set_meta_str(o, "resourceVersion", cube_obj_resource_version(cur));
		cJSON_Delete(cur);
	}
	cJSON *r = update ? cube_kclient_update(c, &CUBE_GVR_ENDPOINTS, "default", o, NULL, &err)
			  : cube_kclient_create(c, &CUBE_GVR_ENDPOINTS, "default", o, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cJSON_Delete(r);
	cJSON_Delete(o);
}

#define THREE_IPS                                                                                \
	"{\"ip\":\"10.244.1.11\",\"nodeName\":\"node-1\"},{\"ip\":\"10.244.1.12\",\"nodeName\":" \
	"\"node-1\"},{\"ip\":\"10.244.1.13\",\"nodeName\":\"node-1\"}"

/* n requests from the client namespace to url; counts answers per backend
 * (counts[0..2]) and returns how many got no answer. */
static int requests(const char *url, int n, int counts[3])
{
	/* One curl, n URLs; busybox httpd closes each connection, so every
	 * request is a new connection and gets its own DNAT decision. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "curl -s -m 3 -H 'Connection: close' '%s?[1-%d]'", url, n);
	in_ns("cl", cmd);
	counts[0] = counts[1] = counts[2] = 0;
	for (char *l = out; *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = '\0';
		if (l[0] == 'b' && l[1] >= '1' && l[1] <= '3' && !l[2])
			counts[l[1] - '1']++;
		if (!e)
			break;
		l = e + 1;
	}
	return n - counts[0] - counts[1] - counts[2];
}

/* Waits until a request to url is answered (the proxy has synced). */
static bool wait_answer(const char *url, int ms)
{
	int counts[3];
	for (int w = 0; w < ms; w += 200) {
		if (requests(url, 1, counts) == 0)
			return true;
		cube_test_sleep_ms(200);
	}
	return false;
}

TestSuite(proxy, .init = skip_unless_root, .timeout = 120);

Test(proxy, cluster_ip_spreads_over_three_backends_and_drops_a_removed_one, .init = setup,
     .fini = teardown)
{
	cJSON *svc = create(&CUBE_GVR_SERVICES,
			    "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"ports\":[{\"name\":"
			    "\"http\",\"port\":80,\"protocol\":\"TCP\"}]}}");
	char url[128];
	snprintf(url, sizeof(url), "http://%s/", cube_json_str(svc, "spec.clusterIP"));
	cJSON_Delete(svc);
	put_endpoints("web", THREE_IPS, false);
	cr_assert(wait_answer(url, 15000), "the ClusterIP never answered");

	int counts[3];
	int none = requests(url, 300, counts);
	cr_assert_eq(none, 0, "%d requests failed", none);
	for (int i = 0; i < 3; i++)
		cr_assert(counts[i] >= 60 && counts[i] <= 141,
			  "backend b%d got %d of 300 (want 20%%..47%%): %d %d %d", i + 1, counts[i],
			  counts[0], counts[1], counts[2]);

	/* The node's table reads like kube-proxy's. */
	cr_assert_eq(in_ns("node", "iptables-save -t nat"), 0);
	cr_assert(strstr(out, "-A PREROUTING -m comment --comment \"kubernetes service portals\" "
			      "-j KUBE-SERVICES"),
		  "%s", out);
	cr_assert(strstr(out, "-m comment --comment \"default/web:http cluster IP\""), "%s", out);
	cr_assert(strstr(out, "--probability 0.33333333"), "%s", out);

	/* b3 leaves the endpoints: within 1 s no request reaches it. */
	put_endpoints("web",
		      "{\"ip\":\"10.244.1.11\",\"nodeName\":\"node-1\"},{\"ip\":\"10.244.1.12\","
		      "\"nodeName\":\"node-1\"}",
		      true);
	cube_test_sleep_ms(1000);
	none = requests(url, 60, counts);
	cr_assert_eq(none, 0);
	cr_assert_eq(counts[2], 0, "b3 still got %d of 60 requests 1 s after its removal",
		     counts[2]);
	cr_assert(counts[0] > 0 && counts[1] > 0);
	cr_assert_eq(in_ns("node", "iptables-save -t nat"), 0);
	cr_assert(!strstr(out, "10.244.1.13"), "b3's chain is still there:\n%s", out);

	/* /healthz: kube-proxy's JSON; /metrics: the sync histogram. */
	cr_assert_eq(cube_test_sh(out, sizeof(out), "curl -s -i http://127.0.0.1:%d/healthz",
				  health_port),
		     0);
	cr_assert(strstr(out, "200 OK") && strstr(out, "\"lastUpdated\": \"") &&
			  strstr(out, "\"nodeEligible\": true}"),
		  "%s", out);
	cr_assert_eq(
		cube_test_sh(out, sizeof(out), "curl -s http://127.0.0.1:%d/metrics", metrics_port),
		0);
	cr_assert(strstr(out, "kubeproxy_sync_proxy_rules_duration_seconds_count "), "%s", out);
	cr_assert(strstr(out, "kubeproxy_sync_partial_proxy_rules_duration_seconds_count "));
}

Test(proxy, node_port_and_client_ip_affinity, .init = setup, .fini = teardown)
{
	cJSON *svc = create(&CUBE_GVR_SERVICES,
			    "{\"metadata\":{\"name\":\"np\"},\"spec\":{\"type\":\"NodePort\","
			    "\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]}}");
	long np = (long)cube_json_int(cJSON_GetArrayItem(cube_json_path(svc, "spec.ports"), 0),
				      "nodePort", 0);
	cJSON_Delete(svc);
	cr_assert_gt(np, 0);
	put_endpoints("np", THREE_IPS, false);
	svc = create(&CUBE_GVR_SERVICES,
		     "{\"metadata\":{\"name\":\"sticky\"},\"spec\":{\"sessionAffinity\":"
		     "\"ClientIP\",\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":"
		     "\"TCP\"}]}}");
	char sticky[128];
	snprintf(sticky, sizeof(sticky), "http://%s/", cube_json_str(svc, "spec.clusterIP"));
	cJSON_Delete(svc);
	put_endpoints("sticky", THREE_IPS, false);

	/* The NodePort answers on the node's address, from another node. */
	char url[128];
	snprintf(url, sizeof(url), "http://192.168.77.1:%ld/", np);
	cr_assert(wait_answer(url, 15000), "the NodePort never answered");
	int counts[3];
	cr_assert_eq(requests(url, 30, counts), 0);
	cr_assert_eq(counts[0] + counts[1] + counts[2], 30);
	cr_assert_eq(in_ns("node", "iptables-save -t nat"), 0);
	char want[160];
	/* (iptables-nft quotes every comment, legacy iptables only those with blanks.) */
	snprintf(want, sizeof(want), "default/np:http\" -m tcp --dport %ld -j KUBE-EXT-", np);
	cr_assert(strstr(out, want), "no '%s' in\n%s", want, out);

	/* ClientIP affinity pins the client to one backend. */
	cr_assert(wait_answer(sticky, 15000));
	cr_assert_eq(requests(sticky, 30, counts), 0);
	int used = (counts[0] > 0) + (counts[1] > 0) + (counts[2] > 0);
	cr_assert_eq(used, 1, "affinity spread the client over %d backends: %d %d %d", used,
		     counts[0], counts[1], counts[2]);
}

Test(proxy, cleanup_removes_every_chain, .init = setup, .fini = teardown)
{
	cJSON *svc = create(&CUBE_GVR_SERVICES,
			    "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"ports\":[{\"name\":"
			    "\"http\",\"port\":80,\"protocol\":\"TCP\"}]}}");
	char url[128];
	snprintf(url, sizeof(url), "http://%s/", cube_json_str(svc, "spec.clusterIP"));
	cJSON_Delete(svc);
	put_endpoints("web", THREE_IPS, false);
	cr_assert(wait_answer(url, 15000));

	/* A chain left by an earlier run is removed by a restart's first sync. */
	cr_assert_eq(in_ns("node", "iptables -t nat -N KUBE-SEP-AAAAAAAAAAAAAAAA"), 0, "%s", out);
	cube_test_kill(proxy_pid, 5000);
	start_proxy();
	bool gone = false;
	for (int w = 0; w < 10000 && !gone; w += 200) {
		cube_test_sleep_ms(200);
		in_ns("node", "iptables-save -t nat");
		gone = !strstr(out, "KUBE-SEP-AAAAAAAAAAAAAAAA");
	}
	cr_assert(gone, "the stale chain survived the restart");
	cr_assert(wait_answer(url, 5000));

	/* An unrelated rule of someone else survives --cleanup. */
	cr_assert_eq(in_ns("node", "iptables -t nat -N OTHER-CHAIN"), 0);
	cube_test_kill(proxy_pid, 5000);
	proxy_pid = 0;
	char b[512], cmd[1200];
	snprintf(cmd, sizeof(cmd), "%s --cleanup --netns /run/netns/%s-node",
		 bin("cube-proxy", b, sizeof(b)), pfx);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s", cmd), 0, "%s", out);
	cr_assert_eq(in_ns("node", "iptables-save"), 0);
	cr_assert(!strstr(out, "KUBE-"), "chains left after --cleanup:\n%s", out);
	cr_assert(strstr(out, ":OTHER-CHAIN"), "--cleanup removed a chain not its own");
	/* Run again: nothing to do, still success. */
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s", cmd), 0, "%s", out);
}

/* ---- the engine against a failing iptables-restore (no root needed) ---------------------- */

Test(proxy_engine, restore_failure_keeps_state_and_the_next_sync_retries_in_full, .timeout = 30)
{
	char dir[600], script[700], cmd[4000], batch[700];
	cr_assert_eq(cube_test_temp_dir(dir, sizeof(dir), "cube-proxy-engine"), 0);
	snprintf(script, sizeof(script), "%s/restore", dir);
	snprintf(batch, sizeof(batch), "%s/batch", dir);
	/* A stand-in iptables-restore: keeps the batch, fails while "fail" exists. */
	snprintf(cmd, sizeof(cmd),
		 "printf '#!/bin/sh\\ncat > %s/batch\\nif [ -e %s/fail ]; then echo "
		 "\"iptables-restore: line 3 failed\" >&2; exit 1; fi\\n' > %s && chmod +x %s && "
		 "touch %s/fail",
		 dir, dir, script, script, dir);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s", cmd), 0, "%s", out);
	proxy_engine_config cfg = {.rules = {.masquerade_mark = "0x004000"},
				   .ipt = {.iptables_restore = script, .iptables_save = "true"},
				   .hostname = "node-1"};
	cube_err err = CUBE_ERR_INIT;
	proxy_engine *e = proxy_engine_new(&cfg, &err);
	cr_assert_not_null(e);
	static const char svc_json[] =
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"spec\":{\"clusterIP\":"
		"\"10.96.0.10\",\"ports\":[{\"name\":\"p80\",\"port\":80}]}}";
	cJSON *svc = cube_json_parse(svc_json, strlen(svc_json), NULL);
	cr_assert_not_null(svc);
	cr_assert_eq(proxy_engine_set(e, "ns1/svc1", svc, NULL, &err), 0);

	proxy_sync_stats st;
	cr_assert_eq(proxy_engine_sync(e, false, &st, &err), -1);
	cr_assert(st.full);
	cr_assert(strstr(err.msg, "line 3 failed"), "%s", err.msg);
	/* The message shows the batch around the failing line. */
	cr_assert(strstr(err.msg, "3: :KUBE-EXTERNAL-SERVICES - [0:0]"), "%s", err.msg);
	cr_assert(proxy_engine_needs_full(e));
	cr_assert(proxy_engine_pending(e));

	/* The next sync retries, in full, and succeeds. */
	snprintf(cmd, sizeof(cmd), "rm %s/fail", dir);
	cr_assert_eq(cube_test_sh(out, sizeof(out), "%s", cmd), 0);
	cr_assert_eq(proxy_engine_sync(e, false, &st, &err), 0, "%s", err.msg);
	cr_assert(st.full);
	cr_assert(!proxy_engine_needs_full(e));
	cr_assert(!proxy_engine_pending(e));
	cube_test_read_file(batch, out, sizeof(out));
	cr_assert(strstr(out, "\"ns1/svc1:p80 has no endpoints\""), "%s", out);

	/* A change afterwards is a partial sync. */
	cr_assert_eq(proxy_engine_set(e, "ns1/svc1", NULL, NULL, &err), 0);
	cr_assert_eq(proxy_engine_sync(e, false, &st, &err), 0, "%s", err.msg);
	cr_assert(!st.full);
	cube_test_read_file(batch, out, sizeof(out));
	cr_assert(!strstr(out, "ns1/svc1"), "%s", out);
	cJSON_Delete(svc);
	proxy_engine_free(e);
	cube_test_remove_dir(dir);
}
