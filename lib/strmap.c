/* strmap.c - separate-chaining hash map with FNV-1a, doubling at load 1. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *next;
	uint64_t hash;
	void *value;
	char key[];
};

struct cube_strmap {
	struct entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t len;
};

uint64_t cube_strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

cube_strmap *cube_strmap_new(void)
{
	cube_strmap *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->nbuckets = 64;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	if (!m->buckets) {
		free(m);
		return NULL;
	}
	return m;
}

void cube_strmap_free(cube_strmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		for (struct entry *e = m->buckets[i], *n; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(m->buckets);
	free(m);
}

size_t cube_strmap_len(const cube_strmap *m)
{
	return m->len;
}

static struct entry **slot(const cube_strmap *m, const char *key, uint64_t h)
{
	struct entry **p = &m->buckets[h & (m->nbuckets - 1)];
	while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

void *cube_strmap_get(const cube_strmap *m, const char *key)
{
	struct entry *e = *slot(m, key, cube_strmap_hash(key));
	return e ? e->value : NULL;
}

static void grow(cube_strmap *m)
{
	size_t nb = m->nbuckets * 2;
	struct entry **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep working at a higher load factor */
	for (size_t i = 0; i < m->nbuckets; i++) {
		for (struct entry *e = m->buckets[i], *n; e; e = n) {
			n = e->next;
			struct entry **p = &b[e->hash & (nb - 1)];
			e->next = *p;
			*p = e;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
}

int cube_strmap_put(cube_strmap *m, const char *key, void *value, void **old)
{
	uint64_t h = cube_strmap_hash(key);
	struct entry **p = slot(m, key, h);
	if (*p) {
		if (old)
			*old = (*p)->value;
		(*p)->value = value;
		return 0;
	}
	size_t klen = strlen(key);
	struct entry *e = malloc(sizeof(*e) + klen + 1);
	if (!e)
		return -1;
	e->hash = h;
	e->value = value;
	e->next = NULL;
	memcpy(e->key, key, klen + 1);
	*p = e;
	m->len++;
	if (old)
		*old = NULL;
	if (m->len > m->nbuckets)
		grow(m);
	return 0;
}

void *cube_strmap_del(cube_strmap *m, const char *key)
{
	struct entry **p = slot(m, key, cube_strmap_hash(key));
	struct entry *e = *p;
	if (!e)
		return NULL;
	*p = e->next;
	void *v = e->value;
	free(e);
	m->len--;
	return v;
}

int cube_strmap_each(const cube_strmap *m, int (*fn)(void *ud, const char *key, void *value),
		     void *ud)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		for (struct entry *e = m->buckets[i]; e; e = e->next) {
			int rc = fn(ud, e->key, e->value);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t cube_strmap_sorted_keys(const cube_strmap *m, const char **keys)
{
	size_t n = 0;
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->buckets[i]; e; e = e->next)
			keys[n++] = e->key;
	if (n > 1) /* qsort's array must not be NULL, even for no elements */
		qsort(keys, n, sizeof(*keys), cmp_str);
	return n;
}
