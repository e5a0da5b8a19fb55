/* diff.c - cubectl diff -f, as kubectl v1.32's: for each object of the
 * manifests, the live version and what apply would make of it (the API
 * server's dry-run answer, cctl_apply_preview in apply.c) are written as
 * YAML into two temporary directories, LIVE-* and MERGED-*, one file each
 * named [group.]version.Kind.namespace.name, without managedFields (unless
 * --show-managed-fields) and with a Secret's data masked as kubectl masks
 * it; then `diff -u -N LIVE MERGED` runs, or $KUBECTL_EXTERNAL_DIFF (its
 * first word the program, the other words that are only letters, digits,
 * '-' and '=' appended after the directories).  The exit status is the
 * program's (0 the same, 1 different); an error before it exits 2. */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cubectl.h"
#include "obj.h"
#include "ops.h"
#include "selector.h"

static struct {
	cctl_strv files;
	bool recursive, server_side, force_conflicts, show_managed;
	const char *field_manager, *selector;
	int concurrency;
} F = {.concurrency = 1};

static const cctl_flag diff_flags[] = {
	{"filename", 'f', CCTL_ARRAY, &F.files,
	 "Filename, directory, or URL to files contains the "
	 "configuration to diff"},
	{"recursive", 'R', CCTL_BOOL, &F.recursive,
	 "Process the directory used in -f, --filename recursively."},
	{"server-side", 0, CCTL_BOOL, &F.server_side,
	 "If true, apply runs in the server instead of the client."},
	{"force-conflicts", 0, CCTL_BOOL, &F.force_conflicts,
	 "If true, server-side apply will force the changes against conflicts."},
	{"field-manager", 0, CCTL_STRING, &F.field_manager,
	 "Name of the manager used to track field ownership."},
	{"show-managed-fields", 0, CCTL_BOOL, &F.show_managed,
	 "If true, include managed fields in the diff."},
	{"selector", 'l', CCTL_STRING, &F.selector, "Selector (label query) to filter on"},
	{"concurrency", 0, CCTL_INT, &F.concurrency,
	 "Number of objects to process in parallel when diffing against the live version."},
	{0},
};

/* ---- a Secret's data, masked (kubectl's diff Masker) ---------------------------------------- */

/* Sets item (a member of o) to the string v; returns the item now in its place. */
static cJSON *set_str(cJSON *o, cJSON *item, const char *v)
{
	if (cJSON_IsString(item)) {
		cJSON_SetValuestring(item, v);
		return item;
	}
	cJSON *n = cJSON_CreateString(v);
	if (!n)
		return item;
	n->string = strdup(item->string); /* ViaPointer keeps no key */
	if (!n->string) {
		cJSON_Delete(n);
		return item;
	}
	cJSON_ReplaceItemViaPointer(o, item, n);
	return n;
}

void cctl_diff_mask_secret(cJSON *from, cJSON *to)
{
	cJSON *fd = from ? cJSON_GetObjectItemCaseSensitive(from, "data") : NULL;
	cJSON *td = to ? cJSON_GetObjectItemCaseSensitive(to, "data") : NULL;
	for (cJSON *k = fd ? fd->child : NULL; k; k = k->next) {
		cJSON *other = td ? cJSON_GetObjectItemCaseSensitive(td, k->string) : NULL;
		const char *a = cJSON_GetStringValue(k);
		const char *b = other ? cJSON_GetStringValue(other) : NULL;
		bool same = a && a[0] && b && !strcmp(a, b);
		k = set_str(fd, k, same ? "***" : "*** (before)");
		if (other)
			set_str(td, other, same ? "***" : "*** (after)");
	}
	for (cJSON *k = td ? td->child : NULL; k; k = k->next)
		if (!fd || !cJSON_GetObjectItemCaseSensitive(fd, k->string))
			k = set_str(td, k, "***");
}

/* ---- the diff program ------------------------------------------------------------------------ */

int cctl_diff_argv(const char *env, const char *live, const char *merged, char **argv, int max,
		   char *buf, size_t size)
{
	int n = 0;
	if (!env || !env[0]) {
		argv[n++] = "diff";
		argv[n++] = "-u";
		argv[n++] = "-N";
		argv[n++] = (char *)live;
		argv[n++] = (char *)merged;
		argv[n] = NULL;
		return n;
	}
	snprintf(buf, size, "%s", env);
	regex_t re;
	if (regcomp(&re, "^[a-zA-Z0-9=-]+$", REG_EXTENDED | REG_NOSUB))
		return -1;
	/* strings.Split(env, " "): each single space separates */
	char *words[64];
	int nw = 0;
	for (char *p = buf;;) {
		char *sp = strchr(p, ' ');
		if (nw < 64)
			words[nw++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	argv[n++] = words[0];
	argv[n++] = (char *)live;
	argv[n++] = (char *)merged;
	for (int i = 1; i < nw && n < max - 1; i++)
		if (!regexec(&re, words[i], 0, NULL, 0))
			argv[n++] = words[i];
	argv[n] = NULL;
	regfree(&re);
	return n;
}

static int run_diff(const char *live, const char *merged)
{
	char *argv[72], buf[4096];
	if (cctl_diff_argv(getenv("KUBECTL_EXTERNAL_DIFF"), live, merged, argv, 72, buf,
			   sizeof(buf)) < 0)
		return 2;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return cctl_fail("fork: %s", strerror(errno)) + 1;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "error: failed to run \"%s\": %s\n", argv[0], strerror(errno));
		_exit(2);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}

/* ---- the files ----------------------------------------------------------------------------------
 */

static void strip_managed(cJSON *o)
{
	if (o && !F.show_managed)
		cJSON_DeleteItemFromObjectCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(o, "metadata"), "managedFields");
}

/* Writes one version; a Secret's absent version is "null", as kubectl's
 * masker leaves it. */
static int write_version(const char *dir, const char *file, const cJSON *o, bool secret)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	if (!f)
		return cctl_fail("%s: %s", path, strerror(errno));
	if (o)
		cctl_print_yaml(f, o);
	else if (secret)
		fputs("null\n", f);
	return fclose(f) ? 1 : 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static int diff_one(cctl *c, cJSON *m, cJSON *obj, const char *live_dir, const char *merged_dir)
{
	const cctl_res *r = NULL;
	cube_autojson cJSON *live = NULL;
	cube_autojson cJSON *merged = NULL;
	if (cctl_apply_preview(c, obj, cube_json_str(m, "source"), F.server_side, F.field_manager,
			       F.force_conflicts, &r, &live, &merged) < 0)
		return 2;
	strip_managed(live);
	strip_managed(merged);
	bool secret = !strcmp(r->gvr.kind, "Secret") && !r->gvr.group[0];
	if (secret)
		cctl_diff_mask_secret(live, merged);
	char file[1024];
	const char *ns = cube_obj_namespace(obj);
	snprintf(file, sizeof(file), "%s%s%s.%s.%s.%s", r->gvr.group, r->gvr.group[0] ? "." : "",
		 r->gvr.version, r->gvr.kind, ns ? ns : "", cube_obj_name(obj));
	if (write_version(live_dir, file, live, secret) ||
	    write_version(merged_dir, file, merged, secret))
		return 2;
	return 0;
}

static int diff_objects(cctl *c, cJSON *ms, const char *live_dir, const char *merged_dir)
{
	cube_err err = CUBE_ERR_INIT;
	cube_labelsel *sel = F.selector ? cube_labelsel_parse(F.selector, &err) : NULL;
	if (F.selector && !sel) {
		cctl_fail("%s", err.msg);
		return 2;
	}
	int rc = 0;
	cJSON *m;
	cJSON_ArrayForEach (m, ms) {
		cJSON *obj = cJSON_GetObjectItemCaseSensitive(m, "object");
		if (sel && !cube_labelsel_matches(sel, cube_json_path(obj, "metadata.labels")))
			continue;
		if ((rc = diff_one(c, m, obj, live_dir, merged_dir)))
			break;
	}
	cube_labelsel_free(sel);
	return rc;
}

int cctl_cmd_diff(cctl *c, int argc, char **argv)
{
	char *pos[8];
	int n = cctl_parse(c, diff_flags, argc, argv, pos, 8, NULL);
	if (n < 0)
		return n == -2 ? 0 : 2;
	if (!F.files.n) {
		cctl_fail("must specify one of -f and -k");
		return 2;
	}
	cube_autojson cJSON *ms = cctl_read_manifests(&F.files, F.recursive);
	if (!ms || cctl_connect(c) < 0)
		return 2;
	const char *tmp = getenv("TMPDIR");
	char live_dir[1024], merged_dir[1024];
	snprintf(live_dir, sizeof(live_dir), "%s/LIVE-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	snprintf(merged_dir, sizeof(merged_dir), "%s/MERGED-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(live_dir))
		return cctl_fail("%s: %s", live_dir, strerror(errno)) + 1;
	if (!mkdtemp(merged_dir)) {
		rmdir(live_dir);
		return cctl_fail("%s: %s", merged_dir, strerror(errno)) + 1;
	}
	int rc = diff_objects(c, ms, live_dir, merged_dir);
	if (!rc)
		rc = run_diff(live_dir, merged_dir);
	remove_dir(live_dir);
	remove_dir(merged_dir);
	return rc;
}
