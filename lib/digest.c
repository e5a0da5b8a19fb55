/* digest.c - sha256 digests over libcrypto's EVP interface. */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cleanup.h"

struct cube_sha256 {
	EVP_MD_CTX *ctx;
	uint64_t size;
};

cube_sha256 *cube_sha256_new(cube_err *err)
{
	cube_sha256 *h = calloc(1, sizeof(*h));
	if (!h || !(h->ctx = EVP_MD_CTX_new()) ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		cube_sha256_free(h);
		cube_err_set(err, CUBE_ENOMEM, "sha256: out of memory");
		return NULL;
	}
	return h;
}

void cube_sha256_update(cube_sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
	h->size += len;
}

static void to_digest(const unsigned char *md, char out[CUBE_DIGEST_MAX])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

void cube_sha256_final(cube_sha256 *h, char out[CUBE_DIGEST_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_DigestFinal_ex(h->ctx, md, &n);
	to_digest(md, out);
}

uint64_t cube_sha256_size(const cube_sha256 *h)
{
	return h->size;
}

void cube_sha256_free(cube_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void cube_digest_bytes(const void *data, size_t len, char out[CUBE_DIGEST_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	to_digest(md, out);
}

int cube_digest_file(const char *path, char out[CUBE_DIGEST_MAX], int64_t *size, cube_err *err)
{
	cube_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cube_err_errno(err, errno, "open %s", path);
	cube_sha256 *h = cube_sha256_new(err);
	if (!h)
		return -1;
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			cube_sha256_free(h);
			return cube_err_errno(err, e, "read %s", path);
		}
		if (n == 0)
			break;
		cube_sha256_update(h, buf, (size_t)n);
	}
	cube_sha256_final(h, out);
	if (size)
		*size = (int64_t)cube_sha256_size(h);
	cube_sha256_free(h);
	return 0;
}

bool cube_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

const char *cube_digest_hex(const char *d)
{
	return cube_digest_valid(d) ? d + 7 : NULL;
}

int cube_digest_check(const char *expected, const char *got, cube_err *err)
{
	if (expected && got && !strcmp(expected, got))
		return 0;
	return cube_err_set(err, CUBE_EPROTO, "digest mismatch: expected %s, got %s",
			    expected ? expected : "(none)", got ? got : "(none)");
}
