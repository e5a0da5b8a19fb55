/* wait.c - cubectl wait, as kubectl v1.32's: --for=delete,
 * --for=condition=NAME[=VALUE] (status.conditions, case-folded, not met
 * while an observedGeneration lags metadata.generation),
 * --for=jsonpath='{EXPR}'[=VALUE]; objects by TYPE NAME, TYPE/NAME, -f,
 * or TYPE with -l / --all (-A); one --timeout for the whole run (0: check
 * once; negative: a week).  Prints "pod/x condition met" per object; the
 * errors are kubectl's ("timed out waiting for the condition on pods/x",
 * "condition not met for pods/x", "no matching resources found").
 *
 * Each object is checked with a GET every 200 ms (kubectl lists and
 * watches it: the same answers, other requests). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "flags.h"
#include "obj.h"
#include "ops.h"

static struct {
	const char *for_cond, *selector, *field_selector, *output, *timeout_arg;
	bool all, all_ns, local;
	int timeout;
	bool timeout_set;
	cctl_strv files;
	bool recursive;
} W = {.timeout = 30};

static const cctl_flag wait_flags[] = {
	{"for", 0, CCTL_STRING, &W.for_cond,
	 "The condition to wait on: [delete|condition=condition-name[=condition-value]|"
	 "jsonpath='{JSONPath expression}'=[JSONPath value]]."},
	{"timeout", 0, CCTL_STRING, &W.timeout_arg,
	 "The length of time to wait before giving up.  Zero means check once and don't wait, "
	 "negative means wait for a week."},
	{"selector", 'l', CCTL_STRING, &W.selector, "Selector (label query) to filter on"},
	{"field-selector", 0, CCTL_STRING, &W.field_selector,
	 "Selector (field query) to filter on"},
	{"all", 0, CCTL_BOOL, &W.all,
	 "Select all resources in the namespace of the specified "
	 "resource types"},
	{"all-namespaces", 'A', CCTL_BOOL, &W.all_ns,
	 "If present, list the requested object(s) across all namespaces."},
	{"filename", 'f', CCTL_ARRAY, &W.files, "identifying the resource."},
	{"recursive", 'R', CCTL_BOOL, &W.recursive,
	 "Process the directory used in -f, --filename recursively."},
	{"local", 0, CCTL_BOOL, &W.local, "If true, annotation will NOT contact api-server"},
	{"output", 'o', CCTL_STRING, &W.output, "Output format: name"},
	{0},
};

int cctl_signed_duration(const char *s, int *seconds)
{
	bool neg = s[0] == '-';
	if (cube_flags_duration(s + (neg || s[0] == '+'), seconds) < 0)
		return -1;
	if (neg)
		*seconds = -*seconds;
	return 0;
}

int cctl_duration_flag(const cctl *c, const char *flag, const char *arg, int *seconds)
{
	if (!arg || cctl_signed_duration(arg, seconds) == 0)
		return 0;
	fprintf(stderr,
		"Error: invalid argument \"%s\" for \"--%s\" flag: time: invalid duration "
		"\"%s\"\nSee 'cubectl %s --help' for usage.\n",
		arg, flag, arg, c->cmd_name ? c->cmd_name : "");
	return -1;
}

/* ---- the condition (pure, ops.h) ---------------------------------------------------- */

/* Splits "EXPR=VALUE" at each '=' that is not part of "==" (filters keep
 * theirs); returns the count of parts (up to 3). */
static int split_jsonpath(const char *in, char parts[3][1024])
{
	int n = 0;
	size_t len = 0;
	for (int k = 0; k < 3; k++)
		parts[k][0] = '\0';
	for (const char *p = in; *p; p++) {
		if (*p == '=' && p[1] == '=') {
			if (n < 3 && len + 2 < 1024) {
				parts[n][len++] = '=';
				parts[n][len++] = '=';
				parts[n][len] = '\0';
			}
			p++;
			continue;
		}
		if (*p == '=') {
			n++;
			len = 0;
			continue;
		}
		if (n < 3 && len + 1 < 1024) {
			parts[n][len++] = *p;
			parts[n][len] = '\0';
		}
	}
	return n + 1;
}

static void trim_quotes(char *s)
{
	size_t n = strlen(s), a = 0;
	while (a < n && (s[a] == '\'' || s[a] == '"'))
		a++;
	while (n > a && (s[n - 1] == '\'' || s[n - 1] == '"'))
		n--;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
}

int cctl_wait_cond_parse(const char *spec, cctl_wait_cond *out, char *msg, size_t size)
{
	memset(out, 0, sizeof(*out));
	const char *s = spec ? spec : "";
	if (!strcasecmp(s, "delete")) {
		out->kind = CCTL_WAIT_DELETE;
		return 0;
	}
	if (!strncmp(s, "condition=", 10)) {
		out->kind = CCTL_WAIT_CONDITION;
		const char *name = s + 10, *eq = strchr(name, '=');
		snprintf(out->name, sizeof(out->name), "%.*s",
			 (int)(eq ? (size_t)(eq - name) : strlen(name)), name);
		snprintf(out->value, sizeof(out->value), "%s", eq ? eq + 1 : "true");
		return 0;
	}
	if (!strncmp(s, "jsonpath=", 9)) {
		out->kind = CCTL_WAIT_JSONPATH;
		char parts[3][1024];
		int n = split_jsonpath(s + 9, parts);
		if (n > 2) {
			snprintf(msg, size,
				 "jsonpath wait format must be "
				 "--for=jsonpath='{.status.readyReplicas}'"
				 "=3 or --for=jsonpath='{.status.readyReplicas}'");
			return -1;
		}
		if (!parts[0][0]) {
			snprintf(msg, size, "jsonpath expression cannot be empty");
			return -1;
		}
		if (cctl_jsonpath_relaxed(parts[0], out->name, sizeof(out->name), msg, size) < 0)
			return -1;
		if (n == 2) {
			trim_quotes(parts[1]);
			if (!parts[1][0]) {
				snprintf(msg, size,
					 "jsonpath wait has to have a value after equal sign, like "
					 "--for=jsonpath='{.status.readyReplicas}'=3");
				return -1;
			}
			snprintf(out->value, sizeof(out->value), "%s", parts[1]);
			out->has_value = true;
		}
		cctl_jsonpath *j = cctl_jsonpath_parse(out->name, msg, size);
		if (!j)
			return -1;
		cctl_jsonpath_free(j);
		return 0;
	}
	if (!strncmp(s, "create", 6)) {
		out->kind = CCTL_WAIT_CREATE;
		return 0;
	}
	snprintf(msg, size, "unrecognized condition: \"%s\"", s);
	return -1;
}

static void trim_space(const char *s, const char **b, size_t *n)
{
	const char *e = s + strlen(s);
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	*b = s;
	*n = (size_t)(e - s);
}

int cctl_wait_cond_met(const cctl_wait_cond *w, const cJSON *obj, char *msg, size_t size)
{
	if (w->kind == CCTL_WAIT_CONDITION) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(obj, "status.conditions")) {
			const char *t = cube_json_str(c, "type"), *st = cube_json_str(c, "status");
			if (!t || strcasecmp(t, w->name) || !st)
				continue;
			const cJSON *gen = cube_json_path(obj, "metadata.generation");
			if (cJSON_IsNumber(gen)) {
				const cJSON *og =
					cJSON_GetObjectItemCaseSensitive(c, "observedGeneration");
				if (!cJSON_IsNumber(og))
					og = cube_json_path(obj, "status.observedGeneration");
				if (cJSON_IsNumber(og) && og->valuedouble < gen->valuedouble)
					return 0;
			}
			return !strcasecmp(st, w->value);
		}
		return 0;
	}
	if (w->kind == CCTL_WAIT_JSONPATH) {
		cctl_jsonpath *j = cctl_jsonpath_parse(w->name, msg, size);
		if (!j)
			return -1;
		cJSON *found = cctl_jsonpath_find(j, obj, msg, size);
		cctl_jsonpath_free(j);
		if (!found)
			return -1;
		int n = cJSON_GetArraySize(found), rc = 0;
		if (n > 1) {
			snprintf(msg, size,
				 "given jsonpath expression matches more than one value");
			rc = -1;
		} else if (n == 1 && !w->has_value) {
			rc = 1;
		} else if (n == 1) {
			const cJSON *v = cJSON_GetArrayItem(found, 0);
			if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
				snprintf(msg, size,
					 "jsonpath leads to a nested object or list which is not "
					 "supported");
				rc = -1;
			} else {
				char *s = cctl_go_sprint(v);
				const char *a, *b;
				size_t an, bn;
				trim_space(s ? s : "", &a, &an);
				trim_space(w->value, &b, &bn);
				rc = an == bn && !memcmp(a, b, an);
				free(s);
			}
		}
		cJSON_Delete(found);
		return rc;
	}
	return obj ? 1 : 0; /* create */
}

/* ---- the command ----------------------------------------------------------------------------- */

typedef struct target {
	const cctl_res *res;
	char ns[256], name[256], uid[128];
} target;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "pods/x": kubectl's Info.ObjectName in its errors. */
static void object_name(const target *t, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", t->res->gvr.resource, t->name);
}

/* GET; 1 with *obj, 0 when absent, -1 after printing the error. */
static int get_target(cctl *c, const target *t, cJSON **obj)
{
	char path[2048];
	cctl_path(t->res, t->res->gvr.namespaced ? t->ns : NULL, t->name, NULL, path, sizeof(path));
	cctl_resp r;
	*obj = NULL;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0)
		return -1;
	if (r.status == 404) {
		cctl_resp_clear(&r);
		return 0;
	}
	if (r.status != 200 || !r.body) {
		cctl_print_status_error(r.status, r.body, r.text, NULL, NULL);
		cctl_resp_clear(&r);
		return -1;
	}
	*obj = r.body;
	r.body = NULL;
	cctl_resp_clear(&r);
	return 1;
}

static void print_not_found(const target *t)
{
	char rn[300];
	cctl_res_name(t->res, rn, sizeof(rn));
	fprintf(stderr, "Error from server (NotFound): %s \"%s\" not found\n", rn, t->name);
}

/* Waits for one object.  0 (printed "condition met"), or 1 after printing. */
static int wait_one(cctl *c, const target *t, const cctl_wait_cond *w, double deadline)
{
	char on[600], msg[1024];
	object_name(t, on, sizeof(on));
	for (bool first = true;; first = false) {
		cube_autojson cJSON *obj = NULL;
		int got = get_target(c, t, &obj);
		if (got < 0)
			return 1;
		int met;
		if (w->kind == CCTL_WAIT_DELETE) {
			const char *uid = obj ? cube_obj_uid(obj) : NULL;
			met = !got || (t->uid[0] && uid && strcmp(uid, t->uid));
		} else if (w->kind == CCTL_WAIT_CREATE) {
			met = got;
		} else if (!got) {
			if (W.timeout == 0)
				return cctl_fail("condition not met for %s", on);
			print_not_found(t);
			return 1;
		} else {
			met = cctl_wait_cond_met(w, obj, msg, sizeof(msg));
			if (met < 0)
				return cctl_fail("%s", msg);
		}
		if (met) {
			cctl_print_op(t->res, t->name, "condition met");
			return 0;
		}
		/* kubectl names the object, but for create */
		char timed_out[700];
		snprintf(timed_out, sizeof(timed_out), "timed out waiting for the condition%s%s",
			 w->kind == CCTL_WAIT_CREATE ? "" : " on ",
			 w->kind == CCTL_WAIT_CREATE ? "" : on);
		if (w->kind == CCTL_WAIT_CREATE && W.timeout == 0)
			return cctl_fail("%s", timed_out);
		if (W.timeout == 0)
			return cctl_fail("condition not met for %s", on);
		if (!first && now_s() >= deadline)
			return cctl_fail("%s", timed_out);
		usleep(200 * 1000);
		if (now_s() >= deadline)
			return cctl_fail("%s", timed_out);
	}
}

/* Lists TYPE (with -l / --field-selector / -A) into targets.  The count, or
 * -1 after printing. */
static int list_targets(cctl *c, const cctl_res *r, target *out, int max)
{
	char path[4096];
	cctl_path(r, r->gvr.namespaced && !W.all_ns ? cctl_ns(c) : NULL, NULL, NULL, path,
		  sizeof(path));
	cctl_query(path, sizeof(path), "labelSelector", W.selector);
	cctl_query(path, sizeof(path), "fieldSelector", W.field_selector);
	cube_autojson cJSON *list = cctl_call(c, "GET", path, NULL, NULL, NULL);
	if (!list)
		return -1;
	int n = 0;
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(list, "items")) {
		if (n >= max)
			break;
		target *t = &out[n++];
		t->res = r;
		const char *ns = cube_obj_namespace(it);
		snprintf(t->ns, sizeof(t->ns), "%s", ns ? ns : "");
		snprintf(t->name, sizeof(t->name), "%s", cube_obj_name(it));
		snprintf(t->uid, sizeof(t->uid), "%s", cube_obj_uid(it) ? cube_obj_uid(it) : "");
	}
	return n;
}

int cctl_cmd_wait(cctl *c, int argc, char **argv)
{
	char *pos[256];
	int n = cctl_parse(c, wait_flags, argc, argv, pos, 256, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (cctl_duration_flag(c, "timeout", W.timeout_arg, &W.timeout) < 0)
		return 1;
	cctl_wait_cond w;
	char msg[1024];
	if (cctl_wait_cond_parse(W.for_cond, &w, msg, sizeof(msg)) < 0)
		return cctl_fail("%s", msg);
	if (W.timeout < 0)
		W.timeout = 168 * 3600;
	if (n == 0 && !W.files.n)
		return cctl_fail_no_resources();
	if (cctl_connect(c) < 0 || cctl_discover(c) < 0)
		return 1;
	static target ts[4096];
	int nt = 0;
	if (W.files.n) {
		cube_autojson cJSON *ms = cctl_read_manifests(&W.files, W.recursive);
		if (!ms)
			return 1;
		const cJSON *m;
		cJSON_ArrayForEach (m, ms) {
			const cJSON *o = cJSON_GetObjectItemCaseSensitive(m, "object");
			const cctl_res *r =
				cctl_resolve_kind(c, cube_obj_api_version(o), cube_obj_kind(o));
			if (!r)
				return cctl_fail("no matches for kind \"%s\"", cube_obj_kind(o));
			if (nt < 4096) {
				target *t = &ts[nt++];
				t->res = r;
				const char *ns = cube_obj_namespace(o);
				snprintf(t->ns, sizeof(t->ns), "%s", ns ? ns : cctl_ns(c));
				snprintf(t->name, sizeof(t->name), "%s", cube_obj_name(o));
			}
		}
	} else if (n == 1 && !strchr(pos[0], '/') && (W.selector || W.all || W.field_selector)) {
		const cctl_res *r = cctl_resolve(c, pos[0]);
		if (!r)
			return cctl_fail("the server doesn't have a resource type \"%s\"", pos[0]);
		nt = list_targets(c, r, ts, 4096);
		if (nt < 0)
			return 1;
	} else {
		cctl_ref refs[256];
		int nr = cctl_refs(c, pos, n, refs, 256);
		if (nr < 0)
			return 1;
		for (int i = 0; i < nr; i++) {
			target *t = &ts[nt++];
			t->res = refs[i].res;
			snprintf(t->ns, sizeof(t->ns), "%s", cctl_ns(c));
			snprintf(t->name, sizeof(t->name), "%s", refs[i].name);
		}
	}
	double deadline = now_s() + W.timeout;
	int visited = 0;
	for (int i = 0; i < nt; i++) {
		target *t = &ts[i];
		/* the builder's GET: a missing object is an error, but for delete */
		cube_autojson cJSON *obj = NULL;
		int got = get_target(c, t, &obj);
		if (got < 0)
			return 1;
		if (!got) {
			if (w.kind == CCTL_WAIT_DELETE)
				continue;
			if (w.kind != CCTL_WAIT_CREATE) {
				print_not_found(t);
				return 1;
			}
		}
		if (obj && !t->uid[0] && cube_obj_uid(obj))
			snprintf(t->uid, sizeof(t->uid), "%s", cube_obj_uid(obj));
		visited++;
		if (wait_one(c, t, &w, deadline))
			return 1;
	}
	if (!visited && w.kind != CCTL_WAIT_DELETE)
		return cctl_fail("no matching resources found");
	return 0;
}
