/* test_etcd_decode.c - decoding of etcd 3.4 gateway watch-stream lines into
 * cube_etcd_watch_batch: real lines first, then malformed ones.  Every
 * failure must leave the batch empty (safe to clear) and leak nothing. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "jsonstream.h"

static const char CREATED[] =
	"{\"result\":{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\",\"revision\":\"2\","
	"\"raft_term\":\"2\"},\"created\":true}}";
static const char EVENTS[] =
	"{\"result\":{\"header\":{\"revision\":\"5\"},\"events\":[{\"kv\":{\"key\":\"Zm9v\","
	"\"create_revision\":\"2\",\"mod_revision\":\"5\",\"version\":\"2\",\"value\":\"YmFy\"}},"
	"{\"type\":\"DELETE\",\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":\"6\"}}]}}";
static const char COMPACTED[] = "{\"result\":{\"header\":{\"revision\":\"2\"},\"canceled\":true,"
				"\"compact_revision\":\"2\"}}";
static const char NO_LEADER[] =
	"{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\","
	"\"http_status\":\"Service Unavailable\"}}";

/* Parses `line` and decodes it.  The document stays alive in *doc (the
 * batch's error string borrows from it). */
static int decode(const char *line, cJSON **doc, cube_etcd_watch_batch *b, cube_err *err)
{
	*doc = cJSON_Parse(line);
	cr_assert_not_null(*doc, "test line is not JSON: %s", line);
	return cube_etcd_watch_decode(*doc, b, err);
}

/* A single-event line with the given kv members. */
static int decode_kv(const char *kv_members, cJSON **doc, cube_etcd_watch_batch *b, cube_err *err)
{
	char line[1024];
	snprintf(line, sizeof(line),
		 "{\"result\":{\"header\":{\"revision\":\"9\"},\"events\":[{\"kv\":{%s}}]}}",
		 kv_members);
	return decode(line, doc, b, err);
}

static void assert_empty(const cube_etcd_watch_batch *b)
{
	cr_assert_null(b->events);
	cr_assert_eq(b->n, 0);
}

/* Asserts a failure with EPROTO, an empty batch, and that clearing it is safe. */
static void assert_eproto(int rc, cube_etcd_watch_batch *b, const cube_err *e, const char *what)
{
	cr_assert_eq(rc, -1, "%s: accepted", what);
	cr_assert_eq(e->code, CUBE_EPROTO, "%s: code %s (%s)", what, cube_errc_name(e->code),
		     e->msg);
	cr_assert_neq(e->msg[0], '\0', "%s: no message", what);
	assert_empty(b);
	cube_etcd_watch_batch_clear(b);
}

/* Decodes one kv that must be refused; frees everything before failing so
 * that a wrong acceptance shows as an assertion, not as a leak report. */
static void assert_kv_refused(const char *kv_members, const char *what)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	int rc = decode_kv(kv_members, &doc, &b, &e);
	size_t klen = rc == 0 && b.n ? b.events[0].kv.key_len : 0;
	size_t vlen = rc == 0 && b.n ? b.events[0].kv.value_len : 0;
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
	cr_assert_eq(rc, -1, "\"%s\" accepted (key %zu bytes, value %zu bytes)", what, klen, vlen);
	cr_assert_eq(e.code, CUBE_EPROTO, "%s: %s", what, e.msg);
}

/* ---- real gateway lines ---------------------------------------------------------- */

Test(watch_decode, created)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(CREATED, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert(b.created);
	cr_assert_not(b.canceled);
	cr_assert_eq(b.revision, 2);
	cr_assert_eq(b.compact_revision, 0);
	cr_assert_null(b.error);
	assert_empty(&b);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, put_and_delete_events)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(EVENTS, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert_eq(b.revision, 5);
	cr_assert_not(b.created);
	cr_assert_null(b.error);
	cr_assert_eq(b.n, 2);

	const cube_etcd_event *put = &b.events[0];
	cr_assert_eq(put->type, CUBE_ETCD_EV_PUT); /* PUT is the omitted zero value */
	cr_assert_eq(put->kv.key_len, 3);
	cr_assert_str_eq(put->kv.key, "foo");
	cr_assert_eq(put->kv.value_len, 3);
	cr_assert_str_eq(put->kv.value, "bar");
	cr_assert_eq(put->kv.create_rev, 2);
	cr_assert_eq(put->kv.mod_rev, 5);
	cr_assert_eq(put->kv.version, 2);
	cr_assert_eq(put->kv.lease, 0);
	cr_assert_not(put->has_prev);

	const cube_etcd_event *del = &b.events[1];
	cr_assert_eq(del->type, CUBE_ETCD_EV_DELETE);
	cr_assert_str_eq(del->kv.key, "foo");
	cr_assert_eq(del->kv.mod_rev, 6);
	cr_assert_eq(del->kv.create_rev, 0);
	cr_assert_eq(del->kv.value_len, 0);
	cr_assert_not_null(del->kv.value);
	cr_assert_str_empty(del->kv.value);
	cr_assert_not(del->has_prev);

	cube_etcd_watch_batch_clear(&b);
	assert_empty(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, canceled_by_compaction)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(COMPACTED, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert(b.canceled);
	cr_assert_eq(b.compact_revision, 2);
	cr_assert_eq(b.revision, 2);
	cr_assert_not(b.created);
	cr_assert_null(b.error);
	assert_empty(&b);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, in_band_error_is_not_a_decode_failure)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(NO_LEADER, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert_not_null(b.error);
	cr_assert_str_eq(b.error, "etcdserver: no leader");
	cr_assert_eq(e.code, CUBE_OK);
	assert_empty(&b);
	cr_assert_not(b.created);
	cr_assert_eq(b.compact_revision, 0);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, error_as_string_or_without_message)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode("{\"error\":\"upstream reset\"}", &doc, &b, &e), 0);
	cr_assert_str_eq(b.error, "upstream reset");
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);

	cr_assert_eq(decode("{\"error\":{\"grpc_code\":2}}", &doc, &b, &e), 0);
	cr_assert_not_null(b.error);
	cr_assert_neq(b.error[0], '\0');
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, progress_notification)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode("{\"result\":{\"header\":{\"revision\":\"1234\"}}}", &doc, &b, &e), 0);
	cr_assert_eq(b.revision, 1234);
	cr_assert_not(b.created);
	cr_assert_not(b.canceled);
	cr_assert_eq(b.compact_revision, 0);
	cr_assert_null(b.error);
	assert_empty(&b);
	cJSON_Delete(doc);

	cr_assert_eq(decode("{\"result\":{\"header\":{\"revision\":\"7\"},\"events\":[]}}", &doc,
			    &b, &e),
		     0);
	cr_assert_eq(b.revision, 7);
	assert_empty(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, out_is_reset_even_when_it_held_garbage)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	memset(&b, 0xa5, sizeof(b));
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(CREATED, &doc, &b, &e), 0);
	assert_empty(&b);
	cr_assert_null(b.error);
	cr_assert_not(b.canceled);
	cr_assert_eq(b.compact_revision, 0);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, prev_kv_is_decoded)
{
	const char *line =
		"{\"result\":{\"header\":{\"revision\":\"11\"},\"events\":[{\"type\":\"PUT\","
		"\"kv\":{\"key\":\"L3JlZ2lzdHJ5L3BvZHMvYQ==\",\"create_revision\":\"3\",\"mod_"
		"revision\":\"11\","
		"\"version\":\"4\",\"value\":\"bmV3\",\"lease\":\"7587869370483015173\"},"
		"\"prev_kv\":{\"key\":\"L3JlZ2lzdHJ5L3BvZHMvYQ==\",\"create_revision\":\"3\","
		"\"mod_revision\":\"10\",\"version\":\"3\",\"value\":\"b2xk\"}}]}}";
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(line, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert_eq(b.n, 1);
	const cube_etcd_event *ev = &b.events[0];
	cr_assert_eq(ev->type, CUBE_ETCD_EV_PUT);
	cr_assert_str_eq(ev->kv.key, "/registry/pods/a");
	cr_assert_eq(ev->kv.key_len, 16);
	cr_assert_str_eq(ev->kv.value, "new");
	cr_assert_eq(ev->kv.lease, 7587869370483015173LL);
	cr_assert(ev->has_prev);
	cr_assert_str_eq(ev->prev.key, "/registry/pods/a");
	cr_assert_str_eq(ev->prev.value, "old");
	cr_assert_eq(ev->prev.mod_rev, 10);
	cr_assert_eq(ev->prev.version, 3);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, delete_with_prev_kv)
{
	const char *line =
		"{\"result\":{\"header\":{\"revision\":\"12\"},\"events\":[{\"type\":\"DELETE\","
		"\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":\"12\"},"
		"\"prev_kv\":{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"5\","
		"\"version\":\"2\","
		"\"value\":\"YmFy\"}}]}}";
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(line, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert_eq(b.n, 1);
	cr_assert_eq(b.events[0].type, CUBE_ETCD_EV_DELETE);
	cr_assert(b.events[0].has_prev);
	cr_assert_str_eq(b.events[0].prev.value, "bar");
	cr_assert_eq(b.events[0].kv.value_len, 0);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, values_with_nul_bytes_keep_their_length)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	/* "YQBi" is base64 of "a\0b"; "AA==" of "\0". */
	cr_assert_eq(decode_kv("\"key\":\"AA==\",\"value\":\"YQBi\"", &doc, &b, &e), 0, "%s",
		     e.msg);
	cr_assert_eq(b.n, 1);
	cr_assert_eq(b.events[0].kv.value_len, 3);
	cr_assert_eq(memcmp(b.events[0].kv.value, "a\0b", 3), 0);
	cr_assert_eq(b.events[0].kv.value[3], '\0');
	cr_assert_eq(b.events[0].kv.key_len, 1);
	cr_assert_eq(b.events[0].kv.key[0], '\0');
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, padding_variants)
{
	static const struct {
		const char *b64;
		const char *raw;
		size_t len;
	} cases[] = {
		{"Zg==", "f", 1},
		{"Zm8=", "fo", 2},
		{"Zm9v", "foo", 3},
		{"Zm9vYg==", "foob", 4},
		{"Zm9vYmE=", "fooba", 5},
		{"Zm9vYmFy", "foobar", 6},
		{"", "", 0},
		{"/w==", "\xff", 1},
		{"+/+/", "\xfb\xff\xbf", 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char kv[256];
		snprintf(kv, sizeof(kv), "\"key\":\"Zm9v\",\"value\":\"%s\"", cases[i].b64);
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		cr_assert_eq(decode_kv(kv, &doc, &b, &e), 0, "\"%s\": %s", cases[i].b64, e.msg);
		cr_assert_eq(b.events[0].kv.value_len, cases[i].len, "\"%s\"", cases[i].b64);
		cr_assert_eq(memcmp(b.events[0].kv.value, cases[i].raw, cases[i].len), 0, "\"%s\"",
			     cases[i].b64);
		cr_assert_eq(b.events[0].kv.value[cases[i].len], '\0');
		cube_etcd_watch_batch_clear(&b);
		cJSON_Delete(doc);
	}
}

Test(watch_decode, int64_fields_as_strings_and_numbers)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode("{\"result\":{\"header\":{\"revision\":\"9223372036854775807\"},"
			    "\"events\":[{\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":42,\"version\":"
			    "\"1\"}}]}}",
			    &doc, &b, &e),
		     0, "%s", e.msg);
	cr_assert_eq(b.revision, INT64_MAX);
	cr_assert_eq(b.events[0].kv.mod_rev, 42);
	cr_assert_eq(b.events[0].kv.version, 1);
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
}

Test(watch_decode, many_events_in_order)
{
	size_t n = 500;
	size_t cap = n * 96 + 128;
	char *line = malloc(cap);
	cr_assert_not_null(line);
	size_t off = (size_t)snprintf(
		line, cap, "{\"result\":{\"header\":{\"revision\":\"%zu\"},\"events\":[", n + 1);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(
			line + off, cap - off,
			"%s{\"type\":\"%s\",\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":\"%zu\"}}",
			i ? "," : "", i % 2 ? "DELETE" : "PUT", i + 2);
	snprintf(line + off, cap - off, "]}}");
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(line, &doc, &b, &e), 0, "%s", e.msg);
	cr_assert_eq(b.n, n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(b.events[i].kv.mod_rev, (int64_t)(i + 2));
		cr_assert_eq(b.events[i].type, i % 2 ? CUBE_ETCD_EV_DELETE : CUBE_ETCD_EV_PUT);
	}
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
	free(line);
}

Test(watch_decode, clear_accepts_null_and_is_idempotent)
{
	cube_etcd_watch_batch_clear(NULL);
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(decode(EVENTS, &doc, &b, &e), 0);
	cube_etcd_watch_batch_clear(&b);
	cube_etcd_watch_batch_clear(&b);
	assert_empty(&b);
	cJSON_Delete(doc);
}

/* ---- malformed lines ------------------------------------------------------------- */

Test(watch_decode, non_objects_are_eproto)
{
	static const char *const lines[] = {"[]",  "[{\"result\":{}}]", "\"result\"", "42", "null",
					    "true"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		assert_eproto(decode(lines[i], &doc, &b, &e), &b, &e, lines[i]);
		cJSON_Delete(doc);
	}
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	assert_eproto(cube_etcd_watch_decode(NULL, &b, &e), &b, &e, "NULL doc");
}

Test(watch_decode, neither_result_nor_error)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	assert_eproto(decode("{}", &doc, &b, &e), &b, &e, "{}");
	cJSON_Delete(doc);
	cube_err_clear(&e);
	assert_eproto(decode("{\"Result\":{}}", &doc, &b, &e), &b, &e, "Result");
	cJSON_Delete(doc);
}

Test(watch_decode, result_not_an_object)
{
	static const char *const lines[] = {"{\"result\":[]}", "{\"result\":\"x\"}",
					    "{\"result\":null}", "{\"result\":3}"};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		assert_eproto(decode(lines[i], &doc, &b, &e), &b, &e, lines[i]);
		cJSON_Delete(doc);
	}
}

Test(watch_decode, events_not_an_array)
{
	static const char *const lines[] = {
		"{\"result\":{\"events\":{\"kv\":{\"key\":\"Zm9v\"}}}}",
		"{\"result\":{\"events\":\"Zm9v\"}}",
		"{\"result\":{\"events\":7}}",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		assert_eproto(decode(lines[i], &doc, &b, &e), &b, &e, lines[i]);
		cJSON_Delete(doc);
	}
}

Test(watch_decode, event_without_kv)
{
	static const char *const lines[] = {
		"{\"result\":{\"events\":[{\"type\":\"PUT\"}]}}",
		"{\"result\":{\"events\":[{}]}}",
		"{\"result\":{\"events\":[1]}}",
		"{\"result\":{\"events\":[null]}}",
		"{\"result\":{\"events\":[{\"kv\":null}]}}",
		"{\"result\":{\"events\":[{\"kv\":\"Zm9v\"}]}}",
		"{\"result\":{\"events\":[{\"kv\":{}}]}}",
		"{\"result\":{\"events\":[{\"kv\":{\"value\":\"YmFy\"}}]}}",
		"{\"result\":{\"events\":[{\"kv\":{\"key\":5}}]}}",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		assert_eproto(decode(lines[i], &doc, &b, &e), &b, &e, lines[i]);
		cJSON_Delete(doc);
	}
}

Test(watch_decode, missing_kv_after_good_events_frees_them)
{
	/* Two events decode, the third fails: LSan checks the first two are freed. */
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	assert_eproto(
		decode("{\"result\":{\"events\":[{\"kv\":{\"key\":\"Zm9v\",\"value\":\"YmFy\"}},"
		       "{\"kv\":{\"key\":\"YmFy\",\"value\":\"Zm9v\"}},{\"type\":\"DELETE\"}]}}",
		       &doc, &b, &e),
		&b, &e, "third event without kv");
	cr_assert(strstr(e.msg, "kv") != NULL, "%s", e.msg);
	cJSON_Delete(doc);
}

Test(watch_decode, bad_base64_key_or_value)
{
	static const char *const kvs[] = {
		"\"key\":\"Zm9v!\"", /* length not a multiple of 4 */
		"\"key\":\"Zm9!\"",  /* bad character in a full quantum */
		"\"key\":\"Zm9v\",\"value\":\"YmFy!\"",
		"\"key\":\"Zm9v\",\"value\":\"Ym\"", /* unpadded */
		"\"key\":\"Zm9v\",\"value\":\"Ym F\"",
		"\"key\":\"Zm9v\",\"value\":\"Y\xc3\xa9"
		"Fy\"", /* non-ASCII */
		"\"key\":\"\xff\xff\xff\xff\"",
	};
	for (size_t i = 0; i < sizeof(kvs) / sizeof(kvs[0]); i++) {
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		char line[512];
		snprintf(line, sizeof(line), "{\"result\":{\"events\":[{\"kv\":{%s}}]}}", kvs[i]);
		doc = cJSON_Parse(line);
		if (!doc)
			continue; /* cJSON refused the bytes itself: nothing to decode */
		assert_eproto(cube_etcd_watch_decode(doc, &b, &e), &b, &e, kvs[i]);
		cJSON_Delete(doc);
	}
}

/* etcd writes keys and values with Go's base64.StdEncoding: padding only at
 * the end.  Input with '=' in the middle is malformed and must be refused,
 * not decoded into bytes that were never written. */
Test(watch_decode, padding_in_the_middle_is_refused)
{
	static const char *const bad[] = {"Zg==Zm9v", "====", "Z===", "Zm9v===="};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char kv[128];
		snprintf(kv, sizeof(kv), "\"key\":\"Zm9v\",\"value\":\"%s\"", bad[i]);
		assert_kv_refused(kv, bad[i]);
	}
}

/* Trailing characters outside the base64 alphabet ('-', newlines, spaces)
 * must not be skipped silently either. */
Test(watch_decode, non_alphabet_bytes_around_the_data_are_refused)
{
	static const char *const bad[] = {"Zm9v----", "Zm9v\\n\\n\\n\\n", "Zm9v    ", "    Zm9v"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char kv[128];
		snprintf(kv, sizeof(kv), "\"key\":\"%s\"", bad[i]);
		assert_kv_refused(kv, bad[i]);
	}
}

Test(watch_decode, bad_value_in_a_later_event_frees_earlier_ones)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	assert_eproto(
		decode("{\"result\":{\"events\":[{\"kv\":{\"key\":\"Zm9v\",\"value\":\"YmFy\"}},"
		       "{\"kv\":{\"key\":\"Zm9v\",\"value\":\"YmFy!\"}}]}}",
		       &doc, &b, &e),
		&b, &e, "second value bad");
	cJSON_Delete(doc);
}

Test(watch_decode, bad_prev_kv_is_eproto_and_leaks_nothing)
{
	static const char *const prevs[] = {
		"{\"key\":\"Zm9v\",\"value\":\"YmFy!\"}",
		"{\"value\":\"YmFy\"}",
		"\"Zm9v\"",
	};
	for (size_t i = 0; i < sizeof(prevs) / sizeof(prevs[0]); i++) {
		char line[512];
		snprintf(line, sizeof(line),
			 "{\"result\":{\"events\":[{\"kv\":{\"key\":\"Zm9v\",\"value\":\"YmFy\"}},"
			 "{\"kv\":{\"key\":\"Zm9v\",\"value\":\"YmFy\"},\"prev_kv\":%s}]}}",
			 prevs[i]);
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		assert_eproto(decode(line, &doc, &b, &e), &b, &e, prevs[i]);
		cJSON_Delete(doc);
	}
}

Test(watch_decode, unknown_event_type)
{
	static const char *const types[] = {"UPDATE", "put", "Delete", "", "PUT ", "DELETED"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char line[256];
		snprintf(line, sizeof(line),
			 "{\"result\":{\"events\":[{\"type\":\"%s\",\"kv\":{\"key\":\"Zm9v\"}}]}}",
			 types[i]);
		cJSON *doc;
		cube_etcd_watch_batch b;
		cube_err e = CUBE_ERR_INIT;
		assert_eproto(decode(line, &doc, &b, &e), &b, &e, types[i]);
		cJSON_Delete(doc);
	}
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	decode("{\"result\":{\"events\":[{\"type\":\"UPDATE\",\"kv\":{\"key\":\"Zm9v\"}}]}}", &doc,
	       &b, &e);
	cr_assert(strstr(e.msg, "UPDATE") != NULL, "%s", e.msg);
	cJSON_Delete(doc);
}

Test(watch_decode, overlong_unknown_type_is_cut_in_the_message)
{
	char type[2000];
	memset(type, 'T', sizeof(type) - 1);
	type[sizeof(type) - 1] = '\0';
	char line[2200];
	snprintf(line, sizeof(line),
		 "{\"result\":{\"events\":[{\"type\":\"%s\",\"kv\":{\"key\":\"Zm9v\"}}]}}", type);
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	assert_eproto(decode(line, &doc, &b, &e), &b, &e, "long type");
	cr_assert_lt(strlen(e.msg), 200);
	cJSON_Delete(doc);
}

/* The gateway's JSON marshaller may be set to write enums as numbers
 * (mvccpb.Event_DELETE = 1).  A DELETE must never turn into a PUT: a type
 * that is present but not a string is either understood or refused. */
Test(watch_decode, non_string_type_is_not_silently_a_put)
{
	cJSON *doc;
	cube_etcd_watch_batch b;
	cube_err e = CUBE_ERR_INIT;
	int rc = decode("{\"result\":{\"events\":[{\"type\":1,\"kv\":{\"key\":\"Zm9v\",\"mod_"
			"revision\":\"6\"}}]}}",
			&doc, &b, &e);
	size_t n = b.n;
	int type = n ? (int)b.events[0].type : -1;
	cube_etcd_watch_batch_clear(&b);
	cJSON_Delete(doc);
	if (rc == 0) {
		cr_assert_eq(n, 1);
		cr_assert_eq(type, CUBE_ETCD_EV_DELETE, "type 1 (DELETE) decoded as PUT");
	} else {
		cr_assert_eq(e.code, CUBE_EPROTO);
	}
}

/* ---- through the line decoder, as the watch reads them ------------------------------ */

struct stream_ctx {
	int batches;
	int events;
	int created;
	int errors;
	int compacted;
	int64_t last_rev;
};

static int on_line(void *ud, const cJSON *doc, cube_err *err)
{
	struct stream_ctx *c = ud;
	cube_etcd_watch_batch b;
	if (cube_etcd_watch_decode(doc, &b, err) < 0)
		return -1;
	c->batches++;
	c->events += (int)b.n;
	c->created += b.created;
	c->errors += b.error != NULL;
	c->compacted += b.compact_revision > 0;
	if (b.revision)
		c->last_rev = b.revision;
	cube_etcd_watch_batch_clear(&b);
	return 0;
}

Test(watch_decode, real_lines_through_jsonstream_in_small_pieces)
{
	char all[2048];
	int len = snprintf(all, sizeof(all), "%s\n%s\n\n%s\n%s\n", CREATED, EVENTS, COMPACTED,
			   NO_LEADER);
	cr_assert_lt((size_t)len, sizeof(all));
	struct stream_ctx c = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, on_line, &c);
	for (int off = 0; off < len; off += 7) {
		size_t k = len - off < 7 ? (size_t)(len - off) : 7;
		cr_assert_eq(cube_jsonstream_feed(s, all + off, k, &e), 0, "%s", e.msg);
	}
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0);
	cr_assert_eq(c.batches, 4);
	cr_assert_eq(c.events, 2);
	cr_assert_eq(c.created, 1);
	cr_assert_eq(c.compacted, 1);
	cr_assert_eq(c.errors, 1);
	cr_assert_eq(c.last_rev, 2);
	cube_jsonstream_free(s);
}

Test(watch_decode, malformed_line_stops_the_stream_with_eproto)
{
	struct stream_ctx c = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, on_line, &c);
	char in[1024];
	snprintf(in, sizeof(in),
		 "%s\n{\"result\":{\"events\":[{\"kv\":{\"key\":\"Zm9v!\"}}]}}\n%s\n", CREATED,
		 EVENTS);
	cr_assert_eq(cube_jsonstream_feed(s, in, strlen(in), &e), -1);
	cr_assert_eq(e.code, CUBE_EPROTO);
	cr_assert_eq(c.batches, 1);
	cr_assert_eq(c.events, 0);
	cube_jsonstream_free(s);
}
