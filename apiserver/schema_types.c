/* schema_types.c - the type table behind schema.h: the Kubernetes v1.32 types
 * of the 17 kinds cube serves (plus autoscaling/v1 Scale and the meta/v1
 * types every document needs), transcribed from k8s.io/api core/v1, apps/v1,
 * batch/v1, coordination/v1, networking/v1, autoscaling/v1 and
 * k8s.io/apimachinery meta/v1.  JSON names, required fields and strategic
 * merge patch strategies/merge keys follow the Go struct tags.  Volume sources
 * nobody writes to cube (cloud disks, deprecated plugins) and the deprecated
 * dynamic kubelet config types are free-form objects; so are managedFields
 * entries.  Descriptions are short paraphrases of the Go doc comments. */
#include <stddef.h>

#include "schema.h"

/* ---- field constructors ------------------------------------------------------- */

#define F(n, k, s, fl, r, mk, d)                    \
	{                                           \
		(n), (k), (s), (fl), (r), (mk), (d) \
	}
#define ONE API_SS_ONE
#define ARR API_SS_ARRAY
#define MAP API_SS_MAP
#define REQ API_SF_REQUIRED
#define MERGE API_SF_MERGE

#define STR(n, d) F(n, API_SK_STRING, ONE, 0, 0, NULL, d)
#define RSTR(n, d) F(n, API_SK_STRING, ONE, REQ, 0, NULL, d)
#define INT(n, d) F(n, API_SK_INT32, ONE, 0, 0, NULL, d)
#define RINT(n, d) F(n, API_SK_INT32, ONE, REQ, 0, NULL, d)
#define I64(n, d) F(n, API_SK_INT64, ONE, 0, 0, NULL, d)
#define RI64(n, d) F(n, API_SK_INT64, ONE, REQ, 0, NULL, d)
#define BOOL(n, d) F(n, API_SK_BOOL, ONE, 0, 0, NULL, d)
#define RBOOL(n, d) F(n, API_SK_BOOL, ONE, REQ, 0, NULL, d)
#define TIME(n, d) F(n, API_SK_TIME, ONE, 0, 0, NULL, d)
#define RTIME(n, d) F(n, API_SK_TIME, ONE, REQ, 0, NULL, d)
#define MTIME(n, d) F(n, API_SK_MICROTIME, ONE, 0, 0, NULL, d)
#define QTY(n, d) F(n, API_SK_QUANTITY, ONE, 0, 0, NULL, d)
#define IOS(n, d) F(n, API_SK_INTSTR, ONE, 0, 0, NULL, d)
#define RIOS(n, d) F(n, API_SK_INTSTR, ONE, REQ, 0, NULL, d)
#define FREE(n, d) F(n, API_SK_FREEFORM, ONE, 0, 0, NULL, d)
#define OBJ(n, T, d) F(n, API_SK_OBJECT, ONE, 0, T, NULL, d)
#define ROBJ(n, T, d) F(n, API_SK_OBJECT, ONE, REQ, T, NULL, d)
#define STRS(n, d) F(n, API_SK_STRING, ARR, 0, 0, NULL, d)
#define MSTRS(n, d) F(n, API_SK_STRING, ARR, MERGE, 0, NULL, d) /* merged as a set */
#define INTS(n, d) F(n, API_SK_INT32, ARR, 0, 0, NULL, d)
#define RINTS(n, d) F(n, API_SK_INT32, ARR, REQ, 0, NULL, d)
#define I64S(n, d) F(n, API_SK_INT64, ARR, 0, 0, NULL, d)
#define FREES(n, d) F(n, API_SK_FREEFORM, ARR, 0, 0, NULL, d)
#define OBJS(n, T, d) F(n, API_SK_OBJECT, ARR, 0, T, NULL, d)
#define ROBJS(n, T, d) F(n, API_SK_OBJECT, ARR, REQ, T, NULL, d)
#define MOBJS(n, T, key, d) F(n, API_SK_OBJECT, ARR, MERGE, T, key, d)
#define RMOBJS(n, T, key, d) F(n, API_SK_OBJECT, ARR, MERGE | REQ, T, key, d)
#define MROBJS(n, T, key, d) F(n, API_SK_OBJECT, ARR, MERGE | API_SF_RETAIN, T, key, d)
#define SMAP(n, d) F(n, API_SK_STRING, MAP, 0, 0, NULL, d)
#define QMAP(n, d) F(n, API_SK_QUANTITY, MAP, 0, 0, NULL, d)
#define BMAP(n, d) F(n, API_SK_BYTES, MAP, 0, 0, NULL, d)
#define END                                  \
	{                                    \
		NULL, 0, 0, 0, 0, NULL, NULL \
	}

/* The fields every top-level kind starts with. */
#define TYPEMETA                                                                            \
	STR("apiVersion", "APIVersion defines the versioned schema of this representation " \
			  "of an object."),                                                 \
		STR("kind", "Kind is a string value representing the REST resource this "   \
			    "object represents, in CamelCase.")
#define OBJMETA OBJ("metadata", T_ObjectMeta, "Standard object's metadata.")

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define CORE "io.k8s.api.core.v1."
#define APPS "io.k8s.api.apps.v1."
#define BATCH "io.k8s.api.batch.v1."
#define COORD "io.k8s.api.coordination.v1."
#define NET "io.k8s.api.networking.v1."
#define AUTOSCALING "io.k8s.api.autoscaling.v1."

enum {
	T_NONE,
	/* meta/v1 */
	T_ObjectMeta,
	T_OwnerReference,
	T_ListMeta,
	T_LabelSelector,
	T_LabelSelectorRequirement,
	T_Condition,
	T_Status,
	T_StatusDetails,
	T_StatusCause,
	T_DeleteOptions,
	T_Preconditions,
	T_Patch,
	/* core/v1: pods */
	T_Pod,
	T_PodSpec,
	T_PodTemplateSpec,
	T_Container,
	T_EphemeralContainer,
	T_ContainerPort,
	T_EnvFromSource,
	T_ConfigMapEnvSource,
	T_SecretEnvSource,
	T_EnvVar,
	T_EnvVarSource,
	T_ObjectFieldSelector,
	T_ResourceFieldSelector,
	T_ConfigMapKeySelector,
	T_SecretKeySelector,
	T_ResourceRequirements,
	T_ResourceClaim,
	T_ContainerResizePolicy,
	T_VolumeMount,
	T_VolumeDevice,
	T_Probe,
	T_ProbeHandler,
	T_ExecAction,
	T_HTTPGetAction,
	T_HTTPHeader,
	T_TCPSocketAction,
	T_GRPCAction,
	T_Lifecycle,
	T_LifecycleHandler,
	T_SleepAction,
	T_SecurityContext,
	T_Capabilities,
	T_SELinuxOptions,
	T_WindowsSecurityContextOptions,
	T_SeccompProfile,
	T_AppArmorProfile,
	T_PodSecurityContext,
	T_Sysctl,
	T_Affinity,
	T_NodeAffinity,
	T_NodeSelector,
	T_NodeSelectorTerm,
	T_NodeSelectorRequirement,
	T_PreferredSchedulingTerm,
	T_PodAffinity,
	T_PodAntiAffinity,
	T_PodAffinityTerm,
	T_WeightedPodAffinityTerm,
	T_Toleration,
	T_HostAlias,
	T_PodDNSConfig,
	T_PodDNSConfigOption,
	T_PodReadinessGate,
	T_TopologySpreadConstraint,
	T_PodOS,
	T_PodSchedulingGate,
	T_PodResourceClaim,
	T_LocalObjectReference,
	/* core/v1: volumes */
	T_Volume,
	T_VolumeSource,
	T_HostPathVolumeSource,
	T_EmptyDirVolumeSource,
	T_SecretVolumeSource,
	T_KeyToPath,
	T_ConfigMapVolumeSource,
	T_PersistentVolumeClaimVolumeSource,
	T_DownwardAPIVolumeSource,
	T_DownwardAPIVolumeFile,
	T_ProjectedVolumeSource,
	T_VolumeProjection,
	T_SecretProjection,
	T_ConfigMapProjection,
	T_DownwardAPIProjection,
	T_ServiceAccountTokenProjection,
	T_ClusterTrustBundleProjection,
	T_NFSVolumeSource,
	T_CSIVolumeSource,
	T_EphemeralVolumeSource,
	T_PersistentVolumeClaimTemplate,
	T_ImageVolumeSource,
	T_PersistentVolumeClaim,
	T_PersistentVolumeClaimSpec,
	T_VolumeResourceRequirements,
	T_TypedLocalObjectReference,
	T_TypedObjectReference,
	T_PersistentVolumeClaimStatus,
	T_PersistentVolumeClaimCondition,
	T_ModifyVolumeStatus,
	/* core/v1: pod status */
	T_PodStatus,
	T_PodCondition,
	T_HostIP,
	T_PodIP,
	T_ContainerStatus,
	T_ContainerState,
	T_ContainerStateWaiting,
	T_ContainerStateRunning,
	T_ContainerStateTerminated,
	T_VolumeMountStatus,
	T_ContainerUser,
	T_LinuxContainerUser,
	T_ResourceStatus,
	T_ResourceHealth,
	T_PodResourceClaimStatus,
	/* core/v1: other kinds */
	T_Service,
	T_ServiceSpec,
	T_ServicePort,
	T_SessionAffinityConfig,
	T_ClientIPConfig,
	T_ServiceStatus,
	T_LoadBalancerStatus,
	T_LoadBalancerIngress,
	T_PortStatus,
	T_Endpoints,
	T_EndpointSubset,
	T_EndpointAddress,
	T_EndpointPort,
	T_ObjectReference,
	T_ConfigMap,
	T_Secret,
	T_Event,
	T_EventSource,
	T_EventSeries,
	T_Namespace,
	T_NamespaceSpec,
	T_NamespaceStatus,
	T_NamespaceCondition,
	T_Node,
	T_NodeSpec,
	T_Taint,
	T_NodeStatus,
	T_NodeCondition,
	T_NodeAddress,
	T_NodeDaemonEndpoints,
	T_DaemonEndpoint,
	T_NodeSystemInfo,
	T_ContainerImage,
	T_AttachedVolume,
	T_NodeRuntimeHandler,
	T_NodeRuntimeHandlerFeatures,
	T_NodeFeatures,
	T_ServiceAccount,
	/* apps/v1 */
	T_Deployment,
	T_DeploymentSpec,
	T_DeploymentStrategy,
	T_RollingUpdateDeployment,
	T_DeploymentStatus,
	T_DeploymentCondition,
	T_ReplicaSet,
	T_ReplicaSetSpec,
	T_ReplicaSetStatus,
	T_ReplicaSetCondition,
	T_DaemonSet,
	T_DaemonSetSpec,
	T_DaemonSetUpdateStrategy,
	T_RollingUpdateDaemonSet,
	T_DaemonSetStatus,
	T_DaemonSetCondition,
	T_StatefulSet,
	T_StatefulSetSpec,
	T_StatefulSetUpdateStrategy,
	T_RollingUpdateStatefulSetStrategy,
	T_StatefulSetPersistentVolumeClaimRetentionPolicy,
	T_StatefulSetOrdinals,
	T_StatefulSetStatus,
	T_StatefulSetCondition,
	/* autoscaling/v1 */
	T_Scale,
	T_ScaleSpec,
	T_ScaleStatus,
	/* batch/v1 */
	T_Job,
	T_JobSpec,
	T_PodFailurePolicy,
	T_PodFailurePolicyRule,
	T_PodFailurePolicyOnExitCodesRequirement,
	T_PodFailurePolicyOnPodConditionsPattern,
	T_SuccessPolicy,
	T_SuccessPolicyRule,
	T_JobStatus,
	T_UncountedTerminatedPods,
	T_JobCondition,
	T_JobTemplateSpec,
	T_CronJob,
	T_CronJobSpec,
	T_CronJobStatus,
	/* coordination.k8s.io/v1 */
	T_Lease,
	T_LeaseSpec,
	/* networking.k8s.io/v1 */
	T_Ingress,
	T_IngressSpec,
	T_IngressBackend,
	T_IngressServiceBackend,
	T_ServiceBackendPort,
	T_IngressTLS,
	T_IngressRule,
	T_HTTPIngressRuleValue,
	T_HTTPIngressPath,
	T_IngressStatus,
	T_IngressLoadBalancerStatus,
	T_IngressLoadBalancerIngress,
	T_IngressPortStatus,
	T_COUNT
};

/* ==== meta/v1 ===================================================================== */

static const api_sfield f_ObjectMeta[] = {
	STR("name", "Name must be unique within a namespace. Cannot be updated."),
	STR("generateName", "Optional prefix used by the server to generate a unique name if "
			    "name is not provided."),
	STR("namespace", "Namespace defines the space within which each name must be unique."),
	STR("selfLink", "Deprecated: selfLink is a legacy read-only field."),
	STR("uid", "UID is the unique in time and space value for this object. Read-only."),
	STR("resourceVersion", "An opaque value that represents the internal version of this "
			       "object. Read-only."),
	I64("generation", "A sequence number representing a specific generation of the desired "
			  "state. Read-only."),
	TIME("creationTimestamp", "The server time when this object was created. Read-only."),
	TIME("deletionTimestamp", "RFC 3339 date and time at which this resource will be "
				  "deleted. Read-only."),
	I64("deletionGracePeriodSeconds", "Seconds allowed for this object to gracefully "
					  "terminate before removal. Read-only."),
	SMAP("labels", "Map of string keys and values that can be used to organize and "
		       "categorize (scope and select) objects."),
	SMAP("annotations", "Unstructured key value map stored with a resource that may be set "
			    "by external tools."),
	MOBJS("ownerReferences", T_OwnerReference, "uid",
	      "List of objects depended by this object. If ALL of them are deleted, this object "
	      "is garbage collected."),
	MSTRS("finalizers", "Must be empty before the object is deleted from the registry."),
	FREES("managedFields", "Maps workflow-id and version to the set of fields that are "
			       "managed by that workflow."),
	END,
};

static const api_sfield f_OwnerReference[] = {
	RSTR("apiVersion", "API version of the referent."),
	RSTR("kind", "Kind of the referent."),
	RSTR("name", "Name of the referent."),
	RSTR("uid", "UID of the referent."),
	BOOL("controller", "If true, this reference points to the managing controller."),
	BOOL("blockOwnerDeletion", "If true, the owner cannot be deleted from the key-value "
				   "store until this reference is removed."),
	END,
};

static const api_sfield f_ListMeta[] = {
	STR("selfLink", "Deprecated: selfLink is a legacy read-only field."),
	STR("resourceVersion", "String that identifies the server's internal version of this "
			       "object."),
	STR("continue", "Set if the user set a limit on the number of items returned; use it to "
			"get the next page."),
	I64("remainingItemCount", "Number of subsequent items in the list not included in this "
				  "response."),
	END,
};

static const api_sfield f_LabelSelector[] = {
	SMAP("matchLabels", "Map of {key,value} pairs; each is equivalent to an element of "
			    "matchExpressions with operator In."),
	OBJS("matchExpressions", T_LabelSelectorRequirement,
	     "List of label selector requirements. The requirements are ANDed."),
	END,
};

static const api_sfield f_LabelSelectorRequirement[] = {
	RSTR("key", "The label key that the selector applies to."),
	RSTR("operator", "A key's relationship to a set of values: In, NotIn, Exists and "
			 "DoesNotExist."),
	STRS("values", "An array of string values; must be empty for Exists and DoesNotExist."),
	END,
};

static const api_sfield f_Condition[] = {
	RSTR("type", "Type of condition in CamelCase."),
	RSTR("status", "Status of the condition, one of True, False, Unknown."),
	I64("observedGeneration", "The .metadata.generation that the condition was set based "
				  "upon."),
	RTIME("lastTransitionTime", "Last time the condition transitioned from one status to "
				    "another."),
	RSTR("reason", "A programmatic identifier indicating the reason for the condition's "
		       "last transition."),
	RSTR("message", "A human readable message indicating details about the transition."),
	END,
};

static const api_sfield f_Status[] = {
	TYPEMETA,
	OBJ("metadata", T_ListMeta, "Standard list metadata."),
	STR("status", "Status of the operation: Success or Failure."),
	STR("message", "A human-readable description of the status of this operation."),
	STR("reason", "A machine-readable description of why this operation is in the Failure "
		      "status."),
	OBJ("details", T_StatusDetails, "Extended data associated with the reason."),
	INT("code", "Suggested HTTP return code for this status, 0 if not set."),
	END,
};

static const api_sfield f_StatusDetails[] = {
	STR("name", "The name attribute of the resource associated with the status."),
	STR("group", "The group attribute of the resource associated with the status."),
	STR("kind", "The kind attribute of the resource associated with the status."),
	STR("uid", "UID of the resource."),
	OBJS("causes", T_StatusCause,
	     "The Causes array includes more details associated with "
	     "the failure."),
	INT("retryAfterSeconds", "If specified, the time in seconds before the operation "
				 "should be retried."),
	END,
};

static const api_sfield f_StatusCause[] = {
	STR("reason", "A machine-readable description of the cause of the error."),
	STR("message", "A human-readable description of the cause of the error."),
	STR("field", "The field of the resource that has caused this error."),
	END,
};

static const api_sfield f_DeleteOptions[] = {
	TYPEMETA,
	I64("gracePeriodSeconds", "The duration in seconds before the object should be deleted."),
	OBJ("preconditions", T_Preconditions,
	    "Must be fulfilled before a deletion is carried "
	    "out."),
	BOOL("orphanDependents", "Deprecated: use propagationPolicy."),
	STR("propagationPolicy", "Whether and how garbage collection will be performed: "
				 "Orphan, Background or Foreground."),
	STRS("dryRun", "When present, modifications should not be persisted (All)."),
	BOOL("ignoreStoreReadErrorWithClusterBreakingPotential",
	     "If true, unsafely delete a corrupt object that cannot be read from the store."),
	END,
};

static const api_sfield f_Preconditions[] = {
	STR("uid", "Specifies the target UID."),
	STR("resourceVersion", "Specifies the target ResourceVersion."),
	END,
};

/* ==== core/v1: pods =============================================================== */

static const api_sfield f_Pod[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_PodSpec, "Specification of the desired behavior of the pod."),
	OBJ("status", T_PodStatus, "Most recently observed status of the pod. Read-only."),
	END,
};

static const api_sfield f_PodSpec[] = {
	MROBJS("volumes", T_Volume, "name",
	       "List of volumes that can be mounted by containers belonging to the pod."),
	MOBJS("initContainers", T_Container, "name",
	      "List of initialization containers, run in order before the containers start."),
	RMOBJS("containers", T_Container, "name",
	       "List of containers belonging to the pod. There must be at least one."),
	MOBJS("ephemeralContainers", T_EphemeralContainer, "name",
	      "List of ephemeral containers run in this pod (debugging)."),
	STR("restartPolicy", "Restart policy for all containers: Always, OnFailure, Never. "
			     "Default Always."),
	I64("terminationGracePeriodSeconds", "Duration in seconds the pod needs to terminate "
					     "gracefully. Defaults to 30."),
	I64("activeDeadlineSeconds", "Duration in seconds the pod may be active on the node "
				     "before the system tries to kill it."),
	STR("dnsPolicy", "DNS policy: ClusterFirstWithHostNet, ClusterFirst, Default or None."),
	SMAP("nodeSelector", "Selector which must match a node's labels for the pod to be "
			     "scheduled on that node."),
	STR("serviceAccountName", "Name of the ServiceAccount to use to run this pod."),
	STR("serviceAccount", "Deprecated alias for serviceAccountName."),
	BOOL("automountServiceAccountToken", "Whether a service account token should be "
					     "automatically mounted."),
	STR("nodeName", "The node this pod is scheduled to (set by the scheduler)."),
	BOOL("hostNetwork", "Use the host's network namespace."),
	BOOL("hostPID", "Use the host's pid namespace."),
	BOOL("hostIPC", "Use the host's ipc namespace."),
	BOOL("shareProcessNamespace", "Share a single process namespace between all of the "
				      "containers in a pod."),
	OBJ("securityContext", T_PodSecurityContext,
	    "Pod-level security attributes and common "
	    "container settings."),
	MOBJS("imagePullSecrets", T_LocalObjectReference, "name",
	      "References to secrets in the same namespace to use for pulling the images."),
	STR("hostname", "Hostname of the Pod; defaults to a system-defined value."),
	STR("subdomain", "If specified, the FQDN is <hostname>.<subdomain>.<namespace>.svc."
			 "<cluster domain>."),
	OBJ("affinity", T_Affinity, "The pod's scheduling constraints."),
	STR("schedulerName", "The scheduler that dispatches the pod; default scheduler if "
			     "unset."),
	OBJS("tolerations", T_Toleration, "The pod's tolerations."),
	MOBJS("hostAliases", T_HostAlias, "ip",
	      "Hosts and IPs that will be injected into the pod's hosts file."),
	STR("priorityClassName", "The pod's priority class."),
	INT("priority", "The priority value, populated from priorityClassName."),
	OBJ("dnsConfig", T_PodDNSConfig,
	    "DNS parameters of the pod, merged with those of "
	    "dnsPolicy."),
	OBJS("readinessGates", T_PodReadinessGate,
	     "Conditions that must all be True for the "
	     "pod to be ready."),
	STR("runtimeClassName", "The RuntimeClass used to run this pod."),
	BOOL("enableServiceLinks", "Whether information about services is injected into the "
				   "pod's environment. Defaults to true."),
	STR("preemptionPolicy", "Policy for preempting pods with lower priority: Never, "
				"PreemptLowerPriority."),
	QMAP("overhead", "Resource overhead of running the pod for its RuntimeClass."),
	MOBJS("topologySpreadConstraints", T_TopologySpreadConstraint, "topologyKey",
	      "How a group of pods ought to spread across topology domains."),
	BOOL("setHostnameAsFQDN", "If true the pod's hostname is configured as the pod's FQDN."),
	OBJ("os", T_PodOS, "The OS of the containers in the pod."),
	BOOL("hostUsers", "Use the host's user namespace. Defaults to true."),
	MOBJS("schedulingGates", T_PodSchedulingGate, "name",
	      "Opaque values that, while present, block scheduling the pod."),
	MROBJS("resourceClaims", T_PodResourceClaim, "name",
	       "ResourceClaims that must be allocated and reserved before the Pod starts."),
	OBJ("resources", T_ResourceRequirements,
	    "Total resources of the pod (PodLevelResources, "
	    "alpha)."),
	END,
};

static const api_sfield f_PodTemplateSpec[] = {
	OBJMETA,
	OBJ("spec", T_PodSpec, "Specification of the desired behavior of the pod."),
	END,
};

static const api_sfield f_Container[] = {
	RSTR("name", "Name of the container, a DNS_LABEL unique within the pod. Cannot be "
		     "updated."),
	STR("image", "Container image name."),
	STRS("command", "Entrypoint array, not executed within a shell. The image's ENTRYPOINT "
			"is used if not provided."),
	STRS("args", "Arguments to the entrypoint. The image's CMD is used if not provided."),
	STR("workingDir", "Container's working directory."),
	MOBJS("ports", T_ContainerPort, "containerPort",
	      "List of ports to expose from the container."),
	OBJS("envFrom", T_EnvFromSource,
	     "Sources to populate environment variables in the "
	     "container."),
	MOBJS("env", T_EnvVar, "name", "List of environment variables to set in the container."),
	OBJ("resources", T_ResourceRequirements,
	    "Compute resources required by this "
	    "container."),
	OBJS("resizePolicy", T_ContainerResizePolicy,
	     "Resources resize policy for the "
	     "container."),
	STR("restartPolicy", "Restart behavior of an init container: Always makes it a sidecar."),
	MOBJS("volumeMounts", T_VolumeMount, "mountPath",
	      "Pod volumes to mount into the container's filesystem."),
	MOBJS("volumeDevices", T_VolumeDevice, "devicePath",
	      "Block devices to be used by the container."),
	OBJ("livenessProbe", T_Probe,
	    "Periodic probe of container liveness; the container is "
	    "restarted if it fails."),
	OBJ("readinessProbe", T_Probe, "Periodic probe of container service readiness."),
	OBJ("startupProbe", T_Probe, "Indicates that the Pod has successfully initialized."),
	OBJ("lifecycle", T_Lifecycle,
	    "Actions to take in response to container lifecycle "
	    "events."),
	STR("terminationMessagePath", "Path of the file the termination message is written to. "
				      "Defaults to /dev/termination-log."),
	STR("terminationMessagePolicy", "How the termination message is populated: File or "
					"FallbackToLogsOnError."),
	STR("imagePullPolicy", "Image pull policy: Always, Never, IfNotPresent."),
	OBJ("securityContext", T_SecurityContext,
	    "Security options the container should be "
	    "run with."),
	BOOL("stdin", "Whether this container should allocate a buffer for stdin."),
	BOOL("stdinOnce", "Whether the runtime closes stdin after it has been opened by a "
			  "single attach."),
	BOOL("tty", "Whether this container should allocate a TTY for itself."),
	END,
};

static const api_sfield f_EphemeralContainer[] = {
	STR("targetContainerName", "The name of the container from PodSpec that this ephemeral "
				   "container targets."),
	END,
};

static const api_sfield f_ContainerPort[] = {
	STR("name", "An IANA_SVC_NAME unique within the pod that services can refer to."),
	INT("hostPort", "Number of port to expose on the host."),
	RINT("containerPort", "Number of port to expose on the pod's IP address."),
	STR("protocol", "Protocol for port: UDP, TCP, or SCTP. Defaults to TCP."),
	STR("hostIP", "What host IP to bind the external port to."),
	END,
};

static const api_sfield f_EnvFromSource[] = {
	STR("prefix", "An optional identifier to prepend to each key."),
	OBJ("configMapRef", T_ConfigMapEnvSource, "The ConfigMap to select from."),
	OBJ("secretRef", T_SecretEnvSource, "The Secret to select from."),
	END,
};

static const api_sfield f_ConfigMapEnvSource[] = {
	STR("name", "Name of the referent."),
	BOOL("optional", "Specify whether the ConfigMap must be defined."),
	END,
};

static const api_sfield f_SecretEnvSource[] = {
	STR("name", "Name of the referent."),
	BOOL("optional", "Specify whether the Secret must be defined."),
	END,
};

static const api_sfield f_EnvVar[] = {
	RSTR("name", "Name of the environment variable, a C_IDENTIFIER."),
	STR("value", "Value of the variable; $(VAR_NAME) references are expanded."),
	OBJ("valueFrom", T_EnvVarSource, "Source for the environment variable's value."),
	END,
};

static const api_sfield f_EnvVarSource[] = {
	OBJ("fieldRef", T_ObjectFieldSelector, "Selects a field of the pod."),
	OBJ("resourceFieldRef", T_ResourceFieldSelector, "Selects a resource of the container."),
	OBJ("configMapKeyRef", T_ConfigMapKeySelector, "Selects a key of a ConfigMap."),
	OBJ("secretKeyRef", T_SecretKeySelector,
	    "Selects a key of a secret in the pod's "
	    "namespace."),
	END,
};

static const api_sfield f_ObjectFieldSelector[] = {
	STR("apiVersion", "Version of the schema the FieldPath is written in terms of."),
	RSTR("fieldPath", "Path of the field to select."),
	END,
};

static const api_sfield f_ResourceFieldSelector[] = {
	STR("containerName", "Container name: required for volumes, optional for env vars."),
	RSTR("resource", "Resource to select."),
	QTY("divisor", "Output format of the exposed resources, defaults to 1."),
	END,
};

static const api_sfield f_ConfigMapKeySelector[] = {
	STR("name", "Name of the referent."),
	RSTR("key", "The key to select."),
	BOOL("optional", "Specify whether the ConfigMap or its key must be defined."),
	END,
};

static const api_sfield f_SecretKeySelector[] = {
	STR("name", "Name of the referent."),
	RSTR("key", "The key of the secret to select from."),
	BOOL("optional", "Specify whether the Secret or its key must be defined."),
	END,
};

static const api_sfield f_ResourceRequirements[] = {
	QMAP("limits", "Maximum amount of compute resources allowed."),
	QMAP("requests", "Minimum amount of compute resources required."),
	OBJS("claims", T_ResourceClaim,
	     "Names of resources, defined in spec.resourceClaims, "
	     "used by this container."),
	END,
};

static const api_sfield f_ResourceClaim[] = {
	RSTR("name", "Name of one entry in pod.spec.resourceClaims."),
	STR("request", "Name of one request in the referenced claim."),
	END,
};

static const api_sfield f_ContainerResizePolicy[] = {
	RSTR("resourceName", "Name of the resource to which this policy applies: cpu, memory."),
	RSTR("restartPolicy", "Restart policy when the resource is resized: NotRequired, "
			      "RestartContainer."),
	END,
};

static const api_sfield f_VolumeMount[] = {
	RSTR("name", "This must match the name of a volume."),
	BOOL("readOnly", "Mounted read-only if true, read-write otherwise."),
	STR("recursiveReadOnly", "Whether read-only mounts are recursive: Disabled, IfPossible, "
				 "Enabled."),
	RSTR("mountPath", "Path within the container at which the volume should be mounted."),
	STR("subPath", "Path within the volume from which the container's volume should be "
		       "mounted."),
	STR("mountPropagation", "How mounts are propagated: None, HostToContainer, "
				"Bidirectional."),
	STR("subPathExpr", "Like subPath, with $(VAR_NAME) references expanded."),
	END,
};

static const api_sfield f_VolumeDevice[] = {
	RSTR("name", "Must match the name of a persistentVolumeClaim in the pod."),
	RSTR("devicePath", "Path inside of the container that the device will be mapped to."),
	END,
};

static const api_sfield f_Probe[] = {
	INT("initialDelaySeconds", "Seconds after the container has started before probes are "
				   "initiated."),
	INT("timeoutSeconds", "Seconds after which the probe times out. Defaults to 1."),
	INT("periodSeconds", "How often (in seconds) to perform the probe. Defaults to 10."),
	INT("successThreshold", "Minimum consecutive successes to be considered successful "
				"after having failed."),
	INT("failureThreshold", "Minimum consecutive failures to be considered failed after "
				"having succeeded. Defaults to 3."),
	I64("terminationGracePeriodSeconds", "Grace period in seconds for termination upon "
					     "probe failure."),
	END,
};

static const api_sfield f_ProbeHandler[] = {
	OBJ("exec", T_ExecAction, "Exec specifies a command to execute in the container."),
	OBJ("httpGet", T_HTTPGetAction, "HTTPGet specifies an HTTP GET request to perform."),
	OBJ("tcpSocket", T_TCPSocketAction, "TCPSocket specifies a connection to a TCP port."),
	OBJ("grpc", T_GRPCAction, "GRPC specifies a GRPC HealthCheckRequest."),
	END,
};

static const api_sfield f_ExecAction[] = {
	STRS("command", "Command line to execute inside the container; not run in a shell."),
	END,
};

static const api_sfield f_HTTPGetAction[] = {
	STR("path", "Path to access on the HTTP server."),
	RIOS("port", "Name or number of the port to access on the container."),
	STR("host", "Host name to connect to, defaults to the pod IP."),
	STR("scheme", "Scheme to use for connecting to the host: HTTP or HTTPS."),
	OBJS("httpHeaders", T_HTTPHeader, "Custom headers to set in the request."),
	END,
};

static const api_sfield f_HTTPHeader[] = {
	RSTR("name", "The header field name."),
	RSTR("value", "The header field value."),
	END,
};

static const api_sfield f_TCPSocketAction[] = {
	RIOS("port", "Number or name of the port to access on the container."),
	STR("host", "Host name to connect to, defaults to the pod IP."),
	END,
};

static const api_sfield f_GRPCAction[] = {
	RINT("port", "Port number of the gRPC service."),
	STR("service", "Name of the service to place in the gRPC HealthCheckRequest."),
	END,
};

static const api_sfield f_Lifecycle[] = {
	OBJ("postStart", T_LifecycleHandler, "Called immediately after a container is created."),
	OBJ("preStop", T_LifecycleHandler,
	    "Called immediately before a container is "
	    "terminated."),
	END,
};

static const api_sfield f_LifecycleHandler[] = {
	OBJ("exec", T_ExecAction, "Exec specifies a command to execute in the container."),
	OBJ("httpGet", T_HTTPGetAction, "HTTPGet specifies an HTTP GET request to perform."),
	OBJ("tcpSocket", T_TCPSocketAction, "Deprecated, not supported as a LifecycleHandler."),
	OBJ("sleep", T_SleepAction, "Sleep for the given duration before terminating."),
	END,
};

static const api_sfield f_SleepAction[] = {
	RI64("seconds", "Number of seconds to sleep."),
	END,
};

static const api_sfield f_SecurityContext[] = {
	OBJ("capabilities", T_Capabilities,
	    "The capabilities to add/drop when running "
	    "containers."),
	BOOL("privileged", "Run container in privileged mode."),
	OBJ("seLinuxOptions", T_SELinuxOptions,
	    "The SELinux context to be applied to the "
	    "container."),
	OBJ("windowsOptions", T_WindowsSecurityContextOptions, "Windows specific settings."),
	I64("runAsUser", "The UID to run the entrypoint of the container process."),
	I64("runAsGroup", "The GID to run the entrypoint of the container process."),
	BOOL("runAsNonRoot", "The container must run as a non-root user."),
	BOOL("readOnlyRootFilesystem", "Whether this container has a read-only root "
				       "filesystem."),
	BOOL("allowPrivilegeEscalation", "Whether a process can gain more privileges than its "
					 "parent process."),
	STR("procMount", "The type of proc mount to use: Default or Unmasked."),
	OBJ("seccompProfile", T_SeccompProfile, "The seccomp options to use by this container."),
	OBJ("appArmorProfile", T_AppArmorProfile,
	    "The AppArmor options to use by this "
	    "container."),
	END,
};

static const api_sfield f_Capabilities[] = {
	STRS("add", "Added capabilities."),
	STRS("drop", "Removed capabilities."),
	END,
};

static const api_sfield f_SELinuxOptions[] = {
	STR("user", "SELinux user label."),
	STR("role", "SELinux role label."),
	STR("type", "SELinux type label."),
	STR("level", "SELinux level label."),
	END,
};

static const api_sfield f_WindowsSecurityContextOptions[] = {
	STR("gmsaCredentialSpecName", "Name of the GMSA credential spec to use."),
	STR("gmsaCredentialSpec", "Contents of the GMSA credential spec."),
	STR("runAsUserName", "The UserName in Windows to run the entrypoint of the container."),
	BOOL("hostProcess", "Whether the container runs as a 'Host Process' container."),
	END,
};

static const api_sfield f_SeccompProfile[] = {
	RSTR("type", "Kind of seccomp profile: Localhost, RuntimeDefault, Unconfined."),
	STR("localhostProfile", "A profile defined in a file on the node."),
	END,
};

static const api_sfield f_AppArmorProfile[] = {
	RSTR("type", "Kind of AppArmor profile: Localhost, RuntimeDefault, Unconfined."),
	STR("localhostProfile", "A profile loaded on the node."),
	END,
};

static const api_sfield f_PodSecurityContext[] = {
	OBJ("seLinuxOptions", T_SELinuxOptions, "The SELinux context applied to all containers."),
	OBJ("windowsOptions", T_WindowsSecurityContextOptions, "Windows specific settings."),
	I64("runAsUser", "The UID to run the entrypoint of the container process."),
	I64("runAsGroup", "The GID to run the entrypoint of the container process."),
	BOOL("runAsNonRoot", "The container must run as a non-root user."),
	I64S("supplementalGroups", "Groups applied to the first process run in each container."),
	STR("supplementalGroupsPolicy", "How supplemental groups are calculated: Merge or "
					"Strict."),
	I64("fsGroup", "A special supplemental group that applies to all containers."),
	OBJS("sysctls", T_Sysctl, "Namespaced sysctls used for the pod."),
	STR("fsGroupChangePolicy", "How ownership and permission of volumes are changed: "
				   "OnRootMismatch, Always."),
	OBJ("seccompProfile", T_SeccompProfile, "The seccomp options to use by the containers."),
	OBJ("appArmorProfile", T_AppArmorProfile,
	    "The AppArmor options to use by the "
	    "containers."),
	STR("seLinuxChangePolicy", "How the SELinux label is applied to volumes: Recursive or "
				   "MountOption."),
	END,
};

static const api_sfield f_Sysctl[] = {
	RSTR("name", "Name of a property to set."),
	RSTR("value", "Value of a property to set."),
	END,
};

static const api_sfield f_Affinity[] = {
	OBJ("nodeAffinity", T_NodeAffinity, "Node affinity scheduling rules for the pod."),
	OBJ("podAffinity", T_PodAffinity, "Pod affinity scheduling rules."),
	OBJ("podAntiAffinity", T_PodAntiAffinity, "Pod anti-affinity scheduling rules."),
	END,
};

static const api_sfield f_NodeAffinity[] = {
	OBJ("requiredDuringSchedulingIgnoredDuringExecution", T_NodeSelector,
	    "Requirements that must be met for the pod to be scheduled onto a node."),
	OBJS("preferredDuringSchedulingIgnoredDuringExecution", T_PreferredSchedulingTerm,
	     "Weighted preferences for nodes."),
	END,
};

static const api_sfield f_NodeSelector[] = {
	ROBJS("nodeSelectorTerms", T_NodeSelectorTerm, "A list of node selector terms, ORed."),
	END,
};

static const api_sfield f_NodeSelectorTerm[] = {
	OBJS("matchExpressions", T_NodeSelectorRequirement, "Requirements by node's labels."),
	OBJS("matchFields", T_NodeSelectorRequirement, "Requirements by node's fields."),
	END,
};

static const api_sfield f_NodeSelectorRequirement[] = {
	RSTR("key", "The label key that the selector applies to."),
	RSTR("operator", "In, NotIn, Exists, DoesNotExist, Gt, and Lt."),
	STRS("values", "An array of string values."),
	END,
};

static const api_sfield f_PreferredSchedulingTerm[] = {
	RINT("weight", "Weight associated with the term, in the range 1-100."),
	ROBJ("preference", T_NodeSelectorTerm, "A node selector term."),
	END,
};

static const api_sfield f_PodAffinity[] = {
	OBJS("requiredDuringSchedulingIgnoredDuringExecution", T_PodAffinityTerm,
	     "Terms that must be met for the pod to be scheduled onto a node."),
	OBJS("preferredDuringSchedulingIgnoredDuringExecution", T_WeightedPodAffinityTerm,
	     "Weighted preferences."),
	END,
};

static const api_sfield f_PodAntiAffinity[] = {
	OBJS("requiredDuringSchedulingIgnoredDuringExecution", T_PodAffinityTerm,
	     "Terms that must be met for the pod to be scheduled onto a node."),
	OBJS("preferredDuringSchedulingIgnoredDuringExecution", T_WeightedPodAffinityTerm,
	     "Weighted preferences."),
	END,
};

static const api_sfield f_PodAffinityTerm[] = {
	OBJ("labelSelector", T_LabelSelector, "A label query over pods."),
	STRS("namespaces", "Namespace names that the term applies to."),
	RSTR("topologyKey", "Node label key whose values define co-location."),
	OBJ("namespaceSelector", T_LabelSelector, "A label query over namespaces."),
	STRS("matchLabelKeys", "Pod label keys whose incoming values are merged into "
			       "labelSelector (In)."),
	STRS("mismatchLabelKeys", "Pod label keys whose incoming values are merged into "
				  "labelSelector (NotIn)."),
	END,
};

static const api_sfield f_WeightedPodAffinityTerm[] = {
	RINT("weight", "Weight in the range 1-100."),
	ROBJ("podAffinityTerm", T_PodAffinityTerm, "A pod affinity term."),
	END,
};

static const api_sfield f_Toleration[] = {
	STR("key", "The taint key that the toleration applies to; empty matches all keys."),
	STR("operator", "Exists or Equal. Defaults to Equal."),
	STR("value", "The taint value the toleration matches to."),
	STR("effect", "The taint effect to match: NoSchedule, PreferNoSchedule, NoExecute."),
	I64("tolerationSeconds", "How long a NoExecute taint is tolerated."),
	END,
};

static const api_sfield f_HostAlias[] = {
	RSTR("ip", "IP address of the host file entry."),
	STRS("hostnames", "Hostnames for the above IP address."),
	END,
};

static const api_sfield f_PodDNSConfig[] = {
	STRS("nameservers", "DNS name server IP addresses."),
	STRS("searches", "DNS search domains for host-name lookup."),
	OBJS("options", T_PodDNSConfigOption, "DNS resolver options."),
	END,
};

static const api_sfield f_PodDNSConfigOption[] = {
	STR("name", "Name of the option."),
	STR("value", "Value of the option."),
	END,
};

static const api_sfield f_PodReadinessGate[] = {
	RSTR("conditionType", "A condition type in the pod's condition list."),
	END,
};

static const api_sfield f_TopologySpreadConstraint[] = {
	RINT("maxSkew", "The degree to which pods may be unevenly distributed."),
	RSTR("topologyKey", "The key of node labels defining a topology domain."),
	RSTR("whenUnsatisfiable", "What to do if the constraint is not met: DoNotSchedule or "
				  "ScheduleAnyway."),
	OBJ("labelSelector", T_LabelSelector, "Used to find matching pods."),
	INT("minDomains", "Minimum number of eligible domains."),
	STR("nodeAffinityPolicy", "How nodeAffinity/nodeSelector are treated: Honor or Ignore."),
	STR("nodeTaintsPolicy", "How node taints are treated: Honor or Ignore."),
	STRS("matchLabelKeys", "Pod label keys selecting the pods over which spreading is "
			       "calculated."),
	END,
};

static const api_sfield f_PodOS[] = {
	RSTR("name", "Name of the operating system: linux or windows."),
	END,
};

static const api_sfield f_PodSchedulingGate[] = {
	RSTR("name", "Name of the scheduling gate."),
	END,
};

static const api_sfield f_PodResourceClaim[] = {
	RSTR("name", "Uniquely identifies this resource claim inside the pod."),
	STR("resourceClaimName", "Name of a ResourceClaim in the pod's namespace."),
	STR("resourceClaimTemplateName", "Name of a ResourceClaimTemplate in the pod's "
					 "namespace."),
	END,
};

static const api_sfield f_LocalObjectReference[] = {
	STR("name", "Name of the referent."),
	END,
};

/* ==== core/v1: volumes ============================================================ */

static const api_sfield f_Volume[] = {
	RSTR("name", "Name of the volume, a DNS_LABEL unique within the pod."),
	END,
};

static const api_sfield f_VolumeSource[] = {
	OBJ("hostPath", T_HostPathVolumeSource, "A pre-existing file or directory on the host."),
	OBJ("emptyDir", T_EmptyDirVolumeSource,
	    "A temporary directory that shares a pod's "
	    "lifetime."),
	FREE("gcePersistentDisk", "A GCE Disk resource."),
	FREE("awsElasticBlockStore", "An AWS Disk resource."),
	FREE("gitRepo", "Deprecated: a git repository at a particular revision."),
	OBJ("secret", T_SecretVolumeSource, "A secret that should populate this volume."),
	OBJ("nfs", T_NFSVolumeSource, "An NFS mount on the host."),
	FREE("iscsi", "An ISCSI Disk resource."),
	FREE("glusterfs", "A Glusterfs mount on the host."),
	OBJ("persistentVolumeClaim", T_PersistentVolumeClaimVolumeSource,
	    "A reference to a PersistentVolumeClaim in the same namespace."),
	FREE("rbd", "A Rados Block Device mount on the host."),
	FREE("flexVolume", "A generic volume provisioned by an exec based plugin."),
	FREE("cinder", "A cinder volume."),
	FREE("cephfs", "A Ceph FS mount on the host."),
	FREE("flocker", "A Flocker volume."),
	OBJ("downwardAPI", T_DownwardAPIVolumeSource,
	    "Downward API about the pod that should "
	    "populate this volume."),
	FREE("fc", "A Fibre Channel resource."),
	FREE("azureFile", "An Azure File Service mount."),
	OBJ("configMap", T_ConfigMapVolumeSource,
	    "A configMap that should populate this "
	    "volume."),
	FREE("vsphereVolume", "A vSphere volume."),
	FREE("quobyte", "A Quobyte mount on the host."),
	FREE("azureDisk", "An Azure Data Disk mount."),
	FREE("photonPersistentDisk", "A PhotonController persistent disk."),
	OBJ("projected", T_ProjectedVolumeSource,
	    "Items for all in one resources secrets, "
	    "configmaps, and downward API."),
	FREE("portworxVolume", "A portworx volume."),
	FREE("scaleIO", "A ScaleIO persistent volume."),
	FREE("storageos", "A StorageOS volume."),
	OBJ("csi", T_CSIVolumeSource, "Ephemeral storage handled by a CSI driver."),
	OBJ("ephemeral", T_EphemeralVolumeSource,
	    "A volume handled by a cluster storage driver, "
	    "tied to the pod's lifecycle."),
	OBJ("image", T_ImageVolumeSource, "An OCI object pulled and mounted on the host."),
	END,
};

static const api_sfield f_HostPathVolumeSource[] = {
	RSTR("path", "Path of the directory on the host."),
	STR("type", "Type for HostPath Volume, e.g. DirectoryOrCreate, File. Defaults to \"\"."),
	END,
};

static const api_sfield f_EmptyDirVolumeSource[] = {
	STR("medium", "Storage medium backing this directory: \"\" or Memory."),
	QTY("sizeLimit", "Total amount of local storage required for this volume."),
	END,
};

static const api_sfield f_SecretVolumeSource[] = {
	STR("secretName", "Name of the secret in the pod's namespace."),
	OBJS("items", T_KeyToPath, "Keys to project, and their paths."),
	INT("defaultMode", "Mode bits used to set permissions on created files by default."),
	BOOL("optional", "Whether the Secret or its keys must be defined."),
	END,
};

static const api_sfield f_KeyToPath[] = {
	RSTR("key", "The key to project."),
	RSTR("path", "The relative path of the file to map the key to."),
	INT("mode", "Mode bits used to set permissions on this file."),
	END,
};

static const api_sfield f_ConfigMapVolumeSource[] = {
	STR("name", "Name of the referent."),
	OBJS("items", T_KeyToPath, "Keys to project, and their paths."),
	INT("defaultMode", "Mode bits used to set permissions on created files by default."),
	BOOL("optional", "Whether the ConfigMap or its keys must be defined."),
	END,
};

static const api_sfield f_PersistentVolumeClaimVolumeSource[] = {
	RSTR("claimName", "Name of a PersistentVolumeClaim in the same namespace."),
	BOOL("readOnly", "Will force the ReadOnly setting in VolumeMounts."),
	END,
};

static const api_sfield f_DownwardAPIVolumeSource[] = {
	OBJS("items", T_DownwardAPIVolumeFile, "A list of downward API volume files."),
	INT("defaultMode", "Mode bits used to set permissions on created files by default."),
	END,
};

static const api_sfield f_DownwardAPIVolumeFile[] = {
	RSTR("path", "Relative path name of the file to be created."),
	OBJ("fieldRef", T_ObjectFieldSelector, "Selects a field of the pod."),
	OBJ("resourceFieldRef", T_ResourceFieldSelector, "Selects a resource of the container."),
	INT("mode", "Mode bits used to set permissions on this file."),
	END,
};

static const api_sfield f_ProjectedVolumeSource[] = {
	OBJS("sources", T_VolumeProjection, "List of volume projections."),
	INT("defaultMode", "Mode bits used to set permissions on created files by default."),
	END,
};

static const api_sfield f_VolumeProjection[] = {
	OBJ("secret", T_SecretProjection, "Secret data to project."),
	OBJ("downwardAPI", T_DownwardAPIProjection, "Downward API data to project."),
	OBJ("configMap", T_ConfigMapProjection, "ConfigMap data to project."),
	OBJ("serviceAccountToken", T_ServiceAccountTokenProjection,
	    "A service account token to "
	    "project."),
	OBJ("clusterTrustBundle", T_ClusterTrustBundleProjection,
	    "ClusterTrustBundle objects "
	    "to project."),
	END,
};

static const api_sfield f_SecretProjection[] = {
	STR("name", "Name of the referent."),
	OBJS("items", T_KeyToPath, "Keys to project, and their paths."),
	BOOL("optional", "Whether the Secret or its key must be defined."),
	END,
};

static const api_sfield f_ConfigMapProjection[] = {
	STR("name", "Name of the referent."),
	OBJS("items", T_KeyToPath, "Keys to project, and their paths."),
	BOOL("optional", "Whether the ConfigMap or its keys must be defined."),
	END,
};

static const api_sfield f_DownwardAPIProjection[] = {
	OBJS("items", T_DownwardAPIVolumeFile, "A list of downward API volume files."),
	END,
};

static const api_sfield f_ServiceAccountTokenProjection[] = {
	STR("audience", "The intended audience of the token."),
	I64("expirationSeconds", "The requested duration of validity of the token."),
	RSTR("path", "Path relative to the mount point of the file to project the token into."),
	END,
};

static const api_sfield f_ClusterTrustBundleProjection[] = {
	STR("name", "Select a single ClusterTrustBundle by object name."),
	STR("signerName", "Select all ClusterTrustBundles that match this signer name."),
	OBJ("labelSelector", T_LabelSelector,
	    "Select all ClusterTrustBundles that match this "
	    "label selector."),
	BOOL("optional", "If true, don't block pod startup if the bundles aren't available."),
	RSTR("path", "Relative path from the volume root to write the bundle."),
	END,
};

static const api_sfield f_NFSVolumeSource[] = {
	RSTR("server", "Hostname or IP address of the NFS server."),
	RSTR("path", "Path that is exported by the NFS server."),
	BOOL("readOnly", "Mount the NFS export read-only."),
	END,
};

static const api_sfield f_CSIVolumeSource[] = {
	RSTR("driver", "Name of the CSI driver that handles this volume."),
	BOOL("readOnly", "Read-only configuration for the volume."),
	STR("fsType", "Filesystem type to mount."),
	SMAP("volumeAttributes", "Driver-specific properties passed to the CSI driver."),
	OBJ("nodePublishSecretRef", T_LocalObjectReference,
	    "A secret passed to the CSI driver "
	    "on publish."),
	END,
};

static const api_sfield f_EphemeralVolumeSource[] = {
	OBJ("volumeClaimTemplate", T_PersistentVolumeClaimTemplate,
	    "Used to create a "
	    "stand-alone PVC for the "
	    "volume."),
	END,
};

static const api_sfield f_PersistentVolumeClaimTemplate[] = {
	OBJMETA,
	ROBJ("spec", T_PersistentVolumeClaimSpec,
	     "The specification for the "
	     "PersistentVolumeClaim."),
	END,
};

static const api_sfield f_ImageVolumeSource[] = {
	STR("reference", "Image or artifact reference to be used."),
	STR("pullPolicy", "Policy for pulling OCI objects: Always, Never, IfNotPresent."),
	END,
};

static const api_sfield f_PersistentVolumeClaim[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_PersistentVolumeClaimSpec, "The desired characteristics of a volume."),
	OBJ("status", T_PersistentVolumeClaimStatus, "The current status of the claim."),
	END,
};

static const api_sfield f_PersistentVolumeClaimSpec[] = {
	STRS("accessModes", "The desired access modes the volume should have."),
	OBJ("selector", T_LabelSelector, "A label query over volumes to consider for binding."),
	OBJ("resources", T_VolumeResourceRequirements,
	    "The minimum resources the volume should "
	    "have."),
	STR("volumeName", "The binding reference to the PersistentVolume backing this claim."),
	STR("storageClassName", "Name of the StorageClass required by the claim."),
	STR("volumeMode", "Type of volume required: Block or Filesystem."),
	OBJ("dataSource", T_TypedLocalObjectReference,
	    "An existing object to populate the "
	    "volume from."),
	OBJ("dataSourceRef", T_TypedObjectReference,
	    "The object from which to populate the "
	    "volume."),
	STR("volumeAttributesClassName", "The VolumeAttributesClass used by this claim."),
	END,
};

static const api_sfield f_VolumeResourceRequirements[] = {
	QMAP("limits", "Maximum amount of compute resources allowed."),
	QMAP("requests", "Minimum amount of compute resources required."),
	END,
};

static const api_sfield f_TypedLocalObjectReference[] = {
	STR("apiGroup", "The group for the resource being referenced."),
	RSTR("kind", "Kind is the type of resource being referenced."),
	RSTR("name", "Name is the name of resource being referenced."),
	END,
};

static const api_sfield f_TypedObjectReference[] = {
	STR("apiGroup", "The group for the resource being referenced."),
	RSTR("kind", "Kind is the type of resource being referenced."),
	RSTR("name", "Name is the name of resource being referenced."),
	STR("namespace", "Namespace of the resource being referenced."),
	END,
};

static const api_sfield f_PersistentVolumeClaimStatus[] = {
	STR("phase", "The current phase of the claim."),
	STRS("accessModes", "The actual access modes the volume backing the claim has."),
	QMAP("capacity", "The actual resources of the underlying volume."),
	MOBJS("conditions", T_PersistentVolumeClaimCondition, "type",
	      "The current conditions of the claim."),
	QMAP("allocatedResources", "The resources allocated to the claim."),
	SMAP("allocatedResourceStatuses", "Status of resources being resized."),
	STR("currentVolumeAttributesClassName", "The VolumeAttributesClass the claim is using."),
	OBJ("modifyVolumeStatus", T_ModifyVolumeStatus,
	    "Status of the ControllerModifyVolume "
	    "operation."),
	END,
};

static const api_sfield f_PersistentVolumeClaimCondition[] = {
	RSTR("type", "Type of the condition."),
	RSTR("status", "Status of the condition."),
	TIME("lastProbeTime", "The last time the condition was probed."),
	TIME("lastTransitionTime", "The last time the condition transitioned."),
	STR("reason", "Machine-readable reason for the last transition."),
	STR("message", "Human-readable message about the last transition."),
	END,
};

static const api_sfield f_ModifyVolumeStatus[] = {
	STR("targetVolumeAttributesClassName", "The VolumeAttributesClass being reconciled."),
	RSTR("status", "Status of the operation: Pending, InProgress, Infeasible."),
	END,
};

/* ==== core/v1: pod status ========================================================= */

static const api_sfield f_PodStatus[] = {
	STR("phase", "Phase of the pod: Pending, Running, Succeeded, Failed, Unknown."),
	MOBJS("conditions", T_PodCondition, "type", "Current service state of the pod."),
	STR("message", "Human readable message about why the pod is in this condition."),
	STR("reason", "Brief CamelCase reason why the pod is in this state, e.g. 'Evicted'."),
	STR("nominatedNodeName", "Set when this pod preempts other pods on that node."),
	STR("hostIP", "IP address of the host to which the pod is assigned."),
	MOBJS("hostIPs", T_HostIP, "ip", "IP addresses allocated to the host."),
	STR("podIP", "IP address allocated to the pod."),
	MOBJS("podIPs", T_PodIP, "ip", "IP addresses allocated to the pod."),
	TIME("startTime", "When the object was acknowledged by the Kubelet."),
	OBJS("initContainerStatuses", T_ContainerStatus, "One entry per init container."),
	OBJS("containerStatuses", T_ContainerStatus, "One entry per container."),
	STR("qosClass", "QOS class: Guaranteed, Burstable, BestEffort."),
	OBJS("ephemeralContainerStatuses", T_ContainerStatus, "Status of ephemeral containers."),
	STR("resize", "Status of a resources resize of the pod's containers."),
	MROBJS("resourceClaimStatuses", T_PodResourceClaimStatus, "name",
	       "Status of resource claims."),
	END,
};

static const api_sfield f_PodCondition[] = {
	RSTR("type", "Type of the condition, e.g. Ready, PodScheduled."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastProbeTime", "Last time we probed the condition."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "Unique, one-word, CamelCase reason for the last transition."),
	STR("message", "Human-readable message about the last transition."),
	END,
};

static const api_sfield f_HostIP[] = {
	RSTR("ip", "IP is the IP address assigned to the host."),
	END,
};

static const api_sfield f_PodIP[] = {
	RSTR("ip", "IP is the IP address assigned to the pod."),
	END,
};

static const api_sfield f_ContainerStatus[] = {
	RSTR("name", "Name of the container."),
	OBJ("state", T_ContainerState, "Details about the container's current condition."),
	OBJ("lastState", T_ContainerState, "The last termination state of the container."),
	RBOOL("ready", "Whether the container is currently passing its readiness check."),
	RINT("restartCount", "Number of times the container has been restarted."),
	RSTR("image", "Name of the container image the container is running."),
	RSTR("imageID", "Image ID of the container's image."),
	STR("containerID", "ID of the container, '<type>://<container_id>'."),
	BOOL("started", "Whether the container has finished its postStart hook and passed its "
			"startup probe."),
	QMAP("allocatedResources", "Compute resources allocated for this container by the node."),
	OBJ("resources", T_ResourceRequirements, "Resources enacted on the running container."),
	MOBJS("volumeMounts", T_VolumeMountStatus, "mountPath", "Status of volume mounts."),
	OBJ("user", T_ContainerUser, "Identity attached to the first process of the container."),
	MOBJS("allocatedResourcesStatus", T_ResourceStatus, "name",
	      "Health of the resources allocated to the container."),
	END,
};

static const api_sfield f_ContainerState[] = {
	OBJ("waiting", T_ContainerStateWaiting, "Details about a waiting container."),
	OBJ("running", T_ContainerStateRunning, "Details about a running container."),
	OBJ("terminated", T_ContainerStateTerminated, "Details about a terminated container."),
	END,
};

static const api_sfield f_ContainerStateWaiting[] = {
	STR("reason", "Reason the container is not yet running."),
	STR("message", "Message regarding why the container is not yet running."),
	END,
};

static const api_sfield f_ContainerStateRunning[] = {
	TIME("startedAt", "Time at which the container was last (re-)started."),
	END,
};

static const api_sfield f_ContainerStateTerminated[] = {
	RINT("exitCode", "Exit status from the last termination of the container."),
	INT("signal", "Signal from the last termination of the container."),
	STR("reason", "Reason from the last termination of the container."),
	STR("message", "Message regarding the last termination of the container."),
	TIME("startedAt", "Time at which the previous execution of the container started."),
	TIME("finishedAt", "Time at which the container last terminated."),
	STR("containerID", "Container's ID, '<type>://<container_id>'."),
	END,
};

static const api_sfield f_VolumeMountStatus[] = {
	RSTR("name", "Name of the original VolumeMount."),
	RSTR("mountPath", "MountPath of the original VolumeMount."),
	BOOL("readOnly", "ReadOnly of the original VolumeMount."),
	STR("recursiveReadOnly", "Disabled, Enabled, or unspecified."),
	END,
};

static const api_sfield f_ContainerUser[] = {
	OBJ("linux", T_LinuxContainerUser, "Identity in Linux containers."),
	END,
};

static const api_sfield f_LinuxContainerUser[] = {
	RI64("uid", "The primary uid of the first process in the container."),
	RI64("gid", "The primary gid of the first process in the container."),
	I64S("supplementalGroups", "The supplemental groups of the first process."),
	END,
};

static const api_sfield f_ResourceStatus[] = {
	RSTR("name", "Name of the resource."),
	OBJS("resources", T_ResourceHealth, "Health of each allocated resource."),
	END,
};

static const api_sfield f_ResourceHealth[] = {
	RSTR("resourceID", "Unique identifier of the resource."),
	STR("health", "Health of the resource: Healthy, Unhealthy, Unknown."),
	END,
};

static const api_sfield f_PodResourceClaimStatus[] = {
	RSTR("name", "Name of an entry in pod.spec.resourceClaims."),
	STR("resourceClaimName", "Name of the ResourceClaim generated for the Pod."),
	END,
};

/* ==== core/v1: services, endpoints, config ======================================== */

static const api_sfield f_Service[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_ServiceSpec, "The behavior of the service."),
	OBJ("status", T_ServiceStatus, "Most recently observed status of the service."),
	END,
};

static const api_sfield f_ServiceSpec[] = {
	MOBJS("ports", T_ServicePort, "port",
	      "The list of ports that are exposed by this "
	      "service."),
	SMAP("selector", "Route service traffic to pods with label keys and values matching "
			 "this selector."),
	STR("clusterIP", "The IP address of the service, usually assigned randomly; \"None\" "
			 "for a headless service."),
	STRS("clusterIPs", "IP addresses assigned to this service."),
	STR("type", "How the Service is exposed: ClusterIP, NodePort, LoadBalancer, "
		    "ExternalName."),
	STRS("externalIPs", "IP addresses for which nodes also accept traffic for this service."),
	STR("sessionAffinity", "ClientIP or None. Defaults to None."),
	STR("loadBalancerIP", "Deprecated: the load balancer IP to request."),
	STRS("loadBalancerSourceRanges", "Client IPs allowed through the cloud load balancer."),
	STR("externalName", "External reference returned as a CNAME for type ExternalName."),
	STR("externalTrafficPolicy", "How traffic to external addresses is distributed: "
				     "Cluster or Local."),
	INT("healthCheckNodePort", "The healthcheck nodePort for the service."),
	BOOL("publishNotReadyAddresses", "Publish endpoints regardless of readiness."),
	OBJ("sessionAffinityConfig", T_SessionAffinityConfig,
	    "Configuration of session "
	    "affinity."),
	STRS("ipFamilies", "IP families (IPv4, IPv6) assigned to this service."),
	STR("ipFamilyPolicy", "SingleStack, PreferDualStack or RequireDualStack."),
	BOOL("allocateLoadBalancerNodePorts", "Whether NodePorts are allocated for type "
					      "LoadBalancer. Defaults to true."),
	STR("loadBalancerClass", "The class of the load balancer implementation."),
	STR("internalTrafficPolicy", "How traffic to the ClusterIP is distributed: Cluster or "
				     "Local."),
	STR("trafficDistribution", "Preference for how traffic is distributed, e.g. "
				   "PreferClose."),
	END,
};

static const api_sfield f_ServicePort[] = {
	STR("name", "The name of this port within the service, a DNS_LABEL."),
	STR("protocol", "TCP, UDP, or SCTP. Default is TCP."),
	STR("appProtocol", "The application protocol for this port."),
	RINT("port", "The port that will be exposed by this service."),
	IOS("targetPort", "Number or name of the port to access on the pods targeted by the "
			  "service."),
	INT("nodePort", "The port on each node on which this service is exposed."),
	END,
};

static const api_sfield f_SessionAffinityConfig[] = {
	OBJ("clientIP", T_ClientIPConfig, "Client IP based session affinity."),
	END,
};

static const api_sfield f_ClientIPConfig[] = {
	INT("timeoutSeconds", "Seconds of ClientIP type session sticky time. Default 10800."),
	END,
};

static const api_sfield f_ServiceStatus[] = {
	OBJ("loadBalancer", T_LoadBalancerStatus, "Status of the load-balancer, if present."),
	MOBJS("conditions", T_Condition, "type", "Current service state."),
	END,
};

static const api_sfield f_LoadBalancerStatus[] = {
	OBJS("ingress", T_LoadBalancerIngress, "Ingress points for the load-balancer."),
	END,
};

static const api_sfield f_LoadBalancerIngress[] = {
	STR("ip", "IP of an IP based load-balancer ingress point."),
	STR("hostname", "Hostname of a DNS based load-balancer ingress point."),
	STR("ipMode", "How the load-balancer IP behaves: VIP or Proxy."),
	OBJS("ports", T_PortStatus, "Records of service ports."),
	END,
};

static const api_sfield f_PortStatus[] = {
	RINT("port", "Port number of the service port."),
	RSTR("protocol", "Protocol of the service port: TCP, UDP, SCTP."),
	STR("error", "Problem with the service port, CamelCase."),
	END,
};

static const api_sfield f_Endpoints[] = {
	TYPEMETA,
	OBJMETA,
	OBJS("subsets", T_EndpointSubset, "Sets of addresses and ports that comprise a service."),
	END,
};

static const api_sfield f_EndpointSubset[] = {
	OBJS("addresses", T_EndpointAddress, "IP addresses offering the ports, marked ready."),
	OBJS("notReadyAddresses", T_EndpointAddress,
	     "IP addresses offering the ports, not "
	     "ready."),
	OBJS("ports", T_EndpointPort, "Port numbers available on the related IP addresses."),
	END,
};

static const api_sfield f_EndpointAddress[] = {
	RSTR("ip", "The IP of this endpoint."),
	STR("hostname", "The Hostname of this endpoint."),
	STR("nodeName", "Node hosting this endpoint."),
	OBJ("targetRef", T_ObjectReference, "Reference to object providing the endpoint."),
	END,
};

static const api_sfield f_EndpointPort[] = {
	STR("name", "The name of this port, matching the ServicePort's name."),
	RINT("port", "The port number of the endpoint."),
	STR("protocol", "TCP, UDP, or SCTP. Default is TCP."),
	STR("appProtocol", "The application protocol for this port."),
	END,
};

static const api_sfield f_ObjectReference[] = {
	STR("kind", "Kind of the referent."),
	STR("namespace", "Namespace of the referent."),
	STR("name", "Name of the referent."),
	STR("uid", "UID of the referent."),
	STR("apiVersion", "API version of the referent."),
	STR("resourceVersion", "Specific resourceVersion to which this reference is made."),
	STR("fieldPath", "The piece of the object referred to, e.g. spec.containers{name}."),
	END,
};

static const api_sfield f_ConfigMap[] = {
	TYPEMETA,
	OBJMETA,
	BOOL("immutable", "If true, the data stored in the ConfigMap cannot be updated."),
	SMAP("data", "The configuration data."),
	BMAP("binaryData", "Binary data, base64 encoded."),
	END,
};

static const api_sfield f_Secret[] = {
	TYPEMETA,
	OBJMETA,
	BOOL("immutable", "If true, the data stored in the Secret cannot be updated."),
	BMAP("data", "The secret data, base64 encoded."),
	SMAP("stringData", "Write-only secret data in string form, merged into data."),
	STR("type", "Used to facilitate programmatic handling of secret data, e.g. Opaque."),
	END,
};

static const api_sfield f_Event[] = {
	TYPEMETA,
	ROBJ("metadata", T_ObjectMeta, "Standard object's metadata."),
	ROBJ("involvedObject", T_ObjectReference, "The object that this event is about."),
	STR("reason", "Short, machine understandable reason for the transition."),
	STR("message", "A human-readable description of the status of this operation."),
	OBJ("source", T_EventSource, "The component reporting this event."),
	TIME("firstTimestamp", "The time at which the event was first recorded."),
	TIME("lastTimestamp", "The time of the most recent occurrence of this event."),
	INT("count", "The number of times this event has occurred."),
	STR("type", "Type of this event: Normal, Warning."),
	MTIME("eventTime", "Time when this Event was first observed."),
	OBJ("series", T_EventSeries, "Data about the Event series this event represents."),
	STR("action", "What action was taken/failed regarding the object."),
	OBJ("related", T_ObjectReference, "Optional secondary object for more complex actions."),
	STR("reportingComponent", "Name of the controller that emitted this Event."),
	STR("reportingInstance", "ID of the controller instance."),
	END,
};

static const api_sfield f_EventSource[] = {
	STR("component", "Component from which the event is generated."),
	STR("host", "Node name on which the event is generated."),
	END,
};

static const api_sfield f_EventSeries[] = {
	INT("count", "Number of occurrences in this series up to the last heartbeat time."),
	MTIME("lastObservedTime", "Time of the last occurrence observed."),
	END,
};

static const api_sfield f_Namespace[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_NamespaceSpec, "The behavior of the Namespace."),
	OBJ("status", T_NamespaceStatus, "The current status of the Namespace."),
	END,
};

static const api_sfield f_NamespaceSpec[] = {
	STRS("finalizers", "Values that must be empty to permanently remove the namespace."),
	END,
};

static const api_sfield f_NamespaceStatus[] = {
	STR("phase", "The current lifecycle phase: Active or Terminating."),
	MOBJS("conditions", T_NamespaceCondition, "type",
	      "Latest observations of the "
	      "namespace's state."),
	END,
};

static const api_sfield f_NamespaceCondition[] = {
	RSTR("type", "Type of namespace controller condition."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "Reason for the last transition."),
	STR("message", "Message about the last transition."),
	END,
};

static const api_sfield f_Node[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_NodeSpec, "The behavior of the node."),
	OBJ("status", T_NodeStatus, "Most recently observed status of the node."),
	END,
};

static const api_sfield f_NodeSpec[] = {
	STR("podCIDR", "The pod IP range assigned to the node."),
	MSTRS("podCIDRs", "The IP ranges assigned to the node for pods."),
	STR("providerID", "ID of the node assigned by the cloud provider."),
	BOOL("unschedulable", "Controls node schedulability of new pods."),
	OBJS("taints", T_Taint, "The node's taints."),
	FREE("configSource", "Deprecated: dynamic kubelet configuration source."),
	STR("externalID", "Deprecated."),
	END,
};

static const api_sfield f_Taint[] = {
	RSTR("key", "The taint key to be applied to a node."),
	STR("value", "The taint value corresponding to the taint key."),
	RSTR("effect", "NoSchedule, PreferNoSchedule or NoExecute."),
	TIME("timeAdded", "The time at which the taint was added (NoExecute only)."),
	END,
};

static const api_sfield f_NodeStatus[] = {
	QMAP("capacity", "The total resources of a node."),
	QMAP("allocatable", "The resources of a node that are available for scheduling."),
	STR("phase", "Deprecated: never populated."),
	MOBJS("conditions", T_NodeCondition, "type", "Current observed node conditions."),
	MOBJS("addresses", T_NodeAddress, "type", "Addresses reachable to the node."),
	OBJ("daemonEndpoints", T_NodeDaemonEndpoints,
	    "Endpoints of daemons running on the "
	    "Node."),
	OBJ("nodeInfo", T_NodeSystemInfo, "Set of ids/uuids to uniquely identify the node."),
	OBJS("images", T_ContainerImage, "List of container images on this node."),
	STRS("volumesInUse", "Attachable volumes in use (mounted) by the node."),
	OBJS("volumesAttached", T_AttachedVolume, "Volumes attached to the node."),
	FREE("config", "Deprecated: status of the dynamic Kubelet config."),
	OBJS("runtimeHandlers", T_NodeRuntimeHandler, "The available runtime handlers."),
	OBJ("features", T_NodeFeatures, "Features implemented by the CRI implementation."),
	END,
};

static const api_sfield f_NodeCondition[] = {
	RSTR("type", "Type of node condition, e.g. Ready."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastHeartbeatTime", "Last time we got an update on the condition."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "Reason for the last transition."),
	STR("message", "Message about the last transition."),
	END,
};

static const api_sfield f_NodeAddress[] = {
	RSTR("type", "Node address type: Hostname, ExternalIP or InternalIP."),
	RSTR("address", "The node address."),
	END,
};

static const api_sfield f_NodeDaemonEndpoints[] = {
	OBJ("kubeletEndpoint", T_DaemonEndpoint, "Endpoint on which Kubelet is listening."),
	END,
};

static const api_sfield f_DaemonEndpoint[] = {
	RINT("Port", "Port number of the given endpoint."),
	END,
};

static const api_sfield f_NodeSystemInfo[] = {
	RSTR("machineID", "MachineID reported by the node."),
	RSTR("systemUUID", "SystemUUID reported by the node."),
	RSTR("bootID", "Boot ID reported by the node."),
	RSTR("kernelVersion", "Kernel Version reported by the node (uname -r)."),
	RSTR("osImage", "OS Image reported by the node from /etc/os-release."),
	RSTR("containerRuntimeVersion", "ContainerRuntime Version reported by the node."),
	RSTR("kubeletVersion", "Kubelet Version reported by the node."),
	RSTR("kubeProxyVersion", "Deprecated: KubeProxy Version reported by the node."),
	RSTR("operatingSystem", "The Operating System reported by the node."),
	RSTR("architecture", "The Architecture reported by the node."),
	END,
};

static const api_sfield f_ContainerImage[] = {
	STRS("names", "Names by which this image is known."),
	I64("sizeBytes", "The size of the image in bytes."),
	END,
};

static const api_sfield f_AttachedVolume[] = {
	RSTR("name", "Name of the attached volume."),
	RSTR("devicePath", "The device path where the volume should be available."),
	END,
};

static const api_sfield f_NodeRuntimeHandler[] = {
	STR("name", "Runtime handler name, empty for the default."),
	OBJ("features", T_NodeRuntimeHandlerFeatures, "Supported features."),
	END,
};

static const api_sfield f_NodeRuntimeHandlerFeatures[] = {
	BOOL("recursiveReadOnlyMounts", "The handler supports RecursiveReadOnlyMounts."),
	BOOL("userNamespaces", "The handler supports UserNamespaces, including for volumes."),
	END,
};

static const api_sfield f_NodeFeatures[] = {
	BOOL("supplementalGroupsPolicy", "The runtime supports SupplementalGroupsPolicy and "
					 "ContainerUser."),
	END,
};

static const api_sfield f_ServiceAccount[] = {
	TYPEMETA,
	OBJMETA,
	MOBJS("secrets", T_ObjectReference, "name",
	      "Secrets in the same namespace that pods "
	      "using this ServiceAccount may use."),
	OBJS("imagePullSecrets", T_LocalObjectReference,
	     "Secrets to use for pulling images in "
	     "pods that reference this "
	     "ServiceAccount."),
	BOOL("automountServiceAccountToken", "Whether pods using this service account get an "
					     "API token automatically mounted."),
	END,
};

/* ==== apps/v1 ===================================================================== */

static const api_sfield f_Deployment[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_DeploymentSpec,
	    "Specification of the desired behavior of the "
	    "Deployment."),
	OBJ("status", T_DeploymentStatus, "Most recently observed status of the Deployment."),
	END,
};

static const api_sfield f_DeploymentSpec[] = {
	INT("replicas", "Number of desired pods. Defaults to 1."),
	ROBJ("selector", T_LabelSelector,
	     "Label selector for pods; must match the pod "
	     "template's labels."),
	ROBJ("template", T_PodTemplateSpec, "Template describes the pods that will be created."),
	F("strategy", API_SK_OBJECT, ONE, API_SF_RETAIN, T_DeploymentStrategy, NULL,
	  "The deployment strategy to use to replace existing pods with new ones."),
	INT("minReadySeconds", "Minimum seconds a new pod should be ready to be considered "
			       "available."),
	INT("revisionHistoryLimit", "The number of old ReplicaSets to retain. Defaults to 10."),
	BOOL("paused", "Indicates that the deployment is paused."),
	INT("progressDeadlineSeconds", "Maximum seconds for the deployment to make progress. "
				       "Defaults to 600."),
	END,
};

static const api_sfield f_DeploymentStrategy[] = {
	STR("type", "Type of deployment: Recreate or RollingUpdate. Default is RollingUpdate."),
	OBJ("rollingUpdate", T_RollingUpdateDeployment, "Rolling update config params."),
	END,
};

static const api_sfield f_RollingUpdateDeployment[] = {
	IOS("maxUnavailable", "Maximum number of pods that can be unavailable during the "
			      "update. Defaults to 25%."),
	IOS("maxSurge", "Maximum number of pods that can be scheduled above the desired "
			"number. Defaults to 25%."),
	END,
};

static const api_sfield f_DeploymentStatus[] = {
	I64("observedGeneration", "The generation observed by the deployment controller."),
	INT("replicas", "Total number of non-terminated pods targeted by this deployment."),
	INT("updatedReplicas", "Non-terminated pods that have the desired template spec."),
	INT("readyReplicas", "Pods targeted by this Deployment with a Ready Condition."),
	INT("availableReplicas", "Available pods (ready for at least minReadySeconds)."),
	INT("unavailableReplicas", "Pods still required for 100% available capacity."),
	MOBJS("conditions", T_DeploymentCondition, "type",
	      "Latest available observations of the deployment's state."),
	INT("collisionCount", "Count of hash collisions for the Deployment."),
	END,
};

static const api_sfield f_DeploymentCondition[] = {
	RSTR("type", "Type of deployment condition: Available, Progressing, ReplicaFailure."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastUpdateTime", "The last time this condition was updated."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "The reason for the condition's last transition."),
	STR("message", "A human readable message about the transition."),
	END,
};

static const api_sfield f_ReplicaSet[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_ReplicaSetSpec,
	    "Specification of the desired behavior of the "
	    "ReplicaSet."),
	OBJ("status", T_ReplicaSetStatus, "Most recently observed status of the ReplicaSet."),
	END,
};

static const api_sfield f_ReplicaSetSpec[] = {
	INT("replicas", "Number of desired pods. Defaults to 1."),
	INT("minReadySeconds", "Minimum seconds a new pod should be ready to be considered "
			       "available."),
	ROBJ("selector", T_LabelSelector,
	     "Label query over pods that should match the replica "
	     "count."),
	OBJ("template", T_PodTemplateSpec,
	    "The pods that will be created if insufficient "
	    "replicas are detected."),
	END,
};

static const api_sfield f_ReplicaSetStatus[] = {
	RINT("replicas", "The most recently observed number of replicas."),
	INT("fullyLabeledReplicas", "Pods that have labels matching the pod template's labels."),
	INT("readyReplicas", "Pods targeted by this ReplicaSet with a Ready Condition."),
	INT("availableReplicas", "Available pods (ready for at least minReadySeconds)."),
	I64("observedGeneration", "The generation of the most recently observed ReplicaSet."),
	MOBJS("conditions", T_ReplicaSetCondition, "type",
	      "Latest available observations of the replica set's state."),
	END,
};

static const api_sfield f_ReplicaSetCondition[] = {
	RSTR("type", "Type of replica set condition."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "The reason for the condition's last transition."),
	STR("message", "A human readable message about the transition."),
	END,
};

static const api_sfield f_DaemonSet[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_DaemonSetSpec, "The desired behavior of this daemon set."),
	OBJ("status", T_DaemonSetStatus, "The current status of this daemon set."),
	END,
};

static const api_sfield f_DaemonSetSpec[] = {
	ROBJ("selector", T_LabelSelector, "Label query over pods managed by the daemon set."),
	ROBJ("template", T_PodTemplateSpec,
	     "The pod that will be created on every eligible "
	     "node."),
	OBJ("updateStrategy", T_DaemonSetUpdateStrategy,
	    "Strategy to replace existing "
	    "DaemonSet pods with new pods."),
	INT("minReadySeconds", "Minimum seconds a new pod should be ready to be considered "
			       "available."),
	INT("revisionHistoryLimit", "The number of old history to retain. Defaults to 10."),
	END,
};

static const api_sfield f_DaemonSetUpdateStrategy[] = {
	STR("type", "RollingUpdate or OnDelete. Default is RollingUpdate."),
	OBJ("rollingUpdate", T_RollingUpdateDaemonSet, "Rolling update config params."),
	END,
};

static const api_sfield f_RollingUpdateDaemonSet[] = {
	IOS("maxUnavailable", "Maximum number of DaemonSet pods that can be unavailable during "
			      "the update."),
	IOS("maxSurge", "Maximum number of nodes that can have an updated pod during the "
			"update."),
	END,
};

static const api_sfield f_DaemonSetStatus[] = {
	RINT("currentNumberScheduled", "Nodes running at least 1 daemon pod that are supposed "
				       "to."),
	RINT("numberMisscheduled", "Nodes running the daemon pod that are not supposed to."),
	RINT("desiredNumberScheduled", "Nodes that should be running the daemon pod."),
	RINT("numberReady", "Nodes running the daemon pod with a Ready Condition."),
	I64("observedGeneration", "The most recent generation observed by the controller."),
	INT("updatedNumberScheduled", "Nodes running the updated daemon pod."),
	INT("numberAvailable", "Nodes with the daemon pod running and available."),
	INT("numberUnavailable", "Nodes without the daemon pod running and available."),
	INT("collisionCount", "Count of hash collisions for the DaemonSet."),
	MOBJS("conditions", T_DaemonSetCondition, "type",
	      "Latest available observations of the DaemonSet's state."),
	END,
};

static const api_sfield f_DaemonSetCondition[] = {
	RSTR("type", "Type of DaemonSet condition."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "The reason for the condition's last transition."),
	STR("message", "A human readable message about the transition."),
	END,
};

static const api_sfield f_StatefulSet[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_StatefulSetSpec, "The desired identities of pods in this set."),
	OBJ("status", T_StatefulSetStatus, "The current status of Pods in this StatefulSet."),
	END,
};

static const api_sfield f_StatefulSetSpec[] = {
	INT("replicas", "The desired number of replicas. Defaults to 1."),
	ROBJ("selector", T_LabelSelector,
	     "Label query over pods; must match the template's "
	     "labels."),
	ROBJ("template", T_PodTemplateSpec, "The pod that will be created for each replica."),
	OBJS("volumeClaimTemplates", T_PersistentVolumeClaim,
	     "Claims that pods are allowed to "
	     "reference."),
	RSTR("serviceName", "The name of the service that governs this StatefulSet."),
	STR("podManagementPolicy", "How pods are created: OrderedReady or Parallel."),
	OBJ("updateStrategy", T_StatefulSetUpdateStrategy, "Strategy used to update Pods."),
	INT("revisionHistoryLimit", "Maximum number of revisions maintained. Defaults to 10."),
	INT("minReadySeconds", "Minimum seconds a new pod should be ready to be considered "
			       "available."),
	OBJ("persistentVolumeClaimRetentionPolicy",
	    T_StatefulSetPersistentVolumeClaimRetentionPolicy,
	    "Lifecycle of the claims created from volumeClaimTemplates."),
	OBJ("ordinals", T_StatefulSetOrdinals, "Numbering of replica indices."),
	END,
};

static const api_sfield f_StatefulSetUpdateStrategy[] = {
	STR("type", "RollingUpdate or OnDelete. Default is RollingUpdate."),
	OBJ("rollingUpdate", T_RollingUpdateStatefulSetStrategy, "Rolling update parameters."),
	END,
};

static const api_sfield f_RollingUpdateStatefulSetStrategy[] = {
	INT("partition", "The ordinal at which the StatefulSet should be partitioned for "
			 "updates."),
	IOS("maxUnavailable", "Maximum number of pods that can be unavailable during the "
			      "update."),
	END,
};

static const api_sfield f_StatefulSetPersistentVolumeClaimRetentionPolicy[] = {
	STR("whenDeleted", "What happens to PVCs when the StatefulSet is deleted: Retain or "
			   "Delete."),
	STR("whenScaled", "What happens to PVCs when the StatefulSet is scaled down: Retain or "
			  "Delete."),
	END,
};

static const api_sfield f_StatefulSetOrdinals[] = {
	INT("start", "The number representing the first replica's index."),
	END,
};

static const api_sfield f_StatefulSetStatus[] = {
	I64("observedGeneration", "The most recent generation observed for this StatefulSet."),
	RINT("replicas", "Number of Pods created by the StatefulSet controller."),
	INT("readyReplicas", "Pods created for this StatefulSet with a Ready Condition."),
	INT("currentReplicas", "Pods created from the currentRevision."),
	INT("updatedReplicas", "Pods created from the updateRevision."),
	STR("currentRevision", "The version used to generate Pods [0,currentReplicas)."),
	STR("updateRevision", "The version used to generate Pods [replicas-updatedReplicas,"
			      "replicas)."),
	INT("collisionCount", "Count of hash collisions for the StatefulSet."),
	MOBJS("conditions", T_StatefulSetCondition, "type",
	      "Latest available observations of the statefulset's state."),
	INT("availableReplicas", "Available pods (ready for at least minReadySeconds)."),
	END,
};

static const api_sfield f_StatefulSetCondition[] = {
	RSTR("type", "Type of statefulset condition."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "The reason for the condition's last transition."),
	STR("message", "A human readable message about the transition."),
	END,
};

/* ==== autoscaling/v1 ============================================================== */

static const api_sfield f_Scale[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_ScaleSpec, "The desired behavior of the scale."),
	OBJ("status", T_ScaleStatus, "The current status of the scale. Read-only."),
	END,
};

static const api_sfield f_ScaleSpec[] = {
	INT("replicas", "The desired number of instances for the scaled object."),
	END,
};

static const api_sfield f_ScaleStatus[] = {
	RINT("replicas", "The actual number of observed instances of the scaled object."),
	STR("selector", "Label query over pods, in the string form of a label selector."),
	END,
};

/* ==== batch/v1 ==================================================================== */

static const api_sfield f_Job[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_JobSpec, "Specification of the desired behavior of a job."),
	OBJ("status", T_JobStatus, "Current status of a job."),
	END,
};

static const api_sfield f_JobSpec[] = {
	INT("parallelism", "Maximum desired number of pods the job should run at any given "
			   "time."),
	INT("completions", "Desired number of successfully finished pods."),
	I64("activeDeadlineSeconds", "Seconds relative to startTime the job may be active "
				     "before it is terminated."),
	OBJ("podFailurePolicy", T_PodFailurePolicy, "How failed pods influence the backoffLimit."),
	OBJ("successPolicy", T_SuccessPolicy,
	    "When the Job can be declared succeeded (Indexed "
	    "Jobs)."),
	INT("backoffLimit", "Number of retries before marking this job failed. Defaults to 6."),
	INT("backoffLimitPerIndex", "Retries within an index before marking it failed."),
	INT("maxFailedIndexes", "Maximal number of failed indexes before marking the Job "
				"failed."),
	OBJ("selector", T_LabelSelector,
	    "A label query over pods that should match the pod "
	    "count."),
	BOOL("manualSelector", "Controls generation of pod labels and pod selectors."),
	ROBJ("template", T_PodTemplateSpec, "The pod that will be created when executing a job."),
	INT("ttlSecondsAfterFinished", "Lifetime of the Job after it finishes, in seconds."),
	STR("completionMode", "How Pod completions are tracked: NonIndexed or Indexed."),
	BOOL("suspend", "Whether the Job controller should create Pods or not."),
	STR("podReplacementPolicy", "When to create replacement Pods: TerminatingOrFailed or "
				    "Failed."),
	STR("managedBy", "The controller that manages the Job."),
	END,
};

static const api_sfield f_PodFailurePolicy[] = {
	ROBJS("rules", T_PodFailurePolicyRule,
	      "A list of pod failure policy rules, evaluated in "
	      "order."),
	END,
};

static const api_sfield f_PodFailurePolicyRule[] = {
	RSTR("action", "Action taken on a matching pod failure: FailJob, FailIndex, Ignore, "
		       "Count."),
	OBJ("onExitCodes", T_PodFailurePolicyOnExitCodesRequirement,
	    "Requirement on the "
	    "container exit codes."),
	OBJS("onPodConditions", T_PodFailurePolicyOnPodConditionsPattern,
	     "Requirements on the pod conditions."),
	END,
};

static const api_sfield f_PodFailurePolicyOnExitCodesRequirement[] = {
	STR("containerName", "Restricts the check to the container with this name."),
	RSTR("operator", "Relationship between the exit codes and the values: In or NotIn."),
	RINTS("values", "Set of values, unique and ordered."),
	END,
};

static const api_sfield f_PodFailurePolicyOnPodConditionsPattern[] = {
	RSTR("type", "The required Pod condition type."),
	RSTR("status", "The required Pod condition status."),
	END,
};

static const api_sfield f_SuccessPolicy[] = {
	ROBJS("rules", T_SuccessPolicyRule, "Rules to declare the Job as succeeded."),
	END,
};

static const api_sfield f_SuccessPolicyRule[] = {
	STR("succeededIndexes", "Set of indexes which need to be contained in the succeeded "
				"indexes."),
	INT("succeededCount", "Minimal required size of the succeeded indexes."),
	END,
};

static const api_sfield f_JobStatus[] = {
	MOBJS("conditions", T_JobCondition, "type",
	      "Latest available observations of the "
	      "job's state."),
	TIME("startTime", "When the job controller started processing the job."),
	TIME("completionTime", "When the job was completed."),
	INT("active", "The number of pending and running pods."),
	INT("succeeded", "The number of pods which reached phase Succeeded."),
	INT("failed", "The number of pods which reached phase Failed."),
	INT("terminating", "The number of pods which are terminating."),
	STR("completedIndexes", "Completed indexes when completionMode is Indexed."),
	STR("failedIndexes", "Failed indexes when backoffLimitPerIndex is set."),
	OBJ("uncountedTerminatedPods", T_UncountedTerminatedPods,
	    "UIDs of terminated Pods not "
	    "yet counted."),
	INT("ready", "The number of active pods which have a Ready condition."),
	END,
};

static const api_sfield f_UncountedTerminatedPods[] = {
	STRS("succeeded", "UIDs of succeeded Pods."),
	STRS("failed", "UIDs of failed Pods."),
	END,
};

static const api_sfield f_JobCondition[] = {
	RSTR("type", "Type of job condition: Complete, Failed, Suspended, FailureTarget, ..."),
	RSTR("status", "Status of the condition: True, False, Unknown."),
	TIME("lastProbeTime", "Last time the condition was checked."),
	TIME("lastTransitionTime", "Last time the condition transitioned."),
	STR("reason", "Reason for the condition's last transition."),
	STR("message", "Message about the last transition."),
	END,
};

static const api_sfield f_JobTemplateSpec[] = {
	OBJMETA,
	OBJ("spec", T_JobSpec, "Specification of the desired behavior of the job."),
	END,
};

static const api_sfield f_CronJob[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_CronJobSpec,
	    "The desired behavior of a cron job, including the "
	    "schedule."),
	OBJ("status", T_CronJobStatus, "Current status of a cron job."),
	END,
};

static const api_sfield f_CronJobSpec[] = {
	RSTR("schedule", "The schedule in Cron format."),
	STR("timeZone", "The time zone name for the given schedule."),
	I64("startingDeadlineSeconds", "Deadline in seconds for starting a job that missed its "
				       "scheduled time."),
	STR("concurrencyPolicy", "How concurrent executions are treated: Allow, Forbid, "
				 "Replace."),
	BOOL("suspend", "Suspend subsequent executions."),
	ROBJ("jobTemplate", T_JobTemplateSpec,
	     "The job that will be created when executing a "
	     "CronJob."),
	INT("successfulJobsHistoryLimit", "Number of successful finished jobs to retain. "
					  "Defaults to 3."),
	INT("failedJobsHistoryLimit", "Number of failed finished jobs to retain. Defaults to 1."),
	END,
};

static const api_sfield f_CronJobStatus[] = {
	OBJS("active", T_ObjectReference, "Pointers to currently running jobs."),
	TIME("lastScheduleTime", "The last time the job was successfully scheduled."),
	TIME("lastSuccessfulTime", "The last time the job successfully completed."),
	END,
};

/* ==== coordination.k8s.io/v1 ====================================================== */

static const api_sfield f_Lease[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_LeaseSpec, "Specification of the Lease."),
	END,
};

static const api_sfield f_LeaseSpec[] = {
	STR("holderIdentity", "The identity of the holder of a current lease."),
	INT("leaseDurationSeconds", "Duration candidates wait to force acquire the lease."),
	MTIME("acquireTime", "When the current lease was acquired."),
	MTIME("renewTime", "When the current holder last updated the lease."),
	INT("leaseTransitions", "Number of transitions of the lease between holders."),
	STR("strategy", "The strategy for picking the leader for coordinated leader election."),
	STR("preferredHolder", "Signals to a lease holder that a more optimal holder exists."),
	END,
};

/* ==== networking.k8s.io/v1 ======================================================== */

static const api_sfield f_Ingress[] = {
	TYPEMETA,
	OBJMETA,
	OBJ("spec", T_IngressSpec, "The desired state of the Ingress."),
	OBJ("status", T_IngressStatus, "The current state of the Ingress."),
	END,
};

static const api_sfield f_IngressSpec[] = {
	STR("ingressClassName", "Name of the IngressClass cluster resource."),
	OBJ("defaultBackend", T_IngressBackend, "Backend for requests that match no rule."),
	OBJS("tls", T_IngressTLS, "TLS configuration."),
	OBJS("rules", T_IngressRule, "Host rules used to configure the Ingress."),
	END,
};

static const api_sfield f_IngressBackend[] = {
	OBJ("service", T_IngressServiceBackend, "A Service as a backend."),
	OBJ("resource", T_TypedLocalObjectReference,
	    "An object in the Ingress' namespace as a "
	    "backend."),
	END,
};

static const api_sfield f_IngressServiceBackend[] = {
	RSTR("name", "The referenced service, in the same namespace as the Ingress."),
	OBJ("port", T_ServiceBackendPort, "Port of the referenced service."),
	END,
};

static const api_sfield f_ServiceBackendPort[] = {
	STR("name", "The name of the port on the Service."),
	INT("number", "The numerical port number on the Service."),
	END,
};

static const api_sfield f_IngressTLS[] = {
	STRS("hosts", "Hosts included in the TLS certificate."),
	STR("secretName", "Name of the secret used to terminate TLS traffic."),
	END,
};

static const api_sfield f_IngressRule[] = {
	STR("host", "Fully qualified domain name of a network host, as defined by RFC 3986."),
	OBJ("http", T_HTTPIngressRuleValue, "HTTP paths mapped to backends."),
	END,
};

static const api_sfield f_HTTPIngressRuleValue[] = {
	ROBJS("paths", T_HTTPIngressPath,
	      "A collection of paths that map requests to "
	      "backends."),
	END,
};

static const api_sfield f_HTTPIngressPath[] = {
	STR("path", "Matched against the path of an incoming request."),
	RSTR("pathType", "How the path is matched: Exact, Prefix, ImplementationSpecific."),
	ROBJ("backend", T_IngressBackend, "The referenced service endpoint."),
	END,
};

static const api_sfield f_IngressStatus[] = {
	OBJ("loadBalancer", T_IngressLoadBalancerStatus,
	    "The current status of the "
	    "load-balancer."),
	END,
};

static const api_sfield f_IngressLoadBalancerStatus[] = {
	OBJS("ingress", T_IngressLoadBalancerIngress, "Ingress points for the load-balancer."),
	END,
};

static const api_sfield f_IngressLoadBalancerIngress[] = {
	STR("ip", "IP of an IP based load-balancer ingress point."),
	STR("hostname", "Hostname of a DNS based load-balancer ingress point."),
	OBJS("ports", T_IngressPortStatus, "Information about the ports exposed."),
	END,
};

static const api_sfield f_IngressPortStatus[] = {
	RINT("port", "The port number of the ingress port."),
	RSTR("protocol", "TCP, UDP, or SCTP."),
	STR("error", "Problem with the service port, CamelCase."),
	END,
};

/* ==== the table ==================================================================== */

#define TY(pkg, nm, d) [T_##nm] = {.name = pkg #nm, .desc = (d), .fields = f_##nm}
#define KIND(pkg, nm, g, v, d)        \
	[T_##nm] = {.name = pkg #nm,  \
		    .desc = (d),      \
		    .fields = f_##nm, \
		    .group = (g),     \
		    .version = (v),   \
		    .kind = #nm}

const api_stype api_stypes[] = {
	[T_NONE] = {0},
	/* meta/v1 */
	TY(META, ObjectMeta, "ObjectMeta is metadata that all persisted resources must have."),
	TY(META, OwnerReference,
	   "OwnerReference contains enough information to let you "
	   "identify an owning object."),
	TY(META, ListMeta, "ListMeta describes metadata that synthetic resources must have."),
	TY(META, LabelSelector, "A label selector is a label query over a set of resources."),
	TY(META, LabelSelectorRequirement,
	   "A selector that contains values, a key, and an "
	   "operator that relates them."),
	TY(META, Condition,
	   "Condition contains details for one aspect of the current state of "
	   "this API Resource."),
	TY(META, Status, "Status is a return value for calls that don't return other objects."),
	TY(META, StatusDetails,
	   "StatusDetails is a set of additional properties that MAY be "
	   "set by the server."),
	TY(META, StatusCause,
	   "StatusCause provides more information about an api.Status "
	   "failure."),
	TY(META, DeleteOptions, "DeleteOptions may be provided when deleting an API object."),
	TY(META, Preconditions,
	   "Preconditions must be fulfilled before an operation is "
	   "carried out."),
	[T_Patch] = {.name = META "Patch",
		     .desc = "Patch is provided to give a concrete name and type to the "
			     "Kubernetes PATCH request body.",
		     .fields = NULL},
	/* core/v1: pods */
	KIND(CORE, Pod, "", "v1",
	     "Pod is a collection of containers that can run on a host. This resource is created "
	     "by clients and scheduled onto hosts."),
	TY(CORE, PodSpec, "PodSpec is a description of a pod."),
	TY(CORE, PodTemplateSpec,
	   "PodTemplateSpec describes the data a pod should have when "
	   "created from a template."),
	TY(CORE, Container, "A single application container that you want to run within a pod."),
	[T_EphemeralContainer] = {.name = CORE "EphemeralContainer",
				  .desc = "An EphemeralContainer is a temporary container that "
					  "you may add to an existing Pod for user-initiated "
					  "activities such as debugging.",
				  .fields = f_EphemeralContainer,
				  .inline_type = T_Container},
	TY(CORE, ContainerPort, "ContainerPort represents a network port in a single container."),
	TY(CORE, EnvFromSource,
	   "EnvFromSource represents the source of a set of ConfigMaps or "
	   "Secrets."),
	TY(CORE, ConfigMapEnvSource,
	   "ConfigMapEnvSource selects a ConfigMap to populate the "
	   "environment variables with."),
	TY(CORE, SecretEnvSource,
	   "SecretEnvSource selects a Secret to populate the environment "
	   "variables with."),
	TY(CORE, EnvVar, "EnvVar represents an environment variable present in a Container."),
	TY(CORE, EnvVarSource, "EnvVarSource represents a source for the value of an EnvVar."),
	TY(CORE, ObjectFieldSelector,
	   "ObjectFieldSelector selects an APIVersioned field of an "
	   "object."),
	TY(CORE, ResourceFieldSelector,
	   "ResourceFieldSelector represents container resources "
	   "(cpu, memory) and their output format."),
	TY(CORE, ConfigMapKeySelector, "Selects a key from a ConfigMap."),
	TY(CORE, SecretKeySelector, "SecretKeySelector selects a key of a Secret."),
	TY(CORE, ResourceRequirements,
	   "ResourceRequirements describes the compute resource "
	   "requirements."),
	TY(CORE, ResourceClaim, "ResourceClaim references one entry in PodSpec.ResourceClaims."),
	TY(CORE, ContainerResizePolicy,
	   "ContainerResizePolicy represents resource resize "
	   "policy for the container."),
	TY(CORE, VolumeMount, "VolumeMount describes a mounting of a Volume within a container."),
	TY(CORE, VolumeDevice,
	   "volumeDevice describes a mapping of a raw block device within a "
	   "container."),
	[T_Probe] = {.name = CORE "Probe",
		     .desc = "Probe describes a health check to be performed against a "
			     "container to determine whether it is alive or ready to receive "
			     "traffic.",
		     .fields = f_Probe,
		     .inline_type = T_ProbeHandler},
	[T_ProbeHandler] = {.name = NULL, .fields = f_ProbeHandler},
	TY(CORE, ExecAction, "ExecAction describes a \"run in container\" action."),
	TY(CORE, HTTPGetAction, "HTTPGetAction describes an action based on HTTP Get requests."),
	TY(CORE, HTTPHeader, "HTTPHeader describes a custom header to be used in HTTP probes."),
	TY(CORE, TCPSocketAction,
	   "TCPSocketAction describes an action based on opening a "
	   "socket."),
	TY(CORE, GRPCAction, "GRPCAction describes an action involving a GRPC service."),
	TY(CORE, Lifecycle,
	   "Lifecycle describes actions that the management system should take "
	   "in response to container lifecycle events."),
	TY(CORE, LifecycleHandler,
	   "LifecycleHandler defines a specific action that should be "
	   "taken in a lifecycle hook."),
	TY(CORE, SleepAction, "SleepAction describes a \"sleep\" action."),
	TY(CORE, SecurityContext,
	   "SecurityContext holds security configuration that will be "
	   "applied to a container."),
	TY(CORE, Capabilities, "Adds and removes POSIX capabilities from running containers."),
	TY(CORE, SELinuxOptions, "SELinuxOptions are the labels to be applied to the container."),
	TY(CORE, WindowsSecurityContextOptions,
	   "WindowsSecurityContextOptions contain "
	   "Windows-specific options and credentials."),
	TY(CORE, SeccompProfile,
	   "SeccompProfile defines a pod/container's seccomp profile "
	   "settings."),
	TY(CORE, AppArmorProfile,
	   "AppArmorProfile defines a pod or container's AppArmor "
	   "settings."),
	TY(CORE, PodSecurityContext,
	   "PodSecurityContext holds pod-level security attributes "
	   "and common container settings."),
	TY(CORE, Sysctl, "Sysctl defines a kernel parameter to be set."),
	TY(CORE, Affinity, "Affinity is a group of affinity scheduling rules."),
	TY(CORE, NodeAffinity, "Node affinity is a group of node affinity scheduling rules."),
	TY(CORE, NodeSelector,
	   "A node selector represents the union of the results of one or "
	   "more label queries over a set of nodes."),
	TY(CORE, NodeSelectorTerm,
	   "A null or empty node selector term matches no objects. The "
	   "requirements of them are ANDed."),
	TY(CORE, NodeSelectorRequirement,
	   "A node selector requirement is a selector that "
	   "contains values, a key, and an operator."),
	TY(CORE, PreferredSchedulingTerm,
	   "An empty preferred scheduling term matches all "
	   "objects with implicit weight 0."),
	TY(CORE, PodAffinity, "Pod affinity is a group of inter pod affinity scheduling rules."),
	TY(CORE, PodAntiAffinity,
	   "Pod anti affinity is a group of inter pod anti affinity "
	   "scheduling rules."),
	TY(CORE, PodAffinityTerm,
	   "Defines a set of pods that this pod should be co-located "
	   "(affinity) or not co-located (anti-affinity) with."),
	TY(CORE, WeightedPodAffinityTerm,
	   "The weights of all of the matched "
	   "WeightedPodAffinityTerm fields are added per-node."),
	TY(CORE, Toleration,
	   "The pod this Toleration is attached to tolerates any taint that "
	   "matches the triple <key,value,effect>."),
	TY(CORE, HostAlias,
	   "HostAlias holds the mapping between IP and hostnames that will be "
	   "injected into the pod's hosts file."),
	TY(CORE, PodDNSConfig,
	   "PodDNSConfig defines the DNS parameters of a pod in addition to "
	   "those generated from DNSPolicy."),
	TY(CORE, PodDNSConfigOption, "PodDNSConfigOption defines DNS resolver options of a pod."),
	TY(CORE, PodReadinessGate, "PodReadinessGate contains the reference to a pod condition."),
	TY(CORE, TopologySpreadConstraint,
	   "TopologySpreadConstraint specifies how to spread "
	   "matching pods among the given topology."),
	TY(CORE, PodOS, "PodOS defines the OS parameters of a pod."),
	TY(CORE, PodSchedulingGate,
	   "PodSchedulingGate is associated to a Pod to guard its "
	   "scheduling."),
	TY(CORE, PodResourceClaim, "PodResourceClaim references exactly one ResourceClaim."),
	TY(CORE, LocalObjectReference,
	   "LocalObjectReference contains enough information to let "
	   "you locate the referenced object inside the same "
	   "namespace."),
	/* core/v1: volumes */
	[T_Volume] = {.name = CORE "Volume",
		      .desc = "Volume represents a named volume in a pod that may be accessed "
			      "by any container in the pod.",
		      .fields = f_Volume,
		      .inline_type = T_VolumeSource},
	[T_VolumeSource] = {.name = NULL, .fields = f_VolumeSource},
	TY(CORE, HostPathVolumeSource, "Represents a host path mapped into a pod."),
	TY(CORE, EmptyDirVolumeSource, "Represents an empty directory for a pod."),
	TY(CORE, SecretVolumeSource, "Adapts a Secret into a volume."),
	TY(CORE, KeyToPath, "Maps a string key to a path within a volume."),
	TY(CORE, ConfigMapVolumeSource, "Adapts a ConfigMap into a volume."),
	TY(CORE, PersistentVolumeClaimVolumeSource,
	   "References the user's PVC in the same "
	   "namespace."),
	TY(CORE, DownwardAPIVolumeSource,
	   "DownwardAPIVolumeSource represents a volume "
	   "containing downward API info."),
	TY(CORE, DownwardAPIVolumeFile,
	   "DownwardAPIVolumeFile represents information to create "
	   "the file containing the pod field."),
	TY(CORE, ProjectedVolumeSource, "Represents a projected volume source."),
	TY(CORE, VolumeProjection,
	   "Projection that may be projected along with other supported "
	   "volume types. Exactly one of these fields must be set."),
	TY(CORE, SecretProjection, "Adapts a secret into a projected volume."),
	TY(CORE, ConfigMapProjection, "Adapts a ConfigMap into a projected volume."),
	TY(CORE, DownwardAPIProjection,
	   "Represents downward API info for projecting into a "
	   "projected volume."),
	TY(CORE, ServiceAccountTokenProjection,
	   "ServiceAccountTokenProjection represents a "
	   "projected service account token volume."),
	TY(CORE, ClusterTrustBundleProjection,
	   "ClusterTrustBundleProjection describes how to "
	   "select a set of ClusterTrustBundle objects."),
	TY(CORE, NFSVolumeSource, "Represents an NFS mount that lasts the lifetime of a pod."),
	TY(CORE, CSIVolumeSource,
	   "Represents a source location of a volume to mount, managed by "
	   "an external CSI driver."),
	TY(CORE, EphemeralVolumeSource,
	   "Represents an ephemeral volume that is handled by a "
	   "normal storage driver."),
	TY(CORE, PersistentVolumeClaimTemplate,
	   "PersistentVolumeClaimTemplate is used to "
	   "produce PersistentVolumeClaim objects."),
	TY(CORE, ImageVolumeSource, "ImageVolumeSource represents an image volume resource."),
	TY(CORE, PersistentVolumeClaim,
	   "PersistentVolumeClaim is a user's request for and "
	   "claim to a persistent volume."),
	TY(CORE, PersistentVolumeClaimSpec,
	   "PersistentVolumeClaimSpec describes the common "
	   "attributes of storage devices."),
	TY(CORE, VolumeResourceRequirements,
	   "VolumeResourceRequirements describes the storage "
	   "resource requirements for a volume."),
	TY(CORE, TypedLocalObjectReference,
	   "TypedLocalObjectReference contains enough "
	   "information to locate the typed referenced object "
	   "inside the same namespace."),
	TY(CORE, TypedObjectReference,
	   "TypedObjectReference contains enough information to "
	   "locate the typed referenced object."),
	TY(CORE, PersistentVolumeClaimStatus,
	   "PersistentVolumeClaimStatus is the current status "
	   "of a persistent volume claim."),
	TY(CORE, PersistentVolumeClaimCondition,
	   "PersistentVolumeClaimCondition contains "
	   "details about state of pvc."),
	TY(CORE, ModifyVolumeStatus,
	   "ModifyVolumeStatus represents the status object of "
	   "ControllerModifyVolume operation."),
	/* core/v1: pod status */
	TY(CORE, PodStatus, "PodStatus represents information about the status of a pod."),
	TY(CORE, PodCondition,
	   "PodCondition contains details for the current condition of this "
	   "pod."),
	TY(CORE, HostIP, "HostIP represents a single IP address allocated to the host."),
	TY(CORE, PodIP, "PodIP represents a single IP address allocated to the pod."),
	TY(CORE, ContainerStatus,
	   "ContainerStatus contains details for the current status of "
	   "this container."),
	TY(CORE, ContainerState, "ContainerState holds a possible state of container."),
	TY(CORE, ContainerStateWaiting,
	   "ContainerStateWaiting is a waiting state of a "
	   "container."),
	TY(CORE, ContainerStateRunning,
	   "ContainerStateRunning is a running state of a "
	   "container."),
	TY(CORE, ContainerStateTerminated,
	   "ContainerStateTerminated is a terminated state of a "
	   "container."),
	TY(CORE, VolumeMountStatus, "VolumeMountStatus shows status of volume mounts."),
	TY(CORE, ContainerUser, "ContainerUser represents user identity information."),
	TY(CORE, LinuxContainerUser,
	   "LinuxContainerUser represents user identity information in "
	   "Linux containers."),
	TY(CORE, ResourceStatus,
	   "ResourceStatus represents the status of a single resource "
	   "allocated to a Pod."),
	TY(CORE, ResourceHealth, "ResourceHealth represents the health of a resource."),
	TY(CORE, PodResourceClaimStatus,
	   "PodResourceClaimStatus stores the generated name of "
	   "the ResourceClaim of a PodResourceClaim."),
	/* core/v1: other kinds */
	KIND(CORE, Service, "", "v1",
	     "Service is a named abstraction of software service consisting of local port that "
	     "the proxy listens on, and the selector that determines which pods will answer "
	     "requests sent through the proxy."),
	TY(CORE, ServiceSpec,
	   "ServiceSpec describes the attributes that a user creates on a "
	   "service."),
	TY(CORE, ServicePort, "ServicePort contains information on service's port."),
	TY(CORE, SessionAffinityConfig,
	   "SessionAffinityConfig represents the configurations of "
	   "session affinity."),
	TY(CORE, ClientIPConfig,
	   "ClientIPConfig represents the configurations of Client IP "
	   "based session affinity."),
	TY(CORE, ServiceStatus, "ServiceStatus represents the current status of a service."),
	TY(CORE, LoadBalancerStatus,
	   "LoadBalancerStatus represents the status of a "
	   "load-balancer."),
	TY(CORE, LoadBalancerIngress,
	   "LoadBalancerIngress represents the status of a "
	   "load-balancer ingress point."),
	TY(CORE, PortStatus, "PortStatus represents the error condition of a service port."),
	KIND(CORE, Endpoints, "", "v1",
	     "Endpoints is a collection of endpoints that implement the actual service."),
	TY(CORE, EndpointSubset,
	   "EndpointSubset is a group of addresses with a common set of "
	   "ports."),
	TY(CORE, EndpointAddress,
	   "EndpointAddress is a tuple that describes single IP "
	   "address."),
	TY(CORE, EndpointPort, "EndpointPort is a tuple that describes a single port."),
	TY(CORE, ObjectReference,
	   "ObjectReference contains enough information to let you "
	   "inspect or modify the referred object."),
	KIND(CORE, ConfigMap, "", "v1", "ConfigMap holds configuration data for pods to consume."),
	KIND(CORE, Secret, "", "v1",
	     "Secret holds secret data of a certain type. The total bytes of the values in the "
	     "Data field must be less than MaxSecretSize bytes."),
	KIND(CORE, Event, "", "v1",
	     "Event is a report of an event somewhere in the cluster. Events have a limited "
	     "retention time."),
	TY(CORE, EventSource, "EventSource contains information for an event."),
	TY(CORE, EventSeries, "EventSeries contain information on series of events."),
	KIND(CORE, Namespace, "", "v1", "Namespace provides a scope for Names."),
	TY(CORE, NamespaceSpec, "NamespaceSpec describes the attributes on a Namespace."),
	TY(CORE, NamespaceStatus,
	   "NamespaceStatus is information about the current status of a "
	   "Namespace."),
	TY(CORE, NamespaceCondition,
	   "NamespaceCondition contains details about state of "
	   "namespace."),
	KIND(CORE, Node, "", "v1", "Node is a worker node in Kubernetes."),
	TY(CORE, NodeSpec, "NodeSpec describes the attributes that a node is created with."),
	TY(CORE, Taint,
	   "The node this Taint is attached to has the \"effect\" on any pod that "
	   "does not tolerate the Taint."),
	TY(CORE, NodeStatus, "NodeStatus is information about the current status of a node."),
	TY(CORE, NodeCondition, "NodeCondition contains condition information for a node."),
	TY(CORE, NodeAddress, "NodeAddress contains information for the node's address."),
	TY(CORE, NodeDaemonEndpoints,
	   "NodeDaemonEndpoints lists ports opened by daemons "
	   "running on the Node."),
	TY(CORE, DaemonEndpoint,
	   "DaemonEndpoint contains information about a single Daemon "
	   "endpoint."),
	TY(CORE, NodeSystemInfo,
	   "NodeSystemInfo is a set of ids/uuids to uniquely identify the "
	   "node."),
	TY(CORE, ContainerImage, "Describe a container image."),
	TY(CORE, AttachedVolume, "AttachedVolume describes a volume attached to a node."),
	TY(CORE, NodeRuntimeHandler,
	   "NodeRuntimeHandler is a set of runtime handler "
	   "information."),
	TY(CORE, NodeRuntimeHandlerFeatures,
	   "NodeRuntimeHandlerFeatures is a set of features "
	   "implemented by the runtime handler."),
	TY(CORE, NodeFeatures,
	   "NodeFeatures describes the set of features implemented by the "
	   "CRI implementation."),
	KIND(CORE, ServiceAccount, "", "v1",
	     "ServiceAccount binds together a name, a principal that can be authenticated and "
	     "authorized, and a set of secrets."),
	/* apps/v1 */
	KIND(APPS, Deployment, "apps", "v1",
	     "Deployment enables declarative updates for Pods and ReplicaSets."),
	TY(APPS, DeploymentSpec,
	   "DeploymentSpec is the specification of the desired behavior of "
	   "the Deployment."),
	TY(APPS, DeploymentStrategy,
	   "DeploymentStrategy describes how to replace existing pods "
	   "with new ones."),
	TY(APPS, RollingUpdateDeployment,
	   "Spec to control the desired behavior of rolling "
	   "update."),
	TY(APPS, DeploymentStatus,
	   "DeploymentStatus is the most recently observed status of the "
	   "Deployment."),
	TY(APPS, DeploymentCondition,
	   "DeploymentCondition describes the state of a deployment "
	   "at a certain point."),
	KIND(APPS, ReplicaSet, "apps", "v1",
	     "ReplicaSet ensures that a specified number of pod replicas are running at any "
	     "given time."),
	TY(APPS, ReplicaSetSpec, "ReplicaSetSpec is the specification of a ReplicaSet."),
	TY(APPS, ReplicaSetStatus,
	   "ReplicaSetStatus represents the current status of a "
	   "ReplicaSet."),
	TY(APPS, ReplicaSetCondition,
	   "ReplicaSetCondition describes the state of a replica set "
	   "at a certain point."),
	KIND(APPS, DaemonSet, "apps", "v1",
	     "DaemonSet represents the configuration of a daemon "
	     "set."),
	TY(APPS, DaemonSetSpec, "DaemonSetSpec is the specification of a daemon set."),
	TY(APPS, DaemonSetUpdateStrategy,
	   "DaemonSetUpdateStrategy is a struct used to control "
	   "the update strategy for a DaemonSet."),
	TY(APPS, RollingUpdateDaemonSet,
	   "Spec to control the desired behavior of daemon set "
	   "rolling update."),
	TY(APPS, DaemonSetStatus,
	   "DaemonSetStatus represents the current status of a daemon "
	   "set."),
	TY(APPS, DaemonSetCondition,
	   "DaemonSetCondition describes the state of a DaemonSet at a "
	   "certain point."),
	KIND(APPS, StatefulSet, "apps", "v1",
	     "StatefulSet represents a set of pods with consistent identities."),
	TY(APPS, StatefulSetSpec, "A StatefulSetSpec is the specification of a StatefulSet."),
	TY(APPS, StatefulSetUpdateStrategy,
	   "StatefulSetUpdateStrategy indicates the strategy "
	   "that the StatefulSet controller will use to "
	   "perform updates."),
	TY(APPS, RollingUpdateStatefulSetStrategy,
	   "RollingUpdateStatefulSetStrategy is used to "
	   "communicate parameter for "
	   "RollingUpdateStatefulSetStrategyType."),
	TY(APPS, StatefulSetPersistentVolumeClaimRetentionPolicy,
	   "StatefulSetPersistentVolumeClaimRetentionPolicy describes the policy used for PVCs "
	   "created from the StatefulSet VolumeClaimTemplates."),
	TY(APPS, StatefulSetOrdinals,
	   "StatefulSetOrdinals describes the policy used for replica "
	   "ordinal assignment in this StatefulSet."),
	TY(APPS, StatefulSetStatus,
	   "StatefulSetStatus represents the current state of a "
	   "StatefulSet."),
	TY(APPS, StatefulSetCondition,
	   "StatefulSetCondition describes the state of a "
	   "statefulset at a certain point."),
	/* autoscaling/v1 */
	KIND(AUTOSCALING, Scale, "autoscaling", "v1",
	     "Scale represents a scaling request for a resource."),
	TY(AUTOSCALING, ScaleSpec, "ScaleSpec describes the attributes of a scale subresource."),
	TY(AUTOSCALING, ScaleStatus,
	   "ScaleStatus represents the current status of a scale "
	   "subresource."),
	/* batch/v1 */
	KIND(BATCH, Job, "batch", "v1", "Job represents the configuration of a single job."),
	TY(BATCH, JobSpec, "JobSpec describes how the job execution will look like."),
	TY(BATCH, PodFailurePolicy,
	   "PodFailurePolicy describes how failed pods influence the "
	   "backoffLimit."),
	TY(BATCH, PodFailurePolicyRule,
	   "PodFailurePolicyRule describes how a pod failure is "
	   "handled when the requirements are met."),
	TY(BATCH, PodFailurePolicyOnExitCodesRequirement,
	   "PodFailurePolicyOnExitCodesRequirement describes the requirement for handling a "
	   "failed pod based on its container exit codes."),
	TY(BATCH, PodFailurePolicyOnPodConditionsPattern,
	   "PodFailurePolicyOnPodConditionsPattern describes a pattern for matching an actual "
	   "pod condition type."),
	TY(BATCH, SuccessPolicy,
	   "SuccessPolicy describes when a Job can be declared as "
	   "succeeded based on the success of some indexes."),
	TY(BATCH, SuccessPolicyRule,
	   "SuccessPolicyRule describes rule for declaring a Job as "
	   "succeeded."),
	TY(BATCH, JobStatus, "JobStatus represents the current state of a Job."),
	TY(BATCH, UncountedTerminatedPods,
	   "UncountedTerminatedPods holds UIDs of Pods that have "
	   "terminated but haven't been accounted in Job status "
	   "counters."),
	TY(BATCH, JobCondition, "JobCondition describes current state of a job."),
	TY(BATCH, JobTemplateSpec,
	   "JobTemplateSpec describes the data a Job should have when "
	   "created from a template."),
	KIND(BATCH, CronJob, "batch", "v1",
	     "CronJob represents the configuration of a single cron job."),
	TY(BATCH, CronJobSpec,
	   "CronJobSpec describes how the job execution will look like and "
	   "when it will actually run."),
	TY(BATCH, CronJobStatus, "CronJobStatus represents the current state of a cron job."),
	/* coordination.k8s.io/v1 */
	KIND(COORD, Lease, "coordination.k8s.io", "v1", "Lease defines a lease concept."),
	TY(COORD, LeaseSpec, "LeaseSpec is a specification of a Lease."),
	/* networking.k8s.io/v1 */
	KIND(NET, Ingress, "networking.k8s.io", "v1",
	     "Ingress is a collection of rules that allow inbound connections to reach the "
	     "endpoints defined by a backend."),
	TY(NET, IngressSpec, "IngressSpec describes the Ingress the user wishes to exist."),
	TY(NET, IngressBackend,
	   "IngressBackend describes all endpoints for a given service and "
	   "port."),
	TY(NET, IngressServiceBackend,
	   "IngressServiceBackend references a Kubernetes Service as "
	   "a Backend."),
	TY(NET, ServiceBackendPort, "ServiceBackendPort is the service port being referenced."),
	TY(NET, IngressTLS,
	   "IngressTLS describes the transport layer security associated with "
	   "an ingress."),
	TY(NET, IngressRule,
	   "IngressRule represents the rules mapping the paths under a "
	   "specified host to the related backend services."),
	TY(NET, HTTPIngressRuleValue,
	   "HTTPIngressRuleValue is a list of http selectors pointing "
	   "to backends."),
	TY(NET, HTTPIngressPath, "HTTPIngressPath associates a path with a backend."),
	TY(NET, IngressStatus, "IngressStatus describe the current state of the Ingress."),
	TY(NET, IngressLoadBalancerStatus,
	   "IngressLoadBalancerStatus represents the status of a "
	   "load-balancer."),
	TY(NET, IngressLoadBalancerIngress,
	   "IngressLoadBalancerIngress represents the status of "
	   "a load-balancer ingress point."),
	TY(NET, IngressPortStatus,
	   "IngressPortStatus represents the error condition of a "
	   "service port."),
};

const size_t api_stypes_len = sizeof(api_stypes) / sizeof(api_stypes[0]);

_Static_assert(sizeof(api_stypes) / sizeof(api_stypes[0]) == T_COUNT,
	       "every type id has a table entry");

/* ==== Go types for api_schema_type_error's messages ================================= */

#define GO(T, n, go)                   \
	{                              \
		T_##T, (n), (go), NULL \
	}
#define GOS(T, n, go, whole)              \
	{                                 \
		T_##T, (n), (go), (whole) \
	}

const api_sgotype api_sgotypes[] = {
	/* meta/v1 */
	GO(ObjectMeta, "uid", "types.UID"),
	GOS(ObjectMeta, "managedFields", "v1.ManagedFieldsEntry", NULL),
	GO(OwnerReference, "uid", "types.UID"),
	GO(LabelSelectorRequirement, "operator", "v1.LabelSelectorOperator"),
	GO(Condition, "status", "v1.ConditionStatus"),
	GO(Status, "reason", "v1.StatusReason"),
	GO(StatusDetails, "uid", "types.UID"),
	GO(StatusCause, "reason", "v1.CauseType"),
	GO(DeleteOptions, "propagationPolicy", "v1.DeletionPropagation"),
	GO(Preconditions, "uid", "types.UID"),
	/* core/v1: pods */
	GO(PodSpec, "restartPolicy", "v1.RestartPolicy"),
	GO(PodSpec, "dnsPolicy", "v1.DNSPolicy"),
	GO(PodSpec, "preemptionPolicy", "v1.PreemptionPolicy"),
	GO(Container, "restartPolicy", "v1.ContainerRestartPolicy"),
	GO(Container, "terminationMessagePolicy", "v1.TerminationMessagePolicy"),
	GO(Container, "imagePullPolicy", "v1.PullPolicy"),
	GO(ContainerPort, "protocol", "v1.Protocol"),
	GO(ContainerResizePolicy, "resourceName", "v1.ResourceName"),
	GO(ContainerResizePolicy, "restartPolicy", "v1.ResourceResizeRestartPolicy"),
	GO(VolumeMount, "recursiveReadOnly", "v1.RecursiveReadOnlyMode"),
	GO(VolumeMount, "mountPropagation", "v1.MountPropagationMode"),
	GO(HTTPGetAction, "scheme", "v1.URIScheme"),
	GO(SecurityContext, "procMount", "v1.ProcMountType"),
	GO(Capabilities, "add", "v1.Capability"),
	GO(Capabilities, "drop", "v1.Capability"),
	GO(SeccompProfile, "type", "v1.SeccompProfileType"),
	GO(AppArmorProfile, "type", "v1.AppArmorProfileType"),
	GO(PodSecurityContext, "supplementalGroupsPolicy", "v1.SupplementalGroupsPolicy"),
	GO(PodSecurityContext, "fsGroupChangePolicy", "v1.PodFSGroupChangePolicy"),
	GO(PodSecurityContext, "seLinuxChangePolicy", "v1.PodSELinuxChangePolicy"),
	GO(NodeSelectorRequirement, "operator", "v1.NodeSelectorOperator"),
	GO(Toleration, "operator", "v1.TolerationOperator"),
	GO(Toleration, "effect", "v1.TaintEffect"),
	GO(PodReadinessGate, "conditionType", "v1.PodConditionType"),
	GO(TopologySpreadConstraint, "whenUnsatisfiable", "v1.UnsatisfiableConstraintAction"),
	GO(TopologySpreadConstraint, "nodeAffinityPolicy", "v1.NodeInclusionPolicy"),
	GO(TopologySpreadConstraint, "nodeTaintsPolicy", "v1.NodeInclusionPolicy"),
	GO(PodOS, "name", "v1.OSName"),
	/* core/v1: volumes */
	GO(VolumeSource, "gcePersistentDisk", "v1.GCEPersistentDiskVolumeSource"),
	GO(VolumeSource, "awsElasticBlockStore", "v1.AWSElasticBlockStoreVolumeSource"),
	GO(VolumeSource, "gitRepo", "v1.GitRepoVolumeSource"),
	GO(VolumeSource, "iscsi", "v1.ISCSIVolumeSource"),
	GO(VolumeSource, "glusterfs", "v1.GlusterfsVolumeSource"),
	GO(VolumeSource, "rbd", "v1.RBDVolumeSource"),
	GO(VolumeSource, "flexVolume", "v1.FlexVolumeSource"),
	GO(VolumeSource, "cinder", "v1.CinderVolumeSource"),
	GO(VolumeSource, "cephfs", "v1.CephFSVolumeSource"),
	GO(VolumeSource, "flocker", "v1.FlockerVolumeSource"),
	GO(VolumeSource, "fc", "v1.FCVolumeSource"),
	GO(VolumeSource, "azureFile", "v1.AzureFileVolumeSource"),
	GO(VolumeSource, "vsphereVolume", "v1.VsphereVirtualDiskVolumeSource"),
	GO(VolumeSource, "quobyte", "v1.QuobyteVolumeSource"),
	GO(VolumeSource, "azureDisk", "v1.AzureDiskVolumeSource"),
	GO(VolumeSource, "photonPersistentDisk", "v1.PhotonPersistentDiskVolumeSource"),
	GO(VolumeSource, "portworxVolume", "v1.PortworxVolumeSource"),
	GO(VolumeSource, "scaleIO", "v1.ScaleIOVolumeSource"),
	GO(VolumeSource, "storageos", "v1.StorageOSVolumeSource"),
	GO(HostPathVolumeSource, "type", "v1.HostPathType"),
	GO(EmptyDirVolumeSource, "medium", "v1.StorageMedium"),
	GO(ImageVolumeSource, "pullPolicy", "v1.PullPolicy"),
	GO(PersistentVolumeClaimSpec, "accessModes", "v1.PersistentVolumeAccessMode"),
	GO(PersistentVolumeClaimSpec, "volumeMode", "v1.PersistentVolumeMode"),
	GO(PersistentVolumeClaimStatus, "phase", "v1.PersistentVolumeClaimPhase"),
	GO(PersistentVolumeClaimStatus, "accessModes", "v1.PersistentVolumeAccessMode"),
	GOS(PersistentVolumeClaimStatus, "allocatedResourceStatuses", "v1.ClaimResourceStatus",
	    "map[v1.ResourceName]v1.ClaimResourceStatus"),
	GO(PersistentVolumeClaimCondition, "type", "v1.PersistentVolumeClaimConditionType"),
	GO(PersistentVolumeClaimCondition, "status", "v1.ConditionStatus"),
	GO(ModifyVolumeStatus, "status", "v1.PersistentVolumeClaimModifyVolumeStatus"),
	/* core/v1: pod status */
	GO(PodStatus, "phase", "v1.PodPhase"),
	GO(PodStatus, "qosClass", "v1.PodQOSClass"),
	GO(PodStatus, "resize", "v1.PodResizeStatus"),
	GO(PodCondition, "type", "v1.PodConditionType"),
	GO(PodCondition, "status", "v1.ConditionStatus"),
	GO(VolumeMountStatus, "recursiveReadOnly", "v1.RecursiveReadOnlyMode"),
	GO(ResourceStatus, "name", "v1.ResourceName"),
	GO(ResourceHealth, "resourceID", "v1.ResourceID"),
	GO(ResourceHealth, "health", "v1.ResourceHealthStatus"),
	/* core/v1: other kinds */
	GO(ServiceSpec, "type", "v1.ServiceType"),
	GO(ServiceSpec, "sessionAffinity", "v1.ServiceAffinity"),
	GO(ServiceSpec, "externalTrafficPolicy", "v1.ServiceExternalTrafficPolicy"),
	GO(ServiceSpec, "ipFamilies", "v1.IPFamily"),
	GO(ServiceSpec, "ipFamilyPolicy", "v1.IPFamilyPolicy"),
	GO(ServiceSpec, "internalTrafficPolicy", "v1.ServiceInternalTrafficPolicy"),
	GO(ServicePort, "protocol", "v1.Protocol"),
	GO(LoadBalancerIngress, "ipMode", "v1.LoadBalancerIPMode"),
	GO(PortStatus, "protocol", "v1.Protocol"),
	GO(EndpointPort, "protocol", "v1.Protocol"),
	GO(ObjectReference, "uid", "types.UID"),
	GO(Secret, "type", "v1.SecretType"),
	GO(NamespaceSpec, "finalizers", "v1.FinalizerName"),
	GO(NamespaceStatus, "phase", "v1.NamespacePhase"),
	GO(NamespaceCondition, "type", "v1.NamespaceConditionType"),
	GO(NamespaceCondition, "status", "v1.ConditionStatus"),
	GO(NodeSpec, "configSource", "v1.NodeConfigSource"),
	GO(Taint, "effect", "v1.TaintEffect"),
	GO(NodeStatus, "phase", "v1.NodePhase"),
	GO(NodeStatus, "volumesInUse", "v1.UniqueVolumeName"),
	GO(NodeStatus, "config", "v1.NodeConfigStatus"),
	GO(NodeCondition, "type", "v1.NodeConditionType"),
	GO(NodeCondition, "status", "v1.ConditionStatus"),
	GO(NodeAddress, "type", "v1.NodeAddressType"),
	GO(AttachedVolume, "name", "v1.UniqueVolumeName"),
	/* apps/v1 */
	GO(DeploymentStrategy, "type", "v1.DeploymentStrategyType"),
	GO(DeploymentCondition, "type", "v1.DeploymentConditionType"),
	GO(DeploymentCondition, "status", "v1.ConditionStatus"),
	GO(ReplicaSetCondition, "type", "v1.ReplicaSetConditionType"),
	GO(ReplicaSetCondition, "status", "v1.ConditionStatus"),
	GO(DaemonSetUpdateStrategy, "type", "v1.DaemonSetUpdateStrategyType"),
	GO(DaemonSetCondition, "type", "v1.DaemonSetConditionType"),
	GO(DaemonSetCondition, "status", "v1.ConditionStatus"),
	GO(StatefulSetSpec, "podManagementPolicy", "v1.PodManagementPolicyType"),
	GO(StatefulSetUpdateStrategy, "type", "v1.StatefulSetUpdateStrategyType"),
	GO(StatefulSetPersistentVolumeClaimRetentionPolicy, "whenDeleted",
	   "v1.PersistentVolumeClaimRetentionPolicyType"),
	GO(StatefulSetPersistentVolumeClaimRetentionPolicy, "whenScaled",
	   "v1.PersistentVolumeClaimRetentionPolicyType"),
	GO(StatefulSetCondition, "type", "v1.StatefulSetConditionType"),
	GO(StatefulSetCondition, "status", "v1.ConditionStatus"),
	/* batch/v1 */
	GO(JobSpec, "completionMode", "v1.CompletionMode"),
	GO(JobSpec, "podReplacementPolicy", "v1.PodReplacementPolicy"),
	GO(PodFailurePolicyRule, "action", "v1.PodFailurePolicyAction"),
	GO(PodFailurePolicyOnExitCodesRequirement, "operator",
	   "v1.PodFailurePolicyOnExitCodesOperator"),
	GO(PodFailurePolicyOnPodConditionsPattern, "type", "v1.PodConditionType"),
	GO(PodFailurePolicyOnPodConditionsPattern, "status", "v1.ConditionStatus"),
	GO(UncountedTerminatedPods, "succeeded", "types.UID"),
	GO(UncountedTerminatedPods, "failed", "types.UID"),
	GO(JobCondition, "type", "v1.JobConditionType"),
	GO(JobCondition, "status", "v1.ConditionStatus"),
	GO(CronJobSpec, "concurrencyPolicy", "v1.ConcurrencyPolicy"),
	/* coordination.k8s.io/v1 */
	GO(LeaseSpec, "strategy", "v1.CoordinatedLeaseStrategy"),
	/* networking.k8s.io/v1 */
	GO(HTTPIngressPath, "pathType", "v1.PathType"),
	GO(IngressPortStatus, "protocol", "v1.Protocol"),
};

const size_t api_sgotypes_len = sizeof(api_sgotypes) / sizeof(api_sgotypes[0]);
