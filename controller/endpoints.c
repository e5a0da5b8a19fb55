/* endpoints.c - the Endpoints controller: for every Service with a
 * selector, an Endpoints object of the same name listing the addresses of
 * the pods the selector matches, as Kubernetes' EndpointController.
 *
 * sync(service key):
 *   - the Service is gone: delete its Endpoints;
 *   - no selector (nil, not {}) or type ExternalName: leave its Endpoints
 *     alone (someone else manages them);
 *   - else, for each matching pod that ShouldPodBeInEndpoints (has a podIP,
 *     not Succeeded/Failed, not being deleted unless
 *     publishNotReadyAddresses) and for each service port whose target
 *     port the pod has (a number as is; a name looked up in the pod's
 *     containers' ports of the same protocol), an address {ip, hostname,
 *     nodeName, targetRef} goes to `addresses` if the pod is Ready (or the
 *     service publishes not-ready addresses), else to `notReadyAddresses`;
 *     the subsets are then packed as RepackSubsets does: one subset per set
 *     of addresses, holding every port those addresses serve.  Addresses are
 *     sorted by IP then UID, ports by name/port/protocol, subsets by their
 *     first address (Kubernetes sorts ports and subsets by a hash; any
 *     stable order serves clients alike).
 *   - the Endpoints is written only when its subsets or labels differ from
 *     what is stored (labels are the Service's, plus
 *     service.kubernetes.io/headless for headless services), with the
 *     annotation endpoints.kubernetes.io/last-change-trigger-time.
 *
 * Pods enqueue the services of their namespace whose selector matches the
 * pod's old or new labels; the deletion of an Endpoints object enqueues its
 * Service (which recreates it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "util.h"

#define TRIGGER_ANNOTATION "endpoints.kubernetes.io/last-change-trigger-time"
#define HEADLESS_LABEL "service.kubernetes.io/headless"

typedef struct ep_ctl {
	cm *m;
	cube_informer *services, *pods, *endpoints;
	cube_controller *ctl;
	cube_recorder *rec;
} ep_ctl;

/* ---- packing ------------------------------------------------------------------- */

typedef struct ep_addr {
	const char *ip, *uid;
	bool ready;
	cJSON *json; /* the EndpointAddress */
} ep_addr;

/* One (port, address) pairing; `port` indexes the unique ports. */
typedef struct ep_pair {
	size_t port, addr;
} ep_pair;

typedef struct ep_build {
	ep_addr *addrs;
	size_t n_addrs;
	cJSON **ports; /* unique EndpointPorts (a NULL entry: the no-ports sentinel) */
	size_t n_ports;
	ep_pair *pairs;
	size_t n_pairs;
	bool oom;
} ep_build;

static void build_free(ep_build *b)
{
	for (size_t i = 0; i < b->n_addrs; i++)
		cJSON_Delete(b->addrs[i].json);
	for (size_t i = 0; i < b->n_ports; i++)
		cJSON_Delete(b->ports[i]);
	free(b->addrs);
	free(b->ports);
	free(b->pairs);
}

static size_t port_id(ep_build *b, cJSON *port)
{
	for (size_t i = 0; i < b->n_ports; i++)
		if ((!port && !b->ports[i]) ||
		    (port && b->ports[i] && cJSON_Compare(port, b->ports[i], true))) {
			cJSON_Delete(port);
			return i;
		}
	cJSON **p = realloc(b->ports, (b->n_ports + 1) * sizeof(*p));
	if (!p) {
		cJSON_Delete(port);
		b->oom = true;
		return SIZE_MAX;
	}
	b->ports = p;
	b->ports[b->n_ports] = port;
	return b->n_ports++;
}

static void add_pair(ep_build *b, size_t port, size_t addr)
{
	if (port == SIZE_MAX)
		return;
	for (size_t i = 0; i < b->n_pairs; i++)
		if (b->pairs[i].port == port && b->pairs[i].addr == addr)
			return;
	ep_pair *p = realloc(b->pairs, (b->n_pairs + 1) * sizeof(*p));
	if (!p) {
		b->oom = true;
		return;
	}
	b->pairs = p;
	b->pairs[b->n_pairs++] = (ep_pair){port, addr};
}

static int cmp_addr(const ep_addr *a, const ep_addr *b)
{
	int c = strcmp(a->ip, b->ip);
	return c ? c : strcmp(a->uid ? a->uid : "", b->uid ? b->uid : "");
}

static int cmp_addr_ptrs(const void *x, const void *y)
{
	return cmp_addr(*(const ep_addr *const *)x, *(const ep_addr *const *)y);
}

static int cmp_ports(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	const char *na = cube_json_str(a, "name"), *nb = cube_json_str(b, "name");
	int c = strcmp(na ? na : "", nb ? nb : "");
	if (c)
		return c;
	int64_t pa = cube_json_int(a, "port", 0), pb = cube_json_int(b, "port", 0);
	if (pa != pb)
		return pa < pb ? -1 : 1;
	const char *ra = cube_json_str(a, "protocol"), *rb = cube_json_str(b, "protocol");
	return strcmp(ra ? ra : "", rb ? rb : "");
}

/* The addresses that serve port p, sorted; returns how many. */
static size_t addrs_of_port(const ep_build *b, size_t p, const ep_addr **out)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n_pairs; i++)
		if (b->pairs[i].port == p)
			out[n++] = &b->addrs[b->pairs[i].addr];
	qsort(out, n, sizeof(*out), cmp_addr_ptrs);
	return n;
}

static int cmp_subsets(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
	const cJSON *fa = cube_json_path(a, "addresses"), *fb = cube_json_path(b, "addresses");
	fa = fa ? fa : cube_json_path(a, "notReadyAddresses");
	fb = fb ? fb : cube_json_path(b, "notReadyAddresses");
	const char *ia = fa && fa->child ? cube_json_str(fa->child, "ip") : NULL;
	const char *ib = fb && fb->child ? cube_json_str(fb->child, "ip") : NULL;
	int c = strcmp(ia ? ia : "", ib ? ib : "");
	if (c)
		return c;
	const cJSON *pa = cube_json_path(a, "ports"), *pb = cube_json_path(b, "ports");
	if (!pa || !pa->child || !pb || !pb->child)
		return (pa && pa->child) - (pb && pb->child);
	const cJSON *x1 = pa->child, *y1 = pb->child;
	return cmp_ports(&x1, &y1);
}

/* RepackSubsets: ports served by the same set of addresses share a subset.
 * Returns the subsets array (new), or NULL on ENOMEM. */
static cJSON *repack(ep_build *b)
{
	cJSON *subsets = cJSON_CreateArray();
	const ep_addr **ids = malloc((b->n_addrs + 1) * sizeof(*ids));
	const ep_addr **other = malloc((b->n_addrs + 1) * sizeof(*other));
	bool *done = calloc(b->n_ports + 1, sizeof(*done));
	if (!subsets || !ids || !other || !done) {
		cJSON_Delete(subsets);
		subsets = NULL;
		goto out;
	}
	for (size_t p = 0; p < b->n_ports; p++) {
		if (done[p])
			continue;
		size_t n = addrs_of_port(b, p, ids);
		if (!n)
			continue;
		cJSON *ss = cJSON_CreateObject();
		cJSON *ports = cJSON_CreateArray();
		for (size_t q = p; q < b->n_ports; q++) {
			if (done[q])
				continue;
			size_t m = addrs_of_port(b, q, other);
			if (m != n || memcmp(ids, other, n * sizeof(*ids)))
				continue;
			done[q] = true;
			if (b->ports[q])
				cJSON_AddItemToArray(ports, cJSON_Duplicate(b->ports[q], true));
		}
		cJSON *ready = cJSON_CreateArray(), *not_ready = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(ids[i]->ready ? ready : not_ready,
					     cJSON_Duplicate(ids[i]->json, true));
		if (cJSON_GetArraySize(ready))
			cJSON_AddItemToObject(ss, "addresses", ready);
		else
			cJSON_Delete(ready);
		if (cJSON_GetArraySize(not_ready))
			cJSON_AddItemToObject(ss, "notReadyAddresses", not_ready);
		else
			cJSON_Delete(not_ready);
		size_t np = (size_t)cJSON_GetArraySize(ports);
		if (np) {
			cJSON **tmp = malloc(np * sizeof(*tmp));
			if (tmp) {
				size_t i = 0;
				while (ports->child)
					tmp[i++] = cJSON_DetachItemViaPointer(ports, ports->child);
				qsort(tmp, np, sizeof(*tmp), cmp_ports);
				for (i = 0; i < np; i++)
					cJSON_AddItemToArray(ports, tmp[i]);
				free(tmp);
			}
			cJSON_AddItemToObject(ss, "ports", ports);
		} else {
			cJSON_Delete(ports);
		}
		cJSON_AddItemToArray(subsets, ss);
	}
	size_t ns = (size_t)cJSON_GetArraySize(subsets);
	if (ns > 1) {
		cJSON **tmp = malloc(ns * sizeof(*tmp));
		if (tmp) {
			size_t i = 0;
			while (subsets->child)
				tmp[i++] = cJSON_DetachItemViaPointer(subsets, subsets->child);
			qsort(tmp, ns, sizeof(*tmp), cmp_subsets);
			for (i = 0; i < ns; i++)
				cJSON_AddItemToArray(subsets, tmp[i]);
			free(tmp);
		}
	}
out:
	free(ids);
	free(other);
	free(done);
	return subsets;
}

/* ---- pods and ports ----------------------------------------------------------------- */

/* Kubernetes' ShouldPodBeInEndpoints. */
static bool pod_in_endpoints(const cJSON *pod, bool include_terminating)
{
	const char *phase = cube_json_str(pod, "status.phase");
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return false;
	const char *ip = cube_json_str(pod, "status.podIP");
	if (!ip || !ip[0])
		return false;
	return include_terminating || !cube_json_str(pod, "metadata.deletionTimestamp");
}

/* podutil.FindPort: the pod's port for a service port, or -1. */
static int64_t find_port(const cJSON *pod, const cJSON *sp)
{
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(sp, "targetPort");
	if (!tp || cJSON_IsNull(tp))
		return cube_json_int(sp, "port", -1);
	if (cJSON_IsNumber(tp))
		return (int64_t)tp->valuedouble;
	if (!cJSON_IsString(tp))
		return -1;
	const char *proto = cube_json_str(sp, "protocol");
	proto = proto ? proto : "TCP";
	static const char *const lists[] = {"spec.containers", "spec.initContainers"};
	for (size_t l = 0; l < 2; l++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, lists[l])) {
			/* init containers count only as sidecars (restartPolicy Always) */
			const char *rp = cube_json_str(c, "restartPolicy");
			if (l == 1 && (!rp || strcmp(rp, "Always")))
				continue;
			const cJSON *p;
			cJSON_ArrayForEach (p, cube_json_path(c, "ports")) {
				const char *name = cube_json_str(p, "name");
				const char *pp = cube_json_str(p, "protocol");
				if (name && !strcmp(name, tp->valuestring) &&
				    !strcmp(pp ? pp : "TCP", proto))
					return cube_json_int(p, "containerPort", -1);
			}
		}
	}
	return -1;
}

static cJSON *endpoint_port(const cJSON *sp, int64_t port)
{
	cJSON *p = cJSON_CreateObject();
	const char *name = cube_json_str(sp, "name");
	if (name && name[0])
		cJSON_AddStringToObject(p, "name", name);
	cJSON_AddNumberToObject(p, "port", (double)port);
	const char *proto = cube_json_str(sp, "protocol");
	cJSON_AddStringToObject(p, "protocol", proto ? proto : "TCP");
	const char *ap = cube_json_str(sp, "appProtocol");
	if (ap)
		cJSON_AddStringToObject(p, "appProtocol", ap);
	return p;
}

static cJSON *endpoint_address(const cJSON *svc, const cJSON *pod)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "ip", cube_json_str(pod, "status.podIP"));
	/* ShouldSetHostname: the pod's subdomain is this service */
	const char *host = cube_json_str(pod, "spec.hostname");
	const char *sub = cube_json_str(pod, "spec.subdomain");
	if (host && host[0] && sub && !strcmp(sub, cube_obj_name(svc)))
		cJSON_AddStringToObject(a, "hostname", host);
	const char *node = cube_json_str(pod, "spec.nodeName");
	if (node && node[0])
		cJSON_AddStringToObject(a, "nodeName", node);
	cJSON *ref = cJSON_AddObjectToObject(a, "targetRef");
	cJSON_AddStringToObject(ref, "kind", "Pod");
	cJSON_AddStringToObject(ref, "namespace", cube_obj_namespace(pod));
	cJSON_AddStringToObject(ref, "name", cube_obj_name(pod));
	cJSON_AddStringToObject(ref, "uid", cube_obj_uid(pod) ? cube_obj_uid(pod) : "");
	return a;
}

/* The newest time among the service's creation and its pods' last readiness
 * change (or creation): when the last change feeding these endpoints was. */
static double pod_change_time(const cJSON *pod)
{
	double t = 0, r = 0;
	cube_time_parse(cube_json_str(pod, "metadata.creationTimestamp"), &t);
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "status.conditions")) {
		const char *type = cube_json_str(c, "type");
		if (type && !strcmp(type, "Ready") &&
		    cube_time_parse(cube_json_str(c, "lastTransitionTime"), &r) && r > t)
			t = r;
	}
	return t;
}

/* ---- sync ------------------------------------------------------------------------------ */

static bool labels_equal(const cJSON *a, const cJSON *b)
{
	bool ea = !a || !a->child, eb = !b || !b->child;
	if (ea || eb)
		return ea && eb;
	return cJSON_Compare(a, b, true);
}

/* The labels the Endpoints carries: the service's, plus the headless mark. */
static cJSON *wanted_labels(const cJSON *svc)
{
	const cJSON *l = cube_obj_labels(svc);
	cJSON *out = l ? cJSON_Duplicate(l, true) : cJSON_CreateObject();
	if (!out)
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(out, HEADLESS_LABEL);
	const char *cip = cube_json_str(svc, "spec.clusterIP");
	if (!cip || !cip[0] || !strcmp(cip, "None"))
		cJSON_AddStringToObject(out, HEADLESS_LABEL, "");
	return out;
}

static int delete_endpoints(ep_ctl *e, const char *ns, const char *name, cube_err *err)
{
	cube_err de = CUBE_ERR_INIT;
	if (cube_kclient_delete(e->m->client, &CUBE_GVR_ENDPOINTS, ns, name, NULL, &de) < 0 &&
	    de.code != CUBE_ENOTFOUND) {
		*err = de;
		return -1;
	}
	return 0;
}

/* Writes the Endpoints (create or update) with subsets and labels. */
static int write_endpoints(ep_ctl *e, const cJSON *svc, const cJSON *cur, cJSON *subsets,
			   cJSON *labels, double trigger, cube_err *err)
{
	cube_autojson cJSON *ep = cur ? cube_obj_copy(cur) : cJSON_CreateObject();
	if (!ep) {
		cJSON_Delete(subsets);
		cJSON_Delete(labels);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	if (!cur) {
		cJSON_AddStringToObject(ep, "apiVersion", "v1");
		cJSON_AddStringToObject(ep, "kind", "Endpoints");
		cJSON *md = cJSON_AddObjectToObject(ep, "metadata");
		cJSON_AddStringToObject(md, "name", cube_obj_name(svc));
		cJSON_AddStringToObject(md, "namespace", cube_obj_namespace(svc));
	}
	cJSON *md = cube_json_ensure_obj(ep, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "labels");
	if (labels && labels->child)
		cJSON_AddItemToObject(md, "labels", labels);
	else
		cJSON_Delete(labels);
	cJSON *ann = cube_json_ensure_obj(md, "annotations");
	char ts[40];
	cube_time_format((time_t)trigger, ts, sizeof(ts));
	cube_json_set_str(ann, TRIGGER_ANNOTATION, ts);
	cJSON_DeleteItemFromObjectCaseSensitive(ep, "subsets");
	if (cJSON_GetArraySize(subsets))
		cJSON_AddItemToObject(ep, "subsets", subsets);
	else
		cJSON_Delete(subsets);
	cJSON *res = cur ? cube_kclient_update(e->m->client, &CUBE_GVR_ENDPOINTS,
					       cube_obj_namespace(svc), ep, NULL, err)
			 : cube_kclient_create(e->m->client, &CUBE_GVR_ENDPOINTS,
					       cube_obj_namespace(svc), ep, err);
	if (!res) {
		if (err->code == CUBE_EINVAL)
			cube_event(e->rec, svc, "Warning", "FailedToUpdateEndpoint",
				   "Failed to update endpoint %s/%s: %s", cube_obj_namespace(svc),
				   cube_obj_name(svc), err->msg);
		return -1;
	}
	cJSON_Delete(res);
	return 0;
}

/* Fills b with the pods' addresses and ports for the service. */
static void collect(const cJSON *svc, cube_robj **pods, size_t n, const cube_labelsel *sel,
		    ep_build *b, double *trigger)
{
	bool publish = cJSON_IsTrue(cube_json_path(svc, "spec.publishNotReadyAddresses"));
	const cJSON *ports = cube_json_path(svc, "spec.ports");
	const char *cip = cube_json_str(svc, "spec.clusterIP");
	bool headless = cip && !strcmp(cip, "None");
	b->addrs = calloc(n ? n : 1, sizeof(*b->addrs));
	if (!b->addrs) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *pod = pods[i]->json;
		if (!cube_labelsel_matches(sel, cube_obj_labels(pod)) ||
		    !pod_in_endpoints(pod, publish))
			continue;
		size_t a = b->n_addrs;
		b->addrs[a] = (ep_addr){.ip = cube_json_str(pod, "status.podIP"),
					.uid = cube_obj_uid(pod),
					.ready = publish || cm_pod_ready(pod),
					.json = endpoint_address(svc, pod)};
		if (!b->addrs[a].json) {
			b->oom = true;
			return;
		}
		b->n_addrs++;
		double t = pod_change_time(pod);
		if (t > *trigger)
			*trigger = t;
		if (!cJSON_GetArraySize(ports)) {
			if (headless)
				add_pair(b, port_id(b, NULL), a);
			continue;
		}
		const cJSON *sp;
		cJSON_ArrayForEach (sp, ports) {
			int64_t port = find_port(pod, sp);
			if (port <= 0) {
				cube_log_debug("endpoints %s/%s: pod %s has no port %s",
					       cube_obj_namespace(svc), cube_obj_name(svc),
					       cube_obj_name(pod),
					       cube_json_str(sp, "name") ? cube_json_str(sp, "name")
									 : "");
				continue;
			}
			add_pair(b, port_id(b, endpoint_port(sp, port)), a);
		}
	}
}

static int sync_service(void *ud, const char *key, cube_err *err)
{
	ep_ctl *e = ud;
	char ns[256], name[256];
	if (cube_obj_key_split(key, ns, sizeof(ns), name, sizeof(name), NULL) < 0)
		return 0;
	cube_robj *so = cube_informer_get(e->services, key);
	if (!so) {
		cube_robj *eo = cube_informer_get(e->endpoints, key);
		int rc = eo ? delete_endpoints(e, ns, name, err) : 0;
		cube_robj_unref(eo);
		return rc;
	}
	const cJSON *svc = so->json;
	const cJSON *selmap = cube_json_path(svc, "spec.selector");
	const char *type = cube_json_str(svc, "spec.type");
	if (!selmap || cJSON_IsNull(selmap) || (type && !strcmp(type, "ExternalName"))) {
		cube_robj_unref(so);
		return 0;
	}
	cube_err se = CUBE_ERR_INIT;
	cube_labelsel *sel = cube_labelsel_from_map(selmap, &se);
	if (!sel) {
		cube_event(e->rec, svc, "Warning", "FailedToUpdateEndpoint", "spec.selector: %s",
			   se.msg);
		cube_robj_unref(so);
		return 0;
	}
	cube_robj **pods = NULL;
	size_t n = cm_list_namespace(e->pods, ns, &pods);
	ep_build b = {0};
	double trigger = 0;
	cube_time_parse(cube_json_str(svc, "metadata.creationTimestamp"), &trigger);
	collect(svc, pods, n, sel, &b, &trigger);
	cJSON *subsets = b.oom ? NULL : repack(&b);
	cJSON *labels = subsets ? wanted_labels(svc) : NULL;
	cube_robj *eo = cube_informer_get(e->endpoints, key);
	const cJSON *cur = eo ? eo->json : NULL;
	int rc = 0;
	if (!labels) {
		cJSON_Delete(subsets);
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
	} else if (cur) {
		const cJSON *have = cube_json_path(cur, "subsets");
		bool same_subsets = (!cJSON_GetArraySize(have) && !cJSON_GetArraySize(subsets)) ||
				    cJSON_Compare(have, subsets, true);
		if (same_subsets && labels_equal(cube_obj_labels(cur), labels)) {
			cJSON_Delete(subsets);
			cJSON_Delete(labels);
			goto out;
		}
	}
	if (labels) {
		/* A change that leaves no newer timestamp behind (a pod deleted):
		 * the change is now. */
		double had = 0;
		if (cur && cube_time_parse(cube_obj_annotation(cur, TRIGGER_ANNOTATION), &had) &&
		    trigger <= had)
			trigger = cm_now();
		rc = write_endpoints(e, svc, cur, subsets, labels, trigger, err);
	}
out:
	build_free(&b);
	cube_robj_unref(eo);
	cube_robj_list_free(pods, n);
	cube_labelsel_free(sel);
	cube_robj_unref(so);
	return rc;
}

/* ---- handlers ----------------------------------------------------------------------------- */

/* Queues the services of the pod's namespace that select its labels. */
static void enqueue_services(ep_ctl *e, const cJSON *pod, const cJSON *old_labels)
{
	cube_robj **svcs;
	size_t n = cm_list_namespace(e->services, cube_obj_namespace(pod), &svcs);
	for (size_t i = 0; i < n; i++) {
		const cJSON *selmap = cube_json_path(svcs[i]->json, "spec.selector");
		if (!selmap || cJSON_IsNull(selmap))
			continue;
		cube_labelsel *sel = cube_labelsel_from_map(selmap, NULL);
		if (sel && (cube_labelsel_matches(sel, cube_obj_labels(pod)) ||
			    (old_labels && cube_labelsel_matches(sel, old_labels))))
			cube_controller_enqueue(e->ctl, svcs[i]->key);
		cube_labelsel_free(sel);
	}
	cube_robj_list_free(svcs, n);
}

static void pod_add(void *ud, cube_robj *o)
{
	enqueue_services(ud, o->json, NULL);
}

static void pod_update(void *ud, cube_robj *old, cube_robj *cur)
{
	if (old == cur)
		return;
	enqueue_services(ud, cur->json, cube_obj_labels(old->json));
}

static void pod_delete(void *ud, cube_robj *last)
{
	enqueue_services(ud, last->json, NULL);
}

static void endpoints_delete(void *ud, cube_robj *last)
{
	ep_ctl *e = ud;
	cube_robj *svc = cube_informer_get(e->services, last->key);
	if (svc)
		cube_controller_enqueue(e->ctl, last->key);
	cube_robj_unref(svc);
}

int endpoints_init(cm *m, cube_err *err)
{
	ep_ctl *e = calloc(1, sizeof(*e));
	if (!e)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	e->m = m;
	cube_controller_config cc = {
		.name = "endpoint", .workers = m->cfg.workers, .sync = sync_service, .ud = e};
	if (!(e->ctl = cube_controller_new(&cc, err))) {
		free(e);
		return -1;
	}
	if (cm_add(m, e->ctl, e, free, err) < 0)
		return -1;
	if (!(e->rec = cm_recorder(m, "endpoint-controller", err)))
		return -1;
	if (!(e->services = cube_informer_factory_get(m->factory, &CUBE_GVR_SERVICES, NULL, NULL,
						      NULL, err)) ||
	    !(e->pods = cube_informer_factory_get(m->factory, &CUBE_GVR_PODS, NULL, NULL, NULL,
						  err)) ||
	    !(e->endpoints = cube_informer_factory_get(m->factory, &CUBE_GVR_ENDPOINTS, NULL, NULL,
						       NULL, err)))
		return -1;
	cube_informer_handlers sh = cube_controller_handlers(e->ctl);
	cube_informer_handlers ph = {
		.on_add = pod_add, .on_update = pod_update, .on_delete = pod_delete, .ud = e};
	cube_informer_handlers eh = {.on_delete = endpoints_delete, .ud = e};
	if (cube_informer_add_index(e->pods, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(e->services, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_handlers(e->services, &sh, err) < 0 ||
	    cube_informer_add_handlers(e->pods, &ph, err) < 0 ||
	    cube_informer_add_handlers(e->endpoints, &eh, err) < 0)
		return -1;
	return 0;
}
