/* fuzz_selector.c - libFuzzer target for the label and field selector parsers.
 *
 * Input: one byte choosing the parser (0: label string, 1: field string,
 * 2: metav1.LabelSelector JSON; taken modulo 3), the selector text up to the
 * first NUL byte, then optional "key=value" lines after the NUL that make a
 * label set / object to match against.
 *
 * The oracle, besides "no crash, no sanitizer report, no leak": a failed
 * parse says why (a known code and a message); a selector's canonical string
 * parses again, prints the same, and matches exactly the same label set or
 * object as the original.  Any broken invariant abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "selector.h"

static void check_failure(const cube_err *err)
{
	if (err->code != CUBE_EINVAL && err->code != CUBE_ETOOBIG && err->code != CUBE_ENOMEM)
		abort();
	if (err->msg[0] == '\0')
		abort();
}

/* A copy of n bytes that need not be NUL-terminated (strndup may read one
 * byte past them looking for a NUL, which the replay's buffers do not have). */
static char *copy_n(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* "k=v" lines -> a flat JSON object of strings (later keys replace earlier). */
static cJSON *make_labels(const char *p, const char *end)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(line_end - p));
		if (eq) {
			char *k = copy_n(p, (size_t)(eq - p));
			char *v = copy_n(eq + 1, (size_t)(line_end - eq - 1));
			if (k && v) {
				cJSON_DeleteItemFromObjectCaseSensitive(o, k);
				cJSON_AddStringToObject(o, k, v);
			}
			free(k);
			free(v);
		}
		p = nl ? nl + 1 : end;
	}
	return o;
}

/* Parses the canonical string of `sel` again; it must print the same and
 * match the labels the same way. */
static void check_label_round_trip(const cube_labelsel *sel, const cJSON *labels)
{
	char *s1 = cube_labelsel_string(sel);
	if (!s1)
		return; /* ENOMEM */
	if (cube_labelsel_is_everything(sel) != (s1[0] == '\0' && !cube_labelsel_is_nothing(sel)))
		abort();
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *again = cube_labelsel_parse(s1, &err);
	if (!again) {
		if (err.code != CUBE_ENOMEM)
			abort();
		free(s1);
		return;
	}
	char *s2 = cube_labelsel_string(again);
	if (s2 && strcmp(s1, s2) != 0)
		abort();
	if (!cube_labelsel_is_nothing(sel) &&
	    cube_labelsel_matches(sel, labels) != cube_labelsel_matches(again, labels))
		abort();
	free(s2);
	free(s1);
	cube_labelsel_free(again);
}

static void fuzz_label(const char *text, const cJSON *labels)
{
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = cube_labelsel_parse(text, &err);
	if (!sel) {
		check_failure(&err);
	} else {
		check_label_round_trip(sel, labels);
		cube_labelsel_free(sel);
	}
	/* a plain map selects the very labels it was made from */
	cube_labelsel *map = cube_labelsel_from_map(labels, &err);
	if (map) {
		if (!cube_labelsel_matches(map, labels))
			abort();
		check_label_round_trip(map, labels);
		cube_labelsel_free(map);
	}
}

static void fuzz_label_json(const char *text, const cJSON *labels)
{
	cJSON *j = cJSON_Parse(text);
	if (!j)
		return;
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = cube_labelsel_from_json(j, &err);
	if (!sel) {
		check_failure(&err);
	} else {
		if (cube_labelsel_is_nothing(sel) && cube_labelsel_matches(sel, labels))
			abort();
		check_label_round_trip(sel, labels);
		cube_labelsel_free(sel);
	}
	cJSON_Delete(j);
}

static const char *flat_get(void *ud, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive((const cJSON *)ud, field);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void fuzz_field(const char *text, const cJSON *obj)
{
	cube_err err = CUBE_ERR_INIT;
	cube_fieldsel *sel = cube_fieldsel_parse(text, &err);
	if (!sel) {
		check_failure(&err);
		return;
	}
	char *s1 = cube_fieldsel_string(sel);
	cube_fieldsel *again = s1 ? cube_fieldsel_parse(s1, &err) : NULL;
	if (s1 && !again && err.code != CUBE_ENOMEM)
		abort();
	if (again) {
		char *s2 = cube_fieldsel_string(again);
		if (s2 && strcmp(s1, s2) != 0)
			abort();
		free(s2);
		if (cube_fieldsel_count(again) != cube_fieldsel_count(sel))
			abort();
		if (cube_fieldsel_matches_json(sel, obj) != cube_fieldsel_matches_json(again, obj))
			abort();
		if (cube_fieldsel_matches(sel, flat_get, (void *)obj) !=
		    cube_fieldsel_matches(again, flat_get, (void *)obj))
			abort();
	}
	/* On flat objects a dotted-path lookup and a plain lookup agree for
	 * field names without dots; and an object that matches has the value
	 * that exact() promises. */
	bool plain = true;
	bool matches = cube_fieldsel_matches(sel, flat_get, (void *)obj);
	size_t n = cube_fieldsel_count(sel);
	for (size_t i = 0; i < n; i++) {
		const char *f = cube_fieldsel_field(sel, i);
		if (!f)
			abort();
		if (!f[0] || strchr(f, '.') || strlen(f) >= 256)
			plain = false;
		const char *want = cube_fieldsel_exact(sel, f);
		const char *have = flat_get((void *)obj, f);
		if (matches && want && strcmp(want, have ? have : "") != 0)
			abort();
	}
	if (cube_fieldsel_field(sel, n) != NULL)
		abort();
	if (plain && cube_fieldsel_matches_json(sel, obj) != matches)
		abort();
	free(s1);
	cube_fieldsel_free(again);
	cube_fieldsel_free(sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int mode = data[0] % 3;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	const char *nul = memchr(body, '\0', len);
	size_t text_len = nul ? (size_t)(nul - body) : len;
	char *text = copy_n(body, text_len);
	if (!text)
		return 0;
	const char *rest = nul ? nul + 1 : body + len;
	cJSON *labels = make_labels(rest, body + len);
	if (labels) {
		switch (mode) {
		case 0:
			fuzz_label(text, labels);
			break;
		case 1:
			fuzz_field(text, labels);
			break;
		default:
			fuzz_label_json(text, labels);
			break;
		}
	}
	cJSON_Delete(labels);
	free(text);
	return 0;
}
