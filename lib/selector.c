/* selector.c - label and field selectors: parsing, validation, matching and
 * the canonical string form, following k8s.io/apimachinery's labels and
 * fields packages so that cube's API server filters lists and watches the
 * way kubectl and the client libraries expect.
 *
 * The label parser is the Kubernetes one rewritten in C: a lexer whose
 * tokens carry their byte offset (so errors can name a position) and a
 * recursive-descent parser with one token of lookahead.  Keywords `in` and
 * `notin` are identifiers wherever a value or key is expected, as in
 * Kubernetes ("in in (notin)" is a valid selector).  Every step is linear in
 * the input apart from sorting, and inputs are bounded by CUBE_SELECTOR_MAX.
 */
#include "selector.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "obj.h"
#include "strbuf.h"

/* ---- small helpers --------------------------------------------------------------- */

/* Longest piece of user input quoted in an error message: a message must fit
 * CUBE_ERR_MSG_MAX together with the explanation. */
#define QUOTE_MAX 48
#define QUOTE_BUF (QUOTE_MAX * 4 + 8)

/* Writes s[0..n) as "text" into buf (QUOTE_BUF bytes), escaping double
 * quotes and unprintable bytes (\xNN), and cutting it at QUOTE_MAX bytes
 * with a trailing "..." so that a hostile selector cannot flood a log line.
 * Backslashes stay as they are: field selectors use them as escapes, and
 * doubling them would make the message disagree with what the user typed. */
static const char *quote(char *buf, const char *s, size_t n)
{
	size_t o = 0;
	buf[o++] = '"';
	for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(buf + o, 5, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	if (n > QUOTE_MAX) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* strconv.ParseInt(s[0..n), 10, 64): an optional sign and at least one
 * decimal digit (leading zeros allowed), nothing else, no overflow. */
static bool parse_i64n(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	size_t i = 0;
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n)
		return false;
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
	return parse_i64n(s, strlen(s), out);
}

/* ---- validation (k8s.io/apimachinery/pkg/util/validation) ---------------------------- */

#define QNAME_FMT "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
#define QNAME_MSG                                                                           \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end " \
	"with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex " \
	"used for validation is '" QNAME_FMT "')"
#define DNS1123_MSG                                                                           \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, " \
	"'-' or '.', and must start and end with an alphanumeric character (e.g. "            \
	"'example.com', regex used for validation is "                                        \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_VALUE_MSG                                                                       \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', "  \
	"'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', " \
	"or 'my_value', or '12345', regex used for validation is '(" QNAME_FMT ")?')"

#define QNAME_MAX 63
#define DNS1123_SUBDOMAIN_MAX 253
#define LABEL_VALUE_MAX 63

/* Room for every complaint about one key; a longer one is cut by the error object. */
#define DETAIL_MAX 1024

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The qualified-name regex ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]. */
static bool qname_ok(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* The RFC 1123 subdomain regex: dot-separated labels of [a-z0-9-], each
 * starting and ending with [a-z0-9]. */
static bool dns1123_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_lower_alnum(s[i]) && s[i] != '-')
				return false;
			continue;
		}
		if (i == start || !is_lower_alnum(s[start]) || !is_lower_alnum(s[i - 1]))
			return false;
		start = i + 1;
	}
	return true;
}

static void detail_add(char *d, const char *msg)
{
	size_t n = strlen(d);
	snprintf(d + n, DETAIL_MAX - n, "%s%s", n ? "; " : "", msg);
}

/* validation.IsQualifiedName: fills `detail` (DETAIL_MAX bytes) with every
 * complaint joined by "; " and returns false, or returns true. */
static bool label_key_ok(const char *k, size_t n, char *detail)
{
	detail[0] = '\0';
	const char *slash = memchr(k, '/', n);
	const char *name = k;
	size_t name_len = n;
	if (slash) {
		size_t plen = (size_t)(slash - k);
		if (memchr(slash + 1, '/', n - plen - 1)) {
			detail_add(detail,
				   "a qualified name " QNAME_MSG " with an optional DNS subdomain "
				   "prefix and '/' (e.g. 'example.com/MyName')");
			return false;
		}
		if (plen == 0) {
			detail_add(detail, "prefix part must be non-empty");
		} else {
			if (plen > DNS1123_SUBDOMAIN_MAX)
				detail_add(detail,
					   "prefix part must be no more than 253 characters");
			if (!dns1123_subdomain_ok(k, plen))
				detail_add(detail, "prefix part " DNS1123_MSG);
		}
		name = slash + 1;
		name_len = n - plen - 1;
	}
	if (name_len == 0)
		detail_add(detail, "name part must be non-empty");
	else if (name_len > QNAME_MAX)
		detail_add(detail, "name part must be no more than 63 characters");
	if (!qname_ok(name, name_len))
		detail_add(detail, "name part " QNAME_MSG);
	return detail[0] == '\0';
}

/* validation.IsValidLabelValue. */
static bool label_value_ok(const char *v, size_t n, char *detail)
{
	detail[0] = '\0';
	if (n > LABEL_VALUE_MAX)
		detail_add(detail, "must be no more than 63 characters");
	if (n > 0 && !qname_ok(v, n))
		detail_add(detail, LABEL_VALUE_MSG);
	return detail[0] == '\0';
}

/* ---- label selector representation --------------------------------------------------- */

enum lop {
	LOP_IN,
	LOP_NOTIN,
	LOP_EQ,	  /* = */
	LOP_EQEQ, /* == (same meaning as =, kept apart for String() as Kubernetes does) */
	LOP_NE,
	LOP_GT,
	LOP_LT,
	LOP_EXISTS,
	LOP_NOTEXISTS,
};

struct lreq {
	char *key;
	enum lop op;
	char **vals; /* sorted, without duplicates */
	size_t nvals;
	int64_t num; /* the value of > and < */
	char *str;   /* the canonical text of this requirement */
};

struct cube_labelsel {
	bool nothing;
	size_t n, cap;
	struct lreq *r;
};

/* A borrowed piece of input, with its offset for error messages. */
struct slice {
	const char *p;
	size_t n;
	size_t off;
};

static void lreq_clear(struct lreq *r)
{
	for (size_t i = 0; i < r->nvals; i++)
		free(r->vals[i]);
	free(r->vals);
	free(r->key);
	free(r->str);
}

void cube_labelsel_free(cube_labelsel *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		lreq_clear(&s->r[i]);
	free(s->r);
	free(s);
}

static cube_labelsel *labelsel_new(bool nothing, cube_err *err)
{
	cube_labelsel *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	s->nothing = nothing;
	return s;
}

static const char *const lop_text[] = {
	[LOP_IN] = " in ", [LOP_NOTIN] = " notin ", [LOP_EQ] = "=",
	[LOP_EQEQ] = "==", [LOP_NE] = "!=",	    [LOP_GT] = ">",
	[LOP_LT] = "<",	   [LOP_EXISTS] = "",	    [LOP_NOTEXISTS] = "",
};

/* Requirement.String(). */
static char *lreq_render(const struct lreq *r)
{
	cube_sb b = {0};
	if (r->op == LOP_NOTEXISTS)
		cube_sb_str(&b, "!");
	cube_sb_str(&b, r->key);
	cube_sb_str(&b, lop_text[r->op]);
	bool set = r->op == LOP_IN || r->op == LOP_NOTIN;
	if (set)
		cube_sb_str(&b, "(");
	for (size_t i = 0; i < r->nvals; i++) {
		if (i)
			cube_sb_str(&b, ",");
		cube_sb_str(&b, r->vals[i]);
	}
	if (set)
		cube_sb_str(&b, ")");
	return cube_sb_take(&b);
}

/* Appends a requirement (already validated) with copies of key and values;
 * values are sorted and de-duplicated.  -1 on ENOMEM (nothing added). */
static int labelsel_add(cube_labelsel *s, const char *key, size_t klen, enum lop op,
			const struct slice *vals, size_t nvals)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct lreq *nr = realloc(s->r, cap * sizeof(*nr));
		if (!nr)
			return -1;
		s->r = nr;
		s->cap = cap;
	}
	struct lreq r = {.op = op};
	r.key = strndup(key, klen);
	r.vals = nvals ? calloc(nvals, sizeof(char *)) : NULL;
	if (!r.key || (nvals && !r.vals))
		goto oom;
	for (size_t i = 0; i < nvals; i++) {
		r.vals[i] = strndup(vals[i].p, vals[i].n);
		if (!r.vals[i])
			goto oom;
		r.nvals++;
	}
	if (r.nvals > 1)
		qsort(r.vals, r.nvals, sizeof(char *), cmp_strp);
	size_t out = 0;
	for (size_t i = 0; i < r.nvals; i++) {
		if (out && strcmp(r.vals[out - 1], r.vals[i]) == 0)
			free(r.vals[i]);
		else
			r.vals[out++] = r.vals[i];
	}
	r.nvals = out;
	if ((op == LOP_GT || op == LOP_LT) && (r.nvals != 1 || !parse_i64(r.vals[0], &r.num)))
		goto oom; /* unreachable: callers validate first */
	r.str = lreq_render(&r);
	if (!r.str)
		goto oom;
	s->r[s->n++] = r;
	return 0;
oom:
	lreq_clear(&r);
	return -1;
}

/* Requirements by key, ties broken by their text, so that the canonical form
 * does not depend on the input order (Go's sort.Sort is not stable). */
static int cmp_lreq(const void *a, const void *b)
{
	const struct lreq *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->str, y->str);
}

static void labelsel_sort(cube_labelsel *s)
{
	if (s->n > 1)
		qsort(s->r, s->n, sizeof(*s->r), cmp_lreq);
}

/* What NewRequirement checks once the key is known to be valid: the number
 * of values for the operator, integers for > and <, and each value.  On a
 * problem returns false with `detail` set and *bad the index of the value
 * at fault (or SIZE_MAX when it is about the whole set). */
static bool lreq_values_ok(enum lop op, const struct slice *vals, size_t n, size_t *bad,
			   char *detail)
{
	*bad = SIZE_MAX;
	detail[0] = '\0';
	switch (op) {
	case LOP_IN:
	case LOP_NOTIN:
		if (n == 0)
			detail_add(detail,
				   "for 'in', 'notin' operators, values set can't be empty");
		break;
	case LOP_EQ:
	case LOP_EQEQ:
	case LOP_NE:
		if (n != 1)
			detail_add(detail, "exact-match compatibility requires one single value");
		break;
	case LOP_EXISTS:
	case LOP_NOTEXISTS:
		if (n != 0)
			detail_add(detail,
				   "values set must be empty for exists and does not exist");
		break;
	case LOP_GT:
	case LOP_LT:
		if (n != 1) {
			detail_add(detail,
				   "for 'Gt', 'Lt' operators, exactly one value is required");
			break;
		}
		int64_t ignored;
		if (!parse_i64n(vals[0].p, vals[0].n, &ignored)) {
			*bad = 0;
			detail_add(detail,
				   "for 'Gt', 'Lt' operators, the value must be an integer");
		}
		break;
	}
	if (detail[0])
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!label_value_ok(vals[i].p, vals[i].n, detail)) {
			*bad = i;
			return false;
		}
	}
	return true;
}

/* ---- label selector: lexer and parser ---------------------------------------------------- */

enum ltok {
	T_EOS,
	T_IDENT,
	T_IN,
	T_NOTIN,
	T_OPAR,
	T_CPAR,
	T_COMMA,
	T_NOT,	/* ! */
	T_EQ,	/* = */
	T_EQEQ, /* == */
	T_NE,	/* != */
	T_GT,
	T_LT,
};

struct tok {
	enum ltok t;
	size_t off, len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	switch (c) {
	case '=':
	case '!':
	case '(':
	case ')':
	case ',':
	case '>':
	case '<':
		return true;
	default:
		return false;
	}
}

/* The one-character operators (every is_special() character has one). */
static const struct {
	char c;
	enum ltok t;
} single_ops[] = {
	{'=', T_EQ},	{'!', T_NOT}, {'(', T_OPAR}, {')', T_CPAR},
	{',', T_COMMA}, {'>', T_GT},  {'<', T_LT},
};

/* Lexer.Lex: skips blanks, then reads the longest operator ("!=" and "=="
 * are the only two-character ones) or an identifier running up to the next
 * blank or operator character; identifiers "in" and "notin" are keywords. */
static struct tok lex(const char *s, size_t len, size_t *pos)
{
	size_t i = *pos;
	while (i < len && is_blank(s[i]))
		i++;
	struct tok t = {T_EOS, i, 0};
	if (i == len) {
		*pos = i;
		return t;
	}
	char c = s[i];
	if (is_special(c)) {
		t.len = 1;
		if ((c == '=' || c == '!') && i + 1 < len && s[i + 1] == '=') {
			t.len = 2;
			t.t = c == '=' ? T_EQEQ : T_NE;
		} else {
			for (size_t k = 0; k < CUBE_ARRAY_LEN(single_ops); k++)
				if (single_ops[k].c == c)
					t.t = single_ops[k].t;
		}
	} else {
		size_t j = i;
		while (j < len && !is_special(s[j]) && !is_blank(s[j]))
			j++;
		t.len = j - i;
		t.t = T_IDENT;
		if (t.len == 2 && memcmp(s + i, "in", 2) == 0)
			t.t = T_IN;
		else if (t.len == 5 && memcmp(s + i, "notin", 5) == 0)
			t.t = T_NOTIN;
	}
	*pos = i + t.len;
	return t;
}

/* Where a keyword is read: as an operator, or as a key or value (where
 * `in` and `notin` are plain identifiers). */
enum lctx { CTX_OPERATOR, CTX_VALUES };

struct lparser {
	const char *s;
	size_t len, pos;
	struct tok la; /* the one token of lookahead */
	cube_err *err;
	char q[QUOTE_BUF]; /* the selector, quoted for messages */
	/* values of the requirement being parsed */
	struct slice *vals;
	size_t nvals, capvals;
};

static struct tok peek(const struct lparser *p, enum lctx ctx)
{
	struct tok t = p->la;
	if (ctx == CTX_VALUES && (t.t == T_IN || t.t == T_NOTIN))
		t.t = T_IDENT;
	return t;
}

static struct tok next(struct lparser *p, enum lctx ctx)
{
	struct tok t = peek(p, ctx);
	if (t.t != T_EOS)
		p->la = lex(p->s, p->len, &p->pos);
	return t;
}

/* "expected X at position N, found 'lit'" */
static int syntax_error(struct lparser *p, const struct tok *t, const char *expected)
{
	char lit[QUOTE_BUF];
	if (t->t == T_EOS)
		return cube_err_set(
			p->err, CUBE_EINVAL,
			"label selector %s: expected %s at position %zu, found end of string", p->q,
			expected, t->off);
	return cube_err_set(p->err, CUBE_EINVAL,
			    "label selector %s: expected %s at position %zu, found %s", p->q,
			    expected, t->off, quote(lit, p->s + t->off, t->len));
}

static int push_value(struct lparser *p, const char *v, size_t n, size_t off)
{
	if (p->nvals == p->capvals) {
		size_t cap = p->capvals ? p->capvals * 2 : 8;
		struct slice *nv = realloc(p->vals, cap * sizeof(*nv));
		if (!nv)
			return cube_err_set(p->err, CUBE_ENOMEM, "out of memory");
		p->vals = nv;
		p->capvals = cap;
	}
	p->vals[p->nvals++] = (struct slice){v, n, off};
	return 0;
}

/* parseValues + parseIdentifiersList: "(" [values] ")".  Empty entries are
 * the empty value: "()" is {""}, "(a,)" and "(,a)" are {"", a}. */
static int parse_set(struct lparser *p)
{
	struct tok t = next(p, CTX_VALUES);
	if (t.t != T_OPAR)
		return syntax_error(p, &t, "'('");
	t = peek(p, CTX_VALUES);
	if (t.t == T_CPAR) {
		next(p, CTX_VALUES);
		return push_value(p, "", 0, t.off);
	}
	if (t.t != T_IDENT && t.t != T_COMMA)
		return syntax_error(p, &t, "',', ')' or identifier");
	for (;;) {
		t = next(p, CTX_VALUES);
		if (t.t == T_IDENT) {
			if (push_value(p, p->s + t.off, t.len, t.off) < 0)
				return -1;
			struct tok t2 = peek(p, CTX_VALUES);
			if (t2.t == T_CPAR)
				break;
			if (t2.t != T_COMMA)
				return syntax_error(p, &t2, "',' or ')'");
		} else if (t.t == T_COMMA) {
			struct tok t2 = peek(p, CTX_VALUES);
			bool empty_before = p->nvals == 0;
			bool empty_after = t2.t == T_CPAR || t2.t == T_COMMA;
			if ((empty_before || empty_after) && push_value(p, "", 0, t.off) < 0)
				return -1;
			if (t2.t == T_CPAR)
				break;
			if (t2.t == T_COMMA)
				next(p, CTX_VALUES);
		} else {
			return syntax_error(p, &t, "',' or identifier");
		}
	}
	next(p, CTX_VALUES); /* the ')' seen by peek */
	return 0;
}

/* parseOperator: the tokens that may follow a key. */
static const struct {
	enum ltok t;
	enum lop op;
} binary_ops[] = {
	{T_IN, LOP_IN}, {T_NOTIN, LOP_NOTIN}, {T_EQ, LOP_EQ}, {T_EQEQ, LOP_EQEQ},
	{T_NE, LOP_NE}, {T_GT, LOP_GT},	      {T_LT, LOP_LT},
};

/* parseRequirement: [!] KEY [op value | (in|notin) (values)]. */
static int parse_requirement(struct lparser *p, cube_labelsel *sel)
{
	char detail[DETAIL_MAX];
	char qa[QUOTE_BUF], qb[QUOTE_BUF];
	enum lop op = LOP_EXISTS;
	struct tok t = next(p, CTX_VALUES);
	if (t.t == T_NOT) {
		op = LOP_NOTEXISTS;
		t = next(p, CTX_VALUES);
	}
	if (t.t != T_IDENT)
		return syntax_error(p, &t, "identifier");
	const char *key = p->s + t.off;
	size_t klen = t.len;
	if (!label_key_ok(key, klen, detail))
		return cube_err_set(p->err, CUBE_EINVAL,
				    "label selector %s: invalid label key %s at position %zu: %s",
				    p->q, quote(qa, key, klen), t.off, detail);
	/* parseKeyAndInferOperator: "!key" is complete whatever follows (a
	 * stray operator is then an error of the selector), "key" alone is
	 * Exists, and anything else must be an operator. */
	struct tok la = peek(p, CTX_VALUES);
	if (op == LOP_EXISTS && la.t != T_EOS && la.t != T_COMMA) {
		t = next(p, CTX_OPERATOR);
		size_t k = 0;
		while (k < CUBE_ARRAY_LEN(binary_ops) && binary_ops[k].t != t.t)
			k++;
		if (k == CUBE_ARRAY_LEN(binary_ops))
			return syntax_error(p, &t, "one of in, notin, =, ==, !=, >, <");
		op = binary_ops[k].op;
	}
	p->nvals = 0;
	if (op == LOP_IN || op == LOP_NOTIN) {
		if (parse_set(p) < 0)
			return -1;
	} else if (op != LOP_EXISTS && op != LOP_NOTEXISTS) {
		/* parseExactValue: nothing before ',' or the end is the empty value */
		la = peek(p, CTX_VALUES);
		if (la.t == T_EOS || la.t == T_COMMA) {
			if (push_value(p, "", 0, la.off) < 0)
				return -1;
		} else {
			t = next(p, CTX_VALUES);
			if (t.t != T_IDENT)
				return syntax_error(p, &t, "identifier");
			if (push_value(p, p->s + t.off, t.len, t.off) < 0)
				return -1;
		}
	}
	size_t bad;
	if (!lreq_values_ok(op, p->vals, p->nvals, &bad, detail)) {
		/* The grammar gives each operator the right number of values, so
		 * the complaint is about one value; name the first if not. */
		static const struct slice none = {"", 0, 0};
		const struct slice *v = bad < p->nvals ? &p->vals[bad] : p->nvals ? p->vals : &none;
		return cube_err_set(
			p->err, CUBE_EINVAL,
			"label selector %s: invalid label value %s for key %s at position %zu: %s",
			p->q, quote(qa, v->p, v->n), quote(qb, key, klen), v->off, detail);
	}
	if (labelsel_add(sel, key, klen, op, p->vals, p->nvals) < 0)
		return cube_err_set(p->err, CUBE_ENOMEM, "out of memory");
	return 0;
}

static int parse_selector(struct lparser *p, cube_labelsel *sel)
{
	p->la = lex(p->s, p->len, &p->pos);
	struct tok t = peek(p, CTX_VALUES);
	if (t.t == T_EOS)
		return 0;
	if (t.t != T_IDENT && t.t != T_NOT)
		return syntax_error(p, &t, "'!', identifier or end of string");
	for (;;) {
		if (parse_requirement(p, sel) < 0)
			return -1;
		t = next(p, CTX_VALUES);
		if (t.t == T_EOS)
			return 0;
		if (t.t != T_COMMA)
			return syntax_error(p, &t, "',' or end of string");
		t = peek(p, CTX_VALUES);
		if (t.t != T_IDENT && t.t != T_NOT)
			return syntax_error(p, &t, "'!' or identifier after ','");
	}
}

cube_labelsel *cube_labelsel_parse(const char *s, cube_err *err)
{
	if (!s) {
		cube_err_set(err, CUBE_EINVAL, "label selector: no input");
		return NULL;
	}
	size_t len = strnlen(s, CUBE_SELECTOR_MAX + 1);
	if (len > CUBE_SELECTOR_MAX) {
		cube_err_set(err, CUBE_ETOOBIG, "label selector longer than %d bytes",
			     CUBE_SELECTOR_MAX);
		return NULL;
	}
	cube_labelsel *sel = labelsel_new(false, err);
	if (!sel)
		return NULL;
	struct lparser p = {.s = s, .len = len, .err = err};
	quote(p.q, s, len);
	int rc = parse_selector(&p, sel);
	free(p.vals);
	if (rc < 0) {
		cube_labelsel_free(sel);
		return NULL;
	}
	labelsel_sort(sel);
	return sel;
}

/* ---- label selector: from JSON ----------------------------------------------------------- */

/* Adds key=value for every member of a map; `what` names the map in errors. */
static int add_match_labels(cube_labelsel *sel, const cJSON *map, const char *what, cube_err *err)
{
	char detail[DETAIL_MAX];
	char qa[QUOTE_BUF], qb[QUOTE_BUF];
	const cJSON *m;
	cJSON_ArrayForEach (m, map) {
		const char *k = m->string ? m->string : "";
		size_t klen = strlen(k);
		if (!label_key_ok(k, klen, detail))
			return cube_err_set(err, CUBE_EINVAL, "%s: invalid label key %s: %s", what,
					    quote(qa, k, klen), detail);
		if (!cJSON_IsString(m) || !m->valuestring)
			return cube_err_set(err, CUBE_EINVAL, "%s[%s]: value is not a string", what,
					    quote(qa, k, klen));
		struct slice v = {m->valuestring, strlen(m->valuestring), 0};
		if (!label_value_ok(v.p, v.n, detail))
			return cube_err_set(err, CUBE_EINVAL, "%s[%s]: invalid label value %s: %s",
					    what, quote(qa, k, klen), quote(qb, v.p, v.n), detail);
		if (labelsel_add(sel, k, klen, LOP_EQ, &v, 1) < 0)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	return 0;
}

static const struct {
	const char *name;
	enum lop op;
} json_ops[] = {
	{"In", LOP_IN},
	{"NotIn", LOP_NOTIN},
	{"Exists", LOP_EXISTS},
	{"DoesNotExist", LOP_NOTEXISTS},
};

static int add_expression(cube_labelsel *sel, const cJSON *e, int idx, cube_err *err)
{
	char detail[DETAIL_MAX];
	char qa[QUOTE_BUF];
	if (!cJSON_IsObject(e))
		return cube_err_set(err, CUBE_EINVAL,
				    "label selector: matchExpressions[%d]: not an object", idx);
	const cJSON *jkey = cJSON_GetObjectItemCaseSensitive(e, "key");
	const cJSON *jop = cJSON_GetObjectItemCaseSensitive(e, "operator");
	const cJSON *jvals = cJSON_GetObjectItemCaseSensitive(e, "values");
	if (jkey && !cJSON_IsNull(jkey) && !cJSON_IsString(jkey))
		return cube_err_set(err, CUBE_EINVAL,
				    "label selector: matchExpressions[%d].key: not a string", idx);
	if (jop && !cJSON_IsNull(jop) && !cJSON_IsString(jop))
		return cube_err_set(err, CUBE_EINVAL,
				    "label selector: matchExpressions[%d].operator: not a string",
				    idx);
	if (jvals && !cJSON_IsNull(jvals) && !cJSON_IsArray(jvals))
		return cube_err_set(err, CUBE_EINVAL,
				    "label selector: matchExpressions[%d].values: not an array",
				    idx);
	const char *key = cJSON_IsString(jkey) && jkey->valuestring ? jkey->valuestring : "";
	const char *opname = cJSON_IsString(jop) && jop->valuestring ? jop->valuestring : "";
	/* Kubernetes checks the operator before building the requirement. */
	size_t i;
	for (i = 0; i < CUBE_ARRAY_LEN(json_ops); i++)
		if (strcmp(opname, json_ops[i].name) == 0)
			break;
	if (i == CUBE_ARRAY_LEN(json_ops))
		return cube_err_set(err, CUBE_EINVAL,
				    "label selector: matchExpressions[%d]: %s is not a valid label "
				    "selector operator",
				    idx, quote(qa, opname, strlen(opname)));
	enum lop op = json_ops[i].op;
	if (!label_key_ok(key, strlen(key), detail))
		return cube_err_set(
			err, CUBE_EINVAL,
			"label selector: matchExpressions[%d]: invalid label key %s: %s", idx,
			quote(qa, key, strlen(key)), detail);
	int n = cJSON_IsArray(jvals) ? cJSON_GetArraySize(jvals) : 0;
	cube_autofree struct slice *vals = n > 0 ? calloc((size_t)n, sizeof(*vals)) : NULL;
	if (n > 0 && !vals)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	const cJSON *list = n > 0 ? jvals : NULL;
	const cJSON *v;
	int k = 0;
	cJSON_ArrayForEach (v, list) {
		if (!cJSON_IsString(v) || !v->valuestring)
			return cube_err_set(
				err, CUBE_EINVAL,
				"label selector: matchExpressions[%d].values[%d]: not a string",
				idx, k);
		vals[k] = (struct slice){v->valuestring, strlen(v->valuestring), 0};
		k++;
	}
	size_t bad;
	if (!lreq_values_ok(op, vals, (size_t)k, &bad, detail)) {
		if (bad == SIZE_MAX)
			return cube_err_set(err, CUBE_EINVAL,
					    "label selector: matchExpressions[%d].values: %s", idx,
					    detail);
		return cube_err_set(
			err, CUBE_EINVAL,
			"label selector: matchExpressions[%d].values[%zu]: invalid label "
			"value %s: %s",
			idx, bad, quote(qa, vals[bad].p, vals[bad].n), detail);
	}
	if (labelsel_add(sel, key, strlen(key), op, vals, (size_t)k) < 0)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return 0;
}

cube_labelsel *cube_labelsel_from_json(const cJSON *ls, cube_err *err)
{
	if (!ls || cJSON_IsNull(ls))
		return labelsel_new(true, err);
	if (!cJSON_IsObject(ls)) {
		cube_err_set(err, CUBE_EINVAL, "label selector: not a JSON object");
		return NULL;
	}
	const cJSON *ml = cJSON_GetObjectItemCaseSensitive(ls, "matchLabels");
	const cJSON *me = cJSON_GetObjectItemCaseSensitive(ls, "matchExpressions");
	if (ml && !cJSON_IsNull(ml) && !cJSON_IsObject(ml)) {
		cube_err_set(err, CUBE_EINVAL, "label selector: matchLabels: not an object");
		return NULL;
	}
	if (me && !cJSON_IsNull(me) && !cJSON_IsArray(me)) {
		cube_err_set(err, CUBE_EINVAL, "label selector: matchExpressions: not an array");
		return NULL;
	}
	cube_labelsel *sel = labelsel_new(false, err);
	if (!sel)
		return NULL;
	if (cJSON_IsObject(ml) && add_match_labels(sel, ml, "label selector: matchLabels", err) < 0)
		goto fail;
	if (cJSON_IsArray(me)) {
		const cJSON *e;
		int idx = 0;
		cJSON_ArrayForEach (e, me) {
			if (add_expression(sel, e, idx++, err) < 0)
				goto fail;
		}
	}
	labelsel_sort(sel);
	return sel;
fail:
	cube_labelsel_free(sel);
	return NULL;
}

cube_labelsel *cube_labelsel_from_map(const cJSON *map, cube_err *err)
{
	if (map && !cJSON_IsNull(map) && !cJSON_IsObject(map)) {
		cube_err_set(err, CUBE_EINVAL, "selector map: not a JSON object");
		return NULL;
	}
	cube_labelsel *sel = labelsel_new(false, err);
	if (!sel)
		return NULL;
	if (cJSON_IsObject(map) && add_match_labels(sel, map, "selector map", err) < 0) {
		cube_labelsel_free(sel);
		return NULL;
	}
	labelsel_sort(sel);
	return sel;
}

/* ---- label selector: matching and printing ------------------------------------------------ */

static bool lreq_has(const struct lreq *r, const char *v)
{
	return r->nvals && bsearch(&v, r->vals, r->nvals, sizeof(char *), cmp_strp) != NULL;
}

/* Requirement.Matches. */
static bool lreq_matches(const struct lreq *r, const cJSON *labels)
{
	const cJSON *m = labels ? cJSON_GetObjectItemCaseSensitive(labels, r->key) : NULL;
	const char *v = cJSON_IsString(m) ? m->valuestring : NULL;
	int64_t n;
	switch (r->op) {
	case LOP_IN:
	case LOP_EQ:
	case LOP_EQEQ:
		return v && lreq_has(r, v);
	case LOP_NOTIN:
	case LOP_NE:
		return !v || !lreq_has(r, v);
	case LOP_EXISTS:
		return v != NULL;
	case LOP_NOTEXISTS:
		return v == NULL;
	case LOP_GT:
		return v && parse_i64(v, &n) && n > r->num;
	case LOP_LT:
		return v && parse_i64(v, &n) && n < r->num;
	}
	return false;
}

bool cube_labelsel_matches(const cube_labelsel *s, const cJSON *labels)
{
	if (!s || s->nothing)
		return false;
	if (!cJSON_IsObject(labels))
		labels = NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!lreq_matches(&s->r[i], labels))
			return false;
	return true;
}

bool cube_labelsel_is_everything(const cube_labelsel *s)
{
	return s && !s->nothing && s->n == 0;
}

bool cube_labelsel_is_nothing(const cube_labelsel *s)
{
	return !s || s->nothing;
}

char *cube_labelsel_string(const cube_labelsel *s)
{
	cube_sb b = {0};
	for (size_t i = 0; s && !s->nothing && i < s->n; i++) {
		if (i)
			cube_sb_str(&b, ",");
		cube_sb_str(&b, s->r[i].str);
	}
	return cube_sb_take(&b);
}

/* ---- field selectors ------------------------------------------------------------------------ */

struct freq {
	char *field;
	char *value; /* unescaped */
	bool neq;
	char *str; /* canonical text: field, "=" or "!=", escaped value */
};

struct cube_fieldsel {
	size_t n, cap;
	struct freq *r;
};

void cube_fieldsel_free(cube_fieldsel *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->r[i].field);
		free(s->r[i].value);
		free(s->r[i].str);
	}
	free(s->r);
	free(s);
}

/* fields.EscapeValue: '\', ',' and '=' get a backslash. */
static void escape_value(cube_sb *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == ',' || *v == '=')
			cube_sb_add(b, "\\", 1);
		cube_sb_add(b, v, 1);
	}
}

struct fparser {
	const char *s;
	size_t len;
	cube_err *err;
	char q[QUOTE_BUF];
};

/* One term s[start..end): splitTerm, then UnescapeValue on the right side. */
static int parse_term(struct fparser *p, cube_fieldsel *sel, size_t start, size_t end)
{
	const char *s = p->s;
	char qa[QUOTE_BUF];
	size_t opos = end, olen = 0;
	bool neq = false;
	/* The first operator wins; at one position "!=" and "==" before "=". */
	for (size_t i = start; i < end && !olen; i++) {
		if (s[i] == '!' && i + 1 < end && s[i + 1] == '=') {
			opos = i, olen = 2, neq = true;
		} else if (s[i] == '=') {
			opos = i;
			olen = i + 1 < end && s[i + 1] == '=' ? 2 : 1;
		}
	}
	if (!olen)
		return cube_err_set(p->err, CUBE_EINVAL,
				    "field selector %s: term %s at position %zu has no operator "
				    "('=', '==' or '!=')",
				    p->q, quote(qa, s + start, end - start), start);
	cube_sb val = {0};
	size_t vstart = opos + olen;
	for (size_t i = vstart; i < end; i++) {
		char c = s[i];
		if (c == '\\') {
			if (i + 1 == end || !strchr("\\,=!", s[i + 1])) {
				free(val.p);
				return cube_err_set(
					p->err, CUBE_EINVAL,
					"field selector %s: invalid escape sequence %s at "
					"position %zu",
					p->q, quote(qa, s + i, i + 1 == end ? 1 : 2), i);
			}
			cube_sb_add(&val, s + ++i, 1);
		} else if (c == ',' || c == '=') {
			free(val.p);
			return cube_err_set(
				p->err, CUBE_EINVAL,
				"field selector %s: unescaped '%c' in value at position %zu", p->q,
				c, i);
		} else {
			cube_sb_add(&val, &c, 1);
		}
	}
	cube_autofree char *value = cube_sb_take(&val);
	if (!value)
		return cube_err_set(p->err, CUBE_ENOMEM, "out of memory");
	/* A term with neither field nor value selects everything (Kubernetes'
	 * Transform drops it). */
	if (opos == start && !value[0])
		return 0;
	if (sel->n == sel->cap) {
		size_t cap = sel->cap ? sel->cap * 2 : 4;
		struct freq *nr = realloc(sel->r, cap * sizeof(*nr));
		if (!nr)
			return cube_err_set(p->err, CUBE_ENOMEM, "out of memory");
		sel->r = nr;
		sel->cap = cap;
	}
	struct freq r = {.neq = neq};
	r.field = strndup(s + start, opos - start);
	cube_sb str = {0};
	cube_sb_add(&str, s + start, opos - start);
	cube_sb_str(&str, neq ? "!=" : "=");
	escape_value(&str, value);
	r.str = cube_sb_take(&str);
	if (!r.field || !r.str) {
		free(r.field);
		free(r.str);
		return cube_err_set(p->err, CUBE_ENOMEM, "out of memory");
	}
	r.value = CUBE_STEAL(value);
	sel->r[sel->n++] = r;
	return 0;
}

static int cmp_freq(const void *a, const void *b)
{
	return strcmp(((const struct freq *)a)->str, ((const struct freq *)b)->str);
}

cube_fieldsel *cube_fieldsel_parse(const char *s, cube_err *err)
{
	if (!s) {
		cube_err_set(err, CUBE_EINVAL, "field selector: no input");
		return NULL;
	}
	size_t len = strnlen(s, CUBE_SELECTOR_MAX + 1);
	if (len > CUBE_SELECTOR_MAX) {
		cube_err_set(err, CUBE_ETOOBIG, "field selector longer than %d bytes",
			     CUBE_SELECTOR_MAX);
		return NULL;
	}
	cube_fieldsel *sel = calloc(1, sizeof(*sel));
	if (!sel) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	struct fparser p = {.s = s, .len = len, .err = err};
	quote(p.q, s, len);
	/* splitTerms: ',' ends a term unless a backslash escapes it. */
	size_t start = 0;
	bool in_slash = false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && in_slash) {
			in_slash = false;
		} else if (i < len && s[i] == '\\') {
			in_slash = true;
		} else if (i == len || s[i] == ',') {
			if (i > start && parse_term(&p, sel, start, i) < 0) {
				cube_fieldsel_free(sel);
				return NULL;
			}
			start = i + 1;
		}
	}
	if (sel->n > 1)
		qsort(sel->r, sel->n, sizeof(*sel->r), cmp_freq);
	return sel;
}

bool cube_fieldsel_matches(const cube_fieldsel *s, cube_field_get_fn get, void *ud)
{
	for (size_t i = 0; s && i < s->n; i++) {
		const char *v = get(ud, s->r[i].field);
		bool eq = strcmp(v ? v : "", s->r[i].value) == 0;
		if (eq == s->r[i].neq)
			return false;
	}
	return true;
}

/* The text of a JSON field for matching; `buf` holds numbers. */
static const char *json_field_text(const cJSON *obj, const char *field, char *buf, size_t size)
{
	const cJSON *v = cube_json_path(obj, field);
	if (cJSON_IsString(v))
		return v->valuestring ? v->valuestring : "";
	if (cJSON_IsTrue(v))
		return "true";
	if (cJSON_IsFalse(v))
		return "false";
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(long long)d)
			snprintf(buf, size, "%lld", (long long)d);
		else
			snprintf(buf, size, "%.17g", d);
		return buf;
	}
	return "";
}

bool cube_fieldsel_matches_json(const cube_fieldsel *s, const cJSON *obj)
{
	char buf[40];
	for (size_t i = 0; s && i < s->n; i++) {
		const char *v = json_field_text(obj, s->r[i].field, buf, sizeof(buf));
		bool eq = strcmp(v, s->r[i].value) == 0;
		if (eq == s->r[i].neq)
			return false;
	}
	return true;
}

const char *cube_fieldsel_exact(const cube_fieldsel *s, const char *field)
{
	for (size_t i = 0; s && field && i < s->n; i++)
		if (!s->r[i].neq && strcmp(s->r[i].field, field) == 0)
			return s->r[i].value;
	return NULL;
}

size_t cube_fieldsel_count(const cube_fieldsel *s)
{
	return s ? s->n : 0;
}

const char *cube_fieldsel_field(const cube_fieldsel *s, size_t i)
{
	return s && i < s->n ? s->r[i].field : NULL;
}

char *cube_fieldsel_string(const cube_fieldsel *s)
{
	cube_sb b = {0};
	for (size_t i = 0; s && i < s->n; i++) {
		if (i)
			cube_sb_str(&b, ",");
		cube_sb_str(&b, s->r[i].str);
	}
	return cube_sb_take(&b);
}
