/* podportforward.c - pods/<name>/portforward, the API server's half of
 * `kubectl port-forward`: the pod must be scheduled and Running, its
 * `ports` parameters (each a number or a comma-separated list of them)
 * become the cubelet's `port=N` parameters, and the client's WebSocket
 * upgrade is relayed to GET /portForward/<ns>/<pod>?port=... on the
 * pod's node (pod_relay_upgrade, shared with exec), which speaks the
 * WebSocket port-forward protocol (kubelet/portforward.c).  kubectl's
 * SPDY/3.1 (POST with Upgrade: SPDY/3.1, or the SPDY/3.1+portforward.k8s.io
 * WebSocket subprotocol the cubelet does not offer) is refused with a
 * message that says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver.h"
#include "cleanup.h"
#include "obj.h"

#define MAX_PORTS 32

/* Appends &port=N for every port of the `ports` parameters to the target
 * in m; false after answering 400 for a bad one. */
static bool add_ports(api_req *r, FILE *m)
{
	const char *vals[MAX_PORTS + 1];
	size_t nv = cube_httpd_query_all(r->h, "ports", vals, MAX_PORTS + 1);
	size_t n = 0;
	for (size_t v = 0; v < nv; v++) {
		for (const char *p = vals[v];;) {
			size_t len = strcspn(p, ",");
			char *end = NULL;
			unsigned long port = strtoul(p, &end, 10);
			if (!len || len > 5 || end != p + len || p[0] < '0' || p[0] > '9' ||
			    port < 1 || port > 65535) {
				api_bad_request(r,
						"invalid port \"%.*s\" in ports: must be a number "
						"between 1 and 65535",
						(int)(len > 32 ? 32 : len), p);
				return false;
			}
			if (++n > MAX_PORTS) {
				api_bad_request(r, "too many ports: at most %d", MAX_PORTS);
				return false;
			}
			fprintf(m, "%sport=%lu", n == 1 ? "?" : "&", port);
			if (!p[len])
				break;
			p += len + 1;
		}
	}
	return true;
}

void podportforward_serve(api_req *r, const cJSON *pod)
{
	const char *phase = cube_json_str(pod, "status.phase");
	const char *node = cube_json_str(pod, "spec.nodeName");
	if (node && node[0] && (!phase || strcmp(phase, "Running"))) {
		api_bad_request(r,
				"unable to forward port because pod is not running. Current "
				"status=%s",
				phase ? phase : "Pending");
		return;
	}
	cube_autofree char *target = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&target, &len);
	if (!m) {
		pod_relay_upgrade(r, pod, NULL, "port forwarding", "v4.channel.k8s.io");
		return;
	}
	fprintf(m, "/portForward/%s/%s", cube_obj_namespace(pod), cube_obj_name(pod));
	bool ok = add_ports(r, m);
	fclose(m);
	if (ok)
		pod_relay_upgrade(r, pod, target, "port forwarding", "v4.channel.k8s.io");
}
