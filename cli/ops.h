/* ops.h - the pure parts of cubectl wait, diff and edit (wait.c, diff.c,
 * edit.c), unit-tested in tests/unit/test_cubectl.c. */
#ifndef CUBE_CLI_OPS_H
#define CUBE_CLI_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef enum {
	CCTL_WAIT_DELETE,
	CCTL_WAIT_CONDITION, /* name = the condition type, value = its status */
	CCTL_WAIT_JSONPATH,  /* name = the relaxed template, value if has_value */
	CCTL_WAIT_CREATE,
} cctl_wait_kind;

typedef struct cctl_wait_cond {
	cctl_wait_kind kind;
	char name[1024];
	char value[1024];
	bool has_value;
} cctl_wait_cond;

/* Parses --for as kubectl's conditionFuncFor does ("delete",
 * "condition=Ready", "condition=Ready=false", "jsonpath={.a}=b",
 * "jsonpath=.a", "create").  0, or -1 with kubectl's message in msg
 * ("unrecognized condition: \"x\"", "jsonpath wait value cannot be empty"). */
int cctl_wait_cond_parse(const char *spec, cctl_wait_cond *out, char *msg, size_t size);

/* 1 when obj meets a condition= or jsonpath= wait, 0 when not (yet), -1
 * with msg when it never can ("given jsonpath expression matches more than
 * one value", "jsonpath leads to a nested object or list which is not
 * supported"). */
int cctl_wait_cond_met(const cctl_wait_cond *w, const cJSON *obj, char *msg, size_t size);

/* kubectl diff's Masker on two versions of a Secret (either may be NULL):
 * each data value becomes "***" when both have it unchanged (and not
 * empty), "*** (before)" / "*** (after)" when it changed, "***" when only
 * one side has it. */
void cctl_diff_mask_secret(cJSON *from, cJSON *to);

/* The diff program's argv for the two directories: "diff -u -N LIVE MERGED",
 * or $KUBECTL_EXTERNAL_DIFF's first word, the directories, then its other
 * words that match ^[a-zA-Z0-9-=]+$ (words split at single spaces, in buf).
 * Returns the count (argv NULL-terminated), or -1. */
int cctl_diff_argv(const char *env, const char *live, const char *merged, char **argv, int max,
		   char *buf, size_t size);

/* kubectl's StripComments: the text without its lines whose first
 * non-blank character is '#'.  malloc'd, or NULL. */
char *cctl_edit_strip_comments(const char *text);

/* The editor's argv for file, as kubectl's editor package builds it from
 * $KUBE_EDITOR, then $EDITOR, then "vi": one word as is; words split at
 * single spaces; with a quote or a backslash, [shell ($SHELL or /bin/bash),
 * "-c", "<editor> \"<file>\""].  The strings live in buf.  Returns the count
 * (argv NULL-terminated), or -1. */
int cctl_edit_editor_argv(const char *kube_editor, const char *editor, const char *shell,
			  const char *file, char **argv, int max, char *buf, size_t size);

/* A Go duration that may be negative ("-1s", "1m30s"), in whole seconds
 * (wait --timeout, logs --since).  0, or -1 when it is not one. */
int cctl_signed_duration(const char *s, int *seconds);

struct cctl;
/* Reads flag --NAME's value arg (NULL: not given, *seconds unchanged) as
 * cctl_signed_duration; -1 after printing pflag's error for c's command. */
int cctl_duration_flag(const struct cctl *c, const char *flag, const char *arg, int *seconds);

#endif
