/* podlog.c - GET pods/<name>/log, the API server's half of `kubectl logs`:
 * as Kubernetes' pod log REST storage, it finds the pod's node and proxies
 * to that node's cubelet, GET /containerLogs/<ns>/<pod>/<container> with
 * the same options (follow, tailLines, timestamps, previous, limitBytes),
 * at the address and port the Node reports (its InternalIP and
 * status.daemonEndpoints.kubeletEndpoint.Port).
 *
 * Without follow the answer is relayed whole.  With follow the request is
 * first made without it (tailLines=0), so that an error (a container still
 * waiting, say) comes back as the cubelet's Status with its code; then the
 * reply is a chunked stream fed by a thread of its own that relays what
 * the cubelet sends, so no request worker waits on a follow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"
#include "cleanup.h"
#include "http.h"
#include "obj.h"

typedef struct relay {
	cube_httpd_stream *s;
	char url[2048];
	atomic_int cancel;
	atomic_int refs; /* the thread's and the stream's closed callback's */
} relay;

static void relay_unref(relay *r)
{
	if (atomic_fetch_sub(&r->refs, 1) == 1)
		free(r);
}

static int relay_data(void *ud, const char *data, size_t len)
{
	relay *r = ud;
	return cube_httpd_stream_write(r->s, data, len) < 0 ? -1 : 0;
}

static void relay_closed(void *ud)
{
	relay *r = ud;
	atomic_store(&r->cancel, 1);
	relay_unref(r);
}

static void *relay_main(void *arg)
{
	relay *r = arg;
	cube_http *h = cube_http_new(NULL);
	cube_http_req req = {.url = r->url, .on_data = relay_data, .ud = r, .cancel = &r->cancel};
	cube_http_resp resp = {0};
	if (h)
		cube_http_do(h, &req, &resp, NULL);
	cube_http_resp_clear(&resp);
	cube_http_free(h);
	cube_httpd_stream_end(r->s);
	cube_httpd_stream_unref(r->s);
	relay_unref(r);
	return NULL;
}

static void names(const cJSON *list, char *buf, size_t size)
{
	buf[0] = '\0';
	const cJSON *c;
	cJSON_ArrayForEach (c, list) {
		const char *n = cube_json_str(c, "name");
		if (n)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? " " : "",
				 n);
	}
}

bool api_node_kubelet_endpoint(const cJSON *node, char *ip, size_t size, int *port)
{
	ip[0] = '\0';
	const cJSON *a;
	cJSON_ArrayForEach (a, cube_json_path(node, "status.addresses")) {
		const char *t = cube_json_str(a, "type"), *v = cube_json_str(a, "address");
		if (t && v && !strcmp(t, "InternalIP")) {
			snprintf(ip, size, "%s", v);
			break;
		}
	}
	*port = (int)cube_json_int(node, "status.daemonEndpoints.kubeletEndpoint.Port", 10250);
	return ip[0] && *port > 0;
}

bool pod_node_endpoint(api_req *r, const char *node, char *ip, size_t size, int *port)
{
	char key[600];
	snprintf(key, sizeof(key), "/registry/nodes/%s", node);
	cube_etcd_kv kv;
	if (cube_etcd_get(r->s->etcd, key, &kv, NULL, NULL) < 0)
		return false;
	cube_autojson cJSON *o = cube_json_parse(kv.value, kv.value_len, NULL);
	cube_etcd_kv_clear(&kv);
	return api_node_kubelet_endpoint(o, ip, size, port);
}

const char *pod_pick_container(api_req *r, const cJSON *pod)
{
	const char *pname = cube_obj_name(pod);
	const cJSON *containers = cube_json_path(pod, "spec.containers");
	const char *container = cube_httpd_query(r->h, "container");
	if (!container || !container[0]) {
		if (cJSON_GetArraySize(containers) == 1)
			return cube_json_str(cJSON_GetArrayItem(containers, 0), "name");
		char a[1024], b[1024];
		names(containers, a, sizeof(a));
		names(cube_json_path(pod, "spec.initContainers"), b, sizeof(b));
		if (b[0])
			api_bad_request(r,
					"a container name must be specified for pod %s, choose one "
					"of: [%s] or one of the init containers: [%s]",
					pname, a, b);
		else
			api_bad_request(r,
					"a container name must be specified for pod %s, choose one "
					"of: [%s]",
					pname, a);
		return NULL;
	}
	if (strchr(container, '/') || strchr(container, '?') || strchr(container, '%')) {
		api_bad_request(r, "invalid container name");
		return NULL;
	}
	return container;
}

bool pod_node(api_req *r, const cJSON *pod, char *ip, size_t size, int *port)
{
	const char *node = cube_json_str(pod, "spec.nodeName");
	if (!node || !node[0]) {
		api_bad_request(r, "pod %s does not have a host assigned", cube_obj_name(pod));
		return false;
	}
	if (!pod_node_endpoint(r, node, ip, size, port)) {
		cube_httpd_respond_status(r->h, 404, "NotFound", NULL, "nodes \"%s\" not found",
					  node);
		return false;
	}
	return true;
}

static void add_param(char *url, size_t size, api_req *r, const char *name)
{
	const char *v = cube_httpd_query(r->h, name);
	if (!v)
		return;
	/* the values are numbers and booleans: anything else is refused */
	for (const char *c = v; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			return;
	snprintf(url + strlen(url), size - strlen(url), "%s%s=%s", strchr(url, '?') ? "&" : "?",
		 name, v);
}

void podlog_serve(api_req *r, const cJSON *pod)
{
	const char *pname = cube_obj_name(pod);
	const char *container = pod_pick_container(r, pod);
	if (!container)
		return;
	const char *node = cube_json_str(pod, "spec.nodeName");
	char ip[64];
	int port;
	if (!pod_node(r, pod, ip, sizeof(ip), &port))
		return;
	char base[1600];
	snprintf(base, sizeof(base), "http://%s:%d/containerLogs/%s/%s/%s", ip, port,
		 cube_obj_namespace(pod), pname, container);
	static const char *const params[] = {"timestamps", "previous", "limitBytes"};
	for (size_t i = 0; i < 3; i++)
		add_param(base, sizeof(base), r, params[i]);
	bool follow = cube_httpd_query_bool(r->h, "follow");
	char url[2048];
	snprintf(url, sizeof(url), "%s", base);
	if (follow)
		snprintf(url + strlen(url), sizeof(url) - strlen(url), "%stailLines=0",
			 strchr(url, '?') ? "&" : "?");
	else
		add_param(url, sizeof(url), r, "tailLines");
	cube_http *h = cube_http_new(NULL);
	cube_http_req req = {.url = url, .timeout_ms = 30000};
	cube_http_resp resp = {0};
	cube_err err = CUBE_ERR_INIT;
	if (!h || cube_http_do(h, &req, &resp, &err) < 0) {
		cube_httpd_respond_status(r->h, 503, "ServiceUnavailable", NULL,
					  "the node %s cannot be reached: %s", node, err.msg);
		goto out;
	}
	if (resp.status != 200 || !follow) {
		size_t len = resp.body ? strlen(resp.body) : 0;
		cube_httpd_respond(r->h, (int)resp.status,
				   resp.content_type ? resp.content_type : "text/plain",
				   CUBE_STEAL(resp.body), len);
		goto out;
	}
	/* follow: the whole log, then what comes */
	relay *rl = calloc(1, sizeof(*rl));
	if (!rl) {
		cube_httpd_respond_status(r->h, 500, "InternalError", NULL, "out of memory");
		goto out;
	}
	snprintf(rl->url, sizeof(rl->url), "%s%sfollow=true", base, strchr(base, '?') ? "&" : "?");
	add_param(rl->url, sizeof(rl->url), r, "tailLines");
	atomic_store(&rl->refs, 2);
	rl->s = cube_httpd_stream_start(r->h, 200, "text/plain", relay_closed, rl);
	if (!rl->s) {
		free(rl); /* no stream, no callback */
		goto out;
	}
	pthread_t th;
	if (pthread_create(&th, NULL, relay_main, rl) != 0) {
		cube_httpd_stream_end(rl->s);
		cube_httpd_stream_unref(rl->s);
		relay_unref(rl);
		goto out;
	}
	pthread_detach(th);
out:
	cube_http_resp_clear(&resp);
	cube_http_free(h);
}
