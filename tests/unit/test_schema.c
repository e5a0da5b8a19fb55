/* test_schema.c - the API server's knowledge of each kind's fields:
 * unknown-field paths as Kubernetes' strict decoding names them, realistic
 * objects of every kind that pass clean, maps and free-form objects that take
 * any key; values of the wrong JSON type with encoding/json's messages (the
 * Go struct, the dotted path without indices, the Go type); and the OpenAPI
 * v3 documents as kubectl reads them (the root's hashes, a PATCH operation per kind with its GVK
 * and a fieldValidation parameter as cli-runtime's query_param_verifier_v3 looks for it, every $ref
 * resolvable, the patch merge keys kubectl apply reads, and the walk kubectl explain makes from a
 * path's GVK to a field). */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "apiserver/resources.h"
#include "apiserver/schema.h"
#include "cleanup.h"

/* ---- helpers ------------------------------------------------------------------ */

static cJSON *parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad test JSON: %s", s);
	return o;
}

#define MAXOUT 32
static char out[MAXOUT][API_SCHEMA_PATH_MAX];

/* Unknown fields of the JSON text s as group/kind; fills `out`. */
static int unknown(const char *group, const char *kind, const char *s)
{
	cube_autojson cJSON *o = parse(s);
	memset(out, 0, sizeof(out));
	int n = api_schema_unknown_fields(group, kind, o, out, MAXOUT);
	cr_assert_geq(n, 0);
	return n;
}

static void expect_only(const char *group, const char *kind, const char *s, const char *path)
{
	int n = unknown(group, kind, s);
	cr_assert_eq(n, 1, "expected only %s, got %d (first: %s)", path, n, n ? out[0] : "-");
	cr_expect_str_eq(out[0], path);
}

static void expect_clean(const char *group, const char *kind, const char *s)
{
	int n = unknown(group, kind, s);
	for (int i = 0; i < n && i < MAXOUT; i++)
		cr_log_error("%s/%s: unexpected unknown field %s", group, kind, out[i]);
	cr_assert_eq(n, 0, "%s/%s: %d unknown fields, first %s", group, kind, n, n ? out[0] : "-");
}

#define MSGMAX 512
static char msg[MSGMAX];

/* api_schema_type_error on the JSON text s as group/kind; fills `msg`. */
static int type_error(const char *group, const char *kind, const char *s)
{
	cube_autojson cJSON *o = parse(s);
	memset(msg, 'x', sizeof(msg));
	int r = api_schema_type_error(group, kind, o, msg, sizeof(msg));
	cr_assert(r == 0 || r == 1, "%s/%s: returned %d", group, kind, r);
	if (r == 0)
		cr_assert_str_empty(msg, "%s/%s: no error but a message: %s", group, kind, msg);
	return r;
}

static void expect_type_error(const char *group, const char *kind, const char *s, const char *want)
{
	cr_assert_eq(type_error(group, kind, s), 1, "%s/%s: no type error in %s", group, kind, s);
	cr_expect_str_eq(msg, want);
}

static void expect_types_ok(const char *group, const char *kind, const char *s)
{
	cr_expect_eq(type_error(group, kind, s), 0, "%s/%s: unexpected: %s", group, kind, msg);
}

/* Clean on both counts: no unknown field, no value of a wrong type. */
static void expect_clean_typed(const char *group, const char *kind, const char *s)
{
	expect_clean(group, kind, s);
	expect_types_ok(group, kind, s);
}

/* ---- realistic objects -------------------------------------------------------------- */

static const char POD[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-7d9c-x2k4\","
	"\"generateName\":\"web-7d9c-\",\"namespace\":\"default\",\"uid\":\"3c1f\","
	"\"resourceVersion\":\"4711\",\"generation\":1,"
	"\"creationTimestamp\":\"2024-11-25T23:07:06Z\",\"deletionTimestamp\":null,"
	"\"deletionGracePeriodSeconds\":30,\"labels\":{\"app\":\"web\","
	"\"pod-template-hash\":\"7d9c\"},\"annotations\":{\"kubectl.kubernetes.io/"
	"last-applied-configuration\":\"{}\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
	"\"kind\":\"ReplicaSet\",\"name\":\"web-7d9c\",\"uid\":\"rs-uid\",\"controller\":true,"
	"\"blockOwnerDeletion\":true}],\"finalizers\":[\"example.com/x\"],"
	"\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Update\","
	"\"apiVersion\":\"v1\",\"time\":\"2024-11-25T23:07:06Z\",\"fieldsType\":\"FieldsV1\","
	"\"fieldsV1\":{\"f:metadata\":{\"f:labels\":{\".\":{}}}}}]},"
	"\"spec\":{\"volumes\":[{\"name\":\"data\",\"emptyDir\":{\"medium\":\"Memory\","
	"\"sizeLimit\":\"64Mi\"}},{\"name\":\"cfg\",\"configMap\":{\"name\":\"web-cfg\","
	"\"items\":[{\"key\":\"a\",\"path\":\"a.conf\",\"mode\":420}],\"defaultMode\":420,"
	"\"optional\":true}},{\"name\":\"sec\",\"secret\":{\"secretName\":\"tls\","
	"\"defaultMode\":256}},{\"name\":\"host\",\"hostPath\":{\"path\":\"/var/log\","
	"\"type\":\"Directory\"}},{\"name\":\"claim\",\"persistentVolumeClaim\":{\"claimName\":"
	"\"pvc-1\",\"readOnly\":true}},{\"name\":\"proj\",\"projected\":{\"sources\":["
	"{\"serviceAccountToken\":{\"audience\":\"api\",\"expirationSeconds\":3607,\"path\":"
	"\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":"
	"\"ca.crt\",\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":[{\"path\":"
	"\"namespace\",\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":"
	"\"metadata.namespace\"}}]}},{\"secret\":{\"name\":\"s\",\"optional\":false}}],"
	"\"defaultMode\":420}},{\"name\":\"podinfo\",\"downwardAPI\":{\"items\":[{\"path\":"
	"\"labels\",\"fieldRef\":{\"fieldPath\":\"metadata.labels\"}},{\"path\":\"cpu\","
	"\"resourceFieldRef\":{\"containerName\":\"nginx\",\"resource\":\"limits.cpu\","
	"\"divisor\":\"1m\"}}]}},{\"name\":\"gce\",\"gcePersistentDisk\":{\"pdName\":\"d\","
	"\"fsType\":\"ext4\"}},{\"name\":\"nfs\",\"nfs\":{\"server\":\"10.0.0.1\",\"path\":"
	"\"/srv\",\"readOnly\":true}}],"
	"\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\",\"command\":[\"sh\",\"-c\","
	"\"true\"],\"restartPolicy\":\"Always\"}],"
	"\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.25\",\"command\":[\"nginx\"],"
	"\"args\":[\"-g\",\"daemon off;\"],\"workingDir\":\"/\",\"ports\":[{\"name\":\"http\","
	"\"containerPort\":80,\"protocol\":\"TCP\",\"hostPort\":8080,\"hostIP\":\"0.0.0.0\"}],"
	"\"envFrom\":[{\"prefix\":\"CFG_\",\"configMapRef\":{\"name\":\"web-cfg\","
	"\"optional\":true}},{\"secretRef\":{\"name\":\"web-sec\"}}],\"env\":[{\"name\":\"A\","
	"\"value\":\"1\"},{\"name\":\"POD\",\"valueFrom\":{\"fieldRef\":{\"fieldPath\":"
	"\"metadata.name\"}}},{\"name\":\"MEM\",\"valueFrom\":{\"resourceFieldRef\":{"
	"\"resource\":\"limits.memory\",\"divisor\":1}}},{\"name\":\"C\",\"valueFrom\":{"
	"\"configMapKeyRef\":{\"name\":\"web-cfg\",\"key\":\"c\",\"optional\":true}}},"
	"{\"name\":\"S\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"web-sec\",\"key\":\"s\"}}}],"
	"\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":\"128Mi\"},\"requests\":{"
	"\"cpu\":0.25,\"memory\":\"64Mi\"}},\"resizePolicy\":[{\"resourceName\":\"cpu\","
	"\"restartPolicy\":\"NotRequired\"}],\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":"
	"\"/data\",\"readOnly\":false,\"subPath\":\"x\",\"mountPropagation\":\"None\"},"
	"{\"name\":\"cfg\",\"mountPath\":\"/etc/cfg\",\"subPathExpr\":\"$(POD)\","
	"\"recursiveReadOnly\":\"Disabled\"}],"
	"\"livenessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\",\"scheme\":"
	"\"HTTP\",\"httpHeaders\":[{\"name\":\"X\",\"value\":\"y\"}]},\"initialDelaySeconds\":5,"
	"\"periodSeconds\":10,\"timeoutSeconds\":1,\"successThreshold\":1,\"failureThreshold\":"
	"3,\"terminationGracePeriodSeconds\":10},\"readinessProbe\":{\"tcpSocket\":{\"port\":80}},"
	"\"startupProbe\":{\"exec\":{\"command\":[\"cat\",\"/ready\"]}},"
	"\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[\"true\"]}},\"preStop\":{"
	"\"sleep\":{\"seconds\":5}}},\"terminationMessagePath\":\"/dev/termination-log\","
	"\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\","
	"\"securityContext\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"],\"drop\":[\"ALL\"]},"
	"\"privileged\":false,\"runAsUser\":1000,\"runAsGroup\":1000,\"runAsNonRoot\":true,"
	"\"readOnlyRootFilesystem\":true,\"allowPrivilegeEscalation\":false,\"seccompProfile\":"
	"{\"type\":\"RuntimeDefault\"},\"appArmorProfile\":{\"type\":\"Localhost\","
	"\"localhostProfile\":\"p\"},\"seLinuxOptions\":{\"level\":\"s0:c1\"}},"
	"\"stdin\":false,\"stdinOnce\":false,\"tty\":false},{\"name\":\"sidecar\",\"image\":"
	"\"envoy\",\"readinessProbe\":{\"grpc\":{\"port\":9000,\"service\":\"h\"}}}],"
	"\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
	"\"activeDeadlineSeconds\":3600,\"dnsPolicy\":\"ClusterFirst\",\"nodeSelector\":{"
	"\"kubernetes.io/os\":\"linux\",\"disk\":\"ssd\"},\"serviceAccountName\":\"default\","
	"\"serviceAccount\":\"default\",\"automountServiceAccountToken\":true,\"nodeName\":"
	"\"node-1\",\"hostNetwork\":false,\"hostPID\":false,\"hostIPC\":false,"
	"\"shareProcessNamespace\":false,\"securityContext\":{\"runAsUser\":1000,\"fsGroup\":"
	"2000,\"supplementalGroups\":[3000],\"sysctls\":[{\"name\":\"net.core.somaxconn\","
	"\"value\":\"1024\"}],\"fsGroupChangePolicy\":\"OnRootMismatch\",\"seccompProfile\":{"
	"\"type\":\"RuntimeDefault\"}},\"imagePullSecrets\":[{\"name\":\"regcred\"}],"
	"\"hostname\":\"web\",\"subdomain\":\"svc\",\"affinity\":{\"nodeAffinity\":{"
	"\"requiredDuringSchedulingIgnoredDuringExecution\":{\"nodeSelectorTerms\":[{"
	"\"matchExpressions\":[{\"key\":\"zone\",\"operator\":\"In\",\"values\":[\"a\"]}]}]},"
	"\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":1,\"preference\":{"
	"\"matchFields\":[{\"key\":\"metadata.name\",\"operator\":\"NotIn\",\"values\":[\"x\"]}]"
	"}}]},\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\":[{"
	"\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":"
	"\"tier\",\"operator\":\"Exists\"}]},\"topologyKey\":\"kubernetes.io/hostname\","
	"\"namespaces\":[\"default\"],\"matchLabelKeys\":[\"pod-template-hash\"]}]},"
	"\"podAffinity\":{\"preferredDuringSchedulingIgnoredDuringExecution\":[{\"weight\":50,"
	"\"podAffinityTerm\":{\"topologyKey\":\"zone\",\"namespaceSelector\":{}}}]}},"
	"\"schedulerName\":\"default-scheduler\",\"tolerations\":[{\"key\":"
	"\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
	"\"tolerationSeconds\":300}],\"hostAliases\":[{\"ip\":\"127.0.0.1\",\"hostnames\":["
	"\"foo.local\"]}],\"priorityClassName\":\"high\",\"priority\":1000,\"dnsConfig\":{"
	"\"nameservers\":[\"1.1.1.1\"],\"searches\":[\"svc.local\"],\"options\":[{\"name\":"
	"\"ndots\",\"value\":\"2\"}]},\"readinessGates\":[{\"conditionType\":\"x/ready\"}],"
	"\"runtimeClassName\":\"runc\",\"enableServiceLinks\":true,\"preemptionPolicy\":"
	"\"PreemptLowerPriority\",\"overhead\":{\"cpu\":\"10m\"},\"topologySpreadConstraints\":[{"
	"\"maxSkew\":1,\"topologyKey\":\"zone\",\"whenUnsatisfiable\":\"DoNotSchedule\","
	"\"labelSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"minDomains\":2,"
	"\"nodeAffinityPolicy\":\"Honor\",\"nodeTaintsPolicy\":\"Ignore\",\"matchLabelKeys\":["
	"\"pod-template-hash\"]}],\"setHostnameAsFQDN\":false,\"os\":{\"name\":\"linux\"},"
	"\"hostUsers\":true,\"schedulingGates\":[{\"name\":\"gate\"}],\"resourceClaims\":[{"
	"\"name\":\"gpu\",\"resourceClaimTemplateName\":\"gpu-t\"}]},"
	"\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
	"\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"2024-11-25T23:07:10Z\"}],"
	"\"hostIP\":\"192.168.1.10\",\"hostIPs\":[{\"ip\":\"192.168.1.10\"}],\"podIP\":"
	"\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}],\"startTime\":\"2024-11-25T23:07:06Z\","
	"\"qosClass\":\"Burstable\",\"initContainerStatuses\":[{\"name\":\"init\",\"ready\":true,"
	"\"restartCount\":0,\"image\":\"busybox:latest\",\"imageID\":\"docker.io/busybox@sha\","
	"\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\",\"startedAt\":"
	"\"2024-11-25T23:07:07Z\",\"finishedAt\":\"2024-11-25T23:07:08Z\",\"containerID\":"
	"\"containerd://1\"}}}],\"containerStatuses\":[{\"name\":\"nginx\",\"state\":{"
	"\"running\":{\"startedAt\":\"2024-11-25T23:07:09Z\"}},\"lastState\":{\"waiting\":{"
	"\"reason\":\"CrashLoopBackOff\",\"message\":\"m\"}},\"ready\":true,\"restartCount\":2,"
	"\"image\":\"nginx:1.25\",\"imageID\":\"docker.io/nginx@sha256:x\",\"containerID\":"
	"\"containerd://2\",\"started\":true,\"allocatedResources\":{\"cpu\":\"250m\"},"
	"\"resources\":{\"limits\":{\"cpu\":\"500m\"}},\"volumeMounts\":[{\"name\":\"data\","
	"\"mountPath\":\"/data\",\"readOnly\":false}],\"user\":{\"linux\":{\"uid\":1000,\"gid\":"
	"1000,\"supplementalGroups\":[3000]}}}]}}";

static const char DEPLOYMENT[] =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
	"\"namespace\":\"default\",\"labels\":{\"app\":\"web\"},\"annotations\":{"
	"\"deployment.kubernetes.io/revision\":\"3\"},\"generation\":4},"
	"\"spec\":{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	"\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"},\"annotations\":{"
	"\"kubectl.kubernetes.io/restartedAt\":\"2024-11-25T23:07:06Z\"}},\"spec\":{"
	"\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.25\",\"ports\":[{"
	"\"containerPort\":80}],\"resources\":{\"requests\":{\"cpu\":\"100m\"}}}],"
	"\"terminationGracePeriodSeconds\":30}},\"strategy\":{\"type\":\"RollingUpdate\","
	"\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":1}},\"minReadySeconds\":5,"
	"\"revisionHistoryLimit\":10,\"paused\":false,\"progressDeadlineSeconds\":600},"
	"\"status\":{\"observedGeneration\":4,\"replicas\":3,\"updatedReplicas\":3,"
	"\"readyReplicas\":3,\"availableReplicas\":3,\"unavailableReplicas\":0,\"conditions\":[{"
	"\"type\":\"Available\",\"status\":\"True\",\"lastUpdateTime\":\"2024-11-25T23:07:06Z\","
	"\"lastTransitionTime\":\"2024-11-25T23:07:06Z\",\"reason\":\"MinimumReplicasAvailable\","
	"\"message\":\"Deployment has minimum availability.\"}],\"collisionCount\":0}}";

static const char SERVICE[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"web\"},"
	"\"spec\":{\"type\":\"LoadBalancer\",\"selector\":{\"app\":\"web\"},\"ports\":[{"
	"\"name\":\"http\",\"protocol\":\"TCP\",\"appProtocol\":\"http\",\"port\":80,"
	"\"targetPort\":\"http\",\"nodePort\":30080},{\"port\":443,\"targetPort\":8443}],"
	"\"clusterIP\":\"10.96.0.10\",\"clusterIPs\":[\"10.96.0.10\"],\"externalIPs\":["
	"\"1.2.3.4\"],\"sessionAffinity\":\"ClientIP\",\"sessionAffinityConfig\":{\"clientIP\":{"
	"\"timeoutSeconds\":10800}},\"loadBalancerSourceRanges\":[\"0.0.0.0/0\"],"
	"\"externalTrafficPolicy\":\"Local\",\"healthCheckNodePort\":32000,"
	"\"publishNotReadyAddresses\":false,\"ipFamilies\":[\"IPv4\"],\"ipFamilyPolicy\":"
	"\"SingleStack\",\"allocateLoadBalancerNodePorts\":true,\"internalTrafficPolicy\":"
	"\"Cluster\",\"trafficDistribution\":\"PreferClose\",\"loadBalancerClass\":\"x/lb\"},"
	"\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"5.6.7.8\",\"ipMode\":\"VIP\","
	"\"ports\":[{\"port\":80,\"protocol\":\"TCP\"}]}]},\"conditions\":[{\"type\":\"x\","
	"\"status\":\"True\",\"lastTransitionTime\":\"2024-11-25T23:07:06Z\",\"reason\":\"R\","
	"\"message\":\"m\",\"observedGeneration\":1}]}}";

static const char NODE[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\",\"labels\":{"
	"\"kubernetes.io/hostname\":\"node-1\"}},\"spec\":{\"podCIDR\":\"10.244.1.0/24\","
	"\"podCIDRs\":[\"10.244.1.0/24\"],\"providerID\":\"cube://node-1\",\"unschedulable\":"
	"true,\"taints\":[{\"key\":\"node.kubernetes.io/unschedulable\",\"effect\":"
	"\"NoSchedule\",\"timeAdded\":\"2024-11-25T23:07:06Z\"}]},"
	"\"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\","
	"\"ephemeral-storage\":\"100Gi\",\"hugepages-2Mi\":\"0\"},\"allocatable\":{\"cpu\":"
	"\"3800m\",\"memory\":\"7Gi\",\"pods\":\"110\"},\"conditions\":[{\"type\":\"Ready\","
	"\"status\":\"True\",\"lastHeartbeatTime\":\"2024-11-25T23:07:06Z\","
	"\"lastTransitionTime\":\"2024-11-25T23:07:06Z\",\"reason\":\"KubeletReady\","
	"\"message\":\"kubelet is posting ready status\"}],\"addresses\":[{\"type\":"
	"\"InternalIP\",\"address\":\"192.168.1.10\"},{\"type\":\"Hostname\",\"address\":"
	"\"node-1\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":10250}},\"nodeInfo\":{"
	"\"machineID\":\"m\",\"systemUUID\":\"s\",\"bootID\":\"b\",\"kernelVersion\":\"6.1\","
	"\"osImage\":\"Debian\",\"containerRuntimeVersion\":\"cube://0.1\",\"kubeletVersion\":"
	"\"v1.32.0\",\"kubeProxyVersion\":\"v1.32.0\",\"operatingSystem\":\"linux\","
	"\"architecture\":\"amd64\"},\"images\":[{\"names\":[\"nginx:1.25\"],\"sizeBytes\":"
	"70000000}],\"volumesInUse\":[\"v\"],\"volumesAttached\":[{\"name\":\"v\",\"devicePath\":"
	"\"/dev/x\"}],\"runtimeHandlers\":[{\"name\":\"\",\"features\":{"
	"\"recursiveReadOnlyMounts\":true,\"userNamespaces\":false}}],\"features\":{"
	"\"supplementalGroupsPolicy\":true},\"phase\":\"Running\"}}";

static const char EVENT[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"web.17f\","
	"\"namespace\":\"default\"},\"involvedObject\":{\"kind\":\"Pod\",\"namespace\":"
	"\"default\",\"name\":\"web\",\"uid\":\"u\",\"apiVersion\":\"v1\",\"resourceVersion\":"
	"\"1\",\"fieldPath\":\"spec.containers{nginx}\"},\"reason\":\"Pulled\",\"message\":"
	"\"Successfully pulled image\",\"source\":{\"component\":\"kubelet\",\"host\":"
	"\"node-1\"},\"firstTimestamp\":\"2024-11-25T23:07:06Z\",\"lastTimestamp\":"
	"\"2024-11-25T23:07:06Z\",\"count\":1,\"type\":\"Normal\",\"eventTime\":null,"
	"\"series\":{\"count\":2,\"lastObservedTime\":\"2024-11-25T23:07:06.000000Z\"},"
	"\"action\":\"Pulling\",\"related\":{\"kind\":\"Node\",\"name\":\"node-1\"},"
	"\"reportingComponent\":\"kubelet\",\"reportingInstance\":\"node-1\"}";

static const char INGRESS[] =
	"{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\",\"metadata\":{\"name\":"
	"\"web\"},\"spec\":{\"ingressClassName\":\"nginx\",\"defaultBackend\":{\"service\":{"
	"\"name\":\"web\",\"port\":{\"number\":80}}},\"tls\":[{\"hosts\":[\"example.com\"],"
	"\"secretName\":\"tls\"}],\"rules\":[{\"host\":\"example.com\",\"http\":{\"paths\":[{"
	"\"path\":\"/\",\"pathType\":\"Prefix\",\"backend\":{\"service\":{\"name\":\"web\","
	"\"port\":{\"name\":\"http\"}}}},{\"path\":\"/static\",\"pathType\":\"Exact\","
	"\"backend\":{\"resource\":{\"apiGroup\":\"k8s.example.com\",\"kind\":\"StorageBucket\","
	"\"name\":\"static\"}}}]}}]},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":"
	"\"5.6.7.8\",\"hostname\":\"lb\",\"ports\":[{\"port\":443,\"protocol\":\"TCP\","
	"\"error\":\"E\"}]}]}}}";

/* ---- unknown fields: where they are ----------------------------------------------- */

Test(schema_unknown, top_level)
{
	expect_only("", "Pod", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spex\":{}}", "spex");
}

Test(schema_unknown, in_metadata)
{
	expect_only("", "ConfigMap",
		    "{\"metadata\":{\"name\":\"x\",\"labelz\":{\"a\":\"b\"}},\"data\":{}}",
		    "metadata.labelz");
	expect_only("apps", "Deployment",
		    "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"u\",\"kind\":\"X\"},"
		    "{\"uid\":\"v\",\"controler\":true}]}}",
		    "metadata.ownerReferences[1].controler");
}

Test(schema_unknown, second_container_image_typo)
{
	expect_only("", "Pod",
		    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"b\","
		    "\"imagee\":\"y\"}]}}",
		    "spec.containers[1].imagee");
}

Test(schema_unknown, deployment_template_port_typo)
{
	expect_only("apps", "Deployment",
		    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"a\","
		    "\"ports\":[{\"containerPortt\":80}]}]}}}}",
		    "spec.template.spec.containers[0].ports[0].containerPortt");
}

Test(schema_unknown, deployment_strategy_typos)
{
	int n = unknown("apps", "Deployment",
			"{\"spec\":{\"strategy\":{\"type\":\"RollingUpdate\",\"rollingupdate\":{"
			"\"maxSurge\":1}}}}");
	cr_assert_eq(n, 1);
	cr_expect_str_eq(out[0], "spec.strategy.rollingupdate");
	expect_only("apps", "Deployment",
		    "{\"spec\":{\"strategy\":{\"rollingUpdate\":{\"maxSurge\":1,"
		    "\"maxUnavailabel\":0}}}}",
		    "spec.strategy.rollingUpdate.maxUnavailabel");
	expect_only("apps", "Deployment", "{\"spec\":{\"stategy\":{\"type\":\"Recreate\"}}}",
		    "spec.stategy");
}

Test(schema_unknown, several_in_document_order)
{
	int n = unknown("", "Pod",
			"{\"zz\":1,\"metadata\":{\"nam\":\"x\"},\"spec\":{\"containers\":[{"
			"\"name\":\"a\",\"livenessProbe\":{\"httpGet\":{\"port\":80,\"pth\":\"/\"},"
			"\"initialDelay\":3}}],\"volumes\":[{\"name\":\"v\",\"emptyDir\":{"
			"\"sizelimit\":\"1Gi\"}}]},\"status\":{\"phaze\":\"Running\"}}");
	cr_assert_eq(n, 6);
	cr_expect_str_eq(out[0], "zz");
	cr_expect_str_eq(out[1], "metadata.nam");
	cr_expect_str_eq(out[2], "spec.containers[0].livenessProbe.httpGet.pth");
	cr_expect_str_eq(out[3], "spec.containers[0].livenessProbe.initialDelay");
	cr_expect_str_eq(out[4], "spec.volumes[0].emptyDir.sizelimit");
	cr_expect_str_eq(out[5], "status.phaze");
}

Test(schema_unknown, keys_are_case_sensitive)
{
	expect_only("", "Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\",\"Image\":\"x\"}]}}",
		    "spec.containers[0].Image");
	expect_only("", "Pod", "{\"Metadata\":{}}", "Metadata");
}

Test(schema_unknown, unknown_object_is_not_descended)
{
	expect_only("", "Pod", "{\"spec\":{\"foo\":{\"bar\":{\"baz\":1}}}}", "spec.foo");
}

Test(schema_unknown, inlined_fields)
{
	/* Volume inlines VolumeSource, Probe inlines ProbeHandler, EphemeralContainer
	 * has every Container field */
	expect_clean("", "Pod",
		     "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"configMap\":{\"name\":\"c\"}}],"
		     "\"containers\":[{\"name\":\"a\",\"startupProbe\":{\"exec\":{\"command\":"
		     "[\"x\"]},\"periodSeconds\":1}}],\"ephemeralContainers\":[{\"name\":\"dbg\","
		     "\"image\":\"busybox\",\"stdin\":true,\"targetContainerName\":\"a\"}]}}");
	expect_only("", "Pod", "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"configMapp\":{}}]}}",
		    "spec.volumes[0].configMapp");
	expect_only("", "Pod",
		    "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"d\",\"target\":\"a\"}]}}",
		    "spec.ephemeralContainers[0].target");
}

Test(schema_unknown, batch_lease_and_others)
{
	expect_only(
		"batch", "CronJob",
		"{\"spec\":{\"schedule\":\"* * * * *\",\"jobTemplate\":{\"spec\":{"
		"\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"imag\":\"x\"}]}}}}}}",
		"spec.jobTemplate.spec.template.spec.containers[0].imag");
	expect_only("coordination.k8s.io", "Lease",
		    "{\"spec\":{\"holderIdentity\":\"a\",\"renewtime\":\"x\"}}", "spec.renewtime");
	expect_only("networking.k8s.io", "Ingress",
		    "{\"spec\":{\"rules\":[{\"http\":{\"paths\":[{\"backend\":{\"service\":{"
		    "\"name\":\"s\",\"port\":{\"numbr\":80}}}}]}}]}}",
		    "spec.rules[0].http.paths[0].backend.service.port.numbr");
	expect_only("", "Secret", "{\"data\":{},\"stringdata\":{}}", "stringdata");
	expect_only("autoscaling", "Scale", "{\"spec\":{\"replica\":3}}", "spec.replica");
}

/* ---- unknown fields: what passes ------------------------------------------------------ */

Test(schema_clean, realistic_pod)
{
	expect_clean_typed("", "Pod", POD);
}

Test(schema_clean, realistic_deployment)
{
	expect_clean_typed("apps", "Deployment", DEPLOYMENT);
}

Test(schema_clean, realistic_service)
{
	expect_clean_typed("", "Service", SERVICE);
}

Test(schema_clean, node_with_status)
{
	expect_clean_typed("", "Node", NODE);
}

Test(schema_clean, core_event)
{
	expect_clean_typed("", "Event", EVENT);
}

Test(schema_clean, ingress)
{
	expect_clean_typed("networking.k8s.io", "Ingress", INGRESS);
}

Test(schema_clean, other_kinds)
{
	expect_clean_typed(
		"", "Endpoints",
		"{\"metadata\":{\"name\":\"web\"},\"subsets\":[{\"addresses\":[{\"ip\":"
		"\"10.0.0.5\",\"nodeName\":\"n\",\"hostname\":\"h\",\"targetRef\":{\"kind\":"
		"\"Pod\",\"name\":\"p\",\"namespace\":\"default\",\"uid\":\"u\"}}],"
		"\"notReadyAddresses\":[],\"ports\":[{\"name\":\"http\",\"port\":80,"
		"\"protocol\":\"TCP\",\"appProtocol\":\"http\"}]}]}");
	expect_clean_typed("", "ConfigMap",
			   "{\"immutable\":true,\"data\":{\"a.conf\":\"x\",\"weird key/\":\"y\"},"
			   "\"binaryData\":{\"b\":\"AAE=\"}}");
	expect_clean_typed("", "Secret",
			   "{\"type\":\"kubernetes.io/tls\",\"data\":{\"tls.crt\":\"AA==\"},"
			   "\"stringData\":{\"x\":\"y\"},\"immutable\":false}");
	expect_clean_typed(
		"", "Namespace",
		"{\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\","
		"\"conditions\":[{\"type\":\"NamespaceContentRemaining\",\"status\":\"False\"}]}}");
	expect_clean_typed(
		"", "ServiceAccount",
		"{\"secrets\":[{\"name\":\"t\"}],\"imagePullSecrets\":[{\"name\":\"r\"}],"
		"\"automountServiceAccountToken\":false}");
	expect_clean_typed(
		"apps", "ReplicaSet",
		"{\"spec\":{\"replicas\":2,\"minReadySeconds\":0,\"selector\":{\"matchLabels\":{"
		"\"app\":\"w\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"w\"}},"
		"\"spec\":{\"containers\":[{\"name\":\"c\"}]}}},\"status\":{\"replicas\":2,"
		"\"fullyLabeledReplicas\":2,\"readyReplicas\":2,\"availableReplicas\":2,"
		"\"observedGeneration\":1,\"conditions\":[{\"type\":\"ReplicaFailure\","
		"\"status\":\"False\"}]}}");
	expect_clean_typed(
		"apps", "DaemonSet",
		"{\"spec\":{\"selector\":{},\"template\":{},\"updateStrategy\":{\"type\":"
		"\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,\"maxSurge\":0}},"
		"\"minReadySeconds\":0,\"revisionHistoryLimit\":10},\"status\":{"
		"\"currentNumberScheduled\":1,\"numberMisscheduled\":0,"
		"\"desiredNumberScheduled\":1,\"numberReady\":1,\"updatedNumberScheduled\":1,"
		"\"numberAvailable\":1,\"numberUnavailable\":0,\"observedGeneration\":1}}");
	expect_clean_typed(
		"apps", "StatefulSet",
		"{\"spec\":{\"serviceName\":\"db\",\"replicas\":3,\"selector\":{},\"template\":"
		"{},\"podManagementPolicy\":\"Parallel\",\"updateStrategy\":{\"type\":"
		"\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0,\"maxUnavailable\":1}},"
		"\"persistentVolumeClaimRetentionPolicy\":{\"whenDeleted\":\"Delete\","
		"\"whenScaled\":\"Retain\"},\"ordinals\":{\"start\":1},\"volumeClaimTemplates\":"
		"[{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":["
		"\"ReadWriteOnce\"],\"storageClassName\":\"local\",\"resources\":{\"requests\":{"
		"\"storage\":\"1Gi\"}}}}]},\"status\":{\"replicas\":3,\"readyReplicas\":3,"
		"\"currentRevision\":\"db-1\",\"updateRevision\":\"db-1\",\"availableReplicas\":"
		"3,\"collisionCount\":0}}");
	expect_clean_typed(
		"batch", "Job",
		"{\"spec\":{\"parallelism\":2,\"completions\":4,\"backoffLimit\":3,"
		"\"completionMode\":\"Indexed\",\"backoffLimitPerIndex\":1,\"maxFailedIndexes\":"
		"2,\"podFailurePolicy\":{\"rules\":[{\"action\":\"Ignore\",\"onPodConditions\":"
		"[{\"type\":\"DisruptionTarget\",\"status\":\"True\"}]},{\"action\":\"FailJob\","
		"\"onExitCodes\":{\"containerName\":\"c\",\"operator\":\"In\",\"values\":[42]}}]},"
		"\"successPolicy\":{\"rules\":[{\"succeededIndexes\":\"0-1\",\"succeededCount\":"
		"1}]},\"ttlSecondsAfterFinished\":60,\"suspend\":false,\"podReplacementPolicy\":"
		"\"Failed\",\"manualSelector\":false,\"template\":{\"spec\":{\"restartPolicy\":"
		"\"Never\",\"containers\":[{\"name\":\"c\"}]}}},\"status\":{\"active\":1,"
		"\"succeeded\":1,\"failed\":0,\"terminating\":0,\"ready\":1,\"startTime\":"
		"\"2024-11-25T23:07:06Z\",\"completedIndexes\":\"0\",\"uncountedTerminatedPods\":"
		"{\"succeeded\":[\"u\"]},\"conditions\":[{\"type\":\"Complete\",\"status\":"
		"\"True\"}]}}");
	expect_clean_typed(
		"batch", "CronJob",
		"{\"spec\":{\"schedule\":\"*/5 * * * *\",\"timeZone\":\"Etc/UTC\","
		"\"concurrencyPolicy\":\"Forbid\",\"startingDeadlineSeconds\":100,\"suspend\":"
		"false,\"successfulJobsHistoryLimit\":3,\"failedJobsHistoryLimit\":1,"
		"\"jobTemplate\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"template\":"
		"{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}}},\"status\":{\"active\":[{"
		"\"kind\":\"Job\",\"name\":\"j\"}],\"lastScheduleTime\":\"2024-11-25T23:07:06Z\","
		"\"lastSuccessfulTime\":null}}");
	expect_clean_typed("coordination.k8s.io", "Lease",
			   "{\"spec\":{\"holderIdentity\":\"node-1\",\"leaseDurationSeconds\":40,"
			   "\"acquireTime\":\"2024-11-25T23:07:06.000000Z\",\"renewTime\":"
			   "\"2024-11-25T23:07:06.123456Z\",\"leaseTransitions\":2}}");
	expect_clean_typed("autoscaling", "Scale",
			   "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":3},\"status\":{"
			   "\"replicas\":3,\"selector\":\"app=web\"}}");
}

Test(schema_clean, maps_accept_any_key)
{
	expect_clean("", "Pod",
		     "{\"metadata\":{\"labels\":{\"anything.example.com/x\":\"1\",\"spec\":\"2\"},"
		     "\"annotations\":{\"metadata\":\"{}\"}},\"spec\":{\"nodeSelector\":{"
		     "\"containers\":\"x\",\"any/key\":\"y\"},\"containers\":[{\"name\":\"c\","
		     "\"resources\":{\"limits\":{\"nvidia.com/gpu\":1,\"example.com/foo\":\"2\"},"
		     "\"requests\":{\"imagee\":\"1\"}}}],\"overhead\":{\"whatever\":\"1\"}}}");
	expect_clean("", "Node",
		     "{\"status\":{\"capacity\":{\"example.com/dongle\":\"4\"},\"allocatable\":{"
		     "\"example.com/dongle\":\"3\"}}}");
}

Test(schema_clean, free_form_accepts_anything)
{
	expect_clean("", "Pod",
		     "{\"metadata\":{\"managedFields\":[{\"manager\":\"m\",\"anything\":{\"goes\":"
		     "[1,2]}}]},\"spec\":{\"volumes\":[{\"name\":\"v\",\"awsElasticBlockStore\":{"
		     "\"volumeID\":\"vol\",\"whatever\":true}},{\"name\":\"w\",\"flexVolume\":{"
		     "\"driver\":\"d\",\"options\":{\"a\":\"b\"}}}]}}");
}

Test(schema_clean, wrong_json_types_and_nulls_are_not_unknown_fields)
{
	/* type errors are decoding errors, not unknown fields; nulls are fine */
	expect_clean("", "Pod",
		     "{\"metadata\":null,\"spec\":{\"containers\":\"oops\",\"volumes\":[1,null,"
		     "\"x\"],\"affinity\":null,\"securityContext\":[]},\"status\":7}");
	/* an unknown field is reported whatever its value */
	expect_only("", "Pod", "{\"spec\":{\"nope\":null}}", "spec.nope");
}

/* ---- unknown fields: the contract ------------------------------------------------------ */

Test(schema_contract, unknown_kind_and_non_objects)
{
	cube_autojson cJSON *o = parse("{\"foo\":1}");
	cr_expect_eq(api_schema_unknown_fields("", "Widget", o, out, MAXOUT), 0);
	cr_expect_eq(api_schema_unknown_fields("apps", "Pod", o, out, MAXOUT), 0);
	cr_expect_eq(api_schema_unknown_fields(NULL, "Pod", o, out, MAXOUT), 0);
	cr_expect_eq(api_schema_unknown_fields("", "Pod", NULL, out, MAXOUT), 0);
	cube_autojson cJSON *a = parse("[{\"foo\":1}]");
	cr_expect_eq(api_schema_unknown_fields("", "Pod", a, out, MAXOUT), 0);
	cr_expect_eq(api_schema_unknown_fields("", "Pod", o, out, MAXOUT), 1);
}

Test(schema_contract, every_served_kind_has_a_schema)
{
	for (size_t i = 0; i < api_resources_len; i++)
		cr_expect(api_schema_known(api_resources[i].group, api_resources[i].kind),
			  "no schema for %s/%s", api_resources[i].group, api_resources[i].kind);
	cr_expect(api_schema_known("autoscaling", "Scale"));
	cr_expect_not(api_schema_known("", "PodSpec"));
	cr_expect_not(api_schema_known("", "Deployment"));
}

Test(schema_contract, count_beyond_max_and_null_out)
{
	const char *s = "{\"a\":1,\"b\":2,\"c\":3,\"metadata\":{\"d\":4}}";
	cube_autojson cJSON *o = parse(s);
	char two[2][API_SCHEMA_PATH_MAX];
	memset(two, 0, sizeof(two));
	cr_assert_eq(api_schema_unknown_fields("", "Pod", o, two, 2), 4);
	cr_expect_str_eq(two[0], "a");
	cr_expect_str_eq(two[1], "b");
	cr_expect_eq(api_schema_unknown_fields("", "Pod", o, NULL, 0), 4);
	cr_expect_eq(api_schema_unknown_fields("", "Pod", o, two, 0), 4);
}

Test(schema_contract, duplicate_keys_reported_once)
{
	int n = unknown("", "Pod", "{\"x\":1,\"x\":2,\"spec\":{\"y\":1,\"y\":2}}");
	cr_assert_eq(n, 2);
	cr_expect_str_eq(out[0], "x");
	cr_expect_str_eq(out[1], "spec.y");
}

Test(schema_contract, long_paths_are_cut)
{
	char key[400];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	char doc[600];
	snprintf(doc, sizeof(doc), "{\"metadata\":{\"%s\":1}}", key);
	cr_assert_eq(unknown("", "Pod", doc), 1);
	cr_expect_eq(strlen(out[0]), API_SCHEMA_PATH_MAX - 1);
	cr_expect(!strncmp(out[0], "metadata.kkk", 12));
}

Test(schema_contract, type_table_is_consistent)
{
	for (size_t i = 1; i < api_stypes_len; i++) {
		const api_stype *t = &api_stypes[i];
		cr_assert(t->name || t->fields, "type %zu has no entry", i);
		for (size_t j = i + 1; j < api_stypes_len; j++)
			if (t->name && api_stypes[j].name)
				cr_expect_str_neq(t->name, api_stypes[j].name);
		for (const api_sfield *f = t->fields; f && f->name; f++) {
			if (f->kind == API_SK_OBJECT)
				cr_expect(f->ref > 0 && f->ref < api_stypes_len &&
						  api_stypes[f->ref].name,
					  "%s.%s refers to no named type", t->name, f->name);
			for (const api_sfield *g = f + 1; g->name; g++)
				cr_expect_str_neq(f->name, g->name, "%s: duplicate field",
						  t->name ? t->name : "(inline)");
		}
	}
}

/* ---- JSON value types: encoding/json's errors ------------------------------------------------ */

/* The two messages cube's integration tests see from kubectl (YAML's bare
 * `true` as a label value, a bare number as an env value). */
Test(schema_types, bool_label_value_in_a_template)
{
	expect_type_error("apps", "Deployment",
			  "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{"
			  "\"name\":\"web\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"selector\":{"
			  "\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{"
			  "\"labels\":{\"app\":\"web\",\"canary\":true}},\"spec\":{\"containers\":"
			  "[{\"name\":\"nginx\",\"image\":\"nginx\"}]}}}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "ObjectMeta.spec.template.metadata.labels of type string");
	/* the map itself of the wrong type names its own Go type */
	expect_type_error("", "Pod", "{\"metadata\":{\"annotations\":[\"a\"]}}",
			  "json: cannot unmarshal array into Go struct field "
			  "ObjectMeta.metadata.annotations of type map[string]string");
	expect_type_error("", "Service", "{\"spec\":{\"selector\":{\"app\":1}}}",
			  "json: cannot unmarshal number into Go struct field "
			  "ServiceSpec.spec.selector of type string");
}

Test(schema_types, number_env_value)
{
	expect_type_error("", "Pod",
			  "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
			  "\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"busybox\"},{"
			  "\"name\":\"b\",\"image\":\"busybox\",\"env\":[{\"name\":\"A\","
			  "\"value\":\"1\"},{\"name\":\"PORT\",\"value\":8080}]}]}}",
			  "json: cannot unmarshal number into Go struct field "
			  "EnvVar.spec.containers.env.value of type string");
	/* the same in a CronJob: the path runs through the whole template */
	expect_type_error("batch", "CronJob",
			  "{\"spec\":{\"schedule\":\"@daily\",\"jobTemplate\":{\"spec\":{"
			  "\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"env\":[{"
			  "\"name\":\"MAX_DAYS\",\"value\":14}]}]}}}}}}",
			  "json: cannot unmarshal number into Go struct field EnvVar.spec."
			  "jobTemplate.spec.template.spec.containers.env.value of type string");
}

Test(schema_types, string_replicas_and_other_scalars)
{
	expect_type_error("apps", "Deployment", "{\"spec\":{\"replicas\":\"3\"}}",
			  "json: cannot unmarshal string into Go struct field "
			  "DeploymentSpec.spec.replicas of type int32");
	expect_type_error("apps", "Deployment", "{\"spec\":{\"paused\":\"false\"}}",
			  "json: cannot unmarshal string into Go struct field "
			  "DeploymentSpec.spec.paused of type bool");
	expect_type_error("", "Pod", "{\"spec\":{\"hostNetwork\":1}}",
			  "json: cannot unmarshal number into Go struct field "
			  "PodSpec.spec.hostNetwork of type bool");
	expect_type_error("", "Pod", "{\"spec\":{\"terminationGracePeriodSeconds\":\"30\"}}",
			  "json: cannot unmarshal string into Go struct field "
			  "PodSpec.spec.terminationGracePeriodSeconds of type int64");
	expect_type_error("", "Pod", "{\"spec\":{\"containers\":[{\"image\":{}}]}}",
			  "json: cannot unmarshal object into Go struct field "
			  "Container.spec.containers.image of type string");
	expect_type_error(
		"autoscaling", "Scale", "{\"spec\":{\"replicas\":false}}",
		"json: cannot unmarshal bool into Go struct field ScaleSpec.spec.replicas "
		"of type int32");
}

Test(schema_types, object_where_a_list_is_expected_and_back)
{
	expect_type_error("", "Pod", "{\"spec\":{\"containers\":{\"name\":\"c\"}}}",
			  "json: cannot unmarshal object into Go struct field "
			  "PodSpec.spec.containers of type []v1.Container");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"name\":\"c\",\"command\":\"sleep 1\"}]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "Container.spec.containers.command of type []string");
	/* a bad element names the element's type, the path stays the list's */
	expect_type_error(
		"", "Pod",
		"{\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"a\",{\"b\":1}]}]}}",
		"json: cannot unmarshal object into Go struct field "
		"Container.spec.containers.args of type string");
	expect_type_error("", "Pod", "{\"spec\":{\"containers\":[\"nginx\"]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "PodSpec.spec.containers of type v1.Container");
	expect_type_error("", "Pod", "{\"spec\":{\"securityContext\":[]}}",
			  "json: cannot unmarshal array into Go struct field "
			  "PodSpec.spec.securityContext of type v1.PodSecurityContext");
	expect_type_error("", "Pod", "{\"metadata\":\"web\"}",
			  "json: cannot unmarshal string into Go struct field Pod.metadata of type "
			  "v1.ObjectMeta");
	expect_type_error("apps", "Deployment",
			  "{\"spec\":{\"selector\":{\"matchExpressions\":{\"key\":\"a\"}}}}",
			  "json: cannot unmarshal object into Go struct field "
			  "LabelSelector.spec.selector.matchExpressions of type "
			  "[]v1.LabelSelectorRequirement");
}

Test(schema_types, float_or_overflow_where_an_integer_is_expected)
{
	expect_type_error("apps", "Deployment", "{\"spec\":{\"replicas\":1.5}}",
			  "json: cannot unmarshal number 1.5 into Go struct field "
			  "DeploymentSpec.spec.replicas of type int32");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{"
			  "\"containerPort\":80},{\"containerPort\":3000000000}]}]}}",
			  "json: cannot unmarshal number 3000000000 into Go struct field "
			  "ContainerPort.spec.containers.ports.containerPort of type int32");
	expect_type_error("", "Pod", "{\"spec\":{\"activeDeadlineSeconds\":0.001}}",
			  "json: cannot unmarshal number 0.001 into Go struct field "
			  "PodSpec.spec.activeDeadlineSeconds of type int64");
	expect_type_error("", "Pod", "{\"spec\":{\"activeDeadlineSeconds\":1e30}}",
			  "json: cannot unmarshal number 1e30 into Go struct field "
			  "PodSpec.spec.activeDeadlineSeconds of type int64");
	expect_type_error("", "Pod", "{\"spec\":{\"activeDeadlineSeconds\":-2.5e-7}}",
			  "json: cannot unmarshal number -2.5e-7 into Go struct field "
			  "PodSpec.spec.activeDeadlineSeconds of type int64");
	expect_type_error("batch", "Job",
			  "{\"spec\":{\"podFailurePolicy\":{\"rules\":[{\"action\":\"Ignore\","
			  "\"onExitCodes\":{\"operator\":\"In\",\"values\":[1,2.5]}}]}}}",
			  "json: cannot unmarshal number 2.5 into Go struct field "
			  "PodFailurePolicyOnExitCodesRequirement.spec.podFailurePolicy.rules."
			  "onExitCodes.values of type int32");
	/* the int32 and int64 limits themselves, and negative numbers, are fine */
	expect_types_ok(
		"", "Pod",
		"{\"spec\":{\"priority\":-2147483648,\"activeDeadlineSeconds\":"
		"9007199254740992,\"containers\":[{\"name\":\"c\",\"ports\":[{"
		"\"containerPort\":2147483647}]}],\"securityContext\":{\"runAsUser\":-1}}}");
	expect_type_error("", "Pod", "{\"spec\":{\"priority\":-2147483649}}",
			  "json: cannot unmarshal number -2147483649 into Go struct field "
			  "PodSpec.spec.priority of type int32");
}

Test(schema_types, nulls_are_accepted_anywhere)
{
	expect_types_ok("", "Pod",
			"{\"apiVersion\":null,\"kind\":null,\"metadata\":{\"name\":null,\"labels\":"
			"{\"a\":null},\"annotations\":null,\"creationTimestamp\":null,"
			"\"ownerReferences\":[null],\"finalizers\":[null,\"x\"]},\"spec\":{"
			"\"containers\":[null,{\"name\":null,\"image\":null,\"ports\":null,"
			"\"command\":[null],\"resources\":{\"limits\":{\"cpu\":null},\"requests\":"
			"null},\"livenessProbe\":{\"httpGet\":{\"port\":null}},\"env\":[{\"name\":"
			"\"A\",\"value\":null}]}],\"replicas\":null,\"hostNetwork\":null,"
			"\"terminationGracePeriodSeconds\":null,\"volumes\":[{\"name\":\"v\","
			"\"gcePersistentDisk\":null,\"emptyDir\":{\"sizeLimit\":null}}],"
			"\"securityContext\":null},\"status\":null}");
	expect_types_ok("apps", "Deployment",
			"{\"spec\":{\"replicas\":null,\"strategy\":{\"rollingUpdate\":{"
			"\"maxSurge\":null,\"maxUnavailable\":null}}}}");
	expect_types_ok("", "Secret", "{\"data\":{\"a\":null},\"stringData\":null}");
	expect_types_ok("", "Pod", "{}");
}

Test(schema_types, quantities_take_strings_and_numbers)
{
	expect_types_ok("", "Pod",
			"{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":{"
			"\"cpu\":\"500m\",\"memory\":\"128Mi\",\"nvidia.com/gpu\":1},\"requests\":{"
			"\"cpu\":0.25,\"memory\":67108864}},\"env\":[{\"name\":\"M\",\"valueFrom\":"
			"{\"resourceFieldRef\":{\"resource\":\"limits.memory\",\"divisor\":1}}}]}],"
			"\"overhead\":{\"cpu\":\"10m\"},\"volumes\":[{\"name\":\"v\",\"emptyDir\":{"
			"\"sizeLimit\":\"1Gi\"}}]}}");
	/* anything else is Quantity.UnmarshalJSON's format error, which ends
	 * decoding (and has no path) */
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":{"
			  "\"cpu\":true}}}]}}",
			  "quantities must match the regular expression "
			  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{\"sizeLimit\":"
			  "{\"value\":1}}}]}}",
			  "quantities must match the regular expression "
			  "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
	/* the map of quantities is a v1.ResourceList */
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":"
			  "\"1\"}}]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "ResourceRequirements.spec.containers.resources.requests of type "
			  "v1.ResourceList");
	expect_type_error("", "Node", "{\"status\":{\"capacity\":[1]}}",
			  "json: cannot unmarshal array into Go struct field "
			  "NodeStatus.status.capacity of type v1.ResourceList");
}

Test(schema_types, int_or_string_takes_strings_and_integers)
{
	expect_types_ok("", "Service",
			"{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},{\"port\":81,"
			"\"targetPort\":\"http\"},{\"port\":82,\"targetPort\":-1}]}}");
	expect_types_ok("apps", "Deployment",
			"{\"spec\":{\"strategy\":{\"rollingUpdate\":{\"maxSurge\":\"25%\","
			"\"maxUnavailable\":0}},\"template\":{\"spec\":{\"containers\":[{\"name\":"
			"\"c\",\"livenessProbe\":{\"httpGet\":{\"port\":8080}},\"readinessProbe\":{"
			"\"tcpSocket\":{\"port\":\"http\"}}}]}}}}");
	/* IntOrString.UnmarshalJSON decodes anything but a string into its
	 * int32, so the message names int32 */
	expect_type_error("", "Service",
			  "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":1.5}]}}",
			  "json: cannot unmarshal number 1.5 into Go struct field "
			  "ServicePort.spec.ports.targetPort of type int32");
	expect_type_error("apps", "Deployment",
			  "{\"spec\":{\"strategy\":{\"rollingUpdate\":{\"maxSurge\":true}}}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type "
			  "int32");
	expect_type_error("", "Service",
			  "{\"spec\":{\"ports\":[{\"targetPort\":{\"isInt\":true,\"intValue\":8180}"
			  "}]}}",
			  "json: cannot unmarshal object into Go struct field "
			  "ServicePort.spec.ports.targetPort of type int32");
	expect_type_error("", "Service", "{\"spec\":{\"ports\":[{\"targetPort\":4294967296}]}}",
			  "json: cannot unmarshal number 4294967296 into Go struct field "
			  "ServicePort.spec.ports.targetPort of type int32");
}

Test(schema_types, times_take_strings)
{
	expect_types_ok("", "Pod",
			"{\"metadata\":{\"creationTimestamp\":\"2024-11-25T23:07:06Z\"},"
			"\"status\":{\"startTime\":\"2024-11-25T23:07:06Z\"}}");
	/* Time.UnmarshalJSON reads a string with encoding/json: its error, with
	 * the field's context, ends decoding */
	expect_type_error("", "Pod", "{\"metadata\":{\"creationTimestamp\":1732576026}}",
			  "json: cannot unmarshal number into Go struct field "
			  "ObjectMeta.metadata.creationTimestamp of type string");
	expect_type_error("coordination.k8s.io", "Lease", "{\"spec\":{\"renewTime\":[]}}",
			  "json: cannot unmarshal array into Go struct field "
			  "LeaseSpec.spec.renewTime of type string");
}

Test(schema_types, first_error_in_document_order)
{
	expect_type_error("apps", "Deployment",
			  "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":2,\"c\":false}},"
			  "\"spec\":{\"replicas\":\"3\"}}",
			  "json: cannot unmarshal number into Go struct field "
			  "ObjectMeta.metadata.labels of type string");
	expect_type_error("apps", "Deployment",
			  "{\"spec\":{\"replicas\":\"3\"},\"metadata\":{\"labels\":{\"b\":2}}}",
			  "json: cannot unmarshal string into Go struct field "
			  "DeploymentSpec.spec.replicas of type int32");
	/* a duplicate key is decoded twice: the first copy counts */
	expect_type_error("", "Pod", "{\"spec\":{\"hostPID\":\"x\",\"hostPID\":1}}",
			  "json: cannot unmarshal string into Go struct field PodSpec.spec.hostPID "
			  "of type bool");
}

/* As in encoding/json: an error from a value's own UnmarshalJSON (IntOrString,
 * Time, Quantity) ends decoding and is returned instead of the first one. */
Test(schema_types, an_unmarshaler_error_ends_decoding_and_wins)
{
	expect_type_error("apps", "Deployment",
			  "{\"spec\":{\"replicas\":\"3\",\"strategy\":{\"rollingUpdate\":{"
			  "\"maxSurge\":1.5}},\"minReadySeconds\":\"x\"}}",
			  "json: cannot unmarshal number 1.5 into Go struct field "
			  "RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type "
			  "int32");
	expect_type_error("", "Pod",
			  "{\"metadata\":{\"labels\":{\"a\":1},\"creationTimestamp\":true},"
			  "\"spec\":{\"containers\":[{\"resources\":{\"limits\":{\"cpu\":[]}}}]}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "ObjectMeta.metadata.creationTimestamp of type string");
}

Test(schema_types, a_value_of_the_wrong_type_is_not_looked_into)
{
	/* encoding/json skips it: nothing inside is decoded */
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":{\"c\":{\"image\":5,\"ports\":[{"
			  "\"containerPort\":{}}]}}}}",
			  "json: cannot unmarshal object into Go struct field "
			  "PodSpec.spec.containers of type []v1.Container");
	expect_type_error(
		"", "Pod",
		"{\"spec\":[{\"containers\":[{\"resources\":{\"limits\":{\"cpu\":true}}}]}"
		"]}",
		"json: cannot unmarshal array into Go struct field Pod.spec of type "
		"v1.PodSpec");
	/* unknown fields are skipped whatever they hold */
	expect_types_ok("", "Pod",
			"{\"spec\":{\"containerz\":5,\"containers\":[{\"name\":\"c\",\"imagee\":"
			"{}}]},\"Metadata\":[1]}");
}

Test(schema_types, struct_names_and_inlined_fields)
{
	/* inlined fields belong to the outer struct (Probe, Volume, Pod's TypeMeta) */
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"name\":\"c\",\"livenessProbe\":{"
			  "\"httpGet\":\"/healthz\"}}]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "Probe.spec.containers.livenessProbe.httpGet of type v1.HTTPGetAction");
	expect_type_error(
		"", "Pod",
		"{\"spec\":{\"containers\":[{\"name\":\"c\",\"livenessProbe\":{"
		"\"httpGet\":{\"path\":1}}}]}}",
		"json: cannot unmarshal number into Go struct field "
		"HTTPGetAction.spec.containers.livenessProbe.httpGet.path of type string");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":true}]}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "Volume.spec.volumes.emptyDir of type v1.EmptyDirVolumeSource");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"d\",\"tty\":\"yes\"}]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "EphemeralContainer.spec.ephemeralContainers.tty of type bool");
	expect_type_error("", "Pod", "{\"apiVersion\":1}",
			  "json: cannot unmarshal number into Go struct field Pod.apiVersion of "
			  "type string");
	expect_type_error("networking.k8s.io", "Ingress",
			  "{\"spec\":{\"rules\":[{\"http\":{\"paths\":[{\"backend\":{\"service\":{"
			  "\"port\":{\"number\":\"80\"}}}}]}}]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "ServiceBackendPort.spec.rules.http.paths.backend.service.port.number of "
			  "type int32");
}

Test(schema_types, named_go_types)
{
	expect_type_error(
		"", "Pod",
		"{\"spec\":{\"containers\":[{\"name\":\"c\",\"ports\":[{\"protocol\":6}]}]}}",
		"json: cannot unmarshal number into Go struct field "
		"ContainerPort.spec.containers.ports.protocol of type v1.Protocol");
	expect_type_error(
		"", "Pod", "{\"metadata\":{\"uid\":1}}",
		"json: cannot unmarshal number into Go struct field ObjectMeta.metadata.uid "
		"of type types.UID");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"securityContext\":{\"capabilities\":{"
			  "\"drop\":\"ALL\"}}}]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "Capabilities.spec.containers.securityContext.capabilities.drop of type "
			  "[]v1.Capability");
	expect_type_error("", "Pod",
			  "{\"spec\":{\"containers\":[{\"securityContext\":{\"capabilities\":{"
			  "\"add\":[true]}}}]}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "Capabilities.spec.containers.securityContext.capabilities.add of type "
			  "v1.Capability");
	expect_type_error("", "Pod", "{\"spec\":{\"restartPolicy\":false}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "PodSpec.spec.restartPolicy of type v1.RestartPolicy");
	expect_type_error(
		"", "Service", "{\"spec\":{\"type\":0}}",
		"json: cannot unmarshal number into Go struct field ServiceSpec.spec.type "
		"of type v1.ServiceType");
	expect_type_error("", "Secret", "{\"type\":{}}",
			  "json: cannot unmarshal object into Go struct field Secret.type of type "
			  "v1.SecretType");
	expect_type_error("networking.k8s.io", "Ingress",
			  "{\"spec\":{\"rules\":[{\"http\":{\"paths\":[{\"pathType\":1}]}}]}}",
			  "json: cannot unmarshal number into Go struct field "
			  "HTTPIngressPath.spec.rules.http.paths.pathType of type v1.PathType");
	expect_type_error("batch", "CronJob", "{\"spec\":{\"concurrencyPolicy\":true}}",
			  "json: cannot unmarshal bool into Go struct field "
			  "CronJobSpec.spec.concurrencyPolicy of type v1.ConcurrencyPolicy");
}

Test(schema_types, base64_bytes)
{
	expect_types_ok("", "Secret",
			"{\"data\":{\"a\":\"bXlwYXNz\",\"b\":\"AA==\",\"c\":\"AAE=\",\"d\":\"\","
			"\"e\":\"bXlw\\nYXNz\\r\\n\"}}");
	expect_types_ok("", "ConfigMap",
			"{\"binaryData\":{\"b\":\"AAEC\"},\"data\":{\"x\":\"y\"}}");
	/* base64.CorruptInputError: saved like a type error, without context */
	expect_type_error("", "Secret", "{\"data\":{\"ok\":\"AA==\",\"password\":\"mypass\"}}",
			  "illegal base64 data at input byte 4");
	expect_type_error("", "Secret", "{\"data\":{\"p\":\"my pass\"}}",
			  "illegal base64 data at input byte 2");
	expect_type_error("", "Secret", "{\"data\":{\"p\":\"A===\"}}",
			  "illegal base64 data at input byte 1");
	expect_type_error("", "Secret", "{\"data\":{\"p\":\"AA=\"}}",
			  "illegal base64 data at input byte 3");
	expect_type_error("", "Secret", "{\"data\":{\"p\":\"AA==AA==\"}}",
			  "illegal base64 data at input byte 4");
	expect_type_error("", "Secret", "{\"data\":{\"p\":\"AAA=x\"}}",
			  "illegal base64 data at input byte 4");
	expect_type_error("", "Secret", "{\"data\":{\"p\":\"AAAAA\"}}",
			  "illegal base64 data at input byte 4");
	expect_type_error("", "ConfigMap", "{\"binaryData\":{\"b\":\"YWJj-\"}}",
			  "illegal base64 data at input byte 4");
	/* stringData is plain text */
	expect_types_ok("", "Secret", "{\"stringData\":{\"password\":\"my pass\"}}");
	expect_type_error("", "Secret", "{\"data\":{\"n\":1}}",
			  "json: cannot unmarshal number into Go struct field Secret.data of type "
			  "[]uint8");
	expect_type_error("", "ConfigMap", "{\"binaryData\":\"AA==\"}",
			  "json: cannot unmarshal string into Go struct field ConfigMap.binaryData "
			  "of type map[string][]uint8");
	expect_type_error(
		"", "ConfigMap", "{\"data\":{\"port\":8080}}",
		"json: cannot unmarshal number into Go struct field ConfigMap.data of type "
		"string");
}

Test(schema_types, free_form_objects_take_any_object)
{
	expect_types_ok("", "Pod",
			"{\"metadata\":{\"managedFields\":[{\"manager\":\"m\",\"fieldsV1\":{"
			"\"f:metadata\":{}},\"anything\":[1,true]}]},\"spec\":{\"volumes\":[{"
			"\"name\":\"v\",\"awsElasticBlockStore\":{\"volumeID\":1,\"x\":[]}}]}}");
	/* but the Go structs behind them take no other JSON type */
	expect_type_error(
		"", "Pod",
		"{\"spec\":{\"volumes\":[{\"name\":\"v\",\"gcePersistentDisk\":\"pd\"}]}}",
		"json: cannot unmarshal string into Go struct field "
		"Volume.spec.volumes.gcePersistentDisk of type "
		"v1.GCEPersistentDiskVolumeSource");
	expect_type_error("", "Pod", "{\"metadata\":{\"managedFields\":{}}}",
			  "json: cannot unmarshal object into Go struct field "
			  "ObjectMeta.metadata.managedFields of type []v1.ManagedFieldsEntry");
	expect_type_error("", "Pod", "{\"metadata\":{\"managedFields\":[\"x\"]}}",
			  "json: cannot unmarshal string into Go struct field "
			  "ObjectMeta.metadata.managedFields of type v1.ManagedFieldsEntry");
}

Test(schema_types, realistic_objects_have_no_type_errors)
{
	/* (the objects of schema_clean are checked with expect_clean_typed too) */
	expect_types_ok("", "Pod", POD);
	expect_types_ok("apps", "Deployment", DEPLOYMENT);
	expect_types_ok("", "Service", SERVICE);
	expect_types_ok("", "Node", NODE);
	expect_types_ok("", "Event", EVENT);
	expect_types_ok("networking.k8s.io", "Ingress", INGRESS);
}

Test(schema_types, contract)
{
	cube_autojson cJSON *o = parse("{\"spec\":{\"replicas\":\"3\"}}");
	char small[20];
	/* unknown kinds, non-objects: no error, an empty message */
	memset(small, 'x', sizeof(small));
	cr_expect_eq(api_schema_type_error("", "Widget", o, small, sizeof(small)), 0);
	cr_expect_str_empty(small);
	cr_expect_eq(api_schema_type_error(NULL, "Deployment", o, small, sizeof(small)), 0);
	cr_expect_eq(api_schema_type_error("apps", NULL, o, small, sizeof(small)), 0);
	cr_expect_eq(api_schema_type_error("apps", "Deployment", NULL, small, sizeof(small)), 0);
	cube_autojson cJSON *a = parse("[{\"spec\":{\"replicas\":\"3\"}}]");
	cr_expect_eq(api_schema_type_error("apps", "Deployment", a, small, sizeof(small)), 0);
	/* a short buffer gets the start of the message, NUL-terminated */
	cr_expect_eq(api_schema_type_error("apps", "Deployment", o, small, sizeof(small)), 1);
	cr_expect_str_eq(small, "json: cannot unmars");
	/* msg may be NULL, or of size 0 */
	cr_expect_eq(api_schema_type_error("apps", "Deployment", o, NULL, 0), 1);
	small[0] = 'x';
	cr_expect_eq(api_schema_type_error("apps", "Deployment", o, small, 0), 1);
	cr_expect_eq(small[0], 'x');
	/* map keys, however long, are not part of the path */
	char doc[1200];
	snprintf(doc, sizeof(doc), "{\"metadata\":{\"labels\":{\"%0900d\":1}}}", 0);
	cr_expect_eq(type_error("", "Pod", doc), 1);
	cr_expect_str_eq(msg, "json: cannot unmarshal number into Go struct field "
			      "ObjectMeta.metadata.labels of type string");
}

/* Every Go type override names a field of the type that declares it, and every
 * free-form field has its Go struct (or the type check would accept scalars). */
Test(schema_types, go_type_table_is_consistent)
{
	for (size_t i = 0; i < api_sgotypes_len; i++) {
		const api_sgotype *g = &api_sgotypes[i];
		cr_assert(g->type > 0 && g->type < api_stypes_len, "entry %zu: bad type", i);
		const api_stype *t = &api_stypes[g->type];
		const api_sfield *f = t->fields;
		while (f && f->name && strcmp(f->name, g->field))
			f++;
		cr_expect(f && f->name, "%s has no field %s", t->name ? t->name : "(inline)",
			  g->field);
		cr_expect(g->go && g->go[0], "%s: no Go type", g->field);
		if (f && f->name && g->whole)
			cr_expect_neq(f->shape, API_SS_ONE, "%s: a whole type for a single value",
				      g->field);
		for (size_t j = i + 1; j < api_sgotypes_len; j++)
			cr_expect(g->type != api_sgotypes[j].type ||
					  strcmp(g->field, api_sgotypes[j].field),
				  "%s listed twice", g->field);
	}
	for (size_t i = 1; i < api_stypes_len; i++)
		for (const api_sfield *f = api_stypes[i].fields; f && f->name; f++) {
			if (f->kind != API_SK_FREEFORM)
				continue;
			bool found = false;
			for (size_t j = 0; j < api_sgotypes_len; j++)
				if (api_sgotypes[j].type == i &&
				    !strcmp(api_sgotypes[j].field, f->name))
					found = true;
			cr_expect(found, "free-form field %s has no Go type", f->name);
		}
}

/* ---- OpenAPI: the root document ----------------------------------------------------------- */

static void gv_path_of(const api_resource *r, char *buf, size_t size)
{
	if (r->group[0])
		snprintf(buf, size, "apis/%s/%s", r->group, r->version);
	else
		snprintf(buf, size, "api/%s", r->version);
}

Test(openapi_root, lists_every_gv_with_its_hash)
{
	cube_autojson cJSON *root = api_openapi_root();
	cr_assert_not_null(root);
	cJSON *paths = cJSON_GetObjectItemCaseSensitive(root, "paths");
	cr_assert(cJSON_IsObject(paths));
	for (size_t i = 0; i < api_resources_len; i++) {
		char gv[128];
		gv_path_of(&api_resources[i], gv, sizeof(gv));
		cJSON *e = cJSON_GetObjectItemCaseSensitive(paths, gv);
		cr_assert_not_null(e, "root lacks %s", gv);
		const char *url = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(e, "serverRelativeURL"));
		cr_assert_not_null(url);
		const char *hash = api_openapi_hash(gv);
		cr_assert_not_null(hash);
		char want[512];
		snprintf(want, sizeof(want), "/openapi/v3/%s?hash=%s", gv, hash);
		cr_expect_str_eq(url, want);
	}
	cr_expect_eq(cJSON_GetArraySize(paths), 5);
}

Test(openapi_root, hash_is_the_sha512_of_the_document)
{
	const char *gvs[] = {"api/v1", "apis/apps/v1", "apis/batch/v1",
			     "apis/coordination.k8s.io/v1", "apis/networking.k8s.io/v1"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(gvs); i++) {
		const char *h = api_openapi_hash(gvs[i]);
		cr_assert_not_null(h);
		cr_assert_eq(strlen(h), 128);
		for (const char *p = h; *p; p++)
			cr_expect((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F'));
		cube_autojson cJSON *doc = api_openapi_gv(gvs[i]);
		cube_autofree char *text = cJSON_PrintUnformatted(doc);
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int len;
		cr_assert(EVP_Digest(text, strlen(text), md, &len, EVP_sha512(), NULL));
		char hex[129];
		for (unsigned int j = 0; j < len; j++)
			snprintf(hex + 2 * j, 3, "%02X", md[j]);
		cr_expect_str_eq(h, hex, "%s", gvs[i]);
		cr_expect_eq(api_openapi_hash(gvs[i]), h, "the hash is computed once");
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(h, api_openapi_hash(gvs[j]));
	}
	cr_expect_str_eq(api_openapi_hash("/api/v1"), api_openapi_hash("api/v1"));
	cr_expect_null(api_openapi_hash("apis/extensions/v1beta1"));
	cr_expect_null(api_openapi_hash(NULL));
}

static void *hash_thread(void *arg)
{
	(void)arg;
	return (void *)api_openapi_hash("apis/apps/v1");
}

Test(openapi_root, hash_from_many_threads)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, hash_thread, NULL), 0);
	void *first = NULL;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		cr_assert_not_null(r);
		if (!first)
			first = r;
		cr_expect_eq(r, first);
	}
}

/* ---- OpenAPI: group-version documents ---------------------------------------------------- */

Test(openapi_gv, unknown_and_malformed_paths)
{
	cr_expect_null(api_openapi_gv("apis/extensions/v1beta1"));
	cr_expect_null(api_openapi_gv("api/v2"));
	cr_expect_null(api_openapi_gv("apis/apps"));
	cr_expect_null(api_openapi_gv("apis//v1"));
	cr_expect_null(api_openapi_gv("apis/apps/v1/x"));
	cr_expect_null(api_openapi_gv("v1"));
	cr_expect_null(api_openapi_gv(""));
	cr_expect_null(api_openapi_gv(NULL));
	cube_autojson cJSON *a = api_openapi_gv("/api/v1");
	cr_expect_not_null(a);
}

Test(openapi_gv, deterministic_and_reparsable)
{
	cube_autojson cJSON *a = api_openapi_gv("api/v1");
	cube_autojson cJSON *b = api_openapi_gv("api/v1");
	cr_assert_not_null(a);
	cube_autofree char *ta = cJSON_PrintUnformatted(a);
	cube_autofree char *tb = cJSON_PrintUnformatted(b);
	cr_expect_str_eq(ta, tb);
	cube_autojson cJSON *c = cJSON_Parse(ta);
	cr_assert_not_null(c);
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "openapi")),
			 "3.0.0");
	cJSON *info = cJSON_GetObjectItemCaseSensitive(c, "info");
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, "title")),
			 "Kubernetes");
}

static bool gvk_is(const cJSON *gvk, const char *group, const char *version, const char *kind)
{
	return cJSON_IsObject(gvk) &&
	       !strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gvk, "group")) ?: "?",
		       group) &&
	       !strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gvk, "version"))
			       ?: "?",
		       version) &&
	       !strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(gvk, "kind")) ?: "?",
		       kind);
}

/* cli-runtime's query_param_verifier_v3: any path whose PATCH operation has
 * the GVK must list the query parameter (the first such path decides, and Go
 * visits them in random order, so all of them must). */
static int patch_ops_with_param(const cJSON *doc, const char *group, const char *version,
				const char *kind, const char *param, bool *all_have)
{
	int n = 0;
	*all_have = true;
	const cJSON *item;
	cJSON_ArrayForEach (item, cJSON_GetObjectItemCaseSensitive(doc, "paths")) {
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(item, "patch");
		if (!op ||
		    !gvk_is(cJSON_GetObjectItemCaseSensitive(op, "x-kubernetes-group-version-kind"),
			    group, version, kind))
			continue;
		n++;
		bool has = false;
		const cJSON *p;
		cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(op, "parameters")) {
			if (!strcmp(cJSON_GetStringValue(
					    cJSON_GetObjectItemCaseSensitive(p, "name"))
					    ?: "",
				    param) &&
			    !strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "in"))
					    ?: "",
				    "query"))
				has = true;
		}
		if (!has)
			*all_have = false;
		/* kubectl apply computes its patch from openapi v3 when the PATCH
		 * body takes a strategic merge patch */
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(op, "requestBody"), "content");
		cr_expect_not_null(cJSON_GetObjectItemCaseSensitive(
			content, "application/strategic-merge-patch+json"));
	}
	return n;
}

Test(openapi_gv, every_kind_has_a_patch_with_field_validation)
{
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		char gv[128];
		gv_path_of(r, gv, sizeof(gv));
		cube_autojson cJSON *doc = api_openapi_gv(gv);
		cr_assert_not_null(doc, "%s", gv);
		bool all;
		int n = patch_ops_with_param(doc, r->group, r->version, r->kind, "fieldValidation",
					     &all);
		cr_expect_geq(n, 1, "no PATCH for %s", r->kind);
		cr_expect(all, "a PATCH of %s lacks fieldValidation", r->kind);
		patch_ops_with_param(doc, r->group, r->version, r->kind, "dryRun", &all);
		cr_expect(all);
		patch_ops_with_param(doc, r->group, r->version, r->kind, "fieldManager", &all);
		cr_expect(all);
		if (r->scale) {
			n = patch_ops_with_param(doc, "autoscaling", "v1", "Scale",
						 "fieldValidation", &all);
			cr_expect_geq(n, 1);
			cr_expect(all);
		}
	}
}

static void check_refs(const cJSON *node, const cJSON *schemas, const char *gv, int *count)
{
	const cJSON *c;
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		cJSON_ArrayForEach (c, node) {
			if (c->string && !strcmp(c->string, "$ref")) {
				const char *ref = cJSON_GetStringValue(c);
				cr_assert_not_null(ref);
				cr_assert(!strncmp(ref, "#/components/schemas/", 21), "%s", ref);
				cr_expect_not_null(
					cJSON_GetObjectItemCaseSensitive(schemas, ref + 21),
					"%s: dangling $ref %s", gv, ref);
				(*count)++;
			} else {
				check_refs(c, schemas, gv, count);
			}
		}
	}
}

Test(openapi_gv, every_ref_resolves)
{
	cube_autojson cJSON *root = api_openapi_root();
	const cJSON *e;
	cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(root, "paths")) {
		cube_autojson cJSON *doc = api_openapi_gv(e->string);
		cr_assert_not_null(doc);
		const cJSON *schemas = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas");
		cr_assert(cJSON_IsObject(schemas));
		int count = 0;
		check_refs(doc, schemas, e->string, &count);
		cr_expect_gt(count, 10, "%s has only %d refs", e->string, count);
		/* and no schema is emitted that nothing needs: each one is a kind,
		 * a list, or referenced */
		cube_autofree char *text = cJSON_PrintUnformatted(doc);
		const cJSON *s;
		cJSON_ArrayForEach (s, schemas) {
			char ref[300];
			snprintf(ref, sizeof(ref), "\"#/components/schemas/%s\"", s->string);
			cr_expect(strstr(text, ref) ||
					  cJSON_GetObjectItemCaseSensitive(
						  s, "x-kubernetes-group-version-kind"),
				  "%s: unreferenced schema %s", e->string, s->string);
		}
	}
}

static const cJSON *schema_named(const cJSON *doc, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas"),
		name);
}

static bool string_in(const cJSON *arr, const char *s)
{
	const cJSON *e;
	cJSON_ArrayForEach (e, arr) {
		if (cJSON_IsString(e) && !strcmp(e->valuestring, s))
			return true;
	}
	return false;
}

Test(openapi_gv, kinds_required_fields_and_lists)
{
	cube_autojson cJSON *doc = api_openapi_gv("api/v1");
	const cJSON *pod = schema_named(doc, "io.k8s.api.core.v1.Pod");
	cr_assert_not_null(pod);
	const cJSON *gvks =
		cJSON_GetObjectItemCaseSensitive(pod, "x-kubernetes-group-version-kind");
	cr_assert(cJSON_IsArray(gvks));
	cr_expect(gvk_is(cJSON_GetArrayItem(gvks, 0), "", "v1", "Pod"));
	cr_expect_not_null(cJSON_GetObjectItemCaseSensitive(pod, "description"));
	cr_expect(string_in(cJSON_GetObjectItemCaseSensitive(
				    schema_named(doc, "io.k8s.api.core.v1.PodSpec"), "required"),
			    "containers"));
	cr_expect(string_in(cJSON_GetObjectItemCaseSensitive(
				    schema_named(doc, "io.k8s.api.core.v1.Container"), "required"),
			    "name"));
	cr_expect(string_in(
		cJSON_GetObjectItemCaseSensitive(
			schema_named(doc, "io.k8s.api.core.v1.EphemeralContainer"), "required"),
		"name"));
	const cJSON *list = schema_named(doc, "io.k8s.api.core.v1.PodList");
	cr_assert_not_null(list);
	cr_expect(gvk_is(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
						    list, "x-kubernetes-group-version-kind"),
					    0),
			 "", "v1", "PodList"));
	cr_expect_not_null(schema_named(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
	cr_expect_not_null(schema_named(doc, "io.k8s.apimachinery.pkg.api.resource.Quantity"));
	cr_expect_not_null(schema_named(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
	cr_expect_null(schema_named(doc, "io.k8s.api.apps.v1.Deployment"));
	cr_expect_null(schema_named(doc, "io.k8s.api.autoscaling.v1.Scale"));

	cube_autojson cJSON *apps = api_openapi_gv("apis/apps/v1");
	cr_expect_not_null(schema_named(apps, "io.k8s.api.apps.v1.DeploymentList"));
	cr_expect_not_null(schema_named(apps, "io.k8s.api.autoscaling.v1.Scale"));
	cr_expect_not_null(schema_named(apps, "io.k8s.api.core.v1.PodSpec"));
	cr_expect_null(schema_named(apps, "io.k8s.api.core.v1.Node"));
}

Test(openapi_gv, paths_and_subresources)
{
	cube_autojson cJSON *core = api_openapi_gv("api/v1");
	const cJSON *paths = cJSON_GetObjectItemCaseSensitive(core, "paths");
	const char *want[] = {"/api/v1/namespaces/{namespace}/pods",
			      "/api/v1/namespaces/{namespace}/pods/{name}",
			      "/api/v1/namespaces/{namespace}/pods/{name}/status",
			      "/api/v1/pods",
			      "/api/v1/nodes",
			      "/api/v1/nodes/{name}",
			      "/api/v1/nodes/{name}/status",
			      "/api/v1/namespaces",
			      "/api/v1/namespaces/{name}/status"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(want); i++)
		cr_expect_not_null(cJSON_GetObjectItemCaseSensitive(paths, want[i]), "%s", want[i]);
	cr_expect_null(cJSON_GetObjectItemCaseSensitive(paths, "/api/v1/nodes/{name}/scale"));
	cr_expect_null(cJSON_GetObjectItemCaseSensitive(
		paths, "/api/v1/namespaces/{namespace}/configmaps/{name}/status"));

	const cJSON *item = cJSON_GetObjectItemCaseSensitive(
		paths, "/api/v1/namespaces/{namespace}/pods/{name}");
	const char *methods[] = {"get", "put", "patch", "delete"};
	const char *actions[] = {"get", "put", "patch", "delete"};
	for (size_t i = 0; i < 4; i++) {
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(item, methods[i]);
		cr_assert_not_null(op, "%s", methods[i]);
		cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
					 op, "x-kubernetes-action")),
				 actions[i]);
		cr_expect(gvk_is(
			cJSON_GetObjectItemCaseSensitive(op, "x-kubernetes-group-version-kind"), "",
			"v1", "Pod"));
	}
	const cJSON *patch = cJSON_GetObjectItemCaseSensitive(item, "patch");
	cr_expect_str_eq(
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(patch, "operationId")),
		"patchCoreV1NamespacedPod");
	const cJSON *coll =
		cJSON_GetObjectItemCaseSensitive(paths, "/api/v1/namespaces/{namespace}/pods");
	cr_expect_str_eq(
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(coll, "get"), "x-kubernetes-action")),
		"list");
	cr_expect_str_eq(
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(coll, "post"), "x-kubernetes-action")),
		"post");
	/* path-level parameters: the namespace, the name, pretty */
	int nparams = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(item, "parameters"));
	cr_expect_eq(nparams, 3);

	cube_autojson cJSON *apps = api_openapi_gv("apis/apps/v1");
	const cJSON *scale = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(apps, "paths"),
		"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale");
	cr_assert_not_null(scale);
	cr_expect(gvk_is(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(scale, "patch"),
						 "x-kubernetes-group-version-kind"),
		"autoscaling", "v1", "Scale"));
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(scale, "get"), "operationId")),
			 "readAppsV1NamespacedDeploymentScale");
	cube_autojson cJSON *coord = api_openapi_gv("apis/coordination.k8s.io/v1");
	cr_expect_not_null(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(coord, "paths"),
			"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"),
		"patch"));
}

/* Resolves a property schema the way kubectl does (allOf[0], then $ref). */
static const cJSON *resolve(const cJSON *doc, const cJSON *s)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(s, "allOf");
	if (cJSON_IsArray(all))
		s = cJSON_GetArrayItem(all, 0);
	const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "$ref"));
	if (ref) {
		cr_assert(!strncmp(ref, "#/components/schemas/", 21));
		s = schema_named(doc, ref + 21);
		cr_assert_not_null(s, "%s", ref);
	}
	return s;
}

static const cJSON *prop(const cJSON *doc, const cJSON *s, const char *name)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(resolve(doc, s), "properties"), name);
	cr_assert_not_null(p, "no property %s", name);
	return p;
}

static const char *ext(const cJSON *s, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, name));
}

/* kubectl apply's PatchMetaFromOpenAPIV3: the strategy and merge key sit on
 * the property; the element schema is items, resolved. */
Test(openapi_gv, patch_merge_keys_for_kubectl_apply)
{
	cube_autojson cJSON *doc = api_openapi_gv("apis/apps/v1");
	const cJSON *dep = schema_named(doc, "io.k8s.api.apps.v1.Deployment");
	const cJSON *podspec = prop(doc, prop(doc, prop(doc, dep, "spec"), "template"), "spec");
	const cJSON *containers = prop(doc, podspec, "containers");
	cr_expect_str_eq(ext(containers, "x-kubernetes-patch-strategy"), "merge");
	cr_expect_str_eq(ext(containers, "x-kubernetes-patch-merge-key"), "name");
	const cJSON *volumes = prop(doc, podspec, "volumes");
	cr_expect_str_eq(ext(volumes, "x-kubernetes-patch-strategy"), "merge,retainKeys");
	cr_expect_str_eq(ext(volumes, "x-kubernetes-patch-merge-key"), "name");
	const cJSON *container =
		resolve(doc, cJSON_GetObjectItemCaseSensitive(containers, "items"));
	cr_expect_str_eq(ext(prop(doc, container, "ports"), "x-kubernetes-patch-merge-key"),
			 "containerPort");
	cr_expect_str_eq(ext(prop(doc, container, "env"), "x-kubernetes-patch-merge-key"), "name");
	cr_expect_str_eq(ext(prop(doc, container, "volumeMounts"), "x-kubernetes-patch-merge-key"),
			 "mountPath");
	cr_expect_null(ext(prop(doc, container, "args"), "x-kubernetes-patch-strategy"));
	cr_expect_str_eq(
		ext(prop(doc, prop(doc, dep, "spec"), "strategy"), "x-kubernetes-patch-strategy"),
		"retainKeys");
	const cJSON *meta = prop(doc, dep, "metadata");
	cr_expect_str_eq(ext(prop(doc, meta, "ownerReferences"), "x-kubernetes-patch-merge-key"),
			 "uid");
	cr_expect_str_eq(ext(prop(doc, meta, "finalizers"), "x-kubernetes-patch-strategy"),
			 "merge");
	cube_autojson cJSON *core = api_openapi_gv("api/v1");
	const cJSON *svc = schema_named(core, "io.k8s.api.core.v1.Service");
	cr_expect_str_eq(
		ext(prop(core, prop(core, svc, "spec"), "ports"), "x-kubernetes-patch-merge-key"),
		"port");
}

/* kubectl explain pod.spec.containers (plaintext.tmpl): the GVK comes from an
 * operation of the resource's path, the schema is the one carrying that GVK
 * in its x-kubernetes-group-version-kind list, and fields are followed
 * through allOf/$ref and array items. */
Test(openapi_gv, explain_pod_spec_containers)
{
	cube_autojson cJSON *doc = api_openapi_gv("api/v1");
	const cJSON *item =
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "paths"),
						 "/api/v1/namespaces/{namespace}/pods");
	const cJSON *gvk = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(item, "get"), "x-kubernetes-group-version-kind");
	cr_assert(gvk_is(gvk, "", "v1", "Pod"));
	const cJSON *found = NULL, *s;
	cJSON_ArrayForEach (
		s, cJSON_GetObjectItemCaseSensitive(
			   cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas")) {
		const cJSON *l =
			cJSON_GetObjectItemCaseSensitive(s, "x-kubernetes-group-version-kind");
		const cJSON *e;
		cJSON_ArrayForEach (e, l) {
			if (cJSON_Compare(e, gvk, true))
				found = s;
		}
	}
	cr_assert_not_null(found, "no schema carries the Pod GVK");
	const cJSON *containers = prop(doc, prop(doc, found, "spec"), "containers");
	cr_expect_str_eq(ext(containers, "type"), "array");
	cr_expect_not_null(ext(containers, "description"));
	const cJSON *c = resolve(doc, cJSON_GetObjectItemCaseSensitive(containers, "items"));
	cr_expect_str_eq(ext(c, "description"),
			 "A single application container that you want to run within a pod.");
	cr_expect_str_eq(ext(prop(doc, c, "image"), "type"), "string");
	const cJSON *port = prop(doc, prop(doc, prop(doc, c, "livenessProbe"), "httpGet"), "port");
	const cJSON *ios = resolve(doc, port);
	cr_expect_str_eq(ext(ios, "format"), "int-or-string");
	cr_expect_null(cJSON_GetObjectItemCaseSensitive(ios, "type"),
		       "explain prints <IntOrString> only for a type-less schema");
	const cJSON *limits = prop(doc, prop(doc, c, "resources"), "limits");
	cr_expect_str_eq(ext(limits, "type"), "object");
	cr_expect_not_null(
		resolve(doc, cJSON_GetObjectItemCaseSensitive(limits, "additionalProperties")));
	const cJSON *ts =
		resolve(doc, prop(doc, prop(doc, found, "metadata"), "creationTimestamp"));
	cr_expect_str_eq(ext(ts, "type"), "string");
	cr_expect_str_eq(ext(ts, "format"), "date-time");
}

Test(openapi_gv, parameters_are_well_formed)
{
	cube_autojson cJSON *doc = api_openapi_gv("apis/batch/v1");
	const cJSON *item;
	int ops = 0;
	cJSON_ArrayForEach (item, cJSON_GetObjectItemCaseSensitive(doc, "paths")) {
		const cJSON *op;
		cJSON_ArrayForEach (op, item) {
			const cJSON *params =
				!strcmp(op->string, "parameters")
					? op
					: cJSON_GetObjectItemCaseSensitive(op, "parameters");
			const cJSON *p;
			cJSON_ArrayForEach (p, params) {
				const char *in = ext(p, "in");
				cr_assert_not_null(ext(p, "name"));
				cr_assert(in && (!strcmp(in, "query") || !strcmp(in, "path")));
				if (!strcmp(in, "path"))
					cr_expect(cJSON_IsTrue(
						cJSON_GetObjectItemCaseSensitive(p, "required")));
				cr_expect_not_null(
					ext(cJSON_GetObjectItemCaseSensitive(p, "schema"), "type"));
			}
			if (strcmp(op->string, "parameters")) {
				ops++;
				cr_expect_not_null(ext(op, "operationId"));
				cr_expect_not_null(cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(op, "responses"), "200"));
			}
		}
	}
	/* jobs: 3 collection + 4 item + 3 status + 1 all-namespaces; cronjobs the same */
	cr_expect_eq(ops, 22);
}
