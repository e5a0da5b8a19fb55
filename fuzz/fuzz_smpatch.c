/* fuzz_smpatch.c - libFuzzer target for the Kubernetes strategic merge patch.
 *
 * Input: a document and a patch, both JSON, split at the first NUL or
 * newline byte.  The schema is the one of the document's "kind" (documents
 * without a known kind get the one that replaces every list).
 *
 * The oracle, besides "no crash, no sanitizer report, no leak": the document
 * is not modified; a failure is EINVAL or ENOMEM with a message; and where a
 * strategic merge patch has nothing strategic it must be a JSON merge patch:
 * a patch object without any "$" key, applied with the replace-every-list
 * schema, and one that also holds no list, applied with the kind's schema,
 * give what cube_merge_patch gives.  Any broken invariant abort()s.
 */
#include <stdbool.h>
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

/* Whether v holds a member whose name starts with '$' / any array. */
static void scan(const cJSON *v, bool *dollar, bool *list)
{
	const cJSON *c;
	if (cJSON_IsArray(v))
		*list = true;
	cJSON_ArrayForEach (c, v) {
		if (c->string && c->string[0] == '$')
			*dollar = true;
		scan(c, dollar, list);
	}
}

/* SMP with `schema` must give what the merge patch gives. */
static void check_like_merge(const cJSON *doc, const cJSON *patch, const cube_smp_schema *schema)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *m = cube_merge_patch(doc, patch, &err);
	cJSON *s = cube_strategic_merge_patch(doc, patch, schema, &err);
	if (m && s && !cube_json_equal(m, s))
		abort();
	if (!m != !s && err.code != CUBE_ENOMEM)
		abort();
	cJSON_Delete(m);
	cJSON_Delete(s);
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
	cJSON *patch = cube_json_parse(in + split + 1, size - split - 1, &err);
	cJSON *copy = doc ? cJSON_Duplicate(doc, true) : NULL;
	if (!doc || !patch || !copy)
		goto out;

	const cube_smp_schema *schema = cube_smp_schema_for(cube_obj_kind(doc));
	cube_err_clear(&err);
	cJSON *got = cube_strategic_merge_patch(doc, patch, schema, &err);
	if (!got)
		check_failure(&err);
	cJSON_Delete(got);

	/* the scan recurses; parsed input is at most cJSON's 1000 levels deep */
	bool dollar = false, list = false;
	scan(patch, &dollar, &list);
	if (cJSON_IsObject(patch) && !dollar) {
		check_like_merge(doc, patch, cube_smp_schema_for(NULL));
		if (!list)
			check_like_merge(doc, patch, schema);
	}
	if (!cube_json_equal(doc, copy))
		abort();
out:
	cJSON_Delete(copy);
	cJSON_Delete(patch);
	cJSON_Delete(doc);
	return 0;
}
