/* hostport.c - hostPort DNAT rules in the node's namespace (hostport.h). */
#include "hostport.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "obj.h"
#include "run.h"
#include "strmap.h"

struct hostports {
	char *netns;
	pthread_mutex_t mu;
	cube_strmap *pods; /* uid -> rules (malloc'd) */
	bool jumps_checked;
};

hostports *hostports_new(const char *netns)
{
	hostports *h = calloc(1, sizeof(*h));
	if (!h || !(h->pods = cube_strmap_new()) || (netns && !(h->netns = strdup(netns)))) {
		hostports_free(h);
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

static int free_rules(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	free(v);
	return 0;
}

void hostports_free(hostports *h)
{
	if (!h)
		return;
	if (h->pods) {
		cube_strmap_each(h->pods, free_rules, NULL);
		cube_strmap_free(h->pods);
		pthread_mutex_destroy(&h->mu);
	}
	free(h->netns);
	free(h);
}

/* A comment iptables takes as one word: no quotes, no newlines. */
static void safe(char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || !isprint((unsigned char)*s))
			*s = '_';
}

char *hostports_rules(const cJSON *pod, const char *ip)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	if (!m)
		return NULL;
	if (!cJSON_IsTrue(cube_json_path(pod, "spec.hostNetwork")) && ip && ip[0]) {
		const cJSON *c, *p;
		cJSON_ArrayForEach (c, cube_json_path(pod, "spec.containers")) {
			cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(c, "ports")) {
				int64_t hp = cube_json_int(p, "hostPort", 0),
					cp = cube_json_int(p, "containerPort", 0);
				if (hp <= 0 || hp > 65535 || cp <= 0 || cp > 65535)
					continue;
				const char *proto = cube_json_str(p, "protocol");
				char lp[8] = "tcp", comment[300];
				if (proto && (!strcmp(proto, "UDP") || !strcmp(proto, "SCTP")))
					snprintf(lp, sizeof(lp), "%s",
						 !strcmp(proto, "UDP") ? "udp" : "sctp");
				snprintf(comment, sizeof(comment), "%s/%s %s",
					 cube_obj_namespace(pod) ? cube_obj_namespace(pod) : "",
					 cube_obj_name(pod) ? cube_obj_name(pod) : "",
					 cube_json_str(c, "name") ? cube_json_str(c, "name") : "");
				safe(comment);
				fprintf(m, "-A %s", HOSTPORT_CHAIN);
				const char *hip = cube_json_str(p, "hostIP");
				if (hip && hip[0] && strcmp(hip, "0.0.0.0") &&
				    strspn(hip, "0123456789.") == strlen(hip))
					fprintf(m, " -d %s/32", hip);
				fprintf(m,
					" -p %s -m comment --comment \"%s\" -m %s --dport %lld -j "
					"DNAT "
					"--to-destination %s:%lld\n",
					lp, comment, lp, (long long)hp, ip, (long long)cp);
			}
		}
	}
	fclose(m);
	return out;
}

char *hostports_batch(const char *rules, int jumps)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	if (!m)
		return NULL;
	fprintf(m, "*nat\n:%s - [0:0]\n", HOSTPORT_CHAIN);
	if (jumps)
		for (int i = 0; i < 2; i++)
			fprintf(m,
				"-I %s 1 -m comment --comment \"cube hostports\" -m addrtype "
				"--dst-type LOCAL -j %s\n",
				i ? "OUTPUT" : "PREROUTING", HOSTPORT_CHAIN);
	fputs(rules ? rules : "", m);
	fputs("COMMIT\n", m);
	fclose(m);
	return out;
}

struct collect {
	FILE *m;
};

static int add_rules(void *ud, const char *k, void *v)
{
	(void)k;
	fputs(v, ((struct collect *)ud)->m);
	return 0;
}

/* Rewrites the chain from every pod's rules (h->mu held). */
static int sync_chain(hostports *h, cube_err *err)
{
	/* the jumps once per process: present already (a restart) or added */
	bool jumps = false;
	if (!h->jumps_checked) {
		const char *argv[] = {"iptables-save", "-t", "nat", NULL};
		cube_autofree char *save = NULL;
		if (cube_run(h->netns, argv, NULL, 0, &save, NULL, NULL, err) < 0)
			return -1;
		jumps = !strstr(save, "-j " HOSTPORT_CHAIN);
	}
	cube_autofree char *all = NULL;
	size_t len = 0;
	struct collect c = {open_memstream(&all, &len)};
	if (!c.m)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_strmap_each(h->pods, add_rules, &c);
	fclose(c.m);
	cube_autofree char *batch = hostports_batch(all, jumps);
	const char *argv[] = {"iptables-restore", "-w", "5", "--noflush", NULL};
	if (!batch)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	if (cube_run(h->netns, argv, batch, strlen(batch), NULL, NULL, NULL, err) < 0)
		return -1;
	h->jumps_checked = true;
	return 0;
}

int hostports_set(hostports *h, const char *uid, const char *rules, cube_err *err)
{
	pthread_mutex_lock(&h->mu);
	const char *had = cube_strmap_get(h->pods, uid);
	bool none = !rules || !rules[0];
	if ((none && !had) || (!none && had && !strcmp(had, rules))) {
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
	char *copy = none ? NULL : strdup(rules);
	void *old = NULL;
	if (none)
		old = cube_strmap_del(h->pods, uid);
	else if (!copy || cube_strmap_put(h->pods, uid, copy, &old) < 0) {
		free(copy);
		pthread_mutex_unlock(&h->mu);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	free(old);
	int rc = sync_chain(h, err);
	if (rc < 0 && !none)
		free(cube_strmap_del(h->pods, uid)); /* tried again at the next sync */
	pthread_mutex_unlock(&h->mu);
	if (rc < 0)
		cube_err_prefix(err, "hostPort rules");
	return rc;
}
