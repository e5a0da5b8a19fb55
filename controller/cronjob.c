/* cronjob.c - the CronJob controller: creates a Job from each CronJob's
 * jobTemplate when its schedule says so, as Kubernetes' cronjob controller
 * (pkg/controller/cronjob, "v2") does.
 *
 * sync(key):
 *   - reconcile status.active with the Jobs the CronJob controls: a finished
 *     one leaves it (SawCompletedJob; a Complete one moves
 *     lastSuccessfulTime), a running one it forgot joins it (UnexpectedJob),
 *     one that no longer exists leaves it (MissingJob);
 *   - unless suspended or being deleted: the most recent schedule time not
 *     yet run (from lastScheduleTime, else the creation time, bounded by
 *     startingDeadlineSeconds; MissSchedule when it is too late,
 *     TooManyMissedTimes past 100 missed ones) gets a Job named
 *     "<cronjob>-<scheduled time in minutes since the epoch>" with the
 *     annotation batch.kubernetes.io/cronjob-scheduled-timestamp, the
 *     CronJob as controller, the template's labels, annotations and spec;
 *     concurrencyPolicy Forbid skips it while a Job is active
 *     (JobAlreadyActive), Replace deletes the active ones first;
 *   - finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit
 *     are deleted, oldest start first (SuccessfulDelete);
 *   - status (active, lastScheduleTime, lastSuccessfulTime) is written, and
 *     the key comes back at the next schedule time.
 *
 * A schedule the parser refuses gets a Warning UnparseableSchedule (the API
 * server refuses them, but one may predate that or come from elsewhere).
 * Times are UTC: spec.timeZone (and a TZ= prefix) other than UTC, Etc/UTC,
 * GMT or Etc/GMT gets a Warning UnknownTimeZone and the CronJob is not run,
 * as Kubernetes does for a zone it cannot load (cube has no zone database).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "controllers.h"
#include "cron.h"
#include "ktime.h"
#include "log.h"
#include "obj.h"
#include "util.h"

#define SCHEDULED_ANN "batch.kubernetes.io/cronjob-scheduled-timestamp"
#define MAX_MISSED 100

typedef struct cj_ctl {
	cm *m;
	cube_informer *cjs, *jobs;
	cube_controller *ctl;
	cm_owner_enqueuer oe;
	cube_recorder *rec;
} cj_ctl;

static const cJSON *job_condition(const cJSON *job, const char *type)
{
	const cJSON *c;
	cJSON_ArrayForEach (c, cube_json_path(job, "status.conditions")) {
		const char *t = cube_json_str(c, "type"), *s = cube_json_str(c, "status");
		if (t && s && !strcmp(t, type) && !strcmp(s, "True"))
			return c;
	}
	return NULL;
}

/* "Complete", "Failed" or NULL (IsJobFinished). */
static const char *finished(const cJSON *job)
{
	if (job_condition(job, "Complete"))
		return "Complete";
	if (job_condition(job, "Failed"))
		return "Failed";
	return NULL;
}

static double time_of(const cJSON *o, const char *path)
{
	double t = 0;
	return cube_time_parse(cube_json_str(o, path), &t) ? t : 0;
}

static bool utc_zone(const char *z)
{
	static const char *const ok[] = {"UTC",	    "Etc/UTC",	     "GMT",
					 "Etc/GMT", "Etc/Universal", "Universal",
					 "Zulu",    "Etc/Zulu",	     NULL};
	for (int i = 0; ok[i]; i++)
		if (!strcmp(z, ok[i]))
			return true;
	return false;
}

static cJSON *job_ref(const cJSON *job)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "kind", "Job");
	cJSON_AddStringToObject(r, "namespace",
				cube_obj_namespace(job) ? cube_obj_namespace(job) : "");
	cJSON_AddStringToObject(r, "name", cube_obj_name(job) ? cube_obj_name(job) : "");
	cJSON_AddStringToObject(r, "uid", cube_obj_uid(job) ? cube_obj_uid(job) : "");
	cJSON_AddStringToObject(r, "apiVersion", "batch/v1");
	const char *rv = cube_obj_resource_version(job);
	if (rv)
		cJSON_AddStringToObject(r, "resourceVersion", rv);
	return r;
}

static void set_time(cJSON *st, const char *field, double t)
{
	char buf[32];
	cube_time_format((time_t)t, buf, sizeof(buf));
	cJSON_DeleteItemFromObjectCaseSensitive(st, field);
	cJSON_AddStringToObject(st, field, buf);
}

static int delete_job(cj_ctl *c, const cJSON *cj, const cJSON *job, cube_err *err)
{
	cube_autojson cJSON *opts = cJSON_CreateObject();
	cJSON_AddStringToObject(opts, "propagationPolicy", "Background");
	cube_err e = CUBE_ERR_INIT;
	if (cube_kclient_delete(c->m->client, &CUBE_GVR_JOBS, cube_obj_namespace(job),
				cube_obj_name(job), opts, &e) < 0) {
		if (e.code == CUBE_ENOTFOUND)
			return 0;
		cube_event(c->rec, cj, "Warning", "FailedDelete", "Deleted job: %s", e.msg);
		*err = e;
		return -1;
	}
	cube_event(c->rec, cj, "Normal", "SuccessfulDelete", "Deleted job %s", cube_obj_name(job));
	return 0;
}

/* ---- one sync ----------------------------------------------------------------------- */

typedef struct cjsync {
	cj_ctl *c;
	const cJSON *cj;
	cJSON *st;
	cube_robj **jobs; /* the Jobs this CronJob controls */
	size_t n;
	double now;
} cjsync;

static const cJSON *child_by_uid(cjsync *s, const char *uid)
{
	for (size_t i = 0; i < s->n; i++) {
		const char *u = cube_obj_uid(s->jobs[i]->json);
		if (u && uid && !strcmp(u, uid))
			return s->jobs[i]->json;
	}
	return NULL;
}

static bool in_active(const cJSON *st, const char *uid)
{
	const cJSON *r;
	cJSON_ArrayForEach (r, cJSON_GetObjectItemCaseSensitive(st, "active")) {
		const char *u = cube_json_str(r, "uid");
		if (u && uid && !strcmp(u, uid))
			return true;
	}
	return false;
}

static void remove_active(cJSON *st, const char *uid)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(st, "active"), *r = arr ? arr->child : NULL;
	while (r) {
		cJSON *next = r->next;
		const char *u = cube_json_str(r, "uid");
		if (u && uid && !strcmp(u, uid))
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, r));
		r = next;
	}
	if (cJSON_GetArraySize(arr) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(st, "active");
}

static void add_active(cJSON *st, const cJSON *job)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(st, "active");
	if (!cJSON_IsArray(arr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st, "active");
		arr = cJSON_AddArrayToObject(st, "active");
	}
	cJSON_AddItemToArray(arr, job_ref(job));
}

static void reconcile_active(cjsync *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const cJSON *job = s->jobs[i]->json;
		const char *uid = cube_obj_uid(job), *fin = finished(job);
		bool found = in_active(s->st, uid);
		if (!found && !fin) {
			cube_event(s->c->rec, s->cj, "Warning", "UnexpectedJob",
				   "Saw a job that the controller did not create or forgot: %s",
				   cube_obj_name(job));
			add_active(s->st, job);
		} else if (found && fin) {
			cube_event(s->c->rec, s->cj, "Normal", "SawCompletedJob",
				   "Saw completed job: %s, condition: %s", cube_obj_name(job), fin);
			remove_active(s->st, uid);
		}
		double done = time_of(job, "status.completionTime");
		if (fin && !strcmp(fin, "Complete") && done > time_of(s->st, "lastSuccessfulTime"))
			set_time(s->st, "lastSuccessfulTime", done);
	}
	/* Active Jobs the cache does not have: gone, if the API server agrees. */
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(s->st, "active");
	cJSON *r = arr ? arr->child : NULL;
	while (r) {
		cJSON *next = r->next;
		const char *uid = cube_json_str(r, "uid"), *name = cube_json_str(r, "name");
		if (!child_by_uid(s, uid) && name) {
			cube_err e = CUBE_ERR_INIT;
			cJSON *j = cube_kclient_get(s->c->m->client, &CUBE_GVR_JOBS,
						    cube_obj_namespace(s->cj), name, &e);
			const char *ju = cube_obj_uid(j);
			if ((!j && e.code == CUBE_ENOTFOUND) ||
			    (j && (!ju || !uid || strcmp(ju, uid)))) {
				cube_event(s->c->rec, s->cj, "Normal", "MissingJob",
					   "Active job went missing: %s", name);
				cJSON_Delete(cJSON_DetachItemViaPointer(arr, r));
			}
			cJSON_Delete(j);
		}
		r = next;
	}
	if (arr && cJSON_GetArraySize(arr) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(s->st, "active");
}

/* mostRecentScheduleTime: the latest activation in (earliest, now], or 0. */
static double most_recent(cjsync *s, const cube_cron *sched)
{
	double earliest = time_of(s->cj, "metadata.creationTimestamp");
	double last = time_of(s->st, "lastScheduleTime");
	if (last > 0)
		earliest = last;
	const cJSON *sds = cube_json_path(s->cj, "spec.startingDeadlineSeconds");
	if (cJSON_IsNumber(sds) && s->now - sds->valuedouble > earliest)
		earliest = s->now - sds->valuedouble;
	double recent = 0;
	int missed = 0;
	for (time_t t = cube_cron_next(sched, (time_t)earliest); t && (double)t <= s->now;
	     t = cube_cron_next(sched, t)) {
		recent = (double)t;
		if (++missed > 100000)
			break; /* a clock far off: the latest few are what matters */
	}
	if (missed > MAX_MISSED)
		cube_event(s->c->rec, s->cj, "Warning", "TooManyMissedTimes",
			   "too many missed start times: %d. Set or decrease "
			   ".spec.startingDeadlineSeconds or check clock skew",
			   missed);
	return recent;
}

static cJSON *job_from_template(const cJSON *cj, double scheduled)
{
	char name[320], ts[32];
	snprintf(name, sizeof(name), "%.250s-%lld", cube_obj_name(cj),
		 (long long)((time_t)scheduled / 60));
	cube_time_format((time_t)scheduled, ts, sizeof(ts));
	cJSON *job = cm_from_template(cube_json_path(cj, "spec.jobTemplate"), "batch/v1", "Job", cj,
				      "batch/v1", "CronJob", name);
	if (!job)
		return NULL;
	cJSON *md = cJSON_GetObjectItemCaseSensitive(job, "metadata");
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(md, "annotations");
	if (!ann)
		ann = cJSON_AddObjectToObject(md, "annotations");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, SCHEDULED_ANN);
	cJSON_AddStringToObject(ann, SCHEDULED_ANN, ts);
	return job;
}

/* Creates the Job for `scheduled` unless it exists or the policy says no. */
static int run_schedule(cjsync *s, double scheduled, cube_err *err)
{
	char name[320];
	snprintf(name, sizeof(name), "%.250s-%lld", cube_obj_name(s->cj),
		 (long long)((time_t)scheduled / 60));
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(s->st, "active"), *r;
	cJSON_ArrayForEach (r, arr) {
		const char *n = cube_json_str(r, "name");
		if (n && !strcmp(n, name))
			return 0; /* already running */
	}
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(cube_obj_name(s->jobs[i]->json), name))
			return 0; /* already ran */
	const char *policy = cube_json_str(s->cj, "spec.concurrencyPolicy");
	int active = cJSON_GetArraySize(arr);
	if (policy && !strcmp(policy, "Forbid") && active > 0) {
		cube_event(s->c->rec, s->cj, "Normal", "JobAlreadyActive",
			   "Not starting job because prior execution is running and concurrency "
			   "policy is Forbid");
		return 0;
	}
	if (policy && !strcmp(policy, "Replace")) {
		for (size_t i = 0; i < s->n; i++) {
			const cJSON *job = s->jobs[i]->json;
			if (!in_active(s->st, cube_obj_uid(job)))
				continue;
			if (delete_job(s->c, s->cj, job, err) < 0)
				return -1;
			remove_active(s->st, cube_obj_uid(job));
		}
	}
	cube_autojson cJSON *job = job_from_template(s->cj, scheduled);
	if (!job)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cube_err e = CUBE_ERR_INIT;
	cJSON *made = cube_kclient_create(s->c->m->client, &CUBE_GVR_JOBS,
					  cube_obj_namespace(s->cj), job, &e);
	if (!made) {
		if (e.code == CUBE_EEXIST)
			return 0; /* made by an earlier sync; the informer brings it */
		cube_event(s->c->rec, s->cj, "Warning", "FailedCreate", "Error creating job: %s",
			   e.msg);
		*err = e;
		return -1;
	}
	cube_event(s->c->rec, s->cj, "Normal", "SuccessfulCreate", "Created job %s", name);
	add_active(s->st, made);
	set_time(s->st, "lastScheduleTime", scheduled);
	cJSON_Delete(made);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	double tx = time_of(x, "status.startTime"), ty = time_of(y, "status.startTime");
	if (tx != ty) /* no start time sorts last */
		return tx == 0 ? 1 : ty == 0 ? -1 : tx < ty ? -1 : 1;
	return strcmp(cube_obj_name(x), cube_obj_name(y));
}

static int cleanup_finished(cjsync *s, cube_err *err)
{
	const cJSON *sl = cube_json_path(s->cj, "spec.successfulJobsHistoryLimit");
	const cJSON *fl = cube_json_path(s->cj, "spec.failedJobsHistoryLimit");
	if (!cJSON_IsNumber(sl) && !cJSON_IsNumber(fl))
		return 0;
	const cJSON **done = malloc((s->n ? s->n : 1) * sizeof(*done));
	if (!done)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	int rc = 0;
	static const char *const kinds[] = {"Complete", "Failed"};
	const cJSON *limits[] = {sl, fl};
	for (int k = 0; k < 2; k++) {
		if (!cJSON_IsNumber(limits[k]))
			continue;
		size_t m = 0;
		for (size_t i = 0; i < s->n; i++) {
			const char *f = finished(s->jobs[i]->json);
			if (f && !strcmp(f, kinds[k]))
				done[m++] = s->jobs[i]->json;
		}
		qsort(done, m, sizeof(*done), by_start);
		size_t keep = limits[k]->valuedouble > 0 ? (size_t)limits[k]->valuedouble : 0;
		for (size_t i = 0; i + keep < m; i++)
			if (delete_job(s->c, s->cj, done[i], err) < 0)
				rc = -1;
	}
	free(done);
	return rc;
}

/* Checks the zone and parses the schedule; false (with a Warning) if the
 * CronJob cannot be scheduled. */
static bool schedule_of(cjsync *s, cube_cron *sched)
{
	const char *spec = cube_json_str(s->cj, "spec.schedule");
	cube_err e = CUBE_ERR_INIT;
	if (cube_cron_parse(spec ? spec : "", sched, &e) < 0) {
		cube_event(s->c->rec, s->cj, "Warning", "UnparseableSchedule",
			   "unparseable schedule: \"%.200s\" : %s", spec ? spec : "", e.msg);
		return false;
	}
	const char *tz = cube_json_str(s->cj, "spec.timeZone");
	if (!tz && sched->tz[0])
		tz = sched->tz;
	if (tz && !utc_zone(tz)) {
		cube_event(s->c->rec, s->cj, "Warning", "UnknownTimeZone",
			   "invalid timeZone: \"%.100s\": cube schedules in UTC only", tz);
		return false;
	}
	return true;
}

static int write_status(cjsync *s, cube_err *err)
{
	if (cJSON_Compare(s->st, cube_json_path(s->cj, "status"), true))
		return 0;
	cube_autojson cJSON *next = cube_obj_copy(s->cj);
	if (!next)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	cJSON_DeleteItemFromObjectCaseSensitive(next, "status");
	cJSON_AddItemToObject(next, "status", cJSON_Duplicate(s->st, true));
	cJSON *res = cube_kclient_update(s->c->m->client, &CUBE_GVR_CRONJOBS,
					 cube_obj_namespace(s->cj), next, "status", err);
	if (!res)
		return err->code == CUBE_ENOTFOUND ? 0 : -1;
	cJSON_Delete(res);
	return 0;
}

static int sync_cronjob(void *ud, const char *key, cube_err *err)
{
	cj_ctl *c = ud;
	cube_robj *obj = cube_informer_get(c->cjs, key);
	if (!obj)
		return 0; /* its Jobs go with it (garbage collector) */
	cjsync s = {.c = c, .cj = obj->json, .now = cm_now()};
	int rc = 0;
	cube_robj **all = NULL;
	size_t n_all = cm_list_namespace(c->jobs, cube_obj_namespace(s.cj), &all);
	s.jobs = malloc((n_all ? n_all : 1) * sizeof(*s.jobs));
	const cJSON *status = cube_json_path(s.cj, "status");
	s.st = status ? cJSON_Duplicate(status, true) : cJSON_CreateObject();
	if (!s.jobs || !s.st) {
		rc = cube_err_set(err, CUBE_ENOMEM, "out of memory");
		goto out;
	}
	const char *uid = cube_obj_uid(s.cj);
	for (size_t i = 0; i < n_all; i++) {
		const cJSON *ref = cm_controller_ref(all[i]->json);
		const char *ru = cube_json_str(ref, "uid");
		if (ru && uid && !strcmp(ru, uid))
			s.jobs[s.n++] = all[i];
	}
	reconcile_active(&s);
	cube_cron sched;
	bool can = !cube_json_str(s.cj, "metadata.deletionTimestamp") && schedule_of(&s, &sched);
	cube_err re = CUBE_ERR_INIT;
	int rrc = 0;
	if (can && !cJSON_IsTrue(cube_json_path(s.cj, "spec.suspend"))) {
		double scheduled = most_recent(&s, &sched);
		const cJSON *sds = cube_json_path(s.cj, "spec.startingDeadlineSeconds");
		if (scheduled > 0 && cJSON_IsNumber(sds) && scheduled + sds->valuedouble < s.now) {
			char ts[32];
			cube_time_format((time_t)scheduled, ts, sizeof(ts));
			cube_event(c->rec, s.cj, "Warning", "MissSchedule",
				   "Missed scheduled time to start a job: %s", ts);
		} else if (scheduled > 0) {
			rrc = run_schedule(&s, scheduled, &re);
		}
	}
	cube_err ce = CUBE_ERR_INIT;
	int crc = cleanup_finished(&s, &ce);
	if (write_status(&s, err) < 0) {
		rc = -1;
		goto out;
	}
	if (rrc < 0 || crc < 0) {
		*err = rrc < 0 ? re : ce;
		rc = -1;
	}
	if (can) {
		time_t next = cube_cron_next(&sched, (time_t)s.now);
		if (next)
			cube_controller_enqueue_after(
				c->ctl, key, (int64_t)(((double)next - s.now) * 1000) + 100);
	}
out:
	cJSON_Delete(s.st);
	free(s.jobs); /* borrowed from all */
	cube_robj_list_free(all, n_all);
	cube_robj_unref(obj);
	return rc;
}

static void cj_free(void *ud)
{
	free(ud);
}

int cronjob_init(cm *m, cube_err *err)
{
	cj_ctl *c = calloc(1, sizeof(*c));
	if (!c)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	c->m = m;
	cube_controller_config cc = {
		.name = "cronjob", .workers = m->cfg.workers, .sync = sync_cronjob, .ud = c};
	if (!(c->ctl = cube_controller_new(&cc, err))) {
		free(c);
		return -1;
	}
	if (cm_add(m, c->ctl, c, cj_free, err) < 0)
		return -1;
	if (!(c->rec = cm_recorder(m, "cronjob-controller", err)))
		return -1;
	c->cjs = cube_informer_factory_get(m->factory, &CUBE_GVR_CRONJOBS, NULL, NULL, NULL, err);
	c->jobs = c->cjs ? cube_informer_factory_get(m->factory, &CUBE_GVR_JOBS, NULL, NULL, NULL,
						     err)
			 : NULL;
	if (!c->jobs)
		return -1;
	/* Jobs bring their CronJob back; orphans are not adopted (Kubernetes'
	 * v2 controller does not adopt either). */
	c->oe = (cm_owner_enqueuer){.ctl = c->ctl, .kind = "CronJob"};
	cube_informer_handlers ch = cube_controller_handlers(c->ctl);
	cube_informer_handlers jh = cm_owner_handlers(&c->oe);
	if (cube_informer_add_index(c->jobs, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_index(c->cjs, "namespace", cube_index_namespace, err) < 0 ||
	    cube_informer_add_handlers(c->cjs, &ch, err) < 0 ||
	    cube_informer_add_handlers(c->jobs, &jh, err) < 0)
		return -1;
	return 0;
}
