/* test_proxy_rules.c - cube-proxy's rule generation: the exact
 * iptables-restore text for a ClusterIP service with 3 endpoints, a NodePort,
 * ClientIP affinity, a service without endpoints and a partial sync after one
 * endpoint change; chain names checked against the ones kube-proxy's own
 * tests expect (pkg/proxy/iptables/proxier_test.go); bad input; the jump
 * rules and the cleanup batch built from iptables-save text; durations and
 * Go time text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/engine.h"
#include "proxy/iptables.h"
#include "proxy/proxier.h"
#include "proxy/rules.h"
#include "proxy/svc.h"

/* ---- helpers ------------------------------------------------------------------ */

static proxy_service *compile(const char *svc, const char *eps)
{
	cJSON *s = cJSON_Parse(svc);
	cJSON *e = eps ? cJSON_Parse(eps) : NULL;
	cr_assert(s && (!eps || e), "bad JSON in test");
	cube_err err = CUBE_ERR_INIT;
	proxy_service *ps = proxy_service_compile(s, e, "node-1", &err);
	cr_assert(ps, "compile: %s", err.msg);
	cJSON_Delete(s);
	cJSON_Delete(e);
	return ps;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static const proxy_rules_config cfg = {.masquerade_mark = "0x4000", .cluster_cidr = "10.0.0.0/8"};

/* Builds the batch for services (full sync unless changed is given). */
static char *build(proxy_service **svcs, size_t n, const cube_strmap *changed,
		   const char *const *existing, size_t n_existing, proxy_rules_out *keep)
{
	proxy_rules_input in = {.svcs = svcs,
				.n_svcs = n,
				.changed = changed,
				.existing = existing,
				.n_existing = n_existing};
	proxy_rules_out out;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(proxy_rules_build(&cfg, &in, &out, &err), 0, "%s", err.msg);
	char *text = strdup(out.text);
	if (keep)
		*keep = out;
	else
		proxy_rules_out_free(&out);
	return text;
}

#define FILTER_HEAD                         \
	"*filter\n"                         \
	":KUBE-SERVICES - [0:0]\n"          \
	":KUBE-EXTERNAL-SERVICES - [0:0]\n" \
	":KUBE-FORWARD - [0:0]\n"           \
	":KUBE-NODEPORTS - [0:0]\n"         \
	":KUBE-PROXY-FIREWALL - [0:0]\n"
#define FILTER_TAIL                                                                            \
	"-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"                             \
	"-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark " \
	"0x4000/0x4000 -j ACCEPT\n"                                                            \
	"-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m "    \
	"conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"                                  \
	"COMMIT\n"
#define NAT_HEAD                      \
	"*nat\n"                      \
	":KUBE-SERVICES - [0:0]\n"    \
	":KUBE-NODEPORTS - [0:0]\n"   \
	":KUBE-POSTROUTING - [0:0]\n" \
	":KUBE-MARK-MASQ - [0:0]\n"
#define NAT_MASQ                                                                                  \
	"-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"                          \
	"-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"                                         \
	"-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" " \
	"-j MASQUERADE\n"                                                                         \
	"-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
#define NAT_TAIL                                                                                 \
	"-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must " \
	"be the last rule in this chain\" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j "     \
	"KUBE-NODEPORTS\n"                                                                       \
	"COMMIT\n"

static const char svc1[] = "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},"
			   "\"spec\":{\"clusterIP\":\"172.30.0.41\",\"ports\":[{\"name\":\"p80\","
			   "\"port\":80,\"protocol\":\"TCP\"}]}}";
static const char eps3[] =
	"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"subsets\":[{\"addresses\":["
	"{\"ip\":\"10.180.2.1\",\"nodeName\":\"node-1\"},{\"ip\":\"10.180.0.1\"},"
	"{\"ip\":\"10.180.1.1\"}],\"ports\":[{\"name\":\"p80\",\"port\":80}]}]}";

/* ---- chain names ------------------------------------------------------------------ */

Test(proxy_rules, chain_names_are_kube_proxys)
{
	char h[17];
	proxy_chain_hash("ns1/svc1:p80", "tcp", NULL, h);
	cr_assert_str_eq(h, "XPGD46QRK7WJZT7O");
	proxy_chain_hash("ns1/svc1:p80", "tcp", "10.180.0.1:80", h);
	cr_assert_str_eq(h, "SXIVWICOYRO3J4NJ");
	proxy_chain_hash("ns1/svc1:p80", "tcp", "10.180.2.1:80", h);
	cr_assert_str_eq(h, "ZX7GRIZKSNUQ3LAJ");
	proxy_chain_hash("ns2/svc2:p8080", "tcp", NULL, h);
	cr_assert_str_eq(h, "2VJB64SDSIJUP5T6");
	proxy_chain_hash("ns2/svc2:p8080", "tcp", "10.0.2.1:8080", h);
	cr_assert_str_eq(h, "UHEGFW77JX3KXTOV");

	proxy_service *s = compile(svc1, eps3);
	cr_assert_eq(s->n_ports, 1);
	cr_assert_str_eq(s->ports[0].name, "ns1/svc1:p80");
	cr_assert_str_eq(s->ports[0].svc_chain, "KUBE-SVC-XPGD46QRK7WJZT7O");
	cr_assert_str_eq(s->ports[0].svl_chain, "KUBE-SVL-XPGD46QRK7WJZT7O");
	cr_assert_str_eq(s->ports[0].ext_chain, "KUBE-EXT-XPGD46QRK7WJZT7O");
	/* Endpoints sorted by "ip:port", as kube-proxy orders them. */
	cr_assert_eq(s->ports[0].n_eps, 3);
	cr_assert_str_eq(s->ports[0].eps[0].str, "10.180.0.1:80");
	cr_assert_str_eq(s->ports[0].eps[0].chain, "KUBE-SEP-SXIVWICOYRO3J4NJ");
	cr_assert_str_eq(s->ports[0].eps[2].str, "10.180.2.1:80");
	cr_assert(s->ports[0].eps[2].local);
	cr_assert(!s->ports[0].eps[0].local);
	proxy_service_free(s);

	cr_assert(proxy_is_service_chain("KUBE-SEP-SXIVWICOYRO3J4NJ"));
	cr_assert(proxy_is_service_chain("KUBE-EXT-XPGD46QRK7WJZT7O"));
	cr_assert(!proxy_is_service_chain("KUBE-SERVICES"));
	cr_assert(!proxy_is_service_chain("KUBE-MARK-MASQ"));
}

Test(proxy_rules, probabilities)
{
	char b[32];
	proxy_probability(3, b, sizeof(b));
	cr_assert_str_eq(b, "0.3333333333");
	proxy_probability(2, b, sizeof(b));
	cr_assert_str_eq(b, "0.5000000000");
	proxy_probability(7, b, sizeof(b));
	cr_assert_str_eq(b, "0.1428571429");
}

/* ---- the five cases of the issue ------------------------------------------------------------- */

Test(proxy_rules, cluster_ip_with_three_endpoints)
{
	proxy_service *s = compile(svc1, eps3);
	char *text = build(&s, 1, NULL, NULL, 0, NULL);
	const char *want = FILTER_HEAD FILTER_TAIL NAT_HEAD
		":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
		":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
		":KUBE-SEP-TOIS5JUHRKSSXDL7 - [0:0]\n"
		":KUBE-SEP-ZX7GRIZKSNUQ3LAJ - [0:0]\n" NAT_MASQ
		"-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp "
		"-d "
		"172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m "
		"tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.0.1:80\" "
		"-m statistic --mode random --probability 0.3333333333 -j "
		"KUBE-SEP-SXIVWICOYRO3J4NJ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.1.1:80\" "
		"-m statistic --mode random --probability 0.5000000000 -j "
		"KUBE-SEP-TOIS5JUHRKSSXDL7\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.2.1:80\" "
		"-j KUBE-SEP-ZX7GRIZKSNUQ3LAJ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.0.1:80\n"
		"-A KUBE-SEP-TOIS5JUHRKSSXDL7 -m comment --comment ns1/svc1:p80 -s 10.180.1.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-TOIS5JUHRKSSXDL7 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.1.1:80\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -s 10.180.2.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.2.1:80\n" NAT_TAIL;
	cr_assert_str_eq(text, want);
	free(text);
	proxy_service_free(s);
}

Test(proxy_rules, node_port)
{
	proxy_service *s = compile(
		"{\"metadata\":{\"namespace\":\"ns2\",\"name\":\"svc2\"},\"spec\":{\"type\":"
		"\"NodePort\",\"clusterIP\":\"172.30.0.42\",\"ports\":[{\"name\":\"p80\",\"port\":"
		"80,\"nodePort\":3001,\"protocol\":\"TCP\"}]}}",
		"{\"metadata\":{\"namespace\":\"ns2\",\"name\":\"svc2\"},\"subsets\":[{"
		"\"addresses\":"
		"[{\"ip\":\"10.180.0.2\"}],\"ports\":[{\"name\":\"p80\",\"port\":80}]}]}");
	char *text = build(&s, 1, NULL, NULL, 0, NULL);
	const char *want = FILTER_HEAD FILTER_TAIL NAT_HEAD
		":KUBE-EXT-GNZBNJ2PO5MGZ6GT - [0:0]\n"
		":KUBE-SVC-GNZBNJ2PO5MGZ6GT - [0:0]\n"
		":KUBE-SEP-RS4RBKLTHTF2IUXJ - [0:0]\n" NAT_MASQ
		"-A KUBE-SERVICES -m comment --comment \"ns2/svc2:p80 cluster IP\" -m tcp -p tcp "
		"-d "
		"172.30.0.42 --dport 80 -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n"
		"-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp --dport 3001 -j "
		"KUBE-EXT-GNZBNJ2PO5MGZ6GT\n"
		"-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 cluster IP\" -m "
		"tcp -p tcp -d 172.30.0.42 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
		"-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -m comment --comment \"masquerade traffic for "
		"ns2/svc2:p80 external destinations\" -j KUBE-MARK-MASQ\n"
		"-A KUBE-EXT-GNZBNJ2PO5MGZ6GT -j KUBE-SVC-GNZBNJ2PO5MGZ6GT\n"
		"-A KUBE-SVC-GNZBNJ2PO5MGZ6GT -m comment --comment \"ns2/svc2:p80 -> "
		"10.180.0.2:80\" "
		"-j KUBE-SEP-RS4RBKLTHTF2IUXJ\n"
		"-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -s 10.180.0.2 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-RS4RBKLTHTF2IUXJ -m comment --comment ns2/svc2:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.0.2:80\n" NAT_TAIL;
	cr_assert_str_eq(text, want);
	free(text);
	proxy_service_free(s);
}

Test(proxy_rules, node_port_local_policy_keeps_only_local_endpoints)
{
	proxy_service *s = compile(
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"spec\":{\"type\":"
		"\"NodePort\",\"externalTrafficPolicy\":\"Local\",\"clusterIP\":\"172.30.0.41\","
		"\"ports\":[{\"name\":\"p80\",\"port\":80,\"nodePort\":3001}]}}",
		eps3);
	char *text = build(&s, 1, NULL, NULL, 0, NULL);
	/* The SVL chain holds only the endpoint on node-1; the EXT chain sends
	 * pod and local traffic to the SVC chain and the rest, unmasqueraded
	 * (client source kept), to SVL. */
	cr_assert(strstr(text, "-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment \"pod traffic "
			       "for ns1/svc1:p80 external destinations\" -s 10.0.0.0/8 -j "
			       "KUBE-SVC-XPGD46QRK7WJZT7O\n"),
		  "%s", text);
	cr_assert(strstr(text, "-A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVL-XPGD46QRK7WJZT7O\n"));
	cr_assert(strstr(text, "-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 "
			       "-> 10.180.2.1:80\" -j KUBE-SEP-ZX7GRIZKSNUQ3LAJ\n"));
	cr_assert(!strstr(text, "-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 "
				"-> 10.180.0.1:80\""));
	cr_assert(!strstr(text, "masquerade traffic for ns1/svc1:p80"));
	free(text);
	proxy_service_free(s);
}

Test(proxy_rules, client_ip_affinity)
{
	proxy_service *s = compile(
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"spec\":{\"clusterIP\":"
		"\"172.30.0.41\",\"sessionAffinity\":\"ClientIP\",\"sessionAffinityConfig\":{"
		"\"clientIP\":{\"timeoutSeconds\":300}},\"ports\":[{\"name\":\"p80\",\"port\":80}]}"
		"}",
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"subsets\":[{"
		"\"addresses\":["
		"{\"ip\":\"10.180.0.1\"},{\"ip\":\"10.180.2.1\"}],\"ports\":[{\"name\":\"p80\","
		"\"port\":80}]}]}");
	char *text = build(&s, 1, NULL, NULL, 0, NULL);
	const char *want = FILTER_HEAD FILTER_TAIL NAT_HEAD
		":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
		":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
		":KUBE-SEP-ZX7GRIZKSNUQ3LAJ - [0:0]\n" NAT_MASQ
		"-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp "
		"-d "
		"172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m "
		"tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.0.1:80\" "
		"-m recent --name KUBE-SEP-SXIVWICOYRO3J4NJ --rcheck --seconds 300 --reap -j "
		"KUBE-SEP-SXIVWICOYRO3J4NJ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.2.1:80\" "
		"-m recent --name KUBE-SEP-ZX7GRIZKSNUQ3LAJ --rcheck --seconds 300 --reap -j "
		"KUBE-SEP-ZX7GRIZKSNUQ3LAJ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.0.1:80\" "
		"-m statistic --mode random --probability 0.5000000000 -j "
		"KUBE-SEP-SXIVWICOYRO3J4NJ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.2.1:80\" "
		"-j KUBE-SEP-ZX7GRIZKSNUQ3LAJ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m recent --name "
		"KUBE-SEP-SXIVWICOYRO3J4NJ --set -m tcp -p tcp -j DNAT --to-destination "
		"10.180.0.1:80\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -s 10.180.2.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -m recent --name "
		"KUBE-SEP-ZX7GRIZKSNUQ3LAJ --set -m tcp -p tcp -j DNAT --to-destination "
		"10.180.2.1:80\n" NAT_TAIL;
	cr_assert_str_eq(text, want);
	free(text);
	proxy_service_free(s);
}

Test(proxy_rules, no_endpoints_rejects)
{
	proxy_service *s = compile(
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"spec\":{\"type\":"
		"\"NodePort\",\"clusterIP\":\"172.30.0.41\",\"ports\":[{\"name\":\"p53\",\"port\":"
		"53,"
		"\"nodePort\":3053,\"protocol\":\"UDP\"}]}}",
		NULL);
	char *text = build(&s, 1, NULL, NULL, 0, NULL);
	const char *want = FILTER_HEAD
		"-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p53 has no endpoints\" -m udp -p "
		"udp -d 172.30.0.41 --dport 53 -j REJECT\n"
		"-A KUBE-EXTERNAL-SERVICES -m comment --comment \"ns1/svc1:p53 has no endpoints\" "
		"-m "
		"addrtype --dst-type LOCAL -m udp -p udp --dport 3053 -j REJECT\n" FILTER_TAIL
			NAT_HEAD NAT_MASQ NAT_TAIL;
	cr_assert_str_eq(text, want);
	free(text);
	proxy_service_free(s);
}

Test(proxy_rules, partial_sync_writes_only_the_changed_service)
{
	proxy_service *a1 = compile(svc1, eps3);
	proxy_service *b = compile(
		"{\"metadata\":{\"namespace\":\"ns2\",\"name\":\"svc2\"},\"spec\":{\"clusterIP\":"
		"\"172.30.0.42\",\"ports\":[{\"name\":\"p8080\",\"port\":8080}]}}",
		"{\"metadata\":{\"namespace\":\"ns2\",\"name\":\"svc2\"},\"subsets\":[{"
		"\"addresses\":"
		"[{\"ip\":\"10.0.2.1\"}],\"ports\":[{\"name\":\"p8080\",\"port\":8080}]}]}");
	proxy_service *svcs[2] = {a1, b};
	proxy_rules_out first;
	free(build(svcs, 2, NULL, NULL, 0, &first));
	/* The chains the first sync left in place. */
	size_t n_active = cube_strmap_len(first.active);
	cr_assert_eq(n_active, 6); /* 2 SVC + 4 SEP */
	const char **existing = calloc(n_active, sizeof(*existing));
	cube_strmap_sorted_keys(first.active, existing);

	/* One endpoint of svc1 (10.180.1.1) goes away. */
	proxy_service *a2 = compile(
		svc1, "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"subsets\":[{"
		      "\"addresses\":[{\"ip\":\"10.180.2.1\",\"nodeName\":\"node-1\"},{\"ip\":"
		      "\"10.180.0.1\"}],\"ports\":[{\"name\":\"p80\",\"port\":80}]}]}");
	svcs[0] = a2;
	cube_strmap *changed = cube_strmap_new();
	cube_strmap_put(changed, "ns1/svc1", (void *)1, NULL);
	proxy_rules_out second;
	char *text = build(svcs, 2, changed, existing, n_active, &second);
	const char *want = FILTER_HEAD FILTER_TAIL NAT_HEAD
		":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
		":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
		":KUBE-SEP-ZX7GRIZKSNUQ3LAJ - [0:0]\n"
		":KUBE-SEP-TOIS5JUHRKSSXDL7 - [0:0]\n" NAT_MASQ
		"-A KUBE-SERVICES -m comment --comment \"ns1/svc1:p80 cluster IP\" -m tcp -p tcp "
		"-d "
		"172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m "
		"tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.0.1:80\" "
		"-m statistic --mode random --probability 0.5000000000 -j "
		"KUBE-SEP-SXIVWICOYRO3J4NJ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.2.1:80\" "
		"-j KUBE-SEP-ZX7GRIZKSNUQ3LAJ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.0.1:80\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -s 10.180.2.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.2.1:80\n"
		/* svc2 is unchanged: only its KUBE-SERVICES rule (the chain is rewritten). */
		"-A KUBE-SERVICES -m comment --comment \"ns2/svc2:p8080 cluster IP\" -m tcp -p tcp "
		"-d "
		"172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6\n"
		"-X KUBE-SEP-TOIS5JUHRKSSXDL7\n" NAT_TAIL;
	cr_assert_str_eq(text, want);
	cr_assert(!strstr(text, "KUBE-SEP-UHEGFW77JX3KXTOV"));
	cr_assert_eq(second.deleted_chains, 1);
	/* svc2's chains still count as active. */
	cr_assert(cube_strmap_get(second.active, "KUBE-SVC-2VJB64SDSIJUP5T6"));
	cr_assert(cube_strmap_get(second.active, "KUBE-SEP-UHEGFW77JX3KXTOV"));
	cr_assert(!cube_strmap_get(second.active, "KUBE-SEP-TOIS5JUHRKSSXDL7"));
	cr_assert_eq(second.nat_rules_total, first.nat_rules - 3 + 1);
	free(text);
	free(existing);
	cube_strmap_free(changed);
	proxy_rules_out_free(&first);
	proxy_rules_out_free(&second);
	proxy_service_free(a1);
	proxy_service_free(a2);
	proxy_service_free(b);
}

/* ---- more behaviours ------------------------------------------------------------------ */

Test(proxy_rules, large_clusters_drop_endpoint_comments)
{
	/* 1001 endpoints in all switch to kube-proxy's large-cluster mode. */
	cJSON *eps = cJSON_Parse("{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},"
				 "\"subsets\":[{\"addresses\":[],\"ports\":[{\"name\":\"p80\","
				 "\"port\":80}]}]}");
	cJSON *addrs = cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(eps, "subsets"), 0), "addresses");
	for (int i = 0; i < 1001; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, i % 250 + 1);
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "ip", ip);
		cJSON_AddItemToArray(addrs, a);
	}
	char *e = cJSON_PrintUnformatted(eps);
	proxy_service *s = compile(svc1, e);
	proxy_rules_out out;
	char *text = build(&s, 1, NULL, NULL, 0, &out);
	cr_assert(out.large_cluster);
	cr_assert_eq(out.endpoints, 1001);
	cr_assert(strstr(text, "-A KUBE-SEP-SXIVWICOYRO3J4NJ -s 10.1.0.1 -j KUBE-MARK-MASQ\n") ||
		  strstr(text, " -s 10.1.0.1 -j KUBE-MARK-MASQ\n"));
	cr_assert(!strstr(text, "-> 10.1.0.1:80"));
	cr_assert(strstr(text, "\"ns1/svc1:p80 cluster IP\""));
	free(text);
	free(e);
	cJSON_Delete(eps);
	proxy_rules_out_free(&out);
	proxy_service_free(s);
}

Test(proxy_rules, bad_input_is_left_out)
{
	/* An address without an ip, and a service port no endpoint port is
	 * named after: the first is skipped, the second has no endpoints. */
	proxy_service *s = compile(
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"spec\":{\"clusterIP\":"
		"\"172.30.0.41\",\"ports\":[{\"name\":\"p80\",\"port\":80},{\"name\":\"web\","
		"\"port\":81},{\"name\":\"bad\",\"port\":0}]}}",
		"{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"subsets\":[{"
		"\"addresses\":"
		"[{\"ip\":\"10.180.0.1\"},{\"hostname\":\"noip\"}],\"ports\":[{\"name\":\"p80\","
		"\"port\":80}]}]}");
	cr_assert_eq(s->n_ports, 2);
	cr_assert_eq(s->ports[0].n_eps, 1);
	cr_assert_eq(s->ports[1].n_eps, 0);
	char *text = build(&s, 1, NULL, NULL, 0, NULL);
	cr_assert(strstr(text, "\"ns1/svc1:web has no endpoints\" -m tcp -p tcp -d 172.30.0.41 "
			       "--dport 81 -j REJECT\n"));
	free(text);
	proxy_service_free(s);

	/* Headless and ExternalName services program nothing. */
	s = compile("{\"metadata\":{\"namespace\":\"a\",\"name\":\"h\"},\"spec\":{\"clusterIP\":"
		    "\"None\",\"ports\":[{\"port\":80}]}}",
		    NULL);
	cr_assert_eq(s->n_ports, 0);
	proxy_service_free(s);
	cube_err err = CUBE_ERR_INIT;
	cJSON *noname = cJSON_Parse("{\"metadata\":{},\"spec\":{}}");
	cr_assert_null(proxy_service_compile(noname, NULL, "n", &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cJSON_Delete(noname);
}

Test(proxy_rules, nodeport_addresses_and_random_fully)
{
	proxy_service *s = compile(svc1, NULL);
	const char *ips[] = {"192.168.77.1"};
	proxy_rules_config c = {.masquerade_mark = "0x004000",
				.nodeport_ips = ips,
				.n_nodeport_ips = 1,
				.random_fully = true,
				.conntrack_liberal = true};
	proxy_rules_input in = {.svcs = &s, .n_svcs = 1};
	proxy_rules_out out;
	cr_assert_eq(proxy_rules_build(&c, &in, &out, NULL), 0);
	cr_assert(strstr(out.text, "NOTE: this must be the last rule in this chain\" -d "
				   "192.168.77.1 -j KUBE-NODEPORTS\n"));
	cr_assert(strstr(out.text, "-j MASQUERADE --random-fully\n"));
	cr_assert(strstr(out.text, "--mark 0x004000/0x004000 -j RETURN\n"));
	cr_assert(!strstr(out.text, "INVALID"));
	proxy_rules_out_free(&out);
	proxy_service_free(s);
}

/* ---- jump rules and cleanup from iptables-save text ------------------------------------ */

static const char nat_save[] =
	"# Generated by iptables-save\n"
	"*nat\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	":DOCKER - [0:0]\n"
	":KUBE-MARK-MASQ - [0:0]\n"
	":KUBE-NODEPORTS - [0:0]\n"
	":KUBE-POSTROUTING - [0:0]\n"
	":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
	":KUBE-SERVICES - [0:0]\n"
	":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
	"-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
	"-A OUTPUT -j DOCKER\n"
	"-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING\n"
	"COMMIT\n";

Test(proxy_rules, missing_jumps_and_chains_from_save)
{
	char *j = proxy_ipt_missing_jumps("nat", nat_save);
	cr_assert_str_eq(j, "-I OUTPUT 1 -m comment --comment \"kubernetes service portals\" -j "
			    "KUBE-SERVICES\n");
	free(j);
	j = proxy_ipt_missing_jumps("filter", "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
	cr_assert_eq(count_lines(j), 9);
	cr_assert(strstr(j, "-I FORWARD 1 -m comment --comment \"kubernetes forwarding rules\" -j "
			    "KUBE-FORWARD\n"));
	free(j);

	char **names;
	long n = proxy_ipt_chains(nat_save, &names);
	cr_assert_eq(n, 11);
	cr_assert_str_eq(names[0], "PREROUTING");
	cr_assert_str_eq(names[10], "KUBE-SVC-XPGD46QRK7WJZT7O");
	proxy_ipt_names_free(names, (size_t)n);
}

Test(proxy_rules, cleanup_batch_removes_only_ours)
{
	char *b = proxy_ipt_cleanup_batch("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", nat_save);
	const char *want =
		"*nat\n"
		":KUBE-MARK-MASQ - [0:0]\n"
		":KUBE-NODEPORTS - [0:0]\n"
		":KUBE-POSTROUTING - [0:0]\n"
		":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
		":KUBE-SERVICES - [0:0]\n"
		":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
		"-D PREROUTING -m comment --comment \"kubernetes service portals\" -j "
		"KUBE-SERVICES\n"
		"-D POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j "
		"KUBE-POSTROUTING\n"
		"-X KUBE-MARK-MASQ\n"
		"-X KUBE-NODEPORTS\n"
		"-X KUBE-POSTROUTING\n"
		"-X KUBE-SEP-SXIVWICOYRO3J4NJ\n"
		"-X KUBE-SERVICES\n"
		"-X KUBE-SVC-XPGD46QRK7WJZT7O\n"
		"COMMIT\n";
	cr_assert_str_eq(b, want);
	free(b);
	b = proxy_ipt_cleanup_batch("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
				    "*nat\n:DOCKER - [0:0]\nCOMMIT\n");
	cr_assert_str_eq(b, "");
	free(b);
}

/* ---- small parsers --------------------------------------------------------------------- */

Test(proxy_rules, durations_and_go_time)
{
	cr_assert_eq(proxy_parse_duration_ms("1s"), 1000);
	cr_assert_eq(proxy_parse_duration_ms("100ms"), 100);
	cr_assert_eq(proxy_parse_duration_ms("30"), 30000);
	cr_assert_eq(proxy_parse_duration_ms("1m30s"), 90000);
	cr_assert_eq(proxy_parse_duration_ms("0s"), 0);
	cr_assert_eq(proxy_parse_duration_ms("1x"), -1);
	cr_assert_eq(proxy_parse_duration_ms(""), -1);
	cr_assert_eq(proxy_parse_duration_ms("-1s"), -1);
	char b[64];
	proxy_go_time(1714557600.5, b, sizeof(b));
	cr_assert_str_eq(b, "2024-05-01 10:00:00.5 +0000 UTC");
	proxy_go_time(1714557600, b, sizeof(b));
	cr_assert_str_eq(b, "2024-05-01 10:00:00 +0000 UTC");
}

/* ---- unchanged top-level chains left out of partial syncs ----------------------------------- */

Test(proxy_rules, partial_sync_leaves_out_unchanged_top_level_chains)
{
	proxy_service *a1 = compile(svc1, eps3);
	proxy_rules_out first;
	char *t1 = build(&a1, 1, NULL, NULL, 0, &first);
	proxy_top_digest d1, d2;
	cr_assert_eq(proxy_rules_elide(t1, NULL, &d1, NULL, NULL, NULL), 0);
	cr_assert(d1.valid);

	/* An endpoint goes away: KUBE-SERVICES is unchanged and left out;
	 * the service's own chains and the -X are kept. */
	proxy_service *a2 = compile(
		svc1, "{\"metadata\":{\"namespace\":\"ns1\",\"name\":\"svc1\"},\"subsets\":[{"
		      "\"addresses\":[{\"ip\":\"10.180.2.1\"},{\"ip\":\"10.180.0.1\"}],\"ports\":[{"
		      "\"name\":\"p80\",\"port\":80}]}]}");
	cube_strmap *changed = cube_strmap_new();
	cube_strmap_put(changed, "ns1/svc1", (void *)1, NULL);
	const char *existing[] = {"KUBE-SEP-TOIS5JUHRKSSXDL7"};
	char *t2 = build(&a2, 1, changed, existing, 1, NULL);
	char *out = NULL;
	size_t len = 0, elided = 0;
	cr_assert_eq(proxy_rules_elide(t2, &d1, &d2, &out, &len, &elided), 0);
	cr_assert_eq(elided, PROXY_TOP_CHAINS);
	const char *want =
		"*filter\n"
		"COMMIT\n"
		"*nat\n"
		":KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]\n"
		":KUBE-SEP-SXIVWICOYRO3J4NJ - [0:0]\n"
		":KUBE-SEP-ZX7GRIZKSNUQ3LAJ - [0:0]\n"
		":KUBE-SEP-TOIS5JUHRKSSXDL7 - [0:0]\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 cluster IP\" -m "
		"tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.0.1:80\" "
		"-m statistic --mode random --probability 0.5000000000 -j "
		"KUBE-SEP-SXIVWICOYRO3J4NJ\n"
		"-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment \"ns1/svc1:p80 -> "
		"10.180.2.1:80\" "
		"-j KUBE-SEP-ZX7GRIZKSNUQ3LAJ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -s 10.180.0.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.0.1:80\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -s 10.180.2.1 -j "
		"KUBE-MARK-MASQ\n"
		"-A KUBE-SEP-ZX7GRIZKSNUQ3LAJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j "
		"DNAT --to-destination 10.180.2.1:80\n"
		"-X KUBE-SEP-TOIS5JUHRKSSXDL7\n"
		"COMMIT\n";
	cr_assert_str_eq(out, want);
	cr_assert_eq(len, strlen(want));
	free(out);
	free(t2);

	/* The last endpoint goes: the clusterIP rule moves from nat
	 * KUBE-SERVICES to a REJECT in filter KUBE-SERVICES; both are kept,
	 * the other top-level chains are left out. */
	proxy_service *a3 = compile(svc1, NULL);
	t2 = build(&a3, 1, changed, NULL, 0, NULL);
	cr_assert_eq(proxy_rules_elide(t2, &d1, &d2, &out, &len, &elided), 0);
	cr_assert_eq(elided, PROXY_TOP_CHAINS - 2);
	cr_assert(strstr(out, "*filter\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment "
			      "--comment \"ns1/svc1:p80 has no endpoints\""),
		  "%s", out);
	cr_assert(strstr(out, "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -m comment "
			      "--comment \"kubernetes service nodeports;"),
		  "%s", out);
	cr_assert(!strstr(out, "KUBE-FORWARD"));
	cr_assert(!strstr(out, "KUBE-POSTROUTING"));
	free(out);
	free(t1);
	free(t2);
	cube_strmap_free(changed);
	proxy_rules_out_free(&first);
	proxy_service_free(a1);
	proxy_service_free(a2);
	proxy_service_free(a3);
}
