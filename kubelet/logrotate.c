/* logrotate.c - container log rotation by size (see logrotate.h). */
#include "logrotate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci.h"

void logrotate_name(const char *log, const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	char stamp[32];
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, size, "%s.%s.%09ld", log, stamp, ts->tv_nsec);
}

bool logrotate_is_piece(const char *base, const char *name)
{
	size_t bl = strlen(base);
	if (strncmp(name, base, bl) || name[bl] != '.')
		return false;
	/* .YYYYMMDD-hhmmss.nnnnnnnnn */
	static const char shape[] = "dddddddd-dddddd.ddddddddd";
	const char *s = name + bl + 1;
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		char c = s[i];
		if (shape[i] == 'd' ? (c < '0' || c > '9') : c != shape[i])
			return false;
	}
	return s[sizeof(shape) - 1] == '\0';
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **logrotate_pieces(const char *log)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", log);
	char *slash = strrchr(dir, '/');
	const char *base = log;
	if (slash) {
		*slash = '\0';
		base = log + (slash - dir) + 1;
	} else {
		snprintf(dir, sizeof(dir), ".");
	}
	size_t n = 0, cap = 8;
	char **v = calloc(cap + 1, sizeof(*v));
	if (!v)
		return NULL;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!logrotate_is_piece(base, e->d_name))
			continue;
		if (n == cap) {
			char **g = realloc(v, (cap * 2 + 1) * sizeof(*v));
			if (!g)
				break;
			v = g;
			cap *= 2;
		}
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		if (!(v[n] = malloc(len)))
			break;
		snprintf(v[n++], len, "%s/%s", dir, e->d_name);
		v[n] = NULL;
	}
	if (d)
		closedir(d);
	v[n] = NULL;
	qsort(v, n, sizeof(*v), by_name);
	return v;
}

int logrotate_rotate(const char *log, int max_files, const struct timespec *ts)
{
	char to[4200];
	logrotate_name(log, ts, to, sizeof(to));
	if (rename(log, to) < 0)
		return -1;
	char **v = logrotate_pieces(log);
	size_t n = cube_oci_strv_len(v);
	size_t keep = max_files > 1 ? (size_t)max_files - 1 : 1;
	for (size_t i = 0; n > keep && i < n - keep; i++)
		unlink(v[i]);
	cube_oci_strv_free(v);
	return 0;
}

void logrotate_remove(const char *log)
{
	char **v = logrotate_pieces(log);
	for (size_t i = 0; v && v[i]; i++)
		unlink(v[i]);
	cube_oci_strv_free(v);
	unlink(log);
}
