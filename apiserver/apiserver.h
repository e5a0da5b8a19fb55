/* apiserver.h - cube-apiserver: the Kubernetes REST API over etcd.
 *
 * The only program that talks to etcd.  Requests arrive through lib/httpd,
 * are routed by path to a resource of the table in resources.h and a verb,
 * and are served by one generic implementation for every resource (rest.c):
 * writes go to etcd as transactions (create only if absent, update and
 * delete only at the expected mod_revision), reads of single objects go to
 * etcd, lists and watches are served by the watch cache (watchcache.h),
 * which one etcd watch keeps current.
 */
#ifndef CUBE_APISERVER_H
#define CUBE_APISERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "etcd.h"
#include "httpd.h"
#include "metrics.h"
#include "resources.h"
#include "watchcache.h"

typedef struct apiserver_config {
	const char *etcd_servers;    /* comma-separated URLs */
	const char *bind_address;    /* default 0.0.0.0 */
	int port;		     /* plain HTTP; 0 = any free port */
	unsigned threads;	     /* request worker threads (default 32) */
	int compaction_interval_s;   /* etcd compaction period; 0 disables (default 300) */
	int bookmark_interval_s;     /* default 60 */
	size_t watch_cache_size;     /* events kept per resource (default 4096) */
	int event_ttl_s;	     /* events expire after (default 3600) */
	const char *service_cidr;    /* --service-cluster-ip-range (default 10.96.0.0/12) */
	const char *node_port_range; /* --service-node-port-range (default 30000-32767) */
	/* --default-not-ready-toleration-seconds, --default-unreachable-toleration-seconds
	 * (the DefaultTolerationSeconds admission plugin; main's defaults: 300 and 300) */
	int not_ready_toleration_s, unreachable_toleration_s;
	bool no_metrics_api; /* --enable-metrics-api=false: no metrics.k8s.io */
} apiserver_config;

typedef struct apiserver apiserver;

/* Connects to etcd, creates the default namespaces (idempotently), starts
 * the watch cache and serves. NULL (with err) if it cannot. */
apiserver *apiserver_start(const apiserver_config *cfg, cube_err *err);

/* The port served. */
int apiserver_port(const apiserver *s);

/* Stops serving (ends watches) and frees. Accepts NULL. */
void apiserver_stop(apiserver *s);

/* ---- internal: shared between the apiserver's files ----------------------------- */

struct apiserver {
	apiserver_config cfg;
	cube_etcd *etcd;
	api_alloc alloc;
	watchcache *wc;
	cube_httpd *httpd;
	cube_metrics *metrics;
	cube_metric *m_requests, *m_latency, *m_watchers, *m_watch_events;
	pthread_t compactor;
	bool compactor_started;
	atomic_int stop;
	struct metricsapi *metrics_api; /* metricsapi.c; NULL: not served */
	/* the shared lease that expires events (reused for a minute) */
	pthread_mutex_t lease_mu;
	int64_t lease_id;
	int64_t lease_until_ms;
};

/* A request after routing. */
typedef struct api_req {
	apiserver *s;
	cube_httpd_req *h;
	const api_resource *res;
	char ns[256];	  /* "" when none in the path */
	char name[256];	  /* "" for collection requests */
	char sub[32];	  /* subresource, "" when none */
	const char *verb; /* for metrics and messages: get, list, watch, create, ... */
} api_req;

/* rest.c: the verbs. */
void rest_serve(api_req *r);

/* podlog.c: GET pods/<name>/log for `pod` (loaded by rest.c): proxied to
 * the cubelet of its node. */
void podlog_serve(api_req *r, const cJSON *pod);

/* podlog.c, shared by the node proxies (log, exec):
 * pod_pick_container: the `container` parameter, or the pod's only
 *   container; NULL after answering 400 (none given among several, a bad
 *   name).
 * pod_node: the address and kubelet port of the pod's node; false after
 *   answering 400 (not scheduled) or 404 (no such Node).
 * pod_node_endpoint: a Node's InternalIP and kubelet port (status.
 *   daemonEndpoints.kubeletEndpoint.Port); false if it is not there. */
const char *pod_pick_container(api_req *r, const cJSON *pod);
bool pod_node(api_req *r, const cJSON *pod, char *ip, size_t size, int *port);
bool pod_node_endpoint(api_req *r, const char *node, char *ip, size_t size, int *port);

/* podexec.c: pods/<name>/exec for `pod`: the client's WebSocket upgrade
 * relayed to its node's cubelet (/exec/...), then the bytes both ways. */
void podexec_serve(api_req *r, const cJSON *pod);

/* podlog.c: a Node object's cubelet: its InternalIP and
 * status.daemonEndpoints.kubeletEndpoint.Port (10250 if absent); false if
 * the Node has no InternalIP (pod_node_endpoint reads the Node and asks
 * this; metricsapi.c asks it of every Node). */
bool api_node_kubelet_endpoint(const cJSON *node, char *ip, size_t size, int *port);

/* metricsapi.c: metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics) from the
 * cubelets' /stats/summary, as metrics-server serves it.  metricsapi_serve
 * answers /apis/metrics.k8s.io[/v1beta1[/...]] (false for other paths);
 * metricsapi_group is the group's entry of /apis (a new object: the legacy
 * APIGroup, or with aggregated the APIGroupDiscovery entry). */
struct metricsapi *metricsapi_new(void);
void metricsapi_free(struct metricsapi *m);
bool metricsapi_serve(apiserver *s, cube_httpd_req *h, const char *path);
cJSON *metricsapi_group(bool aggregated);
/* Pure parts (unit-tested): usage quantities as metrics-server writes them
 * (cpu: a DecimalSI quantity of nano-cores, "1234n", "5m"; memory: a
 * BinarySI quantity of bytes, "1234Ki"); and the NodeMetrics of a summary's
 * node, the PodMetrics of one of its pods (new objects without labels and
 * creationTimestamp, or NULL when a figure is missing). */
void metricsapi_cpu(int64_t nano_cores, char *buf, size_t size);
void metricsapi_memory(int64_t bytes, char *buf, size_t size);
cJSON *metricsapi_node_metrics(const cJSON *summary);
cJSON *metricsapi_pod_metrics(const cJSON *pod_stats);

/* podexec.c, shared by exec and portforward: relays the client's
 * WebSocket upgrade to `target` (a path and query, NULL: answers 500) on
 * the cubelet of the pod's node, then copies bytes both ways.  Answers
 * the request itself in every case: 400 for a pod without a node or a
 * request that is not a WebSocket upgrade (SPDY's says cube serves `what`
 * over WebSocket `protocols` only), the cubelet's refusal as it is, 503
 * when the node cannot be reached. */
void pod_relay_upgrade(api_req *r, const cJSON *pod, const char *target, const char *what,
		       const char *protocols);

/* podexec.c: a blocking TCP connection to a cubelet at ip:port, or -1
 * (errno) after timeout_ms. */
int pod_dial(const char *ip, int port, int timeout_ms);

/* podexec.c: does request header `name` contain `token` (any case)? */
bool api_header_has(api_req *r, const char *name, const char *token);

/* podportforward.c: pods/<name>/portforward for `pod`: refused unless it
 * runs; else relayed as /portForward/<ns>/<pod>?port=N... */
void podportforward_serve(api_req *r, const cJSON *pod);

/* discovery.c: /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>. Returns false
 * if the path is not a discovery path. */
bool discovery_serve(apiserver *s, cube_httpd_req *h, const char *path);

/* A new random (version 4) UID; a timestamp in RFC 3339, `plus_seconds` from now. */
void api_new_uid(char *buf, size_t size);
void api_now_rfc3339(char *buf, size_t size, long plus_seconds);

/* Sends an error Status for a failed storage call on `name`. */
void api_storage_error(api_req *r, const cube_err *err);

/* Status replies with Kubernetes' reasons and messages. */
void api_not_found(api_req *r);
void api_bad_request(api_req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
