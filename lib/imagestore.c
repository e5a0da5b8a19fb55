/* imagestore.c - a node's content-addressed image store: blobs by digest,
 * layers unpacked once with libarchive (whiteouts in overlayfs' form), an
 * index of names, pulls from registries, OCI layout import and export.
 * Layout, ownership and concurrency are described in imagestore.h. */
#include "imagestore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cleanup.h"
#include "imageref.h"
#include "oci.h"

/* The root is at most ROOT_MAX long, so that every path under it fits a
 * PATH_MAX buffer. */
#define ROOT_MAX 2048

struct cube_imagestore {
	char root[ROOT_MAX];
};

#define MAX_BLOB_JSON (4u << 20) /* manifests and configs read into memory */

/* ---- small file helpers ---- */

static int mkdir_p(const char *path, cube_err *err)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return cube_err_errno(err, errno, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return cube_err_errno(err, errno, "mkdir %s", buf);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf without following symlinks. */
static int rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static int read_file(const char *path, size_t max, char **out, size_t *len, cube_err *err)
{
	cube_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return cube_err_errno(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return cube_err_errno(err, errno, "stat %s", path);
	if ((size_t)st.st_size > max)
		return cube_err_set(err, CUBE_ETOOBIG, "%s: over %zu bytes", path, max);
	char *b = malloc((size_t)st.st_size + 1);
	if (!b)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return cube_err_errno(err, n < 0 ? errno : EIO, "read %s", path);
		}
		got += (size_t)n;
	}
	b[got] = '\0';
	*out = b;
	*len = got;
	return 0;
}

/* A unique name in ROOT/tmp. */
static void tmp_path(const cube_imagestore *s, const char *what, char *buf, size_t size)
{
	static _Atomic unsigned long seq;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, size, "%s/tmp/%s-%d-%lu-%ld", s->root, what, (int)getpid(), ++seq,
		 (long)ts.tv_nsec);
}

static int write_file_atomic(const cube_imagestore *s, const char *path, const void *data,
			     size_t len, mode_t mode, cube_err *err)
{
	char tmp[PATH_MAX];
	tmp_path(s, "file", tmp, sizeof(tmp));
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return cube_err_errno(err, errno, "create %s", tmp);
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return cube_err_errno(err, e, "write %s", tmp);
		}
		p += w;
		left -= (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return cube_err_errno(err, e, "write %s", path);
	}
	return 0;
}

/* ---- locks ---- */

/* flock on ROOT/<name>; returns the fd (release with unlock()). */
static int lock_file(const cube_imagestore *s, const char *name, int how, cube_err *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", s->root, name);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return cube_err_errno(err, errno, "open %s", path);
	while (flock(fd, how) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return cube_err_errno(err, e, "flock %s", path);
		}
	}
	return fd;
}

static void unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the last fd of the open file description drops the flock */
}

static int lock_digest(const cube_imagestore *s, const char *digest, cube_err *err)
{
	char name[CUBE_DIGEST_MAX + 8];
	snprintf(name, sizeof(name), "locks/%s", cube_digest_hex(digest));
	return lock_file(s, name, LOCK_EX, err);
}

/* ---- open ---- */

int cube_pull_policy_parse(const char *s, cube_pull_policy *out)
{
	if (!s)
		return -1;
	if (!strcmp(s, "Always"))
		*out = CUBE_PULL_ALWAYS;
	else if (!strcmp(s, "IfNotPresent"))
		*out = CUBE_PULL_IF_NOT_PRESENT;
	else if (!strcmp(s, "Never"))
		*out = CUBE_PULL_NEVER;
	else
		return -1;
	return 0;
}

static void clean_tmp(const cube_imagestore *s, time_t older_than)
{
	char dir[ROOT_MAX + 8];
	snprintf(dir, sizeof(dir), "%s/tmp", s->root);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	time_t now = time(NULL);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[PATH_MAX];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && now - st.st_mtime >= older_than)
			rm_rf(p);
	}
	closedir(d);
}

cube_imagestore *cube_imagestore_open(const char *root, cube_err *err)
{
	if (mkdir_p(root, err) < 0)
		return NULL;
	cube_imagestore *s = calloc(1, sizeof(*s));
	if (!s) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	/* Absolute and free of symlinks: libarchive refuses to extract through one. */
	char real[PATH_MAX];
	if (!realpath(root, real)) {
		cube_err_errno(err, errno, "realpath %s", root);
		free(s);
		return NULL;
	}
	if (strlen(real) >= ROOT_MAX) {
		cube_err_set(err, CUBE_EINVAL, "store root %s: path too long", real);
		free(s);
		return NULL;
	}
	memcpy(s->root, real, strlen(real) + 1);
	static const char *const dirs[] = {"blobs/sha256", "layers/sha256", "tmp", "locks"};
	for (size_t i = 0; i < CUBE_ARRAY_LEN(dirs); i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", s->root, dirs[i]);
		if (mkdir_p(p, err) < 0) {
			free(s);
			return NULL;
		}
	}
	clean_tmp(s, 3600);
	return s;
}

void cube_imagestore_free(cube_imagestore *s)
{
	free(s);
}

const char *cube_imagestore_root(const cube_imagestore *s)
{
	return s->root;
}

int cube_imagestore_blob_path(const cube_imagestore *s, const char *digest, char *buf, size_t size)
{
	const char *hex = cube_digest_hex(digest);
	if (!hex)
		return -1;
	int n = snprintf(buf, size, "%s/blobs/sha256/%s", s->root, hex);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void layer_path(const cube_imagestore *s, const char *digest, char *buf, size_t size)
{
	snprintf(buf, size, "%s/layers/sha256/%s", s->root, cube_digest_hex(digest));
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int read_blob_json(const cube_imagestore *s, const char *digest, char **body, size_t *len,
			  cube_err *err)
{
	char p[PATH_MAX];
	if (cube_imagestore_blob_path(s, digest, p, sizeof(p)) < 0)
		return cube_err_set(err, CUBE_EINVAL, "invalid digest \"%s\"", digest);
	return read_file(p, MAX_BLOB_JSON, body, len, err);
}

/* ---- blobs ---- */

/* Renames a verified temp file into place, under its digest's lock.  A
 * blob that is already there wins (same content). */
static int install_blob(const cube_imagestore *s, const char *tmp, const char *digest,
			cube_err *err)
{
	char dst[PATH_MAX];
	cube_imagestore_blob_path(s, digest, dst, sizeof(dst));
	if (chmod(tmp, 0444) < 0 || rename(tmp, dst) < 0) {
		int e = errno;
		unlink(tmp);
		return cube_err_errno(err, e, "store blob %s", digest);
	}
	return 0;
}

int cube_imagestore_add_blob_file(cube_imagestore *s, const char *path, const char *digest,
				  char out[CUBE_DIGEST_MAX], cube_err *err)
{
	char got[CUBE_DIGEST_MAX];
	if (cube_digest_file(path, got, NULL, err) < 0 ||
	    (digest && cube_digest_check(digest, got, err) < 0)) {
		unlink(path);
		return -1;
	}
	if (out)
		memcpy(out, got, CUBE_DIGEST_MAX);
	return install_blob(s, path, got, err);
}

int cube_imagestore_add_blob(cube_imagestore *s, const void *data, size_t len,
			     char out[CUBE_DIGEST_MAX], cube_err *err)
{
	char dg[CUBE_DIGEST_MAX], dst[PATH_MAX];
	cube_digest_bytes(data, len, dg);
	if (out)
		memcpy(out, dg, CUBE_DIGEST_MAX);
	cube_imagestore_blob_path(s, dg, dst, sizeof(dst));
	if (exists(dst))
		return 0;
	if (write_file_atomic(s, dst, data, len, 0444, err) < 0)
		return -1;
	return 0;
}

/* Fetches a blob from the registry unless present: one fetcher per digest. */
static int ensure_blob(cube_imagestore *s, cube_registry *r, const char *repo,
		       const cube_oci_desc *d, cube_err *err)
{
	char dst[PATH_MAX], tmp[PATH_MAX];
	cube_imagestore_blob_path(s, d->digest, dst, sizeof(dst));
	if (exists(dst))
		return 0;
	int lk = lock_digest(s, d->digest, err);
	if (lk < 0)
		return -1;
	int rc = 0;
	if (!exists(dst)) { /* someone else may have fetched it while we waited */
		tmp_path(s, "blob", tmp, sizeof(tmp));
		rc = cube_registry_fetch_blob(r, repo, d, tmp, err);
		if (rc == 0)
			rc = install_blob(s, tmp, d->digest, err);
	}
	unlock(lk);
	return rc;
}

/* ---- unpacking layers ---- */

/* A tar member name made relative and clean: "./a/b" -> "a/b"; NULL for
 * "..", absolute escapes or empty names ("." itself gives ""). */
static const char *clean_name(const char *n, char *buf, size_t size)
{
	if (!n)
		return NULL;
	size_t used = 0;
	buf[0] = '\0';
	while (*n) {
		while (*n == '/')
			n++;
		size_t l = strcspn(n, "/");
		if (l == 0)
			break;
		if (l == 1 && n[0] == '.') {
			n += 1;
			continue;
		}
		if (l == 2 && n[0] == '.' && n[1] == '.')
			return NULL;
		if (used + l + 2 > size)
			return NULL;
		if (used)
			buf[used++] = '/';
		memcpy(buf + used, n, l);
		used += l;
		buf[used] = '\0';
		n += l;
	}
	return buf;
}

/* Makes sure dest/rel is a real directory, no component a symlink, so that
 * whiteouts cannot be planted outside the layer through a link. */
static int safe_dir(const char *dest, const char *rel, cube_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dest);
	size_t base = strlen(p);
	while (*rel) {
		size_t l = strcspn(rel, "/");
		if (base + l + 2 > sizeof(p))
			return cube_err_set(err, CUBE_EINVAL, "layer: path too long");
		p[base++] = '/';
		memcpy(p + base, rel, l);
		base += l;
		p[base] = '\0';
		struct stat st;
		if (lstat(p, &st) < 0) {
			if (errno != ENOENT || mkdir(p, 0755) < 0)
				return cube_err_errno(err, errno, "layer: mkdir %s", p);
		} else if (!S_ISDIR(st.st_mode)) {
			return cube_err_set(err, CUBE_EINVAL, "layer: %s is not a directory", p);
		}
		rel += l;
		while (*rel == '/')
			rel++;
	}
	return 0;
}

/* Handles ".wh." members; 1 when `name` was one, 0 when not, -1 on error. */
static int whiteout(const char *dest, const char *name, cube_err *err)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	if (strncmp(base, ".wh.", 4) != 0)
		return 0;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - name) : 0, name);
	if (safe_dir(dest, dir, err) < 0)
		return -1;
	char p[2 * PATH_MAX + 8]; /* over-long results fail in the syscall */
	if (!strcmp(base, ".wh..wh..opq")) {
		snprintf(p, sizeof(p), "%s%s%s", dest, dir[0] ? "/" : "", dir);
		if (lsetxattr(p, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return cube_err_errno(err, errno, "layer: opaque %s", p);
		return 1;
	}
	if (!strncmp(base, ".wh..wh.", 8))
		return 1; /* other AUFS metadata (.wh..wh.plnk ...): not content */
	if (!base[4] || !strcmp(base + 4, ".") || !strcmp(base + 4, ".."))
		return cube_err_set(err, CUBE_EINVAL, "layer: bad whiteout %s", name);
	snprintf(p, sizeof(p), "%s/%s%s%s", dest, dir, dir[0] ? "/" : "", base + 4);
	if (rm_rf(p) < 0 || mknod(p, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return cube_err_errno(err, errno, "layer: whiteout %s", p);
	return 1;
}

/* Drops trusted.overlay.* xattrs a layer might carry: they would steer the
 * overlay mount (redirects, opaque) instead of being content. */
static int filter_xattrs(struct archive_entry *e)
{
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	const char *name;
	const void *val;
	size_t sz;
	struct kept {
		char *name;
		void *val;
		size_t sz;
	} kept[64];
	size_t n = 0;
	bool drop = false;
	while (archive_entry_xattr_next(e, &name, &val, &sz) == ARCHIVE_OK) {
		if (!strncmp(name, "trusted.overlay.", 16) || n == CUBE_ARRAY_LEN(kept)) {
			drop = true;
			continue;
		}
		kept[n].name = strdup(name);
		kept[n].val = malloc(sz ? sz : 1);
		if (kept[n].val)
			memcpy(kept[n].val, val, sz);
		kept[n++].sz = sz;
	}
	if (drop) {
		archive_entry_xattr_clear(e);
		for (size_t i = 0; i < n; i++)
			if (kept[i].name && kept[i].val)
				archive_entry_xattr_add_entry(e, kept[i].name, kept[i].val,
							      kept[i].sz);
	}
	for (size_t i = 0; i < n; i++) {
		free(kept[i].name);
		free(kept[i].val);
	}
	return 0;
}

int cube_imagestore_unpack(const char *tarball, const char *dest, cube_err *err)
{
	struct archive *a = archive_read_new();
	struct archive *w = archive_write_disk_new();
	struct archive_entry *e;
	int rc = -1;
	if (!a || !w) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	/* Numeric owners as in the image (no lookup in the host's passwd). */
	archive_write_disk_set_options(
		w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
			   ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_UNLINK |
			   ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT);
	if (archive_read_open_filename(a, tarball, 1 << 16) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EINVAL, "layer %s: %s", tarball, archive_error_string(a));
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			cube_err_set(err, CUBE_EINVAL, "layer: %s", archive_error_string(a));
			goto out;
		}
		char rel[PATH_MAX], full[PATH_MAX + 8];
		const char *name = clean_name(archive_entry_pathname(e), rel, sizeof(rel));
		if (!name) {
			cube_err_set(err, CUBE_EINVAL, "layer: refusing member \"%s\"",
				     archive_entry_pathname(e));
			goto out;
		}
		if (!name[0])
			continue; /* "./": the layer root, which is dest */
		int wh = whiteout(dest, name, err);
		if (wh < 0)
			goto out;
		if (wh)
			continue;
		snprintf(full, sizeof(full), "%s/%s", dest, name);
		archive_entry_set_pathname(e, full);
		const char *hl = archive_entry_hardlink(e);
		if (hl) {
			char hrel[PATH_MAX], hfull[PATH_MAX + 8];
			const char *h = clean_name(hl, hrel, sizeof(hrel));
			if (!h || !h[0]) {
				cube_err_set(err, CUBE_EINVAL, "layer: refusing link \"%s\"", hl);
				goto out;
			}
			snprintf(hfull, sizeof(hfull), "%s/%s", dest, h);
			archive_entry_set_hardlink(e, hfull);
		}
		filter_xattrs(e);
		r = archive_write_header(w, e);
		if (r < ARCHIVE_WARN) {
			cube_err_set(err, CUBE_EINVAL, "layer: %s: %s", name,
				     archive_error_string(w));
			goto out;
		}
		if (archive_entry_size(e) > 0 && !hl) {
			const void *buf;
			size_t len;
			la_int64_t off;
			while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
				if (archive_write_data_block(w, buf, len, off) < ARCHIVE_WARN) {
					cube_err_set(err, CUBE_EIO, "layer: %s: %s", name,
						     archive_error_string(w));
					goto out;
				}
			}
			if (r != ARCHIVE_EOF) {
				cube_err_set(err, CUBE_EINVAL, "layer: %s: %s", name,
					     archive_error_string(a));
				goto out;
			}
		}
		if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
			cube_err_set(err, CUBE_EIO, "layer: %s: %s", name, archive_error_string(w));
			goto out;
		}
	}
	if (archive_write_close(w) < ARCHIVE_WARN) {
		cube_err_set(err, CUBE_EIO, "layer: %s", archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	archive_read_free(a);
	archive_write_free(w);
	return rc;
}

/* Unpacks a stored layer blob unless done: into tmp, then renamed. */
static int ensure_layer(cube_imagestore *s, const char *digest, cube_err *err)
{
	char dst[PATH_MAX], tmp[PATH_MAX], blob[PATH_MAX];
	layer_path(s, digest, dst, sizeof(dst));
	if (exists(dst))
		return 0;
	int lk = lock_digest(s, digest, err);
	if (lk < 0)
		return -1;
	int rc = 0;
	if (!exists(dst)) {
		tmp_path(s, "layer", tmp, sizeof(tmp));
		cube_imagestore_blob_path(s, digest, blob, sizeof(blob));
		if (mkdir(tmp, 0755) < 0)
			rc = cube_err_errno(err, errno, "mkdir %s", tmp);
		else if (cube_imagestore_unpack(blob, tmp, err) < 0)
			rc = cube_err_prefix(err, "unpack %s", digest);
		else if (rename(tmp, dst) < 0)
			rc = cube_err_errno(err, errno, "rename %s", dst);
		if (rc < 0)
			rm_rf(tmp);
	}
	unlock(lk);
	return rc;
}

/* ---- the index ---- */

static cJSON *index_read(const cube_imagestore *s, cube_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/index.json", s->root);
	char *body = NULL;
	size_t len = 0;
	if (!exists(p)) {
		cJSON *j = cJSON_Parse("{\"images\":[]}");
		if (!j)
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return j;
	}
	if (read_file(p, 64u << 20, &body, &len, err) < 0)
		return NULL;
	cJSON *j = cJSON_ParseWithLength(body, len);
	free(body);
	if (!j || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "images"))) {
		cJSON_Delete(j);
		cube_err_set(err, CUBE_EINVAL, "%s: malformed", p);
		return NULL;
	}
	return j;
}

static int index_write(const cube_imagestore *s, const cJSON *j, cube_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/index.json", s->root);
	cube_autofree char *body = cJSON_PrintUnformatted(j);
	if (!body)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	return write_file_atomic(s, p, body, strlen(body), 0644, err);
}

static bool has_name(const cJSON *rec, const char *name)
{
	const cJSON *n;
	cJSON_ArrayForEach (n, cJSON_GetObjectItemCaseSensitive(rec, "names")) {
		if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
			return true;
	}
	return false;
}

static char **json_strv(const cJSON *arr)
{
	int n = cJSON_GetArraySize(arr);
	char **v = calloc((size_t)n + 1, sizeof(*v));
	size_t k = 0;
	const cJSON *x;
	if (!v)
		return NULL;
	cJSON_ArrayForEach (x, arr) {
		if (cJSON_IsString(x) && !(v[k++] = strdup(x->valuestring))) {
			cube_oci_strv_free(v);
			return NULL;
		}
	}
	return v;
}

void cube_image_free(cube_image *img)
{
	if (!img)
		return;
	cube_oci_strv_free(img->names);
	cube_oci_strv_free(img->layers);
	cJSON_Delete(img->config);
	free(img);
}

void cube_image_list_free(cube_image **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		cube_image_free(v[i]);
	free(v);
}

static cube_image *image_from_record(const cJSON *rec, cube_err *err)
{
	cube_image *img = calloc(1, sizeof(*img));
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "manifest"));
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "id"));
	if (!img || !m || !id) {
		free(img);
		cube_err_set(err, !img ? CUBE_ENOMEM : CUBE_EINVAL, "index: bad image record");
		return NULL;
	}
	snprintf(img->manifest, sizeof(img->manifest), "%s", m);
	snprintf(img->id, sizeof(img->id), "%s", id);
	img->size = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "size"));
	img->names = json_strv(cJSON_GetObjectItemCaseSensitive(rec, "names"));
	img->layers = json_strv(cJSON_GetObjectItemCaseSensitive(rec, "layers"));
	if (!img->names || !img->layers) {
		cube_image_free(img);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	return img;
}

/* The index record `ref` names: a normalised name, a repo digest, an ID
 * or a manifest digest. */
static const cJSON *find_record(const cJSON *idx, const char *ref)
{
	char norm[600] = "";
	cube_imageref r;
	bool is_id = cube_digest_valid(ref);
	if (!is_id && cube_imageref_parse(ref, &r, NULL) == 0)
		cube_imageref_string(&r, norm, sizeof(norm));
	const cJSON *rec;
	cJSON_ArrayForEach (rec, cJSON_GetObjectItemCaseSensitive(idx, "images")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "id"));
		const char *m =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "manifest"));
		if (is_id && ((id && !strcmp(id, ref)) || (m && !strcmp(m, ref))))
			return rec;
		if (norm[0] && has_name(rec, norm))
			return rec;
	}
	return NULL;
}

static int load_config(cube_imagestore *s, cube_image *img, cube_err *err)
{
	char *body = NULL;
	size_t len = 0;
	if (read_blob_json(s, img->id, &body, &len, err) < 0)
		return cube_err_prefix(err, "image config");
	cube_autojson cJSON *j = cJSON_ParseWithLength(body, len);
	free(body);
	if (!cJSON_IsObject(j))
		return cube_err_set(err, CUBE_EINVAL, "image config %s: not a JSON object",
				    img->id);
	cJSON *c = cJSON_DetachItemFromObjectCaseSensitive(j, "config");
	if (!cJSON_IsObject(c)) {
		cJSON_Delete(c);
		c = cJSON_CreateObject();
	}
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	img->config = c;
	return 0;
}

cube_image *cube_imagestore_get(cube_imagestore *s, const char *ref, cube_err *err)
{
	cube_autojson cJSON *idx = index_read(s, err);
	if (!idx)
		return NULL;
	const cJSON *rec = find_record(idx, ref);
	if (!rec) {
		cube_err_set(err, CUBE_ENOTFOUND, "image \"%s\" not found", ref);
		return NULL;
	}
	cube_image *img = image_from_record(rec, err);
	if (img && load_config(s, img, err) < 0) {
		cube_image_free(img);
		return NULL;
	}
	return img;
}

int cube_imagestore_list(cube_imagestore *s, cube_image ***out, size_t *n, cube_err *err)
{
	*out = NULL;
	*n = 0;
	cube_autojson cJSON *idx = index_read(s, err);
	if (!idx)
		return -1;
	const cJSON *images = cJSON_GetObjectItemCaseSensitive(idx, "images");
	cube_image **v = calloc((size_t)cJSON_GetArraySize(images) + 1, sizeof(*v));
	if (!v)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	size_t k = 0;
	const cJSON *rec;
	cJSON_ArrayForEach (rec, images) {
		if (!(v[k] = image_from_record(rec, err))) {
			cube_image_list_free(v, k);
			return -1;
		}
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

/* Records an image under `names` (removing them from other images; an image
 * left with no name is dropped from the index, its content left to gc). */
static int index_add(cube_imagestore *s, const cube_image *img, char *const *names, cube_err *err)
{
	int lk = lock_file(s, "index.lock", LOCK_EX, err);
	if (lk < 0)
		return -1;
	int rc = -1;
	cJSON *idx = index_read(s, err);
	if (!idx)
		goto out;
	cJSON *images = cJSON_GetObjectItemCaseSensitive(idx, "images");
	cJSON *mine = NULL;
	for (cJSON *rec = images->child, *next; rec; rec = next) {
		next = rec->next;
		const char *m =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "manifest"));
		if (m && !strcmp(m, img->manifest)) {
			mine = rec;
			continue;
		}
		cJSON *ns = cJSON_GetObjectItemCaseSensitive(rec, "names");
		for (cJSON *nm = ns ? ns->child : NULL, *nn; nm; nm = nn) {
			nn = nm->next;
			for (size_t i = 0; names[i]; i++)
				if (cJSON_IsString(nm) && !strcmp(nm->valuestring, names[i])) {
					cJSON_Delete(cJSON_DetachItemViaPointer(ns, nm));
					break;
				}
		}
		if (cJSON_GetArraySize(ns) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(images, rec));
	}
	if (!mine) {
		mine = cJSON_CreateObject();
		cJSON *ls = cJSON_CreateArray();
		if (!mine || !ls || !cJSON_AddItemToArray(images, mine) ||
		    !cJSON_AddStringToObject(mine, "manifest", img->manifest) ||
		    !cJSON_AddStringToObject(mine, "id", img->id) ||
		    !cJSON_AddItemToObject(mine, "names", cJSON_CreateArray()) ||
		    !cJSON_AddNumberToObject(mine, "size", (double)img->size) ||
		    !cJSON_AddItemToObject(mine, "layers", ls)) {
			cJSON_Delete(ls);
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; img->layers[i]; i++)
			cJSON_AddItemToArray(ls, cJSON_CreateString(img->layers[i]));
	}
	cJSON *ns = cJSON_GetObjectItemCaseSensitive(mine, "names");
	for (size_t i = 0; names[i]; i++) {
		if (has_name(mine, names[i]))
			continue;
		/* repo digests ("@") before tags, as status.images lists them */
		cJSON *item = cJSON_CreateString(names[i]);
		if (strchr(names[i], '@')) {
			int at = 0;
			const cJSON *x;
			cJSON_ArrayForEach (x, ns) {
				if (!cJSON_IsString(x) || !strchr(x->valuestring, '@'))
					break;
				at++;
			}
			cJSON_InsertItemInArray(ns, at, item);
		} else {
			cJSON_AddItemToArray(ns, item);
		}
	}
	rc = index_write(s, idx, err);
out:
	cJSON_Delete(idx);
	unlock(lk);
	return rc;
}

/* ---- committing an image whose blobs are stored ---- */

/* Names for a reference that resolved to top_digest: the repo digest, and
 * the tag when the reference had one. */
static char **names_for(const cube_imageref *r, const char *top_digest)
{
	char **v = calloc(3, sizeof(*v));
	if (!v)
		return NULL;
	size_t k = 0;
	if (asprintf(&v[k], "%s/%s@%s", r->domain, r->path, top_digest) < 0) {
		v[k] = NULL;
		goto fail;
	}
	k++;
	if (r->tag[0] && !r->digest[0]) {
		if (asprintf(&v[k], "%s/%s:%s", r->domain, r->path, r->tag) < 0) {
			v[k] = NULL;
			goto fail;
		}
	}
	return v;
fail:
	cube_oci_strv_free(v);
	return NULL;
}

static cube_image *commit(cube_imagestore *s, const cube_imageref *ref, const char *top,
			  const char *manifest, cube_err *err)
{
	char *body = NULL;
	size_t len = 0;
	cube_oci_manifest m;
	if (read_blob_json(s, manifest, &body, &len, err) < 0)
		return NULL;
	int rc = cube_oci_manifest_parse(body, len, &m, err);
	free(body);
	if (rc < 0)
		return NULL;
	cube_image *img = calloc(1, sizeof(*img));
	char **names = NULL;
	if (!img || !(img->layers = calloc(m.n_layers + 1, sizeof(char *)))) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(img->manifest, sizeof(img->manifest), "%s", manifest);
	snprintf(img->id, sizeof(img->id), "%s", m.config.digest);
	img->size = (int64_t)len + m.config.size;
	char p[PATH_MAX];
	cube_imagestore_blob_path(s, m.config.digest, p, sizeof(p));
	if (!exists(p)) {
		cube_err_set(err, CUBE_ENOTFOUND, "config blob %s missing", m.config.digest);
		goto fail;
	}
	for (size_t i = 0; i < m.n_layers; i++) {
		cube_imagestore_blob_path(s, m.layers[i].digest, p, sizeof(p));
		if (!exists(p)) {
			cube_err_set(err, CUBE_ENOTFOUND, "layer blob %s missing",
				     m.layers[i].digest);
			goto fail;
		}
		if (ensure_layer(s, m.layers[i].digest, err) < 0)
			goto fail;
		if (!(img->layers[i] = strdup(m.layers[i].digest))) {
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
			goto fail;
		}
		img->size += m.layers[i].size;
	}
	if (load_config(s, img, err) < 0)
		goto fail;
	if (!(names = names_for(ref, top))) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto fail;
	}
	if (index_add(s, img, names, err) < 0)
		goto fail;
	img->names = names;
	cube_oci_manifest_clear(&m);
	return img;
fail:
	cube_oci_strv_free(names);
	cube_oci_manifest_clear(&m);
	cube_image_free(img);
	return NULL;
}

cube_image *cube_imagestore_commit(cube_imagestore *s, const char *name,
				   const char *manifest_digest, cube_err *err)
{
	cube_imageref r;
	if (cube_imageref_parse(name, &r, err) < 0)
		return NULL;
	int lk = lock_file(s, "store.lock", LOCK_SH, err);
	if (lk < 0)
		return NULL;
	cube_image *img = commit(s, &r, manifest_digest, manifest_digest, err);
	unlock(lk);
	return img;
}

/* ---- pull ---- */

static cube_image *pull(cube_imagestore *s, const cube_imageref *r, const cube_registry_auth *auth,
			cube_err *err)
{
	cube_registry *reg = cube_registry_new(r->domain, auth, err);
	if (!reg)
		return NULL;
	cube_image *img = NULL;
	cube_registry_image ri;
	if (cube_registry_resolve(reg, r, &ri, err) < 0)
		goto out;
	int lk = lock_file(s, "store.lock", LOCK_SH, err);
	if (lk < 0)
		goto out_img;
	if (ensure_blob(s, reg, r->path, &ri.parsed.config, err) < 0)
		goto out_lock;
	for (size_t i = 0; i < ri.parsed.n_layers; i++)
		if (ensure_blob(s, reg, r->path, &ri.parsed.layers[i], err) < 0)
			goto out_lock;
	/* The manifest's bytes were verified against its digest by the client. */
	char dg[CUBE_DIGEST_MAX];
	if (cube_imagestore_add_blob(s, ri.manifest_body, ri.manifest_len, dg, err) < 0)
		goto out_lock;
	img = commit(s, r, ri.digest, ri.manifest.digest, err);
out_lock:
	unlock(lk);
out_img:
	cube_registry_image_clear(&ri);
out:
	cube_registry_free(reg);
	return img;
}

cube_image *cube_imagestore_pull(cube_imagestore *s, const char *ref, cube_pull_policy policy,
				 const cube_registry_auth *auth, cube_err *err)
{
	cube_imageref r;
	char norm[600];
	if (cube_imageref_parse(ref, &r, err) < 0)
		return NULL;
	cube_imageref_string(&r, norm, sizeof(norm));
	if (policy != CUBE_PULL_ALWAYS) {
		cube_err lerr = CUBE_ERR_INIT;
		cube_image *img = cube_imagestore_get(s, norm, &lerr);
		if (img || lerr.code != CUBE_ENOTFOUND) {
			if (!img)
				*err = lerr;
			return img;
		}
		if (policy == CUBE_PULL_NEVER) {
			cube_err_set(
				err, CUBE_ENOTFOUND,
				"Container image \"%s\" is not present with pull policy of Never",
				ref);
			return NULL;
		}
	}
	cube_image *img = pull(s, &r, auth, err);
	if (!img)
		cube_err_prefix(err, "failed to pull and unpack image \"%s\"", norm);
	return img;
}

/* ---- remove and gc ---- */

int cube_imagestore_remove(cube_imagestore *s, const char *ref, cube_err *err)
{
	int lk = lock_file(s, "index.lock", LOCK_EX, err);
	if (lk < 0)
		return -1;
	int rc = -1;
	cJSON *idx = index_read(s, err);
	if (!idx)
		goto out;
	cJSON *rec = (cJSON *)find_record(idx, ref);
	if (!rec) {
		cube_err_set(err, CUBE_ENOTFOUND, "image \"%s\" not found", ref);
		goto out;
	}
	cJSON_Delete(
		cJSON_DetachItemViaPointer(cJSON_GetObjectItemCaseSensitive(idx, "images"), rec));
	rc = index_write(s, idx, err);
out:
	cJSON_Delete(idx);
	unlock(lk);
	return rc < 0 ? -1 : cube_imagestore_gc(s, NULL, err);
}

static bool referenced(const cJSON *idx, const char *digest)
{
	const cJSON *rec;
	cJSON_ArrayForEach (rec, cJSON_GetObjectItemCaseSensitive(idx, "images")) {
		const char *m =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "manifest"));
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "id"));
		if ((m && !strcmp(m, digest)) || (id && !strcmp(id, digest)))
			return true;
		const cJSON *l;
		cJSON_ArrayForEach (l, cJSON_GetObjectItemCaseSensitive(rec, "layers")) {
			if (cJSON_IsString(l) && !strcmp(l->valuestring, digest))
				return true;
		}
	}
	return false;
}

static void sweep(const cube_imagestore *s, const cJSON *idx, const char *sub, int64_t *freed)
{
	char dir[ROOT_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/%s", s->root, sub);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char dg[300], p[PATH_MAX];
		snprintf(dg, sizeof(dg), "sha256:%s", e->d_name);
		if (!cube_digest_valid(dg) || referenced(idx, dg))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		if (freed && lstat(p, &st) == 0 && S_ISREG(st.st_mode) && strcmp(sub, "locks"))
			*freed += st.st_size;
		rm_rf(p);
	}
	closedir(d);
}

int cube_imagestore_gc(cube_imagestore *s, int64_t *freed, cube_err *err)
{
	if (freed)
		*freed = 0;
	int lk = lock_file(s, "store.lock", LOCK_EX, err);
	if (lk < 0)
		return -1;
	cJSON *idx = index_read(s, err);
	if (!idx) {
		unlock(lk);
		return -1;
	}
	/* No writer holds store.lock: everything in tmp is abandoned. */
	clean_tmp(s, 0);
	sweep(s, idx, "layers/sha256", NULL);
	sweep(s, idx, "blobs/sha256", freed);
	sweep(s, idx, "locks", NULL);
	cJSON_Delete(idx);
	unlock(lk);
	return 0;
}

int cube_imagestore_layer_dirs(cube_imagestore *s, const cube_image *img, char ***dirs,
			       cube_err *err)
{
	size_t n = cube_oci_strv_len(img->layers);
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX];
		if (!cube_digest_valid(img->layers[i])) {
			cube_oci_strv_free(v);
			return cube_err_set(err, CUBE_EINVAL, "bad layer digest");
		}
		layer_path(s, img->layers[i], p, sizeof(p));
		if (!exists(p)) {
			cube_oci_strv_free(v);
			return cube_err_set(err, CUBE_ENOTFOUND, "layer %s is not unpacked",
					    img->layers[i]);
		}
		if (!(v[i] = strdup(p))) {
			cube_oci_strv_free(v);
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		}
	}
	*dirs = v;
	return 0;
}

/* ---- OCI image layout: import, export ---- */

/* Streams the current archive member into a new blob (unless stored). */
static int import_blob(cube_imagestore *s, struct archive *a, const char *digest, cube_err *err)
{
	char dst[PATH_MAX], tmp[PATH_MAX];
	cube_imagestore_blob_path(s, digest, dst, sizeof(dst));
	if (exists(dst))
		return 0;
	int lk = lock_digest(s, digest, err);
	if (lk < 0)
		return -1;
	int rc = 0;
	if (!exists(dst)) {
		tmp_path(s, "blob", tmp, sizeof(tmp));
		cube_autoclose int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		cube_sha256 *h = fd >= 0 ? cube_sha256_new(err) : NULL;
		if (fd < 0)
			rc = cube_err_errno(err, errno, "create %s", tmp);
		else if (!h)
			rc = -1;
		const void *buf;
		size_t len;
		la_int64_t off;
		int r = ARCHIVE_OK;
		while (rc == 0 &&
		       (r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
			cube_sha256_update(h, buf, len);
			if (pwrite(fd, buf, len, off) != (ssize_t)len)
				rc = cube_err_errno(err, errno, "write %s", tmp);
		}
		if (rc == 0 && r != ARCHIVE_EOF)
			rc = cube_err_set(err, CUBE_EINVAL, "%s", archive_error_string(a));
		char got[CUBE_DIGEST_MAX];
		if (h) {
			cube_sha256_final(h, got);
			cube_sha256_free(h);
			if (rc == 0)
				rc = cube_digest_check(digest, got, err);
		}
		if (rc == 0 && fsync(fd) < 0)
			rc = cube_err_errno(err, errno, "fsync %s", tmp);
		if (rc == 0)
			rc = install_blob(s, tmp, digest, err);
		else if (fd >= 0)
			unlink(tmp);
	}
	unlock(lk);
	return rc;
}

static int read_member(struct archive *a, size_t max, char **out, size_t *len, cube_err *err)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	if (!b)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap *= 2;
			char *nb = cap > max + 4097 ? NULL : realloc(b, cap);
			if (!nb) {
				free(b);
				return cube_err_set(err, CUBE_ETOOBIG, "member over %zu bytes",
						    max);
			}
			b = nb;
		}
		la_ssize_t r = archive_read_data(a, b + n, 4096);
		if (r < 0) {
			free(b);
			return cube_err_set(err, CUBE_EINVAL, "%s", archive_error_string(a));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* The name an index.json entry gives its image. */
static const char *entry_name(const cJSON *m)
{
	const cJSON *ann = cJSON_GetObjectItemCaseSensitive(m, "annotations");
	const char *n = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ann, "io.containerd.image.name"));
	if (n)
		return n;
	n = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ann, "org.opencontainers.image.ref.name"));
	/* A bare tag ("v1") names no repository: only a full reference will do. */
	return n && (strchr(n, '/') || strchr(n, '@')) ? n : NULL;
}

static int import_index(cube_imagestore *s, const char *body, size_t len, char ***names,
			cube_err *err)
{
	cube_autojson cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(j, "manifests");
	if (!cJSON_IsArray(ms))
		return cube_err_set(err, CUBE_EINVAL, "index.json: no manifests");
	const cJSON *m;
	size_t k = 0;
	cJSON_ArrayForEach (m, ms) {
		cube_oci_desc d;
		const char *dg =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "digest"));
		const char *name = entry_name(m);
		cube_imageref r;
		if (!cube_digest_valid(dg))
			return cube_err_set(err, CUBE_EINVAL, "index.json: bad digest");
		if (!name)
			return cube_err_set(err, CUBE_EINVAL,
					    "index.json: manifest %s has no image name annotation",
					    dg);
		if (cube_imageref_parse(name, &r, err) < 0)
			return -1;
		char manifest[CUBE_DIGEST_MAX];
		snprintf(manifest, sizeof(manifest), "%s", dg);
		char *mb = NULL;
		size_t ml = 0;
		if (read_blob_json(s, dg, &mb, &ml, err) < 0)
			return cube_err_prefix(err, "%s", name);
		int kind = cube_oci_kind_of(mb, ml, NULL, err);
		if (kind == CUBE_OCI_KIND_INDEX &&
		    cube_oci_index_pick(mb, ml, "linux", "amd64", &d, err) == 0)
			snprintf(manifest, sizeof(manifest), "%s", d.digest);
		free(mb);
		if (kind < 0 || (kind == CUBE_OCI_KIND_INDEX && !strcmp(manifest, dg)))
			return cube_err_prefix(err, "%s", name);
		cube_image *img = commit(s, &r, dg, manifest, err);
		if (!img)
			return cube_err_prefix(err, "%s", name);
		cube_image_free(img);
		if (names) {
			char **nv = realloc(*names, (k + 2) * sizeof(char *));
			if (!nv)
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
			*names = nv;
			char full[600];
			cube_imageref_string(&r, full, sizeof(full));
			nv[k] = strdup(full);
			nv[++k] = NULL;
		}
	}
	return 0;
}

int cube_imagestore_import(cube_imagestore *s, const char *tarball, char ***names, cube_err *err)
{
	if (names)
		*names = NULL;
	int lk = lock_file(s, "store.lock", LOCK_SH, err);
	if (lk < 0)
		return -1;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *index = NULL;
	size_t index_len = 0;
	int rc = -1;
	if (!a) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, tarball, 1 << 16) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EINVAL, "%s: %s", tarball, archive_error_string(a));
		goto out;
	}
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			cube_err_set(err, CUBE_EINVAL, "%s: %s", tarball, archive_error_string(a));
			goto out;
		}
		char rel[PATH_MAX];
		const char *name = clean_name(archive_entry_pathname(e), rel, sizeof(rel));
		if (!name || archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (!strcmp(name, "index.json")) {
			free(index);
			index = NULL;
			if (read_member(a, MAX_BLOB_JSON, &index, &index_len, err) < 0)
				goto out;
		} else if (!strncmp(name, "blobs/sha256/", 13)) {
			char dg[300];
			snprintf(dg, sizeof(dg), "sha256:%s", name + 13);
			if (!cube_digest_valid(dg)) {
				cube_err_set(err, CUBE_EINVAL, "%s: bad blob name %s", tarball,
					     name);
				goto out;
			}
			if (import_blob(s, a, dg, err) < 0) {
				cube_err_prefix(err, "%s: blob %s", tarball, dg);
				goto out;
			}
		}
	}
	if (!index) {
		cube_err_set(err, CUBE_EINVAL, "%s: no index.json (not an OCI image layout)",
			     tarball);
		goto out;
	}
	rc = import_index(s, index, index_len, names, err);
out:
	if (rc < 0 && names) {
		cube_oci_strv_free(*names);
		*names = NULL;
	}
	free(index);
	archive_read_free(a);
	unlock(lk);
	return rc;
}

static int write_member(struct archive *w, const char *name, const void *data, size_t len,
			const char *from_file, int64_t size, cube_err *err)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, name[strlen(name) - 1] == '/' ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, name[strlen(name) - 1] == '/' ? 0755 : 0644);
	archive_entry_set_size(e, from_file ? size : (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	int rc = 0;
	if (archive_write_header(w, e) != ARCHIVE_OK)
		rc = cube_err_set(err, CUBE_EIO, "%s: %s", name, archive_error_string(w));
	archive_entry_free(e);
	if (rc < 0)
		return -1;
	if (data && len && archive_write_data(w, data, len) < 0)
		return cube_err_set(err, CUBE_EIO, "%s: %s", name, archive_error_string(w));
	if (from_file) {
		cube_autoclose int fd = open(from_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cube_err_errno(err, errno, "open %s", from_file);
		char buf[65536];
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (archive_write_data(w, buf, (size_t)n) < 0)
				return cube_err_set(err, CUBE_EIO, "%s: %s", name,
						    archive_error_string(w));
		if (n < 0)
			return cube_err_errno(err, errno, "read %s", from_file);
	}
	return 0;
}

/* The image's name as the layout's index.json carries it: its first tag,
 * else its first name. */
static const char *main_name(const cube_image *img)
{
	for (size_t i = 0; img->names && img->names[i]; i++)
		if (!strchr(img->names[i], '@'))
			return img->names[i];
	return img->names && img->names[0] ? img->names[0] : "";
}

static const char *manifest_media_type(const char *body, size_t len, char *buf, size_t size)
{
	cube_autojson cJSON *j = cJSON_ParseWithLength(body, len);
	const char *mt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "mediaType"));
	snprintf(buf, size, "%s", mt && *mt ? mt : CUBE_OCI_MT_MANIFEST);
	return buf;
}

int cube_imagestore_export(cube_imagestore *s, const char *ref, const char *tarball, cube_err *err)
{
	cube_image *img = cube_imagestore_get(s, ref, err);
	if (!img)
		return -1;
	char *mb = NULL;
	size_t ml = 0;
	struct archive *w = NULL;
	char *index = NULL;
	cJSON *ix = NULL;
	int rc = -1;
	if (read_blob_json(s, img->manifest, &mb, &ml, err) < 0)
		goto out;
	const char *name = main_name(img);
	cube_imageref r;
	char mt[128];
	char tag[200] = "";
	if (cube_imageref_parse(name, &r, NULL) == 0)
		snprintf(tag, sizeof(tag), "%s", r.tag);
	ix = cJSON_CreateObject();
	cJSON *ms = cJSON_AddArrayToObject(ix, "manifests");
	cJSON *m = cJSON_CreateObject();
	cJSON *ann = cJSON_AddObjectToObject(m, "annotations");
	cJSON_AddNumberToObject(ix, "schemaVersion", 2);
	cJSON_AddStringToObject(ix, "mediaType", CUBE_OCI_MT_INDEX);
	cJSON_AddItemToArray(ms, m);
	cJSON_AddStringToObject(m, "mediaType", manifest_media_type(mb, ml, mt, sizeof(mt)));
	cJSON_AddStringToObject(m, "digest", img->manifest);
	cJSON_AddNumberToObject(m, "size", (double)ml);
	cJSON_AddStringToObject(ann, "io.containerd.image.name", name);
	if (tag[0])
		cJSON_AddStringToObject(ann, "org.opencontainers.image.ref.name", tag);
	if (!(index = cJSON_PrintUnformatted(ix))) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	if (!(w = archive_write_new()) ||
	    archive_write_set_format_pax_restricted(w) != ARCHIVE_OK ||
	    archive_write_open_filename(w, tarball) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EIO, "%s: %s", tarball,
			     w ? archive_error_string(w) : "ENOMEM");
		goto out;
	}
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	if (write_member(w, "oci-layout", layout, strlen(layout), NULL, 0, err) < 0 ||
	    write_member(w, "index.json", index, strlen(index), NULL, 0, err) < 0 ||
	    write_member(w, "blobs/", NULL, 0, NULL, 0, err) < 0 ||
	    write_member(w, "blobs/sha256/", NULL, 0, NULL, 0, err) < 0)
		goto out;
	size_t nl = cube_oci_strv_len(img->layers);
	for (size_t i = 0; i < nl + 2; i++) {
		const char *dg = i < nl ? img->layers[i] : i == nl ? img->id : img->manifest;
		char p[PATH_MAX], member[100];
		struct stat st;
		cube_imagestore_blob_path(s, dg, p, sizeof(p));
		snprintf(member, sizeof(member), "blobs/sha256/%s", cube_digest_hex(dg));
		if (stat(p, &st) < 0) {
			cube_err_errno(err, errno, "blob %s", dg);
			goto out;
		}
		if (write_member(w, member, NULL, 0, p, st.st_size, err) < 0)
			goto out;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EIO, "%s: %s", tarball, archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		unlink(tarball);
	archive_write_free(w);
	cJSON_Delete(ix);
	free(index);
	free(mb);
	cube_image_free(img);
	return rc;
}

/* ---- push ---- */

int cube_imagestore_push(cube_imagestore *s, const char *ref, const char *dest,
			 const cube_registry_auth *auth, cube_err *err)
{
	cube_imageref r;
	if (cube_imageref_parse(dest ? dest : ref, &r, err) < 0)
		return -1;
	if (!r.tag[0] || r.digest[0])
		return cube_err_set(err, CUBE_EINVAL, "push %s: a tag is needed",
				    dest ? dest : ref);
	cube_image *img = cube_imagestore_get(s, ref, err);
	if (!img)
		return -1;
	cube_registry *reg = cube_registry_new(r.domain, auth, err);
	char *mb = NULL;
	size_t ml = 0;
	int rc = -1;
	if (!reg)
		goto out;
	size_t nl = cube_oci_strv_len(img->layers);
	for (size_t i = 0; i <= nl; i++) {
		const char *dg = i < nl ? img->layers[i] : img->id;
		char p[PATH_MAX];
		cube_imagestore_blob_path(s, dg, p, sizeof(p));
		if (cube_registry_push_blob(reg, r.path, dg, p, NULL, err) < 0) {
			cube_err_prefix(err, "push blob %s", dg);
			goto out;
		}
	}
	char mt[128];
	if (read_blob_json(s, img->manifest, &mb, &ml, err) < 0 ||
	    cube_registry_push_manifest(reg, r.path, r.tag,
					manifest_media_type(mb, ml, mt, sizeof(mt)), mb, ml,
					err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		cube_err_prefix(err, "push %s/%s:%s", r.domain, r.path, r.tag);
	free(mb);
	cube_registry_free(reg);
	cube_image_free(img);
	return rc;
}
