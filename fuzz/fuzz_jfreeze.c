/* fuzz_jfreeze.c - libFuzzer target for lib/jfreeze.c (frozen, shared JSON
 * trees).
 *
 * Input: two JSON documents, split at the first NUL or newline byte (a
 * single document is frozen against itself).  Each is parsed by cJSON and
 * frozen.  Beyond "no crash, no sanitizer report, no leak", abort() unless:
 *   - a frozen tree prints exactly as cJSON prints its source, compact and
 *     formatted, and cJSON_Compare finds them equal (unless it finds the
 *     source unequal to its own copy: duplicate keys);
 *   - freezing the same document twice shares every list under the root;
 *   - after the first tree is freed, the second still prints as its source
 *     (whatever they shared survived), and so does a cJSON_Duplicate of it
 *     after it is freed too;
 *   - once everything is freed, no chain and no root is left.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jfreeze.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static bool same_print(const cJSON *a, const cJSON *b, char *(*pr)(const cJSON *))
{
	char *x = pr(a), *y = pr(b);
	bool same = x && y && !strcmp(x, y);
	if (!x || !y)
		same = true; /* ENOMEM in cJSON's printer: nothing to compare */
	free(x);
	free(y);
	return same;
}

static void check(const cJSON *src, const cJSON *f)
{
	CHECK(same_print(src, f, cJSON_PrintUnformatted));
	CHECK(same_print(src, f, cJSON_Print));
	/* cJSON_Compare finds the first of duplicate keys: it differs even from a copy then. */
	cJSON *copy = cJSON_Duplicate(src, true);
	if (copy && cJSON_Compare(src, copy, true))
		CHECK(cJSON_Compare(src, f, true));
	cJSON_Delete(copy);
}

static cJSON *parse(const char *s, size_t len)
{
	return cJSON_ParseWithLength(s, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	size_t split = 0;
	while (split < size && in[split] != '\0' && in[split] != '\n')
		split++;
	cJSON *sa = parse(in, split);
	cJSON *sb = split < size ? parse(in + split + 1, size - split - 1) : NULL;
	if (!sa) {
		cJSON_Delete(sb);
		return 0;
	}
	if (!sb)
		sb = cJSON_Duplicate(sa, true);
	cube_json_frozen_stats s0, s1;
	cube_json_frozen_get_stats(&s0);
	const cJSON *a = cube_json_freeze(sa), *a2 = cube_json_freeze(sa);
	const cJSON *b = cube_json_freeze(sb);
	CHECK(a && a2 && b);
	check(sa, a);
	check(sa, a2);
	check(sb, b);
	for (const cJSON *x = a->child, *y = a2->child; x; x = x->next, y = y->next)
		CHECK(y && x != y && x->child == y->child);
	cube_json_frozen_free(a);
	cube_json_frozen_free(a2);
	check(sb, b);
	cJSON *dup = cJSON_Duplicate(b, true);
	cube_json_frozen_free(b);
	if (dup)
		check(sb, dup);
	cube_json_frozen_get_stats(&s1);
	CHECK(s1.chains == s0.chains && s1.bytes == s0.bytes && s1.roots == s0.roots &&
	      s1.root_bytes == s0.root_bytes);
	cJSON_Delete(dup);
	cJSON_Delete(sa);
	cJSON_Delete(sb);
	return 0;
}
