/* routes.c - routes to the other nodes' pods, kept in sync from the Node
 * objects, as flannel's backends do (cubelet --network-backend):
 *   host-gw  a route to every other node's pod CIDR through that node's
 *            InternalIP (nodes that share a link);
 *   vxlan    a VXLAN device cube.1 (VNI 1, UDP 8472, no learning) holding
 *            the first address of this node's pod CIDR as a /32, its MAC
 *            published in the Node annotation cube.io/vtep-mac; for every
 *            other node: an FDB entry (its VTEP MAC -> its InternalIP), a
 *            neighbour entry (its pod CIDR's first address -> its VTEP MAC)
 *            and a route to its pod CIDR through that address, onlink over
 *            cube.1 (nodes that only reach each other's addresses).  The routes
 * go into the cubelet's own network namespace (the node's): this is only
 * ever on for a real node, never for a hollow fleet in the root namespace
 * (main.c refuses the combination).  One controller key, "routes": every
 * Node change re-runs the sync, which adds or replaces what is wanted and
 * removes the routes it added for nodes that went. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cubelet.h"
#include "log.h"
#include "netlink.h"
#include "obj.h"

#define ROUTES_KEY "routes"
#define VXLAN_DEV "cube.1"
#define VTEP_ANNOTATION "cube.io/vtep-mac"

static bool vxlan(const cubelet *k)
{
	return !strcmp(k->cfg.network_backend, "vxlan");
}

/* The first address of a CIDR ("10.244.2.0/24" -> "10.244.2.0"). */
static void cidr_base(const char *cidr, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(cidr, "/"), cidr);
}

static const char *internal_ip(const cJSON *node)
{
	const cJSON *a;
	cJSON_ArrayForEach (a, cube_json_path(node, "status.addresses")) {
		const char *t = cube_json_str(a, "type");
		if (t && !strcmp(t, "InternalIP"))
			return cube_json_str(a, "address");
	}
	return NULL;
}

static int free_val(void *ud, const char *key, void *v)
{
	(void)ud;
	(void)key;
	free(v);
	return 0;
}

typedef struct gone_ctx {
	cube_strmap *want;
	char **gone;
	size_t n, cap;
} gone_ctx;

static int collect_gone(void *ud, const char *key, void *v)
{
	(void)v;
	gone_ctx *g = ud;
	if (!cube_strmap_get(g->want, key) && g->n < g->cap)
		g->gone[g->n++] = strdup(key);
	return 0;
}

static int sync_routes(void *ud, const char *key, cube_err *err)
{
	cubelet *k = ud;
	if (strcmp(key, ROUTES_KEY))
		return 0;
	cube_robj **nodes;
	size_t n = cube_informer_list(k->route_nodes, &nodes);
	cube_strmap *want = cube_strmap_new();
	int rc = 0;
	for (size_t i = 0; want && i < n; i++) {
		const cJSON *node = nodes[i]->json;
		const char *cidr = cube_json_str(node, "spec.podCIDR");
		const char *ip = internal_ip(node);
		if (!cidr || !ip || cube_strmap_get(k->by_name, cube_obj_name(node)))
			continue; /* ours, or not ready to route to */
		const char *mac = cube_obj_annotation(node, VTEP_ANNOTATION);
		char gw[64];
		cidr_base(cidr, gw, sizeof(gw));
		if (vxlan(k) && !mac)
			continue; /* its VTEP is not up yet */
		int r = vxlan(k)
				? (cube_nl_fdb_add(k->nl, VXLAN_DEV, mac, ip, err) < 0 ||
				   cube_nl_neigh_replace(k->nl, VXLAN_DEV, gw, mac, err) < 0 ||
				   cube_nl_route_replace(k->nl, cidr, gw, VXLAN_DEV, true, err) < 0)
					  ? -1
					  : 0
				: cube_nl_route_replace(k->nl, cidr, ip, NULL, false, err);
		if (r < 0) {
			cube_log_warn("cubelet: route %s via %s (node %s): %s", cidr, ip,
				      cube_obj_name(node), err->msg);
			rc = -1;
			continue;
		}
		char *via = strdup(ip);
		void *old = NULL;
		if (via && cube_strmap_put(want, cidr, via, &old) == 0)
			free(old);
		else
			free(via);
		if (!cube_strmap_get(k->routes, cidr))
			cube_log_info("cubelet: route %s via %s (node %s)", cidr, ip,
				      cube_obj_name(node));
	}
	cube_robj_list_free(nodes, n);
	if (!want)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	/* Routes we added for nodes that are gone (or changed CIDR). */
	size_t cap = cube_strmap_len(k->routes);
	gone_ctx g = {.want = want, .gone = calloc(cap ? cap : 1, sizeof(char *)), .cap = cap};
	if (g.gone)
		cube_strmap_each(k->routes, collect_gone, &g);
	for (size_t i = 0; i < g.n; i++) {
		if (g.gone[i] && cube_nl_route_del(k->nl, g.gone[i], NULL) == 0)
			cube_log_info("cubelet: route %s removed", g.gone[i]);
		free(g.gone[i]);
	}
	free(g.gone);
	cube_strmap_each(k->routes, free_val, NULL);
	cube_strmap_free(k->routes);
	k->routes = want;
	return rc;
}

static void node_event(void *ud, cube_robj *o)
{
	(void)o;
	cubelet *k = ud;
	cube_controller_enqueue(k->route_ctl, ROUTES_KEY);
}

static void node_event2(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	node_event(ud, cur);
}

/* The VXLAN device, its address, and its MAC published on the Node. */
static int vxlan_up(cubelet *k, cube_err *err)
{
	kubelet_node *n = &k->nodes[0];
	char base[64], addr[80], mac[32];
	cidr_base(n->pod_cidr, base, sizeof(base));
	snprintf(addr, sizeof(addr), "%s/32", base);
	if (cube_nl_vxlan_add(k->nl, VXLAN_DEV, 1, n->ip, NULL, 8472, err) < 0 ||
	    cube_nl_addr_add(k->nl, VXLAN_DEV, addr, err) < 0 ||
	    cube_nl_link_up(k->nl, VXLAN_DEV, err) < 0 ||
	    cube_nl_link_mac(k->nl, VXLAN_DEV, mac, sizeof(mac), err) < 0)
		return cube_err_prefix(err, "vxlan");
	cJSON *p = cJSON_CreateObject();
	cJSON *ann = cJSON_AddObjectToObject(cJSON_AddObjectToObject(p, "metadata"), "annotations");
	cJSON_AddStringToObject(ann, VTEP_ANNOTATION, mac);
	cJSON *res = NULL;
	for (int i = 0; i < 50 && !res; i++) { /* the node may not be registered yet */
		res = cube_kclient_patch(k->client, &CUBE_GVR_NODES, NULL, n->name, NULL, "merge",
					 p, err);
		if (!res)
			nanosleep(&(struct timespec){0, 200000000L}, NULL);
	}
	cJSON_Delete(p);
	if (!res)
		return cube_err_prefix(err, "publishing the VTEP MAC of node %s", n->name);
	cJSON_Delete(res);
	cube_log_info("cubelet: vxlan %s up, VTEP MAC %s", VXLAN_DEV, mac);
	return 0;
}

int routes_start(cubelet *k, cube_err *err)
{
	if (!k->cfg.network_backend || !strcmp(k->cfg.network_backend, "none"))
		return 0;
	if (!(k->routes = cube_strmap_new()))
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	if (!(k->nl = cube_nl_open(-1, err)))
		return -1;
	if (vxlan(k) && vxlan_up(k, err) < 0)
		return -1;
	/* A packet to a ClusterIP is routed before cube-proxy's OUTPUT DNAT
	 * sees it, and a node namespace has no default route (nothing may
	 * leave the machine): route the Service range to the pod bridge, where
	 * a packet nobody translated dies instead of leaving. */
	const char *svc = k->cfg.service_cidr ? k->cfg.service_cidr : "10.96.0.0/12";
	if (cube_nl_ifindex(k->nl, "cbr0") &&
	    cube_nl_route_replace(k->nl, svc, NULL, "cbr0", false, err) < 0)
		return cube_err_prefix(err, "route to the Service range %s", svc);
	cube_controller_config cc = {.name = "routes", .workers = 1, .sync = sync_routes, .ud = k};
	if (!(k->route_ctl = cube_controller_new(&cc, err)))
		return -1;
	cube_informer_opts io = {.gvr = &CUBE_GVR_NODES};
	if (!(k->route_nodes = cube_informer_new(k->client, &io, err)))
		return -1;
	cube_informer_handlers h = {
		.on_add = node_event, .on_update = node_event2, .on_delete = node_event, .ud = k};
	if (cube_informer_add_handlers(k->route_nodes, &h, err) < 0 ||
	    cube_informer_start(k->route_nodes, err) < 0 ||
	    cube_controller_run(k->route_ctl, &k->route_nodes, 1, 0, err) < 0)
		return -1;
	return 0;
}

void routes_stop(cubelet *k)
{
	cube_controller_shutdown(k->route_ctl);
	cube_informer_free(k->route_nodes);
	cube_controller_free(k->route_ctl);
	cube_nl_close(k->nl);
	if (k->routes) {
		cube_strmap_each(k->routes, free_val, NULL);
		cube_strmap_free(k->routes);
	}
}
