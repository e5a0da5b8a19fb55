/* test_obj.c - JSON parsing with located errors, dotted-path access, the
 * metadata accessors on a realistic pod, object keys, and the
 * reference-counted immutable object under concurrent ref/unref. */
#include <criterion/criterion.h>

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"

/* A pod as the API server stores it. */
static const char POD[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	"\"metadata\":{\"name\":\"web-7d9c-x2k4\",\"namespace\":\"default\","
	"\"uid\":\"3c1f6f7e-6a55-4c7e-9d1e-2f6a1b0c9e11\",\"resourceVersion\":\"4711\","
	"\"creationTimestamp\":\"2024-11-25T23:07:06Z\","
	"\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"7d9c\",\"tier\":\"\"},"
	"\"annotations\":{\"cube.io/restarted-at\":\"now\",\"weird\":12},"
	"\"ownerReferences\":["
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"web\",\"uid\":\"dep-uid\"},"
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-7d9c\","
	"\"uid\":\"rs-uid\",\"controller\":true,\"blockOwnerDeletion\":true}]},"
	"\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1."
	"25\"}],"
	"\"terminationGracePeriodSeconds\":30},"
	"\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\"}}";

static cJSON *parse_ok(const char *s)
{
	cube_err e = CUBE_ERR_INIT;
	cJSON *o = cube_json_parse(s, strlen(s), &e);
	cr_assert_not_null(o, "parse of %s failed: %s", s, e.msg);
	return o;
}

/* Parses from an exact-size heap copy: ASan then reports any read past len. */
static cJSON *parse_exact(const char *s, size_t len, cube_err *err)
{
	char *copy = malloc(len ? len : 1);
	cr_assert_not_null(copy);
	memcpy(copy, s, len);
	cJSON *o = cube_json_parse(copy, len, err);
	free(copy);
	return o;
}

/* ---- parsing ----------------------------------------------------------------- */

Test(parse, valid_object)
{
	cJSON *o = parse_ok(POD);
	cr_assert_str_eq(cube_obj_kind(o), "Pod");
	cJSON_Delete(o);
}

Test(parse, reads_exactly_len_bytes)
{
	/* The bytes after len are not part of the document. */
	const char buf[] = "{\"a\":1}GARBAGE";
	cube_err e = CUBE_ERR_INIT;
	cJSON *o = cube_json_parse(buf, 7, &e);
	cr_assert_not_null(o, "%s", e.msg);
	cr_assert_eq(cube_json_int(o, "a", -1), 1);
	cJSON_Delete(o);
}

Test(parse, never_reads_past_len)
{
	static const char *const docs[] = {
		"{\"a\":1}", "{\"a\":\"xyz",   "{\"a\":12", "[1,2",	"tru", "\"abc\\",
		"{\"a\":1e", "{\"a\":\"\\u12", "-",	    "{\"a\":[", "nul", "{\"k\":\"v\"}  ",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		cube_err e = CUBE_ERR_INIT;
		cJSON *o = parse_exact(docs[i], strlen(docs[i]), &e);
		if (i == 0 || i == 11)
			cr_assert_not_null(o, "%s: %s", docs[i], e.msg);
		else
			cr_assert_null(o, "%s parsed", docs[i]);
		cJSON_Delete(o);
	}
}

Test(parse, trailing_garbage_names_offset_and_text)
{
	cube_err e = CUBE_ERR_INIT;
	const char *s = "{\"a\":1} x";
	cr_assert_null(cube_json_parse(s, strlen(s), &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	cr_assert_str_eq(e.msg, "invalid JSON at offset 8 near 'x'");
}

Test(parse, second_document_is_garbage)
{
	cube_err e = CUBE_ERR_INIT;
	const char *s = "{}{}";
	cr_assert_null(cube_json_parse(s, strlen(s), &e));
	cr_assert_str_eq(e.msg, "invalid JSON at offset 2 near '{}'");
}

Test(parse, trailing_whitespace_is_fine)
{
	cube_err e = CUBE_ERR_INIT;
	const char *s = " \t{\"a\":[1,2]}\r\n \t";
	cJSON *o = cube_json_parse(s, strlen(s), &e);
	cr_assert_not_null(o, "%s", e.msg);
	cJSON_Delete(o);
}

Test(parse, nul_byte_inside_len_is_an_error)
{
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_json_parse("{}\0", 3, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	cr_assert_str_eq(e.msg, "invalid JSON at offset 2 near '?'");
}

Test(parse, near_text_is_printable_and_bounded)
{
	cube_err e = CUBE_ERR_INIT;
	const char s[] = "{} \x01\x7f"
			 "abcdefghijklmnopqrstuvwxyz";
	cr_assert_null(cube_json_parse(s, sizeof(s) - 1, &e));
	/* 16 characters from the offending byte, control bytes shown as '?'. */
	cr_assert_str_eq(e.msg, "invalid JSON at offset 3 near '??abcdefghijklmn'");
}

Test(parse, malformed_object_points_at_the_bad_byte)
{
	cube_err e = CUBE_ERR_INIT;
	const char *s = "{\"a\":1,}";
	cr_assert_null(cube_json_parse(s, strlen(s), &e));
	cr_assert_str_eq(e.msg, "invalid JSON at offset 7 near '}'");

	cube_err e2 = CUBE_ERR_INIT;
	const char *s2 = "[1,2,,3]";
	cr_assert_null(cube_json_parse(s2, strlen(s2), &e2));
	cr_assert_str_eq(e2.msg, "invalid JSON at offset 5 near ',3]'");
}

Test(parse, bad_literal_at_offset_zero)
{
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_json_parse("nope", 4, &e));
	cr_assert_str_eq(e.msg, "invalid JSON at offset 0 near 'nope'");
}

Test(parse, empty_input)
{
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_json_parse("", 0, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	cr_assert_str_eq(e.msg, "invalid JSON: empty input");
}

Test(parse, null_buffer)
{
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_json_parse(NULL, 10, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	cr_assert_str_eq(e.msg, "invalid JSON: no input");
}

Test(parse, null_err_is_accepted)
{
	cr_assert_null(cube_json_parse("{", 1, NULL));
	cr_assert_null(cube_json_parse("", 0, NULL));
}

Test(parse, whitespace_only_is_an_error)
{
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_json_parse(" \n\t ", 4, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
}

/* A document cut short (a connection dropped mid-object) must be reported as
 * such, not as a syntax error at its last byte: obj.c has a message for it. */
Test(parse, truncated_input_says_end_of_input)
{
	cube_err e = CUBE_ERR_INIT;
	const char *s = "{\"a\":1";
	cr_assert_null(cube_json_parse(s, strlen(s), &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	cr_assert(strstr(e.msg, "unexpected end of input at offset 6") != NULL, "got: %s", e.msg);
}

Test(parse, deep_nesting_fails_cleanly)
{
	size_t n = 100000;
	char *s = malloc(n);
	cr_assert_not_null(s);
	memset(s, '[', n);
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_json_parse(s, n, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	free(s);
}

Test(parse, print_round_trips)
{
	cJSON *o = parse_ok("{ \"a\" : [1, \"x\", null, true] }");
	char *s = cube_json_print(o);
	cr_assert_str_eq(s, "{\"a\":[1,\"x\",null,true]}");
	free(s);
	cJSON_Delete(o);
}

/* ---- paths ------------------------------------------------------------------- */

Test(path, nested_and_missing)
{
	cJSON *o = parse_ok(POD);
	cr_assert_str_eq(cube_json_str(o, "spec.nodeName"), "node-1");
	cr_assert_str_eq(cube_json_str(o, "status.phase"), "Running");
	cr_assert_null(cube_json_path(o, "spec.nodeSelector"));
	cr_assert_null(cube_json_path(o, "nope.deeper.still"));
	/* Through a string or an array: no object to descend into. */
	cr_assert_null(cube_json_path(o, "kind.length"));
	cr_assert_null(cube_json_path(o, "spec.containers.0"));
	/* Keys are case-sensitive. */
	cr_assert_null(cube_json_path(o, "Spec.nodeName"));
	cJSON_Delete(o);
}

Test(path, empty_path_is_the_object_and_null_object_is_null)
{
	cJSON *o = parse_ok("{\"a\":1}");
	cr_assert_eq(cube_json_path(o, ""), o);
	cr_assert_null(cube_json_path(NULL, "a"));
	cr_assert_null(cube_json_str(NULL, "a"));
	cr_assert_eq(cube_json_int(NULL, "a", 77), 77);
	cJSON_Delete(o);
}

Test(path, long_components_never_match_a_truncated_key)
{
	/* Label keys may be 317 bytes ("prefix/name"); a component too long for
	 * the walker's buffer may read as absent, but must never match the key
	 * made of its first 255 bytes. */
	char long_key[301], short_key[256];
	memset(long_key, 'k', 300);
	long_key[300] = '\0';
	memcpy(short_key, long_key, 255);
	short_key[255] = '\0';
	char doc[1400];
	snprintf(doc, sizeof(doc), "{\"a\":{\"%s\":\"right\",\"%s\":\"wrong\"}}", long_key,
		 short_key);
	cJSON *o = parse_ok(doc);
	char full[700];
	snprintf(full, sizeof(full), "a.%s", long_key);
	const char *v = cube_json_str(o, full);
	cr_assert(v == NULL || strcmp(v, "right") == 0, "got %s", v);
	snprintf(full, sizeof(full), "a.%s", short_key);
	cr_assert_str_eq(cube_json_str(o, full), "wrong");
	cJSON_Delete(o);
}

Test(path, str_of_non_string_is_null)
{
	cJSON *o = parse_ok("{\"n\":1,\"b\":true,\"z\":null,\"o\":{},\"a\":[\"x\"]}");
	cr_assert_null(cube_json_str(o, "n"));
	cr_assert_null(cube_json_str(o, "b"));
	cr_assert_null(cube_json_str(o, "z"));
	cr_assert_null(cube_json_str(o, "o"));
	cr_assert_null(cube_json_str(o, "a"));
	cJSON_Delete(o);
}

Test(path, int_from_numbers_and_decimal_strings)
{
	cJSON *o = parse_ok("{\"n\":42,\"neg\":-7,\"s\":\"4711\",\"sneg\":\"-12\",\"zero\":\"0\","
			    "\"h\":{\"revision\":\"123456789012\"}}");
	cr_assert_eq(cube_json_int(o, "n", -1), 42);
	cr_assert_eq(cube_json_int(o, "neg", -1), -7);
	cr_assert_eq(cube_json_int(o, "s", -1), 4711);
	cr_assert_eq(cube_json_int(o, "sneg", -1), -12);
	cr_assert_eq(cube_json_int(o, "zero", -1), 0);
	cr_assert_eq(cube_json_int(o, "h.revision", -1), 123456789012LL);
	cJSON_Delete(o);
}

Test(path, int64_extremes_as_strings)
{
	cJSON *o = parse_ok("{\"max\":\"9223372036854775807\",\"min\":\"-9223372036854775808\","
			    "\"over\":\"9223372036854775808\",\"under\":\"-9223372036854775809\","
			    "\"big\":\"99999999999999999999999\"}");
	cr_assert_eq(cube_json_int(o, "max", 0), INT64_MAX);
	cr_assert_eq(cube_json_int(o, "min", 0), INT64_MIN);
	cr_assert_eq(cube_json_int(o, "over", -5), -5);
	cr_assert_eq(cube_json_int(o, "under", -5), -5);
	cr_assert_eq(cube_json_int(o, "big", -5), -5);
	cJSON_Delete(o);
}

Test(path, int_invalid_strings_give_default)
{
	cJSON *o =
		parse_ok("{\"e\":\"\",\"x\":\"12abc\",\"h\":\"0x10\",\"f\":\"1.5\",\"w\":\"abc\","
			 "\"sp\":\"12 \"}");
	cr_assert_eq(cube_json_int(o, "e", -3), -3);
	cr_assert_eq(cube_json_int(o, "x", -3), -3);
	cr_assert_eq(cube_json_int(o, "h", -3), -3);
	cr_assert_eq(cube_json_int(o, "f", -3), -3);
	cr_assert_eq(cube_json_int(o, "w", -3), -3);
	cr_assert_eq(cube_json_int(o, "sp", -3), -3);
	cJSON_Delete(o);
}

Test(path, int_out_of_range_doubles_give_default)
{
	/* Converting such a double to int64_t would be undefined behaviour
	 * (UBSan is on): the default must come back instead. */
	cJSON *o = parse_ok("{\"big\":1e19,\"small\":-1e19,\"huge\":1e300,\"inf\":1e999,"
			    "\"ninf\":-1e999,\"ok\":9e18}");
	cr_assert_eq(cube_json_int(o, "big", -9), -9);
	cr_assert_eq(cube_json_int(o, "small", -9), -9);
	cr_assert_eq(cube_json_int(o, "huge", -9), -9);
	cr_assert_eq(cube_json_int(o, "inf", -9), -9);
	cr_assert_eq(cube_json_int(o, "ninf", -9), -9);
	cr_assert_eq(cube_json_int(o, "ok", -9), 9000000000000000000LL);
	cJSON_Delete(o);
}

Test(path, int_of_other_types_gives_default)
{
	cJSON *o = parse_ok("{\"b\":true,\"z\":null,\"o\":{\"x\":1},\"a\":[1]}");
	cr_assert_eq(cube_json_int(o, "b", 5), 5);
	cr_assert_eq(cube_json_int(o, "z", 5), 5);
	cr_assert_eq(cube_json_int(o, "o", 5), 5);
	cr_assert_eq(cube_json_int(o, "a", 5), 5);
	cr_assert_eq(cube_json_int(o, "missing", 5), 5);
	cJSON_Delete(o);
}

Test(path, set_str_adds_and_replaces)
{
	cJSON *o = parse_ok("{\"a\":1}");
	cr_assert_eq(cube_json_set_str(o, "b", "new"), 0);
	cr_assert_eq(cube_json_set_str(o, "a", "was a number"), 0);
	cr_assert_eq(cube_json_set_str(o, "b", "newer"), 0);
	cr_assert_str_eq(cube_json_str(o, "a"), "was a number");
	cr_assert_str_eq(cube_json_str(o, "b"), "newer");
	cr_assert_eq(cJSON_GetArraySize(o), 2);
	cJSON_Delete(o);
}

Test(path, ensure_obj_keeps_objects_and_replaces_others)
{
	cJSON *o = parse_ok("{\"keep\":{\"x\":1},\"str\":\"s\"}");
	cJSON *k = cube_json_ensure_obj(o, "keep");
	cr_assert_eq(cube_json_int(k, "x", 0), 1);
	cJSON *s = cube_json_ensure_obj(o, "str");
	cr_assert(cJSON_IsObject(s));
	cr_assert_eq(cJSON_GetArraySize(s), 0);
	cJSON *n = cube_json_ensure_obj(o, "new");
	cr_assert(cJSON_IsObject(n));
	cr_assert_eq(cJSON_GetArraySize(o), 3);
	cr_assert_eq(cube_json_path(o, "str"), s);
	cJSON_Delete(o);
}

/* ---- metadata ------------------------------------------------------------------ */

Test(meta, accessors_on_a_pod)
{
	cJSON *o = parse_ok(POD);
	cr_assert_str_eq(cube_obj_api_version(o), "v1");
	cr_assert_str_eq(cube_obj_kind(o), "Pod");
	cr_assert_str_eq(cube_obj_name(o), "web-7d9c-x2k4");
	cr_assert_str_eq(cube_obj_namespace(o), "default");
	cr_assert_str_eq(cube_obj_uid(o), "3c1f6f7e-6a55-4c7e-9d1e-2f6a1b0c9e11");
	cr_assert_str_eq(cube_obj_resource_version(o), "4711");
	/* Borrowed from the tree, not copied. */
	cr_assert_eq(cube_obj_name(o),
		     cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), "name")->valuestring);
	cJSON_Delete(o);
}

Test(meta, labels_and_annotations)
{
	cJSON *o = parse_ok(POD);
	cr_assert_not_null(cube_obj_labels(o));
	cr_assert_eq(cJSON_GetArraySize(cube_obj_labels(o)), 3);
	cr_assert_str_eq(cube_obj_label(o, "app"), "web");
	cr_assert_str_eq(cube_obj_label(o, "tier"), "");
	cr_assert_null(cube_obj_label(o, "App"));
	cr_assert_null(cube_obj_label(o, "missing"));
	cr_assert_str_eq(cube_obj_annotation(o, "cube.io/restarted-at"), "now");
	/* A non-string annotation value reads as absent. */
	cr_assert_null(cube_obj_annotation(o, "weird"));
	cJSON_Delete(o);
}

Test(meta, missing_or_mistyped_metadata)
{
	cJSON *o = parse_ok("{\"kind\":7,\"metadata\":{\"name\":[\"x\"],\"labels\":[\"a\"],"
			    "\"annotations\":\"s\"}}");
	cr_assert_null(cube_obj_kind(o));
	cr_assert_null(cube_obj_name(o));
	cr_assert_null(cube_obj_namespace(o));
	cr_assert_null(cube_obj_labels(o));
	cr_assert_null(cube_obj_annotations(o));
	cr_assert_null(cube_obj_label(o, "a"));
	cr_assert_null(cube_obj_annotation(o, "a"));
	cJSON_Delete(o);

	o = parse_ok("{\"metadata\":\"flat\"}");
	cr_assert_null(cube_obj_name(o));
	cr_assert_null(cube_obj_labels(o));
	cJSON_Delete(o);
	cr_assert_null(cube_obj_label(NULL, "a"));
}

Test(meta, controller_uid_is_the_controller_ref)
{
	cJSON *o = parse_ok(POD);
	cr_assert_str_eq(cube_obj_controller_uid(o), "rs-uid");
	cJSON_Delete(o);
}

Test(meta, controller_uid_needs_controller_true)
{
	cJSON *o = parse_ok("{\"metadata\":{\"ownerReferences\":["
			    "{\"uid\":\"a\",\"controller\":false},"
			    "{\"uid\":\"b\",\"controller\":\"true\"},"
			    "{\"uid\":\"c\",\"controller\":1},"
			    "{\"uid\":\"d\"}]}}");
	cr_assert_null(cube_obj_controller_uid(o));
	cJSON_Delete(o);
	o = parse_ok("{\"metadata\":{\"name\":\"x\"}}");
	cr_assert_null(cube_obj_controller_uid(o));
	cJSON_Delete(o);
	o = parse_ok("{\"metadata\":{\"ownerReferences\":\"bogus\"}}");
	cr_assert_null(cube_obj_controller_uid(o));
	cJSON_Delete(o);
}

Test(meta, set_meta_str_creates_and_replaces_metadata)
{
	cJSON *o = parse_ok("{\"kind\":\"Pod\"}");
	cr_assert_eq(cube_obj_set_meta_str(o, "name", "a"), 0);
	cr_assert_eq(cube_obj_set_meta_str(o, "namespace", "ns"), 0);
	cr_assert_eq(cube_obj_set_meta_str(o, "name", "b"), 0);
	cr_assert_str_eq(cube_obj_name(o), "b");
	cr_assert_str_eq(cube_obj_namespace(o), "ns");
	cJSON_Delete(o);

	o = parse_ok("{\"metadata\":42}");
	cr_assert_eq(cube_obj_set_meta_str(o, "uid", "u"), 0);
	cr_assert_str_eq(cube_obj_uid(o), "u");
	cJSON_Delete(o);
}

Test(meta, copy_is_deep)
{
	cJSON *o = parse_ok(POD);
	cJSON *c = cube_obj_copy(o);
	cr_assert_not_null(c);
	cr_assert_eq(cube_obj_set_meta_str(c, "name", "changed"), 0);
	cr_assert_str_eq(cube_obj_name(o), "web-7d9c-x2k4");
	cr_assert_str_eq(cube_obj_name(c), "changed");
	cr_assert_neq(cube_obj_labels(o), cube_obj_labels(c));
	cJSON_Delete(o);
	cJSON_Delete(c);
}

/* ---- keys ------------------------------------------------------------------------ */

Test(key, namespaced_and_cluster_scoped)
{
	char buf[CUBE_OBJ_KEY_MAX];
	cube_err e = CUBE_ERR_INIT;
	cJSON *o = parse_ok(POD);
	cr_assert_eq(cube_obj_key(o, buf, sizeof(buf), &e), (int)strlen("default/web-7d9c-x2k4"));
	cr_assert_str_eq(buf, "default/web-7d9c-x2k4");
	cJSON_Delete(o);

	o = parse_ok("{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\"}}");
	cr_assert_eq(cube_obj_key(o, buf, sizeof(buf), &e), 6);
	cr_assert_str_eq(buf, "node-1");
	cJSON_Delete(o);

	/* An empty namespace is cluster-scoped too. */
	o = parse_ok("{\"metadata\":{\"name\":\"n\",\"namespace\":\"\"}}");
	cr_assert_eq(cube_obj_key(o, buf, sizeof(buf), &e), 1);
	cr_assert_str_eq(buf, "n");
	cJSON_Delete(o);
}

Test(key, no_name_is_einval)
{
	static const char *const docs[] = {
		"{}",
		"{\"metadata\":{}}",
		"{\"metadata\":{\"name\":\"\",\"namespace\":\"ns\"}}",
		"{\"metadata\":{\"name\":5,\"namespace\":\"ns\"}}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char buf[64] = "untouched";
		cube_err e = CUBE_ERR_INIT;
		cJSON *o = parse_ok(docs[i]);
		cr_assert_eq(cube_obj_key(o, buf, sizeof(buf), &e), -1, "%s", docs[i]);
		cr_assert_eq(e.code, CUBE_EINVAL);
		cJSON_Delete(o);
	}
	cube_err e = CUBE_ERR_INIT;
	char buf[8];
	cr_assert_eq(cube_obj_key(NULL, buf, sizeof(buf), &e), -1);
}

Test(key, exact_fit_and_one_byte_short)
{
	cJSON *o = parse_ok("{\"metadata\":{\"name\":\"name\",\"namespace\":\"ns\"}}");
	char buf[8];
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(cube_obj_key(o, buf, 8, &e), 7); /* "ns/name" + NUL */
	cr_assert_str_eq(buf, "ns/name");
	cr_assert_eq(cube_obj_key(o, buf, 7, &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cJSON_Delete(o);
}

Test(key, split_namespaced_and_cluster_scoped)
{
	char ns[64], name[64];
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(
		cube_obj_key_split("kube-system/coredns-1", ns, sizeof(ns), name, sizeof(name), &e),
		0);
	cr_assert_str_eq(ns, "kube-system");
	cr_assert_str_eq(name, "coredns-1");
	strcpy(ns, "stale");
	cr_assert_eq(cube_obj_key_split("node-1", ns, sizeof(ns), name, sizeof(name), &e), 0);
	cr_assert_str_empty(ns);
	cr_assert_str_eq(name, "node-1");
}

Test(key, split_rejects_malformed_keys)
{
	static const char *const bad[] = {"", "ns/", "/", "a/b/c", "a//b", "ns/name/"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char ns[64], name[64];
		cube_err e = CUBE_ERR_INIT;
		cr_assert_eq(cube_obj_key_split(bad[i], ns, sizeof(ns), name, sizeof(name), &e), -1,
			     "key \"%s\" accepted", bad[i]);
		cr_assert_eq(e.code, CUBE_EINVAL, "key \"%s\": %s", bad[i], e.msg);
	}
}

Test(key, split_sizes_exact_and_overflow)
{
	char ns[3], name[5];
	cube_err e = CUBE_ERR_INIT;
	/* "ab" fits ns[3], "name" fits name[5]. */
	cr_assert_eq(cube_obj_key_split("ab/name", ns, sizeof(ns), name, sizeof(name), &e), 0);
	cr_assert_str_eq(ns, "ab");
	cr_assert_str_eq(name, "name");
	cr_assert_eq(cube_obj_key_split("abc/name", ns, sizeof(ns), name, sizeof(name), &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cube_err_clear(&e);
	cr_assert_eq(cube_obj_key_split("ab/names", ns, sizeof(ns), name, sizeof(name), &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cube_err_clear(&e);
	cr_assert_eq(cube_obj_key_split("names", ns, sizeof(ns), name, sizeof(name), &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
}

Test(key, key_and_split_round_trip)
{
	cJSON *o = parse_ok(POD);
	char key[CUBE_OBJ_KEY_MAX], ns[256], name[256];
	cr_assert_gt(cube_obj_key(o, key, sizeof(key), NULL), 0);
	cr_assert_eq(cube_obj_key_split(key, ns, sizeof(ns), name, sizeof(name), NULL), 0);
	cr_assert_str_eq(ns, cube_obj_namespace(o));
	cr_assert_str_eq(name, cube_obj_name(o));
	cJSON_Delete(o);
}

/* ---- reference-counted objects ----------------------------------------------------- */

Test(robj, new_fills_key_rv_and_bytes)
{
	cube_err e = CUBE_ERR_INIT;
	cube_robj *r = cube_robj_new(parse_ok(POD), sizeof(POD) - 1, &e);
	cr_assert_not_null(r, "%s", e.msg);
	cr_assert_str_eq(r->key, "default/web-7d9c-x2k4");
	cr_assert_eq(r->rv, 4711);
	cr_assert_eq(r->json_bytes, sizeof(POD) - 1);
	cr_assert_str_eq(cube_obj_kind(r->json), "Pod");
	cube_robj_unref(r);
}

Test(robj, rv_absent_or_garbage_is_zero)
{
	cube_robj *r = cube_robj_new(parse_ok("{\"metadata\":{\"name\":\"a\"}}"), 0, NULL);
	cr_assert_not_null(r);
	cr_assert_eq(r->rv, 0);
	cr_assert_str_eq(r->key, "a");
	cube_robj_unref(r);
	r = cube_robj_new(parse_ok("{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"12x\"}}"),
			  0, NULL);
	cr_assert_not_null(r);
	cr_assert_eq(r->rv, 0);
	cube_robj_unref(r);
}

Test(robj, new_without_name_fails_and_takes_ownership)
{
	/* LeakSanitizer proves the tree was deleted. */
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_robj_new(parse_ok("{\"metadata\":{\"namespace\":\"ns\"}}"), 0, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
	cube_err_clear(&e);
	cr_assert_null(cube_robj_new(NULL, 0, &e));
	cr_assert_eq(e.code, CUBE_EINVAL);
}

Test(robj, new_with_oversized_key_fails)
{
	char name[400];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char doc[1000];
	snprintf(doc, sizeof(doc), "{\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"}}", name,
		 name);
	cube_err e = CUBE_ERR_INIT;
	cr_assert_null(cube_robj_new(parse_ok(doc), 0, &e));
	cr_assert_eq(e.code, CUBE_ETOOBIG);
}

Test(robj, ref_and_unref_balance)
{
	cube_robj *r = cube_robj_new(parse_ok(POD), 0, NULL);
	cr_assert_not_null(r);
	cr_assert_eq(cube_robj_ref(r), r);
	cr_assert_eq(cube_robj_ref(r), r);
	cr_assert_eq(r->_refs, 3);
	cube_robj_unref(r);
	cube_robj_unref(r);
	cr_assert_eq(r->_refs, 1);
	cr_assert_str_eq(r->key, "default/web-7d9c-x2k4");
	cube_robj_unref(r); /* freed: LSan would report a leak otherwise */
	cr_assert_null(cube_robj_ref(NULL));
	cube_robj_unref(NULL);
}

#define THREADS 8
#define ROUNDS 20000

struct hammer {
	cube_robj *r;
	pthread_barrier_t *start;
	bool drop_own; /* release a reference taken by main before starting */
};

static void *hammer_run(void *p)
{
	struct hammer *h = p;
	pthread_barrier_wait(h->start);
	for (int i = 0; i < ROUNDS; i++) {
		cube_robj *mine = cube_robj_ref(h->r);
		/* Read through the reference as a cache reader would. */
		if (strcmp(mine->key, "default/web-7d9c-x2k4") != 0)
			abort();
		if (i % 3 == 0)
			cube_robj_ref(mine), cube_robj_unref(mine);
		cube_robj_unref(mine);
	}
	if (h->drop_own)
		cube_robj_unref(h->r);
	return NULL;
}

Test(robj, concurrent_ref_unref_keeps_count)
{
	cube_robj *r = cube_robj_new(parse_ok(POD), 0, NULL);
	cr_assert_not_null(r);
	pthread_barrier_t b;
	pthread_barrier_init(&b, NULL, THREADS);
	pthread_t t[THREADS];
	struct hammer h[THREADS];
	for (int i = 0; i < THREADS; i++) {
		h[i] = (struct hammer){.r = r, .start = &b, .drop_own = false};
		cr_assert_eq(pthread_create(&t[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&b);
	cr_assert_eq(__atomic_load_n(&r->_refs, __ATOMIC_SEQ_CST), 1);
	cube_robj_unref(r);
}

Test(robj, concurrent_last_unref_frees_exactly_once)
{
	/* Each thread holds a reference; main drops its own first, so whichever
	 * thread finishes last frees the object.  ASan flags a double free or a
	 * use after free, LSan a leak. */
	for (int round = 0; round < 20; round++) {
		cube_robj *r = cube_robj_new(parse_ok(POD), 0, NULL);
		cr_assert_not_null(r);
		pthread_barrier_t b;
		pthread_barrier_init(&b, NULL, THREADS);
		pthread_t t[THREADS];
		struct hammer h[THREADS];
		for (int i = 0; i < THREADS; i++) {
			h[i] = (struct hammer){
				.r = cube_robj_ref(r), .start = &b, .drop_own = true};
		}
		cube_robj_unref(r);
		for (int i = 0; i < THREADS; i++)
			cr_assert_eq(pthread_create(&t[i], NULL, hammer_run, &h[i]), 0);
		for (int i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&b);
	}
}
