/* digest.h - content digests as OCI writes them: "sha256:<64 lowercase hex>".
 *
 * sha256 comes from libcrypto (EVP).  One-shot helpers hash a buffer or a
 * file; a cube_sha256 hashes a stream (a blob arriving from a registry, a
 * layer being written).  cube_digest_check() compares an expected digest
 * with a computed one and words the error the way every caller reports a
 * corrupt blob ("digest mismatch: expected sha256:..., got sha256:...").
 * Thread-safe: no shared state.
 */
#ifndef CUBE_DIGEST_H
#define CUBE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* "sha256:" + 64 hex + NUL, rounded up. */
#define CUBE_DIGEST_MAX 72

typedef struct cube_sha256 cube_sha256;

/* A new streaming hash, or NULL (ENOMEM). */
cube_sha256 *cube_sha256_new(cube_err *err);

/* Adds bytes. Never fails once the context exists. */
void cube_sha256_update(cube_sha256 *h, const void *data, size_t len);

/* Writes "sha256:<hex>" into out (CUBE_DIGEST_MAX bytes). The context may
 * not be updated afterwards. */
void cube_sha256_final(cube_sha256 *h, char out[CUBE_DIGEST_MAX]);

/* Bytes hashed so far. */
uint64_t cube_sha256_size(const cube_sha256 *h);

/* Accepts NULL. */
void cube_sha256_free(cube_sha256 *h);

/* One shot: the digest of a buffer. Cannot fail. */
void cube_digest_bytes(const void *data, size_t len, char out[CUBE_DIGEST_MAX]);

/* The digest (and, when size is not NULL, the length) of a file; -1 with err
 * (CUBE_EIO/ENOTFOUND) when it cannot be read. */
int cube_digest_file(const char *path, char out[CUBE_DIGEST_MAX], int64_t *size, cube_err *err);

/* True for "sha256:" followed by exactly 64 lowercase hex digits: the only
 * algorithm cube accepts (as the OCI spec requires registries to support). */
bool cube_digest_valid(const char *d);

/* The hex part of a valid digest (a pointer into d), or NULL. */
const char *cube_digest_hex(const char *d);

/* 0 when `got` equals `expected`, else -1 with CUBE_EPROTO and
 * "digest mismatch: expected E, got G". */
int cube_digest_check(const char *expected, const char *got, cube_err *err);

#endif
