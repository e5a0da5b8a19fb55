/* svc.h - what cube-proxy knows about one Service: its ports, each with the
 * endpoints that serve it, compiled from the Service and its Endpoints
 * object, and the iptables chain names kube-proxy derives for them.
 *
 * A compiled service is plain data owned by the caller (proxy_service_free);
 * the rule generator (rules.h) reads it and nothing else, so that rule
 * generation is a pure function that unit tests drive directly.
 *
 * Chain names are kube-proxy's: "KUBE-SVC-" + the first 16 characters of
 * base32(sha256(servicePortName + protocol)) with protocol in lower case, and
 * "KUBE-SEP-" + the same over servicePortName + protocol + "ip:port", where
 * servicePortName is "ns/name:port" ("ns/name" for an unnamed port).
 */
#ifndef CUBE_PROXY_SVC_H
#define CUBE_PROXY_SVC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

#define PROXY_CHAIN_MAX 32 /* iptables allows 28 characters */
#define PROXY_IP_MAX 46
#define PROXY_NAME_MAX 192 /* "ns/name:port": 63 + 1 + 63 + 1 + 15 */
#define PROXY_MAX_EXTERNAL_IPS 8

typedef struct proxy_endpoint {
	char ip[PROXY_IP_MAX];
	int port;
	bool local;		     /* the address' nodeName is this node */
	char str[PROXY_IP_MAX + 8];  /* "ip:port", as kube-proxy's String() */
	char chain[PROXY_CHAIN_MAX]; /* KUBE-SEP-... */
} proxy_endpoint;

typedef struct proxy_port {
	char name[PROXY_NAME_MAX]; /* ServicePortName.String(): "ns/svc:port" or "ns/svc" */
	char proto[8];		   /* "tcp", "udp", "sctp" */
	char cluster_ip[PROXY_IP_MAX];
	int port;
	int node_port;		    /* 0: none */
	int health_check_node_port; /* 0: none */
	bool affinity_client_ip;    /* sessionAffinity: ClientIP */
	int affinity_timeout_s;	    /* sessionAffinityConfig.clientIP.timeoutSeconds (10800) */
	bool ext_policy_local;	    /* externalTrafficPolicy: Local (and externally reachable) */
	bool int_policy_local;	    /* internalTrafficPolicy: Local */
	char external_ips[PROXY_MAX_EXTERNAL_IPS][PROXY_IP_MAX];
	size_t n_external_ips;
	char svc_chain[PROXY_CHAIN_MAX]; /* KUBE-SVC-... (Cluster policy endpoints) */
	char svl_chain[PROXY_CHAIN_MAX]; /* KUBE-SVL-... (Local policy endpoints) */
	char ext_chain[PROXY_CHAIN_MAX]; /* KUBE-EXT-... (external destinations) */
	proxy_endpoint *eps;		 /* ready endpoints, sorted by "ip:port" */
	size_t n_eps;
} proxy_port;

typedef struct proxy_service {
	char key[512]; /* "ns/name" */
	proxy_port *ports;
	size_t n_ports; /* 0 for a headless or ExternalName service: nothing to program */
} proxy_service;

/* Writes the 16-character hash kube-proxy names chains with:
 * base32(sha256(a + b + c))[:16] (c may be NULL).  out has >= 17 bytes. */
void proxy_chain_hash(const char *a, const char *b, const char *c, char *out);

/* Compiles a Service (and its Endpoints object, NULL when there is none) for
 * the node `hostname`.  Malformed parts (a port without a number, an
 * endpoint address without an ip, a service port that no endpoint port is
 * named after while the Endpoints has addresses) are logged as warnings
 * naming the service and left out; the rest is kept.  Returns a new service
 * the caller frees, or NULL with err on ENOMEM or an object without a name. */
proxy_service *proxy_service_compile(const cJSON *svc, const cJSON *endpoints, const char *hostname,
				     cube_err *err);

/* True when two compiled services would give the same rules. */
bool proxy_service_equal(const proxy_service *a, const proxy_service *b);

void proxy_service_free(proxy_service *s);

/* kube-proxy's ExternallyAccessible / UsesClusterEndpoints / UsesLocalEndpoints. */
bool proxy_port_externally_accessible(const proxy_port *p);
bool proxy_port_uses_cluster_endpoints(const proxy_port *p);
bool proxy_port_uses_local_endpoints(const proxy_port *p);

/* True for the names of per-service chains (KUBE-SVC-, KUBE-SVL-, KUBE-EXT-,
 * KUBE-FW-, KUBE-SEP-): the chains a sync deletes when nothing uses them. */
bool proxy_is_service_chain(const char *name);

#endif
