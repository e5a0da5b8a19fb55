/* rules.h - the iptables-restore text for a set of services, as kube-proxy's
 * iptables mode writes it (pkg/proxy/iptables/proxier.go, v1.32).
 *
 * A pure function: compiled services (svc.h) and a configuration in, one
 * "*filter ... COMMIT\n*nat ... COMMIT\n" batch out, meant for
 * `iptables-restore --noflush`.  The layout is kube-proxy's, chain for chain
 * and rule for rule, so `iptables-save` on cube reads like a real cluster:
 *
 *   nat PREROUTING/OUTPUT -> KUBE-SERVICES -> KUBE-SVC-x (ClusterIP, Cluster policy)
 *                                          -> KUBE-EXT-x (external IPs) -> KUBE-SVC-x | KUBE-SVL-x
 *                         KUBE-SERVICES (last rule) -> KUBE-NODEPORTS -> KUBE-EXT-x
 *   KUBE-SVC-x / KUBE-SVL-x: one rule per endpoint, "-m statistic --mode random
 *     --probability 1/(n-i)" so each gets an equal share; with ClientIP affinity
 *     first one "-m recent --rcheck" rule per endpoint
 *   KUBE-SEP-y: masquerade hairpin traffic (-s own ip), DNAT to ip:port
 *   KUBE-MARK-MASQ sets the mark, KUBE-POSTROUTING masquerades marked packets
 *   filter KUBE-SERVICES / KUBE-EXTERNAL-SERVICES: REJECT for services without
 *     endpoints (DROP when only local endpoints count and there are none)
 *
 * The built-in chains' jumps into these chains are not part of the batch
 * (the proxier adds them once, iptables.h).
 *
 * Partial syncs: with `changed` set, only the per-service chains (SVC, SVL,
 * EXT, SEP) of the services it names are written; the top-level chains are
 * always rewritten in full, as kube-proxy does since 1.26.  Chains listed in
 * `existing` that are per-service chains and no longer used are flushed and
 * deleted (-X) in the same batch.
 */
#ifndef CUBE_PROXY_RULES_H
#define CUBE_PROXY_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "strmap.h"
#include "svc.h"

/* Over this many endpoints in all, per-endpoint comments are left out
 * (kube-proxy's largeClusterEndpointsThreshold). */
#define PROXY_LARGE_CLUSTER_ENDPOINTS 1000

typedef struct proxy_rules_config {
	const char *masquerade_mark; /* e.g. "0x004000" (1 << --iptables-masquerade-bit 14) */
	const char *cluster_cidr;    /* pods' range for local-traffic detection; NULL: none */
	/* The addresses NodePorts answer on; 0 of them: every local address
	 * except 127.0.0.0/8 (-m addrtype --dst-type LOCAL). */
	const char *const *nodeport_ips;
	size_t n_nodeport_ips;
	bool random_fully;	/* MASQUERADE --random-fully */
	bool conntrack_liberal; /* nf_conntrack_tcp_be_liberal set: no INVALID drop */
} proxy_rules_config;

typedef struct proxy_rules_input {
	proxy_service *const *svcs; /* sorted by key for a stable output */
	size_t n_svcs;
	/* Partial sync: the keys ("ns/name") of the services that changed
	 * (value ignored). NULL: a full sync writes every chain. */
	const cube_strmap *changed;
	/* Chains the table has now (or had after the last sync); the unused
	 * per-service ones among them are deleted. May be NULL. */
	const char *const *existing;
	size_t n_existing;
	/* Lines appended to each table's rules as they are (the jump rules
	 * from the built-in chains on a full sync, iptables.h); may be NULL. */
	const char *filter_extra;
	const char *nat_extra;
} proxy_rules_input;

typedef struct proxy_rules_out {
	char *text; /* the batch, malloc'd */
	size_t len;
	cube_strmap *active; /* every per-service nat chain in use (values unused) */
	size_t filter_rules; /* rules written, per table */
	size_t nat_rules;
	size_t nat_rules_total; /* nat rules including those of unchanged services */
	size_t nat_chains_written;
	size_t deleted_chains;
	size_t endpoints; /* endpoints across all services */
	bool large_cluster;
} proxy_rules_out;

/* Builds the batch. Returns 0, or -1 with err (ENOMEM). */
int proxy_rules_build(const proxy_rules_config *cfg, const proxy_rules_input *in,
		      proxy_rules_out *out, cube_err *err);

/* Frees what proxy_rules_build filled in (not `out` itself). */
void proxy_rules_out_free(proxy_rules_out *out);

/* ---- eliding unchanged top-level chains -------------------------------------------------
 *
 * kube-proxy's partial sync still rewrites KUBE-SERVICES, KUBE-NODEPORTS and
 * the other top-level chains in full: one rule per service.  With
 * iptables-nft that costs about 90 ms per 1,000 services, so one endpoint
 * change among 10,000 services took close to a second.  An endpoint change
 * rarely changes a top-level chain, so cube remembers a digest of each
 * top-level chain's rules as last applied and, in a partial sync, leaves
 * out (does not declare, so --noflush keeps it as it is) every top-level
 * chain whose rules are unchanged.  The resulting table is the same; a
 * full sync (start, every --sync-period, after a failure) writes all. */

#define PROXY_TOP_CHAINS 9

typedef struct proxy_top_digest {
	unsigned long long h[PROXY_TOP_CHAINS];
	bool valid;
} proxy_top_digest;

/* Computes the digests of the top-level chains of batch `text` into *cur.
 * If `out` is not NULL and prev->valid, *out gets a copy of text without
 * the chain line and the rules of every top-level chain whose digest equals
 * prev's (*elided counts them).  Returns 0, or -1 on ENOMEM. */
int proxy_rules_elide(const char *text, const proxy_top_digest *prev, proxy_top_digest *cur,
		      char **out, size_t *out_len, size_t *elided);

/* kube-proxy's probability text: "%0.10f" of 1/n ("0.3333333333"). */
void proxy_probability(int n, char *buf, size_t size);

#endif
