/* ipam.h - the node IPAM controller's allocator: a cluster CIDR cut into
 * per-node ranges, as Kubernetes' cidrset (pkg/controller/nodeipam/ipam/
 * cidrset): allocation goes round from the last one handed out, so a range
 * just released is not reused at once.  IPv4.  Pure; the caller locks. */
#ifndef CUBE_CM_IPAM_H
#define CUBE_CM_IPAM_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct cm_cidrset {
	uint32_t base;	  /* the cluster network, host order */
	int cluster_bits; /* its prefix length */
	int node_bits;	  /* each node's prefix length */
	size_t n;	  /* node ranges in the cluster CIDR */
	size_t next;	  /* where the next search starts */
	size_t used_count;
	uint8_t *used; /* one bit per range */
} cm_cidrset;

/* "10.244.0.0/16" cut into /node_mask ranges (node_mask > prefix, <= 30,
 * at most 2^16 ranges).  -1 with err naming the bad value. */
int cm_cidrset_init(cm_cidrset *s, const char *cluster_cidr, int node_mask, cube_err *err);
void cm_cidrset_free(cm_cidrset *s);

/* The next free range as "a.b.c.d/m"; -1 (CUBE_ETOOBIG) when all are used. */
int cm_cidrset_allocate(cm_cidrset *s, char *out, size_t size, cube_err *err);

/* Marks a range used (a node that has it already).  1 if it is not one of
 * this set's ranges (outside the cluster CIDR, another size: ignored), 0
 * done, -1 malformed. */
int cm_cidrset_occupy(cm_cidrset *s, const char *cidr, cube_err *err);

/* Frees a range (its node is gone); ranges not of this set are ignored. */
void cm_cidrset_release(cm_cidrset *s, const char *cidr);

#endif
