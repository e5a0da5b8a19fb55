/* defaults.h - defaulting of API objects, as Kubernetes v1.32 does it.
 *
 * Kubernetes fills in unset fields in three places before it validates and
 * stores an object: the SetDefaults_* functions of each API version (run on
 * every decode, so on create and on update), the registry strategies'
 * PrepareForCreate, and a few admission plugins.  api_default() does the
 * parts of those that cube's objects need, for every kind in the resource
 * table, in place on the JSON tree:
 *
 *   Pod and every pod template   SetDefaults_PodSpec, _Container, _Probe,
 *                                _HTTPGetAction, _Volume and friends; for Pods
 *                                also SetDefaults_Pod (requests from limits,
 *                                enableServiceLinks, host-network ports), the
 *                                Priority admission (priority 0,
 *                                preemptionPolicy PreemptLowerPriority), the
 *                                DefaultTolerationSeconds admission (not-ready
 *                                and unreachable, NoExecute, 300 s),
 *                                status.qosClass (PrepareForCreate), and a
 *                                negative terminationGracePeriodSeconds read
 *                                as 1 (the v1 Pod conversion since v1.27).
 *                                Every pod spec, Job templates included, gets
 *                                restartPolicy Always (Job validation then
 *                                asks for OnFailure or Never, as Kubernetes).
 *   Deployment, ReplicaSet, DaemonSet, StatefulSet   apps/v1 defaults.go.
 *   Job, CronJob                 batch/v1 defaults.go; a Job whose
 *                                manualSelector is not true also gets its
 *                                selector and pod labels generated from
 *                                metadata.uid (PrepareForCreate), so call
 *                                api_default() after the uid is assigned.
 *                                The Job's labels default to its template's,
 *                                generated labels included.
 *   Service                      SetDefaults_Service, ClusterIPs kept in step
 *                                with clusterIP, ipFamilyPolicy SingleStack and
 *                                ipFamilies [IPv4] (the allocator's defaults on
 *                                a single-stack cluster).  Allocation itself is
 *                                not done here.
 *   Namespace                    the kubernetes.io/metadata.name label.
 *   Secret                       type Opaque; stringData merged into data
 *                                (base64), as the v1 conversion does.
 *   Node                         status.allocatable from status.capacity.
 *   Endpoints                    ports[].protocol TCP.
 *   ConfigMap, Event, Lease, Ingress, ServiceAccount   nothing (Kubernetes
 *                                defaults nothing visible; Ingress pathType
 *                                is required, not defaulted).
 *
 * Resource quantities in containers' requests and limits are rewritten in
 * Kubernetes' canonical form, rounded up to milli-units ("0.5" becomes
 * "500m", "1024Mi" becomes "1Gi"), as a real API server stores them.
 *
 * Every default only fills a field that is absent, null or (where Kubernetes
 * treats the zero value as unset) zero or "", so calling api_default() again
 * on a defaulted object changes nothing: it is safe on create and on update.
 * Fields of the wrong JSON type are left alone for validation to report.
 * Things that are not defaults stay with the caller: uid, timestamps,
 * generation, namespace phase and finalizers, pod phase, ClusterIP and
 * NodePort allocation.
 */
#ifndef CUBE_APISERVER_DEFAULTS_H
#define CUBE_APISERVER_DEFAULTS_H

#include <cjson/cJSON.h>

#include "resources.h"

/* Fills in defaults in place, as Kubernetes' SetDefaults_* and the registry
 * strategies' PrepareForCreate do.  obj is a full object of r's kind.
 * Returns 0, or -1 on ENOMEM (obj may then be partly defaulted). */
int api_default(const api_resource *r, cJSON *obj) __attribute__((warn_unused_result));

/* The tolerationSeconds the DefaultTolerationSeconds admission plugin gives
 * pods for not-ready and unreachable nodes (300 and 300 until set; the API
 * server sets them once at start from its flags). */
void api_defaults_tolerations(int not_ready_s, int unreachable_s);

#endif
