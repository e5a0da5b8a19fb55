/* hostport.h - hostPort, as the CNI portmap plugin provides it for the
 * kubelet: in the node's network namespace, the nat chain CUBE-HOSTPORTS,
 * jumped to from PREROUTING and OUTPUT for local destinations
 * (`-m addrtype --dst-type LOCAL`), holds one DNAT rule per container port
 * with a hostPort:
 *
 *   -A CUBE-HOSTPORTS [-d hostIP/32] -p tcp -m comment --comment "ns/pod web"
 *      -m tcp --dport 18080 -j DNAT --to-destination 10.244.1.5:8080
 *
 * so that nodeIP:hostPort reaches the pod from other nodes and from the
 * node itself.  The cubelet owns that chain and its two jumps, nothing
 * else; it rewrites the chain whole (one iptables-restore --noflush) when
 * a pod's rules change.  hostNetwork pods bind the node's ports directly
 * and get no rule.  127.0.0.1:hostPort is not forwarded (portmap needs
 * route_localnet for that; cube does not set it). */
#ifndef CUBE_KUBELET_HOSTPORT_H
#define CUBE_KUBELET_HOSTPORT_H

#include <cjson/cJSON.h>

#include "error.h"

#define HOSTPORT_CHAIN "CUBE-HOSTPORTS"

typedef struct hostports hostports;

/* netns: the node's namespace file (NULL: ours). NULL on ENOMEM. */
hostports *hostports_new(const char *netns);
void hostports_free(hostports *h);

/* The restore lines ("-A CUBE-HOSTPORTS ...\n" each) for the pod's
 * hostPorts, its address being ip; "" when it has none (or is
 * hostNetwork). Malloc'd, NULL on ENOMEM. Pure. */
char *hostports_rules(const cJSON *pod, const char *ip);

/* Sets the pod's rules (NULL or "": none) and rewrites the chain if they
 * changed. Thread-safe. 0, or -1 with err (iptables-restore's words). */
int hostports_set(hostports *h, const char *uid, const char *rules, cube_err *err);

/* The whole restore batch for the given rule lines (all pods'); `jumps`:
 * also insert the two jump rules. Malloc'd. Pure (tests). */
char *hostports_batch(const char *rules, int jumps);

#endif
