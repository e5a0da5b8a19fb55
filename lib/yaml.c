/* yaml.c - YAML to cJSON and back over libyaml's event API, typed as
 * go-yaml v2 and sigs.k8s.io/yaml type it (see yaml.h for the rules).
 *
 * Parsing walks libyaml's events and builds the tree with an explicit stack,
 * one frame per open mapping or sequence, so deep input costs heap and not C
 * stack.  resolve() is a transcription of go-yaml v2's resolve.go (the table
 * of words, then Go's ParseInt/ParseUint/ParseFloat rules), decode_scalar()
 * of its decoder's scalar(), and key_string() of sigs.k8s.io/yaml's key
 * conversion.  Anchors live in a per-document map holding a finished copy of
 * each anchored value: an alias is a cJSON_Duplicate of it, and later changes
 * to the tree (a repeated key replacing an anchored value) cannot leave an
 * alias pointing at freed memory.
 *
 * Emitting feeds libyaml's emitter the events go-yaml's encoder would, with
 * each string's style chosen as go-yaml's stringv() chooses it; libyaml then
 * falls back to quotes where a style is not possible.
 */
#define CUBE_YAML_WANT_LIBYAML 1
#include <yaml.h> /* lib/yaml.h, then libyaml's own: see the end of lib/yaml.h */

#include <errno.h>
#include <stdarg.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "strmap.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

/* A mapping gets a hash index of its keys once it has this many. */
#define INDEX_AT 16

/* Input quoted in messages is cut after this many bytes. */
#define QUOTE_MAX 40

/* ---- scalar resolution (go-yaml v2's resolve.go) ------------------------------ */

/* What a scalar resolves to; also stands for the standard tags. */
typedef enum rkind {
	R_NULL,
	R_BOOL,
	R_INT,	/* fits an int64 */
	R_UINT, /* 2^63 .. 2^64-1 */
	R_BIG,	/* a prefixed (0x, 0o, 0b) unsigned integer past 64 bits */
	R_FLOAT,
	R_STR,
	R_TIMESTAMP,
	/* tags that are not resolution results */
	T_NONE,	  /* no tag */
	T_BINARY, /* !!binary */
	T_MERGE,  /* !!merge */
	T_OTHER,  /* anything else: the scalar stays a string */
} rkind;

typedef struct resolved {
	rkind kind;
	bool b;
	int64_t i;
	uint64_t u;
	double f; /* the number, for every numeric kind */
} resolved;

/* The short tag name of a kind, for "cannot decode !!str `x` as a !!int". */
static const char *kind_tag(rkind k)
{
	switch (k) {
	case R_NULL:
		return "null";
	case R_BOOL:
		return "bool";
	case R_INT:
	case R_UINT:
	case R_BIG:
		return "int";
	case R_FLOAT:
		return "float";
	case R_TIMESTAMP:
		return "timestamp";
	case T_BINARY:
		return "binary";
	case T_MERGE:
		return "merge";
	default:
		return "str";
	}
}

static const struct word {
	const char *s;
	rkind kind;
	bool b;
	double f;
} words[] = {
	{"y", R_BOOL, true, 0},
	{"Y", R_BOOL, true, 0},
	{"yes", R_BOOL, true, 0},
	{"Yes", R_BOOL, true, 0},
	{"YES", R_BOOL, true, 0},
	{"true", R_BOOL, true, 0},
	{"True", R_BOOL, true, 0},
	{"TRUE", R_BOOL, true, 0},
	{"on", R_BOOL, true, 0},
	{"On", R_BOOL, true, 0},
	{"ON", R_BOOL, true, 0},
	{"n", R_BOOL, false, 0},
	{"N", R_BOOL, false, 0},
	{"no", R_BOOL, false, 0},
	{"No", R_BOOL, false, 0},
	{"NO", R_BOOL, false, 0},
	{"false", R_BOOL, false, 0},
	{"False", R_BOOL, false, 0},
	{"FALSE", R_BOOL, false, 0},
	{"off", R_BOOL, false, 0},
	{"Off", R_BOOL, false, 0},
	{"OFF", R_BOOL, false, 0},
	{"", R_NULL, false, 0},
	{"~", R_NULL, false, 0},
	{"null", R_NULL, false, 0},
	{"Null", R_NULL, false, 0},
	{"NULL", R_NULL, false, 0},
	{".nan", R_FLOAT, false, NAN},
	{".NaN", R_FLOAT, false, NAN},
	{".NAN", R_FLOAT, false, NAN},
	{".inf", R_FLOAT, false, INFINITY},
	{".Inf", R_FLOAT, false, INFINITY},
	{".INF", R_FLOAT, false, INFINITY},
	{"+.inf", R_FLOAT, false, INFINITY},
	{"+.Inf", R_FLOAT, false, INFINITY},
	{"+.INF", R_FLOAT, false, INFINITY},
	{"-.inf", R_FLOAT, false, -INFINITY},
	{"-.Inf", R_FLOAT, false, -INFINITY},
	{"-.INF", R_FLOAT, false, -INFINITY},
};

/* go-yaml's resolve table: the first character says what a scalar may be.
 * ("<<" is in go-yaml's word map too, but '<' has no hint, so the lookup
 * never finds it: a plain << value is the string "<<".) */
static char hint(unsigned char c)
{
	if (c == '+' || c == '-')
		return 'S';
	if (c >= '0' && c <= '9')
		return 'D';
	if (c && strchr("yYnNtTfFoO~", c))
		return 'M';
	if (c == '.')
		return '.';
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The character at *i, after any underscores when skip_us. */
static char at(const char *s, size_t n, size_t *i, bool skip_us)
{
	while (skip_us && *i < n && s[*i] == '_')
		(*i)++;
	return *i < n ? s[*i] : '\0';
}

/* Counts and skips digits at *i. */
static size_t digits(const char *s, size_t n, size_t *i, bool skip_us)
{
	size_t k = 0;
	while (is_digit(at(s, n, i, skip_us)))
		(*i)++, k++;
	return k;
}

/* Go's strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64), on s with
 * underscores skipped (go-yaml removes them first).  Base 0: an optional sign,
 * then 0b/0o/0x (when something follows) or a leading 0 for octal.  Sets r
 * and returns true for an int64 or uint64.  Otherwise sets *range when the
 * only fault was ParseUint's (an unsigned magnitude past 64 bits; go-yaml
 * then tries math/big) and leaves that magnitude, approximately, in r->f. */
static bool parse_int(const char *s, size_t n, resolved *r, bool *range)
{
	size_t i = 0;
	*range = false;
	bool neg = false, sign = false;
	char c = at(s, n, &i, true);
	if (c == '+' || c == '-') {
		sign = true;
		neg = c == '-';
		i++;
	}
	at(s, n, &i, true);
	if (i == n)
		return false;
	unsigned base = 10;
	if (s[i] == '0') {
		/* Go wants len(s) >= 3 for a letter prefix: "0x" alone is octal "x". */
		size_t j = i + 1;
		char p = (char)(at(s, n, &j, true) | 0x20);
		size_t k = j + 1;
		if ((p == 'b' || p == 'o' || p == 'x') && j < n && at(s, n, &k, true) && k < n) {
			base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
			i = k;
		} else {
			base = 8;
			i++;
		}
	}
	uint64_t v = 0;
	long double big = 0;
	bool over = false;
	for (;;) {
		at(s, n, &i, true);
		if (i == n)
			break;
		c = s[i++];
		unsigned d;
		if (is_digit(c))
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return false;
		if (d >= base)
			return false;
		big = big * base + d;
		if (!over && v > (UINT64_MAX - d) / base)
			over = true;
		if (!over)
			v = v * base + d;
	}
	if (over) {
		/* A range error for ParseUint, which refuses signs outright. */
		*range = !sign;
		r->f = (double)big;
		return false;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		r->kind = R_INT;
		r->i = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
		r->f = (double)r->i;
		return true;
	}
	if (v <= INT64_MAX) {
		r->kind = R_INT;
		r->i = (int64_t)v;
		r->f = (double)v;
		return true;
	}
	if (sign)
		return false;
	r->kind = R_UINT;
	r->u = v;
	r->f = (double)v;
	return true;
}

/* go-yaml's yamlStyleFloat, on s with underscores skipped when skip_us:
 * ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool float_syntax(const char *s, size_t n, bool skip_us)
{
	size_t i = 0;
	char c = at(s, n, &i, skip_us);
	if (c == '+' || c == '-')
		i++;
	size_t whole = digits(s, n, &i, skip_us);
	if (at(s, n, &i, skip_us) == '.') {
		i++;
		if (!digits(s, n, &i, skip_us) && !whole)
			return false;
	} else if (!whole) {
		return false;
	}
	c = at(s, n, &i, skip_us);
	if (c == 'e' || c == 'E') {
		i++;
		c = at(s, n, &i, skip_us);
		if (c == '+' || c == '-')
			i++;
		if (!digits(s, n, &i, skip_us))
			return false;
	}
	at(s, n, &i, skip_us);
	return i == n;
}

/* strtod of s without its underscores; false on overflow (Go's ErrRange).
 * -1 on ENOMEM. */
static int to_double(const char *s, size_t n, double *out)
{
	char small[128];
	char *buf = n < sizeof(small) ? small : malloc(n + 1);
	if (!buf)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			buf[k++] = s[i];
	buf[k] = '\0';
	errno = 0;
	double d = strtod(buf, NULL);
	if (buf != small)
		free(buf);
	*out = d;
	return isinf(d) ? 0 : 1;
}

static int days_in_month(long y, long m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Reads 1 or 2 digits (Go's layout fields "1", "2", "15", "4", "5"). */
static bool num12(const char *s, size_t n, size_t *i, long *v)
{
	if (*i >= n || !is_digit(s[*i]))
		return false;
	*v = s[(*i)++] - '0';
	if (*i < n && is_digit(s[*i]))
		*v = *v * 10 + (s[(*i)++] - '0');
	return true;
}

/* go-yaml's parseTimestamp: one of the layouts 2006-1-2T15:4:5.999999999Z07:00
 * (T or t), "2006-1-2 15:4:5.999999999" and 2006-1-2, with Go's range checks. */
static bool is_timestamp(const char *s, size_t n)
{
	size_t i = 0;
	long y = 0, mo, d, h, mi, se;
	for (; i < 4; i++) {
		if (i >= n || !is_digit(s[i]))
			return false;
		y = y * 10 + (s[i] - '0');
	}
	if (i >= n || s[i++] != '-' || !num12(s, n, &i, &mo) || i >= n || s[i++] != '-' ||
	    !num12(s, n, &i, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return false;
	if (i == n)
		return true;
	char sep = s[i++];
	if (sep != 'T' && sep != 't' && sep != ' ')
		return false;
	if (!num12(s, n, &i, &h) || i >= n || s[i++] != ':' || !num12(s, n, &i, &mi) || i >= n ||
	    s[i++] != ':' || !num12(s, n, &i, &se))
		return false;
	if (h > 23 || mi > 59 || se > 59)
		return false;
	if (i < n && s[i] == '.') {
		size_t f = ++i;
		while (i < n && is_digit(s[i]))
			i++;
		if (i == f)
			return false;
	}
	if (sep == ' ')
		return i == n;
	if (i < n && s[i] == 'Z')
		return i + 1 == n;
	long zh, zm;
	if (i + 6 != n || (s[i] != '+' && s[i] != '-'))
		return false;
	i++;
	if (!is_digit(s[i]) || !is_digit(s[i + 1]) || s[i + 2] != ':' || !is_digit(s[i + 3]) ||
	    !is_digit(s[i + 4]))
		return false;
	zh = (s[i] - '0') * 10 + (s[i + 1] - '0');
	zm = (s[i + 3] - '0') * 10 + (s[i + 4] - '0');
	return zh <= 23 && zm <= 59;
}

/* go-yaml v2's resolve(tag, in), for `want` T_NONE (no tag) or one of the
 * resolvable tags: fills r with what `in` is.  -1 on ENOMEM. */
static int resolve(const char *in, size_t n, rkind want, resolved *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = R_STR;
	char h = n ? hint((unsigned char)in[0]) : 'N';
	if (!h || want == R_STR)
		return 0;
	for (size_t w = 0; w < CUBE_ARRAY_LEN(words); w++) {
		if (strlen(words[w].s) == n && memcmp(words[w].s, in, n) == 0) {
			r->kind = words[w].kind;
			r->b = words[w].b;
			r->f = words[w].f;
			return 0;
		}
	}
	if (h == '.') {
		/* Go's ParseFloat(in): a '.' start leaves only \.[0-9]+([eE][-+]?[0-9]+)?
		 * (Go refuses underscores without a base prefix). */
		if (float_syntax(in, n, false)) {
			double d;
			int ok = to_double(in, n, &d);
			if (ok < 0)
				return -1;
			if (ok) {
				r->kind = R_FLOAT;
				r->f = d;
			}
		}
		return 0;
	}
	if (h != 'D' && h != 'S')
		return 0;
	/* Timestamps stay strings unless tagged !!timestamp; only then does the
	 * difference show (a timestamp is never also a number). */
	if (want == R_TIMESTAMP && is_timestamp(in, n)) {
		r->kind = R_TIMESTAMP;
		return 0;
	}
	bool range;
	if (parse_int(in, n, r, &range))
		return 0;
	double big = r->f;
	if (float_syntax(in, n, true)) {
		double d;
		int ok = to_double(in, n, &d);
		if (ok < 0)
			return -1;
		if (ok) {
			r->kind = R_FLOAT;
			r->f = d;
			return 0;
		}
	}
	if (range) {
		r->kind = R_BIG;
		r->f = big;
		return 0;
	}
	r->f = 0;
	return 0;
}

/* The kind of a scalar's tag as libyaml reports it (handles expanded). */
static rkind tag_kind(const char *tag)
{
	static const struct {
		const char *name;
		rkind kind;
	} tags[] = {
		{"str", R_STR},	      {"int", R_INT},	  {"float", R_FLOAT},
		{"bool", R_BOOL},     {"null", R_NULL},	  {"timestamp", R_TIMESTAMP},
		{"binary", T_BINARY}, {"merge", T_MERGE},
	};
	if (!tag)
		return T_NONE;
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
		return T_OTHER;
	const char *name = tag + strlen(TAG_PREFIX);
	for (size_t i = 0; i < CUBE_ARRAY_LEN(tags); i++)
		if (strcmp(name, tags[i].name) == 0)
			return tags[i].kind;
	return T_OTHER;
}

/* ---- small helpers --------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n) (as libyaml checks it: no
 * overlongs, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t v;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		len = 2, v = c & 0x1F;
	else if ((c & 0xF0) == 0xE0)
		len = 3, v = c & 0x0F;
	else if ((c & 0xF8) == 0xF0)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3F);
	}
	if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	return len;
}

static bool utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len((const unsigned char *)s + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* Writes s[0..n) for a message: printable ASCII as is, the rest as \xNN,
 * cut at QUOTE_MAX bytes with "...". */
static void quote(char *out, size_t size, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == QUOTE_MAX) {
			memcpy(out + k, "...", 3);
			k += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7F)
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, size - k, "\\x%02X", c);
	}
	out[k] = '\0';
}

/* Go's strconv.FormatFloat(v, 'g', -1, f32 ? 32 : 64), with go-yaml's names
 * for the infinities and NaN: the shortest digits that read back as the same
 * float32/float64, in %e form when the exponent is below -4 or at least 6. */
static void go_format_g(double v, bool f32, char *out, size_t size)
{
	if (f32 && !isnan(v) && !isinf(v)) {
		/* float32(v), rounding to nearest and overflowing to infinity as Go
		 * does (a C cast of an out-of-range value is undefined). */
		if (fabs(v) >= 0x1.ffffffp+127)
			v = v < 0 ? -INFINITY : INFINITY;
		else if (fabs(v) > FLT_MAX)
			v = v < 0 ? -FLT_MAX : FLT_MAX;
	}
	if (isnan(v)) {
		snprintf(out, size, ".nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, size, v < 0 ? "-.inf" : ".inf");
		return;
	}
	float fv = f32 ? (float)v : 0;
	char e[48];
	for (int p = 1; p <= 17; p++) {
		if (f32)
			snprintf(e, sizeof(e), "%.*e", p - 1, (double)fv);
		else
			snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (f32 ? strtof(e, NULL) == fv : strtod(e, NULL) == v)
			break;
	}
	/* e is "[-]d[.ddd]e[+-]XX": take the dig and the exponent apart. */
	char dig[24] = {0};
	size_t nd = 0;
	const char *c = e;
	bool neg = *c == '-';
	if (neg)
		c++;
	for (; *c && *c != 'e' && nd < sizeof(dig); c++)
		if (is_digit(*c))
			dig[nd++] = *c;
	int exp = atoi(c + 1);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	size_t k = 0;
	if (neg)
		out[k++] = '-';
	if (exp < -4 || exp >= 6) {
		out[k++] = dig[0];
		if (nd > 1) {
			out[k++] = '.';
			memcpy(out + k, dig + 1, nd - 1);
			k += nd - 1;
		}
		snprintf(out + k, size - k, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (int z = -1; z > exp; z--)
			out[k++] = '0';
		memcpy(out + k, dig, nd);
		k += nd;
	} else {
		for (int d = 0; d <= exp; d++)
			out[k++] = (size_t)d < nd ? dig[d] : '0';
		if (nd > (size_t)exp + 1) {
			out[k++] = '.';
			memcpy(out + k, dig + exp + 1, nd - (size_t)exp - 1);
			k += nd - (size_t)exp - 1;
		}
	}
	out[k] = '\0';
}

/* (yaml.h) */
char *cube_base64_decode(const char *s, size_t n, size_t *out_len, bool *bad)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	*bad = false;
	char *out = malloc(n / 4 * 3 + 4);
	if (!out)
		return NULL;
	size_t k = 0, q = 0, pad = 0;
	uint32_t acc = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			acc <<= 6;
			q++;
		} else {
			const char *p = c ? strchr(alphabet, c) : NULL;
			if (!p || pad) {
				*bad = true;
				free(out);
				return NULL;
			}
			acc = acc << 6 | (uint32_t)(p - alphabet);
			q++;
		}
		if (q == 4) {
			if (pad > 2) {
				*bad = true;
				free(out);
				return NULL;
			}
			out[k++] = (char)(acc >> 16);
			if (pad < 2)
				out[k++] = (char)(acc >> 8 & 0xFF);
			if (pad < 1)
				out[k++] = (char)(acc & 0xFF);
			q = 0;
			acc = 0;
			if (pad)
				pad = 3; /* nothing may follow a padded quantum */
		}
	}
	if (q != 0) {
		*bad = true;
		free(out);
		return NULL;
	}
	out[k] = '\0';
	*out_len = k;
	return out;
}

/* ---- the parser --------------------------------------------------------------------- */

/* An anchored value, finished (copy set) or still open (copy NULL). */
typedef struct anchor {
	cJSON *copy;
	char *key;	   /* a scalar's key form; NULL if it cannot be a key */
	char *key_problem; /* ...and why */
	size_t nodes;	   /* nodes decoded for it (go-yaml's count) */
	size_t bytes;	   /* string bytes in it */
	size_t depth;	   /* levels of collections in it: 0 for a scalar */
	unsigned long serial;
} anchor;

/* An open mapping or sequence. */
typedef struct frame {
	cJSON *node;
	bool is_map;
	bool have_key; /* mapping: a key waits for its value */
	bool merge;    /* ...and it is the merge key << */
	char *key;
	yaml_mark_t mark, key_mark;
	char *anchor; /* its anchor's name, or NULL */
	unsigned long serial;
	size_t nodes0, bytes0; /* the counters when it opened */
	size_t depth;	       /* deepest child's levels */
	size_t count;
	cube_strmap *index; /* mapping: key -> item, once it has INDEX_AT keys */
} frame;

typedef struct parser {
	size_t len; /* of the input: scales the alias byte bound */
	cube_err *err;
	frame *stack;
	size_t top, cap;
	cube_strmap *anchors; /* name -> anchor, for the current document */
	unsigned long serial;
	size_t nodes, alias_nodes, alias_bytes, bytes;
	cJSON *root; /* the current document's value once complete */
	cJSON *docs;
	size_t max_docs; /* 0: any number */
	yaml_mark_t doc_mark;
} parser;

static int fail_at(parser *p, cube_errc code, yaml_mark_t mark, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at(parser *p, cube_errc code, yaml_mark_t mark, const char *fmt, ...)
{
	char msg[CUBE_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cube_err_set(p->err, code, "yaml: line %zu, column %zu: %s", mark.line + 1,
			    mark.column + 1, msg);
}

static int oom(parser *p)
{
	return cube_err_set(p->err, CUBE_ENOMEM, "yaml: out of memory");
}

static void anchor_free(anchor *a)
{
	if (!a)
		return;
	cJSON_Delete(a->copy);
	free(a->key);
	free(a->key_problem);
	free(a);
}

static int anchor_free_cb(void *ud, const char *key, void *value)
{
	(void)ud;
	(void)key;
	anchor_free(value);
	return 0;
}

static void anchors_clear(parser *p)
{
	if (p->anchors) {
		cube_strmap_each(p->anchors, anchor_free_cb, NULL);
		cube_strmap_free(p->anchors);
		p->anchors = NULL;
	}
}

/* Adds (or redefines) anchor `name`; returns it, NULL on ENOMEM. */
static anchor *anchor_new(parser *p, const char *name)
{
	if (!p->anchors && !(p->anchors = cube_strmap_new()))
		return NULL;
	anchor *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->serial = ++p->serial;
	void *old = NULL;
	if (cube_strmap_put(p->anchors, name, a, &old) < 0) {
		free(a);
		return NULL;
	}
	anchor_free(old);
	return a;
}

static void frame_clear(frame *f)
{
	cJSON_Delete(f->node);
	free(f->key);
	free(f->anchor);
	cube_strmap_free(f->index);
	memset(f, 0, sizeof(*f));
}

/* go-yaml's check against "billion laughs": aliased nodes may be 99% of a
 * small document, falling to 10% from 400,000 to 4,000,000 nodes; cube
 * also caps the string bytes aliases copy. */
static bool excessive_aliasing(const parser *p)
{
	size_t max_bytes =
		p->len > CUBE_YAML_ALIAS_BYTES_MIN / 8 ? p->len * 8 : CUBE_YAML_ALIAS_BYTES_MIN;
	if (p->alias_bytes > max_bytes)
		return true;
	if (p->alias_nodes <= 100 || p->nodes <= 1000)
		return false;
	double allowed;
	if (p->nodes <= 400000)
		allowed = 0.99;
	else if (p->nodes >= 4000000)
		allowed = 0.10;
	else
		allowed = 0.99 - 0.89 * ((double)(p->nodes - 400000) / 3600000.0);
	return (double)p->alias_nodes / (double)p->nodes > allowed;
}

static cJSON *map_find(frame *f, const char *key)
{
	if (f->index)
		return cube_strmap_get(f->index, key);
	cJSON *c;
	cJSON_ArrayForEach (c, f->node) {
		if (c->string && strcmp(c->string, key) == 0)
			return c;
	}
	return NULL;
}

/* Sets f's key (taking it) to item (taking it): a repeated key keeps its
 * place and takes the new value, as go-yaml's map assignment does. */
static int map_set(parser *p, frame *f, char *key, cJSON *item)
{
	cJSON *old = map_find(f, key);
	item->string = key;
	item->type &= ~cJSON_StringIsConst;
	if (old) {
		cJSON_ReplaceItemViaPointer(f->node, old, item);
	} else {
		cJSON_AddItemToArray(f->node, item); /* objects are arrays with names */
		f->count++;
	}
	if (f->index) {
		if (cube_strmap_put(f->index, key, item, NULL) < 0)
			return oom(p);
	} else if (f->count >= INDEX_AT) {
		if (!(f->index = cube_strmap_new()))
			return oom(p);
		cJSON *c;
		cJSON_ArrayForEach (c, f->node) {
			if (cube_strmap_put(f->index, c->string, c, NULL) < 0)
				return oom(p);
		}
	}
	return 0;
}

/* Moves every entry of the object src into f, in order. */
static int merge_map(parser *p, frame *f, cJSON *src)
{
	while (src->child) {
		cJSON *c = cJSON_DetachItemViaPointer(src, src->child);
		char *key = c->string;
		c->string = NULL;
		if (!key && !(key = strdup(""))) {
			cJSON_Delete(c);
			return oom(p);
		}
		if (map_set(p, f, key, c) < 0)
			return -1;
	}
	return 0;
}

/* The value of a merge key: a mapping, or a sequence of mappings of which
 * earlier ones win (go-yaml merges them from the last to the first). */
static int merge_into(parser *p, frame *f, cJSON *item)
{
	int rc = 0;
	if (cJSON_IsObject(item)) {
		rc = merge_map(p, f, item);
	} else if (cJSON_IsArray(item)) {
		cJSON *c;
		cJSON_ArrayForEach (c, item) {
			if (!cJSON_IsObject(c))
				goto want_map;
		}
		while (rc == 0 && item->child) {
			cJSON *last = cJSON_DetachItemViaPointer(item, item->child->prev);
			rc = merge_map(p, f, last);
			cJSON_Delete(last);
		}
	} else {
		goto want_map;
	}
	cJSON_Delete(item);
	return rc;
want_map:
	cJSON_Delete(item);
	return fail_at(p, CUBE_EINVAL, f->key_mark,
		       "map merge requires map or sequence of maps as the value");
}

/* Places a finished value (taking it) where the stack says: the document
 * root, the next array element, or the value of the waiting key. */
static int place(parser *p, cJSON *item, size_t depth)
{
	if (!p->top) {
		cJSON_Delete(p->root);
		p->root = item;
		return 0;
	}
	frame *f = &p->stack[p->top - 1];
	if (depth > f->depth)
		f->depth = depth;
	if (!f->is_map) {
		cJSON_AddItemToArray(f->node, item);
		f->count++;
		return 0;
	}
	if (!f->have_key) {
		/* Cannot happen: keys are taken by on_scalar, on_alias and on_start. */
		cJSON_Delete(item);
		return cube_err_set(p->err, CUBE_EINVAL, "yaml: a value without a key");
	}
	bool merge = f->merge;
	char *key = f->key;
	f->key = NULL;
	f->have_key = false;
	f->merge = false;
	if (merge)
		return merge_into(p, f, item);
	return map_set(p, f, key, item);
}

/* The string form of a scalar key, as sigs.k8s.io/yaml converts go-yaml's
 * key types; NULL with *problem (malloc'd, or NULL on ENOMEM) otherwise. */
static char *key_string(const resolved *r, const char *s, size_t n, char **problem)
{
	char buf[64], q[QUOTE_MAX * 4 + 8];
	*problem = NULL;
	switch (r->kind) {
	case R_INT:
		snprintf(buf, sizeof(buf), "%" PRId64, r->i);
		return strdup(buf);
	case R_FLOAT:
		go_format_g(r->f, true, buf, sizeof(buf));
		return strdup(buf);
	case R_BOOL:
		return strdup(r->b ? "true" : "false");
	case R_NULL:
		quote(q, sizeof(q), s, n);
		if (asprintf(problem, "unsupported map key `%s` (null)", q) < 0)
			*problem = NULL;
		return NULL;
	case R_UINT:
	case R_BIG:
		quote(q, sizeof(q), s, n);
		if (asprintf(problem, "unsupported map key `%s` (an integer past int64)", q) < 0)
			*problem = NULL;
		return NULL;
	default:
		return strndup(s, n);
	}
}

static cJSON *scalar_item(const resolved *r, const char *s)
{
	switch (r->kind) {
	case R_NULL:
		return cJSON_CreateNull();
	case R_BOOL:
		return cJSON_CreateBool(r->b);
	case R_INT:
	case R_UINT:
	case R_BIG:
	case R_FLOAT: {
		/* cJSON_CreateNumber saturates valueint itself, but converts
		 * NaN to int first: set the fields by hand for those. */
		cJSON *c = cJSON_CreateNumber(isnan(r->f) ? 0 : r->f);
		if (c)
			c->valuedouble = r->f;
		return c;
	}
	default:
		return cJSON_CreateString(s);
	}
}

/* go-yaml's decoder scalar(): types the scalar event (a tag, if any, as
 * go-yaml honours it).  A !!binary value is decoded into *bin.  Fails on a
 * value its tag cannot hold. */
static int decode_scalar(parser *p, const yaml_event_t *ev, resolved *r, char **bin,
			 size_t *bin_len)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	rkind want = tag_kind((const char *)ev->data.scalar.tag);
	memset(r, 0, sizeof(*r));
	r->kind = R_STR;
	*bin = NULL;
	switch (want) {
	case T_NONE:
		if (!ev->data.scalar.plain_implicit)
			return 0; /* quoted or block: a string */
		if (resolve(v, n, T_NONE, r) < 0)
			return oom(p);
		if (r->kind == R_TIMESTAMP)
			r->kind = R_STR;
		return 0;
	case T_OTHER:
	case T_MERGE:
		return 0;
	case T_BINARY: {
		bool bad;
		*bin = cube_base64_decode(v, n, bin_len, &bad);
		if (!*bin && !bad)
			return oom(p);
		if (!*bin)
			return fail_at(p, CUBE_EINVAL, ev->start_mark,
				       "!!binary value contains invalid base64 data");
		if (!utf8_valid(*bin, *bin_len) || memchr(*bin, 0, *bin_len)) {
			free(*bin);
			*bin = NULL;
			return fail_at(p, CUBE_EINVAL, ev->start_mark,
				       "!!binary value is not UTF-8 text (not supported)");
		}
		return 0;
	}
	default:
		break;
	}
	if (resolve(v, n, want, r) < 0)
		return oom(p);
	if (strcmp(kind_tag(r->kind), kind_tag(want)) == 0 || want == R_STR) {
		if (r->kind == R_TIMESTAMP || want == R_STR)
			r->kind = R_STR;
		return 0;
	}
	if (want == R_FLOAT && r->kind == R_INT) {
		r->kind = R_FLOAT;
		return 0;
	}
	char q[QUOTE_MAX * 4 + 8];
	quote(q, sizeof(q), v, n);
	return fail_at(p, CUBE_EINVAL, ev->start_mark, "cannot decode !!%s `%s` as a !!%s",
		       kind_tag(r->kind), q, kind_tag(want));
}

static int on_scalar(parser *p, const yaml_event_t *ev)
{
	resolved r;
	char *bin = NULL;
	size_t bin_len = 0;
	if (decode_scalar(p, ev, &r, &bin, &bin_len) < 0)
		return -1;
	cube_autofree char *bin_owned = bin;
	const char *s = bin ? bin : (const char *)ev->data.scalar.value;
	size_t n = bin ? bin_len : ev->data.scalar.length;
	if (r.kind == R_STR && memchr(s, 0, n))
		return fail_at(p, CUBE_EINVAL, ev->start_mark,
			       "NUL characters in strings are not supported");
	p->nodes++;
	p->bytes += n;

	frame *f = p->top ? &p->stack[p->top - 1] : NULL;
	bool as_key = f && f->is_map && !f->have_key;
	const char *anchor_name = (const char *)ev->data.scalar.anchor;
	cube_autofree char *key = NULL;
	cube_autofree char *problem = NULL;
	bool merge = false;
	if (as_key || anchor_name) {
		merge = as_key && n == 2 && memcmp(s, "<<", 2) == 0 && !bin &&
			(ev->data.scalar.plain_implicit ||
			 tag_kind((const char *)ev->data.scalar.tag) == T_MERGE);
		key = key_string(&r, s, n, &problem);
		if (!key && !problem)
			return oom(p);
	}
	if (anchor_name) {
		anchor *a = anchor_new(p, anchor_name);
		if (!a || !(a->copy = scalar_item(&r, s)))
			return oom(p);
		a->nodes = 1;
		a->bytes = n;
		if (key && !(a->key = strdup(key)))
			return oom(p);
		if (problem && !(a->key_problem = strdup(problem)))
			return oom(p);
	}
	if (as_key) {
		f->key_mark = ev->start_mark;
		if (merge) {
			f->merge = true;
			f->have_key = true;
			return 0;
		}
		if (!key)
			return fail_at(p, CUBE_EINVAL, ev->start_mark, "%s", problem);
		f->key = CUBE_STEAL(key);
		f->have_key = true;
		return 0;
	}
	cJSON *item = scalar_item(&r, s);
	if (!item)
		return oom(p);
	return place(p, item, 0);
}

static int on_alias(parser *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	anchor *a = p->anchors ? cube_strmap_get(p->anchors, name) : NULL;
	char q[QUOTE_MAX * 4 + 8];
	if (!a || !a->copy)
		quote(q, sizeof(q), name, strlen(name));
	if (!a)
		return fail_at(p, CUBE_EINVAL, ev->start_mark, "unknown anchor '%s' referenced", q);
	if (!a->copy)
		return fail_at(p, CUBE_EINVAL, ev->start_mark, "anchor '%s' value contains itself",
			       q);
	p->nodes += 1 + a->nodes;
	p->alias_nodes += a->nodes;
	p->alias_bytes += a->bytes;
	p->bytes += a->bytes;
	if (excessive_aliasing(p))
		return fail_at(p, CUBE_ETOOBIG, ev->start_mark,
			       "document contains excessive aliasing");
	if (p->top + a->depth > CUBE_YAML_MAX_DEPTH)
		return fail_at(p, CUBE_ETOOBIG, ev->start_mark, "nesting deeper than %d levels",
			       CUBE_YAML_MAX_DEPTH);
	frame *f = p->top ? &p->stack[p->top - 1] : NULL;
	if (f && f->is_map && !f->have_key) {
		if (cJSON_IsObject(a->copy) || cJSON_IsArray(a->copy))
			return fail_at(p, CUBE_EINVAL, ev->start_mark,
				       "invalid map key: a %s cannot be a key",
				       cJSON_IsObject(a->copy) ? "mapping" : "sequence");
		if (!a->key)
			return fail_at(p, CUBE_EINVAL, ev->start_mark, "%s",
				       a->key_problem ? a->key_problem : "invalid map key");
		if (!(f->key = strdup(a->key)))
			return oom(p);
		f->key_mark = ev->start_mark;
		f->have_key = true;
		return 0;
	}
	cJSON *item = cJSON_Duplicate(a->copy, true);
	if (!item)
		return oom(p);
	return place(p, item, a->depth);
}

static int on_start(parser *p, const yaml_event_t *ev)
{
	bool is_map = ev->type == YAML_MAPPING_START_EVENT;
	frame *f = p->top ? &p->stack[p->top - 1] : NULL;
	if (f && f->is_map && !f->have_key)
		return fail_at(p, CUBE_EINVAL, ev->start_mark,
			       "invalid map key: a %s cannot be a key",
			       is_map ? "mapping" : "sequence");
	if (p->top >= CUBE_YAML_MAX_DEPTH)
		return fail_at(p, CUBE_ETOOBIG, ev->start_mark, "nesting deeper than %d levels",
			       CUBE_YAML_MAX_DEPTH);
	if (p->top == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		frame *s = realloc(p->stack, cap * sizeof(*s));
		if (!s)
			return oom(p);
		p->stack = s;
		p->cap = cap;
	}
	p->nodes++;
	frame *nf = &p->stack[p->top];
	memset(nf, 0, sizeof(*nf));
	nf->is_map = is_map;
	nf->mark = ev->start_mark;
	nf->nodes0 = p->nodes;
	nf->bytes0 = p->bytes;
	const char *anchor_name = (const char *)(is_map ? ev->data.mapping_start.anchor
							: ev->data.sequence_start.anchor);
	nf->node = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	if (!nf->node)
		return oom(p);
	p->top++; /* from here the frame is freed with the stack */
	if (anchor_name) {
		anchor *a = anchor_new(p, anchor_name);
		if (!a || !(nf->anchor = strdup(anchor_name)))
			return oom(p);
		nf->serial = a->serial;
	}
	return 0;
}

static int on_end(parser *p)
{
	frame *f = &p->stack[p->top - 1];
	cJSON *node = CUBE_STEAL(f->node);
	size_t depth = f->depth + 1;
	int rc = 0;
	if (f->anchor) {
		/* Only if the name was not redefined inside: go-yaml's map keeps
		 * the definition that came last, which is the inner one. */
		anchor *a = cube_strmap_get(p->anchors, f->anchor);
		if (a && a->serial == f->serial) {
			a->nodes = p->nodes - f->nodes0 + 1;
			a->bytes = p->bytes - f->bytes0;
			a->depth = depth;
			if (!(a->copy = cJSON_Duplicate(node, true)))
				rc = oom(p);
		}
	}
	frame_clear(f);
	p->top--;
	if (rc < 0) {
		cJSON_Delete(node);
		return rc;
	}
	return place(p, node, depth);
}

static void doc_reset(parser *p)
{
	anchors_clear(p);
	cJSON_Delete(p->root);
	p->root = NULL;
	p->nodes = p->alias_nodes = p->alias_bytes = p->bytes = 0;
}

static int on_document_end(parser *p)
{
	cJSON *root = CUBE_STEAL(p->root);
	doc_reset(p);
	if (!root || cJSON_IsNull(root)) {
		cJSON_Delete(root);
		return 0;
	}
	if (p->max_docs && (size_t)cJSON_GetArraySize(p->docs) >= p->max_docs) {
		cJSON_Delete(root);
		return fail_at(p, CUBE_EINVAL, p->doc_mark,
			       "expected a single document, found another one");
	}
	cJSON_AddItemToArray(p->docs, root);
	return 0;
}

static int on_event(parser *p, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		doc_reset(p);
		p->doc_mark = ev->start_mark;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return on_document_end(p);
	case YAML_SCALAR_EVENT:
		return on_scalar(p, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(p, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return on_start(p, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(p);
	default:
		return 0;
	}
}

/* libyaml's error as "yaml: line L, column C: problem". */
static int libyaml_error(parser *p, const yaml_parser_t *yp, const char *text)
{
	const char *problem = yp->problem ? yp->problem : "unknown problem parsing YAML content";
	yaml_mark_t mark = yp->problem_mark;
	switch (yp->error) {
	case YAML_MEMORY_ERROR:
		return oom(p);
	case YAML_READER_ERROR: {
		/* Reader errors carry a byte offset, not a mark. */
		memset(&mark, 0, sizeof(mark));
		for (size_t i = 0; i < yp->problem_offset && i < p->len; i++) {
			if (text[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)text[i] & 0xC0) != 0x80) {
				mark.column++;
			}
		}
		if (yp->problem_value != -1)
			return fail_at(p, CUBE_EINVAL, mark, "%s: #%X", problem,
				       (unsigned)yp->problem_value);
		return fail_at(p, CUBE_EINVAL, mark, "%s", problem);
	}
	default:
		return fail_at(p, CUBE_EINVAL, mark, "%s", problem);
	}
}

static cJSON *parse_stream(const char *text, size_t len, size_t max_docs, cube_err *err)
{
	if (!text)
		len = 0;
	parser p = {.len = len, .err = err, .max_docs = max_docs};
	if (!(p.docs = cJSON_CreateArray())) {
		oom(&p);
		return NULL;
	}
	yaml_parser_t yp;
	if (!yaml_parser_initialize(&yp)) {
		cJSON_Delete(p.docs);
		oom(&p);
		return NULL;
	}
	yaml_parser_set_input_string(&yp, (const unsigned char *)(text ? text : ""), len);
	int rc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&yp, &ev)) {
			rc = libyaml_error(&p, &yp, text);
			break;
		}
		rc = on_event(&p, &ev);
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (rc < 0 || end)
			break;
	}
	yaml_parser_delete(&yp);
	while (p.top)
		frame_clear(&p.stack[--p.top]);
	free(p.stack);
	doc_reset(&p);
	if (rc < 0) {
		cJSON_Delete(p.docs);
		return NULL;
	}
	return p.docs;
}

cJSON *cube_yaml_parse_all(const char *text, size_t len, cube_err *err)
{
	return parse_stream(text, len, 0, err);
}

cJSON *cube_yaml_parse(const char *text, size_t len, cube_err *err)
{
	cJSON *docs = parse_stream(text, len, 1, err);
	if (!docs)
		return NULL;
	cJSON *doc =
		docs->child ? cJSON_DetachItemViaPointer(docs, docs->child) : cJSON_CreateNull();
	cJSON_Delete(docs);
	if (!doc)
		cube_err_set(err, CUBE_ENOMEM, "yaml: out of memory");
	return doc;
}

/* ---- the emitter -------------------------------------------------------------------- */

typedef struct outbuf {
	char *buf;
	size_t len, cap;
} outbuf;

static int write_out(void *data, unsigned char *buffer, size_t size)
{
	outbuf *o = data;
	if (o->len + size + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		while (cap < o->len + size + 1)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b)
			return 0;
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, buffer, size);
	o->len += size;
	return 1;
}

/* go-yaml's isBase60Float: ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ ;
 * such strings are quoted for older parsers. */
static bool is_base60(const char *s)
{
	size_t i = 0;
	if (s[i] == '+' || s[i] == '-')
		i++;
	if (!is_digit(s[i]))
		return false;
	while (is_digit(s[i]) || s[i] == '_')
		i++;
	size_t groups = 0;
	while (s[i] == ':') {
		i++;
		if (s[i] >= '0' && s[i] <= '5' && is_digit(s[i + 1]))
			i += 2;
		else if (is_digit(s[i]))
			i++;
		else
			return false;
		groups++;
	}
	if (!groups)
		return false;
	if (s[i] == '.') {
		i++;
		while (is_digit(s[i]) || s[i] == '_')
			i++;
	}
	return s[i] == '\0';
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev, int ok)
{
	if (!ok)
		return -1;
	return yaml_emitter_emit(e, ev) ? 0 : -1;
}

static int emit_plain(yaml_emitter_t *e, const char *s)
{
	yaml_event_t ev;
	return emit(e, &ev,
		    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
						 1, 1, YAML_PLAIN_SCALAR_STYLE));
}

/* A string, styled as go-yaml's stringv(): a | block if it has a newline,
 * plain if it would read back as the same string (a timestamp would not:
 * "2026-01-02T03:04:05Z" is quoted, as kubectl -o yaml prints it), else
 * double-quoted.  cube
 * also quotes "<<", which go-yaml leaves plain although it reads back as a
 * merge key. */
static int emit_string(yaml_emitter_t *e, const char *s)
{
	size_t n = strlen(s);
	cube_autofree char *fixed = NULL;
	if (!utf8_valid(s, n)) {
		/* As Go's JSON encoder does: each bad byte becomes U+FFFD. */
		fixed = malloc(n * 3 + 1);
		if (!fixed)
			return -1;
		size_t k = 0;
		for (size_t i = 0; i < n;) {
			size_t l = utf8_len((const unsigned char *)s + i, n - i);
			if (l) {
				memcpy(fixed + k, s + i, l);
				k += l;
				i += l;
			} else {
				memcpy(fixed + k, "\xEF\xBF\xBD", 3);
				k += 3;
				i++;
			}
		}
		fixed[k] = '\0';
		s = fixed;
		n = k;
	}
	if (n > INT_MAX)
		return -1; /* libyaml takes an int length */
	yaml_scalar_style_t style;
	resolved r;
	if (strchr(s, '\n')) {
		style = YAML_LITERAL_SCALAR_STYLE;
	} else {
		if (resolve(s, n, T_NONE, &r) < 0)
			return -1;
		/* go-yaml's resolve("", s) reads an unquoted timestamp as one */
		bool plain = r.kind == R_STR && !is_base60(s) && strcmp(s, "<<") != 0 &&
			     !is_timestamp(s, n);
		style = plain ? YAML_PLAIN_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	}
	yaml_event_t ev;
	return emit(e, &ev,
		    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)n, 1, 1,
						 style));
}

static int emit_number(yaml_emitter_t *e, double v)
{
	char buf[64];
	if (v == 0)
		snprintf(buf, sizeof(buf), "0");
	else if (!isnan(v) && !isinf(v) && v == trunc(v) && fabs(v) < 0x1p64)
		snprintf(buf, sizeof(buf), "%.0f", v); /* an int, as sigs.k8s.io/yaml makes it */
	else
		go_format_g(v, false, buf, sizeof(buf)); /* go-yaml's float64 */
	return emit_plain(e, buf);
}

static int emit_node(yaml_emitter_t *e, const cJSON *n, int depth)
{
	yaml_event_t ev;
	if (depth > CUBE_YAML_MAX_DEPTH)
		return -1;
	switch (n->type & 0xFF) {
	case cJSON_Object: {
		if (emit(e, &ev,
			 yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							     YAML_BLOCK_MAPPING_STYLE)) < 0)
			return -1;
		const cJSON *c;
		cJSON_ArrayForEach (c, n) {
			if (emit_string(e, c->string ? c->string : "") < 0 ||
			    emit_node(e, c, depth + 1) < 0)
				return -1;
		}
		return emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
	}
	case cJSON_Array: {
		if (emit(e, &ev,
			 yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							      YAML_BLOCK_SEQUENCE_STYLE)) < 0)
			return -1;
		const cJSON *c;
		cJSON_ArrayForEach (c, n) {
			if (emit_node(e, c, depth + 1) < 0)
				return -1;
		}
		return emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
	}
	case cJSON_String:
		return emit_string(e, n->valuestring ? n->valuestring : "");
	case cJSON_Number:
		return emit_number(e, n->valuedouble);
	case cJSON_True:
		return emit_plain(e, "true");
	case cJSON_False:
		return emit_plain(e, "false");
	case cJSON_Raw: {
		/* Raw JSON text: emit the value it stands for. */
		cube_autojson cJSON *v = n->valuestring ? cJSON_Parse(n->valuestring) : NULL;
		if (v)
			return emit_node(e, v, depth);
		return emit_string(e, n->valuestring ? n->valuestring : "");
	}
	default:
		return emit_plain(e, "null");
	}
}

char *cube_yaml_emit(const cJSON *doc)
{
	if (!doc)
		return NULL;
	yaml_emitter_t e;
	if (!yaml_emitter_initialize(&e))
		return NULL;
	outbuf o = {0};
	yaml_emitter_set_output(&e, write_out, &o);
	yaml_emitter_set_unicode(&e, 1);
	yaml_event_t ev;
	int rc = emit(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (rc == 0)
		rc = emit(&e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	if (rc == 0)
		rc = emit_node(&e, doc, 0);
	if (rc == 0)
		rc = emit(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (rc == 0)
		rc = emit(&e, &ev, yaml_stream_end_event_initialize(&ev));
	yaml_emitter_delete(&e);
	if (rc < 0 || !o.buf) {
		free(o.buf);
		return NULL;
	}
	o.buf[o.len] = '\0';
	return o.buf;
}
