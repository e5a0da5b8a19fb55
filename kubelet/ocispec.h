/* ocispec.h - what the runc runtime makes of a pod's container, as pure
 * functions (no I/O), so that each rule can be unit-tested:
 *
 *   - the environment: env entries with value (with $(VAR) expansion) or
 *     valueFrom.fieldRef (the downward API: metadata.name, .namespace, .uid,
 *     .labels['k'], .annotations['k'], spec.nodeName, spec.serviceAccountName,
 *     status.podIP, status.hostIP), and with a lookup of ConfigMaps and
 *     Secrets valueFrom.configMapKeyRef / secretKeyRef and envFrom;
 *   - $(VAR) expansion in command and args, as Kubernetes' expansion package
 *     does it ($$ is a literal $, an unknown $(X) stays as written);
 *   - the cgroup resources of requests and limits (Kubernetes' cpu shares,
 *     CFS quota and memory limit arithmetic);
 *   - the OCI runtime spec (config.json) runc runs;
 *   - the pod's /etc/hosts, as the kubelet writes it;
 *   - the pod phase from the container statuses (the kubelet's getPhase).
 */
#ifndef CUBE_KUBELET_OCISPEC_H
#define CUBE_KUBELET_OCISPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

/* Expands $(VAR) in s with the "K=V" entries of env (the last one of a name
 * wins; NULL: none).  New string, NULL on ENOMEM. */
char *ocispec_expand(const char *s, char *const *env);

/* The container's own environment ("K=V", in order, each name once), each
 * value resolved: `value` expanded against the entries before it,
 * `valueFrom.fieldRef` from the pod.  pod_ip and host_ip fill
 * status.podIP and status.hostIP.  Other valueFrom sources (configMapKeyRef,
 * secretKeyRef, resourceFieldRef) are an error (CUBE_EINVAL, "...only
 * valueFrom.fieldRef is supported by this cubelet"), as is an unknown field
 * path.  New vector (cube_oci_strv_free) or NULL with err. */
char **ocispec_env(const cJSON *pod, const cJSON *container, const char *pod_ip,
		   const char *host_ip, cube_err *err);

/* Where ConfigMaps and Secrets come from: get returns the object named
 * `name` in the pod's namespace (secret: a Secret, else a ConfigMap),
 * borrowed until the environment is built, or NULL if there is none. */
typedef struct ocispec_lookup {
	const cJSON *(*get)(void *ud, bool secret, const char *name);
	void *ud;
} ocispec_lookup;

/* ocispec_env with ConfigMaps and Secrets (lk), as the kubelet's
 * makeEnvironmentVariables: first envFrom (configMapRef / secretRef, each
 * key with `prefix`; keys that are not valid variable names are skipped),
 * then env, where valueFrom.configMapKeyRef / secretKeyRef give the key's
 * value (a Secret's decoded from base64).  A missing object or key of a
 * reference that is not `optional` is an error with the kubelet's message
 * (CUBE_ENOTFOUND: `configmap "x" not found`, `couldn't find key k in
 * ConfigMap ns/x`, the same with secret/Secret); an optional one adds
 * nothing. */
char **ocispec_env_from(const cJSON *pod, const cJSON *container, const char *pod_ip,
			const char *host_ip, const ocispec_lookup *lk, cube_err *err);

/* Expands every word of argv in place against env. 0 or -1 (ENOMEM). */
int ocispec_expand_argv(char **argv, char *const *env);

/* The cgroup limits of a container. */
typedef struct ocispec_resources {
	uint64_t cpu_shares;  /* from requests.cpu (limits.cpu if no request); 2 if neither */
	int64_t cpu_quota;    /* from limits.cpu; 0: none */
	uint64_t cpu_period;  /* 100000 */
	int64_t memory_limit; /* limits.memory bytes; 0: none */
} ocispec_resources;

/* Reads requests and limits; -1 with CUBE_EINVAL naming a malformed one. */
int ocispec_resources_of(const cJSON *container, ocispec_resources *out, cube_err *err);

/* What one runc container is made of. */
typedef struct ocispec_in {
	char *const *argv;
	char *const *env;
	const char *cwd; /* "" or NULL: "/" */
	uint32_t uid, gid;
	const char *hostname;
	const char *rootfs;	   /* absolute path of the mounted root */
	const char *netns;	   /* path of the network namespace; NULL: the runtime's own */
	const char *hosts;	   /* files bind-mounted at /etc/hosts, /etc/hostname, */
	const char *hostname_file; /* /etc/resolv.conf (NULL: not mounted) */
	const char *resolv;
	const char *cgroups_path; /* relative: under runc's own cgroup */
	ocispec_resources res;
	const cJSON *annotations; /* object or NULL: copied into the spec */
	uint64_t nofile;	  /* RLIMIT_NOFILE (soft and hard); 0: 1048576 */
	const cJSON *mounts;	  /* array or NULL: OCI mounts (the pod's volumes) added last */
} ocispec_in;

/* The OCI runtime spec (config.json): a new tree, NULL on ENOMEM. */
cJSON *ocispec_runtime_spec(const ocispec_in *in);

/* The pod's /etc/hosts: localhost entries, then the pod's IP with its
 * hostname (and FQDN with spec.subdomain), then spec.hostAliases.  New
 * string. */
char *ocispec_hosts_file(const cJSON *pod, const char *pod_ip, const char *cluster_domain);

/* The pod's hostname: spec.hostname, else its name, cut to 63 bytes. */
void ocispec_hostname(const cJSON *pod, char *buf, size_t size);

/* The pod's phase from its spec and the container statuses being reported
 * (status.initContainerStatuses / containerStatuses members of `status`),
 * as the kubelet's getPhase computes it: "Pending", "Running", "Succeeded"
 * or "Failed". */
const char *ocispec_phase(const cJSON *pod, const cJSON *status);

#endif
