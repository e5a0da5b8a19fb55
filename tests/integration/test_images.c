/* Integration tests: images end to end against a real registry (Debian's
 * docker-registry on a loopback port).  The test images are built by
 * scripts/images.sh with bin/cube, pushed with `cube image push`, pulled
 * into fresh stores with lib/imagestore, and the web image is run from its
 * unpacked layers (overlayfs, chroot, a network namespace of its own) to
 * check it answers.  Needs root (overlay, namespaces, whiteout devices). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "digest.h"
#include "imagestore.h"
#include "oci.h"
#include "proc.h"
#include "registry.h"
#include "registry_harness.h"

static char out[16384];

static const char *bin_dir(void)
{
	const char *b = getenv("CUBE_BIN_DIR");
	return b && *b ? b : "bin";
}

/* Builds busybox, web:v1 and web:v2 named under `prefix` into store `s`
 * (and as layout tarballs into `o` when not NULL). */
static void build_images(const char *prefix, const char *store, const char *o)
{
	char oflag[700] = "";
	if (o)
		snprintf(oflag, sizeof(oflag), "-o %s", o);
	int rc = cube_test_sh(out, sizeof(out),
			      "bash scripts/images.sh --store %s --prefix '%s' %s --cube %s/cube",
			      store, prefix, oflag, bin_dir());
	cr_assert_eq(rc, 0, "images.sh: %s", out);
}

static void push_all(const cube_test_registry *r, const char *store)
{
	const char *names[] = {"busybox:latest", "web:v1", "web:v2"};
	for (size_t i = 0; i < 3; i++) {
		int rc = cube_test_sh(out, sizeof(out), "%s/cube image push %s/%s --store %s",
				      bin_dir(), r->host, names[i], store);
		cr_assert_eq(rc, 0, "push %s: %s", names[i], out);
	}
}

static char *pathf(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
	snprintf(buf, size, fmt, a, b);
	return buf;
}

static int count_entries(const char *dir)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	cube_test_sh(out, sizeof(out), "%s", cmd);
	return atoi(out);
}

/* ---- running the web image ---- */

static void lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
}

static int dial(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(8080),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	close(fd);
	return -1;
}

#define CLIENTS 16

/* In a child with its own mount and network namespaces: mounts the image's
 * layers with overlayfs, runs its entrypoint chrooted with POD_NAME and
 * NODE_NAME, sends CLIENTS concurrent GET / and writes the bodies to fd. */
static void serve_child(const char *lower, const char *tmp, char **argv, char **env, int fd)
{
	char upper[600], work[600], merged[600], opts[10000];
	snprintf(upper, sizeof(upper), "%s/upper", tmp);
	snprintf(work, sizeof(work), "%s/work", tmp);
	snprintf(merged, sizeof(merged), "%s/merged", tmp);
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("overlay", merged, "overlay", 0, opts) < 0) {
		dprintf(fd, "setup: %s\n", strerror(errno));
		_exit(1);
	}
	lo_up();
	pid_t srv = fork();
	if (srv == 0) {
		if (chroot(merged) < 0 || chdir("/") < 0)
			_exit(126);
		execve(argv[0], argv, env);
		_exit(127);
	}
	int c[CLIENTS];
	c[0] = -1;
	for (int i = 0; i < 100 && c[0] < 0; i++) {
		c[0] = dial();
		if (c[0] < 0)
			usleep(50 * 1000);
	}
	for (int i = 1; i < CLIENTS; i++)
		c[i] = dial();
	static const char req[] = "GET / HTTP/1.0\r\nHost: web\r\n\r\n";
	for (int i = 0; i < CLIENTS; i++)
		if (c[i] >= 0 && write(c[i], req, sizeof(req) - 1) < 0)
			dprintf(fd, "write: %s\n", strerror(errno));
	for (int i = 0; i < CLIENTS; i++) {
		char buf[2048];
		size_t n = 0;
		ssize_t r;
		while (c[i] >= 0 && n < sizeof(buf) - 1 &&
		       (r = read(c[i], buf + n, sizeof(buf) - 1 - n)) > 0)
			n += (size_t)r;
		buf[n] = '\0';
		const char *body = strstr(buf, "\r\n\r\n");
		dprintf(fd, "%s", body ? body + 4 : "no response\n");
		if (c[i] >= 0)
			close(c[i]);
	}
	kill(srv, SIGKILL);
	waitpid(srv, NULL, 0);
	_exit(0);
}

/* Runs image `ref` of store s as a pod named pod on node node would;
 * returns the concatenated response bodies. */
static const char *serve(cube_imagestore *s, const char *ref, const char *pod, const char *node)
{
	cube_err err = CUBE_ERR_INIT;
	cube_image *img = cube_imagestore_get(s, ref, &err);
	cr_assert(img, "%s", err.msg);
	char **dirs = NULL, **argv = NULL;
	cr_assert_eq(cube_imagestore_layer_dirs(s, img, &dirs, &err), 0, "%s", err.msg);
	cr_assert_eq(cube_oci_container_argv(img->config, NULL, NULL, &argv, &err), 0, "%s",
		     err.msg);
	char pn[128], nn[128];
	snprintf(pn, sizeof(pn), "POD_NAME=%s", pod);
	snprintf(nn, sizeof(nn), "NODE_NAME=%s", node);
	char *extra[] = {pn, nn, NULL};
	char **env = cube_oci_env_merge(img->config, extra, &err);
	cr_assert(env);
	char lower[8192] = "";
	for (size_t i = cube_oci_strv_len(dirs); i-- > 0;) /* overlay: topmost first */
		snprintf(lower + strlen(lower), sizeof(lower) - strlen(lower), "%s%s",
			 lower[0] ? ":" : "", dirs[i]);
	char tmp[512], p[700];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "serve"), 0);
	mkdir(pathf(p, sizeof(p), "%s/%s", tmp, "upper"), 0755);
	mkdir(pathf(p, sizeof(p), "%s/%s", tmp, "work"), 0755);
	mkdir(pathf(p, sizeof(p), "%s/%s", tmp, "merged"), 0755);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		serve_child(lower, tmp, argv, env, fds[1]);
	}
	close(fds[1]);
	static char res[8192];
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(res) - 1 && (r = read(fds[0], res + n, sizeof(res) - 1 - n)) > 0)
		n += (size_t)r;
	res[n] = '\0';
	close(fds[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "serve child failed: %s", res);
	cube_test_remove_dir(tmp);
	cube_oci_strv_free(dirs);
	cube_oci_strv_free(argv);
	cube_oci_strv_free(env);
	cube_image_free(img);
	return res;
}

/* ---- tests ---- */

Test(images, build_push_pull_share_layers_and_run, .timeout = 90)
{
	cube_test_registry r;
	cr_assert_eq(cube_test_registry_start(&r, NULL), 0);
	char tmp[512], bstore[600], store[600], prefix[80], ref[200];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "images"), 0);
	pathf(bstore, sizeof(bstore), "%s/%s", tmp, "build");
	pathf(store, sizeof(store), "%s/%s", tmp, "node");
	snprintf(prefix, sizeof(prefix), "%s/", r.host);
	build_images(prefix, bstore, NULL);
	push_all(&r, bstore);

	/* Reproducible: building again gives the same digests. */
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *b = cube_imagestore_open(bstore, &err);
	cr_assert(b, "%s", err.msg);
	snprintf(ref, sizeof(ref), "%s/web:v1", r.host);
	cube_image *built = cube_imagestore_get(b, ref, &err);
	cr_assert(built, "%s", err.msg);
	build_images(prefix, bstore, NULL);
	cube_image *again = cube_imagestore_get(b, ref, &err);
	cr_assert(again, "%s", err.msg);
	cr_expect_str_eq(again->manifest, built->manifest, "rebuild changed the digest");

	cube_imagestore *s = cube_imagestore_open(store, &err);
	cr_assert(s, "%s", err.msg);
	cube_image *v1 = cube_imagestore_pull(s, ref, CUBE_PULL_IF_NOT_PRESENT, NULL, &err);
	cr_assert(v1, "%s", err.msg);
	cr_expect_str_eq(v1->manifest, built->manifest);
	cr_expect_str_eq(v1->id, built->id);
	char want[300];
	snprintf(want, sizeof(want), "%s/web@%s", r.host, built->manifest);
	cr_assert_eq(cube_oci_strv_len(v1->names), 2);
	cr_expect_str_eq(v1->names[0], want, "repo digest first");
	cr_expect_str_eq(v1->names[1], ref);
	cr_expect_gt(v1->size, 500000);
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(v1->config, "Entrypoint");
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(ep, 1)), "httpd");

	snprintf(ref, sizeof(ref), "%s/web:v2", r.host);
	cube_image *v2 = cube_imagestore_pull(s, ref, CUBE_PULL_ALWAYS, NULL, &err);
	cr_assert(v2, "%s", err.msg);
	/* busybox by digest: only its repo digest names it. */
	snprintf(ref, sizeof(ref), "%s/busybox:latest", r.host);
	cube_image *bb_built = cube_imagestore_get(b, ref, &err);
	cr_assert(bb_built);
	snprintf(ref, sizeof(ref), "%s/busybox@%s", r.host, bb_built->manifest);
	cube_image *bb = cube_imagestore_pull(s, ref, CUBE_PULL_IF_NOT_PRESENT, NULL, &err);
	cr_assert(bb, "%s", err.msg);
	cr_assert_eq(cube_oci_strv_len(bb->names), 1);
	cr_expect_str_eq(bb->names[0], ref);

	/* One busybox layer shared by all three; web tops differ. */
	cr_assert_eq(cube_oci_strv_len(v1->layers), 2);
	cr_expect_str_eq(v1->layers[0], bb->layers[0]);
	cr_expect_str_eq(v2->layers[0], bb->layers[0]);
	cr_expect_str_neq(v1->layers[1], v2->layers[1]);
	char p[700];
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "layers/sha256")), 3);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "blobs/sha256")), 9,
		     "3 manifests, 3 configs, 3 layers");
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "tmp")), 0);

	cube_image **list = NULL;
	size_t n = 0;
	cr_assert_eq(cube_imagestore_list(s, &list, &n, &err), 0);
	cr_expect_eq(n, 3);
	cube_image_list_free(list, n);

	/* Both web images answer as the downward API names them. */
	const char *res = serve(s, v1->names[1], "web-7d4b9c-x2z", "node-1");
	cr_expect_eq(cube_test_count_lines(res), CLIENTS, "%s", res);
	cr_expect(cube_test_has_line(res, "web v1 pod=web-7d4b9c-x2z node=node-1"), "%s", res);
	cr_expect(!strstr(res, "no response"), "%s", res);
	res = serve(s, v2->names[1], "web-2", "node-2");
	cr_expect(cube_test_has_line(res, "web v2 pod=web-2 node=node-2"), "%s", res);

	/* Offline: IfNotPresent and Never use the store, Always must ask. */
	cube_test_registry_stop(&r);
	cube_image *x = cube_imagestore_pull(s, v1->names[1], CUBE_PULL_IF_NOT_PRESENT, NULL, &err);
	cr_expect(x, "%s", err.msg);
	cube_image_free(x);
	x = cube_imagestore_pull(s, v1->names[1], CUBE_PULL_NEVER, NULL, &err);
	cr_expect(x, "%s", err.msg);
	cube_image_free(x);
	cr_expect_null(cube_imagestore_pull(s, v1->names[1], CUBE_PULL_ALWAYS, NULL, &err));
	cr_expect_eq(err.code, CUBE_EUNAVAIL, "%s", err.msg);
	cr_expect_null(cube_imagestore_pull(s, "web:v9", CUBE_PULL_NEVER, NULL, &err));
	cr_expect_str_eq(err.msg,
			 "Container image \"web:v9\" is not present with pull policy of Never");

	/* Removing web:v2 frees its own layer, keeps the shared one. */
	cr_assert_eq(cube_imagestore_remove(s, v2->names[1], &err), 0, "%s", err.msg);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "layers/sha256")), 2);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "blobs/sha256")), 6);
	cr_expect_null(cube_imagestore_get(s, v2->names[1], &err));
	cr_expect_eq(err.code, CUBE_ENOTFOUND);

	cube_image_free(v1);
	cube_image_free(v2);
	cube_image_free(bb);
	cube_image_free(bb_built);
	cube_image_free(built);
	cube_image_free(again);
	cube_imagestore_free(s);
	cube_imagestore_free(b);
	cube_test_remove_dir(tmp);
}

Test(images, corrupt_blob_fails_and_leaves_nothing, .timeout = 60)
{
	cube_test_registry r;
	cr_assert_eq(cube_test_registry_start(&r, NULL), 0);
	char tmp[512], bstore[600], store[600], prefix[80], ref[200], p[700];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "images"), 0);
	pathf(bstore, sizeof(bstore), "%s/%s", tmp, "build");
	pathf(store, sizeof(store), "%s/%s", tmp, "node");
	snprintf(prefix, sizeof(prefix), "%s/", r.host);
	build_images(prefix, bstore, NULL);
	push_all(&r, bstore);
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *b = cube_imagestore_open(bstore, &err);
	snprintf(ref, sizeof(ref), "%s/web:v1", r.host);
	cube_image *built = cube_imagestore_get(b, ref, &err);
	cr_assert(built, "%s", err.msg);

	/* Flip one byte of web:v1's top layer in the registry's storage. */
	const char *top = built->layers[1];
	cube_test_registry_blob_file(&r, top, p, sizeof(p));
	int fd = open(p, O_RDWR);
	cr_assert(fd >= 0, "%s: %s", p, strerror(errno));
	char c;
	cr_assert_eq(pread(fd, &c, 1, 100), 1);
	c ^= 0x55;
	cr_assert_eq(pwrite(fd, &c, 1, 100), 1);
	close(fd);

	cube_imagestore *s = cube_imagestore_open(store, &err);
	cr_assert(s);
	cr_expect_null(cube_imagestore_pull(s, ref, CUBE_PULL_ALWAYS, NULL, &err));
	cr_expect_eq(err.code, CUBE_EPROTO);
	cr_expect(strstr(err.msg, "digest mismatch") && strstr(err.msg, top), "%s", err.msg);
	cr_expect(strstr(err.msg, "failed to pull and unpack image") == err.msg, "%s", err.msg);
	/* Nothing of the corrupt layer: no blob, no layer dir, nothing in tmp, no image. */
	char bp[700];
	cube_imagestore_blob_path(s, top, bp, sizeof(bp));
	cr_expect_neq(access(bp, F_OK), 0, "corrupt blob kept");
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "layers/sha256")), 0);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "tmp")), 0);
	cr_expect_null(cube_imagestore_get(s, ref, &err));
	/* The same through the CLI: one line, exit 1. */
	int rc = cube_test_sh(out, sizeof(out), "%s/cube image pull %s --store %s", bin_dir(), ref,
			      store);
	cr_expect_eq(rc, 1);
	cr_expect_eq(cube_test_count_lines(out), 1, "%s", out);
	cr_expect(strstr(out, "digest mismatch"), "%s", out);

	cube_image_free(built);
	cube_imagestore_free(s);
	cube_imagestore_free(b);
	cube_test_registry_stop(&r);
	cube_test_remove_dir(tmp);
}

Test(images, missing_image_and_manifest_list, .timeout = 60)
{
	cube_test_registry r;
	cr_assert_eq(cube_test_registry_start(&r, NULL), 0);
	char tmp[512], bstore[600], store[600], prefix[80], ref[200];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "images"), 0);
	pathf(bstore, sizeof(bstore), "%s/%s", tmp, "build");
	pathf(store, sizeof(store), "%s/%s", tmp, "node");
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *s = cube_imagestore_open(store, &err);
	cr_assert(s);

	snprintf(ref, sizeof(ref), "%s/nope:v1", r.host);
	cr_expect_null(cube_imagestore_pull(s, ref, CUBE_PULL_IF_NOT_PRESENT, NULL, &err));
	cr_expect_eq(err.code, CUBE_ENOTFOUND);
	char want[300];
	snprintf(want, sizeof(want),
		 "failed to pull and unpack image \"%s\": manifest unknown: manifest unknown", ref);
	cr_expect_str_eq(err.msg, want);

	/* A multi-platform tag: an OCI index whose linux/amd64 entry is web:v1. */
	snprintf(prefix, sizeof(prefix), "%s/", r.host);
	build_images(prefix, bstore, NULL);
	int rc = cube_test_sh(out, sizeof(out),
			      "%s/cube image push %s/web:v1 --store %s --to %s/multi:v1", bin_dir(),
			      r.host, bstore, r.host);
	cr_assert_eq(rc, 0, "%s", out);
	rc = cube_test_sh(out, sizeof(out),
			  "%s/cube image push %s/busybox:latest --store %s --to %s/multi:bb",
			  bin_dir(), r.host, bstore, r.host);
	cr_assert_eq(rc, 0, "%s", out);
	cube_imagestore *b = cube_imagestore_open(bstore, &err);
	snprintf(ref, sizeof(ref), "%s/web:v1", r.host);
	cube_image *web = cube_imagestore_get(b, ref, &err);
	snprintf(ref, sizeof(ref), "%s/busybox:latest", r.host);
	cube_image *bb = cube_imagestore_get(b, ref, &err);
	cr_assert(web && bb);
	char wp[700], bp[700];
	struct stat wst, bst;
	cube_imagestore_blob_path(b, web->manifest, wp, sizeof(wp));
	cube_imagestore_blob_path(b, bb->manifest, bp, sizeof(bp));
	cr_assert_eq(stat(wp, &wst), 0);
	cr_assert_eq(stat(bp, &bst), 0);
	char index[2048];
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld,\"platform\":{"
		 "\"architecture\":"
		 "\"arm64\",\"os\":\"linux\"}},"
		 "{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%lld,\"platform\":{"
		 "\"architecture\":"
		 "\"amd64\",\"os\":\"linux\"}}]}",
		 CUBE_OCI_MT_INDEX, CUBE_OCI_MT_MANIFEST, bb->manifest, (long long)bst.st_size,
		 CUBE_OCI_MT_MANIFEST, web->manifest, (long long)wst.st_size);
	cube_registry *reg = cube_registry_new(r.host, NULL, &err);
	cr_assert(reg);
	cr_assert_eq(cube_registry_push_manifest(reg, "multi", "all", CUBE_OCI_MT_INDEX, index,
						 strlen(index), &err),
		     0, "%s", err.msg);
	snprintf(ref, sizeof(ref), "%s/multi:all", r.host);
	cube_image *img = cube_imagestore_pull(s, ref, CUBE_PULL_ALWAYS, NULL, &err);
	cr_assert(img, "%s", err.msg);
	cr_expect_str_eq(img->manifest, web->manifest, "picked linux/amd64");
	char idx_digest[CUBE_DIGEST_MAX];
	cube_digest_bytes(index, strlen(index), idx_digest);
	snprintf(want, sizeof(want), "%s/multi@%s", r.host, idx_digest);
	cr_expect_str_eq(img->names[0], want, "the repo digest is the index's");

	cube_image_free(img);
	cube_image_free(web);
	cube_image_free(bb);
	cube_registry_free(reg);
	cube_imagestore_free(b);
	cube_imagestore_free(s);
	cube_test_registry_stop(&r);
	cube_test_remove_dir(tmp);
}

/* bcrypt (cost 4) of "s3cret", as htpasswd -B makes it. */
#define HTPASSWD "cube:$2b$04$BHkfgCNwoLYwYeBoQRX59.SI6nDvQNzOAfxtQv7oK0kedSfC6so/S\n"

Test(images, basic_auth, .timeout = 60)
{
	cube_test_registry r;
	cr_assert_eq(cube_test_registry_start(&r, HTPASSWD), 0);
	char tmp[512], bstore[600], store[600], prefix[80], ref[200];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "images"), 0);
	pathf(bstore, sizeof(bstore), "%s/%s", tmp, "build");
	pathf(store, sizeof(store), "%s/%s", tmp, "node");
	snprintf(prefix, sizeof(prefix), "%s/", r.host);
	build_images(prefix, bstore, NULL);
	int rc = cube_test_sh(out, sizeof(out), "%s/cube image push %s/web:v1 --store %s",
			      bin_dir(), r.host, bstore);
	cr_expect_eq(rc, 1, "pushed without credentials: %s", out);
	cr_expect(strstr(out, "unauthorized: authentication required"), "%s", out);
	rc = cube_test_sh(
		out, sizeof(out),
		"%s/cube image push %s/web:v1 --store %s --username cube --password s3cret",
		bin_dir(), r.host, bstore);
	if (rc != 0)
		cube_test_print_tail(r.log);
	cr_assert_eq(rc, 0, "%s", out);

	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *s = cube_imagestore_open(store, &err);
	snprintf(ref, sizeof(ref), "%s/web:v1", r.host);
	cr_expect_null(cube_imagestore_pull(s, ref, CUBE_PULL_ALWAYS, NULL, &err));
	cr_expect(strstr(err.msg, "unauthorized"), "%s", err.msg);
	cube_registry_auth bad = {.username = "cube", .password = "wrong"};
	cr_expect_null(cube_imagestore_pull(s, ref, CUBE_PULL_ALWAYS, &bad, &err));
	cr_expect(strstr(err.msg, "unauthorized"), "%s", err.msg);
	cube_registry_auth good = {.username = "cube", .password = "s3cret"};
	cube_image *img = cube_imagestore_pull(s, ref, CUBE_PULL_ALWAYS, &good, &err);
	cr_expect(img, "%s", err.msg);
	cube_image_free(img);
	cube_imagestore_free(s);
	cube_test_registry_stop(&r);
	cube_test_remove_dir(tmp);
}

struct puller {
	cube_imagestore *s;
	const char *ref;
	char manifest[CUBE_DIGEST_MAX];
	char err[CUBE_ERR_MSG_MAX];
};

static void *pull_thread(void *arg)
{
	struct puller *p = arg;
	cube_err err = CUBE_ERR_INIT;
	cube_image *img = cube_imagestore_pull(p->s, p->ref, CUBE_PULL_ALWAYS, NULL, &err);
	if (img)
		memcpy(p->manifest, img->manifest, sizeof(p->manifest));
	else
		memcpy(p->err, err.msg, sizeof(p->err));
	cube_image_free(img);
	return NULL;
}

Test(images, concurrent_pulls_of_one_image, .timeout = 60)
{
	cube_test_registry r;
	cr_assert_eq(cube_test_registry_start(&r, NULL), 0);
	char tmp[512], bstore[600], store[600], prefix[80], ref[200], p[700];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "images"), 0);
	pathf(bstore, sizeof(bstore), "%s/%s", tmp, "build");
	pathf(store, sizeof(store), "%s/%s", tmp, "node");
	snprintf(prefix, sizeof(prefix), "%s/", r.host);
	build_images(prefix, bstore, NULL);
	push_all(&r, bstore);
	snprintf(ref, sizeof(ref), "%s/web:v1", r.host);

	/* Two `cube image pull` processes and four threads, all at once. */
	char cmd[6000];
	snprintf(cmd, sizeof(cmd),
		 "(%s/cube image pull %s --store %s & %s/cube image pull %s --store %s & wait) "
		 ">%s/procs.out 2>&1",
		 bin_dir(), ref, store, bin_dir(), ref, store, tmp);
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *s = cube_imagestore_open(store, &err);
	cr_assert(s);
	pid_t sh = fork();
	if (sh == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	struct puller pl[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		memset(&pl[i], 0, sizeof(pl[i]));
		pl[i].s = s;
		pl[i].ref = ref;
		pthread_create(&th[i], NULL, pull_thread, &pl[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	int st = 0;
	waitpid(sh, &st, 0);
	char procs[2048];
	cube_test_read_file(pathf(p, sizeof(p), "%s/%s", tmp, "procs.out"), procs, sizeof(procs));
	cr_expect(!strstr(procs, "cube image pull:"), "a process failed: %s", procs);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(pl[i].err[0], '\0', "thread %d: %s", i, pl[i].err);
		cr_expect_str_eq(pl[i].manifest, pl[0].manifest);
	}
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "layers/sha256")), 2);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "blobs/sha256")), 4);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "tmp")), 0);
	cube_image **list = NULL;
	size_t n = 0;
	cr_assert_eq(cube_imagestore_list(s, &list, &n, &err), 0);
	cr_expect_eq(n, 1);
	cube_image_list_free(list, n);
	cube_imagestore_free(s);
	cube_test_registry_stop(&r);
	cube_test_remove_dir(tmp);
}

Test(images, load_layout_tarball, .timeout = 60)
{
	char tmp[512], bstore[600], store[600], o[600], p[700];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "images"), 0);
	pathf(bstore, sizeof(bstore), "%s/%s", tmp, "build");
	pathf(store, sizeof(store), "%s/%s", tmp, "node");
	pathf(o, sizeof(o), "%s/%s", tmp, "out");
	mkdir(o, 0755);
	build_images("", bstore, o);
	int rc = cube_test_sh(out, sizeof(out), "%s/cube image load %s/web-v1.tar --store %s",
			      bin_dir(), o, store);
	cr_assert_eq(rc, 0, "%s", out);
	cr_expect(cube_test_has_line(out, "Loaded image: docker.io/library/web:v1"), "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image load %s/busybox.tar --store %s",
			  bin_dir(), o, store);
	cr_assert_eq(rc, 0, "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image ls --store %s", bin_dir(), store);
	cr_assert_eq(rc, 0, "%s", out);
	cr_expect_eq(cube_test_count_lines(out), 3, "%s", out);
	cr_expect(strstr(out, "docker.io/library/web") && strstr(out, " v1 "), "%s", out);
	cr_expect(strstr(out, "docker.io/library/busybox") && strstr(out, " latest "), "%s", out);
	/* The image is usable by its short name, as a pod spec writes it. */
	cube_err err = CUBE_ERR_INIT;
	cube_imagestore *s = cube_imagestore_open(store, &err);
	cube_image *img = cube_imagestore_pull(s, "web:v1", CUBE_PULL_NEVER, NULL, &err);
	cr_assert(img, "%s", err.msg);
	char **dirs = NULL;
	cr_expect_eq(cube_imagestore_layer_dirs(s, img, &dirs, &err), 0, "%s", err.msg);
	cr_expect_eq(cube_oci_strv_len(dirs), 2);
	cube_oci_strv_free(dirs);

	/* A tarball with a tampered blob is refused; nothing of it is kept. */
	char layer_hex[80];
	snprintf(layer_hex, sizeof(layer_hex), "%s", cube_digest_hex(img->layers[1]));
	rc = cube_test_sh(out, sizeof(out),
			  "set -e; cd %s && mkdir bad && cd bad && tar xf ../out/web-v2.tar && "
			  "f=$(ls blobs/sha256 | while read b; do [ $(stat -c %%s blobs/sha256/$b) "
			  "-lt 2000 ] "
			  "|| continue; grep -q layers blobs/sha256/$b && continue; "
			  "grep -q rootfs blobs/sha256/$b && continue; echo $b; done | head -1) && "
			  "chmod u+w blobs/sha256/$f && printf X | dd of=blobs/sha256/$f bs=1 "
			  "seek=20 conv=notrunc 2>/dev/null && "
			  "tar cf ../bad.tar . && echo $f",
			  tmp);
	cr_assert_eq(rc, 0, "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image load %s/bad.tar --store %s", bin_dir(),
			  tmp, store);
	cr_expect_eq(rc, 1, "%s", out);
	cr_expect(strstr(out, "digest mismatch"), "%s", out);
	cr_expect_eq(count_entries(pathf(p, sizeof(p), "%s/%s", store, "tmp")), 0);
	cr_expect_null(cube_imagestore_get(s, "web:v2", &err));
	cube_image_free(img);
	cube_imagestore_free(s);
	cube_test_remove_dir(tmp);
}

Test(images, cli_flags)
{
	int rc = cube_test_sh(out, sizeof(out), "%s/cube image build", bin_dir());
	cr_expect_eq(rc, 2);
	cr_expect_eq(cube_test_count_lines(out), 1, "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image build /tmp -t web:v1 --bogus",
			  bin_dir());
	cr_expect_eq(rc, 2);
	cr_expect(strstr(out, "unknown flag: --bogus"), "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image build /tmp -t Web:v1 -o /dev/null",
			  bin_dir());
	cr_expect_eq(rc, 2);
	cr_expect(strstr(out, "invalid reference format"), "%s", out);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image ls", bin_dir());
	cr_expect_eq(rc, 2);
	cr_expect_str_eq(out, "cube image ls: --store is required\n");
	rc = cube_test_sh(out, sizeof(out),
			  "%s/cube image pull x --store /tmp/x --policy sometimes", bin_dir());
	cr_expect_eq(rc, 2);
	rc = cube_test_sh(out, sizeof(out), "%s/cube frobnicate", bin_dir());
	cr_expect_eq(rc, 2);
	rc = cube_test_sh(out, sizeof(out), "%s/cube image build --help", bin_dir());
	cr_expect_eq(rc, 0);
	cr_expect(strstr(out, "--entrypoint"), "%s", out);
}

/* ---- overlayfs over converted whiteouts ---- */

static void make_layer(const char *path, const char *const *names, const char *const *data,
		       size_t n)
{
	struct archive *w = archive_write_new();
	archive_write_add_filter_gzip(w);
	archive_write_set_format_pax_restricted(w);
	cr_assert_eq(archive_write_open_filename(w, path), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		bool dir = names[i][strlen(names[i]) - 1] == '/';
		size_t len = data[i] ? strlen(data[i]) : 0;
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(e, dir ? 0755 : 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		archive_write_header(w, e);
		if (len)
			archive_write_data(w, data[i], len);
		archive_entry_free(e);
	}
	archive_write_close(w);
	archive_write_free(w);
}

/* What an overlay mount of the unpacked layers shows: the whiteout hides a
 * lower file, the opaque directory hides the lower directory's content. */
Test(images, overlay_honours_converted_whiteouts, .timeout = 30)
{
	char tmp[512], p[700], lower[700], upper[700], merged[700];
	cr_assert_eq(cube_test_temp_dir(tmp, sizeof(tmp), "overlay"), 0);
	pathf(lower, sizeof(lower), "%s/%s", tmp, "l1");
	pathf(upper, sizeof(upper), "%s/%s", tmp, "l2");
	pathf(merged, sizeof(merged), "%s/%s", tmp, "merged");
	mkdir(lower, 0755);
	mkdir(upper, 0755);
	mkdir(merged, 0755);
	const char *n1[] = {"etc/", "etc/passwd", "etc/hosts", "opt/", "opt/old"};
	const char *d1[] = {NULL, "root", "hosts", NULL, "old"};
	const char *n2[] = {"etc/.wh.passwd", "opt/.wh..wh..opq", "opt/new"};
	const char *d2[] = {NULL, NULL, "new"};
	make_layer(pathf(p, sizeof(p), "%s/%s", tmp, "1.tgz"), n1, d1, 5);
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_imagestore_unpack(p, lower, &err), 0, "%s", err.msg);
	make_layer(pathf(p, sizeof(p), "%s/%s", tmp, "2.tgz"), n2, d2, 3);
	cr_assert_eq(cube_imagestore_unpack(p, upper, &err), 0, "%s", err.msg);
	pid_t pid = fork();
	if (pid == 0) {
		char opts[1600];
		snprintf(opts, sizeof(opts), "lowerdir=%s:%s", upper, lower); /* topmost first */
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("overlay", merged, "overlay", MS_RDONLY, opts) < 0)
			_exit(10);
		char q[800];
		int bad = 0;
		snprintf(q, sizeof(q), "%s/etc/passwd", merged);
		bad |= access(q, F_OK) == 0 ? 1 : 0; /* whited out */
		snprintf(q, sizeof(q), "%s/etc/hosts", merged);
		bad |= access(q, F_OK) == 0 ? 0 : 2; /* untouched */
		snprintf(q, sizeof(q), "%s/opt/old", merged);
		bad |= access(q, F_OK) == 0 ? 4 : 0; /* hidden by the opaque dir */
		snprintf(q, sizeof(q), "%s/opt/new", merged);
		bad |= access(q, F_OK) == 0 ? 0 : 8;
		_exit(bad);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	cr_expect(WIFEXITED(st), "child died");
	cr_expect_eq(
		WEXITSTATUS(st), 0,
		"overlay view wrong (10: mount failed; bits 1 whiteout, 2 hosts, 4 opaque, 8 new)");
	cube_test_remove_dir(tmp);
}
