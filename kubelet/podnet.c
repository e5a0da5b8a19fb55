/* podnet.c - a node's pod network (see podnet.h). */
#include "podnet.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netlink.h"
#include "netns.h"

#define BRIDGE "cbr0"

struct podnet {
	pthread_mutex_t mu;
	char dir[512];
	uint32_t net;  /* network address, host order */
	uint32_t size; /* addresses in the CIDR */
	int prefix;
	char gw[INET_ADDRSTRLEN];
	uint32_t next; /* next offset to try */
	cube_nl *nl;   /* in the node's namespace */
};

static void ip_at(const podnet *p, uint32_t off, char *buf, size_t size)
{
	struct in_addr in = {.s_addr = htonl(p->net + off)};
	inet_ntop(AF_INET, &in, buf, (socklen_t)size);
}

static void veth_name(const char *uid, char *buf, size_t size)
{
	/* "veth" + 8 hex digits of the uid (dashes skipped): 12 < IFNAMSIZ */
	char hex[9] = {0};
	size_t k = 0;
	for (const char *c = uid; *c && k < 8; c++)
		if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'))
			hex[k++] = *c;
	while (k < 8)
		hex[k++] = '0';
	snprintf(buf, size, "veth%s", hex);
}

static int mkdirs(const char *dir)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *s = tmp + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

podnet *podnet_new(const char *state_dir, const char *pod_cidr, int node_nsfd, cube_err *err)
{
	char ip[32];
	int prefix = -1;
	struct in_addr in;
	if (!pod_cidr || sscanf(pod_cidr, "%31[0-9.]/%d", ip, &prefix) != 2 ||
	    inet_pton(AF_INET, ip, &in) != 1 || prefix < 8 || prefix > 29) {
		cube_err_set(err, CUBE_EINVAL, "pod CIDR \"%s\" is not an IPv4 /8../29",
			     pod_cidr ? pod_cidr : "");
		return NULL;
	}
	podnet *p = calloc(1, sizeof(*p));
	if (!p) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	snprintf(p->dir, sizeof(p->dir), "%s", state_dir);
	p->prefix = prefix;
	p->net = ntohl(in.s_addr) & (0xffffffffu << (32 - prefix));
	p->size = 1u << (32 - prefix);
	p->next = 2;
	ip_at(p, 1, p->gw, sizeof(p->gw));
	if (mkdirs(p->dir) < 0) {
		cube_err_set(err, CUBE_EIO, "state dir %s: %s", p->dir, strerror(errno));
		podnet_free(p);
		return NULL;
	}
	char gw_cidr[48];
	snprintf(gw_cidr, sizeof(gw_cidr), "%s/%d", p->gw, prefix);
	if (!(p->nl = cube_nl_open(node_nsfd, err)) || cube_nl_bridge_add(p->nl, BRIDGE, err) < 0 ||
	    cube_nl_addr_add(p->nl, BRIDGE, gw_cidr, err) < 0 ||
	    cube_nl_link_up(p->nl, BRIDGE, err) < 0 ||
	    cube_netns_sysctl(node_nsfd, "net/ipv4/ip_forward", "1", err) < 0) {
		cube_err_prefix(err, "pod network");
		podnet_free(p);
		return NULL;
	}
	return p;
}

void podnet_free(podnet *p)
{
	if (!p)
		return;
	cube_nl_close(p->nl);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

const char *podnet_gateway(const podnet *p)
{
	return p->gw;
}

/* The address recorded for uid, if any (the directory is the truth). */
static bool find_ip(podnet *p, const char *uid, char *ip, size_t size)
{
	DIR *d = opendir(p->dir);
	if (!d)
		return false;
	struct dirent *e;
	bool found = false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024], have[128] = "";
		snprintf(path, sizeof(path), "%s/%s", p->dir, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(have, sizeof(have), f) && !strcmp(have, uid)) {
			snprintf(ip, size, "%s", e->d_name);
			found = true;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static int allocate(podnet *p, const char *uid, char *ip, size_t size, cube_err *err)
{
	for (uint32_t k = 0; k + 3 < p->size; k++) {
		uint32_t off = p->next;
		p->next = p->next + 1 >= p->size - 1 ? 2 : p->next + 1;
		char cand[INET_ADDRSTRLEN], path[1024];
		ip_at(p, off, cand, sizeof(cand));
		snprintf(path, sizeof(path), "%s/%s", p->dir, cand);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			continue; /* taken */
		size_t n = strlen(uid);
		bool ok = write(fd, uid, n) == (ssize_t)n;
		close(fd);
		if (!ok) {
			unlink(path);
			return cube_err_set(err, CUBE_EIO, "recording %s: %s", path,
					    strerror(errno));
		}
		snprintf(ip, size, "%s", cand);
		return 0;
	}
	return cube_err_set(err, CUBE_ETOOBIG, "no free address left in the pod CIDR");
}

static void release(podnet *p, const char *ip)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", p->dir, ip);
	unlink(path);
}

int podnet_setup(podnet *p, const char *pod_uid, int pod_nsfd, char *ip, size_t size, cube_err *err)
{
	if (!pod_uid || !pod_uid[0] || strchr(pod_uid, '/') || strchr(pod_uid, '\n'))
		return cube_err_set(err, CUBE_EINVAL, "bad pod uid");
	pthread_mutex_lock(&p->mu);
	char veth[32];
	veth_name(pod_uid, veth, sizeof(veth));
	bool had = find_ip(p, pod_uid, ip, size);
	int rc = 0;
	if (had && cube_nl_ifindex(p->nl, veth)) {
		pthread_mutex_unlock(&p->mu);
		return 0; /* wired already (a cubelet restart) */
	}
	if (!had && allocate(p, pod_uid, ip, size, err) < 0) {
		pthread_mutex_unlock(&p->mu);
		return -1;
	}
	cube_nl *pod = cube_nl_open(pod_nsfd, err);
	char cidr[48];
	snprintf(cidr, sizeof(cidr), "%s/%d", ip, p->prefix);
	if (!pod || cube_nl_link_del(p->nl, veth, err) < 0 ||
	    cube_nl_veth_add(p->nl, veth, "eth0", pod_nsfd, err) < 0 ||
	    cube_nl_link_set_master(p->nl, veth, BRIDGE, err) < 0 ||
	    cube_nl_bridge_port_hairpin(p->nl, veth, true, err) < 0 ||
	    cube_nl_link_up(p->nl, veth, err) < 0 || cube_nl_link_up(pod, "lo", err) < 0 ||
	    cube_nl_addr_add(pod, "eth0", cidr, err) < 0 || cube_nl_link_up(pod, "eth0", err) < 0 ||
	    cube_nl_route_replace(pod, "default", p->gw, "eth0", false, err) < 0) {
		cube_err_prefix(err, "pod %s network", pod_uid);
		cube_nl_link_del(p->nl, veth, NULL);
		release(p, ip);
		rc = -1;
	}
	cube_nl_close(pod);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int podnet_teardown(podnet *p, const char *pod_uid, cube_err *err)
{
	pthread_mutex_lock(&p->mu);
	char veth[32], ip[INET_ADDRSTRLEN];
	veth_name(pod_uid, veth, sizeof(veth));
	int rc = cube_nl_link_del(p->nl, veth, err);
	if (rc == 0 && find_ip(p, pod_uid, ip, sizeof(ip)))
		release(p, ip);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int podnet_gc(podnet *p, bool (*alive)(void *ud, const char *uid), void *ud)
{
	DIR *d = opendir(p->dir);
	if (!d)
		return 0;
	char(*dead)[128] = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024], uid[128] = "";
		snprintf(path, sizeof(path), "%s/%s", p->dir, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		bool read_ok = fgets(uid, sizeof(uid), f) != NULL;
		fclose(f);
		if (!read_ok || alive(ud, uid))
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char(*g)[128] = realloc(dead, nc * sizeof(*dead));
			if (!g)
				break;
			dead = g;
			cap = nc;
		}
		snprintf(dead[n++], sizeof(dead[0]), "%s", uid);
	}
	closedir(d);
	int gone = 0;
	for (size_t i = 0; i < n; i++)
		gone += podnet_teardown(p, dead[i], NULL) == 0;
	free(dead);
	return gone;
}
