/* describe.c - cubectl describe: the sections and layout of kubectl's
 * describers (k8s.io/kubectl/pkg/describe) for pods, nodes, deployments,
 * replicasets, services, endpoints, namespaces, configmaps, secrets, jobs,
 * daemonsets and statefulsets, events sorted by time at the end.
 *
 * kubectl writes each describer's lines through a prefix writer (two
 * blanks per level) into one tabwriter (minimum width 0, padding 2), so the
 * "Key:\tvalue" lines of a block line up; this file writes the same lines
 * in the same order through cctl_tabw, and the layout follows.
 *
 * cube's addition: a pod's description ends with a "Scheduling:" section
 * read from the scheduler's scorecard annotation (scheduler.cube.io/
 * scorecard): the chosen node, how many nodes were feasible, the best
 * nodes with their plug-in scores, and why the others were filtered out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "cubectl.h"
#include "ktime.h"
#include "obj.h"
#include "patch.h"
#include "quantity.h"
#include "selector.h"

#define SCORECARD "scheduler.cube.io/scorecard"
#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* ---- the prefix writer ----------------------------------------------------------------- */

typedef struct dw {
	cctl_tabw tw;
	char *out;
	size_t len;
	bool raw; /* no tabwriter: kubectl's rollout history --revision prints tabs as they are */
} dw;

static void dw_write(dw *w, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void dw_write(dw *w, int level, const char *fmt, ...)
{
	for (int i = 0; i < level; i++)
		cctl_tabw_addn(&w->tw, "  ", 2);
	char tmp[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		cctl_tabw_addn(&w->tw, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void dw_flush(dw *w)
{
	char *s;
	if (w->raw) {
		s = strndup(w->tw.buf ? w->tw.buf : "", w->tw.len);
		w->tw.len = 0;
	} else {
		s = cctl_tabw_render(&w->tw);
	}
	size_t n = strlen(s);
	char *o = realloc(w->out, w->len + n + 1);
	if (!o)
		abort();
	memcpy(o + w->len, s, n + 1);
	w->out = o;
	w->len += n;
	free(s);
}

static char *dw_take(dw *w)
{
	dw_flush(w);
	cctl_tabw_free(&w->tw);
	char *s = w->out ? w->out : strdup("");
	w->out = NULL;
	return s;
}

/* ---- value helpers ---------------------------------------------------------------------- */

static const char *str_or(const cJSON *o, const char *path, const char *dflt)
{
	const char *s = cube_json_str(o, path);
	return s ? s : dflt;
}

/* Go's time.RFC1123Z in local time: "Mon, 02 Jan 2006 15:04:05 -0700". */
static void rfc1123z(const char *ts, char *buf, size_t size)
{
	double t;
	if (!ts || !cube_time_parse(ts, &t)) {
		/* a zero time */
		snprintf(buf, size, "Mon, 01 Jan 0001 00:00:00 +0000");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* A map's value by key (keys hold dots: no path walking). */
static const char *map_get(const cJSON *m, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of an object (borrowed names). Returns the count. */
static size_t sorted_keys(const cJSON *o, const char **keys, size_t max, const char *skip)
{
	size_t n = 0;
	const cJSON *c;
	cJSON_ArrayForEach (c, o) {
		if (n < max && (!skip || strcmp(c->string, skip)))
			keys[n++] = c->string;
	}
	qsort(keys, n, sizeof(*keys), cmp_strp);
	return n;
}

static void print_labels(dw *w, const char *title, const cJSON *labels)
{
	dw_write(w, 0, "%s:\t", title);
	const char *keys[256] = {0};
	size_t n = sorted_keys(labels, keys, 256, NULL);
	if (!n) {
		dw_write(w, 0, "<none>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			dw_write(w, 0, "\t");
		dw_write(w, 0, "%s=%s\n", keys[i], map_get(labels, keys[i]));
	}
}

/* printLabelsMultiline with the title's own indent ("  Labels"). */
static void print_labels_t(dw *w, const char *title, const cJSON *labels)
{
	print_labels(w, title, labels);
}

static void print_annotations(dw *w, const char *title, const cJSON *ann)
{
	dw_write(w, 0, "%s:\t", title);
	const char *keys[256] = {0};
	size_t n = sorted_keys(ann, keys, 256, LAST_APPLIED);
	if (!n) {
		dw_write(w, 0, "<none>\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			dw_write(w, 0, "\t");
		char *value = strdup(map_get(ann, keys[i]));
		size_t vl = strlen(value);
		if (vl && value[vl - 1] == '\n')
			value[--vl] = '\0';
		if (vl + strlen(keys[i]) + 2 > 140 || strchr(value, '\n')) {
			dw_write(w, 0, "%s:\n", keys[i]);
			char *save = NULL;
			for (char *line = strtok_r(value, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save)) {
				if (strlen(line) > 138)
					dw_write(w, 0, "\t  %.138s...\n", line);
				else
					dw_write(w, 0, "\t  %s\n", line);
			}
		} else {
			dw_write(w, 0, "%s: %s\n", keys[i], value);
		}
		free(value);
	}
}

static void print_tolerations(dw *w, const char *title, const cJSON *tols)
{
	dw_write(w, 0, "%s:\t", title);
	int n = cJSON_GetArraySize(tols);
	if (!n) {
		dw_write(w, 0, "<none>\n");
		return;
	}
	/* sorted by key (stable) */
	const cJSON *v[64];
	int k = 0;
	const cJSON *t;
	cJSON_ArrayForEach (t, tols) {
		if (k < 64)
			v[k++] = t;
	}
	for (int i = 1; i < k; i++)
		for (int j = i;
		     j > 0 && strcmp(str_or(v[j - 1], "key", ""), str_or(v[j], "key", "")) > 0;
		     j--) {
			const cJSON *x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	for (int i = 0; i < k; i++) {
		if (i)
			dw_write(w, 0, "\t");
		const char *key = str_or(v[i], "key", ""), *val = str_or(v[i], "value", "");
		const char *eff = str_or(v[i], "effect", ""), *op = str_or(v[i], "operator", "");
		dw_write(w, 0, "%s", key);
		if (val[0])
			dw_write(w, 0, "=%s", val);
		if (eff[0])
			dw_write(w, 0, ":%s", eff);
		if (!strcmp(op, "Exists") && !val[0])
			dw_write(w, 0, "%sop=Exists", key[0] || eff[0] ? " " : "");
		const cJSON *secs = cJSON_GetObjectItemCaseSensitive(v[i], "tolerationSeconds");
		if (cJSON_IsNumber(secs))
			dw_write(w, 0, " for %llds", (long long)secs->valuedouble);
		dw_write(w, 0, "\n");
	}
}

static const char *controller_of(const cJSON *o, char *buf, size_t size)
{
	const cJSON *r;
	cJSON_ArrayForEach (r, cube_json_path(o, "metadata.ownerReferences")) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller"))) {
			snprintf(buf, size, "%s/%s", str_or(r, "kind", ""), str_or(r, "name", ""));
			return buf;
		}
	}
	return NULL;
}

/* metav1.FormatLabelSelector / LabelSelectorAsSelector().String() */
static void selector_string(const cJSON *sel, char *buf, size_t size)
{
	cube_labelsel *s = cube_labelsel_from_json(sel, NULL);
	char *str = s ? cube_labelsel_string(s) : NULL;
	snprintf(buf, size, "%s", str && str[0] ? str : "<none>");
	free(str);
	cube_labelsel_free(s);
}

static void map_string(const cJSON *m, char *buf, size_t size)
{
	const char *keys[128] = {0};
	size_t n = sorted_keys(m, keys, 128, NULL), len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s=%s",
					i ? "," : "", keys[i], map_get(m, keys[i]));
	if (!n)
		snprintf(buf, size, "<none>");
}

static void intstr(const cJSON *v, char *buf, size_t size)
{
	if (cJSON_IsNumber(v))
		snprintf(buf, size, "%lld", (long long)v->valuedouble);
	else
		snprintf(buf, size, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* ---- containers and templates --------------------------------------------------------------- */

static void describe_state(dw *w, const char *name, const cJSON *st)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(st, "running");
	const cJSON *wait = cJSON_GetObjectItemCaseSensitive(st, "waiting");
	const cJSON *term = cJSON_GetObjectItemCaseSensitive(st, "terminated");
	char t[64];
	if (run) {
		dw_write(w, 2, "%s:\tRunning\n", name);
		rfc1123z(cube_json_str(run, "startedAt"), t, sizeof(t));
		dw_write(w, 3, "Started:\t%s\n", t);
	} else if (wait) {
		dw_write(w, 2, "%s:\tWaiting\n", name);
		if (cube_json_str(wait, "reason") && cube_json_str(wait, "reason")[0])
			dw_write(w, 3, "Reason:\t%s\n", cube_json_str(wait, "reason"));
	} else if (term) {
		dw_write(w, 2, "%s:\tTerminated\n", name);
		if (cube_json_str(term, "reason") && cube_json_str(term, "reason")[0])
			dw_write(w, 3, "Reason:\t%s\n", cube_json_str(term, "reason"));
		if (cube_json_str(term, "message") && cube_json_str(term, "message")[0])
			dw_write(w, 3, "Message:\t%s\n", cube_json_str(term, "message"));
		dw_write(w, 3, "Exit Code:\t%lld\n", (long long)cube_json_int(term, "exitCode", 0));
		if (cube_json_int(term, "signal", 0) > 0)
			dw_write(w, 3, "Signal:\t%lld\n",
				 (long long)cube_json_int(term, "signal", 0));
		rfc1123z(cube_json_str(term, "startedAt"), t, sizeof(t));
		dw_write(w, 3, "Started:\t%s\n", t);
		rfc1123z(cube_json_str(term, "finishedAt"), t, sizeof(t));
		dw_write(w, 3, "Finished:\t%s\n", t);
	} else {
		dw_write(w, 2, "%s:\tWaiting\n", name);
	}
}

static void ports_string(const cJSON *ports, bool host, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	const cJSON *p;
	cJSON_ArrayForEach (p, ports) {
		n += (size_t)snprintf(
			buf + n, n < size ? size - n : 0, "%s%lld/%s", n ? ", " : "",
			(long long)cube_json_int(p, host ? "hostPort" : "containerPort", 0),
			str_or(p, "protocol", ""));
		const char *nm = cube_json_str(p, "name");
		if (nm && nm[0])
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, " (%s)", nm);
	}
}

static void describe_resources(dw *w, const cJSON *res, int level)
{
	const char *what[2][2] = {{"limits", "Limits"}, {"requests", "Requests"}};
	for (int i = 0; i < 2; i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(res, what[i][0]);
		const char *keys[32] = {0};
		size_t n = sorted_keys(m, keys, 32, NULL);
		if (n)
			dw_write(w, level, "%s:\n", what[i][1]);
		for (size_t k = 0; k < n; k++) {
			const cJSON *q = cJSON_GetObjectItemCaseSensitive(m, keys[k]);
			char qs[64];
			intstr(q, qs, sizeof(qs));
			dw_write(w, level + 1, "%s:\t%s\n", keys[k], qs);
		}
	}
}

static void describe_probe(const cJSON *p, char *buf, size_t size)
{
	char attrs[256];
	snprintf(attrs, sizeof(attrs),
		 "delay=%llds timeout=%llds period=%llds #success=%lld #failure=%lld",
		 (long long)cube_json_int(p, "initialDelaySeconds", 0),
		 (long long)cube_json_int(p, "timeoutSeconds", 1),
		 (long long)cube_json_int(p, "periodSeconds", 10),
		 (long long)cube_json_int(p, "successThreshold", 1),
		 (long long)cube_json_int(p, "failureThreshold", 3));
	const cJSON *x;
	if ((x = cJSON_GetObjectItemCaseSensitive(p, "exec"))) {
		char *cmd = cctl_go_sprint(cJSON_GetObjectItemCaseSensitive(x, "command"));
		snprintf(buf, size, "exec %s %s", cmd, attrs);
		free(cmd);
	} else if ((x = cJSON_GetObjectItemCaseSensitive(p, "httpGet"))) {
		char port[64], scheme[16];
		intstr(cJSON_GetObjectItemCaseSensitive(x, "port"), port, sizeof(port));
		snprintf(scheme, sizeof(scheme), "%s", str_or(x, "scheme", "HTTP"));
		for (char *c = scheme; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		snprintf(buf, size, "http-get %s://%s:%s%s %s", scheme, str_or(x, "host", ""), port,
			 str_or(x, "path", ""), attrs);
	} else if ((x = cJSON_GetObjectItemCaseSensitive(p, "tcpSocket"))) {
		char port[64];
		intstr(cJSON_GetObjectItemCaseSensitive(x, "port"), port, sizeof(port));
		snprintf(buf, size, "tcp-socket %s:%s %s", str_or(x, "host", ""), port, attrs);
	} else {
		snprintf(buf, size, "unknown %s", attrs);
	}
}

static void describe_containers(dw *w, const char *label, const cJSON *containers,
				const cJSON *statuses, const char *space)
{
	int n = cJSON_GetArraySize(containers);
	dw_write(w, 0, "%s%s:%s\n", space, label, n ? "" : " <none>");
	const cJSON *c;
	cJSON_ArrayForEach (c, containers) {
		const char *name = str_or(c, "name", "");
		const cJSON *st = NULL, *s;
		cJSON_ArrayForEach (s, statuses) {
			if (!strcmp(str_or(s, "name", ""), name))
				st = s;
		}
		dw_write(w, 1, "%s%s:\n", space[0] ? " " : "", name);
		if (st)
			dw_write(w, 2, "Container ID:\t%s\n", str_or(st, "containerID", ""));
		dw_write(w, 2, "Image:\t%s\n", str_or(c, "image", ""));
		if (st)
			dw_write(w, 2, "Image ID:\t%s\n", str_or(st, "imageID", ""));
		char ports[1024];
		ports_string(cJSON_GetObjectItemCaseSensitive(c, "ports"), false, ports,
			     sizeof(ports));
		if (strchr(ports, ','))
			dw_write(w, 2, "Ports:\t%s\n", ports);
		else
			dw_write(w, 2, "Port:\t%s\n", ports[0] ? ports : "<none>");
		ports_string(cJSON_GetObjectItemCaseSensitive(c, "ports"), true, ports,
			     sizeof(ports));
		if (strchr(ports, ','))
			dw_write(w, 2, "Host Ports:\t%s\n", ports);
		else
			dw_write(w, 2, "Host Port:\t%s\n", ports[0] ? ports : "<none>");
		const char *lists[2][2] = {{"command", "Command"}, {"args", "Args"}};
		for (int l = 0; l < 2; l++) {
			const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, lists[l][0]);
			if (!cJSON_GetArraySize(a))
				continue;
			dw_write(w, 2, "%s:\n", lists[l][1]);
			const cJSON *x;
			cJSON_ArrayForEach (x, a) {
				char *copy = strdup(cJSON_IsString(x) ? x->valuestring : "");
				char *save = NULL;
				char *line = strtok_r(copy, "\n", &save);
				if (!line)
					dw_write(w, 3, "\n");
				for (; line; line = strtok_r(NULL, "\n", &save))
					dw_write(w, 3, "%s\n", line);
				free(copy);
			}
		}
		if (st) {
			describe_state(w, "State", cJSON_GetObjectItemCaseSensitive(st, "state"));
			const cJSON *last = cJSON_GetObjectItemCaseSensitive(st, "lastState");
			if (cJSON_GetObjectItemCaseSensitive(last, "terminated"))
				describe_state(w, "Last State", last);
			dw_write(w, 2, "Ready:\t%s\n",
				 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "ready"))
					 ? "True"
					 : "False");
			dw_write(w, 2, "Restart Count:\t%lld\n",
				 (long long)cube_json_int(st, "restartCount", 0));
		}
		describe_resources(w, cJSON_GetObjectItemCaseSensitive(c, "resources"), 2);
		const char *probes[3][2] = {{"livenessProbe", "Liveness"},
					    {"readinessProbe", "Readiness"},
					    {"startupProbe", "Startup"}};
		for (int p = 0; p < 3; p++) {
			const cJSON *pr = cJSON_GetObjectItemCaseSensitive(c, probes[p][0]);
			if (pr) {
				char pb[512];
				describe_probe(pr, pb, sizeof(pb));
				dw_write(w, 2, "%s:\t%s\n", probes[p][1], pb);
			}
		}
		const cJSON *env = cJSON_GetObjectItemCaseSensitive(c, "env");
		dw_write(w, 2, "Environment:%s\n", cJSON_GetArraySize(env) ? "" : "\t<none>");
		const cJSON *e;
		cJSON_ArrayForEach (e, env) {
			const cJSON *vf = cJSON_GetObjectItemCaseSensitive(e, "valueFrom");
			const char *en = str_or(e, "name", "");
			if (!vf) {
				char *copy = strdup(str_or(e, "value", ""));
				char *p = copy;
				int i = 0;
				do {
					char *nl = strchr(p, '\n');
					if (nl)
						*nl = '\0';
					if (i++ == 0)
						dw_write(w, 3, "%s:\t%s\n", en, p);
					else
						dw_write(w, 3, "\t%s\n", p);
					p = nl ? nl + 1 : NULL;
				} while (p);
				free(copy);
				continue;
			}
			const cJSON *x;
			if ((x = cJSON_GetObjectItemCaseSensitive(vf, "secretKeyRef")))
				dw_write(
					w, 3,
					"%s:\t<set to the key '%s' in secret '%s'>\tOptional: %s\n",
					en, str_or(x, "key", ""), str_or(x, "name", ""),
					cJSON_IsTrue(cJSON_GetObjectItem(x, "optional")) ? "true"
											 : "false");
			else if ((x = cJSON_GetObjectItemCaseSensitive(vf, "configMapKeyRef")))
				dw_write(w, 3,
					 "%s:\t<set to the key '%s' of config map '%s'>\tOptional: "
					 "%s\n",
					 en, str_or(x, "key", ""), str_or(x, "name", ""),
					 cJSON_IsTrue(cJSON_GetObjectItem(x, "optional"))
						 ? "true"
						 : "false");
			else if ((x = cJSON_GetObjectItemCaseSensitive(vf, "fieldRef")))
				dw_write(w, 3, "%s:\t (%s:%s)\n", en, str_or(x, "apiVersion", "v1"),
					 str_or(x, "fieldPath", ""));
			else if ((x = cJSON_GetObjectItemCaseSensitive(vf, "resourceFieldRef")))
				dw_write(w, 3, "%s:\t (%s)\n", en, str_or(x, "resource", ""));
		}
		const cJSON *mounts = cJSON_GetObjectItemCaseSensitive(c, "volumeMounts");
		dw_write(w, 2, "Mounts:%s\n", cJSON_GetArraySize(mounts) ? "" : "\t<none>");
		const cJSON *mv[64];
		int nm = 0;
		const cJSON *m;
		cJSON_ArrayForEach (m, mounts) {
			if (nm < 64)
				mv[nm++] = m;
		}
		for (int i = 1; i < nm; i++)
			for (int j = i; j > 0 && strcmp(str_or(mv[j - 1], "mountPath", ""),
							str_or(mv[j], "mountPath", "")) > 0;
			     j--) {
				const cJSON *t = mv[j];
				mv[j] = mv[j - 1];
				mv[j - 1] = t;
			}
		for (int i = 0; i < nm; i++) {
			char flags[300];
			const char *sp = cube_json_str(mv[i], "subPath");
			snprintf(flags, sizeof(flags), "%s%s%s%s",
				 cJSON_IsTrue(cJSON_GetObjectItem(mv[i], "readOnly")) ? "ro" : "rw",
				 sp && sp[0] ? ",path=\"" : "", sp && sp[0] ? sp : "",
				 sp && sp[0] ? "\"" : "");
			dw_write(w, 3, "%s from %s (%s)\n", str_or(mv[i], "mountPath", ""),
				 str_or(mv[i], "name", ""), flags);
		}
	}
}

static void describe_volumes(dw *w, const cJSON *vols, const char *space)
{
	if (!cJSON_GetArraySize(vols)) {
		dw_write(w, 0, "%sVolumes:\t<none>\n", space);
		return;
	}
	dw_write(w, 0, "%sVolumes:\n", space);
	const cJSON *v;
	cJSON_ArrayForEach (v, vols) {
		dw_write(w, 1, "%s%s:\n", space[0] ? " " : "", str_or(v, "name", ""));
		const cJSON *x;
		if ((x = cJSON_GetObjectItemCaseSensitive(v, "emptyDir"))) {
			const char *sl = cube_json_str(x, "sizeLimit");
			dw_write(w, 2,
				 "Type:\tEmptyDir (a temporary directory that shares a pod's "
				 "lifetime)\n    Medium:\t%s\n    SizeLimit:\t%s\n",
				 str_or(x, "medium", ""), sl ? sl : "<unset>");
		} else if ((x = cJSON_GetObjectItemCaseSensitive(v, "hostPath"))) {
			dw_write(w, 2,
				 "Type:\tHostPath (bare host directory volume)\n    Path:\t%s\n    "
				 "HostPathType:\t%s\n",
				 str_or(x, "path", ""), str_or(x, "type", "<none>"));
		} else if ((x = cJSON_GetObjectItemCaseSensitive(v, "configMap"))) {
			dw_write(w, 2,
				 "Type:\tConfigMap (a volume populated by a ConfigMap)\n    "
				 "Name:\t%s\n  "
				 "  Optional:\t%s\n",
				 str_or(x, "name", ""),
				 cJSON_IsTrue(cJSON_GetObjectItem(x, "optional")) ? "true"
										  : "false");
		} else if ((x = cJSON_GetObjectItemCaseSensitive(v, "secret"))) {
			dw_write(w, 2,
				 "Type:\tSecret (a volume populated by a Secret)\n    "
				 "SecretName:\t%s\n "
				 "   Optional:\t%s\n",
				 str_or(x, "secretName", ""),
				 cJSON_IsTrue(cJSON_GetObjectItem(x, "optional")) ? "true"
										  : "false");
		} else {
			dw_write(w, 1, "<unknown>\n");
		}
	}
}

static void pod_template(dw *w, const cJSON *tmpl)
{
	dw_write(w, 0, "Pod Template:\n");
	print_labels_t(w, "  Labels", cube_json_path(tmpl, "metadata.labels"));
	const cJSON *ann = cube_json_path(tmpl, "metadata.annotations");
	if (cJSON_GetArraySize(ann))
		print_annotations(w, "  Annotations", ann);
	const char *sa = cube_json_str(tmpl, "spec.serviceAccountName");
	if (sa && sa[0])
		dw_write(w, 1, "Service Account:\t%s\n", sa);
	const cJSON *ic = cube_json_path(tmpl, "spec.initContainers");
	if (cJSON_GetArraySize(ic))
		describe_containers(w, "Init Containers", ic, NULL, "  ");
	describe_containers(w, "Containers", cube_json_path(tmpl, "spec.containers"), NULL, "  ");
	describe_volumes(w, cube_json_path(tmpl, "spec.volumes"), "  ");
	const char *pc = cube_json_str(tmpl, "spec.priorityClassName");
	if (pc && pc[0])
		dw_write(w, 1, "Priority Class Name:\t%s\n", pc);
	print_labels_t(w, "  Node-Selectors", cube_json_path(tmpl, "spec.nodeSelector"));
	print_tolerations(w, "  Tolerations", cube_json_path(tmpl, "spec.tolerations"));
}

/* For rollout history --revision: DescribePodTemplate straight into a
 * buffer, without a tabwriter, as kubectl prints it. */
char *cctl_describe_template(const cJSON *tmpl)
{
	dw w = {.raw = true};
	pod_template(&w, tmpl);
	return dw_take(&w);
}

/* ---- events ------------------------------------------------------------------------------ */

static double event_time(const cJSON *e)
{
	double t = 0;
	const char *s = cube_json_str(e, "series.lastObservedTime");
	if (!s)
		s = cube_json_str(e, "lastTimestamp");
	if (!s)
		s = cube_json_str(e, "eventTime");
	if (s)
		cube_time_parse(s, &t);
	return t;
}

static int cmp_events(const void *a, const void *b)
{
	double x = event_time(*(const cJSON *const *)a), y = event_time(*(const cJSON *const *)b);
	return x < y ? -1 : x > y;
}

cJSON *cctl_events_for(cctl *c, const cJSON *obj)
{
	const cctl_res *ev = cctl_resolve(c, "events");
	if (!ev)
		return NULL;
	char path[4096], fs[2048];
	const char *ns = cube_obj_namespace(obj);
	snprintf(fs, sizeof(fs), "involvedObject.name=%s,involvedObject.namespace=%s%s%s",
		 cube_obj_name(obj), ns ? ns : "", cube_obj_uid(obj) ? ",involvedObject.uid=" : "",
		 cube_obj_uid(obj) ? cube_obj_uid(obj) : "");
	cctl_path(ev, ns && ns[0] ? ns : NULL, NULL, NULL, path, sizeof(path));
	if (!ns || !ns[0]) {
		/* cluster-scoped objects: their events live in "default" */
		cctl_path(ev, "default", NULL, NULL, path, sizeof(path));
		snprintf(fs, sizeof(fs), "involvedObject.name=%s", cube_obj_name(obj));
	}
	cctl_query(path, sizeof(path), "fieldSelector", fs);
	cctl_resp r;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0)
		return NULL;
	cJSON *items = NULL;
	if (r.status == 200 && r.body)
		items = cJSON_DetachItemFromObjectCaseSensitive(r.body, "items");
	cctl_resp_clear(&r);
	if (!items)
		return cJSON_CreateArray();
	/* sort by time, as kubectl's SortableEvents */
	int n = cJSON_GetArraySize(items);
	cJSON **v = calloc((size_t)(n ? n : 1), sizeof(*v));
	int k = 0;
	cJSON *it;
	while ((it = items->child)) {
		cJSON_DetachItemViaPointer(items, it);
		v[k++] = it;
	}
	qsort(v, (size_t)k, sizeof(*v), cmp_events);
	for (int i = 0; i < k; i++)
		cJSON_AddItemToArray(items, v[i]);
	free(v);
	return items;
}

static void since(const char *ts, char *buf, size_t size)
{
	if (!ts || !ts[0]) {
		snprintf(buf, size, "<unknown>");
		return;
	}
	cctl_age(ts, buf, size);
}

static void describe_events(dw *w, const cJSON *events)
{
	if (!cJSON_GetArraySize(events)) {
		dw_write(w, 0, "Events:\t<none>\n");
		return;
	}
	dw_flush(w);
	dw_write(w, 0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
	dw_write(w, 1, "----\t------\t----\t----\t-------\n");
	const cJSON *e;
	cJSON_ArrayForEach (e, events) {
		char first[64], interval[160];
		const char *et = cube_json_str(e, "eventTime");
		if (et && et[0])
			since(et, first, sizeof(first));
		else
			since(cube_json_str(e, "firstTimestamp"), first, sizeof(first));
		int64_t count = cube_json_int(e, "count", 0);
		if (cube_json_path(e, "series")) {
			char last[64];
			since(cube_json_str(e, "series.lastObservedTime"), last, sizeof(last));
			snprintf(interval, sizeof(interval), "%s (x%lld over %s)", last,
				 (long long)cube_json_int(e, "series.count", 0), first);
		} else if (count > 1) {
			char last[64];
			since(cube_json_str(e, "lastTimestamp"), last, sizeof(last));
			snprintf(interval, sizeof(interval), "%s (x%lld over %s)", last,
				 (long long)count, first);
		} else {
			snprintf(interval, sizeof(interval), "%s", first);
		}
		const char *src = cube_json_str(e, "source.component");
		if (!src || !src[0])
			src = str_or(e, "reportingComponent", "");
		const char *msg = str_or(e, "message", "");
		while (*msg == ' ' || *msg == '\n' || *msg == '\t')
			msg++;
		char mbuf[2048];
		snprintf(mbuf, sizeof(mbuf), "%s", msg);
		size_t ml = strlen(mbuf);
		while (ml && (mbuf[ml - 1] == ' ' || mbuf[ml - 1] == '\n'))
			mbuf[--ml] = '\0';
		const char *fp = cube_json_str(e, "involvedObject.fieldPath");
		if (fp && fp[0])
			dw_write(w, 1, "%s\t%s\t%s\t%s\t%s: %s\n", str_or(e, "type", ""),
				 str_or(e, "reason", ""), interval, src, fp, mbuf);
		else
			dw_write(w, 1, "%s\t%s\t%s\t%s\t%s\n", str_or(e, "type", ""),
				 str_or(e, "reason", ""), interval, src, mbuf);
	}
}

/* ---- cube's Scheduling section ----------------------------------------------------------- */

/* The scorecard (or, for a pod not yet placed, the last FailedScheduling
 * event) in words.  Shared with `cubectl why`. */
void cctl_describe_scheduling(cctl_tabw *tw, const cJSON *pod, const cJSON *events);

void cctl_describe_scheduling(cctl_tabw *tw, const cJSON *pod, const cJSON *events)
{
	dw w = {.tw = {.tabbed = true}};
	const char *card_text = cube_obj_annotation(pod, SCORECARD);
	cube_autojson cJSON *card = card_text ? cJSON_Parse(card_text) : NULL;
	dw_write(&w, 0, "Scheduling:\n");
	const char *node = cube_json_str(pod, "spec.nodeName");
	if (card) {
		dw_write(&w, 1, "Node:\t%s\n", str_or(card, "node", "<none>"));
		dw_write(&w, 1, "Feasible:\t%lld of %lld nodes%s\n",
			 (long long)cube_json_int(card, "feasible", 0),
			 (long long)cube_json_int(card, "total", 0),
			 cJSON_HasObjectItem(card, "evaluated") ? " (search stopped early)" : "");
		const cJSON *top = cJSON_GetObjectItemCaseSensitive(card, "top");
		if (cJSON_GetArraySize(top)) {
			dw_write(&w, 1, "Scores:\n");
			dw_write(&w, 2, "Node\tTotal\tPlug-ins\n");
			dw_write(&w, 2, "----\t-----\t--------\n");
			const cJSON *t;
			cJSON_ArrayForEach (t, top) {
				char plugins[1024] = "";
				size_t n = 0;
				const cJSON *p;
				cJSON_ArrayForEach (
					p, cJSON_GetObjectItemCaseSensitive(t, "plugins")) {
					n += (size_t)snprintf(
						plugins + n,
						n < sizeof(plugins) ? sizeof(plugins) - n : 0,
						"%s%s=%lld", n ? " " : "", p->string,
						(long long)p->valuedouble);
				}
				dw_write(&w, 2, "%s\t%lld\t%s\n", str_or(t, "node", ""),
					 (long long)cube_json_int(t, "score", 0), plugins);
			}
		}
		const cJSON *filtered = cJSON_GetObjectItemCaseSensitive(card, "filtered");
		if (cJSON_GetArraySize(filtered)) {
			dw_write(&w, 1, "Filtered out:\n");
			const cJSON *f;
			cJSON_ArrayForEach (f, filtered) {
				dw_write(&w, 2, "%lld\t%s\n", (long long)f->valuedouble, f->string);
			}
		}
	} else if (node && node[0]) {
		dw_write(&w, 1, "Node:\t%s (no scorecard: not placed by cube-scheduler)\n", node);
	} else {
		const char *why = NULL;
		const cJSON *e;
		cJSON_ArrayForEach (e, events) {
			if (!strcmp(str_or(e, "reason", ""), "FailedScheduling"))
				why = cube_json_str(e, "message");
		}
		const cJSON *cond;
		cJSON_ArrayForEach (cond, cube_json_path(pod, "status.conditions")) {
			if (!why && !strcmp(str_or(cond, "type", ""), "PodScheduled"))
				why = cube_json_str(cond, "message");
		}
		dw_write(&w, 1, "Node:\t<none>\n");
		dw_write(&w, 1, "Unschedulable:\t%s\n", why ? why : "not tried yet");
	}
	char *s = dw_take(&w);
	cctl_tabw_addn(tw, s, strlen(s));
	free(s);
}

/* ---- the describers ---------------------------------------------------------------------------
 */

static const char *qos_class(const cJSON *pod)
{
	bool any = false, guaranteed = true;
	const char *lists[] = {"spec.containers", "spec.initContainers"};
	for (int l = 0; l < 2; l++) {
		const cJSON *c;
		cJSON_ArrayForEach (c, cube_json_path(pod, lists[l])) {
			const cJSON *req = cube_json_path(c, "resources.requests");
			const cJSON *lim = cube_json_path(c, "resources.limits");
			const char *res[] = {"cpu", "memory"};
			for (int r = 0; r < 2; r++) {
				const cJSON *rq = cJSON_GetObjectItem(req, res[r]);
				const cJSON *lm = cJSON_GetObjectItem(lim, res[r]);
				if (rq || lm)
					any = true;
				if (!lm || (rq && !cube_json_equal(rq, lm)))
					guaranteed = false;
			}
		}
	}
	if (!any)
		return "BestEffort";
	return guaranteed ? "Guaranteed" : "Burstable";
}

static void describe_pod(cctl *c, dw *w, const cJSON *p)
{
	(void)c;
	dw_write(w, 0, "Name:\t%s\n", str_or(p, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(p, "metadata.namespace", ""));
	const cJSON *prio = cube_json_path(p, "spec.priority");
	if (cJSON_IsNumber(prio))
		dw_write(w, 0, "Priority:\t%lld\n", (long long)prio->valuedouble);
	const char *s;
	if ((s = cube_json_str(p, "spec.priorityClassName")) && s[0])
		dw_write(w, 0, "Priority Class Name:\t%s\n", s);
	if ((s = cube_json_str(p, "spec.runtimeClassName")) && s[0])
		dw_write(w, 0, "Runtime Class Name:\t%s\n", s);
	if ((s = cube_json_str(p, "spec.serviceAccountName")) && s[0])
		dw_write(w, 0, "Service Account:\t%s\n", s);
	const char *node = cube_json_str(p, "spec.nodeName");
	if (!node || !node[0])
		dw_write(w, 0, "Node:\t<none>\n");
	else
		dw_write(w, 0, "Node:\t%s/%s\n", node, str_or(p, "status.hostIP", ""));
	char t[64];
	if (cube_json_str(p, "status.startTime")) {
		rfc1123z(cube_json_str(p, "status.startTime"), t, sizeof(t));
		dw_write(w, 0, "Start Time:\t%s\n", t);
	}
	print_labels(w, "Labels", cube_obj_labels(p));
	print_annotations(w, "Annotations", cube_obj_annotations(p));
	const char *phase = str_or(p, "status.phase", "");
	const char *del = cube_json_str(p, "metadata.deletionTimestamp");
	if (del && strcmp(phase, "Failed") && strcmp(phase, "Succeeded")) {
		char age[32];
		cctl_age(del, age, sizeof(age));
		dw_write(w, 0, "Status:\tTerminating (lasts %s)\n", age);
		dw_write(w, 0, "Termination Grace Period:\t%llds\n",
			 (long long)cube_json_int(p, "metadata.deletionGracePeriodSeconds", 0));
	} else {
		dw_write(w, 0, "Status:\t%s\n", phase);
	}
	if ((s = cube_json_str(p, "status.reason")) && s[0])
		dw_write(w, 0, "Reason:\t%s\n", s);
	if ((s = cube_json_str(p, "status.message")) && s[0])
		dw_write(w, 0, "Message:\t%s\n", s);
	dw_write(w, 0, "IP:\t%s\n", str_or(p, "status.podIP", ""));
	const cJSON *ips = cube_json_path(p, "status.podIPs");
	if (!cJSON_GetArraySize(ips)) {
		dw_write(w, 0, "IPs:\t<none>\n");
	} else {
		dw_write(w, 0, "IPs:\n");
		const cJSON *ip;
		cJSON_ArrayForEach (ip, ips) {
			dw_write(w, 1, "IP:\t%s\n", str_or(ip, "ip", ""));
		}
	}
	char ctl[600];
	if (controller_of(p, ctl, sizeof(ctl)))
		dw_write(w, 0, "Controlled By:\t%s\n", ctl);
	if ((s = cube_json_str(p, "status.nominatedNodeName")) && s[0])
		dw_write(w, 0, "NominatedNodeName:\t%s\n", s);
	const cJSON *ic = cube_json_path(p, "spec.initContainers");
	if (cJSON_GetArraySize(ic))
		describe_containers(w, "Init Containers", ic,
				    cube_json_path(p, "status.initContainerStatuses"), "");
	describe_containers(w, "Containers", cube_json_path(p, "spec.containers"),
			    cube_json_path(p, "status.containerStatuses"), "");
	const cJSON *conds = cube_json_path(p, "status.conditions");
	if (cJSON_GetArraySize(conds)) {
		dw_write(w, 0, "Conditions:\n  Type\tStatus\n");
		const cJSON *cd;
		cJSON_ArrayForEach (cd, conds) {
			dw_write(w, 1, "%s \t%s \n", str_or(cd, "type", ""),
				 str_or(cd, "status", ""));
		}
	}
	describe_volumes(w, cube_json_path(p, "spec.volumes"), "");
	dw_write(w, 0, "QoS Class:\t%s\n", qos_class(p));
	print_labels(w, "Node-Selectors", cube_json_path(p, "spec.nodeSelector"));
	print_tolerations(w, "Tolerations", cube_json_path(p, "spec.tolerations"));
}

/* Pods controlled by uid among those the selector matches. */
static void pod_counts(cctl *c, const cJSON *o, const cJSON *selector, int counts[4])
{
	memset(counts, 0, 4 * sizeof(int));
	const cctl_res *pods = cctl_resolve(c, "pods");
	char sel[2048];
	selector_string(selector, sel, sizeof(sel));
	if (!pods || !strcmp(sel, "<none>"))
		return;
	char path[4096];
	cctl_path(pods, cube_obj_namespace(o), NULL, NULL, path, sizeof(path));
	cctl_query(path, sizeof(path), "labelSelector", sel);
	cctl_resp r;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0)
		return;
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(r.body, "items")) {
		const char *owner = cube_obj_controller_uid(it);
		if (!owner || !cube_obj_uid(o) || strcmp(owner, cube_obj_uid(o)))
			continue;
		const char *ph = str_or(it, "status.phase", "");
		if (!strcmp(ph, "Running"))
			counts[0]++;
		else if (!strcmp(ph, "Pending"))
			counts[1]++;
		else if (!strcmp(ph, "Succeeded"))
			counts[2]++;
		else if (!strcmp(ph, "Failed"))
			counts[3]++;
	}
	cctl_resp_clear(&r);
}

static void describe_rs(cctl *c, dw *w, const cJSON *rs)
{
	char sel[2048], ctl[600];
	dw_write(w, 0, "Name:\t%s\n", str_or(rs, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(rs, "metadata.namespace", ""));
	selector_string(cube_json_path(rs, "spec.selector"), sel, sizeof(sel));
	dw_write(w, 0, "Selector:\t%s\n", sel);
	print_labels(w, "Labels", cube_obj_labels(rs));
	print_annotations(w, "Annotations", cube_obj_annotations(rs));
	if (controller_of(rs, ctl, sizeof(ctl)))
		dw_write(w, 0, "Controlled By:\t%s\n", ctl);
	dw_write(w, 0, "Replicas:\t%lld current / %lld desired\n",
		 (long long)cube_json_int(rs, "status.replicas", 0),
		 (long long)cube_json_int(rs, "spec.replicas", 1));
	int pc[4];
	pod_counts(c, rs, cube_json_path(rs, "spec.selector"), pc);
	dw_write(w, 0, "Pods Status:\t");
	dw_write(w, 0, "%d Running / %d Waiting / %d Succeeded / %d Failed\n", pc[0], pc[1], pc[2],
		 pc[3]);
	pod_template(w, cube_json_path(rs, "spec.template"));
	const cJSON *conds = cube_json_path(rs, "status.conditions");
	if (cJSON_GetArraySize(conds)) {
		dw_write(w, 0, "Conditions:\n  Type\tStatus\tReason\n");
		dw_write(w, 1, "----\t------\t------\n");
		const cJSON *cd;
		cJSON_ArrayForEach (cd, conds) {
			dw_write(w, 1, "%s \t%s\t%s\n", str_or(cd, "type", ""),
				 str_or(cd, "status", ""), str_or(cd, "reason", ""));
		}
	}
}

static int cmp_rs_created(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	double tx = 0, ty = 0;
	cube_time_parse(cube_json_str(x, "metadata.creationTimestamp"), &tx);
	cube_time_parse(cube_json_str(y, "metadata.creationTimestamp"), &ty);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return strcmp(str_or(x, "metadata.name", ""), str_or(y, "metadata.name", ""));
}

static void rs_list_string(const cJSON **v, int n, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
					"%s%s (%lld/%lld replicas created)", i ? ", " : "",
					str_or(v[i], "metadata.name", ""),
					(long long)cube_json_int(v[i], "status.replicas", 0),
					(long long)cube_json_int(v[i], "spec.replicas", 1));
	if (!n)
		snprintf(buf, size, "<none>");
}

static void describe_deployment(cctl *c, dw *w, const cJSON *d)
{
	char sel[2048], t[64];
	dw_write(w, 0, "Name:\t%s\n", str_or(d, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(d, "metadata.namespace", ""));
	rfc1123z(cube_json_str(d, "metadata.creationTimestamp"), t, sizeof(t));
	dw_write(w, 0, "CreationTimestamp:\t%s\n", t);
	print_labels(w, "Labels", cube_obj_labels(d));
	print_annotations(w, "Annotations", cube_obj_annotations(d));
	selector_string(cube_json_path(d, "spec.selector"), sel, sizeof(sel));
	dw_write(w, 0, "Selector:\t%s\n", sel);
	dw_write(w, 0,
		 "Replicas:\t%lld desired | %lld updated | %lld total | %lld available | %lld "
		 "unavailable\n",
		 (long long)cube_json_int(d, "spec.replicas", 1),
		 (long long)cube_json_int(d, "status.updatedReplicas", 0),
		 (long long)cube_json_int(d, "status.replicas", 0),
		 (long long)cube_json_int(d, "status.availableReplicas", 0),
		 (long long)cube_json_int(d, "status.unavailableReplicas", 0));
	dw_write(w, 0, "StrategyType:\t%s\n", str_or(d, "spec.strategy.type", ""));
	dw_write(w, 0, "MinReadySeconds:\t%lld\n",
		 (long long)cube_json_int(d, "spec.minReadySeconds", 0));
	const cJSON *ru = cube_json_path(d, "spec.strategy.rollingUpdate");
	if (ru) {
		char mu[32], ms[32];
		intstr(cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable"), mu, sizeof(mu));
		intstr(cJSON_GetObjectItemCaseSensitive(ru, "maxSurge"), ms, sizeof(ms));
		dw_write(w, 0, "RollingUpdateStrategy:\t%s max unavailable, %s max surge\n", mu,
			 ms);
	}
	pod_template(w, cube_json_path(d, "spec.template"));
	const cJSON *conds = cube_json_path(d, "status.conditions");
	if (cJSON_GetArraySize(conds)) {
		dw_write(w, 0, "Conditions:\n  Type\tStatus\tReason\n");
		dw_write(w, 1, "----\t------\t------\n");
		const cJSON *cd;
		cJSON_ArrayForEach (cd, conds) {
			dw_write(w, 1, "%s \t%s\t%s\n", str_or(cd, "type", ""),
				 str_or(cd, "status", ""), str_or(cd, "reason", ""));
		}
	}
	/* the new ReplicaSet has the template (but its hash label); the others are old */
	const cctl_res *rsr = cctl_resolve(c, "replicasets.apps");
	if (!rsr)
		return;
	char path[4096];
	cctl_path(rsr, cube_obj_namespace(d), NULL, NULL, path, sizeof(path));
	cctl_query(path, sizeof(path), "labelSelector", strcmp(sel, "<none>") ? sel : NULL);
	cctl_resp r;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0)
		return;
	const cJSON *v[256] = {0}, *old[256] = {0}, *nw[1] = {0};
	int n = 0, no = 0, nn = 0;
	const cJSON *it;
	cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(r.body, "items")) {
		const char *owner = cube_obj_controller_uid(it);
		if (n < 256 && owner && cube_obj_uid(d) && !strcmp(owner, cube_obj_uid(d)))
			v[n++] = it;
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_rs_created);
	for (int i = 0; i < n; i++) {
		if (!nn && cctl_template_equal(cube_json_path(v[i], "spec.template"),
					       cube_json_path(d, "spec.template")))
			nw[nn++] = v[i];
		else
			old[no++] = v[i];
	}
	if (no || nn) {
		char list[4096];
		rs_list_string(old, no, list, sizeof(list));
		dw_write(w, 0, "OldReplicaSets:\t%s\n", list);
		rs_list_string(nw, nn, list, sizeof(list));
		dw_write(w, 0, "NewReplicaSet:\t%s\n", list);
	}
	cctl_resp_clear(&r);
}

static void describe_service(cctl *c, dw *w, const cJSON *s)
{
	char buf[2048];
	dw_write(w, 0, "Name:\t%s\n", str_or(s, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(s, "metadata.namespace", ""));
	print_labels(w, "Labels", cube_obj_labels(s));
	print_annotations(w, "Annotations", cube_obj_annotations(s));
	map_string(cube_json_path(s, "spec.selector"), buf, sizeof(buf));
	dw_write(w, 0, "Selector:\t%s\n", strcmp(buf, "<none>") ? buf : "");
	dw_write(w, 0, "Type:\t%s\n", str_or(s, "spec.type", ""));
	const char *pol = cube_json_str(s, "spec.ipFamilyPolicy");
	if (pol)
		dw_write(w, 0, "IP Family Policy:\t%s\n", pol);
	const cJSON *fam = cube_json_path(s, "spec.ipFamilies");
	buf[0] = '\0';
	size_t n = 0;
	const cJSON *x;
	cJSON_ArrayForEach (x, fam) {
		n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s",
				      n ? "," : "", cJSON_IsString(x) ? x->valuestring : "");
	}
	dw_write(w, 0, "IP Families:\t%s\n", n ? buf : "<none>");
	dw_write(w, 0, "IP:\t%s\n", str_or(s, "spec.clusterIP", ""));
	n = 0;
	buf[0] = '\0';
	cJSON_ArrayForEach (x, cube_json_path(s, "spec.clusterIPs")) {
		n += (size_t)snprintf(buf + n, n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s",
				      n ? "," : "", cJSON_IsString(x) ? x->valuestring : "");
	}
	dw_write(w, 0, "IPs:\t%s\n", n ? buf : "<none>");
	const char *en = cube_json_str(s, "spec.externalName");
	if (en && en[0])
		dw_write(w, 0, "External Name:\t%s\n", en);
	/* Endpoints of the same name give each port's addresses */
	const cctl_res *epr = cctl_resolve(c, "endpoints");
	cJSON *ep = NULL;
	if (epr) {
		char path[2048];
		cctl_path(epr, cube_obj_namespace(s), cube_obj_name(s), NULL, path, sizeof(path));
		cctl_resp r;
		if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) == 0 && r.status == 200)
			ep = CUBE_STEAL(r.body);
		cctl_resp_clear(&r);
	}
	const cJSON *sp;
	cJSON_ArrayForEach (sp, cube_json_path(s, "spec.ports")) {
		const char *pn = cube_json_str(sp, "name");
		const char *name = pn && pn[0] ? pn : "<unset>";
		const char *proto = str_or(sp, "protocol", "TCP");
		dw_write(w, 0, "Port:\t%s\t%lld/%s\n", name,
			 (long long)cube_json_int(sp, "port", 0), proto);
		const cJSON *tp = cJSON_GetObjectItemCaseSensitive(sp, "targetPort");
		if (cJSON_IsString(tp))
			dw_write(w, 0, "TargetPort:\t%s/%s\n", tp->valuestring, proto);
		else
			dw_write(w, 0, "TargetPort:\t%lld/%s\n",
				 (long long)(cJSON_IsNumber(tp) ? tp->valuedouble : 0), proto);
		if (cube_json_int(sp, "nodePort", 0))
			dw_write(w, 0, "NodePort:\t%s\t%lld/%s\n", name,
				 (long long)cube_json_int(sp, "nodePort", 0), proto);
		/* formatEndpoints: up to 3 ip:port, then "+ N more..." */
		char list[1024] = "";
		size_t len = 0;
		int count = 0, shown = 0;
		bool more = false,
		     any_subset = cJSON_GetArraySize(cube_json_path(ep, "subsets")) > 0;
		const cJSON *ss;
		cJSON_ArrayForEach (ss, cube_json_path(ep, "subsets")) {
			const cJSON *eport;
			cJSON_ArrayForEach (eport, cJSON_GetObjectItemCaseSensitive(ss, "ports")) {
				if (strcmp(str_or(eport, "name", ""), pn ? pn : ""))
					continue;
				const cJSON *addrs =
					cJSON_GetObjectItemCaseSensitive(ss, "addresses");
				count += cJSON_GetArraySize(addrs);
				const cJSON *a;
				cJSON_ArrayForEach (a, addrs) {
					if (shown == 3) {
						more = true;
						break;
					}
					len += (size_t)snprintf(
						list + len,
						len < sizeof(list) ? sizeof(list) - len : 0,
						"%s%s:%lld", shown ? "," : "", str_or(a, "ip", ""),
						(long long)cube_json_int(eport, "port", 0));
					shown++;
				}
			}
		}
		if (more)
			snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
				 " + %d more...", count - 3);
		dw_write(w, 0, "Endpoints:\t%s\n", any_subset ? list : "<none>");
	}
	cJSON_Delete(ep);
	dw_write(w, 0, "Session Affinity:\t%s\n", str_or(s, "spec.sessionAffinity", ""));
	const char *etp = cube_json_str(s, "spec.externalTrafficPolicy");
	if (etp && etp[0])
		dw_write(w, 0, "External Traffic Policy:\t%s\n", etp);
	const char *itp = cube_json_str(s, "spec.internalTrafficPolicy");
	if (itp)
		dw_write(w, 0, "Internal Traffic Policy:\t%s\n", itp);
}

static void describe_endpoints(dw *w, const cJSON *ep)
{
	dw_write(w, 0, "Name:\t%s\n", str_or(ep, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(ep, "metadata.namespace", ""));
	print_labels(w, "Labels", cube_obj_labels(ep));
	print_annotations(w, "Annotations", cube_obj_annotations(ep));
	dw_write(w, 0, "Subsets:\n");
	const cJSON *ss;
	cJSON_ArrayForEach (ss, cube_json_path(ep, "subsets")) {
		const char *which[2][2] = {{"addresses", "Addresses"},
					   {"notReadyAddresses", "NotReadyAddresses"}};
		for (int k = 0; k < 2; k++) {
			char buf[2048] = "";
			size_t n = 0;
			const cJSON *a;
			cJSON_ArrayForEach (a, cJSON_GetObjectItemCaseSensitive(ss, which[k][0])) {
				n += (size_t)snprintf(buf + n,
						      n < sizeof(buf) ? sizeof(buf) - n : 0, "%s%s",
						      n ? "," : "", str_or(a, "ip", ""));
			}
			dw_write(w, 1, "%s:\t%s\n", which[k][1], n ? buf : "<none>");
		}
		const cJSON *ports = cJSON_GetObjectItemCaseSensitive(ss, "ports");
		if (cJSON_GetArraySize(ports)) {
			dw_write(w, 1, "Ports:\n");
			dw_write(w, 2, "Name\tPort\tProtocol\n");
			dw_write(w, 2, "----\t----\t--------\n");
			const cJSON *p;
			cJSON_ArrayForEach (p, ports) {
				const char *pn = cube_json_str(p, "name");
				dw_write(w, 2, "%s\t%lld\t%s\n", pn && pn[0] ? pn : "<unset>",
					 (long long)cube_json_int(p, "port", 0),
					 str_or(p, "protocol", ""));
			}
		}
		dw_write(w, 0, "\n");
	}
}

static void describe_namespace(dw *w, const cJSON *ns)
{
	dw_write(w, 0, "Name:\t%s\n", str_or(ns, "metadata.name", ""));
	print_labels(w, "Labels", cube_obj_labels(ns));
	print_annotations(w, "Annotations", cube_obj_annotations(ns));
	dw_write(w, 0, "Status:\t%s\n", str_or(ns, "status.phase", ""));
}

static void describe_configmap(dw *w, const cJSON *cm)
{
	dw_write(w, 0, "Name:\t%s\n", str_or(cm, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(cm, "metadata.namespace", ""));
	print_labels(w, "Labels", cube_obj_labels(cm));
	print_annotations(w, "Annotations", cube_obj_annotations(cm));
	dw_write(w, 0, "\nData\n====\n");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(cm, "data");
	const char *keys[256] = {0};
	size_t n = sorted_keys(data, keys, 256, NULL);
	for (size_t i = 0; i < n; i++) {
		dw_write(w, 0, "%s:\n----\n", keys[i]);
		dw_write(w, 0, "%s\n", map_get(data, keys[i]));
		dw_write(w, 0, "\n");
	}
	dw_write(w, 0, "\nBinaryData\n====\n");
	const cJSON *bin = cJSON_GetObjectItemCaseSensitive(cm, "binaryData");
	n = sorted_keys(bin, keys, 256, NULL);
	for (size_t i = 0; i < n; i++)
		dw_write(w, 0, "%s: %zu bytes\n", keys[i], strlen(map_get(bin, keys[i])) * 3 / 4);
	dw_write(w, 0, "\n");
}

static void describe_secret(dw *w, const cJSON *s)
{
	dw_write(w, 0, "Name:\t%s\n", str_or(s, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(s, "metadata.namespace", ""));
	print_labels(w, "Labels", cube_obj_labels(s));
	print_annotations(w, "Annotations", cube_obj_annotations(s));
	dw_write(w, 0, "\nType:\t%s\n", str_or(s, "type", ""));
	dw_write(w, 0, "\nData\n====\n");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(s, "data");
	const char *keys[256] = {0};
	size_t n = sorted_keys(data, keys, 256, NULL);
	for (size_t i = 0; i < n; i++) {
		/* base64 length to bytes */
		const char *v = map_get(data, keys[i]);
		size_t l = strlen(v), pad = 0;
		if (l && v[l - 1] == '=')
			pad++;
		if (l > 1 && v[l - 2] == '=')
			pad++;
		dw_write(w, 0, "%s:\t%zu bytes\n", keys[i], l / 4 * 3 - pad);
	}
}

static void describe_node(cctl *c, dw *w, const cJSON *n)
{
	char t[64];
	dw_write(w, 0, "Name:\t%s\n", str_or(n, "metadata.name", ""));
	/* roles from node-role.kubernetes.io/<role> and kubernetes.io/role labels */
	char roles[512] = "";
	size_t rl = 0;
	const char *keys[128] = {0};
	size_t nk = sorted_keys(cube_obj_labels(n), keys, 128, NULL);
	for (size_t i = 0; i < nk; i++) {
		const char *role = NULL;
		if (!strncmp(keys[i], "node-role.kubernetes.io/", 24) && keys[i][24])
			role = keys[i] + 24;
		else if (!strcmp(keys[i], "kubernetes.io/role"))
			role = cube_obj_label(n, keys[i]);
		if (role && role[0])
			rl += (size_t)snprintf(roles + rl,
					       rl < sizeof(roles) ? sizeof(roles) - rl : 0, "%s%s",
					       rl ? "," : "", role);
	}
	dw_write(w, 0, "Roles:\t%s\n", rl ? roles : "<none>");
	print_labels(w, "Labels", cube_obj_labels(n));
	print_annotations(w, "Annotations", cube_obj_annotations(n));
	rfc1123z(cube_json_str(n, "metadata.creationTimestamp"), t, sizeof(t));
	dw_write(w, 0, "CreationTimestamp:\t%s\n", t);
	const cJSON *taints = cube_json_path(n, "spec.taints");
	dw_write(w, 0, "Taints:\t");
	if (!cJSON_GetArraySize(taints)) {
		dw_write(w, 0, "<none>\n");
	} else {
		int i = 0;
		const cJSON *tn;
		cJSON_ArrayForEach (tn, taints) {
			const char *v = str_or(tn, "value", "");
			dw_write(w, 0, "%s%s%s%s:%s\n", i++ ? "\t" : "", str_or(tn, "key", ""),
				 v[0] ? "=" : "", v, str_or(tn, "effect", ""));
		}
	}
	dw_write(w, 0, "Unschedulable:\t%s\n",
		 cJSON_IsTrue(cube_json_path(n, "spec.unschedulable")) ? "true" : "false");
	/* the node's Lease in kube-node-lease */
	const cctl_res *lr = cctl_resolve(c, "leases.coordination.k8s.io");
	cJSON *lease = NULL;
	if (lr) {
		char path[1024];
		cctl_path(lr, "kube-node-lease", cube_obj_name(n), NULL, path, sizeof(path));
		cctl_resp r;
		if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) == 0 && r.status == 200)
			lease = CUBE_STEAL(r.body);
		cctl_resp_clear(&r);
	}
	dw_write(w, 0, "Lease:\n");
	dw_write(w, 1, "HolderIdentity:\t%s\n", str_or(lease, "spec.holderIdentity", "<unset>"));
	const char *at = cube_json_str(lease, "spec.acquireTime"),
		   *rt = cube_json_str(lease, "spec.renewTime");
	if (at)
		rfc1123z(at, t, sizeof(t));
	dw_write(w, 1, "AcquireTime:\t%s\n", at ? t : "<unset>");
	if (rt)
		rfc1123z(rt, t, sizeof(t));
	dw_write(w, 1, "RenewTime:\t%s\n", rt ? t : "<unset>");
	cJSON_Delete(lease);
	const cJSON *conds = cube_json_path(n, "status.conditions");
	if (cJSON_GetArraySize(conds)) {
		dw_write(w, 0,
			 "Conditions:\n  "
			 "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
		dw_write(w, 1,
			 "----\t------\t-----------------\t------------------\t------\t-------\n");
		const cJSON *cd;
		cJSON_ArrayForEach (cd, conds) {
			char hb[64], tr[64];
			rfc1123z(cube_json_str(cd, "lastHeartbeatTime"), hb, sizeof(hb));
			rfc1123z(cube_json_str(cd, "lastTransitionTime"), tr, sizeof(tr));
			dw_write(w, 1, "%s \t%s \t%s \t%s \t%s \t%s\n", str_or(cd, "type", ""),
				 str_or(cd, "status", ""), hb, tr, str_or(cd, "reason", ""),
				 str_or(cd, "message", ""));
		}
	}
	dw_write(w, 0, "Addresses:\n");
	const cJSON *a;
	cJSON_ArrayForEach (a, cube_json_path(n, "status.addresses")) {
		dw_write(w, 1, "%s:\t%s\n", str_or(a, "type", ""), str_or(a, "address", ""));
	}
	const char *lists[2][2] = {{"status.capacity", "Capacity"},
				   {"status.allocatable", "Allocatable"}};
	for (int l = 0; l < 2; l++) {
		const cJSON *m = cube_json_path(n, lists[l][0]);
		size_t k = sorted_keys(m, keys, 128, NULL);
		if (!k)
			continue;
		dw_write(w, 0, "%s:\n", lists[l][1]);
		for (size_t i = 0; i < k; i++) {
			char q[64];
			intstr(cJSON_GetObjectItemCaseSensitive(m, keys[i]), q, sizeof(q));
			dw_write(w, 0, "  %s:\t%s\n", keys[i], q);
		}
	}
	const cJSON *ni = cube_json_path(n, "status.nodeInfo");
	dw_write(w, 0, "System Info:\n");
	const char *info[][2] = {{"machineID", "Machine ID"},
				 {"systemUUID", "System UUID"},
				 {"bootID", "Boot ID"},
				 {"kernelVersion", "Kernel Version"},
				 {"osImage", "OS Image"},
				 {"operatingSystem", "Operating System"},
				 {"architecture", "Architecture"},
				 {"containerRuntimeVersion", "Container Runtime Version"},
				 {"kubeletVersion", "Kubelet Version"},
				 {"kubeProxyVersion", "Kube-Proxy Version"}};
	for (size_t i = 0; i < sizeof(info) / sizeof(info[0]); i++)
		dw_write(w, 0, "  %s:\t%s\n", info[i][1], str_or(ni, info[i][0], ""));
	const char *cidr = cube_json_str(n, "spec.podCIDR");
	if (cidr && cidr[0])
		dw_write(w, 0, "PodCIDR:\t%s\n", cidr);
	char cidrs[512] = "";
	size_t cl = 0;
	const cJSON *x;
	cJSON_ArrayForEach (x, cube_json_path(n, "spec.podCIDRs")) {
		cl += (size_t)snprintf(cidrs + cl, cl < sizeof(cidrs) ? sizeof(cidrs) - cl : 0,
				       "%s%s", cl ? "," : "",
				       cJSON_IsString(x) ? x->valuestring : "");
	}
	if (cl)
		dw_write(w, 0, "PodCIDRs:\t%s\n", cidrs);
	const char *pid = cube_json_str(n, "spec.providerID");
	if (pid && pid[0])
		dw_write(w, 0, "ProviderID:\t%s\n", pid);
	/* the pods on the node and what they request */
	const cctl_res *pods = cctl_resolve(c, "pods");
	if (!pods)
		return;
	char path[2048], fs[600];
	cctl_path(pods, NULL, NULL, NULL, path, sizeof(path));
	snprintf(fs, sizeof(fs), "spec.nodeName=%s,status.phase!=Succeeded,status.phase!=Failed",
		 cube_obj_name(n));
	cctl_query(path, sizeof(path), "fieldSelector", fs);
	cctl_resp r;
	if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0)
		return;
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(r.body, "items");
	dw_write(w, 0, "Non-terminated Pods:\t(%d in total)\n", cJSON_GetArraySize(items));
	dw_write(w, 1,
		 "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory "
		 "Limits\tAge\n");
	dw_write(w, 1,
		 "---------\t----\t\t------------\t----------\t---------------\t-------------"
		 "\t---\n");
	int64_t acpu = 0, amem = 0;
	cube_quantity q;
	const char *ac = cube_json_str(n, "status.allocatable.cpu"),
		   *am = cube_json_str(n, "status.allocatable.memory");
	if (ac && cube_quantity_parse(ac, &q, NULL) == 0)
		acpu = cube_quantity_milli(&q);
	if (am && cube_quantity_parse(am, &q, NULL) == 0)
		amem = cube_quantity_value(&q);
	/* cpu requests, cpu limits, memory requests, memory limits */
	static const char *const fields[4] = {"resources.requests.cpu", "resources.limits.cpu",
					      "resources.requests.memory",
					      "resources.limits.memory"};
	cube_quantity tot[4];
	for (int k = 0; k < 4; k++)
		tot[k] = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI);
	const cJSON *p;
	cJSON_ArrayForEach (p, items) {
		cube_quantity v[4];
		for (int k = 0; k < 4; k++)
			v[k] = cube_quantity_from_value(0, CUBE_QTY_DECIMAL_SI);
		const cJSON *ct;
		cJSON_ArrayForEach (ct, cube_json_path(p, "spec.containers")) {
			for (int k = 0; k < 4; k++) {
				const cJSON *f = cube_json_path(ct, fields[k]);
				if (f && cube_quantity_parse_json(f, &q, NULL) == 0)
					cube_quantity_add(&v[k], &q);
			}
		}
		char cells[4][96];
		for (int k = 0; k < 4; k++) {
			cube_quantity_add(&tot[k], &v[k]);
			int64_t of = k < 2 ? acpu : amem;
			int64_t amount =
				k < 2 ? cube_quantity_milli(&v[k]) : cube_quantity_value(&v[k]);
			char qs[CUBE_QTY_STR_MAX];
			cube_quantity_format(&v[k], qs, sizeof(qs));
			snprintf(cells[k], sizeof(cells[k]), "%s (%lld%%)", qs,
				 (long long)(of ? (double)amount / (double)of * 100 : 0));
		}
		char age[32];
		cctl_age(cube_json_str(p, "metadata.creationTimestamp"), age, sizeof(age));
		dw_write(w, 1, "%s\t%s\t\t%s\t%s\t%s\t%s\t%s\n",
			 str_or(p, "metadata.namespace", ""), str_or(p, "metadata.name", ""),
			 cells[0], cells[1], cells[2], cells[3], age);
	}
	cctl_resp_clear(&r);
	dw_write(w, 0,
		 "Allocated resources:\n  (Total limits may be over 100 percent, i.e., "
		 "overcommitted.)\n");
	dw_write(w, 1, "Resource\tRequests\tLimits\n");
	dw_write(w, 1, "--------\t--------\t------\n");
	const char *rn[2] = {"cpu", "memory"};
	for (int k = 0; k < 2; k++) {
		int64_t of = k ? amem : acpu;
		char r1[CUBE_QTY_STR_MAX], r2[CUBE_QTY_STR_MAX];
		cube_quantity_format(&tot[k * 2], r1, sizeof(r1));
		cube_quantity_format(&tot[k * 2 + 1], r2, sizeof(r2));
		int64_t x1 = k ? cube_quantity_value(&tot[2]) : cube_quantity_milli(&tot[0]);
		int64_t x2 = k ? cube_quantity_value(&tot[3]) : cube_quantity_milli(&tot[1]);
		dw_write(w, 1, "%s\t%s (%lld%%)\t%s (%lld%%)\n", rn[k], r1,
			 (long long)(of ? (double)x1 / (double)of * 100 : 0), r2,
			 (long long)(of ? (double)x2 / (double)of * 100 : 0));
	}
	dw_write(w, 1, "ephemeral-storage\t0 (0%%)\t0 (0%%)\n");
}

static void describe_workload(cctl *c, dw *w, const cJSON *o)
{
	/* daemonsets, statefulsets and jobs: the common head and the template */
	const char *kind = cube_obj_kind(o);
	char sel[2048], t[64];
	dw_write(w, 0, "Name:\t%s\n", str_or(o, "metadata.name", ""));
	dw_write(w, 0, "Namespace:\t%s\n", str_or(o, "metadata.namespace", ""));
	selector_string(cube_json_path(o, "spec.selector"), sel, sizeof(sel));
	int pc[4];
	if (!strcmp(kind, "StatefulSet")) {
		rfc1123z(cube_json_str(o, "metadata.creationTimestamp"), t, sizeof(t));
		dw_write(w, 0, "CreationTimestamp:\t%s\n", t);
		dw_write(w, 0, "Selector:\t%s\n", sel);
		print_labels(w, "Labels", cube_obj_labels(o));
		print_annotations(w, "Annotations", cube_obj_annotations(o));
		dw_write(w, 0, "Replicas:\t%lld desired | %lld total\n",
			 (long long)cube_json_int(o, "spec.replicas", 1),
			 (long long)cube_json_int(o, "status.replicas", 0));
		dw_write(w, 0, "Update Strategy:\t%s\n", str_or(o, "spec.updateStrategy.type", ""));
		const cJSON *part =
			cube_json_path(o, "spec.updateStrategy.rollingUpdate.partition");
		if (cJSON_IsNumber(part))
			dw_write(w, 1, "Partition:\t%lld\n", (long long)part->valuedouble);
		pod_counts(c, o, cube_json_path(o, "spec.selector"), pc);
		dw_write(w, 0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n",
			 pc[0], pc[1], pc[2], pc[3]);
		pod_template(w, cube_json_path(o, "spec.template"));
		dw_write(w, 0, "Volume Claims:\t<none>\n");
	} else if (!strcmp(kind, "DaemonSet")) {
		char ns[1024];
		map_string(cube_json_path(o, "spec.template.spec.nodeSelector"), ns, sizeof(ns));
		dw_write(w, 0, "Selector:\t%s\n", sel);
		dw_write(w, 0, "Node-Selector:\t%s\n", strcmp(ns, "<none>") ? ns : "<none>");
		print_labels(w, "Labels", cube_obj_labels(o));
		print_annotations(w, "Annotations", cube_obj_annotations(o));
		dw_write(w, 0, "Desired Number of Nodes Scheduled: %lld\n",
			 (long long)cube_json_int(o, "status.desiredNumberScheduled", 0));
		dw_write(w, 0, "Current Number of Nodes Scheduled: %lld\n",
			 (long long)cube_json_int(o, "status.currentNumberScheduled", 0));
		dw_write(w, 0, "Number of Nodes Scheduled with Up-to-date Pods: %lld\n",
			 (long long)cube_json_int(o, "status.updatedNumberScheduled", 0));
		dw_write(w, 0, "Number of Nodes Scheduled with Available Pods: %lld\n",
			 (long long)cube_json_int(o, "status.numberAvailable", 0));
		dw_write(w, 0, "Number of Nodes Misscheduled: %lld\n",
			 (long long)cube_json_int(o, "status.numberMisscheduled", 0));
		pod_counts(c, o, cube_json_path(o, "spec.selector"), pc);
		dw_write(w, 0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n",
			 pc[0], pc[1], pc[2], pc[3]);
		pod_template(w, cube_json_path(o, "spec.template"));
	} else { /* Job */
		dw_write(w, 0, "Selector:\t%s\n", sel);
		print_labels(w, "Labels", cube_obj_labels(o));
		print_annotations(w, "Annotations", cube_obj_annotations(o));
		char ctl[600];
		if (controller_of(o, ctl, sizeof(ctl)))
			dw_write(w, 0, "Controlled By:\t%s\n", ctl);
		const cJSON *x;
		if (cJSON_IsNumber(x = cube_json_path(o, "spec.parallelism")))
			dw_write(w, 0, "Parallelism:\t%lld\n", (long long)x->valuedouble);
		if (cJSON_IsNumber(x = cube_json_path(o, "spec.completions")))
			dw_write(w, 0, "Completions:\t%lld\n", (long long)x->valuedouble);
		else
			dw_write(w, 0, "Completions:\t<unset>\n");
		const char *cm = cube_json_str(o, "spec.completionMode");
		if (cm)
			dw_write(w, 0, "Completion Mode:\t%s\n", cm);
		if ((x = cube_json_path(o, "spec.suspend")))
			dw_write(w, 0, "Suspend:\t%s\n", cJSON_IsTrue(x) ? "true" : "false");
		if (cJSON_IsNumber(x = cube_json_path(o, "spec.backoffLimit")))
			dw_write(w, 0, "Backoff Limit:\t%lld\n", (long long)x->valuedouble);
		const char *st = cube_json_str(o, "status.startTime"),
			   *ct = cube_json_str(o, "status.completionTime");
		if (st) {
			rfc1123z(st, t, sizeof(t));
			dw_write(w, 0, "Start Time:\t%s\n", t);
		}
		if (ct) {
			rfc1123z(ct, t, sizeof(t));
			dw_write(w, 0, "Completed At:\t%s\n", t);
		}
		if (st && ct) {
			double a, b;
			char d[32];
			if (cube_time_parse(st, &a) && cube_time_parse(ct, &b)) {
				cctl_human_duration((int64_t)(b - a), d, sizeof(d));
				dw_write(w, 0, "Duration:\t%s\n", d);
			}
		}
		const cJSON *ready = cube_json_path(o, "status.ready");
		if (cJSON_IsNumber(ready))
			dw_write(w, 0,
				 "Pods Statuses:\t%lld Active (%lld Ready) / %lld Succeeded / %lld "
				 "Failed\n",
				 (long long)cube_json_int(o, "status.active", 0),
				 (long long)ready->valuedouble,
				 (long long)cube_json_int(o, "status.succeeded", 0),
				 (long long)cube_json_int(o, "status.failed", 0));
		else
			dw_write(w, 0,
				 "Pods Statuses:\t%lld Active / %lld Succeeded / %lld Failed\n",
				 (long long)cube_json_int(o, "status.active", 0),
				 (long long)cube_json_int(o, "status.succeeded", 0),
				 (long long)cube_json_int(o, "status.failed", 0));
		pod_template(w, cube_json_path(o, "spec.template"));
	}
}

/* ---- the command -------------------------------------------------------------------------------
 */

static struct {
	bool show_events;
	const char *selector;
	bool all_ns;
	cctl_strv files;
} D = {.show_events = true};

static const cctl_flag describe_flags[] = {
	{"show-events", 0, CCTL_BOOL, &D.show_events,
	 "If true, display events related to the described object."},
	{"selector", 'l', CCTL_STRING, &D.selector, "Selector (label query) to filter on"},
	{"all-namespaces", 'A', CCTL_BOOL, &D.all_ns,
	 "If present, list the requested object(s) across all namespaces."},
	{"filename", 'f', CCTL_ARRAY, &D.files, "Filename, directory, or URL to files"},
	{0},
};

/* The description of one object (malloc'd). */
char *cctl_describe_object(cctl *c, const cJSON *o, bool events);

char *cctl_describe_object(cctl *c, const cJSON *o, bool events)
{
	dw w = {.tw = {.tabbed = true}};
	const char *kind = cube_obj_kind(o);
	kind = kind ? kind : "";
	bool with_events = events;
	if (!strcmp(kind, "Pod"))
		describe_pod(c, &w, o);
	else if (!strcmp(kind, "Deployment"))
		describe_deployment(c, &w, o);
	else if (!strcmp(kind, "ReplicaSet"))
		describe_rs(c, &w, o);
	else if (!strcmp(kind, "Service"))
		describe_service(c, &w, o);
	else if (!strcmp(kind, "Endpoints"))
		describe_endpoints(&w, o);
	else if (!strcmp(kind, "Node"))
		describe_node(c, &w, o);
	else if (!strcmp(kind, "Namespace")) {
		describe_namespace(&w, o);
		with_events = false;
	} else if (!strcmp(kind, "ConfigMap"))
		describe_configmap(&w, o);
	else if (!strcmp(kind, "Secret")) {
		describe_secret(&w, o);
		with_events = false;
	} else if (!strcmp(kind, "DaemonSet") || !strcmp(kind, "StatefulSet") ||
		   !strcmp(kind, "Job"))
		describe_workload(c, &w, o);
	else {
		/* kubectl's generic describer prints the object's fields; the
		 * metadata head is what every describer shares */
		dw_write(&w, 0, "Name:\t%s\n", str_or(o, "metadata.name", ""));
		if (cube_obj_namespace(o))
			dw_write(&w, 0, "Namespace:\t%s\n", cube_obj_namespace(o));
		print_labels(&w, "Labels", cube_obj_labels(o));
		print_annotations(&w, "Annotations", cube_obj_annotations(o));
		dw_write(&w, 0, "API Version:\t%s\n", str_or(o, "apiVersion", ""));
		dw_write(&w, 0, "Kind:\t%s\n", kind);
	}
	cJSON *evs = NULL;
	if (with_events) {
		evs = cctl_events_for(c, o);
		describe_events(&w, evs);
	}
	if (!strcmp(kind, "Pod")) {
		/* cube's addition, after everything kubectl prints */
		dw_flush(&w);
		cctl_describe_scheduling(&w.tw, o, evs);
	}
	cJSON_Delete(evs);
	return dw_take(&w);
}

int cctl_cmd_describe(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = cctl_parse(c, describe_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (n == 0 && !D.files.n) {
		fprintf(stderr, "You must specify the type of resource to describe. Use \"cubectl "
				"api-resources\" for a complete list of supported resources.\n\n");
		fprintf(stderr,
			"error: Required resource not specified.\nSee 'cubectl describe -h' for "
			"help and examples\n");
		return 1;
	}
	if (cctl_connect(c) < 0)
		return 1;
	cJSON *objs = cJSON_CreateArray();
	int errs = 0;
	if (n == 1 && !strchr(pos[0], '/')) {
		/* every object of the type (with the selector) */
		const cctl_res *r = cctl_resolve(c, pos[0]);
		if (!r) {
			cJSON_Delete(objs);
			return c->res ? cctl_fail("the server doesn't have a resource type \"%s\"",
						  pos[0])
				      : 1;
		}
		char path[4096];
		cctl_path(r, D.all_ns ? NULL : cctl_ns(c), NULL, NULL, path, sizeof(path));
		cctl_query(path, sizeof(path), "labelSelector", D.selector);
		cJSON *l = cctl_call(c, "GET", path, NULL, NULL, NULL);
		if (!l) {
			cJSON_Delete(objs);
			return 1;
		}
		cJSON *it;
		cJSON *items = cJSON_GetObjectItemCaseSensitive(l, "items");
		while (items && (it = items->child)) {
			cJSON_DetachItemViaPointer(items, it);
			cJSON_AddStringToObject(it, "kind", r->gvr.kind);
			cJSON_AddItemToArray(objs, it);
		}
		cJSON_Delete(l);
		if (!cJSON_GetArraySize(objs)) {
			cJSON_Delete(objs);
			if (r->gvr.namespaced && !D.all_ns)
				fprintf(stderr, "No resources found in %s namespace.\n",
					cctl_ns(c));
			else
				fprintf(stderr, "No resources found\n");
			return 0;
		}
	} else {
		cctl_ref refs[64];
		int nr = cctl_refs(c, pos, n, refs, 64);
		if (nr <= 0) {
			cJSON_Delete(objs);
			return 1;
		}
		for (int i = 0; i < nr; i++) {
			char path[2048];
			cctl_path(refs[i].res, cctl_ns(c), refs[i].name, NULL, path, sizeof(path));
			cctl_resp r;
			if (cctl_request(c, "GET", path, NULL, NULL, NULL, &r) < 0) {
				errs++;
				continue;
			}
			if (r.status == 200 && r.body) {
				cJSON_AddItemToArray(objs, CUBE_STEAL(r.body));
				cctl_resp_clear(&r);
				continue;
			}
			/* a name prefix describes every object whose name starts with it */
			long st = r.status;
			cJSON *body = CUBE_STEAL(r.body);
			char *text = CUBE_STEAL(r.text);
			cctl_resp_clear(&r);
			bool found = false;
			if (st == 404) {
				char lp[2048];
				cctl_path(refs[i].res, cctl_ns(c), NULL, NULL, lp, sizeof(lp));
				cctl_resp lr;
				if (cctl_request(c, "GET", lp, NULL, NULL, NULL, &lr) == 0 &&
				    lr.status == 200) {
					cJSON *it;
					cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(
									lr.body, "items")) {
						const char *nm = cube_obj_name(it);
						if (nm && !strncmp(nm, refs[i].name,
								   strlen(refs[i].name))) {
							cJSON *copy = cJSON_Duplicate(it, true);
							cJSON_AddStringToObject(
								copy, "kind",
								refs[i].res->gvr.kind);
							/* kubectl prints these "%s\n", no separator
							 */
							cJSON_AddTrueToObject(copy, "$prefix");
							cJSON_AddItemToArray(objs, copy);
							found = true;
						}
					}
				}
				cctl_resp_clear(&lr);
			}
			if (!found) {
				cctl_print_status_error(st, body, text, NULL, NULL);
				errs++;
			}
			cJSON_Delete(body);
			free(text);
		}
	}
	bool first = true;
	const cJSON *o;
	cJSON_ArrayForEach (o, objs) {
		bool by_prefix = cJSON_HasObjectItem(o, "$prefix");
		char *s = cctl_describe_object(c, o, D.show_events);
		if (by_prefix)
			printf("%s\n", s);
		else
			printf("%s%s", first ? "" : "\n\n", s);
		free(s);
		first = false;
	}
	cJSON_Delete(objs);
	return errs ? 1 : 0;
}
