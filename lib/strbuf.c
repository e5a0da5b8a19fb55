/* strbuf.c - a growable text buffer (strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(cube_sb *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *np = realloc(b->p, cap);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

void cube_sb_add(cube_sb *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cube_sb_str(cube_sb *b, const char *s)
{
	cube_sb_add(b, s, strlen(s));
}

void cube_sb_printf(cube_sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		b->oom = true;
	else if (reserve(b, (size_t)n)) {
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

char *cube_sb_take(cube_sb *b)
{
	char *p = b->p;
	bool oom = b->oom;
	*b = (cube_sb){0};
	if (oom) {
		free(p);
		return NULL;
	}
	return p ? p : strdup("");
}

void cube_sb_free(cube_sb *b)
{
	free(b->p);
	*b = (cube_sb){0};
}
