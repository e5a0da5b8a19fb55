/* gen.c - the generators: create deployment|namespace|configmap|secret
 * generic|service clusterip, run and expose.  They build the same objects
 * as kubectl's generators and POST them as JSON (kubectl's typed clients
 * send protobuf, which cube's API server does not speak: that is why the
 * real `kubectl create deployment` fails against cube and cubectl's works). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"

static struct {
	cctl_strv images, literals, files, envs;
	int replicas, port;
	const char *output, *dry_run, *type, *labels, *restart, *target_port, *name, *protocol,
		*image_pull_policy, *tcp_unused;
	cctl_strv tcp;
	bool command;
} G = {.replicas = 1, .port = -1};

/* ---- create deployment ------------------------------------------------------------------- */

static const cctl_flag deploy_flags[] = {
	{"image", 0, CCTL_ARRAY, &G.images, "Image names to run."},
	{"replicas", 'r', CCTL_INT, &G.replicas, "Number of replicas to create. Default is 1."},
	{"port", 0, CCTL_INT, &G.port, "The containerPort that this deployment exposes."},
	{"output", 'o', CCTL_STRING, &G.output, "Output format."},
	{"dry-run", 0, CCTL_STRING, &G.dry_run, "none, server, or client"},
	{"validate", 0, CCTL_STRING, &G.tcp_unused, "(accepted)"},
	{0},
};

/* kubectl's container name for an image: the last path element without
 * its tag or digest, '_' made '-'. */
static void image_name(const char *image, char *buf, size_t size)
{
	const char *slash = strrchr(image, '/');
	const char *n = slash ? slash + 1 : image;
	size_t len = strcspn(n, ":@");
	snprintf(buf, size, "%.*s", (int)len, n);
	for (char *p = buf; *p; p++)
		if (*p == '_')
			*p = '-';
}

static cJSON *labels_app(const char *name)
{
	cJSON *l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "app", name);
	return l;
}

static int create_deployment(cctl *c, const char *name, char **cmd, int ncmd)
{
	if (!G.images.n)
		return cctl_fail("required flag(s) \"image\" not set");
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(d, "kind", "Deployment");
	cJSON *md = cJSON_AddObjectToObject(d, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddItemToObject(md, "labels", labels_app(name));
	cJSON *spec = cJSON_AddObjectToObject(d, "spec");
	cJSON_AddNumberToObject(spec, "replicas", G.replicas);
	cJSON *sel = cJSON_AddObjectToObject(spec, "selector");
	cJSON_AddItemToObject(sel, "matchLabels", labels_app(name));
	cJSON *tmpl = cJSON_AddObjectToObject(spec, "template");
	cJSON *tmd = cJSON_AddObjectToObject(tmpl, "metadata");
	cJSON_AddItemToObject(tmd, "labels", labels_app(name));
	cJSON *ps = cJSON_AddObjectToObject(tmpl, "spec");
	cJSON *cs = cJSON_AddArrayToObject(ps, "containers");
	for (int i = 0; i < G.images.n; i++) {
		cJSON *ct = cJSON_CreateObject();
		char cn[256];
		image_name(G.images.v[i], cn, sizeof(cn));
		cJSON_AddStringToObject(ct, "name", cn);
		cJSON_AddStringToObject(ct, "image", G.images.v[i]);
		if (ncmd) {
			cJSON *a = cJSON_AddArrayToObject(ct, "command");
			for (int k = 0; k < ncmd; k++)
				cJSON_AddItemToArray(a, cJSON_CreateString(cmd[k]));
		}
		cJSON_AddObjectToObject(ct, "resources");
		if (i == 0 && G.port >= 0) {
			cJSON *ports = cJSON_AddArrayToObject(ct, "ports");
			cJSON *p = cJSON_CreateObject();
			cJSON_AddNumberToObject(p, "containerPort", G.port);
			cJSON_AddItemToArray(ports, p);
		}
		cJSON_AddItemToArray(cs, ct);
	}
	cJSON_AddObjectToObject(spec, "strategy");
	int rc = cctl_create_obj(c, d, "kubectl-create", "created", G.dry_run, G.output);
	cJSON_Delete(d);
	return rc;
}

/* ---- namespace, configmap, secret ----------------------------------------------------------- */

static const cctl_flag data_flags[] = {
	{"from-literal", 0, CCTL_ARRAY, &G.literals, "Specify a key and literal value to insert"},
	{"from-file", 0, CCTL_ARRAY, &G.files, "Key file can be specified using its file path"},
	{"type", 0, CCTL_STRING, &G.type, "The type of secret to create"},
	{"output", 'o', CCTL_STRING, &G.output, "Output format."},
	{"dry-run", 0, CCTL_STRING, &G.dry_run, "none, server, or client"},
	{"validate", 0, CCTL_STRING, &G.tcp_unused, "(accepted)"},
	{0},
};

static char *b64(const unsigned char *s, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(4 * ((n + 2) / 3) + 1);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[k++] = tbl[(v >> 18) & 63];
		out[k++] = tbl[(v >> 12) & 63];
		out[k++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		out[k++] = i + 2 < n ? tbl[v & 63] : '=';
	}
	out[k] = '\0';
	return out;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* Fills data from --from-literal and --from-file (base64 for secrets). */
static int fill_data(cJSON *data, bool secret)
{
	for (int i = 0; i < G.literals.n; i++) {
		const char *kv = G.literals.v[i];
		const char *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			return cctl_fail("invalid literal source %s, expected key=value", kv);
		char key[256];
		snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
		if (cJSON_HasObjectItem(data, key))
			return cctl_fail(
				"cannot add key %s, another key by that name already exists "
				"in Data for %s",
				key, secret ? "Secret" : "ConfigMap");
		if (secret) {
			cube_autofree char *e = b64((const unsigned char *)eq + 1, strlen(eq + 1));
			cJSON_AddStringToObject(data, key, e ? e : "");
		} else {
			cJSON_AddStringToObject(data, key, eq + 1);
		}
	}
	for (int i = 0; i < G.files.n; i++) {
		const char *spec = G.files.v[i];
		const char *eq = strchr(spec, '=');
		const char *path = eq ? eq + 1 : spec;
		char key[256];
		if (eq)
			snprintf(key, sizeof(key), "%.*s", (int)(eq - spec), spec);
		else {
			const char *slash = strrchr(path, '/');
			snprintf(key, sizeof(key), "%s", slash ? slash + 1 : path);
		}
		size_t len;
		cube_autofree char *text = slurp(path, &len);
		if (!text)
			return cctl_fail("error reading %s: no such file or directory", path);
		if (secret) {
			cube_autofree char *e = b64((const unsigned char *)text, len);
			cJSON_AddStringToObject(data, key, e ? e : "");
		} else {
			cJSON_AddStringToObject(data, key, text);
		}
	}
	return 0;
}

static int create_simple(cctl *c, const char *kind, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	int rc = 0;
	if (!strcmp(kind, "ConfigMap") || !strcmp(kind, "Secret")) {
		bool secret = !strcmp(kind, "Secret");
		cJSON *data = cJSON_CreateObject();
		rc = fill_data(data, secret);
		if (cJSON_GetArraySize(data))
			cJSON_AddItemToObject(o, "data", data);
		else
			cJSON_Delete(data);
		if (secret)
			cJSON_AddStringToObject(o, "type", G.type ? G.type : "Opaque");
	}
	if (!rc)
		rc = cctl_create_obj(c, o, "kubectl-create", "created", G.dry_run, G.output);
	cJSON_Delete(o);
	return rc;
}

/* ---- create service clusterip|nodeport ------------------------------------------------------- */

static const cctl_flag svc_flags[] = {
	{"tcp", 0, CCTL_ARRAY, &G.tcp, "Port pairs can be specified as '<port>:<targetPort>'."},
	{"output", 'o', CCTL_STRING, &G.output, "Output format."},
	{"dry-run", 0, CCTL_STRING, &G.dry_run, "none, server, or client"},
	{0},
};

static cJSON *port_value(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s && !*end)
		return cJSON_CreateNumber((double)v);
	return cJSON_CreateString(s);
}

static int create_service(cctl *c, const char *type, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Service");
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON_AddItemToObject(md, "labels", labels_app(name));
	cJSON *spec = cJSON_AddObjectToObject(o, "spec");
	cJSON *ports = cJSON_AddArrayToObject(spec, "ports");
	for (int i = 0; i < G.tcp.n; i++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "%s", G.tcp.v[i]);
		char *colon = strchr(buf, ':');
		if (colon)
			*colon = '\0';
		cJSON *p = cJSON_CreateObject();
		char pn[300];
		snprintf(pn, sizeof(pn), "%s-%s", buf, colon ? colon + 1 : buf);
		cJSON_AddStringToObject(p, "name", pn);
		cJSON_AddStringToObject(p, "protocol", "TCP");
		cJSON_AddNumberToObject(p, "port", atoi(buf));
		cJSON_AddItemToObject(p, "targetPort", port_value(colon ? colon + 1 : buf));
		cJSON_AddItemToArray(ports, p);
	}
	cJSON_AddItemToObject(spec, "selector", labels_app(name));
	cJSON_AddStringToObject(spec, "type", !strcmp(type, "nodeport") ? "NodePort" : "ClusterIP");
	int rc = cctl_create_obj(c, o, "kubectl-create", "created", G.dry_run, G.output);
	cJSON_Delete(o);
	return rc;
}

int cctl_create_generated(cctl *c, const char *kind_arg, int argc, char **argv);

int cctl_create_generated(cctl *c, const char *kind_arg, int argc, char **argv)
{
	(void)kind_arg;
	static const struct {
		const char *name, *alias, *kind;
		const cctl_flag *flags;
	} gens[] = {
		{"deployment", "deploy", "Deployment", deploy_flags},
		{"namespace", "ns", "Namespace", data_flags},
		{"configmap", "cm", "ConfigMap", data_flags},
		{"secret", NULL, "Secret", data_flags},
		{"service", "svc", "Service", svc_flags},
	};
	/* parse with the union of the flags the generator takes */
	char *pos[64];
	int dash = -1;
	const cctl_flag *flags = data_flags;
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (!strcmp(kind_arg, gens[i].name) ||
		    (gens[i].alias && !strcmp(kind_arg, gens[i].alias)))
			flags = gens[i].flags;
	int n = cctl_parse(c, flags, argc, argv, pos, 64, &dash);
	if (n < 0)
		return n == -2 ? 0 : 1;
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
		if (strcmp(pos[0], gens[i].name) &&
		    (!gens[i].alias || strcmp(pos[0], gens[i].alias)))
			continue;
		int first = 1;
		bool sub = !strcmp(gens[i].kind, "Secret") || !strcmp(gens[i].kind, "Service");
		if (sub) {
			/* secret generic NAME, service clusterip NAME */
			if (n < 2)
				return cctl_fail("exactly one NAME is required, got 0");
			first = 2;
		}
		int nargs = (dash >= 0 ? dash : n) - first;
		if (nargs != 1) {
			fprintf(stderr,
				"error: exactly one NAME is required, got %d\nSee 'cubectl "
				"create %s -h' for help and examples\n",
				nargs < 0 ? 0 : nargs, gens[i].name);
			return 1;
		}
		if (cctl_connect(c) < 0)
			return 1;
		const char *name = pos[first];
		if (!strcmp(gens[i].kind, "Deployment"))
			return create_deployment(c, name, dash >= 0 ? pos + dash : NULL,
						 dash >= 0 ? n - dash : 0);
		if (!strcmp(gens[i].kind, "Service"))
			return create_service(c, pos[1], name);
		if (!strcmp(gens[i].kind, "Secret") && strcmp(pos[1], "generic"))
			return cctl_fail("only \"secret generic\" is supported by cubectl");
		return create_simple(c, gens[i].kind, name);
	}
	return cctl_fail("unknown command \"%s\" for \"cubectl create\"", pos[0]);
}

/* ---- run ---------------------------------------------------------------------------------------
 */

static const cctl_flag run_flags[] = {
	{"image", 0, CCTL_ARRAY, &G.images, "The image for the container to run."},
	{"port", 0, CCTL_INT, &G.port, "The port that this container exposes."},
	{"env", 0, CCTL_ARRAY, &G.envs, "Environment variables to set in the container."},
	{"labels", 'l', CCTL_STRING, &G.labels, "Comma separated labels to apply to the pod."},
	{"restart", 0, CCTL_STRING, &G.restart, "The restart policy for this Pod."},
	{"command", 0, CCTL_BOOL, &G.command,
	 "If true and extra arguments are present, use them as the 'command' field."},
	{"image-pull-policy", 0, CCTL_STRING, &G.image_pull_policy, "The image pull policy."},
	{"output", 'o', CCTL_STRING, &G.output, "Output format."},
	{"dry-run", 0, CCTL_STRING, &G.dry_run, "none, server, or client"},
	{0},
};

int cctl_cmd_run(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int dash = -1;
	int n = cctl_parse(c, run_flags, argc, argv, pos, 64, &dash);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n < 1 || dash == 0) {
		fprintf(stderr,
			"error: NAME is required for run\nSee 'cubectl run -h' for help and "
			"examples\n");
		return 1;
	}
	if (!G.images.n)
		return cctl_fail("--image is required");
	const char *name = pos[0];
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "apiVersion", "v1");
	cJSON_AddStringToObject(p, "kind", "Pod");
	cJSON *md = cJSON_AddObjectToObject(p, "metadata");
	cJSON_AddStringToObject(md, "name", name);
	cJSON *labels = cJSON_AddObjectToObject(md, "labels");
	if (G.labels) {
		cube_autofree char *copy = strdup(G.labels);
		char *save = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			if (!eq) {
				cJSON_Delete(p);
				return cctl_fail("invalid label spec: %s", kv);
			}
			*eq = '\0';
			cJSON_AddStringToObject(labels, kv, eq + 1);
		}
	} else {
		cJSON_AddStringToObject(labels, "run", name);
	}
	cJSON *spec = cJSON_AddObjectToObject(p, "spec");
	cJSON *cs = cJSON_AddArrayToObject(spec, "containers");
	cJSON *ct = cJSON_CreateObject();
	cJSON_AddItemToArray(cs, ct);
	cJSON_AddStringToObject(ct, "name", name);
	cJSON_AddStringToObject(ct, "image", G.images.v[0]);
	int nextra = n - 1;
	if (nextra > 0) {
		cJSON *a = cJSON_AddArrayToObject(ct, G.command ? "command" : "args");
		for (int i = 1; i < n; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(pos[i]));
	}
	if (G.envs.n) {
		cJSON *env = cJSON_AddArrayToObject(ct, "env");
		for (int i = 0; i < G.envs.n; i++) {
			const char *eq = strchr(G.envs.v[i], '=');
			cJSON *e = cJSON_CreateObject();
			char key[256];
			snprintf(key, sizeof(key), "%.*s",
				 (int)(eq ? eq - G.envs.v[i] : (long)strlen(G.envs.v[i])),
				 G.envs.v[i]);
			cJSON_AddStringToObject(e, "name", key);
			cJSON_AddStringToObject(e, "value", eq ? eq + 1 : "");
			cJSON_AddItemToArray(env, e);
		}
	}
	if (G.image_pull_policy)
		cJSON_AddStringToObject(ct, "imagePullPolicy", G.image_pull_policy);
	if (G.port >= 0) {
		cJSON *ports = cJSON_AddArrayToObject(ct, "ports");
		cJSON *pt = cJSON_CreateObject();
		cJSON_AddNumberToObject(pt, "containerPort", G.port);
		cJSON_AddItemToArray(ports, pt);
	}
	cJSON_AddObjectToObject(ct, "resources");
	cJSON_AddStringToObject(spec, "dnsPolicy", "ClusterFirst");
	cJSON_AddStringToObject(spec, "restartPolicy", G.restart ? G.restart : "Always");
	int rc = cctl_connect(c) < 0
			 ? 1
			 : cctl_create_obj(c, p, "kubectl-run", "created", G.dry_run, G.output);
	cJSON_Delete(p);
	return rc;
}

/* ---- expose ------------------------------------------------------------------------------------
 */

static const cctl_flag expose_flags[] = {
	{"port", 0, CCTL_STRING, &G.tcp_unused, "The port that the service should serve on."},
	{"target-port", 0, CCTL_STRING, &G.target_port,
	 "Name or number for the port on the container that the service should direct traffic "
	 "to."},
	{"type", 0, CCTL_STRING, &G.type,
	 "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName."},
	{"name", 0, CCTL_STRING, &G.name, "The name for the newly created object."},
	{"protocol", 0, CCTL_STRING, &G.protocol, "The network protocol for the service."},
	{"labels", 'l', CCTL_STRING, &G.labels, "Labels to apply to the service."},
	{"output", 'o', CCTL_STRING, &G.output, "Output format."},
	{"dry-run", 0, CCTL_STRING, &G.dry_run, "none, server, or client"},
	{0},
};

/* The selector of what is exposed: a Service's own, a pod's labels, a
 * workload's matchLabels. */
static const cJSON *expose_selector(const cJSON *o)
{
	const char *kind = cube_obj_kind(o);
	if (kind && !strcmp(kind, "Pod"))
		return cube_obj_labels(o);
	if (kind && !strcmp(kind, "Service"))
		return cube_json_path(o, "spec.selector");
	const cJSON *sel = cube_json_path(o, "spec.selector");
	const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
	return ml ? ml : sel;
}

int cctl_cmd_expose(cctl *c, int argc, char **argv)
{
	char *pos[16];
	int n = cctl_parse(c, expose_flags, argc, argv, pos, 16, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n == 0) {
		fprintf(stderr, "error: You must provide one or more resources by argument or "
				"filename.\n");
		return 1;
	}
	cctl_ref refs[4];
	int nr = cctl_refs(c, pos, n, refs, 4);
	if (nr <= 0)
		return 1;
	cube_autojson cJSON *o = cctl_get_obj(c, refs[0].res, refs[0].name);
	if (!o)
		return 1;
	const cJSON *sel = expose_selector(o);
	if (!cJSON_IsObject(sel) || !sel->child) {
		return cctl_fail("couldn't retrieve selectors via --selector flag or "
				 "introspection: the %s has no selector",
				 cube_obj_kind(o));
	}
	if (cube_json_path(o, "spec.selector.matchExpressions"))
		return cctl_fail("couldn't convert expressions - \"%s\" to map-based selector "
				 "format",
				 cube_obj_name(o));
	const char *port = G.tcp_unused;
	/* without --port: the container ports of the template (or pod) */
	cJSON *ports = cJSON_CreateArray();
	const cJSON *cs = cube_json_path(o, "spec.template.spec.containers");
	if (!cs)
		cs = cube_json_path(o, "spec.containers");
	if (port) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "protocol", G.protocol ? G.protocol : "TCP");
		cJSON_AddNumberToObject(p, "port", atoi(port));
		cJSON_AddItemToObject(p, "targetPort",
				      port_value(G.target_port ? G.target_port : port));
		cJSON_AddItemToArray(ports, p);
	} else {
		const cJSON *ct, *cp;
		cJSON_ArrayForEach (ct, cs) {
			cJSON_ArrayForEach (cp, cJSON_GetObjectItemCaseSensitive(ct, "ports")) {
				int64_t cport = cube_json_int(cp, "containerPort", 0);
				cJSON *p = cJSON_CreateObject();
				const char *proto = cube_json_str(cp, "protocol");
				cJSON_AddStringToObject(p, "protocol",
							G.protocol ? G.protocol
							: proto	   ? proto
								   : "TCP");
				cJSON_AddNumberToObject(p, "port", (double)cport);
				if (G.target_port)
					cJSON_AddItemToObject(p, "targetPort",
							      port_value(G.target_port));
				else
					cJSON_AddNumberToObject(p, "targetPort", (double)cport);
				cJSON_AddItemToArray(ports, p);
			}
		}
		if (!cJSON_GetArraySize(ports)) {
			cJSON_Delete(ports);
			return cctl_fail("couldn't find port via --port flag or introspection\nSee "
					 "'cubectl expose -h' for help and examples");
		}
		if (cJSON_GetArraySize(ports) > 1) {
			int i = 1;
			cJSON *p;
			cJSON_ArrayForEach (p, ports) {
				char nm[32];
				snprintf(nm, sizeof(nm), "port-%d", i++);
				cJSON_AddStringToObject(p, "name", nm);
			}
		}
	}
	cJSON *svc = cJSON_CreateObject();
	cJSON_AddStringToObject(svc, "apiVersion", "v1");
	cJSON_AddStringToObject(svc, "kind", "Service");
	cJSON *md = cJSON_AddObjectToObject(svc, "metadata");
	cJSON_AddStringToObject(md, "name", G.name ? G.name : cube_obj_name(o));
	const cJSON *lbl = cube_obj_labels(o);
	if (G.labels) {
		cJSON *l = cJSON_AddObjectToObject(md, "labels");
		cube_autofree char *copy = strdup(G.labels);
		char *save = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(kv, '=');
			if (eq) {
				*eq = '\0';
				cJSON_AddStringToObject(l, kv, eq + 1);
			}
		}
	} else if (lbl && lbl->child) {
		cJSON_AddItemToObject(md, "labels", cJSON_Duplicate(lbl, true));
	}
	cJSON *spec = cJSON_AddObjectToObject(svc, "spec");
	cJSON_AddItemToObject(spec, "ports", ports);
	cJSON_AddItemToObject(spec, "selector", cJSON_Duplicate(sel, true));
	if (G.type)
		cJSON_AddStringToObject(spec, "type", G.type);
	int rc = cctl_create_obj(c, svc, "kubectl-expose", "exposed", G.dry_run, G.output);
	cJSON_Delete(svc);
	return rc;
}
