/* cubectl.h - what the pieces of cubectl share: the invocation (global
 * flags, the client, the namespace, discovery), the command table, flag
 * parsing in kubectl's (pflag's) style, resource resolution, and the
 * printers that make the output byte for byte kubectl's.
 *
 * cubectl is a thin layer over lib/: kubeconfig.h finds the server,
 * kclient.h talks to it, yaml.h and patch.h read manifests and compute
 * patches.  Every command is a `cctl_cmd` (name, flags, run function) in the
 * table of cmd.c; a run function returns the exit status (0, or 1 after
 * printing the error as kubectl prints it).
 *
 * Output goes to stdout, errors to stderr, as kubectl writes them.  Names
 * exported from cli/ start with cctl_ (cli/ shares libcomponents.a with the
 * other components).
 */
#ifndef CUBE_CUBECTL_H
#define CUBE_CUBECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "http.h"
#include "kclient.h"
#include "kubeconfig.h"

/* ---- flags (pflag style) ----------------------------------------------------------- */

typedef enum {
	CCTL_BOOL,   /* bool * */
	CCTL_STRING, /* const char ** */
	CCTL_INT,    /* int * */
	CCTL_ARRAY,  /* cctl_strv *: repeated or comma-separated values (-f a -f b) */
	CCTL_DUR,    /* int * seconds: "30s", "5m", "0" */
} cctl_flag_type;

typedef struct cctl_strv {
	const char *v[64];
	int n;
} cctl_strv;

typedef struct cctl_flag {
	const char *name; /* long name */
	char shorthand;	  /* 0: none */
	cctl_flag_type type;
	void *target;
	const char *help;
} cctl_flag;

/* Parses argv (after the command name) against two tables (the command's
 * and the global flags; either may be NULL).  Flags and positional
 * arguments may be interleaved; "--" ends flags, everything after it is
 * positional (*dash receives the index in pos of the first such argument, or
 * -1).  Positional arguments are collected into pos (up to max).  Returns the
 * count, or -1 after writing kubectl's error text into msg ("unknown flag:
 * --x", "flag needs an argument: 'n' in -n", ...).  -h/--help returns -2. */
int cctl_flags_parse(const cctl_flag *cmd, const cctl_flag *global, int argc, char **argv,
		     char **pos, int max, int *dash, char *msg, size_t msgsize);

/* ---- the invocation ----------------------------------------------------------------- */

/* A resource the server serves (from discovery). Strings owned by the table. */
typedef struct cctl_res {
	cube_gvr gvr;
	const char *singular;
	const char *short_names[8];
	const char *verbs[12];
	const char *categories[4];
	bool has_scale;
} cctl_res;

typedef struct cctl {
	/* global flags */
	const char *kubeconfig, *context, *namespace, *server, *cache_dir, *request_timeout;
	const char *token, *user, *cluster;
	bool insecure;
	int v;
	const char *cmd_name; /* "get", for messages */
	/* connection, made on first use */
	cube_kubeconfig *kc;
	cube_kclient *client;
	char ns[256]; /* the effective namespace */
	bool ns_explicit;
	/* discovery, fetched on first use */
	cJSON *disc_docs;
	cctl_res *res;
	size_t nres;
} cctl;

typedef struct cctl_cmd {
	const char *name;
	const char *short_help;
	const char *usage; /* "cubectl get [(-o|--output=)...] (TYPE[.VERSION][.GROUP] ...)" */
	const cctl_flag *flags;
	int (*run)(cctl *c, int argc, char **argv);
	int max_args; /* 0: any */
} cctl_cmd;

/* The whole program: argv as main gets it.  Returns the exit status. */
int cctl_main(int argc, char **argv);

/* Connects (kubeconfig, flags); returns 0 or prints kubectl's error and
 * returns -1. Idempotent. */
int cctl_connect(cctl *c);

/* Fetches discovery (aggregated v2 documents of /api and /apis).  0 or -1
 * after printing the error. Idempotent. */
int cctl_discover(cctl *c);

/* Resolves what a user typed ("po", "deployments.apps", "Deployment",
 * "deploy.v1.apps") to a resource; NULL if the server has none (nothing
 * printed). */
const cctl_res *cctl_resolve(cctl *c, const char *arg);

/* The resource of an object's apiVersion and kind; NULL if none. */
const cctl_res *cctl_resolve_kind(cctl *c, const char *api_version, const char *kind);

/* Pure form of the lookup, over a given table (unit tests). */
const cctl_res *cctl_res_lookup(const cctl_res *res, size_t n, const char *arg);

/* "deployment.apps" or "pod": kubectl's name for a kind in messages. */
void cctl_kind_name(const char *kind, const char *group, char *buf, size_t size);

/* "deployments.apps" or "pods": the resource name servers put in errors. */
void cctl_res_name(const cctl_res *r, char *buf, size_t size);

/* ---- requests ------------------------------------------------------------------------ */

/* The Accept header kubectl get sends for server-side printing. */
#define CCTL_ACCEPT_TABLE                                                                   \
	"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;" \
	"g=meta.k8s.io,application/json"

/* An answer: the HTTP status and the parsed body (NULL if not JSON). */
typedef struct cctl_resp {
	long status;
	cJSON *body;
	char *text; /* the raw body */
} cctl_resp;

void cctl_resp_clear(cctl_resp *r);

/* One request.  Returns 0 when an answer came (any status), -1 after
 * printing kubectl's connection error.  body is JSON text or NULL. */
int cctl_request(cctl *c, const char *method, const char *path, const char *accept,
		 const char *content_type, const char *body, cctl_resp *out);

/* Like cctl_request, for a 2xx JSON answer: returns the parsed body (the
 * caller's), or NULL after printing kubectl's error for the Status (with
 * `what` as the source in "error when creating "file": ..." if not NULL and
 * `verb` is set). */
cJSON *cctl_call(cctl *c, const char *method, const char *path, const char *content_type,
		 const cJSON *body, long *status);

/* Prints a non-2xx answer as kubectl's CheckErr prints it:
 *   Error from server (NotFound): pods "x" not found
 *   The Pod "bad" is invalid: spec.containers: Required value
 * `prefix` (may be NULL) goes in front of the message, as AddSourceToErr
 * puts `error when creating "f.yaml": `.  `get_what` (may be NULL) names a
 * request for messages that lack one ("get pods x"). */
void cctl_print_status_error(long status, const cJSON *body, const char *text, const char *prefix,
			     const char *get_what);

/* Formats the message only (no trailing newline) into buf; returns buf. */
char *cctl_status_message(long status, const cJSON *body, const char *text, const char *prefix,
			  const char *get_what, char *buf, size_t size);

/* The path of a resource's collection or object (ns NULL/"" for none). */
void cctl_path(const cctl_res *r, const char *ns, const char *name, const char *sub, char *buf,
	       size_t size);

/* Appends "?k=v" / "&k=v" (escaped) to path; v NULL or "" skips. */
void cctl_query(char *path, size_t size, const char *k, const char *v);

/* ---- output ---------------------------------------------------------------------------- */

/* kubectl's tabwriter: cells separated by '\t', lines by '\n'; columns
 * padded to the widest cell + 3 (at least 6); the last cell is not padded.
 * With remember, widths never shrink across flushes (kubectl get -w). */
typedef struct cctl_tabw {
	char *buf;
	size_t len, cap;
	size_t *widths;
	size_t nwidths;
	bool remember;
	bool tabbed; /* kubectl's tabbedString (describe, rollout history): minimum
			width 0, padding 2 */
} cctl_tabw;

void cctl_tabw_add(cctl_tabw *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cctl_tabw_addn(cctl_tabw *t, const char *s, size_t n);
/* Formats what was added and returns it (malloc'd); the buffer is emptied. */
char *cctl_tabw_render(cctl_tabw *t);
void cctl_tabw_flush(cctl_tabw *t, FILE *f);
void cctl_tabw_free(cctl_tabw *t);

/* JSON as Go's encoding/json writes it: object keys sorted, "<", ">", "&"
 * escaped as \u003c..., integers without exponent, floats as strconv 'g'
 * within [1e-6, 1e21).  indent 0: compact; else MarshalIndent with that many
 * spaces.  Returns a malloc'd string. */
char *cctl_json_go(const cJSON *v, int indent);

/* Go's fmt.Sprint of a decoded JSON value: strings raw, numbers as int64 or
 * float64 print, maps as map[k:v ...] (sorted), slices as [a b]. */
char *cctl_go_sprint(const cJSON *v);

/* A deep copy with every object's keys sorted (what Go's maps do). */
cJSON *cctl_sorted_copy(const cJSON *v);

/* Prints obj as kubectl -o yaml does (keys sorted). */
void cctl_print_yaml(FILE *f, const cJSON *obj);

/* kubectl's List wrapper around items (taken). */
cJSON *cctl_list_wrap(cJSON *items);

/* ---- jsonpath and custom columns ---------------------------------------------------- */

typedef struct cctl_jsonpath cctl_jsonpath;

/* Parses a kubectl jsonpath template ("{.items[*].metadata.name}", text,
 * {range}...{end}, {"\n"}, filters [?(@.a=="b")], slices, unions, ..).
 * NULL with msg on a syntax error. */
cctl_jsonpath *cctl_jsonpath_parse(const char *tmpl, char *msg, size_t size);
void cctl_jsonpath_free(cctl_jsonpath *j);

/* Executes the template over data, appending text to *out (malloc'd,
 * grown).  allow_missing: missing keys print nothing (kubectl's default for
 * -o jsonpath).  Returns 0, or -1 with msg. */
int cctl_jsonpath_exec(const cctl_jsonpath *j, const cJSON *data, bool allow_missing, char **out,
		       char *msg, size_t size);

/* The values one expression finds ({.spec.containers[*].image}): a new JSON
 * array of references to them (valid while data lives; cJSON_Delete frees
 * only the array), or NULL with msg. */
cJSON *cctl_jsonpath_find(const cctl_jsonpath *j, const cJSON *data, char *msg, size_t size);

/* kubectl's RelaxedJSONPathExpression: ".a.b" / "a.b" / "{.a.b}" -> "{.a.b}".
 * Returns 0 or -1 with msg. */
int cctl_jsonpath_relaxed(const char *expr, char *buf, size_t size, char *msg, size_t msgsize);

/* Renders objects as -o custom-columns=SPEC does (header unless
 * no_headers).  Returns malloc'd text or NULL with msg. */
char *cctl_custom_columns(const char *spec, const cJSON *const *objs, size_t n, bool no_headers,
			  char *msg, size_t size);

/* ---- helpers the commands share ----------------------------------------------------- */

/* Reads manifests: files, directories (their .json/.yaml/.yml files, not
 * recursive unless recursive), "-" for stdin; multi-document YAML and JSON
 * Lists are flattened.  Returns a JSON array of {"source": file, "object": obj}
 * or NULL after printing the error. */
cJSON *cctl_read_manifests(const cctl_strv *files, bool recursive);

/* Human duration, as kubectl's HumanDuration (AGE columns). */
void cctl_human_duration(int64_t seconds, char *buf, size_t size);

/* "7d" style age of an RFC 3339 timestamp, "<unknown>" if unparsable. */
void cctl_age(const char *ts, char *buf, size_t size);

/* Waits until GET path answers 404 (delete --wait).  0, or -1 on timeout. */
int cctl_wait_gone(cctl *c, const char *path, const char *uid, int timeout_s);

/* Sorted events of one object (involvedObject uid/name/namespace). */
cJSON *cctl_events_for(cctl *c, const cJSON *obj);

/* TYPE NAME... or TYPE/NAME... as kubectl's builder takes them. */
typedef struct cctl_ref {
	const cctl_res *res;
	const char *name;
} cctl_ref;

/* Resolves the arguments; returns the count, or -1 after printing the error
 * (kubectl's "the server doesn't have a resource type" or the usage text
 * for a missing name). */
int cctl_refs(cctl *c, char **args, int n, cctl_ref *out, int max);

/* GETs an object (JSON); NULL after printing kubectl's error. */
cJSON *cctl_get_obj(cctl *c, const cctl_res *r, const char *name);

/* PATCHes an object: type "strategic" | "merge" | "json"; field_manager
 * may be NULL; sub NULL or "scale".  Returns the answer or NULL after
 * printing kubectl's error. */
cJSON *cctl_patch_obj(cctl *c, const cctl_res *r, const char *name, const char *sub,
		      const char *type, const cJSON *patch, const char *field_manager);

/* Prints "kind.group/name <verb>". */
void cctl_print_op(const cctl_res *r, const char *name, const char *verb);

/* Creates obj (POST to its resource, ?fieldManager=...&fieldValidation=Strict),
 * printing "kind/name created" (or the error).  Returns 0 or 1. */
int cctl_create_obj(cctl *c, cJSON *obj, const char *field_manager, const char *verb,
		    const char *dry_run, const char *output);

/* What `apply -f` would make of a manifest's obj, as kubectl diff asks the
 * server: obj's namespace is fixed as apply fixes it; *live gets the live
 * object (NULL when absent) and *merged the server's dry-run answer to the
 * create or to apply's three-way patch (of obj itself: kubectl diff does not
 * add the last-applied annotation), or, server_side, to the apply patch;
 * the live object itself when there is nothing to patch.
 * field_manager NULL: kubectl's.  0, or -1 after printing the error. */
int cctl_apply_preview(cctl *c, cJSON *obj, const char *src, bool server_side,
		       const char *field_manager, bool force_conflicts, const cctl_res **res,
		       cJSON **live, cJSON **merged);

/* Prints objects as -o json|yaml|name|jsonpath=|custom-columns= do. */
int cctl_print_objects(const cJSON *objs, const char *output, bool single, bool no_headers);

/* A pod template as kubectl's rollout history --revision prints it. */
char *cctl_describe_template(const cJSON *tmpl);

/* kubectl's EqualIgnoreHash of a ReplicaSet's and a Deployment's templates. */
bool cctl_template_equal(const cJSON *rs_template, const cJSON *deploy_template);

/* Command entry points (the table in cmd.c). */
int cctl_cmd_get(cctl *c, int argc, char **argv);
int cctl_cmd_create(cctl *c, int argc, char **argv);
int cctl_cmd_apply(cctl *c, int argc, char **argv);
int cctl_cmd_replace(cctl *c, int argc, char **argv);
int cctl_cmd_delete(cctl *c, int argc, char **argv);
int cctl_cmd_run(cctl *c, int argc, char **argv);
int cctl_cmd_expose(cctl *c, int argc, char **argv);
int cctl_cmd_scale(cctl *c, int argc, char **argv);
int cctl_cmd_set(cctl *c, int argc, char **argv);
int cctl_cmd_rollout(cctl *c, int argc, char **argv);
int cctl_cmd_label(cctl *c, int argc, char **argv);
int cctl_cmd_annotate(cctl *c, int argc, char **argv);
int cctl_cmd_patch(cctl *c, int argc, char **argv);
int cctl_cmd_cordon(cctl *c, int argc, char **argv);
int cctl_cmd_uncordon(cctl *c, int argc, char **argv);
int cctl_cmd_drain(cctl *c, int argc, char **argv);
int cctl_cmd_describe(cctl *c, int argc, char **argv);
int cctl_cmd_why(cctl *c, int argc, char **argv);
int cctl_cmd_events(cctl *c, int argc, char **argv);
int cctl_cmd_version(cctl *c, int argc, char **argv);
int cctl_cmd_api_resources(cctl *c, int argc, char **argv);
int cctl_cmd_cluster_info(cctl *c, int argc, char **argv);
int cctl_cmd_config(cctl *c, int argc, char **argv);
int cctl_cmd_completion(cctl *c, int argc, char **argv);
int cctl_cmd_exec(cctl *c, int argc, char **argv);
int cctl_cmd_logs(cctl *c, int argc, char **argv);
int cctl_cmd_wait(cctl *c, int argc, char **argv);
int cctl_cmd_diff(cctl *c, int argc, char **argv);
int cctl_cmd_edit(cctl *c, int argc, char **argv);
int cctl_cmd_top(cctl *c, int argc, char **argv); /* top.c */
int cctl_cmd_port_forward(cctl *c, int argc, char **argv);

/* exec.c: a WebSocket to the (http://) server: GET path with an upgrade
 * offering `protocols`; the chosen one in proto.  NULL after printing
 * kubectl's error (a refusal's Status, an unreachable server); else the
 * client connection, whose socket (*fd) the caller closes after
 * cube_ws_free. */
struct cube_ws;
struct cube_ws *cctl_ws_open(cctl *c, const char *path, const char *protocols, char *proto,
			     size_t proto_size, int *fd);

/* Parses a command's flags with the global ones; on error prints kubectl's
 * text ("error: unknown flag: --x\nSee 'cubectl get --help' for usage.")
 * and returns -1; on --help prints usage and returns -2. */
int cctl_parse(cctl *c, const cctl_flag *flags, int argc, char **argv, char **pos, int max,
	       int *dash);

/* error: <msg> on stderr; returns 1 (the exit status). */
int cctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* kubectl's builder error for no arguments and no -f ("error: You must
 * provide one or more resources by argument or filename." and the
 * examples) on stderr; returns 1. */
int cctl_fail_no_resources(void);

/* The effective namespace for an object without one. */
const char *cctl_ns(cctl *c);

#endif
