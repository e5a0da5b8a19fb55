/* jfreeze.c - frozen JSON trees (see jfreeze.h): one allocation per root,
 * and a process-wide hash-consing table of reference-counted child chains.
 *
 * A chain is built bottom-up: the chains under its nodes are frozen first,
 * so two chains are equal when their nodes have the same types, keys,
 * values and the very same child pointers; equality is shallow.  The table
 * and every chain's count are guarded by one mutex, held for a whole freeze
 * or release (a few microseconds for a pod).
 */
#include "jfreeze.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* A shared chain: the header, then `n` nodes linked in order, then the
 * strings they own. */
struct chain {
	struct chain *next; /* in the table's bucket */
	uint64_t hash;
	uint32_t refs;
	uint32_t n;
	size_t size; /* of this allocation */
	cJSON nodes[];
};

#define CHAIN_OF(first) ((struct chain *)((char *)(first)-offsetof(struct chain, nodes)))

/* A root: the root node, its n members, their strings. */
struct root {
	size_t size; /* of this allocation */
	size_t n;
	cJSON nodes[];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct chain **buckets; /* nbuckets, a power of two */
static size_t nbuckets, nchains, chain_bytes, nroots, root_bytes;

/* ---- well-known strings ------------------------------------------------------------------- */

/* Keys and values found in most objects; a frozen node points to these
 * instead of a copy. */
static const char *const known_strings[] = {
	"apiVersion",
	"kind",
	"metadata",
	"spec",
	"status",
	"name",
	"namespace",
	"uid",
	"resourceVersion",
	"generation",
	"creationTimestamp",
	"deletionTimestamp",
	"deletionGracePeriodSeconds",
	"labels",
	"annotations",
	"ownerReferences",
	"finalizers",
	"generateName",
	"managedFields",
	"controller",
	"blockOwnerDeletion",
	"v1",
	"apps/v1",
	"batch/v1",
	"Pod",
	"Node",
	"Service",
	"Endpoints",
	"ReplicaSet",
	"Deployment",
	"StatefulSet",
	"DaemonSet",
	"Job",
	"CronJob",
	"ConfigMap",
	"Secret",
	"Namespace",
	"containers",
	"initContainers",
	"image",
	"imagePullPolicy",
	"IfNotPresent",
	"Always",
	"Never",
	"command",
	"args",
	"env",
	"value",
	"valueFrom",
	"ports",
	"containerPort",
	"hostPort",
	"protocol",
	"TCP",
	"UDP",
	"SCTP",
	"resources",
	"requests",
	"limits",
	"cpu",
	"memory",
	"volumeMounts",
	"mountPath",
	"volumes",
	"readOnly",
	"terminationMessagePath",
	"/dev/termination-log",
	"terminationMessagePolicy",
	"File",
	"restartPolicy",
	"OnFailure",
	"dnsPolicy",
	"ClusterFirst",
	"nodeName",
	"nodeSelector",
	"schedulerName",
	"default-scheduler",
	"serviceAccountName",
	"default",
	"securityContext",
	"terminationGracePeriodSeconds",
	"tolerations",
	"key",
	"operator",
	"effect",
	"Exists",
	"Equal",
	"NoSchedule",
	"NoExecute",
	"tolerationSeconds",
	"affinity",
	"priority",
	"enableServiceLinks",
	"preemptionPolicy",
	"PreemptLowerPriority",
	"hostname",
	"subdomain",
	"phase",
	"Pending",
	"Running",
	"Succeeded",
	"Failed",
	"Unknown",
	"conditions",
	"type",
	"True",
	"False",
	"lastProbeTime",
	"lastTransitionTime",
	"lastHeartbeatTime",
	"reason",
	"message",
	"Ready",
	"ContainersReady",
	"Initialized",
	"PodScheduled",
	"hostIP",
	"hostIPs",
	"podIP",
	"podIPs",
	"ip",
	"startTime",
	"containerStatuses",
	"initContainerStatuses",
	"state",
	"running",
	"waiting",
	"terminated",
	"startedAt",
	"finishedAt",
	"exitCode",
	"lastState",
	"ready",
	"started",
	"restartCount",
	"imageID",
	"containerID",
	"qosClass",
	"Guaranteed",
	"Burstable",
	"BestEffort",
	"pod-template-hash",
	"app",
	"replicas",
	"selector",
	"matchLabels",
	"template",
	"strategy",
	"capacity",
	"allocatable",
	"addresses",
	"address",
	"InternalIP",
	"Hostname",
	"nodeInfo",
	"podCIDR",
	"podCIDRs",
	"taints",
	"ClusterIP",
	"clusterIP",
	"clusterIPs",
	"targetPort",
	"port",
	"nodePort",
	"subsets",
};

#define KNOWN_SLOTS 512 /* a power of two, over twice the strings */
static const char *known_table[KNOWN_SLOTS];

static uint64_t str_hash(const char *s)
{
	return cube_strmap_hash(s);
}

static void known_init(void)
{
	for (size_t i = 0; i < sizeof(known_strings) / sizeof(known_strings[0]); i++) {
		size_t at = str_hash(known_strings[i]) & (KNOWN_SLOTS - 1);
		while (known_table[at] && strcmp(known_table[at], known_strings[i]))
			at = (at + 1) & (KNOWN_SLOTS - 1);
		known_table[at] = known_strings[i];
	}
}

/* The static copy of s, or NULL. */
static const char *known(const char *s, uint64_t h)
{
	for (size_t at = h & (KNOWN_SLOTS - 1); known_table[at]; at = (at + 1) & (KNOWN_SLOTS - 1))
		if (!strcmp(known_table[at], s))
			return known_table[at];
	return NULL;
}

/* ---- chains ------------------------------------------------------------------------------- */

static bool has_value_string(const cJSON *n)
{
	return (cJSON_IsString(n) || cJSON_IsRaw(n)) && n->valuestring;
}

/* Bytes a string needs in an allocation: 0 for none or a well-known one. */
static size_t str_size(const char *s)
{
	return s && !known(s, str_hash(s)) ? strlen(s) + 1 : 0;
}

/* Bytes a node's key and value strings need in its allocation. */
static size_t strings_size(const cJSON *n)
{
	return str_size(n->string) + (has_value_string(n) ? str_size(n->valuestring) : 0);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

static uint64_t node_hash(uint64_t h, const cJSON *n, const cJSON *child)
{
	uint64_t d;
	memcpy(&d, &n->valuedouble, sizeof(d));
	h = mix(h, (uint64_t)(n->type & 0xff));
	h = mix(h, n->string ? str_hash(n->string) : 1);
	h = mix(h, has_value_string(n) ? str_hash(n->valuestring) : 2);
	h = mix(h, d);
	h = mix(h, (uint64_t)(int64_t)n->valueint);
	return mix(h, (uint64_t)(uintptr_t)child);
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Node `f` of a chain equals source node `s` whose frozen children are `child`. */
static bool node_eq(const cJSON *f, const cJSON *s, const cJSON *child)
{
	return f->type == (s->type & 0xff) && f->child == child && str_eq(f->string, s->string) &&
	       str_eq(f->valuestring, has_value_string(s) ? s->valuestring : NULL) &&
	       !memcmp(&f->valuedouble, &s->valuedouble, sizeof(double)) &&
	       f->valueint == s->valueint;
}

/* Copies a string into the allocation at *pool (or points to its static
 * copy); NULL stays NULL. */
static char *place(const char *s, char **pool)
{
	if (!s)
		return NULL;
	const char *k = known(s, str_hash(s));
	if (k)
		return (char *)k; /* never freed nor written: frozen nodes are read-only */
	size_t len = strlen(s) + 1;
	char *at = *pool;
	memcpy(at, s, len);
	*pool += len;
	return at;
}

/* Fills `dst` (n nodes, contiguous) from the source chain, linked in order. */
static void fill_nodes(cJSON *dst, const cJSON *src, cJSON *const *kids, size_t n, char *pool)
{
	size_t i = 0;
	for (const cJSON *s = src; s; s = s->next, i++) {
		cJSON *d = &dst[i];
		memset(d, 0, sizeof(*d));
		d->type = s->type & 0xff;
		d->child = kids[i];
		d->string = place(s->string, &pool);
		d->valuestring = has_value_string(s) ? place(s->valuestring, &pool) : NULL;
		d->valuedouble = s->valuedouble;
		d->valueint = s->valueint;
		d->next = i + 1 < n ? &dst[i + 1] : NULL;
		d->prev = i ? &dst[i - 1]
			    : &dst[n - 1]; /* the first's prev is the last, as cJSON's */
	}
}

static void release(cJSON *first);

static void release_all(cJSON *const *kids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		release(kids[i]);
}

/* Sanitizer builds check that nobody changed a frozen chain's links (an item
 * added, detached or replaced through a pointer taken from a cache): that
 * would corrupt every tree sharing it. */
static void check_links(const cJSON *nodes, size_t n)
{
#if defined(__SANITIZE_ADDRESS__)
	if (n && nodes[n - 1].next)
		abort();
	for (size_t i = 0; i < n; i++)
		if (nodes[i].next != (i + 1 < n ? &nodes[i + 1] : NULL) ||
		    nodes[i].prev != (i ? &nodes[i - 1] : &nodes[n - 1]))
			abort();
#else
	(void)nodes, (void)n;
#endif
}

/* Drops a reference to a shared chain (mu held); frees it on the last. */
static void release(cJSON *first)
{
	if (!first)
		return;
	struct chain *c = CHAIN_OF(first);
	if (--c->refs)
		return;
	struct chain **p = &buckets[c->hash & (nbuckets - 1)];
	while (*p != c)
		p = &(*p)->next;
	*p = c->next;
	nchains--;
	chain_bytes -= c->size;
	check_links(c->nodes, c->n);
	for (uint32_t i = 0; i < c->n; i++)
		release(c->nodes[i].child);
	free(c);
}

static void grow(void)
{
	size_t nb = nbuckets ? nbuckets * 2 : 1024;
	struct chain **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep working at a higher load */
	for (size_t i = 0; i < nbuckets; i++) {
		for (struct chain *c = buckets[i], *next; c; c = next) {
			next = c->next;
			c->next = b[c->hash & (nb - 1)];
			b[c->hash & (nb - 1)] = c;
		}
	}
	free(buckets);
	buckets = b;
	nbuckets = nb;
}

static size_t chain_len(const cJSON *first)
{
	size_t n = 0;
	for (; first; first = first->next)
		n++;
	return n;
}

/* Freezes the chains under every node of the chain `src` into kids[]; on
 * ENOMEM releases what it made and returns -1. */
static int freeze_kids(const cJSON *src, cJSON **kids);

/* The shared chain equal to the source chain `src` (not empty), with a new
 * reference; NULL on ENOMEM.  mu held. */
static cJSON *intern(const cJSON *src)
{
	size_t n = chain_len(src);
	cJSON *small[16];
	cJSON **kids = n <= 16 ? small : calloc(n, sizeof(*kids));
	if (!kids || freeze_kids(src, kids) < 0) {
		if (kids != small)
			free(kids);
		return NULL;
	}
	uint64_t h = 0x5bd1e995;
	size_t i = 0, strs = 0;
	for (const cJSON *s = src; s; s = s->next, i++) {
		h = node_hash(h, s, kids[i]);
		strs += strings_size(s);
	}
	cJSON *out = NULL;
	for (struct chain *c = nbuckets ? buckets[h & (nbuckets - 1)] : NULL; c && !out;
	     c = c->next) {
		if (c->hash != h || c->n != n)
			continue;
		i = 0;
		const cJSON *s = src;
		while (s && node_eq(&c->nodes[i], s, kids[i]))
			s = s->next, i++;
		if (!s) {
			c->refs++;
			release_all(kids, n); /* c holds its own references to the same chains */
			out = c->nodes;
		}
	}
	if (!out) {
		size_t size = sizeof(struct chain) + n * sizeof(cJSON) + strs;
		if (nchains >= nbuckets)
			grow();
		struct chain *c = nbuckets && n <= UINT32_MAX ? malloc(size) : NULL;
		if (!c) {
			release_all(kids, n);
		} else {
			c->hash = h;
			c->refs = 1;
			c->n = (uint32_t)n;
			c->size = size;
			fill_nodes(c->nodes, src, kids, n, (char *)&c->nodes[n]);
			c->next = buckets[h & (nbuckets - 1)];
			buckets[h & (nbuckets - 1)] = c;
			nchains++;
			chain_bytes += size;
			out = c->nodes;
		}
	}
	if (kids != small)
		free(kids);
	return out;
}

static int freeze_kids(const cJSON *src, cJSON **kids)
{
	size_t i = 0;
	for (const cJSON *s = src; s; s = s->next, i++) {
		kids[i] = s->child ? intern(s->child) : NULL;
		if (s->child && !kids[i]) {
			release_all(kids, i);
			return -1;
		}
	}
	return 0;
}

/* ---- roots -------------------------------------------------------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;

const cJSON *cube_json_freeze(const cJSON *src)
{
	if (!src)
		return NULL;
	pthread_once(&once, known_init);
	size_t n = chain_len(src->child);
	cJSON **kids = calloc(n + 1, sizeof(*kids));
	if (!kids)
		return NULL;
	pthread_mutex_lock(&mu);
	struct root *r = NULL;
	if (freeze_kids(src->child, kids) == 0) {
		size_t strs = has_value_string(src) ? str_size(src->valuestring) : 0;
		for (const cJSON *s = src->child; s; s = s->next)
			strs += strings_size(s);
		size_t size = sizeof(struct root) + (n + 1) * sizeof(cJSON) + strs;
		r = malloc(size);
		if (!r) {
			release_all(kids, n);
		} else {
			r->size = size;
			r->n = n;
			char *pool = (char *)&r->nodes[n + 1];
			cJSON *root = &r->nodes[0];
			memset(root, 0, sizeof(*root));
			root->type = src->type & 0xff;
			root->valuestring =
				has_value_string(src) ? place(src->valuestring, &pool) : NULL;
			root->valuedouble = src->valuedouble;
			root->valueint = src->valueint;
			root->child = n ? &r->nodes[1] : NULL;
			if (n)
				fill_nodes(&r->nodes[1], src->child, kids, n, pool);
			nroots++;
			root_bytes += size;
		}
	}
	pthread_mutex_unlock(&mu);
	free(kids);
	return r ? r->nodes : NULL;
}

void cube_json_frozen_free(const cJSON *frozen)
{
	if (!frozen)
		return;
	struct root *r = (struct root *)((char *)frozen - offsetof(struct root, nodes));
	pthread_mutex_lock(&mu);
	if (frozen->next || frozen->prev)
		abort(); /* the root was added to something */
	check_links(&r->nodes[1], r->n);
	for (const cJSON *c = frozen->child; c; c = c->next)
		release(c->child);
	nroots--;
	root_bytes -= r->size;
	pthread_mutex_unlock(&mu);
	free(r);
}

void cube_json_frozen_get_stats(cube_json_frozen_stats *out)
{
	pthread_mutex_lock(&mu);
	out->chains = nchains;
	out->bytes = chain_bytes;
	out->roots = nroots;
	out->root_bytes = root_bytes;
	pthread_mutex_unlock(&mu);
}
