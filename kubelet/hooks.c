/* hooks.c - container lifecycle hooks (see hooks.h). */
#include "hooks.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktime.h"
#include "netns.h"
#include "obj.h"
#include "probe.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool hook_run(const cJSON *h, const hook_ctx *c, int timeout_s, char *msg, size_t size)
{
	msg[0] = '\0';
	if (timeout_s < 1)
		timeout_s = 1;
	const cJSON *sl = cube_json_path(h, "sleep.seconds");
	if (cJSON_IsNumber(sl)) {
		double end = now_s() + (sl->valuedouble < timeout_s ? sl->valuedouble : timeout_s);
		while (now_s() < end)
			usleep(50 * 1000);
		return true;
	}
	if (!cube_json_path(h, "exec") && !cube_json_path(h, "httpGet")) {
		snprintf(msg, size, "invalid handler: no exec, httpGet or sleep");
		return false;
	}
	int fd = -1;
	if (c->netns[0] && cube_json_path(h, "httpGet")) {
		cube_err err = CUBE_ERR_INIT;
		if ((fd = cube_netns_open(c->netns, &err)) < 0) {
			snprintf(msg, size, "%s", err.msg);
			return false;
		}
	}
	probe_target t = {.runc_root = c->runc_root,
			  .container_id = c->id,
			  .pod_ip = c->pod_ip,
			  .netns_fd = fd >= 0 ? fd : c->node_nsfd,
			  .container = c->container,
			  .timeout_s = timeout_s,
			  .user_agent = "kube-lifecycle/1.32"};
	bool ok = probe_run(h, &t, msg, size);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The kubelet's words for a failed hook. */
static void hook_failure(const cJSON *h, const hook_ctx *c, const char *err, char *buf, size_t size)
{
	const char *name = cube_json_str(c->container, "name");
	char who[700];
	snprintf(who, sizeof(who), "for Container \"%s\" in Pod \"%s_%s(%s)\"", name ? name : "",
		 cube_obj_name(c->pod), cube_obj_namespace(c->pod), cube_obj_uid(c->pod));
	const cJSON *cmd = cube_json_path(h, "exec.command");
	if (cmd) {
		char words[512] = "";
		const cJSON *w;
		cJSON_ArrayForEach (w, cmd)
			if (cJSON_IsString(w))
				snprintf(words + strlen(words), sizeof(words) - strlen(words),
					 "%s%s", words[0] ? " " : "", w->valuestring);
		snprintf(buf, size,
			 "Exec lifecycle hook ([%s]) %s failed - error: command '%s' exited with "
			 "non-zero status, message: \"%s\"",
			 words, who, words, err);
	} else {
		const char *path = cube_json_str(h, "httpGet.path");
		snprintf(buf, size, "HTTP lifecycle hook (%s) %s failed - error: %s",
			 path ? path : "", who, err);
	}
}

static bool ended(const hook_ctx *c)
{
	return access(c->exit_file, F_OK) == 0 || (c->pid > 0 && kill(c->pid, 0) < 0);
}

int hooks_post_start(const hook_ctx *c)
{
	const cJSON *h = cube_json_path(c->container, "lifecycle.postStart");
	if (!cJSON_IsObject(h))
		return 0;
	char msg[1024], text[2048];
	if (hook_run(h, c, HOOK_POST_START_MAX_S, msg, sizeof(msg)))
		return 0;
	hook_failure(h, c, msg, text, sizeof(text));
	cube_event(c->ev, c->pod, "Warning", "FailedPostStartHook", "%s", text);
	const char *name = cube_json_str(c->container, "name");
	cube_event(c->ev, c->pod, "Normal", "Killing",
		   "FailedPostStartHook: Container %s failed its postStart hook, will be killed",
		   name ? name : "");
	int grace = (int)cube_json_int(c->pod, "spec.terminationGracePeriodSeconds", 30);
	int sig = grace > 0 ? SIGTERM : SIGKILL;
	for (int round = 0; round < 2 && c->pid > 0; round++) {
		kill(c->pid, sig);
		double end = now_s() + (round == 0 && sig == SIGTERM ? grace : 5);
		while (!ended(c) && now_s() < end)
			usleep(50 * 1000);
		if (ended(c))
			break;
		sig = SIGKILL;
	}
	/* the shim records the end a moment after the process went */
	for (int i = 0; i < 100 && access(c->exit_file, F_OK) < 0; i++)
		usleep(50 * 1000);
	return -1;
}

int hooks_pre_stop(const hook_ctx *c, int timeout_s)
{
	const cJSON *h = cube_json_path(c->container, "lifecycle.preStop");
	if (!cJSON_IsObject(h) || timeout_s <= 0)
		return 0;
	double t0 = now_s();
	char msg[1024], text[2048];
	if (!hook_run(h, c, timeout_s, msg, sizeof(msg))) {
		hook_failure(h, c, msg, text, sizeof(text));
		cube_event(c->ev, c->pod, "Warning", "FailedPreStopHook", "%s", text);
	}
	return (int)(now_s() - t0 + 0.5);
}

int hooks_grace_left(int grace, int spent, bool ran)
{
	int left = grace - spent;
	if (ran && left < 2)
		left = 2;
	return left < 0 ? 0 : left;
}
