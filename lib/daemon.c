/* daemon.c - the API client and the health/metrics server of every daemon. */
#include "daemon.h"

#include <stdlib.h>
#include <string.h>

#include "kubeconfig.h"

cube_kclient *cube_daemon_client(const char *kubeconfig, const char *master, const char *user_agent,
				 cube_err *err)
{
	if (!kubeconfig && !master) {
		cube_err_set(err, CUBE_EINVAL, "one of --master or --kubeconfig is required");
		return NULL;
	}
	cube_kubeconfig *kc = kubeconfig ? cube_kubeconfig_load(kubeconfig, NULL, err)
					 : cube_kubeconfig_from_master(master, err);
	if (!kc)
		return NULL;
	cube_kclient_config cc = {
		.server = kc->server, .token = kc->token, .tls = kc->tls, .user_agent = user_agent};
	cube_kclient *c = cube_kclient_new(&cc, err);
	cube_kubeconfig_free(kc);
	return c;
}

static void serve(void *ud, cube_httpd_req *h)
{
	const cube_daemon_serve_config *cfg = ud;
	const char *path = cube_httpd_path(h);
	if (cfg->handle && cfg->handle(cfg->ud, h))
		return;
	if (!strcmp(path, "/healthz") || !strcmp(path, "/readyz") || !strcmp(path, "/livez")) {
		char why[256] = "";
		bool ok = !cfg->healthy || cfg->healthy(cfg->ud, why, sizeof(why));
		cube_httpd_respond_text(h, ok ? 200 : 500, "text/plain; charset=utf-8",
					ok ? "ok" : (why[0] ? why : "unhealthy"));
	} else if (!strcmp(path, "/metrics") && cfg->metrics) {
		if (cfg->collect)
			cfg->collect(cfg->ud);
		size_t len;
		char *text = cube_metrics_render(cfg->metrics, &len);
		if (text)
			cube_httpd_respond(h, 200, "text/plain; version=0.0.4; charset=utf-8", text,
					   len);
		else
			cube_httpd_respond_text(h, 500, "text/plain", "out of memory\n");
	} else {
		cube_httpd_respond_status(h, 404, "NotFound", NULL,
					  "the server could not find the requested resource");
	}
}

cube_httpd *cube_daemon_serve(const cube_daemon_serve_config *cfg, cube_err *err)
{
	/* The server's own copy of the config, freed when it stops. */
	cube_daemon_serve_config *c = malloc(sizeof(*c));
	if (!c) {
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	*c = *cfg;
	cube_httpd_config hc = {.bind_address = cfg->bind_address ? cfg->bind_address : "127.0.0.1",
				.port = cfg->port,
				.threads = 1,
				.handler = serve,
				.ud = c,
				.free_ud = free};
	cube_httpd *h = cube_httpd_start(&hc, err);
	if (!h)
		free(c);
	return h;
}
