/* test_tables.c - server-side printing: the column definitions of every
 * printed resource (names, types, formats, priorities in Kubernetes v1.32's
 * order), the cells of realistic objects (pods in every state printPod
 * distinguishes, a cordoned NotReady node, NodePort and LoadBalancer
 * services, endpoints past three addresses, a deployment mid-rollout, jobs,
 * events, ...), some of printers_test.go's TestPrintPod vectors, and
 * HumanDuration against apimachinery's duration_test.go.
 *
 * Objects and expected cells are written as JSON with single quotes (turned
 * into double quotes by q()) to keep them readable. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/resources.h"
#include "apiserver/tables.h"

/* 2024-11-26T00:00:00Z */
#define NOW ((time_t)1732579200)

/* A heap copy of s with every ' turned into ". */
static char *q(const char *s)
{
	char *d = strdup(s);
	cr_assert_not_null(d);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static const api_resource *res(const char *plural)
{
	for (size_t i = 0; i < api_resources_len; i++)
		if (!strcmp(api_resources[i].plural, plural))
			return &api_resources[i];
	cr_assert_fail("no resource %s", plural);
	return NULL;
}

static cJSON *parse(const char *single_quoted)
{
	char *s = q(single_quoted);
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad test JSON: %s", s);
	free(s);
	return o;
}

/* The cells of obj (for resource r) printed compactly must equal want. */
static void check_r(const api_resource *r, const char *obj, time_t now, const char *want)
{
	cJSON *o = obj ? parse(obj) : NULL;
	cJSON *cells = api_table_cells(r, o, now);
	cr_assert_not_null(cells);
	char *got = cJSON_PrintUnformatted(cells);
	char *w = q(want);
	cr_assert_str_eq(got, w, "\n got %s\nwant %s", got, w);
	/* One cell per column. */
	cJSON *cols = api_table_columns(r);
	cr_assert_not_null(cols);
	cr_assert_eq(cJSON_GetArraySize(cells), cJSON_GetArraySize(cols));
	cJSON_Delete(cols);
	free(w);
	free(got);
	cJSON_Delete(cells);
	cJSON_Delete(o);
}

static void check(const char *plural, const char *obj, const char *want)
{
	check_r(res(plural), obj, NOW, want);
}

/* The columns as "Name:type:format:priority|..." must equal want, and every
 * column must carry all five keys and a description. */
static void check_cols_r(const api_resource *r, const char *want)
{
	cJSON *cols = api_table_columns(r);
	cr_assert_not_null(cols);
	char got[2048] = "";
	const cJSON *c;
	cJSON_ArrayForEach (c, cols) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(c, "type");
		const cJSON *format = cJSON_GetObjectItemCaseSensitive(c, "format");
		const cJSON *desc = cJSON_GetObjectItemCaseSensitive(c, "description");
		const cJSON *prio = cJSON_GetObjectItemCaseSensitive(c, "priority");
		cr_assert(cJSON_IsString(name) && cJSON_IsString(type) && cJSON_IsString(format));
		cr_assert(cJSON_IsString(desc) && desc->valuestring[0], "%s has no description",
			  name->valuestring);
		cr_assert(cJSON_IsNumber(prio));
		cr_assert_eq(cJSON_GetArraySize(c), 5);
		size_t len = strlen(got);
		snprintf(got + len, sizeof(got) - len, "%s%s:%s:%s:%d", len ? "|" : "",
			 name->valuestring, type->valuestring, format->valuestring, prio->valueint);
	}
	cr_assert_str_eq(got, want);
	cJSON_Delete(cols);
}

static void check_cols(const char *plural, const char *want)
{
	check_cols_r(res(plural), want);
}

/* ---- HumanDuration ---------------------------------------------------------------- */

typedef struct {
	int64_t s;
	const char *want;
} dur_case;

static void check_durations(const dur_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[32];
		api_human_duration(c[i].s, buf, sizeof(buf));
		cr_assert_str_eq(buf, c[i].want, "HumanDuration(%llds) = %s, want %s",
				 (long long)c[i].s, buf, c[i].want);
	}
}

#define MIN 60LL
#define HOUR 3600LL
#define DAY (24 * HOUR)
#define YEAR (365 * DAY)

Test(duration, human_duration_table)
{
	/* TestHumanDuration */
	static const dur_case c[] = {
		{1, "1s"},
		{70, "70s"},
		{190, "3m10s"},
		{70 * MIN, "70m"},
		{47 * HOUR, "47h"},
		{49 * HOUR, "2d1h"},
		{(8 * 24 + 2) * HOUR, "8d"},
		{367 * DAY, "367d"},
		{(365 * 2 * 24 + 25) * HOUR, "2y1d"},
		{(365 * 8 * 24 + 2) * HOUR, "8y"},
	};
	check_durations(c, sizeof(c) / sizeof(c[0]));
}

Test(duration, human_duration_boundaries)
{
	/* TestHumanDurationBoundaries; "- time.Millisecond" and "+ 1ns" are
	 * truncated to whole seconds as int(d.Seconds()) does. */
	static const dur_case c[] = {
		{-2, "<invalid>"},
		{-1, "0s"}, /* -2s + 1ns */
		{0, "0s"},
		{0, "0s"}, /* 1s - 1ms */
		{2 * MIN - 1, "119s"},
		{2 * MIN, "2m"},
		{2 * MIN + 1, "2m1s"},
		{10 * MIN - 1, "9m59s"},
		{10 * MIN, "10m"},
		{10 * MIN + 1, "10m"},
		{3 * HOUR - 1, "179m"},
		{3 * HOUR, "3h"},
		{3 * HOUR + MIN, "3h1m"},
		{8 * HOUR - 1, "7h59m"},
		{8 * HOUR, "8h"},
		{8 * HOUR + 59 * MIN, "8h"},
		{2 * DAY - 1, "47h"},
		{2 * DAY, "2d"},
		{2 * DAY + HOUR, "2d1h"},
		{8 * DAY - 1, "7d23h"},
		{8 * DAY, "8d"},
		{8 * DAY + 23 * HOUR, "8d"},
		{2 * YEAR - 1, "729d"},
		{2 * YEAR, "2y"},
		{2 * YEAR + 23 * HOUR, "2y"},
		{2 * YEAR + 23 * HOUR + 59 * MIN, "2y"},
		{2 * YEAR + 24 * HOUR - 1, "2y"},
		{2 * YEAR + 24 * HOUR, "2y1d"},
		{3 * YEAR, "3y"},
		{4 * YEAR, "4y"},
		{5 * YEAR, "5y"},
		{6 * YEAR, "6y"},
		{7 * YEAR, "7y"},
		{8 * YEAR - 1, "7y364d"},
		{8 * YEAR, "8y"},
		{8 * YEAR + 364 * DAY, "8y"},
		{9 * YEAR, "9y"},
	};
	check_durations(c, sizeof(c) / sizeof(c[0]));
}

Test(duration, extremes_and_small_buffers)
{
	static const dur_case c[] = {
		{INT64_MIN, "<invalid>"}, {-3600, "<invalid>"},		{45, "45s"},
		{5 * MIN, "5m"},	  {INT64_MAX, "292471208677y"},
	};
	check_durations(c, sizeof(c) / sizeof(c[0]));
	char buf[4] = "xyz";
	api_human_duration(-5, buf, sizeof(buf));
	cr_assert_str_eq(buf, "<in");
	api_human_duration(-5, buf, 0);
	cr_assert_str_eq(buf, "<in");
}

/* ---- column definitions ---------------------------------------------------------- */

#define NAME "Name:string:name:0"
#define AGE "Age:string::0"

Test(columns, pods)
{
	check_cols("pods", NAME "|Ready:string::0|Status:string::0|Restarts:string::0|" AGE
				"|IP:string::1|Node:string::1|Nominated Node:string::1"
				"|Readiness Gates:string::1");
}

Test(columns, nodes)
{
	check_cols("nodes", NAME "|Status:string::0|Roles:string::0|" AGE
				 "|Version:string::0|Internal-IP:string::1|External-IP:string::1"
				 "|OS-Image:string::1|Kernel-Version:string::1"
				 "|Container-Runtime:string::1");
}

Test(columns, services)
{
	check_cols("services", NAME "|Type:string::0|Cluster-IP:string::0|External-IP:string::0"
				    "|Port(s):string::0|" AGE "|Selector:string::1");
}

Test(columns, endpoints)
{
	check_cols("endpoints", NAME "|Endpoints:string::0|" AGE);
}

Test(columns, deployments)
{
	check_cols("deployments", NAME "|Ready:string::0|Up-to-date:string::0"
				       "|Available:string::0|" AGE "|Containers:string::1"
				       "|Images:string::1|Selector:string::1");
}

Test(columns, replicasets)
{
	check_cols("replicasets",
		   NAME "|Desired:integer::0|Current:integer::0|Ready:integer::0|" AGE
			"|Containers:string::1|Images:string::1|Selector:string::1");
}

Test(columns, daemonsets)
{
	check_cols("daemonsets",
		   NAME "|Desired:integer::0|Current:integer::0|Ready:integer::0"
			"|Up-to-date:integer::0|Available:integer::0|Node Selector:string::0|" AGE
			"|Containers:string::1|Images:string::1|Selector:string::1");
}

Test(columns, statefulsets)
{
	check_cols("statefulsets",
		   NAME "|Ready:string::0|" AGE "|Containers:string::1|Images:string::1");
}

Test(columns, jobs)
{
	check_cols("jobs", NAME "|Status:string::0|Completions:string::0|Duration:string::0|" AGE
				"|Containers:string::1|Images:string::1|Selector:string::1");
}

Test(columns, cronjobs)
{
	check_cols("cronjobs", NAME "|Schedule:string::0|Timezone:string::0|Suspend:boolean::0"
				    "|Active:integer::0|Last Schedule:string::0|" AGE
				    "|Containers:string::1|Images:string::1|Selector:string::1");
}

Test(columns, events)
{
	/* The name is last and wide; Object comes before the wide Subobject. */
	check_cols("events", "Last Seen:string::0|Type:string::0|Reason:string::0"
			     "|Object:string::0|Subobject:string::1|Source:string::1"
			     "|Message:string::0|First Seen:string::1|Count:string::1"
			     "|Name:string:name:1");
}

Test(columns, small_core_resources)
{
	check_cols("namespaces", NAME "|Status:string::0|" AGE);
	check_cols("configmaps", NAME "|Data:string::0|" AGE);
	check_cols("secrets", NAME "|Type:string::0|Data:string::0|" AGE);
	check_cols("serviceaccounts", NAME "|Secrets:string::0|" AGE);
}

Test(columns, leases_and_ingresses)
{
	check_cols("leases", NAME "|Holder:string::0|" AGE);
	check_cols("ingresses", NAME "|Class:string::0|Hosts:string::0|Address:string::0"
				     "|Ports:string::0|" AGE);
}

Test(columns, default_table_for_other_resources)
{
	static const api_resource widgets = {
		.group = "example.com", .version = "v1", .plural = "widgets", .kind = "Widget"};
	check_cols_r(&widgets, NAME "|Created At:date::0");
	check_cols_r(NULL, NAME "|Created At:date::0");
}

Test(columns, every_resource_has_one_cell_per_column)
{
	/* Also for an empty and a NULL object: nothing is assumed present. */
	for (size_t i = 0; i < api_resources_len; i++) {
		const api_resource *r = &api_resources[i];
		cJSON *cols = api_table_columns(r);
		cJSON *empty = cJSON_CreateObject();
		cJSON *a = api_table_cells(r, empty, NOW);
		cJSON *b = api_table_cells(r, NULL, NOW);
		cr_assert(cols && a && b, "%s", r->plural);
		cr_assert_eq(cJSON_GetArraySize(a), cJSON_GetArraySize(cols), "%s", r->plural);
		cr_assert_eq(cJSON_GetArraySize(b), cJSON_GetArraySize(cols), "%s", r->plural);
		cJSON_Delete(cols);
		cJSON_Delete(empty);
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
}

/* ---- pods ---------------------------------------------------------------------------- */

Test(pods, running_with_restarts)
{
	check("pods",
	      "{'metadata':{'name':'web-7d9c-x2k4','namespace':'default',"
	      "'creationTimestamp':'2024-11-25T21:00:00Z'},"
	      "'spec':{'nodeName':'node-1','containers':[{'name':'nginx','image':'nginx:1.25'},"
	      "{'name':'log','image':'busybox'}]},"
	      "'status':{'phase':'Running','podIP':'10.244.1.5','podIPs':[{'ip':'10.244.1.5'}],"
	      "'conditions':[{'type':'Ready','status':'True'}],"
	      "'containerStatuses':["
	      "{'name':'nginx','ready':true,'restartCount':2,"
	      "'state':{'running':{'startedAt':'2024-11-25T23:57:00Z'}},"
	      "'lastState':{'terminated':{'exitCode':137,'reason':'OOMKilled',"
	      "'finishedAt':'2024-11-25T23:56:30Z'}}},"
	      "{'name':'log','ready':true,'restartCount':1,'state':{'running':{}},"
	      "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-11-25T23:00:00Z'}}}]}}",
	      "['web-7d9c-x2k4','2/2','Running','3 (3m30s ago)','3h','10.244.1.5','node-1',"
	      "'<none>','<none>']");
}

Test(pods, pending_unscheduled_and_container_creating)
{
	check("pods",
	      "{'metadata':{'name':'big','creationTimestamp':'2024-11-25T23:59:15Z'},"
	      "'spec':{'containers':[{'name':'a'}]},"
	      "'status':{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'False',"
	      "'reason':'Unschedulable'}]}}",
	      "['big','0/1','Pending','0','45s','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-25T23:59:58Z'},"
	      "'spec':{'nodeName':'node-2','containers':[{'name':'a'}]},"
	      "'status':{'phase':'Pending','containerStatuses':[{'name':'a','ready':false,"
	      "'restartCount':0,'state':{'waiting':{'reason':'ContainerCreating'}}}]}}",
	      "['web','0/1','ContainerCreating','0','2s','<none>','node-2','<none>','<none>']");
}

Test(pods, crash_loop_back_off)
{
	check("pods",
	      "{'metadata':{'name':'crashy','creationTimestamp':'2024-11-25T23:35:00Z'},"
	      "'spec':{'nodeName':'node-1','containers':[{'name':'app'}]},"
	      "'status':{'phase':'Running','podIP':'10.244.1.9',"
	      "'conditions':[{'type':'Ready','status':'False'}],"
	      "'containerStatuses':[{'name':'app','ready':false,'restartCount':5,"
	      "'state':{'waiting':{'reason':'CrashLoopBackOff','message':'back-off 2m40s'}},"
	      "'lastState':{'terminated':{'exitCode':1,'reason':'Error',"
	      "'finishedAt':'2024-11-25T23:58:00Z'}}}]}}",
	      "['crashy','0/1','CrashLoopBackOff','5 (2m ago)','25m','10.244.1.9','node-1',"
	      "'<none>','<none>']");
}

Test(pods, terminating)
{
	/* A running pod being deleted is Terminating; a completed one keeps its
	 * reason (printers_test.go test18-test20). */
	check("pods",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-25T23:00:00Z',"
	      "'deletionTimestamp':'2024-11-26T00:00:30Z','deletionGracePeriodSeconds':30},"
	      "'spec':{'nodeName':'node-1','containers':[{'name':'a'}]},"
	      "'status':{'phase':'Running','podIP':'10.244.1.5','containerStatuses':[{'name':'a',"
	      "'ready':true,'restartCount':0,'state':{'running':{}}}]}}",
	      "['web','1/1','Terminating','0','60m','10.244.1.5','node-1','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'test20','deletionTimestamp':'2024-11-25T23:59:50Z'},"
	      "'spec':{'containers':[{}]},'status':{'phase':'Pending'}}",
	      "['test20','0/1','Terminating','0','<unknown>','<none>','<none>','<none>',"
	      "'<none>']");
	check("pods",
	      "{'metadata':{'name':'test18','deletionTimestamp':'2024-11-25T23:59:50Z'},"
	      "'spec':{'containers':[{}]},'status':{'phase':'Succeeded','containerStatuses':[{"
	      "'ready':false,'restartCount':0,'state':{'terminated':{'reason':'Completed',"
	      "'exitCode':0}}}]}}",
	      "['test18','0/1','Completed','0','<unknown>','<none>','<none>','<none>','<none>']");
}

Test(pods, node_lost_is_unknown)
{
	check("pods",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-24T00:00:00Z',"
	      "'deletionTimestamp':'2024-11-25T23:00:00Z'},"
	      "'spec':{'nodeName':'node-3','containers':[{'name':'a'}]},"
	      "'status':{'phase':'Running','reason':'NodeLost','message':'Node node-3 which was "
	      "running pod web is unresponsive','containerStatuses':[{'name':'a','ready':true,"
	      "'restartCount':0,'state':{'running':{}}}]}}",
	      "['web','1/1','Unknown','0','2d','<none>','node-3','<none>','<none>']");
}

Test(pods, completed_job_pod_and_failed_pod)
{
	check("pods",
	      "{'metadata':{'name':'pi-x7k2p','creationTimestamp':'2024-11-25T23:50:00Z'},"
	      "'spec':{'nodeName':'node-1','restartPolicy':'Never','containers':[{'name':'pi'}]},"
	      "'status':{'phase':'Succeeded','podIP':'10.244.2.8','containerStatuses':[{'name':'pi'"
	      ","
	      "'ready':false,'restartCount':0,'state':{'terminated':{'exitCode':0,"
	      "'reason':'Completed','finishedAt':'2024-11-25T23:51:00Z'}}}]}}",
	      "['pi-x7k2p','0/1','Completed','0','10m','10.244.2.8','node-1','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'bad','creationTimestamp':'2024-11-25T23:50:00Z'},"
	      "'spec':{'containers':[{'name':'a'}]},"
	      "'status':{'phase':'Failed','containerStatuses':[{'name':'a','ready':false,"
	      "'restartCount':0,'state':{'terminated':{'exitCode':1,'reason':'Error'}}}]}}",
	      "['bad','0/1','Error','0','10m','<none>','<none>','<none>','<none>']");
}

Test(pods, exit_code_and_signal_without_reason)
{
	check("pods",
	      "{'metadata':{'name':'a'},'spec':{'containers':[{'name':'x'},{'name':'y'}]},"
	      "'status':{'phase':'Running','containerStatuses':["
	      "{'name':'x','state':{'terminated':{'exitCode':2}}},"
	      "{'name':'y','state':{'terminated':{'exitCode':137,'signal':9}}}]}}",
	      "['a','0/2','ExitCode:2','0','<unknown>','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'a'},'spec':{'containers':[{'name':'x'}]},"
	      "'status':{'phase':'Running','containerStatuses':["
	      "{'name':'x','state':{'terminated':{'exitCode':137,'signal':9}}}]}}",
	      "['a','0/1','Signal:9','0','<unknown>','<none>','<none>','<none>','<none>']");
}

Test(pods, init_containers_progress)
{
	/* The first init container running: Init:0/2. */
	check("pods",
	      "{'metadata':{'name':'db','creationTimestamp':'2024-11-25T23:59:00Z'},"
	      "'spec':{'initContainers':[{'name':'migrate'},{'name':'seed'}],"
	      "'containers':[{'name':'pg'}]},"
	      "'status':{'phase':'Pending','conditions':[{'type':'Initialized','status':'False'}],"
	      "'initContainerStatuses':["
	      "{'name':'migrate','ready':false,'restartCount':0,'state':{'running':{}}},"
	      "{'name':'seed','ready':false,'restartCount':0,"
	      "'state':{'waiting':{'reason':'PodInitializing'}}}],"
	      "'containerStatuses':[{'name':'pg','ready':false,'restartCount':0,"
	      "'state':{'waiting':{'reason':'PodInitializing'}}}]}}",
	      "['db','0/1','Init:0/2','0','60s','<none>','<none>','<none>','<none>']");
	/* All init containers done, the app container starting: PodInitializing. */
	check("pods",
	      "{'metadata':{'name':'db','creationTimestamp':'2024-11-25T23:59:00Z'},"
	      "'spec':{'initContainers':[{'name':'migrate'}],'containers':[{'name':'pg'}]},"
	      "'status':{'phase':'Pending','conditions':[{'type':'Initialized','status':'True'}],"
	      "'initContainerStatuses':[{'name':'migrate','ready':true,'restartCount':0,"
	      "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}],"
	      "'containerStatuses':[{'name':'pg','ready':false,'restartCount':0,"
	      "'state':{'waiting':{'reason':'PodInitializing'}}}]}}",
	      "['db','0/1','PodInitializing','0','60s','<none>','<none>','<none>','<none>']");
}

Test(pods, init_container_failures)
{
	/* Crash-looping second init container: its restarts count while initializing. */
	check("pods",
	      "{'metadata':{'name':'db','creationTimestamp':'2024-11-25T23:30:00Z'},"
	      "'spec':{'initContainers':[{'name':'a'},{'name':'b'}],'containers':[{'name':'pg'}]},"
	      "'status':{'phase':'Pending','initContainerStatuses':["
	      "{'name':'a','restartCount':0,'state':{'terminated':{'exitCode':0}}},"
	      "{'name':'b','restartCount':4,'state':{'waiting':{'reason':'CrashLoopBackOff'}},"
	      "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-11-25T23:59:20Z'}}}],"
	      "'containerStatuses':[{'name':'pg','restartCount':0,"
	      "'state':{'waiting':{'reason':'PodInitializing'}}}]}}",
	      "['db','0/1','Init:CrashLoopBackOff','4 (40s ago)','30m','<none>','<none>','<none>',"
	      "'<none>']");
	check("pods",
	      "{'metadata':{'name':'db'},'spec':{'initContainers':[{'name':'a'}],"
	      "'containers':[{'name':'pg'}]},'status':{'phase':'Failed','initContainerStatuses':["
	      "{'name':'a','state':{'terminated':{'exitCode':1,'reason':'Error'}}}]}}",
	      "['db','0/1','Init:Error','0','<unknown>','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'db'},'spec':{'initContainers':[{'name':'a'}],"
	      "'containers':[{'name':'pg'}]},'status':{'phase':'Pending','initContainerStatuses':["
	      "{'name':'a','state':{'terminated':{'exitCode':3}}}]}}",
	      "['db','0/1','Init:ExitCode:3','0','<unknown>','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'db'},'spec':{'initContainers':[{'name':'a'}],"
	      "'containers':[{'name':'pg'}]},'status':{'phase':'Pending','initContainerStatuses':["
	      "{'name':'a','state':{'terminated':{'exitCode':137,'signal':9}}}]}}",
	      "['db','0/1','Init:Signal:9','0','<unknown>','<none>','<none>','<none>','<none>']");
}

Test(pods, restartable_init_container_sidecar)
{
	/* A started sidecar counts in READY and in the total; only its restarts
	 * survive into the app containers' count. */
	check("pods",
	      "{'metadata':{'name':'app','creationTimestamp':'2024-11-25T23:00:00Z'},"
	      "'spec':{'initContainers':[{'name':'setup'},{'name':'proxy','restartPolicy':'Always'}"
	      "],"
	      "'containers':[{'name':'main'}]},"
	      "'status':{'phase':'Running','conditions':[{'type':'Initialized','status':'True'},"
	      "{'type':'Ready','status':'True'}],'initContainerStatuses':["
	      "{'name':'setup','restartCount':7,'state':{'terminated':{'exitCode':0}},"
	      "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-11-25T23:10:00Z'}}},"
	      "{'name':'proxy','started':true,'ready':true,'restartCount':1,"
	      "'state':{'running':{}},"
	      "'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-11-25T23:20:00Z'}}}],"
	      "'containerStatuses':[{'name':'main','ready':true,'restartCount':0,"
	      "'state':{'running':{}}}]}}",
	      "['app','2/2','Running','1 (40m ago)','60m','<none>','<none>','<none>','<none>']");
}

Test(pods, printers_test_vectors)
{
	/* printers_test.go TestPrintPod test1, test3, test6 (both), test11, test15. */
	check("pods",
	      "{'metadata':{'name':'test1'},'spec':{'containers':[{},{}]},'status':{"
	      "'phase':'podPhase','containerStatuses':[{'ready':true,'restartCount':3,"
	      "'state':{'running':{}}},{'restartCount':3}]}}",
	      "['test1','1/2','podPhase','6','<unknown>','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'test3'},'spec':{'containers':[{},{}]},'status':{"
	      "'phase':'podPhase','containerStatuses':[{'state':{'waiting':{'reason':"
	      "'ContainerWaitingReason'}},'restartCount':3},{'state':{'terminated':{'reason':"
	      "'ContainerTerminatedReason'}},'restartCount':3}]}}",
	      "['test3','0/2','ContainerWaitingReason','6','<unknown>','<none>','<none>',"
	      "'<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'test6'},'spec':{'containers':[{},{}]},'status':{"
	      "'phase':'Running','containerStatuses':[{'ready':true,'restartCount':3,"
	      "'state':{'terminated':{'reason':'Completed','exitCode':0}}},{'ready':true,"
	      "'restartCount':3,'state':{'running':{}}}]}}",
	      "['test6','1/2','NotReady','6','<unknown>','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'test6'},'spec':{'containers':[{},{}]},'status':{"
	      "'phase':'Running','containerStatuses':[{'ready':true,'restartCount':3,"
	      "'state':{'terminated':{'reason':'Completed','exitCode':0}}},{'ready':true,"
	      "'restartCount':3,'state':{'running':{}}}],"
	      "'conditions':[{'type':'Ready','status':'True'}]}}",
	      "['test6','1/2','Running','6','<unknown>','<none>','<none>','<none>','<none>']");
	check("pods",
	      "{'metadata':{'name':'test11'},'spec':{'initContainers':[{}],'containers':[{}]},"
	      "'status':{'phase':'Running','initContainerStatuses':[{'ready':false,"
	      "'restartCount':2,'state':{'terminated':{}},'lastState':{'terminated':{"
	      "'finishedAt':'2024-11-25T23:58:00Z'}}}],'containerStatuses':[{'ready':false,"
	      "'restartCount':4,'state':{'running':{}},'lastState':{'terminated':{"
	      "'finishedAt':'2024-11-25T23:59:40Z'}}}]}}",
	      "['test11','0/1','Running','4 (20s ago)','<unknown>','<none>','<none>','<none>',"
	      "'<none>']");
	check("pods",
	      "{'metadata':{'name':'test15'},'spec':{'containers':[{},{}]},'status':{"
	      "'phase':'podPhase','conditions':[{'type':'PodScheduled','status':'False',"
	      "'reason':'SchedulingGated'}]}}",
	      "['test15','0/2','SchedulingGated','0','<unknown>','<none>','<none>','<none>',"
	      "'<none>']");
}

Test(pods, wide_ips_nominated_node_and_readiness_gates)
{
	/* Without podIP the first podIPs entry; with both, podIP wins. */
	check("pods",
	      "{'metadata':{'name':'p','creationTimestamp':'2024-11-25T23:59:59Z'},"
	      "'spec':{'containers':[{'name':'a'}],'readinessGates':["
	      "{'conditionType':'www.example.com/feature-1'},{'conditionType':'x.io/lb'}]},"
	      "'status':{'phase':'Pending','nominatedNodeName':'node-9','podIPs':[{'ip':'fd00::5'},"
	      "{'ip':'10.0.0.5'}],'conditions':[{'type':'www.example.com/feature-1',"
	      "'status':'True'},{'type':'x.io/lb','status':'False'}]}}",
	      "['p','0/1','Pending','0','1s','fd00::5','<none>','node-9','1/2']");
	check("pods",
	      "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]},"
	      "'status':{'podIP':'10.0.0.7','podIPs':[{'ip':'10.0.0.8'}]}}",
	      "['p','0/1','','0','<unknown>','10.0.0.7','<none>','<none>','<none>']");
}

/* ---- nodes ---------------------------------------------------------------------------- */

Test(nodes, not_ready_and_cordoned)
{
	check("nodes",
	      "{'metadata':{'name':'node-2','creationTimestamp':'2024-11-14T00:00:00Z',"
	      "'labels':{'node-role.kubernetes.io/worker':'','kubernetes.io/hostname':'node-2',"
	      "'node-role.kubernetes.io/control-plane':''}},"
	      "'spec':{'unschedulable':true,'taints':[{'key':'node.kubernetes.io/unschedulable',"
	      "'effect':'NoSchedule'}]},"
	      "'status':{'conditions':[{'type':'MemoryPressure','status':'False'},"
	      "{'type':'Ready','status':'Unknown','reason':'NodeStatusUnknown'}],"
	      "'addresses':[{'type':'InternalIP','address':'192.168.1.12'},"
	      "{'type':'Hostname','address':'node-2'}],"
	      "'nodeInfo':{'kubeletVersion':'v1.32.4','osImage':'Debian GNU/Linux 12 (bookworm)',"
	      "'kernelVersion':'6.1.0-18-amd64','containerRuntimeVersion':'cube://0.1.0'}}}",
	      "['node-2','NotReady,SchedulingDisabled','control-plane,worker','12d','v1.32.4',"
	      "'192.168.1.12','<none>','Debian GNU/Linux 12 (bookworm)','6.1.0-18-amd64',"
	      "'cube://0.1.0']");
}

Test(nodes, ready_with_external_ip)
{
	check("nodes",
	      "{'metadata':{'name':'node-1','creationTimestamp':'2024-11-25T22:00:00Z',"
	      "'labels':{'kubernetes.io/role':'master','node-role.kubernetes.io/master':'',"
	      "'node-role.kubernetes.io/':'x'}},"
	      "'status':{'conditions':[{'type':'Ready','status':'True'}],'addresses':["
	      "{'type':'ExternalIP','address':'203.0.113.4'},"
	      "{'type':'InternalIP','address':'10.0.0.4'},"
	      "{'type':'InternalIP','address':'10.0.0.5'}],"
	      "'nodeInfo':{'kubeletVersion':'v1.32.4'}}}",
	      "['node-1','Ready','master','120m','v1.32.4','10.0.0.4','203.0.113.4','<unknown>',"
	      "'<unknown>','<unknown>']");
}

Test(nodes, no_ready_condition_is_unknown)
{
	check("nodes",
	      "{'metadata':{'name':'new','creationTimestamp':'2024-11-23T21:00:00Z'},"
	      "'status':{'conditions':[{'type':'DiskPressure','status':'False'}]}}",
	      "['new','Unknown','<none>','2d3h','','<none>','<none>','<unknown>','<unknown>',"
	      "'<unknown>']");
}

/* ---- services, endpoints, ingresses ------------------------------------------------ */

Test(services, node_port)
{
	check("services",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-25T23:00:00Z'},"
	      "'spec':{'type':'NodePort','clusterIP':'10.96.0.15','clusterIPs':['10.96.0.15'],"
	      "'selector':{'tier':'frontend','app':'web'},'ports':["
	      "{'name':'http','port':80,'targetPort':8080,'nodePort':30080,'protocol':'TCP'},"
	      "{'name':'metrics','port':9090,'protocol':'UDP'}]}}",
	      "['web','NodePort','10.96.0.15','<none>','80:30080/TCP,9090/UDP','60m',"
	      "'app=web,tier=frontend']");
}

Test(services, cluster_ip_defaults_and_headless)
{
	/* No type and no protocol read as the defaults ClusterIP and TCP. */
	check("services",
	      "{'metadata':{'name':'kubernetes','creationTimestamp':'2024-11-14T00:00:00Z'},"
	      "'spec':{'clusterIP':'10.96.0.1','ports':[{'name':'https','port':443}]}}",
	      "['kubernetes','ClusterIP','10.96.0.1','<none>','443/TCP','12d','<none>']");
	check("services",
	      "{'metadata':{'name':'db'},'spec':{'type':'ClusterIP','clusterIP':'None',"
	      "'clusterIPs':['None'],'externalIPs':['1.2.3.4','5.6.7.8'],'selector':{'app':'db'}}}",
	      "['db','ClusterIP','None','1.2.3.4,5.6.7.8','<none>','<unknown>','app=db']");
}

Test(services, load_balancer_and_external_name)
{
	check("services",
	      "{'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','clusterIP':'10.96.3.3',"
	      "'ports':[{'port':443,'nodePort':31443}]}}",
	      "['lb','LoadBalancer','10.96.3.3','<pending>','443:31443/TCP','<unknown>',"
	      "'<none>']");
	check("services",
	      "{'metadata':{'name':'lb'},'spec':{'type':'LoadBalancer','clusterIP':'10.96.3.3',"
	      "'externalIPs':['1.2.3.4']},'status':{'loadBalancer':{'ingress':["
	      "{'ip':'203.0.113.9'},{'hostname':'a-very-long-load-balancer.example.com'},"
	      "{'ip':'198.51.100.2'},{'ip':'203.0.113.9'}]}}}",
	      "['lb','LoadBalancer','10.96.3.3',"
	      "'198.51.100.2,203.0.113.9,a-very-long-load-balancer.example.com,1.2.3.4','<none>',"
	      "'<unknown>','<none>']");
	check("services",
	      "{'metadata':{'name':'ext'},'spec':{'type':'ExternalName',"
	      "'externalName':'db.example.com'}}",
	      "['ext','ExternalName','<none>','db.example.com','<none>','<unknown>','<none>']");
}

Test(endpoints, more_than_three_addresses)
{
	check("endpoints",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-25T23:55:00Z'},"
	      "'subsets':[{'addresses':[{'ip':'10.244.1.5'},{'ip':'10.244.2.3'}],"
	      "'ports':[{'name':'http','port':8080,'protocol':'TCP'}]},"
	      "{'addresses':[{'ip':'10.244.3.7'},{'ip':'10.244.3.8'}],"
	      "'notReadyAddresses':[{'ip':'10.244.9.9'}],'ports':[{'port':8080}]}]}",
	      "['web','10.244.1.5:8080,10.244.2.3:8080,10.244.3.7:8080 + 1 more...','5m']");
	/* Each port of a subset repeats its addresses. */
	check("endpoints",
	      "{'metadata':{'name':'two'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},"
	      "{'ip':'10.0.0.2'}],'ports':[{'port':80},{'port':443}]}]}",
	      "['two','10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...','<unknown>']");
}

Test(endpoints, headless_ipv6_and_none)
{
	check("endpoints",
	      "{'metadata':{'name':'h'},'subsets':[{'addresses':[{'ip':'10.0.0.1'},"
	      "{'ip':'10.0.0.2'}]},{'addresses':[{'ip':'fd00::1'}],'ports':[{'port':80}]}]}",
	      "['h','10.0.0.1,10.0.0.2,[fd00::1]:80','<unknown>']");
	check("endpoints", "{'metadata':{'name':'e'}}", "['e','<none>','<unknown>']");
	check("endpoints", "{'metadata':{'name':'e'},'subsets':[]}", "['e','<none>','<unknown>']");
	check("endpoints",
	      "{'metadata':{'name':'e'},'subsets':[{'notReadyAddresses':[{'ip':'10.0.0.1'}],"
	      "'ports':[{'port':80}]}]}",
	      "['e','','<unknown>']");
}

Test(ingresses, hosts_tls_and_address)
{
	check("ingresses",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-25T23:00:00Z'},"
	      "'spec':{'ingressClassName':'nginx','rules':[{'host':'a.example.com'},"
	      "{'host':'b.example.com'},{'http':{}},{'host':'d.example.com'},"
	      "{'host':'e.example.com'}],'tls':[{'hosts':['a.example.com']}]},"
	      "'status':{'loadBalancer':{'ingress':[{'ip':'192.168.1.240'}]}}}",
	      "['web','nginx','a.example.com,b.example.com,d.example.com + 2 more...',"
	      "'192.168.1.240','80, 443','60m']");
	check("ingresses", "{'metadata':{'name':'bare'},'spec':{'defaultBackend':{}}}",
	      "['bare','<none>','*','','80','<unknown>']");
}

/* ---- workloads ------------------------------------------------------------------------- */

Test(deployments, mid_rollout)
{
	check("deployments",
	      "{'metadata':{'name':'web','creationTimestamp':'2024-11-21T00:00:00Z',"
	      "'generation':4},'spec':{'replicas':3,'selector':{'matchLabels':{'app':'web'}},"
	      "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["
	      "{'name':'nginx','image':'nginx:1.26'},{'name':'log','image':'busybox:1.36'}]}}},"
	      "'status':{'observedGeneration':4,'replicas':4,'updatedReplicas':1,"
	      "'readyReplicas':2,'availableReplicas':2,'unavailableReplicas':2}}",
	      "['web','2/3',1,2,'5d','nginx,log','nginx:1.26,busybox:1.36','app=web']");
}

Test(deployments, selectors_and_default_replicas)
{
	check("deployments",
	      "{'metadata':{'name':'d'},'spec':{'selector':{'matchLabels':{'app':'web'},"
	      "'matchExpressions':[{'key':'tier','operator':'In','values':['fe','be']},"
	      "{'key':'canary','operator':'DoesNotExist'}]},"
	      "'template':{'spec':{'containers':[{'name':'c','image':'i'}]}}}}",
	      "['d','0/1',0,0,'<unknown>','c','i','app=web,!canary,tier in (be,fe)']");
	/* An absent selector prints "" here (selector.String()), a bad one <invalid>. */
	check("deployments", "{'metadata':{'name':'d'},'spec':{'replicas':0}}",
	      "['d','0/0',0,0,'<unknown>','','','']");
	check("deployments",
	      "{'metadata':{'name':'d'},'spec':{'replicas':2,'selector':{'matchExpressions':["
	      "{'key':'a','operator':'Bogus'}]}}}",
	      "['d','0/2',0,0,'<unknown>','','','<invalid>']");
}

Test(replicasets, cells)
{
	check("replicasets",
	      "{'metadata':{'name':'web-7d9c','creationTimestamp':'2024-11-21T00:00:00Z'},"
	      "'spec':{'replicas':3,'selector':{'matchLabels':{'pod-template-hash':'7d9c',"
	      "'app':'web'}},'template':{'spec':{'containers':[{'name':'nginx',"
	      "'image':'nginx:1.26'}]}}},'status':{'replicas':3,'readyReplicas':2}}",
	      "['web-7d9c',3,3,2,'5d','nginx','nginx:1.26','app=web,pod-template-hash=7d9c']");
	check("replicasets", "{'metadata':{'name':'rs'},'spec':{}}",
	      "['rs',1,0,0,'<unknown>','','','<none>']");
	check("replicasets",
	      "{'metadata':{'name':'rs'},'spec':{'replicas':1,'selector':{'matchExpressions':"
	      "[{'key':'a','operator':'In','values':[]}]}}}",
	      "['rs',1,0,0,'<unknown>','','','<error>']");
}

Test(daemonsets, cells)
{
	check("daemonsets",
	      "{'metadata':{'name':'kube-proxy','creationTimestamp':'2024-11-14T00:00:00Z'},"
	      "'spec':{'selector':{'matchLabels':{'k8s-app':'kube-proxy'}},'template':{'spec':{"
	      "'nodeSelector':{'kubernetes.io/os':'linux'},'containers':[{'name':'kube-proxy',"
	      "'image':'cube/proxy:0.1'}]}}},'status':{'desiredNumberScheduled':3,"
	      "'currentNumberScheduled':3,'numberReady':2,'updatedNumberScheduled':3,"
	      "'numberAvailable':2}}",
	      "['kube-proxy',3,3,2,3,2,'kubernetes.io/os=linux','12d','kube-proxy',"
	      "'cube/proxy:0.1','k8s-app=kube-proxy']");
	check("daemonsets", "{'metadata':{'name':'ds'}}",
	      "['ds',0,0,0,0,0,'<none>','<unknown>','','','<none>']");
}

Test(statefulsets, cells)
{
	check("statefulsets",
	      "{'metadata':{'name':'pg','creationTimestamp':'2024-11-25T23:50:00Z'},"
	      "'spec':{'replicas':3,'serviceName':'pg','template':{'spec':{'containers':["
	      "{'name':'postgres','image':'postgres:17'}]}}},"
	      "'status':{'replicas':2,'readyReplicas':1}}",
	      "['pg','1/3','10m','postgres','postgres:17']");
	check("statefulsets", "{'metadata':{'name':'s'}}", "['s','0/1','<unknown>','','']");
}

Test(jobs, running_and_complete)
{
	check("jobs",
	      "{'metadata':{'name':'batch','creationTimestamp':'2024-11-25T23:58:00Z'},"
	      "'spec':{'completions':3,'parallelism':2,'selector':{'matchLabels':{"
	      "'batch.kubernetes.io/controller-uid':'1f2e'}},'template':{'spec':{'containers':["
	      "{'name':'work','image':'busybox'}]}}},"
	      "'status':{'startTime':'2024-11-25T23:58:00Z','active':2,'succeeded':1}}",
	      "['batch','Running','1/3','2m','2m','work','busybox',"
	      "'batch.kubernetes.io/controller-uid=1f2e']");
	check("jobs",
	      "{'metadata':{'name':'pi','creationTimestamp':'2024-11-25T23:00:00Z'},"
	      "'spec':{'completions':1,'parallelism':1},"
	      "'status':{'startTime':'2024-11-25T23:00:00Z',"
	      "'completionTime':'2024-11-25T23:00:45Z','succeeded':1,'conditions':["
	      "{'type':'SuccessCriteriaMet','status':'True'},{'type':'Complete','status':'True'}]}"
	      "}",
	      "['pi','Complete','1/1','45s','60m','','','<none>']");
}

Test(jobs, failed_suspended_terminating_parallel)
{
	check("jobs",
	      "{'metadata':{'name':'f'},'spec':{'completions':1},'status':{'failed':7,"
	      "'startTime':'2024-11-25T23:00:00Z','conditions':["
	      "{'type':'FailureTarget','status':'True'},{'type':'Failed','status':'True',"
	      "'reason':'BackoffLimitExceeded'}]}}",
	      "['f','Failed','0/1','60m','<unknown>','','','<none>']");
	check("jobs",
	      "{'metadata':{'name':'s'},'spec':{'suspend':true},'status':{'conditions':["
	      "{'type':'Suspended','status':'True'}]}}",
	      "['s','Suspended','0/1','','<unknown>','','','<none>']");
	check("jobs",
	      "{'metadata':{'name':'t','deletionTimestamp':'2024-11-25T23:59:00Z'},"
	      "'spec':{'parallelism':3},'status':{'conditions':[{'type':'Suspended',"
	      "'status':'True'}]}}",
	      "['t','Terminating','0/1 of 3','','<unknown>','','','<none>']");
	check("jobs",
	      "{'metadata':{'name':'ft'},'spec':{'parallelism':1},'status':{'conditions':["
	      "{'type':'Complete','status':'False'},{'type':'Complete','status':'True'},"
	      "{'type':'FailureTarget','status':'True'}]}}",
	      "['ft','FailureTarget','0/1','','<unknown>','','','<none>']");
}

Test(cronjobs, cells)
{
	check("cronjobs",
	      "{'metadata':{'name':'backup','creationTimestamp':'2024-11-14T00:00:00Z'},"
	      "'spec':{'schedule':'*/5 * * * *','timeZone':'Etc/UTC','suspend':false,"
	      "'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'backup',"
	      "'image':'busybox'}]}}}}},"
	      "'status':{'active':[{'kind':'Job','name':'backup-28876'}],"
	      "'lastScheduleTime':'2024-11-25T23:55:00Z'}}",
	      "['backup','*/5 * * * "
	      "*','Etc/UTC','False',1,'5m','12d','backup','busybox','<none>']");
	check("cronjobs",
	      "{'metadata':{'name':'c'},'spec':{'schedule':'@daily','suspend':true,"
	      "'jobTemplate':{'spec':{'selector':{'matchLabels':{'x':'y'}}}}}}",
	      "['c','@daily','<none>','True',0,'<none>','<unknown>','','','x=y']");
	/* suspend defaults to false. */
	check("cronjobs", "{'metadata':{'name':'c'},'spec':{'schedule':'0 0 * * *'}}",
	      "['c','0 0 * * *','<none>','False',0,'<none>','<unknown>','','','<none>']");
}

/* ---- events ---------------------------------------------------------------------------- */

Test(events, classic_event)
{
	check("events",
	      "{'metadata':{'name':'web.17f0a1b2c3d4e5f6','namespace':'default',"
	      "'creationTimestamp':'2024-11-25T23:50:00Z'},"
	      "'involvedObject':{'kind':'Pod','namespace':'default','name':'web',"
	      "'fieldPath':'spec.containers{nginx}'},"
	      "'reason':'Pulled','message':' Successfully pulled image \\'nginx:1.25\\'\\n',"
	      "'source':{'component':'kubelet','host':'node-1'},"
	      "'firstTimestamp':'2024-11-25T23:50:00Z','lastTimestamp':'2024-11-25T23:58:00Z',"
	      "'count':3,'type':'Normal'}",
	      "['2m','Normal','Pulled','pod/web','spec.containers{nginx}','kubelet, node-1',"
	      "'Successfully pulled image \\'nginx:1.25\\'','10m',3,'web.17f0a1b2c3d4e5f6']");
}

Test(events, event_time_and_reporting_controller)
{
	/* New-style events: eventTime (a MicroTime) stands for both times, the
	 * reporting controller for the source, and no count means 1. */
	check("events",
	      "{'metadata':{'name':'n.1'},'involvedObject':{'kind':'Node'},"
	      "'reason':'RegisteredNode','message':'Node node-1 event: Registered',"
	      "'eventTime':'2024-11-25T23:59:30.123456Z','reportingComponent':'node-controller',"
	      "'reportingInstance':'','type':'Normal'}",
	      "['29s','Normal','RegisteredNode','node','','node-controller',"
	      "'Node node-1 event: Registered','29s',1,'n.1']");
}

Test(events, series)
{
	check("events",
	      "{'metadata':{'name':'s.1'},'involvedObject':{'kind':'Deployment','name':'web'},"
	      "'reason':'ScalingReplicaSet','type':'Warning','count':1,"
	      "'firstTimestamp':'2024-11-25T20:00:00Z','lastTimestamp':'2024-11-25T20:00:00Z',"
	      "'series':{'count':5,'lastObservedTime':'2024-11-25T23:59:59.500000Z'},"
	      "'source':{'host':'node-1'}}",
	      "['0s','Warning','ScalingReplicaSet','deployment/web','',', node-1','','4h',5,"
	      "'s.1']");
	check("events", "{'metadata':{'name':'z'}}",
	      "['<unknown>','','','','','','','<unknown>',1,'z']");
}

/* ---- small core resources ------------------------------------------------------------ */

Test(core, namespaces_configmaps_secrets)
{
	check("namespaces",
	      "{'metadata':{'name':'default','creationTimestamp':'2024-11-14T00:00:00Z'},"
	      "'status':{'phase':'Active'}}",
	      "['default','Active','12d']");
	check("namespaces",
	      "{'metadata':{'name':'old','deletionTimestamp':'2024-11-25T23:59:00Z'},"
	      "'status':{'phase':'Terminating'}}",
	      "['old','Terminating','<unknown>']");
	check("namespaces", "{'metadata':{'name':'fresh'}}", "['fresh','Active','<unknown>']");
	check("configmaps",
	      "{'metadata':{'name':'cfg','creationTimestamp':'2024-11-25T23:59:00Z'},"
	      "'data':{'a':'1','b':'2'},'binaryData':{'c':'AAE='}}",
	      "['cfg',3,'60s']");
	check("configmaps", "{'metadata':{'name':'empty'}}", "['empty',0,'<unknown>']");
	check("secrets",
	      "{'metadata':{'name':'tls','creationTimestamp':'2024-11-25T23:00:00Z'},"
	      "'type':'kubernetes.io/tls','data':{'tls.crt':'eA==','tls.key':'eQ=='}}",
	      "['tls','kubernetes.io/tls',2,'60m']");
	check("secrets", "{'metadata':{'name':'s'},'data':{'k':'dg=='}}",
	      "['s','Opaque',1,'<unknown>']");
}

Test(core, serviceaccounts_and_leases)
{
	check("serviceaccounts",
	      "{'metadata':{'name':'default','creationTimestamp':'2024-11-14T00:00:00Z'}}",
	      "['default',0,'12d']");
	check("serviceaccounts", "{'metadata':{'name':'ci'},'secrets':[{'name':'ci-token'}]}",
	      "['ci',1,'<unknown>']");
	check("leases",
	      "{'metadata':{'name':'node-1','namespace':'kube-node-lease',"
	      "'creationTimestamp':'2024-11-25T23:59:50Z'},'spec':{'holderIdentity':'node-1',"
	      "'leaseDurationSeconds':40}}",
	      "['node-1','node-1','10s']");
	check("leases", "{'metadata':{'name':'free'},'spec':{}}", "['free','','<unknown>']");
}

/* ---- timestamps and the default table ---------------------------------------------- */

Test(time, timestamp_forms)
{
	/* Fractions are truncated after subtraction, offsets honoured,
	 * malformed and zero times are <unknown>, clock skew up to 1s is 0s. */
	static const struct {
		const char *ts;
		const char *age;
	} c[] = {
		{"2024-11-25T23:58:59.5Z", "60s"},     {"2024-11-25T23:58:59.000000001Z", "60s"},
		{"2024-11-25T23:59:00.000Z", "60s"},   {"2024-11-25T20:00:00-03:00", "60m"},
		{"2024-11-26T05:30:00+05:30", "0s"},   {"2024-11-26T00:00:01Z", "0s"},
		{"2024-11-26T00:00:01.9Z", "0s"},      {"2024-11-26T00:00:02Z", "<invalid>"},
		{"2023-11-26T00:00:00Z", "366d"},      {"2020-02-29T00:00:00Z", "4y272d"},
		{"0001-01-01T00:00:00Z", "<unknown>"}, {"yesterday", "<unknown>"},
		{"2024-11-25 23:59:00Z", "<unknown>"}, {"2024-02-30T00:00:00Z", "<unknown>"},
		{"2024-11-25T23:59:00", "<unknown>"},  {"2024-11-25T23:59:00Zjunk", "<unknown>"},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char obj[256], want[128];
		snprintf(obj, sizeof(obj), "{'metadata':{'name':'x','creationTimestamp':'%s'}}",
			 c[i].ts);
		snprintf(want, sizeof(want), "['x',0,'%s']", c[i].age);
		check("configmaps", obj, want);
	}
}

Test(time, default_table_cells)
{
	static const api_resource widgets = {
		.group = "example.com", .version = "v1", .plural = "widgets", .kind = "Widget"};
	check_r(&widgets,
		"{'metadata':{'name':'w','creationTimestamp':'2024-11-26T01:00:00.75+01:00'}}", NOW,
		"['w','2024-11-26T00:00:00Z']");
	check_r(NULL, "{'metadata':{'name':'w','creationTimestamp':'1969-12-31T23:59:59Z'}}", NOW,
		"['w','1969-12-31T23:59:59Z']");
	check_r(&widgets, "{'metadata':{'name':'w'}}", NOW, "['w','0001-01-01T00:00:00Z']");
	check_r(&widgets, NULL, NOW, "['','0001-01-01T00:00:00Z']");
}

Test(time, null_object_and_other_now)
{
	check_r(res("pods"), NULL, NOW,
		"['','0/0','','0','<unknown>','<none>','<none>','<none>','<none>']");
	check_r(res("nodes"),
		"{'metadata':{'name':'n','creationTimestamp':'2024-01-01T00:00:00Z'}}",
		(time_t)1704067200 + 3 * 3600 + 59,
		"['n','Unknown','<none>','3h','','<none>',"
		"'<none>','<unknown>','<unknown>','<unknown>']");
}

Test(pods, long_reasons_and_addresses_are_not_clipped)
{
	char reason[401], obj[1024], want[1024];
	memset(reason, 'R', 400);
	reason[400] = '\0';
	snprintf(obj, sizeof(obj),
		 "{'metadata':{'name':'p'},'spec':{'initContainers':[{'name':'i'}],"
		 "'containers':[{'name':'c'}]},'status':{'initContainerStatuses':[{'name':'i',"
		 "'state':{'waiting':{'reason':'%s'}}}]}}",
		 reason);
	snprintf(want, sizeof(want),
		 "['p','0/1','Init:%s','0','<unknown>','<none>','<none>','<none>','<none>']",
		 reason);
	check("pods", obj, want);

	char ip[201];
	memset(ip, 'f', 200);
	ip[4] = ':';
	ip[200] = '\0';
	snprintf(obj, sizeof(obj),
		 "{'metadata':{'name':'e'},'subsets':[{'addresses':[{'ip':'%s'}],"
		 "'ports':[{'port':65535}]}]}",
		 ip);
	snprintf(want, sizeof(want), "['e','[%s]:65535','<unknown>']", ip);
	check("endpoints", obj, want);
}
