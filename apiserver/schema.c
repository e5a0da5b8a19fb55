/* schema.c - unknown-field detection, JSON value type checks (with the
 * messages of Kubernetes' encoding/json decoding) and the OpenAPI v3
 * documents, all generated from the type table in schema_types.c (see
 * schema.h).
 *
 * The documents follow what kube-apiserver 1.32 serves closely enough for
 * kubectl 1.32: client-go's openapi3 root parses them into spec3.OpenAPI,
 * cli-runtime's query_param_verifier_v3 finds a PATCH operation per GVK with
 * a fieldValidation query parameter, kubectl apply's patcher reads
 * x-kubernetes-patch-strategy/-merge-key from the property schemas (and
 * resolves "allOf":[{"$ref"}] and "items":{"$ref"}), and kubectl explain's
 * templates find the kind through the operations' and schemas'
 * x-kubernetes-group-version-kind. */
#include "schema.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "resources.h"

#define OPENAPI_VERSION "3.0.0"
#define KUBE_VERSION "v1.32.0"
#define REF_PREFIX "#/components/schemas/"

#define NAME_TIME "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
#define NAME_MICROTIME "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
#define NAME_QUANTITY "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define NAME_INTSTR "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define NAME_LISTMETA "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"
#define NAME_STATUS "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
#define NAME_DELETEOPTS "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
#define NAME_PATCH "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
#define NAME_SCALE "io.k8s.api.autoscaling.v1.Scale"

/* ---- table lookups ------------------------------------------------------------- */

static const api_stype *kind_type(const char *group, const char *kind)
{
	if (!group || !kind)
		return NULL;
	for (size_t i = 1; i < api_stypes_len; i++) {
		const api_stype *t = &api_stypes[i];
		if (t->kind && !strcmp(t->kind, kind) && !strcmp(t->group, group))
			return t;
	}
	return NULL;
}

static int type_index(const char *name)
{
	for (size_t i = 1; i < api_stypes_len; i++)
		if (api_stypes[i].name && !strcmp(api_stypes[i].name, name))
			return (int)i;
	return -1;
}

/* The type whose fields are inlined into t, or NULL. */
static const api_stype *inlined(const api_stype *t)
{
	return t->inline_type ? &api_stypes[t->inline_type] : NULL;
}

static const api_sfield *find_field(const api_stype *t, const char *name)
{
	for (; t; t = inlined(t))
		for (const api_sfield *f = t->fields; f && f->name; f++)
			if (!strcmp(f->name, name))
				return f;
	return NULL;
}

bool api_schema_known(const char *group, const char *kind)
{
	return kind_type(group, kind) != NULL;
}

/* ---- unknown fields ---------------------------------------------------------------- */

#define WALK_PATH_MAX 1024

struct walk {
	char (*out)[API_SCHEMA_PATH_MAX];
	size_t max;
	int found;
	char path[WALK_PATH_MAX];
};

/* Appends ".key" (or "key" at the top) to w->path at len; returns the new length. */
static size_t path_key(struct walk *w, size_t len, const char *key)
{
	int n = snprintf(w->path + len, sizeof(w->path) - len, len ? ".%s" : "%s", key);
	size_t end = len + (n > 0 ? (size_t)n : 0);
	return end < sizeof(w->path) ? end : sizeof(w->path) - 1;
}

static size_t path_index(struct walk *w, size_t len, int i)
{
	int n = snprintf(w->path + len, sizeof(w->path) - len, "[%d]", i);
	size_t end = len + (n > 0 ? (size_t)n : 0);
	return end < sizeof(w->path) ? end : sizeof(w->path) - 1;
}

static void report(struct walk *w)
{
	char cut[API_SCHEMA_PATH_MAX];
	size_t len = strnlen(w->path, sizeof(cut) - 1);
	memcpy(cut, w->path, len);
	cut[len] = '\0';
	size_t kept = (size_t)w->found < w->max ? (size_t)w->found : w->max;
	for (size_t i = 0; i < kept; i++)
		if (!strcmp(w->out[i], cut))
			return; /* a duplicate key: Kubernetes reports it once too */
	if ((size_t)w->found < w->max)
		memcpy(w->out[w->found], cut, sizeof(cut));
	w->found++;
}

static void walk_type(struct walk *w, const api_stype *t, const cJSON *obj, size_t len);

static void walk_field(struct walk *w, const api_sfield *f, const cJSON *v, size_t len)
{
	if (f->kind != API_SK_OBJECT)
		return; /* scalars, quantities, free-form objects: nothing below to check */
	const api_stype *t = &api_stypes[f->ref];
	const cJSON *e;
	int i = 0;
	switch (f->shape) {
	case API_SS_ONE:
		walk_type(w, t, v, len);
		break;
	case API_SS_ARRAY:
		if (!cJSON_IsArray(v))
			return;
		cJSON_ArrayForEach (e, v) {
			size_t n = path_index(w, len, i++);
			walk_type(w, t, e, n);
			w->path[len] = '\0';
		}
		break;
	case API_SS_MAP:
		if (!cJSON_IsObject(v))
			return;
		cJSON_ArrayForEach (e, v) {
			if (!e->string)
				continue;
			size_t n = path_key(w, len, e->string);
			walk_type(w, t, e, n);
			w->path[len] = '\0';
		}
		break;
	}
}

static void walk_type(struct walk *w, const api_stype *t, const cJSON *obj, size_t len)
{
	if (!cJSON_IsObject(obj) || (!t->fields && !t->inline_type))
		return; /* wrong JSON type (a decoding error), or a free-form type */
	const cJSON *c;
	cJSON_ArrayForEach (c, obj) {
		if (!c->string)
			continue;
		const api_sfield *f = find_field(t, c->string);
		size_t n = path_key(w, len, c->string);
		if (!f)
			report(w);
		else
			walk_field(w, f, c, n);
		w->path[len] = '\0';
	}
}

int api_schema_unknown_fields(const char *group, const char *kind, const cJSON *obj,
			      char (*out)[API_SCHEMA_PATH_MAX], size_t max)
{
	const api_stype *t = kind_type(group, kind);
	if (!t || !cJSON_IsObject(obj))
		return 0;
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	w->out = out;
	w->max = out ? max : 0;
	walk_type(w, t, obj, 0);
	int found = w->found;
	free(w);
	return found;
}

/* ---- JSON value types ----------------------------------------------------------------- */

#define TC_PATH_MAX 1024
#define TC_MSG_MAX 1600

/* Quantity.UnmarshalJSON's error (resource.ErrFormatWrong) for a value that is
 * neither a string nor a number. */
#define QTY_FORMAT_WRONG                                                                     \
	"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?" \
	"[0-9]*)$'"

struct tcheck {
	char path[TC_PATH_MAX]; /* "spec.containers.env.value": field names only */
	bool saved;		/* saved_msg holds the first error (decoding went on) */
	bool fatal;		/* fatal_msg holds an error that ended decoding */
	char saved_msg[TC_MSG_MAX];
	char fatal_msg[TC_MSG_MAX];
};

/* Appends ".key" (or "key" at the top) to w->path at len; returns the new length. */
static size_t tc_path_key(struct tcheck *w, size_t len, const char *key)
{
	int n = snprintf(w->path + len, sizeof(w->path) - len, len ? ".%s" : "%s", key);
	size_t end = len + (n > 0 ? (size_t)n : 0);
	return end < sizeof(w->path) ? end : sizeof(w->path) - 1;
}

/* encoding/json's name of a JSON value's type in UnmarshalTypeError. */
static const char *json_type_name(const cJSON *v)
{
	if (cJSON_IsBool(v))
		return "bool";
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsArray(v))
		return "array";
	return "object";
}

/* The Go name of a named type: "PodSpec" for io.k8s.api.core.v1.PodSpec. */
static const char *go_struct_name(const api_stype *t)
{
	if (!t || !t->name)
		return "";
	const char *dot = strrchr(t->name, '.');
	return dot ? dot + 1 : t->name;
}

/* reflect's String() of a named type: "v1.PodSpec" (the package is the name's
 * second-to-last component). */
static void go_qualified_name(const api_stype *t, char *buf, size_t size)
{
	const char *name = t->name ? t->name : "";
	const char *last = strrchr(name, '.');
	if (!last) {
		snprintf(buf, size, "%s", name);
		return;
	}
	const char *pkg = last;
	while (pkg > name && pkg[-1] != '.')
		pkg--;
	snprintf(buf, size, "%.*s%s", (int)(last - pkg + 1), pkg, last + 1);
}

static const api_sgotype *go_override(const api_stype *decl, const api_sfield *f)
{
	size_t idx = (size_t)(decl - api_stypes);
	for (size_t i = 0; i < api_sgotypes_len; i++)
		if (api_sgotypes[i].type == idx && !strcmp(api_sgotypes[i].field, f->name))
			return &api_sgotypes[i];
	return NULL;
}

/* The Go type of one value of field f (declared by decl), "" if unknown (a
 * free-form field without a Go struct behind it). */
static void go_elem_type(const api_stype *decl, const api_sfield *f, char *buf, size_t size)
{
	const api_sgotype *o = go_override(decl, f);
	if (o && o->go) {
		snprintf(buf, size, "%s", o->go);
		return;
	}
	const char *s = "";
	switch (f->kind) {
	case API_SK_STRING:
		s = "string";
		break;
	case API_SK_BYTES:
		s = "[]uint8";
		break;
	case API_SK_INT32:
		s = "int32";
		break;
	case API_SK_INT64:
		s = "int64";
		break;
	case API_SK_NUMBER:
		s = "float64";
		break;
	case API_SK_BOOL:
		s = "bool";
		break;
	case API_SK_TIME:
		s = "v1.Time";
		break;
	case API_SK_MICROTIME:
		s = "v1.MicroTime";
		break;
	case API_SK_QUANTITY:
		s = "resource.Quantity";
		break;
	case API_SK_INTSTR:
		s = "intstr.IntOrString";
		break;
	case API_SK_OBJECT:
		go_qualified_name(&api_stypes[f->ref], buf, size);
		return;
	}
	snprintf(buf, size, "%s", s);
}

/* The Go type of the whole field f: an array's or a map's own type. */
static void go_field_type(const api_stype *decl, const api_sfield *f, char *buf, size_t size)
{
	const api_sgotype *o = go_override(decl, f);
	if (o && o->whole) {
		snprintf(buf, size, "%s", o->whole);
		return;
	}
	if (f->shape == API_SS_MAP && f->kind == API_SK_QUANTITY) {
		snprintf(buf, size, "v1.ResourceList"); /* every map of quantities is one */
		return;
	}
	char elem[128];
	go_elem_type(decl, f, elem, sizeof(elem));
	switch (f->shape) {
	case API_SS_ARRAY:
		snprintf(buf, size, "[]%s", elem);
		break;
	case API_SS_MAP:
		snprintf(buf, size, "map[string]%s", elem);
		break;
	default:
		snprintf(buf, size, "%s", elem);
		break;
	}
}

/* Keeps the first error of decoding that goes on; a fatal one ends it. */
static void __attribute__((format(printf, 3, 4)))
tc_error(struct tcheck *w, bool fatal, const char *fmt, ...)
{
	if (w->fatal || (!fatal && w->saved))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fatal ? w->fatal_msg : w->saved_msg, TC_MSG_MAX, fmt, ap);
	va_end(ap);
	if (fatal)
		w->fatal = true;
	else
		w->saved = true;
}

/* An UnmarshalTypeError with the context encoding/json adds: the struct that
 * holds the field and the path of field names. */
static void tc_type_error(struct tcheck *w, bool fatal, const char *value, const char *sname,
			  const char *gotype)
{
	tc_error(w, fatal, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value,
		 sname, w->path, gotype);
}

/* "number 1.5": encoding/json quotes the number's JSON text, which cJSON does
 * not keep; this is the shortest text that gives back the double, its
 * exponent written as JSON is usually written ("1e30", "1e-7"). */
static void number_text(double d, char *buf, size_t size)
{
	if (isfinite(d) && d == floor(d) && fabs(d) < 1e21) {
		snprintf(buf, size, "number %.0f", d);
		return;
	}
	char num[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(num, sizeof(num), "%.*g", prec, d);
		if (strtod(num, NULL) == d)
			break;
	}
	/* C's "1e+30" and "1e-07" */
	char *e = strchr(num, 'e');
	if (e) {
		char *digits = e + 1, *out = e + 1;
		if (*digits == '+')
			digits++;
		else if (*digits == '-')
			*out++ = *digits++;
		while (digits[0] == '0' && digits[1])
			digits++;
		memmove(out, digits, strlen(digits) + 1);
	}
	snprintf(buf, size, "number %s", num);
}

/* Whether a JSON number decodes into a Go integer of `bits` bits.  An integral
 * double counts as an integer (cJSON does not keep "1.0" apart from "1"). */
static bool fits_int(double d, int bits)
{
	if (!isfinite(d) || d != floor(d))
		return false;
	if (bits == 32)
		return d >= -2147483648.0 && d <= 2147483647.0;
	/* 2^63 itself is let through: it is also what 9223372036854775807 parses to */
	return d >= -9223372036854775808.0 && d <= 9223372036854775808.0;
}

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool is_newline(char c)
{
	return c == '\n' || c == '\r';
}

/* Where Go's base64.StdEncoding.Decode fails on s (its CorruptInputError
 * offset), or -1 if s decodes: quantum by quantum, '\r' and '\n' skipped,
 * padding required, nothing after it. */
static long b64_error(const char *s)
{
	size_t len = strlen(s), si = 0;
	while (si < len) {
		for (int j = 0; j < 4; j++) {
			if (si == len)
				return j == 0 ? -1 : (long)(si - (size_t)j);
			unsigned char in = (unsigned char)s[si++];
			if (b64_value(in) >= 0)
				continue;
			if (is_newline((char)in)) {
				j--;
				continue;
			}
			if (in != '=' || j < 2)
				return (long)(si - 1);
			if (j == 2) {
				/* "==" is expected, the first '=' is already read */
				while (si < len && is_newline(s[si]))
					si++;
				if (si == len)
					return (long)len;
				if (s[si] != '=')
					return (long)(si - 1);
				si++;
			}
			while (si < len && is_newline(s[si]))
				si++;
			return si < len ? (long)si : -1; /* trailing garbage after the padding */
		}
	}
	return -1;
}

static void tc_type(struct tcheck *w, const api_stype *t, const cJSON *obj, size_t len);

/* One value of field f (an element, for arrays and maps), held by struct
 * `sname`; f is declared by decl. */
static void tc_value(struct tcheck *w, const char *sname, const api_stype *decl,
		     const api_sfield *f, const cJSON *v, size_t len)
{
	if (cJSON_IsNull(v))
		return; /* Go leaves the zero value */
	char gotype[160], num[64];
	long bad;
	switch (f->kind) {
	case API_SK_STRING:
		if (!cJSON_IsString(v))
			break;
		return;
	case API_SK_BYTES:
		if (!cJSON_IsString(v))
			break;
		if ((bad = b64_error(v->valuestring)) >= 0)
			tc_error(w, false, "illegal base64 data at input byte %ld", bad);
		return;
	case API_SK_INT32:
	case API_SK_INT64:
		if (!cJSON_IsNumber(v))
			break;
		if (!fits_int(v->valuedouble, f->kind == API_SK_INT32 ? 32 : 64)) {
			number_text(v->valuedouble, num, sizeof(num));
			go_elem_type(decl, f, gotype, sizeof(gotype));
			tc_type_error(w, false, num, sname, gotype);
		}
		return;
	case API_SK_NUMBER:
		if (!cJSON_IsNumber(v))
			break;
		return;
	case API_SK_BOOL:
		if (!cJSON_IsBool(v))
			break;
		return;
	case API_SK_TIME:
	case API_SK_MICROTIME:
		/* UnmarshalJSON reads a string with encoding/json and fails with
		 * its error: decoding ends there */
		if (!cJSON_IsString(v))
			tc_type_error(w, true, json_type_name(v), sname, "string");
		return;
	case API_SK_QUANTITY:
		if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
			tc_error(w, true, "%s", QTY_FORMAT_WRONG);
		return;
	case API_SK_INTSTR:
		/* UnmarshalJSON decodes a non-string into the int32 */
		if (cJSON_IsString(v))
			return;
		if (cJSON_IsNumber(v)) {
			if (!fits_int(v->valuedouble, 32)) {
				number_text(v->valuedouble, num, sizeof(num));
				tc_type_error(w, true, num, sname, "int32");
			}
			return;
		}
		tc_type_error(w, true, json_type_name(v), sname, "int32");
		return;
	case API_SK_FREEFORM:
		go_elem_type(decl, f, gotype, sizeof(gotype));
		if (gotype[0] && !cJSON_IsObject(v))
			tc_type_error(w, false, json_type_name(v), sname, gotype);
		return;
	case API_SK_OBJECT:
		if (!cJSON_IsObject(v))
			break;
		tc_type(w, &api_stypes[f->ref], v, len);
		return;
	}
	go_elem_type(decl, f, gotype, sizeof(gotype));
	tc_type_error(w, false, json_type_name(v), sname, gotype);
}

/* Field f of struct `sname` with its value v. */
static void tc_field(struct tcheck *w, const char *sname, const api_stype *decl,
		     const api_sfield *f, const cJSON *v, size_t len)
{
	if (cJSON_IsNull(v))
		return;
	const cJSON *e;
	switch (f->shape) {
	case API_SS_ONE:
		tc_value(w, sname, decl, f, v, len);
		return;
	case API_SS_ARRAY:
	case API_SS_MAP:
		if (f->shape == API_SS_ARRAY ? !cJSON_IsArray(v) : !cJSON_IsObject(v)) {
			char gotype[160];
			go_field_type(decl, f, gotype, sizeof(gotype));
			tc_type_error(w, false, json_type_name(v), sname, gotype);
			return;
		}
		/* elements and map values keep the path of the field */
		cJSON_ArrayForEach (e, v) {
			tc_value(w, sname, decl, f, e, len);
			if (w->fatal)
				return;
		}
		return;
	}
}

/* The fields of obj, an object of type t. */
static void tc_type(struct tcheck *w, const api_stype *t, const cJSON *obj, size_t len)
{
	const char *sname = go_struct_name(t); /* inlined fields are the outer struct's */
	const cJSON *c;
	cJSON_ArrayForEach (c, obj) {
		if (!c->string)
			continue;
		const api_stype *decl = NULL;
		const api_sfield *f = NULL;
		for (const api_stype *u = t; u && !f; u = inlined(u))
			for (const api_sfield *g = u->fields; g && g->name; g++)
				if (!strcmp(g->name, c->string)) {
					f = g;
					decl = u;
					break;
				}
		if (!f)
			continue; /* unknown: skipped by the decoder */
		size_t n = tc_path_key(w, len, c->string);
		tc_field(w, sname, decl, f, c, n);
		w->path[len] = '\0';
		if (w->fatal)
			return;
	}
}

int api_schema_type_error(const char *group, const char *kind, const cJSON *obj, char *msg,
			  size_t size)
{
	if (msg && size)
		msg[0] = '\0';
	const api_stype *t = kind_type(group, kind);
	if (!t || !cJSON_IsObject(obj))
		return 0;
	struct tcheck *w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	tc_type(w, t, obj, 0);
	int found = w->fatal || w->saved;
	if (found && msg && size)
		snprintf(msg, size, "%s", w->fatal ? w->fatal_msg : w->saved_msg);
	free(w);
	return found;
}

/* ---- OpenAPI generation: helpers ------------------------------------------------- */

struct gen {
	bool oom;
	bool *need;   /* per api_stypes index: emit this schema */
	bool prim[4]; /* Time, MicroTime, Quantity, IntOrString */
};

enum { PRIM_TIME, PRIM_MICROTIME, PRIM_QUANTITY, PRIM_INTSTR };

/* Adds item to parent (under key, or appended if key is NULL); on any failure
 * (including an earlier one that left parent NULL) frees item, marks g->oom
 * and returns NULL. */
static cJSON *put(struct gen *g, cJSON *parent, const char *key, cJSON *item)
{
	if (!item) {
		g->oom = true;
		return NULL;
	}
	if (!parent || !(key ? cJSON_AddItemToObject(parent, key, item)
			     : cJSON_AddItemToArray(parent, item))) {
		cJSON_Delete(item);
		g->oom = true;
		return NULL;
	}
	return item;
}

static cJSON *put_obj(struct gen *g, cJSON *parent, const char *key)
{
	return put(g, parent, key, cJSON_CreateObject());
}

static cJSON *put_arr(struct gen *g, cJSON *parent, const char *key)
{
	return put(g, parent, key, cJSON_CreateArray());
}

static void put_str(struct gen *g, cJSON *parent, const char *key, const char *s)
{
	put(g, parent, key, cJSON_CreateString(s));
}

static void put_bool(struct gen *g, cJSON *parent, const char *key, bool b)
{
	put(g, parent, key, cJSON_CreateBool(b));
}

/* {"$ref":"#/components/schemas/<name>"} under key */
static cJSON *put_ref(struct gen *g, cJSON *parent, const char *key, const char *name)
{
	char ref[256];
	snprintf(ref, sizeof(ref), REF_PREFIX "%s", name);
	cJSON *o = put_obj(g, parent, key);
	put_str(g, o, "$ref", ref);
	return o;
}

/* {"group":..,"kind":..,"version":..} */
static void put_gvk(struct gen *g, cJSON *parent, const char *key, const char *group,
		    const char *version, const char *kind)
{
	cJSON *o = put_obj(g, parent, key);
	put_str(g, o, "group", group);
	put_str(g, o, "kind", kind);
	put_str(g, o, "version", version);
}

/* ---- OpenAPI generation: schemas ---------------------------------------------------- */

static const char *prim_name(int kind)
{
	switch (kind) {
	case API_SK_TIME:
		return NAME_TIME;
	case API_SK_MICROTIME:
		return NAME_MICROTIME;
	case API_SK_QUANTITY:
		return NAME_QUANTITY;
	case API_SK_INTSTR:
		return NAME_INTSTR;
	}
	return NULL;
}

/* Marks type i and everything it references as needed. */
static void mark(struct gen *g, size_t i)
{
	if (!i || g->need[i])
		return;
	if (api_stypes[i].name)
		g->need[i] = true;
	for (const api_stype *t = &api_stypes[i]; t; t = inlined(t))
		for (const api_sfield *f = t->fields; f && f->name; f++) {
			switch (f->kind) {
			case API_SK_OBJECT:
				mark(g, f->ref);
				break;
			case API_SK_TIME:
				g->prim[PRIM_TIME] = true;
				break;
			case API_SK_MICROTIME:
				g->prim[PRIM_MICROTIME] = true;
				break;
			case API_SK_QUANTITY:
				g->prim[PRIM_QUANTITY] = true;
				break;
			case API_SK_INTSTR:
				g->prim[PRIM_INTSTR] = true;
				break;
			}
		}
}

/* The schema of one value of field f (an element, for arrays and maps), added
 * to parent under key.  A single named object is wrapped in allOf so that the
 * field's own description can sit beside it, as Kubernetes does. */
static cJSON *put_value(struct gen *g, cJSON *parent, const char *key, const api_sfield *f,
			bool element)
{
	const char *name = f->kind == API_SK_OBJECT ? api_stypes[f->ref].name : prim_name(f->kind);
	if (name) {
		if (element)
			return put_ref(g, parent, key, name);
		cJSON *o = put_obj(g, parent, key);
		put_ref(g, put_arr(g, o, "allOf"), NULL, name);
		return o;
	}
	cJSON *o = put_obj(g, parent, key);
	switch (f->kind) {
	case API_SK_STRING:
		put_str(g, o, "type", "string");
		break;
	case API_SK_BYTES:
		put_str(g, o, "type", "string");
		put_str(g, o, "format", "byte");
		break;
	case API_SK_INT32:
		put_str(g, o, "type", "integer");
		put_str(g, o, "format", "int32");
		break;
	case API_SK_INT64:
		put_str(g, o, "type", "integer");
		put_str(g, o, "format", "int64");
		break;
	case API_SK_NUMBER:
		put_str(g, o, "type", "number");
		put_str(g, o, "format", "double");
		break;
	case API_SK_BOOL:
		put_str(g, o, "type", "boolean");
		break;
	case API_SK_FREEFORM:
		put_str(g, o, "type", "object");
		put_bool(g, o, "x-kubernetes-preserve-unknown-fields", true);
		break;
	}
	return o;
}

static void put_property(struct gen *g, cJSON *props, const api_sfield *f)
{
	cJSON *p;
	if (f->shape == API_SS_ONE) {
		p = put_value(g, props, f->name, f, false);
	} else {
		p = put_obj(g, props, f->name);
		if (f->shape == API_SS_ARRAY) {
			put_str(g, p, "type", "array");
			put_value(g, p, "items", f, true);
		} else {
			put_str(g, p, "type", "object");
			put_value(g, p, "additionalProperties", f, true);
		}
	}
	if (f->desc && f->desc[0])
		put_str(g, p, "description", f->desc);
	const char *strategy = (f->flags & API_SF_MERGE) && (f->flags & API_SF_RETAIN)
				       ? "merge,retainKeys"
			       : (f->flags & API_SF_MERGE)  ? "merge"
			       : (f->flags & API_SF_RETAIN) ? "retainKeys"
							    : NULL;
	if (strategy)
		put_str(g, p, "x-kubernetes-patch-strategy", strategy);
	if (f->merge_key)
		put_str(g, p, "x-kubernetes-patch-merge-key", f->merge_key);
}

static cJSON *type_schema(struct gen *g, const api_stype *t)
{
	cJSON *s = cJSON_CreateObject();
	if (!s) {
		g->oom = true;
		return NULL;
	}
	if (t->desc)
		put_str(g, s, "description", t->desc);
	put_str(g, s, "type", "object");
	if (t->fields) {
		cJSON *props = put_obj(g, s, "properties");
		cJSON *req = NULL;
		for (const api_stype *u = t; u; u = inlined(u))
			for (const api_sfield *f = u->fields; f && f->name; f++) {
				put_property(g, props, f);
				if (f->flags & API_SF_REQUIRED) {
					if (!req)
						req = put_arr(g, s, "required");
					put_str(g, req, NULL, f->name);
				}
			}
	}
	if (t->kind) {
		cJSON *gvks = put_arr(g, s, "x-kubernetes-group-version-kind");
		put_gvk(g, gvks, NULL, t->group, t->version, t->kind);
	}
	return s;
}

/* The <Kind>List schema of resource r (kind schema name `kind_name`). */
static cJSON *list_schema(struct gen *g, const api_resource *r, const char *kind_name)
{
	cJSON *s = cJSON_CreateObject();
	if (!s) {
		g->oom = true;
		return NULL;
	}
	char desc[128];
	snprintf(desc, sizeof(desc), "%s is a list of %s objects.", r->list_kind, r->kind);
	put_str(g, s, "description", desc);
	put_str(g, s, "type", "object");
	cJSON *props = put_obj(g, s, "properties");
	cJSON *p = put_obj(g, props, "apiVersion");
	put_str(g, p, "type", "string");
	put_str(g, p, "description",
		"APIVersion defines the versioned schema of this "
		"representation of an object.");
	p = put_obj(g, props, "items");
	put_str(g, p, "type", "array");
	put_ref(g, p, "items", kind_name);
	put_str(g, p, "description", "List of objects.");
	p = put_obj(g, props, "kind");
	put_str(g, p, "type", "string");
	put_str(g, p, "description",
		"Kind is a string value representing the REST resource "
		"this object represents.");
	p = put_obj(g, props, "metadata");
	put_ref(g, put_arr(g, p, "allOf"), NULL, NAME_LISTMETA);
	put_str(g, p, "description", "Standard list metadata.");
	put_str(g, put_arr(g, s, "required"), NULL, "items");
	put_gvk(g, put_arr(g, s, "x-kubernetes-group-version-kind"), NULL, r->group, r->version,
		r->list_kind);
	return s;
}

static cJSON *prim_schema(struct gen *g, int prim)
{
	cJSON *s = cJSON_CreateObject();
	if (!s) {
		g->oom = true;
		return NULL;
	}
	cJSON *one;
	switch (prim) {
	case PRIM_TIME:
		put_str(g, s, "description",
			"Time is a wrapper around time.Time, serialized as an "
			"RFC 3339 date and time (2006-01-02T15:04:05Z).");
		put_str(g, s, "type", "string");
		put_str(g, s, "format", "date-time");
		break;
	case PRIM_MICROTIME:
		put_str(g, s, "description",
			"MicroTime is version of Time with microsecond level "
			"precision.");
		put_str(g, s, "type", "string");
		put_str(g, s, "format", "date-time");
		break;
	case PRIM_QUANTITY:
		put_str(g, s, "description",
			"Quantity is a fixed-point representation of a "
			"number, such as 100m, 1Gi or 2.5, serialized as a "
			"string (a number is accepted too).");
		one = put_arr(g, s, "oneOf");
		put_str(g, put_obj(g, one, NULL), "type", "string");
		put_str(g, put_obj(g, one, NULL), "type", "number");
		break;
	case PRIM_INTSTR:
		put_str(g, s, "description",
			"IntOrString is a type that can hold an int32 or a "
			"string.");
		put_str(g, s, "format", "int-or-string");
		one = put_arr(g, s, "oneOf");
		put_str(g, put_obj(g, one, NULL), "type", "integer");
		put_str(g, put_obj(g, one, NULL), "type", "string");
		break;
	}
	return s;
}

/* ---- OpenAPI generation: paths ------------------------------------------------------ */

/* Query parameters: name, JSON type, description. */
struct qparam {
	const char *name, *type, *desc;
};

static const struct qparam P_PRETTY = {
	"pretty", "string",
	"If 'true', then the output is pretty printed. Defaults to 'false' unless the "
	"user-agent indicates a browser or command-line HTTP tool (curl and wget)."};
static const struct qparam P_DRYRUN = {
	"dryRun", "string",
	"When present, indicates that modifications should not be persisted. Valid values "
	"are: - All: all dry run stages will be processed"};
static const struct qparam P_FIELDMANAGER = {
	"fieldManager", "string",
	"fieldManager is a name associated with the actor or entity that is making these "
	"changes."};
static const struct qparam P_FIELDVALIDATION = {
	"fieldValidation", "string",
	"fieldValidation instructs the server on how to handle objects in the request "
	"(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: "
	"unknown fields are dropped silently. - Warn: each unknown field is reported in a "
	"warning header. - Strict: the request fails with a BadRequest error naming every "
	"unknown field."};
static const struct qparam P_FORCE = {
	"force", "boolean",
	"Force is going to \"force\" Apply requests. It means user will re-acquire conflicting "
	"fields owned by other people."};
static const struct qparam P_LIST[] = {
	{"allowWatchBookmarks", "boolean",
	 "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."},
	{"continue", "string",
	 "The continue option should be set when retrieving more results from the server."},
	{"fieldSelector", "string",
	 "A selector to restrict the list of returned objects by their fields."},
	{"labelSelector", "string",
	 "A selector to restrict the list of returned objects by their labels."},
	{"limit", "integer", "limit is a maximum number of responses to return for a list call."},
	{"resourceVersion", "string",
	 "resourceVersion sets a constraint on what resource versions a request may be served "
	 "from."},
	{"resourceVersionMatch", "string",
	 "resourceVersionMatch determines how resourceVersion is applied to list calls."},
	{"sendInitialEvents", "boolean",
	 "`sendInitialEvents=true` may be set together with `watch=true`."},
	{"timeoutSeconds", "integer",
	 "Timeout for the list/watch call, regardless of any activity or inactivity."},
	{"watch", "boolean",
	 "Watch for changes to the described resources and return them as a stream of add, "
	 "update, and remove notifications."},
	{NULL, NULL, NULL},
};
static const struct qparam P_DELETE[] = {
	{"gracePeriodSeconds", "integer",
	 "The duration in seconds before the object should be deleted."},
	{"ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
	 "if set to true, it will trigger an unsafe deletion of the resource in case the "
	 "normal deletion flow fails with a corrupt object error."},
	{"orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."},
	{"propagationPolicy", "string",
	 "Whether and how garbage collection will be performed: 'Orphan', 'Background', "
	 "'Foreground'."},
	{NULL, NULL, NULL},
};

static void put_param(struct gen *g, cJSON *params, const char *in, const char *name,
		      const char *type, const char *desc, bool required)
{
	cJSON *p = put_obj(g, params, NULL);
	put_str(g, p, "name", name);
	put_str(g, p, "in", in);
	put_str(g, p, "description", desc);
	if (required)
		put_bool(g, p, "required", true);
	cJSON *s = put_obj(g, p, "schema");
	put_str(g, s, "type", type);
	put_bool(g, s, "uniqueItems", true);
}

static void put_qparam(struct gen *g, cJSON *params, const struct qparam *q)
{
	put_param(g, params, "query", q->name, q->type, q->desc, false);
}

/* What an operation takes. */
enum {
	OP_WRITE = 1,  /* dryRun, fieldManager, fieldValidation */
	OP_FORCE = 2,  /* force (patch) */
	OP_LIST = 4,   /* list/watch options */
	OP_DELETE = 8, /* delete options (and dryRun) */
};

enum body { BODY_NONE, BODY_OBJECT, BODY_PATCH, BODY_DELETE };

struct opspec {
	const char *method;   /* "get", "put", ... */
	const char *action;   /* x-kubernetes-action */
	const char *verb;     /* operationId prefix: "list", "read", ... */
	const char *opsuffix; /* after the kind in the operationId: "", "Status", ... */
	const char *desc;     /* printf format with one %s (the kind) */
	int params;	      /* OP_* */
	enum body body;
	const char *body_ref; /* schema of the body (BODY_OBJECT) */
	const char *resp_ref; /* schema of the 200 response */
	const char *codes;    /* further success codes: "201", "201202", "202" */
};

struct opctx {
	const api_resource *r;
	const char *gvprefix; /* "CoreV1" */
	const char *tag;      /* "core_v1" */
	bool namespaced_op;   /* "Namespaced" in the operationId */
	const char *gvk_group, *gvk_version, *gvk_kind;
};

static void put_content(struct gen *g, cJSON *parent, const char *media, const char *ref)
{
	cJSON *m = put_obj(g, parent, media);
	put_ref(g, m, "schema", ref);
}

static void put_op(struct gen *g, cJSON *item, const struct opctx *c, const struct opspec *s)
{
	cJSON *op = put_obj(g, item, s->method);
	char buf[256];
	cJSON *tags = put_arr(g, op, "tags");
	put_str(g, tags, NULL, c->tag);
	snprintf(buf, sizeof(buf), s->desc, c->r->kind);
	put_str(g, op, "description", buf);
	const char *ns = c->namespaced_op ? "Namespaced" : "";
	if (!strcmp(s->verb, "deleteCollection"))
		snprintf(buf, sizeof(buf), "delete%sCollection%s%s%s", c->gvprefix, ns, c->r->kind,
			 s->opsuffix);
	else
		snprintf(buf, sizeof(buf), "%s%s%s%s%s", s->verb, c->gvprefix, ns, c->r->kind,
			 s->opsuffix);
	put_str(g, op, "operationId", buf);

	cJSON *params = put_arr(g, op, "parameters");
	if (s->params & OP_LIST)
		for (const struct qparam *q = P_LIST; q->name; q++)
			put_qparam(g, params, q);
	if (s->params & (OP_WRITE | OP_DELETE))
		put_qparam(g, params, &P_DRYRUN);
	if (s->params & OP_WRITE) {
		put_qparam(g, params, &P_FIELDMANAGER);
		put_qparam(g, params, &P_FIELDVALIDATION);
	}
	if (s->params & OP_FORCE)
		put_qparam(g, params, &P_FORCE);
	if (s->params & OP_DELETE)
		for (const struct qparam *q = P_DELETE; q->name; q++)
			put_qparam(g, params, q);

	if (s->body != BODY_NONE) {
		cJSON *rb = put_obj(g, op, "requestBody");
		cJSON *content = put_obj(g, rb, "content");
		switch (s->body) {
		case BODY_OBJECT:
			put_content(g, content, "*/*", s->body_ref);
			put_bool(g, rb, "required", true);
			break;
		case BODY_PATCH:
			put_content(g, content, "application/apply-patch+yaml", NAME_PATCH);
			put_content(g, content, "application/json-patch+json", NAME_PATCH);
			put_content(g, content, "application/merge-patch+json", NAME_PATCH);
			put_content(g, content, "application/strategic-merge-patch+json",
				    NAME_PATCH);
			put_bool(g, rb, "required", true);
			break;
		case BODY_DELETE:
			put_content(g, content, "*/*", NAME_DELETEOPTS);
			break;
		case BODY_NONE:
			break;
		}
	}

	cJSON *resps = put_obj(g, op, "responses");
	cJSON *ok = put_obj(g, resps, "200");
	put_str(g, ok, "description", "OK");
	put_content(g, put_obj(g, ok, "content"), "application/json", s->resp_ref);
	for (const char *code = s->codes; code && code[0]; code += 3) {
		char key[4];
		memcpy(key, code, 3);
		key[3] = '\0';
		cJSON *r = put_obj(g, resps, key);
		put_str(g, r, "description", !strcmp(key, "201") ? "Created" : "Accepted");
		put_content(g, put_obj(g, r, "content"), "application/json", s->resp_ref);
	}
	put_str(g, put_obj(g, resps, "401"), "description", "Unauthorized");

	put_str(g, op, "x-kubernetes-action", s->action);
	put_gvk(g, op, "x-kubernetes-group-version-kind", c->gvk_group, c->gvk_version,
		c->gvk_kind);
}

/* A path item with its path-level parameters (name, namespace, pretty). */
static cJSON *put_path(struct gen *g, cJSON *paths, const char *path, const char *kind,
		       bool with_name, bool with_ns)
{
	cJSON *item = put_obj(g, paths, path);
	cJSON *params = put_arr(g, item, "parameters");
	char desc[128];
	if (with_name) {
		snprintf(desc, sizeof(desc), "name of the %s", kind);
		put_param(g, params, "path", "name", "string", desc, true);
	}
	if (with_ns)
		put_param(g, params, "path", "namespace", "string",
			  "object name and auth scope, such as for teams and projects", true);
	put_qparam(g, params, &P_PRETTY);
	return item;
}

/* "CoreV1", "AppsV1", "CoordinationV1"; and the tag "core_v1", "coordination_v1". */
static void gv_names(const char *group, const char *version, char *prefix, size_t psize, char *tag,
		     size_t tsize)
{
	char g[64];
	snprintf(g, sizeof(g), "%s", group[0] ? group : "core");
	char *dot = strchr(g, '.');
	if (dot)
		*dot = '\0';
	snprintf(tag, tsize, "%.40s_%.15s", g, version);
	if (g[0] >= 'a' && g[0] <= 'z')
		g[0] = (char)(g[0] - 'a' + 'A');
	char v[16];
	snprintf(v, sizeof(v), "%s", version);
	if (v[0] >= 'a' && v[0] <= 'z')
		v[0] = (char)(v[0] - 'a' + 'A');
	snprintf(prefix, psize, "%.40s%.15s", g, v);
}

static void put_resource_paths(struct gen *g, cJSON *paths, const api_resource *r,
			       const char *kind_name, const char *list_name)
{
	char prefix[64], tag[64], base[256], path[320];
	gv_names(r->group, r->version, prefix, sizeof(prefix), tag, sizeof(tag));
	if (r->group[0])
		snprintf(base, sizeof(base), "/apis/%s/%s%s", r->group, r->version,
			 r->namespaced ? "/namespaces/{namespace}" : "");
	else
		snprintf(base, sizeof(base), "/api/%s%s", r->version,
			 r->namespaced ? "/namespaces/{namespace}" : "");

	struct opctx c = {.r = r,
			  .gvprefix = prefix,
			  .tag = tag,
			  .namespaced_op = r->namespaced,
			  .gvk_group = r->group,
			  .gvk_version = r->version,
			  .gvk_kind = r->kind};

	/* collection */
	snprintf(path, sizeof(path), "%s/%s", base, r->plural);
	cJSON *item = put_path(g, paths, path, r->kind, false, r->namespaced);
	put_op(g, item, &c,
	       &(struct opspec){"get", "list", "list", "", "list or watch objects of kind %s",
				OP_LIST, BODY_NONE, NULL, list_name, NULL});
	put_op(g, item, &c,
	       &(struct opspec){"post", "post", "create", "", "create a %s", OP_WRITE, BODY_OBJECT,
				kind_name, kind_name, "201202"});
	put_op(g, item, &c,
	       &(struct opspec){"delete", "deletecollection", "deleteCollection", "",
				"delete collection of %s", OP_DELETE | OP_LIST, BODY_DELETE, NULL,
				NAME_STATUS, NULL});

	/* item */
	snprintf(path, sizeof(path), "%s/%s/{name}", base, r->plural);
	item = put_path(g, paths, path, r->kind, true, r->namespaced);
	put_op(g, item, &c,
	       &(struct opspec){"get", "get", "read", "", "read the specified %s", 0, BODY_NONE,
				NULL, kind_name, NULL});
	put_op(g, item, &c,
	       &(struct opspec){"put", "put", "replace", "", "replace the specified %s", OP_WRITE,
				BODY_OBJECT, kind_name, kind_name, "201"});
	put_op(g, item, &c,
	       &(struct opspec){"patch", "patch", "patch", "", "partially update the specified %s",
				OP_WRITE | OP_FORCE, BODY_PATCH, NULL, kind_name, "201"});
	put_op(g, item, &c,
	       &(struct opspec){"delete", "delete", "delete", "", "delete a %s", OP_DELETE,
				BODY_DELETE, NULL, NAME_STATUS, "202"});

	if (r->status) {
		snprintf(path, sizeof(path), "%s/%s/{name}/status", base, r->plural);
		item = put_path(g, paths, path, r->kind, true, r->namespaced);
		put_op(g, item, &c,
		       &(struct opspec){"get", "get", "read", "Status",
					"read status of the specified %s", 0, BODY_NONE, NULL,
					kind_name, NULL});
		put_op(g, item, &c,
		       &(struct opspec){"put", "put", "replace", "Status",
					"replace status of the specified %s", OP_WRITE, BODY_OBJECT,
					kind_name, kind_name, "201"});
		put_op(g, item, &c,
		       &(struct opspec){"patch", "patch", "patch", "Status",
					"partially update status of the specified %s",
					OP_WRITE | OP_FORCE, BODY_PATCH, NULL, kind_name, "201"});
	}

	if (r->scale) {
		struct opctx sc = c;
		sc.gvk_group = "autoscaling";
		sc.gvk_version = "v1";
		sc.gvk_kind = "Scale";
		snprintf(path, sizeof(path), "%s/%s/{name}/scale", base, r->plural);
		item = put_path(g, paths, path, "Scale", true, r->namespaced);
		put_op(g, item, &sc,
		       &(struct opspec){"get", "get", "read", "Scale",
					"read scale of the specified %s", 0, BODY_NONE, NULL,
					NAME_SCALE, NULL});
		put_op(g, item, &sc,
		       &(struct opspec){"put", "put", "replace", "Scale",
					"replace scale of the specified %s", OP_WRITE, BODY_OBJECT,
					NAME_SCALE, NAME_SCALE, "201"});
		put_op(g, item, &sc,
		       &(struct opspec){"patch", "patch", "patch", "Scale",
					"partially update scale of the specified %s",
					OP_WRITE | OP_FORCE, BODY_PATCH, NULL, NAME_SCALE, "201"});
	}

	if (r->namespaced) {
		/* the list across all namespaces */
		if (r->group[0])
			snprintf(path, sizeof(path), "/apis/%s/%s/%s", r->group, r->version,
				 r->plural);
		else
			snprintf(path, sizeof(path), "/api/%s/%s", r->version, r->plural);
		item = put_path(g, paths, path, r->kind, false, false);
		struct opctx all = c;
		all.namespaced_op = false;
		put_op(g, item, &all,
		       &(struct opspec){"get", "list", "list", "ForAllNamespaces",
					"list or watch objects of kind %s", OP_LIST, BODY_NONE,
					NULL, list_name, NULL});
	}
}

/* ---- OpenAPI generation: documents ---------------------------------------------------- */

/* Splits "api/v1" / "apis/<group>/<version>" (leading '/' allowed). */
static bool parse_gv_path(const char *gv_path, char *group, size_t gsize, char *version,
			  size_t vsize)
{
	if (!gv_path)
		return false;
	if (gv_path[0] == '/')
		gv_path++;
	const char *rest;
	if (!strncmp(gv_path, "api/", 4)) {
		rest = gv_path + 4;
		if (!rest[0] || strchr(rest, '/') || strlen(rest) >= vsize)
			return false;
		group[0] = '\0';
		snprintf(version, vsize, "%s", rest);
		return true;
	}
	if (strncmp(gv_path, "apis/", 5))
		return false;
	rest = gv_path + 5;
	const char *slash = strchr(rest, '/');
	if (!slash || slash == rest || !slash[1] || strchr(slash + 1, '/') ||
	    (size_t)(slash - rest) >= gsize || strlen(slash + 1) >= vsize)
		return false;
	snprintf(group, gsize, "%.*s", (int)(slash - rest), rest);
	snprintf(version, vsize, "%s", slash + 1);
	return group[0] != '\0';
}

struct named {
	const char *name;
	cJSON *schema;
};

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static cJSON *build_gv(const char *group, const char *version)
{
	bool served = false;
	for (size_t i = 0; i < api_resources_len; i++)
		if (!strcmp(api_resources[i].group, group) &&
		    !strcmp(api_resources[i].version, version))
			served = true;
	if (!served)
		return NULL;

	struct gen g = {0};
	g.need = calloc(api_stypes_len, sizeof(bool));
	/* list schema names, one per resource of the group-version */
	char(*list_names)[128] = calloc(api_resources_len, sizeof(*list_names));
	struct named *schemas = calloc(api_stypes_len + api_resources_len + 4, sizeof(*schemas));
	cJSON *doc = cJSON_CreateObject();
	if (!g.need || !list_names || !schemas || !doc) {
		g.oom = true;
		goto out;
	}

	put_str(&g, doc, "openapi", OPENAPI_VERSION);
	cJSON *info = put_obj(&g, doc, "info");
	put_str(&g, info, "title", "Kubernetes");
	put_str(&g, info, "version", KUBE_VERSION);
	cJSON *paths = put_obj(&g, doc, "paths");

	int idx;
	if ((idx = type_index(NAME_STATUS)) > 0)
		mark(&g, (size_t)idx);
	if ((idx = type_index(NAME_DELETEOPTS)) > 0)
		mark(&g, (size_t)idx);
	if ((idx = type_index(NAME_PATCH)) > 0)
		mark(&g, (size_t)idx);
	if ((idx = type_index(NAME_LISTMETA)) > 0)
		mark(&g, (size_t)idx);

	size_t nschemas = 0;
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		if (strcmp(r->group, group) || strcmp(r->version, version))
			continue;
		const api_stype *t = kind_type(r->group, r->kind);
		if (!t)
			continue; /* no schema: not advertised */
		mark(&g, (size_t)(t - api_stypes));
		if (r->scale && (idx = type_index(NAME_SCALE)) > 0)
			mark(&g, (size_t)idx);
		/* io.k8s.api.core.v1.Pod -> io.k8s.api.core.v1.PodList */
		const char *dot = strrchr(t->name, '.');
		int plen = dot ? (int)(dot - t->name + 1) : 0;
		snprintf(list_names[i], sizeof(list_names[i]), "%.*s%s", plen, t->name,
			 r->list_kind);
		put_resource_paths(&g, paths, r, t->name, list_names[i]);
		schemas[nschemas].name = list_names[i];
		schemas[nschemas++].schema = list_schema(&g, r, t->name);
	}

	for (size_t i = 1; i < api_stypes_len; i++)
		if (g.need[i]) {
			schemas[nschemas].name = api_stypes[i].name;
			schemas[nschemas++].schema = type_schema(&g, &api_stypes[i]);
		}
	static const char *const prim_names[] = {NAME_TIME, NAME_MICROTIME, NAME_QUANTITY,
						 NAME_INTSTR};
	for (int p = 0; p < 4; p++)
		if (g.prim[p]) {
			schemas[nschemas].name = prim_names[p];
			schemas[nschemas++].schema = prim_schema(&g, p);
		}
	qsort(schemas, nschemas, sizeof(*schemas), named_cmp);

	cJSON *comps = put_obj(&g, doc, "components");
	cJSON *sch = put_obj(&g, comps, "schemas");
	for (size_t i = 0; i < nschemas; i++) {
		put(&g, sch, schemas[i].name, schemas[i].schema);
		schemas[i].schema = NULL;
	}

out:
	if (schemas)
		for (size_t i = 0; i < api_stypes_len + api_resources_len + 4; i++)
			cJSON_Delete(schemas[i].schema);
	free(schemas);
	free(list_names);
	free(g.need);
	if (g.oom) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

cJSON *api_openapi_gv(const char *gv_path)
{
	char group[128], version[32];
	if (!parse_gv_path(gv_path, group, sizeof(group), version, sizeof(version)))
		return NULL;
	return build_gv(group, version);
}

/* ---- hashes and the root document ------------------------------------------------------ */

#define MAX_GVS 16

static struct {
	char path[160]; /* "apis/apps/v1" */
	char hash[129]; /* upper-case hex SHA-512, "" if it could not be computed */
} gvs[MAX_GVS];
static size_t ngvs;
static pthread_once_t gvs_once = PTHREAD_ONCE_INIT;

static void hash_text(const char *text, char out[129])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	out[0] = '\0';
	if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha512(), NULL) || len != 64)
		return;
	static const char hex[] = "0123456789ABCDEF";
	for (unsigned int i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * len] = '\0';
}

static void gvs_init(void)
{
	for (size_t i = 0; i < api_resources_len && ngvs < MAX_GVS; i++) {
		const api_resource *r = &api_resources[i];
		char path[160];
		if (r->group[0])
			snprintf(path, sizeof(path), "apis/%s/%s", r->group, r->version);
		else
			snprintf(path, sizeof(path), "api/%s", r->version);
		bool seen = false;
		for (size_t j = 0; j < ngvs; j++)
			if (!strcmp(gvs[j].path, path))
				seen = true;
		if (seen)
			continue;
		snprintf(gvs[ngvs].path, sizeof(gvs[ngvs].path), "%s", path);
		gvs[ngvs].hash[0] = '\0';
		cJSON *doc = build_gv(r->group, r->version);
		char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
		if (text)
			hash_text(text, gvs[ngvs].hash);
		free(text);
		cJSON_Delete(doc);
		ngvs++;
	}
}

const char *api_openapi_hash(const char *gv_path)
{
	if (!gv_path)
		return NULL;
	if (gv_path[0] == '/')
		gv_path++;
	pthread_once(&gvs_once, gvs_init);
	for (size_t i = 0; i < ngvs; i++)
		if (!strcmp(gvs[i].path, gv_path))
			return gvs[i].hash[0] ? gvs[i].hash : NULL;
	return NULL;
}

cJSON *api_openapi_root(void)
{
	pthread_once(&gvs_once, gvs_init);
	struct gen g = {0};
	cJSON *doc = cJSON_CreateObject();
	cJSON *paths = put_obj(&g, doc, "paths");
	for (size_t i = 0; i < ngvs; i++) {
		if (!gvs[i].hash[0]) {
			g.oom = true;
			break;
		}
		char url[320];
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", gvs[i].path, gvs[i].hash);
		put_str(&g, put_obj(&g, paths, gvs[i].path), "serverRelativeURL", url);
	}
	if (g.oom || !doc) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}
