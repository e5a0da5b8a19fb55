/* jsonstream.c - splits a byte stream into lines and decodes each as JSON. */
#include "jsonstream.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "obj.h"

struct cube_jsonstream {
	cube_jsonstream_fn fn;
	void *ud;
	size_t max_line;
	char *buf; /* the current, incomplete line */
	size_t len, cap;
	size_t line_no; /* 1-based number of the line being assembled */
	size_t offset;	/* stream offset of buf[0] */
	size_t count;
	bool failed;
};

cube_jsonstream *cube_jsonstream_new(size_t max_line, cube_jsonstream_fn fn, void *ud)
{
	cube_jsonstream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fn = fn;
	s->ud = ud;
	s->max_line = max_line ? max_line : 16u << 20;
	s->line_no = 1;
	return s;
}

void cube_jsonstream_free(cube_jsonstream *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

size_t cube_jsonstream_count(const cube_jsonstream *s)
{
	return s->count;
}

static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]))
			return false;
	return true;
}

/* Decodes one complete line (without its newline). */
static int emit(cube_jsonstream *s, const char *line, size_t n, cube_err *err)
{
	if (blank(line, n))
		return 0;
	cube_err perr = CUBE_ERR_INIT;
	cJSON *doc = cube_json_parse(line, n, &perr);
	if (!doc)
		return cube_err_set(err, CUBE_EPROTO, "stream line %zu (offset %zu): %s",
				    s->line_no, s->offset, perr.msg);
	s->count++;
	int rc = s->fn(s->ud, doc, err);
	cJSON_Delete(doc);
	return rc < 0 ? -1 : 0;
}

static int append(cube_jsonstream *s, const char *p, size_t n, cube_err *err)
{
	if (s->len + n > s->max_line)
		return cube_err_set(err, CUBE_ETOOBIG,
				    "stream line %zu (offset %zu) longer than %zu bytes",
				    s->line_no, s->offset, s->max_line);
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		char *nb = realloc(s->buf, cap);
		if (!nb)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

int cube_jsonstream_feed(cube_jsonstream *s, const char *data, size_t len, cube_err *err)
{
	if (s->failed)
		return cube_err_set(err, CUBE_EPROTO, "stream already failed");
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		int rc;
		if (!nl) {
			rc = append(s, data, n, err);
		} else if (s->len == 0) {
			/* The whole line is in this piece: decode it in place, no copy. */
			if (n > s->max_line)
				rc = cube_err_set(
					err, CUBE_ETOOBIG,
					"stream line %zu (offset %zu) longer than %zu bytes",
					s->line_no, s->offset, s->max_line);
			else
				rc = emit(s, data, n, err);
		} else {
			rc = append(s, data, n, err);
			if (rc == 0)
				rc = emit(s, s->buf, s->len, err);
		}
		if (rc < 0) {
			s->failed = true;
			return -1;
		}
		if (nl) {
			s->offset += s->len + (s->len ? 0 : n) + 1;
			s->len = 0;
			s->line_no++;
			n++;
		}
		data += n;
		len -= n;
	}
	return 0;
}

int cube_jsonstream_finish(cube_jsonstream *s, cube_err *err)
{
	if (s->failed)
		return cube_err_set(err, CUBE_EPROTO, "stream already failed");
	if (s->len == 0 || blank(s->buf, s->len))
		return 0;
	cube_err perr = CUBE_ERR_INIT;
	cJSON *doc = cube_json_parse(s->buf, s->len, &perr);
	if (!doc) {
		s->failed = true;
		return cube_err_set(err, CUBE_EPROTO,
				    "stream ended mid-line %zu (offset %zu, %zu bytes)", s->line_no,
				    s->offset, s->len);
	}
	s->count++;
	int rc = s->fn(s->ud, doc, err);
	cJSON_Delete(doc);
	s->len = 0;
	if (rc < 0) {
		s->failed = true;
		return -1;
	}
	return 0;
}
