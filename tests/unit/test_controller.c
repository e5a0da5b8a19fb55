/* test_controller.c - the controller-manager's pure logic: a rollout's
 * arithmetic (maxSurge/maxUnavailable rounding, the scale-up and scale-down
 * steps, proportional scaling), which pod a ReplicaSet deletes first,
 * pod-template hashing and equality, expectations, and --controllers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "controller/cm.h"
#include "controller/ipam.h"
#include "controller/rollout.h"
#include "controller/util.h"
#include "obj.h"

static cJSON *J(const char *text)
{
	cJSON *o = cube_json_parse(text, strlen(text), NULL);
	cr_assert_not_null(o, "bad test JSON: %s", text);
	return o;
}

static void fence(const char *ru, int32_t replicas, int32_t surge, int32_t unavail)
{
	cJSON *r = ru ? J(ru) : NULL;
	int32_t s = -1, u = -1;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(rollout_fenceposts(r, replicas, &s, &u, &err), 0, "%s", err.msg);
	cr_expect_eq(s, surge, "%s @%d: surge %d, want %d", ru ? ru : "defaults", replicas, s,
		     surge);
	cr_expect_eq(u, unavail, "%s @%d: unavailable %d, want %d", ru ? ru : "defaults", replicas,
		     u, unavail);
	cJSON_Delete(r);
}

Test(rollout, surge_rounds_up_and_unavailable_rounds_down)
{
	fence(NULL, 10, 3, 2); /* 25% of 10 = 2.5 */
	fence(NULL, 4, 1, 1);
	fence(NULL, 3, 1, 0);
	fence(NULL, 1, 1, 0);
	fence("{\"maxSurge\":\"50%\",\"maxUnavailable\":\"10%\"}", 7, 4, 0);
	fence("{\"maxSurge\":2,\"maxUnavailable\":1}", 10, 2, 1);
	fence("{\"maxSurge\":\"0%\",\"maxUnavailable\":\"0%\"}", 10, 0, 1); /* never stuck */
	fence("{\"maxSurge\":0,\"maxUnavailable\":\"1%\"}", 10, 0, 1);
	fence("{\"maxSurge\":\"100%\",\"maxUnavailable\":0}", 0, 0, 1);
}

Test(rollout, malformed_int_or_percent_is_an_error)
{
	const char *bad[] = {"{\"maxSurge\":\"abc\"}",	"{\"maxSurge\":\"25\"}",
			     "{\"maxUnavailable\":-1}", "{\"maxUnavailable\":1.5}",
			     "{\"maxSurge\":true}",	"{\"maxSurge\":\"1x%\"}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *r = J(bad[i]);
		int32_t s, u;
		cube_err err = CUBE_ERR_INIT;
		cr_expect_eq(rollout_fenceposts(r, 10, &s, &u, &err), -1, "accepted %s", bad[i]);
		cr_expect(strstr(err.msg, "max") != NULL, "error does not name the field: %s",
			  err.msg);
		cJSON_Delete(r);
	}
}

Test(rollout, the_new_replica_set_grows_within_the_surge)
{
	cr_expect_eq(rollout_new_rs_replicas(10, 3, 10, 0), 3);
	cr_expect_eq(rollout_new_rs_replicas(10, 3, 13, 3), 3);	 /* at the ceiling: wait */
	cr_expect_eq(rollout_new_rs_replicas(10, 3, 11, 8), 10); /* never past replicas */
	cr_expect_eq(rollout_new_rs_replicas(10, 3, 12, 5), 6);
	cr_expect_eq(rollout_new_rs_replicas(1, 1, 1, 0), 1);
	cr_expect_eq(rollout_new_rs_replicas(10, 0, 10, 0), 0); /* maxSurge 0: old pods go first */
}

Test(rollout, old_replica_sets_shrink_within_max_unavailable)
{
	/* 10 replicas, maxUnavailable 2; the new RS has 3 pods, none available. */
	cr_expect_eq(rollout_max_scaled_down(13, 10, 2, 3, 0), 2);
	/* Everything the new RS has is available: 13 - 8 - 0. */
	cr_expect_eq(rollout_max_scaled_down(13, 10, 2, 3, 3), 5);
	cr_expect_eq(rollout_max_scaled_down(10, 10, 0, 0, 0), 0);

	/* Unhealthy old pods go first, at most the budget. */
	rollout_rs olds[] = {{5, 3}, {4, 4}, {2, 0}};
	cr_expect_eq(rollout_cleanup_unhealthy(olds, 3, 3), 3);
	cr_expect_eq(olds[0].replicas, 3);
	cr_expect_eq(olds[1].replicas, 4);
	cr_expect_eq(olds[2].replicas, 1);

	/* Then available ones, oldest first, keeping replicas - unavailable available. */
	rollout_rs more[] = {{4, 4}, {6, 6}};
	cr_expect_eq(rollout_scale_down_old(more, 2, 12, 10, 2), 4);
	cr_expect_eq(more[0].replicas, 0);
	cr_expect_eq(more[1].replicas, 6);
	rollout_rs none[] = {{10, 10}};
	cr_expect_eq(rollout_scale_down_old(none, 1, 8, 10, 2), 0); /* at the floor */
	cr_expect_eq(none[0].replicas, 10);
}

/* A whole rolling update, one step at a time, as the controller drives it
 * when every new pod becomes available at once: the bounds hold at every
 * step and it ends with everything on the new ReplicaSet. */
Test(rollout, a_full_rolling_update_keeps_its_bounds)
{
	for (int32_t replicas = 1; replicas <= 12; replicas++) {
		int32_t surge, unavail;
		cJSON *ru = J("{\"maxSurge\":\"25%\",\"maxUnavailable\":\"25%\"}");
		cr_assert_eq(rollout_fenceposts(ru, replicas, &surge, &unavail, NULL), 0);
		cJSON_Delete(ru);
		int32_t new_rs = 0, old = replicas;
		for (int step = 0; step < 100 && (new_rs != replicas || old != 0); step++) {
			int32_t grown =
				rollout_new_rs_replicas(replicas, surge, new_rs + old, new_rs);
			if (grown != new_rs) {
				new_rs = grown;
			} else {
				int32_t down = rollout_max_scaled_down(new_rs + old, replicas,
								       unavail, new_rs, new_rs);
				rollout_rs o[] = {{old, old}};
				rollout_cleanup_unhealthy(o, 1, down);
				if (down > 0)
					rollout_scale_down_old(o, 1, new_rs + o[0].replicas,
							       replicas, unavail);
				cr_assert_neq(o[0].replicas, old, "stuck at step %d (%d replicas)",
					      step, replicas);
				old = o[0].replicas;
			}
			cr_assert_leq(new_rs + old, replicas + surge, "surge exceeded");
			cr_assert_geq(new_rs + old, replicas - unavail, "too few pods");
		}
		cr_expect_eq(new_rs, replicas);
		cr_expect_eq(old, 0);
	}
}

Test(rollout, proportional_scaling_keeps_the_ratio_and_gives_leftovers_to_the_largest)
{
	/* 10 -> 20 replicas mid-rollout (maxSurge 25%: 25 allowed); both
	 * ReplicaSets were sized for 13. */
	int32_t sizes[] = {6, 4}, maxr[] = {13, 13};
	int order[] = {0, 1};
	rollout_proportional(sizes, maxr, order, 2, 15, 25, 10);
	cr_expect_eq(sizes[0], 17);
	cr_expect_eq(sizes[1], 8);
	/* And back down to 10 (13 allowed). */
	int32_t max2[] = {25, 25};
	rollout_proportional(sizes, max2, order, 2, -12, 13, 25);
	cr_expect_eq(sizes[0], 9);
	cr_expect_eq(sizes[1], 4);
	cr_expect_eq(sizes[0] + sizes[1], 13);
}

/* ---- pods ---- */

static cJSON *pod(const char *name, const char *node, const char *phase, bool ready,
		  const char *ready_since, const char *created, int restarts)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"metadata\":{\"name\":\"%s\",\"creationTimestamp\":\"%s\"},\"spec\":{%s%s%s},"
		 "\"status\":{\"phase\":\"%s\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"%"
		 "s\","
		 "\"lastTransitionTime\":\"%s\"}],\"containerStatuses\":[{\"name\":\"c\","
		 "\"restartCount\":%d}]}}",
		 name, created, node ? "\"nodeName\":\"" : "", node ? node : "", node ? "\"" : "",
		 phase, ready ? "True" : "False", ready_since, restarts);
	return J(buf);
}

Test(pods, deletion_order_follows_kubernetes_active_pods)
{
	const char *t0 = "2026-11-26T00:00:00Z", *t1 = "2026-11-26T00:01:00Z";
	cJSON *unassigned = pod("u", NULL, "Pending", false, t0, t0, 0);
	cJSON *pending = pod("p", "n1", "Pending", false, t0, t0, 0);
	cJSON *unknown = pod("k", "n1", "Unknown", false, t0, t0, 0);
	cJSON *notready = pod("r", "n1", "Running", false, t0, t0, 0);
	cJSON *ready_new = pod("rn", "n1", "Running", true, t1, t0, 0);
	cJSON *ready_old = pod("ro", "n1", "Running", true, t0, t0, 0);
	cJSON *restarts = pod("rr", "n1", "Running", true, t0, t0, 5);
	cJSON *younger = pod("y", "n1", "Running", true, t0, t1, 0);
	cr_expect_lt(cm_pod_deletion_cmp(unassigned, pending), 0);
	cr_expect_lt(cm_pod_deletion_cmp(pending, unknown), 0);
	cr_expect_lt(cm_pod_deletion_cmp(unknown, notready), 0);
	cr_expect_lt(cm_pod_deletion_cmp(notready, ready_old), 0);
	cr_expect_lt(cm_pod_deletion_cmp(ready_new, ready_old), 0); /* ready for less time */
	cr_expect_lt(cm_pod_deletion_cmp(restarts, ready_old), 0);
	cr_expect_lt(cm_pod_deletion_cmp(younger, ready_old), 0);
	cr_expect_gt(cm_pod_deletion_cmp(ready_old, younger), 0);
	cr_expect_eq(cm_pod_deletion_cmp(ready_old, ready_old), 0);
	cJSON *all[] = {unassigned, pending,   unknown,	 notready,
			ready_new,  ready_old, restarts, younger};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		cJSON_Delete(all[i]);
}

Test(pods, active_ready_and_available)
{
	cJSON *p =
		pod("a", "n", "Running", true, "2026-11-26T00:00:00Z", "2026-11-26T00:00:00Z", 0);
	double since = 1795651200.0; /* 2026-11-26T00:00:00Z */
	cr_expect(cm_pod_active(p));
	cr_expect(cm_pod_ready(p));
	cr_expect(cm_pod_available(p, 0, since));
	cr_expect(!cm_pod_available(p, 10, since + 5));
	cr_expect_float_eq(cm_pod_available_in(p, 10, since + 4), 6.0, 1e-6);
	cr_expect(cm_pod_available(p, 10, since + 10));
	cJSON *done = pod("d", "n", "Succeeded", false, "2026-11-26T00:00:00Z",
			  "2026-11-26T00:00:00Z", 0);
	cr_expect(!cm_pod_active(done));
	cr_expect_lt(cm_pod_available_in(done, 0, since), 0);
	cJSON_Delete(p);
	cJSON_Delete(done);
}

/* ---- templates ---- */

Test(templates, hash_is_stable_for_equal_templates_and_moves_with_changes)
{
	cJSON *a = J("{\"metadata\":{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":[{"
		     "\"name\":\"c\",\"image\":\"web:v1\"}]}}");
	/* the same template: keys in another order, a null and an empty map */
	cJSON *b = J("{\"spec\":{\"containers\":[{\"image\":\"web:v1\",\"name\":\"c\","
		     "\"resources\":{}}]},\"metadata\":{\"creationTimestamp\":null,\"labels\":{"
		     "\"app\":\"w\",\"pod-template-hash\":\"abc\"}}}");
	cJSON *c = J("{\"metadata\":{\"labels\":{\"app\":\"w\"}},\"spec\":{\"containers\":[{"
		     "\"name\":\"c\",\"image\":\"web:v2\"}]}}");
	char ha[16], hb[16], hc[16], ha1[16];
	cm_template_hash(a, 0, ha, sizeof(ha));
	cm_template_hash(b, 0, hb, sizeof(hb));
	cm_template_hash(c, 0, hc, sizeof(hc));
	cm_template_hash(a, 1, ha1, sizeof(ha1));
	cr_expect_str_eq(ha, hb);
	cr_expect_str_neq(ha, hc);
	cr_expect_str_neq(ha, ha1, "the collision count must change the hash");
	cr_expect_gt(strlen(ha), 5);
	cr_expect_eq(strspn(ha, "bcdfghjklmnpqrstvwxz2456789"), strlen(ha));
	cr_expect(cm_templates_equal(a, b));
	cr_expect(!cm_templates_equal(a, c));
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
}

Test(templates, objects_from_a_template_are_owned_and_named)
{
	cJSON *owner =
		J("{\"metadata\":{\"name\":\"web-abc\",\"namespace\":\"ns\",\"uid\":\"u1\"}}");
	cJSON *t = J("{\"metadata\":{\"labels\":{\"app\":\"w\"},\"annotations\":{\"a\":\"b\"}},"
		     "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
	cJSON *p = cm_from_template(t, "v1", "Pod", owner, "apps/v1", "ReplicaSet", NULL);
	cr_assert_not_null(p);
	cr_expect_str_eq(cube_json_str(p, "metadata.generateName"), "web-abc-");
	cr_expect_str_eq(cube_json_str(p, "metadata.namespace"), "ns");
	cr_expect_str_eq(cube_obj_label(p, "app"), "w");
	cr_expect_str_eq(cube_obj_annotation(p, "a"), "b");
	cr_expect_str_eq(cube_obj_controller_uid(p), "u1");
	const cJSON *ref = cm_controller_ref(p);
	cr_expect_str_eq(cube_json_str(ref, "kind"), "ReplicaSet");
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(ref, "blockOwnerDeletion")));
	char key[64];
	cr_expect(cm_controller_key(p, "ReplicaSet", key, sizeof(key)));
	cr_expect_str_eq(key, "ns/web-abc");
	cr_expect(!cm_controller_key(p, "Deployment", key, sizeof(key)));
	cJSON_Delete(p);
	cJSON_Delete(t);
	cJSON_Delete(owner);
}

/* ---- expectations and flags ---- */

Test(expectations, satisfied_once_every_write_is_seen)
{
	cm_expectations *e = cm_expectations_new();
	cr_expect(cm_expectations_satisfied(e, "ns/a")); /* nothing expected */
	cm_expect(e, "ns/a", 3, 0);
	cr_expect(!cm_expectations_satisfied(e, "ns/a"));
	cm_expect_observed(e, "ns/a", 2, 0);
	cr_expect(!cm_expectations_satisfied(e, "ns/a"));
	cm_expect_observed(e, "ns/a", 1, 0);
	cr_expect(cm_expectations_satisfied(e, "ns/a"));
	cm_expect(e, "ns/a", 0, 2);
	cm_expect_observed(e, "ns/b", 0, 2); /* another key changes nothing */
	cr_expect(!cm_expectations_satisfied(e, "ns/a"));
	cm_expectations_forget(e, "ns/a");
	cr_expect(cm_expectations_satisfied(e, "ns/a"));
	cm_expectations_free(e);
}

Test(flags, controllers_selection_as_kubernetes)
{
	cr_expect(cm_enabled("*", "replicaset"));
	cr_expect(cm_enabled(NULL, "deployment"));
	cr_expect(!cm_enabled("*,-deployment", "deployment"));
	cr_expect(cm_enabled("*,-deployment", "replicaset"));
	cr_expect(cm_enabled("replicaset", "replicaset"));
	cr_expect(!cm_enabled("replicaset", "deployment"));
	cr_expect(!cm_enabled("-replicaset", "deployment"));
	cr_expect(!cm_enabled("replicasets", "replicaset"));
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cm_check_controllers("*,-deployment,replicaset", &err), 0);
	cr_expect_eq(cm_check_controllers("*,-deploy", &err), -1);
	cr_expect(strstr(err.msg, "\"-deploy\"") != NULL, "%s", err.msg);
}

/* ---- node IPAM ---- */

Test(ipam, cuts_the_cluster_cidr_and_goes_round)
{
	cm_cidrset s;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cm_cidrset_init(&s, "10.244.0.0/22", 24, &err), 0, "%s", err.msg);
	char c[40];
	/* a node that has one already (given with --pod-cidr) */
	cr_expect_eq(cm_cidrset_occupy(&s, "10.244.1.0/24", &err), 0);
	cr_expect_eq(cm_cidrset_occupy(&s, "10.128.0.0/24", &err), 1); /* not ours */
	cr_expect_eq(cm_cidrset_occupy(&s, "10.244.2.0/25", &err), 1); /* another size */
	cr_expect_eq(cm_cidrset_occupy(&s, "nonsense", &err), -1);
	cr_assert_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), 0);
	cr_expect_str_eq(c, "10.244.0.0/24");
	cr_assert_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), 0);
	cr_expect_str_eq(c, "10.244.2.0/24"); /* .1 is taken */
	cr_assert_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), 0);
	cr_expect_str_eq(c, "10.244.3.0/24");
	cr_expect_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), -1);
	cr_expect_eq(err.code, CUBE_ETOOBIG);
	/* freed ranges come back, round from the last one handed out */
	cm_cidrset_release(&s, "10.244.2.0/24");
	cm_cidrset_release(&s, "10.244.0.0/24");
	cm_cidrset_release(&s, "192.168.0.0/24"); /* not ours: ignored */
	cr_assert_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), 0);
	cr_expect_str_eq(c, "10.244.0.0/24");
	cr_assert_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), 0);
	cr_expect_str_eq(c, "10.244.2.0/24");
	cm_cidrset_free(&s);
}

Test(ipam, refuses_bad_configuration)
{
	cm_cidrset s;
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cm_cidrset_init(&s, "10.244.0.0", 24, &err), -1);
	cr_expect(strstr(err.msg, "--cluster-cidr"), "%s", err.msg);
	cr_expect_eq(cm_cidrset_init(&s, "10.244.0.0/16", 16, &err), -1);
	cr_expect(strstr(err.msg, "--node-cidr-mask-size"), "%s", err.msg);
	cr_expect_eq(cm_cidrset_init(&s, "10.0.0.0/8", 30, &err), -1); /* 2^22 ranges */
	cr_expect_eq(cm_cidrset_init(&s, "10.244.0.0/16", 31, &err), -1);
	cr_expect_eq(cm_cidrset_init(&s, "10.244.0.0/33", 24, &err), -1);
	/* a host address is cut to its network */
	cr_assert_eq(cm_cidrset_init(&s, "10.244.7.9/16", 24, &err), 0);
	char c[40];
	cr_assert_eq(cm_cidrset_allocate(&s, c, sizeof(c), &err), 0);
	cr_expect_str_eq(c, "10.244.0.0/24");
	cm_cidrset_free(&s);
}
