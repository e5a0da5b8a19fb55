/* test_cm_batch.c - the Job and CronJob controllers in a whole cluster of
 * real processes (cluster_harness.h) whose hollow pods finish by the
 * hollow.cube.dev/exit-after annotation: a Job runs 3 completions 2 at a
 * time, a Job past its backoff limit fails, a CronJob runs a Job on the
 * next minute and keeps its history limits; kubectl reads the tables. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cluster_harness.h"
#include "ktime.h"
#include "obj.h"
#include "proc.h"

static cube_test_cluster k;

static void up(void)
{
	cr_assert_eq(cube_test_cluster_start(&k, &(cube_test_cluster_opts){.hollow_nodes = 2}), 0);
	setenv("CUBE_TEST_KUBECTL", k.api.kubectl, 1); /* for cube_test_kubectl */
}

static void down(void)
{
	cube_test_cluster_destroy(&k);
}

static cJSON *parse(const char *text)
{
	cJSON *o = cube_json_parse(text, strlen(text), NULL);
	cr_assert_not_null(o, "bad test JSON: %s", text);
	return o;
}

static cJSON *create(const cube_gvr *r, const char *json)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = parse(json);
	cJSON *made = cube_kclient_create(k.client, r, "default", o, &err);
	cr_assert_not_null(made, "%s", err.msg);
	cJSON_Delete(o);
	return made;
}

/* A Job (or a CronJob's jobTemplate body) whose hollow pods exit. */
#define JOB_SPEC(extra, code)                                                                    \
	"{" extra "\"template\":{\"metadata\":{\"annotations\":{\"hollow.cube.dev/exit-after\":" \
	"\"1\",\"hollow.cube.dev/exit-code\":\"" code "\"}},\"spec\":{\"restartPolicy\":"        \
	"\"Never\",\"containers\":[{\"name\":\"work\",\"image\":\"busybox\"}]}}}"

static const cJSON *condition(const cJSON *o, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(o, "status.conditions")) {
		const char *t = cube_json_str(c, "type"), *s = cube_json_str(c, "status");
		if (t && s && !strcmp(t, type) && !strcmp(s, "True"))
			return c;
	}
	return NULL;
}

static bool has_event(const char *reason, const char *message)
{
	char fs[200];
	snprintf(fs, sizeof(fs), "reason=%s", reason);
	cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_EVENTS, "default",
				     &(cube_list_opts){.field_selector = fs}, NULL);
	bool found = false;
	const cJSON *e;
	cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *m = cube_json_str(e, "message");
		found |= !message || (m && !strcmp(m, message));
	}
	cJSON_Delete(l);
	return found;
}

static bool wait_event(const char *reason, const char *message, int ms)
{
	for (int w = 0; w < ms; w += 200) {
		if (has_event(reason, message))
			return true;
		cube_test_sleep_ms(200);
	}
	return false;
}

static cJSON *list_pods(const char *selector)
{
	return cube_kclient_list(k.client, &CUBE_GVR_PODS, "default",
				 &(cube_list_opts){.label_selector = selector}, NULL);
}

Test(cm_batch, job_runs_completions_two_at_a_time, .init = up, .fini = down, .timeout = 90)
{
	cJSON *made =
		create(&CUBE_GVR_JOBS, "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\","
				       "\"metadata\":{\"name\":\"pi\"},\"spec\":" JOB_SPEC(
					       "\"completions\":3,\"parallelism\":2,", "0") "}");
	char uid[64];
	snprintf(uid, sizeof(uid), "%s", cube_obj_uid(made));
	cJSON_Delete(made);

	/* Watch by polling: never more than 2 running, never more than 3 made. */
	int max_active = 0, max_pods = 0;
	cJSON *job = NULL;
	for (int w = 0; w < 60000; w += 100) {
		cJSON *l = list_pods("batch.kubernetes.io/job-name=pi");
		int active = 0;
		const cJSON *p;
		cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
			const char *ph = cube_json_str(p, "status.phase");
			if (!ph || (strcmp(ph, "Succeeded") && strcmp(ph, "Failed")))
				active++;
		}
		int total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items"));
		max_active = active > max_active ? active : max_active;
		max_pods = total > max_pods ? total : max_pods;
		cJSON_Delete(l);
		cJSON_Delete(job);
		job = cube_kclient_get(k.client, &CUBE_GVR_JOBS, "default", "pi", NULL);
		if (condition(job, "Complete"))
			break;
		cube_test_sleep_ms(100);
	}
	char *txt = cube_json_print(cube_json_path(job, "status"));
	if (!condition(job, "Complete"))
		cube_test_print_tail(k.log);
	cr_assert_not_null(condition(job, "Complete"), "not Complete: %s", txt);
	free(txt);
	cr_assert_eq(max_active, 2, "at most %d pods ran at once", max_active);
	cr_assert_eq(max_pods, 3, "%d pods were made", max_pods);
	cr_assert_eq(cube_json_int(job, "status.succeeded", 0), 3);
	cr_assert_eq(cube_json_int(job, "status.failed", 0), 0);
	cr_assert_eq(cube_json_int(job, "status.active", 0), 0);
	cr_assert_not_null(cube_json_str(job, "status.startTime"));
	cr_assert_not_null(cube_json_str(job, "status.completionTime"));
	const cJSON *c = condition(job, "SuccessCriteriaMet");
	cr_assert_not_null(c);
	cr_assert_str_eq(cube_json_str(c, "reason"), "CompletionsReached");
	c = condition(job, "Complete");
	cr_assert_str_eq(cube_json_str(c, "reason"), "CompletionsReached");
	cr_assert_str_eq(cube_json_str(c, "message"), "Reached expected number of succeeded pods");
	cJSON_Delete(job);

	/* The pods: Kubernetes' labels, the Job as controller, finalizers gone. */
	cJSON *l = list_pods("batch.kubernetes.io/job-name=pi");
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		cr_assert_str_eq(cube_obj_label(p, "batch.kubernetes.io/controller-uid"), uid);
		cr_assert_str_eq(cube_obj_label(p, "controller-uid"), uid);
		cr_assert_str_eq(cube_obj_label(p, "job-name"), "pi");
		cr_assert_str_eq(cube_obj_controller_uid(p), uid);
		cr_assert(!strncmp(cube_obj_name(p), "pi-", 3));
		cr_assert_eq(cJSON_GetArraySize(cube_json_path(p, "metadata.finalizers")), 0);
	}
	cJSON_Delete(l);
	cr_assert(wait_event("SuccessfulCreate", NULL, 2000));
	cr_assert(wait_event("Completed", "Job completed", 5000));

	/* kubectl's table. */
	char out[4096];
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "get jobs pi"), 0, "%s", out);
	char buf[512], *wds[8];
	cr_assert_geq(cube_test_words(out, 0, buf, sizeof(buf), wds, 8), 4, "%s", out);
	cr_assert_str_eq(wds[0], "NAME");
	cr_assert_str_eq(wds[1], "STATUS");
	cr_assert_str_eq(wds[2], "COMPLETIONS");
	cr_assert_eq(cube_test_words(out, 1, buf, sizeof(buf), wds, 8), 5, "%s", out);
	cr_assert_str_eq(wds[1], "Complete");
	cr_assert_str_eq(wds[2], "3/3");
}

Test(cm_batch, job_fails_past_its_backoff_limit, .init = up, .fini = down, .timeout = 90)
{
	cJSON_Delete(create(&CUBE_GVR_JOBS,
			    "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":"
			    "\"bad\"},\"spec\":" JOB_SPEC("\"backoffLimit\":1,", "1") "}"));
	cJSON *job = NULL;
	for (int w = 0; w < 60000; w += 200) {
		cJSON_Delete(job);
		job = cube_kclient_get(k.client, &CUBE_GVR_JOBS, "default", "bad", NULL);
		if (condition(job, "Failed"))
			break;
		cube_test_sleep_ms(200);
	}
	char *txt = cube_json_print(cube_json_path(job, "status"));
	if (!condition(job, "Failed"))
		cube_test_print_tail(k.log);
	cr_assert_not_null(condition(job, "Failed"), "not Failed: %s", txt);
	free(txt);
	const cJSON *c = condition(job, "Failed");
	cr_assert_str_eq(cube_json_str(c, "reason"), "BackoffLimitExceeded");
	cr_assert_str_eq(cube_json_str(c, "message"),
			 "Job has reached the specified backoff limit");
	cr_assert_not_null(condition(job, "FailureTarget"));
	cr_assert_eq(cube_json_int(job, "status.failed", 0), 2);
	cr_assert_eq(cube_json_int(job, "status.succeeded", 0), 0);
	cr_assert_null(cube_json_str(job, "status.completionTime"));
	cJSON_Delete(job);
	/* Two pods (backoffLimit 1 allows one retry), both Failed with exit code 1. */
	cJSON *l = list_pods("job-name=bad");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(l, "items")), 2);
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		cr_assert_str_eq(cube_json_str(p, "status.phase"), "Failed");
		const cJSON *cs =
			cJSON_GetArrayItem(cube_json_path(p, "status.containerStatuses"), 0);
		cr_assert_eq(cube_json_int(cs, "state.terminated.exitCode", -1), 1);
	}
	cJSON_Delete(l);
	cr_assert(wait_event("BackoffLimitExceeded", "Job has reached the specified backoff limit",
			     5000));
}

static int count_active_pods(const char *selector)
{
	cJSON *l = list_pods(selector);
	int n = 0;
	const cJSON *p;
	cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(l, "items")) {
		const char *ph = cube_json_str(p, "status.phase");
		if (!cube_json_str(p, "metadata.deletionTimestamp") &&
		    (!ph || (strcmp(ph, "Succeeded") && strcmp(ph, "Failed"))))
			n++;
	}
	cJSON_Delete(l);
	return n;
}

static cJSON *wait_condition(const char *job, const char *type, int ms)
{
	cJSON *j = NULL;
	for (int w = 0; w < ms; w += 200) {
		cJSON_Delete(j);
		j = cube_kclient_get(k.client, &CUBE_GVR_JOBS, "default", job, NULL);
		if (condition(j, type))
			break;
		cube_test_sleep_ms(200);
	}
	return j;
}

static void set_suspend(const char *job, bool on)
{
	cJSON *p = parse(on ? "{\"spec\":{\"suspend\":true}}" : "{\"spec\":{\"suspend\":false}}");
	cube_err err = CUBE_ERR_INIT;
	cJSON *res = cube_kclient_patch(k.client, &CUBE_GVR_JOBS, "default", job, NULL, "merge", p,
					&err);
	cr_assert_not_null(res, "%s", err.msg);
	cJSON_Delete(res);
	cJSON_Delete(p);
}

Test(cm_batch, job_suspend_resume_and_active_deadline, .init = up, .fini = down, .timeout = 90)
{
	/* Suspended from the start: no pods, condition Suspended. */
	cJSON_Delete(create(
		&CUBE_GVR_JOBS,
		"{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":"
		"\"later\"},\"spec\":{\"suspend\":true,\"parallelism\":2,\"completions\":4,"
		"\"template\":{\"metadata\":{\"annotations\":{\"hollow.cube.dev/exit-after\":"
		"\"600\"}},\"spec\":{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":"
		"\"w\",\"image\":\"busybox\"}]}}}}"));
	cJSON *j = wait_condition("later", "Suspended", 10000);
	const cJSON *c = condition(j, "Suspended");
	cr_assert_not_null(c);
	cr_assert_str_eq(cube_json_str(c, "reason"), "JobSuspended");
	cJSON_Delete(j);
	cr_assert_eq(count_active_pods("job-name=later"), 0);

	/* Resumed: 2 pods run. */
	set_suspend("later", false);
	int n = 0;
	for (int w = 0; w < 10000 && n < 2; w += 200) {
		n = count_active_pods("job-name=later");
		if (n < 2)
			cube_test_sleep_ms(200);
	}
	cr_assert_eq(n, 2);
	cr_assert(wait_event("Resumed", "Job resumed", 5000));

	/* Suspended again: they are deleted. */
	set_suspend("later", true);
	for (int w = 0; w < 10000 && n > 0; w += 200) {
		n = count_active_pods("job-name=later");
		if (n > 0)
			cube_test_sleep_ms(200);
	}
	cr_assert_eq(n, 0, "%d pods still run while suspended", n);
	j = wait_condition("later", "Suspended", 5000);
	cr_assert_not_null(condition(j, "Suspended"));
	cJSON_Delete(j);

	/* activeDeadlineSeconds: a Job running past it fails, its pod deleted. */
	cJSON_Delete(create(
		&CUBE_GVR_JOBS,
		"{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":"
		"\"slow\"},\"spec\":{\"activeDeadlineSeconds\":2,\"template\":{\"metadata\":{"
		"\"annotations\":{\"hollow.cube.dev/exit-after\":\"600\"}},\"spec\":{"
		"\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"w\",\"image\":"
		"\"busybox\"}]}}}}"));
	j = wait_condition("slow", "Failed", 20000);
	c = condition(j, "Failed");
	cr_assert_not_null(c, "slow did not fail");
	cr_assert_str_eq(cube_json_str(c, "reason"), "DeadlineExceeded");
	cr_assert_str_eq(cube_json_str(c, "message"),
			 "Job was active longer than specified deadline");
	cr_assert_eq(cube_json_int(j, "status.failed", 0), 1);
	cJSON_Delete(j);
	cr_assert_eq(count_active_pods("job-name=slow"), 0);
}

/* A finished Job the CronJob `owner` controls, started `ago` seconds ago. */
static void finished_job(const cJSON *owner, const char *name, const char *cond, int ago)
{
	char buf[2048], start[32], end[32];
	time_t now = time(NULL);
	cube_time_format(now - ago, start, sizeof(start));
	cube_time_format(now - ago + 1, end, sizeof(end));
	snprintf(buf, sizeof(buf),
		 "{\"apiVersion\":\"batch/v1\",\"kind\":\"Job\",\"metadata\":{\"name\":\"%s\","
		 "\"ownerReferences\":[{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"name\":"
		 "\"%s\",\"uid\":\"%s\",\"controller\":true}]},\"spec\":" JOB_SPEC(
			 "\"suspend\":true,", "0") "}",
		 name, cube_obj_name(owner), cube_obj_uid(owner));
	cJSON_Delete(create(&CUBE_GVR_JOBS, buf));
	/* Its status, as if it had run (retried: the job controller writes too). */
	for (int i = 0; i < 50; i++) {
		cJSON *j = cube_kclient_get(k.client, &CUBE_GVR_JOBS, "default", name, NULL);
		cr_assert_not_null(j);
		snprintf(buf, sizeof(buf),
			 "{\"startTime\":\"%s\",%s%s%s\"conditions\":[{\"type\":\"%s\",\"status\":"
			 "\"True\",\"lastProbeTime\":\"%s\",\"lastTransitionTime\":\"%s\"}]}",
			 start, strcmp(cond, "Complete") ? "" : "\"completionTime\":\"",
			 strcmp(cond, "Complete") ? "" : end, strcmp(cond, "Complete") ? "" : "\",",
			 cond, end, end);
		if (!strcmp(cond, "Failed")) {
			/* a Failed Job carries FailureTarget first (API server validation) */
			snprintf(
				buf, sizeof(buf),
				"{\"startTime\":\"%s\",\"conditions\":[{\"type\":\"FailureTarget\","
				"\"status\":\"True\",\"lastProbeTime\":\"%s\","
				"\"lastTransitionTime\":\"%s\"},{\"type\":\"Failed\",\"status\":"
				"\"True\",\"lastProbeTime\":\"%s\",\"lastTransitionTime\":\"%s\"}]"
				"}",
				start, end, end, end, end);
		}
		cJSON_ReplaceItemInObjectCaseSensitive(j, "status", parse(buf));
		cube_err err = CUBE_ERR_INIT;
		cJSON *res =
			cube_kclient_update(k.client, &CUBE_GVR_JOBS, "default", j, "status", &err);
		cJSON_Delete(j);
		if (res) {
			cJSON_Delete(res);
			return;
		}
		cr_assert_eq(err.code, CUBE_ECONFLICT, "%s", err.msg);
		cube_test_sleep_ms(50);
	}
	cr_assert_fail("could not write %s's status", name);
}

static bool job_exists(const char *name)
{
	cJSON *j = cube_kclient_get(k.client, &CUBE_GVR_JOBS, "default", name, NULL);
	cJSON_Delete(j);
	return j != NULL;
}

Test(cm_batch, cronjob_runs_on_the_minute_and_keeps_history_limits, .init = up, .fini = down,
     .timeout = 180)
{
	/* A schedule robfig/cron refuses is a 422 naming the field. */
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = parse("{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{\"name\":"
			 "\"nope\"},\"spec\":{\"schedule\":\"0 0 * * "
			 "7\",\"jobTemplate\":{\"spec\":" JOB_SPEC("", "0") "}}}");
	cJSON *bad = cube_kclient_create(k.client, &CUBE_GVR_CRONJOBS, "default", o, &err);
	cr_assert_null(bad);
	cr_assert_eq(err.code, CUBE_EINVAL, "%s", err.msg);
	cr_assert(strstr(err.msg, "spec.schedule") &&
			  strstr(err.msg, "end of range (7) above maximum (6): 7"),
		  "%s", err.msg);
	cJSON_Delete(o);

	cJSON *cj = create(&CUBE_GVR_CRONJOBS,
			   "{\"apiVersion\":\"batch/v1\",\"kind\":\"CronJob\",\"metadata\":{"
			   "\"name\":\"tick\"},\"spec\":{\"schedule\":\"* * * * *\","
			   "\"successfulJobsHistoryLimit\":1,\"failedJobsHistoryLimit\":1,"
			   "\"jobTemplate\":{\"spec\":" JOB_SPEC("", "0") "}}}");
	/* History from earlier runs: 2 complete, 2 failed; the newest of each stays. */
	finished_job(cj, "tick-old-ok-1", "Complete", 600);
	finished_job(cj, "tick-old-ok-2", "Complete", 300);
	finished_job(cj, "tick-old-ko-1", "Failed", 500);
	finished_job(cj, "tick-old-ko-2", "Failed", 200);
	cJSON_Delete(cj);
	/* Trimmed when the Jobs' changes bring the CronJob back, or at the
	 * latest at its next minute (a loaded machine has missed 10 s once). */
	bool trimmed = false;
	for (int w = 0; w < 70000 && !trimmed; w += 200) {
		trimmed = !job_exists("tick-old-ok-1") && !job_exists("tick-old-ko-1");
		if (!trimmed)
			cube_test_sleep_ms(200);
	}
	cr_assert(trimmed, "the oldest finished Jobs were not deleted");
	cr_assert(job_exists("tick-old-ok-2") && job_exists("tick-old-ko-2"));
	cr_assert(wait_event("SuccessfulDelete", "Deleted job tick-old-ok-1", 3000));

	/* Within a minute (and a bit): tick-<minutes>, which completes. */
	char name[64] = "";
	cJSON *job = NULL;
	for (int w = 0; w < 75000 && !name[0]; w += 500) {
		cJSON *l = cube_kclient_list(k.client, &CUBE_GVR_JOBS, "default", NULL, NULL);
		const cJSON *j;
		cJSON_ArrayForEach (j, cJSON_GetObjectItemCaseSensitive(l, "items")) {
			if (cube_obj_annotation(j,
						"batch.kubernetes.io/cronjob-scheduled-timestamp"))
				snprintf(name, sizeof(name), "%s", cube_obj_name(j));
		}
		cJSON_Delete(l);
		if (!name[0])
			cube_test_sleep_ms(500);
	}
	cr_assert(name[0], "no Job was scheduled");
	job = cube_kclient_get(k.client, &CUBE_GVR_JOBS, "default", name, NULL);
	const char *ts =
		cube_obj_annotation(job, "batch.kubernetes.io/cronjob-scheduled-timestamp");
	double t = 0;
	cr_assert(cube_time_parse(ts, &t), "%s", ts);
	char want[64];
	snprintf(want, sizeof(want), "tick-%lld", (long long)t / 60);
	cr_assert_str_eq(name, want);
	cr_assert_eq((long long)t % 60, 0);
	const cJSON *ref = cJSON_GetArrayItem(cube_json_path(job, "metadata.ownerReferences"), 0);
	cr_assert_str_eq(cube_json_str(ref, "kind"), "CronJob");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ref, "controller")));
	cJSON_Delete(job);
	char msg[128];
	snprintf(msg, sizeof(msg), "Created job %s", name);
	cr_assert(wait_event("SuccessfulCreate", msg, 5000));

	/* It completes; the CronJob sees it, and the older success goes. */
	cJSON *st = NULL;
	for (int w = 0; w < 30000; w += 200) {
		cJSON_Delete(st);
		st = cube_kclient_get(k.client, &CUBE_GVR_CRONJOBS, "default", "tick", NULL);
		if (cube_json_str(st, "status.lastSuccessfulTime") && !job_exists("tick-old-ok-2"))
			break;
		cube_test_sleep_ms(200);
	}
	char *txt = cube_json_print(cube_json_path(st, "status"));
	cr_assert_not_null(cube_json_str(st, "status.lastSuccessfulTime"), "%s", txt);
	cr_assert_not_null(cube_json_str(st, "status.lastScheduleTime"), "%s", txt);
	free(txt);
	cJSON_Delete(st);
	cr_assert(!job_exists("tick-old-ok-2"), "history limit 1 kept the older success");
	cr_assert(job_exists(name) && job_exists("tick-old-ko-2"));
	snprintf(msg, sizeof(msg), "Saw completed job: %s, condition: Complete", name);
	cr_assert(wait_event("SawCompletedJob", msg, 5000));

	char out[4096], buf[512], *wds[10];
	cr_assert_eq(cube_test_kubectl(out, sizeof(out), "get cronjobs tick"), 0, "%s", out);
	cr_assert_geq(cube_test_words(out, 0, buf, sizeof(buf), wds, 10), 6, "%s", out);
	cr_assert_str_eq(wds[1], "SCHEDULE");
	cr_assert(strstr(out, "* * * * *") && strstr(out, "False"), "%s", out);
}
