/* metrics.h - a thread-safe Prometheus metrics registry.
 *
 * Every long-running cube program keeps one registry and serves
 * cube_metrics_render() on GET /metrics, in the text exposition format 0.0.4:
 *
 *   cube_metrics *m = cube_metrics_new();
 *   static const char *const lbl[] = {"verb", "code", NULL};
 *   cube_metric *req = cube_metrics_counter(m, "apiserver_request_total",
 *                                           "Requests served.", lbl);
 *   cube_metric_add(req, (const char *const[]){"GET", "200"}, 1);
 *
 * A registry holds families (a counter, gauge or histogram with a fixed list
 * of label names); a family holds one series per combination of label values,
 * created on first use.  A family without labels has its single series from
 * the start, so it renders as 0 before anything happens; a family with labels
 * renders nothing (no HELP, no TYPE) until it has a series, as Prometheus' Go
 * client does.
 *
 * Thread safety: every function may be called from any thread at any time,
 * except cube_metrics_free, which must be the last call on a registry.
 * Family pointers are owned by the registry and stay valid until
 * cube_metrics_free.  The update functions accept a NULL family and then do
 * nothing, so a program can go on if a registration failed.
 *
 * Output: families in registration order; in each family the series sorted by
 * their label values (strcmp, label by label in the order the names were
 * given); labels printed in that same order; label values escaped (\\, \" and
 * \n) and help text escaped (\\ and \n).  Numbers are printed as
 * strconv.FormatFloat(v, 'g', -1, 64) in Go prints them, which is what the Go
 * client does: the shortest text that reads back as the same double, with an
 * exponent when it is below -4 or at least 6 ("1", "0.005", "123456",
 * "1.234567e+06", "1e-05"), and "+Inf", "-Inf", "NaN".  Histogram counts are
 * printed the same way.
 */
#ifndef CUBE_METRICS_H
#define CUBE_METRICS_H

#include <stddef.h>

typedef struct cube_metrics cube_metrics; /* a registry */
typedef struct cube_metric cube_metric;	  /* one family: counter, gauge or histogram */

/* Returns an empty registry, NULL on ENOMEM. */
cube_metrics *cube_metrics_new(void);

/* Frees the registry and all its families; their pointers become invalid.
 * Accepts NULL.  No other call on the registry may run meanwhile. */
void cube_metrics_free(cube_metrics *m);

/* Registers a family.  `name` must match [a-zA-Z_:][a-zA-Z0-9_:]*.
 * `help` is copied; NULL leaves out the "# HELP" line.  `label_names` is a
 * NULL-terminated array (NULL for none), copied; each name must match
 * [a-zA-Z_][a-zA-Z0-9_]*, must not start with "__" (reserved by Prometheus),
 * must not repeat, and a histogram may not use "le".
 *
 * Registering a name again returns the existing family if the type and the
 * label names (in order) match, and for histograms the buckets too; the help
 * text is not compared.  Otherwise it returns NULL.
 *
 * Returns the family, owned by the registry, or NULL on ENOMEM, on an invalid
 * name or label name, or on a conflicting re-registration. */
cube_metric *cube_metrics_counter(cube_metrics *m, const char *name, const char *help,
				  const char *const *label_names);
cube_metric *cube_metrics_gauge(cube_metrics *m, const char *name, const char *help,
				const char *const *label_names);

/* As above, for a histogram with `n_buckets` upper bounds, strictly ascending
 * and not NaN (else NULL).  The "+Inf" bucket is implicit; a trailing
 * INFINITY in `buckets` is accepted and stands for it.  The bounds are copied;
 * `buckets` may be NULL when n_buckets is 0 (a histogram with only "+Inf"). */
cube_metric *cube_metrics_histogram(cube_metrics *m, const char *name, const char *help,
				    const char *const *label_names, const double *buckets,
				    size_t n_buckets);

/* In the update functions, `label_values` holds as many strings as the family
 * has label names (NULL when it has none; a NULL array or element counts as
 * ""), read only during the call.  An unknown combination creates a series;
 * if that allocation fails the update is lost (metrics never fail a caller).
 * A call of the wrong kind for the family (set on a counter, observe on a
 * gauge ...) does nothing. */

/* Counters and gauges: adds v.  Counters only go up: a negative or NaN v is
 * ignored (and creates no series). */
void cube_metric_add(cube_metric *c, const char *const *label_values, double v);

/* Gauges: sets the value to v. */
void cube_metric_set(cube_metric *g, const char *const *label_values, double v);

/* Histograms: counts v in the first bucket whose bound is >= v (the "+Inf"
 * bucket if none; NaN goes there too), and adds it to the sum.  Rendered as
 * cumulative name_bucket{...,le="<bound>"} lines, then name_sum and
 * name_count. */
void cube_metric_observe(cube_metric *h, const char *const *label_values, double v);

/* The current value of a counter or gauge series, or the observation count of
 * a histogram series; 0 if the series does not exist (it is not created) or
 * `c` is NULL.  Meant for tests. */
double cube_metric_value(cube_metric *c, const char *const *label_values);

/* Renders every family in the text exposition format 0.0.4 (see the top of
 * this file).  Returns a malloc'd NUL-terminated string the caller frees, and
 * its length in *len if len is not NULL; NULL on ENOMEM.  An empty registry
 * gives "". */
char *cube_metrics_render(cube_metrics *m, size_t *len);

/* The Kubernetes apiserver request-duration buckets, in seconds:
 * 0.005 0.025 0.05 0.1 0.2 0.4 0.6 0.8 1 1.25 1.5 2 3 4 5 6 8 10 15 20 30 45 60. */
extern const double cube_metrics_latency_buckets[];
extern const size_t cube_metrics_latency_buckets_len;

#endif
