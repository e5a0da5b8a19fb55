/* svc.c - a Service and its Endpoints compiled into what cube-proxy programs:
 * ports with their ready endpoints and kube-proxy's chain names. */
#include "svc.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "log.h"
#include "obj.h"

void proxy_chain_hash(const char *a, const char *b, const char *c, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	unsigned char md[SHA256_DIGEST_LENGTH];
	char buf[PROXY_NAME_MAX + 8 + PROXY_IP_MAX + 16];
	int n = snprintf(buf, sizeof(buf), "%s%s%s", a, b, c ? c : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1; /* inputs are bounded by the struct sizes */
	SHA256((const unsigned char *)buf, (size_t)n, md);
	/* 16 base32 characters are exactly the first 80 bits (10 bytes). */
	for (int i = 0; i < 16; i++) {
		int bit = i * 5, byte = bit / 8, off = bit % 8;
		unsigned v = (unsigned)md[byte] << 8 | md[byte + 1];
		out[i] = alphabet[(v >> (11 - off)) & 31];
	}
	out[16] = '\0';
}

bool proxy_port_externally_accessible(const proxy_port *p)
{
	return p->node_port != 0 || p->n_external_ips > 0;
}

bool proxy_port_uses_cluster_endpoints(const proxy_port *p)
{
	return !p->int_policy_local ||
	       (proxy_port_externally_accessible(p) && !p->ext_policy_local);
}

bool proxy_port_uses_local_endpoints(const proxy_port *p)
{
	return p->int_policy_local || (proxy_port_externally_accessible(p) && p->ext_policy_local);
}

bool proxy_is_service_chain(const char *name)
{
	static const char *const prefixes[] = {"KUBE-SVC-", "KUBE-SVL-", "KUBE-FW-", "KUBE-EXT-",
					       "KUBE-SEP-"};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static int ep_cmp(const void *a, const void *b)
{
	return strcmp(((const proxy_endpoint *)a)->str, ((const proxy_endpoint *)b)->str);
}

static const char *str_or(const cJSON *o, const char *path, const char *dflt)
{
	const char *s = cube_json_str(o, path);
	return s && *s ? s : dflt;
}

/* Appends the endpoints of `eps` (an Endpoints object) serving service port
 * `pp` (named `pname`, protocol `proto`). Returns -1 on ENOMEM. */
static int add_endpoints(proxy_port *pp, const char *key, const char *pname, const char *proto,
			 const cJSON *eps, const char *hostname, cube_err *err)
{
	const cJSON *subsets = cJSON_GetObjectItemCaseSensitive(eps, "subsets");
	bool any_address = false, port_found = false;
	const cJSON *ss;
	cJSON_ArrayForEach (ss, subsets) {
		const cJSON *addrs = cJSON_GetObjectItemCaseSensitive(ss, "addresses");
		if (cJSON_GetArraySize(addrs) > 0)
			any_address = true;
		const cJSON *ep_port;
		cJSON_ArrayForEach (ep_port, cJSON_GetObjectItemCaseSensitive(ss, "ports")) {
			if (strcmp(str_or(ep_port, "name", ""), pname) ||
			    strcasecmp(str_or(ep_port, "protocol", "TCP"), proto))
				continue;
			port_found = true;
			int port = (int)cube_json_int(ep_port, "port", 0);
			if (port <= 0 || port > 65535) {
				cube_log_warn("service %s port %s: endpoint port %d out of range, "
					      "skipped",
					      key, pname, port);
				continue;
			}
			const cJSON *a;
			cJSON_ArrayForEach (a, addrs) {
				const char *ip = cube_json_str(a, "ip");
				if (!ip || !*ip || strlen(ip) >= PROXY_IP_MAX) {
					cube_log_warn("service %s port %s: an endpoint address "
						      "without a valid ip, skipped",
						      key, pname);
					continue;
				}
				proxy_endpoint e = {.port = port};
				snprintf(e.ip, sizeof(e.ip), "%s", ip);
				snprintf(e.str, sizeof(e.str),
					 strchr(ip, ':') ? "[%s]:%d" : "%s:%d", ip, port);
				const char *node = cube_json_str(a, "nodeName");
				e.local = node && hostname && !strcmp(node, hostname);
				bool dup = false;
				for (size_t i = 0; i < pp->n_eps && !dup; i++)
					dup = !strcmp(pp->eps[i].str, e.str);
				if (dup)
					continue;
				char h[17];
				proxy_chain_hash(pp->name, pp->proto, e.str, h);
				snprintf(e.chain, sizeof(e.chain), "KUBE-SEP-%s", h);
				proxy_endpoint *n = realloc(pp->eps, (pp->n_eps + 1) * sizeof(*n));
				if (!n)
					return cube_err_set(err, CUBE_ENOMEM, "out of memory");
				pp->eps = n;
				pp->eps[pp->n_eps++] = e;
			}
		}
	}
	if (any_address && !port_found)
		cube_log_warn("service %s port %s: the endpoints name no port %s (does the "
			      "targetPort name a container port?); the port has no endpoints",
			      key, pname[0] ? pname : "(unnamed)", pname);
	if (pp->n_eps > 1)
		qsort(pp->eps, pp->n_eps, sizeof(*pp->eps), ep_cmp);
	return 0;
}

proxy_service *proxy_service_compile(const cJSON *svc, const cJSON *endpoints, const char *hostname,
				     cube_err *err)
{
	const char *ns = cube_obj_namespace(svc), *name = cube_obj_name(svc);
	if (!name || !*name) {
		cube_err_set(err, CUBE_EINVAL, "service without a name");
		return NULL;
	}
	if (!ns || !*ns)
		ns = "default";
	proxy_service *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	snprintf(s->key, sizeof(s->key), "%s/%s", ns, name);
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");
	const char *type = str_or(spec, "type", "ClusterIP");
	const char *cip = str_or(spec, "clusterIP", "");
	/* Headless, not yet allocated, or ExternalName: nothing to proxy. */
	if (!strcmp(type, "ExternalName") || !*cip || !strcmp(cip, "None"))
		return s;
	if (strlen(cip) >= PROXY_IP_MAX) {
		cube_log_warn("service %s: malformed clusterIP, skipped", s->key);
		return s;
	}
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(spec, "ports");
	int n = cJSON_GetArraySize(ports);
	s->ports = calloc(n > 0 ? (size_t)n : 1, sizeof(*s->ports));
	if (!s->ports) {
		proxy_service_free(s);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	bool affinity = !strcmp(str_or(spec, "sessionAffinity", "None"), "ClientIP");
	int timeout =
		(int)cube_json_int(spec, "sessionAffinityConfig.clientIP.timeoutSeconds", 10800);
	bool ext_access_type = !strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer");
	const cJSON *ext_ips = cJSON_GetObjectItemCaseSensitive(spec, "externalIPs");
	bool externally = ext_access_type || cJSON_GetArraySize(ext_ips) > 0;
	bool ext_local =
		externally && !strcmp(str_or(spec, "externalTrafficPolicy", "Cluster"), "Local");
	bool int_local = !strcmp(str_or(spec, "internalTrafficPolicy", "Cluster"), "Local");
	int hc = ext_local ? (int)cube_json_int(spec, "healthCheckNodePort", 0) : 0;

	const cJSON *p;
	cJSON_ArrayForEach (p, ports) {
		proxy_port *pp = &s->ports[s->n_ports];
		const char *pname = str_or(p, "name", "");
		int port = (int)cube_json_int(p, "port", 0);
		if (port <= 0 || port > 65535) {
			cube_log_warn("service %s: port %s has no valid port number, skipped",
				      s->key, pname[0] ? pname : "(unnamed)");
			continue;
		}
		const char *proto = str_or(p, "protocol", "TCP");
		size_t i;
		for (i = 0; i < sizeof(pp->proto) - 1 && proto[i]; i++)
			pp->proto[i] = (char)tolower((unsigned char)proto[i]);
		pp->proto[i] = '\0';
		if (strcmp(pp->proto, "tcp") && strcmp(pp->proto, "udp") &&
		    strcmp(pp->proto, "sctp")) {
			cube_log_warn("service %s: port %s has unknown protocol %s, skipped",
				      s->key, pname[0] ? pname : "(unnamed)", proto);
			continue;
		}
		snprintf(pp->name, sizeof(pp->name), pname[0] ? "%s:%s" : "%s%s", s->key, pname);
		snprintf(pp->cluster_ip, sizeof(pp->cluster_ip), "%s", cip);
		pp->port = port;
		if (ext_access_type) {
			int np = (int)cube_json_int(p, "nodePort", 0);
			pp->node_port = np > 0 && np <= 65535 ? np : 0;
		}
		pp->health_check_node_port = hc;
		pp->affinity_client_ip = affinity;
		pp->affinity_timeout_s = timeout > 0 ? timeout : 10800;
		pp->int_policy_local = int_local;
		const cJSON *ip;
		cJSON_ArrayForEach (ip, ext_ips) {
			if (!cJSON_IsString(ip) || strlen(ip->valuestring) >= PROXY_IP_MAX ||
			    pp->n_external_ips >= PROXY_MAX_EXTERNAL_IPS) {
				cube_log_warn(
					"service %s: externalIP skipped (malformed or over %d)",
					s->key, PROXY_MAX_EXTERNAL_IPS);
				continue;
			}
			snprintf(pp->external_ips[pp->n_external_ips++], PROXY_IP_MAX, "%s",
				 ip->valuestring);
		}
		pp->ext_policy_local = ext_local && proxy_port_externally_accessible(pp);
		char h[17];
		proxy_chain_hash(pp->name, pp->proto, NULL, h);
		snprintf(pp->svc_chain, sizeof(pp->svc_chain), "KUBE-SVC-%s", h);
		snprintf(pp->svl_chain, sizeof(pp->svl_chain), "KUBE-SVL-%s", h);
		snprintf(pp->ext_chain, sizeof(pp->ext_chain), "KUBE-EXT-%s", h);
		s->n_ports++;
		if (endpoints &&
		    add_endpoints(pp, s->key, pname, proto, endpoints, hostname, err) < 0) {
			proxy_service_free(s);
			return NULL;
		}
	}
	return s;
}

bool proxy_service_equal(const proxy_service *a, const proxy_service *b)
{
	if (!a || !b || strcmp(a->key, b->key) || a->n_ports != b->n_ports)
		return false;
	for (size_t i = 0; i < a->n_ports; i++) {
		const proxy_port *x = &a->ports[i], *y = &b->ports[i];
		if (x->n_eps != y->n_eps)
			return false;
		/* Compare the fixed part, then each endpoint. */
		if (memcmp(x, y, offsetof(proxy_port, eps)))
			return false;
		for (size_t j = 0; j < x->n_eps; j++)
			if (memcmp(&x->eps[j], &y->eps[j], sizeof(x->eps[j])))
				return false;
	}
	return true;
}

void proxy_service_free(proxy_service *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].eps);
	free(s->ports);
	free(s);
}
