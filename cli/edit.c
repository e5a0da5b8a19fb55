/* edit.c - cubectl edit TYPE NAME | TYPE/NAME, as kubectl v1.32's: the
 * object (without managedFields) goes as YAML (-o json: JSON) under
 * kubectl's comment header into a temporary file cubectl-edit-*.yaml; the
 * editor ($KUBE_EDITOR, $EDITOR, vi; a command with spaces is split, one
 * with quotes or backslashes runs through $SHELL -c) edits it; what comes
 * back is sent as the two-way strategic merge patch of the object and the
 * edit (fieldManager kubectl-edit), and "pod/x edited" is printed.
 *
 * Unchanged (as YAML means it, comments aside): "Edit cancelled, no changes
 * made."  Unparsable or refused as invalid: the file is opened again with
 * the reasons in the header, as kubectl does; the same content saved again
 * ends the edit ("A copy of your changes has been stored to ..." and
 * "error: Edit cancelled, no valid changes were saved.", the file kept).
 * apiVersion, kind and name may not change.  One object per run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"
#include "ops.h"
#include "patch.h"
#include "yaml.h"

static struct {
	const char *output, *field_manager, *validate;
	bool output_patch, show_managed, save_config, windows;
	cctl_strv files;
} E = {.field_manager = "kubectl-edit"};

static const cctl_flag edit_flags[] = {
	{"output", 'o', CCTL_STRING, &E.output, "Output format. One of: (json, yaml, name)."},
	{"output-patch", 0, CCTL_BOOL, &E.output_patch,
	 "Output the patch if the resource is edited."},
	{"field-manager", 0, CCTL_STRING, &E.field_manager,
	 "Name of the manager used to track field ownership."},
	{"show-managed-fields", 0, CCTL_BOOL, &E.show_managed,
	 "If true, keep the managedFields when printing objects in JSON or YAML format."},
	{"validate", 0, CCTL_STRING, &E.validate, "strict, warn, ignore (true, false)"},
	{"save-config", 0, CCTL_BOOL, &E.save_config, "(ignored)"},
	{"windows-line-endings", 0, CCTL_BOOL, &E.windows, "(ignored)"},
	{"filename", 'f', CCTL_ARRAY, &E.files, "Filename, directory, or URL to files to use"},
	{0},
};

#define HEADER                                                                                     \
	"# Please edit the object below. Lines beginning with a '#' will be ignored,\n"            \
	"# and an empty file will abort the edit. If an error occurs while saving this file will " \
	"be\n"                                                                                     \
	"# reopened with the relevant failures.\n"                                                 \
	"#\n"

/* ---- pure parts (ops.h) ------------------------------------------------------------------- */

char *cctl_edit_strip_comments(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	for (const char *p = text;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *t = p;
		while (t < p + len && (*t == ' ' || *t == '\t' || *t == '\r'))
			t++;
		if (!(t < p + len && *t == '#')) {
			memcpy(w, p, len);
			w += len;
			if (nl)
				*w++ = '\n';
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	*w = '\0';
	return out;
}

int cctl_edit_editor_argv(const char *kube_editor, const char *editor, const char *shell,
			  const char *file, char **argv, int max, char *buf, size_t size)
{
	const char *e = kube_editor && kube_editor[0] ? kube_editor
			: editor && editor[0]	      ? editor
						      : "vi";
	int n = 0;
	if (!strchr(e, ' ')) {
		snprintf(buf, size, "%s", e);
		argv[n++] = buf;
	} else if (!strpbrk(e, "\"'\\")) {
		snprintf(buf, size, "%s", e);
		for (char *p = buf;;) {
			char *sp = strchr(p, ' ');
			if (n < max - 2)
				argv[n++] = p;
			if (!sp)
				break;
			*sp = '\0';
			p = sp + 1;
		}
	} else {
		/* the shell parses it: <shell> -c '<editor> "<file>"' */
		const char *sh = shell && shell[0] ? shell : "/bin/bash";
		size_t sl = strlen(sh) + 1;
		if (sl + 4 > size)
			return -1;
		memcpy(buf, sh, sl);
		memcpy(buf + sl, "-c", 3);
		snprintf(buf + sl + 3, size - sl - 3, "%s \"%s\"", e, file);
		argv[n++] = buf;
		argv[n++] = buf + sl;
		argv[n++] = buf + sl + 3;
		argv[n] = NULL;
		return n;
	}
	argv[n++] = (char *)file;
	argv[n] = NULL;
	return n;
}

/* ---- the edit loop -------------------------------------------------------------------------- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[8192];
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = '\0';
	return buf;
}

/* Writes text into a new cubectl-edit-*.{yaml,json}; path receives its name. */
static int write_temp(const char *text, bool json, char *path, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(path, size, "%s/cubectl-edit-XXXXXX.%s", tmp && tmp[0] ? tmp : "/tmp",
		 json ? "json" : "yaml");
	int fd = mkstemps(path, 5);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t w = write(fd, text, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -1;
}

static int launch(const char *file)
{
	char *argv[64], buf[8192];
	if (cctl_edit_editor_argv(getenv("KUBE_EDITOR"), getenv("EDITOR"), getenv("SHELL"), file,
				  argv, 64, buf, sizeof(buf)) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		/* kubectl names the editor's words (the shell's too), not the file */
		const char *e = getenv("KUBE_EDITOR");
		if (!e || !e[0])
			e = getenv("EDITOR");
		if (!e || !e[0])
			e = "vi";
		const char *sh = getenv("SHELL");
		char shown[4096];
		if (strchr(e, ' ') && strpbrk(e, "\"'\\"))
			snprintf(shown, sizeof(shown), "%s -c %s", sh && sh[0] ? sh : "/bin/bash",
				 e);
		else
			snprintf(shown, sizeof(shown), "%s", e);
		cctl_fail("there was a problem with the editor \"%s\"", shown);
		return -1;
	}
	return 0;
}

static char *render(const cJSON *obj, bool json)
{
	if (json)
		return cctl_json_go(obj, 4); /* the caller ends the line */
	cube_autojson cJSON *sorted = cctl_sorted_copy(obj);
	return cube_yaml_emit(sorted);
}

/* The edited text as an object, or NULL with msg. */
static cJSON *parse_edit(const char *stripped, char *msg, size_t size)
{
	cube_err err = CUBE_ERR_INIT;
	cJSON *o = cube_yaml_parse(stripped, strlen(stripped), &err);
	if (!o) {
		snprintf(msg, size, "%s", err.msg);
		return NULL;
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		snprintf(msg, size, "invalid object to validate");
		return NULL;
	}
	return o;
}

/* Two saves say the same: as objects when both parse, else as text. */
static bool same_edit(const char *a, const char *b)
{
	char m[512];
	cube_autofree char *sa = cctl_edit_strip_comments(a);
	cube_autofree char *sb = cctl_edit_strip_comments(b);
	if (!sa || !sb)
		return false;
	if (!strcmp(sa, sb))
		return true;
	cube_autojson cJSON *oa = parse_edit(sa, m, sizeof(m));
	cube_autojson cJSON *ob = parse_edit(sb, m, sizeof(m));
	return oa && ob && cube_json_equal(oa, ob);
}

static bool same_key(const cJSON *a, const cJSON *b, const char *path)
{
	const cJSON *x = cube_json_path(a, path), *y = cube_json_path(b, path);
	return (!x && !y) || (x && y && cube_json_equal(x, y));
}

/* "pods" or "deployments.apps": kubectl's resource string in edit messages. */
static void res_string(const cctl_res *r, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", r->gvr.resource, r->gvr.group[0] ? "." : "", r->gvr.group);
}

static void preserved(const char *file)
{
	struct stat st;
	if (file[0] && stat(file, &st) == 0)
		fprintf(stderr, "A copy of your changes has been stored to \"%s\"\n", file);
}

/* Appends the header's lines for one refusal ("# pods "x" was not valid:",
 * "# * field: message"). */
static void add_reason(char *hdr, size_t size, const char *head, const cJSON *causes)
{
	size_t n = strlen(hdr);
	n += (size_t)snprintf(hdr + n, n < size ? size - n : 0, "# %s%s\n", head,
			      causes && causes->child ? ":" : "");
	const cJSON *c;
	cJSON_ArrayForEach (c, causes) {
		const char *f = cube_json_str(c, "field"), *m = cube_json_str(c, "message");
		if (n < size)
			n += (size_t)snprintf(hdr + n, size - n, "# * %s: %s\n", f ? f : "<nil>",
					      m ? m : "");
	}
	if (n < size)
		snprintf(hdr + n, size - n, "#\n");
}

static int print_result(const cctl_res *r, cJSON *obj, const char *name)
{
	if (E.output && (!strcmp(E.output, "json") || !strcmp(E.output, "yaml"))) {
		cJSON *one = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(one, obj);
		int rc = cctl_print_objects(one, E.output, true, false);
		cJSON_Delete(one);
		return rc;
	}
	cctl_print_op(r, name, "edited");
	return 0;
}

/* What became of a save. */
enum { SAVED, STOPPED, REOPEN };

/* Refused as invalid: the reason goes into the header, the error to stderr. */
static int refused(char *hdr, size_t size, const char *rs, const char *name, const cJSON *causes)
{
	char head[600];
	snprintf(head, sizeof(head), "%s \"%s\" was not valid", rs, name);
	add_reason(hdr, size, head, causes);
	fprintf(stderr, "error: %s \"%s\" is invalid\n", rs, name);
	return REOPEN;
}

/* Sends the edit `mine` of obj (the two-way patch).  SAVED after printing
 * the result, REOPEN with the reasons in hdr, STOPPED after printing why
 * (*keep: the file stays, as the message says). */
static int save(cctl *c, const cctl_res *r, const cJSON *obj, const cJSON *mine, const char *file,
		const char *rs, char *hdr, size_t hsize, bool *keep)
{
	const char *name = cube_obj_name(obj);
	*keep = true;
	if (!same_key(obj, mine, "apiVersion") || !same_key(obj, mine, "kind") ||
	    !same_key(obj, mine, "metadata.name") ||
	    !same_key(obj, mine, "metadata.managedFields")) {
		preserved(file);
		cctl_fail("At least one of apiVersion, kind and name was changed");
		return STOPPED;
	}
	cube_err err = CUBE_ERR_INIT;
	cube_autojson cJSON *patch =
		cube_smp_three_way(obj, mine, obj, cube_smp_schema_for(r->gvr.kind), &err);
	if (!patch) {
		preserved(file);
		cctl_fail("%s", err.msg);
		return STOPPED;
	}
	cube_autofree char *ptext = cctl_json_go(patch, 0);
	if (E.output_patch)
		printf("Patch: %s\n", ptext);
	char path[2048];
	cctl_path(r, cube_obj_namespace(obj), name, NULL, path, sizeof(path));
	cctl_query(path, sizeof(path), "fieldManager", E.field_manager);
	cctl_query(path, sizeof(path), "fieldValidation", "Strict");
	cctl_resp resp;
	if (cctl_request(c, "PATCH", path, NULL, "application/strategic-merge-patch+json", ptext,
			 &resp) < 0) {
		preserved(file);
		return STOPPED;
	}
	int ret = STOPPED;
	if (resp.status >= 200 && resp.status < 300 && resp.body) {
		*keep = false;
		ret = print_result(r, resp.body, name) ? STOPPED : SAVED;
	} else if (resp.status == 404) {
		fprintf(stderr,
			"error: %s \"%s\" could not be found on the server\nThe edits you made on "
			"deleted resources have been saved to \"%s\"\n",
			rs, name, file);
	} else if (resp.status == 422) {
		ret = refused(hdr, hsize, rs, name, cube_json_path(resp.body, "details.causes"));
	} else {
		char m[4096];
		cctl_status_message(resp.status, resp.body, resp.text, NULL, NULL, m, sizeof(m));
		fprintf(stderr,
			"error: %s \"%s\" could not be patched: %s\nYou can run `cubectl replace "
			"-f "
			"%s` to try this update again.\n",
			rs, name, m, file);
	}
	cctl_resp_clear(&resp);
	return ret;
}

/* Writes buf to a new file, runs the editor on it, reads it back.  The
 * text (malloc'd) with its file's name in file, or NULL after printing. */
static char *edit_once(const char *buf, bool json, char *file, size_t size)
{
	if (!buf || write_temp(buf, json, file, size) < 0) {
		cctl_fail("cannot write a temporary file: %s", strerror(errno));
		return NULL;
	}
	if (launch(file) < 0) {
		unlink(file);
		return NULL;
	}
	char *edited = read_file(file);
	if (!edited)
		cctl_fail("%s: %s", file, strerror(errno));
	return edited;
}

static int edit_loop(cctl *c, const cctl_res *r, cJSON *obj)
{
	const char *name = cube_obj_name(obj);
	bool json = E.output && !strcmp(E.output, "json");
	char rs[300];
	res_string(r, rs, sizeof(rs));
	cube_autofree char *body = render(obj, json);
	if (!body)
		return cctl_fail("out of memory");
	size_t olen = strlen(HEADER) + strlen(body) + 2;
	cube_autofree char *original = malloc(olen);
	if (!original)
		return 1;
	/* JSON has no comments: kubectl writes no header then */
	snprintf(original, olen, "%s%s%s", json ? "" : HEADER, body, json ? "\n" : "");
	char *buf = strdup(original); /* what the editor gets */
	char *edited = NULL;	      /* the last save */
	char file[1024] = "", prev_file[1024] = "";
	int rc = 1;
	for (;;) {
		char *prev = edited;
		edited = edit_once(buf, json, file, sizeof(file));
		if (!edited) {
			free(prev);
			break;
		}
		/* after a refusal, the same content again ends the edit */
		if (prev && same_edit(prev, edited)) {
			free(prev);
			preserved(file);
			if (prev_file[0])
				unlink(prev_file);
			cctl_fail("Edit cancelled, no valid changes were saved.");
			break;
		}
		free(prev);
		if (prev_file[0])
			unlink(prev_file);
		prev_file[0] = '\0';
		if (same_edit(original, edited)) {
			unlink(file);
			fprintf(stderr, "Edit cancelled, no changes made.\n");
			rc = 0;
			break;
		}
		cube_autofree char *stripped = cctl_edit_strip_comments(edited);
		char msg[2048], hdr[16384] = HEADER;
		cube_autojson cJSON *mine =
			stripped ? parse_edit(stripped, msg, sizeof(msg)) : NULL;
		int st;
		bool keep = true;
		if (!mine) {
			char cause[2400];
			snprintf(cause, sizeof(cause),
				 "Invalid value: \"The edited file failed validation\": %s", msg);
			cube_autojson cJSON *causes = cJSON_CreateArray();
			cJSON *one = cJSON_CreateObject();
			cJSON_AddStringToObject(one, "field", "<nil>");
			cJSON_AddStringToObject(one, "message", cause);
			cJSON_AddItemToArray(causes, one);
			st = refused(hdr, sizeof(hdr), rs, name, causes);
		} else {
			st = save(c, r, obj, mine, file, rs, hdr, sizeof(hdr), &keep);
		}
		if (st != REOPEN) {
			if (!keep)
				unlink(file);
			rc = st == SAVED ? 0 : 1;
			break;
		}
		/* open again: the reasons (no header for JSON), then the save
		 * without its comments */
		snprintf(prev_file, sizeof(prev_file), "%s", file);
		if (json)
			hdr[0] = '\0';
		free(buf);
		size_t bl = strlen(hdr) + strlen(stripped ? stripped : "") + 1;
		buf = malloc(bl);
		if (buf)
			snprintf(buf, bl, "%s%s", hdr, stripped ? stripped : "");
	}
	free(buf);
	free(edited);
	return rc;
}

int cctl_cmd_edit(cctl *c, int argc, char **argv)
{
	char *pos[64];
	int n = cctl_parse(c, edit_flags, argc, argv, pos, 64, NULL);
	if (n < 0)
		return n == -2 ? 0 : 1;
	if (E.output && strcmp(E.output, "json") && strcmp(E.output, "yaml") &&
	    strcmp(E.output, "name"))
		return cctl_fail("unable to match a printer suitable for the output format \"%s\", "
				 "allowed formats are: json,name,yaml",
				 E.output);
	if (E.files.n)
		return cctl_fail("cubectl edit -f is not supported; use TYPE NAME or TYPE/NAME");
	if (n == 0)
		return cctl_fail_no_resources();
	if (cctl_connect(c) < 0 || cctl_discover(c) < 0)
		return 1;
	cctl_ref refs[64];
	int nr = cctl_refs(c, pos, n, refs, 64);
	if (nr < 0)
		return 1;
	if (nr != 1)
		return cctl_fail("cubectl edit takes one object at a time");
	cube_autojson cJSON *obj = cctl_get_obj(c, refs[0].res, refs[0].name);
	if (!obj)
		return 1;
	if (!E.show_managed)
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItem(obj, "metadata"),
							"managedFields");
	return edit_loop(c, refs[0].res, obj);
}
