/* cluster_harness.c - a control plane of real processes (see cluster_harness.h). */
#include "cluster_harness.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "obj.h"
#include "proc.h"

#define MAX_ARGS 64

static const char *bin(const char *name, char *buf, size_t size)
{
	const char *dir = getenv("CUBE_BIN_DIR");
	snprintf(buf, size, "%s/%s", dir && dir[0] ? dir : "build/asan/bin", name);
	return buf;
}

/* argv = base then extra (NULL-terminated), into out. */
static void join_args(const char **out, const char *const *base, const char *const *extra)
{
	int n = 0;
	for (int i = 0; base[i] && n < MAX_ARGS - 1; i++)
		out[n++] = base[i];
	for (int i = 0; extra && extra[i] && n < MAX_ARGS - 1; i++)
		out[n++] = extra[i];
	out[n] = NULL;
}

static int ready_nodes(cube_kclient *c)
{
	cJSON *l = cube_kclient_list(c, &CUBE_GVR_NODES, NULL, NULL, NULL);
	int ready = 0;
	const cJSON *n;
	cJSON_ArrayForEach (n, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const cJSON *cond;
		cJSON_ArrayForEach (cond, cube_json_path(n, "status.conditions")) {
			const char *t = cube_json_str(cond, "type"),
				   *s = cube_json_str(cond, "status");
			if (t && s && !strcmp(t, "Ready") && !strcmp(s, "True"))
				ready++;
		}
	}
	cJSON_Delete(l);
	return ready;
}

int cube_test_cluster_start(cube_test_cluster *k, const cube_test_cluster_opts *o)
{
	memset(k, 0, sizeof(*k));
	if (o)
		k->opts = *o;
	if (k->opts.cubelets <= 0)
		k->opts.cubelets = 1;
	if (k->opts.cubelets > CUBE_TEST_MAX_CUBELETS)
		k->opts.cubelets = CUBE_TEST_MAX_CUBELETS;
	if (k->opts.hollow_nodes <= 0)
		k->opts.hollow_nodes = 3;
	if (cube_test_api_start(&k->api, NULL) < 0)
		return -1;
	snprintf(k->log, sizeof(k->log), "%s/components.log", k->api.etcd.dir);
	setenv("CUBE_TEST_KUBECTL", k->api.kubectl, 1); /* for cube_test_kubectl */
	cube_kclient_config cfg = {.server = k->api.url};
	k->client = cube_kclient_new(&cfg, NULL);
	char b[512], nodes[16], first[16];
	const char *argv[MAX_ARGS];
	snprintf(nodes, sizeof(nodes), "%d", k->opts.hollow_nodes);
	for (int i = 0; i < k->opts.cubelets; i++) {
		snprintf(first, sizeof(first), "%d", i * k->opts.hollow_nodes);
		const char *base[] = {bin("cubelet", b, sizeof(b)),
				      "--master",
				      k->api.url,
				      "--hollow-nodes",
				      nodes,
				      "--hollow-first-index",
				      first,
				      "--port",
				      "-1",
				      "--cpu",
				      "8",
				      "--memory",
				      "16Gi",
				      "--node-heartbeat-interval",
				      "1s",
				      NULL};
		join_args(argv, base, k->opts.cubelet_args);
		k->cubelets[i] = cube_test_spawn(argv, k->log, false);
	}
	if (!k->opts.no_scheduler) {
		const char *base[] = {bin("cube-scheduler", b, sizeof(b)),
				      "--master",
				      k->api.url,
				      "--port",
				      "-1",
				      "--leader-elect=false",
				      NULL};
		k->scheduler = cube_test_spawn(base, k->log, false);
	}
	if (!k->opts.no_controller_manager) {
		const char *base[] = {bin("cube-controller-manager", b, sizeof(b)),
				      "--master",
				      k->api.url,
				      "--port",
				      "-1",
				      "--leader-elect=false",
				      NULL};
		join_args(argv, base, k->opts.cm_args);
		k->cm = cube_test_spawn(argv, k->log, false);
	}
	int want = k->opts.cubelets * k->opts.hollow_nodes;
	for (int w = 0; w < 600; w++) {
		if (ready_nodes(k->client) >= want)
			return 0;
		cube_test_sleep_ms(50);
	}
	fprintf(stderr, "cluster harness: %d nodes did not become Ready\n", want);
	cube_test_print_tail(k->log);
	cube_test_cluster_destroy(k);
	return -1;
}

void cube_test_cluster_kill_cubelet(cube_test_cluster *k, int i)
{
	if (i < 0 || i >= CUBE_TEST_MAX_CUBELETS || k->cubelets[i] <= 0)
		return;
	kill(k->cubelets[i], SIGKILL);
	waitpid(k->cubelets[i], NULL, 0);
	k->cubelets[i] = 0;
}

void cube_test_cluster_destroy(cube_test_cluster *k)
{
	if (k->cm > 0)
		cube_test_kill(k->cm, 5000);
	if (k->scheduler > 0)
		cube_test_kill(k->scheduler, 5000);
	for (int i = 0; i < CUBE_TEST_MAX_CUBELETS; i++)
		if (k->cubelets[i] > 0)
			cube_test_kill(k->cubelets[i], 5000);
	k->cm = k->scheduler = 0;
	memset(k->cubelets, 0, sizeof(k->cubelets));
	cube_kclient_free(k->client);
	k->client = NULL;
	cube_test_api_destroy(&k->api);
}
