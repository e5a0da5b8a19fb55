/* test_selector.c - label and field selectors against the cases of
 * k8s.io/apimachinery's labels/selector_test.go and fields/selector_test.go,
 * plus cube's own contracts: canonical strings, LabelSelector JSON, error
 * messages that name the offending text and its position, size limits, and
 * matching from many threads at once. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "selector.h"

/* ---- helpers ------------------------------------------------------------------ */

static void labelsel_freep(cube_labelsel **p)
{
	cube_labelsel_free(*p);
}
static void fieldsel_freep(cube_fieldsel **p)
{
	cube_fieldsel_free(*p);
}
#define autolsel __attribute__((cleanup(labelsel_freep)))
#define autofsel __attribute__((cleanup(fieldsel_freep)))

static cube_labelsel *lparse(const char *s)
{
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = cube_labelsel_parse(s, &err);
	cr_assert(sel, "parse(%s) failed: %s", s, err.msg);
	return sel;
}

static cJSON *json(const char *text)
{
	cJSON *j = cJSON_Parse(text);
	cr_assert(j, "bad JSON in test: %s", text);
	return j;
}

/* Does selector `s` match the labels given as a JSON object ("null" for none)? */
static bool lmatch(const char *s, const char *labels)
{
	autolsel cube_labelsel *sel = lparse(s);
	cube_autojson cJSON *l = json(labels);
	return cube_labelsel_matches(sel, cJSON_IsNull(l) ? NULL : l);
}

#define expect_match(s, l) cr_expect(lmatch(s, l), "%s should match %s", s, l)
#define expect_no_match(s, l) cr_expect(!lmatch(s, l), "%s should not match %s", s, l)

/* Parses and checks the canonical string. */
static void expect_lstring(const char *s, const char *want)
{
	autolsel cube_labelsel *sel = lparse(s);
	cube_autofree char *got = cube_labelsel_string(sel);
	cr_expect_str_eq(got, want, "String(%s) = %s, want %s", s, got, want);
	/* and the canonical form is a fixed point */
	autolsel cube_labelsel *again = lparse(got);
	cube_autofree char *got2 = cube_labelsel_string(again);
	cr_expect_str_eq(got2, want);
}

static void expect_lerror(const char *s, const char *msg)
{
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = cube_labelsel_parse(s, &err);
	cr_expect_null(sel, "parse(%s) should fail", s);
	cube_labelsel_free(sel);
	cr_expect_eq(err.code, CUBE_EINVAL, "parse(%s): code %s", s, cube_errc_name(err.code));
	if (msg)
		cr_expect_str_eq(err.msg, msg);
}

/* The error message of a failing parse, for prefix checks. */
static void lerror_msg(const char *s, cube_err *err)
{
	cube_labelsel *sel = cube_labelsel_parse(s, err);
	cr_assert_null(sel, "parse(%s) should fail", s);
	cr_assert_eq(err->code, CUBE_EINVAL);
}

static cube_fieldsel *fparse(const char *s)
{
	cube_err err = CUBE_ERR_INIT;
	cube_fieldsel *sel = cube_fieldsel_parse(s, &err);
	cr_assert(sel, "field parse(%s) failed: %s", s, err.msg);
	return sel;
}

static void expect_fstring(const char *s, const char *want)
{
	autofsel cube_fieldsel *sel = fparse(s);
	cube_autofree char *got = cube_fieldsel_string(sel);
	cr_expect_str_eq(got, want, "String(%s) = %s, want %s", s, got, want);
	autofsel cube_fieldsel *again = fparse(got);
	cube_autofree char *got2 = cube_fieldsel_string(again);
	cr_expect_str_eq(got2, want);
}

static void expect_ferror(const char *s, const char *msg)
{
	cube_err err = CUBE_ERR_INIT;
	cube_fieldsel *sel = cube_fieldsel_parse(s, &err);
	cr_expect_null(sel, "field parse(%s) should fail", s);
	cube_fieldsel_free(sel);
	cr_expect_eq(err.code, CUBE_EINVAL);
	if (msg)
		cr_expect_str_eq(err.msg, msg);
}

/* A field getter over a JSON object of strings, as fields.Set. */
static const char *set_get(void *ud, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive((const cJSON *)ud, field);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool fmatch(const char *s, const char *set)
{
	autofsel cube_fieldsel *sel = fparse(s);
	cube_autojson cJSON *j = json(set);
	return cube_fieldsel_matches(sel, set_get, j);
}

/* Kubernetes' validation messages, word for word. */
#define QNAME_MSG                                                                                \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with " \
	"an "                                                                                    \
	"alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for "     \
	"validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_MSG                                                                          \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' " \
	"or "                                                                                    \
	"'.', and must start and end with an alphanumeric character (e.g. 'MyValue', or "        \
	"'my_value', or '12345', regex used for validation is "                                  \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

/* ---- label selectors: parsing --------------------------------------------------------- */

/* TestSelectorParse: good strings print back as themselves minus blanks. */
Test(labels_parse, good_strings_round_trip)
{
	static const char *const good[] = {
		"x=a,y=b,z=c", "",	  "x!=a,y=b", "x=",  "x= ",
		"x=,z= ",      "x= ,z= ", "!x",	      "x>1", "x>1,z<5",
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(good); i++) {
		char want[64];
		size_t o = 0;
		for (const char *p = good[i]; *p; p++)
			if (*p != ' ')
				want[o++] = *p;
		want[o] = '\0';
		expect_lstring(good[i], want);
	}
}

/* TestSelectorParse: bad strings. */
Test(labels_parse, bad_strings)
{
	expect_lerror("x=a||y=b",
		      "label selector \"x=a||y=b\": invalid label value \"a||y\" for key \"x\" "
		      "at position 2: " LABEL_VALUE_MSG);
	expect_lerror("x==a==b", "label selector \"x==a==b\": expected ',' or end of string at "
				 "position 4, found \"==\"");
	expect_lerror("!x=a", "label selector \"!x=a\": expected ',' or end of string at position "
			      "2, found \"=\"");
	expect_lerror(
		"x<a",
		"label selector \"x<a\": invalid label value \"a\" for key \"x\" at position 2: "
		"for 'Gt', 'Lt' operators, the value must be an integer");
}

/* TestSetSelectorParser's invalid inputs, each with its exact message. */
Test(labels_parse, syntax_errors_name_text_and_position)
{
	expect_lerror("a in (x", "label selector \"a in (x\": expected ',' or ')' at position 7, "
				 "found end of string");
	expect_lerror("x,,y", "label selector \"x,,y\": expected '!' or identifier after ',' at "
			      "position 2, found \",\"");
	expect_lerror(",x,y", "label selector \",x,y\": expected '!', identifier or end of string "
			      "at position 0, found \",\"");
	expect_lerror(
		"x nott in (y)",
		"label selector \"x nott in (y)\": expected one of in, notin, =, ==, !=, >, < "
		"at position 2, found \"nott\"");
	expect_lerror("a in (xyz),",
		      "label selector \"a in (xyz),\": expected '!' or identifier after ',' at "
		      "position 11, found end of string");
	expect_lerror("a in (xyz)b notin ()",
		      "label selector \"a in (xyz)b notin ()\": expected ',' or end of "
		      "string at position 10, found \"b\"");
	expect_lerror("a in (xyz abc)", "label selector \"a in (xyz abc)\": expected ',' or ')' at "
					"position 10, found \"abc\"");
	expect_lerror("a notin(",
		      "label selector \"a notin(\": expected ',', ')' or identifier at position 8, "
		      "found end of string");
	expect_lerror(
		"a (",
		"label selector \"a (\": expected one of in, notin, =, ==, !=, >, < at position 2, "
		"found \"(\"");
	expect_lerror("(", "label selector \"(\": expected '!', identifier or end of string at "
			   "position 0, found \"(\"");
	expect_lerror("x in y",
		      "label selector \"x in y\": expected '(' at position 5, found \"y\"");
	expect_lerror("x=(",
		      "label selector \"x=(\": expected identifier at position 2, found \"(\"");
	expect_lerror(
		"!",
		"label selector \"!\": expected identifier at position 1, found end of string");
	expect_lerror("x=a b", "label selector \"x=a b\": expected ',' or end of string at "
			       "position 4, found \"b\"");
}

/* Kubernetes' parseIdentifiersList quirks: "(a,,)" is an error, "(a,)" is not. */
Test(labels_parse, value_list_quirks)
{
	expect_lerror("x in (a,,)", "label selector \"x in (a,,)\": expected ',' or identifier at "
				    "position 9, found \")\"");
	expect_lerror("x in (,,)", NULL);
	expect_lerror("x in ((a))", NULL);
	expect_lstring("x in (abc,)", "x in (,abc)");
	expect_lstring("x in ()", "x in ()");
	expect_lstring("x in (,)", "x in ()");
	expect_lstring("x notin ( )", "x notin ()");
	expect_lstring("x notin (, a)", "x notin (,a)");
	expect_lstring("x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()");
}

/* TestSetSelectorParser's valid inputs, blanks of every kind included. */
Test(labels_parse, set_based_syntax)
{
	expect_lstring("\rx", "x");
	expect_lstring("this-is-a-dns.domain.com/key-with-dash",
		       "this-is-a-dns.domain.com/key-with-dash");
	expect_lstring("this-is-another-dns.domain.com/key-with-dash in (so,what)",
		       "this-is-another-dns.domain.com/key-with-dash in (so,what)");
	expect_lstring("0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
		       "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)");
	expect_lstring("foo  in\t (abc)", "foo in (abc)");
	expect_lstring("x notin\n (abc)", "x notin (abc)");
	expect_lstring("x  notin\t\t\t(abc,def)", "x notin (abc,def)");
	expect_lstring("x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)");
	expect_lstring("x,y in (a)", "x,y in (a)");
	expect_lstring("a ", "a");
	expect_lstring("  ! a  ,  b  ==  c  ", "!a,b==c");
}

/* "in" and "notin" are keywords only where an operator is expected. */
Test(labels_parse, keywords_as_keys_and_values)
{
	expect_lstring("a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)");
	expect_lstring("in in (in)", "in in (in)");
	expect_lstring("notin=in", "notin=in");
	expect_lstring("!in", "!in");
	expect_match("notin=in", "{\"notin\": \"in\"}");
}

/* TestDeterministicParse, and the order of requirements on one key. */
Test(labels_string, deterministic_canonical_form)
{
	autolsel cube_labelsel *a = lparse("x=a,a=x");
	autolsel cube_labelsel *b = lparse("a=x,x=a");
	cube_autofree char *sa = cube_labelsel_string(a);
	cube_autofree char *sb = cube_labelsel_string(b);
	cr_expect_str_eq(sa, "a=x,x=a");
	cr_expect_str_eq(sa, sb);
	expect_lstring("z!=a,z", "z,z!=a");
	expect_lstring("z,z!=a", "z,z!=a");
}

/* TestToString, and what String() normalises. */
Test(labels_string, to_string)
{
	expect_lstring("x in (def,abc),y notin (jkl),z", "x in (abc,def),y notin (jkl),z");
	expect_lstring("z notin (jkl),y!=jkl,!x", "!x,y!=jkl,z notin (jkl)");
	expect_lstring("x notin (abc),y in (mno,jkl),z notin ()",
		       "x notin (abc),y in (jkl,mno),z notin ()");
	expect_lstring("x=abc,y==jkl,z!=a,z", "x=abc,y==jkl,z,z!=a");
	expect_lstring("y<8,x>2,z", "x>2,y<8,z");
	/* duplicates in a set are dropped, == stays == as in Kubernetes */
	expect_lstring("a in (b,a,b,a)", "a in (a,b)");
	expect_lstring("e in (y,x),c!=d,a=b", "a=b,c!=d,e in (x,y)");
	expect_lstring("x>007", "x>007");
}

/* ---- label selectors: validation --------------------------------------------------------- */

Test(labels_validation, keys)
{
	expect_lerror("-a", "label selector \"-a\": invalid label key \"-a\" at position 0: name "
			    "part " QNAME_MSG);
	expect_lerror("x=1,a-", "label selector \"x=1,a-\": invalid label key \"a-\" at position "
				"4: name part " QNAME_MSG);
	expect_lerror(
		"/a in (b)",
		"label selector \"/a in (b)\": invalid label key \"/a\" at position 0: prefix part "
		"must be non-empty");
	expect_lerror(
		"a/",
		"label selector \"a/\": invalid label key \"a/\" at position 0: name part must be "
		"non-empty; name part " QNAME_MSG);
	cube_err err = CUBE_ERR_INIT;
	lerror_msg("a/b/c", &err);
	cr_expect(strstr(err.msg, "invalid label key \"a/b/c\" at position 0: a qualified name "
				  "must consist of"),
		  "%s", err.msg);
	lerror_msg("Example.com/a", &err);
	cr_expect(
		strstr(err.msg,
		       "invalid label key \"Example.com/a\" at position 0: prefix part a lowercase "
		       "RFC 1123 subdomain must consist of"),
		"%s", err.msg);
	lerror_msg("a..b/c", &err);
	cr_expect(strstr(err.msg, "prefix part a lowercase RFC 1123 subdomain"), "%s", err.msg);

	/* TestRequirementConstructor: name parts up to 63, prefixes up to 253 */
	char key[600];
	memset(key, 'a', 254);
	key[254] = '\0';
	lerror_msg(key, &err);
	cr_expect(strstr(err.msg, "at position 0: name part must be no more than 63 characters"),
		  "%s", err.msg);
	cr_expect(strstr(err.msg, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..."),
		  "cut: %s", err.msg);
	key[63] = '\0';
	autolsel cube_labelsel *ok63 = lparse(key);
	memset(key, 'p', 253);
	strcpy(key + 253, "/name");
	autolsel cube_labelsel *ok253 = lparse(key);
	memset(key, 'p', 254);
	strcpy(key + 254, "/name");
	lerror_msg(key, &err);
	cr_expect(strstr(err.msg, "prefix part must be no more than 253 characters"), "%s",
		  err.msg);

	autolsel cube_labelsel *a = lparse("1foo in (bar)");
	autolsel cube_labelsel *b = lparse("1234 in (bar)");
	autolsel cube_labelsel *c = lparse("k8s.io/a_b.C-1");
}

Test(labels_validation, values)
{
	expect_lerror("a=-x", "label selector \"a=-x\": invalid label value \"-x\" for key \"a\" "
			      "at position 2: " LABEL_VALUE_MSG);
	expect_lerror(
		"a in (ok, b@d)",
		"label selector \"a in (ok, b@d)\": invalid label value \"b@d\" for key \"a\" "
		"at position 10: " LABEL_VALUE_MSG);
	expect_lerror("x>-1", "label selector \"x>-1\": invalid label value \"-1\" for key \"x\" "
			      "at position 2: " LABEL_VALUE_MSG);
	expect_lerror(
		"barz<blah",
		"label selector \"barz<blah\": invalid label value \"blah\" for key \"barz\" at "
		"position 5: for 'Gt', 'Lt' operators, the value must be an integer");
	expect_lerror("x>", "label selector \"x>\": invalid label value \"\" for key \"x\" at "
			    "position 2: for 'Gt', "
			    "'Lt' operators, the value must be an integer");
	char sel[100] = "a=";
	memset(sel + 2, 'v', 64);
	sel[66] = '\0';
	cube_err err = CUBE_ERR_INIT;
	lerror_msg(sel, &err);
	cr_expect(strstr(err.msg, "at position 2: must be no more than 63 characters"), "%s",
		  err.msg);
	sel[65] = '\0';
	autolsel cube_labelsel *ok = lparse(sel);
	/* int64 bounds for > and < */
	autolsel cube_labelsel *max = lparse("x>9223372036854775807");
	expect_lerror("x>9223372036854775808", NULL);
	/* leading zeros are fine, as for strconv.ParseInt, however many */
	expect_lstring("x<00000000000000000000000000000000000000000000000000000000000007",
		       "x<00000000000000000000000000000000000000000000000000000000000007");
	expect_match("x<00000000000000000000000000000000000000000000000000000000000007",
		     "{\"x\": \"0006\"}");
}

/* Quoting keeps control bytes and long input out of the message. */
Test(labels_validation, message_quoting)
{
	expect_lerror("a\x01=b", "label selector \"a\\x01=b\": invalid label key \"a\\x01\" at "
				 "position 0: name part " QNAME_MSG);
	expect_lerror("a=\"", "label selector \"a=\\\"\": invalid label value \"\\\"\" for key "
			      "\"a\" at position 2: " LABEL_VALUE_MSG);
}

/* ---- label selectors: matching -------------------------------------------------------------- */

/* TestSelectorMatches. */
Test(labels_match, equality_and_existence)
{
	expect_match("", "{\"x\": \"y\"}");
	expect_match("x=y", "{\"x\": \"y\"}");
	expect_match("x=y,z=w", "{\"x\": \"y\", \"z\": \"w\"}");
	expect_match("x!=y,z!=w", "{\"x\": \"z\", \"z\": \"a\"}");
	expect_match("x", "{\"x\": \"z\"}");
	expect_match("!x", "{\"y\": \"z\"}");
	expect_match("x>1", "{\"x\": \"2\"}");
	expect_match("x<1", "{\"x\": \"0\"}");
	expect_no_match("x=z", "{}");
	expect_no_match("x=y", "{\"x\": \"z\"}");
	expect_no_match("x=y,z=w", "{\"x\": \"w\", \"z\": \"w\"}");
	expect_no_match("x!=y,z!=w", "{\"x\": \"z\", \"z\": \"w\"}");
	expect_no_match("x", "{\"y\": \"z\"}");
	expect_no_match("!x", "{\"x\": \"z\"}");
	expect_no_match("x>1", "{\"x\": \"0\"}");
	expect_no_match("x<1", "{\"x\": \"2\"}");

	const char *set = "{\"foo\": \"bar\", \"baz\": \"blah\"}";
	expect_match("foo=bar", set);
	expect_match("baz=blah", set);
	expect_match("foo=bar,baz=blah", set);
	expect_match("foo==bar", set);
	expect_no_match("foo=blah", set);
	expect_no_match("baz=bar", set);
	expect_no_match("foo=bar,foobar=bar,baz=blah", set);
}

/* Absent labels: != and notin match, = and in do not. */
Test(labels_match, absent_labels)
{
	expect_match("a!=b", "null");
	expect_match("a!=b", "{}");
	expect_match("a!=b", "{\"c\": \"b\"}");
	expect_no_match("a!=b", "{\"a\": \"b\"}");
	expect_match("a notin (b,c)", "null");
	expect_match("a notin (b,c)", "{\"x\": \"b\"}");
	expect_no_match("a notin (b,c)", "{\"a\": \"c\"}");
	expect_match("a notin (b,c)", "{\"a\": \"d\"}");
	expect_no_match("a=b", "null");
	expect_no_match("a in (b)", "null");
	expect_no_match("a", "null");
	expect_match("!a", "null");
	expect_no_match("a>1", "null");
	expect_match("a=", "{\"a\": \"\"}");
	expect_no_match("a=", "{}");
}

/* TestRequirementSelectorMatching. */
Test(labels_match, set_based)
{
	expect_match("x in (foo),y notin (alpha)", "{\"x\": \"foo\", \"y\": \"baz\"}");
	expect_no_match("x in (foo),y in (alpha)", "{\"x\": \"foo\", \"y\": \"baz\"}");
	expect_match("x notin (),y", "{\"y\": \"\"}");
	expect_match("!x,y", "{\"y\": \"\"}");
	expect_no_match("x notin (),!y", "{\"y\": \"\"}");
	expect_no_match("x in ()", "{\"y\": \"baz\"}");
	expect_match("x in ()", "{\"x\": \"\"}");
	expect_match("z>1", "{\"z\": \"2\"}");
	expect_no_match("z>1", "{\"z\": \"v2\"}");
	expect_match("env in (prod,staging),tier notin (cache),!canary,app",
		     "{\"env\": \"staging\", \"tier\": \"web\", \"app\": \"x\"}");
	expect_no_match(
		"env in (prod,staging),tier notin (cache),!canary,app",
		"{\"env\": \"staging\", \"tier\": \"web\", \"app\": \"x\", \"canary\": \"1\"}");
}

/* Gt/Lt compare as int64; label values that are not integers never match. */
Test(labels_match, integer_comparison)
{
	expect_match("x<1", "{\"x\": \"-5\"}");
	expect_match("x>10", "{\"x\": \"+11\"}");
	expect_no_match("x>10", "{\"x\": \"10\"}");
	expect_no_match("x<10", "{\"x\": \"10\"}");
	expect_no_match("x>1", "{\"x\": \"99999999999999999999\"}");
	expect_no_match("x>1", "{\"x\": \" 5\"}");
	expect_no_match("x>1", "{\"x\": \"\"}");
	expect_match("x<9223372036854775807", "{\"x\": \"-9223372036854775808\"}");
}

/* Labels that are not strings count as absent; a non-object is no labels. */
Test(labels_match, odd_label_sets)
{
	expect_no_match("a", "{\"a\": 1}");
	expect_match("a!=1", "{\"a\": 1}");
	expect_match("!a", "[\"a\"]");
	expect_match("", "null");
	cr_expect(!cube_labelsel_matches(NULL, NULL), "a NULL selector matches nothing");
}

Test(labels_match, everything)
{
	autolsel cube_labelsel *s = lparse("");
	autolsel cube_labelsel *blank = lparse(" \t\r\n ");
	cr_expect(cube_labelsel_is_everything(s));
	cr_expect(cube_labelsel_is_everything(blank));
	cr_expect(!cube_labelsel_is_nothing(s));
	cube_autojson cJSON *l = json("{\"x\": \"y\"}");
	cr_expect(cube_labelsel_matches(s, l));
	cr_expect(cube_labelsel_matches(s, NULL));
	cube_autofree char *str = cube_labelsel_string(s);
	cr_expect_str_eq(str, "");
	autolsel cube_labelsel *x = lparse("x");
	cr_expect(!cube_labelsel_is_everything(x));
	cube_labelsel_free(NULL);
}

/* ---- label selectors: metav1.LabelSelector and plain maps -------------------------------------
 */

static cube_labelsel *from_json(const char *text, cube_err *err)
{
	cube_autojson cJSON *j = json(text);
	return cube_labelsel_from_json(j, err);
}

Test(labels_json, match_labels_and_expressions)
{
	cube_err err = CUBE_ERR_INIT;
	autolsel cube_labelsel *s = from_json(
		"{\"matchLabels\": {\"app\": \"web\", \"tier\": \"fe\"},"
		" \"matchExpressions\": ["
		"  {\"key\": \"env\", \"operator\": \"In\", \"values\": [\"prod\", \"canary\"]},"
		"  {\"key\": \"zone\", \"operator\": \"NotIn\", \"values\": [\"b\"]},"
		"  {\"key\": \"gpu\", \"operator\": \"Exists\"},"
		"  {\"key\": \"old\", \"operator\": \"DoesNotExist\", \"values\": []}]}",
		&err);
	cr_assert(s, "%s", err.msg);
	cube_autofree char *str = cube_labelsel_string(s);
	cr_expect_str_eq(str, "app=web,env in (canary,prod),gpu,!old,tier=fe,zone notin (b)");
	cube_autojson cJSON *yes =
		json("{\"app\": \"web\", \"tier\": \"fe\", \"env\": \"prod\", \"gpu\": \"\"}");
	cube_autojson cJSON *no1 =
		json("{\"app\": \"web\", \"tier\": \"fe\", \"env\": \"dev\", \"gpu\": \"\"}");
	cube_autojson cJSON *no2 = json("{\"app\": \"web\", \"tier\": \"fe\", \"env\": \"prod\", "
					"\"gpu\": \"\", \"old\": \"1\"}");
	cube_autojson cJSON *no3 = json("{\"app\": \"web\", \"tier\": \"fe\", \"env\": \"prod\", "
					"\"gpu\": \"\", \"zone\": \"b\"}");
	cr_expect(cube_labelsel_matches(s, yes));
	cr_expect(!cube_labelsel_matches(s, no1));
	cr_expect(!cube_labelsel_matches(s, no2));
	cr_expect(!cube_labelsel_matches(s, no3));
	/* the string form parses back to a selector that agrees */
	autolsel cube_labelsel *back = lparse(str);
	cr_expect(cube_labelsel_matches(back, yes));
	cr_expect(!cube_labelsel_matches(back, no3));
}

/* nil selects nothing, {} selects everything (LabelSelectorAsSelector). */
Test(labels_json, nil_versus_empty)
{
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *labels = json("{\"a\": \"b\"}");
	autolsel cube_labelsel *nil = cube_labelsel_from_json(NULL, &err);
	autolsel cube_labelsel *jnull = from_json("null", &err);
	autolsel cube_labelsel *empty = from_json("{}", &err);
	autolsel cube_labelsel *empty2 =
		from_json("{\"matchLabels\": {}, \"matchExpressions\": []}", &err);
	autolsel cube_labelsel *nulls =
		from_json("{\"matchLabels\": null, \"matchExpressions\": null}", &err);
	cr_assert(nil && jnull && empty && empty2 && nulls);
	cr_expect(cube_labelsel_is_nothing(nil));
	cr_expect(cube_labelsel_is_nothing(jnull));
	cr_expect(!cube_labelsel_is_everything(nil));
	cr_expect(!cube_labelsel_matches(nil, labels));
	cr_expect(!cube_labelsel_matches(nil, NULL));
	cube_autofree char *s = cube_labelsel_string(nil);
	cr_expect_str_eq(s, "");
	cr_expect(cube_labelsel_is_everything(empty));
	cr_expect(cube_labelsel_is_everything(empty2));
	cr_expect(cube_labelsel_is_everything(nulls));
	cr_expect(cube_labelsel_matches(empty, labels));
	cr_expect(cube_labelsel_matches(empty, NULL));
}

Test(labels_json, bad_operator)
{
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(from_json("{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"Foo\", "
				 "\"values\": [\"b\"]}]}",
				 &err));
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0]: \"Foo\" is not a valid "
				  "label selector operator");
	/* operators are case-sensitive, and the string syntax's are not accepted */
	cr_expect_null(
		from_json("{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"Exists\"},"
			  " {\"key\": \"a\", \"operator\": \"in\", \"values\": [\"b\"]}]}",
			  &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[1]: \"in\" is not a valid "
				  "label selector operator");
	cr_expect_null(from_json("{\"matchExpressions\": [{\"key\": \"a\"}]}", &err));
	cr_expect_str_eq(
		err.msg,
		"label selector: matchExpressions[0]: \"\" is not a valid label selector operator");
	cr_expect_null(
		from_json("{\"matchExpressions\": [{\"key\": \"a\", \"operator\": 3}]}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0].operator: not a string");
}

/* NewRequirement's value-count rules. */
Test(labels_json, value_counts)
{
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(from_json(
		"{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\", \"values\": []}]}",
		&err));
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_str_eq(
		err.msg,
		"label selector: matchExpressions[0].values: for 'in', 'notin' operators, values "
		"set can't be empty");
	cr_expect_null(from_json(
		"{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"NotIn\"}]}", &err));
	cr_expect_str_eq(
		err.msg,
		"label selector: matchExpressions[0].values: for 'in', 'notin' operators, values "
		"set can't be empty");
	cr_expect_null(from_json("{\"matchExpressions\": [{\"key\": \"a\", \"operator\": "
				 "\"Exists\", \"values\": [\"x\"]}]}",
				 &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0].values: values set must be "
				  "empty for exists and "
				  "does not exist");
	/* an empty string is a value: In [""] is fine */
	autolsel cube_labelsel *s = from_json("{\"matchExpressions\": [{\"key\": \"a\", "
					      "\"operator\": \"In\", \"values\": [\"\"]}]}",
					      &err);
	cr_assert(s, "%s", err.msg);
	cube_autofree char *str = cube_labelsel_string(s);
	cr_expect_str_eq(str, "a in ()");
}

Test(labels_json, bad_keys_values_and_types)
{
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(from_json("{\"matchLabels\": {\"-a\": \"b\"}}", &err));
	cr_expect_str_eq(
		err.msg,
		"label selector: matchLabels: invalid label key \"-a\": name part " QNAME_MSG);
	cr_expect_null(from_json("{\"matchLabels\": {\"a\": \"b c\"}}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchLabels[\"a\"]: invalid label value \"b "
				  "c\": " LABEL_VALUE_MSG);
	cr_expect_null(from_json("{\"matchLabels\": {\"a\": 1}}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchLabels[\"a\"]: value is not a string");
	cr_expect_null(from_json(
		"{\"matchExpressions\": [{\"key\": \"a b\", \"operator\": \"Exists\"}]}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0]: invalid label key \"a b\": "
				  "name part " QNAME_MSG);
	cr_expect_null(from_json("{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\", "
				 "\"values\": [\"ok\", \"-no\"]}]}",
				 &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0].values[1]: invalid label "
				  "value \"-no\": " LABEL_VALUE_MSG);
	cr_expect_null(from_json(
		"{\"matchExpressions\": [{\"key\": \"a\", \"operator\": \"In\", \"values\": [1]}]}",
		&err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0].values[0]: not a string");
	cr_expect_null(from_json("{\"matchExpressions\": {}}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions: not an array");
	cr_expect_null(from_json("{\"matchLabels\": []}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchLabels: not an object");
	cr_expect_null(from_json("[]", &err));
	cr_expect_str_eq(err.msg, "label selector: not a JSON object");
	cr_expect_null(from_json("{\"matchExpressions\": [\"a\"]}", &err));
	cr_expect_str_eq(err.msg, "label selector: matchExpressions[0]: not an object");
}

/* A Service's .spec.selector. */
Test(labels_map, service_selector)
{
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *m = json("{\"tier\": \"fe\", \"app\": \"web\"}");
	autolsel cube_labelsel *s = cube_labelsel_from_map(m, &err);
	cr_assert(s, "%s", err.msg);
	cube_autofree char *str = cube_labelsel_string(s);
	cr_expect_str_eq(str, "app=web,tier=fe");
	cube_autojson cJSON *pod =
		json("{\"app\": \"web\", \"tier\": \"fe\", \"pod-template-hash\": \"abc\"}");
	cube_autojson cJSON *other = json("{\"app\": \"web\"}");
	cr_expect(cube_labelsel_matches(s, pod));
	cr_expect(!cube_labelsel_matches(s, other));

	autolsel cube_labelsel *nil = cube_labelsel_from_map(NULL, &err);
	cube_autojson cJSON *empty = json("{}");
	autolsel cube_labelsel *e = cube_labelsel_from_map(empty, &err);
	cr_assert(nil && e);
	cr_expect(cube_labelsel_is_everything(nil));
	cr_expect(cube_labelsel_is_everything(e));

	cube_autojson cJSON *bad = json("{\"app\": \"we b\"}");
	cr_expect_null(cube_labelsel_from_map(bad, &err));
	cr_expect_str_eq(err.msg,
			 "selector map[\"app\"]: invalid label value \"we b\": " LABEL_VALUE_MSG);
	cube_autojson cJSON *arr = json("[1]");
	cr_expect_null(cube_labelsel_from_map(arr, &err));
	cr_expect_str_eq(err.msg, "selector map: not a JSON object");
}

/* ---- label selectors: limits and threads ---------------------------------------------------- */

Test(labels_limits, size_limit)
{
	char *big = malloc(CUBE_SELECTOR_MAX + 2);
	cr_assert(big);
	memset(big, 'a', CUBE_SELECTOR_MAX + 1);
	big[CUBE_SELECTOR_MAX + 1] = '\0';
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(cube_labelsel_parse(big, &err));
	cr_expect_eq(err.code, CUBE_ETOOBIG);
	cr_expect_str_eq(err.msg, "label selector longer than 65536 bytes");
	cr_expect_null(cube_fieldsel_parse(big, &err));
	cr_expect_eq(err.code, CUBE_ETOOBIG);
	cr_expect_str_eq(err.msg, "field selector longer than 65536 bytes");

	/* a set of ~9000 values just under the limit parses and matches */
	struct {
		char *p;
		size_t len;
	} b = {big, 0};
	b.len = (size_t)sprintf(b.p, "k in (");
	int i = 0;
	while (b.len < CUBE_SELECTOR_MAX - 16)
		b.len += (size_t)sprintf(b.p + b.len, "%sv%d", i ? "," : "", i), i++;
	b.len += (size_t)sprintf(b.p + b.len, ")");
	autolsel cube_labelsel *s = lparse(big);
	cube_autojson cJSON *yes = json("{\"k\": \"v4242\"}");
	cube_autojson cJSON *no = json("{\"k\": \"w\"}");
	cr_expect(cube_labelsel_matches(s, yes));
	cr_expect(!cube_labelsel_matches(s, no));
	cube_autofree char *str = cube_labelsel_string(s);
	cr_expect(str && strncmp(str, "k in (v0,v1,v10,v100,", 21) == 0);

	/* a flood of commas: Kubernetes reads them in pairs, so an odd number
	 * is the set {""} and an even number is an error */
	memset(big, ',', CUBE_SELECTOR_MAX);
	memcpy(big, "k in (", 6);
	big[CUBE_SELECTOR_MAX - 1] = ')';
	big[CUBE_SELECTOR_MAX] = '\0';
	expect_lstring(big, "k in ()");
	big[CUBE_SELECTOR_MAX - 2] = ')';
	big[CUBE_SELECTOR_MAX - 1] = '\0';
	expect_lerror(big, NULL);
	free(big);
}

struct thread_arg {
	const cube_labelsel *l;
	const cube_fieldsel *f;
	const cJSON *labels, *obj;
	int hits;
};

static void *match_many(void *p)
{
	struct thread_arg *a = p;
	for (int i = 0; i < 20000; i++)
		a->hits += cube_labelsel_matches(a->l, a->labels) &&
			   cube_fieldsel_matches_json(a->f, a->obj);
	return NULL;
}

/* One selector, many threads matching at once (the race is for TSan to
 * see; here every thread must get every answer right). */
Test(labels_limits, shared_between_threads)
{
	autolsel cube_labelsel *l = lparse("app=web,env in (prod,staging),!canary");
	autofsel cube_fieldsel *f = fparse("metadata.name=web-1,status.phase!=Failed");
	cube_autojson cJSON *obj = json("{\"metadata\": {\"name\": \"web-1\", \"labels\": "
					"{\"app\": \"web\", \"env\": \"prod\"}},"
					" \"status\": {\"phase\": \"Running\"}}");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "labels");
	pthread_t t[8];
	struct thread_arg a[8];
	for (int i = 0; i < 8; i++) {
		a[i] = (struct thread_arg){l, f, labels, obj, 0};
		cr_assert_eq(pthread_create(&t[i], NULL, match_many, &a[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(a[i].hits, 20000);
	}
}

/* ---- field selectors ----------------------------------------------------------------------------
 */

/* fields TestSelectorParse. */
Test(fields, parse_good_and_bad)
{
	static const char *const good[] = {"x=a,y=b,z=c", "", "x!=a,y=b", "x=a||y\\=b",
					   "x=a\\=\\=b"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(good); i++)
		expect_fstring(good[i], good[i]);
	expect_ferror("x=a||y=b",
		      "field selector \"x=a||y=b\": unescaped '=' in value at position 6");
	expect_ferror("x==a==b",
		      "field selector \"x==a==b\": unescaped '=' in value at position 4");
	expect_ferror("x=a,b", "field selector \"x=a,b\": term \"b\" at position 4 has no operator "
			       "('=', '==' or '!=')");
	expect_ferror(
		"x in (a)",
		"field selector \"x in (a)\": term \"x in (a)\" at position 0 has no operator "
		"('=', '==' or '!=')");
	expect_ferror("x in (a,b,c)", NULL);
	expect_ferror("x", "field selector \"x\": term \"x\" at position 0 has no operator ('=', "
			   "'==' or '!=')");
}

/* fields TestDeterministicParse and the canonical form. */
Test(fields, canonical_string)
{
	expect_fstring("x=a,a=x", "a=x,x=a");
	expect_fstring("b==x,b=a", "b=a,b=x");
	expect_fstring("spec.nodeName!=,metadata.name==web", "metadata.name=web,spec.nodeName!=");
	/* empty terms are skipped; a term with neither field nor value is dropped */
	expect_fstring("a=a,", "a=a");
	expect_fstring(",a=a", "a=a");
	expect_fstring("a=b,,c=d", "a=b,c=d");
	expect_fstring("=", "");
	expect_fstring("=,a=b", "a=b");
	expect_fstring("=x", "=x");
	/* fields are taken verbatim, blanks included */
	expect_fstring(" a = b", " a = b");
}

/* fields TestEscapeValue / TestSplitTerm: escapes in values. */
Test(fields, escapes)
{
	autofsel cube_fieldsel *s = fparse("k=\\,,k2=v2,k3=\\\\,k4=\\=x\\!");
	cr_expect_eq(cube_fieldsel_count(s), 4);
	cr_expect_str_eq(cube_fieldsel_exact(s, "k"), ",");
	cr_expect_str_eq(cube_fieldsel_exact(s, "k2"), "v2");
	cr_expect_str_eq(cube_fieldsel_exact(s, "k3"), "\\");
	cr_expect_str_eq(cube_fieldsel_exact(s, "k4"), "=x!");
	cube_autofree char *str = cube_fieldsel_string(s);
	cr_expect_str_eq(str, "k2=v2,k3=\\\\,k4=\\=x!,k=\\,");
	expect_fstring("k=\\\\\\=\\\\\\,\\\\", "k=\\\\\\=\\\\\\,\\\\");
	autofsel cube_fieldsel *t = fparse("k=\\\\\\=\\\\\\,\\\\");
	cr_expect_str_eq(cube_fieldsel_exact(t, "k"), "\\=\\,\\");
	/* multi-byte text passes through */
	autofsel cube_fieldsel *u = fparse("\xed\x95\xa8=\xec\x88\x98,\xeb\xaa\xa9=\xeb\xa1\x9d");
	cr_expect_str_eq(cube_fieldsel_exact(u, "\xed\x95\xa8"), "\xec\x88\x98");
}

Test(fields, escape_errors)
{
	expect_ferror("k=\\a",
		      "field selector \"k=\\a\": invalid escape sequence \"\\a\" at position 2");
	expect_ferror("k=\\",
		      "field selector \"k=\\\": invalid escape sequence \"\\\" at position 2");
	expect_ferror(
		"a=b,k=\\\\\\",
		"field selector \"a=b,k=\\\\\\\": invalid escape sequence \"\\\" at position 8");
	expect_ferror("k=a=b", "field selector \"k=a=b\": unescaped '=' in value at position 3");
}

/* fields TestSelectorMatches, with a getter over a set. */
Test(fields, matches_with_getter)
{
	cr_expect(fmatch("", "{\"x\": \"y\"}"));
	cr_expect(fmatch("x=y", "{\"x\": \"y\"}"));
	cr_expect(fmatch("x=y,z=w", "{\"x\": \"y\", \"z\": \"w\"}"));
	cr_expect(fmatch("x!=y,z!=w", "{\"x\": \"z\", \"z\": \"a\"}"));
	cr_expect(fmatch("notin=in", "{\"notin\": \"in\"}"));
	cr_expect(!fmatch("x=y", "{\"x\": \"z\"}"));
	cr_expect(!fmatch("x=y,z=w", "{\"x\": \"w\", \"z\": \"w\"}"));
	cr_expect(!fmatch("x!=y,z!=w", "{\"x\": \"z\", \"z\": \"w\"}"));
	const char *set = "{\"foo\": \"bar\", \"baz\": \"blah\", \"complex\": \"=value\\\\,\\\\\"}";
	cr_expect(fmatch("foo=bar", set));
	cr_expect(fmatch("baz=blah", set));
	cr_expect(fmatch("foo=bar,baz=blah", set));
	cr_expect(fmatch("foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\", set));
	cr_expect(!fmatch("foo=blah", set));
	cr_expect(!fmatch("baz=bar", set));
	cr_expect(!fmatch("foo=bar,foobar=bar,baz=blah", set));
	/* an absent field reads as "" */
	cr_expect(fmatch("a!=b", "{}"));
	cr_expect(fmatch("a=", "{}"));
	cr_expect(!fmatch("a=b", "{}"));
	cr_expect(!fmatch("a!=", "{}"));
	cr_expect(cube_fieldsel_matches(NULL, set_get, NULL), "no selector matches everything");
}

/* fields TestRequiresExactMatch, count and field names. */
Test(fields, exact_count_and_names)
{
	static const struct {
		const char *sel, *field, *want;
	} cases[] = {
		{"x=a", "x", "a"},	 {"y=a", "x", NULL},	  {"x!=a", "x", NULL},
		{"x==a,b!=y", "x", "a"}, {"x=a,b!=y", "b", NULL}, {"x=", "x", ""},
		{"", "x", NULL},
	};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(cases); i++) {
		autofsel cube_fieldsel *s = fparse(cases[i].sel);
		const char *got = cube_fieldsel_exact(s, cases[i].field);
		if (cases[i].want)
			cr_expect(got && strcmp(got, cases[i].want) == 0, "%s: exact(%s) = %s",
				  cases[i].sel, cases[i].field, got ? got : "NULL");
		else
			cr_expect_null(got, "%s: exact(%s) = %s", cases[i].sel, cases[i].field,
				       got);
	}
	autofsel cube_fieldsel *s =
		fparse("spec.nodeName=n1,metadata.name=web,status.phase!=Failed");
	cr_expect_eq(cube_fieldsel_count(s), 3);
	cr_expect_str_eq(cube_fieldsel_field(s, 0), "metadata.name");
	cr_expect_str_eq(cube_fieldsel_field(s, 1), "spec.nodeName");
	cr_expect_str_eq(cube_fieldsel_field(s, 2), "status.phase");
	cr_expect_null(cube_fieldsel_field(s, 3));
	autofsel cube_fieldsel *e = fparse("");
	cr_expect_eq(cube_fieldsel_count(e), 0);
	cr_expect_null(cube_fieldsel_field(e, 0));
	cube_fieldsel_free(NULL);
}

static const char pod_json[] =
	"{\"apiVersion\": \"v1\", \"kind\": \"Pod\","
	" \"metadata\": {\"name\": \"web-7d4b9c-x2x9z\", \"namespace\": \"default\","
	"   \"uid\": \"5c3f0b5e-1111-4d5e-9c1a-0123456789ab\", \"labels\": {\"app\": \"web\"}},"
	" \"spec\": {\"nodeName\": \"node-1\", \"hostNetwork\": false, \"priority\": 0,"
	"   \"restartPolicy\": \"Always\", \"schedulerName\": \"default-scheduler\","
	"   \"containers\": [{\"name\": \"nginx\", \"image\": \"nginx:1.25\"}]},"
	" \"status\": {\"phase\": \"Running\", \"podIP\": \"10.244.1.7\", \"ratio\": 0.5}}";

static bool pod_match(const char *sel)
{
	autofsel cube_fieldsel *s = fparse(sel);
	cube_autojson cJSON *pod = json(pod_json);
	return cube_fieldsel_matches_json(s, pod);
}

Test(fields, matches_json_on_a_pod)
{
	cr_expect(pod_match("metadata.name=web-7d4b9c-x2x9z"));
	cr_expect(pod_match("metadata.namespace=default,metadata.name==web-7d4b9c-x2x9z"));
	cr_expect(pod_match("spec.nodeName=node-1,status.phase=Running"));
	cr_expect(pod_match("status.phase!=Succeeded,status.phase!=Failed"));
	cr_expect(pod_match("spec.hostNetwork=false"));
	cr_expect(pod_match("spec.priority=0"));
	cr_expect(pod_match("status.ratio=0.5"));
	cr_expect(pod_match("spec.restartPolicy=Always,spec.schedulerName=default-scheduler"));
	cr_expect(pod_match("status.podIP=10.244.1.7"));
	cr_expect(pod_match("metadata.uid=5c3f0b5e-1111-4d5e-9c1a-0123456789ab"));
	cr_expect(!pod_match("spec.nodeName="));
	cr_expect(!pod_match("spec.nodeName=node-2"));
	cr_expect(!pod_match("metadata.namespace!=default"));
	/* missing fields, objects and arrays read as "" */
	cr_expect(pod_match("spec.serviceAccountName="));
	cr_expect(pod_match("nosuch.field.at.all="));
	cr_expect(pod_match("metadata.labels="));
	cr_expect(pod_match("spec.containers="));
	cr_expect(!pod_match("spec.serviceAccountName=default"));

	/* an unscheduled pod and an event, the way kubectl asks for them */
	cube_autojson cJSON *pending = json("{\"metadata\": {\"name\": \"p\"}, \"spec\": {}, "
					    "\"status\": {\"phase\": \"Pending\"}}");
	autofsel cube_fieldsel *unsched = fparse("spec.nodeName=,status.phase!=Succeeded");
	cr_expect(cube_fieldsel_matches_json(unsched, pending));
	cube_autojson cJSON *ev = json(
		"{\"involvedObject\": {\"kind\": \"Pod\", \"name\": \"web\", \"namespace\": "
		"\"default\","
		" \"uid\": \"u-1\"}, \"reason\": \"Scheduled\", \"count\": 3, \"unsure\": true}");
	autofsel cube_fieldsel *evsel = fparse(
		"involvedObject.uid=u-1,involvedObject.name=web,involvedObject.namespace=default");
	cr_expect(cube_fieldsel_matches_json(evsel, ev));
	autofsel cube_fieldsel *cnt = fparse("count=3,unsure=true");
	cr_expect(cube_fieldsel_matches_json(cnt, ev));
	cr_expect(cube_fieldsel_matches_json(NULL, ev));
}

Test(fields, everything)
{
	autofsel cube_fieldsel *s = fparse("");
	cr_expect_eq(cube_fieldsel_count(s), 0);
	cube_autofree char *str = cube_fieldsel_string(s);
	cr_expect_str_eq(str, "");
	cr_expect(cube_fieldsel_matches_json(s, NULL));
	cr_expect(cube_fieldsel_matches(s, set_get, NULL));
	cr_expect_null(cube_fieldsel_exact(s, "metadata.name"));
}

/* No input is an error, and the error object is optional. */
Test(labels_parse, null_input_and_null_err)
{
	cube_err err = CUBE_ERR_INIT;
	cr_expect_null(cube_labelsel_parse(NULL, &err));
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_str_eq(err.msg, "label selector: no input");
	cube_err_clear(&err);
	cr_expect_null(cube_fieldsel_parse(NULL, &err));
	cr_expect_eq(err.code, CUBE_EINVAL);
	cr_expect_str_eq(err.msg, "field selector: no input");
	cr_expect_null(cube_labelsel_parse("a in (", NULL));
	cr_expect_null(cube_fieldsel_parse("a", NULL));
	autolsel cube_labelsel *ok = cube_labelsel_parse("a", NULL);
	cr_expect_not_null(ok);
}
