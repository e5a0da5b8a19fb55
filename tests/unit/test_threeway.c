/* test_threeway.c - cube_smp_three_way, the patch of client-side apply
 * (Kubernetes' CreateThreeWayMergePatch with overwrite): what it sends for
 * the cases kubectl users meet, and that applying the patch to the live
 * object gives what kubectl's apply gives. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "patch.h"

static cJSON *J(const char *text)
{
	char *s = strdup(text);
	for (char *c = s; *c; c++)
		if (*c == '\'')
			*c = '"';
	cJSON *j = cJSON_Parse(s);
	cr_assert_not_null(j, "test literal is not JSON: %s", s);
	free(s);
	return j;
}

static cJSON *three_way(const char *orig, const char *mod, const char *cur, const char *kind)
{
	cJSON *o = orig ? J(orig) : NULL, *m = J(mod), *c = J(cur);
	cube_err err = CUBE_ERR_INIT;
	cJSON *p = cube_smp_three_way(o, m, c, cube_smp_schema_for(kind), &err);
	cr_assert_not_null(p, "%s", err.msg);
	cJSON_Delete(o);
	cJSON_Delete(m);
	cJSON_Delete(c);
	return p;
}

static void expect(const cJSON *got, const char *want)
{
	cJSON *w = J(want);
	char *g = cJSON_PrintUnformatted(got);
	cr_assert(cube_json_equal(got, w), "got %s", g);
	free(g);
	cJSON_Delete(w);
}

Test(threeway, same_config_is_an_empty_patch)
{
	/* the live object has server defaults the config never named */
	cJSON *p = three_way("{'spec':{'replicas':2}}", "{'spec':{'replicas':2}}",
			     "{'spec':{'replicas':2,'revisionHistoryLimit':10},'status':{'x':1}}",
			     "Deployment");
	expect(p, "{}");
	cJSON_Delete(p);
}

Test(threeway, a_field_removed_from_the_config_is_deleted)
{
	cJSON *p = three_way(
		"{'metadata':{'labels':{'a':'1','b':'2'}},'spec':{'paused':true}}",
		"{'metadata':{'labels':{'a':'1'}},'spec':{}}",
		"{'metadata':{'labels':{'a':'1','b':'2','c':'3'}},'spec':{'paused':true}}",
		"Deployment");
	/* c was never in the config: left alone */
	expect(p, "{'metadata':{'labels':{'b':null}},'spec':{'paused':null}}");
	cJSON_Delete(p);
}

Test(threeway, changed_values_and_live_drift_are_set)
{
	cJSON *p = three_way("{'spec':{'replicas':2}}", "{'spec':{'replicas':2}}",
			     "{'spec':{'replicas':5}}", "Deployment");
	/* someone scaled to 5; apply puts the config's 2 back */
	expect(p, "{'spec':{'replicas':2}}");
	cJSON_Delete(p);
}

Test(threeway, merging_lists_by_key_with_order_and_deletions)
{
	const char *orig = "{'spec':{'template':{'spec':{'containers':["
			   "{'name':'c','image':'v1','env':[{'name':'A','value':'1'},{'name':'B',"
			   "'value':'2'}]},{'name':'side','image':'s'}]}}}}";
	const char *mod = "{'spec':{'template':{'spec':{'containers':["
			  "{'name':'c','image':'v2','env':[{'name':'A','value':'1'}]}]}}}}";
	const char *cur =
		"{'spec':{'template':{'spec':{'containers':["
		"{'name':'c','image':'v1','imagePullPolicy':'Always','env':[{'name':'A',"
		"'value':'1'},{'name':'B','value':'2'}]},{'name':'side','image':'s'}]}}}}";
	cJSON *p = three_way(orig, mod, cur, "Deployment");
	expect(p, "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'c'}],"
		  "'containers':[{'name':'c','image':'v2','$setElementOrder/env':[{'name':'A'}],"
		  "'env':[{'$patch':'delete','name':'B'}]},{'$patch':'delete','name':'side'}]}}}}");
	/* and the server's strategic merge of it gives the config back (plus defaults) */
	cJSON *live = J(cur);
	cube_err err = CUBE_ERR_INIT;
	cJSON *res = cube_strategic_merge_patch(live, p, cube_smp_schema_for("Deployment"), &err);
	cr_assert_not_null(res, "%s", err.msg);
	expect(res, "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'v2',"
		    "'imagePullPolicy':'Always','env':[{'name':'A','value':'1'}]}]}}}}");
	cJSON_Delete(res);
	cJSON_Delete(live);
	cJSON_Delete(p);
}

Test(threeway, added_list_items_and_no_original)
{
	cJSON *p = three_way(NULL, "{'spec':{'ports':[{'port':80},{'port':443}]}}",
			     "{'spec':{'ports':[{'port':80,'protocol':'TCP'}]}}", "Service");
	expect(p, "{'spec':{'$setElementOrder/"
		  "ports':[{'port':80},{'port':443}],'ports':[{'port':443}]}}");
	cJSON_Delete(p);
}

Test(threeway, sets_of_primitives)
{
	cJSON *p = three_way("{'metadata':{'finalizers':['a','b']}}",
			     "{'metadata':{'finalizers':['a','c']}}",
			     "{'metadata':{'finalizers':['a','b']}}", "Deployment");
	expect(p, "{'metadata':{'$setElementOrder/finalizers':['a','c'],'finalizers':['c'],"
		  "'$deleteFromPrimitiveList/finalizers':['b']}}");
	cJSON_Delete(p);
}

Test(threeway, atomic_lists_are_replaced)
{
	cJSON *p = three_way(
		"{'spec':{'template':{'spec':{'containers':[{'name':'c','args':['a']}]}}}}",
		"{'spec':{'template':{'spec':{'containers':[{'name':'c','args':['b']}]}}}}",
		"{'spec':{'template':{'spec':{'containers':[{'name':'c','args':['a']}]}}}}",
		"Deployment");
	expect(p, "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'c'}],"
		  "'containers':[{'name':'c','args':['b']}]}}}}");
	cJSON_Delete(p);
}

Test(threeway, merge_key_missing_is_an_error)
{
	cJSON *m = J("{'spec':{'template':{'spec':{'containers':[{'image':'x'}]}}}}");
	cJSON *c = J("{'spec':{'template':{'spec':{'containers':[{'name':'c'}]}}}}");
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_smp_three_way(NULL, m, c, cube_smp_schema_for("Deployment"), &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cJSON_Delete(m);
	cJSON_Delete(c);
}
