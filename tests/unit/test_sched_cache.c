/* test_sched_cache.c - the scheduler's incremental cache: requests summed per
 * node as pods arrive, move, finish and go; assumed pods counted until their
 * binding is seen and never twice; nodes coming and going. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "scheduler/cache.h"

static cube_robj *obj(const char *text)
{
	cube_err err = {0};
	cJSON *j = cJSON_Parse(text);
	cr_assert(j, "bad JSON in test: %s", text);
	cube_robj *r = cube_robj_new(j, strlen(text), &err);
	cr_assert(r);
	return r;
}

static cube_robj *node(const char *name)
{
	char buf[512];
	snprintf(
		buf, sizeof(buf),
		"{\"kind\":\"Node\",\"metadata\":{\"name\":\"%s\",\"resourceVersion\":\"1\"},"
		"\"status\":{\"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"}}}",
		name);
	return obj(buf);
}

static cube_robj *pod(const char *name, const char *node_name, const char *cpu, const char *phase)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
		 "\"resourceVersion\":\"2\"},\"spec\":{%s%s%s\"containers\":[{\"name\":\"c\","
		 "\"image\":\"i\",\"resources\":{\"requests\":{\"cpu\":\"%s\"}}}]},"
		 "\"status\":{\"phase\":\"%s\"}}",
		 name, node_name ? "\"nodeName\":\"" : "", node_name ? node_name : "",
		 node_name ? "\"," : "", cpu, phase);
	return obj(buf);
}

static const sched_node *find(const sched_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->nodes[i].name, name))
			return &s->nodes[i];
	return NULL;
}

/* cpu requested on `name` and the pod count there (-1 if the node is absent). */
static int64_t cpu_on(sched_cache *c, const char *name, int64_t *pods, size_t *all)
{
	sched_snapshot s = {0};
	sched_cache_lock(c, &s);
	const sched_node *n = find(&s, name);
	int64_t v = n ? n->req_cpu_milli : -1;
	if (pods)
		*pods = n ? n->pods : -1;
	if (all)
		*all = s.n_all_pods;
	sched_cache_unlock(c);
	return v;
}

static void set_and_drop(sched_cache *c, cube_robj *r, bool is_node)
{
	if (is_node)
		sched_cache_node_set(c, r);
	else
		sched_cache_pod_set(c, r);
	cube_robj_unref(r);
}

Test(sched_cache, bound_pods_are_summed_and_removed)
{
	sched_cache *c = sched_cache_new();
	set_and_drop(c, node("n1"), true);
	set_and_drop(c, node("n2"), true);
	set_and_drop(c, pod("a", "n1", "250m", "Running"), false);
	set_and_drop(c, pod("b", "n1", "500m", "Pending"), false);
	set_and_drop(c, pod("p", NULL, "1", "Pending"), false); /* unbound: not counted */
	int64_t pods;
	size_t all;
	cr_assert_eq(cpu_on(c, "n1", &pods, &all), 750);
	cr_assert_eq(pods, 2);
	cr_assert_eq(all, 2);
	cr_assert_eq(cpu_on(c, "n2", &pods, NULL), 0);
	cr_assert_eq(pods, 0);
	/* an update replaces, not adds */
	set_and_drop(c, pod("a", "n1", "100m", "Running"), false);
	cr_assert_eq(cpu_on(c, "n1", NULL, NULL), 600);
	/* a finished pod frees its requests */
	set_and_drop(c, pod("b", "n1", "500m", "Succeeded"), false);
	cr_assert_eq(cpu_on(c, "n1", &pods, NULL), 100);
	cr_assert_eq(pods, 1);
	sched_cache_pod_del(c, "default/a");
	cr_assert_eq(cpu_on(c, "n1", &pods, &all), 0);
	cr_assert_eq(pods, 0);
	cr_assert_eq(all, 0);
	sched_cache_free(c);
}

Test(sched_cache, assumed_pod_counts_once)
{
	sched_cache *c = sched_cache_new();
	set_and_drop(c, node("n1"), true);
	cube_robj *p = pod("p", NULL, "1", "Pending");
	sched_cache_pod_set(c, p);
	cr_assert_eq(sched_cache_assume(c, p, "n1"), 0);
	cube_robj_unref(p);
	cr_assert(sched_cache_is_assumed(c, "default/p"));
	cr_assert_eq(cpu_on(c, "n1", NULL, NULL), 1000);
	/* the binding comes back through the informer: still counted once */
	set_and_drop(c, pod("p", "n1", "1", "Pending"), false);
	cr_assert_not(sched_cache_is_assumed(c, "default/p"));
	cr_assert_eq(cpu_on(c, "n1", NULL, NULL), 1000);
	sched_cache_free(c);
}

Test(sched_cache, forget_releases_an_assumption)
{
	sched_cache *c = sched_cache_new();
	set_and_drop(c, node("n1"), true);
	cube_robj *p = pod("p", NULL, "2", "Pending");
	cr_assert_eq(sched_cache_assume(c, p, "n1"), 0);
	cube_robj_unref(p);
	cr_assert_eq(cpu_on(c, "n1", NULL, NULL), 2000);
	sched_cache_forget(c, "default/p");
	cr_assert_not(sched_cache_is_assumed(c, "default/p"));
	cr_assert_eq(cpu_on(c, "n1", NULL, NULL), 0);
	sched_cache_free(c);
}

Test(sched_cache, nodes_come_and_go)
{
	sched_cache *c = sched_cache_new();
	/* a pod seen before its node is counted once the node arrives */
	set_and_drop(c, pod("early", "n9", "300m", "Running"), false);
	set_and_drop(c, node("n9"), true);
	int64_t pods;
	cr_assert_eq(cpu_on(c, "n9", &pods, NULL), 300);
	cr_assert_eq(pods, 1);
	sched_snapshot s = {0};
	sched_cache_lock(c, &s);
	cr_assert_eq(find(&s, "n9")->alloc_cpu_milli, 4000);
	sched_cache_unlock(c);
	sched_cache_node_del(c, "n9");
	cr_assert_eq(cpu_on(c, "n9", NULL, NULL), -1);
	sched_cache_free(c);
}

Test(sched_cache, an_unbound_update_keeps_the_assumption)
{
	sched_cache *c = sched_cache_new();
	set_and_drop(c, node("n1"), true);
	cube_robj *p = pod("p", NULL, "1", "Pending");
	cr_assert_eq(sched_cache_assume(c, p, "n1"), 0);
	cube_robj_unref(p);
	/* e.g. the PodScheduled=False status of an earlier attempt arrives while
	 * the binding is in flight */
	set_and_drop(c, pod("p", NULL, "1", "Pending"), false);
	cr_assert(sched_cache_is_assumed(c, "default/p"));
	cr_assert_eq(cpu_on(c, "n1", NULL, NULL), 1000);
	sched_cache_free(c);
}
