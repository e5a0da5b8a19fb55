/* test_hostport.c - kubelet/hostport.c's rules and restore batch. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kubelet/hostport.h"
#include "obj.h"

static cJSON *pod(const char *spec)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\"},\"spec\":%s}", spec);
	cJSON *p = cJSON_Parse(buf);
	cr_assert_not_null(p, "%s", buf);
	return p;
}

Test(hostport, one_dnat_rule_per_host_port)
{
	cJSON *p = pod("{\"containers\":[{\"name\":\"a\",\"ports\":["
		       "{\"containerPort\":8080,\"hostPort\":18080},"
		       "{\"containerPort\":53,\"hostPort\":5353,\"protocol\":\"UDP\","
		       "\"hostIP\":\"172.30.0.2\"},"
		       "{\"containerPort\":9090}]},"
		       "{\"name\":\"b\",\"ports\":[{\"containerPort\":70,\"hostPort\":7070,"
		       "\"protocol\":\"SCTP\"}]}]}");
	char *r = hostports_rules(p, "10.244.1.5");
	cr_assert_str_eq(r, "-A CUBE-HOSTPORTS -p tcp -m comment --comment \"shop/web a\" -m tcp "
			    "--dport 18080 -j DNAT --to-destination 10.244.1.5:8080\n"
			    "-A CUBE-HOSTPORTS -d 172.30.0.2/32 -p udp -m comment --comment "
			    "\"shop/web a\" -m udp --dport 5353 -j DNAT --to-destination "
			    "10.244.1.5:53\n"
			    "-A CUBE-HOSTPORTS -p sctp -m comment --comment \"shop/web b\" -m sctp "
			    "--dport 7070 -j DNAT --to-destination 10.244.1.5:70\n");
	free(r);
	cJSON_Delete(p);
}

Test(hostport, none_for_host_network_or_no_host_ports)
{
	cJSON *p = pod("{\"hostNetwork\":true,\"containers\":[{\"name\":\"a\",\"ports\":["
		       "{\"containerPort\":8080,\"hostPort\":8080}]}]}");
	char *r = hostports_rules(p, "172.30.0.2");
	cr_expect_str_eq(r, "");
	free(r);
	cJSON_Delete(p);
	p = pod("{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80},"
		"{\"containerPort\":81,\"hostPort\":70000}]}]}");
	r = hostports_rules(p, "10.0.0.1");
	cr_expect_str_eq(r, "");
	free(r);
	cJSON_Delete(p);
}

Test(hostport, the_batch_flushes_the_chain_and_adds_jumps_once)
{
	char *b =
		hostports_batch("-A CUBE-HOSTPORTS -p tcp -j DNAT --to-destination 1.2.3.4:1\n", 1);
	cr_assert_str_eq(b, "*nat\n:CUBE-HOSTPORTS - [0:0]\n"
			    "-I PREROUTING 1 -m comment --comment \"cube hostports\" -m addrtype "
			    "--dst-type LOCAL -j CUBE-HOSTPORTS\n"
			    "-I OUTPUT 1 -m comment --comment \"cube hostports\" -m addrtype "
			    "--dst-type LOCAL -j CUBE-HOSTPORTS\n"
			    "-A CUBE-HOSTPORTS -p tcp -j DNAT --to-destination 1.2.3.4:1\n"
			    "COMMIT\n");
	free(b);
	b = hostports_batch("", 0);
	cr_expect_str_eq(b, "*nat\n:CUBE-HOSTPORTS - [0:0]\nCOMMIT\n");
	free(b);
}
