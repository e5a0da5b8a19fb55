/* fuzz_oci.c - libFuzzer target for what a registry sends: manifests,
 * indexes, WWW-Authenticate challenges and error bodies.
 *
 * Input: a selector byte, then the text.  The oracle, besides "no crash, no
 * sanitizer report": a failure has a message; a parsed manifest's digests
 * are valid and sizes non-negative; a picked index entry has a valid
 * digest; an error message is NUL-terminated within its buffer.  Any broken
 * invariant abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	char *in = malloc(size);
	if (!in)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	size_t n = size - 1;
	cube_err err = CUBE_ERR_INIT;
	switch (data[0] % 4) {
	case 0: {
		cube_oci_manifest m;
		if (cube_oci_manifest_parse(in, n, &m, &err) < 0) {
			if (!err.msg[0] || m.layers)
				abort();
			break;
		}
		if (!cube_digest_valid(m.config.digest) || m.config.size < 0 || m.n_layers < 1)
			abort();
		for (size_t i = 0; i < m.n_layers; i++)
			if (!cube_digest_valid(m.layers[i].digest) || m.layers[i].size < 0)
				abort();
		cube_oci_manifest_clear(&m);
		(void)cube_oci_kind_of(in, n, NULL, NULL);
		break;
	}
	case 1: {
		cube_oci_desc d;
		if (cube_oci_index_pick(in, n, "linux", "amd64", &d, &err) == 0 &&
		    !cube_digest_valid(d.digest))
			abort();
		break;
	}
	case 2: {
		cube_registry_challenge c;
		if (cube_registry_parse_challenge(in, &c, &err) < 0 && !err.msg[0])
			abort();
		break;
	}
	default: {
		char buf[64];
		memset(buf, 'x', sizeof(buf));
		cube_registry_error_message(404, in, n, buf, sizeof(buf));
		if (!memchr(buf, '\0', sizeof(buf)))
			abort();
		break;
	}
	}
	free(in);
	return 0;
}
