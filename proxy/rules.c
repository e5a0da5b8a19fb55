/* rules.c - iptables-restore text for services, in kube-proxy's layout.
 *
 * The order of writes follows syncProxyRules() in kube-proxy's
 * pkg/proxy/iptables/proxier.go, so that the batch (and `iptables-save`
 * afterwards) can be compared line by line with a real cluster's.  Four
 * buffers, as there: filter chain lines, filter rules, nat chain lines, nat
 * rules; chain lines first in each table so that every chain exists (and is
 * flushed) before a rule names it. */
#include "rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct buf {
	char *p;
	size_t len, cap;
	size_t lines;
	bool discard; /* count lines only (unchanged services in a partial sync) */
	bool oom;
} buf;

static void buf_vadd(buf *b, const char *fmt, va_list ap)
{
	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_list aq;
		va_copy(aq, ap);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 65536;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

/* Appends one line (fmt without the newline). */
static void line(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(buf *b, const char *fmt, ...)
{
	b->lines++;
	if (b->discard)
		return;
	va_list ap;
	va_start(ap, fmt);
	buf_vadd(b, fmt, ap);
	va_end(ap);
	if (b->oom)
		return;
	if (b->len + 1 >= b->cap) {
		char *np = realloc(b->p, b->cap * 2);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap *= 2;
	}
	b->p[b->len++] = '\n';
	b->p[b->len] = '\0';
}

static void chain_line(buf *b, const char *chain)
{
	line(b, ":%s - [0:0]", chain);
}

void proxy_probability(int n, char *out, size_t size)
{
	snprintf(out, size, "%0.10f", 1.0 / (double)n);
}

typedef struct gen {
	const proxy_rules_config *cfg;
	buf filter_chains, filter_rules, nat_chains, nat_rules;
	buf skip_chains, skip_rules;
	cube_strmap *active;
	bool large;
	char **prob; /* precomputed probabilities, as kube-proxy caches them */
	size_t n_prob;
	bool oom;
} gen;

static const char *probability(gen *g, int n)
{
	if ((size_t)n >= g->n_prob) {
		size_t want = (size_t)n + 16;
		char **np = realloc(g->prob, want * sizeof(*np));
		if (!np) {
			g->oom = true;
			return "1.0000000000";
		}
		for (size_t i = g->n_prob; i < want; i++) {
			np[i] = malloc(16);
			if (np[i])
				proxy_probability(i ? (int)i : 1, np[i], 16);
			else
				g->oom = true;
		}
		g->prob = np;
		g->n_prob = want;
	}
	return g->prob[n] ? g->prob[n] : "1.0000000000";
}

static void activate(gen *g, const char *chain)
{
	if (cube_strmap_put(g->active, chain, (void *)1, NULL) < 0)
		g->oom = true;
}

/* The comment part of per-endpoint rules: left out in large clusters. */
static const char *svc_comment(const gen *g, const char *comment, char *tmp, size_t size)
{
	if (g->large)
		return "";
	snprintf(tmp, size, " -m comment --comment %s", comment);
	return tmp;
}

/* writeServiceToEndpointRules: affinity checks, then the random spread. */
static void endpoint_rules(gen *g, buf *nat, const proxy_port *p, const char *chain,
			   proxy_endpoint *const *eps, size_t n)
{
	char c[PROXY_NAME_MAX + 96], tmp[PROXY_NAME_MAX + 128];
	if (p->affinity_client_ip) {
		for (size_t i = 0; i < n; i++) {
			snprintf(c, sizeof(c), "\"%s -> %s\"", p->name, eps[i]->str);
			line(nat, "-A %s%s -m recent --name %s --rcheck --seconds %d --reap -j %s",
			     chain, svc_comment(g, c, tmp, sizeof(tmp)), eps[i]->chain,
			     p->affinity_timeout_s, eps[i]->chain);
		}
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(c, sizeof(c), "\"%s -> %s\"", p->name, eps[i]->str);
		if (i < n - 1)
			line(nat, "-A %s%s -m statistic --mode random --probability %s -j %s",
			     chain, svc_comment(g, c, tmp, sizeof(tmp)),
			     probability(g, (int)(n - i)), eps[i]->chain);
		else
			line(nat, "-A %s%s -j %s", chain, svc_comment(g, c, tmp, sizeof(tmp)),
			     eps[i]->chain);
	}
}

static void port_rules(gen *g, const proxy_port *p, bool changed)
{
	const proxy_rules_config *cfg = g->cfg;
	const char *proto = p->proto;
	bool ext_access = proxy_port_externally_accessible(p);

	/* CategorizeEndpoints (ready endpoints only; Endpoints objects carry no
	 * terminating state). */
	proxy_endpoint **cluster = NULL, **local = NULL, **reach = NULL;
	size_t n_cluster = 0, n_local = 0, n_reach = 0;
	if (p->n_eps) {
		cluster = calloc(p->n_eps, sizeof(*cluster));
		local = calloc(p->n_eps, sizeof(*local));
		reach = calloc(p->n_eps, sizeof(*reach));
		if (!cluster || !local || !reach) {
			g->oom = true;
			goto out;
		}
	}
	bool has_endpoints = false;
	if (proxy_port_uses_cluster_endpoints(p)) {
		for (size_t i = 0; i < p->n_eps; i++)
			cluster[n_cluster++] = &p->eps[i];
		has_endpoints = n_cluster > 0;
	}
	if (!proxy_port_uses_local_endpoints(p)) {
		if (n_cluster)
			memcpy(reach, cluster, n_cluster * sizeof(*reach));
		n_reach = n_cluster;
	} else {
		if (p->n_eps)
			has_endpoints = true;
		for (size_t i = 0; i < p->n_eps; i++)
			if (p->eps[i].local)
				local[n_local++] = &p->eps[i];
		if (!proxy_port_uses_cluster_endpoints(p)) {
			if (n_local)
				memcpy(reach, local, n_local * sizeof(*reach));
			n_reach = n_local;
		} else {
			/* The union: every cluster endpoint (local ones are among them). */
			if (n_cluster)
				memcpy(reach, cluster, n_cluster * sizeof(*reach));
			n_reach = n_cluster;
		}
	}

	bool uses_cluster_chain = n_cluster > 0 && proxy_port_uses_cluster_endpoints(p);
	bool uses_local_chain = n_local > 0 && proxy_port_uses_local_endpoints(p);
	const char *internal_chain = p->svc_chain;
	bool has_internal = has_endpoints;
	if (p->int_policy_local) {
		internal_chain = p->svl_chain;
		if (!n_local)
			has_internal = false;
	}
	const char *external_policy_chain = p->svc_chain;
	bool has_external = has_endpoints;
	if (p->ext_policy_local) {
		external_policy_chain = p->svl_chain;
		if (!n_local)
			has_external = false;
	}
	bool uses_ext_chain = has_endpoints && ext_access;

	char int_comment[PROXY_NAME_MAX + 32] = "", ext_comment[PROXY_NAME_MAX + 32] = "";
	const char *int_target = NULL, *ext_target = NULL;
	if (!has_endpoints) {
		int_target = ext_target = "REJECT";
		snprintf(int_comment, sizeof(int_comment), "\"%s has no endpoints\"", p->name);
		memcpy(ext_comment, int_comment, sizeof(ext_comment));
	} else {
		if (!has_internal) {
			int_target = "DROP";
			snprintf(int_comment, sizeof(int_comment), "\"%s has no local endpoints\"",
				 p->name);
		}
		if (!has_external) {
			ext_target = "DROP";
			snprintf(ext_comment, sizeof(ext_comment), "\"%s has no local endpoints\"",
				 p->name);
		}
	}

	buf *filter = &g->filter_rules;
	buf *nat_chains = changed ? &g->nat_chains : &g->skip_chains;
	buf *nat = changed ? &g->nat_rules : &g->skip_rules;

	/* The clusterIP. */
	if (has_internal)
		line(&g->nat_rules,
		     "-A KUBE-SERVICES -m comment --comment \"%s cluster IP\" -m %s -p %s -d %s "
		     "--dport %d -j %s",
		     p->name, proto, proto, p->cluster_ip, p->port, internal_chain);
	else
		line(filter,
		     "-A KUBE-SERVICES -m comment --comment %s -m %s -p %s -d %s --dport %d -j %s",
		     int_comment, proto, proto, p->cluster_ip, p->port, int_target);

	/* externalIPs. */
	for (size_t i = 0; i < p->n_external_ips; i++) {
		if (has_endpoints)
			line(&g->nat_rules,
			     "-A KUBE-SERVICES -m comment --comment \"%s external IP\" -m %s -p %s "
			     "-d %s --dport %d -j %s",
			     p->name, proto, proto, p->external_ips[i], p->port, p->ext_chain);
		if (!has_external)
			line(filter,
			     "-A KUBE-EXTERNAL-SERVICES -m comment --comment %s -m %s -p %s -d %s "
			     "--dport %d -j %s",
			     ext_comment, proto, proto, p->external_ips[i], p->port, ext_target);
	}

	/* NodePorts. */
	if (p->node_port) {
		if (has_endpoints)
			line(&g->nat_rules,
			     "-A KUBE-NODEPORTS -m comment --comment %s -m %s -p %s --dport %d -j "
			     "%s",
			     p->name, proto, proto, p->node_port, p->ext_chain);
		if (!has_external)
			line(filter,
			     "-A KUBE-EXTERNAL-SERVICES -m comment --comment %s -m addrtype "
			     "--dst-type LOCAL -m %s -p %s --dport %d -j %s",
			     ext_comment, proto, proto, p->node_port, ext_target);
	}

	/* healthCheckNodePort. */
	if (p->health_check_node_port)
		line(filter,
		     "-A KUBE-NODEPORTS -m comment --comment \"%s health check node port\" -m tcp "
		     "-p tcp --dport %d -j ACCEPT",
		     p->name, p->health_check_node_port);

	/* Internal traffic: masquerade what comes from outside the pod network. */
	if (has_internal && cfg->cluster_cidr)
		line(nat,
		     "-A %s -m comment --comment \"%s cluster IP\" -m %s -p %s -d %s --dport %d "
		     "! -s %s -j KUBE-MARK-MASQ",
		     internal_chain, p->name, proto, proto, p->cluster_ip, p->port,
		     cfg->cluster_cidr);

	/* External traffic. */
	if (uses_ext_chain) {
		chain_line(nat_chains, p->ext_chain);
		activate(g, p->ext_chain);
		if (!p->ext_policy_local) {
			line(nat,
			     "-A %s -m comment --comment \"masquerade traffic for %s external "
			     "destinations\" -j KUBE-MARK-MASQ",
			     p->ext_chain, p->name);
		} else {
			if (cfg->cluster_cidr)
				line(nat,
				     "-A %s -m comment --comment \"pod traffic for %s external "
				     "destinations\" -s %s -j %s",
				     p->ext_chain, p->name, cfg->cluster_cidr, p->svc_chain);
			line(nat,
			     "-A %s -m comment --comment \"masquerade LOCAL traffic for %s "
			     "external "
			     "destinations\" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ",
			     p->ext_chain, p->name);
			line(nat,
			     "-A %s -m comment --comment \"route LOCAL traffic for %s external "
			     "destinations\" -m addrtype --src-type LOCAL -j %s",
			     p->ext_chain, p->name, p->svc_chain);
		}
		if (has_external)
			line(nat, "-A %s -j %s", p->ext_chain, external_policy_chain);
	}

	if (uses_cluster_chain) {
		chain_line(nat_chains, p->svc_chain);
		activate(g, p->svc_chain);
		endpoint_rules(g, nat, p, p->svc_chain, cluster, n_cluster);
	}
	if (uses_local_chain) {
		chain_line(nat_chains, p->svl_chain);
		activate(g, p->svl_chain);
		endpoint_rules(g, nat, p, p->svl_chain, local, n_local);
	}

	/* One chain per endpoint: hairpin masquerade, affinity record, DNAT. */
	char tmp[PROXY_NAME_MAX + 32];
	for (size_t i = 0; i < n_reach; i++) {
		const proxy_endpoint *e = reach[i];
		chain_line(nat_chains, e->chain);
		activate(g, e->chain);
		const char *c = svc_comment(g, p->name, tmp, sizeof(tmp));
		line(nat, "-A %s%s -s %s -j KUBE-MARK-MASQ", e->chain, c, e->ip);
		if (p->affinity_client_ip)
			line(nat,
			     "-A %s%s -m recent --name %s --set -m %s -p %s -j DNAT "
			     "--to-destination %s",
			     e->chain, c, e->chain, proto, proto, e->str);
		else
			line(nat, "-A %s%s -m %s -p %s -j DNAT --to-destination %s", e->chain, c,
			     proto, proto, e->str);
	}
out:
	free(cluster);
	free(local);
	free(reach);
}

static void gen_free(gen *g)
{
	free(g->filter_chains.p);
	free(g->filter_rules.p);
	free(g->nat_chains.p);
	free(g->nat_rules.p);
	for (size_t i = 0; i < g->n_prob; i++)
		free(g->prob[i]);
	free(g->prob);
	cube_strmap_free(g->active);
}

int proxy_rules_build(const proxy_rules_config *cfg, const proxy_rules_input *in,
		      proxy_rules_out *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	gen g = {.cfg = cfg, .skip_chains.discard = true, .skip_rules.discard = true};
	g.active = cube_strmap_new();
	if (!g.active) {
		gen_free(&g);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	const char *mark = cfg->masquerade_mark ? cfg->masquerade_mark : "0x004000";

	static const char *const filter_top[] = {"KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES",
						 "KUBE-FORWARD", "KUBE-NODEPORTS",
						 "KUBE-PROXY-FIREWALL"};
	static const char *const nat_top[] = {"KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
					      "KUBE-MARK-MASQ"};
	for (size_t i = 0; i < sizeof(filter_top) / sizeof(*filter_top); i++)
		chain_line(&g.filter_chains, filter_top[i]);
	for (size_t i = 0; i < sizeof(nat_top) / sizeof(*nat_top); i++)
		chain_line(&g.nat_chains, nat_top[i]);

	line(&g.nat_rules, "-A KUBE-POSTROUTING -m mark ! --mark %s/%s -j RETURN", mark, mark);
	line(&g.nat_rules, "-A KUBE-POSTROUTING -j MARK --xor-mark %s", mark);
	line(&g.nat_rules,
	     "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring "
	     "SNAT\" -j MASQUERADE%s",
	     cfg->random_fully ? " --random-fully" : "");
	line(&g.nat_rules, "-A KUBE-MARK-MASQ -j MARK --or-mark %s", mark);

	size_t total = 0;
	for (size_t i = 0; i < in->n_svcs; i++)
		for (size_t j = 0; j < in->svcs[i]->n_ports; j++)
			total += in->svcs[i]->ports[j].n_eps;
	g.large = total > PROXY_LARGE_CLUSTER_ENDPOINTS;

	for (size_t i = 0; i < in->n_svcs; i++) {
		const proxy_service *s = in->svcs[i];
		bool changed = !in->changed || cube_strmap_get(in->changed, s->key);
		for (size_t j = 0; j < s->n_ports; j++)
			port_rules(&g, &s->ports[j], changed);
	}

	/* Stale per-service chains: flush (chain line) and delete. */
	for (size_t i = 0; i < in->n_existing; i++) {
		const char *c = in->existing[i];
		if (!proxy_is_service_chain(c) || cube_strmap_get(g.active, c))
			continue;
		chain_line(&g.nat_chains, c);
		line(&g.nat_rules, "-X %s", c);
		out->deleted_chains++;
	}

	/* The NodePorts tail call: the last rule of KUBE-SERVICES. */
	static const char np_comment[] =
		"\"kubernetes service nodeports; NOTE: this must be the last rule in this chain\"";
	if (!cfg->n_nodeport_ips)
		line(&g.nat_rules,
		     "-A KUBE-SERVICES -m comment --comment %s -m addrtype --dst-type LOCAL ! -d "
		     "127.0.0.0/8 -j KUBE-NODEPORTS",
		     np_comment);
	for (size_t i = 0; i < cfg->n_nodeport_ips; i++)
		line(&g.nat_rules,
		     "-A KUBE-SERVICES -m comment --comment %s -d %s -j KUBE-NODEPORTS", np_comment,
		     cfg->nodeport_ips[i]);

	if (!cfg->conntrack_liberal)
		line(&g.filter_rules, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP");
	line(&g.filter_rules,
	     "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark "
	     "%s/%s -j ACCEPT",
	     mark, mark);
	line(&g.filter_rules,
	     "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m "
	     "conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");

	const char *extra[2] = {in->filter_extra, in->nat_extra};
	buf *extra_to[2] = {&g.filter_rules, &g.nat_rules};
	for (int i = 0; i < 2; i++) {
		size_t l = extra[i] ? strlen(extra[i]) : 0;
		while (l && extra[i][l - 1] == '\n')
			l--;
		if (l)
			line(extra_to[i], "%.*s", (int)l, extra[i]);
	}

	buf all = {0};
	{
		/* Assemble: *filter, chains, rules, COMMIT, *nat, chains, rules, COMMIT. */
		const buf *parts[] = {&g.filter_chains, &g.filter_rules, &g.nat_chains,
				      &g.nat_rules};
		size_t need = 32;
		for (size_t i = 0; i < 4; i++)
			need += parts[i]->len;
		all.p = malloc(need);
		if (!all.p) {
			g.oom = true;
		} else {
			size_t off = 0;
			memcpy(all.p + off, "*filter\n", 8);
			off += 8;
			for (size_t i = 0; i < 4; i++) {
				if (i == 2) {
					memcpy(all.p + off, "COMMIT\n*nat\n", 12);
					off += 12;
				}
				if (parts[i]->len)
					memcpy(all.p + off, parts[i]->p, parts[i]->len);
				off += parts[i]->len;
			}
			memcpy(all.p + off, "COMMIT\n", 8);
			off += 7;
			all.len = off;
		}
	}
	bool oom = g.oom || g.filter_chains.oom || g.filter_rules.oom || g.nat_chains.oom ||
		   g.nat_rules.oom;
	if (oom) {
		free(all.p);
		gen_free(&g);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory building the rules");
	}
	out->text = all.p;
	out->len = all.len;
	out->active = g.active;
	g.active = NULL;
	out->filter_rules = g.filter_rules.lines;
	out->nat_rules = g.nat_rules.lines;
	out->nat_rules_total = g.nat_rules.lines + g.skip_rules.lines;
	out->nat_chains_written = g.nat_chains.lines;
	out->endpoints = total;
	out->large_cluster = g.large;
	gen_free(&g);
	return 0;
}

void proxy_rules_out_free(proxy_rules_out *out)
{
	if (!out)
		return;
	free(out->text);
	cube_strmap_free(out->active);
	memset(out, 0, sizeof(*out));
}

/* ---- eliding unchanged top-level chains ---------------------------------------------------- */

static const char *const top_chains[PROXY_TOP_CHAINS][2] = {
	{"filter", "KUBE-SERVICES"},	   {"filter", "KUBE-EXTERNAL-SERVICES"},
	{"filter", "KUBE-FORWARD"},	   {"filter", "KUBE-NODEPORTS"},
	{"filter", "KUBE-PROXY-FIREWALL"}, {"nat", "KUBE-SERVICES"},
	{"nat", "KUBE-NODEPORTS"},	   {"nat", "KUBE-POSTROUTING"},
	{"nat", "KUBE-MARK-MASQ"},
};

/* Which top-level chain (or -1) a line declares (":NAME ...") or appends
 * to ("-A NAME ..."), in `table`. */
static int top_index(const char *table, const char *l, size_t len, bool *is_rule)
{
	const char *name;
	if (len > 1 && l[0] == ':') {
		name = l + 1;
		*is_rule = false;
	} else if (len > 3 && !strncmp(l, "-A ", 3)) {
		name = l + 3;
		*is_rule = true;
	} else {
		return -1;
	}
	const char *end = memchr(name, ' ', len - (size_t)(name - l));
	size_t nl = end ? (size_t)(end - name) : len - (size_t)(name - l);
	for (int i = 0; i < PROXY_TOP_CHAINS; i++)
		if (!strcmp(table, top_chains[i][0]) && strlen(top_chains[i][1]) == nl &&
		    !strncmp(name, top_chains[i][1], nl))
			return i;
	return -1;
}

int proxy_rules_elide(const char *text, const proxy_top_digest *prev, proxy_top_digest *cur,
		      char **out, size_t *out_len, size_t *elided)
{
	/* FNV-1a, 64 bits, over each chain's rule lines in order. */
	for (int i = 0; i < PROXY_TOP_CHAINS; i++)
		cur->h[i] = 14695981039346656037ULL;
	cur->valid = true;
	char table[16] = "";
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (l[0] == '*') {
			snprintf(table, sizeof(table), "%.*s", (int)(len - 1), l + 1);
		} else {
			bool rule;
			int i = top_index(table, l, len, &rule);
			if (i >= 0 && rule) {
				for (size_t k = 0; k <= len; k++) {
					cur->h[i] ^= k < len ? (unsigned char)l[k] : '\n';
					cur->h[i] *= 1099511628211ULL;
				}
			}
		}
		l = e ? e + 1 : l + len;
	}
	if (elided)
		*elided = 0;
	if (!out)
		return 0;
	size_t total = strlen(text);
	char *o = malloc(total + 1);
	if (!o)
		return -1;
	size_t off = 0;
	bool same[PROXY_TOP_CHAINS];
	for (int i = 0; i < PROXY_TOP_CHAINS; i++) {
		same[i] = prev && prev->valid && prev->h[i] == cur->h[i];
		if (same[i] && elided)
			(*elided)++;
	}
	table[0] = '\0';
	for (const char *l = text; *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		bool keep = true;
		if (l[0] == '*') {
			snprintf(table, sizeof(table), "%.*s", (int)(len - 1), l + 1);
		} else {
			bool rule;
			int i = top_index(table, l, len, &rule);
			keep = i < 0 || !same[i];
		}
		if (keep) {
			memcpy(o + off, l, len);
			off += len;
			if (e)
				o[off++] = '\n';
		}
		l = e ? e + 1 : l + len;
	}
	o[off] = '\0';
	*out = o;
	if (out_len)
		*out_len = off;
	return 0;
}
