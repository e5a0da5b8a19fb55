/* fuzz_jsonpath.c - libFuzzer target for cubectl's JSONPath templates and
 * custom-columns specs (cli/jsonpath.c).
 *
 * Input: the template text up to the first NUL byte; after it, optional JSON
 * to run the template over (a small pod list when absent or not JSON).
 *
 * The oracle, besides "no crash, no sanitizer report, no leak": a template
 * that does not parse says why; one that parses runs (with missing keys
 * allowed) and either succeeds with output or fails with a message; the same
 * text as a custom-columns spec either renders or says why.  Any broken
 * invariant abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cubectl.h"

static const char DEFAULT_DOC[] =
	"{\"kind\":\"List\",\"items\":[{\"metadata\":{\"name\":\"a\",\"labels\":{\"x\":\"1\"}},"
	"\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]},\"status\":{\"n\":3}},"
	"{\"metadata\":{\"name\":\"b\"},\"status\":{\"n\":0.5}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *p = (const char *)data;
	size_t tlen = strnlen(p, size);
	char *tmpl = malloc(tlen + 1);
	if (!tmpl)
		return 0;
	memcpy(tmpl, p, tlen);
	tmpl[tlen] = '\0';
	cJSON *doc = NULL;
	if (tlen + 1 < size)
		doc = cJSON_ParseWithLength(p + tlen + 1, size - tlen - 1);
	if (!doc)
		doc = cJSON_Parse(DEFAULT_DOC);
	char msg[512] = "";
	cctl_jsonpath *j = cctl_jsonpath_parse(tmpl, msg, sizeof(msg));
	if (!j) {
		if (!msg[0])
			abort();
	} else {
		char *out = NULL;
		msg[0] = '\0';
		int rc = cctl_jsonpath_exec(j, doc, true, &out, msg, sizeof(msg));
		if (rc == 0 && !out)
			abort();
		if (rc < 0 && !msg[0])
			abort();
		free(out);
		cJSON *found = cctl_jsonpath_find(j, doc, msg, sizeof(msg));
		cJSON_Delete(found);
		cctl_jsonpath_free(j);
	}
	const cJSON *objs[1] = {doc};
	msg[0] = '\0';
	char *cols = cctl_custom_columns(tmpl, objs, 1, false, msg, sizeof(msg));
	if (!cols && !msg[0])
		abort();
	free(cols);
	cJSON_Delete(doc);
	free(tmpl);
	return 0;
}
