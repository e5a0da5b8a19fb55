/* flags.h - command-line flags, Kubernetes style, from a table.
 *
 *   static cube_flag flags[] = {
 *       {"etcd-servers", CUBE_FLAG_STRING, &cfg.etcd, "etcd URLs, comma-separated"},
 *       {"port", CUBE_FLAG_INT, &cfg.port, "plain HTTP port"},
 *       {0},
 *   };
 *
 * Accepted forms: --name=value, --name value, -name=value (as Go's flag
 * package), and for booleans --name, --name=true|false.  `--help`/`-h` is
 * reported as CUBE_FLAGS_HELP so that main can print cube_flags_usage() and
 * exit 0.  Anything else (an unknown flag, a missing or malformed value) is
 * an error whose message names the flag, for a one-line report and exit 2.
 */
#ifndef CUBE_FLAGS_H
#define CUBE_FLAGS_H

#include <stddef.h>

#include "error.h"

typedef enum {
	CUBE_FLAG_STRING,   /* const char ** (points into argv) */
	CUBE_FLAG_INT,	    /* int * */
	CUBE_FLAG_BOOL,	    /* bool * */
	CUBE_FLAG_DURATION, /* int * seconds; accepts "90", "90s", "5m", "1h", "1h30m" */
	CUBE_FLAG_LIST,	    /* cube_flag_list *: repeatable, each value appended */
} cube_flag_type;

/* The target of a CUBE_FLAG_LIST flag: values point into argv; the caller
 * frees `v` (not the strings) once done. */
typedef struct cube_flag_list {
	const char **v;
	size_t n;
} cube_flag_list;

typedef struct cube_flag {
	const char *name;
	cube_flag_type type;
	void *target;
	const char *help;
} cube_flag;

#define CUBE_FLAGS_HELP 1

/* Parses argv[1..]. Returns 0, CUBE_FLAGS_HELP, or -1 with err (CUBE_EINVAL).
 * Positional arguments are an error unless `positional` is not NULL, in which
 * case it receives the index of the first one (argc if none). */
int cube_flags_parse(const cube_flag *flags, int argc, char **argv, int *positional, cube_err *err);

/* The usage text: "Usage: prog [flags]", the summary, then every flag with
 * its type, help and current (default) value. malloc'd; NULL on ENOMEM. */
char *cube_flags_usage(const char *prog, const char *summary, const cube_flag *flags);

/* Parses a duration as CUBE_FLAG_DURATION does. Returns 0 or -1. */
int cube_flags_duration(const char *s, int *seconds);

#endif
