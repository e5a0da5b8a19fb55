/* test_top.c - the pure parts behind `kubectl top`: the cubelet's CPU rate
 * from two samples of a cumulative counter and its readers of cgroup and
 * /proc files (kubelet/stats.c), and the API server's usage quantities and
 * metrics objects as metrics-server writes them (apiserver/metricsapi.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "apiserver/apiserver.h"
#include "kubelet/cubelet.h"
#include "obj.h"

#define S 1000000000LL /* a second in ns */
#define MIN_GAP S

Test(cpu_window, the_rate_needs_two_samples)
{
	cube_cpu_window w = {0};
	cr_assert_eq(stats_cpu_feed(&w, 10 * S, 5 * S, MIN_GAP), -1);
	/* half a core for 2 s: 1 s of CPU */
	cr_assert_eq(stats_cpu_feed(&w, 12 * S, 6 * S, MIN_GAP), 500000000);
	/* a whole core for 4 s */
	cr_assert_eq(stats_cpu_feed(&w, 16 * S, 10 * S, MIN_GAP), 1000000000);
	/* idle */
	cr_assert_eq(stats_cpu_feed(&w, 18 * S, 10 * S, MIN_GAP), 0);
}

Test(cpu_window, a_sample_too_soon_keeps_the_last_rate_and_window)
{
	cube_cpu_window w = {0};
	stats_cpu_feed(&w, 0, 0, MIN_GAP);
	cr_assert_eq(stats_cpu_feed(&w, 2 * S, S, MIN_GAP), 500000000);
	/* 100 ms later, with a busy burst: not used */
	cr_assert_eq(stats_cpu_feed(&w, 2 * S + S / 10, S + S / 10, MIN_GAP), 500000000);
	cr_assert_eq(w.t_ns, 2 * S);
	/* measured from the last sample used: 2 s at 1.5 cores */
	cr_assert_eq(stats_cpu_feed(&w, 4 * S, 4 * S, MIN_GAP), 1500000000);
	/* the same instant again */
	cr_assert_eq(stats_cpu_feed(&w, 4 * S, 4 * S, 0), 1500000000);
}

Test(cpu_window, a_counter_that_goes_back_starts_over)
{
	cube_cpu_window w = {0};
	stats_cpu_feed(&w, 0, 100 * S, MIN_GAP);
	cr_assert_eq(stats_cpu_feed(&w, 10 * S, 105 * S, MIN_GAP), 500000000);
	/* a new cgroup under the same key */
	cr_assert_eq(stats_cpu_feed(&w, 20 * S, 1 * S, MIN_GAP), -1);
	cr_assert_eq(stats_cpu_feed(&w, 22 * S, 3 * S, MIN_GAP), 1000000000);
}

Test(cpu_window, large_counters_do_not_overflow)
{
	cube_cpu_window w = {0};
	uint64_t base = (uint64_t)1 << 62;
	stats_cpu_feed(&w, S, base, MIN_GAP);
	/* 64 cores for 1000 s */
	cr_assert_eq(stats_cpu_feed(&w, 1001 * S, base + (uint64_t)64000 * S, MIN_GAP), 64 * S);
}

Test(stats_files, self_cgroup_of_v1_and_v2)
{
	const char *v1 = "12:pids:/\n4:memory:/process_api/abc\n3:cpu,cpuacct:/user.slice\n"
			 "1:name=systemd:/\n0::/\n";
	char buf[256];
	cr_assert(stats_self_cgroup(v1, "memory", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "/process_api/abc");
	cr_assert(stats_self_cgroup(v1, "cpuacct", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "/user.slice");
	cr_assert(stats_self_cgroup(v1, "cpu", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "/user.slice");
	cr_assert(stats_self_cgroup(v1, "", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "/");
	cr_assert_not(stats_self_cgroup(v1, "blkio", buf, sizeof(buf)));
	cr_assert_not(stats_self_cgroup(v1, "mem", buf, sizeof(buf)));
	cr_assert(stats_self_cgroup("0::/kubepods/pod1\n", "", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "/kubepods/pod1");
	cr_assert_not(stats_self_cgroup("", "memory", buf, sizeof(buf)));
}

Test(stats_files, key_value_files)
{
	const char *stat = "cache 4096\nrss 8192\ntotal_inactive_file 12288\ntotal_rss 16384\n";
	uint64_t v = 0;
	cr_assert(stats_kv(stat, "rss", &v));
	cr_assert_eq(v, 8192);
	cr_assert(stats_kv(stat, "total_inactive_file", &v));
	cr_assert_eq(v, 12288);
	cr_assert_not(stats_kv(stat, "inactive_file", &v));
	cr_assert_not(stats_kv(stat, "total", &v));
	const char *meminfo = "MemTotal:       24576000 kB\nMemFree:         1000 kB\n"
			      "Inactive(file):   2048 kB\n";
	cr_assert(stats_kv(meminfo, "MemTotal", &v));
	cr_assert_eq(v, 24576000);
	cr_assert(stats_kv(meminfo, "Inactive(file)", &v));
	cr_assert_eq(v, 2048);
	cr_assert(stats_kv("usage_usec 123456\nuser_usec 1\n", "usage_usec", &v));
	cr_assert_eq(v, 123456);
	cr_assert_not(stats_kv("oom_kill x\n", "oom_kill", &v));
}

static void expect_cpu(int64_t nano, const char *want)
{
	char buf[64];
	metricsapi_cpu(nano, buf, sizeof(buf));
	cr_expect_str_eq(buf, want, "cpu %lld", (long long)nano);
}

static void expect_memory(int64_t bytes, const char *want)
{
	char buf[64];
	metricsapi_memory(bytes, buf, sizeof(buf));
	cr_expect_str_eq(buf, want, "memory %lld", (long long)bytes);
}

Test(metrics_quantities, as_metrics_server_writes_them)
{
	/* nano-cores, DecimalSI: the largest exact suffix */
	expect_cpu(123456789, "123456789n");
	expect_cpu(5000000, "5m");
	expect_cpu(1500000, "1500u");
	expect_cpu(2000000000, "2");
	expect_cpu(0, "0");
	/* bytes, BinarySI */
	expect_memory(34607104, "33796Ki");
	expect_memory(34603008, "33Mi");
	expect_memory(1024, "1Ki");
	expect_memory(1048576, "1Mi");
	expect_memory(1000, "1k"); /* under a whole Ki: DecimalSI, as Kubernetes prints it */
	expect_memory(4097, "4097");
	expect_memory(0, "0");
}

Test(metrics_objects, from_a_summary)
{
	cJSON *sum = cJSON_Parse(
		"{\"node\":{\"nodeName\":\"n1\",\"cpu\":{\"time\":\"2026-11-26T01:02:03Z\","
		"\"usageNanoCores\":250000000,\"usageCoreNanoSeconds\":9},\"memory\":{\"time\":"
		"\"2026-11-26T01:02:03Z\",\"workingSetBytes\":2097152}},\"pods\":[{\"podRef\":{"
		"\"name\":\"p\",\"namespace\":\"ns\",\"uid\":\"u\"},\"cpu\":{\"time\":"
		"\"2026-11-26T01:02:04Z\"},\"containers\":[{\"name\":\"a\",\"cpu\":{"
		"\"usageNanoCores\":1234},\"memory\":{\"workingSetBytes\":4096}}]},{\"podRef\":{"
		"\"name\":\"young\",\"namespace\":\"ns\"},\"containers\":[{\"name\":\"a\",\"cpu\":"
		"{\"usageCoreNanoSeconds\":5},\"memory\":{\"workingSetBytes\":4096}}]}]}");
	cr_assert_not_null(sum);
	cJSON *nm = metricsapi_node_metrics(sum);
	cr_assert_not_null(nm);
	cr_assert_str_eq(cube_json_str(nm, "kind"), "NodeMetrics");
	cr_assert_str_eq(cube_json_str(nm, "apiVersion"), "metrics.k8s.io/v1beta1");
	cr_assert_str_eq(cube_json_str(nm, "metadata.name"), "n1");
	cr_assert_str_eq(cube_json_str(nm, "timestamp"), "2026-11-26T01:02:03Z");
	cr_assert_str_eq(cube_json_str(nm, "usage.cpu"), "250m");
	cr_assert_str_eq(cube_json_str(nm, "usage.memory"), "2Mi");
	cJSON_Delete(nm);
	const cJSON *pods = cJSON_GetObjectItem(sum, "pods");
	cJSON *pm = metricsapi_pod_metrics(cJSON_GetArrayItem(pods, 0));
	cr_assert_not_null(pm);
	cr_assert_str_eq(cube_json_str(pm, "kind"), "PodMetrics");
	cr_assert_str_eq(cube_json_str(pm, "metadata.namespace"), "ns");
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(pm, "containers"), 0);
	cr_assert_str_eq(cube_json_str(c, "name"), "a");
	cr_assert_str_eq(cube_json_str(c, "usage.cpu"), "1234n");
	cr_assert_str_eq(cube_json_str(c, "usage.memory"), "4Ki");
	cJSON_Delete(pm);
	/* a container without a rate yet: the pod is absent, as in metrics-server */
	cr_assert_null(metricsapi_pod_metrics(cJSON_GetArrayItem(pods, 1)));
	/* a node without a rate: absent */
	cJSON *node_cpu = cJSON_GetObjectItem(cJSON_GetObjectItem(sum, "node"), "cpu");
	cJSON_DeleteItemFromObject(node_cpu, "usageNanoCores");
	cr_assert_null(metricsapi_node_metrics(sum));
	cJSON_Delete(sum);
}
