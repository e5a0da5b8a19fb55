/* registry_harness.c - starts and stops docker-registry (see the header). */
#include "registry_harness.h"

#include <stdio.h>
#include <string.h>

#include "etcd_harness.h"
#include "http.h"
#include "proc.h"

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int wait_ready(const cube_test_registry *r)
{
	cube_http *h = cube_http_new(NULL);
	char url[128];
	snprintf(url, sizeof(url), "http://%s/v2/", r->host);
	int ok = -1;
	for (int i = 0; h && i < 200 && ok < 0; i++) {
		cube_http_req req = {.url = url, .timeout_ms = 1000, .connect_timeout_ms = 300};
		cube_http_resp resp;
		if (cube_http_do(h, &req, &resp, NULL) == 0 &&
		    (resp.status == 200 || resp.status == 401))
			ok = 0;
		cube_http_resp_clear(&resp);
		if (ok < 0)
			cube_test_sleep_ms(50);
	}
	cube_http_free(h);
	return ok;
}

int cube_test_registry_start(cube_test_registry *r, const char *htpasswd)
{
	memset(r, 0, sizeof(*r));
	if (cube_test_temp_dir(r->dir, sizeof(r->dir), "registry") < 0)
		return -1;
	char cfg[700], text[2048], pw[600] = "";
	snprintf(r->log, sizeof(r->log), "%s/registry.log", r->dir);
	snprintf(cfg, sizeof(cfg), "%s/config.yml", r->dir);
	if (htpasswd) {
		snprintf(pw, sizeof(pw), "%s/htpasswd", r->dir);
		if (write_text(pw, htpasswd) < 0)
			return -1;
	}
	for (int attempt = 0; attempt < 5; attempt++) {
		r->port = cube_test_free_port();
		snprintf(r->host, sizeof(r->host), "127.0.0.1:%d", r->port);
		int n = snprintf(text, sizeof(text),
				 "version: 0.1\n"
				 "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
				 "storage:\n  filesystem:\n    rootdirectory: %s/data\n"
				 "  delete:\n    enabled: true\n"
				 "http:\n  addr: %s\n",
				 r->dir, r->host);
		if (htpasswd && n > 0 && (size_t)n < sizeof(text))
			snprintf(text + n, sizeof(text) - (size_t)n,
				 "auth:\n  htpasswd:\n    realm: cube-test\n    path: %s\n", pw);
		if (write_text(cfg, text) < 0)
			return -1;
		const char *argv[] = {"docker-registry", "serve", cfg, NULL};
		r->pid = cube_test_spawn(argv, r->log, true);
		if (r->pid > 0 && wait_ready(r) == 0)
			return 0;
		cube_test_kill(r->pid, 1000);
		r->pid = 0;
	}
	fprintf(stderr, "registry harness: docker-registry did not start\n");
	cube_test_print_tail(r->log);
	return -1;
}

void cube_test_registry_stop(cube_test_registry *r)
{
	if (r->pid > 0)
		cube_test_kill(r->pid, 3000);
	r->pid = 0;
	if (r->dir[0])
		cube_test_remove_dir(r->dir);
	r->dir[0] = '\0';
}

void cube_test_registry_blob_file(const cube_test_registry *r, const char *digest, char *buf,
				  size_t size)
{
	const char *hex = strchr(digest, ':');
	hex = hex ? hex + 1 : digest;
	snprintf(buf, size, "%s/data/docker/registry/v2/blobs/sha256/%.2s/%s/data", r->dir, hex,
		 hex);
}
