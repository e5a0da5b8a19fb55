/* test_podlife.c - the pure parts of a container's life in the runc
 * runtime: a probe's thresholds (kubelet/probe.h: probe_state_apply, the
 * startup/liveness/readiness result), log rotation names and pieces
 * (kubelet/logrotate.h), and the grace left after preStop hooks
 * (kubelet/hooks.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet/hooks.h"
#include "kubelet/logrotate.h"
#include "kubelet/probe.h"
#include "oci.h"

static cJSON *parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad JSON %s", s);
	return o;
}

Test(probe_state, defaults_one_success_three_failures)
{
	cJSON *p = parse("{\"exec\":{\"command\":[\"true\"]}}");
	probe_state s = {.result = -1};
	cr_expect(probe_state_apply(&s, p, true), "unknown -> success is a flip");
	cr_expect_eq(s.result, 1);
	cr_expect_not(probe_state_apply(&s, p, false));
	cr_expect_not(probe_state_apply(&s, p, false));
	cr_expect_eq(s.result, 1, "two failures of three: still a success");
	cr_expect(probe_state_apply(&s, p, false));
	cr_expect_eq(s.result, 0);
	cr_expect_not(probe_state_apply(&s, p, false), "stays failed");
	cr_expect(probe_state_apply(&s, p, true), "one success ends it");
	cJSON_Delete(p);
}

Test(probe_state, thresholds_count_consecutive_runs)
{
	cJSON *p = parse("{\"successThreshold\":2,\"failureThreshold\":2}");
	probe_state s = {.result = 1}; /* liveness: alive until proven dead */
	cr_expect_not(probe_state_apply(&s, p, false));
	cr_expect_not(probe_state_apply(&s, p, true), "a success resets the failures");
	cr_expect_not(probe_state_apply(&s, p, false));
	cr_expect(probe_state_apply(&s, p, false));
	cr_expect_eq(s.result, 0);
	cr_expect_not(probe_state_apply(&s, p, true));
	cr_expect_eq(s.result, 0, "one success of two");
	cr_expect(probe_state_apply(&s, p, true));
	cr_expect_eq(s.result, 1);
	cJSON_Delete(p);
}

Test(probe_state, a_startup_probe_never_succeeding_fails_after_the_threshold)
{
	cJSON *p = parse("{\"failureThreshold\":3,\"successThreshold\":0}");
	probe_state s = {.result = -1};
	cr_expect_not(probe_state_apply(&s, p, false));
	cr_expect_not(probe_state_apply(&s, p, false));
	cr_expect_eq(s.result, -1, "not known before the threshold");
	cr_expect(probe_state_apply(&s, p, false));
	cr_expect_eq(s.result, 0);
	cJSON_Delete(p);
}

Test(logrotate, names_sort_in_time_order)
{
	struct timespec a = {.tv_sec = 1795651200, .tv_nsec = 5}; /* 2026-11-26T00:00:00Z */
	struct timespec b = {.tv_sec = 1795651200, .tv_nsec = 400000000};
	struct timespec c = {.tv_sec = 1795651201, .tv_nsec = 0};
	char na[256], nb[256], nc[256];
	logrotate_name("/x/0.log", &a, na, sizeof(na));
	logrotate_name("/x/0.log", &b, nb, sizeof(nb));
	logrotate_name("/x/0.log", &c, nc, sizeof(nc));
	cr_expect_str_eq(na, "/x/0.log.20261126-000000.000000005");
	cr_expect_str_eq(nc, "/x/0.log.20261126-000001.000000000");
	cr_expect_lt(strcmp(na, nb), 0);
	cr_expect_lt(strcmp(nb, nc), 0);
	cr_expect(logrotate_is_piece("0.log", na + 3));
	cr_expect_not(logrotate_is_piece("1.log", na + 3));
	cr_expect_not(logrotate_is_piece("0.log", "0.log"));
	cr_expect_not(logrotate_is_piece("0.log", "0.log.tmp"));
	cr_expect_not(logrotate_is_piece("0.log", "0.log.20261126-000000.00000000"));
	cr_expect_not(logrotate_is_piece("0.log", "0.log.20261126-000000.0000000050"));
	cr_expect_not(logrotate_is_piece("10.log", "0.log.20261126-000000.000000005"));
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

Test(logrotate, rotation_keeps_max_files_minus_one_pieces)
{
	char dir[] = "/tmp/cube-logrotate.XXXXXX", log[128], other[128];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/0.log", dir);
	snprintf(other, sizeof(other), "%s/1.log", dir);
	write_text(other, "another attempt\n");
	for (int i = 0; i < 6; i++) {
		char text[32];
		snprintf(text, sizeof(text), "piece %d\n", i);
		write_text(log, text);
		struct timespec ts = {.tv_sec = 1795651200 + i, .tv_nsec = 0};
		cr_assert_eq(logrotate_rotate(log, 3, &ts), 0);
		cr_expect_neq(access(log, F_OK), 0, "renamed away");
	}
	char **v = logrotate_pieces(log);
	cr_assert_not_null(v);
	cr_assert_eq(cube_oci_strv_len(v), 2, "max-files 3: two pieces beside the current file");
	char text[64] = "";
	FILE *f = fopen(v[0], "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(text, sizeof(text), f));
	fclose(f);
	cr_expect_str_eq(text, "piece 4\n", "the oldest kept first");
	cube_oci_strv_free(v);
	write_text(log, "current\n");
	logrotate_remove(log);
	v = logrotate_pieces(log);
	cr_expect_eq(cube_oci_strv_len(v), 0);
	cube_oci_strv_free(v);
	cr_expect_neq(access(log, F_OK), 0);
	cr_expect_eq(access(other, F_OK), 0, "another attempt's log is not touched");
	unlink(other);
	cr_expect_eq(rmdir(dir), 0, "nothing else was left");
}

Test(hooks, grace_left_after_pre_stop)
{
	cr_expect_eq(hooks_grace_left(30, 5, true), 25);
	cr_expect_eq(hooks_grace_left(30, 29, true), 2, "at least 2 s after a hook");
	cr_expect_eq(hooks_grace_left(3, 10, true), 2);
	cr_expect_eq(hooks_grace_left(30, 0, false), 30);
	cr_expect_eq(hooks_grace_left(0, 0, false), 0);
}
