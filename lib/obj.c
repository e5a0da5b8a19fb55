/* obj.c - metadata accessors over cJSON and the reference-counted immutable
 * object that caches share between threads. */
#include "obj.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "jfreeze.h"

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* True if the text is a prefix of a document that ended too early: inside a
 * string, inside an object or array, or nothing but blanks. */
static bool ends_early(const char *buf, size_t len)
{
	int depth = 0;
	bool in_str = false, esc = false, any = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (!json_space(c))
			any = true;
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return !any || in_str || depth > 0;
}

cJSON *cube_json_parse(const char *buf, size_t len, cube_err *err)
{
	const char *end = NULL;
	if (!buf) {
		cube_err_set(err, CUBE_EINVAL, "invalid JSON: no input");
		return NULL;
	}
	if (len == 0) {
		cube_err_set(err, CUBE_EINVAL, "invalid JSON: empty input");
		return NULL;
	}
	cJSON *o = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (o) {
		/* cJSON stops after the first value: anything but blanks after it is an error. */
		size_t off = (size_t)(end - buf);
		while (off < len && json_space(buf[off]))
			off++;
		if (off == len)
			return o;
		cJSON_Delete(o);
		end = buf + off;
	} else if (ends_early(buf, len)) {
		cube_err_set(err, CUBE_EINVAL,
			     "invalid JSON: unexpected end of input at offset %zu", len);
		return NULL;
	}
	size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;
	char near[24];
	size_t n = 0;
	for (size_t i = off; i < len && n < 16; i++)
		near[n++] = isprint((unsigned char)buf[i]) ? buf[i] : '?';
	near[n] = '\0';
	if (off >= len)
		cube_err_set(err, CUBE_EINVAL,
			     "invalid JSON: unexpected end of input at offset %zu", off);
	else
		cube_err_set(err, CUBE_EINVAL, "invalid JSON at offset %zu near '%s'", off, near);
	return NULL;
}

char *cube_json_print(const cJSON *o)
{
	return cJSON_PrintUnformatted(o);
}

const cJSON *cube_json_path(const cJSON *o, const char *dotted)
{
	const char *p = dotted;
	char part[256];
	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(part) || !cJSON_IsObject(o))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		o = cJSON_GetObjectItemCaseSensitive(o, part);
		p += n;
		if (*p == '.')
			p++;
	}
	return o;
}

const char *cube_json_str(const cJSON *o, const char *dotted)
{
	const cJSON *v = cube_json_path(o, dotted);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t cube_json_int(const cJSON *o, const char *dotted, int64_t dflt)
{
	const cJSON *v = cube_json_path(o, dotted);
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d)
			return (int64_t)d;
		return dflt;
	}
	if (cJSON_IsString(v) &&
	    (isdigit((unsigned char)v->valuestring[0]) || v->valuestring[0] == '-')) {
		char *end;
		errno = 0;
		long long n = strtoll(v->valuestring, &end, 10);
		if (errno == 0 && *end == '\0')
			return n;
	}
	return dflt;
}

int cube_json_set_str(cJSON *o, const char *name, const char *s)
{
	cJSON *v = cJSON_CreateString(s);
	if (!v)
		return -1;
	if (cJSON_GetObjectItemCaseSensitive(o, name)) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(o, name, v)) {
			cJSON_Delete(v);
			return -1;
		}
		return 0;
	}
	if (!cJSON_AddItemToObject(o, name, v)) {
		cJSON_Delete(v);
		return -1;
	}
	return 0;
}

cJSON *cube_json_ensure_obj(cJSON *o, const char *name)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	if (cJSON_IsObject(v))
		return v;
	if (v)
		cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	return cJSON_AddObjectToObject(o, name);
}

const char *cube_obj_kind(const cJSON *o)
{
	return cube_json_str(o, "kind");
}
const char *cube_obj_api_version(const cJSON *o)
{
	return cube_json_str(o, "apiVersion");
}
const char *cube_obj_name(const cJSON *o)
{
	return cube_json_str(o, "metadata.name");
}
const char *cube_obj_namespace(const cJSON *o)
{
	return cube_json_str(o, "metadata.namespace");
}
const char *cube_obj_uid(const cJSON *o)
{
	return cube_json_str(o, "metadata.uid");
}
const char *cube_obj_resource_version(const cJSON *o)
{
	return cube_json_str(o, "metadata.resourceVersion");
}

const cJSON *cube_obj_labels(const cJSON *o)
{
	const cJSON *l = cube_json_path(o, "metadata.labels");
	return cJSON_IsObject(l) ? l : NULL;
}

const cJSON *cube_obj_annotations(const cJSON *o)
{
	const cJSON *a = cube_json_path(o, "metadata.annotations");
	return cJSON_IsObject(a) ? a : NULL;
}

static const char *str_member(const cJSON *map, const char *key)
{
	const cJSON *v = map ? cJSON_GetObjectItemCaseSensitive(map, key) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *cube_obj_label(const cJSON *o, const char *key)
{
	return str_member(cube_obj_labels(o), key);
}

const char *cube_obj_annotation(const cJSON *o, const char *key)
{
	return str_member(cube_obj_annotations(o), key);
}

const char *cube_obj_controller_uid(const cJSON *o)
{
	const cJSON *refs = cube_json_path(o, "metadata.ownerReferences");
	const cJSON *r;
	cJSON_ArrayForEach (r, refs) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
			return cube_json_str(r, "uid");
	}
	return NULL;
}

int cube_obj_set_meta_str(cJSON *o, const char *field, const char *value)
{
	cJSON *md = cube_json_ensure_obj(o, "metadata");
	if (!md)
		return -1;
	return cube_json_set_str(md, field, value);
}

int cube_obj_key(const cJSON *o, char *buf, size_t size, cube_err *err)
{
	const char *name = cube_obj_name(o);
	const char *ns = cube_obj_namespace(o);
	if (!name || !name[0])
		return cube_err_set(err, CUBE_EINVAL, "object has no metadata.name");
	int n = ns && ns[0] ? snprintf(buf, size, "%s/%s", ns, name)
			    : snprintf(buf, size, "%s", name);
	if (n < 0 || (size_t)n >= size)
		return cube_err_set(err, CUBE_ETOOBIG,
				    "object key \"%s/%s\" does not fit in %zu bytes", ns ? ns : "",
				    name, size);
	return n;
}

int cube_obj_key_split(const char *key, char *ns, size_t ns_size, char *name, size_t name_size,
		       cube_err *err)
{
	const char *slash = strchr(key, '/');
	const char *nm = slash ? slash + 1 : key;
	size_t ns_len = slash ? (size_t)(slash - key) : 0;
	if (slash && strchr(nm, '/'))
		return cube_err_set(err, CUBE_EINVAL, "key \"%s\": more than one '/'", key);
	if (slash && slash == key)
		return cube_err_set(err, CUBE_EINVAL, "key \"%s\": empty namespace before '/'",
				    key);
	if (!nm[0])
		return cube_err_set(err, CUBE_EINVAL, "key \"%s\": empty name", key);
	if (ns_len >= ns_size || strlen(nm) >= name_size)
		return cube_err_set(err, CUBE_ETOOBIG, "key \"%s\": too long", key);
	memcpy(ns, key, ns_len);
	ns[ns_len] = '\0';
	strcpy(name, nm); /* length checked above */
	return 0;
}

cJSON *cube_obj_copy(const cJSON *o)
{
	return cJSON_Duplicate(o, true);
}

cube_robj *cube_robj_from(const cJSON *json, size_t json_bytes, cube_err *err)
{
	char key[CUBE_OBJ_KEY_MAX];
	int klen = cube_obj_key(json, key, sizeof(key), err);
	if (klen < 0)
		return NULL;
	cube_robj *r = malloc(sizeof(*r) + (size_t)klen + 1);
	const cJSON *frozen = r ? cube_json_freeze(json) : NULL;
	if (!frozen) {
		free(r);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	memcpy(r->_key, key, (size_t)klen + 1);
	r->json = frozen;
	r->key = r->_key;
	r->rv = cube_json_int(frozen, "metadata.resourceVersion", 0);
	r->json_bytes = json_bytes;
	r->_refs = 1;
	return r;
}

cube_robj *cube_robj_new(cJSON *json, size_t json_bytes, cube_err *err)
{
	cube_robj *r = cube_robj_from(json, json_bytes, err);
	cJSON_Delete(json);
	return r;
}

cube_robj *cube_robj_ref(cube_robj *r)
{
	if (r)
		__atomic_add_fetch(&r->_refs, 1, __ATOMIC_RELAXED);
	return r;
}

void cube_robj_unref(cube_robj *r)
{
	if (!r)
		return;
	if (__atomic_sub_fetch(&r->_refs, 1, __ATOMIC_ACQ_REL) == 0) {
		cube_json_frozen_free(r->json);
		free(r);
	}
}

const cJSON *cube_pod_container(const cJSON *pod, const char *name)
{
	static const char *const lists[] = {"spec.containers", "spec.initContainers"};
	for (int i = 0; name && i < 2; i++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, lists[i])) {
			const char *n = cube_json_str(c, "name");
			if (n && !strcmp(n, name))
				return c;
		}
	}
	return NULL;
}
