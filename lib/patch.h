/* patch.h - the three patch formats of the Kubernetes API, on cJSON trees.
 *
 *   application/merge-patch+json           cube_merge_patch()            RFC 7386
 *   application/json-patch+json            cube_json_patch()             RFC 6902 + RFC 6901
 *   application/strategic-merge-patch+json cube_strategic_merge_patch()  Kubernetes
 *
 * All three leave their inputs alone and return a new tree owned by the
 * caller, or NULL with `err` filled: CUBE_EINVAL for a patch that does not
 * apply (the message says why, in words a kubectl user can act on),
 * CUBE_ENOMEM when an allocation failed.  Nothing is printed.
 *
 * Recursion follows the patch, never the document, and stops at
 * CUBE_PATCH_MAX_DEPTH nested objects/arrays with an error, so hostile input
 * cannot overflow the stack.  A JSON patch may likewise not insert a value
 * that would end deeper than that below its path.
 */
#ifndef CUBE_PATCH_H
#define CUBE_PATCH_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "error.h"

#define CUBE_PATCH_MAX_DEPTH 128

/* Whether two JSON values are equal as RFC 6902's "test" defines it: same
 * type, numbers by value, strings byte for byte, arrays item by item,
 * objects with the same members in any order (a name given twice matches
 * occurrence by occurrence).  NULL equals nothing.  Each value is visited
 * once (name lookups are quadratic in an object's width only), unlike
 * cJSON_Compare, which re-walks nested objects from both sides and takes
 * time exponential in their depth: a hostile patch would hang the caller.
 * Recursion follows the depth of a.  This function can't fail. */
bool cube_json_equal(const cJSON *a, const cJSON *b);

/* ---- RFC 7386 JSON merge patch -------------------------------------------------- */

/* Applies `patch` to `doc` as RFC 7386 says: a patch object merges into the
 * document member by member (null deletes a member, objects merge
 * recursively, anything else replaces); any other JSON value replaces the
 * whole document.  `doc` may be NULL (no document yet).  Returns a new tree;
 * `doc` and `patch` are not modified.  NULL with err on ENOMEM, on a NULL
 * patch, or on a patch nested deeper than CUBE_PATCH_MAX_DEPTH.
 *
 * Members that appear twice in the document are treated as one: the first
 * is patched in place, the others are dropped, so applying a patch twice
 * gives what applying it once gave (RFC 7386's idempotence). */
cJSON *cube_merge_patch(const cJSON *doc, const cJSON *patch, cube_err *err);

/* ---- RFC 6902 JSON patch ----------------------------------------------------------- */

/* Applies the operations of the array `ops` (add, remove, replace, move,
 * copy, test) in order, with RFC 6901 pointers ("" is the whole document;
 * "~1" is '/', "~0" is '~'; "-" is the end of an array, for add).  Members
 * other than op/path/from/value are ignored; a member given twice is an
 * error (RFC 6902 A.13).  Atomic: on any error nothing is returned and err
 * names the operation index, the op and the path:
 *
 *   json patch operation 2 (test): value at /spec/replicas is 3, not 2
 *   json patch operation 0 (remove): path /metadata/labels/x does not exist
 *   json patch operation 1: unknown op "frob"
 *   json patch operation 0 (add): invalid path "spec" (must start with '/')
 *
 * Returns a new tree; `doc` and `ops` are not modified. */
cJSON *cube_json_patch(const cJSON *doc, const cJSON *ops, cube_err *err);

/* ---- Kubernetes strategic merge patch ------------------------------------------------ */

/* Which lists of one kind merge, and by which key.  Static; never freed. */
typedef struct cube_smp_schema cube_smp_schema;

/* The schema of a kind cube serves ("Pod", "Deployment", "Service", ...).
 * Kinds without merging lists of their own (ConfigMap, Secret, Event, ...)
 * still get ObjectMeta's.  For an unknown kind, or NULL, returns a schema in
 * which every list is replaced (what a JSON merge patch does).  Never NULL.
 *
 * The schema is a tree of field tables that mirrors the Go types and their
 * `patchStrategy:"merge" patchMergeKey:"..."` tags in k8s.io/api (1.32), so
 * that the same field name can merge differently by context (ports of a
 * Container by containerPort, ports of a ServiceSpec by port).  Fields not
 * listed are plain: maps merge recursively, lists are replaced.  The tables
 * (a "(set)" list merges as a set of primitive values):
 *
 *   ObjectMeta   (metadata of every kind, and of every pod/job template)
 *       finalizers (set)           ownerReferences by uid
 *   PodSpec      (Pod spec; spec.template.spec of Deployment, ReplicaSet,
 *                 DaemonSet, StatefulSet, Job; spec.jobTemplate.spec.template.spec
 *                 of CronJob; template.spec of PodTemplate)
 *       containers, initContainers, ephemeralContainers by name -> Container
 *       volumes by name            imagePullSecrets by name
 *       hostAliases by ip          topologySpreadConstraints by topologyKey
 *       resourceClaims by name     schedulingGates by name
 *   Container
 *       ports by containerPort     env by name
 *       volumeMounts by mountPath  volumeDevices by devicePath
 *   PodStatus
 *       conditions by type         podIPs by ip      hostIPs by ip
 *       resourceClaimStatuses by name
 *   ServiceSpec: ports by port     ServiceStatus: conditions by type
 *   NodeSpec: podCIDRs (set)       NodeStatus: conditions by type, addresses by type
 *   status.conditions by type: Deployment, ReplicaSet, DaemonSet, StatefulSet,
 *       Job, Namespace
 *   ServiceAccount: secrets by name
 *
 * Replaced (atomic), because Kubernetes does not tag them: tolerations,
 * readinessGates, envFrom, args, command, resizePolicy, resources.claims,
 * containerStatuses, taints, imagePullSecrets of a ServiceAccount, ... */
const cube_smp_schema *cube_smp_schema_for(const char *kind);

/* Applies a strategic merge patch (a JSON object) to `doc` as the API server
 * of k8s.io/apimachinery/pkg/util/strategicpatch does:
 *
 *   - null deletes a field; maps merge recursively; lists the schema does not
 *     name are replaced; merging lists of maps match items by their merge key
 *     (a patch item updates the item with the same key, new keys are added);
 *     merging lists of primitives take the union;
 *   - {"$patch": "replace"} in a map replaces the map by the rest of the patch
 *     map; {"$patch": "delete"} deletes the map (the field is removed; the
 *     whole document becomes {}); {"$patch": "merge"} is the default;
 *   - a list item {"<key>": v, "$patch": "delete"} deletes the item with that
 *     key (one per directive: a key the stored list repeats loses one copy,
 *     as in Kubernetes 1.32); an item {"$patch": "replace"} replaces the list
 *     by the other items;
 *   - "$setElementOrder/<list>": [...] orders the merged list: the items it
 *     names come in its order; the others (only in the stored list) keep
 *     their relative order and stay in front of the named item they preceded
 *     before, as Kubernetes' mergeSortedSlice does.  Without it, items the
 *     patch names take the patch's order the same way, so a patch that only
 *     adds {"name": "new"} puts it first.  Never stored;
 *   - "$retainKeys": [...] keeps only the listed fields of the map (the patch
 *     may set no other field);
 *   - "$deleteFromPrimitiveList/<list>": [...] removes those values from a
 *     list of primitives (after the rest of the map is merged).
 *
 * Errors name the problem: an unknown "$..." directive, a list item without
 * its merge key (`list "containers": item has no merge key "name"`), a patch
 * list in another order than its $setElementOrder, lists mixing objects and
 * values.  A `doc` that is not an object is patched as {}.  Returns a new
 * tree; `doc` and `patch` are not modified.  A NULL schema replaces every
 * list. */
cJSON *cube_strategic_merge_patch(const cJSON *doc, const cJSON *patch,
				  const cube_smp_schema *schema, cube_err *err);

/* The patch client-side apply sends (Kubernetes' CreateThreeWayMergePatch
 * with overwrite): what changed from `current` (the live object) to
 * `modified` (the new configuration), never deleting what only the live
 * object has, plus the deletions of fields that `original` (the last
 * applied configuration; NULL for none) had and `modified` no longer has
 * (null for a field, {"<key>": v, "$patch": "delete"} for an item of a
 * merging list, $deleteFromPrimitiveList for a value of a set).  Merging
 * lists that change get "$setElementOrder/<list>" as kubectl sends it.  An
 * empty object means nothing to do (kubectl's "unchanged").  Returns a new
 * tree, or NULL with err (CUBE_EINVAL for a merging list item without its
 * key, CUBE_ENOMEM). */
cJSON *cube_smp_three_way(const cJSON *original, const cJSON *modified, const cJSON *current,
			  const cube_smp_schema *schema, cube_err *err);

#endif
