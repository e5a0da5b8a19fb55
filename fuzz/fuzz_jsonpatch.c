/* fuzz_jsonpatch.c - libFuzzer target for the RFC 6902 JSON patch.
 *
 * Input: a document and an array of operations, both JSON, split at the
 * first NUL or newline byte.
 *
 * The oracle, besides "no crash, no sanitizer report, no leak": the input
 * document is never modified, in particular by a patch that fails half-way
 * (compared with a copy taken before); a failure returns NULL with EINVAL or
 * ENOMEM and a message naming the operation; an empty patch returns the
 * document; a successful result passes a "test" of the whole document
 * against itself.  Any broken invariant abort()s.
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
	if (err->code == CUBE_EINVAL && strncmp(err->msg, "json patch ", 11))
		abort();
}

/* [{"op":"test","path":"","value":<v>}] applied to v must succeed. */
static void check_self_test(const cJSON *v)
{
	cJSON *ops = cJSON_CreateArray(), *op = cJSON_CreateObject();
	cJSON *val = cJSON_Duplicate(v, true);
	if (!ops || !op || !val || !cJSON_AddStringToObject(op, "op", "test") ||
	    !cJSON_AddStringToObject(op, "path", "")) {
		cJSON_Delete(ops);
		cJSON_Delete(op);
		cJSON_Delete(val);
		return;
	}
	cJSON_AddItemToObject(op, "value", val);
	cJSON_AddItemToArray(ops, op);
	cube_err err = CUBE_ERR_INIT;
	cJSON *out = cube_json_patch(v, ops, &err);
	if (!out && err.code != CUBE_ENOMEM)
		abort();
	cJSON_Delete(out);
	cJSON_Delete(ops);
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
	cJSON *doc = cube_json_parse(in, split, &err);
	cJSON *ops = cube_json_parse(in + split + 1, size - split - 1, &err);
	cJSON *copy = doc ? cJSON_Duplicate(doc, true) : NULL;
	cJSON *none = cJSON_CreateArray();
	if (!doc || !ops || !copy || !none)
		goto out;

	cube_err_clear(&err);
	cJSON *got = cube_json_patch(doc, ops, &err);
	if (!got)
		check_failure(&err);
	else
		check_self_test(got);
	cJSON_Delete(got);
	if (!cube_json_equal(doc, copy))
		abort();

	got = cube_json_patch(doc, none, &err);
	if (got && !cube_json_equal(got, doc))
		abort();
	cJSON_Delete(got);
out:
	cJSON_Delete(none);
	cJSON_Delete(copy);
	cJSON_Delete(ops);
	cJSON_Delete(doc);
	return 0;
}
