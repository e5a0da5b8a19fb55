/* engine.h - cube-proxy's state and its sync: what is desired (compiled
 * services, svc.h), what was last applied, and one sync that turns the
 * difference into one iptables-restore batch (rules.h, iptables.h).
 *
 *   proxy_engine_set(e, "ns/name", service, endpoints)   for each change
 *   proxy_engine_sync(e, full, &stats)                    batch and apply
 *
 * A full sync (the first one, every --sync-period, and after any failure)
 * saves the nat and filter tables to learn which chains exist, adds the
 * jump rules from the built-in chains that are missing, and rewrites every
 * chain; a partial sync rewrites the top-level chains and only the chains of
 * the services set since the last successful sync, and deletes the chains
 * that sync left unused, and leaves out the top-level chains whose rules
 * did not change since they were last applied (rules.h).  After a successful sync, stale UDP
 * conntrack entries are deleted: for every UDP endpoint that went away (its clusterIP, externalIPs
 * and nodePort flows DNATed to it) and for every UDP service that went from no endpoints to some
 * (entries that cached the REJECT), as kube-proxy's conntrack.CleanStaleEntries does.
 *
 * If iptables-restore fails nothing is half-applied (the batch is one
 * transaction), the error names the lines around the failure, and the next
 * sync is a full one.  Not thread-safe: one thread owns an engine.
 */
#ifndef CUBE_PROXY_ENGINE_H
#define CUBE_PROXY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "iptables.h"
#include "rules.h"

typedef struct proxy_engine_config {
	proxy_rules_config rules; /* strings borrowed for the engine's life */
	proxy_ipt ipt;
	const char *hostname; /* this node's name (endpoints' nodeName) */
	bool conntrack;	      /* flush stale UDP entries with the conntrack tool */
} proxy_engine_config;

typedef struct proxy_sync_stats {
	bool full;
	size_t services, endpoints;
	size_t filter_rules, nat_rules, nat_rules_total, deleted_chains;
	size_t batch_bytes;
	size_t elided_chains; /* unchanged top-level chains left out (rules.h) */
	double build_s, restore_s, total_s;
	size_t conntrack_flushes;
} proxy_sync_stats;

typedef struct proxy_engine proxy_engine;

proxy_engine *proxy_engine_new(const proxy_engine_config *cfg, cube_err *err);
void proxy_engine_free(proxy_engine *e);

/* Sets the desired state of service `key` ("ns/name") from its Service and
 * Endpoints (borrowed; svc NULL: the service is gone; endpoints NULL: it has
 * none).  Returns -1 with err on ENOMEM. */
int proxy_engine_set(proxy_engine *e, const char *key, const cJSON *svc, const cJSON *endpoints,
		     cube_err *err);

/* True when the next sync must be full (start, after a failure). */
bool proxy_engine_needs_full(const proxy_engine *e);

/* True when something was set since the last successful sync. */
bool proxy_engine_pending(const proxy_engine *e);

/* Syncs (full if asked or needed). Returns 0, or -1 with err. */
int proxy_engine_sync(proxy_engine *e, bool full, proxy_sync_stats *st, cube_err *err);

/* The last batch written (for tests and --v=4), or NULL. Borrowed. */
const char *proxy_engine_last_batch(const proxy_engine *e);

#endif
