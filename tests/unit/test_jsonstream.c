/* test_jsonstream.c - the newline-delimited JSON decoder: arbitrary chunking,
 * keep-alive lines, size limits, located errors, end of stream, callback
 * errors and the refusal of input after a failure. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstream.h"

#define MAX_DOCS 32

/* Collects each document in its compact form. */
struct docs {
	int n;
	char *doc[MAX_DOCS];
	int fail_at; /* 1-based document on which the callback fails; 0 never */
};

static int collect(void *ud, const cJSON *doc, cube_err *err)
{
	struct docs *d = ud;
	if (d->n >= MAX_DOCS)
		return cube_err_set(err, CUBE_ETOOBIG, "test: too many documents");
	d->doc[d->n++] = cJSON_PrintUnformatted(doc);
	if (d->fail_at && d->n == d->fail_at)
		return cube_err_set(err, CUBE_ECANCELED, "test: callback stops at %d", d->n);
	return 0;
}

static void docs_free(struct docs *d)
{
	for (int i = 0; i < d->n; i++)
		free(d->doc[i]);
	d->n = 0;
}

static void assert_same_docs(const struct docs *a, const struct docs *b, const char *what)
{
	cr_assert_eq(a->n, b->n, "%s: %d vs %d documents", what, a->n, b->n);
	for (int i = 0; i < a->n; i++)
		cr_assert_str_eq(a->doc[i], b->doc[i], "%s: document %d", what, i);
}

/* Three documents, keep-alive blank lines (with CR and spaces), multi-byte
 * UTF-8 and an escaped newline inside a string. */
static const char STREAM[] =
	"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}}\n"
	"\n"
	"   \r\n"
	"{\"type\":\"MODIFIED\",\"object\":{\"note\":\"h\xc3\xa9llo\\nworld\",\"n\":[1,2,3]}}\r\n"
	"\n"
	"{\"type\":\"DELETED\",\"object\":{}}\n";

static void reference_docs(struct docs *want)
{
	memset(want, 0, sizeof(*want));
	want->doc[want->n++] = strdup(
		"{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\"}}}");
	want->doc[want->n++] = strdup("{\"type\":\"MODIFIED\",\"object\":{\"note\":"
				      "\"h\xc3\xa9llo\\nworld\",\"n\":[1,2,3]}}");
	want->doc[want->n++] = strdup("{\"type\":\"DELETED\",\"object\":{}}");
}

static int feed_str(cube_jsonstream *s, const char *str, cube_err *err)
{
	return cube_jsonstream_feed(s, str, strlen(str), err);
}

Test(jsonstream, whole_stream_in_one_piece)
{
	struct docs want, got = {0};
	reference_docs(&want);
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_not_null(s);
	cr_assert_eq(cube_jsonstream_feed(s, STREAM, sizeof(STREAM) - 1, &e), 0, "%s", e.msg);
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0, "%s", e.msg);
	assert_same_docs(&want, &got, "one piece");
	cr_assert_eq(cube_jsonstream_count(s), 3);
	cube_jsonstream_free(s);
	docs_free(&want);
	docs_free(&got);
}

Test(jsonstream, every_single_split_gives_the_same_documents)
{
	struct docs want;
	reference_docs(&want);
	size_t len = sizeof(STREAM) - 1;
	for (size_t i = 0; i <= len; i++) {
		struct docs got = {0};
		cube_err e = CUBE_ERR_INIT;
		cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
		cr_assert_eq(cube_jsonstream_feed(s, STREAM, i, &e), 0, "split %zu: %s", i, e.msg);
		cr_assert_eq(cube_jsonstream_feed(s, STREAM + i, len - i, &e), 0, "split %zu: %s",
			     i, e.msg);
		cr_assert_eq(cube_jsonstream_finish(s, &e), 0);
		char what[32];
		snprintf(what, sizeof(what), "split at %zu", i);
		assert_same_docs(&want, &got, what);
		cr_assert_eq(cube_jsonstream_count(s), 3);
		cube_jsonstream_free(s);
		docs_free(&got);
	}
	docs_free(&want);
}

Test(jsonstream, every_pair_of_splits_gives_the_same_documents)
{
	struct docs want;
	reference_docs(&want);
	size_t len = sizeof(STREAM) - 1;
	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i; j <= len; j++) {
			struct docs got = {0};
			cube_err e = CUBE_ERR_INIT;
			cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
			int rc = cube_jsonstream_feed(s, STREAM, i, &e);
			rc |= cube_jsonstream_feed(s, STREAM + i, j - i, &e);
			rc |= cube_jsonstream_feed(s, STREAM + j, len - j, &e);
			rc |= cube_jsonstream_finish(s, &e);
			cr_assert_eq(rc, 0, "splits %zu,%zu: %s", i, j, e.msg);
			cr_assert_eq(got.n, 3, "splits %zu,%zu", i, j);
			for (int k = 0; k < 3; k++)
				cr_assert_str_eq(got.doc[k], want.doc[k], "splits %zu,%zu doc %d",
						 i, j, k);
			cube_jsonstream_free(s);
			docs_free(&got);
		}
	}
	docs_free(&want);
}

Test(jsonstream, byte_by_byte_from_exact_size_buffers)
{
	/* Each byte in its own 1-byte heap allocation: a read past `len` trips ASan. */
	struct docs want, got = {0};
	reference_docs(&want);
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	for (size_t i = 0; i < sizeof(STREAM) - 1; i++) {
		char *b = malloc(1);
		*b = STREAM[i];
		cr_assert_eq(cube_jsonstream_feed(s, b, 1, &e), 0, "byte %zu: %s", i, e.msg);
		free(b);
	}
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0);
	assert_same_docs(&want, &got, "byte by byte");
	cube_jsonstream_free(s);
	docs_free(&want);
	docs_free(&got);
}

Test(jsonstream, blank_lines_only)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "\n\n \t \n\r\n\n   ", &e), 0, "%s", e.msg);
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0, "%s", e.msg);
	cr_assert_eq(got.n, 0);
	cr_assert_eq(cube_jsonstream_count(s), 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, empty_feed_is_a_no_op)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(cube_jsonstream_feed(s, "", 0, &e), 0);
	cr_assert_eq(cube_jsonstream_feed(s, NULL, 0, &e), 0);
	cr_assert_eq(feed_str(s, "{\"a\":1}\n", &e), 0);
	cr_assert_eq(got.n, 1);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, overlong_line_in_one_piece)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(16, collect, &got);
	/* Line 1: 7 bytes; line 2: 20 bytes, starting at offset 8. */
	cr_assert_eq(feed_str(s, "{\"a\":1}\n{\"b\":\"0123456789ab\"}\n", &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cr_assert(strstr(e.msg, "line 2") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "offset 8") != NULL, "%s", e.msg);
	cr_assert_eq(got.n, 1);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, overlong_line_without_newline_is_refused_early)
{
	/* A peer that never sends a newline must not grow memory past max_line. */
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(32, collect, &got);
	char chunk[10];
	memset(chunk, ' ', sizeof(chunk));
	chunk[0] = '"';
	int rc = 0, feeds = 0;
	while (rc == 0 && feeds < 10) {
		rc = cube_jsonstream_feed(s, chunk, sizeof(chunk), &e);
		feeds++;
	}
	cr_assert_eq(rc, -1);
	cr_assert_eq(feeds, 4, "refused after %d feeds of 10 bytes (limit 32)", feeds);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cr_assert(strstr(e.msg, "line 1") != NULL, "%s", e.msg);
	cube_jsonstream_free(s);
}

Test(jsonstream, line_of_exactly_max_line_bytes_is_accepted)
{
	/* {"k":"xxxxxxxxxx"} is 18 bytes. */
	const char *line = "{\"k\":\"xxxxxxxxxx\"}\n";
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(18, collect, &got);
	cr_assert_eq(feed_str(s, line, &e), 0, "in place: %s", e.msg);
	/* The same line, arriving in two pieces (the buffered path). */
	cr_assert_eq(cube_jsonstream_feed(s, line, 5, &e), 0, "%s", e.msg);
	cr_assert_eq(feed_str(s, line + 5, &e), 0, "buffered: %s", e.msg);
	cr_assert_eq(got.n, 2);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, line_one_byte_over_max_line_is_refused_on_both_paths)
{
	const char *line = "{\"k\":\"xxxxxxxxxxx\"}\n"; /* 19 bytes */
	cube_err e = CUBE_ERR_INIT;
	struct docs got = {0};
	cube_jsonstream *s = cube_jsonstream_new(18, collect, &got);
	cr_assert_eq(feed_str(s, line, &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cube_jsonstream_free(s);

	cube_err_clear(&e);
	s = cube_jsonstream_new(18, collect, &got);
	cr_assert_eq(cube_jsonstream_feed(s, line, 10, &e), 0);
	cr_assert_eq(feed_str(s, line + 10, &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cr_assert_eq(got.n, 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, default_max_line_takes_large_lines)
{
	/* max_line 0 means 16 MiB: a 2 MiB document passes. */
	size_t n = 2u << 20;
	char *buf = malloc(n + 16);
	cr_assert_not_null(buf);
	buf[0] = '"';
	memset(buf + 1, 'z', n);
	memcpy(buf + 1 + n, "\"\n", 2);
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	/* In 64 KiB pieces, so the line is assembled in the buffer. */
	for (size_t off = 0; off < n + 3; off += 65536) {
		size_t k = n + 3 - off < 65536 ? n + 3 - off : 65536;
		cr_assert_eq(cube_jsonstream_feed(s, buf + off, k, &e), 0, "%s", e.msg);
	}
	cr_assert_eq(got.n, 1);
	cr_assert_eq(strlen(got.doc[0]), n + 2);
	cube_jsonstream_free(s);
	docs_free(&got);
	free(buf);
}

Test(jsonstream, invalid_json_on_third_line_names_line_and_offset)
{
	/* Line 1: 7 bytes + \n (offset 0); line 2: 9 bytes + \n (offset 8);
	 * line 3 starts at offset 18 and breaks at its 7th byte. */
	const char *in = "{\"a\":1}\n{\"bb\":22}\n{\"c\":3,}\n{\"d\":4}\n";
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, in, &e), -1);
	cr_assert_eq(e.code, CUBE_EPROTO);
	cr_assert(strstr(e.msg, "line 3") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "offset 18") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "offset 7") != NULL, "in-line offset missing: %s", e.msg);
	cr_assert_eq(got.n, 2);
	cr_assert_eq(cube_jsonstream_count(s), 2);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, third_line_offset_is_the_same_whatever_the_chunking)
{
	const char *in = "{\"a\":1}\r\n\n{\"bb\":22}\n  {\"c\":3,}\n";
	size_t len = strlen(in);
	for (size_t i = 0; i <= len; i++) {
		struct docs got = {0};
		cube_err e = CUBE_ERR_INIT;
		cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
		int rc = cube_jsonstream_feed(s, in, i, &e);
		if (rc == 0)
			rc = cube_jsonstream_feed(s, in + i, len - i, &e);
		cr_assert_eq(rc, -1, "split %zu", i);
		cr_assert_eq(e.code, CUBE_EPROTO);
		/* Line 4 (a blank line counts) starts at byte 20. */
		cr_assert(strstr(e.msg, "line 4 (offset 20)") != NULL, "split %zu: %s", i, e.msg);
		cr_assert_eq(got.n, 2);
		cube_jsonstream_free(s);
		docs_free(&got);
	}
}

Test(jsonstream, two_documents_on_one_line_is_an_error)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "{\"a\":1} {\"b\":2}\n", &e), -1);
	cr_assert_eq(e.code, CUBE_EPROTO);
	cr_assert_eq(got.n, 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, nul_byte_inside_a_line_is_an_error)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(cube_jsonstream_feed(s, "{\"a\":1}\0\n", 9, &e), -1);
	cr_assert_eq(e.code, CUBE_EPROTO);
	cr_assert_eq(got.n, 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, finish_decodes_a_complete_last_line_without_newline)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "{\"a\":1}\n{\"last\":true}", &e), 0);
	cr_assert_eq(got.n, 1);
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0, "%s", e.msg);
	cr_assert_eq(got.n, 2);
	cr_assert_str_eq(got.doc[1], "{\"last\":true}");
	cr_assert_eq(cube_jsonstream_count(s), 2);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, finish_on_a_truncated_line_is_eproto)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "{\"a\":1}\n{\"b\":\"unfinis", &e), 0);
	cr_assert_eq(cube_jsonstream_finish(s, &e), -1);
	cr_assert_eq(e.code, CUBE_EPROTO);
	cr_assert(strstr(e.msg, "mid-line 2") != NULL, "%s", e.msg);
	cr_assert(strstr(e.msg, "offset 8") != NULL, "%s", e.msg);
	cr_assert_eq(got.n, 1);
	/* And the stream is now dead. */
	cube_err e2 = CUBE_ERR_INIT;
	cr_assert_eq(feed_str(s, "{}\n", &e2), -1);
	cr_assert_eq(got.n, 1);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, finish_with_nothing_pending)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0);
	cr_assert_eq(feed_str(s, "{}\n  ", &e), 0);
	cr_assert_eq(cube_jsonstream_finish(s, &e), 0);
	cr_assert_eq(got.n, 1);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, callback_error_stops_the_stream)
{
	struct docs got = {.fail_at = 2};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", &e), -1);
	/* The callback's own error comes back unchanged. */
	cr_assert_eq(e.code, CUBE_ECANCELED);
	cr_assert_str_eq(e.msg, "test: callback stops at 2");
	cr_assert_eq(got.n, 2);

	cube_err e2 = CUBE_ERR_INIT;
	cr_assert_eq(feed_str(s, "{\"n\":4}\n", &e2), -1);
	cr_assert_eq(e2.code, CUBE_EPROTO);
	cube_err e3 = CUBE_ERR_INIT;
	cr_assert_eq(cube_jsonstream_finish(s, &e3), -1);
	cr_assert_eq(got.n, 2);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, callback_error_on_buffered_line_stops_the_stream)
{
	struct docs got = {.fail_at = 1};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "{\"n\":", &e), 0);
	cr_assert_eq(feed_str(s, "1}\n{\"n\":2}\n", &e), -1);
	cr_assert_eq(e.code, CUBE_ECANCELED);
	cr_assert_eq(got.n, 1);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, callback_error_in_finish)
{
	struct docs got = {.fail_at = 1};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "{\"n\":1}", &e), 0);
	cr_assert_eq(cube_jsonstream_finish(s, &e), -1);
	cr_assert_eq(e.code, CUBE_ECANCELED);
	cube_err e2 = CUBE_ERR_INIT;
	cr_assert_eq(feed_str(s, "{}\n", &e2), -1);
	cr_assert_eq(got.n, 1);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, failed_stream_refuses_more_input)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "not json\n", &e), -1);
	cr_assert_eq(e.code, CUBE_EPROTO);
	for (int i = 0; i < 3; i++) {
		cube_err e2 = CUBE_ERR_INIT;
		cr_assert_eq(feed_str(s, "{\"ok\":1}\n", &e2), -1);
		cr_assert_eq(e2.code, CUBE_EPROTO);
		cr_assert_str_eq(e2.msg, "stream already failed");
	}
	cube_err e3 = CUBE_ERR_INIT;
	cr_assert_eq(cube_jsonstream_finish(s, &e3), -1);
	cr_assert_eq(got.n, 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, overlong_failure_also_refuses_more_input)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(4, collect, &got);
	cr_assert_eq(feed_str(s, "[1,2,3]\n", &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cube_err e2 = CUBE_ERR_INIT;
	cr_assert_eq(feed_str(s, "[1]\n", &e2), -1);
	cr_assert_eq(got.n, 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, overlong_third_line_reports_its_offset)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(10, collect, &got);
	/* Lines 1-3 fit (the blank one counts); line 4 starts at 4 + 1 + 6 = 11
	 * and grows to 11 bytes across two pieces. */
	cr_assert_eq(feed_str(s, "[1]\n\n[2,3]\n", &e), 0);
	cr_assert_eq(feed_str(s, "[12345", &e), 0);
	cr_assert_eq(feed_str(s, "6789]\n", &e), -1);
	cr_assert_eq(e.code, CUBE_ETOOBIG);
	cr_assert(strstr(e.msg, "line 4 (offset 11)") != NULL, "%s", e.msg);
	cube_jsonstream_free(s);
	docs_free(&got);
}

Test(jsonstream, free_accepts_null)
{
	cube_jsonstream_free(NULL);
	struct docs got = {0};
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_not_null(s);
	cr_assert_eq(cube_jsonstream_count(s), 0);
	cube_jsonstream_free(s);
}

Test(jsonstream, scalars_and_arrays_are_documents_too)
{
	struct docs got = {0};
	cube_err e = CUBE_ERR_INIT;
	cube_jsonstream *s = cube_jsonstream_new(0, collect, &got);
	cr_assert_eq(feed_str(s, "1\n\"s\"\n[true,null]\n", &e), 0, "%s", e.msg);
	cr_assert_eq(got.n, 3);
	cr_assert_str_eq(got.doc[0], "1");
	cr_assert_str_eq(got.doc[1], "\"s\"");
	cr_assert_str_eq(got.doc[2], "[true,null]");
	cube_jsonstream_free(s);
	docs_free(&got);
}
