/* metrics.c - the Prometheus metrics registry behind every /metrics endpoint.
 *
 * A registry is a list of families in registration order plus a name index,
 * under one mutex that only registration and rendering take.  Each family has
 * its own mutex and a cube_strmap from an encoding of the label values to the
 * series, so an update on an existing series costs one lock and one hash
 * lookup, and updates of different families never wait for each other.
 * Rendering takes the registry lock, then each family's lock in turn while it
 * prints that family.
 */
#include "metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

const double cube_metrics_latency_buckets[] = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8,
					       1.0,   1.25,  1.5,  2,	3,   4,	  5,   6,
					       8,     10,    15,   20,	30,  45,  60};
const size_t cube_metrics_latency_buckets_len =
	sizeof(cube_metrics_latency_buckets) / sizeof(cube_metrics_latency_buckets[0]);

enum kind { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM };

static const char *const kind_names[] = {
	[KIND_COUNTER] = "counter",
	[KIND_GAUGE] = "gauge",
	[KIND_HISTOGRAM] = "histogram",
};

struct series {
	char **values; /* nvalues copies, in label-name order */
	size_t nvalues;
	double value;	 /* counter or gauge */
	double sum;	 /* histogram */
	uint64_t count;	 /* histogram: observations */
	uint64_t hits[]; /* histogram: per bucket, not cumulative; the last is +Inf */
};

struct cube_metric {
	enum kind kind;
	char *name;
	char *help; /* NULL: no HELP line */
	char **labels;
	size_t nlabels;
	double *bounds; /* histogram upper bounds, without +Inf */
	size_t nbounds;
	pthread_mutex_t mu; /* guards series and everything in it */
	cube_strmap *series;
};

struct cube_metrics {
	pthread_mutex_t mu; /* guards fams, nfams, cap and by_name */
	cube_metric **fams;
	size_t nfams, cap;
	cube_strmap *by_name;
};

/* ---- names ---------------------------------------------------------------- */

static bool name_char(char c, bool first, bool colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (colon && c == ':')
		return true;
	return !first && c >= '0' && c <= '9';
}

static bool valid_name(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++)
		if (!name_char(s[i], i == 0, colon))
			return false;
	return true;
}

/* Label names as the Go client accepts them: the syntax, no "__" prefix
 * (reserved for Prometheus' internal labels), no repeats, and no "le" in a
 * histogram because that label is the histogram's own. */
static bool valid_labels(const char *const *labels, size_t n, enum kind kind)
{
	for (size_t i = 0; i < n; i++) {
		const char *l = labels[i];
		if (!valid_name(l, false) || strncmp(l, "__", 2) == 0)
			return false;
		if (kind == KIND_HISTOGRAM && strcmp(l, "le") == 0)
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(labels[j], l) == 0)
				return false;
	}
	return true;
}

/* ---- series ------------------------------------------------------------- */

static const char *label_value(const char *const *values, size_t i)
{
	return values && values[i] ? values[i] : "";
}

static char *put_decimal(char *p, size_t n)
{
	char tmp[24];
	size_t k = 0;
	do {
		tmp[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (k)
		*p++ = tmp[--k];
	return p;
}

/* The map key of a series: each value as "<length>:<bytes>", so that no two
 * lists of values share a key whatever bytes they hold.  Uses `stack` (of
 * `cap` bytes) when the key fits, else a malloc'd buffer also stored in
 * *heap for the caller to free.  NULL on ENOMEM. */
static const char *series_key(const cube_metric *f, const char *const *values, char *stack,
			      size_t cap, char **heap)
{
	size_t need = 1;
	*heap = NULL;
	for (size_t i = 0; i < f->nlabels; i++)
		need += strlen(label_value(values, i)) + 21;
	char *buf = stack;
	if (need > cap) {
		buf = malloc(need);
		if (!buf)
			return NULL;
		*heap = buf;
	}
	char *p = buf;
	for (size_t i = 0; i < f->nlabels; i++) {
		const char *v = label_value(values, i);
		size_t n = strlen(v);
		p = put_decimal(p, n);
		*p++ = ':';
		memcpy(p, v, n);
		p += n;
	}
	*p = '\0';
	return buf;
}

static void series_free(struct series *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nvalues; i++)
		free(s->values[i]);
	free(s->values);
	free(s);
}

static struct series *series_new(const cube_metric *f, const char *const *values)
{
	size_t nhits = f->kind == KIND_HISTOGRAM ? f->nbounds + 1 : 0;
	struct series *s = calloc(1, sizeof(*s) + nhits * sizeof(s->hits[0]));
	if (!s)
		return NULL;
	if (f->nlabels) {
		s->values = calloc(f->nlabels, sizeof(*s->values));
		if (!s->values) {
			free(s);
			return NULL;
		}
		for (; s->nvalues < f->nlabels; s->nvalues++) {
			s->values[s->nvalues] = strdup(label_value(values, s->nvalues));
			if (!s->values[s->nvalues]) {
				series_free(s);
				return NULL;
			}
		}
	}
	return s;
}

/* The series for `values`, created if `create` and absent.  NULL if absent
 * (and not created) or on ENOMEM.  Called with f->mu held. */
static struct series *series_get(cube_metric *f, const char *const *values, bool create)
{
	char stack[256], *heap;
	const char *key = series_key(f, values, stack, sizeof(stack), &heap);
	if (!key)
		return NULL;
	struct series *s = cube_strmap_get(f->series, key);
	if (!s && create) {
		s = series_new(f, values);
		if (s && cube_strmap_put(f->series, key, s, NULL) < 0) {
			series_free(s);
			s = NULL;
		}
	}
	free(heap);
	return s;
}

static int series_free_cb(void *ud, const char *key, void *value)
{
	(void)ud;
	(void)key;
	series_free(value);
	return 0;
}

/* ---- families ------------------------------------------------------------ */

static void family_free(cube_metric *f)
{
	if (!f)
		return;
	if (f->series) {
		cube_strmap_each(f->series, series_free_cb, NULL);
		cube_strmap_free(f->series);
	}
	for (size_t i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->labels);
	free(f->bounds);
	free(f->help);
	free(f->name);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static cube_metric *family_new(enum kind kind, const char *name, const char *help,
			       const char *const *labels, size_t nlabels, const double *bounds,
			       size_t nbounds)
{
	cube_metric *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->kind = kind;
	pthread_mutex_init(&f->mu, NULL);
	f->name = strdup(name);
	f->help = help ? strdup(help) : NULL;
	f->series = cube_strmap_new();
	if (!f->name || (help && !f->help) || !f->series)
		goto fail;
	if (nlabels) {
		f->labels = calloc(nlabels, sizeof(*f->labels));
		if (!f->labels)
			goto fail;
		for (; f->nlabels < nlabels; f->nlabels++) {
			f->labels[f->nlabels] = strdup(labels[f->nlabels]);
			if (!f->labels[f->nlabels])
				goto fail;
		}
	}
	if (nbounds) {
		f->bounds = malloc(nbounds * sizeof(*f->bounds));
		if (!f->bounds)
			goto fail;
		memcpy(f->bounds, bounds, nbounds * sizeof(*f->bounds));
		f->nbounds = nbounds;
	}
	/* A family without labels exists as its one series from the start. */
	if (!nlabels && !series_get(f, NULL, true))
		goto fail;
	return f;
fail:
	family_free(f);
	return NULL;
}

static bool family_matches(const cube_metric *f, enum kind kind, const char *const *labels,
			   size_t nlabels, const double *bounds, size_t nbounds)
{
	if (f->kind != kind || f->nlabels != nlabels)
		return false;
	for (size_t i = 0; i < nlabels; i++)
		if (strcmp(f->labels[i], labels[i]) != 0)
			return false;
	if (kind != KIND_HISTOGRAM)
		return true;
	if (f->nbounds != nbounds)
		return false;
	for (size_t i = 0; i < nbounds; i++)
		if (f->bounds[i] != bounds[i])
			return false;
	return true;
}

static cube_metric *reg(cube_metrics *m, enum kind kind, const char *name, const char *help,
			const char *const *labels, const double *bounds, size_t nbounds)
{
	if (!m || !valid_name(name, true))
		return NULL;
	size_t nlabels = 0;
	while (labels && labels[nlabels])
		nlabels++;
	if (!valid_labels(labels, nlabels, kind))
		return NULL;
	if (kind == KIND_HISTOGRAM) {
		if (nbounds && !bounds)
			return NULL;
		for (size_t i = 0; i < nbounds; i++)
			if (isnan(bounds[i]) || (i && !(bounds[i - 1] < bounds[i])))
				return NULL;
		if (nbounds && isinf(bounds[nbounds - 1]) && bounds[nbounds - 1] > 0)
			nbounds--; /* the implicit +Inf bucket, given explicitly */
	}

	cube_metric *f = NULL;
	pthread_mutex_lock(&m->mu);
	cube_metric *old = cube_strmap_get(m->by_name, name);
	if (old) {
		if (family_matches(old, kind, labels, nlabels, bounds, nbounds))
			f = old;
		goto out;
	}
	if (m->nfams == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		cube_metric **fams = realloc(m->fams, cap * sizeof(*fams));
		if (!fams)
			goto out;
		m->fams = fams;
		m->cap = cap;
	}
	f = family_new(kind, name, help, labels, nlabels, bounds, nbounds);
	if (!f)
		goto out;
	if (cube_strmap_put(m->by_name, name, f, NULL) < 0) {
		family_free(f);
		f = NULL;
		goto out;
	}
	m->fams[m->nfams++] = f;
out:
	pthread_mutex_unlock(&m->mu);
	return f;
}

/* ---- registry -------------------------------------------------------------- */

cube_metrics *cube_metrics_new(void)
{
	cube_metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->by_name = cube_strmap_new();
	if (!m->by_name) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void cube_metrics_free(cube_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfams; i++)
		family_free(m->fams[i]);
	free(m->fams);
	cube_strmap_free(m->by_name);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

cube_metric *cube_metrics_counter(cube_metrics *m, const char *name, const char *help,
				  const char *const *label_names)
{
	return reg(m, KIND_COUNTER, name, help, label_names, NULL, 0);
}

cube_metric *cube_metrics_gauge(cube_metrics *m, const char *name, const char *help,
				const char *const *label_names)
{
	return reg(m, KIND_GAUGE, name, help, label_names, NULL, 0);
}

cube_metric *cube_metrics_histogram(cube_metrics *m, const char *name, const char *help,
				    const char *const *label_names, const double *buckets,
				    size_t n_buckets)
{
	return reg(m, KIND_HISTOGRAM, name, help, label_names, buckets, n_buckets);
}

/* ---- updates ------------------------------------------------------------- */

void cube_metric_add(cube_metric *c, const char *const *label_values, double v)
{
	if (!c || c->kind == KIND_HISTOGRAM)
		return;
	if (c->kind == KIND_COUNTER && !(v >= 0))
		return;
	pthread_mutex_lock(&c->mu);
	struct series *s = series_get(c, label_values, true);
	if (s)
		s->value += v;
	pthread_mutex_unlock(&c->mu);
}

void cube_metric_set(cube_metric *g, const char *const *label_values, double v)
{
	if (!g || g->kind != KIND_GAUGE)
		return;
	pthread_mutex_lock(&g->mu);
	struct series *s = series_get(g, label_values, true);
	if (s)
		s->value = v;
	pthread_mutex_unlock(&g->mu);
}

/* The index of the first bound >= v, nbounds (the +Inf bucket) if none or if
 * v is NaN. */
static size_t bucket_of(const cube_metric *h, double v)
{
	size_t lo = 0, hi = h->nbounds;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v <= h->bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return isnan(v) ? h->nbounds : lo;
}

void cube_metric_observe(cube_metric *h, const char *const *label_values, double v)
{
	if (!h || h->kind != KIND_HISTOGRAM)
		return;
	size_t b = bucket_of(h, v);
	pthread_mutex_lock(&h->mu);
	struct series *s = series_get(h, label_values, true);
	if (s) {
		s->hits[b]++;
		s->count++;
		s->sum += v;
	}
	pthread_mutex_unlock(&h->mu);
}

double cube_metric_value(cube_metric *c, const char *const *label_values)
{
	if (!c)
		return 0;
	double v = 0;
	pthread_mutex_lock(&c->mu);
	struct series *s = series_get(c, label_values, false);
	if (s)
		v = c->kind == KIND_HISTOGRAM ? (double)s->count : s->value;
	pthread_mutex_unlock(&c->mu);
	return v;
}

/* ---- rendering ------------------------------------------------------------ */

/* Formats v as Go's strconv.FormatFloat(v, 'g', -1, 64), which the Go client
 * uses for every number: the shortest digits that read back as v, in %e form
 * when the decimal exponent is < -4 or >= 6, else in %f form.  buf holds at
 * least 32 bytes (the longest is "-1.2345678901234567e-308"). */
static void format_number(double v, char *buf, size_t cap)
{
	if (isnan(v)) {
		snprintf(buf, cap, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, cap, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) { /* -0 too, as in Go's client */
		snprintf(buf, cap, "0");
		return;
	}
	/* glibc rounds correctly, so the first precision whose text reads back
	 * as v gives the shortest digits, as Go's algorithm does. */
	char e[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	/* e is "[-]d[.ddd]e(+|-)XX": split into sign, digits and exponent. */
	const char *p = e;
	bool neg = *p == '-';
	if (neg)
		p++;
	char digits[24];
	size_t nd = 0;
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	int exp = atoi(p + 1);

	char *o = buf;
	if (neg)
		*o++ = '-';
	if (exp < -4 || exp >= 6) {
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, nd - 1);
			o += nd - 1;
		}
		snprintf(o, cap - (size_t)(o - buf), "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > exp; i--)
			*o++ = '0';
		memcpy(o, digits, nd);
		o += nd;
	} else {
		/* exp + 1 digits before the point, zero-padded if fewer. */
		for (size_t i = 0; i <= (size_t)exp; i++)
			*o++ = i < nd ? digits[i] : '0';
		if (nd > (size_t)exp + 1) {
			*o++ = '.';
			memcpy(o, digits + exp + 1, nd - (size_t)exp - 1);
			o += nd - (size_t)exp - 1;
		}
	}
	*o = '\0';
}

/* A growing output buffer; after a failed allocation it only records that. */
struct out {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (o->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->oom = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void out_num(struct out *o, double v)
{
	char b[40];
	format_number(v, b, sizeof(b));
	out_str(o, b);
}

/* Writes s with \\ and newline escaped, and " too if `quote` (label values). */
static void out_escaped(struct out *o, const char *s, bool quote)
{
	const char *run = s;
	for (; *s; s++) {
		const char *rep = NULL;
		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (rep) {
			out_put(o, run, (size_t)(s - run));
			out_str(o, rep);
			run = s + 1;
		}
	}
	out_put(o, run, (size_t)(s - run));
}

/* One sample line: name+suffix, the series' labels plus le="<le>" if `le`
 * is not NULL, and the value. */
static void out_sample(struct out *o, const cube_metric *f, const char *suffix,
		       const struct series *s, const double *le, double v)
{
	out_str(o, f->name);
	out_str(o, suffix);
	if (f->nlabels || le) {
		out_put(o, "{", 1);
		for (size_t i = 0; i < f->nlabels; i++) {
			if (i)
				out_put(o, ",", 1);
			out_str(o, f->labels[i]);
			out_put(o, "=\"", 2);
			out_escaped(o, s->values[i], true);
			out_put(o, "\"", 1);
		}
		if (le) {
			out_str(o, f->nlabels ? ",le=\"" : "le=\"");
			out_num(o, *le);
			out_put(o, "\"", 1);
		}
		out_put(o, "}", 1);
	}
	out_put(o, " ", 1);
	out_num(o, v);
	out_put(o, "\n", 1);
}

static int cmp_series(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;
	for (size_t i = 0; i < x->nvalues; i++) {
		int c = strcmp(x->values[i], y->values[i]);
		if (c)
			return c;
	}
	return 0;
}

struct collect {
	struct series **v;
	size_t n;
};

static int collect_cb(void *ud, const char *key, void *value)
{
	struct collect *c = ud;
	(void)key;
	c->v[c->n++] = value;
	return 0;
}

/* Prints one family; called with f->mu held.  Returns -1 on ENOMEM. */
static int out_family(struct out *o, const cube_metric *f)
{
	size_t n = cube_strmap_len(f->series);
	if (!n)
		return 0;
	struct collect c = {malloc(n * sizeof(*c.v)), 0};
	if (!c.v)
		return -1;
	cube_strmap_each(f->series, collect_cb, &c);
	qsort(c.v, c.n, sizeof(*c.v), cmp_series);

	if (f->help) {
		out_str(o, "# HELP ");
		out_str(o, f->name);
		out_put(o, " ", 1);
		out_escaped(o, f->help, false);
		out_put(o, "\n", 1);
	}
	out_str(o, "# TYPE ");
	out_str(o, f->name);
	out_put(o, " ", 1);
	out_str(o, kind_names[f->kind]);
	out_put(o, "\n", 1);

	static const double inf = INFINITY;
	for (size_t i = 0; i < c.n; i++) {
		const struct series *s = c.v[i];
		if (f->kind != KIND_HISTOGRAM) {
			out_sample(o, f, "", s, NULL, s->value);
			continue;
		}
		uint64_t cum = 0;
		for (size_t b = 0; b < f->nbounds; b++) {
			cum += s->hits[b];
			out_sample(o, f, "_bucket", s, &f->bounds[b], (double)cum);
		}
		out_sample(o, f, "_bucket", s, &inf, (double)s->count);
		out_sample(o, f, "_sum", s, NULL, s->sum);
		out_sample(o, f, "_count", s, NULL, (double)s->count);
	}
	free(c.v);
	return 0;
}

char *cube_metrics_render(cube_metrics *m, size_t *len)
{
	struct out o = {0};
	out_put(&o, "", 0); /* so that an empty registry gives "" */
	pthread_mutex_lock(&m->mu);
	for (size_t i = 0; i < m->nfams && !o.oom; i++) {
		cube_metric *f = m->fams[i];
		pthread_mutex_lock(&f->mu);
		if (out_family(&o, f) < 0)
			o.oom = true;
		pthread_mutex_unlock(&f->mu);
	}
	pthread_mutex_unlock(&m->mu);
	if (o.oom) {
		free(o.buf);
		return NULL;
	}
	if (len)
		*len = o.len;
	return o.buf;
}
