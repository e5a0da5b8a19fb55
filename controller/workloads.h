/* workloads.h - the pure parts of the DaemonSet (daemonset.c) and
 * StatefulSet (statefulset.c) controllers, apart so that unit tests reach
 * them: which nodes a DaemonSet wants, the pods both controllers make, and
 * StatefulSet ordinals.
 *
 * Objects passed in are borrowed; functions returning cJSON * return a new
 * object (NULL on ENOMEM).  Thread-safe.
 */
#ifndef CUBE_CM_WORKLOADS_H
#define CUBE_CM_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* ---- DaemonSet -------------------------------------------------------------------------- */

/* Pod labels (Kubernetes' apps/v1 names). */
#define DS_REVISION_LABEL "controller-revision-hash"
#define DS_GENERATION_LABEL "pod-template-generation"
/* The annotation the Kubernetes API server keeps the template generation in. */
#define DS_GENERATION_ANNOTATION "deprecated.daemonset.template.generation"

/* NodeShouldRunDaemonPod: should_run when a daemon pod may be placed on the
 * node (spec.template.spec.nodeName if set, nodeSelector, required node
 * affinity, no untolerated NoSchedule/NoExecute taint); should_continue
 * when a pod already there may stay (the same, except that only NoExecute
 * taints matter).  Tolerations include those ds_add_tolerations adds. */
void ds_node_should_run(const cJSON *ds, const cJSON *node, bool *should_run,
			bool *should_continue);

/* Adds the tolerations Kubernetes gives every daemon pod
 * (AddOrUpdateDaemonPodTolerations) to a pod spec, unless present:
 * not-ready and unreachable (NoExecute); disk-, memory-, pid-pressure and
 * unschedulable (NoSchedule); network-unavailable (NoSchedule) with
 * hostNetwork.  Returns 0, -1 on ENOMEM. */
int ds_add_tolerations(cJSON *spec);

/* The template generation of a DaemonSet: its
 * deprecated.daemonset.template.generation annotation, else
 * metadata.generation. */
int64_t ds_template_generation(const cJSON *ds);

/* The daemon pod for `node` (NULL: no node affinity, for judging nodes):
 * the template with the DaemonSet as controller, generateName "<ds>-",
 * labels controller-revision-hash = hash and pod-template-generation, the
 * daemon tolerations and a required node affinity whose only term is
 * matchFields metadata.name In [node] (ReplaceDaemonSetPodNodeNameNodeAffinity). */
cJSON *ds_new_pod(const cJSON *ds, const char *node, const char *hash, int64_t generation);

/* The node a daemon pod is for: spec.nodeName, else the value of its
 * matchFields metadata.name In requirement (GetTargetNodeName); NULL if
 * neither. */
const char *ds_pod_target_node(const cJSON *pod);

/* IsPodUpdated: the pod carries the hash or the template generation. */
bool ds_pod_updated(const cJSON *pod, const char *hash, int64_t generation);

/* ---- StatefulSet ------------------------------------------------------------------------- */

#define STS_POD_NAME_LABEL "statefulset.kubernetes.io/pod-name"
#define STS_POD_INDEX_LABEL "apps.kubernetes.io/pod-index"

/* getParentNameAndOrdinal: "web-12" -> "web", 12 (the regexp (.*)-([0-9]+)$).
 * False when the name has no such suffix (or the ordinal overflows). */
bool sts_parse_ordinal(const char *pod_name, char *parent, size_t size, int64_t *ordinal);

/* The pod's ordinal if it belongs to the set by name ("<set>-<n>"), else -1. */
int64_t sts_member_ordinal(const cJSON *sts, const cJSON *pod);

/* The pod for `ordinal` from `tmpl` (a pod template): named
 * "<set>-<ordinal>", the set as controller, labels
 * statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index and
 * controller-revision-hash = revision, spec.hostname = the pod's name and
 * spec.subdomain = spec.serviceName. */
cJSON *sts_new_pod(const cJSON *sts, const cJSON *tmpl, int64_t ordinal, const char *revision);

/* The revision name of a template: "<set>-<hash>" (cm_template_hash with
 * the collision count). */
void sts_revision(const cJSON *sts, const cJSON *tmpl, char *buf, size_t size);

/* A pod template rebuilt from one of the set's pods (labels, annotations,
 * spec without nodeName): what a pod of that revision is made from when
 * its template is no longer the set's (cube keeps no ControllerRevisions). */
cJSON *sts_template_from_pod(const cJSON *pod);

#endif
