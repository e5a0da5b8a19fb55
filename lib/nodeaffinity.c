/* nodeaffinity.c - node selectors, required node affinity and taint
 * tolerations (see nodeaffinity.h); moved here from the scheduler's
 * NodeAffinity and TaintToleration plug-ins so that the DaemonSet controller
 * judges nodes exactly as the scheduler does. */
#include "nodeaffinity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"

static const cJSON *item(const cJSON *o, const char *name)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static const char *str_or(const cJSON *o, const char *name, const char *dflt)
{
	const cJSON *v = item(o, name);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* ---- tolerations ----------------------------------------------------------------------- */

bool cube_toleration_tolerates(const cJSON *t, const char *key, const char *value,
			       const char *effect)
{
	const char *te = str_or(t, "effect", "");
	if (te[0] && strcmp(te, effect) != 0)
		return false;
	const char *tk = str_or(t, "key", "");
	if (tk[0] && strcmp(tk, key) != 0)
		return false;
	const char *op = str_or(t, "operator", "");
	if (op[0] == '\0' || strcmp(op, "Equal") == 0)
		return strcmp(str_or(t, "value", ""), value) == 0;
	return strcmp(op, "Exists") == 0;
}

bool cube_pod_tolerates(const cJSON *pod, const char *key, const char *value, const char *effect)
{
	const cJSON *tols = cube_json_path(pod, "spec.tolerations");
	const cJSON *t;
	if (!cJSON_IsArray(tols))
		return false;
	cJSON_ArrayForEach (t, tols) {
		if (cube_toleration_tolerates(t, key, value, effect))
			return true;
	}
	return false;
}

const cJSON *cube_untolerated_taint(const cJSON *pod, const cJSON *node,
				    bool (*effect_filter)(const char *effect))
{
	const cJSON *t;
	cJSON_ArrayForEach (t, cube_json_path(node, "spec.taints")) {
		const char *effect = str_or(t, "effect", "");
		if (effect_filter && !effect_filter(effect))
			continue;
		if (!cube_pod_tolerates(pod, str_or(t, "key", ""), str_or(t, "value", ""), effect))
			return t;
	}
	return NULL;
}

/* ---- node affinity ------------------------------------------------------------------- */

static bool parse_int64(const char *s, int64_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || s[0] == ' ' || s[0] == '\t' || s[0] == '\n')
		return false;
	*out = v;
	return true;
}

static size_t array_len(const cJSON *a)
{
	return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}

static bool values_contain(const cJSON *values, const char *v)
{
	const cJSON *x;
	cJSON_ArrayForEach (x, values) {
		if (cJSON_IsString(x) && strcmp(x->valuestring, v) == 0)
			return true;
	}
	return false;
}

/* Checks one requirement of matchExpressions (fields = false) or
 * matchFields (true) as nodeSelectorRequirementsAsSelector /
 * AsFieldSelector do; 0 or -1 with err. */
static int req_validate(const cJSON *r, bool fields, const char *where, int i, char *err,
			size_t esz)
{
	const char *key = str_or(r, "key", NULL);
	const char *op = str_or(r, "operator", NULL);
	const cJSON *values = item(r, "values");
	size_t nv = array_len(values);
	const cJSON *x;
	const char *what = fields ? "matchFields" : "matchExpressions";
	if (values && !cJSON_IsNull(values) && !cJSON_IsArray(values)) {
		snprintf(err, esz, "%s.%s[%d]: values must be a list", where, what, i);
		return -1;
	}
	cJSON_ArrayForEach (x, values) {
		if (!cJSON_IsString(x)) {
			snprintf(err, esz, "%s.%s[%d]: values must be strings", where, what, i);
			return -1;
		}
	}
	if (!key || !*key) {
		snprintf(err, esz, "%s.%s[%d]: key must not be empty", where, what, i);
		return -1;
	}
	if (!op) {
		snprintf(err, esz, "%s.%s[%d]: operator is missing", where, what, i);
		return -1;
	}
	if (fields) {
		if (strcmp(op, "In") != 0 && strcmp(op, "NotIn") != 0) {
			snprintf(err, esz, "%s.%s[%d]: unsupported operator \"%s\" (In, NotIn)",
				 where, what, i, op);
			return -1;
		}
		if (nv != 1) {
			snprintf(err, esz, "%s.%s[%d]: values must have one element", where, what,
				 i);
			return -1;
		}
		return 0;
	}
	if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
		if (nv == 0) {
			snprintf(err, esz, "%s.%s[%d]: operator %s needs at least one value", where,
				 what, i, op);
			return -1;
		}
	} else if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) {
		if (nv != 0) {
			snprintf(err, esz, "%s.%s[%d]: operator %s takes no values", where, what, i,
				 op);
			return -1;
		}
	} else if (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0) {
		int64_t v;
		if (nv != 1 || !parse_int64(cJSON_GetArrayItem(values, 0)->valuestring, &v)) {
			snprintf(err, esz, "%s.%s[%d]: operator %s needs one integer value", where,
				 what, i, op);
			return -1;
		}
	} else {
		snprintf(err, esz,
			 "%s.%s[%d]: unsupported operator \"%s\" (In, NotIn, Exists, DoesNotExist, "
			 "Gt, Lt)",
			 where, what, i, op);
		return -1;
	}
	return 0;
}

static bool req_matches(const cJSON *r, const cJSON *labels)
{
	const char *key = str_or(r, "key", "");
	const char *op = str_or(r, "operator", "");
	const cJSON *values = item(r, "values");
	const char *lv = str_or(labels, key, NULL);
	if (strcmp(op, "In") == 0)
		return lv && values_contain(values, lv);
	if (strcmp(op, "NotIn") == 0)
		return !lv || !values_contain(values, lv);
	if (strcmp(op, "Exists") == 0)
		return lv != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return lv == NULL;
	int64_t have, want;
	if (!lv || !parse_int64(lv, &have) ||
	    !parse_int64(cJSON_GetArrayItem(values, 0)->valuestring, &want))
		return false;
	return strcmp(op, "Gt") == 0 ? have > want : have < want;
}

static bool field_matches(const cJSON *r, const cJSON *node)
{
	const char *key = str_or(r, "key", "");
	const char *op = str_or(r, "operator", "");
	const char *want = cJSON_GetArrayItem(item(r, "values"), 0)->valuestring;
	const char *name = cube_obj_name(node);
	const char *have = strcmp(key, "metadata.name") == 0 && name ? name : "";
	bool eq = strcmp(have, want) == 0;
	return strcmp(op, "In") == 0 ? eq : !eq;
}

int cube_nodeaff_term_match(const cJSON *term, const cJSON *node, const char *where, char *err,
			    size_t esz)
{
	const cJSON *exprs = item(term, "matchExpressions");
	const cJSON *fields = item(term, "matchFields");
	size_t ne = array_len(exprs), nfl = array_len(fields);
	if (!cJSON_IsObject(term)) {
		snprintf(err, esz, "%s: not an object", where);
		return -1;
	}
	if (ne == 0 && nfl == 0)
		return 0;
	int i = 0;
	const cJSON *r;
	cJSON_ArrayForEach (r, exprs) {
		if (req_validate(r, false, where, i++, err, esz) < 0)
			return -1;
	}
	i = 0;
	cJSON_ArrayForEach (r, fields) {
		if (req_validate(r, true, where, i++, err, esz) < 0)
			return -1;
	}
	const cJSON *labels = cube_obj_labels(node);
	cJSON_ArrayForEach (r, exprs) {
		if (!req_matches(r, labels))
			return 0;
	}
	cJSON_ArrayForEach (r, fields) {
		if (!field_matches(r, node))
			return 0;
	}
	return 1;
}

int cube_nodeaff_required(const cJSON *pod, const cJSON *node, char *err, size_t esz)
{
	const cJSON *sel = cube_json_path(pod, "spec.nodeSelector");
	if (cJSON_IsObject(sel)) {
		const cJSON *labels = cube_obj_labels(node);
		const cJSON *kv;
		cJSON_ArrayForEach (kv, sel) {
			const char *lv = str_or(labels, kv->string, NULL);
			if (!cJSON_IsString(kv) || !lv || strcmp(lv, kv->valuestring) != 0)
				return 0;
		}
	}
	const cJSON *req = cube_json_path(
		pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution");
	if (!req || cJSON_IsNull(req))
		return 1;
	const cJSON *terms = item(req, "nodeSelectorTerms");
	const cJSON *t;
	bool invalid = false;
	int i = 0;
	cJSON_ArrayForEach (t, terms) {
		char where[64];
		snprintf(where, sizeof(where), "nodeSelectorTerms[%d]", i++);
		char scratch[160];
		int r = invalid ? cube_nodeaff_term_match(t, node, where, scratch, sizeof(scratch))
				: cube_nodeaff_term_match(t, node, where, err, esz);
		if (r == 1)
			return 1;
		if (r < 0)
			invalid = true;
	}
	return invalid ? -1 : 0;
}
