/* strbuf.h - a growable NUL-terminated text buffer, for building request
 * bodies, restore batches and expansions piece by piece.  Allocation
 * failure is sticky (oom): the pieces after it are dropped and
 * cube_sb_take answers NULL, so callers check once, at the end.
 *
 *   cube_sb b = {0};
 *   cube_sb_str(&b, "*nat\n");
 *   cube_sb_printf(&b, "-A %s\n", chain);
 *   char *text = cube_sb_take(&b);   (NULL: out of memory)
 */
#ifndef CUBE_STRBUF_H
#define CUBE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cube_sb {
	char *p; /* NULL until something is added */
	size_t len, cap;
	bool oom;
} cube_sb;

void cube_sb_add(cube_sb *b, const char *s, size_t n);
void cube_sb_str(cube_sb *b, const char *s);
void cube_sb_printf(cube_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the text over (an empty string if nothing was added; the buffer is
 * empty again); NULL after an allocation failure (the buffer is freed). */
char *cube_sb_take(cube_sb *b);

/* Frees what the buffer holds. */
void cube_sb_free(cube_sb *b);

#endif
