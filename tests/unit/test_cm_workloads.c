/* test_cm_workloads.c - the pure parts of the DaemonSet and StatefulSet
 * controllers (controller/workloads.h): which nodes a DaemonSet wants and
 * keeps, the daemon pod (node affinity, tolerations, labels), a pod's target
 * node, StatefulSet ordinals and the pods of a set. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "controller/workloads.h"
#include "obj.h"

#define MAXKEEP 256
static cJSON *keep[MAXKEEP];
static size_t nkeep;

static void fini(void)
{
	for (size_t i = 0; i < nkeep; i++)
		cJSON_Delete(keep[i]);
	nkeep = 0;
}

TestSuite(ds, .fini = fini);
TestSuite(sts, .fini = fini);

/* JSON with ' for " (readable literals). */
static cJSON *js(const char *text)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *p = buf; *p; p++)
		if (*p == '\'')
			*p = '"';
	cJSON *j = cJSON_Parse(buf);
	cr_assert(j, "bad JSON in test: %s", buf);
	cr_assert(nkeep < MAXKEEP);
	keep[nkeep++] = j;
	return j;
}

static cJSON *kept(cJSON *j)
{
	cr_assert(j);
	keep[nkeep++] = j;
	return j;
}

static const cJSON *ds_with(const char *pod_spec)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{'metadata':{'name':'ds','namespace':'ns','uid':'u1','generation':3},"
		 "'spec':{'selector':{'matchLabels':{'app':'d'}},'template':{'metadata':{'labels':{"
		 "'app':'d'}},'spec':%s}}}",
		 pod_spec);
	return js(buf);
}

static const cJSON *node(const char *name, const char *labels, const char *taints)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "{'metadata':{'name':'%s','labels':%s},'spec':{'taints':%s}}",
		 name, labels, taints);
	return js(buf);
}

static void expect_run(const cJSON *ds, const cJSON *n, bool run, bool cont)
{
	bool r, c;
	ds_node_should_run(ds, n, &r, &c);
	cr_expect_eq(r, run, "%s: should_run %d, want %d", cube_obj_name(n), r, run);
	cr_expect_eq(c, cont, "%s: should_continue %d, want %d", cube_obj_name(n), c, cont);
}

Test(ds, node_selector_and_affinity)
{
	const cJSON *ds = ds_with("{'nodeSelector':{'disk':'ssd'},'containers':[{'name':'c'}]}");
	expect_run(ds, node("a", "{'disk':'ssd'}", "[]"), true, true);
	expect_run(ds, node("b", "{'disk':'hdd'}", "[]"), false, false);
	expect_run(ds, node("c", "{}", "[]"), false, false);
	const cJSON *aff = ds_with(
		"{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{"
		"'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':'In','values':["
		"'z1','z2']}]}]}}},'containers':[{'name':'c'}]}");
	expect_run(aff, node("z1", "{'zone':'z1'}", "[]"), true, true);
	expect_run(aff, node("z3", "{'zone':'z3'}", "[]"), false, false);
	const cJSON *named = ds_with("{'nodeName':'only','containers':[{'name':'c'}]}");
	expect_run(named, node("only", "{}", "[]"), true, true);
	expect_run(named, node("other", "{}", "[]"), false, false);
}

Test(ds, taints)
{
	const cJSON *ds = ds_with("{'containers':[{'name':'c'}]}");
	/* NoSchedule: no new pod, but one there stays. */
	expect_run(ds, node("ns", "{}", "[{'key':'gpu','value':'x','effect':'NoSchedule'}]"), false,
		   true);
	/* NoExecute: neither. */
	expect_run(ds, node("ne", "{}", "[{'key':'gpu','effect':'NoExecute'}]"), false, false);
	/* PreferNoSchedule does not count. */
	expect_run(ds, node("pns", "{}", "[{'key':'gpu','effect':'PreferNoSchedule'}]"), true,
		   true);
	/* The daemon tolerations. */
	expect_run(ds,
		   node("sick", "{}",
			"[{'key':'node.kubernetes.io/not-ready','effect':'NoExecute'},"
			"{'key':'node.kubernetes.io/unreachable','effect':'NoExecute'},"
			"{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule'},"
			"{'key':'node.kubernetes.io/memory-pressure','effect':'NoSchedule'},"
			"{'key':'node.kubernetes.io/disk-pressure','effect':'NoSchedule'},"
			"{'key':'node.kubernetes.io/pid-pressure','effect':'NoSchedule'}]"),
		   true, true);
	expect_run(ds,
		   node("net", "{}",
			"[{'key':'node.kubernetes.io/network-unavailable','effect':'NoSchedule'}]"),
		   false, true);
	const cJSON *host = ds_with("{'hostNetwork':true,'containers':[{'name':'c'}]}");
	expect_run(host,
		   node("net2", "{}",
			"[{'key':'node.kubernetes.io/network-unavailable','effect':'NoSchedule'}]"),
		   true, true);
	const cJSON *tol = ds_with("{'tolerations':[{'key':'gpu','operator':'Exists'}],"
				   "'containers':[{'name':'c'}]}");
	expect_run(tol, node("ne2", "{}", "[{'key':'gpu','effect':'NoExecute'}]"), true, true);
}

static const cJSON *find_toleration(const cJSON *pod, const char *key, const char *effect)
{
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(pod, "spec.tolerations")) {
		if (!strcmp(cube_json_str(t, "key"), key) &&
		    !strcmp(cube_json_str(t, "effect"), effect))
			return t;
	}
	return NULL;
}

Test(ds, new_pod)
{
	const cJSON *ds = ds_with(
		"{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{"
		"'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':'Exists'}]}]}}}"
		","
		"'tolerations':[{'key':'node.kubernetes.io/not-ready','operator':'Exists',"
		"'effect':'NoExecute'}],'containers':[{'name':'c'}]}");
	const cJSON *pod = kept(ds_new_pod(ds, "hollow-3", "abc", 3));
	cr_expect_str_eq(cube_json_str(pod, "metadata.generateName"), "ds-");
	cr_expect_str_eq(cube_json_str(pod, "metadata.namespace"), "ns");
	cr_expect_str_eq(cube_obj_label(pod, "app"), "d");
	cr_expect_str_eq(cube_obj_label(pod, "controller-revision-hash"), "abc");
	cr_expect_str_eq(cube_obj_label(pod, "pod-template-generation"), "3");
	const cJSON *ref = cube_json_path(pod, "metadata.ownerReferences")->child;
	cr_expect_str_eq(cube_json_str(ref, "kind"), "DaemonSet");
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(ref, "controller")));
	const cJSON *terms = cube_json_path(
		pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
		     "nodeSelectorTerms");
	cr_assert_eq(cJSON_GetArraySize(terms), 1, "the node's term replaces the others");
	const cJSON *mf = cube_json_path(terms->child, "matchFields")->child;
	cr_expect_str_eq(cube_json_str(mf, "key"), "metadata.name");
	cr_expect_str_eq(cube_json_str(mf, "operator"), "In");
	cr_expect_str_eq(cube_json_path(mf, "values")->child->valuestring, "hollow-3");
	cr_expect_null(cube_json_path(terms->child, "matchExpressions"));
	cr_expect_eq(cJSON_GetArraySize(cube_json_path(pod, "spec.tolerations")), 6,
		     "six daemon tolerations, the template's not-ready one not doubled");
	static const char *const want[][2] = {
		{"node.kubernetes.io/not-ready", "NoExecute"},
		{"node.kubernetes.io/unreachable", "NoExecute"},
		{"node.kubernetes.io/disk-pressure", "NoSchedule"},
		{"node.kubernetes.io/memory-pressure", "NoSchedule"},
		{"node.kubernetes.io/pid-pressure", "NoSchedule"},
		{"node.kubernetes.io/unschedulable", "NoSchedule"},
	};
	for (size_t i = 0; i < 6; i++) {
		const cJSON *t = find_toleration(pod, want[i][0], want[i][1]);
		cr_assert_not_null(t, "%s:%s", want[i][0], want[i][1]);
		cr_expect_str_eq(cube_json_str(t, "operator"), "Exists");
	}
	cr_expect_null(
		find_toleration(pod, "node.kubernetes.io/network-unavailable", "NoSchedule"));
	const cJSON *host = ds_with("{'hostNetwork':true,'containers':[{'name':'c'}]}");
	const cJSON *hp = kept(ds_new_pod(host, "n", "h", 1));
	cr_expect_not_null(
		find_toleration(hp, "node.kubernetes.io/network-unavailable", "NoSchedule"));
	/* The DaemonSet itself is not changed. */
	cr_expect_eq(cJSON_GetArraySize(cube_json_path(ds, "spec.template.spec.tolerations")), 1);
}

Test(ds, target_node_and_updated)
{
	const cJSON *ds = ds_with("{'containers':[{'name':'c'}]}");
	const cJSON *pod = kept(ds_new_pod(ds, "hollow-1", "h1", 2));
	cr_expect_str_eq(ds_pod_target_node(pod), "hollow-1");
	const cJSON *bound =
		js("{'spec':{'nodeName':'hollow-2','affinity':{'nodeAffinity':{"
		   "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms'"
		   ":[{'matchFields':[{'key':'metadata.name','operator':'In','values':["
		   "'hollow-1']}]}]}}}}}");
	cr_expect_str_eq(ds_pod_target_node(bound), "hollow-2", "spec.nodeName wins");
	cr_expect_null(ds_pod_target_node(js("{'spec':{}}")));
	cr_expect_null(ds_pod_target_node(js(
		"{'spec':{'affinity':{'nodeAffinity':{'"
		"requiredDuringSchedulingIgnoredDuringExecution'"
		":{'nodeSelectorTerms':[{'matchFields':[{'key':'metadata.name','operator':'NotIn',"
		"'values':['x']}]}]}}}}}")));
	cr_expect(ds_pod_updated(pod, "h1", 9), "hash matches");
	cr_expect(ds_pod_updated(pod, "other", 2), "generation matches");
	cr_expect_not(ds_pod_updated(pod, "other", 3));
	cr_expect_eq(ds_template_generation(ds), 3);
	cr_expect_eq(
		ds_template_generation(js("{'metadata':{'generation':7,'annotations':{"
					  "'deprecated.daemonset.template.generation':'4'}}}")),
		4);
}

Test(sts, ordinals)
{
	char parent[64];
	int64_t ord = -1;
	cr_expect(sts_parse_ordinal("web-0", parent, sizeof(parent), &ord));
	cr_expect_str_eq(parent, "web");
	cr_expect_eq(ord, 0);
	cr_expect(sts_parse_ordinal("my-web-12", parent, sizeof(parent), &ord));
	cr_expect_str_eq(parent, "my-web");
	cr_expect_eq(ord, 12);
	cr_expect_not(sts_parse_ordinal("web", parent, sizeof(parent), &ord));
	cr_expect_not(sts_parse_ordinal("web-", parent, sizeof(parent), &ord));
	cr_expect_not(sts_parse_ordinal("web-1a", parent, sizeof(parent), &ord));
	cr_expect_not(sts_parse_ordinal("web-99999999999", parent, sizeof(parent), &ord));
	cr_expect_not(sts_parse_ordinal(NULL, parent, sizeof(parent), &ord));
	cr_expect_not(sts_parse_ordinal("a-very-long-name-1", parent, 4, &ord));
	const cJSON *set = js("{'metadata':{'name':'web'}}");
	cr_expect_eq(sts_member_ordinal(set, js("{'metadata':{'name':'web-2'}}")), 2);
	cr_expect_eq(sts_member_ordinal(set, js("{'metadata':{'name':'webx-2'}}")), -1);
	cr_expect_eq(sts_member_ordinal(set, js("{'metadata':{'name':'web-x'}}")), -1);
	cr_expect_eq(sts_member_ordinal(set, js("{'metadata':{'name':'my-web-2'}}")), -1);
}

Test(sts, new_pod_and_revision)
{
	const cJSON *set = js("{'metadata':{'name':'web','namespace':'ns','uid':'u'},"
			      "'spec':{'serviceName':'nginx','template':{'metadata':{'labels':{"
			      "'app':'w'}},'spec':{'containers':[{'name':'c','image':'i:1'}]}}}}");
	char rev[128];
	sts_revision(set, cube_json_path(set, "spec.template"), rev, sizeof(rev));
	cr_expect(!strncmp(rev, "web-", 4) && strlen(rev) > 5, "%s", rev);
	char rev2[128];
	const cJSON *t2 = js("{'metadata':{'labels':{'app':'w'}},'spec':{'containers':[{'name':'c',"
			     "'image':'i:2'}]}}");
	sts_revision(set, t2, rev2, sizeof(rev2));
	cr_expect_str_neq(rev, rev2);
	const cJSON *pod = kept(sts_new_pod(set, cube_json_path(set, "spec.template"), 2, rev));
	cr_expect_str_eq(cube_obj_name(pod), "web-2");
	cr_expect_null(cube_json_path(pod, "metadata.generateName"));
	cr_expect_str_eq(cube_obj_label(pod, "app"), "w");
	cr_expect_str_eq(cube_obj_label(pod, "statefulset.kubernetes.io/pod-name"), "web-2");
	cr_expect_str_eq(cube_obj_label(pod, "apps.kubernetes.io/pod-index"), "2");
	cr_expect_str_eq(cube_obj_label(pod, "controller-revision-hash"), rev);
	cr_expect_str_eq(cube_json_str(pod, "spec.hostname"), "web-2");
	cr_expect_str_eq(cube_json_str(pod, "spec.subdomain"), "nginx");
	cr_expect_str_eq(
		cube_json_str(cube_json_path(pod, "metadata.ownerReferences")->child, "kind"),
		"StatefulSet");
	/* A template rebuilt from a pod makes the same pod again. */
	cJSON *bound = kept(cJSON_Duplicate(pod, true));
	cJSON_AddStringToObject(cJSON_GetObjectItem(bound, "spec"), "nodeName", "hollow-0");
	const cJSON *t = kept(sts_template_from_pod(bound));
	cr_expect_null(cube_json_path(t, "spec.nodeName"));
	const cJSON *again = kept(sts_new_pod(set, t, 2, rev));
	cr_expect(cJSON_Compare(cube_json_path(again, "spec"), cube_json_path(pod, "spec"), true));
	cr_expect(cJSON_Compare(cube_obj_labels(again), cube_obj_labels(pod), true));
}
