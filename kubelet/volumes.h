/* volumes.h - a pod's volumes for the runc runtime, as the kubelet's volume
 * manager and its plug-ins make them, and the ConfigMaps and Secrets they
 * (and the containers' environments) read.
 *
 * Each volume lives under the pod's directory, named as the kubelet names
 * them (ROOT/pods/<uid>/volumes/<plugin>/<volume name>):
 *
 *   emptyDir   kubernetes.io~empty-dir/<name>, a directory (mode 0777), or
 *              with `medium: Memory` a tmpfs (size=sizeLimit when given);
 *   configMap  kubernetes.io~configmap/<name>, written by the atomic writer;
 *   secret     kubernetes.io~secret/<name>, a tmpfs written by the atomic
 *              writer, the values base64-decoded;
 *   hostPath   the node's path itself, after the `type` check (and creation
 *              for DirectoryOrCreate / FileOrCreate).
 *
 * The atomic writer (Kubernetes' pkg/volume/util/atomic_writer.go): the
 * files go into a new timestamped directory `..2006_01_02_15_04_05.N`, then
 * the symlink `..data` is pointed at it by a rename (atomic), each
 * top-level name is a symlink `name -> ..data/name`, and the old directory
 * goes.  A reader inside the container sees the old or the new set, never a
 * mix.  Nothing is written when the content and modes are unchanged.
 *
 * ConfigMaps and Secrets come from two informers (every namespace) started
 * with the runtime; when one changes, the pods of this node that refer to it
 * (volumes, env valueFrom, envFrom) are requeued, and their next sync
 * rewrites the volume: an update appears in the running containers.
 *
 * Volumes are mounted into containers by bind mounts in their OCI spec
 * (volumes_mounts); the kubelet's cleanup of a pod (unmount everything below
 * its directory, remove it) takes the volumes with it.
 */
#ifndef CUBE_KUBELET_VOLUMES_H
#define CUBE_KUBELET_VOLUMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "ocispec.h"

struct kubelet_node;

/* ---- pure parts ---- */

/* One file of a configMap or secret volume. */
typedef struct volumes_file {
	char *path; /* relative to the volume: "key", or an item's "a/b" */
	char *data;
	size_t len;
	unsigned mode; /* permission bits */
} volumes_file;

typedef struct volumes_payload {
	volumes_file *files;
	size_t n;
} volumes_payload;

/* The files of a configMap (secret false) or secret volume whose source is
 * `source` (the volume's configMap / secret member: items, defaultMode,
 * optional) from `obj` (the ConfigMap or Secret; NULL if it does not
 * exist), as the plug-ins' MakePayload: every key of data (and a
 * ConfigMap's binaryData) with defaultMode (0644), or only `items` (each
 * key to its path, with its mode or defaultMode).  Errors (CUBE_ENOTFOUND)
 * with Kubernetes' messages: `configmap "x" not found` (unless optional:
 * then no files), `configmap references non-existent config key: k`,
 * `secret references non-existent secret key: k` (skipped when optional);
 * CUBE_EINVAL for a bad path or a Secret value that is not base64.  On
 * success *out holds new files (volumes_payload_free). */
int volumes_make_payload(const cJSON *source, const cJSON *obj, bool secret, volumes_payload *out,
			 cube_err *err);
void volumes_payload_free(volumes_payload *p);

/* The atomic writer's timestamped directory name for time t (UTC) and a
 * random number: "..2006_01_02_15_04_05.<n>". */
void volumes_ts_dir_name(time_t t, unsigned n, char *buf, size_t size);

/* What a hostPath `type` asks of `path` whose lstat is st (NULL: it does not
 * exist), as Kubernetes' checkType: 0 fine, 1 create a directory, 2 create an
 * empty file; -1 with err (CUBE_EINVAL): "hostPath type check failed: /p is
 * not a directory" (a file, a socket file, a character device, a block
 * device), or "X is an invalid volume type".  "" (or NULL) checks nothing:
 * 1 when the path is missing (containerd creates it as a directory). */
int volumes_hostpath_check(const char *path, const char *type, const struct stat *st,
			   cube_err *err);

/* ---- on disk ---- */

/* Writes payload p into directory dir (which exists) with the atomic
 * writer's layout (see above).  Returns 1 when something changed, 0 when
 * nothing had to, -1 with err. */
int volumes_atomic_write(const char *dir, const volumes_payload *p, cube_err *err);

/* ---- the runtime's volumes ---- */

typedef struct kubelet_volumes kubelet_volumes;

/* Starts the ConfigMap and Secret informers for node n (their handlers
 * requeue the pods that refer to a changed object through n->k->pod_ctl).
 * NULL with err. */
kubelet_volumes *volumes_new(struct kubelet_node *n, cube_err *err);

/* Stops the informers and frees. Accepts NULL. */
void volumes_free(kubelet_volumes *v);

/* Makes (or refreshes) every volume of `pod` under pod_dir, and notes which
 * ConfigMaps and Secrets the pod reads.  A volume that fails gets an event
 * FailedMount `MountVolume.SetUp failed for volume "x" : <why>`; -1 when
 * one that was never set up failed (the containers must not start yet), err
 * holding that text.  A configMap or secret volume set up before keeps its
 * last content when its object is gone (only the event). */
int volumes_setup(kubelet_volumes *v, const cJSON *pod, const char *pod_dir, cube_err *err);

/* The OCI mounts (a new array) of container c's volumeMounts: bind mounts
 * of the volumes' directories (hostPath: the node's path), with subPath
 * (made in the volume when missing; never outside it) or subPathExpr
 * (expanded with env), read-only when readOnly or for configMap and secret
 * volumes.  NULL with err (CUBE_EINVAL) on a bad mount. */
cJSON *volumes_mounts(const cJSON *pod, const cJSON *c, const char *pod_dir, char *const *env,
		      cube_err *err);

/* Forgets what the pod of uid refers to (its directory goes with the pod). */
void volumes_forget(kubelet_volumes *v, const char *uid);

/* ConfigMaps and Secrets for ocispec_env_from, from the informers' caches
 * (after their first list, waiting up to 10 s for it); the objects handed
 * out stay referenced by h until volumes_held_release. */
typedef struct volumes_held {
	kubelet_volumes *v;
	const char *ns; /* the pod's namespace */
	void **objs;	/* cube_robj* */
	size_t n;
} volumes_held;
ocispec_lookup volumes_lookup(volumes_held *h);
void volumes_held_release(volumes_held *h);

#endif
