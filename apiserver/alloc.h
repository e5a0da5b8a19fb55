/* alloc.h - Service ClusterIP and NodePort allocation.
 *
 * Each allocation is one etcd key, made by a create-if-absent transaction
 * (/registry/cube/serviceips/<ip>, /registry/cube/nodeports/<port>), so that
 * several API servers sharing one etcd can never hand out the same address:
 * the store decides, as Kubernetes' IPAddress objects do.  Released when the
 * Service is deleted.  The keys lie outside every resource's prefix, so the
 * watch cache never sees them.
 */
#ifndef CUBE_APISERVER_ALLOC_H
#define CUBE_APISERVER_ALLOC_H

#include <stdint.h>

#include "error.h"
#include "etcd.h"

typedef struct api_alloc {
	cube_etcd *etcd;
	uint32_t net;  /* network address, host order */
	int prefix;    /* CIDR prefix length */
	uint32_t size; /* usable addresses: network and broadcast excluded */
	int port_lo, port_hi;
	char cidr[32];
	char ports[24];
} api_alloc;

/* Parses "10.96.0.0/12" and "30000-32767". -1 with err (CUBE_EINVAL) naming the bad one. */
int api_alloc_init(api_alloc *a, cube_etcd *etcd, const char *cidr, const char *ports,
		   cube_err *err);

/* Allocates `want` (an IPv4 text) or, if want is NULL or "", a free one;
 * writes it to out. -1 with err: CUBE_EINVAL (not an address, or outside the
 * range: the message says which, as Kubernetes words it), CUBE_EEXIST (taken),
 * CUBE_ETOOBIG (the range is full), or a storage error. `owner` ("ns/name")
 * is recorded in the key's value. */
int api_alloc_ip(api_alloc *a, const char *want, const char *owner, char *out, size_t size,
		 cube_err *err);

/* Allocates node port `want` (0: a free one) into *out; errors as above. */
int api_alloc_port(api_alloc *a, int want, const char *owner, int *out, cube_err *err);

/* Releases an IP / a port; a missing one is not an error. */
void api_release_ip(api_alloc *a, const char *ip);
void api_release_port(api_alloc *a, int port);

/* The first usable address of the range (the `kubernetes` Service's). */
void api_alloc_first_ip(const api_alloc *a, char *out, size_t size);

#endif
