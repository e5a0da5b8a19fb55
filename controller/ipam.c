/* ipam.c - the node IPAM controller ("nodeipam"), as Kubernetes' range
 * allocator: with --allocate-node-cidrs, every Node without spec.podCIDR gets
 * the next free /--node-cidr-mask-size range of --cluster-cidr (a merge patch
 * of spec.podCIDR and spec.podCIDRs); ranges of deleted nodes are freed;
 * when none is left the node gets a CIDRNotAvailable event and is retried
 * when a node goes.  Ranges nodes already have (given to their cubelet with
 * --pod-cidr, or from an earlier run) are marked used before any is handed
 * out: the workers start after the informer's first list. */
#include "ipam.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "controllers.h"
#include "log.h"
#include "obj.h"

/* ---- the allocator -------------------------------------------------------------- */

static int parse_cidr(const char *s, uint32_t *addr, int *bits)
{
	char ip[32];
	int b = -1;
	struct in_addr in;
	if (!s || sscanf(s, "%31[0-9.]/%d", ip, &b) != 2 || b < 0 || b > 32 ||
	    inet_pton(AF_INET, ip, &in) != 1)
		return -1;
	char tail[8];
	if (snprintf(tail, sizeof(tail), "/%d", b) && !strstr(s, tail))
		return -1;
	*addr = ntohl(in.s_addr);
	*bits = b;
	return 0;
}

static uint32_t mask(int bits)
{
	return bits ? 0xffffffffu << (32 - bits) : 0;
}

int cm_cidrset_init(cm_cidrset *s, const char *cluster_cidr, int node_mask, cube_err *err)
{
	memset(s, 0, sizeof(*s));
	uint32_t a;
	int b;
	if (parse_cidr(cluster_cidr, &a, &b) < 0)
		return cube_err_set(err, CUBE_EINVAL, "--cluster-cidr \"%s\" is not an IPv4 CIDR",
				    cluster_cidr ? cluster_cidr : "");
	if (node_mask <= b || node_mask > 30 || node_mask - b > 16)
		return cube_err_set(err, CUBE_EINVAL,
				    "--node-cidr-mask-size %d must be larger than the cluster "
				    "CIDR's /%d, at most 30, and at most 16 bits more",
				    node_mask, b);
	s->base = a & mask(b);
	s->cluster_bits = b;
	s->node_bits = node_mask;
	s->n = (size_t)1 << (node_mask - b);
	s->used = calloc((s->n + 7) / 8, 1);
	if (!s->used)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return 0;
}

void cm_cidrset_free(cm_cidrset *s)
{
	free(s->used);
	s->used = NULL;
}

static bool is_used(const cm_cidrset *s, size_t i)
{
	return s->used[i / 8] & (1u << (i % 8));
}

static void set_used(cm_cidrset *s, size_t i, bool on)
{
	if (on == is_used(s, i))
		return;
	if (on) {
		s->used[i / 8] |= (uint8_t)(1u << (i % 8));
		s->used_count++;
	} else {
		s->used[i / 8] &= (uint8_t) ~(1u << (i % 8));
		s->used_count--;
	}
}

int cm_cidrset_allocate(cm_cidrset *s, char *out, size_t size, cube_err *err)
{
	for (size_t k = 0; k < s->n; k++) {
		size_t i = (s->next + k) % s->n;
		if (is_used(s, i))
			continue;
		set_used(s, i, true);
		s->next = (i + 1) % s->n;
		uint32_t a = s->base + ((uint32_t)i << (32 - s->node_bits));
		snprintf(out, size, "%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			 a & 255, s->node_bits);
		return 0;
	}
	return cube_err_set(err, CUBE_ETOOBIG, "no free /%d range left in the cluster CIDR",
			    s->node_bits);
}

/* The index of cidr in the set, or -1 if it is not one of its ranges. */
static long index_of(const cm_cidrset *s, const char *cidr, bool *malformed)
{
	uint32_t a;
	int b;
	*malformed = parse_cidr(cidr, &a, &b) < 0;
	if (*malformed || b != s->node_bits || (a & mask(s->cluster_bits)) != s->base ||
	    (a & ~mask(b)) != 0)
		return -1;
	return (long)((a - s->base) >> (32 - s->node_bits));
}

int cm_cidrset_occupy(cm_cidrset *s, const char *cidr, cube_err *err)
{
	bool bad;
	long i = index_of(s, cidr, &bad);
	if (bad)
		return cube_err_set(err, CUBE_EINVAL, "\"%s\" is not an IPv4 CIDR", cidr);
	if (i < 0)
		return 1;
	set_used(s, (size_t)i, true);
	return 0;
}

void cm_cidrset_release(cm_cidrset *s, const char *cidr)
{
	bool bad;
	long i = index_of(s, cidr, &bad);
	if (i >= 0)
		set_used(s, (size_t)i, false);
}

/* ---- the controller ------------------------------------------------------------------ */

typedef struct ipam_ctl {
	cm *m;
	cube_controller *ctl;
	cube_informer *nodes;
	cube_recorder *rec;
	pthread_mutex_t mu;
	cm_cidrset set;
	bool waiting; /* a node found no free range: retry all when one is freed */
} ipam_ctl;

static void occupy_node(ipam_ctl *c, const cJSON *node)
{
	const char *cidr = cube_json_str(node, "spec.podCIDR");
	if (!cidr || !cidr[0])
		return;
	cube_err err = CUBE_ERR_INIT;
	pthread_mutex_lock(&c->mu);
	int rc = cm_cidrset_occupy(&c->set, cidr, &err);
	pthread_mutex_unlock(&c->mu);
	if (rc < 0)
		cube_log_warn("nodeipam: node %s: %s", cube_obj_name(node), err.msg);
}

static void node_added(void *ud, cube_robj *o)
{
	ipam_ctl *c = ud;
	occupy_node(c, o->json);
	cube_controller_enqueue(c->ctl, o->key);
}

static void node_updated(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	node_added(ud, cur);
}

static void node_deleted(void *ud, cube_robj *last)
{
	ipam_ctl *c = ud;
	const char *cidr = cube_json_str(last->json, "spec.podCIDR");
	if (!cidr || !cidr[0])
		return;
	pthread_mutex_lock(&c->mu);
	cm_cidrset_release(&c->set, cidr);
	bool retry = c->waiting;
	c->waiting = false;
	pthread_mutex_unlock(&c->mu);
	if (retry) {
		cube_robj **all;
		size_t n = cube_informer_list(c->nodes, &all);
		for (size_t i = 0; i < n; i++)
			if (!cube_json_str(all[i]->json, "spec.podCIDR"))
				cube_controller_enqueue(c->ctl, all[i]->key);
		cube_robj_list_free(all, n);
	}
}

static int sync_node(void *ud, const char *key, cube_err *err)
{
	ipam_ctl *c = ud;
	cube_robj *o = cube_informer_get(c->nodes, key);
	if (!o)
		return 0;
	int rc = 0;
	cube_autojson cJSON *p = NULL;
	const char *have = cube_json_str(o->json, "spec.podCIDR");
	if (have && have[0])
		goto out;
	char cidr[40];
	cube_err aerr = CUBE_ERR_INIT;
	pthread_mutex_lock(&c->mu);
	int got = cm_cidrset_allocate(&c->set, cidr, sizeof(cidr), &aerr);
	if (got < 0)
		c->waiting = true;
	pthread_mutex_unlock(&c->mu);
	if (got < 0) {
		cube_event(c->rec, o->json, "Normal", "CIDRNotAvailable",
			   "Node %s status is now: CIDRNotAvailable", cube_obj_name(o->json));
		goto out; /* retried when a node goes */
	}
	p = cJSON_CreateObject();
	cJSON *spec = cJSON_AddObjectToObject(p, "spec");
	cJSON_AddStringToObject(spec, "podCIDR", cidr);
	cJSON_AddItemToObject(spec, "podCIDRs", cJSON_CreateStringArray((const char *[]){cidr}, 1));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(p, "metadata"), "resourceVersion",
				cube_obj_resource_version(o->json));
	cJSON *res = cube_kclient_patch(c->m->client, &CUBE_GVR_NODES, NULL, cube_obj_name(o->json),
					NULL, "merge", p, err);
	if (!res) {
		pthread_mutex_lock(&c->mu);
		cm_cidrset_release(&c->set, cidr);
		pthread_mutex_unlock(&c->mu);
		cube_event(c->rec, o->json, "Warning", "CIDRAssignmentFailed",
			   "Node %s status is now: CIDRAssignmentFailed", cube_obj_name(o->json));
		rc = err->code == CUBE_ENOTFOUND ? 0 : -1;
		goto out;
	}
	cJSON_Delete(res);
	cube_log_info("nodeipam: node %s gets pod CIDR %s", cube_obj_name(o->json), cidr);
out:
	cube_robj_unref(o);
	return rc;
}

static void ipam_free(void *ud)
{
	ipam_ctl *c = ud;
	cm_cidrset_free(&c->set);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int nodeipam_init(cm *m, cube_err *err)
{
	if (!m->cfg.allocate_node_cidrs)
		return 0; /* as Kubernetes: the controller runs, allocating nothing */
	ipam_ctl *c = calloc(1, sizeof(*c));
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	c->m = m;
	if (cm_cidrset_init(&c->set, m->cfg.cluster_cidr ? m->cfg.cluster_cidr : "10.244.0.0/16",
			    m->cfg.node_cidr_mask_size ? m->cfg.node_cidr_mask_size : 24,
			    err) < 0) {
		ipam_free(c);
		return -1;
	}
	cube_controller_config cc = {.name = "nodeipam", .workers = 1, .sync = sync_node, .ud = c};
	if (!(c->ctl = cube_controller_new(&cc, err))) {
		ipam_free(c);
		return -1;
	}
	if (cm_add(m, c->ctl, c, ipam_free, err) < 0)
		return -1;
	if (!(c->rec = cm_recorder(m, "node-controller", err)) ||
	    !(c->nodes = cube_informer_factory_get(m->factory, &CUBE_GVR_NODES, NULL, NULL, NULL,
						   err)))
		return -1;
	cube_informer_handlers h = {.on_add = node_added,
				    .on_update = node_updated,
				    .on_delete = node_deleted,
				    .ud = c};
	return cube_informer_add_handlers(c->nodes, &h, err);
}
