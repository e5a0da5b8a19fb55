/* test_cm_deploy.c - the controller-manager's ReplicaSet, Deployment and
 * garbage-collector controllers against real processes (etcd, the API
 * server, hollow cubelets, the scheduler), driven with the real kubectl:
 * a Deployment reaches its replicas; `kubectl set image` rolls it within
 * maxSurge and maxUnavailable, checked on every pod event of a watch;
 * `rollout undo` and `rollout history` read as on a real cluster; pause and
 * resume; Recreate never runs old and new pods together; ReplicaSets adopt
 * and release pods; deleting a Deployment deletes what it owned
 * (background, foreground) or leaves it (orphan). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_harness.h"
#include "obj.h"
#include "strmap.h"

static cube_test_cluster k;

static void setup(void)
{
	cr_assert_eq(cube_test_cluster_start(&k, &(cube_test_cluster_opts){.hollow_nodes = 3}), 0);
}

static void teardown(void)
{
	cube_test_cluster_destroy(&k);
}

TestSuite(cm_deploy, .init = setup, .fini = teardown, .timeout = 150);

static cJSON *parse(const char *text)
{
	return cube_json_parse(text, strlen(text), NULL);
}

static void apply(const char *yaml)
{
	char path[700], out[8192];
	snprintf(path, sizeof(path), "%s/manifest.yaml", k.api.etcd.dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(yaml, f);
	fclose(f);
	int rc = cube_test_kubectl(out, sizeof(out), "apply -f %s", path);
	cr_assert_eq(rc, 0, "kubectl apply failed: %s", out);
}

static const char *deployment_yaml(char *buf, size_t size, const char *name, int replicas,
				   const char *image, const char *strategy)
{
	snprintf(buf, size,
		 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\nspec:\n"
		 "  replicas: %d\n  selector:\n    matchLabels: {app: %s}\n%s"
		 "  template:\n    metadata:\n      labels: {app: %s}\n    spec:\n"
		 "      containers:\n      - name: web\n        image: %s\n",
		 name, replicas, name, strategy ? strategy : "", name, image);
	return buf;
}

static int64_t field(const cJSON *o, const char *path)
{
	return cube_json_int(o, path, 0);
}

/* Waits until the deployment's status says everything is rolled out. */
static bool wait_rolled_out(const char *name, int replicas, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		cJSON *d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", name, NULL);
		bool ok =
			d &&
			field(d, "status.observedGeneration") >= field(d, "metadata.generation") &&
			field(d, "status.updatedReplicas") == replicas &&
			field(d, "status.replicas") == replicas &&
			field(d, "status.availableReplicas") == replicas;
		cJSON_Delete(d);
		if (ok)
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

static int count(const cube_gvr *r, const char *selector)
{
	cube_list_opts o = {.label_selector = selector};
	cJSON *l = cube_kclient_list(k.client, r, "default", &o, NULL);
	int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items"));
	cJSON_Delete(l);
	return n;
}

static bool wait_count(const cube_gvr *r, const char *selector, int want, int ms)
{
	for (int w = 0; w < ms; w += 100) {
		if (count(r, selector) == want)
			return true;
		cube_test_sleep_ms(100);
	}
	return false;
}

Test(cm_deploy, a_deployment_of_10_reaches_10_available)
{
	char y[2048], out[8192];
	apply(deployment_yaml(y, sizeof(y), "web", 10, "web:v1", NULL));
	cr_assert(wait_rolled_out("web", 10, 60000), "not rolled out");
	cr_assert_eq(count(&CUBE_GVR_PODS, "app=web"), 10);
	/* kubectl reads it as it reads a real cluster's */
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout status deploy/web --timeout=20s"),
		     0, "%s", out);
	cr_assert(strstr(out, "deployment \"web\" successfully rolled out"), "%s", out);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "get rs -l app=web --no-headers"), 0);
	cr_assert_eq(cube_test_count_lines(out), 1, "%s", out);
	cr_assert(strncmp(out, "web-", 4) == 0, "%s", out);
	char *w[8];
	char buf[512];
	cr_assert_eq(cube_test_words(out, 0, buf, sizeof(buf), w, 8), 5, "%s", out);
	cr_expect_str_eq(w[1], "10"); /* DESIRED */
	cr_expect_str_eq(w[2], "10"); /* CURRENT */
	cr_expect_str_eq(w[3], "10"); /* READY */
	/* The ReplicaSet carries what kubectl relies on. */
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_REPLICASETS, "default",
				     &(cube_list_opts){.label_selector = "app=web"}, NULL);
	const cJSON *rs = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(l, "items"), 0);
	const char *hash = cube_obj_label(rs, "pod-template-hash");
	cr_assert_not_null(hash);
	char want[64];
	snprintf(want, sizeof(want), "web-%s", hash);
	cr_expect_str_eq(cube_obj_name(rs), want);
	cr_expect_str_eq(cube_json_str(rs, "spec.selector.matchLabels.pod-template-hash"), hash);
	cr_expect_str_eq(cube_obj_annotation(rs, "deployment.kubernetes.io/revision"), "1");
	cr_expect_str_eq(cube_obj_annotation(rs, "deployment.kubernetes.io/desired-replicas"),
			 "10");
	cr_expect_str_eq(cube_obj_annotation(rs, "deployment.kubernetes.io/max-replicas"), "13");
	cJSON *d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "web", NULL);
	cr_expect_str_eq(cube_obj_controller_uid(rs), cube_obj_uid(d));
	cr_expect_str_eq(cube_obj_annotation(d, "deployment.kubernetes.io/revision"), "1");
	cJSON_Delete(d);
	cJSON_Delete(l);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "describe deploy web"), 0);
	cr_expect(strstr(out, "Available      True    MinimumReplicasAvailable"), "%s", out);
	cr_expect(strstr(out, "Progressing    True    NewReplicaSetAvailable"), "%s", out);
	cr_expect(strstr(out, "Scaled up replica set web-"), "%s", out);
}

/* ---- a watch that checks the rollout's bounds on every pod event ---- */

typedef struct bounds {
	atomic_int cancel;
	cube_strmap *pods; /* key -> 1 active-not-ready, 2 active-ready */
	int max_active, min_available;
	int events;
	char rv[32];
	pthread_t t;
} bounds;

static int state_of(const cJSON *p)
{
	if (cube_json_str(p, "metadata.deletionTimestamp"))
		return 0;
	const char *ph = cube_json_str(p, "status.phase");
	if (ph && (!strcmp(ph, "Succeeded") || !strcmp(ph, "Failed")))
		return 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(p, "status.conditions")) {
		const char *t = cube_json_str(c, "type"), *s = cube_json_str(c, "status");
		if (t && s && !strcmp(t, "Ready"))
			return !strcmp(s, "True") ? 2 : 1;
	}
	return 1;
}

static int tally(void *ud, const char *key, void *v)
{
	(void)key;
	int *c = ud;
	c[0]++;
	c[1] += (intptr_t)v == 2;
	return 0;
}

static int on_event(void *ud, const char *type, cJSON *obj)
{
	bounds *b = ud;
	char key[CUBE_OBJ_KEY_MAX];
	if (!strcmp(type, "BOOKMARK") || cube_obj_key(obj, key, sizeof(key), NULL) < 0)
		return 0;
	int st = strcmp(type, "DELETED") ? state_of(obj) : 0;
	if (st)
		cube_strmap_put(b->pods, key, (void *)(intptr_t)st, NULL);
	else
		cube_strmap_del(b->pods, key);
	int c[2] = {0, 0};
	cube_strmap_each(b->pods, tally, c);
	if (c[0] > b->max_active)
		b->max_active = c[0];
	if (c[1] < b->min_available)
		b->min_available = c[1];
	b->events++;
	return 0;
}

static void *watch_main(void *ud)
{
	bounds *b = ud;
	while (!atomic_load(&b->cancel)) {
		cube_watch_opts o = {.label_selector = "app=roll", .resource_version = b->rv};
		cube_err err = CUBE_ERR_INIT;
		cube_kclient_watch(k.client, &CUBE_GVR_PODS, "default", &o, on_event, b, &b->cancel,
				   &err);
		break; /* one stream is enough for a test; a break would show as missing events */
	}
	return NULL;
}

Test(cm_deploy, set_image_rolls_within_max_surge_and_max_unavailable)
{
	char y[2048], out[8192];
	apply(deployment_yaml(
		y, sizeof(y), "roll", 10, "web:v1",
		"  strategy:\n    rollingUpdate: {maxSurge: 3, maxUnavailable: 2}\n"));
	cr_assert(wait_rolled_out("roll", 10, 60000));
	/* Start watching from the list's state. */
	bounds b = {.pods = cube_strmap_new(), .max_active = 0, .min_available = 1 << 30};
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default",
				     &(cube_list_opts){.label_selector = "app=roll"}, NULL);
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		char key[CUBE_OBJ_KEY_MAX];
		cube_obj_key(p, key, sizeof(key), NULL);
		cube_strmap_put(b.pods, key, (void *)(intptr_t)state_of(p), NULL);
	}
	snprintf(b.rv, sizeof(b.rv), "%s", cube_json_str(l, "metadata.resourceVersion"));
	cJSON_Delete(l);
	b.min_available = 10;
	b.max_active = 10;
	pthread_create(&b.t, NULL, watch_main, &b);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "set image deploy/roll web=web:v2"), 0,
		     "%s", out);
	cr_assert(wait_rolled_out("roll", 10, 90000), "the rollout did not finish");
	cube_test_sleep_ms(1000); /* the last deletions reach the watch */
	atomic_store(&b.cancel, 1);
	pthread_join(b.t, NULL);
	cr_expect_gt(b.events, 20, "the watch saw only %d events", b.events);
	cr_expect_leq(b.max_active, 13, "%d pods at once (> replicas + maxSurge)", b.max_active);
	cr_expect_geq(b.min_available, 8, "only %d available (< replicas - maxUnavailable)",
		      b.min_available);
	cube_strmap_free(b.pods);
	/* Every pod now runs the new image. */
	cJSON *pods = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default",
					&(cube_list_opts){.label_selector = "app=roll"}, NULL);
	int v2 = 0;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(pods, "items")) {
		const char *img = cube_json_str(
			cJSON_GetArrayItem(cube_json_path(p, "spec.containers"), 0), "image");
		v2 += img && !strcmp(img, "web:v2") && state_of(p);
	}
	cJSON_Delete(pods);
	cr_expect_eq(v2, 10);
}

Test(cm_deploy, rollout_undo_and_history_as_on_a_real_cluster)
{
	char y[2048], out[8192];
	apply(deployment_yaml(y, sizeof(y), "hist", 3, "web:v1", NULL));
	cr_assert(wait_rolled_out("hist", 3, 60000));
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_REPLICASETS, "default",
				     &(cube_list_opts){.label_selector = "app=hist"}, NULL);
	char first_rs[128];
	snprintf(
		first_rs, sizeof(first_rs), "%s",
		cube_obj_name(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(l, "items"), 0)));
	cJSON_Delete(l);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "set image deploy/hist web=web:v2"), 0);
	cr_assert_eq(
		cube_test_kubectl(out, sizeof(out), "rollout status deploy/hist --timeout=60s"), 0,
		"%s", out);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout history deploy/hist"), 0);
	cr_expect(cube_test_has_line(out, "1         <none>"), "%s", out);
	cr_expect(cube_test_has_line(out, "2         <none>"), "%s", out);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout undo deploy/hist"), 0, "%s", out);
	cr_expect(strstr(out, "deployment.apps/hist rolled back"), "%s", out);
	cr_assert_eq(
		cube_test_kubectl(out, sizeof(out), "rollout status deploy/hist --timeout=60s"), 0,
		"%s", out);
	cr_assert(wait_rolled_out("hist", 3, 30000));
	/* History went 1 2 -> 2 3: revision 1's ReplicaSet was reused as 3. */
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout history deploy/hist"), 0);
	cr_expect(!cube_test_has_line(out, "1         <none>"), "%s", out);
	cr_expect(cube_test_has_line(out, "2         <none>"), "%s", out);
	cr_expect(cube_test_has_line(out, "3         <none>"), "%s", out);
	cJSON *rs = cube_kclient_get(k.client, &CUBE_GVR_REPLICASETS, "default", first_rs, NULL);
	cr_assert_not_null(rs);
	cr_expect_str_eq(cube_obj_annotation(rs, "deployment.kubernetes.io/revision"), "3");
	cr_expect_eq(field(rs, "spec.replicas"), 3);
	cJSON_Delete(rs);
	cr_assert_eq(
		cube_test_kubectl(out, sizeof(out), "rollout history deploy/hist --revision=3"), 0);
	cr_expect(strstr(out, "web:v1"), "%s", out);
	cr_expect_eq(count(&CUBE_GVR_REPLICASETS, "app=hist"), 2);
	/* Undo again: back to v2, now revision 4. */
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout undo deploy/hist"), 0, "%s", out);
	cr_assert_eq(
		cube_test_kubectl(out, sizeof(out), "rollout status deploy/hist --timeout=60s"), 0,
		"%s", out);
	cJSON *d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "hist", NULL);
	cr_expect_str_eq(cube_obj_annotation(d, "deployment.kubernetes.io/revision"), "4");
	cJSON_Delete(d);
}

Test(cm_deploy, pause_holds_the_rollout_and_resume_continues_it)
{
	char y[2048], out[8192];
	apply(deployment_yaml(y, sizeof(y), "pz", 2, "web:v1", NULL));
	cr_assert(wait_rolled_out("pz", 2, 60000));
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout pause deploy/pz"), 0, "%s", out);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "set image deploy/pz web=web:v2"), 0);
	cube_test_sleep_ms(2000);
	cr_expect_eq(count(&CUBE_GVR_REPLICASETS, "app=pz"), 1, "a paused deployment rolled");
	cr_assert_eq(cube_test_kubectl(out, sizeof(out),
				       "get deploy pz -o 'jsonpath={.status.conditions[?(@.type=="
				       "\"Progressing\")].reason}'"),
		     0, "%s", out);
	cr_expect_str_eq(out, "DeploymentPaused");
	cJSON *d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "pz", NULL);
	cr_expect_str_eq(cube_obj_annotation(d, "deployment.kubernetes.io/revision"), "1");
	cJSON_Delete(d);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout resume deploy/pz"), 0, "%s", out);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "rollout status deploy/pz --timeout=60s"),
		     0, "%s", out);
	cr_expect_eq(count(&CUBE_GVR_REPLICASETS, "app=pz"), 2);
}

/* Recreate: the old pods are all gone before a new one exists. */
typedef struct overlap {
	atomic_int cancel;
	cube_strmap *old_pods, *new_pods;
	bool both;
	char rv[32];
} overlap;

static int on_recreate_event(void *ud, const char *type, cJSON *obj)
{
	overlap *o = ud;
	char key[CUBE_OBJ_KEY_MAX];
	if (!strcmp(type, "BOOKMARK") || cube_obj_key(obj, key, sizeof(key), NULL) < 0)
		return 0;
	const char *img = cube_json_str(
		cJSON_GetArrayItem(cube_json_path(obj, "spec.containers"), 0), "image");
	cube_strmap *m = img && !strcmp(img, "web:v2") ? o->new_pods : o->old_pods;
	const char *ph = cube_json_str(obj, "status.phase");
	bool gone = !strcmp(type, "DELETED") ||
		    (ph && (!strcmp(ph, "Succeeded") || !strcmp(ph, "Failed")));
	if (gone)
		cube_strmap_del(m, key);
	else
		cube_strmap_put(m, key, (void *)1, NULL);
	if (cube_strmap_len(o->old_pods) && cube_strmap_len(o->new_pods))
		o->both = true;
	return 0;
}

static void *recreate_watch(void *ud)
{
	overlap *o = ud;
	cube_watch_opts w = {.label_selector = "app=rec", .resource_version = o->rv};
	cube_kclient_watch(k.client, &CUBE_GVR_PODS, "default", &w, on_recreate_event, o,
			   &o->cancel, NULL);
	return NULL;
}

Test(cm_deploy, recreate_never_runs_old_and_new_pods_together)
{
	char y[2048], out[8192];
	apply(deployment_yaml(y, sizeof(y), "rec", 4, "web:v1", "  strategy: {type: Recreate}\n"));
	cr_assert(wait_rolled_out("rec", 4, 60000));
	overlap o = {.old_pods = cube_strmap_new(), .new_pods = cube_strmap_new()};
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_PODS, "default",
				     &(cube_list_opts){.label_selector = "app=rec"}, NULL);
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		on_recreate_event(&o, "ADDED", (cJSON *)p);
	}
	snprintf(o.rv, sizeof(o.rv), "%s", cube_json_str(l, "metadata.resourceVersion"));
	cJSON_Delete(l);
	cr_assert_eq(cube_strmap_len(o.old_pods), 4);
	pthread_t t;
	pthread_create(&t, NULL, recreate_watch, &o);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "set image deploy/rec web=web:v2"), 0);
	cr_assert(wait_rolled_out("rec", 4, 60000));
	cube_test_sleep_ms(500);
	atomic_store(&o.cancel, 1);
	pthread_join(t, NULL);
	cr_expect(!o.both, "old and new pods ran at the same time");
	cr_expect_eq(cube_strmap_len(o.new_pods), 4);
	cr_expect_eq(cube_strmap_len(o.old_pods), 0);
	cube_strmap_free(o.old_pods);
	cube_strmap_free(o.new_pods);
}

Test(cm_deploy, replica_sets_adopt_orphans_and_release_pods_that_stop_matching)
{
	char out[8192];
	cube_err err = CUBE_ERR_INIT;
	/* An orphan pod first: the ReplicaSet adopts it and makes only 2 more. */
	cJSON *orphan = parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
			      "\"stray\",\"labels\":{\"app\":\"rs\"}},\"spec\":{\"containers\":[{"
			      "\"name\":\"c\",\"image\":\"i\"}]}}");
	cJSON *made = cube_kclient_create(k.client, &CUBE_GVR_PODS, "default", orphan, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(made);
	cJSON_Delete(orphan);
	apply("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  replicas: 3\n"
	      "  selector:\n    matchLabels: {app: rs}\n  template:\n    metadata:\n      labels: "
	      "{app: rs}\n    spec:\n      containers: [{name: c, image: i}]\n");
	cJSON *rs = NULL;
	for (int w = 0; w < 300; w++) {
		cJSON_Delete(rs);
		rs = cube_kclient_get(k.client, &CUBE_GVR_REPLICASETS, "default", "rs", NULL);
		if (field(rs, "status.readyReplicas") == 3)
			break;
		cube_test_sleep_ms(100);
	}
	cr_assert_eq(field(rs, "status.readyReplicas"), 3);
	cr_expect_eq(field(rs, "status.fullyLabeledReplicas"), 3);
	cJSON *stray = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", "stray", NULL);
	cr_assert_not_null(stray, "the orphan was deleted instead of adopted");
	cr_expect_str_eq(cube_obj_controller_uid(stray), cube_obj_uid(rs));
	cJSON_Delete(stray);
	cJSON_Delete(rs);
	cr_expect_eq(count(&CUBE_GVR_PODS, "app=rs"), 3);
	/* Relabelled out of the selector: released (no owner) and replaced. */
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "label pod stray app=gone --overwrite"), 0,
		     "%s", out);
	cr_assert(wait_count(&CUBE_GVR_PODS, "app=rs", 3, 20000), "not replaced");
	for (int w = 0; w < 100; w++) {
		stray = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", "stray", NULL);
		bool released = stray && !cube_obj_controller_uid(stray);
		cJSON_Delete(stray);
		if (released)
			break;
		cube_test_sleep_ms(100);
	}
	stray = cube_kclient_get(k.client, &CUBE_GVR_PODS, "default", "stray", NULL);
	cr_assert_not_null(stray);
	cr_expect_null(cube_obj_controller_uid(stray), "the released pod kept its owner");
	cJSON_Delete(stray);
	/* Scaled down: 3 -> 1 */
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "scale rs rs --replicas=1"), 0, "%s", out);
	cr_assert(wait_count(&CUBE_GVR_PODS, "app=rs", 1, 20000), "not scaled down");
	cr_assert_eq(cube_test_kubectl(out, sizeof(out),
				       "get events --field-selector "
				       "involvedObject.name=rs"),
		     0);
	cr_expect(strstr(out, "SuccessfulCreate"), "%s", out);
	cr_expect(strstr(out, "SuccessfulDelete"), "%s", out);
}

Test(cm_deploy, deleting_a_deployment_deletes_or_orphans_what_it_owned)
{
	char y[2048], out[8192];
	apply(deployment_yaml(y, sizeof(y), "gone", 3, "web:v1", NULL));
	cr_assert(wait_rolled_out("gone", 3, 60000));
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "delete deploy gone"), 0, "%s", out);
	cr_expect(wait_count(&CUBE_GVR_REPLICASETS, "app=gone", 0, 20000), "ReplicaSets left");
	cr_expect(wait_count(&CUBE_GVR_PODS, "app=gone", 0, 20000), "pods left");
	/* Foreground: the Deployment goes last, after its ReplicaSet and pods. */
	apply(deployment_yaml(y, sizeof(y), "fg", 2, "web:v1", NULL));
	cr_assert(wait_rolled_out("fg", 2, 60000));
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "delete deploy fg --cascade=foreground"),
		     0, "%s", out);
	cr_expect(wait_count(&CUBE_GVR_DEPLOYMENTS, "app=fg", 0, 20000) ||
			  count(&CUBE_GVR_DEPLOYMENTS, NULL) == 0,
		  "deployment left");
	cJSON *d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "fg", NULL);
	for (int w = 0; d && w < 200; w++) {
		cJSON_Delete(d);
		cube_test_sleep_ms(100);
		d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "fg", NULL);
	}
	cr_expect_null(d, "the foreground deletion did not finish");
	cJSON_Delete(d);
	cr_expect_eq(count(&CUBE_GVR_REPLICASETS, "app=fg"), 0);
	cr_expect_eq(count(&CUBE_GVR_PODS, "app=fg"), 0);
	/* Orphan: the ReplicaSet and its pods stay, without an owner. */
	apply(deployment_yaml(y, sizeof(y), "orph", 2, "web:v1", NULL));
	cr_assert(wait_rolled_out("orph", 2, 60000));
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "delete deploy orph --cascade=orphan"), 0,
		     "%s", out);
	cube_test_sleep_ms(3000);
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_REPLICASETS, "default",
				     &(cube_list_opts){.label_selector = "app=orph"}, NULL);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(l, "items");
	cr_assert_eq(cJSON_GetArraySize(items), 1, "the orphaned ReplicaSet is gone");
	cr_expect_null(cube_obj_controller_uid(cJSON_GetArrayItem(items, 0)));
	cJSON_Delete(l);
	cr_expect_eq(count(&CUBE_GVR_PODS, "app=orph"), 2);
}

Test(cm_deploy, a_stuck_rollout_exceeds_its_progress_deadline)
{
	char y[2048], out[8192];
	apply(deployment_yaml(y, sizeof(y), "stuck", 2, "web:v1",
			      "  progressDeadlineSeconds: 3\n"));
	cr_assert(wait_rolled_out("stuck", 2, 60000));
	/* The new pods can go nowhere: no node has the label. */
	cr_assert_eq(cube_test_kubectl(out, sizeof(out),
				       "patch deploy stuck -p "
				       "'{\"spec\":{\"template\":{\"spec\":{\"nodeSelector\":{"
				       "\"disk\":\"none\"}}}}}'"),
		     0, "%s", out);
	int rc = cube_test_kubectl(out, sizeof(out), "rollout status deploy/stuck --timeout=60s");
	cr_expect_neq(rc, 0, "rollout status succeeded: %s", out);
	cr_expect(strstr(out, "error: deployment \"stuck\" exceeded its progress deadline"), "%s",
		  out);
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "describe deploy stuck"), 0);
	cr_expect(strstr(out, "Progressing    False   ProgressDeadlineExceeded"), "%s", out);
	/* The old pods still serve: maxUnavailable 25% of 2 rounds down to 0. */
	cJSON *d = cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "stuck", NULL);
	cr_expect_eq(field(d, "status.availableReplicas"), 2);
	cJSON_Delete(d);
}

Test(cm_deploy, pods_count_as_available_only_after_min_ready_seconds)
{
	char y[2048];
	apply(deployment_yaml(y, sizeof(y), "slow", 3, "web:v1", "  minReadySeconds: 3\n"));
	/* Ready soon (hollow pods are ready at once), available 3 s later. */
	int ready_at = -1, available_at = -1;
	for (int w = 0; w < 30000 && available_at < 0; w += 100) {
		cJSON *d =
			cube_kclient_get(k.client, &CUBE_GVR_DEPLOYMENTS, "default", "slow", NULL);
		if (ready_at < 0 && field(d, "status.readyReplicas") == 3)
			ready_at = w;
		if (field(d, "status.availableReplicas") == 3)
			available_at = w;
		cJSON_Delete(d);
		cube_test_sleep_ms(100);
	}
	cr_assert_geq(ready_at, 0, "never ready");
	cr_assert_geq(available_at, 0, "never available");
	cr_expect_geq(available_at - ready_at, 2000, "available %d ms after ready (< 3 s)",
		      available_at - ready_at);
}
