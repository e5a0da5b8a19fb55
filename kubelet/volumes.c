/* volumes.c - a pod's volumes (emptyDir, hostPath, configMap, secret), the
 * atomic writer, and the ConfigMap and Secret informers that keep them and
 * the containers' environments up to date (see volumes.h). */
#include "volumes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubelet.h"
#include "fsutil.h"
#include "informer.h"
#include "log.h"
#include "obj.h"
#include "oci.h"
#include "quantity.h"
#include "yaml.h"

#define SYNC_WAIT_MS 10000

/* ---- payloads ---- */

void volumes_payload_free(volumes_payload *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->files[i].path);
		free(p->files[i].data);
	}
	free(p->files);
	p->files = NULL;
	p->n = 0;
}

/* A relative path of the volume: no "..", no leading "/" or "..". */
static bool path_ok(const char *p)
{
	if (!p[0] || p[0] == '/' || !strncmp(p, "..", 2))
		return false;
	for (const char *s = p; *s;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 2 && !strncmp(s, "..", 2)))
			return false;
		s += n + (e ? 1 : 0);
	}
	return true;
}

static int payload_add(volumes_payload *p, const char *path, char *data, size_t len, unsigned mode,
		       cube_err *err)
{
	if (!path_ok(path)) {
		free(data);
		return cube_err_set(err, CUBE_EINVAL, "invalid path %s", path);
	}
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->files[i].path, path)) { /* the later one wins */
			free(p->files[i].data);
			p->files[i].data = data;
			p->files[i].len = len;
			p->files[i].mode = mode;
			return 0;
		}
	volumes_file *g = realloc(p->files, (p->n + 1) * sizeof(*g));
	char *pc = strdup(path);
	if (!g || !pc) {
		if (g)
			p->files = g;
		free(pc);
		free(data);
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	}
	p->files = g;
	p->files[p->n++] = (volumes_file){.path = pc, .data = data, .len = len, .mode = mode};
	return 0;
}

/* The value of key in obj: 1 with a new buffer, 0 when there is no such key,
 * -1 with err (a Secret value that is not base64). */
static int value_of(const cJSON *obj, bool secret, const char *key, char **out, size_t *len,
		    cube_err *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(obj, "data"), key);
	bool b64 = secret;
	if (!cJSON_IsString(v) && !secret) {
		v = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(obj, "binaryData"), key);
		b64 = true;
	}
	if (!cJSON_IsString(v))
		return 0;
	bool bad = false;
	if (b64)
		*out = cube_base64_decode(v->valuestring, strlen(v->valuestring), len, &bad);
	else if ((*out = strdup(v->valuestring)))
		*len = strlen(v->valuestring);
	if (*out)
		return 1;
	if (bad)
		return cube_err_set(err, CUBE_EINVAL, "key %s: invalid base64 data", key);
	return cube_err_set(err, CUBE_ENOMEM, "out of memory");
}

int volumes_make_payload(const cJSON *source, const cJSON *obj, bool secret, volumes_payload *out,
			 cube_err *err)
{
	memset(out, 0, sizeof(*out));
	const char *kind = secret ? "secret" : "configmap";
	const char *name = cube_json_str(source, secret ? "secretName" : "name");
	bool optional = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(source, "optional"));
	unsigned dmode = (unsigned)cube_json_int(source, "defaultMode", 0644) & 07777;
	if (!obj) {
		if (optional)
			return 0;
		return cube_err_set(err, CUBE_ENOTFOUND, "%s \"%s\" not found", kind,
				    name ? name : "");
	}
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(source, "items");
	if (cJSON_GetArraySize(items) == 0) {
		static const char *const members[] = {"data", "binaryData"};
		for (size_t m = 0; m < (secret ? 1u : 2u); m++) {
			const cJSON *kv;
			cJSON_ArrayForEach (kv, cJSON_GetObjectItemCaseSensitive(obj, members[m])) {
				char *data = NULL;
				size_t len = 0;
				if (value_of(obj, secret, kv->string, &data, &len, err) < 0 ||
				    (data &&
				     payload_add(out, kv->string, data, len, dmode, err) < 0))
					goto fail;
			}
		}
		return 0;
	}
	const cJSON *it;
	cJSON_ArrayForEach (it, items) {
		const char *key = cube_json_str(it, "key"), *path = cube_json_str(it, "path");
		if (!key || !path)
			continue;
		char *data = NULL;
		size_t len = 0;
		int rc = value_of(obj, secret, key, &data, &len, err);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			if (optional)
				continue;
			if (secret)
				cube_err_set(err, CUBE_ENOTFOUND,
					     "secret references non-existent secret key: %s", key);
			else
				cube_err_set(err, CUBE_ENOTFOUND,
					     "configmap references non-existent config key: %s",
					     key);
			goto fail;
		}
		unsigned mode = (unsigned)cube_json_int(it, "mode", dmode) & 07777;
		if (payload_add(out, path, data, len, mode, err) < 0)
			goto fail;
	}
	return 0;
fail:
	volumes_payload_free(out);
	return -1;
}

void volumes_ts_dir_name(time_t t, unsigned n, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, size, "..%04d_%02d_%02d_%02d_%02d_%02d.%u", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, n);
}

int volumes_hostpath_check(const char *path, const char *type, const struct stat *st, cube_err *err)
{
	static const struct {
		const char *type, *create_as, *what;
		mode_t fmt;
	} types[] = {
		{"DirectoryOrCreate", "dir", "a directory", S_IFDIR},
		{"Directory", NULL, "a directory", S_IFDIR},
		{"FileOrCreate", "file", "a file", S_IFREG},
		{"File", NULL, "a file", S_IFREG},
		{"Socket", NULL, "a socket file", S_IFSOCK},
		{"CharDevice", NULL, "a character device", S_IFCHR},
		{"BlockDevice", NULL, "a block device", S_IFBLK},
	};
	if (!type || !type[0])
		return st ? 0 : 1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(type, types[i].type))
			continue;
		if (!st && types[i].create_as)
			return types[i].fmt == S_IFDIR ? 1 : 2;
		if (st && (st->st_mode & S_IFMT) == types[i].fmt)
			return 0;
		return cube_err_set(err, CUBE_EINVAL, "hostPath type check failed: %s is not %s",
				    path, types[i].what);
	}
	return cube_err_set(err, CUBE_EINVAL, "%s is an invalid volume type", type);
}

/* ---- the atomic writer ---- */

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		n += S_ISDIR(st.st_mode) ? count_files(p) : 1;
	}
	closedir(d);
	return n;
}

/* Does the timestamped directory `old` hold exactly payload p? */
static bool payload_same(const char *old, const volumes_payload *p)
{
	if (count_files(old) != (int)p->n)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		char path[2 * PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", old, p->files[i].path);
		struct stat st;
		if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
		    (st.st_mode & 07777) != p->files[i].mode ||
		    (size_t)st.st_size != p->files[i].len)
			return false;
		size_t len = 0;
		cube_autofree char *have = cube_read_file(path, &len);
		if (!have || len != p->files[i].len || memcmp(have, p->files[i].data, len))
			return false;
	}
	return true;
}

/* The first component of path into buf. */
static void top_name(const char *path, char *buf, size_t size)
{
	size_t n = strcspn(path, "/");
	snprintf(buf, size, "%.*s", (int)n, path);
}

static bool is_top(const volumes_payload *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		char t[NAME_MAX + 1];
		top_name(p->files[i].path, t, sizeof(t));
		if (!strcmp(t, name))
			return true;
	}
	return false;
}

static int write_one(const char *ts, const volumes_file *f, cube_err *err)
{
	char path[2 * PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", ts, f->path);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	if (cube_mkdir_p(path, 0755) < 0)
		return cube_err_errno(err, errno, "mkdir %s", path);
	*slash = '/';
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return cube_err_errno(err, errno, "writing %s", path);
	size_t off = 0;
	while (off < f->len) {
		ssize_t w = write(fd, f->data + off, f->len - off);
		if (w <= 0) {
			close(fd);
			return cube_err_errno(err, errno, "writing %s", path);
		}
		off += (size_t)w;
	}
	/* fchmod, not the umask-filtered open mode: the mode is the user's */
	int rc = fchmod(fd, f->mode);
	if (close(fd) < 0 || rc < 0)
		return cube_err_errno(err, errno, "writing %s", path);
	return 0;
}

int volumes_atomic_write(const char *dir, const volumes_payload *p, cube_err *err)
{
	char link[PATH_MAX], old[NAME_MAX + 1] = "", oldpath[PATH_MAX];
	snprintf(link, sizeof(link), "%s/..data", dir);
	ssize_t l = readlink(link, old, sizeof(old) - 1);
	old[l > 0 ? l : 0] = '\0';
	snprintf(oldpath, sizeof(oldpath), "%s/%s", dir, old);
	bool changed = !old[0] || !payload_same(oldpath, p);
	if (changed) {
		char ts[NAME_MAX + 1], tspath[PATH_MAX], tmp[PATH_MAX];
		int tries = 0;
		do {
			volumes_ts_dir_name(time(NULL), (unsigned)random(), ts, sizeof(ts));
			snprintf(tspath, sizeof(tspath), "%s/%s", dir, ts);
		} while (mkdir(tspath, 0755) < 0 && errno == EEXIST && ++tries < 100);
		if (access(tspath, F_OK) < 0)
			return cube_err_errno(err, errno, "mkdir %s", tspath);
		chmod(tspath, 0755);
		for (size_t i = 0; i < p->n; i++)
			if (write_one(tspath, &p->files[i], err) < 0) {
				cube_rm_rf(tspath);
				return -1;
			}
		snprintf(tmp, sizeof(tmp), "%s/..data_tmp", dir);
		unlink(tmp);
		if (symlink(ts, tmp) < 0 || rename(tmp, link) < 0) {
			cube_err_errno(err, errno, "switching %s to %s", link, ts);
			unlink(tmp);
			cube_rm_rf(tspath);
			return -1;
		}
	}
	/* the user-visible names: a symlink for each top-level one, no others */
	for (size_t i = 0; i < p->n; i++) {
		char t[NAME_MAX + 1], path[PATH_MAX], target[PATH_MAX];
		top_name(p->files[i].path, t, sizeof(t));
		snprintf(path, sizeof(path), "%s/%s", dir, t);
		snprintf(target, sizeof(target), "..data/%s", t);
		struct stat st;
		if (lstat(path, &st) == 0)
			continue;
		if (symlink(target, path) < 0)
			return cube_err_errno(err, errno, "symlink %s", path);
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strncmp(e->d_name, "..", 2) || !strcmp(e->d_name, ".") || is_top(p, e->d_name))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (changed && old[0])
		cube_rm_rf(oldpath);
	return changed ? 1 : 0;
}

/* ---- the informers and who refers to what ---- */

/* What one pod reads: "configmap/<ns>/<name>" and "secret/<ns>/<name>". */
typedef struct pod_refs {
	char key[CUBE_OBJ_KEY_MAX];
	char **refs;
} pod_refs;

struct kubelet_volumes {
	kubelet_node *n;
	cube_informer *cms, *secrets;
	pthread_mutex_t mu;
	cube_strmap *pods; /* uid -> pod_refs* */
};

typedef struct requeue_ctx {
	const char *ref;
	char **keys;
	size_t n;
} requeue_ctx;

static int collect_referrers(void *ud, const char *uid, void *value)
{
	(void)uid;
	requeue_ctx *c = ud;
	pod_refs *r = value;
	for (size_t i = 0; r->refs && r->refs[i]; i++)
		if (!strcmp(r->refs[i], c->ref)) {
			char **g = realloc(c->keys, (c->n + 1) * sizeof(*g));
			if (!g)
				return 0;
			c->keys = g;
			if ((g[c->n] = strdup(r->key)))
				c->n++;
			break;
		}
	return 0;
}

static void requeue(kubelet_volumes *v, const char *kind, const cJSON *obj)
{
	char ref[600];
	snprintf(ref, sizeof(ref), "%s/%s/%s", kind, cube_obj_namespace(obj), cube_obj_name(obj));
	requeue_ctx c = {.ref = ref};
	pthread_mutex_lock(&v->mu);
	cube_strmap_each(v->pods, collect_referrers, &c);
	pthread_mutex_unlock(&v->mu);
	cubelet *k = v->n->k;
	for (size_t i = 0; i < c.n; i++) {
		/* the workers stop (and the controller goes) after k->stop is set */
		if (!atomic_load(&k->stop) && k->pod_ctl) {
			cube_log_debug("volumes: %s changed: requeue pod %s", ref, c.keys[i]);
			cube_controller_enqueue(k->pod_ctl, c.keys[i]);
		}
		free(c.keys[i]);
	}
	free(c.keys);
}

static void cm_add(void *ud, cube_robj *o)
{
	requeue(ud, "configmap", o->json);
}

static void cm_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	requeue(ud, "configmap", cur->json);
}

static void secret_add(void *ud, cube_robj *o)
{
	requeue(ud, "secret", o->json);
}

static void secret_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	requeue(ud, "secret", cur->json);
}

static cube_informer *start_informer(kubelet_volumes *v, const cube_gvr *gvr,
				     const cube_informer_handlers *h, cube_err *err)
{
	cube_informer_opts io = {.gvr = gvr};
	cube_informer *inf = cube_informer_new(v->n->k->client, &io, err);
	if (!inf)
		return NULL;
	if (cube_informer_add_handlers(inf, h, err) < 0 || cube_informer_start(inf, err) < 0) {
		cube_informer_free(inf);
		return NULL;
	}
	return inf;
}

kubelet_volumes *volumes_new(kubelet_node *n, cube_err *err)
{
	kubelet_volumes *v = calloc(1, sizeof(*v));
	if (!v) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	v->n = n;
	pthread_mutex_init(&v->mu, NULL);
	v->pods = cube_strmap_new();
	cube_informer_handlers hc = {
		.on_add = cm_add, .on_update = cm_update, .on_delete = cm_add, .ud = v};
	cube_informer_handlers hs = {
		.on_add = secret_add, .on_update = secret_update, .on_delete = secret_add, .ud = v};
	if (!v->pods || !(v->cms = start_informer(v, &CUBE_GVR_CONFIGMAPS, &hc, err)) ||
	    !(v->secrets = start_informer(v, &CUBE_GVR_SECRETS, &hs, err))) {
		if (!v->pods)
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
		volumes_free(v);
		return NULL;
	}
	return v;
}

static void refs_free(pod_refs *r)
{
	if (r)
		cube_oci_strv_free(r->refs);
	free(r);
}

static int free_refs(void *ud, const char *k, void *value)
{
	(void)ud, (void)k;
	refs_free(value);
	return 0;
}

void volumes_free(kubelet_volumes *v)
{
	if (!v)
		return;
	cube_informer_free(v->cms);
	cube_informer_free(v->secrets);
	cube_strmap_each(v->pods, free_refs, NULL);
	cube_strmap_free(v->pods);
	pthread_mutex_destroy(&v->mu);
	free(v);
}

void volumes_forget(kubelet_volumes *v, const char *uid)
{
	if (!v || !uid)
		return;
	pthread_mutex_lock(&v->mu);
	refs_free(cube_strmap_del(v->pods, uid));
	pthread_mutex_unlock(&v->mu);
}

static void add_ref(char ***refs, size_t *n, const char *kind, const char *ns, const char *name)
{
	if (!name)
		return;
	char r[600];
	snprintf(r, sizeof(r), "%s/%s/%s", kind, ns, name);
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*refs)[i], r))
			return;
	char **g = realloc(*refs, (*n + 2) * sizeof(*g));
	if (!g)
		return;
	*refs = g;
	if ((g[*n] = strdup(r)))
		(*n)++;
	g[*n] = NULL;
}

/* Notes the ConfigMaps and Secrets the pod reads. */
static void note_refs(kubelet_volumes *v, const cJSON *pod)
{
	const char *ns = cube_obj_namespace(pod), *uid = cube_obj_uid(pod);
	char **refs = NULL;
	size_t n = 0;
	const cJSON *vol;
	cJSON_ArrayForEach (vol, cube_json_path(pod, "spec.volumes")) {
		add_ref(&refs, &n, "configmap", ns, cube_json_str(vol, "configMap.name"));
		add_ref(&refs, &n, "secret", ns, cube_json_str(vol, "secret.secretName"));
	}
	static const char *const lists[] = {"spec.initContainers", "spec.containers"};
	for (size_t l = 0; l < 2; l++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, lists[l])) {
			const cJSON *e;
			cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(c, "env")) {
				add_ref(&refs, &n, "configmap", ns,
					cube_json_str(e, "valueFrom.configMapKeyRef.name"));
				add_ref(&refs, &n, "secret", ns,
					cube_json_str(e, "valueFrom.secretKeyRef.name"));
			}
			cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(c, "envFrom")) {
				add_ref(&refs, &n, "configmap", ns,
					cube_json_str(e, "configMapRef.name"));
				add_ref(&refs, &n, "secret", ns,
					cube_json_str(e, "secretRef.name"));
			}
		}
	}
	pod_refs *r = calloc(1, sizeof(*r));
	if (!r || !uid || cube_obj_key(pod, r->key, sizeof(r->key), NULL) < 0) {
		free(r);
		cube_oci_strv_free(refs);
		return;
	}
	r->refs = refs;
	void *old = NULL;
	pthread_mutex_lock(&v->mu);
	if (cube_strmap_put(v->pods, uid, r, &old) < 0) {
		old = r;
	}
	pthread_mutex_unlock(&v->mu);
	refs_free(old);
}

/* The ConfigMap or Secret ns/name from the cache: 1 with a new reference,
 * 0 when there is none, -1 with err when the cache never filled. */
static int cached(kubelet_volumes *v, bool secret, const char *ns, const char *name,
		  cube_robj **out, cube_err *err)
{
	cube_informer *inf = secret ? v->secrets : v->cms;
	*out = NULL;
	if (!cube_informer_wait_synced(inf, SYNC_WAIT_MS))
		return cube_err_set(err, CUBE_ETIMEOUT,
				    "failed to sync %s cache: timed out waiting for the condition",
				    secret ? "secret" : "configmap");
	char key[600];
	snprintf(key, sizeof(key), "%s/%s", ns, name ? name : "");
	*out = cube_informer_get(inf, key);
	return *out ? 1 : 0;
}

/* ---- setting up one volume ---- */

#define PLUGIN_EMPTY_DIR "kubernetes.io~empty-dir"
#define PLUGIN_CONFIGMAP "kubernetes.io~configmap"
#define PLUGIN_SECRET "kubernetes.io~secret"

static void volume_dir(const char *pod_dir, const char *plugin, const char *name, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%s/volumes/%s/%s", pod_dir, plugin, name);
}

static int make_dir(const char *dir, mode_t mode, cube_err *err)
{
	if (cube_mkdir_p(dir, 0755) < 0 || chmod(dir, mode) < 0)
		return cube_err_errno(err, errno, "mkdir %s", dir);
	return 0;
}

/* A tmpfs on dir unless one is there already (dir on another device than
 * its parent). */
static int ensure_tmpfs(const char *dir, const cJSON *size_limit, cube_err *err)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s/..", dir);
	struct stat a, b;
	if (stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev)
		return 0;
	char opts[128] = "mode=0777";
	if (size_limit) {
		cube_quantity q;
		if (cube_quantity_parse_json(size_limit, &q, err) < 0)
			return cube_err_prefix(err, "sizeLimit");
		int64_t bytes = cube_quantity_value(&q);
		if (bytes > 0)
			snprintf(opts, sizeof(opts), "mode=0777,size=%lld", (long long)bytes);
	}
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return cube_err_errno(err, errno, "mount tmpfs on %s", dir);
	return 0;
}

static int setup_empty_dir(const cJSON *src, const char *dir, cube_err *err)
{
	if (make_dir(dir, 0777, err) < 0)
		return -1;
	const char *medium = cube_json_str(src, "medium");
	if (medium && !strcmp(medium, "Memory"))
		return ensure_tmpfs(dir, cJSON_GetObjectItemCaseSensitive(src, "sizeLimit"), err);
	if (medium && medium[0])
		return cube_err_set(err, CUBE_EINVAL, "emptyDir medium %s is not supported",
				    medium);
	return 0;
}

static int setup_host_path(const cJSON *src, cube_err *err)
{
	const char *path = cube_json_str(src, "path");
	if (!path || path[0] != '/')
		return cube_err_set(err, CUBE_EINVAL, "hostPath path must be absolute");
	struct stat st;
	int rc = volumes_hostpath_check(path, cube_json_str(src, "type"),
					stat(path, &st) == 0 ? &st : NULL, err);
	if (rc == 1 && cube_mkdir_p(path, 0755) < 0)
		return cube_err_errno(err, errno, "mkdir %s", path);
	if (rc == 2) {
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return cube_err_errno(err, errno, "create %s", path);
		close(fd);
	}
	return rc < 0 ? -1 : 0;
}

/* configMap and secret volumes; *blocking false when only a refresh failed
 * (the volume has content from before). */
static int setup_projection(kubelet_volumes *v, const cJSON *pod, const cJSON *src, bool secret,
			    const char *dir, bool *blocking, cube_err *err)
{
	if (make_dir(dir, 0777, err) < 0)
		return -1;
	if (secret && ensure_tmpfs(dir, NULL, err) < 0)
		return -1;
	char data[PATH_MAX];
	snprintf(data, sizeof(data), "%s/..data", dir);
	struct stat st;
	*blocking = lstat(data, &st) < 0;
	cube_robj *o = NULL;
	const char *name = cube_json_str(src, secret ? "secretName" : "name");
	if (cached(v, secret, cube_obj_namespace(pod), name, &o, err) < 0)
		return -1;
	volumes_payload p;
	int rc = volumes_make_payload(src, o ? o->json : NULL, secret, &p, err);
	cube_robj_unref(o);
	if (rc < 0)
		return -1;
	rc = volumes_atomic_write(dir, &p, err);
	volumes_payload_free(&p);
	if (rc > 0)
		cube_log_info("volumes: pod %s/%s: volume %s updated", cube_obj_namespace(pod),
			      cube_obj_name(pod),
			      cube_json_str(src, secret ? "secretName" : "name"));
	return rc < 0 ? -1 : 0;
}

static int setup_one(kubelet_volumes *v, const cJSON *pod, const cJSON *vol, const char *pod_dir,
		     bool *blocking, cube_err *err)
{
	const char *name = cube_json_str(vol, "name");
	char dir[PATH_MAX];
	const cJSON *src;
	*blocking = true;
	if ((src = cJSON_GetObjectItemCaseSensitive(vol, "emptyDir"))) {
		volume_dir(pod_dir, PLUGIN_EMPTY_DIR, name, dir, sizeof(dir));
		return setup_empty_dir(src, dir, err);
	}
	if ((src = cJSON_GetObjectItemCaseSensitive(vol, "hostPath")))
		return setup_host_path(src, err);
	if ((src = cJSON_GetObjectItemCaseSensitive(vol, "configMap"))) {
		volume_dir(pod_dir, PLUGIN_CONFIGMAP, name, dir, sizeof(dir));
		return setup_projection(v, pod, src, false, dir, blocking, err);
	}
	if ((src = cJSON_GetObjectItemCaseSensitive(vol, "secret"))) {
		volume_dir(pod_dir, PLUGIN_SECRET, name, dir, sizeof(dir));
		return setup_projection(v, pod, src, true, dir, blocking, err);
	}
	const cJSON *m;
	const char *type = "unknown";
	cJSON_ArrayForEach (m, vol)
		if (strcmp(m->string, "name"))
			type = m->string;
	return cube_err_set(err, CUBE_EINVAL,
			    "volume type %s is not supported by this cubelet (emptyDir, hostPath, "
			    "configMap and secret are)",
			    type);
}

int volumes_setup(kubelet_volumes *v, const cJSON *pod, const char *pod_dir, cube_err *err)
{
	note_refs(v, pod);
	int rc = 0;
	const cJSON *vol;
	cJSON_ArrayForEach (vol, cube_json_path(pod, "spec.volumes")) {
		const char *name = cube_json_str(vol, "name");
		if (!name || !name[0] || strchr(name, '/'))
			continue; /* validation refuses these */
		cube_err e = CUBE_ERR_INIT;
		bool blocking = true;
		if (setup_one(v, pod, vol, pod_dir, &blocking, &e) == 0)
			continue;
		char msg[sizeof(e.msg) + 300];
		snprintf(msg, sizeof(msg), "MountVolume.SetUp failed for volume \"%s\" : %s", name,
			 e.msg);
		cube_log_warn("volumes: pod %s/%s: %s", cube_obj_namespace(pod), cube_obj_name(pod),
			      msg);
		cube_event(v->n->k->recorder, pod, "Warning", "FailedMount", "%s", msg);
		if (blocking && rc == 0)
			rc = cube_err_set(err, e.code, "%s", msg);
	}
	return rc;
}

/* ---- mounts into a container ---- */

static const cJSON *find_volume(const cJSON *pod, const char *name)
{
	const cJSON *vol;
	cJSON_ArrayForEach (vol, cube_json_path(pod, "spec.volumes")) {
		const char *n = cube_json_str(vol, "name");
		if (n && !strcmp(n, name))
			return vol;
	}
	return NULL;
}

/* The host path of volume vol into buf; *ro set for configMap and secret. */
static int volume_source(const char *pod_dir, const cJSON *vol, char *buf, size_t size, bool *ro,
			 cube_err *err)
{
	const char *name = cube_json_str(vol, "name");
	*ro = false;
	if (cJSON_GetObjectItemCaseSensitive(vol, "emptyDir")) {
		volume_dir(pod_dir, PLUGIN_EMPTY_DIR, name, buf, size);
	} else if (cJSON_GetObjectItemCaseSensitive(vol, "configMap")) {
		volume_dir(pod_dir, PLUGIN_CONFIGMAP, name, buf, size);
		*ro = true;
	} else if (cJSON_GetObjectItemCaseSensitive(vol, "secret")) {
		volume_dir(pod_dir, PLUGIN_SECRET, name, buf, size);
		*ro = true;
	} else if (cJSON_GetObjectItemCaseSensitive(vol, "hostPath")) {
		snprintf(buf, size, "%s", cube_json_str(vol, "hostPath.path"));
	} else {
		return cube_err_set(err, CUBE_EINVAL, "volume %s: unsupported type", name);
	}
	return 0;
}

/* base/sub, made when missing (with base's mode), and never outside base
 * once symlinks are resolved. */
static int sub_path(const char *base, const char *sub, char *out, size_t size, cube_err *err)
{
	if (sub[0] == '/' || !strcmp(sub, "..") || !strncmp(sub, "../", 3) || strstr(sub, "/../") ||
	    (strlen(sub) >= 3 && !strcmp(sub + strlen(sub) - 3, "/..")))
		return cube_err_set(err, CUBE_EINVAL,
				    "subPath %s must be a relative path "
				    "without '..'",
				    sub);
	char full[2 * PATH_MAX], rbase[PATH_MAX], rfull[PATH_MAX];
	snprintf(full, sizeof(full), "%s/%s", base, sub);
	struct stat st;
	if (lstat(full, &st) < 0) {
		mode_t mode = stat(base, &st) == 0 ? st.st_mode & 07777 : 0755;
		if (make_dir(full, mode, err) < 0)
			return -1;
	}
	if (!realpath(base, rbase) || !realpath(full, rfull))
		return cube_err_errno(err, errno, "subPath %s", sub);
	size_t bl = strlen(rbase);
	if (strncmp(rfull, rbase, bl) || (rfull[bl] != '/' && rfull[bl] != '\0'))
		return cube_err_set(err, CUBE_EINVAL, "subPath %s is outside of the volume", sub);
	snprintf(out, size, "%s", rfull);
	return 0;
}

cJSON *volumes_mounts(const cJSON *pod, const cJSON *c, const char *pod_dir, char *const *env,
		      cube_err *err)
{
	cJSON *out = cJSON_CreateArray();
	if (!out) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	const cJSON *vm;
	cJSON_ArrayForEach (vm, cJSON_GetObjectItemCaseSensitive(c, "volumeMounts")) {
		const char *name = cube_json_str(vm, "name"), *dst = cube_json_str(vm, "mountPath");
		const cJSON *vol = name ? find_volume(pod, name) : NULL;
		if (!vol || !dst || dst[0] != '/') {
			cube_err_set(err, CUBE_EINVAL, "volumeMount %s: %s", name ? name : "",
				     vol ? "mountPath must be absolute" : "no such volume");
			goto fail;
		}
		char src[PATH_MAX];
		bool ro;
		if (volume_source(pod_dir, vol, src, sizeof(src), &ro, err) < 0)
			goto fail;
		const char *sub = cube_json_str(vm, "subPath");
		cube_autofree char *expanded = NULL;
		const char *expr = cube_json_str(vm, "subPathExpr");
		if ((!sub || !sub[0]) && expr && expr[0])
			sub = expanded = ocispec_expand(expr, env);
		if (sub && sub[0]) {
			char full[PATH_MAX];
			if (sub_path(src, sub, full, sizeof(full), err) < 0)
				goto fail;
			snprintf(src, sizeof(src), "%s", full);
		}
		ro |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(vm, "readOnly"));
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "destination", dst);
		cJSON_AddStringToObject(m, "type", "bind");
		cJSON_AddStringToObject(m, "source", src);
		cJSON *opts = cJSON_AddArrayToObject(m, "options");
		cJSON_AddItemToArray(opts, cJSON_CreateString("rbind"));
		cJSON_AddItemToArray(opts, cJSON_CreateString("rprivate"));
		cJSON_AddItemToArray(opts, cJSON_CreateString(ro ? "ro" : "rw"));
		cJSON_AddItemToArray(out, m);
	}
	return out;
fail:
	cube_err_prefix(err, "container %s", cube_json_str(c, "name"));
	cJSON_Delete(out);
	return NULL;
}

/* ---- lookups for the environment ---- */

static const cJSON *lookup_get(void *ud, bool secret, const char *name)
{
	volumes_held *h = ud;
	cube_robj *o = NULL;
	cube_err err = CUBE_ERR_INIT;
	if (!h->v || cached(h->v, secret, h->ns, name, &o, &err) <= 0)
		return NULL;
	void **g = realloc(h->objs, (h->n + 1) * sizeof(*g));
	if (!g) {
		cube_robj_unref(o);
		return NULL;
	}
	h->objs = g;
	g[h->n++] = o;
	return o->json;
}

ocispec_lookup volumes_lookup(volumes_held *h)
{
	return (ocispec_lookup){.get = lookup_get, .ud = h};
}

void volumes_held_release(volumes_held *h)
{
	for (size_t i = 0; i < h->n; i++)
		cube_robj_unref(h->objs[i]);
	free(h->objs);
	h->objs = NULL;
	h->n = 0;
}
