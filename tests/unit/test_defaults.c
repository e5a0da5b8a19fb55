/* test_defaults.c - api_default() against Kubernetes v1.32's defaulting.
 *
 * Each test defaults a realistic object (single-quoted JSON turned into JSON
 * by q()) and checks the members Kubernetes would fill in, by path: the path
 * is a list of keys and array indices separated by spaces ("spec containers
 * 0 imagePullPolicy"), since label keys contain dots and slashes.  Expected
 * subtrees are compared as JSON.  The idempotence tests default twice and
 * compare with defaulting once.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/defaults.h"
#include "apiserver/resources.h"

static char *q(const char *s)
{
	char *d = strdup(s);
	cr_assert_not_null(d);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static cJSON *parse(const char *single_quoted)
{
	char *s = q(single_quoted);
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad test JSON: %s", s);
	free(s);
	return o;
}

static const api_resource *res(const char *plural)
{
	for (size_t i = 0; i < api_resources_len; i++)
		if (!strcmp(api_resources[i].plural, plural))
			return &api_resources[i];
	cr_assert_fail("no resource %s", plural);
	return NULL;
}

/* The object after api_default(); the caller deletes it. */
static cJSON *defaulted(const char *plural, const char *obj)
{
	cJSON *o = parse(obj);
	cr_assert_eq(api_default(res(plural), o), 0);
	return o;
}

/* The member at a space-separated path of keys and indices, or NULL. */
static const cJSON *at(const cJSON *o, const char *path)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *k = strtok_r(buf, " ", &save); k && o; k = strtok_r(NULL, " ", &save)) {
		if (cJSON_IsArray(o))
			o = cJSON_GetArrayItem(o, atoi(k));
		else
			o = cJSON_GetObjectItemCaseSensitive(o, k);
	}
	return o;
}

/* The subtree at path must equal want (single-quoted JSON). */
static void expect_json(const cJSON *o, const char *path, const char *want)
{
	cJSON *w = parse(want);
	const cJSON *got = at(o, path);
	char *gs = got ? cJSON_PrintUnformatted(got) : NULL;
	cr_expect(got && cJSON_Compare(got, w, true), "%s: got %s, want %s", path,
		  gs ? gs : "(absent)", want);
	free(gs);
	cJSON_Delete(w);
}

static void expect_absent(const cJSON *o, const char *path)
{
	const cJSON *got = at(o, path);
	char *gs = got ? cJSON_PrintUnformatted(got) : NULL;
	cr_expect_null(got, "%s: want absent, got %s", path, gs ? gs : "");
	free(gs);
}

/* Defaulting a defaulted object changes nothing. */
static void expect_idempotent(const char *plural, const char *obj)
{
	cJSON *once = defaulted(plural, obj);
	cJSON *twice = cJSON_Duplicate(once, true);
	cr_assert_not_null(twice);
	cr_assert_eq(api_default(res(plural), twice), 0);
	char *a = cJSON_PrintUnformatted(once), *b = cJSON_PrintUnformatted(twice);
	cr_expect_str_eq(b, a, "%s: second pass changed the object", plural);
	free(a);
	free(b);
	cJSON_Delete(once);
	cJSON_Delete(twice);
}

#define NSMETA(name) "'metadata':{'name':'" name "','namespace':'default'}"
#define POD(spec) "{'apiVersion':'v1','kind':'Pod'," NSMETA("web") ",'spec':" spec "}"
#define CTR(extra) "{'name':'app','image':'nginx:1.27'" extra "}"
#define POD1(extra) POD("{'containers':[" CTR(extra) "]}")
#define TEMPLATE "{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[" CTR("") "]}}"

/* ---- pods and their containers -------------------------------------------------------------- */

Test(defaults, pod_spec_fields)
{
	cJSON *o = defaulted("pods", POD1(""));
	expect_json(o, "spec dnsPolicy", "'ClusterFirst'");
	expect_json(o, "spec restartPolicy", "'Always'");
	expect_json(o, "spec securityContext", "{}");
	expect_json(o, "spec terminationGracePeriodSeconds", "30");
	expect_json(o, "spec schedulerName", "'default-scheduler'");
	expect_json(o, "spec enableServiceLinks", "true");
	cJSON_Delete(o);
}

Test(defaults, pod_keeps_values_that_are_set)
{
	cJSON *o = defaulted("pods", POD("{'dnsPolicy':'Default','restartPolicy':'Never',"
					 "'terminationGracePeriodSeconds':0,'schedulerName':'mine',"
					 "'enableServiceLinks':false,'containers':[" CTR("") "]}"));
	expect_json(o, "spec dnsPolicy", "'Default'");
	expect_json(o, "spec restartPolicy", "'Never'");
	expect_json(o, "spec terminationGracePeriodSeconds", "0");
	expect_json(o, "spec schedulerName", "'mine'");
	expect_json(o, "spec enableServiceLinks", "false");
	cJSON_Delete(o);
}

Test(defaults, pod_negative_grace_period_reads_as_one)
{
	cJSON *o = defaulted(
		"pods", POD("{'terminationGracePeriodSeconds':-10,'containers':[" CTR("") "]}"));
	expect_json(o, "spec terminationGracePeriodSeconds", "1");
	cJSON_Delete(o);
}

Test(defaults, container_fields)
{
	cJSON *o = defaulted("pods", POD1(""));
	expect_json(o, "spec containers 0 imagePullPolicy", "'IfNotPresent'");
	expect_json(o, "spec containers 0 terminationMessagePath", "'/dev/termination-log'");
	expect_json(o, "spec containers 0 terminationMessagePolicy", "'File'");
	expect_json(o, "spec containers 0 resources", "{}");
	cJSON_Delete(o);
}

Test(defaults, image_pull_policy_follows_the_tag)
{
	cJSON *o =
		defaulted("pods", POD("{'containers':[{'name':'a','image':'nginx'},{'name':'b','"
				      "image':'nginx:latest'},"
				      "{'name':'c','image':'registry.local:5000/team/app:v2'},"
				      "{'name':'d','image':'registry.local:5000/app'},"
				      "{'name':'e','image':'nginx@sha256:abcd'},"
				      "{'name':'f','image':'nginx','imagePullPolicy':'Never'}]}"));
	expect_json(o, "spec containers 0 imagePullPolicy", "'Always'");
	expect_json(o, "spec containers 1 imagePullPolicy", "'Always'");
	expect_json(o, "spec containers 2 imagePullPolicy", "'IfNotPresent'");
	expect_json(o, "spec containers 3 imagePullPolicy", "'Always'");
	expect_json(o, "spec containers 4 imagePullPolicy", "'IfNotPresent'");
	expect_json(o, "spec containers 5 imagePullPolicy", "'Never'");
	cJSON_Delete(o);
}

Test(defaults, container_port_protocol)
{
	cJSON *o = defaulted("pods", POD1(",'ports':[{'containerPort':80},"
					  "{'containerPort':53,'protocol':'UDP'}]"));
	expect_json(o, "spec containers 0 ports",
		    "[{'containerPort':80,'protocol':'TCP'},"
		    "{'containerPort':53,'protocol':'UDP'}]");
	expect_absent(o, "spec containers 0 ports 0 hostPort");
	cJSON_Delete(o);
}

Test(defaults, probes_and_http_get)
{
	cJSON *o = defaulted("pods",
			     POD1(",'livenessProbe':{'httpGet':{'port':8080}},"
				  "'readinessProbe':{'tcpSocket':{'port':80},'periodSeconds':5}"));
	expect_json(o, "spec containers 0 livenessProbe",
		    "{'httpGet':{'port':8080,'path':'/','scheme':'HTTP'},'timeoutSeconds':1,"
		    "'periodSeconds':10,'successThreshold':1,'failureThreshold':3}");
	expect_json(o, "spec containers 0 readinessProbe periodSeconds", "5");
	expect_json(o, "spec containers 0 readinessProbe timeoutSeconds", "1");
	cJSON_Delete(o);
}

Test(defaults, lifecycle_http_get)
{
	cJSON *o = defaulted("pods", POD1(",'lifecycle':{'preStop':{'httpGet':{'port':80,"
					  "'path':'/quit'}}}"));
	expect_json(o, "spec containers 0 lifecycle preStop httpGet",
		    "{'port':80,'path':'/quit','scheme':'HTTP'}");
	cJSON_Delete(o);
}

Test(defaults, env_field_ref_api_version)
{
	cJSON *o = defaulted("pods", POD1(",'env':[{'name':'NODE','valueFrom':{'fieldRef':{"
					  "'fieldPath':'spec.nodeName'}}}]"));
	expect_json(o, "spec containers 0 env 0 valueFrom fieldRef",
		    "{'fieldPath':'spec.nodeName','apiVersion':'v1'}");
	cJSON_Delete(o);
}

Test(defaults, init_containers_defaulted_too)
{
	cJSON *o = defaulted("pods", POD("{'initContainers':[{'name':'init','image':'busybox'}],"
					 "'containers':[" CTR("") "]}"));
	expect_json(o, "spec initContainers 0 imagePullPolicy", "'Always'");
	expect_json(o, "spec initContainers 0 terminationMessagePolicy", "'File'");
	cJSON_Delete(o);
}

Test(defaults, volumes)
{
	cJSON *o = defaulted(
		"pods",
		POD("{'containers':[" CTR(
			"") "],'volumes':[{'name':'scratch'},"
			    "{'name':'cfg','configMap':{'name':'app'}},{'name':'tls','secret':{'"
			    "secretName':'t'}},"
			    "{'name':'host','hostPath':{'path':'/var/log'}},"
			    "{'name':'info','downwardAPI':{'items':[{'path':'labels','fieldRef':{"
			    "'fieldPath':'metadata.labels'}}]}},"
			    "{'name':'token','projected':{'sources':[{'serviceAccountToken':{'path'"
			    ":'t'}}]}}]}"));
	expect_json(o, "spec volumes 0", "{'name':'scratch','emptyDir':{}}");
	expect_json(o, "spec volumes 1 configMap", "{'name':'app','defaultMode':420}");
	expect_json(o, "spec volumes 2 secret", "{'secretName':'t','defaultMode':420}");
	expect_json(o, "spec volumes 3 hostPath", "{'path':'/var/log','type':''}");
	expect_json(o, "spec volumes 4 downwardAPI defaultMode", "420");
	expect_json(o, "spec volumes 4 downwardAPI items 0 fieldRef apiVersion", "'v1'");
	expect_json(o, "spec volumes 5 projected defaultMode", "420");
	expect_json(o, "spec volumes 5 projected sources 0 serviceAccountToken expirationSeconds",
		    "3600");
	expect_absent(o, "spec volumes 1 emptyDir");
	cJSON_Delete(o);
}

Test(defaults, pod_requests_default_to_limits)
{
	cJSON *o = defaulted("pods", POD1(",'resources':{'limits':{'cpu':'500m','memory':'128Mi'},"
					  "'requests':{'cpu':'250m'}}"));
	expect_json(o, "spec containers 0 resources requests", "{'cpu':'250m','memory':'128Mi'}");
	cJSON_Delete(o);
}

Test(defaults, pod_host_network_host_ports)
{
	cJSON *o = defaulted("pods", POD("{'hostNetwork':true,'containers':[" CTR(
					     ",'ports':[{'containerPort':9100}]") "]}"));
	expect_json(o, "spec containers 0 ports 0",
		    "{'containerPort':9100,'protocol':'TCP','hostPort':9100}");
	cJSON_Delete(o);
}

Test(defaults, pod_priority_admission)
{
	cJSON *o = defaulted("pods", POD1(""));
	expect_json(o, "spec priority", "0");
	expect_json(o, "spec preemptionPolicy", "'PreemptLowerPriority'");
	cJSON_Delete(o);
	o = defaulted("pods", POD("{'priorityClassName':'system-node-critical','containers':[" CTR(
				      "") "]}"));
	expect_json(o, "spec priority", "2000001000");
	cJSON_Delete(o);
	o = defaulted("pods", POD("{'priorityClassName':'high','containers':[" CTR("") "]}"));
	expect_absent(o, "spec priority");
	cJSON_Delete(o);
}

Test(defaults, pod_default_toleration_seconds)
{
	cJSON *o = defaulted("pods", POD1(""));
	expect_json(
		o, "spec tolerations",
		"[{'key':'node.kubernetes.io/not-ready','operator':'Exists','effect':'NoExecute',"
		"'tolerationSeconds':300},{'key':'node.kubernetes.io/"
		"unreachable','operator':'Exists',"
		"'effect':'NoExecute','tolerationSeconds':300}]");
	cJSON_Delete(o);
	o = defaulted("pods", POD("{'containers':[" CTR(
				      "") "],'tolerations':[{'key':"
					  "'node.kubernetes.io/"
					  "unreachable','operator':'Exists','effect':'NoExecute',"
					  "'tolerationSeconds':60}]}"));
	cr_expect_eq(cJSON_GetArraySize(at(o, "spec tolerations")), 2);
	expect_json(o, "spec tolerations 0 tolerationSeconds", "60");
	expect_json(o, "spec tolerations 1 key", "'node.kubernetes.io/not-ready'");
	cJSON_Delete(o);
}

Test(defaults, pod_qos_class)
{
	cJSON *o = defaulted("pods", POD1(""));
	expect_json(o, "status qosClass", "'BestEffort'");
	cJSON_Delete(o);
	o = defaulted("pods", POD1(",'resources':{'requests':{'cpu':'100m'}}"));
	expect_json(o, "status qosClass", "'Burstable'");
	cJSON_Delete(o);
	o = defaulted("pods", POD1(",'resources':{'limits':{'cpu':'1','memory':'1Gi'}}"));
	expect_json(o, "status qosClass", "'Guaranteed'");
	cJSON_Delete(o);
}

Test(defaults, quantities_canonical)
{
	cJSON *o = defaulted("pods", POD1(",'resources':{'limits':{'cpu':'0.5','memory':'1024Mi',"
					  "'ephemeral-storage':'1.5Gi'},'requests':{'cpu':0.1,"
					  "'memory':'100M'}}"));
	expect_json(o, "spec containers 0 resources limits",
		    "{'cpu':'500m','memory':'1Gi','ephemeral-storage':'1536Mi'}");
	expect_json(o, "spec containers 0 resources requests",
		    "{'cpu':'100m','memory':'100M','ephemeral-storage':'1536Mi'}");
	cJSON_Delete(o);
}

Test(defaults, quantities_rounded_up_to_milli_and_bad_ones_left)
{
	cJSON *o = defaulted("pods", POD1(",'resources':{'requests':{'cpu':'100u',"
					  "'memory':'lots'}}"));
	expect_json(o, "spec containers 0 resources requests", "{'cpu':'1m','memory':'lots'}");
	cJSON_Delete(o);
}

/* ---- workloads --------------------------------------------------------------------------------
 */

Test(defaults, deployment_fields)
{
	cJSON *o =
		defaulted("deployments", "{'apiVersion':'apps/v1','kind':'Deployment'," NSMETA(
						 "web") ",'spec':{'selector':{'matchLabels':{"
							"'app':'web'}},'template':" TEMPLATE "}}");
	expect_json(o, "spec replicas", "1");
	expect_json(o, "spec strategy",
		    "{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':'25%','maxSurge':'"
		    "25%'}}");
	expect_json(o, "spec revisionHistoryLimit", "10");
	expect_json(o, "spec progressDeadlineSeconds", "600");
	cJSON_Delete(o);
}

Test(defaults, deployment_template_gets_pod_spec_defaults_only)
{
	cJSON *o = defaulted("deployments", "{'apiVersion':'apps/v1','kind':'Deployment'," NSMETA(
						    "web") ",'spec':{'template':" TEMPLATE "}}");
	expect_json(o, "spec template spec restartPolicy", "'Always'");
	expect_json(o, "spec template spec dnsPolicy", "'ClusterFirst'");
	expect_json(o, "spec template spec containers 0 imagePullPolicy", "'IfNotPresent'");
	/* SetDefaults_Pod and the admission plugins touch Pods only. */
	expect_absent(o, "spec template spec enableServiceLinks");
	expect_absent(o, "spec template spec tolerations");
	expect_absent(o, "spec template spec priority");
	expect_absent(o, "spec template status");
	cJSON_Delete(o);
}

Test(defaults, deployment_recreate_gets_no_rolling_update)
{
	cJSON *o = defaulted(
		"deployments",
		"{'kind':'Deployment'," NSMETA("web") ",'spec':{"
						      "'replicas':0,'strategy':{'type':'Recreate'},"
						      "'template':" TEMPLATE "}}");
	expect_json(o, "spec strategy", "{'type':'Recreate'}");
	expect_json(o, "spec replicas", "0");
	cJSON_Delete(o);
}

Test(defaults, replicaset_replicas)
{
	cJSON *o = defaulted("replicasets",
			     "{'kind':'ReplicaSet'," NSMETA("web-1") ",'spec':{"
								     "'template':" TEMPLATE "}}");
	expect_json(o, "spec replicas", "1");
	expect_json(o, "spec template spec containers 0 terminationMessagePath",
		    "'/dev/termination-log'");
	cJSON_Delete(o);
}

Test(defaults, daemonset_fields)
{
	cJSON *o = defaulted("daemonsets",
			     "{'kind':'DaemonSet'," NSMETA("agent") ",'spec':{"
								    "'template':" TEMPLATE "}}");
	expect_json(o, "spec updateStrategy",
		    "{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':1,'maxSurge':0}}");
	expect_json(o, "spec revisionHistoryLimit", "10");
	cJSON_Delete(o);
}

Test(defaults, statefulset_fields)
{
	cJSON *o = defaulted(
		"statefulsets",
		"{'kind':'StatefulSet'," NSMETA(
			"db") ",'spec':{'template':" TEMPLATE ","
			      "'volumeClaimTemplates':[{'metadata':{'name':'data'},'spec':{"
			      "'accessModes':['ReadWriteOnce']}}]}}");
	expect_json(o, "spec podManagementPolicy", "'OrderedReady'");
	expect_json(o, "spec updateStrategy",
		    "{'type':'RollingUpdate','rollingUpdate':{'partition':0}}");
	expect_json(o, "spec persistentVolumeClaimRetentionPolicy",
		    "{'whenDeleted':'Retain','whenScaled':'Retain'}");
	expect_json(o, "spec replicas", "1");
	expect_json(o, "spec revisionHistoryLimit", "10");
	expect_json(o, "spec volumeClaimTemplates 0 spec volumeMode", "'Filesystem'");
	expect_json(o, "spec volumeClaimTemplates 0 status", "{'phase':'Pending'}");
	cJSON_Delete(o);
}

#define JOB(spec)                                                                              \
	"{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'pi','namespace':'default'," \
	"'uid':'8c1a'},'spec':" spec "}"
#define JOB_TEMPLATE "{'spec':{'restartPolicy':'Never','containers':[" CTR("") "]}}"

Test(defaults, job_counts)
{
	cJSON *o = defaulted("jobs", JOB("{'template':" JOB_TEMPLATE "}"));
	expect_json(o, "spec completions", "1");
	expect_json(o, "spec parallelism", "1");
	expect_json(o, "spec backoffLimit", "6");
	expect_json(o, "spec completionMode", "'NonIndexed'");
	expect_json(o, "spec suspend", "false");
	expect_json(o, "spec podReplacementPolicy", "'TerminatingOrFailed'");
	cJSON_Delete(o);
	o = defaulted("jobs", JOB("{'parallelism':3,'template':" JOB_TEMPLATE "}"));
	expect_absent(o, "spec completions");
	expect_json(o, "spec parallelism", "3");
	cJSON_Delete(o);
	o = defaulted("jobs", JOB("{'completionMode':'Indexed','completions':4,"
				  "'backoffLimitPerIndex':1,'template':" JOB_TEMPLATE "}"));
	expect_json(o, "spec backoffLimit", "2147483647");
	expect_json(o, "spec parallelism", "1");
	cJSON_Delete(o);
}

Test(defaults, job_pod_failure_policy)
{
	cJSON *o = defaulted("jobs", JOB("{'podFailurePolicy':{'rules':[{'action':'Ignore',"
					 "'onPodConditions':[{'type':'DisruptionTarget'}]}]},"
					 "'template':" JOB_TEMPLATE "}"));
	expect_json(o, "spec podFailurePolicy rules 0 onPodConditions 0",
		    "{'type':'DisruptionTarget','status':'True'}");
	expect_json(o, "spec podReplacementPolicy", "'Failed'");
	cJSON_Delete(o);
}

Test(defaults, job_generated_selector_and_labels)
{
	cJSON *o = defaulted("jobs", JOB("{'template':" JOB_TEMPLATE "}"));
	expect_json(o, "spec selector",
		    "{'matchLabels':{'batch.kubernetes.io/controller-uid':'8c1a'}}");
	expect_json(o, "spec template metadata labels",
		    "{'job-name':'pi','batch.kubernetes.io/job-name':'pi','controller-uid':'8c1a',"
		    "'batch.kubernetes.io/controller-uid':'8c1a'}");
	cJSON_Delete(o);
}

Test(defaults, job_labels_from_template)
{
	/* Kubernetes shares the template's label map with the Job, so the
	 * generated labels show on the Job as well. */
	cJSON *o = defaulted("jobs",
			     JOB("{'template':{'metadata':{'labels':{'app':'pi'}},"
				 "'spec':{'restartPolicy':'Never','containers':[" CTR("") "]}}}"));
	expect_json(o, "metadata labels",
		    "{'app':'pi','job-name':'pi','batch.kubernetes.io/job-name':'pi',"
		    "'controller-uid':'8c1a','batch.kubernetes.io/controller-uid':'8c1a'}");
	cJSON_Delete(o);
	o = defaulted("jobs",
		      "{'kind':'Job','metadata':{'name':'pi','namespace':'default','uid':'8c1a',"
		      "'labels':{'team':'math'}},'spec':{'template':" JOB_TEMPLATE "}}");
	expect_json(o, "metadata labels", "{'team':'math'}");
	cJSON_Delete(o);
}

Test(defaults, job_manual_selector_is_left_alone)
{
	cJSON *o = defaulted("jobs",
			     JOB("{'manualSelector':true,'selector':{'matchLabels':{"
				 "'app':'pi'}},'template':{'metadata':{'labels':{'app':'pi'}},"
				 "'spec':{'restartPolicy':'Never','containers':[" CTR("") "]}}}"));
	expect_json(o, "spec selector", "{'matchLabels':{'app':'pi'}}");
	expect_json(o, "spec template metadata labels", "{'app':'pi'}");
	cJSON_Delete(o);
}

Test(defaults, job_template_restart_policy_defaults_to_always)
{
	/* As SetDefaults_PodSpec does; Job validation then asks for OnFailure or
	 * Never. */
	cJSON *o = defaulted("jobs", JOB("{'template':{'spec':{'containers':[" CTR("") "]}}}"));
	expect_json(o, "spec template spec restartPolicy", "'Always'");
	cJSON_Delete(o);
}

Test(defaults, cronjob_fields)
{
	cJSON *o = defaulted("cronjobs",
			     "{'kind':'CronJob'," NSMETA(
				     "backup") ",'spec':{'schedule':'@daily',"
					       "'jobTemplate':{'spec':{'template':" JOB_TEMPLATE
					       "}}}}");
	expect_json(o, "spec concurrencyPolicy", "'Allow'");
	expect_json(o, "spec suspend", "false");
	expect_json(o, "spec successfulJobsHistoryLimit", "3");
	expect_json(o, "spec failedJobsHistoryLimit", "1");
	expect_json(o, "spec jobTemplate spec template spec dnsPolicy", "'ClusterFirst'");
	expect_json(o, "spec jobTemplate spec template spec restartPolicy", "'Never'");
	/* The Job defaults apply to Jobs, not to a CronJob's template. */
	expect_absent(o, "spec jobTemplate spec backoffLimit");
	cJSON_Delete(o);
}

/* ---- core kinds -------------------------------------------------------------------------------
 */

#define SVC(spec) "{'apiVersion':'v1','kind':'Service'," NSMETA("web") ",'spec':" spec "}"

Test(defaults, service_cluster_ip)
{
	cJSON *o = defaulted("services",
			     SVC("{'selector':{'app':'web'},'ports':[{'port':80},"
				 "{'name':'dns','port':53,'protocol':'UDP','targetPort':5353}]}"));
	expect_json(o, "spec type", "'ClusterIP'");
	expect_json(o, "spec sessionAffinity", "'None'");
	expect_json(o, "spec ports",
		    "[{'port':80,'protocol':'TCP','targetPort':80},"
		    "{'name':'dns','port':53,'protocol':'UDP','targetPort':5353}]");
	expect_json(o, "spec internalTrafficPolicy", "'Cluster'");
	expect_json(o, "spec ipFamilyPolicy", "'SingleStack'");
	expect_json(o, "spec ipFamilies", "['IPv4']");
	expect_absent(o, "spec externalTrafficPolicy");
	expect_absent(o, "spec clusterIPs");
	cJSON_Delete(o);
}

Test(defaults, service_target_port_zero_or_empty_is_port)
{
	cJSON *o = defaulted("services", SVC("{'ports':[{'port':80,'targetPort':0},"
					     "{'name':'b','port':81,'targetPort':''}]}"));
	expect_json(o, "spec ports 0 targetPort", "80");
	expect_json(o, "spec ports 1 targetPort", "81");
	cJSON_Delete(o);
}

Test(defaults, service_cluster_ips_follow_cluster_ip)
{
	cJSON *o = defaulted("services", SVC("{'clusterIP':'10.96.0.10','ports':[{'port':53}]}"));
	expect_json(o, "spec clusterIPs", "['10.96.0.10']");
	cJSON_Delete(o);
}

Test(defaults, service_node_port_and_load_balancer)
{
	cJSON *o = defaulted("services", SVC("{'type':'LoadBalancer','ports':[{'port':443}]}"));
	expect_json(o, "spec externalTrafficPolicy", "'Cluster'");
	expect_json(o, "spec allocateLoadBalancerNodePorts", "true");
	cJSON_Delete(o);
	o = defaulted("services", SVC("{'type':'NodePort','ports':[{'port':443}]}"));
	expect_json(o, "spec externalTrafficPolicy", "'Cluster'");
	expect_absent(o, "spec allocateLoadBalancerNodePorts");
	cJSON_Delete(o);
}

Test(defaults, service_client_ip_affinity_timeout)
{
	cJSON *o =
		defaulted("services", SVC("{'sessionAffinity':'ClientIP','ports':[{'port':80}]}"));
	expect_json(o, "spec sessionAffinityConfig", "{'clientIP':{'timeoutSeconds':10800}}");
	cJSON_Delete(o);
}

Test(defaults, service_external_name_gets_no_ip_fields)
{
	cJSON *o = defaulted("services",
			     SVC("{'type':'ExternalName','externalName':'db.example.com'}"));
	expect_absent(o, "spec ipFamilies");
	expect_absent(o, "spec ipFamilyPolicy");
	expect_absent(o, "spec internalTrafficPolicy");
	expect_json(o, "spec sessionAffinity", "'None'");
	cJSON_Delete(o);
}

Test(defaults, namespace_name_label)
{
	cJSON *o = defaulted("namespaces",
			     "{'kind':'Namespace','metadata':{'name':'team-a',"
			     "'labels':{'env':'prod','kubernetes.io/metadata.name':'x'}}}");
	expect_json(o, "metadata labels", "{'env':'prod','kubernetes.io/metadata.name':'team-a'}");
	cJSON_Delete(o);
	o = defaulted("namespaces", "{'kind':'Namespace','metadata':{'generateName':'ns-'}}");
	expect_absent(o, "metadata labels");
	cJSON_Delete(o);
}

Test(defaults, secret_type_and_string_data)
{
	cJSON *o = defaulted(
		"secrets",
		"{'kind':'Secret'," NSMETA(
			"creds") ",'data':{'user':'YWRt',"
				 "'pass':'b2xk'},'stringData':{'pass':'s3cret','token':'ab'}}");
	expect_json(o, "type", "'Opaque'");
	expect_json(o, "data", "{'user':'YWRt','pass':'czNjcmV0','token':'YWI='}");
	expect_absent(o, "stringData");
	cJSON_Delete(o);
	o = defaulted("secrets", "{'kind':'Secret'," NSMETA("tls") ",'type':'kubernetes.io/tls'}");
	expect_json(o, "type", "'kubernetes.io/tls'");
	cJSON_Delete(o);
}

Test(defaults, node_allocatable_from_capacity)
{
	cJSON *o = defaulted("nodes", "{'kind':'Node','metadata':{'name':'n1'},'status':{"
				      "'capacity':{'cpu':'4','memory':'8Gi','pods':'110'}}}");
	expect_json(o, "status allocatable", "{'cpu':'4','memory':'8Gi','pods':'110'}");
	cJSON_Delete(o);
	o = defaulted("nodes", "{'kind':'Node','metadata':{'name':'n1'},'status':{"
			       "'capacity':{'cpu':'4'},'allocatable':{'cpu':'3500m'}}}");
	expect_json(o, "status allocatable", "{'cpu':'3500m'}");
	cJSON_Delete(o);
}

Test(defaults, endpoints_port_protocol)
{
	cJSON *o = defaulted(
		"endpoints",
		"{'kind':'Endpoints'," NSMETA(
			"web") ",'subsets':[{"
			       "'addresses':[{'ip':'10.1.0.5'}],'ports':[{'port':80}]}]}");
	expect_json(o, "subsets 0 ports 0", "{'port':80,'protocol':'TCP'}");
	cJSON_Delete(o);
}

Test(defaults, kinds_without_defaults_are_untouched)
{
	const char *cm = "{'kind':'ConfigMap'," NSMETA("cfg") ",'data':{'a':'1'}}";
	cJSON *o = defaulted("configmaps", cm), *w = parse(cm);
	cr_expect(cJSON_Compare(o, w, true));
	cJSON_Delete(o);
	cJSON_Delete(w);
	cr_expect_eq(api_default(NULL, NULL), 0);
	cr_expect_eq(api_default(res("pods"), NULL), 0);
}

Test(defaults, wrong_types_left_for_validation)
{
	cJSON *o = defaulted(
		"deployments",
		"{'kind':'Deployment'," NSMETA(
			"web") ",'spec':{"
			       "'replicas':'three','strategy':'fast','template':" TEMPLATE "}}");
	expect_json(o, "spec replicas", "'three'");
	expect_json(o, "spec strategy", "'fast'");
	cJSON_Delete(o);
	o = defaulted("pods", POD("{'containers':'app','volumes':7}"));
	expect_json(o, "spec containers", "'app'");
	expect_json(o, "spec volumes", "7");
	cJSON_Delete(o);
}

/* ---- idempotence ------------------------------------------------------------------------------
 */

Test(defaults, idempotent_pod)
{
	expect_idempotent(
		"pods",
		POD("{'hostNetwork':true,'priorityClassName':'system-cluster-critical',"
		    "'terminationGracePeriodSeconds':-3,"
		    "'containers':[" CTR(
			    ",'ports':[{'containerPort':80}],'resources':{"
			    "'limits':{'cpu':'0.5','memory':'1024Mi'}},"
			    "'livenessProbe':{'httpGet':{'port':80}},"
			    "'env':[{'name':'N','valueFrom':{'fieldRef':{"
			    "'fieldPath':'spec.nodeName'}}}]") "],"
							       "'volumes':[{'name':'v'},{'name':'s'"
							       ",'secret':{'secretName':'s'}}]}"));
}

Test(defaults, idempotent_workloads)
{
	expect_idempotent("deployments", "{'kind':'Deployment'," NSMETA(
						 "web") ",'spec':{'template':" TEMPLATE "}}");
	expect_idempotent("replicasets", "{'kind':'ReplicaSet'," NSMETA(
						 "web") ",'spec':{'template':" TEMPLATE "}}");
	expect_idempotent("daemonsets",
			  "{'kind':'DaemonSet'," NSMETA("a") ",'spec':{'template':" TEMPLATE "}}");
	expect_idempotent(
		"statefulsets",
		"{'kind':'StatefulSet'," NSMETA(
			"db") ",'spec':{'template':" TEMPLATE
			      ",'volumeClaimTemplates':[{'metadata':{'name':'d'},'spec':{}}]}}");
}

Test(defaults, idempotent_batch)
{
	expect_idempotent("jobs", JOB("{'template':" JOB_TEMPLATE "}"));
	expect_idempotent("jobs",
			  JOB("{'podFailurePolicy':{'rules':[{'action':'Ignore','onPodConditions':"
			      "[{'type':'DisruptionTarget'}]}]},'template':" JOB_TEMPLATE "}"));
	expect_idempotent("cronjobs",
			  "{'kind':'CronJob'," NSMETA(
				  "b") ",'spec':{'schedule':'@daily',"
				       "'jobTemplate':{'spec':{'template':" JOB_TEMPLATE "}}}}");
}

Test(defaults, idempotent_core_kinds)
{
	expect_idempotent("services", SVC("{'type':'LoadBalancer','clusterIP':'10.96.0.9',"
					  "'sessionAffinity':'ClientIP','ports':[{'port':80}]}"));
	expect_idempotent("namespaces", "{'kind':'Namespace','metadata':{'name':'team-a'}}");
	expect_idempotent("secrets", "{'kind':'Secret'," NSMETA("s") ",'stringData':{'k':'v'}}");
	expect_idempotent(
		"nodes",
		"{'kind':'Node','metadata':{'name':'n'},'status':{'capacity':{'cpu':'2'}}}");
	expect_idempotent("endpoints", "{'kind':'Endpoints'," NSMETA(
					       "e") ",'subsets':[{'ports':[{'port':1}]}]}");
}
