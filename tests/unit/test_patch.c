/* test_patch.c - the three patch formats: RFC 7386's appendix, RFC 6902's
 * appendix A (A.1-A.16) and RFC 6901's pointer examples, atomicity of JSON
 * patch, and the strategic merge patch: kubectl's own bodies, each
 * directive, list merges by key, and ordering cases taken from Kubernetes'
 * strategicpatch/patch_test.go.
 *
 * Every check compares the whole result with an expected document
 * (cJSON_Compare: member order is free, list order is not; deep documents
 * use cube_json_equal, as cJSON_Compare is exponential in their depth).  To keep the
 * literals readable, a literal without any double quote uses single quotes
 * for them: J("{'a':[1]}") is {"a":[1]}.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"

/* ---- helpers ------------------------------------------------------------------------ */

static cJSON *J(const char *text)
{
	char *s = strdup(text);
	cr_assert_not_null(s);
	if (!strchr(s, '"'))
		for (char *c = s; *c; c++)
			if (*c == '\'')
				*c = '"';
	cJSON *j = cJSON_Parse(s);
	cr_assert_not_null(j, "test literal is not JSON: %s", s);
	free(s);
	return j;
}

static void expect_json(const cJSON *got, const char *want_text)
{
	cJSON *want = J(want_text);
	char *g = cJSON_PrintUnformatted(got);
	char *w = cJSON_PrintUnformatted(want);
	cr_expect(cJSON_Compare(got, want, true), "got  %s\nwant %s", g, w);
	free(g);
	free(w);
	cJSON_Delete(want);
}

/* Checks that `doc` still equals its text (the patch functions must not touch it). */
static void expect_untouched(const cJSON *doc, const char *doc_text)
{
	cJSON *again = J(doc_text);
	cr_expect(cJSON_Compare(doc, again, true), "the input document was modified");
	cJSON_Delete(again);
}

static void merge_ok(const char *doc_text, const char *patch_text, const char *want)
{
	cJSON *doc = J(doc_text), *patch = J(patch_text);
	cube_err err = CUBE_ERR_INIT;
	cJSON *got = cube_merge_patch(doc, patch, &err);
	cr_assert_not_null(got, "merge patch failed: %s", err.msg);
	expect_json(got, want);
	expect_untouched(doc, doc_text);
	cJSON_Delete(got);
	cJSON_Delete(doc);
	cJSON_Delete(patch);
}

static void jpatch_ok(const char *doc_text, const char *ops_text, const char *want)
{
	cJSON *doc = J(doc_text), *ops = J(ops_text);
	cube_err err = CUBE_ERR_INIT;
	cJSON *got = cube_json_patch(doc, ops, &err);
	cr_assert_not_null(got, "json patch failed: %s", err.msg);
	expect_json(got, want);
	expect_untouched(doc, doc_text);
	cJSON_Delete(got);
	cJSON_Delete(doc);
	cJSON_Delete(ops);
}

/* The patch must fail with exactly `msg` (or, when msg ends in '*', a message
 * starting with what precedes it), leaving the document alone. */
static void expect_msg(const cube_err *err, const char *msg)
{
	cr_expect_eq(err->code, CUBE_EINVAL, "code %d (%s)", err->code, err->msg);
	size_t n = strlen(msg);
	if (n && msg[n - 1] == '*')
		cr_expect(!strncmp(err->msg, msg, n - 1), "message \"%s\", want \"%s\"", err->msg,
			  msg);
	else
		cr_expect_str_eq(err->msg, msg);
}

static void jpatch_fails(const char *doc_text, const char *ops_text, const char *msg)
{
	cJSON *doc = J(doc_text), *ops = J(ops_text);
	cube_err err = CUBE_ERR_INIT;
	cJSON *got = cube_json_patch(doc, ops, &err);
	cr_expect_null(got, "json patch %s should fail", ops_text);
	expect_msg(&err, msg);
	expect_untouched(doc, doc_text);
	cJSON_Delete(got);
	cJSON_Delete(doc);
	cJSON_Delete(ops);
}

static void smp_ok(const char *kind, const char *doc_text, const char *patch_text, const char *want)
{
	cJSON *doc = J(doc_text), *patch = J(patch_text);
	cube_err err = CUBE_ERR_INIT;
	cJSON *got = cube_strategic_merge_patch(doc, patch, cube_smp_schema_for(kind), &err);
	cr_assert_not_null(got, "strategic merge patch failed: %s", err.msg);
	expect_json(got, want);
	expect_untouched(doc, doc_text);
	cJSON_Delete(got);
	cJSON_Delete(doc);
	cJSON_Delete(patch);
}

static void smp_fails(const char *kind, const char *doc_text, const char *patch_text,
		      const char *msg)
{
	cJSON *doc = J(doc_text), *patch = J(patch_text);
	cube_err err = CUBE_ERR_INIT;
	cJSON *got = cube_strategic_merge_patch(doc, patch, cube_smp_schema_for(kind), &err);
	cr_expect_null(got, "strategic merge patch %s should fail", patch_text);
	expect_msg(&err, msg);
	expect_untouched(doc, doc_text);
	cJSON_Delete(got);
	cJSON_Delete(doc);
	cJSON_Delete(patch);
}

/* Kubernetes' test type MergeItem has mergingList (by name), mergingIntList
 * (set), nonMergingList.  Pod's spec.containers, metadata.finalizers and
 * spec.tolerations play those parts here. */
#define LIST_DOC(items) "{'spec':{'containers':" items "}}"
#define INTS_DOC(items) "{'metadata':{'finalizers':" items "}}"

/* ---- RFC 7386 ------------------------------------------------------------------------ */

Test(merge_patch, rfc7386_section3_example)
{
	merge_ok("{'title':'Goodbye!','author':{'givenName':'John','familyName':'Doe'},"
		 "'tags':['example','sample'],'content':'This will be unchanged'}",
		 "{'title':'Hello!','phoneNumber':'+01-123-456-7890','author':{'familyName':null},"
		 "'tags':['example']}",
		 "{'title':'Hello!','author':{'givenName':'John'},'tags':['example'],"
		 "'content':'This will be unchanged','phoneNumber':'+01-123-456-7890'}");
}

Test(merge_patch, rfc7386_appendix_a)
{
	static const char *const cases[][3] = {
		{"{'a':'b'}", "{'a':'c'}", "{'a':'c'}"},
		{"{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}"},
		{"{'a':'b'}", "{'a':null}", "{}"},
		{"{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}"},
		{"{'a':['b']}", "{'a':'c'}", "{'a':'c'}"},
		{"{'a':'c'}", "{'a':['b']}", "{'a':['b']}"},
		{"{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}"},
		{"{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}"},
		{"['a','b']", "['c','d']", "['c','d']"},
		{"{'a':'b'}", "['c']", "['c']"},
		{"{'a':'foo'}", "null", "null"},
		{"{'a':'foo'}", "'bar'", "'bar'"},
		{"{'e':null}", "{'a':1}", "{'e':null,'a':1}"},
		{"[1,2]", "{'a':'b','c':null}", "{'a':'b'}"},
		{"{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		merge_ok(cases[i][0], cases[i][1], cases[i][2]);
}

Test(merge_patch, kubectl_scale_and_label)
{
	merge_ok("{'metadata':{'name':'x','labels':{'app':'x'}},'spec':{'replicas':1}}",
		 "{'spec':{'replicas':3}}",
		 "{'metadata':{'name':'x','labels':{'app':'x'}},'spec':{'replicas':3}}");
	merge_ok("{'metadata':{'name':'x','labels':{'app':'x'}}}",
		 "{'metadata':{'labels':{'a':'b'}}}",
		 "{'metadata':{'name':'x','labels':{'app':'x','a':'b'}}}");
}

Test(merge_patch, no_document_yet)
{
	cJSON *patch = J("{'a':{'b':null,'c':1}}");
	cube_err err = CUBE_ERR_INIT;
	cJSON *got = cube_merge_patch(NULL, patch, &err);
	cr_assert_not_null(got);
	expect_json(got, "{'a':{'c':1}}");
	cJSON_Delete(got);
	cJSON_Delete(patch);
}

Test(merge_patch, idempotent_with_duplicate_members)
{
	cJSON *doc = J("{'a':1,'a':2,'b':{'c':1,'c':2}}");
	cJSON *patch = J("{'b':{'c':3},'a':null}");
	cube_err err = CUBE_ERR_INIT;
	cJSON *once = cube_merge_patch(doc, patch, &err);
	cr_assert_not_null(once);
	cJSON *twice = cube_merge_patch(once, patch, &err);
	cr_assert_not_null(twice);
	expect_json(once, "{'b':{'c':3}}");
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(once, "b")), 1);
	cr_expect(cube_json_equal(once, twice));
	cJSON_Delete(twice);
	cJSON_Delete(once);
	cJSON_Delete(doc);
	cJSON_Delete(patch);
}

/* A patch nested 200 deep: an error, not a stack overflow. */
static cJSON *nested_object(int depth)
{
	cJSON *v = cJSON_CreateNumber(1);
	for (int i = 0; i < depth; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "a", v);
		v = o;
	}
	return v;
}

Test(merge_patch, depth_limit)
{
	cJSON *patch = nested_object(200);
	cJSON *doc = J("{}");
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(cube_merge_patch(doc, patch, &err));
	expect_msg(&err, "patch nests deeper than 128 levels");
	cJSON *ok = nested_object(100);
	cJSON *got = cube_merge_patch(doc, ok, &err);
	cr_expect(cube_json_equal(got, ok));
	cJSON_Delete(got);
	cJSON_Delete(ok);
	cJSON_Delete(patch);
	cJSON_Delete(doc);
}

/* ---- equality -------------------------------------------------------------------------- */

Test(json_equal, agrees_with_cjson_compare)
{
	static const char *const pairs[][2] = {
		{"{'a':1,'b':[1,'x',true,null]}", "{'b':[1,'x',true,null],'a':1}"},
		{"{'a':1}", "{'a':1.0}"},
		{"{'a':1}", "{'a':'1'}"},
		{"[1,2]", "[2,1]"},
		{"[1,2]", "[1,2,3]"},
		{"{'a':1}", "{'a':1,'b':2}"},
		{"{'a':{}}", "{'a':[]}"},
		{"true", "false"},
		{"null", "null"},
		{"'a'", "'a'"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		cJSON *a = J(pairs[i][0]), *b = J(pairs[i][1]);
		cr_expect_eq(cube_json_equal(a, b), cJSON_Compare(a, b, true), "pair %zu", i);
		cr_expect_eq(cube_json_equal(b, a), cJSON_Compare(a, b, true), "pair %zu", i);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	cr_expect(!cube_json_equal(NULL, NULL));
}

/* 120 nested objects: cJSON_Compare would take 2^120 steps. */
Test(json_equal, deep_objects_in_linear_time)
{
	cJSON *a = nested_object(120), *b = nested_object(120);
	cr_expect(cube_json_equal(a, b));
	cJSON_Delete(b);
	b = nested_object(119);
	cr_expect(!cube_json_equal(a, b));
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* ---- RFC 6902 appendix A ------------------------------------------------------------- */

Test(json_patch, a1_add_object_member)
{
	jpatch_ok("{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux'}]",
		  "{'baz':'qux','foo':'bar'}");
}

Test(json_patch, a2_add_array_element)
{
	jpatch_ok("{'foo':['bar','baz']}", "[{'op':'add','path':'/foo/1','value':'qux'}]",
		  "{'foo':['bar','qux','baz']}");
}

Test(json_patch, a3_remove_object_member)
{
	jpatch_ok("{'baz':'qux','foo':'bar'}", "[{'op':'remove','path':'/baz'}]", "{'foo':'bar'}");
}

Test(json_patch, a4_remove_array_element)
{
	jpatch_ok("{'foo':['bar','qux','baz']}", "[{'op':'remove','path':'/foo/1'}]",
		  "{'foo':['bar','baz']}");
}

Test(json_patch, a5_replace_value)
{
	jpatch_ok("{'baz':'qux','foo':'bar'}", "[{'op':'replace','path':'/baz','value':'boo'}]",
		  "{'baz':'boo','foo':'bar'}");
}

Test(json_patch, a6_move_value)
{
	jpatch_ok("{'foo':{'bar':'baz','waldo':'fred'},'qux':{'corge':'grault'}}",
		  "[{'op':'move','from':'/foo/waldo','path':'/qux/thud'}]",
		  "{'foo':{'bar':'baz'},'qux':{'corge':'grault','thud':'fred'}}");
}

Test(json_patch, a7_move_array_element)
{
	jpatch_ok("{'foo':['all','grass','cows','eat']}",
		  "[{'op':'move','from':'/foo/1','path':'/foo/3'}]",
		  "{'foo':['all','cows','eat','grass']}");
}

Test(json_patch, a8_test_success)
{
	jpatch_ok("{'baz':'qux','foo':['a',2,'c']}",
		  "[{'op':'test','path':'/baz','value':'qux'},{'op':'test','path':'/foo/"
		  "1','value':2}]",
		  "{'baz':'qux','foo':['a',2,'c']}");
}

Test(json_patch, a9_test_error)
{
	jpatch_fails("{'baz':'qux'}", "[{'op':'test','path':'/baz','value':'bar'}]",
		     "json patch operation 0 (test): value at /baz is \"qux\", not \"bar\"");
}

Test(json_patch, a10_add_nested_member_object)
{
	jpatch_ok("{'foo':'bar'}", "[{'op':'add','path':'/child','value':{'grandchild':{}}}]",
		  "{'foo':'bar','child':{'grandchild':{}}}");
}

Test(json_patch, a11_ignore_unrecognized_elements)
{
	jpatch_ok("{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux','xyz':123}]",
		  "{'foo':'bar','baz':'qux'}");
}

Test(json_patch, a12_add_to_nonexistent_target)
{
	jpatch_fails("{'foo':'bar'}", "[{'op':'add','path':'/baz/bat','value':'qux'}]",
		     "json patch operation 0 (add): path /baz/bat does not exist (nor does its "
		     "parent)");
}

Test(json_patch, a13_invalid_patch_document)
{
	jpatch_fails("{'foo':'bar'}", "[{'op':'add','path':'/baz','value':'qux','op':'remove'}]",
		     "json patch operation 0: member \"op\" appears twice");
}

Test(json_patch, a14_escape_ordering)
{
	jpatch_ok("{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':10}]", "{'/':9,'~1':10}");
}

Test(json_patch, a15_strings_are_not_numbers)
{
	jpatch_fails("{'/':9,'~1':10}", "[{'op':'test','path':'/~01','value':'10'}]",
		     "json patch operation 0 (test): value at /~01 is 10, not \"10\"");
}

Test(json_patch, a16_add_array_value)
{
	jpatch_ok("{'foo':['bar']}", "[{'op':'add','path':'/foo/-','value':['abc','def']}]",
		  "{'foo':['bar',['abc','def']]}");
}

/* RFC 6901 section 5: every pointer of the example resolves to its value. */
Test(json_patch, rfc6901_pointer_examples)
{
	const char *doc = "{\"foo\":[\"bar\",\"baz\"],\"\":0,\"a/b\":1,\"c%d\":2,\"e^f\":3,"
			  "\"g|h\":4,\"i\\\\j\":5,\"k\\\"l\":6,\" \":7,\"m~n\":8}";
	jpatch_ok(doc,
		  "[{\"op\":\"test\",\"path\":\"/foo\",\"value\":[\"bar\",\"baz\"]},"
		  "{\"op\":\"test\",\"path\":\"/foo/0\",\"value\":\"bar\"},"
		  "{\"op\":\"test\",\"path\":\"/\",\"value\":0},"
		  "{\"op\":\"test\",\"path\":\"/a~1b\",\"value\":1},"
		  "{\"op\":\"test\",\"path\":\"/c%d\",\"value\":2},"
		  "{\"op\":\"test\",\"path\":\"/e^f\",\"value\":3},"
		  "{\"op\":\"test\",\"path\":\"/g|h\",\"value\":4},"
		  "{\"op\":\"test\",\"path\":\"/i\\\\j\",\"value\":5},"
		  "{\"op\":\"test\",\"path\":\"/k\\\"l\",\"value\":6},"
		  "{\"op\":\"test\",\"path\":\"/ \",\"value\":7},"
		  "{\"op\":\"test\",\"path\":\"/m~0n\",\"value\":8}]",
		  doc);
}

Test(json_patch, whole_document)
{
	jpatch_ok("{'a':1}",
		  "[{'op':'test','path':'','value':{'a':1}},"
		  "{'op':'replace','path':'','value':[1]},{'op':'add','path':'/-','value':2}]",
		  "[1,2]");
	jpatch_fails("{'a':1}", "[{'op':'remove','path':''}]",
		     "json patch operation 0 (remove): cannot remove the whole document");
}

Test(json_patch, copy_and_move)
{
	jpatch_ok("{'a':{'b':[1,2]},'c':{}}",
		  "[{'op':'copy','from':'/a/b','path':'/c/d'},{'op':'move','from':'/a/b/"
		  "0','path':'/a/"
		  "b/-'},{'op':'move','from':'/c','path':'/c'}]",
		  "{'a':{'b':[2,1]},'c':{'d':[1,2]}}");
	jpatch_fails("{'a':{'b':1}}", "[{'op':'move','from':'/a','path':'/a/b/c'}]",
		     "json patch operation 0 (move): cannot move /a into its own child /a/b/c");
	jpatch_fails("{'a':{'b':1}}", "[{'op':'copy','from':'/x','path':'/y'}]",
		     "json patch operation 0 (copy): path /x does not exist");
}

/* A later failing operation leaves nothing of the earlier ones. */
Test(json_patch, atomic)
{
	jpatch_fails("{'spec':{'replicas':3},'metadata':{'labels':{'a':'b'}}}",
		     "[{'op':'replace','path':'/spec/replicas','value':5},"
		     "{'op':'add','path':'/metadata/labels/c','value':'d'},"
		     "{'op':'test','path':'/spec/replicas','value':2}]",
		     "json patch operation 2 (test): value at /spec/replicas is 5, not 2");
	jpatch_fails(
		"{'spec':{'replicas':3},'metadata':{'labels':{'a':'b'}}}",
		"[{'op':'add','path':'/x','value':1},{'op':'remove','path':'/metadata/labels/x'}]",
		"json patch operation 1 (remove): path /metadata/labels/x does not exist");
}

Test(json_patch, error_messages)
{
	const char *doc = "{'spec':{'replicas':3},'foo':[1,2]}";
	jpatch_fails(doc,
		     "[{'op':'test','path':'/spec/replicas','value':3},{'op':'frob','path':'/'}]",
		     "json patch operation 1: unknown op \"frob\"");
	jpatch_fails(doc, "[{'op':'add','path':'spec','value':1}]",
		     "json patch operation 0 (add): invalid path \"spec\" (must start with '/')");
	jpatch_fails(doc, "[{'op':'replace','path':'/spec/~2','value':1}]",
		     "json patch operation 0 (replace): invalid path \"/spec/~2\" ('~' must be "
		     "followed by '0' or '1')");
	jpatch_fails(doc, "[{'path':'/a'}]", "json patch operation 0: missing \"op\"");
	jpatch_fails(doc, "[{'op':'add','path':'/a'}]",
		     "json patch operation 0 (add): missing \"value\"");
	jpatch_fails(doc, "[{'op':'move','path':'/a'}]",
		     "json patch operation 0 (move): missing \"from\"");
	jpatch_fails(doc, "[{'op':'remove'}]", "json patch operation 0 (remove): missing \"path\"");
	jpatch_fails(doc, "[7]", "json patch operation 0: not an object");
	jpatch_fails(doc, "{'op':'add'}", "json patch must be an array of operations");
}

/* a value too long for the message is cut to 92 bytes and "..." */
Test(json_patch, long_values_are_cut_in_messages)
{
	jpatch_fails(
		"{'a':'0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789'}",
		"[{'op':'test','path':'/a','value':1}]",
		"json patch operation 0 (test): value at /a is \"01234567890123456789012345678901"
		"23456789012345678901234567890123456789012345678901234567890..., not 1");
}

Test(json_patch, array_indexes)
{
	const char *doc = "{'foo':[1,2]}";
	jpatch_ok(doc,
		  "[{'op':'add','path':'/foo/2','value':3},{'op':'add','path':'/foo/0','value':0}]",
		  "{'foo':[0,1,2,3]}");
	jpatch_fails(doc, "[{'op':'add','path':'/foo/3','value':3}]",
		     "json patch operation 0 (add): index 3 is out of bounds in path /foo/3");
	jpatch_fails(doc, "[{'op':'remove','path':'/foo/01'}]",
		     "json patch operation 0 (remove): path /foo/01 does not exist");
	jpatch_fails(doc, "[{'op':'remove','path':'/foo/-'}]",
		     "json patch operation 0 (remove): path /foo/- does not exist");
	jpatch_fails(doc, "[{'op':'replace','path':'/foo/2','value':1}]",
		     "json patch operation 0 (replace): path /foo/2 does not exist");
	jpatch_ok(doc, "[{'op':'replace','path':'/foo/1','value':9}]", "{'foo':[1,9]}");
}

/* kubectl rollout undo (kubectl-compat.md section 9). */
Test(json_patch, kubectl_rollout_undo)
{
	jpatch_ok(
		"{'metadata':{'name':'x','annotations':{'deployment.kubernetes.io/revision':'4'}},"
		"'spec':{'replicas':1,'template':{'metadata':{'labels':{'app':'x'}},"
		"'spec':{'containers':[{'name':'c','image':'img:v2'}]}}}}",
		"[{'op':'replace','path':'/spec/template','value':{'metadata':{'creationTimestamp':"
		"null,'labels':{'app':'x'}},'spec':{'containers':[{'name':'c','image':'img:v1.1'}],"
		"'restartPolicy':'Always'}}},{'op':'replace','path':'/metadata/annotations',"
		"'value':{'deployment.kubernetes.io/revision':'3'}}]",
		"{'metadata':{'name':'x','annotations':{'deployment.kubernetes.io/revision':'3'}},"
		"'spec':{'replicas':1,'template':{'metadata':{'creationTimestamp':null,"
		"'labels':{'app':'x'}},'spec':{'containers':[{'name':'c','image':'img:v1.1'}],"
		"'restartPolicy':'Always'}}}}");
	jpatch_fails("{'metadata':{'name':'x'}}",
		     "[{'op':'replace','path':'/metadata/annotations','value':{}}]",
		     "json patch operation 0 (replace): path /metadata/annotations does not exist");
}

Test(json_patch, depth_limit)
{
	cJSON *doc = J("{}");
	cJSON *ops = J("[{'op':'add','path':'/a','value':null}]");
	cJSON *op = cJSON_GetArrayItem(ops, 0);
	cJSON_ReplaceItemInObject(op, "value", nested_object(128));
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(cube_json_patch(doc, ops, &err));
	expect_msg(
		&err,
		"json patch operation 0 (add): the value would nest deeper than 128 levels at /a");
	cJSON_ReplaceItemInObject(op, "value", nested_object(127));
	cJSON *got = cube_json_patch(doc, ops, &err);
	cr_expect_not_null(got, "%s", err.msg);
	cJSON_Delete(got);
	cJSON_Delete(ops);
	cJSON_Delete(doc);
}

/* ---- strategic merge patch: kubectl's bodies (kubectl-compat.md 4, 6.2) ------------------ */

static const char DEPLOY[] =
	"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'x','namespace':'default',"
	"'annotations':{'deployment.kubernetes.io/revision':'1'}},'spec':{'replicas':1,"
	"'selector':{'matchLabels':{'app':'x'}},'template':{'metadata':{'labels':{'app':'x'}},"
	"'spec':{'containers':[{'name':'c','image':'img:v1','ports':[{'containerPort':80}],"
	"'env':[{'name':'A','value':'1'}]}]}}}}";

static char *deploy_with(const char *from, const char *to)
{
	/* DEPLOY with one substring replaced */
	const char *at = strstr(DEPLOY, from);
	cr_assert_not_null(at);
	size_t n = strlen(DEPLOY) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	cr_assert_not_null(s);
	snprintf(s, n, "%.*s%s%s", (int)(at - DEPLOY), DEPLOY, to, at + strlen(from));
	return s;
}

Test(smp_kubectl, set_image)
{
	char *want = deploy_with("img:v1", "img:v2");
	smp_ok("Deployment", DEPLOY,
	       "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":"
	       "\"c\"}],\"containers\":[{\"image\":\"img:v2\",\"name\":\"c\"}]}}}}",
	       want);
	free(want);
}

Test(smp_kubectl, set_image_two_containers)
{
	smp_ok("Deployment",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'a:1'},"
	       "{'name':'log','image':'b:1'}]}}}}",
	       "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'c'},"
	       "{'name':'log'}],'containers':[{'image':'b:2','name':'log'}]}}}}",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'a:1'},"
	       "{'name':'log','image':'b:2'}]}}}}");
}

Test(smp_kubectl, set_env)
{
	/* the captured body, on a container without env */
	smp_ok("Deployment",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'img:v1'}]}}}}",
	       "{\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":[{\"name\":"
	       "\"c\"}],\"containers\":[{\"env\":[{\"name\":\"FOO\",\"value\":\"bar\"}],"
	       "\"name\":\"c\"}]}}}}",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','image':'img:v1',"
	       "'env':[{'name':'FOO','value':'bar'}]}]}}}}");
	/* with env already there kubectl also sends the order of env */
	char *want = deploy_with("{'name':'A','value':'1'}",
				 "{'name':'A','value':'1'},{'name':'FOO','value':'bar'}");
	smp_ok("Deployment", DEPLOY,
	       "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'c'}],"
	       "'containers':[{'$setElementOrder/env':[{'name':'A'},{'name':'FOO'}],"
	       "'env':[{'name':'FOO','value':'bar'}],'name':'c'}]}}}}",
	       want);
	free(want);
}

/* kubectl set env A=2 B=3: env merges by name, A is updated where it stands
 * and B follows it in the patch's order. */
Test(smp_kubectl, set_env_update_and_add)
{
	char *want = deploy_with("[{'name':'A','value':'1'}]",
				 "[{'name':'A','value':'2'},{'name':'B','value':'3'}]");
	smp_ok("Deployment", DEPLOY,
	       "{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'c'}],"
	       "'containers':[{'env':[{'name':'A','value':'2'},{'name':'B','value':'3'}],"
	       "'name':'c'}]}}}}",
	       want);
	free(want);
}

Test(smp_kubectl, apply_changed)
{
	smp_ok("Deployment",
	       "{'metadata':{'name':'x','annotations':{'a':'b'}},'spec':{"
	       "'template':{'spec':{'containers':[{'name':'c','image':'img:v1'}]}}}}",
	       "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/"
	       "last-applied-configuration\":"
	       "\"{}\\n\"}},\"spec\":{\"template\":{\"spec\":{\"$setElementOrder/containers\":"
	       "[{\"name\":\"c\"}],\"containers\":[{\"image\":\"img:v1.1\",\"name\":\"c\"}]}}}}",
	       "{\"metadata\":{\"name\":\"x\",\"annotations\":{\"a\":\"b\",\"kubectl.kubernetes.io/"
	       "last-applied-configuration\":\"{}\\n\"}},\"spec\":{\"template\":{\"spec\":{"
	       "\"containers\":[{\"name\":\"c\",\"image\":\"img:v1.1\"}]}}}}");
}

Test(smp_kubectl, rollout_restart)
{
	smp_ok("Deployment",
	       "{'spec':{'template':{'metadata':{'labels':{'app':'x'},'annotations':{'a':'b'}}}}}",
	       "{'spec':{'template':{'metadata':{'annotations':{'kubectl.kubernetes.io/"
	       "restartedAt':'2026-11-25T22:45:56Z'}}}}}",
	       "{'spec':{'template':{'metadata':{'labels':{'app':'x'},'annotations':{'a':'b',"
	       "'kubectl.kubernetes.io/restartedAt':'2026-11-25T22:45:56Z'}}}}}");
}

Test(smp_kubectl, rollout_pause_and_resume)
{
	smp_ok("Deployment", "{'spec':{'replicas':2}}", "{'spec':{'paused':true}}",
	       "{'spec':{'replicas':2,'paused':true}}");
	smp_ok("Deployment", "{'spec':{'replicas':2,'paused':true}}", "{'spec':{'paused':null}}",
	       "{'spec':{'replicas':2}}");
	smp_ok("Deployment", "{'spec':{'replicas':2}}", "{'spec':{'paused':null}}",
	       "{'spec':{'replicas':2}}");
}

Test(smp_kubectl, cordon)
{
	smp_ok("Node", "{'metadata':{'name':'node-1'},'spec':{'podCIDR':'10.244.0.0/24'}}",
	       "{'spec':{'unschedulable':true}}",
	       "{'metadata':{'name':'node-1'},'spec':{'podCIDR':'10.244.0.0/24','unschedulable':"
	       "true}}");
}

/* kubectl diff sends the resourceVersion inside the patch; it is a plain field here. */
Test(smp_kubectl, diff_with_resource_version)
{
	smp_ok("Pod", "{'metadata':{'name':'p','resourceVersion':'112'}}",
	       "{'metadata':{'resourceVersion':'112','labels':{'a':'b'}}}",
	       "{'metadata':{'name':'p','resourceVersion':'112','labels':{'a':'b'}}}");
}

/* ---- strategic merge patch: lists merged by key --------------------------------------- */

Test(smp_lists, containers_by_name)
{
	smp_ok("Pod",
	       "{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:1',"
	       "'tty':true}]}}",
	       "{'spec':{'containers':[{'name':'b','image':'b:2','tty':null}]}}",
	       "{'spec':{'containers':[{'name':'a','image':'a:1'},{'name':'b','image':'b:2'}]}}");
}

/* Without $setElementOrder a new item goes where Kubernetes puts it: in the
 * patch's order, ahead of the stored items that follow no patched one. */
Test(smp_lists, new_item_without_order)
{
	smp_ok("Pod", "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
	       "{'spec':{'containers':[{'name':'c','image':'c:1'}]}}",
	       "{'spec':{'containers':[{'name':'c','image':'c:1'},{'name':'a'},{'name':'b'}]}}");
	smp_ok("Pod", "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'d'}]}}",
	       "{'spec':{'containers':[{'name':'b','x':1},{'name':'c'}]}}",
	       "{'spec':{'containers':[{'name':'a'},{'name':'b','x':1},{'name':'c'},{'name':'d'}]}"
	       "}");
}

Test(smp_lists, container_ports_by_container_port_service_ports_by_port)
{
	smp_ok("Deployment",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','ports':[{'containerPort':"
	       "80,"
	       "'name':'http'},{'containerPort':443}]}]}}}}",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','ports':[{'containerPort':"
	       "80,"
	       "'protocol':'TCP'}]}]}}}}",
	       "{'spec':{'template':{'spec':{'containers':[{'name':'c','ports':[{'containerPort':"
	       "80,"
	       "'name':'http','protocol':'TCP'},{'containerPort':443}]}]}}}}");
	smp_ok("Service", "{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
	       "{'spec':{'ports':[{'port':443,'targetPort':8443}]}}",
	       "{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443,'targetPort':8443}]}}");
	/* a Service port without "port" is an error, a container port without it too */
	smp_fails("Service", "{'spec':{'ports':[{'port':80}]}}",
		  "{'spec':{'ports':[{'containerPort':80}]}}",
		  "list \"ports\": item has no merge key \"port\"");
}

Test(smp_lists, volume_mounts_by_mount_path)
{
	smp_ok("Pod",
	       "{'spec':{'containers':[{'name':'c','volumeMounts':[{'name':'a','mountPath':'/a'},"
	       "{'name':'b','mountPath':'/b'}]}]}}",
	       "{'spec':{'containers':[{'name':'c','volumeMounts':[{'mountPath':'/a','readOnly':"
	       "true},{'mountPath':'/b','$patch':'delete'}]}]}}",
	       "{'spec':{'containers':[{'name':'c','volumeMounts':[{'name':'a','mountPath':'/a',"
	       "'readOnly':true}]}]}}");
}

Test(smp_lists, status_conditions_by_type)
{
	smp_ok("Pod",
	       "{'status':{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'True'},"
	       "{'type':'Ready','status':'False'}]}}",
	       "{'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True'}]}}",
	       "{'status':{'phase':'Running','conditions':[{'type':'PodScheduled','status':'True'},"
	       "{'type':'Ready','status':'True'}]}}");
	smp_ok("Deployment", "{'status':{'conditions':[{'type':'Available','status':'False'}]}}",
	       "{'status':{'$setElementOrder/conditions':[{'type':'Available'},{'type':"
	       "'Progressing'}],'conditions':[{'type':'Progressing','status':'True'}]}}",
	       "{'status':{'conditions':[{'type':'Available','status':'False'},{'type':"
	       "'Progressing','status':'True'}]}}");
}

Test(smp_lists, owner_references_by_uid_and_new_list)
{
	smp_ok("ReplicaSet",
	       "{'metadata':{'name':'x','ownerReferences':[{'uid':'u1','kind':'Deployment',"
	       "'name':'x'}]}}",
	       "{'metadata':{'$setElementOrder/ownerReferences':[{'uid':'u1'},{'uid':'u2'}],"
	       "'ownerReferences':[{'uid':'u1','controller':true},{'uid':'u2','kind':'Thing'}]}}",
	       "{'metadata':{'name':'x','ownerReferences':[{'uid':'u1','kind':'Deployment','name':"
	       "'x','controller':true},{'uid':'u2','kind':'Thing'}]}}");
	/* a list the object does not have yet: directives inside are applied, not stored */
	smp_ok("Pod", "{'metadata':{'name':'p'}}",
	       "{'metadata':{'ownerReferences':[{'uid':'u1','kind':'Node','x':null},"
	       "{'uid':'u9','$patch':'delete'}]}}",
	       "{'metadata':{'name':'p','ownerReferences':[{'uid':'u1','kind':'Node'}]}}");
}

/* Tolerations, args and envFrom are atomic: the patch's list replaces. */
Test(smp_lists, untagged_lists_replace)
{
	smp_ok("Pod",
	       "{'spec':{'tolerations':[{'key':'a'}],'containers':[{'name':'c','args':['x','y'],"
	       "'envFrom':[{'configMapRef':{'name':'m'}}]}]}}",
	       "{'spec':{'tolerations':[{'key':'b'}],'containers':[{'name':'c','args':['z'],"
	       "'envFrom':[{'secretRef':{'name':'s'}}]}]}}",
	       "{'spec':{'tolerations':[{'key':'b'}],'containers':[{'name':'c','args':['z'],"
	       "'envFrom':[{'secretRef':{'name':'s'}}]}]}}");
}

/* The same field name merges by context: "ports" of a Service by port, of a
 * pod's container by containerPort; an unknown kind replaces every list. */
Test(smp_lists, schema_per_kind)
{
	smp_ok("Pod", "{'spec':{'ports':[{'port':1}]}}", "{'spec':{'ports':[{'port':2}]}}",
	       "{'spec':{'ports':[{'port':2}]}}");
	smp_ok("Widget", "{'metadata':{'finalizers':['a']},'spec':{'containers':[{'name':'a'}]}}",
	       "{'metadata':{'finalizers':['b']},'spec':{'containers':[{'name':'b'}]}}",
	       "{'metadata':{'finalizers':['b']},'spec':{'containers':[{'name':'b'}]}}");
	/* finalizers merge on every kind; a new value goes in front (mergeSortedSlice) */
	smp_ok("ConfigMap", "{'metadata':{'finalizers':['a']},'data':{'k':'v'}}",
	       "{'metadata':{'finalizers':['b']},'data':{'k':null,'j':'w'}}",
	       "{'metadata':{'finalizers':['b','a']},'data':{'j':'w'}}");
	smp_ok("CronJob",
	       "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a',"
	       "'image':'1'},{'name':'b'}]}}}}}}",
	       "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a',"
	       "'image':'2'}]}}}}}}",
	       "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a',"
	       "'image':'2'},{'name':'b'}]}}}}}}");
	cr_expect_not_null(cube_smp_schema_for(NULL));
}

Test(smp_lists, delete_by_null_and_new_fields)
{
	smp_ok("Pod",
	       "{'metadata':{'labels':{'a':'1','b':'2'}},'spec':{'nodeSelector':{'disk':'ssd'}}}",
	       "{'metadata':{'labels':{'a':null,'c':'3'}},'spec':{'nodeSelector':null,"
	       "'hostNetwork':true,'dnsConfig':{'options':[{'name':'ndots'}],'x':null}}}",
	       "{'metadata':{'labels':{'b':'2','c':'3'}},'spec':{'hostNetwork':true,"
	       "'dnsConfig':{'options':[{'name':'ndots'}]}}}");
}

Test(smp_lists, finalizers_set_union)
{
	/* Kubernetes: "unique scalars when merging lists" */
	smp_ok("Pod", INTS_DOC("[1,2]"), INTS_DOC("[2,3]"), INTS_DOC("[1,2,3]"));
	/* stored duplicates collapse, as Kubernetes' deduplicateScalars does */
	smp_ok("Pod", INTS_DOC("['a','a','b']"), INTS_DOC("['b']"), INTS_DOC("['a','b']"));
	/* "preserve the order from the patch in a merging int list" */
	smp_ok("Pod", INTS_DOC("[1,2,3]"), INTS_DOC("[3,1]"), INTS_DOC("[2,3,1]"));
}

/* "preserve the order from the patch in a merging list 2" */
Test(smp_lists, patch_order_without_set_element_order)
{
	smp_ok("Pod", LIST_DOC("[{'name':'1'},{'name':'2','value':'b'},{'name':'3'}]"),
	       LIST_DOC("[{'name':'3','value':'c'},{'name':'1','value':'a'}]"),
	       LIST_DOC("[{'name':'2','value':'b'},{'name':'3','value':'c'},{'name':'1','value':"
			"'a'}]"));
}

/* "de-duplicate entries in a merging list" / "delete all duplicate entries
 * in a merging list": one item per delete directive */
Test(smp_lists, delete_duplicates)
{
	const char *doc = LIST_DOC("[{'name':'1'},{'name':'1'},{'name':'2','value':'a'},"
				   "{'name':'3'},{'name':'3'}]");
	smp_ok("Pod", doc,
	       LIST_DOC("[{'name':'1','$patch':'delete'},{'name':'3','$patch':'delete'}]"),
	       LIST_DOC("[{'name':'1'},{'name':'2','value':'a'},{'name':'3'}]"));
	smp_ok("Pod", doc,
	       LIST_DOC("[{'name':'1','$patch':'delete'},{'name':'1','$patch':'delete'},"
			"{'name':'3','$patch':'delete'},{'name':'3','$patch':'delete'}]"),
	       LIST_DOC("[{'name':'2','value':'a'}]"));
	smp_ok("Pod", LIST_DOC("[{'name':'1'},{'name':'2'}]"),
	       LIST_DOC("[{'name':'1','$patch':'delete'},{'name':'2','$patch':'delete'}]"),
	       LIST_DOC("[]"));
}

/* ---- strategic merge patch: directives ---------------------------------------------------- */

Test(smp_directives, patch_replace_map)
{
	smp_ok("Pod", "{'metadata':{'labels':{'a':'1','b':'2'}}}",
	       "{'metadata':{'labels':{'$patch':'replace','c':'3','d':null}}}",
	       "{'metadata':{'labels':{'c':'3'}}}");
	/* "delete all keys from map" */
	smp_ok("Pod", "{'name':1,'value':1}", "{'$patch':'replace'}", "{}");
}

Test(smp_directives, patch_delete_map)
{
	smp_ok("Pod",
	       "{'metadata':{'name':'p','labels':{'a':'1'}},'spec':{'securityContext':{'runAsUser':"
	       "1}}}",
	       "{'metadata':{'labels':{'$patch':'delete'}},'spec':{'securityContext':{'$patch':"
	       "'delete'},'affinity':{'$patch':'delete'}}}",
	       "{'metadata':{'name':'p'},'spec':{}}");
	smp_ok("Pod", "{'a':1}", "{'$patch':'delete'}", "{}");
}

Test(smp_directives, patch_merge_is_the_default)
{
	smp_ok("Pod", "{'metadata':{'labels':{'a':'1'}}}",
	       "{'metadata':{'labels':{'$patch':'merge','b':'2'}}}",
	       "{'metadata':{'labels':{'a':'1','b':'2'}}}");
}

Test(smp_directives, list_replace)
{
	/* "delete all items from merging list" */
	smp_ok("Pod", LIST_DOC("[{'name':'1'},{'name':'2'}]"), LIST_DOC("[{'$patch':'replace'}]"),
	       LIST_DOC("[]"));
	smp_ok("Pod", LIST_DOC("[{'name':'1','image':'a'},{'name':'2'}]"),
	       LIST_DOC("[{'name':'3'},{'$patch':'replace'},{'name':'1'}]"),
	       LIST_DOC("[{'name':'3'},{'name':'1'}]"));
}

Test(smp_directives, delete_from_primitive_list_finalizers)
{
	smp_ok("Pod",
	       "{'metadata':{'finalizers':['kubernetes.io/pv-protection','foo.io/x','bar.io/y']}}",
	       "{'metadata':{'$deleteFromPrimitiveList/finalizers':['foo.io/x','absent']}}",
	       "{'metadata':{'finalizers':['kubernetes.io/pv-protection','bar.io/y']}}");
	/* Kubernetes: "add and delete items in lists of scalars" (current 1,2,3,4) */
	smp_ok("Pod", INTS_DOC("[1,2,3,4]"),
	       "{'metadata':{'$setElementOrder/finalizers':[1,2,4],"
	       "'$deleteFromPrimitiveList/finalizers':[3],'finalizers':[4]}}",
	       INTS_DOC("[1,2,4]"));
	/* "delete all duplicate items in lists of scalars" */
	smp_ok("Pod", INTS_DOC("[1,2,3,3,4]"),
	       "{'metadata':{'$setElementOrder/finalizers':[1,2],"
	       "'$deleteFromPrimitiveList/finalizers':[3]}}",
	       INTS_DOC("[1,2,4]"));
	/* a list that is not there: nothing to delete */
	smp_ok("Pod", "{'metadata':{}}",
	       "{'metadata':{'$deleteFromPrimitiveList/finalizers':['a']}}", "{'metadata':{}}");
}

/* Kubernetes' retainKeys cases (a Deployment's strategy is tagged retainKeys). */
Test(smp_directives, retain_keys)
{
	smp_ok("Deployment",
	       "{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}",
	       "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}",
	       "{'spec':{'strategy':{'type':'Recreate'}}}");
	/* "retainKeys map adds a field and clear a field" */
	smp_ok("Pod", "{'retainKeysMap':{'name':'foo','other':'a'}}",
	       "{'retainKeysMap':{'$retainKeys':['name','value'],'value':'bar'}}",
	       "{'retainKeysMap':{'name':'foo','value':'bar'}}");
	/* "retainKeys map deletes a field in a nested map" */
	smp_ok("Pod",
	       "{'m':{'name':'foo','value':'bar','simpleMap':{'key1':'a','key2':'b','key3':'c'}}}",
	       "{'m':{'$retainKeys':['name','simpleMap','value'],'simpleMap':{'key2':null}}}",
	       "{'m':{'name':'foo','value':'bar','simpleMap':{'key1':'a','key3':'c'}}}");
	/* a volume switching source: kubectl apply's retainKeys on volumes items */
	smp_ok("Pod", "{'spec':{'volumes':[{'name':'v','emptyDir':{}}]}}",
	       "{'spec':{'volumes':[{'$retainKeys':['configMap','name'],'name':'v','configMap':"
	       "{'name':'cm'}}]}}",
	       "{'spec':{'volumes':[{'name':'v','configMap':{'name':'cm'}}]}}");
	smp_fails("Pod", "{'m':{'a':1}}", "{'m':{'$retainKeys':['a'],'b':2}}",
		  "\"$retainKeys\" does not list \"b\", which the patch sets");
	smp_fails("Pod", "{'m':{'a':1}}", "{'m':{'$retainKeys':'a'}}",
		  "\"$retainKeys\" must be a list of field names");
}

/* ---- strategic merge patch: $setElementOrder (cases of patch_test.go) ---------------------- */

/* "add an item in a list and preserve order" */
Test(smp_order, add_item_in_front)
{
	smp_ok("Pod", LIST_DOC("[{'name':'1','other':'a'},{'name':'2','value':'2','other':'b'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'3'},{'name':'1'},{'name':'2'}],"
	       "'containers':[{'name':'3','value':'3'}]}}",
	       LIST_DOC(
		       "[{'name':'3','value':'3'},{'name':'1','other':'a'},{'name':'2','value':'2',"
		       "'other':'b'}]"));
}

/* "set elements order in a list with server-only items 2" */
Test(smp_order, server_only_items_keep_their_place)
{
	smp_ok("Pod",
	       LIST_DOC("[{'name':'1','other':'a'},{'name':'2','value':'2'},{'name':'9'},"
			"{'name':'3','value':'3'},{'name':'4','value':'4'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'2'},{'name':'1'},{'name':'4'},"
	       "{'name':'3'}]}}",
	       LIST_DOC("[{'name':'2','value':'2'},{'name':'1','other':'a'},{'name':'9'},"
			"{'name':'4','value':'4'},{'name':'3','value':'3'}]"));
}

/* "set elements order in a int list with server-only items 3" */
Test(smp_order, int_list_server_only_items)
{
	smp_ok("Pod", INTS_DOC("[1,2,7,9,8,3,4]"),
	       "{'metadata':{'$setElementOrder/finalizers':[2,1,4,3]}}",
	       INTS_DOC("[2,1,7,9,8,4,3]"));
}

/* "add map to merging list by pointer": a new item and a server-only one */
Test(smp_order, new_and_server_only_items)
{
	smp_ok("Pod", LIST_DOC("[{'name':'1','other':'a'},{'name':'3'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'1'},{'name':'2'}],"
	       "'containers':[{'name':'2'}]}}",
	       LIST_DOC("[{'name':'1','other':'a'},{'name':'2'},{'name':'3'}]"));
	/* "add an item in a list of primitives and preserve order" */
	smp_ok("Pod", INTS_DOC("[1,4,2]"),
	       "{'metadata':{'$setElementOrder/finalizers':[3,1,2],'finalizers':[3]}}",
	       INTS_DOC("[3,1,4,2]"));
	/* "merge lists of scalars" */
	smp_ok("Pod", INTS_DOC("[1,2,4]"),
	       "{'metadata':{'$setElementOrder/finalizers':[1,2,3],'finalizers':[3]}}",
	       INTS_DOC("[1,2,3,4]"));
}

/* "delete an item in a list and preserve order", "add and delete ..." */
Test(smp_order, delete_and_reorder)
{
	smp_ok("Pod",
	       LIST_DOC(
		       "[{'name':'1','other':'a'},{'name':'2','value':'2','other':'b'},{'name':'3',"
		       "'value':'3'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'2'},{'name':'1'}],'containers':"
	       "[{'name':'3','$patch':'delete'}]}}",
	       LIST_DOC("[{'name':'2','value':'2','other':'b'},{'name':'1','other':'a'}]"));
	smp_ok("Pod",
	       LIST_DOC(
		       "[{'name':'1','other':'a'},{'name':'2','value':'2','other':'b'},{'name':'3',"
		       "'value':'3'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'4'},{'name':'2'},{'name':'1'}],"
	       "'containers':[{'name':'4','value':'4'},{'name':'3','$patch':'delete'}]}}",
	       LIST_DOC("[{'name':'4','value':'4'},{'name':'2','value':'2','other':'b'},"
			"{'name':'1','other':'a'}]"));
}

/* "$setElementOrder contains item that is not present in the list to be merged" */
Test(smp_order, names_absent_items)
{
	smp_ok("Pod", LIST_DOC("[{'name':'1'},{'name':'3'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'3'},{'name':'2'},{'name':'1'}],"
	       "'containers':[{'name':'3','value':'3'},{'name':'1','value':'1'}]}}",
	       LIST_DOC("[{'name':'3','value':'3'},{'name':'1','value':'1'}]"));
}

/* "behavior of set element order for a merging list with duplicate" */
Test(smp_order, duplicates_in_the_stored_list)
{
	smp_ok("Pod",
	       LIST_DOC("[{'name':'1'},{'name':'2','value':'dup1'},{'name':'3'},{'name':'2',"
			"'value':'dup2'},{'name':'4'}]"),
	       "{'spec':{'$setElementOrder/containers':[{'name':'2'},{'name':'1'},{'name':'4'},"
	       "{'name':'3'},{'name':'2'}]}}",
	       LIST_DOC("[{'name':'2','value':'dup1'},{'name':'2','value':'dup2'},{'name':'1'},"
			"{'name':'4'},{'name':'3'}]"));
}

/* the directive names a list that is not stored yet, and one for a list that is replaced */
Test(smp_order, new_list_and_replaced_list)
{
	smp_ok("Pod", "{'spec':{}}",
	       "{'spec':{'$setElementOrder/"
	       "initContainers':[{'name':'b'},{'name':'x'},{'name':'a'}],"
	       "'initContainers':[{'name':'b'},{'name':'a','x':null}],"
	       "'$setElementOrder/tolerations':[{'key':'x'}],'tolerations':[{'key':'y'}]}}",
	       "{'spec':{'initContainers':[{'name':'b'},{'name':'a'}],'tolerations':[{'key':'y'}]}"
	       "}");
}

/* "should check if order in $setElementOrder and patch list match" */
Test(smp_order, must_match_the_patch_list)
{
	smp_fails("Pod", LIST_DOC("[{'name':'1'},{'name':'3'},{'name':'2'}]"),
		  "{'spec':{'$setElementOrder/containers':[{'name':'1'},{'name':'2'},{'name':'3'}],"
		  "'containers':[{'name':'3','value':'3'},{'name':'1','value':'1'}]}}",
		  "the order of list \"containers\" in the patch does not match "
		  "\"$setElementOrder/containers\"");
	smp_fails("Pod", INTS_DOC("[1,3,2]"),
		  "{'metadata':{'$setElementOrder/finalizers':[1,2,3],'finalizers':[3,1]}}",
		  "the order of list \"finalizers\" in the patch does not match "
		  "\"$setElementOrder/finalizers\"");
	smp_fails("Pod", LIST_DOC("[]"), "{'spec':{'$setElementOrder/containers':[{'image':'x'}]}}",
		  "\"$setElementOrder/containers\": item has no merge key \"name\"");
	smp_fails("Pod", LIST_DOC("[]"), "{'spec':{'$setElementOrder/containers':'x'}}",
		  "\"$setElementOrder/containers\" must be a list");
	smp_fails(
		"Pod", LIST_DOC("[]"),
		"{'spec':{'$setElementOrder/containers':[],'containers':{'name':'x'}}}",
		"\"$setElementOrder/containers\" goes with a list, but \"containers\" is not one");
	smp_fails("Pod", INTS_DOC("[]"), "{'metadata':{'$setElementOrder/finalizers':[{'a':1}]}}",
		  "\"$setElementOrder/finalizers\" must list values");
}

/* ---- strategic merge patch: errors ------------------------------------------------------- */

Test(smp_errors, unknown_directives)
{
	smp_fails("Pod", "{}", "{'metadata':{'$frobnicate':1}}",
		  "unknown directive \"$frobnicate\"");
	smp_fails("Pod", "{}", "{'$setElementOrder':[]}", "unknown directive \"$setElementOrder\"");
	smp_fails("Pod", "{}", "{'$deleteFromPrimitiveList/':[]}",
		  "unknown directive \"$deleteFromPrimitiveList/\"");
	smp_fails("Pod", "{}", "{'metadata':{'$patch':'frob'}}",
		  "unknown \"$patch\" directive (want \"delete\", \"replace\" or \"merge\")");
	smp_fails("Pod", LIST_DOC("[{'name':'a'}]"), LIST_DOC("[{'name':'a','$patch':'frob'}]"),
		  "list \"containers\": unknown \"$patch\" directive (want \"delete\" or "
		  "\"replace\")");
	smp_fails("Pod", LIST_DOC("[{'name':'a'}]"), LIST_DOC("[{'$patch':'merge'}]"),
		  "list \"containers\": \"$patch\": \"merge\" is not supported in a list");
}

/* Kubernetes: "missing merge key should error out" */
Test(smp_errors, missing_merge_key)
{
	smp_fails("Pod", LIST_DOC("[{'name':'1','value':'a'}]"), LIST_DOC("[{'value':'b'}]"),
		  "list \"containers\": item has no merge key \"name\"");
	smp_fails("Pod", "{'spec':{'containers':[{'name':'c','env':[{'name':'A'}]}]}}",
		  "{'spec':{'containers':[{'name':'c','env':[{'value':'x'}]}]}}",
		  "list \"env\": item has no merge key \"name\"");
	smp_fails("Pod", LIST_DOC("[{'name':'a'}]"), LIST_DOC("[{'$patch':'delete'}]"),
		  "list \"containers\": item has no merge key \"name\"");
	/* a stored item without its key cannot be ordered either */
	smp_fails("Pod", LIST_DOC("[{'image':'a'}]"), LIST_DOC("[{'name':'b'}]"),
		  "list \"containers\": item has no merge key \"name\"");
}

Test(smp_errors, bad_lists_and_patches)
{
	smp_fails("Pod", LIST_DOC("[{'name':'a'}]"), LIST_DOC("['b']"),
		  "list \"containers\" mixes items of different types");
	smp_fails("Pod", INTS_DOC("[[1]]"), INTS_DOC("[2]"),
		  "list \"finalizers\": lists of lists cannot be merged");
	smp_fails("Pod", INTS_DOC("['a']"), INTS_DOC("[{'x':1}]"),
		  "list \"finalizers\" mixes items of different types");
	smp_fails("Pod", INTS_DOC("[]"), INTS_DOC("[{'x':1}]"),
		  "list \"finalizers\" merges as a set of values; it cannot hold objects");
	smp_fails("Pod", "{}", "{'metadata':{'$deleteFromPrimitiveList/finalizers':'a'}}",
		  "\"$deleteFromPrimitiveList/finalizers\" must be a list of values");
	smp_fails("Pod", "{}", "[1]", "a strategic merge patch must be a JSON object");
}

Test(smp_errors, depth_limit)
{
	cJSON *patch = nested_object(200);
	cJSON *doc = J("{}");
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(cube_strategic_merge_patch(doc, patch, cube_smp_schema_for("Pod"), &err));
	expect_msg(&err, "patch nests deeper than 128 levels");
	cJSON_Delete(patch);
	cJSON_Delete(doc);
}

/* With no lists and no directives, a strategic merge patch is a merge patch. */
Test(smp_errors, plain_maps_are_a_merge_patch)
{
	static const char *const cases[][2] = {
		{"{'a':{'b':1,'c':[1]},'d':2}", "{'a':{'b':null,'c':{'x':null}},'d':{'e':{}}}"},
		{"[1]", "{'a':{'b':null}}"},
		{"{'a':1,'a':2}", "{'a':{'z':3}}"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *doc = J(cases[i][0]), *patch = J(cases[i][1]);
		cube_err err = CUBE_ERR_INIT;
		cJSON *m = cube_merge_patch(doc, patch, &err);
		cJSON *s = cube_strategic_merge_patch(doc, patch, cube_smp_schema_for("Pod"), &err);
		cr_assert_not_null(m);
		cr_assert_not_null(s, "%s", err.msg);
		cr_expect(cJSON_Compare(m, s, true), "case %zu differs", i);
		cJSON_Delete(m);
		cJSON_Delete(s);
		cJSON_Delete(doc);
		cJSON_Delete(patch);
	}
}
