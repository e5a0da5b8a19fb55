/* test_cubectl.c - cubectl's pure parts: kubectl's tabwriter layout, Go's
 * JSON and fmt.Sprint of decoded JSON, jsonpath templates and
 * custom-columns as kubectl evaluates them, resource resolution (plurals,
 * singulars, short names, kinds, groups), kubectl's error texts for Status
 * answers, pflag-style flags, HumanDuration, the last-applied form, and the
 * pure halves of wait (--for), diff (the Secret masker, the diff program's
 * argv) and edit (comment stripping, the editor's argv). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cubectl.h"
#include "cli/ops.h"

static cJSON *J(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	cr_assert_not_null(j, "test literal is not JSON: %s", text);
	return j;
}

/* ---- tabwriter ------------------------------------------------------------------------ */

Test(tabwriter, kubectl_layout)
{
	cctl_tabw t = {0};
	cctl_tabw_add(&t, "NAME\tREADY\tSTATUS\n");
	cctl_tabw_add(&t, "a\t1/1\tRunning\n");
	cctl_tabw_add(&t, "longer-name\t0/1\tPending\n");
	char *s = cctl_tabw_render(&t);
	cr_assert_str_eq(s, "NAME          READY   STATUS\n"
			    "a             1/1     Running\n"
			    "longer-name   0/1     Pending\n");
	free(s);
	cctl_tabw_free(&t);
}

Test(tabwriter, minimum_width_and_blank_line_break_columns)
{
	cctl_tabw t = {0};
	cctl_tabw_add(&t, "A\tB\n1\t2\n\nLONGHEADER\tX\nv\tw\n");
	char *s = cctl_tabw_render(&t);
	/* columns are at least 6 wide; a blank line starts a new block */
	cr_assert_str_eq(s, "A     B\n1     2\n\nLONGHEADER   X\nv            w\n");
	free(s);
	cctl_tabw_free(&t);
}

Test(tabwriter, remembered_widths_never_shrink)
{
	cctl_tabw t = {.remember = true};
	cctl_tabw_add(&t, "NAME\tAGE\nsomething-long\t1s\n");
	free(cctl_tabw_render(&t));
	cctl_tabw_add(&t, "x\t2s\n");
	char *s = cctl_tabw_render(&t);
	cr_assert_str_eq(s, "x                2s\n");
	free(s);
	cctl_tabw_free(&t);
}

Test(tabwriter, tabbed_string_for_describe)
{
	cctl_tabw t = {.tabbed = true};
	cctl_tabw_add(&t, "REVISION\tCHANGE-CAUSE\n1\t<none>\n");
	char *s = cctl_tabw_render(&t);
	cr_assert_str_eq(s, "REVISION  CHANGE-CAUSE\n1         <none>\n");
	free(s);
	cctl_tabw_free(&t);
}

Test(tabwriter, utf8_counts_runes)
{
	cctl_tabw t = {0};
	cctl_tabw_add(&t, "N\tX\n\xc3\xa9t\xc3\xa9\t1\n");
	char *s = cctl_tabw_render(&t);
	cr_assert_str_eq(s, "N     X\n\xc3\xa9t\xc3\xa9   1\n");
	free(s);
	cctl_tabw_free(&t);
}

/* ---- Go's JSON and Sprint ---------------------------------------------------------------- */

Test(gojson, sorted_html_safe_compact)
{
	cJSON *v = J("{\"b\":1,\"a\":\"<x&y>\",\"c\":[true,null,1.5,{}],\"d\":\"\\n\\t\"}");
	char *s = cctl_json_go(v, 0);
	cr_assert_str_eq(s, "{\"a\":\"\\u003cx\\u0026y\\u003e\",\"b\":1,\"c\":[true,null,1.5,{}],"
			    "\"d\":\"\\n\\t\"}");
	free(s);
	cJSON_Delete(v);
}

Test(gojson, indented_like_marshal_indent)
{
	cJSON *v = J("{\"k\":[1,2],\"e\":[],\"o\":{\"z\":1}}");
	char *s = cctl_json_go(v, 4);
	cr_assert_str_eq(s, "{\n    \"e\": [],\n    \"k\": [\n        1,\n        2\n    ],\n"
			    "    \"o\": {\n        \"z\": 1\n    }\n}");
	free(s);
	cJSON_Delete(v);
}

Test(gojson, big_integers_stay_integers)
{
	cJSON *v = J("[17179869184, 0.25, -3]");
	char *s = cctl_json_go(v, 0);
	cr_assert_str_eq(s, "[17179869184,0.25,-3]");
	free(s);
	cJSON_Delete(v);
}

Test(gosprint, maps_and_slices)
{
	cJSON *v = J("{\"b\":[1,\"x\"],\"a\":true}");
	char *s = cctl_go_sprint(v);
	cr_assert_str_eq(s, "map[a:true b:[1 x]]");
	free(s);
	cJSON_Delete(v);
}

/* ---- jsonpath ------------------------------------------------------------------------------ */

static const char *POD_LIST =
	"{\"kind\":\"List\",\"items\":["
	"{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"x\"},"
	"\"annotations\":{\"scheduler.cube.io/scorecard\":\"{}\"}},"
	"\"spec\":{\"containers\":[{\"name\":\"c1\",\"image\":\"i1\"},{\"name\":\"c2\",\"image\":"
	"\"i2\"}]},"
	"\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":"
	"\"PodScheduled\",\"status\":\"True\"}],\"restarts\":3}},"
	"{\"metadata\":{\"name\":\"b\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"j\"}]"
	"},"
	"\"status\":{\"restarts\":0}}]}";

static void expect_jsonpath(const char *tmpl, const char *want)
{
	char msg[256] = "";
	cctl_jsonpath *j = cctl_jsonpath_parse(tmpl, msg, sizeof(msg));
	cr_assert_not_null(j, "parse %s: %s", tmpl, msg);
	cJSON *data = J(POD_LIST);
	char *out = NULL;
	int rc = cctl_jsonpath_exec(j, data, true, &out, msg, sizeof(msg));
	cr_assert_eq(rc, 0, "exec %s: %s", tmpl, msg);
	cr_assert_str_eq(out, want, "template %s", tmpl);
	free(out);
	cJSON_Delete(data);
	cctl_jsonpath_free(j);
}

Test(jsonpath, fields_wildcards_and_text)
{
	expect_jsonpath("{.items[*].metadata.name}", "a b");
	expect_jsonpath("names: {.items[0].metadata.name}!", "names: a!");
	expect_jsonpath("{.items[-1].metadata.name}", "b");
	expect_jsonpath("{.items[0].spec.containers[*].image}", "i1 i2");
	expect_jsonpath("{.items[0:1].metadata.name}", "a");
	expect_jsonpath("{.items[*].status.restarts}", "3 0");
	expect_jsonpath("{.kind}", "List");
}

Test(jsonpath, range_and_literals)
{
	expect_jsonpath("{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.containers[*].name}"
			"{\"\\n\"}{end}",
			"a\tc1 c2\nb\tc\n");
	expect_jsonpath("{range.items[*]}[{.metadata.name}]{end}", "[a][b]");
}

Test(jsonpath, filters_and_escaped_dots)
{
	expect_jsonpath("{.items[0].status.conditions[?(@.type==\"Ready\")].status}", "True");
	expect_jsonpath("{.items[?(@.status.restarts>1)].metadata.name}", "a");
	expect_jsonpath("{.items[?(@.metadata.labels)].metadata.name}", "a");
	expect_jsonpath("{.items[0].metadata.annotations.scheduler\\.cube\\.io/scorecard}", "{}");
	expect_jsonpath("{.items[0].metadata['name']}", "a");
}

Test(jsonpath, maps_print_as_json_and_missing_keys_print_nothing)
{
	expect_jsonpath("{.items[0].metadata.labels}", "{\"app\":\"x\"}");
	expect_jsonpath("{.items[0].spec.containers[0]}", "{\"image\":\"i1\",\"name\":\"c1\"}");
	expect_jsonpath("{.items[1].metadata.labels}", "");
	expect_jsonpath("{..image}", "i1 i2 j");
}

Test(jsonpath, errors)
{
	char msg[256] = "";
	cr_assert_null(cctl_jsonpath_parse("{.a", msg, sizeof(msg)));
	cr_assert_str_eq(msg, "unclosed action");
	cr_assert_null(cctl_jsonpath_parse("{end}", msg, sizeof(msg)));
	cctl_jsonpath *j = cctl_jsonpath_parse("{.nope}", msg, sizeof(msg));
	cJSON *d = J("{}");
	char *out = NULL;
	cr_assert_eq(cctl_jsonpath_exec(j, d, false, &out, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "nope is not found");
	free(out);
	cJSON_Delete(d);
	cctl_jsonpath_free(j);
}

Test(jsonpath, relaxed_expressions)
{
	char buf[128], msg[256];
	cr_assert_eq(cctl_jsonpath_relaxed(".a.b", buf, sizeof(buf), msg, sizeof(msg)), 0);
	cr_assert_str_eq(buf, "{.a.b}");
	cr_assert_eq(cctl_jsonpath_relaxed("a.b", buf, sizeof(buf), msg, sizeof(msg)), 0);
	cr_assert_str_eq(buf, "{.a.b}");
	cr_assert_eq(cctl_jsonpath_relaxed("{.a.b}", buf, sizeof(buf), msg, sizeof(msg)), 0);
	cr_assert_str_eq(buf, "{.a.b}");
	cr_assert_eq(cctl_jsonpath_relaxed("{a}{b}", buf, sizeof(buf), msg, sizeof(msg)), -1);
}

Test(custom_columns, kubectl_rendering)
{
	cJSON *l = J(POD_LIST);
	const cJSON *objs[2] = {cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 0),
				cJSON_GetArrayItem(cJSON_GetObjectItem(l, "items"), 1)};
	char msg[256] = "";
	char *s = cctl_custom_columns("NAME:.metadata.name,IMAGES:.spec.containers[*].image,"
				      "LABELS:.metadata.labels,X:.nope",
				      objs, 2, false, msg, sizeof(msg));
	cr_assert_not_null(s, "%s", msg);
	cr_assert_str_eq(s, "NAME   IMAGES   LABELS       X\n"
			    "a      i1,i2    map[app:x]   <none>\n"
			    "b      j        <none>       <none>\n");
	free(s);
	s = cctl_custom_columns("NAME", objs, 2, false, msg, sizeof(msg));
	cr_assert_null(s);
	cr_assert_str_eq(msg, "unexpected custom-columns spec: NAME, expected "
			      "<header>:<json-path-expr>");
	cJSON_Delete(l);
}

/* ---- resolution ------------------------------------------------------------------------------ */

Test(resolve, plurals_singulars_short_names_kinds_groups)
{
	cctl_res res[3] = {
		{.gvr = {"", "v1", "pods", "Pod", true}, .singular = "pod", .short_names = {"po"}},
		{.gvr = {"apps", "v1", "deployments", "Deployment", true},
		 .singular = "deployment",
		 .short_names = {"deploy"}},
		{.gvr = {"events.k8s.io", "v1", "events", "Event", true}, .singular = "event"},
	};
	cr_assert_eq(cctl_res_lookup(res, 3, "po"), &res[0]);
	cr_assert_eq(cctl_res_lookup(res, 3, "Pod"), &res[0]);
	cr_assert_eq(cctl_res_lookup(res, 3, "pods"), &res[0]);
	cr_assert_eq(cctl_res_lookup(res, 3, "deploy"), &res[1]);
	cr_assert_eq(cctl_res_lookup(res, 3, "deployments.apps"), &res[1]);
	cr_assert_eq(cctl_res_lookup(res, 3, "deployment.v1.apps"), &res[1]);
	cr_assert_eq(cctl_res_lookup(res, 3, "events.events.k8s.io"), &res[2]);
	cr_assert_null(cctl_res_lookup(res, 3, "deployments.batch"));
	cr_assert_null(cctl_res_lookup(res, 3, "foo"));
	char buf[64];
	cctl_kind_name("Deployment", "apps", buf, sizeof(buf));
	cr_assert_str_eq(buf, "deployment.apps");
	cctl_kind_name("Pod", "", buf, sizeof(buf));
	cr_assert_str_eq(buf, "pod");
}

/* ---- error texts -------------------------------------------------------------------------------
 */

static void expect_status(long code, const char *body, const char *prefix, const char *want)
{
	cJSON *b = body ? J(body) : NULL;
	char buf[2048];
	cctl_status_message(code, b, body, prefix, "get pods x", buf, sizeof(buf));
	cr_assert_str_eq(buf, want);
	cJSON_Delete(b);
}

Test(errors, as_kubectl_prints_them)
{
	expect_status(404,
		      "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"deployments.apps "
		      "\\\"x\\\" not found\",\"reason\":\"NotFound\",\"code\":404}",
		      NULL, "Error from server (NotFound): deployments.apps \"x\" not found");
	expect_status(409,
		      "{\"kind\":\"Status\",\"message\":\"pods \\\"web\\\" already exists\","
		      "\"reason\":\"AlreadyExists\",\"code\":409}",
		      "error when creating \"pod.yaml\": ",
		      "Error from server (AlreadyExists): error when creating \"pod.yaml\": pods "
		      "\"web\" already exists");
	expect_status(422,
		      "{\"kind\":\"Status\",\"message\":\"x\",\"reason\":\"Invalid\",\"details\":{"
		      "\"name\":\"bad\",\"kind\":\"Pod\",\"causes\":[{\"message\":\"Required "
		      "value\",\"field\":\"spec.containers\"}]},\"code\":422}",
		      NULL, "The Pod \"bad\" is invalid: spec.containers: Required value");
	expect_status(422,
		      "{\"kind\":\"Status\",\"message\":\"x\",\"reason\":\"Invalid\",\"details\":{"
		      "\"name\":\"bad\",\"kind\":\"Pod\",\"causes\":[{\"message\":\"m1\",\"field\":"
		      "\"a\"},{\"message\":\"m2\",\"field\":\"b\"}]},\"code\":422}",
		      NULL, "The Pod \"bad\" is invalid: \n* a: m1\n* b: m2");
	expect_status(404,
		      "{\"kind\":\"Status\",\"message\":\"pods \\\"x\\\" not found\",\"code\":404}",
		      NULL, "Error from server: pods \"x\" not found");
	expect_status(404, NULL, NULL,
		      "Error from server (NotFound): the server could not find the requested "
		      "resource (get pods x)");
	expect_status(401,
		      "{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"reason\":"
		      "\"Unauthorized\",\"code\":401}",
		      NULL, "error: You must be logged in to the server (Unauthorized)");
}

/* ---- flags ------------------------------------------------------------------------------------
 */

Test(flags, pflag_forms)
{
	const char *out = NULL, *ns = NULL;
	bool all = false, wide = false;
	int n = 0;
	cctl_strv files = {0};
	cctl_flag cmd[] = {{"output", 'o', CCTL_STRING, &out, ""},
			   {"all-namespaces", 'A', CCTL_BOOL, &all, ""},
			   {"wide", 'W', CCTL_BOOL, &wide, ""},
			   {"replicas", 0, CCTL_INT, &n, ""},
			   {"filename", 'f', CCTL_ARRAY, &files, ""},
			   {0}};
	cctl_flag glob[] = {{"namespace", 'n', CCTL_STRING, &ns, ""}, {0}};
	char *argv[] = {"pods",	       "-AW", "-oyaml", "x",	     "--replicas=3", "-n",
			"kube-system", "-f",  "a.yaml", "-f=b.yaml", "--",	     "-y"};
	char *pos[8];
	int dash;
	char msg[256];
	int np = cctl_flags_parse(cmd, glob, 12, argv, pos, 8, &dash, msg, sizeof(msg));
	cr_assert_eq(np, 3, "%s", msg);
	cr_assert_str_eq(pos[0], "pods");
	cr_assert_str_eq(pos[1], "x");
	cr_assert_str_eq(pos[2], "-y");
	cr_assert_eq(dash, 2);
	cr_assert(all && wide);
	cr_assert_str_eq(out, "yaml");
	cr_assert_eq(n, 3);
	cr_assert_str_eq(ns, "kube-system");
	cr_assert_eq(files.n, 2);
	cr_assert_str_eq(files.v[1], "b.yaml");
}

Test(flags, kubectl_error_texts)
{
	const char *out = NULL;
	int n = 0;
	cctl_flag cmd[] = {
		{"output", 'o', CCTL_STRING, &out, ""}, {"replicas", 0, CCTL_INT, &n, ""}, {0}};
	char *pos[4];
	char msg[256];
	char *a1[] = {"--bogus"};
	cr_assert_eq(cctl_flags_parse(cmd, NULL, 1, a1, pos, 4, NULL, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "unknown flag: --bogus");
	char *a2[] = {"-x"};
	cr_assert_eq(cctl_flags_parse(cmd, NULL, 1, a2, pos, 4, NULL, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "unknown shorthand flag: 'x' in -x");
	char *a3[] = {"-o"};
	cr_assert_eq(cctl_flags_parse(cmd, NULL, 1, a3, pos, 4, NULL, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "flag needs an argument: 'o' in -o");
	char *a4[] = {"--replicas=x"};
	cr_assert_eq(cctl_flags_parse(cmd, NULL, 1, a4, pos, 4, NULL, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "invalid argument \"x\" for \"--replicas\" flag: strconv.ParseInt: "
			      "parsing \"x\": invalid syntax");
	char *a5[] = {"--help"};
	cr_assert_eq(cctl_flags_parse(cmd, NULL, 1, a5, pos, 4, NULL, msg, sizeof(msg)), -2);
}

/* ---- durations and the last-applied form -------------------------------------------------- */

Test(duration, human_duration)
{
	static const struct {
		long s;
		const char *want;
	} cases[] = {{-5, "<invalid>"},
		     {-1, "0s"},
		     {5, "5s"},
		     {119, "119s"},
		     {130, "2m10s"},
		     {600, "10m"},
		     {3 * 3600, "3h"},
		     {3 * 3600 + 60, "3h1m"},
		     {47 * 3600, "47h"},
		     {50 * 3600, "2d2h"},
		     {400 * 86400L, "400d"},
		     {800 * 86400L, "2y70d"},
		     {9 * 365 * 86400L, "9y"}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		cctl_human_duration(cases[i].s, buf, sizeof(buf));
		cr_assert_str_eq(buf, cases[i].want, "%ld s", cases[i].s);
	}
}

char *cctl_last_applied(const cJSON *obj);

Test(apply, last_applied_is_kubectls_encoding)
{
	cJSON *o = J("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\","
		     "\"namespace\":\"default\",\"annotations\":{\"kubectl.kubernetes.io/"
		     "last-applied-configuration\":\"old\"}},\"data\":{\"k\":\"<v>\"}}");
	char *s = cctl_last_applied(o);
	cr_assert_str_eq(s, "{\"apiVersion\":\"v1\",\"data\":{\"k\":\"\\u003cv\\u003e\"},\"kind\":"
			    "\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"x\","
			    "\"namespace\":\"default\"}}\n");
	free(s);
	cJSON_Delete(o);
}

/* ---- wait --for ------------------------------------------------------------------------- */

static cctl_wait_cond parse_ok(const char *spec)
{
	cctl_wait_cond w;
	char msg[512] = "";
	cr_assert_eq(cctl_wait_cond_parse(spec, &w, msg, sizeof(msg)), 0, "%s: %s", spec, msg);
	return w;
}

static void parse_err(const char *spec, const char *want)
{
	cctl_wait_cond w;
	char msg[512] = "";
	cr_assert_eq(cctl_wait_cond_parse(spec, &w, msg, sizeof(msg)), -1, "%s parsed", spec);
	cr_assert_str_eq(msg, want);
}

Test(wait, for_conditions_parse_as_kubectl)
{
	cctl_wait_cond w = parse_ok("delete");
	cr_assert_eq(w.kind, CCTL_WAIT_DELETE);
	w = parse_ok("DELETE");
	cr_assert_eq(w.kind, CCTL_WAIT_DELETE);
	w = parse_ok("condition=Ready");
	cr_assert_eq(w.kind, CCTL_WAIT_CONDITION);
	cr_assert_str_eq(w.name, "Ready");
	cr_assert_str_eq(w.value, "true");
	w = parse_ok("condition=Available=False");
	cr_assert_str_eq(w.name, "Available");
	cr_assert_str_eq(w.value, "False");
	w = parse_ok("jsonpath={.status.phase}=Running");
	cr_assert_eq(w.kind, CCTL_WAIT_JSONPATH);
	cr_assert_str_eq(w.name, "{.status.phase}");
	cr_assert_str_eq(w.value, "Running");
	cr_assert(w.has_value);
	w = parse_ok("jsonpath=.status.phase");
	cr_assert_str_eq(w.name, "{.status.phase}");
	cr_assert_not(w.has_value);
	/* a filter's == stays in the expression; quotes around the value go */
	w = parse_ok("jsonpath={.status.conditions[?(@.type==\"Ready\")].status}='True'");
	cr_assert_str_eq(w.name, "{.status.conditions[?(@.type==\"Ready\")].status}");
	cr_assert_str_eq(w.value, "True");
	w = parse_ok("create");
	cr_assert_eq(w.kind, CCTL_WAIT_CREATE);
	parse_err("", "unrecognized condition: \"\"");
	parse_err("bogus", "unrecognized condition: \"bogus\"");
	parse_err("jsonpath={.a}=", "jsonpath wait has to have a value after equal sign, like "
				    "--for=jsonpath='{.status.readyReplicas}'=3");
	parse_err("jsonpath={.a}=b=c", "jsonpath wait format must be "
				       "--for=jsonpath='{.status.readyReplicas}'=3 or "
				       "--for=jsonpath='{.status.readyReplicas}'");
	parse_err("jsonpath=", "jsonpath expression cannot be empty");
}

static int met(const char *spec, const char *obj, char *msg)
{
	cctl_wait_cond w = parse_ok(spec);
	cJSON *o = J(obj);
	int r = cctl_wait_cond_met(&w, o, msg, 512);
	cJSON_Delete(o);
	return r;
}

Test(wait, conditions_met_as_kubectl_checks_them)
{
	char msg[512] = "";
	const char *pod = "{\"metadata\":{\"generation\":2},\"status\":{\"phase\":\"Running\","
			  "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
			  "{\"type\":\"Old\",\"status\":\"True\",\"observedGeneration\":1}],"
			  "\"containerStatuses\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}";
	cr_assert_eq(met("condition=Ready", pod, msg), 1);
	cr_assert_eq(met("condition=ready=TRUE", pod, msg), 1);
	cr_assert_eq(met("condition=Ready=false", pod, msg), 0);
	cr_assert_eq(met("condition=Missing", pod, msg), 0);
	/* a condition of an older generation does not count */
	cr_assert_eq(met("condition=Old", pod, msg), 0);
	cr_assert_eq(met("jsonpath={.status.phase}=Running", pod, msg), 1);
	cr_assert_eq(met("jsonpath={.status.phase}=Pending", pod, msg), 0);
	cr_assert_eq(met("jsonpath={.metadata.generation}=2", pod, msg), 1);
	cr_assert_eq(met("jsonpath={.status.phase}", pod, msg), 1);
	cr_assert_eq(met("jsonpath={.status.nope}", pod, msg), 0);
	cr_assert_eq(met("jsonpath={.status}=x", pod, msg), -1);
	cr_assert_str_eq(msg, "jsonpath leads to a nested object or list which is not supported");
	cr_assert_eq(met("jsonpath={.status.containerStatuses[*].name}=a", pod, msg), -1);
	cr_assert_str_eq(msg, "given jsonpath expression matches more than one value");
}

/* ---- diff ---------------------------------------------------------------------------------- */

Test(diff, secrets_masked_as_kubectl_masks_them)
{
	cJSON *from = J("{\"kind\":\"Secret\",\"data\":{\"same\":\"eA==\",\"changed\":\"eQ==\","
			"\"gone\":\"eg==\",\"empty\":\"\"}}");
	cJSON *to = J("{\"kind\":\"Secret\",\"data\":{\"same\":\"eA==\",\"changed\":\"dw==\","
		      "\"added\":\"dg==\",\"empty\":\"\"}}");
	cctl_diff_mask_secret(from, to);
	char *f = cJSON_PrintUnformatted(from), *t = cJSON_PrintUnformatted(to);
	cr_assert_str_eq(f, "{\"kind\":\"Secret\",\"data\":{\"same\":\"***\",\"changed\":\"*** "
			    "(before)\",\"gone\":\"*** (before)\",\"empty\":\"*** (before)\"}}");
	cr_assert_str_eq(t, "{\"kind\":\"Secret\",\"data\":{\"same\":\"***\",\"changed\":\"*** "
			    "(after)\",\"added\":\"***\",\"empty\":\"*** (after)\"}}");
	free(f);
	free(t);
	cJSON_Delete(from);
	cJSON_Delete(to);
	/* a new Secret: everything it has is "***" */
	to = J("{\"data\":{\"a\":\"eA==\",\"b\":null}}");
	cctl_diff_mask_secret(NULL, to);
	t = cJSON_PrintUnformatted(to);
	cr_assert_str_eq(t, "{\"data\":{\"a\":\"***\",\"b\":\"***\"}}");
	free(t);
	cJSON_Delete(to);
}

Test(diff, program_argv_as_kubectl_builds_it)
{
	char *argv[16], buf[512];
	int n = cctl_diff_argv(NULL, "/t/LIVE-1", "/t/MERGED-2", argv, 16, buf, sizeof(buf));
	cr_assert_eq(n, 5);
	cr_assert_str_eq(argv[0], "diff");
	cr_assert_str_eq(argv[1], "-u");
	cr_assert_str_eq(argv[2], "-N");
	cr_assert_str_eq(argv[3], "/t/LIVE-1");
	cr_assert_str_eq(argv[4], "/t/MERGED-2");
	cr_assert_null(argv[5]);
	/* the first word, the directories, then only plain words */
	n = cctl_diff_argv("colordiff -N --side-by-side $(rm) a=b  x;y", "L", "M", argv, 16, buf,
			   sizeof(buf));
	cr_assert_eq(n, 6);
	cr_assert_str_eq(argv[0], "colordiff");
	cr_assert_str_eq(argv[1], "L");
	cr_assert_str_eq(argv[2], "M");
	cr_assert_str_eq(argv[3], "-N");
	cr_assert_str_eq(argv[4], "--side-by-side");
	cr_assert_str_eq(argv[5], "a=b");
	cr_assert_null(argv[6]);
}

/* ---- edit ---------------------------------------------------------------------------------- */

Test(edit, comments_stripped_as_kubectl_strips_them)
{
	char *s = cctl_edit_strip_comments("# head\n#\napiVersion: v1\n  # indented\ndata:\n  a: "
					   "b # kept\n");
	cr_assert_str_eq(s, "apiVersion: v1\ndata:\n  a: b # kept\n");
	free(s);
	s = cctl_edit_strip_comments("# only\n");
	cr_assert_str_eq(s, "");
	free(s);
	s = cctl_edit_strip_comments("no newline");
	cr_assert_str_eq(s, "no newline");
	free(s);
}

Test(edit, editor_argv_as_kubectl_builds_it)
{
	char *argv[16], buf[512];
	int n = cctl_edit_editor_argv(NULL, NULL, NULL, "/t/f.yaml", argv, 16, buf, sizeof(buf));
	cr_assert_eq(n, 2);
	cr_assert_str_eq(argv[0], "vi");
	cr_assert_str_eq(argv[1], "/t/f.yaml");
	/* KUBE_EDITOR before EDITOR; words split at spaces */
	n = cctl_edit_editor_argv("code --wait", "nano", NULL, "/t/f.yaml", argv, 16, buf,
				  sizeof(buf));
	cr_assert_eq(n, 3);
	cr_assert_str_eq(argv[0], "code");
	cr_assert_str_eq(argv[1], "--wait");
	cr_assert_str_eq(argv[2], "/t/f.yaml");
	n = cctl_edit_editor_argv("", "nano", NULL, "/t/f.yaml", argv, 16, buf, sizeof(buf));
	cr_assert_str_eq(argv[0], "nano");
	/* quotes: the shell parses the command */
	n = cctl_edit_editor_argv(NULL, "sed -i 's/a/b/'", "/bin/sh", "/t/f.yaml", argv, 16, buf,
				  sizeof(buf));
	cr_assert_eq(n, 3);
	cr_assert_str_eq(argv[0], "/bin/sh");
	cr_assert_str_eq(argv[1], "-c");
	cr_assert_str_eq(argv[2], "sed -i 's/a/b/' \"/t/f.yaml\"");
	cr_assert_null(argv[3]);
}

Test(wait, signed_durations)
{
	int s = 0;
	cr_assert_eq(cctl_signed_duration("1m30s", &s), 0);
	cr_assert_eq(s, 90);
	cr_assert_eq(cctl_signed_duration("-1s", &s), 0);
	cr_assert_eq(s, -1);
	cr_assert_eq(cctl_signed_duration("0", &s), 0);
	cr_assert_eq(s, 0);
	cr_assert_eq(cctl_signed_duration("zz", &s), -1);
	cr_assert_eq(cctl_signed_duration("-", &s), -1);
}
