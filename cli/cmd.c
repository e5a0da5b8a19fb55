/* cmd.c - cubectl's command table, its global flags, and flag parsing in
 * pflag's manner (what kubectl users type: flags anywhere among the
 * arguments, -n ns / -nns / --namespace=ns, grouped boolean shorthands,
 * "--" before a command line), with kubectl's error texts. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>

#include "cubectl.h"
#include "flags.h"

/* ---- flag parsing -------------------------------------------------------------------- */

static const cctl_flag *find_long(const cctl_flag *t, const char *name, size_t n)
{
	for (; t && t->name; t++)
		if (strlen(t->name) == n && !strncmp(t->name, name, n))
			return t;
	return NULL;
}

static const cctl_flag *find_short(const cctl_flag *t, char c)
{
	for (; t && t->name; t++)
		if (t->shorthand == c)
			return t;
	return NULL;
}

static const char *flag_typename(const cctl_flag *f)
{
	switch (f->type) {
	case CCTL_INT:
		return "int";
	case CCTL_BOOL:
		return "bool";
	case CCTL_DUR:
		return "duration";
	case CCTL_ARRAY:
		return "stringSlice";
	default:
		return "string";
	}
}

/* Stores a value; -1 with pflag's message on a bad one. */
static int flag_set(const cctl_flag *f, const char *val, const char *shown, char *msg, size_t size)
{
	switch (f->type) {
	case CCTL_BOOL:
		if (!strcmp(val, "true") || !strcmp(val, "1") || !strcmp(val, "t") ||
		    !strcmp(val, "T") || !strcmp(val, "TRUE") || !strcmp(val, "True"))
			*(bool *)f->target = true;
		else if (!strcmp(val, "false") || !strcmp(val, "0") || !strcmp(val, "f") ||
			 !strcmp(val, "F") || !strcmp(val, "FALSE") || !strcmp(val, "False"))
			*(bool *)f->target = false;
		else {
			snprintf(msg, size,
				 "invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: "
				 "parsing \"%s\": invalid syntax",
				 val, shown, val);
			return -1;
		}
		return 0;
	case CCTL_STRING:
		*(const char **)f->target = val;
		return 0;
	case CCTL_INT: {
		char *end;
		errno = 0;
		long v = strtol(val, &end, 10);
		if (!*val || *end || errno || v < INT_MIN || v > INT_MAX) {
			snprintf(msg, size,
				 "invalid argument \"%s\" for \"%s\" flag: strconv.ParseInt: "
				 "parsing \"%s\": %s",
				 val, shown, val, errno ? "value out of range" : "invalid syntax");
			return -1;
		}
		*(int *)f->target = (int)v;
		return 0;
	}
	case CCTL_DUR: {
		int s;
		if (cube_flags_duration(val, &s) < 0) {
			snprintf(msg, size,
				 "invalid argument \"%s\" for \"%s\" flag: time: invalid duration "
				 "\"%s\"",
				 val, shown, val);
			return -1;
		}
		*(int *)f->target = s;
		return 0;
	}
	case CCTL_ARRAY: {
		cctl_strv *sv = f->target;
		if (sv->n < (int)(sizeof(sv->v) / sizeof(sv->v[0])))
			sv->v[sv->n++] = val;
		return 0;
	}
	}
	return 0;
}

int cctl_flags_parse(const cctl_flag *cmd, const cctl_flag *global, int argc, char **argv,
		     char **pos, int max, int *dash, char *msg, size_t size)
{
	int npos = 0;
	if (dash)
		*dash = -1;
	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		if (!strcmp(a, "--")) {
			if (dash)
				*dash = npos;
			for (i++; i < argc; i++)
				if (npos < max)
					pos[npos++] = argv[i];
			break;
		}
		if (a[0] != '-' || !a[1]) {
			if (npos < max)
				pos[npos++] = a;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			if (n == 4 && !strncmp(name, "help", 4))
				return -2;
			const cctl_flag *f = find_long(cmd, name, n);
			if (!f)
				f = find_long(global, name, n);
			if (!f) {
				snprintf(msg, size, "unknown flag: --%.*s", (int)n, name);
				return -1;
			}
			char shown[128];
			snprintf(shown, sizeof(shown), "--%s", f->name);
			const char *val;
			if (eq)
				val = eq + 1;
			else if (f->type == CCTL_BOOL)
				val = "true";
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				snprintf(msg, size, "flag needs an argument: --%s", f->name);
				return -1;
			}
			if (flag_set(f, val, shown, msg, size) < 0)
				return -1;
			continue;
		}
		/* shorthands: -abc, -n ns, -nns, -n=ns */
		for (char *p = a + 1; *p; p++) {
			if (*p == 'h' && !find_short(cmd, 'h') && !find_short(global, 'h'))
				return -2;
			const cctl_flag *f = find_short(cmd, *p);
			if (!f)
				f = find_short(global, *p);
			if (!f) {
				snprintf(msg, size, "unknown shorthand flag: '%c' in %s", *p, a);
				return -1;
			}
			char shown[128];
			snprintf(shown, sizeof(shown), "-%c, --%s", f->shorthand, f->name);
			const char *val;
			if (p[1] == '=') {
				val = p + 2;
			} else if (f->type == CCTL_BOOL) {
				val = "true";
			} else if (p[1]) {
				val = p + 1;
			} else if (i + 1 < argc) {
				val = argv[++i];
			} else {
				snprintf(msg, size, "flag needs an argument: '%c' in %s", *p, a);
				return -1;
			}
			if (flag_set(f, val, shown, msg, size) < 0)
				return -1;
			if (p[1] == '=' || f->type != CCTL_BOOL)
				break;
		}
	}
	return npos;
}

/* ---- global flags and the table --------------------------------------------------------- */

static cctl G;

static const cctl_flag global_flags[] = {
	{"kubeconfig", 0, CCTL_STRING, &G.kubeconfig,
	 "Path to the kubeconfig file to use for CLI requests."},
	{"context", 0, CCTL_STRING, &G.context, "The name of the kubeconfig context to use"},
	{"namespace", 'n', CCTL_STRING, &G.namespace,
	 "If present, the namespace scope for this CLI request"},
	{"server", 's', CCTL_STRING, &G.server,
	 "The address and port of the Kubernetes API server"},
	{"cache-dir", 0, CCTL_STRING, &G.cache_dir, "Default cache directory"},
	{"request-timeout", 0, CCTL_STRING, &G.request_timeout,
	 "The length of time to wait before giving up on a single server request."},
	{"token", 0, CCTL_STRING, &G.token, "Bearer token for authentication to the API server"},
	{"user", 0, CCTL_STRING, &G.user, "The name of the kubeconfig user to use"},
	{"cluster", 0, CCTL_STRING, &G.cluster, "The name of the kubeconfig cluster to use"},
	{"insecure-skip-tls-verify", 0, CCTL_BOOL, &G.insecure,
	 "If true, the server's certificate will not be checked for validity."},
	{"v", 'v', CCTL_INT, &G.v, "number for the log level verbosity"},
	{0},
};

static const cctl_cmd commands[] = {
	{"get", "Display one or many resources",
	 "cubectl get [(-o|--output=)json|yaml|name|wide|custom-columns=...|jsonpath=...] "
	 "(TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]",
	 NULL, cctl_cmd_get, 0},
	{"describe", "Show details of a specific resource or group of resources",
	 "cubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME)", NULL,
	 cctl_cmd_describe, 0},
	{"create", "Create a resource from a file or from stdin",
	 "cubectl create -f FILENAME [options]", NULL, cctl_cmd_create, 0},
	{"apply", "Apply a configuration to a resource by file name or stdin",
	 "cubectl apply (-f FILENAME | -k DIRECTORY) [options]", NULL, cctl_cmd_apply, 0},
	{"replace", "Replace a resource by file name or stdin",
	 "cubectl replace -f FILENAME [options]", NULL, cctl_cmd_replace, 0},
	{"delete",
	 "Delete resources by file names, stdin, resources and names, or by resources "
	 "and label selector",
	 "cubectl delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [options]", NULL,
	 cctl_cmd_delete, 0},
	{"run", "Run a particular image on the cluster",
	 "cubectl run NAME --image=image [--env=\"key=value\"] [--port=port] "
	 "[--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] "
	 "[options]",
	 NULL, cctl_cmd_run, 0},
	{"expose",
	 "Take a replication controller, service, deployment or pod and expose it as a "
	 "new Kubernetes service",
	 "cubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] "
	 "[--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] "
	 "[--type=type] [options]",
	 NULL, cctl_cmd_expose, 0},
	{"scale", "Set a new size for a deployment, replica set, or replication controller",
	 "cubectl scale [--resource-version=version] [--current-replicas=count] "
	 "--replicas=COUNT (-f FILENAME | TYPE NAME) [options]",
	 NULL, cctl_cmd_scale, 0},
	{"set", "Set specific features on objects", "cubectl set SUBCOMMAND [options]", NULL,
	 cctl_cmd_set, 0},
	{"rollout", "Manage the rollout of a resource", "cubectl rollout SUBCOMMAND [options]",
	 NULL, cctl_cmd_rollout, 0},
	{"label", "Update the labels on a resource",
	 "cubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N "
	 "[--resource-version=version] [options]",
	 NULL, cctl_cmd_label, 0},
	{"annotate", "Update the annotations on a resource",
	 "cubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N "
	 "[--resource-version=version] [options]",
	 NULL, cctl_cmd_annotate, 0},
	{"patch", "Update fields of a resource",
	 "cubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]", NULL,
	 cctl_cmd_patch, 0},
	{"cordon", "Mark node as unschedulable", "cubectl cordon NODE [options]", NULL,
	 cctl_cmd_cordon, 0},
	{"uncordon", "Mark node as schedulable", "cubectl uncordon NODE [options]", NULL,
	 cctl_cmd_uncordon, 0},
	{"drain", "Drain node in preparation for maintenance", "cubectl drain NODE [options]", NULL,
	 cctl_cmd_drain, 0},
	{"exec", "Execute a command in a container",
	 "cubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]", NULL,
	 cctl_cmd_exec, 0},
	{"edit", "Edit a resource on the server",
	 "cubectl edit (RESOURCE/NAME | -f FILENAME) [options]", NULL, cctl_cmd_edit, 0},
	{"diff", "Diff the live version against a would-be applied version",
	 "cubectl diff -f FILENAME [options]", NULL, cctl_cmd_diff, 0},
	{"wait", "Experimental: Wait for a specific condition on one or many resources",
	 "cubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label "
	 "| --all)]) [--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] "
	 "[options]",
	 NULL, cctl_cmd_wait, 0},
	{"logs", "Print the logs for a container in a pod",
	 "cubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]", NULL, cctl_cmd_logs,
	 0},
	{"port-forward", "Forward one or more local ports to a pod",
	 "cubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]"
	 "REMOTE_PORT_N]",
	 NULL, cctl_cmd_port_forward, 0},
	{"why", "Explain a pod's scheduling and life (cube's own command)",
	 "cubectl why pod/NAME [options]", NULL, cctl_cmd_why, 0},
	{"events", "List events",
	 "cubectl events [(-o|--output=)json|yaml] [--for TYPE/NAME] "
	 "[--watch] [options]",
	 NULL, cctl_cmd_events, 0},
	{"top", "Display resource (CPU/memory) usage",
	 "cubectl top (node|pod) [NAME | -l label] [options]", NULL, cctl_cmd_top, 0},
	{"version", "Print the client and server version information", "cubectl version [flags]",
	 NULL, cctl_cmd_version, 0},
	{"api-resources", "Print the supported API resources on the server",
	 "cubectl api-resources [flags] [options]", NULL, cctl_cmd_api_resources, 0},
	{"cluster-info", "Display cluster information", "cubectl cluster-info [flags] [options]",
	 NULL, cctl_cmd_cluster_info, 0},
	{"config", "Modify kubeconfig files", "cubectl config SUBCOMMAND [options]", NULL,
	 cctl_cmd_config, 0},
	{"completion", "Output shell completion code for the specified shell (bash)",
	 "cubectl completion SHELL [options]", NULL, cctl_cmd_completion, 0},
};

static const cctl_cmd *current;

int cctl_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

int cctl_fail_no_resources(void)
{
	fputs("error: You must provide one or more resources by argument or filename.\n"
	      "Example resource specifications include:\n   '-f rsrc.yaml'\n   "
	      "'--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'\n",
	      stderr);
	return 1;
}

static void print_flags(FILE *f, const cctl_flag *t)
{
	for (; t && t->name; t++) {
		char head[128];
		if (t->shorthand)
			snprintf(head, sizeof(head), "-%c, --%s", t->shorthand, t->name);
		else
			snprintf(head, sizeof(head), "--%s", t->name);
		fprintf(f, "    %s%s%s:\n\t%s\n\n", head, t->type == CCTL_BOOL ? "" : "=",
			t->type == CCTL_BOOL ? "" : flag_typename(t), t->help ? t->help : "");
	}
}

static void usage(FILE *f)
{
	fputs("cubectl controls a cube (Kubernetes) cluster, as kubectl does.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-15s%s\n", commands[i].name, commands[i].short_help);
	fputs("\nUsage:\n  cubectl [flags] [options]\n\nUse \"cubectl <command> --help\" for more "
	      "information about a given command.\n",
	      f);
}

int cctl_parse(cctl *c, const cctl_flag *flags, int argc, char **argv, char **pos, int max,
	       int *dash)
{
	char msg[512] = "";
	int n = cctl_flags_parse(flags, global_flags, argc, argv, pos, max, dash, msg, sizeof(msg));
	if (n == -2) {
		printf("%s.\n\n", current ? current->short_help : "cubectl");
		if (current)
			printf("Usage:\n  %s\n\n", current->usage);
		if (flags && flags->name) {
			puts("Options:");
			print_flags(stdout, flags);
		}
		return -2;
	}
	if (n < 0) {
		fprintf(stderr, "Error: %s\nSee 'cubectl %s --help' for usage.\n", msg,
			c->cmd_name ? c->cmd_name : "");
		return -1;
	}
	if (c->namespace) {
		snprintf(c->ns, sizeof(c->ns), "%s", c->namespace);
		c->ns_explicit = true;
	}
	return n;
}

const char *cctl_ns(cctl *c)
{
	return c->ns[0] ? c->ns : "default";
}

int cctl_main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	cctl *c = &G;
	/* The command is the first argument that is not a global flag (or the
	 * value of one): `cubectl -n x get pods` works as in kubectl. */
	int ci = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			ci = i;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		const cctl_flag *f = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			f = find_long(global_flags, a + 2,
				      eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (f && !eq && f->type != CCTL_BOOL)
				i++;
		} else {
			f = find_short(global_flags, a[1]);
			if (f && !a[2] && f->type != CCTL_BOOL)
				i++;
		}
		if (!f) {
			fprintf(stderr,
				"error: unknown flag: %s\nSee 'cubectl --help' for usage.\n", a);
			return 1;
		}
	}
	if (ci < 0) {
		usage(stdout);
		return 0;
	}
	const char *name = argv[ci];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name))
			continue;
		current = &commands[i];
		c->cmd_name = name;
		/* the command sees every argument but its own name */
		char **args = calloc((size_t)argc, sizeof(char *));
		if (!args)
			return 1;
		int n = 0;
		for (int j = 1; j < argc; j++)
			if (j != ci)
				args[n++] = argv[j];
		int rc = commands[i].run(c, n, args);
		free(args);
		cube_kclient_free(c->client);
		cube_kubeconfig_free(c->kc);
		cJSON_Delete(c->disc_docs);
		free(c->res);
		return rc;
	}
	fprintf(stderr,
		"error: unknown command \"%s\" for \"cubectl\"\nRun 'cubectl --help' for usage.\n",
		name);
	return 1;
}
