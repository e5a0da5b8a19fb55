/* obj.h - Kubernetes objects as cJSON trees, and the immutable shared form
 * that caches hold.
 *
 * An object is a cJSON object with `apiVersion`, `kind`, `metadata`, `spec`,
 * `status`.  The accessors below read metadata without copying: the returned
 * strings are borrowed from the tree and live as long as it does.  They never
 * fail; a missing or non-string field reads as NULL.
 *
 * cube_robj is the reference-counted, immutable form used by informer caches
 * and the API server's watch cache: one tree shared by every reader, frozen
 * (jfreeze.h) so that parts equal across cached objects are stored once.
 * Nobody may modify `json` once it is wrapped, nor cJSON_Delete it; to change
 * an object, copy it with cube_obj_copy() and build a new cube_robj.
 */
#ifndef CUBE_OBJ_H
#define CUBE_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

/* Largest "namespace/name" key: 253 (DNS subdomain) + 1 + 253 + NUL. */
#define CUBE_OBJ_KEY_MAX 512

/* ---- parsing ---------------------------------------------------------------- */

/* Parses exactly `len` bytes of JSON.  On error, returns NULL and names the
 * byte offset and the text near it ("invalid JSON at offset 12 near '}x'").
 * Returns a new tree owned by the caller. */
cJSON *cube_json_parse(const char *buf, size_t len, cube_err *err);

/* Serialises compactly; returns a malloc'd string, NULL on allocation failure. */
char *cube_json_print(const cJSON *o);

/* ---- field access ----------------------------------------------------------- */

/* Walks a dotted path ("metadata.labels", "spec.nodeName"); NULL if absent. */
const cJSON *cube_json_path(const cJSON *o, const char *dotted);

/* String at a dotted path, or NULL if absent or not a string. Borrowed. */
const char *cube_json_str(const cJSON *o, const char *dotted);

/* Integer at a dotted path: JSON numbers and decimal strings (etcd writes
 * int64 as strings) are both accepted.  Returns `dflt` if absent or invalid. */
int64_t cube_json_int(const cJSON *o, const char *dotted, int64_t dflt);

/* Sets o[name] = a copy of s (replacing any old value). -1 on ENOMEM. */
int cube_json_set_str(cJSON *o, const char *name, const char *s);

/* Returns o[name], creating an empty object there if absent or not an object.
 * NULL on ENOMEM. Borrowed from o. */
cJSON *cube_json_ensure_obj(cJSON *o, const char *name);

/* ---- metadata --------------------------------------------------------------- */

const char *cube_obj_kind(const cJSON *o);
const char *cube_obj_api_version(const cJSON *o);
const char *cube_obj_name(const cJSON *o);
const char *cube_obj_namespace(const cJSON *o);
const char *cube_obj_uid(const cJSON *o);
const char *cube_obj_resource_version(const cJSON *o);
const cJSON *cube_obj_labels(const cJSON *o);	   /* object or NULL */
const cJSON *cube_obj_annotations(const cJSON *o); /* object or NULL */
const char *cube_obj_label(const cJSON *o, const char *key);
const char *cube_obj_annotation(const cJSON *o, const char *key);

/* The controller ownerReference's uid (the one with controller: true), or NULL. */
const char *cube_obj_controller_uid(const cJSON *o);

/* Sets metadata.<field> (creating metadata). -1 on ENOMEM. */
int cube_obj_set_meta_str(cJSON *o, const char *field, const char *value);

/* Writes "namespace/name" (or "name" for cluster-scoped objects) into buf.
 * Returns the length, or -1 (with err) if the object has no name or the key
 * does not fit. */
int cube_obj_key(const cJSON *o, char *buf, size_t size, cube_err *err);

/* Splits "ns/name" or "name": writes into ns (empty for none) and name.
 * Returns -1 (with err) on an empty name, more than one '/', or overflow. */
int cube_obj_key_split(const char *key, char *ns, size_t ns_size, char *name, size_t name_size,
		       cube_err *err);

/* Deep copy; NULL on ENOMEM. The copy is the caller's. */
cJSON *cube_obj_copy(const cJSON *o);

/* ---- immutable, reference-counted objects ------------------------------------- */

typedef struct cube_robj {
	const cJSON *json; /* frozen: never modified, never given to cJSON_Delete */
	const char *key;   /* "ns/name", owned by the robj */
	int64_t rv;	   /* metadata.resourceVersion as a number, 0 if none */
	size_t json_bytes; /* size of the serialised form it was made from, 0 if unknown */
	/* private */
	int _refs;
	char _key[]; /* what key points to */
} cube_robj;

/* A frozen copy of `json` (which stays the caller's) with one reference held
 * by the caller.  `json_bytes` is informational (memory accounting).  NULL on
 * error (no name, ENOMEM). */
cube_robj *cube_robj_from(const cJSON *json, size_t json_bytes, cube_err *err);

/* As cube_robj_from, and deletes `json` (also on failure). */
cube_robj *cube_robj_new(cJSON *json, size_t json_bytes, cube_err *err);

/* Adds a reference; returns r. Accepts NULL. Thread-safe. */
cube_robj *cube_robj_ref(cube_robj *r);

/* Drops a reference; frees on the last one. Accepts NULL. Thread-safe. */
void cube_robj_unref(cube_robj *r);

/* The pod's container (or init container) named `name`, or NULL. */
const cJSON *cube_pod_container(const cJSON *pod, const char *name);

#endif
