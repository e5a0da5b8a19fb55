/* proxier.h - cube-proxy as a running program: informers on Services and
 * Endpoints, a sync loop that feeds changes to the engine (engine.h) at most
 * once per --min-sync-period and in full every --sync-period, and the
 * health and metrics servers.
 *
 * Handlers only record which service ("ns/name") changed; the sync thread
 * reads the two informers' caches for those keys, so a burst of changes to
 * one service costs one recompilation and one batch.  Nothing is synced
 * until both informers have listed (kube-proxy's isInitialized), so a
 * restart never writes a table from half the state.
 *
 * /healthz (--healthz-port, 10256) answers kube-proxy's JSON:
 *   {"lastUpdated": "<time>","currentTime": "<time>", "nodeEligible": true}
 * with 503 when a change has waited for a sync for more than twice
 * --sync-period; /metrics (--metrics-port, 10249) carries kube-proxy's
 * kubeproxy_sync_proxy_rules_* families.
 */
#ifndef CUBE_PROXY_PROXIER_H
#define CUBE_PROXY_PROXIER_H

#include <stdbool.h>

#include "engine.h"
#include "error.h"

typedef struct proxier_config {
	const char *master;
	const char *kubeconfig;
	const char *hostname;		/* --hostname-override (default: the host's name) */
	const char *node_ip;		/* --node-ip */
	const char *nodeport_addresses; /* --nodeport-addresses: "IP,IP", "primary", or NULL */
	const char *cluster_cidr;	/* --cluster-cidr */
	long min_sync_ms;		/* --min-sync-period (1 s) */
	long sync_ms;			/* --sync-period (30 s) */
	const char *healthz_bind;	/* --healthz-bind-address (0.0.0.0) */
	int healthz_port;		/* 10256; -1: none */
	const char *metrics_bind;	/* --metrics-bind-address (127.0.0.1) */
	int metrics_port;		/* 10249; -1: none */
	int masquerade_bit;		/* --iptables-masquerade-bit (14) */
	bool conntrack;			/* flush stale UDP conntrack entries */
	proxy_ipt ipt;			/* --netns, tool names */
} proxier_config;

typedef struct proxier proxier;

/* Starts the informers, the sync thread and the servers. NULL with err. */
proxier *proxier_start(const proxier_config *cfg, cube_err *err);

/* Stops everything and frees. Accepts NULL. The rules stay in place. */
void proxier_stop(proxier *p);

/* "2024-05-01 10:00:00.123456789 +0000 UTC": how Go prints a time.Time. */
void proxy_go_time(double t, char *buf, size_t size);

/* Parses a Go duration made of ms, s, m, h parts ("100ms", "1m30s", "2").
 * A bare number is seconds.  Returns milliseconds, or -1 if malformed. */
long proxy_parse_duration_ms(const char *s);

#endif
