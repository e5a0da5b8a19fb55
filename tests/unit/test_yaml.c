/* test_yaml.c - unit tests for lib/yaml.c.
 *
 * The typing tables restate go-yaml v2's resolve.go (and its decode_test.go
 * where it has a case) and sigs.k8s.io/yaml's key conversion, i.e. what the
 * real kubectl makes of the same text; the error tests pin libyaml's problem
 * texts with cube's "yaml: line L, column C:" prefix.  Emitting is checked
 * against kubectl -o yaml's layout and by round trips.
 *
 * Trees are compared strictly (types, key order, numbers as doubles with
 * NaN equal to NaN): cJSON_Compare ignores key order and would hide a
 * reordering. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "yaml.h"

static bool same(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return false;
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
				return false;
			if (!same(x, y))
				return false;
		}
		return !x && !y;
	}
	default:
		return true;
	}
}

/* Parses the one document in yaml, failing the test on an error. */
static cJSON *P(const char *yaml)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *doc = cube_yaml_parse(yaml, strlen(yaml), &err);
	cr_assert_not_null(doc, "parse failed: %s\n--- input:\n%s", err.msg, yaml);
	return doc;
}

/* The document in yaml must equal the JSON text want. */
static void expect(const char *yaml, const char *want)
{
	cube_autojson cJSON *got = P(yaml);
	cube_autojson cJSON *w = cJSON_Parse(want);
	cr_assert_not_null(w, "bad JSON in the test: %s", want);
	cube_autofree char *g = cJSON_PrintUnformatted(got);
	cr_assert(same(got, w), "input:\n%s\ngot:  %s\nwant: %s", yaml, g, want);
}

/* The stream must fail with code and exactly msg. */
static void expect_error(const char *yaml, cube_errc code, const char *msg)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *docs = cube_yaml_parse_all(yaml, strlen(yaml), &err);
	cube_autofree char *g = docs ? cJSON_PrintUnformatted(docs) : NULL;
	cJSON_Delete(docs);
	cr_assert_null(g, "input:\n%s\nparsed as %s, wanted an error", yaml, g);
	cr_assert_eq(err.code, code, "code %s, want %s (%s)", cube_errc_name(err.code),
		     cube_errc_name(code), err.msg);
	cr_assert_str_eq(err.msg, msg);
}

/* parse(emit(doc)) must give doc back, and emitting again the same text. */
static void round_trip(const cJSON *doc)
{
	cube_autofree char *text = cube_yaml_emit(doc);
	cr_assert_not_null(text);
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *back = cube_yaml_parse(text, strlen(text), &err);
	cr_assert_not_null(back, "emitted text does not parse: %s\n%s", err.msg, text);
	cube_autofree char *a = cJSON_PrintUnformatted(doc);
	cube_autofree char *b = cJSON_PrintUnformatted(back);
	cr_assert(same(doc, back), "round trip changed\n%s\ninto\n%s\nvia\n%s", a, b, text);
	cube_autofree char *again = cube_yaml_emit(back);
	cr_assert_str_eq(again, text);
}

static void expect_emit(const char *json, const char *want)
{
	cube_autojson cJSON *doc = cJSON_Parse(json);
	cr_assert_not_null(doc, "bad JSON in the test: %s", json);
	cube_autofree char *text = cube_yaml_emit(doc);
	cr_assert_not_null(text);
	cr_assert_str_eq(text, want);
	round_trip(doc);
}

/* ---- plain scalar typing --------------------------------------------------------- */

Test(yaml_scalar, nulls)
{
	expect("[~, null, Null, NULL, \"\", '']", "[null,null,null,null,\"\",\"\"]");
	expect("a:\nb: ~\nc: nUll", "{\"a\":null,\"b\":null,\"c\":\"nUll\"}");
	expect("- \n- x", "[null,\"x\"]");
}

Test(yaml_scalar, booleans_as_go_yaml_v2)
{
	/* go-yaml v2 (and so kubectl) reads the YAML 1.1 words; y and n too. */
	expect("[y, Y, yes, Yes, YES, true, True, TRUE, on, On, ON]",
	       "[true,true,true,true,true,true,true,true,true,true,true]");
	expect("[n, N, no, No, NO, false, False, FALSE, off, Off, OFF]",
	       "[false,false,false,false,false,false,false,false,false,false,false]");
	/* Mixed case, and words around them, are strings. */
	expect("[yEs, tRUE, oN, nO, yes please, 'true', \"off\"]",
	       "[\"yEs\",\"tRUE\",\"oN\",\"nO\",\"yes please\",\"true\",\"off\"]");
}

Test(yaml_scalar, decimal_integers)
{
	expect("[0, -0, +1, 42, -17, 1_000, 1__0_, 9223372036854775807, -9223372036854775808]",
	       "[0,0,1,42,-17,1000,10,9223372036854775807,-9223372036854775808]");
	cube_autojson cJSON *big = P("18446744073709551615"); /* a uint64 for go-yaml */
	cr_assert(cJSON_IsNumber(big));
	cr_assert_eq(big->valuedouble, 18446744073709551615.0);
}

Test(yaml_scalar, hex_octal_binary_as_go_parse_int)
{
	expect("[0x1F, 0X1f, -0x10, +0x10, 0o17, 0O17, 012, -012, 0b101, -0b11, 0x_1F, 00]",
	       "[31,31,-16,16,15,15,10,-10,5,-3,31,0]");
	/* 08 and 09 are not octal: Go's ParseInt fails and the float rule reads
	 * them in decimal. */
	expect("[08, 09, 0o8, 0x, 0b, 0xG]", "[8,9,\"0o8\",\"0x\",\"0b\",\"0xG\"]");
	/* A prefixed integer past 64 bits is still a number (go-yaml: math/big). */
	cube_autojson cJSON *big = P("0x1_0000_0000_0000_0000");
	cr_assert(cJSON_IsNumber(big));
	cr_assert_eq(big->valuedouble, 18446744073709551616.0);
}

Test(yaml_scalar, floats)
{
	expect("[1.5, .5, -.5, +.5, 1., 1e3, 1E-3, +1.5e+2, 1_0.5, 99999999999999999999]",
	       "[1.5,0.5,-0.5,0.5,1,1000,0.001,150,10.5,1e20]");
	cube_autojson cJSON *special =
		P("[.inf, .Inf, .INF, +.inf, -.inf, -.INF, .nan, .NaN, .NAN]");
	double want[] = {INFINITY, INFINITY, INFINITY, INFINITY, -INFINITY, -INFINITY};
	for (int i = 0; i < 6; i++)
		cr_assert_eq(cJSON_GetArrayItem(special, i)->valuedouble, want[i], "item %d", i);
	for (int i = 6; i < 9; i++)
		cr_assert(isnan(cJSON_GetArrayItem(special, i)->valuedouble), "item %d", i);
	/* Out of float64's range, or not Go float syntax: strings. */
	expect("[1e400, .1e999, .5_0, ._5, .inf5, 1e, 1.2.3, +, -, .]",
	       "[\"1e400\",\".1e999\",\".5_0\",\"._5\",\".inf5\",\"1e\",\"1.2.3\",\"+\",\"-\",\"."
	       "\"]");
}

Test(yaml_scalar, strings_that_only_look_typed)
{
	/* Base-60 is gone (YAML 1.2, and go-yaml never read it); timestamps
	 * stay strings for interface{} targets. */
	expect("[12:30, 1:2:3.5, 2001-12-14, 2001-12-14T21:59:43.10-05:00, <<, =, v1.2, 1Gi, 500m]",
	       "[\"12:30\",\"1:2:3.5\",\"2001-12-14\",\"2001-12-14T21:59:43.10-05:00\",\"<<\","
	       "\"=\",\"v1.2\",\"1Gi\",\"500m\"]");
}

Test(yaml_scalar, quoted_and_block_scalars_are_strings)
{
	expect("[\"true\", '1', \"~\", '', \"0x10\", '.inf']",
	       "[\"true\",\"1\",\"~\",\"\",\"0x10\",\".inf\"]");
	expect("a: |\n  123\nb: >-\n  yes\n", "{\"a\":\"123\\n\",\"b\":\"yes\"}");
}

Test(yaml_scalar, escapes_in_double_quotes)
{
	expect("\"tab\\tnl\\nq\\\"u\\u00e9x\\x41\\\\\"", "\"tab\\tnl\\nq\\\"u\\u00e9xA\\\\\"");
	expect("'it''s'", "\"it's\"");
}

/* ---- tags --------------------------------------------------------------------------- */

Test(yaml_tags, standard_tags_honoured)
{
	expect("s: !!str 12\ni: !!int \"42\"\nf: !!float 3\nb: !!bool \"on\"\nnl: !!null ~\n"
	       "t: !!timestamp 2001-12-14\nv: !<tag:yaml.org,2002:int> '7'\nu: !!str\n",
	       "{\"s\":\"12\",\"i\":42,\"f\":3,\"b\":true,\"nl\":null,\"t\":\"2001-12-14\","
	       "\"v\":7,\"u\":\"\"}");
	expect("!!binary aGVsbG8gd29ybGQ=", "\"hello world\"");
	expect("!!binary |\n  aGVsbG8g\n  d29ybGQ=\n", "\"hello world\"");
}

Test(yaml_tags, other_tags_leave_strings)
{
	expect("%TAG !k! tag:example.com,2024:\n---\n[!foo 12, ! 12, !k!x true, !!set 1]",
	       "[\"12\",\"12\",\"true\",\"1\"]");
	/* Tags on collections are ignored. */
	expect("!!map {a: !!seq [1]}", "{\"a\":[1]}");
}

Test(yaml_tags, values_a_tag_cannot_hold)
{
	expect_error("a: !!int abc", CUBE_EINVAL,
		     "yaml: line 1, column 4: cannot decode !!str `abc` as a !!int");
	expect_error("a: !!bool 1", CUBE_EINVAL,
		     "yaml: line 1, column 4: cannot decode !!int `1` as a !!bool");
	expect_error("a: !!null x", CUBE_EINVAL,
		     "yaml: line 1, column 4: cannot decode !!str `x` as a !!null");
	expect_error("- !!timestamp 2001-02-30", CUBE_EINVAL,
		     "yaml: line 1, column 3: cannot decode !!str `2001-02-30` as a !!timestamp");
	/* go-yaml turns an int into a float for !!float, but not a uint64. */
	expect_error("!!float 18446744073709551615", CUBE_EINVAL,
		     "yaml: line 1, column 1: cannot decode !!int `18446744073709551615` as a "
		     "!!float");
	expect_error("!!binary a*==", CUBE_EINVAL,
		     "yaml: line 1, column 1: !!binary value contains invalid base64 data");
	expect_error("!!binary /w==", CUBE_EINVAL,
		     "yaml: line 1, column 1: !!binary value is not UTF-8 text (not supported)");
}

/* ---- keys --------------------------------------------------------------------------- */

Test(yaml_keys, non_string_keys_as_sigs_k8s_io_yaml)
{
	/* 1 and 1.0 are the same key "1": the second value wins. */
	expect("1: a\n0x10: b\n-5: c\n1.5: d\n1.0: e\n1e3: f\n0.1: g\n1e7: h\n.inf: i\n-.inf: j\n"
	       ".nan: k\ntrue: l\nNo: m\n3.14159265358979: x\n2.0: z\n",
	       "{\"1\":\"e\",\"16\":\"b\",\"-5\":\"c\",\"1.5\":\"d\",\"1000\":\"f\","
	       "\"0.1\":\"g\",\"1e+07\":\"h\",\".inf\":\"i\",\"-.inf\":\"j\",\".nan\":\"k\","
	       "\"true\":\"l\",\"false\":\"m\",\"3.1415927\":\"x\",\"2\":\"z\"}");
}

Test(yaml_keys, y_and_n_keys_are_booleans_as_in_kubectl)
{
	expect("x: 1\ny: 2\nn: 3", "{\"x\":1,\"true\":2,\"false\":3}");
	expect("'y': 2", "{\"y\":2}");
}

Test(yaml_keys, keys_that_cannot_be_strings)
{
	expect_error("~: 1", CUBE_EINVAL, "yaml: line 1, column 1: unsupported map key `~` (null)");
	expect_error("a: 1\n? \n: 2", CUBE_EINVAL,
		     "yaml: line 2, column 2: unsupported map key `` (null)");
	expect_error("18446744073709551615: x", CUBE_EINVAL,
		     "yaml: line 1, column 1: unsupported map key `18446744073709551615` (an "
		     "integer past int64)");
	expect_error("? [a]\n: 1", CUBE_EINVAL,
		     "yaml: line 1, column 3: invalid map key: a sequence cannot be a key");
	expect_error("{a: 1}: 1", CUBE_EINVAL,
		     "yaml: line 1, column 1: invalid map key: a mapping cannot be a key");
	expect_error("a: &m {x: 1}\n*m : 2", CUBE_EINVAL,
		     "yaml: line 2, column 1: invalid map key: a mapping cannot be a key");
}

Test(yaml_keys, repeated_key_keeps_place_takes_last_value)
{
	expect("a: 1\nb: 2\na: 3", "{\"a\":3,\"b\":2}");
	/* Also past the size where a mapping gets a hash index. */
	char buf[4096];
	size_t k = 0;
	for (int i = 0; i < 40; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "k%d: %d\n", i, i);
	snprintf(buf + k, sizeof(buf) - k, "k3: x\nk39: z\n");
	cube_autojson cJSON *doc = P(buf);
	cr_assert_eq(cJSON_GetArraySize(doc), 40);
	cr_assert_str_eq(cJSON_GetArrayItem(doc, 3)->valuestring, "x");
	cr_assert_str_eq(cJSON_GetArrayItem(doc, 39)->valuestring, "z");
	cr_assert_str_eq(cJSON_GetArrayItem(doc, 3)->string, "k3");
}

Test(yaml_keys, complex_and_quoted_keys)
{
	expect("? explicit\n: 1\n? |\n  block\n: 2\n\"a b\": 3\n'<<': 4\n",
	       "{\"explicit\":1,\"block\\n\":2,\"a b\":3,\"<<\":4}");
}

/* ---- streams --------------------------------------------------------------------------- */

Test(yaml_stream, documents_empty_ones_skipped)
{
	const char *y = "---\n---\n# only a comment\n---\na: 1\n---\n~\n...\n---\nnull\n---\n"
			"b: 2\n...\n--- [3]\n";
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *docs = cube_yaml_parse_all(y, strlen(y), &err);
	cr_assert_not_null(docs, "%s", err.msg);
	cube_autojson cJSON *want = cJSON_Parse("[{\"a\":1},{\"b\":2},[3]]");
	cr_assert(same(docs, want));
}

Test(yaml_stream, empty_input)
{
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *docs = cube_yaml_parse_all("", 0, &err);
	cr_assert(cJSON_IsArray(docs) && cJSON_GetArraySize(docs) == 0);
	cube_autojson cJSON *none = cube_yaml_parse(NULL, 0, &err);
	cr_assert(cJSON_IsNull(none));
	cube_autojson cJSON *comment = cube_yaml_parse("# nothing\n", 10, &err);
	cr_assert(cJSON_IsNull(comment));
}

Test(yaml_stream, single_document_api_refuses_two)
{
	const char *y = "a: 1\n---\n~\n---\nb: 2\n";
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_yaml_parse(y, strlen(y), &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert_str_eq(err.msg,
			 "yaml: line 4, column 1: expected a single document, found another one");
	/* A trailing empty document is fine. */
	expect("a: 1\n---\n", "{\"a\":1}");
}

Test(yaml_stream, length_not_nul_terminated)
{
	const char buf[] = "a: 1\nb: 2"; /* only "a: 1" is given */
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *doc = cube_yaml_parse(buf, 4, &err);
	cube_autojson cJSON *want = cJSON_Parse("{\"a\":1}");
	cr_assert(same(doc, want));
}

Test(yaml_stream, comments_crlf_and_bom)
{
	expect("# head\na: 1 # tail\n# mid\nb:\n  # in\n  - x # item\nc: \"# kept\"\nd: v#kept\n",
	       "{\"a\":1,\"b\":[\"x\"],\"c\":\"# kept\",\"d\":\"v#kept\"}");
	expect("a: 1\r\nb: |\r\n  x\r\n", "{\"a\":1,\"b\":\"x\\n\"}");
	expect("\xEF\xBB\xBF"
	       "a: 1",
	       "{\"a\":1}");
}

/* ---- anchors, aliases, merge keys --------------------------------------------------------- */

Test(yaml_alias, anchors_and_aliases)
{
	expect("a: &x {p: [1, 2]}\nb: *x\nc: [&s str, *s]\n&k key: *s\nd: *k",
	       "{\"a\":{\"p\":[1,2]},\"b\":{\"p\":[1,2]},\"c\":[\"str\",\"str\"],\"key\":\"str\","
	       "\"d\":\"key\"}");
	/* An alias copies: changing one copy later cannot touch another, and a
	 * replaced anchored value stays valid for later aliases. */
	expect("a: &x [1]\na: 2\nb: *x", "{\"a\":2,\"b\":[1]}");
	/* A redefined anchor: aliases see the latest definition. */
	expect("- &a 1\n- *a\n- &a 2\n- *a", "[1,1,2,2]");
	/* Aliased scalars as keys convert like the scalar would. */
	expect("- &n 10\n- {*n : x}", "[10,{\"10\":\"x\"}]");
}

Test(yaml_alias, alias_errors)
{
	expect_error("a: *nope", CUBE_EINVAL,
		     "yaml: line 1, column 4: unknown anchor 'nope' referenced");
	expect_error("a: &a [1, *a]", CUBE_EINVAL,
		     "yaml: line 1, column 11: anchor 'a' value contains itself");
	/* Anchors do not cross documents. */
	expect_error("a: &x 1\n---\nb: *x", CUBE_EINVAL,
		     "yaml: line 3, column 4: unknown anchor 'x' referenced");
}

Test(yaml_alias, merge_keys)
{
	const char *y = "base: &base {image: busybox, tty: true}\n"
			"extra: &extra {tty: false, stdin: true}\n"
			"one:\n  <<: *base\n  name: one\n"
			"two:\n  <<: [*extra, *base]\n  name: two\n"
			"three: {<<: {a: 1}, b: 2}\n";
	expect(y, "{\"base\":{\"image\":\"busybox\",\"tty\":true},"
		  "\"extra\":{\"tty\":false,\"stdin\":true},"
		  "\"one\":{\"image\":\"busybox\",\"tty\":true,\"name\":\"one\"},"
		  "\"two\":{\"image\":\"busybox\",\"tty\":false,\"stdin\":true,\"name\":\"two\"},"
		  "\"three\":{\"a\":1,\"b\":2}}");
}

Test(yaml_alias, merge_order_is_go_yaml_v2s)
{
	/* go-yaml v2 writes merged entries into the map as it meets them, so a
	 * key after << overrides the merge and one before is overridden. */
	expect("a: 1\n<<: {a: 2, b: 2}\n", "{\"a\":2,\"b\":2}");
	expect("<<: {a: 2, b: 2}\na: 1\n", "{\"a\":1,\"b\":2}");
	/* Quoted, "<<" is an ordinary key; tagged !!merge, a merge key. */
	expect("\"<<\": {a: 1}", "{\"<<\":{\"a\":1}}");
	expect("!!merge <<: {a: 1}", "{\"a\":1}");
}

Test(yaml_alias, merge_values_must_be_maps)
{
	const char *msg = "yaml: line 1, column 1: map merge requires map or sequence of maps as "
			  "the value";
	expect_error("<<: 1", CUBE_EINVAL, msg);
	expect_error("<<:", CUBE_EINVAL, msg);
	expect_error("<<: [{a: 1}, 2]", CUBE_EINVAL, msg);
	expect_error("<<: [[a]]", CUBE_EINVAL, msg);
}

Test(yaml_alias, billion_laughs_bounded)
{
	const char *y = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n"
			"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
			"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
			"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	expect_error(y, CUBE_ETOOBIG,
		     "yaml: line 4, column 17: document contains excessive aliasing");
	/* Modest reuse is fine: 3 levels expand to 9^3 = 729 strings. */
	cube_autojson cJSON *ok =
		P("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		  "c: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ok, "c")), 9);
}

Test(yaml_alias, alias_string_bytes_bounded)
{
	/* Few nodes but big strings: a 64 KiB string aliased 100 times copies
	 * 6.4 MiB, over the 4 MiB floor (the input is far below 512 KiB). */
	size_t big = 64 * 1024, cap = big + 1024;
	cube_autofree char *y = malloc(cap);
	size_t k = (size_t)snprintf(y, cap, "s: &s ");
	memset(y + k, 'x', big);
	k += big;
	k += (size_t)snprintf(y + k, cap - k, "\nl: [");
	for (int i = 0; i < 100; i++) {
		y = realloc(y, k + 16);
		k += (size_t)snprintf(y + k, 16, "*s,");
	}
	y = realloc(y, k + 4);
	memcpy(y + k, "]\n", 3);
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_yaml_parse(y, strlen(y), &err));
	cr_assert_eq(err.code, CUBE_ETOOBIG);
	cr_assert(strstr(err.msg, "document contains excessive aliasing"), "%s", err.msg);
}

/* ---- block and flow styles ------------------------------------------------------------- */

Test(yaml_style, block_scalar_chomping_and_folding)
{
	const char *y = "clip: |\n  a\n  b\n\n"
			"strip: |-\n  a\n\n"
			"keep: |+\n  a\n\n"
			"fold: >\n  a\n  b\n\n  c\n"
			"fold_strip: >-\n  a\n  b\n"
			"fold_keep: >+\n  a\n\n"
			"indent: |2\n    x\n  y\n"
			"more: >\n  a\n    indented\n  b\n"
			"last: end\n";
	expect(y, "{\"clip\":\"a\\nb\\n\",\"strip\":\"a\",\"keep\":\"a\\n\\n\","
		  "\"fold\":\"a b\\nc\\n\",\"fold_strip\":\"a b\",\"fold_keep\":\"a\\n\\n\","
		  "\"indent\":\"  x\\ny\\n\",\"more\":\"a\\n  indented\\nb\\n\",\"last\":\"end\"}");
}

Test(yaml_style, plain_and_quoted_multiline_fold)
{
	expect("a: one\n  two\n\n  three\nb: \"x\n  y\"\nc: 'p\n\n  q'",
	       "{\"a\":\"one two\\nthree\",\"b\":\"x y\",\"c\":\"p\\nq\"}");
}

Test(yaml_style, flow_collections)
{
	expect("{a: [1, {b: c}], d: {}, e: [], f: [x: 1], \"g h\": 'i', j: {k}, ? l : m}",
	       "{\"a\":[1,{\"b\":\"c\"}],\"d\":{},\"e\":[],\"f\":[{\"x\":1}],\"g h\":\"i\","
	       "\"j\":{\"k\":null},\"l\":\"m\"}");
	expect("[a, [b, [c, []]],\n  {x: z}, ]", "[\"a\",[\"b\",[\"c\",[]]],{\"x\":\"z\"}]");
	/* ...and y is a boolean there too. */
	expect("{x: y}", "{\"x\":true}");
}

Test(yaml_style, nesting_limit)
{
	char deep[2 * CUBE_YAML_MAX_DEPTH + 8];
	memset(deep, '[', CUBE_YAML_MAX_DEPTH);
	memset(deep + CUBE_YAML_MAX_DEPTH, ']', CUBE_YAML_MAX_DEPTH);
	deep[2 * CUBE_YAML_MAX_DEPTH] = '\0';
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *ok = cube_yaml_parse(deep, strlen(deep), &err);
	cr_assert_not_null(ok, "%s", err.msg);
	cube_autofree char *text = cube_yaml_emit(ok);
	cr_assert_not_null(text);

	char deeper[2 * CUBE_YAML_MAX_DEPTH + 8];
	memset(deeper, '[', CUBE_YAML_MAX_DEPTH + 1);
	memset(deeper + CUBE_YAML_MAX_DEPTH + 1, ']', CUBE_YAML_MAX_DEPTH + 1);
	deeper[2 * CUBE_YAML_MAX_DEPTH + 2] = '\0';
	cr_assert_null(cube_yaml_parse(deeper, strlen(deeper), &err));
	cr_assert_eq(err.code, CUBE_ETOOBIG);
	cr_assert_str_eq(err.msg, "yaml: line 1, column 1001: nesting deeper than 1000 levels");
	/* Through an alias too. */
	char via[2 * CUBE_YAML_MAX_DEPTH + 64];
	int k = snprintf(via, sizeof(via), "- &a ");
	memset(via + k, '[', CUBE_YAML_MAX_DEPTH - 1);
	memset(via + k + CUBE_YAML_MAX_DEPTH - 1, ']', CUBE_YAML_MAX_DEPTH - 1);
	snprintf(via + k + 2 * (CUBE_YAML_MAX_DEPTH - 1), 32, "\n- [*a]\n");
	cr_assert_null(cube_yaml_parse(via, strlen(via), &err));
	cr_assert_eq(err.code, CUBE_ETOOBIG);
}

Test(yaml_style, nul_in_strings_refused)
{
	expect_error("a: \"x\\0y\"", CUBE_EINVAL,
		     "yaml: line 1, column 4: NUL characters in strings are not supported");
}

/* ---- a real manifest ------------------------------------------------------------------------- */

static const char deployment[] =
	"# kubectl create deployment web --image=nginx:1.25 --replicas=3, then edited\n"
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"  labels:\n"
	"    app: web\n"
	"  annotations:\n"
	"    deployment.kubernetes.io/revision: \"1\"\n"
	"spec:\n"
	"  replicas: 3\n"
	"  revisionHistoryLimit: 10\n"
	"  selector:\n"
	"    matchLabels:\n"
	"      app: web\n"
	"  strategy:\n"
	"    type: RollingUpdate\n"
	"    rollingUpdate:\n"
	"      maxSurge: 25%\n"
	"      maxUnavailable: 0\n"
	"  template:\n"
	"    metadata:\n"
	"      labels:\n"
	"        app: web\n"
	"    spec:\n"
	"      containers:\n"
	"      - name: nginx\n"
	"        image: nginx:1.25\n"
	"        args: [\"--port\", \"8080\"]\n"
	"        env:\n"
	"        - name: DEBUG\n"
	"          value: \"false\"\n"
	"        ports:\n"
	"        - containerPort: 8080\n"
	"          protocol: TCP\n"
	"        resources:\n"
	"          limits: {cpu: 500m, memory: 128Mi}\n"
	"        readinessProbe:\n"
	"          httpGet:\n"
	"            path: /healthz\n"
	"            port: 8080\n"
	"          initialDelaySeconds: 5\n"
	"        command:\n"
	"        - sh\n"
	"        - -c\n"
	"        - |\n"
	"          echo starting\n"
	"          exec nginx -g 'daemon off;'\n"
	"      terminationGracePeriodSeconds: 30\n";

Test(yaml_manifest, deployment)
{
	cube_autojson cJSON *d = P(deployment);
	cr_assert_str_eq(cJSON_GetObjectItem(d, "kind")->valuestring, "Deployment");
	cJSON *spec = cJSON_GetObjectItem(d, "spec");
	cr_assert_eq(cJSON_GetObjectItem(spec, "replicas")->valuedouble, 3);
	cJSON *ru = cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "strategy"), "rollingUpdate");
	cr_assert_str_eq(cJSON_GetObjectItem(ru, "maxSurge")->valuestring, "25%");
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(ru, "maxUnavailable")));
	cJSON *c = cJSON_GetArrayItem(
		cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "template"), "spec"),
			"containers"),
		0);
	cr_assert_str_eq(cJSON_GetObjectItem(c, "image")->valuestring, "nginx:1.25");
	cJSON *env = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "env"), 0);
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(env, "value")), "quoted \"false\" stays text");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "command"), 2)->valuestring,
			 "echo starting\nexec nginx -g 'daemon off;'\n");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "args"), 1)->valuestring,
			 "8080");
	cJSON *limits = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "resources"), "limits");
	cr_assert_str_eq(cJSON_GetObjectItem(limits, "cpu")->valuestring, "500m");
	round_trip(d);
}

/* ---- syntax errors ----------------------------------------------------------------------------
 */

Test(yaml_errors, line_and_column_of_libyaml_problems)
{
	expect_error("a: b\nc: d: e\n", CUBE_EINVAL,
		     "yaml: line 2, column 5: mapping values are not allowed in this context");
	expect_error("a:\n\t- b\n", CUBE_EINVAL,
		     "yaml: line 2, column 1: found character that cannot start any token");
	expect_error("a:\n  b: 1\n c: 2\n", CUBE_EINVAL,
		     "yaml: line 3, column 2: did not find expected key");
	expect_error("- a\nb: c\n", CUBE_EINVAL,
		     "yaml: line 2, column 1: did not find expected '-' indicator");
	expect_error("a: [1, 2\nb: 3\n", CUBE_EINVAL,
		     "yaml: line 2, column 2: did not find expected ',' or ']'");
	expect_error("a: \"open\nb: c", CUBE_EINVAL,
		     "yaml: line 2, column 5: found unexpected end of stream");
	expect_error("a: !e!x 1", CUBE_EINVAL,
		     "yaml: line 1, column 4: found undefined tag handle");
	expect_error("%YAML 2.0\n---\na", CUBE_EINVAL,
		     "yaml: line 1, column 1: found incompatible YAML document");
}

Test(yaml_errors, invalid_utf8_names_its_place)
{
	expect_error("a: 1\nbb: \xff\n", CUBE_EINVAL,
		     "yaml: line 2, column 5: invalid leading UTF-8 octet: #FF");
}

Test(yaml_errors, error_after_good_documents_fails_the_stream)
{
	expect_error("a: 1\n---\nb: [\n", CUBE_EINVAL,
		     "yaml: line 4, column 1: did not find expected node content");
}

/* ---- emitting -----------------------------------------------------------------------------------
 */

Test(yaml_emit, kubectl_layout)
{
	expect_emit(
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":"
		"{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
		"\"nginx\",\"ports\":[{\"containerPort\":80}],\"args\":[\"a\",\"b\"]}],"
		"\"volumes\":[],\"nodeSelector\":{}}}",
		"apiVersion: v1\n"
		"kind: Pod\n"
		"metadata:\n"
		"  name: p\n"
		"  labels:\n"
		"    app: web\n"
		"spec:\n"
		"  containers:\n"
		"  - name: c\n"
		"    image: nginx\n"
		"    ports:\n"
		"    - containerPort: 80\n"
		"    args:\n"
		"    - a\n"
		"    - b\n"
		"  volumes: []\n"
		"  nodeSelector: {}\n");
}

Test(yaml_emit, strings_quoted_only_when_needed)
{
	expect_emit("{\"a\":\"8080\",\"b\":\"true\",\"c\":\"\",\"d\":\"null\",\"e\":\"12:30\","
		    "\"f\":\"*\",\"g\":\" lead\",\"h\":\"a: b\",\"i\":\"yes\",\"j\":\"1e3\","
		    "\"k\":\"<<\",\"l\":\"plain text\",\"m\":\"caf\u00e9\",\"true\":\"y\","
		    "\"n\":\"- x\",\"o\":\"#x\",\"p\":\"~\",\"q\":\"0x1F\",\"r\":\"1.2.3\"}",
		    "a: \"8080\"\n"
		    "b: \"true\"\n"
		    "c: \"\"\n"
		    "d: \"null\"\n"
		    "e: \"12:30\"\n"
		    "f: '*'\n"
		    "g: ' lead'\n"
		    "h: 'a: b'\n"
		    "i: \"yes\"\n"
		    "j: \"1e3\"\n"
		    "k: \"<<\"\n"
		    "l: plain text\n"
		    "m: caf\u00e9\n"
		    "\"true\": \"y\"\n"
		    "\"n\": '- x'\n"
		    "o: '#x'\n"
		    "p: \"~\"\n"
		    "q: \"0x1F\"\n"
		    "r: 1.2.3\n");
}

Test(yaml_emit, multiline_strings_as_literal_blocks)
{
	expect_emit("{\"clip\":\"a\\nb\\n\",\"strip\":\"a\\nb\",\"keep\":\"a\\n\\n\","
		    "\"indented\":\"  x\\ny\\n\"}",
		    "clip: |\n"
		    "  a\n"
		    "  b\n"
		    "strip: |-\n"
		    "  a\n"
		    "  b\n"
		    "keep: |+\n"
		    "  a\n"
		    "\n"
		    "indented: |2\n"
		    "    x\n"
		    "  y\n");
}

Test(yaml_emit, numbers_bools_null)
{
	cube_autojson cJSON *doc = cJSON_CreateArray();
	double nums[] = {0,	   -0.0,      1,    -42,       1.5,	 0.1,
			 1e19,	   1e20,      1e-7, 1234567.5, 123456.5, 18446744073709551615.0,
			 INFINITY, -INFINITY, NAN};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(nums); i++)
		cJSON_AddItemToArray(doc, cJSON_CreateNumber(isnan(nums[i]) ? 0 : nums[i]));
	cJSON_GetArrayItem(doc, (int)CUBE_ARRAY_LEN(nums) - 1)->valuedouble = NAN;
	cJSON_AddItemToArray(doc, cJSON_CreateTrue());
	cJSON_AddItemToArray(doc, cJSON_CreateFalse());
	cJSON_AddItemToArray(doc, cJSON_CreateNull());
	cube_autofree char *text = cube_yaml_emit(doc);
	/* Integral values below 2^64 print as integers (sigs.k8s.io/yaml turns
	 * such float64s into ints), the rest in Go's shortest %g. */
	cr_assert_str_eq(text, "- 0\n- 0\n- 1\n- -42\n- 1.5\n- 0.1\n- 10000000000000000000\n"
			       "- 1e+20\n- 1e-07\n- 1.2345675e+06\n- 123456.5\n"
			       "- 1.8446744073709552e+19\n- .inf\n- -.inf\n- .nan\n- true\n"
			       "- false\n- null\n");
	round_trip(doc);
}

Test(yaml_emit, scalar_documents_and_odd_strings)
{
	expect_emit("\"hello\"", "hello\n");
	expect_emit("[]", "[]\n");
	expect_emit("{}", "{}\n");
	expect_emit("null", "null\n");
	cube_autojson cJSON *odd = cJSON_Parse(
		"[\"tab\\there\",\"trailing \",\"x\\r\\ny\",\"\\u2028\",\"a\\u0085b\",\"\\u001b\","
		"\"\\n\\nlead\",\"space \\nbreak\",\" \\n lead\",\"\\ufeffbom\",\"- \",\"? x\","
		"\"@at\",\"`tick\",\"%pct\",\"!bang\",\"&amp\",\"|pipe\",\">gt\",\"a #b\",\"{x}\","
		"\"[y]\",\"'q'\",\"\\\"dq\\\"\",\",c\",\"---\",\"...\"]");
	round_trip(odd);
	cube_autojson cJSON *keys = cJSON_Parse("{\"multi\\nline\":1,\"\":2,\"<<\":3,\"null\":4}");
	round_trip(keys);
	/* Keys too long for a simple key. */
	char longkey[300];
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	cube_autojson cJSON *lk = cJSON_CreateObject();
	cJSON_AddStringToObject(lk, longkey, "v");
	round_trip(lk);
}

Test(yaml_emit, invalid_utf8_becomes_replacement_character)
{
	cube_autojson cJSON *s = cJSON_CreateString("a\xff"
						    "b");
	cube_autofree char *text = cube_yaml_emit(s);
	cr_assert_str_eq(text, "a\xEF\xBF\xBD"
			       "b\n");
	cr_assert_null(cube_yaml_emit(NULL));
}

Test(yaml_emit, round_trips_of_realistic_objects)
{
	const char *docs[] = {
		deployment,
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  annotations:\n"
		"    kubectl.kubernetes.io/last-applied-configuration: |\n"
		"      {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}\n"
		"data:\n  nginx.conf: |\n    server {\n        listen 80;\n    }\n"
		"  port: \"8080\"\n  enabled: \"true\"\n  empty: \"\"\n  pad: \"  x  \"\n"
		"  long: " /* longer than the 80-column fold width */
		"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp "
		"qqqq rrrr\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n"
		"  clusterIP: 10.96.0.10\n  selector: {app: web}\n  ports:\n"
		"  - {name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}\n",
		"apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster:\n"
		"    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n"
		"contexts:\n- name: lab\n  context: {cluster: lab, user: admin}\n"
		"current-context: lab\nusers:\n- name: admin\n  user: {token: abc}\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n"
		"  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n"
		"        spec:\n          restartPolicy: OnFailure\n          containers:\n"
		"          - {name: c, image: busybox, args: [date, '-u']}\n",
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(docs); i++) {
		cube_autojson cJSON *d = P(docs[i]);
		round_trip(d);
	}
}
