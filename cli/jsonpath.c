/* jsonpath.c - kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath)
 * over cJSON, for -o jsonpath=... and -o custom-columns=...
 *
 * A template is text with actions in braces.  An action is a chain of
 * steps applied to a list of values, starting from the root ($) or the
 * current value (@, the element of an enclosing {range}):
 *   .name  .*  ..name  ['name']  [0]  [-1]  [1:3]  [*]  [0,2]  ['a','b']
 *   [?(@.type=="Ready")]  [?(@.n>3)]  [?(@.x)]
 * plus {range EXPR}...{end} and literals ({"\n"}).  A backslash escapes a
 * dot in a name (.annotations.a\.b/c).  The results of one action print
 * separated by blanks: strings raw, numbers and booleans as Go prints them,
 * maps and lists as compact JSON.  Missing keys print nothing when allowed
 * (kubectl's default), else are the error "<name> is not found". */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cubectl.h"

typedef enum {
	ST_ROOT,
	ST_CUR,
	ST_FIELD,     /* name; "*" is every value */
	ST_RECURSIVE, /* .. : the value and all its descendants */
	ST_INDEX,     /* [a:b:c] or [i] or [*] */
	ST_UNION,     /* [x,y]: alternatives, each a chain */
	ST_FILTER,    /* [?(left op right)] */
	ST_LITERAL,   /* "text", 3, true */
} step_kind;

typedef struct chain chain;

typedef struct step {
	step_kind kind;
	char *name;
	/* index */
	long a, b, c;
	bool has_a, has_b, has_c, single;
	/* union / filter */
	chain **alts;
	size_t nalts;
	char op[3];
	cJSON *lit;
} step;

struct chain {
	step *steps;
	size_t n;
};

typedef enum { N_TEXT, N_ACTION, N_RANGE } node_kind;

typedef struct node {
	node_kind kind;
	char *text;
	chain *expr;
	struct node *body; /* range: the nodes up to {end} */
	size_t nbody;
} node;

struct cctl_jsonpath {
	node *nodes;
	size_t n;
};

static void chain_free(chain *c);

static void step_clear(step *s)
{
	free(s->name);
	for (size_t i = 0; i < s->nalts; i++)
		chain_free(s->alts[i]);
	free(s->alts);
	cJSON_Delete(s->lit);
}

static void chain_free(chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		step_clear(&c->steps[i]);
	free(c->steps);
	free(c);
}

static void nodes_free(node *n, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		free(n[i].text);
		chain_free(n[i].expr);
		nodes_free(n[i].body, n[i].nbody);
	}
	free(n);
}

void cctl_jsonpath_free(cctl_jsonpath *j)
{
	if (!j)
		return;
	nodes_free(j->nodes, j->n);
	free(j);
}

/* ---- parsing ------------------------------------------------------------------------------ */

typedef struct parser {
	const char *s;
	size_t i, len;
	char *msg;
	size_t msize;
} parser;

static int perr(parser *p, const char *what)
{
	snprintf(p->msg, p->msize, "%s", what);
	return -1;
}

static step *add_step(chain *c, step_kind k)
{
	step *n = realloc(c->steps, (c->n + 1) * sizeof(step));
	if (!n)
		abort();
	c->steps = n;
	step *s = &c->steps[c->n++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	return s;
}

static char peek(parser *p)
{
	return p->i < p->len ? p->s[p->i] : '\0';
}

/* A name after '.': up to a delimiter; backslash escapes the next char. */
static char *parse_name(parser *p)
{
	char buf[1024];
	size_t n = 0;
	while (p->i < p->len) {
		char ch = p->s[p->i];
		if (ch == '\\' && p->i + 1 < p->len) {
			if (n + 1 < sizeof(buf))
				buf[n++] = p->s[p->i + 1];
			p->i += 2;
			continue;
		}
		if (strchr(".[](){}, \t=!<>", ch))
			break;
		if (n + 1 < sizeof(buf))
			buf[n++] = ch;
		p->i++;
	}
	buf[n] = '\0';
	return strdup(buf);
}

/* A quoted string ('x' or "x", Go escapes); returns it or NULL. */
static char *parse_quoted(parser *p)
{
	char q = p->s[p->i++];
	char buf[4096];
	size_t n = 0;
	while (p->i < p->len && p->s[p->i] != q) {
		char ch = p->s[p->i++];
		if (ch == '\\' && p->i < p->len) {
			char e = p->s[p->i++];
			switch (e) {
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			case 'r':
				ch = '\r';
				break;
			default:
				ch = e;
			}
		}
		if (n + 1 < sizeof(buf))
			buf[n++] = ch;
	}
	if (p->i >= p->len)
		return NULL;
	p->i++;
	buf[n] = '\0';
	return strdup(buf);
}

static int parse_chain(parser *p, chain *c, const char *stop);

static int parse_number_lit(parser *p, cJSON **out)
{
	const char *start = p->s + p->i;
	char *end;
	double d = strtod(start, &end);
	if (end == start)
		return perr(p, "invalid number");
	p->i += (size_t)(end - start);
	*out = cJSON_CreateNumber(d);
	return 0;
}

static int parse_filter(parser *p, step *s)
{
	/* after "[?(" */
	chain *left = calloc(1, sizeof(chain)), *right = NULL;
	s->alts = calloc(2, sizeof(chain *));
	s->alts[0] = left;
	s->nalts = 1;
	if (parse_chain(p, left, "=!<>)") < 0)
		return -1;
	while (peek(p) == ' ')
		p->i++;
	if (peek(p) != ')') {
		size_t k = 0;
		while (k < 2 && strchr("=!<>", peek(p)))
			s->op[k++] = p->s[p->i++];
		s->op[k] = '\0';
		if (!strcmp(s->op, "="))
			strcpy(s->op, "==");
		while (peek(p) == ' ')
			p->i++;
		right = calloc(1, sizeof(chain));
		s->alts[1] = right;
		s->nalts = 2;
		if (parse_chain(p, right, ")") < 0)
			return -1;
	}
	while (peek(p) == ' ')
		p->i++;
	if (peek(p) != ')' || p->i + 1 >= p->len || p->s[p->i + 1] != ']')
		return perr(p, "unclosed filter: expected )]");
	p->i += 2;
	return 0;
}

static int parse_bracket(parser *p, chain *c)
{
	/* after '[' */
	if (peek(p) == '?') {
		p->i++;
		if (peek(p) != '(')
			return perr(p, "invalid filter: expected (");
		p->i++;
		return parse_filter(p, add_step(c, ST_FILTER));
	}
	if (peek(p) == '\'' || peek(p) == '"') {
		/* ['a'] or ['a','b'] */
		step *u = NULL;
		for (;;) {
			char *name = parse_quoted(p);
			if (!name)
				return perr(p, "unterminated quoted string");
			chain *alt = calloc(1, sizeof(chain));
			add_step(alt, ST_FIELD)->name = name;
			if (!u)
				u = add_step(c, ST_UNION);
			u->alts = realloc(u->alts, (u->nalts + 1) * sizeof(chain *));
			u->alts[u->nalts++] = alt;
			if (peek(p) == ',') {
				p->i++;
				continue;
			}
			if (peek(p) != ']')
				return perr(p, "unclosed array expect ]");
			p->i++;
			break;
		}
		if (u->nalts == 1) {
			/* a plain field */
			chain *alt = u->alts[0];
			step tmp = alt->steps[0];
			alt->n = 0;
			chain_free(alt);
			free(u->alts);
			*u = tmp;
		}
		return 0;
	}
	/* indexes: [*], [i], [a:b:c], [i,j] */
	size_t close = p->i;
	while (close < p->len && p->s[close] != ']')
		close++;
	if (close >= p->len)
		return perr(p, "unclosed array expect ]");
	char inner[256];
	snprintf(inner, sizeof(inner), "%.*s", (int)(close - p->i), p->s + p->i);
	p->i = close + 1;
	if (!strcmp(inner, "*")) {
		add_step(c, ST_INDEX);
		return 0;
	}
	if (strchr(inner, ',')) {
		step *u = add_step(c, ST_UNION);
		char *save = NULL;
		for (char *t = strtok_r(inner, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			chain *alt = calloc(1, sizeof(chain));
			step *ix = add_step(alt, ST_INDEX);
			ix->a = strtol(t, NULL, 10);
			ix->has_a = ix->single = true;
			u->alts = realloc(u->alts, (u->nalts + 1) * sizeof(chain *));
			u->alts[u->nalts++] = alt;
		}
		return 0;
	}
	step *ix = add_step(c, ST_INDEX);
	char *parts[3] = {inner, NULL, NULL};
	int np = 1;
	for (char *q = inner; *q && np < 3; q++)
		if (*q == ':') {
			*q = '\0';
			parts[np++] = q + 1;
		}
	long *vals[3] = {&ix->a, &ix->b, &ix->c};
	bool *has[3] = {&ix->has_a, &ix->has_b, &ix->has_c};
	for (int k = 0; k < np; k++) {
		char *t = parts[k];
		while (*t == ' ')
			t++;
		if (!*t)
			continue;
		char *end;
		*vals[k] = strtol(t, &end, 10);
		if (*end && *end != ' ') {
			snprintf(p->msg, p->msize, "invalid array index %s", t);
			return -1;
		}
		*has[k] = true;
	}
	ix->single = np == 1;
	return 0;
}

/* Parses steps until a char of stop (not consumed) or the end of the action. */
static int parse_chain(parser *p, chain *c, const char *stop)
{
	while (p->i < p->len) {
		char ch = p->s[p->i];
		if (strchr(stop, ch))
			return 0;
		if (ch == ' ') {
			p->i++;
			if (c->n)
				return 0;
			continue;
		}
		if (ch == '$') {
			p->i++;
			add_step(c, ST_ROOT);
		} else if (ch == '@') {
			p->i++;
			add_step(c, ST_CUR);
		} else if (ch == '.') {
			p->i++;
			if (peek(p) == '.') {
				p->i++;
				/* "...." is one descent: descendants of descendants add nothing */
				if (!c->n || c->steps[c->n - 1].kind != ST_RECURSIVE)
					add_step(c, ST_RECURSIVE);
			}
			if (peek(p) == '[' || !peek(p) || strchr(stop, peek(p)))
				continue;
			if (peek(p) == '*') {
				p->i++;
				add_step(c, ST_FIELD)->name = strdup("*");
				continue;
			}
			char *name = parse_name(p);
			if (!name[0]) {
				free(name);
				continue;
			}
			add_step(c, ST_FIELD)->name = name;
		} else if (ch == '[') {
			p->i++;
			if (parse_bracket(p, c) < 0)
				return -1;
		} else if (ch == '"' || ch == '\'') {
			char *s = parse_quoted(p);
			if (!s)
				return perr(p, "unterminated quoted string");
			add_step(c, ST_LITERAL)->lit = cJSON_CreateString(s);
			free(s);
		} else if (ch == '-' || ch == '+' || isdigit((unsigned char)ch)) {
			cJSON *n;
			if (parse_number_lit(p, &n) < 0)
				return -1;
			add_step(c, ST_LITERAL)->lit = n;
		} else if (isalpha((unsigned char)ch)) {
			char *id = parse_name(p);
			if (!strcmp(id, "true") || !strcmp(id, "false"))
				add_step(c, ST_LITERAL)->lit =
					cJSON_CreateBool(!strcmp(id, "true"));
			else {
				/* a bare identifier: a field of the current value */
				if (!c->n)
					add_step(c, ST_CUR);
				add_step(c, ST_FIELD)->name = CUBE_STEAL(id);
			}
			free(id);
		} else {
			snprintf(p->msg, p->msize, "unrecognized character in action: U+%04X '%c'",
				 (unsigned char)ch, ch);
			return -1;
		}
	}
	return 0;
}

static int add_node(node **nodes, size_t *n, node v)
{
	node *x = realloc(*nodes, (*n + 1) * sizeof(node));
	if (!x)
		abort();
	*nodes = x;
	x[(*n)++] = v;
	return 0;
}

/* Parses nodes until {end} (in_range) or the end of the text. */
static int parse_nodes(parser *p, node **out, size_t *nout, bool in_range)
{
	while (p->i < p->len) {
		const char *open = memchr(p->s + p->i, '{', p->len - p->i);
		size_t tend = open ? (size_t)(open - p->s) : p->len;
		if (tend > p->i) {
			node t = {.kind = N_TEXT, .text = strndup(p->s + p->i, tend - p->i)};
			add_node(out, nout, t);
		}
		if (!open) {
			p->i = p->len;
			break;
		}
		/* the action: up to the matching '}' outside quotes */
		size_t j = tend + 1;
		char q = 0;
		while (j < p->len && (q || p->s[j] != '}')) {
			if (q && p->s[j] == '\\')
				j++;
			else if (q && p->s[j] == q)
				q = 0;
			else if (!q && (p->s[j] == '"' || p->s[j] == '\''))
				q = p->s[j];
			j++;
		}
		if (j >= p->len)
			return perr(p, "unclosed action");
		parser sub = {p->s, tend + 1, j, p->msg, p->msize};
		p->i = j + 1;
		while (sub.i < sub.len && sub.s[sub.i] == ' ')
			sub.i++;
		if (sub.len - sub.i >= 3 && !strncmp(sub.s + sub.i, "end", 3) &&
		    (sub.len - sub.i == 3 || sub.s[sub.i + 3] == ' ')) {
			if (!in_range)
				return perr(p, "not in range, nothing to end");
			return 1;
		}
		if (sub.len - sub.i >= 6 && !strncmp(sub.s + sub.i, "range", 5) &&
		    !isalnum((unsigned char)sub.s[sub.i + 5])) {
			sub.i += 5;
			node r = {.kind = N_RANGE, .expr = calloc(1, sizeof(chain))};
			if (parse_chain(&sub, r.expr, "") < 0) {
				chain_free(r.expr);
				return -1;
			}
			int rc = parse_nodes(p, &r.body, &r.nbody, true);
			if (rc < 0) {
				chain_free(r.expr);
				nodes_free(r.body, r.nbody);
				return -1;
			}
			if (rc != 1) {
				chain_free(r.expr);
				nodes_free(r.body, r.nbody);
				return perr(p, "unclosed range");
			}
			add_node(out, nout, r);
			continue;
		}
		/* one or more chains separated by blanks ({.a .b} is rare; take all) */
		while (sub.i < sub.len) {
			node a = {.kind = N_ACTION, .expr = calloc(1, sizeof(chain))};
			if (parse_chain(&sub, a.expr, "") < 0) {
				chain_free(a.expr);
				return -1;
			}
			if (a.expr->n)
				add_node(out, nout, a);
			else
				chain_free(a.expr);
			while (sub.i < sub.len && sub.s[sub.i] == ' ')
				sub.i++;
		}
	}
	return 0;
}

cctl_jsonpath *cctl_jsonpath_parse(const char *tmpl, char *msg, size_t size)
{
	cctl_jsonpath *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	parser p = {tmpl, 0, strlen(tmpl), msg, size};
	int rc = parse_nodes(&p, &j->nodes, &j->n, false);
	if (rc != 0) {
		if (rc == 1)
			snprintf(msg, size, "not in range, nothing to end");
		cctl_jsonpath_free(j);
		return NULL;
	}
	return j;
}

/* ---- evaluation ---------------------------------------------------------------------------- */

typedef struct vals {
	const cJSON **v;
	size_t n, cap;
} vals;

static void vals_add(vals *l, const cJSON *v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = v;
}

typedef struct ectx {
	const cJSON *root;
	bool allow_missing;
	char *msg;
	size_t msize;
	cJSON *temps; /* literals made during evaluation */
	size_t work;  /* values produced so far, all steps together */
} ectx;

static int eval_chain(ectx *e, const chain *c, const cJSON *cur, vals *out);

static int cmp_keys(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	return strcmp(x->string, y->string);
}

static void all_descendants(const cJSON *v, vals *out)
{
	vals_add(out, v);
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		const cJSON *c;
		cJSON_ArrayForEach (c, v) {
			all_descendants(c, out);
		}
	}
}

static bool filter_compare(const cJSON *l, const char *op, const cJSON *r)
{
	if (!op[0])
		return l != NULL;
	int cmp;
	if (cJSON_IsNumber(l) && cJSON_IsNumber(r))
		cmp = l->valuedouble < r->valuedouble ? -1 : l->valuedouble > r->valuedouble;
	else if (cJSON_IsString(l) && cJSON_IsString(r))
		cmp = strcmp(l->valuestring, r->valuestring);
	else if (cJSON_IsBool(l) && cJSON_IsBool(r))
		cmp = cJSON_IsTrue(l) == cJSON_IsTrue(r) ? 0 : 1;
	else
		return !strcmp(op, "!=");
	if (!strcmp(op, "=="))
		return cmp == 0;
	if (!strcmp(op, "!="))
		return cmp != 0;
	if (!strcmp(op, "<"))
		return cmp < 0;
	if (!strcmp(op, ">"))
		return cmp > 0;
	if (!strcmp(op, "<="))
		return cmp <= 0;
	if (!strcmp(op, ">="))
		return cmp >= 0;
	return false;
}

/* Values one evaluation may produce, all steps together: "..*..*" and the
 * like multiply them (each copy of a value walks its descendants again), so
 * a template gets this budget and fails past it. */
#define JP_MAX_RESULTS 1000000

static int eval_step(ectx *e, const step *s, const vals *in, vals *out)
{
	for (size_t i = 0; i < in->n; i++) {
		const cJSON *v = in->v[i];
		if (e->work + out->n > JP_MAX_RESULTS) {
			snprintf(e->msg, e->msize, "too many results (more than %d)",
				 JP_MAX_RESULTS);
			return -1;
		}
		switch (s->kind) {
		case ST_ROOT:
			vals_add(out, e->root);
			break;
		case ST_CUR:
			vals_add(out, v);
			break;
		case ST_LITERAL:
			vals_add(out, s->lit);
			break;
		case ST_FIELD:
			if (!strcmp(s->name, "*")) {
				if (cJSON_IsObject(v)) {
					vals tmp = {0};
					const cJSON *c;
					cJSON_ArrayForEach (c, v) {
						vals_add(&tmp, c);
					}
					if (tmp.n)
						qsort(tmp.v, tmp.n, sizeof(*tmp.v), cmp_keys);
					for (size_t k = 0; k < tmp.n; k++)
						vals_add(out, tmp.v[k]);
					free(tmp.v);
				} else if (cJSON_IsArray(v)) {
					const cJSON *c;
					cJSON_ArrayForEach (c, v) {
						vals_add(out, c);
					}
				}
				break;
			}
			if (cJSON_IsObject(v)) {
				const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, s->name);
				if (f)
					vals_add(out, f);
				else if (!e->allow_missing) {
					snprintf(e->msg, e->msize, "%s is not found", s->name);
					return -1;
				}
			}
			break;
		case ST_RECURSIVE:
			all_descendants(v, out);
			break;
		case ST_INDEX: {
			if (!cJSON_IsArray(v)) {
				if (!e->allow_missing && !cJSON_IsNull(v)) {
					snprintf(e->msg, e->msize, "not an array or slice");
					return -1;
				}
				break;
			}
			long len = cJSON_GetArraySize(v);
			if (s->single) {
				long ix = s->a < 0 ? s->a + len : s->a;
				if (ix < 0 || ix >= len) {
					if (!e->allow_missing) {
						snprintf(e->msg, e->msize,
							 "array index out of bounds: index %ld, "
							 "length %ld",
							 s->a, len);
						return -1;
					}
					break;
				}
				vals_add(out, cJSON_GetArrayItem(v, (int)ix));
				break;
			}
			long a = s->has_a ? s->a : 0, b = s->has_b ? s->b : len,
			     st = s->has_c ? s->c : 1;
			if (a < 0)
				a += len;
			if (b < 0)
				b += len;
			if (a < 0)
				a = 0;
			if (b > len)
				b = len;
			if (st <= 0)
				st = 1;
			for (long k = a; k < b; k += st)
				vals_add(out, cJSON_GetArrayItem(v, (int)k));
			break;
		}
		case ST_UNION:
			for (size_t k = 0; k < s->nalts; k++) {
				vals one = {0};
				vals_add(&one, v);
				vals r = {0};
				int rc = 0;
				for (size_t m = 0; m < s->alts[k]->n && rc == 0; m++) {
					r.n = 0;
					rc = eval_step(e, &s->alts[k]->steps[m], &one, &r);
					vals t = one;
					one = r;
					r = t;
				}
				for (size_t m = 0; rc == 0 && m < one.n; m++)
					vals_add(out, one.v[m]);
				free(one.v);
				free(r.v);
				if (rc < 0)
					return -1;
			}
			break;
		case ST_FILTER: {
			const cJSON *c;
			vals items = {0};
			if (cJSON_IsArray(v)) {
				cJSON_ArrayForEach (c, v) {
					vals_add(&items, c);
				}
			} else if (cJSON_IsObject(v)) {
				vals_add(&items, v);
			}
			for (size_t k = 0; k < items.n; k++) {
				bool saved = e->allow_missing;
				e->allow_missing = true;
				vals l = {0}, r = {0};
				eval_chain(e, s->alts[0], items.v[k], &l);
				if (s->nalts > 1)
					eval_chain(e, s->alts[1], items.v[k], &r);
				e->allow_missing = saved;
				bool ok = s->nalts > 1 ? (l.n && r.n &&
							  filter_compare(l.v[0], s->op, r.v[0]))
						       : l.n > 0;
				if (ok)
					vals_add(out, items.v[k]);
				free(l.v);
				free(r.v);
			}
			free(items.v);
			break;
		}
		}
	}
	return 0;
}

static int eval_chain(ectx *e, const chain *c, const cJSON *cur, vals *out)
{
	vals in = {0}, nx = {0};
	vals_add(&in, cur);
	for (size_t i = 0; i < c->n; i++) {
		nx.n = 0;
		if (eval_step(e, &c->steps[i], &in, &nx) < 0) {
			free(in.v);
			free(nx.v);
			return -1;
		}
		e->work += nx.n;
		vals t = in;
		in = nx;
		nx = t;
	}
	for (size_t i = 0; i < in.n; i++)
		vals_add(out, in.v[i]);
	free(in.v);
	free(nx.v);
	return 0;
}

/* Appends s; the buffer grows by doubling (len is the text's length, the
 * allocation is the next power of two above it), so long outputs stay
 * linear. */
static void append(char **out, size_t *len, const char *s)
{
	size_t n = strlen(s);
	size_t cap = 64;
	while (cap <= *len)
		cap *= 2;
	if (!*out || *len + n + 1 > cap) {
		size_t ncap = cap;
		while (ncap < *len + n + 1)
			ncap *= 2;
		char *p = realloc(*out, ncap);
		if (!p)
			abort();
		*out = p;
	}
	memcpy(*out + *len, s, n + 1);
	*len += n;
}

static void print_value(const cJSON *v, char **out, size_t *len)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		char *j = cctl_json_go(v, 0);
		append(out, len, j);
		free(j);
	} else {
		char *s = cctl_go_sprint(v);
		append(out, len, s);
		free(s);
	}
}

static int exec_nodes(ectx *e, const node *nodes, size_t n, const cJSON *cur, char **out,
		      size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		const node *nd = &nodes[i];
		if (nd->kind == N_TEXT) {
			append(out, len, nd->text);
			continue;
		}
		vals r = {0};
		/* a chain that does not start at $ or @ starts at the current value */
		if (eval_chain(e, nd->expr, cur, &r) < 0) {
			free(r.v);
			return -1;
		}
		if (nd->kind == N_RANGE) {
			for (size_t k = 0; k < r.n; k++) {
				const cJSON *v = r.v[k];
				/* a range over one list walks its elements */
				if (r.n == 1 && cJSON_IsArray(v)) {
					const cJSON *c;
					cJSON_ArrayForEach (c, v) {
						if (exec_nodes(e, nd->body, nd->nbody, c, out,
							       len) < 0) {
							free(r.v);
							return -1;
						}
					}
					break;
				}
				if (exec_nodes(e, nd->body, nd->nbody, v, out, len) < 0) {
					free(r.v);
					return -1;
				}
			}
		} else {
			for (size_t k = 0; k < r.n; k++) {
				if (k)
					append(out, len, " ");
				print_value(r.v[k], out, len);
			}
		}
		free(r.v);
	}
	return 0;
}

int cctl_jsonpath_exec(const cctl_jsonpath *j, const cJSON *data, bool allow_missing, char **out,
		       char *msg, size_t size)
{
	ectx e = {data, allow_missing, msg, size, NULL, 0};
	size_t len = *out ? strlen(*out) : 0;
	if (*out) {
		/* give the caller's buffer the capacity append() assumes */
		size_t cap = 64;
		while (cap <= len)
			cap *= 2;
		char *p = realloc(*out, cap);
		if (!p)
			abort();
		*out = p;
	} else {
		append(out, &len, "");
	}
	return exec_nodes(&e, j->nodes, j->n, data, out, &len);
}

cJSON *cctl_jsonpath_find(const cctl_jsonpath *j, const cJSON *data, char *msg, size_t size)
{
	ectx e = {data, true, msg, size, NULL, 0};
	cJSON *res = cJSON_CreateArray();
	for (size_t i = 0; i < j->n; i++) {
		if (j->nodes[i].kind != N_ACTION)
			continue;
		vals r = {0};
		if (eval_chain(&e, j->nodes[i].expr, data, &r) < 0) {
			free(r.v);
			cJSON_Delete(res);
			return NULL;
		}
		/* references, not copies: a template may find a great many values */
		for (size_t k = 0; k < r.n; k++)
			cJSON_AddItemReferenceToArray(res, (cJSON *)r.v[k]);
		free(r.v);
	}
	return res;
}

int cctl_jsonpath_relaxed(const char *expr, char *buf, size_t size, char *msg, size_t msgsize)
{
	size_t n = strlen(expr);
	if (!n) {
		snprintf(buf, size, "%s", expr);
		return 0;
	}
	const char *body = expr;
	size_t blen = n;
	if (expr[0] == '{' && expr[n - 1] == '}') {
		body = expr + 1;
		blen = n - 2;
	}
	if (blen && body[0] == '.') {
		body++;
		blen--;
	}
	if (!blen || memchr(body, '{', blen) || memchr(body, '}', blen)) {
		snprintf(msg, msgsize,
			 "unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
			 "'{name1.name2}' or '{.name1.name2}'");
		return -1;
	}
	snprintf(buf, size, "{.%.*s}", (int)blen, body);
	return 0;
}

char *cctl_custom_columns(const char *spec, const cJSON *const *objs, size_t n, bool no_headers,
			  char *msg, size_t size)
{
	cube_autofree char *copy = strdup(spec);
	if (!copy)
		return NULL;
	char *headers[64];
	cctl_jsonpath *paths[64];
	size_t nc = 0;
	char *save = NULL;
	char *result = NULL;
	for (char *part = strtok_r(copy, ",", &save); part && nc < 64;
	     part = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(part, ':');
		if (!colon) {
			snprintf(msg, size,
				 "unexpected custom-columns spec: %s, expected "
				 "<header>:<json-path-expr>",
				 part);
			goto out;
		}
		*colon = '\0';
		char expr[1024];
		if (cctl_jsonpath_relaxed(colon + 1, expr, sizeof(expr), msg, size) < 0)
			goto out;
		headers[nc] = part;
		paths[nc] = cctl_jsonpath_parse(expr, msg, size);
		if (!paths[nc])
			goto out;
		nc++;
	}
	cctl_tabw tw = {0};
	if (!no_headers) {
		for (size_t i = 0; i < nc; i++)
			cctl_tabw_add(&tw, "%s%s", i ? "\t" : "", headers[i]);
		cctl_tabw_add(&tw, "\n");
	}
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < nc; i++) {
			cJSON *found = cctl_jsonpath_find(paths[i], objs[k], msg, size);
			if (i)
				cctl_tabw_add(&tw, "\t");
			if (!found || !cJSON_GetArraySize(found)) {
				cctl_tabw_add(&tw, "<none>");
			} else {
				const cJSON *v;
				bool first = true;
				cJSON_ArrayForEach (v, found) {
					char *s = cctl_go_sprint(v);
					cctl_tabw_add(&tw, "%s%s", first ? "" : ",", s);
					free(s);
					first = false;
				}
			}
			cJSON_Delete(found);
		}
		cctl_tabw_add(&tw, "\n");
	}
	result = cctl_tabw_render(&tw);
	cctl_tabw_free(&tw);
out:
	for (size_t i = 0; i < nc; i++)
		cctl_jsonpath_free(paths[i]);
	return result;
}
