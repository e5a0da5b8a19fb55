/* events.c - the event recorder: a bounded queue, a writer thread, and the
 * correlation of repeats (count) and of similar events (aggregation). */
#include "events.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"
#include "obj.h"
#include "strmap.h"

#define QUEUE_MAX 1000
#define CACHE_MAX 4096	   /* remembered events (by identity) */
#define AGGREGATE_AFTER 10 /* similar events before aggregation */
#define AGGREGATE_WINDOW_S 600

struct pending {
	cJSON *involved; /* ObjectReference */
	char *type, *reason, *message;
	struct pending *next;
};

/* What we remember of an Event we wrote. */
struct seen {
	char *ns, *name; /* the Event object's */
	int64_t count;
	char first[32];
};

/* Similar events of one object/type/reason within the window. */
struct similar {
	int n;
	time_t since;
};

struct cube_recorder {
	cube_kclient *c;
	char *component, *host;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct pending *head, *tail;
	size_t qlen;
	bool stop;
	pthread_t thread;
	cube_strmap *seen;    /* identity -> struct seen* */
	cube_strmap *similar; /* object/type/reason -> struct similar* */
	cube_recorder_stats stats;
};

static void now_rfc3339(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *object_reference(const cJSON *obj)
{
	cJSON *ref = cJSON_CreateObject();
	if (!ref)
		return NULL;
	static const char *const top[] = {"kind", "apiVersion"};
	for (size_t i = 0; i < 2; i++) {
		const char *v = cube_json_str(obj, top[i]);
		if (v)
			cJSON_AddStringToObject(ref, top[i], v);
	}
	static const char *const md[] = {"namespace", "name", "uid", "resourceVersion"};
	for (size_t i = 0; i < 4; i++) {
		char path[48];
		snprintf(path, sizeof(path), "metadata.%s", md[i]);
		const char *v = cube_json_str(obj, path);
		if (v)
			cJSON_AddStringToObject(ref, md[i], v);
	}
	return ref;
}

static void free_pending(struct pending *p)
{
	if (!p)
		return;
	cJSON_Delete(p->involved);
	free(p->type);
	free(p->reason);
	free(p->message);
	free(p);
}

/* Writes one event: a PATCH of a remembered one, or a new Event. */
static void write_event(cube_recorder *r, struct pending *p)
{
	const char *ons = cube_json_str(p->involved, "namespace");
	const char *oname = cube_json_str(p->involved, "name");
	const char *ouid = cube_json_str(p->involved, "uid");
	const char *okind = cube_json_str(p->involved, "kind");
	const char *ns = ons && ons[0] ? ons : "default";
	char now[32];
	now_rfc3339(now, sizeof(now));

	/* Aggregation: many different messages of one kind for one object. */
	char sim_key[1024];
	snprintf(sim_key, sizeof(sim_key), "%s|%s|%s|%s|%s", okind ? okind : "", ns,
		 oname ? oname : "", p->type, p->reason);
	struct similar *s = cube_strmap_get(r->similar, sim_key);
	time_t t = time(NULL);
	if (!s && cube_strmap_len(r->similar) < CACHE_MAX && (s = calloc(1, sizeof(*s)))) {
		s->since = t;
		if (cube_strmap_put(r->similar, sim_key, s, NULL) < 0) {
			free(s);
			s = NULL;
		}
	}
	const char *message = p->message;
	char combined[1100];
	if (s) {
		if (t - s->since > AGGREGATE_WINDOW_S) {
			s->n = 0;
			s->since = t;
		}
		if (++s->n > AGGREGATE_AFTER) {
			snprintf(combined, sizeof(combined), "(combined from similar events): %s",
				 p->message);
			message = combined;
		}
	}

	char id[2048];
	snprintf(id, sizeof(id), "%s|%s|%s|%s|%s|%s|%s", ouid ? ouid : "", ns, oname ? oname : "",
		 p->type, p->reason, message == combined ? "(combined)" : message, r->component);
	struct seen *prev = cube_strmap_get(r->seen, id);
	if (prev) {
		cube_autojson cJSON *patch = cJSON_CreateObject();
		cJSON_AddNumberToObject(patch, "count", (double)(prev->count + 1));
		cJSON_AddStringToObject(patch, "lastTimestamp", now);
		if (message == combined)
			cJSON_AddStringToObject(patch, "message", message);
		cube_err err = CUBE_ERR_INIT;
		cube_autojson cJSON *out = cube_kclient_patch(
			r->c, &CUBE_GVR_EVENTS, prev->ns, prev->name, NULL, "merge", patch, &err);
		if (out) {
			prev->count++;
			r->stats.updated++;
			return;
		}
		if (err.code != CUBE_ENOTFOUND) {
			r->stats.failed++;
			cube_log_warn("event %s/%s: %s", prev->ns, prev->name, err.msg);
			return;
		}
		/* It expired (events live an hour): write a new one. */
		free(prev->ns);
		free(prev->name);
		free(cube_strmap_del(r->seen, id));
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char name[400];
	snprintf(name, sizeof(name), "%.250s.%llx", oname ? oname : "event",
		 (unsigned long long)tv.tv_sec * 1000000000ULL +
			 (unsigned long long)tv.tv_usec * 1000ULL);
	cube_autojson cJSON *ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "apiVersion", "v1");
	cJSON_AddStringToObject(ev, "kind", "Event");
	cJSON *md = cJSON_AddObjectToObject(ev, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddStringToObject(md, "namespace", ns);
	cJSON_AddItemToObject(ev, "involvedObject", cJSON_Duplicate(p->involved, true));
	cJSON_AddStringToObject(ev, "reason", p->reason);
	cJSON_AddStringToObject(ev, "message", message);
	cJSON *src = cJSON_AddObjectToObject(ev, "source");
	cJSON_AddStringToObject(src, "component", r->component);
	if (r->host)
		cJSON_AddStringToObject(src, "host", r->host);
	cJSON_AddStringToObject(ev, "firstTimestamp", now);
	cJSON_AddStringToObject(ev, "lastTimestamp", now);
	cJSON_AddNumberToObject(ev, "count", 1);
	cJSON_AddStringToObject(ev, "type", p->type);
	cJSON_AddNullToObject(ev, "eventTime");
	cJSON_AddStringToObject(ev, "reportingComponent", r->component);
	cJSON_AddStringToObject(ev, "reportingInstance", r->host ? r->host : "");
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *made = cube_kclient_create(r->c, &CUBE_GVR_EVENTS, ns, ev, &err);
	if (!made) {
		r->stats.failed++;
		cube_log_warn("event about %s %s/%s: %s", okind ? okind : "object", ns,
			      oname ? oname : "", err.msg);
		return;
	}
	r->stats.created++;
	if (cube_strmap_len(r->seen) >= CACHE_MAX)
		return; /* remembered enough: later repeats make new Events */
	struct seen *sn = calloc(1, sizeof(*sn));
	if (sn && (sn->ns = strdup(ns)) && (sn->name = strdup(name))) {
		sn->count = 1;
		if (cube_strmap_put(r->seen, id, sn, NULL) == 0)
			return;
	}
	if (sn) {
		free(sn->ns);
		free(sn->name);
		free(sn);
	}
}

static void *writer(void *arg)
{
	cube_recorder *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (!r->head && !r->stop)
			pthread_cond_wait(&r->cond, &r->mu);
		struct pending *p = r->head;
		if (!p) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		r->head = p->next;
		if (!r->head)
			r->tail = NULL;
		r->qlen--;
		pthread_mutex_unlock(&r->mu);
		write_event(r, p);
		free_pending(p);
	}
}

cube_recorder *cube_recorder_new(cube_kclient *c, const char *component, const char *host,
				 cube_err *err)
{
	cube_recorder *r = calloc(1, sizeof(*r));
	if (!r || !(r->component = strdup(component ? component : "cube")) ||
	    (host && !(r->host = strdup(host))) || !(r->seen = cube_strmap_new()) ||
	    !(r->similar = cube_strmap_new())) {
		if (r) {
			free(r->component);
			free(r->host);
			cube_strmap_free(r->seen);
			cube_strmap_free(r->similar);
			free(r);
		}
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	r->c = c;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->thread, NULL, writer, r) != 0) {
		cube_err_set(err, CUBE_EIO, "cannot start the event writer");
		free(r->component);
		free(r->host);
		cube_strmap_free(r->seen);
		cube_strmap_free(r->similar);
		free(r);
		return NULL;
	}
	return r;
}

void cube_event(cube_recorder *r, const cJSON *obj, const char *type, const char *reason,
		const char *fmt, ...)
{
	if (!r)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct pending *p = calloc(1, sizeof(*p));
	if (!p || !(p->involved = object_reference(obj)) || !(p->type = strdup(type)) ||
	    !(p->reason = strdup(reason)) || !(p->message = strdup(msg))) {
		free_pending(p);
		pthread_mutex_lock(&r->mu);
		r->stats.dropped++;
		pthread_mutex_unlock(&r->mu);
		return;
	}
	pthread_mutex_lock(&r->mu);
	if (r->qlen >= QUEUE_MAX || r->stop) {
		r->stats.dropped++;
		pthread_mutex_unlock(&r->mu);
		free_pending(p);
		return;
	}
	if (r->tail)
		r->tail->next = p;
	else
		r->head = p;
	r->tail = p;
	r->qlen++;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mu);
}

static int free_seen(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	struct seen *s = v;
	free(s->ns);
	free(s->name);
	free(s);
	return 0;
}

static int free_plain(void *ud, const char *k, void *v)
{
	(void)ud, (void)k;
	free(v);
	return 0;
}

void cube_recorder_free(cube_recorder *r)
{
	if (!r)
		return;
	/* Let the writer drain what is queued, for a few seconds at most. */
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&r->mu);
		bool empty = r->head == NULL;
		pthread_mutex_unlock(&r->mu);
		if (empty)
			break;
		nanosleep(&(struct timespec){0, 50000000L}, NULL);
	}
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	struct pending *p = r->head;
	r->head = r->tail = NULL;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	while (p) {
		struct pending *n = p->next;
		free_pending(p);
		p = n;
	}
	cube_strmap_each(r->seen, free_seen, NULL);
	cube_strmap_free(r->seen);
	cube_strmap_each(r->similar, free_plain, NULL);
	cube_strmap_free(r->similar);
	free(r->component);
	free(r->host);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cond);
	free(r);
}

void cube_recorder_get_stats(cube_recorder *r, cube_recorder_stats *out)
{
	pthread_mutex_lock(&r->mu);
	*out = r->stats;
	pthread_mutex_unlock(&r->mu);
}
