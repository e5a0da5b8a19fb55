/* fuzz_yaml.c - libFuzzer target for lib/yaml.c.
 *
 * Input: a YAML stream, as cubectl would read it from a file.
 *
 * The oracle, besides "no crash, no sanitizer report, no leak":
 *   - a failed parse says why: EINVAL, ETOOBIG or ENOMEM and a message that
 *     starts "yaml: ";
 *   - cube_yaml_parse() agrees with cube_yaml_parse_all(): the one document,
 *     a null for none, an EINVAL for several;
 *   - every document emits, the text parses back to an equal tree (same
 *     types, same keys in the same order, numbers equal as doubles with NaN
 *     equal to NaN), and emitting that tree gives the same text again;
 *   - the input itself, taken as a string (when it is UTF-8 without NUL),
 *     survives the same round trip as a key, a value and a sequence item:
 *     this reaches the emitter's quoting with strings the parser would
 *     rarely produce from mutated YAML.
 * Any broken invariant abort()s.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "yaml.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

/* Strict equality: cJSON_Compare ignores key order and compares numbers
 * with a tolerance, and NaN is never equal to itself there. */
static int equal(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	switch (a->type & 0xFF) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble ||
		       (isnan(a->valuedouble) && isnan(b->valuedouble));
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
	case cJSON_Object: {
		const cJSON *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next) {
			if ((a->type & 0xFF) == cJSON_Object && strcmp(x->string, y->string) != 0)
				return 0;
			if (!equal(x, y))
				return 0;
		}
		return !x && !y;
	}
	default:
		return 1;
	}
}

static void check_failure(const cube_err *err)
{
	CHECK(err->code == CUBE_EINVAL || err->code == CUBE_ETOOBIG || err->code == CUBE_ENOMEM);
	CHECK(strncmp(err->msg, "yaml: ", 6) == 0);
}

static void check_round_trip(const cJSON *doc)
{
	char *text = cube_yaml_emit(doc);
	CHECK(text);
	cube_err err = CUBE_ERR_INIT;
	cJSON *back = cube_yaml_parse(text, strlen(text), &err);
	CHECK(back);
	CHECK(equal(doc, back));
	char *again = cube_yaml_emit(back);
	CHECK(again && strcmp(text, again) == 0);
	free(again);
	cJSON_Delete(back);
	free(text);
}

/* UTF-8 as libyaml accepts it, and no NUL. */
static int text_ok(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t c = s[i], v;
		size_t len;
		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			len = 2, v = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			len = 3, v = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			len = 4, v = c & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			v = v << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) ||
		    (len == 4 && v < 0x10000) || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
			return 0;
		i += len;
	}
	return 1;
}

static void check_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	cJSON *o = cJSON_CreateObject();
	CHECK(o);
	cJSON_AddStringToObject(o, s, s);
	cJSON *a = cJSON_AddArrayToObject(o, s[0] == 'k' ? "j" : "k");
	CHECK(a);
	cJSON_AddItemToArray(a, cJSON_CreateString(s));
	check_round_trip(o);
	cJSON *alone = cJSON_CreateString(s);
	CHECK(alone);
	check_round_trip(alone);
	cJSON_Delete(alone);
	cJSON_Delete(o);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (text_ok(data, size))
		check_string(data, size);

	cube_err err = CUBE_ERR_INIT;
	cJSON *docs = cube_yaml_parse_all((const char *)data, size, &err);
	cube_err err1 = CUBE_ERR_INIT;
	cJSON *one = cube_yaml_parse((const char *)data, size, &err1);
	if (!docs) {
		check_failure(&err);
		CHECK(!one);
		check_failure(&err1);
		return 0;
	}
	CHECK(cJSON_IsArray(docs));
	int n = cJSON_GetArraySize(docs);
	if (n == 0)
		CHECK(one && cJSON_IsNull(one));
	else if (n == 1)
		CHECK(one && equal(one, docs->child));
	else
		CHECK(!one && err1.code == CUBE_EINVAL);
	cJSON_Delete(one);

	const cJSON *d;
	cJSON_ArrayForEach (d, docs) {
		CHECK(!cJSON_IsNull(d));
		check_round_trip(d);
	}
	cJSON_Delete(docs);
	return 0;
}
