/* ocispec.c - a pod's container as the runc runtime runs it: environment,
 * expansion, resources, the OCI runtime spec, /etc/hosts and the pod phase
 * (see ocispec.h).  Pure functions. */
#include "ocispec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "obj.h"
#include "oci.h"
#include "quantity.h"
#include "yaml.h"
#include "strbuf.h"

/* ---- $(VAR) expansion (k8s.io/kubernetes/third_party/forked/golang/expansion) ---- */

static const char *lookup(char *const *env, const char *name, size_t len)
{
	const char *found = NULL;
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, len) && env[i][len] == '=')
			found = env[i] + len + 1; /* the last definition wins */
	return found;
}

char *ocispec_expand(const char *s, char *const *env)
{
	cube_sb b = {0};
	size_t n = strlen(s), checkpoint = 0;
	for (size_t cur = 0; cur < n; cur++) {
		if (s[cur] != '$' || cur + 1 >= n)
			continue;
		cube_sb_add(&b, s + checkpoint, cur - checkpoint);
		const char *in = s + cur + 1;
		size_t advance = 1;
		if (in[0] == '$') {
			cube_sb_add(&b, "$", 1); /* $$ -> $ */
		} else if (in[0] == '(') {
			const char *close = strchr(in + 1, ')');
			if (close) {
				size_t len = (size_t)(close - (in + 1));
				const char *v = lookup(env, in + 1, len);
				if (v)
					cube_sb_str(&b, v);
				else
					cube_sb_add(&b, in - 1, len + 3); /* unknown: as written */
				advance = len + 2;
			} else {
				cube_sb_add(&b, "$(", 2);
			}
		} else {
			cube_sb_add(&b, in - 1, 2);
		}
		cur += advance;
		checkpoint = cur + 1;
	}
	if (checkpoint < n)
		cube_sb_add(&b, s + checkpoint, n - checkpoint);
	return cube_sb_take(&b);
}

int ocispec_expand_argv(char **argv, char *const *env)
{
	for (size_t i = 0; argv && argv[i]; i++) {
		char *x = ocispec_expand(argv[i], env);
		if (!x)
			return -1;
		free(argv[i]);
		argv[i] = x;
	}
	return 0;
}

/* ---- the environment ---- */

/* metadata.labels['k'] / metadata.annotations['k'] */
static const char *map_field(const cJSON *pod, const char *path, const char *prefix,
			     const char *member)
{
	size_t pl = strlen(prefix);
	if (strncmp(path, prefix, pl) || path[pl] != '[')
		return NULL;
	const char *k = path + pl + 1;
	char q = *k;
	if (q != '\'' && q != '"')
		return NULL;
	const char *end = strchr(k + 1, q);
	if (!end || strcmp(end + 1, "]"))
		return NULL;
	char key[256];
	snprintf(key, sizeof(key), "%.*s", (int)(end - k - 1), k + 1);
	const cJSON *m = cube_json_path(pod, member);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int field_value(const cJSON *pod, const char *path, const char *pod_ip, const char *host_ip,
		       const char **out)
{
	static const struct {
		const char *path, *json;
	} simple[] = {
		{"metadata.name", "metadata.name"},
		{"metadata.namespace", "metadata.namespace"},
		{"metadata.uid", "metadata.uid"},
		{"spec.nodeName", "spec.nodeName"},
		{"spec.serviceAccountName", "spec.serviceAccountName"},
	};
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!strcmp(path, simple[i].path)) {
			const char *v = cube_json_str(pod, simple[i].json);
			*out = v ? v : "";
			return 0;
		}
	if (!strcmp(path, "status.podIP") || !strcmp(path, "status.podIPs")) {
		*out = pod_ip ? pod_ip : "";
		return 0;
	}
	if (!strcmp(path, "status.hostIP") || !strcmp(path, "status.hostIPs")) {
		*out = host_ip ? host_ip : "";
		return 0;
	}
	const char *v = map_field(pod, path, "metadata.labels", "metadata.labels");
	if (!v)
		v = map_field(pod, path, "metadata.annotations", "metadata.annotations");
	if (!v)
		return -1;
	*out = v;
	return 0;
}

/* A growable "K=V" vector in which setting a name again replaces it (the
 * kubelet builds a map: envFrom, then env, the later one wins). */
typedef struct envv {
	char **v;
	size_t n, cap;
} envv;

static int envv_set(envv *e, const char *name, const char *value, size_t vlen)
{
	size_t nl = strlen(name), len = nl + vlen + 2;
	char *kv = malloc(len);
	if (!kv)
		return -1;
	memcpy(kv, name, nl);
	kv[nl] = '=';
	memcpy(kv + nl + 1, value, vlen);
	kv[len - 1] = '\0';
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->v[i], name, nl) && e->v[i][nl] == '=') {
			free(e->v[i]);
			e->v[i] = kv;
			return 0;
		}
	if (e->n + 2 > e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 16;
		char **g = realloc(e->v, nc * sizeof(*g));
		if (!g) {
			free(kv);
			return -1;
		}
		e->v = g;
		e->cap = nc;
	}
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

/* Kubernetes' resource names in its not-found messages ("configmap", "secret"). */
static const char *source_kind(bool secret)
{
	return secret ? "secret" : "configmap";
}

/* The value of `key` in a ConfigMap's data or a Secret's (base64) data, in a
 * new buffer (*len its length); NULL with *bad false when there is no such
 * key, with *bad true when a Secret value is not base64 (or ENOMEM). */
static char *source_value(const cJSON *obj, bool secret, const char *key, size_t *len, bool *bad)
{
	*bad = false;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "data"), key);
	if (!cJSON_IsString(v))
		return NULL;
	if (secret) {
		char *d = cube_base64_decode(v->valuestring, strlen(v->valuestring), len, bad);
		if (!d)
			*bad = true;
		return d;
	}
	*len = strlen(v->valuestring);
	char *d = strdup(v->valuestring);
	*bad = !d;
	return d;
}

/* IsEnvVarName: [-._a-zA-Z][-._a-zA-Z0-9]* */
static bool env_name_ok(const char *s)
{
	if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* envFrom: every key of each ConfigMap or Secret, with its prefix. */
static int env_from_sources(envv *e, const cJSON *pod, const cJSON *container,
			    const ocispec_lookup *lk, cube_err *err)
{
	const cJSON *src;
	cJSON_ArrayForEach (src, cJSON_GetObjectItemCaseSensitive(container, "envFrom")) {
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(src, "configMapRef");
		bool secret = false;
		if (!ref) {
			ref = cJSON_GetObjectItemCaseSensitive(src, "secretRef");
			secret = true;
		}
		const char *name = cube_json_str(ref, "name");
		if (!ref || !name)
			continue;
		bool optional = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref, "optional"));
		const cJSON *obj = lk && lk->get ? lk->get(lk->ud, secret, name) : NULL;
		if (!obj) {
			if (optional)
				continue;
			return cube_err_set(err, CUBE_ENOTFOUND, "%s \"%s\" not found",
					    source_kind(secret), name);
		}
		const char *prefix = cube_json_str(src, "prefix");
		const cJSON *kv;
		cJSON_ArrayForEach (kv, cJSON_GetObjectItemCaseSensitive(obj, "data")) {
			char full[512];
			snprintf(full, sizeof(full), "%s%s", prefix ? prefix : "", kv->string);
			if (!env_name_ok(full))
				continue; /* the kubelet skips (and reports) invalid names */
			size_t len;
			bool bad;
			cube_autofree char *val = source_value(obj, secret, kv->string, &len, &bad);
			if (!val)
				return cube_err_set(err, CUBE_EINVAL,
						    "%s %s/%s: key %s: invalid value",
						    source_kind(secret), cube_obj_namespace(pod),
						    name, kv->string);
			if (envv_set(e, full, val, len) < 0)
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* valueFrom.configMapKeyRef / secretKeyRef: 1 with the value in *out (new),
 * 0 when optional and missing, -1 with err. */
static int key_ref_value(const cJSON *pod, const cJSON *ref, bool secret, const ocispec_lookup *lk,
			 char **out, size_t *len, cube_err *err)
{
	const char *name = cube_json_str(ref, "name"), *key = cube_json_str(ref, "key");
	bool optional = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref, "optional"));
	const cJSON *obj = lk && lk->get && name ? lk->get(lk->ud, secret, name) : NULL;
	if (!obj) {
		if (optional)
			return 0;
		return cube_err_set(err, CUBE_ENOTFOUND, "%s \"%s\" not found", source_kind(secret),
				    name ? name : "");
	}
	bool bad;
	*out = key ? source_value(obj, secret, key, len, &bad) : NULL;
	if (*out)
		return 1;
	if (key && bad)
		return cube_err_set(err, CUBE_EINVAL, "%s %s/%s: key %s: invalid value",
				    source_kind(secret), cube_obj_namespace(pod), name, key);
	if (optional)
		return 0;
	return cube_err_set(err, CUBE_ENOTFOUND, "couldn't find key %s in %s %s/%s", key ? key : "",
			    secret ? "Secret" : "ConfigMap", cube_obj_namespace(pod), name);
}

char **ocispec_env(const cJSON *pod, const cJSON *container, const char *pod_ip,
		   const char *host_ip, cube_err *err)
{
	return ocispec_env_from(pod, container, pod_ip, host_ip, NULL, err);
}

char **ocispec_env_from(const cJSON *pod, const cJSON *container, const char *pod_ip,
			const char *host_ip, const ocispec_lookup *lk, cube_err *err)
{
	envv e = {.v = calloc(16, sizeof(char *)), .cap = 16}; /* non-NULL, even when empty */
	if (!e.v)
		goto oom;
	if (lk && env_from_sources(&e, pod, container, lk, err) < 0)
		goto fail;
	const cJSON *ent;
	cJSON_ArrayForEach (ent, cJSON_GetObjectItemCaseSensitive(container, "env")) {
		const char *name = cube_json_str(ent, "name");
		if (!name || !name[0])
			continue;
		char *value = NULL;
		size_t vlen = 0;
		const cJSON *from = cJSON_GetObjectItemCaseSensitive(ent, "valueFrom");
		const cJSON *cmk = cJSON_GetObjectItemCaseSensitive(from, "configMapKeyRef");
		const cJSON *sk = cJSON_GetObjectItemCaseSensitive(from, "secretKeyRef");
		if (from && lk && (cmk || sk)) {
			int rc = key_ref_value(pod, cmk ? cmk : sk, !cmk, lk, &value, &vlen, err);
			if (rc < 0)
				goto fail;
			if (rc == 0)
				continue; /* optional and missing: no variable */
		} else if (from) {
			const char *path = cube_json_str(from, "fieldRef.fieldPath");
			const char *fv = NULL;
			if (!path) {
				cube_err_set(
					err, CUBE_EINVAL,
					"env %s: only valueFrom.fieldRef%s is supported by this "
					"cubelet",
					name, lk ? ", configMapKeyRef and secretKeyRef" : "");
				goto fail;
			}
			if (field_value(pod, path, pod_ip, host_ip, &fv) < 0) {
				cube_err_set(err, CUBE_EINVAL,
					     "env %s: unsupported fieldPath \"%s\"", name, path);
				goto fail;
			}
			value = strdup(fv);
		} else {
			const char *raw = cube_json_str(ent, "value");
			value = ocispec_expand(raw ? raw : "", e.v);
		}
		if (!value)
			goto oom;
		if (!vlen)
			vlen = strlen(value);
		int rc = envv_set(&e, name, value, vlen);
		free(value);
		if (rc < 0)
			goto oom;
	}
	return e.v;
oom:
	cube_err_set(err, CUBE_ENOMEM, "out of memory");
fail:
	cube_oci_strv_free(e.v);
	return NULL;
}

/* ---- resources ---- */

static int quantity_of(const cJSON *container, const char *path, cube_quantity *q, bool *have,
		       cube_err *err)
{
	const cJSON *v = cube_json_path(container, path);
	*have = false;
	if (!v)
		return 0;
	if (cube_quantity_parse_json(v, q, err) < 0)
		return cube_err_prefix(err, "%s", path);
	*have = true;
	return 0;
}

int ocispec_resources_of(const cJSON *container, ocispec_resources *out, cube_err *err)
{
	memset(out, 0, sizeof(*out));
	out->cpu_period = 100000;
	cube_quantity q;
	bool have;
	int64_t req_cpu = -1, lim_cpu = -1;
	if (quantity_of(container, "resources.requests.cpu", &q, &have, err) < 0)
		return -1;
	if (have)
		req_cpu = cube_quantity_milli(&q);
	if (quantity_of(container, "resources.limits.cpu", &q, &have, err) < 0)
		return -1;
	if (have)
		lim_cpu = cube_quantity_milli(&q);
	if (req_cpu < 0)
		req_cpu = lim_cpu;
	/* MilliCPUToShares: 1 core = 1024 shares, at least 2. */
	uint64_t shares = req_cpu > 0 ? (uint64_t)req_cpu * 1024 / 1000 : 2;
	out->cpu_shares = shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
	/* MilliCPUToQuota: period 100 ms, at least 1 ms. */
	if (lim_cpu > 0) {
		out->cpu_quota = lim_cpu * 100000 / 1000;
		if (out->cpu_quota < 1000)
			out->cpu_quota = 1000;
	}
	if (quantity_of(container, "resources.limits.memory", &q, &have, err) < 0)
		return -1;
	if (have)
		out->memory_limit = cube_quantity_value(&q);
	return 0;
}

/* ---- the OCI runtime spec ---- */

static cJSON *strings(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static void add_mount(cJSON *mounts, const char *dst, const char *type, const char *src,
		      const char *const *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dst);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	if (opts)
		cJSON_AddItemToObject(m, "options", strings(opts));
	cJSON_AddItemToArray(mounts, m);
}

/* containerd's default capability set (what a Kubernetes container gets). */
static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

static const char *const masked[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/sys/firmware",
	"/proc/scsi",
	NULL,
};

static const char *const readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

cJSON *ocispec_runtime_spec(const ocispec_in *in)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "ociVersion", "1.0.2-dev");
	cJSON *p = cJSON_AddObjectToObject(s, "process");
	cJSON_AddBoolToObject(p, "terminal", false);
	cJSON *user = cJSON_AddObjectToObject(p, "user");
	cJSON_AddNumberToObject(user, "uid", in->uid);
	cJSON_AddNumberToObject(user, "gid", in->gid);
	cJSON_AddItemToObject(p, "args", strings((const char *const *)in->argv));
	cJSON_AddItemToObject(p, "env", strings((const char *const *)in->env));
	cJSON_AddStringToObject(p, "cwd", in->cwd && in->cwd[0] ? in->cwd : "/");
	cJSON *caps = cJSON_AddObjectToObject(p, "capabilities");
	static const char *const sets[] = {"bounding", "effective", "permitted"};
	for (size_t i = 0; i < 3; i++)
		cJSON_AddItemToObject(caps, sets[i], strings(default_caps));
	cJSON *rl = cJSON_AddArrayToObject(p, "rlimits");
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "type", "RLIMIT_NOFILE");
	double nofile = in->nofile ? (double)in->nofile : 1048576;
	cJSON_AddNumberToObject(r, "hard", nofile);
	cJSON_AddNumberToObject(r, "soft", nofile);
	cJSON_AddItemToArray(rl, r);
	cJSON_AddBoolToObject(p, "noNewPrivileges", false);
	cJSON *root = cJSON_AddObjectToObject(s, "root");
	cJSON_AddStringToObject(root, "path", in->rootfs);
	cJSON_AddBoolToObject(root, "readonly", false);
	cJSON_AddStringToObject(s, "hostname", in->hostname ? in->hostname : "");
	cJSON *mounts = cJSON_AddArrayToObject(s, "mounts");
	add_mount(mounts, "/proc", "proc", "proc", NULL);
	add_mount(mounts, "/dev", "tmpfs", "tmpfs",
		  (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
	add_mount(mounts, "/dev/pts", "devpts", "devpts",
		  (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666",
					"mode=0620", "gid=5", NULL});
	add_mount(mounts, "/dev/shm", "tmpfs", "shm",
		  (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
					NULL});
	add_mount(mounts, "/dev/mqueue", "mqueue", "mqueue",
		  (const char *const[]){"nosuid", "noexec", "nodev", NULL});
	add_mount(mounts, "/sys", "sysfs", "sysfs",
		  (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL});
	add_mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup",
		  (const char *const[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
	const char *const bind_rw[] = {"rbind", "rprivate", "rw", NULL};
	if (in->hosts)
		add_mount(mounts, "/etc/hosts", "bind", in->hosts, bind_rw);
	if (in->hostname_file)
		add_mount(mounts, "/etc/hostname", "bind", in->hostname_file, bind_rw);
	if (in->resolv)
		add_mount(mounts, "/etc/resolv.conf", "bind", in->resolv, bind_rw);
	const cJSON *vm;
	cJSON_ArrayForEach (vm, in->mounts) {
		cJSON_AddItemToArray(mounts, cJSON_Duplicate(vm, true));
	}
	if (cJSON_IsObject(in->annotations))
		cJSON_AddItemToObject(s, "annotations", cJSON_Duplicate(in->annotations, true));
	cJSON *lx = cJSON_AddObjectToObject(s, "linux");
	cJSON *res = cJSON_AddObjectToObject(lx, "resources");
	cJSON *dev = cJSON_AddArrayToObject(res, "devices");
	cJSON *deny = cJSON_CreateObject();
	cJSON_AddBoolToObject(deny, "allow", false);
	cJSON_AddStringToObject(deny, "access", "rwm");
	cJSON_AddItemToArray(dev, deny);
	cJSON *cpu = cJSON_AddObjectToObject(res, "cpu");
	cJSON_AddNumberToObject(cpu, "shares", (double)in->res.cpu_shares);
	if (in->res.cpu_quota > 0) {
		cJSON_AddNumberToObject(cpu, "quota", (double)in->res.cpu_quota);
		cJSON_AddNumberToObject(cpu, "period", (double)in->res.cpu_period);
	}
	if (in->res.memory_limit > 0) {
		cJSON *mem = cJSON_AddObjectToObject(res, "memory");
		cJSON_AddNumberToObject(mem, "limit", (double)in->res.memory_limit);
		/* no swap beyond the limit: a hog is OOM-killed, not swapped */
		cJSON_AddNumberToObject(mem, "swap", (double)in->res.memory_limit);
	}
	if (in->cgroups_path)
		cJSON_AddStringToObject(lx, "cgroupsPath", in->cgroups_path);
	cJSON *ns = cJSON_AddArrayToObject(lx, "namespaces");
	static const char *const own[] = {"pid", "ipc", "uts", "mount"};
	for (size_t i = 0; i < 4; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", own[i]);
		cJSON_AddItemToArray(ns, o);
	}
	if (in->netns) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "network");
		cJSON_AddStringToObject(o, "path", in->netns);
		cJSON_AddItemToArray(ns, o);
	}
	cJSON_AddItemToObject(lx, "maskedPaths", strings(masked));
	cJSON_AddItemToObject(lx, "readonlyPaths", strings(readonly));
	return s;
}

/* ---- /etc/hosts ---- */

void ocispec_hostname(const cJSON *pod, char *buf, size_t size)
{
	const char *h = cube_json_str(pod, "spec.hostname");
	if (!h || !h[0])
		h = cube_obj_name(pod);
	snprintf(buf, size, "%.63s", h ? h : "");
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '-' || buf[n - 1] == '.'))
		buf[--n] = '\0';
}

char *ocispec_hosts_file(const cJSON *pod, const char *pod_ip, const char *cluster_domain)
{
	cube_sb b = {0};
	cube_sb_str(&b, "# Kubernetes-managed hosts file.\n"
			"127.0.0.1\tlocalhost\n"
			"::1\tlocalhost ip6-localhost ip6-loopback\n"
			"fe00::0\tip6-localnet\n"
			"fe00::0\tip6-mcastprefix\n"
			"fe00::1\tip6-allnodes\n"
			"fe00::2\tip6-allrouters\n");
	char host[64];
	ocispec_hostname(pod, host, sizeof(host));
	const char *sub = cube_json_str(pod, "spec.subdomain");
	if (pod_ip && pod_ip[0]) {
		cube_sb_str(&b, pod_ip);
		cube_sb_str(&b, "\t");
		if (sub && sub[0]) {
			const char *ns = cube_obj_namespace(pod);
			char fqdn[512];
			snprintf(fqdn, sizeof(fqdn), "%s.%s.%s.svc.%s\t", host, sub,
				 ns ? ns : "default",
				 cluster_domain ? cluster_domain : "cluster.local");
			cube_sb_str(&b, fqdn);
		}
		cube_sb_str(&b, host);
		cube_sb_str(&b, "\n");
	}
	const cJSON *a;
	cJSON_ArrayForEach (a, cube_json_path(pod, "spec.hostAliases")) {
		const char *ip = cube_json_str(a, "ip");
		if (!ip)
			continue;
		cube_sb_str(&b, "\n# Entries added by HostAliases.\n");
		cube_sb_str(&b, ip);
		cube_sb_str(&b, "\t");
		const cJSON *h;
		bool first = true;
		cJSON_ArrayForEach (h, cJSON_GetObjectItemCaseSensitive(a, "hostnames")) {
			if (!cJSON_IsString(h))
				continue;
			if (!first)
				cube_sb_str(&b, "\t");
			cube_sb_str(&b, h->valuestring);
			first = false;
		}
		cube_sb_str(&b, "\n");
	}
	return cube_sb_take(&b);
}

/* ---- the phase ---- */

static const cJSON *status_of(const cJSON *list, const char *name)
{
	const cJSON *cs;
	cJSON_ArrayForEach (cs, list) {
		const char *n = cube_json_str(cs, "name");
		if (n && !strcmp(n, name))
			return cs;
	}
	return NULL;
}

const char *ocispec_phase(const cJSON *pod, const cJSON *status)
{
	const char *rp = cube_json_str(pod, "spec.restartPolicy");
	if (!rp)
		rp = "Always";
	int pending_init = 0, failed_init = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(pod, "spec.initContainers")) {
		const char *name = cube_json_str(c, "name");
		const cJSON *cs =
			name ? status_of(cube_json_path(status, "initContainerStatuses"), name)
			     : NULL;
		if (!cs) {
			pending_init++;
		} else if (cube_json_path(cs, "state.running")) {
			pending_init++;
		} else if (cube_json_path(cs, "state.terminated")) {
			if (cube_json_int(cs, "state.terminated.exitCode", 0) != 0)
				failed_init++;
		} else if (cube_json_path(cs, "state.waiting")) {
			if (cube_json_path(cs, "lastState.terminated")) {
				if (cube_json_int(cs, "lastState.terminated.exitCode", 0) != 0)
					failed_init++;
			} else {
				pending_init++;
			}
		} else {
			pending_init++;
		}
	}
	int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
	cJSON_ArrayForEach (c, cube_json_path(pod, "spec.containers")) {
		const char *name = cube_json_str(c, "name");
		const cJSON *cs =
			name ? status_of(cube_json_path(status, "containerStatuses"), name) : NULL;
		if (!cs) {
			unknown++;
		} else if (cube_json_path(cs, "state.running")) {
			running++;
		} else if (cube_json_path(cs, "state.terminated")) {
			stopped++;
			if (cube_json_int(cs, "state.terminated.exitCode", 0) == 0)
				succeeded++;
		} else if (cube_json_path(cs, "state.waiting")) {
			if (cube_json_path(cs, "lastState.terminated"))
				stopped++;
			else
				waiting++;
		} else {
			unknown++;
		}
	}
	if (failed_init > 0 && !strcmp(rp, "Never"))
		return "Failed";
	if (pending_init > 0 || waiting > 0)
		return "Pending";
	if (running > 0 && unknown == 0)
		return "Running";
	if (running == 0 && stopped > 0 && unknown == 0) {
		if (!strcmp(rp, "Always"))
			return "Running";
		if (stopped == succeeded)
			return "Succeeded";
		if (!strcmp(rp, "Never"))
			return "Failed";
		return "Running";
	}
	return "Pending";
}
