/* iptables.c - running the iptables and conntrack tools (in a network
 * namespace if asked), and the jump rules and chains cube-proxy owns.
 *
 * Programs are started with posix_spawnp (no fork of a big, threaded
 * process); a namespace is entered through `nsenter --net=PATH --`, so that
 * the proxy itself, its API connections and its health port stay where they
 * are. */
#include "iptables.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"
#include "svc.h"
#include "strbuf.h"

extern char **environ;

int proxy_exec(const proxy_ipt *x, const char *const *argv, const char *in, size_t in_len,
	       char **out, size_t *out_len, int *status, cube_err *err)
{
	return cube_run(x ? x->netns : NULL, argv, in, in_len, out, out_len, status, err);
}

int proxy_ipt_restore(const proxy_ipt *x, const char *text, size_t len, cube_err *err)
{
	const char *argv[] = {x && x->iptables_restore ? x->iptables_restore : "iptables-restore",
			      "-w",
			      "5",
			      "--noflush",
			      "--counters",
			      NULL};
	return proxy_exec(x, argv, text, len, NULL, NULL, NULL, err);
}

int proxy_ipt_save(const proxy_ipt *x, const char *table, char **out, cube_err *err)
{
	const char *argv[] = {x && x->iptables_save ? x->iptables_save : "iptables-save", "-t",
			      table, NULL};
	return proxy_exec(x, argv, NULL, 0, out, NULL, NULL, err);
}

void proxy_ipt_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

long proxy_ipt_chains(const char *save, char ***names)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	for (const char *l = save; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		if (l[0] == ':') {
			const char *sp = memchr(l, ' ', len);
			size_t nl = sp ? (size_t)(sp - l - 1) : len - 1;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				char **nv = realloc(v, cap * sizeof(*nv));
				if (!nv) {
					proxy_ipt_names_free(v, n);
					return -1;
				}
				v = nv;
			}
			v[n] = strndup(l + 1, nl);
			if (!v[n]) {
				proxy_ipt_names_free(v, n);
				return -1;
			}
			n++;
		}
		l = e ? e + 1 : l + len;
	}
	*names = v;
	return (long)n;
}

/* kube-proxy's iptablesJumpChains: table, destination, source, and the rule
 * between them exactly as iptables-save prints it. */
typedef struct jump {
	const char *table, *dst, *src, *spec;
} jump;

static const jump jumps[] = {
	{"filter", "KUBE-EXTERNAL-SERVICES", "INPUT",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service "
	 "portals\" -j KUBE-EXTERNAL-SERVICES"},
	{"filter", "KUBE-EXTERNAL-SERVICES", "FORWARD",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service "
	 "portals\" -j KUBE-EXTERNAL-SERVICES"},
	{"filter", "KUBE-NODEPORTS", "INPUT",
	 "-m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS"},
	{"filter", "KUBE-SERVICES", "FORWARD",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j "
	 "KUBE-SERVICES"},
	{"filter", "KUBE-SERVICES", "OUTPUT",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j "
	 "KUBE-SERVICES"},
	{"filter", "KUBE-FORWARD", "FORWARD",
	 "-m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD"},
	{"filter", "KUBE-PROXY-FIREWALL", "INPUT",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" "
	 "-j KUBE-PROXY-FIREWALL"},
	{"filter", "KUBE-PROXY-FIREWALL", "OUTPUT",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" "
	 "-j KUBE-PROXY-FIREWALL"},
	{"filter", "KUBE-PROXY-FIREWALL", "FORWARD",
	 "-m conntrack --ctstate NEW -m comment --comment \"kubernetes load balancer firewall\" "
	 "-j KUBE-PROXY-FIREWALL"},
	{"nat", "KUBE-SERVICES", "OUTPUT",
	 "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"},
	{"nat", "KUBE-SERVICES", "PREROUTING",
	 "-m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"},
	{"nat", "KUBE-POSTROUTING", "POSTROUTING",
	 "-m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING"},
};

static const char *const owned_filter[] = {"KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES",
					   "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"};
static const char *const owned_nat[] = {"KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING",
					"KUBE-MARK-MASQ"};

/* Is "-A src spec" a whole line of save? */
static bool has_rule(const char *save, const char *src, const char *spec)
{
	char want[512];
	int n = snprintf(want, sizeof(want), "-A %s %s", src, spec);
	if (n < 0 || (size_t)n >= sizeof(want))
		return false;
	for (const char *p = save; p && (p = strstr(p, want)); p += (size_t)n) {
		bool starts = p == save || p[-1] == '\n';
		bool ends = p[n] == '\n' || p[n] == '\0';
		if (starts && ends)
			return true;
	}
	return false;
}

char *proxy_ipt_missing_jumps(const char *table, const char *save)
{
	cube_sb b = {0};
	cube_sb_str(&b, "");
	/* Inserted at the top (kube-proxy prepends), in reverse so that the
	 * table's own order comes out as kube-proxy's. */
	for (size_t i = sizeof(jumps) / sizeof(*jumps); i-- > 0;) {
		if (strcmp(jumps[i].table, table) || has_rule(save, jumps[i].src, jumps[i].spec))
			continue;
		cube_sb_str(&b, "-I ");
		cube_sb_str(&b, jumps[i].src);
		cube_sb_str(&b, " 1 ");
		cube_sb_str(&b, jumps[i].spec);
		cube_sb_str(&b, "\n");
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static void cleanup_table(cube_sb *b, const char *table, const char *save, const char *const *owned,
			  size_t n_owned, bool service_chains, bool *any)
{
	cube_sb chains = {0}, rules = {0};
	cube_sb_str(&chains, "");
	cube_sb_str(&rules, "");
	bool some = false;
	for (size_t i = 0; i < sizeof(jumps) / sizeof(*jumps); i++) {
		if (strcmp(jumps[i].table, table))
			continue;
		/* A rule may have been added more than once: delete each copy. */
		char want[512];
		snprintf(want, sizeof(want), "-A %s %s", jumps[i].src, jumps[i].spec);
		size_t wl = strlen(want);
		for (const char *p = save; p && (p = strstr(p, want)); p += wl) {
			if ((p == save || p[-1] == '\n') && (p[wl] == '\n' || p[wl] == '\0')) {
				cube_sb_str(&rules, "-D ");
				cube_sb_str(&rules, jumps[i].src);
				cube_sb_str(&rules, " ");
				cube_sb_str(&rules, jumps[i].spec);
				cube_sb_str(&rules, "\n");
				some = true;
			}
		}
	}
	char **names = NULL;
	long n = proxy_ipt_chains(save, &names);
	for (long i = 0; i < n; i++) {
		bool ours = service_chains && proxy_is_service_chain(names[i]);
		for (size_t k = 0; k < n_owned && !ours; k++)
			ours = !strcmp(names[i], owned[k]);
		if (!ours)
			continue;
		cube_sb_str(&chains, ":");
		cube_sb_str(&chains, names[i]);
		cube_sb_str(&chains, " - [0:0]\n");
		some = true;
	}
	for (long i = 0; i < n; i++) {
		bool ours = service_chains && proxy_is_service_chain(names[i]);
		for (size_t k = 0; k < n_owned && !ours; k++)
			ours = !strcmp(names[i], owned[k]);
		if (!ours)
			continue;
		cube_sb_str(&rules, "-X ");
		cube_sb_str(&rules, names[i]);
		cube_sb_str(&rules, "\n");
	}
	if (n < 0)
		b->oom = true;
	else
		proxy_ipt_names_free(names, (size_t)n);
	if (some) {
		*any = true;
		cube_sb_str(b, "*");
		cube_sb_str(b, table);
		cube_sb_str(b, "\n");
		cube_sb_str(b, chains.p);
		cube_sb_str(b, rules.p);
		cube_sb_str(b, "COMMIT\n");
	}
	if (chains.oom || rules.oom)
		b->oom = true;
	free(chains.p);
	free(rules.p);
}

char *proxy_ipt_cleanup_batch(const char *filter_save, const char *nat_save)
{
	cube_sb b = {0};
	cube_sb_str(&b, "");
	bool any = false;
	cleanup_table(&b, "filter", filter_save, owned_filter,
		      sizeof(owned_filter) / sizeof(*owned_filter), false, &any);
	cleanup_table(&b, "nat", nat_save, owned_nat, sizeof(owned_nat) / sizeof(*owned_nat), true,
		      &any);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int proxy_ipt_cleanup(const proxy_ipt *x, cube_err *err)
{
	char *fs = NULL, *ns = NULL;
	if (proxy_ipt_save(x, "filter", &fs, err) < 0)
		return -1;
	if (proxy_ipt_save(x, "nat", &ns, err) < 0) {
		free(fs);
		return -1;
	}
	char *batch = proxy_ipt_cleanup_batch(fs, ns);
	free(fs);
	free(ns);
	if (!batch)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	int rc = 0;
	if (*batch)
		rc = proxy_ipt_restore(x, batch, strlen(batch), err);
	free(batch);
	return rc;
}
