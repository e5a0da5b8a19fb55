/* pressure.c - node allocatable and the pressure conditions (pressure.h). */
#include "pressure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "cleanup.h"
#include "quantity.h"

/* Calls fn(ud, key, value) for each "key<sep>value" of a comma list. */
static int each_pair(const char *s, char sep, int (*fn)(void *ud, const char *k, const char *v),
		     void *ud, cube_err *err)
{
	if (!s)
		return 0;
	cube_autofree char *copy = strdup(s);
	if (!copy)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	char *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		while (*kv == ' ')
			kv++;
		if (!*kv)
			continue;
		char *at = strchr(kv, sep);
		if (!at || at == kv || !at[1])
			return cube_err_set(err, CUBE_EINVAL, "\"%s\": want name%cvalue", kv, sep);
		*at = '\0';
		if (fn(ud, kv, at + 1) < 0)
			return cube_err_set(err, CUBE_EINVAL, "\"%s%c%s\": not a valid quantity",
					    kv, sep, at + 1);
	}
	return 0;
}

static int reserved_one(void *ud, const char *k, const char *v)
{
	node_resources *r = ud;
	cube_quantity q;
	if (cube_quantity_parse(v, &q, NULL) < 0 || cube_quantity_milli(&q) < 0)
		return -1;
	if (!strcmp(k, "cpu"))
		r->cpu_milli = cube_quantity_milli(&q);
	else if (!strcmp(k, "memory"))
		r->memory = cube_quantity_value(&q);
	else if (!strcmp(k, "ephemeral-storage"))
		r->storage = cube_quantity_value(&q);
	else if (strcmp(k, "pid"))
		return -1;
	return 0;
}

int reserved_parse(const char *s, node_resources *r, cube_err *err)
{
	*r = (node_resources){0};
	return each_pair(s, '=', reserved_one, r, err);
}

static int signal_one(void *ud, const char *k, const char *v)
{
	eviction_hard *h = ud;
	eviction_signal sig = {.bytes = 0, .pct = -1};
	size_t n = strlen(v);
	if (n && v[n - 1] == '%') {
		char *end;
		sig.pct = strtod(v, &end);
		if (end != v + n - 1 || sig.pct < 0 || sig.pct > 100)
			return -1;
	} else {
		cube_quantity q;
		if (cube_quantity_parse(v, &q, NULL) < 0 || cube_quantity_value(&q) < 0)
			return -1;
		sig.bytes = cube_quantity_value(&q);
	}
	if (!strcmp(k, "memory.available"))
		h->memory = sig;
	else if (!strcmp(k, "nodefs.available"))
		h->nodefs = sig;
	else if (strcmp(k, "imagefs.available") && strcmp(k, "nodefs.inodesFree") &&
		 strcmp(k, "imagefs.inodesFree") && strcmp(k, "pid.available"))
		return -1;
	return 0;
}

int eviction_hard_parse(const char *s, eviction_hard *h, cube_err *err)
{
	*h = (eviction_hard){.memory = {0, -1}, .nodefs = {0, -1}};
	return each_pair(s, '<', signal_one, h, err);
}

int64_t eviction_threshold(const eviction_signal *s, int64_t capacity)
{
	if (s->pct >= 0)
		return (int64_t)((double)capacity * s->pct / 100.0);
	return s->bytes;
}

static int64_t sub(int64_t a, int64_t b)
{
	return a > b ? a - b : 0;
}

node_resources node_allocatable(const node_resources *cap, const node_resources *kube,
				const node_resources *sys, const eviction_hard *hard)
{
	node_resources a;
	a.cpu_milli = sub(cap->cpu_milli, kube->cpu_milli + sys->cpu_milli);
	a.memory = sub(cap->memory,
		       kube->memory + sys->memory + eviction_threshold(&hard->memory, cap->memory));
	a.storage = sub(cap->storage, kube->storage + sys->storage +
					      eviction_threshold(&hard->nodefs, cap->storage));
	return a;
}

int node_signals_read(const char *dir, node_signals *s)
{
	*s = (node_signals){0};
	FILE *f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	char line[256];
	long long kb;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			s->mem_total = kb * 1024;
		else if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			s->mem_available = kb * 1024;
	}
	fclose(f);
	struct statvfs v;
	if (statvfs(dir, &v) < 0 || !s->mem_total)
		return -1;
	s->fs_total = (int64_t)v.f_blocks * (int64_t)v.f_frsize;
	s->fs_available = (int64_t)v.f_bavail * (int64_t)v.f_frsize;
	return 0;
}

bool memory_pressure(const node_signals *s, const eviction_hard *h)
{
	int64_t t = eviction_threshold(&h->memory, s->mem_total);
	return t > 0 && s->mem_available < t;
}

bool disk_pressure(const node_signals *s, const eviction_hard *h)
{
	int64_t t = eviction_threshold(&h->nodefs, s->fs_total);
	return t > 0 && s->fs_available < t;
}
