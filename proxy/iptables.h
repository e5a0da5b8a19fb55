/* iptables.h - how cube-proxy touches the kernel's tables: it runs the
 * iptables tools (iptables-restore, iptables-save) and the conntrack tool,
 * optionally inside another network namespace (`--netns PATH`, through
 * `nsenter --net=PATH`), and knows which rules and chains are its own.
 *
 * cube-proxy owns exactly kube-proxy's chains: in nat KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ and the per-service
 * chains (KUBE-SVC-, KUBE-SVL-, KUBE-EXT-, KUBE-FW-, KUBE-SEP-); in filter
 * KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-FORWARD, KUBE-NODEPORTS and
 * KUBE-PROXY-FIREWALL; plus the jump rules from the built-in chains into
 * them (kube-proxy's iptablesJumpChains, same match arguments and comments).
 * Nothing else is ever written or deleted.
 */
#ifndef CUBE_PROXY_IPTABLES_H
#define CUBE_PROXY_IPTABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct proxy_ipt {
	const char *netns; /* a network namespace file (/run/netns/X), or NULL: our own */
	const char *iptables_restore; /* program names; NULL: the defaults */
	const char *iptables_save;
	const char *conntrack;
} proxy_ipt;

/* Runs argv[0] (looked up in PATH) with argv, in x's namespace, feeding `in`
 * (in_len bytes; NULL for none) on stdin.  If out is not NULL, *out gets
 * stdout (malloc'd, NUL-terminated) and *out_len its length.  *status (if
 * not NULL) gets the exit status.  Returns 0 when the program exited 0;
 * -1 with err otherwise (the message holds the program's stderr). */
int proxy_exec(const proxy_ipt *x, const char *const *argv, const char *in, size_t in_len,
	       char **out, size_t *out_len, int *status, cube_err *err);

/* iptables-restore -w 5 --noflush --counters < text. */
int proxy_ipt_restore(const proxy_ipt *x, const char *text, size_t len, cube_err *err);

/* iptables-save -t table; *out malloc'd. */
int proxy_ipt_save(const proxy_ipt *x, const char *table, char **out, cube_err *err);

/* The chain names declared in iptables-save text (":NAME POLICY [p:b]"
 * lines): *names is a malloc'd array of malloc'd strings. Returns the count,
 * or -1 on ENOMEM. */
long proxy_ipt_chains(const char *save, char ***names);
void proxy_ipt_names_free(char **names, size_t n);

/* The lines that insert, into the built-in chains of `table` ("filter" or
 * "nat"), the jump rules that are missing from `save` (that table's
 * iptables-save text), as "-I CHAIN 1 ..." lines for a restore batch.
 * Returns a malloc'd string ("" when nothing is missing), NULL on ENOMEM. */
char *proxy_ipt_missing_jumps(const char *table, const char *save);

/* The restore batch that removes everything cube-proxy owns from the two
 * tables, given their iptables-save texts; "" when there is nothing.
 * Malloc'd; NULL on ENOMEM. */
char *proxy_ipt_cleanup_batch(const char *filter_save, const char *nat_save);

/* Saves both tables and removes every rule and chain cube-proxy owns, in one
 * iptables-restore batch. */
int proxy_ipt_cleanup(const proxy_ipt *x, cube_err *err);

#endif
