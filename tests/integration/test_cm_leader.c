/* test_cm_leader.c - two cube-controller-manager processes elect one leader
 * on the Lease kube-system/kube-controller-manager; only the leader acts;
 * when it dies, the other takes over within the lease duration and acts. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cluster_harness.h"
#include "obj.h"

static cube_test_cluster k;
static pid_t cms[2];

static const char *bin(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("CUBE_BIN_DIR");
	snprintf(buf, size, "%s/%s", dir && dir[0] ? dir : "build/asan/bin", name);
	return buf;
}

static void setup(void)
{
	cr_assert_eq(cube_test_cluster_start(
			     &k, &(cube_test_cluster_opts){.hollow_nodes = 2,
							   .no_controller_manager = true}),
		     0);
	char b[512];
	for (int i = 0; i < 2; i++) {
		const char *argv[] = {bin("cube-controller-manager", b, sizeof(b)),
				      "--master",
				      k.api.url,
				      "--port",
				      "-1",
				      "--leader-elect",
				      NULL};
		cms[i] = cube_test_spawn(argv, k.log, false);
	}
}

static void teardown(void)
{
	for (int i = 0; i < 2; i++)
		if (cms[i] > 0)
			cube_test_kill(cms[i], 5000);
	cube_test_cluster_destroy(&k);
}

TestSuite(cm_leader, .init = setup, .fini = teardown, .timeout = 120);

/* The Lease's holder identity (host_pid), or "" */
static void holder(char *buf, size_t size)
{
	cJSON *l = cube_kclient_get(k.client, &CUBE_GVR_LEASES, "kube-system",
				    "kube-controller-manager", NULL);
	const char *h = cube_json_str(l, "spec.holderIdentity");
	snprintf(buf, size, "%s", h ? h : "");
	cJSON_Delete(l);
}

static int ready_replicas(const char *name)
{
	cJSON *rs = cube_kclient_get(k.client, &CUBE_GVR_REPLICASETS, "default", name, NULL);
	int n = (int)cube_json_int(rs, "status.readyReplicas", 0);
	cJSON_Delete(rs);
	return n;
}

static void create_rs(const char *name, int replicas)
{
	char body[1024];
	snprintf(body, sizeof(body),
		 "{\"apiVersion\":\"apps/"
		 "v1\",\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"%s\"},"
		 "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},"
		 "\"template\":{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{"
		 "\"containers\":[{"
		 "\"name\":\"c\",\"image\":\"i\"}]}}}}",
		 name, replicas, name, name);
	cJSON *o = cube_json_parse(body, strlen(body), NULL);
	cube_err err = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(k.client, &CUBE_GVR_REPLICASETS, "default", o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(o);
}

static bool wait_ready(const char *name, int want, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		if (ready_replicas(name) == want)
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

Test(cm_leader, one_leads_and_the_other_takes_over_when_it_dies)
{
	char h[256] = "";
	for (int w = 0; w < 200 && !h[0]; w++) {
		holder(h, sizeof(h));
		cube_test_sleep_ms(100);
	}
	cr_assert(h[0], "nobody took the Lease");
	const char *us = strrchr(h, '_');
	cr_assert_not_null(us, "holder %s is not host_pid", h);
	pid_t leader = (pid_t)atoi(us + 1);
	int li = leader == cms[0] ? 0 : leader == cms[1] ? 1 : -1;
	cr_assert_geq(li, 0, "the holder %s is neither process", h);
	create_rs("first", 2);
	cr_assert(wait_ready("first", 2, 30000), "the leader did not act");
	/* The leader dies without releasing the Lease (SIGKILL). */
	kill(cms[li], SIGKILL);
	waitpid(cms[li], NULL, 0);
	cms[li] = 0;
	create_rs("second", 2);
	/* The standby does not act while the dead leader's Lease runs. */
	cube_test_sleep_ms(2000);
	char h1[256];
	holder(h1, sizeof(h1));
	if (!strcmp(h1, h))
		cr_expect_eq(ready_replicas("second"), 0, "the standby acted without the Lease");
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default",
				     &(cube_list_opts){.label_selector = "app=second"}, NULL);
	if (!strcmp(h1, h))
		cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items")), 0,
			     "the standby created pods without the Lease");
	cJSON_Delete(l);
	char h2[256] = "";
	for (int w = 0; w < 400; w++) {
		holder(h2, sizeof(h2));
		if (h2[0] && strcmp(h2, h))
			break;
		cube_test_sleep_ms(100);
	}
	cr_assert_str_neq(h2, h, "the Lease was not taken over");
	char want[64];
	snprintf(want, sizeof(want), "_%d", (int)cms[1 - li]);
	cr_assert(strstr(h2, want), "the new holder %s is not the survivor", h2);
	cr_assert(wait_ready("second", 2, 30000), "the new leader did not act");
}
