/* defaults.c - Kubernetes v1.32 defaulting for the kinds cube serves (see
 * defaults.h for the list and the sources each rule comes from).
 *
 * The functions below walk the JSON tree and fill only what is unset, so a
 * second pass changes nothing.  Allocation failures are remembered in a
 * context flag and reported once at the end, which keeps each rule a single
 * readable line instead of a ladder of error checks.
 */
#include "defaults.h"
#include "imageref.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"
#include "quantity.h"

typedef struct dctx {
	bool oom;
} dctx;

/* ---- small JSON helpers ------------------------------------------------------------- */

static cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static bool unset(const cJSON *v)
{
	return !v || cJSON_IsNull(v);
}

/* Unset for a string field: absent, null or "" (Go's zero value). */
static bool unset_str(const cJSON *v)
{
	return unset(v) || (cJSON_IsString(v) && !v->valuestring[0]);
}

/* Unset for an integer field whose zero value Kubernetes treats as unset. */
static bool unset_int0(const cJSON *v)
{
	return unset(v) || (cJSON_IsNumber(v) && v->valuedouble == 0);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* o[k] = v, replacing any old member; v is consumed. */
static void put(dctx *d, cJSON *o, const char *k, cJSON *v)
{
	if (!v) {
		d->oom = true;
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(o, k)) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(o, k, v)) {
			cJSON_Delete(v);
			d->oom = true;
		}
	} else if (!cJSON_AddItemToObject(o, k, v)) {
		cJSON_Delete(v);
		d->oom = true;
	}
}

static void def_str(dctx *d, cJSON *o, const char *k, const char *val)
{
	if (cJSON_IsObject(o) && unset_str(get(o, k)))
		put(d, o, k, cJSON_CreateString(val));
}

static void def_num(dctx *d, cJSON *o, const char *k, double n)
{
	if (cJSON_IsObject(o) && unset(get(o, k)))
		put(d, o, k, cJSON_CreateNumber(n));
}

static void def_num0(dctx *d, cJSON *o, const char *k, double n)
{
	if (cJSON_IsObject(o) && unset_int0(get(o, k)))
		put(d, o, k, cJSON_CreateNumber(n));
}

static void def_bool(dctx *d, cJSON *o, const char *k, bool b)
{
	if (cJSON_IsObject(o) && unset(get(o, k)))
		put(d, o, k, cJSON_CreateBool(b));
}

/* o[k] as an object, created ({}) if absent or null; NULL if o is not an
 * object, o[k] has another type, or on ENOMEM. */
static cJSON *obj(dctx *d, cJSON *o, const char *k)
{
	if (!cJSON_IsObject(o))
		return NULL;
	cJSON *v = get(o, k);
	if (cJSON_IsObject(v))
		return v;
	if (!unset(v))
		return NULL;
	put(d, o, k, cJSON_CreateObject());
	v = get(o, k);
	return cJSON_IsObject(v) ? v : NULL;
}

/* ---- containers --------------------------------------------------------------------- */

/* Requests and limits in canonical form, rounded up to milli-units
 * (SetDefaults_ResourceList and the Quantity serialisation). */
static void canon_quantities(dctx *d, cJSON *list)
{
	if (!cJSON_IsObject(list))
		return;
	/* put() replaces q in place, so the next member is taken first. */
	for (cJSON *q = list->child, *next; q; q = next) {
		next = q->next;
		cube_quantity v;
		if (cube_quantity_parse_json(q, &v, NULL) < 0)
			continue; /* validation reports it */
		int64_t milli = cube_quantity_milli(&v);
		cube_quantity r = v;
		if (milli != INT64_MAX && milli != INT64_MIN)
			r = cube_quantity_from_milli(milli, v.format);
		char buf[CUBE_QTY_STR_MAX];
		if (cube_quantity_format(&r, buf, sizeof(buf)) < 0)
			continue;
		if (cJSON_IsString(q) && !strcmp(q->valuestring, buf))
			continue;
		put(d, list, q->string, cJSON_CreateString(buf));
	}
}

static void default_http_get(dctx *d, cJSON *h)
{
	if (!cJSON_IsObject(h))
		return;
	def_str(d, h, "path", "/");
	def_str(d, h, "scheme", "HTTP");
}

static void default_probe(dctx *d, cJSON *p)
{
	if (!cJSON_IsObject(p))
		return;
	def_num0(d, p, "timeoutSeconds", 1);
	def_num0(d, p, "periodSeconds", 10);
	def_num0(d, p, "successThreshold", 1);
	def_num0(d, p, "failureThreshold", 3);
	default_http_get(d, get(p, "httpGet"));
}

static void default_container(dctx *d, cJSON *c)
{
	if (!cJSON_IsObject(c))
		return;
	if (unset_str(get(c, "imagePullPolicy")))
		def_str(d, c, "imagePullPolicy",
			cube_imageref_default_pull_policy(str(c, "image")));
	def_str(d, c, "terminationMessagePath", "/dev/termination-log");
	def_str(d, c, "terminationMessagePolicy", "File");
	cJSON *res = obj(d, c, "resources");
	canon_quantities(d, get(res, "limits"));
	canon_quantities(d, get(res, "requests"));
	cJSON *p;
	cJSON_ArrayForEach (p, (cJSON_IsArray(get(c, "ports")) ? get(c, "ports") : NULL)) {
		def_str(d, p, "protocol", "TCP");
	}
	default_probe(d, get(c, "livenessProbe"));
	default_probe(d, get(c, "readinessProbe"));
	default_probe(d, get(c, "startupProbe"));
	cJSON *lc = get(c, "lifecycle");
	default_http_get(d, get(get(lc, "postStart"), "httpGet"));
	default_http_get(d, get(get(lc, "preStop"), "httpGet"));
	cJSON *e;
	cJSON_ArrayForEach (e, (cJSON_IsArray(get(c, "env")) ? get(c, "env") : NULL)) {
		def_str(d, get(get(e, "valueFrom"), "fieldRef"), "apiVersion", "v1");
	}
}

/* ---- pod specs ---------------------------------------------------------------------- */

/* The v1 VolumeSource members: a volume with none of them is an emptyDir. */
static const char *const volume_sources[] = {
	"hostPath",
	"emptyDir",
	"gcePersistentDisk",
	"awsElasticBlockStore",
	"gitRepo",
	"secret",
	"nfs",
	"iscsi",
	"glusterfs",
	"persistentVolumeClaim",
	"rbd",
	"flexVolume",
	"cinder",
	"cephfs",
	"flocker",
	"downwardAPI",
	"fc",
	"azureFile",
	"configMap",
	"vsphereVolume",
	"quobyte",
	"azureDisk",
	"photonPersistentDisk",
	"projected",
	"portworxVolume",
	"scaleIO",
	"storageos",
	"csi",
	"ephemeral",
	"image",
	NULL,
};

static void default_volume(dctx *d, cJSON *v)
{
	if (!cJSON_IsObject(v))
		return;
	bool any = false;
	for (const char *const *s = volume_sources; *s; s++)
		any |= !unset(get(v, *s));
	if (!any)
		put(d, v, "emptyDir", cJSON_CreateObject());
	def_num(d, get(v, "secret"), "defaultMode", 0644);
	def_num(d, get(v, "configMap"), "defaultMode", 0644);
	def_num(d, get(v, "downwardAPI"), "defaultMode", 0644);
	def_num(d, get(v, "projected"), "defaultMode", 0644);
	def_str(d, get(v, "hostPath"), "type", "");
	cJSON *it;
	cJSON_ArrayForEach (it, (cJSON_IsArray(get(get(v, "downwardAPI"), "items"))
					 ? get(get(v, "downwardAPI"), "items")
					 : NULL)) {
		def_str(d, get(it, "fieldRef"), "apiVersion", "v1");
	}
	cJSON *src;
	cJSON_ArrayForEach (src, (cJSON_IsArray(get(get(v, "projected"), "sources"))
					  ? get(get(v, "projected"), "sources")
					  : NULL)) {
		def_num(d, get(src, "serviceAccountToken"), "expirationSeconds", 3600);
	}
}

static void each(dctx *d, cJSON *arr, void (*fn)(dctx *, cJSON *))
{
	cJSON *x;
	cJSON_ArrayForEach (x, (cJSON_IsArray(arr) ? arr : NULL)) {
		fn(d, x);
	}
}

/* SetDefaults_PodSpec and what it reaches.  Every pod spec gets restartPolicy
 * Always, Job templates included: Kubernetes defaults it there too and then
 * rejects it in Job validation ("Required value: valid values: ..."). */
static void default_pod_spec(dctx *d, cJSON *spec)
{
	if (!cJSON_IsObject(spec))
		return;
	def_str(d, spec, "dnsPolicy", "ClusterFirst");
	def_str(d, spec, "restartPolicy", "Always");
	obj(d, spec, "securityContext");
	def_num(d, spec, "terminationGracePeriodSeconds", 30);
	def_str(d, spec, "schedulerName", "default-scheduler");
	each(d, get(spec, "volumes"), default_volume);
	each(d, get(spec, "containers"), default_container);
	each(d, get(spec, "initContainers"), default_container);
	each(d, get(spec, "ephemeralContainers"), default_container);
}

static void default_template(dctx *d, cJSON *tmpl)
{
	if (cJSON_IsObject(tmpl))
		default_pod_spec(d, get(tmpl, "spec"));
}

/* SetDefaults_Pod: requests default to limits, per container. */
static void requests_from_limits(dctx *d, cJSON *c)
{
	cJSON *res = get(c, "resources");
	cJSON *lim = get(res, "limits");
	if (!cJSON_IsObject(lim) || !lim->child)
		return;
	cJSON *req = obj(d, res, "requests");
	if (!req)
		return;
	cJSON *q;
	cJSON_ArrayForEach (q, lim) {
		if (!get(req, q->string))
			put(d, req, q->string, cJSON_Duplicate(q, true));
	}
}

static void host_network_ports(dctx *d, cJSON *c)
{
	cJSON *p;
	cJSON_ArrayForEach (p, (cJSON_IsArray(get(c, "ports")) ? get(c, "ports") : NULL)) {
		const cJSON *cp = get(p, "containerPort");
		if (cJSON_IsNumber(cp) && unset_int0(get(p, "hostPort")))
			put(d, p, "hostPort", cJSON_CreateNumber(cp->valuedouble));
	}
}

/* The DefaultTolerationSeconds admission plugin: pods tolerate not-ready and
 * unreachable nodes for 300 s (the flags) unless they say otherwise. */
static _Atomic int toleration_s[2] = {300, 300};

void api_defaults_tolerations(int not_ready_s, int unreachable_s)
{
	toleration_s[0] = not_ready_s;
	toleration_s[1] = unreachable_s;
}

static void default_tolerations(dctx *d, cJSON *spec)
{
	static const char *const keys[] = {"node.kubernetes.io/not-ready",
					   "node.kubernetes.io/unreachable"};
	bool have[2] = {false, false};
	cJSON *tol = get(spec, "tolerations");
	if (!unset(tol) && !cJSON_IsArray(tol))
		return;
	const cJSON *t;
	cJSON_ArrayForEach (t, tol) {
		const char *k = str(t, "key"), *e = str(t, "effect");
		bool no_exec = !e || !e[0] || !strcmp(e, "NoExecute");
		for (int i = 0; i < 2; i++)
			if ((!k || !k[0] || !strcmp(k, keys[i])) && no_exec)
				have[i] = true;
	}
	for (int i = 0; i < 2; i++) {
		if (have[i])
			continue;
		if (!cJSON_IsArray(tol)) {
			put(d, spec, "tolerations", cJSON_CreateArray());
			tol = get(spec, "tolerations");
			if (!tol)
				return;
		}
		cJSON *n = cJSON_CreateObject();
		if (!n || !cJSON_AddStringToObject(n, "key", keys[i]) ||
		    !cJSON_AddStringToObject(n, "operator", "Exists") ||
		    !cJSON_AddStringToObject(n, "effect", "NoExecute") ||
		    !cJSON_AddNumberToObject(n, "tolerationSeconds", toleration_s[i]) ||
		    !cJSON_AddItemToArray(tol, n)) {
			cJSON_Delete(n);
			d->oom = true;
			return;
		}
	}
}

/* Sums the positive cpu and memory quantities of one resource list into
 * sum[0] (cpu) and sum[1] (memory); returns which of the two were found. */
static unsigned qos_sum(const cJSON *list, cube_quantity sum[2], bool seen[2])
{
	static const char *const names[] = {"cpu", "memory"};
	unsigned found = 0;
	for (int i = 0; i < 2; i++) {
		cube_quantity q, zero = {0, CUBE_QTY_DECIMAL_SI};
		const cJSON *v = get(list, names[i]);
		if (!v || cube_quantity_parse_json(v, &q, NULL) < 0 ||
		    cube_quantity_cmp(&q, &zero) <= 0)
			continue;
		found |= 1u << i;
		if (seen[i]) {
			cube_quantity_add(&sum[i], &q);
		} else {
			sum[i] = q;
			seen[i] = true;
		}
	}
	return found;
}

/* qos.ComputePodQOS over containers and init containers. */
static const char *pod_qos(const cJSON *spec)
{
	cube_quantity req[2], lim[2];
	bool has_req[2] = {false, false}, has_lim[2] = {false, false};
	bool guaranteed = true;
	const char *lists[] = {"containers", "initContainers"};
	for (int l = 0; l < 2; l++) {
		const cJSON *c;
		const cJSON *arr = get(spec, lists[l]);
		cJSON_ArrayForEach (c, (cJSON_IsArray(arr) ? arr : NULL)) {
			const cJSON *res = get(c, "resources");
			qos_sum(get(res, "requests"), req, has_req);
			if (qos_sum(get(res, "limits"), lim, has_lim) != 3u)
				guaranteed = false;
		}
	}
	int nreq = has_req[0] + has_req[1], nlim = has_lim[0] + has_lim[1];
	if (!nreq && !nlim)
		return "BestEffort";
	for (int i = 0; guaranteed && i < 2; i++)
		if (has_req[i] && (!has_lim[i] || cube_quantity_cmp(&lim[i], &req[i]) != 0))
			guaranteed = false;
	return guaranteed && nreq == nlim ? "Guaranteed" : "Burstable";
}

static void default_pod(dctx *d, cJSON *pod)
{
	cJSON *spec = obj(d, pod, "spec");
	if (!spec)
		return;
	each(d, get(spec, "containers"), requests_from_limits);
	each(d, get(spec, "initContainers"), requests_from_limits);
	def_bool(d, spec, "enableServiceLinks", true);
	if (cJSON_IsTrue(get(spec, "hostNetwork"))) {
		each(d, get(spec, "containers"), host_network_ports);
		each(d, get(spec, "initContainers"), host_network_ports);
	}
	default_pod_spec(d, spec);
	/* Since v1.27 the v1 Pod conversion reads a negative grace period as 1
	 * (validation does not reject it). */
	const cJSON *tgps = get(spec, "terminationGracePeriodSeconds");
	if (cJSON_IsNumber(tgps) && tgps->valuedouble < 0)
		put(d, spec, "terminationGracePeriodSeconds", cJSON_CreateNumber(1));
	/* The Priority admission plugin, for the classes every cluster has. */
	const char *pc = str(spec, "priorityClassName");
	if (!pc || !pc[0]) {
		def_num(d, spec, "priority", 0);
		def_str(d, spec, "preemptionPolicy", "PreemptLowerPriority");
	} else if (!strcmp(pc, "system-node-critical") || !strcmp(pc, "system-cluster-critical")) {
		def_num(d, spec, "priority",
			!strcmp(pc, "system-node-critical") ? 2000001000 : 2000000000);
		def_str(d, spec, "preemptionPolicy", "PreemptLowerPriority");
	}
	default_tolerations(d, spec);
	cJSON *status = obj(d, pod, "status");
	if (status)
		def_str(d, status, "qosClass", pod_qos(spec));
}

/* ---- workloads ---------------------------------------------------------------------- */

static void default_deployment(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	if (!spec)
		return;
	def_num(d, spec, "replicas", 1);
	cJSON *st = obj(d, spec, "strategy");
	def_str(d, st, "type", "RollingUpdate");
	const char *t = str(st, "type");
	if (t && !strcmp(t, "RollingUpdate")) {
		cJSON *ru = obj(d, st, "rollingUpdate");
		def_str(d, ru, "maxUnavailable", "25%");
		def_str(d, ru, "maxSurge", "25%");
	}
	def_num(d, spec, "revisionHistoryLimit", 10);
	def_num(d, spec, "progressDeadlineSeconds", 600);
	default_template(d, get(spec, "template"));
}

static void default_replicaset(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	def_num(d, spec, "replicas", 1);
	default_template(d, get(spec, "template"));
}

static void default_daemonset(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	if (!spec)
		return;
	cJSON *us = obj(d, spec, "updateStrategy");
	def_str(d, us, "type", "RollingUpdate");
	const char *t = str(us, "type");
	if (t && !strcmp(t, "RollingUpdate")) {
		cJSON *ru = obj(d, us, "rollingUpdate");
		def_num(d, ru, "maxUnavailable", 1);
		def_num(d, ru, "maxSurge", 0);
	}
	def_num(d, spec, "revisionHistoryLimit", 10);
	default_template(d, get(spec, "template"));
}

static void default_pvc_template(dctx *d, cJSON *pvc)
{
	if (!cJSON_IsObject(pvc))
		return;
	def_str(d, get(pvc, "spec"), "volumeMode", "Filesystem");
	def_str(d, obj(d, pvc, "status"), "phase", "Pending");
}

static void default_statefulset(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	if (!spec)
		return;
	def_str(d, spec, "podManagementPolicy", "OrderedReady");
	cJSON *us = obj(d, spec, "updateStrategy");
	if (us && unset_str(get(us, "type"))) {
		def_str(d, us, "type", "RollingUpdate");
		obj(d, us, "rollingUpdate");
	}
	const char *t = str(us, "type");
	if (t && !strcmp(t, "RollingUpdate") && cJSON_IsObject(get(us, "rollingUpdate")))
		def_num(d, get(us, "rollingUpdate"), "partition", 0);
	cJSON *rp = obj(d, spec, "persistentVolumeClaimRetentionPolicy");
	def_str(d, rp, "whenDeleted", "Retain");
	def_str(d, rp, "whenScaled", "Retain");
	def_num(d, spec, "replicas", 1);
	def_num(d, spec, "revisionHistoryLimit", 10);
	default_template(d, get(spec, "template"));
	each(d, get(spec, "volumeClaimTemplates"), default_pvc_template);
}

/* The Job strategy's generateSelector: pods carry the job's name and uid,
 * and the selector picks the uid. */
static void job_selector(dctx *d, cJSON *job, cJSON *spec)
{
	const char *uid = cube_json_str(job, "metadata.uid");
	const char *name = cube_json_str(job, "metadata.name");
	if (cJSON_IsTrue(get(spec, "manualSelector")) || !uid || !uid[0] || !name)
		return;
	cJSON *tmpl = obj(d, spec, "template");
	cJSON *md = obj(d, tmpl, "metadata");
	cJSON *labels = obj(d, md, "labels");
	if (!labels)
		return;
	static const char *const name_labels[] = {"job-name", "batch.kubernetes.io/job-name"};
	static const char *const uid_labels[] = {"controller-uid",
						 "batch.kubernetes.io/controller-uid"};
	for (int i = 0; i < 2; i++) {
		if (!get(labels, name_labels[i]))
			put(d, labels, name_labels[i], cJSON_CreateString(name));
	}
	for (int i = 0; i < 2; i++) {
		if (!get(labels, uid_labels[i]))
			put(d, labels, uid_labels[i], cJSON_CreateString(uid));
	}
	cJSON *ml = obj(d, obj(d, spec, "selector"), "matchLabels");
	if (ml && !get(ml, uid_labels[1]))
		put(d, ml, uid_labels[1], cJSON_CreateString(uid));
}

static void default_job(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	if (!spec)
		return;
	if (unset(get(spec, "completions")) && unset(get(spec, "parallelism"))) {
		def_num(d, spec, "completions", 1);
		def_num(d, spec, "parallelism", 1);
	}
	def_num(d, spec, "parallelism", 1);
	def_num(d, spec, "backoffLimit",
		unset(get(spec, "backoffLimitPerIndex")) ? 6 : (double)INT32_MAX);
	def_str(d, spec, "completionMode", "NonIndexed");
	def_bool(d, spec, "suspend", false);
	cJSON *pfp = get(spec, "podFailurePolicy");
	cJSON *rule;
	cJSON_ArrayForEach (rule, (cJSON_IsArray(get(pfp, "rules")) ? get(pfp, "rules") : NULL)) {
		cJSON *pat;
		cJSON *conds = get(rule, "onPodConditions");
		cJSON_ArrayForEach (pat, (cJSON_IsArray(conds) ? conds : NULL)) {
			def_str(d, pat, "status", "True");
		}
	}
	def_str(d, spec, "podReplacementPolicy", unset(pfp) ? "TerminatingOrFailed" : "Failed");
	default_template(d, get(spec, "template"));
	job_selector(d, o, spec);
	/* The Job's labels default to its template's.  Kubernetes does this on
	 * decode, sharing the template's label map, so the generated selector
	 * labels show up on the Job too (and a Job read back from storage gets
	 * them in any case); copying after job_selector() gives that result and
	 * keeps a second pass from changing anything. */
	cJSON *tl = get(get(get(spec, "template"), "metadata"), "labels");
	cJSON *md = obj(d, o, "metadata");
	cJSON *jl = get(md, "labels");
	if (cJSON_IsObject(tl) && tl->child && md &&
	    (unset(jl) || (cJSON_IsObject(jl) && !jl->child)))
		put(d, md, "labels", cJSON_Duplicate(tl, true));
}

static void default_cronjob(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	if (!spec)
		return;
	def_str(d, spec, "concurrencyPolicy", "Allow");
	def_bool(d, spec, "suspend", false);
	def_num(d, spec, "successfulJobsHistoryLimit", 3);
	def_num(d, spec, "failedJobsHistoryLimit", 1);
	default_template(d, get(get(get(spec, "jobTemplate"), "spec"), "template"));
}

/* ---- core kinds --------------------------------------------------------------------- */

static void default_service(dctx *d, cJSON *o)
{
	cJSON *spec = obj(d, o, "spec");
	if (!spec)
		return;
	def_str(d, spec, "sessionAffinity", "None");
	const char *aff = str(spec, "sessionAffinity");
	if (aff && !strcmp(aff, "None")) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "sessionAffinityConfig");
	} else if (aff && !strcmp(aff, "ClientIP")) {
		cJSON *cfg = obj(d, spec, "sessionAffinityConfig");
		def_num(d, obj(d, cfg, "clientIP"), "timeoutSeconds", 10800);
	}
	def_str(d, spec, "type", "ClusterIP");
	const char *type = str(spec, "type");
	cJSON *p;
	cJSON_ArrayForEach (p, (cJSON_IsArray(get(spec, "ports")) ? get(spec, "ports") : NULL)) {
		def_str(d, p, "protocol", "TCP");
		const cJSON *tp = get(p, "targetPort"), *port = get(p, "port");
		if ((unset_int0(tp) || unset_str(tp)) && cJSON_IsNumber(port))
			put(d, p, "targetPort", cJSON_CreateNumber(port->valuedouble));
	}
	bool lb = type && !strcmp(type, "LoadBalancer");
	bool external =
		type &&
		(lb || !strcmp(type, "NodePort") ||
		 (!strcmp(type, "ClusterIP") && cJSON_GetArraySize(get(spec, "externalIPs")) > 0));
	if (external)
		def_str(d, spec, "externalTrafficPolicy", "Cluster");
	if (type && (lb || !strcmp(type, "NodePort") || !strcmp(type, "ClusterIP")))
		def_str(d, spec, "internalTrafficPolicy", "Cluster");
	if (lb)
		def_bool(d, spec, "allocateLoadBalancerNodePorts", true);
	if (type && strcmp(type, "ExternalName") != 0) {
		/* The strategy's normalizeClusterIPs: the plural follows the singular. */
		const char *ip = str(spec, "clusterIP");
		const cJSON *ips = get(spec, "clusterIPs");
		if (ip && ip[0] && (unset(ips) || (cJSON_IsArray(ips) && !ips->child))) {
			cJSON *a = cJSON_CreateArray();
			if (a && !cJSON_AddItemToArray(a, cJSON_CreateString(ip))) {
				cJSON_Delete(a);
				a = NULL;
			}
			put(d, spec, "clusterIPs", a);
		}
		def_str(d, spec, "ipFamilyPolicy", "SingleStack");
		const cJSON *fam = get(spec, "ipFamilies");
		if (unset(fam) || (cJSON_IsArray(fam) && !fam->child)) {
			cJSON *a = cJSON_CreateArray();
			if (a && !cJSON_AddItemToArray(a, cJSON_CreateString("IPv4"))) {
				cJSON_Delete(a);
				a = NULL;
			}
			put(d, spec, "ipFamilies", a);
		}
	}
}

static void default_namespace(dctx *d, cJSON *o)
{
	const char *name = cube_json_str(o, "metadata.name");
	if (!name || !name[0])
		return; /* generateName: nothing to copy yet */
	cJSON *labels = obj(d, obj(d, o, "metadata"), "labels");
	if (!labels)
		return;
	const char *cur = str(labels, "kubernetes.io/metadata.name");
	if (!cur || strcmp(cur, name) != 0)
		put(d, labels, "kubernetes.io/metadata.name", cJSON_CreateString(name));
}

static char *base64(const char *s)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s);
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (uint32_t)(unsigned char)s[i + 2];
		out[o++] = tbl[(v >> 18) & 63];
		out[o++] = tbl[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

static void default_secret(dctx *d, cJSON *o)
{
	def_str(d, o, "type", "Opaque");
	cJSON *sd = get(o, "stringData");
	if (cJSON_IsObject(sd) && sd->child) {
		cJSON *data = obj(d, o, "data");
		cJSON *kv;
		cJSON_ArrayForEach (kv, (data ? sd : NULL)) {
			if (!cJSON_IsString(kv))
				continue;
			char *b = base64(kv->valuestring);
			put(d, data, kv->string, b ? cJSON_CreateString(b) : NULL);
			free(b);
		}
	}
	if (!d->oom && get(o, "stringData"))
		cJSON_DeleteItemFromObjectCaseSensitive(o, "stringData");
}

static void default_node(dctx *d, cJSON *o)
{
	cJSON *st = get(o, "status");
	cJSON *cap = get(st, "capacity");
	if (cJSON_IsObject(cap) && unset(get(st, "allocatable")))
		put(d, st, "allocatable", cJSON_Duplicate(cap, true));
}

static void default_endpoints(dctx *d, cJSON *o)
{
	cJSON *ss;
	cJSON_ArrayForEach (ss, (cJSON_IsArray(get(o, "subsets")) ? get(o, "subsets") : NULL)) {
		cJSON *p;
		cJSON_ArrayForEach (p,
				    (cJSON_IsArray(get(ss, "ports")) ? get(ss, "ports") : NULL)) {
			def_str(d, p, "protocol", "TCP");
		}
	}
}

/* ---- dispatch ----------------------------------------------------------------------- */

static const struct {
	const char *kind;
	void (*fn)(dctx *, cJSON *);
} table[] = {
	{"Pod", default_pod},
	{"Deployment", default_deployment},
	{"ReplicaSet", default_replicaset},
	{"DaemonSet", default_daemonset},
	{"StatefulSet", default_statefulset},
	{"Job", default_job},
	{"CronJob", default_cronjob},
	{"Service", default_service},
	{"Namespace", default_namespace},
	{"Secret", default_secret},
	{"Node", default_node},
	{"Endpoints", default_endpoints},
};

int api_default(const api_resource *r, cJSON *o)
{
	if (!r || !cJSON_IsObject(o))
		return 0;
	dctx d = {false};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (!strcmp(table[i].kind, r->kind)) {
			table[i].fn(&d, o);
			break;
		}
	}
	return d.oom ? -1 : 0;
}
