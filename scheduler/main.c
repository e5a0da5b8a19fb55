/* main.c - cube-scheduler: flags, signals, scheduler_start(). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "flags.h"
#include "http.h"
#include "log.h"
#include "scheduler.h"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int main(int argc, char **argv)
{
	scheduler_config cfg = {.leader_elect = true, .port = 10259, .bind_address = "127.0.0.1"};
	int verbosity = 2;
	const cube_flag flags[] = {
		{"master", CUBE_FLAG_STRING, &cfg.master,
		 "the API server's URL (instead of --kubeconfig)"},
		{"kubeconfig", CUBE_FLAG_STRING, &cfg.kubeconfig,
		 "a kubeconfig file to reach the API server"},
		{"config", CUBE_FLAG_STRING, &cfg.config_file,
		 "the scheduling policy (which plug-ins, their weights), JSON or YAML"},
		{"leader-elect", CUBE_FLAG_BOOL, &cfg.leader_elect,
		 "elect a leader on the Lease kube-system/kube-scheduler before scheduling"},
		{"explain", CUBE_FLAG_BOOL, &cfg.explain, "log every decision's scorecard"},
		{"port", CUBE_FLAG_INT, &cfg.port, "port for /healthz and /metrics (-1: none)"},
		{"bind-address", CUBE_FLAG_STRING, &cfg.bind_address,
		 "address for /healthz and /metrics"},
		{"v", CUBE_FLAG_INT, &verbosity,
		 "log level: 0 errors, 1 warnings, 2 info, 3 debug"},
		{0},
	};
	cube_err err = CUBE_ERR_INIT;
	int rc = cube_flags_parse(flags, argc, argv, NULL, &err);
	if (rc == CUBE_FLAGS_HELP) {
		char *u = cube_flags_usage("cube-scheduler",
					   "cube-scheduler binds pending pods to nodes.", flags);
		fputs(u ? u : "", stdout);
		free(u);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "cube-scheduler: %s\n", err.msg);
		return 2;
	}
	if (!cfg.master && !cfg.kubeconfig) {
		fprintf(stderr, "cube-scheduler: one of --master or --kubeconfig is required\n");
		return 2;
	}
	cube_log_set_level(verbosity < 0   ? CUBE_LOG_ERROR
			   : verbosity > 3 ? CUBE_LOG_DEBUG
					   : (cube_log_level)verbosity);
	signal(SIGPIPE, SIG_IGN);
	cube_http_global_init();
	scheduler *s = scheduler_start(&cfg, &err);
	if (!s) {
		fprintf(stderr, "cube-scheduler: %s\n", err.msg);
		return 1;
	}
	cube_log_info("cube-scheduler: started");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stopping)
		pause();
	cube_log_info("cube-scheduler: shutting down");
	scheduler_stop(s);
	return 0;
}
