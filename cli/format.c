/* format.c - output exactly as kubectl writes it: its tabwriter (Go's
 * text/tabwriter with kubectl's settings: minimum width 6, padding 3,
 * blanks, and liggitt/tabwriter's RememberWidths for watches), JSON as Go's
 * encoding/json marshals maps (sorted keys, HTML-safe escapes), Go's
 * fmt.Sprint of decoded JSON, -o yaml with sorted keys, and ages as
 * HumanDuration. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "cubectl.h"
#include "ktime.h"
#include "strbuf.h"
#include "yaml.h"

/* ---- tabwriter ------------------------------------------------------------------------ */

#define TW_MINWIDTH 6
#define TW_PADDING 3

/* The tabwriter's text is a cube_sb in its own three fields. */
void cctl_tabw_addn(cctl_tabw *t, const char *s, size_t n)
{
	cube_sb b = {t->buf, t->len, t->cap, false};
	cube_sb_add(&b, s, n);
	if (b.oom)
		abort(); /* out of memory in a short-lived CLI: nothing sensible to do */
	t->buf = b.p;
	t->len = b.len;
	t->cap = b.cap;
}

void cctl_tabw_add(cctl_tabw *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	cctl_tabw_addn(t, text, (size_t)n);
	free(text);
}

typedef struct tw_cell {
	const char *s;
	size_t size, width;
} tw_cell;

typedef struct tw_line {
	tw_cell *cells;
	size_t n; /* cells; the last is not tab-terminated */
} tw_line;

typedef struct tw_state {
	tw_line *lines;
	size_t nlines;
	size_t widths[64];
	size_t nw;
	cctl_tabw *t;
	cube_sb out;
} tw_state;

static size_t rune_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static void tw_write_lines(tw_state *st, size_t l0, size_t l1)
{
	for (size_t i = l0; i < l1; i++) {
		tw_line *ln = &st->lines[i];
		for (size_t j = 0; j < ln->n; j++) {
			tw_cell *c = &ln->cells[j];
			cube_sb_add(&st->out, c->s, c->size);
			if (j + 1 < ln->n && j < st->nw)
				for (size_t k = c->width; k < st->widths[j]; k++)
					cube_sb_add(&st->out, " ", 1);
		}
		if (i + 1 < st->nlines)
			cube_sb_add(&st->out, "\n", 1);
	}
}

static size_t tw_format(tw_state *st, size_t line0, size_t line1)
{
	size_t column = st->nw;
	for (size_t cur = line0; cur < line1; cur++) {
		tw_line *ln = &st->lines[cur];
		if (ln->n == 0 || column >= ln->n - 1)
			continue;
		tw_write_lines(st, line0, cur);
		line0 = cur;
		size_t width = st->t->tabbed ? 0 : TW_MINWIDTH;
		size_t padding = st->t->tabbed ? 2 : TW_PADDING;
		for (; cur < line1; cur++) {
			ln = &st->lines[cur];
			if (ln->n == 0 || column >= ln->n - 1)
				break;
			size_t w = ln->cells[column].width + padding;
			if (w > width)
				width = w;
		}
		if (st->t->remember) {
			if (column < st->t->nwidths && st->t->widths[column] > width)
				width = st->t->widths[column];
			if (column >= st->t->nwidths) {
				size_t *nwd = realloc(st->t->widths, (column + 1) * sizeof(size_t));
				if (!nwd)
					abort();
				for (size_t k = st->t->nwidths; k <= column; k++)
					nwd[k] = 0;
				st->t->widths = nwd;
				st->t->nwidths = column + 1;
			}
			st->t->widths[column] = width;
		}
		if (st->nw < 64) {
			st->widths[st->nw++] = width;
			tw_format(st, line0, cur);
			st->nw--;
		}
		line0 = cur;
		cur--; /* the loop's ++ */
	}
	tw_write_lines(st, line0, line1);
	return line1;
}

char *cctl_tabw_render(cctl_tabw *t)
{
	if (!t->len)
		return strdup("");
	tw_state st = {.t = t};
	/* split into lines and cells (the text ends with '\n': the last "line"
	 * after it is empty and kept, as Go's tabwriter keeps its last cell) */
	size_t cap = 16;
	st.lines = calloc(cap, sizeof(tw_line));
	const char *p = t->buf, *end = t->buf + t->len;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (st.nlines == cap) {
			cap *= 2;
			st.lines = realloc(st.lines, cap * sizeof(tw_line));
		}
		tw_line *ln = &st.lines[st.nlines++];
		memset(ln, 0, sizeof(*ln));
		size_t ccap = 8;
		ln->cells = calloc(ccap, sizeof(tw_cell));
		const char *c = p;
		for (;;) {
			const char *tab = memchr(c, '\t', (size_t)(le - c));
			const char *ce = tab ? tab : le;
			if (ln->n == ccap) {
				ccap *= 2;
				ln->cells = realloc(ln->cells, ccap * sizeof(tw_cell));
			}
			ln->cells[ln->n++] =
				(tw_cell){c, (size_t)(ce - c), rune_count(c, (size_t)(ce - c))};
			if (!tab)
				break;
			c = tab + 1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	tw_format(&st, 0, st.nlines);
	for (size_t i = 0; i < st.nlines; i++)
		free(st.lines[i].cells);
	free(st.lines);
	t->len = 0;
	return cube_sb_take(&st.out);
}

void cctl_tabw_flush(cctl_tabw *t, FILE *f)
{
	char *s = cctl_tabw_render(t);
	if (s) {
		fputs(s, f);
		fflush(f);
	}
	free(s);
}

void cctl_tabw_free(cctl_tabw *t)
{
	free(t->buf);
	free(t->widths);
	memset(t, 0, sizeof(*t));
}

/* ---- Go's JSON -------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* The members of an object in Go's map order (sorted; a repeated name once,
 * its last value, as Go's decoder keeps it). */
static size_t sorted_members(const cJSON *o, const cJSON ***out)
{
	size_t n = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, o) {
		n++;
	}
	const cJSON **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		abort();
	n = 0;
	cJSON_ArrayForEach (c, o) {
		v[n++] = c;
	}
	/* stable: keep the last of equal names */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[i] && v[j] && !strcmp(v[i]->string, v[j]->string)) {
				v[i] = NULL;
				break;
			}
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i])
			v[m++] = v[i];
	qsort(v, m, sizeof(*v), cmp_names);
	*out = v;
	return m;
}

static void go_number(cube_sb *b, double d)
{
	if (isnan(d) || isinf(d)) {
		cube_sb_str(b, "null");
		return;
	}
	if (d == floor(d) && fabs(d) < 9.2e18) {
		cube_sb_printf(b, "%lld", (long long)d);
		return;
	}
	/* shortest representation that reads back the same */
	char tmp[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	cube_sb_str(b, tmp);
}

static void go_string(cube_sb *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	cube_sb_add(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char ch = *p;
		switch (ch) {
		case '"':
			cube_sb_str(b, "\\\"");
			continue;
		case '\\':
			cube_sb_str(b, "\\\\");
			continue;
		case '\n':
			cube_sb_str(b, "\\n");
			continue;
		case '\r':
			cube_sb_str(b, "\\r");
			continue;
		case '\t':
			cube_sb_str(b, "\\t");
			continue;
		case '\b':
			cube_sb_str(b, "\\b");
			continue;
		case '\f':
			cube_sb_str(b, "\\f");
			continue;
		case '<':
		case '>':
		case '&':
			break;
		default:
			if (ch >= 0x20) {
				/* U+2028 and U+2029 are escaped too */
				if (ch == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
					cube_sb_str(b, p[2] == 0xA8 ? "\\u2028" : "\\u2029");
					p += 2;
					continue;
				}
				cube_sb_add(b, (const char *)p, 1);
				continue;
			}
		}
		char u[7] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15], 0};
		cube_sb_str(b, u);
	}
	cube_sb_add(b, "\"", 1);
}

static void go_indent(cube_sb *b, int indent, int level)
{
	cube_sb_add(b, "\n", 1);
	for (int i = 0; i < indent * level; i++)
		cube_sb_add(b, " ", 1);
}

static void go_json(cube_sb *b, const cJSON *v, int indent, int level)
{
	if (cJSON_IsObject(v)) {
		const cJSON **m;
		size_t n = sorted_members(v, &m);
		if (!n) {
			cube_sb_str(b, "{}");
			free(m);
			return;
		}
		cube_sb_add(b, "{", 1);
		for (size_t i = 0; i < n; i++) {
			if (i)
				cube_sb_add(b, ",", 1);
			if (indent)
				go_indent(b, indent, level + 1);
			go_string(b, m[i]->string);
			cube_sb_str(b, indent ? ": " : ":");
			go_json(b, m[i], indent, level + 1);
		}
		if (indent)
			go_indent(b, indent, level);
		cube_sb_add(b, "}", 1);
		free(m);
	} else if (cJSON_IsArray(v)) {
		if (!v->child) {
			cube_sb_str(b, "[]");
			return;
		}
		cube_sb_add(b, "[", 1);
		const cJSON *c;
		bool first = true;
		cJSON_ArrayForEach (c, v) {
			if (!first)
				cube_sb_add(b, ",", 1);
			first = false;
			if (indent)
				go_indent(b, indent, level + 1);
			go_json(b, c, indent, level + 1);
		}
		if (indent)
			go_indent(b, indent, level);
		cube_sb_add(b, "]", 1);
	} else if (cJSON_IsString(v)) {
		go_string(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		go_number(b, v->valuedouble);
	} else if (cJSON_IsTrue(v)) {
		cube_sb_str(b, "true");
	} else if (cJSON_IsFalse(v)) {
		cube_sb_str(b, "false");
	} else {
		cube_sb_str(b, "null");
	}
}

char *cctl_json_go(const cJSON *v, int indent)
{
	cube_sb b = {0};
	go_json(&b, v, indent, 0);
	return cube_sb_take(&b);
}

static void go_sprint(cube_sb *b, const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		const cJSON **m;
		size_t n = sorted_members(v, &m);
		cube_sb_str(b, "map[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				cube_sb_add(b, " ", 1);
			cube_sb_str(b, m[i]->string);
			cube_sb_add(b, ":", 1);
			go_sprint(b, m[i]);
		}
		cube_sb_add(b, "]", 1);
		free(m);
	} else if (cJSON_IsArray(v)) {
		cube_sb_add(b, "[", 1);
		const cJSON *c;
		bool first = true;
		cJSON_ArrayForEach (c, v) {
			if (!first)
				cube_sb_add(b, " ", 1);
			first = false;
			go_sprint(b, c);
		}
		cube_sb_add(b, "]", 1);
	} else if (cJSON_IsString(v)) {
		cube_sb_str(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9.2e18) {
			cube_sb_printf(b, "%lld", (long long)d);
		} else {
			/* Go's %v of a float64: shortest 'g', exponent for < 1e-4 or >= 1e21 */
			char tmp[64];
			for (int prec = 1; prec <= 17; prec++) {
				snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
				if (strtod(tmp, NULL) == d)
					break;
			}
			cube_sb_str(b, tmp);
		}
	} else if (cJSON_IsTrue(v)) {
		cube_sb_str(b, "true");
	} else if (cJSON_IsFalse(v)) {
		cube_sb_str(b, "false");
	} else {
		cube_sb_str(b, "<nil>");
	}
}

char *cctl_go_sprint(const cJSON *v)
{
	cube_sb b = {0};
	go_sprint(&b, v);
	return cube_sb_take(&b);
}

cJSON *cctl_sorted_copy(const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		cJSON *o = cJSON_CreateObject();
		const cJSON **m;
		size_t n = sorted_members(v, &m);
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToObject(o, m[i]->string, cctl_sorted_copy(m[i]));
		free(m);
		return o;
	}
	if (cJSON_IsArray(v)) {
		cJSON *a = cJSON_CreateArray();
		const cJSON *c;
		cJSON_ArrayForEach (c, v) {
			cJSON_AddItemToArray(a, cctl_sorted_copy(c));
		}
		return a;
	}
	return cJSON_Duplicate(v, true);
}

void cctl_print_yaml(FILE *f, const cJSON *obj)
{
	cube_autojson cJSON *s = cctl_sorted_copy(obj);
	cube_autofree char *y = cube_yaml_emit(s);
	if (y)
		fputs(y, f);
}

cJSON *cctl_list_wrap(cJSON *items)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "apiVersion", "v1");
	cJSON_AddItemToObject(l, "items", items);
	cJSON_AddStringToObject(l, "kind", "List");
	cJSON *md = cJSON_AddObjectToObject(l, "metadata");
	cJSON_AddStringToObject(md, "resourceVersion", "");
	return l;
}

/* ---- ages ---------------------------------------------------------------------------------- */

void cctl_human_duration(int64_t seconds, char *buf, size_t size)
{
	if (seconds < -1) {
		snprintf(buf, size, "<invalid>");
		return;
	}
	if (seconds < 0)
		seconds = 0;
	int64_t minutes = seconds / 60, hours = seconds / 3600;
	if (seconds < 120)
		snprintf(buf, size, "%llds", (long long)seconds);
	else if (minutes < 10) {
		int64_t s = seconds % 60;
		if (s == 0)
			snprintf(buf, size, "%lldm", (long long)minutes);
		else
			snprintf(buf, size, "%lldm%llds", (long long)minutes, (long long)s);
	} else if (minutes < 180)
		snprintf(buf, size, "%lldm", (long long)minutes);
	else if (hours < 8) {
		int64_t m = minutes % 60;
		if (m == 0)
			snprintf(buf, size, "%lldh", (long long)hours);
		else
			snprintf(buf, size, "%lldh%lldm", (long long)hours, (long long)m);
	} else if (hours < 48)
		snprintf(buf, size, "%lldh", (long long)hours);
	else if (hours < 192) {
		int64_t h = hours % 24;
		if (h == 0)
			snprintf(buf, size, "%lldd", (long long)(hours / 24));
		else
			snprintf(buf, size, "%lldd%lldh", (long long)(hours / 24), (long long)h);
	} else if (hours < 24 * 365 * 2)
		snprintf(buf, size, "%lldd", (long long)(hours / 24));
	else if (hours < 24 * 365 * 8) {
		int64_t dy = (hours / 24) % 365;
		if (dy == 0)
			snprintf(buf, size, "%lldy", (long long)(hours / 24 / 365));
		else
			snprintf(buf, size, "%lldy%lldd", (long long)(hours / 24 / 365),
				 (long long)dy);
	} else
		snprintf(buf, size, "%lldy", (long long)(hours / 24 / 365));
}

void cctl_age(const char *ts, char *buf, size_t size)
{
	double t;
	if (!ts || !cube_time_parse(ts, &t)) {
		snprintf(buf, size, "<unknown>");
		return;
	}
	cctl_human_duration((int64_t)(cube_time_wall() - t), buf, size);
}
