/* flags.c - table-driven flag parsing and the --help text. */
#include "flags.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cube_flag *find(const cube_flag *flags, const char *name, size_t n)
{
	for (const cube_flag *f = flags; f->name; f++)
		if (strlen(f->name) == n && !strncmp(f->name, name, n))
			return f;
	return NULL;
}

int cube_flags_duration(const char *s, int *seconds)
{
	if (!s || !*s)
		return -1;
	long long total = 0;
	const char *p = s;
	bool any_unit = false;
	while (*p) {
		char *end;
		errno = 0;
		long long v = strtoll(p, &end, 10);
		if (end == p || errno || v < 0)
			return -1;
		long long mult;
		switch (*end) {
		case '\0':
			if (any_unit)
				return -1; /* "1m30" is ambiguous */
			mult = 1;
			break;
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		default:
			return -1;
		}
		if (v > INT_MAX / mult)
			return -1;
		total += v * mult;
		if (total > INT_MAX)
			return -1;
		p = *end ? end + 1 : end;
		any_unit |= *end != '\0';
	}
	*seconds = (int)total;
	return 0;
}

static int set_value(const cube_flag *f, const char *v, cube_err *err)
{
	switch (f->type) {
	case CUBE_FLAG_STRING:
		*(const char **)f->target = v;
		return 0;
	case CUBE_FLAG_INT: {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		if (!*v || *end || errno || n < INT_MIN || n > INT_MAX)
			return cube_err_set(err, CUBE_EINVAL,
					    "invalid value \"%s\" for flag --%s: not an integer", v,
					    f->name);
		*(int *)f->target = (int)n;
		return 0;
	}
	case CUBE_FLAG_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "1"))
			*(bool *)f->target = true;
		else if (!strcmp(v, "false") || !strcmp(v, "0"))
			*(bool *)f->target = false;
		else
			return cube_err_set(err, CUBE_EINVAL,
					    "invalid value \"%s\" for flag --%s: not a boolean", v,
					    f->name);
		return 0;
	case CUBE_FLAG_LIST: {
		cube_flag_list *l = f->target;
		const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv)
			return cube_err_set(err, CUBE_ENOMEM, "out of memory");
		l->v = nv;
		l->v[l->n++] = v;
		return 0;
	}
	case CUBE_FLAG_DURATION:
		if (cube_flags_duration(v, (int *)f->target) < 0)
			return cube_err_set(err, CUBE_EINVAL,
					    "invalid value \"%s\" for flag --%s: not a duration "
					    "(e.g. 30s, 5m, 1h)",
					    v, f->name);
		return 0;
	}
	return cube_err_set(err, CUBE_EINVAL, "flag --%s has an unknown type", f->name);
}

int cube_flags_parse(const cube_flag *flags, int argc, char **argv, int *positional, cube_err *err)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (positional) {
				*positional = i;
				return 0;
			}
			return cube_err_set(err, CUBE_EINVAL, "unexpected argument \"%s\"", a);
		}
		if (!strcmp(a, "--")) {
			if (positional) {
				*positional = i + 1;
				return 0;
			}
			if (i + 1 < argc)
				return cube_err_set(err, CUBE_EINVAL, "unexpected argument \"%s\"",
						    argv[i + 1]);
			return 0;
		}
		const char *name = a + (a[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		if ((n == 4 && !strncmp(name, "help", 4)) || (n == 1 && name[0] == 'h'))
			return CUBE_FLAGS_HELP;
		const cube_flag *f = find(flags, name, n);
		if (!f)
			return cube_err_set(err, CUBE_EINVAL, "unknown flag: --%.*s",
					    (int)(n > 64 ? 64 : n), name);
		const char *v;
		if (eq) {
			v = eq + 1;
		} else if (f->type == CUBE_FLAG_BOOL) {
			v = "true";
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			return cube_err_set(err, CUBE_EINVAL, "flag needs an argument: --%s",
					    f->name);
		}
		if (set_value(f, v, err) < 0)
			return -1;
	}
	if (positional)
		*positional = argc;
	return 0;
}

char *cube_flags_usage(const char *prog, const char *summary, const cube_flag *flags)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s\n\nUsage:\n  %s [flags]\n\nFlags:\n", summary, prog);
	for (const cube_flag *fl = flags; fl->name; fl++) {
		char dflt[256] = "";
		switch (fl->type) {
		case CUBE_FLAG_STRING: {
			const char *s = *(const char **)fl->target;
			if (s && s[0])
				snprintf(dflt, sizeof(dflt), " (default \"%s\")", s);
			fprintf(f, "      --%s string\n", fl->name);
			break;
		}
		case CUBE_FLAG_INT:
			snprintf(dflt, sizeof(dflt), " (default %d)", *(int *)fl->target);
			fprintf(f, "      --%s int\n", fl->name);
			break;
		case CUBE_FLAG_BOOL:
			if (*(bool *)fl->target)
				snprintf(dflt, sizeof(dflt), " (default true)");
			fprintf(f, "      --%s\n", fl->name);
			break;
		case CUBE_FLAG_DURATION:
			snprintf(dflt, sizeof(dflt), " (default %ds)", *(int *)fl->target);
			fprintf(f, "      --%s duration\n", fl->name);
			break;
		case CUBE_FLAG_LIST:
			fprintf(f, "      --%s string (repeatable)\n", fl->name);
			break;
		}
		fprintf(f, "          %s%s\n", fl->help, dflt);
	}
	fprintf(f, "  -h, --help\n          help for %s\n", prog);
	fclose(f);
	return out;
}
