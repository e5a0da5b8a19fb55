/* schema.h - what the API server knows of each kind's fields.
 *
 * One hand-written type table (schema_types.c) describes the Kubernetes v1.32
 * types that appear in the kinds cube serves: every field's JSON name, its
 * type (scalar, named object, array of X, map of X, int-or-string, quantity,
 * time, free-form object), whether Kubernetes requires it, its strategic
 * merge patch strategy and merge key, and a short description.  Two things
 * are generated from it:
 *
 *   - server-side field validation (fieldValidation=Strict|Warn): the fields
 *     of an object that its kind does not have, named the way Kubernetes'
 *     strict JSON decoding names them ("spec.containers[1].imagee");
 *   - the OpenAPI v3 documents kubectl downloads (GET /openapi/v3 and
 *     /openapi/v3/<gv>?hash=...): with them `kubectl create -f` and `apply -f`
 *     pass the default --validate=strict (kubectl finds a PATCH operation per
 *     kind with a fieldValidation parameter, sends fieldValidation=Strict and
 *     leaves checking to the server), `kubectl apply` computes its strategic
 *     merge patches with the right merge keys, and `kubectl explain` works.
 *
 * All functions are pure (the documents are built fresh on every call, the
 * hashes are computed once) and thread-safe.
 */
#ifndef CUBE_APISERVER_SCHEMA_H
#define CUBE_APISERVER_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Length of one reported field path, NUL included (longer paths are cut). */
#define API_SCHEMA_PATH_MAX 256

/* Walks `obj` against the schema of group/kind ("" for the core group; "Pod",
 * "Deployment", ...; also "autoscaling"/"Scale") and reports each field the
 * schema does not have as a path such as "spec.containers[0].imagee" or
 * "metadata.labelz" (the paths of Kubernetes' strict decoding errors:
 * `unknown field "spec.containers[0].imagee"`).  Keys are compared exactly
 * (case-sensitively).  Free-form objects and maps (labels, nodeSelector,
 * resources.limits, ConfigMap data, ...) accept any key; a value of the wrong
 * JSON type is not descended into (that is a decoding error, not an unknown
 * field).  Paths are reported in document order, each once.  An unknown kind,
 * or an `obj` that is not an object, has no unknown fields.
 * Returns how many were found (writing the first `max` into out), or -1 on
 * ENOMEM. */
int api_schema_unknown_fields(const char *group, const char *kind, const cJSON *obj,
			      char (*out)[API_SCHEMA_PATH_MAX], size_t max);

/* Checks JSON value types against the kind's schema; returns 1 and writes Go's
 * message ("json: cannot unmarshal ...") into msg for the first mismatch in
 * document order, 0 if types are right, -1 on ENOMEM.  JSON null is accepted
 * anywhere (Go leaves the zero value).  Quantities accept strings and numbers;
 * IntOrString accepts strings and integers; free-form objects accept anything;
 * numbers must be integers where the Go type is an integer ("json: cannot
 * unmarshal number 1.5 into Go struct field ... of type int32").
 *
 * The message is the one kube-apiserver's decoder (sigs.k8s.io/json, a fork
 * of encoding/json) returns, which the API server wraps as `Pod in version
 * "v1" cannot be handled as a Pod: <msg>` (400 BadRequest):
 *
 *   json: cannot unmarshal <bool|number|string|array|object> into Go struct
 *   field <Struct>.<path> of type <Go type>
 *
 * where Struct is the Go type holding the field (the outer one for inlined
 * fields: Probe.spec.containers.livenessProbe.httpGet, Volume...), path is the
 * field names from the top object joined by '.' (no list indices, no map
 * keys: a label value's path ends in "labels"), and the Go type is the
 * field's (the element's, for a bad element): string, int32, []string,
 * map[string]string, v1.Protocol, types.UID, []v1.Container, v1.PodSpec,
 * v1.ResourceList, []uint8 ...  A value of a wrong type is not looked into.
 * Like encoding/json, the first such error is kept while decoding goes on,
 * but a value that decodes itself (UnmarshalJSON) and fails ends decoding and
 * wins over an earlier error:
 *   - an int-or-string that is not a string or an int32: the message names
 *     its int32 ("... of type int32", "number 1.5 ... of type int32");
 *   - a Time/MicroTime that is not a string: "... of type string";
 *   - a quantity that is neither a string nor a number: "quantities must
 *     match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
 *     (the text of a quantity string, and of a time, is not checked here).
 * A base64 field (Secret data, ConfigMap binaryData) that does not decode as
 * Go's base64.StdEncoding gets its message, "illegal base64 data at input
 * byte N".  The free-form fields that are Go structs (the cloud volume
 * sources, managedFields entries, a node's configSource) take any object but
 * no other JSON type.  cJSON keeps a number's value, not its text, so an
 * integral number is an integer (Go would refuse 1.0 and 1e3 as an int32)
 * and "number X" prints the shortest text of the value.  Keys are matched
 * exactly; unknown fields are not looked into (api_schema_unknown_fields).
 * An unknown kind, or an `obj` that is not an object, has no type errors.
 * msg may be NULL (or size 0) to only test. */
int api_schema_type_error(const char *group, const char *kind, const cJSON *obj, char *msg,
			  size_t size);

/* True if group/kind has a schema (the 17 served kinds and autoscaling/Scale). */
bool api_schema_known(const char *group, const char *kind);

/* The OpenAPI v3 discovery document served at /openapi/v3:
 * {"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=<HASH>"},
 *           "apis/apps/v1":{...}, ...}}, one entry per group-version cube serves.
 * A new tree (the caller's), NULL on ENOMEM. */
cJSON *api_openapi_root(void);

/* The OpenAPI v3 document of one group-version, as served at
 * /openapi/v3/<gv_path> ("api/v1", "apis/apps/v1", "apis/batch/v1",
 * "apis/coordination.k8s.io/v1", "apis/networking.k8s.io/v1"; a leading '/'
 * is accepted).  It has, per resource, the collection path (list, create,
 * deletecollection; namespaced ones under /namespaces/{namespace}/, plus the
 * all-namespaces list), the item path (read, replace, patch, delete) and the
 * status and scale subresources, each operation with "x-kubernetes-action",
 * "x-kubernetes-group-version-kind" and the query parameters (pretty, dryRun,
 * fieldManager, fieldValidation, force on patches, the list options), and
 * components.schemas with every named type those operations reach.
 * A new tree (the caller's); NULL if the group-version is not served, or on
 * ENOMEM. */
cJSON *api_openapi_gv(const char *gv_path);

/* The hash used in the root document for gv_path ("api/v1", ...): the
 * upper-case hex SHA-512 of the unformatted text of api_openapi_gv(gv_path),
 * computed once.  Static storage; NULL if the group-version is not served (or
 * the one-time computation ran out of memory). */
const char *api_openapi_hash(const char *gv_path);

/* ---- the type table (schema_types.c); internal to schema.c and its tests ---- */

/* What a field holds (each element of it, for arrays and maps). */
typedef enum {
	API_SK_STRING,	  /* string */
	API_SK_BYTES,	  /* base64 string (format: byte) */
	API_SK_INT32,	  /* integer, format int32 */
	API_SK_INT64,	  /* integer, format int64 */
	API_SK_NUMBER,	  /* number, format double */
	API_SK_BOOL,	  /* boolean */
	API_SK_TIME,	  /* meta/v1 Time: RFC 3339 string */
	API_SK_MICROTIME, /* meta/v1 MicroTime: RFC 3339 string with microseconds */
	API_SK_QUANTITY,  /* resource.Quantity: string or number */
	API_SK_INTSTR,	  /* intstr.IntOrString: integer or string */
	API_SK_FREEFORM,  /* object with any keys */
	API_SK_OBJECT,	  /* object of the named type `ref` */
} api_skind;

typedef enum {
	API_SS_ONE,   /* a single value */
	API_SS_ARRAY, /* array of values */
	API_SS_MAP,   /* object whose every value is one (additionalProperties) */
} api_sshape;

/* Field flags. */
#define API_SF_REQUIRED 0x01 /* in the type's "required" list */
#define API_SF_MERGE 0x02    /* x-kubernetes-patch-strategy: merge */
#define API_SF_RETAIN 0x04   /* x-kubernetes-patch-strategy: retainKeys */

typedef struct api_sfield {
	const char *name;      /* JSON name */
	uint8_t kind;	       /* api_skind */
	uint8_t shape;	       /* api_sshape */
	uint8_t flags;	       /* API_SF_* */
	uint16_t ref;	       /* index into api_stypes when kind is API_SK_OBJECT */
	const char *merge_key; /* x-kubernetes-patch-merge-key, or NULL */
	const char *desc;      /* short description */
} api_sfield;

typedef struct api_stype {
	const char *name; /* OpenAPI name, "io.k8s.api.core.v1.PodSpec"; NULL: inline only */
	const char *desc; /* short description */
	const api_sfield *fields; /* {NULL}-terminated; NULL: free-form object */
	uint16_t inline_type;	  /* fields also taken from this type (0: none) */
	const char *group;	  /* x-kubernetes-group-version-kind of top-level */
	const char *version;	  /*   kinds; kind NULL for the others */
	const char *kind;
} api_stype;

/* Every type; index 0 is a placeholder (no type). */
extern const api_stype api_stypes[];
extern const size_t api_stypes_len;

/* The Go type of a field where it is not the plain one its kind implies
 * (string, int32, map[string]string, []v1.Container, ...): the named types
 * (v1.Protocol, types.UID, v1.ResourceList) and the Go structs behind
 * free-form fields.  Only api_schema_type_error's messages use it. */
typedef struct api_sgotype {
	uint16_t type;	   /* index into api_stypes of the type that declares the field */
	const char *field; /* its JSON name */
	const char *go;	   /* Go type of one value (of an element, for arrays and maps) */
	const char
		*whole; /* arrays and maps: Go type of the field, NULL for []go / map[string]go */
} api_sgotype;

extern const api_sgotype api_sgotypes[];
extern const size_t api_sgotypes_len;

#endif
