/* alloc.c - ClusterIPs and NodePorts as create-if-absent etcd keys. */
#include "alloc.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TRIES 64

static uint32_t random_u32(void)
{
	uint32_t v;
	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint32_t)rand();
	return v;
}

int api_alloc_init(api_alloc *a, cube_etcd *etcd, const char *cidr, const char *ports,
		   cube_err *err)
{
	memset(a, 0, sizeof(*a));
	a->etcd = etcd;
	char ip[32];
	int prefix = -1;
	if (!cidr || sscanf(cidr, "%31[0-9.]/%d", ip, &prefix) != 2 || prefix < 8 || prefix > 30)
		return cube_err_set(
			err, CUBE_EINVAL,
			"invalid --service-cluster-ip-range \"%s\": want an IPv4 CIDR of /8 to /30",
			cidr ? cidr : "");
	struct in_addr in;
	if (inet_pton(AF_INET, ip, &in) != 1)
		return cube_err_set(err, CUBE_EINVAL, "invalid --service-cluster-ip-range \"%s\"",
				    cidr);
	uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
	a->net = ntohl(in.s_addr) & mask;
	a->prefix = prefix;
	a->size = (1u << (32 - prefix)) - 2;
	snprintf(a->cidr, sizeof(a->cidr), "%s", cidr);
	int lo = 0, hi = 0;
	if (!ports || sscanf(ports, "%d-%d", &lo, &hi) != 2 || lo < 1 || hi > 65535 || lo > hi)
		return cube_err_set(
			err, CUBE_EINVAL,
			"invalid --service-node-port-range \"%s\": want LOW-HIGH within 1-65535",
			ports ? ports : "");
	a->port_lo = lo;
	a->port_hi = hi;
	snprintf(a->ports, sizeof(a->ports), "%d-%d", lo, hi);
	return 0;
}

void api_alloc_first_ip(const api_alloc *a, char *out, size_t size)
{
	struct in_addr in = {.s_addr = htonl(a->net + 1)};
	inet_ntop(AF_INET, &in, out, (socklen_t)size);
}

static int claim(api_alloc *a, const char *key, const char *owner, cube_err *err)
{
	char val[300];
	int n = snprintf(val, sizeof(val), "{\"owner\":\"%s\"}", owner ? owner : "");
	return cube_etcd_create(a->etcd, key, val, (size_t)n, 0, NULL, NULL, err);
}

int api_alloc_ip(api_alloc *a, const char *want, const char *owner, char *out, size_t size,
		 cube_err *err)
{
	char key[96];
	if (want && want[0]) {
		struct in_addr in;
		if (inet_pton(AF_INET, want, &in) != 1)
			return cube_err_set(err, CUBE_EINVAL, "must be a valid IP address");
		uint32_t ip = ntohl(in.s_addr);
		if (ip <= a->net || ip >= a->net + a->size + 1)
			return cube_err_set(
				err, CUBE_EINVAL,
				"failed to allocate IP %s: provided IP is not in the valid "
				"range. The range of valid IPs is %s",
				want, a->cidr);
		snprintf(key, sizeof(key), "/registry/cube/serviceips/%s", want);
		if (claim(a, key, owner, err) < 0) {
			if (err && err->code == CUBE_EEXIST)
				cube_err_set(err, CUBE_EEXIST,
					     "failed to allocate IP %s: provided IP is already "
					     "allocated",
					     want);
			return -1;
		}
		snprintf(out, size, "%s", want);
		return 0;
	}
	/* Random probing, then a scan from a random start: fine for lab-sized ranges. */
	uint32_t start = random_u32() % a->size;
	for (uint32_t i = 0; i < a->size; i++) {
		uint32_t off = i < TRIES ? random_u32() % a->size : (start + i) % a->size;
		struct in_addr in = {.s_addr = htonl(a->net + 1 + off)};
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &in, text, sizeof(text));
		if (a->size > 1 && off == 0 && i < TRIES)
			continue; /* the first address is the kubernetes Service's */
		snprintf(key, sizeof(key), "/registry/cube/serviceips/%s", text);
		cube_err cerr = CUBE_ERR_INIT;
		if (claim(a, key, owner, &cerr) == 0) {
			snprintf(out, size, "%s", text);
			return 0;
		}
		if (cerr.code != CUBE_EEXIST) {
			if (err)
				*err = cerr;
			return -1;
		}
	}
	return cube_err_set(err, CUBE_ETOOBIG, "range is full: no ClusterIP is free in %s",
			    a->cidr);
}

int api_alloc_port(api_alloc *a, int want, const char *owner, int *out, cube_err *err)
{
	char key[96];
	if (want) {
		if (want < a->port_lo || want > a->port_hi)
			return cube_err_set(
				err, CUBE_EINVAL,
				"provided port is not in the valid range. The range of valid "
				"ports is %s",
				a->ports);
		snprintf(key, sizeof(key), "/registry/cube/nodeports/%d", want);
		if (claim(a, key, owner, err) < 0) {
			if (err && err->code == CUBE_EEXIST)
				cube_err_set(err, CUBE_EEXIST,
					     "provided port is already allocated");
			return -1;
		}
		*out = want;
		return 0;
	}
	int span = a->port_hi - a->port_lo + 1;
	int start = (int)(random_u32() % (uint32_t)span);
	for (int i = 0; i < span; i++) {
		int p = a->port_lo +
			(i < TRIES ? (int)(random_u32() % (uint32_t)span) : (start + i) % span);
		snprintf(key, sizeof(key), "/registry/cube/nodeports/%d", p);
		cube_err cerr = CUBE_ERR_INIT;
		if (claim(a, key, owner, &cerr) == 0) {
			*out = p;
			return 0;
		}
		if (cerr.code != CUBE_EEXIST) {
			if (err)
				*err = cerr;
			return -1;
		}
	}
	return cube_err_set(err, CUBE_ETOOBIG, "range is full: no node port is free in %s",
			    a->ports);
}

void api_release_ip(api_alloc *a, const char *ip)
{
	char key[96];
	if (!ip || !ip[0] || !strcmp(ip, "None"))
		return;
	snprintf(key, sizeof(key), "/registry/cube/serviceips/%s", ip);
	cube_etcd_delete(a->etcd, key, false, NULL, NULL, NULL);
}

void api_release_port(api_alloc *a, int port)
{
	char key[96];
	if (port <= 0)
		return;
	snprintf(key, sizeof(key), "/registry/cube/nodeports/%d", port);
	cube_etcd_delete(a->etcd, key, false, NULL, NULL, NULL);
}
