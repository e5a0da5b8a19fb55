/* image.c - `cube image`: build an OCI image from a directory, push it to a
 * registry, load an OCI layout tarball into a node's store (as `kind load`
 * does), pull, list and remove.  The store and the registry client are
 * lib/imagestore.h and lib/registry.h; this file is the command line and
 * the image builder (a layer tarball written with libarchive, then config
 * and manifest).
 *
 * Builds are reproducible: members sorted by name, owned by 0:0, mtimes
 * 0, no gzip timestamp, no creation dates; so building the same directory
 * twice gives the same digests and a push uploads nothing new. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "cleanup.h"
#include "digest.h"
#include "flags.h"
#include "imageref.h"
#include "imagestore.h"
#include "lab.h"
#include "oci.h"

/* ---- arguments ---- */

/* Parses flags and positional arguments in any order; at most `max`
 * positionals.  Returns 0, 1 for --help (usage printed), 2 on error
 * (message printed). */
static int parse(const char *prog, const char *summary, const cube_flag *flags, int argc,
		 char **argv, const char **pos, int max, int *npos)
{
	cube_err err = CUBE_ERR_INIT;
	*npos = 0;
	while (argc > 0) {
		int p = argc;
		int rc = cube_flags_parse(flags, argc, argv, &p, &err);
		if (rc == CUBE_FLAGS_HELP) {
			cube_autofree char *u = cube_flags_usage(prog, summary, flags);
			fputs(u ? u : "", stdout);
			return 1;
		}
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", prog, err.msg);
			return 2;
		}
		if (p >= argc)
			break;
		if (*npos == max) {
			fprintf(stderr, "%s: unexpected argument \"%s\"\n", prog, argv[p]);
			return 2;
		}
		pos[(*npos)++] = argv[p];
		argc -= p;
		argv += p;
	}
	return 0;
}

static int need(const char *prog, const char *what, const void *v)
{
	if (v)
		return 0;
	fprintf(stderr, "%s: %s is required\n", prog, what);
	return 2;
}

static cube_imagestore *open_store(const char *prog, const char *dir)
{
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *s = cube_imagestore_open(dir, &err);
	if (!s)
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	return s;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A scratch store for a build or a push from a file, removed afterwards. */
static cube_imagestore *scratch_store(const char *prog, char *dir, size_t size)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, size, "%s/cube-image.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "%s: mkdtemp %s: %s\n", prog, dir, strerror(errno));
		return NULL;
	}
	return open_store(prog, dir);
}

static void scratch_remove(const char *dir)
{
	if (dir[0])
		nftw(dir, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* ---- the layer: DIR as a tar, then gzip'd ---- */

struct tarsink {
	int fd;
	cube_sha256 *h;
};

static la_ssize_t tar_write(struct archive *a, void *ud, const void *buf, size_t n)
{
	struct tarsink *t = ud;
	const char *p = buf;
	size_t left = n;
	while (left) {
		ssize_t w = write(t->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			archive_set_error(a, errno, "write: %s", strerror(errno));
			return -1;
		}
		p += w;
		left -= (size_t)w;
	}
	cube_sha256_update(t->h, buf, n);
	return (la_ssize_t)n;
}

static int copy_file(struct archive *w, const char *path, cube_err *err)
{
	cube_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cube_err_errno(err, errno, "open %s", path);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(w, buf, (size_t)n) < 0)
			return cube_err_set(err, CUBE_EIO, "%s: %s", path, archive_error_string(w));
	return n < 0 ? cube_err_errno(err, errno, "read %s", path) : 0;
}

/* Adds root/rel's children, sorted, recursively. */
static int add_tree(struct archive *w, struct archive *disk, const char *root, const char *rel,
		    cube_err *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s%s%s", root, rel[0] ? "/" : "", rel);
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return cube_err_errno(err, errno, "read %s", dir);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		char crel[PATH_MAX], full[PATH_MAX * 2];
		struct stat st;
		if (rc < 0 || !strcmp(nm, ".") || !strcmp(nm, ".."))
			goto next;
		snprintf(crel, sizeof(crel), "%s%s%s", rel, rel[0] ? "/" : "", nm);
		snprintf(full, sizeof(full), "%s/%s", root, crel);
		if (lstat(full, &st) < 0) {
			rc = cube_err_errno(err, errno, "stat %s", full);
			goto next;
		}
		struct archive_entry *e = archive_entry_new();
		if (!e) {
			rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
			goto next;
		}
		archive_entry_copy_pathname(e, crel);
		archive_entry_copy_sourcepath(e, full);
		if (archive_read_disk_entry_from_file(disk, e, -1, &st) < ARCHIVE_WARN) {
			rc = cube_err_set(err, CUBE_EIO, "%s: %s", full,
					  archive_error_string(disk));
		} else {
			archive_entry_set_mtime(e, 0, 0);
			archive_entry_unset_atime(e);
			archive_entry_unset_ctime(e);
			archive_entry_unset_birthtime(e);
			archive_entry_set_uid(e, 0);
			archive_entry_set_gid(e, 0);
			archive_entry_set_uname(e, NULL);
			archive_entry_set_gname(e, NULL);
			archive_entry_set_nlink(e, 1);
			if (archive_write_header(w, e) < ARCHIVE_WARN)
				rc = cube_err_set(err, CUBE_EIO, "%s: %s", crel,
						  archive_error_string(w));
			else if (S_ISREG(st.st_mode) && st.st_size > 0)
				rc = copy_file(w, full, err);
		}
		archive_entry_free(e);
		if (rc == 0 && S_ISDIR(st.st_mode))
			rc = add_tree(w, disk, root, crel, err);
	next:
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Writes DIR as an uncompressed tar to `tar_path`; its digest is the
 * layer's diff_id. */
static int write_tar(const char *dir, const char *tar_path, char diff_id[CUBE_DIGEST_MAX],
		     cube_err *err)
{
	struct tarsink t = {.fd = open(tar_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
	if (t.fd < 0)
		return cube_err_errno(err, errno, "create %s", tar_path);
	struct archive *w = archive_write_new();
	struct archive *disk = archive_read_disk_new();
	int rc = -1;
	if (!(t.h = cube_sha256_new(err)) || !w || !disk) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
						     ARCHIVE_READDISK_NO_FFLAGS);
	archive_write_set_format_pax_restricted(w);
	if (archive_write_open(w, &t, NULL, tar_write, NULL) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EIO, "%s", archive_error_string(w));
		goto out;
	}
	if (add_tree(w, disk, dir, "", err) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EIO, "%s", archive_error_string(w));
		goto out;
	}
	cube_sha256_final(t.h, diff_id);
	rc = 0;
out:
	archive_write_free(w);
	archive_read_free(disk);
	cube_sha256_free(t.h);
	close(t.fd);
	return rc;
}

/* gzip: libarchive's raw format with the gzip filter, no timestamp. */
static int gzip_file(const char *in, const char *out, cube_err *err)
{
	cube_autoclose int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (ofd < 0)
		return cube_err_errno(err, errno, "create %s", out);
	struct archive *w = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int rc = -1;
	if (!w || !e) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	archive_write_add_filter_gzip(w);
	archive_write_set_filter_option(w, "gzip", "timestamp", NULL);
	archive_write_set_format_raw(w);
	archive_write_set_bytes_in_last_block(w, 1);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_pathname(e, "layer.tar");
	if (archive_write_open_fd(w, ofd) != ARCHIVE_OK ||
	    archive_write_header(w, e) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EIO, "%s: %s", out, archive_error_string(w));
		goto out;
	}
	if (copy_file(w, in, err) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		cube_err_set(err, CUBE_EIO, "%s: %s", out, archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	archive_entry_free(e);
	archive_write_free(w);
	return rc;
}

/* ---- config and manifest ---- */

/* "--entrypoint": a JSON array, or words split on blanks; "" clears. */
static cJSON *argv_json(const char *s, cube_err *err)
{
	if (s[0] == '[') {
		cJSON *a = cJSON_Parse(s);
		const cJSON *x;
		bool ok = cJSON_IsArray(a);
		cJSON_ArrayForEach (x, a)
			ok = ok && cJSON_IsString(x);
		if (!ok) {
			cJSON_Delete(a);
			cube_err_set(err, CUBE_EINVAL, "\"%s\" is not a JSON array of strings", s);
			return NULL;
		}
		return a;
	}
	cJSON *a = cJSON_CreateArray();
	cube_autofree char *dup = strdup(s);
	if (!a || !dup) {
		cJSON_Delete(a);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	char *save = NULL;
	for (char *w = strtok_r(dup, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		cJSON_AddItemToArray(a, cJSON_CreateString(w));
	return a;
}

struct build_opts {
	const char *tag, *from, *entrypoint, *cmd, *workdir, *user, *store, *output;
	cube_flag_list env, expose;
};

static void replace(cJSON *o, const char *k, cJSON *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	if (v)
		cJSON_AddItemToObject(o, k, v);
}

/* The new image's config: the base's (if any) with the flags applied, as a
 * Dockerfile's ENTRYPOINT, CMD, ENV, WORKDIR, USER and EXPOSE would. */
static cJSON *make_config(const struct build_opts *o, const cJSON *base, const char *diff_id,
			  cube_err *err)
{
	cJSON *cfg = base ? cJSON_Duplicate(base, true) : cJSON_CreateObject();
	if (!cfg) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	replace(cfg, "created", NULL);
	replace(cfg, "architecture", cJSON_CreateString("amd64"));
	replace(cfg, "os", cJSON_CreateString("linux"));
	cJSON *c = cJSON_GetObjectItemCaseSensitive(cfg, "config");
	if (!cJSON_IsObject(c)) {
		replace(cfg, "config", cJSON_CreateObject());
		c = cJSON_GetObjectItemCaseSensitive(cfg, "config");
	}
	if (o->entrypoint) {
		cJSON *a = argv_json(o->entrypoint, err);
		if (!a)
			goto fail;
		replace(c, "Entrypoint", cJSON_GetArraySize(a) ? a : (cJSON_Delete(a), NULL));
		if (!o->cmd) /* as Docker: a new ENTRYPOINT drops the base's CMD */
			replace(c, "Cmd", NULL);
	}
	if (o->cmd) {
		cJSON *a = argv_json(o->cmd, err);
		if (!a)
			goto fail;
		replace(c, "Cmd", cJSON_GetArraySize(a) ? a : (cJSON_Delete(a), NULL));
	}
	if (o->env.n) {
		const char **ov = calloc(o->env.n + 1, sizeof(*ov));
		if (!ov) {
			cube_err_set(err, CUBE_ENOMEM, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < o->env.n; i++) {
			if (!strchr(o->env.v[i], '=') || o->env.v[i][0] == '=') {
				free(ov);
				cube_err_set(err, CUBE_EINVAL, "--env \"%s\": want NAME=VALUE",
					     o->env.v[i]);
				goto fail;
			}
			ov[i] = o->env.v[i];
		}
		char **env = cube_oci_env_merge(c, (char *const *)ov, err);
		free(ov);
		if (!env)
			goto fail;
		cJSON *a = cJSON_CreateStringArray((const char *const *)env,
						   (int)cube_oci_strv_len(env));
		cube_oci_strv_free(env);
		replace(c, "Env", a);
	}
	if (o->workdir)
		replace(c, "WorkingDir", cJSON_CreateString(o->workdir));
	if (o->user)
		replace(c, "User", cJSON_CreateString(o->user));
	for (size_t i = 0; i < o->expose.n; i++) {
		cJSON *ports = cJSON_GetObjectItemCaseSensitive(c, "ExposedPorts");
		if (!cJSON_IsObject(ports)) {
			replace(c, "ExposedPorts", cJSON_CreateObject());
			ports = cJSON_GetObjectItemCaseSensitive(c, "ExposedPorts");
		}
		char key[64];
		snprintf(key, sizeof(key), "%s%s", o->expose.v[i],
			 strchr(o->expose.v[i], '/') ? "" : "/tcp");
		replace(ports, key, cJSON_CreateObject());
	}
	cJSON *rootfs = cJSON_GetObjectItemCaseSensitive(cfg, "rootfs");
	if (!cJSON_IsObject(rootfs)) {
		replace(cfg, "rootfs", cJSON_CreateObject());
		rootfs = cJSON_GetObjectItemCaseSensitive(cfg, "rootfs");
	}
	replace(rootfs, "type", cJSON_CreateString("layers"));
	cJSON *ids = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	if (!cJSON_IsArray(ids)) {
		replace(rootfs, "diff_ids", cJSON_CreateArray());
		ids = cJSON_GetObjectItemCaseSensitive(rootfs, "diff_ids");
	}
	cJSON_AddItemToArray(ids, cJSON_CreateString(diff_id));
	cJSON *hist = cJSON_GetObjectItemCaseSensitive(cfg, "history");
	if (!cJSON_IsArray(hist)) {
		replace(cfg, "history", cJSON_CreateArray());
		hist = cJSON_GetObjectItemCaseSensitive(cfg, "history");
	}
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(h, "created_by", "cube image build");
	cJSON_AddItemToArray(hist, h);
	return cfg;
fail:
	cJSON_Delete(cfg);
	return NULL;
}

static cJSON *desc_json(const char *mt, const char *digest, int64_t size)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "mediaType", mt);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

static int read_whole(const char *path, char **out, size_t *len, cube_err *err)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return cube_err_errno(err, errno, "open %s", path);
	char *b = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(b, cap = cap ? cap * 2 : 65536 * 2);
			if (!nb) {
				free(b);
				fclose(f);
				return cube_err_set(err, CUBE_ENOMEM, "out of memory");
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, 65536, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

/* Reads a stored blob as JSON. */
static cJSON *blob_json(cube_imagestore *s, const char *digest, char **raw, size_t *len,
			cube_err *err)
{
	char p[PATH_MAX];
	char *b = NULL;
	size_t n = 0;
	cube_imagestore_blob_path(s, digest, p, sizeof(p));
	if (read_whole(p, &b, &n, err) < 0)
		return NULL;
	cJSON *j = cJSON_ParseWithLength(b, n);
	if (!j)
		cube_err_set(err, CUBE_EINVAL, "blob %s is not JSON", digest);
	if (raw && j) {
		*raw = b;
		*len = n;
	} else {
		free(b);
	}
	return j;
}

/* Builds the image into store s; returns its manifest digest in out. */
static int build(cube_imagestore *s, const char *dir, const struct build_opts *o,
		 char out[CUBE_DIGEST_MAX], cube_err *err)
{
	cube_autojson cJSON *base_cfg = NULL, *manifest = NULL, *cfg = NULL;
	cube_oci_manifest base_m = {0};
	cube_image *base = NULL;
	cube_autofree char *cfg_s = NULL, *m_s = NULL;
	int rc = -1;
	char tar[PATH_MAX], gz[PATH_MAX], diff_id[CUBE_DIGEST_MAX], layer[CUBE_DIGEST_MAX];
	char cfg_dg[CUBE_DIGEST_MAX];
	snprintf(tar, sizeof(tar), "%s/tmp/build-%d.tar", cube_imagestore_root(s), (int)getpid());
	snprintf(gz, sizeof(gz), "%s/tmp/build-%d.tar.gz", cube_imagestore_root(s), (int)getpid());
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cube_err_set(err, CUBE_EINVAL, "%s is not a directory", dir);
		goto out;
	}
	if (o->from) {
		if (!(base = cube_imagestore_get(s, o->from, err))) {
			cube_err_prefix(err, "--from");
			goto out;
		}
		char *raw = NULL;
		size_t len = 0;
		cube_autojson cJSON *bm = blob_json(s, base->manifest, &raw, &len, err);
		int prc = bm ? cube_oci_manifest_parse(raw, len, &base_m, err) : -1;
		free(raw);
		if (prc < 0 || !(base_cfg = blob_json(s, base->id, NULL, NULL, err)))
			goto out;
	}
	if (write_tar(dir, tar, diff_id, err) < 0 || gzip_file(tar, gz, err) < 0)
		goto out;
	unlink(tar);
	if (stat(gz, &st) < 0 || cube_imagestore_add_blob_file(s, gz, NULL, layer, err) < 0)
		goto out;
	if (!(cfg = make_config(o, base_cfg, diff_id, err)))
		goto out;
	cfg_s = cJSON_PrintUnformatted(cfg);
	if (!cfg_s || cube_imagestore_add_blob(s, cfg_s, strlen(cfg_s), cfg_dg, err) < 0)
		goto out;
	manifest = cJSON_CreateObject();
	cJSON_AddNumberToObject(manifest, "schemaVersion", 2);
	cJSON_AddStringToObject(manifest, "mediaType", CUBE_OCI_MT_MANIFEST);
	cJSON_AddItemToObject(manifest, "config",
			      desc_json(CUBE_OCI_MT_CONFIG, cfg_dg, (int64_t)strlen(cfg_s)));
	cJSON *layers = cJSON_AddArrayToObject(manifest, "layers");
	for (size_t i = 0; i < base_m.n_layers; i++)
		cJSON_AddItemToArray(layers,
				     desc_json(base_m.layers[i].media_type, base_m.layers[i].digest,
					       base_m.layers[i].size));
	cJSON_AddItemToArray(layers, desc_json(CUBE_OCI_MT_LAYER_GZIP, layer, st.st_size));
	m_s = cJSON_PrintUnformatted(manifest);
	if (!m_s || cube_imagestore_add_blob(s, m_s, strlen(m_s), out, err) < 0)
		goto out;
	rc = 0;
out:
	unlink(tar);
	unlink(gz);
	cube_oci_manifest_clear(&base_m);
	cube_image_free(base);
	return rc;
}

/* ---- the commands ---- */

static int cmd_build(int argc, char **argv)
{
	const char *prog = "cube image build";
	struct build_opts o = {0};
	const cube_flag flags[] = {
		{"t", CUBE_FLAG_STRING, &o.tag, "the image's name, NAME:TAG (required)"},
		{"tag", CUBE_FLAG_STRING, &o.tag, "same as -t"},
		{"from", CUBE_FLAG_STRING, &o.from,
		 "a base image in --store: its layers and config come first"},
		{"entrypoint", CUBE_FLAG_STRING, &o.entrypoint,
		 "Entrypoint: a JSON array, or words separated by blanks"},
		{"cmd", CUBE_FLAG_STRING, &o.cmd,
		 "Cmd: a JSON array, or words separated by blanks"},
		{"env", CUBE_FLAG_LIST, &o.env, "NAME=VALUE added to Env"},
		{"workdir", CUBE_FLAG_STRING, &o.workdir, "WorkingDir"},
		{"user", CUBE_FLAG_STRING, &o.user, "User"},
		{"expose", CUBE_FLAG_LIST, &o.expose,
		 "a port added to ExposedPorts (8080, 53/udp)"},
		{"store", CUBE_FLAG_STRING, &o.store, "put the image into this image store"},
		{"o", CUBE_FLAG_STRING, &o.output, "write the image as an OCI layout tarball"},
		{"output", CUBE_FLAG_STRING, &o.output, "same as -o"},
		{0},
	};
	const char *pos[1];
	int npos, rc = parse(prog,
			     "Builds a one-layer OCI image from a directory (cube image build DIR "
			     "-t NAME:TAG).",
			     flags, argc, argv, pos, 1, &npos);
	if (rc == 0 && (rc = need(prog, "DIR", npos ? pos[0] : NULL)) == 0 &&
	    (rc = need(prog, "-t NAME:TAG", o.tag)) == 0) {
		cube_imageref r;
		cube_err err = CUBE_ERR_INIT;
		if (cube_imageref_parse(o.tag, &r, &err) < 0 || r.digest[0]) {
			fprintf(stderr, "%s: -t %s: %s\n", prog, o.tag,
				err.msg[0] ? err.msg : "a tag, not a digest");
			rc = 2;
		} else if (!o.store && !o.output) {
			fprintf(stderr, "%s: one of --store or -o is required\n", prog);
			rc = 2;
		} else if (o.from && !o.store) {
			fprintf(stderr, "%s: --from needs --store (where the base image is)\n",
				prog);
			rc = 2;
		}
	}
	if (rc) {
		free(o.env.v);
		free(o.expose.v);
		return rc == 1 ? 0 : rc;
	}
	char scratch[PATH_MAX] = "";
	cube_imagestore *s =
		o.store ? open_store(prog, o.store) : scratch_store(prog, scratch, sizeof(scratch));
	cube_err err = CUBE_ERR_INIT;
	char manifest[CUBE_DIGEST_MAX];
	cube_image *img = NULL;
	rc = 1;
	if (s && build(s, pos[0], &o, manifest, &err) == 0 &&
	    (img = cube_imagestore_commit(s, o.tag, manifest, &err)) &&
	    (!o.output || cube_imagestore_export(s, o.tag, o.output, &err) == 0)) {
		printf("%s %s\n", img->names[cube_oci_strv_len(img->names) - 1], img->manifest);
		rc = 0;
	} else if (s) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	}
	cube_image_free(img);
	cube_imagestore_free(s);
	scratch_remove(scratch);
	free(o.env.v);
	free(o.expose.v);
	return rc;
}

static int cmd_push(int argc, char **argv)
{
	const char *prog = "cube image push";
	const char *from = NULL, *store = NULL, *to = NULL, *user = NULL, *pass = NULL;
	const cube_flag flags[] = {
		{"from", CUBE_FLAG_STRING, &from, "an OCI layout tarball holding the image"},
		{"store", CUBE_FLAG_STRING, &store, "an image store holding the image"},
		{"to", CUBE_FLAG_STRING, &to, "push under this name (default: NAME:TAG)"},
		{"username", CUBE_FLAG_STRING, &user, "registry user (basic auth or token realm)"},
		{"password", CUBE_FLAG_STRING, &pass, "registry password"},
		{0},
	};
	const char *pos[1];
	int npos, rc = parse(prog,
			     "Pushes an image to its registry (cube image push NAME:TAG --from "
			     "FILE|--store DIR).",
			     flags, argc, argv, pos, 1, &npos);
	if (rc == 0)
		rc = need(prog, "NAME:TAG", npos ? pos[0] : NULL);
	if (rc == 0 && !!from == !!store) {
		fprintf(stderr, "%s: exactly one of --from or --store is required\n", prog);
		rc = 2;
	}
	if (rc)
		return rc == 1 ? 0 : rc;
	char scratch[PATH_MAX] = "";
	cube_imagestore *s =
		store ? open_store(prog, store) : scratch_store(prog, scratch, sizeof(scratch));
	cube_err err = CUBE_ERR_INIT;
	cube_registry_auth auth = {.username = user, .password = pass};
	rc = 1;
	if (s && (!from || cube_imagestore_import(s, from, NULL, &err) == 0) &&
	    cube_imagestore_push(s, pos[0], to, &auth, &err) == 0) {
		printf("pushed %s\n", to ? to : pos[0]);
		rc = 0;
	} else if (s) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	}
	cube_imagestore_free(s);
	scratch_remove(scratch);
	return rc;
}

static int cmd_load(int argc, char **argv)
{
	const char *prog = "cube image load";
	const char *store = NULL;
	const cube_flag flags[] = {
		{"store", CUBE_FLAG_STRING, &store, "the node's image store (required)"},
		{0},
	};
	const char *pos[1];
	int npos, rc = parse(prog,
			     "Loads an OCI layout tarball into an image store, as kind load does.",
			     flags, argc, argv, pos, 1, &npos);
	if (rc == 0 && (rc = need(prog, "FILE", npos ? pos[0] : NULL)) == 0)
		rc = need(prog, "--store", store);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_imagestore *s = open_store(prog, store);
	if (!s)
		return 1;
	cube_err err = CUBE_ERR_INIT;
	char **names = NULL;
	rc = 0;
	if (cube_imagestore_import(s, pos[0], &names, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		rc = 1;
	}
	for (size_t i = 0; names && names[i]; i++)
		printf("Loaded image: %s\n", names[i]);
	cube_oci_strv_free(names);
	cube_imagestore_free(s);
	return rc;
}

static int cmd_pull(int argc, char **argv)
{
	const char *prog = "cube image pull";
	const char *store = NULL, *policy = "Always", *user = NULL, *pass = NULL;
	const cube_flag flags[] = {
		{"store", CUBE_FLAG_STRING, &store, "the image store (required)"},
		{"policy", CUBE_FLAG_STRING, &policy, "Always, IfNotPresent or Never"},
		{"username", CUBE_FLAG_STRING, &user, "registry user"},
		{"password", CUBE_FLAG_STRING, &pass, "registry password"},
		{0},
	};
	const char *pos[1];
	int npos, rc = parse(prog, "Pulls an image into an image store.", flags, argc, argv, pos, 1,
			     &npos);
	cube_pull_policy pp = CUBE_PULL_ALWAYS;
	if (rc == 0 && (rc = need(prog, "IMAGE", npos ? pos[0] : NULL)) == 0)
		rc = need(prog, "--store", store);
	if (rc == 0 && cube_pull_policy_parse(policy, &pp) < 0) {
		fprintf(stderr, "%s: invalid --policy \"%s\": Always, IfNotPresent or Never\n",
			prog, policy);
		rc = 2;
	}
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_imagestore *s = open_store(prog, store);
	if (!s)
		return 1;
	cube_err err = CUBE_ERR_INIT;
	cube_registry_auth auth = {.username = user, .password = pass};
	cube_image *img = cube_imagestore_pull(s, pos[0], pp, &auth, &err);
	if (img)
		printf("%s\n", img->names[0]);
	else
		fprintf(stderr, "%s: %s\n", prog, err.msg);
	cube_image_free(img);
	cube_imagestore_free(s);
	return img ? 0 : 1;
}

static void human_size(int64_t b, char *buf, size_t size)
{
	/* crictl's units: decimal, three significant digits */
	static const char *const u[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)b;
	size_t i = 0;
	while (v >= 1000 && i + 1 < CUBE_ARRAY_LEN(u)) {
		v /= 1000;
		i++;
	}
	snprintf(buf, size, v < 10 && i ? "%.2f%s" : v < 100 && i ? "%.1f%s" : "%.0f%s", v, u[i]);
}

static int cmd_ls(int argc, char **argv)
{
	const char *prog = "cube image ls";
	const char *store = NULL;
	bool digests = false;
	const cube_flag flags[] = {
		{"store", CUBE_FLAG_STRING, &store, "the image store (required)"},
		{"digests", CUBE_FLAG_BOOL, &digests, "show the repo digests"},
		{0},
	};
	const char *pos[1];
	int npos, rc = parse(prog, "Lists the images of a store, as crictl images does.", flags,
			     argc, argv, pos, 0, &npos);
	if (rc == 0)
		rc = need(prog, "--store", store);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_imagestore *s = open_store(prog, store);
	if (!s)
		return 1;
	cube_err err = CUBE_ERR_INIT;
	cube_image **v = NULL;
	size_t n = 0;
	if (cube_imagestore_list(s, &v, &n, &err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		cube_imagestore_free(s);
		return 1;
	}
	printf(digests ? "%-40s %-10s %-20s %-13s %s\n" : "%-40s %-10s %-13s %s\n", "IMAGE", "TAG",
	       digests ? "DIGEST" : "IMAGE ID", digests ? "IMAGE ID" : "SIZE",
	       digests ? "SIZE" : "");
	for (size_t i = 0; i < n; i++) {
		char size[32], id[16], dg[16] = "<none>", repo[600] = "";
		human_size(v[i]->size, size, sizeof(size));
		snprintf(id, sizeof(id), "%.13s", cube_digest_hex(v[i]->id));
		bool tagged = false;
		for (size_t k = 0; v[i]->names[k]; k++) {
			const char *at = strchr(v[i]->names[k], '@');
			if (at) {
				snprintf(dg, sizeof(dg), "%.13s", cube_digest_hex(at + 1));
				snprintf(repo, sizeof(repo), "%.*s", (int)(at - v[i]->names[k]),
					 v[i]->names[k]);
			}
		}
		for (size_t k = 0; v[i]->names[k]; k++) {
			cube_imageref r;
			if (strchr(v[i]->names[k], '@') ||
			    cube_imageref_parse(v[i]->names[k], &r, NULL) < 0)
				continue;
			tagged = true;
			char name[600];
			snprintf(name, sizeof(name), "%s/%s", r.domain, r.path);
			if (digests)
				printf("%-40s %-10s %-20s %-13s %s\n", name, r.tag, dg, id, size);
			else
				printf("%-40s %-10s %-13s %s\n", name, r.tag, id, size);
		}
		if (!tagged) {
			if (digests)
				printf("%-40s %-10s %-20s %-13s %s\n", repo, "<none>", dg, id,
				       size);
			else
				printf("%-40s %-10s %-13s %s\n", repo, "<none>", id, size);
		}
	}
	cube_image_list_free(v, n);
	cube_imagestore_free(s);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	const char *prog = "cube image rm";
	const char *store = NULL;
	const cube_flag flags[] = {
		{"store", CUBE_FLAG_STRING, &store, "the image store (required)"},
		{0},
	};
	const char *pos[8];
	int npos, rc = parse(prog, "Removes images from a store (and content no image uses).",
			     flags, argc, argv, pos, 8, &npos);
	if (rc == 0 && (rc = need(prog, "IMAGE", npos ? pos[0] : NULL)) == 0)
		rc = need(prog, "--store", store);
	if (rc)
		return rc == 1 ? 0 : rc;
	cube_imagestore *s = open_store(prog, store);
	if (!s)
		return 1;
	rc = 0;
	for (int i = 0; i < npos; i++) {
		cube_err err = CUBE_ERR_INIT;
		if (cube_imagestore_remove(s, pos[i], &err) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err.msg);
			rc = 1;
		} else {
			printf("Deleted: %s\n", pos[i]);
		}
	}
	cube_imagestore_free(s);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} subs[] = {
	{"build", cmd_build, "build an image from a directory"},
	{"push", cmd_push, "push an image to a registry"},
	{"load", cmd_load, "load an OCI layout tarball into a store"},
	{"pull", cmd_pull, "pull an image into a store"},
	{"ls", cmd_ls, "list the images of a store"},
	{"rm", cmd_rm, "remove images from a store"},
};

int cube_cmd_image(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		FILE *f = argc < 2 ? stderr : stdout;
		fprintf(f, "Usage:\n  cube image COMMAND [args]\n\nCommands:\n");
		for (size_t i = 0; i < CUBE_ARRAY_LEN(subs); i++)
			fprintf(f, "  %-6s %s\n", subs[i].name, subs[i].help);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < CUBE_ARRAY_LEN(subs); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "cube image: unknown command \"%s\"\n", argv[1]);
	return 2;
}
