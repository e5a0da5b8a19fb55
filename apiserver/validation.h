/* validation.h - validation of API objects, as Kubernetes v1.32 does it.
 *
 * api_validate() checks an object (after api_default()) the way the API
 * server's registry strategies do (Validate on create, ValidateUpdate on
 * update), for the fields cube serves, and reports every problem as a cause
 * of a 422 Status: the field error's type ("FieldValueRequired"), its path
 * ("spec.containers[0].image") and its body ("Required value"), worded as
 * k8s.io/apimachinery's field.Error renders them, so that `kubectl` prints
 * what it would print against a real cluster.  Values are rendered as Go's
 * fmt does for the types Kubernetes passes: strings quoted ("\"x\""), numbers
 * bare, label maps as map[string]string{"k":"v"}, label selectors as
 * v1.LabelSelector{...}, int-or-strings as intstr.IntOrString{...}.
 *
 * What is checked, by kind (see validation.c for the rules themselves):
 * metadata of every kind (name per kind, namespace, labels, annotations,
 * finalizers); Pod spec and every pod template (containers, ports, env,
 * resources, probes, volumes and mounts, restart and DNS policy, node
 * selectors and affinity, tolerations) -- except a StatefulSet's, whose pod
 * spec Kubernetes leaves unvalidated (labels, annotations and restart policy
 * only); Deployment, ReplicaSet, DaemonSet and StatefulSet specs (selector,
 * template, strategies, immutable selector);
 * Job and CronJob specs (restart policy, counts, generated selector, cron
 * schedule, concurrency policy, immutable fields); Service; ConfigMap and
 * Secret keys and sizes; Namespace finalizers; Event (the legacy v1 checks
 * only, as Kubernetes); Lease; Ingress paths.
 *
 * Only main-resource writes are validated here: status updates, bindings and
 * other subresources have rules of their own that are not in this module.
 * For namespaced kinds obj must carry metadata.namespace (the caller copies
 * it from the URL first, as Kubernetes' handlers do).
 */
#ifndef CUBE_APISERVER_VALIDATION_H
#define CUBE_APISERVER_VALIDATION_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "resources.h"

/* Validation causes, as in a 422 Status: reason ("FieldValueRequired",
 * "FieldValueInvalid", "FieldValueNotSupported", "FieldValueDuplicate",
 * "FieldValueForbidden", "FieldValueTooLong", "FieldValueNotFound"), field
 * path ("spec.containers[0].image"), message ("Required value",
 * "Invalid value: \"x\": ...", "Unsupported value: \"Bogus\": supported
 * values: \"Always\", \"IfNotPresent\", \"Never\"", "Duplicate value: \"c\"")
 * exactly as Kubernetes' field.Error.Error() renders them (minus the field
 * prefix, which is in `field`).  Over-long paths and messages are cut to
 * fit. */
typedef struct api_cause {
	char reason[40];
	char field[256];
	char message[512];
} api_cause;

/* A growing list of causes; zero-initialise it ({0}) before first use. */
typedef struct api_causes {
	api_cause *v;
	size_t n, cap;
} api_causes;

/* Frees the list and leaves it empty and reusable.  Accepts an empty list. */
void api_causes_clear(api_causes *c);

/* Validates obj (after defaulting); old is the stored object on update (NULL
 * on create) for immutability rules.  Appends every problem found (not just
 * the first) to out, in the order Kubernetes finds them.  Returns the number
 * of causes added (0 = valid), -1 on ENOMEM. */
int api_validate(const api_resource *r, const cJSON *obj, const cJSON *old, api_causes *out)
	__attribute__((warn_unused_result));

/* The 422 message Kubernetes builds from causes (errors.NewInvalid with
 * field.ErrorList.ToAggregate): `Pod "x" is invalid: spec.containers[0].image:
 * Required value` for one cause, `Deployment.apps "d" is invalid: [a: ..., b:
 * ...]` for several (repeated messages shown once), `Pod "x" is invalid` for
 * none.  Writes a NUL-terminated string into buf, cut to size. */
void api_invalid_message(const api_resource *r, const char *name, const api_causes *c, char *buf,
			 size_t size);

/* The causes as the JSON array of a Status' details.causes:
 * [{"reason": ..., "message": ..., "field": ...}].  Returns a new tree the
 * caller owns, NULL on ENOMEM. */
cJSON *api_causes_json(const api_causes *c);

#endif
