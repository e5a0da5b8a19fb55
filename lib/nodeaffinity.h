/* nodeaffinity.h - which nodes a pod may go to by its spec.nodeSelector,
 * its required node affinity and its tolerations of the nodes' taints, as
 * Kubernetes' component-helpers/scheduling/corev1 (nodeaffinity and
 * ToleratesTaint / FindMatchingUntoleratedTaint).  The scheduler's
 * NodeAffinity and TaintToleration plug-ins and the DaemonSet controller
 * share it, as they share those helpers in Kubernetes.
 *
 * Pure functions over borrowed JSON; thread-safe.
 */
#ifndef CUBE_NODEAFFINITY_H
#define CUBE_NODEAFFINITY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* v1.Toleration.ToleratesTaint: does toleration t tolerate the taint? */
bool cube_toleration_tolerates(const cJSON *t, const char *key, const char *value,
			       const char *effect);

/* Does one of the pod's spec.tolerations tolerate the taint? */
bool cube_pod_tolerates(const cJSON *pod, const char *key, const char *value, const char *effect);

/* The first of the node's spec.taints whose effect passes effect_filter
 * (NULL: every effect) that the pod does not tolerate, or NULL. */
const cJSON *cube_untolerated_taint(const cJSON *pod, const cJSON *node,
				    bool (*effect_filter)(const char *effect));

/* One NodeSelectorTerm against a node: 1 match, 0 no match, -1 invalid
 * (err set, naming `where`): as nodeaffinity's nodeSelectorTerm.match, an
 * empty or invalid term matches nothing.  matchFields knows metadata.name. */
int cube_nodeaff_term_match(const cJSON *term, const cJSON *node, const char *where, char *err,
			    size_t esz);

/* The pod's spec.nodeSelector and required node affinity
 * (requiredDuringSchedulingIgnoredDuringExecution) against a node: 1 match,
 * 0 no match, -1 no match because of invalid terms (err set). */
int cube_nodeaff_required(const cJSON *pod, const cJSON *node, char *err, size_t esz);

#endif
