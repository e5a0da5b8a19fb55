/* registry.h - an OCI distribution (Docker registry v2) client.
 *
 * A cube_registry talks to one registry host ("localhost:5000",
 * "registry.k8s.io"; docker.io is reached at registry-1.docker.io) over
 * lib/http.h.  Loopback hosts (localhost, 127.0.0.0/8, [::1]) are spoken to
 * in plain http, as Docker treats them as insecure registries, and so are
 * the hosts listed in $CUBE_INSECURE_REGISTRIES ("172.30.0.1:5000,other:5000",
 * as Docker's insecure-registries: the lab's registry on its bridge); every
 * other host over https.
 *
 * Authentication follows the registry's 401 challenge: anonymous first;
 * on "WWW-Authenticate: Bearer realm=...,service=...,scope=..." a token is
 * fetched from the realm (with the basic credentials, if any) and the
 * request retried; on "Basic" the credentials are sent.  Tokens are kept
 * per scope for the life of the client.
 *
 * Every byte is verified: a manifest fetched by digest must hash to it (by
 * tag: to the Docker-Content-Digest header when the registry sends one), a
 * blob must hash to its descriptor's digest and have its size.  Errors carry
 * the registry's own words: its JSON `errors[]` as "<code in lower case>:
 * <message>" ("manifest unknown: manifest unknown"), with CUBE_ENOTFOUND for
 * 404, CUBE_EUNAVAIL for 5xx/429 or no connection, CUBE_EPROTO for digest
 * mismatches, 401/403 and other refusals.
 *
 * NOT thread-safe (one libcurl handle): one client per thread or per pull.
 */
#ifndef CUBE_REGISTRY_H
#define CUBE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "imageref.h"
#include "oci.h"

/* Credentials; all optional, strings are copied. */
typedef struct cube_registry_auth {
	const char *username; /* basic auth, also presented to a token realm */
	const char *password;
	const char *token; /* a bearer token to send as is */
} cube_registry_auth;

typedef struct cube_registry cube_registry;

/* A client for `domain` (as in cube_imageref.domain).  auth may be NULL
 * (anonymous).  Returns NULL with err on ENOMEM. */
cube_registry *cube_registry_new(const char *domain, const cube_registry_auth *auth, cube_err *err);

/* Accepts NULL. */
void cube_registry_free(cube_registry *r);

/* The base URL requests go to ("http://localhost:5000"). Borrowed. */
const char *cube_registry_base(const cube_registry *r);

/* What a reference resolved to. */
typedef struct cube_registry_image {
	char digest[CUBE_DIGEST_MAX]; /* the reference's own digest (index or manifest):
					 the "repo digest" Kubernetes shows */
	cube_oci_desc manifest;	      /* the linux/amd64 image manifest */
	char *manifest_body;	      /* its bytes (owned) */
	size_t manifest_len;
	cube_oci_manifest parsed; /* config and layers (owned) */
} cube_registry_image;

/* Resolves ref (by tag or digest) to its linux/amd64 image manifest,
 * through an index / manifest list if that is what the tag names.  -1 with
 * err: "manifest unknown: manifest unknown" (CUBE_ENOTFOUND) and the like. */
int cube_registry_resolve(cube_registry *r, const cube_imageref *ref, cube_registry_image *out,
			  cube_err *err);

/* Frees what an image holds and zeroes it. Accepts NULL. */
void cube_registry_image_clear(cube_registry_image *img);

/* Fetches one manifest (tag or digest) as is: its bytes, the Content-Type
 * and its verified digest.  The caller frees *body and *media_type. */
int cube_registry_get_manifest(cube_registry *r, const char *repo, const char *reference,
			       char **body, size_t *len, char **media_type,
			       char digest[CUBE_DIGEST_MAX], cube_err *err);

/* Streams blob d into a new file `path` (created O_EXCL, mode 0644), hashing
 * as it arrives; the size and the digest must match d.  On any failure the
 * file is removed: nothing partial is left behind. */
int cube_registry_fetch_blob(cube_registry *r, const char *repo, const cube_oci_desc *d,
			     const char *path, cube_err *err);

/* 1 when the registry has the blob in repo, 0 when not, -1 on error. */
int cube_registry_blob_exists(cube_registry *r, const char *repo, const char *digest,
			      cube_err *err);

/* Uploads the file `path` as blob `digest` (POST then monolithic PUT
 * ?digest=), unless the registry already has it (HEAD).  *uploaded (may be
 * NULL) tells which happened. */
int cube_registry_push_blob(cube_registry *r, const char *repo, const char *digest,
			    const char *path, bool *uploaded, cube_err *err);

/* PUTs a manifest (or index) under a tag or its digest. */
int cube_registry_push_manifest(cube_registry *r, const char *repo, const char *reference,
				const char *media_type, const char *body, size_t len,
				cube_err *err);

/* ---- pure helpers (exported for tests) ---- */

typedef struct cube_registry_challenge {
	char scheme[16]; /* "Bearer" or "Basic" */
	char realm[512];
	char service[256];
	char scope[512];
} cube_registry_challenge;

/* Parses a WWW-Authenticate value: a scheme then comma-separated
 * key="quoted value" (or token) parameters; unknown keys are ignored.  -1
 * with CUBE_EINVAL when it does not parse or a value is too long. */
int cube_registry_parse_challenge(const char *header, cube_registry_challenge *out, cube_err *err);

/* The registry's words for a failed request: "<code lower case with
 * spaces>: <message>" for each entry of a JSON {"errors":[...]} body,
 * joined with "; "; for a body-less 401/403 (a HEAD) the spec's words for
 * it ("unauthorized: authentication required"); else "HTTP <status>" (plus
 * a short plain body).  Writes into buf (truncated to size). */
void cube_registry_error_message(long status, const char *body, size_t len, char *buf, size_t size);

/* True for hosts Docker treats as insecure by default (loopback). */
bool cube_registry_is_loopback(const char *domain);

/* True for hosts spoken to in plain http: loopback, or listed (exactly, with
 * their port) in $CUBE_INSECURE_REGISTRIES. */
bool cube_registry_is_insecure(const char *domain);

#endif
