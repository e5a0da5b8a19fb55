/* Unit tests: image references as Docker and Kubernetes normalise them, and
 * the imagePullPolicy default. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "imageref.h"

static void norm(const char *in, const char *full, const char *familiar)
{
	cube_imageref r;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(cube_imageref_parse(in, &r, &err), 0, "%s: %s", in, err.msg);
	char buf[600];
	cube_imageref_string(&r, buf, sizeof(buf));
	cr_expect_str_eq(buf, full, "%s", in);
	cube_imageref_familiar(&r, buf, sizeof(buf));
	cr_expect_str_eq(buf, familiar, "%s", in);
}

Test(imageref, normalises_as_docker)
{
	norm("nginx", "docker.io/library/nginx:latest", "nginx:latest");
	norm("web:v1", "docker.io/library/web:v1", "web:v1");
	norm("team/app:1.2", "docker.io/team/app:1.2", "team/app:1.2");
	norm("localhost/app", "localhost/app:latest", "localhost/app:latest");
	norm("localhost:5000/web:v2", "localhost:5000/web:v2", "localhost:5000/web:v2");
	norm("127.0.0.1:5000/a/b/c:t_1.x-y", "127.0.0.1:5000/a/b/c:t_1.x-y",
	     "127.0.0.1:5000/a/b/c:t_1.x-y");
	norm("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9");
	const char *dg = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char in[200], full[300], fam[300];
	snprintf(in, sizeof(in), "busybox@%s", dg);
	snprintf(full, sizeof(full), "docker.io/library/busybox@%s", dg);
	snprintf(fam, sizeof(fam), "busybox@%s", dg);
	norm(in, full, fam);
	cube_imageref r;
	cr_assert_eq(cube_imageref_parse(in, &r, NULL), 0);
	cr_expect_str_eq(r.tag, "");
	cr_expect_str_eq(r.digest, dg);
}

Test(imageref, refuses_malformed_references)
{
	const char *bad[] = {"",
			     "upper/Case",
			     "web:",
			     "web:bad tag",
			     "web@sha256:xyz",
			     "web@md5:0123",
			     "a//b",
			     "-lead",
			     "trail-",
			     "web:v1:v2/x",
			     "we$b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cube_imageref r;
		cube_err err = CUBE_ERR_INIT;
		cr_expect_eq(cube_imageref_parse(bad[i], &r, &err), -1, "accepted \"%s\"", bad[i]);
		cr_expect(strstr(err.msg, "invalid reference format") != NULL, "%s", err.msg);
	}
	cr_expect_eq(cube_imageref_parse(NULL, &(cube_imageref){0}, NULL), -1);
}

Test(imageref, default_pull_policy_as_kubernetes)
{
	cr_expect_str_eq(cube_imageref_default_pull_policy("nginx"), "Always");
	cr_expect_str_eq(cube_imageref_default_pull_policy("nginx:latest"), "Always");
	cr_expect_str_eq(cube_imageref_default_pull_policy("nginx:1.25"), "IfNotPresent");
	cr_expect_str_eq(cube_imageref_default_pull_policy("localhost:5000/web"), "Always");
	cr_expect_str_eq(
		cube_imageref_default_pull_policy(
			"nginx@sha256:"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
		"IfNotPresent");
	cr_expect_str_eq(cube_imageref_default_pull_policy("Bad/Image"), "IfNotPresent");
	cr_expect_str_eq(cube_imageref_default_pull_policy(""), "IfNotPresent");
}
