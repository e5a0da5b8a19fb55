/* daemon.h - what every long-running cube component shares at start-up:
 * its API client from `--master URL` or `--kubeconfig FILE`, and the small
 * HTTP server for `/healthz` (also `/readyz`, `/livez`) and `/metrics`.
 *
 *   cube_kclient *c = cube_daemon_client(cfg.kubeconfig, cfg.master,
 *                                        "cube-scheduler/v1.32.0-cube", &err);
 *   cube_httpd *h = cube_daemon_serve(&(cube_daemon_serve_config){
 *       .bind_address = "127.0.0.1", .port = 10259, .metrics = m,
 *       .healthy = my_check, .ud = me}, &err);
 */
#ifndef CUBE_DAEMON_H
#define CUBE_DAEMON_H

#include <stdbool.h>

#include "error.h"
#include "httpd.h"
#include "kclient.h"
#include "metrics.h"

/* The client for a kubeconfig file (preferred when both are given) or a
 * master URL; NULL with err when neither works. */
cube_kclient *cube_daemon_client(const char *kubeconfig, const char *master, const char *user_agent,
				 cube_err *err);

typedef struct cube_daemon_serve_config {
	const char *bind_address; /* default 127.0.0.1 */
	int port;		  /* 0: any free port */
	cube_metrics *metrics;	  /* rendered at /metrics (borrowed; may be NULL) */
	/* Health: true when healthy; otherwise `why` (size 256) says why.
	 * NULL: always healthy. */
	bool (*healthy)(void *ud, char *why, size_t size);
	/* Called before each /metrics render to refresh gauges (may be NULL). */
	void (*collect)(void *ud);
	void *ud;
	/* Called first for every request (may be NULL): returns true when it
	 * answered the request itself (cube-proxy's JSON /healthz). */
	bool (*handle)(void *ud, cube_httpd_req *req);
} cube_daemon_serve_config;

/* Starts serving /healthz, /readyz, /livez and /metrics (404 Status for the
 * rest).  Stop with cube_httpd_stop. */
cube_httpd *cube_daemon_serve(const cube_daemon_serve_config *cfg, cube_err *err);

#endif
