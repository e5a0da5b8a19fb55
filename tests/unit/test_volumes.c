/* test_volumes.c - the pure parts of the cubelet's volumes (kubelet/
 * volumes.h) and of the environment from ConfigMaps and Secrets
 * (ocispec_env_from): which files a configMap or secret volume holds (keys,
 * items, modes, optional, Kubernetes' messages), the hostPath type check,
 * the atomic writer's layout and updates (in a temporary directory), and
 * env / envFrom resolution with the kubelet's errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "kubelet/ocispec.h"
#include "kubelet/volumes.h"
#include "oci.h"

static cJSON *parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad JSON %s", s);
	return o;
}

static const volumes_file *file_of(const volumes_payload *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->files[i].path, path))
			return &p->files[i];
	return NULL;
}

static const char cm_json[] = "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
			      "\"namespace\":\"default\"},\"data\":{\"a\":\"one\",\"b\":\"two\"},"
			      "\"binaryData\":{\"bin\":\"AAEC\"}}";

Test(volumes, every_key_with_the_default_mode)
{
	cJSON *cm = parse(cm_json);
	cJSON *src = parse("{\"name\":\"cfg\"}");
	volumes_payload p;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(volumes_make_payload(src, cm, false, &p, &err), 0, "%s", err.msg);
	cr_expect_eq(p.n, 3);
	const volumes_file *a = file_of(&p, "a"), *bin = file_of(&p, "bin");
	cr_assert(a && bin);
	cr_expect_eq(a->len, 3);
	cr_expect(!memcmp(a->data, "one", 3));
	cr_expect_eq(a->mode, 0644);
	cr_expect_eq(bin->len, 3);
	cr_expect(!memcmp(bin->data, "\0\1\2", 3), "binaryData is decoded");
	volumes_payload_free(&p);
	cJSON_Delete(src);
	cJSON_Delete(cm);
}

Test(volumes, items_map_keys_to_paths_and_modes)
{
	cJSON *cm = parse(cm_json);
	cJSON *src = parse("{\"name\":\"cfg\",\"defaultMode\":384,\"items\":["
			   "{\"key\":\"a\",\"path\":\"dir/a.txt\",\"mode\":256},"
			   "{\"key\":\"b\",\"path\":\"b\"}]}");
	volumes_payload p;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(volumes_make_payload(src, cm, false, &p, &err), 0, "%s", err.msg);
	cr_expect_eq(p.n, 2);
	cr_expect_eq(file_of(&p, "dir/a.txt")->mode, 0400);
	cr_expect_eq(file_of(&p, "b")->mode, 0600);
	cr_expect_null(file_of(&p, "a"));
	volumes_payload_free(&p);
	cJSON_Delete(src);
	/* a missing key: Kubernetes' message, unless optional */
	src = parse("{\"name\":\"cfg\",\"items\":[{\"key\":\"zz\",\"path\":\"z\"}]}");
	cr_expect_eq(volumes_make_payload(src, cm, false, &p, &err), -1);
	cr_expect_str_eq(err.msg, "configmap references non-existent config key: zz");
	cJSON_Delete(src);
	src = parse("{\"name\":\"cfg\",\"optional\":true,\"items\":[{\"key\":\"zz\",\"path\":"
		    "\"z\"},{\"key\":\"a\",\"path\":\"a\"}]}");
	cr_expect_eq(volumes_make_payload(src, cm, false, &p, &err), 0);
	cr_expect_eq(p.n, 1);
	volumes_payload_free(&p);
	cJSON_Delete(src);
	/* paths that would leave the volume */
	static const char *const bad[] = {"../x", "/abs", "a/../../x", "..data", NULL};
	for (size_t i = 0; bad[i]; i++) {
		char s[256];
		snprintf(s, sizeof(s),
			 "{\"name\":\"cfg\",\"items\":[{\"key\":\"a\",\"path\":\"%s\"}]}", bad[i]);
		src = parse(s);
		cube_err_clear(&err);
		cr_expect_eq(volumes_make_payload(src, cm, false, &p, &err), -1, "%s", bad[i]);
		cr_expect_eq(err.code, CUBE_EINVAL);
		cJSON_Delete(src);
	}
	cJSON_Delete(cm);
}

Test(volumes, missing_objects_and_secrets)
{
	volumes_payload p;
	cube_err err = CUBE_ERR_INIT;
	cJSON *src = parse("{\"name\":\"nope\"}");
	cr_expect_eq(volumes_make_payload(src, NULL, false, &p, &err), -1);
	cr_expect_str_eq(err.msg, "configmap \"nope\" not found");
	cr_expect_eq(err.code, CUBE_ENOTFOUND);
	cJSON_Delete(src);
	src = parse("{\"secretName\":\"s\",\"optional\":true}");
	cr_expect_eq(volumes_make_payload(src, NULL, true, &p, &err), 0);
	cr_expect_eq(p.n, 0);
	cJSON_Delete(src);
	src = parse("{\"secretName\":\"s\"}");
	cube_err_clear(&err);
	cr_expect_eq(volumes_make_payload(src, NULL, true, &p, &err), -1);
	cr_expect_str_eq(err.msg, "secret \"s\" not found");
	cJSON *sec = parse("{\"data\":{\"user\":\"YWRtaW4=\",\"bad\":\"!!\"}}");
	cube_err_clear(&err);
	cr_expect_eq(volumes_make_payload(src, sec, true, &p, &err), -1, "bad base64");
	cr_expect_eq(err.code, CUBE_EINVAL);
	cJSON_Delete(src);
	src = parse("{\"secretName\":\"s\",\"defaultMode\":256,\"items\":[{\"key\":\"user\","
		    "\"path\":\"u\"}]}");
	cr_assert_eq(volumes_make_payload(src, sec, true, &p, &err), 0, "%s", err.msg);
	cr_expect_eq(p.files[0].len, 5);
	cr_expect(!memcmp(p.files[0].data, "admin", 5));
	cr_expect_eq(p.files[0].mode, 0400);
	volumes_payload_free(&p);
	cJSON_Delete(src);
	src = parse("{\"secretName\":\"s\",\"items\":[{\"key\":\"nokey\",\"path\":\"u\"}]}");
	cr_expect_eq(volumes_make_payload(src, sec, true, &p, &err), -1);
	cr_expect_str_eq(err.msg, "secret references non-existent secret key: nokey");
	cJSON_Delete(src);
	cJSON_Delete(sec);
}

Test(volumes, timestamped_directory_names)
{
	char buf[64];
	volumes_ts_dir_name(1700000000, 42, buf, sizeof(buf)); /* 2023-11-14 22:13:20 UTC */
	cr_expect_str_eq(buf, "..2023_11_14_22_13_20.42");
}

Test(volumes, host_path_type_checks)
{
	static struct stat dir = {.st_mode = S_IFDIR | 0755}, reg = {.st_mode = S_IFREG | 0644},
			   sock = {.st_mode = S_IFSOCK | 0755};
	cube_err err = CUBE_ERR_INIT;
	cr_expect_eq(volumes_hostpath_check("/p", "", NULL, &err), 1);
	cr_expect_eq(volumes_hostpath_check("/p", NULL, &reg, &err), 0);
	cr_expect_eq(volumes_hostpath_check("/p", "DirectoryOrCreate", NULL, &err), 1);
	cr_expect_eq(volumes_hostpath_check("/p", "DirectoryOrCreate", &dir, &err), 0);
	cr_expect_eq(volumes_hostpath_check("/p", "FileOrCreate", NULL, &err), 2);
	cr_expect_eq(volumes_hostpath_check("/p", "File", &reg, &err), 0);
	cr_expect_eq(volumes_hostpath_check("/p", "Socket", &sock, &err), 0);
	const struct {
		const char *type;
		const struct stat *st;
		const char *msg;
	} fails[] = {
		{"Directory", NULL, "hostPath type check failed: /p is not a directory"},
		{"Directory", &reg, "hostPath type check failed: /p is not a directory"},
		{"DirectoryOrCreate", &reg, "hostPath type check failed: /p is not a directory"},
		{"File", NULL, "hostPath type check failed: /p is not a file"},
		{"FileOrCreate", &dir, "hostPath type check failed: /p is not a file"},
		{"Socket", &reg, "hostPath type check failed: /p is not a socket file"},
		{"CharDevice", &reg, "hostPath type check failed: /p is not a character device"},
		{"BlockDevice", NULL, "hostPath type check failed: /p is not a block device"},
		{"Nope", &dir, "Nope is an invalid volume type"},
	};
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		cube_err_clear(&err);
		cr_expect_eq(volumes_hostpath_check("/p", fails[i].type, fails[i].st, &err), -1);
		cr_expect_str_eq(err.msg, fails[i].msg);
	}
}

static void read_in(const char *dir, const char *name, char *buf, size_t size)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	buf[0] = '\0';
	if (f) {
		size_t n = fread(buf, 1, size - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
}

static int count_ts_dirs(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "ls -a %s | grep -c '^\\.\\.2'", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

Test(volumes, the_atomic_writer_layout_and_updates)
{
	char dir[] = "/tmp/cube-unit-volumes.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cJSON *src = parse("{\"name\":\"cfg\",\"items\":[{\"key\":\"a\",\"path\":\"a\"},"
			   "{\"key\":\"b\",\"path\":\"sub/b\",\"mode\":384}]}");
	cJSON *cm = parse(cm_json);
	volumes_payload p;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(volumes_make_payload(src, cm, false, &p, &err), 0);
	cr_expect_eq(volumes_atomic_write(dir, &p, &err), 1, "%s", err.msg);
	char buf[256], path[1024];
	read_in(dir, "a", buf, sizeof(buf));
	cr_expect_str_eq(buf, "one");
	read_in(dir, "sub/b", buf, sizeof(buf));
	cr_expect_str_eq(buf, "two");
	snprintf(path, sizeof(path), "%s/a", dir);
	ssize_t l = readlink(path, buf, sizeof(buf) - 1);
	cr_assert_gt(l, 0);
	buf[l] = '\0';
	cr_expect_str_eq(buf, "..data/a");
	snprintf(path, sizeof(path), "%s/..data", dir);
	l = readlink(path, buf, sizeof(buf) - 1);
	cr_assert_gt(l, 0);
	buf[l] = '\0';
	cr_expect(!strncmp(buf, "..20", 4), "..data -> %s", buf);
	struct stat st;
	snprintf(path, sizeof(path), "%s/sub/b", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600);
	/* the same again: nothing written */
	cr_expect_eq(volumes_atomic_write(dir, &p, &err), 0);
	cr_expect_eq(count_ts_dirs(dir), 1);
	volumes_payload_free(&p);
	cJSON_Delete(src);
	/* a new set: a gone, c new, one timestamped directory left */
	cJSON_Delete(cm);
	cm = parse("{\"data\":{\"b\":\"deux\",\"c\":\"trois\"}}");
	src = parse("{\"name\":\"cfg\"}");
	cr_assert_eq(volumes_make_payload(src, cm, false, &p, &err), 0);
	cr_expect_eq(volumes_atomic_write(dir, &p, &err), 1, "%s", err.msg);
	read_in(dir, "c", buf, sizeof(buf));
	cr_expect_str_eq(buf, "trois");
	read_in(dir, "b", buf, sizeof(buf));
	cr_expect_str_eq(buf, "deux");
	snprintf(path, sizeof(path), "%s/a", dir);
	cr_expect_neq(lstat(path, &st), 0, "a is gone");
	snprintf(path, sizeof(path), "%s/sub", dir);
	cr_expect_neq(lstat(path, &st), 0, "sub is gone");
	cr_expect_eq(count_ts_dirs(dir), 1);
	/* a mode change alone is a change */
	p.files[0].mode = 0400;
	cr_expect_eq(volumes_atomic_write(dir, &p, &err), 1);
	volumes_payload_free(&p);
	cJSON_Delete(src);
	cJSON_Delete(cm);
	cube_rm_rf(dir);
}

/* ---- the environment ---- */

static const cJSON *objs[2]; /* [0] the ConfigMap "cm", [1] the Secret "sec" */

static const cJSON *get(void *ud, bool secret, const char *name)
{
	(void)ud;
	if (secret)
		return !strcmp(name, "sec") ? objs[1] : NULL;
	return !strcmp(name, "cm") ? objs[0] : NULL;
}

static char *env_err(const char *container, const char *want_msg)
{
	cJSON *pod = parse("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns1\"}}");
	cJSON *c = parse(container);
	ocispec_lookup lk = {.get = get};
	cube_err err = CUBE_ERR_INIT;
	char **env = ocispec_env_from(pod, c, "", "", &lk, &err);
	char *joined = NULL;
	if (env) {
		size_t len = 1;
		for (size_t i = 0; env[i]; i++)
			len += strlen(env[i]) + 1;
		joined = calloc(1, len);
		for (size_t i = 0; env[i]; i++) {
			strcat(joined, env[i]);
			strcat(joined, ";");
		}
		cube_oci_strv_free(env);
	} else {
		cr_expect_str_eq(err.msg, want_msg ? want_msg : "(no error expected)");
	}
	cJSON_Delete(c);
	cJSON_Delete(pod);
	return joined;
}

Test(volumes, env_from_config_maps_and_secrets)
{
	cJSON *cm = parse("{\"data\":{\"A\":\"1\",\"B\":\"2\",\"bad key\":\"x\",\"3x\":\"y\"}}");
	cJSON *sec = parse("{\"data\":{\"P\":\"cHc=\",\"9bad\":\"eA==\"}}");
	objs[0] = cm;
	objs[1] = sec;
	char *e = env_err(
		"{\"envFrom\":[{\"configMapRef\":{\"name\":\"cm\"},\"prefix\":\"CM_\"},"
		"{\"secretRef\":{\"name\":\"sec\"}},{\"configMapRef\":{\"name\":\"no\","
		"\"optional\":true}}],"
		"\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cm\","
		"\"key\":\"A\"}}},{\"name\":\"Y\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"
		"\"sec\","
		"\"key\":\"P\"}}},{\"name\":\"Z\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
		"\"cm\",\"key\":\"none\",\"optional\":true}}},{\"name\":\"CM_B\",\"value\":"
		"\"$(X)-$(P)\"}]}",
		NULL);
	/* envFrom first (invalid names skipped), env after, a name only once */
	cr_expect_str_eq(e, "CM_A=1;CM_B=1-pw;CM_3x=y;P=pw;X=1;Y=pw;");
	free(e);
	e = env_err("{\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
		    "\"cm\",\"key\":\"none\"}}}]}",
		    "couldn't find key none in ConfigMap ns1/cm");
	cr_expect_null(e);
	e = env_err("{\"env\":[{\"name\":\"X\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"
		    "\"sec\",\"key\":\"none\"}}}]}",
		    "couldn't find key none in Secret ns1/sec");
	cr_expect_null(e);
	e = env_err("{\"env\":[{\"name\":\"X\",\"valueFrom\":{\"configMapKeyRef\":{\"name\":"
		    "\"x\",\"key\":\"k\"}}}]}",
		    "configmap \"x\" not found");
	cr_expect_null(e);
	e = env_err("{\"envFrom\":[{\"secretRef\":{\"name\":\"x\"}}]}", "secret \"x\" not found");
	cr_expect_null(e);
	e = env_err("{\"env\":[{\"name\":\"X\",\"valueFrom\":{\"secretKeyRef\":{\"name\":"
		    "\"x\",\"key\":\"k\",\"optional\":true}}}]}",
		    NULL);
	cr_expect_str_eq(e, "");
	free(e);
	cJSON_Delete(cm);
	cJSON_Delete(sec);
}

/* ---- mounts ---- */

static const cJSON *mount_to(const cJSON *mounts, const char *dst)
{
	const cJSON *m;
	cJSON_ArrayForEach (m, mounts) {
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(m, "destination"));
		if (d && !strcmp(d, dst))
			return m;
	}
	return NULL;
}

static const char *opt3(const cJSON *m)
{
	return cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "options"), 2));
}

Test(volumes, mounts_of_a_container)
{
	char dir[] = "/tmp/cube-unit-mounts.XXXXXX", path[1024];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/volumes/kubernetes.io~empty-dir/data", dir);
	cr_assert_eq(cube_mkdir_p(path, 0777), 0);
	snprintf(path, sizeof(path), "%s/volumes/kubernetes.io~empty-dir/data/link", dir);
	cr_assert_eq(symlink("/etc", path), 0); /* a way out of the volume */
	cJSON *pod = parse("{\"spec\":{\"volumes\":[{\"name\":\"data\",\"emptyDir\":{}},"
			   "{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}},"
			   "{\"name\":\"host\",\"hostPath\":{\"path\":\"/var/log\"}}]}}");
	cJSON *c = parse("{\"name\":\"main\",\"volumeMounts\":["
			 "{\"name\":\"data\",\"mountPath\":\"/data\"},"
			 "{\"name\":\"data\",\"mountPath\":\"/sub\",\"subPath\":\"a/b\","
			 "\"readOnly\":true},"
			 "{\"name\":\"data\",\"mountPath\":\"/expr\",\"subPathExpr\":\"$(WHO)\"},"
			 "{\"name\":\"cfg\",\"mountPath\":\"/cfg\"},"
			 "{\"name\":\"host\",\"mountPath\":\"/logs\"}]}");
	char *const env[] = {"WHO=me", NULL};
	cube_err err = CUBE_ERR_INIT;
	cJSON *m = volumes_mounts(pod, c, dir, env, &err);
	cr_assert_not_null(m, "%s", err.msg);
	cr_expect_eq(cJSON_GetArraySize(m), 5);
	const cJSON *sub = mount_to(m, "/sub");
	char want[1024];
	snprintf(want, sizeof(want), "%s/volumes/kubernetes.io~empty-dir/data/a/b", dir);
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(sub, "source")), want);
	cr_expect_str_eq(opt3(sub), "ro");
	struct stat st;
	cr_expect_eq(stat(want, &st), 0, "the subPath is made");
	snprintf(want, sizeof(want), "%s/volumes/kubernetes.io~empty-dir/data/me", dir);
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(mount_to(m, "/expr"), "source")),
			 want);
	cr_expect_str_eq(opt3(mount_to(m, "/data")), "rw");
	cr_expect_str_eq(opt3(mount_to(m, "/cfg")), "ro", "configMap volumes are read-only");
	cr_expect_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(mount_to(m, "/logs"), "source")),
			 "/var/log");
	cJSON_Delete(m);
	cJSON_Delete(c);
	/* a subPath leaving the volume, through '..' or a symlink */
	static const char *const bad[] = {"../x", "a/../../x", "link", "/abs", NULL};
	for (size_t i = 0; bad[i]; i++) {
		char s[512];
		snprintf(s, sizeof(s),
			 "{\"name\":\"main\",\"volumeMounts\":[{\"name\":\"data\",\"mountPath\":"
			 "\"/x\",\"subPath\":\"%s\"}]}",
			 bad[i]);
		c = parse(s);
		cube_err_clear(&err);
		m = volumes_mounts(pod, c, dir, env, &err);
		cr_expect_null(m, "subPath %s", bad[i]);
		cr_expect_eq(err.code, CUBE_EINVAL, "%s: %s", bad[i], err.msg);
		cJSON_Delete(m);
		cJSON_Delete(c);
	}
	cJSON_Delete(pod);
	cube_rm_rf(dir);
}
