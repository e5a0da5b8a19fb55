/* oci.h - the OCI image and distribution formats, as pure functions.
 *
 * What a registry answers for a reference is either an image manifest (OCI
 * or Docker v2 schema 2: a config descriptor and layer descriptors) or an
 * index (OCI image index or Docker manifest list: one manifest per
 * platform).  This module parses both, picks a platform out of an index,
 * and reads the image config (the "config" member of the config blob:
 * Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts) into what a
 * container runtime needs: the argv and environment merged with a pod's
 * command, args and env as Kubernetes merges them.  No I/O; thread-safe.
 */
#ifndef CUBE_OCI_H
#define CUBE_OCI_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "error.h"

#define CUBE_OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CUBE_OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define CUBE_OCI_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define CUBE_OCI_MT_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define CUBE_DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define CUBE_DOCKER_MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

/* The Accept header a manifest request sends: both index kinds and both
 * manifest kinds (a registry then answers a multi-platform tag with its
 * index rather than converting it down). */
#define CUBE_OCI_ACCEPT                                                                 \
	"Accept: " CUBE_OCI_MT_INDEX ", " CUBE_DOCKER_MT_LIST ", " CUBE_OCI_MT_MANIFEST \
	", " CUBE_DOCKER_MT_MANIFEST

/* A content descriptor. */
typedef struct cube_oci_desc {
	char media_type[128];
	char digest[CUBE_DIGEST_MAX];
	int64_t size;
} cube_oci_desc;

typedef enum cube_oci_kind {
	CUBE_OCI_KIND_MANIFEST = 1,
	CUBE_OCI_KIND_INDEX = 2,
} cube_oci_kind;

/* An image manifest: owns `layers` (free with cube_oci_manifest_clear). */
typedef struct cube_oci_manifest {
	cube_oci_desc config;
	cube_oci_desc *layers; /* lowest (base) layer first */
	size_t n_layers;
} cube_oci_manifest;

/* What a manifest document is: its mediaType field, else the Content-Type
 * the registry sent (content_type may be NULL), else its shape ("manifests"
 * -> index, "config" -> manifest).  -1 with CUBE_EINVAL for anything else
 * (Docker schema 1, a foreign artifact, not JSON), naming the media type. */
int cube_oci_kind_of(const char *body, size_t len, const char *content_type, cube_err *err);

/* Parses an image manifest: schemaVersion 2, a config and at least one
 * layer, each with a valid sha256 digest and size >= 0, layers of a tar
 * media type (plain, gzip or zstd; OCI or Docker).  -1 with CUBE_EINVAL
 * otherwise.  On success the caller owns *out. */
int cube_oci_manifest_parse(const char *body, size_t len, cube_oci_manifest *out, cube_err *err);

/* Frees the layers and zeroes. Accepts NULL. */
void cube_oci_manifest_clear(cube_oci_manifest *m);

/* Picks the manifest for os/arch (variant ignored) from an index or
 * manifest list.  -1 with CUBE_ENOTFOUND and Docker's message "no matching
 * manifest for linux/amd64 in the manifest list entries" when there is
 * none, CUBE_EINVAL when the index is malformed. */
int cube_oci_index_pick(const char *body, size_t len, const char *os, const char *arch,
			cube_oci_desc *out, cube_err *err);

/* A NULL-terminated string vector; cube_oci_strv_free accepts NULL. */
void cube_oci_strv_free(char **v);
size_t cube_oci_strv_len(char *const *v);

/* The process argv of a container, as Kubernetes (and Docker) merge the
 * pod's command/args (JSON string arrays or NULL) with the image config
 * (the "config" member of the config blob, or NULL):
 *   no command, no args -> Entrypoint + Cmd
 *   command             -> command + args (the image's Entrypoint and Cmd ignored)
 *   args only           -> Entrypoint + args
 * $(VAR) expansion is the caller's (it knows the env).  Returns a new
 * NULL-terminated vector in *argv, or -1 with CUBE_EINVAL "no command
 * specified" when the result is empty (containerd's message). */
int cube_oci_container_argv(const cJSON *image_config, const cJSON *command, const cJSON *args,
			    char ***argv, cube_err *err);

/* The environment: the image's Env ("K=V" strings) then `overrides`
 * ("K=V"), an override replacing the image's entry of the same name in
 * place (as Docker does).  Returns a new NULL-terminated vector or NULL on
 * ENOMEM. */
char **cube_oci_env_merge(const cJSON *image_config, char *const *overrides, cube_err *err);

/* The image config's WorkingDir and User (borrowed from image_config), or ""
 * when unset. */
const char *cube_oci_config_string(const cJSON *image_config, const char *field);

#endif
