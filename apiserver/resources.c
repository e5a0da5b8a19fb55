/* resources.c - the resource table (see resources.h) and lookups over it.
 * Names, short names, categories and field-selector fields follow Kubernetes
 * v1.32 so that discovery reads the same to kubectl as a real cluster's. */
#include "resources.h"

#include <stdio.h>
#include <string.h>

static const char *const pod_fields[] = {"spec.nodeName",
					 "spec.restartPolicy",
					 "spec.schedulerName",
					 "spec.serviceAccountName",
					 "spec.hostNetwork",
					 "status.phase",
					 "status.podIP",
					 "status.nominatedNodeName",
					 NULL};
static const char *const event_fields[] = {"involvedObject.kind",
					   "involvedObject.namespace",
					   "involvedObject.name",
					   "involvedObject.uid",
					   "involvedObject.apiVersion",
					   "involvedObject.resourceVersion",
					   "involvedObject.fieldPath",
					   "reason",
					   "reportingComponent",
					   "source",
					   "type",
					   NULL};
static const char *const node_fields[] = {"spec.unschedulable", NULL};
static const char *const secret_fields[] = {"type", NULL};
static const char *const ns_fields[] = {"status.phase", NULL};
static const char *const rs_fields[] = {"status.replicas", NULL};
static const char *const job_fields[] = {"status.successful", NULL};
static const char *const svc_fields[] = {"spec.clusterIP", "spec.type", NULL};

#define CORE "", "v1"
#define APPS "apps", "v1"
#define BATCH "batch", "v1"

const api_resource api_resources[] = {
	{CORE,
	 "pods",
	 "pod",
	 "Pod",
	 "PodList",
	 true,
	 {"po"},
	 .in_all = true,
	 .status = true,
	 .graceful = true,
	 .fields = pod_fields},
	{CORE,
	 "services",
	 "service",
	 "Service",
	 "ServiceList",
	 true,
	 {"svc"},
	 .in_all = true,
	 .status = true,
	 .name_rule = NAME_LABEL_1035,
	 .fields = svc_fields},
	{CORE,
	 "endpoints",
	 "endpoints",
	 "Endpoints",
	 "EndpointsList",
	 true,
	 {"ep"},
	 .in_all = false},
	{CORE,
	 "configmaps",
	 "configmap",
	 "ConfigMap",
	 "ConfigMapList",
	 true,
	 {"cm"},
	 .in_all = false},
	{CORE, "secrets", "secret", "Secret", "SecretList", true, {0}, .fields = secret_fields},
	{CORE,
	 "events",
	 "event",
	 "Event",
	 "EventList",
	 true,
	 {"ev"},
	 .name_rule = NAME_PATH,
	 .ttl_seconds = 3600,
	 .fields = event_fields},
	{CORE,
	 "namespaces",
	 "namespace",
	 "Namespace",
	 "NamespaceList",
	 false,
	 {"ns"},
	 .status = true,
	 .name_rule = NAME_LABEL,
	 .fields = ns_fields},
	{CORE,
	 "nodes",
	 "node",
	 "Node",
	 "NodeList",
	 false,
	 {"no"},
	 .status = true,
	 .fields = node_fields},
	{CORE,
	 "serviceaccounts",
	 "serviceaccount",
	 "ServiceAccount",
	 "ServiceAccountList",
	 true,
	 {"sa"},
	 .in_all = false},
	{APPS,
	 "deployments",
	 "deployment",
	 "Deployment",
	 "DeploymentList",
	 true,
	 {"deploy"},
	 .in_all = true,
	 .status = true,
	 .scale = true,
	 .generation = true},
	{APPS,
	 "replicasets",
	 "replicaset",
	 "ReplicaSet",
	 "ReplicaSetList",
	 true,
	 {"rs"},
	 .in_all = true,
	 .status = true,
	 .scale = true,
	 .generation = true,
	 .fields = rs_fields},
	{APPS,
	 "daemonsets",
	 "daemonset",
	 "DaemonSet",
	 "DaemonSetList",
	 true,
	 {"ds"},
	 .in_all = true,
	 .status = true,
	 .generation = true},
	{APPS,
	 "statefulsets",
	 "statefulset",
	 "StatefulSet",
	 "StatefulSetList",
	 true,
	 {"sts"},
	 .in_all = true,
	 .status = true,
	 .scale = true,
	 .generation = true},
	{BATCH,
	 "jobs",
	 "job",
	 "Job",
	 "JobList",
	 true,
	 {0},
	 .in_all = true,
	 .status = true,
	 .generation = true,
	 .fields = job_fields},
	{BATCH,
	 "cronjobs",
	 "cronjob",
	 "CronJob",
	 "CronJobList",
	 true,
	 {"cj"},
	 .in_all = true,
	 .status = true,
	 .generation = true},
	{"coordination.k8s.io",
	 "v1",
	 "leases",
	 "lease",
	 "Lease",
	 "LeaseList",
	 true,
	 {0},
	 .name_rule = NAME_PATH},
	{"networking.k8s.io",
	 "v1",
	 "ingresses",
	 "ingress",
	 "Ingress",
	 "IngressList",
	 true,
	 {"ing"},
	 .status = true,
	 .generation = true},
};

const size_t api_resources_len = sizeof(api_resources) / sizeof(api_resources[0]);

const api_resource *api_resource_find(const char *group, const char *version, const char *plural)
{
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		if (!strcmp(r->group, group) && !strcmp(r->version, version) &&
		    !strcmp(r->plural, plural))
			return r;
	}
	return NULL;
}

const api_resource *api_resource_by_kind(const char *group, const char *kind)
{
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		if (!strcmp(r->group, group) && !strcmp(r->kind, kind))
			return r;
	}
	return NULL;
}

bool api_resource_field_ok(const api_resource *r, const char *field)
{
	if (!strcmp(field, "metadata.name") ||
	    (r->namespaced && !strcmp(field, "metadata.namespace")))
		return true;
	for (const char *const *f = r->fields; f && *f; f++)
		if (!strcmp(*f, field))
			return true;
	return false;
}

const char *api_resource_qualified(const api_resource *r, char *buf, size_t size)
{
	if (r->group[0])
		snprintf(buf, size, "%s.%s", r->plural, r->group);
	else
		snprintf(buf, size, "%s", r->plural);
	return buf;
}

const char *api_resource_gv(const api_resource *r, char *buf, size_t size)
{
	if (r->group[0])
		snprintf(buf, size, "%s/%s", r->group, r->version);
	else
		snprintf(buf, size, "%s", r->version);
	return buf;
}
