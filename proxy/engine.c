/* engine.c - desired and applied services, and the sync between them.
 *
 * A compiled service (svc.h) is owned by the maps that point to it: `desired`
 * (the latest state set) and `applied` (the state at the last successful
 * sync, needed to know which UDP endpoints went away).  It is freed when
 * neither points to it any more. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "strmap.h"

struct proxy_engine {
	proxy_engine_config cfg;
	cube_strmap *desired; /* key -> proxy_service* */
	cube_strmap *applied; /* key -> proxy_service* */
	cube_strmap *changed; /* key -> (void *)1, since the last successful sync */
	cube_strmap *active;  /* per-service chains written by the last successful sync */
	bool need_full;
	char *last_batch;
	proxy_top_digest digest; /* top-level chains as last applied (rules.h) */
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

proxy_engine *proxy_engine_new(const proxy_engine_config *cfg, cube_err *err)
{
	proxy_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	e->cfg = *cfg;
	e->desired = cube_strmap_new();
	e->applied = cube_strmap_new();
	e->changed = cube_strmap_new();
	e->active = cube_strmap_new();
	e->need_full = true;
	if (!e->desired || !e->applied || !e->changed || !e->active) {
		proxy_engine_free(e);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	return e;
}

static int free_unshared(void *ud, const char *key, void *value)
{
	proxy_engine *e = ud;
	if (cube_strmap_get(e->desired, key) != value)
		proxy_service_free(value);
	return 0;
}

static int free_value(void *ud, const char *key, void *value)
{
	(void)ud;
	(void)key;
	proxy_service_free(value);
	return 0;
}

void proxy_engine_free(proxy_engine *e)
{
	if (!e)
		return;
	if (e->applied)
		cube_strmap_each(e->applied, free_unshared, e);
	if (e->desired)
		cube_strmap_each(e->desired, free_value, NULL);
	cube_strmap_free(e->desired);
	cube_strmap_free(e->applied);
	cube_strmap_free(e->changed);
	cube_strmap_free(e->active);
	free(e->last_batch);
	free(e);
}

int proxy_engine_set(proxy_engine *e, const char *key, const cJSON *svc, const cJSON *endpoints,
		     cube_err *err)
{
	proxy_service *s = NULL;
	if (svc) {
		s = proxy_service_compile(svc, endpoints, e->cfg.hostname, err);
		if (!s)
			return cube_err_prefix(err, "service %s", key);
	}
	if (cube_strmap_put(e->changed, key, (void *)1, NULL) < 0) {
		proxy_service_free(s);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	void *old = NULL;
	if (s) {
		if (cube_strmap_put(e->desired, key, s, &old) < 0) {
			proxy_service_free(s);
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
	} else {
		old = cube_strmap_del(e->desired, key);
	}
	if (old && old != cube_strmap_get(e->applied, key))
		proxy_service_free(old);
	return 0;
}

bool proxy_engine_needs_full(const proxy_engine *e)
{
	return e->need_full;
}

bool proxy_engine_pending(const proxy_engine *e)
{
	return cube_strmap_len(e->changed) > 0;
}

const char *proxy_engine_last_batch(const proxy_engine *e)
{
	return e->last_batch;
}

/* ---- stale UDP conntrack entries -------------------------------------------------- */

static void conntrack_run(proxy_engine *e, proxy_sync_stats *st, const char *const *args)
{
	const char *argv[16] = {e->cfg.ipt.conntrack ? e->cfg.ipt.conntrack : "conntrack", "-D"};
	size_t n = 2;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cube_err err = CUBE_ERR_INIT;
	int status = 0;
	/* conntrack exits 1 when no entry matched: not a failure. */
	if (proxy_exec(&e->cfg.ipt, argv, NULL, 0, NULL, NULL, &status, &err) < 0 && status != 1)
		cube_log_warn("conntrack: %s", err.msg);
	st->conntrack_flushes++;
}

static const proxy_port *find_port(const proxy_service *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_ports; i++)
		if (!strcmp(s->ports[i].name, name) && !strcmp(s->ports[i].proto, "udp"))
			return &s->ports[i];
	return NULL;
}

static bool has_ep(const proxy_port *p, const char *str)
{
	for (size_t i = 0; p && i < p->n_eps; i++)
		if (!strcmp(p->eps[i].str, str))
			return true;
	return false;
}

static void conntrack_diff(proxy_engine *e, proxy_sync_stats *st, const proxy_service *old,
			   const proxy_service *cur)
{
	char port[16];
	/* Endpoints that went away. */
	for (size_t i = 0; old && i < old->n_ports; i++) {
		const proxy_port *op = &old->ports[i];
		if (strcmp(op->proto, "udp"))
			continue;
		const proxy_port *np = find_port(cur, op->name);
		for (size_t j = 0; j < op->n_eps; j++) {
			const proxy_endpoint *ep = &op->eps[j];
			if (has_ep(np, ep->str))
				continue;
			cube_log_info("service %s: UDP endpoint %s removed, deleting its conntrack "
				      "entries",
				      op->name, ep->str);
			conntrack_run(e, st,
				      (const char *const[]){"--orig-dst", op->cluster_ip,
							    "--dst-nat", ep->ip, "-p", "udp",
							    NULL});
			for (size_t k = 0; k < op->n_external_ips; k++)
				conntrack_run(e, st,
					      (const char *const[]){
						      "--orig-dst", op->external_ips[k],
						      "--dst-nat", ep->ip, "-p", "udp", NULL});
			if (op->node_port) {
				snprintf(port, sizeof(port), "%d", op->node_port);
				conntrack_run(e, st,
					      (const char *const[]){"-p", "udp", "--dport", port,
								    "--dst-nat", ep->ip, NULL});
			}
		}
	}
	/* Services that had no endpoints and have some now: flows that met
	 * the REJECT would otherwise stay blackholed. */
	for (size_t i = 0; cur && i < cur->n_ports; i++) {
		const proxy_port *np = &cur->ports[i];
		if (strcmp(np->proto, "udp") || !np->n_eps)
			continue;
		const proxy_port *op = find_port(old, np->name);
		if (op && op->n_eps)
			continue;
		conntrack_run(
			e, st,
			(const char *const[]){"--orig-dst", np->cluster_ip, "-p", "udp", NULL});
		if (np->node_port) {
			snprintf(port, sizeof(port), "%d", np->node_port);
			conntrack_run(e, st,
				      (const char *const[]){"-p", "udp", "--dport", port, NULL});
		}
	}
}

typedef struct commit_ctx {
	proxy_engine *e;
	proxy_sync_stats *st;
} commit_ctx;

/* After success: applied[key] = desired[key] for every changed key. */
static int commit_key(void *ud, const char *key, void *value)
{
	(void)value;
	commit_ctx *c = ud;
	proxy_engine *e = c->e;
	proxy_service *a = cube_strmap_get(e->applied, key);
	proxy_service *d = cube_strmap_get(e->desired, key);
	if (e->cfg.conntrack)
		conntrack_diff(e, c->st, a, d);
	if (d) {
		if (cube_strmap_put(e->applied, key, d, NULL) < 0) {
			/* Without the record a later UDP flush may be missed; the
			 * rules themselves are right. */
			cube_strmap_del(e->applied, key);
		}
	} else {
		cube_strmap_del(e->applied, key);
	}
	if (a && a != d)
		proxy_service_free(a);
	return 0;
}

static int collect_key(void *ud, const char *key, void *value)
{
	(void)value;
	const char ***p = ud;
	*(*p)++ = key;
	return 0;
}

/* The lines around line `n` of text, for an error message. */
static void context_lines(const char *text, long n, char *out, size_t size)
{
	out[0] = '\0';
	long ln = 1;
	size_t used = 0;
	for (const char *l = text; *l && ln <= n + 1;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (ln >= n - 1 && used < size) {
			int w = snprintf(out + used, size - used, "%s%ld: %.*s", used ? "; " : "",
					 ln, (int)len, l);
			if (w > 0)
				used += (size_t)w;
		}
		ln++;
		l = e ? e + 1 : l + len;
	}
}

int proxy_engine_sync(proxy_engine *e, bool full, proxy_sync_stats *st, cube_err *err)
{
	proxy_sync_stats dummy;
	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	double t0 = mono();
	full = full || e->need_full;
	st->full = full;

	char *filter_save = NULL, *nat_save = NULL, *filter_jumps = NULL, *nat_jumps = NULL;
	char **existing = NULL;
	long n_existing = 0;
	const char **keys = NULL;
	proxy_service **svcs = NULL;
	proxy_rules_out out = {0};
	char *elided = NULL;
	size_t elided_len = 0;
	int rc = -1;

	if (full) {
		if (proxy_ipt_save(&e->cfg.ipt, "filter", &filter_save, err) < 0 ||
		    proxy_ipt_save(&e->cfg.ipt, "nat", &nat_save, err) < 0)
			goto done;
		n_existing = proxy_ipt_chains(nat_save, &existing);
		filter_jumps = proxy_ipt_missing_jumps("filter", filter_save);
		nat_jumps = proxy_ipt_missing_jumps("nat", nat_save);
		if (n_existing < 0 || !filter_jumps || !nat_jumps) {
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
			goto done;
		}
	} else {
		size_t n = cube_strmap_len(e->active);
		existing = calloc(n + 1, sizeof(*existing));
		if (!existing) {
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
			goto done;
		}
		const char **p = (const char **)existing;
		cube_strmap_each(e->active, collect_key, &p);
		n_existing = (long)n;
	}

	size_t n = cube_strmap_len(e->desired);
	keys = calloc(n + 1, sizeof(*keys));
	svcs = calloc(n + 1, sizeof(*svcs));
	if (!keys || !svcs) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto done;
	}
	n = cube_strmap_sorted_keys(e->desired, keys);
	for (size_t i = 0; i < n; i++)
		svcs[i] = cube_strmap_get(e->desired, keys[i]);
	proxy_rules_input in = {.svcs = svcs,
				.n_svcs = n,
				.changed = full ? NULL : e->changed,
				.existing = (const char *const *)existing,
				.n_existing = (size_t)n_existing,
				.filter_extra = filter_jumps,
				.nat_extra = nat_jumps};
	if (proxy_rules_build(&e->cfg.rules, &in, &out, err) < 0)
		goto done;
	double t1 = mono();
	st->build_s = t1 - t0;
	st->services = n;
	st->endpoints = out.endpoints;
	st->filter_rules = out.filter_rules;
	st->nat_rules = out.nat_rules;
	st->nat_rules_total = out.nat_rules_total;
	st->deleted_chains = out.deleted_chains;
	proxy_top_digest digest;
	if (proxy_rules_elide(out.text, full ? NULL : &e->digest, &digest, full ? NULL : &elided,
			      &elided_len, &st->elided_chains) < 0) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto done;
	}
	const char *text = elided ? elided : out.text;
	size_t len = elided ? elided_len : out.len;
	st->batch_bytes = len;

	if (proxy_ipt_restore(&e->cfg.ipt, text, len, err) < 0) {
		long line = 0;
		const char *l = strstr(err->msg, "line ");
		if (l)
			line = strtol(l + 5, NULL, 10);
		if (line > 0) {
			char ctx[400];
			context_lines(text, line, ctx, sizeof(ctx));
			cube_err_prefix(err, "iptables-restore (around %s)", ctx);
		}
		st->restore_s = mono() - t1;
		goto done;
	}
	st->restore_s = mono() - t1;

	commit_ctx cc = {.e = e, .st = st};
	cube_strmap_each(e->changed, commit_key, &cc);
	cube_strmap *fresh = cube_strmap_new();
	if (fresh) {
		cube_strmap_free(e->changed);
		e->changed = fresh;
	}
	cube_strmap_free(e->active);
	e->active = out.active;
	out.active = NULL;
	free(e->last_batch);
	if (elided) {
		e->last_batch = elided;
		elided = NULL;
	} else {
		e->last_batch = out.text;
		out.text = NULL;
	}
	e->digest = digest;
	/* A failed allocation of the fresh set keeps the old one: the next
	 * sync rewrites those services again, which is harmless. */
	e->need_full = false;
	rc = 0;
done:
	if (rc < 0)
		e->need_full = true;
	st->total_s = mono() - t0;
	proxy_rules_out_free(&out);
	free(elided);
	free(filter_save);
	free(nat_save);
	free(filter_jumps);
	free(nat_jumps);
	if (full)
		proxy_ipt_names_free(existing, n_existing > 0 ? (size_t)n_existing : 0);
	else
		free(existing);
	free(keys);
	free(svcs);
	return rc;
}
