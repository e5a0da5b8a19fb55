/* why.c - cubectl why pod/NAME: cube's own command, a plain-language
 * account of a pod's life: where it is and why the scheduler put it there
 * (the scorecard the scheduler left in the annotation
 * scheduler.cube.io/scorecard: the winner, the runner-up, the plug-ins that
 * made the difference, why other nodes were filtered out), or, for a pod
 * that is still Pending, what the scheduler said (FailedScheduling: the
 * reasons per node); then what happened to its containers, and the events
 * in order.  No kubectl has it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cubectl.h"
#include "ktime.h"
#include "obj.h"

void cctl_describe_scheduling(cctl_tabw *tw, const cJSON *pod, const cJSON *events);

static const char *s_or(const cJSON *o, const char *path, const char *dflt)
{
	const char *s = cube_json_str(o, path);
	return s && s[0] ? s : dflt;
}

/* The plug-in where the winner beat the runner-up by the most. */
static void decisive(const cJSON *a, const cJSON *b, char *buf, size_t size)
{
	const cJSON *pa = cJSON_GetObjectItemCaseSensitive(a, "plugins");
	const cJSON *pb = cJSON_GetObjectItemCaseSensitive(b, "plugins");
	const char *best = NULL;
	double diff = 0;
	const cJSON *p;
	cJSON_ArrayForEach (p, pa) {
		const cJSON *q = cJSON_GetObjectItemCaseSensitive(pb, p->string);
		double d = p->valuedouble - (cJSON_IsNumber(q) ? q->valuedouble : 0);
		if (d > diff) {
			diff = d;
			best = p->string;
		}
	}
	if (best)
		snprintf(buf, size, "%s gave it %.0f more points", best, diff);
	else
		snprintf(buf, size, "the scores tied and the scheduler picked one at random");
}

static void explain_scheduling(const cJSON *pod, const cJSON *events)
{
	const char *card_text = cube_obj_annotation(pod, "scheduler.cube.io/scorecard");
	cube_autojson cJSON *card = card_text ? cJSON_Parse(card_text) : NULL;
	const char *node = cube_json_str(pod, "spec.nodeName");
	if (card && cube_json_str(card, "node")) {
		const cJSON *top = cJSON_GetObjectItemCaseSensitive(card, "top");
		const cJSON *first = cJSON_GetArrayItem(top, 0),
			    *second = cJSON_GetArrayItem(top, 1);
		printf("Scheduling: cube-scheduler placed it on %s. %lld of %lld nodes could run "
		       "it",
		       cube_json_str(card, "node"), (long long)cube_json_int(card, "feasible", 0),
		       (long long)cube_json_int(card, "total", 0));
		if (first)
			printf("; %s scored %lld", s_or(first, "node", "?"),
			       (long long)cube_json_int(first, "score", 0));
		if (second) {
			char why[256];
			decisive(first, second, why, sizeof(why));
			printf(", ahead of %s with %lld: %s", s_or(second, "node", "?"),
			       (long long)cube_json_int(second, "score", 0), why);
		}
		printf(".\n");
	} else if (node && node[0]) {
		printf("Scheduling: it was bound to %s without a scorecard (not by cube-scheduler, "
		       "or spec.nodeName was set).\n",
		       node);
	} else {
		const char *msg = NULL;
		const cJSON *e;
		cJSON_ArrayForEach (e, events) {
			if (!strcmp(s_or(e, "reason", ""), "FailedScheduling"))
				msg = cube_json_str(e, "message");
		}
		if (msg)
			printf("Scheduling: no node can run it yet. The scheduler said: %s\n", msg);
		else
			printf("Scheduling: the scheduler has not tried it yet.\n");
	}
	const cJSON *filtered = cJSON_GetObjectItemCaseSensitive(card, "filtered");
	if (cJSON_GetArraySize(filtered)) {
		printf("Nodes ruled out:\n");
		const cJSON *f;
		cJSON_ArrayForEach (f, filtered) {
			printf("  %lld node(s): %s\n", (long long)f->valuedouble, f->string);
		}
	}
}

static void explain_containers(const cJSON *pod)
{
	const cJSON *st;
	cJSON_ArrayForEach (st, cube_json_path(pod, "status.containerStatuses")) {
		const char *name = s_or(st, "name", "?");
		const cJSON *run = cube_json_path(st, "state.running");
		const cJSON *wait = cube_json_path(st, "state.waiting");
		const cJSON *term = cube_json_path(st, "state.terminated");
		int64_t restarts = cube_json_int(st, "restartCount", 0);
		bool ready = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "ready"));
		printf("Container %s (%s): ", name, s_or(st, "image", "?"));
		if (run) {
			char age[32];
			cctl_age(cube_json_str(run, "startedAt"), age, sizeof(age));
			printf("running for %s, %s", age, ready ? "ready" : "not ready");
		} else if (wait) {
			printf("waiting (%s)", s_or(wait, "reason", "no reason given"));
		} else if (term) {
			printf("terminated with exit code %lld (%s)",
			       (long long)cube_json_int(term, "exitCode", 0),
			       s_or(term, "reason", "no reason given"));
		} else {
			printf("not started");
		}
		if (restarts)
			printf(", restarted %lld time%s", (long long)restarts,
			       restarts == 1 ? "" : "s");
		printf(".\n");
	}
}

int cctl_cmd_why(cctl *c, int argc, char **argv)
{
	char *pos[4];
	int n = cctl_parse(c, NULL, argc, argv, pos, 4, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 1)
		return cctl_fail("usage: cubectl why pod/NAME");
	char arg[512];
	snprintf(arg, sizeof(arg), "%s", pos[0]);
	const char *name = arg;
	char *slash = strchr(arg, '/');
	if (slash) {
		*slash = '\0';
		const cctl_res *r = cctl_resolve(c, arg);
		if (!r)
			return c->res ? cctl_fail("the server doesn't have a resource type \"%s\"",
						  arg)
				      : 1;
		if (strcmp(r->gvr.kind, "Pod"))
			return cctl_fail("cubectl why explains pods, not %s", r->gvr.kind);
		name = slash + 1;
	} else if (n > 1) {
		name = pos[1];
	}
	const cctl_res *pods = cctl_resolve(c, "pods");
	if (!pods)
		return 1;
	cube_autojson cJSON *pod = cctl_get_obj(c, pods, name);
	if (!pod)
		return 1;
	cube_autojson cJSON *events = cctl_events_for(c, pod);
	const char *phase = s_or(pod, "status.phase", "Unknown");
	const char *node = cube_json_str(pod, "spec.nodeName");
	char age[32];
	cctl_age(cube_json_str(pod, "metadata.creationTimestamp"), age, sizeof(age));
	printf("Pod %s/%s is %s%s%s (created %s ago).\n", cube_obj_namespace(pod), name, phase,
	       node && node[0] ? " on " : "", node && node[0] ? node : "", age);
	char ctl[600];
	const cJSON *r;
	ctl[0] = '\0';
	cJSON_ArrayForEach (r, cube_json_path(pod, "metadata.ownerReferences")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")))
			snprintf(ctl, sizeof(ctl), "%s/%s", s_or(r, "kind", "?"),
				 s_or(r, "name", "?"));
	}
	if (ctl[0])
		printf("It belongs to %s, which created it and will replace it if it goes away.\n",
		       ctl);
	explain_scheduling(pod, events);
	explain_containers(pod);
	if (cJSON_GetArraySize(events)) {
		printf("What happened, in order:\n");
		const cJSON *e;
		cJSON_ArrayForEach (e, events) {
			const char *ts = cube_json_str(e, "lastTimestamp");
			if (!ts || !ts[0])
				ts = cube_json_str(e, "eventTime");
			char ea[32];
			cctl_age(ts, ea, sizeof(ea));
			int64_t count = cube_json_int(e, "count", 1);
			printf("  %s ago\t%s\t%s: %s", ea,
			       s_or(e, "source.component", s_or(e, "reportingComponent", "?")),
			       s_or(e, "reason", "?"), s_or(e, "message", ""));
			if (count > 1)
				printf(" (x%lld)", (long long)count);
			printf("\n");
		}
	}
	printf("\n");
	cctl_tabw tw = {.tabbed = true};
	cctl_describe_scheduling(&tw, pod, events);
	cctl_tabw_flush(&tw, stdout);
	cctl_tabw_free(&tw);
	return 0;
}
