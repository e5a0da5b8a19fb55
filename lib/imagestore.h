/* imagestore.h - a node's content-addressed image store.
 *
 * Layout under the root directory (every path below is fixed: the runtime
 * and the tests rely on it):
 *
 *   ROOT/blobs/sha256/<hex>     verified content: manifests, configs and
 *                               compressed layer tarballs, read-only (0444),
 *                               shared by every image that names them
 *   ROOT/layers/sha256/<hex>/   a layer blob (same <hex>) unpacked, once, in
 *                               overlayfs' form: an OCI whiteout ".wh.NAME"
 *                               became a char device 0/0 named NAME, an
 *                               opaque marker ".wh..wh..opq" the xattr
 *                               trusted.overlay.opaque=y on its directory,
 *                               so the directories stack as overlay lower
 *                               dirs as they are
 *   ROOT/index.json             images: {"images":[{"manifest", "id",
 *                               "names", "size", "layers"}]}
 *   ROOT/tmp/                   in-flight downloads and unpacks (same file
 *                               system: they are renamed into place)
 *   ROOT/locks/<hex>            flock(2) files, one per digest being written
 *   ROOT/store.lock             flock(2): shared while content is added,
 *                               exclusive for garbage collection
 *   ROOT/index.lock             flock(2): index updates
 *
 * An image is known by its linux/amd64 manifest digest; its ID is its
 * config digest (as containerd reports it).  Its names are normalised
 * references, repo digests first then tags, as a Node's status.images lists
 * them: "localhost:5000/web@sha256:<what the tag resolved to>",
 * "localhost:5000/web:v1".  A tag names one image: pulling or loading it
 * again moves it.  Its size is the sum of the manifest, config and layer
 * blob sizes (compressed, as containerd counts sizeBytes).
 *
 * Concurrency: a cube_imagestore is immutable after open and may be used
 * from any number of threads and processes at once (a cubelet pulling while
 * `cube image load` writes).  Each blob and layer is written to ROOT/tmp,
 * verified, and renamed into place under its digest's lock, so two pulls
 * of one image fetch and unpack each piece once and a reader never sees a
 * partial blob or layer.  A digest mismatch or a bad tarball is an error and
 * leaves nothing behind.  Garbage collection waits for writers to finish.
 *
 * Unpacking needs root (device nodes for whiteouts, trusted.* xattrs, file
 * owners), as a node's store does.
 */
#ifndef CUBE_IMAGESTORE_H
#define CUBE_IMAGESTORE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "error.h"
#include "registry.h"

typedef struct cube_imagestore cube_imagestore;

typedef enum cube_pull_policy {
	CUBE_PULL_ALWAYS,
	CUBE_PULL_IF_NOT_PRESENT,
	CUBE_PULL_NEVER,
} cube_pull_policy;

/* "Always", "IfNotPresent", "Never" (Kubernetes' spellings); -1 otherwise.
 * For an empty policy use cube_imageref_default_pull_policy(image). */
int cube_pull_policy_parse(const char *s, cube_pull_policy *out);

/* One image. Owned by the caller; free with cube_image_free. */
typedef struct cube_image {
	char manifest[CUBE_DIGEST_MAX]; /* its linux/amd64 manifest digest */
	char id[CUBE_DIGEST_MAX];	/* its config digest: the image ID */
	char **names;			/* NULL-terminated, repo digests then tags */
	int64_t size;			/* bytes: manifest + config + layer blobs */
	char **layers;			/* NULL-terminated layer blob digests, lowest first */
	cJSON *config;			/* the config blob's "config" member (Entrypoint, Cmd, Env,
					   WorkingDir, User, ExposedPorts); an empty object when the image
					   has none; NULL in cube_imagestore_list's results */
} cube_image;

void cube_image_free(cube_image *img);
void cube_image_list_free(cube_image **v, size_t n);

/* Opens (creating the directories of) a store at root.  Stale ROOT/tmp
 * entries (over an hour old: a crashed writer's) are removed. */
cube_imagestore *cube_imagestore_open(const char *root, cube_err *err);

/* Accepts NULL. */
void cube_imagestore_free(cube_imagestore *s);

/* The root, made absolute. Borrowed. */
const char *cube_imagestore_root(const cube_imagestore *s);

/* Makes `ref` present according to `policy` and returns it:
 *   Never        -> present or CUBE_ENOTFOUND "Container image \"REF\" is not
 *                   present with pull policy of Never" (reason ErrImageNeverPull)
 *   IfNotPresent -> present, else pulled
 *   Always       -> the registry is asked what the reference names now; only
 *                   what is missing is fetched
 * auth may be NULL.  Errors (reason ErrImagePull) read
 * "failed to pull and unpack image \"docker.io/library/x:v1\": <why>", <why>
 * in the registry's words where it gave any. */
cube_image *cube_imagestore_pull(cube_imagestore *s, const char *ref, cube_pull_policy policy,
				 const cube_registry_auth *auth, cube_err *err);

/* The image a reference (name:tag, name@digest, or an image ID
 * "sha256:...") names, with its config; CUBE_ENOTFOUND when absent. */
cube_image *cube_imagestore_get(cube_imagestore *s, const char *ref, cube_err *err);

/* Every image (config not loaded). The caller frees with cube_image_list_free. */
int cube_imagestore_list(cube_imagestore *s, cube_image ***out, size_t *n, cube_err *err);

/* Removes the image `ref` names (all its names, as Kubernetes removes by
 * image), then collects content no image uses.  The caller must not remove
 * an image a container still runs from.  CUBE_ENOTFOUND when absent. */
int cube_imagestore_remove(cube_imagestore *s, const char *ref, cube_err *err);

/* Deletes blobs, layers and lock files that no image names, and stale tmp
 * entries.  Waits for writers.  *freed (may be NULL): bytes of blobs
 * removed. */
int cube_imagestore_gc(cube_imagestore *s, int64_t *freed, cube_err *err);

/* The unpacked layer directories of img, absolute, lowest first
 * (overlayfs wants them reversed: lowerdir=top:...:bottom).  New
 * NULL-terminated vector (cube_oci_strv_free); CUBE_ENOTFOUND if one is
 * missing. */
int cube_imagestore_layer_dirs(cube_imagestore *s, const cube_image *img, char ***dirs,
			       cube_err *err);

/* Imports an OCI image layout tarball (plain or gzip'd), as `kind load`:
 * each blob verified against its name, each image named by its
 * "io.containerd.image.name" annotation (or an
 * "org.opencontainers.image.ref.name" that is a full reference).  *names
 * (may be NULL) receives the names imported (cube_oci_strv_free). */
int cube_imagestore_import(cube_imagestore *s, const char *tarball, char ***names, cube_err *err);

/* Writes image `ref` as an OCI image layout tarball (uncompressed tar:
 * oci-layout, index.json naming it, blobs/sha256/...). */
int cube_imagestore_export(cube_imagestore *s, const char *ref, const char *tarball, cube_err *err);

/* Pushes image `ref` to the registry named by `dest` (NULL: ref itself):
 * layers and config (skipping blobs the registry has), then the manifest
 * under dest's tag. */
int cube_imagestore_push(cube_imagestore *s, const char *ref, const char *dest,
			 const cube_registry_auth *auth, cube_err *err);

/* ---- building images (cube image build) ---- */

/* Moves a file into the blobs (verifying it hashes to `digest` when digest
 * is given) and writes its digest to out (may be NULL).  The file is gone
 * afterwards, also on error. */
int cube_imagestore_add_blob_file(cube_imagestore *s, const char *path, const char *digest,
				  char out[CUBE_DIGEST_MAX], cube_err *err);

/* Stores bytes as a blob; its digest goes to out. */
int cube_imagestore_add_blob(cube_imagestore *s, const void *data, size_t len,
			     char out[CUBE_DIGEST_MAX], cube_err *err);

/* The path of a blob in the store (whether or not it exists), into buf. */
int cube_imagestore_blob_path(const cube_imagestore *s, const char *digest, char *buf, size_t size);

/* Names the image whose manifest blob is `manifest_digest` (already
 * stored, with its config and layers): unpacks its layers and records it
 * under `name` (a reference; its repo digest name is added).  Returns the
 * image, as cube_imagestore_get would. */
cube_image *cube_imagestore_commit(cube_imagestore *s, const char *name,
				   const char *manifest_digest, cube_err *err);

/* ---- exported for tests ---- */

/* Unpacks one layer tarball (any compression libarchive reads) into the
 * existing directory dest, converting OCI whiteouts to overlayfs' form.
 * Refuses absolute names, ".." and writing through symlinks. */
int cube_imagestore_unpack(const char *tarball, const char *dest, cube_err *err);

#endif
