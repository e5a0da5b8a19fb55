/* fuzz_imageref.c - libFuzzer target for image reference parsing.
 *
 * Input: the reference text (up to the first NUL).  The oracle, besides "no
 * crash, no sanitizer report": a failure has a message; a parsed reference
 * prints (full and familiar forms) to strings that parse again to the same
 * reference.  Any broken invariant abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imageref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[CUBE_IMAGEREF_MAX + 64];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1;
	memcpy(in, data, n);
	in[n] = '\0';
	cube_imageref r, again;
	cube_err err = CUBE_ERR_INIT;
	if (cube_imageref_parse(in, &r, &err) < 0) {
		if (err.code != CUBE_EINVAL || !err.msg[0])
			abort();
		return 0;
	}
	char full[3 * CUBE_IMAGEREF_MAX], fam[3 * CUBE_IMAGEREF_MAX];
	cube_imageref_string(&r, full, sizeof(full));
	cube_imageref_familiar(&r, fam, sizeof(fam));
	/* Both forms name the same image (the full one can be too long to
	 * parse again only when the input was near the limit). */
	if (strlen(full) < CUBE_IMAGEREF_MAX) {
		if (cube_imageref_parse(full, &again, NULL) < 0 || strcmp(again.domain, r.domain) ||
		    strcmp(again.path, r.path) || strcmp(again.digest, r.digest))
			abort();
	}
	if (strlen(fam) < CUBE_IMAGEREF_MAX &&
	    (cube_imageref_parse(fam, &again, NULL) < 0 || strcmp(again.domain, r.domain) ||
	     strcmp(again.path, r.path) || strcmp(again.digest, r.digest)))
		abort();
	(void)cube_imageref_default_pull_policy(in);
	return 0;
}
