/* fuzz_mergepatch.c - libFuzzer target for the RFC 7386 JSON merge patch.
 *
 * Input: a document and a patch, both JSON, split at the first NUL or
 * newline byte (an empty or unparsable document stands for "no document").
 *
 * The oracle, besides "no crash, no sanitizer report, no leak": the document
 * is not modified; a failure is EINVAL or ENOMEM with a message; and a patch
 * applied twice gives what it gave once (RFC 7386 patches are idempotent).
 * Any broken invariant abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "obj.h"
#include "patch.h"

static void check_failure(const cube_err *err)
{
	if ((err->code != CUBE_EINVAL && err->code != CUBE_ENOMEM) || !err->msg[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t split = 0;
	while (split < size && in[split] != '\0' && in[split] != '\n')
		split++;
	if (split == size)
		return 0;
	cube_err err = CUBE_ERR_INIT;
	cJSON *doc = split ? cube_json_parse(in, split, &err) : NULL;
	cJSON *patch = cube_json_parse(in + split + 1, size - split - 1, &err);
	cJSON *copy = doc ? cJSON_Duplicate(doc, true) : NULL;
	if (!patch || (doc && !copy))
		goto out;

	cube_err_clear(&err);
	cJSON *once = cube_merge_patch(doc, patch, &err);
	if (!once) {
		check_failure(&err);
	} else {
		cJSON *twice = cube_merge_patch(once, patch, &err);
		if (!twice)
			check_failure(&err);
		else if (!cube_json_equal(once, twice))
			abort();
		cJSON_Delete(twice);
		/* a patch that is not an object is the result */
		if (!cJSON_IsObject(patch) && !cube_json_equal(once, patch))
			abort();
	}
	cJSON_Delete(once);
	if (doc && !cube_json_equal(doc, copy))
		abort();
out:
	cJSON_Delete(copy);
	cJSON_Delete(patch);
	cJSON_Delete(doc);
	return 0;
}
