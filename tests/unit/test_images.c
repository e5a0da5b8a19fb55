/* Unit tests: digests, OCI manifest and index parsing, the image config
 * merge rules, WWW-Authenticate challenges and registry error messages,
 * and layer unpacking with OCI whiteouts turned into overlayfs' form (needs
 * root: device nodes and trusted.* xattrs). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "digest.h"
#include "imagestore.h"
#include "oci.h"
#include "registry.h"

/* A fresh directory under $TMPDIR (tests/run.sh gives each run its own). */
static int temp_dir(char *dir, size_t size, const char *prefix)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, size, "%s/%s.XXXXXX", t && *t ? t : "/tmp", prefix);
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_dir(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#define D(c)                                                                                      \
	"sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
		c c c c c c c c c c c c c c c c c c c c c c c c

Test(digest, known_vectors_and_streaming)
{
	char d[CUBE_DIGEST_MAX];
	cube_digest_bytes("", 0, d);
	cr_expect_str_eq(d,
			 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	cube_digest_bytes("abc", 3, d);
	cr_expect_str_eq(d,
			 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cube_sha256 *h = cube_sha256_new(NULL);
	cr_assert(h);
	cube_sha256_update(h, "a", 1);
	cube_sha256_update(h, "bc", 2);
	char s[CUBE_DIGEST_MAX];
	cube_sha256_final(h, s);
	cr_expect_eq(cube_sha256_size(h), 3);
	cube_sha256_free(h);
	cr_expect_str_eq(s, d);
	cr_expect(cube_digest_valid(d));
	cr_expect_str_eq(cube_digest_hex(d), d + 7);
}

Test(digest, validity_and_check)
{
	cr_expect(cube_digest_valid(D("a")));
	cr_expect_not(cube_digest_valid(NULL));
	cr_expect_not(cube_digest_valid("sha256:abc"));
	cr_expect_not(cube_digest_valid(D("A")), "upper case hex is not canonical");
	char sha512[100];
	snprintf(sha512, sizeof(sha512), "sha512:%s", D("a") + 7);
	cr_expect_not(cube_digest_valid(sha512));
	cr_expect_not(cube_digest_valid(D("a") "0"));
	cr_expect_null(cube_digest_hex("md5:00"));
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_digest_check(D("a"), D("a"), &err), 0);
	cr_expect_eq(cube_digest_check(D("a"), D("b"), &err), -1);
	cr_expect_eq(err.code, CUBE_EPROTO);
	cr_expect_str_eq(err.msg, "digest mismatch: expected " D("a") ", got " D("b"));
}

Test(digest, file)
{
	char dir[512], p[600], d[CUBE_DIGEST_MAX];
	cr_assert_eq(temp_dir(dir, sizeof(dir), "digest"), 0);
	snprintf(p, sizeof(p), "%s/f", dir);
	FILE *f = fopen(p, "w");
	fputs("abc", f);
	fclose(f);
	int64_t size = 0;
	cr_assert_eq(cube_digest_file(p, d, &size, NULL), 0);
	cr_expect_eq(size, 3);
	cr_expect_str_eq(d,
			 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	cube_err err = CUBE_ERR_INIT;
	snprintf(p, sizeof(p), "%s/missing", dir);
	cr_expect_eq(cube_digest_file(p, d, NULL, &err), -1);
	cr_expect(strstr(err.msg, "No such file") != NULL, "%s", err.msg);
	remove_dir(dir);
}

static const char manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D(
		"c") "\",\"size\":10},"
		     "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
		     "\"digest\":\"" D(
			     "1") "\",\"size\":100},"
				  "{\"mediaType\":\"application/"
				  "vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D(
					  "2") "\",\"size\":200}]}";

Test(oci, manifest_parse)
{
	cube_oci_manifest m;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_oci_manifest_parse(manifest, strlen(manifest), &m, &err), 0, "%s",
		     err.msg);
	cr_expect_str_eq(m.config.digest, D("c"));
	cr_expect_eq(m.config.size, 10);
	cr_assert_eq(m.n_layers, 2);
	cr_expect_str_eq(m.layers[0].digest, D("1"), "lowest layer first");
	cr_expect_eq(m.layers[1].size, 200);
	cube_oci_manifest_clear(&m);
	cr_expect_eq(cube_oci_kind_of(manifest, strlen(manifest), NULL, NULL),
		     CUBE_OCI_KIND_MANIFEST);
}

Test(oci, manifest_rejects)
{
	const char *bad[] = {
		"not json",
		"{\"schemaVersion\":1,\"fsLayers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:12\",\"size\":1},\"layers\":["
		"]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D(
			"c") "\",\"size\":1},\"layers\":[]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D(
			"c") "\",\"size\":1},\"layers\":[{"
			     "\"mediaType\":\"application/"
			     "vnd.in-toto+json\",\"digest\":"
			     "\"" D("1") "\",\"size\":1}]}",
		"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D(
			"c") "\",\"size\":-1},\"layers\":[]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cube_oci_manifest m;
		cube_err err = CUBE_ERR_INIT;
		cr_expect_eq(cube_oci_manifest_parse(bad[i], strlen(bad[i]), &m, &err), -1, "%s",
			     bad[i]);
		cr_expect_eq(err.code, CUBE_EINVAL);
		cr_expect_null(m.layers);
	}
}

static const char index_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	"\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D(
		"a") "\",\"size\":5,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
		     "{\"mediaType\":\"application/"
		     "vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D(
			     "b") "\",\"size\":7,\"platform\":{\"architecture\":\"amd64\",\"os\":"
				  "\"linux\"}}]}";

Test(oci, index_pick)
{
	cube_oci_desc d;
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_oci_kind_of(index_doc, strlen(index_doc), NULL, NULL),
		     CUBE_OCI_KIND_INDEX);
	cr_assert_eq(cube_oci_index_pick(index_doc, strlen(index_doc), "linux", "amd64", &d, &err),
		     0, "%s", err.msg);
	cr_expect_str_eq(d.digest, D("b"));
	cr_expect_eq(d.size, 7);
	cr_expect_eq(cube_oci_index_pick(index_doc, strlen(index_doc), "linux", "s390x", &d, &err),
		     -1);
	cr_expect_eq(err.code, CUBE_ENOTFOUND);
	cr_expect_str_eq(err.msg,
			 "no matching manifest for linux/s390x in the manifest list entries");
}

Test(oci, kind_from_content_type_and_shape)
{
	const char *list = "{\"schemaVersion\":2,\"manifests\":[]}";
	cr_expect_eq(cube_oci_kind_of(list, strlen(list),
				      "application/vnd.docker.distribution.manifest.list.v2+json",
				      NULL),
		     CUBE_OCI_KIND_INDEX);
	cr_expect_eq(cube_oci_kind_of(list, strlen(list), NULL, NULL), CUBE_OCI_KIND_INDEX);
	cube_err err = CUBE_ERR_INIT;
	const char *v1 = "{\"schemaVersion\":1}";
	cr_expect_eq(cube_oci_kind_of(v1, strlen(v1),
				      "application/vnd.docker.distribution.manifest.v1+prettyjws",
				      &err),
		     -1);
	cr_expect(strstr(err.msg, "unsupported manifest media type") != NULL, "%s", err.msg);
}

static char *argv_str(const char *cfg, const char *cmd, const char *args)
{
	cJSON *c = cfg ? cJSON_Parse(cfg) : NULL;
	cJSON *a = cmd ? cJSON_Parse(cmd) : NULL;
	cJSON *b = args ? cJSON_Parse(args) : NULL;
	char **v = NULL;
	cube_err err = CUBE_ERR_INIT;
	static char buf[600];
	if (cube_oci_container_argv(c, a, b, &v, &err) < 0)
		snprintf(buf, sizeof(buf), "error: %s", err.msg);
	else {
		buf[0] = '\0';
		for (size_t i = 0; v[i]; i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
				 v[i]);
	}
	cube_oci_strv_free(v);
	cJSON_Delete(c);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return buf;
}

Test(oci, container_argv_as_kubernetes)
{
	const char *img = "{\"Entrypoint\":[\"/ep\",\"-x\"],\"Cmd\":[\"c1\",\"c2\"]}";
	cr_expect_str_eq(argv_str(img, NULL, NULL), "/ep -x c1 c2");
	cr_expect_str_eq(argv_str(img, "[\"/bin/sh\"]", NULL), "/bin/sh", "command drops Cmd");
	cr_expect_str_eq(argv_str(img, "[\"/bin/sh\"]", "[\"-c\",\"x\"]"), "/bin/sh -c x");
	cr_expect_str_eq(argv_str(img, NULL, "[\"a\"]"), "/ep -x a", "args replace Cmd");
	cr_expect_str_eq(argv_str(img, "[]", "[]"), "/ep -x c1 c2", "empty arrays are unset");
	cr_expect_str_eq(argv_str("{\"Cmd\":[\"sh\"]}", NULL, NULL), "sh");
	cr_expect_str_eq(argv_str("{}", NULL, NULL), "error: no command specified");
	cr_expect_str_eq(argv_str(NULL, NULL, "[\"x\"]"), "x");
}

Test(oci, env_merge_and_strings)
{
	cJSON *c = cJSON_Parse("{\"Env\":[\"PATH=/bin\",\"A=1\"],\"WorkingDir\":\"/w\"}");
	char *ov[] = {"A=2", "B=3", NULL};
	char **env = cube_oci_env_merge(c, ov, NULL);
	cr_assert(env);
	cr_assert_eq(cube_oci_strv_len(env), 3);
	cr_expect_str_eq(env[0], "PATH=/bin");
	cr_expect_str_eq(env[1], "A=2", "replaced in place");
	cr_expect_str_eq(env[2], "B=3");
	cube_oci_strv_free(env);
	cr_expect_str_eq(cube_oci_config_string(c, "WorkingDir"), "/w");
	cr_expect_str_eq(cube_oci_config_string(c, "User"), "");
	cJSON_Delete(c);
}

Test(registry, challenge_parse)
{
	cube_registry_challenge c;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(
		cube_registry_parse_challenge(
			"Bearer "
			"realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			"scope=\"repository:library/nginx:pull\"",
			&c, &err),
		0, "%s", err.msg);
	cr_expect_str_eq(c.scheme, "Bearer");
	cr_expect_str_eq(c.realm, "https://auth.docker.io/token");
	cr_expect_str_eq(c.service, "registry.docker.io");
	cr_expect_str_eq(c.scope, "repository:library/nginx:pull");
	cr_assert_eq(cube_registry_parse_challenge("Basic realm=\"basic-realm\"", &c, &err), 0);
	cr_expect_str_eq(c.scheme, "Basic");
	cr_expect_str_eq(c.realm, "basic-realm");
	cr_expect_str_eq(c.scope, "");
	cr_assert_eq(cube_registry_parse_challenge(
			     "Bearer realm=\"a\\\"b\", error=\"insufficient_scope\", scope=x:y", &c,
			     &err),
		     0, "%s", err.msg);
	cr_expect_str_eq(c.realm, "a\"b");
	cr_expect_str_eq(c.scope, "x:y");
	cr_expect_eq(cube_registry_parse_challenge("Bearer realm=\"open", &c, &err), -1);
	cr_expect_eq(cube_registry_parse_challenge("", &c, &err), -1);
	cr_expect_eq(cube_registry_parse_challenge("Bearer =x", &c, &err), -1);
	cr_expect_eq(cube_registry_parse_challenge(NULL, &c, &err), -1);
}

Test(registry, error_messages)
{
	char buf[256];
	const char *j = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			"unknown\",\"detail\":{\"Tag\":\"v9\"}},{\"code\":\"UNAUTHORIZED\","
			"\"message\":\"authentication required\"}]}";
	cube_registry_error_message(404, j, strlen(j), buf, sizeof(buf));
	cr_expect_str_eq(buf, "manifest unknown: manifest unknown; unauthorized: authentication "
			      "required");
	cube_registry_error_message(502, "Bad Gateway\n", 12, buf, sizeof(buf));
	cr_expect_str_eq(buf, "HTTP 502: Bad Gateway");
	cube_registry_error_message(500, NULL, 0, buf, sizeof(buf));
	cr_expect_str_eq(buf, "HTTP 500");
	cube_registry_error_message(404, j, strlen(j), buf, 10);
	cr_expect_eq(strlen(buf) < 10, 1);
	cr_expect(cube_registry_is_loopback("localhost:5000"));
	cr_expect(cube_registry_is_loopback("127.0.0.1:41000"));
	cr_expect(cube_registry_is_loopback("[::1]:5000"));
	cr_expect_not(cube_registry_is_loopback("registry.k8s.io"));
	cr_expect_not(cube_registry_is_loopback("localhost.example.com"));
}

Test(registry, insecure_registries_from_the_environment)
{
	unsetenv("CUBE_INSECURE_REGISTRIES");
	cr_expect(cube_registry_is_insecure("127.0.0.1:5000"));
	cr_expect_not(cube_registry_is_insecure("172.30.0.1:5000"));
	setenv("CUBE_INSECURE_REGISTRIES", "10.0.0.1:5000, 172.30.0.1:5000", 1);
	cr_expect(cube_registry_is_insecure("172.30.0.1:5000"));
	cr_expect(cube_registry_is_insecure("10.0.0.1:5000"));
	cr_expect_not(cube_registry_is_insecure("172.30.0.1"));	      /* the port is part of it */
	cr_expect_not(cube_registry_is_insecure("172.30.0.1:50000")); /* no prefix match */
	cr_expect_not(cube_registry_is_insecure("registry.k8s.io"));
	unsetenv("CUBE_INSECURE_REGISTRIES");
}

Test(registry, pull_policy_names)
{
	cube_pull_policy p;
	cr_expect_eq(cube_pull_policy_parse("Always", &p), 0);
	cr_expect_eq(p, CUBE_PULL_ALWAYS);
	cr_expect_eq(cube_pull_policy_parse("IfNotPresent", &p), 0);
	cr_expect_eq(p, CUBE_PULL_IF_NOT_PRESENT);
	cr_expect_eq(cube_pull_policy_parse("Never", &p), 0);
	cr_expect_eq(p, CUBE_PULL_NEVER);
	cr_expect_eq(cube_pull_policy_parse("always", &p), -1);
	cr_expect_eq(cube_pull_policy_parse(NULL, &p), -1);
}

/* ---- layers ---- */

struct member {
	const char *name;
	int type; /* AE_IFREG, AE_IFDIR, AE_IFLNK */
	const char *data_or_target;
};

static void make_tar(const char *path, const struct member *m, size_t n)
{
	struct archive *w = archive_write_new();
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	cr_assert_eq(archive_write_open_filename(w, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, (unsigned)m[i].type);
		archive_entry_set_perm(e, m[i].type == AE_IFDIR ? 0755 : 0644);
		size_t len = m[i].type == AE_IFREG && m[i].data_or_target
				     ? strlen(m[i].data_or_target)
				     : 0;
		if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, m[i].data_or_target);
		archive_entry_set_size(e, (la_int64_t)len);
		cr_assert_eq(archive_write_header(w, e), ARCHIVE_OK);
		if (len)
			archive_write_data(w, m[i].data_or_target, len);
		archive_entry_free(e);
	}
	archive_write_close(w);
	archive_write_free(w);
}

Test(layers, whiteouts_become_overlay_whiteouts)
{
	char dir[512], tar[600], dest[600], p[700];
	cr_assert_eq(temp_dir(dir, sizeof(dir), "layers"), 0);
	snprintf(tar, sizeof(tar), "%s/l.tar.gz", dir);
	snprintf(dest, sizeof(dest), "%s/out", dir);
	mkdir(dest, 0755);
	const struct member m[] = {
		{"./", AE_IFDIR, NULL},
		{"./etc/", AE_IFDIR, NULL},
		{"./etc/hosts", AE_IFREG, "127.0.0.1 x\n"},
		{"./etc/.wh.passwd", AE_IFREG, NULL},
		{"./opt/", AE_IFDIR, NULL},
		{"./opt/.wh..wh..opq", AE_IFREG, NULL},
		{"./opt/new", AE_IFREG, "n"},
		{"./gone/.wh.deep", AE_IFREG, NULL},
		{"bin/sh", AE_IFLNK, "/bin/busybox"},
	};
	make_tar(tar, m, sizeof(m) / sizeof(m[0]));
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_imagestore_unpack(tar, dest, &err), 0, "%s", err.msg);
	struct stat st;
	snprintf(p, sizeof(p), "%s/etc/passwd", dest);
	cr_assert_eq(lstat(p, &st), 0, "whiteout device missing");
	cr_expect(S_ISCHR(st.st_mode));
	cr_expect_eq(st.st_rdev, makedev(0, 0));
	snprintf(p, sizeof(p), "%s/etc/.wh.passwd", dest);
	cr_expect_neq(lstat(p, &st), 0, "the .wh. file itself is not content");
	snprintf(p, sizeof(p), "%s/opt", dest);
	char v[8] = "";
	cr_expect_eq(lgetxattr(p, "trusted.overlay.opaque", v, sizeof(v)), 1);
	cr_expect_eq(v[0], 'y');
	snprintf(p, sizeof(p), "%s/opt/new", dest);
	cr_expect_eq(lstat(p, &st), 0, "an opaque dir keeps its own layer's files");
	snprintf(p, sizeof(p), "%s/opt/.wh..wh..opq", dest);
	cr_expect_neq(lstat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/gone/deep", dest);
	cr_expect_eq(lstat(p, &st), 0, "a whiteout in a directory the layer did not list");
	snprintf(p, sizeof(p), "%s/bin/sh", dest);
	cr_expect_eq(lstat(p, &st), 0);
	cr_expect(S_ISLNK(st.st_mode));
	remove_dir(dir);
}

Test(layers, refuses_escapes)
{
	char dir[512], tar[600], dest[600], p[700];
	cr_assert_eq(temp_dir(dir, sizeof(dir), "layers"), 0);
	snprintf(tar, sizeof(tar), "%s/l.tar.gz", dir);
	snprintf(dest, sizeof(dest), "%s/out", dir);
	mkdir(dest, 0755);
	struct member dots[] = {{"a/../../escaped", AE_IFREG, "x"}};
	make_tar(tar, dots, 1);
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(cube_imagestore_unpack(tar, dest, &err), -1);
	cr_expect(strstr(err.msg, "refusing") != NULL, "%s", err.msg);
	snprintf(p, sizeof(p), "%s/escaped", dir);
	cr_expect_neq(access(p, F_OK), 0);

	/* Through a symlink the layer planted: neither a file nor a whiteout. */
	char outside[600];
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	mkdir(outside, 0755);
	struct member link_file[] = {{"l", AE_IFLNK, outside}, {"l/f", AE_IFREG, "x"}};
	make_tar(tar, link_file, 2);
	/* libarchive (SECURE_SYMLINKS with UNLINK) replaces the link by a
	 * directory: either that or a refusal is fine, an escape is not. */
	cube_imagestore_unpack(tar, dest, &err);
	snprintf(p, sizeof(p), "%s/f", outside);
	cr_expect_neq(access(p, F_OK), 0, "wrote through a symlink");
	struct member link_wh[] = {{"m", AE_IFLNK, outside}, {"m/.wh.x", AE_IFREG, NULL}};
	make_tar(tar, link_wh, 2);
	cr_expect_eq(cube_imagestore_unpack(tar, dest, &err), -1);
	snprintf(p, sizeof(p), "%s/x", outside);
	cr_expect_neq(access(p, F_OK), 0, "whiteout through a symlink");

	/* Not a tarball at all. */
	FILE *f = fopen(tar, "w");
	fputs("garbage garbage garbage", f);
	fclose(f);
	cr_expect_eq(cube_imagestore_unpack(tar, dest, &err), -1);
	remove_dir(dir);
}
