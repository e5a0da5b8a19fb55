/* test_kubeconfig.c - unit tests for lib/kubeconfig.c.
 *
 * Every test works in its own directory under $TMPDIR (made by the fixture,
 * removed at the end also when the test fails, since criterion runs each test
 * in its own process and calls the fini after a failed assertion), and points
 * $TMPDIR at a "tmp" directory inside it so that the files written for
 * *-data fields can be counted.  $KUBECONFIG and $HOME are set per test. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "kubeconfig.h"

static char dir[512];	 /* this test's directory */
static char tmpdir[600]; /* $TMPDIR inside it, for the *-data files */
static char path[700];	 /* scratch for file names */

static void setup(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/cube-kubeconfig-test.XXXXXX", base && *base ? base : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", dir);
	cr_assert_eq(mkdir(tmpdir, 0700), 0);
	setenv("TMPDIR", tmpdir, 1);
	unsetenv("KUBECONFIG");
	setenv("HOME", dir, 1);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void teardown(void)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(kubeconfig, .init = setup, .fini = teardown);

/* Writes dir/name with content; returns the full name (in a static buffer). */
static const char *put(const char *name, const char *content)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0700); /* a sub-directory, if name has one */
	*slash = '/';
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(content, f);
	fclose(f);
	return path;
}

static int count_tmp_files(void)
{
	DIR *d = opendir(tmpdir);
	cr_assert_not_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "cube-kubeconfig-", 16) == 0)
			n++;
	closedir(d);
	return n;
}

static cube_kubeconfig *load_ok(const char *file, const char *context)
{
	cube_err err = CUBE_ERR_INIT;
	cube_kubeconfig *k = cube_kubeconfig_load(file, context, &err);
	cr_assert_not_null(k, "load failed: %s", err.msg);
	return k;
}

/* The load must fail with code and a message equal to fmt % file. */
static void load_fails(const char *file, const char *context, cube_errc code, const char *fmt)
{
	cube_err err = CUBE_ERR_INIT;
	cube_kubeconfig *k = cube_kubeconfig_load(file, context, &err);
	cube_kubeconfig_free(k);
	cr_assert_null(k, "load succeeded, wanted: %s", fmt);
	char want[1024];
	snprintf(want, sizeof(want), fmt, file);
	cr_assert_eq(err.code, code, "code %s: %s", cube_errc_name(err.code), err.msg);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(count_tmp_files(), 0, "temporary files left behind");
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	char *buf = calloc(1, 4096);
	size_t n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char multi[] = "apiVersion: v1\n"
			    "kind: Config\n"
			    "clusters:\n"
			    "- name: a\n"
			    "  cluster:\n"
			    "    server: https://10.0.0.1:6443\n"
			    "    insecure-skip-tls-verify: true\n"
			    "- name: b\n"
			    "  cluster:\n"
			    "    server: http://127.0.0.1:8080\n"
			    "    tls-server-name: api.lab\n"
			    "contexts:\n"
			    "- name: ctx-a\n"
			    "  context: {cluster: a, user: alice, namespace: team-a}\n"
			    "- name: ctx-b\n"
			    "  context: {cluster: b, user: bob}\n"
			    "- name: no-user\n"
			    "  context: {cluster: b}\n"
			    "current-context: ctx-b\n"
			    "users:\n"
			    "- name: alice\n"
			    "  user: {token: alice-token}\n"
			    "- name: bob\n"
			    "  user: {username: bob, password: secret}\n";

Test(kubeconfig, minimal_file)
{
	const char *f =
		put("config", "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n"
			      "  cluster:\n    server: http://127.0.0.1:6443\ncontexts:\n"
			      "- name: x\n  context:\n    cluster: c\n    user: u\n"
			      "current-context: x\nusers:\n- name: u\n  user:\n    token: t0k\n");
	cube_kubeconfig *k = load_ok(f, NULL);
	cr_assert_str_eq(k->server, "http://127.0.0.1:6443");
	cr_assert_str_eq(k->context, "x");
	cr_assert_str_eq(k->namespace, "default");
	cr_assert_str_eq(k->token, "t0k");
	cr_assert_null(k->tls.ca_file);
	cr_assert_null(k->tls.cert_file);
	cr_assert_null(k->tls.key_file);
	cr_assert_not(k->tls.insecure);
	cr_assert_null(k->username);
	cube_kubeconfig_free(k);
}

Test(kubeconfig, current_context_and_override)
{
	const char *f = put("config", multi);
	cube_kubeconfig *k = load_ok(f, NULL);
	cr_assert_str_eq(k->context, "ctx-b");
	cr_assert_str_eq(k->server, "http://127.0.0.1:8080");
	cr_assert_str_eq(k->tls_server_name, "api.lab");
	cr_assert_str_eq(k->username, "bob");
	cr_assert_str_eq(k->password, "secret");
	cr_assert_null(k->token);
	cube_kubeconfig_free(k);

	k = load_ok(f, "ctx-a");
	cr_assert_str_eq(k->context, "ctx-a");
	cr_assert_str_eq(k->server, "https://10.0.0.1:6443");
	cr_assert(k->tls.insecure);
	cr_assert_str_eq(k->namespace, "team-a");
	cr_assert_str_eq(k->token, "alice-token");
	cr_assert_null(k->username);
	cube_kubeconfig_free(k);

	/* A context without a user: no credentials. */
	k = load_ok(f, "no-user");
	cr_assert_null(k->token);
	cr_assert_null(k->username);
	cube_kubeconfig_free(k);
}

Test(kubeconfig, missing_context_and_current_context)
{
	const char *f = put("config", multi);
	load_fails(f, "foo", CUBE_ENOTFOUND, "kubeconfig %s: context \"foo\" not found");
	f = put("nocur", "clusters: []\ncontexts: []\n");
	load_fails(f, NULL, CUBE_ENOTFOUND, "kubeconfig %s: no current-context");
	f = put("empty", "");
	load_fails(f, NULL, CUBE_ENOTFOUND, "kubeconfig %s: no current-context");
}

Test(kubeconfig, missing_cluster_user_server)
{
	const char *f =
		put("config", "clusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: true}\n"
			      "contexts:\n- name: x\n  context: {cluster: c}\n"
			      "- name: yy\n  context: {cluster: nope, user: u}\n"
			      "- name: z\n  context: {cluster: c, user: ghost}\n"
			      "- name: w\n  context: {user: u}\n"
			      "current-context: x\n");
	load_fails(f, NULL, CUBE_EINVAL, "kubeconfig %s: cluster \"c\" has no server");
	load_fails(f, "yy", CUBE_ENOTFOUND,
		   "kubeconfig %s: cluster \"nope\" not found (context \"yy\")");
	load_fails(f, "w", CUBE_EINVAL, "kubeconfig %s: context \"w\": no cluster");
	f = put("config2", "clusters:\n- name: c\n  cluster: {server: http://h}\n"
			   "contexts:\n- name: z\n  context: {cluster: c, user: ghost}\n"
			   "current-context: z\n");
	load_fails(f, NULL, CUBE_ENOTFOUND,
		   "kubeconfig %s: user \"ghost\" not found (context \"z\")");
}

Test(kubeconfig, data_fields_become_private_files)
{
	/* "CA PEM\n", "CERT PEM\n", "KEY PEM\n" in base64 */
	const char *f =
		put("config", "clusters:\n- name: c\n  cluster:\n    server: https://h:6443\n"
			      "    certificate-authority-data: Q0EgUEVNCg==\n"
			      "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
			      "current-context: x\n"
			      "users:\n- name: u\n  user:\n"
			      "    client-certificate-data: Q0VSVCBQRU0K\n"
			      "    client-key-data: S0VZIFBFTQo=\n");
	cube_kubeconfig *k = load_ok(f, NULL);
	const char *files[] = {k->tls.ca_file, k->tls.cert_file, k->tls.key_file};
	const char *want[] = {"CA PEM\n", "CERT PEM\n", "KEY PEM\n"};
	char copies[3][700];
	for (int i = 0; i < 3; i++) {
		cr_assert_not_null(files[i]);
		cr_assert(strncmp(files[i], tmpdir, strlen(tmpdir)) == 0, "%s not under $TMPDIR",
			  files[i]);
		struct stat st;
		cr_assert_eq(stat(files[i], &st), 0);
		cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
		cube_autofree char *content = slurp(files[i]);
		cr_assert_str_eq(content, want[i]);
		snprintf(copies[i], sizeof(copies[i]), "%s", files[i]);
	}
	cr_assert_eq(count_tmp_files(), 3);
	cube_kubeconfig_free(k);
	for (int i = 0; i < 3; i++)
		cr_assert_neq(access(copies[i], F_OK), 0, "%s not removed", copies[i]);
	cr_assert_eq(count_tmp_files(), 0);
}

Test(kubeconfig, relative_paths_against_the_files_directory)
{
	put("certs/ca.crt", "CA\n");
	put("certs/client.crt", "CERT\n");
	put("certs/client.key", "KEY\n");
	put("tok", "  file-token\n\n");
	const char *f =
		put("sub/config",
		    "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
		    "    certificate-authority: ../certs/ca.crt\n"
		    "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
		    "current-context: x\n"
		    "users:\n- name: u\n  user:\n    client-certificate: ../certs/client.crt\n"
		    "    client-key: ../certs/client.key\n    tokenFile: ../tok\n");
	/* Load it through a relative name from another directory. */
	char cwd[1024];
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	cube_kubeconfig *k = load_ok("sub/config", NULL);
	cr_assert_eq(chdir(cwd), 0);
	char want[800];
	snprintf(want, sizeof(want), "%s/sub/../certs/ca.crt", dir);
	cr_assert_str_eq(k->tls.ca_file, want);
	snprintf(want, sizeof(want), "%s/sub/../certs/client.crt", dir);
	cr_assert_str_eq(k->tls.cert_file, want);
	snprintf(want, sizeof(want), "%s/sub/../certs/client.key", dir);
	cr_assert_str_eq(k->tls.key_file, want);
	cr_assert_str_eq(k->token, "file-token"); /* trimmed, as client-go does */
	cr_assert_eq(count_tmp_files(), 0);
	cube_kubeconfig_free(k);
	(void)f;
}

Test(kubeconfig, absolute_paths_kept_and_unreadable_files_refused)
{
	const char *ca = put("ca.pem", "CA\n");
	char ca_copy[700];
	snprintf(ca_copy, sizeof(ca_copy), "%s", ca);
	char text[2048];
	snprintf(text, sizeof(text),
		 "clusters:\n- name: c\n  cluster: {server: https://h, certificate-authority: %s}\n"
		 "- name: d\n  cluster: {server: https://h, certificate-authority: missing.pem}\n"
		 "contexts:\n- name: x\n  context: {cluster: c}\n- name: yy\n  context: {cluster: "
		 "d}\n"
		 "current-context: x\n",
		 ca_copy);
	const char *f = put("config", text);
	cube_kubeconfig *k = load_ok(f, NULL);
	cr_assert_str_eq(k->tls.ca_file, ca_copy);
	cube_kubeconfig_free(k);
	char want[1024];
	snprintf(
		want, sizeof(want),
		"kubeconfig %%s: cluster \"d\": certificate-authority %s/missing.pem: No such file "
		"or directory",
		dir);
	load_fails(f, "yy", CUBE_ENOTFOUND, want);
}

Test(kubeconfig, kubeconfig_env_merges_first_wins)
{
	char one[700], two[700];
	snprintf(one, sizeof(one), "%s",
		 put("one", "clusters:\n- name: c\n  cluster: {server: http://first}\n"
			    "contexts:\n- name: x\n  context: {cluster: c, user: u}\n"
			    "current-context: x\n"));
	snprintf(two, sizeof(two), "%s",
		 put("two",
		     "clusters:\n- name: c\n  cluster: {server: http://second}\n"
		     "- name: d\n  cluster: {server: http://only-in-two}\n"
		     "contexts:\n- name: yy\n  context: {cluster: d, user: u, namespace: n2}\n"
		     "current-context: yy\n"
		     "users:\n- name: u\n  user: {token: from-two}\n"));
	char env[2600];
	snprintf(env, sizeof(env), "%s/does-not-exist:%s::%s", dir, one, two);
	setenv("KUBECONFIG", env, 1);
	cube_kubeconfig *k = load_ok(NULL, NULL);
	cr_assert_str_eq(k->context, "x");	     /* the first current-context */
	cr_assert_str_eq(k->server, "http://first"); /* the first file's cluster "c" */
	cr_assert_str_eq(k->token, "from-two");	     /* a user only the second has */
	cube_kubeconfig_free(k);
	k = load_ok("", "yy");
	cr_assert_str_eq(k->server, "http://only-in-two");
	cr_assert_str_eq(k->namespace, "n2");
	cube_kubeconfig_free(k);

	/* In the other order, the second file's entries win. */
	snprintf(env, sizeof(env), "%s:%s", two, one);
	setenv("KUBECONFIG", env, 1);
	k = load_ok(NULL, "x");
	cr_assert_str_eq(k->server, "http://second");
	cube_kubeconfig_free(k);

	snprintf(env, sizeof(env), "%s:%s", two, one);
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_kubeconfig_load(NULL, "nope", &err));
	char want[2800];
	snprintf(want, sizeof(want), "kubeconfig %s: context \"nope\" not found", env);
	cr_assert_str_eq(err.msg, want);
}

Test(kubeconfig, home_kube_config_by_default)
{
	put(".kube/config", "clusters:\n- name: c\n  cluster: {server: http://home}\n"
			    "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n");
	cube_kubeconfig *k = load_ok(NULL, NULL);
	cr_assert_str_eq(k->server, "http://home");
	cube_kubeconfig_free(k);
	/* No file at all: an empty config, so no current-context. */
	snprintf(path, sizeof(path), "%s/.kube/config", dir);
	cr_assert_eq(unlink(path), 0);
	cube_err err = CUBE_ERR_INIT;
	cr_assert_null(cube_kubeconfig_load(NULL, NULL, &err));
	cr_assert_eq(err.code, CUBE_ENOTFOUND);
	char want[800];
	snprintf(want, sizeof(want), "kubeconfig %s/.kube/config: no current-context", dir);
	cr_assert_str_eq(err.msg, want);
}

Test(kubeconfig, explicit_file_must_exist_and_parse)
{
	snprintf(path, sizeof(path), "%s/nope", dir);
	char p[700];
	snprintf(p, sizeof(p), "%s", path);
	load_fails(p, NULL, CUBE_ENOTFOUND, "kubeconfig %s: No such file or directory");
	const char *f = put("bad", "clusters:\n- name: c\n  cluster: {server: x\n");
	load_fails(f, NULL, CUBE_EINVAL,
		   "kubeconfig %s: yaml: line 4, column 1: did not find expected ',' or '}'");
	f = put("list", "- a\n- b\n");
	load_fails(f, NULL, CUBE_EINVAL, "kubeconfig %s: not a kubeconfig (a sequence)");
}

Test(kubeconfig, clientcmd_validation)
{
	put("c.crt", "C\n");
	put("c.key", "K\n");
	const char *f = put(
		"config",
		"clusters:\n- name: c\n  cluster: {server: https://h}\n"
		"- name: i\n  cluster: {server: https://h, insecure-skip-tls-verify: true,"
		" certificate-authority-data: Q0EK}\n"
		"- name: s\n  cluster: {server: https://h, insecure-skip-tls-verify: 'yes'}\n"
		"contexts:\n"
		"- {name: both, context: {cluster: c, user: both}}\n"
		"- {name: nokey, context: {cluster: c, user: nokey}}\n"
		"- {name: nocert, context: {cluster: c, user: nocert}}\n"
		"- {name: two, context: {cluster: c, user: two}}\n"
		"- {name: insecure, context: {cluster: i}}\n"
		"- {name: strbool, context: {cluster: s}}\n"
		"- {name: badb64, context: {cluster: c, user: badb64}}\n"
		"users:\n"
		"- {name: both, user: {client-certificate: c.crt, client-certificate-data: "
		"Q0VSVAo=,"
		" client-key: c.key}}\n"
		"- {name: nokey, user: {client-certificate-data: Q0VSVAo=}}\n"
		"- {name: nocert, user: {client-key: c.key}}\n"
		"- {name: two, user: {token: t, username: u, password: p}}\n"
		"- {name: badb64, user: {client-certificate-data: '!!!', client-key: c.key}}\n");
	load_fails(f, "both", CUBE_EINVAL,
		   "kubeconfig %s: user \"both\": client-certificate and client-certificate-data "
		   "are both given");
	load_fails(
		f, "nokey", CUBE_EINVAL,
		"kubeconfig %s: user \"nokey\": client-key or client-key-data is required with a "
		"client certificate");
	load_fails(f, "nocert", CUBE_EINVAL,
		   "kubeconfig %s: user \"nocert\": client-certificate or client-certificate-data "
		   "is required with a client key");
	load_fails(f, "two", CUBE_EINVAL,
		   "kubeconfig %s: user \"two\": more than one authentication method (token, basic "
		   "auth)");
	load_fails(f, "insecure", CUBE_EINVAL,
		   "kubeconfig %s: cluster \"i\": specifying a root certificates file with the "
		   "insecure flag is not allowed");
	load_fails(f, "strbool", CUBE_EINVAL,
		   "kubeconfig %s: cluster \"s\": insecure-skip-tls-verify: not a boolean");
	load_fails(f, "badb64", CUBE_EINVAL,
		   "kubeconfig %s: user \"badb64\": client-certificate-data: invalid base64");
}

Test(kubeconfig, scalars_coerced_for_string_fields)
{
	/* sigs.k8s.io/yaml hands numbers to string fields as text. */
	const char *f = put("config", "clusters:\n- name: c\n  cluster: {server: http://h}\n"
				      "contexts:\n- name: 42\n  context: {cluster: c, user: 7}\n"
				      "- name: y\n  context: {cluster: c}\n"
				      "current-context: 42\n"
				      "users:\n- name: \"7\"\n  user: {token: 12345}\n");
	cube_kubeconfig *k = load_ok(f, NULL);
	cr_assert_str_eq(k->context, "42");
	cr_assert_str_eq(k->token, "12345");
	cube_kubeconfig_free(k);
	/* ...and booleans: YAML 1.1 makes the name `y` true, for kubectl too. */
	k = load_ok(f, "true");
	cr_assert_str_eq(k->server, "http://h");
	cube_kubeconfig_free(k);
	load_fails(f, "y", CUBE_ENOTFOUND, "kubeconfig %s: context \"y\" not found");
}

Test(kubeconfig, last_entry_of_a_name_wins_within_a_file)
{
	const char *f = put("config", "clusters:\n- name: c\n  cluster: {server: http://old}\n"
				      "- name: c\n  cluster: {server: http://new}\n"
				      "contexts:\n- name: x\n  context: {cluster: c}\n"
				      "current-context: x\n");
	cube_kubeconfig *k = load_ok(f, NULL);
	cr_assert_str_eq(k->server, "http://new");
	cube_kubeconfig_free(k);
}

Test(kubeconfig, the_harness_kubeconfig)
{
	/* What tests/harness writes for kubectl: an empty user. */
	const char *f = put("config", "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n"
				      "  cluster:\n    server: http://127.0.0.1:34567\ncontexts:\n"
				      "- name: t\n  context:\n    cluster: t\n    user: t\n"
				      "current-context: t\nusers:\n- name: t\n  user: {}\n");
	cube_kubeconfig *k = load_ok(f, NULL);
	cr_assert_str_eq(k->server, "http://127.0.0.1:34567");
	cr_assert_null(k->token);
	cube_kubeconfig_free(k);
}

Test(kubeconfig, from_master)
{
	cube_err err = CUBE_ERR_INIT;
	cube_kubeconfig *k = cube_kubeconfig_from_master("http://127.0.0.1:6443", &err);
	cr_assert_not_null(k, "%s", err.msg);
	cr_assert_str_eq(k->server, "http://127.0.0.1:6443");
	cr_assert_null(k->context);
	cr_assert_str_eq(k->namespace, "default");
	cr_assert_null(k->token);
	cr_assert_null(k->tls.ca_file);
	cube_kubeconfig_free(k);
	cr_assert_null(cube_kubeconfig_from_master("127.0.0.1:6443", &err));
	cr_assert_eq(err.code, CUBE_EINVAL);
	cr_assert_str_eq(err.msg, "--master \"127.0.0.1:6443\": not an http:// or https:// URL");
	cr_assert_null(cube_kubeconfig_from_master("https://", &err));
	cr_assert_null(cube_kubeconfig_from_master(NULL, &err));
	cube_kubeconfig_free(NULL);
}

Test(kubeconfig, ca_data_wins_over_ca_file)
{
	/* client-go's transport prefers the data; the file must still exist. */
	put("ca.pem", "FILE\n");
	const char *f = put("config", "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
				      "    certificate-authority: ca.pem\n"
				      "    certificate-authority-data: REFUQQo=\n"
				      "contexts:\n- name: x\n  context: {cluster: c}\n"
				      "current-context: x\n");
	cube_kubeconfig *k = load_ok(f, NULL);
	cube_autofree char *content = slurp(k->tls.ca_file);
	cr_assert_str_eq(content, "DATA\n");
	cr_assert_eq(count_tmp_files(), 1);
	cube_kubeconfig_free(k);
	cr_assert_eq(count_tmp_files(), 0);
}
